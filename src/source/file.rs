//! Streaming pcap / pcapng reader: one or more capture files, each optionally compressed
//! (gzip, zstd, lz4, xz, bzip2) or in a zip archive (each capture in it an input), read as one
//! capture with their frames merged in time order.
//!
//! Memory stays bounded whatever the file size: each file is read through one buffer (128 KiB,
//! grown only for a record larger than that, up to [`MAX_RECORD`](crate::source::file::MAX_RECORD)) and a frame is borrowed
//! from that buffer, so the per-packet path neither copies nor allocates.
//!
//! pcap-parser's streaming readers own the buffer (refill, consume, grow) and parse the file
//! header, section headers and interface descriptions. The framing of records is done here,
//! before pcap-parser sees a block, for three reasons: its parsers report a length field that
//! points past a complete block as "incomplete", which would make a corrupt file look cut short
//! (checking lengths first tells truncation from corruption, with the byte offset); it collects
//! the options of every Enhanced Packet Block into a `Vec` (an allocation per packet for
//! pktmon and Wireshark files that comment each packet); and it does not know the obsolete
//! Packet Block. So packet records are decoded from their fixed fields here.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};

use super::{
    Archived, CapturedProcess, Compression, FileInfo, Format, Frame, FrameSink, InterfaceInfo,
    LinkType, PacketOptions, QuietSpells, STEP_BACK_TOLERANCE_NS, SourceError,
};
use crate::packet::Timestamp;
use compressed::Window;
use framing::{
    BOM, Head, Lengths, NgContext, NgFraming, OtherLayout, PcapFraming, SHB, Stop, StopKind,
    Stream, check_block_len, describe, read_failure, register_interface, u32_at,
};
use input::{Counting, Input, Prefixed, Shared, read_prefix};
use processes::{ProcessTable, Warnings};
use records::{Buffered, RecordFraming};
use stdin::Pipe;

pub use compressed::WINDOW_BUDGET;
pub use folder::MAX_FOLDER_FILES;
pub use processes::MAX_PROCESSES;
pub(crate) use processes::OptionList;
pub use records::{NETMON_MEDIA, SNOOP_LINK};

/// Where a record of a classic pcap starts, found from any offset: chunks read on their own.
pub(crate) mod chunks;
/// Decoders of compressed captures, told by their first bytes, their windows within a budget.
mod compressed;
/// A folder given as an input: its files, in the order their numbers run.
mod folder;
/// Record framing: lengths checked before parsing, packet records decoded by hand.
mod framing;
/// The byte stream under pcap-parser: counted, maybe decompressed, errors kept.
mod input;
/// Process information in pcapng files: Apple's process blocks, ptcpdump's packet comments.
mod processes;
/// Captures of other tools, framed record by record: Network Monitor `.cap` and snoop.
mod records;
/// Standard input as a capture: how long its read has waited, and a waiting read stopped.
pub mod stdin;
/// Unit tests on hand-built captures, plus a pass over the shared corpus when it is present.
#[cfg(test)]
mod tests;
/// A classic pcap damaged by a transfer in text mode, told once its reading stopped.
mod text_mode;
/// Captures inside zip archives: members listed, decompressed and CRC-checked as they are read.
mod zip;

/// The largest record (pcap record or pcapng block) accepted. A longer one is taken as corrupt:
/// no link layer has frames that large, and reading it would need a buffer that large.
pub const MAX_RECORD: usize = 256 << 20;

/// Buffer per file when few files are merged. 128 KiB rather than 1 MiB: each refill's copy out
/// of the page cache then passes a core's L2 without evicting the lines the reader and the
/// engine are using (2-11% less CPU by the clock on the shared 2-core machine, for 0.4% more
/// instructions in the refills: README's Benchmarks).
const BUFFER_SIZE: usize = 128 << 10;
/// Buffer per file when very many files are merged.
const MIN_BUFFER_SIZE: usize = 64 << 10;
/// The least buffer, for small files.
const SMALL_BUFFER_SIZE: usize = 4 << 10;
/// What the buffers of all merged files may take together before each gets less than
/// [`BUFFER_SIZE`] (rotated captures can be hundreds of files, all open at once for the merge).
const BUFFER_BUDGET: usize = 32 << 20;
/// The most captures read from one zip archive: each is read at once beside the others, with
/// its buffers and decoder, so a zip of many thousand tiny captures must not take them all.
const MAX_ZIP_CAPTURES: usize = 256;

/// One or more capture files read as one capture, frames merged in time order.
///
/// Each file keeps its next frame in its own buffer; the file whose frame is earliest is
/// delivered next (ties go to the file given first), so frames of one file keep their order.
pub struct FileSource {
    files: Vec<FileInfo>,
    problems: Vec<SourceError>,
    interfaces: Vec<InterfaceInfo>,
    processes: ProcessTable,
    /// Same index as `files`.
    readers: Vec<FileReader>,
    /// The files that hold a frame not yet delivered, by the time of that frame.
    queue: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// The file whose frame was delivered last: it advances on the next call, not before,
    /// because the delivered frame borrows its buffer.
    delivered: Option<usize>,
    /// Frames delivered so far.
    number: u64,
    /// Of `problems`, the one that ended the input that ended last, where that input is a
    /// pipe ([`FileSource::ended_by_cancel`]).
    last_end: Option<usize>,
    /// The files another file continues the capture of ([`FileSource::continue_capture`]):
    /// a rotated file has one successor.
    continued: Vec<usize>,
}

impl FileSource {
    /// Opens every file, checking that each is a capture. One file that cannot be opened or
    /// is not a capture at all fails; among several, such a file is a problem and the others
    /// are read (none read: no frames, and the problems say why). A compressed file whose decompression
    /// window is larger than its share of [`WINDOW_BUDGET`] (shared by the compressed inputs
    /// given together) is not read, and is a problem ([`SourceError::WindowTooLarge`]), not a
    /// failure: the other files are read.
    /// `-` is standard input, as `tcpdump -r -` and `tshark -r -` take it, so that
    /// `tcpdump -w - | rstscope analyze -` and `zcat x.pcap.gz | rstscope analyze -` work on
    /// every OS (Windows has no `/dev/stdin`).
    pub fn open(given: &[PathBuf]) -> Result<Self, SourceError> {
        Self::open_watched(given, OpenWatch::default())
    }

    /// [`FileSource::open`], telling `watch` of the comparisons of files that may be copies
    /// of each other, and stopping them at its cancel.
    pub fn open_watched(given: &[PathBuf], mut watch: OpenWatch<'_>) -> Result<Self, SourceError> {
        let mut source = Self::empty();
        // A folder is read as the files in it, those that are not captures named together.
        let (paths, mut folders) = read_folders(given, &mut source.problems)?;
        let paths = &paths[..];
        let buffer = buffer_size(paths.len());
        // Among several inputs, one that cannot be read (not a capture, missing, a folder) is
        // a problem, and the others are read, as a zip's other members are; when none is read,
        // those problems are why nothing could be.
        let several = given.len() > 1 || !folders.is_empty();
        // Every input is looked at before any is decompressed: the decoders' windows share one
        // budget, divided among the inputs that have one.
        let mut stdin_taken = false;
        let mut looked = Vec::with_capacity(paths.len());
        // A file given twice (`a.pcap a.pcap`, `./a.pcap` and `a.pcap`) was read twice, as
        // the same traffic captured at two points.
        let mut given_first = std::collections::HashMap::new();
        let canonical: Vec<Option<PathBuf>> = paths
            .iter()
            .map(|(path, _)| match is_stdin(path) {
                true => None,
                false => std::fs::canonicalize(path).ok(),
            })
            .collect();
        // The files on disk read so far (their index in `paths`), with their sizes.
        let mut on_disk: Vec<(usize, u64)> = Vec::new();
        // The copies not read, each with the file read in its place.
        let mut read_instead = std::collections::HashMap::new();
        for (n, (path, _)) in paths.iter().enumerate() {
            if let Some(file) = &canonical[n] {
                let first = *given_first.entry(file.clone()).or_insert(n);
                if first != n {
                    source.problems.push(SourceError::GivenTwice {
                        path: path.clone(),
                        first: paths[first].0.clone(),
                    });
                    continue;
                }
            }
            // A capture and its compressed copy given together (`day.pcap day.pcap.gz`, a
            // folder of both, as `gzip -k` leaves them) were read as the same traffic captured
            // at two points, every packet but the SYNs and resets counted twice.
            match compressed_copy_of(path, &canonical, paths, &mut watch) {
                Some((plain, Compared::Same)) => {
                    source.problems.push(SourceError::CompressedCopy {
                        path: path.clone(),
                        first: paths[plain].0.clone(),
                    });
                    continue;
                }
                Some((plain, Compared::CutShort)) => {
                    source.problems.push(SourceError::NotCompared {
                        path: path.clone(),
                        first: paths[plain].0.clone(),
                    });
                }
                Some((_, Compared::Different)) | None => {}
            }
            // So were two copies of one file under two names (`trace.pcapng` and `trace
            // (1).pcapng`, downloaded twice): files of the same size are compared, up to their
            // first byte that differs.
            let size = canonical[n]
                .as_ref()
                .and_then(|_| std::fs::metadata(path).ok())
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                // Empty files are each said to be empty.
                .filter(|&size| size > 0);
            if let Some(size) = size {
                let mut copied = None;
                for &(m, _) in on_disk.iter().filter(|&&(_, other)| other == size) {
                    match watch.same(path, &paths[m].0) {
                        Compared::Same => {
                            copied = Some(m);
                            break;
                        }
                        // Cancelled before the comparison ended (or began): whether it is a
                        // copy is not known, and the report says so rather than list both
                        // files, each with no frames, as if they were different.
                        Compared::CutShort => source.problems.push(SourceError::NotCompared {
                            path: path.clone(),
                            first: paths[m].0.clone(),
                        }),
                        Compared::Different => {}
                    }
                }
                if let Some(first) = copied {
                    read_instead.insert(path.clone(), paths[first].0.clone());
                    source.problems.push(SourceError::CopyOf {
                        path: path.clone(),
                        first: paths[first].0.clone(),
                    });
                    continue;
                }
                on_disk.push((n, size));
            }
            match look(path, &mut stdin_taken) {
                Ok(l) => looked.push((l, n)),
                // `-` twice is a mistake in the command, not a bad input.
                Err(error) if several && !is_stdin(path) => source.problems.push(error),
                Err(error) => return Err(error),
            }
        }
        // A compressed copy names the file read in its place: in a folder of `day.pcap`, `day
        // (1).pcap` and `day.pcap.gz`, the `.gz` is the same capture as `day (1).pcap`, read,
        // not as `day.pcap`, left out as its copy.
        for problem in &mut source.problems {
            if let SourceError::CompressedCopy { first, .. } = problem
                && let Some(read) = read_instead.get(first)
            {
                first.clone_from(read);
            }
        }
        let window = Window::shared_by(looked.iter().map(|(l, _)| l.windows).sum());
        for (Looked { path, found, .. }, n) in looked {
            let added = match found {
                Found::Zip(listing) => source.add_zip(path, &listing, paths.len(), window),
                Found::Stream { raw, size, pipe } => source.add(Opening {
                    path,
                    raw,
                    size,
                    pipe,
                    on_disk: size.is_some(),
                    // A small file needs no more buffer than its size.
                    buffer: size.map_or(buffer, |size| {
                        let size = usize::try_from(size).unwrap_or(usize::MAX);
                        buffer.min(size.max(SMALL_BUFFER_SIZE))
                    }),
                    archive: None,
                    recheck: None,
                    window,
                    base: 0,
                }),
            };
            let folder = paths[n].1.and_then(|f| folders.get_mut(f));
            match (added, folder) {
                (Ok(()), Some(folder)) => folder.read += 1,
                (Ok(()), None) => {}
                // A folder's readme or log beside its captures.
                (Err(SourceError::NotACapture { .. }), Some(folder)) => {
                    folder.skipped.push(file_name(path));
                }
                // Not read for its window: the other inputs are.
                (Err(refused @ SourceError::WindowTooLarge { .. }), _) => {
                    source.problems.push(refused);
                }
                (Err(error), _) if several => source.problems.push(error),
                (Err(error), _) => return Err(error),
            }
        }
        let a_folder = !folders.is_empty();
        for folder in folders {
            folder.tell(&mut source.problems);
        }
        // One folder given, and nothing in it read: the error is why, where there is one (no
        // capture in it, or its one capture unreadable). Where there are several (captures
        // empty or damaged, files that are not captures beside them), each is said, as of
        // files given by name: the first alone was (`analyze /tmp` said one of its empty files
        // was empty, and nothing of the rest).
        if a_folder && given.len() == 1 && source.files.is_empty() && source.problems.len() == 1 {
            return Err(source.problems.swap_remove(0));
        }
        Ok(source)
    }

    /// Reads a capture from any byte stream, e.g. standard input (`tcpdump -w - | rstscope`).
    /// `name` stands for the stream in messages; the size is unknown, so progress stays 0
    /// until the end.
    pub fn from_reader(name: PathBuf, reader: Box<dyn Read + Send>) -> Result<Self, SourceError> {
        let mut source = Self::empty();
        source.add(Opening {
            path: &name,
            raw: reader,
            size: None,
            on_disk: false,
            buffer: BUFFER_SIZE,
            archive: None,
            recheck: None,
            window: Window::alone(),
            base: 0,
            pipe: None,
        })?;
        Ok(source)
    }

    /// Opens a part of the classic pcap file `path` on its own: its file header `header`,
    /// then its bytes from `from`, where a record starts, to `to` (where the part ends), or to
    /// its end (`None`: the file read on from there, as a whole file's reading would, as it
    /// grows too). Offsets in its problems are the file's; its reading's counts are the part's
    /// until [`FileSource::carry_on`] gives those of the file before it.
    pub(crate) fn open_part(
        path: &Path,
        header: [u8; 24],
        from: u64,
        to: Option<u64>,
    ) -> Result<Self, SourceError> {
        let io_error = |source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let size = file.metadata().map_err(io_error)?.len();
        let mut source = Self::empty();
        source.add(Opening {
            path,
            raw: Box::new(Part {
                file,
                header,
                header_read: 0,
                at: from,
                to,
            }),
            size: Some(to.unwrap_or(size)),
            on_disk: to.is_none(),
            buffer: BUFFER_SIZE,
            archive: None,
            recheck: None,
            window: Window::alone(),
            base: from.saturating_sub(24),
            pipe: None,
        })?;
        Ok(source)
    }

    /// Takes `so_far` as what the reading of this source's one file counts, its interface's
    /// frames `interface_frames`, the frames before its next `number`: a part read after the
    /// file's earlier parts counts on from theirs ([`FileSource::open_part`]), and a file read
    /// by parts ends with their sum.
    pub(crate) fn carry_on(&mut self, so_far: &FileInfo, interface_frames: u64, number: u64) {
        if let Some(info) = self.files.first_mut() {
            info.take_counts(so_far);
        }
        if let Some(interface) = self.interfaces.first_mut() {
            interface.frames = interface_frames;
        }
        self.number = number;
    }

    /// Takes `read` as what the reading of this source's files (a rotated set of classic pcap
    /// files, each of one interface, read one after the other by parts) counts, the first
    /// file's interface's frames `interface_frames` (the set's: each later file continued it,
    /// as [`FileSource::continue_capture`] decides at each one's first frame); the files not
    /// in `read` are not read yet.
    pub(crate) fn carry_on_set(&mut self, read: &[FileInfo], interface_frames: u64) {
        for (info, so_far) in self.files.iter_mut().zip(read) {
            info.take_counts(so_far);
        }
        for interface in self.interfaces.iter_mut().take(read.len()) {
            if interface.file > 0 {
                interface.continues = Some(0);
                interface.frames = 0;
            } else {
                interface.frames = interface_frames;
            }
        }
        self.number = read.iter().map(|f| f.frames).sum();
    }

    /// The rest of a rotated set of classic pcap files (`set`: each one's path, file header
    /// and size) read one after the other, from byte `from` of file `at` on, as its reading
    /// in order would go on: the files before it read (`read`, their counts), file `at`'s
    /// reading so far `so_far`, the set's interface's frames so far `interface_frames` (see
    /// [`FileSource::carry_on_set`]). The files keep their places (the frames not decoded, the
    /// SYNs and resets of files given together are told by file), the files after it open
    /// whole, each one's first frame deciding whether it continues the capture as it does in
    /// a reading in order, and their problems are those of that reading.
    pub(crate) fn open_rest(
        set: &[(PathBuf, [u8; 24], u64)],
        at: usize,
        from: u64,
        read: &[FileInfo],
        so_far: &FileInfo,
        interface_frames: u64,
    ) -> Result<Self, SourceError> {
        let mut source = Self::empty();
        for (i, (path, header, size)) in set.iter().enumerate() {
            // The files read: at their end (they delivered their frames), nothing left.
            let (start, to) = match i.cmp(&at) {
                std::cmp::Ordering::Less => (*size, Some(*size)),
                std::cmp::Ordering::Equal => (from, None),
                std::cmp::Ordering::Greater => (24, None),
            };
            let part = Self::open_part(path, *header, start, to)?;
            source.add_part(part);
        }
        let mut before: Vec<FileInfo> = read.to_vec();
        if so_far.frames > 0 {
            before.push(so_far.clone());
        }
        source.carry_on_set(&before, interface_frames);
        if so_far.frames > 0 {
            // File `at` continues the capture from its own frames read before.
            if at > 0
                && let Some(reader) = source.readers.get_mut(at)
            {
                reader.deliver_as(at as u32, 0);
            }
        } else if at > 0 {
            // Its first frame comes after the frames of the files before: the file that gave
            // the last of them is the one it may continue (its reader has ended).
            source.delivered = Some(at - 1);
        }
        Ok(source)
    }

    /// Takes the one file of `part` ([`FileSource::open_part`]) as this source's next.
    fn add_part(&mut self, mut part: FileSource) {
        let index = self.files.len();
        let base = self.interfaces.len() as u32;
        for mut interface in part.interfaces.drain(..) {
            interface.id += base;
            interface.file = index;
            self.interfaces.push(interface);
        }
        for (mut info, mut reader) in part.files.drain(..).zip(part.readers.drain(..)) {
            // Its interface numbered on from those before.
            reader.renumber(base);
            if let Some(head) = reader.head {
                self.queue.push(Reverse((head.ts, index)));
            }
            info.open_at_start.clear();
            self.files.push(info);
            self.readers.push(reader);
        }
        self.problems.append(&mut part.problems);
    }

    /// Ends the reading of this source's one file with another reading's problems (the part
    /// that read its end: [`FileSource::open_part`]).
    pub(crate) fn take_problems(&mut self, problems: Vec<SourceError>) {
        self.problems = problems;
    }

    /// Takes the source's problems out, for [`FileSource::take_problems`].
    pub(crate) fn problems_taken(&mut self) -> Vec<SourceError> {
        std::mem::take(&mut self.problems)
    }

    /// The next frame in time order, or `None` at the end of every file. A file that turns
    /// out truncated or corrupt ends early; its error is kept in [`FileSource::problems`].
    pub fn next_frame(&mut self) -> Option<Frame<'_>> {
        self.next_frame_of_file().map(|(frame, _)| frame)
    }

    /// [`FileSource::next_frame`], with the file that holds it (an index into
    /// [`FileSource::files`]).
    pub fn next_frame_of_file(&mut self) -> Option<(Frame<'_>, usize)> {
        let previous = self.delivered.take();
        let index = match previous {
            // The file just delivered usually holds the next frame too (one file, or rotated
            // files that do not overlap): it goes on without passing through the queue unless
            // another file's frame comes first (ties: the file given first), as a push and a
            // pop would decide.
            Some(index) => match self.advance(index) {
                Some(ts) => match self.queue.peek_mut() {
                    Some(mut top) if top.0 < (ts, index) => {
                        std::mem::replace(&mut *top, Reverse((ts, index))).0.1
                    }
                    _ => index,
                },
                None => self.queue.pop()?.0.1,
            },
            None => self.queue.pop()?.0.1,
        };
        self.delivered = Some(index);
        if self.files.get(index)?.frames == 0 {
            let ts = self.readers.get(index)?.head?.ts;
            self.first_frame_of(index, ts);
        }
        let head = self.readers.get(index)?.head?;
        self.number += 1;
        if let Some(info) = self.files.get_mut(index) {
            info.frames += 1;
            if let Some(prev) = info.last_ts {
                info.note_time(info.frames, prev, head.ts);
            }
            info.last_ts = Some(head.ts);
            info.quiet.frame(head.ts);
        }
        let reader = self.readers.get(index)?;
        if let Some(interface) = self.interfaces.get_mut(head.interface as usize) {
            interface.frames += 1;
        }
        let frame = Frame {
            ts: head.ts,
            number: self.number,
            link_type: head.link_type,
            interface: head.interface,
            data: reader.frame_bytes(),
            orig_len: head.orig_len,
            direction: head.meta.direction,
            process: head.meta.process,
            effective_process: head.meta.effective,
            packet_id: head.meta.packet_id,
            dropped: head.meta.dropped,
            options: reader.frame_options(),
        };
        Some((frame, index))
    }

    /// The file whose frame was delivered last, whose frames [`FileSource::frame_run`]
    /// delivers.
    pub fn delivering(&self) -> Option<usize> {
        self.delivered
    }

    /// Whether more of the input being read comes within `wait`: false only where that input
    /// is a pipe (standard input, a named pipe) that stays empty that long. Files on disk, and
    /// pipes that cannot be asked, say true.
    pub fn input_within(&self, wait: Duration) -> bool {
        (self.reading_pipe()).is_none_or(|pipe| pipe.comes_within(wait).unwrap_or(true))
    }

    /// The pipe being read (standard input, a named pipe), which may give its bytes slowly.
    fn reading_pipe(&self) -> Option<&Pipe> {
        let reader = self.readers.get(self.delivered?)?;
        reader.stream.shared.pipe()
    }

    /// The input being read is a pipe (standard input, a named pipe): [`FileSource::input_within`]
    /// can tell whether more of it came.
    pub fn reading_a_pipe(&self) -> bool {
        self.reading_pipe().is_some()
    }

    /// Hands `each` up to `limit` further frames of the file that delivered the last frame,
    /// as [`FileSource::next_frame`] would deliver them, for as long as they are pcap records
    /// or pcapng packet blocks lying whole in its buffer and stay the earliest of all files;
    /// returns how many. 0 sends the caller to `next_frame`, which reads more, takes other
    /// blocks, changes files, or says why not.
    ///
    /// The bulk of a file goes this way: each frame then costs the framing of its record,
    /// where `next_frame` also moves the reader, its bookkeeping and the merge. Inlined into
    /// its caller, whose loop over runs it is.
    #[inline(always)]
    pub fn frame_run(&mut self, limit: u64, each: impl FrameSink) -> u64 {
        let Some(index) = self.delivered else {
            return 0;
        };
        let (Some(reader), Some(info)) = (self.readers.get_mut(index), self.files.get_mut(index))
        else {
            return 0;
        };
        let FileReader {
            container: Some(container),
            head: Some(first),
            framed: None,
            warnings,
            ..
        } = reader
        else {
            return 0;
        };
        // Network Monitor and snoop records go one by one, through `next_frame`.
        if matches!(container, Container::Records(..)) {
            return 0;
        }
        // Records of old pcap versions (lengths in the old order) go one by one: the loop
        // below stays as short as the usual record needs.

        let mut run = Run {
            // Frames of other files that come first end it (ties go to the file given first).
            bound: self.queue.peek().map(|top| top.0),
            file: index,
            number: self.number,
            limit,
            interfaces: &mut self.interfaces,
            quiet: std::mem::take(&mut info.quiet),
            stopped_at: None,
            steps_back: (0, None),
        };
        // One loop for each format, each with its framing inlined.
        let (at, last, n) = match container {
            Container::Pcap(r, framing) => {
                let data = r.data();
                // The byte order chosen once: a loop for each, and for the little-endian
                // files' usual link type, Ethernet, one more, whose frames say so as a
                // constant: the decoder's and the repeat check's tests of the link type fold
                // away in it.
                let (at, last, n) = if framing.big_endian {
                    run.pcap_frames::<true, false>(data, *first, *framing, each)
                } else if framing.link_type == LinkType::ETHERNET {
                    run.pcap_frames::<false, true>(data, *first, *framing, each)
                } else {
                    run.pcap_frames::<false, false>(data, *first, *framing, each)
                };
                r.consume_noshift(at);
                // One interface: its frames counted once for the run.
                if let Some(interface) = run.interfaces.get_mut(framing.interface as usize) {
                    interface.frames += n;
                }
                (at, last, n)
            }
            Container::Pcapng(r, framing) => {
                let (data, consumed) = (r.data(), r.consumed());
                let processes = &mut self.processes;
                let problems = &mut self.problems;
                // A little-endian section whose interfaces are all Ethernet (what Wireshark
                // and dumpcap write on most machines) has a loop of its own, as a classic pcap
                // file of Ethernet has: its frames go to the sink inlined and carry the link
                // type as a constant. A run ends at the next block that is not a packet, so
                // the section's interfaces stay as they are for the run.
                let (at, last, n) = if framing.little_endian_ethernet() {
                    run.frames::<true>(data, *first, each, |rest, at| {
                        let offset = (consumed + at) as u64;
                        framing.whole_packet_as::<false>(rest, offset, processes, warnings)
                    })
                } else {
                    run.frames::<false>(data, *first, each, |rest, at| {
                        let offset = (consumed + at) as u64;
                        framing.whole_packet(rest, offset, processes, warnings)
                    })
                };
                r.consume_noshift(at);
                // What the run's packet blocks' options said, in their order, once the run
                // ends rather than looked for after each frame: nothing else adds a problem
                // meanwhile, and the warnings' cap counts them as they come.
                take_warnings(warnings, problems, info);
                learn_indexes(run.interfaces, processes);
                (at, last, n)
            }
            Container::Records(..) => (0, *first, 0),
        };
        // The record after the last one delivered, when framed, is not framed again.
        reader.framed = run.stopped_at;
        info.quiet = run.quiet;
        if n == 0 {
            debug_assert_eq!(at, 0);
            return 0;
        }
        // As if `next_frame` had delivered the last of them: the records before it consumed.
        *first = last;
        reader.last_ts = last.ts;
        self.number += n;
        if let (steps, Some((k, ts, prev))) = run.steps_back {
            info.note_time(info.frames + k, prev, ts);
            info.steps_back += steps - 1;
        }
        info.frames += n;
        info.last_ts = Some(last.ts);
        info.bytes_read = reader.stream.shared.bytes() + reader.stream.base;
        n
    }

    /// The input files, with progress.
    pub fn files(&self) -> &[FileInfo] {
        &self.files
    }

    /// Problems met while reading (truncation, corruption), in the order they occurred.
    pub fn problems(&self) -> &[SourceError] {
        &self.problems
    }

    /// For a reader whose input ended after the user cancelled: a pipe's end inside a record
    /// is then the cancel's, not a capture cut short, and is no longer a problem. Ctrl+C on
    /// `zcat x.gz | rstscope analyze -` interrupts `zcat` too, which stops wherever it was;
    /// the reader meets the end of the pipe, most often before it looks at the flag. Only
    /// the end of the input that ended last, which ended the reading, is taken back; a file
    /// on disk that ends inside a record was cut short, cancel or not.
    pub fn ended_by_cancel(&mut self) {
        if let Some(at) = self.last_end.take()
            && matches!(self.problems.get(at), Some(SourceError::Truncated { .. }))
        {
            self.problems.remove(at);
        }
    }

    /// The capture interfaces met so far, indexed by [`Frame::interface`]. pcapng files can
    /// describe interfaces anywhere, so this list grows while reading.
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.interfaces
    }

    /// The processes the input names so far (pcapng process blocks, packet comments), indexed
    /// by [`Frame::process`]. Grows while reading, never reorders; at most
    /// [`MAX_PROCESSES`] entries.
    pub fn processes(&self) -> &[CapturedProcess] {
        self.processes.entries()
    }

    /// The bodies of the rstscope host blocks read so far (what a live capture's machine said,
    /// saved with it: [`RSTSCOPE_HOST`](crate::source::pcapng::RSTSCOPE_HOST)), in the order
    /// read; [`crate::host::recorded`] reads them.
    pub fn recorded_host(&self) -> &[Vec<u8>] {
        self.processes.recorded()
    }

    /// Where each of [`FileSource::recorded_host`] was read: its file (index into
    /// [`FileSource::files`]) and pcapng section, as [`InterfaceInfo`] names them. A file
    /// that is several captures appended together (`cat a.pcapng b.pcapng`) has a section,
    /// and a host block, for each.
    pub fn recorded_host_at(&self) -> &[(usize, u32)] {
        self.processes.recorded_at()
    }

    /// Distinct processes met after [`FileSource::processes`] was full, and so not kept.
    pub fn processes_not_kept(&self) -> u64 {
        self.processes.not_kept()
    }

    /// Each link type met so far with the number of frames delivered on it, by link type.
    pub fn link_types(&self) -> Vec<(LinkType, u64)> {
        let mut out: Vec<(LinkType, u64)> = Vec::new();
        for interface in &self.interfaces {
            match out.iter_mut().find(|(lt, _)| *lt == interface.link_type) {
                Some((_, frames)) => *frames += interface.frames,
                None => out.push((interface.link_type, interface.frames)),
            }
        }
        out.sort_unstable();
        out
    }

    /// The fraction of the input read so far, from 0 to 1, over the bytes on disk
    /// (compressed bytes for compressed files). A file that has ended counts as read in full.
    pub fn progress(&self) -> f64 {
        let mut total = 0u64;
        let mut done = 0u64;
        for (info, reader) in self.files.iter().zip(&self.readers) {
            total = total.saturating_add(info.size);
            let read = if reader.ended() {
                info.size
            } else {
                info.bytes_read.min(info.size)
            };
            done = done.saturating_add(read);
        }
        if total == 0 {
            let all_ended = self.readers.iter().all(FileReader::ended);
            return if all_ended { 1.0 } else { 0.0 };
        }
        done as f64 / total as f64
    }

    /// Notes the first frame of file `index`, at `ts`, which files were being read then, and
    /// whether this file continues the capture of one that has ended
    /// ([`FileSource::continued_file`], [`FileSource::continue_capture`]).
    #[cold]
    fn first_frame_of(&mut self, index: usize, ts: Timestamp) {
        let open: Vec<usize> = (self.files.iter().zip(&self.readers))
            .enumerate()
            .filter(|&(i, (info, reader))| i != index && info.frames > 0 && !reader.ended())
            .map(|(i, _)| i)
            .collect();
        if let Some(earlier) = self.continued_file(index, open.is_empty()) {
            self.continue_capture(earlier, index);
        }
        if let Some(info) = self.files.get_mut(index) {
            info.first_ts = Some(ts);
            info.open_at_start = open;
        }
    }

    /// File `later`, whose first frame comes after every frame of the files before it (the
    /// last of them `earlier`'s, which has ended), continues `earlier`'s capture where it
    /// describes the interfaces of `earlier`'s last capture (its last pcapng section or pcap
    /// part) alike, one for one ([`InterfaceInfo::same_point`]): a rotated set, each file
    /// beginning where the one before ended. Its frames are then delivered as those
    /// interfaces' ([`InterfaceInfo::continues`]), so that the set is one capture point, as
    /// its packets read as one file are: one interface in the report, offenders not "seen on"
    /// each file, the repeat check and the copy check running on across the files. Files that
    /// overlap in time (two interfaces captured at once, `eth0.pcap` and `lo.pcap`) are not
    /// continued: each stays a capture point of its own ([`FileSource::continued_file`]).
    fn continue_capture(&mut self, earlier: usize, later: usize) {
        let Some(pairs) = self.continued_pairs(earlier, later) else {
            return;
        };
        self.continued.push(earlier);
        for (from, to) in pairs {
            let names = match self.interfaces.get_mut(from as usize) {
                Some(i) => {
                    i.continues = Some(to);
                    std::mem::take(&mut i.index_names)
                }
                None => continue,
            };
            if let Some(kept) = self.interfaces.get_mut(to as usize) {
                for (index, name) in names {
                    if !kept.index_names.iter().any(|(i, _)| *i == index) {
                        kept.index_names.push((index, name));
                    }
                }
            }
            if let Some(reader) = self.readers.get_mut(later) {
                reader.deliver_as(from, to);
            }
        }
    }

    /// The file whose capture file `later` continues, if any: of the files that have ended
    /// and have no successor yet, one whose last capture's interfaces `later` describes alike
    /// ([`InterfaceInfo::same_point`]). Where `later` begins `alone` (no other file being read)
    /// and one such file is there, that one: a rotated set, whatever its files are called.
    /// Otherwise (two rotated sets captured at once, `tcpdump -i eth0 -G 3600 -w eth0-%H.pcap`
    /// beside `-i lo ... -w lo-%H.pcap`, given together), the one of them whose name is
    /// `later`'s but for its digits (`eth0-03.pcap` after `eth0-02.pcap`, `eth0.pcap1` after
    /// `eth0.pcap`; not `lo-02.pcap`) and shares the longest start with it (`eth0-01.pcap`,
    /// not `eth1-01.pcap`), or where the interfaces have names of their own (a pcapng's
    /// `if_name`), which tell the capture points apart already, the one such file. Two files
    /// equally near: which one it continues is not told, and it stays a capture point of its
    /// own.
    fn continued_file(&self, later: usize, alone: bool) -> Option<usize> {
        let alike: Vec<usize> = (0..self.files.len())
            .filter(|&earlier| {
                earlier != later
                    && self.files[earlier].frames > 0
                    && self.readers.get(earlier).is_some_and(FileReader::ended)
                    && !self.continued.contains(&earlier)
                    && self.continued_pairs(earlier, later).is_some()
            })
            .collect();
        if let [earlier] = alike[..]
            && alone
        {
            return Some(earlier);
        }
        let named = (self.interfaces.iter())
            .filter(|i| i.file == later)
            .all(|i| i.name.as_deref().is_some_and(|n| !n.is_empty()));
        if named {
            let mut alike = alike.into_iter();
            let earlier = alike.next()?;
            return alike.next().is_none().then_some(earlier);
        }
        let name = |file: usize| {
            (self.files.get(file)?.path.file_name()).map(|n| n.to_string_lossy().into_owned())
        };
        let later_name = name(later)?;
        let stem = |name: &str| name.replace(|c: char| c.is_ascii_digit(), "");
        // Of the same name but for the digits, the one sharing the longest start with it:
        // `eth0-02.pcap` continues `eth0-01.pcap`, not `eth1-01.pcap`.
        let shared = |earlier: &str| {
            (earlier.chars().zip(later_name.chars()))
                .take_while(|(a, b)| a == b)
                .count()
        };
        let mut same: Vec<(usize, usize)> = (alike.into_iter())
            .filter_map(|earlier| {
                let earlier_name = name(earlier)?;
                (stem(&earlier_name) == stem(&later_name)).then(|| (shared(&earlier_name), earlier))
            })
            .collect();
        same.sort_unstable_by(|a, b| b.cmp(a));
        match same[..] {
            [(_, earlier)] => Some(earlier),
            [(most, earlier), (next, _), ..] if most > next => Some(earlier),
            _ => None,
        }
    }

    /// What [`FileSource::continue_capture`] delivers file `later`'s interfaces as (each
    /// interface, the one it continues), where `later` continues `earlier`'s capture.
    fn continued_pairs(&self, earlier: usize, later: usize) -> Option<Vec<(u32, u32)>> {
        let last_section = (self.interfaces.iter())
            .filter(|i| i.file == earlier)
            .map(|i| i.section)
            .max();
        let before: Vec<&InterfaceInfo> = (self.interfaces.iter())
            .filter(|i| i.file == earlier && Some(i.section) == last_section)
            .collect();
        let after: Vec<&InterfaceInfo> = (self.interfaces.iter())
            .filter(|i| i.file == later)
            .collect();
        let alike = !after.is_empty()
            && after.len() == before.len()
            && (before.iter().zip(&after))
                .all(|(b, a)| a.section == 0 && a.local_id == b.local_id && b.same_point(a));
        // Network Monitor and snoop files number their interfaces by media type as met: not
        // continued.
        let framed = matches!(
            self.readers.get(later).and_then(|r| r.container.as_ref()),
            Some(Container::Pcap(..) | Container::Pcapng(..))
        );
        if !alike || !framed {
            return None;
        }
        Some(
            (before.iter().zip(&after))
                .map(|(b, a)| (a.id, b.continues.unwrap_or(b.id)))
                .collect(),
        )
    }

    fn empty() -> Self {
        Self {
            files: Vec::new(),
            problems: Vec::new(),
            interfaces: Vec::new(),
            processes: ProcessTable::default(),
            readers: Vec::new(),
            queue: BinaryHeap::new(),
            delivered: None,
            number: 0,
            last_end: None,
            continued: Vec::new(),
        }
    }

    /// Opens the captures in the zip archive at `path`, which `listing` lists, one input each,
    /// beside the other `inputs - 1` inputs given, each decoder within `window`. Its other
    /// members are skipped, and named in a problem; one that cannot be read is a problem too,
    /// unless no member is a capture, when the first such is the error.
    fn add_zip(
        &mut self,
        path: &Path,
        listing: &zip::Listing,
        inputs: usize,
        window: Window,
    ) -> Result<(), SourceError> {
        let members: Vec<&zip::Entry> = listing.entries.iter().filter(|e| !e.is_folder()).collect();
        let buffer = buffer_size(inputs.saturating_sub(1) + members.len().min(MAX_ZIP_CAPTURES));
        let (mut opened, mut skipped, mut problems) = (0, Vec::new(), Vec::new());
        let (mut left_out, mut repeated) = (Vec::new(), Vec::new());
        let mut places = std::collections::HashSet::new();
        for entry in members {
            // Entries of the directory at one local header are one member listed again (a
            // damaged archive, or one made to look larger than it is): read again, it would
            // count as a second capture of the same traffic, and cost a reader each time.
            if !places.insert(entry.place()) {
                repeated.push(entry.name.clone());
                continue;
            }
            if opened == MAX_ZIP_CAPTURES {
                left_out.push(entry.name.clone());
                continue;
            }
            let name = member_path(path, &entry.name);
            let member = match zip::open_member(path, entry, window) {
                Ok(Ok(member)) => member,
                Ok(Err(why)) => {
                    problems.push(unreadable(name, &why));
                    continue;
                }
                Err(source) => {
                    problems.push(SourceError::Io { path: name, source });
                    continue;
                }
            };
            let method = entry.method().map_or("", zip::Method::name);
            let size = entry.size();
            let small = size.map_or(buffer, |s| usize::try_from(s).unwrap_or(usize::MAX));
            let opening = Opening {
                path: &name,
                raw: Box::new(member),
                size,
                on_disk: false,
                buffer: buffer.min(small.max(SMALL_BUFFER_SIZE)),
                archive: Some(Archived {
                    archive: path.to_path_buf(),
                    member: entry.name.clone(),
                    method,
                }),
                recheck: Some(recheck(path, entry, window)),
                window,
                base: 0,
                pipe: None,
            };
            match self.add(opening) {
                Ok(()) => opened += 1,
                Err(SourceError::NotACapture { .. }) => skipped.push(entry.name.clone()),
                // A capture of another format (a pktmon .etl) says how to convert it.
                Err(problem) => problems.push(problem),
            }
        }
        if !left_out.is_empty() {
            problems.push(SourceError::ArchiveMember {
                path: path.to_path_buf(),
                what: format!(
                    "only the first {MAX_ZIP_CAPTURES} captures in the archive are read (each is \
                     read at once beside the others), not the members after them: {}",
                    super::names(&left_out)
                ),
                todo: "extract the archive and open its captures a few hundred at a time",
            });
        }
        if !repeated.is_empty() {
            problems.push(SourceError::ArchiveMember {
                path: path.to_path_buf(),
                what: format!(
                    "the archive's list of members puts these at the place of a member listed \
                     before them, whose data they would read again, and they are not read: {} \
                     (the archive is damaged)",
                    super::names(&repeated)
                ),
                todo: "copy the whole archive again",
            });
        }
        if let Some(lost) = lost_members(path, listing) {
            problems.push(lost);
        }
        let refused = |p: &SourceError| matches!(p, SourceError::WindowTooLarge { .. });
        // Captures refused for their windows are no error of the archive: the other inputs
        // are read.
        if opened == 0 && !problems.iter().any(refused) {
            let mut problems = problems.into_iter();
            return Err(problems.next().unwrap_or(SourceError::NoCaptureInArchive {
                path: path.to_path_buf(),
                members: skipped,
            }));
        }
        if !skipped.is_empty() {
            self.problems.push(SourceError::SkippedMembers {
                path: path.to_path_buf(),
                members: skipped,
            });
        }
        self.problems.extend(problems);
        Ok(())
    }

    /// Opens one input and loads its first frame.
    fn add(&mut self, opening: Opening<'_>) -> Result<(), SourceError> {
        let index = self.files.len();
        let (info, reader, problem) =
            open_input(opening, index, &mut self.interfaces, &mut self.problems)?;
        self.files.push(info);
        self.readers.push(reader);
        match problem {
            Some(stop) => {
                let stop = self.readers[index].explain(stop);
                self.problems.push(stop.into_error(&self.files[index]));
                self.last_end = (self.readers[index].stream.piped).then(|| self.problems.len() - 1);
            }
            None => {
                if let Some(ts) = self.advance(index) {
                    self.queue.push(Reverse((ts, index)));
                }
            }
        }
        Ok(())
    }

    /// Moves file `index` to its next frame and returns its time, for the caller to queue;
    /// at its end, records why it ended and returns `None`.
    fn advance(&mut self, index: usize) -> Option<Timestamp> {
        let (reader, info) = (self.readers.get_mut(index)?, self.files.get_mut(index)?);
        let result = reader.advance(&mut self.interfaces, &mut self.processes, index);
        learn_indexes(&mut self.interfaces, &mut self.processes);
        info.bytes_read = reader.stream.shared.bytes() + reader.stream.base;
        info.recorded = reader.recorded;
        info.lost = reader.lost;
        take_warnings(&mut reader.warnings, &mut self.problems, info);
        match result {
            Ok(Some(ts)) => Some(ts),
            Ok(None) => {
                self.last_end = None;
                info.simple_packets = reader.simple_packets;
                None
            }
            Err(stop) => {
                info.simple_packets = reader.simple_packets;
                let stop = reader.explain(stop);
                self.problems.push(stop.into_error(info));
                self.last_end = reader.stream.piped.then(|| self.problems.len() - 1);
                None
            }
        }
    }
}

/// Interface indexes named per interface at most: a machine has far fewer; a file naming more
/// is broken or hostile, and the rest are left unnamed (`ifN`).
const MAX_INDEX_NAMES: usize = 4096;

/// Adds the interface indexes packets' comments named (an interface rstscope met after its
/// capture began) to their interfaces' names.
#[inline(always)]
fn learn_indexes(interfaces: &mut [InterfaceInfo], processes: &mut ProcessTable) {
    if processes.indexes_learned.is_empty() {
        return;
    }
    for (id, names) in processes.indexes_learned.drain(..) {
        let Some(info) = interfaces.get_mut(id as usize) else {
            continue;
        };
        for (index, name) in names {
            match info.index_names.binary_search_by_key(&index, |(i, _)| *i) {
                Ok(at) => info.index_names[at].1 = name,
                Err(at) if info.index_names.len() < MAX_INDEX_NAMES => {
                    info.index_names.insert(at, (index, name));
                }
                Err(_) => {}
            }
        }
    }
}

/// Moves the problems `warnings` holds, met in the file `info` describes, to `problems`.
#[inline(always)]
fn take_warnings(warnings: &mut Warnings, problems: &mut Vec<SourceError>, info: &FileInfo) {
    if !warnings.list.is_empty()
        || !warnings.notes.is_empty()
        || (warnings.zip_rest.as_ref()).is_some_and(|z| z.rest.get().is_some())
    {
        move_warnings(warnings, problems, info);
    }
}

#[cold]
fn move_warnings(warnings: &mut Warnings, problems: &mut Vec<SourceError>, info: &FileInfo) {
    if let Some(z) = warnings.zip_rest.take_if(|z| z.rest.get().is_some())
        && let Some(rest) = z.rest.get()
        && let Some(error) = left_out(&z.archive, &z.read, rest)
    {
        problems.push(error);
    }
    for (offset, what) in warnings.list.drain(..) {
        problems.push(SourceError::BadOption {
            path: info.path.clone(),
            offset,
            what,
        });
    }
    for (offset, what) in warnings.notes.drain(..) {
        problems.push(SourceError::FormatNote {
            path: info.path.clone(),
            offset,
            what,
        });
    }
}

/// The buffer each of `files` merged files gets.
fn buffer_size(files: usize) -> usize {
    (BUFFER_BUDGET / files.max(1)).clamp(MIN_BUFFER_SIZE, BUFFER_SIZE)
}

/// One input file: its pcap-parser reader, the framing state for its format, its next frame.
struct FileReader {
    /// `None` once the file has ended (its buffer and file handle are freed then).
    container: Option<Container>,
    stream: Stream,
    head: Option<Head>,
    /// The record after `head`, when a run of frames framed it and stopped there because
    /// another file's frame comes first: framing it again would take its options twice.
    framed: Option<Head>,
    /// Time of the last frame read: the time of a Simple Packet Block, which has none.
    last_ts: Timestamp,
    /// Problems that do not end the file, until [`FileSource`] takes them.
    warnings: Warnings,
    /// See [`FileInfo::recorded`]: kept here, as the statistics blocks come after the last
    /// packet, when the reader is about to end.
    recorded: Option<(Timestamp, Timestamp)>,
    /// See [`FileInfo::lost`]: kept here as `recorded` is.
    lost: u64,
    /// See [`FileInfo::simple_packets`]: counted by the pcapng framing, told at the end.
    simple_packets: u64,
    /// For a zip member: reads it again whole to its CRC-32 check, and says why it fails.
    recheck: Option<Recheck>,
    /// A classic pcap (whose damage by a transfer in text mode [`FileReader::explain`] looks
    /// for).
    pcap: bool,
}

/// See [`FileReader::recheck`].
type Recheck = Box<dyn Fn() -> Option<String> + Send>;

/// [`QuietSpells::SECS`] in nanoseconds.
const QUIET_NS: i64 = QuietSpells::SECS * Timestamp::NANOS_PER_SEC;

/// A run of frames of one file: see [`FileSource::frame_run`].
struct Run<'a> {
    /// The earliest frame of the other files.
    bound: Option<(Timestamp, usize)>,
    file: usize,
    /// Frames delivered before the run.
    number: u64,
    limit: u64,
    interfaces: &'a mut Vec<InterfaceInfo>,
    /// The file's quiet spells, taken out of its [`FileInfo`] for the run.
    quiet: QuietSpells,
    /// The record framed and left because another file's frame comes first.
    stopped_at: Option<Head>,
    /// Frames of the run whose time stepped back (see [`FileInfo::steps_back`]), and the
    /// first: its place in the run, from 1, its time and the time of the frame before it.
    steps_back: (u64, Option<(u64, Timestamp, Timestamp)>),
}

impl Run<'_> {
    /// Frames the pcapng blocks after `first` (the block delivered last, at the start of
    /// `data`), each with `whole` (given the bytes from the block on and its offset in
    /// `data`), and hands them to `each`: returns the offset and head of the last one and
    /// how many. `ETHERNET`: the section is little-endian and all its interfaces are
    /// Ethernet; its frames say so as a constant and go to [`FrameSink::frame_of_run`],
    /// inlined, the others' to [`FrameSink::frame_called`].
    #[inline(always)]
    fn frames<const ETHERNET: bool>(
        &mut self,
        data: &[u8],
        first: Head,
        mut each: impl FrameSink,
        mut whole: impl FnMut(&[u8], usize) -> Option<Head>,
    ) -> (usize, Head, u64) {
        let (mut at, mut last, mut n) = (0, first, 0);
        // The frames are counted on their interface by spans of one interface (most files
        // have one), each span's count added to it once: not read and written back in the
        // interface's record every frame.
        let (mut counting, mut counted) = (first.interface, 0);
        while n < self.limit {
            let next = at + last.record_len;
            let Some(head) = whole(data.get(next..).unwrap_or_default(), next) else {
                break;
            };
            if self.bound.is_some_and(|b| b < (head.ts, self.file)) {
                self.stopped_at = Some(head);
                break;
            }
            if head.ts.0 < last.ts.0.saturating_sub(STEP_BACK_TOLERANCE_NS) {
                // Rare: the file is not in time order. Told per file when the run ends.
                self.steps_back.0 += 1;
                self.steps_back.1.get_or_insert((n + 1, head.ts, last.ts));
            }
            (at, last) = (next, head);
            n += 1;
            self.quiet.frame(head.ts);
            if head.interface != counting {
                self.count_frames(counting, counted);
                (counting, counted) = (head.interface, 0);
            }
            counted += 1;
            let frame = Frame {
                ts: head.ts,
                number: self.number + n,
                link_type: if ETHERNET {
                    LinkType::ETHERNET
                } else {
                    head.link_type
                },
                interface: head.interface,
                data: data
                    .get(at + head.start..at + head.start + head.len)
                    .unwrap_or_default(),
                orig_len: head.orig_len,
                direction: head.meta.direction,
                process: head.meta.process,
                effective_process: head.meta.effective,
                packet_id: head.meta.packet_id,
                dropped: head.meta.dropped,
                options: head.options.of(data.get(at..).unwrap_or_default()),
            };
            if ETHERNET {
                each.frame_of_run(frame, data);
            } else {
                each.frame_called(frame);
            }
        }
        self.count_frames(counting, counted);
        each.run_end(data);
        (at, last, n)
    }

    /// Adds `frames` to the frames of interface `interface` (global number).
    fn count_frames(&mut self, interface: u32, frames: u64) {
        if let Some(info) = self.interfaces.get_mut(interface as usize) {
            info.frames += frames;
        }
    }

    /// [`Run::frames`] for the records of a classic pcap file of this byte order: the
    /// frames of most files, so the loop keeps only what a record has (its time, bytes and
    /// original length; the rest is the file's), and hands a little-endian file's frames to
    /// [`FrameSink::frame`], inlined, a big-endian one's through a call. `ETHERNET`: the
    /// file's link type is Ethernet, and its frames carry it as a constant.
    #[inline(always)]
    fn pcap_frames<const BIG_ENDIAN: bool, const ETHERNET: bool>(
        &mut self,
        data: &[u8],
        first: Head,
        framing: PcapFraming,
        mut each: impl FrameSink,
    ) -> (usize, Head, u64) {
        // A frame later than the earliest of the other files' ends the run, and one at the
        // same time when that file was given first: a frame later than `stop_after` (exact
        // for pcap times, which are never negative).
        let stop_after = match self.bound {
            Some((ts, file)) if file < self.file => ts.0.saturating_sub(1),
            Some((ts, _)) => ts.0,
            None => i64::MAX,
        };
        // The frames' numbers run from `self.number + 1` to at most `last_number`.
        let (mut number, last_number) = (self.number, self.number + self.limit);
        let (mut at, mut next, mut last_ts) = (0, first.record_len, first.ts);
        // The file's quiet spells are told only of a frame more than their hour after the one
        // before it, in time order (rare): one nearer to the frame before is no farther after
        // the latest time. They are given the latest at such a frame and at the run's end: the
        // frame before's time, or the latest before a step back (`before_back`). Telling them
        // of every frame read and wrote their latest time on the stack, 12 instructions a frame.
        let mut before_back = first.ts;
        while number < last_number {
            // A branch rather than an empty slice past the end: fewer instructions a frame.
            let Some((ts, bytes, orig_len)) =
                (data.get(next..)).and_then(|rest| framing.whole_frame::<BIG_ENDIAN>(rest))
            else {
                break;
            };
            if ts.0 > stop_after {
                // At most 32 bits, as the record header holds it.
                self.stopped_at = Some(framing.head(ts, bytes.len() as u32, orig_len));
                break;
            }
            number += 1;
            // pcap times, from unsigned 32-bit fields, are never negative: no overflow.
            if ts.0 < last_ts.0 {
                before_back = before_back.max(last_ts);
                if ts.0 + STEP_BACK_TOLERANCE_NS < last_ts.0 {
                    // Rare: the file is not in time order. Told per file when the run ends.
                    self.steps_back.0 += 1;
                    let nth = number - self.number;
                    self.steps_back.1.get_or_insert((nth, ts, last_ts));
                }
            } else if ts.0 - last_ts.0 > QUIET_NS {
                self.quiet.seen(before_back.max(last_ts));
                self.quiet.frame(ts);
            }
            at = next;
            next = at + framing.header_len + bytes.len();
            last_ts = ts;
            let frame = Frame {
                ts,
                number,
                link_type: if ETHERNET {
                    LinkType::ETHERNET
                } else {
                    framing.link_type
                },
                interface: framing.interface,
                data: bytes,
                orig_len,
                direction: None,
                process: None,
                effective_process: None,
                packet_id: None,
                dropped: None,
                options: PacketOptions::default(),
            };
            if BIG_ENDIAN {
                each.frame_called(frame);
            } else {
                each.frame_of_run(frame, data);
            }
        }
        each.run_end(data);
        self.quiet.seen(before_back.max(last_ts));
        let n = number - self.number;
        // The head of the last record, as `next_frame` would have left it: framed again (the
        // loop framed it whole, so it is there).
        let last = match n {
            0 => first,
            _ => framing
                .whole_record(data.get(at..).unwrap_or_default())
                .unwrap_or(first),
        };
        (at, last, n)
    }
}

/// The reader for each container format, with the framing state that goes with it.
enum Container {
    Pcap(LegacyPcapReader<Input>, PcapFraming),
    Pcapng(PcapNGReader<Input>, NgFraming),
    /// Network Monitor and snoop, in a buffer of their own.
    Records(Buffered, RecordFraming),
}

impl FileReader {
    /// `stop`, with its cause where the framing's complaint is only the symptom: corrupt data
    /// in a zip member that is damaged (the bytes it gave are not the ones zipped), and a
    /// classic pcap on disk that stopped as cut short or corrupt (or, at its first records, as
    /// another layout) where its bytes show the transfer in text mode that damaged it.
    fn explain(&self, stop: Stop) -> Stop {
        // A part of a file read on its own says where in the file it stopped.
        let stop = Stop {
            offset: stop.offset + self.stream.base,
            ..stop
        };
        if let (Some(path), true) = (&self.stream.disk, self.pcap)
            && matches!(
                stop.kind,
                StopKind::Truncated | StopKind::Corrupt(_) | StopKind::OtherLayout(_)
            )
            && let Some(copy) = text_mode::check(path, stop.offset)
        {
            return Stop {
                offset: stop.offset,
                kind: StopKind::TextMode(copy),
            };
        }
        match (stop.kind, &self.recheck) {
            (StopKind::Corrupt(what), Some(recheck)) => Stop {
                offset: stop.offset,
                kind: StopKind::Corrupt(match recheck() {
                    Some(why) => {
                        format!("the zip member is damaged ({why}), which shows here as: {what}")
                    }
                    None => what,
                }),
            },
            (kind, _) => Stop {
                offset: stop.offset,
                kind,
            },
        }
    }

    fn ended(&self) -> bool {
        self.container.is_none()
    }

    /// Numbers its interfaces on from `base` (its file taken into a source of several).
    fn renumber(&mut self, base: u32) {
        if base > 0 {
            self.deliver_as(0, base);
        }
    }

    /// Delivers the frames of interface `from` as interface `to`'s, from the frame in `head`
    /// on ([`FileSource::continue_capture`]).
    fn deliver_as(&mut self, from: u32, to: u32) {
        match &mut self.container {
            Some(Container::Pcap(_, framing)) if framing.interface == from => {
                framing.interface = to;
            }
            Some(Container::Pcapng(_, framing)) => framing.deliver_as(from, to),
            _ => {}
        }
        for head in [&mut self.head, &mut self.framed].into_iter().flatten() {
            if head.interface == from {
                head.interface = to;
            }
        }
    }

    /// The bytes of the frame in `head`.
    fn frame_bytes(&self) -> &[u8] {
        let (Some(head), Some(container)) = (self.head, &self.container) else {
            return &[];
        };
        let data = match container {
            Container::Pcap(r, _) => r.data(),
            Container::Pcapng(r, _) => r.data(),
            Container::Records(r, _) => r.data(),
        };
        data.get(head.start..head.start + head.len).unwrap_or(&[])
    }

    /// The options of the packet block of the frame in `head`.
    fn frame_options(&self) -> PacketOptions<'_> {
        let (Some(head), Some(Container::Pcapng(r, _))) = (self.head, &self.container) else {
            return PacketOptions::default();
        };
        head.options.of(r.data())
    }

    /// Consumes the delivered frame and reads the next one; returns its time, or `None` at
    /// the end of the file. After an error the file has ended.
    fn advance(
        &mut self,
        interfaces: &mut Vec<InterfaceInfo>,
        processes: &mut ProcessTable,
        file: usize,
    ) -> Result<Option<Timestamp>, Stop> {
        let Some(container) = self.container.as_mut() else {
            return Ok(None);
        };
        let consumed = self.head.take().map_or(0, |head| head.record_len);
        // A record whole in the buffer (most of them) is framed without the checks for its
        // bytes' arrival, and goes straight to `head`; any other case (other blocks, refill,
        // end, damage) takes the full path.
        let framed = self.framed.take();
        let whole = match container {
            Container::Pcap(r, framing) => {
                r.consume_noshift(consumed);
                framed.or_else(|| framing.whole_record(r.data()))
            }
            Container::Pcapng(r, framing) => {
                r.consume_noshift(consumed);
                let offset = r.consumed() as u64;
                framed.or_else(|| {
                    framing.whole_packet(r.data(), offset, processes, &mut self.warnings)
                })
            }
            Container::Records(r, _) => {
                r.consume_noshift(consumed);
                framed
            }
        };
        if let Some(head) = whole {
            self.last_ts = head.ts;
            self.head = Some(head);
            return Ok(Some(head.ts));
        }
        let result = match container {
            Container::Pcap(r, framing) => framing.next(r, &mut self.stream, interfaces, file),
            Container::Pcapng(r, framing) => {
                let context = NgContext {
                    interfaces,
                    processes,
                    warnings: &mut self.warnings,
                    file,
                    last_ts: self.last_ts,
                    recorded: &mut self.recorded,
                    lost: &mut self.lost,
                    simple_packets: &mut self.simple_packets,
                };
                framing.next(r, &mut self.stream, context)
            }
            Container::Records(r, framing) => framing.next(
                r,
                &mut self.stream,
                interfaces,
                &mut self.warnings,
                &mut self.lost,
            ),
        };
        match result {
            Ok(Some(head)) => {
                self.last_ts = head.ts;
                self.head = Some(head);
                Ok(Some(head.ts))
            }
            Ok(None) => {
                self.container = None;
                Ok(None)
            }
            Err(stop) => {
                self.container = None;
                Err(stop)
            }
        }
    }
}

/// An input as [`look`] found it: opened, and its decoders not made yet.
struct Looked<'a> {
    path: &'a Path,
    found: Found,
    /// How many decoders with a window it is read with (see [`Window`]).
    windows: usize,
}

/// What an input is.
enum Found {
    /// A stream read from its start: a file, maybe compressed, or standard input or a pipe
    /// (which may be a zip, read in order). Its first bytes, read to look at, come first.
    Stream {
        raw: Box<dyn Read + Send>,
        /// The size of a file on disk.
        size: Option<u64>,
        /// Standard input or a named pipe, which may give its bytes slowly.
        pipe: Option<Pipe>,
    },
    /// A zip archive on disk.
    Zip(zip::Listing),
}

/// A folder given as an input, as its files are read.
#[derive(Debug)]
struct GivenFolder {
    path: PathBuf,
    listing: folder::Listing,
    /// The names of its files that are not captures.
    skipped: Vec<String>,
    /// How many of its files were read.
    read: usize,
}

impl GivenFolder {
    /// Adds to `problems` what is to be said of the folder: that it held no capture, or the
    /// files of it not read.
    fn tell(self, problems: &mut Vec<SourceError>) {
        let Self {
            path,
            listing,
            skipped,
            read,
        } = self;
        // Its files that are captures could not be read: their problems say why.
        let unreadable = read == 0 && skipped.len() < listing.files.len();
        if read == 0 && !unreadable {
            problems.push(SourceError::NoCaptureInFolder {
                path,
                files: skipped,
                folders: listing.folders,
            });
            return;
        }
        if !skipped.is_empty() {
            problems.push(SourceError::SkippedMembers {
                path: path.clone(),
                members: skipped,
            });
        }
        if !listing.left_out.is_empty() {
            problems.push(SourceError::FolderLeftOut {
                path,
                files: listing.left_out,
            });
        }
    }
}

/// The inputs to read, each with the index of the folder it was found in, if any, and those
/// folders.
type Inputs = (Vec<(PathBuf, Option<usize>)>, Vec<GivenFolder>);

/// The inputs `given`, each folder among them replaced by its files ([`folder::list`]), each
/// with the index of its folder in the folders read; a folder that cannot be listed is a
/// problem among several inputs, else the error.
fn read_folders(given: &[PathBuf], problems: &mut Vec<SourceError>) -> Result<Inputs, SourceError> {
    let mut paths = Vec::with_capacity(given.len());
    let mut folders = Vec::new();
    for path in given {
        if is_stdin(path) || !path.is_dir() {
            paths.push((path.clone(), None));
            continue;
        }
        let listing = match folder::list(path) {
            Ok(listing) => listing,
            Err(source) => {
                let error = SourceError::Io {
                    path: path.clone(),
                    source,
                };
                if given.len() == 1 {
                    return Err(error);
                }
                problems.push(error);
                continue;
            }
        };
        let n = folders.len();
        paths.extend(listing.files.iter().map(|f| (f.clone(), Some(n))));
        folders.push(GivenFolder {
            path: path.clone(),
            listing,
            skipped: Vec::new(),
            read: 0,
        });
    }
    Ok((paths, folders))
}

/// Called as two files begin to be compared: the file given later, and the one given first.
pub type OnComparing<'a> = dyn FnMut(&Path, &Path) + 'a;

/// What [`FileSource::open_watched`] tells and honours while it compares files before their
/// reading (a copy under another name, a capture beside its compressed copy: read once). Two
/// copies of 1 GB take seconds to compare, which went by with no word and deaf to Ctrl+C.
#[derive(Default)]
pub struct OpenWatch<'a> {
    /// The user's cancel: the comparison under way stops (within 64 KiB) and no other begins;
    /// the files are then taken as different, for an analysis cancelled too.
    pub cancel: Option<&'a AtomicBool>,
    /// Told as each comparison begins: the file given later, and the one it is compared with.
    pub comparing: Option<&'a mut OnComparing<'a>>,
}

impl OpenWatch<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Tells of the comparison of `path` with `first`, unless cancelled.
    fn begin(&mut self, path: &Path, first: &Path) -> bool {
        if self.cancelled() {
            return false;
        }
        if let Some(tell) = self.comparing.as_mut() {
            tell(path, first);
        }
        true
    }

    /// Whether `path` holds the bytes of `first`, byte for byte.
    fn same(&mut self, path: &Path, first: &Path) -> Compared {
        let same = self.begin(path, first) && input::same_files(first, path, self.cancel);
        self.compared(same)
    }

    /// What a comparison that said `same` found: a no after the user's cancel is no answer.
    fn compared(&self, same: bool) -> Compared {
        match (same, self.cancelled()) {
            (true, _) => Compared::Same,
            (false, true) => Compared::CutShort,
            (false, false) => Compared::Different,
        }
    }
}

/// What the comparison of two files that may be copies found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compared {
    /// The same capture: the later one is not read.
    Same,
    /// Different files: both are read.
    Different,
    /// The user cancelled before the comparison ended (or began): not known.
    CutShort,
}

/// The input (an index of `canonical`, the inputs' canonical paths; `paths` as given) that the
/// file at `path` may be a compressed copy of, named as it is without its compression's
/// extension (`day.pcap` for `day.pcap.gz`), and whether it is: the bytes it decompresses to
/// (see [`compressed::decompresses_to`]).
fn compressed_copy_of(
    path: &Path,
    canonical: &[Option<PathBuf>],
    paths: &[(PathBuf, Option<usize>)],
    watch: &mut OpenWatch<'_>,
) -> Option<(usize, Compared)> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    if !compressed::COMPRESSED_EXTENSIONS.contains(&extension.as_str()) {
        return None;
    }
    let plain = std::fs::canonicalize(path.with_extension("")).ok()?;
    let n = canonical.iter().position(|c| c.as_ref() == Some(&plain))?;
    let first = &paths.get(n)?.0;
    let same = watch.begin(path, first) && compressed::decompresses_to(path, &plain, watch.cancel);
    Some((n, watch.compared(same)))
}

/// The name of the file at `path`, for a list of a folder's files.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Opens the input at `path` and looks at what it is; `stdin_taken` notes standard input
/// (`-`), which can be read once.
fn look<'a>(path: &'a Path, stdin_taken: &mut bool) -> Result<Looked<'a>, SourceError> {
    let io_error = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    if is_stdin(path) {
        // A second `-` would find the stream already read to its end.
        if std::mem::replace(stdin_taken, true) {
            return Err(io_error(io::Error::new(
                io::ErrorKind::InvalidInput,
                "standard input is given more than once; it can be read only once",
            )));
        }
        let watched = Box::new(stdin::Watched::new());
        return Ok(Looked::stream(path, watched, None, Some(Pipe::Stdin)));
    }
    let mut file = File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    // A named pipe or a device has no size to go by.
    let regular = meta.is_file();
    if !(regular && starts_zip(&mut file).map_err(io_error)?) {
        let pipe = named_pipe(&file, &meta);
        return Ok(Looked::stream(
            path,
            Box::new(file),
            regular.then_some(meta.len()),
            pipe,
        ));
    }
    let listing = zip::list(&mut file, meta.len())
        .map_err(|error| match error.kind() {
            io::ErrorKind::UnexpectedEof => framing::member_failure(path, error),
            _ => io_error(error),
        })?
        .map_err(|zip::Split| split_zip_end(path))?;
    Ok(Looked {
        path,
        windows: zip_windows(path, &listing),
        found: Found::Zip(listing),
    })
}

/// `file` as a [`Pipe`] where it is a named pipe (`mkfifo`, a shell's `<(...)`): a copy of
/// its descriptor, to ask whether more came.
fn named_pipe(file: &File, meta: &std::fs::Metadata) -> Option<Pipe> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        meta.file_type()
            .is_fifo()
            .then(|| file.try_clone().ok())
            .flatten()
            .map(|copy| Pipe::Named(copy.into()))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, meta);
        None
    }
}

impl<'a> Looked<'a> {
    /// The stream `raw`, its compression told by its first bytes.
    fn stream(
        path: &'a Path,
        mut raw: Box<dyn Read + Send>,
        size: Option<u64>,
        pipe: Option<Pipe>,
    ) -> Self {
        let (first, error) = read_prefix(&mut raw);
        let windows = match Compression::detect(&first) {
            Some(compression) => usize::from(compression.has_window()),
            // A zip read in order: its first capture may have one.
            None => usize::from(zip::is_zip(&first)),
        };
        Self {
            path,
            found: Found::Stream {
                raw: Box::new(Prefixed::new(first, error, raw)),
                size,
                pipe,
            },
            windows,
        }
    }
}

/// How many of the captures in the zip at `path` are read with a window: members compressed
/// with bzip2, LZMA, zstd or xz, and stored or deflated members whose first bytes are those of
/// a compression other than gzip.
/// Counted up to [`MAX_ZIP_CAPTURES`], the captures read from a zip. (A capture compressed
/// again inside such a member is counted once.)
fn zip_windows(path: &Path, listing: &zip::Listing) -> usize {
    let mut places = std::collections::HashSet::new();
    let (mut captures, mut windows) = (0, 0);
    for entry in &listing.entries {
        if captures == MAX_ZIP_CAPTURES {
            break;
        }
        if entry.is_folder() || !places.insert(entry.place()) {
            continue;
        }
        let (capture, window) = match entry.method() {
            Ok(zip::Method::Stored | zip::Method::Deflate) => {
                // Cheap to read the first bytes of; a capture is told from other members.
                let first = zip::open_member(path, entry, Window::alone())
                    .ok()
                    .and_then(Result::ok)
                    .map(|mut member| read_prefix(&mut member).0)
                    .unwrap_or_default();
                let compression = Compression::detect(&first);
                (
                    detect(&first).is_some() || compression.is_some(),
                    compression.is_some_and(Compression::has_window),
                )
            }
            // Not read just to look: taken for a capture.
            Ok(method) => (true, method.has_window()),
            Err(_) => (false, false),
        };
        captures += usize::from(capture);
        windows += usize::from(window);
    }
    windows
}

/// Whether `path` stands for standard input (`-`).
#[must_use]
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An input to open: a file on disk, or any byte stream.
struct Opening<'a> {
    /// The file, or the name that stands for the stream in messages.
    path: &'a Path,
    raw: Box<dyn Read + Send>,
    /// Bytes in the input, when known.
    size: Option<u64>,
    /// The input is the file at `path`, whose size can be asked again (it may be growing).
    on_disk: bool,
    /// Initial buffer size.
    buffer: usize,
    /// The zip archive the input is a member of.
    archive: Option<Archived>,
    /// See [`FileReader::recheck`].
    recheck: Option<Recheck>,
    /// What its decoder's window may take.
    window: Window,
    /// Where the input's bytes after a classic pcap file's header lie in the file: a part of
    /// it read on its own ([`FileSource::open_part`]) gives its offsets in the file, 0 else.
    base: u64,
    /// Standard input or a named pipe, which may give its bytes slowly.
    pipe: Option<Pipe>,
}

/// What to do with a split zip archive, whose parts rstscope does not put together.
const JOIN_SPLIT_ZIP: &str = "join its parts into one zip first (zip -s 0 PARTS.zip --out \
                              whole.zip, with the .z01, .z02... files beside PARTS.zip; or \
                              extract it with 7-Zip), then open that";

/// The error of the last part of a split zip archive.
fn split_zip_end(path: &Path) -> SourceError {
    SourceError::OtherFormat {
        path: path.to_path_buf(),
        format: "the last part of a split zip archive (zip -s, WinZip: its members are in the \
                 parts .z01, .z02... beside it)",
        convert: JOIN_SPLIT_ZIP,
    }
}

/// Whether `file` begins like a zip archive; leaves it at its start.
fn starts_zip(file: &mut File) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let (first, error) = read_prefix(&mut (&mut *file).take(4));
    file.seek(SeekFrom::Start(0))?;
    match error {
        Some(error) => Err(error),
        None => Ok(zip::is_zip(&first)),
    }
}

/// How the report names a member of a zip archive: `ARCHIVE:MEMBER`.
fn member_path(archive: &Path, member: &str) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(":");
    name.push(member);
    PathBuf::from(name)
}

/// Reads the member `entry` of the zip at `path` again, whole, and says why it fails its
/// checks (CRC-32, size, decompression), if it does.
fn recheck(path: &Path, entry: &zip::Entry, window: Window) -> Recheck {
    let (path, entry) = (path.to_path_buf(), entry.clone());
    Box::new(move || {
        let mut member = zip::open_member(&path, &entry, window).ok()?.ok()?;
        io::copy(&mut member, &mut io::sink())
            .err()
            .map(|e| e.to_string())
    })
}

/// The problem of a zip archive without a readable central directory (cut short, or damaged)
/// whose walk by local headers may have missed members, unless a member's own reading says it
/// was cut.
fn lost_members(path: &Path, listing: &zip::Listing) -> Option<SourceError> {
    let found = listing.entries.len();
    let whole = if found == 1 {
        "1 whole member, which is read".to_string()
    } else {
        format!("{found} whole members, which are read")
    };
    // An end record was there: the list of members is damaged, and the archive may be whole.
    let damaged = listing.unreadable_directory;
    let what = match &listing.walk {
        zip::Walk::Directory | zip::Walk::CutInMember => return None,
        zip::Walk::CutAt(at) if damaged => format!(
            "the archive's list of members, at its end, does not read (the archive is damaged, \
             or cut short): its members were found by their own headers instead, up to byte \
             {at}, {whole}; a member after that is not found"
        ),
        zip::Walk::CutAt(at) => format!(
            "the archive has no list of members at its end: it was cut short at byte {at}, \
             after {whole}; members after the cut are lost"
        ),
        zip::Walk::StoppedAfter(last) if damaged => format!(
            "the archive's list of members, at its end, does not read (the archive is damaged, \
             or cut short), and its member {last} gives its size only after its data: members \
             after it are not found"
        ),
        zip::Walk::StoppedAfter(last) => format!(
            "the archive has no list of members at its end (it was cut short), and its member \
             {last} gives its size only after its data: members after it are not found"
        ),
    };
    Some(SourceError::ArchiveMember {
        path: path.to_path_buf(),
        what,
        todo: "copy the whole archive again",
    })
}

/// The problem of a zip member rstscope cannot read.
fn unreadable(path: PathBuf, why: &zip::Unreadable) -> SourceError {
    let (what, todo) = why.explain();
    SourceError::ArchiveMember { path, what, todo }
}

/// Opens one input: detects compression and the container format, reads the file header. Fails only
/// when the input cannot be read or is not a capture; a capture whose header is cut short or
/// corrupt opens, ended, with the problem returned beside it.
///
/// A zip archive read in order (a pipe) opens as its first capture; the members before it
/// that are not captures go to `problems`.
fn open_input(
    opening: Opening<'_>,
    file: usize,
    interfaces: &mut Vec<InterfaceInfo>,
    problems: &mut Vec<SourceError>,
) -> Result<(FileInfo, FileReader, Option<Stop>), SourceError> {
    let Opening {
        path,
        raw,
        size,
        on_disk,
        buffer,
        archive,
        recheck,
        window,
        base,
        pipe,
    } = opening;
    let io_error = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let shared = Arc::new(Shared::new(pipe));
    let mut counted = Counting::new(raw, Arc::clone(&shared));

    let (first, error) = read_prefix(&mut counted);
    if let Some(error) = error {
        return Err(match &archive {
            Some(_) => framing::member_failure(path, error),
            None => io_error(error),
        });
    }
    if archive.is_none() && zip::is_zip(&first) {
        let raw = Box::new(Prefixed::new(first, None, counted));
        return open_zip_in_order(path, raw, buffer, window, file, interfaces, problems);
    }
    let compression = Compression::detect(&first);
    let (prefix, rest, pending): (Vec<u8>, Box<dyn Read + Send>, _) = match compression {
        Some(compression) => {
            let raw = Prefixed::new(first, None, counted);
            let mut decoder = compressed::decoder(compression, raw, window);
            let (decoded, error) = read_prefix(&mut decoder);
            (decoded, decoder, error)
        }
        None => (first, Box::new(counted), None),
    };

    let Some(kind) = detect(&prefix) else {
        // Too short to tell because decompressing failed: say why rather than "not a capture".
        if let Some(error) = pending {
            return Err(match compression {
                _ if archive.is_some() => framing::member_failure(path, error),
                Some(c) => framing::failure_before_header(path, c, error),
                None => io_error(error),
            });
        }
        if let Some((format, convert)) = other_format(&prefix, path) {
            return Err(SourceError::OtherFormat {
                path: path.to_path_buf(),
                format,
                convert,
            });
        }
        if on_disk && compression.is_none() && zip::is_last_split_part(path) {
            return Err(split_zip_end(path));
        }
        // Not a capture of another format: nothing was written (an empty member of a zip is
        // passed over as its other non-captures are).
        if prefix.is_empty() && compression.is_none() && archive.is_none() {
            return Err(SourceError::Empty {
                path: path.to_path_buf(),
                stdin: is_stdin(path),
            });
        }
        return Err(SourceError::NotACapture {
            path: path.to_path_buf(),
            magic: describe_start(&prefix, compression),
        });
    };
    let format = match kind {
        Kind::Pcap { nanos: true, .. } => Format::PcapNanos,
        Kind::Pcap { .. } => Format::Pcap,
        Kind::Pcapng => Format::Pcapng,
        Kind::NetMon { major: 1 } => Format::NetMon1,
        Kind::NetMon { .. } => Format::NetMon2,
        Kind::Snoop => Format::Snoop,
    };
    let info = FileInfo {
        path: path.to_path_buf(),
        format,
        compression,
        size: size.unwrap_or(0),
        bytes_read: shared.bytes() + base,
        frames: 0,
        first_ts: None,
        last_ts: None,
        open_at_start: Vec::new(),
        archive,
        quiet: QuietSpells::default(),
        steps_back: 0,
        first_step_back: None,
        recorded: None,
        lost: 0,
        simple_packets: 0,
    };
    // A zip member's size is what the archive claims, which a cut archive does not hold.
    let plain = compression.is_none() && info.archive.is_none();
    let mut stream = Stream {
        capacity: buffer,
        shared: Arc::clone(&shared),
        disk: (on_disk && plain).then(|| path.to_path_buf()),
        known_len: if plain {
            size.map(|s| s.saturating_sub(base))
        } else {
            None
        },
        piped: !on_disk && info.archive.is_none() && base == 0,
        base,
    };
    let pipe = shared.pipe().is_some();
    let mut input = Input::new(
        Prefixed::new(for_pcap_parser(prefix, kind), pending, rest),
        shared,
    );
    if pipe {
        // What pcap-parser parses from its first read.
        let header = match kind {
            Kind::Pcap { .. } => Some(24),
            Kind::Pcapng => {
                let peek = input.peek();
                let big_endian = u32_at(peek, 8, false) != BOM;
                (peek.len() >= 12).then(|| u32_at(peek, 4, big_endian) as usize)
            }
            Kind::NetMon { .. } | Kind::Snoop => None,
        };
        if let Some(header) = header {
            input.read_what_comes(header);
        }
    }

    let mut warnings = Warnings::default();
    let opened = match kind {
        Kind::Pcap {
            big_endian,
            nanos,
            modified,
        } => open_pcap(
            input,
            &mut stream,
            big_endian,
            nanos,
            modified,
            file,
            interfaces,
        ),
        Kind::Pcapng => open_pcapng(input, &mut stream),
        Kind::NetMon { .. } | Kind::Snoop => {
            let mut reader = Buffered::new(stream.capacity, input);
            let netmon = matches!(kind, Kind::NetMon { .. });
            RecordFraming::open(
                &mut reader,
                &mut stream,
                netmon,
                file,
                interfaces,
                &mut warnings,
            )
            .map(|framing| Container::Records(reader, framing))
        }
    };
    let (container, problem) = match opened {
        Ok(container) => (Some(container), None),
        Err(stop) => (None, Some(stop)),
    };
    let reader = FileReader {
        container,
        stream,
        head: None,
        framed: None,
        last_ts: Timestamp::default(),
        warnings,
        recorded: None,
        lost: 0,
        simple_packets: 0,
        recheck,
        pcap: matches!(kind, Kind::Pcap { .. }),
    };
    Ok((info, reader, problem))
}

/// What a zip read in order left out after its capture `read`, as a warning; `None` when
/// nothing followed it.
fn left_out(archive: &Path, read: &str, rest: &zip::Rest) -> Option<SourceError> {
    let names = super::names(&rest.names);
    let after = match (rest.names.is_empty(), rest.unknown) {
        (true, false) => return None,
        (true, true) => "any members after it".to_owned(),
        (false, false) => names,
        (false, true) => format!("{names} and any members after them"),
    };
    Some(SourceError::ArchiveMember {
        path: archive.to_path_buf(),
        what: format!(
            "a zip archive read from standard input is read in order, its first capture \
             ({read}) only; left out after it: {after}"
        ),
        todo: "give the zip file by name to read every capture in it (merged in time), or \
               unzip it first",
    })
}

/// Opens the first capture of the zip archive `raw`, read in order from its start; the
/// members after it are walked once it is read, to name them ([`left_out`]).
fn open_zip_in_order(
    path: &Path,
    raw: Box<dyn Read + Send>,
    buffer: usize,
    window: Window,
    file: usize,
    interfaces: &mut Vec<InterfaceInfo>,
    problems: &mut Vec<SourceError>,
) -> Result<(FileInfo, FileReader, Option<Stop>), SourceError> {
    let looks_like_capture =
        |first: &[u8]| detect(first).is_some() || Compression::detect(first).is_some();
    let found = match zip::first_capture(raw, window, looks_like_capture) {
        Ok(found) => found,
        Err(zip::NoCapture::None(members)) => {
            return Err(SourceError::NoCaptureInArchive {
                path: path.to_path_buf(),
                members,
            });
        }
        Err(zip::NoCapture::Unreadable(member, why)) => {
            return Err(unreadable(member_path(path, &member), &why));
        }
        Err(zip::NoCapture::Io(error)) => return Err(framing::member_failure(path, error)),
    };
    if !found.skipped.is_empty() {
        problems.push(SourceError::SkippedMembers {
            path: path.to_path_buf(),
            members: found.skipped,
        });
    }
    let name = member_path(path, &found.name);
    let rest = Arc::new(std::sync::OnceLock::new());
    let member = zip::ThenRest::new(found.member, window, Arc::clone(&rest));
    let zip_rest = processes::ZipRest {
        archive: path.to_path_buf(),
        read: found.name.clone(),
        rest,
    };
    let opening = Opening {
        path: &name,
        raw: Box::new(Prefixed::new(found.first, None, member)),
        size: None,
        on_disk: false,
        buffer,
        archive: Some(Archived {
            archive: path.to_path_buf(),
            member: found.name,
            method: found.method.name(),
        }),
        // A pipe cannot be read again.
        recheck: None,
        window,
        base: 0,
        pipe: None,
    };
    let (info, mut reader, problem) = open_input(opening, file, interfaces, problems)?;
    reader.warnings.zip_rest = Some(zip_rest);
    Ok((info, reader, problem))
}

fn open_pcap(
    input: Input,
    stream: &mut Stream,
    big_endian: bool,
    nanos: bool,
    modified: bool,
    file: usize,
    interfaces: &mut Vec<InterfaceInfo>,
) -> Result<Container, Stop> {
    let mut reader = LegacyPcapReader::new(stream.capacity, input)
        .map_err(|e| header_failure(&e, stream, "file header"))?;
    // The first `next` hands out the file header parsed when the reader was made.
    let (header_len, network, snaplen, version) = match reader.next() {
        Ok((len, PcapBlockOwned::LegacyHeader(header))) => (
            len,
            header.network.0,
            header.snaplen,
            (header.version_major, header.version_minor),
        ),
        _ => {
            return Err(Stop {
                offset: 0,
                kind: StopKind::Corrupt("unreadable file header".into()),
            });
        }
    };
    reader.consume_noshift(header_len);
    // The upper bits of the link-type field carry FCS information (pcap spec, LinkType field).
    let link_type = LinkType(network as u32 & 0xFFFF);
    let interface =
        register_interface(interfaces, file, 0, 0, link_type, None, None).map_err(|what| Stop {
            offset: 0,
            kind: StopKind::Corrupt(what),
        })?;
    if let Some(i) = interfaces.get_mut(interface as usize) {
        i.snaplen = snaplen;
        i.set_tsresol(if nanos { 9 } else { 6 });
    }
    let mut framing = PcapFraming {
        header_len: 16,
        big_endian,
        frac_unit: framing::frac_unit(nanos),
        interface,
        link_type,
        appended: 0,
        lengths: Lengths::AsWritten,
        run_max: 0,
    };
    framing.set_layout(
        if modified { 24 } else { 16 },
        Lengths::of_version(version.0, version.1),
    );
    // A part of a file read on its own ([`FileSource::open_part`]) starts at a record the
    // file's own reading took: its layout was the file's.
    if stream.base == 0
        && let Some(layout) = OtherLayout::of(reader.data(), &framing)
    {
        return Err(layout.stop(0));
    }
    Ok(Container::Pcap(reader, framing))
}

fn open_pcapng(mut input: Input, stream: &mut Stream) -> Result<Container, Stop> {
    // The section header must fit in the first buffer: check its length first.
    let shb_len = {
        let prefix = input.peek();
        let big_endian = u32_at(prefix, 8, false) != BOM;
        (prefix.len() >= 12).then(|| u32_at(prefix, 4, big_endian) as usize)
    };
    if let Some(len) = shb_len {
        check_block_len(SHB, len).map_err(|what| Stop {
            offset: 0,
            kind: StopKind::Corrupt(what),
        })?;
        let truncated = match stream.len() {
            Some(stream_len) => len as u64 > stream_len,
            // A pipe or a compressed file: the buffer is sized to the section header only once its bytes
            // have arrived, so a corrupt length costs no more memory than the input holds.
            None => len > stream.capacity && input.read_ahead(len) < len,
        };
        if truncated {
            return Err(Stop {
                offset: 0,
                kind: StopKind::Truncated,
            });
        }
        stream.capacity = stream.capacity.max(len);
    }
    let reader = PcapNGReader::new(stream.capacity, input)
        .map_err(|e| header_failure(&e, stream, "section header block"))?;
    let framing = NgFraming::new();
    Ok(Container::Pcapng(reader, framing))
}

/// Why a reader could not be made from the start of a file.
fn header_failure(error: &PcapError<&[u8]>, stream: &Stream, what: &str) -> Stop {
    let kind = match error {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof => StopKind::Truncated,
        PcapError::ReadError => return read_failure(0, &stream.shared),
        other => StopKind::Corrupt(format!("malformed {what} ({})", describe(other))),
    };
    Stop { offset: 0, kind }
}

/// The container format, from the first bytes of the (decompressed) stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pcap {
        big_endian: bool,
        nanos: bool,
        modified: bool,
    },
    Pcapng,
    /// Microsoft Network Monitor, of format version `major` (1 or 2; another is told when
    /// its header is read).
    NetMon {
        major: u8,
    },
    /// Sun/illumos snoop.
    Snoop,
}

fn detect(prefix: &[u8]) -> Option<Kind> {
    let magic = u32::from_le_bytes(*prefix.first_chunk::<4>()?);
    let pcap = |big_endian, nanos, modified| {
        Some(Kind::Pcap {
            big_endian,
            nanos,
            modified,
        })
    };
    match magic {
        0xA1B2_C3D4 => pcap(false, false, false),
        0xD4C3_B2A1 => pcap(true, false, false),
        0xA1B2_3C4D => pcap(false, true, false),
        0x4D3C_B2A1 => pcap(true, true, false),
        // Alexey Kuznetzov's patched libpcap (24-byte record headers), in either byte order
        // as libpcap reads it (pcap-parser knows only the little-endian form: see
        // [`for_pcap_parser`]).
        0xA1B2_CD34 => pcap(false, false, true),
        0x34CD_B2A1 => pcap(true, false, true),
        SHB => match prefix.get(8..12) {
            // Too short to hold the byte-order magic: a pcapng file cut short.
            None => Some(Kind::Pcapng),
            Some(_) => {
                let bom = u32_at(prefix, 8, false);
                (bom == BOM || bom == BOM.swap_bytes()).then_some(Kind::Pcapng)
            }
        },
        _ if prefix.starts_with(b"GMBU") || prefix.starts_with(b"RTSS") => Some(Kind::NetMon {
            // The minor version, then the major, follow the magic.
            major: prefix
                .get(5)
                .copied()
                .unwrap_or(if prefix.starts_with(b"R") { 1 } else { 2 }),
        }),
        _ if prefix.starts_with(b"snoop\0\0\0") => Some(Kind::Snoop),
        _ => None,
    }
}

/// The first bytes of a capture as pcap-parser reads its file header: a big-endian file of
/// the modified (Kuznetzov) format gets the standard big-endian magic, since pcap-parser does
/// not know that form and nothing after the file header is left to it (the records are
/// framed here, with their 24-byte headers).
fn for_pcap_parser(mut prefix: Vec<u8>, kind: Kind) -> Vec<u8> {
    let swapped_modified = Kind::Pcap {
        big_endian: true,
        nanos: false,
        modified: true,
    };
    if kind == swapped_modified
        && let Some(magic) = prefix.first_chunk_mut::<4>()
    {
        *magic = [0xA1, 0xB2, 0xC3, 0xD4];
    }
    prefix
}

/// Capture formats rstscope does not read, known by their first bytes or (Windows event
/// traces, which have no magic number of their own) by their extension, with how to convert
/// each to pcapng.
fn other_format(prefix: &[u8], path: &Path) -> Option<(&'static str, &'static str)> {
    const WIRESHARK: &str = "open it in Wireshark and save it as pcapng (File > Save As), or \
                             convert it with Wireshark's editcap: editcap -F pcapng IN OUT.pcapng";
    // pcapng's first block type, 0a 0d 0d 0a, is made to show a transfer in text mode, which
    // rewrites line ends: each LF made CRLF (from a Linux server to Windows: 0d 0a 0d 0d 0d 0a)
    // or each CRLF made LF (the other way: 0a 0d 0a). Such a copy was "not a capture file",
    // with advice to save it in a format it already was in.
    if prefix.starts_with(&[0x0d, 0x0a, 0x0d, 0x0d, 0x0d, 0x0a])
        || prefix.starts_with(&[0x0a, 0x0d, 0x0a])
    {
        return Some((
            "a pcapng capture whose line ends a transfer in text mode rewrote (FTP's ASCII \
             mode, WinSCP's Text mode), its packets damaged",
            "copy it again from where it was captured, in binary mode (ftp's binary command, \
             WinSCP's Binary transfer mode)",
        ));
    }
    // Ixia's lcap (hardware and software captures): pcap with 4 more bytes in the file
    // header, the length of the records; Wireshark reads it, libpcap does not.
    const IXIA: [u32; 2] = [0x1C00_01AC, 0x1C00_01AB];
    if let Some(&magic) = prefix.first_chunk::<4>()
        && (IXIA.contains(&u32::from_le_bytes(magic)) || IXIA.contains(&u32::from_be_bytes(magic)))
    {
        return Some((
            "an Ixia lcap capture (pcap with a longer file header)",
            WIRESHARK,
        ));
    }
    if prefix.starts_with(b"PK\x07\x08PK\x03\x04") {
        return Some((
            "the first part of a split zip archive (zip -s, WinZip: .z01)",
            JOIN_SPLIT_ZIP,
        ));
    }
    // Archives and compressions a capture is sent in that are not a stream of the capture.
    const EXTRACT: &str = "extract the capture from it first (Explorer's Extract All, 7-Zip, \
                           or unzip / 7z x / unrar x), then open the capture";
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        return Some(("a zip archive", EXTRACT));
    }
    if prefix.starts_with(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        return Some(("a 7-Zip archive", EXTRACT));
    }
    if prefix.starts_with(b"Rar!\x1a\x07") {
        return Some(("a RAR archive", EXTRACT));
    }
    if prefix.starts_with(&[0x02, 0x21, 0x4c, 0x18]) {
        return Some((
            "lz4 data in its legacy format (lz4 -l)",
            "decompress it first: lz4 -d IN OUT (or compress it again without -l)",
        ));
    }
    if prefix.starts_with(&[0x1f, 0x9d]) {
        return Some((
            "data compressed with Unix compress (.Z)",
            "decompress it first: uncompress IN, or gzip -d IN",
        ));
    }
    let etl = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("etl"));
    etl.then_some((
        "a Windows event trace (.etl, as pktmon and netsh trace write)",
        "convert it on Windows with pktmon etl2pcap IN.etl --out OUT.pcapng (or Microsoft's \
         etl2pcapng), then open the .pcapng",
    ))
}

/// The first bytes of a non-capture, for the message: hex, and the text if it is text.
fn describe_start(prefix: &[u8], compression: Option<Compression>) -> String {
    let what = compression.map_or(String::new(), |c| {
        format!("{}-compressed data that decompresses to ", c.name())
    });
    if prefix.is_empty() {
        let empty = if compression.is_some() {
            "nothing: it is empty"
        } else {
            "nothing: the file is empty"
        };
        return format!("{what}{empty}");
    }
    let hex: Vec<String> = prefix.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = prefix
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{what}{} \"{text}\"", hex.join(" "))
}

/// The bytes of a part of a classic pcap file read on its own ([`FileSource::open_part`]):
/// the file's header, then the part's, each read where it lies (`pread`), so that two parts
/// read on two threads share no position.
struct Part {
    file: File,
    header: [u8; 24],
    header_read: usize,
    at: u64,
    to: Option<u64>,
}

impl Read for Part {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(header) = self.header.get(self.header_read..)
            && !header.is_empty()
        {
            let n = header.len().min(buf.len());
            buf[..n].copy_from_slice(&header[..n]);
            self.header_read += n;
            return Ok(n);
        }
        let left = self.to.map_or(usize::MAX, |to| {
            usize::try_from(to.saturating_sub(self.at)).unwrap_or(usize::MAX)
        });
        let n = left.min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        let read = chunks::read_at(&self.file, &mut buf[..n], self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}
