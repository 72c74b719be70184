//! One capture analyzed from start to end: file source -> decode -> engine, on the calling
//! thread. The terminal commands call it directly; the GUI runs it on a worker thread.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::decode::{Decoded, Skip, decode};
use crate::engine::{ConnRecord, Engine, EngineConfig, Snapshot};
use crate::source::{FileInfo, FileSource, LinkType, SourceError};

/// Frames between two progress reports, cancellation and snapshot checks.
const CHECK_EVERY: u64 = 1 << 13;

/// Where the reading stands, for progress bars.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Frames read so far.
    pub frames: u64,
    /// Bytes of the input files consumed (compressed bytes for gzip).
    pub bytes_read: u64,
    /// Total size of the input files.
    pub bytes_total: u64,
}

/// What the capture itself was: files, link types, what was not decoded.
#[derive(Debug, Clone, Default)]
pub struct CaptureInfo {
    /// The input files.
    pub files: Vec<FileInfo>,
    /// Frames per link type.
    pub link_types: Vec<(LinkType, u64)>,
    /// Frames read.
    pub frames: u64,
    /// Frames carrying TCP.
    pub tcp_frames: u64,
    /// Well-formed frames without TCP (ARP, UDP, ICMP...).
    pub other_frames: u64,
    /// Frames not decoded, by reason.
    pub not_decoded: BTreeMap<Skip, u64>,
    /// Problems with the input that did not stop the analysis (truncated files...).
    pub warnings: Vec<String>,
    /// The user cancelled before the end.
    pub cancelled: bool,
}

impl CaptureInfo {
    /// Frames not decoded, all reasons.
    pub fn not_decoded_total(&self) -> u64 {
        self.not_decoded.values().sum()
    }
}

/// The result of analyzing a capture.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// The capture.
    pub capture: CaptureInfo,
    /// The engine's findings.
    pub snapshot: Snapshot,
}

/// How to run an analysis.
#[derive(Default)]
pub struct Options<'a> {
    /// Engine settings.
    pub engine: EngineConfig,
    /// Called every so many frames and at the end.
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
    /// Set to stop early; what was read so far is analyzed.
    pub cancel: Option<&'a AtomicBool>,
    /// Called with each finished connection (needs `engine.keep_connections`).
    pub on_connection: Option<&'a mut dyn FnMut(&ConnRecord)>,
    /// Called with the results so far, at most every `snapshot_every` of wall-clock time
    /// (results appear while a large file loads). The final result is returned, not sent.
    pub on_snapshot: Option<&'a mut dyn FnMut(Analysis)>,
    /// Least time between two `on_snapshot` calls (zero: every check, for tests).
    pub snapshot_every: Duration,
}

/// Analyzes the capture made of `paths` (several files are merged in time order).
/// Fails only when a file cannot be opened or is not a capture at all; a file that turns out
/// truncated or corrupt ends early with a warning and its frames so far count.
pub fn analyze_files(paths: &[PathBuf], options: Options<'_>) -> Result<Analysis, SourceError> {
    let source = FileSource::open(paths)?;
    Ok(analyze_source(source, options))
}

/// Analyzes an opened source to its end.
pub fn analyze_source(mut source: FileSource, mut options: Options<'_>) -> Analysis {
    let mut engine = Engine::new(options.engine.clone());
    let mut capture = CaptureInfo::default();
    let bytes_total: u64 = source.files().iter().map(|f| f.size).sum();
    let mut last_snapshot = Instant::now();
    let report = |source: &FileSource, frames: u64, options: &mut Options<'_>| {
        if let Some(cb) = options.progress.as_mut() {
            let bytes_read = source.files().iter().map(|f| f.bytes_read).sum();
            cb(Progress {
                frames,
                bytes_read,
                bytes_total,
            });
        }
    };
    while let Some(frame) = source.next_frame() {
        capture.frames += 1;
        match decode(&frame) {
            Decoded::Tcp(p) => {
                capture.tcp_frames += 1;
                engine.packet(&p);
            }
            Decoded::Other => capture.other_frames += 1,
            Decoded::Skipped(reason) => *capture.not_decoded.entry(reason).or_insert(0) += 1,
        }
        if capture.frames % CHECK_EVERY == 0 {
            if let Some(cb) = options.on_connection.as_mut() {
                engine.drain_connections().for_each(|c| cb(&c));
            }
            report(&source, capture.frames, &mut options);
            if let Some(cb) = options.on_snapshot.as_mut()
                && last_snapshot.elapsed() >= options.snapshot_every
            {
                last_snapshot = Instant::now();
                cb(Analysis {
                    capture: interim(&capture, &source),
                    snapshot: engine.snapshot(),
                });
            }
            if options.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                capture.cancelled = true;
                capture.warnings.push(format!(
                    "cancelled after {} frames; results cover them only",
                    capture.frames
                ));
                break;
            }
        }
    }
    engine.finish();
    if let Some(cb) = options.on_connection.as_mut() {
        engine.drain_connections().for_each(|c| cb(&c));
    }
    report(&source, capture.frames, &mut options);
    capture = interim(&capture, &source);
    let snapshot = engine.snapshot();
    if snapshot.totals.evicted > 0 {
        capture.warnings.push(format!(
            "{} connections were ended early because more than {} were open at once; their states may be incomplete",
            snapshot.totals.evicted, options.engine.max_flows
        ));
    }
    Analysis { capture, snapshot }
}

/// The capture description as it stands: counts so far, files with their progress, the
/// problems met so far as warnings.
fn interim(capture: &CaptureInfo, source: &FileSource) -> CaptureInfo {
    let mut c = capture.clone();
    c.warnings
        .extend(source.problems().iter().map(|p| p.to_string()));
    c.files = source.files().to_vec();
    c.link_types = source.link_types();
    c
}
