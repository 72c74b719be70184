//! A client of the 7211 story, for live tests (the Windows smoke test runs its Windows build
//! under wine): it connects to the collector twice a second, writes a line on each connection
//! that is accepted and keeps it open, and goes on until that many connects were refused.
//!
//!     reporter [ADDR] [REFUSALS] [PER_SECOND]     # defaults: 127.0.0.1:7211, 20 and 2
//!
//! It prints one line per attempt (`connected`, `refused`, or the error) and stops after
//! REFUSALS refusals or 4 x REFUSALS attempts, whichever comes first. Only loopback addresses
//! are accepted.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
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
    let Ok(refusals) = args.get(1).map_or(Ok(20), |s| s.parse::<u32>()) else {
        return usage("REFUSALS must be a whole number");
    };
    let Ok(rate) = args.get(2).map_or(Ok(2.0), |s| s.parse::<f64>()) else {
        return usage("PER_SECOND must be a number");
    };
    if !addr.ip().is_loopback() || refusals > 1000 || !(0.1..=100.0).contains(&rate) {
        return usage("only a loopback address, at most 1000 refusals, 0.1 to 100 a second");
    }
    let every = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut held = Vec::new();
    let mut refused = 0;
    for attempt in 0..refusals.saturating_mul(4) {
        if refused >= refusals {
            break;
        }
        let due = start + every * attempt;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(mut stream) => {
                wine::show_owner(&stream);
                let _ = stream.write_all(b"report\n");
                held.push(stream);
                println!("connected");
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                refused += 1;
                println!("refused");
            }
            Err(e) => println!("{e}"),
        }
    }
    println!("{refused} refused, {} connected", held.len());
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("reporter: {problem}\nusage: reporter [ADDR] [REFUSALS] [PER_SECOND]");
    ExitCode::from(2)
}
