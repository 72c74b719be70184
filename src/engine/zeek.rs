//! Connection state and history as Zeek computes them.
//!
//! A port of the endpoint state machine of Zeek's TCP analyzer (`TCPSessionAdapter` and
//! `TCP_Endpoint`), its `history` letters and `conn_state()` from
//! `base/protocols/conn/main.zeek`, so that `conn_state` and `history` here agree with Zeek's
//! own baselines. Only what shapes the state, the history and the connection's lifetime is
//! ported: no reassembly (so no `G` gap letters), no checksum validation (so no `C`; Zeek
//! without `-C` ignores packets with bad checksums, which on captures taken on the sending
//! host is most of them), no events.

use crate::packet::{TcpFlags, TcpPacket, Timestamp};

/// Zeek's `TOO_LARGE_SEQ_DELTA`: a sequence jump larger than this in a SYN or RST is not trusted.
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

/// `tcp_attempt_delay`: an unanswered SYN is given up on this long after it was first seen.
pub const ATTEMPT_DELAY_SECS: i64 = 5;
/// `tcp_close_delay`: a closed or reset connection lingers this long for late packets.
pub const CLOSE_DELAY_SECS: i64 = 5;
/// `tcp_SYN_timeout`: the first expiry check comes this long after the connection starts.
const SYN_TIMEOUT_SECS: i64 = 5;
/// `tcp_session_timer`: later expiry checks come at this interval.
const SESSION_TIMER_SECS: i64 = 6;
/// `tcp_connection_linger`: a half-closed or reset connection idle this long is expired.
const CONNECTION_LINGER_SECS: i64 = 5;
/// The inactivity timeout while both sides are still in the handshake (Zeek sets the UDP
/// inactivity timeout on new TCP sessions until the handshake moves on).
pub const HANDSHAKE_INACTIVITY_SECS: i64 = 60;
/// `tcp_inactivity_timeout`: an established connection idle this long is expired.
pub const INACTIVITY_SECS: i64 = 300;

/// The state of one side of a connection (Zeek's `TCP_ENDPOINT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    /// Nothing seen from this side yet.
    Inactive,
    /// Sent a SYN.
    SynSent,
    /// Sent a SYN-ACK without having been sent a SYN (or as originator).
    SynAckSent,
    /// Seen sending without a SYN: the connection was picked up mid-stream.
    Partial,
    /// Handshake done.
    Established,
    /// Sent a FIN.
    Closed,
    /// Sent a RST.
    Reset,
}

impl EndpointState {
    fn is_handshake(self) -> bool {
        matches!(self, Self::Inactive | Self::SynSent | Self::SynAckSent)
    }
}

/// A segment without SYN, FIN or RST: data or a bare ACK, most of any capture.
pub fn is_plain(flags: TcpFlags) -> bool {
    flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) == 0
}

/// A segment's flags, with SYN, FIN and RST cleared when `PLAIN` says the caller found them
/// clear already ([`is_plain`]): the compiler then leaves out every step they would take.
#[inline(always)]
pub fn known_flags<const PLAIN: bool>(flags: TcpFlags) -> TcpFlags {
    debug_assert!(
        !PLAIN || is_plain(flags),
        "a segment with SYN, FIN or RST taken as plain"
    );
    if PLAIN {
        TcpFlags(flags.0 & !(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST))
    } else {
        flags
    }
}

/// Signed distance between two sequence numbers (Zeek's `seq_delta`).
fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// History bits (Zeek's `HIST_*`); the responder's are shifted left by 16.
mod hist {
    pub const SYN: u32 = 0x1;
    pub const FIN: u32 = 0x2;
    pub const RST: u32 = 0x4;
    pub const FIN_RST: u32 = 0x8;
    pub const DATA: u32 = 0x10;
    pub const ACK: u32 = 0x20;
    pub const MULTI_FLAG: u32 = 0x40;
}

/// The connection's history letters. Zeek's history is unbounded but in practice short;
/// past the capacity further letters are dropped (and `truncated` says so).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct History {
    letters: [u8; Self::CAPACITY],
    len: u8,
}

impl History {
    const CAPACITY: usize = 30;

    fn new() -> Self {
        Self {
            letters: [0; Self::CAPACITY],
            len: 0,
        }
    }

    fn push(&mut self, c: u8) {
        if usize::from(self.len) < Self::CAPACITY {
            self.letters[usize::from(self.len)] = c;
            self.len += 1;
        }
    }

    /// The letters, as Zeek logs them.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and '^' are ever pushed.
        std::str::from_utf8(&self.letters[..usize::from(self.len)]).unwrap_or("")
    }
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a connection (Zeek's `TCP_Endpoint`): what a data or ACK segment reads and
/// writes. The fields such a segment does not touch are kept apart, in [`EndpointRare`], so
/// that both sides fit in 88 bytes (the flow-table entry's hot part: see `flow::Entry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Endpoint {
    /// Current state.
    pub state: EndpointState,
    /// State before the last change.
    pub prev_state: EndpointState,
    is_orig: bool,
    /// True once this side's close (FIN or RST) has been accounted.
    pub did_close: bool,
    window_scale: u8,
    start_seq: u32,
    last_seq: u32,
    ack_seq: u32,
    seq_wraps: u32,
    ack_wraps: u32,
    window: u32,
    window_seq: u32,
    window_ack_seq: u32,
    fin_cnt: u32,
}

/// What Zeek's `TCP_Endpoint` keeps that only SYN, FIN and RST segments, retransmissions and
/// zero windows read: the history's repeat checks and its scaled letters' counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointRare {
    hist_last_syn: u64,
    hist_last_fin: u64,
    hist_last_rst: u64,
    rxmt_cnt: u32,
    rxmt_thresh: u32,
    win0_cnt: u32,
    win0_thresh: u32,
}

impl EndpointRare {
    const NEW: Self = Self {
        hist_last_syn: 0,
        hist_last_fin: 0,
        hist_last_rst: 0,
        rxmt_cnt: 0,
        rxmt_thresh: 1,
        win0_cnt: 0,
        win0_thresh: 1,
    };
}

impl Endpoint {
    fn new(is_orig: bool) -> Self {
        Self {
            state: EndpointState::Inactive,
            prev_state: EndpointState::Inactive,
            is_orig,
            did_close: false,
            window_scale: 0,
            start_seq: 0,
            last_seq: 0,
            ack_seq: 0,
            seq_wraps: 0,
            ack_wraps: 0,
            window: 0,
            window_seq: 0,
            window_ack_seq: 0,
            fin_cnt: 0,
        }
    }

    /// The sequence number of this side's first byte minus one (its ISN when the SYN was seen).
    pub fn start_seq(&self) -> u32 {
        self.start_seq
    }

    /// The highest sequence number acknowledged by this side's peer... as Zeek tracks it:
    /// the highest ack received for this side's data.
    pub fn ack_seq(&self) -> u32 {
        self.ack_seq
    }

    /// One past the highest sequence number this side sent.
    pub fn last_seq(&self) -> u32 {
        self.last_seq
    }

    /// The last window this side advertised, scaled when the scale is known.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// The base of the last window this side advertised (the ack number it carried).
    pub fn window_ack_seq(&self) -> u32 {
        self.window_ack_seq
    }

    fn init_start_seq(&mut self, seq: u32) {
        self.start_seq = seq;
    }

    /// `update_window`'s update for a segment without SYN, FIN or RST: the (scaled) window
    /// it advertises, unless the side has closed or reset or the segment is older than the
    /// one that set the window last.
    #[inline(always)]
    fn take_window(&mut self, window: u32, seq: u32, ack: u32) {
        if self.state != EndpointState::Closed
            && self.state != EndpointState::Reset
            && seq_delta(seq, self.window_seq) >= 0
            && seq_delta(ack, self.window_ack_seq) >= 0
        {
            self.window = window;
            self.window_ack_seq = ack;
            self.window_seq = seq;
        }
    }

    fn update_last_seq_value(&mut self, seq: u32) {
        if seq < self.last_seq {
            self.seq_wraps += 1;
        }
        self.last_seq = seq;
    }

    fn full(seq: u32, wraps: u32) -> u64 {
        (u64::from(wraps) << 32) | u64::from(seq)
    }

    fn relative(&self, seq: u32, wraps: u32) -> u64 {
        Self::full(seq, wraps).wrapping_sub(u64::from(self.start_seq))
    }

    fn no_data_acked(&self) -> bool {
        let ack = Self::full(self.ack_seq, self.ack_wraps);
        let start = u64::from(self.start_seq);
        ack == start || ack == start + 1
    }

    /// Bytes this side sent in sequence space, as Zeek's `TCP_Endpoint::Size()`.
    fn size(&self, peer_state: EndpointState) -> u64 {
        if self.prev_state == EndpointState::SynSent
            && self.state == EndpointState::Reset
            && peer_state == EndpointState::Inactive
            && !self.no_data_acked()
        {
            return 0;
        }
        let last = Self::full(self.last_seq, self.seq_wraps);
        let ack = Self::full(self.ack_seq, self.ack_wraps);
        let start = u64::from(self.start_seq);
        let mut size = if last > ack {
            last.wrapping_sub(start)
        } else {
            ack.wrapping_sub(start)
        };
        size = size.saturating_sub(1);
        if self.fin_cnt > 0 && size != 0 {
            size -= 1;
        }
        size
    }
}

/// What processing one packet did to the connection, for the layers above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// The connection's close became complete with this packet (Zeek then lingers
    /// [`CLOSE_DELAY_SECS`] before removing it).
    pub close_complete: bool,
    /// The roles were flipped by this packet (SYN/SYN-ACK reversal).
    pub flipped: bool,
}

/// A TCP connection as Zeek's TCP analyzer keeps it. Addresses live with the caller: this
/// keeps only which side is the originator.
///
/// In this order (`repr(C)`), what a data or ACK segment touches comes first, in 104 bytes:
/// both endpoints, the history's seen bits, the last packet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct ZeekConn {
    /// The originator's endpoint.
    pub orig: Endpoint,
    /// The responder's endpoint.
    pub resp: Endpoint,
    hist_seen: u32,
    is_partial: bool,
    first_packet_seen: u8,
    /// True once either side left the handshake states (longer inactivity timeout).
    past_handshake: bool,
    expire_chain_count: u8,
    /// Time of the last packet that counted as activity.
    pub last_time: Timestamp,
    /// Time of the first packet.
    pub start_time: Timestamp,
    /// When an unanswered first SYN is given up on (Zeek's attempt timer), if pending.
    attempt_at: Deadline,
    /// When the connection is removed after a complete close, once set.
    delete_at: Deadline,
    /// Origins of Zeek's expire-timer chains (each ticks every 6 s from its origin): one from
    /// the start, and one more from each half close.
    expire_chains: [Timestamp; MAX_EXPIRE_CHAINS],
    /// The rest of the originator's (0) and the responder's (1) endpoint.
    rare: [EndpointRare; 2],
    /// History letters.
    pub history: History,
}

const MAX_EXPIRE_CHAINS: usize = 3;

/// A time or none, in 8 bytes where `Option<Timestamp>` takes 16: the flow table holds a
/// quarter of a million connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Deadline(i64);

impl Deadline {
    const NONE: Self = Self(i64::MIN);

    /// `t`; the one time it cannot hold, the first nanosecond of i64, becomes the next.
    fn at(t: Timestamp) -> Self {
        Self(t.0.max(i64::MIN + 1))
    }

    fn get(self) -> Option<Timestamp> {
        (self != Self::NONE).then_some(Timestamp(self.0))
    }
}

const ORIG_BIT: u8 = 1;
const RESP_BIT: u8 = 2;

/// Ports Zeek's default scripts register as likely TCP servers (`likely_server_ports`), used
/// to guess the originator of a connection picked up without its SYN.
pub fn is_likely_server_port(port: u16) -> bool {
    matches!(
        port,
        21 | 22
            | 25
            | 53
            | 80
            | 81
            | 88
            | 110
            | 135
            | 139
            | 143
            | 389
            | 443
            | 445
            | 502
            | 563
            | 585
            | 587
            | 614
            | 631
            | 636
            | 989
            | 990
            | 992
            | 993
            | 995
            | 1080
            | 1434
            | 1883
            | 2811
            | 3128
            | 3268
            | 3306
            | 3389
            | 5222
            | 5223
            | 5269
            | 5432
            | 6379
            | 6666..=6669 | 8000 | 8080 | 8888 | 20000
    )
}

/// Whether a connection whose first packet goes from `sport` to `dport` with `flags` should
/// have its roles flipped (Zeek's `TCPAnalyzer::WantConnection`).
pub fn flip_on_first_packet(sport: u16, dport: u16, flags: TcpFlags) -> bool {
    if flags.syn() && !flags.ack() {
        return false;
    }
    if !is_likely_server_port(sport) {
        return false;
    }
    if is_likely_server_port(dport) {
        !flags.syn() && sport < dport
    } else {
        true
    }
}

impl ZeekConn {
    /// A new connection starting at `t`; `flipped` when the first packet came from the
    /// responder (the history then starts with `^`).
    pub fn new(t: Timestamp, flipped: bool) -> Self {
        let mut c = Self {
            orig: Endpoint::new(true),
            resp: Endpoint::new(false),
            history: History::new(),
            hist_seen: 0,
            is_partial: false,
            first_packet_seen: 0,
            start_time: t,
            last_time: t,
            attempt_at: Deadline::NONE,
            delete_at: Deadline::NONE,
            past_handshake: false,
            expire_chains: [t.plus_secs(SYN_TIMEOUT_SECS); MAX_EXPIRE_CHAINS],
            expire_chain_count: 1,
            rare: [EndpointRare::NEW; 2],
        };
        if flipped {
            c.history.push(b'^');
        }
        c
    }

    fn ends(&mut self, is_orig: bool) -> (&mut Endpoint, &mut Endpoint) {
        if is_orig {
            (&mut self.orig, &mut self.resp)
        } else {
            (&mut self.resp, &mut self.orig)
        }
    }

    fn ep(&self, is_orig: bool) -> &Endpoint {
        if is_orig { &self.orig } else { &self.resp }
    }

    fn rare(&mut self, is_orig: bool) -> &mut EndpointRare {
        &mut self.rare[usize::from(!is_orig)]
    }

    fn check_history(&mut self, is_orig: bool, mask: u32, code: u8) -> bool {
        let (mask, code) = if is_orig {
            (mask, code)
        } else {
            (mask << 16, code.to_ascii_lowercase())
        };
        if self.hist_seen & mask == 0 {
            self.hist_seen |= mask;
            self.history.push(code);
            false
        } else {
            true
        }
    }

    fn add_history(&mut self, is_orig: bool, code: u8) {
        self.history.push(if is_orig {
            code
        } else {
            code.to_ascii_lowercase()
        });
    }

    fn set_state(&mut self, is_orig: bool, new_state: EndpointState) {
        let (ep, peer) = self.ends(is_orig);
        if new_state != ep.state {
            if !new_state.is_handshake() && ep.state.is_handshake() && peer.state.is_handshake() {
                self.past_handshake = true;
            }
            let (ep, _) = self.ends(is_orig);
            ep.prev_state = ep.state;
            ep.state = new_state;
        }
    }

    /// True when either side has closed (Zeek's `IsClosed()`).
    pub fn is_closed(&self) -> bool {
        self.orig.did_close || self.resp.did_close
    }

    /// Whether a packet from the originator (`from_orig`) or responder starts a new connection
    /// on this one's 4-tuple (Zeek's `IsReuse`).
    pub fn is_reuse(&self, from_orig: bool, seq: u32, flags: TcpFlags) -> bool {
        if !flags.syn() {
            return false;
        }
        let _ = from_orig;
        if flags.ack() && self.orig.state != EndpointState::Inactive {
            return false;
        }
        // Zeek compares against its `orig` endpoint (or `resp` for a SYN-ACK on a half
        // connection) whichever side sent the packet.
        let conn_orig = if flags.ack() { &self.resp } else { &self.orig };
        if !self.is_closed() {
            if seq == conn_orig.start_seq {
                return false;
            }
            if !flags.ack()
                && conn_orig.state == EndpointState::SynAckSent
                && self.resp.state == EndpointState::Inactive
                && seq == self.resp.start_seq
            {
                return false;
            }
        }
        true
    }

    fn set_partial_status(&mut self, flags: TcpFlags, is_orig: bool) {
        if is_orig {
            if self.first_packet_seen & ORIG_BIT == 0 {
                self.is_partial = !flags.syn() || flags.ack();
            }
        } else if self.first_packet_seen & RESP_BIT == 0 && !self.is_partial {
            self.is_partial = !flags.syn();
        }
    }

    fn flip_roles(&mut self) {
        std::mem::swap(&mut self.orig, &mut self.resp);
        self.rare.swap(0, 1);
        self.orig.is_orig = true;
        self.resp.is_orig = false;
        let f = self.first_packet_seen;
        self.first_packet_seen = (if f & ORIG_BIT != 0 { RESP_BIT } else { 0 })
            | (if f & RESP_BIT != 0 { ORIG_BIT } else { 0 });
        self.is_partial = false;
        self.history.push(b'^');
    }

    /// Processes one segment from the originator (`is_orig`) or the responder: its time,
    /// flags, sequence and acknowledgment numbers, window, payload length and window scale
    /// option (the addresses and ports are the caller's). Returns what changed; after a flip,
    /// the caller must swap its notion of which address is the originator.
    #[inline(always)]
    pub fn process(&mut self, is_orig: bool, seg: &TcpPacket<'_>) -> Step {
        self.process_known::<false>(is_orig, seg)
    }

    /// [`process`](Self::process) of a segment whose flags the caller looked at: `PLAIN`, it
    /// has no SYN, FIN or RST ([`is_plain`]).
    #[inline(always)]
    pub fn process_known<const PLAIN: bool>(&mut self, is_orig: bool, seg: &TcpPacket<'_>) -> Step {
        if (PLAIN || is_plain(seg.flags)) && self.ep(is_orig).state != EndpointState::Inactive {
            // Debug builds (the tests, property tests and fuzz replay) check that the short
            // path leaves the connection exactly as the full one would.
            #[cfg(debug_assertions)]
            let full = {
                let mut full = *self;
                let step = full.process_any(is_orig, seg);
                debug_assert_eq!(step, Step::default());
                full
            };
            self.process_plain(is_orig, seg);
            #[cfg(debug_assertions)]
            debug_assert_eq!(*self, full, "the short path of a plain segment differs");
            return Step::default();
        }
        self.process_any(is_orig, seg)
    }

    /// Most packets: a segment without SYN, FIN or RST from a side already past `Inactive`.
    /// The steps of [`process_any`](Self::process_any) that cannot apply to it are left out:
    /// the side's numbering is set already (`init_endpoint` acts only on a SYN or an inactive
    /// side), its history letters can only be `D`, `A`, `T` or `W`, and no state changes (each
    /// state's transitions need SYN, FIN or RST, but `Inactive`'s), so nothing closes or flips.
    /// The steps left are those of `process_any` with the three flags known to be clear, on
    /// the two endpoints picked once; they touch different fields (the window and the last
    /// sequence number of the sender, the acknowledged bytes of its peer), so only the
    /// history letters keep their order: `D` or `A`, then `W`, then `T`.
    #[inline(always)]
    fn process_plain(&mut self, is_orig: bool, seg: &TcpPacket<'_>) {
        let (flags, seq, ack, len) = (seg.flags, seg.seq, seg.ack, seg.payload_len);
        let bit = if is_orig { ORIG_BIT } else { RESP_BIT };
        // `set_partial_status`: without SYN, a side's first segment makes the connection
        // partial.
        if self.first_packet_seen & bit == 0 {
            self.is_partial = true;
            self.first_packet_seen |= bit;
        }
        self.history_without_control(is_orig, flags, len);
        let (ep, peer) = self.ends(is_orig);
        // `update_window`.
        let window = u32::from(seg.window) << ep.window_scale;
        let zero_window =
            window == 0 && peer.state != EndpointState::Closed && ep.state != EndpointState::Reset;
        ep.take_window(window, seq, ack);
        let active = !ep.did_close || !peer.did_close;
        // `ack_received`.
        if flags.ack() {
            Self::peer_acked(peer, ack);
        }
        // `update_last_seq`: a sender that reset trusts no sequence number; else the highest
        // moves on, or data at or below it is a retransmission.
        let last_seq = seq.wrapping_add(len);
        let mut retransmit = false;
        if ep.state != EndpointState::Reset {
            if seq_delta(last_seq, ep.last_seq) > 0 {
                ep.update_last_seq_value(last_seq);
            } else if len > 0 {
                retransmit = true;
            }
        }
        if active {
            self.last_time = seg.ts;
        }
        if zero_window {
            self.scaled_history(is_orig, b'W', false);
        }
        if retransmit {
            self.scaled_history(is_orig, b'T', true);
        }
    }

    /// Any segment: Zeek's `TCPSessionAdapter::DeliverPacket` steps in order.
    #[inline(never)]
    fn process_any(&mut self, is_orig: bool, seg: &TcpPacket<'_>) -> Step {
        let (t, flags, seq, ack, window, len, window_scale) = (
            seg.ts,
            seg.flags,
            seg.seq,
            seg.ack,
            seg.window,
            seg.payload_len,
            seg.window_scale,
        );
        self.set_partial_status(flags, is_orig);

        let mut seg_len = len;
        if flags.syn() {
            seg_len = seg_len.wrapping_add(1);
        }
        if flags.fin() {
            seg_len = seg_len.wrapping_add(1);
        }
        if flags.rst() {
            seg_len = seg_len.wrapping_sub(len);
        }
        let seq_one_past_segment = seq.wrapping_add(seg_len);

        self.init_endpoint(is_orig, flags, seq, seq_one_past_segment);

        let rel_seq = {
            let ep = self.ep(is_orig);
            relative_seq(ep, seq, ep.last_seq, ep.seq_wraps).0
        };

        self.update_history(is_orig, flags, rel_seq, len);
        self.update_window(is_orig, u32::from(window), seq, ack, flags);

        if !self.orig.did_close || !self.resp.did_close {
            self.last_time = t;
        }

        if flags.syn() {
            self.init_window(is_orig, flags, window_scale, seq, ack);
        }
        if flags.fin() {
            let (ep, _) = self.ends(is_orig);
            ep.fin_cnt += 1;
        }

        if flags.ack() {
            self.ack_received(is_orig, flags, ack);
        }

        let delta_last = self.update_last_seq(is_orig, seq_one_past_segment, flags, len);

        let mut step = Step::default();
        let (do_close, gen_event) =
            self.update_state_machine(t, is_orig, seq, ack, len, delta_last, flags, &mut step);
        let _ = gen_event;
        // After a flip inside the state machine the packet's sender is the other endpoint.
        let sender_is_orig = if step.flipped { !is_orig } else { is_orig };
        if do_close {
            step.close_complete = self.connection_closed(sender_is_orig);
        }
        self.first_packet_seen |= if is_orig { ORIG_BIT } else { RESP_BIT };
        step
    }

    /// A packet with ACK from `is_orig`'s side: the peer's bytes acknowledged so far.
    fn ack_received(&mut self, is_orig: bool, flags: TcpFlags, ack: u32) {
        let (_, peer) = self.ends(is_orig);
        if peer.state == EndpointState::Inactive || !flags.rst() {
            Self::peer_acked(peer, ack);
        }
    }

    /// [`ack_received`](Self::ack_received) of a segment without RST, on the peer.
    #[inline(always)]
    fn peer_acked(peer: &mut Endpoint, ack: u32) {
        if peer.state == EndpointState::Inactive {
            // Zeek's init_peer: number the peer's bytes as though its SYN was seen.
            let base = ack.wrapping_sub(1);
            peer.init_start_seq(base);
            peer.ack_seq = base;
            peer.last_seq = base;
        } else {
            // Only an ack ahead of the last one moves anything: most acks repeat the last
            // one, and `get_relative_seq`'s underflow test is made for the others only. With
            // the delta positive, it counts one more wrap where the number itself went down,
            // and underflows only without a wrap, before the start.
            let delta_ack = seq_delta(ack, peer.ack_seq);
            if delta_ack <= 0 || (ack == 0 && delta_ack > TOO_LARGE_SEQ_DELTA) {
                // Nothing new, or a broken ack rather than a wrap landing on 0.
                return;
            }
            debug_assert_eq!(
                peer.ack_wraps == 0 && ack >= peer.ack_seq && seq_delta(ack, peer.start_seq) < 0,
                relative_seq(peer, ack, peer.ack_seq, peer.ack_wraps).1
            );
            // Zeek's `update_ack_seq_value` after the underflow test, in branches: the number
            // went down (a wrap, never an underflow), or it went up and underflows only
            // without a wrap so far, before the start. Written as one condition, the compiler
            // computed it without branches, through the stack, for most packets.
            if ack < peer.ack_seq {
                peer.ack_wraps += 1;
            } else if peer.ack_wraps == 0 && seq_delta(ack, peer.start_seq) < 0 {
                return;
            }
            peer.ack_seq = ack;
        }
    }

    fn init_endpoint(&mut self, is_orig: bool, flags: TcpFlags, first_seg_seq: u32, last_seq: u32) {
        let (ep, _) = self.ends(is_orig);
        match ep.state {
            EndpointState::Inactive => {
                let mut last_seq = last_seq;
                if flags.syn() {
                    ep.ack_seq = first_seg_seq;
                    ep.init_start_seq(first_seg_seq);
                } else {
                    ep.ack_seq = first_seg_seq.wrapping_sub(1);
                    ep.init_start_seq(first_seg_seq.wrapping_sub(1));
                    last_seq = first_seg_seq;
                }
                ep.last_seq = last_seq;
            }
            EndpointState::SynSent | EndpointState::SynAckSent => {
                if flags.syn() && first_seg_seq != ep.start_seq {
                    ep.init_start_seq(first_seg_seq);
                    ep.ack_seq = first_seg_seq;
                    ep.last_seq = last_seq;
                }
            }
            EndpointState::Established | EndpointState::Partial => {
                if flags.syn() {
                    ep.init_start_seq(first_seg_seq);
                    ep.ack_seq = first_seg_seq;
                    ep.last_seq = last_seq;
                }
            }
            EndpointState::Reset => {
                if flags.syn() && ep.prev_state == EndpointState::Inactive {
                    ep.init_start_seq(first_seg_seq);
                    ep.ack_seq = first_seg_seq;
                    ep.last_seq = last_seq;
                }
            }
            EndpointState::Closed => {}
        }
    }

    fn update_history(&mut self, is_orig: bool, flags: TcpFlags, rel_seq: u64, len: u32) {
        let bits = u32::from(flags.syn()) + u32::from(flags.fin()) + u32::from(flags.rst());
        if bits > 1 {
            if flags.fin() && flags.rst() {
                self.check_history(is_orig, hist::FIN_RST, b'I');
            } else {
                self.check_history(is_orig, hist::MULTI_FLAG, b'Q');
            }
        } else if bits == 1 {
            if flags.syn() {
                let code = if flags.ack() { b'H' } else { b'S' };
                let last = self.rare(is_orig).hist_last_syn;
                if self.check_history(is_orig, hist::SYN, code) && rel_seq != last {
                    self.add_history(is_orig, code);
                }
                self.rare(is_orig).hist_last_syn = rel_seq;
            }
            if flags.fin() {
                let end = rel_seq.wrapping_add(u64::from(len));
                let last = self.rare(is_orig).hist_last_fin;
                if self.check_history(is_orig, hist::FIN, b'F') && end != last {
                    self.add_history(is_orig, b'F');
                }
                self.rare(is_orig).hist_last_fin = end;
            }
            if flags.rst() {
                let last = self.rare(is_orig).hist_last_rst;
                if self.check_history(is_orig, hist::RST, b'R') && rel_seq != last {
                    self.add_history(is_orig, b'R');
                }
                self.rare(is_orig).hist_last_rst = rel_seq;
            }
        } else {
            self.history_without_control(is_orig, flags, len);
        }
    }

    /// The history letter of a segment without SYN, FIN or RST: data, else a bare ACK.
    fn history_without_control(&mut self, is_orig: bool, flags: TcpFlags, len: u32) {
        if len > 0 {
            self.check_history(is_orig, hist::DATA, b'D');
        } else if flags.ack() {
            self.check_history(is_orig, hist::ACK, b'A');
        }
    }

    /// Zeek's `ScaledHistoryEntry`: the letter is added at the 1st, 10th, 100th... occurrence.
    fn scaled_history(&mut self, is_orig: bool, code: u8, retransmit: bool) {
        let ep = self.rare(is_orig);
        let (cnt, thresh) = if retransmit {
            (&mut ep.rxmt_cnt, &mut ep.rxmt_thresh)
        } else {
            (&mut ep.win0_cnt, &mut ep.win0_thresh)
        };
        *cnt = cnt.saturating_add(1);
        if *cnt == *thresh {
            *thresh = thresh.checked_mul(10).unwrap_or(u32::MAX);
            self.add_history(is_orig, code);
        }
    }

    fn update_window(
        &mut self,
        is_orig: bool,
        window: u32,
        base_seq: u32,
        ack_seq: u32,
        flags: TcpFlags,
    ) {
        let (ep, peer) = self.ends(is_orig);
        let scale = u32::from(ep.window_scale);
        let window = window << scale;
        let zero_window = window == 0
            && !flags.rst()
            && peer.state != EndpointState::Closed
            && ep.state != EndpointState::Reset;
        if !flags.syn() && !flags.fin() && !flags.rst() {
            ep.take_window(window, base_seq, ack_seq);
        }
        if zero_window {
            self.scaled_history(is_orig, b'W', false);
        }
    }

    fn init_window(
        &mut self,
        is_orig: bool,
        flags: TcpFlags,
        scale: Option<u8>,
        base_seq: u32,
        ack_seq: u32,
    ) {
        let (ep, peer) = self.ends(is_orig);
        match scale {
            None => {
                ep.window_scale = 0;
                if flags.ack() {
                    peer.window_scale = 0;
                }
            }
            Some(s) => {
                ep.window_scale = s.min(14);
                ep.window_seq = base_seq;
                ep.window_ack_seq = ack_seq;
                peer.window_seq = ack_seq;
                peer.window_ack_seq = base_seq;
            }
        }
    }

    fn update_last_seq(&mut self, is_orig: bool, last_seq: u32, flags: TcpFlags, len: u32) -> i32 {
        let ep = if is_orig {
            &mut self.orig
        } else {
            &mut self.resp
        };
        let delta_last = seq_delta(last_seq, ep.last_seq);
        let mut rxmit = false;
        if (flags.syn() || flags.rst())
            && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta_last)
        {
            // Outlandish SYN/RST sequence numbers are not trusted.
        } else if flags.fin() && ep.last_seq == ep.start_seq.wrapping_add(1) {
            ep.update_last_seq_value(last_seq);
        } else if ep.state == EndpointState::Reset {
            // Sequence numbers after a RST are not trusted.
        } else if delta_last > 0 {
            ep.update_last_seq_value(last_seq);
        } else if len > 0 {
            rxmit = true;
        }
        if rxmit {
            self.scaled_history(is_orig, b'T', true);
        }
        delta_last
    }

    #[allow(clippy::too_many_arguments)]
    fn update_state_machine(
        &mut self,
        t: Timestamp,
        is_orig: bool,
        base_seq: u32,
        ack_seq: u32,
        len: u32,
        delta_last: i32,
        flags: TcpFlags,
        step: &mut Step,
    ) -> (bool, bool) {
        let mut do_close = false;
        let mut gen_event = false;
        match self.ep(is_orig).state {
            EndpointState::Inactive => self.update_inactive(
                t,
                is_orig,
                base_seq,
                ack_seq,
                len,
                flags,
                &mut do_close,
                &mut gen_event,
                step,
            ),
            EndpointState::SynSent | EndpointState::SynAckSent => {
                if flags.fin() {
                    self.set_state(is_orig, EndpointState::Closed);
                    do_close = true;
                    gen_event = true;
                }
                if flags.rst() {
                    self.set_state(is_orig, EndpointState::Reset);
                    do_close = true;
                }
            }
            EndpointState::Established | EndpointState::Partial => {
                let (ep, peer) = (self.ep(is_orig), self.ep(!is_orig));
                if flags.syn()
                    && ep.state == EndpointState::Partial
                    && peer.state == EndpointState::Inactive
                    && !flags.ack()
                {
                    self.set_state(is_orig, EndpointState::SynSent);
                }
                if flags.fin() && !flags.rst() {
                    self.set_state(is_orig, EndpointState::Closed);
                    let peer = self.ep(!is_orig);
                    if peer.state == EndpointState::Reset
                        && peer.prev_state == EndpointState::Closed
                    {
                        self.set_state(!is_orig, EndpointState::Closed);
                    }
                    do_close = true;
                    gen_event = true;
                }
                if flags.rst() {
                    self.set_state(is_orig, EndpointState::Reset);
                    do_close = true;
                }
            }
            EndpointState::Closed => {
                let _ = delta_last;
                if flags.rst() && self.ep(!is_orig).state != EndpointState::Closed {
                    self.set_state(is_orig, EndpointState::Reset);
                    if !self.ep(is_orig).did_close {
                        do_close = true;
                    }
                }
            }
            EndpointState::Reset => {}
        }
        (do_close, gen_event)
    }

    #[allow(clippy::too_many_arguments)]
    fn update_inactive(
        &mut self,
        t: Timestamp,
        is_orig: bool,
        base_seq: u32,
        ack_seq: u32,
        len: u32,
        flags: TcpFlags,
        do_close: &mut bool,
        gen_event: &mut bool,
        step: &mut Step,
    ) {
        // `is_orig` names the sender as the connection stood when the packet arrived; a flip
        // below swaps the endpoints, after which the sender is `!is_orig`.
        let mut me = is_orig;
        if flags.syn() {
            if is_orig {
                if flags.ack() {
                    self.set_state(me, EndpointState::SynAckSent);
                } else {
                    self.set_state(me, EndpointState::SynSent);
                }
                self.attempt_at = Deadline::at(t.plus_secs(ATTEMPT_DELAY_SECS));
            } else {
                if flags.ack() {
                    // A SYN-ACK from the responder.
                } else if self.ep(!me).state == EndpointState::SynAckSent
                    && base_seq == self.ep(me).start_seq
                {
                    // SYN/SYN-ACK reversal: flip the endpoints and establish the connection.
                    self.is_partial = false;
                    self.flip_roles();
                    me = !me;
                    step.flipped = true;
                    self.set_state(!me, EndpointState::Established);
                    self.first_packet_seen |= ORIG_BIT;
                }
                if self.ep(!me).state == EndpointState::SynSent {
                    self.set_state(!me, EndpointState::Established);
                }
                self.set_state(me, EndpointState::Established);
            }
        }
        let _ = ack_seq;

        if flags.fin() {
            self.set_state(me, EndpointState::Closed);
            *do_close = true;
            *gen_event = true;
        }

        if flags.rst() {
            self.set_state(me, EndpointState::Reset);
            *do_close = true;
        }

        if self.ep(me).state == EndpointState::Inactive {
            let me_is_orig = me;
            if !me_is_orig && len == 0 && self.orig.state == EndpointState::SynSent {
                // Some stacks ack an initial SYN before answering it: not a partial connection.
            } else if flags.ack() && self.ep(!me).state == EndpointState::Established {
                // The SYN was missed but the SYN-ACK seen: establish rather than partial.
                self.set_state(me, EndpointState::Established);
                self.is_partial = false;
                self.first_packet_seen |= if me_is_orig { ORIG_BIT } else { RESP_BIT };
            } else {
                self.set_state(me, EndpointState::Partial);
            }
        }
    }

    /// Zeek's `ConnectionClosed`: returns true when the close became complete.
    fn connection_closed(&mut self, sender_is_orig: bool) -> bool {
        let (ep, peer) = self.ends(sender_is_orig);
        if ep.did_close {
            return false;
        }
        ep.did_close = true;
        let complete = ep.state == EndpointState::Reset
            || peer.did_close
            || peer.state == EndpointState::Inactive;
        if complete {
            if self.delete_at.get().is_none() {
                self.delete_at = Deadline::at(self.last_time.plus_secs(CLOSE_DELAY_SECS));
            }
        } else if ep.prev_state != EndpointState::Inactive
            && usize::from(self.expire_chain_count) < MAX_EXPIRE_CHAINS
        {
            // Zeek starts another expire timer to look for the other side closing too.
            self.expire_chains[usize::from(self.expire_chain_count)] =
                self.last_time.plus_secs(SESSION_TIMER_SECS);
            self.expire_chain_count += 1;
        }
        complete
    }

    /// When this connection should next be looked at for removal, given that nothing arrives.
    /// `None` is never returned: every connection expires eventually.
    pub fn next_check(&self, now: Timestamp) -> Timestamp {
        if let Some(d) = self.delete_at.get() {
            return d;
        }
        let idle = if self.past_handshake {
            INACTIVITY_SECS
        } else {
            HANDSHAKE_INACTIVITY_SECS
        };
        let mut next = self.last_time.plus_secs(idle);
        if let Some(a) = self.attempt_at.get()
            && (a >= now)
        {
            next = next.min(a);
        }
        if let Some(e) = self.next_expire_tick(now) {
            next = next.min(e);
        }
        next
    }

    /// Zeek's expire timers tick every 6 s from their origins. A tick expires the connection
    /// when it has been idle longer than the linger time and one side closed while the other
    /// is closed, reset or silent.
    fn next_expire_tick(&self, now: Timestamp) -> Option<Timestamp> {
        if !self.expirable() {
            return None;
        }
        // Zeek requires LastTime + linger < t: the first tick strictly after that, not before now.
        // In i128, so that times near either end of i64 cannot overflow; a tick past the end
        // of time is the end of time.
        let after = i128::from(self.last_time.plus_secs(CONNECTION_LINGER_SECS).0);
        let now = i128::from(now.0);
        let period = i128::from(SESSION_TIMER_SECS * Timestamp::NANOS_PER_SEC);
        self.expire_chains[..usize::from(self.expire_chain_count)]
            .iter()
            .map(|origin| {
                let origin = i128::from(origin.0);
                let k = if after < origin {
                    0
                } else {
                    (after - origin) / period + 1
                };
                let mut tick = origin + k * period;
                if tick < now {
                    tick += (now - tick + period - 1) / period * period;
                }
                Timestamp(i64::try_from(tick).unwrap_or(i64::MAX))
            })
            .min()
    }

    fn expirable(&self) -> bool {
        let (o, r) = (&self.orig, &self.resp);
        (o.did_close || r.did_close)
            && ((o.did_close && r.did_close)
                || o.state == EndpointState::Reset
                || r.state == EndpointState::Reset
                || o.state == EndpointState::Inactive
                || r.state == EndpointState::Inactive)
    }

    /// Whether the connection is to be removed at `t` (a timer check came due).
    pub fn expired_at(&mut self, t: Timestamp) -> bool {
        if let Some(d) = self.delete_at.get() {
            return t >= d;
        }
        if let Some(a) = self.attempt_at.get()
            && t >= a
        {
            self.attempt_at = Deadline::NONE;
            if matches!(
                self.orig.state,
                EndpointState::SynSent | EndpointState::SynAckSent
            ) && self.resp.state == EndpointState::Inactive
            {
                return true;
            }
        }
        let idle = if self.past_handshake {
            INACTIVITY_SECS
        } else {
            HANDSHAKE_INACTIVITY_SECS
        };
        if t >= self.last_time.plus_secs(idle) {
            return true;
        }
        self.expirable()
            && t > self.last_time.plus_secs(CONNECTION_LINGER_SECS)
            && self.on_expire_tick(t)
    }

    fn on_expire_tick(&self, t: Timestamp) -> bool {
        let period = i128::from(SESSION_TIMER_SECS * Timestamp::NANOS_PER_SEC);
        let after = i128::from(self.last_time.plus_secs(CONNECTION_LINGER_SECS).0);
        let t = i128::from(t.0);
        // A check at `t` counts for the latest tick of any chain at or before `t`.
        self.expire_chains[..usize::from(self.expire_chain_count)]
            .iter()
            .map(|origin| i128::from(origin.0))
            .any(|origin| t >= origin && origin + (t - origin) / period * period > after)
    }

    /// Zeek's `conn_state()` for TCP.
    pub fn conn_state(&self) -> ConnState {
        use EndpointState as S;
        let os = self.orig.state;
        let rs = self.resp.state;
        let o_inactive = matches!(os, S::Inactive | S::Partial);
        let r_inactive = matches!(rs, S::Inactive | S::Partial);
        if rs == S::Reset {
            if matches!(os, S::SynSent | S::SynAckSent)
                || (os == S::Reset && self.orig.size(rs) == 0 && self.resp.size(os) == 0)
            {
                ConnState::Rej
            } else if o_inactive {
                ConnState::Rstrh
            } else {
                ConnState::Rstr
            }
        } else if os == S::Reset {
            if r_inactive {
                if history_matches_rstos0(self.history.as_str()) {
                    ConnState::Rstos0
                } else {
                    ConnState::Oth
                }
            } else {
                ConnState::Rsto
            }
        } else if rs == S::Closed && os == S::Closed {
            ConnState::Sf
        } else if os == S::Closed {
            if r_inactive {
                ConnState::Sh
            } else {
                ConnState::S2
            }
        } else if rs == S::Closed {
            if o_inactive {
                ConnState::Shr
            } else {
                ConnState::S3
            }
        } else if os == S::SynSent && rs == S::Inactive {
            ConnState::S0
        } else if os == S::Established && rs == S::Established {
            ConnState::S1
        } else {
            ConnState::Oth
        }
    }
}

/// `^?S[^HAFGIQ]*R.*` matched against the whole history.
fn history_matches_rstos0(h: &str) -> bool {
    let rest = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = rest.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        if c == 'R' {
            return true;
        }
        if matches!(c, 'H' | 'A' | 'F' | 'G' | 'I' | 'Q') {
            return false;
        }
    }
    false
}

/// Zeek's `get_relative_seq`: the 64-bit offset of `cur` from the endpoint's start, and
/// whether it lies before the start (underflow).
fn relative_seq(ep: &Endpoint, cur: u32, last: u32, wraps: u32) -> (u64, bool) {
    let delta = seq_delta(cur, last);
    let mut wraps = wraps;
    if delta < 0 {
        if wraps > 0 && cur > last {
            wraps -= 1;
        }
    } else if delta > 0 && cur < last {
        wraps += 1;
    }
    if wraps == 0 {
        let d = seq_delta(cur, ep.start_seq);
        (d as i64 as u64, d < 0)
    } else {
        (ep.relative(cur, wraps), false)
    }
}

/// Zeek's connection states (`conn_state` in conn.log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnState {
    /// Connection attempt seen, no reply.
    S0,
    /// Connection established, not terminated.
    S1,
    /// Normal establishment and termination.
    Sf,
    /// Connection attempt rejected.
    Rej,
    /// Established, originator closed, no reply from responder.
    S2,
    /// Established, responder closed, no reply from originator.
    S3,
    /// Established, originator aborted (sent a RST).
    Rsto,
    /// Responder sent a RST.
    Rstr,
    /// Originator sent a SYN followed by a RST, no SYN-ACK seen.
    Rstos0,
    /// Responder sent a SYN-ACK followed by a RST, no SYN seen from the originator.
    Rstrh,
    /// Originator sent a SYN followed by a FIN, no SYN-ACK seen.
    Sh,
    /// Responder sent a SYN-ACK followed by a FIN, no SYN seen from the originator.
    Shr,
    /// No SYN seen, just midstream traffic.
    Oth,
}

impl ConnState {
    /// Every state, in Zeek's documentation order.
    pub const ALL: [ConnState; 13] = [
        Self::S0,
        Self::S1,
        Self::Sf,
        Self::Rej,
        Self::S2,
        Self::S3,
        Self::Rsto,
        Self::Rstr,
        Self::Rstos0,
        Self::Rstrh,
        Self::Sh,
        Self::Shr,
        Self::Oth,
    ];

    /// The name as Zeek logs it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S0 => "S0",
            Self::S1 => "S1",
            Self::Sf => "SF",
            Self::Rej => "REJ",
            Self::S2 => "S2",
            Self::S3 => "S3",
            Self::Rsto => "RSTO",
            Self::Rstr => "RSTR",
            Self::Rstos0 => "RSTOS0",
            Self::Rstrh => "RSTRH",
            Self::Sh => "SH",
            Self::Shr => "SHR",
            Self::Oth => "OTH",
        }
    }

    /// Index into [`ConnState::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u16 = TcpFlags::SYN;
    const A: u16 = TcpFlags::ACK;
    const R: u16 = TcpFlags::RST;
    const F: u16 = TcpFlags::FIN;

    /// A segment between two fixed ends (this module reads neither addresses nor ports).
    fn seg(
        ts: Timestamp,
        flags: u16,
        seq: u32,
        ack: u32,
        window: u16,
        payload_len: u32,
        window_scale: Option<u8>,
    ) -> TcpPacket<'static> {
        TcpPacket {
            ts,
            frame: 1,
            src: std::net::Ipv4Addr::LOCALHOST.into(),
            dst: std::net::Ipv4Addr::LOCALHOST.into(),
            sport: 40000,
            dport: 80,
            seq,
            ack,
            flags: TcpFlags(flags),
            window,
            window_scale,
            payload_len,
            ttl: 64,
            ..crate::decode::BLANK
        }
    }

    /// Feeds (from_orig, flags, seq, ack, len) packets one second apart.
    fn run(packets: &[(bool, u16, u32, u32, u32)]) -> ZeekConn {
        let mut c = ZeekConn::new(Timestamp(0), false);
        for (i, &(o, f, seq, ack, len)) in packets.iter().enumerate() {
            c.process(
                o,
                &seg(
                    Timestamp::from_parts(i as i64, 0),
                    f,
                    seq,
                    ack,
                    1000,
                    len,
                    None,
                ),
            );
        }
        c
    }

    #[test]
    fn refused_is_rej_sr() {
        let c = run(&[(true, S, 100, 0, 0), (false, R | A, 0, 101, 0)]);
        assert_eq!(c.conn_state(), ConnState::Rej);
        assert_eq!(c.history.as_str(), "Sr");
    }

    #[test]
    fn clean_close_is_sf() {
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
            (true, A, 101, 501, 10),
            (false, A, 501, 111, 20),
            (true, F | A, 111, 521, 0),
            (false, F | A, 521, 112, 0),
            (true, A, 112, 522, 0),
        ]);
        assert_eq!(c.conn_state(), ConnState::Sf);
        assert_eq!(c.history.as_str(), "ShADdFf");
    }

    #[test]
    fn syn_then_rst_is_rstos0() {
        let c = run(&[(true, S, 100, 0, 0), (true, R, 101, 0, 0)]);
        assert_eq!(c.conn_state(), ConnState::Rstos0);
        assert_eq!(c.history.as_str(), "SR");
    }

    #[test]
    fn syn_ack_from_responder_then_rst_is_rstos0_sar() {
        // zeek/tcp/syn-then-ack-then-rst.pcap: SYN, a bare ACK from the responder, RST.
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, A, 500, 101, 0),
            (true, R, 101, 0, 0),
        ]);
        assert_eq!(c.history.as_str(), "SaR");
        assert_eq!(c.conn_state(), ConnState::Rstos0);
    }

    #[test]
    fn syn_stuff_rst_is_oth() {
        // zeek/tcp/syn-then-stuff-then-rst.pcap: SaFR is OTH.
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, A, 500, 101, 0),
            (true, F | A, 101, 501, 0),
            (true, R, 102, 0, 0),
        ]);
        assert_eq!(c.history.as_str(), "SaFR");
        assert_eq!(c.conn_state(), ConnState::Oth);
    }

    #[test]
    fn lone_rst_is_oth() {
        let c = run(&[(true, R, 100, 0, 0)]);
        assert_eq!(c.history.as_str(), "R");
        assert_eq!(c.conn_state(), ConnState::Oth);
    }

    #[test]
    fn lone_rst_from_responder_is_rstrh() {
        let mut c = ZeekConn::new(Timestamp(0), true);
        c.process(false, &seg(Timestamp(0), R, 5, 0, 0, 0, None));
        assert_eq!(c.history.as_str(), "^r");
        assert_eq!(c.conn_state(), ConnState::Rstrh);
    }

    #[test]
    fn unanswered_syn_is_s0_and_expires_after_attempt_delay() {
        let mut c = run(&[(true, S, 100, 0, 0)]);
        assert_eq!(c.conn_state(), ConnState::S0);
        let due = c.next_check(Timestamp(0));
        assert_eq!(due, Timestamp::from_parts(ATTEMPT_DELAY_SECS, 0));
        assert!(c.expired_at(due));
    }

    #[test]
    fn established_then_orig_rst_is_rsto() {
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
            (true, R | A, 101, 501, 0),
        ]);
        assert_eq!(c.conn_state(), ConnState::Rsto);
        assert_eq!(c.history.as_str(), "ShAR");
    }

    #[test]
    fn established_then_resp_rst_is_rstr() {
        let c = run(&[
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 5),
            (false, R, 501, 0, 0),
        ]);
        assert_eq!(c.conn_state(), ConnState::Rstr);
    }

    #[test]
    fn half_closes() {
        let base = [
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 0),
        ];
        let mut p = base.to_vec();
        p.push((true, F | A, 101, 501, 0));
        assert_eq!(run(&p).conn_state(), ConnState::S2);
        let mut p = base.to_vec();
        p.push((false, F | A, 501, 101, 0));
        assert_eq!(run(&p).conn_state(), ConnState::S3);
        assert_eq!(run(&base).conn_state(), ConnState::S1);
    }

    #[test]
    fn syn_then_fin_is_sh_and_midstream_fin_is_shr() {
        assert_eq!(
            run(&[(true, S, 100, 0, 0), (true, F, 101, 0, 0)]).conn_state(),
            ConnState::Sh
        );
        let mut c = ZeekConn::new(Timestamp(0), true);
        c.process(false, &seg(Timestamp(0), F | A, 5, 9, 100, 0, None));
        c.process(true, &seg(Timestamp(1), A, 9, 6, 100, 0, None));
        assert_eq!(c.history.as_str(), "^fA");
        assert_eq!(c.conn_state(), ConnState::Shr);
    }

    #[test]
    fn retransmitted_syn_is_not_reuse_until_closed() {
        let mut c = run(&[(true, S, 100, 0, 0)]);
        assert!(!c.is_reuse(true, 100, TcpFlags(S)));
        assert!(c.is_reuse(true, 7, TcpFlags(S)));
        c.process(false, &seg(Timestamp(1), R | A, 0, 101, 0, 0, None));
        // After the reject the same ISN starts a new connection (Windows retries: pop3.pcap).
        assert!(c.is_reuse(true, 100, TcpFlags(S)));
    }

    #[test]
    fn retransmission_adds_t_once_then_at_ten() {
        let mut p = vec![
            (true, S, 100, 0, 0),
            (false, S | A, 500, 101, 0),
            (true, A, 101, 501, 10),
        ];
        for _ in 0..10 {
            p.push((true, A, 101, 501, 10));
        }
        let c = run(&p);
        assert_eq!(c.history.as_str(), "ShDTT");
    }

    #[test]
    fn syn_ack_first_then_syn_flips() {
        // The SYN-ACK captured before its SYN (two interfaces): Zeek flips and establishes.
        let mut c = ZeekConn::new(Timestamp(0), false);
        c.process(true, &seg(Timestamp(0), S | A, 500, 101, 100, 0, None));
        let step = c.process(false, &seg(Timestamp(1), S, 100, 0, 100, 0, None));
        assert!(step.flipped);
        assert_eq!(c.orig.state, EndpointState::Established);
        assert_eq!(c.resp.state, EndpointState::Established);
        assert!(c.history.as_str().contains('^'));
    }

    /// Feeds each packet both through `process` (which takes the short path for plain
    /// segments) and through the full path alone, and requires the same connection after
    /// every packet.
    fn same_by_both_paths(start_flipped: bool, packets: &[(bool, u16, u32, u32, u32, u16)]) {
        let mut short = ZeekConn::new(Timestamp(0), start_flipped);
        let mut full = short;
        for (i, &(o, f, seq, ack, len, win)) in packets.iter().enumerate() {
            let t = Timestamp::from_parts(i as i64, 0);
            let scale = (f & S != 0).then_some(7);
            let a = short.process(o, &seg(t, f, seq, ack, win, len, scale));
            let b = full.process_any(o, &seg(t, f, seq, ack, win, len, scale));
            assert_eq!(a, b, "packet {i}");
            assert_eq!(short, full, "packet {i}");
        }
        assert_eq!(short.conn_state(), full.conn_state());
        assert_eq!(
            short.next_check(Timestamp(0)),
            full.next_check(Timestamp(0))
        );
    }

    #[test]
    fn plain_segments_by_the_short_path_leave_the_connection_as_the_full_path() {
        const P: u16 = TcpFlags::PSH;
        // A handshake, data both ways, a retransmission, zero windows, a half close with data
        // after it, a FIN from the other side and the last ACK.
        same_by_both_paths(
            false,
            &[
                (true, S, 100, 0, 0, 1000),
                (false, S | A, 500, 101, 0, 1000),
                (true, A, 101, 501, 0, 1000),
                (true, A | P, 101, 501, 10, 1000),
                (false, A, 501, 111, 0, 0),
                (false, A, 501, 111, 0, 0),
                (true, A | P, 101, 501, 10, 1000),
                (false, A | P, 501, 111, 20, 500),
                (true, F | A, 111, 521, 0, 1000),
                (false, A | P, 521, 112, 5, 500),
                (true, A, 112, 526, 0, 1000),
                (false, F | A, 526, 112, 0, 500),
                (true, A, 112, 527, 0, 1000),
                (true, A, 112, 527, 0, 1000),
            ],
        );
        // Picked up mid-stream (no SYN): both sides partial, sequence numbers wrapping.
        same_by_both_paths(
            true,
            &[
                (false, A | P, u32::MAX - 5, 9, 10, 100),
                (true, A, 9, 4, 0, 100),
                (true, A | P, 9, 4, 100, 100),
                (false, A, 4, 109, 0, 100),
                (false, A | P, 4, 109, 3, 0),
            ],
        );
        // After a RST: plain segments from the reset side and from its peer.
        same_by_both_paths(
            false,
            &[
                (true, S, 100, 0, 0, 1000),
                (false, S | A, 500, 101, 0, 1000),
                (true, A, 101, 501, 0, 1000),
                (false, R, 501, 0, 0, 0),
                (true, A | P, 101, 501, 10, 1000),
                (false, A, 501, 111, 0, 1000),
            ],
        );
        // A SYN then a bare ACK from the responder (its first packet: the full path) and more.
        same_by_both_paths(
            false,
            &[
                (true, S, 100, 0, 0, 1000),
                (false, A, 500, 101, 0, 1000),
                (true, A, 101, 501, 0, 1000),
                (false, A, 500, 101, 0, 1000),
            ],
        );
    }

    #[test]
    fn rstos0_pattern() {
        assert!(history_matches_rstos0("SR"));
        assert!(history_matches_rstos0("^SaR"));
        assert!(history_matches_rstos0("SsR"));
        assert!(!history_matches_rstos0("SaFR"));
        assert!(!history_matches_rstos0("R"));
        assert!(
            history_matches_rstos0("ShR"),
            "lower-case letters do not stop the match"
        );
        assert!(!history_matches_rstos0("SAR"));
    }

    #[test]
    fn first_packet_flip_heuristic() {
        assert!(!flip_on_first_packet(80, 40000, TcpFlags(S)));
        assert!(flip_on_first_packet(80, 40000, TcpFlags(R)));
        assert!(flip_on_first_packet(80, 40000, TcpFlags(S | A)));
        assert!(!flip_on_first_packet(40000, 80, TcpFlags(A)));
        assert!(flip_on_first_packet(22, 80, TcpFlags(A)));
        assert!(!flip_on_first_packet(80, 22, TcpFlags(A)));
    }
}
