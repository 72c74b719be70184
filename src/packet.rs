//! The vocabulary shared by `decode` and `engine`: packet time and one decoded TCP segment.

use std::net::IpAddr;

/// Packet time: nanoseconds since the Unix epoch (UTC), as recorded in the capture.
///
/// One clock for everything: every series, timeout and rate is computed on packet time,
/// live and offline alike.
// Serialized as its nanoseconds: the machine's answers written into a saved capture carry
// their times so (`host::recorded`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds in one second.
    pub const NANOS_PER_SEC: i64 = 1_000_000_000;

    /// Wall-clock now, on the clock live packets carry.
    pub fn now() -> Self {
        Self::of_system(std::time::SystemTime::now())
    }

    /// A wall-clock time (0 before 1970).
    pub fn of_system(t: std::time::SystemTime) -> Self {
        Self(
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        )
    }

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
    /// The overlay network of the tunnel the segment came in (a VXLAN or Geneve network
    /// identifier, a GRE key): part of its connection's and endpoints' identity, since two
    /// tenants' overlays may number their machines alike. [`Overlay::NONE`] for TCP carried
    /// directly in IP, which the decoder's per-packet path never writes (it stays as the
    /// slot holds it: the tunnels' path sets it, and puts it back).
    pub overlay: Overlay,
}

/// The overlay network a tunnelled packet belongs to, as its tunnel names it: the 24-bit
/// network identifier of VXLAN and Geneve (VNI), or GRE's 32-bit key. Tunnels without one
/// (IP-in-IP, GRE without a key, ERSPAN's mirror sessions) and TCP carried directly in IP
/// are in [`Overlay::NONE`].
///
/// A capture's networks are told apart up to [`Overlay::NUMBERED`] of them; the networks met
/// after those are one network per kind of tunnel, [`Overlay::past`] (their identifiers are
/// not kept: memory stays bounded whatever a capture holds), which every output names as such,
/// never as traffic in no overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Overlay {
    /// Which identifier `id` is.
    pub kind: OverlayKind,
    /// The identifier (0 with [`OverlayKind::None`] and for [`Overlay::past`]).
    pub id: u32,
    /// One of the networks of its kind met after the first [`Overlay::NUMBERED`] networks
    /// ([`Overlay::past`]).
    pub past: bool,
}

/// What names an [`Overlay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum OverlayKind {
    /// In no overlay with an identifier.
    #[default]
    None,
    /// A VXLAN network identifier (UDP 4789 and 8472 alike).
    Vxlan,
    /// A Geneve virtual network identifier.
    Geneve,
    /// A GRE key (RFC 2890).
    GreKey,
}

impl Overlay {
    /// No overlay: TCP carried directly in IP, or in a tunnel that names none.
    pub const NONE: Overlay = Overlay {
        kind: OverlayKind::None,
        id: 0,
        past: false,
    };

    /// The networks a capture's analysis tells apart, each by its own identifier: the flow key
    /// keeps 14 bits of network number, less the numbers of the networks past these
    /// ([`Overlay::past`], one per kind) and none (0).
    pub const NUMBERED: u32 = (1 << 14) - 4;

    /// A network with an identifier: `kind`'s `id`.
    pub fn of(kind: OverlayKind, id: u32) -> Overlay {
        Overlay {
            kind,
            id,
            past: false,
        }
    }

    /// One of the networks of `kind` met after the capture's first [`Overlay::NUMBERED`]
    /// networks: told apart from traffic in no overlay and from the networks numbered, not from
    /// one another.
    pub fn past(kind: OverlayKind) -> Overlay {
        Overlay {
            kind,
            id: 0,
            past: kind != OverlayKind::None,
        }
    }

    /// The kind's name as the words say it.
    fn kind_name(self) -> &'static str {
        match self.kind {
            OverlayKind::None => "",
            OverlayKind::Vxlan => "VXLAN",
            OverlayKind::Geneve => "Geneve",
            OverlayKind::GreKey => "GRE",
        }
    }

    /// True for [`Overlay::NONE`].
    #[inline(always)]
    pub fn is_none(self) -> bool {
        self.kind == OverlayKind::None
    }

    /// Short words for it, as an endpoint's name ends with them: `VXLAN vni 42`, `Geneve vni
    /// 7`, `GRE key 100`, `VXLAN, one of the networks past 16,380` ([`Overlay::past`]);
    /// empty for [`Overlay::NONE`].
    pub fn words(self) -> String {
        if self.past {
            // 16,380, as the reports write counts.
            let (thousands, rest) = (Self::NUMBERED / 1000, Self::NUMBERED % 1000);
            return format!(
                "{}, one of the networks past {thousands},{rest:03}",
                self.kind_name()
            );
        }
        match self.kind {
            OverlayKind::None => String::new(),
            OverlayKind::Vxlan => format!("VXLAN vni {}", self.id),
            OverlayKind::Geneve => format!("Geneve vni {}", self.id),
            OverlayKind::GreKey => format!("GRE key {}", self.id),
        }
    }

    /// A stable key for JSON, CSV and metric labels: `vxlan:42`, `geneve:7`, `gre:100`,
    /// `vxlan:past-16380` ([`Overlay::past`]); empty for [`Overlay::NONE`].
    pub fn key(self) -> String {
        if self.past {
            return format!(
                "{}:past-{}",
                self.kind_name().to_ascii_lowercase(),
                Self::NUMBERED
            );
        }
        match self.kind {
            OverlayKind::None => String::new(),
            OverlayKind::Vxlan => format!("vxlan:{}", self.id),
            OverlayKind::Geneve => format!("geneve:{}", self.id),
            OverlayKind::GreKey => format!("gre:{}", self.id),
        }
    }

    /// Wireshark's display filter clause for it (`vxlan.vni == 42`, `geneve.vni == 7`,
    /// `gre.key == 100`); `None` for [`Overlay::NONE`] and for [`Overlay::past`], which
    /// names no one network (an endpoint's filters then name the networks its packets came
    /// in, each by its identifier).
    pub fn wireshark_filter(self) -> Option<String> {
        if self.past {
            return None;
        }
        let field = match self.kind {
            OverlayKind::None => return None,
            OverlayKind::Vxlan => "vxlan.vni",
            OverlayKind::Geneve => "geneve.vni",
            OverlayKind::GreKey => "gre.key",
        };
        Some(format!("{field} == {}", self.id))
    }

    /// Reads [`Overlay::words`] or [`Overlay::key`] back (any case, `vni42`, `vni=42` and
    /// `vxlan 42` too; `vxlan past` for [`Overlay::past`]); `None` when `s` is neither.
    pub fn parse(s: &str) -> Option<Overlay> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.trim_start_matches('(').trim_end_matches(')').trim();
        let (kind, rest) = Self::parse_kind(s)?;
        let rest = rest.trim_start_matches([':', ' ', '=', ',']);
        // The networks past those numbered, as words or key say them (the number, where
        // given, must be this build's: another's would name other networks).
        if let Some(after) =
            (rest.strip_prefix("one of the networks past")).or_else(|| rest.strip_prefix("past"))
        {
            let n = after.trim_start_matches([' ', '-']).replace(',', "");
            return (n.is_empty() || n == Self::NUMBERED.to_string()).then(|| Self::past(kind));
        }
        let rest = (rest
            .strip_prefix("vni")
            .or_else(|| rest.strip_prefix("key")))
        .unwrap_or(rest)
        .trim_start_matches([':', ' ', '=']);
        let id: u32 = rest.parse().ok()?;
        Some(Overlay::of(kind, id))
    }

    /// [`Overlay::parse`]'s kind, and the text after it.
    fn parse_kind(s: &str) -> Option<(OverlayKind, &str)> {
        let (kind, rest) = if let Some(r) = s.strip_prefix("vxlan") {
            (OverlayKind::Vxlan, r)
        } else if let Some(r) = s.strip_prefix("geneve") {
            (OverlayKind::Geneve, r)
        } else if let Some(r) = s.strip_prefix("gre") {
            (OverlayKind::GreKey, r)
        } else if s.starts_with("vni") {
            (OverlayKind::Vxlan, s)
        } else {
            return None;
        };
        Some((kind, rest))
    }
}

/// Who dropped a packet the capture recorded at its drop, as the packet block's
/// `epb_verdict` says (pcapng, draft-ietf-opsawg-pcapng, Enhanced Packet Block options: a
/// verdict type octet, then its value: 0 hardware, bytes of the hardware's own; 1 Linux eBPF TC, a 64-bit `TC_ACT_*`;
/// 2 Linux eBPF XDP, a 64-bit `XDP_*` action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropKind {
    /// A Windows pktmon drop event as Microsoft's etl2pcapng writes it: XDP type and
    /// `XDP_DROP` ("not exact but the best fit for reporting a drop", its source says), on a
    /// packet block that also carries pktmon's packet id (`epb_packetid`) or its
    /// process/thread option (code 8), which an XDP capture's blocks do not.
    Pktmon,
    /// An XDP program's `XDP_DROP` (1) or `XDP_ABORTED` (0, dropped on an error).
    Xdp,
    /// A tc (traffic control) BPF program's `TC_ACT_SHOT` (2).
    Tc,
}

impl DropKind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pktmon => "pktmon",
            Self::Xdp => "xdp",
            Self::Tc => "tc",
        }
    }
}

/// How a TCP packet was carried from the start of its frame to its TCP header, as far as a
/// capture filter must know it to select the same packets: the link type, the shim layers
/// (VLAN tags, MPLS labels, PPPoE) before IP, where IP starts when the link header is one a
/// filter compiler cannot parse, and the IPv6 extension headers before TCP. The decoder fills
/// it; `report::filters` writes the BPF filter of an endpoint from the encapsulations seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Encap {
    /// The frame's link type (tcpdump.org LINKTYPE_ number).
    pub link_type: u32,
    /// IPv6 (otherwise IPv4).
    pub ipv6: bool,
    /// VLAN tags, MPLS labels and PPPoE sessions between the link header and IP.
    pub shims: Shims,
    /// A filter compiler cannot find IP in this framing by its link type's keywords (NFLOG,
    /// PKTAP, ERF, PPP without its address and control bytes, ...): address bytes by offset.
    pub raw: bool,
    /// Where a filter's `link[0]` lies in the frame: after a radiotap or PPI header, which
    /// libpcap treats as a prefix of the link header.
    pub link_base: u16,
    /// Offset of the IP header from the start of the frame.
    pub ip_offset: u16,
    /// Checks that tell this layout from others of the same link type, for filters that must
    /// address bytes by offset (link types libpcap cannot parse, unusual framings).
    pub guards: [Guard; 2],
    /// The IPv6 extension headers before TCP, when there are any.
    pub v6_ext: Option<V6Ext>,
    /// The tunnel the TCP segment came in (its IP header, at `ip_offset`, the innermost; the
    /// filters then go by offsets, `raw`), or none for TCP carried directly in IP.
    pub tunnel: Option<TunnelAt>,
}

/// How a TCP segment inside a tunnel was carried: the outermost tunnel, and the IP headers
/// before the one that carries TCP (for Wireshark's layer operator: the IPv4 header that
/// carries it is `ip#N` with N one more than the IPv4 headers before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TunnelAt {
    /// The outermost tunnel.
    pub tunnel: crate::decode::Tunnel,
    /// IPv4 headers before the inner one.
    pub v4_before: u8,
    /// IPv6 headers before the inner one.
    pub v6_before: u8,
    /// The overlay network the packet came in ([`TcpPacket::overlay`]): an endpoint's filters
    /// select its own network's packets only.
    pub overlay: Overlay,
    /// Where the frame names that network: the VNI's or GRE key's bytes, for filters by
    /// offsets (no check for [`Overlay::NONE`]).
    pub overlay_at: Guard,
}

impl Encap {
    /// IP straight over Ethernet, as most frames carry it.
    pub fn ethernet(ipv6: bool) -> Self {
        Self {
            link_type: 1,
            ipv6,
            ip_offset: 14,
            ..Self::default()
        }
    }

    /// This carriage without the overlay network its tunnel names: where a capture's overlays
    /// are not told apart (a capture of several interfaces holds its tunnels' packets
    /// unwrapped too, in none).
    pub fn without_overlay(mut self) -> Self {
        if let Some(t) = &mut self.tunnel {
            (t.overlay, t.overlay_at) = (Overlay::NONE, Guard::default());
        }
        self
    }

    /// `self == other`, with the fields that differ most often first and the guards compared
    /// in line (the derived comparison calls out for the array): the tally asks it once per
    /// packet.
    #[inline(always)]
    fn same_as(&self, other: &Encap) -> bool {
        self.link_type == other.link_type
            && self.ip_offset == other.ip_offset
            && self.ipv6 == other.ipv6
            && self.raw == other.raw
            && self.link_base == other.link_base
            && self.shims == other.shims
            && self.guards[0] == other.guards[0]
            && self.guards[1] == other.guards[1]
            && self.v6_ext == other.v6_ext
            && self.tunnel == other.tunnel
    }
}

/// One shim layer between a link header and IP, as libpcap's `vlan`, `mpls` and `pppoes`
/// keywords step over them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shim {
    /// An 802.1Q / 802.1ad tag (also the old 0x9100 QinQ tag).
    Vlan,
    /// One MPLS label.
    Mpls,
    /// A PPPoE session header with its PPP protocol number.
    Pppoe,
}

/// Up to [`Shims::MAX`] shim layers, outermost first, packed in a few bytes (no allocation per
/// packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Shims {
    bits: u16,
    len: u8,
    /// More layers than could be kept were seen.
    overflow: bool,
}

impl Shims {
    /// Layers kept; a deeper stack sets [`Shims::overflowed`].
    pub const MAX: usize = 8;

    /// Appends a layer (inner to the ones already there).
    pub fn push(&mut self, shim: Shim) {
        if usize::from(self.len) >= Self::MAX {
            self.overflow = true;
            return;
        }
        let code: u16 = match shim {
            Shim::Vlan => 1,
            Shim::Mpls => 2,
            Shim::Pppoe => 3,
        };
        self.bits |= code << (2 * self.len);
        self.len += 1;
    }

    /// True when more than [`Shims::MAX`] layers were seen.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// Number of layers kept.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// No layer at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && !self.overflow
    }

    /// The layers, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = Shim> + '_ {
        (0..self.len).map(|i| match (self.bits >> (2 * i)) & 3 {
            1 => Shim::Vlan,
            2 => Shim::Mpls,
            _ => Shim::Pppoe,
        })
    }

    /// The first `n` layers.
    pub fn prefix(&self, n: usize) -> Shims {
        let n = n.min(self.len());
        let mask = if n >= 8 {
            u16::MAX
        } else {
            (1u16 << (2 * n)) - 1
        };
        Shims {
            bits: self.bits & mask,
            len: n as u8,
            overflow: false,
        }
    }
}

/// A check on frame bytes: `(bytes at offset, len bytes, big-endian) & mask == value`. `len`
/// 0 means no check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Guard {
    /// Offset from the start of the frame.
    pub offset: u16,
    /// 1, 2 or 4 bytes; 0 for no check.
    pub len: u8,
    /// Bits compared.
    pub mask: u32,
    /// Their value.
    pub value: u32,
}

impl Guard {
    /// The check that `len` bytes at `offset` of `data` stay what they are (masked), or no
    /// check when they are not there.
    pub fn of(data: &[u8], offset: usize, len: usize, mask: u32) -> Guard {
        let Some(bytes) = data.get(offset..offset + len) else {
            return Guard::default();
        };
        let value = bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b));
        match (u16::try_from(offset), u8::try_from(len)) {
            (Ok(offset), Ok(len)) if matches!(len, 1 | 2 | 4) => Guard {
                offset,
                len,
                mask,
                value: value & mask,
            },
            _ => Guard::default(),
        }
    }

    /// True when this is a check at all.
    pub fn is_set(&self) -> bool {
        self.len != 0
    }
}

/// IPv6 extension headers before a TCP header, as offsets from the start of the IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct V6Ext {
    /// The fixed header's next-header value (the first extension header's type).
    pub first: u8,
    /// Where the last extension header starts (its next-header byte is 6, TCP).
    pub last_at: u16,
    /// Where the TCP header starts.
    pub tcp_at: u16,
    /// Where a fragment header starts, if there is one (its offset must be 0 for TCP to follow).
    pub fragment_at: Option<u16>,
}

/// The encapsulations a capture (or an endpoint's packets) used, most packets first; shared,
/// so that every offender of a snapshot points at one list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encaps(pub std::sync::Arc<[Encap]>);

impl Encaps {
    /// The list.
    pub fn as_slice(&self) -> &[Encap] {
        &self.0
    }
}

/// Kinds of encapsulation counted over a capture, at most [`EncapTally::MAX`] of them: the
/// endpoint filters need each one, and a capture has a handful. Adding a packet costs one
/// comparison in the usual case (the same kind as the packet before) and allocates only when
/// a new kind appears.
#[derive(Debug, Clone, Default)]
pub struct EncapTally {
    kinds: Vec<(Encap, u64)>,
    /// The kind added last, for IPv4 and for IPv6: captures that mix the two alternate.
    last: [usize; 2],
    /// Packets of kinds beyond [`EncapTally::MAX`], not kept.
    pub overflow: u64,
}

impl EncapTally {
    /// Kinds kept; a capture with more is hostile or very unusual, and the filters say so.
    pub const MAX: usize = 64;

    /// Counts one packet carried as `e`. Runs once per packet: the usual case (the same kind
    /// as the last packet of its IP version) is inlined at the caller.
    #[inline(always)]
    pub fn add(&mut self, e: Encap) {
        if let Some((k, c)) = self.kinds.get_mut(self.last[usize::from(e.ipv6)])
            && k.same_as(&e)
        {
            *c += 1;
            return;
        }
        self.add_n(e, 1);
    }

    /// Counts `n` packets carried as `e`.
    pub fn add_n(&mut self, e: Encap, n: u64) {
        let last = &mut self.last[usize::from(e.ipv6)];
        if let Some((k, c)) = self.kinds.get_mut(*last)
            && k.same_as(&e)
        {
            *c += n;
            return;
        }
        if let Some(i) = self.kinds.iter().position(|(k, _)| *k == e) {
            self.kinds[i].1 += n;
            *last = i;
        } else if self.kinds.len() < Self::MAX {
            self.kinds.push((e, n));
            *last = self.kinds.len() - 1;
        } else {
            self.overflow += n;
        }
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: &EncapTally) {
        for &(e, n) in &other.kinds {
            self.add_n(e, n);
        }
        self.overflow += other.overflow;
    }

    /// Forgets everything (keeps the allocation).
    pub fn clear(&mut self) {
        self.kinds.clear();
        self.last = [0; 2];
        self.overflow = 0;
    }

    /// Each kind with its packets, most packets first.
    pub fn kinds(&self) -> Vec<(Encap, u64)> {
        let mut k = self.kinds.clone();
        k.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        k
    }

    /// The kinds of one IP version, most packets first.
    pub fn of_version(&self, ipv6: bool) -> Encaps {
        Encaps(
            self.kinds()
                .into_iter()
                .filter(|(e, _)| e.ipv6 == ipv6)
                .map(|(e, _)| e)
                .collect(),
        )
    }
}

/// A SYN from `client` to `server` (each an address and a port) with sequence number `isn`
/// at `ts`: frame 1 of interface 0, a window of 100, TTL 64, no payload, no IP ID, in no
/// overlay; the tests set what they need.
#[cfg(test)]
pub(crate) fn syn(
    ts: Timestamp,
    (src, sport): (IpAddr, u16),
    (dst, dport): (IpAddr, u16),
    isn: u32,
) -> TcpPacket<'static> {
    TcpPacket {
        ts,
        frame: 1,
        interface: 0,
        src,
        dst,
        sport,
        dport,
        seq: isn,
        ack: 0,
        flags: TcpFlags(TcpFlags::SYN),
        window: 100,
        window_scale: None,
        payload_len: 0,
        payload: &[],
        ttl: 64,
        ip_id: None,
        overlay: Overlay::NONE,
    }
}

/// The RST/ACK that refuses `syn` at once, from the end it was sent to (its other fields
/// `syn`'s).
#[cfg(test)]
pub(crate) fn refusal(syn: &TcpPacket<'static>) -> TcpPacket<'static> {
    TcpPacket {
        src: syn.dst,
        dst: syn.src,
        sport: syn.dport,
        dport: syn.sport,
        seq: 0,
        ack: syn.seq.wrapping_add(1),
        flags: TcpFlags(TcpFlags::RST | TcpFlags::ACK),
        ..*syn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encapsulations that differ from a plain Ethernet IPv4 one in one field each.
    fn variants() -> Vec<Encap> {
        let plain = Encap {
            link_type: 1,
            ip_offset: 14,
            ..Encap::default()
        };
        let mut vlan = plain;
        vlan.shims.push(Shim::Vlan);
        let guard = Guard {
            offset: 12,
            len: 2,
            mask: 0xffff,
            value: 0x8100,
        };
        let ext = V6Ext {
            first: 0,
            last_at: 40,
            tcp_at: 48,
            fragment_at: None,
        };
        vec![
            plain,
            Encap {
                link_type: 113,
                ..plain
            },
            Encap {
                ip_offset: 18,
                ..plain
            },
            Encap {
                ipv6: true,
                ..plain
            },
            Encap { raw: true, ..plain },
            Encap {
                link_base: 8,
                ..plain
            },
            vlan,
            Encap {
                guards: [guard, Guard::default()],
                ..plain
            },
            Encap {
                guards: [Guard::default(), guard],
                ..plain
            },
            Encap {
                guards: [
                    Guard {
                        value: 0x88a8,
                        ..guard
                    },
                    Guard::default(),
                ],
                ..plain
            },
            Encap {
                v6_ext: Some(ext),
                ..plain
            },
            Encap {
                v6_ext: Some(V6Ext {
                    fragment_at: Some(40),
                    ..ext
                }),
                ..plain
            },
            Encap {
                tunnel: Some(TunnelAt {
                    tunnel: crate::decode::Tunnel::Vxlan,
                    v4_before: 1,
                    v6_before: 0,
                    overlay: Overlay::NONE,
                    overlay_at: Guard::default(),
                }),
                ..plain
            },
            Encap {
                tunnel: Some(TunnelAt {
                    tunnel: crate::decode::Tunnel::Vxlan,
                    v4_before: 1,
                    v6_before: 0,
                    overlay: Overlay::of(OverlayKind::Vxlan, 42),
                    overlay_at: Guard {
                        offset: 46,
                        len: 4,
                        mask: 0xffff_ff00,
                        value: 42 << 8,
                    },
                }),
                ..plain
            },
        ]
    }

    #[test]
    fn the_tally_s_comparison_agrees_with_equality() {
        for a in variants() {
            for b in variants() {
                assert_eq!(a.same_as(&b), a == b, "{a:?} against {b:?}");
            }
        }
    }

    #[test]
    fn the_tally_counts_each_kind_whatever_the_order() {
        let kinds = variants();
        let mut tally = EncapTally::default();
        // Runs of one kind, alternations of IP versions, and kinds met again later.
        for (i, e) in kinds.iter().enumerate() {
            for _ in 0..=i {
                tally.add(*e);
            }
        }
        for e in kinds.iter().rev() {
            tally.add(*e);
        }
        let mut counted = tally.kinds();
        counted.sort_by_key(|(e, _)| *e);
        let mut expected: Vec<(Encap, u64)> = kinds
            .iter()
            .enumerate()
            .map(|(i, e)| (*e, i as u64 + 2))
            .collect();
        expected.sort_by_key(|(e, _)| *e);
        assert_eq!(counted, expected);
    }
}
