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

use windows_sys::Win32::Foundation::NO_ERROR;
use windows_sys::Win32::NetworkManagement::IpHelper::{GetTcpStatisticsEx, MIB_TCPSTATS_LH};
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

#[cfg(test)]
mod tests {
    use super::*;

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
