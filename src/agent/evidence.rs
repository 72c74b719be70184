//! The failure evidence the agent keeps on disk, so that the admin who gets an alert can open
//! the proof later: a ring of pcapng files in the evidence directory, capped in bytes.
//!
//! What is kept ([`EvidenceTap`](crate::agent::evidence::EvidenceTap), on the engine thread):
//! - every TCP segment with SYN, FIN or RST (attempts, answers, closes, resets);
//! - the originator's first segment after a SYN-ACK (the handshake's completion, so an
//!   analysis of the evidence tells a reset of an established connection from one in the
//!   handshake);
//! - the last [`CONTEXT_PACKETS`](crate::agent::evidence::CONTEXT_PACKETS) other segments of a connection before each of its RSTs
//!   (what it was doing when it was reset), from an in-memory window of recent segments; a SYN
//!   starts the window of its four-tuple again, so a reused client port never lends the
//!   previous connection's segments to the next one's reset.
//!
//! The files are in time order, as a capture is: frames are held back in memory for
//! [`HOLD_NS`](crate::agent::evidence::HOLD_NS) of packet time (at most
//! [`HOLD_FRAMES`](crate::agent::evidence::HOLD_FRAMES) of them, and
//! [`HOLD_BYTES`](crate::agent::evidence::HOLD_BYTES)) so that a reset's context,
//! older than frames chosen since, goes in before them; context older than what was written
//! already is left out (and counted). `/evidence` writes out what is held before it reads.
//!
//! The files (`evidence-NNNNNNNNNNNN.pcapng`, numbered in order) are written with the live
//! capture's pcapng writer, one section each, and rotated at a fraction of the cap; the oldest
//! go when the total passes it. Files left by an earlier run are kept (cut back to their last
//! whole block, as a crash may leave half of one) and counted in the cap. [`EvidenceRing::reader`](crate::agent::evidence::EvidenceRing::reader)
//! gives all of it as one pcapng stream (the files one section after another) for
//! [`crate::report::evidence::collect_source`], while the writer goes on.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::packet::{TcpPacket, Timestamp};
use crate::pipeline::live::FrameTap;
use crate::source::live::CapturedInterface;
use crate::source::live::pcapng::{PacketNotes, PcapngWriter};
use crate::source::{Frame, LinkType};

/// Segments of a connection kept from before each of its RSTs.
pub const CONTEXT_PACKETS: usize = 3;
/// Recent segments held in memory for that context.
const RECENT: usize = 16_384;
/// Bytes kept of a context segment (headers; the payload beyond is cut).
const RECENT_BYTES: usize = 256;
/// Connections between SYN-ACK and the originator's next segment, at most: seven eighths of
/// a table of 16,384 slots (65,536 took 8 MB). A SYN flood on a listening port fills any
/// number; past it one of them is forgotten, and its completing segment (if one comes) is
/// then kept as context like any other: written only if a reset of the connection follows.
const HANDSHAKES: usize = 14_336;
/// Packet time a frame is held back before it is written, so that the context of a reset that
/// comes within it is written in time order (nanoseconds).
pub const HOLD_NS: i64 = 10_000_000_000;
/// Frames held back at most (the oldest is written when more come).
pub const HOLD_FRAMES: usize = 4096;
/// Bytes of frames held back at most (the oldest is written when more come): 4,096 frames of
/// the default snap length (128 bytes) take a quarter of it; with `--snaplen 65535` it holds
/// 32 frames of the largest (and as many as [`HOLD_FRAMES`] of SYNs and RSTs without payload).
/// Counted by frames alone, 4,096 frames of 64 KiB held 268 MB.
pub const HOLD_BYTES: usize = 2 << 20;
/// The most the evidence holds in memory with frames of up to `snaplen` bytes: the tap's
/// `RECENT` segments (cut to `RECENT_BYTES`) with their lists by connection, its
/// `HANDSHAKES`, and the ring's frames held back, [`HOLD_FRAMES`] and [`HOLD_BYTES`] at most
/// (the last frame taken may pass it: one more) (a list by connection holds a segment's
/// number in room for 4 or twice its numbers). For the sum of every cap of the agent
/// (tests/agent_memory.rs).
#[must_use]
pub const fn most_bytes(snaplen: usize) -> usize {
    use crate::room::{queue, table};
    use std::mem::size_of;
    queue(RECENT, size_of::<Recent>())
        + RECENT * RECENT_BYTES
        + table(RECENT, size_of::<(FlowKey, VecDeque<u64>)>())
        + RECENT * 4 * size_of::<u64>()
        + table(HANDSHAKES, size_of::<(FlowKey, (IpAddr, u16))>())
        + queue(HOLD_FRAMES + 1, size_of::<Reverse<Held>>())
        + if HOLD_FRAMES * snaplen < HOLD_BYTES + snaplen {
            HOLD_FRAMES * snaplen
        } else {
            HOLD_BYTES + snaplen
        }
}

/// Smallest cap on the evidence directory: the ring keeps whole files of at least 64 KiB, and
/// room for the one being written.
pub const MIN_BYTES: u64 = 1 << 20;
/// Written data reaches the disk at least this often.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// The ring looks this often that its directory and file are still there (a directory removed
/// or moved by hand leaves the agent writing to a file no one can open).
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// The file an agent holds locked while it keeps evidence in the directory; it says its pid.
pub const LOCK_FILE: &str = ".rstscope-agent.lock";
/// File name prefix and extension of the segments.
const PREFIX: &str = "evidence-";
const SUFFIX: &str = ".pcapng";

/// Why the evidence directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot keep evidence there: {os}", path.display(), os = crate::report::os_error(source))]
pub struct RingError {
    /// The directory or file.
    pub path: PathBuf,
    /// The OS error.
    pub source: io::Error,
}

/// The output of a segment's pcapng writer, shared with the ring so that it can flush it (and
/// count its bytes) while the writer owns it.
#[derive(Clone)]
struct SharedOut {
    file: Arc<Mutex<BufWriter<File>>>,
    bytes: Arc<AtomicU64>,
}

impl SharedOut {
    fn file(&self) -> std::sync::MutexGuard<'_, BufWriter<File>> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file().write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

struct Segment {
    path: PathBuf,
    bytes: u64,
    /// The newest frame time written there by this run (`None`: a file of an earlier run).
    last_ts: Option<Timestamp>,
    /// A file an earlier run of the agent wrote (found in the directory at the start).
    earlier: bool,
}

struct Current {
    path: PathBuf,
    writer: PcapngWriter<SharedOut>,
    out: SharedOut,
    bytes: Arc<AtomicU64>,
    flushed: Instant,
    last_ts: Option<Timestamp>,
}

/// A frame held back before it is written, ordered by time and then as it came.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Held {
    ts: Timestamp,
    order: u64,
    interface: u32,
    orig_len: u32,
    link_type: LinkType,
    number: u64,
    data: Vec<u8>,
}

/// The ring of evidence files; see the module documentation.
pub struct EvidenceRing {
    dir: PathBuf,
    max_bytes: u64,
    segment_bytes: u64,
    sealed: VecDeque<Segment>,
    current: Option<Current>,
    interfaces: Vec<CapturedInterface>,
    /// Interface indexes named after the current file's interface blocks were written
    /// (interface, index, name): its next frame of that interface names them in a comment, so
    /// that an analysis of the evidence says the interface's name, not `ifN`.
    unannounced: Vec<(u32, u32, String)>,
    /// The capture filter, saved with each interface (see [`EvidenceRing::set_filter`]).
    filter: Option<String>,
    next_seq: u64,
    /// Files whose removal failed (open elsewhere, on Windows); tried again at each rotation.
    undeleted: Vec<PathBuf>,
    packets: u64,
    errors: u64,
    last_error: Option<String>,
    /// Frames held back, oldest first out.
    held: BinaryHeap<Reverse<Held>>,
    /// Bytes of the frames in `held`.
    held_bytes: usize,
    held_order: u64,
    /// The newest frame time seen.
    newest: Option<Timestamp>,
    /// The newest frame time written to a file: context older than this is left out.
    written_up_to: Option<Timestamp>,
    /// Context segments left out for that.
    late_context: u64,
    /// When the directory was last looked at.
    checked: Instant,
    /// The directory went away while the agent ran: the newest frame time written before
    /// (evidence up to then is lost).
    removed: Option<Timestamp>,
    /// The newest frame time of the files this run removed to stay under the cap.
    capped: Option<Timestamp>,
    /// [`LOCK_FILE`], locked while the ring is open: two agents writing one directory kept
    /// each other's files, and the evidence held packets twice.
    lock: File,
}

/// Counts of the ring, for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RingStats {
    /// Bytes on disk now.
    pub bytes: u64,
    /// Frames written since the start.
    pub packets: u64,
    /// Writes that failed.
    pub errors: u64,
    /// Segments before a reset left out because newer frames were in a file already.
    pub late_context: u64,
}

impl EvidenceRing {
    /// Opens (creating it if needed) the ring in `dir`, capped at `max_bytes` (at least
    /// [`MIN_BYTES`]: a smaller cap is refused, not raised). Files of an earlier run are kept,
    /// oldest first out.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Self, RingError> {
        if max_bytes < MIN_BYTES {
            return Err(RingError {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::InvalidInput, too_small(max_bytes)),
            });
        }
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RingError { path, source }
        };
        make_dir(dir).map_err(err(dir))?;
        let lock = lock_dir(dir)?;
        let mut found: Vec<(u64, PathBuf)> = Vec::new();
        for entry in fs::read_dir(dir).map_err(err(dir))? {
            let entry = entry.map_err(err(dir))?;
            let name = entry.file_name();
            let Some(seq) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.strip_suffix(SUFFIX))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            // Files of an earlier run (one that let anyone read them, say) are this ring's now,
            // and hold packets as its new ones do. Where the mode cannot be changed (another
            // user's file) the file is still evidence.
            let _ = private(&entry.path());
            found.push((seq, entry.path()));
        }
        found.sort();
        let mut ring = Self {
            dir: dir.to_path_buf(),
            max_bytes,
            segment_bytes: (max_bytes / 16).clamp(64 << 10, 64 << 20),
            sealed: VecDeque::new(),
            current: None,
            interfaces: Vec::new(),
            unannounced: Vec::new(),
            filter: None,
            next_seq: found.last().map_or(0, |(s, _)| s + 1),
            undeleted: Vec::new(),
            packets: 0,
            errors: 0,
            last_error: None,
            held: BinaryHeap::new(),
            held_bytes: 0,
            held_order: 0,
            newest: None,
            written_up_to: None,
            late_context: 0,
            checked: Instant::now(),
            removed: None,
            capped: None,
            lock,
        };
        for (_, path) in found {
            let bytes = whole_blocks(&path).map_err(err(&path))?;
            if bytes == 0 {
                let _ = fs::remove_file(&path);
                continue;
            }
            ring.sealed.push_back(Segment {
                path,
                bytes,
                last_ts: None,
                earlier: true,
            });
        }
        // Probe that the directory takes files now rather than at the first failure.
        let probe = dir.join(".rstscope-write-test");
        // One left by a run stopped between the two steps is no reason to refuse.
        let _ = fs::remove_file(&probe);
        new_file(&probe).map_err(err(dir))?;
        let _ = fs::remove_file(&probe);
        ring.enforce_cap();
        Ok(ring)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes on disk, frames written, failed writes, context left out.
    pub fn stats(&self) -> RingStats {
        RingStats {
            bytes: self.total_bytes(),
            packets: self.packets,
            errors: self.errors,
            late_context: self.late_context,
        }
    }

    /// The last write error, if any.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    fn total_bytes(&self) -> u64 {
        let current = self
            .current
            .as_ref()
            .map_or(0, |c| c.bytes.load(Ordering::Relaxed));
        self.sealed.iter().map(|s| s.bytes).sum::<u64>() + current
    }

    /// The capture filter the frames come through (a BPF expression), written with each
    /// interface, so that an analysis of the evidence knows what it leaves out (a
    /// SYN/FIN/RST-only capture has no final ACKs).
    pub fn set_filter(&mut self, filter: Option<String>) {
        self.filter = filter;
    }

    /// The interfaces frames will come from (a new segment describes them).
    pub fn set_interfaces(&mut self, interfaces: &[CapturedInterface]) {
        self.seal();
        self.interfaces = interfaces.to_vec();
    }

    /// Appends one frame (after holding it back, see the module documentation), rotating and
    /// trimming as needed. A failed write is counted and the segment given up; the next frame
    /// starts a new one.
    pub fn write(&mut self, frame: &Frame<'_>) {
        self.hold(frame);
    }

    /// Appends a segment of a connection from before its reset, in its place in time; left
    /// out when frames after it are in a file already.
    pub fn write_context(&mut self, frame: &Frame<'_>) {
        if self.written_up_to.is_some_and(|w| frame.ts < w) {
            self.late_context += 1;
            return;
        }
        self.hold(frame);
    }

    /// Context segments left out because newer frames were written already.
    pub fn late_context(&self) -> u64 {
        self.late_context
    }

    fn hold(&mut self, frame: &Frame<'_>) {
        if self.checked.elapsed() >= CHECK_EVERY {
            self.check_dir();
        }
        self.newest = Some(self.newest.map_or(frame.ts, |n| n.max(frame.ts)));
        self.held_bytes += frame.data.len();
        self.held.push(Reverse(Held {
            ts: frame.ts,
            order: self.held_order,
            interface: frame.interface,
            orig_len: frame.orig_len,
            link_type: frame.link_type,
            number: frame.number,
            data: frame.data.to_vec(),
        }));
        self.held_order += 1;
        self.release(false);
    }

    /// Writes the frames held longer than [`HOLD_NS`] (or past [`HOLD_FRAMES`]); `all`: every
    /// frame held.
    fn release(&mut self, all: bool) {
        let until = self
            .newest
            .map_or(i64::MIN, |n| n.0.saturating_sub(HOLD_NS));
        self.release_before(if all { i64::MAX } else { until });
    }

    /// Once a moment while the agent runs (its updates, five a second), with the time now (a
    /// live capture's packet time is the clock's): writes what was held back longer than
    /// [`HOLD_NS`], so that evidence reaches the disk when traffic stops, and looks at the
    /// directory.
    pub fn tick(&mut self, now: Timestamp) {
        if self.checked.elapsed() >= CHECK_EVERY {
            self.check_dir();
        }
        self.release_before(now.0.saturating_sub(HOLD_NS));
    }

    /// Writes the frames held from before `until` (ns), and the oldest past [`HOLD_FRAMES`] or
    /// [`HOLD_BYTES`].
    fn release_before(&mut self, until: i64) {
        while let Some(Reverse(top)) = self.held.peek() {
            let over = self.held.len() > HOLD_FRAMES || self.held_bytes > HOLD_BYTES;
            if !(over || top.ts.0 < until) {
                break;
            }
            let Some(Reverse(h)) = self.held.pop() else {
                break;
            };
            self.held_bytes -= h.data.len();
            self.written_up_to = Some(self.written_up_to.map_or(h.ts, |w| w.max(h.ts)));
            self.write_now(&Frame::plain(
                h.ts,
                h.number,
                h.link_type,
                h.interface,
                &h.data,
                h.orig_len,
            ));
        }
    }

    /// Finds a directory removed or moved while the agent runs (its writes go on into a file
    /// no one can open, and no write fails): counts it as a write error, says so in
    /// [`EvidenceRing::last_error`], forgets the files that went with it and makes the
    /// directory again, so that new evidence is kept.
    fn check_dir(&mut self) {
        self.checked = Instant::now();
        let file_gone = (self.current.as_ref()).is_some_and(|c| fs::metadata(&c.path).is_err());
        if !file_gone && self.dir.is_dir() {
            return;
        }
        self.current = None;
        self.sealed.retain(|s| s.path.exists());
        self.removed = self.written_up_to.or(self.removed);
        self.errors += 1;
        let dir = self.dir.display();
        let made = make_dir(&self.dir);
        if made.is_ok()
            && let Ok(lock) = lock_dir(&self.dir)
        {
            // The lock file went with the directory: another agent could take it.
            self.lock = lock;
        }
        self.last_error = Some(match made {
            Ok(()) => format!(
                "{dir}: the evidence directory (or its file) was removed or moved while the agent \
                 ran: the evidence kept there is lost; the directory was made again and new \
                 evidence is kept there"
            ),
            Err(e) => format!(
                "{dir}: the evidence directory was removed or moved while the agent ran and \
                 cannot be made again ({}): no evidence is kept until it can; make the \
                 directory and let the agent write it, or restart the agent with \
                 --evidence-dir DIR",
                crate::report::os_error(&e)
            ),
        });
    }

    /// What a file of the ring's evidence should say of what the ring no longer holds, for
    /// evidence from Unix second `since` on (`None`: all of it): the files it removed to stay
    /// under its cap, the directory removed while the agent ran. Without them an analysis of
    /// the file disagrees with the agent's counts and nothing says why (the agent counted 8000
    /// incidents, its evidence "refused all 4795 attempts").
    pub fn notes(&self, since: Option<i64>) -> Vec<String> {
        let missed = |t: Timestamp| since.is_none_or(|s| t.second() >= s);
        let mut notes = Vec::new();
        if let Some(t) = self.capped.filter(|&t| missed(t)) {
            notes.push(format!(
                "rstscope evidence: incomplete: the agent's evidence ring (--evidence-max {}) \
                 dropped its oldest files, with the evidence up to {}: an analysis of this file \
                 counts fewer attempts and resets than the agent's /metrics and /report (which \
                 count them all)",
                crate::report::bytes(self.max_bytes),
                crate::report::Clock::Utc.full(t)
            ));
        }
        if let Some(t) = self.removed.filter(|&t| missed(t)) {
            notes.push(format!(
                "rstscope evidence: incomplete: the evidence directory {} was removed or moved \
                 while the agent ran, and the evidence up to {} went with it: an analysis of this \
                 file counts fewer attempts and resets than the agent's /metrics and /report",
                self.dir.display(),
                crate::report::Clock::Utc.full(t)
            ));
        }
        notes
    }

    /// The files an earlier run of the agent left in the directory and the ring still keeps,
    /// and their bytes.
    pub fn earlier_kept(&self) -> (usize, u64) {
        let earlier = self.sealed.iter().filter(|s| s.earlier);
        (earlier.clone().count(), earlier.map(|s| s.bytes).sum())
    }

    /// The directory went away while the agent ran: the newest packet time of the evidence
    /// lost with it.
    pub fn removed(&self) -> Option<Timestamp> {
        self.removed
    }

    fn write_now(&mut self, frame: &Frame<'_>) {
        if let Err(e) = self.try_write(frame) {
            self.errors += 1;
            self.last_error = Some(e.to_string());
            self.current = None;
        }
    }

    fn try_write(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        if self.current.is_none() {
            self.start_segment()?;
        }
        let Some(c) = &mut self.current else {
            return Ok(());
        };
        if self
            .unannounced
            .iter()
            .any(|(i, _, _)| *i == frame.interface)
        {
            let mut named = Vec::new();
            self.unannounced.retain(|(i, index, name)| {
                let this = *i == frame.interface;
                if this {
                    named.push((*index, name.clone()));
                }
                !this
            });
            let comment = crate::source::pcapng::index_comment(&named).into_bytes();
            let notes = PacketNotes {
                comments: std::slice::from_ref(&comment),
                ..PacketNotes::default()
            };
            (c.writer).write_packet_with(
                frame.interface,
                frame.ts,
                frame.data,
                frame.orig_len,
                &notes,
            )?;
        } else {
            c.writer.write_frame(frame)?;
        }
        c.last_ts = Some(c.last_ts.map_or(frame.ts, |t| t.max(frame.ts)));
        self.packets += 1;
        if c.flushed.elapsed() >= FLUSH_EVERY {
            c.writer_flush()?;
        }
        if c.bytes.load(Ordering::Relaxed) >= self.segment_bytes {
            self.end_segment();
            self.enforce_cap();
        }
        Ok(())
    }

    fn start_segment(&mut self) -> io::Result<()> {
        self.check_dir();
        let path = self
            .dir
            .join(format!("{PREFIX}{:012}{SUFFIX}", self.next_seq));
        self.next_seq += 1;
        let file = new_file(&path).map_err(|e| io::Error::new(e.kind(), at(&path, &e)))?;
        let bytes = Arc::new(AtomicU64::new(0));
        let out = SharedOut {
            file: Arc::new(Mutex::new(BufWriter::with_capacity(64 << 10, file))),
            bytes: Arc::clone(&bytes),
        };
        // One interface block per captured interface, in id order, so that
        // `Frame::interface` is the pcapng interface id.
        let mut writer = PcapngWriter::new(out.clone(), None)?;
        // Its interface blocks name every index named so far.
        self.unannounced.clear();
        for i in &self.interfaces {
            writer.add_described_interface(&i.block(self.filter.as_deref()))?;
        }
        self.current = Some(Current {
            path,
            writer,
            out,
            bytes,
            flushed: Instant::now(),
            last_ts: None,
        });
        self.enforce_cap();
        Ok(())
    }

    /// Names the interface index `index` of `interface`'s frames `name` (an interface made
    /// after the capture began): the next file's interface blocks say it, and the current
    /// file's next frame of that interface.
    pub fn name_index(&mut self, interface: u32, index: u32, name: &str) {
        let Some(i) = self.interfaces.get_mut(interface as usize) else {
            return;
        };
        let Err(at) = i.index_names.binary_search_by_key(&index, |(i, _)| *i) else {
            return;
        };
        i.index_names.insert(at, (index, name.to_owned()));
        if self.current.is_some() {
            self.unannounced.push((interface, index, name.to_owned()));
        }
    }

    /// Writes what is held and ends the current segment (a later frame starts the next).
    pub fn seal(&mut self) {
        self.release(true);
        self.end_segment();
    }

    /// Ends the current segment.
    fn end_segment(&mut self) {
        let Some(c) = self.current.take() else {
            return;
        };
        let bytes = c.bytes.load(Ordering::Relaxed);
        match c.writer.finish(&[]) {
            Ok(_) => self.sealed.push_back(Segment {
                path: c.path,
                bytes: c.bytes.load(Ordering::Relaxed).max(bytes),
                last_ts: c.last_ts,
                earlier: false,
            }),
            Err(e) => {
                self.errors += 1;
                self.last_error = Some(at(&c.path, &e));
                if let Ok(bytes) = whole_blocks(&c.path) {
                    self.sealed.push_back(Segment {
                        path: c.path,
                        bytes,
                        last_ts: c.last_ts,
                        earlier: false,
                    });
                }
            }
        }
    }

    /// Removes the oldest segments until the sealed ones leave room for a whole current
    /// segment under the cap.
    fn enforce_cap(&mut self) {
        self.undeleted
            .retain(|p| fs::remove_file(p).is_err() && p.exists());
        let room = self.max_bytes.saturating_sub(self.segment_bytes);
        while self.sealed.iter().map(|s| s.bytes).sum::<u64>() > room {
            let Some(old) = self.sealed.pop_front() else {
                break;
            };
            // What this run saw and no longer keeps (an earlier run's files are older than
            // anything the agent counts).
            if let Some(t) = old.last_ts {
                self.capped = Some(self.capped.map_or(t, |c| c.max(t)));
            }
            if fs::remove_file(&old.path).is_err() && old.path.exists() {
                self.undeleted.push(old.path);
            }
        }
    }

    /// Everything in the ring as one pcapng byte stream (the segments in order, each its own
    /// section), as it stands now: the current segment is flushed and read up to there.
    pub fn reader(&mut self) -> io::Result<Box<dyn Read + Send>> {
        self.reader_of(true)
    }

    /// [`EvidenceRing::reader`], with the files an earlier run of the agent left in the
    /// directory only where `earlier`: without them, the evidence is of what this run counts
    /// (its `/report` and `/metrics`), so that an analysis of it counts the same.
    pub fn reader_of(&mut self, earlier: bool) -> io::Result<Box<dyn Read + Send>> {
        self.check_dir();
        self.release(true);
        let mut parts: Vec<Box<dyn Read + Send>> = Vec::new();
        for s in self.sealed.iter().filter(|s| earlier || !s.earlier) {
            match File::open(&s.path) {
                Ok(f) => parts.push(Box::new(f.take(s.bytes))),
                // Removed by hand meanwhile: the rest is still evidence.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(io::Error::new(e.kind(), at(&s.path, &e)));
                }
            }
        }
        if let Some(c) = &mut self.current {
            let path = c.path.clone();
            let name = |e: io::Error| io::Error::new(e.kind(), at(&path, &e));
            c.writer_flush().map_err(name)?;
            let len = c.bytes.load(Ordering::Relaxed);
            let f = File::open(&c.path).map_err(name)?;
            parts.push(Box::new(f.take(len)));
        }
        let chained = parts
            .into_iter()
            .fold(Box::new(io::empty()) as Box<dyn Read + Send>, |acc, p| {
                Box::new(acc.chain(p))
            });
        Ok(chained)
    }
}

impl Current {
    /// The pcapng writer writes whole blocks to its output, so after this the file ends at a
    /// block boundary.
    fn writer_flush(&mut self) -> io::Result<()> {
        self.flushed = Instant::now();
        self.out.flush()
    }
}

impl Drop for EvidenceRing {
    fn drop(&mut self) {
        self.seal();
    }
}

/// The mode of the evidence directory the ring makes (Unix): its files hold the packets of
/// this host's connections, for the agent's user alone.
pub const DIR_MODE: u32 = 0o700;
/// The mode of the files the ring writes, and of an earlier run's it keeps (Unix).
pub const FILE_MODE: u32 = 0o600;

/// Makes the evidence directory `dir`, [`DIR_MODE`] on Unix, and the directories above it as
/// any program does (the user the agent becomes must get through them). A directory that is
/// there already keeps its mode: it may be the admin's choice (or a folder others share); the
/// files the ring writes in it are [`FILE_MODE`] whatever it is.
/// `path: words (os error N)`: an error of the ring's file, as its errors say it.
fn at(path: &Path, e: &io::Error) -> String {
    format!("{}: {}", path.display(), crate::report::os_error(e))
}

fn make_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(false);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        done => done,
    }
}

/// Makes the new file `path`, [`FILE_MODE`] on Unix.
fn new_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Makes an evidence file [`FILE_MODE`] (Unix) when anyone else may read it.
fn private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Takes the directory's [`LOCK_FILE`] for this process, writing its pid there; fails, naming
/// the other agent's pid where it can be read, when another process holds it.
fn lock_dir(dir: &Path) -> Result<File, RingError> {
    let path = dir.join(LOCK_FILE);
    let err = |source| RingError {
        path: path.clone(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = options.open(&path).map_err(err)?;
    let _ = private(&path);
    #[cfg(windows)]
    let locked = windows::try_lock_past_pid(&file);
    #[cfg(not(windows))]
    let locked = file.try_lock();
    match locked {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let pid =
                pid_in(&file).map_or_else(|| "pid unknown".to_owned(), |p| format!("pid {p}"));
            return Err(RingError {
                path: dir.to_path_buf(),
                source: io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another rstscope agent ({pid}) keeps its evidence there (it holds {}); \
                         two agents in one directory would mix their files: stop that agent, or \
                         give each its own --evidence-dir",
                        path.display()
                    ),
                ),
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(err(e)),
    }
    file.set_len(0).map_err(err)?;
    file.seek(SeekFrom::Start(0)).map_err(err)?;
    writeln!(file, "{}", std::process::id()).map_err(err)?;
    file.flush().map_err(err)?;
    Ok(file)
}

/// The bytes of a [`LOCK_FILE`] read for the pid it holds: a `u32` in decimal and a line end.
const PID_BYTES: u64 = 16;

/// The pid another agent wrote to its [`LOCK_FILE`], read from the file's first
/// [`PID_BYTES`] bytes only. On Windows the other agent holds a mandatory lock on one byte
/// past them (`windows::try_lock_past_pid`), and ReadFile fails when the range it is asked for
/// (offset and length, even past the end of the file) overlaps a region another handle locked:
/// each read asks for at most the bytes left of the first [`PID_BYTES`], so none reaches it,
/// whatever buffer `read_to_string` would grow.
fn pid_in(file: impl Read) -> Option<u32> {
    let mut text = String::new();
    file.take(PID_BYTES).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Cuts `path` back to its last whole pcapng block (a crash may leave half of one) and
/// returns its length then. A file that does not start with a section header is left alone and
/// counted as it is.
fn whole_blocks(path: &Path) -> io::Result<u64> {
    let mut f = OpenOptions::new().read(true).write(true).open(path)?;
    let len = f.metadata()?.len();
    let mut pos = 0u64;
    let mut header = [0u8; 12];
    let mut little = true;
    while pos + 12 <= len {
        f.seek(SeekFrom::Start(pos))?;
        f.read_exact(&mut header)?;
        let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        if kind == 0x0A0D_0D0A {
            little = header[8..12] == 0x1A2B_3C4Du32.to_le_bytes();
        } else if pos == 0 {
            return Ok(len);
        }
        let raw = [header[4], header[5], header[6], header[7]];
        let block = u64::from(if little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        });
        if block < 12 || pos + block > len {
            break;
        }
        pos += block;
    }
    if pos < len {
        f.set_len(pos)?;
    }
    Ok(pos)
}

/// Both ends of a connection, the lower first.
type FlowKey = ((IpAddr, u16), (IpAddr, u16));

fn flow_key(p: &TcpPacket<'_>) -> FlowKey {
    let (a, b) = ((p.src, p.sport), (p.dst, p.dport));
    if a <= b { (a, b) } else { (b, a) }
}

/// One recent segment kept for context.
struct Recent {
    seq: u64,
    key: FlowKey,
    ts: Timestamp,
    number: u64,
    link_type: LinkType,
    interface: u32,
    orig_len: u32,
    data: Vec<u8>,
}

/// Chooses the frames worth keeping and writes them to the ring; see the module documentation.
pub struct EvidenceTap {
    ring: Arc<Mutex<EvidenceRing>>,
    /// Connections that got a SYN-ACK: the address and port whose next segment completes it.
    handshakes: foldhash::HashMap<FlowKey, (IpAddr, u16)>,
    recent: Vec<Recent>,
    next: u64,
    /// Per connection, the sequence numbers of its recent segments still in `recent`.
    by_flow: foldhash::HashMap<FlowKey, VecDeque<u64>>,
}

impl EvidenceTap {
    /// A tap writing to `ring`.
    pub fn new(ring: Arc<Mutex<EvidenceRing>>) -> Self {
        Self {
            ring,
            handshakes: foldhash::HashMap::default(),
            recent: Vec::new(),
            next: 0,
            by_flow: foldhash::HashMap::default(),
        }
    }

    fn remember(&mut self, f: &Frame<'_>, key: FlowKey) {
        let seq = self.next;
        self.next += 1;
        let slot = (seq % RECENT as u64) as usize;
        let data = &f.data[..f.data.len().min(RECENT_BYTES)];
        if slot < self.recent.len() {
            let old_key = self.recent[slot].key;
            let old_seq = self.recent[slot].seq;
            if let Some(list) = self.by_flow.get_mut(&old_key) {
                list.retain(|&s| s != old_seq);
                if list.is_empty() {
                    self.by_flow.remove(&old_key);
                }
            }
            let r = &mut self.recent[slot];
            r.seq = seq;
            r.key = key;
            r.ts = f.ts;
            r.number = f.number;
            r.link_type = f.link_type;
            r.interface = f.interface;
            r.orig_len = f.orig_len;
            r.data.clear();
            r.data.extend_from_slice(data);
        } else {
            self.recent.push(Recent {
                seq,
                key,
                ts: f.ts,
                number: f.number,
                link_type: f.link_type,
                interface: f.interface,
                orig_len: f.orig_len,
                data: data.to_vec(),
            });
        }
        let list = self.by_flow.entry(key).or_default();
        list.push_back(seq);
        if list.len() > CONTEXT_PACKETS {
            list.pop_front();
        }
    }

    /// Writes the connection's recent segments (before its RST) to `ring`.
    fn context(&mut self, key: FlowKey, ring: &mut EvidenceRing) {
        let Some(list) = self.by_flow.remove(&key) else {
            return;
        };
        for seq in list {
            let r = &self.recent[(seq % RECENT as u64) as usize];
            if r.seq != seq {
                continue;
            }
            ring.write_context(&Frame::plain(
                r.ts,
                r.number,
                r.link_type,
                r.interface,
                &r.data,
                r.orig_len.max(r.data.len() as u32),
            ));
        }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, EvidenceRing> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl FrameTap for EvidenceTap {
    fn start(&mut self, interfaces: &[CapturedInterface]) {
        self.ring().set_interfaces(interfaces);
    }

    fn frame(&mut self, f: &Frame<'_>, tcp: Option<&TcpPacket<'_>>) {
        let Some(p) = tcp else {
            return;
        };
        let key = flow_key(p);
        let flags = p.flags;
        if flags.syn() {
            // A new connection of the four-tuple (a client port used again): what the last one
            // did is not the context of this one's reset.
            self.by_flow.remove(&key);
        }
        if flags.syn() && flags.ack() {
            if self.handshakes.len() >= HANDSHAKES
                && let Some(k) = self.handshakes.keys().next().copied()
            {
                self.handshakes.remove(&k);
            }
            self.handshakes.insert(key, (p.dst, p.dport));
        }
        let completes = !flags.syn()
            && self
                .handshakes
                .get(&key)
                .is_some_and(|&from| from == (p.src, p.sport));
        if completes {
            self.handshakes.remove(&key);
        }
        if flags.rst() {
            self.handshakes.remove(&key);
            let ring = Arc::clone(&self.ring);
            let mut ring = ring.lock().unwrap_or_else(PoisonError::into_inner);
            self.context(key, &mut ring);
            ring.write(f);
        } else if flags.syn() || flags.fin() || completes {
            self.ring().write(f);
        } else {
            self.remember(f, key);
        }
    }

    fn finish(&mut self) {
        self.ring().seal();
    }

    fn interface_named(&mut self, interface: u32, index: u32, name: &str) {
        self.ring().name_index(interface, index, name);
    }
}

/// Why a cap of `bytes` is refused.
fn too_small(bytes: u64) -> String {
    format!(
        "an evidence cap of {} is below the smallest, 1M (the ring keeps whole files of 64 KiB \
         and room for the one being written): give --evidence-max 1M or more",
        crate::report::bytes(bytes)
    )
}

/// `--evidence-max`: a size as [`parse_size`] reads it, at least [`MIN_BYTES`].
pub fn parse_cap(s: &str) -> Result<u64, String> {
    let bytes = parse_size(s)?;
    if bytes < MIN_BYTES {
        return Err(too_small(bytes));
    }
    Ok(bytes)
}

/// `256M`, `1G`, `512MiB`, `1.5GB`, or bytes: powers of 1024 (as disk quotas are read).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 256M, 1G)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use K, M, G or T)"
            ));
        }
    };
    let bytes = n * f64::from(1u32 << shift.min(30)) * if shift > 30 { 1024.0 } else { 1.0 };
    if !bytes.is_finite() || bytes < 1.0 {
        return Err(format!("{s:?}: the size must be positive"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests;
#[cfg(windows)]
mod windows;
