//! One entry of the flow table: the connection now on a 4-tuple (as Zeek delimits it) and the
//! connection attempt that may outlive it (retries of a refused SYN span several connections).

use std::hash::{BuildHasher, Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Cause;
use super::cause::{IpIdSequence, Prior, Suspicion, TtlRange};
use super::zeek::{ZeekConn, known_flags};
use crate::packet::{Overlay, OverlayKind, TcpPacket, Timestamp};

/// A 4-tuple in canonical order: side 0 is the lower (address, port), addresses ordered as
/// `IpAddr` orders them. It is looked up for every packet, so the addresses are kept as
/// 16 bytes and a family bit each rather than as `IpAddr`s: the key then hashes as a few
/// integers and compares as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowKey {
    /// Side 0 and side 1 addresses: an IPv6 address's bits, or an IPv4 address's with its port
    /// below it (`address << 16 | port`, the end as [`V4Ends`] has it), in native byte order:
    /// the lookup of an IPv4 packet compares its ends with these as they are.
    addr: [[u8; 16]; 2],
    /// Side 0 and side 1 ports.
    pub port: [u16; 2],
    /// Bit `i` (0 or 1) set: side `i`'s address is IPv6. The bits above: the key's overlay
    /// network as the engine numbers them ([`FlowKey::in_zone`]), 0 for none. In the two bytes
    /// the key's layout had room for, so a key in no overlay is the one it was: the same size,
    /// hash and comparison.
    v6: u16,
}

impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_ne_bytes(self.addr[0]));
        state.write_u128(u128::from_ne_bytes(self.addr[1]));
        state.write_u64(
            u64::from(self.port[0]) | (u64::from(self.port[1]) << 16) | (u64::from(self.v6) << 32),
        );
    }
}

impl FlowKey {
    /// Overlay networks a key can tell apart ([`FlowKey::in_zone`]).
    pub const ZONES: u16 = 1 << 14;

    /// This key in the overlay network numbered `zone` (below [`FlowKey::ZONES`]; 0 is none):
    /// two tenants' connections between the same inner addresses and ports are two flows.
    pub fn in_zone(self, zone: u16) -> Self {
        Self {
            v6: (self.v6 & 0b11) | (zone << 2),
            ..self
        }
    }

    /// The overlay network's number ([`FlowKey::in_zone`]), 0 for none.
    pub fn zone(&self) -> u16 {
        self.v6 >> 2
    }

    /// The key of a packet, the side (0 or 1) that sent it, and the key's hash by `hasher`.
    #[inline(always)]
    pub fn of(p: &TcpPacket<'_>, hasher: &KeyHasher) -> (Self, usize, u64) {
        if let Some(ends) = V4Ends::of(p, hasher) {
            return (ends.key(), ends.side, ends.hash);
        }
        Self::of_others(p, hasher)
    }

    /// Whether this is the key of `ends`: IPv4 at both ends and in no overlay network, the
    /// same addresses and ports. Four integer comparisons with what the packet's lookup holds
    /// in registers, where comparing whole keys stored the packet's to the stack first.
    #[inline(always)]
    pub fn is(&self, ends: &V4Ends) -> bool {
        // An IPv4 end's bits above its 48 are 0 in every key ([`V4Ends::key`],
        // `FlowKey::of_any`), so its low 64 bits are the end, its port among them.
        let low = |side: usize| u128::from_ne_bytes(self.addr[side]) as u64;
        self.v6 == 0 && low(0) == ends.lower && low(1) == ends.upper
    }

    /// [`FlowKey::of`] for a packet not IPv4 at both ends.
    #[inline(always)]
    fn of_others(p: &TcpPacket<'_>, hasher: &KeyHasher) -> (Self, usize, u64) {
        if let (IpAddr::V6(s), IpAddr::V6(d)) = (p.src, p.dst) {
            // Most of them: both ends IPv6, ordered without the general case's family tests.
            let src = (s.to_bits(), p.sport);
            let dst = (d.to_bits(), p.dport);
            let (side, lower, upper) = if src <= dst {
                (0, src, dst)
            } else {
                (1, dst, src)
            };
            let key = Self {
                addr: [lower.0.to_ne_bytes(), upper.0.to_ne_bytes()],
                port: [lower.1, upper.1],
                v6: 0b11,
            };
            return (key, side, hasher.hash(&key));
        }
        let (key, side) = Self::of_any(p);
        (key, side, hasher.hash(&key))
    }

    /// [`FlowKey::of`] for any address families.
    fn of_any(p: &TcpPacket<'_>) -> (Self, usize) {
        let src = (addr_bits(p.src), p.sport);
        let dst = (addr_bits(p.dst), p.dport);
        let (side, lower, upper) = if src <= dst {
            (0, src, dst)
        } else {
            (1, dst, src)
        };
        // An IPv4 address is kept with its port below it ([`FlowKey::is`]).
        let bits = |((v6, bits), port): ((bool, u128), u16)| {
            if v6 {
                bits
            } else {
                (bits << 16) | u128::from(port)
            }
        };
        let key = Self {
            addr: [bits(lower).to_ne_bytes(), bits(upper).to_ne_bytes()],
            port: [lower.1, upper.1],
            v6: u16::from(lower.0.0) | (u16::from(upper.0.0) << 1),
        };
        (key, side)
    }

    /// The address of side 0 or 1.
    pub fn addr(&self, side: usize) -> IpAddr {
        let bits = u128::from_ne_bytes(self.addr[side]);
        if (self.v6 >> side) & 1 == 1 {
            IpAddr::V6(Ipv6Addr::from_bits(bits))
        } else {
            IpAddr::V4(Ipv4Addr::from_bits((bits >> 16) as u32))
        }
    }
}

/// The two ends of a packet IPv4 at both ends, as its flow key orders them (most packets):
/// each end's address and port in one 48-bit integer, which orders them as `FlowKey::of_any`
/// does in one comparison; the side that sent it and the key's hash. The lookup of a known
/// connection's packet compares these with the entry's key ([`FlowKey::is`]) without making
/// the key ([`V4Ends::key`]).
#[derive(Debug, Clone, Copy)]
pub struct V4Ends {
    lower: u64,
    upper: u64,
    /// The side (0 or 1) that sent the packet.
    pub side: usize,
    /// The key's hash.
    pub hash: u64,
}

impl V4Ends {
    /// The ends of `p`, if it is IPv4 at both ends.
    #[inline(always)]
    pub fn of(p: &TcpPacket<'_>, hasher: &KeyHasher) -> Option<Self> {
        let (IpAddr::V4(s), IpAddr::V4(d)) = (p.src, p.dst) else {
            return None;
        };
        let src = (u64::from(s.to_bits()) << 16) | u64::from(p.sport);
        let dst = (u64::from(d.to_bits()) << 16) | u64::from(p.dport);
        let (side, lower, upper) = if src <= dst {
            (0, src, dst)
        } else {
            (1, dst, src)
        };
        Some(Self {
            lower,
            upper,
            side,
            hash: hasher.ipv4(lower, upper),
        })
    }

    /// Their flow key.
    #[inline(always)]
    pub fn key(&self) -> FlowKey {
        let addr = |end: u64| u128::from(end).to_ne_bytes();
        FlowKey {
            addr: [addr(self.lower), addr(self.upper)],
            port: [self.lower as u16, self.upper as u16],
            v6: 0,
        }
    }
}

/// The overlay networks met, numbered from 1 in the order met, for [`FlowKey::in_zone`]: the
/// key keeps 14 bits of number, not the 5 bytes of the overlay. The first
/// [`Overlay::NUMBERED`] networks get a number each; the networks met after them share one
/// number per kind of tunnel, read back as [`Overlay::past`]: told apart from traffic in no
/// overlay and from the networks numbered (a capture with more tenants' overlays than that is
/// one the engine does not tell apart further, and says so).
///
/// The reading side names each tunnelled packet's network with one of these before anything
/// else sees it ([`Zones::name`]), in the order the engine meets them, so that the engine, the
/// filters' tallies and `--endpoint`'s reading agree on which networks are past.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    overlays: Vec<Overlay>,
    numbers: foldhash::HashMap<Overlay, u16>,
}

impl Zones {
    /// The number of [`Overlay::past`] of `kind`: the last numbers of the key's.
    fn past_zone(kind: OverlayKind) -> u16 {
        FlowKey::ZONES
            - match kind {
                OverlayKind::None | OverlayKind::Vxlan => 3,
                OverlayKind::Geneve => 2,
                OverlayKind::GreKey => 1,
            }
    }

    /// The number of `overlay`, 0 for none; a network met after the first
    /// [`Overlay::NUMBERED`] gets its kind's [`Overlay::past`] number.
    pub fn zone_of(&mut self, overlay: Overlay) -> u16 {
        if overlay.is_none() {
            return 0;
        }
        if overlay.past {
            return Self::past_zone(overlay.kind);
        }
        if let Some(&n) = self.numbers.get(&overlay) {
            return n;
        }
        if self.overlays.len() >= Overlay::NUMBERED as usize {
            return Self::past_zone(overlay.kind);
        }
        self.overlays.push(overlay);
        let n = self.overlays.len() as u16;
        self.numbers.insert(overlay, n);
        n
    }

    /// The overlay numbered `zone` ([`Overlay::NONE`] for 0).
    pub fn overlay(&self, zone: u16) -> Overlay {
        match zone {
            0 => Overlay::NONE,
            n if n > Overlay::NUMBERED as u16 => Overlay::past(match FlowKey::ZONES - n {
                1 => OverlayKind::GreKey,
                2 => OverlayKind::Geneve,
                _ => OverlayKind::Vxlan,
            }),
            n => self
                .overlays
                .get(usize::from(n) - 1)
                .copied()
                .unwrap_or(Overlay::NONE),
        }
    }

    /// What the analysis calls `overlay`, numbering it if it is new and there is room: itself,
    /// or its kind's [`Overlay::past`] once the numbers are spent.
    #[inline]
    pub fn name(&mut self, overlay: Overlay) -> Overlay {
        if overlay.is_none() || overlay.past {
            return overlay;
        }
        let zone = self.zone_of(overlay);
        self.overlay(zone)
    }

    /// [`Zones::name`] without numbering: a network not met before is named as it will be
    /// when met (itself while there is room), but not numbered (a further copy of a packet
    /// counted elsewhere, which the engine does not meet).
    pub fn name_known(&self, overlay: Overlay) -> Overlay {
        if overlay.is_none() || overlay.past || self.numbers.contains_key(&overlay) {
            return overlay;
        }
        if self.overlays.len() >= Overlay::NUMBERED as usize {
            Overlay::past(overlay.kind)
        } else {
            overlay
        }
    }
}

/// The flow index's hash of a [`FlowKey`], seeded at random per engine (so that no one can
/// aim packets at one chain of the index). An IPv4 key, most packets', is its two ends as
/// [`FlowKey::of`] has them at hand, address and port in one 48-bit integer each, mixed by
/// one folded multiply: a general hasher took three, over the key's 16-byte addresses.
#[derive(Debug, Clone)]
pub struct KeyHasher {
    seeds: [u64; 4],
}

impl Default for KeyHasher {
    fn default() -> Self {
        let random = foldhash::fast::RandomState::default();
        Self {
            seeds: [0u64, 1, 2, 3].map(|i| random.hash_one(i)),
        }
    }
}

/// The 128-bit product of `a` and `b`, its halves folded into one by XOR.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

impl KeyHasher {
    /// The hash of an IPv4 key whose ends (address and port in one integer) are `lower` and
    /// `upper`.
    #[inline(always)]
    fn ipv4(&self, lower: u64, upper: u64) -> u64 {
        folded_multiply(lower ^ self.seeds[0], upper ^ self.seeds[1])
    }

    /// The hash of `key`.
    #[inline(always)]
    pub fn hash(&self, key: &FlowKey) -> u64 {
        let [s0, s1, s2, s3] = self.seeds;
        let a = u128::from_ne_bytes(key.addr[0]);
        let b = u128::from_ne_bytes(key.addr[1]);
        if key.v6 == 0 {
            // Each end as the key keeps it: the address with its port below it.
            return self.ipv4(a as u64, b as u64);
        }
        let x = folded_multiply((a as u64) ^ s0, ((a >> 64) as u64) ^ s1);
        let y = folded_multiply((b as u64) ^ s2, ((b >> 64) as u64) ^ s3);
        let rest =
            u64::from(key.port[0]) | (u64::from(key.port[1]) << 16) | (u64::from(key.v6) << 32);
        folded_multiply(x ^ rest, y ^ s0)
    }
}

/// An address as (is IPv6, its bits): ordered as `IpAddr` orders addresses.
fn addr_bits(a: IpAddr) -> (bool, u128) {
    match a {
        IpAddr::V4(a) => (false, u128::from(a.to_bits())),
        IpAddr::V6(a) => (true, a.to_bits()),
    }
}

/// What one side of a connection has shown of its sequence space and IP header habits.
///
/// Twenty bytes (both sides lie in the flow-table entry's hot part): what has been seen is
/// kept as bits of one byte rather than as four `bool`s and an `Option`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SideStats {
    /// The highest acknowledgment number it sent (its RCV.NXT as far as seen), once
    /// [`SideStats::has_ack`].
    pub max_ack: u32,
    /// One past the highest sequence number it sent, once [`SideStats::has_seq`].
    pub next_seq: u32,
    /// Its last advertised window, raw.
    pub window: u16,
    /// IP IDs of its packets other than RSTs.
    pub ip_id: IpIdSequence,
    /// TTLs of its packets other than RSTs.
    pub ttl: TtlRange,
    /// With [`SIDE_WSCALE`]: the window scale it offered in its SYN or SYN-ACK.
    wscale: u8,
    /// [`SIDE_HAS_ACK`], [`SIDE_WINDOW_ON_SYN`], [`SIDE_SENT_SYN`], [`SIDE_WSCALE`],
    /// [`SIDE_HAS_SEQ`].
    seen: u8,
}

/// [`SideStats`] bit: it has sent an ACK.
const SIDE_HAS_ACK: u8 = 1;
/// [`SideStats`] bit: its last window came on a SYN segment (never scaled).
const SIDE_WINDOW_ON_SYN: u8 = 2;
/// [`SideStats`] bit: it sent a SYN or SYN-ACK (so whether it offered scaling is known).
const SIDE_SENT_SYN: u8 = 4;
/// [`SideStats`] bit: its last SYN or SYN-ACK offered window scaling.
const SIDE_WSCALE: u8 = 8;
/// [`SideStats`] bit: it has sent a segment with a sequence number worth tracking.
const SIDE_HAS_SEQ: u8 = 16;

impl SideStats {
    /// It has sent an ACK.
    pub fn has_ack(&self) -> bool {
        self.seen & SIDE_HAS_ACK != 0
    }

    /// It has sent a segment with a sequence number worth tracking.
    pub fn has_seq(&self) -> bool {
        self.seen & SIDE_HAS_SEQ != 0
    }

    /// The window scale it offered in its last SYN or SYN-ACK.
    fn wscale_offered(&self) -> Option<u8> {
        (self.seen & SIDE_WSCALE != 0).then_some(self.wscale)
    }

    /// Adds a packet it sent, RSTs excepted: TTL, IP ID, acknowledgment, window, sequence
    /// numbers.
    /// `PLAIN`: it has no SYN, FIN or RST ([`is_plain`](super::zeek::is_plain)).
    #[inline(always)]
    pub fn add<const PLAIN: bool>(&mut self, p: &TcpPacket<'_>) {
        let flags = known_flags::<PLAIN>(p.flags);
        self.ttl.add(p.ttl);
        if let Some(id) = p.ip_id {
            self.ip_id.add(id, p.ts);
        }
        let was = self.seen;
        let mut seen = (was & !SIDE_WINDOW_ON_SYN) | SIDE_HAS_SEQ;
        if flags.ack() {
            if was & SIDE_HAS_ACK == 0 || (p.ack.wrapping_sub(self.max_ack) as i32) > 0 {
                self.max_ack = p.ack;
            }
            seen |= SIDE_HAS_ACK;
        }
        self.window = p.window;
        if flags.syn() {
            seen |= SIDE_WINDOW_ON_SYN | SIDE_SENT_SYN;
            match p.window_scale {
                Some(s) => {
                    seen |= SIDE_WSCALE;
                    self.wscale = s;
                }
                None => seen &= !SIDE_WSCALE,
            }
        }
        let mut end = p.seq.wrapping_add(p.payload_len);
        if flags.syn() {
            end = end.wrapping_add(1);
        }
        if flags.fin() {
            end = end.wrapping_add(1);
        }
        if was & SIDE_HAS_SEQ == 0 || (end.wrapping_sub(self.next_seq) as i32) > 0 {
            self.next_seq = end;
        }
        self.seen = seen;
    }

    /// Its receive window in bytes, scaled. When the handshake was not seen the scale is
    /// unknown and the largest one is assumed, so that no valid reset is called unacceptable.
    pub fn window_bytes(&self, peer: &SideStats) -> u32 {
        let raw = u32::from(self.window);
        if self.seen & SIDE_WINDOW_ON_SYN != 0 {
            return raw;
        }
        let shift = match (
            self.seen & peer.seen & SIDE_SENT_SYN != 0,
            self.wscale_offered(),
            peer.wscale_offered(),
        ) {
            (true, Some(s), Some(_)) => s.min(14),
            (true, _, _) => 0,
            (false, _, _) => 14,
        };
        raw << shift
    }
}

/// A reset kept with its connection so that later packets can still add evidence.
///
/// Eight bytes where the plain fields (a [`Suspicion`] among them) took fourteen: a
/// connection keeps [`RST_NOTES`] of these in every flow-table entry. The TTL evidence's
/// first half is the RST's own TTL, so only the nearest usual TTL is kept with it.
#[derive(Debug, Clone, Copy)]
pub struct RstNote {
    /// Its cause.
    pub cause: Cause,
    /// Its TTL / hop limit.
    pub ttl: u8,
    /// Bits: [`NOTE_SIDE`] and which evidence is present.
    bits: u8,
    /// With [`NOTE_TTL`]: the nearest TTL the sender's other packets had.
    usual_ttl: u8,
    /// With [`NOTE_IP_ID`]: the RST's IP ID and the ID the sender's sequence would have
    /// continued from.
    ip_id: [u16; 2],
}

/// [`RstNote`] bit: sent by side 1.
const NOTE_SIDE: u8 = 1;
/// [`RstNote`] bit: the RST was not acceptable.
const NOTE_NOT_ACCEPTABLE: u8 = 2;
/// [`RstNote`] bit: TTL evidence present.
const NOTE_TTL: u8 = 4;
/// [`RstNote`] bit: IP ID evidence present.
const NOTE_IP_ID: u8 = 8;

impl RstNote {
    /// A reset from `side` (0 or 1) with TTL `ttl`, its cause and the evidence found so far.
    /// The TTL evidence, if any, must be about `ttl`.
    pub fn new(side: u8, ttl: u8, cause: Cause, suspicion: Suspicion) -> Self {
        let mut note = Self {
            cause,
            ttl,
            bits: (side & NOTE_SIDE)
                | if suspicion.not_acceptable {
                    NOTE_NOT_ACCEPTABLE
                } else {
                    0
                },
            usual_ttl: 0,
            ip_id: [0; 2],
        };
        if let Some((rst_ttl, usual)) = suspicion.ttl {
            debug_assert_eq!(rst_ttl, ttl, "TTL evidence is about the RST's own TTL");
            note.set_usual_ttl(usual);
        }
        if let Some((id, last)) = suspicion.ip_id {
            note.bits |= NOTE_IP_ID;
            note.ip_id = [id, last];
        }
        note
    }

    /// Which side sent it.
    pub fn side(&self) -> u8 {
        self.bits & NOTE_SIDE
    }

    /// Whether TTL evidence was found.
    pub fn has_ttl_evidence(&self) -> bool {
        self.bits & NOTE_TTL != 0
    }

    /// Adds TTL evidence: the sender's other packets had `usual` at nearest.
    pub fn set_usual_ttl(&mut self, usual: u8) {
        self.bits |= NOTE_TTL;
        self.usual_ttl = usual;
    }

    /// The evidence of injection found so far.
    pub fn suspicion(&self) -> Suspicion {
        Suspicion {
            not_acceptable: self.bits & NOTE_NOT_ACCEPTABLE != 0,
            ttl: self
                .has_ttl_evidence()
                .then_some((self.ttl, self.usual_ttl)),
            ip_id: (self.bits & NOTE_IP_ID != 0).then_some((self.ip_id[0], self.ip_id[1])),
        }
    }

    /// True when any evidence is present ([`Suspicion::any`]).
    pub fn is_suspect(&self) -> bool {
        self.bits & (NOTE_NOT_ACCEPTABLE | NOTE_TTL | NOTE_IP_ID) != 0
    }
}

/// RSTs of one connection kept for evidence; further ones are counted only.
pub const RST_NOTES: usize = 4;

/// One connection as rstscope tracks it: Zeek's state plus what the cause rules need.
///
/// In this order (`repr(C)`), what a data or ACK segment touches comes first: the counts and
/// roles, the sides' statistics, then Zeek's state (whose own hot part leads it); the RST
/// notes and what is read only at the end follow.
#[derive(Debug, Clone)]
#[repr(C)]
pub struct Conn {
    /// Packets in this connection.
    pub packets: u32,
    /// RST packets in this connection.
    pub rst_count: u32,
    /// Which side of the key is Zeek's originator.
    pub orig_side: u8,
    /// Which side is the service endpoint (received the SYN; else sent the SYN-ACK; else the
    /// lower port).
    pub server_side: u8,
    /// The server side was decided by a SYN or SYN-ACK rather than by the port numbers.
    pub server_by_handshake: bool,
    /// Which side received the SYN-ACK, once one was seen.
    pub synack_receiver: Option<u8>,
    /// What has been seen, as the cause rules read it.
    pub prior: Prior,
    /// Per side.
    pub sides: [SideStats; 2],
    /// Zeek's view: endpoint states, history, lifetime.
    pub zeek: ZeekConn,
    /// RSTs flagged suspect-injected.
    pub suspect_count: u32,
    /// The originator's ISN, once its SYN was seen (`prior.syn`; 0 before): the flag that
    /// says so is there already, so an `Option` would spend four bytes more on it.
    pub isn: u32,
    /// The first RSTs.
    pub rsts: [Option<RstNote>; RST_NOTES],
    /// Frame number of the first packet.
    pub first_frame: u64,
}

impl Conn {
    /// A connection whose first packet is `p`, sent by `side`, in frame `first_frame` of the
    /// capture.
    pub fn new(
        p: &TcpPacket<'_>,
        side: usize,
        orig_side: u8,
        flipped: bool,
        first_frame: u64,
    ) -> Self {
        let side = side as u8;
        let (server_side, by_handshake) = if p.flags.syn() && !p.flags.ack() {
            (1 - side, true)
        } else if p.flags.syn() && p.flags.ack() {
            (side, true)
        } else {
            // The lower port serves; on a tie, the receiver of this first packet.
            let (sport, dport) = (p.sport, p.dport);
            (if sport < dport { side } else { 1 - side }, false)
        };
        Self {
            zeek: ZeekConn::new(p.ts, flipped),
            orig_side,
            server_side,
            server_by_handshake: by_handshake,
            synack_receiver: None,
            prior: Prior::default(),
            isn: 0,
            sides: [SideStats::default(); 2],
            rsts: [None; RST_NOTES],
            rst_count: 0,
            suspect_count: 0,
            packets: 0,
            first_frame,
        }
    }

    /// Feeds a packet from `side` to Zeek's state machine, following a role flip. Always
    /// inlined: the per-packet path; left to the compiler, it stopped being inlined into
    /// `Engine::packet` when code unrelated to it grew there (3% more instructions per packet
    /// on a mixed capture).
    /// `PLAIN`: it has no SYN, FIN or RST ([`is_plain`](super::zeek::is_plain)).
    #[inline(always)]
    pub fn feed_zeek<const PLAIN: bool>(&mut self, p: &TcpPacket<'_>, side: usize) {
        let from_orig = side == usize::from(self.orig_side);
        let step = self.zeek.process_known::<PLAIN>(from_orig, p);
        if step.flipped {
            self.orig_side = 1 - self.orig_side;
        }
    }

    /// The cause of the RST that ended the connection: its first acceptable one. An
    /// unacceptable RST before it (an injected one, as in zeek/tcp/rst-inject-rae.pcap) left
    /// the connection going, and says nothing of how it ended. Where none of the RSTs kept
    /// ([`RST_NOTES`]) was acceptable, the first one's.
    pub fn ending_cause(&self) -> Option<Cause> {
        let mut kept = self.rsts.iter().flatten();
        let first = kept.clone().next();
        kept.find(|n| !n.suspicion().not_acceptable)
            .or(first)
            .map(|n| n.cause)
    }
}

/// Where a connection attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStatus {
    /// SYNs sent, nothing back yet.
    Pending,
    /// A SYN-ACK answered; the originator's ACK not yet seen.
    SynAcked,
    /// The handshake completed, or the originator went on as if it had (one-sided capture).
    Completed,
    /// Refused, reset before completion, or unanswered for too long: which of them.
    Failed(Failure),
}

/// All SYNs with one ISN on one 4-tuple from the originator.
///
/// Sixteen bytes, which the flow-table entry's first cache line has room for (see [`Entry`]):
/// the first SYN's time is kept as a span back from the last one's rather than as a second
/// timestamp.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// The side that sent the SYNs.
    pub client_side: u8,
    /// Their ISN.
    pub isn: u32,
    /// The last SYN's time.
    pub last_syn: Timestamp,
    /// Whole milliseconds from the first SYN's to the last SYN's (both cut to the
    /// millisecond, so that spans added up over many retransmissions do not drift), at most
    /// [`u16::MAX`]: 65.5 s is past [`super::ATTEMPT_UNANSWERED_SECS`] already, which is all
    /// that a longer span is needed to tell.
    syn_span_ms: u16,
    /// Where it stands.
    pub status: AttemptStatus,
}

/// Nanoseconds in a millisecond.
const NANOS_PER_MS: i64 = 1_000_000;

impl Attempt {
    /// An attempt whose first SYN, from `client_side` with `isn`, came at `at`.
    pub fn new(client_side: u8, isn: u32, at: Timestamp) -> Self {
        Self {
            client_side,
            isn,
            last_syn: at,
            syn_span_ms: 0,
            status: AttemptStatus::Pending,
        }
    }

    /// Adds a SYN of this attempt (a retransmission) that came at `at`.
    pub fn add_syn(&mut self, at: Timestamp) {
        // In whole milliseconds of packet time: the first SYN's millisecond and the last's.
        let first = self
            .first_syn()
            .0
            .div_euclid(NANOS_PER_MS)
            .min(at.0.div_euclid(NANOS_PER_MS));
        self.last_syn = self.last_syn.max(at);
        let span = self
            .last_syn
            .0
            .div_euclid(NANOS_PER_MS)
            .saturating_sub(first);
        self.syn_span_ms = u16::try_from(span).unwrap_or(u16::MAX);
    }

    /// Its SYN was sent again (a millisecond or more after the first).
    pub fn resent(&self) -> bool {
        self.syn_span_ms > 0
    }

    /// Its SYNs span [`u16::MAX`] ms or more: [`Attempt::first_syn`] is no longer its first
    /// SYN's time.
    pub fn span_capped(&self) -> bool {
        self.syn_span_ms == u16::MAX
    }

    /// When its first SYN came, within a millisecond; past a span of [`u16::MAX`] ms, that
    /// long before the last SYN.
    pub fn first_syn(&self) -> Timestamp {
        if self.syn_span_ms == 0 {
            return self.last_syn;
        }
        let last_ms = self.last_syn.0.div_euclid(NANOS_PER_MS);
        Timestamp(
            last_ms
                .saturating_sub(i64::from(self.syn_span_ms))
                .saturating_mul(NANOS_PER_MS),
        )
    }
}

/// How an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A RST refused it (cause `refused`).
    Refused,
    /// Reset before the handshake completed (cause `handshake-reset`).
    Reset,
    /// No answer within the timeout or before the capture ended.
    Unanswered,
}

impl Failure {
    /// Index into per-kind count arrays (`SecondCounts::failed_by`).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A slot of the flow table.
///
/// A data or ACK segment of a known connection (most packets) reads the key, the attempt's
/// status and the connection's hot part (see [`Conn`] and [`ZeekConn`]): in this order
/// (`repr(C)`) those are the entry's first 224 bytes, four cache lines when the entry starts
/// on a line (hence the alignment: 448 bytes an entry, seven lines, with nothing to pad). The
/// timer's fields, read when a timer fires or is set, come last.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Entry {
    /// The 4-tuple.
    pub key: FlowKey,
    /// The slot is in use.
    pub live: bool,
    /// The latest connection attempt on this tuple, if it still matters.
    pub attempt: Option<Attempt>,
    /// The connection on this tuple now, if any.
    pub conn: Option<Conn>,
    /// Bumped each time the slot is reused, so stale timers are recognised.
    pub generation: u32,
    /// The time of this entry's pending timer in the heap (`i64::MAX`: none).
    pub timer_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::{FlowKey, KeyHasher, V4Ends};
    use crate::packet::{TcpFlags, TcpPacket};
    use std::net::IpAddr;

    /// The IPv4 and IPv6 shortcuts order the ends, and so number the sides, as the general
    /// case does, and hash the key as the index hashes it again (growing, releasing):
    /// equal addresses with either port order, addresses differing in any byte, ports at
    /// their ends, and an IPv4 end against an IPv6 one. The lookup's comparison of an IPv4
    /// packet's ends with a key ([`FlowKey::is`]) says what comparing the keys says.
    #[test]
    fn shortcuts_key_as_the_general_case() {
        let addrs: Vec<IpAddr> = [
            "0.0.0.0",
            "10.0.0.1",
            "10.0.0.2",
            "10.0.1.1",
            "127.0.0.1",
            "192.168.0.1",
            "255.255.255.255",
            "::1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "2001:db8:0:1::",
            "fe80::1:0:0:2",
        ]
        .iter()
        .map(|a| a.parse().expect("an address"))
        .collect();
        let ports = [0u16, 1, 80, 443, 7211, 65535];
        let hasher = KeyHasher::default();
        let mut checked = 0;
        // The latest keys, each also in an overlay network (the same tuple, another flow).
        let mut seen: Vec<FlowKey> = Vec::new();
        for &src in &addrs {
            for &dst in &addrs {
                for &sport in &ports {
                    for &dport in &ports {
                        let p = TcpPacket {
                            frame: 1,
                            src,
                            dst,
                            sport,
                            dport,
                            flags: TcpFlags(TcpFlags::ACK),
                            ttl: 64,
                            ..crate::decode::BLANK
                        };
                        let (key, side, hash) = FlowKey::of(&p, &hasher);
                        assert_eq!(
                            (key, side),
                            FlowKey::of_any(&p),
                            "{src}:{sport} > {dst}:{dport}"
                        );
                        assert_eq!(hash, hasher.hash(&key), "{src}:{sport} > {dst}:{dport}");
                        assert_eq!((key.addr(side), key.port[side]), (src, sport));
                        // The lookup's comparison of an IPv4 packet's ends is the keys'.
                        if let Some(ends) = V4Ends::of(&p, &hasher) {
                            assert_eq!((ends.key(), ends.side, ends.hash), (key, side, hash));
                            for other in &seen {
                                assert_eq!(other.is(&ends), *other == key, "{other:?} {key:?}");
                            }
                        }
                        seen.push(key);
                        seen.push(key.in_zone(3));
                        if seen.len() > 40 {
                            seen.drain(..2);
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 12 * 12 * 6 * 6);
    }

    /// Regression: past 16,382 networks the last number was shared by every later network and
    /// read back as the 16,383rd's (or none): a later tenant's flows were named as another's,
    /// or as untunnelled. The networks past the numbered ones are each kind's own "past"
    /// network, never none, never a numbered one, and the key carries them apart.
    #[test]
    fn networks_past_the_numbered_ones_are_named_so_never_none() {
        use super::Zones;
        use crate::packet::{Overlay, OverlayKind};
        let mut zones = Zones::default();
        let vxlan = |id| Overlay::of(OverlayKind::Vxlan, id);
        for id in 1..=Overlay::NUMBERED {
            let z = zones.zone_of(vxlan(id));
            assert_eq!(zones.overlay(z), vxlan(id));
            assert!(z < FlowKey::ZONES);
        }
        let later = vxlan(Overlay::NUMBERED + 1);
        assert_eq!(zones.name_known(later), Overlay::past(OverlayKind::Vxlan));
        let z = zones.zone_of(later);
        assert_eq!(zones.overlay(z), Overlay::past(OverlayKind::Vxlan));
        assert_eq!(
            zones.name(vxlan(900_000)),
            Overlay::past(OverlayKind::Vxlan)
        );
        // A network numbered before is still itself.
        assert_eq!(zones.name(vxlan(7)), vxlan(7));
        // Each kind's past networks apart, and each apart from no overlay.
        let kinds = [OverlayKind::Vxlan, OverlayKind::Geneve, OverlayKind::GreKey];
        let past: Vec<u16> = (kinds.iter())
            .map(|&k| zones.zone_of(Overlay::of(k, 5_000_000)))
            .collect();
        for (i, &k) in kinds.iter().enumerate() {
            assert_eq!(zones.overlay(past[i]), Overlay::past(k));
            assert_eq!(zones.zone_of(Overlay::past(k)), past[i]);
            assert!(!zones.overlay(past[i]).is_none());
            assert!(past[i] < FlowKey::ZONES && past[i] > Overlay::NUMBERED as u16);
        }
        assert_eq!(zones.overlay(0), Overlay::NONE);
        // As the outputs write them, and read back from them.
        let p = Overlay::past(OverlayKind::Vxlan);
        assert_eq!(p.words(), "VXLAN, one of the networks past 16,380");
        assert_eq!(p.key(), "vxlan:past-16380");
        assert_eq!(p.wireshark_filter(), None);
        assert_eq!(Overlay::parse(&p.words()), Some(p));
        assert_eq!(Overlay::parse(&format!("({})", p.words())), Some(p));
        assert_eq!(Overlay::parse(&p.key()), Some(p));
        assert_eq!(
            Overlay::parse("gre:past-16380"),
            Some(Overlay::past(OverlayKind::GreKey))
        );
        // Another count names other networks.
        assert_eq!(Overlay::parse("vxlan:past-16382"), None);
        assert_eq!(Overlay::parse("vxlan:42"), Some(vxlan(42)));
    }
}
