//! Bytes of one frame to a [`TcpPacket`]. No state. (Being written.)

use crate::packet::TcpPacket;
use crate::source::{Frame, LinkType};

/// What a frame turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A TCP segment carried directly in IPv4 or IPv6.
    Tcp(TcpPacket<'a>),
    /// A well-formed frame that carries no TCP segment (ARP, UDP, ICMP, ...).
    Other,
    /// A frame that could not be decoded, with the reason.
    Skipped(Skip),
}

/// Why a frame was not decoded. Counted per reason and shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    /// A link type rstscope does not decode.
    UnsupportedLinkType(LinkType),
    /// The frame ends before the headers it announces.
    Truncated,
    /// A non-first IPv4 or IPv6 fragment (its TCP header is in the first fragment).
    Fragment,
    /// A header with impossible values (bad IP version, header length, ...).
    Malformed,
}

/// Decodes one frame.
pub fn decode<'a>(frame: &Frame<'a>) -> Decoded<'a> {
    let _ = frame;
    Decoded::Other
}
