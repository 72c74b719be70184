//! The packets behind an offender: `report::evidence` on the recorded captures (the sample,
//! the loopback fixtures and, when present, the public corpus), and `rstscope analyze
//! --endpoint / --write` as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use rstscope::analysis::{Options, analyze_files};
use rstscope::engine::{Cause, ConnRecord, ConnState, EngineConfig};
use rstscope::report::Clock;
use rstscope::report::evidence::{self, Evidence, tcpdump_line};
use rstscope::source::FileSource;

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

const SAMPLE: &str = "resources/sample-7211.pcapng";

fn collect(name: &str, ep: &str, max: usize) -> Evidence {
    let ep: std::net::SocketAddr = ep.parse().expect("endpoint");
    evidence::collect(&[path(name)], (ep.ip(), ep.port()), None, max, None)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn lines(ev: &Evidence, n: usize) -> Vec<String> {
    ev.packets
        .iter()
        .take(n)
        .map(|p| tcpdump_line(p, Clock::Utc))
        .collect()
}

#[test]
fn sample_7211_gives_40_packets_and_20_refused_connections() {
    let ev = collect(SAMPLE, "127.0.0.1:7211", 1000);
    assert_eq!(ev.packets.len(), 40);
    assert_eq!(ev.more, 0);
    assert_eq!(ev.connections.len(), 20);
    assert!(ev.connections.iter().all(|c| c.state == ConnState::Rej
        && c.rst_cause == Some(Cause::Refused)
        && c.history == "Sr"));
    let o = ev.offender.as_ref().expect("offender");
    assert_eq!(o.failed_refused, 20);
    assert_eq!(ev.interfaces.len(), 1);
    assert_eq!(ev.interfaces[0].name.as_deref(), Some("lo"));
    assert!(ev.warnings.is_empty());
}

/// `tcpdump --nano -n -r resources/sample-7211.pcapng` (tcpdump 4.99.3, TZ=UTC), first
/// packets: dumpcap recorded nanoseconds.
#[test]
fn sample_lines_are_tcpdumps() {
    let ev = collect(SAMPLE, "127.0.0.1:7211", 1000);
    assert_eq!(
        lines(&ev, 4),
        [
            "13:09:12.250341801 IP 127.0.0.1.39446 > 127.0.0.1.7211: Flags [S], seq 3134553372, win 65495, options [mss 65495,sackOK,TS val 869084820 ecr 0,nop,wscale 10], length 0",
            "13:09:12.250354481 IP 127.0.0.1.7211 > 127.0.0.1.39446: Flags [R.], seq 0, ack 3134553373, win 0, length 0",
            "13:09:12.750420451 IP 127.0.0.1.35998 > 127.0.0.1.7211: Flags [S], seq 3843377725, win 65495, options [mss 65495,sackOK,TS val 2990298688 ecr 0,nop,wscale 10], length 0",
            "13:09:12.750432744 IP 127.0.0.1.7211 > 127.0.0.1.35998: Flags [R.], seq 0, ack 3843377726, win 0, length 0",
        ]
    );
}

/// `tcpdump --nano -n -r tests/fixtures/http-mix.pcapng` (nanoseconds recorded): relative
/// sequence numbers after the handshake, as tcpdump counts them.
#[test]
fn http_mix_lines_are_tcpdumps_with_relative_sequence_numbers() {
    let ev = collect("tests/fixtures/http-mix.pcapng", "127.0.0.1:7304", 1000);
    assert_eq!(
        lines(&ev, 5),
        [
            "13:09:06.148086948 IP 127.0.0.1.51914 > 127.0.0.1.7304: Flags [S], seq 3991382302, win 65495, options [mss 65495,sackOK,TS val 2899882128 ecr 0,nop,wscale 10], length 0",
            "13:09:06.148102239 IP 127.0.0.1.7304 > 127.0.0.1.51914: Flags [S.], seq 2054015981, ack 3991382303, win 65483, options [mss 65495,sackOK,TS val 4284037202 ecr 2899882128,nop,wscale 10], length 0",
            "13:09:06.148119041 IP 127.0.0.1.51914 > 127.0.0.1.7304: Flags [.], ack 1, win 64, options [nop,nop,TS val 2899882128 ecr 4284037202], length 0",
            "13:09:06.148160063 IP 127.0.0.1.51914 > 127.0.0.1.7304: Flags [P.], seq 1:68, ack 1, win 64, options [nop,nop,TS val 2899882128 ecr 4284037202], length 67",
            "13:09:06.148165792 IP 127.0.0.1.7304 > 127.0.0.1.51914: Flags [.], ack 68, win 64, options [nop,nop,TS val 4284037202 ecr 2899882128], length 0",
        ]
    );
}

/// `tcpdump --nano -n -r tests/fixtures/refused-v6.pcap` (a nanosecond pcap: its times to the
/// nanosecond, as recorded; they were cut to the microsecond).
#[test]
fn refused_v6_lines_are_tcpdumps() {
    let ev = collect("tests/fixtures/refused-v6.pcap", "[::1]:7301", 1000);
    assert_eq!(
        lines(&ev, 2),
        [
            "13:08:43.100340306 IP6 ::1.56398 > ::1.7301: Flags [S], seq 598063603, win 65476, options [mss 65476,sackOK,TS val 807373822 ecr 0,nop,wscale 10], length 0",
            "13:08:43.100352096 IP6 ::1.7301 > ::1.56398: Flags [R.], seq 0, ack 598063604, win 0, length 0",
        ]
    );
}

/// Saved packets record their times to their file's resolution (`if_tsresol`): a nanosecond
/// pcap's as 9, a microsecond pcap's as 6, a Network Monitor 1.x file's milliseconds as 3
/// (every saved file said 9), and read back with the same times and as many digits.
#[test]
fn saved_packets_record_their_times_to_their_files_resolution() {
    for (name, ep, tsresol) in [
        ("tests/fixtures/refused-v6.pcap", "[::1]:7301", 9),
        ("tests/fixtures/refused-v4.pcap", "127.0.0.1:7300", 6),
        ("tests/fixtures/formats.netmon1.cap", "127.0.0.1:7330", 3),
    ] {
        let ev = collect(name, ep, 1000);
        let out = temp_dir("resolution").join(format!("{tsresol}.pcapng"));
        evidence::write_pcapng(&out, &ev, None).expect("write");
        let mut src = FileSource::open(std::slice::from_ref(&out)).expect("open");
        let mut times = Vec::new();
        while let Some(f) = src.next_frame() {
            times.push(f.ts);
        }
        let original: Vec<_> = ev.packets.iter().map(|p| p.ts).collect();
        assert_eq!(times, original, "{name}: the times read back");
        let i = &src.interfaces()[0];
        assert_eq!((i.tsresol, i.time_digits), (tsresol, tsresol), "{name}");
        let again = evidence::collect(std::slice::from_ref(&out), ev.endpoint, None, 1000, None)
            .expect("collect again");
        assert_eq!(lines(&again, 4), lines(&ev, 4), "{name}: the lines");
    }
}

#[test]
fn max_packets_keeps_the_first_and_counts_the_rest() {
    let ev = collect(SAMPLE, "127.0.0.1:7211", 7);
    assert_eq!((ev.packets.len(), ev.more), (7, 33));
    assert_eq!(ev.connections.len(), 20, "connections cover every packet");
}

#[test]
fn time_range_selects_seconds() {
    let all = collect(SAMPLE, "127.0.0.1:7211", 1000);
    let first = all.packets[0].ts.second();
    let ev = evidence::collect(
        &[path(SAMPLE)],
        all.endpoint,
        Some((first, first + 1)),
        1000,
        None,
    )
    .expect("collect");
    // Two attempts a second.
    assert_eq!(ev.packets.len(), 8);
    assert_eq!(ev.connections.len(), 4);
    assert_eq!(ev.offender.as_ref().map(|o| o.rst_packets), Some(4));
}

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("evidence", name)
}

#[test]
fn pcapng_round_trips_through_filesource() {
    let ev = collect(SAMPLE, "127.0.0.1:7211", 1000);
    let out = temp_dir("roundtrip").join("sample-7211-evidence.pcapng");
    evidence::write_pcapng(&out, &ev, None).expect("write");
    let mut src = FileSource::open(std::slice::from_ref(&out)).expect("open");
    let mut n = 0;
    while let Some(f) = src.next_frame() {
        let p = &ev.packets[n];
        assert_eq!(
            (f.data, f.ts, f.link_type, f.orig_len),
            (&p.data[..], p.ts, p.link_type, p.orig_len),
            "frame {}",
            n + 1
        );
        n += 1;
    }
    assert_eq!(n, 40);
    assert!(src.problems().is_empty(), "{:?}", src.problems());
    assert_eq!(src.interfaces()[0].name.as_deref(), Some("lo"));
    let again = evidence::collect(&[out], ev.endpoint, None, 1000, None).expect("collect");
    assert_eq!(lines(&again, 40), lines(&ev, 40));
    assert_eq!(again.connections, ev.connections);
}

/// The connections of one endpoint, as the main analysis finds them, in evidence order.
fn main_analysis_connections(file: &Path) -> Vec<ConnRecord> {
    let mut conns = Vec::new();
    let mut keep = |c: &ConnRecord, _: u8| conns.push(c.clone());
    let options = Options {
        engine: EngineConfig {
            keep_connections: true,
            ..EngineConfig::default()
        },
        on_connection: Some(&mut keep),
        ..Options::default()
    };
    analyze_files(&[file.to_path_buf()], options).expect("analyze");
    conns
}

/// For every offender of `file`: the evidence's connections are exactly the main analysis's
/// connections of that endpoint, with the same states, histories and causes.
fn check_same_connections(file: &Path) -> usize {
    let a = analyze_files(&[file.to_path_buf()], Options::default()).expect("analyze");
    let all = main_analysis_connections(file);
    let mut checked = 0;
    for o in a.snapshot.offenders.iter().take(5) {
        let ep = o.key();
        let ev = evidence::collect(&[file.to_path_buf()], ep, None, 10, None).expect("collect");
        let mut want: Vec<ConnRecord> = all
            .iter()
            .filter(|c| (c.orig == (ep.0, ep.1) || c.resp == (ep.0, ep.1)) && c.overlay == ep.2)
            .cloned()
            .collect();
        want.sort_by_key(|c| (c.start, c.first_frame));
        assert_eq!(ev.connections, want, "{} {ep:?}", file.display());
        let eo = ev.offender.as_ref().expect("offender");
        // With the packets the capturing host dropped (a pktmon trace's drop events): each
        // is an incident of its endpoint, and its earlier record is left out with it.
        assert_eq!(
            (eo.rst_by_cause, eo.failed_attempts, eo.incidents),
            (o.rst_by_cause, o.failed_attempts, o.incidents),
            "{} {ep:?}",
            file.display()
        );
        assert_eq!(eo.dropped, o.dropped, "{} {ep:?}", file.display());
        checked += 1;
    }
    checked
}

/// Every capture file under `dir`, its folders included, in name order.
fn capture_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if FileSource::open(std::slice::from_ref(&p)).is_ok() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn connections_are_the_main_analysis_ones_on_every_fixture() {
    let mut files = vec![path(SAMPLE)];
    files.extend(capture_files_in(&path("tests/fixtures")));
    let checked: usize = files.iter().map(|f| check_same_connections(f)).sum();
    assert!(checked >= 7, "{checked} offenders checked");
}

#[test]
fn connections_are_the_main_analysis_ones_on_the_corpus() {
    let dir = path("../shared/pcaps");
    if !dir.is_dir() {
        common::always_show("evidence corpus test SKIPPED: ../shared/pcaps not found");
        return;
    }
    let checked: usize = capture_files_in(&dir)
        .iter()
        .map(|f| check_same_connections(f))
        .sum();
    eprintln!("evidence corpus: {checked} offenders checked");
    assert!(checked > 0);
}

// ---------------------------------------------------------------------------------------------
// The command

fn rstscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args(args)
        .output()
        .expect("run rstscope")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sample() -> String {
    path(SAMPLE).display().to_string()
}

#[test]
fn cli_endpoint_prints_connections_then_tcpdump_lines() {
    let out = rstscope(&[
        "analyze",
        "--utc",
        "--endpoint",
        "127.0.0.1:7211",
        &sample(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("Endpoint 127.0.0.1:7211\n"), "{text}");
    assert!(
        text.contains("refused all 20 connection attempts"),
        "{text}"
    );
    let conns = text
        .find("\nConnections (20)\n")
        .expect("connections heading");
    let packets = text.find("\nPackets (40)\n").expect("packets heading");
    assert!(conns < packets);
    assert_eq!(text.matches(" REJ Sr ").count(), 20);
    assert!(text.contains(
        "\n13:09:12.250354481 IP 127.0.0.1.7211 > 127.0.0.1.39446: Flags [R.], seq 0, ack 3134553373, win 0, length 0\n"
    ));
    assert_eq!(text.matches(": Flags [").count(), 40);
}

#[test]
fn cli_endpoint_counts_packets_beyond_max_packets() {
    let out = rstscope(&[
        "analyze",
        "--endpoint",
        "127.0.0.1:7211",
        "--max-packets",
        "3",
        &sample(),
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("Packets (40, first 3 shown)"), "{text}");
    assert!(text.contains("... 37 more packets"), "{text}");
}

/// Regression: one packet beyond `--max-packets` was "1 more packets", in the listing and in
/// the warning of `--write` ("1 more packets were not saved").
#[test]
fn cli_endpoint_counts_one_packet_in_the_singular() {
    let dir = temp_dir("cli-one-more");
    let out_arg = dir.join("evidence.pcapng").display().to_string();
    let out = rstscope(&[
        "analyze",
        "--endpoint",
        "127.0.0.1:7211",
        "--max-packets",
        "39",
        "--write",
        &out_arg,
        &sample(),
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("\n... 1 more packet (--max-packets"),
        "{text}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrote 39 packets of 127.0.0.1:7211"), "{err}");
    assert!(
        err.contains("warning: 1 more packet was not saved"),
        "{err}"
    );
}

/// Regression: the packet lines of a Linux `any` capture (LINUX_SLL2) did not say where each
/// packet was seen, as `tcpdump -i any` does (`lo    In  IP ...`). A pcap file does not name
/// the interface index (1 here), so the line gives the index.
#[test]
fn cli_endpoint_lines_of_an_any_capture_say_the_interface_and_direction() {
    let f = path("tests/fixtures/any-sll2.pcap").display().to_string();
    let out = rstscope(&["analyze", "--endpoint", "127.0.0.1:7212", "--utc", &f]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(" > ")).collect();
    assert_eq!(lines.len(), 6, "{text}");
    for l in &lines {
        let (_time, rest) = l.split_once(' ').expect("time");
        assert!(rest.starts_with("if1   In  IP 127.0.0.1."), "{l}");
    }
}

#[test]
fn cli_endpoint_ipv6_in_brackets() {
    let f = path("tests/fixtures/refused-v6.pcap").display().to_string();
    let out = rstscope(&["analyze", "--endpoint", "[::1]:7301", &f]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.starts_with("Endpoint [::1]:7301\n"), "{text}");
    assert!(text.contains(" IP6 ::1.7301 > ::1."), "{text}");
}

#[test]
fn cli_endpoint_json() {
    let out = rstscope(&[
        "analyze",
        "--format",
        "json",
        "--endpoint",
        "127.0.0.1:7211",
        &sample(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["endpoint"], "127.0.0.1:7211");
    assert_eq!(v["port"], 7211);
    assert!(v["service"].is_null(), "7211 has no IANA name");
    assert_eq!(v["diagnosis_kind"], "refused");
    assert_eq!(v["connections"].as_array().map(Vec::len), Some(20));
    assert_eq!(v["connections"][0]["conn_state"], "REJ");
    let packets = v["packets"].as_array().expect("packets");
    assert_eq!(packets.len(), 40);
    assert_eq!(packets[0]["frame"], 1);
    assert!(packets[0]["time"].is_number());
    assert!(
        packets[1]["line"]
            .as_str()
            .is_some_and(|l| l.contains("Flags [R.]"))
    );
    assert_eq!(v["more_packets"], 0);
}

/// Regression: --endpoint's JSON packets did not say which record was the packet's before
/// its drop, which the text and the app mark `before drop`: in tests/fixtures/pktmon-drops.pcapng
/// 127.0.0.1:7401's three RSTs were recorded at TCPIP, then dropped at the filter driver. Each
/// packet line of the JSON says what the text's mark column does.
#[test]
fn cli_endpoint_json_marks_a_packets_record_before_its_drop() {
    let file = path("tests/fixtures/pktmon-drops.pcapng");
    let file = file.to_str().expect("a UTF-8 path");
    let args = ["analyze", "--utc", "--endpoint", "127.0.0.1:7401", file];
    let text = stdout(&rstscope(&args));
    let json = rstscope(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    let packets = v["packets"].as_array().expect("packets");
    assert_eq!(packets.len(), 9);
    let marks: Vec<(bool, bool)> = (packets.iter())
        .map(|p| {
            let flag = |f: &str| p[f].as_bool().unwrap_or_else(|| panic!("{f} in {p}"));
            (flag("before_drop"), flag("dropped"))
        })
        .collect();
    assert_eq!(
        marks,
        [(false, false), (true, false), (false, true)].repeat(3),
        "{text}"
    );
    // As the text marks them, line by line.
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Packets ("))
        .skip(1)
        .take(9)
        .collect();
    for (line, (before, dropped)) in lines.iter().zip(&marks) {
        assert_eq!(line.contains(" before drop IP "), *before, "{line}");
        assert_eq!(line.contains(" drop        IP "), *dropped, "{line}");
    }
}

#[test]
fn cli_write_saves_a_pcapng_that_analyzes_the_same() {
    let dir = temp_dir("cli-write");
    let out_file = dir.join("evidence.pcapng");
    let out_arg = out_file.display().to_string();
    let out = rstscope(&[
        "analyze",
        "--endpoint",
        "127.0.0.1:7211",
        "--write",
        &out_arg,
        &sample(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 40 packets of 127.0.0.1:7211"));
    let again = rstscope(&["analyze", "--format", "json", &out_arg]);
    assert!(again.status.success());
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(v["packets"], 40);
    assert_eq!(v["offenders"][0]["endpoint"], "127.0.0.1:7211");
    assert_eq!(v["offenders"][0]["failed_attempts"], 20);
    assert_eq!(v["conn_states"]["REJ"], 20);
}

#[test]
fn cli_bad_endpoint_is_a_usage_error() {
    for bad in ["127.0.0.1", "::1:7211", "host:80", "1.2.3.4:99999"] {
        let out = rstscope(&["analyze", "--endpoint", bad, &sample()]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("[v6]:PORT"),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn cli_write_needs_endpoint() {
    let out = rstscope(&["analyze", "--write", "x.pcapng", &sample()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_write_to_an_unwritable_place_fails_with_its_path() {
    let out = rstscope(&[
        "analyze",
        "--endpoint",
        "127.0.0.1:7211",
        "--write",
        "/nonexistent-dir/e.pcapng",
        &sample(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-dir/e.pcapng"));
}

#[test]
fn offender_shows_its_iana_service_name_in_text_and_json() {
    let dir = temp_dir("service");
    let f = dir.join("pop3.pcap");
    std::fs::write(&f, common::refused_pcap(110, 1)).expect("write");
    let f = f.display().to_string();
    let text = stdout(&rstscope(&["analyze", &f]));
    assert!(text.contains("  1. 10.0.0.2:110 (pop3)\n"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&rstscope(&["analyze", "--format", "json", &f]).stdout)
            .expect("json");
    assert_eq!(json["offenders"][0]["service"], "pop3");
    // The sample's port has no IANA assignment: no name, null in JSON.
    let text = stdout(&rstscope(&["analyze", &sample()]));
    assert!(text.contains("  1. 127.0.0.1:7211\n"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&rstscope(&["analyze", "--format", "json", &sample()]).stdout)
            .expect("json");
    assert!(json["offenders"][0]["service"].is_null());
}

/// Regression: the agent's `/evidence?endpoint=127.0.0.1:7211&since=30s`, analyzed, said
/// "refused all 9 connection attempts ... Connecting: reporter.py (...), 200 incidents": the
/// file's host block counts the connecting processes over the agent's whole run, the file's
/// packets only the window's, and nothing said so. The app's "Save these packets" of a time
/// range writes the same. Here the story's last three seconds, saved with its host report.
#[test]
fn regression_part_of_a_capture_says_its_process_counts_are_the_whole_captures() {
    let story = path("resources/story-7211.pcapng");
    let a = analyze_files(std::slice::from_ref(&story), Options::default()).expect("story");
    let last = a.snapshot.totals.last_ts.expect("packets").second();
    let ep = ("127.0.0.1".parse().expect("address"), 7211);
    let ev = evidence::collect(&[story], ep, Some((last - 2, last)), 1000, None).expect("collect");
    let out = temp_dir("part-of-a-capture").join("story-last-seconds.pcapng");
    evidence::write_pcapng(&out, &ev, a.host.as_deref()).expect("write");
    let part = analyze_files(&[out], Options::default()).expect("part");
    let o = &part.snapshot.offenders[0];
    assert_eq!(o.incidents, 6, "two refusals a second");
    let why = rstscope::report::full_diagnosis(o, part.host.as_deref(), Clock::Utc);
    assert!(
        why.contains(
            "Connecting, over the whole capture this file was saved from: reporter (pid 3509, \
             /opt/rstscope-sample/bin/reporter), 31 incidents (connect-trace)."
        ),
        "{why}"
    );
    // And its JSON, for a script that reads the counts.
    let over = |a: &rstscope::analysis::Analysis| {
        rstscope::report::json::to_value(a, Clock::Utc)["offenders"][0]
            ["client_processes_counted_over"]
            .clone()
    };
    assert_eq!(over(&part), "whole_saved_capture");
    // The whole capture's own sentence has nothing to add.
    let why =
        rstscope::report::full_diagnosis(&a.snapshot.offenders[0], a.host.as_deref(), Clock::Utc);
    assert!(why.contains("Connecting: reporter (pid 3509"), "{why}");
    assert_eq!(over(&a), "report");
}

/// Regression (README, pktmon drops, "not yet right" until s36): the details of an endpoint
/// whose packets Windows dropped listed the dropped packets' earlier records as packets that
/// went on: 127.0.0.1:7401's three RSTs, dropped at the filter after TCPIP recorded them, made
/// three refused (REJ) connections where its row says the RSTs were dropped and the attempts
/// got no answer; 127.0.0.1:7400's dropped SYNs made connections where the analysis has none.
#[test]
fn regression_the_details_leave_out_a_dropped_packets_earlier_record() {
    let file = "tests/fixtures/pktmon-drops.pcapng";
    let ev = collect(file, "127.0.0.1:7401", 1000);
    assert_eq!(ev.connections.len(), 3);
    assert!(
        ev.connections
            .iter()
            .all(|c| c.state == ConnState::S0 && c.history == "S" && c.rst_cause.is_none()),
        "{:?}",
        ev.connections
    );
    let o = ev.offender.as_ref().expect("offender");
    assert_eq!(
        (o.dropped.packets, o.dropped.rst, o.dropped.clients),
        (3, 3, 1)
    );
    assert_eq!(o.rst_by_cause, [0; 5]);
    // The packets list each RST's record at TCPIP, then its drop, marked.
    assert_eq!(ev.packets.len(), 9);
    assert_eq!(ev.packets.iter().filter(|p| p.dropped).count(), 3);
    let ev = collect(file, "127.0.0.1:7400", 1000);
    assert!(ev.connections.is_empty(), "{:?}", ev.connections);
    assert_eq!(ev.offender.expect("offender").dropped.syn, 8);
}

/// The JSON report's offender of `endpoint` in `file`.
fn json_offender(file: &str, endpoint: &str) -> serde_json::Value {
    let out = rstscope(&["analyze", "--format", "json", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["offenders"]
        .as_array()
        .expect("offenders")
        .iter()
        .find(|o| o["endpoint"] == endpoint)
        .unwrap_or_else(|| panic!("{endpoint} in {file}"))
        .clone()
}

/// Saved packets of a pktmon trace keep what pktmon said of them: the drop (`epb_verdict`)
/// and the packet id that ties a drop to the packet's earlier record. Regression: the saved
/// file lost both, so it reopened with the dropped RSTs as refusals.
#[test]
fn regression_saved_packets_of_a_pktmon_trace_keep_its_drops() {
    let dir = temp_dir("pktmon-save");
    let original = path("tests/fixtures/pktmon-drops.pcapng")
        .display()
        .to_string();
    for endpoint in ["127.0.0.1:7401", "127.0.0.1:7400"] {
        let saved = dir.join(format!("{}.pcapng", endpoint.replace(':', "-")));
        let saved = saved.display().to_string();
        let out = rstscope(&[
            "analyze",
            "--endpoint",
            endpoint,
            "--write",
            &saved,
            &original,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (before, after) = (
            json_offender(&original, endpoint),
            json_offender(&saved, endpoint),
        );
        for field in [
            "dropped",
            "diagnosis",
            "rst_by_cause",
            "failed_attempts",
            "attempts",
            "incidents",
            "clients",
        ] {
            assert_eq!(after[field], before[field], "{endpoint} {field}");
        }
        // The details of the saved file are those of the capture.
        let ep: std::net::SocketAddr = endpoint.parse().expect("endpoint");
        let of = |f: &str| {
            evidence::collect(&[PathBuf::from(f)], (ep.ip(), ep.port()), None, 100, None)
                .expect("collect")
        };
        let (was, is) = (of(&original), of(&saved));
        // (Their frames are numbered in the file they are in.)
        let unnumbered = |ev: &Evidence| -> Vec<ConnRecord> {
            let conns = ev.connections.iter().cloned();
            conns
                .map(|c| ConnRecord {
                    first_frame: 0,
                    ..c
                })
                .collect()
        };
        assert_eq!(unnumbered(&is), unnumbered(&was), "{endpoint}");
        assert_eq!(lines(&is, 100), lines(&was, 100), "{endpoint}");
        assert!(
            is.packets
                .iter()
                .zip(&was.packets)
                .all(|(a, b)| a.dropped == b.dropped)
        );
    }
}

/// Every offender of `file` (the first five), its packets saved as `--endpoint E --write`
/// saves them and the saved file analyzed again: the offender's JSON row is the capture's,
/// field by field, but for what is of the whole capture rather than of the endpoint: the
/// filters (written for every link type and tunnel the capture holds, where the file holds
/// the endpoint's), a port scan's context (the other ports' packets are not saved) and the
/// interfaces it was seen on (the saved file's are the endpoint's, in the order met).
/// Returns the offenders checked, and each difference as "file endpoint field: was -> is".
fn saved_analyzes_the_same(file: &Path, dir: &Path) -> (usize, Vec<String>) {
    // `seen_on` names the interfaces of the file: a saved one holds those of the endpoint's
    // packets only (without the copies, one of a pktmon trace's components), in the order met.
    const OF_THE_CAPTURE: [&str; 5] = [
        "bpf_filter",
        "bpf_filters",
        "wireshark_filter",
        "scan",
        "seen_on",
    ];
    let f = file.display().to_string();
    let whole = rstscope(&["analyze", "--format", "json", &f]);
    // (A file no packet can be read from, which says so, has nothing to save.)
    let Ok(whole) = serde_json::from_slice::<serde_json::Value>(&whole.stdout) else {
        let err = String::from_utf8_lossy(&whole.stderr);
        assert!(err.contains("no packets could be read"), "{f}: {err}");
        return (0, Vec::new());
    };
    let (mut checked, mut differ) = (0, Vec::new());
    for o in whole["offenders"].as_array().into_iter().flatten().take(5) {
        let endpoint = o["endpoint"].as_str().expect("endpoint");
        let addr: std::net::IpAddr = (o["address"].as_str())
            .and_then(|a| a.parse().ok())
            .expect("address");
        let port = o["port"].as_u64().and_then(|p| u16::try_from(p).ok());
        // An endpoint inside an overlay network: its network too (`vxlan:42`).
        let overlay = match o["overlay"].as_str() {
            Some(key) => rstscope::packet::Overlay::parse(key).expect("overlay"),
            None => rstscope::packet::Overlay::NONE,
        };
        let ev = evidence::collect(
            &[file.to_path_buf()],
            (addr, port.expect("port"), overlay),
            None,
            1 << 20,
            None,
        )
        .expect("collect");
        let saved = dir.join("saved.pcapng");
        evidence::write_pcapng(&saved, &ev, ev.recorded.as_ref()).expect("write");
        let again = rstscope(&["analyze", "--format", "json", &saved.display().to_string()]);
        let again: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
        checked += 1;
        let offenders = again["offenders"].as_array().into_iter().flatten();
        let Some(a) = offenders.clone().find(|x| x["endpoint"] == endpoint) else {
            differ.push(format!("{f} {endpoint}: not an offender when saved"));
            continue;
        };
        let scanned = !o["scan"].is_null();
        for (k, v) in o.as_object().expect("object") {
            let capture_wide = OF_THE_CAPTURE.contains(&k.as_str());
            if a[k] != *v && !capture_wide && !(scanned && k == "diagnosis") {
                differ.push(format!("{f} {endpoint} {k}: {v} -> {}", a[k]));
            }
        }
    }
    (checked, differ)
}

/// Regression: packets saved out of a capture (`--endpoint --write`, the app's "Save these
/// packets...") without rstscope's host block ended at the endpoint's last packet: its
/// attempts the capture had given up on unanswered reopened as "too soon to tell"
/// (tests/fixtures/rank-by-incidents.pcap's 10.0.0.3:82: "5 connection attempts got no
/// answer" reopened as "1 ... 4 more got none before the capture ended"; pktmon.pcapng's
/// 127.0.0.1:7300). The file's statistics blocks now say where the capture ended.
#[test]
fn saved_packets_analyze_as_the_capture_did_on_every_fixture() {
    let dir = temp_dir("saved-every-fixture");
    let mut files = vec![path(SAMPLE)];
    files.extend(capture_files_in(&path("tests/fixtures")));
    let (mut checked, mut differ) = (0, Vec::new());
    for f in &files {
        let (n, d) = saved_analyzes_the_same(f, &dir);
        checked += n;
        differ.extend(d);
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(checked >= 50, "{checked} offenders checked");
}

#[test]
fn saved_packets_analyze_as_the_capture_did_on_the_corpus() {
    let dir = path("../shared/pcaps");
    if !dir.is_dir() {
        common::always_show("saved packets corpus test SKIPPED: ../shared/pcaps not found");
        return;
    }
    let out = temp_dir("saved-corpus");
    let (mut checked, mut differ) = (0, Vec::new());
    for f in capture_files_in(&dir) {
        let (n, d) = saved_analyzes_the_same(&f, &out);
        checked += n;
        differ.extend(d);
    }
    eprintln!("saved packets corpus: {checked} offenders checked");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(checked > 0);
}

/// Regression (s45): a firewall's refusals saved apart (`--endpoint --write`, "Save these
/// packets") read "nothing was listening on that port, or a firewall rejected with a reset (a
/// capture shows both alike)" where the capture's analysis told the firewall by the resets'
/// TTL: the file holds 192.0.2.130:7431's four packets, no SYN-ACK of the host's port 7430
/// that the TTL was compared with. The file now carries the figure (a block of rstscope's
/// own and a section comment); a file without it (another tool rewrote it and dropped
/// rstscope's block) says the capture cannot tell, as a third-party capture of the same four
/// packets would.
#[test]
fn regression_saved_refusals_of_a_firewall_are_told_by_ttl_as_in_the_capture() {
    let dir = temp_dir("firewall-saved");
    let out_file = dir.join("firewall.pcapng");
    let out_arg = out_file.display().to_string();
    let capture = path("tests/fixtures/firewall-reject.pcap")
        .display()
        .to_string();
    let out = rstscope(&[
        "analyze",
        "--endpoint",
        "192.0.2.130:7431",
        "--write",
        &out_arg,
        &capture,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let firewall = "a firewall on the way rejected them with a reset (the resets came with TTL \
                    64, where the server host's SYN-ACKs on any port came with 63: made 1 hop \
                    nearer the capture than that host, not by a closed port there).";
    // The listing says what the capture's analysis says.
    assert!(stdout(&out).contains(firewall), "{}", stdout(&out));
    let again = rstscope(&["analyze", "--format", "json", &out_arg]);
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    // No SYN-ACK in the file: the figure is the file's own saying.
    assert_eq!(v["packets"], 4);
    assert_eq!(v["synack_packets"], 0, "{v}");
    let said = v["offenders"][0]["diagnosis"].as_str().unwrap_or_default();
    assert!(said.ends_with(firewall), "{said}");
    assert_eq!(
        v["offenders"][0]["refusal_ttl"],
        serde_json::json!({"resets": [64, 64], "host_synacks": [63, 63], "made": "on-the-way"})
    );
    let bytes = std::fs::read(&out_file).expect("saved file");
    let comment = "rstscope evidence: 192.0.2.130 sent its SYN-ACKs with TTL 63 in the capture";
    assert!(
        bytes
            .windows(comment.len())
            .any(|w| w == comment.as_bytes()),
        "the section comment is missing"
    );

    // The same packets without the figure.
    let mut ev = collect(
        "tests/fixtures/firewall-reject.pcap",
        "192.0.2.130:7431",
        100,
    );
    assert_eq!(ev.host_answers.bounds(), Some((63, 63)));
    ev.host_answers = Default::default();
    let bare = dir.join("bare.pcapng");
    evidence::write_pcapng(&bare, &ev, None).expect("write");
    let again = rstscope(&["analyze", "--format", "json", &bare.display().to_string()]);
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    let said = v["offenders"][0]["diagnosis"].as_str().unwrap_or_default();
    assert!(
        said.ends_with("or a firewall rejected with a reset (a capture shows both alike)."),
        "{said}"
    );
    assert_eq!(
        v["offenders"][0]["refusal_ttl"],
        serde_json::json!({"resets": [64, 64], "host_synacks": null, "made": null})
    );
}

/// The JSON says what the TTLs told of each refusing endpoint (`refusal_ttl`), as the
/// sentence does: firewall-reject.pcap's five, and the sample's loopback endpoint, whose
/// resets are not compared (`made` null).
#[test]
fn json_refusal_ttl_says_what_the_ttls_told() {
    let capture = path("tests/fixtures/firewall-reject.pcap")
        .display()
        .to_string();
    let v: serde_json::Value =
        serde_json::from_slice(&rstscope(&["analyze", "--format", "json", &capture]).stdout)
            .expect("json");
    let made = |endpoint: &str| {
        let o = (v["offenders"].as_array().into_iter().flatten())
            .find(|o| o["endpoint"] == endpoint)
            .unwrap_or_else(|| panic!("no offender {endpoint}"));
        o["refusal_ttl"].clone()
    };
    use serde_json::json;
    let of = |resets: [u8; 2], host: [u8; 2], made: &str| json!({"resets": resets, "host_synacks": host, "made": made});
    assert_eq!(
        made("192.0.2.130:7431"),
        of([64, 64], [63, 63], "on-the-way")
    );
    assert_eq!(made("192.0.2.130:7432"), of([63, 63], [63, 63], "host"));
    assert_eq!(
        made("192.0.2.131:7432"),
        of([63, 63], [59, 63], "cannot-tell")
    );
    assert_eq!(
        made("[2001:db8:1::130]:7431"),
        of([64, 64], [63, 63], "on-the-way")
    );
    assert_eq!(
        made("[2001:db8:1::130]:7432"),
        of([63, 63], [63, 63], "host")
    );
    let sample = rstscope(&[
        "analyze",
        "--format",
        "json",
        &path(SAMPLE).display().to_string(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&sample.stdout).expect("json");
    let o = &v["offenders"][0];
    assert_eq!(o["failed_by"]["refused"], 20);
    // Loopback: the resets' TTL is kept, nothing compared.
    assert_eq!(o["refusal_ttl"]["made"], serde_json::Value::Null, "{o}");
}
