//! The link layer: from the start of a frame to its IPv4 or IPv6 header, for every link type
//! rstscope decodes. One walk, used by the decoder and by the duplicate check of live capture
//! and of multi-interface files (`source::dedupe`), so both agree on where IP starts.
//!
//! Besides the IP header, the walk notes how it got there ([`Encap`]): the shim layers (VLAN,
//! MPLS, PPPoE) and, for framings a BPF compiler cannot parse, the offset of IP and the bytes
//! that identify the layout. The endpoint filters of `report::filters` are written from it.
//!
//! Sources for the layouts: tcpdump.org's LINKTYPE_ registry pages (NULL, LOOP, SLL, SLL2,
//! PPP, PPP_HDLC, C_HDLC, IEEE802_11, IEEE802_11_RADIOTAP, PPI, NFLOG, PKTAP, ERF, FDDI, IPOIB), IEEE 802.11-2020 §9.2 (MAC frame format), radiotap.org (header, field alignment,
//! the Flags field), the PPI specification (CACE Technologies), Linux's
//! `include/uapi/linux/netfilter/nfnetlink_log.h` (NFLOG TLVs), Apple's `net/pktap.h` (the
//! PKTAP header) and Endace's ERF types document (record types, extension headers, the 2-byte
//! pad before Ethernet). IP over InfiniBand: RFC 4391 §6 (the 4-byte encapsulation header) and
//! how tcpdump and Wireshark read LINKTYPE_IPOIB files (a 40-byte address header before it);
//! Wireshark's snoop reader and IPoIB dissector for snoop's InfiniBand type (26, the 4-byte
//! header alone).

use super::{MALFORMED, Skip, Stop, TRUNCATED};
use crate::packet::{Guard, Shim, Shims};
use crate::source::LinkType;

// LINKTYPE_ values from tcpdump.org's registry.
pub(super) const LINKTYPE_NULL: u32 = 0;
pub(super) const LINKTYPE_ETHERNET: u32 = 1;
pub(super) const LINKTYPE_PPP: u32 = 9;
pub(super) const LINKTYPE_FDDI: u32 = 10;
/// DLT_RAW as old libpcap wrote it into files on most platforms.
pub(super) const DLT_RAW_12: u32 = 12;
/// DLT_RAW as old libpcap wrote it into files on OpenBSD.
pub(super) const DLT_RAW_14: u32 = 14;
pub(super) const LINKTYPE_PPP_HDLC: u32 = 50;
pub(super) const LINKTYPE_RAW: u32 = 101;
pub(super) const LINKTYPE_C_HDLC: u32 = 104;
pub(super) const LINKTYPE_IEEE802_11: u32 = 105;
pub(super) const LINKTYPE_LOOP: u32 = 108;
pub(super) const LINKTYPE_LINUX_SLL: u32 = 113;
pub(super) const LINKTYPE_IEEE802_11_RADIOTAP: u32 = 127;
pub(super) const LINKTYPE_PPI: u32 = 192;
pub(super) const LINKTYPE_ERF: u32 = 197;
pub(super) const LINKTYPE_IPV4: u32 = 228;
pub(super) const LINKTYPE_IPV6: u32 = 229;
pub(super) const LINKTYPE_NFLOG: u32 = 239;
pub(super) const LINKTYPE_IPOIB: u32 = 242;
/// A snoop file's InfiniBand (its `datalink` 26): IP over InfiniBand without the addresses
/// LINKTYPE_IPOIB has before the header (Solaris' snoop on an IPoIB interface).
pub(super) const SNOOP_IPOIB: u32 = crate::source::file::SNOOP_LINK | 26;
pub(super) const LINKTYPE_PKTAP: u32 = 258;
pub(super) const LINKTYPE_LINUX_SLL2: u32 = 276;

/// The network-layer packet behind the link header: its captured bytes, to the frame's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net<'a> {
    /// An IPv4 header and what follows it.
    V4(&'a [u8]),
    /// An IPv6 header and what follows it.
    V6(&'a [u8]),
}

impl<'a> Net<'a> {
    /// The bytes from the IP header on.
    pub fn bytes(&self) -> &'a [u8] {
        match self {
            Net::V4(b) | Net::V6(b) => b,
        }
    }
}

/// What the walk learned beyond the IP bytes (see [`Encap`](crate::packet::Encap)).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Walk {
    pub(super) shims: Shims,
    /// A BPF compiler cannot find IP in this framing by its link type's keywords.
    pub(super) raw: bool,
    /// Where a filter's `link[0]` is in the frame (after a radiotap or PPI header).
    pub(super) link_base: usize,
    /// A check on the link header that tells this layout from others of its link type.
    pub(super) guard: Option<(usize, usize, u32)>,
    /// What the bytes just before IP are, for a second check.
    pub(super) before: Before,
}

/// The field just before the IP header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Before {
    /// Nothing (raw IP) or nothing worth checking.
    #[default]
    Nothing,
    /// A 16-bit Ethernet type or PPP protocol.
    Type16,
    /// A one-byte PPP protocol (protocol field compression).
    Type8,
    /// An MPLS label: only its bottom-of-stack bit is fixed.
    MplsLabel,
    /// A 32-bit address family (NULL, LOOP).
    Family32,
}

impl Walk {
    /// The guards of [`Encap`](crate::packet::Encap), now that IP is known to start at
    /// `ip_offset` of `frame`.
    pub(super) fn guards(&self, frame: &[u8], ip_offset: usize) -> [Guard; 2] {
        let first = match self.guard {
            Some((offset, len, mask)) => Guard::of(frame, offset, len, mask),
            None => Guard::default(),
        };
        let before = match self.before {
            Before::Nothing => Guard::default(),
            Before::Type16 => Guard::of(frame, ip_offset.wrapping_sub(2), 2, 0xffff),
            Before::Type8 => Guard::of(frame, ip_offset.wrapping_sub(1), 1, 0xff),
            Before::MplsLabel => Guard::of(frame, ip_offset.wrapping_sub(2), 1, 0x01),
            Before::Family32 => Guard::of(frame, ip_offset.wrapping_sub(4), 4, 0xffff_ffff),
        };
        [first, before]
    }
}

/// The IP layer of a frame of link type `lt`.
pub(super) fn link<'a>(lt: LinkType, data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    match lt.0 {
        LINKTYPE_ETHERNET => ethernet(data, walk),
        LINKTYPE_LINUX_SLL => {
            // packet type, ARPHRD type, address length, 8 address bytes, protocol.
            let (h, rest) = data.split_first_chunk::<16>().ok_or(TRUNCATED)?;
            by_ethertype(u16::from_be_bytes([h[14], h[15]]), rest, walk)
        }
        LINKTYPE_LINUX_SLL2 => {
            // protocol, reserved, interface index, ARPHRD type, packet type, address length,
            // 8 address bytes.
            let (h, rest) = data.split_first_chunk::<20>().ok_or(TRUNCATED)?;
            by_ethertype(u16::from_be_bytes([h[0], h[1]]), rest, walk)
        }
        LINKTYPE_RAW | DLT_RAW_12 | DLT_RAW_14 => raw_ip(data, Stop::Skip(Skip::Malformed)),
        LINKTYPE_IPV4 => Ok(Net::V4(data)),
        LINKTYPE_IPV6 => Ok(Net::V6(data)),
        LINKTYPE_NULL => {
            // The capturing host's byte order, which a file does not record. Address families
            // are small, so a value with high bits set was written by the other byte order.
            let (h, rest) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
            let af = u32::from_le_bytes(*h);
            let af = if af & 0xffff_0000 != 0 {
                af.swap_bytes()
            } else {
                af
            };
            walk.before = Before::Family32;
            by_address_family(af, rest)
        }
        LINKTYPE_LOOP => {
            let (h, rest) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
            walk.before = Before::Family32;
            by_address_family(u32::from_be_bytes(*h), rest)
        }
        LINKTYPE_PPP | LINKTYPE_PPP_HDLC => ppp_frame(data, walk),
        LINKTYPE_C_HDLC => cisco_hdlc(data, walk),
        LINKTYPE_FDDI => {
            // Frame control, destination and source addresses; then 802.2 LLC.
            let rest = data.get(13..).ok_or(TRUNCATED)?;
            llc(rest, walk)
        }
        LINKTYPE_IEEE802_11 => ieee802_11(data, false, walk),
        LINKTYPE_IEEE802_11_RADIOTAP => radiotap(data, walk),
        LINKTYPE_PPI => ppi(data, walk),
        LINKTYPE_NFLOG => nflog(data, walk),
        LINKTYPE_PKTAP => pktap(data, walk),
        LINKTYPE_ERF => erf(data, walk),
        LINKTYPE_IPOIB => ipoib(data, IPOIB_ADDRESSES_LEN, walk),
        SNOOP_IPOIB => ipoib(data, 0, walk),
        _ => Err(Stop::Skip(Skip::UnsupportedLinkType(lt))),
    }
}

/// Raw IP: the version nibble tells which. `bad`: what a frame with another version is.
fn raw_ip(data: &[u8], bad: Stop) -> Result<Net<'_>, Stop> {
    match data.first().map(|b| b >> 4) {
        Some(4) => Ok(Net::V4(data)),
        Some(6) => Ok(Net::V6(data)),
        Some(_) => Err(bad),
        None => Err(TRUNCATED),
    }
}

/// Destination and source addresses, and the Ethernet type.
pub(super) const ETHERNET_HEADER_LEN: usize = 14;

fn ethernet<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let (h, rest) = data
        .split_first_chunk::<ETHERNET_HEADER_LEN>()
        .ok_or(TRUNCATED)?;
    by_ethertype(u16::from_be_bytes([h[12], h[13]]), rest, walk)
}

/// BSD loopback: AF_INET is 2 everywhere, AF_INET6 is 24 (NetBSD, OpenBSD, Npcap), 28
/// (FreeBSD, DragonFly) or 30 (macOS, iOS).
/// Other families a loopback frame may carry (OSI 7, AppleTalk 16, IPX 23) are traffic
/// without TCP; any other value is no family at all (an Ethernet frame saved as NULL: its
/// destination address read as the family).
fn by_address_family(af: u32, rest: &[u8]) -> Result<Net<'_>, Stop> {
    match af {
        2 => Ok(Net::V4(rest)),
        24 | 28 | 30 => Ok(Net::V6(rest)),
        7 | 16 | 23 => Err(Stop::Other),
        _ => Err(UNKNOWN_PROTOCOL),
    }
}

/// A link header naming no protocol in use: see [`Skip::UnknownProtocol`].
const UNKNOWN_PROTOCOL: Stop = Stop::Skip(Skip::UnknownProtocol);

/// The largest 802.3 length field: a value up to it is a length (an LLC frame), from 0x0600
/// on an Ethernet type.
pub(super) const ETHER_MAX_LENGTH: u16 = 1500;

/// Ethernet types of protocols without IP that captures hold (ARP, LLDP, 802.1X, PTP, ...):
/// their frames are traffic without TCP. A type outside this list and IP's is counted as an
/// unknown protocol ([`Skip::UnknownProtocol`]), as tshark shows it ("0x4500 Unknown" for an
/// Ethernet capture saved as Linux SLL).
fn is_known_non_ip_ethertype(t: u16) -> bool {
    matches!(
        t,
        0x0600 // Xerox XNS
            | 0x0805 // X.25
            | 0x0806 // ARP
            | 0x0842 // Wake-on-LAN
            | 0x22ea // SRP
            | 0x22f0 // AVTP
            | 0x8035 // RARP, Cisco SLARP
            | 0x8038 // DEC bridge
            | 0x809b // AppleTalk
            | 0x80f3 // AARP
            | 0x8137 | 0x8138 // IPX
            | 0x8808 // Ethernet flow control
            | 0x8809 // slow protocols (LACP)
            | 0x8819 // CobraNet
            | 0x8863 // PPPoE discovery
            | 0x887b // HomePlug 1.0
            | 0x888e // EAPOL (802.1X)
            | 0x8892 // PROFINET
            | 0x889a // HyperSCSI
            | 0x8899 // Realtek RRCP
            | 0x88a2 // ATA over Ethernet
            | 0x88a4 // EtherCAT
            | 0x88ab // Ethernet POWERLINK
            | 0x88b8
            ..=0x88ba // IEC 61850 GOOSE, GSE, SV
            | 0x88ca // TIPC
            | 0x88cc // LLDP
            | 0x88cd // SERCOS III
            | 0x88d9 // LLTD
            | 0x88e1 // HomePlug AV
            | 0x88e3 // MRP
            | 0x88e5 // MACsec
            | 0x88e7 // PBB
            | 0x88f7 // PTP
            | 0x88f8 // NC-SI
            | 0x88fb // PRP
            | 0x8902 // CFM
            | 0x8906 // FCoE
            | 0x890d // 802.11 encapsulation (TDLS)
            | 0x8914 // FIP
            | 0x8915 // RoCE
            | 0x891d // TTEthernet
            | 0x892f // HSR
            | 0x893a // IEEE 1905.1
            | 0x9000 // Ethernet configuration test (loopback)
    )
}

pub(super) const ETHERTYPE_IPV4: u16 = 0x0800;
pub(super) const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
/// The pre-standard QinQ outer tag some switches still send.
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
const ETHERTYPE_MPLS: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;

/// The payload named by an Ethernet type (Ethernet, SLL, SLL2, Cisco HDLC and LLC/SNAP share
/// the numbering), through any stack of VLAN tags.
fn by_ethertype<'a>(
    mut ethertype: u16,
    mut data: &'a [u8],
    walk: &mut Walk,
) -> Result<Net<'a>, Stop> {
    walk.before = Before::Type16;
    // Each tag consumes 4 bytes, so the loop ends with the data at the latest.
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok(Net::V4(data)),
            ETHERTYPE_IPV6 => return Ok(Net::V6(data)),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
                let (tag, rest) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
                ethertype = u16::from_be_bytes([tag[2], tag[3]]);
                data = rest;
                walk.shims.push(Shim::Vlan);
            }
            ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTICAST => return mpls(data, walk),
            ETHERTYPE_PPPOE_SESSION => return pppoe(data, walk),
            // ARP, LLDP, 802.3 length fields (LLC), ...
            t if t <= ETHER_MAX_LENGTH || is_known_non_ip_ethertype(t) => {
                return Err(Stop::Other);
            }
            _ => return Err(UNKNOWN_PROTOCOL),
        }
    }
}

/// Pops MPLS labels to the bottom of the stack. MPLS does not say what it carries; the IP
/// version nibble is the usual guess (an Ethernet pseudowire starts with a zero nibble).
fn mpls<'a>(mut data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    loop {
        let (label, rest) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
        data = rest;
        walk.shims.push(Shim::Mpls);
        if label[2] & 0x01 != 0 {
            break;
        }
    }
    walk.before = Before::MplsLabel;
    raw_ip(data, Stop::Other)
}

/// PPPoE session header (6 bytes), then the PPP protocol number.
fn pppoe<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let (h, rest) = data.split_first_chunk::<8>().ok_or(TRUNCATED)?;
    walk.shims.push(Shim::Pppoe);
    by_ppp_protocol(u16::from_be_bytes([h[6], h[7]]), rest)
}

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

fn by_ppp_protocol(protocol: u16, rest: &[u8]) -> Result<Net<'_>, Stop> {
    match protocol {
        PPP_IPV4 => Ok(Net::V4(rest)),
        PPP_IPV6 => Ok(Net::V6(rest)),
        // LCP, IPCP, CHAP, compressed datagrams, ...
        _ => Err(Stop::Other),
    }
}

/// PPP (LINKTYPE_PPP) or PPP in HDLC-like framing (LINKTYPE_PPP_HDLC, RFC 1662): the address
/// and control bytes 0xff 0x03 unless compressed away, then the protocol, one byte when
/// compressed (RFC 1661 §6.5: an odd first byte). Some systems write Cisco HDLC frames with
/// LINKTYPE_PPP_HDLC; they start with 0x0f or 0x8f.
fn ppp_frame<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    if let [0x0f | 0x8f, 0x00, ..] = data {
        walk.raw = true;
        return cisco_hdlc(data, walk);
    }
    let standard = data.starts_with(&[0xff, 0x03]);
    let body = if standard { &data[2..] } else { data };
    let first = *body.first().ok_or(TRUNCATED)?;
    let (protocol, rest) = if first & 1 == 1 {
        walk.before = Before::Type8;
        (u16::from(first), &body[1..])
    } else {
        let (p, rest) = body.split_first_chunk::<2>().ok_or(TRUNCATED)?;
        walk.before = Before::Type16;
        (u16::from_be_bytes(*p), rest)
    };
    // libpcap reads PPP's protocol at offset 2 and nowhere else.
    walk.raw = !standard || walk.before != Before::Type16;
    by_ppp_protocol(protocol, rest)
}

/// Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0, then an Ethernet type.
fn cisco_hdlc<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let (h, rest) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
    if !matches!(h[0], 0x0f | 0x8f) {
        return Err(Stop::Other);
    }
    by_ethertype(u16::from_be_bytes([h[2], h[3]]), rest, walk)
}

/// 802.2 LLC with a SNAP header (AA AA 03, an OUI, an Ethernet type), as 802.11 data frames
/// and FDDI carry IP. OUI 00-00-00 is RFC 1042 encapsulation, 00-00-F8 802.1H bridge tunnel.
fn llc<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let (h, rest) = data.split_first_chunk::<8>().ok_or(TRUNCATED)?;
    match h {
        [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00 | 0xf8, t0, t1] => {
            by_ethertype(u16::from_be_bytes([*t0, *t1]), rest, walk)
        }
        // Other LLC SAPs (STP, NetBIOS, ...).
        _ => Err(Stop::Other),
    }
}

/// An IEEE 802.11 frame (no FCS is assumed; IP's length bounds the payload anyway). Data
/// frames carry LLC; management and control frames and data frames without a body (null
/// function) carry no TCP. `datapad`: radiotap says the header is padded to 32 bits.
fn ieee802_11<'a>(data: &'a [u8], datapad: bool, walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let fc = data.first_chunk::<2>().ok_or(TRUNCATED)?;
    let (version, kind, subtype, flags) = (fc[0] & 3, (fc[0] >> 2) & 3, fc[0] >> 4, fc[1]);
    const DATA: u8 = 2;
    if version != 0 || kind != DATA || subtype & 0x4 != 0 {
        return Err(Stop::Other);
    }
    let qos = subtype & 0x8 != 0;
    // Frame control, duration, three addresses, sequence control; a fourth address between
    // two distribution systems; QoS control; HT control when QoS frames set the Order bit.
    let mut len = 24;
    if flags & 0x03 == 0x03 {
        len += 6;
    }
    if qos {
        len += 2;
        if flags & 0x80 != 0 {
            len += 4;
        }
    }
    let header = data.get(..len).ok_or(TRUNCATED)?;
    if flags & 0x40 != 0 {
        return Err(Stop::Skip(Skip::Encrypted));
    }
    if qos {
        let qos_at = if flags & 0x03 == 0x03 { 30 } else { 24 };
        if header.get(qos_at).is_some_and(|b| b & 0x80 != 0) {
            return Err(Stop::Skip(Skip::Aggregate));
        }
    }
    // libpcap's 802.11 header length has no fourth address and no HT control field, and
    // rounds the DATAPAD padding from the start of the radiotap header: frames where that
    // differs need offsets (the frame control field tells their layout).
    let four_addresses = flags & 0x03 == 0x03;
    let ht_control = qos && flags & 0x80 != 0;
    if four_addresses || ht_control || (datapad && !walk.link_base.is_multiple_of(4)) {
        walk.raw = true;
    }
    walk.guard = Some((walk.link_base, 2, 0xfcc3));
    if datapad {
        len = len.next_multiple_of(4);
    }
    llc(data.get(len..).ok_or(TRUNCATED)?, walk)
}

/// A radiotap header (radiotap.org): version 0, pad, little-endian length and presence
/// bitmaps, then fields; then the 802.11 frame. Only the Flags field matters here: its DATAPAD
/// bit (0x20) pads the 802.11 header to 32 bits.
fn radiotap<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let h = data.first_chunk::<8>().ok_or(TRUNCATED)?;
    if h[0] != 0 {
        return Err(MALFORMED);
    }
    let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
    if len < 8 {
        return Err(MALFORMED);
    }
    let frame = data.get(len..).ok_or(TRUNCATED)?;
    let present = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    // Further presence words follow while bit 31 is set; fields start after the last.
    let mut fields = 8;
    let mut word = present;
    while word & 0x8000_0000 != 0 {
        let next = data.get(fields..fields + 4).ok_or(MALFORMED)?;
        word = u32::from_le_bytes([next[0], next[1], next[2], next[3]]);
        fields += 4;
    }
    let mut datapad = false;
    if present & 0x2 != 0 {
        // TSFT (bit 0) comes first: 8 bytes, aligned to 8.
        let at = if present & 0x1 != 0 {
            fields.next_multiple_of(8) + 8
        } else {
            fields
        };
        let flags = *data.get(at).filter(|_| at < len).ok_or(MALFORMED)?;
        datapad = flags & 0x20 != 0;
    }
    walk.link_base = len;
    ieee802_11(frame, datapad, walk)
}

/// A PPI header (version 0, flags, little-endian length and DLT), then a frame of that DLT:
/// 802.11 (what PPI is used for) or Ethernet.
fn ppi<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let h = data.first_chunk::<8>().ok_or(TRUNCATED)?;
    if h[0] != 0 {
        return Err(MALFORMED);
    }
    let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
    if len < 8 {
        return Err(MALFORMED);
    }
    let dlt = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    let frame = data.get(len..).ok_or(TRUNCATED)?;
    walk.link_base = len;
    match dlt {
        LINKTYPE_IEEE802_11 => ieee802_11(frame, false, walk),
        LINKTYPE_ETHERNET => {
            // libpcap takes PPI to carry 802.11; an Ethernet frame needs offsets.
            walk.raw = true;
            walk.guard = Some((4, 4, 0xffff_ffff));
            ethernet(frame, walk)
        }
        other => Err(Stop::Skip(Skip::UnsupportedLinkType(LinkType(other)))),
    }
}

/// NFLOG (Linux `nflog:N` captures): family, version, resource id, then TLVs (16-bit length
/// and type in the capturing host's byte order, values padded to 32 bits); the packet is the
/// NFULA_PAYLOAD TLV (type 9), starting with its IP header.
fn nflog<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    const NFULA_PAYLOAD: u16 = 9;
    const AF_INET: u8 = 2;
    const AF_INET6: u8 = 10;
    let (h, mut tlvs) = data.split_first_chunk::<4>().ok_or(TRUNCATED)?;
    if h[1] != 0 {
        return Err(MALFORMED);
    }
    walk.raw = true;
    // The byte order is the capturing host's; the first TLV's length tells which one fits.
    let mut little = true;
    if let Some(first) = tlvs.first_chunk::<4>() {
        let le = usize::from(u16::from_le_bytes([first[0], first[1]]));
        little = (4..=tlvs.len()).contains(&le);
    }
    let read = |b: [u8; 2]| {
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    // Each TLV consumes at least 4 bytes, so the walk ends with the data at the latest.
    loop {
        let t = tlvs.first_chunk::<4>().ok_or(TRUNCATED)?;
        let len = usize::from(read([t[0], t[1]]));
        // The top bits of the type are netlink's nested / byte-order flags.
        let kind = read([t[2], t[3]]) & 0x3fff;
        if len < 4 {
            return Err(MALFORMED);
        }
        if kind == NFULA_PAYLOAD {
            // A payload cut by the snaplen still counts from its start.
            let value = tlvs.get(4..len.min(tlvs.len())).ok_or(TRUNCATED)?;
            walk.before = Before::Type16;
            return match h[0] {
                AF_INET => Ok(Net::V4(value)),
                AF_INET6 => Ok(Net::V6(value)),
                _ => raw_ip(value, Stop::Other),
            };
        }
        tlvs = tlvs.get(len.next_multiple_of(4)..).ok_or(TRUNCATED)?;
    }
}

/// Apple's PKTAP header (macOS `tcpdump -i pktap`): its own length, a record type (1: a
/// packet), the DLT of the frame that follows, interface and process details; all in the
/// capturing host's (little-endian) byte order.
fn pktap<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    const PTH_TYPE_PACKET: u32 = 1;
    let h = data.first_chunk::<12>().ok_or(TRUNCATED)?;
    let len = usize::try_from(u32::from_le_bytes([h[0], h[1], h[2], h[3]])).unwrap_or(usize::MAX);
    if len < 12 {
        return Err(MALFORMED);
    }
    if u32::from_le_bytes([h[4], h[5], h[6], h[7]]) != PTH_TYPE_PACKET {
        return Err(Stop::Other);
    }
    let dlt = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    let frame = data.get(len..).ok_or(TRUNCATED)?;
    if dlt == LINKTYPE_PKTAP {
        return Err(MALFORMED);
    }
    let net = link(LinkType(dlt), frame, walk)?;
    walk.raw = true;
    walk.link_base = 0;
    walk.guard = Some((0, 4, 0xffff_ffff));
    Ok(net)
}

/// The InfiniBand addresses before the IPoIB header of a LINKTYPE_IPOIB frame.
const IPOIB_ADDRESSES_LEN: usize = 40;

/// IP over InfiniBand: `addresses` bytes of addresses (LINKTYPE_IPOIB as Linux captures it:
/// 40, the destination's queue pair and GID for unicast, with zeros before them, a global
/// route header for multicast; none in a snoop file), then RFC 4391's encapsulation header: a
/// 16-bit protocol type (the Ethernet numbering) and 2 reserved bytes. libpcap has no keywords
/// for this link type ("not implemented"), so filters find IP by its offset, checking the
/// protocol type first.
fn ipoib<'a>(data: &'a [u8], addresses: usize, walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let h = data.get(addresses..addresses + 4).ok_or(TRUNCATED)?;
    let rest = &data[addresses + 4..];
    walk.raw = true;
    walk.guard = Some((addresses, 2, 0xffff));
    let protocol = u16::from_be_bytes([h[0], h[1]]);
    match protocol {
        ETHERTYPE_IPV4 => Ok(Net::V4(rest)),
        ETHERTYPE_IPV6 => Ok(Net::V6(rest)),
        // ARP (RFC 4391 §4), RARP.
        t if is_known_non_ip_ethertype(t) => Err(Stop::Other),
        _ => Err(UNKNOWN_PROTOCOL),
    }
}

/// An ERF record (Endace): 16-byte header (timestamp, type, flags, lengths), extension headers
/// while the type's top bit (and then each extension's) says another follows, then the
/// payload: Ethernet after a 2-byte pad, PoS HDLC, or bare IPv4/IPv6.
fn erf<'a>(data: &'a [u8], walk: &mut Walk) -> Result<Net<'a>, Stop> {
    let h = data.first_chunk::<16>().ok_or(TRUNCATED)?;
    let kind = h[8];
    let mut at = 16;
    let mut more = kind & 0x80 != 0;
    while more {
        let ext = data.get(at..at + 8).ok_or(TRUNCATED)?;
        more = ext[0] & 0x80 != 0;
        at += 8;
    }
    walk.raw = true;
    walk.guard = Some((8, 1, 0xff));
    let payload = data.get(at..).ok_or(TRUNCATED)?;
    match kind & 0x7f {
        // ETH, COLOR_ETH, DSM_COLOR_ETH, COLOR_HASH_ETH.
        2 | 11 | 16 | 20 => ethernet(payload.get(2..).ok_or(TRUNCATED)?, walk),
        // HDLC_POS, COLOR_HDLC_POS, DSM_COLOR_HDLC_POS, COLOR_HASH_POS.
        1 | 10 | 15 | 19 => match payload {
            [0xff, 0x03, ..] => ppp_frame(payload, walk).inspect(|_| walk.raw = true),
            _ => cisco_hdlc(payload, walk),
        },
        22 => Ok(Net::V4(payload)),
        23 => Ok(Net::V6(payload)),
        // META (capture metadata), PAD: no packet.
        27 | 48 => Err(Stop::Other),
        other => Err(Stop::Skip(Skip::ErfRecordType(other))),
    }
}
