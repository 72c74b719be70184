//! Soak benchmark of `rstscope agent` (not a test): DESIGN.md asks for bounded memory for weeks
//! of live running. Run with `scripts/bench-agent.sh` (release build, root, loopback only).
//!
//! It starts the agent on `lo` as an admin would (`--top 50`), makes a steady stream of refused
//! connects to 127.0.0.1 (`BENCH_RATE` a second, default 200, over `BENCH_ENDPOINTS` ports,
//! default 500, so that endpoints compete for the 50 series), scrapes `/metrics` every 15 s as
//! Prometheus would, asks `/report?since=5m` and `/evidence` of the busiest endpoint every
//! minute, and samples the agent's resident memory and CPU time every second for
//! `BENCH_SECONDS` (default 600). It prints a line a minute and, at the end, the memory after
//! the first two minutes against the end (growth, PASS within 10% + 5 MB), and the refusals
//! the agent counted against those made (PASS when equal). Linux only (it reads `/proc`).
#![cfg_attr(not(target_os = "linux"), allow(dead_code, unused_imports))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
}

fn proc_status(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User plus system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_owned();
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn refused_total(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("rstscope_resets_total{") && l.contains("cause=\"refused\""))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("agent soak SKIPPED: it reads /proc, on Linux only");
}

#[cfg(target_os = "linux")]
fn main() {
    let seconds = env("BENCH_SECONDS", 600);
    let rate = env("BENCH_RATE", 200).max(1);
    let endpoints = env("BENCH_ENDPOINTS", 500).max(1);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let dir = std::env::temp_dir().join(format!("rstscope-agent-soak-{}", std::process::id()));
    let mut agent = Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args([
            "agent",
            "-i",
            "lo",
            "--top",
            "50",
            "--evidence-max",
            "64M",
            "--listen",
        ])
        .arg(addr.to_string())
        .arg("--evidence-dir")
        .arg(dir.join("evidence"))
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rstscope runs");
    let mut first = String::new();
    BufReader::new(agent.stderr.take().expect("stderr"))
        .read_line(&mut first)
        .expect("the agent says what it does");
    if !first.contains("capturing on") {
        let _ = agent.wait();
        eprintln!("agent soak SKIPPED: {}", first.trim());
        return;
    }
    let pid = agent.id();
    println!(
        "rstscope agent soak: {seconds} s, {rate} refused connects a second over {endpoints} endpoints on 127.0.0.1, --top 50"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let made = Arc::new(AtomicU64::new(0));
    let load = {
        let (stop, made) = (Arc::clone(&stop), Arc::clone(&made));
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                // A few endpoints are much busier, and which ones changes every two minutes.
                let hot = (start.elapsed().as_secs() / 120) % endpoints;
                let port = if i.is_multiple_of(4) {
                    hot
                } else {
                    i % endpoints
                };
                let to = SocketAddr::from(([127, 0, 0, 1], 30_000 + port as u16));
                if let Err(e) = TcpStream::connect_timeout(&to, Duration::from_secs(1))
                    && e.kind() == std::io::ErrorKind::ConnectionRefused
                {
                    made.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };

    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let start = Instant::now();
    let mut rss: Vec<u64> = Vec::new();
    let mut last_cpu = cpu_ticks(pid);
    let mut last_metrics = String::new();
    for s in 1..=seconds {
        let due = start + Duration::from_secs(s);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        rss.push(proc_status(pid, "VmRSS:"));
        if s % 15 == 0
            && let Some(m) = get(addr, "/metrics")
        {
            last_metrics = m;
        }
        if s.is_multiple_of(60) {
            let report = get(addr, "/report?since=5m").map_or(0, |r| r.len());
            let evidence = get(
                addr,
                &format!(
                    "/evidence?endpoint=127.0.0.1:{}",
                    30_000 + (s / 120) % endpoints
                ),
            )
            .map_or(0, |r| r.len());
            let cpu = cpu_ticks(pid);
            let minute = &rss[rss.len() - 60..];
            println!(
                "minute {:3}: RSS {:6.1} MB (max {:6.1}), CPU {:4.1}%, refused made {}, counted {}, /report {} kB, /evidence {} kB",
                s / 60,
                *minute.last().unwrap_or(&0) as f64 / 1024.0,
                *minute.iter().max().unwrap_or(&0) as f64 / 1024.0,
                (cpu - last_cpu) as f64 / ticks_per_sec / 60.0 * 100.0,
                made.load(Ordering::Relaxed),
                refused_total(&last_metrics),
                report / 1024,
                evidence / 1024,
            );
            last_cpu = cpu;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = load.join();
    std::thread::sleep(Duration::from_secs(2));
    let counted = get(addr, "/metrics").map_or(0, |m| refused_total(&m));
    let made = made.load(Ordering::Relaxed);
    let hwm = proc_status(pid, "VmHWM:");
    // SAFETY: kill(2) on the child this benchmark started and has not reaped.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let _ = agent.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let at = |sec: usize| rss.get(sec.min(rss.len()) - 1).copied().unwrap_or(0) as f64 / 1024.0;
    let settled = at(120.min(rss.len()));
    let end = at(rss.len());
    let growth = end - settled;
    let ok = end <= settled * 1.1 + 5.0;
    println!(
        "memory: {settled:.1} MB after {} s, {end:.1} MB at the end ({growth:+.1} MB, {:.2}x), peak {:.1} MB: {}",
        120.min(rss.len()),
        end / settled.max(0.1),
        hwm as f64 / 1024.0,
        if ok {
            "PASS (no growth after the first minutes)"
        } else {
            "MISS (it grows)"
        }
    );
    println!(
        "refusals: {made} made, {counted} counted by the agent: {}",
        if made == counted { "PASS" } else { "MISS" }
    );
}
