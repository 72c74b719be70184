//! The machine's own TCP counters, read live (Linux, Windows and macOS; other OSes have no
//! reader).

#![cfg(any(target_os = "linux", target_os = "macos", windows))]

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use rstscope::host::read_tcp_counters;

/// Three refused connects to a closed loopback port move AttemptFails by at least three
/// (other programs on the machine may add more, never less).
#[test]
fn refused_connects_move_attempt_fails() {
    // Bind then drop a listener: the port was free and is now closed.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));

    let before = read_tcp_counters().expect("read counters");
    for _ in 0..3 {
        // Windows retries a refused SYN twice, half a second apart, before it gives up.
        let err = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .expect_err("nothing listens on the dropped port");
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    }
    let after = read_tcp_counters().expect("read counters");

    let fails = |c: &rstscope::host::TcpCounters| c.get("AttemptFails").expect("AttemptFails");
    let moved = fails(&after).wrapping_sub(fails(&before));
    assert!(
        (3..1_000_000).contains(&moved),
        "AttemptFails moved by {moved}"
    );
}
