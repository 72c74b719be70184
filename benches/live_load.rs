//! Load check of live capture (a benchmark, not a test): a bounded burst of refused connects
//! to a closed port on 127.0.0.1, as fast as one core allows, while `rstscope capture -i lo`
//! runs; prints, per second, the connects generated, the RSTs and failed attempts rstscope
//! counted, and the drops (kernel and rstscope's own) so far. Needs the right to capture
//! (root); without it, says SKIPPED. Run with `scripts/bench-live.sh`.
//!
//! Environment: `BENCH_SECS` (default 10) seconds of load; `BENCH_IFACE` (default `lo`).

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

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut generated: BTreeMap<i64, u64> = BTreeMap::new();
    let start = Instant::now();
    let mut other_errors = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        let sec = unix_second();
        let n = generated.entry(sec).or_insert(0);
        for _ in 0..64 {
            match TcpStream::connect(addr) {
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => *n += 1,
                _ => other_errors += 1,
            }
        }
    }
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
    println!(
        "live load check: refused connects to 127.0.0.1:{port} for {secs} s on one core, captured on {iface}"
    );
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
        "total: generated {total} ({:.0}/s), RSTs seen {seen} ({:.1}%), failed attempts {}, packets {}, dropped {} (kernel {}, interface {}, rstscope {}); connects not refused: {other_errors}",
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
