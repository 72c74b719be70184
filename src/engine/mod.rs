//! The pure analysis. No I/O, no threads, no wall clock: time is packet time.
//!
//! Feed packets with [`Engine::packet`](crate::engine::Engine::packet) in capture order, ask for a [`Snapshot`](crate::engine::Snapshot) at any time,
//! and call [`Engine::finish`](crate::engine::Engine::finish) at the end of the capture. Memory is bounded: connections end
//! on Zeek's packet-time timeouts, and past [`EngineConfig::max_flows`](crate::engine::EngineConfig::max_flows) the entry nearest to
//! its timeout is ended early (counted in [`Totals::evicted`](crate::engine::Totals::evicted)).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::packet::{Overlay, TcpFlags, TcpPacket, Timestamp};

/// The cause rules, acceptability and injection evidence.
pub mod cause;
/// Flow-table entries: connections and attempts.
pub mod flow;
/// The flow table's index: entry numbers by key hash, one cache line a lookup.
pub mod index;
/// Per service endpoint tallies and diagnoses.
pub mod offenders;
/// The 4-tuples whose connection a RST ended lately, to tell the late resets that follow.
pub mod reset_tuples;
/// Per-client tallies of a scan's targets, kept per attempt: exact beyond the endpoint table.
pub mod scan_tally;
/// Port scans and sweeps: one client's failures over many ports or servers, as one finding.
pub mod scans;
/// Per-second counts: recent seconds, older minutes, exact sums and peaks.
pub mod series;
/// The flow table's timers by the second they fall in.
pub mod timers;
/// Zeek's connection state machine, history and conn_state.
pub mod zeek;

pub use cause::Cause;
pub use flow::{Failure, Zones};
pub use offenders::{
    AfterClose, CutOff, Diagnosis, DiagnosisKind, DropNote, Dropped, Offender, OtherEndpoints,
    RstPayload, SeenOn, SuspectRst,
};
pub use scans::{Scan, ScanKind, ScansFound};
pub use zeek::ConnState;

use cause::{Suspicion, classify, seq_in_window};
use flow::{
    Attempt, AttemptStatus, Conn, Entry, FlowKey, KeyHasher, RST_NOTES, RstNote, SideStats, V4Ends,
};
use index::FlowIndex;
use offenders::{ServiceKey, Services};
use scan_tally::{Answer, ScanTally};
use series::Peak;
use timers::TimerQueue;
use zeek::flip_on_first_packet;

/// An attempt with no answer this long after its last SYN has failed.
pub const ATTEMPT_UNANSWERED_SECS: i64 = 10;
/// A failed attempt is remembered this long after its last SYN, so that a late retransmission
/// of the same SYN is not counted as a new attempt (Linux gives up after about 127 s).
pub const ATTEMPT_MEMORY_SECS: i64 = 130;

/// Packet time going back more than this from the latest packet's starts another capture
/// ([`Engine::packet`]): more than the attempt timeout, it is no reordering of packets
/// stamped close together but captures appended to one another (or a clock stepped back).
pub const NEW_CAPTURE_BACK_SECS: i64 = ATTEMPT_UNANSWERED_SECS;

/// How often, in packet time, the scans found are counted ([`Snapshot::scans_found`]) besides
/// when the endpoint table drops endpoints: a scan that stops being one (a scanner going over
/// the same ports a third time) stays counted once it was one for this long. Looked at on
/// each connection attempt and incident, not per packet: finding the scans goes over the
/// endpoint table.
pub const SCAN_COUNT_SECS: i64 = 60;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Most flow-table entries (live connections and remembered attempts) kept at once.
    pub max_flows: usize,
    /// Keep a record of every finished connection for [`Engine::drain_connections`].
    pub keep_connections: bool,
    /// The capture holds only SYN, FIN and RST segments (an overloaded host's filter): the
    /// originator's final ACK is never seen, so a SYN-ACK counts as a completed handshake.
    pub syn_fin_rst_only: bool,
    /// Keep every incident (failed attempt, RST) for [`Engine::drain_incidents`], so the
    /// caller can tie it to the process that owned the client socket.
    pub keep_incidents: bool,
    /// How much of the per-second counts the series keep (see [`series::Retention`]).
    pub retention: series::Retention,
    /// Endpoints tracked at once, and the memory their series and client sets share with
    /// the flow table.
    pub services: offenders::ServiceBounds,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            // 200,000 entries of 448 bytes (about 90 MB) leave room within the 150 MB target
            // for the endpoint table, the series and the reader (scripts/bench-memory.sh).
            max_flows: 200_000,
            keep_connections: false,
            syn_fin_rst_only: false,
            keep_incidents: false,
            retention: series::Retention::default(),
            services: offenders::ServiceBounds::default(),
        }
    }
}

/// One failed attempt or RST, with both ends, as [`Engine::drain_incidents`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident {
    /// The packet (or timeout) that made it.
    pub at: Timestamp,
    /// The service endpoint: the side that was connected to (with its overlay network).
    pub server: ServiceKey,
    /// The client's address and port.
    pub client: (IpAddr, u16),
    /// What happened.
    pub kind: IncidentKind,
}

/// What an [`Incident`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// An attempt failed.
    Failed(Failure),
    /// A RST packet.
    Rst {
        /// Its cause.
        cause: Cause,
        /// The server sent it (otherwise the client did).
        from_server: bool,
        /// It ended an attempt, which is also reported as [`IncidentKind::Failed`]; counting
        /// incidents, skip this one.
        part_of_attempt: bool,
    },
    /// An attempt answered by a SYN-ACK only after its SYN was sent again: its client waited
    /// ([`SecondCounts::late`]).
    AnsweredLate,
}

/// Per-second counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondCounts {
    /// RSTs by cause, indexed by [`Cause::index`].
    pub rst: [u32; 5],
    /// RSTs flagged suspect-injected.
    pub suspect: u32,
    /// Failed attempts (counted in the second of the packet that ended them) by how they
    /// failed: refused, reset during the handshake, unanswered ([`SecondCounts::failed`]).
    pub failed_by: [u32; 3],
    /// Incidents: failed attempts plus RSTs that were not part of a failed attempt, plus
    /// packets the capturing host dropped.
    pub incidents: u32,
    /// Attempts whose handshake completed in this second (an endpoint's series only), so that
    /// a time range's diagnosis can tell "refused all" from "refused some".
    pub completed: u32,
    /// RSTs the service endpoint sent itself (an endpoint's series only; the rest came from
    /// its clients).
    pub rst_from_server: u32,
    /// Refused RSTs of an attempt already refused, i.e. client retries (an endpoint's series
    /// only).
    pub refusal_retries: u32,
    /// TCP packets the capturing host dropped ([`Engine::dropped`]): each an incident, in
    /// none of the counts above, so that an endpoint whose incidents are drops has something
    /// in its seconds to draw.
    pub dropped: u32,
    /// Attempts answered by a SYN-ACK only after their SYN was sent again
    /// ([`crate::engine::offenders::Resends`]), in the second of that SYN-ACK: each an
    /// incident (its client waited), in none of the counts above, so that an endpoint whose
    /// listen queue overflowed has something in its seconds to draw and a time range of its
    /// late answers alone finds it.
    pub late: u32,
}

impl SecondCounts {
    /// RSTs of all causes.
    pub fn rst_total(&self) -> u32 {
        self.rst.iter().sum()
    }

    /// Failed attempts (counted in the second of the packet that ended them): the sum of
    /// `failed_by`, not a count of its own, so that an entry of an endpoint's series stays
    /// 64 bytes with [`SecondCounts::dropped`] (six hours of them per endpoint in the agent).
    pub fn failed(&self) -> u32 {
        self.failed_by
            .iter()
            .fold(0u32, |sum, &n| sum.saturating_add(n))
    }
}

/// One finished connection, as `--connections` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnRecord {
    /// Originator address and port (Zeek's).
    pub orig: (IpAddr, u16),
    /// Responder address and port.
    pub resp: (IpAddr, u16),
    /// The overlay network of the tunnel it came in, if any.
    pub overlay: Overlay,
    /// Zeek's conn_state.
    pub state: ConnState,
    /// Zeek's history.
    pub history: String,
    /// RST packets.
    pub rst_count: u32,
    /// Cause of the RST that ended it: the first acceptable one (an unacceptable RST, as an
    /// injected one, does not end a connection), else the first.
    pub rst_cause: Option<Cause>,
    /// RSTs flagged suspect-injected.
    pub suspect_injected: u32,
    /// First packet.
    pub start: Timestamp,
    /// Last packet minus first.
    pub duration_ns: i64,
    /// Packets.
    pub packets: u32,
    /// Frame number of the first packet.
    pub first_frame: u64,
}

/// Counters over the whole capture.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// TCP packets fed to the engine.
    pub tcp_packets: u64,
    /// Packets with RST.
    pub rst_packets: u64,
    /// Packets with SYN and without ACK (retransmissions included).
    pub syn_packets: u64,
    /// Packets with SYN and ACK.
    pub synack_packets: u64,
    /// RSTs by cause.
    pub rst_by_cause: [u64; 5],
    /// RSTs flagged suspect-injected.
    pub suspect_injected: u64,
    /// Connection attempts (distinct ISN per 4-tuple).
    pub attempts: u64,
    /// Failed attempts.
    pub failed_attempts: u64,
    /// Finished connections by conn_state, indexed by [`ConnState::index`].
    pub conn_states: [u64; 13],
    /// Connections ended early because the table was full.
    pub evicted: u64,
    /// First and last packet time.
    pub first_ts: Option<Timestamp>,
    /// Last packet time.
    pub last_ts: Option<Timestamp>,
    /// Packets whose time went backwards by more than a second (merged or reordered input).
    pub time_reversals: u64,
    /// Times packet time went back more than [`NEW_CAPTURE_BACK_SECS`], each starting
    /// another capture.
    pub new_captures: u64,
    /// TCP packets the capturing host dropped ([`Engine::dropped`]), in none of the counts
    /// above.
    pub dropped_packets: u64,
    /// Of them, SYNs without ACK.
    pub dropped_syn: u64,
    /// Of them, RSTs.
    pub dropped_rst: u64,
    /// Attempts answered by a SYN-ACK only after their SYN was sent again (each an incident
    /// of its endpoint, [`SecondCounts::late`]).
    pub late_answers: u64,
}

/// What the engine knows at one moment: everything the UI and the reports show.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Counters.
    pub totals: Totals,
    /// Connections not yet finished, by their current conn_state.
    pub live_conn_states: [u64; 13],
    /// Per-second counts, seconds with nothing left out, in time order. Seconds before
    /// `minutes_before` are whole minutes, keyed by the minute's first second (a capture with
    /// many seconds of incidents keeps its last hour per second: see [`series`]).
    pub series: Vec<(i64, SecondCounts)>,
    /// Where the series (and every offender's) turns from minutes to seconds; `None` while
    /// every second is kept.
    pub minutes_before: Option<i64>,
    /// Series entries (global and every offender's) before this second were dropped
    /// ([`series::Retention::kept`]); `None` while nothing was. Counters, totals and peaks
    /// still cover the whole capture.
    pub kept_from: Option<i64>,
    /// The second with the most RSTs, and how many (exact, folded minutes included).
    pub peak_rst: Peak,
    /// The second with the most failed attempts, and how many.
    pub peak_failed: Peak,
    /// Service endpoints with resets or failed attempts, ranked ([`Offender::rank`]).
    pub offenders: Vec<Offender>,
    /// Port scans and sweeps found among the endpoints, largest first; their targets'
    /// offenders point to them ([`Offender::scan`]).
    pub scans: Vec<std::sync::Arc<Scan>>,
    /// Scans found since the analysis began, by kind, each counted once: those of `scans`,
    /// and those the analysis no longer holds (their endpoints were dropped from the table,
    /// or they stopped being scans).
    pub scans_found: ScansFound,
    /// Service endpoints dropped from the table because too many were seen, and what they
    /// had counted: the offenders and these add up to the totals.
    pub other_endpoints: OtherEndpoints,
    /// Live flow-table entries.
    pub live_flows: usize,
    /// What each bit of the offenders' [`SeenOn`] stands for: a capture interface
    /// ([`TcpPacket::interface`]) and, in a Linux `any` capture, the interface index its
    /// LINUX_SLL2 header gives (0 where the frame has none), in the order first met.
    pub places: Vec<(u32, u32)>,
}

/// The analysis state. See the module documentation.
pub struct Engine {
    config: EngineConfig,
    /// The interface index of the packet being analyzed where its frame is LINUX_SLL2 (a
    /// Linux `any` capture), else 0: set by the caller ([`Engine::set_link_index`]) for the
    /// packets that can count an attempt or a reset, which are analyzed one at a time.
    link_index: u32,
    /// Added to the frame number of each packet given ([`Engine::set_frame_offset`]): the
    /// packets of a part of the capture read on its own were numbered from the part's start.
    frame_offset: u64,
    /// [`Snapshot::places`], at most [`SeenOn::LATER`] of them.
    places: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    /// The most entries `entries` has held.
    entries_held: usize,
    free: Vec<u32>,
    /// Flow lookup: entry numbers hashed by their entry's key ([`KeyHasher`]). The keys
    /// live in `entries` only, so a slot costs the index 8 bytes rather than a copy of the
    /// 38-byte key.
    index: FlowIndex,
    hasher: KeyHasher,
    /// The overlay networks of tunnelled packets, by the numbers their flow keys carry.
    zones: Zones,
    /// Where the search for an entry to evict without a timer resumes.
    evict_cursor: usize,
    timers: TimerQueue,
    now: Timestamp,
    /// The counters; their first and last packet times are kept apart, in `first_ts` and
    /// `last_ts` ([`Engine::totals`]).
    totals: Totals,
    /// The earliest packet time (the end of time before the first packet).
    first_ts: Timestamp,
    /// The latest packet time (the end of time before the first packet, which then takes
    /// [`Engine::count`]'s slower path, as one stamped before the latest does).
    last_ts: Timestamp,
    series: BTreeMap<i64, SecondCounts>,
    /// Seconds of `series` (and of every endpoint's) before this are folded into minutes.
    minutes_before: Option<i64>,
    /// The busiest seconds among those folded: RSTs, failed attempts.
    folded_peaks: [Peak; 2],
    /// Entries of `series` at one-second resolution (at or after `minutes_before`).
    series_seconds: usize,
    /// Fold once `series_seconds` reaches this ([`series::Retention::fold_after`] plus one;
    /// 0 without a threshold).
    fold_from: usize,
    /// The last fold boundary looked at (folding by time alone looks once a minute).
    fold_checked: i64,
    /// Series entries before this second were dropped.
    kept_from: Option<i64>,
    services: Services,
    /// What the scanning clients probed, counted per attempt (the endpoint table drops a
    /// large scan's ports).
    scan_tally: ScanTally,
    /// The packet second the scans found were last counted ([`SCAN_COUNT_SECS`]).
    scans_counted_at: i64,
    /// The tuples whose connection a RST ended lately.
    reset_tuples: reset_tuples::ResetTuples,
    finished: Vec<ConnRecord>,
    incidents: Vec<Incident>,
}

const NO_TIMER: Timestamp = Timestamp(i64::MAX);
/// What the memory bound the endpoints share with the flow table
/// ([`offenders::ServiceBounds::shared_bytes`]) charges for a flow-table entry and its index slot:
/// 520 bytes, what they took when the endpoints' shares were set and measured (the tests keep
/// an entry within this). A smaller entry leaves the difference as margin under the 150 MB
/// target: charging its real size would hand it to the endpoints' series and client sets,
/// which would change what a large capture's report keeps and spend the memory saved.
pub const FLOW_CHARGE: usize = 520;
/// Flow-table slots reserved up front (address space only until used).
const RESERVED_FLOWS: usize = 200_000;
/// Entries the flow index holds before it first grows.
const INDEX_START: usize = 8_192;

impl Engine {
    /// A new engine.
    pub fn new(config: EngineConfig) -> Self {
        let reserved = config.max_flows.min(RESERVED_FLOWS);
        Self::reserving(config, reserved)
    }

    /// A new engine whose flow table starts small and grows as the connections in flight
    /// need, up to `max_flows` as [`Engine::new`]'s: for a short-lived engine that reads one
    /// endpoint's packets (the evidence of an endpoint), where the whole table's reservation
    /// (200,000 entries, 89.6 MB of address space) would be taken for the length of a reading
    /// that holds a few connections. Growing by doubling leaves the smaller copies behind,
    /// which a long-running capture's engine must not; a reading's ends with it.
    pub fn growing(config: EngineConfig) -> Self {
        let reserved = config.max_flows.min(INDEX_START);
        Self::reserving(config, reserved)
    }

    /// A new engine with room for `reserved` flow-table entries.
    fn reserving(config: EngineConfig, reserved: usize) -> Self {
        let fold_from = (config.retention.fold_after).map_or(0, |n| n.saturating_add(1));
        let services = Services::new(config.services);
        Self {
            config,
            link_index: 0,
            frame_offset: 0,
            places: Vec::new(),
            // Reserved, not touched: growing by doubling would leave the smaller copies behind.
            entries: Vec::with_capacity(reserved),
            entries_held: 0,
            free: Vec::new(),
            // Grown as the connections in flight need: a small index stays in the cache.
            index: FlowIndex::with_capacity(reserved.min(INDEX_START)),
            hasher: KeyHasher::default(),
            zones: Zones::default(),
            evict_cursor: 0,
            timers: TimerQueue::default(),
            now: Timestamp(i64::MIN),
            totals: Totals::default(),
            first_ts: Timestamp(i64::MAX),
            last_ts: Timestamp(i64::MAX),
            series: BTreeMap::new(),
            minutes_before: None,
            folded_peaks: [Peak::default(); 2],
            series_seconds: 0,
            fold_from,
            fold_checked: i64::MIN,
            kept_from: None,
            services,
            scan_tally: ScanTally::default(),
            scans_counted_at: i64::MIN,
            reset_tuples: reset_tuples::ResetTuples::default(),
            finished: Vec::new(),
            incidents: Vec::new(),
        }
    }

    /// Processes one TCP packet. One whose time is more than [`NEW_CAPTURE_BACK_SECS`] before
    /// the latest packet's starts another capture: a file of captures appended to one another
    /// (`mergecap -a`, `cat`) repeats tuples, and the connections of the one before would take
    /// the packets of the next, whose time does not reach their timeouts. Everything in flight
    /// ends as at the end of a capture ([`Engine::finish`]), and packet time starts over.
    pub fn packet(&mut self, p: &TcpPacket<'_>) {
        self.one_packet::<true, false>(p);
    }

    /// `addr` (in `overlay`) answered SYNs with `ttls` where this engine does not see it: what
    /// a file of one endpoint's packets says of its host's SYN-ACKs on the capture's other
    /// ports ([`offenders::HostAnswers`]).
    pub fn host_answered(&mut self, addr: IpAddr, overlay: Overlay, ttls: cause::TtlRange) {
        self.services.host_answers.merge(addr, overlay, ttls);
    }

    /// [`Engine::packet`] for each of `packets` in turn, up to the first with SYN or RST,
    /// which is left to the caller: how many were taken. The engine's side of a file analysis
    /// hands over its batches this way, as it handles each SYN and RST on its own (a RST's
    /// payload, another file's copy): the per-packet work of most packets (data and ACKs of a
    /// known connection) runs inline in this loop, without a call and its register saving
    /// per packet, and the flags' test that ends the run is the one the packet's counting
    /// would make.
    ///
    /// The packets must be in no overlay network ([`TcpPacket::overlay`], which this loop
    /// does not read: a batch with tunnelled packets goes to [`Engine::packet`] one by one).
    pub fn packets_until_syn_or_rst(&mut self, packets: &[TcpPacket<'_>]) -> usize {
        let mut left = packets.iter();
        if self.totals.tcp_packets == 0 {
            // The capture's first packet is counted as it is analyzed, as one alone is: its
            // time is told by the count being one ([`Engine::count`]). The run's others are
            // counted once it ends.
            match left.next() {
                Some(p) if p.flags.0 & (TcpFlags::SYN | TcpFlags::RST) == 0 => self.packet(p),
                _ => return 0,
            }
        }
        // The place is worked out from what is left once the run ends, rather than counted
        // a packet at a time (a register the loop is short of, kept on the stack), and the
        // packets taken are counted then too.
        let uncounted = left.len();
        while let Some(p) = left.next() {
            if p.flags.0 & (TcpFlags::SYN | TcpFlags::RST) != 0 {
                self.totals.tcp_packets += (uncounted - left.len() - 1) as u64;
                return packets.len() - left.len() - 1;
            }
            debug_assert!(p.overlay.is_none(), "frame {}: in an overlay", p.frame);
            self.one_packet::<false, true>(p);
        }
        self.totals.tcp_packets += uncounted as u64;
        packets.len()
    }

    /// [`Engine::packet`]'s work, inline in both callers: the common case in line, the rest
    /// (a new entry, a packet that may move a deadline earlier) in calls of their own.
    /// `OVERLAYS`: the packet's overlay network is read (where false, it must have none).
    /// `IN_RUN`: the packet is one of a run, which counts its packets once it ends
    /// ([`Engine::packets_until_syn_or_rst`]); never the capture's first.
    #[inline(always)]
    fn one_packet<const OVERLAYS: bool, const IN_RUN: bool>(&mut self, p: &TcpPacket<'_>) {
        // Packet time moves first: time going forward (nearly always) starts no other
        // capture.
        if p.ts >= self.now {
            self.now = p.ts;
        } else if p.ts.0
            < self
                .now
                .0
                .saturating_sub(NEW_CAPTURE_BACK_SECS * Timestamp::NANOS_PER_SEC)
        {
            self.start_another_capture(p.ts);
        }
        self.count::<IN_RUN>(p);
        if self.timers.any_due(self.now) {
            self.fire_due();
        }
        if self.series_seconds >= self.fold_from {
            self.fold_old_seconds();
        }
        let acks_filtered = self.config.syn_fin_rst_only;
        // The entry looked up once for the common packet's steps, which need nothing else.
        let (found, side) = if !OVERLAYS && let Some(ends) = V4Ends::of(p, &self.hasher) {
            // Most packets: compared with the entry's key without making the packet's.
            let found = (self.index).find_in(ends.hash, &mut self.entries, |e| e.key.is(&ends));
            (found, ends.side)
        } else {
            let (key, side, hash) = if OVERLAYS {
                self.key_of(p)
            } else {
                FlowKey::of(p, &self.hasher)
            };
            let found = (self.index).find_in(hash, &mut self.entries, |e| e.key == key);
            (found, side)
        };
        let Some((idx, entry)) = found else {
            self.first_of_tuple::<OVERLAYS>(p);
            return;
        };
        if deadlines_only_later(entry, p) {
            // Most packets. Without SYN it neither replaces the connection (`is_reuse`) nor
            // starts an attempt (`track_attempt_syn`); without RST it is traffic.
            if traffic_steps::<true>(entry, p, side, acks_filtered) {
                self.traffic_rests::<true>(idx, p, side as u8);
            }
            debug_assert!(
                self.next_deadline(idx, self.now) >= self.entries[idx].timer_at,
                "flow entry {idx}: a packet moved a deadline earlier than its timer"
            );
            return;
        }
        self.other_packet(idx, p, side);
    }

    /// A packet of a tuple without an entry: the entry made (its key made again, out of the
    /// loop), then the packet, which has no connection to go to yet ([`Engine::other_packet`]).
    #[inline(never)]
    fn first_of_tuple<const OVERLAYS: bool>(&mut self, p: &TcpPacket<'_>) {
        let (key, side, hash) = if OVERLAYS {
            self.key_of(p)
        } else {
            FlowKey::of(p, &self.hasher)
        };
        let idx = self.new_entry(key, hash);
        self.other_packet(idx, p, side);
    }

    /// A packet of `idx` that may replace its connection, start an attempt, reset or move a
    /// deadline earlier: a call of its own, out of the loop of [`Engine::packets_until_syn_or_rst`].
    #[inline(never)]
    fn other_packet(&mut self, idx: usize, p: &TcpPacket<'_>, side: usize) {
        self.reuse_or_create(idx, p, side);
        self.track_attempt_syn(idx, p, side);
        if p.flags.rst() {
            self.reset(idx, p, side);
        } else {
            self.traffic(idx, p, side);
        }
        self.schedule(idx);
    }

    /// A TCP packet the capturing host dropped (the capture recorded it at its drop): it
    /// never reached the other side, so it is no packet of its connection (a dropped SYN
    /// starts no attempt, a dropped RST refuses or ends nothing) but an incident of its
    /// service endpoint, counted there ([`Offender::dropped`]), in the totals and in the
    /// seconds of both ([`SecondCounts::dropped`]). The service
    /// endpoint is the side its connection's SYN went to, where the engine saw that SYN (a
    /// dropped RST answering a delivered SYN), else as for any packet: a SYN's receiver, a
    /// SYN-ACK's sender, otherwise the lower port. Its time does not move packet time.
    pub fn dropped(&mut self, p: &TcpPacket<'_>, drop: &DropNote<'_>) {
        self.totals.dropped_packets += 1;
        self.totals.dropped_syn += u64::from(drop.syn);
        self.totals.dropped_rst += u64::from(drop.rst);
        let (key, side, hash) = self.key_of(p);
        let entries = &self.entries;
        let known = (self.index.find(hash, |i| entries[i as usize].key == key))
            .and_then(|i| entries[i as usize].conn.as_ref())
            .map(|c| usize::from(c.server_side));
        let server_side = known.unwrap_or_else(|| {
            let (syn, ack) = (p.flags.syn(), p.flags.ack());
            let to_dst = if syn { !ack } else { p.dport < p.sport };
            // `side` is the sender's.
            if to_dst { 1 - side } else { side }
        });
        let from_server = server_side == side;
        let (server, client) = if from_server {
            ((p.src, p.sport, p.overlay), p.dst)
        } else {
            ((p.dst, p.dport, p.overlay), p.src)
        };
        let sec = global_second(
            &mut self.series,
            &mut self.series_seconds,
            self.minutes_before,
            p.ts,
        );
        sec.dropped += 1;
        sec.incidents += 1;
        let place = self.place(p.interface);
        if let Some(mut endpoint) = self.services.get(server) {
            endpoint.dropped(p.ts, client, drop, from_server);
            endpoint.seen_on.note(place);
        }
    }

    /// [`FlowKey::of`] with the packet's overlay network: a tunnelled packet's key carries
    /// its number ([`FlowKey::in_zone`]) and is hashed with it.
    #[inline(always)]
    fn key_of(&mut self, p: &TcpPacket<'_>) -> (FlowKey, usize, u64) {
        let (key, side, hash) = FlowKey::of(p, &self.hasher);
        if p.overlay.is_none() {
            return (key, side, hash);
        }
        self.key_in_overlay(key, side, p.overlay)
    }

    /// [`Engine::key_of`] for a packet in an overlay network: out of line.
    #[cold]
    #[inline(never)]
    fn key_in_overlay(
        &mut self,
        key: FlowKey,
        side: usize,
        overlay: Overlay,
    ) -> (FlowKey, usize, u64) {
        let key = key.in_zone(self.zones.zone_of(overlay));
        (key, side, self.hasher.hash(&key))
    }

    /// The service endpoint on `side` of `key`: its address, port and overlay network.
    fn endpoint_of(&self, key: &FlowKey, side: usize) -> ServiceKey {
        (
            key.addr(side),
            key.port[side],
            self.zones.overlay(key.zone()),
        )
    }

    /// Ends the capture: every pending attempt has failed, every connection finishes with
    /// its current state. The capture ends with its last TCP packet: [`Engine::finish_at`]
    /// where other frames came after it.
    pub fn finish(&mut self) {
        self.finish_at(self.now);
    }

    /// [`Engine::finish`] for a capture whose last frame, of any protocol, came at `end`.
    /// An attempt pending then fails unanswered as the others do (Zeek's S0); one whose first
    /// SYN was less than [`ATTEMPT_UNANSWERED_SECS`] before `end` is also counted apart at its
    /// endpoint ([`Offender::cut_off`]): too soon to tell a dropped SYN from a slow answer.
    /// One whose SYNs went on longer than that was given up on, however recent its last
    /// retransmission.
    pub fn finish_at(&mut self, end: Timestamp) {
        let end = end.max(self.now);
        for idx in 0..self.entries.len() {
            if !self.entries[idx].live {
                continue;
            }
            if let Some(a) = self.entries[idx].attempt
                && a.status == AttemptStatus::Pending
            {
                let cut_off = end < a.first_syn().plus_secs(ATTEMPT_UNANSWERED_SECS);
                self.fail_attempt_as(idx, a.last_syn, Failure::Unanswered, cut_off);
                if cut_off {
                    self.cut_off(idx, &a, end);
                }
            }
            self.finish_conn(idx);
            self.release(idx);
        }
        self.timers.clear();
    }

    /// Ends the capture so far as [`Engine::finish`] does, and starts another at `t`.
    #[cold]
    fn start_another_capture(&mut self, t: Timestamp) {
        self.finish();
        self.count_scans();
        self.totals.new_captures += 1;
        // Every entry was released: the next capture's are numbered afresh, so that a file
        // stepping back and forth costs a pass over the entries of one capture each time,
        // not over the most ever held. The memory the table took stays charged.
        self.entries.clear();
        self.free.clear();
        self.evict_cursor = 0;
        self.reset_tuples.clear();
        self.now = t;
        self.scans_counted_at = t.second();
    }

    /// Notes at its service endpoint that the entry's attempt `a` was still waiting for an
    /// answer when the capture ended at `end`.
    fn cut_off(&mut self, idx: usize, a: &Attempt, end: Timestamp) {
        let key = self.entries[idx].key;
        let server_side = usize::from(1 - a.client_side);
        if let Some(mut s) = self.services.get(self.endpoint_of(&key, server_side)) {
            s.note_cut_off(a.last_syn, a.first_syn(), end);
        }
    }

    /// Times packet time went back so far that another capture started ([`Engine::packet`]).
    pub fn new_captures(&self) -> u64 {
        self.totals.new_captures
    }

    /// Finished connections since the last call (only with `keep_connections`).
    pub fn drain_connections(&mut self) -> std::vec::Drain<'_, ConnRecord> {
        self.finished.drain(..)
    }

    /// Takes the packets from now on as captured with a SYN/FIN/RST-only filter
    /// ([`EngineConfig::syn_fin_rst_only`]), as when a file turns out to say it was.
    pub fn assume_syn_fin_rst_only(&mut self) {
        self.config.syn_fin_rst_only = true;
    }

    /// Starts (or stops) keeping incidents from now on, as when a capture turns out to carry
    /// process information to tie them to.
    pub fn set_keep_incidents(&mut self, keep: bool) {
        self.config.keep_incidents = keep;
        if !keep {
            self.incidents.clear();
        }
    }

    /// Incidents since the last call, in the order they happened (only with
    /// `keep_incidents`; the caller drains them, so they do not pile up).
    pub fn drain_incidents(&mut self) -> std::vec::Drain<'_, Incident> {
        self.incidents.drain(..)
    }

    /// Everything known now.
    pub fn snapshot(&self) -> Snapshot {
        let mut live_conn_states = [0u64; 13];
        for e in self.entries.iter().filter(|e| e.live) {
            if let Some(c) = &e.conn {
                live_conn_states[c.zeek.conn_state().index()] += 1;
            }
        }
        let mut peaks = self.folded_peaks;
        let recent = self.series.range(self.minutes_before.unwrap_or(i64::MIN)..);
        for (&sec, c) in recent {
            peaks[0].offer(sec, c.rst_total());
            peaks[1].offer(sec, c.failed());
        }
        let (offenders, scans) = self.services.offenders(&self.scan_tally);
        let scans_found = self.services.scans_found(&scans);
        Snapshot {
            totals: self.totals(),
            live_conn_states,
            series: self.series.iter().map(|(&s, &c)| (s, c)).collect(),
            minutes_before: self.minutes_before,
            kept_from: self.kept_from,
            peak_rst: self.folded_peaks[0].max(peaks[0]),
            peak_failed: self.folded_peaks[1].max(peaks[1]),
            offenders,
            scans,
            scans_found,
            other_endpoints: self.services.other,
            live_flows: self.index.len(),
            places: self.places.clone(),
        }
    }

    /// The LINUX_SLL2 interface index of the packets given next (0: none, the frame is of
    /// another link type), until set again: where their attempts and resets are noted as seen
    /// ([`Offender::seen_on`]). Only SYNs and RSTs need it.
    pub fn set_link_index(&mut self, index: u32) {
        self.link_index = index;
    }

    /// The frames before the packets given next, until set again: their frame numbers
    /// ([`TcpPacket::frame`]) count from the start of a part of the capture read on its own
    /// (the chunks of a file decoded on two threads), and the engine adds this where it keeps
    /// one (a connection's first frame, a suspect reset's), so that nobody writes every packet
    /// of the part again: that pass over the packets, on the engine's thread, cost the
    /// reading thread's next writes into their cache lines (docs/benchmarks.md, s51).
    pub fn set_frame_offset(&mut self, frames: u64) {
        self.frame_offset = frames;
    }

    /// The number of `p`'s frame in the capture.
    fn frame_of(&self, p: &TcpPacket<'_>) -> u64 {
        p.frame + self.frame_offset
    }

    /// The [`SeenOn`] bit of a packet seen on capture interface `interface` (with the
    /// [`Engine::set_link_index`] in force): where an attempt, a reset or a drop is counted,
    /// not per packet.
    fn place(&mut self, interface: u32) -> u32 {
        let place = (interface, self.link_index);
        if let Some(at) = self.places.iter().position(|&p| p == place) {
            return at as u32;
        }
        if self.places.len() < SeenOn::LATER as usize {
            self.places.push(place);
            return (self.places.len() - 1) as u32;
        }
        SeenOn::LATER
    }

    /// Folds the seconds older than the per-second window into minutes, here and at every
    /// endpoint: once the capture holds more than [`series::Retention::fold_after`] seconds
    /// with something in them (a sparse capture, however long, keeps every second), or, with
    /// no such threshold, as soon as anything is older than the window. Then drops what is
    /// older than [`series::Retention::kept`], if set.
    fn fold_old_seconds(&mut self) {
        let retention = self.config.retention;
        let now = self.now.second();
        let boundary = series::boundary(now, retention.seconds);
        if self.minutes_before.is_some_and(|b| b >= boundary) || self.fold_checked >= boundary {
            return;
        }
        self.fold_checked = boundary;
        let older = |s: &BTreeMap<i64, SecondCounts>| {
            s.first_key_value().is_some_and(|(&k, _)| k < boundary)
        };
        if self.minutes_before.is_none()
            && !older(&self.series)
            && !self.services.any_before(boundary)
        {
            // Nothing to fold: the series stay "every second" (as a short capture's are).
            return;
        }
        let peaks = &mut self.folded_peaks;
        series::fold(&mut self.series, self.minutes_before, boundary, |sec, c| {
            peaks[0].offer(sec, c.rst_total());
            peaks[1].offer(sec, c.failed());
        });
        self.services.fold(boundary);
        self.minutes_before = Some(boundary);
        if let Some(from) = retention.kept_from(now).filter(|&f| f <= boundary) {
            series::drop_before(&mut self.series, from, |_| {});
            self.services.drop_before(from);
            self.kept_from = Some(from);
        }
        self.series_seconds = self.series.range(boundary..).count();
    }

    /// [`Engine::count_scans`] when [`SCAN_COUNT_SECS`] of packet time went by since it last
    /// did: looked at on each connection attempt and incident, before they change what the
    /// scans are (a scan stops being one only by the attempts and incidents of its endpoints).
    #[inline]
    fn count_scans_each_minute(&mut self) {
        if self.now.second() >= self.scans_counted_at.saturating_add(SCAN_COUNT_SECS) {
            self.count_scans();
        }
    }

    /// Counts the scans found now that were not counted yet ([`Snapshot::scans_found`]).
    #[cold]
    fn count_scans(&mut self) {
        self.scans_counted_at = self.now.second();
        self.services.count_scans(&self.scan_tally);
    }

    /// The global counts of the second of `t` (of its minute, if folded).
    fn second_mut(&mut self, t: Timestamp) -> &mut SecondCounts {
        self.count_scans_each_minute();
        global_second(
            &mut self.series,
            &mut self.series_seconds,
            self.minutes_before,
            t,
        )
    }

    /// Counts `p` in the totals; `IN_RUN`: but for the packet count, which its run adds
    /// ([`Engine::one_packet`]).
    fn count<const IN_RUN: bool>(&mut self, p: &TcpPacket<'_>) {
        let t = &mut self.totals;
        if !IN_RUN {
            t.tcp_packets += 1;
        }
        // One test for most packets, which have neither flag.
        if p.flags.0 & (TcpFlags::SYN | TcpFlags::RST) != 0 {
            if p.flags.rst() {
                t.rst_packets += 1;
            }
            if p.flags.syn() {
                if p.flags.ack() {
                    t.synack_packets += 1;
                    // What its host answers SYNs with, for its refusals to be compared with.
                    if !p.flags.rst() {
                        self.services.host_answers.add(p.src, p.overlay, p.ttl);
                    }
                } else {
                    t.syn_packets += 1;
                }
            }
        }
        if p.ts >= self.last_ts {
            // Time going forward (nearly always): the first time stays, no reversal.
            self.last_ts = p.ts;
            return;
        }
        // A packet of a run is never the capture's first: the count says which is.
        let first = !IN_RUN && self.totals.tcp_packets == 1;
        self.count_first_or_earlier(p.ts, first);
    }

    /// [`Engine::count`]'s times for the capture's first packet or one stamped before the
    /// latest. The first packet comes here as `last_ts` starts at the end of time; one
    /// stamped there itself took the first time's place already, `first_ts` starting there too.
    fn count_first_or_earlier(&mut self, ts: Timestamp, first: bool) {
        self.first_ts = self.first_ts.min(ts);
        if first {
            self.last_ts = ts;
        } else if ts.0 < self.last_ts.0.saturating_sub(Timestamp::NANOS_PER_SEC) {
            self.totals.time_reversals += 1;
        }
    }

    /// The totals, with the first and last packet times as [`Engine::count`] keeps them.
    fn totals(&self) -> Totals {
        let seen = self.totals.tcp_packets > 0;
        Totals {
            first_ts: seen.then_some(self.first_ts),
            last_ts: seen.then_some(self.last_ts),
            ..self.totals.clone()
        }
    }

    /// A live capture with no packet coming: packet time moves on to `t` all the same, so
    /// that an attempt nobody answers is judged 10 s after its SYN, not when the next packet
    /// comes (perhaps never: the capture's end). `t` must be a time every packet still to come
    /// is stamped after, as [`Engine::packet`]'s are; a later packet stamped earlier is taken
    /// as an out-of-order one.
    pub fn advance_while_quiet(&mut self, t: Timestamp) {
        // As a packet at `t` moves it ([`Engine::packet`], which makes the same steps in line).
        if t > self.now {
            self.now = t;
        }
        if self.timers.any_due(self.now) {
            self.fire_due();
        }
    }

    /// The timers due by now, fired.
    #[inline(never)]
    fn fire_due(&mut self) {
        while let Some((due, idx, generation)) = self.timers.pop_due(self.now) {
            let i = idx as usize;
            let e = &self.entries[i];
            if !e.live || e.generation != generation || e.timer_at != due {
                continue;
            }
            self.entries[i].timer_at = NO_TIMER;
            self.on_timer(i, due);
            self.ensure_progress(i, generation, due);
        }
    }

    /// A timer that fired at `due` must not be due again at `due` or before: each packet would
    /// pop it forever. `on_timer` acts on every deadline `schedule_at` sets, so this does not
    /// happen; should a future change break that, debug builds stop here, and release builds
    /// put the timer after the current packet time, so it fires at most once per packet.
    fn ensure_progress(&mut self, idx: usize, generation: u32, due: Timestamp) {
        let e = &self.entries[idx];
        if !e.live || e.generation != generation || e.timer_at > due {
            return;
        }
        debug_assert!(
            false,
            "the timer of flow entry {idx} fired at {due:?} and is due again at {:?}",
            e.timer_at
        );
        let later = Timestamp(self.now.0.saturating_add(1));
        self.entries[idx].timer_at = later;
        if later < NO_TIMER {
            self.timers.push((later, idx as u32, generation));
        }
    }

    fn on_timer(&mut self, idx: usize, t: Timestamp) {
        let expired = match &mut self.entries[idx].conn {
            Some(c) => c.zeek.expired_at(t),
            None => false,
        };
        if expired {
            self.finish_conn(idx);
        }
        if let Some(a) = self.entries[idx].attempt
            && a.status == AttemptStatus::Pending
            && t >= a.last_syn.plus_secs(ATTEMPT_UNANSWERED_SECS)
        {
            self.fail_attempt(idx, a.last_syn, Failure::Unanswered);
        }
        // Then, as a separate step, what the attempt has become: one that failed just above
        // may be past its memory deadline too. The timer fires that late when the SYN is
        // 130 s or more older than the packet time already reached (the capture's time went
        // back): its deadlines, both past, are lifted to the packet time, or the connection's
        // idle deadline comes first. `schedule_at` would then put the memory deadline at `t`
        // again.
        if let Some(a) = self.entries[idx].attempt {
            let has_conn = self.entries[idx].conn.is_some();
            match a.status {
                // Forgotten on time even while its tuple carries a connection (a retry of a
                // refused SYN that was answered at last, a SYN-ACK that did not acknowledge
                // the SYN): the deadline `schedule_at` sets for it must be acted on.
                AttemptStatus::Failed(_) if t >= a.last_syn.plus_secs(ATTEMPT_MEMORY_SECS) => {
                    self.entries[idx].attempt = None;
                }
                AttemptStatus::SynAcked | AttemptStatus::Completed if !has_conn => {
                    self.entries[idx].attempt = None;
                }
                _ => {}
            }
        }
        let e = &self.entries[idx];
        if e.conn.is_none() && e.attempt.is_none() {
            self.release(idx);
        } else {
            self.schedule_at(idx, t);
        }
    }

    /// Puts the entry's next deadline on the heap if it is earlier than the one there.
    fn schedule(&mut self, idx: usize) {
        let now = self.now;
        self.schedule_at(idx, now);
    }

    fn schedule_at(&mut self, idx: usize, now: Timestamp) {
        let due = self.next_deadline(idx, now);
        let e = &self.entries[idx];
        if due < e.timer_at {
            let generation = e.generation;
            self.entries[idx].timer_at = due;
            self.timers.push((due, idx as u32, generation));
        }
    }

    /// The entry's next deadline: its connection's next check or its attempt's.
    fn next_deadline(&self, idx: usize, now: Timestamp) -> Timestamp {
        let e = &self.entries[idx];
        let mut due = NO_TIMER;
        if let Some(c) = &e.conn {
            due = due.min(c.zeek.next_check(now));
        }
        if let Some(a) = &e.attempt {
            let d = match a.status {
                AttemptStatus::Pending => a.last_syn.plus_secs(ATTEMPT_UNANSWERED_SECS),
                AttemptStatus::Failed(_) => a.last_syn.plus_secs(ATTEMPT_MEMORY_SECS),
                // Dropped when the connection goes; that needs no timer of its own.
                AttemptStatus::SynAcked | AttemptStatus::Completed => {
                    if e.conn.is_some() {
                        NO_TIMER
                    } else {
                        now
                    }
                }
            };
            due = due.min(d.max(now));
        }
        due
    }

    /// A new slot for `key` (not in the index), evicting when full.
    #[inline(never)]
    fn new_entry(&mut self, key: FlowKey, hash: u64) -> usize {
        if self.index.len() >= self.config.max_flows.max(1) {
            self.evict_one();
        }
        let entry = Entry {
            key,
            generation: 0,
            conn: None,
            attempt: None,
            timer_at: NO_TIMER,
            live: true,
        };
        let i = if let Some(i) = self.free.pop() {
            let generation = self.entries[i as usize].generation.wrapping_add(1);
            self.entries[i as usize] = Entry {
                generation,
                ..entry
            };
            i as usize
        } else {
            self.entries.push(entry);
            // The endpoints' series and client sets share memory with the flow table: as
            // much as it ever held (another capture starts it empty, its room still taken).
            if self.entries.len() > self.entries_held {
                self.entries_held = self.entries.len();
                self.services.flows_hold(self.entries_held * FLOW_CHARGE);
            }
            self.entries.len() - 1
        };
        let (entries, hasher) = (&self.entries, &self.hasher);
        self.index
            .insert(hash, i as u32, |j| hasher.hash(&entries[j as usize].key));
        i
    }

    /// Ends the entry whose timer is nearest: the one that would have ended soonest anyway.
    /// Entries whose deadline lies past the end of time (packet times near `i64::MAX`) have no
    /// timer; when only those are left, any one goes, so the table never outgrows its cap.
    fn evict_one(&mut self) {
        let mut victim = None;
        while let Some((due, idx, generation)) = self.timers.pop() {
            let e = &self.entries[idx as usize];
            if e.live && e.generation == generation && e.timer_at == due {
                victim = Some(idx as usize);
                break;
            }
        }
        let Some(i) = victim.or_else(|| self.any_live_entry()) else {
            return;
        };
        if let Some(a) = self.entries[i].attempt
            && a.status == AttemptStatus::Pending
        {
            self.fail_attempt(i, a.last_syn, Failure::Unanswered);
        }
        self.finish_conn(i);
        self.release(i);
        self.totals.evicted += 1;
    }

    /// A live entry, found from where the last search stopped (deterministic, and amortized
    /// constant time when most slots are live).
    fn any_live_entry(&mut self) -> Option<usize> {
        let n = self.entries.len();
        for k in 0..n {
            let i = (self.evict_cursor + k) % n;
            if self.entries[i].live {
                self.evict_cursor = i + 1;
                return Some(i);
            }
        }
        None
    }

    fn release(&mut self, idx: usize) {
        let e = &mut self.entries[idx];
        if !e.live {
            return;
        }
        e.live = false;
        e.conn = None;
        e.attempt = None;
        e.timer_at = NO_TIMER;
        let hash = self.hasher.hash(&e.key);
        self.index.remove(hash, idx as u32);
        self.free.push(idx as u32);
    }

    /// Records the connection on `idx` as finished and removes it.
    fn finish_conn(&mut self, idx: usize) {
        // Read where it is and emptied after: taking it out would copy the whole connection
        // (hundreds of bytes) for every one that ends.
        let Some(c) = self.entries[idx].conn.as_ref() else {
            return;
        };
        let (start_time, last_time) = (c.zeek.start_time, c.zeek.last_time);
        let state = c.zeek.conn_state();
        self.totals.conn_states[state.index()] += 1;
        if self.config.keep_connections {
            let key = self.entries[idx].key;
            let o = usize::from(c.orig_side);
            self.finished.push(ConnRecord {
                orig: (key.addr(o), key.port[o]),
                resp: (key.addr(1 - o), key.port[1 - o]),
                overlay: self.zones.overlay(key.zone()),
                state,
                history: c.zeek.history.as_str().to_string(),
                rst_count: c.rst_count,
                rst_cause: c.ending_cause(),
                suspect_injected: c.suspect_count,
                start: c.zeek.start_time,
                duration_ns: c.zeek.last_time.0.saturating_sub(c.zeek.start_time.0),
                packets: c.packets,
                first_frame: c.first_frame,
            });
        }
        self.entries[idx].conn = None;
        // An attempt answered by a SYN-ACK but never acknowledged neither failed nor
        // succeeded; it does not outlive its connection. Its endpoint counts it (a half-open
        // scan's open port): rare, so the lookup costs ordinary connections nothing.
        if let Some(a) = self.entries[idx].attempt
            && matches!(a.status, AttemptStatus::SynAcked | AttemptStatus::Completed)
        {
            self.entries[idx].attempt = None;
            if a.status == AttemptStatus::SynAcked {
                let key = self.entries[idx].key;
                let server = usize::from(1 - a.client_side);
                let srv = self.endpoint_of(&key, server);
                let client = key.addr(usize::from(a.client_side));
                self.scan_tally
                    .answer_at(client, srv, Answer::HalfOpen, None);
                if let Some(mut s) = self.services.get(srv) {
                    s.synack_left += 1;
                    // From its SYN to its last SYN-ACK sent again.
                    s.answered_in(start_time);
                    s.answered_in(last_time);
                }
            }
        }
    }

    /// Starts a new connection when there is none or the packet reuses the tuple.
    fn reuse_or_create(&mut self, idx: usize, p: &TcpPacket<'_>, side: usize) {
        if let Some(c) = &self.entries[idx].conn {
            let from_orig = side == usize::from(c.orig_side);
            if c.zeek.is_reuse(from_orig, p.seq, p.flags) {
                self.finish_conn(idx);
            }
        }
        if self.entries[idx].conn.is_none() {
            let flipped = flip_on_first_packet(p.sport, p.dport, p.flags);
            let orig_side = if flipped { 1 - side } else { side } as u8;
            let first_frame = self.frame_of(p);
            let conn = Conn::new(p, side, orig_side, flipped, first_frame);
            self.entries[idx].conn = Some(conn);
        }
    }

    /// Attempt bookkeeping for a SYN without ACK. A SYN with FIN (or RST) is no connect: no
    /// TCP stack sends one to open a connection, and none opens one for it (nmap's SYN, FIN,
    /// PSH, URG probe of a port). Zeek's history marks it `Q`; its connection stays (`SH`),
    /// but it is no attempt and cannot fail.
    fn track_attempt_syn(&mut self, idx: usize, p: &TcpPacket<'_>, side: usize) {
        if !p.flags.syn() || p.flags.ack() || p.flags.rst() || p.flags.fin() {
            return;
        }
        let side = side as u8;
        if let Some(a) = &mut self.entries[idx].attempt
            && a.client_side == side
            && a.isn == p.seq
        {
            // Before this SYN: its first SYN's time (exact while the span is not capped) and
            // whether it was sent again already.
            let (first, resent, exact) = (a.first_syn(), a.resent(), !a.span_capped());
            a.add_syn(p.ts);
            match a.status {
                AttemptStatus::Pending => self.syn_resent(idx, side),
                AttemptStatus::Failed(Failure::Unanswered) if exact => {
                    self.syn_resent_after_giving_up(idx, side, (first, p.ts), resent);
                }
                _ => {}
            }
            return;
        }
        self.start_attempt(idx, side, p.seq, (p.ts, p.interface));
    }

    /// Counts at its endpoint a SYN the client on `side` of the entry sent again, its attempt
    /// not answered yet. Apart and cold: only a SYN sent again comes here.
    #[cold]
    #[inline(never)]
    fn syn_resent(&mut self, idx: usize, side: u8) {
        let key = self.entries[idx].key;
        let server = self.endpoint_of(&key, usize::from(1 - side));
        if let Some(mut s) = self.services.get(server) {
            s.resends.syns = s.resends.syns.saturating_add(1);
        }
    }

    /// Counts at its endpoint a SYN the client on `side` of the entry sent again after its
    /// attempt was given up on unanswered (no SYN for [`ATTEMPT_UNANSWERED_SECS`]), its SYNs
    /// from `syns.0` to this one's `syns.1`; `resent`: one was sent again before. Windows
    /// waits 16 s, then 32 s, before its last two: the client kept trying, and the sentence
    /// counted neither those SYNs nor their time ("sent again 72 times ... over up to 19.1 s"
    /// where Wireshark counts 84 retransmissions over 67.4 s). Cold: only such a SYN comes
    /// here.
    #[cold]
    #[inline(never)]
    fn syn_resent_after_giving_up(
        &mut self,
        idx: usize,
        side: u8,
        syns: (Timestamp, Timestamp),
        resent: bool,
    ) {
        let key = self.entries[idx].key;
        let server = self.endpoint_of(&key, usize::from(1 - side));
        if let Some(mut s) = self.services.get(server) {
            s.resends.syns = s.resends.syns.saturating_add(1);
            s.resends.resent_after_giving_up(syns.0, syns.1, resent);
        }
    }

    /// Notes at its endpoint that the entry's attempt `a` was answered by a SYN-ACK at `at`
    /// only after its SYN was sent again: an incident of its own (the client waited), told
    /// by the diagnosis as a listen queue that overflowed or a slow path. Cold: only such an
    /// attempt's SYN-ACK comes here.
    #[cold]
    #[inline(never)]
    fn answered_late(&mut self, idx: usize, a: Attempt, at: Timestamp) {
        let key = self.entries[idx].key;
        let server = self.endpoint_of(&key, usize::from(1 - a.client_side));
        let client = key.addr(usize::from(a.client_side));
        self.totals.late_answers += 1;
        if self.config.keep_incidents {
            self.incidents.push(Incident {
                at,
                server,
                client: (client, key.port[usize::from(a.client_side)]),
                kind: IncidentKind::AnsweredLate,
            });
        }
        let sec = self.second_mut(at);
        sec.late += 1;
        sec.incidents += 1;
        if let Some(mut s) = self.services.get(server) {
            s.resends.answered_late(a.first_syn(), a.last_syn, at);
            s.second(at).late += 1;
            s.incident(at, client);
        }
    }

    /// Starts the entry's attempt of the SYN from `side` with `isn` at `at`, seen on capture
    /// interface `interface`, the attempt before it given up on if it was still waiting.
    fn start_attempt(&mut self, idx: usize, side: u8, isn: u32, (at, interface): (Timestamp, u32)) {
        if let Some(old) = self.entries[idx].attempt
            && old.status == AttemptStatus::Pending
        {
            self.fail_attempt(idx, old.last_syn, Failure::Unanswered);
        }
        self.entries[idx].attempt = Some(Attempt::new(side, isn, at));
        self.totals.attempts += 1;
        let key = self.entries[idx].key;
        let server = self.endpoint_of(&key, usize::from(1 - side));
        let client = key.addr(usize::from(side));
        // Before the attempt changes what a scan of this client is.
        self.count_scans_each_minute();
        self.scan_tally.attempt_at(client, server);
        let place = self.place(interface);
        if let Some(mut s) = self.services.get(server) {
            s.attempt_from(client);
            s.seen_on.note(place);
        }
    }

    /// Marks the entry's attempt failed, counting it in the second of `at`.
    fn fail_attempt(&mut self, idx: usize, at: Timestamp, how: Failure) {
        self.fail_attempt_as(idx, at, how, false);
    }

    /// [`Engine::fail_attempt`]; `cut_off`: unanswered because the capture ended too soon
    /// after its last SYN, which the scan tally keeps apart from a SYN given up on.
    fn fail_attempt_as(&mut self, idx: usize, at: Timestamp, how: Failure, cut_off: bool) {
        let key = self.entries[idx].key;
        let Some(a) = &mut self.entries[idx].attempt else {
            return;
        };
        if matches!(a.status, AttemptStatus::Failed(_)) {
            return;
        }
        let answered = a.status == AttemptStatus::SynAcked;
        let first_syn = a.first_syn();
        a.status = AttemptStatus::Failed(how);
        let client_side = usize::from(a.client_side);
        self.totals.failed_attempts += 1;
        let sec = self.second_mut(at);
        sec.failed_by[how.index()] += 1;
        sec.incidents += 1;
        let server: ServiceKey = self.endpoint_of(&key, 1 - client_side);
        if self.config.keep_incidents {
            self.incidents.push(Incident {
                at,
                server,
                client: (key.addr(client_side), key.port[client_side]),
                kind: IncidentKind::Failed(how),
            });
        }
        let answer = match how {
            Failure::Refused => Answer::Refused,
            Failure::Unanswered if cut_off => Answer::UnansweredAtEnd,
            Failure::Unanswered => Answer::Unanswered,
            Failure::Reset if answered => Answer::HalfOpen,
            Failure::Reset => Answer::Other,
        };
        let client = key.addr(client_side);
        self.scan_tally.answer_at(client, server, answer, Some(at));
        if let Some(mut s) = self.services.get(server) {
            match how {
                Failure::Refused => s.failed_refused += 1,
                Failure::Reset => s.failed_reset += 1,
                Failure::Unanswered => s.failed_unanswered += 1,
            }
            if how == Failure::Unanswered && !cut_off {
                s.resends.given_up(first_syn, at);
            }
            if answered && how == Failure::Reset {
                s.synack_reset += 1;
                s.answered_in(at);
            }
            let sec = s.second(at);
            sec.failed_by[how.index()] += 1;
            s.incident(at, key.addr(client_side));
        }
    }

    /// A packet without RST: feeds Zeek's state machine, the side statistics, the attempt,
    /// and any evidence that an earlier RST of the same sender was injected. The common
    /// packet takes the same steps in line ([`Engine::packets_until_syn_or_rst`]), with SYN,
    /// FIN and RST known clear.
    fn traffic(&mut self, idx: usize, p: &TcpPacket<'_>, side: usize) {
        let acks_filtered = self.config.syn_fin_rst_only;
        if traffic_steps::<false>(&mut self.entries[idx], p, side, acks_filtered) {
            self.traffic_rests::<false>(idx, p, side as u8);
        }
    }

    /// [`Engine::traffic`]'s steps for a connection with resets or an attempt still open, a
    /// call of its own so that the loop of [`Engine::packets_until_syn_or_rst`] keeps its
    /// registers for the common packet.
    #[inline(never)]
    fn traffic_rests<const PLAIN: bool>(&mut self, idx: usize, p: &TcpPacket<'_>, s: u8) {
        let flags = zeek::known_flags::<PLAIN>(p.flags);
        let acks_filtered = self.config.syn_fin_rst_only;
        let entry = &mut self.entries[idx];
        let Some(c) = &mut entry.conn else {
            return;
        };
        // A later packet can show an earlier RST of this sender had a foreign TTL.
        let mut newly_suspect = 0;
        // The notes whose evidence grew (bit i: note i), and of them those that were not
        // suspect before: read again below only then, so most packets pay two registers.
        let (mut grown, mut newly) = (0u8, 0u8);
        if c.rst_count > 0 {
            for (i, note) in c.rsts.iter_mut().enumerate() {
                if let Some(note) = note
                    && note.side() == s
                    && !note.has_ttl_evidence()
                    && let Some(usual) = c.sides[usize::from(s)].ttl.outlier(note.ttl)
                {
                    let was = note.is_suspect();
                    note.set_usual_ttl(usual);
                    grown |= 1 << i;
                    if !was {
                        newly_suspect += 1;
                        newly |= 1 << i;
                    }
                }
            }
        }
        let server = c.server_side;
        if newly_suspect > 0 {
            // Written only then: the count lies past the connection's hot part.
            c.suspect_count += newly_suspect;
        }
        // The attempt: answered by a SYN-ACK, completed by the originator's ACK or data. Once
        // completed or failed (most packets' case) nothing here changes it.
        if let Some(a) = &mut entry.attempt
            && matches!(a.status, AttemptStatus::Pending | AttemptStatus::SynAcked)
        {
            let client = a.client_side;
            let answered =
                s != client && flags.syn() && flags.ack() && p.ack == a.isn.wrapping_add(1);
            let client_goes_on = s == client && !flags.syn() && (flags.ack() || p.payload_len > 0);
            // Answered only after its SYN was sent again: told at its endpoint below.
            let late = (answered && a.status == AttemptStatus::Pending && a.resent()).then_some(*a);
            if answered && !acks_filtered && a.status == AttemptStatus::Pending {
                a.status = AttemptStatus::SynAcked;
            } else if client_goes_on || (answered && acks_filtered) {
                a.status = AttemptStatus::Completed;
                let key = entry.key;
                let srv = self.endpoint_of(&key, usize::from(1 - client));
                let client = key.addr(usize::from(client));
                self.scan_tally
                    .answer_at(client, srv, Answer::Completed, None);
                if let Some(mut st) = self.services.get(srv) {
                    st.completed += 1;
                    st.answered_in(p.ts);
                    st.second(p.ts).completed += 1;
                }
            }
            if let Some(a) = late {
                self.answered_late(idx, a, p.ts);
            }
        }
        if grown != 0 {
            for i in 0..RST_NOTES {
                let note = self.entries[idx]
                    .conn
                    .as_ref()
                    .and_then(|c| c.rsts.get(i).copied().flatten());
                if grown & (1 << i) != 0
                    && let Some(note) = note
                {
                    let newly = newly & (1 << i) != 0;
                    let found = (note.cause, note.suspicion());
                    self.suspect_found(idx, server, s, p.ts, found, newly);
                }
            }
        }
    }

    /// Evidence of injection found after the reset, from a later packet of its sender `side`:
    /// a suspect reset more when `newly`, else evidence added to one flagged already.
    fn suspect_found(
        &mut self,
        idx: usize,
        server_side: u8,
        side: u8,
        t: Timestamp,
        (cause, suspicion): (Cause, Suspicion),
        newly: bool,
    ) {
        if newly {
            self.totals.suspect_injected += 1;
            self.second_mut(t).suspect += 1;
        }
        let key = self.entries[idx].key;
        let at = |side: u8| (key.addr(usize::from(side)), key.port[usize::from(side)]);
        let (srv, client) = (
            self.endpoint_of(&key, usize::from(server_side)),
            at(1 - server_side),
        );
        if let Some(mut s) = self.services.get(srv) {
            if newly {
                s.suspect_injected += 1;
                s.second(t).suspect += 1;
            }
            s.suspect(SuspectRst {
                at: t,
                frame: None,
                client,
                from_server: side == server_side,
                cause,
                suspicion,
            });
        }
    }

    /// The attempt of a SYN from `client_side` with `isn` that the capture lost and a refusal
    /// at `at` (its time and capture interface) shows ([`refuses_lost_syn`]): the entry's attempt if it is that SYN's (refused
    /// again: a retransmission), else a new one.
    fn attempt_of_lost_syn(&mut self, idx: usize, client_side: u8, isn: u32, at: (Timestamp, u32)) {
        if self.entries[idx]
            .attempt
            .is_some_and(|a| a.client_side == client_side && a.isn == isn)
        {
            return;
        }
        self.start_attempt(idx, client_side, isn, at);
    }

    /// A packet with RST: its cause, acceptability and evidence, then Zeek's state machine
    /// (which an unacceptable RST does not reach: it does not end the connection).
    fn reset(&mut self, idx: usize, p: &TcpPacket<'_>, side: usize) {
        let key = self.entries[idx].key;
        let entry = &mut self.entries[idx];
        let Some(c) = &mut entry.conn else {
            return;
        };
        let s = side as u8;
        c.packets += 1;
        // The first packet of a connection on a tuple whose last attempt was refused (the
        // refused connection's linger over, its attempt still remembered): the responder's
        // RST with ACK refuses another SYN, which the capture lost, as within the linger
        // (`refuses_lost_syn`). It serves, whatever its port.
        let refused_again = c.packets == 1
            && p.flags.ack()
            && entry.attempt.is_some_and(|a| {
                a.client_side == 1 - s && a.status == AttemptStatus::Failed(Failure::Refused)
            });
        if refused_again {
            c.server_side = s;
            c.server_by_handshake = true;
        }
        let from_server = s == c.server_side;
        let acceptable = is_acceptable(c, s, p);
        let lost_syn = refused_again || (!acceptable && refuses_lost_syn(c, s, p));
        let cause = if lost_syn {
            Cause::Refused
        } else {
            classify(&c.prior, from_server, acceptable)
        };
        // After a FIN: did the resetting side close itself, or answer its peer's FIN?
        let own_fin = c.prior.fin_sides & (1 << s) != 0;
        let sender = &c.sides[usize::from(s)];
        // An abort without ACK whose sequence number is what the peer acknowledged: the
        // answer of a TCP to a segment of a connection it does not have (RFC 9293
        // §3.10.7.1), where a socket's own abortive close carries ACK.
        let peer = &c.sides[usize::from(1 - s)];
        let unknown = cause == Cause::Abort
            && acceptable
            && !p.flags.ack()
            && peer.has_ack()
            && p.seq == peer.max_ack;
        // Evidence must hold with packets missing from the capture. A real reset's numbers
        // are never behind what its receiver had acknowledged (or, to a SYN, behind ISN+1);
        // they may be past what was captured, where the capture lost the packets between
        // (or a later connection's opening on the same tuple: a RST ahead of the earlier
        // one's sequence space). That is no evidence where the connection shows the capture
        // lost some: a side acknowledged what was never captured. (Judged from the packets
        // alone, not from a live capture's drop counts, so that its saved file judges the
        // same; the report warns where resets were flagged while frames were lost.)
        // The refusal of a SYN the capture lost acknowledges that SYN: acceptable to it.
        let lost = acks_uncaptured(c, s, p);
        let mut suspicion = Suspicion {
            not_acceptable: !acceptable && !lost_syn && (!lost || is_behind(c, s, p)),
            ..Suspicion::default()
        };
        if let Some(usual) = sender.ttl.outlier(p.ttl) {
            suspicion.ttl = Some((p.ttl, usual));
        }
        // Only a reset that aborts an open connection is judged by its IP ID: a stack that
        // numbers a connection's packets with a counter of their own (Linux: one per
        // socket) sends the resets it makes without that socket (for data after its close,
        // for a SYN-ACK it has no socket for) from another counter (Linux: one per
        // destination, or ID 0), so their IDs say nothing about who sent them. Nor one sent
        // past its sender's captured sequence space: the sender's packets, a FIN among them
        // (then not an abort), or the opening of a later connection on the tuple (another
        // socket, another counter) went uncaptured.
        if cause == Cause::Abort
            && !(sender.has_seq() && seq_after(p.seq, sender.next_seq))
            && let Some(id) = p.ip_id
            && let Some(last) = sender.ip_id.breaks(id, p.ts, c.zeek.start_time)
        {
            suspicion.ip_id = Some((id, last));
        }
        // A RST that ends an established or opening connection is remembered with its tuple;
        // a stray one there (a late answer of the other side) is told apart. A stray RST is not
        // remembered: a half-open connection's repeated resets stay resets of a connection
        // whose start was not captured.
        let after_reset = match cause {
            Cause::Stray => self.reset_tuples.reset_by(&key, p.ts),
            Cause::Abort | Cause::AfterClose | Cause::HandshakeReset if acceptable => {
                self.reset_tuples.note(key, s, p.ts);
                None
            }
            _ => None,
        };
        let n = c.rst_count as usize;
        // The connection's first RST of this cause, as far as its kept notes tell (a cause
        // first met after the first RST_NOTES resets counts at each of its resets).
        let first_of_cause = !c
            .rsts
            .iter()
            .take(n)
            .flatten()
            .any(|note| note.cause == cause);
        if n < RST_NOTES {
            c.rsts[n] = Some(RstNote::new(s, p.ttl, cause, suspicion));
        }
        c.rst_count += 1;
        if suspicion.any() {
            c.suspect_count += 1;
        }
        if acceptable {
            c.feed_zeek::<false>(p, side);
        }
        let server_side = c.server_side;
        let server: ServiceKey = self.endpoint_of(&key, usize::from(server_side));
        let client_addr = key.addr(usize::from(1 - server_side));
        let client_port = key.port[usize::from(1 - server_side)];

        if lost_syn {
            self.attempt_of_lost_syn(idx, 1 - s, p.ack.wrapping_sub(1), (p.ts, p.interface));
        }
        // The attempt this RST ends, if any.
        let mut charged_to_attempt = false;
        let mut fails: Option<Failure> = None;
        let mut retry_refused = false;
        if let Some(a) = &self.entries[idx].attempt
            && (acceptable || lost_syn)
            && matches!(cause, Cause::Refused | Cause::HandshakeReset)
        {
            match a.status {
                AttemptStatus::Pending | AttemptStatus::SynAcked => {
                    fails = Some(if cause == Cause::Refused {
                        Failure::Refused
                    } else {
                        Failure::Reset
                    });
                    charged_to_attempt = true;
                }
                AttemptStatus::Failed(_) => {
                    charged_to_attempt = true;
                    retry_refused = cause == Cause::Refused;
                }
                AttemptStatus::Completed => {}
            }
        }

        if self.config.keep_incidents {
            self.incidents.push(Incident {
                at: p.ts,
                server,
                client: (client_addr, client_port),
                kind: IncidentKind::Rst {
                    cause,
                    from_server,
                    part_of_attempt: charged_to_attempt,
                },
            });
        }
        let t = &mut self.totals;
        t.rst_by_cause[cause.index()] += 1;
        let sec = global_second(
            &mut self.series,
            &mut self.series_seconds,
            self.minutes_before,
            p.ts,
        );
        sec.rst[cause.index()] += 1;
        if suspicion.any() {
            t.suspect_injected += 1;
            sec.suspect += 1;
        }
        if !charged_to_attempt {
            sec.incidents += 1;
        }
        let place = self.place(p.interface);
        if let Some(mut st) = self.services.get(server) {
            st.rst_by_cause[cause.index()] += 1;
            st.rst_conns_by_cause[cause.index()] += u64::from(first_of_cause);
            st.rst_senders_by_cause[cause.index()][usize::from(from_server)] += 1;
            if let Some(resetter) = after_reset {
                st.stray_after_reset[usize::from(resetter == server_side)] += 1;
            }
            let ssec = st.second(p.ts);
            ssec.rst[cause.index()] += 1;
            if suspicion.any() {
                ssec.suspect += 1;
            }
            if from_server {
                ssec.rst_from_server += 1;
                st.rst_from_server += 1;
            } else {
                st.rst_from_client += 1;
            }
            if cause == Cause::AfterClose {
                st.after_close.note(from_server, own_fin);
            }
            if unknown {
                let n = &mut st.aborts_unknown[usize::from(from_server)];
                *n = n.saturating_add(1);
            }
            if cause == Cause::Refused && from_server {
                st.refusal_ttl.add(p.ttl);
            }
            if suspicion.any() {
                st.suspect_injected += 1;
                st.suspect(SuspectRst {
                    at: p.ts,
                    frame: Some(p.frame + self.frame_offset),
                    client: (client_addr, client_port),
                    from_server,
                    cause,
                    suspicion,
                });
            }
            if retry_refused {
                st.refusal_retries += 1;
                st.second(p.ts).refusal_retries += 1;
            }
            st.rst_payload(p.payload, p.payload_len);
            st.seen_on.note(place);
            if !charged_to_attempt {
                st.incident(p.ts, client_addr);
            } else if st.first_seen.is_none() {
                // Charged to an attempt whose server the connection's roles no longer name
                // (the originator answered its own SYN with a SYN-ACK): the RST still makes
                // this endpoint an offender, or it would be counted and shown nowhere.
                st.first_seen = Some(p.ts);
                st.last_seen = Some(p.ts);
            }
        }
        if let Some(how) = fails {
            let answered = self.entries[idx]
                .attempt
                .is_some_and(|a| a.status == AttemptStatus::SynAcked);
            self.fail_attempt(idx, p.ts, how);
            if answered && how == Failure::Reset && !from_server {
                // A half-open scan's own reset of the SYN-ACK.
                self.scan_tally
                    .answer_at(client_addr, server, Answer::ResetByClient, None);
            }
        }
    }
}

/// The global series' counts of the second of `t` (of its minute, if folded), counting the
/// one-second entries made.
fn global_second<'a>(
    series: &'a mut BTreeMap<i64, SecondCounts>,
    seconds: &mut usize,
    minutes_before: Option<i64>,
    t: Timestamp,
) -> &'a mut SecondCounts {
    let key = series::key(t.second(), minutes_before);
    match series.entry(key) {
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::btree_map::Entry::Vacant(e) => {
            if minutes_before.is_none_or(|b| key >= b) {
                *seconds += 1;
            }
            e.insert(SecondCounts::default())
        }
    }
}

/// RFC 9293 §3.10.7: in SYN-SENT only a RST acknowledging the SYN (ACK = ISN + 1) is
/// acceptable; in a synchronized state one whose sequence number is in the receiver's window.
/// Where the receiver's window was never seen the RST is taken as acceptable: no evidence.
fn is_acceptable(c: &Conn, sender: u8, p: &TcpPacket<'_>) -> bool {
    if in_syn_sent(c, sender) {
        // `prior.syn`: the ISN is known.
        return p.flags.ack() && p.ack == c.isn.wrapping_add(1);
    }
    let recv = &c.sides[usize::from(1 - sender)];
    let send = &c.sides[usize::from(sender)];
    if !recv.has_ack() {
        return true;
    }
    let window = recv.window_bytes(send);
    seq_in_window(p.seq, recv.max_ack, window) || (send.has_seq() && p.seq == send.next_seq)
}

/// Whether a RST from `sender` meets the originator in SYN-SENT as far as the capture saw:
/// its SYN seen, no SYN-ACK, nothing since that only a synchronized originator sends (an
/// acknowledgment, data: the SYN-ACK was lost from the capture), and the RST from the
/// responder.
fn in_syn_sent(c: &Conn, sender: u8) -> bool {
    c.prior.syn && !c.prior.syn_ack && !c.prior.handshake_done && sender == c.server_side
}

/// True when sequence number `a` lies after `b` (less than 2^31 on), sequence-space
/// arithmetic.
fn seq_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Whether the capture shows it missed packets of the connection by the time of a RST from
/// `sender`: a side (the RST included) acknowledged sequence space the capture never saw the
/// other side send, or the responder's later segments came without the SYN-ACK they follow.
fn acks_uncaptured(c: &Conn, sender: u8, p: &TcpPacket<'_>) -> bool {
    let past = |ack: u32, peer: &SideStats| !peer.has_seq() || seq_after(ack, peer.next_seq);
    let [a, b] = &c.sides;
    (a.has_ack() && past(a.max_ack, b))
        || (b.has_ack() && past(b.max_ack, a))
        || (p.flags.ack() && past(p.ack, &c.sides[usize::from(1 - sender)]))
        || (c.prior.syn && !c.prior.syn_ack && c.sides[usize::from(c.server_side)].has_seq())
}

/// Whether a RST from `sender`, not acceptable to the SYN the capture saw, refuses another
/// SYN, which the capture lost: the responder's RST with ACK to an originator in SYN-SENT
/// after a refusal of the connection. A refusal leaves the originator no connection on the
/// tuple, and then it sends nothing but a new connection's SYN (a client port used again at
/// once); a RST with ACK answers a segment without one (RFC 9293 §3.10.7.1), and its ACK is
/// that SYN's ISN+1. Checked on RSTs only, against the connection's kept notes.
fn refuses_lost_syn(c: &Conn, sender: u8, p: &TcpPacket<'_>) -> bool {
    in_syn_sent(c, sender)
        && p.flags.ack()
        && c.rsts
            .iter()
            .flatten()
            .any(|note| note.cause == Cause::Refused)
}

/// Whether an unacceptable RST from `sender` lies behind what the capture saw, where no
/// packet missing from it can put a real reset: to a SYN, an acknowledgment before ISN+1
/// (zeek/tcp/rst-inject-rae.pcap acknowledges the ISN); in a synchronized state, a
/// sequence number before what its receiver had acknowledged. One past what was seen, or a
/// RST to a SYN without ACK (a reset answering an acknowledgment the capture missed), is
/// not.
fn is_behind(c: &Conn, sender: u8, p: &TcpPacket<'_>) -> bool {
    if in_syn_sent(c, sender) {
        return p.flags.ack() && seq_after(c.isn.wrapping_add(1), p.ack);
    }
    let recv = &c.sides[usize::from(1 - sender)];
    recv.has_ack() && seq_after(recv.max_ack, p.seq)
}

/// Whether `p` can only move the entry's deadlines later, so that the timer already on
/// the heap (never later than they were) still stands and scheduling can be skipped: most
/// packets are data and ACKs of a known connection. Such a packet (no SYN, FIN or RST,
/// not earlier than the connection's last packet) does not replace the connection, set
/// Zeek's attempt or close deadlines, or close a side; it moves the last packet time
/// forward, takes endpoints out of `Inactive` (the idle time grows, a half-closed
/// connection stops being expirable) and completes attempts, whose deadline then goes.
/// Every deadline `schedule_at` computes only grows with the packet time and with these.
#[inline(always)]
fn deadlines_only_later(entry: &Entry, p: &TcpPacket<'_>) -> bool {
    zeek::is_plain(p.flags)
        && entry
            .conn
            .as_ref()
            .is_some_and(|c| p.ts >= c.zeek.last_time)
}

/// [`Engine::traffic`]'s steps on the entry alone, in line in the loop of
/// [`Engine::packets_until_syn_or_rst`]: true when the connection has resets or an attempt
/// still open, whose steps ([`Engine::traffic_rests`]) must follow.
#[inline(always)]
fn traffic_steps<const PLAIN: bool>(
    entry: &mut Entry,
    p: &TcpPacket<'_>,
    side: usize,
    acks_filtered: bool,
) -> bool {
    let flags = zeek::known_flags::<PLAIN>(p.flags);
    let Some(c) = &mut entry.conn else {
        return false;
    };
    c.packets += 1;
    c.feed_zeek::<PLAIN>(p, side);
    let s = side as u8;
    // Cause-rule inputs.
    if flags.syn() && !flags.ack() {
        c.prior.syn = true;
        c.isn = p.seq;
        if !c.server_by_handshake || c.server_side == s {
            c.server_side = 1 - s;
            c.server_by_handshake = true;
        }
    }
    if flags.syn() && flags.ack() {
        c.prior.syn_ack = true;
        c.prior.handshake_done |= acks_filtered;
        c.synack_receiver = Some(1 - s);
        if !c.server_by_handshake {
            c.server_side = s;
            c.server_by_handshake = true;
        }
    } else if !flags.syn()
        && !c.prior.handshake_done
        && (flags.ack() || p.payload_len > 0)
        && (c.synack_receiver == Some(s) || (c.prior.syn && s != c.server_side))
    {
        // The SYN-ACK's receiver acknowledged it, or the SYN's sender went on as a client
        // does only once a SYN-ACK reached it, captured or not (the attempt's rule).
        c.prior.handshake_done = true;
    }
    if flags.fin() {
        c.prior.fin = true;
        c.prior.fin_sides |= 1 << s;
    }
    c.prior.traffic = true;
    // Sequence space and header habits of this side.
    update_side::<PLAIN>(c, s, p);
    // Most packets end here: a connection without resets, its attempt completed or failed.
    let open_attempt = entry
        .attempt
        .is_some_and(|a| matches!(a.status, AttemptStatus::Pending | AttemptStatus::SynAcked));
    c.rst_count > 0 || open_attempt
}

/// Updates what `side` has shown: TTL, IP ID, acknowledgments, window, sequence numbers.
#[inline(always)]
fn update_side<const PLAIN: bool>(c: &mut Conn, side: u8, p: &TcpPacket<'_>) {
    c.sides[usize::from(side)].add::<PLAIN>(p);
}

#[cfg(test)]
mod tests;
