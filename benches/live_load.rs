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
//!   control packets a second, a refused attempt each. The kernel's answering bounds it near
//!   80,000 SYNs a second on one core of a small machine.
//! - `pairs`: each refused attempt written whole, the SYN and the server's RST/ACK, as Ethernet
//!   frames on the interface through a packet socket (Linux), `BENCH_RATE` attempts a second:
//!   twice `BENCH_RATE` control packets a second, as the capture sees a refusal. Their IPv4
//!   header checksum is wrong on purpose, so that the kernel's IP layer drops each frame once
//!   the capture has seen it: the kernel answers nothing, and the generator's core only writes.
//!   rstscope does not check checksums (captures taken with checksum offload have them wrong
//!   too), so it sees what a refusal looks like on the wire.
//!
//! Environment: `BENCH_SECS` (default 10) seconds of load; `BENCH_IFACE` (default `lo`);
//! `BENCH_MODE`, `BENCH_RATE` as above; `BENCH_RSTSCOPE`, the rstscope binary to load (default
//! the one built with this check), so that two builds can be compared in one session.
//!
//! Besides the packet counts it prints what the connect trace made of the load (the failed
//! attempts it named, the events it lost and how many of those the kernel overwrote unread)
//! and each of rstscope's threads' CPU time while the load ran (Linux:
//! `/proc/PID/task/TID/schedstat`), so that a thread that falls behind or takes the capture's
//! core shows.

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
    let rate = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(100_000)
        .clamp(1, 1_000_000);
    let mode = match std::env::var("BENCH_MODE").as_deref() {
        Ok("syn") => Mode::Syn(rate),
        Ok("pairs") => Mode::Pairs(rate),
        Ok("connect") | Err(_) => Mode::Connect,
        Ok(other) => panic!("BENCH_MODE={other}: expected connect, syn or pairs"),
    };
    let port = closed_port();
    let filter = format!("tcp port {port}");
    let duration = format!("{}s", secs + 3);
    let rstscope =
        std::env::var("BENCH_RSTSCOPE").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rstscope").into());
    let mut child = Command::new(&rstscope)
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

    let threads_before = thread_cpu(child.id());
    let start = Instant::now();
    let (generated, other_errors) = match mode {
        Mode::Syn(rate) => raw::syn_flood(port, Duration::from_secs(secs), rate),
        Mode::Pairs(rate) => raw::pair_flood(&iface, port, Duration::from_secs(secs), rate),
        Mode::Connect => connects(port, Duration::from_secs(secs)),
    };
    let elapsed = start.elapsed().as_secs_f64();
    let threads_after = thread_cpu(child.id());
    let overwritten = trace_overruns(child.id());
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
    match mode {
        Mode::Syn(rate) => println!(
            "live load check: SYNs to 127.0.0.1:{port} at {rate}/s from a raw socket (the kernel answers each with RST/ACK) for {secs} s, captured on {iface}"
        ),
        Mode::Pairs(rate) => println!(
            "live load check: refused attempts to 127.0.0.1:{port} at {rate}/s written whole (SYN and RST/ACK frames, {} control packets/s) on {iface} through a packet socket for {secs} s, captured on {iface}",
            2 * rate
        ),
        Mode::Connect => println!(
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
    let (user, sys) = children_cpu();
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
    println!(
        "rstscope's CPU time: {user:.2} s user + {sys:.2} s system over {:.0} s of capture ({:.0}% of a core while the load ran)",
        secs + 3,
        100.0 * (user + sys) / elapsed
    );
    let threads: Vec<String> = threads_after
        .iter()
        .map(|(name, ns)| {
            let spent = ns - threads_before.get(name).copied().unwrap_or(0);
            format!("{name} {:.0}%", 100.0 * spent as f64 / 1e9 / elapsed)
        })
        .collect();
    println!(
        "rstscope's threads while the load ran (% of a core): {}",
        threads.join(", ")
    );
    let trace = TraceFigures::of(&v);
    println!(
        "connect trace: failed attempts named by it {} of {} (not observed {}), events lost {} (of which the kernel overwrote {overwritten} unread by the load's end){}",
        trace.named,
        v["failed_attempts"],
        trace.not_observed,
        trace.lost,
        if trace.matched_early > 0 {
            format!(", incidents matched early {}", trace.matched_early)
        } else {
            String::new()
        }
    );
}

/// What the report says the connect trace did.
struct TraceFigures {
    /// Incidents whose client process came from the connect trace.
    named: u64,
    /// Incidents whose client process was not observed.
    not_observed: u64,
    /// Events lost, from the host note that counts them.
    lost: u64,
    /// Incidents matched to processes early (too many waited), from its note.
    matched_early: u64,
}

impl TraceFigures {
    fn of(report: &serde_json::Value) -> Self {
        let offenders = report["offenders"].as_array().into_iter().flatten();
        let clients = offenders
            .clone()
            .flat_map(|o| o["client_processes"].as_array().into_iter().flatten());
        let named = clients
            .filter(|c| c["source"] == "connect-trace")
            .filter_map(|c| c["connections"].as_u64())
            .sum();
        let not_observed = offenders
            .filter_map(|o| o["client_processes_not_observed"].as_u64())
            .sum();
        let note = |words: &str| {
            report["host_notes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str()?.strip_suffix(words)?.parse::<u64>().ok())
                .sum()
        };
        Self {
            named,
            not_observed,
            lost: note(
                " connect events were lost (kernel buffer overrun or queue full); their processes are not observed",
            ),
            matched_early: note(
                " incidents were matched to processes early because too many waited at once",
            ),
        }
    }
}

/// Events the kernel overwrote in the connect trace's buffers before rstscope `pid` read them
/// (the `overrun` of each CPU's `stats` in its tracefs instance, `rstscope-PID-N`); 0 without
/// one.
fn trace_overruns(pid: u32) -> u64 {
    let prefix = format!("rstscope-{pid}-");
    ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
        .iter()
        .filter_map(|root| std::fs::read_dir(format!("{root}/instances")).ok())
        .flat_map(|instances| instances.flatten())
        .filter(|i| i.file_name().to_string_lossy().starts_with(&prefix))
        .filter_map(|i| std::fs::read_dir(i.path().join("per_cpu")).ok())
        .flat_map(|cpus| cpus.flatten())
        .filter_map(|cpu| std::fs::read_to_string(cpu.path().join("stats")).ok())
        .flat_map(|stats| {
            stats
                .lines()
                .filter_map(|l| l.strip_prefix("overrun:")?.trim().parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// CPU time of each thread of process `pid` so far, in nanoseconds, by thread name (threads of
/// one name added up); empty where `/proc` has no `schedstat`.
fn thread_cpu(pid: u32) -> BTreeMap<String, u64> {
    let mut by_name = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ns: u64 = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        *by_name.entry(name.trim_end().to_owned()).or_insert(0) += ns;
    }
    by_name
}

/// User and system CPU seconds of the children waited for (here: rstscope).
fn children_cpu() -> (f64, f64) {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    {
        // SAFETY: rusage is plain data, filled by getrusage(2).
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to our own struct.
        if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage) } == 0 {
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return (seconds(usage.ru_utime), seconds(usage.ru_stime));
        }
    }
    (0.0, 0.0)
}

/// The generator: see the module's documentation.
#[derive(Clone, Copy)]
enum Mode {
    Connect,
    /// SYNs a second.
    Syn(u64),
    /// Refused attempts (SYN and RST/ACK) a second.
    Pairs(u64),
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
mod raw {
    use std::collections::BTreeMap;
    use std::time::Duration;

    pub fn syn_flood(_port: u16, _secs: Duration, _rate: u64) -> (BTreeMap<i64, u64>, u64) {
        panic!("BENCH_MODE=syn needs Linux's raw sockets");
    }

    pub fn pair_flood(
        _iface: &str,
        _port: u16,
        _secs: Duration,
        _rate: u64,
    ) -> (BTreeMap<i64, u64>, u64) {
        panic!("BENCH_MODE=pairs needs Linux's packet sockets");
    }
}

#[cfg(target_os = "linux")]
mod raw {
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    /// Attempts written per `sendmmsg` call.
    const BATCH: usize = 64;
    /// Ethernet header (14 bytes), as a packet socket writes it.
    const ETHERNET: usize = 14;
    /// IPv4 (20 bytes) and TCP (20 bytes) headers, no options.
    const LEN: usize = 40;
    /// The server's address; the clients are 127.0.0.2-127.0.0.254.
    const SERVER: [u8; 4] = [127, 0, 0, 1];

    /// SYNs to 127.0.0.1:`port` at `rate` a second for `secs` from a raw socket, each from a
    /// new source address and port (the kernel answers each with RST/ACK): the count sent per
    /// second and the segments the kernel did not take.
    pub fn syn_flood(port: u16, secs: Duration, rate: u64) -> (BTreeMap<i64, u64>, u64) {
        // SAFETY: plain socket(2); the descriptor is closed by `flood`.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
        assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
        // SAFETY: sockaddr_in is plain data; zero is a valid start.
        let mut to: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        to.sin_family = libc::AF_INET as libc::sa_family_t;
        to.sin_addr.s_addr = u32::from_ne_bytes(SERVER);
        let mut frames = vec![[0u8; LEN]; BATCH];
        flood(fd, &mut to, &mut frames, 1, secs, rate, |frame, n| {
            let (ip, tcp) = frame.split_at_mut(20);
            attempt(ip, tcp, n, port, Segment::Syn);
            // The kernel fills the IPv4 header checksum (IP_HDRINCL).
        })
    }

    /// Refused attempts on 127.0.0.1:`port` at `rate` a second for `secs`: each a SYN and
    /// the server's RST/ACK written as Ethernet frames on `iface` through a packet socket,
    /// their IPv4 header checksum wrong so that the kernel drops them once captured (see the
    /// module's documentation). The attempts written per second and the frames the kernel did
    /// not take.
    pub fn pair_flood(
        iface: &str,
        port: u16,
        secs: Duration,
        rate: u64,
    ) -> (BTreeMap<i64, u64>, u64) {
        let name = std::ffi::CString::new(iface).expect("interface name");
        // SAFETY: a NUL-terminated name.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        assert!(index > 0, "no interface {iface}");
        let ipv4 = (libc::ETH_P_IP as u16).to_be();
        // SAFETY: plain socket(2), protocol 0: it receives nothing; closed by `flood`.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
        assert!(
            fd >= 0,
            "packet socket: {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: sockaddr_ll is plain data; zero is a valid start.
        let mut to: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        to.sll_family = libc::AF_PACKET as u16;
        to.sll_protocol = ipv4;
        to.sll_ifindex = index as i32;
        to.sll_halen = 6;
        let mut frames = vec![[0u8; ETHERNET + LEN]; 2 * BATCH];
        flood(fd, &mut to, &mut frames, 2, secs, rate, |frame, n| {
            let (ethernet, rest) = frame.split_at_mut(ETHERNET);
            // Loopback's addresses are zero; the type is IPv4.
            ethernet.fill(0);
            ethernet[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
            let (ip, tcp) = rest.split_at_mut(20);
            let segment = if n % 2 == 0 {
                Segment::Syn
            } else {
                Segment::RstAck
            };
            attempt(ip, tcp, n / 2, port, segment);
            let sum = ip_checksum(ip);
            // Wrong on purpose: the kernel's IP layer drops the frame after the capture.
            ip[10..12].copy_from_slice(&(sum ^ 0x5a5a).to_be_bytes());
        })
    }

    /// Writes `rate` attempts a second of `per_attempt` segments each, in batches, for `secs`:
    /// `fill(frame, n)` writes segment `n`. Counts attempts written per second, and segments
    /// the kernel did not take. Closes `fd`.
    fn flood<A, F: AsMut<[u8]>>(
        fd: libc::c_int,
        to: &mut A,
        frames: &mut [F],
        per_attempt: usize,
        secs: Duration,
        rate: u64,
        mut fill: impl FnMut(&mut [u8], u64),
    ) -> (BTreeMap<i64, u64>, u64) {
        let mut iov: Vec<libc::iovec> = frames
            .iter_mut()
            .map(|f| {
                let f = f.as_mut();
                libc::iovec {
                    iov_base: f.as_mut_ptr().cast(),
                    iov_len: f.len(),
                }
            })
            .collect();
        let mut headers: Vec<libc::mmsghdr> = iov
            .iter_mut()
            .map(|v| {
                // SAFETY: msghdr is plain data; zero is a valid start.
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_name = std::ptr::from_mut(to).cast();
                h.msg_hdr.msg_namelen = std::mem::size_of::<A>() as u32;
                h.msg_hdr.msg_iov = v;
                h.msg_hdr.msg_iovlen = 1;
                h
            })
            .collect();
        let batch = frames.len() / per_attempt;
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
            let attempts = usize::try_from((due - next).min(batch as u64)).unwrap_or(batch);
            let segments = attempts * per_attempt;
            let first = next * per_attempt as u64;
            for (i, frame) in frames.iter_mut().take(segments).enumerate() {
                fill(frame.as_mut(), first + i as u64);
            }
            // SAFETY: `headers` point into `iov`, `frames` and `to`, all alive and unmoved.
            let sent = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), segments as u32, 0) };
            let sent = usize::try_from(sent).unwrap_or(0);
            not_sent += (segments - sent) as u64;
            *generated.entry(super::unix_second()).or_insert(0) += (sent / per_attempt) as u64;
            next += attempts as u64;
        }
        // SAFETY: our descriptor, closed once.
        unsafe { libc::close(fd) };
        (generated, not_sent)
    }

    /// A segment of a refused attempt.
    #[derive(Clone, Copy, PartialEq)]
    enum Segment {
        /// The client's SYN.
        Syn,
        /// The server's answer.
        RstAck,
    }

    /// Segment `segment` of attempt `n` on 127.0.0.1:`port`, from 127.0.0.(2 + n / 50000 %
    /// 253) and port 10000 + n % 50000: 12.6 million attempts before a pair comes back. The
    /// IPv4 header's checksum is left 0.
    fn attempt(ip: &mut [u8], tcp: &mut [u8], n: u64, port: u16, segment: Segment) {
        let client = [127, 0, 0, 2 + ((n / 50_000) % 253) as u8];
        let client_port = 10_000 + (n % 50_000) as u16;
        let isn = (n as u32).wrapping_mul(2_654_435_761);
        let ((src, sport), (dst, dport)) = match segment {
            Segment::Syn => ((client, client_port), (SERVER, port)),
            Segment::RstAck => ((SERVER, port), (client, client_port)),
        };
        ip.fill(0);
        tcp.fill(0);
        // IPv4: version 4, header 20 bytes, total length, DF, TTL 64, TCP.
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&(LEN as u16).to_be_bytes());
        ip[6] = 0x40;
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&src);
        ip[16..20].copy_from_slice(&dst);
        tcp[0..2].copy_from_slice(&sport.to_be_bytes());
        tcp[2..4].copy_from_slice(&dport.to_be_bytes());
        tcp[12] = 5 << 4;
        match segment {
            Segment::Syn => {
                tcp[4..8].copy_from_slice(&isn.to_be_bytes());
                tcp[13] = 0x02;
                tcp[14..16].copy_from_slice(&64_240u16.to_be_bytes());
            }
            Segment::RstAck => {
                tcp[8..12].copy_from_slice(&isn.wrapping_add(1).to_be_bytes());
                tcp[13] = 0x14;
            }
        }
        let sum = tcp_checksum(&src, &dst, tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    }

    /// The ones' complement sum of `bytes` as 16-bit words, folded, starting from `sum`.
    fn fold(mut sum: u32, bytes: &[u8]) -> u32 {
        for pair in bytes.chunks(2) {
            sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum
    }

    /// The TCP checksum over the IPv4 pseudo-header and `tcp` (whose checksum field is 0).
    fn tcp_checksum(src: &[u8; 4], dst: &[u8; 4], tcp: &[u8]) -> u16 {
        let sum = fold(6 + tcp.len() as u32, src);
        let sum = fold(sum, dst);
        !(fold(sum, tcp) as u16)
    }

    /// The IPv4 header checksum of `ip` (whose checksum field is 0).
    fn ip_checksum(ip: &[u8]) -> u16 {
        !(fold(0, ip) as u16)
    }
}
