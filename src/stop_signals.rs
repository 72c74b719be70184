//! The stop signals of the long-running commands (`capture`, `agent`, and `analyze` with its
//! progress bar on a terminal): the first one stops cleanly (the report, the saved file's end
//! blocks), a second one quits at once (once a pager that has the terminal quits, after the
//! messages held for it), a third one even then.
//!
//! One signal can arrive twice: GNU `timeout` sends its signal to the command and then to the
//! whole process group the command is in, and a terminal's Ctrl+C reaches every process of the
//! foreground group (a shell script that forwards it sends it again). Both copies come within
//! microseconds; a person pressing Ctrl+C again takes far longer. So a repeat within
//! [`SAME_SIGNAL`](crate::stop_signals::SAME_SIGNAL) of the first is the same request, and only a later one quits at once:
//! before, `timeout 60 rstscope capture` lost its report to its own second copy most times.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long after the first stop signal another one is taken as a copy of it.
pub const SAME_SIGNAL: Duration = Duration::from_millis(500);

/// What a stop signal asks for, given when the first one came.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    /// The first: stop cleanly.
    Stop,
    /// A copy of the first (within [`SAME_SIGNAL`]): nothing more.
    Same,
    /// A later one: quit at once.
    Quit,
}

/// Tells apart the first stop signal, its copies and a later one.
#[derive(Default)]
struct Signals {
    first: Option<Instant>,
}

impl Signals {
    fn on_signal(&mut self, now: Instant) -> Request {
        match self.first {
            None => {
                self.first = Some(now);
                Request::Stop
            }
            Some(t) if now.saturating_duration_since(t) < SAME_SIGNAL => Request::Same,
            Some(_) => Request::Quit,
        }
    }
}

/// Installs the handler of Ctrl+C (and on Unix SIGTERM and SIGHUP): `stop` at the first signal,
/// `quit` (which does not return) at one that comes [`SAME_SIGNAL`] or more after it. Returns
/// whether a stop signal came.
///
/// `quit` runs on a thread of its own: it may wait (the messages held for a pager are written
/// once the pager quits: `host::locale::exit_now`), and a signal after it then ends the
/// program at once, with exit code 130, whatever it waits for (a pager killed without giving
/// the terminal back).
pub fn handle(
    stop: impl Fn() + Send + 'static,
    quit: impl Fn() + Send + Sync + 'static,
) -> Result<Arc<AtomicBool>, ctrlc::Error> {
    let came = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&came);
    let signals = Mutex::new(Signals::default());
    let quit = Arc::new(quit);
    let quitting = AtomicBool::new(false);
    ctrlc::set_handler(move || {
        let request = signals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .on_signal(Instant::now());
        match request {
            Request::Stop => {
                flag.store(true, Ordering::SeqCst);
                stop();
            }
            Request::Same => {}
            Request::Quit if quitting.swap(true, Ordering::SeqCst) => std::process::exit(130),
            Request::Quit => {
                let quit = Arc::clone(&quit);
                let spawned = std::thread::Builder::new()
                    .name("quit".into())
                    .spawn(move || quit());
                if spawned.is_err() {
                    std::process::exit(130);
                }
            }
        }
    })?;
    Ok(came)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_of_the_first_signal_is_not_a_second_one() {
        let mut s = Signals::default();
        let t = Instant::now();
        assert_eq!(s.on_signal(t), Request::Stop);
        // `timeout`'s copy to the process group, microseconds later.
        assert_eq!(s.on_signal(t + Duration::from_micros(40)), Request::Same);
        assert_eq!(s.on_signal(t + Duration::from_millis(499)), Request::Same);
        // The admin pressing Ctrl+C again.
        assert_eq!(s.on_signal(t + SAME_SIGNAL), Request::Quit);
        assert_eq!(s.on_signal(t + Duration::from_secs(3)), Request::Quit);
    }
}
