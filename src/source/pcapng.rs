//! pcapng, the one place for its numbers and its writer: the block types and option codes
//! the reader (`file::framing`, `file::processes`) and the writers use, and the writer that
//! live capture (`--write`, the app's temporary file) and evidence files ("save these
//! packets", `--endpoint --write`) share.
//!
//! What is written: a section header (with `shb_userappl` and an optional comment), one
//! interface description per interface (link type, snaplen, name, description, `if_tsresol`
//! 9: nanosecond timestamps, as rstscope keeps them), an enhanced packet block per frame (with,
//! for a packet saved from a capture, the options that capture gave it: comments, `epb_flags`,
//! Apple's process references, and Apple's process blocks before the packets that refer to
//! them), and optionally at the end rstscope's host block (a live capture's answers about processes:
//! [`RSTSCOPE_HOST`](crate::source::pcapng::RSTSCOPE_HOST)) and interface statistics blocks
//! (the counts of what was received and dropped). Wireshark, tshark, tcpdump (one link type) and rstscope's own reader open it.
//! Sources: the pcapng specification (draft-ietf-opsawg-pcapng), §4 and §10.

use std::io::{self, Write};

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
/// Its body is UTF-8 JSON that says what it is (`"format": "rstscope-host"`), padded with
/// NULs to 32 bits.
pub const RSTSCOPE_HOST: u32 = 0x8052_5354;
/// The byte-order magic, as a little-endian writer writes it and a little-endian read sees it.
pub const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

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

    /// Describes the next interface; returns its id (from 0, in the order described), which
    /// [`PcapngWriter::write_packet`] takes. `snaplen` 0 means no limit.
    pub fn add_interface(
        &mut self,
        link_type: LinkType,
        snaplen: u32,
        name: Option<&str>,
        description: Option<&str>,
    ) -> io::Result<u32> {
        self.add_filtered_interface(link_type, snaplen, name, description, None)
    }

    /// [`PcapngWriter::add_interface`], with the BPF expression it was captured with
    /// (`if_filter`), which Wireshark shows and `rstscope analyze` reads (a SYN/FIN/RST-only
    /// capture is analyzed as one).
    pub fn add_filtered_interface(
        &mut self,
        link_type: LinkType,
        snaplen: u32,
        name: Option<&str>,
        description: Option<&str>,
        filter: Option<&str>,
    ) -> io::Result<u32> {
        self.add_indexed_interface(link_type, snaplen, name, description, filter, &[])
    }

    /// [`PcapngWriter::add_filtered_interface`], with the names of the interface indexes its
    /// LINUX_SLL2 frames carry (Linux's `any` device), as a comment of the interface
    /// ([`index_comment`]): a reader elsewhere, or later, names them as the machine did.
    pub fn add_indexed_interface(
        &mut self,
        link_type: LinkType,
        snaplen: u32,
        name: Option<&str>,
        description: Option<&str>,
        filter: Option<&str>,
        indexes: &[(u32, String)],
    ) -> io::Result<u32> {
        let link = u16::try_from(link_type.0).map_err(|_| {
            invalid(format!(
                "link type {} does not fit a pcapng interface",
                link_type.0
            ))
        })?;
        self.begin(IDB);
        self.u16(link);
        self.u16(0);
        self.u32(snaplen);
        if let Some(n) = name {
            self.option(option::IF_NAME, n.as_bytes());
        }
        if let Some(d) = description {
            self.option(option::IF_DESCRIPTION, d.as_bytes());
        }
        if let Some(f) = filter {
            let mut value = Vec::with_capacity(f.len() + 1);
            value.push(0);
            value.extend_from_slice(f.as_bytes());
            self.option(option::IF_FILTER, &value);
        }
        if !indexes.is_empty() {
            self.option(option::COMMENT, index_comment(indexes).as_bytes());
        }
        // Nanosecond timestamps, as rstscope keeps them.
        self.option(option::IF_TSRESOL, &[9]);
        self.end_options();
        self.end()?;
        let id = self.interfaces;
        self.interfaces += 1;
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
        self.timestamp(ts);
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
            self.begin(ISB);
            self.u32(u32::try_from(id).unwrap_or(u32::MAX));
            self.timestamp(s.end);
            self.option(option::ISB_STARTTIME, &ts_option(s.start));
            self.option(option::ISB_ENDTIME, &ts_option(s.end));
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

    /// A timestamp in the interfaces' resolution (nanoseconds): high and low 32 bits.
    fn timestamp(&mut self, ts: Timestamp) {
        self.block.extend_from_slice(&ts_option(ts));
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

/// A nanosecond timestamp as pcapng writes it: high then low 32 bits (times before 1970,
/// which pcapng cannot hold, as 0).
fn ts_option(ts: Timestamp) -> [u8; 8] {
    let nanos = u64::try_from(ts.0).unwrap_or(0);
    let mut v = [0u8; 8];
    v[..4].copy_from_slice(&((nanos >> 32) as u32).to_le_bytes());
    v[4..].copy_from_slice(&(nanos as u32).to_le_bytes());
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

    #[test]
    fn a_link_type_beyond_16_bits_is_refused() {
        let mut w = PcapngWriter::new(Vec::new(), None).expect("header");
        assert!(w.add_interface(LinkType(70_000), 0, None, None).is_err());
    }
}
