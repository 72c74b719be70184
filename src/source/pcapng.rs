//! pcapng, the one place for its numbers and its writer: the block types and option codes
//! the reader (`file::framing`, `file::processes`) and the writers use, and the writer that
//! live capture (`--write`, the app's temporary file) and evidence files ("save these
//! packets", `--endpoint --write`) share.
//!
//! What is written: a section header (with `shb_userappl` and an optional comment), one
//! interface description per interface (link type, snaplen, name, description, and the
//! `if_tsresol` its times were recorded to: 6 for a live capture's microseconds, a saved
//! packet's own file's; [`NANOSECONDS`](crate::source::pcapng::NANOSECONDS) where the caller
//! says nothing), an enhanced packet block per frame (with, for a packet saved from a capture,
//! the options that capture gave it: comments, `epb_flags`, Apple's process references, and
//! Apple's process blocks before the packets that refer to them), and optionally at the end
//! rstscope's host block (a live capture's answers about processes:
//! [`RSTSCOPE_HOST`](crate::source::pcapng::RSTSCOPE_HOST)) and interface statistics blocks
//! (the counts of what was received and dropped). Wireshark, tshark, tcpdump (one link type)
//! and rstscope's own reader open it.
//!
//! Sources: the pcapng specification (draft-ietf-opsawg-pcapng), §4 and §10.

use std::io::{self, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::packet::{DropKind, Timestamp};
use crate::source::{Frame, LinkType};

/// Section Header Block.
pub const SHB: u32 = 0x0A0D_0D0A;
/// Interface Description Block.
pub const IDB: u32 = 0x0000_0001;
/// The obsolete Packet Block.
pub const PB: u32 = 0x0000_0002;
/// Simple Packet Block.
pub const SPB: u32 = 0x0000_0003;
/// Interface Statistics Block.
pub const ISB: u32 = 0x0000_0005;
/// Enhanced Packet Block.
pub const EPB: u32 = 0x0000_0006;
/// Apple's Darwin Process Event Block (`PCAPNG_BT_PIB` in Apple's libpcap `pcap/pcap-ng.h`).
pub const DPEB: u32 = 0x8000_0001;
/// rstscope's own block: what the machine said during a live capture (who listened, who
/// connected, the journal's former owners), written by `rstscope capture --write` so that the
/// saved capture names the same programs (`host::recorded`). A block type with its top bit
/// set is "reserved for local use by the application" (pcapng): other readers (Wireshark,
/// tshark, libpcap) skip it.
/// Its body is UTF-8 JSON that says what it is, padded with NULs to 32 bits: `"format":
/// "rstscope-host"`, or in a file of one endpoint's packets also `"rstscope-answers"`, the
/// TTLs of its host's SYN-ACKs in the capture they come from
/// ([`crate::report::evidence::answers`]), whoever wrote that capture.
pub const RSTSCOPE_HOST: u32 = 0x8052_5354;
/// The byte-order magic, as a little-endian writer writes it and a little-endian read sees it.
pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// The `if_tsresol` of microseconds: libpcap's live captures (and classic pcap files).
pub const MICROSECONDS: u8 = 6;
/// The `if_tsresol` of nanoseconds, the finest packet time rstscope keeps.
pub const NANOSECONDS: u8 = 9;

/// The `if_tsresol` that keeps times read at resolution `tsresol` (a pcapng `if_tsresol`: a
/// power of 10, or of 2 with the high bit set) as rstscope holds them: `tsresol` itself,
/// or [`NANOSECONDS`] where it is finer than the nanosecond (rstscope's packet time cut
/// them to that).
pub fn kept_tsresol(tsresol: u8) -> u8 {
    let exponent = tsresol & 0x7F;
    // 2^-30 s is 0.93 ns.
    let finer = match tsresol & 0x80 {
        0 => exponent > 9,
        _ => exponent >= 30,
    };
    if finer { NANOSECONDS } else { tsresol }
}

/// `ts` in units of `tsresol` (an `if_tsresol` [`kept_tsresol`] returns), as a pcapng
/// timestamp holds it; times before 1970, which pcapng cannot hold, as 0. A time between
/// two units is cut to the one before (a live capture's times are whole microseconds); a
/// power of 2 is rounded up, to the unit that rstscope's reader (which cuts to the
/// nanosecond) turns back into `ts`.
fn ticks(ts: Timestamp, tsresol: u8) -> u64 {
    let nanos = u64::try_from(ts.0).unwrap_or(0);
    let exponent = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        let ticks = (u128::from(nanos) << exponent.min(29)).div_ceil(1_000_000_000);
        u64::try_from(ticks).unwrap_or(u64::MAX)
    } else {
        nanos / 10u64.pow(9 - exponent.min(9))
    }
}

/// How an interface comment written by rstscope starts when it names the interface indexes of
/// a Linux `any` capture: `rstscope interface indexes: 1 lo, 2 eth0, 3 wlan0`. Wireshark shows
/// it as the interface's comment; rstscope's reader takes the names back ([`index_names`]).
/// An interface made after the capture began is named so in a comment of its first packet.
pub const INDEX_COMMENT: &str = "rstscope interface indexes: ";

/// The interface comment that names `indexes` (index, name).
pub fn index_comment(indexes: &[(u32, String)]) -> String {
    let names: Vec<String> = indexes.iter().map(|(i, n)| format!("{i} {n}")).collect();
    format!("{INDEX_COMMENT}{}", names.join(", "))
}

/// The interface indexes an interface comment names, if it is [`index_comment`]'s.
pub fn index_names(comment: &str) -> Option<Vec<(u32, String)>> {
    let list = comment.strip_prefix(INDEX_COMMENT)?;
    list.split(", ")
        .map(|entry| {
            let (index, name) = entry.split_once(' ')?;
            Some((index.parse().ok()?, name.to_owned()))
        })
        .collect()
}

/// Option codes (each block type numbers its own, above 1).
pub mod option {
    /// End of options.
    pub const END: u16 = 0;
    /// `opt_comment`, UTF-8, any block.
    pub const COMMENT: u16 = 1;
    /// `shb_userappl`: the application that wrote the section.
    pub const SHB_USERAPPL: u16 = 4;
    /// `if_name`.
    pub const IF_NAME: u16 = 2;
    /// `if_description`.
    pub const IF_DESCRIPTION: u16 = 3;
    /// `if_tsresol`: timestamp resolution.
    pub const IF_TSRESOL: u16 = 9;
    /// `if_filter`: the capture filter, its first byte the kind (0: a libpcap expression).
    pub const IF_FILTER: u16 = 11;
    /// `if_tsoffset`: seconds added to every timestamp.
    pub const IF_TSOFFSET: u16 = 14;
    /// `epb_flags`: direction and more.
    pub const EPB_FLAGS: u16 = 2;
    /// `epb_packetid`: one id for every copy of a packet (pktmon's PktGroupId, via etl2pcapng).
    pub const EPB_PACKETID: u16 = 5;
    /// `epb_verdict`: what the capture point did with the packet (a verdict type, then its
    /// value); etl2pcapng marks a pktmon drop event with it.
    pub const EPB_VERDICT: u16 = 7;
    /// `epb_processid_threadid` (32-bit process id, 32-bit thread id), which etl2pcapng writes
    /// on pktmon's packets.
    pub const EPB_PROCESS_THREAD: u16 = 8;
    /// Apple's `PCAPNG_EPB_PIB_INDEX`: the number of the packet's process block within the
    /// section (32 bits).
    pub const EPB_PIB_INDEX: u16 = 0x8001;
    /// Apple's `PCAPNG_EPB_SVC`: the packet's service class (32 bits).
    pub const EPB_SVC: u16 = 0x8002;
    /// Apple's `PCAPNG_EPB_E_PIB_INDEX`: the number of the effective process's block within
    /// the section (32 bits).
    pub const EPB_E_PIB_INDEX: u16 = 0x8003;
    /// Apple's `PCAPNG_PIB_NAME` in a process block: the process name, UTF-8.
    pub const PIB_NAME: u16 = 2;
    /// Apple's `PCAPNG_PIB_PATH` in a process block: the executable's path, UTF-8.
    pub const PIB_PATH: u16 = 3;
    /// Apple's `PCAPNG_PIB_UUID` in a process block: the process UUID, 16 bytes.
    pub const PIB_UUID: u16 = 4;
    /// `isb_starttime`.
    pub const ISB_STARTTIME: u16 = 2;
    /// `isb_endtime`.
    pub const ISB_ENDTIME: u16 = 3;
    /// `isb_ifrecv`: packets received.
    pub const ISB_IFRECV: u16 = 4;
    /// `isb_ifdrop`: packets dropped by the interface.
    pub const ISB_IFDROP: u16 = 5;
    /// `isb_osdrop`: packets dropped by the OS (or the capturing program).
    pub const ISB_OSDROP: u16 = 7;
    /// `isb_usrdeliv`: packets delivered to the user.
    pub const ISB_USRDELIV: u16 = 8;
}

/// The body of an [`RSTSCOPE_HOST`] block of `format`: `{"format": ..., "version": ...}`
/// and then the fields of `fields` (a struct), in that order.
///
/// # Errors
/// Where serde_json cannot write `fields` (a map whose keys are not strings).
pub fn own_block<T: Serialize>(
    format: &str,
    version: u32,
    fields: &T,
) -> serde_json::Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Body<'a, T> {
        format: &'a str,
        version: u32,
        // Written only: serde reads a flattened struct through a buffer of its own, where
        // serde_json's arbitrary_precision numbers (Cargo.toml) do not read back as numbers.
        // A reader takes the fields alone (`read_own_block`).
        #[serde(flatten)]
        fields: &'a T,
    }
    serde_json::to_vec(&Body {
        format,
        version,
        fields,
    })
}

/// An [`RSTSCOPE_HOST`] block's body (as read: padded with NULs to 32 bits) read as `T`
/// where its JSON's `format` is `format`. `None` for a body of another format, and for one
/// that is not JSON (a local-use block type may be another program's too); an error for one
/// of `format` that `T` cannot read. Its `version` is not looked at: a reader takes what it
/// knows of later ones (unknown fields ignored, missing ones as `T` defaults them).
pub fn read_own_block<T: DeserializeOwned>(
    body: &[u8],
    format: &str,
) -> Option<serde_json::Result<T>> {
    #[derive(serde::Deserialize)]
    struct Format {
        #[serde(default)]
        format: Option<String>,
    }
    let end = body.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let json = body.get(..end).unwrap_or_default();
    let head = serde_json::from_slice::<Format>(json).ok()?;
    (head.format.as_deref() == Some(format)).then(|| serde_json::from_slice(json))
}

/// What an interface description block says (see [`PcapngWriter::add_described_interface`]).
#[derive(Debug, Clone, Copy)]
pub struct InterfaceBlock<'a> {
    /// Link type of its frames.
    pub link_type: LinkType,
    /// The longest frame kept; 0 means no limit.
    pub snaplen: u32,
    /// `if_name`.
    pub name: Option<&'a str>,
    /// `if_description`.
    pub description: Option<&'a str>,
    /// The BPF expression it was captured with (`if_filter`), which Wireshark shows and
    /// `rstscope analyze` reads (a SYN/FIN/RST-only capture is analyzed as one).
    pub filter: Option<&'a str>,
    /// The names of the interface indexes its LINUX_SLL2 frames carry (Linux's `any`
    /// device), written as a comment of the interface ([`index_comment`]): a reader
    /// elsewhere, or later, names them as the machine did.
    pub indexes: &'a [(u32, String)],
    /// `if_tsresol`: the resolution its times were recorded to, and are written to
    /// ([`MICROSECONDS`] for a live capture, the packets' own file's for saved ones; see
    /// [`kept_tsresol`]): a reader shows no more digits than were recorded.
    pub tsresol: u8,
}

impl<'a> InterfaceBlock<'a> {
    /// An interface of `link_type` and `snaplen` with nanosecond times, nothing else said.
    pub fn new(link_type: LinkType, snaplen: u32) -> Self {
        Self {
            link_type,
            snaplen,
            name: None,
            description: None,
            filter: None,
            indexes: &[],
            tsresol: NANOSECONDS,
        }
    }
}

/// What one interface's statistics block says.
#[derive(Debug, Clone, Default)]
pub struct InterfaceStats {
    /// First and last frame time written (or the capture's start and end).
    pub start: Timestamp,
    /// End of the capture.
    pub end: Timestamp,
    /// Frames that passed the filter, as the kernel counts them (`None`: not written, as for
    /// packets saved out of a capture, which counted more than it saved).
    pub received: Option<u64>,
    /// Frames dropped by the interface or driver.
    pub interface_dropped: Option<u64>,
    /// Frames dropped by the kernel's buffer or by rstscope.
    pub os_dropped: Option<u64>,
    /// Frames written.
    pub delivered: Option<u64>,
    /// A note for the reader (e.g. how many of the drops were rstscope's).
    pub comment: Option<String>,
}

/// What an Enhanced Packet Block says of its packet beyond its bytes, as the tool that
/// captured it wrote it: carried into a file saved of the packet (see
/// [`PcapngWriter::write_packet_with`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketNotes<'a> {
    /// The packet's comments (`opt_comment`), in order: ptcpdump's `PID: ...` among them.
    pub comments: &'a [Vec<u8>],
    /// `epb_flags`: direction (bits 0-1), reception type, FCS length, link-layer errors.
    pub flags: Option<u32>,
    /// The number of the packet's process block in the section (Apple's 0x8001), one
    /// [`PcapngWriter::write_process_block`] returned.
    pub process: Option<u32>,
    /// The number of the effective process's block (Apple's 0x8003), likewise.
    pub effective_process: Option<u32>,
    /// Apple's service class (0x8002).
    pub service_class: Option<u32>,
    /// `epb_packetid`: the same for every record of one packet (a pktmon trace's components).
    pub packet_id: Option<u64>,
    /// The capturing host dropped the packet: written as the `epb_verdict` that says so (an
    /// XDP program's `XDP_DROP`, as etl2pcapng marks a pktmon drop event, or a tc program's
    /// `TC_ACT_SHOT`).
    pub dropped: Option<DropKind>,
}

/// The `epb_verdict` value that says a packet was dropped by `kind`: the verdict type (1 tc,
/// 2 XDP), then its 64-bit action (`TC_ACT_SHOT` 2, `XDP_DROP` 1), little-endian as the
/// writer's section is.
fn verdict(kind: DropKind) -> [u8; 9] {
    let (kind, action) = match kind {
        DropKind::Pktmon | DropKind::Xdp => (2u8, 1u64),
        DropKind::Tc => (1, 2),
    };
    let mut value = [kind; 9];
    value[1..].copy_from_slice(&action.to_le_bytes());
    value
}

/// A process as Apple's process block (Darwin Process Event Block, [`DPEB`]) holds it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessBlock<'a> {
    /// The process id; `None` is written as -1 (Apple writes 0 or -1 for a process it knows
    /// only by name).
    pub pid: Option<u32>,
    /// The process name.
    pub name: Option<&'a str>,
    /// The executable's path.
    pub path: Option<&'a str>,
    /// The process UUID.
    pub uuid: Option<[u8; 16]>,
}

/// Writes a pcapng stream; see the module documentation. Blocks are built in one reused
/// buffer: no allocation per frame.
pub struct PcapngWriter<W: Write> {
    out: W,
    block: Vec<u8>,
    interfaces: u32,
    frames: u64,
    process_blocks: u32,
    /// Each interface's `if_tsresol`, by id: its packets' and statistics' times are written
    /// in its units.
    resolutions: Vec<u8>,
}

impl<W: Write> PcapngWriter<W> {
    /// Starts the stream with its section header; `comment`, if any, says what it holds.
    pub fn new(out: W, comment: Option<&str>) -> io::Result<Self> {
        Self::with_comments(out, comment.as_slice())
    }

    /// [`PcapngWriter::new`] with any number of comments in the section header (Wireshark
    /// shows each under Capture File Properties, `capinfos` prints them).
    pub fn with_comments(out: W, comments: &[impl AsRef<str>]) -> io::Result<Self> {
        let mut w = Self {
            out,
            block: Vec::with_capacity(512),
            interfaces: 0,
            frames: 0,
            process_blocks: 0,
            resolutions: Vec::new(),
        };
        w.begin(SHB);
        w.u32(BYTE_ORDER_MAGIC);
        w.u16(1);
        w.u16(0);
        w.block.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        for c in comments {
            w.option(option::COMMENT, c.as_ref().as_bytes());
        }
        w.option(
            option::SHB_USERAPPL,
            concat!("rstscope ", env!("CARGO_PKG_VERSION")).as_bytes(),
        );
        w.end_options();
        w.end()?;
        Ok(w)
    }

    /// Describes the next interface, its times in nanoseconds; returns its id (from 0, in the
    /// order described), which [`PcapngWriter::write_packet`] takes. `snaplen` 0 means no
    /// limit. [`PcapngWriter::add_described_interface`] says more of it.
    pub fn add_interface(
        &mut self,
        link_type: LinkType,
        snaplen: u32,
        name: Option<&str>,
        description: Option<&str>,
    ) -> io::Result<u32> {
        self.add_described_interface(&InterfaceBlock {
            name,
            description,
            ..InterfaceBlock::new(link_type, snaplen)
        })
    }

    /// Describes the next interface as `block` says; returns its id (from 0, in the order
    /// described), which [`PcapngWriter::write_packet`] takes.
    pub fn add_described_interface(&mut self, block: &InterfaceBlock<'_>) -> io::Result<u32> {
        let link = u16::try_from(block.link_type.0).map_err(|_| {
            invalid(format!(
                "link type {} does not fit a pcapng interface",
                block.link_type.0
            ))
        })?;
        self.begin(IDB);
        self.u16(link);
        self.u16(0);
        self.u32(block.snaplen);
        if let Some(n) = block.name {
            self.option(option::IF_NAME, n.as_bytes());
        }
        if let Some(d) = block.description {
            self.option(option::IF_DESCRIPTION, d.as_bytes());
        }
        if let Some(f) = block.filter {
            let mut value = Vec::with_capacity(f.len() + 1);
            value.push(0);
            value.extend_from_slice(f.as_bytes());
            self.option(option::IF_FILTER, &value);
        }
        if !block.indexes.is_empty() {
            self.option(option::COMMENT, index_comment(block.indexes).as_bytes());
        }
        let tsresol = kept_tsresol(block.tsresol);
        self.option(option::IF_TSRESOL, &[tsresol]);
        self.end_options();
        self.end()?;
        let id = self.interfaces;
        self.interfaces += 1;
        self.resolutions.push(tsresol);
        Ok(id)
    }

    /// Appends one packet captured on `interface` (an id from
    /// [`PcapngWriter::add_interface`]).
    pub fn write_packet(
        &mut self,
        interface: u32,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        self.write_packet_with(interface, ts, data, orig_len, &PacketNotes::default())
    }

    /// [`PcapngWriter::write_packet`], with what the capture said of the packet as options.
    pub fn write_packet_with(
        &mut self,
        interface: u32,
        ts: Timestamp,
        data: &[u8],
        orig_len: u32,
        notes: &PacketNotes<'_>,
    ) -> io::Result<()> {
        let caplen = u32::try_from(data.len()).map_err(|_| invalid("frame too large".into()))?;
        self.begin(EPB);
        self.u32(interface);
        self.timestamp(ts, self.resolution(interface));
        self.u32(caplen);
        self.u32(orig_len.max(caplen));
        self.padded(data);
        for comment in notes.comments {
            self.option(option::COMMENT, comment);
        }
        let words = [
            (option::EPB_FLAGS, notes.flags),
            (option::EPB_PIB_INDEX, notes.process),
            (option::EPB_SVC, notes.service_class),
            (option::EPB_E_PIB_INDEX, notes.effective_process),
        ];
        let mut any = !notes.comments.is_empty();
        for (code, value) in words {
            if let Some(v) = value {
                self.option(code, &v.to_le_bytes());
                any = true;
            }
        }
        if let Some(id) = notes.packet_id {
            self.option(option::EPB_PACKETID, &id.to_le_bytes());
            any = true;
        }
        if let Some(kind) = notes.dropped {
            self.option(option::EPB_VERDICT, &verdict(kind));
            any = true;
        }
        if any {
            self.end_options();
        }
        self.end()?;
        self.frames += 1;
        Ok(())
    }

    /// Appends one of Apple's process blocks; returns its number in the section (from 0, in
    /// the order written), which [`PacketNotes::process`] takes. As Apple's libpcap writes it
    /// (`pcap_ng_dump_pktap_comment`): the process id, then its name, path and UUID options.
    pub fn write_process_block(&mut self, process: &ProcessBlock<'_>) -> io::Result<u32> {
        self.begin(DPEB);
        self.u32(process.pid.unwrap_or(u32::MAX));
        if let Some(name) = process.name {
            self.option(option::PIB_NAME, name.as_bytes());
        }
        if let Some(path) = process.path {
            self.option(option::PIB_PATH, path.as_bytes());
        }
        if let Some(uuid) = process.uuid {
            self.option(option::PIB_UUID, &uuid);
        }
        self.end_options();
        self.end()?;
        let number = self.process_blocks;
        self.process_blocks += 1;
        Ok(number)
    }

    /// Appends a frame whose [`Frame::interface`] is its interface's id here.
    pub fn write_frame(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        self.write_packet(frame.interface, frame.ts, frame.data, frame.orig_len)
    }

    /// Appends a block of type `kind` whose body is `body` (padded to 32 bits): one the reader
    /// takes apart itself, such as [`RSTSCOPE_HOST`].
    pub fn write_block(&mut self, kind: u32, body: &[u8]) -> io::Result<()> {
        self.begin(kind);
        self.padded(body);
        self.end()
    }

    /// Packets written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Hands what is buffered to the output. Blocks are written whole, so the stream is a
    /// readable pcapng up to here (without the statistics blocks `finish` adds).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes one statistics block per interface (in id order), flushes, and returns the
    /// output.
    pub fn finish(mut self, stats: &[InterfaceStats]) -> io::Result<W> {
        for (id, s) in stats.iter().enumerate() {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            let tsresol = self.resolution(id);
            self.begin(ISB);
            self.u32(id);
            self.timestamp(s.end, tsresol);
            self.option(option::ISB_STARTTIME, &ts_option(s.start, tsresol));
            self.option(option::ISB_ENDTIME, &ts_option(s.end, tsresol));
            let counts = [
                (option::ISB_IFRECV, s.received),
                (option::ISB_IFDROP, s.interface_dropped),
                (option::ISB_OSDROP, s.os_dropped),
                (option::ISB_USRDELIV, s.delivered),
            ];
            for (code, count) in counts {
                if let Some(n) = count {
                    self.option(code, &n.to_le_bytes());
                }
            }
            if let Some(c) = &s.comment {
                self.option(option::COMMENT, c.as_bytes());
            }
            self.end_options();
            self.end()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn begin(&mut self, kind: u32) {
        self.block.clear();
        self.u32(kind);
        self.u32(0); // length, set by end()
    }

    fn end(&mut self) -> io::Result<()> {
        let len =
            u32::try_from(self.block.len() + 4).map_err(|_| invalid("block too large".into()))?;
        self.block[4..8].copy_from_slice(&len.to_le_bytes());
        self.u32(len);
        self.out.write_all(&self.block)
    }

    fn end_options(&mut self) {
        self.u16(option::END);
        self.u16(0);
    }

    /// The `if_tsresol` of interface `id` (nanoseconds for one not described).
    fn resolution(&self, id: u32) -> u8 {
        (self.resolutions.get(id as usize).copied()).unwrap_or(NANOSECONDS)
    }

    /// A timestamp in units of `tsresol`: high and low 32 bits.
    fn timestamp(&mut self, ts: Timestamp, tsresol: u8) {
        self.block.extend_from_slice(&ts_option(ts, tsresol));
    }

    fn option(&mut self, code: u16, value: &[u8]) {
        let value = &value[..value.len().min(usize::from(u16::MAX))];
        self.u16(code);
        self.u16(u16::try_from(value.len()).unwrap_or(u16::MAX));
        self.padded(value);
    }

    fn padded(&mut self, bytes: &[u8]) {
        self.block.extend_from_slice(bytes);
        let pad = (4 - bytes.len() % 4) % 4;
        self.block.extend_from_slice(&[0u8; 3][..pad]);
    }

    fn u16(&mut self, v: u16) {
        self.block.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.block.extend_from_slice(&v.to_le_bytes());
    }
}

/// A timestamp as pcapng writes it, in units of `tsresol` ([`ticks`]): high then low 32
/// bits.
fn ts_option(ts: Timestamp, tsresol: u8) -> [u8; 8] {
    let ticks = ticks(ts, tsresol);
    let mut v = [0u8; 8];
    v[..4].copy_from_slice(&((ticks >> 32) as u32).to_le_bytes());
    v[4..].copy_from_slice(&(ticks as u32).to_le_bytes());
    v
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileSource;

    #[test]
    fn written_frames_read_back_with_their_interfaces_names_and_times() {
        let mut w = PcapngWriter::new(Vec::new(), Some("a test")).expect("header");
        let any = w
            .add_interface(
                LinkType(276),
                128,
                Some("any"),
                Some("Pseudo-device that captures on all interfaces"),
            )
            .expect("any");
        let lo = w
            .add_interface(LinkType(1), 0, Some("lo"), None)
            .expect("lo");
        assert_eq!((any, lo), (0, 1));
        let frames: [(u32, &[u8], i64); 3] = [
            (0, &[1, 2, 3, 4, 5], 1_700_000_000_123_456_789),
            (1, &[9; 14], 1_700_000_001_000_001_000),
            (0, &[7; 8], 1_700_000_002_000_000_000),
        ];
        for (interface, data, ns) in frames {
            w.write_packet(interface, Timestamp(ns), data, 60)
                .expect("frame");
        }
        assert_eq!(w.frames(), 3);
        let stats = vec![
            InterfaceStats {
                comment: Some("rstscope dropped 0 frames".into()),
                ..InterfaceStats::default()
            };
            2
        ];
        let bytes = w.finish(&stats).expect("finish");
        let mut src =
            FileSource::from_reader("mem.pcapng".into(), Box::new(std::io::Cursor::new(bytes)))
                .expect("opens");
        let mut seen = Vec::new();
        while let Some(f) = src.next_frame() {
            seen.push((
                f.interface,
                f.data.to_vec(),
                f.ts.0,
                f.orig_len,
                f.link_type,
            ));
        }
        assert_eq!(seen.len(), 3);
        for ((interface, data, ns), got) in frames.iter().zip(&seen) {
            assert_eq!(
                (got.0, &got.1, got.2, got.3),
                (*interface, &data.to_vec(), *ns, 60)
            );
        }
        assert_eq!(seen[1].4, LinkType(1));
        let names: Vec<_> = src.interfaces().iter().map(|i| i.name.clone()).collect();
        assert_eq!(names, [Some("any".to_string()), Some("lo".to_string())]);
        assert!(src.problems().is_empty(), "{:?}", src.problems());
    }

    /// Each interface records its times to the resolution it is described with, in its
    /// packets and its statistics block: a live capture's microseconds as 6 (they were 9,
    /// whatever the source, and nanosecond files' times could not be told from others), a
    /// millisecond file's saved packets as 3, a power of 2 as itself; a resolution finer
    /// than rstscope's nanoseconds as 9. Read back, the times are the same to the
    /// nanosecond, and each interface says its digits.
    #[test]
    fn each_interface_records_its_times_to_its_own_resolution() {
        // 2^-20 s units: 1,700,000,000.25 s and 7 units, as the reader turns them into
        // nanoseconds (cut).
        let binary = (1_700_000_000u128 << 20) + (1 << 18) + 7;
        let binary_ns = i64::try_from((binary * 1_000_000_000) >> 20).expect("ns");
        let cases: [(u8, u8, i64, u8); 5] = [
            (MICROSECONDS, MICROSECONDS, 1_700_000_000_123_456_000, 6),
            (NANOSECONDS, NANOSECONDS, 1_700_000_000_123_456_789, 9),
            (3, 3, 1_700_000_000_123_000_000, 3),
            (0x80 | 20, 0x80 | 20, binary_ns, 6),
            (12, NANOSECONDS, 1_700_000_000_123_456_789, 9),
        ];
        let mut w = PcapngWriter::new(Vec::new(), None).expect("header");
        for (tsresol, ..) in cases {
            w.add_described_interface(&InterfaceBlock {
                tsresol,
                ..InterfaceBlock::new(LinkType(1), 0)
            })
            .expect("interface");
        }
        for (id, &(.., ns, _)) in cases.iter().enumerate() {
            w.write_packet(id as u32, Timestamp(ns), &[0; 14], 14)
                .expect("frame");
        }
        let stats: Vec<InterfaceStats> = cases
            .iter()
            .map(|&(.., ns, _)| InterfaceStats {
                start: Timestamp(ns),
                end: Timestamp(ns),
                ..InterfaceStats::default()
            })
            .collect();
        let bytes = w.finish(&stats).expect("finish");
        let mut src =
            FileSource::from_reader("mem.pcapng".into(), Box::new(std::io::Cursor::new(bytes)))
                .expect("opens");
        let mut times = Vec::new();
        while let Some(f) = src.next_frame() {
            times.push(f.ts.0);
        }
        assert!(src.problems().is_empty(), "{:?}", src.problems());
        let read: Vec<(u8, u8)> = (src.interfaces().iter())
            .map(|i| (i.tsresol, i.time_digits))
            .collect();
        let expected: Vec<(u8, u8)> = cases.iter().map(|&(_, r, _, d)| (r, d)).collect();
        assert_eq!(read, expected, "each interface's resolution and digits");
        let written: Vec<i64> = cases.iter().map(|&(.., ns, _)| ns).collect();
        assert_eq!(times, written, "the times, to the nanosecond");
        // The statistics blocks' start and end, on the same clocks.
        let span = (written.iter().min().copied()).zip(written.iter().max().copied());
        assert_eq!(
            src.files()[0].recorded,
            span.map(|(a, b)| (Timestamp(a), Timestamp(b)))
        );
    }

    /// A time between two units of the interface's resolution is cut to the one before; a
    /// power of 2 goes to the unit the reader turns back into the same nanoseconds.
    #[test]
    fn times_in_units_of_a_resolution() {
        let ts = Timestamp(1_700_000_000_123_456_789);
        assert_eq!(ticks(ts, 9), 1_700_000_000_123_456_789);
        assert_eq!(ticks(ts, 6), 1_700_000_000_123_456);
        assert_eq!(ticks(ts, 3), 1_700_000_000_123);
        assert_eq!(ticks(ts, 0), 1_700_000_000);
        assert_eq!(ticks(Timestamp(-5), 6), 0, "before 1970");
        for units in [0u64, 1, 2, 1_048_575, 1_782_580_000_000_000] {
            let ns = (u128::from(units) * 1_000_000_000) >> 20;
            let back = ticks(Timestamp(ns as i64), 0x80 | 20);
            assert_eq!(back, units);
        }
        assert_eq!(kept_tsresol(6), 6);
        assert_eq!(kept_tsresol(10), NANOSECONDS);
        assert_eq!(kept_tsresol(0x80 | 29), 0x80 | 29);
        assert_eq!(kept_tsresol(0x80 | 30), NANOSECONDS);
    }

    #[test]
    fn a_link_type_beyond_16_bits_is_refused() {
        let mut w = PcapngWriter::new(Vec::new(), None).expect("header");
        assert!(w.add_interface(LinkType(70_000), 0, None, None).is_err());
    }
}
