//! OSes without a counter reader (neither Linux, Windows nor macOS): every call says so, and
//! captures are analyzed without the kernel's counters.

use super::{HostError, TcpCounters};

/// Always [`HostError::Unsupported`], naming this build's OS.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    Err(HostError::Unsupported {
        os: std::env::consts::OS,
    })
}
