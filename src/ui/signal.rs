//! Ending the app from outside its window: SIGTERM, SIGINT (Ctrl+C in the terminal it was
//! started from) and SIGHUP on Unix; Ctrl+C and Ctrl+Break in its console on Windows (closing
//! that console gives a program no time: Windows ends it). The app then ends as closing its
//! window does: the settings are saved and the temporary folder removed. A live capture not
//! yet saved cannot be asked about: its packets are kept in
//! [`kept_folder`](crate::ui::signal::kept_folder), said on stderr and again in the window at
//! the next start. A second signal ends the app at once (one sent twice within half a second,
//! as `timeout` does, is one: see [`stop_signals`](crate::stop_signals)).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use eframe::egui;

/// Exit code of an end forced by a second signal (128 + SIGINT, as shells report Ctrl+C).
const FORCED_EXIT: i32 = 130;

/// Whether a signal asked the app to end. Clones share it.
#[derive(Clone, Default)]
pub struct EndRequest(Arc<Shared>);

#[derive(Default)]
struct Shared {
    /// Signals received.
    signals: AtomicU32,
    /// The window's context, once it exists: a signal wakes it.
    ctx: OnceLock<egui::Context>,
}

impl EndRequest {
    /// Installs the handler of the signals above (the process's only one); where that fails,
    /// says why on stderr and returns a request that is never made (the signals then end the
    /// app as before, at once).
    pub fn install() -> Self {
        let request = Self::default();
        let shared = Arc::clone(&request.0);
        // A signal sent twice at once (`timeout` sends its own to the process group too) is
        // one request: only a later one ends the app at once.
        let handled = crate::stop_signals::handle(
            move || {
                shared.signals.fetch_add(1, Ordering::SeqCst);
                if let Some(ctx) = shared.ctx.get() {
                    ctx.request_repaint();
                }
            },
            || {
                eprintln!("rstscope: ended at once (a second signal)");
                std::process::exit(FORCED_EXIT);
            },
        );
        if let Err(e) = handled {
            eprintln!("rstscope: cannot handle SIGTERM and Ctrl+C ({e}): they end it at once");
        }
        request
    }

    /// The window's context, woken by a signal to end.
    pub fn attach(&self, ctx: &egui::Context) {
        let _ = self.0.ctx.set(ctx.clone());
    }

    /// Asks the app to end, as a signal does.
    pub fn ask(&self) {
        self.0.signals.fetch_add(1, Ordering::SeqCst);
        if let Some(ctx) = self.0.ctx.get() {
            ctx.request_repaint();
        }
    }

    /// A signal asked the app to end.
    pub fn asked(&self) -> bool {
        self.0.signals.load(Ordering::SeqCst) > 0
    }
}

/// Where a live capture not saved is kept when a signal ends the app: `unsaved captures` in
/// the folder of the app's settings (`~/.local/share/rstscope` on Linux,
/// `%APPDATA%\rstscope\data` on Windows, `~/Library/Application Support/rstscope` on macOS).
pub fn kept_folder() -> Option<PathBuf> {
    eframe::storage_dir("rstscope").map(|d| d.join("unsaved captures"))
}
