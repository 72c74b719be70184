//! A stand-in for the collector of the 7211 story, for live tests (the Windows smoke test runs
//! its Windows build under wine): it listens, accepts connections without reading them, and
//! after a while exits without closing anything, like a crash. The connections it never read
//! are reset by the OS, and nothing listens on the port any more.
//!
//!     collector [ADDR] [SECONDS]      # defaults: 127.0.0.1:7211 and 3
//!
//! It prints `listening on ADDR` once the socket listens, and `accepted N` before it exits.
//! Only loopback addresses are accepted.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Wine only: gives wine's socket table this program as the owner of its sockets.
#[path = "story/wine.rs"]
mod wine;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(addr) = args
        .first()
        .map_or("127.0.0.1:7211", String::as_str)
        .parse::<SocketAddr>()
    else {
        return usage("ADDR must be an address:port");
    };
    let Ok(seconds) = args.get(1).map_or(Ok(3.0), |s| s.parse::<f64>()) else {
        return usage("SECONDS must be a number");
    };
    if !addr.ip().is_loopback() || !(0.0..=60.0).contains(&seconds) {
        return usage("only a loopback address, for at most 60 s");
    }
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("collector: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    wine::show_owner(&listener);
    let _ = listener.set_nonblocking(true);
    println!("listening on {addr}");
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    // Accepted connections are kept, unread, until the end.
    let mut accepted = Vec::new();
    while Instant::now() < until {
        match listener.accept() {
            Ok((stream, _)) => accepted.push(stream),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    println!("accepted {}", accepted.len());
    // Leave as a crash would: the OS closes the sockets (resetting those with unread data).
    std::process::exit(0)
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("collector: {problem}\nusage: collector [ADDR] [SECONDS]");
    ExitCode::from(2)
}
