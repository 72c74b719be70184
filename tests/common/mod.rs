//! Captures written by the tests themselves, byte by byte, so that each one (and each damage
//! done to it) is exact. Shared by the integration test binaries that need them.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Writes a line to the process's stderr, past libtest's output capture: `eprintln!` output
/// of a passing test is hidden unless `--nocapture` is given, so a test that skipped a check
/// (no root, no tshark, no network namespace, no corpus) said so only when it failed. These
/// lines must be seen in every run.
pub fn always_show(line: &str) {
    // Nothing useful can be done if stderr is gone.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A port of `ip` that nothing listens on, nor comes to listen on while the test uses it: one
/// below the system's range of ephemeral ports (where every `bind` to port 0 of the tests
/// running beside it lands), found free by binding it. A port
/// of the system's choice, bound and released, can be handed to another test's listener the
/// next moment: a live GUI test run with 23 others at once once saw its "closed" port accept.
pub fn closed_port(ip: std::net::IpAddr) -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Linux says where its range starts; elsewhere IANA's dynamic ports (macOS, Windows).
    let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(49_152);
    // From 10,000 up: below it are the ports the tests use by number (7211 and its like).
    let span = ephemeral.saturating_sub(10_000).max(1);
    for _ in 0..200 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Spread by the process's id, so that test programs running at once start apart.
        let offset = std::process::id()
            .wrapping_mul(7_919)
            .wrapping_add(n.wrapping_mul(104_729));
        let port = u16::try_from(10_000 + offset % span).expect("below the ephemeral range");
        // Not checked by a connect: a live capture running already would count it.
        if std::net::TcpListener::bind((ip, port)).is_ok() {
            return port;
        }
    }
    panic!("no closed port on {ip} below {ephemeral} in 200 tries");
}

/// A client whose runs end as its connects are refused: `sh -c` running `client` (a copy of
/// bash under a name of the test's own: a link would read as the bash it links to) 18 times,
/// 0.3 s apart, each run opening `ip`:`port` (closed, on loopback) and exiting 1. Over 5 s:
/// runs that end by their statuses only make a loop once they went on that long. The shell
/// then stays, as a supervisor does, until its standard input (piped) is closed, and exits
/// 0: a shell that ends well within 10 s of its start made its runs a script's helpers,
/// which the trace does not list once it has read that end (a test that looked sooner
/// passed, and failed on a loaded machine, where the trace read it first).
pub fn refused_client_loop(
    client: &Path,
    ip: std::net::Ipv4Addr,
    port: u16,
) -> std::process::Command {
    let mut sh = std::process::Command::new("sh");
    sh.args([
        "-c",
        &format!(
            "for i in $(seq 18); do {} -c 'exec 3<>/dev/tcp/{ip}/{port}' 2>/dev/null; \
             sleep 0.3; done; read x; exit 0",
            client.display()
        ),
    ])
    .stdin(std::process::Stdio::piped());
    sh
}

/// A temporary folder of this test process, `rstscope-PREFIX-PID-NAME` in the system's
/// temporary folder. The folders of earlier runs of the same test program stay until the
/// next run starts (to look at after a failure) and then go: each run of the suites left
/// thousands (GiBs of captures over a day of runs).
pub fn temp_dir(prefix: &str, name: &str) -> PathBuf {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| remove_earlier_runs(&std::env::temp_dir(), prefix));
    let dir = std::env::temp_dir().join(format!("rstscope-{prefix}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Removes the `rstscope-PREFIX-PID-...` folders in `tmp` of processes that have ended. Only
/// where the system lists its running processes as folders (`/proc`); elsewhere nothing.
fn remove_earlier_runs(tmp: &Path, prefix: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let start = format!("rstscope-{prefix}-");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&start)) else {
            continue;
        };
        let Some(Ok(pid)) = rest.split('-').next().map(str::parse::<u32>) else {
            continue;
        };
        if pid != std::process::id() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A RST/ACK from 10.0.0.2:80 to 10.0.0.1:`client_port` carrying `text` (as the reasons F5's
/// BIG-IP writes in its resets).
pub fn rst_with_payload(client_port: u16, text: &str) -> Vec<u8> {
    let mut f = frame(80, true, 0x14, 5000, 6000);
    f[36..38].copy_from_slice(&client_port.to_be_bytes());
    f.extend_from_slice(text.as_bytes());
    let ip_len = u16::try_from(f.len() - 14).expect("a short frame");
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f
}

/// Ethernet + IPv4 + TCP between 10.0.0.1:40000 and 10.0.0.2:`port`, from the client or, as
/// a `reply`, from 10.0.0.2.
pub fn frame(port: u16, reply: bool, flags: u8, seq: u32, ack: u32) -> Vec<u8> {
    let (client, server) = (([10, 0, 0, 1], 40000), ([10, 0, 0, 2], port));
    let (src, dst) = if reply {
        (server, client)
    } else {
        (client, server)
    };
    tcp_frame(src, dst, flags, (seq, ack))
}

/// An Ethernet frame of [`ipv4_tcp`].
pub fn tcp_frame(
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    flags: u8,
    seq_ack: (u32, u32),
) -> Vec<u8> {
    let mut f = vec![0u8; 14];
    f[12] = 0x08;
    f.extend_from_slice(&ipv4_tcp(src, dst, flags, seq_ack));
    f
}

/// An IPv4 packet of one TCP segment with `flags` from `src` to `dst` (each an address and a
/// port): 20-byte headers, no payload, IP ID 1, don't fragment, TTL 64, a window of 65,535,
/// checksums left 0.
pub fn ipv4_tcp(
    (src, sport): ([u8; 4], u16),
    (dst, dport): ([u8; 4], u16),
    flags: u8,
    (seq, ack): (u32, u32),
) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    p
}

/// An Ethernet frame from 10.99.0.1 to 10.99.0.2 carrying `inner` (an Ethernet frame) in
/// VXLAN (UDP 4789) network `vni`, as a node's underlay carries its overlay's packets.
pub fn vxlan_frame(vni: u32, inner: &[u8]) -> Vec<u8> {
    let udp_len = u16::try_from(8 + 8 + inner.len()).expect("a short frame");
    let ip_len = 20 + udp_len;
    let mut f = vec![0u8; 14];
    f[12] = 0x08;
    f.extend_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0]);
    f[16..18].copy_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&[10, 99, 0, 1, 10, 99, 0, 2]);
    f.extend_from_slice(&50000u16.to_be_bytes());
    f.extend_from_slice(&4789u16.to_be_bytes());
    f.extend_from_slice(&udp_len.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x08, 0, 0, 0]);
    f.extend_from_slice(&(vni << 8).to_be_bytes());
    f.extend_from_slice(inner);
    f
}

/// A synthetic capture (written here, packet by packet: no network made it) of refused
/// attempts to 10.0.0.2:7211: for each `(vni, n)` of `networks`, in order, `n` of them inside
/// VXLAN network `vni` (a SYN, then 100 µs later the RST/ACK, from a client port of its own),
/// then `plain` more carried directly in IP, a thousand attempts a second from 1,700,000,000.
/// Every tenant numbers its machines alike: the network alone tells their endpoints apart.
pub fn vxlan_networks_pcap(networks: &[(u32, u32)], plain: u32) -> Vec<u8> {
    let mut records = Vec::new();
    let mut i = 0u32;
    let mut attempt = |vni: Option<u32>, records: &mut Vec<(u32, u32, Vec<u8>)>| {
        let client_port = 10_000 + (i % 50_000) as u16;
        let isn = 1000 + i;
        let (secs, micros) = (1_700_000_000 + i / 1000, (i % 1000) * 1000);
        let mut syn = frame(7211, false, 0x02, isn, 0);
        syn[34..36].copy_from_slice(&client_port.to_be_bytes());
        let mut rst = frame(7211, true, 0x14, 0, isn + 1);
        rst[36..38].copy_from_slice(&client_port.to_be_bytes());
        for (at, f) in [(micros, syn), (micros + 100, rst)] {
            let f = vni.map_or_else(|| f.clone(), |v| vxlan_frame(v, &f));
            records.push((secs, at, f));
        }
        i += 1;
    };
    for &(vni, n) in networks {
        for _ in 0..n {
            attempt(Some(vni), &mut records);
        }
    }
    for _ in 0..plain {
        attempt(None, &mut records);
    }
    pcap(&records)
}

/// A microsecond little-endian pcap (Ethernet) of `(seconds, microseconds, frame)` records.
pub fn pcap(records: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (secs, micros, f) in records {
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&micros.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

/// `n` refused attempts to 10.0.0.2:`port`, one a second from 1,700,000,000: a SYN and, 100 µs
/// later, the RST/ACK acknowledging it.
pub fn refused_pcap(port: u16, n: u32) -> Vec<u8> {
    let mut records = Vec::new();
    for i in 0..n {
        let isn = 1000 + i * 100;
        records.push((1_700_000_000 + i, 0, frame(port, false, 0x02, isn, 0)));
        records.push((1_700_000_000 + i, 100, frame(port, true, 0x14, 0, isn + 1)));
    }
    pcap(&records)
}

/// tests/fixtures/refused-v4.pcap (five connects to 127.0.0.1:7300, each refused) as
/// `rstscope capture --write` saves such a capture on labutil01: its frames, then rstscope's
/// host block, which says that collector (pid 4312) served 7300 until 30 s before the last
/// frame, that curl (pid 5001) made the five connects, and that sshd (pid 612) listened on
/// 0.0.0.0:22 all along: the one listener when the capture ended, on another port. `others`
/// go before the host block as blocks of the same local-use type (another program's).
pub fn refused_v4_saved_with_host_block(others: &[&[u8]]) -> Vec<u8> {
    refused_v4_saved_with_listener_end(others, None)
}

/// [`refused_v4_saved_with_host_block`] whose endpoint also carries `listener_end`: how the
/// journal told the gone listener (the collector, pid 4312) ended.
pub fn refused_v4_saved_with_listener_end(
    others: &[&[u8]],
    listener_end: Option<rstscope::host::journal::ListenerEnd>,
) -> Vec<u8> {
    refused_v4_saved(others, listener_end, 5, 5, 0)
}

/// [`refused_v4_saved_with_host_block`] whose connecting program (curl) made `connections`
/// of the port's incidents in `processes` processes of that name, and `not_observed` were
/// matched to none.
pub fn refused_v4_saved_with_clients(
    connections: u64,
    processes: u64,
    not_observed: u64,
) -> Vec<u8> {
    refused_v4_saved(&[], None, connections, processes, not_observed)
}

/// [`refused_v4_saved_with_host_block`] whose machine-wide list of programs failing to start
/// holds `program`, crashing at each of its 4 starts, 5 s apart from 20 s before the last
/// frame (killed by signal 11, SIGSEGV, within 40 ms), still failing when the capture ended:
/// a program no endpoint's diagnosis names (nothing connects to its port).
pub fn refused_v4_saved_with_a_failing_program(program: &str) -> Vec<u8> {
    saved(&[], None, (5, 5, 0), Some(program))
}

fn refused_v4_saved(
    others: &[&[u8]],
    listener_end: Option<rstscope::host::journal::ListenerEnd>,
    connections: u64,
    processes: u64,
    not_observed: u64,
) -> Vec<u8> {
    saved(
        others,
        listener_end,
        (connections, processes, not_observed),
        None,
    )
}

fn saved(
    others: &[&[u8]],
    listener_end: Option<rstscope::host::journal::ListenerEnd>,
    (connections, processes, not_observed): (u64, u64, u64),
    failing: Option<&str>,
) -> Vec<u8> {
    use rstscope::host::SightingSource;
    use rstscope::host::clients::{ClientProcess, EndpointClients};
    use rstscope::host::history::{ListenerRecord, ListenerStatus};
    use rstscope::host::processes::ProcessInfo;
    use rstscope::host::recorded;
    use rstscope::host::state::{EndpointHost, HostReport};
    use rstscope::packet::Timestamp;
    use rstscope::source::pcapng::{PcapngWriter, RSTSCOPE_HOST};
    use rstscope::source::{FileSource, LinkType};

    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refused-v4.pcap");
    let mut source = FileSource::open(&[fixture]).expect("opens");
    let mut w = PcapngWriter::new(Vec::new(), None).expect("header");
    w.add_interface(LinkType(1), 0, Some("lo"), None)
        .expect("interface");
    let mut last = Timestamp::default();
    while let Some(f) = source.next_frame() {
        w.write_packet(0, f.ts, f.data, f.orig_len).expect("frame");
        last = f.ts;
    }
    let at = std::net::SocketAddr::from(([127, 0, 0, 1], 7300));
    let collector = ListenerRecord {
        addr: at,
        process: ProcessInfo {
            exe: Some("/opt/collector/bin/collector".into()),
            cmdline: Some("/opt/collector/bin/collector --listen 127.0.0.1:7300".into()),
            ..ProcessInfo::bare(4312, "collector")
        },
        first_seen: Timestamp(last.0 - 60_000_000_000),
        last_seen: Timestamp(last.0 - 30_000_000_000),
    };
    let sshd = ListenerRecord {
        addr: std::net::SocketAddr::from(([0, 0, 0, 0], 22)),
        process: ProcessInfo {
            exe: Some("/usr/sbin/sshd".into()),
            cmdline: Some("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups".into()),
            ..ProcessInfo::bare(612, "sshd")
        },
        first_seen: collector.first_seen,
        last_seen: last,
    };
    let live = HostReport {
        sampled: Some((collector.first_seen, last)),
        samples: 61,
        listening: vec![sshd],
        gone: vec![collector.clone()],
        endpoints: vec![EndpointHost {
            addr: at.ip(),
            port: 7300,
            listener: ListenerStatus {
                now: None,
                earlier: vec![collector],
            },
            clients: EndpointClients {
                processes: vec![ClientProcess {
                    pid: 5001,
                    name: "curl".into(),
                    script: None,
                    source: SightingSource::ConnectTrace,
                    sources: Vec::new(),
                    connections,
                    processes,
                }],
                not_observed,
                ..EndpointClients::default()
            },
            client_details: Vec::new(),
            local: true,
            former_owner: None,
            listener_end,
            failing_starts: Vec::new(),
            machine: None,
            untold: None,
        }],
        // 4 times from 20 s to 5 s before the end, each run killed by signal 11 (SIGSEGV).
        failing_starts: failing.map_or_else(Vec::new, |program| {
            vec![rstscope::host::restarts::FailingStart {
                starts: 4,
                exit_status: None,
                signal: Some(11),
                killed: 4,
                supervised: true,
                ..failing_start(
                    program,
                    Timestamp(last.0 - 20_000_000_000),
                    Timestamp(last.0 - 5_000_000_000),
                )
            }]
        }),
        ..HostReport::default()
    };
    for other in others {
        w.write_block(RSTSCOPE_HOST, other).expect("another block");
    }
    let body = recorded::encode(&live, Some("labutil01".into())).expect("encodes");
    w.write_block(RSTSCOPE_HOST, &body).expect("host block");
    w.finish(&[]).expect("finish")
}

/// `program` failing to start 3 times from `first` to `last`, each run ending within 40 ms
/// with exit status 1, as the machine-wide list keeps it (linked by the timing); the tests
/// set what they need.
pub fn failing_start(
    program: &str,
    first: rstscope::packet::Timestamp,
    last: rstscope::packet::Timestamp,
) -> rstscope::host::restarts::FailingStart {
    let name = program.rsplit('/').next().unwrap_or(program);
    rstscope::host::restarts::FailingStart {
        program: program.to_owned(),
        name: name.chars().take(15).collect(),
        starts: 3,
        first,
        last,
        longest_ns: 40_000_000,
        exit_status: Some(1),
        signal: None,
        killed: 0,
        oom_killed: 0,
        missing: Vec::new(),
        link: Default::default(),
        connected_to: Vec::new(),
        supervised: false,
        recovered: None,
        elsewhere: None,
        net_ns: Vec::new(),
        net_ns_unread: None,
        net_ns_relation: None,
        failed_connects: None,
    }
}

/// `rstscope capture -i lo --duration D --format json` as a user runs it, once it has said on
/// stderr that it is capturing. `None` (with `SKIPPED` printed for `test`) when this process
/// may not capture: the command then exits 2 saying so. Any other failure to start panics.
pub fn capture_json_on_lo(
    test: &str,
    duration: &str,
) -> Option<(std::process::Child, std::thread::JoinHandle<Vec<String>>)> {
    capture_json_on_lo_in(test, duration, None)
}

/// [`capture_json_on_lo`] in network namespace `netns` (run by `ip netns exec`), or in this
/// process's own with `None`.
pub fn capture_json_on_lo_in(
    test: &str,
    duration: &str,
    netns: Option<&str>,
) -> Option<(std::process::Child, std::thread::JoinHandle<Vec<String>>)> {
    capture_json_on_lo_with(test, duration, netns, &[])
}

/// [`capture_json_on_lo_in`] with `more` arguments for `rstscope capture` (`--write F`).
pub fn capture_json_on_lo_with(
    test: &str,
    duration: &str,
    netns: Option<&str>,
    more: &[&std::ffi::OsStr],
) -> Option<(std::process::Child, std::thread::JoinHandle<Vec<String>>)> {
    capture_on_lo(test, duration, netns, "json", more)
}

/// `rstscope capture -i lo --duration D --format F` and `more` arguments, started (its
/// standard output piped, the rest of its stderr collected by the thread returned), or `None`
/// (with `SKIPPED` printed for `test`) where this process may not capture.
pub fn capture_on_lo(
    test: &str,
    duration: &str,
    netns: Option<&str>,
    format: &str,
    more: &[&std::ffi::OsStr],
) -> Option<(std::process::Child, std::thread::JoinHandle<Vec<String>>)> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let bin = env!("CARGO_BIN_EXE_rstscope");
    let mut command = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, bin]);
            c
        }
        None => Command::new(bin),
    };
    let mut child = command
        .args([
            "capture",
            "-i",
            "lo",
            "--duration",
            duration,
            "--format",
            format,
        ])
        .args(more)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rstscope runs");
    // The command says on stderr when it is capturing (or why it cannot).
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    if first.contains("capturing on") {
        return Some((child, rest));
    }
    let status = child.wait().expect("exit");
    if lacks_capture_right(&first) {
        assert_eq!(status.code(), Some(2), "{first}");
        always_show(&format!("live capture test SKIPPED ({test}): {first}"));
        return None;
    }
    panic!("rstscope capture did not start: {first} {:?}", rest.join());
}

/// Whether `rstscope capture`'s message on stderr says this process lacks the right to
/// capture (the one reason a capture test may skip; any other failure is a failure).
pub fn lacks_capture_right(stderr: &str) -> bool {
    stderr.contains("cannot capture") && stderr.contains("setcap")
}

/// A live capture on `lo` with `options` (its interfaces set to `lo`), or `None` (with
/// `SKIPPED` printed for `test`) where this process may not capture.
pub fn live_on_lo(
    test: &str,
    mut options: rstscope::pipeline::live::LiveOptions,
) -> Option<rstscope::pipeline::live::LiveJob> {
    options.capture.interfaces = vec!["lo".into()];
    live_or_skip(test, options)
}

/// A live capture of `options`, or `None` (with SKIPPED printed, naming `test`) where this
/// process may not capture; any other failure to start fails the test.
pub fn live_or_skip(
    test: &str,
    options: rstscope::pipeline::live::LiveOptions,
) -> Option<rstscope::pipeline::live::LiveJob> {
    use rstscope::pipeline::live::{self, StartError};
    use rstscope::source::live::LiveError;

    match live::capture(options, || {}) {
        Ok(job) => Some(job),
        Err(StartError::Capture(
            e @ (LiveError::Permission { .. } | LiveError::Unavailable { .. }),
        )) => {
            always_show(&format!("live capture test SKIPPED ({test}): {e}"));
            None
        }
        Err(e) => panic!("{test}: live capture did not start: {e}"),
    }
}

/// A network namespace of this test process (Linux, root), with its loopback up, deleted on
/// drop. Traffic in it is counted by its own kernel counters, apart from the machine's.
#[cfg(target_os = "linux")]
pub struct Netns {
    pub name: String,
}

#[cfg(target_os = "linux")]
impl Netns {
    /// A new namespace, or why there cannot be one here (not root, no `ip`).
    pub fn new(tag: &str) -> Result<Self, String> {
        let name = format!("rstscope-{tag}-{}", std::process::id());
        let ip = |args: &[&str]| -> Result<(), String> {
            let out = std::process::Command::new("ip")
                .args(args)
                .output()
                .map_err(|e| format!("ip: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        };
        ip(&["netns", "add", &name])?;
        let ns = Self { name };
        ip(&["netns", "exec", &ns.name, "ip", "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// A new namespace, or `None` after saying that the test `what` (e.g. "live capture
    /// test") is skipped, and why, where it cannot have one (not root, no `ip`).
    pub fn or_skip(tag: &str, what: &str) -> Option<Self> {
        Self::new(tag)
            .map_err(|why| {
                always_show(&format!(
                    "{what} SKIPPED ({tag}): no network namespace: {why}"
                ))
            })
            .ok()
    }

    /// Moves the calling thread into the namespace (its sockets are then made there); for a
    /// thread of its own, as it does not move back.
    pub fn enter(&self) {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(format!("/var/run/netns/{}", self.name))
            .expect("the namespace's file");
        // SAFETY: setns on an open namespace file; it changes only this thread.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
    }
}

#[cfg(target_os = "linux")]
impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A copy of a little-endian classic pcap (`bytes`, as tcpdump writes it on x86) with only the
/// records `keep` takes (by index), each moved `shift_secs` seconds: a piece of a rotated set,
/// or the same capture as a host whose clock is off (or a capture from another year) has it.
pub fn pcap_rewritten(bytes: &[u8], keep: impl Fn(usize) -> bool, shift_secs: i64) -> Vec<u8> {
    let magic = u32::from_le_bytes(bytes[..4].try_into().expect("header"));
    assert!(
        magic == 0xa1b2_c3d4 || magic == 0xa1b2_3c4d,
        "a little-endian pcap"
    );
    let mut out = bytes[..24].to_vec();
    let (mut at, mut index) = (24, 0);
    while at + 16 <= bytes.len() {
        let field =
            |i: usize| u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().expect("field"));
        let len = field(8) as usize;
        if keep(index) {
            let secs = u32::try_from(i64::from(field(0)) + shift_secs).expect("a 32-bit time");
            out.extend_from_slice(&secs.to_le_bytes());
            out.extend_from_slice(&bytes[at + 4..at + 16 + len]);
        }
        at += 16 + len;
        index += 1;
    }
    out
}

/// A copy of a little-endian pcapng file (`bytes`) with only the packet records (Enhanced and
/// Simple Packet Blocks) `keep` takes, by index in the file; every other block kept as it is
/// (section headers, interfaces, statistics).
pub fn pcapng_rewritten(bytes: &[u8], keep: impl Fn(usize) -> bool) -> Vec<u8> {
    assert_eq!(
        bytes.get(8..12),
        Some(&[0x4d, 0x3c, 0x2b, 0x1a][..]),
        "a little-endian pcapng"
    );
    let mut out = Vec::with_capacity(bytes.len());
    let (mut at, mut index) = (0, 0);
    while at + 12 <= bytes.len() {
        let field =
            |i: usize| u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().expect("field"));
        let (kind, len) = (field(0), field(4) as usize);
        assert!(
            len >= 12 && at + len <= bytes.len(),
            "a whole block at {at}"
        );
        let packet = kind == 6 || kind == 3;
        if !packet || keep(index) {
            out.extend_from_slice(&bytes[at..at + len]);
        }
        index += usize::from(packet);
        at += len;
    }
    out
}

/// The journal of the 7211 story (tests/fixtures/journal/collector-story.export) with the
/// collector listening on `port` instead, written into journal files in a temporary folder
/// by `systemd-journal-remote`; `None` (SKIPPED printed) where that is not installed.
pub fn story_journal(port: u16) -> Option<rstscope::host::journal::Journal> {
    let remote = journal_remote()?;
    // Every mention of 7211 follows the port: the collector's listening line, and the two
    // near misses ("sent 7211 bytes", a listener on 17211) stay near misses.
    let export = story_export().replace("7211", &port.to_string());
    Some(journal_from_export(remote, &format!("{port}"), &export))
}

/// `systemd-journal-remote`, which writes journal files from an export; `None` (and the test
/// SKIPPED, said on stderr) where it is not installed.
pub fn journal_remote() -> Option<&'static str> {
    let remote = [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists());
    if remote.is_none() {
        always_show(
            "journal test SKIPPED: systemd-journal-remote is not installed (scripts/setup.sh installs it), so no journal could be made for journalctl",
        );
    }
    remote
}

/// The 7211 story's journal in the journal export format (tests/fixtures/journal).
pub fn story_export() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/journal/collector-story.export"
    ))
    .expect("the story's export")
}

/// Journal files written by `systemd-journal-remote` (at `remote`) from `export`, in a
/// folder of their own named by `name`.
pub fn journal_from_export(
    remote: &str,
    name: &str,
    export: &str,
) -> rstscope::host::journal::Journal {
    let dir = temp_dir("journal", name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("journal")).expect("temp dir");
    std::fs::write(dir.join("story.export"), export).expect("export written");
    let status = std::process::Command::new(remote)
        .arg("-o")
        .arg(dir.join("journal").join("story.journal"))
        .arg(dir.join("story.export"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("systemd-journal-remote runs");
    assert!(status.success(), "systemd-journal-remote: {status}");
    rstscope::host::journal::Journal {
        directory: Some(dir.join("journal")),
    }
}

/// `rstscope analyze --format FORMAT FILE`'s output; its exit must be 0 (its stderr shown
/// when not).
pub fn analyze_ok(file: &std::path::Path, format: &str) -> String {
    rstscope_ok(&[
        "analyze".as_ref(),
        "--format".as_ref(),
        format.as_ref(),
        file.as_os_str(),
    ])
}

/// `rstscope ARGS`'s output; its exit must be 0 (its stderr shown when not).
pub fn rstscope_ok(args: &[&std::ffi::OsStr]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args(args)
        .output()
        .expect("rstscope runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The offender on `port` in `a`'s report (the test fails, saying `why`, when there is none).
pub fn offender_on<'a>(
    a: &'a rstscope::analysis::Analysis,
    port: u16,
    why: &str,
) -> &'a rstscope::engine::Offender {
    a.snapshot
        .offenders
        .iter()
        .find(|o| o.port == port)
        .unwrap_or_else(|| panic!("no offender on port {port}: {why}"))
}

/// Programs that keep failing to start, one in this network namespace and one in another:
/// see [`crash_loops`].
#[cfg(target_os = "linux")]
pub struct CrashLoops {
    /// The program crash-looping here (a copy of `/bin/sleep`, its path canonical, as the
    /// machine's list names it).
    pub here: PathBuf,
    /// The one crash-looping in the other namespace.
    pub there: PathBuf,
    /// The two shells' loops, this namespace's first: each ends after its runs.
    pub loops: [std::process::Child; 2],
}

/// Starts two copies of `original` (`/bin/sleep`'s bytes) written to `dir` crash-looping
/// `runs` times each, every run killed by SIGSEGV 0.2 s in and 0.2 s apart, no core files:
/// `crasher-here` in this network namespace, `crasher-elsewhere` in `elsewhere` (through
/// `ip netns exec`). What a host capture sees of a program failing again and again, here or
/// in another container.
#[cfg(target_os = "linux")]
pub fn crash_loops(original: &[u8], dir: &Path, runs: u32, elsewhere: &Netns) -> CrashLoops {
    let here = program_file(dir, "crasher-here", original);
    let there = program_file(dir, "crasher-elsewhere", original);
    let loops = [
        crash_loop(&here, dir, runs, None),
        crash_loop(&there, dir, runs, Some(&elsewhere.name)),
    ];
    CrashLoops { here, there, loops }
}

/// `bytes` (a program's, as `/bin/sleep`'s) written to `dir/name`, executable; its path with
/// symbolic links followed, as the kernel's exec events name it.
#[cfg(unix)]
pub fn program_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let program = dir.join(name);
    std::fs::write(&program, bytes).expect("write the program");
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("make it executable");
    std::fs::canonicalize(&program).expect("the program's path")
}

/// A shell loop, started in `dir`, running `program` (a copy of `/bin/sleep`) `runs` times,
/// every run killed by SIGSEGV 0.2 s in and 0.2 s apart, no core files; in network namespace
/// `netns` (through `ip netns exec`), or this one with `None`. It ends after its runs.
#[cfg(target_os = "linux")]
pub fn crash_loop(
    program: &Path,
    dir: &Path,
    runs: u32,
    netns: Option<&str>,
) -> std::process::Child {
    let script = format!(
        "ulimit -c 0; i=0; while [ $i -lt {runs} ]; do i=$((i+1)); \"$1\" 5 & p=$!; \
         sleep 0.2; kill -SEGV $p; wait $p; sleep 0.2; done"
    );
    let mut c = match netns {
        Some(ns) => {
            let mut c = std::process::Command::new("ip");
            c.args(["netns", "exec", ns, "sh"]);
            c
        }
        None => std::process::Command::new("sh"),
    };
    c.args(["-c", &script, "sh"])
        .arg(program)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the loop")
}

/// A copy of `/bin/true` that cannot load, `collector` in a directory of its own (removed by
/// the caller): its needed `libc.so.6` renamed `libq.so.6` (same length), a library no machine
/// has. `None` (said) where there is no such `/bin/true`.
#[cfg(target_os = "linux")]
pub fn unloadable_copy_of_true(what: &str) -> Option<(PathBuf, PathBuf)> {
    let Ok(original) = std::fs::read("/bin/true") else {
        println!("SKIPPED: no /bin/true to copy");
        return None;
    };
    let mut patched = original;
    let (from, to) = (b"libc.so.6\0", b"libq.so.6\0");
    let mut renamed = 0;
    for at in 0..patched.len().saturating_sub(from.len()) {
        if &patched[at..at + from.len()] == from {
            patched[at..at + from.len()].copy_from_slice(to);
            renamed += 1;
        }
    }
    if renamed == 0 {
        println!("SKIPPED: /bin/true does not need libc.so.6 (static, or another libc)");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("rstscope-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let program = dir.join("collector");
    std::fs::write(&program, &patched).expect("write the program");
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("make it executable");
    Some((dir, program))
}
