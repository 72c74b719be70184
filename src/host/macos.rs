//! macOS: the kernel's TCP counters from the `net.inet.tcp.stats` sysctl (`struct tcpstat`,
//! what `netstat -s -p tcp` prints).
//!
//! `struct tcpstat` (xnu's `bsd/netinet/tcp_var.h`) is a run of 32-bit counters covering IPv4
//! and IPv6 together. BSD counts differently from Linux; each is given the Linux name of the
//! nearest counter, so reports line up across OSes:
//!
//! | rstscope name       | `tcpstat` field     | BSD meaning                        | how near                 |
//! |---------------------|---------------------|------------------------------------|--------------------------|
//! | `ActiveOpens`       | `tcps_connattempt`  | connections initiated              | the same                 |
//! | `PassiveOpens`      | `tcps_accepts`      | connections accepted               | the same                 |
//! | `AttemptFails`      | `tcps_conndrops`    | embryonic connections dropped      | failed before ESTABLISHED, both directions (Linux counts a failed accept as SYN-RECV to CLOSED too) |
//! | `EstabResets`       | `tcps_drops`        | connections dropped                | also counts drops by timeout, not only by RST |
//! | `ListenOverflows`   | `tcps_listendrop`   | listen queue overflows             | the same                 |
//! | `TCPAbortOnTimeout` | `tcps_timeoutdrop`  | connections dropped in retransmit timeout | the same          |
//!
//! There is no counter of RSTs sent (`OutRsts`): BSD counts them in `tcps_sndctrl` together
//! with SYNs and FINs, so it is left out rather than given a misleading number.
//!
//! Also the machine's hardware UUID (`gethostuuid`), its ID in the agent's reports.

use std::ffi::CStr;
use std::io;

use super::{HostError, TcpCounters};

const SYSCTL: &CStr = c"net.inet.tcp.stats";

/// `(Linux name, index of the u_int32_t field in struct tcpstat)`, in the order reports show.
const FIELDS: [(&str, usize); 6] = [
    ("ActiveOpens", 0),       // tcps_connattempt
    ("PassiveOpens", 1),      // tcps_accepts
    ("AttemptFails", 4),      // tcps_conndrops
    ("EstabResets", 3),       // tcps_drops
    ("ListenOverflows", 60),  // tcps_listendrop
    ("TCPAbortOnTimeout", 9), // tcps_timeoutdrop
];

/// Reads the sysctl now.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    let words = read_sysctl()?;
    pick(&words)
}

/// The whole `struct tcpstat`, as 32-bit words.
fn read_sysctl() -> Result<Vec<u32>, HostError> {
    let err = |source: io::Error| HostError::Call {
        call: "sysctlbyname",
        what: "net.inet.tcp.stats",
        source,
    };
    let mut len: libc::size_t = 0;
    // SAFETY: the name is NUL-terminated; a null output buffer asks only for the size, which
    // is written to `len`, valid for the call; no new value is set (null, 0).
    let rc = unsafe {
        libc::sysctlbyname(
            SYSCTL.as_ptr(),
            std::ptr::null_mut(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(err(io::Error::last_os_error()));
    }
    let mut words = vec![0u32; len.div_ceil(4)];
    let mut len = words.len() * 4;
    // SAFETY: `words` holds `len` bytes, and the kernel writes at most `len` bytes and stores
    // how many it wrote in `len`; both live across the call; no new value is set.
    let rc = unsafe {
        libc::sysctlbyname(
            SYSCTL.as_ptr(),
            words.as_mut_ptr().cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    if rc != 0 {
        return Err(err(io::Error::last_os_error()));
    }
    words.truncate(len / 4);
    Ok(words)
}

/// The counters rstscope uses, from the struct's words.
fn pick(words: &[u32]) -> Result<TcpCounters, HostError> {
    FIELDS
        .iter()
        .map(|&(name, index)| match words.get(index) {
            Some(&value) => Ok((name, u64::from(value))),
            None => Err(HostError::MissingCounter {
                path: SYSCTL.to_string_lossy().into_owned(),
                section: "struct tcpstat",
                name,
            }),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(TcpCounters::new)
}

/// The hardware's UUID (`IOPlatformUUID`, what `ioreg` and System Information show) from
/// `gethostuuid`, its 16 bytes; `None` when the call fails. Type-checked in CI, never run
/// there: no macOS machine runs the tests.
pub(super) fn host_uuid() -> Option<[u8; 16]> {
    let mut id = [0u8; 16];
    // A bound on the wait: the UUID comes from a daemon that answers at once, but a wait of
    // zero would mean waiting for ever.
    let wait = libc::timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    // SAFETY: `id` is a uuid_t (16 bytes), exclusively borrowed for the call, which writes
    // exactly 16 bytes to it; `wait` is a local that lives across the call.
    let rc = unsafe { libc::gethostuuid(id.as_mut_ptr(), &wait) };
    (rc == 0).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_from_their_places_in_struct_tcpstat() {
        let words: Vec<u32> = (0..100).collect();
        let counters = pick(&words).expect("long enough");
        assert_eq!(counters.get("ActiveOpens"), Some(0));
        assert_eq!(counters.get("AttemptFails"), Some(4));
        assert_eq!(counters.get("ListenOverflows"), Some(60));
    }

    #[test]
    fn a_short_struct_names_the_missing_counter() {
        let err = pick(&[0; 10]).expect_err("too short");
        assert!(err.to_string().contains("ListenOverflows"), "{err}");
    }

    #[test]
    fn the_running_kernel_answers() {
        let counters = read_tcp_counters().expect("sysctl answers");
        assert!(counters.get("ActiveOpens").is_some());
    }
}
