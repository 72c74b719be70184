//! Record framing: finds each pcap record and pcapng block in the reader's buffer, checks its
//! lengths before anything parses it, and decodes packet records from their fixed fields.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};

use super::MAX_RECORD;
use super::compressed::TooLarge;
use super::input::Shared;
use super::processes::{PacketMeta, ProcessTable, SectionProcesses, Warnings};
use super::text_mode::TextCopy;
use super::{Kind, detect};
use crate::packet::Timestamp;
use crate::source::PacketOptions;
use crate::source::pcapng::option;
use crate::source::{Compression, FileInfo, InterfaceInfo, LinkType, Packing, SourceError};

/// How much a captured length may exceed the original length before the record is taken as
/// corrupt. Writers never do it on purpose; a little is tolerated for buggy ones.
const ORIG_LEN_SLACK: u32 = 65_536;
/// More interface descriptions than this (over all files and sections) are taken as corrupt,
/// so that a hostile file cannot make the interface list grow without bound.
const MAX_INTERFACES: usize = 1 << 16;
/// Interface names and descriptions longer than this (in characters) are cut.
const MAX_NAME_CHARS: usize = 256;

pub(super) const NANOS_PER_SEC: i64 = Timestamp::NANOS_PER_SEC;

/// pcapng block types and the byte-order magic, from the one place that names them.
pub(super) use crate::source::pcapng::{
    BYTE_ORDER_MAGIC as BOM, DPEB, EPB, IDB, ISB, PB, RSTSCOPE_HOST, SHB, SPB,
};

/// Where a file's next frame lies in its reader's buffer, and what is known about it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head {
    pub(super) ts: Timestamp,
    pub(super) link_type: LinkType,
    /// Global interface number.
    pub(super) interface: u32,
    /// Offset of the frame bytes from the start of the record.
    pub(super) start: usize,
    /// Captured length.
    pub(super) len: usize,
    pub(super) orig_len: u32,
    /// Length of the whole record, consumed when the file advances.
    pub(super) record_len: usize,
    /// Direction and process, from the packet block's options.
    pub(super) meta: PacketMeta,
    /// Where the packet block's options lie in the record.
    pub(super) options: OptionsAt,
}

/// Where a packet block's option list lies in its record (empty for a pcap record and a
/// block without options), and the section's byte order.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct OptionsAt {
    start: u32,
    end: u32,
    big_endian: bool,
}

impl OptionsAt {
    /// The options in `record`, the bytes of the record from its start.
    pub(super) fn of(self, record: &[u8]) -> PacketOptions<'_> {
        let bytes = record
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default();
        PacketOptions::new(bytes, self.big_endian)
    }
}

/// Buffering state of one file beside its pcap-parser reader.
pub(super) struct Stream {
    /// Capacity of the reader's buffer (pcap-parser does not tell it).
    pub(super) capacity: usize,
    pub(super) shared: Arc<Shared>,
    /// The file on disk when the stream is the file itself (not compressed, not a pipe): its size
    /// tells a record that runs past the end before a buffer is grown for it.
    pub(super) disk: Option<PathBuf>,
    /// The stream's length when known otherwise (not compressed, size given).
    pub(super) known_len: Option<u64>,
    /// The stream is a pipe (standard input, a FIFO), not a file on disk nor an archive's
    /// member: its writer may stop anywhere, as when the user's Ctrl+C interrupts it too.
    pub(super) piped: bool,
    /// Where the stream's bytes after a classic pcap header lie in the file, for a part of it
    /// read on its own ([`super::FileSource::open_part`]): its offsets are the file's with it
    /// added. 0 for every other stream.
    pub(super) base: u64,
}

impl Stream {
    /// The length of the (decompressed) stream, if known: the file's size now (it may still
    /// be growing), or the size given when it was opened.
    pub(super) fn len(&self) -> Option<u64> {
        let on_disk = self
            .disk
            .as_ref()
            .and_then(|path| std::fs::metadata(path).ok());
        (on_disk.map(|meta| meta.len().saturating_sub(self.base))).or(self.known_len)
    }
}

/// Why a file ended early, and where (offset in the decompressed stream).
#[derive(Debug)]
pub(super) struct Stop {
    pub(super) offset: u64,
    pub(super) kind: StopKind,
}

#[derive(Debug)]
pub(super) enum StopKind {
    Truncated,
    /// The decoder met the end of the file before the end of the compressed data.
    CompressedCut,
    Corrupt(String),
    /// A format rstscope does not read, told only once its first records were read: what it
    /// is, and how to convert it ([`SourceError::OtherFormat`]). One byte, so that a `Stop`
    /// (returned on the per-record path) is no larger for it.
    OtherLayout(OtherLayout),
    /// The decoder's window would be larger than its share.
    Window(TooLarge),
    /// A transfer in text mode rewrote the file's line ends (told once it stopped as
    /// truncated or corrupt: see [`super::text_mode`]).
    TextMode(TextCopy),
    Io(io::Error),
}

impl Stop {
    pub(super) fn into_error(self, info: &FileInfo) -> SourceError {
        let path = info.path.clone();
        let (offset, frames) = (self.offset, info.frames);
        let blocks = info.format == crate::source::Format::Pcapng;
        let packing = match (&info.archive, info.compression) {
            (Some(_), _) => Packing::Zipped,
            (None, Some(c)) => Packing::Compressed(c),
            (None, None) => Packing::Plain,
        };
        match self.kind {
            StopKind::Truncated => SourceError::Truncated {
                path,
                offset,
                frames,
                packing,
                blocks,
            },
            StopKind::CompressedCut => SourceError::Truncated {
                path,
                offset,
                frames,
                blocks,
                packing: match (packing, info.compression) {
                    (Packing::Zipped, _) => Packing::ZippedCut,
                    (_, Some(c)) => Packing::CompressedCut(c),
                    (packing, None) => packing,
                },
            },
            StopKind::Corrupt(what) => SourceError::Corrupt {
                path,
                offset,
                frames,
                what,
                packing,
            },
            StopKind::OtherLayout(layout) if offset == 0 => SourceError::OtherFormat {
                path,
                format: layout.format(),
                convert: OtherLayout::CONVERT,
            },
            StopKind::OtherLayout(layout) => SourceError::OtherFormatAppended {
                path,
                offset,
                frames,
                format: layout.format(),
                packing,
            },
            StopKind::Window(refused) => window_error(path, refused, frames, packing),
            StopKind::TextMode(copy) => SourceError::TextModeCopy {
                path,
                offset,
                frames,
                rewrite: copy.rewrite,
                first_damaged: copy.first_damaged,
            },
            StopKind::Io(error)
                if error
                    .get_ref()
                    .is_some_and(|e| e.is::<super::stdin::Stopped>()) =>
            {
                SourceError::StdinStopped { offset, frames }
            }
            StopKind::Io(error) => SourceError::Io {
                path,
                source: io::Error::new(
                    error.kind(),
                    format!(
                        "{error} (at byte {offset}, after {} frames; results up to there are kept)",
                        crate::report::thousands(frames)
                    ),
                ),
            },
        }
    }
}

pub(super) fn stop_at(reader: &impl PcapReaderIterator, kind: StopKind) -> Stop {
    Stop {
        offset: reader.consumed() as u64,
        kind,
    }
}

pub(super) fn corrupt_at(reader: &impl PcapReaderIterator, what: String) -> Stop {
    stop_at(reader, StopKind::Corrupt(what))
}

/// A read failed at `offset`: a compressed stream cut short is a truncated capture, damaged
/// compressed data is corruption, anything else is an I/O error.
pub(super) fn read_failure(offset: u64, shared: &Shared) -> Stop {
    let error = shared
        .take_error()
        .unwrap_or_else(|| io::Error::other("read failed"));
    Stop {
        offset,
        kind: failure(error),
    }
}

/// The error of an input `refused` for its window after `frames` frames.
fn window_error(path: PathBuf, refused: TooLarge, frames: u64, packing: Packing) -> SourceError {
    SourceError::WindowTooLarge {
        path,
        format: refused.format,
        needed: refused.needed,
        share: refused.window.share,
        inputs: refused.window.inputs,
        frames,
        zipped: matches!(packing, Packing::Zipped | Packing::ZippedCut),
    }
}

/// What a failed read means (see [`read_failure`]).
fn failure(error: io::Error) -> StopKind {
    if let Some(refused) = TooLarge::of(&error) {
        return StopKind::Window(refused);
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => StopKind::CompressedCut,
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            StopKind::Corrupt(format!("the compressed data is damaged ({error})"))
        }
        _ => StopKind::Io(error),
    }
}

/// The error of a compressed file whose decoder failed before the capture's file header:
/// cut short or damaged as for a later read, or the read error itself.
pub(super) fn failure_before_header(
    path: &std::path::Path,
    compression: Compression,
    error: io::Error,
) -> SourceError {
    failure_at_start(
        path,
        (
            Packing::CompressedCut(compression),
            Packing::Compressed(compression),
        ),
        error,
    )
}

/// The error of a zip member that failed before the capture's file header: the archive cut
/// short or the member damaged, as for a later read, or the read error itself.
pub(super) fn member_failure(path: &std::path::Path, error: io::Error) -> SourceError {
    failure_at_start(path, (Packing::ZippedCut, Packing::Zipped), error)
}

/// A failure before the capture's file header, packed as `(cut, damaged)` say.
fn failure_at_start(
    path: &std::path::Path,
    (cut, damaged): (Packing, Packing),
    error: io::Error,
) -> SourceError {
    let path = path.to_path_buf();
    let (offset, frames) = (0, 0);
    match failure(error) {
        // At the file's start: "its file header", whatever the format.
        StopKind::CompressedCut | StopKind::Truncated => SourceError::Truncated {
            path,
            offset,
            frames,
            packing: cut,
            blocks: false,
        },
        StopKind::Corrupt(what) => SourceError::Corrupt {
            path,
            offset,
            frames,
            what,
            packing: damaged,
        },
        StopKind::OtherLayout(layout) => SourceError::OtherFormat {
            path,
            format: layout.format(),
            convert: OtherLayout::CONVERT,
        },
        StopKind::Window(refused) => window_error(path, refused, frames, damaged),
        StopKind::TextMode(copy) => SourceError::TextModeCopy {
            path,
            offset,
            frames,
            rewrite: copy.rewrite,
            first_damaged: copy.first_damaged,
        },
        StopKind::Io(source) => SourceError::Io { path, source },
    }
}

/// Makes sure the buffer holds the first `need` bytes of the current record, growing it if
/// the record is larger. `Ok(false)`: the stream ends before that.
///
/// The buffer grows by doubling as the record's bytes arrive, not to the announced length at
/// once, so a corrupt length in a short stream costs no more memory than the stream holds.
pub(super) fn ensure<R: PcapReaderIterator>(
    reader: &mut R,
    stream: &mut Stream,
    need: usize,
) -> Result<bool, Stop> {
    if reader.data().len() >= need {
        return Ok(true);
    }
    if need > stream.capacity {
        // A record that runs past the end of the stream: no need to read up to there.
        let end = (reader.consumed() as u64).saturating_add(need as u64);
        if stream.len().is_some_and(|len| end > len) {
            return Ok(false);
        }
    }
    loop {
        let before = reader.data().len();
        let grow = need > stream.capacity && before >= stream.capacity / 2;
        if grow {
            let target = need
                .checked_next_power_of_two()
                .unwrap_or(need)
                .min(MAX_RECORD)
                .max(need);
            let capacity = stream.capacity.saturating_mul(2).min(target);
            reader.grow(capacity);
            stream.capacity = capacity;
        }
        if reader.refill().is_err() {
            return Err(read_failure(reader.consumed() as u64, &stream.shared));
        }
        let after = reader.data().len();
        if after >= need {
            return Ok(true);
        }
        if reader.reader_exhausted() {
            return Ok(false);
        }
        if after == before && !grow {
            let error = io::Error::other("the reader's buffer did not fill");
            return Err(stop_at(reader, StopKind::Io(error)));
        }
    }
}

/// Like [`ensure`] for the header of the next record: `Ok(false)` when the stream ends
/// cleanly before it, a truncation when it ends inside it.
pub(super) fn ensure_header<R: PcapReaderIterator>(
    reader: &mut R,
    stream: &mut Stream,
    need: usize,
) -> Result<bool, Stop> {
    if ensure(reader, stream, need)? {
        return Ok(true);
    }
    if reader.data().is_empty() {
        Ok(false)
    } else {
        Err(stop_at(reader, StopKind::Truncated))
    }
}

/// Like [`ensure`] for the rest of a record whose header is read: its end is a truncation.
pub(super) fn ensure_record<R: PcapReaderIterator>(
    reader: &mut R,
    stream: &mut Stream,
    need: usize,
) -> Result<(), Stop> {
    if ensure(reader, stream, need)? {
        Ok(())
    } else {
        Err(stop_at(reader, StopKind::Truncated))
    }
}

/// Classic pcap: fixed record headers, one link type per file (per capture appended whole:
/// see [`PcapFraming::appended`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct PcapFraming {
    /// 16, or 24 for the modified format.
    pub(super) header_len: usize,
    pub(super) big_endian: bool,
    /// Nanoseconds in a unit of a record's time fraction: 1, or 1,000 for microseconds (a
    /// number rather than a flag: the run loop multiplies by it with no test a frame).
    pub(super) frac_unit: i64,
    pub(super) interface: u32,
    pub(super) link_type: LinkType,
    /// pcap file headers met after the first (captures appended whole).
    pub(super) appended: u32,
    /// Which record field holds the captured length, from the file header's version.
    pub(super) lengths: Lengths,
    /// The largest captured length [`PcapFraming::whole_frame`] takes: what fits in
    /// [`MAX_RECORD`] with the record header, or 0 for records whose lengths are not
    /// [`Lengths::AsWritten`], which it then leaves to [`PcapFraming::whole_record`] and
    /// [`PcapFraming::next`]: the run loop over the records of most files stays as it was,
    /// with no test of its own for them (a test there, even once per run, cost the loop 1.5%
    /// of its instructions, measured).
    pub(super) run_max: usize,
}

/// [`PcapFraming::frac_unit`] for a file of nanosecond times or not.
pub(super) fn frac_unit(nanos: bool) -> i64 {
    if nanos { 1 } else { 1000 }
}

/// Where a pcap record header keeps the captured and the original length. libpcap swapped
/// them at version 2.3, to match the BPF header; files of older versions, and of DG/UX's
/// tcpdump (version 543.0), hold the original length first, and some files that say 2.3 were
/// written in the old order. libpcap's sf-pcap.c reads them so (read for the rule, not
/// copied); read in the new order, a frame cut by the snaplen took the bytes of the next
/// record header with it, and the records after it were garbage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lengths {
    /// The captured length first (version 2.3 on).
    AsWritten,
    /// The original length first.
    Swapped,
    /// Version 2.3: either order; a record whose first length is the larger is in the old
    /// one (a frame is never captured longer than it was).
    MaybeSwapped,
}

impl Lengths {
    /// The order of a file of version `major`.`minor`, as libpcap takes it.
    pub(super) fn of_version(major: u16, minor: u16) -> Self {
        match (major, minor) {
            (2, 0..=2) | (543, _) => Self::Swapped,
            (2, 3) => Self::MaybeSwapped,
            _ => Self::AsWritten,
        }
    }

    /// The captured and original lengths of a record whose header holds `first` at byte 8
    /// and `second` at byte 12.
    #[inline(always)]
    pub(super) fn of(self, first: u32, second: u32) -> (u32, u32) {
        match self {
            Self::AsWritten => (first, second),
            Self::MaybeSwapped if first <= second => (first, second),
            Self::Swapped | Self::MaybeSwapped => (second, first),
        }
    }
}

/// Record layouts of patched libpcaps that libpcap itself does not read (nor rstscope), told
/// apart from the standard ones only by trying them, as Wireshark does: read as the magic
/// says, such a file gives one garbled frame, then a record header at the wrong place. Told
/// from the bytes already read when the file header is, so nothing waits for more packets on
/// a pipe, and the per-record path does not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OtherLayout {
    /// Red Hat 6.1's patch: 24-byte record headers under the standard magic.
    Ss990417,
    /// SuSE 6.3's patch: 28-byte record headers under the modified magic.
    Ss990915,
    /// Nokia IPSO: 20-byte record headers under the standard magic.
    Nokia,
}

impl OtherLayout {
    /// The layout, other than `own_len`'s, whose first records in `data` (the bytes after the
    /// file header read so far, whatever has arrived: nothing is waited for) are sound while
    /// the file's own layout meets an unsound record header among them.
    pub(super) fn of(data: &[u8], framing: &PcapFraming) -> Option<Self> {
        let modified = framing.header_len == 24;
        let (own_len, big_endian) = (framing.header_len, framing.big_endian);
        let records = |header_len, strict| {
            sound_records(data, header_len, big_endian, framing.lengths, strict)
        };
        // The file's own layout must meet a record its reading would stop at: a file that
        // reads on is read, whatever its fields look like.
        if framing.frac_unit == 1 || records(own_len, false).is_some() {
            return None;
        }
        let candidates: &[(usize, Self)] = if modified {
            &[(28, Self::Ss990915)]
        } else {
            &[(24, Self::Ss990417), (20, Self::Nokia)]
        };
        (candidates.iter())
            .find(|(len, _)| records(*len, true).is_some_and(|n| n >= 2))
            .map(|&(_, layout)| layout)
    }

    /// What the file then is, as [`SourceError::OtherFormat`] says it.
    pub(super) fn format(self) -> &'static str {
        match self {
            Self::Ss990417 => {
                "a pcap of Red Hat 6.1's patched libpcap (24-byte record headers under the \
                 standard magic a1b2c3d4; libpcap does not read it either)"
            }
            Self::Ss990915 => {
                "a pcap of SuSE 6.3's patched libpcap (28-byte record headers under the \
                 magic a1b2cd34; libpcap reads 24-byte ones there)"
            }
            Self::Nokia => {
                "a pcap of Nokia IPSO (20-byte record headers under the standard magic \
                 a1b2c3d4; libpcap does not read it either)"
            }
        }
    }

    /// How to convert it: Wireshark tells these layouts by trying them.
    pub(super) const CONVERT: &'static str =
        "convert it with Wireshark's editcap, which tells that layout: editcap -F pcap IN OUT.pcap";

    /// The stop that says it: at 0 for the file itself, else at the offset of the file
    /// header of the capture appended there (see [`PcapFraming::appended`]).
    pub(super) fn stop(self, offset: u64) -> Stop {
        Stop {
            offset,
            kind: StopKind::OtherLayout(self),
        }
    }
}

/// How many of the first 3 records of `data` (or all it holds whole, fewer) have sound
/// headers under record headers of `header_len` bytes; `None` at an unsound one. Sound is what
/// reading takes, or when `strict` what a layout must show to be taken for the file's: a time
/// fraction under a second (microseconds), not before the first record's second, a captured
/// length neither 0 nor above the original length (bytes of zeros are no records). The
/// lengths are where `lengths` says.
fn sound_records(
    data: &[u8],
    header_len: usize,
    big_endian: bool,
    lengths: Lengths,
    strict: bool,
) -> Option<usize> {
    let (mut at, first_secs) = (0, u32_at(data, 0, big_endian));
    for n in 0..3 {
        let Some(header) = data.get(at..at + 16) else {
            return Some(n);
        };
        let (secs, frac) = (u32_at(header, 0, big_endian), u32_at(header, 4, big_endian));
        let (caplen, orig_len) = lengths.of(
            u32_at(header, 8, big_endian),
            u32_at(header, 12, big_endian),
        );
        let unsound = if strict {
            frac >= 1_000_000 || caplen == 0 || caplen > orig_len || secs < first_secs
        } else {
            caplen > orig_len.saturating_add(ORIG_LEN_SLACK)
        };
        if unsound || caplen as usize > MAX_RECORD - header_len {
            return None;
        }
        at += header_len + caplen as usize;
    }
    Some(3)
}

/// A pcap file's header: magic, version, time zone, accuracy, snapshot length, link type.
const PCAP_FILE_HEADER_LEN: usize = 24;

impl PcapFraming {
    /// The record at the start of `data` when it lies whole there and its lengths are sound;
    /// `None` sends the caller to [`PcapFraming::next`], which reads more, or says why not.
    #[inline]
    pub(super) fn whole_record(&self, data: &[u8]) -> Option<Head> {
        let (secs, frac, caplen, orig_len) = if self.big_endian {
            self.sound_record::<true>(data)?
        } else {
            self.sound_record::<false>(data)?
        };
        Some(self.head(self.time(secs, frac), caplen, orig_len))
    }

    /// The frame of the record at the start of `data`, as [`PcapFraming::whole_record`]
    /// finds it: its time, bytes and original length. `BIG_ENDIAN` is the framing's: a loop
    /// over records makes the choice once, outside the loop. Records whose lengths are not
    /// [`Lengths::AsWritten`] (files a few decades old) get `None` (see
    /// [`PcapFraming::run_max`]).
    #[inline(always)]
    pub(super) fn whole_frame<'a, const BIG_ENDIAN: bool>(
        &self,
        data: &'a [u8],
    ) -> Option<(Timestamp, &'a [u8], u32)> {
        let (secs, frac, caplen, orig_len) = Self::fields::<BIG_ENDIAN>(data.first_chunk()?);
        // A record of no bytes (rare) may be a file header, its time zone read as the length:
        // [`PcapFraming::next`] tells. One comparison for both: 0 wraps to the largest.
        if (caplen as usize).wrapping_sub(1) >= self.run_max
            || u64::from(caplen) > u64::from(orig_len) + u64::from(ORIG_LEN_SLACK)
        {
            return None;
        }
        let bytes = data.get(self.header_len..self.header_len + caplen as usize)?;
        Some((self.time(secs, frac), bytes, orig_len))
    }

    /// Sets the record header's length and where its lengths are, with
    /// [`PcapFraming::run_max`] to match.
    pub(super) fn set_layout(&mut self, header_len: usize, lengths: Lengths) {
        self.header_len = header_len;
        self.lengths = lengths;
        self.run_max = match lengths {
            Lengths::AsWritten => MAX_RECORD - header_len,
            Lengths::Swapped | Lengths::MaybeSwapped => 0,
        };
    }

    /// A record's time: seconds and microseconds, or nanoseconds.
    #[inline(always)]
    fn time(&self, secs: u32, frac: u32) -> Timestamp {
        Timestamp(i64::from(secs) * NANOS_PER_SEC + i64::from(frac) * self.frac_unit)
    }

    /// The record header at the start of `data` (seconds, fraction, captured and original
    /// lengths) when the record lies whole there and its lengths are sound.
    #[inline(always)]
    fn sound_record<const BIG_ENDIAN: bool>(&self, data: &[u8]) -> Option<(u32, u32, u32, u32)> {
        debug_assert_eq!(self.big_endian, BIG_ENDIAN);
        let header_len = self.header_len;
        let (secs, frac, first, second) = Self::fields::<BIG_ENDIAN>(data.first_chunk()?);
        let (caplen, orig_len) = self.lengths.of(first, second);
        let record_len = header_len.checked_add(caplen as usize)?;
        if record_len > data.len()
            || (caplen as usize).wrapping_sub(1) >= MAX_RECORD - header_len
            || caplen > orig_len.saturating_add(ORIG_LEN_SLACK)
        {
            return None;
        }
        Some((secs, frac, caplen, orig_len))
    }

    /// A record header's seconds, fraction, captured and original lengths.
    #[inline(always)]
    fn fields<const BIG_ENDIAN: bool>(header: &[u8; 16]) -> (u32, u32, u32, u32) {
        let field = |at: usize| {
            let bytes = [header[at], header[at + 1], header[at + 2], header[at + 3]];
            if BIG_ENDIAN {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        (field(0), field(4), field(8), field(12))
    }

    /// The head of a record of time `ts` whose header said `caplen` and `orig_len`.
    #[inline]
    pub(super) fn head(&self, ts: Timestamp, caplen: u32, orig_len: u32) -> Head {
        Head {
            ts,
            link_type: self.link_type,
            interface: self.interface,
            start: self.header_len,
            len: caplen as usize,
            orig_len,
            record_len: self.header_len + caplen as usize,
            meta: PacketMeta::default(),
            options: OptionsAt::default(),
        }
    }

    pub(super) fn next<R: PcapReaderIterator>(
        &mut self,
        reader: &mut R,
        stream: &mut Stream,
        interfaces: &mut Vec<InterfaceInfo>,
        file: usize,
    ) -> Result<Option<Head>, Stop> {
        while self.appended(reader, stream, interfaces, file)? {}
        let header_len = self.header_len;
        if !ensure_header(reader, stream, header_len)? {
            return Ok(None);
        }
        let data = reader.data();
        let be = self.big_endian;
        let (secs, frac) = (u32_at(data, 0, be), u32_at(data, 4, be));
        let (caplen, orig_len) = (self.lengths).of(u32_at(data, 8, be), u32_at(data, 12, be));
        if caplen as usize > MAX_RECORD - header_len {
            let what = format!(
                "record length {caplen} exceeds the {} MiB limit",
                MAX_RECORD >> 20
            );
            return Err(corrupt_at(reader, what));
        }
        check_orig_len(caplen, orig_len).map_err(|what| corrupt_at(reader, what))?;
        let record_len = header_len + caplen as usize;
        ensure_record(reader, stream, record_len)?;
        Ok(Some(self.head(self.time(secs, frac), caplen, orig_len)))
    }
}

impl PcapFraming {
    /// True when a pcap file header stands where the next record should: captures appended
    /// whole, as `cat a.pcap b.pcap > all.pcap` or `zcat *.pcap.gz > all.pcap` make them (or
    /// `cat a.pcap.gz b.pcap.gz`, read as one stream). Its byte order, time resolution and link
    /// type hold from there on, on an interface of its own (its part a capture of its own, as a
    /// pcapng section is), and it is consumed. Read as records, its fields made a packet decades
    /// away (the magic number read as the time) and the next record's time an absurd length,
    /// and the rest of the file was skipped as corrupt.
    fn appended<R: PcapReaderIterator>(
        &mut self,
        reader: &mut R,
        stream: &mut Stream,
        interfaces: &mut Vec<InterfaceInfo>,
        file: usize,
    ) -> Result<bool, Stop> {
        let Some(Kind::Pcap {
            big_endian,
            nanos,
            modified,
        }) = reader
            .data()
            .first_chunk::<4>()
            .and_then(|m| detect(m.as_slice()))
        else {
            return Ok(false);
        };
        // A file that ends before a whole header: read on as records, which says where.
        if !ensure(reader, stream, PCAP_FILE_HEADER_LEN)? {
            return Ok(false);
        }
        let data = reader.data();
        let (major, minor) = (u16_at(data, 4, big_endian), u16_at(data, 6, big_endian));
        // The versions libpcap reads: 2.x, and DG/UX's 543.0.
        if major != 2 && (major, minor) != (543, 0) {
            return Ok(false);
        }
        let snaplen = u32_at(data, 16, big_endian);
        // The upper bits of the link-type field carry FCS information, as in the first header.
        let link_type = LinkType(u32_at(data, 20, big_endian) & 0xFFFF);
        // Each part a capture of its own, as a pcapng section is: copies of a packet on several
        // interfaces are not looked for across parts.
        self.appended += 1;
        self.interface =
            register_interface(interfaces, file, self.appended, 0, link_type, None, None)
                .map_err(|what| corrupt_at(reader, what))?;
        self.link_type = link_type;
        if let Some(i) = interfaces.get_mut(self.interface as usize) {
            i.snaplen = snaplen;
            i.set_tsresol(if nanos { 9 } else { 6 });
        }
        self.big_endian = big_endian;
        self.frac_unit = frac_unit(nanos);
        self.set_layout(
            if modified { 24 } else { 16 },
            Lengths::of_version(major, minor),
        );
        let at = reader.consumed() as u64;
        reader.consume_noshift(PCAP_FILE_HEADER_LEN);
        if let Some(layout) = OtherLayout::of(reader.data(), self) {
            return Err(layout.stop(at));
        }
        Ok(true)
    }
}

/// pcapng: blocks of any type; sections, each with its own byte order and interfaces.
pub(super) struct NgFraming {
    big_endian: bool,
    /// Sections begun so far; the current one is `sections - 1`.
    sections: u32,
    /// Interfaces of the current section, by local id.
    interfaces: Vec<NgInterface>,
    /// Process blocks of the current section, by the index packets use.
    processes: SectionProcesses,
}

/// One interface of the current section.
#[derive(Debug, Clone, Copy)]
struct NgInterface {
    global: u32,
    link_type: LinkType,
    snaplen: u32,
    clock: Clock,
    /// The most frames its statistics blocks counted lost (see [`FileInfo::lost`]).
    lost: u64,
}

impl NgInterface {
    /// The head of an Enhanced (or obsolete) Packet Block of `len` bytes captured on this
    /// interface at `raw_ts` (in its clock's units), its frame of `lengths` (captured,
    /// original) at byte 28, before its options are read: one construction for the blocks
    /// framed in place ([`NgFraming::plain_packet`]) and those checked field by field
    /// ([`NgFraming::packet`]).
    #[inline(always)]
    fn packet_head(&self, raw_ts: u64, (caplen, orig_len): (u32, u32), len: usize) -> Head {
        Head {
            ts: self.clock.at(raw_ts),
            link_type: self.link_type,
            interface: self.global,
            start: 28,
            len: caplen as usize,
            orig_len,
            record_len: len,
            meta: PacketMeta::default(),
            options: OptionsAt::default(),
        }
    }
}

/// What the pcapng framing needs from outside the file.
pub(super) struct NgContext<'a> {
    pub(super) interfaces: &'a mut Vec<InterfaceInfo>,
    pub(super) processes: &'a mut ProcessTable,
    pub(super) warnings: &'a mut Warnings,
    pub(super) file: usize,
    pub(super) last_ts: Timestamp,
    /// The capture's own start and end as the file's statistics blocks state them, widened
    /// by each one met (see [`FileInfo::recorded`]).
    pub(super) recorded: &'a mut Option<(Timestamp, Timestamp)>,
    /// The frames the file's statistics blocks count lost, grown by each one met (see
    /// [`FileInfo::lost`]).
    pub(super) lost: &'a mut u64,
    /// The frames of Simple Packet Blocks, counted (see [`FileInfo::simple_packets`]).
    pub(super) simple_packets: &'a mut u64,
}

impl NgFraming {
    pub(super) fn new() -> Self {
        Self {
            big_endian: false,
            sections: 0,
            interfaces: Vec::new(),
            processes: SectionProcesses::default(),
        }
    }

    pub(super) fn next<R: PcapReaderIterator>(
        &mut self,
        reader: &mut R,
        stream: &mut Stream,
        context: NgContext<'_>,
    ) -> Result<Option<Head>, Stop> {
        let NgContext {
            interfaces,
            processes,
            warnings,
            file,
            last_ts,
            recorded,
            lost,
            simple_packets,
        } = context;
        loop {
            // Every block is at least 12 bytes; 12 reach the byte-order magic of a section header.
            if !ensure_header(reader, stream, 12)? {
                return Ok(None);
            }
            let data = reader.data();
            let block_type = u32_at(data, 0, self.big_endian);
            if block_type == SHB {
                // The magic reads the same in both orders; the section's order comes next.
                self.big_endian = match u32_at(data, 8, false) {
                    BOM => false,
                    bom if bom == BOM.swap_bytes() => true,
                    bom => {
                        let what =
                            format!("section header with unknown byte-order magic {bom:#010x}");
                        return Err(corrupt_at(reader, what));
                    }
                };
            }
            let len = u32_at(data, 4, self.big_endian) as usize;
            check_block_len(block_type, len).map_err(|what| corrupt_at(reader, what))?;
            ensure_record(reader, stream, len)?;
            let data = reader.data();
            let trailer = u32_at(data, len - 4, self.big_endian);
            if trailer as usize != len {
                let what =
                    format!("block ends with length {trailer}, but begins with length {len}");
                return Err(corrupt_at(reader, what));
            }
            let offset = reader.consumed() as u64;
            match block_type {
                EPB | PB => {
                    let block = BlockAt {
                        data,
                        block_type,
                        len,
                        offset,
                    };
                    return self.packet_at(reader, block, last_ts, processes, warnings);
                }
                // Counted in an arm of its own: the other packets pay nothing for it.
                SPB => {
                    *simple_packets += 1;
                    let block = BlockAt {
                        data,
                        block_type,
                        len,
                        offset,
                    };
                    return self.packet_at(reader, block, last_ts, processes, warnings);
                }
                SHB => self.section_header(reader)?,
                IDB => self.interface_description(reader, interfaces, file, warnings)?,
                DPEB => self.processes.darwin_block(
                    data.get(..len).unwrap_or(data),
                    self.big_endian,
                    offset,
                    processes,
                    warnings,
                ),
                RSTSCOPE_HOST => processes.recorded_host(
                    data.get(8..len - 4).unwrap_or_default(),
                    offset,
                    (file, self.sections.saturating_sub(1)),
                    warnings,
                ),
                ISB => {
                    let block = data.get(..len).unwrap_or(data);
                    self.statistics(block, last_ts, recorded);
                    self.drops(block, lost);
                }
                // Name resolution, secrets, custom and unknown blocks.
                _ => {}
            }
            reader.consume_noshift(len);
        }
    }

    /// The packet block `block`, at the reader's position, with what its options say; a
    /// block that is not sound stops the file there. Inlined: the packets that are not whole
    /// in the buffer take this path, as they did before it was shared by two arms.
    #[inline(always)]
    fn packet_at<R: PcapReaderIterator>(
        &mut self,
        reader: &R,
        block: BlockAt<'_>,
        last_ts: Timestamp,
        processes: &mut ProcessTable,
        warnings: &mut Warnings,
    ) -> Result<Option<Head>, Stop> {
        let head = if self.big_endian {
            self.packet_record::<true>(block, last_ts, processes, warnings)
        } else {
            self.packet_record::<false>(block, last_ts, processes, warnings)
        };
        head.map(Some).map_err(|what| corrupt_at(reader, what))
    }

    /// The current section is little-endian and describes interfaces, all of them Ethernet.
    pub(super) fn little_endian_ethernet(&self) -> bool {
        !self.big_endian
            && !self.interfaces.is_empty()
            && (self.interfaces.iter()).all(|i| i.link_type == LinkType::ETHERNET)
    }

    /// The Enhanced Packet Block at the start of `data` (the stream's bytes from `offset`)
    /// when it lies whole there and its lengths are sound, decoded as [`NgFraming::next`]
    /// does; `None` sends the caller to [`NgFraming::next`], which reads more, takes the
    /// other blocks, or says what is wrong. Most blocks of a file are packets whole in the
    /// buffer: they skip the checks for their bytes' arrival.
    #[inline]
    pub(super) fn whole_packet(
        &mut self,
        data: &[u8],
        offset: u64,
        processes: &mut ProcessTable,
        warnings: &mut Warnings,
    ) -> Option<Head> {
        if self.big_endian {
            self.whole_packet_as::<true>(data, offset, processes, warnings)
        } else {
            self.whole_packet_as::<false>(data, offset, processes, warnings)
        }
    }

    /// [`NgFraming::whole_packet`] in the section's byte order, `BIG_ENDIAN`.
    #[inline(always)]
    pub(super) fn whole_packet_as<const BIG_ENDIAN: bool>(
        &mut self,
        data: &[u8],
        offset: u64,
        processes: &mut ProcessTable,
        warnings: &mut Warnings,
    ) -> Option<Head> {
        debug_assert_eq!(self.big_endian, BIG_ENDIAN);
        let len = u32_in::<BIG_ENDIAN>(data, 4) as usize;
        if u32_in::<BIG_ENDIAN>(data, 0) != EPB
            || len > data.len()
            || len < 32
            || !len.is_multiple_of(4)
            || len > MAX_RECORD
            || u32_in::<BIG_ENDIAN>(data, len - 4) as usize != len
        {
            return None;
        }
        if let Some(head) = self.plain_packet::<BIG_ENDIAN>(data, len) {
            return Some(head);
        }
        let block = BlockAt {
            data,
            block_type: EPB,
            len,
            offset,
        };
        // A packet that refers to no interface, or whose lengths disagree, is told by `next`.
        self.packet_record::<BIG_ENDIAN>(block, Timestamp::default(), processes, warnings)
            .ok()
    }

    /// The Enhanced Packet Block of `len` bytes at the start of `data` (its length and
    /// trailer checked) as [`NgFraming::packet_record`] decodes it, when it has no options
    /// and is sound: the blocks dumpcap and Wireshark write. `None` sends the caller to
    /// `packet_record`, which reads options and says what is wrong. Built in place, with no
    /// call and no `Result` to copy the head through: 143 instructions a frame fewer.
    #[inline(always)]
    fn plain_packet<const BIG_ENDIAN: bool>(&self, data: &[u8], len: usize) -> Option<Head> {
        let field = |at| u32_in::<BIG_ENDIAN>(data, at);
        let (caplen, orig_len) = (field(20), field(24));
        // No options: the frame's bytes, padded to 32 bits, end at the trailer (so they fit).
        // In 64 bits: a length near 2^32 padded does not wrap where `usize` has 32.
        if u64::from(caplen).next_multiple_of(4) != (len - 32) as u64
            || caplen > orig_len.saturating_add(ORIG_LEN_SLACK)
        {
            return None;
        }
        let interface = self.interfaces.get(field(8) as usize)?;
        let raw_ts = (u64::from(field(12)) << 32) | u64::from(field(16));
        Some(interface.packet_head(raw_ts, (caplen, orig_len), len))
    }

    /// A packet block (complete in `block.data`, its length and trailer checked) with what
    /// its options say, in the section's byte order, `BIG_ENDIAN`.
    fn packet_record<const BIG_ENDIAN: bool>(
        &mut self,
        block: BlockAt<'_>,
        last_ts: Timestamp,
        processes: &mut ProcessTable,
        warnings: &mut Warnings,
    ) -> Result<Head, String> {
        let BlockAt {
            data,
            block_type,
            len,
            offset,
        } = block;
        let mut head = self.packet::<BIG_ENDIAN>(data, block_type, len, last_ts)?;
        // Options follow the frame bytes, padded to 32 bits; the smallest takes 4 bytes.
        let start = (head.start + head.len).next_multiple_of(4);
        if block_type != SPB && start + 4 <= len - 4 {
            head.meta = self.processes.packet_options(
                data.get(..len).unwrap_or(data),
                (start, len - 4),
                BIG_ENDIAN,
                offset,
                processes,
                warnings,
            );
            if let Some(names) = processes.indexes_named.take() {
                processes.indexes_learned.push((head.interface, names));
            }
            // Both ends fit: the block's length is at most `MAX_RECORD`.
            head.options = OptionsAt {
                start: start as u32,
                end: (len - 4) as u32,
                big_endian: BIG_ENDIAN,
            };
        }
        Ok(head)
    }

    /// Decodes a packet block (complete in `data`, its length and trailer checked).
    fn packet<const BIG_ENDIAN: bool>(
        &self,
        data: &[u8],
        block_type: u32,
        len: usize,
        last_ts: Timestamp,
    ) -> Result<Head, String> {
        debug_assert_eq!(self.big_endian, BIG_ENDIAN);
        if block_type == SPB {
            let interface = self
                .interfaces
                .first()
                .ok_or("a simple packet block comes before any interface description")?;
            let orig_len = u32_in::<BIG_ENDIAN>(data, 8);
            let mut caplen = (orig_len as usize).min(len - 16);
            if interface.snaplen != 0 {
                caplen = caplen.min(interface.snaplen as usize);
            }
            return Ok(Head {
                ts: last_ts,
                link_type: interface.link_type,
                interface: interface.global,
                start: 12,
                len: caplen,
                orig_len,
                record_len: len,
                meta: PacketMeta::default(),
                options: OptionsAt::default(),
            });
        }
        // Enhanced and obsolete Packet Blocks share their layout but for the interface id's
        // width (the obsolete one has a 16-bit drop count after it).
        let field = |at| u32_in::<BIG_ENDIAN>(data, at);
        let local_id = if block_type == EPB {
            field(8)
        } else {
            u32::from(u16_in::<BIG_ENDIAN>(data, 8))
        };
        let raw_ts = (u64::from(field(12)) << 32) | u64::from(field(16));
        let (caplen, orig_len) = (field(20), field(24));
        if caplen as usize > len - 32 {
            return Err(format!(
                "captured length {caplen} does not fit in a block of {len} bytes"
            ));
        }
        check_orig_len(caplen, orig_len)?;
        let interface = self.interfaces.get(local_id as usize).ok_or_else(|| {
            format!(
                "a packet refers to interface {local_id}, but its section describes {} interfaces",
                self.interfaces.len()
            )
        })?;
        Ok(interface.packet_head(raw_ts, (caplen, orig_len), len))
    }

    /// A new section: its interfaces replace those of the previous one.
    fn section_header<R: PcapReaderIterator>(&mut self, reader: &mut R) -> Result<(), Stop> {
        let version = match reader.next() {
            Ok((_, PcapBlockOwned::NG(Block::SectionHeader(shb)))) => {
                Ok((shb.major_version, shb.minor_version))
            }
            Ok(_) => Err("not a section header".to_string()),
            Err(e) => Err(describe(&e)),
        };
        match version {
            Ok((1, _)) => {}
            Ok((major, minor)) => {
                let what = format!("pcapng version {major}.{minor} is not supported (only 1.x)");
                return Err(corrupt_at(reader, what));
            }
            Err(e) => {
                return Err(corrupt_at(
                    reader,
                    format!("malformed section header block ({e})"),
                ));
            }
        }
        self.sections += 1;
        self.interfaces.clear();
        self.processes.clear();
        Ok(())
    }

    fn interface_description<R: PcapReaderIterator>(
        &mut self,
        reader: &mut R,
        interfaces: &mut Vec<InterfaceInfo>,
        file: usize,
        warnings: &mut Warnings,
    ) -> Result<(), Stop> {
        let be = self.big_endian;
        let offset = reader.consumed() as u64;
        let parsed = match reader.next() {
            Ok((_, PcapBlockOwned::NG(Block::InterfaceDescription(idb)))) => {
                let mut described = Described {
                    link_type: LinkType(idb.linktype.0 as u32 & 0xFFFF),
                    snaplen: idb.snaplen,
                    name: None,
                    description: None,
                    filter: None,
                    index_names: Vec::new(),
                    tsresol: 6,
                    tsoffset: 0,
                };
                for option in &idb.options {
                    let Ok(value) = option.as_bytes() else {
                        continue;
                    };
                    match option.code.0 {
                        option::IF_NAME => described.name = Some(option_text(value)),
                        option::IF_DESCRIPTION => {
                            described.description = Some(option_text(value));
                        }
                        option::IF_TSRESOL => {
                            described.tsresol = value.first().copied().unwrap_or(6);
                        }
                        option::IF_FILTER => {
                            // Kind 0 is a libpcap expression (1 is BPF bytecode).
                            if let Some((0, expression)) = value.split_first() {
                                described.filter = Some(option_text(expression));
                            }
                        }
                        option::COMMENT => {
                            // Whole: a machine with many interfaces says more than a name.
                            let text = String::from_utf8_lossy(value);
                            if let Some(names) =
                                crate::source::pcapng::index_names(text.trim_end_matches('\0'))
                            {
                                described.index_names = names;
                            }
                        }
                        option::IF_TSOFFSET => {
                            if let Some(bytes) = value.first_chunk::<8>() {
                                described.tsoffset = if be {
                                    i64::from_be_bytes(*bytes)
                                } else {
                                    i64::from_le_bytes(*bytes)
                                };
                            }
                        }
                        _ => {}
                    }
                }
                Ok(described)
            }
            Ok(_) => Err("not an interface description".to_string()),
            Err(e) => Err(describe(&e)),
        };
        let d = parsed.map_err(|e| {
            corrupt_at(
                reader,
                format!("malformed interface description block ({e})"),
            )
        })?;
        let mut d = d;
        if d.tsoffset.checked_mul(NANOS_PER_SEC).is_none() {
            // Beyond ±292 years no time is representable: a corrupt value, not an offset.
            let tsoffset = d.tsoffset;
            warnings.push(offset, || {
                format!("interface time offset (if_tsoffset) of {tsoffset} s is out of range")
            });
            d.tsoffset = 0;
        }
        let local_id = self.interfaces.len() as u32;
        let section = self.sections.saturating_sub(1);
        let global = register_interface(
            interfaces,
            file,
            section,
            local_id,
            d.link_type,
            d.name,
            d.description,
        )
        .map_err(|what| corrupt_at(reader, what))?;
        if let Some(i) = interfaces.get_mut(global as usize) {
            i.filter = d.filter;
            i.snaplen = d.snaplen;
            i.index_names = d.index_names;
            i.set_tsresol(d.tsresol);
        }
        self.interfaces.push(NgInterface {
            global,
            link_type: d.link_type,
            snaplen: d.snaplen,
            clock: Clock::new(d.tsresol, d.tsoffset),
            lost: 0,
        });
        Ok(())
    }
}

impl NgFraming {
    /// The frames of interface `from` (a global number) are delivered as interface `to`'s
    /// from now on: the file continues the capture of an earlier file
    /// ([`InterfaceInfo::continues`]).
    pub(super) fn deliver_as(&mut self, from: u32, to: u32) {
        for interface in &mut self.interfaces {
            if interface.global == from {
                interface.global = to;
            }
        }
    }

    /// Notes in `recorded` the capture's start and end that the Interface Statistics Block
    /// `block` (whole, its length checked) states, `isb_starttime` and `isb_endtime`, widening
    /// what blocks before it said. dumpcap and rstscope write them when a capture to one file
    /// ends; text2pcap writes zeros, which say nothing. They are on the interface's clock, as
    /// packet times are, but dumpcap (4.0) writes microseconds whatever the interface's
    /// resolution: the reading whose end lies nearer the file's last packet (`last_ts`) is
    /// taken. A malformed block is passed over: its statistics are no part of the packets.
    fn statistics(
        &self,
        block: &[u8],
        last_ts: Timestamp,
        recorded: &mut Option<(Timestamp, Timestamp)>,
    ) {
        let be = self.big_endian;
        let Some(interface) = self.interfaces.get(u32_at(block, 8, be) as usize) else {
            return;
        };
        let (mut start, mut end) = (None, None);
        for (code, value) in statistics_options(block, be) {
            if let (option::ISB_STARTTIME | option::ISB_ENDTIME, 8) = (code, value.len()) {
                let raw = u64::from(u32_at(value, 0, be)) << 32 | u64::from(u32_at(value, 4, be));
                let raw = (raw != 0).then_some(raw);
                if code == option::ISB_STARTTIME {
                    start = raw;
                } else {
                    end = raw;
                }
            }
        }
        let (Some(start), Some(end)) = (start, end) else {
            return;
        };
        let distance = |clock: Clock| clock.at(end).0.abs_diff(last_ts.0);
        let clock = [interface.clock, interface.clock.in_microseconds()]
            .into_iter()
            .min_by_key(|&c| distance(c))
            .unwrap_or(interface.clock);
        let (start, end) = (clock.at(start), clock.at(end));
        if start <= end {
            *recorded = Some(recorded.map_or((start, end), |(s, e)| (s.min(start), e.max(end))));
        }
    }

    /// Adds to `lost` the frames the Interface Statistics Block `block` (whole, its length
    /// checked) counts lost beyond what its interface's blocks before it did: `isb_ifdrop`
    /// and `isb_osdrop` (dumpcap and rstscope write them when a capture ends; a writer that
    /// writes blocks along the way counts on from one to the next). A malformed block is
    /// passed over.
    fn drops(&mut self, block: &[u8], lost: &mut u64) {
        let be = self.big_endian;
        let Some(interface) = self.interfaces.get_mut(u32_at(block, 8, be) as usize) else {
            return;
        };
        let mut dropped = 0u64;
        for (code, value) in statistics_options(block, be) {
            if let (option::ISB_IFDROP | option::ISB_OSDROP, Ok(bytes)) =
                (code, <[u8; 8]>::try_from(value))
            {
                let n = if be {
                    u64::from_be_bytes(bytes)
                } else {
                    u64::from_le_bytes(bytes)
                };
                dropped = dropped.saturating_add(n);
            }
        }
        if dropped > interface.lost {
            *lost = lost.saturating_add(dropped - interface.lost);
            interface.lost = dropped;
        }
    }
}

/// A block whole in the buffer, its length and trailer checked.
#[derive(Clone, Copy)]
struct BlockAt<'a> {
    /// The buffer from the block's start (it may hold more).
    data: &'a [u8],
    block_type: u32,
    len: usize,
    /// Where the block starts in the (decompressed) stream.
    offset: u64,
}

/// What an interface description block says that is kept.
struct Described {
    link_type: LinkType,
    snaplen: u32,
    name: Option<String>,
    description: Option<String>,
    filter: Option<String>,
    index_names: Vec<(u32, String)>,
    tsresol: u8,
    tsoffset: i64,
}

/// Adds an interface to the global list; returns its global number.
pub(super) fn register_interface(
    interfaces: &mut Vec<InterfaceInfo>,
    file: usize,
    section: u32,
    local_id: u32,
    link_type: LinkType,
    name: Option<String>,
    description: Option<String>,
) -> Result<u32, String> {
    if interfaces.len() >= MAX_INTERFACES {
        return Err(format!("more than {MAX_INTERFACES} interface descriptions"));
    }
    let id = interfaces.len() as u32;
    interfaces.push(InterfaceInfo {
        id,
        file,
        section,
        local_id,
        link_type,
        name,
        description,
        filter: None,
        snaplen: 0,
        index_names: Vec::new(),
        frames: 0,
        continues: None,
        time_digits: 6,
        tsresol: crate::source::pcapng::MICROSECONDS,
    });
    Ok(id)
}

fn option_text(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    text.trim_end_matches('\0')
        .chars()
        .take(MAX_NAME_CHARS)
        .collect()
}

/// Turns a pcapng interface's raw timestamps into packet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clock {
    scale: Scale,
    /// `if_tsoffset`, in nanoseconds.
    offset_ns: i64,
}

/// Raw units to nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// Units of 10^-k s with k <= 9: multiply.
    Mul(u64),
    /// Units of 10^-k s with k > 9: divide.
    Div(u128),
    /// Units of 2^-n s: times 10^9, shifted right by n.
    Shift(u32),
}

impl Clock {
    /// From `if_tsresol` (a power of 10, or of 2 with the high bit set) and `if_tsoffset` in
    /// seconds. Resolutions finer than the nanosecond are cut to the nanosecond.
    pub(super) fn new(tsresol: u8, tsoffset: i64) -> Self {
        let exponent = u32::from(tsresol & 0x7F);
        let scale = if tsresol & 0x80 != 0 {
            Scale::Shift(exponent)
        } else if exponent <= 9 {
            Scale::Mul(10u64.pow(9 - exponent))
        } else {
            // 10^(k-9) overflows u128 only for k > 47: every timestamp is then 0 s.
            Scale::Div(10u128.checked_pow(exponent - 9).unwrap_or(u128::MAX))
        };
        Self {
            scale,
            offset_ns: tsoffset.saturating_mul(NANOS_PER_SEC),
        }
    }

    /// The same clock in microseconds (its offset kept): how dumpcap writes a statistics
    /// block's start and end, whatever the interface's resolution.
    fn in_microseconds(self) -> Self {
        Self {
            scale: Scale::Mul(1000),
            ..self
        }
    }

    pub(super) fn at(self, raw: u64) -> Timestamp {
        let raw = u128::from(raw);
        let nanos = match self.scale {
            Scale::Mul(factor) => raw * u128::from(factor),
            Scale::Div(divisor) => raw / divisor,
            Scale::Shift(bits) => (raw * NANOS_PER_SEC as u128) >> bits,
        };
        Timestamp(
            i64::try_from(nanos)
                .unwrap_or(i64::MAX)
                .saturating_add(self.offset_ns),
        )
    }
}

/// Checks a pcapng block length read from its header.
pub(super) fn check_block_len(block_type: u32, len: usize) -> Result<(), String> {
    let (name, min) = match block_type {
        SHB => ("section header block", 28),
        IDB => ("interface description block", 20),
        EPB => ("enhanced packet block", 32),
        PB => ("packet block", 32),
        SPB => ("simple packet block", 16),
        _ => ("block", 12),
    };
    let problem = if len > MAX_RECORD {
        format!("exceeds the {} MiB limit", MAX_RECORD >> 20)
    } else if !len.is_multiple_of(4) {
        "is not a multiple of 4".to_string()
    } else if len < min {
        format!("is shorter than the {min} bytes such a block needs")
    } else {
        return Ok(());
    };
    Err(format!(
        "{name} (type {block_type:#x}) length {len} {problem}"
    ))
}

pub(super) fn check_orig_len(caplen: u32, orig_len: u32) -> Result<(), String> {
    if caplen > orig_len.saturating_add(ORIG_LEN_SLACK) {
        Err(format!(
            "captured length {caplen} is far larger than the packet's length on the wire {orig_len}"
        ))
    } else {
        Ok(())
    }
}

/// pcap-parser's error without the input bytes some of its variants carry.
pub(super) fn describe(error: &PcapError<&[u8]>) -> String {
    match error {
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => format!("{kind:?}"),
        other => other.to_string(),
    }
}

/// The options of the Interface Statistics Block `block` (whole) as (code, value), up to
/// the end-of-options option; a value cut by the block's end comes cut.
fn statistics_options(block: &[u8], be: bool) -> impl Iterator<Item = (u16, &[u8])> {
    // Options follow the interface id and the block's own timestamp; the trailer ends them.
    let options_end = block.len().saturating_sub(4);
    let mut at = 20;
    std::iter::from_fn(move || {
        if at + 4 > options_end {
            return None;
        }
        let code = u16_at(block, at, be);
        let len = usize::from(u16_at(block, at + 2, be));
        let value = block.get(at + 4..(at + 4 + len).min(options_end))?;
        if code == option::END {
            return None;
        }
        at += 4 + len.next_multiple_of(4);
        Some((code, value))
    })
}

/// The u32 at `at`, or 0 past the end (callers have checked the length).
pub(super) fn u32_at(data: &[u8], at: usize, big_endian: bool) -> u32 {
    if big_endian {
        u32_in::<true>(data, at)
    } else {
        u32_in::<false>(data, at)
    }
}

/// The `N` bytes at `at` of `data`; zeros where `data` ends before them.
#[inline(always)]
fn bytes_at<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    data.get(at..)
        .and_then(|rest| rest.first_chunk::<N>())
        .copied()
        .unwrap_or([0; N])
}

/// [`u32_at`] with the byte order known where it is called.
#[inline(always)]
fn u32_in<const BIG_ENDIAN: bool>(data: &[u8], at: usize) -> u32 {
    let bytes = bytes_at(data, at);
    if BIG_ENDIAN {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

/// The u16 at `at`, or 0 past the end (callers have checked the length).
pub(super) fn u16_at(data: &[u8], at: usize, big_endian: bool) -> u16 {
    if big_endian {
        u16_in::<true>(data, at)
    } else {
        u16_in::<false>(data, at)
    }
}

/// [`u16_at`] with the byte order known where it is called.
#[inline(always)]
fn u16_in<const BIG_ENDIAN: bool>(data: &[u8], at: usize) -> u16 {
    let bytes = bytes_at(data, at);
    if BIG_ENDIAN {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    }
}
