//! Repaint requests of the app's background threads (a file's analysis, a live capture's,
//! the one-shot tasks, a signal), passed to a thread of their own, named `repaint`, which
//! asks egui: a background thread never waits on the window's context.
//!
//! egui's `Context::request_repaint` takes the context's lock, which the UI thread holds
//! through each pass's start and end and every text layout. In debug builds egui 0.37 also
//! records every `Id` and `IdSalt` made in two maps, one lock each for the whole process,
//! taken while a pass holds its context, and 24 live GUI tests at once (each a window of its
//! own, 2 cores) queued on those locks long enough that a file's or a live capture's analysis
//! thread waited over 10 s for a repaint and was stopped by epaint's debug check ("Failed to
//! acquire RwLock read after 10s"), its results lost. Backtraces of every thread when it
//! happened: each test's UI thread in `begin_pass`, holding its context, waiting on
//! `id_source::SOURCE_MAP`; one growing `id_salt_source::SOURCE_MAP` while it waited on the
//! allocator. A slow frame must slow the window, not the analysis.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, OnceLock};

use eframe::egui;

/// A request: the context to repaint, and the flag of the handle that made it.
type Request = (egui::Context, Arc<AtomicBool>);

/// The requests' way to the `repaint` thread; `None` where it could not start.
fn waker() -> Option<&'static Sender<Request>> {
    static WAKER: OnceLock<Option<Sender<Request>>> = OnceLock::new();
    WAKER
        .get_or_init(|| {
            let (tx, rx) = channel::<Request>();
            std::thread::Builder::new()
                .name("repaint".into())
                .spawn(move || {
                    for (ctx, pending) in rx {
                        // Cleared first: a request made while egui is asked is asked again.
                        pending.store(false, Ordering::Release);
                        // A debug build's check of a lock held 10 s panics (nothing is held
                        // then): the request is made again until the frame ends.
                        while catch_unwind(AssertUnwindSafe(|| ctx.request_repaint())).is_err() {}
                    }
                })
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

/// A background thread's way to ask for a repaint of a window: at most one request of each
/// handle waits at a time, however often it asks, so a fast analysis queues nothing.
#[derive(Clone)]
pub struct Repaint {
    ctx: egui::Context,
    pending: Arc<AtomicBool>,
}

impl Repaint {
    /// Asks for repaints of `ctx` (made on the UI thread: cloning a context takes no lock).
    #[must_use]
    pub fn new(ctx: &egui::Context) -> Self {
        Self {
            ctx: ctx.clone(),
            pending: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Asks for a repaint, without waiting on the window.
    pub fn request(&self) {
        if self.pending.swap(true, Ordering::AcqRel) {
            return;
        }
        let sent = waker().is_some_and(|tx| {
            tx.send((self.ctx.clone(), Arc::clone(&self.pending)))
                .is_ok()
        });
        if !sent {
            // No `repaint` thread: asked here, as before.
            self.pending.store(false, Ordering::Release);
            self.ctx.request_repaint();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// A request is made while the window's context is held, as a long frame holds it: the
    /// asking thread goes on at once, and the repaint is asked once the context is free.
    #[test]
    fn a_request_does_not_wait_for_a_held_context() {
        let ctx = egui::Context::default();
        let repaint = Repaint::new(&ctx);
        // Passes until nothing asks for another (a new context asks for its first ones).
        for _ in 0..3 {
            let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
            // The font atlas a pass makes is no test's to upload.
            out.textures_delta.clear();
        }
        assert!(!ctx.has_requested_repaint());
        let took = ctx.memory_mut(|_| {
            // The UI thread's hold: the context's lock, for longer than a request may take.
            let asking = std::thread::spawn({
                let repaint = repaint.clone();
                move || {
                    let t = Instant::now();
                    for _ in 0..1000 {
                        repaint.request();
                    }
                    t.elapsed()
                }
            });
            let took = asking.join().expect("the asking thread");
            std::thread::sleep(Duration::from_millis(100));
            took
        });
        assert!(took < Duration::from_secs(1), "requests waited {took:?}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ctx.has_requested_repaint() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            ctx.has_requested_repaint(),
            "the repaint asked once the context was free"
        );
    }
}
