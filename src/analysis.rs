//! One capture analyzed from start to end: file source -> decode -> engine. The terminal
//! commands call it directly; the GUI runs it on a worker thread.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use crate::decode::{Decoded, Skip, decode};
use crate::engine::{ConnRecord, Engine, EngineConfig, Snapshot};
use crate::packet::TcpPacket;
use crate::source::{FileInfo, FileSource, LinkType, SourceError};

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
    /// What this machine said during a live capture (listeners, processes, kernel counters);
    /// `None` for files and when host sampling was off.
    pub host: Option<std::sync::Arc<crate::host::state::HostReport>>,
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

/// Analyzes an opened source to its end. Reading and decoding run on a thread named `read`
/// while the engine runs on the calling thread, so that a large file takes the time of the
/// slower of the two rather than of both.
pub fn analyze_source(source: FileSource, mut options: Options<'_>) -> Analysis {
    let mut engine = Engine::new(options.engine.clone());
    let mut capture = CaptureInfo::default();
    let mut status = SourceStatus::of(&source);
    let bytes_total: u64 = source.files().iter().map(|f| f.size).sum();
    let mut last_snapshot = Instant::now();
    let cancel = options.cancel;
    let (full_tx, full_rx) = sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel::<Batch>(BATCHES_IN_FLIGHT + 1);
    let source = std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("read".into())
            .spawn_scoped(scope, move || {
                read(source, bytes_total, &full_tx, &empty_rx, cancel)
            });
        for batch in &full_rx {
            capture.frames += batch.frames;
            capture.other_frames += batch.other;
            for &(reason, n) in &batch.skipped {
                *capture.not_decoded.entry(reason).or_insert(0) += n;
            }
            for (p, range) in &batch.packets {
                let mut packet: TcpPacket<'_> = *p;
                packet.payload = batch.payloads.get(range.clone()).unwrap_or_default();
                engine.packet(&packet);
            }
            capture.tcp_frames += batch.packets.len() as u64;
            if let Some(st) = &batch.status {
                status = st.clone();
            }
            if let Some(cb) = options.on_connection.as_mut() {
                engine.drain_connections().for_each(|c| cb(&c));
            }
            if let Some(cb) = options.progress.as_mut() {
                cb(batch.progress);
            }
            if let Some(cb) = options.on_snapshot.as_mut()
                && last_snapshot.elapsed() >= options.snapshot_every
            {
                last_snapshot = Instant::now();
                cb(Analysis {
                    capture: status.apply(&capture),
                    snapshot: engine.snapshot(),
                    host: None,
                });
            }
            // A full return channel only means the reader has enough buffers.
            let _ = empty_tx.try_send(batch);
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                capture.cancelled = true;
                capture.warnings.push(format!(
                    "cancelled after {} frames; results cover them only",
                    capture.frames
                ));
                break;
            }
        }
        drop(full_rx);
        reader.ok().and_then(|r| r.join().ok())
    });
    engine.finish();
    if let Some(cb) = options.on_connection.as_mut() {
        engine.drain_connections().for_each(|c| cb(&c));
    }
    match &source {
        Some(source) => {
            status = SourceStatus::of(source);
            if let Some(cb) = options.progress.as_mut() {
                cb(progress(source, capture.frames, bytes_total));
            }
        }
        None => capture
            .warnings
            .push("the reading thread failed; results cover what it read before".to_string()),
    }
    capture = status.apply(&capture);
    let snapshot = engine.snapshot();
    if snapshot.totals.evicted > 0 {
        capture.warnings.push(format!(
            "{} connections were ended early because more than {} were open at once; their states may be incomplete",
            snapshot.totals.evicted, options.engine.max_flows
        ));
    }
    Analysis {
        capture,
        snapshot,
        host: None,
    }
}

/// Packets per batch handed from the reader to the engine.
const BATCH: usize = 4096;
/// Batches in flight between the two threads.
const BATCHES_IN_FLIGHT: usize = 4;
/// Batches between two copies of the source's status (files, link types, problems).
const STATUS_EVERY: u64 = 32;

/// Decoded TCP packets and the counts of the frames around them, handed from the reader to
/// the engine and recycled, so that nothing is allocated per packet.
#[derive(Default)]
struct Batch {
    /// The packets, their payload detached: the range of `payloads` holding it (kept for
    /// RSTs only: the engine reads no other payload).
    packets: Vec<(TcpPacket<'static>, Range<usize>)>,
    /// RST payload bytes.
    payloads: Vec<u8>,
    /// Frames read for this batch.
    frames: u64,
    /// Of them, well-formed frames without TCP.
    other: u64,
    /// Of them, frames not decoded, by reason.
    skipped: Vec<(Skip, u64)>,
    /// Where the reading stood at the end of the batch.
    progress: Progress,
    /// Now and then, the source's files, link types and problems.
    status: Option<SourceStatus>,
}

impl Batch {
    fn clear(&mut self) {
        self.packets.clear();
        self.payloads.clear();
        self.frames = 0;
        self.other = 0;
        self.skipped.clear();
        self.status = None;
    }
}

/// The reader thread: frames to decoded batches until the end, a cancel, or the engine side
/// hanging up. Returns the source, for its final file and problem list.
fn read(
    mut source: FileSource,
    bytes_total: u64,
    full: &SyncSender<Batch>,
    empty: &Receiver<Batch>,
    cancel: Option<&AtomicBool>,
) -> FileSource {
    let mut frames = 0u64;
    let mut batches = 0u64;
    loop {
        let mut batch = empty.try_recv().unwrap_or_default();
        batch.clear();
        let mut done = true;
        while let Some(frame) = source.next_frame() {
            batch.frames += 1;
            match decode(&frame) {
                Decoded::Tcp(p) => {
                    let start = batch.payloads.len();
                    if p.flags.rst() {
                        batch.payloads.extend_from_slice(p.payload);
                    }
                    batch
                        .packets
                        .push((detach(&p), start..batch.payloads.len()));
                }
                Decoded::Other => batch.other += 1,
                Decoded::Skipped(reason) => {
                    match batch.skipped.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, n)) => *n += 1,
                        None => batch.skipped.push((reason, 1)),
                    }
                }
            }
            if batch.frames >= BATCH as u64 {
                done = false;
                break;
            }
        }
        frames += batch.frames;
        batches += 1;
        batch.progress = progress(&source, frames, bytes_total);
        if done || batches.is_multiple_of(STATUS_EVERY) {
            batch.status = Some(SourceStatus::of(&source));
        }
        if full.send(batch).is_err() || done || cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return source;
        }
    }
}

/// A packet without its borrowed payload.
fn detach(p: &TcpPacket<'_>) -> TcpPacket<'static> {
    TcpPacket {
        ts: p.ts,
        frame: p.frame,
        interface: p.interface,
        src: p.src,
        dst: p.dst,
        sport: p.sport,
        dport: p.dport,
        seq: p.seq,
        ack: p.ack,
        flags: p.flags,
        window: p.window,
        window_scale: p.window_scale,
        payload_len: p.payload_len,
        payload: &[],
        ttl: p.ttl,
        ip_id: p.ip_id,
    }
}

fn progress(source: &FileSource, frames: u64, bytes_total: u64) -> Progress {
    Progress {
        frames,
        bytes_read: source.files().iter().map(|f| f.bytes_read).sum(),
        bytes_total,
    }
}

/// What the source says of itself: files with their progress, link types, problems so far.
#[derive(Debug, Clone, Default)]
struct SourceStatus {
    files: Vec<FileInfo>,
    link_types: Vec<(LinkType, u64)>,
    problems: Vec<String>,
}

impl SourceStatus {
    fn of(source: &FileSource) -> Self {
        Self {
            files: source.files().to_vec(),
            link_types: source.link_types(),
            problems: source.problems().iter().map(|p| p.to_string()).collect(),
        }
    }

    /// The capture description as it stands: the counts so far with this status.
    fn apply(&self, capture: &CaptureInfo) -> CaptureInfo {
        let mut c = capture.clone();
        c.warnings.extend(self.problems.iter().cloned());
        c.files = self.files.clone();
        c.link_types = self.link_types.clone();
        c
    }
}
