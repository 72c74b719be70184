//! The packets behind one offender: every TCP packet to or from a service endpoint, read again
//! from the capture files on demand, shown as `tcpdump -n` lines and saved as pcapng.
//!
//! The files are re-read rather than kept: memory holds at most `max_packets` packets (and
//! [`MAX_CONNECTIONS`](crate::report::evidence::MAX_CONNECTIONS) connection records) whatever the capture size, and a frame that is not
//! the endpoint's costs a decode and two comparisons, no allocation (and a test of its flags:
//! the SYN-ACKs of the endpoint's address on other ports are the figure its refusals are
//! compared with, [`Evidence::host_answers`](crate::report::evidence::Evidence::host_answers)).
//!
//! The connections come from a fresh [`Engine`](crate::engine::Engine) fed with every packet of the endpoint (not only
//! the packets kept for display), so their states and causes are the ones the main analysis
//! gives: a flow's packets all belong to its endpoints, and the engine's timers fire on packet
//! time before the next packet of any flow is processed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::filters::Sides;
use super::{Clock, endpoint};
use crate::analysis::{Copies, CopyFilter, RECORDED_SLACK_NS, recorded_time};
use crate::decode::{Decoded, decode_encap};
use crate::engine::offenders::ServiceKey;
use crate::engine::{ConnRecord, Engine, EngineConfig, Incident, Offender};
use crate::host::captured::CapturedHost;
use crate::host::recorded;
use crate::host::state::HostReport;
use crate::packet::{Encap, EncapTally, Encaps, TcpFlags, TcpPacket, Timestamp};
use crate::pipeline::merged::{TwoPoints, fit_rate};
use crate::source::live::CaptureFilter;
use crate::source::pcapng::{
    InterfaceBlock, InterfaceStats, NANOSECONDS, PacketNotes, PcapngWriter, ProcessBlock,
    RSTSCOPE_HOST, option,
};
use crate::source::{
    CapturedProcess, CapturedProcessKind, FileSource, Frame, InterfaceInfo, LinkType,
    PacketOptions, SourceError,
};
use held::HoldBack;

/// Frames between two looks at the cancel flag (and two drains of finished connections).
const CHECK_EVERY: u64 = 1 << 13;

/// The most packets saved of one endpoint, scan or connection by default (`rstscope analyze
/// --endpoint ... --write`, the window's "Save these packets…" of a capture file), the rest
/// counted and said in the file ([`recorded::Cut`]): memory stays bounded however large the
/// offender.
pub const SAVE_MAX_PACKETS: usize = 100_000;

/// At most this many connection records are kept; the rest are counted in
/// [`Evidence::more_connections`].
pub const MAX_CONNECTIONS: usize = 100_000;

/// tcpdump shows sequence numbers relative to the first packet with ACK it saw of a
/// conversation; these are the numbers it subtracts for one packet (0 where it shows them as
/// they are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqBase {
    /// Subtracted from the sequence number.
    pub seq: u32,
    /// Subtracted from the acknowledgment number.
    pub ack: u32,
    /// Subtracted from the edges of SACK blocks (they are in the receiver's sequence space).
    pub sack: u32,
}

/// One packet of the endpoint: the frame as captured, and its TCP header decoded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePacket {
    /// 1-based frame number in the (merged) capture.
    pub frame: u64,
    /// Packet time.
    pub ts: Timestamp,
    /// Capture interface, an index into [`Evidence::interfaces`].
    pub interface: u32,
    /// The file that held it, an index into [`Evidence::files`]: not its interface's where a
    /// later file continued an earlier one's capture
    /// ([`InterfaceInfo::continues`](crate::source::InterfaceInfo::continues)).
    pub file: usize,
    /// Link type of the frame.
    pub link_type: LinkType,
    /// The frame's length on the wire.
    pub orig_len: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// True when the endpoint sent it.
    pub from_endpoint: bool,
    /// TCP flags.
    pub flags: TcpFlags,
    /// Sequence number, as on the wire.
    pub seq: u32,
    /// Acknowledgment number, as on the wire.
    pub ack: u32,
    /// Advertised window (unscaled).
    pub window: u16,
    /// TCP payload length as the IP header states it.
    pub payload_len: u32,
    /// What tcpdump subtracts from the sequence numbers of this packet.
    pub seq_base: SeqBase,
    /// Where the TCP header starts in `data` (`None` if it could not be found again).
    pub tcp_offset: Option<usize>,
    /// A further copy of a packet already listed, recorded at another capture point (listed
    /// only when every copy was asked for).
    pub copy: bool,
    /// The capture recorded it at its drop by the capturing host (pcapng `epb_verdict`:
    /// a pktmon drop event): listed always, analyzed as neither sent nor received.
    pub dropped: bool,
    /// The packet's record before the capturing host dropped it (at an earlier component of
    /// a pktmon trace; its drop is recorded later, [`EvidencePacket::dropped`]): listed as
    /// captured, left out of the connections and counts with its drop, as the analysis
    /// leaves it out.
    pub before_drop: bool,
    /// What the capture said of the packet beyond its bytes, saved with it.
    pub carried: Carried,
    /// Where a frame of Linux's `any` device was seen (its LINUX_SLL2 header), as
    /// `tcpdump -i any` writes it before the packet.
    pub arrival: Option<Arrival>,
    /// The tunnel it came in, as its line says it before the packet inside
    /// ([`crate::decode::tunnel_words`]: `VXLAN vni 42 10.99.0.1 > 10.99.0.2`).
    pub tunnel: Option<String>,
    /// The digits of a second its file records its time to
    /// ([`InterfaceInfo::time_digits`](crate::source::InterfaceInfo::time_digits)): its line
    /// writes no more (a Network Monitor 1.x file's milliseconds as `.234`, not `.234000`).
    pub time_digits: u8,
}

/// The interface and direction a LINUX_SLL2 frame carries: `lo In`, `eth0 Out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The interface's name where the capture knows it, else `if` and its index (`if3`).
    pub interface: String,
    /// The packet type as tcpdump names it: `In` (to this host), `Out` (sent by it), `B`
    /// (broadcast), `M` (multicast), `P` (to another host), `?`.
    pub direction: &'static str,
}

impl Arrival {
    /// The SLL2 header's interface index and direction, the index named by `name` where it
    /// can (None: the frame is not LINUX_SLL2, or too short for its header).
    pub fn of_sll2(
        link_type: LinkType,
        data: &[u8],
        name: impl FnOnce(u32) -> Option<String>,
    ) -> Option<Self> {
        if link_type.0 != LINKTYPE_LINUX_SLL2 {
            return None;
        }
        // protocol, reserved, interface index, ARPHRD type, packet type, ...
        let h = data.get(..20)?;
        let index = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        // Linux's PACKET_* types, named as tcpdump's print-sll.c names them.
        let direction = match h[10] {
            0 => "In",
            1 => "B",
            2 => "M",
            3 => "P",
            4 => "Out",
            _ => "?",
        };
        Some(Self {
            interface: name(index).unwrap_or_else(|| format!("if{index}")),
            direction,
        })
    }
}

/// LINKTYPE_LINUX_SLL2: Linux's `any` device, the interface index in each frame.
const LINKTYPE_LINUX_SLL2: u32 = 276;

/// The name of interface `index` of an SLL2 frame captured on `info`: as the machine that
/// captured named it (rstscope's `any` captures say their indexes), else the capture's name
/// when it is one interface's own capture (not `any`, which holds every interface).
fn sll2_name(info: Option<&InterfaceInfo>, index: u32) -> Option<String> {
    let info = info?;
    if let Some((_, name)) = info.index_names.iter().find(|(i, _)| *i == index) {
        return Some(name.clone());
    }
    info.name
        .clone()
        .filter(|n| !n.is_empty() && n != crate::source::live::ANY)
}

/// What a capture says of one packet beyond its bytes, as the tool that captured it wrote
/// it (its packet block's options): saved with the packet ([`write_pcapng`]), so that the
/// saved file names the same programs as the capture did. rstscope's own recorded process
/// information is another thing ([`Evidence::recorded`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried {
    /// The packet's comments, as written: ptcpdump's `PID: ...`, `ThreadId: ...`,
    /// `ContainerName: ...` among them.
    pub comments: Vec<Vec<u8>>,
    /// `epb_flags`: the direction and the rest.
    pub flags: Option<u32>,
    /// The process of Apple's process block the packet refers to, an index into
    /// [`Evidence::processes`].
    pub process: Option<u32>,
    /// The effective process of Apple's block, likewise.
    pub effective_process: Option<u32>,
    /// Apple's service class.
    pub service_class: Option<u32>,
    /// `epb_packetid`: the id every record of the packet carries (a pktmon trace's
    /// components), which tells the records of one packet apart from another's.
    pub packet_id: Option<u64>,
    /// `epb_verdict` said the capturing host dropped it: saved as such, so that the saved
    /// file is analyzed as the capture was (the drop counted, its earlier record left out).
    pub dropped: Option<crate::source::DropKind>,
}

impl Carried {
    /// What `frame`'s options say, the processes as indices into the source's table (made
    /// indices into [`Evidence::processes`] once the reading is done).
    fn of(frame: &Frame<'_>) -> Self {
        let mut carried = Self {
            process: frame.process,
            effective_process: frame.effective_process,
            packet_id: frame.packet_id,
            dropped: frame.dropped,
            ..Self::default()
        };
        let options = frame.options;
        for (code, value) in options.iter() {
            match code {
                option::COMMENT => carried.comments.push(value.to_vec()),
                option::EPB_FLAGS => carried.flags = options.word(value),
                option::EPB_SVC => carried.service_class = options.word(value),
                _ => {}
            }
        }
        carried
    }
}

/// Everything behind one service endpoint.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The endpoint.
    pub endpoint: ServiceKey,
    /// The packets collected are a scan's, between these sides ([`Collect::scan`]), not the
    /// endpoint's: its address and overlay network are the scan's side `a`'s.
    pub scan: Option<Sides>,
    /// Its packets in capture order, at most `max_packets`: the first, or with
    /// [`Collect::latest`] the last.
    pub packets: Vec<EvidencePacket>,
    /// Matching packets beyond `max_packets`: after those kept, or with [`Collect::latest`]
    /// before them.
    pub more: u64,
    /// The packets kept are the last `max_packets` ([`Collect::latest`]).
    pub latest: bool,
    /// The packets are those of its one connection (`connections[0]`) alone, picked out to be
    /// saved: [`Evidence::more`] counts that connection's packets left out.
    pub one_connection: bool,
    /// What a person opening the saved file should know of it beyond its packets (the agent's
    /// ring had dropped older evidence...): written as comments of its section header, after
    /// what [`write_pcapng`] says itself.
    pub notes: Vec<String>,
    /// Its connections (finished when the capture ended), ordered by start.
    pub connections: Vec<ConnRecord>,
    /// Connections beyond [`MAX_CONNECTIONS`].
    pub more_connections: u64,
    /// The endpoint as an offender (over the time range, when one was given), if it had
    /// resets or failed attempts as a service endpoint.
    pub offender: Option<Offender>,
    /// The interfaces its attempts, resets and dropped packets came on, as the report's
    /// offender says them ([`crate::report::seen_on`]): empty for a capture of one interface.
    pub seen_on: Vec<String>,
    /// The interfaces of the source, indexed by [`EvidencePacket::interface`].
    pub interfaces: Vec<InterfaceInfo>,
    /// The source's files (several when files were given together).
    pub files: Vec<std::path::PathBuf>,
    /// Problems with the input that did not stop the reading (a file cut short...); with
    /// [`Evidence::counted_from`], [`Evidence::warnings_in`] has every warning.
    pub warnings: Vec<String>,
    /// Where the endpoint's counts in the time range start, when that is later than the range
    /// (it gave up older per-second counts to bound memory).
    pub counted_from: Option<Timestamp>,
    /// The reading was cancelled, or stopped where the analysis was ([`Collect::frames`]): the
    /// evidence covers the frames read until then.
    pub cancelled: bool,
    /// How the endpoint's packets were carried (every copy included), most packets first:
    /// what its filters are written for.
    pub encaps: Encaps,
    /// Frames of the capture that were further copies of a packet already counted (all
    /// endpoints): left out of the connections and counts; listed among the packets only
    /// with [`Collect::all_copies`].
    pub copies: Copies,
    /// The endpoint's SYNs, SYN-ACKs and RSTs that another file given with the capture's
    /// already held (the same traffic captured at two points): left out of the connections
    /// and counts; listed only with [`Collect::all_copies`].
    pub across_files: u64,
    /// What the capture file says of the endpoint's programs, when it carries rstscope's host
    /// block (a capture saved by `rstscope capture --write`, the agent's `/evidence`, saved
    /// packets): the answers of the machine that captured, limited to this endpoint
    /// ([`recorded::for_endpoint`]). Saved again with the packets ([`write_pcapng`]).
    pub recorded: Option<HostReport>,
    /// What the endpoint's diagnosis says of its programs, as the full analysis of the same
    /// capture says it: [`Self::recorded`] where it names the endpoint, else the process
    /// information the capture carried with the endpoint's packets (Apple's process blocks,
    /// ptcpdump's comments). Only `recorded` is saved as rstscope's block; the packets' own
    /// information goes with them ([`Carried`]).
    pub host: Option<HostReport>,
    /// The capture's first and last frame times (every file read, all endpoints): a capture
    /// of several days dates every time ([`Evidence::clock`]).
    pub span: Option<(Timestamp, Timestamp)>,
    /// The processes of Apple's process blocks the packets refer to
    /// ([`Carried::process`]), each once.
    pub processes: Vec<CapturedProcess>,
    /// Where the capture the packets come from ended: its last frame (of any endpoint), or
    /// where a file of saved packets says its own capture had got to. Its analysis judged
    /// the endpoint's attempts up to there; saved with the packets (in rstscope's host
    /// block, [`recorded::capture_end`]) so that an analysis of the file does too, rather than
    /// end at the endpoint's last packet. A caller that knows the capture went further (the
    /// agent, whose analysis sees more than its evidence ring keeps) moves it later. Saved
    /// in a block of its own too ([`recorded::encode_capture_end`]), for a file saved from a
    /// capture without a host report (tcpdump's); not as the statistics blocks' `isb_endtime`,
    /// which says the file's own time: a file of 6 packets over a second opened as "3 min".
    pub capture_end: Option<Timestamp>,
    /// The TTLs (hop limits) the endpoint's address sent its SYN-ACKs with in the capture, on
    /// any port (and as a file of saved packets says its own capture's were: [`answers`]):
    /// what the endpoint's refusals are compared with ([`Offender::host_ttl`]). Saved with
    /// the packets, which hold the endpoint's SYN-ACKs only.
    pub host_answers: crate::engine::cause::TtlRange,
    /// Where the file read is itself a file of saved packets that held only some of its
    /// capture's ([`recorded::cut`]): what it held, so that a file saved from it again says
    /// so too ([`saved_cut`]), rather than read as holding all of them.
    pub cut_before: Option<recorded::Cut>,
}

impl Evidence {
    /// The digits of a second its times are written with: those of its finest interface
    /// ([`InterfaceInfo::time_digits`]), 6 where it has none.
    pub fn time_digits(&self) -> u8 {
        (self.interfaces.iter().map(|i| i.time_digits).max()).unwrap_or(6)
    }

    /// Every warning as a person reads it, times in `clock` with the date and the zone said
    /// (the app's Local time / UTC choice, the terminal's `--utc`).
    pub fn warnings_in(&self, clock: Clock) -> Vec<String> {
        let mut all = self.warnings.clone();
        all.extend(self.counted_from.map(|since| {
            format!(
                "the endpoint's counts in the range start {}: it gave up older per-second \
                 counts to bound memory",
                clock.dated_range(since, since)
            )
        }));
        all
    }

    /// `clock` for this capture: dated when its frames fall on several days
    /// ([`Clock::for_capture`]), as the full report's times are.
    pub fn clock(&self, clock: Clock) -> Clock {
        clock.for_capture(self.span.map(|s| s.0), self.span.map(|s| s.1))
    }

    /// Evidence of `endpoint` with nothing in it yet.
    pub fn new(endpoint: ServiceKey) -> Self {
        Self {
            endpoint,
            scan: None,
            packets: Vec::new(),
            more: 0,
            latest: false,
            one_connection: false,
            notes: Vec::new(),
            connections: Vec::new(),
            more_connections: 0,
            offender: None,
            seen_on: Vec::new(),
            interfaces: Vec::new(),
            files: Vec::new(),
            warnings: Vec::new(),
            counted_from: None,
            cancelled: false,
            encaps: Encaps::default(),
            copies: Copies::default(),
            across_files: 0,
            recorded: None,
            host: None,
            span: None,
            processes: Vec::new(),
            capture_end: None,
            host_answers: crate::engine::cause::TtlRange::default(),
            cut_before: None,
        }
    }
}

/// How to collect evidence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Collect {
    /// List every copy of a packet recorded at several capture points (a pktmon trace's
    /// components, a bridge and its port), marked as copies; by default a packet is listed
    /// once, as the analysis counts it.
    pub all_copies: bool,
    /// Read no more than the capture's first this many frames: those an analysis read before
    /// it was cancelled, so that the evidence covers what its results do (`None`: to the end).
    pub frames: Option<u64>,
    /// Keep the last `max_packets` packets rather than the first (the agent's `/evidence`: the
    /// newest failures are the ones asked about).
    pub latest: bool,
    /// Collect a scan's packets: those between these sides ([`Sides::of_scan`]) in the
    /// endpoint's overlay network, rather than the endpoint's. A scan is no offender: the
    /// evidence then has no [`Evidence::offender`] and no programs of the endpoint.
    pub scan: Option<Sides>,
    /// Tell the scan the endpoint is a target of, where it is one, as the analysis does: its
    /// [`Evidence::offender`]'s diagnosis then begins with the scan's sentence, as the report's
    /// and the app's do (`rstscope analyze --endpoint`; the app has the analysis's). A second
    /// engine counts the packets of the endpoint's address and of its port (a port scan of that
    /// server, a sweep of that port): the engine's time over those packets again. Not with a
    /// time range, and not for several files given together (a packet another file gave is
    /// told apart only for the endpoint's own).
    pub scan_of_target: bool,
}

/// The endpoint evidence is collected for: its address, port and overlay network
/// ([`ServiceKey`]), made from that or from an address and port alone (in no overlay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint(pub ServiceKey);

impl From<ServiceKey> for Endpoint {
    fn from(key: ServiceKey) -> Self {
        Self(key)
    }
}

impl From<(IpAddr, u16)> for Endpoint {
    fn from((addr, port): (IpAddr, u16)) -> Self {
        Self((addr, port, crate::packet::Overlay::NONE))
    }
}

/// Reads the capture made of `paths` again and collects every TCP packet to or from
/// `endpoint` whose second is within `range` (Unix seconds, inclusive; `None`: all), keeping
/// the first `max_packets`. Fails like [`FileSource::open`]; a file found truncated or corrupt
/// later ends early with a warning.
pub fn collect(
    paths: &[PathBuf],
    endpoint: impl Into<Endpoint>,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
) -> Result<Evidence, SourceError> {
    let source = FileSource::open(paths)?;
    Ok(collect_source(source, endpoint, range, max_packets, cancel))
}

/// [`collect`], with options.
pub fn collect_with(
    paths: &[PathBuf],
    endpoint: impl Into<Endpoint>,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
    how: Collect,
) -> Result<Evidence, SourceError> {
    collect_watched(
        paths,
        endpoint,
        range,
        max_packets,
        cancel,
        how,
        &mut |_| {},
    )
}

/// How far a reading for evidence has got: what a window shows while it goes on, so that a
/// large capture's connections are listed as they are found rather than after the last frame.
#[derive(Debug)]
pub struct Reading<'a> {
    /// Frames read so far.
    pub frames: u64,
    /// The part of the capture's bytes read, from 0 to 1 ([`FileSource::progress`]).
    pub done: f64,
    /// The connections kept so far, in the order they ended: each is as the evidence will
    /// list it, and the ones to come are added after them.
    pub connections: &'a [ConnRecord],
    /// Connections found so far beyond [`MAX_CONNECTIONS`], counted, not kept.
    pub more_connections: u64,
}

/// [`collect_with`], telling `watch` how far it has got every few thousand frames.
pub fn collect_watched(
    paths: &[PathBuf],
    endpoint: impl Into<Endpoint>,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
    how: Collect,
    watch: &mut dyn FnMut(&Reading<'_>),
) -> Result<Evidence, SourceError> {
    let source = FileSource::open(paths)?;
    Ok(collect_source_watched(
        source,
        endpoint.into().0,
        range,
        max_packets,
        cancel,
        how,
        watch,
    ))
}

/// [`collect`] over an opened source.
pub fn collect_source(
    source: FileSource,
    endpoint: impl Into<Endpoint>,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
) -> Evidence {
    collect_source_with(
        source,
        endpoint.into(),
        range,
        max_packets,
        cancel,
        Collect::default(),
    )
}

/// [`collect_with`] over an opened source.
pub fn collect_source_with(
    source: FileSource,
    endpoint: impl Into<Endpoint>,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
    how: Collect,
) -> Evidence {
    collect_source_watched(
        source,
        endpoint.into().0,
        range,
        max_packets,
        cancel,
        how,
        &mut |_| {},
    )
}

/// `encap` for the endpoint's filters: with its network while the endpoint has come in
/// fewer than [`TunnelledEndpoints::NETWORKS_PER_ENDPOINT`] networks (an endpoint of the
/// networks past the numbered ones comes in as many as there are), in any network after that,
/// as the analysis gives an offender's: the tally of its carriages then stays within its
/// bound, and no clause is lost.
///
/// [`TunnelledEndpoints::NETWORKS_PER_ENDPOINT`]: crate::analysis::TunnelledEndpoints::NETWORKS_PER_ENDPOINT
fn network_clause(encap: Encap, seen: &mut Vec<crate::packet::Overlay>) -> Encap {
    let Some(t) = encap.tunnel.filter(|t| !t.overlay.is_none()) else {
        return encap;
    };
    if seen.contains(&t.overlay) {
        return encap;
    }
    if seen.len() < crate::analysis::TunnelledEndpoints::NETWORKS_PER_ENDPOINT {
        seen.push(t.overlay);
        return encap;
    }
    encap.without_overlay()
}

/// The evidence stopped by the cancel flag after `frames`, and it says so.
fn cancelled_after(ev: &mut Evidence, frames: u64) {
    ev.cancelled = true;
    ev.warnings.push(format!(
        "cancelled after {} frames; the evidence covers them only",
        crate::report::thousands(frames)
    ));
}

/// [`collect_watched`] over an opened source.
fn collect_source_watched(
    mut source: FileSource,
    endpoint: ServiceKey,
    range: Option<(i64, i64)>,
    max_packets: usize,
    cancel: Option<&AtomicBool>,
    how: Collect,
    watch: &mut dyn FnMut(&Reading<'_>),
) -> Evidence {
    let (addr, port, overlay) = endpoint;
    // Only the endpoint's packets reach it: a table that grows as they need (the agent's
    // `/evidence` reserved a second full flow table, 89.6 MB, for each answer).
    let mut engine = Engine::growing(EngineConfig {
        keep_connections: true,
        // A range's clients are counted from its incidents (the engine counts them per
        // endpoint over the capture, not per second).
        keep_incidents: range.is_some(),
        ..EngineConfig::default()
    });
    // The scans among the packets of the endpoint's address and port, where asked: bounded as
    // the analysis's engine is, so that a scan some of whose targets its table did not keep is
    // told as the analysis tells it.
    let mut scans =
        (how.scan_of_target && how.scan.is_none() && range.is_none() && source.files().len() == 1)
            .then(|| Engine::growing(EngineConfig::default()));
    let mut in_range_facts = RangeFacts::default();
    let mut ev = Evidence::new(endpoint);
    ev.scan = how.scan;
    let mut seq_table = TcpdumpSeq::default();
    let mut frames = 0u64;
    let mut copies = CopyFilter::default();
    let mut encaps = EncapTally::default();
    // The overlay networks as the analysis names them, met in the same order: an endpoint in
    // one of the networks past the numbered ones is theirs, whichever its packets came in.
    let mut networks = crate::engine::Zones::default();
    // The networks the endpoint's tunnelled packets came in, for its filters (bounded).
    let mut networks_seen: Vec<crate::packet::Overlay> = Vec::new();
    // Several files: SYNs and RSTs another file already gave, as the analysis finds them.
    let mut two_points = (source.files().len() > 1).then(TwoPoints::default);
    let mut held = HeldFrame::default();
    let mut across = 0u64;
    ev.latest = how.latest;
    // With `latest`, where the next packet goes once `max_packets` are kept: over the oldest.
    let mut oldest = 0usize;
    let mut programs = CapturedHost::default();
    let mut hold = HoldBack::default();
    // A SYN/FIN/RST-only capture (its interface says so) is read as the analysis reads it.
    let syn_fin_rst = CaptureFilter::SynFinRst.bpf();
    let mut filtered = false;
    loop {
        copies.learn(source.interfaces());
        if !filtered
            && (source.interfaces().iter()).any(|i| i.filter.as_deref() == Some(&syn_fin_rst))
        {
            engine.assume_syn_fin_rst_only();
            if let Some(scans) = scans.as_mut() {
                scans.assume_syn_fin_rst_only();
            }
            filtered = true;
            ev.warnings
                .push(crate::pipeline::analysis::syn_fin_rst_file_warning());
        }
        // After each drain of the connections (once the frame that made it is let go).
        if frames > 0 && frames.is_multiple_of(CHECK_EVERY) {
            watch(&Reading {
                frames,
                done: source.progress(),
                connections: &ev.connections,
                more_connections: ev.more_connections,
            });
        }
        if how.frames.is_some_and(|n| frames >= n) {
            ev.cancelled = true;
            ev.warnings.push(format!(
                "the reading was cancelled after {} frames; the evidence covers them only, \
                 as the results do",
                crate::report::thousands(frames)
            ));
            break;
        }
        let cancelled = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let Some((frame, file)) = source.next_frame_of_file() else {
            // Ctrl+C on `zcat x.gz | rstscope analyze --endpoint ... -` ends the pipe too,
            // most often before the next check: the input ended because of the cancel, and
            // where it ended inside a record, that is no file cut short.
            if cancelled() {
                source.ended_by_cancel();
                cancelled_after(&mut ev, frames);
            }
            break;
        };
        frames += 1;
        if frames.is_multiple_of(CHECK_EVERY) {
            keep_connections(&mut ev, &mut engine, range);
            in_range_facts.incidents(&mut engine, endpoint, range);
            if cancelled() {
                cancelled_after(&mut ev, frames);
                break;
            }
        }
        // A packet recorded at its drop is listed, marked, however many records of it came
        // before: the analysis counts it as dropped, not as sent or received.
        let mut copy = if frame.dropped.is_some() {
            None
        } else {
            copies.copy(&frame)
        };
        if copy.is_some() && !how.all_copies {
            // Counted as the analysis counts it, by what it is.
            if let (Decoded::Tcp(p), _) = decode_encap(&frame) {
                copy = copy.map(|c| c.of_packet(&p));
            }
            ev.copies.add(copy.unwrap_or_default());
            continue;
        }
        let (Decoded::Tcp(mut p), encap) = decode_encap(&frame) else {
            ev.copies.add(copy.unwrap_or_default());
            continue;
        };
        // As the analysis has it: no overlay where the packets are compared by content
        // (`crate::analysis`'s take_tunnelled says why).
        let encap = if copies.compares_by_content() {
            p.overlay = crate::packet::Overlay::NONE;
            encap.without_overlay()
        } else {
            // Numbered as the analysis numbers them: not a copy's or a drop's network.
            p.overlay = if copy.is_some() || frame.dropped.is_some() {
                networks.name_known(p.overlay)
            } else {
                networks.name(p.overlay)
            };
            encap
        };
        // A drop is no repeat of the record before it (the analysis compares only the
        // packets that went on).
        let dropped = frame.dropped;
        if copy.is_none() && dropped.is_none() {
            copy = copies.repeat(&frame, &p, p.payload);
        } else if copy.is_some() {
            copy = copy.map(|c| c.of_packet(&p));
        }
        if let Some(c) = copy {
            ev.copies.add(c);
            if !how.all_copies {
                continue;
            }
        }
        // The address's SYN-ACKs on every port, as the analysis takes them (not a copy's, not
        // a drop's): a flags test for other packets.
        if p.flags.syn()
            && p.flags.ack()
            && !p.flags.rst()
            && p.src == addr
            && p.overlay == overlay
            && copy.is_none()
            && dropped.is_none()
        {
            ev.host_answers.add(p.ttl);
        }
        if let Some(scans) = scans.as_mut()
            && copy.is_none()
            && dropped.is_none()
            && (p.src == addr || p.dst == addr || p.sport == port || p.dport == port)
        {
            scans.packet(&p);
        }
        let from_endpoint = match how.scan {
            None if p.src == addr && p.sport == port => Some(true),
            None if p.dst == addr && p.dport == port => Some(false),
            None => None,
            Some(sides) => sides.direction((p.src, p.sport), (p.dst, p.dport)),
        };
        let Some(from_endpoint) = from_endpoint.filter(|_| p.overlay == overlay) else {
            continue;
        };
        encaps.add(network_clause(encap, &mut networks_seen));
        let mut take = Take {
            engine: &mut engine,
            ev: &mut ev,
            seq_table: &mut seq_table,
            in_range_facts: &mut in_range_facts,
            programs: &mut programs,
            hold: &mut hold,
            endpoint,
            range,
            max_packets,
            from_endpoint,
            latest: how.latest.then_some(&mut oldest),
            file,
        };
        // A drop reached no other capture point: not looked for in the other files.
        let across_check = two_points
            .as_mut()
            .filter(|_| copy.is_none() && dropped.is_none() && (p.flags.syn() || p.flags.rst()));
        let new_process = frame
            .process
            .is_some_and(|i| i as usize >= take.programs.learned());
        if across_check.is_none() && !new_process && dropped.is_none() {
            take.packet(&frame, &p, copy.is_some());
            continue;
        }
        // Whether the files overlap, which process the frame names and where a drop was
        // recorded are the source's to say: the frame is held apart from the reader's buffer
        // so that the source can be asked.
        held.hold(&frame);
        let frame = held.frame();
        let (Decoded::Tcp(mut p), _) = decode_encap(&frame) else {
            continue;
        };
        if copies.compares_by_content() {
            p.overlay = crate::packet::Overlay::NONE;
        } else {
            p.overlay = networks.name_known(p.overlay);
        }
        if let Some(new) = source.processes().get(take.programs.learned()..) {
            take.programs.learn(new);
        }
        if let Some(kind) = dropped {
            let earlier = frame.packet_id.and_then(|id| copies.kept_frame(id));
            take.dropped(&frame, &p, kind, earlier, source.interfaces());
        }
        // The packet's own file: two capture points whose clocks set them one after the other
        // are a rotated set to the source, one interface.
        let copied =
            across_check.is_some_and(|two_points| two_points.is_copy(&p, file, source.files()));
        across += u64::from(copied);
        if !copied || how.all_copies {
            take.packet(&frame, &p, copy.is_some() || copied || dropped.is_some());
        }
    }
    // The last batch's packets and drops.
    Take {
        engine: &mut engine,
        ev: &mut ev,
        seq_table: &mut seq_table,
        in_range_facts: &mut in_range_facts,
        programs: &mut programs,
        hold: &mut hold,
        endpoint,
        range,
        max_packets,
        from_endpoint: false,
        latest: None,
        file: 0,
    }
    .release();
    // The packets kept over the oldest: in capture order again.
    ev.packets.rotate_left(oldest);
    ev.across_files = across;
    if across > 0 {
        let which = if across == 1 {
            "1 SYN, SYN-ACK or reset of this endpoint was".to_owned()
        } else {
            format!("{across} SYNs, SYN-ACKs and resets of this endpoint were")
        };
        ev.warnings.push(format!(
            "{which} also in another file given with it (the same traffic captured at two \
             points): each is counted once{}",
            if how.all_copies {
                ", and listed twice (marked as copies)"
            } else {
                " and listed once"
            }
        ));
    }
    ev.encaps = encaps.of_version(addr.is_ipv6());
    // The capture ends with its last frame read, as the analysis has it (or where the file's
    // own capture had got to: its statistics blocks, or a file of saved packets' host block),
    // not with the endpoint's last packet.
    let end = (source.files().iter().filter_map(|f| f.last_ts))
        .chain(recorded::capture_end(source.recorded_host()))
        .chain(recorded_time(source.files()).map(|c| c.end))
        .max();
    ev.capture_end = end;
    ev.cut_before = recorded::cut(source.recorded_host());
    ev.warnings
        .extend(ev.cut_before.as_ref().map(recorded::Cut::warning));
    match end {
        Some(end) => engine.finish_at(end),
        None => engine.finish(),
    }
    let scan = scans.map(|mut scans| {
        match end {
            Some(end) => scans.finish_at(end),
            None => scans.finish(),
        }
        (scans.snapshot().offenders.into_iter())
            .find(|o| o.key() == (addr, port, overlay))
            .and_then(|o| o.scan)
    });
    keep_connections(&mut ev, &mut engine, range);
    if programs.started() {
        for i in engine.drain_incidents() {
            programs.incident(&i);
            in_range_facts.incident(&i, endpoint, range);
        }
    }
    programs.finish();
    in_range_facts.incidents(&mut engine, endpoint, range);
    ev.connections.sort_by_key(|c| (c.start, c.first_frame));
    let snapshot = engine.snapshot();
    let places = snapshot.places;
    // A file of saved packets says what its own capture's were.
    (ev.host_answers).merge(answers::of(source.recorded_host(), addr, overlay));
    ev.offender = (snapshot.offenders.into_iter())
        .filter(|_| how.scan.is_none())
        .find(|o| o.key() == (addr, port, overlay))
        .and_then(|o| match range {
            Some((a, b)) => {
                ev.counted_from = o.counted_from(a).map(|s| Timestamp::from_parts(s, 0));
                o.restricted(a, b).map(|r| in_range_facts.complete(r))
            }
            None => Some(o),
        })
        .map(|mut o| {
            // Files far apart: the rate over the time they cover, not over the gap.
            fit_rate(source.files(), &mut o);
            // Compared with the host's SYN-ACKs on every port, as in the analysis (the engine
            // here saw the endpoint's own only).
            if o.refusal_ttl.bounds().is_some() {
                o.host_ttl = ev.host_answers;
            }
            // A scan's target is told as the scan first, as the analysis tells it.
            let scan = scan.flatten().map(|scan| {
                let mut scan = crate::engine::Scan::clone(&scan);
                crate::pipeline::merged::fit_scan_rate(source.files(), &mut scan);
                std::sync::Arc::new(scan)
            });
            Offender {
                encaps: ev.encaps.clone(),
                scan: scan.or(o.scan),
                ..o
            }
        });
    ev.interfaces = source.interfaces().to_vec();
    for p in &mut ev.packets {
        let info = ev.interfaces.get(p.interface as usize);
        p.arrival = Arrival::of_sll2(p.link_type, &p.data, |index| sll2_name(info, index));
        p.time_digits = info.map_or(6, |i| i.time_digits);
    }
    let files = source.files();
    ev.span = (files.iter().filter_map(|f| f.first_ts).min())
        .zip(files.iter().filter_map(|f| f.last_ts).max());
    keep_processes(&mut ev, source.processes());
    ev.files = source.files().iter().map(|f| f.path.clone()).collect();
    if let Some(o) = &ev.offender {
        let several = ev.interfaces.iter().filter(|i| i.frames > 0).count() > 1;
        ev.seen_on = crate::report::seen_on_named(o, &places, several, |(interface, index)| {
            if index == 0 {
                return interface_name(&ev, interface);
            }
            sll2_name(ev.interfaces.get(interface as usize), index)
                .unwrap_or_else(|| format!("if{index}"))
        });
    }
    // The host block ends the file: read once every frame was (not after a cancel).
    let (host, problems) = recorded::decode_at(
        source.recorded_host(),
        source.recorded_host_at(),
        &loopback_parts(&ev, (addr, port), source.interfaces()),
    );
    ev.recorded =
        (host.filter(|_| how.scan.is_none())).map(|h| recorded::for_endpoint(&h, addr, port));
    // Combined as the full analysis combines them: rstscope's block answers for the endpoint
    // when it names it, the packets' own process information otherwise.
    let captured = programs.report(ev.offender.as_slice());
    ev.host = match &ev.recorded {
        Some(r) => Some(recorded::for_offenders(
            r,
            ev.offender.as_slice(),
            captured.as_ref(),
        )),
        None => captured,
    };
    ev.warnings
        .splice(0..0, source.problems().iter().map(|p| p.to_string()));
    ev.warnings.extend(problems);
    ev
}

/// Makes the processes the packets of `ev` refer to (indices into `source`, the source's
/// table) indices into [`Evidence::processes`], each process kept there once. A process the
/// reader took from a packet comment is not one: the comment itself is carried.
fn keep_processes(ev: &mut Evidence, source: &[CapturedProcess]) {
    // Bounded by the source's table (`MAX_PROCESSES`), whatever the number of packets.
    let mut kept: HashMap<u32, u32> = HashMap::new();
    for packet in &mut ev.packets {
        let carried = &mut packet.carried;
        for index in [&mut carried.process, &mut carried.effective_process] {
            *index = index.and_then(|i| {
                let process = source
                    .get(i as usize)
                    .filter(|p| p.how == CapturedProcessKind::DarwinProcessBlock)?;
                Some(*kept.entry(i).or_insert_with(|| {
                    ev.processes.push(process.clone());
                    (ev.processes.len() - 1) as u32
                }))
            });
        }
    }
}

/// Where one packet of the endpoint goes: the engine (unless it is a copy), the range's
/// facts, the list.
struct Take<'a> {
    engine: &'a mut Engine,
    ev: &'a mut Evidence,
    seq_table: &'a mut TcpdumpSeq,
    in_range_facts: &'a mut RangeFacts,
    programs: &'a mut CapturedHost,
    /// The packets and drops of the batch being read, where a drop may take some out.
    hold: &'a mut HoldBack,
    endpoint: ServiceKey,
    range: Option<(i64, i64)>,
    max_packets: usize,
    from_endpoint: bool,
    /// Keep the last packets: where the next goes once `max_packets` are kept.
    latest: Option<&'a mut usize>,
    /// The file that holds the frame.
    file: usize,
}

impl Take<'_> {
    fn packet(&mut self, frame: &Frame<'_>, p: &TcpPacket<'_>, copy: bool) {
        if !copy {
            self.analyze_or_hold(frame, p);
        }
        if self
            .range
            .is_some_and(|(a, b)| !(a..=b).contains(&p.ts.second()))
        {
            return;
        }
        if self.range.is_some() && p.flags.rst() {
            self.in_range_facts
                .payloads
                .rst_payload(p.payload, p.payload_len);
        }
        let full = self.ev.packets.len() >= self.max_packets;
        if full && (self.latest.is_none() || self.max_packets == 0) {
            self.ev.more += 1;
            return;
        }
        // A copy shows the numbers of the packet it copies; it does not move the table.
        let seq_base = if copy {
            self.seq_table.peek(p)
        } else {
            self.seq_table.base(p)
        };
        let mut packet = EvidencePacket::new(frame, p, self.from_endpoint, seq_base);
        packet.file = self.file;
        packet.copy = copy && !packet.dropped;
        let at = match self.latest.as_deref_mut() {
            Some(oldest) if full => {
                let at = *oldest;
                self.ev.packets[at] = packet;
                *oldest = (*oldest + 1) % self.max_packets;
                self.ev.more += 1;
                at
            }
            _ => {
                self.ev.packets.push(packet);
                self.ev.packets.len() - 1
            }
        };
        if !copy {
            self.listed_at(frame.number, at);
        }
    }
}

impl Take<'_> {
    /// The engine's packet, with the process the capture names for it (where it does) first,
    /// as the full analysis takes them: the incident of this very packet may need it.
    fn analyze(
        &mut self,
        p: &TcpPacket<'_>,
        direction: Option<crate::source::Direction>,
        process: Option<u32>,
    ) {
        let started = self.programs.started();
        if process.is_some() && self.programs.sighting(p, direction, process).is_some() && !started
        {
            // The range's incidents so far are its own; the programs' count from here on.
            self.in_range_facts
                .incidents(self.engine, self.endpoint, self.range);
            self.engine.set_keep_incidents(true);
        }
        self.engine.packet(p);
        if self.programs.started() {
            for i in self.engine.drain_incidents() {
                self.programs.incident(&i);
                self.in_range_facts.incident(&i, self.endpoint, self.range);
            }
            self.programs.settle(p.ts);
        }
    }
}

/// A frame copied out of the reader's buffer (a SYN or RST, so small), its bytes kept from
/// frame to frame.
#[derive(Default)]
struct HeldFrame {
    data: Vec<u8>,
    ts: Timestamp,
    number: u64,
    /// [`LinkType`]'s number.
    link_type: u32,
    interface: u32,
    orig_len: u32,
    direction: Option<crate::source::Direction>,
    process: Option<u32>,
    effective_process: Option<u32>,
    packet_id: Option<u64>,
    dropped: Option<crate::source::DropKind>,
    options: Vec<u8>,
    options_big_endian: bool,
}

impl HeldFrame {
    fn hold(&mut self, f: &Frame<'_>) {
        self.data.clear();
        self.data.extend_from_slice(f.data);
        (self.ts, self.number, self.link_type, self.interface) =
            (f.ts, f.number, f.link_type.0, f.interface);
        (self.orig_len, self.direction, self.packet_id) = (f.orig_len, f.direction, f.packet_id);
        (self.process, self.effective_process) = (f.process, f.effective_process);
        self.dropped = f.dropped;
        self.options.clear();
        self.options.extend_from_slice(f.options.bytes());
        self.options_big_endian = f.options.big_endian();
    }

    fn frame(&self) -> Frame<'_> {
        Frame {
            ts: self.ts,
            number: self.number,
            link_type: LinkType(self.link_type),
            interface: self.interface,
            data: &self.data,
            orig_len: self.orig_len,
            direction: self.direction,
            process: self.process,
            effective_process: self.effective_process,
            packet_id: self.packet_id,
            dropped: self.dropped,
            options: PacketOptions::new(&self.options, self.options_big_endian),
        }
    }
}

/// What [`Offender::restricted`] cannot tell of a time range, counted from the range's own
/// incidents and RSTs: its distinct clients and the texts its RSTs carry.
#[derive(Default)]
struct RangeFacts {
    clients: std::collections::HashSet<IpAddr>,
    clients_overflow: bool,
    /// Only its payload collector is used.
    payloads: crate::engine::offenders::ServiceStats,
}

impl RangeFacts {
    /// Most clients counted exactly (as the engine counts them per endpoint).
    const MAX_CLIENTS: usize = 65_536;

    /// Takes the engine's incidents (kept only when there is a range, or a packet named its
    /// process: then they are handed here one by one).
    fn incidents(&mut self, engine: &mut Engine, server: ServiceKey, range: Option<(i64, i64)>) {
        if range.is_none() {
            return;
        }
        for i in engine.drain_incidents() {
            self.incident(&i, server, range);
        }
    }

    /// One incident of the engine: its client counts if it is `server`'s, within `range`.
    fn incident(&mut self, i: &Incident, server: ServiceKey, range: Option<(i64, i64)>) {
        let Some((a, b)) = range else {
            return;
        };
        if i.server != server || !(a..=b).contains(&i.at.second()) {
            return;
        }
        if self.clients.len() < Self::MAX_CLIENTS {
            self.clients.insert(i.client.0);
        } else if !self.clients.contains(&i.client.0) {
            self.clients_overflow = true;
        }
    }

    /// The range's offender with its clients and RST texts.
    fn complete(self, mut o: Offender) -> Offender {
        o.clients = self.clients.len() as u64;
        o.clients_at_least = self.clients_overflow;
        o.rst_payloads = self.payloads.rst_payloads;
        o
    }
}

/// Moves the engine's finished connections that overlap `range` into `ev`, up to the cap.
fn keep_connections(ev: &mut Evidence, engine: &mut Engine, range: Option<(i64, i64)>) {
    for c in engine.drain_connections() {
        if let Some((a, b)) = range {
            let end = Timestamp(c.start.0.saturating_add(c.duration_ns));
            if c.start.second() > b || end.second() < a {
                continue;
            }
        }
        if ev.connections.len() < MAX_CONNECTIONS {
            ev.connections.push(c);
        } else {
            ev.more_connections += 1;
        }
    }
}

/// The packets listed of connection `index` of `ev`, as indices into [`Evidence::packets`]:
/// those of its four-tuple from its first frame to its last packet's time, and before the
/// next connection of the same four-tuple (a refused connect retried from the same port and
/// ISN is a connection per SYN, as Zeek counts them). What Wireshark's "Follow TCP Stream"
/// narrows its packet list to; found again in the packets kept, so that nothing is held per
/// connection.
pub fn connection_packets(ev: &Evidence, index: usize) -> Vec<usize> {
    let Some(c) = ev.connections.get(index) else {
        return Vec::new();
    };
    let same = |a: (IpAddr, u16), b: (IpAddr, u16)| {
        (a == c.orig && b == c.resp) || (a == c.resp && b == c.orig)
    };
    let end = Timestamp(c.start.0.saturating_add(c.duration_ns));
    let next = ev
        .connections
        .iter()
        .filter(|n| n.first_frame > c.first_frame && same(n.orig, n.resp))
        .map(|n| n.first_frame)
        .min()
        .unwrap_or(u64::MAX);
    ev.packets
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            same((p.src, p.sport), (p.dst, p.dport))
                && (c.first_frame..next).contains(&p.frame)
                && p.ts <= end
        })
        .map(|(i, _)| i)
        .collect()
}

impl EvidencePacket {
    fn new(frame: &Frame<'_>, p: &TcpPacket<'_>, from_endpoint: bool, seq_base: SeqBase) -> Self {
        Self {
            frame: frame.number,
            ts: frame.ts,
            interface: frame.interface,
            file: 0,
            link_type: frame.link_type,
            orig_len: frame.orig_len,
            data: frame.data.to_vec(),
            src: p.src,
            dst: p.dst,
            sport: p.sport,
            dport: p.dport,
            from_endpoint,
            flags: p.flags,
            seq: p.seq,
            ack: p.ack,
            window: p.window,
            payload_len: p.payload_len,
            seq_base,
            tcp_offset: find_tcp_header(frame.data, p),
            copy: false,
            dropped: frame.dropped.is_some(),
            before_drop: false,
            carried: Carried::of(frame),
            arrival: None,
            tunnel: crate::decode::tunnel_words(frame),
            time_digits: 6,
        }
    }

    /// The TCP header as captured (options included, as far as the snaplen kept them).
    fn tcp_header(&self) -> Option<&[u8]> {
        let start = self.tcp_offset?;
        let h = self.data.get(start..)?;
        let len = usize::from(*h.get(12)? >> 4) * 4;
        Some(h.get(..len).unwrap_or(h))
    }
}

/// Finds the TCP header of `p` in the frame: the first place its ports, sequence and
/// acknowledgment numbers appear together (12 bytes, in practice unique). The decoder does not
/// report offsets, and this runs only for the packets kept.
fn find_tcp_header(data: &[u8], p: &TcpPacket<'_>) -> Option<usize> {
    let mut key = [0u8; 12];
    key[0..2].copy_from_slice(&p.sport.to_be_bytes());
    key[2..4].copy_from_slice(&p.dport.to_be_bytes());
    key[4..8].copy_from_slice(&p.seq.to_be_bytes());
    key[8..12].copy_from_slice(&p.ack.to_be_bytes());
    data.windows(key.len()).position(|w| w == key)
}

/// Both endpoints of a conversation, the lower first.
type Conversation = ((IpAddr, u16), (IpAddr, u16));

/// tcpdump's table of relative sequence numbers: a conversation's bases are taken from the
/// first packet with ACK seen in it, and again from any SYN-ACK.
#[derive(Default)]
struct TcpdumpSeq {
    /// Per conversation (the lower endpoint first): the base of each side's sequence space.
    bases: HashMap<Conversation, [u32; 2]>,
}

impl TcpdumpSeq {
    /// What [`TcpdumpSeq::base`] would give, without changing the table.
    fn peek(&self, p: &TcpPacket<'_>) -> SeqBase {
        if !p.flags.ack() {
            return SeqBase::default();
        }
        let (a, b) = ((p.src, p.sport), (p.dst, p.dport));
        let (key, sender) = if a <= b { ((a, b), 0) } else { ((b, a), 1) };
        match self.bases.get(&key) {
            Some(bases) if !p.flags.syn() => SeqBase {
                seq: bases[sender],
                ack: bases[1 - sender],
                sack: bases[1 - sender],
            },
            _ => SeqBase {
                seq: 0,
                ack: 0,
                sack: p.ack.wrapping_sub(1),
            },
        }
    }

    fn base(&mut self, p: &TcpPacket<'_>) -> SeqBase {
        if !p.flags.ack() {
            return SeqBase::default();
        }
        let (a, b) = ((p.src, p.sport), (p.dst, p.dport));
        let (key, sender) = if a <= b { ((a, b), 0) } else { ((b, a), 1) };
        match self.bases.get(&key) {
            Some(bases) if !p.flags.syn() => SeqBase {
                seq: bases[sender],
                ack: bases[1 - sender],
                sack: bases[1 - sender],
            },
            _ => {
                let mut bases = [0; 2];
                bases[sender] = p.seq;
                bases[1 - sender] = p.ack.wrapping_sub(1);
                self.bases.insert(key, bases);
                // The packet that sets the bases shows its own numbers as they are.
                SeqBase {
                    seq: 0,
                    ack: 0,
                    sack: bases[1 - sender],
                }
            }
        }
    }
}

/// The capture parts (file, section) that carried the endpoint's packets listed, for a
/// loopback endpoint (see [`recorded::decode_at`]).
fn loopback_parts(
    ev: &Evidence,
    (addr, port): (IpAddr, u16),
    interfaces: &[InterfaceInfo],
) -> recorded::LoopbackSeen {
    let mut parts: Vec<(usize, u32)> = (ev.packets.iter())
        .filter_map(|p| interfaces.get(p.interface as usize))
        .map(|i| (i.file, i.section))
        .collect();
    parts.sort_unstable();
    parts.dedup();
    let mut seen = recorded::LoopbackSeen::new();
    if addr.is_loopback() && !parts.is_empty() {
        seen.insert((addr, port), parts);
    }
    seen
}

/// Where each packet of a capture that holds copies of packets (recorded at several points: a
/// pktmon trace's components, a bridge and its port) or of several interfaces (a pcapng of
/// `lo` and `eth0`, files given together) was recorded: a column after the time of its line,
/// where `tcpdump -i any` puts the interface, with `copy` on each further copy of a packet. At
/// the start of the line, not the end, so that it is seen without scrolling.
#[derive(Debug, Clone)]
pub struct RecordedAt {
    /// Each interface's name as the column shows it, by [`EvidencePacket::interface`].
    names: Vec<String>,
    /// Where a packet is named by its own file rather than its interface: for files given
    /// together that hold the same traffic, where one's frames came on another's interface (a
    /// rotated set to the source: [`InterfaceInfo::continues`](crate::source::InterfaceInfo::continues)),
    /// each file's name, and whether each interface is such.
    by_file: Option<(Vec<String>, Vec<bool>)>,
    /// The longest name among the packets listed, in characters.
    width: usize,
    /// Some packet listed is a further copy: the column has room for `copy`.
    copies: bool,
    /// Some packet listed is a record before a drop: the column has room for
    /// [`BEFORE_DROP`].
    before_drop: bool,
    /// The capture has one capture point, without a name of its own: the column has only
    /// the marks ("interface 0" before each line named nothing the capture tells apart).
    lone: bool,
}

/// The mark of a packet's record before the capturing host dropped it
/// ([`EvidencePacket::before_drop`]), in the column of where it was recorded.
pub const BEFORE_DROP: &str = "before drop";

impl RecordedAt {
    /// The column for `ev`'s packets, names longer than `max_name` characters cut in the
    /// middle (their ends tell components apart: `...Filter-0000`, `...Filter-0001`); `None`
    /// for a capture that holds no copies (within a file or, for files given together that
    /// hold the same traffic, across them) and no file of several interfaces. A file of
    /// several interfaces (`dumpcap -i lo -i if-a`) has it for every packet: its endpoint said
    /// "seen on lo and if-a" over packet lines that did not say which was seen where.
    pub fn new(ev: &Evidence, max_name: Option<usize>) -> Option<Self> {
        // Interfaces that gave no frame tell nothing apart (zeek's ldap pcapng files declare
        // 126, of which one gave every frame: each line began "interface 48").
        let gave: Vec<&crate::source::InterfaceInfo> =
            (ev.interfaces.iter()).filter(|i| i.frames > 0).collect();
        let several =
            (gave.iter().enumerate()).any(|(i, a)| gave[..i].iter().any(|b| b.file == a.file));
        if ev.copies.total() == 0 && ev.across_files == 0 && !several {
            return None;
        }
        let lone = lone_unnamed(ev);
        if lone && ev.copies.total() == 0 {
            // Its interfaces but one gave no frame: nothing to tell apart.
            return None;
        }
        let names: Vec<String> = (0..ev.interfaces.len())
            .map(|i| {
                if lone {
                    return String::new();
                }
                let name = interface_name(ev, i as u32);
                max_name.map_or_else(|| name.clone(), |max| cut_middle(&name, max))
            })
            .collect();
        // A capture point continued by another's file (their clocks set one after the other)
        // names each packet by its file, as two capture points' packets are named.
        let by_file = (ev.across_files > 0).then(|| {
            let files: Vec<String> = (ev.files.iter())
                .map(|f| {
                    f.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into())
                })
                .map(|name| max_name.map_or_else(|| name.clone(), |max| cut_middle(&name, max)))
                .collect();
            let continued: Vec<bool> = (ev.interfaces.iter())
                .map(|i| {
                    i.name.is_none()
                        && (ev.interfaces.iter()).any(|other| other.continues == Some(i.id))
                })
                .collect();
            (files, continued)
        });
        let shown = |p: &EvidencePacket| match &by_file {
            Some((files, continued)) if continued.get(p.interface as usize) == Some(&true) => {
                files.get(p.file).map(String::as_str)
            }
            _ => names.get(p.interface as usize).map(String::as_str),
        };
        let width = ev
            .packets
            .iter()
            .map(|p| shown(p).map_or(0, |n| n.chars().count()))
            .max()
            .unwrap_or(0);
        let copies = ev
            .packets
            .iter()
            .any(|p| p.copy || p.dropped || p.before_drop);
        let before_drop = ev.packets.iter().any(|p| p.before_drop);
        Some(Self {
            names,
            by_file,
            width,
            copies,
            before_drop,
            lone,
        })
    }

    /// The whole name of where `p` was recorded, for its hover: [`interface_name`]'s, or
    /// "the capture's one interface" where it has no name of its own.
    pub fn whole_name(&self, ev: &Evidence, p: &EvidencePacket) -> String {
        if self.lone {
            "the capture's one interface".to_owned()
        } else {
            interface_name(ev, p.interface)
        }
    }

    /// `p`'s mark in its cell ([`RecordedAt::cell`]): `drop`, [`BEFORE_DROP`] or `copy`, none
    /// for the first record of a packet counted.
    pub fn mark(&self, p: &EvidencePacket) -> Option<&'static str> {
        match (p.dropped, p.before_drop, p.copy) {
            (true, _, _) => Some("drop"),
            (false, true, _) => Some(BEFORE_DROP),
            (false, false, true) => Some("copy"),
            (false, false, false) => None,
        }
    }

    /// `p`'s cell: the name of where it was recorded, padded to the column, then `copy` for a
    /// further copy, `drop` for its record at a drop, `before drop` for the packet's record
    /// before that, left out of the counts with it (blank for the first, when the column has
    /// copies or drops), padded to the longest mark in the list.
    pub fn cell(&self, p: &EvidencePacket) -> String {
        let name = match &self.by_file {
            Some((files, continued)) if continued.get(p.interface as usize) == Some(&true) => {
                files.get(p.file)
            }
            _ => self.names.get(p.interface as usize),
        };
        let name = name
            .cloned()
            .unwrap_or_else(|| format!("interface {}", p.interface));
        let mut s = format!("{name:<width$}", width = self.width);
        if self.copies {
            let mark = self.mark(p).unwrap_or_default();
            let width = if self.before_drop {
                BEFORE_DROP.len()
            } else {
                4
            };
            if !s.is_empty() {
                s.push(' ');
            }
            let _ = write!(s, "{mark:<width$}");
        }
        s
    }
}

/// Whether `ev`'s capture has a single capture point (one interface, or one rotated set's),
/// without a name of its own: nothing for a column of where each packet was recorded to tell
/// apart.
fn lone_unnamed(ev: &Evidence) -> bool {
    let mut points = (ev.interfaces.iter()).filter(|i| i.continues.is_none() && i.frames > 0);
    let point = points.next().or_else(|| ev.interfaces.first());
    points.next().is_none()
        && ev.across_files == 0
        && point.is_some_and(|i| i.name.is_none())
        && (ev.interfaces.iter()).all(|i| i.name.is_none())
}

/// The whole name of interface `index` of the capture: its own, else, for files given together,
/// its file's name, else `interface N`.
pub fn interface_name(ev: &Evidence, index: u32) -> String {
    let info = ev.interfaces.get(index as usize);
    info.and_then(|i| i.name.clone())
        // Files given together (not one rotated set): an interface without a name (every pcap
        // file's) is its file's.
        .or_else(|| {
            let several = crate::source::from_several_files(&ev.interfaces);
            let file = ev.files.get(info?.file).filter(|_| several)?;
            Some(file.file_name()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| {
            let n = crate::source::interface_number(&ev.interfaces, index);
            format!("interface {n}")
        })
}

/// `name` in at most `max` characters: its start and end around `…`.
fn cut_middle(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max || max < 3 {
        return name.to_owned();
    }
    let tail = (max - 1) / 2;
    let head = max - 1 - tail;
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[chars.len() - tail..]);
    s
}

/// The packet as `tcpdump -n` prints it, e.g. `13:09:12.250341 IP 127.0.0.1.39446 >
/// 127.0.0.1.7211: Flags [S], seq 3134553372, win 65495, options [mss 65495,...], length 0`:
/// time of day with microseconds, or the digits its file records (nine of nanoseconds)
/// ([`EvidencePacket::time_digits`]), local or UTC per `clock`, `IP` or `IP6`, relative sequence
/// numbers as tcpdump computes them over the packets shown, the common TCP options.
pub fn tcpdump_line(p: &EvidencePacket, clock: Clock) -> String {
    packet_line(p, clock, None, LineDate::None)
}

/// How much of its date a time in a list of packets or connections carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineDate {
    /// The time of day alone: the list lies within one day.
    #[default]
    None,
    /// The month and day (`11-15 13:09:12`): the list spans days.
    Day,
    /// The whole date (`2023-11-15 13:09:12`): the list spans years (files far apart), where
    /// "12-01" before "11-27" would read as time going back.
    Year,
}

impl LineDate {
    /// The date a list of times from `first` to `last` needs in `clock`; at least the day
    /// where `dated`.
    pub fn of(clock: Clock, first: Timestamp, last: Timestamp, dated: bool) -> Self {
        use chrono::Datelike;
        let (a, b) = (clock.datetime(first), clock.datetime(last));
        if a.year() != b.year() {
            LineDate::Year
        } else if dated || a.date_naive() != b.date_naive() {
            LineDate::Day
        } else {
            LineDate::None
        }
    }

    /// `ts` in `clock` with this date, to `digits` of the second at most 9
    /// ([`crate::report::fraction`]): `11-15 13:09:12.250341`, `13:09:12.234`.
    pub fn time(self, clock: Clock, ts: Timestamp, digits: u8) -> String {
        let mut s = clock.datetime(ts).format(&self.format(0)).to_string();
        s.push_str(&crate::report::fraction(ts, digits));
        s
    }

    /// The `chrono` format of a time to `decimals` (3 or 6; 0: whole seconds) with this date.
    pub fn format(self, decimals: usize) -> String {
        let date = match self {
            LineDate::None => "",
            LineDate::Day => "%m-%d ",
            LineDate::Year => "%Y-%m-%d ",
        };
        match decimals {
            0 => format!("{date}%H:%M:%S"),
            _ => format!("{date}%H:%M:%S%.{decimals}f"),
        }
    }
}

/// [`tcpdump_line`], with where the packet was recorded after its time (for a capture that
/// holds copies of packets): `13:09:12.250343 WFP Native MAC Layer LightWeight Filter-0000
/// copy IP 127.0.0.1.39446 > ...`. `date`: the date before the time (`11-15 13:09:12.250343`),
/// as the app writes the connections' starts in a capture of days; with none, a
/// [dated](Clock::is_dated) clock still gives the whole date (`2026-11-15 13:09:12.250343`,
/// the terminal's lines in a capture of days, as `tcpdump -tttt`).
pub fn packet_line(
    p: &EvidencePacket,
    clock: Clock,
    at: Option<&RecordedAt>,
    date: LineDate,
) -> String {
    // A capture of days in the terminal: the whole date, as `tcpdump -tttt` writes it.
    let date = if date == LineDate::None && clock.is_dated() {
        LineDate::Year
    } else {
        date
    };
    let mut s = date.time(clock, p.ts, p.time_digits);
    // Empty for a capture of one unnamed interface whose lines listed hold no copy.
    if let Some(cell) = at.map(|at| at.cell(p)).filter(|c| !c.is_empty()) {
        s.push(' ');
        s.push_str(&cell);
    }
    if let Some(a) = &p.arrival {
        // As tcpdump pads them: `lo    In  IP ...`.
        let _ = write!(s, " {:<5} {:<3}", a.interface, a.direction);
    }
    // As tcpdump prints the outer datagram first, briefly: `in VXLAN vni 42 10.99.0.1 >
    // 10.99.0.2: IP 10.42.0.1.41692 > ...`.
    if let Some(t) = &p.tunnel {
        let _ = write!(s, " in {t}:");
    }
    let ip = if p.src.is_ipv4() { "IP" } else { "IP6" };
    let _ = write!(
        s,
        " {ip} {}.{} > {}.{}: Flags [{}]",
        p.src,
        p.sport,
        p.dst,
        p.dport,
        flag_letters(p.flags)
    );
    let f = p.flags;
    let seq = p.seq.wrapping_sub(p.seq_base.seq);
    if p.payload_len > 0 {
        let _ = write!(s, ", seq {seq}:{}", seq.wrapping_add(p.payload_len));
    } else if f.syn() || f.fin() || f.rst() {
        let _ = write!(s, ", seq {seq}");
    }
    if f.ack() {
        let _ = write!(s, ", ack {}", p.ack.wrapping_sub(p.seq_base.ack));
    }
    let _ = write!(s, ", win {}", p.window);
    let header = p.tcp_header();
    if f.urg()
        && let Some(urp) = header.and_then(|h| h.get(18..20))
    {
        let _ = write!(s, ", urg {}", u16::from_be_bytes([urp[0], urp[1]]));
    }
    if let Some(h) = header {
        let declared = usize::from(h.get(12).map_or(5, |b| b >> 4)) * 4;
        if declared > 20 {
            s.push_str(", options [");
            if h.len() < declared {
                s.push_str("|tcp");
            } else {
                options(&mut s, h.get(20..).unwrap_or_default(), p.seq_base.sack);
            }
            s.push(']');
        }
    }
    let _ = write!(s, ", length {}", p.payload_len);
    s
}

/// Flag letters in tcpdump's order: `S`, `S.`, `R.`, `FP.`, `.`; `none` when no flag is set.
/// The ninth bit (NS, now AE) is not shown, as tcpdump 4.99 does not show it.
fn flag_letters(f: TcpFlags) -> String {
    const LETTERS: [(u16, char); 8] = [
        (TcpFlags::FIN, 'F'),
        (TcpFlags::SYN, 'S'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::ACK, '.'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
    ];
    let mut out: String = LETTERS
        .iter()
        .filter(|(bit, _)| f.has(*bit))
        .map(|&(_, c)| c)
        .collect();
    if out.is_empty() {
        out.push_str("none");
    }
    out
}

/// TCP options as tcpdump names them: `mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7`.
fn options(s: &mut String, mut opts: &[u8], sack_base: u32) {
    let mut first = true;
    while let Some((&kind, rest)) = opts.split_first() {
        if !first {
            s.push(',');
        }
        first = false;
        if kind == 0 || kind == 1 {
            s.push_str(if kind == 0 { "eol" } else { "nop" });
            opts = rest;
            if kind == 0 {
                break;
            }
            continue;
        }
        let Some(len) = rest.first().map(|&l| usize::from(l)) else {
            s.push_str("[bad opt]");
            return;
        };
        let Some(data) = (len >= 2).then(|| opts.get(2..len)).flatten() else {
            s.push_str("[bad opt]");
            return;
        };
        let be32 = |i: usize| {
            data.get(i..i + 4)
                .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        match (kind, data.len()) {
            (2, 2) => {
                let _ = write!(s, "mss {}", u16::from_be_bytes([data[0], data[1]]));
            }
            (3, 1) => {
                let _ = write!(s, "wscale {}", data[0]);
            }
            (4, 0) => s.push_str("sackOK"),
            (5, n) if n % 8 == 0 => {
                let _ = write!(s, "sack {} ", n / 8);
                for i in (0..n).step_by(8) {
                    let _ = write!(
                        s,
                        "{{{}:{}}}",
                        be32(i).wrapping_sub(sack_base),
                        be32(i + 4).wrapping_sub(sack_base)
                    );
                }
            }
            (8, 8) => {
                let _ = write!(s, "TS val {} ecr {}", be32(0), be32(4));
            }
            _ => {
                match option_name(kind) {
                    Some(name) => s.push_str(name),
                    None => {
                        let _ = write!(s, "unknown-{kind}");
                    }
                }
                if !data.is_empty() {
                    s.push_str(" 0x");
                    for b in data {
                        let _ = write!(s, "{b:02x}");
                    }
                }
                if matches!(kind, 2 | 3 | 4 | 5 | 8) {
                    let _ = write!(s, "[len {len}]");
                }
            }
        }
        opts = opts.get(len..).unwrap_or_default();
    }
}

/// tcpdump's names of TCP option kinds. Options it decodes further (MPTCP, TCP-AO, SCPS, ...)
/// are shown here by name and raw value: the line is tcpdump-like, not tcpdump's.
fn option_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        2 => "mss",
        3 => "wscale",
        4 => "sackOK",
        5 => "sack",
        6 => "echo",
        7 => "echoreply",
        8 => "TS",
        11 => "cc",
        12 => "ccnew",
        13 => "",
        19 => "md5",
        20 => "scps",
        28 => "uto",
        29 => "tcp-ao",
        30 => "mptcp",
        34 => "tfo",
        254 => "exp",
        _ => return None,
    })
}

/// Writes the evidence's packets to a pcapng file: a section header, one interface
/// description per interface the packets were captured on (its link type, its snaplen,
/// its name and description when known, nanosecond timestamps) and one enhanced packet block
/// per packet, in order, with what the capture said of it ([`Carried`]: its comments, its
/// `epb_flags`, Apple's process references, each of Apple's process blocks written before the
/// first packet that refers to it and numbered in the order written), ended with what `host`
/// says of the endpoint as [`write_pcapng_with_host`] writes it. Wireshark, tcpdump and
/// rstscope read it; rstscope names the same programs from it as from the capture.
pub fn write_pcapng(path: &Path, ev: &Evidence, host: Option<&HostReport>) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    write_pcapng_with_host(&mut w, ev, host)?;
    w.flush()
}

/// [`write_pcapng`] to any writer, without a host block.
pub fn write_pcapng_to(w: &mut impl Write, ev: &Evidence) -> io::Result<()> {
    write_pcapng_with_host(w, ev, None)
}

/// [`write_pcapng_to`], ended with rstscope's host block ([`crate::host::recorded`], as
/// `rstscope capture --write` ends its file) holding what `host` says of the evidence's
/// endpoint: who listened on its port, who served it before, which programs connected. An
/// analysis of the file then names the same programs as the report `host` belongs to.
///
/// `host` is written when it is this machine's (a live capture's) or was read from a capture
/// file's host block (and names that file's machine). A report made from nothing but the
/// packets' own process information (pcapng process blocks, packet comments) is not: the
/// block would say that rstscope recorded it, on this machine, while capturing. That
/// information goes with the packets themselves, as the tool that captured them wrote it.
pub fn write_pcapng_with_host(
    w: &mut impl Write,
    ev: &Evidence,
    host: Option<&HostReport>,
) -> io::Result<()> {
    let what = packets_words(ev);
    let mut comments = vec![format!("rstscope evidence: {what}")];
    let cut = saved_cut(ev);
    if let Some(cut) = &cut {
        comments.push(format!("rstscope evidence: {}", cut.warning()));
    }
    let (addr, _, overlay) = ev.endpoint;
    comments.extend(answers::comment(addr, overlay, ev.host_answers));
    comments.extend(ev.notes.iter().cloned());
    let mut out = PcapngWriter::with_comments(w, &comments)?;
    // Interfaces in order of first use; pcapng numbers them from 0 in the section.
    let mut local: HashMap<u32, u32> = HashMap::new();
    for p in &ev.packets {
        if local.contains_key(&p.interface) {
            continue;
        }
        let info = ev.interfaces.get(p.interface as usize);
        // With the capture's filter, so that a SYN/FIN/RST-only capture's packets are analyzed
        // as such again.
        // Its times recorded to the resolution of the file they come from: the file saved
        // says as many digits of them as that one ([`InterfaceInfo::time_digits`]).
        let id = out.add_described_interface(&InterfaceBlock {
            name: info.and_then(|i| i.name.as_deref()),
            description: info.and_then(|i| i.description.as_deref()),
            filter: info.and_then(|i| i.filter.as_deref()),
            indexes: info.map_or(&[], |i| &i.index_names),
            tsresol: info.map_or(NANOSECONDS, |i| i.tsresol),
            ..InterfaceBlock::new(p.link_type, snaplen(ev, p.interface))
        })?;
        local.insert(p.interface, id);
    }
    let packet_ids = PacketIds::of(ev);
    // Apple's process blocks, each before the first packet that refers to it, numbered in
    // the order written as Apple's libpcap numbers them.
    let mut blocks: Vec<Option<u32>> = vec![None; ev.processes.len()];
    for p in &ev.packets {
        let id = local.get(&p.interface).copied().unwrap_or(0);
        let c = &p.carried;
        let mut block = |index: Option<u32>| -> io::Result<Option<u32>> {
            let Some(i) = index.map(|i| i as usize) else {
                return Ok(None);
            };
            let (Some(slot), Some(process)) = (blocks.get_mut(i), ev.processes.get(i)) else {
                return Ok(None);
            };
            if slot.is_none() {
                *slot = Some(out.write_process_block(&ProcessBlock {
                    pid: process.pid,
                    name: process.name.as_deref(),
                    path: process.cmd.as_deref(),
                    uuid: process.uuid,
                })?);
            }
            Ok(*slot)
        };
        let notes = PacketNotes {
            comments: &c.comments,
            flags: c.flags,
            process: block(c.process)?,
            effective_process: block(c.effective_process)?,
            service_class: c.service_class,
            packet_id: packet_ids.of_packet(ev, p),
            dropped: c.dropped,
        };
        out.write_packet_with(id, p.ts, &p.data, p.orig_len, &notes)?;
    }
    if let Some(h) =
        host.filter(|h| ev.scan.is_none() && (h.recorded.is_some() || h.of_this_machine()))
    {
        let (addr, port, _) = ev.endpoint;
        let body = recorded::encode_for_endpoint_until(h, addr, port, ev.capture_end)
            .map_err(io::Error::other)?;
        out.write_block(RSTSCOPE_HOST, &body)?;
    }
    // Whoever wrote the capture: a tcpdump file has no host block, and its saved packets
    // need the figure all the same.
    if let Some(body) = answers::encode(addr, overlay, ev.host_answers) {
        out.write_block(RSTSCOPE_HOST, &body)?;
    }
    let (span, capture_end) = saved_span(ev);
    if capture_end.is_some() || cut.is_some() {
        let body = recorded::encode_saved(capture_end, cut).map_err(io::Error::other)?;
        out.write_block(RSTSCOPE_HOST, &body)?;
    }
    let spans = span.map_or_else(Vec::new, |span| vec![span; local.len()]);
    out.finish(&spans)?;
    Ok(())
}

/// What the evidence's packets are, in words: "TCP packets to or from 10.0.0.2:7211", a
/// scan's "TCP packets between 172.16.0.8 and 64.13.134.52 ports 1 to 65389", one
/// connection's "TCP packets of the connection from 10.0.0.1:40000 to 10.0.0.2:7211".
pub fn packets_words(ev: &Evidence) -> String {
    match (
        ev.scan,
        ev.connections.first().filter(|_| ev.one_connection),
    ) {
        (_, Some(c)) => format!(
            "TCP packets of the connection from {} to {}",
            endpoint(c.orig.0, c.orig.1),
            endpoint(c.resp.0, c.resp.1)
        ),
        (Some(sides), None) => format!("TCP packets {}", sides.words()),
        (None, None) => format!(
            "TCP packets to or from {}",
            endpoint(ev.endpoint.0, ev.endpoint.1)
        ),
    }
}

/// What of the capture's packets a file of the evidence's holds, where not all of them
/// ([`recorded::Cut`]). Read from a file that held only some itself ([`Evidence::cut_before`]):
/// of the same packets, the capture's count of them (the first 2,000 of 2,011 saved again
/// are still the first 2,000 of 2,011); of others (one connection's, picked out of them),
/// what the file read held, told after what this one holds of it.
pub fn saved_cut(ev: &Evidence) -> Option<recorded::Cut> {
    let kept = ev.packets.len() as u64;
    let what = packets_words(ev);
    match ev.cut_before.as_ref() {
        Some(before) if before.what == what => Some(recorded::Cut {
            kept,
            of: before.of.max(kept + ev.more),
            latest: before.latest || ev.latest,
            what,
            within: before.within.clone(),
        }),
        Some(before) => Some(recorded::Cut {
            kept,
            of: kept + ev.more,
            latest: ev.latest,
            what,
            within: Some(Box::new(before.clone())),
        }),
        None => (ev.more > 0).then(|| recorded::Cut {
            kept,
            of: kept + ev.more,
            latest: ev.latest,
            what,
            within: None,
        }),
    }
}

/// The statistics block of a file of saved packets (one an interface): from its first packet
/// to its last, the file's own time, which an analysis of it reads as its span
/// ([`recorded_time`]); no counts: the capture received more than was saved. And where the
/// capture they were saved from had got to after them ([`Evidence::capture_end`]), for the
/// block that says it: the file's last attempts are then judged as the capture judged them,
/// given up on unanswered, not "too soon to tell" because the file holds nothing after them.
/// A capture that went on more than a day after the last saved packet ends there a day after
/// it, as an analysis takes a file's recorded end ([`RECORDED_SLACK_NS`]): a day is past
/// every wait the analysis judges by.
fn saved_span(ev: &Evidence) -> (Option<InterfaceStats>, Option<Timestamp>) {
    let first = ev.packets.iter().map(|p| p.ts).min();
    let last = ev.packets.iter().map(|p| p.ts).max();
    let Some((start, last)) = first.zip(last) else {
        return (None, None);
    };
    let furthest = Timestamp(last.0.saturating_add(RECORDED_SLACK_NS));
    let capture_end = (ev.capture_end)
        .map(|end| end.min(furthest))
        .filter(|&end| end > last);
    let span = InterfaceStats {
        start,
        end: last,
        ..InterfaceStats::default()
    };
    (Some(span), capture_end)
}

/// The packet ids to save: the capture's own, unless packets of several captures (files or
/// sections given together) carry them, whose ids may be the same for different packets and
/// are numbered anew in the one section the packets are saved in.
enum PacketIds {
    AsCaptured,
    Renumbered(HashMap<(usize, u32, u64), u64>),
}

impl PacketIds {
    fn of(ev: &Evidence) -> Self {
        let capture = |p: &EvidencePacket| {
            let info = ev.interfaces.get(p.interface as usize);
            info.map_or((0, 0), |i| (i.file, i.section))
        };
        let mut with_ids = ev.packets.iter().filter(|p| p.carried.packet_id.is_some());
        let Some(first) = with_ids.next().map(capture) else {
            return Self::AsCaptured;
        };
        if with_ids.all(|p| capture(p) == first) {
            return Self::AsCaptured;
        }
        let mut numbers = HashMap::new();
        for p in &ev.packets {
            if let Some(id) = p.carried.packet_id {
                let (file, section) = capture(p);
                let next = numbers.len() as u64 + 1;
                numbers.entry((file, section, id)).or_insert(next);
            }
        }
        Self::Renumbered(numbers)
    }

    fn of_packet(&self, ev: &Evidence, p: &EvidencePacket) -> Option<u64> {
        let id = p.carried.packet_id?;
        match self {
            Self::AsCaptured => Some(id),
            Self::Renumbered(numbers) => {
                let info = ev.interfaces.get(p.interface as usize);
                let (file, section) = info.map_or((0, 0), |i| (i.file, i.section));
                numbers.get(&(file, section, id)).copied()
            }
        }
    }
}

/// The snaplen to declare for an interface: the one its capture states (the agent's ring and
/// `rstscope capture --write` write the snaplen they captured with, tcpdump its `-s`), as long
/// as no frame kept is longer; else, when some frame of it was cut, the longest frame captured
/// on it (that is about the snaplen it was captured with); else 0, pcapng's "no limit".
fn snaplen(ev: &Evidence, interface: u32) -> u32 {
    let mut cut = false;
    let mut longest = 0usize;
    for p in ev.packets.iter().filter(|p| p.interface == interface) {
        longest = longest.max(p.data.len());
        cut |= (p.data.len() as u64) < u64::from(p.orig_len);
    }
    let longest = u32::try_from(longest).unwrap_or(u32::MAX);
    let stated = ev
        .interfaces
        .get(interface as usize)
        .map_or(0, |i| i.snaplen);
    if stated != 0 && stated >= longest {
        stated
    } else if cut {
        longest
    } else {
        0
    }
}

/// The host's SYN-ACKs' TTLs a file of saved packets carries.
pub mod answers;
/// An analysis batch's packets held back for the drops later in it.
mod held;
#[cfg(test)]
mod tests;
