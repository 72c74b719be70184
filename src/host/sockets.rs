//! The socket table: TCP sockets of this machine with the process that owns each.
//!
//! Read through the `listeners` crate, which does it per OS (Linux: `/proc/net/tcp{,6}` and
//! each process's open descriptors; macOS: libproc; Windows: the extended TCP tables), so
//! rstscope has no per-OS code here. Root (Administrator) sees every process's sockets; an
//! ordinary user only their own, which the host notes say.

use std::net::SocketAddr;

use super::HostError;

/// The TCP states rstscope tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SocketState {
    /// Listening: a server.
    Listen,
    /// Established: a live connection (a client's socket, or a server's accepted one).
    Established,
    /// Any other state (connecting, closing).
    Other,
}

/// One socket of the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketEntry {
    /// The socket's own address and port.
    pub local: SocketAddr,
    /// Its state.
    pub state: SocketState,
    /// The owning process.
    pub pid: u32,
    /// The owning process's name as the table gives it.
    pub name: String,
}

/// Reads the TCP socket table now.
///
/// # Errors
/// [`HostError::Sockets`] with the OS's reason.
pub fn tcp_sockets() -> Result<Vec<SocketEntry>, HostError> {
    let all = listeners::get_all().map_err(|e| HostError::Sockets {
        message: e.to_string(),
    })?;
    Ok(all
        .into_iter()
        .filter(|l| l.protocol == listeners::Protocol::TCP)
        .map(|l| SocketEntry {
            local: l.socket,
            state: match l.state {
                listeners::SocketState::Listen => SocketState::Listen,
                listeners::SocketState::Established => SocketState::Established,
                _ => SocketState::Other,
            },
            pid: l.process.pid,
            name: l.process.name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_this_test_opens_is_in_the_table_with_this_process() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
        let addr = l.local_addr().expect("bound address");
        let c = std::net::TcpStream::connect(addr).expect("connect to own listener");
        let client = c.local_addr().expect("client address");
        let table = tcp_sockets().expect("socket table");
        let me = std::process::id();
        assert!(
            table
                .iter()
                .any(|s| s.local == addr && s.state == SocketState::Listen && s.pid == me),
            "{addr} not listed as listening by pid {me}"
        );
        assert!(
            table
                .iter()
                .any(|s| s.local == client && s.state == SocketState::Established && s.pid == me),
            "client socket {client} not listed as established by pid {me}"
        );
    }
}
