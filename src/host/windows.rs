//! Windows: the kernel's TCP counters from `GetTcpStatisticsEx`, IPv4 and IPv6 summed.
//!
//! Windows keeps one `MIB_TCPSTATS` per address family; Linux counts both families together,
//! so the two readings are added. The counters carry Linux's names (`/proc/net/snmp`'s `Tcp`
//! section) so that reports line up across OSes; both follow RFC 1213's tcp group (`tcpActiveOpens`
//! and so on), so the meanings are the same:
//!
//! | rstscope name  | `MIB_TCPSTATS` field | counts                                                  |
//! |----------------|----------------------|---------------------------------------------------------|
//! | `ActiveOpens`  | `dwActiveOpens`      | connects started by this host (SYN sent)                |
//! | `PassiveOpens` | `dwPassiveOpens`     | connections accepted from other hosts (SYN received)    |
//! | `AttemptFails` | `dwAttemptFails`     | connects that failed (refused, timed out) before ESTABLISHED |
//! | `EstabResets`  | `dwEstabResets`      | established connections reset                           |
//! | `OutRsts`      | `dwOutRsts`          | segments sent with RST (e.g. refusals of remote clients) |
//!
//! The fields are 32-bit and wrap; `CounterSeries` takes a drop as a reset.

use std::io;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, NO_ERROR};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetTcpStatisticsEx, MIB_TCPSTATS_LH, TCP_TABLE_OWNER_PID_LISTENER,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};

use super::{HostError, TcpCounters};

/// Reads both families now and sums them.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    let v4 = family(AF_INET, "IPv4")?;
    let v6 = family(AF_INET6, "IPv6")?;
    Ok(TcpCounters::new(
        named(&v4)
            .into_iter()
            .zip(named(&v6))
            .map(|((name, a), (_, b))| (name, u64::from(a) + u64::from(b)))
            .collect(),
    ))
}

/// One family's statistics.
fn family(af: u16, label: &'static str) -> Result<MIB_TCPSTATS_LH, HostError> {
    let mut stats = MIB_TCPSTATS_LH::default();
    // SAFETY: `stats` is a valid, exclusively borrowed MIB_TCPSTATS_LH for the whole call, which
    // writes one such struct through the pointer and keeps nothing.
    let status = unsafe { GetTcpStatisticsEx(&mut stats, u32::from(af)) };
    if status != NO_ERROR {
        return Err(HostError::Call {
            call: "GetTcpStatisticsEx",
            what: label,
            source: io::Error::from_raw_os_error(status as i32),
        });
    }
    Ok(stats)
}

/// The local address of every listening TCP socket, both families, whether or not its
/// process can be named: the `listeners` crate leaves out rows whose process it cannot name
/// (one that ended between the table and the process list; under wine, a program's own),
/// and a listener left out would read as "nothing listens". Empty when the table cannot be read.
pub(super) fn listening_addresses() -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for (af, row, local) in [
        (AF_INET, 24, read_v4 as fn(&[u8]) -> Option<SocketAddr>),
        (AF_INET6, 56, read_v6),
    ] {
        let Some(table) = listener_table(af) else {
            continue;
        };
        out.extend(rows(&table, row).filter_map(local));
    }
    out
}

/// `GetExtendedTcpTable`'s listener table of one family, as bytes (grown until it fits).
fn listener_table(af: u16) -> Option<Vec<u8>> {
    let mut size: u32 = 4096;
    for _ in 0..8 {
        let mut buf = vec![0u8; size as usize];
        // SAFETY: `buf` is a live, writable buffer of `size` bytes for the whole call, which
        // writes at most `size` bytes (or says the size it needs in `size`) and keeps nothing.
        let status = unsafe {
            GetExtendedTcpTable(
                buf.as_mut_ptr().cast(),
                &mut size,
                0,
                u32::from(af),
                TCP_TABLE_OWNER_PID_LISTENER,
                0,
            )
        };
        match status {
            NO_ERROR => return Some(buf),
            ERROR_INSUFFICIENT_BUFFER => size = size.saturating_add(4096),
            _ => return None,
        }
    }
    None
}

/// The rows of a `MIB_TCPTABLE_OWNER_PID` / `MIB_TCP6TABLE_OWNER_PID`: a 32-bit count, then
/// rows of `row` bytes (4-byte aligned, so they start at offset 4).
fn rows(table: &[u8], row: usize) -> impl Iterator<Item = &[u8]> {
    let count = table
        .get(0..4)
        .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize);
    table
        .get(4..)
        .unwrap_or_default()
        .chunks_exact(row)
        .take(count)
}

/// `MIB_TCPROW_OWNER_PID`: state, local address (network order), local port (network order in
/// its low 16 bits' bytes), remote address and port, PID.
fn read_v4(r: &[u8]) -> Option<SocketAddr> {
    let ip = Ipv4Addr::new(*r.get(4)?, r[5], r[6], r[7]);
    Some(SocketAddr::new(
        IpAddr::V4(ip),
        u16::from_be_bytes([r[8], r[9]]),
    ))
}

/// `MIB_TCP6ROW_OWNER_PID`: local address (16 bytes), scope, local port, remote address,
/// scope and port, state, PID.
fn read_v6(r: &[u8]) -> Option<SocketAddr> {
    let bytes: [u8; 16] = r.get(0..16)?.try_into().ok()?;
    Some(SocketAddr::new(
        IpAddr::V6(Ipv6Addr::from(bytes)),
        u16::from_be_bytes([*r.get(20)?, r[21]]),
    ))
}

/// The counters rstscope uses, by their Linux names, in Linux's order.
fn named(s: &MIB_TCPSTATS_LH) -> [(&'static str, u32); 5] {
    [
        ("ActiveOpens", s.dwActiveOpens),
        ("PassiveOpens", s.dwPassiveOpens),
        ("AttemptFails", s.dwAttemptFails),
        ("EstabResets", s.dwEstabResets),
        ("OutRsts", s.dwOutRsts),
    ]
}

/// Each network adapter's name as Windows keeps it (`{GUID}`, the tail of Npcap's
/// `\Device\NPF_{GUID}`) with its friendly name (`Ethernet 2`, `Wi-Fi`: what `ipconfig` and
/// the Network Connections window call it); empty when the call fails.
pub(super) fn adapter_friendly_names() -> Vec<(String, String)> {
    use windows_sys::Win32::Foundation::ERROR_BUFFER_OVERFLOW;
    use windows_sys::Win32::NetworkManagement::IpHelper::{
        GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_DNS_SERVER, GAA_FLAG_SKIP_MULTICAST,
        GAA_FLAG_SKIP_UNICAST, GetAdaptersAddresses, IP_ADAPTER_ADDRESSES_LH,
    };
    use windows_sys::Win32::Networking::WinSock::AF_UNSPEC;
    let flags = GAA_FLAG_SKIP_UNICAST
        | GAA_FLAG_SKIP_ANYCAST
        | GAA_FLAG_SKIP_MULTICAST
        | GAA_FLAG_SKIP_DNS_SERVER;
    // Microsoft's advice: start with 15 KB; the call says how much it needs when that is short
    // (and adapters may come between two calls).
    let mut size: u32 = 15 * 1024;
    for _ in 0..3 {
        // u64s: the structures it writes are 8-byte aligned.
        let mut buf = vec![0u64; (size as usize).div_ceil(8)];
        let first = buf.as_mut_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
        // SAFETY: `buf` is writable for `size` bytes (rounded up) and outlives the call, which
        // writes at most `size` bytes of linked IP_ADAPTER_ADDRESSES_LH into it, or sets `size`
        // to what it needs and returns ERROR_BUFFER_OVERFLOW; the reserved pointer is null.
        let status = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                flags,
                std::ptr::null(),
                first,
                &mut size,
            )
        };
        if status == ERROR_BUFFER_OVERFLOW {
            continue;
        }
        if status != NO_ERROR {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut at = first.cast_const();
        while !at.is_null() {
            // SAFETY: `at` is the first entry, or the `Next` of one, that the call wrote into
            // `buf`, which is still alive; the list ends with a null `Next`.
            let a = unsafe { &*at };
            // SAFETY: when not null, AdapterName is a NUL-terminated ANSI string and
            // FriendlyName a NUL-terminated UTF-16 string, both inside `buf`.
            let (name, friendly) = unsafe { (ansi(a.AdapterName), wide_string(a.FriendlyName)) };
            if let (Some(name), Some(friendly)) = (name, friendly) {
                out.push((name, friendly));
            }
            at = a.Next;
        }
        return out;
    }
    Vec::new()
}

/// A NUL-terminated ANSI string, `None` when null or empty.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn ansi(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's promise.
    let s = unsafe { std::ffi::CStr::from_ptr(p.cast()) };
    Some(s.to_string_lossy().into_owned()).filter(|s| !s.is_empty())
}

/// A NUL-terminated UTF-16 string, `None` when null or empty.
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
unsafe fn wide_string(p: *const u16) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the caller's promise: every unit up to and including the NUL is readable.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL, read above.
    let units = unsafe { std::slice::from_raw_parts(p, len) };
    Some(String::from_utf16_lossy(units)).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_rows_are_read_for_both_families() {
        let mut v4 = vec![0u8; 4 + 2 * 24];
        v4[0..4].copy_from_slice(&2u32.to_ne_bytes());
        for (i, (ip, port)) in [([127, 0, 0, 1], 7211u16), ([0, 0, 0, 0], 445)]
            .iter()
            .enumerate()
        {
            let r = &mut v4[4 + i * 24..4 + (i + 1) * 24];
            r[0..4].copy_from_slice(&2u32.to_ne_bytes()); // MIB_TCP_STATE_LISTEN
            r[4..8].copy_from_slice(ip);
            r[8..10].copy_from_slice(&port.to_be_bytes());
        }
        let got: Vec<SocketAddr> = rows(&v4, 24).filter_map(read_v4).collect();
        assert_eq!(
            got,
            [
                "127.0.0.1:7211".parse().expect("addr"),
                "0.0.0.0:445".parse().expect("addr")
            ]
        );
        let mut v6 = vec![0u8; 4 + 56];
        v6[0..4].copy_from_slice(&1u32.to_ne_bytes());
        v6[4 + 15] = 1;
        v6[4 + 20..4 + 22].copy_from_slice(&8080u16.to_be_bytes());
        let got: Vec<SocketAddr> = rows(&v6, 56).filter_map(read_v6).collect();
        assert_eq!(got, ["[::1]:8080".parse::<SocketAddr>().expect("addr")]);
        // A count beyond the bytes given stops at the bytes.
        v6[0..4].copy_from_slice(&9u32.to_ne_bytes());
        assert_eq!(rows(&v6, 56).count(), 1);
    }

    /// The real table (under wine: the host's sockets, without owners) has this test's
    /// listener.
    #[test]
    fn a_listener_this_test_opens_is_in_the_listener_table() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let addr = l.local_addr().expect("address");
        assert!(
            listening_addresses().contains(&addr),
            "{addr} in {:?}",
            listening_addresses()
        );
    }

    #[test]
    fn both_families_are_read_and_named_as_linux_names_them() {
        let counters = read_tcp_counters().expect("GetTcpStatisticsEx answers");
        let names: Vec<&str> = counters.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "ActiveOpens",
                "PassiveOpens",
                "AttemptFails",
                "EstabResets",
                "OutRsts"
            ]
        );
    }

    /// The names Npcap's devices end in (`{GUID}`), each with a friendly name. Under wine (the
    /// smoke test) they are the Linux interfaces' names, `lo` among them.
    #[test]
    fn each_adapter_has_its_guid_and_friendly_name() {
        let names = adapter_friendly_names();
        println!("adapters: {names:?}");
        assert!(!names.is_empty(), "no adapter at all");
        for (guid, friendly) in &names {
            assert!(guid.starts_with('{') && guid.ends_with('}'), "{guid}");
            assert!(!friendly.is_empty(), "{guid}");
        }
    }

    #[test]
    fn the_sum_covers_ipv4_and_ipv6() {
        let v4 = family(AF_INET, "IPv4").expect("IPv4");
        let v6 = family(AF_INET6, "IPv6").expect("IPv6");
        let sum = read_tcp_counters().expect("both");
        // Counters only grow between the readings (barring a wrap).
        let at_least = u64::from(v4.dwActiveOpens) + u64::from(v6.dwActiveOpens);
        assert!(sum.get("ActiveOpens").expect("named") >= at_least);
    }
}
