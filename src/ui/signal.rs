//! Ending the app from outside its window: SIGTERM, SIGINT (Ctrl+C in the terminal it was
//! started from) and SIGHUP on Unix (on Windows the app has let go of the console it was
//! started from, so nothing typed there reaches it: see `windows_console` of the program).
//! The app then ends as closing its window does: the settings are saved and the temporary
//! folder removed. A live capture not yet saved cannot be asked about: its packets are kept in
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
    /// The window's context, once it exists: a signal wakes it (through the `repaint` thread:
    /// the signals' thread does not wait on the window).
    ctx: OnceLock<crate::ui::repaint::Repaint>,
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
                if let Some(repaint) = shared.ctx.get() {
                    repaint.request();
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
        let _ = self.0.ctx.set(crate::ui::repaint::Repaint::new(ctx));
    }

    /// Asks the app to end, as a signal does.
    pub fn ask(&self) {
        self.0.signals.fetch_add(1, Ordering::SeqCst);
        if let Some(repaint) = self.0.ctx.get() {
            repaint.request();
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

/// How long a kept capture stays once File > Recent no longer lists it: two weeks, time to
/// come back to it after a weekend or a holiday, and no longer a folder that grows with each
/// signal (each as large as the save limit, up to 1000 MiB by default).
pub const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// Removes from `folder` ([`kept_folder`]) the kept captures the user is done with: those
/// that `recent` (File > Recent) no longer lists and that were kept more than [`KEPT_FOR`]
/// before `now`. One Recent lists, or one kept since, stays: it may not have been looked at
/// yet. Only the `.pcapng` files the app keeps there are touched. The paths removed.
pub fn prune_kept(
    folder: &std::path::Path,
    recent: &[Vec<PathBuf>],
    now: std::time::SystemTime,
) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b
            || std::fs::canonicalize(a)
                .ok()
                .zip(std::fs::canonicalize(b).ok())
                .is_some_and(|(a, b)| a == b)
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() || path.extension().is_none_or(|e| e != "pcapng") {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|at| now.duration_since(at).ok())
            .is_some_and(|age| age > KEPT_FOR);
        let listed = recent.iter().flatten().any(|r| same(r, &path));
        if old && !listed && std::fs::remove_file(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept capture listed in Recent stays however old; one no longer listed goes once it
    /// is older than [`KEPT_FOR`]; a newer one stays; other files are not touched.
    #[test]
    fn kept_captures_go_once_unlisted_and_old() {
        let folder = std::env::temp_dir().join(format!("rstscope-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).expect("folder");
        let now = std::time::SystemTime::now();
        let month = now - std::time::Duration::from_secs(30 * 24 * 3600);
        let file = |name: &str, at: std::time::SystemTime| {
            let path = folder.join(name);
            let f = std::fs::File::create(&path).expect("create");
            f.set_modified(at).expect("mtime");
            path
        };
        let listed = file("capture-1.pcapng", month);
        let unlisted = file("capture-2.pcapng", month);
        let recent = file("capture-3.pcapng", now);
        let other = file("notes.txt", month);
        let removed = prune_kept(&folder, &[vec![listed.clone()]], now);
        assert_eq!(removed, vec![unlisted.clone()]);
        assert!(listed.exists() && recent.exists() && other.exists());
        assert!(!unlisted.exists());
        // Out of Recent, the old one goes too.
        assert_eq!(prune_kept(&folder, &[], now), vec![listed]);
        let _ = std::fs::remove_dir_all(&folder);
    }
}
