//! The vocabulary shared by `decode` and `engine`: packet time and one decoded TCP segment.

use std::net::IpAddr;

/// Packet time: nanoseconds since the Unix epoch (UTC), as recorded in the capture.
///
/// One clock for everything: every series, timeout and rate is computed on packet time,
/// live and offline alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds in one second.
    pub const NANOS_PER_SEC: i64 = 1_000_000_000;

    /// A timestamp from whole seconds and nanoseconds.
    pub fn from_parts(secs: i64, nanos: u32) -> Self {
        Self(
            secs.saturating_mul(Self::NANOS_PER_SEC)
                .saturating_add(i64::from(nanos)),
        )
    }

    /// The whole Unix second this instant falls in (floor, also before 1970).
    pub fn second(self) -> i64 {
        self.0.div_euclid(Self::NANOS_PER_SEC)
    }

    /// Seconds as a float, for output with 6 decimals.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / Self::NANOS_PER_SEC as f64
    }

    /// `self + secs` seconds.
    pub fn plus_secs(self, secs: i64) -> Self {
        Self(
            self.0
                .saturating_add(secs.saturating_mul(Self::NANOS_PER_SEC)),
        )
    }
}

/// TCP header flags, as the low 9 bits of the header's flag field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// FIN: no more data from the sender.
    pub const FIN: u16 = 0x001;
    /// SYN: synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// RST: reset the connection.
    pub const RST: u16 = 0x004;
    /// PSH: push.
    pub const PSH: u16 = 0x008;
    /// ACK: the acknowledgment field is significant.
    pub const ACK: u16 = 0x010;
    /// URG: the urgent pointer is significant.
    pub const URG: u16 = 0x020;
    /// ECE: ECN echo.
    pub const ECE: u16 = 0x040;
    /// CWR: congestion window reduced.
    pub const CWR: u16 = 0x080;
    /// NS / AE: nonce sum (RFC 3540), now accurate ECN.
    pub const NS: u16 = 0x100;

    /// True when every bit of `mask` is set.
    pub fn has(self, mask: u16) -> bool {
        self.0 & mask == mask
    }
    /// FIN set.
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    /// SYN set.
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    /// RST set.
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
    /// ACK set.
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    /// PSH set.
    pub fn psh(self) -> bool {
        self.has(Self::PSH)
    }
    /// URG set.
    pub fn urg(self) -> bool {
        self.has(Self::URG)
    }
}

/// One TCP segment as the engine sees it: addresses, ports, sequence space and the few IP
/// fields that tell an injected reset from a real one. Borrowed from the frame; no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpPacket<'a> {
    /// Packet time.
    pub ts: Timestamp,
    /// 1-based number of the frame in the capture (as Wireshark numbers frames).
    pub frame: u64,
    /// Capture interface index (pcapng interface id, live interface number); 0 for pcap.
    pub interface: u32,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (meaningful only with ACK).
    pub ack: u32,
    /// Header flags.
    pub flags: TcpFlags,
    /// Advertised window (unscaled).
    pub window: u16,
    /// The window scale option's shift count, on segments with SYN that carry one.
    pub window_scale: Option<u8>,
    /// Payload length as the IP header states it (not limited by the snaplen).
    pub payload_len: u32,
    /// The captured part of the payload (may be shorter than `payload_len`).
    pub payload: &'a [u8],
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification; `None` for IPv6.
    pub ip_id: Option<u16>,
}
