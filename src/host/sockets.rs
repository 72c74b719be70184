//! The socket table: TCP sockets of this machine with the process that owns each.
//!
//! On Linux the kernel lists the sockets ([`crate::host::sock_diag`]: one netlink dump of both
//! address families, only listening, connecting and established ones) and each socket's owner
//! is found by its inode in the processes' descriptors (`/proc/PID/fd`), walked only when a
//! socket not seen before appears, the latest owners' first: an idle machine costs a dump a
//! second, not a walk of every process. On Windows the extended TCP tables give each socket's
//! owning PID, named by the process list's wide-character names (the host module's
//! `tcp_sockets`). Elsewhere, and on a Linux that refuses the netlink request, the `listeners`
//! crate reads it (Linux: `/proc/net/tcp{,6}` and the descriptors; macOS: libproc). Root sees
//! every process's sockets, an ordinary user only their own, which the host notes say; Windows
//! names every socket's owner to every user.

use std::net::SocketAddr;

use super::HostError;

/// The TCP states rstscope tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SocketState {
    /// Listening: a server.
    Listen,
    /// Established: a live connection (a client's socket, or a server's accepted one).
    Established,
    /// Connecting: a SYN sent, no answer yet (SYN-SENT). An unanswered attempt stays so for
    /// its retransmissions (Linux: up to 2 minutes), and a refused one on Windows for the
    /// second or so of Windows' own retries: a sample sees who is connecting.
    Connecting,
    /// Any other state (closing, closed).
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

/// Reads the TCP socket table now (once; a sampler keeps a [`SocketReader`]).
///
/// # Errors
/// [`HostError::Sockets`] with the OS's reason.
pub fn tcp_sockets() -> Result<Vec<SocketEntry>, HostError> {
    SocketReader::default().read()
}

/// Reads the TCP socket table again and again, keeping what it learnt of which process owns
/// which socket.
#[derive(Debug, Default)]
pub struct SocketReader {
    #[cfg(target_os = "linux")]
    owners: linux::Owners,
}

impl SocketReader {
    /// The listening, connecting and established TCP sockets now, each with its owning
    /// process (a listener whose process cannot be seen with [`UNSEEN_PID`]).
    ///
    /// # Errors
    /// [`HostError::Sockets`] with the OS's reason.
    pub fn read(&mut self) -> Result<Vec<SocketEntry>, HostError> {
        #[cfg(target_os = "linux")]
        if let Some(table) = self.owners.read() {
            return Ok(table);
        }
        #[cfg(windows)]
        return super::windows::tcp_sockets();
        #[cfg(not(windows))]
        from_listeners_crate()
    }
}

/// The socket table through the `listeners` crate.
#[cfg(not(windows))]
fn from_listeners_crate() -> Result<Vec<SocketEntry>, HostError> {
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
                listeners::SocketState::SynSent => SocketState::Connecting,
                _ => SocketState::Other,
            },
            pid: l.process.pid,
            name: l.process.name,
        })
        .collect();
    add_unseen_listeners(&mut table);
    Ok(table)
}

/// The crate lists only sockets whose process it can name. A listener of a process in another
/// PID namespace (a container) or another user's (without root) still listens: saying
/// "nothing listens" would be wrong, so on Linux it is added with PID [`UNSEEN_PID`].
#[cfg(not(windows))]
fn add_unseen_listeners(table: &mut Vec<SocketEntry>) {
    for local in listening_addresses() {
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

/// Every listening TCP socket's address, owner or not (Linux; elsewhere none).
#[cfg(not(windows))]
fn listening_addresses() -> Vec<SocketAddr> {
    #[cfg(target_os = "linux")]
    return ["/proc/net/tcp", "/proc/net/tcp6"]
        .into_iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|text| proc_net_listeners(&text))
        .collect();
    #[cfg(not(target_os = "linux"))]
    Vec::new()
}

/// The PID of a listening socket whose process cannot be seen: another PID namespace's, or
/// another user's without root; on Windows, one the socket table gives without an owner (PID
/// 0, as wine does for nearly every socket).
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

/// Linux: the kernel's dump, and the owners of its sockets by inode.
#[cfg(target_os = "linux")]
mod linux {
    use std::collections::{HashMap, HashSet};
    use std::net::IpAddr;

    use super::{SocketEntry, SocketState, UNSEEN_PID};
    use crate::host::sock_diag::{self, DiagSocket, TCP_ESTABLISHED, TCP_LISTEN, TCP_SYN_SENT};

    /// Which process owns which socket, from the last walk of the processes' descriptors.
    #[derive(Debug, Default)]
    pub(super) struct Owners {
        /// Socket inode → (PID, process name).
        by_inode: HashMap<u64, (u32, String)>,
        /// Inodes no visible process holds (another PID namespace, another user's without
        /// root): not searched for again while they last.
        unseen: HashSet<u64>,
        /// The processes that owned the newest sockets found by a walk, latest first: a busy
        /// client (a proxy, a pool) opens new connections every second, and its descriptors
        /// alone, searched first, usually hold them all.
        likely: Vec<u32>,
    }

    impl Owners {
        /// The table now; `None` when the kernel would not give it (the caller falls back).
        pub(super) fn read(&mut self) -> Option<Vec<SocketEntry>> {
            let states = 1 << TCP_LISTEN | 1 << TCP_ESTABLISHED | 1 << TCP_SYN_SENT;
            // One dump of both families (one walk of the kernel's connection hash), or one
            // of each where the kernel does not answer that.
            let sockets = match sock_diag::dump_all(states) {
                Ok(sockets) => sockets,
                Err(_) => {
                    let mut sockets = sock_diag::dump(libc::AF_INET, states).ok()?;
                    // A kernel without IPv6 has no IPv6 sockets to list.
                    sockets.extend(sock_diag::dump(libc::AF_INET6, states).unwrap_or_default());
                    sockets
                }
            };
            Some(self.update(&sockets, owners_of))
        }

        /// The entries of `sockets`, the owners of sockets not seen before found by `walk`
        /// (given their inodes). A connection accepted by a listener of this machine (its
        /// local port is a listening one) is the listener's: a busy server's new connections
        /// every second need no walk of every process's descriptors.
        fn update(
            &mut self,
            sockets: &[DiagSocket],
            walk: impl FnOnce(&HashSet<u64>, &[u32]) -> HashMap<u64, (u32, String)>,
        ) -> Vec<SocketEntry> {
            let now: HashSet<u64> = sockets.iter().map(|s| s.inode).collect();
            self.by_inode.retain(|inode, _| now.contains(inode));
            self.unseen.retain(|inode| now.contains(inode));
            let listening: HashMap<(IpAddr, u16), u64> = sockets
                .iter()
                .filter(|s| s.state == TCP_LISTEN)
                .map(|s| ((s.local.ip(), s.local.port()), s.inode))
                .collect();
            let listener_of = |s: &DiagSocket| {
                if s.state != TCP_ESTABLISHED {
                    return None;
                }
                let port = s.local.port();
                let any = if s.local.is_ipv4() {
                    IpAddr::from([0u8; 4])
                } else {
                    IpAddr::from([0u16; 8])
                };
                listening
                    .get(&(s.local.ip(), port))
                    .or_else(|| listening.get(&(any, port)))
                    .copied()
            };
            let mut accepted: Vec<(u64, u64)> = Vec::new();
            let mut new = HashSet::new();
            for s in sockets {
                let known = s.inode == 0
                    || self.by_inode.contains_key(&s.inode)
                    || self.unseen.contains(&s.inode);
                if known {
                    continue;
                }
                match listener_of(s) {
                    Some(listener) => accepted.push((s.inode, listener)),
                    None => {
                        new.insert(s.inode);
                    }
                }
            }
            // The listeners of accepted connections are looked up too when new themselves.
            for (_, listener) in &accepted {
                if !self.by_inode.contains_key(listener) && !self.unseen.contains(listener) {
                    new.insert(*listener);
                }
            }
            if !new.is_empty() {
                let found = walk(&new, &self.likely);
                for inode in new {
                    match found.get(&inode) {
                        Some(owner) => {
                            self.likely.retain(|&pid| pid != owner.0);
                            self.likely.insert(0, owner.0);
                            self.likely.truncate(LIKELY_OWNERS);
                            self.by_inode.insert(inode, owner.clone());
                        }
                        None => {
                            self.unseen.insert(inode);
                        }
                    }
                }
            }
            for (inode, listener) in accepted {
                match self.by_inode.get(&listener).cloned() {
                    Some(owner) => {
                        self.by_inode.insert(inode, owner);
                    }
                    None => {
                        self.unseen.insert(inode);
                    }
                }
            }
            sockets.iter().filter_map(|s| self.entry(s)).collect()
        }

        fn entry(&self, s: &DiagSocket) -> Option<SocketEntry> {
            let state = match s.state {
                TCP_LISTEN => SocketState::Listen,
                TCP_ESTABLISHED => SocketState::Established,
                TCP_SYN_SENT => SocketState::Connecting,
                _ => SocketState::Other,
            };
            match (self.by_inode.get(&s.inode), state) {
                (Some((pid, name)), _) => Some(SocketEntry {
                    local: s.local,
                    state,
                    pid: *pid,
                    name: name.clone(),
                }),
                // Still listening, whoever it is: never "nothing listens".
                (None, SocketState::Listen) => Some(SocketEntry {
                    local: s.local,
                    state,
                    pid: UNSEEN_PID,
                    name: String::new(),
                }),
                (None, _) => None,
            }
        }
    }

    /// How many of the latest owners are searched before every process.
    const LIKELY_OWNERS: usize = 8;

    /// The processes holding the sockets `wanted` (by inode), with each process's name: the
    /// `likely` processes' descriptors first, then, for any not found there, every other
    /// visible process's.
    fn owners_of(wanted: &HashSet<u64>, likely: &[u32]) -> HashMap<u64, (u32, String)> {
        Walk::of(wanted, likely).found
    }

    /// A search of processes' descriptors for the sockets `wanted`.
    struct Walk<'a> {
        wanted: &'a HashSet<u64>,
        found: HashMap<u64, (u32, String)>,
        /// Processes whose descriptors were read.
        searched: usize,
    }

    impl<'a> Walk<'a> {
        /// The `likely` processes first, then the others until every socket is found.
        fn of(wanted: &'a HashSet<u64>, likely: &[u32]) -> Self {
            let mut walk = Self {
                wanted,
                found: HashMap::new(),
                searched: 0,
            };
            if likely.iter().any(|&pid| walk.search(pid)) {
                return walk;
            }
            let Ok(procs) = std::fs::read_dir("/proc") else {
                return walk;
            };
            for p in procs.flatten() {
                let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                    continue;
                };
                if !likely.contains(&pid) && walk.search(pid) {
                    break;
                }
            }
            walk
        }

        /// Searches the descriptors of process `pid`; true once every wanted socket is found.
        fn search(&mut self, pid: u32) -> bool {
            let dir = std::path::PathBuf::from(format!("/proc/{pid}"));
            let Ok(fds) = std::fs::read_dir(dir.join("fd")) else {
                return false;
            };
            self.searched += 1;
            let mut name: Option<String> = None;
            for fd in fds.flatten() {
                let Some(inode) = std::fs::read_link(fd.path()).ok().and_then(|l| {
                    l.to_str()?
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .parse::<u64>()
                        .ok()
                }) else {
                    continue;
                };
                if self.wanted.contains(&inode) {
                    let name = name.get_or_insert_with(|| {
                        std::fs::read_to_string(dir.join("comm"))
                            .map(|c| c.trim_end_matches('\n').to_owned())
                            .unwrap_or_default()
                    });
                    // A socket shared by several processes (a fork): the first one found.
                    self.found
                        .entry(inode)
                        .or_insert_with(|| (pid, name.clone()));
                }
            }
            self.found.len() == self.wanted.len()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn socket(state: u8, inode: u64) -> DiagSocket {
            DiagSocket {
                state,
                local: "127.0.0.1:7211".parse().expect("addr"),
                remote: "127.0.0.1:40000".parse().expect("addr"),
                uid: 0,
                inode,
            }
        }

        fn at(state: u8, local: &str, inode: u64) -> DiagSocket {
            DiagSocket {
                local: local.parse().expect("addr"),
                ..socket(state, inode)
            }
        }

        /// The descriptors are walked only for sockets not seen before, and not for the
        /// connections a known listener accepted (a busy server's); an inode no process was
        /// found holding is not searched for again while it lasts.
        #[test]
        fn only_new_client_sockets_and_listeners_make_a_walk() {
            let walks = std::cell::RefCell::new(Vec::<Vec<u64>>::new());
            let hints = std::cell::RefCell::new(Vec::<Vec<u32>>::new());
            let walk = |wanted: &HashSet<u64>, likely: &[u32]| {
                let mut w: Vec<u64> = wanted.iter().copied().collect();
                w.sort_unstable();
                walks.borrow_mut().push(w);
                let mut h = likely.to_vec();
                h.sort_unstable();
                hints.borrow_mut().push(h);
                [
                    (1, (10, "nginx".to_string())),
                    (3, (20, "curl".to_string())),
                ]
                .into_iter()
                .filter(|(i, _)| wanted.contains(i))
                .collect()
            };
            let mut owners = Owners::default();
            let listener = at(TCP_LISTEN, "0.0.0.0:80", 1);
            let table = owners.update(&[listener, at(TCP_SYN_SENT, "10.0.0.5:40000", 3)], walk);
            assert_eq!(walks.borrow().as_slice(), [vec![1, 3]]);
            assert_eq!(table.len(), 2);
            // Connections accepted on port 80 (any local address): the listener's, no walk;
            // an inode nobody holds is walked for once.
            let accepted = [
                listener,
                at(TCP_ESTABLISHED, "10.0.0.5:80", 7),
                at(TCP_ESTABLISHED, "[::1]:80", 8),
                at(TCP_ESTABLISHED, "10.0.0.5:40001", 9),
            ];
            let table = owners.update(&accepted, walk);
            assert_eq!(walks.borrow().as_slice(), [vec![1, 3], vec![8, 9]]);
            // The second walk searches the first one's owners first.
            assert_eq!(hints.borrow().as_slice(), [vec![], vec![10, 20]]);
            let server = table
                .iter()
                .find(|e| e.local.port() == 80 && e.state == SocketState::Established)
                .expect("the accepted connection");
            assert_eq!((server.pid, server.name.as_str()), (10, "nginx"));
            // Nothing new: no walk; the unseen inode 9 is not searched for again.
            owners.update(&accepted, walk);
            assert_eq!(walks.borrow().len(), 2);
            // Gone and back (a new socket reusing the inode number) is new again.
            owners.update(&[listener], walk);
            owners.update(&accepted, walk);
            assert_eq!(walks.borrow().last(), Some(&vec![8, 9]));
        }

        /// A busy client's new sockets are found in its own descriptors, searched first,
        /// without reading any other process's; a wrong guess falls back to every process.
        #[test]
        fn the_likely_owner_is_searched_before_every_process() {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
            let c = std::net::TcpStream::connect(l.local_addr().expect("bound")).expect("connect");
            let client = c.local_addr().expect("client address");
            let sockets = sock_diag::dump(libc::AF_INET, 1 << TCP_ESTABLISHED).expect("dump");
            let inode = sockets
                .iter()
                .find(|s| s.local == client)
                .expect("the client socket in the kernel's dump")
                .inode;
            let wanted = HashSet::from([inode]);
            let me = std::process::id();
            let walk = Walk::of(&wanted, &[me]);
            assert_eq!(walk.found.get(&inode).map(|o| o.0), Some(me));
            assert_eq!(walk.searched, 1, "only this process's descriptors read");
            // A PID that holds nothing (or no longer exists): every process is searched.
            let walk = Walk::of(&wanted, &[u32::MAX]);
            assert_eq!(walk.found.get(&inode).map(|o| o.0), Some(me));
        }

        /// A listener no visible process holds still listens; a connection of such a process
        /// is left out (no process to tie it to); a known inode names its process.
        #[test]
        fn sockets_are_tied_to_their_owners_by_inode() {
            let mut owners = Owners::default();
            owners.by_inode.insert(5, (42, "collector".into()));
            let l = owners.entry(&socket(TCP_LISTEN, 9)).expect("a listener");
            assert_eq!((l.pid, l.state), (UNSEEN_PID, SocketState::Listen));
            assert_eq!(owners.entry(&socket(TCP_ESTABLISHED, 9)), None);
            let c = owners.entry(&socket(TCP_ESTABLISHED, 5)).expect("known");
            assert_eq!((c.pid, c.name.as_str()), (42, "collector"));
        }
    }
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

    /// The kernel's dump with descriptors walked gives this process's sockets as the
    /// `listeners` crate's reading of `/proc/net/tcp` does: same states, PID and name.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernels_dump_agrees_with_the_listeners_crate() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
        let addr = l.local_addr().expect("bound address");
        let c = std::net::TcpStream::connect(addr).expect("connect to own listener");
        let client = c.local_addr().expect("client address");
        let mut reader = SocketReader::default();
        let Some(dumped) = reader.owners.read() else {
            eprintln!("SKIPPED: no socket diagnostics here");
            return;
        };
        let crate_read = from_listeners_crate().expect("the listeners crate");
        for (local, state) in [
            (addr, SocketState::Listen),
            (client, SocketState::Established),
        ] {
            let find = |t: &[SocketEntry]| {
                t.iter()
                    .find(|s| s.local == local && s.state == state)
                    .cloned()
            };
            let got = find(&dumped).expect("in the dump");
            assert_eq!(Some(&got), find(&crate_read).as_ref(), "{local} {state:?}");
            assert_eq!(got.pid, std::process::id());
        }
        // Read again, the owners known: the same entries.
        let again = reader.read().expect("read again");
        assert!(
            again
                .iter()
                .any(|s| s.local == addr && s.pid == std::process::id())
        );
    }

    /// An attempt nobody answers stays connecting: a listener whose accept queue is full
    /// drops further SYNs (Linux), so this test's second connect waits in SYN-SENT, and the
    /// table lists it as connecting, owned by this process (both ways of reading agree), and
    /// a sample takes it as a sighting of the connecting process.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_unanswered_connect_is_listed_as_connecting_with_its_process() {
        use socket2::{Domain, SockAddr, Socket, Type};
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        listener
            .bind(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
            .expect("bind on loopback");
        listener.listen(0).expect("listen");
        let addr = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("address");
        // Fills the queue of one: accepted by the kernel, never by this test.
        let _queued = std::net::TcpStream::connect(addr).expect("first connect");
        let waiting = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        waiting.set_nonblocking(true).expect("non-blocking");
        let _ = waiting.connect(&SockAddr::from(addr));
        let local = waiting
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("client address");
        let me = std::process::id();
        let connecting = |t: &[SocketEntry]| {
            t.iter()
                .any(|s| s.local == local && s.state == SocketState::Connecting && s.pid == me)
        };
        assert!(
            connecting(&tcp_sockets().expect("socket table")),
            "{local} connecting"
        );
        assert!(
            connecting(&from_listeners_crate().expect("the listeners crate")),
            "{local} connecting (listeners crate)"
        );
        // A sample (without connect events) names this process as the one connecting from
        // there, as it does for an established connection.
        let sample = crate::host::monitor::sample_once();
        assert!(
            sample.sightings.iter().any(|s| s.local == local
                && s.pid == me
                && s.source == crate::host::SightingSource::SocketTable),
            "{local} sighted: {:?}",
            sample.sightings
        );
    }

    /// Whoever the OS says owns it (wine gives a program's own socket owner PID 0), a listener
    /// is never missing: "nothing listens" would be wrong.
    #[test]
    fn a_listener_this_test_opens_is_never_missing_from_the_table() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
        let addr = l.local_addr().expect("bound address");
        let table = tcp_sockets().expect("socket table");
        let me = std::process::id();
        assert!(
            table.iter().any(|s| s.local == addr
                && s.state == SocketState::Listen
                && (s.pid == me || s.pid == UNSEEN_PID)),
            "{addr} not listed as listening"
        );
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
