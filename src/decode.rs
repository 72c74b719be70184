//! Bytes of one frame to a [`TcpPacket`](crate::packet::TcpPacket). No state: each frame is judged on its own link type,
//! so pcapng files that mix link types across interfaces decode frame by frame.
//!
//! Hand-written over fixed-size header views rather than built on a generic slicer: we need a
//! dozen fields and a few rules of our own that a generic slicer does not give (the first
//! fragment of a datagram is decoded; an IP length of 0 means TSO; a TCP header whose options
//! were cut by the snaplen still yields its flags; Ethernet padding is not payload). Every read
//! goes through `split_first_chunk`/`get`, so a short or hostile frame ends in `Skipped`, never
//! in a panic, and nothing allocates: this runs once per packet on multi-gigabyte files.
//!
//! TCP inside a tunnel (IP-in-IP, GRE, ERSPAN, VXLAN, Geneve; a tunnel inside one of them
//! too) is decoded by its inner headers, its carriage recording the tunnel
//! ([`Encap::tunnel`](crate::packet::Encap::tunnel)): a capture taken on an overlay network's
//! underlay, or a mirror session received over ERSPAN, holds its resets inside the tunnels.
//! The walk to the outermost IP finds the tunnel as it did when such TCP was only counted
//! ([`Skip::Tunnelled`](crate::decode::Skip::Tunnelled), what such a frame whose inner headers
//! do not decode still is), and the frame is decoded again, out of the per-packet path.
//! Other tunnels (Teredo, GTP, ...) are `Other`. ICMP and ICMPv6
//! errors that quote a TCP header are `Other` too: the quoted header is evidence about an
//! earlier segment, not a segment of its own.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::packet::{
    Encap, Guard, Overlay, OverlayKind, TcpFlags, TcpPacket, Timestamp, TunnelAt, V6Ext,
};
use crate::source::file::{NETMON_MEDIA, SNOOP_LINK};
use crate::source::{Frame, LinkType};

/// The link layer: every link type's way to the IP header, shared with the duplicate checks.
mod link;

pub use link::Net;
use link::*;

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
    /// An 802.11 data frame with the Protected bit: encrypted, its contents unknown.
    Encrypted,
    /// An 802.11 A-MSDU: several packets aggregated in one frame, not taken apart.
    Aggregate,
    /// An ERF record of a type without IP in it that rstscope reads (ATM, AAL5,
    /// InfiniBand, multi-channel HDLC, ...).
    ErfRecordType(u8),
    /// The link header names a protocol (an Ethernet type, an address family) that no
    /// known protocol uses: most likely frames labelled with the wrong link type (an
    /// Ethernet capture saved as Linux SLL or BSD NULL, whose bytes then read `0x4500`
    /// where the type should be), not traffic of another protocol.
    UnknownProtocol,
    /// A frame that does not decode under its file's link type (or one rstscope does not
    /// read), but does as TCP under another, the link type captures are most often relabelled
    /// from or to: Ethernet or raw IP. Most likely the file was saved or converted with the
    /// wrong link type (`editcap -T`, a tool that writes raw IP headers under Ethernet's
    /// number); it is relabelled with `editcap -T` ([`editcap_encap`]).
    ///
    /// The link types are kept as their 16 bits (all a pcap or pcapng file has room for), so
    /// that a `Skip` is no larger than before: it is returned on the per-packet path.
    WrongLinkType {
        /// The LINKTYPE_ number the file gives the frame.
        labelled: u16,
        /// The one it decodes under.
        reads_as: u16,
    },
    /// A TCP segment inside a tunnel whose inner headers do not decode (cut short by the
    /// snaplen, malformed): counted, by tunnel and by what the segment was, and not analyzed.
    /// The others are decoded by their inner headers.
    Tunnelled {
        /// The outermost tunnel.
        tunnel: Tunnel,
        /// What the segment was.
        inner: Inner,
    },
}

/// A tunnel rstscope looks into for TCP ([`Encap::tunnel`](crate::packet::Encap::tunnel)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tunnel {
    /// IPv4 or IPv6 straight inside IPv4 or IPv6 (IP protocols 4 and 41: IPIP, 6in4, SIT,
    /// ip6tnl; Calico's IP-in-IP mode).
    IpInIp,
    /// GRE (IP protocol 47) carrying IP or Ethernet.
    Gre,
    /// ERSPAN: a switch's mirror session, sent inside GRE.
    Erspan,
    /// VXLAN on its IANA port, UDP 4789.
    Vxlan,
    /// VXLAN on UDP 8472, the Linux kernel's default port (flannel's), which Wireshark does not
    /// decode without being told.
    VxlanLinux,
    /// Geneve, UDP 6081.
    Geneve,
}

impl Tunnel {
    /// A stable key for counters: `vxlan`, `gre`, ...
    pub fn key(self) -> &'static str {
        match self {
            Tunnel::IpInIp => "ip-in-ip",
            Tunnel::Gre => "gre",
            Tunnel::Erspan => "erspan",
            Tunnel::Vxlan => "vxlan",
            Tunnel::VxlanLinux => "vxlan-8472",
            Tunnel::Geneve => "geneve",
        }
    }

    /// Its name, as a sentence says it.
    pub fn name(self) -> &'static str {
        match self {
            Tunnel::IpInIp => "IP-in-IP",
            Tunnel::Gre => "GRE",
            Tunnel::Erspan => "ERSPAN",
            Tunnel::Vxlan => "VXLAN",
            Tunnel::VxlanLinux => "VXLAN (UDP 8472)",
            Tunnel::Geneve => "Geneve",
        }
    }

    /// The Wireshark display filter of its packets.
    pub fn wireshark_filter(self) -> &'static str {
        match self {
            Tunnel::IpInIp => {
                "(ip.proto == 4 || ip.proto == 41 || ipv6.nxt == 4 || ipv6.nxt == 41)"
            }
            Tunnel::Gre => "gre",
            Tunnel::Erspan => "erspan",
            Tunnel::Vxlan | Tunnel::VxlanLinux => "vxlan",
            Tunnel::Geneve => "geneve",
        }
    }

    /// What Wireshark must be told (Decode As) before it shows the tunnel's packets as such:
    /// VXLAN on Linux's port.
    pub fn decode_as(self) -> Option<&'static str> {
        (self == Tunnel::VxlanLinux).then_some("UDP port 8472 as VXLAN")
    }

    /// [`Tunnel::decode_as`] as tshark's `-d` takes it.
    pub fn tshark_decode_as(self) -> Option<&'static str> {
        (self == Tunnel::VxlanLinux).then_some("udp.port==8472,vxlan")
    }
}

/// What a tunnelled TCP segment was ([`Skip::Tunnelled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Inner {
    /// It had RST.
    Reset,
    /// SYN without ACK: a connection attempt.
    Attempt,
    /// Any other segment.
    Segment,
}

impl Inner {
    fn of(flags: TcpFlags) -> Self {
        if flags.rst() {
            Inner::Reset
        } else if flags.syn() && !flags.ack() {
            Inner::Attempt
        } else {
            Inner::Segment
        }
    }

    /// A stable key for counters.
    pub fn key(self) -> &'static str {
        match self {
            Inner::Reset => "reset",
            Inner::Attempt => "attempt",
            Inner::Segment => "segment",
        }
    }
}

impl Skip {
    /// A stable key for counters in JSON and CSV output, e.g. `truncated` or
    /// `unsupported-link-type:FDDI (10)`.
    pub fn key(&self) -> String {
        match self {
            Skip::UnsupportedLinkType(lt) => {
                format!("unsupported-link-type:{}", link_label(*lt))
            }
            Skip::Truncated => "truncated".to_owned(),
            Skip::Fragment => "ip-fragment".to_owned(),
            Skip::Malformed => "malformed".to_owned(),
            Skip::Encrypted => "encrypted-802.11".to_owned(),
            Skip::Aggregate => "802.11-a-msdu".to_owned(),
            Skip::ErfRecordType(t) => format!("erf-record-type:{t}"),
            Skip::UnknownProtocol => "unknown-protocol".to_owned(),
            &Skip::WrongLinkType { labelled, reads_as } => {
                let (labelled, reads_as) = (LinkType(labelled.into()), LinkType(reads_as.into()));
                format!(
                    "wrong-link-type:{} reads as {}",
                    link_label(labelled),
                    link_label(reads_as)
                )
            }
            Skip::Tunnelled { tunnel, inner } => {
                format!("tunnelled-tcp:{}:{}", tunnel.key(), inner.key())
            }
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::UnsupportedLinkType(lt) => write!(
                f,
                "link type {} ({}) is not one rstscope reads (it reads {SUPPORTED_LINK_TYPES})",
                link_type_name(*lt),
                lt.0
            ),
            Skip::Truncated => f.write_str("frame ends inside its headers (short snaplen?)"),
            Skip::Fragment => {
                f.write_str("non-first IP fragment of a TCP segment (its header is in the first)")
            }
            Skip::Malformed => f.write_str("malformed IP or TCP header"),
            Skip::Encrypted => f.write_str(
                "encrypted 802.11 data frame (capture decrypted frames, e.g. on the host itself)",
            ),
            Skip::Aggregate => f.write_str("802.11 A-MSDU (aggregated frames are not taken apart)"),
            Skip::ErfRecordType(t) => write!(f, "ERF record type {t} carries no IP rstscope reads"),
            Skip::UnknownProtocol => f.write_str(
                "protocol unknown for the link type: frames labelled with the wrong link type?",
            ),
            &Skip::WrongLinkType { labelled, reads_as } => {
                let (labelled, reads_as) = (LinkType(labelled.into()), LinkType(reads_as.into()));
                write!(
                    f,
                    "labelled {} ({}) but decode as {}: the file's link type is likely wrong \
                     (relabel it: editcap -T {} IN OUT)",
                    link_type_name(labelled),
                    labelled.0,
                    link_type_name(reads_as),
                    editcap_encap(reads_as)
                )
            }
            Skip::Tunnelled { tunnel, inner } => {
                let what = match inner {
                    Inner::Reset => "TCP reset",
                    Inner::Attempt => "TCP connection attempt (SYN)",
                    Inner::Segment => "other TCP segment",
                };
                write!(f, "{what} inside a {} tunnel (not analyzed)", tunnel.name())
            }
        }
    }
}

/// The link types rstscope reads, as messages list them.
pub const SUPPORTED_LINK_TYPES: &str = "Ethernet (with 802.1Q, QinQ, MPLS, PPPoE), Linux \
     cooked (SLL, SLL2), raw IP (IPv4, IPv6), BSD and OpenBSD loopback (NULL, LOOP), PPP, Cisco \
     HDLC, FDDI, IEEE 802.11 (bare, radiotap, PPI), NFLOG, Apple PKTAP, Endace ERF and IP over \
     InfiniBand";

/// The name Wireshark's `editcap -T` gives the link types a capture is relabelled to.
pub fn editcap_encap(lt: LinkType) -> &'static str {
    match lt.0 {
        LINKTYPE_ETHERNET => "ether",
        LINKTYPE_RAW | DLT_RAW_12 | DLT_RAW_14 => "rawip",
        LINKTYPE_IPV4 => "rawip4",
        LINKTYPE_IPV6 => "rawip6",
        LINKTYPE_LINUX_SLL => "linux-sll",
        LINKTYPE_NULL => "null",
        _ => "ENCAP (editcap -T lists the names)",
    }
}

/// The link types a frame that does not decode under its own is tried under: see
/// [`Skip::WrongLinkType`].
const RELABELLED_FROM: [LinkType; 2] = [LinkType(LINKTYPE_ETHERNET), LinkType(LINKTYPE_RAW)];

/// `skip`, or [`Skip::WrongLinkType`] when the frame of `link_type`, `data` and `orig_len`
/// decodes as TCP under Ethernet or raw IP (other than its own kind). Only frames that failed
/// come here: the frames that decode pay nothing for it. The frame's fields, not the frame: a
/// caller on the per-packet path that passed its frame by reference would have to build it in
/// memory for every frame (17 instructions a frame, measured). [`decode_encap`] calls it; the
/// callers of [`decode_into`] (the per-packet path) call it on its error.
#[cold]
#[inline(never)]
pub fn relabelled(link_type: LinkType, data: &[u8], orig_len: u32, skip: Skip) -> Skip {
    if !matches!(
        skip,
        Skip::Malformed | Skip::UnknownProtocol | Skip::UnsupportedLinkType(_)
    ) {
        return skip;
    }
    reads_as_tcp_elsewhere(link_type, data, orig_len).unwrap_or(skip)
}

/// [`Skip::WrongLinkType`] for a frame that reads as traffic without TCP under its link type
/// but cannot be what it reads as, where it decodes as TCP under raw IP: an Ethernet frame
/// whose type field is an 802.3 length (an LLC frame) that does not fit the frame. Raw IP
/// packets saved under Ethernet's number are such frames whenever the bytes where the type
/// would be (an IPv4 source's first two bytes, 1.0 to 5.219; an IPv6 source's fifth and
/// sixth, zeros for `::1` and most link-local addresses) are at most 1500. A real LLC frame's
/// length fits it (at least its 3-byte header; the frame that long, or padded to 60 bytes,
/// with or without its FCS), and a frame that reads as TCP under raw IP needs an IP header
/// where its destination address is: a multicast LLC destination (STP, CDP) is none.
///
/// The check costs the frames without TCP a few instructions (a link type and a type field
/// compared), the TCP frames nothing: it is made where a frame was found to be other traffic.
/// Other link types' traffic without TCP (an SLL protocol, a NULL family, PPP's control
/// protocols, a known Ethernet type) is not tried again: their numbers are in real use, and a
/// mislabelled frame rarely lands on one (those of the project's fixtures fail instead).
#[inline]
pub fn relabelled_other(link_type: LinkType, data: &[u8], orig_len: u32) -> Option<Skip> {
    if !may_be_relabelled(link_type, data) {
        return None;
    }
    let length = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
    not_llc_as_tcp(data, orig_len, length)
}

/// Whether a frame of other traffic is one [`relabelled_other`] looks at: an Ethernet frame
/// whose type field is an 802.3 length. The per-frame path asks this first, so that other
/// traffic of any other kind (UDP, ARP, ...) costs a comparison, not a call.
#[inline(always)]
pub fn may_be_relabelled(link_type: LinkType, data: &[u8]) -> bool {
    link_type.0 == LINKTYPE_ETHERNET
        && data
            .get(12..14)
            .is_some_and(|t| u16::from_be_bytes([t[0], t[1]]) <= ETHER_MAX_LENGTH)
}

/// See [`relabelled_other`]: an 802.3 frame of `length` in its type field.
#[cold]
#[inline(never)]
fn not_llc_as_tcp(data: &[u8], orig_len: u32, length: u16) -> Option<Skip> {
    const LLC_HEADER: u32 = 3;
    const MIN_FRAME: u32 = 60;
    const FCS: u32 = 4;
    let header = ETHERNET_HEADER_LEN as u32;
    let llc = u32::from(length) + header;
    let fits =
        u32::from(length) >= LLC_HEADER && orig_len >= llc && orig_len <= llc.max(MIN_FRAME) + FCS;
    if fits {
        return None;
    }
    reads_as_tcp_elsewhere(LinkType(LINKTYPE_ETHERNET), data, orig_len)
}

/// [`Skip::WrongLinkType`] when the frame decodes as TCP under Ethernet or raw IP, other than
/// its own link type's kind.
fn reads_as_tcp_elsewhere(link_type: LinkType, data: &[u8], orig_len: u32) -> Option<Skip> {
    let raw = |lt: LinkType| {
        matches!(
            lt.0,
            LINKTYPE_RAW | DLT_RAW_12 | DLT_RAW_14 | LINKTYPE_IPV4 | LINKTYPE_IPV6
        )
    };
    let labelled = link_type;
    let number = u16::try_from(labelled.0).ok()?;
    for reads_as in RELABELLED_FROM {
        let same = reads_as == labelled || (raw(reads_as) && raw(labelled));
        let as_other = Frame::plain(Timestamp(0), 0, reads_as, 0, data, orig_len);
        if !same && matches!(as_labelled(&as_other).0, Decoded::Tcp(_)) {
            return Some(Skip::WrongLinkType {
                labelled: number,
                reads_as: u16::try_from(reads_as.0).unwrap_or_default(),
            });
        }
    }
    None
}

/// A link type as messages name it: "Ethernet (1)", its number beside its name. A Network
/// Monitor or snoop file's own types (numbered by rstscope, not in the registry of link types)
/// by the number that file gave them: "Network Monitor media type 0x0006", "Network Monitor
/// event (NetEvent), media type 0xFFE0", "snoop link type 26".
pub fn link_label(lt: LinkType) -> String {
    let name = link_type_name(lt);
    match lt.0 & 0xFFFF_0000 {
        NETMON_MEDIA if name.ends_with("media type") => format!("{name} 0x{:04X}", lt.0 & 0xFFFF),
        NETMON_MEDIA => format!("{name}, media type 0x{:04X}", lt.0 & 0xFFFF),
        // One rstscope decodes, by its name and then the file's number for it.
        SNOOP_LINK if lt.0 == SNOOP_IPOIB => format!("{name} (snoop link type 26)"),
        SNOOP_LINK => format!("{name} {}", lt.0 & 0xFFFF),
        _ => format!("{name} ({})", lt.0),
    }
}

/// A human name for a link type, for messages and skip keys; "unknown" when not known.
pub fn link_type_name(lt: LinkType) -> &'static str {
    match lt.0 {
        LINKTYPE_NULL => "BSD loopback (NULL)",
        LINKTYPE_ETHERNET => "Ethernet",
        6 => "Token Ring",
        8 => "SLIP",
        9 => "PPP",
        10 => "FDDI",
        DLT_RAW_12 | DLT_RAW_14 | LINKTYPE_RAW => "raw IP",
        50 => "PPP in HDLC framing",
        51 => "PPPoE",
        100 => "ATM (RFC 1483)",
        104 => "Cisco HDLC",
        105 => "IEEE 802.11",
        107 => "Frame Relay",
        LINKTYPE_LOOP => "OpenBSD loopback (LOOP)",
        LINKTYPE_LINUX_SLL => "Linux SLL",
        117 => "OpenBSD pflog",
        119 => "IEEE 802.11 (Prism)",
        127 => "IEEE 802.11 (radiotap)",
        129 => "ARCNET (Linux)",
        143 => "DOCSIS",
        147..=162 => "user-defined (USER0 to USER15)",
        163 => "IEEE 802.11 (AVS)",
        189 | 220 => "Linux USB",
        192 => "PPI",
        195 | 215 | 230 | 283 => "IEEE 802.15.4",
        LINKTYPE_ERF => "Endace ERF",
        201 => "Bluetooth HCI",
        204 => "PPP with direction",
        226 => "Solaris ipnet",
        227 => "Linux SocketCAN",
        LINKTYPE_IPV4 => "raw IPv4",
        LINKTYPE_IPV6 => "raw IPv6",
        LINKTYPE_NFLOG => "NFLOG",
        240 | 241 => "netANALYZER",
        LINKTYPE_IPOIB => "IP over InfiniBand",
        SNOOP_IPOIB => "IP over InfiniBand",
        243 => "MPEG-2 TS",
        249 => "USBPcap",
        251 => "Bluetooth LE",
        252 => "Wireshark upper PDU",
        253 => "Linux netlink",
        LINKTYPE_PKTAP => "Apple PKTAP",
        271 => "Linux vsock",
        272 => "Nordic BLE",
        274 => "Ethernet (802.3br mPackets)",
        LINKTYPE_LINUX_SLL2 => "Linux SLL2",
        n if n == NETMON_MEDIA | 0xFFE0 => "Network Monitor event (NetEvent)",
        n if n == NETMON_MEDIA | 0xFFFB => "Network Monitor adapter list",
        n if n == NETMON_MEDIA | 0xFFFF => "Network Monitor filter",
        n if n & 0xFFFF_0000 == NETMON_MEDIA => "Network Monitor media type",
        n if n & 0xFFFF_0000 == SNOOP_LINK => "snoop link type",
        _ => "unknown",
    }
}

/// The interface index a Linux `any` capture's frame carries in its LINUX_SLL2 header (the
/// kernel's ifindex, never 0: `tcpdump -r` prints it, named, before the packet); 0 for a frame
/// of another link type or too short to say.
pub fn linux_any_index(frame: &Frame<'_>) -> u32 {
    match frame.data.get(4..8) {
        Some(&[a, b, c, d]) if frame.link_type.0 == LINKTYPE_LINUX_SLL2 => {
            u32::from_be_bytes([a, b, c, d])
        }
        _ => 0,
    }
}

/// Decodes one frame.
pub fn decode<'a>(frame: &Frame<'a>) -> Decoded<'a> {
    decode_encap(frame).0
}

/// Decodes one frame, and says how a TCP packet was carried (for the endpoint filters; the
/// default value for frames that are not TCP).
pub fn decode_encap<'a>(frame: &Frame<'a>) -> (Decoded<'a>, Encap) {
    match as_labelled(frame) {
        (Decoded::Skipped(skip), encap) => {
            let skip = relabelled(frame.link_type, frame.data, frame.orig_len, skip);
            (Decoded::Skipped(skip), encap)
        }
        (Decoded::Other, encap) => {
            match relabelled_other(frame.link_type, frame.data, frame.orig_len) {
                Some(skip) => (Decoded::Skipped(skip), encap),
                None => (Decoded::Other, encap),
            }
        }
        decoded => decoded,
    }
}

/// [`decode_encap`] under the frame's own link type only. The one caller of the walk that
/// [`relabelled`] tries again: the per-packet path's code is not changed by that one.
fn as_labelled<'a>(frame: &Frame<'a>) -> (Decoded<'a>, Encap) {
    match tcp_packet(frame) {
        Ok((packet, encap)) => (Decoded::Tcp(packet), encap),
        Err(Stop::Other) => (Decoded::Other, Encap::default()),
        Err(Stop::Skip(skip @ Skip::Tunnelled { .. })) => {
            let (mut packet, mut encap) = (BLANK, Encap::default());
            match decode_tunnelled_into(frame, &mut packet, &mut encap) {
                Some(payload) => (Decoded::Tcp(TcpPacket { payload, ..packet }), encap),
                None => (Decoded::Skipped(skip), Encap::default()),
            }
        }
        Err(Stop::Skip(skip)) => (Decoded::Skipped(skip), Encap::default()),
    }
}

/// For a frame [`decode_into`] found to be [`Skip::Tunnelled`]: its TCP segment decoded by
/// the inner headers into `packet` (the payload returned), its carriage into `encap`. `None`
/// (the frame stays `Tunnelled`, counted and not analyzed) where the inner headers do not
/// decode. The per-packet path calls it from its out-of-line branch for frames not decoded.
pub fn decode_tunnelled_into<'a>(
    frame: &Frame<'a>,
    packet: &mut TcpPacket<'_>,
    encap: &mut Encap,
) -> Option<&'a [u8]> {
    let payload = tunnelled_into(frame, packet, encap).ok();
    if payload.is_none() {
        // The slot may be the per-packet path's, which never writes the overlay.
        packet.overlay = Overlay::NONE;
    }
    payload
}

/// [`decode_encap`] into the caller's slots, for the per-packet path of file analysis: a TCP
/// segment's fields go to `packet` (its `payload` left as it is), and its captured payload is
/// returned with how it was carried: IP straight over Ethernet (most frames) is only named,
/// any other encapsulation is written to `encap`. Any other frame returns `None` (well-formed,
/// not TCP) or the reason it was skipped ([`relabelled`] not yet asked), and leaves the slots
/// holding nothing meaningful.
/// The caller's slot can be where the packet is kept, so the decoded values are not copied
/// from layer to layer.
#[inline(always)]
pub fn decode_into<'a>(
    frame: &Frame<'a>,
    packet: &mut TcpPacket<'_>,
    encap: &mut Encap,
) -> Result<(&'a [u8], Carried), Option<Skip>> {
    tcp_into(frame, packet, encap).map_err(|stop| match stop {
        Stop::Other => None,
        Stop::Skip(skip) => Some(skip),
    })
}

/// A packet of zeros: a slot for [`decode_into`] to fill.
pub const BLANK: TcpPacket<'static> = TcpPacket {
    ts: Timestamp(0),
    frame: 0,
    interface: 0,
    src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    sport: 0,
    dport: 0,
    seq: 0,
    ack: 0,
    flags: TcpFlags(0),
    window: 0,
    window_scale: None,
    payload_len: 0,
    payload: &[],
    ttl: 0,
    ip_id: None,
    overlay: crate::packet::Overlay::NONE,
};

/// How [`decode_into`] found a TCP packet carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carried {
    /// IP straight over Ethernet: [`Encap::ethernet`], not written out.
    Ethernet {
        /// IPv6 (otherwise IPv4).
        ipv6: bool,
    },
    /// As the caller's `encap` says.
    Other,
}

/// The frame's IP header and what follows, found by the same walk as [`decode`]; `None` when
/// the frame carries no IP that rstscope reads.
pub fn network_layer<'a>(frame: &Frame<'a>) -> Option<Net<'a>> {
    link(frame.link_type, frame.data, &mut Walk::default()).ok()
}

/// [`network_layer`] past the tunnels whose TCP is analyzed by its inner headers (those of
/// [`decode_tunnelled_into`]): the packet inside, which a copy of the frame captured after
/// decapsulation (on the overlay's interface, in a Linux `any` capture) starts with. Any
/// other frame's network layer as it is.
pub fn innermost_network_layer<'a>(frame: &Frame<'a>) -> Option<Net<'a>> {
    let mut net = network_layer(frame)?;
    // TCP straight in IP, nearly every frame of a capture of several interfaces, is no
    // tunnel's: told by its protocol byte alone, without decoding the header.
    let protocol = match net {
        Net::V4(b) => b.get(9),
        Net::V6(b) => b.get(6),
    };
    if protocol == Some(&IPPROTO_TCP) {
        return Some(net);
    }
    let mut scratch = BLANK;
    for _ in 0..TUNNEL_DEPTH {
        let ip = match net {
            Net::V4(b) => ipv4(b, Wire::CAPTURED, &mut scratch),
            Net::V6(b) => ipv6_payload(b, Wire::CAPTURED, &mut scratch),
        };
        match ip.ok().and_then(|ip| unwrap_tunnel(ip.protocol, ip.bytes)) {
            Some((_, inner, _)) if !inner.bytes().is_empty() => net = inner,
            _ => break,
        }
    }
    Some(net)
}

/// The tunnel a frame's TCP segment came in, in the words a packet line says it with, as
/// tcpdump prints the outer datagram first: `VXLAN vni 42 10.99.0.1 > 10.99.0.2` (the overlay
/// network, else the tunnel's name, then the outermost IP header's addresses); `None` for TCP
/// carried directly in IP. Reads the frame again: for the few packets a details list shows.
pub fn tunnel_words(frame: &Frame<'_>) -> Option<String> {
    let net = network_layer(frame)?;
    let protocol = match net {
        Net::V4(b) => b.get(9),
        Net::V6(b) => b.get(6),
    };
    if protocol == Some(&IPPROTO_TCP) {
        return None;
    }
    let mut outer = BLANK;
    let ip = match net {
        Net::V4(b) => ipv4(b, Wire::CAPTURED, &mut outer),
        Net::V6(b) => ipv6_payload(b, Wire::CAPTURED, &mut outer),
    }
    .ok()?;
    let (tunnel, mut inner, mut overlay) = unwrap_tunnel(ip.protocol, ip.bytes)?;
    // The network nearest TCP, as the analysis names it.
    let mut scratch = BLANK;
    for _ in 1..TUNNEL_DEPTH {
        let ip = match inner {
            Net::V4(b) => ipv4(b, Wire::CAPTURED, &mut scratch),
            Net::V6(b) => ipv6_payload(b, Wire::CAPTURED, &mut scratch),
        };
        match ip.ok().and_then(|ip| unwrap_tunnel(ip.protocol, ip.bytes)) {
            Some((_, next, o)) => {
                if !o.is_none() {
                    overlay = o;
                }
                inner = next;
            }
            None => break,
        }
    }
    let name = match overlay.is_none() {
        true => tunnel.name().to_owned(),
        false => overlay.words(),
    };
    Some(format!("{name} {} > {}", outer.src, outer.dst))
}

/// Why decoding stopped before a TCP segment: `?` carries it up from any layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Well-formed, but not (directly) TCP.
    Other,
    /// Not decodable.
    Skip(Skip),
}

const TRUNCATED: Stop = Stop::Skip(Skip::Truncated);
const MALFORMED: Stop = Stop::Skip(Skip::Malformed);

const IPPROTO_TCP: u8 = 6;

/// What TCP decoding needs from the IP layer, the same for IPv4 and IPv6 (the addresses,
/// TTL and IPv4 ID go straight to the packet being decoded).
#[derive(Debug, Clone, Copy)]
struct IpPayload<'a> {
    /// The upper-layer protocol (after IPv6 extension headers).
    protocol: u8,
    /// Its length as the IP header states it.
    len: usize,
    /// Its captured bytes: at most `len` (no link padding), fewer when the snaplen cut them.
    bytes: &'a [u8],
    /// IPv6 extension headers before the upper-layer header.
    v6_ext: Option<V6Ext>,
}

fn tcp_packet<'a>(frame: &Frame<'a>) -> Result<(TcpPacket<'a>, Encap), Stop> {
    let (mut packet, mut encap) = (BLANK, Encap::default());
    let (payload, carried) = tcp_into(frame, &mut packet, &mut encap)?;
    if let Carried::Ethernet { ipv6 } = carried {
        encap = Encap::ethernet(ipv6);
    }
    Ok((TcpPacket { payload, ..packet }, encap))
}

/// See [`decode_into`]: TCP carried directly in the outermost IP header. A TCP segment
/// inside a tunnel, which this walk finds as such ([`Skip::Tunnelled`]), is decoded by
/// [`decode_tunnelled_into`], out of the per-packet path's way.
#[inline(always)]
fn tcp_into<'a>(
    frame: &Frame<'a>,
    packet: &mut TcpPacket<'_>,
    encap: &mut Encap,
) -> Result<(&'a [u8], Carried), Stop> {
    // Most frames: IP straight over Ethernet, whose walk has nothing to record.
    if frame.link_type.0 == LINKTYPE_ETHERNET
        && let Some((h, l3)) = frame.data.split_first_chunk::<ETHERNET_HEADER_LEN>()
    {
        // The EtherType compared as its bytes lie, with the constants in that order, rather
        // than put in the machine's order for every frame.
        const IPV4_AS_SENT: u16 = ETHERTYPE_IPV4.to_be();
        const IPV6_AS_SENT: u16 = ETHERTYPE_IPV6.to_be();
        let ipv6 = match u16::from_ne_bytes([h[12], h[13]]) {
            IPV4_AS_SENT => false,
            IPV6_AS_SENT => true,
            _ => return tcp_into_any(frame, packet, encap).map(|p| (p, Carried::Other)),
        };
        let ip = if ipv6 {
            ipv6_payload(l3, Wire::of(frame, ETHERNET_HEADER_LEN), packet)?
        } else {
            ipv4(l3, Wire::of(frame, ETHERNET_HEADER_LEN), packet)?
        };
        let payload = tcp(frame, &ip, packet)?;
        if ip.v6_ext.is_none() {
            return Ok((payload, Carried::Ethernet { ipv6 }));
        }
        *encap = Encap {
            v6_ext: ip.v6_ext,
            ..Encap::ethernet(ipv6)
        };
        return Ok((payload, Carried::Other));
    }
    tcp_into_any(frame, packet, encap).map(|p| (p, Carried::Other))
}

/// [`tcp_into`] for any link layer: the link walk records what a filter needs to select it.
#[inline(always)]
fn tcp_into_any<'a>(
    frame: &Frame<'a>,
    packet: &mut TcpPacket<'_>,
    encap: &mut Encap,
) -> Result<&'a [u8], Stop> {
    let mut walk = Walk::default();
    let net = link(frame.link_type, frame.data, &mut walk)?;
    let link_len = frame.data.len().saturating_sub(net.bytes().len());
    let ip = match net {
        Net::V4(bytes) => ipv4(bytes, Wire::of(frame, link_len), packet)?,
        Net::V6(bytes) => ipv6_payload(bytes, Wire::of(frame, link_len), packet)?,
    };
    let payload = tcp(frame, &ip, packet)?;
    let ip_offset = link_len;
    *encap = Encap {
        link_type: frame.link_type.0,
        ipv6: matches!(net, Net::V6(_)),
        shims: walk.shims,
        raw: walk.raw,
        link_base: u16::try_from(walk.link_base).unwrap_or(u16::MAX),
        ip_offset: u16::try_from(ip_offset).unwrap_or(u16::MAX),
        // Only filters written by offsets read the guards: plain frames skip their cost.
        guards: if walk.raw || !walk.shims.is_empty() {
            walk.guards(frame.data, ip_offset)
        } else {
            Default::default()
        },
        v6_ext: ip.v6_ext,
        tunnel: None,
    };
    Ok(payload)
}

/// What the length on the wire of a frame's IP packet is worked out from: the frame's
/// original length less its `link_len` bytes of link headers. Only read where the IP header
/// leaves its length to the frame (TSO), so it is worked out there ([`Wire::len`]) and not
/// for every frame (6 instructions a frame of the reading thread's, docs/benchmarks.md s44).
#[derive(Debug, Clone, Copy)]
struct Wire {
    orig_len: u32,
    link_len: usize,
}

impl Wire {
    /// A packet whose length on the wire is its captured length (a tunnel's inner packet).
    const CAPTURED: Self = Self {
        orig_len: 0,
        link_len: 0,
    };

    #[inline(always)]
    fn of(frame: &Frame<'_>, link_len: usize) -> Self {
        Self {
            orig_len: frame.orig_len,
            link_len,
        }
    }

    /// The length on the wire of `l3`, the IP packet after the link headers: never less than
    /// what was captured of it.
    #[inline(always)]
    fn len(self, l3: &[u8]) -> usize {
        let orig = usize::try_from(self.orig_len).unwrap_or(usize::MAX);
        orig.saturating_sub(self.link_len).max(l3.len())
    }
}

// ---------------------------------------------------------------------------------------------
// Network layer

/// `wire`: this packet's length on the wire, used when the total length field is 0. The
/// addresses, TTL and ID are written to `out`.
#[inline(always)]
fn ipv4<'a>(data: &'a [u8], wire: Wire, out: &mut TcpPacket<'_>) -> Result<IpPayload<'a>, Stop> {
    let h = data.first_chunk::<20>().ok_or(TRUNCATED)?;
    if h[0] >> 4 != 4 {
        return Err(MALFORMED);
    }
    let header_len = usize::from(h[0] & 0x0f) * 4;
    let total_len = match u16::from_be_bytes([h[2], h[3]]) {
        // TCP segmentation offload: the stack leaves the length to the NIC, and the capture
        // sees 0. Wireshark then takes the frame's length; so do we.
        0 => wire.len(data),
        n => usize::from(n),
    };
    if header_len < 20 || total_len < header_len {
        return Err(MALFORMED);
    }
    let protocol = h[9];
    let fragment_offset = u16::from_be_bytes([h[6], h[7]]) & 0x1fff;
    if fragment_offset != 0 {
        // A first fragment (offset 0, more-fragments set) carries the TCP header and is decoded.
        return Err(fragment(protocol));
    }
    // Bounded by the total length, so Ethernet padding and trailers are not payload; when the
    // capture holds less (snaplen), the captured part.
    let bytes = data
        .get(header_len..total_len.min(data.len()))
        .ok_or(TRUNCATED)?;
    out.src = IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15]));
    out.dst = IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
    out.ttl = h[8];
    out.ip_id = Some(u16::from_be_bytes([h[4], h[5]]));
    Ok(IpPayload {
        protocol,
        len: total_len - header_len,
        bytes,
        v6_ext: None,
    })
}

/// A non-first fragment: a skip worth counting if it belongs to TCP, else just not TCP.
fn fragment(protocol: u8) -> Stop {
    if protocol == IPPROTO_TCP {
        Stop::Skip(Skip::Fragment)
    } else {
        Stop::Other
    }
}

const IPV6_HEADER_LEN: usize = 40;

/// `wire`: this packet's length on the wire, used when the payload length field is 0. The
/// addresses and hop limit are written to `out`.
fn ipv6_payload<'a>(
    data: &'a [u8],
    wire: Wire,
    out: &mut TcpPacket<'_>,
) -> Result<IpPayload<'a>, Stop> {
    let (h, after_header) = data
        .split_first_chunk::<IPV6_HEADER_LEN>()
        .ok_or(TRUNCATED)?;
    if h[0] >> 4 != 6 {
        return Err(MALFORMED);
    }
    let payload_len = match u16::from_be_bytes([h[4], h[5]]) {
        // A jumbogram (RFC 2675) or a TSO/GSO segment: the frame tells the length.
        0 => wire.len(data).saturating_sub(IPV6_HEADER_LEN),
        n => usize::from(n),
    };
    let (protocol, ext_len, v6_ext) = ipv6_extensions(h[6], after_header)?;
    if ext_len > payload_len {
        return Err(MALFORMED);
    }
    let bytes = after_header
        .get(ext_len..payload_len.min(after_header.len()))
        .ok_or(TRUNCATED)?;
    let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
    src.copy_from_slice(&h[8..24]);
    dst.copy_from_slice(&h[24..40]);
    out.src = IpAddr::V6(Ipv6Addr::from(src));
    out.dst = IpAddr::V6(Ipv6Addr::from(dst));
    out.ttl = h[7];
    out.ip_id = None;
    Ok(IpPayload {
        protocol,
        len: payload_len - ext_len,
        bytes,
        v6_ext,
    })
}

/// Walks the IPv6 extension headers: the upper-layer protocol, where it starts in `data`, and
/// the chain's layout when there was one.
fn ipv6_extensions(mut next: u8, data: &[u8]) -> Result<(u8, usize, Option<V6Ext>), Stop> {
    const HOP_BY_HOP: u8 = 0;
    const ROUTING: u8 = 43;
    const FRAGMENT: u8 = 44;
    const AH: u8 = 51;
    const DESTINATION: u8 = 60;
    const MOBILITY: u8 = 135;
    const HIP: u8 = 139;
    const SHIM6: u8 = 140;
    let first = next;
    let mut offset = 0usize;
    let mut last = 0usize;
    let mut fragment_at = None;
    // Every extension header is at least 8 bytes long, so the walk ends with the data at the
    // latest.
    loop {
        if !matches!(
            next,
            HOP_BY_HOP | ROUTING | FRAGMENT | AH | DESTINATION | MOBILITY | HIP | SHIM6
        ) {
            // TCP, UDP, ICMPv6, ESP (encrypted), No Next Header, tunnels, ...
            let ext = (offset > 0).then(|| {
                let at = |o: usize| u16::try_from(IPV6_HEADER_LEN + o).unwrap_or(u16::MAX);
                V6Ext {
                    first,
                    last_at: at(last),
                    tcp_at: at(offset),
                    fragment_at: fragment_at.map(at),
                }
            });
            return Ok((next, offset, ext));
        }
        let h = data
            .get(offset..)
            .and_then(<[u8]>::first_chunk::<8>)
            .ok_or(TRUNCATED)?;
        let len = match next {
            FRAGMENT => {
                if u16::from_be_bytes([h[2], h[3]]) >> 3 != 0 {
                    return Err(fragment(h[0]));
                }
                fragment_at = Some(offset);
                8
            }
            AH => (usize::from(h[1]) + 2) * 4,
            _ => (usize::from(h[1]) + 1) * 8,
        };
        next = h[0];
        last = offset;
        offset += len;
    }
}

// ---------------------------------------------------------------------------------------------
// Tunnels

const IPPROTO_IPIP: u8 = 4;
const IPPROTO_IPV6: u8 = 41;
const IPPROTO_GRE: u8 = 47;
const IPPROTO_UDP: u8 = 17;
const UDP_VXLAN: u16 = 4789;
const UDP_VXLAN_LINUX: u16 = 8472;
const UDP_GENEVE: u16 = 6081;
/// Transparent Ethernet bridging: Ethernet frames inside GRE or Geneve.
const ETHERTYPE_TEB: u16 = 0x6558;
const ETHERTYPE_ERSPAN_2: u16 = 0x88be;
const ETHERTYPE_ERSPAN_3: u16 = 0x22eb;
/// Tunnels looked into inside the first: Zeek's default depth.
const TUNNEL_DEPTH: u8 = 2;

/// Why an IP payload of `protocol` (not TCP) is not analyzed: UDP, ICMP errors quoting TCP,
/// ... are other traffic, and a tunnel's TCP is counted ([`Skip::Tunnelled`]). Out of line:
/// in line, the compiler made the TCP test and the tunnels' one jump table, through which
/// every TCP segment went (9 instructions a frame where a comparison does); other traffic
/// pays a call instead.
#[cold]
#[inline(never)]
fn not_tcp(protocol: u8, payload: &[u8]) -> Stop {
    if may_be_tunnel(protocol, payload) {
        tunnelled(protocol, payload)
    } else {
        Stop::Other
    }
}

/// Whether an IP payload of `protocol` that is not TCP may be a tunnel's: the protocols, or
/// UDP to one of the tunnels' ports.
#[inline(always)]
fn may_be_tunnel(protocol: u8, payload: &[u8]) -> bool {
    match protocol {
        IPPROTO_IPIP | IPPROTO_IPV6 | IPPROTO_GRE => true,
        IPPROTO_UDP => payload.get(2..4).is_some_and(|p| {
            matches!(
                u16::from_be_bytes([p[0], p[1]]),
                UDP_VXLAN | UDP_VXLAN_LINUX | UDP_GENEVE
            )
        }),
        _ => false,
    }
}

/// A payload of `protocol` that [`may_be_tunnel`]: [`Skip::Tunnelled`] when the tunnel holds a
/// TCP segment (at most [`TUNNEL_DEPTH`] tunnels deep), else other traffic.
#[cold]
#[inline(never)]
fn tunnelled(protocol: u8, payload: &[u8]) -> Stop {
    let Some((tunnel, net, _)) = unwrap_tunnel(protocol, payload) else {
        return Stop::Other;
    };
    match tunnelled_tcp(net, TUNNEL_DEPTH - 1) {
        Some(inner) => Stop::Skip(Skip::Tunnelled { tunnel, inner }),
        None => Stop::Other,
    }
}

/// The TCP segment inside the tunnel(s) of `frame`, at most [`TUNNEL_DEPTH`] deep, decoded into
/// `packet` (its inner addresses and ports: the flow is the one inside the tunnel; its overlay,
/// the innermost tunnel's that names one, as the tenant's network is the one nearest TCP) and its
/// carriage into `encap` (by offsets, with the tunnel named and checked by its guards). Fails
/// where the inner headers do not decode (cut short, malformed, a later fragment): the frame
/// is then counted as [`Skip::Tunnelled`], not analyzed.
#[cold]
#[inline(never)]
fn tunnelled_into<'a>(
    frame: &Frame<'a>,
    packet: &mut TcpPacket<'_>,
    encap: &mut Encap,
) -> Result<&'a [u8], Stop> {
    let mut walk = Walk::default();
    let mut net = link(frame.link_type, frame.data, &mut walk)?;
    let at = |bytes: &[u8]| (bytes.as_ptr() as usize).wrapping_sub(frame.data.as_ptr() as usize);
    let (mut v4_before, mut v6_before) = (0u8, 0u8);
    let mut outermost: Option<(Tunnel, [Guard; 2])> = None;
    packet.overlay = Overlay::NONE;
    let mut overlay_at = Guard::default();
    for depth in 0..=TUNNEL_DEPTH {
        let b = net.bytes();
        let ip = match net {
            Net::V4(b) => ipv4(b, Wire::CAPTURED, packet)?,
            Net::V6(b) => ipv6_payload(b, Wire::CAPTURED, packet)?,
        };
        if ip.protocol == IPPROTO_TCP {
            let (tunnel, guards) = outermost.ok_or(Stop::Other)?;
            let payload = tcp(frame, &ip, packet)?;
            *encap = Encap {
                link_type: frame.link_type.0,
                ipv6: matches!(net, Net::V6(_)),
                shims: walk.shims,
                raw: true,
                link_base: u16::try_from(walk.link_base).unwrap_or(u16::MAX),
                ip_offset: u16::try_from(at(b)).unwrap_or(u16::MAX),
                guards,
                v6_ext: ip.v6_ext,
                tunnel: Some(TunnelAt {
                    tunnel,
                    v4_before,
                    v6_before,
                    overlay: packet.overlay,
                    overlay_at,
                }),
            };
            return Ok(payload);
        }
        if depth == TUNNEL_DEPTH {
            break;
        }
        let (tunnel, inner, overlay) = unwrap_tunnel(ip.protocol, ip.bytes).ok_or(Stop::Other)?;
        if !overlay.is_none() {
            packet.overlay = overlay;
            overlay_at = overlay_guard(frame.data, overlay.kind, at(ip.bytes));
        }
        if outermost.is_none() {
            outermost = Some((
                tunnel,
                tunnel_guards(frame.data, &walk, at(b), at(ip.bytes), net),
            ));
        }
        match net {
            Net::V4(_) => v4_before += 1,
            Net::V6(_) => v6_before += 1,
        }
        net = inner;
    }
    Err(Stop::Other)
}

/// The check a filter by offsets makes to tell an overlay network's frames from others of the
/// same tunnel: the VNI (VXLAN, Geneve: the 24 bits after a word of the header, itself after
/// UDP's 8 bytes) or the GRE key (after the checksum word where there is one), in a tunnel
/// whose IP payload starts at `payload_at` in `frame`.
fn overlay_guard(frame: &[u8], kind: OverlayKind, payload_at: usize) -> Guard {
    match kind {
        OverlayKind::Vxlan | OverlayKind::Geneve => {
            Guard::of(frame, payload_at + 8 + 4, 4, 0xffff_ff00)
        }
        OverlayKind::GreKey => {
            let checksum = frame.get(payload_at).is_some_and(|f| f & 0x80 != 0);
            let at = payload_at + if checksum { 8 } else { 4 };
            Guard::of(frame, at, 4, 0xffff_ffff)
        }
        OverlayKind::None => Guard::default(),
    }
}

/// The two checks a filter by offsets makes to tell the outermost tunnel's frames: the field
/// that names the tunnel (the UDP destination port of VXLAN and Geneve, the protocol type of
/// GRE, ERSPAN's included), and the outer IP header's protocol; for IP-in-IP, the protocol and
/// the link header's type before the outer IP. `ip_at` and `payload_at` are the outer IP
/// header's and its payload's offsets in `frame`.
fn tunnel_guards(
    frame: &[u8],
    walk: &Walk,
    ip_at: usize,
    payload_at: usize,
    outer: Net<'_>,
) -> [Guard; 2] {
    let protocol_at = match outer {
        Net::V4(_) => ip_at + 9,
        Net::V6(_) => ip_at + 6,
    };
    let protocol = Guard::of(frame, protocol_at, 1, 0xff);
    match frame.get(protocol_at) {
        Some(&(IPPROTO_UDP | IPPROTO_GRE)) => {
            [Guard::of(frame, payload_at + 2, 2, 0xffff), protocol]
        }
        _ => [protocol, walk.guards(frame, ip_at)[1]],
    }
}

/// The tunnel in an IP payload of `protocol`, the packet it carries, and the overlay network
/// it names (none for IP-in-IP, GRE without a key and ERSPAN).
fn unwrap_tunnel(protocol: u8, payload: &[u8]) -> Option<(Tunnel, Net<'_>, Overlay)> {
    match protocol {
        IPPROTO_IPIP => Some((Tunnel::IpInIp, Net::V4(payload), Overlay::NONE)),
        IPPROTO_IPV6 => Some((Tunnel::IpInIp, Net::V6(payload), Overlay::NONE)),
        IPPROTO_GRE => gre(payload),
        IPPROTO_UDP => udp_tunnel(payload),
        _ => None,
    }
}

/// What the TCP segment in a tunnel's packet `net` was, looking through at most `depth` more
/// tunnels; `None` when it holds no TCP header (other traffic, a later fragment, too short).
fn tunnelled_tcp(net: Net<'_>, depth: u8) -> Option<Inner> {
    let mut scratch = BLANK;
    let ip = match net {
        Net::V4(b) => ipv4(b, Wire::CAPTURED, &mut scratch),
        Net::V6(b) => ipv6_payload(b, Wire::CAPTURED, &mut scratch),
    }
    .ok()?;
    if ip.protocol == IPPROTO_TCP {
        let h = ip.bytes.get(12..14)?;
        return Some(Inner::of(TcpFlags(
            u16::from_be_bytes([h[0], h[1]]) & 0x01ff,
        )));
    }
    let (_, inner, _) = unwrap_tunnel(ip.protocol, ip.bytes).filter(|_| depth > 0)?;
    tunnelled_tcp(inner, depth - 1)
}

/// A GRE packet (version 0: RFC 2784 with RFC 2890's key and sequence number) carrying IP,
/// Ethernet, or an ERSPAN mirror session's frames (types I, II and III).
fn gre(b: &[u8]) -> Option<(Tunnel, Net<'_>, Overlay)> {
    const CHECKSUM: u16 = 0x8000;
    const ROUTING: u16 = 0x4000;
    const KEY: u16 = 0x2000;
    const SEQUENCE: u16 = 0x1000;
    let h = b.first_chunk::<4>()?;
    let flags = u16::from_be_bytes([h[0], h[1]]);
    // Version 1 is PPTP's (PPP inside), and RFC 1701's routing fields are long obsolete.
    if flags & 0x0007 != 0 || flags & ROUTING != 0 {
        return None;
    }
    let optional = [CHECKSUM, KEY, SEQUENCE]
        .iter()
        .filter(|&&bit| flags & bit != 0)
        .count();
    let payload = b.get(4 + 4 * optional..)?;
    // The key follows the checksum word when there is one.
    let key = match flags & KEY {
        0 => Overlay::NONE,
        _ => {
            let at = if flags & CHECKSUM != 0 { 8 } else { 4 };
            let k = b.get(at..at + 4)?;
            Overlay::of(
                OverlayKind::GreKey,
                u32::from_be_bytes([k[0], k[1], k[2], k[3]]),
            )
        }
    };
    match u16::from_be_bytes([h[2], h[3]]) {
        ETHERTYPE_IPV4 => Some((Tunnel::Gre, Net::V4(payload), key)),
        ETHERTYPE_IPV6 => Some((Tunnel::Gre, Net::V6(payload), key)),
        ETHERTYPE_TEB => Some((Tunnel::Gre, inner_ethernet(payload)?, key)),
        // Type I has no header of its own and no sequence number; type II an 8-byte header.
        ETHERTYPE_ERSPAN_2 => {
            let header = if flags & SEQUENCE != 0 { 8 } else { 0 };
            Some((
                Tunnel::Erspan,
                inner_ethernet(payload.get(header..)?)?,
                Overlay::NONE,
            ))
        }
        // Type III: 12 bytes, 8 more with its platform-specific subheader (the O bit); frame
        // type 0 is Ethernet.
        ETHERTYPE_ERSPAN_3 => {
            let e = payload.first_chunk::<12>()?;
            if (e[10] >> 2) & 0x1f != 0 {
                return None;
            }
            let header = if e[11] & 0x01 != 0 { 20 } else { 12 };
            Some((
                Tunnel::Erspan,
                inner_ethernet(payload.get(header..)?)?,
                Overlay::NONE,
            ))
        }
        _ => None,
    }
}

/// A UDP datagram to VXLAN's or Geneve's port, carrying Ethernet (or IP, in Geneve).
fn udp_tunnel(b: &[u8]) -> Option<(Tunnel, Net<'_>, Overlay)> {
    let (udp, data) = b.split_first_chunk::<8>()?;
    let port = u16::from_be_bytes([udp[2], udp[3]]);
    let (h, after) = data.split_first_chunk::<8>()?;
    // VXLAN's and Geneve's headers both end with the 24-bit network identifier and a byte.
    let vni = u32::from_be_bytes([0, h[4], h[5], h[6]]);
    match port {
        UDP_VXLAN | UDP_VXLAN_LINUX => {
            // The I flag: the header holds a network identifier.
            if h[0] & 0x08 == 0 {
                return None;
            }
            let tunnel = if port == UDP_VXLAN {
                Tunnel::Vxlan
            } else {
                Tunnel::VxlanLinux
            };
            let overlay = Overlay::of(OverlayKind::Vxlan, vni);
            Some((tunnel, inner_ethernet(after)?, overlay))
        }
        UDP_GENEVE => {
            if h[0] >> 6 != 0 {
                return None;
            }
            let inner = after.get(usize::from(h[0] & 0x3f) * 4..)?;
            let net = match u16::from_be_bytes([h[2], h[3]]) {
                ETHERTYPE_TEB => inner_ethernet(inner)?,
                ETHERTYPE_IPV4 => Net::V4(inner),
                ETHERTYPE_IPV6 => Net::V6(inner),
                _ => return None,
            };
            let overlay = Overlay::of(OverlayKind::Geneve, vni);
            Some((Tunnel::Geneve, net, overlay))
        }
        _ => None,
    }
}

/// The IP packet in an Ethernet frame inside a tunnel (VLAN tags and all, as the link walk
/// reads them).
fn inner_ethernet(b: &[u8]) -> Option<Net<'_>> {
    link(LinkType(LINKTYPE_ETHERNET), b, &mut Walk::default()).ok()
}

// ---------------------------------------------------------------------------------------------
// Transport layer

const TCP_HEADER_LEN: usize = 20;

/// The TCP segment in `ip`, its fields written to `out` (but for the payload, returned, and
/// what the IP layer wrote there).
#[inline(always)]
fn tcp<'a>(
    frame: &Frame<'_>,
    ip: &IpPayload<'a>,
    out: &mut TcpPacket<'_>,
) -> Result<&'a [u8], Stop> {
    if ip.protocol != IPPROTO_TCP {
        return Err(not_tcp(ip.protocol, ip.bytes));
    }
    if ip.len < TCP_HEADER_LEN {
        return Err(MALFORMED);
    }
    let h = ip.bytes.first_chunk::<TCP_HEADER_LEN>().ok_or(TRUNCATED)?;
    let header_len = usize::from(h[12] >> 4) * 4;
    if header_len < TCP_HEADER_LEN || header_len > ip.len {
        return Err(MALFORMED);
    }
    // When a short snaplen cut into the options, the segment is still worth having: its
    // flags and sequence numbers are what the analysis needs. It just has no payload bytes.
    let payload = ip.bytes.get(header_len..).unwrap_or_default();
    let flags = TcpFlags(u16::from_be_bytes([h[12], h[13]]) & 0x01ff);
    // Window scaling is negotiated on the SYN and SYN-ACK only (RFC 7323 §2.2).
    let window_scale = if flags.syn() {
        let options = header_len.min(ip.bytes.len());
        window_scale(ip.bytes.get(TCP_HEADER_LEN..options).unwrap_or_default())
    } else {
        None
    };
    // Field by field: the IP layer wrote the addresses, TTL and ID, and the payload is the
    // caller's.
    out.ts = frame.ts;
    out.frame = frame.number;
    out.interface = frame.interface;
    out.sport = u16::from_be_bytes([h[0], h[1]]);
    out.dport = u16::from_be_bytes([h[2], h[3]]);
    out.seq = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    out.ack = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
    out.flags = flags;
    out.window = u16::from_be_bytes([h[14], h[15]]);
    out.window_scale = window_scale;
    out.payload_len = u32::try_from(ip.len - header_len).unwrap_or(u32::MAX);
    Ok(payload)
}

/// The shift count of the window scale option among a SYN's TCP options, capped at 14 as a
/// receiver must (RFC 7323 §2.3), so `window << shift` cannot overflow a `u32`. `None` when
/// the option is absent, or the options end (snaplen) or go wrong before it.
fn window_scale(mut options: &[u8]) -> Option<u8> {
    const END: u8 = 0;
    const NOP: u8 = 1;
    const WINDOW_SCALE: u8 = 3;
    // Every step consumes at least one byte, so the walk ends with the options.
    loop {
        match *options.first()? {
            END => return None,
            NOP => options = options.get(1..)?,
            kind => {
                let len = usize::from(*options.get(1)?);
                if len < 2 {
                    return None;
                }
                if kind == WINDOW_SCALE && len == 3 {
                    return options.get(2).map(|&shift| shift.min(14));
                }
                options = options.get(len..)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Timestamp;
    use crate::source::FileSource;

    const SYN: u16 = TcpFlags::SYN;
    const RST_ACK: u16 = TcpFlags::RST | TcpFlags::ACK;
    const PSH_ACK: u16 = TcpFlags::PSH | TcpFlags::ACK;

    const V4_SRC: [u8; 4] = [192, 0, 2, 1];
    const V4_DST: [u8; 4] = [198, 51, 100, 7];
    const V6_SRC: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const V6_DST: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// A link type is named with its number; a Network Monitor or snoop file's own types with
    /// the number the file gave them, not rstscope's private one ("NetEvent (131040)").
    #[test]
    fn link_types_are_labelled_with_the_numbers_their_files_gave_them() {
        assert_eq!(link_label(LinkType(1)), "Ethernet (1)");
        assert_eq!(
            link_label(LinkType(NETMON_MEDIA | 0xFFE0)),
            "Network Monitor event (NetEvent), media type 0xFFE0"
        );
        assert_eq!(
            link_label(LinkType(NETMON_MEDIA | 6)),
            "Network Monitor media type 0x0006"
        );
        assert_eq!(link_label(LinkType(SNOOP_LINK | 27)), "snoop link type 27");
        assert_eq!(
            link_label(LinkType(SNOOP_LINK | 26)),
            "IP over InfiniBand (snoop link type 26)"
        );
        assert_eq!(
            Skip::UnsupportedLinkType(LinkType(NETMON_MEDIA | 0xFFE0)).key(),
            "unsupported-link-type:Network Monitor event (NetEvent), media type 0xFFE0"
        );
    }

    fn frame(link: u32, data: &[u8]) -> Frame<'_> {
        Frame::plain(
            Timestamp::from_parts(1_700_000_000, 123_456_789),
            42,
            LinkType(link),
            3,
            data,
            u32::try_from(data.len()).expect("test frame fits u32"),
        )
    }

    fn decode_as(link: u32, data: &[u8]) -> Decoded<'_> {
        decode(&frame(link, data))
    }

    fn expect_tcp(link: u32, data: &[u8]) -> TcpPacket<'_> {
        match decode_as(link, data) {
            Decoded::Tcp(p) => p,
            other => panic!("expected TCP, got {other:?}"),
        }
    }

    /// A TCP segment 40000 -> 80 with the given flags, options (padded to 4 bytes) and payload.
    fn tcp_seg(flags: u16, options: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut opts = options.to_vec();
        while !opts.len().is_multiple_of(4) {
            opts.push(0);
        }
        let doff = u8::try_from((20 + opts.len()) / 4).expect("small header");
        let mut s = Vec::new();
        s.extend_from_slice(&40000u16.to_be_bytes());
        s.extend_from_slice(&80u16.to_be_bytes());
        s.extend_from_slice(&0x1122_3344u32.to_be_bytes());
        s.extend_from_slice(&0x5566_7788u32.to_be_bytes());
        s.push(doff << 4 | u8::try_from(flags >> 8).expect("9 bits"));
        s.push(u8::try_from(flags & 0xff).expect("low byte"));
        s.extend_from_slice(&29200u16.to_be_bytes());
        s.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
        s.extend_from_slice(&opts);
        s.extend_from_slice(payload);
        s
    }

    /// IPv4 header fields that tests vary.
    struct V4 {
        protocol: u8,
        options: Vec<u8>,
        flags_fragment: u16,
        total_len: Option<u16>,
    }

    impl Default for V4 {
        fn default() -> Self {
            V4 {
                protocol: IPPROTO_TCP,
                options: Vec::new(),
                flags_fragment: 0x4000,
                total_len: None,
            }
        }
    }

    fn ipv4_with(v4: &V4, body: &[u8]) -> Vec<u8> {
        let header_len = 20 + v4.options.len();
        assert!(header_len.is_multiple_of(4));
        let total = v4
            .total_len
            .unwrap_or(u16::try_from(header_len + body.len()).expect("fits"));
        let mut p = vec![0x40 | u8::try_from(header_len / 4).expect("ihl"), 0];
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&0xbeefu16.to_be_bytes());
        p.extend_from_slice(&v4.flags_fragment.to_be_bytes());
        p.extend_from_slice(&[57, v4.protocol, 0, 0]);
        p.extend_from_slice(&V4_SRC);
        p.extend_from_slice(&V4_DST);
        p.extend_from_slice(&v4.options);
        p.extend_from_slice(body);
        p
    }

    fn ipv4(body: &[u8]) -> Vec<u8> {
        ipv4_with(&V4::default(), body)
    }

    /// IPv6 with `next` as the first next-header value; `body` holds any extension headers.
    /// A body over 65,535 bytes gets payload length 0, as a jumbogram or TSO segment does.
    fn ipv6(next: u8, body: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
        p.extend_from_slice(&[next, 61]);
        p.extend_from_slice(&V6_SRC);
        p.extend_from_slice(&V6_DST);
        p.extend_from_slice(body);
        p
    }

    fn ethernet(ethertype: u16, body: &[u8]) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(body);
        f
    }

    fn vlan_tag(tpid: u16, vid: u16) -> Vec<u8> {
        let mut t = tpid.to_be_bytes().to_vec();
        t.extend_from_slice(&vid.to_be_bytes());
        t
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    fn assert_v4_segment(p: &TcpPacket<'_>, flags: u16, payload: &[u8]) {
        assert_eq!(p.src, IpAddr::from(V4_SRC));
        assert_eq!(p.dst, IpAddr::from(V4_DST));
        assert_eq!((p.sport, p.dport), (40000, 80));
        assert_eq!((p.seq, p.ack), (0x1122_3344, 0x5566_7788));
        assert_eq!(p.flags, TcpFlags(flags));
        assert_eq!(p.window, 29200);
        assert_eq!(p.payload, payload);
        assert_eq!(p.payload_len as usize, payload.len());
        assert_eq!(p.ttl, 57);
        assert_eq!(p.ip_id, Some(0xbeef));
    }

    fn assert_v6_segment(p: &TcpPacket<'_>, flags: u16, payload: &[u8]) {
        assert_eq!(p.src, IpAddr::from(V6_SRC));
        assert_eq!(p.dst, IpAddr::from(V6_DST));
        assert_eq!((p.sport, p.dport), (40000, 80));
        assert_eq!(p.flags, TcpFlags(flags));
        assert_eq!(p.payload, payload);
        assert_eq!(p.payload_len as usize, payload.len());
        assert_eq!(p.ttl, 61);
        assert_eq!(p.ip_id, None);
    }

    // ---- link types

    /// What [`tcp_into`] and the general link walk make of `frame`: equal, whatever the
    /// frame holds (the shortcut for IP over Ethernet is only a faster way to the same result).
    fn assert_shortcut_agrees(frame: &Frame<'_>) {
        assert_eq!(
            decoded_by(frame, tcp_into),
            decoded_by(frame, |f, p, e| tcp_into_any(f, p, e)
                .map(|p| (p, Carried::Other))),
            "frame {} {:02x?}",
            frame.number,
            frame.data
        );
    }

    type Decoder<'a> =
        fn(&Frame<'a>, &mut TcpPacket<'_>, &mut Encap) -> Result<(&'a [u8], Carried), Stop>;

    /// What `decoder` makes of `frame`, from a stale slot and tally entry as the reader's are
    /// between frames.
    fn decoded_by<'a>(
        frame: &Frame<'a>,
        decoder: Decoder<'a>,
    ) -> (Result<&'a [u8], Stop>, TcpPacket<'static>, Option<Encap>) {
        let (mut packet, mut encap) = (BLANK, Encap::default());
        encap.raw = true;
        packet.sport = 7;
        let result = decoder(frame, &mut packet, &mut encap);
        let encap = match result {
            Ok((_, Carried::Ethernet { ipv6 })) => Some(Encap::ethernet(ipv6)),
            Ok((_, Carried::Other)) => Some(encap),
            Err(_) => None,
        };
        (result.map(|(payload, _)| payload), packet, encap)
    }

    /// The shortcut for IP straight over Ethernet against the general walk: every prefix of
    /// frames that reach each of its exits (IPv4 with options, fragments and TSO lengths,
    /// IPv6 with extension headers, other protocols and Ethernet types, VLAN tags, padding),
    /// and every Ethernet frame of the project's own captures and of the public corpus when
    /// it is present.
    #[test]
    fn ethernet_shortcut_decodes_as_the_general_walk() {
        let syn = tcp_seg(SYN, &[2, 4, 5, 0xb4, 1, 3, 3, 7], &[]);
        let rst = tcp_seg(RST_ACK, &[], b"reset by policy");
        let frag = |offset: u16| V4 {
            flags_fragment: offset,
            ..V4::default()
        };
        let frames = [
            ethernet(0x0800, &ipv4(&syn)),
            ethernet(0x0800, &cat(&[&ipv4(&rst), &[0; 6]])),
            ethernet(
                0x0800,
                &ipv4_with(
                    &V4 {
                        options: vec![1, 1, 1, 0],
                        ..V4::default()
                    },
                    &syn,
                ),
            ),
            ethernet(0x0800, &ipv4_with(&frag(0x2000), &syn)),
            ethernet(0x0800, &ipv4_with(&frag(0x0010), &syn)),
            ethernet(
                0x0800,
                &ipv4_with(
                    &V4 {
                        total_len: Some(0),
                        ..V4::default()
                    },
                    &rst,
                ),
            ),
            ethernet(
                0x0800,
                &ipv4_with(
                    &V4 {
                        protocol: 17,
                        ..V4::default()
                    },
                    &syn,
                ),
            ),
            ethernet(0x86dd, &ipv6(6, &rst)),
            ethernet(0x86dd, &ipv6(0, &cat(&[&[6, 0, 0, 0, 0, 0, 0, 0], &syn]))),
            ethernet(0x86dd, &ipv6(44, &cat(&[&[6, 0, 0, 1, 0, 0, 0, 1], &syn]))),
            ethernet(0x0806, &[0; 28]),
            ethernet(0x8100, &cat(&[&vlan_tag(0x0800, 5), &ipv4(&syn)])),
            ethernet(0x0800, &ipv6(6, &syn)),
        ];
        let mut checked = 0;
        for data in &frames {
            for end in 0..=data.len() {
                assert_shortcut_agrees(&frame(1, &data[..end]));
                checked += 1;
            }
        }
        let mut ethernet_frames = 0;
        for path in crate::source::test_captures() {
            let Ok(mut source) = FileSource::open(std::slice::from_ref(&path)) else {
                continue;
            };
            while let Some(f) = source.next_frame() {
                assert_shortcut_agrees(&f);
                ethernet_frames += u64::from(f.link_type.0 == LINKTYPE_ETHERNET);
            }
        }
        assert!(checked > 900, "{checked} frame prefixes");
        println!("{checked} frame prefixes, {ethernet_frames} Ethernet frames of captures");
        assert!(
            ethernet_frames > 50,
            "{ethernet_frames} Ethernet frames in captures"
        );
    }

    #[test]
    fn ethernet_ipv4_carries_every_field_and_the_frame_identity() {
        let data = ethernet(0x0800, &ipv4(&tcp_seg(PSH_ACK, &[], b"hello")));
        let p = expect_tcp(1, &data);
        assert_v4_segment(&p, PSH_ACK, b"hello");
        assert_eq!(p.frame, 42);
        assert_eq!(p.interface, 3);
        assert_eq!(p.ts, Timestamp::from_parts(1_700_000_000, 123_456_789));
    }

    /// A frame that fails under its link type but decodes as TCP under Ethernet or raw IP is
    /// told apart, by `decode` and by `decode_into`'s caller alike; one that decodes under
    /// neither keeps its reason, and a frame under its right link type is untouched.
    #[test]
    fn frames_under_the_wrong_link_type_are_told_by_what_they_decode_as() {
        let ip = ipv4(&tcp_seg(SYN, &[], &[]));
        let ether = ethernet(0x0800, &ip);
        let wrong =
            |labelled, reads_as| Decoded::Skipped(Skip::WrongLinkType { labelled, reads_as });
        assert_eq!(decode_as(101, &ether), wrong(101, 1));
        assert_eq!(decode_as(113, &ether), wrong(113, 1));
        assert_eq!(decode_as(147, &ether), wrong(147, 1));
        // Raw IPv4 under Ethernet's number: the source address's first bytes (192.0) stand
        // where the type would, no type; a source whose first bytes read as an 802.3 length
        // (10.0.x.x: 0x0a00 is over 1500, 1.2.x.x is not) reads as an LLC frame, other
        // traffic; that length does not fit the frame, so it is tried again (before, it
        // stayed other traffic).
        assert_eq!(decode_as(1, &ip), wrong(1, 101));
        let mut from_1_2 = ip.clone();
        from_1_2[12..14].copy_from_slice(&[1, 2]);
        assert_eq!(decode_as(1, &from_1_2), wrong(1, 101));
        // One whose length fits (0.26.x.x: 26 bytes after the 14 of a 40-byte frame) is not
        // told from an LLC frame: other traffic.
        let mut fitting = ip.clone();
        fitting[12..14].copy_from_slice(&[0, 26]);
        assert_eq!(fitting.len(), 40);
        assert_eq!(decode_as(1, &fitting), Decoded::Other);
        // A real LLC frame (an STP BPDU, to a multicast address) is other traffic, and stays
        // so with a length that does not fit: under raw IP its first byte is no IP version.
        let mut bpdu = vec![0x01, 0x80, 0xc2, 0, 0, 0, 0x02, 0, 0, 0, 0, 1, 0, 38];
        bpdu.extend_from_slice(&[0x42, 0x42, 0x03]);
        bpdu.resize(60, 0);
        assert_eq!(decode_as(1, &bpdu), Decoded::Other);
        bpdu[13] = 200;
        assert_eq!(decode_as(1, &bpdu), Decoded::Other);
        assert_eq!(decode_as(228, &ether), wrong(228, 1));
        // Raw IP under another raw IP number (IPv6 as raw IPv4) is not relabelled as raw IP;
        // zeros decode under nothing.
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        assert_eq!(decode_as(228, &v6), Decoded::Skipped(Skip::Malformed));
        assert_eq!(decode_as(101, &[0; 60]), Decoded::Skipped(Skip::Malformed));
        assert_eq!(
            decode_as(6, &[0; 60]),
            Decoded::Skipped(Skip::UnsupportedLinkType(LinkType(6)))
        );
        let skip = Skip::WrongLinkType {
            labelled: 101,
            reads_as: 1,
        };
        assert_eq!(
            skip.key(),
            "wrong-link-type:raw IP (101) reads as Ethernet (1)"
        );
        assert!(
            skip.to_string().contains("editcap -T ether IN OUT"),
            "{skip}"
        );
        assert!(std::mem::size_of::<Skip>() <= 8, "a Skip stays small");
    }

    #[test]
    fn ethernet_ipv6() {
        let data = ethernet(0x86dd, &ipv6(6, &tcp_seg(SYN, &[2, 4, 5, 0xb4], &[])));
        assert_v6_segment(&expect_tcp(1, &data), SYN, &[]);
    }

    #[test]
    fn agrees_with_etherparse_packet_builder() {
        let builder = etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1])
            .single_vlan(etherparse::VlanId::try_new(12).expect("vid"))
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(5555, 7211, 1000, 512)
            .rst()
            .ack(2001);
        let mut data = Vec::new();
        builder.write(&mut data, b"x").expect("write");
        let p = expect_tcp(1, &data);
        assert_eq!(p.src, IpAddr::from([10, 0, 0, 1]));
        assert_eq!(p.dst, IpAddr::from([10, 0, 0, 2]));
        assert_eq!(
            (p.sport, p.dport, p.seq, p.ack, p.window),
            (5555, 7211, 1000, 2001, 512)
        );
        assert!(p.flags.rst() && p.flags.ack() && !p.flags.syn());
        assert_eq!((p.payload, p.payload_len, p.ttl), (&b"x"[..], 1, 64));

        let builder = etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1])
            .ipv6([1; 16], [2; 16], 3)
            .tcp(1, 2, 3, 4)
            .syn();
        let mut data = Vec::new();
        builder.write(&mut data, &[]).expect("write");
        let p = expect_tcp(1, &data);
        assert_eq!(
            (p.src, p.dst),
            (IpAddr::from([1u8; 16]), IpAddr::from([2u8; 16]))
        );
        assert_eq!((p.sport, p.dport, p.seq, p.ttl), (1, 2, 3, 3));
        assert_eq!(p.flags, TcpFlags(SYN));
    }

    #[test]
    fn vlan_tags_of_every_kind_and_depth() {
        let seg = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        for tags in [
            vec![0x8100],
            vec![0x88a8, 0x8100],
            vec![0x9100, 0x8100],
            vec![0x88a8, 0x8100, 0x8100],
            vec![0x9100, 0x88a8, 0x8100, 0x8100],
        ] {
            let mut body = Vec::new();
            for (i, next) in tags.iter().skip(1).chain([&0x0800]).enumerate() {
                body.extend(vlan_tag(u16::try_from(i + 1).expect("vid"), *next));
            }
            body.extend_from_slice(&seg);
            let data = ethernet(tags[0], &body);
            assert_v4_segment(&expect_tcp(1, &data), RST_ACK, &[]);
        }
    }

    #[test]
    fn vlan_tag_cut_short_is_truncated() {
        let data = ethernet(0x8100, &[0x00, 0x0c]);
        assert_eq!(decode_as(1, &data), Decoded::Skipped(Skip::Truncated));
    }

    #[test]
    fn non_ip_ethertypes_are_other() {
        for ethertype in [0x0806, 0x88cc, 0x88e5, 0x8035, 0x0060] {
            let data = ethernet(ethertype, &[0u8; 46]);
            assert_eq!(
                decode_as(1, &data),
                Decoded::Other,
                "ethertype {ethertype:#06x}"
            );
        }
        // VLAN-tagged ARP.
        let data = ethernet(0x8100, &cat(&[&vlan_tag(5, 0x0806), &[0u8; 28]]));
        assert_eq!(decode_as(1, &data), Decoded::Other);
    }

    #[test]
    fn mpls_label_stack_then_ip_by_version_nibble() {
        let label = |bottom: bool| [0x00, 0x01, if bottom { 0x01 } else { 0x00 }, 64];
        let v4 = ipv4(&tcp_seg(SYN, &[], &[]));
        let data = ethernet(0x8847, &cat(&[&label(false), &label(true), &v4]));
        assert_v4_segment(&expect_tcp(1, &data), SYN, &[]);

        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        let data = ethernet(0x8847, &cat(&[&label(true), &v6]));
        assert_v6_segment(&expect_tcp(1, &data), SYN, &[]);

        // Ethernet pseudowire with a control word: not IP.
        let data = ethernet(0x8847, &cat(&[&label(true), &[0u8; 4], &[0u8; 60]]));
        assert_eq!(decode_as(1, &data), Decoded::Other);

        // Inside VLAN, label stack cut before its bottom.
        let data = ethernet(
            0x8100,
            &cat(&[&vlan_tag(7, 0x8847), &label(false), &[0, 1]]),
        );
        assert_eq!(decode_as(1, &data), Decoded::Skipped(Skip::Truncated));
    }

    #[test]
    fn pppoe_session() {
        let ppp = |proto: u16, body: &[u8]| {
            let mut p = vec![0x11, 0x00, 0x12, 0x34];
            p.extend_from_slice(&u16::try_from(body.len() + 2).expect("fits").to_be_bytes());
            p.extend_from_slice(&proto.to_be_bytes());
            p.extend_from_slice(body);
            p
        };
        let data = ethernet(0x8864, &ppp(0x0021, &ipv4(&tcp_seg(SYN, &[], &[]))));
        assert_v4_segment(&expect_tcp(1, &data), SYN, &[]);
        let data = ethernet(0x8864, &ppp(0x0057, &ipv6(6, &tcp_seg(SYN, &[], &[]))));
        assert_v6_segment(&expect_tcp(1, &data), SYN, &[]);
        let data = ethernet(0x8864, &ppp(0xc021, &[1, 1, 0, 4]));
        assert_eq!(decode_as(1, &data), Decoded::Other);
    }

    fn sll(protocol: u16, body: &[u8]) -> Vec<u8> {
        let mut f = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        f.extend_from_slice(&protocol.to_be_bytes());
        f.extend_from_slice(body);
        f
    }

    fn sll2(protocol: u16, body: &[u8]) -> Vec<u8> {
        let mut f = protocol.to_be_bytes().to_vec();
        f.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn linux_sll_and_sll2() {
        let v4 = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        let v6 = ipv6(6, &tcp_seg(RST_ACK, &[], &[]));
        assert_v4_segment(&expect_tcp(113, &sll(0x0800, &v4)), RST_ACK, &[]);
        assert_v6_segment(&expect_tcp(113, &sll(0x86dd, &v6)), RST_ACK, &[]);
        assert_v4_segment(&expect_tcp(276, &sll2(0x0800, &v4)), RST_ACK, &[]);
        assert_v6_segment(&expect_tcp(276, &sll2(0x86dd, &v6)), RST_ACK, &[]);
        // A VLAN tag left in the data by the kernel.
        let tagged = cat(&[&vlan_tag(9, 0x0800), &v4]);
        assert_v4_segment(&expect_tcp(113, &sll(0x8100, &tagged)), RST_ACK, &[]);
        // Netlink messages on an SLL capture carry a netlink family, not an ethertype.
        assert_eq!(decode_as(276, &sll2(0x0000, &[0u8; 20])), Decoded::Other);
        assert_eq!(decode_as(113, &sll(0x0806, &[0u8; 28])), Decoded::Other);
        assert_eq!(
            decode_as(113, &[0u8; 15]),
            Decoded::Skipped(Skip::Truncated)
        );
        assert_eq!(
            decode_as(276, &[0u8; 19]),
            Decoded::Skipped(Skip::Truncated)
        );
    }

    #[test]
    fn raw_ip_under_every_link_type_number() {
        let v4 = ipv4(&tcp_seg(SYN, &[], &[]));
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        for link in [101, 12, 14] {
            assert_v4_segment(&expect_tcp(link, &v4), SYN, &[]);
            assert_v6_segment(&expect_tcp(link, &v6), SYN, &[]);
            assert_eq!(
                decode_as(link, &[0x50; 40]),
                Decoded::Skipped(Skip::Malformed)
            );
            assert_eq!(decode_as(link, &[]), Decoded::Skipped(Skip::Truncated));
        }
        assert_v4_segment(&expect_tcp(228, &v4), SYN, &[]);
        assert_v6_segment(&expect_tcp(229, &v6), SYN, &[]);
        // The link type promises one version; the header says another.
        assert_eq!(decode_as(228, &v6), Decoded::Skipped(Skip::Malformed));
        assert_eq!(decode_as(229, &v4), Decoded::Skipped(Skip::Malformed));
    }

    #[test]
    fn bsd_null_in_both_byte_orders_and_loop_in_network_order() {
        let v4 = ipv4(&tcp_seg(SYN, &[], &[]));
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        assert_v4_segment(&expect_tcp(0, &cat(&[&2u32.to_le_bytes(), &v4])), SYN, &[]);
        assert_v4_segment(&expect_tcp(0, &cat(&[&2u32.to_be_bytes(), &v4])), SYN, &[]);
        for af in [24u32, 28, 30] {
            assert_v6_segment(&expect_tcp(0, &cat(&[&af.to_le_bytes(), &v6])), SYN, &[]);
            assert_v6_segment(&expect_tcp(0, &cat(&[&af.to_be_bytes(), &v6])), SYN, &[]);
            assert_v6_segment(&expect_tcp(108, &cat(&[&af.to_be_bytes(), &v6])), SYN, &[]);
        }
        assert_v4_segment(
            &expect_tcp(108, &cat(&[&2u32.to_be_bytes(), &v4])),
            SYN,
            &[],
        );
        // OSI (7) and IPX (23) are not IP.
        assert_eq!(
            decode_as(0, &cat(&[&7u32.to_le_bytes(), &v4])),
            Decoded::Other
        );
        assert_eq!(
            decode_as(0, &cat(&[&23u32.to_be_bytes(), &v4])),
            Decoded::Other
        );
        assert_eq!(decode_as(0, &[2, 0, 0]), Decoded::Skipped(Skip::Truncated));
        assert_eq!(
            decode_as(108, &[0, 0, 0]),
            Decoded::Skipped(Skip::Truncated)
        );
    }

    #[test]
    fn unsupported_link_types_are_skipped_with_their_name() {
        let data = [0u8; 64];
        assert_eq!(
            decode_as(6, &data),
            Decoded::Skipped(Skip::UnsupportedLinkType(LinkType(6)))
        );
        let skip = Skip::UnsupportedLinkType(LinkType(6));
        assert_eq!(skip.key(), "unsupported-link-type:Token Ring (6)");
        assert_eq!(
            skip.to_string(),
            format!(
                "link type Token Ring (6) is not one rstscope reads (it reads {SUPPORTED_LINK_TYPES})"
            )
        );
        let skip = Skip::UnsupportedLinkType(LinkType(60_000));
        assert_eq!(skip.key(), "unsupported-link-type:unknown (60000)");
        for link in [6, 8, 201, 249] {
            assert!(matches!(
                decode_as(link, &data),
                Decoded::Skipped(Skip::UnsupportedLinkType(LinkType(l))) if l == link
            ));
        }
    }

    #[test]
    fn skip_keys_are_stable() {
        assert_eq!(Skip::Truncated.key(), "truncated");
        assert_eq!(Skip::Fragment.key(), "ip-fragment");
        assert_eq!(Skip::Malformed.key(), "malformed");
        for skip in [Skip::Truncated, Skip::Fragment, Skip::Malformed] {
            assert!(!skip.to_string().is_empty());
        }
    }

    #[test]
    fn link_type_names() {
        for (n, name) in [
            (0, "BSD loopback (NULL)"),
            (1, "Ethernet"),
            (10, "FDDI"),
            (12, "raw IP"),
            (14, "raw IP"),
            (101, "raw IP"),
            (108, "OpenBSD loopback (LOOP)"),
            (113, "Linux SLL"),
            (228, "raw IPv4"),
            (229, "raw IPv6"),
            (239, "NFLOG"),
            (242, "IP over InfiniBand"),
            (276, "Linux SLL2"),
            (147, "user-defined (USER0 to USER15)"),
            (163, "IEEE 802.11 (AVS)"),
            (60_000, "unknown"),
        ] {
            assert_eq!(link_type_name(LinkType(n)), name, "link type {n}");
        }
    }

    // ---- IPv4

    #[test]
    fn ipv4_options_are_skipped() {
        // Record route (7 bytes) + end of options, padded to 8; then the maximum of 40 bytes.
        for options in [vec![7, 7, 4, 0, 0, 0, 0, 0], vec![1u8; 40]] {
            let v4 = V4 {
                options,
                ..V4::default()
            };
            let data = ethernet(0x0800, &ipv4_with(&v4, &tcp_seg(PSH_ACK, &[], b"abc")));
            assert_v4_segment(&expect_tcp(1, &data), PSH_ACK, b"abc");
        }
    }

    #[test]
    fn ipv4_bad_header_values_are_malformed() {
        let seg = tcp_seg(SYN, &[], &[]);
        // Header length below 20 bytes.
        let mut data = ipv4(&seg);
        data[0] = 0x44;
        assert_eq!(decode_as(101, &data), Decoded::Skipped(Skip::Malformed));
        // Total length below the header length.
        let data = ipv4_with(
            &V4 {
                total_len: Some(19),
                ..V4::default()
            },
            &seg,
        );
        assert_eq!(decode_as(101, &data), Decoded::Skipped(Skip::Malformed));
        // Version 5 behind an IPv4 ethertype.
        let mut data = ipv4(&seg);
        data[0] = 0x55;
        assert_eq!(
            decode_as(1, &ethernet(0x0800, &data)),
            Decoded::Skipped(Skip::Malformed)
        );
    }

    #[test]
    fn ethernet_padding_is_not_payload() {
        // A RST is 54 bytes on Ethernet; the NIC pads it to the 60-byte minimum.
        let mut data = ethernet(0x0800, &ipv4(&tcp_seg(RST_ACK, &[], &[])));
        assert_eq!(data.len(), 54);
        data.resize(60, 0);
        let p = expect_tcp(1, &data);
        assert_v4_segment(&p, RST_ACK, &[]);
        // The same over IPv6 with a trailing FCS.
        let mut data = ethernet(0x86dd, &ipv6(6, &tcp_seg(RST_ACK, &[], b"x")));
        data.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        assert_v6_segment(&expect_tcp(1, &data), RST_ACK, b"x");
    }

    #[test]
    fn snaplen_cut_payload_keeps_the_stated_length() {
        let mut data = ethernet(0x0800, &ipv4(&tcp_seg(PSH_ACK, &[], &[7u8; 1000])));
        data.truncate(14 + 20 + 20 + 10);
        let p = expect_tcp(1, &data);
        assert_eq!(p.payload_len, 1000);
        assert_eq!(p.payload, &[7u8; 10]);

        let mut data = ipv6(6, &tcp_seg(PSH_ACK, &[], &[7u8; 1000]));
        data.truncate(40 + 20 + 3);
        let p = expect_tcp(229, &data);
        assert_eq!(p.payload_len, 1000);
        assert_eq!(p.payload, &[7u8; 3]);
    }

    #[test]
    fn tso_zero_length_takes_the_frame_length() {
        let body = tcp_seg(PSH_ACK, &[], &[9u8; 3000]);
        let mut data = ethernet(
            0x0800,
            &ipv4_with(
                &V4 {
                    total_len: Some(0),
                    ..V4::default()
                },
                &body,
            ),
        );
        let p = expect_tcp(1, &data);
        assert_eq!(p.payload_len, 3000);
        // Cut by the snaplen: the wire length still gives the payload length.
        data.truncate(100);
        let mut f = frame(1, &data);
        f.orig_len = 14 + 20 + 20 + 3000;
        let Decoded::Tcp(p) = decode(&f) else {
            panic!("expected TCP")
        };
        assert_eq!(p.payload_len, 3000);
        assert_eq!(p.payload.len(), 100 - 54);

        let v6 = ipv6(6, &tcp_seg(PSH_ACK, &[], &[9u8; 70_000]));
        let p = expect_tcp(229, &v6);
        assert_eq!(p.payload_len, 70_000);
    }

    #[test]
    fn ipv4_fragments() {
        let seg = tcp_seg(PSH_ACK, &[], &[1u8; 32]);
        // First fragment, more fragments set: the TCP header is here, decode it.
        let first = V4 {
            flags_fragment: 0x2000,
            ..V4::default()
        };
        let data = ipv4_with(&first, &seg);
        let p = expect_tcp(101, &data);
        assert_v4_segment(&p, PSH_ACK, &[1u8; 32]);
        // Later fragments, with and without more fragments.
        for flags_fragment in [0x2000 | 185, 185, 1] {
            let v4 = V4 {
                flags_fragment,
                ..V4::default()
            };
            let data = ipv4_with(&v4, &[0u8; 64]);
            assert_eq!(decode_as(101, &data), Decoded::Skipped(Skip::Fragment));
            // The same for UDP is simply not TCP, not a skip worth counting.
            let v4 = V4 {
                flags_fragment,
                protocol: 17,
                ..V4::default()
            };
            assert_eq!(decode_as(101, &ipv4_with(&v4, &[0u8; 64])), Decoded::Other);
        }
    }

    // ---- IPv6

    fn ext(next: u8, len_units: u8, total: usize) -> Vec<u8> {
        let mut h = vec![next, len_units];
        h.resize(total, 0);
        h
    }

    #[test]
    fn ipv6_extension_headers_are_walked() {
        let seg = tcp_seg(PSH_ACK, &[1, 1, 1, 1], b"data");
        // Hop-by-hop (8) -> routing (24) -> destination options (16) -> AH (24) -> TCP.
        let hbh = ext(43, 0, 8);
        let routing = ext(60, 2, 24);
        let dest = ext(51, 1, 16);
        let ah = ext(6, 4, 24);
        let data = ipv6(0, &cat(&[&hbh, &routing, &dest, &ah, &seg]));
        assert_v6_segment(&expect_tcp(229, &data), PSH_ACK, b"data");
    }

    #[test]
    fn ipv6_fragments() {
        let seg = tcp_seg(SYN, &[], &[]);
        let frag = |next: u8, offset_units: u16, more: bool| {
            let mut h = vec![next, 0];
            h.extend_from_slice(&(offset_units << 3 | u16::from(more)).to_be_bytes());
            h.extend_from_slice(&0x1234_5678u32.to_be_bytes());
            h
        };
        let data = ipv6(44, &cat(&[&frag(6, 0, true), &seg]));
        assert_v6_segment(&expect_tcp(229, &data), SYN, &[]);
        // Atomic fragment (offset 0, no more fragments) behind hop-by-hop.
        let data = ipv6(0, &cat(&[&ext(44, 0, 8), &frag(6, 0, false), &seg]));
        assert_v6_segment(&expect_tcp(229, &data), SYN, &[]);
        let data = ipv6(44, &cat(&[&frag(6, 100, true), &[0u8; 32]]));
        assert_eq!(decode_as(229, &data), Decoded::Skipped(Skip::Fragment));
        let data = ipv6(44, &cat(&[&frag(17, 100, false), &[0u8; 32]]));
        assert_eq!(decode_as(229, &data), Decoded::Other);
    }

    #[test]
    fn ipv6_without_tcp_is_other() {
        // ESP (encrypted), no next header, UDP, ICMPv6.
        for next in [50, 59, 17, 58] {
            assert_eq!(decode_as(229, &ipv6(next, &[0u8; 24])), Decoded::Other);
        }
        // No next header after a destination options header, with nothing after it.
        assert_eq!(decode_as(229, &ipv6(60, &ext(59, 0, 8))), Decoded::Other);
    }

    #[test]
    fn ipv6_bad_extension_headers() {
        let seg = tcp_seg(SYN, &[], &[]);
        // Routing header cut by the snaplen.
        let mut data = ipv6(43, &cat(&[&ext(6, 2, 24), &seg]));
        data.truncate(40 + 12);
        assert_eq!(decode_as(229, &data), Decoded::Skipped(Skip::Truncated));
        // Extension headers longer than the payload length.
        let mut data = ipv6(43, &cat(&[&ext(6, 2, 24), &seg]));
        data[4..6].copy_from_slice(&16u16.to_be_bytes());
        assert_eq!(decode_as(229, &data), Decoded::Skipped(Skip::Malformed));
        // Version 4 behind an IPv6 ethertype.
        let mut data = ipv6(6, &seg);
        data[0] = 0x45;
        assert_eq!(
            decode_as(1, &ethernet(0x86dd, &data)),
            Decoded::Skipped(Skip::Malformed)
        );
    }

    // ---- truncation at each layer

    #[test]
    fn truncated_at_each_layer() {
        let data = ethernet(
            0x0800,
            &ipv4_with(
                &V4 {
                    options: vec![1u8; 8],
                    ..V4::default()
                },
                &tcp_seg(SYN, &[2, 4, 5, 0xb4], &[]),
            ),
        );
        // Inside the Ethernet header, the IPv4 fixed header, its options, the TCP fixed header.
        for len in [0, 13, 14, 33, 41, 42 + 19] {
            assert_eq!(
                decode_as(1, &data[..len]),
                Decoded::Skipped(Skip::Truncated),
                "{len}"
            );
        }
        let data = ethernet(0x86dd, &ipv6(6, &tcp_seg(SYN, &[], &[])));
        for len in [14, 14 + 39, 14 + 40, 14 + 59] {
            assert_eq!(
                decode_as(1, &data[..len]),
                Decoded::Skipped(Skip::Truncated),
                "{len}"
            );
        }
    }

    #[test]
    fn tcp_options_cut_by_the_snaplen_still_decode() {
        let mss_sack_ts = [
            2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        let data = ethernet(0x0800, &ipv4(&tcp_seg(SYN, &mss_sack_ts, &[])));
        let p = expect_tcp(1, &data[..14 + 20 + 24]);
        assert!(p.flags.syn());
        assert_eq!((p.payload_len, p.payload), (0, &[][..]));
    }

    // ---- TCP

    #[test]
    fn bad_tcp_data_offset_is_malformed() {
        for doff in [0u8, 4] {
            let mut seg = tcp_seg(SYN, &[], &[0u8; 8]);
            seg[12] = doff << 4;
            assert_eq!(
                decode_as(101, &ipv4(&seg)),
                Decoded::Skipped(Skip::Malformed)
            );
        }
        // Header longer than the IP payload.
        let mut seg = tcp_seg(SYN, &[], &[]);
        seg[12] = 15 << 4;
        assert_eq!(
            decode_as(101, &ipv4(&seg)),
            Decoded::Skipped(Skip::Malformed)
        );
        // IP payload too short for any TCP header, though the frame holds more (padding).
        let v4 = V4 {
            total_len: Some(30),
            ..V4::default()
        };
        let data = ipv4_with(&v4, &tcp_seg(SYN, &[], &[]));
        assert_eq!(decode_as(101, &data), Decoded::Skipped(Skip::Malformed));
    }

    #[test]
    fn all_nine_flag_bits() {
        let all = 0x01ff;
        let mut seg = tcp_seg(all, &[], &[]);
        // Reserved bits must not leak into the flags.
        seg[12] |= 0x0e;
        let data = ipv4(&seg);
        let p = expect_tcp(101, &data);
        assert_eq!(p.flags, TcpFlags(all));
        let data = ipv4(&tcp_seg(TcpFlags::NS | TcpFlags::RST, &[], &[]));
        let p = expect_tcp(101, &data);
        assert!(p.flags.rst() && p.flags.has(TcpFlags::NS) && !p.flags.ack());
    }

    #[test]
    fn window_scale_on_syn_segments_only() {
        let scale = |flags: u16, options: &[u8]| {
            let data = ipv4(&tcp_seg(flags, options, &[]));
            expect_tcp(101, &data).window_scale
        };
        let syn_ack = TcpFlags::SYN | TcpFlags::ACK;
        // Linux SYN: MSS, SACK permitted, timestamps, NOP, window scale 7.
        let linux = [
            2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        assert_eq!(scale(SYN, &linux), Some(7));
        assert_eq!(scale(syn_ack, &[1, 3, 3, 0]), Some(0));
        assert_eq!(scale(SYN, &[2, 4, 5, 0xb4]), None);
        // Only the handshake negotiates it.
        assert_eq!(scale(TcpFlags::ACK, &linux), None);
        // Capped at 14 (RFC 7323).
        assert_eq!(scale(SYN, &[3, 3, 15]), Some(14));
        // End of options before it; an option with an impossible length before it.
        assert_eq!(scale(SYN, &[0, 3, 3, 7]), None);
        assert_eq!(scale(SYN, &[8, 0, 3, 3, 7]), None);
        // Options cut by the snaplen before the window scale option.
        let data = ipv4(&tcp_seg(SYN, &linux, &[]));
        let p = expect_tcp(101, &data[..20 + 20 + 18]);
        assert_eq!((p.flags, p.window_scale), (TcpFlags(SYN), None));
        let p = expect_tcp(101, &data[..20 + 20 + 20]);
        assert_eq!(p.window_scale, Some(7));
    }

    #[test]
    fn rst_with_payload_text() {
        // F5 BIG-IP puts its reset cause in the payload.
        let data = ethernet(
            0x0800,
            &ipv4(&tcp_seg(RST_ACK, &[], b"No server available")),
        );
        let p = expect_tcp(1, &data);
        assert_eq!(p.payload, b"No server available");
        assert_eq!(p.payload_len, 19);
    }

    // ---- not TCP

    #[test]
    fn icmp_errors_quoting_tcp_are_other() {
        let quoted = ipv4(&tcp_seg(SYN, &[], &[]));
        let icmp = cat(&[&[3, 3, 0, 0, 0, 0, 0, 0], &quoted[..28]]);
        let data = ethernet(
            0x0800,
            &ipv4_with(
                &V4 {
                    protocol: 1,
                    ..V4::default()
                },
                &icmp,
            ),
        );
        assert_eq!(decode_as(1, &data), Decoded::Other);

        let quoted = ipv6(6, &tcp_seg(SYN, &[], &[]));
        let icmp6 = cat(&[&[1, 4, 0, 0, 0, 0, 0, 0], &quoted]);
        assert_eq!(
            decode_as(1, &ethernet(0x86dd, &ipv6(58, &icmp6))),
            Decoded::Other
        );
    }

    fn ipv4_of(protocol: u8, body: &[u8]) -> Vec<u8> {
        ipv4_with(
            &V4 {
                protocol,
                ..V4::default()
            },
            body,
        )
    }

    fn udp(dport: u16, body: &[u8]) -> Vec<u8> {
        let mut u = 54321u16.to_be_bytes().to_vec();
        u.extend_from_slice(&dport.to_be_bytes());
        u.extend_from_slice(&u16::try_from(8 + body.len()).expect("fits").to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(body);
        u
    }

    /// A GRE header with `flags` (checksum, key, sequence bits) and their fields, then `body`.
    fn gre_of(flags: u16, protocol: u16, body: &[u8]) -> Vec<u8> {
        let mut g = flags.to_be_bytes().to_vec();
        g.extend_from_slice(&protocol.to_be_bytes());
        for bit in [0x8000, 0x2000, 0x1000] {
            if flags & bit != 0 {
                g.extend_from_slice(&[0xa5; 4]);
            }
        }
        g.extend_from_slice(body);
        g
    }

    fn tunnelled(tunnel: Tunnel, inner: Inner) -> Option<(Tunnel, Inner)> {
        Some((tunnel, inner))
    }

    /// The tunnel a frame's TCP segment was decoded from, and what the segment was; `None`
    /// for a frame not decoded as TCP inside a tunnel.
    fn inside(link: u32, data: &[u8]) -> Option<(Tunnel, Inner)> {
        match decode_encap(&frame(link, data)) {
            (Decoded::Tcp(p), e) => Some((e.tunnel?.tunnel, Inner::of(p.flags))),
            _ => None,
        }
    }

    /// TCP inside each tunnel an overlay network or a mirror session uses is decoded, its
    /// tunnel named (the outermost one), not taken as the outer addresses' TCP.
    #[test]
    fn tcp_inside_tunnels_is_decoded_with_its_tunnel() {
        let rst = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        let syn = ipv4(&tcp_seg(SYN, &[], &[]));
        let ack = ipv4(&tcp_seg(TcpFlags::ACK, &[], b"data"));
        let rst6 = ipv6(IPPROTO_TCP, &tcp_seg(RST_ACK, &[], &[]));
        let frame_of = |inner: &[u8]| ethernet(0x0800, &ipv4_of(IPPROTO_IPIP, inner));
        assert_eq!(
            inside(1, &frame_of(&rst)),
            tunnelled(Tunnel::IpInIp, Inner::Reset)
        );
        assert_eq!(
            inside(1, &frame_of(&syn)),
            tunnelled(Tunnel::IpInIp, Inner::Attempt)
        );
        assert_eq!(
            inside(1, &frame_of(&ack)),
            tunnelled(Tunnel::IpInIp, Inner::Segment)
        );
        // 6in4, and IPv4 in IPv6.
        let six_in_four = ipv4_of(IPPROTO_IPV6, &rst6);
        assert_eq!(
            inside(101, &six_in_four),
            tunnelled(Tunnel::IpInIp, Inner::Reset)
        );
        assert_eq!(
            inside(229, &ipv6(IPPROTO_IPIP, &rst)),
            tunnelled(Tunnel::IpInIp, Inner::Reset)
        );
        // GRE: plain, with checksum, key and sequence number, carrying IPv6, and Ethernet.
        for flags in [0, 0x8000, 0x2000, 0x3000, 0xb000] {
            let g = ipv4_of(IPPROTO_GRE, &gre_of(flags, 0x0800, &rst));
            assert_eq!(
                inside(101, &g),
                tunnelled(Tunnel::Gre, Inner::Reset),
                "flags {flags:#x}"
            );
        }
        let g6 = ipv4_of(IPPROTO_GRE, &gre_of(0, 0x86dd, &rst6));
        assert_eq!(inside(101, &g6), tunnelled(Tunnel::Gre, Inner::Reset));
        let teb = ipv4_of(
            IPPROTO_GRE,
            &gre_of(0x2000, 0x6558, &ethernet(0x0800, &syn)),
        );
        assert_eq!(inside(101, &teb), tunnelled(Tunnel::Gre, Inner::Attempt));
        // ERSPAN type I (no sequence number, no header), II (8 bytes), III (12, and 20 with
        // its platform subheader).
        let mirrored = ethernet(0x0800, &rst);
        let type_1 = ipv4_of(IPPROTO_GRE, &gre_of(0, 0x88be, &mirrored));
        let type_2 = ipv4_of(
            IPPROTO_GRE,
            &gre_of(0x1000, 0x88be, &cat(&[&[0x10; 8], &mirrored])),
        );
        let mut header_3 = [0u8; 12];
        header_3[0] = 0x20;
        let type_3 = ipv4_of(
            IPPROTO_GRE,
            &gre_of(0x1000, 0x22eb, &cat(&[&header_3, &mirrored])),
        );
        header_3[11] = 0x01;
        let type_3_sub = ipv4_of(
            IPPROTO_GRE,
            &gre_of(0x1000, 0x22eb, &cat(&[&header_3, &[0; 8], &mirrored])),
        );
        for (n, g) in [type_1, type_2, type_3, type_3_sub].iter().enumerate() {
            assert_eq!(
                inside(101, g),
                tunnelled(Tunnel::Erspan, Inner::Reset),
                "ERSPAN {n}"
            );
        }
        // VXLAN on both ports (with a VLAN tag inside), Geneve with options, over IPv6 too.
        let vxlan_header = [0x08, 0, 0, 0, 0, 0, 42, 0];
        let tagged = ethernet(0x8100, &cat(&[&[0, 7, 0x08, 0x00], &syn]));
        let vx = ipv4_of(IPPROTO_UDP, &udp(4789, &cat(&[&vxlan_header, &tagged])));
        assert_eq!(inside(101, &vx), tunnelled(Tunnel::Vxlan, Inner::Attempt));
        let vx8472 = ipv6(
            IPPROTO_UDP,
            &udp(8472, &cat(&[&vxlan_header, &ethernet(0x86dd, &rst6)])),
        );
        assert_eq!(
            inside(229, &vx8472),
            tunnelled(Tunnel::VxlanLinux, Inner::Reset)
        );
        let geneve = |protocol: u16, body: &[u8]| {
            let mut h = vec![0x02, 0, 0, 0, 0, 0, 7, 0];
            h[2..4].copy_from_slice(&protocol.to_be_bytes());
            ipv4_of(IPPROTO_UDP, &udp(6081, &cat(&[&h, &[0xee; 8], body])))
        };
        assert_eq!(
            inside(101, &geneve(0x6558, &ethernet(0x0800, &rst))),
            tunnelled(Tunnel::Geneve, Inner::Reset)
        );
        assert_eq!(
            inside(101, &geneve(0x0800, &ack)),
            tunnelled(Tunnel::Geneve, Inner::Segment)
        );
        // A tunnel inside a tunnel is looked through, once: named by the outer one.
        let nested = ipv4_of(
            IPPROTO_GRE,
            &gre_of(0, 0x0800, &ipv4_of(IPPROTO_IPIP, &rst)),
        );
        assert_eq!(inside(101, &nested), tunnelled(Tunnel::Gre, Inner::Reset));
        let deeper = ipv4_of(IPPROTO_IPIP, &nested);
        assert_eq!(decode_as(101, &deeper), Decoded::Other);
    }

    /// The overlay network a tunnelled segment came in (part of its endpoints' identity: two
    /// tenants may number their machines alike) is read from its tunnel: VXLAN's VNI on either
    /// port, Geneve's, GRE's key (after the checksum where there is one); the innermost one
    /// that names a network where tunnels nest; none for IP-in-IP, keyless GRE, ERSPAN and TCP
    /// straight in IP. Its bytes are where the filters' check looks, and the packet's line
    /// names it with the outer addresses.
    #[test]
    fn the_overlay_network_is_read_from_the_tunnel() {
        let rst = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        let overlay_of = |data: &[u8]| match decode_encap(&frame(101, data)) {
            (Decoded::Tcp(p), e) => {
                let t = e.tunnel.expect("a tunnel");
                assert_eq!(t.overlay, p.overlay);
                (p.overlay, t.overlay_at)
            }
            other => panic!("{other:?}"),
        };
        let vni = Overlay::of;
        let vxlan_header = [0x08, 0, 0, 0, 0, 0x01, 0x02, 0];
        let vx = ipv4_of(
            IPPROTO_UDP,
            &udp(4789, &cat(&[&vxlan_header, &ethernet(0x0800, &rst)])),
        );
        let (o, at) = overlay_of(&vx);
        assert_eq!(o, vni(OverlayKind::Vxlan, 0x0102));
        // Outer IPv4 20, UDP 8, the VXLAN header's first word 4.
        assert_eq!(
            (at.offset, at.len, at.mask, at.value),
            (32, 4, 0xffff_ff00, 0x0102 << 8)
        );
        assert_eq!(o.words(), "VXLAN vni 258");
        assert_eq!(
            tunnel_words(&frame(101, &vx)).as_deref(),
            Some("VXLAN vni 258 192.0.2.1 > 198.51.100.7")
        );
        let vx8472 = ipv4_of(
            IPPROTO_UDP,
            &udp(8472, &cat(&[&vxlan_header, &ethernet(0x0800, &rst)])),
        );
        assert_eq!(overlay_of(&vx8472).0, vni(OverlayKind::Vxlan, 0x0102));
        let geneve = ipv4_of(
            IPPROTO_UDP,
            &udp(6081, &cat(&[&[0, 0, 0x08, 0x00, 0, 0, 7, 0], &rst])),
        );
        assert_eq!(overlay_of(&geneve).0, vni(OverlayKind::Geneve, 7));
        // gre_of writes 0xa5 bytes for each optional field: the key is the word after the
        // checksum's where both are there.
        for (flags, key_at) in [(0x2000, 24), (0xa000, 28), (0x3000, 24)] {
            let g = ipv4_of(IPPROTO_GRE, &gre_of(flags, 0x0800, &rst));
            let (o, at) = overlay_of(&g);
            assert_eq!(o, vni(OverlayKind::GreKey, 0xa5a5_a5a5), "flags {flags:#x}");
            assert_eq!(at.offset, key_at, "flags {flags:#x}");
        }
        for plain in [
            ipv4_of(IPPROTO_GRE, &gre_of(0, 0x0800, &rst)),
            ipv4_of(IPPROTO_IPIP, &rst),
        ] {
            assert_eq!(overlay_of(&plain), (Overlay::NONE, Guard::default()));
        }
        assert_eq!(
            tunnel_words(&frame(101, &ipv4_of(IPPROTO_IPIP, &rst))).as_deref(),
            Some("IP-in-IP 192.0.2.1 > 198.51.100.7")
        );
        // The network nearest TCP: VXLAN inside a keyed GRE tunnel is the VXLAN's.
        let nested = ipv4_of(IPPROTO_GRE, &gre_of(0x2000, 0x0800, &vx));
        assert_eq!(overlay_of(&nested).0, vni(OverlayKind::Vxlan, 0x0102));
        assert_eq!(tunnel_words(&frame(101, &rst)), None);
        match decode(&frame(101, &rst)) {
            Decoded::Tcp(p) => assert!(p.overlay.is_none()),
            other => panic!("{other:?}"),
        }
    }

    /// The network layer a copy is compared by: a tunnel's packet by the packet inside (the
    /// same bytes as its copy unwrapped on the tunnel's device), TCP straight in IP and any
    /// other datagram as they are.
    #[test]
    fn the_innermost_network_layer_is_the_packet_inside_a_tunnel() {
        let inner = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        let vxlan_header = [0x08, 0, 0, 0, 0, 0, 42, 0];
        let outer = ipv4_of(
            IPPROTO_UDP,
            &udp(4789, &cat(&[&vxlan_header, &ethernet(0x0800, &inner)])),
        );
        let wrapped = ethernet(0x0800, &outer);
        let unwrapped = ethernet(0x0800, &inner);
        let l3 = |f: &[u8]| innermost_network_layer(&frame(1, f)).map(|n| n.bytes().to_vec());
        assert_eq!(l3(&wrapped), Some(inner.clone()));
        assert_eq!(l3(&unwrapped), Some(inner.clone()));
        // Two deep: IP-in-IP inside the VXLAN.
        let deeper = ipv4_of(
            IPPROTO_UDP,
            &udp(
                4789,
                &cat(&[
                    &vxlan_header,
                    &ethernet(0x0800, &ipv4_of(IPPROTO_IPIP, &inner)),
                ]),
            ),
        );
        assert_eq!(l3(&ethernet(0x0800, &deeper)), Some(inner.clone()));
        // UDP to another port is no tunnel.
        let dns = ipv4_of(IPPROTO_UDP, &udp(53, &[0; 12]));
        assert_eq!(l3(&ethernet(0x0800, &dns)), Some(dns.clone()));
    }

    /// The segment inside a VXLAN tunnel is the inner addresses' and ports' (the outer ones
    /// changed here to tell them apart), its carriage says where the inner IP header is and
    /// how to tell the tunnel's frames by offsets; an inner header cut short is counted as
    /// tunnelled TCP not analyzed.
    #[test]
    fn a_segment_inside_vxlan_is_the_inner_flow_s() {
        let inner = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        let vxlan_header = [0x08, 0, 0, 0, 0, 0, 42, 0];
        let mut outer = ipv4_of(
            IPPROTO_UDP,
            &udp(4789, &cat(&[&vxlan_header, &ethernet(0x0800, &inner)])),
        );
        outer[12..20].copy_from_slice(&[192, 168, 0, 10, 192, 168, 0, 11]);
        let f = ethernet(0x0800, &outer);
        let (decoded, e) = decode_encap(&frame(1, &f));
        let Decoded::Tcp(p) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!((p.src, p.dst), (IpAddr::from(V4_SRC), IpAddr::from(V4_DST)));
        assert_eq!((p.sport, p.dport), (40000, 80));
        assert!(p.flags.rst());
        // Ethernet 14, IPv4 20, UDP 8, VXLAN 8, Ethernet 14.
        assert_eq!(usize::from(e.ip_offset), 64);
        assert!(e.raw && !e.ipv6);
        assert_eq!(
            e.tunnel,
            Some(TunnelAt {
                tunnel: Tunnel::Vxlan,
                v4_before: 1,
                v6_before: 0,
                overlay: e.tunnel.map(|t| t.overlay).unwrap_or_default(),
                overlay_at: e.tunnel.map(|t| t.overlay_at).unwrap_or_default(),
            })
        );
        // The UDP port, then the outer protocol.
        assert_eq!((e.guards[0].offset, e.guards[0].value), (36, 4789));
        assert_eq!((e.guards[1].offset, e.guards[1].value), (23, 17));
        let cut = &f[..f.len() - 4];
        assert_eq!(
            decode_as(1, cut),
            Decoded::Skipped(Skip::Tunnelled {
                tunnel: Tunnel::Vxlan,
                inner: Inner::Reset
            })
        );
    }

    /// What is no tunnel's TCP stays other traffic: other protocols and ports, tunnels holding
    /// no TCP, headers that do not fit, later fragments; and a TCP frame decodes as before.
    #[test]
    fn tunnels_without_tcp_and_other_protocols_are_other() {
        let rst = ipv4(&tcp_seg(RST_ACK, &[], &[]));
        // Other UDP ports (Teredo's, DNS), ICMP, ESP.
        for (protocol, body) in [
            (IPPROTO_UDP, udp(3544, &rst)),
            (IPPROTO_UDP, udp(53, &rst)),
            (1, rst.clone()),
            (50, rst.clone()),
        ] {
            assert_eq!(
                decode_as(101, &ipv4_of(protocol, &body)),
                Decoded::Other,
                "{protocol}"
            );
        }
        let udp_inside = ipv4_of(IPPROTO_UDP, &udp(53, &[0; 12]));
        for body in [
            // UDP in IP-in-IP; ARP in GRE's Ethernet.
            ipv4_of(IPPROTO_IPIP, &udp_inside),
            ipv4_of(IPPROTO_GRE, &gre_of(0, 0x6558, &ethernet(0x0806, &[0; 28]))),
            // GRE version 1 (PPTP), GRE with routing, an unknown GRE protocol.
            ipv4_of(IPPROTO_GRE, &gre_of(0x0001, 0x0800, &rst)),
            ipv4_of(IPPROTO_GRE, &gre_of(0x4000, 0x0800, &rst)),
            ipv4_of(IPPROTO_GRE, &gre_of(0, 0x1234, &rst)),
            // VXLAN without its I flag; Geneve of another version.
            ipv4_of(
                IPPROTO_UDP,
                &udp(4789, &cat(&[&[0; 8], &ethernet(0x0800, &rst)])),
            ),
            ipv4_of(
                IPPROTO_UDP,
                &udp(6081, &cat(&[&[0x40, 0, 0x08, 0, 0, 0, 0, 0], &rst])),
            ),
            // Cut short: in the GRE header, the VXLAN header, the inner TCP header.
            ipv4_of(IPPROTO_GRE, &[0, 0]),
            ipv4_of(IPPROTO_UDP, &udp(4789, &[0x08, 0, 0])),
            ipv4_of(IPPROTO_IPIP, &rst[..rst.len() - 10]),
            // An inner later fragment: no TCP header.
            ipv4_of(
                IPPROTO_IPIP,
                &ipv4_with(
                    &V4 {
                        flags_fragment: 0x0010,
                        ..V4::default()
                    },
                    &[0; 20],
                ),
            ),
        ] {
            assert_eq!(decode_as(101, &body), Decoded::Other, "{body:02x?}");
        }
        let direct = expect_tcp(101, &rst);
        assert!(direct.flags.rst());
    }

    // ---- link types admins bring from Wi-Fi, serial lines, firewalls and capture cards

    const SNAP_IPV4: [u8; 8] = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];

    /// An 802.11 data frame (`fc0`: type and subtype, `fc1`: flags) of `header_len` bytes.
    fn dot11(fc0: u8, fc1: u8, header_len: usize, body: &[u8]) -> Vec<u8> {
        let mut f = vec![fc0, fc1];
        f.resize(header_len, 0);
        f.extend_from_slice(body);
        f
    }

    fn encap_of(link: u32, data: &[u8]) -> Encap {
        match decode_encap(&frame(link, data)) {
            (Decoded::Tcp(_), e) => e,
            (other, _) => panic!("expected TCP, got {other:?}"),
        }
    }

    #[test]
    fn ieee802_11_data_frames_of_every_header_length() {
        let body = cat(&[&SNAP_IPV4, &ipv4(&tcp_seg(RST_ACK, &[], &[]))]);
        // Data to the AP, QoS data from the AP, QoS between two distribution systems, QoS
        // with an HT control field.
        for (fc0, fc1, len, raw) in [
            (0x08, 0x01, 24, false),
            (0x88, 0x02, 26, false),
            (0x88, 0x03, 32, true),
            (0x88, 0x81, 30, true),
        ] {
            let data = dot11(fc0, fc1, len, &body);
            assert_v4_segment(&expect_tcp(105, &data), RST_ACK, &[]);
            let e = encap_of(105, &data);
            assert_eq!(
                (e.raw, usize::from(e.ip_offset)),
                (raw, len + 8),
                "{fc0:#x} {fc1:#x}"
            );
        }
    }

    #[test]
    fn ieee802_11_frames_without_tcp_or_unreadable() {
        let body = cat(&[&SNAP_IPV4, &ipv4(&tcp_seg(SYN, &[], &[]))]);
        // Beacon, null function: no TCP.
        assert_eq!(
            decode_as(105, &dot11(0x80, 0, 24, &[0; 12])),
            Decoded::Other
        );
        assert_eq!(decode_as(105, &dot11(0x48, 0x01, 24, &[])), Decoded::Other);
        // Protected: encrypted.
        assert_eq!(
            decode_as(105, &dot11(0x08, 0x41, 24, &body)),
            Decoded::Skipped(Skip::Encrypted)
        );
        // An A-MSDU (QoS control bit 7).
        let mut amsdu = dot11(0x88, 0x02, 26, &body);
        amsdu[24] = 0x80;
        assert_eq!(decode_as(105, &amsdu), Decoded::Skipped(Skip::Aggregate));
        // Not SNAP (spanning tree's LLC).
        assert_eq!(
            decode_as(
                105,
                &dot11(0x08, 0x01, 24, &[0x42, 0x42, 0x03, 0, 0, 0, 0, 0])
            ),
            Decoded::Other
        );
    }

    #[test]
    fn radiotap_length_and_datapad() {
        let frame80211 = dot11(0x88, 0x02, 26, &[]);
        let body = cat(&[&SNAP_IPV4, &ipv4(&tcp_seg(SYN, &[], &[]))]);
        // TSFT + Flags present: flags at offset 16 (TSFT aligned to 8).
        let radiotap = |len: u16, flags: u8| {
            let mut h = vec![0, 0];
            h.extend_from_slice(&len.to_le_bytes());
            h.extend_from_slice(&0b11u32.to_le_bytes());
            h.extend_from_slice(&[0; 8]);
            h.push(flags);
            h.resize(usize::from(len), 0);
            h
        };
        let plain = cat(&[&radiotap(17, 0), &frame80211, &body]);
        assert_eq!(usize::from(encap_of(127, &plain).ip_offset), 17 + 26 + 8);
        // DATAPAD: the 26-byte QoS header is padded to 28.
        let padded = cat(&[&radiotap(20, 0x20), &frame80211, &[0, 0], &body]);
        let e = encap_of(127, &padded);
        assert_eq!(
            (usize::from(e.ip_offset), e.link_base, e.raw),
            (20 + 28 + 8, 20, false)
        );
        // A radiotap length shorter than its fixed fields, or past the frame.
        let mut short = radiotap(17, 0);
        short[2] = 6;
        assert_eq!(decode_as(127, &short), Decoded::Skipped(Skip::Malformed));
        assert_eq!(
            decode_as(127, &radiotap(17, 0)[..10]),
            Decoded::Skipped(Skip::Truncated)
        );
    }

    #[test]
    fn ppi_carrying_802_11_or_ethernet() {
        let ppi = |dlt: u32| {
            let mut h = vec![0, 0, 8, 0];
            h.extend_from_slice(&dlt.to_le_bytes());
            h
        };
        let seg = ipv4(&tcp_seg(SYN, &[], &[]));
        let wifi = cat(&[&ppi(105), &dot11(0x08, 0x01, 24, &cat(&[&SNAP_IPV4, &seg]))]);
        assert_v4_segment(&expect_tcp(192, &wifi), SYN, &[]);
        let eth = cat(&[&ppi(1), &ethernet(0x0800, &seg)]);
        assert_v4_segment(&expect_tcp(192, &eth), SYN, &[]);
        assert!(encap_of(192, &eth).raw);
        assert_eq!(
            decode_as(192, &cat(&[&ppi(6), &[0; 40]])),
            Decoded::Skipped(Skip::UnsupportedLinkType(LinkType(6)))
        );
    }

    #[test]
    fn ppp_with_and_without_address_control_and_cisco_hdlc() {
        let v4 = ipv4(&tcp_seg(SYN, &[], &[]));
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        for link in [9, 50] {
            let e = encap_of(link, &cat(&[&[0xff, 0x03, 0x00, 0x21], &v4]));
            assert!(!e.raw);
            assert_v6_segment(
                &expect_tcp(link, &cat(&[&[0xff, 0x03, 0x00, 0x57], &v6])),
                SYN,
                &[],
            );
            // Address and control compressed away; then the protocol too (one byte).
            assert!(encap_of(link, &cat(&[&[0x00, 0x21], &v4])).raw);
            assert_v4_segment(&expect_tcp(link, &cat(&[&[0x21], &v4])), SYN, &[]);
            // LCP.
            assert_eq!(
                decode_as(link, &[0xff, 0x03, 0xc0, 0x21, 9, 1, 0, 4]),
                Decoded::Other
            );
        }
        assert_v4_segment(
            &expect_tcp(104, &cat(&[&[0x0f, 0x00, 0x08, 0x00], &v4])),
            SYN,
            &[],
        );
        // SLARP keepalive.
        assert_eq!(
            decode_as(104, &[0x8f, 0x00, 0x80, 0x35, 0, 0, 0, 2]),
            Decoded::Other
        );
        // Cisco HDLC in a PPP-in-HDLC capture.
        assert_v4_segment(
            &expect_tcp(50, &cat(&[&[0x0f, 0x00, 0x08, 0x00], &v4])),
            SYN,
            &[],
        );
    }

    fn nflog_tlv(big_endian: bool, kind: u16, value: &[u8]) -> Vec<u8> {
        let len = u16::try_from(4 + value.len()).expect("small");
        let mut t = if big_endian {
            [len.to_be_bytes(), kind.to_be_bytes()].concat()
        } else {
            [len.to_le_bytes(), kind.to_le_bytes()].concat()
        };
        t.extend_from_slice(value);
        t.resize(t.len().next_multiple_of(4), 0);
        t
    }

    #[test]
    fn nflog_payload_after_tlvs_in_either_byte_order() {
        let seg = ipv6(6, &tcp_seg(RST_ACK, &[], &[]));
        for be in [false, true] {
            let data = cat(&[
                &[10, 0, 0, 1],
                &nflog_tlv(be, 1, &[0x86, 0xdd, 1, 0]),
                &nflog_tlv(be, 10, b"refused\0"),
                &nflog_tlv(be, 9, &seg),
            ]);
            assert_v6_segment(&expect_tcp(239, &data), RST_ACK, &[]);
            assert_eq!(usize::from(encap_of(239, &data).ip_offset), 4 + 8 + 12 + 4);
        }
        // No payload TLV, a TLV shorter than its header.
        let hdr_only = cat(&[&[2, 0, 0, 1], &nflog_tlv(false, 1, &[8, 0, 1, 0])]);
        assert_eq!(decode_as(239, &hdr_only), Decoded::Skipped(Skip::Truncated));
        assert_eq!(
            decode_as(239, &[2, 0, 0, 1, 8, 0, 1, 0, 0, 0, 0, 0, 2, 0, 9, 0]),
            Decoded::Skipped(Skip::Malformed)
        );
    }

    #[test]
    fn pktap_header_then_its_dlt() {
        let pktap = |len: u32, kind: u32, dlt: u32| {
            let mut h = [len.to_le_bytes(), kind.to_le_bytes(), dlt.to_le_bytes()].concat();
            h.resize(len as usize, 0);
            h
        };
        let seg = ipv4(&tcp_seg(SYN, &[], &[]));
        let eth = cat(&[&pktap(156, 1, 1), &ethernet(0x0800, &seg)]);
        assert_v4_segment(&expect_tcp(258, &eth), SYN, &[]);
        let null = cat(&[&pktap(108, 1, 0), &2u32.to_le_bytes(), &seg]);
        let e = encap_of(258, &null);
        assert_eq!((e.raw, usize::from(e.ip_offset)), (true, 112));
        // Not a packet record; a header that names itself.
        assert_eq!(
            decode_as(258, &cat(&[&pktap(108, 2, 1), &seg])),
            Decoded::Other
        );
        assert_eq!(
            decode_as(258, &pktap(8, 1, 1)),
            Decoded::Skipped(Skip::Truncated)
        );
        assert_eq!(
            decode_as(258, &cat(&[&pktap(108, 1, 258), &seg])),
            Decoded::Skipped(Skip::Malformed)
        );
    }

    /// IP over InfiniBand as Linux writes it (tcpdump's ipoib.pcap): 40 bytes of addresses,
    /// then the protocol type and 2 reserved bytes.
    #[test]
    fn ipoib_after_its_addresses() {
        let ipoib = |protocol: u16, payload: &[u8]| {
            cat(&[&[0; 40], &protocol.to_be_bytes(), &[0, 0], payload])
        };
        let seg = ipv4(&tcp_seg(SYN, &[], &[]));
        assert_v4_segment(&expect_tcp(242, &ipoib(0x0800, &seg)), SYN, &[]);
        let e = encap_of(242, &ipoib(0x0800, &seg));
        assert_eq!((e.raw, usize::from(e.ip_offset)), (true, 44));
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        assert_v6_segment(&expect_tcp(242, &ipoib(0x86dd, &v6)), SYN, &[]);
        assert_eq!(decode_as(242, &ipoib(0x0806, &[0; 28])), Decoded::Other);
        assert_eq!(
            decode_as(242, &ipoib(0x4500, &seg)),
            Decoded::Skipped(Skip::UnknownProtocol)
        );
        assert_eq!(
            decode_as(242, &ipoib(0x0800, &seg)[..43]),
            Decoded::Skipped(Skip::Truncated)
        );
    }

    /// Regression (trial): a snoop file of an IPoIB interface (its type 26) was "snoop link
    /// type 26", not decoded: its frames are the 4-byte header alone before IP, as
    /// Wireshark's snoop reader gives them to its IPoIB dissector.
    #[test]
    fn ipoib_of_snoop_without_addresses() {
        let lt = SNOOP_LINK | 26;
        let ipoib =
            |protocol: u16, payload: &[u8]| cat(&[&protocol.to_be_bytes(), &[0, 0], payload]);
        let seg = ipv4(&tcp_seg(SYN, &[], &[]));
        assert_v4_segment(&expect_tcp(lt, &ipoib(0x0800, &seg)), SYN, &[]);
        let e = encap_of(lt, &ipoib(0x0800, &seg));
        assert_eq!((e.raw, usize::from(e.ip_offset)), (true, 4));
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        assert_v6_segment(&expect_tcp(lt, &ipoib(0x86dd, &v6)), SYN, &[]);
        assert_eq!(decode_as(lt, &ipoib(0x0806, &[0; 28])), Decoded::Other);
        assert_eq!(
            decode_as(lt, &ipoib(0x0800, &seg)[..3]),
            Decoded::Skipped(Skip::Truncated)
        );
        assert_eq!(
            decode_as(SNOOP_LINK | 27, &ipoib(0x0800, &seg)),
            Decoded::Skipped(Skip::UnsupportedLinkType(LinkType(SNOOP_LINK | 27)))
        );
    }

    #[test]
    fn erf_records_by_type() {
        let erf = |kind: u8, ext: &[u8], payload: &[u8]| {
            let mut r = vec![0u8; 8];
            r.extend_from_slice(&[kind, 0x04]);
            r.extend_from_slice(&[0; 6]);
            r.extend_from_slice(ext);
            r.extend_from_slice(payload);
            r
        };
        let seg = ipv4(&tcp_seg(SYN, &[], &[]));
        let eth = cat(&[&[0, 0], &ethernet(0x0800, &seg)]);
        for kind in [2, 11, 16, 20] {
            assert_v4_segment(&expect_tcp(197, &erf(kind, &[], &eth)), SYN, &[]);
        }
        // Two extension headers, the first saying another follows.
        let two = erf(
            0x82,
            &[0x83, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 1],
            &eth,
        );
        assert_eq!(usize::from(encap_of(197, &two).ip_offset), 16 + 16 + 2 + 14);
        assert_v4_segment(&expect_tcp(197, &erf(22, &[], &seg)), SYN, &[]);
        let v6 = ipv6(6, &tcp_seg(SYN, &[], &[]));
        assert_v6_segment(&expect_tcp(197, &erf(23, &[], &v6)), SYN, &[]);
        // PoS HDLC carrying PPP.
        let pos = cat(&[&[0xff, 0x03, 0x00, 0x21], &seg]);
        assert_v4_segment(&expect_tcp(197, &erf(1, &[], &pos)), SYN, &[]);
        assert_eq!(decode_as(197, &erf(27, &[], &[0; 16])), Decoded::Other);
        assert_eq!(
            decode_as(197, &erf(3, &[], &[0; 52])),
            Decoded::Skipped(Skip::ErfRecordType(3))
        );
    }

    #[test]
    fn shims_and_ipv6_extensions_are_noted_for_the_filters() {
        let seg = tcp_seg(SYN, &[], &[]);
        let qinq = ethernet(
            0x9100,
            &cat(&[&vlan_tag(20, 0x8100), &vlan_tag(30, 0x0800), &ipv4(&seg)]),
        );
        let e = encap_of(1, &qinq);
        assert_eq!(
            e.shims.iter().collect::<Vec<_>>(),
            [crate::packet::Shim::Vlan; 2]
        );
        assert_eq!(usize::from(e.ip_offset), 22);
        let hbh = ipv6(0, &cat(&[&ext(6, 0, 8), &seg]));
        let e = encap_of(229, &hbh);
        let x = e.v6_ext.expect("extension headers");
        assert_eq!(
            (x.first, x.last_at, x.tcp_at, x.fragment_at),
            (0, 40, 48, None)
        );
        assert!(encap_of(229, &ipv6(6, &seg)).v6_ext.is_none());
    }

    // ---- robustness

    #[test]
    fn every_prefix_and_mutation_decodes_without_panic() {
        let v4 = ipv4_with(
            &V4 {
                options: vec![1u8; 4],
                flags_fragment: 0x2000,
                ..V4::default()
            },
            &tcp_seg(RST_ACK, &[1, 1, 1, 1], b"payload"),
        );
        let v6 = ipv6(
            0,
            &cat(&[
                &ext(44, 0, 8),
                &[6, 0, 0, 1, 0, 0, 0, 1],
                &tcp_seg(SYN, &[], b"x"),
            ]),
        );
        let samples: Vec<(u32, Vec<u8>)> = vec![
            (1, ethernet(0x8100, &cat(&[&vlan_tag(3, 0x0800), &v4]))),
            (1, ethernet(0x8847, &cat(&[&[0, 1, 1, 64], &v6[..]]))),
            (113, sll(0x86dd, &v6)),
            (276, sll2(0x0800, &v4)),
            (0, cat(&[&30u32.to_le_bytes(), &v6])),
            (108, cat(&[&2u32.to_be_bytes(), &v4])),
            (101, v6.clone()),
            (228, v4.clone()),
            (105, dot11(0x88, 0x03, 32, &cat(&[&SNAP_IPV4, &v4]))),
            (9, cat(&[&[0xff, 0x03, 0x00, 0x57], &v6])),
            (104, cat(&[&[0x0f, 0x00, 0x08, 0x00], &v4])),
            (
                239,
                cat(&[
                    &[2, 0, 0, 1],
                    &nflog_tlv(false, 10, b"x"),
                    &nflog_tlv(false, 9, &v4),
                ]),
            ),
            (
                197,
                cat(&[
                    &[0u8; 8],
                    &[0x82, 4, 0, 0, 0, 0, 0, 0],
                    &[3, 0, 0, 0, 0, 0, 0, 0],
                    &[0, 0],
                    &ethernet(0x0800, &v4),
                ]),
            ),
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (link, data) in &samples {
            for len in 0..=data.len() {
                let _ = decode_as(*link, &data[..len]);
            }
            for _ in 0..2000 {
                let mut mutated = data.clone();
                for _ in 0..1 + next() % 4 {
                    let at = usize::try_from(next() % mutated.len() as u64).expect("index");
                    mutated[at] = u8::try_from(next() & 0xff).expect("byte");
                }
                if let Decoded::Tcp(p) = decode_as(*link, &mutated) {
                    assert!(p.payload.len() <= p.payload_len as usize);
                }
            }
        }
    }
}
