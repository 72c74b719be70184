//! One classic pcap file on disk, or a rotated set of them (`tcpdump -C` / `-G`: files one after
//! the other in time, each of one interface described alike), read by chunks on two threads, the
//! engine's thread among them: the wall time of reading and decoding, which was the slower of the
//! two threads' work, shared between them (docs/benchmarks.md, s43 and s44).
//!
//! A set is read as its reading in order would deliver it: each file's chunks in turn, the
//! files in the order given, which must be their time order (each file's first record no
//! earlier than the one before's). A file's first chunk counts only where it follows the
//! files before it as the merge in time order would: every frame of theirs no later than its
//! first (the previous file's end then confirms nothing more: each file's first chunk starts
//! at its first record); then the file continues the set's one interface, the repeat check's
//! state runs on across it, and its SYNs and resets are compared with the other files' as
//! files given together are ([`TwoPoints`]), on the engine's thread, in order.
//!
//! The file is cut into chunks of a fixed size, each chunk's first record guessed
//! ([`chunks::record_start`]). A reading thread and the engine's thread decode chunks whole,
//! each from its own copy of the file's bytes (`pread`), each chunk with a reader of its own
//! that begins knowing nothing of the chunks before it; the engine's thread takes a chunk
//! whenever the one it needs next is not decoded yet. The engine takes the chunks' batches in
//! order, and a chunk's work counts only where it is exactly what reading the file in order
//! would have made:
//! - its start is confirmed: the chunk before it, read from a record's start, ended exactly
//!   there, with no problem (a record cut at its end would say the guess was wrong);
//! - its file statistics follow on from those before it without a step back in time, so that
//!   the counts, the first and last times, the steps back and the quiet spells add up
//!   ([`merge`]);
//! - the repeat check ([`dedupe::Repeats`]) decided its first frames as the state the frames
//!   before it left decides them, until it had kept [`REPEAT_RING`] frames: from there its
//!   decisions are the same (they depend only on the last frames kept);
//! - no overlay network was met before it (the networks are numbered in the order met).
//!
//! A chunk that is whole and sound but fails the last three (a repeat across its start, a
//! step back in time there) is read again in order, on the engine's thread, from where the
//! reading stands, with everything the reading before it left; a chunk with any problem (a
//! record cut short or corrupt, a guess that was no record's start, captures appended, an
//! overlay network, a file that does not follow on in time) ends the balancing: the rest of the
//! file, and the files after it, are read in order from where the reading stands, as today's
//! reading would, so that their messages, offsets and results are today's. Correctness never
//! rests on the guess.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::{
    Analysis, BATCH, Batch, EngineSide, Options, Reader, SourceStatus, Taker, resolve_jobs,
};
use crate::decode::{BLANK, decode_into};
use crate::engine::Zones;
use crate::packet::{Encap, Timestamp};
use crate::pipeline::merged::TwoPoints;
use crate::source::dedupe::{self, Checked, REPEAT_RING};
use crate::source::file::chunks::{self, PcapLayout};
use crate::source::{FileInfo, FileSource, Format, Frame, FrameSink, QuietSpells, SourceError};

/// The least size of a chunk: each costs a reader of its own and the guess of its start
/// (some 270,000 instructions, docs/benchmarks.md s43).
const MIN_CHUNK: u64 = 2 << 20;
/// The largest: a chunk is decoded whole before the engine takes it, and [`AHEAD`] of them
/// may wait (about 1.3 MB of batches for 4 MiB of small frames). Its batches are best still
/// in the caches when the engine takes them: chunks of 4 MiB took 6-8% less wall and CPU
/// time than chunks of 16 MiB on 1 GiB of small frames, 3% less CPU on large ones, where 2
/// MiB cost more CPU for their chunks' own work (docs/benchmarks.md, s45).
const MAX_CHUNK: u64 = 4 << 20;
/// Input of fewer chunks is read as today: the start and the end, on one thread, weigh
/// more there.
const MIN_CHUNKS: u64 = 4;
/// Chunks decoded ahead of the one the engine takes.
const AHEAD: usize = 3;
/// Batches kept for reuse: those of a few chunks.
const SPARE: usize = 32;
/// Bytes read for the guess of a chunk's start, and, where no start is found in them, more:
/// the first are enough for [`chunks::CHAIN`] records of a full Ethernet frame (1,514 bytes)
/// and the offset to the first, the next for jumbo frames, the last for 64 KiB ones: each
/// guess's bytes are copied out of the page cache, once a chunk (64 KiB twice a chunk
/// before, docs/benchmarks.md s45).
const GUESS_BYTES: [usize; 3] = [32 << 10, 256 << 10, 4 << 20];
/// Sets the chunk size, in bytes, for tests: so that small captures (the fixtures) are read
/// by chunks too. Read only here.
const CHUNK_VARIABLE: &str = "RSTSCOPE_TEST_CHUNK_BYTES";

thread_local! {
    /// The chunk size a test or the chunks' fuzz target ([`crate::fuzzing::chunked_pcap`])
    /// sets, on the thread that plans the reading: unlike [`CHUNK_VARIABLE`], it leaves the
    /// readings of other threads of the process (the tests beside it) alone.
    pub(crate) static CHUNK: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// How the input is read by chunks.
pub(super) struct Plan {
    /// Its files, in the order given, which is their time order.
    files: Vec<PlanFile>,
    chunk: u64,
    /// Chunks over all files.
    chunks: usize,
}

/// One file of a [`Plan`].
struct PlanFile {
    /// The file as opened, before its first frame.
    info: FileInfo,
    path: PathBuf,
    header: [u8; 24],
    layout: PcapLayout,
    size: u64,
    /// Its chunks, and the number of its first over all files.
    chunks: usize,
    first_chunk: usize,
    /// The bytes of the files before it.
    bytes_before: u64,
    /// The time of its first record, where it is one of several.
    first_time: Option<Timestamp>,
}

impl Plan {
    /// The plan for `source`, where it applies: one classic pcap file on disk, or several read
    /// one after the other (either byte order, microseconds or nanoseconds, record headers of
    /// 16 bytes), not compressed nor in an archive, opened without a problem, each of one
    /// interface, not a Linux `any` capture (so that no frame is compared by content: only
    /// the repeat check spans chunks), several files each describing it as the first does and
    /// given in time order (each one's first record no earlier than the one before's), more
    /// than [`MIN_CHUNKS`] chunks in all, with more than one job.
    pub(super) fn of(source: &FileSource, jobs: usize) -> Option<Self> {
        if resolve_jobs(jobs) <= 1 {
            return None;
        }
        let infos = source.files();
        let interfaces = source.interfaces();
        if infos.is_empty() || !source.problems().is_empty() || interfaces.len() != infos.len() {
            return None;
        }
        let first = interfaces.first()?;
        let mut opened = Vec::with_capacity(infos.len());
        let mut first_time = None;
        for (n, (info, interface)) in infos.iter().zip(interfaces).enumerate() {
            let plain = info.compression.is_none() && info.archive.is_none();
            let pcap = matches!(info.format, Format::Pcap | Format::PcapNanos);
            if !plain
                || !pcap
                || crate::source::file::is_stdin(&info.path)
                || interface.file != n
                // A Linux `any` capture's frames name their interface, and are compared by
                // content across them ([`super::CopyFilter`]): over any span, not across a
                // chunk's start alone.
                || interface.link_type.0 == super::LINKTYPE_LINUX_SLL2
                // The set's one interface, as the reading in order makes it.
                || !first.same_point(interface)
            {
                return None;
            }
            // Asked of the path before it is opened again: opening a named pipe waits for a
            // writer, and its writer has gone once the source's own opening read it (the
            // analysis of a capture from a pipe hung here).
            if !std::fs::metadata(&info.path).ok()?.is_file() {
                return None;
            }
            let file = File::open(&info.path).ok()?;
            let meta = file.metadata().ok()?;
            if !meta.is_file() {
                return None;
            }
            let size = meta.len();
            let header: [u8; 24] = chunks::read_window(&file, 0, 24).ok()?.try_into().ok()?;
            let layout = PcapLayout::of(&header)?;
            if infos.len() > 1 {
                // A file of several without a record is no part of a set read in turn; a set
                // given out of its time order is read as today.
                let record = chunks::read_window(&file, 24, 16).ok()?;
                let time = Some(record_time(&record, layout)?);
                if time < first_time {
                    return None;
                }
                first_time = time;
            }
            opened.push((info, header, layout, size, first_time));
        }
        let total: u64 = opened.iter().map(|o| o.3).sum();
        let chunk = chunk_size(total);
        let (mut files, mut chunks, mut bytes_before) = (Vec::new(), 0, 0);
        for (info, header, layout, size, first_time) in opened {
            let n = (size.saturating_sub(24) / chunk).max(1);
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            files.push(PlanFile {
                info: info.clone(),
                path: info.path.clone(),
                header,
                layout,
                size,
                chunks: n,
                first_chunk: chunks,
                bytes_before,
                first_time,
            });
            chunks = chunks.saturating_add(n);
            bytes_before += size;
        }
        (chunks as u64 >= MIN_CHUNKS).then_some(Self {
            files,
            chunk,
            chunks,
        })
    }

    /// The file of chunk `k` (over all files), and its number within it.
    fn locate(&self, k: usize) -> (usize, usize) {
        let j = (self.files.partition_point(|f| f.first_chunk <= k)).saturating_sub(1);
        (j, k - self.files[j].first_chunk)
    }

    /// Where chunk `k` of file `f` starts, guessed (read in `window`): the file's first
    /// record for its first chunk; `None` where no record start was found near its nominal
    /// start.
    fn start(&self, f: &PlanFile, file: &File, k: usize, window: &mut Vec<u8>) -> Option<u64> {
        if k == 0 {
            return Some(24);
        }
        let at = 24 + k as u64 * self.chunk;
        for len in GUESS_BYTES {
            let data = chunks::read_window_into(file, at, len, window).ok()?;
            let ends_file = at + data.len() as u64 >= f.size;
            if let Some(found) = chunks::record_start(data, f.layout, ends_file) {
                return Some(at + found as u64);
            }
            if ends_file {
                return None;
            }
        }
        None
    }

    /// Where chunk `kk` of file `f` starts, and where it ends (`None`: at the file's end, as
    /// it grows); `k` is its number over all files. Each start between two chunks is guessed
    /// once for both ([`Guesses`]).
    fn bounds(
        &self,
        (f, kk, k): (&PlanFile, usize, usize),
        file: &File,
        guesses: &Guesses,
        window: &mut Vec<u8>,
    ) -> Option<(u64, Option<u64>)> {
        let start = match kk {
            0 => 24,
            _ => guesses.start(k, || self.start(f, file, kk, window))?,
        };
        let end = match kk + 1 < f.chunks {
            true => Some(guesses.start(k + 1, || self.start(f, file, kk + 1, window))?),
            false => None,
        };
        (end.is_none_or(|end| end > start)).then_some((start, end))
    }

    /// Each file's path, header and size, for [`FileSource::open_rest`].
    fn set(&self) -> Vec<(PathBuf, [u8; 24], u64)> {
        (self.files.iter())
            .map(|f| (f.path.clone(), f.header, f.size))
            .collect()
    }
}

/// Chunk starts one chunk's reading guessed and the other's has not taken yet: each start
/// after a file's first chunk is both that chunk's start and the end of the chunk before,
/// which the two threads may read in either order. Each is taken twice, then forgotten: the
/// starts kept are those of the chunks in flight.
#[derive(Default)]
struct Guesses(Mutex<HashMap<usize, Option<u64>>>);

impl Guesses {
    /// The start of chunk `k` (over all files): the guess the other use of it made, else
    /// `guess()`'s, kept for that other use. Both guessing at once each take their own (the
    /// same, unless the file changed meanwhile, which the chunks' checks then find).
    fn start(&self, k: usize, guess: impl FnOnce() -> Option<u64>) -> Option<u64> {
        if let Some(found) = self.0.lock().ok().and_then(|mut g| g.remove(&k)) {
            return found;
        }
        let found = guess();
        if let Ok(mut g) = self.0.lock()
            && g.remove(&k).is_none()
        {
            g.insert(k, found);
        }
        found
    }
}

/// What one thread keeps from chunk to chunk, so that a chunk costs no new memory for them:
/// the reader, with its repeat check's tables (a new one was some 10 KiB zeroed and moved a few
/// times a chunk), the window the chunks' starts are guessed in, and the file being read.
#[derive(Default)]
struct Scratch {
    reader: Option<Reader<'static>>,
    window: Vec<u8>,
    file: Option<(usize, File)>,
}

impl Scratch {
    /// File `j` of `plan`, opened once for the chunks of it this thread reads.
    fn file(&mut self, plan: &Plan, j: usize) -> Option<&File> {
        if self.file.as_ref().is_none_or(|(at, _)| *at != j) {
            self.file = Some((j, File::open(&plan.files[j].path).ok()?));
        }
        self.file.as_ref().map(|(_, file)| file)
    }

    /// The thread's reader, begun on `source`.
    fn reader(&mut self, source: FileSource) -> Option<&mut Reader<'static>> {
        match &mut self.reader {
            Some(reader) => reader.restart(source),
            None => self.reader = Some(Reader::new(source, 0, None)),
        }
        self.reader.as_mut()
    }
}

/// The time of the classic pcap record whose header is `record`.
fn record_time(record: &[u8], layout: PcapLayout) -> Option<Timestamp> {
    let field = |at: usize| {
        let b: [u8; 4] = record.get(at..at + 4)?.try_into().ok()?;
        Some(i64::from(match layout.big_endian {
            true => u32::from_be_bytes(b),
            false => u32::from_le_bytes(b),
        }))
    };
    let unit = if layout.nanos { 1 } else { 1000 };
    Some(Timestamp(
        field(0)? * Timestamp::NANOS_PER_SEC + field(4)? * unit,
    ))
}

/// A chunk's size for input of `size` bytes: about a 32nd of it (the start and the end of the
/// reading, on one thread, weigh less in smaller chunks: in the prototype's rounds on 100 MiB
/// chunks of about a 30th did best), within [`MIN_CHUNK`] and [`MAX_CHUNK`]; the tests' size
/// where they set it.
fn chunk_size(size: u64) -> u64 {
    if let Some(bytes) = CHUNK.get() {
        return bytes.max(1);
    }
    let forced = std::env::var(CHUNK_VARIABLE).ok();
    match forced.and_then(|v| v.parse::<u64>().ok()) {
        Some(bytes) => bytes.max(1),
        None => (size / 32).clamp(MIN_CHUNK, MAX_CHUNK),
    }
}

/// The first frames of a chunk read on its own, as the repeat check decided them, until it
/// has kept [`REPEAT_RING`] of them: what [`Chunk::follows`] replays.
#[derive(Default)]
pub(super) struct Opening {
    checked: Vec<Checked>,
    kept: usize,
    /// A frame the replay cannot take (inside a tunnel) was met: the chunk is read again.
    unreplayable: bool,
}

impl Opening {
    /// Enough is recorded.
    pub(super) fn complete(&self) -> bool {
        self.kept >= REPEAT_RING || self.unreplayable
    }

    /// Takes `frame` into the batch as [`Reader::fill`] does, recording the repeat check's
    /// decision of it, if it had one.
    pub(super) fn take(&mut self, frame: Frame<'_>, sink: &mut Taker<'_>) {
        let (len, repeated) = (sink.batch.len, sink.batch.copies.repeated);
        let mut taker = &mut *sink;
        taker.frame_called(frame);
        let kept = sink.batch.len > len;
        if !kept && sink.batch.copies.repeated == repeated {
            return;
        }
        // What the check compared, decoded again (a few frames a chunk).
        let (mut p, mut encap) = (BLANK, Encap::default());
        match decode_into(&frame, &mut p, &mut encap) {
            Ok((payload, _)) => self.checked.push(Checked::of(&frame, &p, payload, !kept)),
            Err(_) => self.unreplayable = true,
        }
        self.kept += usize::from(kept);
    }
}

/// A chunk decoded on its own.
struct Chunk {
    /// The input's first chunk, which starts with it.
    first: bool,
    /// Its file's first chunk.
    file_first: bool,
    start: u64,
    end: Option<u64>,
    batches: Vec<Batch>,
    /// The chunk's reading's counts, from its first frame.
    info: FileInfo,
    interface_frames: u64,
    /// Read from its start to its end without a problem, on the file's one interface.
    sound: bool,
    opening: Opening,
    /// The repeat check's state at its end.
    repeats: dedupe::Repeats,
    /// Some packet came in an overlay network, numbered by `networks`.
    overlays: bool,
    networks: Zones,
}

impl Chunk {
    /// Decodes chunk `k` (over all files) of `plan` with the thread's `scratch`; `None` where
    /// its bounds are not found or it cannot be opened, or `stop` was set meanwhile. Boxed: a
    /// chunk holds the repeat check's state (10 KiB), and is moved from thread to thread.
    fn read(
        plan: &Plan,
        k: usize,
        shared: &Shared<'_>,
        scratch: &mut Scratch,
    ) -> Option<Box<Self>> {
        let (j, kk) = plan.locate(k);
        let f = &plan.files[j];
        let mut window = std::mem::take(&mut scratch.window);
        let bounds = (scratch.file(plan, j))
            .and_then(|file| plan.bounds((f, kk, k), file, &shared.guesses, &mut window));
        scratch.window = window;
        let (start, end) = bounds?;
        let source = FileSource::open_part(&f.path, f.header, start, end).ok()?;
        let reader = scratch.reader(source)?;
        let mut opening = Opening::default();
        let mut batches = Vec::new();
        loop {
            let spare = shared.spare.lock().ok().and_then(|mut s| s.pop());
            // With its slots' memory taken at once (not the default's, grown slot by slot).
            let mut batch = match spare {
                Some(batch) => batch,
                None => Batch::new(),
            };
            // The first chunk begins with the input: its decisions are the input's.
            let record = (k > 0).then_some(&mut opening);
            let done = reader.fill(&mut batch, BATCH as u64, record);
            batches.push(batch);
            if shared.stop.load(Ordering::Relaxed) {
                return None;
            }
            if done {
                break;
            }
        }
        let source = &reader.source;
        let info = source.files().first()?.clone();
        let interface_frames = source.interfaces().first().map_or(0, |i| i.frames);
        Some(Box::new(Self {
            first: k == 0,
            file_first: kk == 0,
            start,
            end,
            sound: source.problems().is_empty() && source.interfaces().len() == 1,
            overlays: batches.iter().any(|b| b.overlaid),
            batches,
            info,
            interface_frames,
            opening,
            repeats: reader.copies.repeats.clone(),
            networks: std::mem::take(&mut reader.networks),
        }))
    }

    /// Whether the repeat check decided this chunk's first frames as `state`, the state the
    /// frames before it left, decides them; if so, `state` becomes the state after the chunk.
    /// False where some differ, or its first frames could not be replayed (`state` as it
    /// was). `replay`: where they are replayed, kept from chunk to chunk. In place: the state
    /// is 10 KiB, which returning it moved a few times a chunk.
    fn follows(&mut self, state: &mut dedupe::Repeats, replay: &mut dedupe::Repeats) -> bool {
        if self.first {
            std::mem::swap(state, &mut self.repeats);
            return true;
        }
        if self.opening.unreplayable {
            return false;
        }
        replay.clone_from(state);
        for c in &self.opening.checked {
            if replay.replay(c) != c.repeat {
                return false;
            }
        }
        // Kept as many frames as the check looks back over, each decided alike: the states
        // decide alike from there. Else the opening was the whole chunk, and the replay is
        // where the reading stands.
        match self.opening.kept >= REPEAT_RING {
            true => std::mem::swap(state, &mut self.repeats),
            false => std::mem::swap(state, replay),
        }
        true
    }
}

/// Where the reading of the input stands, in order.
struct SoFar {
    /// The files read to their end, in order.
    read: Vec<FileInfo>,
    /// The file under way, and its reading's counts.
    file: usize,
    info: FileInfo,
    interface_frames: u64,
    repeats: dedupe::Repeats,
    /// Where its next chunk starts.
    at: u64,
    /// The latest frame time of the files read to their end.
    latest: Option<Timestamp>,
    /// The files' SYNs and RSTs compared, where there are several.
    two_points: Option<TwoPoints>,
}

impl SoFar {
    /// Frames read so far, over all files.
    fn frames(&self) -> u64 {
        self.read.iter().map(|f| f.frames).sum::<u64>() + self.info.frames
    }

    /// The file under way has been read to its end: `next`'s reading begins.
    fn next_file(&mut self, next: &PlanFile, j: usize) {
        let latest = self.info.quiet.latest().max(self.info.last_ts);
        self.latest = self.latest.max(latest);
        let info = std::mem::replace(&mut self.info, next.info.clone());
        self.read.push(info);
        self.file = j;
        self.at = 24;
    }

    /// The files' counts so far: those read, then the one under way.
    fn infos(&self) -> Vec<FileInfo> {
        let mut infos = self.read.clone();
        infos.push(self.info.clone());
        infos
    }
}

/// `so_far` followed by a chunk read on its own whose counts are `part`, where they add up
/// exactly: its first frame no earlier than the latest before it (no step back in time
/// across its start), and its quiet spells fewer than the most kept (none left out).
fn merge(so_far: &FileInfo, part: &FileInfo) -> Option<FileInfo> {
    let first = part.first_ts?;
    if part.quiet.spells().len() >= QuietSpells::MAX || so_far.quiet.latest() > Some(first) {
        return None;
    }
    let mut info = so_far.clone();
    if info.frames == 0 {
        info.first_ts = Some(first);
    }
    info.quiet.then(first, &part.quiet);
    info.first_step_back = so_far.first_step_back.or_else(|| {
        (part.first_step_back).map(|s| crate::source::StepBack {
            frame: s.frame + so_far.frames,
            ..s
        })
    });
    info.steps_back += part.steps_back;
    info.frames += part.frames;
    info.last_ts = part.last_ts;
    info.bytes_read = part.bytes_read;
    Some(info)
}

/// The chunks decoded, by number, and how far the engine has taken them.
#[derive(Default)]
struct Decoded {
    chunks: BTreeMap<usize, Option<Box<Chunk>>>,
    taken: usize,
}

/// What the two threads share.
struct Shared<'p> {
    plan: &'p Plan,
    /// The next chunk no thread has taken to decode.
    next: AtomicUsize,
    decoded: Mutex<Decoded>,
    changed: Condvar,
    /// The balancing ended (a cancel, a chunk read in order to the end): decode no more.
    stop: AtomicBool,
    /// The reading thread has ended (or failed): the chunks it took and did not put are
    /// not coming.
    gone: AtomicBool,
    /// Batches the engine has taken, for the next chunks: a new batch's slots are memory
    /// the kernel must map (1.7 MB a batch, the process's system time).
    spare: Mutex<Vec<Batch>>,
    guesses: Guesses,
}

impl<'p> Shared<'p> {
    fn new(plan: &'p Plan) -> Self {
        Self {
            plan,
            next: AtomicUsize::new(0),
            decoded: Mutex::new(Decoded::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            spare: Mutex::new(Vec::new()),
            guesses: Guesses::default(),
        }
    }

    fn put(&self, k: usize, chunk: Option<Box<Chunk>>) {
        if let Ok(mut d) = self.decoded.lock() {
            d.chunks.insert(k, chunk);
        }
        self.changed.notify_all();
    }

    /// The reading thread: the next chunk not taken, once it is at most [`AHEAD`] past the
    /// one the engine takes, until none is left or the balancing ends.
    fn read_ahead(&self) {
        /// Tells the engine's thread that this one has ended, however it ends: a chunk it
        /// took and did not put is then read in order, never waited for.
        struct Gone<'s, 'p>(&'s Shared<'p>);
        impl Drop for Gone<'_, '_> {
            fn drop(&mut self) {
                self.0.gone.store(true, Ordering::Relaxed);
                // Under the lock, so that a wait that checked the flag before is woken.
                drop(self.0.decoded.lock());
                self.0.changed.notify_all();
            }
        }
        let _gone = Gone(self);
        let mut scratch = Scratch::default();
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k >= self.plan.chunks {
                return;
            }
            let Ok(mut d) = self.decoded.lock() else {
                return;
            };
            while k > d.taken + AHEAD && !self.stop.load(Ordering::Relaxed) {
                let Ok(later) = self.changed.wait(d) else {
                    return;
                };
                d = later;
            }
            drop(d);
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let chunk = Chunk::read(self.plan, k, self, &mut scratch);
            self.put(k, chunk);
        }
    }

    /// Chunk `k` for the engine: decoded by this thread (with its `scratch`) where no thread
    /// has taken it yet, and meanwhile, while the reading thread decodes it, the next chunks
    /// not taken.
    fn take(&self, k: usize, scratch: &mut Scratch) -> Option<Box<Chunk>> {
        loop {
            if let Ok(mut d) = self.decoded.lock()
                && let Some(chunk) = d.chunks.remove(&k)
            {
                d.taken = k;
                drop(d);
                self.changed.notify_all();
                return chunk;
            }
            // A chunk no thread has taken, not too far ahead: decoded here.
            let next = self.next.load(Ordering::Relaxed);
            if next < self.plan.chunks
                && next <= k + AHEAD
                && self
                    .next
                    .compare_exchange(next, next + 1, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                let chunk = Chunk::read(self.plan, next, self, scratch);
                self.put(next, chunk);
                continue;
            }
            let Ok(d) = self.decoded.lock() else {
                return None;
            };
            if !d.chunks.contains_key(&k) {
                if self.gone.load(Ordering::Relaxed) {
                    // Taken by the reading thread, which ended without it.
                    return None;
                }
                // The reading thread has it: wait for it.
                let _unused = self.changed.wait(d);
            }
        }
    }
}

/// What the reading of a chunk comes to.
enum Taken {
    /// Its work counts: the next chunk follows.
    Whole,
    /// The rest of the input is read in order from where the reading stands.
    Rest,
    /// Its file has been read to its end.
    End,
}

/// Analyzes the input of `plan` (`source`, opened) by chunks; see the module's comment.
pub(super) fn analyze(
    mut source: FileSource,
    plan: Plan,
    mut side: EngineSide,
    bytes_total: u64,
    mut options: Options<'_>,
) -> Analysis {
    let cancel = options.cancel;
    let background = options.background;
    let shared = Shared::new(&plan);
    let mut so_far = SoFar {
        read: Vec::new(),
        file: 0,
        info: plan.files[0].info.clone(),
        interface_frames: 0,
        repeats: dedupe::Repeats::default(),
        at: 24,
        latest: None,
        two_points: (plan.files.len() > 1).then(TwoPoints::default),
    };
    // The files as the reading in order has them when it compares SYNs and RSTs: none
    // overlaps another.
    let files = source.files().to_vec();
    let mut networks = Zones::default();
    let mut problems = Vec::new();
    let mut taken = Taken::Rest;
    let mut scratch = Scratch::default();
    let mut replay = dedupe::Repeats::default();
    std::thread::scope(|scope| {
        let reading = std::thread::Builder::new()
            .name("read".into())
            .spawn_scoped(scope, || {
                if background {
                    crate::pipeline::background::lower_this_thread();
                }
                shared.read_ahead();
            });
        if reading.is_err() {
            return;
        }
        for k in 0..plan.chunks {
            let (j, _) = plan.locate(k);
            if j != so_far.file {
                so_far.next_file(&plan.files[j], j);
            }
            let chunk = shared.take(k, &mut scratch);
            taken = match chunk {
                Some(chunk)
                    if chunk.start == so_far.at
                        && chunk.sound
                        // A file's first frame after every frame of the files before it.
                        && (!chunk.file_first || so_far.latest <= chunk.info.first_ts) =>
                {
                    let mut read = Read {
                        spare: &shared.spare,
                        so_far: &mut so_far,
                        side: &mut side,
                        options: &mut options,
                        bytes_total,
                        files: &files,
                        replay: &mut replay,
                    };
                    read.chunk(&plan, chunk, &mut networks, &mut problems)
                }
                _ => Taken::Rest,
            };
            #[cfg(test)]
            tests::TAKEN.with_borrow_mut(|t| t.push(taken_name(&taken)));
            side.status = status(&mut source, &so_far);
            if let Ok(mut d) = shared.decoded.lock() {
                d.taken = k + 1;
            }
            shared.changed.notify_all();
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                // The chunk's batches were all taken (its frames are counted read): the
                // analysis stops after them, as today's after the batches read ahead.
                side.capture.cancelled = true;
                break;
            }
            match taken {
                Taken::Rest => break,
                // The last file read to its end: all read.
                Taken::End if j + 1 == plan.files.len() => break,
                Taken::End | Taken::Whole => {}
            }
        }
        shared.stop.store(true, Ordering::Relaxed);
        shared.changed.notify_all();
    });
    let cancelled = cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    if matches!(taken, Taken::Rest) && !cancelled {
        // The rest in order, as today's reading, with what the reading so far left.
        let rest = FileSource::open_rest(
            &plan.set(),
            so_far.file,
            so_far.at,
            &so_far.read,
            &so_far.info,
            so_far.interface_frames,
        );
        match rest {
            Ok(rest) => {
                let mut reader = Reader::new(rest, bytes_total, cancel);
                reader.copies.repeats = so_far.repeats.clone();
                reader.networks = networks;
                reader.frames = so_far.frames();
                if so_far.two_points.is_some() {
                    reader.two_points = so_far.two_points.take();
                }
                if let Some(mut rest) =
                    super::read_to_end(reader, &mut side, &mut options, background)
                {
                    // Its files' problems, after those of the files read by chunks.
                    let mut read = rest.problems_taken();
                    problems.append(&mut read);
                    rest.take_problems(problems);
                    return side.finish(Some(&rest), bytes_total, &mut options);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    source.carry_on_set(&so_far.infos(), so_far.interface_frames);
    source.take_problems(problems);
    side.finish(Some(&source), bytes_total, &mut options)
}

/// The engine's side of the reading by chunks.
struct Read<'a, 'o> {
    /// Where the batches taken go back.
    spare: &'a Mutex<Vec<Batch>>,
    so_far: &'a mut SoFar,
    side: &'a mut EngineSide,
    options: &'a mut Options<'o>,
    bytes_total: u64,
    /// The input's files, for the comparison of their SYNs and RSTs.
    files: &'a [FileInfo],
    /// Where a chunk's first frames are replayed ([`Chunk::follows`]).
    replay: &'a mut dedupe::Repeats,
}

impl Read<'_, '_> {
    /// Takes `chunk`, read soundly from where the reading stands: its batches where they
    /// follow on from the reading before it, else it read again in order.
    fn chunk(
        &mut self,
        plan: &Plan,
        mut chunk: Box<Chunk>,
        networks: &mut Zones,
        problems: &mut Vec<SourceError>,
    ) -> Taken {
        // Every frame of a file no later than the next file's first (ties go to the file
        // given first), or the reading in order would take some of the next file's frames
        // among them: its files overlap in time, and are read in order from here.
        let next = plan.files.get(self.so_far.file + 1);
        let latest = chunk.info.quiet.latest().max(chunk.info.last_ts);
        if next.is_some_and(|next| latest > next.first_time) {
            return Taken::Rest;
        }
        let follows = merge(&self.so_far.info, &chunk.info)
            // Networks are numbered in the order met: the first chunk's are the input's.
            .filter(|_| chunk.first || !chunk.overlays)
            // Last: it takes the chunk's repeat check's state where it follows on.
            .filter(|_| chunk.follows(&mut self.so_far.repeats, self.replay));
        let Some(info) = follows else {
            return self.again(plan, &chunk, networks, problems);
        };
        let before = self.so_far.frames();
        self.so_far.info = info;
        self.so_far.interface_frames += chunk.interface_frames;
        self.so_far.at = chunk.end.unwrap_or(u64::MAX);
        let overlays = chunk.overlays;
        if overlays {
            *networks = chunk.networks;
        }
        self.feed(plan, chunk.batches, before);
        match (overlays, chunk.end) {
            (_, None) => Taken::End,
            (true, _) => Taken::Rest,
            (false, _) => Taken::Whole,
        }
    }

    /// `chunk`, whole and sound but not following on from the reading before it (a repeat
    /// or a step back in time across its start), read again in order from its start with
    /// what that reading left.
    fn again(
        &mut self,
        plan: &Plan,
        chunk: &Chunk,
        networks: &mut Zones,
        problems: &mut Vec<SourceError>,
    ) -> Taken {
        #[cfg(test)]
        tests::TAKEN.with_borrow_mut(|t| t.push("again"));
        let f = &plan.files[self.so_far.file];
        let Ok(mut part) = FileSource::open_part(&f.path, f.header, chunk.start, chunk.end) else {
            return Taken::Rest;
        };
        let before = self.so_far.frames();
        part.carry_on(&self.so_far.info, self.so_far.interface_frames, before);
        let mut reader = Reader::new(part, self.bytes_total, None);
        reader.copies.repeats = self.so_far.repeats.clone();
        reader.networks = std::mem::take(networks);
        reader.frames = before;
        let mut batch = Batch::new();
        let mut overlays = false;
        loop {
            let done = reader.fill(&mut batch, BATCH as u64, None);
            overlays |= batch.overlaid;
            batch.status = None;
            self.of_file(&mut batch, f);
            self.side.batch(&batch, self.options);
            if done {
                break;
            }
        }
        let read = reader.source.files().first().cloned();
        if let Some(read) = read {
            self.so_far.info = read;
        }
        self.so_far.interface_frames = reader.source.interfaces().first().map_or(0, |i| i.frames);
        self.so_far.repeats = reader.copies.repeats.clone();
        self.so_far.at = chunk.end.unwrap_or(u64::MAX);
        *networks = reader.networks;
        let mut part = reader.source;
        if !part.problems().is_empty() {
            // The same bytes read soundly on their own: the file changed meanwhile. Its
            // reading ends there, as it would have, and the files after it are read in order.
            problems.append(&mut part.problems_taken());
            self.so_far.at = u64::MAX;
            return Taken::Rest;
        }
        match (overlays, chunk.end) {
            (_, None) => Taken::End,
            (true, _) => Taken::Rest,
            (false, _) => Taken::Whole,
        }
    }

    /// What a batch of a chunk of file `f`, read on its own as a file of one, says of the
    /// input: its frames not decoded are `f`'s, its progress counts the files before, and,
    /// among several files, its SYNs and RSTs that another file already gave are left out
    /// ([`TwoPoints`], as [`super::find_two_points`] does in a reading in order).
    fn of_file(&mut self, batch: &mut Batch, f: &PlanFile) {
        let file = self.so_far.file;
        for skipped in &mut batch.skipped {
            skipped.1 = u32::try_from(file).unwrap_or(u32::MAX);
        }
        batch.progress.bytes_read += f.bytes_before;
        batch.progress.bytes_total = self.bytes_total;
        if let Some(two_points) = &mut self.so_far.two_points {
            for (i, p) in batch.slots.iter().take(batch.len).enumerate() {
                if (p.flags.syn() || p.flags.rst()) && two_points.is_copy(p, file, self.files) {
                    batch.across.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
        }
    }

    /// Hands a chunk's batches to the engine, numbered on from the `before` frames before it.
    fn feed(&mut self, plan: &Plan, batches: Vec<Batch>, before: u64) {
        let f = &plan.files[self.so_far.file];
        for mut batch in batches {
            // The chunk's reader numbered its frames from its start: the engine adds the
            // frames before it where it keeps a number, and no slot is written here.
            batch.frames_from += before;
            batch.frame_offset = before;
            batch.progress.frames += before;
            batch.status = None;
            self.of_file(&mut batch, f);
            self.side.batch(&batch, self.options);
            if let Ok(mut spare) = self.spare.lock()
                && spare.len() < SPARE
            {
                spare.push(batch);
            }
        }
    }
}

/// The status the engine's side shows while the input is read by chunks: the source's, with
/// the reading's counts so far.
fn status(source: &mut FileSource, so_far: &SoFar) -> SourceStatus {
    source.carry_on_set(&so_far.infos(), so_far.interface_frames);
    let mut status = SourceStatus::of(source);
    if let Some(two_points) = &so_far.two_points {
        status.two_points = two_points.pairs().to_vec();
    }
    status
}

/// What became of a chunk, for the tests.
#[cfg(test)]
fn taken_name(taken: &Taken) -> &'static str {
    match taken {
        Taken::Whole => "whole",
        Taken::Rest => "rest",
        Taken::End => "end",
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    use super::super::{Options, analyze_files};
    use super::{CHUNK, Chunk, Guesses, Plan, Scratch, Shared};
    use crate::engine::ConnRecord;
    use crate::report::Clock;
    use crate::source::FileSource;

    thread_local! {
        /// What became of each chunk the engine took, in order ("again": read again in
        /// order, then what followed).
        pub(super) static TAKEN: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }

    fn fixture(name: &str) -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        std::fs::read(dir.join(name)).expect("the fixture")
    }

    /// The records of a classic pcap (little-endian): each record's bytes, header included.
    fn records(file: &[u8]) -> Vec<&[u8]> {
        let (mut out, mut at) = (Vec::new(), 24);
        while at + 16 <= file.len() {
            let caplen =
                u32::from_le_bytes(file[at + 8..at + 12].try_into().expect("a record header"))
                    as usize;
            out.push(&file[at..at + 16 + caplen]);
            at += 16 + caplen;
        }
        out
    }

    /// The JSON report of `path` read with `jobs` jobs and chunks of `chunk` bytes (`None`:
    /// the default), and what became of the chunks.
    fn report(path: &Path, jobs: usize, chunk: Option<u64>) -> (String, Vec<&'static str>) {
        report_of(&[path.to_path_buf()], jobs, chunk)
    }

    /// [`report`] of the files `paths` given together.
    fn report_of(
        paths: &[PathBuf],
        jobs: usize,
        chunk: Option<u64>,
    ) -> (String, Vec<&'static str>) {
        CHUNK.set(chunk);
        TAKEN.with_borrow_mut(Vec::clear);
        let options = Options {
            jobs,
            ..Options::default()
        };
        let analysis = analyze_files(paths, options).expect("a capture");
        CHUNK.set(None);
        let json = crate::report::json::to_value(&analysis, Clock::Utc);
        let json = serde_json::to_string_pretty(&json).expect("JSON");
        (json, TAKEN.with_borrow_mut(std::mem::take))
    }

    fn write(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rstscope-balanced-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("written");
        path
    }

    /// A capture of a fixture's frames, every third TCP frame repeated at once (a mirror
    /// port's way in and way out: the repeat check's copies), so that repeats lie across
    /// many chunk starts at small chunk sizes, with records of every size the fixture has.
    fn with_repeats() -> Vec<u8> {
        let source = fixture("scan-and-retrier.pcap");
        let mut out = source[..24].to_vec();
        for (i, record) in records(&source).into_iter().enumerate() {
            out.extend_from_slice(record);
            if i % 3 == 1 {
                out.extend_from_slice(record);
            }
        }
        out
    }

    /// Every chunk size from a few records to a few hundred gives the report of one thread,
    /// byte for byte, on a capture with repeats across chunk starts: the chunks whose first
    /// frames repeat the chunk before's are read again in order, the others taken whole.
    #[test]
    fn chunks_with_repeats_across_their_starts_give_the_report_of_one_thread() {
        let path = write("repeats.pcap", &with_repeats());
        let (one, taken) = report(&path, 1, Some(1000));
        assert!(taken.is_empty(), "one job reads in order");
        assert!(
            one.contains("\"repeated\""),
            "the report counts repeats: {one}"
        );
        let (mut whole, mut again) = (0, 0);
        for chunk in [300, 457, 1000, 1499, 2048, 3001] {
            let (two, taken) = report(&path, 2, Some(chunk));
            assert_eq!(two, one, "chunks of {chunk} bytes: {taken:?}");
            assert!(
                !taken.contains(&"rest"),
                "chunks of {chunk} bytes: {taken:?}"
            );
            whole += taken.iter().filter(|&&t| t == "whole").count();
            again += taken.iter().filter(|&&t| t == "again").count();
        }
        assert!(
            whole > 10 && again > 10,
            "{whole} chunks taken whole, {again} read again"
        );
    }

    /// A corrupt record header in a later chunk, and a file cut inside its last record: the
    /// same messages (offsets, frames before) and results as one thread's, the rest read in
    /// order from the chunk where the reading stopped.
    #[test]
    fn a_corrupt_record_or_a_cut_end_reads_as_with_one_thread() {
        let capture = with_repeats();
        let starts: Vec<usize> = records(&capture)
            .iter()
            .scan(24, |at, r| {
                let start = *at;
                *at += r.len();
                Some(start)
            })
            .collect();
        // Corrupt: a captured length beyond any limit, two thirds in.
        let mut corrupt = capture.clone();
        let at = starts[starts.len() * 2 / 3];
        corrupt[at + 8..at + 12].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
        // Cut: the last record without its last 5 bytes.
        let cut = &capture[..capture.len() - 5];
        for (name, bytes, says) in [
            ("corrupt.pcap", &corrupt[..], "corrupt"),
            ("cut.pcap", cut, "cut short"),
        ] {
            let path = write(name, bytes);
            let (one, _) = report(&path, 1, None);
            assert!(one.contains(says), "{name}: {one}");
            for chunk in [700, 1500] {
                let (two, taken) = report(&path, 2, Some(chunk));
                assert_eq!(two, one, "{name}, chunks of {chunk} bytes: {taken:?}");
                assert!(taken.contains(&"whole"), "{name}: {taken:?}");
            }
        }
    }

    /// A cancel stops the reading after the chunk whose batch saw it: the frames read and
    /// those analyzed are the same, fewer than the file's, and the report says so.
    #[test]
    fn a_cancel_stops_after_the_chunk_under_way() {
        let path = write("cancel.pcap", &with_repeats());
        let (all, _) = report(&path, 1, None);
        let cancel = std::sync::atomic::AtomicBool::new(false);
        let mut told = Vec::new();
        let mut progress = |p: super::super::Progress| {
            told.push(p.frames);
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        };
        CHUNK.set(Some(2000));
        TAKEN.with_borrow_mut(Vec::clear);
        let options = Options {
            jobs: 2,
            cancel: Some(&cancel),
            progress: Some(&mut progress),
            ..Options::default()
        };
        let a = analyze_files(std::slice::from_ref(&path), options).expect("a capture");
        CHUNK.set(None);
        let taken = TAKEN.with_borrow_mut(std::mem::take);
        assert_eq!(taken, ["whole"], "the first chunk, then the cancel");
        assert!(a.capture.cancelled);
        let files = &a.capture.files;
        assert_eq!(
            files[0].frames, a.capture.frames,
            "frames read are those analyzed"
        );
        assert!(
            a.capture.frames > 0 && !all.contains(&format!("\"packets\": {},", a.capture.frames))
        );
        assert!(
            told.windows(2).all(|w| w[0] <= w[1]),
            "progress runs on: {told:?}"
        );
        assert!(
            (a.capture.warnings.iter()).any(|w| w.starts_with("cancelled after")),
            "{:?}",
            a.capture.warnings
        );
    }

    /// A thread's reader begun again on chunk after chunk decodes each as a new reader does:
    /// the same packets and counts, the same repeat decisions of its first frames and the same
    /// repeat check's state at its end, whatever chunk it read before (chunks of a capture
    /// with repeats, read out of order, so that the state it begins again from is never a new
    /// one's).
    #[test]
    fn a_reader_begun_again_decodes_a_chunk_as_a_new_one() {
        let path = write("begun-again.pcap", &with_repeats());
        CHUNK.set(Some(1000));
        let source = FileSource::open(std::slice::from_ref(&path)).expect("a capture");
        let plan = Plan::of(&source, 2).expect("read by chunks");
        CHUNK.set(None);
        assert!(plan.chunks > 8, "{} chunks", plan.chunks);
        let shared = Shared::new(&plan);
        let seen = |c: &Chunk| {
            let packets: Vec<_> = (c.batches.iter())
                .flat_map(|b| b.packets().to_vec())
                .collect();
            let decided: Vec<bool> = c.opening.checked.iter().map(|x| x.repeat).collect();
            let counts = (
                c.info.frames,
                c.info.first_ts,
                c.info.last_ts,
                c.interface_frames,
            );
            (
                c.start,
                c.end,
                c.sound,
                packets,
                counts,
                decided,
                c.repeats.clone(),
            )
        };
        let mut kept = Scratch::default();
        let order = (0..plan.chunks).rev().chain([3, 1, 2, 0, 5]);
        for k in order {
            let again = Chunk::read(&plan, k, &shared, &mut kept).expect("a chunk");
            let new = Chunk::read(&plan, k, &shared, &mut Scratch::default()).expect("a chunk");
            assert!(!again.batches.is_empty(), "chunk {k}");
            assert!(seen(&again) == seen(&new), "chunk {k}");
        }
    }

    /// Each start between two chunks is guessed once for its two uses (one chunk's start and
    /// the end of the chunk before), by whichever thread comes first, then forgotten; two
    /// guessing at once leave nothing behind either.
    #[test]
    fn a_chunk_start_is_guessed_once_for_both_its_uses() {
        let guesses = Guesses::default();
        let made = std::cell::Cell::new(0);
        let guess = |at: u64| {
            made.set(made.get() + 1);
            Some(at)
        };
        assert_eq!(guesses.start(7, || guess(1000)), Some(1000));
        assert_eq!(
            guesses.start(7, || guess(2000)),
            Some(1000),
            "the first guess"
        );
        assert_eq!(made.get(), 1);
        assert_eq!(
            guesses.start(7, || guess(3000)),
            Some(3000),
            "forgotten once taken"
        );
        // The other use guessing while this one did: each its own, none kept.
        let both = guesses.start(9, || {
            assert_eq!(guesses.start(9, || Some(500)), Some(500));
            Some(500)
        });
        assert_eq!(both, Some(500));
        let left = guesses.0.lock().expect("not poisoned").len();
        assert_eq!(left, 1, "only chunk 7's last guess waits for its other use");
    }

    /// A file of too few chunks, and one job, are read as today.
    #[test]
    fn small_files_and_one_job_are_read_in_order() {
        let path = write("small.pcap", &with_repeats());
        let (_, taken) = report(&path, 2, None);
        assert!(taken.is_empty(), "{taken:?}");
        let (_, taken) = report(&path, 1, Some(500));
        assert!(taken.is_empty(), "{taken:?}");
    }

    /// The capture `bytes` cut into files at the records numbered `cuts` (each file its own
    /// header), as `tcpdump -C` cuts a capture: a rotated set.
    fn rotated(name: &str, bytes: &[u8], cuts: &[usize]) -> Vec<PathBuf> {
        let recs = records(bytes);
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(recs.len());
        (bounds.windows(2).enumerate())
            .map(|(i, w)| {
                let mut file = bytes[..24].to_vec();
                for r in &recs[w[0]..w[1]] {
                    file.extend_from_slice(r);
                }
                let suffix = if i == 0 { String::new() } else { i.to_string() };
                write(&format!("{name}.pcap{suffix}"), &file)
            })
            .collect()
    }

    /// The connections' first frames are numbers in the capture, not in the chunk that read
    /// them: a chunk's packets keep the numbers its reader gave them from the chunk's start,
    /// and the engine adds the frames before the chunk where it keeps one (the report's JSON
    /// has no such number but a suspect reset's, which this capture has none of).
    #[test]
    fn connections_keep_their_frame_numbers_in_the_capture_across_chunks() {
        let path = write("numbers.pcap", &with_repeats());
        let first_frames = |jobs, chunk| {
            CHUNK.set(chunk);
            let mut frames = Vec::new();
            let mut on_connection =
                |c: &ConnRecord, _: u8| frames.push((c.first_frame, c.orig, c.resp));
            let mut options = Options {
                jobs,
                on_connection: Some(&mut on_connection),
                ..Options::default()
            };
            options.engine.keep_connections = true;
            analyze_files(std::slice::from_ref(&path), options).expect("a capture");
            CHUNK.set(None);
            frames
        };
        let one = first_frames(1, Some(1000));
        let last = one.iter().map(|f| f.0).max().unwrap_or(0);
        assert!(one.len() > 20 && last > 200, "{one:?}");
        for chunk in [457, 1000, 3001] {
            assert_eq!(first_frames(2, Some(chunk)), one, "chunks of {chunk} bytes");
        }
    }

    /// A rotated set read by chunks, each file's in turn, gives the report of one thread, byte
    /// for byte, and the report of its packets as one file but for the files: cut between a
    /// frame and its repeat (the repeat check runs on across the files), at every chunk size;
    /// a set given out of its time order is read as today.
    #[test]
    fn a_rotated_set_by_chunks_gives_the_report_of_one_thread() {
        let capture = with_repeats();
        let n = records(&capture).len();
        // Record 2 is repeated as record 3 (every third TCP frame of the fixture, at once).
        let set = rotated("set", &capture, &[3, n / 3, n / 2, n / 2 + 1]);
        let one = write("set-one.pcap", &capture);
        let (single, _) = report(&one, 1, None);
        let without_files = |json: &str| {
            let mut v: serde_json::Value = serde_json::from_str(json).expect("JSON");
            v.as_object_mut().expect("an object").remove("files");
            v
        };
        let (in_order, taken) = report_of(&set, 1, Some(1000));
        assert!(taken.is_empty(), "one job reads in order");
        assert_eq!(without_files(&in_order), without_files(&single));
        let (mut whole, mut again) = (0, 0);
        for chunk in [300, 457, 1000, 2048, 3001] {
            let (two, taken) = report_of(&set, 2, Some(chunk));
            assert_eq!(two, in_order, "chunks of {chunk} bytes: {taken:?}");
            assert!(
                !taken.contains(&"rest"),
                "chunks of {chunk} bytes: {taken:?}"
            );
            whole += taken.iter().filter(|&&t| t == "whole").count();
            again += taken.iter().filter(|&&t| t == "again").count();
            assert_eq!(
                taken.iter().filter(|&&t| t == "end").count(),
                set.len(),
                "each file read to its end: {taken:?}"
            );
        }
        assert!(whole > 10 && again > 10, "{whole} whole, {again} again");
        // Out of time order: read as today, and the same report.
        let shuffled = [
            set[1].clone(),
            set[0].clone(),
            set[2].clone(),
            set[3].clone(),
        ];
        let (today, _) = report_of(&shuffled, 1, None);
        let (two, taken) = report_of(&shuffled, 2, Some(1000));
        assert!(taken.is_empty(), "{taken:?}");
        assert_eq!(two, today);
    }

    /// Bad input in a later file of a set (a record cut short, a corrupt record header), and a
    /// later file whose first frame comes before the last of the one before (the files overlap
    /// in time): read as with one thread, the same messages, offsets and partial results; the
    /// files before it by chunks, it and the rest in order.
    #[test]
    fn bad_input_in_a_later_file_of_a_set_reads_as_with_one_thread() {
        let capture = with_repeats();
        let n = records(&capture).len();
        let set = rotated("bad", &capture, &[n / 3, 2 * n / 3]);
        let middle = std::fs::read(&set[1]).expect("written");
        let cut = write("bad-cut.pcap1", &middle[..middle.len() - 7]);
        let mut corrupt = middle.clone();
        let at = 24
            + records(&middle)[..records(&middle).len() / 2]
                .iter()
                .map(|r| r.len())
                .sum::<usize>();
        corrupt[at + 8..at + 12].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
        let corrupt = write("bad-corrupt.pcap1", &corrupt);
        // The third file's first record a second before the second file's last.
        let mut early = std::fs::read(&set[2]).expect("written");
        let last_secs = {
            let recs = records(&middle);
            let last = recs.last().expect("records");
            u32::from_le_bytes(last[..4].try_into().expect("a time"))
        };
        early[24..28].copy_from_slice(&(last_secs - 1).to_le_bytes());
        let early = write("bad-early.pcap2", &early);
        for (name, files, says) in [
            ("cut", [set[0].clone(), cut, set[2].clone()], "cut short"),
            (
                "corrupt",
                [set[0].clone(), corrupt, set[2].clone()],
                "corrupt",
            ),
            ("overlapping", [set[0].clone(), set[1].clone(), early], ""),
        ] {
            let (one, _) = report_of(&files, 1, None);
            assert!(one.contains(says), "{name}: {one}");
            for chunk in [700, 1500] {
                let (two, taken) = report_of(&files, 2, Some(chunk));
                let differ: Vec<(&str, &str)> = (two.lines().zip(one.lines()))
                    .filter(|(a, b)| a != b)
                    .collect();
                assert_eq!(
                    two, one,
                    "{name}, chunks of {chunk} bytes: {taken:?}: {differ:?}"
                );
                assert!(
                    taken.contains(&"end") && taken.last() == Some(&"rest"),
                    "{name}: {taken:?}"
                );
            }
        }
    }
}
