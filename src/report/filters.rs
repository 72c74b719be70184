//! The filters that show an endpoint's packets in other tools: a Wireshark display filter and
//! a BPF capture filter (tcpdump, libpcap), each selecting exactly the packets
//! `rstscope analyze --endpoint` lists: every TCP segment carried directly in IP from or to
//! the endpoint's address and port.
//!
//! A BPF filter is compiled for one link type, and libpcap's keywords only reach IP through
//! the layers they know: `vlan`, `mpls` and `pppoes` step over one layer each and shift every
//! later offset of the expression (so layers are written as one nested chain, never as
//! siblings); some link types have no such keyword at all (NFLOG, PKTAP, ERF, IP over
//! InfiniBand). So the filter is written from the encapsulations the capture actually used
//! ([`Encap`](crate::packet::Encap), gathered by the decoder): per link type, the common shapes with libpcap's own
//! keywords (`tcp and ((src host A and src port P) or ...)`, under `vlan and (...)` and so on),
//! the rest by byte offsets from the link header (`link[18 + ((link[18] & 0xf) << 2):2] ==
//! 7211`) guarded by the bytes that identify the layout. IPv6 extension headers, which
//! libpcap's `port` does not step over, get offsets too.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::engine::Offender;
use crate::packet::{Encap, Guard, Shim, Shims, TunnelAt, V6Ext};
use crate::source::LinkType;

/// The Wireshark display filter for every TCP packet to or from an endpoint (Wireshark 4.0 or
/// later: it uses the layer operator `#N`), whose packets came as `encaps` say (the
/// capture's ways of carrying the endpoint's IP version): TCP carried directly in IP, and TCP
/// inside tunnels, which rstscope analyzes by the inner addresses.
///
/// TCP carried directly in IP: Wireshark also dissects the IP and TCP headers quoted inside
/// ICMP errors, the packets inside tunnels (GRE, IP-in-IP, 6in4, Teredo) and frames carried
/// inside TCP payloads (OpenFlow), whose fields would match a plain `ip.src == A &&
/// tcp.srcport == P` too. For IPv4 the first IP header must carry TCP (`ip.proto#1 == 6`) and
/// the first TCP header is then its own; IPv6 has no single field for the protocol after its
/// extension headers, so frames with an IPv4 header (tunnels) or ICMPv6 are left out instead.
/// Inside a tunnel, the IP header that carries TCP is the one after the tunnel's outer ones
/// (`ip.proto#2 == 6` in VXLAN over IPv4), and its TCP header the frame's first.
pub fn wireshark_filter(addr: IpAddr, port: u16, encaps: &[Encap]) -> String {
    wireshark_filter_of(Sides::endpoint(addr, port), encaps)
}

/// [`wireshark_filter`] for the packets between `sides` (an endpoint's, or a scan's:
/// [`Sides::of_scan`]).
pub fn wireshark_filter_of(sides: Sides, encaps: &[Encap]) -> String {
    let direct = direct_wireshark_filter(sides);
    let ipv6 = sides.ipv6();
    let mut tunnelled: Vec<TunnelAt> = encaps
        .iter()
        .filter(|e| e.ipv6 == ipv6)
        .filter_map(|e| e.tunnel)
        .collect();
    tunnelled.sort_unstable_by_key(|t| (t.v4_before, t.v6_before, t.tunnel, t.overlay));
    tunnelled.dedup_by_key(|t| {
        (
            t.v4_before,
            t.v6_before,
            ipv6.then_some(t.tunnel),
            t.overlay,
        )
    });
    if tunnelled.is_empty() {
        return direct;
    }
    let mut clauses = Vec::new();
    if encaps.iter().any(|e| e.ipv6 == ipv6 && e.tunnel.is_none()) {
        clauses.push(direct);
    }
    for t in tunnelled {
        // An endpoint in an overlay network: its network's packets, not another tenant's
        // machine numbered alike.
        let network = t
            .overlay
            .wireshark_filter()
            .map_or_else(String::new, |f| format!("{f} && "));
        let mut clause = network;
        match ipv6 {
            false => {
                let k = t.v4_before + 1;
                let _ = write!(clause, "ip.proto#{k} == 6 && ");
                sides.wireshark(&mut clause, "ip", usize::from(k));
            }
            true => {
                let k = t.v6_before + 1;
                let _ = write!(clause, "{} && !icmpv6 && ", t.tunnel.wireshark_filter());
                sides.wireshark(&mut clause, "ipv6", usize::from(k));
            }
        }
        clauses.push(clause);
    }
    if clauses.len() == 1 {
        return clauses.remove(0);
    }
    clauses
        .iter()
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// [`wireshark_filter`] for TCP carried directly in the outermost IP header.
fn direct_wireshark_filter(sides: Sides) -> String {
    let mut s = String::with_capacity(160);
    match sides.ipv6() {
        false => {
            s.push_str("ip.proto#1 == 6 && ");
            sides.wireshark(&mut s, "ip", 1);
        }
        true => {
            s.push_str("!ip && !icmpv6 && ");
            sides.wireshark(&mut s, "ipv6", 1);
        }
    }
    s
}

/// One side of the packets a filter selects: an address, a port (or a range of them), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    /// The side's address, if the filter names it.
    pub addr: Option<IpAddr>,
    /// The side's ports, first and last (one port: both the same), if the filter names them.
    pub ports: Option<(u16, u16)>,
}

impl Side {
    /// Any packet of `addr`.
    pub fn host(addr: IpAddr) -> Self {
        Self {
            addr: Some(addr),
            ports: None,
        }
    }

    /// Any address on `port`.
    pub fn port(port: u16) -> Self {
        Self {
            addr: None,
            ports: Some((port, port)),
        }
    }

    /// Anyone.
    pub const ANY: Self = Self {
        addr: None,
        ports: None,
    };

    /// The ports' part of a filter, where it names them: `one(port)` for one, `range(first,
    /// last)` for a range, each writing it.
    fn ports_part(
        self,
        parts: &mut Parts<'_>,
        one: impl Fn(&mut String, u16),
        range: impl Fn(&mut String, u16, u16),
    ) {
        if let Some((first, last)) = self.ports {
            let out = parts.next();
            match first == last {
                true => one(out, first),
                false => range(out, first, last),
            }
        }
    }
}

/// The parts of one direction of a filter's condition, written one after the other into the
/// filter's string with `join` between them: each part made a string of its own, the parts
/// joined and the whole written again cost some 15,000 instructions an offender in the JSON
/// report's filters (docs/benchmarks.md, s50 and s51).
struct Parts<'s> {
    out: &'s mut String,
    join: &'s str,
    empty: bool,
}

impl<'s> Parts<'s> {
    fn new(out: &'s mut String, join: &'s str) -> Self {
        Self {
            out,
            join,
            empty: true,
        }
    }

    /// Where the next part is written, after the join.
    fn next(&mut self) -> &mut String {
        if !self.empty {
            self.out.push_str(self.join);
        }
        self.empty = false;
        self.out
    }
}

/// The packets a filter selects: those from `a` to `b` and from `b` to `a`. An endpoint's are
/// between its address and port and anyone; a port scan's between its client and its server's
/// ports from the lowest it probed to the highest; a sweep's between its client and any
/// server on its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    /// One side: the endpoint, the scan's server (or port).
    pub a: Side,
    /// The other: anyone, or the scan's client.
    pub b: Side,
}

impl Sides {
    /// Every packet from or to `addr` and `port`.
    pub fn endpoint(addr: IpAddr, port: u16) -> Self {
        Self {
            a: Side {
                addr: Some(addr),
                ports: Some((port, port)),
            },
            b: Side::ANY,
        }
    }

    /// Every packet of `scan`: between its client and its server's ports from the lowest it
    /// probed to the highest (a port scan: on loopback, where client and server are one
    /// address, not the ports its client tried apart from the scan, as often as not outside
    /// that range), or between its client and any address on its port (a sweep).
    pub fn of_scan(scan: &crate::engine::Scan) -> Self {
        let a = match scan.kind {
            crate::engine::ScanKind::Ports { server } => Side {
                addr: Some(server),
                ports: Some((scan.lowest.1, scan.highest.1)),
            },
            crate::engine::ScanKind::Sweep { port } => Side::port(port),
        };
        Self {
            a,
            b: Side::host(scan.client),
        }
    }

    /// The packets in words: "between 172.16.0.8 and 64.13.134.52 ports 1 to 65389", "between
    /// 10.0.0.5 and port 22 of any address", "to or from 10.0.0.1:80".
    pub fn words(self) -> String {
        let side = |s: Side| match (s.addr, s.ports) {
            (Some(a), Some((p, q))) if p == q => super::endpoint(a, p),
            (Some(a), Some((p, q))) => format!("{} ports {p} to {q}", super::address(a)),
            (Some(a), None) => super::address(a).to_string(),
            (None, Some((p, q))) if p == q => format!("port {p} of any address"),
            (None, Some((p, q))) => format!("ports {p} to {q} of any address"),
            (None, None) => "any address".to_owned(),
        };
        match self.b {
            Side::ANY => format!("to or from {}", side(self.a)),
            _ => format!("between {} and {}", side(self.b), side(self.a)),
        }
    }

    /// Whether the addresses are IPv6 ones.
    pub fn ipv6(self) -> bool {
        (self.a.addr.or(self.b.addr)).is_some_and(|a| a.is_ipv6())
    }

    /// Whether a packet from `src`, `sport` to `dst`, `dport` is one of them; `Some(true)`
    /// when it comes from side `a` (the endpoint, the scan's server side).
    pub fn direction(self, src: (IpAddr, u16), dst: (IpAddr, u16)) -> Option<bool> {
        let is = |s: Side, (addr, port): (IpAddr, u16)| {
            s.addr.is_none_or(|a| a == addr) && s.ports.is_none_or(|(p, q)| (p..=q).contains(&port))
        };
        if is(self.a, src) && is(self.b, dst) {
            Some(true)
        } else if is(self.b, src) && is(self.a, dst) {
            Some(false)
        } else {
            None
        }
    }

    /// Writes the two directions as one expression, each made of the parts `term(parts, from
    /// side, to side)` writes.
    fn either(
        self,
        out: &mut String,
        (join, or): (&str, &str),
        term: impl Fn(&mut Parts<'_>, Side, Side),
    ) {
        out.push_str("((");
        term(&mut Parts::new(out, join), self.a, self.b);
        out.push(')');
        out.push_str(or);
        out.push('(');
        term(&mut Parts::new(out, join), self.b, self.a);
        out.push_str("))");
    }

    /// Writes the Wireshark condition with the IP layer `ip` (or `ipv6`) number `k`.
    fn wireshark(self, out: &mut String, ip: &str, k: usize) {
        let port = |parts: &mut Parts<'_>, dir: &str, s: Side| {
            s.ports_part(
                parts,
                |out, p| {
                    let _ = write!(out, "tcp.{dir}port#1 == {p}");
                },
                |out, p, q| {
                    let _ = write!(out, "tcp.{dir}port#1 >= {p} && tcp.{dir}port#1 <= {q}");
                },
            );
        };
        self.either(out, (" && ", " || "), |parts, from, to| {
            if let Some(a) = from.addr {
                let out = parts.next();
                let _ = write!(out, "{ip}.src#{k} == ");
                super::write_address(out, a);
            }
            port(parts, "src", from);
            if let Some(a) = to.addr {
                let out = parts.next();
                let _ = write!(out, "{ip}.dst#{k} == ");
                super::write_address(out, a);
            }
            port(parts, "dst", to);
        });
    }

    /// Writes the BPF condition with libpcap's keywords, the ports at `ports` (`None`: its
    /// `port` keywords; else `ip6[N:2]` loads of the source port, the destination's after it).
    fn bpf(self, out: &mut String, ports: Option<u32>) {
        let port = |parts: &mut Parts<'_>, dir: &str, at: u32, s: Side| match ports {
            None => s.ports_part(
                parts,
                |out, p| {
                    let _ = write!(out, "{dir} port {p}");
                },
                |out, p, q| {
                    let _ = write!(out, "{dir} portrange {p}-{q}");
                },
            ),
            Some(o) => s.ports_part(
                parts,
                |out, p| {
                    let _ = write!(out, "ip6[{}:2] == {p}", o + at);
                },
                |out, p, q| {
                    let _ = write!(out, "ip6[{0}:2] >= {p} and ip6[{0}:2] <= {q}", o + at);
                },
            ),
        };
        self.either(out, (" and ", " or "), |parts, from, to| {
            if let Some(a) = from.addr {
                let out = parts.next();
                out.push_str("src host ");
                super::write_address(out, a);
            }
            port(parts, "src", 0, from);
            if let Some(a) = to.addr {
                let out = parts.next();
                out.push_str("dst host ");
                super::write_address(out, a);
            }
            port(parts, "dst", 2, to);
        });
    }

    /// Writes the BPF condition by `link[]` loads: the source address at `src`, the
    /// destination's at `dst`, the ports at `sport` and `dport` (expressions), an address
    /// written by `addr_at`.
    fn raw(
        self,
        out: &mut String,
        (src, dst): (usize, usize),
        (sport, dport): (&str, &str),
        addr_at: impl Fn(&mut String, IpAddr, usize),
    ) {
        let port = |parts: &mut Parts<'_>, at: &str, s: Side| {
            s.ports_part(
                parts,
                |out, p| {
                    let _ = write!(out, "link[{at}:2] == {p}");
                },
                |out, p, q| {
                    let _ = write!(out, "link[{at}:2] >= {p} and link[{at}:2] <= {q}");
                },
            );
        };
        self.either(out, (" and ", " or "), |parts, from, to| {
            if let Some(a) = from.addr {
                addr_at(parts.next(), a, src);
            }
            port(parts, sport, from);
            if let Some(a) = to.addr {
                addr_at(parts.next(), a, dst);
            }
            port(parts, dport, to);
        });
    }
}

/// [`wireshark_decode_as`] as a report says it: "UDP port 8472 as VXLAN (Wireshark: Analyze >
/// Decode As; tshark: -d udp.port==8472,vxlan)".
pub fn decode_as_words(encaps: &[Encap]) -> Option<String> {
    let t = (encaps.iter().filter_map(|e| e.tunnel)).find(|t| t.tunnel.decode_as().is_some())?;
    Some(format!(
        "{} (Wireshark: Analyze > Decode As; tshark: -d {})",
        t.tunnel.decode_as()?,
        t.tunnel.tshark_decode_as()?
    ))
}

/// What Wireshark must be told before [`wireshark_filter`] finds the packets inside the
/// tunnels among `encaps`, in tshark's words (`-d udp.port==8472,vxlan`: VXLAN on Linux's
/// port, Analyze > Decode As in Wireshark); none where it needs nothing.
pub fn wireshark_decode_as(encaps: &[Encap]) -> Option<&'static str> {
    encaps
        .iter()
        .filter_map(|e| e.tunnel)
        .find_map(|t| t.tunnel.tshark_decode_as())
}

/// The BPF filter of one link type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpfFilter {
    /// The link type it compiles for.
    pub link_type: LinkType,
    /// The expression.
    pub filter: String,
    /// Packets of the endpoint it cannot select, and why (none in practice).
    pub note: Option<String>,
}

/// The BPF filter of an offender for the link type most of its packets' kind came on (the
/// capture's own link type, for captures of one interface). See [`bpf_filters`] for all.
pub fn bpf_filter(o: &Offender) -> String {
    let sides = Sides::endpoint(o.addr, o.port);
    bpf_filters_of(sides, o.encaps.as_slice())
        .into_iter()
        .next()
        .map_or_else(|| plain(sides), |f| f.filter)
}

/// One BPF filter per link type among `encaps` (the ways the endpoint's packets were carried,
/// most packets first), each selecting the endpoint's TCP packets in frames of that link type.
/// With no encapsulation known, one link-type-free filter.
pub fn bpf_filters(addr: IpAddr, port: u16, encaps: &[Encap]) -> Vec<BpfFilter> {
    bpf_filters_of(Sides::endpoint(addr, port), encaps)
}

/// [`bpf_filters`] for the packets between `sides` (an endpoint's, or a scan's:
/// [`Sides::of_scan`]).
pub fn bpf_filters_of(sides: Sides, encaps: &[Encap]) -> Vec<BpfFilter> {
    let encaps: Vec<Encap> = encaps
        .iter()
        .copied()
        .filter(|e| e.ipv6 == sides.ipv6())
        .collect();
    let mut link_types: Vec<u32> = Vec::new();
    for e in &encaps {
        if !link_types.contains(&e.link_type) {
            link_types.push(e.link_type);
        }
    }
    if link_types.is_empty() {
        return Vec::new();
    }
    link_types
        .into_iter()
        .map(|lt| {
            let of_link: Vec<Encap> = encaps
                .iter()
                .copied()
                .filter(|e| e.link_type == lt)
                .collect();
            let (filter, note) = for_link_type(sides, &of_link);
            BpfFilter {
                link_type: LinkType(lt),
                filter,
                note,
            }
        })
        .collect()
}

/// `tcp and ((src host A and src port P) or (dst host A and dst port P))`: TCP right after
/// the IP header, on any link type libpcap can parse.
fn plain(sides: Sides) -> String {
    let mut s = String::with_capacity(128);
    s.push_str("tcp and ");
    sides.bpf(&mut s, None);
    s
}

/// Link types whose IP header libpcap finds by itself (`tcp`, `host` and `port` work).
fn native_link_type(lt: u32) -> bool {
    matches!(
        lt,
        0 | 1 | 9 | 10 | 12 | 14 | 50 | 101 | 104 | 105 | 108 | 113 | 127 | 192 | 228 | 229 | 276
    )
}

/// Whether libpcap's keyword for `shim` works on link type `lt` (libpcap 1.10 says "no VLAN
/// support for ..." and the like otherwise).
fn shim_supported(lt: u32, shim: Shim) -> bool {
    match shim {
        Shim::Vlan => matches!(lt, 1 | 105 | 127),
        Shim::Mpls => matches!(lt, 1 | 9 | 50 | 104),
        Shim::Pppoe => matches!(lt, 1 | 9 | 10 | 50 | 104 | 105 | 113 | 127 | 192 | 276),
    }
}

fn native(e: &Encap) -> bool {
    native_link_type(e.link_type)
        && !e.raw
        && !e.shims.overflowed()
        && e.shims.iter().all(|s| shim_supported(e.link_type, s))
}

/// The filter of one link type's encapsulations (all of the endpoint's IP version), and what
/// it cannot select.
fn for_link_type(sides: Sides, encaps: &[Encap]) -> (String, Option<String>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut chain: Vec<Encap> = Vec::new();
    let mut by_offset: Vec<Encap> = Vec::new();
    let mut note = None;
    for e in encaps {
        // The decoder guards PPI's DLT field (4 bytes) only for frames that are not 802.11.
        if e.link_type == LINKTYPE_PPI && e.guards[0].len == 4 {
            // libpcap checks that a PPI header announces 802.11 before any `link[]` load.
            note = Some(
                "frames of PPI carrying Ethernet cannot be selected by a BPF filter: libpcap takes PPI to carry 802.11".to_string(),
            );
            continue;
        }
        if native(e) && extends_chain(&chain, e) {
            chain.push(*e);
        } else {
            by_offset.push(*e);
        }
    }
    // The keywords first: libpcap 1.10 computes a radiotap frame's 802.11 header length once,
    // in a scratch register that code for a `link[]` load may reuse, so a `link[]` clause
    // before the keywords spoils them (one after them runs only when they failed). `link[]`
    // offsets are from the link header and do not move with `vlan` and the like.
    if !chain.is_empty() {
        clauses.push(native_chain(sides, &chain, Shims::default()));
    }
    // A BPF load past the end of a packet rejects the packet at once, whatever the clauses
    // after it would say: so the clauses that read less come first (a packet of a clause is
    // long enough for those before it, and each clause tests its guards before reading on).
    by_offset.sort_by_key(|e| (e.ip_offset.saturating_sub(e.link_base), e.v6_ext));
    for e in &by_offset {
        let clause = raw_clause(sides, e);
        if !clauses.contains(&clause) {
            clauses.push(clause);
        }
    }
    let filter = match clauses.len() {
        0 => plain(sides),
        1 => clauses.remove(0),
        _ => clauses
            .iter()
            .map(|c| format!("({c})"))
            .collect::<Vec<_>>()
            .join(" or "),
    };
    (filter, note)
}

const LINKTYPE_PPI: u32 = 192;

/// True when the shim layers of `e` and of every encapsulation already in `chain` lie on one
/// line (each a prefix of the longer ones): libpcap can only nest, not branch.
fn extends_chain(chain: &[Encap], e: &Encap) -> bool {
    chain.iter().all(|c| {
        let n = c.shims.len().min(e.shims.len());
        c.shims.prefix(n) == e.shims.prefix(n)
    })
}

/// The nested native expression for the encapsulations of `chain` whose layers start with
/// `at`: those ending there, then `shim and (...)` for the deeper ones.
fn native_chain(sides: Sides, chain: &[Encap], at: Shims) -> String {
    let depth = at.len();
    let mut terms: Vec<String> = Vec::new();
    let mut deeper: Option<Shim> = None;
    for e in chain.iter().filter(|e| e.shims.prefix(depth) == at) {
        if e.shims.len() == depth {
            let term = match e.v6_ext {
                None => plain(sides),
                Some(x) => v6_ext_clause(sides, &x),
            };
            if !terms.contains(&term) {
                terms.push(term);
            }
        } else if deeper.is_none() {
            deeper = e.shims.iter().nth(depth);
        }
    }
    if let Some(shim) = deeper {
        let mut next = at;
        next.push(shim);
        let keyword = match shim {
            Shim::Vlan => "vlan",
            Shim::Mpls => "mpls",
            Shim::Pppoe => "pppoes",
        };
        terms.push(format!(
            "{keyword} and ({})",
            native_chain(sides, chain, next)
        ));
    }
    if terms.len() == 1 {
        return terms.remove(0);
    }
    terms
        .iter()
        .map(|t| format!("({t})"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// IPv6 with extension headers before TCP, with libpcap's `ip6[]` offsets: its `port` only
/// looks right after the fixed header.
fn v6_ext_clause(sides: Sides, x: &V6Ext) -> String {
    let mut s = format!("ip6[6] == {} and ip6[{}] == 6", x.first, x.last_at);
    if let Some(f) = x.fragment_at {
        let _ = write!(s, " and ip6[{}:2] & 0xfff8 == 0", u32::from(f) + 2);
    }
    s.push_str(" and ");
    sides.bpf(&mut s, Some(u32::from(x.tcp_at)));
    s
}

/// A clause by byte offsets from libpcap's link header (`link[]`), for a layout its keywords
/// cannot reach: the guards that identify the layout, then IP and TCP at the offset seen.
fn raw_clause(sides: Sides, e: &Encap) -> String {
    let base = usize::from(e.link_base);
    let o = usize::from(e.ip_offset).saturating_sub(base);
    let mut parts: Vec<String> = e
        .guards
        .iter()
        .chain(e.tunnel.as_ref().map(|t| &t.overlay_at))
        .filter(|g| g.is_set() && usize::from(g.offset) >= base)
        .map(|g| guard(g, base))
        .collect();
    match sides.ipv6() {
        false => {
            let header = format!("((link[{o}] & 0xf) << 2)");
            parts.push(format!("link[{o}] & 0xf0 == 0x40"));
            parts.push(format!("link[{}] == 6", o + 9));
            parts.push(format!("link[{}:2] & 0x1fff == 0", o + 6));
            let addr_at = |out: &mut String, a: IpAddr, at: usize| {
                if let IpAddr::V4(a) = a {
                    let _ = write!(out, "link[{at}:4] == {:#010x}", u32::from(a));
                }
            };
            let mut part = String::new();
            sides.raw(
                &mut part,
                (o + 12, o + 16),
                (&format!("{o} + {header}"), &format!("{} + {header}", o + 2)),
                addr_at,
            );
            parts.push(part);
        }
        true => {
            let addr_at = |out: &mut String, a: IpAddr, at: usize| {
                let IpAddr::V6(a) = a else {
                    return;
                };
                let octets = a.octets();
                let words =
                    (octets.chunks(4)).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                for (i, w) in words.enumerate() {
                    let join = if i > 0 { " and " } else { "" };
                    let _ = write!(out, "{join}link[{}:4] == {w:#010x}", at + 4 * i);
                }
            };
            parts.push(format!("link[{o}] & 0xf0 == 0x60"));
            let tcp_at = match e.v6_ext {
                None => {
                    parts.push(format!("link[{}] == 6", o + 6));
                    o + 40
                }
                Some(x) => {
                    parts.push(format!("link[{}] == {}", o + 6, x.first));
                    parts.push(format!("link[{}] == 6", o + usize::from(x.last_at)));
                    if let Some(f) = x.fragment_at {
                        parts.push(format!("link[{}:2] & 0xfff8 == 0", o + usize::from(f) + 2));
                    }
                    o + usize::from(x.tcp_at)
                }
            };
            let mut part = String::new();
            sides.raw(
                &mut part,
                (o + 8, o + 24),
                (&tcp_at.to_string(), &(tcp_at + 2).to_string()),
                addr_at,
            );
            parts.push(part);
        }
    }
    parts.join(" and ")
}

fn guard(g: &Guard, base: usize) -> String {
    let at = usize::from(g.offset) - base;
    let load = match g.len {
        1 => format!("link[{at}]"),
        n => format!("link[{at}:{n}]"),
    };
    let full = match g.len {
        1 => 0xff,
        2 => 0xffff,
        _ => 0xffff_ffff,
    };
    if g.mask == full {
        format!("{load} == {:#x}", g.value)
    } else {
        format!("{load} & {:#x} == {:#x}", g.mask, g.value)
    }
}

/// "Ethernet (1)" for headings of several filters ([`crate::decode::link_label`]).
pub use crate::decode::link_label;

/// The BPF filters of an offender as a report shows them: `(label, filter)` with no label when
/// there is one link type, else each labelled with its link type; then the notes.
pub fn bpf_lines(o: &Offender) -> (Vec<(Option<String>, String)>, Vec<String>) {
    bpf_lines_of(Sides::endpoint(o.addr, o.port), o.encaps.as_slice())
}

/// [`bpf_lines`] of the packets between `sides`, carried as `encaps` say.
pub fn bpf_lines_of(
    sides: Sides,
    encaps: &[Encap],
) -> (Vec<(Option<String>, String)>, Vec<String>) {
    let filters = bpf_filters_of(sides, encaps);
    if filters.is_empty() {
        return (vec![(None, plain(sides))], Vec::new());
    }
    let several = filters.len() > 1;
    let notes = filters.iter().filter_map(|f| f.note.clone()).collect();
    let lines = filters
        .into_iter()
        .map(|f| (several.then(|| link_label(f.link_type)), f.filter))
        .collect();
    (lines, notes)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use pcap::{Capture, Linktype};

    use super::*;

    fn encap(link_type: u32, shims: &[Shim]) -> Encap {
        let mut s = Shims::default();
        for &shim in shims {
            s.push(shim);
        }
        Encap {
            link_type,
            shims: s,
            ..Encap::default()
        }
    }

    fn compiles(link_type: u32, filter: &str) -> bool {
        let dlt = if link_type == 101 {
            12
        } else {
            link_type as i32
        };
        Capture::dead(Linktype(dlt))
            .expect("dead handle")
            .compile(filter, true)
            .is_ok()
    }

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));

    /// Regression: every filter was `(tcp and ...) or (vlan and tcp and ...)`, which libpcap
    /// refuses on link types without VLANs ("no VLAN support for BSD loopback"): Npcap's
    /// loopback, macOS lo0, raw IP, and the Linux SLL2 that `rstscope capture` writes.
    #[test]
    fn filters_compile_on_link_types_without_vlans() {
        for lt in [0, 101, 108, 113, 228, 276, 9, 104, 105, 127] {
            let f = bpf_filters(A, 7211, &[encap(lt, &[])]);
            assert_eq!(f.len(), 1);
            assert!(!f[0].filter.contains("vlan"), "{lt}: {}", f[0].filter);
            assert!(compiles(lt, &f[0].filter), "{lt}: {}", f[0].filter);
        }
    }

    #[test]
    fn shim_layers_nest_and_branches_go_by_offset() {
        use Shim::*;
        let mut qinq = encap(1, &[Vlan, Vlan]);
        qinq.ip_offset = 22;
        let mut mpls = encap(1, &[Mpls, Mpls]);
        mpls.ip_offset = 22;
        let encaps = [encap(1, &[]), encap(1, &[Vlan]), qinq, mpls];
        let f = &bpf_filters(A, 80, &encaps)[0].filter;
        assert!(
            f.starts_with("((tcp and ((src host 127.0.0.1 and src port 80) or (dst host 127.0.0.1 and dst port 80))) or (vlan and ((tcp and"),
            "{f}"
        );
        assert!(f.contains("(vlan and (tcp and"), "{f}");
        // MPLS is a branch beside VLAN: by offsets, after the keywords.
        assert!(!f.contains("mpls"), "{f}");
        assert!(f.contains("link[22] & 0xf0 == 0x40"), "{f}");
        assert!(compiles(1, f), "{f}");
        // The same shims on SLL2, where libpcap has no VLAN keyword: offsets.
        let mut sll2 = encap(276, &[Vlan]);
        sll2.ip_offset = 24;
        let f = &bpf_filters(A, 80, &[sll2])[0].filter;
        assert!(!f.contains("vlan") && compiles(276, f), "{f}");
    }

    /// Every part of a filter written into one string gives the string the parts made one by
    /// one: an IPv6 endpoint by offsets (its address in four words) and by keywords, and the
    /// Wireshark filter of an IPv4 one.
    #[test]
    fn filters_written_in_one_string_read_as_their_parts() {
        let v6: IpAddr = "2001:db8::7".parse().expect("ip");
        let mut sll2 = Encap {
            ipv6: true,
            ..encap(276, &[Shim::Vlan])
        };
        sll2.ip_offset = 24;
        let f = &bpf_filters(v6, 443, &[sll2])[0].filter;
        assert_eq!(
            f,
            "link[24] & 0xf0 == 0x60 and link[30] == 6 and ((link[32:4] == 0x20010db8 and \
             link[36:4] == 0x00000000 and link[40:4] == 0x00000000 and link[44:4] == 0x00000007 \
             and link[64:2] == 443) or (link[48:4] == 0x20010db8 and link[52:4] == 0x00000000 \
             and link[56:4] == 0x00000000 and link[60:4] == 0x00000007 and link[66:2] == 443))"
        );
        let native = Encap {
            ipv6: true,
            ..encap(1, &[])
        };
        assert_eq!(
            bpf_filters(v6, 443, &[native])[0].filter,
            "tcp and ((src host 2001:db8::7 and src port 443) or (dst host 2001:db8::7 and dst port 443))"
        );
        assert_eq!(
            wireshark_filter(A, 7211, &[encap(1, &[])]),
            "ip.proto#1 == 6 && ((ip.src#1 == 127.0.0.1 && tcp.srcport#1 == 7211) || (ip.dst#1 == \
             127.0.0.1 && tcp.dstport#1 == 7211))"
        );
    }

    #[test]
    fn one_filter_per_link_type_and_only_the_endpoint_version() {
        let v6 = Encap {
            ipv6: true,
            ..encap(1, &[])
        };
        let f = bpf_filters(A, 80, &[encap(276, &[]), v6, encap(101, &[])]);
        let link_types: Vec<u32> = f.iter().map(|f| f.link_type.0).collect();
        assert_eq!(link_types, [276, 101]);
        assert!(bpf_filters(A, 80, &[]).is_empty());
    }

    /// A scan's packets: between two hosts on any port (a port scan), or between a client and
    /// a port on any address (a sweep); through keywords, a VLAN chain, offsets and IPv6
    /// extension headers alike, each compiled by libpcap.
    #[test]
    fn a_scans_filters_select_both_hosts_or_the_client_and_its_port() {
        use Shim::*;
        let (server, client): (IpAddr, IpAddr) = (A, "10.0.0.1".parse().expect("ip"));
        let hosts = Sides {
            a: Side::host(server),
            b: Side::host(client),
        };
        let sweep = Sides {
            a: Side::port(22),
            b: Side::host(client),
        };
        let range = Sides {
            a: Side {
                addr: Some(server),
                ports: Some((7500, 7599)),
            },
            b: Side::host(client),
        };
        assert_eq!(
            plain(hosts),
            "tcp and ((src host 127.0.0.1 and dst host 10.0.0.1) or (src host 10.0.0.1 and dst host 127.0.0.1))"
        );
        assert_eq!(
            plain(sweep),
            "tcp and ((src port 22 and dst host 10.0.0.1) or (src host 10.0.0.1 and dst port 22))"
        );
        assert_eq!(
            wireshark_filter_of(sweep, &[]),
            "ip.proto#1 == 6 && ((tcp.srcport#1 == 22 && ip.dst#1 == 10.0.0.1) || (ip.src#1 == 10.0.0.1 && tcp.dstport#1 == 22))"
        );
        assert_eq!(
            plain(range),
            "tcp and ((src host 127.0.0.1 and src portrange 7500-7599 and dst host 10.0.0.1) or (src host 10.0.0.1 and dst host 127.0.0.1 and dst portrange 7500-7599))"
        );
        assert_eq!(range.direction((A, 7599), (client, 1)), Some(true));
        assert_eq!(range.direction((client, 1), (A, 7211)), None);
        let mut mpls = encap(1, &[Mpls, Mpls]);
        mpls.ip_offset = 22;
        let encaps = [encap(1, &[]), encap(1, &[Vlan]), mpls];
        for sides in [hosts, sweep, range] {
            let f = &bpf_filters_of(sides, &encaps)[0].filter;
            assert!(compiles(1, f), "{f}");
            assert!(f.contains("link[22] & 0xf0 == 0x40"), "by offsets: {f}");
        }
        assert_eq!(hosts.direction((A, 80), (client, 40000)), Some(true));
        assert_eq!(hosts.direction((client, 40000), (A, 7)), Some(false));
        assert_eq!(hosts.direction((client, 40000), (client, 7)), None);
        assert_eq!(
            sweep.direction(("10.9.9.9".parse().expect("ip"), 22), (client, 1)),
            Some(true)
        );
        assert_eq!(
            sweep.direction((client, 1), ("10.9.9.9".parse().expect("ip"), 23)),
            None
        );
        assert_eq!(hosts.words(), "between 10.0.0.1 and 127.0.0.1");
        assert_eq!(sweep.words(), "between 10.0.0.1 and port 22 of any address");
        assert_eq!(Sides::endpoint(A, 80).words(), "to or from 127.0.0.1:80");
    }

    #[test]
    fn wireshark_filters_take_the_outermost_headers() {
        assert_eq!(
            wireshark_filter(A, 7211, &[]),
            "ip.proto#1 == 6 && ((ip.src#1 == 127.0.0.1 && tcp.srcport#1 == 7211) || (ip.dst#1 == 127.0.0.1 && tcp.dstport#1 == 7211))"
        );
        let f = wireshark_filter(IpAddr::V6(Ipv6Addr::LOCALHOST), 80, &[]);
        assert!(f.starts_with("!ip && !icmpv6 && ((ipv6.src#1 == ::1 && tcp.srcport#1 == 80)"));
    }
}
