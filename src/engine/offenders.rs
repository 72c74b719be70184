//! Per service endpoint tallies: the rows of the offenders table and the facts a diagnosis
//! sentence is made of.

use std::collections::HashSet;
use std::net::IpAddr;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use super::scan_tally::ScanTally;
use super::scans::{self, Scan, ScanCount, ScansFound};
use super::series::{self, Peak};
use super::{Cause, SecondCounts};
use crate::packet::{DropKind, Encaps, Overlay, Timestamp};

/// Distinct clients counted exactly per endpoint; beyond this the count is a lower bound.
const MAX_CLIENTS_TRACKED: usize = 65_536;
/// Clients an offender names ([`Offender::few_clients`]): more are counted only.
pub const FEW_CLIENTS: usize = 3;
/// Distinct RST payload texts kept per endpoint.
const MAX_PAYLOADS: usize = 5;
/// Bytes of RST payload texts all endpoints keep together: 2,600 endpoints with five of the
/// longest (200 characters of four bytes), or some 35,000 texts as F5's (about 60 bytes).
/// Past it a reset's payload is counted at its endpoint, not kept
/// ([`ServiceStats::rst_payloads_not_kept`]), until endpoints dropped from the table free
/// theirs.
pub const PAYLOAD_TEXT_BYTES: usize = 2 << 20;
/// Characters kept of one RST payload text.
const MAX_PAYLOAD_CHARS: usize = 200;
/// Bytes shown in hex of a RST payload that is no text.
const MAX_PAYLOAD_HEX: usize = 64;
/// Bytes of a RST's payload that can make those characters (at most 4 bytes each in UTF-8):
/// the rest is never looked at, so the reader need not copy it.
pub const RST_PAYLOAD_BYTES: usize = 4 * MAX_PAYLOAD_CHARS;

/// A service endpoint: the side that received the SYN, by its address, port and the overlay
/// network of the tunnel its packets came in (two tenants' overlays may number their
/// machines alike: 10.42.0.2:7211 in VXLAN 42 and in VXLAN 43 are two machines).
pub type ServiceKey = (IpAddr, u16, Overlay);

/// The capture interfaces an endpoint's packets were seen on: bit `n` for the engine's `n`th
/// place ([`Snapshot::places`](super::Snapshot::places): a capture interface, with the
/// interface index of a Linux `any` capture's frames) below [`SeenOn::LATER`], that bit for
/// any place met after those. 32 bits, not a list: it
/// is kept for each of the thousands of endpoints and each row of a snapshot (the agent's sum
/// of every cap, tests/agent_memory.rs, had 0.05 MB left: 64 bits grew the rows by 8 bytes
/// each, 32 fit where the endpoint had room), and set where an attempt, a reset or a drop of
/// the endpoint is counted, not per packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SeenOn(u32);

impl SeenOn {
    /// The bit of every place met after the first this many: such are not told apart.
    pub const LATER: u32 = 31;

    /// Notes a packet seen at place `place`.
    #[inline]
    pub fn note(&mut self, place: u32) {
        self.0 |= 1 << place.min(Self::LATER);
    }

    /// The places below [`SeenOn::LATER`] it was seen at, in number order.
    pub fn places(self) -> impl Iterator<Item = u32> {
        (0..Self::LATER).filter(move |&i| self.0 & (1 << i) != 0)
    }

    /// Seen at some place numbered [`SeenOn::LATER`] or higher (which, not known).
    pub fn later(self) -> bool {
        self.0 & (1 << Self::LATER) != 0
    }
}

/// Where one endpoint's dropped packets were recorded, named: a few places, the rest summed.
const MAX_DROP_PLACES: usize = 8;
/// Distinct clients of one endpoint's dropped packets counted ([`Dropped::clients`]). A
/// capture file's only: a live capture records no dropped packet (see [`Dropped`]), so the
/// agent's endpoints never fill them, though its sum of caps counts them.
pub const MAX_DROP_CLIENTS: usize = 64;
/// Names of places where packets were dropped kept for all endpoints together: a capture's
/// interfaces (pktmon's components), the same names at every endpoint. Drops at a place past
/// them are counted at their endpoint as at places beyond the named ones
/// ([`Dropped::other_places`]).
const MAX_PLACE_NAMES: usize = 256;
/// Bytes of those names at most.
const PLACE_NAME_BYTES: usize = 16 << 10;

/// The names of the places where packets were dropped, each kept once for all endpoints:
/// each endpoint named up to 8 places of its own, 12.8 MB at the caps of its table and of a
/// snapshot's rows.
#[derive(Debug, Default)]
struct PlaceNames {
    names: Vec<Arc<str>>,
    bytes: usize,
}

impl PlaceNames {
    /// The most the names hold.
    const MOST_BYTES: usize =
        MAX_PLACE_NAMES * (std::mem::size_of::<Arc<str>>() + ARC_COUNTS) + PLACE_NAME_BYTES;

    /// The name `place`, kept if new and there is room.
    fn name(&mut self, place: &str) -> Option<Arc<str>> {
        if let Some(n) = self.names.iter().find(|n| ***n == *place) {
            return Some(Arc::clone(n));
        }
        if self.names.len() >= MAX_PLACE_NAMES || self.bytes + place.len() > PLACE_NAME_BYTES {
            return None;
        }
        let n: Arc<str> = place.into();
        self.bytes += place.len();
        self.names.push(Arc::clone(&n));
        Some(n)
    }
}

/// The packets of one service endpoint that the capturing host dropped: the capture recorded
/// each at its drop (pcapng `epb_verdict`: a Windows pktmon drop event converted by
/// etl2pcapng, an XDP or tc program's drop). Such a packet never reached the other side, so
/// it is in no other count: a dropped SYN starts no attempt, a dropped RST refuses nothing.
/// Each one is an incident of its endpoint.
///
/// Files only: a live capture never fills it, for any endpoint. The packet capture of every
/// OS (libpcap on a Linux packet socket, BPF on macOS, Npcap) hands over the packets the host
/// delivered or sent, and of those it did not only counts (the kernel's buffer full, the
/// interface's drops: the status line's and the agent's `rstscope_dropped_packets_total`),
/// never which packet, so no endpoint or client. A packet dropped before the capture's copy
/// (by an XDP program, or an outgoing one by a firewall or a tc program) is never captured;
/// one dropped after it (an incoming one a firewall or a tc program drops) is captured as
/// delivered, with no verdict. rstscope's own drops (batches it could not queue for the
/// analysis) were delivered on the wire, and are counted apart. Linux's drop tracepoint
/// (`skb:kfree_skb`) names a reason and a kernel location but not the packet's addresses,
/// which only an eBPF program could read, and rstscope reads tracefs only (no eBPF).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    /// TCP packets dropped.
    pub packets: u64,
    /// Of them, SYNs without ACK (connection attempts that did not get through).
    pub syn: u64,
    /// Of them, RSTs.
    pub rst: u64,
    /// Of them, those sent by the service endpoint (its SYN-ACKs and RSTs); the rest were its
    /// clients'.
    pub from_server: u64,
    /// Of them, those the capture says were coming in to the capturing host (`epb_flags`).
    pub inbound: u64,
    /// Those going out of it.
    pub outbound: u64,
    /// By who dropped them, indexed by [`DropKind`] (pktmon, XDP, tc).
    pub by_kind: [u64; 3],
    /// Where they were recorded (a pktmon component, an interface), most first once read
    /// out ([`Dropped::places`]); the first few named, the others in `other_places`. The
    /// names are kept once for all endpoints.
    pub places: Vec<(Arc<str>, u64)>,
    /// Dropped at places beyond the named ones.
    pub other_places: u64,
    /// Distinct clients whose packets (or the answers to whose packets) were dropped, up to
    /// [`MAX_DROP_CLIENTS`].
    pub clients: u64,
}

impl Dropped {
    /// The places, most drops first (then by name).
    pub fn places(&self) -> Vec<(String, u64)> {
        let mut places: Vec<(String, u64)> = (self.places.iter())
            .map(|(p, n)| (p.to_string(), *n))
            .collect();
        places.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        places
    }

    /// The kind of most of the drops.
    pub fn kind(&self) -> DropKind {
        let kinds = [DropKind::Pktmon, DropKind::Xdp, DropKind::Tc];
        let mut best = DropKind::Pktmon;
        for k in kinds {
            if self.by_kind[k as usize] > self.by_kind[best as usize] {
                best = k;
            }
        }
        best
    }

    fn note(&mut self, drop: &DropNote<'_>, from_server: bool, names: &mut PlaceNames) {
        self.packets += 1;
        self.syn += u64::from(drop.syn);
        self.rst += u64::from(drop.rst);
        self.from_server += u64::from(from_server);
        match drop.inbound {
            Some(true) => self.inbound += 1,
            Some(false) => self.outbound += 1,
            None => {}
        }
        self.by_kind[drop.kind as usize] += 1;
        let named = self.places.len();
        match self
            .places
            .iter_mut()
            .find(|(name, _)| **name == *drop.place)
        {
            Some((_, n)) => *n += 1,
            None => match names.name(drop.place).filter(|_| named < MAX_DROP_PLACES) {
                Some(name) => self.places.push((name, 1)),
                None => self.other_places += 1,
            },
        }
    }
}

/// One packet the capturing host dropped, as [`Engine::dropped`](super::Engine::dropped)
/// takes it besides the packet.
#[derive(Debug, Clone, Copy)]
pub struct DropNote<'a> {
    /// Who dropped it.
    pub kind: DropKind,
    /// Where it was recorded: the capture interface's name (a pktmon component).
    pub place: &'a str,
    /// It was coming in to the capturing host (`Some(false)`: going out), where the capture
    /// says.
    pub inbound: Option<bool>,
    /// It is a SYN without ACK.
    pub syn: bool,
    /// It is a RST.
    pub rst: bool,
}

/// Everything counted for one service endpoint.
#[derive(Debug, Clone, Default)]
pub struct ServiceStats {
    /// RST packets in its connections, by cause.
    pub rst_by_cause: [u64; 5],
    /// Its packets the capturing host dropped; shared with the snapshots' rows until it
    /// changes (then copied once, see [`ServiceStats::rst_payloads`]).
    pub dropped: Arc<Dropped>,
    /// Its connections with at least one RST, by cause (a server's abort answered by the
    /// client's late ACK and a second RST is one connection, two RSTs).
    pub rst_conns_by_cause: [u64; 5],
    /// Of the `stray` RSTs, those that came on a tuple whose connection a RST had ended less
    /// than [`super::reset_tuples::RESET_MEMORY_SECS`] before: that RST sent by the client,
    /// by the server.
    pub stray_after_reset: [u64; 2],
    /// RSTs sent by the service endpoint itself.
    pub rst_from_server: u64,
    /// RSTs sent by its clients.
    pub rst_from_client: u64,
    /// Its RSTs by cause and sender: sent by its clients, by itself. Who aborted its
    /// connections is not always who sent most of its resets of every cause.
    pub rst_senders_by_cause: [[u64; 2]; 5],
    /// Its after-close RSTs by who sent them and who had sent a FIN.
    pub after_close: AfterClose,
    /// Of its abort RSTs, those that answered as to a connection unknown (see
    /// [`Offender::aborts_unknown`]): sent by its clients, by itself.
    pub aborts_unknown: [u32; 2],
    /// RSTs flagged suspect-injected.
    pub suspect_injected: u64,
    /// Connection attempts (distinct SYN ISNs) to it.
    pub attempts: u64,
    /// Attempts whose handshake completed.
    pub completed: u64,
    /// Failed attempts, by how they failed.
    pub failed_refused: u64,
    /// Attempts reset before the handshake completed.
    pub failed_reset: u64,
    /// Attempts never answered.
    pub failed_unanswered: u64,
    /// Of those, the ones the capture's end cut off, per second of their last SYN.
    pub cut_off: Vec<CutOff>,
    /// Refused RSTs that hit an attempt that had already been refused (client retries).
    pub refusal_retries: u64,
    /// SYNs its clients sent again before any answer, and what became of those attempts.
    pub resends: Resends,
    /// The TTLs (hop limits) of the resets with which it refused attempts: a refusal that
    /// came from the server's host has the TTL of its SYN-ACKs ([`HostAnswers`]), one a
    /// firewall on the way made has another.
    pub refusal_ttl: super::cause::TtlRange,
    /// Attempts answered by a SYN-ACK and then reset before the client's ACK (a half-open
    /// SYN scan's open port, when the client sends the reset).
    pub synack_reset: u64,
    /// Attempts answered by a SYN-ACK that the client never acknowledged, nor reset, until
    /// the connection ended (a half-open scan whose client's resets were not captured).
    pub synack_left: u64,
    /// The first and last second of an attempt answered with a SYN-ACK that completed or was
    /// left half-open ([`ServiceStats::answered_in`]): when a scan's open port answered, which
    /// no incident tells (it failed nothing), for a time range to list it or not.
    pub answered: Option<(i64, i64)>,
    /// Who made its connection attempts, while that was one client address; see
    /// [`ServiceStats::attempt_from`].
    pub attempt_client: AttemptClient,
    /// Per-second counts of this endpoint alone, in time order; change them through
    /// [`Endpoint::second`], which keeps `summary` right. Seconds before `minutes_before`
    /// are folded into minutes ([`series`]), and the minutes sealed into chunks that
    /// snapshots share ([`series::ChunkedSeries`]). Vectors, not a map: entries nearly always
    /// come at the end, and a map's smallest node (eleven entries) would cost the thousands
    /// of endpoints with one entry each ten times what they hold.
    pub per_second: series::ChunkedSeries,
    /// Where `per_second` turns from minutes to seconds.
    pub minutes_before: Option<i64>,
    /// The second with the most incidents among those folded.
    pub folded_peak: Peak,
    /// Incidents of series entries dropped ([`series::Retention::kept`], or to keep all
    /// endpoints' series within their [`Services::limits`]): the offender's incident count
    /// stays exact.
    pub dropped_incidents: u64,
    /// Set when older entries were dropped to keep all endpoints' series within their
    /// [`Services::limits`]: the first second (or minute) the series still counts in full.
    pub series_from: Option<i64>,
    /// The series as offenders share it, with its sums, made on the first snapshot after a
    /// change: a snapshot of endpoints that did not change copies nothing.
    pub(crate) summary: OnceLock<Summary>,
    /// Incidents: failed attempts plus RSTs that were not part of one (what the offenders
    /// are ranked by, and what decides which endpoints make room when the table is full).
    pub incidents: u64,
    /// Time of the first and last incident.
    pub first_seen: Option<Timestamp>,
    /// Time of the last incident.
    pub last_seen: Option<Timestamp>,
    /// Distinct client addresses involved in incidents.
    pub clients: HashSet<IpAddr>,
    /// More clients than tracked were seen, or the endpoint gave up tracking them
    /// ([`Services::limits`]): `clients` is a lower bound.
    pub clients_overflow: bool,
    /// Set when the endpoint gave up its set of clients to bound memory: how many it held
    /// then. Its count stays there (a lower bound).
    pub clients_given_up: Option<u64>,
    /// What RST payloads carried (e.g. F5's reset cause), distinct. Shared with the rows of
    /// snapshots, as the series' sealed chunks are: a snapshot of an endpoint whose payloads
    /// did not change copies none; one that changed makes a new list, the texts shared.
    pub rst_payloads: Arc<[RstPayload]>,
    /// Resets whose payload was not kept because the payload texts of all endpoints had
    /// reached [`PAYLOAD_TEXT_BYTES`].
    pub rst_payloads_not_kept: u64,
    /// The first resets flagged suspect-injected, with their evidence (at most
    /// [`MAX_SUSPECTS`]); shared with the snapshots' rows as `rst_payloads` is.
    pub suspects: Arc<[SuspectRst]>,
    /// The clients of its dropped packets ([`Dropped::clients`]): whether an address was one
    /// of its clients already does not tell, as the drop may come before or after the
    /// incidents of its attempts (an unanswered attempt fails 10 s after its last SYN).
    pub dropped_clients: Vec<IpAddr>,
    /// The capture interfaces its attempts' first SYNs, its resets and its dropped packets
    /// were seen on.
    pub seen_on: SeenOn,
}

/// The resets after a FIN of one endpoint (cause after-close), by who sent them and whether
/// their sender had sent a FIN itself: two different stories. A side that closed (its FIN)
/// and then got data or an ACK resets because nothing reads there any more: data arrived for
/// a socket that had already closed. A side that sent no FIN and resets as its peer's FIN
/// arrives closed abortively on the peer's close (SO_LINGER 0, or unread data at close), as
/// some servers do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AfterClose {
    /// Sent by the service endpoint after its own FIN.
    pub server_after_own_fin: u64,
    /// Sent by a client after its own FIN.
    pub client_after_own_fin: u64,
    /// Sent by the service endpoint, which sent no FIN, after its client's FIN.
    pub server_on_peer_fin: u64,
    /// Sent by a client, which sent no FIN, after the service endpoint's FIN.
    pub client_on_peer_fin: u64,
}

impl AfterClose {
    /// Counts one reset after a FIN: sent by the server or a client, whose sender had sent a
    /// FIN itself or not.
    pub fn note(&mut self, from_server: bool, own_fin: bool) {
        *match (from_server, own_fin) {
            (true, true) => &mut self.server_after_own_fin,
            (false, true) => &mut self.client_after_own_fin,
            (true, false) => &mut self.server_on_peer_fin,
            (false, false) => &mut self.client_on_peer_fin,
        } += 1;
    }

    /// Resets from a side that had sent a FIN itself.
    pub fn after_own_fin(&self) -> u64 {
        self.server_after_own_fin + self.client_after_own_fin
    }

    /// Resets answering the peer's FIN from a side that sent none.
    pub fn on_peer_fin(&self) -> u64 {
        self.server_on_peer_fin + self.client_on_peer_fin
    }
}

/// Failed attempts whose last SYN came in one second, still unanswered when the capture ended
/// less than [`super::ATTEMPT_UNANSWERED_SECS`] after their first SYN: counted as unanswered
/// (as Zeek's S0), but too soon to tell a dropped SYN from a slow answer. Only the capture's
/// last seconds have such attempts, so an endpoint holds a few of these at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutOff {
    /// The second of their last SYN, where they count.
    pub second: i64,
    /// How many.
    pub attempts: u64,
    /// The shortest and the longest time one of them waited, from its first SYN to the end of
    /// the capture, in nanoseconds.
    pub waited_ns: (i64, i64),
}

/// Suspect-injected resets kept with their evidence per endpoint; further ones are counted.
pub const MAX_SUSPECTS: usize = 4;

/// What an `Arc` holds before its value: its two counts.
const ARC_COUNTS: usize = 2 * std::mem::size_of::<usize>();

/// A reset flagged suspect-injected, with the evidence that flagged it: which packet, from
/// which side, and what about it does not fit the sender's other packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuspectRst {
    /// When it was seen; when the evidence came only from later packets (a TTL that the
    /// sender's later packets showed foreign), when that was found, and `frame` is `None`.
    pub at: Timestamp,
    /// Its frame number in the capture, when it was flagged as it came.
    pub frame: Option<u64>,
    /// The client of the connection.
    pub client: (IpAddr, u16),
    /// It claims to come from the service endpoint (else from the client).
    pub from_server: bool,
    /// Its cause, as the reset is counted among the endpoint's resets by cause: the diagnosis
    /// says which of those it tells were the suspect ones (rst-inject-rae.pcap's 1.2.0.3:6649:
    /// "It also saw 1 reset during the handshake" was the injected one, unsaid). In the
    /// struct's padding: the agent's endpoints keep their size.
    pub cause: Cause,
    /// The evidence.
    pub suspicion: super::cause::Suspicion,
}

/// Whose connection attempts an endpoint received: what tells a scan's ports (every attempt
/// from the scanner) from ports other clients use too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AttemptClient {
    /// No attempt yet.
    #[default]
    None,
    /// Every attempt came from this address.
    One(IpAddr),
    /// Attempts came from several addresses.
    Several,
}

/// What an endpoint's clients' SYNs sent again before any answer tell. A client resends its
/// SYN when nothing came back (Linux after 1 s, then on its own schedule): a SYN answered only
/// after that, with a SYN-ACK right after the SYN sent again, had its earlier SYNs dropped
/// where they arrived, by a listen queue that was full (Linux drops a SYN while the listening
/// socket's accept queue is full, the program not accepting fast enough) or a rate limit on
/// the way; one answered long after its last SYN met a slow path or a slow host. One late
/// answer alone is as likely a SYN lost on its way: several clients waiting at once
/// (`late_together`) tell a queue. Attempts resent until they were given up on are a
/// firewall's drops, or a host that is down. 48 bytes: each of the thousands of endpoints
/// keeps one, and each row of a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resends {
    /// SYNs sent again by attempts not answered yet (a retransmission of a SYN already
    /// answered or refused is not counted: its SYN-ACK or refusal was lost on its way).
    pub syns: u32,
    /// Attempts answered by a SYN-ACK only after their SYN was sent again.
    pub late: u32,
    /// Of them, those whose SYN-ACK came right after the last SYN (within a quarter of the
    /// time since the first, and within a second): the SYNs before it got no answer at all,
    /// rather than a slow one.
    pub late_at_once: u32,
    /// The shortest and longest time from a late attempt's first SYN to its SYN-ACK, in
    /// milliseconds.
    pub late_ms: (u32, u32),
    /// Late answers whose attempt waited while the latest late one before it still did (its
    /// first SYN after that one's, before that one's answer): clients kept waiting at once,
    /// as a full listen queue keeps them. One SYN lost on its way makes a late answer alone.
    pub late_together: u32,
    /// The latest late answer's wait: its first SYN's time and its answer's, in nanoseconds.
    pub last_late: (i64, i64),
    /// Attempts given up on unanswered (not those the capture's end cut off) whose SYN was
    /// sent again.
    pub unanswered_resent: u32,
    /// The longest time from the first SYN to the last of those, in milliseconds.
    pub unanswered_longest_ms: u32,
}

impl Resends {
    /// Notes an attempt whose first SYN came at `first` and last at `last`, answered by a
    /// SYN-ACK at `answer`.
    pub fn answered_late(&mut self, first: Timestamp, last: Timestamp, answer: Timestamp) {
        let ms = |from: Timestamp| {
            u32::try_from(answer.0.saturating_sub(from.0).max(0) / 1_000_000).unwrap_or(u32::MAX)
        };
        let (waited, since_last) = (ms(first), ms(last));
        // Strictly after the earlier one's first SYN: a copy of the same attempt (a capture
        // appended to itself) did not wait beside it.
        let (before_first, before_answer) = self.last_late;
        if self.late > 0 && first.0 > before_first && first.0 <= before_answer {
            self.late_together = self.late_together.saturating_add(1);
        }
        self.last_late = (first.0, answer.0);
        let span = waited.saturating_sub(since_last);
        self.late_ms = if self.late == 0 {
            (waited, waited)
        } else {
            (self.late_ms.0.min(waited), self.late_ms.1.max(waited))
        };
        self.late = self.late.saturating_add(1);
        if since_last < 1_000 && since_last.saturating_mul(4) <= span {
            self.late_at_once = self.late_at_once.saturating_add(1);
        }
    }

    /// Notes an attempt given up on unanswered whose SYNs went from `first` to `last`.
    pub fn given_up(&mut self, first: Timestamp, last: Timestamp) {
        self.resent_after_giving_up(first, last, false);
    }

    /// Notes a SYN sent again at `last` by an attempt given up on unanswered whose first SYN
    /// came at `first`; `resent`: it is counted among those resent already.
    pub fn resent_after_giving_up(&mut self, first: Timestamp, last: Timestamp, resent: bool) {
        let span =
            u32::try_from(last.0.saturating_sub(first.0).max(0) / 1_000_000).unwrap_or(u32::MAX);
        if span > 0 {
            if !resent {
                self.unanswered_resent = self.unanswered_resent.saturating_add(1);
            }
            self.unanswered_longest_ms = self.unanswered_longest_ms.max(span);
        }
    }
}

impl ServiceStats {
    /// Notes that a connection attempt came from `client`: once per attempt, on its first SYN.
    pub fn attempt_from(&mut self, client: IpAddr) {
        self.attempts += 1;
        self.attempt_client = match self.attempt_client {
            AttemptClient::None => AttemptClient::One(client),
            AttemptClient::One(c) if c == client => AttemptClient::One(c),
            _ => AttemptClient::Several,
        };
    }

    /// The one client address behind all of this endpoint's attempts and incidents, if there
    /// is one: all its counts are that client's.
    pub fn sole_client(&self) -> Option<IpAddr> {
        let AttemptClient::One(c) = self.attempt_client else {
            return None;
        };
        let others = self.clients_overflow
            || self.clients_given_up.is_some_and(|n| n > 1)
            || self.clients.iter().any(|&a| a != c);
        (!others).then_some(c)
    }

    /// Notes an attempt whose SYNs came from `first_syn` to `last_syn` still unanswered when
    /// the capture ended at `end` (not earlier), too soon to be given up on.
    pub fn note_cut_off(&mut self, last_syn: Timestamp, first_syn: Timestamp, end: Timestamp) {
        let (second, waited) = (last_syn.second(), end.0.saturating_sub(first_syn.0));
        let list = &mut self.cut_off;
        match list.binary_search_by_key(&second, |c| c.second) {
            Ok(i) => {
                let c = &mut list[i];
                c.attempts += 1;
                c.waited_ns = (c.waited_ns.0.min(waited), c.waited_ns.1.max(waited));
            }
            Err(i) => list.insert(
                i,
                CutOff {
                    second,
                    attempts: 1,
                    waited_ns: (waited, waited),
                },
            ),
        }
    }

    /// Total failed attempts.
    pub fn failed_attempts(&self) -> u64 {
        self.failed_refused + self.failed_reset + self.failed_unanswered
    }

    /// RST packets in total.
    pub fn rst_packets(&self) -> u64 {
        self.rst_by_cause.iter().sum()
    }

    /// The per-second counts of the second of `ts`, adding one to `entries` when the series
    /// gets an entry for it.
    pub(crate) fn second(&mut self, ts: Timestamp, usage: &mut Usage) -> &mut SecondCounts {
        self.summary.take();
        let key = series::key(ts.second(), self.minutes_before);
        let mut made = false;
        let c = self.per_second.at(key, &mut made);
        usage.series_entries += usize::from(made);
        c
    }

    /// Folds the seconds before `boundary` (a minute boundary) into minutes, and seals the
    /// minutes into shared chunks ([`series::ChunkedSeries`]).
    pub fn fold(&mut self, boundary: i64) {
        // Entries before the last boundary are minutes already (the sealed chunks hold
        // minutes only); those from it on map to minutes from it on, so the fold happens in
        // place in the open tail.
        let minutes_before = self.minutes_before;
        let series = self.per_second.open_mut();
        let lo = minutes_before.map_or(0, |b| series.partition_point(|(s, _)| *s < b));
        let hi = series.partition_point(|(s, _)| *s < boundary);
        if lo < hi {
            let mut to = lo;
            for from in lo..hi {
                let (second, c) = series[from];
                self.folded_peak.offer(second, c.incidents);
                let m = series::minute(second);
                if to > lo && series[to - 1].0 == m {
                    series::add(&mut series[to - 1].1, &c);
                } else {
                    series[to] = (m, c);
                    to += 1;
                }
            }
            series.drain(to..hi);
            self.summary.take();
        }
        self.minutes_before = Some(boundary);
        self.per_second.seal(boundary);
    }

    /// Drops the series entries before `from` (their incidents stay counted).
    pub fn drop_before(&mut self, from: i64) {
        if self.per_second.first().is_none_or(|&(k, _)| k >= from) {
            return;
        }
        let mut dropped = 0;
        self.per_second
            .drop_before(from, |(_, c)| dropped += u64::from(c.incidents));
        self.dropped_incidents += dropped;
        self.summary.take();
    }

    fn summary(&self, first_second: i64) -> &Summary {
        self.summary.get_or_init(|| {
            let incidents = self.dropped_incidents
                + self
                    .per_second
                    .iter()
                    .map(|(_, c)| u64::from(c.incidents))
                    .sum::<u64>();
            let mut recent = Peak::default();
            // The seconds are all in the open tail (sealed chunks hold minutes only).
            let open = self.per_second.open();
            let seconds = self
                .minutes_before
                .map_or(0, |b| open.partition_point(|(s, _)| *s < b));
            for &(s, c) in &open[seconds..] {
                recent.offer(s, c.incidents);
            }
            let (peak_second, peak) = self.folded_peak.max(recent).0.unwrap_or((first_second, 0));
            Summary {
                series: self.per_second.share(),
                incidents,
                peak,
                peak_second,
            }
        })
    }

    /// Drops every series entry but the latest, keeping the incidents' count and the busiest
    /// second; the series then counts in full from that entry on. Returns the entries dropped.
    fn keep_latest(&mut self) -> usize {
        let n = self.per_second.len();
        if n <= 1 {
            return 0;
        }
        self.summary.take();
        let folded = self.minutes_before;
        let (mut dropped, mut peak) = (0, self.folded_peak);
        self.per_second.keep_latest(|&(s, c)| {
            dropped += u64::from(c.incidents);
            // A folded minute's busiest second is in `folded_peak` already.
            if folded.is_none_or(|b| s >= b) {
                peak.offer(s, c.incidents);
            }
        });
        self.dropped_incidents += dropped;
        self.folded_peak = peak;
        self.series_from = self.per_second.first().map(|&(s, _)| s);
        n - 1
    }

    /// Records a packet of this endpoint that the capturing host dropped (an incident).
    fn dropped(
        &mut self,
        ts: Timestamp,
        client: IpAddr,
        drop: &DropNote<'_>,
        from_server: bool,
        (usage, names): (&mut Usage, &mut PlaceNames),
    ) {
        // Copied here once after each snapshot that shares it, not at each drop.
        let dropped = Arc::make_mut(&mut self.dropped);
        dropped.note(drop, from_server, names);
        if self.dropped_clients.len() < MAX_DROP_CLIENTS && !self.dropped_clients.contains(&client)
        {
            self.dropped_clients.push(client);
            dropped.clients += 1;
        }
        self.second(ts, usage).dropped += 1;
        self.incident(ts, client, usage);
    }

    /// Records an incident at `ts` involving `client`.
    pub(crate) fn incident(&mut self, ts: Timestamp, client: IpAddr, usage: &mut Usage) {
        self.second(ts, usage).incidents += 1;
        self.incidents += 1;
        self.first_seen = Some(self.first_seen.map_or(ts, |f| f.min(ts)));
        self.last_seen = Some(self.last_seen.map_or(ts, |l| l.max(ts)));
        if self.clients_given_up.is_some() {
            return;
        }
        if self.clients.len() < MAX_CLIENTS_TRACKED {
            if self.clients.insert(client) {
                usage.clients += 1;
            }
        } else if !self.clients.contains(&client) {
            self.clients_overflow = true;
        }
    }

    /// Bytes of the RST payload texts it keeps.
    fn payload_bytes(&self) -> usize {
        self.rst_payloads.iter().map(|p| p.shown.len()).sum()
    }

    /// Its clients' addresses, lowest first, where there are at most [`FEW_CLIENTS`] and all
    /// are known ([`Offender::few_clients`]).
    fn few_clients(&self) -> [Option<IpAddr>; FEW_CLIENTS] {
        let mut few = [None; FEW_CLIENTS];
        if self.clients_overflow
            || self.clients_given_up.is_some()
            || self.clients.len() > FEW_CLIENTS
        {
            return few;
        }
        for (slot, &a) in few.iter_mut().zip(&self.clients) {
            *slot = Some(a);
        }
        few.sort_unstable_by(|a, b| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            _ => b.is_some().cmp(&a.is_some()),
        });
        few
    }

    /// Distinct clients counted (a lower bound when `clients_overflow`).
    pub fn client_count(&self) -> u64 {
        self.clients_given_up.unwrap_or(self.clients.len() as u64)
    }

    /// Gives up the set of clients, keeping its count as a lower bound. Returns the clients
    /// dropped.
    fn give_up_clients(&mut self) -> usize {
        let n = self.clients.len();
        self.clients_given_up = Some(n as u64);
        self.clients_overflow = true;
        self.clients = HashSet::new();
        n
    }

    /// Keeps a RST's payload as evidence: its printable text, or its bytes in hex where it
    /// is no text (a RST diagnostic payload), and whether it was cut. `captured` is the part
    /// the capture holds (up to [`RST_PAYLOAD_BYTES`] of it is looked at), `len` the
    /// payload's length in the packet (its IP length says).
    pub fn rst_payload(&mut self, captured: &[u8], len: u32) {
        self.keep_payload(captured, len, usize::MAX);
    }

    /// Notes an attempt answered with a SYN-ACK (completed, or left half-open) at `ts`
    /// ([`ServiceStats::answered`]).
    pub fn answered_in(&mut self, ts: Timestamp) {
        let second = ts.second();
        self.answered = Some(match self.answered {
            Some((first, last)) => (first.min(second), last.max(second)),
            None => (second, second),
        });
    }

    /// [`ServiceStats::rst_payload`] with `room` bytes left for texts: a text longer than
    /// that is counted in `rst_payloads_not_kept`. Returns the bytes of text kept.
    fn keep_payload(&mut self, captured: &[u8], len: u32, room: usize) -> usize {
        let Some(p) = RstPayload::of(captured, len) else {
            return 0;
        };
        if self.rst_payloads.len() >= MAX_PAYLOADS || self.rst_payloads.iter().any(|k| k.same(&p)) {
            return 0;
        }
        let bytes = p.shown.len();
        if bytes > room {
            self.rst_payloads_not_kept += 1;
            return 0;
        }
        // A new list: the one a snapshot holds stays as it was (the texts are shared).
        self.rst_payloads = self.rst_payloads.iter().cloned().chain([p]).collect();
        bytes
    }

    /// Keeps a suspect reset's evidence: evidence found later for a reset kept already (its
    /// foreign TTL) is added to it; a further reset is kept while there is room.
    pub fn suspect(&mut self, s: SuspectRst) {
        if s.frame.is_none()
            && let Some(i) = self.suspects.iter().position(|k| {
                k.client == s.client && k.from_server == s.from_server && k.suspicion.ttl.is_none()
            })
        {
            Arc::make_mut(&mut self.suspects)[i].suspicion.ttl = s.suspicion.ttl;
            return;
        }
        if self.suspects.len() < MAX_SUSPECTS {
            self.suspects = self.suspects.iter().copied().chain([s]).collect();
        }
    }

    /// The offender row, or `None` when nothing went wrong at this endpoint.
    pub fn offender(&self, key: ServiceKey) -> Option<Offender> {
        let rst_packets = self.rst_packets();
        let failed = self.failed_attempts();
        if rst_packets == 0
            && failed == 0
            && self.dropped.packets == 0
            && self.resends.late_together == 0
        {
            return None;
        }
        let (first, last) = (self.first_seen?, self.last_seen?);
        let Summary {
            series,
            incidents,
            peak,
            peak_second,
        } = self.summary(first.second()).clone();
        let span = (last.second() - first.second() + 1).max(1) as f64;
        Some(Offender {
            addr: key.0,
            port: key.1,
            overlay: key.2,
            rst_packets,
            rst_by_cause: self.rst_by_cause,
            rst_conns_by_cause: Some(self.rst_conns_by_cause),
            stray_after_reset: self.stray_after_reset,
            rst_from_server: self.rst_from_server,
            rst_from_client: self.rst_from_client,
            rst_senders_by_cause: self.rst_senders_by_cause,
            after_close: self.after_close,
            aborts_unknown: self.aborts_unknown,
            suspect_injected: self.suspect_injected,
            attempts: self.attempts,
            completed: self.completed,
            failed_attempts: failed,
            failed_refused: self.failed_refused,
            failed_reset: self.failed_reset,
            failed_unanswered: self.failed_unanswered,
            cut_off: self.cut_off.clone(),
            refusal_retries: self.refusal_retries,
            resends: self.resends,
            refusal_ttl: self.refusal_ttl,
            // Set for the rows that refused, from [`Services::host_answers`].
            host_ttl: super::cause::TtlRange::default(),
            clients: self.client_count(),
            few_clients: self.few_clients(),
            clients_at_least: self.clients_overflow,
            incidents,
            first_seen: first,
            last_seen: last,
            avg_rate: incidents as f64 / span,
            avg_over: None,
            peak_rate: peak,
            peak_second,
            rst_payloads: Arc::clone(&self.rst_payloads),
            rst_payloads_not_kept: self.rst_payloads_not_kept,
            suspects: Arc::clone(&self.suspects),
            series,
            minutes_before: self.minutes_before,
            series_from: self.series_from,
            encaps: Encaps::default(),
            scan: None,
            dropped: Arc::clone(&self.dropped),
            seen_on: self.seen_on,
        })
    }
}

/// What a snapshot takes from an endpoint's per-second counts.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    series: series::SharedSeries,
    incidents: u64,
    peak: u32,
    peak_second: i64,
}

/// The second with the most incidents (the earliest of equals), or `(default, 0)`.
fn peak(seconds: impl Iterator<Item = (i64, u32)>, default: i64) -> (i64, u32) {
    let mut best = Peak::default();
    for (s, n) in seconds {
        best.offer(s, n);
    }
    best.0.unwrap_or((default, 0))
}

/// What one RST's payload carried, as evidence: the text some devices put there (F5 BIG-IP's
/// reset cause), or the bytes of one that is no text (a RST diagnostic payload, tshark's
/// "Reset cause"), and whether what is shown stops before the payload does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RstPayload {
    /// The text, control characters as spaces; for a payload that is no text, its bytes in
    /// hex (`33 aa 00 01`). Shared by the copies of the list ([`ServiceStats::rst_payloads`]).
    pub shown: Arc<str>,
    /// The payload is no text: `shown` is hex.
    pub binary: bool,
    /// Bytes of payload the packet carried (as its IP length says).
    pub len: u32,
    /// Of them, the bytes the capture holds: fewer where its snap length cut the packet.
    pub captured: u32,
    /// `shown` stops before the captured bytes do: rstscope keeps 200 characters of a text,
    /// 64 bytes of a payload that is no text.
    pub shortened: bool,
}

impl RstPayload {
    /// The payload `captured` of a RST whose payload is `len` bytes long, or `None` when it
    /// carries nothing (or only blanks).
    pub fn of(captured: &[u8], len: u32) -> Option<RstPayload> {
        if captured.is_empty() {
            return None;
        }
        // 200 characters never need more than RST_PAYLOAD_BYTES bytes, and a character cut at
        // that boundary lies past the 200th: the cut changes nothing kept. Past them the
        // reader hands nothing on, so what the capture holds beyond is not known: taken whole.
        let looked = captured.get(..RST_PAYLOAD_BYTES).unwrap_or(captured);
        let read_all = looked.len() < RST_PAYLOAD_BYTES;
        let held = if read_all {
            u32::try_from(looked.len()).unwrap_or(u32::MAX)
        } else {
            len.max(RST_PAYLOAD_BYTES as u32)
        };
        let (shown, binary, shortened) = match as_text(looked) {
            Some(text) => {
                let chars = text.chars().count();
                let text: String = text
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(MAX_PAYLOAD_CHARS)
                    .collect();
                let shortened =
                    chars > MAX_PAYLOAD_CHARS || (!read_all && held > RST_PAYLOAD_BYTES as u32);
                // Blanks at the end of a text cut short are part of what was cut.
                let text = if shortened || held < len {
                    text.trim_start().to_owned()
                } else {
                    text.trim().to_owned()
                };
                if text.trim().is_empty() {
                    return None;
                }
                (text.into(), false, shortened)
            }
            None => {
                let bytes = looked.get(..MAX_PAYLOAD_HEX).unwrap_or(looked);
                let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                (hex.join(" ").into(), true, bytes.len() < looked.len())
            }
        };
        Some(RstPayload {
            shown,
            binary,
            len: len.max(held),
            captured: held,
            shortened,
        })
    }

    /// What is shown stops before the payload does.
    pub fn is_cut(&self) -> bool {
        self.shortened || self.captured < self.len
    }

    /// Why what is shown stops early, where it does: `cut by the capture: 57 of 58 bytes
    /// captured`, `the first 200 characters`, `the first 64 bytes`.
    pub fn cut_note(&self) -> Option<String> {
        if self.captured < self.len {
            Some(format!(
                "cut by the capture: {} of {} bytes captured",
                self.captured, self.len
            ))
        } else if self.shortened {
            Some(if self.binary {
                format!("the first {MAX_PAYLOAD_HEX} bytes")
            } else {
                format!("the first {MAX_PAYLOAD_CHARS} characters")
            })
        } else {
            None
        }
    }

    /// As a sentence quotes it: `"BIG-IP: ... syste…" (cut by the capture: 57 of 58 bytes
    /// captured)`, `8 bytes that are not text: 33 aa 00 01 00 00 00 00`.
    pub fn quoted(&self) -> String {
        let (cut, note) = self.marks();
        if self.binary {
            format!(
                "{} bytes that are not text: {}{cut}{note}",
                self.len, self.shown
            )
        } else {
            format!("\"{}{cut}\"{note}", self.shown)
        }
    }

    /// What follows the text or bytes shown: `…` where they were cut, and ` (why)`.
    fn marks(&self) -> (&'static str, String) {
        let cut = if self.is_cut() { "…" } else { "" };
        let note = self
            .cut_note()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        (cut, note)
    }

    /// The same evidence: the same text or bytes.
    fn same(&self, other: &RstPayload) -> bool {
        self.binary == other.binary && self.shown == other.shown
    }
}

/// As JSON and CSV write it: the text (`…` and why where it was cut), or `hex: ` and the
/// bytes with their count for a payload that is no text.
impl std::fmt::Display for RstPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (cut, note) = self.marks();
        if self.binary {
            write!(
                f,
                "hex: {}{cut} ({} bytes, not text){note}",
                self.shown, self.len
            )
        } else {
            write!(f, "{}{cut}{note}", self.shown)
        }
    }
}

/// A whole text payload, for offenders made by hand.
impl From<&str> for RstPayload {
    fn from(text: &str) -> Self {
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        RstPayload {
            shown: text.into(),
            binary: false,
            len,
            captured: len,
            shortened: false,
        }
    }
}

/// The payload as text, where it is text rather than binary data: UTF-8 (a character cut
/// short at the end, by the snap length or the cut above, left out) of which at most a quarter
/// are control characters. Printed as text, binary data reads as garbage ("3\u{FFFD}" for a
/// RST diagnostic payload).
fn as_text(payload: &[u8]) -> Option<&str> {
    let text = match std::str::from_utf8(payload) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&payload[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let (mut chars, mut controls) = (0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        if c.is_control() && !c.is_whitespace() {
            controls += 1;
        }
    }
    (controls * 4 <= chars).then_some(text)
}

/// One row of the offenders table.
#[derive(Debug, Clone, PartialEq)]
pub struct Offender {
    /// Service address.
    pub addr: IpAddr,
    /// Service port.
    pub port: u16,
    /// The overlay network its packets came in ([`Overlay::NONE`] for TCP directly in IP).
    pub overlay: Overlay,
    /// RST packets in its connections.
    pub rst_packets: u64,
    /// RST packets by cause, indexed by [`Cause::index`].
    pub rst_by_cause: [u64; 5],
    /// Connections with at least one RST, by cause; `None` when counted over a time range
    /// ([`Offender::restricted`]: not kept per second).
    pub rst_conns_by_cause: Option<[u64; 5]>,
    /// Of the `stray` RSTs, those that answered a connection already reset less than
    /// [`super::reset_tuples::RESET_MEMORY_SECS`] before (its start was captured): reset by
    /// the client, by the server. Over a time range, known only where it holds every stray
    /// RST of the endpoint (else zeros).
    pub stray_after_reset: [u64; 2],
    /// RSTs it sent itself.
    pub rst_from_server: u64,
    /// RSTs its clients sent.
    pub rst_from_client: u64,
    /// Its RSTs by cause and sender (its clients, itself): the capture's whole count, also
    /// over a time range ([`Offender::restricted`]: not kept per second), where it tells who
    /// most likely sent the range's resets of each cause.
    pub rst_senders_by_cause: [[u64; 2]; 5],
    /// Its after-close RSTs by who sent them and who had sent a FIN: the capture's whole
    /// count, also over a time range ([`Offender::restricted`]: not kept per second), where
    /// it tells what the range's after-close resets most likely were.
    pub after_close: AfterClose,
    /// Of its abort RSTs, those that answered the other side's segment as a TCP answers one
    /// of a connection it does not have (RFC 9293 §3.10.7.1: no ACK flag, the sequence number
    /// the segment acknowledged), sent by its clients, by itself: the capture's whole count,
    /// also over a time range ([`Offender::restricted`]). An abortive close of a socket
    /// (SO_LINGER 0, unread data at close) carries ACK on Linux, Windows and the BSDs; these
    /// come from a side that lost the connection (its host or service restarted) or from a
    /// firewall or NAT on the way that forgot it and answered in its name. Counted to
    /// `u32::MAX` (saturating): four bytes each keep the record small at the caps.
    pub aborts_unknown: [u32; 2],
    /// RSTs flagged suspect-injected.
    pub suspect_injected: u64,
    /// Connection attempts to it.
    pub attempts: u64,
    /// Attempts whose handshake completed.
    pub completed: u64,
    /// Failed attempts.
    pub failed_attempts: u64,
    /// Attempts refused.
    pub failed_refused: u64,
    /// Attempts reset during the handshake.
    pub failed_reset: u64,
    /// Attempts never answered.
    pub failed_unanswered: u64,
    /// Of those, the ones still waiting when the capture ended, too soon to be given up on,
    /// per second of their last SYN ([`Offender::cut_off_attempts`] counts them).
    pub cut_off: Vec<CutOff>,
    /// Refusals of an already refused attempt (same ISN tried again).
    pub refusal_retries: u64,
    /// SYNs its clients sent again before an answer, and the attempts answered only after
    /// that or given up on ([`Resends`]). The whole capture's, also for a time range.
    pub resends: Resends,
    /// The TTLs (hop limits) of the resets with which it refused attempts.
    pub refusal_ttl: super::cause::TtlRange,
    /// The TTLs (hop limits) of the SYN-ACKs its address sent in its overlay network, on any
    /// port ([`HostAnswers`]): what the server's host answers a SYN with, to which its
    /// refusals' are compared. Known only for an endpoint that refused (empty otherwise).
    pub host_ttl: super::cause::TtlRange,
    /// Distinct client addresses.
    pub clients: u64,
    /// Those addresses, lowest first, where there are at most [`FEW_CLIENTS`] of them and
    /// all are known (else all `None`): the diagnosis names them. Inline, not a list: a row
    /// of each snapshot, with no allocation of its own.
    pub few_clients: [Option<IpAddr>; FEW_CLIENTS],
    /// `clients` is a lower bound.
    pub clients_at_least: bool,
    /// Failed attempts plus RSTs that were not part of one.
    pub incidents: u64,
    /// First incident.
    pub first_seen: Timestamp,
    /// Last incident.
    pub last_seen: Timestamp,
    /// Incidents per second from the first to the last second (over the seconds captured
    /// between them where `avg_over` says so).
    pub avg_rate: f64,
    /// Where nothing was captured for a while between its first and last incident (files far
    /// apart in time, a file with long gaps): the seconds captured between them, which
    /// `avg_rate` is over, so that the rate is not read as over its first to last span. Set
    /// outside the engine, which does not know the files ([`Offender::restricted`] and
    /// [`Offender::folded`] clear it).
    pub avg_over: Option<i64>,
    /// Most incidents in one second.
    pub peak_rate: u32,
    /// That second.
    pub peak_second: i64,
    /// What RST payloads carried: texts, or bytes in hex. Shared with the engine's endpoint
    /// and the rows of other snapshots while it does not change.
    pub rst_payloads: Arc<[RstPayload]>,
    /// Resets whose payload was not kept: the payload texts of all endpoints had reached
    /// their bound ([`PAYLOAD_TEXT_BYTES`]).
    pub rst_payloads_not_kept: u64,
    /// The first suspect-injected resets with their evidence (shared as `rst_payloads`).
    pub suspects: Arc<[SuspectRst]>,
    /// Per-second counts of this endpoint, seconds with nothing left out. Shared: copying an
    /// offender (the app does, per update) does not copy a day of seconds, and a snapshot
    /// shares the folded minutes' chunks with the engine ([`series::SharedSeries`]).
    pub series: series::SharedSeries,
    /// Entries of `series` before this second are whole minutes (see [`series`]).
    pub minutes_before: Option<i64>,
    /// Set when the endpoint's older series entries were dropped to bound memory
    /// ([`Services::limits`]): the first second its series counts in full. Its
    /// totals stay exact; a time range that starts earlier counts it from here on only
    /// ([`Offender::counted_from`]).
    pub series_from: Option<i64>,
    /// How packets of the endpoint's IP version were carried in the capture (link types,
    /// VLAN/MPLS/PPPoE layers, ...), most packets first: what its filters must step over.
    /// Filled outside the engine (by whoever decoded the frames); empty when not known.
    pub encaps: Encaps,
    /// The scan this endpoint is one target of: every attempt and incident here came from
    /// the client that probed many ports of its server (or this port of many servers).
    pub scan: Option<Arc<Scan>>,
    /// Its packets the capturing host dropped (each also an incident), the capture's whole
    /// count, also over a time range ([`Offender::restricted`]: not kept per second). Shared
    /// as `rst_payloads`.
    pub dropped: Arc<Dropped>,
    /// The capture interfaces its attempts, resets and dropped packets were seen on: the
    /// capture's whole, also over a time range ([`Offender::restricted`]: not kept per
    /// second).
    pub seen_on: SeenOn,
}

impl Offender {
    /// Its identity: address, port and overlay network.
    pub fn key(&self) -> ServiceKey {
        (self.addr, self.port, self.overlay)
    }

    /// The same offender counted over the seconds `from..=to` only, or `None` when nothing
    /// happened there. Attempts are those decided in the range (failed or completed there).
    /// Clients are not counted per second: `clients` stays the capture's total (exact for the
    /// range only when it is 1), and RST payload texts are left out (not kept per second);
    /// first and last seen become whole seconds.
    pub fn restricted(&self, from: i64, to: i64) -> Option<Offender> {
        // The series is in time order: cut the range out instead of scanning it all.
        let lo = self.series.partition_point(|(s, _)| *s < from);
        let hi = self.series.partition_point(|(s, _)| *s <= to);
        let series: Vec<(i64, SecondCounts)> = self.series.range(lo..hi.max(lo)).copied().collect();
        let mut rst = [0u64; 5];
        let mut failed_by = [0u64; 3];
        let (mut incidents, mut suspect) = (0u64, 0u64);
        let (mut completed, mut from_server, mut retries) = (0u64, 0u64, 0u64);
        let mut late = 0u64;
        for (_, c) in &series {
            completed += u64::from(c.completed);
            late += u64::from(c.late);
            from_server += u64::from(c.rst_from_server);
            retries += u64::from(c.refusal_retries);
            for (t, n) in rst.iter_mut().zip(c.rst) {
                *t += u64::from(n);
            }
            for (t, n) in failed_by.iter_mut().zip(c.failed_by) {
                *t += u64::from(n);
            }
            incidents += u64::from(c.incidents);
            suspect += u64::from(c.suspect);
        }
        let rst_packets: u64 = rst.iter().sum();
        let failed: u64 = failed_by.iter().sum();
        // Late answers make an offender where clients waited at once ([`Resends`]), as over
        // the whole capture: a range of them alone is that endpoint's.
        let late_told = late > 0 && self.resends.late_together > 0;
        if rst_packets == 0
            && failed == 0
            && !late_told
            && (incidents == 0 || self.dropped.packets == 0)
        {
            return None;
        }
        let with_incidents = || {
            series
                .iter()
                .filter(|(_, c)| c.incidents > 0)
                .map(|(s, _)| *s)
        };
        let first = with_incidents()
            .next()
            .unwrap_or(from.max(self.first_seen.second()));
        let last = with_incidents().next_back().unwrap_or(first);
        // A folded minute says only that its busiest second had at least a sixtieth of it.
        let folded = |s: i64| self.minutes_before.is_some_and(|b| s < b);
        let (peak_second, peak_rate) = peak(
            series.iter().map(|(s, c)| {
                let n = if folded(*s) {
                    c.incidents.div_ceil(60)
                } else {
                    c.incidents
                };
                (*s, n)
            }),
            first,
        );
        // The stray resets after a reset are not counted per second: known for a range that
        // holds all the stray resets, else none.
        let stray = Cause::Stray.index();
        let stray_after_reset = if rst[stray] == self.rst_by_cause[stray] {
            self.stray_after_reset
        } else {
            [0; 2]
        };
        Some(Offender {
            rst_packets,
            rst_by_cause: rst,
            rst_conns_by_cause: None,
            stray_after_reset,
            rst_from_server: from_server,
            rst_from_client: rst_packets.saturating_sub(from_server),
            attempts: failed + completed,
            completed,
            refusal_retries: retries,
            rst_payloads: Arc::default(),
            rst_payloads_not_kept: 0,
            suspects: self
                .suspects
                .iter()
                .filter(|s| (from..=to).contains(&s.at.second()))
                .copied()
                .collect(),
            suspect_injected: suspect,
            failed_attempts: failed,
            failed_refused: failed_by[0],
            failed_reset: failed_by[1],
            failed_unanswered: failed_by[2],
            cut_off: (self.cut_off.iter())
                .filter(|c| (from..=to).contains(&c.second))
                .copied()
                .collect(),
            incidents,
            first_seen: Timestamp::from_parts(first, 0),
            last_seen: Timestamp::from_parts(last, 0),
            avg_rate: incidents as f64 / (last - first + 1).max(1) as f64,
            avg_over: None,
            peak_rate,
            peak_second,
            series: series.into(),
            ..self.clone()
        })
    }

    /// A scan's targets (their offenders, each restricted to a time range where the caller
    /// has one) as one offender: their counts summed, their series added second by second,
    /// their first and last incidents, the scan's client as its one client. What the app's
    /// table shows as the scan's row, so that its counts, rates, times and plotted series are
    /// the targets' together. At the scan's server (a port scan) or its client (a sweep),
    /// port 0: no endpoint of its own. `None` without targets (a scan only the tally found).
    pub fn folded(scan: &Arc<Scan>, targets: &[&Offender]) -> Option<Offender> {
        let (first, rest) = targets.split_first()?;
        let mut o = (*first).clone();
        let mut by_second: std::collections::BTreeMap<i64, SecondCounts> =
            first.series.iter().copied().collect();
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        // Most often one list, shared by every offender of the snapshot.
        let mut encaps: Vec<crate::packet::Encap> = first.encaps.as_slice().to_vec();
        for t in rest {
            sum(&mut o.rst_packets, t.rst_packets);
            for (a, b) in o.rst_by_cause.iter_mut().zip(t.rst_by_cause) {
                sum(a, b);
            }
            for (a, b) in o.stray_after_reset.iter_mut().zip(t.stray_after_reset) {
                sum(a, b);
            }
            for (a, b) in (o.rst_senders_by_cause.iter_mut()).zip(t.rst_senders_by_cause) {
                for (a, b) in a.iter_mut().zip(b) {
                    sum(a, b);
                }
            }
            sum(&mut o.rst_from_server, t.rst_from_server);
            sum(&mut o.rst_from_client, t.rst_from_client);
            sum(&mut o.suspect_injected, t.suspect_injected);
            sum(&mut o.attempts, t.attempts);
            sum(&mut o.completed, t.completed);
            sum(&mut o.failed_attempts, t.failed_attempts);
            sum(&mut o.failed_refused, t.failed_refused);
            sum(&mut o.failed_reset, t.failed_reset);
            sum(&mut o.failed_unanswered, t.failed_unanswered);
            sum(&mut o.refusal_retries, t.refusal_retries);
            sum(&mut o.incidents, t.incidents);
            o.cut_off.extend(t.cut_off.iter().copied());
            o.first_seen = o.first_seen.min(t.first_seen);
            o.last_seen = o.last_seen.max(t.last_seen);
            o.minutes_before = o.minutes_before.max(t.minutes_before);
            o.series_from = o.series_from.max(t.series_from);
            if !Arc::ptr_eq(&t.encaps.0, &first.encaps.0) {
                for e in t.encaps.as_slice() {
                    if !encaps.contains(e) && encaps.len() < crate::packet::EncapTally::MAX {
                        encaps.push(*e);
                    }
                }
            }
            for place in t.seen_on.places() {
                o.seen_on.note(place);
            }
            if t.seen_on.later() {
                o.seen_on.note(SeenOn::LATER);
            }
            for (second, c) in t.series.iter() {
                series::add(by_second.entry(*second).or_default(), c);
            }
        }
        if encaps.len() > first.encaps.as_slice().len() {
            o.encaps = Encaps(encaps.into());
        }
        if !rest.is_empty() {
            o.suspects = (targets.iter())
                .flat_map(|t| t.suspects.iter().copied())
                .collect();
        }
        let folded = |s: i64| o.minutes_before.is_some_and(|b| s < b);
        let (peak_second, peak_rate) = peak(
            by_second.iter().map(|(&s, c)| {
                let n = if folded(s) {
                    c.incidents.div_ceil(60)
                } else {
                    c.incidents
                };
                (s, n)
            }),
            o.first_seen.second(),
        );
        let span = (o.last_seen.second() - o.first_seen.second() + 1).max(1);
        let (addr, port) = match scan.kind {
            scans::ScanKind::Ports { server } => (server, 0),
            scans::ScanKind::Sweep { .. } => (scan.client, 0),
        };
        let series: Vec<(i64, SecondCounts)> = by_second.into_iter().collect();
        Some(Offender {
            addr,
            port,
            // Counted by connection per cause only over the whole capture of one endpoint.
            rst_conns_by_cause: None,
            clients: 1,
            few_clients: std::array::from_fn(|i| (i == 0).then_some(scan.client)),
            clients_at_least: false,
            avg_rate: o.incidents as f64 / span as f64,
            avg_over: None,
            peak_rate,
            peak_second,
            series: series.into(),
            scan: Some(Arc::clone(scan)),
            ..o
        })
    }

    /// Attempts answered only after their SYNs were sent again, in what its counts cover:
    /// the whole capture's ([`Resends::late`]), or a time range's, counted from its seconds
    /// ([`Offender::restricted`]: the rest of `resends` stays the whole capture's).
    pub fn answered_late(&self) -> u64 {
        if self.rst_conns_by_cause.is_some() {
            u64::from(self.resends.late)
        } else {
            self.series.iter().map(|(_, c)| u64::from(c.late)).sum()
        }
    }

    /// Where a time range starting at `from` really starts counting this endpoint, when that
    /// is later because its older series entries were dropped to bound memory.
    pub fn counted_from(&self, from: i64) -> Option<i64> {
        self.series_from.filter(|&f| f > from)
    }

    /// Failed attempts still waiting for an answer when the capture ended, less than
    /// [`super::ATTEMPT_UNANSWERED_SECS`] after their last SYN: among `failed_unanswered`.
    pub fn cut_off_attempts(&self) -> u64 {
        self.cut_off.iter().map(|c| c.attempts).sum()
    }

    /// The shortest and the longest time those attempts waited, in nanoseconds.
    pub fn cut_off_waited_ns(&self) -> Option<(i64, i64)> {
        self.cut_off
            .iter()
            .map(|c| c.waited_ns)
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    /// The ranking key: incidents (failed attempts plus RSTs outside them), as the table's
    /// Incidents column counts them: a refused attempt is one, however often it was
    /// retried, as an unanswered one is.
    pub fn score(&self) -> u64 {
        self.incidents
    }

    /// The offenders' order: those that are not a scan's targets first, then by
    /// [`Offender::score`] (highest first), then by endpoint.
    pub fn rank(a: &Offender, b: &Offender) -> std::cmp::Ordering {
        a.scan
            .is_some()
            .cmp(&b.scan.is_some())
            .then_with(|| b.score().cmp(&a.score()))
            .then_with(|| a.key().cmp(&b.key()))
    }

    /// What most likely happened here, with the numbers that show it.
    pub fn diagnosis(&self) -> Diagnosis {
        let by = |c: Cause| self.rst_by_cause[c.index()];
        // Each kind's weight: the RSTs or failed attempts that speak for it.
        let candidates = [
            (
                DiagnosisKind::Refused,
                self.failed_refused.max(u64::from(by(Cause::Refused) > 0)),
            ),
            // Attempts the capture's end cut off say little: they weigh only where nothing
            // else has weight.
            (
                DiagnosisKind::Unanswered,
                self.failed_unanswered
                    .saturating_sub(self.cut_off_attempts()),
            ),
            // Attempts answered only after their SYNs were sent again; where the SYN-ACKs
            // came right after a SYN sent again (the SYNs before it dropped, as a full listen
            // queue drops them), the attempts given up on unanswered meanwhile are that
            // queue's too, and told with them.
            (
                DiagnosisKind::LateAnswer,
                self.answered_late() * u64::from(self.resends.late_together > 0)
                    + if self.resends.late_together > 0 && self.resends.late_at_once > 0 {
                        self.failed_unanswered
                            .saturating_sub(self.cut_off_attempts())
                    } else {
                        0
                    },
            ),
            (DiagnosisKind::HandshakeReset, by(Cause::HandshakeReset)),
            (DiagnosisKind::Abort, by(Cause::Abort)),
            (DiagnosisKind::AfterClose, by(Cause::AfterClose)),
            (DiagnosisKind::Stray, by(Cause::Stray)),
        ];
        // Resets after a FIN and stray ones are often benign: they speak only where no
        // attempt failed and no connection was aborted, as a failure (the count a monitoring
        // alert is about) must not hide behind more of them.
        let benign =
            |k: DiagnosisKind| matches!(k, DiagnosisKind::AfterClose | DiagnosisKind::Stray);
        let mut kind = candidates[0].0;
        let mut best = 0;
        for serious in [true, false] {
            for &(k, w) in candidates.iter().filter(|(k, _)| benign(*k) != serious) {
                if w > best {
                    best = w;
                    kind = k;
                }
            }
            if best > 0 {
                break;
            }
        }
        if best == 0 && self.failed_unanswered > 0 {
            kind = DiagnosisKind::Unanswered;
        }
        // SYNs and RSTs the host dropped explain the attempts that got no answer, and the
        // refusals the clients never saw.
        let dropped = self.dropped.syn + self.dropped.rst;
        if dropped > 0 && (dropped >= best || kind == DiagnosisKind::Unanswered) {
            kind = DiagnosisKind::Dropped;
        }
        if self.suspect_injected * 2 > self.rst_packets && self.rst_packets > 0 {
            kind = DiagnosisKind::Injected;
        }
        Diagnosis { kind }
    }
}

/// The kind of problem an offender shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosisKind {
    /// Attempts refused: nothing listening (all refused) or not always (some completed).
    Refused,
    /// SYNs never answered.
    Unanswered,
    /// Attempts answered only after their SYNs were sent again: a listen queue that
    /// overflowed (the SYN-ACKs right after a SYN sent again), or a slow path or host.
    LateAnswer,
    /// SYNs or RSTs the capturing host dropped (a Windows pktmon drop event, an XDP or tc
    /// program's drop): they never reached the other side.
    Dropped,
    /// Resets during the handshake.
    HandshakeReset,
    /// Established connections aborted.
    Abort,
    /// Resets after a FIN.
    AfterClose,
    /// Resets for connections whose start was not seen.
    Stray,
    /// Most resets look injected.
    Injected,
}

impl DiagnosisKind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Unanswered => "unanswered",
            Self::LateAnswer => "late-answer",
            Self::Dropped => "dropped",
            Self::HandshakeReset => "handshake-reset",
            Self::Abort => "abort",
            Self::AfterClose => "after-close",
            Self::Stray => "stray",
            Self::Injected => "injected",
        }
    }
}

/// A diagnosis: its kind; the sentence is built from it and the offender's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnosis {
    /// What happened.
    pub kind: DiagnosisKind,
}

/// All service endpoints seen, with a bound on how many are tracked and on how many series
/// entries they hold together.
#[derive(Debug)]
pub struct Services {
    map: foldhash::HashMap<ServiceKey, ServiceStats>,
    /// What the endpoints dropped from the table had counted.
    pub other: OtherEndpoints,
    /// What all endpoints hold together.
    usage: Usage,
    /// What they may hold, given what the flow table holds (its high-water mark): the
    /// endpoints' series and client sets share [`ServiceBounds::shared_bytes`] with it.
    limits: Usage,
    /// The scans found so far, noted before endpoints are dropped (and by the engine).
    scans_counted: ScanCount,
    /// The names of the places of the endpoints' dropped packets.
    place_names: PlaceNames,
    /// Its bounds: endpoints tracked, memory shared with the flow table.
    bounds: ServiceBounds,
    /// The TTLs each address answered SYNs with.
    pub host_answers: HostAnswers,
}

/// The TTLs (IPv6 hop limits) of the SYN-ACKs each address sent, on any port, in each
/// overlay network: what a server's host answers a SYN with. A closed port's reset is its
/// host's TCP answering a SYN too, with the same initial TTL over the same path, so it comes
/// with the TTL of its host's SYN-ACKs; a firewall's `reject with tcp reset` on the way comes
/// from a router nearer the client (one hop fewer, 64 where the server's come with 63) or
/// another system (another initial TTL). Taken from every SYN-ACK without RST, whatever its
/// connection (so the packets of one endpoint saved apart carry the whole capture's range as
/// a figure, [`crate::report::evidence`]): one look-up per SYN-ACK, none for other packets.
/// At most [`HostAnswers::MOST`] addresses: past it a new address is not kept (its refusals
/// then say the capture cannot tell, as where it holds no SYN-ACK of their host).
#[derive(Debug, Clone, Default)]
pub struct HostAnswers {
    map: foldhash::HashMap<(IpAddr, Overlay), super::cause::TtlRange>,
}

impl HostAnswers {
    /// Addresses kept: 7/8 of 4,096 slots, the most a hash table of that many holds.
    pub const MOST: usize = 3_584;

    /// A SYN-ACK `addr` sent with `ttl` in `overlay`.
    pub fn add(&mut self, addr: IpAddr, overlay: Overlay, ttl: u8) {
        self.merge(addr, overlay, super::cause::TtlRange::of(ttl));
    }

    /// The SYN-ACKs' TTLs of `addr` as known from elsewhere (a file of one endpoint's packets
    /// says those of the capture it was saved from).
    pub fn merge(&mut self, addr: IpAddr, overlay: Overlay, ttls: super::cause::TtlRange) {
        if ttls.bounds().is_none() {
            return;
        }
        let full = self.map.len() >= Self::MOST;
        if let Some(range) = self.map.get_mut(&(addr, overlay)) {
            range.merge(ttls);
        } else if !full {
            self.map.insert((addr, overlay), ttls);
        }
    }

    /// The TTLs `addr` answered SYNs with in `overlay` (empty where it sent no SYN-ACK).
    pub fn of(&self, addr: IpAddr, overlay: Overlay) -> super::cause::TtlRange {
        self.map.get(&(addr, overlay)).copied().unwrap_or_default()
    }

    /// The most its table holds at [`HostAnswers::MOST`] addresses: for the sum of every
    /// cap of the agent (tests/agent_memory.rs).
    pub const MOST_BYTES: usize = crate::room::table(
        Self::MOST,
        std::mem::size_of::<((IpAddr, Overlay), super::cause::TtlRange)>(),
    );
}

impl Default for Services {
    fn default() -> Self {
        Self::new(ServiceBounds::default())
    }
}

/// How many endpoints [`Services`] tracks at once, and the memory their series and client
/// sets share with the flow table: an analysis's ([`ServiceBounds::default`]), or a
/// long-running agent's, whose other parts (the host's records, the capture in flight, the
/// evidence) take their share of the same 150 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceBounds {
    /// Endpoints tracked at once; past it the half that matters least goes into
    /// [`Services::other`] (see [`Services::get`]).
    pub max_tracked: usize,
    /// Memory the flow table, the endpoints' series and their client sets share (see
    /// [`Services::SHARED_BYTES`]).
    pub shared_bytes: usize,
}

impl Default for ServiceBounds {
    fn default() -> Self {
        Self {
            max_tracked: Services::MAX_TRACKED,
            shared_bytes: Services::SHARED_BYTES,
        }
    }
}

/// What all endpoints' stats hold together, or may hold ([`Services::limits`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Entries in the endpoints' series.
    pub series_entries: usize,
    /// Client addresses in the endpoints' sets.
    pub clients: usize,
    /// Bytes of the endpoints' RST payload texts (at most [`PAYLOAD_TEXT_BYTES`]).
    pub payload_bytes: usize,
}

/// One endpoint's stats, as [`Services::get`] hands them out: series entries and clients
/// added through it are counted against [`Services::limits`].
pub struct Endpoint<'a> {
    stats: &'a mut ServiceStats,
    usage: &'a mut Usage,
    place_names: &'a mut PlaceNames,
}

impl Endpoint<'_> {
    /// The counts of the second of `ts` (of its minute, if folded).
    pub fn second(&mut self, ts: Timestamp) -> &mut SecondCounts {
        self.stats.second(ts, self.usage)
    }

    /// Records an incident at `ts` involving `client`.
    pub fn incident(&mut self, ts: Timestamp, client: IpAddr) {
        self.stats.incident(ts, client, self.usage);
    }

    /// Records a packet the capturing host dropped, an incident at `ts` involving `client`.
    pub fn dropped(
        &mut self,
        ts: Timestamp,
        client: IpAddr,
        drop: &DropNote<'_>,
        from_server: bool,
    ) {
        let kept = (&mut *self.usage, &mut *self.place_names);
        self.stats.dropped(ts, client, drop, from_server, kept);
    }

    /// Keeps a RST's payload as [`ServiceStats::rst_payload`] does, within what the payload
    /// texts of all endpoints may hold ([`PAYLOAD_TEXT_BYTES`]).
    pub fn rst_payload(&mut self, captured: &[u8], len: u32) {
        let room = PAYLOAD_TEXT_BYTES.saturating_sub(self.usage.payload_bytes);
        self.usage.payload_bytes += self.stats.keep_payload(captured, len, room);
    }
}

impl Deref for Endpoint<'_> {
    type Target = ServiceStats;

    fn deref(&self) -> &ServiceStats {
        self.stats
    }
}

impl DerefMut for Endpoint<'_> {
    fn deref_mut(&mut self) -> &mut ServiceStats {
        self.stats
    }
}

/// The endpoints dropped from the table to make room for new ones (a scan's or a flood's
/// thousands of one-packet endpoints), and what they had counted, so that the offenders and
/// these together still add up to the totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OtherEndpoints {
    /// Endpoints dropped (one dropped, seen again and dropped again counts twice).
    pub dropped: u64,
    /// Their RST packets by cause.
    pub rst_by_cause: [u64; 5],
    /// Their failed attempts.
    pub failed_attempts: u64,
    /// Their connection attempts.
    pub attempts: u64,
    /// Their RSTs flagged suspect-injected.
    pub suspect_injected: u64,
}

impl OtherEndpoints {
    fn add(&mut self, s: &ServiceStats) {
        self.dropped += 1;
        for (t, n) in self.rst_by_cause.iter_mut().zip(s.rst_by_cause) {
            *t += n;
        }
        self.failed_attempts += s.failed_attempts();
        self.attempts += s.attempts;
        self.suspect_injected += s.suspect_injected;
    }

    /// RST packets of all causes.
    pub fn rst_packets(&self) -> u64 {
        self.rst_by_cause.iter().sum()
    }
}

impl Services {
    /// The bound on tracked endpoints of an analysis ([`ServiceBounds::max_tracked`]). Each
    /// costs about a kilobyte without its series; past the bound the half that matters least
    /// goes (see [`Services::get`]).
    pub const MAX_TRACKED: usize = 10_000;

    /// No endpoint yet, within `bounds`.
    pub fn new(bounds: ServiceBounds) -> Self {
        Self {
            map: Default::default(),
            other: OtherEndpoints::default(),
            usage: Usage::default(),
            limits: Self::limits_for(bounds.shared_bytes, 0),
            scans_counted: ScanCount::default(),
            place_names: PlaceNames::default(),
            bounds,
            host_answers: HostAnswers::default(),
        }
    }

    /// Memory the flow table, the endpoints' series and their client sets share in an
    /// analysis ([`ServiceBounds::shared_bytes`]). Without a
    /// bound on the last two, 10,000 endpoints with something in every second (a scanner
    /// going over the same ports again and again) would keep an hour of seconds each, 36
    /// million entries, and 10,000 endpoints each reached from hundreds of addresses (a
    /// flood from spoofed sources over many ports) millions of clients: gigabytes. What the
    /// flow table does not hold (a full one, 200,000 connections, holds all of it) goes two
    /// thirds to series entries and one third to clients ([`Services::limits`]), and never
    /// less than a minimum; past its share, the endpoints that matter least give up their
    /// older entries ([`ServiceStats::series_from`]) or their sets of clients (the count
    /// they had stays, as a lower bound). With everything full (gen_load's sweep) the
    /// analysis peaked at 146-149 MB (scripts/bench-memory.sh).
    pub const SHARED_BYTES: usize = 104_000_000;
    /// What a series entry (a second or a minute of one endpoint) costs at most: its size in
    /// the series and as much in the copy snapshots share. A folded minute sealed into a
    /// chunk ([`series::ChunkedSeries`]) costs its size once (snapshots share its chunk); the
    /// bound still counts it twice, so that it stays what it was (and the endpoints' series
    /// give up their past at the same point). 144 bytes since the late answers' count.
    const SERIES_ENTRY_BYTES: usize = 2 * std::mem::size_of::<series::Entry>();
    /// What a client address costs in a set.
    const CLIENT_BYTES: usize = 30;
    /// Room kept whatever the flow table holds (about 2.6 and 1.5 MB).
    const MIN_SERIES_ENTRIES: usize = 20_000;
    const MIN_CLIENTS: usize = 50_000;

    /// The most the flow table and the endpoints' series and client sets hold together within
    /// `bounds`, by what they are charged ([`ServiceBounds::shared_bytes`], the flow table's
    /// entries included) and the room the series and client sets keep whatever the flow table
    /// holds: for the sum of every cap of the agent (tests/agent_memory.rs).
    pub const fn most_shared_bytes(bounds: ServiceBounds) -> usize {
        bounds.shared_bytes
            + Self::MIN_SERIES_ENTRIES * Self::SERIES_ENTRY_BYTES
            + Self::MIN_CLIENTS * Self::CLIENT_BYTES
    }
    /// The lists an endpoint shares with the rows of snapshots ([`ServiceStats::rst_payloads`],
    /// `suspects`, `dropped`) at their caps, the texts they point to aside: each an `Arc`'s
    /// two counts and what it holds.
    const SHARED_LISTS_BYTES: usize = 3 * ARC_COUNTS
        + MAX_PAYLOADS * std::mem::size_of::<RstPayload>()
        + MAX_SUSPECTS * std::mem::size_of::<SuspectRst>()
        + std::mem::size_of::<Dropped>()
        + MAX_DROP_PLACES * std::mem::size_of::<(Arc<str>, u64)>();
    /// The texts an endpoint's lists point to besides their bytes (those of all endpoints'
    /// RST payloads are counted together, [`PAYLOAD_TEXT_BYTES`], and the places' names are
    /// kept once, `PlaceNames`): each payload's text's counts.
    const LIST_TEXTS_BYTES: usize = MAX_PAYLOADS * ARC_COUNTS;

    /// The most the endpoints hold besides their series and client sets within `bounds`:
    /// [`ServiceBounds::max_tracked`] of them in their hash table, each with its RST payloads,
    /// suspect resets, and the places and clients of its dropped packets, and the payloads'
    /// texts and place names of all of them ([`PAYLOAD_TEXT_BYTES`]). For the sum of every cap
    /// of the agent (tests/agent_memory.rs).
    pub const fn most_endpoint_bytes(bounds: ServiceBounds) -> usize {
        crate::room::table(
            bounds.max_tracked,
            std::mem::size_of::<(ServiceKey, ServiceStats)>(),
        ) + bounds.max_tracked
            * (Self::SHARED_LISTS_BYTES
                + Self::LIST_TEXTS_BYTES
                + MAX_DROP_CLIENTS * std::mem::size_of::<IpAddr>())
            + PAYLOAD_TEXT_BYTES
            + PlaceNames::MOST_BYTES
            + HostAnswers::MOST_BYTES
    }

    /// The most the offenders' rows of one snapshot hold besides their series (counted in
    /// [`Self::most_shared_bytes`]) within `bounds`: [`ServiceBounds::max_tracked`] rows. A row shares its endpoint's
    /// lists (RST payloads, suspect resets, dropped packets) until the endpoint changes one:
    /// the engine then makes its own, and the row's is the row's alone (one at most: the
    /// engine's next change replaces its own). An endpoint dropped from the table leaves the
    /// row its payloads' texts too: at most what the endpoints held when the snapshot was made
    /// ([`PAYLOAD_TEXT_BYTES`]); the places' names stay with the engine. Before they were
    /// shared, each snapshot copied all of them: 70.2 MB at the caps.
    pub const fn most_rows_bytes(bounds: ServiceBounds) -> usize {
        bounds.max_tracked
            * (std::mem::size_of::<Offender>() + Self::SHARED_LISTS_BYTES + Self::LIST_TEXTS_BYTES)
            + PAYLOAD_TEXT_BYTES
    }

    /// How many series entries and clients the endpoints may hold together now.
    pub fn limits(&self) -> Usage {
        self.limits
    }

    fn limits_for(shared_bytes: usize, flow_bytes: usize) -> Usage {
        let room = shared_bytes.saturating_sub(flow_bytes);
        Usage {
            series_entries: (room / 3 * 2 / Self::SERIES_ENTRY_BYTES).max(Self::MIN_SERIES_ENTRIES),
            clients: (room / 3 / Self::CLIENT_BYTES).max(Self::MIN_CLIENTS),
            payload_bytes: PAYLOAD_TEXT_BYTES,
        }
    }

    /// Tells how many bytes the flow table holds (when it grows).
    pub fn flows_hold(&mut self, bytes: usize) {
        self.limits = Self::limits_for(self.bounds.shared_bytes, bytes);
    }

    /// The stats of `key`, created if new. When the table is full, the half of it with the
    /// fewest incidents (endpoints without any first, then the least recently
    /// involved) is dropped into [`Services::other`] first: the worst offenders stay, whatever
    /// order they came in. When the endpoints' series or client sets together hold more than
    /// their [`Services::limits`], the same order decides whose older entries or sets go
    /// (those that gave some up before first), down to half the limit.
    pub fn get(&mut self, key: ServiceKey) -> Option<Endpoint<'_>> {
        let most = self.bounds.max_tracked;
        if self.map.len() >= most && !self.map.contains_key(&key) {
            self.drop_least(most / 2);
        }
        let limits = self.limits;
        if self.usage.series_entries > limits.series_entries {
            self.trim_series(limits.series_entries / 2);
        }
        if self.usage.clients > limits.clients {
            self.trim_clients(limits.clients / 2);
        }
        Some(Endpoint {
            stats: self.map.entry(key).or_default(),
            usage: &mut self.usage,
            place_names: &mut self.place_names,
        })
    }

    /// What all endpoints hold together.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// The endpoints in the order they give up what they hold: those with the fewest
    /// incidents (the offenders' ranking key, [`Offender::score`]), then the least recently involved, then by endpoint (so that the
    /// same packets always give the same result); of those `holds`, and those for which
    /// `given_up` is true before any other.
    fn least_first(
        &self,
        holds: impl Fn(&ServiceStats) -> bool,
        given_up: impl Fn(&ServiceStats) -> bool,
    ) -> Vec<ServiceKey> {
        let mut ranked: Vec<(bool, u64, Option<Timestamp>, ServiceKey)> = self
            .map
            .iter()
            .filter(|(_, s)| holds(s))
            .map(|(k, s)| {
                let order = (s.incidents, s.last_seen, *k);
                (!given_up(s), order.0, order.1, order.2)
            })
            .collect();
        ranked.sort_unstable();
        ranked.into_iter().map(|(.., k)| k).collect()
    }

    /// Brings the endpoints' series down to `target` entries: endpoints whose series was cut
    /// before first, then those with the fewest incidents, the least recently
    /// involved, then by endpoint (deterministic) keep only their latest entry
    /// ([`ServiceStats::series_from`]). So the worst offenders keep whole series as long as
    /// they fit, and those that give them up keep counting from then on.
    fn trim_series(&mut self, target: usize) {
        let order = self.least_first(|s| s.per_second.len() > 1, |s| s.series_from.is_some());
        for key in order {
            if self.usage.series_entries <= target {
                break;
            }
            if let Some(s) = self.map.get_mut(&key) {
                self.usage.series_entries -= s.keep_latest();
            }
        }
    }

    /// Brings the endpoints' client sets down to `target` addresses: in the order of
    /// [`Services::trim_series`], endpoints give up their sets and keep their counts as lower
    /// bounds ([`ServiceStats::clients_given_up`]).
    fn trim_clients(&mut self, target: usize) {
        let order = self.least_first(|s| !s.clients.is_empty(), |_| false);
        for key in order {
            if self.usage.clients <= target {
                break;
            }
            if let Some(s) = self.map.get_mut(&key) {
                self.usage.clients -= s.give_up_clients();
            }
        }
    }

    /// Drops the `n` endpoints that matter least, keeping their counts in `other`, and counts
    /// the scans among the endpoints before they go (those the scan tally holds stay found).
    /// Rare (once per 5,000 new endpoints) and long: kept out of the per-packet code that
    /// calls [`Services::get`].
    #[cold]
    #[inline(never)]
    fn drop_least(&mut self, n: usize) {
        let found = scans::find(self.map.iter(), self.other.dropped > 0);
        self.scans_counted.note(&found);
        let mut ranked: Vec<(u64, Option<Timestamp>, ServiceKey)> = self
            .map
            .iter()
            .map(|(k, s)| (s.incidents, s.last_seen, *k))
            .collect();
        // Deterministic: by score, then last involved (never first), then endpoint.
        ranked.sort_unstable();
        for (_, _, key) in ranked.into_iter().take(n) {
            if let Some(s) = self.map.remove(&key) {
                self.usage.series_entries -= s.per_second.len();
                self.usage.clients -= s.clients.len();
                self.usage.payload_bytes -= s.payload_bytes();
                self.other.add(&s);
            }
        }
    }

    /// Folds every endpoint's seconds before `boundary` into minutes.
    pub fn fold(&mut self, boundary: i64) {
        for s in self.map.values_mut() {
            s.fold(boundary);
        }
        self.count_series_entries();
    }

    fn count_series_entries(&mut self) {
        self.usage.series_entries = self.map.values().map(|s| s.per_second.len()).sum();
    }

    /// Whether any endpoint's series holds an entry before `second`.
    pub fn any_before(&self, second: i64) -> bool {
        self.map
            .values()
            .any(|s| s.per_second.first().is_some_and(|&(k, _)| k < second))
    }

    /// Drops every endpoint's series entries before `from`.
    pub fn drop_before(&mut self, from: i64) {
        for s in self.map.values_mut() {
            s.drop_before(from);
        }
        self.count_series_entries();
    }

    /// The scans among the endpoints (largest first), with their counts from `tally` where it
    /// holds them and endpoints were dropped ([`scans::widen`]).
    fn scans(&self, tally: &ScanTally) -> Vec<scans::Found> {
        let mut found = scans::find(self.map.iter(), self.other.dropped > 0);
        if self.other.dropped > 0 {
            scans::widen(&mut found, tally, |k| self.map.get(k));
        }
        found
    }

    /// Counts the scans found now that were not counted yet (see [`ScanCount`]).
    pub fn count_scans(&mut self, tally: &ScanTally) {
        let found = self.scans(tally);
        self.scans_counted.note(&found);
    }

    /// The scans found since the start: those counted, and those of `now` (the scans
    /// [`Services::offenders`] gave) not counted yet.
    pub fn scans_found(&self, now: &[Arc<Scan>]) -> ScansFound {
        self.scans_counted.with(now.iter().map(|s| &**s))
    }

    /// The offender rows and the scans among the endpoints (largest first). The rows are
    /// ranked by [`Offender::rank`]: the targets of a scan after every other offender, so
    /// that a scan's hundreds of ports do not bury the endpoints that have a problem of
    /// their own.
    /// When endpoints were dropped, the scans' counts come from `tally` where it holds them
    /// ([`scans::widen`]).
    pub fn offenders(&self, tally: &ScanTally) -> (Vec<Offender>, Vec<Arc<Scan>>) {
        let found = self.scans(tally);
        let mut member: foldhash::HashMap<ServiceKey, usize> = Default::default();
        let mut scans = Vec::with_capacity(found.len());
        for (i, f) in found.into_iter().enumerate() {
            member.extend(f.targets.into_iter().map(|k| (k, i)));
            scans.push(Arc::new(f.scan));
        }
        let mut rows: Vec<Offender> = self
            .map
            .iter()
            .filter_map(|(k, s)| {
                let mut o = s.offender(*k)?;
                o.scan = member.get(k).map(|&i| Arc::clone(&scans[i]));
                Some(o)
            })
            .collect();
        // What the hosts of the endpoints that refused answer SYNs with, to compare their
        // refusals' TTLs with: a look-up a row that refused.
        for o in rows.iter_mut().filter(|o| o.refusal_ttl.bounds().is_some()) {
            o.host_ttl = self.host_answers.of(o.addr, o.overlay);
        }
        rows.sort_by(Offender::rank);
        (rows, scans)
    }
}

#[cfg(test)]
impl Offender {
    /// An offender at `addr`:`port` with nothing counted, seen in second 100 only, for tests
    /// to fill in what they look at.
    pub(crate) fn blank(addr: &str, port: u16) -> Self {
        Offender {
            addr: addr.parse().expect("an address"),
            port,
            overlay: Overlay::NONE,
            seen_on: SeenOn::default(),
            rst_packets: 0,
            rst_by_cause: [0; 5],
            rst_conns_by_cause: None,
            stray_after_reset: [0; 2],
            rst_from_server: 0,
            rst_from_client: 0,
            rst_senders_by_cause: [[0; 2]; 5],
            after_close: AfterClose::default(),
            aborts_unknown: [0; 2],
            suspect_injected: 0,
            attempts: 0,
            completed: 0,
            failed_attempts: 0,
            failed_refused: 0,
            failed_reset: 0,
            failed_unanswered: 0,
            cut_off: Vec::new(),
            refusal_retries: 0,
            resends: Resends::default(),
            refusal_ttl: super::cause::TtlRange::default(),
            host_ttl: super::cause::TtlRange::default(),
            clients: 1,
            few_clients: [None; FEW_CLIENTS],
            clients_at_least: false,
            incidents: 0,
            first_seen: Timestamp::from_parts(100, 0),
            last_seen: Timestamp::from_parts(100, 0),
            avg_rate: 0.0,
            avg_over: None,
            peak_rate: 0,
            peak_second: 100,
            rst_payloads: Arc::default(),
            rst_payloads_not_kept: 0,
            suspects: Arc::default(),
            series: Vec::new().into(),
            minutes_before: None,
            series_from: None,
            encaps: Encaps::default(),
            scan: None,
            dropped: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_parts(secs, 0)
    }

    /// A scan's targets folded into one offender (the app's row of the scan): their counts
    /// summed, their series added second by second, their first and last incidents, the
    /// scan's client its one client; at the scan's server, port 0, pointing to the scan.
    #[test]
    fn a_scans_targets_fold_into_one_offender() {
        let target = |port: u16, seconds: &[i64]| {
            let mut o = Offender::blank("10.0.0.2", port);
            o.failed_refused = seconds.len() as u64;
            o.failed_attempts = o.failed_refused;
            o.attempts = o.failed_refused;
            o.incidents = o.failed_refused;
            o.rst_by_cause[Cause::Refused.index()] = o.failed_refused;
            o.first_seen = at(seconds[0]);
            o.last_seen = at(seconds[seconds.len() - 1]);
            let series: Vec<(i64, SecondCounts)> = (seconds.iter())
                .map(|&s| {
                    let c = SecondCounts {
                        incidents: 1,
                        failed_by: [1, 0, 0],
                        ..SecondCounts::default()
                    };
                    (s, c)
                })
                .collect();
            o.series = series.into();
            o
        };
        let (a, b, c) = (
            target(22, &[100, 101]),
            target(23, &[101]),
            target(25, &[103]),
        );
        let scan = Arc::new(Scan {
            targets: 3,
            lowest: a.key(),
            highest: c.key(),
            ..scans::tests_scan(
                scans::ScanKind::Ports { server: a.addr },
                "10.0.0.1".parse().expect("ip"),
            )
        });
        assert!(Offender::folded(&scan, &[]).is_none());
        let o = Offender::folded(&scan, &[&a, &b, &c]).expect("folded");
        assert_eq!((o.addr, o.port), (a.addr, 0));
        assert_eq!(
            (o.attempts, o.failed_refused, o.incidents, o.rst_by_cause[0]),
            (4, 4, 4, 4)
        );
        assert_eq!((o.first_seen, o.last_seen), (at(100), at(103)));
        let per_second: Vec<(i64, u32)> = o.series.iter().map(|(s, c)| (*s, c.incidents)).collect();
        assert_eq!(per_second, [(100, 1), (101, 2), (103, 1)]);
        assert_eq!((o.peak_second, o.peak_rate), (101, 2));
        assert_eq!(o.avg_rate, 1.0, "4 incidents over 4 seconds");
        assert_eq!((o.clients, o.few_clients[0]), (1, Some(scan.client)));
        assert!(o.scan.as_ref().is_some_and(|s| Arc::ptr_eq(s, &scan)));
    }

    /// A kept suspect reset is 56 bytes with its cause as without it (the cause fits the
    /// struct's padding): the agent's endpoints keep [`MAX_SUSPECTS`] of them each, within
    /// its memory sum (docs/benchmarks.md, "The agent").
    #[test]
    fn a_suspect_reset_kept_is_56_bytes_with_its_cause() {
        assert_eq!(std::mem::size_of::<SuspectRst>(), 56);
    }

    /// A payload rstscope shows only the start of says so, and why: the capture's snap length,
    /// or its own bound; one the reader never handed on whole is not blamed on the capture.
    #[test]
    fn a_rst_payload_shown_in_part_says_why() {
        let long = "x".repeat(300);
        let p = RstPayload::of(long.as_bytes(), 300).expect("text");
        assert_eq!(
            (p.shown.len(), p.is_cut(), p.cut_note().as_deref()),
            (200, true, Some("the first 200 characters"))
        );
        let huge = "y".repeat(RST_PAYLOAD_BYTES);
        let p = RstPayload::of(huge.as_bytes(), 1400).expect("text");
        assert_eq!(p.cut_note().as_deref(), Some("the first 200 characters"));
        let bytes: Vec<u8> = (0..100u8).map(|b| b | 0x80).collect();
        let p = RstPayload::of(&bytes, 120).expect("bytes");
        assert!(p.binary);
        assert_eq!(p.shown.split(' ').count(), 64);
        assert_eq!(
            p.to_string(),
            format!(
                "hex: {}… (120 bytes, not text) (cut by the capture: 100 of 120 bytes captured)",
                p.shown
            )
        );
        assert_eq!(RstPayload::of(b"  \r\n", 4), None, "blanks carry nothing");
        let whole = RstPayload::of(b"port closed\r\n", 13).expect("text");
        assert_eq!(
            (whole.to_string(), whole.is_cut()),
            ("port closed".to_owned(), false)
        );
    }

    /// The places of dropped packets are named once for all endpoints (each endpoint named up
    /// to 8 of its own: 12.8 MB at the caps of the table and of a snapshot's rows), and a drop
    /// at a place past the names kept is counted as one beyond the named places.
    #[test]
    fn drop_places_are_named_once_for_all_endpoints() {
        let mut s = Services::default();
        let client: IpAddr = "10.0.0.9".parse().expect("ip");
        let server: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut drop = |port: u16, place: &str| {
            let note = DropNote {
                kind: DropKind::Pktmon,
                place,
                inbound: Some(true),
                syn: true,
                rst: false,
            };
            let mut e = s.get((server, port, Overlay::NONE)).expect("endpoint");
            e.dropped(at(10), client, &note, false);
        };
        for port in 1..=300 {
            drop(port, "TCPIP");
            drop(port, &format!("nic{port}"));
        }
        let tcpip = |port| Arc::clone(&s.map[&(server, port, Overlay::NONE)].dropped.places[0].0);
        assert!(Arc::ptr_eq(&tcpip(1), &tcpip(300)), "one name for all");
        // TCPIP and nic1 to nic255 are named; nic256 and on are not.
        let places = |port| {
            let d = &s.map[&(server, port, Overlay::NONE)].dropped;
            (d.places(), d.other_places, d.packets)
        };
        assert_eq!(
            places(255),
            (vec![("TCPIP".into(), 1), ("nic255".into(), 1)], 0, 2)
        );
        assert_eq!(places(256), (vec![("TCPIP".into(), 1)], 1, 2));
        assert_eq!(s.place_names.names.len(), MAX_PLACE_NAMES);
    }

    #[test]
    fn an_unchanged_endpoint_shares_its_series_and_a_change_is_seen_at_once() {
        let key: ServiceKey = (
            "127.0.0.1".parse().expect("ip"),
            7211,
            crate::packet::Overlay::NONE,
        );
        let mut s = ServiceStats {
            failed_refused: 1,
            ..ServiceStats::default()
        };
        let mut usage = Usage::default();
        s.incident(at(10), key.0, &mut usage);
        let a = s.offender(key).expect("offender");
        let b = s.offender(key).expect("offender");
        assert!(a.series.shares_all(&b.series), "nothing changed: shared");
        s.failed_refused += 1;
        s.incident(at(12), key.0, &mut usage);
        s.incident(at(12), key.0, &mut usage);
        let c = s.offender(key).expect("offender");
        assert_eq!(c.series.len(), 2);
        assert_eq!(c.incidents, 3);
        assert_eq!((c.peak_second, c.peak_rate), (12, 2));
        assert_eq!(a.series.len(), 1, "an earlier snapshot keeps what it had");
    }

    #[test]
    fn a_series_takes_late_seconds_folds_every_count_and_gives_up_its_past_exactly() {
        let client: IpAddr = "10.0.0.9".parse().expect("ip");
        let mut s = ServiceStats {
            failed_refused: 8,
            ..ServiceStats::default()
        };
        let mut usage = Usage::default();
        for sec in [100, 101, 103, 102, 101, 161, 170] {
            s.incident(at(sec), client, &mut usage);
            s.second(at(sec), &mut usage).completed += 1;
            s.second(at(sec), &mut usage).rst_from_server += 2;
        }
        let keys: Vec<i64> = s.per_second.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [100, 101, 102, 103, 161, 170], "in time order");
        assert_eq!(usage.series_entries, 6);
        s.fold(120);
        let keys: Vec<i64> = s.per_second.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [60, 161, 170]);
        let minute = s.per_second.iter().next().expect("an entry").1;
        assert_eq!((minute.incidents, minute.completed), (5, 5));
        assert_eq!(minute.rst_from_server, 10, "endpoint-only counts fold too");
        assert_eq!(s.folded_peak, Peak(Some((101, 2))));
        s.incident(at(101), client, &mut usage);
        assert_eq!(
            s.per_second.iter().next().expect("an entry").1.incidents,
            6,
            "a late second goes to its minute"
        );
        assert_eq!(s.keep_latest(), 2);
        assert_eq!((s.series_from, s.dropped_incidents), (Some(170), 7));
        let o = s
            .offender((client, 80, crate::packet::Overlay::NONE))
            .expect("offender");
        assert_eq!((o.incidents, o.peak_rate, o.peak_second), (8, 2, 101));
        assert_eq!(o.counted_from(100), Some(170));
        assert_eq!(o.counted_from(170), None);
    }

    #[test]
    fn failed_attempts_are_the_diagnosis_beside_more_benign_resets() {
        let key: ServiceKey = (
            "127.0.0.1".parse().expect("ip"),
            7700,
            crate::packet::Overlay::NONE,
        );
        let mut usage = Usage::default();
        let mut kind = |refused: u64, unanswered: u64, after_close: u64, stray: u64| {
            let mut s = ServiceStats {
                attempts: refused + unanswered + after_close,
                completed: after_close,
                failed_refused: refused,
                failed_unanswered: unanswered,
                ..ServiceStats::default()
            };
            s.rst_by_cause[Cause::Refused.index()] = refused;
            s.rst_by_cause[Cause::AfterClose.index()] = after_close;
            s.rst_by_cause[Cause::Stray.index()] = stray;
            s.incident(at(10), key.0, &mut usage);
            s.offender(key).expect("offender").diagnosis().kind
        };
        // A service restarted in turn: 26 connects refused between its lives, 32 accepted
        // and closed by a client that resets after its FIN.
        assert_eq!(kind(26, 0, 32, 0), DiagnosisKind::Refused);
        assert_eq!(kind(0, 3, 40, 5), DiagnosisKind::Unanswered);
        assert_eq!(
            kind(0, 0, 32, 40),
            DiagnosisKind::Stray,
            "benign only: the most"
        );
        assert_eq!(kind(0, 0, 32, 4), DiagnosisKind::AfterClose);
    }

    #[test]
    fn a_rst_payload_keeps_200_characters_of_its_first_bytes_only() {
        let mut s = ServiceStats::default();
        let mut big = b"  F5 reset cause: ".to_vec();
        big.extend(std::iter::repeat_n(b'x', 100_000));
        let len = big.len() as u32;
        s.rst_payload(&big, len);
        s.rst_payload(&big, len);
        assert_eq!(s.rst_payloads.len(), 1, "the same text is kept once");
        let p = &s.rst_payloads[0];
        assert!(p.shown.starts_with("F5 reset cause: x"));
        assert_eq!(p.shown.chars().count(), 200 - 2);
        assert_eq!(p.cut_note().as_deref(), Some("the first 200 characters"));
        // Four-byte characters: 200 of them are the first 800 bytes.
        let wide = "\u{1F600}".repeat(300);
        s.rst_payload(wide.as_bytes(), 1200);
        assert_eq!(*s.rst_payloads[1].shown, "\u{1F600}".repeat(200));
        assert!(s.rst_payloads[1].is_cut());
    }

    /// Regression: the RST of tcpdump/tcp_rst_diag_payload.pcap carries binary data (33 aa
    /// 00 01 00 00 00 00), which the report and the app first showed as the text "3\u{FFFD}",
    /// then not at all: it is shown in hex.
    #[test]
    fn a_binary_rst_payload_is_shown_in_hex_not_as_text() {
        let mut s = ServiceStats::default();
        s.rst_payload(&[0x33, 0xaa, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], 8);
        s.rst_payload(&[0x01, 0x02, 0x03, b'a', 0x04, 0x05], 6);
        // Text stays text, with its line breaks, or cut short inside its last character.
        s.rst_payload(
            b"BIG-IP: [0x11c5672:3045] {peer} TCP RST from remote system\r\n",
            60,
        );
        s.rst_payload(&"reset: caf\u{e9}".as_bytes()[..11], 12);
        let shown: Vec<String> = s.rst_payloads.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "hex: 33 aa 00 01 00 00 00 00 (8 bytes, not text)",
                "hex: 01 02 03 61 04 05 (6 bytes, not text)",
                "BIG-IP: [0x11c5672:3045] {peer} TCP RST from remote system",
                "reset: caf… (cut by the capture: 11 of 12 bytes captured)",
            ]
        );
    }
}
