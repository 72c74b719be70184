//! Load check of live capture (a benchmark, not a test): a bounded burst of refused connects
//! to a closed port on 127.0.0.1 while `rstscope capture -i lo` runs; prints, per second, the
//! connects generated, the RSTs and failed attempts rstscope counted, and the drops (kernel and
//! rstscope's own) so far. Needs the right to capture (root); without it, says SKIPPED. Run
//! with `scripts/bench-live.sh`.
//!
//! Two generators (`BENCH_MODE`):
//! - `connect` (default): `connect()` calls as fast as one core allows. The kernel's socket
//!   set-up bounds it near 50,000 refusals (100,000 control packets) a second on a small
//!   machine, short of the 200,000 control packets a second the live target names.
//! - `syn`: SYN segments written whole to a raw socket (Linux), `BENCH_RATE` a second (default
//!   100,000), from 127.0.0.2-127.0.0.254 and ports 10000-59999 so that each is a new attempt;
//!   the kernel answers each with RST/ACK as it does a `connect()`'s SYN: twice `BENCH_RATE`
//!   control packets a second, a refused attempt each.
//!
//! Environment: `BENCH_SECS` (default 10) seconds of load; `BENCH_IFACE` (default `lo`);
//! `BENCH_MODE`, `BENCH_RATE` as above.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, ErrorKind};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn unix_second() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn closed_port() -> u16 {
    for _ in 0..20 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(0);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
            && e.kind() == ErrorKind::ConnectionRefused
        {
            return port;
        }
    }
    panic!("no closed port found on 127.0.0.1");
}

/// `[[second, n], ...]` of the JSON report as a map.
fn per_second(v: &serde_json::Value) -> BTreeMap<i64, u64> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p.get(0)?.as_i64()?, p.get(1)?.as_u64()?)))
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, without it: a
    // load check has no place among the tests.
    if !std::env::args().any(|a| a == "--bench") {
        println!("live load check: not run by cargo test; run scripts/bench-live.sh");
        return;
    }
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(1, 120);
    let iface = std::env::var("BENCH_IFACE").unwrap_or_else(|_| "lo".into());
    let syn_rate = match std::env::var("BENCH_MODE").as_deref() {
        Ok("syn") => Some(
            std::env::var("BENCH_RATE")
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(100_000)
                .clamp(1, 1_000_000),
        ),
        Ok("connect") | Err(_) => None,
        Ok(other) => panic!("BENCH_MODE={other}: expected connect or syn"),
    };
    let port = closed_port();
    let filter = format!("tcp port {port}");
    let duration = format!("{}s", secs + 3);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args([
            "capture",
            "-i",
            &iface,
            "--filter",
            &filter,
            "--duration",
            &duration,
        ])
        .args(["--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rstscope runs");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    if !first.contains("capturing on") {
        let _ = child.wait();
        println!("live load check SKIPPED: {first}");
        return;
    }
    // The per-second lines carry the running drop count: "... | N frames so far, dropped D".
    let reader = std::thread::spawn(move || {
        let mut drops = BTreeMap::new();
        for line in lines.map_while(Result::ok) {
            if let Some((_, tail)) = line.split_once(", dropped ")
                && let Ok(d) = tail.trim().parse::<u64>()
            {
                drops.insert(unix_second(), d);
            }
        }
        drops
    });

    let start = Instant::now();
    let (generated, other_errors) = match syn_rate {
        Some(rate) => syn::flood(port, Duration::from_secs(secs), rate),
        None => connects(port, Duration::from_secs(secs)),
    };
    let elapsed = start.elapsed().as_secs_f64();
    let out = child.wait_with_output().expect("rstscope ends");
    let drops_seen = reader.join().unwrap_or_default();
    let v: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            println!(
                "live load check FAILED: no JSON report ({e}), exit {:?}",
                out.status
            );
            std::process::exit(1);
        }
    };
    let rst = per_second(&v["rst_per_second"]);
    let failed = per_second(&v["failed_per_second"]);
    match syn_rate {
        Some(rate) => println!(
            "live load check: SYNs to 127.0.0.1:{port} at {rate}/s from a raw socket (the kernel answers each with RST/ACK) for {secs} s, captured on {iface}"
        ),
        None => println!(
            "live load check: refused connects to 127.0.0.1:{port} for {secs} s on one core, captured on {iface}"
        ),
    }
    println!(
        "{:>12} {:>10} {:>10} {:>10} {:>14}",
        "second", "generated", "rst seen", "failed", "dropped so far"
    );
    let seconds: std::collections::BTreeSet<i64> =
        generated.keys().chain(rst.keys()).copied().collect();
    for s in seconds {
        let dropped = drops_seen
            .range(..=s + 1)
            .next_back()
            .map_or(0, |(_, d)| *d);
        println!(
            "{s:>12} {:>10} {:>10} {:>10} {dropped:>14}",
            generated.get(&s).copied().unwrap_or(0),
            rst.get(&s).copied().unwrap_or(0),
            failed.get(&s).copied().unwrap_or(0),
        );
    }
    let total: u64 = generated.values().sum();
    let seen: u64 = rst.values().sum();
    println!(
        "total: generated {total} ({:.0}/s), RSTs seen {seen} ({:.1}%), failed attempts {}, packets {}, dropped {} (kernel {}, interface {}, rstscope {}); not refused or not sent: {other_errors}",
        total as f64 / elapsed,
        if total > 0 {
            100.0 * seen as f64 / total as f64
        } else {
            0.0
        },
        v["failed_attempts"],
        v["packets"],
        v["dropped"]["kernel"].as_u64().unwrap_or(0)
            + v["dropped"]["interface"].as_u64().unwrap_or(0)
            + v["dropped"]["rstscope"].as_u64().unwrap_or(0),
        v["dropped"]["kernel"],
        v["dropped"]["interface"],
        v["dropped"]["rstscope"],
    );
}

/// Refused `connect()`s to `port` for `secs`, as fast as they go: the count per second and the
/// connects that were not refused.
fn connects(port: u16, secs: Duration) -> (BTreeMap<i64, u64>, u64) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut generated: BTreeMap<i64, u64> = BTreeMap::new();
    let start = Instant::now();
    let mut other_errors = 0u64;
    while start.elapsed() < secs {
        let n = generated.entry(unix_second()).or_insert(0);
        for _ in 0..64 {
            match TcpStream::connect(addr) {
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => *n += 1,
                _ => other_errors += 1,
            }
        }
    }
    (generated, other_errors)
}

#[cfg(not(target_os = "linux"))]
mod syn {
    use std::collections::BTreeMap;
    use std::time::Duration;

    pub fn flood(_port: u16, _secs: Duration, _rate: u64) -> (BTreeMap<i64, u64>, u64) {
        panic!("BENCH_MODE=syn needs Linux's raw sockets");
    }
}

#[cfg(target_os = "linux")]
mod syn {
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    /// Segments handed to the kernel per `sendmmsg` call.
    const BATCH: usize = 64;
    /// IPv4 (20 bytes) and TCP (20 bytes) headers, no options.
    const LEN: usize = 40;

    /// SYNs to 127.0.0.1:`port` at `rate` a second for `secs`, each from a new source address
    /// and port: the count sent per second and the segments the kernel did not take.
    pub fn flood(port: u16, secs: Duration, rate: u64) -> (BTreeMap<i64, u64>, u64) {
        // SAFETY: plain socket(2); the descriptor is closed below.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
        assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
        let mut frames = vec![[0u8; LEN]; BATCH];
        let mut iov: Vec<libc::iovec> = frames
            .iter_mut()
            .map(|f| libc::iovec {
                iov_base: f.as_mut_ptr().cast(),
                iov_len: LEN,
            })
            .collect();
        // SAFETY: sockaddr_in is plain data; zero is a valid start.
        let mut to: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        to.sin_family = libc::AF_INET as libc::sa_family_t;
        to.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let mut headers: Vec<libc::mmsghdr> = iov
            .iter_mut()
            .map(|v| {
                // SAFETY: msghdr is plain data; zero is a valid start.
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_name = (&raw mut to).cast();
                h.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_in>() as u32;
                h.msg_hdr.msg_iov = v;
                h.msg_hdr.msg_iovlen = 1;
                h
            })
            .collect();

        let mut generated = BTreeMap::new();
        let mut not_sent = 0u64;
        let mut next = 0u64;
        let start = Instant::now();
        loop {
            let elapsed = start.elapsed();
            if elapsed >= secs {
                break;
            }
            // Due by now at `rate`: send in batches until caught up, then wait a little.
            let due = (elapsed.as_secs_f64() * rate as f64) as u64;
            if next >= due {
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
            let n = usize::try_from((due - next).min(BATCH as u64)).unwrap_or(BATCH);
            for (i, frame) in frames.iter_mut().take(n).enumerate() {
                syn(frame, next + i as u64, port);
            }
            // SAFETY: `headers` point into `iov`, `frames` and `to`, all alive and unmoved.
            let sent = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), n as u32, 0) };
            let sent = u64::try_from(sent).unwrap_or(0);
            not_sent += n as u64 - sent;
            *generated.entry(super::unix_second()).or_insert(0) += sent;
            next += n as u64;
        }
        // SAFETY: our descriptor, closed once.
        unsafe { libc::close(fd) };
        (generated, not_sent)
    }

    /// SYN number `n` to 127.0.0.1:`port`, from 127.0.0.(2 + n / 50000 % 253) and port
    /// 10000 + n % 50000: 12.6 million attempts before a pair comes back.
    fn syn(frame: &mut [u8; LEN], n: u64, port: u16) {
        let src = [127, 0, 0, 2 + ((n / 50_000) % 253) as u8];
        let dst = [127, 0, 0, 1];
        let sport = 10_000 + (n % 50_000) as u16;
        *frame = [0; LEN];
        // IPv4: version 4, header 20 bytes, total length, DF, TTL 64, TCP; the kernel fills the
        // header checksum (IP_HDRINCL).
        frame[0] = 0x45;
        frame[2..4].copy_from_slice(&(LEN as u16).to_be_bytes());
        frame[6] = 0x40;
        frame[8] = 64;
        frame[9] = 6;
        frame[12..16].copy_from_slice(&src);
        frame[16..20].copy_from_slice(&dst);
        let tcp = &mut frame[20..];
        tcp[0..2].copy_from_slice(&sport.to_be_bytes());
        tcp[2..4].copy_from_slice(&port.to_be_bytes());
        tcp[4..8].copy_from_slice(&(n as u32).wrapping_mul(2_654_435_761).to_be_bytes());
        tcp[12] = 5 << 4;
        tcp[13] = 0x02;
        tcp[14..16].copy_from_slice(&64_240u16.to_be_bytes());
        let sum = checksum(&src, &dst, tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    }

    /// The TCP checksum over the IPv4 pseudo-header and `tcp` (whose checksum field is 0).
    fn checksum(src: &[u8; 4], dst: &[u8; 4], tcp: &[u8]) -> u16 {
        let mut sum: u32 = 6 + tcp.len() as u32;
        for pair in src.chunks(2).chain(dst.chunks(2)).chain(tcp.chunks(2)) {
            sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }
}
