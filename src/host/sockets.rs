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
    let mut table: Vec<SocketEntry> = all
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
        .collect();
    add_unseen_listeners(&mut table);
    Ok(table)
}

/// The crate lists only sockets whose process it can see. A listener of a process in another
/// PID namespace (a container) or another user's (without root) still listens: saying
/// "nothing listens" would be wrong, so on Linux it is added with PID [`UNSEEN_PID`].
fn add_unseen_listeners(table: &mut Vec<SocketEntry>) {
    #[cfg(target_os = "linux")]
    for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            for local in proc_net_listeners(&text) {
                let known = table
                    .iter()
                    .any(|e| e.state == SocketState::Listen && e.local == local);
                if !known {
                    table.push(SocketEntry {
                        local,
                        state: SocketState::Listen,
                        pid: UNSEEN_PID,
                        name: String::new(),
                    });
                }
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = table;
}

/// The PID of a listening socket whose process cannot be seen (another PID namespace, or
/// another user's without root).
pub const UNSEEN_PID: u32 = 0;

/// Listening sockets in the text of Linux's `/proc/net/tcp` or `/proc/net/tcp6`: state `0A`,
/// address in the kernel's byte order (32-bit words in host order, little-endian here).
#[cfg(any(target_os = "linux", test))]
fn proc_net_listeners(text: &str) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut fields = line.split_whitespace();
        let (Some(_), Some(local), Some(_), Some(state)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if state != "0A" {
            continue;
        }
        let Some((addr, port)) = local.split_once(':') else {
            continue;
        };
        let Ok(port) = u16::from_str_radix(port, 16) else {
            continue;
        };
        let words: Option<Vec<u32>> = (0..addr.len() / 8)
            .map(|i| u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok())
            .collect();
        let ip: std::net::IpAddr = match words.as_deref() {
            Some([w]) => std::net::Ipv4Addr::from(w.to_le_bytes()).into(),
            Some([a, b, c, d]) => {
                let mut bytes = [0u8; 16];
                for (i, w) in [a, b, c, d].into_iter().enumerate() {
                    bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
                }
                std::net::Ipv6Addr::from(bytes).into()
            }
            _ => continue,
        };
        out.push(SocketAddr::new(ip, port));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as this machine's kernel writes them (a listener of a process in another PID
    /// namespace on 0.0.0.0:2024, a connection, a v6 listener on ::1:7211).
    #[test]
    fn proc_net_tcp_listeners_are_read_in_the_kernels_byte_order() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
             0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1067 1 00000000e72b9b05 100 0 0 10 0\n   \
             1: 0100007F:8C03 0100007F:82A8 06 00000000:00000000 03:00000F20 00000000     0        0 0 3 00000000344a5506\n";
        assert_eq!(
            proc_net_listeners(v4),
            vec!["0.0.0.0:2024".parse::<SocketAddr>().expect("addr")]
        );
        let v6 = "  sl  local_address                         remote_address                        st\n   \
             0: 00000000000000000000000001000000:1C2B 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n";
        assert_eq!(
            proc_net_listeners(v6),
            vec!["[::1]:7211".parse::<SocketAddr>().expect("addr")]
        );
        assert!(proc_net_listeners("header\n garbage line\n").is_empty());
    }

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
