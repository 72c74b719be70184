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
    let direct = direct_wireshark_filter(addr, port);
    let ipv6 = addr.is_ipv6();
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
    let a = super::address(addr);
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
        clauses.push(network + &match addr {
            IpAddr::V4(_) => {
                let k = t.v4_before + 1;
                format!(
                    "ip.proto#{k} == 6 && ((ip.src#{k} == {a} && tcp.srcport#1 == {port}) || (ip.dst#{k} == {a} && tcp.dstport#1 == {port}))"
                )
            }
            IpAddr::V6(_) => {
                let k = t.v6_before + 1;
                format!(
                    "{} && !icmpv6 && ((ipv6.src#{k} == {a} && tcp.srcport#1 == {port}) || (ipv6.dst#{k} == {a} && tcp.dstport#1 == {port}))",
                    t.tunnel.wireshark_filter()
                )
            }
        });
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
fn direct_wireshark_filter(addr: IpAddr, port: u16) -> String {
    let a = super::address(addr);
    match addr {
        IpAddr::V4(_) => format!(
            "ip.proto#1 == 6 && ((ip.src#1 == {a} && tcp.srcport#1 == {port}) || (ip.dst#1 == {a} && tcp.dstport#1 == {port}))"
        ),
        IpAddr::V6(_) => format!(
            "!ip && !icmpv6 && ((ipv6.src#1 == {a} && tcp.srcport#1 == {port}) || (ipv6.dst#1 == {a} && tcp.dstport#1 == {port}))"
        ),
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
    bpf_filters(o.addr, o.port, o.encaps.as_slice())
        .into_iter()
        .next()
        .map_or_else(|| plain(o.addr, o.port), |f| f.filter)
}

/// One BPF filter per link type among `encaps` (the ways the endpoint's packets were carried,
/// most packets first), each selecting the endpoint's TCP packets in frames of that link type.
/// With no encapsulation known, one link-type-free filter.
pub fn bpf_filters(addr: IpAddr, port: u16, encaps: &[Encap]) -> Vec<BpfFilter> {
    let encaps: Vec<Encap> = encaps
        .iter()
        .copied()
        .filter(|e| e.ipv6 == addr.is_ipv6())
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
            let (filter, note) = for_link_type(addr, port, &of_link);
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
fn plain(addr: IpAddr, port: u16) -> String {
    let addr = super::address(addr);
    format!(
        "tcp and ((src host {addr} and src port {port}) or (dst host {addr} and dst port {port}))"
    )
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
fn for_link_type(addr: IpAddr, port: u16, encaps: &[Encap]) -> (String, Option<String>) {
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
        clauses.push(native_chain(addr, port, &chain, Shims::default()));
    }
    // A BPF load past the end of a packet rejects the packet at once, whatever the clauses
    // after it would say: so the clauses that read less come first (a packet of a clause is
    // long enough for those before it, and each clause tests its guards before reading on).
    by_offset.sort_by_key(|e| (e.ip_offset.saturating_sub(e.link_base), e.v6_ext));
    for e in &by_offset {
        let clause = raw_clause(addr, port, e);
        if !clauses.contains(&clause) {
            clauses.push(clause);
        }
    }
    let filter = match clauses.len() {
        0 => plain(addr, port),
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
fn native_chain(addr: IpAddr, port: u16, chain: &[Encap], at: Shims) -> String {
    let depth = at.len();
    let mut terms: Vec<String> = Vec::new();
    let mut deeper: Option<Shim> = None;
    for e in chain.iter().filter(|e| e.shims.prefix(depth) == at) {
        if e.shims.len() == depth {
            let term = match e.v6_ext {
                None => plain(addr, port),
                Some(x) => v6_ext_clause(addr, port, &x),
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
            native_chain(addr, port, chain, next)
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
fn v6_ext_clause(addr: IpAddr, port: u16, x: &V6Ext) -> String {
    let mut s = format!("ip6[6] == {} and ip6[{}] == 6", x.first, x.last_at);
    if let Some(f) = x.fragment_at {
        let _ = write!(s, " and ip6[{}:2] & 0xfff8 == 0", u32::from(f) + 2);
    }
    let _ = write!(
        s,
        " and ((src host {addr} and ip6[{}:2] == {port}) or (dst host {addr} and ip6[{}:2] == {port}))",
        x.tcp_at,
        u32::from(x.tcp_at) + 2
    );
    s
}

/// A clause by byte offsets from libpcap's link header (`link[]`), for a layout its keywords
/// cannot reach: the guards that identify the layout, then IP and TCP at the offset seen.
fn raw_clause(addr: IpAddr, port: u16, e: &Encap) -> String {
    let base = usize::from(e.link_base);
    let o = usize::from(e.ip_offset).saturating_sub(base);
    let mut parts: Vec<String> = e
        .guards
        .iter()
        .chain(e.tunnel.as_ref().map(|t| &t.overlay_at))
        .filter(|g| g.is_set() && usize::from(g.offset) >= base)
        .map(|g| guard(g, base))
        .collect();
    match addr {
        IpAddr::V4(a) => {
            let a = u32::from(a);
            let header = format!("((link[{o}] & 0xf) << 2)");
            parts.push(format!("link[{o}] & 0xf0 == 0x40"));
            parts.push(format!("link[{}] == 6", o + 9));
            parts.push(format!("link[{}:2] & 0x1fff == 0", o + 6));
            parts.push(format!(
                "((link[{}:4] == {a:#010x} and link[{o} + {header}:2] == {port}) or (link[{}:4] == {a:#010x} and link[{} + {header}:2] == {port}))",
                o + 12,
                o + 16,
                o + 2
            ));
        }
        IpAddr::V6(a) => {
            let words: Vec<u32> = a
                .octets()
                .chunks(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let addr_at = |at: usize| {
                words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("link[{}:4] == {w:#010x}", at + 4 * i))
                    .collect::<Vec<_>>()
                    .join(" and ")
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
            parts.push(format!(
                "(({} and link[{tcp_at}:2] == {port}) or ({} and link[{}:2] == {port}))",
                addr_at(o + 8),
                addr_at(o + 24),
                tcp_at + 2
            ));
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
    let filters = bpf_filters(o.addr, o.port, o.encaps.as_slice());
    if filters.is_empty() {
        return (vec![(None, plain(o.addr, o.port))], Vec::new());
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
