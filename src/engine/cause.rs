//! Why a reset happened: the five causes, whether a reset was acceptable, and the evidence
//! that one was injected. Rules exactly as DESIGN.md states them.

use crate::packet::Timestamp;

/// The cause of one RST. Exactly one per RST, first matching rule wins, judged from the
/// packets of the connection seen before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// An acceptable RST from the responder to a SYN, no SYN-ACK seen: nothing listens.
    Refused,
    /// Any other RST before the handshake completed.
    HandshakeReset,
    /// A FIN was seen from either side before it.
    AfterClose,
    /// Traffic of the connection was seen before it, no FIN: an abortive close.
    Abort,
    /// Nothing else of the connection was seen before it.
    Stray,
}

impl Cause {
    /// Every cause, in rule order.
    pub const ALL: [Cause; 5] = [
        Self::Refused,
        Self::HandshakeReset,
        Self::AfterClose,
        Self::Abort,
        Self::Stray,
    ];

    /// The name used in JSON keys, CSV and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::HandshakeReset => "handshake-reset",
            Self::AfterClose => "after-close",
            Self::Abort => "abort",
            Self::Stray => "stray",
        }
    }

    /// Index into [`Cause::ALL`] and into per-cause count arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The usual meaning, one line.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Refused => "nothing listens on that port (or a firewall rejects)",
            Self::HandshakeReset => {
                "client gave up or timed out, scanner, or SYN-ACK for an unknown connection"
            }
            Self::AfterClose => {
                "data arrived for a closed socket, or an abortive close on the peer's FIN; often benign"
            }
            Self::Abort => "abortive close (SO_LINGER 0, unread data), crash, or timeout policy",
            Self::Stray => {
                "capture started mid-connection, or half-open after a reboot or NAT timeout"
            }
        }
    }
}

/// What had been seen of a connection before a RST arrived: the inputs of the cause rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prior {
    /// The originator's SYN (without ACK) was seen.
    pub syn: bool,
    /// A SYN-ACK was seen.
    pub syn_ack: bool,
    /// The handshake completed: the originator acknowledged the SYN-ACK or sent data after
    /// it, or, its SYN seen, sent an acknowledgment or data after its SYN at all (a client
    /// in SYN-SENT sends none before a SYN-ACK reached it: one the capture lost).
    pub handshake_done: bool,
    /// A FIN was seen from either side.
    pub fin: bool,
    /// The sides that sent a FIN (bit `1 << side`): tells a reset from a side that had
    /// closed itself from one that answered its peer's FIN without a FIN of its own.
    pub fin_sides: u8,
    /// Any packet other than a RST was seen.
    pub traffic: bool,
}

/// The cause of a RST given what came before it. `from_responder` is true when the RST came
/// from the side that received the SYN; `acceptable` whether it passed RFC 9293's check.
/// A completed handshake whose SYN-ACK the capture lost is no SYN to refuse.
pub fn classify(prior: &Prior, from_responder: bool, acceptable: bool) -> Cause {
    if prior.syn && !prior.syn_ack && !prior.handshake_done && from_responder && acceptable {
        Cause::Refused
    } else if (prior.syn || prior.syn_ack) && !prior.handshake_done {
        Cause::HandshakeReset
    } else if prior.fin {
        Cause::AfterClose
    } else if prior.traffic {
        Cause::Abort
    } else {
        Cause::Stray
    }
}

/// Why a RST is suspected of having been injected (not sent by the endpoint it claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Suspicion {
    /// The RST failed RFC 9293's acceptability check.
    pub not_acceptable: bool,
    /// The RST's TTL / hop limit, when it differs by 2 or more from every other packet of the
    /// same sender in the connection; with the nearest TTL those packets had.
    pub ttl: Option<(u8, u8)>,
    /// The RST's IP ID, when it breaks the sender's otherwise steady sequence by more than
    /// its counter could have advanced in the time ([`IpIdSequence::breaks`]); with the ID
    /// the sequence would have continued from.
    pub ip_id: Option<(u16, u16)>,
}

impl Suspicion {
    /// True when any evidence is present.
    pub fn any(&self) -> bool {
        self.not_acceptable || self.ttl.is_some() || self.ip_id.is_some()
    }
}

/// The TTLs seen from one sender in one connection, RSTs excluded: the least and the
/// greatest. None seen yet is `min > max` (no TTL makes it so), which keeps the range to two
/// bytes: both sides of every connection in the flow table keep one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlRange {
    min: u8,
    max: u8,
}

impl Default for TtlRange {
    fn default() -> Self {
        Self {
            min: u8::MAX,
            max: 0,
        }
    }
}

impl TtlRange {
    /// The range of one TTL.
    pub fn of(ttl: u8) -> Self {
        Self { min: ttl, max: ttl }
    }

    /// The range from `min` to `max` (empty where `min > max`).
    pub fn between(min: u8, max: u8) -> Self {
        Self { min, max }
    }

    /// Adds one packet's TTL.
    pub fn add(&mut self, ttl: u8) {
        self.min = self.min.min(ttl);
        self.max = self.max.max(ttl);
    }

    /// Adds every TTL of another range.
    pub fn merge(&mut self, other: TtlRange) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The least and the greatest TTL, `None` where none was seen.
    pub fn bounds(&self) -> Option<(u8, u8)> {
        (self.min <= self.max).then_some((self.min, self.max))
    }

    /// When `ttl` differs by 2 or more from every TTL in the range: the nearest of them.
    pub fn outlier(&self, ttl: u8) -> Option<u8> {
        if self.min > self.max {
            None
        } else if u16::from(ttl) + 2 <= u16::from(self.min) {
            Some(self.min)
        } else if u16::from(ttl) >= u16::from(self.max) + 2 {
            Some(self.max)
        } else {
            None
        }
    }
}

/// The IPv4 IDs of one sender's packets in one connection, RSTs excluded, as far as they
/// form a steady sequence (each ID a little above the previous one), and when the last of
/// them was sent.
///
/// Six bytes, as many as without the time: both sides of every connection in the flow table
/// keep one, in the entry's hot part, and a byte more would cost each entry a cache line. So
/// the run is counted in a byte (up to what `breaks` asks) and the time is kept in two bytes
/// (`IdClock`).
#[derive(Debug, Clone, Copy, Default)]
pub struct IpIdSequence {
    last: u16,
    /// The time of `last`.
    at: IdClock,
    /// IDs in the sequence so far, counted up to `IP_ID_MIN_RUN` (all `breaks` asks).
    run: u8,
    broken: bool,
}

/// IDs within this step of the previous one continue a sequence.
const IP_ID_STEP: u16 = 1024;
/// Packets in a steady sequence before a RST outside it is evidence.
const IP_ID_MIN_RUN: u8 = 3;
/// The most IDs a sender's counter is taken to advance in a second between two of its
/// packets of one connection: a counter shared with the host's other traffic (Windows' and
/// many embedded stacks' host-wide counter, the per-destination buckets of Windows 8 and
/// later and of Linux) advances at the rate the host sends, Linux's buckets also by a random
/// step up to the milliseconds they were idle. 65,536 a second is a busy server's rate, and
/// makes every ID plausible a second after the sender's previous packet: only a jump no
/// counter could have made in the time is evidence.
const IP_ID_MAX_RATE: u64 = 65_536;

/// Packet time in ticks of 2^24 ns (16.8 ms), wrapping after 2^40 ns (18.3 minutes): what a
/// sequence needs of its last packet's time, in two bytes and a shift a packet. A tick more
/// is allowed for the rounding ([`IdClock::nanos_until`]), 1,100 IDs more reach: on the
/// side of no claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct IdClock(u16);

impl IdClock {
    const TICK_SHIFT: u32 = 24;
    /// Nanoseconds after which the clock reads the same again.
    const WRAP_NANOS: i64 = 1 << (Self::TICK_SHIFT + 16);
    /// The longest time the clock tells from a wrap: a tick less, for the ticks the two
    /// times fall in.
    const SPAN_NANOS: i64 = Self::WRAP_NANOS - (1 << Self::TICK_SHIFT);

    #[inline(always)]
    fn of(t: Timestamp) -> Self {
        // Truncation keeps the low bits: only differences of nearby times are read.
        Self((t.0 >> Self::TICK_SHIFT) as u16)
    }

    /// Nanoseconds from `self` to `t` at most, rounded up to a whole tick, when `t` lies less
    /// than [`IdClock::SPAN_NANOS`] after `self`. A time before `self` (packets out of time
    /// order) reads as nearly a wrap later: a long wait, on the side of no claim.
    fn nanos_until(self, t: Timestamp) -> u64 {
        let ticks = Self::of(t).0.wrapping_sub(self.0);
        (u64::from(ticks) + 1) << Self::TICK_SHIFT
    }
}

impl IpIdSequence {
    /// Adds one packet's IP ID, sent at `t`.
    #[inline(always)]
    pub fn add(&mut self, id: u16, t: Timestamp) {
        if self.broken {
            // Never evidence again (`breaks`): nothing more to keep.
            return;
        }
        let step = id.wrapping_sub(self.last);
        if !(1..=IP_ID_STEP).contains(&step) && self.run > 0 {
            self.broken = true;
        } else if self.run < IP_ID_MIN_RUN {
            // Counted up to what `breaks` asks of a run, no further: a run that long only
            // goes on or breaks, and most packets come later in one.
            self.run += 1;
        }
        self.last = id;
        self.at = IdClock::of(t);
    }

    /// When `id`, on a RST sent at `t`, breaks a steady sequence of at least three packets
    /// by more than the sender's counter could have advanced since the last of them (see
    /// `IP_ID_MAX_RATE`): the last ID of the sequence. `since` is when the connection
    /// began: the sequence's packets came after it, so a RST less than the clock's span
    /// (`IdClock::SPAN_NANOS`) after it tells the time since the last one; a later RST
    /// gives no evidence. ID 0 never counts: Linux sends resets without a socket with ID 0.
    pub fn breaks(&self, id: u16, t: Timestamp, since: Timestamp) -> Option<u16> {
        if self.broken
            || self.run < IP_ID_MIN_RUN
            || id == 0
            || t.0.saturating_sub(since.0) >= IdClock::SPAN_NANOS
        {
            return None;
        }
        let step = u64::from(id.wrapping_sub(self.last));
        let reach = u64::from(IP_ID_STEP)
            + self.at.nanos_until(t) * IP_ID_MAX_RATE / Timestamp::NANOS_PER_SEC as u64;
        (step > reach).then_some(self.last)
    }
}

/// True when `seq` lies in `[base, base + window)`, sequence-space arithmetic.
pub fn seq_in_window(seq: u32, base: u32, window: u32) -> bool {
    seq.wrapping_sub(base) < window.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior(syn: bool, syn_ack: bool, done: bool, fin: bool, traffic: bool) -> Prior {
        Prior {
            syn,
            syn_ack,
            handshake_done: done,
            fin,
            fin_sides: 0,
            traffic,
        }
    }

    #[test]
    fn refused_needs_syn_no_synack_responder_acceptable() {
        let p = prior(true, false, false, false, true);
        assert_eq!(classify(&p, true, true), Cause::Refused);
        assert_eq!(
            classify(&p, true, false),
            Cause::HandshakeReset,
            "unacceptable RST is not a refusal"
        );
        assert_eq!(
            classify(&p, false, true),
            Cause::HandshakeReset,
            "originator cancelling its SYN"
        );
        // The originator went on after its SYN: a SYN-ACK reached it, one the capture lost.
        let done = prior(true, false, true, false, true);
        assert_eq!(classify(&done, true, true), Cause::Abort);
    }

    #[test]
    fn reset_after_syn_ack_before_final_ack_is_handshake_reset() {
        assert_eq!(
            classify(&prior(true, true, false, false, true), true, true),
            Cause::HandshakeReset
        );
        assert_eq!(
            classify(&prior(false, true, false, false, true), false, true),
            Cause::HandshakeReset
        );
    }

    #[test]
    fn after_close_abort_stray() {
        assert_eq!(
            classify(&prior(true, true, true, true, true), true, true),
            Cause::AfterClose
        );
        assert_eq!(
            classify(&prior(false, false, false, true, true), true, true),
            Cause::AfterClose
        );
        assert_eq!(
            classify(&prior(true, true, true, false, true), false, true),
            Cause::Abort
        );
        assert_eq!(
            classify(&prior(false, false, false, false, true), false, true),
            Cause::Abort
        );
        assert_eq!(
            classify(&prior(false, false, false, false, false), false, true),
            Cause::Stray
        );
    }

    #[test]
    fn ttl_outlier_needs_two_apart() {
        let mut r = TtlRange::default();
        assert_eq!(r.outlier(40), None, "no other packets: no evidence");
        r.add(49);
        r.add(50);
        assert_eq!(r.outlier(48), None);
        assert_eq!(r.outlier(51), None);
        assert_eq!(r.outlier(47), Some(49));
        assert_eq!(r.outlier(46), Some(49));
        assert_eq!(r.outlier(52), Some(50));
    }

    /// "None seen" is `min > max`: a range of one TTL at either end of `u8` is not empty.
    #[test]
    fn ttl_range_of_one_extreme_ttl_is_seen() {
        let empty = TtlRange::default();
        assert_eq!((empty.outlier(0), empty.outlier(255)), (None, None));
        let mut r = TtlRange::default();
        r.add(255);
        assert_eq!(r.outlier(0), Some(255));
        let mut r = TtlRange::default();
        r.add(0);
        assert_eq!(r.outlier(255), Some(0));
        assert_eq!(r.outlier(1), None);
    }

    /// Two hops or more from every other packet of the sender, counted without wrapping at
    /// 255: a host whose packets start at TTL 255 (network gear, Solaris) sending its RST at
    /// 255 or 254 is no outlier (the sums saturated at 255 and flagged both).
    #[test]
    fn ttl_outliers_are_two_hops_away_at_the_top_of_the_range_too() {
        let mut r = TtlRange::default();
        r.add(255);
        assert_eq!((r.outlier(255), r.outlier(254)), (None, None));
        assert_eq!(r.outlier(253), Some(255));
        let mut r = TtlRange::default();
        r.add(254);
        assert_eq!((r.outlier(255), r.outlier(253)), (None, None));
        assert_eq!(r.outlier(252), Some(254));
        let mut r = TtlRange::default();
        r.add(64);
        assert_eq!((r.outlier(63), r.outlier(65)), (None, None));
        assert_eq!((r.outlier(62), r.outlier(66)), (Some(64), Some(64)));
    }

    /// `ms` milliseconds into a capture.
    fn at_ms(ms: i64) -> Timestamp {
        Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + ms * 1_000_000)
    }

    #[test]
    fn ip_id_break_needs_steady_run_and_ignores_zero() {
        let since = at_ms(0);
        let mut s = IpIdSequence::default();
        s.add(100, at_ms(0));
        s.add(101, at_ms(1));
        assert_eq!(
            s.breaks(9000, at_ms(2), since),
            None,
            "two packets are not a sequence yet"
        );
        s.add(102, at_ms(2));
        assert_eq!(s.breaks(103, at_ms(3), since), None);
        assert_eq!(s.breaks(0, at_ms(3), since), None);
        assert_eq!(s.breaks(9000, at_ms(3), since), Some(102));
        s.add(40000, at_ms(4));
        assert_eq!(
            s.breaks(9000, at_ms(5), since),
            None,
            "a sender with random IDs gives no evidence"
        );
    }

    /// Regression (zeek/tcp/retransmit-fast009.pcap): a host-wide counter advances with the
    /// host's other traffic, so a jump is evidence only when no plausible packet rate
    /// (65,536 IDs a second) makes it in the time since the sender's previous packet. The
    /// reset 60 s after the client's last packet, 1,395 IDs on, was flagged.
    #[test]
    fn ip_id_jump_is_weighed_against_the_time_since_the_senders_last_packet() {
        let since = at_ms(0);
        let mut s = IpIdSequence::default();
        for (ms, id) in [(0, 4443), (185, 4447), (201, 4448), (827, 4482)] {
            s.add(id, at_ms(ms));
        }
        let after = |ms: i64| at_ms(827 + ms);
        assert_eq!(
            s.breaks(5877, after(60_165), since),
            None,
            "23 IDs a second"
        );
        // A millisecond on: 66 IDs, plus the 1,024 any step may take and the clock's
        // rounding (up to two ticks of 16.8 ms, 2,199 IDs).
        assert_eq!(s.breaks(4482 + 2000, after(1), since), None);
        assert_eq!(s.breaks(4482 + 4000, after(1), since), Some(4482));
        // 100 ms on: 6,554 IDs, with the same allowances.
        assert_eq!(s.breaks(4482 + 7000, after(100), since), None);
        assert_eq!(s.breaks(4482 + 9000, after(100), since), Some(4482));
        // A second on, the counter may have wrapped: any ID, even one just below, is plausible.
        assert_eq!(s.breaks(4481, after(1_000), since), None);
        assert_eq!(s.breaks(4481, after(70), since), Some(4482));
        // A RST stamped before the sender's last packet (times out of order) is no evidence.
        assert_eq!(s.breaks(30000, at_ms(800), since), None);
    }

    /// The time of a sequence's last ID is kept in a clock that wraps after 18.3 minutes: a
    /// RST that late in a connection (less a tick) cannot tell how long the sender was quiet, and gives
    /// no evidence even where the wrapped clock reads a millisecond.
    #[test]
    fn ip_id_gives_no_evidence_past_the_clocks_wrap() {
        let mut s = IpIdSequence::default();
        for (ms, id) in [(0, 100), (1, 101), (2, 102)] {
            s.add(id, at_ms(ms));
        }
        assert_eq!(s.breaks(30000, at_ms(3), at_ms(0)), Some(102));
        let late = Timestamp(at_ms(2).0 + IdClock::WRAP_NANOS + 1_000_000);
        assert_eq!(IdClock::of(late).0.wrapping_sub(IdClock::of(at_ms(2)).0), 0);
        assert_eq!(s.breaks(30000, late, at_ms(0)), None);
        // Within a tick of the wrap the clock may read 0 too.
        for ms in 1..=20 {
            let t = Timestamp(at_ms(2).0 + IdClock::WRAP_NANOS - ms * 1_000_000);
            assert_eq!(
                s.breaks(30000, t, at_ms(0)),
                None,
                "{ms} ms before the wrap"
            );
        }
    }

    /// The time costs the sequence no byte: both sides of every tracked connection keep one.
    #[test]
    fn ip_id_sequence_keeps_its_time_in_six_bytes() {
        assert_eq!(std::mem::size_of::<IpIdSequence>(), 6);
    }

    #[test]
    fn window_check_wraps() {
        assert!(seq_in_window(5, u32::MAX - 2, 100));
        assert!(!seq_in_window(u32::MAX - 3, u32::MAX - 2, 100));
        assert!(
            seq_in_window(10, 10, 0),
            "a zero window still accepts RCV.NXT"
        );
    }
}
