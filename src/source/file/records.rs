//! Captures written by other tools than libpcap's, read record by record: Microsoft Network
//! Monitor (`.cap`: format 1.x, and 2.0 to 2.3, which Network Monitor 3.4 and Message Analyzer
//! write) and Sun/illumos snoop (RFC 1761).
//!
//! Both are read in order from their start, through a buffer of their own that the framing
//! of [`super::framing`] refills and grows as it does pcap-parser's, so a `.cap.gz` or a pipe
//! reads as a file does, in bounded memory, and no frame is copied or allocated.
//!
//! A Network Monitor file also has a frame table, written after the frames when the capture
//! is saved: the place of each frame, which is the truth (Wireshark seeks to each place: a
//! file may hold other data between its header and its first frame, or between frames). A
//! file on disk has its table read alongside, a few thousand places at a time through a
//! handle of its own (memory stays bounded whatever the frames), and the reading skips to
//! each frame's place. A compressed file or a pipe cannot be read there: its frames are read
//! one after another from the end of the file header, as Network Monitor and Wireshark's
//! editcap write them, as many as the table has entries (its length is in the file header);
//! so are the frames of a table that lists a place the reading has passed. Then the table, when
//! it follows them, is read through to check that it lists the places they were read at. A
//! file whose table lists other places is said so
//! ([`SourceError::FormatNote`](crate::source::SourceError::FormatNote)), with how to convert
//! it; a frame read at the wrong place shows as corrupt at its byte, as in any file.
//!
//! Network Monitor's media types are mapped onto link types as Wireshark's netmon reader maps
//! them (its source read for the mapping, not copied); an ETW event holding a packet of
//! Windows' packet capture provider (a `netsh trace` saved as `.cap`) gives its packet.

use std::io::Read;

use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};

use super::MAX_RECORD;
use super::framing::{
    Head, OptionsAt, Stop, StopKind, Stream, check_orig_len, corrupt_at, ensure, ensure_header,
    ensure_record, register_interface, stop_at, u16_at, u32_at,
};
use super::input::Input;
use super::processes::{PacketMeta, Warnings};
use crate::packet::Timestamp;
use crate::source::{InterfaceInfo, LinkType};

const NANOS_PER_SEC: i64 = Timestamp::NANOS_PER_SEC;

/// The stream of a capture framed here, in a buffer: the parts of pcap-parser's streaming
/// reader the framing uses ([`PcapReaderIterator`]), so that [`ensure`] and its kin refill
/// and grow it as they do pcap-parser's buffers.
pub(super) struct Buffered {
    input: Input,
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    consumed: usize,
    exhausted: bool,
}

impl Buffered {
    pub(super) fn new(capacity: usize, input: Input) -> Self {
        Self {
            input,
            buf: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            consumed: 0,
            exhausted: false,
        }
    }
}

impl PcapReaderIterator for Buffered {
    /// Never called: these formats are framed here, not parsed by pcap-parser.
    fn next(&mut self) -> Result<(usize, PcapBlockOwned<'_>), PcapError<&[u8]>> {
        Err(PcapError::Eof)
    }

    fn consume(&mut self, offset: usize) {
        self.consume_noshift(offset);
    }

    fn consume_noshift(&mut self, offset: usize) {
        let n = offset.min(self.end - self.start);
        self.start += n;
        self.consumed += n;
    }

    fn consumed(&self) -> usize {
        self.consumed
    }

    fn refill(&mut self) -> Result<(), PcapError<&[u8]>> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let Some(space) = self.buf.get_mut(self.end..).filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        // Input keeps the error for the framing to tell.
        let n = self.input.read(space).map_err(|_| PcapError::ReadError)?;
        self.exhausted = n == 0;
        self.end += n;
        Ok(())
    }

    fn position(&self) -> usize {
        self.start
    }

    fn grow(&mut self, new_size: usize) -> bool {
        if new_size > self.buf.len() {
            self.buf.resize(new_size, 0);
        }
        true
    }

    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn reader_exhausted(&self) -> bool {
        self.exhausted
    }
}

/// Link types outside pcap's 16 bits, for frames whose media type has no pcap link type: a
/// Network Monitor media type (low 16 bits) or a snoop link type. The decoder reads none of
/// them; their frames are counted as not decoded, under [`crate::decode::link_type_name`]'s
/// name for them.
pub const NETMON_MEDIA: u32 = 0x0001_0000;
/// See [`NETMON_MEDIA`].
pub const SNOOP_LINK: u32 = 0x0002_0000;

/// How each format's records are framed.
pub(super) enum RecordFraming {
    NetMon(NetMon),
    Snoop(Snoop),
}

impl RecordFraming {
    /// Reads the file header at the start of `reader` (for the magic `netmon` tells) and
    /// returns the framing of the records after it.
    pub(super) fn open(
        reader: &mut Buffered,
        stream: &mut Stream,
        netmon: bool,
        file: usize,
        interfaces: &mut Vec<InterfaceInfo>,
        warnings: &mut Warnings,
    ) -> Result<Self, Stop> {
        let header_len = if netmon { NETMON_HEADER } else { SNOOP_HEADER };
        if !ensure(reader, stream, header_len)? {
            return Err(Stop {
                offset: 0,
                kind: StopKind::Truncated,
            });
        }
        let framing = if netmon {
            Self::NetMon(NetMon::open(reader.data(), file, interfaces, warnings)?)
        } else {
            Self::Snoop(Snoop::open(reader.data(), file, interfaces)?)
        };
        reader.consume_noshift(header_len);
        Ok(framing)
    }

    /// The next frame, `None` at the end of the file.
    pub(super) fn next(
        &mut self,
        reader: &mut Buffered,
        stream: &mut Stream,
        interfaces: &mut Vec<InterfaceInfo>,
        warnings: &mut Warnings,
        lost: &mut u64,
    ) -> Result<Option<Head>, Stop> {
        match self {
            Self::NetMon(n) => n.next(reader, stream, interfaces, warnings),
            Self::Snoop(s) => s.next(reader, stream, lost),
        }
    }
}

/// The 128-byte file header of both Network Monitor formats.
const NETMON_HEADER: usize = 128;
/// Network Monitor media types that are no frames: a reassembled payload's header, the list
/// of adapters, the DNS cache (Wireshark passes them over too).
const NETMON_METADATA: [u16; 3] = [0xFFFC, 0xFFFD, 0xFFFE];
/// Network Monitor's media type of an ETW event (`NetEvent`): what a `netsh trace` (an `.etl`)
/// opened in Network Monitor 3.4 or Message Analyzer and saved as `.cap` holds.
const NETEVENT: u16 = 0xFFE0;
/// The interface key of packets taken out of ETW events: this, with their link type.
const NDIS_KEY: u32 = 0x1_0000;
/// Distinct media types given an interface each; frames of further ones share the last.
const MAX_MEDIA: usize = 32;
/// 100 ns ticks from 1601-01-01 (a Windows FILETIME's origin) to 1970-01-01.
const FILETIME_UNIX: i128 = 116_444_736_000_000_000;

/// Network Monitor, format 1.x (magic `RTSS`) or 2.x (`GMBU`).
pub(super) struct NetMon {
    major: u8,
    minor: u8,
    /// The capture's start, from the file header's local time; frame times count from it
    /// (but in 2.3, where each frame has its own UTC time).
    start: Timestamp,
    /// The media type of the file header (the frames' own, before 2.1).
    media: u16,
    /// Each media type met, its link type, interface, and whether its frames begin with
    /// Network Monitor's 802.11 header.
    interfaces: Vec<(u32, LinkType, u32, bool)>,
    file: usize,
    /// Frame table: where it lies, and how many frames it lists.
    table_at: u64,
    frames: u64,
    /// Records read so far, and a digest of the places they were read at (count, sum and sum
    /// of squares, wrapping: the table's order need not be the file's).
    read: u64,
    places: (u64, u64),
    /// The frame table read alongside the frames, for a file on disk: `None` until the first
    /// frame, then `Some(None)` where it cannot be read so (the frames are read in order).
    table: Option<Option<TablePlaces>>,
}

/// A Network Monitor file's frame table, read a block of places at a time from its own
/// handle on the file, in the table's order.
struct TablePlaces {
    file: std::fs::File,
    /// Entries not yet read from the file.
    left: u64,
    /// Places read, and the next one to give.
    block: Vec<u32>,
    next: usize,
}

impl TablePlaces {
    /// Places read from the file at once.
    const BLOCK: u64 = 4096;

    /// The table of `frames` entries at `at` in the file at `path`; `None` when it cannot
    /// be read there (the file shorter than the header says: a capture cut short).
    fn open(path: &std::path::Path, at: u64, frames: u64) -> Option<Self> {
        use std::io::{Seek, SeekFrom};
        let mut file = std::fs::File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        if at.checked_add(frames.checked_mul(4)?)? > len {
            return None;
        }
        file.seek(SeekFrom::Start(at)).ok()?;
        Some(Self {
            file,
            left: frames,
            block: Vec::new(),
            next: 0,
        })
    }

    /// The next frame's place; `None` when the table is read through or cannot be read.
    fn place(&mut self) -> Option<u64> {
        if self.next == self.block.len() {
            let n = self.left.min(Self::BLOCK);
            if n == 0 {
                return None;
            }
            let mut bytes = vec![0u8; n as usize * 4];
            self.file.read_exact(&mut bytes).ok()?;
            self.block.clear();
            self.block
                .extend(bytes.chunks_exact(4).map(|e| u32_at(e, 0, false)));
            self.left -= n;
            self.next = 0;
        }
        let place = self.block.get(self.next).copied()?;
        self.next += 1;
        Some(u64::from(place))
    }
}

impl NetMon {
    fn open(
        header: &[u8],
        file: usize,
        interfaces: &mut Vec<InterfaceInfo>,
        warnings: &mut Warnings,
    ) -> Result<Self, Stop> {
        let corrupt = |what: String| Stop {
            offset: 0,
            kind: StopKind::Corrupt(what),
        };
        let (minor, major) = (header[4], header[5]);
        if !matches!(major, 1 | 2) {
            return Err(corrupt(format!(
                "Network Monitor file version {major}.{minor}, which rstscope does not know \
                 (it reads 1.x and 2.0 to 2.3)"
            )));
        }
        let table_len = u32_at(header, 28, false);
        if !table_len.is_multiple_of(4) {
            return Err(corrupt(format!(
                "the frame table's length {table_len} is not a multiple of 4"
            )));
        }
        let field = |at| u16_at(header, at, false);
        let (start, valid) = local_start(
            field(8),
            field(10),
            field(14),
            [field(16), field(18), field(20), field(22)],
        );
        // 2.3 gives each frame its UTC time: the header's start is not used.
        if !valid && (major, minor) < (2, 3) {
            let (y, m, d) = (field(8), field(10), field(14));
            warnings.note(8, || {
                format!(
                    "the capture's start time in the file header ({y:04}-{m:02}-{d:02}) is not \
                     a date: frame times are counted from 1970-01-01 instead"
                )
            });
        }
        let mut netmon = Self {
            major,
            minor,
            start,
            media: field(6),
            interfaces: Vec::new(),
            file,
            table_at: u64::from(u32_at(header, 24, false)),
            frames: u64::from(table_len / 4),
            read: 0,
            places: (0, 0),
            table: None,
        };
        // The file's own interface first, as a pcap file's: a file of no frames still has it.
        if (major, minor) < (2, 1) {
            netmon
                .interface(u32::from(netmon.media), interfaces)
                .map_err(corrupt)?;
        }
        Ok(netmon)
    }

    /// The lengths of a record header and trailer.
    fn layout(&self) -> (usize, usize) {
        match (self.major, self.minor) {
            (1, _) => (8, 0),
            (_, 0) => (16, 0),
            (_, 1) => (16, 2),
            (_, 2) => (16, 6),
            _ => (16, 15),
        }
    }

    fn next(
        &mut self,
        reader: &mut Buffered,
        stream: &mut Stream,
        interfaces: &mut Vec<InterfaceInfo>,
        warnings: &mut Warnings,
    ) -> Result<Option<Head>, Stop> {
        let (header_len, trailer_len) = self.layout();
        loop {
            if self.read == self.frames {
                self.check_table(reader, stream, warnings)?;
                return Ok(None);
            }
            self.skip_to_next_place(reader, stream)?;
            if !ensure(reader, stream, header_len)? {
                // The frame table promised more frames.
                return Err(stop_at(reader, StopKind::Truncated));
            }
            let data = reader.data();
            let (delta, orig_len, caplen) = if self.major == 1 {
                let ms = i64::from(u32_at(data, 0, false));
                let (orig, cap) = (u16_at(data, 4, false), u16_at(data, 6, false));
                (ms * 1_000_000, u32::from(orig), u32::from(cap))
            } else {
                let micros =
                    u64::from(u32_at(data, 0, false)) | u64::from(u32_at(data, 4, false)) << 32;
                // A count of microseconds that may stand for a negative offset: Microsoft's
                // documentation has it read as the 64-bit signed number of 100 ns its tenfold
                // is (Wireshark reads it so).
                let ticks = micros.wrapping_mul(10) as i64;
                let (orig, cap) = (u32_at(data, 8, false), u32_at(data, 12, false));
                (ticks.saturating_mul(100), orig, cap)
            };
            if caplen as usize > MAX_RECORD - header_len - trailer_len {
                let what = format!(
                    "frame {} has a captured length of {caplen}, beyond the {} MiB limit",
                    self.read + 1,
                    MAX_RECORD >> 20
                );
                return Err(corrupt_at(reader, self.unplaced(stream, what)));
            }
            check_orig_len(caplen, orig_len)
                .map_err(|what| corrupt_at(reader, self.unplaced(stream, what)))?;
            let record_len = header_len + caplen as usize + trailer_len;
            ensure_record(reader, stream, record_len)?;
            let offset = reader.consumed() as u64;
            self.read += 1;
            self.places.0 = self.places.0.wrapping_add(offset);
            self.places.1 = self.places.1.wrapping_add(offset.wrapping_mul(offset));
            let data = reader.data();
            let trailer = header_len + caplen as usize;
            let media = if trailer_len == 0 {
                self.media
            } else {
                u16_at(data, trailer, false)
            };
            if NETMON_METADATA.contains(&media) {
                reader.consume_noshift(record_len);
                continue;
            }
            let ts = if trailer_len >= 15 {
                let raw = u64::from(u32_at(data, trailer + 6, false))
                    | u64::from(u32_at(data, trailer + 10, false)) << 32;
                filetime(raw)
            } else {
                Timestamp(self.start.0.saturating_add(delta))
            };
            let (mut start, mut len, mut orig_len) = (header_len, caplen as usize, orig_len);
            let mut key = u32::from(media);
            if media == NETEVENT {
                match ndis_packet(data.get(header_len..trailer).unwrap_or_default()) {
                    NdisEvent::Packet {
                        at,
                        bytes,
                        link_type,
                    } => {
                        key = NDIS_KEY | link_type;
                        (start, len, orig_len) = (header_len + at, bytes, bytes as u32);
                    }
                    // The rest of a packet whose first part was a frame of its own.
                    NdisEvent::Continuation => {
                        reader.consume_noshift(record_len);
                        continue;
                    }
                    NdisEvent::Other => {}
                }
            }
            let (link_type, interface, wifi) = self
                .interface(key, interfaces)
                .map_err(|what| corrupt_at(reader, what))?;
            if wifi {
                // Network Monitor's own radio header (version 2, its length after it), then
                // the 802.11 frame; one that is not that stays whole, and is not decoded.
                let frame = data.get(header_len..trailer).unwrap_or_default();
                let skip = usize::from(u16_at(frame, 1, false));
                if frame.first() == Some(&2) && (32..=len).contains(&skip) {
                    start += skip;
                    len -= skip;
                    orig_len = orig_len.saturating_sub(skip as u32);
                }
            }
            return Ok(Some(Head {
                ts,
                link_type,
                interface,
                start,
                len,
                orig_len,
                record_len,
                meta: PacketMeta::default(),
                options: OptionsAt::default(),
            }));
        }
    }

    /// The link type and interface of frames of media type `key` (a packet taken out of an
    /// ETW event: [`NDIS_KEY`] and its link type), and whether they begin with Network
    /// Monitor's 802.11 header; the interface registered when the type is first met.
    fn interface(
        &mut self,
        key: u32,
        interfaces: &mut Vec<InterfaceInfo>,
    ) -> Result<(LinkType, u32, bool), String> {
        if let Some(&(_, lt, id, wifi)) = self.interfaces.iter().find(|i| i.0 == key) {
            return Ok((lt, id, wifi));
        }
        if self.interfaces.len() >= MAX_MEDIA
            && let Some(&(_, lt, id, wifi)) = self.interfaces.last()
        {
            return Ok((lt, id, wifi));
        }
        let (link_type, wifi) = match u16::try_from(key) {
            Ok(media) => netmon_link_type(media),
            Err(_) => (LinkType(key & 0xFFFF), false),
        };
        let local = self.interfaces.len() as u32;
        let id = register_interface(interfaces, self.file, 0, local, link_type, None, None)?;
        if let Some(i) = interfaces.get_mut(id as usize) {
            // Version 1 records each frame's time in milliseconds, 2 in microseconds.
            i.set_tsresol(if self.major == 1 { 3 } else { 6 });
        }
        self.interfaces.push((key, link_type, id, wifi));
        Ok((link_type, id, wifi))
    }

    /// `what` is wrong with a record, and for a file whose frames cannot be read at the places
    /// the frame table gives (compressed, piped), that they may lie elsewhere: data before the
    /// first frame or between frames reads as a bad record.
    fn unplaced(&self, stream: &Stream, what: String) -> String {
        if stream.disk.is_some() {
            return what;
        }
        format!(
            "{what} (a Network Monitor file may hold other data before or between its frames, \
             which only its frame table, at its end, places: decompress it, or save it to a \
             file, and read that)"
        )
    }

    /// Skips to where the frame table places the next frame, for a file on disk whose table
    /// can be read (other data between the file header and the first frame, or between
    /// frames); a place the reading has passed, or none, leaves the reading where it is.
    fn skip_to_next_place(
        &mut self,
        reader: &mut Buffered,
        stream: &mut Stream,
    ) -> Result<(), Stop> {
        let frames = self.frames;
        let at = self.table_at;
        let table = self.table.get_or_insert_with(|| {
            (stream.disk.as_deref()).and_then(|path| TablePlaces::open(path, at, frames))
        });
        let Some(place) = table.as_mut().and_then(TablePlaces::place) else {
            return Ok(());
        };
        let here = reader.consumed() as u64;
        if place > here {
            skip(reader, stream, place - here)?;
        }
        Ok(())
    }

    /// After the last frame: reads the frame table when it follows, and notes in `warnings`
    /// when it does not list the places the frames were read at.
    fn check_table(
        &mut self,
        reader: &mut Buffered,
        stream: &mut Stream,
        warnings: &mut Warnings,
    ) -> Result<(), Stop> {
        let at = reader.consumed() as u64;
        if self.frames == 0 {
            // Network Monitor writes the header's frame table last: a capture whose saving did
            // not finish lists none, its frames after the header.
            if ensure(reader, stream, 1)? {
                warnings.note(at, || {
                    "its file header lists no frames (an empty frame table), yet data follows \
                     it: a Network Monitor capture whose saving did not finish; no frame is \
                     read from it"
                        .to_string()
                });
            }
            return Ok(());
        }
        if self.table_at < at {
            return Ok(());
        }
        // What lies between (user data, comments) is passed over.
        skip(reader, stream, self.table_at - at)?;
        let (mut left, mut sum, mut squares) = (self.frames, 0u64, 0u64);
        while left > 0 {
            if !ensure(reader, stream, 4)? {
                return Err(stop_at(reader, StopKind::Truncated));
            }
            let data = reader.data();
            let n = (data.len() / 4).min(usize::try_from(left).unwrap_or(usize::MAX));
            for entry in data.chunks_exact(4).take(n) {
                let place = u64::from(u32_at(entry, 0, false));
                sum = sum.wrapping_add(place);
                squares = squares.wrapping_add(place.wrapping_mul(place));
            }
            reader.consume_noshift(n * 4);
            left -= n as u64;
        }
        if (sum, squares) != self.places {
            let frames = self.frames;
            warnings.note(self.table_at, || {
                format!(
                    "its frame table lists {frames} frames at other places than the {frames} \
                     read one after another from the file header on (a Network Monitor file \
                     with gaps between its frames, which rstscope reads in order only): the \
                     frames read are kept, and may not be the capture's; to read it as its \
                     table says, convert it with Wireshark's editcap: editcap -F pcapng IN \
                     OUT.pcapng"
                )
            });
        }
        Ok(())
    }
}

/// Passes over the next `gap` bytes of the stream (cut short: truncated there).
fn skip(reader: &mut Buffered, stream: &mut Stream, mut gap: u64) -> Result<(), Stop> {
    while gap > 0 {
        if !ensure(reader, stream, 1)? {
            return Err(stop_at(reader, StopKind::Truncated));
        }
        let n = reader
            .data()
            .len()
            .min(usize::try_from(gap).unwrap_or(usize::MAX));
        reader.consume_noshift(n);
        gap -= n as u64;
    }
    Ok(())
}

/// The link type of Network Monitor's media type `media`, and whether its frames begin with
/// Network Monitor's 802.11 header (as Wireshark's netmon reader maps them).
fn netmon_link_type(media: u16) -> (LinkType, bool) {
    let lt = match media {
        // 0: some Network Monitor 3.4 VPN captures, whose frames are Ethernet.
        0 | 1 => 1,
        2 => 6,
        // Bit-swapped FDDI: the addresses only, which TCP does not need.
        3 => 10,
        6 => return (LinkType(105), true),
        // Tunnels, Wireless WAN, raw IP frames.
        7..=9 => 101,
        // Message Analyzer's "WiFi Message".
        0xE080 => 105,
        // A converted pcap: its link type in the low 12 bits.
        m if m & 0xF000 == 0xE000 && !(0xE080..=0xE08A).contains(&m) => u32::from(m & 0x0FFF),
        m => NETMON_MEDIA | u32::from(m),
    };
    (LinkType(lt), false)
}

/// What an ETW event frame holds (see [`ndis_packet`]).
#[derive(Debug, PartialEq, Eq)]
enum NdisEvent {
    /// A packet (its first part, when the capture split it): where its bytes lie in the
    /// event, how many, and their link type.
    Packet {
        at: usize,
        bytes: usize,
        link_type: u32,
    },
    /// A later part of a packet split over several events.
    Continuation,
    /// Another event, or one that does not read as a packet.
    Other,
}

/// The Windows packet capture provider (ndiscap: `netsh trace start capture=yes`),
/// Microsoft-Windows-NDIS-PacketCapture, {2ED6006E-4729-4609-B423-3EE7BCD678EF}, as its GUID's
/// bytes lie in an event header (the first three fields little-endian).
pub(super) const NDIS_PACKET_CAPTURE: [u8; 16] = [
    0x6E, 0x00, 0xD6, 0x2E, 0x29, 0x47, 0x09, 0x46, 0xB4, 0x23, 0x3E, 0xE7, 0xBC, 0xD6, 0x78, 0xEF,
];
/// Its "Packet Fragment" event: the interface indexes, the fragment's length, the fragment.
const NDIS_FRAGMENT_EVENT: u16 = 1001;
/// Its keywords: the adapter's medium, and the first and last part of a packet.
const KW_MEDIA_WIRELESS_WAN: u64 = 0x200;
const KW_MEDIA_NATIVE_802_11: u64 = 0x1_0000;
pub(super) const KW_PACKET_START: u64 = 0x4000_0000;
/// An event frame's fixed part, up to its user data length (the user data ends the frame).
const EVENT_HEADER: usize = 88;

/// The packet in the ETW event frame `event` (Network Monitor's layout of an event: its
/// header as Windows' EVENT_HEADER, the buffer context, the counts of extended data items
/// and user data bytes, then the items and the user data, which ends it), when the event is
/// ndiscap's packet fragment on an Ethernet adapter (the frame) or a mobile broadband one
/// (raw IP). A native 802.11 adapter's frames come with Windows' own receive context before
/// them, which is not taken off: such events stay events, counted as not decoded.
fn ndis_packet(event: &[u8]) -> NdisEvent {
    let (Some(provider), Some(user_len)) = (event.get(24..40), event.get(86..88)) else {
        return NdisEvent::Other;
    };
    let id = u16_at(event, 40, false);
    if provider != NDIS_PACKET_CAPTURE || id != NDIS_FRAGMENT_EVENT {
        return NdisEvent::Other;
    }
    let keyword = u64::from(u32_at(event, 48, false)) | u64::from(u32_at(event, 52, false)) << 32;
    if keyword & KW_PACKET_START == 0 {
        return NdisEvent::Continuation;
    }
    let user_len = usize::from(u16::from_le_bytes([user_len[0], user_len[1]]));
    let Some(user) = event
        .len()
        .checked_sub(user_len)
        .filter(|&at| at >= EVENT_HEADER)
    else {
        return NdisEvent::Other;
    };
    // MiniportIfIndex, LowerIfIndex, FragmentSize, then the fragment.
    let bytes = u32_at(event, user + 8, false) as usize;
    if user_len < 12 || bytes > user_len - 12 {
        return NdisEvent::Other;
    }
    let link_type = if keyword & KW_MEDIA_NATIVE_802_11 != 0 {
        return NdisEvent::Other;
    } else if keyword & KW_MEDIA_WIRELESS_WAN != 0 {
        101
    } else {
        1
    };
    NdisEvent::Packet {
        at: user + 12,
        bytes,
        link_type,
    }
}

/// The capture's start from the file header's SYSTEMTIME (year, month, day; hour, minute,
/// second, millisecond), which is the capturing machine's local time with no zone said: taken
/// as this machine's local time, as Network Monitor and Wireshark take it. `false` when it is
/// no date (then the Unix epoch).
fn local_start(year: u16, month: u16, day: u16, [h, m, s, ms]: [u16; 4]) -> (Timestamp, bool) {
    use chrono::TimeZone;
    let naive = chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
        .and_then(|d| d.and_hms_milli_opt(u32::from(h), u32::from(m), u32::from(s), u32::from(ms)));
    let Some(naive) = naive else {
        return (Timestamp(0), false);
    };
    // A time a change to summer time skipped: taken as UTC there.
    let utc = chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.to_utc());
    match utc.timestamp_nanos_opt() {
        Some(ns) => (Timestamp(ns), true),
        None => (Timestamp(0), false),
    }
}

/// A Windows FILETIME (100 ns since 1601, UTC) as a packet time.
fn filetime(raw: u64) -> Timestamp {
    let ns = (i128::from(raw) - FILETIME_UNIX) * 100;
    Timestamp(i64::try_from(ns).unwrap_or(if ns < 0 { i64::MIN } else { i64::MAX }))
}

/// snoop's file header: magic, version, link type.
const SNOOP_HEADER: usize = 16;
/// A snoop record header: lengths, drops, time.
const SNOOP_RECORD: usize = 24;

/// Sun/illumos snoop (RFC 1761): big-endian records, each giving its whole length (header,
/// data and padding), and the drops counted since the capture began.
pub(super) struct Snoop {
    link_type: LinkType,
    interface: u32,
}

impl Snoop {
    fn open(header: &[u8], file: usize, interfaces: &mut Vec<InterfaceInfo>) -> Result<Self, Stop> {
        let corrupt = |what: String| Stop {
            offset: 0,
            kind: StopKind::Corrupt(what),
        };
        let version = u32_at(header, 8, true);
        // 2: Solaris and illumos; 3 to 5: Shomiti Surveyor's hardware.
        if !(2..=5).contains(&version) {
            return Err(corrupt(format!(
                "snoop version {version}, which rstscope does not know (it reads 2 to 5)"
            )));
        }
        let link_type = snoop_link_type(u32_at(header, 12, true));
        let interface =
            register_interface(interfaces, file, 0, 0, link_type, None, None).map_err(corrupt)?;
        Ok(Self {
            link_type,
            interface,
        })
    }

    fn next(
        &mut self,
        reader: &mut Buffered,
        stream: &mut Stream,
        lost: &mut u64,
    ) -> Result<Option<Head>, Stop> {
        if !ensure_header(reader, stream, SNOOP_RECORD)? {
            return Ok(None);
        }
        let data = reader.data();
        let field = |n: usize| u32_at(data, n * 4, true);
        let (orig_len, caplen, record_len, drops) = (field(0), field(1), field(2), field(3));
        let (secs, micros) = (field(4), field(5));
        let record_len = record_len as usize;
        if record_len > MAX_RECORD {
            let what = format!(
                "record length {record_len} exceeds the {} MiB limit",
                MAX_RECORD >> 20
            );
            return Err(corrupt_at(reader, what));
        }
        if record_len < SNOOP_RECORD + caplen as usize {
            let what = format!(
                "record length {record_len} is shorter than its {SNOOP_RECORD}-byte header and \
                 the {caplen} bytes it says it captured"
            );
            return Err(corrupt_at(reader, what));
        }
        check_orig_len(caplen, orig_len).map_err(|what| corrupt_at(reader, what))?;
        ensure_record(reader, stream, record_len)?;
        // Counted from the capture's start: the last record's count is the capture's.
        *lost = (*lost).max(u64::from(drops));
        Ok(Some(Head {
            ts: Timestamp(i64::from(secs) * NANOS_PER_SEC + i64::from(micros) * 1000),
            link_type: self.link_type,
            interface: self.interface,
            start: SNOOP_RECORD,
            len: caplen as usize,
            orig_len,
            record_len,
            meta: PacketMeta::default(),
            options: OptionsAt::default(),
        }))
    }
}

/// The link type of snoop's `datalink` (RFC 1761, and Solaris' private ones), as Wireshark's
/// snoop reader maps them.
fn snoop_link_type(datalink: u32) -> LinkType {
    LinkType(match datalink {
        // IEEE 802.3 and Ethernet.
        0 | 4 => 1,
        2 => 6,
        8 => 10,
        // "Other" and software loopback, which Wireshark reads as BSD loopback.
        9 | 14 => 0,
        // Solaris ipnet (a private type).
        0x8000_0005 => 226,
        other => SNOOP_LINK | (other & 0xFFFF),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn a_filetime_is_unix_time() {
        // 2009-02-13 23:31:30 UTC, Unix 1234567890.
        let raw = (1_234_567_890u64 * 10_000_000) + FILETIME_UNIX as u64;
        assert_eq!(filetime(raw), Timestamp(1_234_567_890 * NANOS_PER_SEC));
        // Before 1678: beyond what nanoseconds since 1970 hold.
        assert_eq!(filetime(0).0, i64::MIN);
    }

    #[test]
    fn media_types_map_onto_link_types() {
        assert_eq!(netmon_link_type(1), (LinkType(1), false));
        assert_eq!(netmon_link_type(0), (LinkType(1), false));
        assert_eq!(netmon_link_type(6), (LinkType(105), true));
        assert_eq!(netmon_link_type(9), (LinkType(101), false));
        // A converted pcap of Linux SLL (113).
        assert_eq!(netmon_link_type(0xE071), (LinkType(113), false));
        assert_eq!(
            netmon_link_type(0xFFE0),
            (LinkType(NETMON_MEDIA | 0xFFE0), false)
        );
        assert_eq!(snoop_link_type(4), LinkType(1));
        assert_eq!(snoop_link_type(26), LinkType(SNOOP_LINK | 26));
    }

    /// An event frame as Network Monitor keeps it: `provider`'s event `id` with `keyword`, no
    /// extended data, and `user` as its user data.
    pub(in crate::source::file) fn event(
        provider: [u8; 16],
        id: u16,
        keyword: u64,
        user: &[u8],
    ) -> Vec<u8> {
        let mut out = vec![0u8; EVENT_HEADER + 1];
        out[24..40].copy_from_slice(&provider);
        out[40..42].copy_from_slice(&id.to_le_bytes());
        out[48..56].copy_from_slice(&keyword.to_le_bytes());
        out[86..88].copy_from_slice(&(user.len() as u16).to_le_bytes());
        out.extend(user);
        out
    }

    /// ndiscap's fragment user data: interface indexes 7 and 0, the fragment's length, it.
    pub(in crate::source::file) fn fragment(frame: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [7, 0, frame.len() as u32] {
            out.extend(v.to_le_bytes());
        }
        out.extend(frame);
        out
    }

    #[test]
    fn ndiscap_events_give_their_packets() {
        let start = KW_PACKET_START | 1;
        let e = event(NDIS_PACKET_CAPTURE, 1001, start, &fragment(b"frame"));
        assert_eq!(
            ndis_packet(&e),
            NdisEvent::Packet {
                at: EVENT_HEADER + 1 + 12,
                bytes: 5,
                link_type: 1
            }
        );
        let wwan = event(
            NDIS_PACKET_CAPTURE,
            1001,
            start | KW_MEDIA_WIRELESS_WAN,
            &fragment(b"ip"),
        );
        assert!(matches!(
            ndis_packet(&wwan),
            NdisEvent::Packet { link_type: 101, .. }
        ));
        let rest = event(NDIS_PACKET_CAPTURE, 1001, 1, &fragment(b"rest"));
        assert_eq!(ndis_packet(&rest), NdisEvent::Continuation);
        let wifi = event(
            NDIS_PACKET_CAPTURE,
            1001,
            start | KW_MEDIA_NATIVE_802_11,
            &fragment(b"w"),
        );
        assert_eq!(ndis_packet(&wifi), NdisEvent::Other);
        // Another provider, another event, a fragment longer than its event, a cut header.
        assert_eq!(
            ndis_packet(&event([1; 16], 1001, start, &fragment(b"x"))),
            NdisEvent::Other
        );
        assert_eq!(
            ndis_packet(&event(NDIS_PACKET_CAPTURE, 1002, start, &fragment(b"x"))),
            NdisEvent::Other
        );
        let mut long = event(NDIS_PACKET_CAPTURE, 1001, start, &fragment(b"abc"));
        long.truncate(long.len() - 1);
        assert_eq!(ndis_packet(&long), NdisEvent::Other);
        assert_eq!(ndis_packet(&e[..60]), NdisEvent::Other);
    }

    #[test]
    fn a_start_that_is_no_date_says_so() {
        assert!(!local_start(2024, 13, 1, [0; 4]).1);
        assert!(!local_start(0, 0, 0, [0; 4]).1);
        assert!(local_start(2024, 2, 29, [23, 59, 59, 999]).1);
    }
}
