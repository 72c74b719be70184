//! Work off the caller's thread: a job runs on a named thread and sends updates over a
//! bounded channel; a slow consumer loses intermediate updates (counted), never the result.
//! The UI polls [`Job::poll`](crate::pipeline::Job::poll) each frame and is woken by the `notify` callback.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::engine::EngineConfig;
use crate::source::SourceError;
use analysis::{Analysis, Options, Progress};

/// One capture file analyzed end to end: file source -> decode -> engine, reading and
/// decoding on a second thread.
pub mod analysis;
/// Lower priority for the app's background threads.
pub mod background;
/// Live capture as a job: capture threads, the engine thread, updates to the UI.
pub mod live;
/// Files given together that are not one capture in pieces: far apart in time, or the same
/// traffic captured at two points.
pub mod merged;

/// Updates in flight at most; beyond, intermediate updates are dropped.
const CHANNEL_DEPTH: usize = 4;
/// Least wall-clock time between two intermediate results of a file analysis.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(250);

/// What a job reports.
#[derive(Debug)]
pub enum Update {
    /// How far it has got.
    Progress(Progress),
    /// Before the reading: the file given later is being compared with the one given first,
    /// byte for byte (a copy is read once), which takes seconds for large files.
    Comparing(PathBuf, PathBuf),
    /// Results so far.
    Partial(Arc<Analysis>),
    /// The end: the final results, or why there are none.
    Finished(Result<Arc<Analysis>, SourceError>),
}

/// A running (or finished) background job.
pub struct Job {
    rx: Receiver<Update>,
    cancel: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Job {
    /// Updates received since the last call, oldest first.
    pub fn poll(&mut self) -> Vec<Update> {
        self.rx.try_iter().collect()
    }

    /// Waits for the next update, up to `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<Update> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Asks the job to stop; it finishes with the results so far.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Intermediate updates dropped because the consumer was slow.
    pub fn dropped_updates(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// True once the job's thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel();
        // Close the channel first so that the worker's last (blocking) send fails at once
        // instead of waiting for a reader that is gone; joining keeps no thread running
        // past its owner.
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.rx, closed));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sends intermediate updates without blocking, counting those dropped.
struct Sender {
    tx: SyncSender<Update>,
    dropped: Arc<AtomicU64>,
    notify: Box<dyn Fn() + Send>,
}

impl Sender {
    fn offer(&self, u: Update) {
        match self.tx.try_send(u) {
            Ok(()) => (self.notify)(),
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    fn finish(&self, u: Update) {
        let _ = self.tx.send(u);
        (self.notify)();
    }
}

/// Analyzes capture files on a thread named `analyze`. `notify` is called after each update
/// is sent (the GUI passes its repaint request).
pub fn analyze_files(
    paths: Vec<PathBuf>,
    engine: EngineConfig,
    notify: impl Fn() + Send + 'static,
) -> Job {
    let (tx, rx) = sync_channel(CHANNEL_DEPTH);
    let cancel = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicU64::new(0));
    let sender = Sender {
        tx,
        dropped: Arc::clone(&dropped),
        notify: Box::new(notify),
    };
    let stop = Arc::clone(&cancel);
    let thread = std::thread::Builder::new()
        .name("analyze".into())
        .spawn(move || {
            background::lower_this_thread();
            let mut progress = |p: Progress| sender.offer(Update::Progress(p));
            let mut partial = |a: Analysis| sender.offer(Update::Partial(Arc::new(a)));
            let mut comparing = |later: &std::path::Path, first: &std::path::Path| {
                sender.offer(Update::Comparing(later.to_path_buf(), first.to_path_buf()));
            };
            let options = Options {
                engine,
                progress: Some(&mut progress),
                cancel: Some(&stop),
                on_snapshot: Some(&mut partial),
                comparing: Some(&mut comparing),
                snapshot_every: SNAPSHOT_EVERY,
                background: true,
                ..Options::default()
            };
            let result = analysis::analyze_files(&paths, options).map(Arc::new);
            sender.finish(Update::Finished(result));
        })
        .ok();
    Job {
        rx,
        cancel,
        dropped,
        thread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_finishes_with_the_error() {
        let mut job = analyze_files(
            vec![PathBuf::from("/nonexistent/x.pcap")],
            EngineConfig::default(),
            || {},
        );
        let mut last = None;
        while let Some(u) = job.wait(Duration::from_secs(10)) {
            if let Update::Finished(r) = u {
                last = Some(r);
                break;
            }
        }
        let err = last
            .expect("finished")
            .expect_err("a missing file is an error");
        assert!(err.to_string().contains("x.pcap"));
    }

    /// The window's job says which files it compares before reading them (a copy is read
    /// once), then reads: the comparison of two copies of 1 GB took seconds with no word.
    #[test]
    fn a_job_tells_the_comparison_of_copies_before_reading() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let dir = std::env::temp_dir().join(format!("rstscope-job-copies-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let copy = dir.join("sample-7211 (1).pcapng");
        std::fs::copy(&sample, &copy).expect("copy");
        let mut job = analyze_files(
            vec![sample.clone(), copy.clone()],
            EngineConfig::default(),
            || {},
        );
        let mut seen = Vec::new();
        while let Some(u) = job.wait(Duration::from_secs(10)) {
            match u {
                Update::Comparing(later, first) => {
                    seen.push(format!("comparing {later:?} {first:?}"))
                }
                Update::Finished(r) => {
                    let a = r.expect("reads");
                    assert_eq!(a.snapshot.totals.rst_packets, 20, "the copy read once");
                    seen.push("finished".into());
                    break;
                }
                _ => {}
            }
        }
        assert_eq!(
            seen,
            [format!("comparing {copy:?} {sample:?}"), "finished".into()]
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sample_finishes_with_results_and_the_thread_ends() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut job = analyze_files(vec![sample], EngineConfig::default(), || {});
        let mut result = None;
        while let Some(u) = job.wait(Duration::from_secs(10)) {
            if let Update::Finished(r) = u {
                result = Some(r);
                break;
            }
        }
        let a = result.expect("finished").expect("sample reads");
        assert_eq!(a.snapshot.totals.rst_packets, 20);
        drop(job);
    }
}
