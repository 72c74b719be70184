//! Process information carried by a capture file (Apple's pcapng process blocks, ptcpdump's
//! packet comments), read and reported through `analysis::Options::on_process`.
//!
//! tests/fixtures/process-info.pcapng is real loopback traffic (refused-v4.pcap, then
//! abort-linger0.pcap) with process information added by tests/fixtures/make-process-info.py in
//! the layouts Apple's libpcap and ptcpdump write; that script's docstring says which pids and
//! names it gives to which packets.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rstscope::analysis::{Options, analyze_files};
use rstscope::host::{ProcessSighting, SightingSource};
use rstscope::source::{CapturedProcessKind, FileSource};

mod common;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/process-info.pcapng")
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn the_reader_lists_the_processes_of_both_layouts() {
    let mut source = FileSource::open(&[fixture()]).expect("opens");
    let mut tagged = 0;
    let mut frames = 0;
    while let Some(frame) = source.next_frame() {
        frames += 1;
        tagged += u32::from(frame.process.is_some());
    }
    assert_eq!(frames, 36, "10 refused-v4 + 26 abort-linger0 packets");
    assert_eq!(tagged, 36, "every packet names its process");
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let processes: Vec<_> = source
        .processes()
        .iter()
        .map(|p| (p.pid, p.name.as_deref(), p.cmd.as_deref(), p.how))
        .collect();
    assert_eq!(
        processes,
        vec![
            (
                Some(4242),
                Some("curl"),
                None,
                CapturedProcessKind::DarwinProcessBlock
            ),
            (
                Some(3001),
                Some("python3"),
                Some("/usr/bin/python3"),
                CapturedProcessKind::PacketComment
            ),
            (
                Some(3002),
                Some("python3"),
                Some("/usr/bin/python3"),
                CapturedProcessKind::PacketComment
            ),
        ]
    );
    assert_eq!(
        source.processes()[0].uuid,
        Some(*b"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
    );
}

#[test]
fn on_process_reports_each_socket_owner_once() {
    let mut seen: Vec<ProcessSighting> = Vec::new();
    let mut keep = |s: &ProcessSighting| seen.push(s.clone());
    let options = Options {
        on_process: Some(&mut keep),
        ..Options::default()
    };
    let a = analyze_files(&[fixture()], options).expect("analyzes");
    assert!(a.capture.warnings.is_empty(), "{:?}", a.capture.warnings);
    let t = &a.snapshot.totals;
    // The packets are those of the two source fixtures: 5 refused, 4 aborts.
    assert_eq!((t.tcp_packets, t.rst_packets), (36, 9));
    assert_eq!(t.rst_by_cause[0], 5, "refused");
    assert_eq!(t.rst_by_cause[3], 4, "abort");

    assert!(seen.iter().all(|s| s.source == SightingSource::Capture));
    assert!(
        seen.windows(2).all(|w| w[0].at <= w[1].at),
        "in packet order"
    );
    // Darwin section: curl's SYN (outbound) and the RST/ACK delivered to it (inbound) are the
    // same socket, so one sighting per connect, local = the client's end.
    let curl: Vec<_> = seen.iter().filter(|s| s.pid == 4242).collect();
    assert_eq!(curl.len(), 5, "{seen:#?}");
    for s in &curl {
        assert_eq!(s.name, "curl");
        assert_eq!(s.remote, Some(addr(7300)));
        assert_eq!(s.local.ip(), addr(0).ip());
        assert_ne!(s.local.port(), 7300);
    }
    let ports: std::collections::BTreeSet<_> = curl.iter().map(|s| s.local.port()).collect();
    assert_eq!(ports.len(), 5, "five connects, five client ports");
    // ptcpdump section, no direction flags: only the client's SYNs tell the socket; the
    // server's SYN-ACKs and every later packet are skipped.
    let python: Vec<_> = seen.iter().filter(|s| s.pid != 4242).collect();
    assert_eq!(python.len(), 4, "{seen:#?}");
    for s in &python {
        assert_eq!((s.pid, s.name.as_str()), (3001, "python3"));
        // Named by the script its `Args:` give (`python3 traffic/abort_linger0.py`).
        let script = s.script.as_ref().expect("the script of ptcpdump's Args");
        assert_eq!(
            (script.given.as_str(), script.interpreter.as_str()),
            ("traffic/abort_linger0.py", "python3")
        );
        assert_eq!(s.remote, Some(addr(7302)));
    }
}

/// A capture saved by `rstscope capture --write` ends with rstscope's host block: read back,
/// it names the listener and the connecting process as the live run's report did, while a
/// block of the same local-use type written by another program is left alone.
#[test]
fn the_host_block_of_a_saved_capture_names_the_listener_and_the_client() {
    use rstscope::report::{Clock, full_diagnosis};

    // refused-v4.pcap: five connects to 127.0.0.1:7300, each refused.
    let bytes = common::refused_v4_saved_with_host_block(&[b"{\"format\": \"another program's\"}"]);
    let dir = std::env::temp_dir().join(format!("rstscope-host-block-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("saved.pcapng");
    std::fs::write(&file, bytes).expect("written");

    let a = analyze_files(std::slice::from_ref(&file), Options::default()).expect("analyzes");
    assert!(a.capture.warnings.is_empty(), "{:?}", a.capture.warnings);
    let o = common::offender_on(&a, 7300, "7300 refused");
    let h = a.host.as_deref().expect("the saved host report");
    assert_eq!(
        h.recorded.as_ref().and_then(|r| r.machine.as_deref()),
        Some("labutil01")
    );
    let sentence = full_diagnosis(o, Some(h), Clock::Utc);
    // Regression: analyzed later (elsewhere), the saved file said "Nothing listens on 7300
    // now", which was true of the machine that captured, when the capture ended.
    assert!(!sentence.contains(" now"), "{sentence}");
    for part in [
        "Nothing listened on 7300 when the capture ended (",
        "); it was served by collector (pid 4312, /opt/collector/bin/collector) until",
        "Connecting: curl (pid 5001) and 4 other processes of that name, 5 incidents (connect-trace).",
    ] {
        assert!(sentence.contains(part), "{part:?} in {sentence}");
    }
    let text = rstscope::report::text::report(&a, Clock::Utc, 10);
    assert!(
        text.contains(
            "command (listened, pid 4312): /opt/collector/bin/collector --listen 127.0.0.1:7300"
        ),
        "{text}"
    );
    assert!(text.contains("  machine     labutil01\n"), "{text}");
    assert!(
        text.contains("  listening   1 socket when the capture ended ("),
        "{text}"
    );
    assert!(!text.contains(" now"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

/// What `rstscope analyze --format json FILE` says of the programs of the endpoint on `port`:
/// its diagnosis and its connecting processes.
fn programs_of(file: &Path, port: u16) -> (serde_json::Value, serde_json::Value) {
    let json = common::rstscope_ok(&[
        "analyze".as_ref(),
        "--utc".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        file.as_ref(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let offender = report["offenders"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["port"] == port))
        .unwrap_or_else(|| panic!("no offender on {port} in {json}"));
    (
        offender["diagnosis"].clone(),
        offender["client_processes"].clone(),
    )
}

/// Regression: an endpoint's packets saved on their own (`analyze --endpoint --write`, as the
/// app's "Save these packets…") lost the process information the capture carried with each
/// packet: Apple's process blocks (the 7300 section) and ptcpdump's comments (the 7302 one).
/// Opened again, the saved file named no program. It names the same ones as the capture, and
/// tshark reads it.
#[test]
fn an_endpoints_packets_saved_on_their_own_name_the_programs_the_capture_named() {
    let dir = common::temp_dir("process-info", "saved-endpoint");
    for (port, program) in [
        (7300, "curl (pid 4242)"),
        (7302, "abort_linger0.py (python3, pid 3001)"),
    ] {
        let saved = dir.join(format!("{port}.pcapng"));
        let endpoint = format!("127.0.0.1:{port}");
        common::rstscope_ok(&[
            "analyze".as_ref(),
            fixture().as_os_str(),
            "--endpoint".as_ref(),
            endpoint.as_ref(),
            "--write".as_ref(),
            saved.as_os_str(),
        ]);
        let (diagnosis, clients) = programs_of(&fixture(), port);
        assert!(
            diagnosis
                .as_str()
                .is_some_and(|d| d.contains(&format!("Connecting: {program}"))),
            "{diagnosis}"
        );
        assert_eq!(
            programs_of(&saved, port),
            (diagnosis, clients),
            "{endpoint}"
        );
        match tool("tshark") {
            Some(tshark) => {
                let out = std::process::Command::new(tshark)
                    .arg("-r")
                    .arg(&saved)
                    .output()
                    .expect("tshark runs");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success(), "tshark: {stderr}");
                let packets = String::from_utf8_lossy(&out.stdout).lines().count();
                assert_eq!(packets, if port == 7300 { 10 } else { 26 }, "{stderr}");
            }
            None => common::always_show(
                "tshark check SKIPPED: tshark (Debian package tshark) is not installed",
            ),
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Regression: `analyze --endpoint` (text and JSON) left the connecting program out of its
/// diagnosis when the capture named it with each packet (Apple's process blocks for 7300,
/// ptcpdump's comments for 7302), though the full report of the same file named it. It names
/// the same program, in the same sentence, for the capture and for the endpoint's packets
/// saved on their own.
#[test]
fn the_endpoint_report_names_the_connecting_program_the_full_report_names() {
    let dir = common::temp_dir("process-info", "endpoint-report");
    for (port, program) in [
        (7300, "curl (pid 4242)"),
        (7302, "abort_linger0.py (python3, pid 3001)"),
    ] {
        let endpoint = format!("127.0.0.1:{port}");
        let saved = dir.join(format!("{port}.pcapng"));
        let endpoint_report = |file: &Path, format: &str, write: Option<&Path>| {
            let mut args: Vec<&std::ffi::OsStr> = vec![
                "analyze".as_ref(),
                "--utc".as_ref(),
                "--format".as_ref(),
                format.as_ref(),
                "--endpoint".as_ref(),
                endpoint.as_ref(),
                file.as_os_str(),
            ];
            if let Some(out) = write {
                args.extend(["--write".as_ref(), out.as_os_str()]);
            }
            common::rstscope_ok(&args)
        };
        endpoint_report(&fixture(), "text", Some(&saved));
        for file in [fixture(), saved.clone()] {
            let (full, _) = programs_of(&file, port);
            let full = full.as_str().expect("the full report's diagnosis");
            assert!(
                full.contains(&format!("Connecting: {program}, ")),
                "{}: {full}",
                file.display()
            );
            let json: serde_json::Value =
                serde_json::from_str(&endpoint_report(&file, "json", None)).expect("JSON");
            assert_eq!(json["diagnosis"], full, "{}, {endpoint}", file.display());
            // The same sentence, its times as the terminal writes them (the JSON's have
            // their date and zone): from the program on, which names no time.
            let text = endpoint_report(&file, "text", None);
            let named = full.find("Connecting: ").map_or(full, |at| &full[at..]);
            assert!(
                text.contains(&format!(" {named}\n")),
                "{}, {endpoint}: {named:?} in\n{text}",
                file.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `name` on the PATH, if there.
fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}
