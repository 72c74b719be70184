//! Linux: the TCP socket table from the kernel's socket-diagnostics netlink interface
//! (`NETLINK_SOCK_DIAG`, what `ss` reads), not from `/proc/net/tcp`.
//!
//! Reading `/proc/net/tcp` walks the whole established-connection hash of the kernel, sized by
//! the machine's memory (262,144 buckets at 24 GiB), at each read, once for `tcp` and again for
//! `tcp6`: about 6 ms a file here, so a once-a-second sample of both cost the agent 2-3% of a
//! core on an idle machine, more on a larger one. A dump asks only the states wanted
//! (listening, connecting, established), but connecting and established ones still make the
//! kernel walk that hash once per dump: [`dump_all`](crate::host::sock_diag::dump_all) asks
//! for both address families at once (the older `TCPDIAG_GETSOCK` request, which every kernel
//! since 2.6 still answers), one walk where a dump per family makes two (2.9 ms against 6.9
//! ms here).
//!
//! Messages are built and read as bytes at the offsets of `linux/netlink.h`,
//! `linux/sock_diag.h` and `linux/inet_diag.h`; only the socket calls are unsafe.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// `SOCK_DIAG_BY_FAMILY`: the request's message type.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `TCPDIAG_GETSOCK`: the older request, for TCP sockets of every address family; its answers
/// carry the same type.
const TCPDIAG_GETSOCK: u16 = 18;
/// `NLM_F_REQUEST | NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
const REQUEST_DUMP: u16 = 0x1 | 0x300;
/// `NLMSG_ERROR` and `NLMSG_DONE`.
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// `struct nlmsghdr`.
const HEADER: usize = 16;
/// `struct inet_diag_req_v2`.
const REQUEST: usize = 56;
/// `struct inet_diag_req`, the older request.
const REQUEST_COMPAT: usize = 60;
/// `struct inet_diag_msg`.
const MESSAGE: usize = 72;

/// TCP states as the kernel numbers them (`include/net/tcp_states.h`).
pub const TCP_ESTABLISHED: u8 = 1;
/// See [`TCP_ESTABLISHED`].
pub const TCP_SYN_SENT: u8 = 2;
/// See [`TCP_ESTABLISHED`].
pub const TCP_LISTEN: u8 = 10;

/// One socket of the dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagSocket {
    /// Its state ([`TCP_LISTEN`], [`TCP_ESTABLISHED`], ...).
    pub state: u8,
    /// The socket's own address and port.
    pub local: SocketAddr,
    /// The peer's (unspecified for a listener).
    pub remote: SocketAddr,
    /// The owner's user ID.
    pub uid: u32,
    /// The socket's inode: what `/proc/PID/fd/N` links to as `socket:[INODE]`.
    pub inode: u64,
}

/// The request for every TCP socket of `family` (`AF_INET`, `AF_INET6`) in `states` (a bit
/// per state: `1 << TCP_LISTEN`, ...).
fn request(family: u8, states: u32, seq: u32) -> [u8; HEADER + REQUEST] {
    let mut m = [0u8; HEADER + REQUEST];
    m[0..4].copy_from_slice(&((HEADER + REQUEST) as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    m[6..8].copy_from_slice(&REQUEST_DUMP.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    // The port ID stays 0: the kernel.
    m[HEADER] = family;
    m[HEADER + 1] = libc::IPPROTO_TCP as u8;
    // No extensions (idiag_ext), padding, then the states; the socket ID stays zero (a dump).
    m[HEADER + 4..HEADER + 8].copy_from_slice(&states.to_ne_bytes());
    m
}

/// The older request for every TCP socket of every address family in `states`.
fn request_all(states: u32, seq: u32) -> [u8; HEADER + REQUEST_COMPAT] {
    let mut m = [0u8; HEADER + REQUEST_COMPAT];
    m[0..4].copy_from_slice(&((HEADER + REQUEST_COMPAT) as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&TCPDIAG_GETSOCK.to_ne_bytes());
    m[6..8].copy_from_slice(&REQUEST_DUMP.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    // The family, address lengths, extensions and the socket ID stay zero (a dump of every
    // family); then the states, and no tables (idiag_dbs).
    m[HEADER + 52..HEADER + 56].copy_from_slice(&states.to_ne_bytes());
    m
}

/// What one datagram of the answer held.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// Sockets were added; more datagrams follow.
    More,
    /// The dump is complete.
    Done,
    /// The kernel refused the request (a positive errno).
    Refused(i32),
}

/// Reads the messages of one datagram of the answer to request `seq` into `out`.
fn parse(datagram: &[u8], seq: u32, out: &mut Vec<DiagSocket>) -> Result<Part, String> {
    let mut at = 0;
    while at + HEADER <= datagram.len() {
        let word = |i: usize| {
            u32::from_ne_bytes([
                datagram[at + i],
                datagram[at + i + 1],
                datagram[at + i + 2],
                datagram[at + i + 3],
            ])
        };
        let len = word(0) as usize;
        let kind = u16::from_ne_bytes([datagram[at + 4], datagram[at + 5]]);
        if len < HEADER || at + len > datagram.len() {
            return Err(format!(
                "a message of {len} bytes at {at} of {}",
                datagram.len()
            ));
        }
        let body = &datagram[at + HEADER..at + len];
        if word(8) == seq {
            match kind {
                NLMSG_DONE => return Ok(Part::Done),
                NLMSG_ERROR => {
                    let errno = body
                        .get(0..4)
                        .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                    return Ok(if errno == 0 {
                        Part::Done
                    } else {
                        Part::Refused(-errno)
                    });
                }
                SOCK_DIAG_BY_FAMILY | TCPDIAG_GETSOCK => {
                    if let Some(s) = socket(body) {
                        out.push(s);
                    }
                }
                _ => {}
            }
        }
        // Messages are aligned to 4 bytes.
        at += (len + 3) & !3;
    }
    Ok(Part::More)
}

/// One `inet_diag_msg`; `None` when short or of another family.
fn socket(m: &[u8]) -> Option<DiagSocket> {
    if m.len() < MESSAGE {
        return None;
    }
    let u32_at = |i: usize| u32::from_ne_bytes([m[i], m[i + 1], m[i + 2], m[i + 3]]);
    let addr = |i: usize| -> Option<IpAddr> {
        match i32::from(m[0]) {
            libc::AF_INET => Some(Ipv4Addr::new(m[i], m[i + 1], m[i + 2], m[i + 3]).into()),
            libc::AF_INET6 => {
                let bytes: [u8; 16] = m.get(i..i + 16)?.try_into().ok()?;
                Some(Ipv6Addr::from(bytes).into())
            }
            _ => None,
        }
    };
    // The ports are in network byte order.
    let port = |i: usize| u16::from_be_bytes([m[i], m[i + 1]]);
    Some(DiagSocket {
        state: m[1],
        local: SocketAddr::new(addr(8)?, port(4)),
        remote: SocketAddr::new(addr(24)?, port(6)),
        uid: u32_at(64),
        inode: u64::from(u32_at(68)),
    })
}

/// Every TCP socket of `family` (`libc::AF_INET` or `libc::AF_INET6`) in `states` (a bit per
/// state, e.g. `1 << TCP_LISTEN | 1 << TCP_ESTABLISHED`), as the kernel lists them now.
///
/// # Errors
/// The netlink socket could not be made or used (a kernel without `inet_diag`, a sandbox that
/// forbids netlink), or the kernel refused the request.
pub fn dump(family: i32, states: u32) -> io::Result<Vec<DiagSocket>> {
    let family = u8::try_from(family).map_err(|_| io::Error::other("no such family"))?;
    exchange(&request(family, states, SEQ))
}

/// Every TCP socket of both address families in `states`, in one dump: one walk of the
/// kernel's connection hash where [`dump`] of each family makes two.
///
/// # Errors
/// As [`dump`]; also a kernel that no longer answers the older request.
pub fn dump_all(states: u32) -> io::Result<Vec<DiagSocket>> {
    exchange(&request_all(states, SEQ))
}

/// The sequence number of every request (one request a socket).
const SEQ: u32 = 1;

/// Sends `req` on a new netlink socket and reads the dump it answers.
fn exchange(req: &[u8]) -> io::Result<Vec<DiagSocket>> {
    // SAFETY: socket(2) with constant arguments; the result is checked.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned here alone; OwnedFd closes it once.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    // A kernel that never finished its answer must not hold the sampling thread (and the end
    // of the capture that joins it): each wait for a datagram ends after 2 s.
    let limit = libc::timeval {
        tv_sec: 2,
        tv_usec: 0,
    };
    // SAFETY: setsockopt with a live timeval and its exact size; the result is checked.
    let set = unsafe {
        libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            std::ptr::from_ref(&limit).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if set < 0 {
        return Err(io::Error::last_os_error());
    }
    let seq = SEQ;
    // SAFETY: `req` is a live buffer of `req.len()` bytes; a null address sends to the
    // kernel (port 0), the netlink socket's default peer.
    let sent = unsafe { libc::send(raw, req.as_ptr().cast(), req.len(), 0) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32 << 10];
    // Bounded: the kernel ends a dump with NLMSG_DONE; a table of millions of sockets takes
    // fewer datagrams than this.
    for _ in 0..1_000_000 {
        // SAFETY: `buf` is a live, writable buffer of `buf.len()` bytes.
        let n = unsafe { libc::recv(raw, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let n = usize::try_from(n).unwrap_or(0);
        if n == 0 {
            break;
        }
        match parse(&buf[..n], seq, &mut out).map_err(io::Error::other)? {
            Part::More => {}
            Part::Done => return Ok(out),
            Part::Refused(errno) => return Err(io::Error::from_raw_os_error(errno)),
        }
    }
    Err(io::Error::other("the socket dump did not end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `inet_diag_msg` as the kernel writes it, in a netlink message of request `seq`.
    fn message(seq: u32, family: u8, state: u8, local: SocketAddr, inode: u32) -> Vec<u8> {
        let mut m = vec![0u8; HEADER + MESSAGE];
        m[0..4].copy_from_slice(&((HEADER + MESSAGE) as u32).to_ne_bytes());
        m[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        m[8..12].copy_from_slice(&seq.to_ne_bytes());
        let b = &mut m[HEADER..];
        b[0] = family;
        b[1] = state;
        b[4..6].copy_from_slice(&local.port().to_be_bytes());
        b[6..8].copy_from_slice(&443u16.to_be_bytes());
        match local.ip() {
            IpAddr::V4(a) => b[8..12].copy_from_slice(&a.octets()),
            IpAddr::V6(a) => b[8..24].copy_from_slice(&a.octets()),
        }
        b[64..68].copy_from_slice(&1000u32.to_ne_bytes());
        b[68..72].copy_from_slice(&inode.to_ne_bytes());
        m
    }

    fn done(seq: u32) -> Vec<u8> {
        let mut m = vec![0u8; HEADER + 4];
        m[0..4].copy_from_slice(&((HEADER + 4) as u32).to_ne_bytes());
        m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        m[8..12].copy_from_slice(&seq.to_ne_bytes());
        m
    }

    #[test]
    fn the_request_asks_a_dump_of_tcp_in_the_states_given() {
        let r = request(libc::AF_INET6 as u8, 1 << TCP_LISTEN, 7);
        assert_eq!(u32::from_ne_bytes([r[0], r[1], r[2], r[3]]), 72);
        assert_eq!(u16::from_ne_bytes([r[4], r[5]]), 20);
        assert_eq!(u16::from_ne_bytes([r[6], r[7]]), 0x301);
        assert_eq!(u32::from_ne_bytes([r[8], r[9], r[10], r[11]]), 7);
        assert_eq!((r[16], r[17]), (libc::AF_INET6 as u8, 6));
        assert_eq!(u32::from_ne_bytes([r[20], r[21], r[22], r[23]]), 1 << 10);
        assert!(
            r[24..].iter().all(|&b| b == 0),
            "the socket ID of a dump is zero"
        );
    }

    #[test]
    fn the_older_request_asks_every_family_at_once() {
        let r = request_all(1 << TCP_LISTEN | 1 << TCP_SYN_SENT, 7);
        assert_eq!(u32::from_ne_bytes([r[0], r[1], r[2], r[3]]), 76);
        assert_eq!(u16::from_ne_bytes([r[4], r[5]]), 18);
        assert_eq!(u16::from_ne_bytes([r[6], r[7]]), 0x301);
        assert_eq!(u32::from_ne_bytes([r[8], r[9], r[10], r[11]]), 7);
        assert!(
            r[16..68].iter().all(|&b| b == 0),
            "no family, no socket ID: a dump of every family"
        );
        assert_eq!(
            u32::from_ne_bytes([r[68], r[69], r[70], r[71]]),
            1 << 10 | 1 << 2
        );
        assert_eq!(&r[72..], [0; 4]);
        // Its answers carry its type.
        let mut answer = message(
            7,
            libc::AF_INET6 as u8,
            TCP_LISTEN,
            "[::1]:7211".parse().expect("addr"),
            5,
        );
        answer[4..6].copy_from_slice(&TCPDIAG_GETSOCK.to_ne_bytes());
        let mut out = Vec::new();
        assert_eq!(parse(&answer, 7, &mut out), Ok(Part::More));
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn sockets_of_both_families_are_read_until_done() {
        let v4: SocketAddr = "127.0.0.1:7211".parse().expect("addr");
        let v6: SocketAddr = "[::1]:8080".parse().expect("addr");
        let mut datagram = message(1, libc::AF_INET as u8, TCP_LISTEN, v4, 4242);
        datagram.extend(message(1, libc::AF_INET6 as u8, TCP_ESTABLISHED, v6, 77));
        // A message of another request is not ours.
        datagram.extend(message(9, libc::AF_INET as u8, TCP_LISTEN, v4, 1));
        let mut out = Vec::new();
        assert_eq!(parse(&datagram, 1, &mut out), Ok(Part::More));
        assert_eq!(parse(&done(1), 1, &mut out), Ok(Part::Done));
        assert_eq!(
            out,
            [
                DiagSocket {
                    state: TCP_LISTEN,
                    local: v4,
                    remote: "0.0.0.0:443".parse().expect("addr"),
                    uid: 1000,
                    inode: 4242,
                },
                DiagSocket {
                    state: TCP_ESTABLISHED,
                    local: v6,
                    remote: "[::]:443".parse().expect("addr"),
                    uid: 1000,
                    inode: 77,
                },
            ]
        );
    }

    #[test]
    fn a_refusal_and_a_damaged_answer_are_told() {
        let mut err = done(1);
        err[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        err[16..20].copy_from_slice(&(-libc::EACCES).to_ne_bytes());
        assert_eq!(
            parse(&err, 1, &mut Vec::new()),
            Ok(Part::Refused(libc::EACCES))
        );
        let mut long = done(1);
        long[0..4].copy_from_slice(&4096u32.to_ne_bytes());
        assert!(parse(&long, 1, &mut Vec::new()).is_err());
        // A message too short for a socket is left out, not read past its end.
        let mut short = message(
            1,
            libc::AF_INET as u8,
            TCP_LISTEN,
            "1.2.3.4:5".parse().expect("addr"),
            1,
        );
        short.truncate(HEADER + 40);
        short[0..4].copy_from_slice(&((HEADER + 40) as u32).to_ne_bytes());
        let mut out = Vec::new();
        assert_eq!(parse(&short, 1, &mut out), Ok(Part::More));
        assert!(out.is_empty());
    }

    /// The real kernel: one dump of every family holds what the dumps of each family hold.
    #[test]
    fn one_dump_of_every_family_lists_both() {
        let l4 = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
        let Ok(l6) = std::net::TcpListener::bind("[::1]:0") else {
            eprintln!("SKIPPED: no IPv6 loopback here");
            return;
        };
        let _c6 = std::net::TcpStream::connect(l6.local_addr().expect("address")).expect("connect");
        let states = 1 << TCP_LISTEN | 1 << TCP_ESTABLISHED;
        let mut each = match dump(libc::AF_INET, states) {
            Ok(each) => each,
            Err(e) => {
                eprintln!("SKIPPED: no socket diagnostics here: {e}");
                return;
            }
        };
        each.extend(dump(libc::AF_INET6, states).expect("IPv6 dump"));
        let all = dump_all(states).expect("one dump of every family");
        for addr in [l4.local_addr(), l6.local_addr()] {
            let addr = addr.expect("address");
            assert!(
                all.iter().any(|s| s.state == TCP_LISTEN && s.local == addr),
                "{addr} listens"
            );
        }
        // Other tests open and close sockets meanwhile: this test's own are compared.
        let mine = |list: &[DiagSocket]| {
            let ports = [l4.local_addr(), l6.local_addr()].map(|a| a.expect("address").port());
            let mut v: Vec<DiagSocket> = list
                .iter()
                .filter(|s| ports.contains(&s.local.port()) || ports.contains(&s.remote.port()))
                .copied()
                .collect();
            v.sort_by_key(|s| (s.local, s.remote, s.state));
            v
        };
        assert_eq!(mine(&all), mine(&each));
    }

    /// The real kernel: a listener and a connection of this test are in the dump, with this
    /// process's user and the inode its descriptors link to.
    #[test]
    fn the_kernel_lists_this_processs_listener_and_connection() {
        use std::os::fd::AsRawFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let addr = listener.local_addr().expect("address");
        let client = std::net::TcpStream::connect(addr).expect("connect");
        let (_server, _) = listener.accept().expect("accept");
        let all = match dump(libc::AF_INET, 1 << TCP_LISTEN | 1 << TCP_ESTABLISHED) {
            Ok(all) => all,
            Err(e) => {
                eprintln!("SKIPPED: no socket diagnostics here: {e}");
                return;
            }
        };
        let inode = |fd: i32| {
            std::fs::read_link(format!("/proc/self/fd/{fd}"))
                .ok()
                .and_then(|l| {
                    let l = l.to_string_lossy().into_owned();
                    l.strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .parse::<u64>()
                        .ok()
                })
                .expect("a socket inode")
        };
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let l = all
            .iter()
            .find(|s| s.state == TCP_LISTEN && s.local == addr)
            .expect("the listener");
        assert_eq!((l.inode, l.uid), (inode(listener.as_raw_fd()), uid));
        let local = client.local_addr().expect("client address");
        let c = all
            .iter()
            .find(|s| s.state == TCP_ESTABLISHED && s.local == local)
            .expect("the client's connection");
        assert_eq!((c.remote, c.inode), (addr, inode(client.as_raw_fd())));
    }
}
