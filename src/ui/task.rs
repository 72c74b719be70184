//! One-shot background work of the UI (a file dialog, listing a folder, saving a file,
//! collecting evidence): a named thread whose result comes back over a channel, with a
//! repaint request (made by [`repaint`](crate::ui::repaint), which the thread does not wait
//! for), so that the UI thread never waits on files.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use eframe::egui;

/// A result on its way from a named thread.
pub struct Task<T> {
    rx: Receiver<T>,
    cancel: Arc<AtomicBool>,
    done: bool,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a thread called `name`; `ctx` is asked to repaint when it is done.
    /// `work` gets a flag that is set when the task is cancelled or dropped.
    pub fn spawn(
        name: &str,
        ctx: &egui::Context,
        work: impl FnOnce(&AtomicBool) -> T + Send + 'static,
    ) -> Self {
        let (tx, rx) = sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let repaint = crate::ui::repaint::Repaint::new(ctx);
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let result = work(&flag);
                // The receiver may be gone (task dropped): nothing to deliver then.
                let _ = tx.send(result);
                repaint.request();
            });
        Self {
            rx,
            cancel,
            // A thread that could not start never answers.
            done: spawned.is_err(),
        }
    }
}

impl<T> Task<T> {
    /// The result, once, when it has arrived.
    pub fn poll(&mut self) -> Option<T> {
        if self.done {
            return None;
        }
        match self.rx.try_recv() {
            Ok(v) => {
                self.done = true;
                Some(v)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.done = true;
                None
            }
        }
    }

    /// True until the result has been taken (or the thread died).
    pub fn is_running(&self) -> bool {
        !self.done
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // The thread is not joined: it ends on its own and its result is discarded.
        self.cancel.store(true, Ordering::Relaxed);
    }
}
