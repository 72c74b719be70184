//! OSes without a counter reader yet: every call says so.
//!
//! Planned: Windows through `GetTcpStatistics(Ex)` (`dwAttemptFails`, `dwEstabResets`,
//! `dwOutRsts`) and macOS through the `net.inet.tcp.stats` sysctl, each in its own module like
//! `linux.rs`. Until then captures are analyzed without the kernel's counters.

use super::{HostError, TcpCounters};

/// Always [`HostError::Unsupported`], naming this build's OS.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    Err(HostError::Unsupported {
        os: std::env::consts::OS,
    })
}
