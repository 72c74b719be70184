//! Where frames come from. Capture files are read by a pure-Rust streaming reader, so files
//! open on machines without libpcap or Npcap; live capture goes through libpcap (Npcap).

use std::path::{Path, PathBuf};

pub use crate::packet::DropKind;
use crate::packet::Timestamp;

/// One count per packet seen on several interfaces (live capture, pktmon and other multi-interface files).
pub mod dedupe;
/// Streaming pcap / pcapng (optionally compressed) reader, several files merged in time.
pub mod file;
/// Live capture with libpcap: every interface at once, kernel filter, counted drops.
pub mod live;
/// Npcap's DLL on Windows: loaded and checked before any pcap call, so capture says when it is missing.
pub mod npcap;
/// pcapng's block types and option codes, and the one pcapng writer (live capture, evidence).
pub mod pcapng;

/// Every capture file the tests can read: the project's own, and the public corpus beside the
/// project when it is there.
#[cfg(test)]
pub(crate) fn test_captures() -> Vec<PathBuf> {
    use std::path::Path;
    fn under(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                under(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "gz")
            {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("resources/sample-7211.pcapng"),
        root.join("resources/story-7211.pcapng"),
    ];
    under(&root.join("tests/fixtures"), &mut files);
    let corpus = root.join("../shared/pcaps");
    if corpus.is_dir() {
        under(&corpus, &mut files);
    } else {
        println!(
            "skipped: the public corpus ({}) is not there",
            corpus.display()
        );
    }
    files.sort();
    files
}

pub use file::{FileSource, MAX_PROCESSES, OnComparing, OpenWatch};

/// A link-layer type as numbered by tcpdump.org's LINKTYPE_ registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// Ethernet (LINKTYPE_ETHERNET), the link type of most captures.
    pub const ETHERNET: LinkType = LinkType(1);
}

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Packet time.
    pub ts: Timestamp,
    /// 1-based frame number across the whole (merged) capture.
    pub number: u64,
    /// Link type of the interface the frame was captured on.
    pub link_type: LinkType,
    /// Interface index: the pcapng interface id, made unique across sections and merged files
    /// (one number per file, section and interface description); 0 for a single pcap file.
    /// It indexes [`FileSource::interfaces`].
    pub interface: u32,
    /// The captured bytes (at most the snaplen).
    pub data: &'a [u8],
    /// The frame's length on the wire.
    pub orig_len: u32,
    /// Which way the frame went, when the capture says (pcapng `epb_flags`).
    pub direction: Option<Direction>,
    /// The process the capture ties the frame to (the local socket's owner), as an index into
    /// [`FileSource::processes`]. `None` for live capture and for files that carry no process
    /// information.
    pub process: Option<u32>,
    /// The effective process, when the capture names one apart from `process` (Apple's
    /// "effective process": the app on whose behalf a daemon's socket works). Same table.
    pub effective_process: Option<u32>,
    /// The capture's identifier of this packet, the same for every copy of it recorded at
    /// another capture point (pcapng `epb_packetid`, which Windows pktmon traces converted by
    /// etl2pcapng carry). `None` where the capture gives none.
    pub packet_id: Option<u64>,
    /// The capturing host did not deliver the packet (pcapng `epb_verdict`): recorded at a
    /// drop (a Windows pktmon drop event, an XDP or tc program's drop). `None` where the
    /// capture says nothing of it or says the packet passed.
    pub dropped: Option<DropKind>,
    /// The options of the frame's pcapng packet block as the file holds them: what a file
    /// saved of the frame carries on. Empty for pcap files and live capture.
    pub options: PacketOptions<'a>,
}

impl<'a> Frame<'a> {
    /// A frame of which the capture says nothing beyond its time, interface and bytes (a live
    /// capture's, a copy kept in a ring): no direction, process, packet id, drop or options.
    #[must_use]
    pub fn plain(
        ts: Timestamp,
        number: u64,
        link_type: LinkType,
        interface: u32,
        data: &'a [u8],
        orig_len: u32,
    ) -> Self {
        Self {
            ts,
            number,
            link_type,
            interface,
            data,
            orig_len,
            direction: None,
            process: None,
            effective_process: None,
            packet_id: None,
            dropped: None,
            options: PacketOptions::default(),
        }
    }
}

/// Takes the frames of a run ([`FileSource::frame_run`]). Any `FnMut(Frame)` is one.
pub trait FrameSink {
    /// One frame, borrowed until the call returns: the frames of most files, inlined into
    /// their framing loop.
    fn frame(&mut self, frame: Frame<'_>);

    /// [`FrameSink::frame`] through a call, for the frames of rarer formats, so that only
    /// the most common one's loop holds a copy of what `frame` inlines.
    #[inline(never)]
    fn frame_called(&mut self, frame: Frame<'_>) {
        self.frame(frame);
    }

    /// [`FrameSink::frame`] for a frame of a run of classic pcap records, which all lie in
    /// `records` (the reader's buffer) until [`FrameSink::run_end`]: what the sink would read
    /// of the frame's bytes may be read there later in the run, for the few frames that need
    /// it.
    #[inline(always)]
    fn frame_of_run(&mut self, frame: Frame<'_>, records: &[u8]) {
        let _ = records;
        self.frame(frame);
    }

    /// The run of [`FrameSink::frame_of_run`] ends: its records are still in `records`, and
    /// then no longer.
    #[inline]
    fn run_end(&mut self, records: &[u8]) {
        let _ = records;
    }
}

impl<F: FnMut(Frame<'_>)> FrameSink for F {
    #[inline]
    fn frame(&mut self, frame: Frame<'_>) {
        self(frame);
    }
}

/// The options of a pcapng packet block, in its section's byte order: the packet's comments,
/// `epb_flags`, Apple's process references and the rest, as the capturing tool wrote them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketOptions<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl<'a> PacketOptions<'a> {
    /// A frame's options: the option list `bytes` (from the first option to the block's
    /// trailing length) of a section in big-endian byte order or not.
    pub fn new(bytes: &'a [u8], big_endian: bool) -> Self {
        Self { bytes, big_endian }
    }

    /// The option list as the file holds it.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The section's byte order is big-endian.
    pub fn big_endian(&self) -> bool {
        self.big_endian
    }

    /// Each option as (code, value), up to the end of the list or the first option that does
    /// not fit in it (which the reader has warned of).
    pub fn iter(&self) -> impl Iterator<Item = (u16, &'a [u8])> + use<'a> {
        file::OptionList::new(self.bytes, 0, self.bytes.len(), self.big_endian)
            .map_while(Result::ok)
            .map(|(_, code, value)| (code, value))
    }

    /// A 32-bit option value in the section's byte order; `None` unless it is 4 bytes.
    pub fn word(&self, value: &[u8]) -> Option<u32> {
        let bytes = *value.first_chunk::<4>().filter(|_| value.len() == 4)?;
        Some(if self.big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        })
    }
}

/// The way a frame went as the capturing host saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received by the capturing host.
    Inbound,
    /// Sent by the capturing host.
    Outbound,
}

/// A process named by the capture file itself, one entry of [`FileSource::processes`].
///
/// Entries are interned: every packet of the same process (same pid, names and source) shares
/// one entry, whichever file or section it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CapturedProcess {
    /// The process ID, when known (Apple writes 0 or -1 when it only knows the name).
    pub pid: Option<u32>,
    /// The process name: Apple's `dpeb_process_name` (the short command name), or the last
    /// path component of the command of a packet comment.
    pub name: Option<String>,
    /// The command or executable path, when the capture gives one (ptcpdump `Cmd:`, Apple's
    /// process path option).
    pub cmd: Option<String>,
    /// The command's arguments, when the capture gives them (ptcpdump `Args:`).
    pub args: Option<String>,
    /// The process UUID (Apple's `dpeb_process_uuid`), when given.
    pub uuid: Option<[u8; 16]>,
    /// Where in the file the information came from.
    pub how: CapturedProcessKind,
}

/// Where a [`CapturedProcess`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapturedProcessKind {
    /// Apple's Darwin Process Event Block (pcapng block type 0x80000001, written by macOS
    /// `tcpdump -k`/PKTAP captures), referenced from Enhanced Packet Blocks.
    DarwinProcessBlock,
    /// A per-packet comment (`opt_comment`) in a form a known tool writes (ptcpdump).
    PacketComment,
}

/// One capture interface of the input, as [`Frame::interface`] numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// The number frames carry in [`Frame::interface`]; also its index in the interface list.
    pub id: u32,
    /// Index of the file that describes it, into [`FileSource::files`].
    pub file: usize,
    /// pcapng section of that file, counted from 0 (0 for pcap).
    pub section: u32,
    /// The interface id inside that section (0 for pcap).
    pub local_id: u32,
    /// Link type of its frames.
    pub link_type: LinkType,
    /// The interface name (pcapng `if_name`), e.g. `eth0` or `\Device\NPF_{...}`.
    pub name: Option<String>,
    /// The interface description (pcapng `if_description`), e.g. the adapter's friendly name.
    pub description: Option<String>,
    /// The capture filter, a libpcap expression (pcapng `if_filter`), where the file says.
    pub filter: Option<String>,
    /// The longest frame the capture kept of it (pcap header or pcapng interface block);
    /// 0 where the file states no limit.
    pub snaplen: u32,
    /// The names of the interface indexes its LINUX_SLL2 frames carry (Linux's `any`), where
    /// the file says them ([`pcapng::index_comment`]).
    pub index_names: Vec<(u32, String)>,
    /// Frames delivered from it so far.
    pub frames: u64,
    /// Where its file continues the capture of the file read just before it, the interface
    /// of that capture (the first file's) its frames are delivered as: a rotated set
    /// (`tcpdump -C` / `-G`, a Wireshark ring buffer) is one capture point, as its packets read
    /// as one file are. Set at the file's first frame, where a file that has ended (its last
    /// frame no later than this one's first) describes its last capture's interfaces alike
    /// ([`InterfaceInfo::same_point`]) and is the one this file continues (the only such, or,
    /// beside another capture's files, the one of its name but for the digits:
    /// `FileSource::continued_file`). Such an interface counts no frames of its own and is not
    /// listed as one of the capture's.
    pub continues: Option<u32>,
    /// The digits of a second its frames' times are recorded to: 6 for microseconds (classic
    /// pcap, snoop, Network Monitor 2.x), 9 for nanoseconds, 3 for Network Monitor 1.x's
    /// milliseconds, a pcapng interface's `if_tsresol` ([`time_digits`]). Times are shown
    /// with no more digits than these ([`crate::report::fraction`]): where only
    /// ".234" is known, ".234000" said more than the file did.
    pub time_digits: u8,
    /// The resolution its frames' times are recorded to, as a pcapng `if_tsresol` says it
    /// (6 for microseconds, 9 for nanoseconds, 3 for milliseconds, a pcapng interface's own,
    /// [`pcapng::kept_tsresol`]): a file saved of its packets records their times so, and
    /// says as many digits as this one ([`InterfaceInfo::set_tsresol`]).
    pub tsresol: u8,
}

impl InterfaceInfo {
    /// Whether `later`, an interface of a file read after this one's file ended, describes the
    /// same capture point: the same link type, snapshot length, time resolution, name,
    /// description and capture filter (all a pcap file says of its interface; a pcapng's
    /// interface block says the rest).
    pub fn same_point(&self, later: &InterfaceInfo) -> bool {
        self.link_type == later.link_type
            && self.snaplen == later.snaplen
            && self.tsresol == later.tsresol
            && self.name == later.name
            && self.description == later.description
            && self.filter == later.filter
    }

    /// Its frames' times are recorded to `tsresol` (a pcapng `if_tsresol`): its
    /// [`InterfaceInfo::tsresol`] and [`InterfaceInfo::time_digits`].
    pub fn set_tsresol(&mut self, tsresol: u8) {
        self.tsresol = pcapng::kept_tsresol(tsresol);
        self.time_digits = time_digits(tsresol);
    }
}

/// Whether the capture's interfaces come from more than one file: files given together that
/// are not one rotated set ([`InterfaceInfo::continues`]). An interface without a name of its
/// own (every pcap file's) is then named by its file. Interfaces that gave no frame are left
/// out: an empty file beside a rotated set (`tcpdump -G`'s first, opened before any packet
/// came) does not make its interface another's.
pub fn from_several_files(interfaces: &[InterfaceInfo]) -> bool {
    let mut files = (interfaces.iter())
        .filter(|i| i.continues.is_none() && i.frames > 0)
        .map(|i| i.file);
    let first = files.next();
    files.any(|f| Some(f) != first)
}

/// The number `interface N` names interface `id` by where it has no name: its place among the
/// capture's interfaces, those of files that continue another's capture left out (the
/// interface they continue is theirs), so that a rotated set given in any order is
/// `interface 0`, as its packets read as one file are.
pub fn interface_number(interfaces: &[InterfaceInfo], id: u32) -> u32 {
    let root = (interfaces.get(id as usize)).map_or(id, |i| i.continues.unwrap_or(id));
    // Where some file gave frames, the files that gave none are not counted either (the empty
    // first file of a `tcpdump -G` set, opened before its first packet came): the set is
    // still `interface 0`.
    let gave: Vec<usize> = (interfaces.iter())
        .filter(|i| i.frames > 0)
        .map(|i| i.file)
        .collect();
    let before = (interfaces.iter())
        .take(root as usize)
        .filter(|i| i.continues.is_none() && (gave.is_empty() || gave.contains(&i.file)))
        .count();
    u32::try_from(before).unwrap_or(root)
}

/// The digits of a second a pcapng `if_tsresol` records (a power of 10, or of 2 with the
/// high bit set: 2^-10 s to 3 digits, 2^-20 to 6, 2^-30 to 9), at most 9 (rstscope keeps
/// nanoseconds).
pub fn time_digits(tsresol: u8) -> u8 {
    let exponent = tsresol & 0x7F;
    let digits = if tsresol & 0x80 != 0 {
        // log10(2) = 0.30103: to the nearest digit.
        ((u32::from(exponent) * 30_103 + 50_000) / 100_000) as u8
    } else {
        exponent
    };
    digits.min(9)
}

/// The container format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap with microsecond timestamps.
    Pcap,
    /// Classic pcap with nanosecond timestamps.
    PcapNanos,
    /// pcapng.
    Pcapng,
    /// Microsoft Network Monitor 1.x (`.cap`, magic `RTSS`).
    NetMon1,
    /// Microsoft Network Monitor 2.x (`.cap`, magic `GMBU`: Network Monitor 2 to 3.4, Message
    /// Analyzer).
    NetMon2,
    /// Sun/illumos snoop (RFC 1761).
    Snoop,
}

impl Format {
    /// The format's name in the text report.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNanos => "pcap (ns)",
            Format::Pcapng => "pcapng",
            Format::NetMon1 => "Network Monitor 1.x",
            Format::NetMon2 => "Network Monitor 2.x",
            Format::Snoop => "snoop",
        }
    }

    /// The format's key in the JSON report (Wireshark's editcap names for the others).
    pub fn key(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNanos => "pcap-ns",
            Format::Pcapng => "pcapng",
            Format::NetMon1 => "netmon1",
            Format::NetMon2 => "netmon2",
            Format::Snoop => "snoop",
        }
    }
}

/// What is known about one input file.
#[derive(Debug, Clone)]
pub struct FileInfo {
    /// The path as given.
    pub path: PathBuf,
    /// Container format.
    pub format: Format,
    /// How the file is compressed, if it is.
    pub compression: Option<Compression>,
    /// Size of the file on disk in bytes.
    pub size: u64,
    /// Bytes of the file consumed so far (compressed bytes for a compressed file), for progress.
    pub bytes_read: u64,
    /// Frames read from this file.
    pub frames: u64,
    /// Time of the first frame read from this file.
    pub first_ts: Option<Timestamp>,
    /// Time of the last frame read from this file so far.
    pub last_ts: Option<Timestamp>,
    /// The other files (indices into [`FileSource::files`]) that were being read when this
    /// file's first frame came: they had given a frame and had not ended. Files given together
    /// overlap in time exactly when one is in the other's list; a rotated set (`tcpdump -C`,
    /// `-G`) has empty lists, each file ending before the next begins.
    pub open_at_start: Vec<usize>,
    /// The zip archive the capture was read from, when it is a member of one.
    pub archive: Option<Archived>,
    /// The long stretches of time in this file with no frame: a capture of several days'
    /// moments holds them, as files far apart in time do between them.
    pub quiet: QuietSpells,
    /// Frames whose time is more than [`STEP_BACK_TOLERANCE_NS`] before the time of the frame
    /// before them in this file: the file is not in time order (captures appended to one
    /// another, a clock stepped back, packets written out of order).
    pub steps_back: u64,
    /// The first of them.
    pub first_step_back: Option<StepBack>,
    /// The capture's own start and end, as the program that wrote the file recorded them
    /// (pcapng statistics blocks' `isb_starttime` and `isb_endtime`, the earliest start and
    /// latest end over its interfaces), where it did: quiet time before the first packet and
    /// after the last is part of the capture. See [`crate::analysis::CaptureInfo::captured`].
    pub recorded: Option<(Timestamp, Timestamp)>,
    /// Frames the program that wrote the file counted lost while it captured (pcapng
    /// statistics blocks' `isb_ifdrop` and `isb_osdrop`; of each interface the most any of
    /// its blocks states, as the counts run on from block to block).
    pub lost: u64,
    /// Its frames in pcapng Simple Packet Blocks, which carry no time by the format's design:
    /// each takes the time of the frame before it in the file (0 before any). Set when the
    /// file ends.
    pub simple_packets: u64,
}

/// How far a file's time may go back from one frame to the next without counting as a step
/// back: packets a capture's CPUs or interfaces stamped a little out of order are no concern.
pub const STEP_BACK_TOLERANCE_NS: i64 = Timestamp::NANOS_PER_SEC;

/// A frame whose time went back: see [`FileInfo::first_step_back`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepBack {
    /// Its number in its file, from 1 (as Wireshark numbers it).
    pub frame: u64,
    /// Its time.
    pub ts: Timestamp,
    /// How far before the frame before it, in nanoseconds.
    pub back_ns: i64,
}

impl FileInfo {
    /// Takes `other`'s running counts (frames, first and last time, quiet spells, steps back,
    /// bytes read), `other` being another reading of the same file: one part of it read after
    /// another (`FileSource::open_part`). The bytes read are the further of the two, as each
    /// reading counts them from the file's start; what the file is (path, format, size...) and
    /// what only its end sets stay this reading's.
    pub(crate) fn take_counts(&mut self, other: &FileInfo) {
        self.frames = other.frames;
        self.first_ts = other.first_ts;
        self.last_ts = other.last_ts;
        self.quiet.clone_from(&other.quiet);
        self.steps_back = other.steps_back;
        self.first_step_back = other.first_step_back;
        self.bytes_read = self.bytes_read.max(other.bytes_read);
    }

    /// Notes that the file's frame number `frame`, at `ts`, came after a frame at `prev`, if
    /// that is a step back.
    #[inline]
    pub(crate) fn note_time(&mut self, frame: u64, prev: Timestamp, ts: Timestamp) {
        if ts.0 < prev.0.saturating_sub(STEP_BACK_TOLERANCE_NS) {
            self.steps_back += 1;
            self.first_step_back.get_or_insert(StepBack {
                frame,
                ts,
                back_ns: prev.0.saturating_sub(ts.0),
            });
        }
    }
}

/// The stretches of more than [`QuietSpells::SECS`] between one frame of a file and the next
/// (on the latest time seen, so that a frame stepping back in time makes none), at most
/// [`QuietSpells::MAX`] of them: past that the shortest are left out, so that a file of a frame
/// an hour for a year costs no more than a few kilobytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuietSpells {
    latest: Option<Timestamp>,
    spells: Vec<(Timestamp, Timestamp)>,
}

impl QuietSpells {
    /// A stretch with no frame is worth keeping when longer than this: the bound above which
    /// a gap between files given together can be one (see `pipeline::merged`).
    pub const SECS: i64 = 3600;
    /// The most kept per file.
    pub const MAX: usize = 256;

    /// Notes a frame at `ts`.
    #[inline(always)]
    pub fn frame(&mut self, ts: Timestamp) {
        match self.latest {
            Some(latest) if ts <= latest => {}
            Some(latest) => {
                // Whole seconds apart by more than `SECS` only if more than `SECS` seconds
                // apart: the nanoseconds' difference spares most frames the two divisions.
                // It is positive and less than 2^64: as an unsigned number it never wraps.
                let apart = ts.0.wrapping_sub(latest.0).cast_unsigned();
                if apart > Self::SECS.unsigned_abs() * Timestamp::NANOS_PER_SEC.unsigned_abs()
                    && ts.second().saturating_sub(latest.second()) > Self::SECS
                {
                    self.note(latest, ts);
                }
                self.latest = Some(ts);
            }
            None => self.latest = Some(ts),
        }
    }

    /// Takes `ts` as the latest time seen where it is later, with no spell before it: for a
    /// loop over frames that tells [`QuietSpells::frame`] only of those that may end one
    /// (see `Run::pcap_frames`), and of the latest time it passed over.
    pub fn seen(&mut self, ts: Timestamp) {
        if self.latest.is_none_or(|latest| ts > latest) {
            self.latest = Some(ts);
        }
    }

    #[cold]
    fn note(&mut self, from: Timestamp, to: Timestamp) {
        self.spells.push((from, to));
        if self.spells.len() > Self::MAX {
            let length = |&(a, b): &(Timestamp, Timestamp)| b.second().saturating_sub(a.second());
            if let Some(shortest) = (0..self.spells.len()).min_by_key(|&i| length(&self.spells[i]))
            {
                self.spells.remove(shortest);
            }
        }
    }

    /// The quiet stretches, in time order: the last frame before each and the first after it.
    pub fn spells(&self) -> &[(Timestamp, Timestamp)] {
        &self.spells
    }

    /// Followed by the frames of `later`, a reading of the same file's next part on its
    /// own, whose first frame was at `first`, no earlier than the latest time here: its spells
    /// are those this reading would have found, after the one its first frame may end.
    pub(crate) fn then(&mut self, first: Timestamp, later: &QuietSpells) {
        self.frame(first);
        for &(from, to) in &later.spells {
            self.note(from, to);
        }
        if let Some(latest) = later.latest {
            self.seen(latest);
        }
    }

    /// The latest frame time seen.
    pub fn latest(&self) -> Option<Timestamp> {
        self.latest
    }
}

/// A capture read from inside a zip archive: [`FileInfo::path`] is then `ARCHIVE:MEMBER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archived {
    /// The archive, as given.
    pub archive: PathBuf,
    /// The member's name in the archive (its folders included, `/` between them).
    pub member: String,
    /// How the member is compressed in the archive: `stored`, `deflate`, `bzip2`, `lzma`,
    /// `zstd` or `xz`.
    pub method: &'static str,
}

/// "after 1 frame", "after 2 frames": how far a file cut short or corrupt was read.
fn after(frames: u64) -> String {
    match frames {
        1 => "after 1 frame".into(),
        n => format!("after {n} frames"),
    }
}

/// What a file cut short or corrupt after `frames` frames still gives: only where it gave a
/// frame does "results up to that point" mean anything.
fn kept(frames: u64) -> &'static str {
    if frames == 0 {
        ", before its first packet"
    } else {
        "; results up to that point are kept"
    }
}

/// How a capture file is compressed (told by its first bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// gzip (`.gz`: tcpdump's rotation with `-z gzip`, logrotate).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
    /// LZ4 frames (`.lz4`).
    Lz4,
    /// xz (`.xz`).
    Xz,
    /// bzip2 (`.bz2`).
    Bzip2,
}

impl Compression {
    /// The name people call it by.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Zstd => "zstd",
            Self::Lz4 => "lz4",
            Self::Xz => "xz",
            Self::Bzip2 => "bzip2",
        }
    }
}

/// How a file's bytes reached the reader, for where a message says a problem is: a
/// compressed file's offsets count its decompressed data, which its size on disk does not
/// tell (a Windows admin's `capture.pcapng.gz` of 1.5 KB "ends at byte 4516").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// The file as it is on disk.
    Plain,
    /// Compressed.
    Compressed(Compression),
    /// Compressed, and the compressed data itself ends early (no gzip trailer, no end of the
    /// last zstd frame...): the file was cut short after it was compressed.
    CompressedCut(Compression),
    /// A member of a zip archive (its offsets count the member's decompressed data).
    Zipped,
    /// A member of a zip archive that the archive ends inside: the archive was cut short.
    ZippedCut,
}

/// ` of its decompressed data` for a compressed file's offsets.
fn decompressed(packing: Packing) -> &'static str {
    match packing {
        Packing::Plain => "",
        Packing::Compressed(_) | Packing::CompressedCut(_) => " of its decompressed data",
        Packing::Zipped | Packing::ZippedCut => " of the member's data",
    }
}

/// How to read the capture appended at `offset` of `path` in a layout of a patched libpcap:
/// cut it out (from the decompressed data), then convert it with editcap, which tells those
/// layouts by trying them (as the same layout alone in a file is told to).
fn cut_out(path: &Path, offset: u64, packing: Packing) -> String {
    let from = offset + 1;
    let path = path.display();
    let cut = match packing {
        Packing::Plain => format!("tail -c +{from} {path} > part.pcap"),
        Packing::Compressed(_) | Packing::CompressedCut(_) => {
            format!("decompress it, then tail -c +{from} DECOMPRESSED > part.pcap")
        }
        Packing::Zipped | Packing::ZippedCut => {
            format!("extract the member, then tail -c +{from} MEMBER > part.pcap")
        }
    };
    format!(
        "cut that part out ({cut}) and convert it with Wireshark's editcap, which tells that \
         layout (editcap -F pcap part.pcap OUT.pcap), then give OUT.pcap with the rest"
    )
}

/// Where and how a file ends early (before [`kept`]); `blocks`: its records are pcapng's
/// blocks, and said so (Wireshark and the format's specification call them blocks).
fn truncated(packing: Packing, offset: u64, frames: u64, blocks: bool) -> String {
    let record = if blocks { "block" } else { "record" };
    match packing {
        Packing::CompressedCut(c) if offset == 0 => format!(
            "its {}-compressed data ends before the capture's file header: the file was cut short",
            c.name()
        ),
        Packing::CompressedCut(c) => format!(
            "its {}-compressed data ends early, {offset} bytes into the capture ({}): the \
             file was cut short, as by a download or copy that did not finish",
            c.name(),
            after(frames)
        ),
        Packing::ZippedCut if offset == 0 => "the zip archive ends inside this member, before \
                                               the capture's file header: the archive was cut short"
            .into(),
        Packing::ZippedCut => format!(
            "the zip archive ends inside this member, {offset} bytes into the capture ({}): the \
             archive was cut short, as by a download or copy that did not finish",
            after(frames)
        ),
        // Before the end of its file header: nothing said it was a capture yet.
        _ if offset == 0 => "file ends inside its file header: the capture was cut short".into(),
        // A pcapng's first blocks describe the capture (its section, its interfaces): the
        // one cut may be any of them ([`kept`] says that no packet came before).
        _ if frames == 0 && blocks => format!(
            "file ends inside a block at byte {offset}{}: the capture was cut short",
            decompressed(packing)
        ),
        _ if frames == 0 => format!(
            "file ends inside its first record at byte {offset}{}: the capture was cut short",
            decompressed(packing)
        ),
        _ => format!(
            "file ends inside a {record} at byte {offset}{} ({}): the capture was cut short",
            decompressed(packing),
            after(frames)
        ),
    }
}

/// Why a compressed input is not read (see [`SourceError::WindowTooLarge`]), and what to do.
fn window_refusal(
    format: &str,
    needed: Option<u64>,
    share: u64,
    inputs: usize,
    frames: u64,
    zipped: bool,
) -> String {
    let size = |n: u64| match n {
        ..0x10_0000 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / f64::from(1 << 20)),
    };
    let part = if frames == 0 {
        "not read: its"
    } else {
        "a later part of its"
    };
    let needs = match (format, needed) {
        ("lz4" | "bzip2", Some(n)) => format!("{} for its blocks", size(n)),
        (_, Some(n)) => format!("a {} window", size(n)),
        (_, None) => "a larger window".into(),
    };
    let limit = if inputs <= 1 {
        format!("the {} rstscope gives one input", size(share))
    } else {
        format!(
            "its share ({}) of the {} that rstscope gives the decompressors of the {inputs} \
             compressed inputs read together, to keep its memory bounded",
            size(share),
            size(share.saturating_mul(inputs as u64))
        )
    };
    let skipped = if frames == 0 {
        String::new()
    } else {
        format!(
            "; the rest of this file is skipped (the {} frames before it are kept)",
            crate::report::thousands(frames)
        )
    };
    let todo = match format {
        _ if zipped => {
            "extract it from the archive first (Explorer's Extract All, 7-Zip, or unzip), \
             decompress it too if it is still compressed (xz -d, zstd -d --long=31), and give \
             the capture"
        }
        "xz" => "decompress it first (xz -d FILE, or 7-Zip) and give the capture",
        "zstd" => "decompress it first (zstd -d --long=31 FILE) and give the capture",
        "lz4" => "decompress it first (lz4 -d FILE) and give the capture",
        "bzip2" => "decompress it first (bzip2 -d FILE, or 7-Zip) and give the capture",
        _ => "decompress it first and give the capture",
    };
    let fewer = if inputs > 1 {
        ", or give fewer compressed files at once"
    } else {
        ""
    };
    format!(
        "{part} {format} data needs {needs} to decompress, more than {limit}{skipped}: \
         {todo}{fewer}"
    )
}

/// Names of archive members for a message: the first few, and how many more.
fn names(members: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut out = members
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if members.len() > SHOWN {
        out.push_str(&format!(" and {} more", members.len() - SHOWN));
    }
    out
}

/// What a folder without a capture file holds, and what to give instead.
fn no_capture_in_folder(files: &[String], folders: &[String]) -> String {
    let holds = match (files.is_empty(), folders.is_empty()) {
        (true, true) => {
            return "an empty folder: give the folder that holds the captures, or the capture files"
                .into();
        }
        (false, true) => format!("it holds {}", names(files)),
        (true, false) => format!("it holds the folders {}", names(folders)),
        (false, false) => format!(
            "it holds {}, and the folders {}",
            names(files),
            names(folders)
        ),
    };
    let todo = if folders.is_empty() {
        "give the folder the capture files are in, or the files"
    } else {
        "the folders in a folder are not read: give the one the capture files are in"
    };
    format!(
        "no capture file in this folder ({holds}); rstscope reads the {FORMATS_READ} files in a \
         folder (compressed or not, or in zip archives): {todo}"
    )
}

/// The capture formats rstscope reads, as its messages about a file it cannot read name them:
/// they named pcap and pcapng alone once Network Monitor and snoop files were read too, and an
/// admin holding a `.cap` from Network Monitor was told to convert what opens as it is.
pub const FORMATS_READ: &str = "pcap, pcapng, Network Monitor (.cap) and snoop";

/// What to do about a file with corrupt data: most captures damaged so were damaged on their
/// way to this machine (a Windows admin's copy from a Linux server: an FTP or WinSCP transfer
/// in text mode rewrites every line end in the binary file, and the records after the first
/// such byte no longer line up).
const COPY_AGAIN_DAMAGED: &str = "if the capture was copied or downloaded, copy it again in \
     binary mode (a transfer in text mode, such as FTP's ASCII mode, damages captures so)";

/// How a transfer in text mode (FTP's ASCII mode, WinSCP's Text mode) rewrote the line ends of
/// a binary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnds {
    /// Each LF made CR LF: a copy from a Linux or macOS server to Windows.
    MadeCrLf,
    /// Each CR LF pair made LF: a copy from Windows to a Linux or macOS server.
    MadeLf,
}

/// What [`SourceError::TextModeCopy`] says after the file's name.
fn text_mode_copy(rewrite: LineEnds, offset: u64, frames: u64, first_damaged: u64) -> String {
    let (did, undone) = match rewrite {
        LineEnds::MadeCrLf => (
            "which made each LF byte (0a) CR LF (0d 0a), as a copy from a Linux or macOS server \
             to Windows does",
            "with the CR bytes it added taken out",
        ),
        LineEnds::MadeLf => (
            "which made each CR LF pair of bytes (0d 0a) an LF (0a), as a copy from Windows to a \
             Linux or macOS server does",
            "with a byte lost before some of their LFs",
        ),
    };
    let kept = match frames {
        0 => ", before its first packet".to_owned(),
        n if first_damaged > n => "; results up to that point are kept".to_owned(),
        n if first_damaged == n => {
            format!("; results up to that point are kept, frame {n} with bytes the copy changed")
        }
        n => format!(
            "; results up to that point are kept, frames {first_damaged} to {n} with bytes the \
             copy changed"
        ),
    };
    format!(
        "copied in text mode (FTP's ASCII mode, WinSCP's Text mode), {did}: its records no \
         longer line up at byte {offset} ({}), and all line up again {undone}{kept}; copy it \
         again from where it was captured, in binary mode (ftp's binary command, WinSCP's \
         Binary transfer mode)",
        after(frames)
    )
}

/// What to do about a file cut short before its first packet: it gave nothing to keep.
fn copy_again(frames: u64) -> &'static str {
    if frames == 0 {
        "; copy the whole file again (a copy or download that stopped, or a capture still being \
         written, ends this way)"
    } else {
        ""
    }
}

/// True for Windows' ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION: another program opened
/// the file without letting others read or write it (a capture being written, a CSV that Excel
/// shows). The OS's words ("being used by another process") say nothing of what to do.
pub fn held_open(e: &std::io::Error) -> bool {
    /// The codes, which mean other things elsewhere (32 is EPIPE on Linux).
    const HELD_OPEN: [i32; 2] = [32, 33];
    cfg!(windows)
        && e.raw_os_error()
            .is_some_and(|code| HELD_OPEN.contains(&code))
}

/// What to do about a file on disk that ends inside a record after some frames: the same as
/// for one cut before them, as a capture still being written (tcpdump -w, when a buffer is
/// written out) ends inside a record too; "cut short" alone reads as a damaged copy. A
/// compressed file or a zip archive whose compressed data ends early was cut on its way:
/// copied again whole, it gives the rest. Regression (terminal trial, a `.pcap.gz` cut
/// short): its warning said what happened and that the results were kept, not what to do.
fn read_again(path: &Path, packing: Packing, frames: u64) -> &'static str {
    if frames == 0 || file::is_stdin(path) {
        return "";
    }
    match packing {
        Packing::Plain => {
            "; a capture still being written ends this way too (tcpdump -w writes its packets a \
             buffer at a time): read it again once the capture has stopped for the rest, or copy \
             the whole file again"
        }
        Packing::CompressedCut(_) => "; copy the whole file again for the rest",
        Packing::ZippedCut => "; copy the whole archive again for the rest",
        Packing::Compressed(_) | Packing::Zipped => "",
    }
}

/// [`SourceError::Empty`] of a file.
const EMPTY_FILE: &str = "the file is empty: nothing was written to it yet (tcpdump -w writes \
                          its packets a buffer at a time, and the rest when it stops; with -U at \
                          once) or its copy failed: stop the capture or copy the file again";

/// [`SourceError::Empty`] of standard input.
const EMPTY_STDIN: &str = "standard input is empty: nothing came down the pipe; the command \
                           that should have written the capture to it (tcpdump -w -, ssh, zcat) \
                           wrote nothing: its own error says why";

/// What to do about a file the OS would not let rstscope read, where its own message does not
/// say it.
fn io_advice(path: &Path, e: &std::io::Error) -> String {
    if held_open(e) {
        return "; another program has it open and lets no one else read it (a capture still \
                being written?): open it again once that program has closed it"
            .to_owned();
    }
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "; this account may not read it: open it as a \
                                                 user who may, or ask for a copy you can read"
            .to_owned(),
        // The OS says only "Path not found" where the drive or share is not there (a USB
        // drive not plugged in, a share out of reach off the VPN): not a file moved away.
        std::io::ErrorKind::NotFound => absent_volume(path)
            .map(|root| {
                format!(
                    "; {} is not there (a USB drive not plugged in, a network share out of \
                     reach?): connect it, then open the file again",
                    root.display()
                )
            })
            .unwrap_or_else(|| not_there(path)),
        _ => String::new(),
    }
}

/// What to do about a file that is not there: the compressed copy beside it that log rotation
/// or an admin made (`capture.pcap` gone, `capture.pcap.gz` there), which rstscope reads as it
/// is, or the folder that is missing too, rather than the OS's words alone.
fn not_there(path: &Path) -> String {
    const COMPRESSED: [&str; 6] = ["gz", "zst", "xz", "bz2", "lz4", "zip"];
    let mut name = path.as_os_str().to_owned();
    for ext in COMPRESSED {
        name.push(".");
        name.push(ext);
        let beside = PathBuf::from(&name);
        if beside.is_file() {
            return format!(
                "; {} is there (compressed): give that, rstscope reads it as it is",
                beside.display()
            );
        }
        name = path.as_os_str().to_owned();
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) if !folder.is_dir() => format!(
            "; the folder {} is not there either: check the path",
            folder.display()
        ),
        _ => "; check its name (a capture rotated away or renamed?)".to_owned(),
    }
}

/// The root of `path` (`C:\`, `\\server\share\`) when it is not there.
fn absent_volume(path: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(path).ok()?;
    let root = path.ancestors().last()?;
    (!root.is_dir()).then(|| root.to_path_buf())
}

/// The first of `paths` that cannot be read a second time (a pipe: reading it again would
/// wait for a writer that is gone), as the error to show instead.
#[must_use]
pub fn read_once(paths: &[PathBuf]) -> Option<SourceError> {
    if let Some(path) = paths.iter().find(|p| file::is_stdin(p)) {
        return Some(SourceError::ReadOnce { path: path.clone() });
    }
    #[cfg(unix)]
    for path in paths {
        use std::os::unix::fs::FileTypeExt;
        let kind = std::fs::metadata(path).map(|m| m.file_type());
        if kind.is_ok_and(|t| t.is_fifo() || t.is_socket() || t.is_char_device()) {
            return Some(SourceError::ReadOnce { path: path.clone() });
        }
    }
    #[cfg(not(unix))]
    let _ = paths;
    None
}

/// A problem with an input file. Each message names the file, where in it, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error(
        "{path}: cannot read: {}{}",
        crate::report::os_error(source),
        io_advice(path, source)
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The same file given again (by the same path, or another path to it): read once.
    #[error("{path}: the same file as {first}, given again: it is read once")]
    GivenTwice {
        /// The path given again.
        path: PathBuf,
        /// The path it was given by first.
        first: PathBuf,
    },
    /// A compressed copy of another file given (`day.pcap.gz` beside `day.pcap`): the same
    /// capture, read once.
    #[error("{path}: the same capture as {first}, compressed: it is read once")]
    CompressedCopy {
        /// The compressed copy, not read.
        path: PathBuf,
        /// The file it is a copy of, read.
        first: PathBuf,
    },
    /// A copy of another file given under another name (`trace (1).pcapng` beside
    /// `trace.pcapng`): the same bytes, read once (whichever was given first).
    #[error("{path}: the same bytes as {first} (a copy): it is read once")]
    CopyOf {
        /// The copy, not read.
        path: PathBuf,
        /// The file it is a copy of, read.
        first: PathBuf,
    },
    /// Two files given together that may be copies of each other (of one size, or a capture
    /// and its compressed copy) whose comparison the user cancelled before it ended: both are
    /// listed, and whether one is a copy is not known.
    #[error(
        "{path}: not known whether it is a copy of {first}: the analysis was cancelled while they were compared (a copy is read once); open them again to compare them to the end"
    )]
    NotCompared {
        /// The file given later.
        path: PathBuf,
        /// The file it was compared with.
        first: PathBuf,
    },
    /// The file does not start like a capture in a format rstscope reads ([`FORMATS_READ`]),
    /// nor like a compressed file or a zip archive.
    #[error(
        "{path}: not a capture file (starts with {magic}); rstscope reads {} files, optionally compressed (gzip, zstd, lz4, xz, bzip2) or in a zip archive: save the capture in one of these formats (e.g. tcpdump -w, Wireshark 'Save As pcapng', pktmon etl2pcap)",
        FORMATS_READ
    )]
    NotACapture {
        /// The file.
        path: PathBuf,
        /// The first bytes, in hex.
        magic: String,
    },
    /// Nothing at all to read: an empty file (a capture whose writer has not written its
    /// buffer yet, a copy that failed) or an empty standard input (the command before the
    /// pipe failed). Not "not a capture file": saving it in another format is no remedy.
    #[error("{path}: {}", if *stdin { EMPTY_STDIN } else { EMPTY_FILE })]
    Empty {
        /// The file, or `-`.
        path: PathBuf,
        /// It is standard input.
        stdin: bool,
    },
    /// The read of standard input was stopped (Ctrl+C) while it waited for more: a pipe
    /// that stalled ([`file::stdin::stop`]). Said as what it is, not as a read that failed.
    #[error(
        "standard input: its read was stopped while it waited for more, at byte {offset} ({}); \
         results up to there are kept",
        after(*frames)
    )]
    StdinStopped {
        /// Bytes read before.
        offset: u64,
        /// Frames read before.
        frames: u64,
    },
    /// A capture in a format rstscope does not read, which another tool converts (Windows
    /// admins meet pktmon or netsh trace `.etl` files).
    #[error("{path}: {format}, which rstscope does not read: {convert}")]
    OtherFormat {
        /// The file.
        path: PathBuf,
        /// What it is.
        format: &'static str,
        /// How to make a pcapng of it.
        convert: &'static str,
    },
    /// A capture appended whole to the file (`cat a.pcap b.pcap`) in a layout rstscope does
    /// not read, told at its file header: the file is read up to there.
    #[error(
        "{path}: the capture appended at byte {offset}{} ({}) is {format}, which rstscope does \
         not read{}; the rest of this file is skipped. To read it, {}",
        decompressed(*packing),
        after(*frames),
        kept(*frames),
        cut_out(path, *offset, *packing)
    )]
    OtherFormatAppended {
        /// The file.
        path: PathBuf,
        /// Byte offset (in the uncompressed stream) of the appended capture's file header.
        offset: u64,
        /// Frames read from this file before it.
        frames: u64,
        /// What it is.
        format: &'static str,
        /// Whether the file was compressed.
        packing: Packing,
    },
    /// The file ends inside a header or record.
    #[error(
        "{path}: {}{}{}{}",
        truncated(*packing, *offset, *frames, *blocks),
        kept(*frames),
        copy_again(*frames),
        read_again(path, *packing, *frames)
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Byte offset (in the uncompressed stream) of the incomplete record.
        offset: u64,
        /// Frames read from this file before it.
        frames: u64,
        /// Whether the file was compressed, and its compressed data whole.
        packing: Packing,
        /// The file is a pcapng, whose records are blocks: the message says "block".
        blocks: bool,
    },
    /// A header or record that cannot be right (absurd length, bad block structure). What to
    /// do is said as for a file cut short: a capture damaged on its way (a copy, a download, a
    /// transfer in text mode) is whole again only when copied again.
    #[error(
        "{path}: corrupt data at byte {offset}{} ({}): {what}{}; the rest of this file is \
         skipped: {}",
        decompressed(*packing),
        after(*frames),
        kept(*frames),
        COPY_AGAIN_DAMAGED
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset (in the uncompressed stream) of the bad record.
        offset: u64,
        /// Frames read from this file before it.
        frames: u64,
        /// What is wrong.
        what: String,
        /// Whether the file was compressed.
        packing: Packing,
    },
    /// A classic pcap whose line ends a transfer in text mode rewrote (told by the bytes on
    /// disk, once its reading stopped where a record header could not be right): said so
    /// rather than "cut short" or "corrupt", which it showed as.
    #[error("{path}: {}", text_mode_copy(*rewrite, *offset, *frames, *first_damaged))]
    TextModeCopy {
        /// The file.
        path: PathBuf,
        /// Byte offset of the record header the reading stopped at.
        offset: u64,
        /// Frames read from this file before it.
        frames: u64,
        /// How the copy rewrote the line ends.
        rewrite: LineEnds,
        /// The first frame (from 1) whose bytes the copy changed.
        first_damaged: u64,
    },
    /// A pipe (a named pipe, a shell's `<(...)`, standard input): it gave its bytes once, to the
    /// analysis, and cannot be read again for the packets of one endpoint.
    #[error(
        "{path}: a pipe, read once for the analysis: its packets cannot be read again here; save the capture to a file (e.g. tcpdump -w FILE) and open the file to list them"
    )]
    ReadOnce {
        /// The pipe.
        path: PathBuf,
    },
    /// A member of a zip archive that rstscope cannot read (encrypted, compressed with a
    /// method it lacks), or members it does not find or read (the archive cut short, too many
    /// captures in it): the other members are read.
    #[error("{path}: {what}: {todo}")]
    ArchiveMember {
        /// `ARCHIVE:MEMBER`, or the archive for what concerns several members.
        path: PathBuf,
        /// What keeps it from being read.
        what: String,
        /// What to do.
        todo: &'static str,
    },
    /// Members of a zip archive, or files of a folder given, that are not captures (a readme
    /// beside the capture): skipped.
    #[error("{path}: not captures, skipped: {}", names(members))]
    SkippedMembers {
        /// The archive or the folder.
        path: PathBuf,
        /// The members' or files' names.
        members: Vec<String>,
    },
    /// A folder given (`rstscope analyze /var/log/caps/`) without a capture file in it; the
    /// folders in it are not read.
    #[error("{path}: {}", no_capture_in_folder(files, folders))]
    NoCaptureInFolder {
        /// The folder.
        path: PathBuf,
        /// The names of the files it holds, none a capture.
        files: Vec<String>,
        /// The names of the folders it holds.
        folders: Vec<String>,
    },
    /// A folder of more files than are read at once: the files after the first
    /// [`file::MAX_FOLDER_FILES`] are not read.
    #[error(
        "{path}: only the first {} files of the folder are read (each is read at once beside the others), not those after them: {}; give the files by name, a few hundred at a time",
        file::MAX_FOLDER_FILES,
        names(files)
    )]
    FolderLeftOut {
        /// The folder.
        path: PathBuf,
        /// The names of the files not read.
        files: Vec<String>,
    },
    /// A zip archive without a capture in it.
    #[error(
        "{path}: a zip archive with no capture in it ({}): rstscope reads the {} files in a zip, compressed or not (e.g. capture.pcap, capture.pcapng.gz); zip the capture file itself",
        if members.is_empty() { "it holds no file".to_string() } else { format!("it holds {}", names(members)) },
        FORMATS_READ
    )]
    NoCaptureInArchive {
        /// The archive.
        path: PathBuf,
        /// The files it holds.
        members: Vec<String>,
    },
    /// A compressed input whose decompression window (the history its stream asks the decoder
    /// to keep: zstd's window, xz's and LZMA's dictionary; lz4's and bzip2's blocks) is larger
    /// than its share of what the decoders of the inputs read together may take
    /// ([`file::WINDOW_BUDGET`]): it is not read, or not past the part that asks for it. The
    /// other inputs are read.
    #[error(
        "{path}: {}",
        window_refusal(format, *needed, *share, *inputs, *frames, *zipped)
    )]
    WindowTooLarge {
        /// The file, or `ARCHIVE:MEMBER`.
        path: PathBuf,
        /// Its compression, as people call it: `xz`, `zstd`, `LZMA`, `lz4`, `bzip2`.
        format: &'static str,
        /// The window it asks for, in bytes, when the decoder says.
        needed: Option<u64>,
        /// The most it may take, in bytes.
        share: u64,
        /// The compressed inputs with a window read together, this one included.
        inputs: usize,
        /// Frames read from it before the part that asks for more.
        frames: u64,
        /// It is a member of a zip archive.
        zipped: bool,
    },
    /// Something a capture's format leaves in doubt that does not stop its reading (a Network
    /// Monitor file's start time that is no date, its frame table listing other places than
    /// where its frames were read).
    #[error("{path}: at byte {offset}: {what}")]
    FormatNote {
        /// The file.
        path: PathBuf,
        /// Byte offset (in the uncompressed stream) of what it is about.
        offset: u64,
        /// What is in doubt, and what to do.
        what: String,
    },
    /// An option that cannot be right in a block that is otherwise read (a process block or
    /// process reference with a bad length or index). Reading goes on; only that option is
    /// ignored.
    #[error(
        "{path}: bad option at byte {offset}: {what}; the option is ignored and reading goes on"
    )]
    BadOption {
        /// The file.
        path: PathBuf,
        /// Byte offset (in the uncompressed stream) of the block that holds it.
        offset: u64,
        /// What is wrong.
        what: String,
    },
}

#[cfg(test)]
mod quiet_tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_parts(secs, 0)
    }

    /// The gap is counted in whole seconds, as before the shortcut on the nanoseconds'
    /// difference: 3600 s and a nanosecond that cross 3601 second boundaries make a spell,
    /// 3600.999999999 s within one second's start and the next hour's end make none.
    #[test]
    fn quiet_spells_count_whole_seconds_across_second_boundaries() {
        let ns = |secs: i64, nanos: u32| Timestamp::from_parts(secs, nanos);
        let mut q = QuietSpells::default();
        q.frame(ns(0, 999_999_999));
        q.frame(ns(3601, 0));
        assert_eq!(q.spells(), [(ns(0, 999_999_999), ns(3601, 0))]);
        let mut q = QuietSpells::default();
        q.frame(ns(0, 0));
        q.frame(ns(3600, 999_999_999));
        q.frame(ns(3601, 500_000_000));
        assert_eq!(q.spells(), []);
    }

    /// An hour and more without a frame is a quiet spell; a frame stepping back in time makes
    /// none; past the bound the shortest spells go, the longest stay.
    #[test]
    fn quiet_spells_keep_the_longest_gaps_within_their_bound() {
        let mut q = QuietSpells::default();
        for s in [0, 3600, 7201, 100, 7300, 20_000] {
            q.frame(at(s));
        }
        assert_eq!(q.spells(), [(at(3600), at(7201)), (at(7300), at(20_000))]);
        assert_eq!(q.latest(), Some(at(20_000)));
        let mut q = QuietSpells::default();
        let mut t = 0;
        for i in 0..QuietSpells::MAX as i64 + 10 {
            q.frame(at(t));
            t += 3601 + i;
        }
        q.frame(at(t));
        assert_eq!(q.spells().len(), QuietSpells::MAX);
        let shortest = q.spells().iter().map(|(a, b)| b.0 - a.0).min();
        assert_eq!(shortest, Some((3601 + 10) * Timestamp::NANOS_PER_SEC));
    }
}
