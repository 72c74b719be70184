//! Why a reset happened: the five causes, whether a reset was acceptable, and the evidence
//! that one was injected. Rules exactly as DESIGN.md states them.

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
            Self::AfterClose => "data arrived for a closed socket; often benign",
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
    /// The handshake completed: the originator acknowledged the SYN-ACK or sent data after it.
    pub handshake_done: bool,
    /// A FIN was seen from either side.
    pub fin: bool,
    /// Any packet other than a RST was seen.
    pub traffic: bool,
}

/// The cause of a RST given what came before it. `from_responder` is true when the RST came
/// from the side that received the SYN; `acceptable` whether it passed RFC 9293's check.
pub fn classify(prior: &Prior, from_responder: bool, acceptable: bool) -> Cause {
    if prior.syn && !prior.syn_ack && from_responder && acceptable {
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
    /// The RST's IP ID, when it breaks the sender's otherwise steady sequence; with the ID
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
#[derive(Debug, Clone, Copy)]
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
    /// Adds one packet's TTL.
    pub fn add(&mut self, ttl: u8) {
        self.min = self.min.min(ttl);
        self.max = self.max.max(ttl);
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
/// form a steady sequence (each ID a little above the previous one).
#[derive(Debug, Clone, Copy, Default)]
pub struct IpIdSequence {
    last: u16,
    run: u16,
    broken: bool,
}

/// IDs within this step of the previous one continue a sequence.
const IP_ID_STEP: u16 = 1024;
/// Packets in a steady sequence before a RST outside it is evidence.
const IP_ID_MIN_RUN: u16 = 3;

impl IpIdSequence {
    /// Adds one packet's IP ID.
    pub fn add(&mut self, id: u16) {
        if self.run == 0 {
            self.run = 1;
        } else {
            let step = id.wrapping_sub(self.last);
            if (1..=IP_ID_STEP).contains(&step) {
                self.run = self.run.saturating_add(1);
            } else {
                self.broken = true;
            }
        }
        self.last = id;
    }

    /// When `id` breaks a steady sequence of at least three packets: the last ID of it.
    /// ID 0 never counts: Linux sends resets without a socket with ID 0.
    pub fn breaks(&self, id: u16) -> Option<u16> {
        if self.broken || self.run < IP_ID_MIN_RUN || id == 0 {
            return None;
        }
        let step = id.wrapping_sub(self.last);
        if step == 0 || (1..=IP_ID_STEP).contains(&step) {
            None
        } else {
            Some(self.last)
        }
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

    #[test]
    fn ip_id_break_needs_steady_run_and_ignores_zero() {
        let mut s = IpIdSequence::default();
        s.add(100);
        s.add(101);
        assert_eq!(s.breaks(9000), None, "two packets are not a sequence yet");
        s.add(102);
        assert_eq!(s.breaks(103), None);
        assert_eq!(s.breaks(0), None);
        assert_eq!(s.breaks(9000), Some(102));
        s.add(40000);
        assert_eq!(
            s.breaks(9000),
            None,
            "a sender with random IDs gives no evidence"
        );
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
