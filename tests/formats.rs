//! Captures of other tools than libpcap's, read natively: Microsoft Network Monitor `.cap`
//! (2.x and 1.x) and Sun/illumos snoop, as `rstscope analyze` reads them. The fixtures are one
//! loopback capture of refused connects (IPv4 and IPv6) and the same packets written by
//! Wireshark's editcap in each format (tests/fixtures/make-formats.sh): each must give the
//! report of the pcap it came from.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

/// editcap wrote the Network Monitor files' start time in UTC (TZ=UTC), which rstscope reads
/// as local time, as the format has it: the runs here are in UTC too.
fn rstscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args(args)
        .env("TZ", "UTC")
        .env_remove("COLUMNS")
        .output()
        .expect("run rstscope")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("formats", name)
}

/// The JSON report of `files`, which must succeed.
fn report(files: &[&str]) -> Value {
    let mut args = vec!["analyze", "--format", "json"];
    args.extend_from_slice(files);
    let out = rstscope(&args);
    assert!(
        out.status.success(),
        "{files:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// The report without what differs by container: the files' own entry (path, format, size,
/// compression).
fn analysis(mut v: Value) -> Value {
    let files = v["files"].as_array_mut().expect("files");
    for f in files {
        for key in ["path", "format", "size", "gzip", "compression"] {
            f.as_object_mut().expect("file").remove(key);
        }
    }
    v
}

#[test]
fn netmon2_and_snoop_give_the_report_of_the_pcap_they_were_written_from() {
    let pcap = analysis(report(&[&fixture("formats.pcap")]));
    assert_eq!(pcap["rst_packets"], 8);
    assert_eq!(pcap["failed_attempts"], 8);
    assert_eq!(pcap["offenders"].as_array().map(Vec::len), Some(2));
    for (name, format) in [
        ("formats.netmon2.cap", "netmon2"),
        ("formats.snoop", "snoop"),
    ] {
        let v = report(&[&fixture(name)]);
        assert_eq!(v["files"][0]["format"], format, "{name}");
        assert_eq!(analysis(v), pcap, "{name}");
    }
}

/// Network Monitor 1.x keeps milliseconds: the same offenders and counts, times to the
/// millisecond.
#[test]
fn netmon1_gives_the_offenders_and_counts_of_the_pcap() {
    let pcap = report(&[&fixture("formats.pcap")]);
    let v = report(&[&fixture("formats.netmon1.cap")]);
    assert_eq!(v["files"][0]["format"], "netmon1");
    for key in [
        "packets",
        "tcp_packets",
        "rst_packets",
        "syn_packets",
        "attempts",
        "failed_attempts",
        "rst_by_cause",
        "conn_states",
        "not_decoded",
        "link_types",
        "warnings",
    ] {
        assert_eq!(v[key], pcap[key], "{key}");
    }
    let offenders = |v: &Value| -> Vec<Value> {
        (v["offenders"].as_array().expect("offenders").iter())
            .map(|o| {
                let mut o = o.clone();
                let first = o["first_seen"].as_f64().expect("first_seen");
                o["first_seen"] = serde_json::json!((first * 1000.0).round() as i64);
                let last = o["last_seen"].as_f64().expect("last_seen");
                o["last_seen"] = serde_json::json!((last * 1000.0).round() as i64);
                o
            })
            .collect()
    };
    let (theirs, ours) = (offenders(&pcap), offenders(&v));
    assert_eq!(theirs.len(), ours.len());
    for (a, b) in theirs.iter().zip(&ours) {
        for key in [
            "endpoint",
            "rst_packets",
            "rst_by_cause",
            "failed_attempts",
            "clients",
            "diagnosis_kind",
            "wireshark_filter",
            "bpf_filter",
            "first_seen",
            "last_seen",
        ] {
            assert_eq!(a[key], b[key], "{key}");
        }
    }
}

/// Regression (s39's note): a Network Monitor 1.x file records each frame's time in
/// milliseconds, and the text report, `--endpoint`'s connections and packet lines wrote them
/// to the microsecond ("06:22:10.100000"), digits the file does not have. They are written to
/// the millisecond, as the file records them; the pcap they were made from keeps its
/// microseconds, and the JSON its six decimals (docs/json.md).
#[test]
fn netmon1_times_are_written_to_the_millisecond_the_file_records() {
    let text = |args: &[&str]| {
        let out = rstscope(args);
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let ms = fractions_of_dated_times(&text(&[
        "analyze",
        "--utc",
        &fixture("formats.netmon1.cap"),
    ]));
    let us = fractions_of_dated_times(&text(&["analyze", "--utc", &fixture("formats.pcap")]));
    assert!(!ms.is_empty() && ms.iter().all(|d| *d == 3), "{ms:?}");
    assert!(!us.is_empty() && us.iter().all(|d| *d == 6), "{us:?}");
    let endpoint = "127.0.0.1:7330";
    let netmon = text(&[
        "analyze",
        "--utc",
        &fixture("formats.netmon1.cap"),
        "--endpoint",
        endpoint,
    ]);
    let pcap = text(&[
        "analyze",
        "--utc",
        &fixture("formats.pcap"),
        "--endpoint",
        endpoint,
    ]);
    let (ours, theirs) = (packet_lines(&netmon), packet_lines(&pcap));
    assert_eq!(ours.len(), 10, "{netmon}");
    assert_eq!(ours.len(), theirs.len());
    for (ms, us) in ours.iter().zip(&theirs) {
        // "06:22:10.100 IP ..." where the pcap says "06:22:10.100487 IP ...".
        let (time, rest) = ms.split_once(' ').expect("a time");
        assert!(
            time.len() == "06:22:10.100".len() && us.ends_with(rest),
            "{ms:?} beside {us:?}"
        );
    }
    let digits =
        |t: &str| -> Vec<usize> { connection_times(t).iter().map(|t| digits_of(t)).collect() };
    assert_eq!(digits(&netmon), [3; 5], "{netmon}");
    assert_eq!(digits(&pcap), [6; 5], "{pcap}");
    // The JSON keeps its six decimals (the milliseconds, zeros after them).
    let v = report(&[&fixture("formats.netmon1.cap")]);
    let first = v["offenders"][0]["first_seen"].to_string();
    assert!(first.ends_with("100000"), "{first}");
}

/// formats.pcap made a nanosecond pcap as `editcap -F nsecpcap` makes one (magic
/// `a1b23c4d`, each record's microseconds as nanoseconds), with `extra` nanoseconds added to
/// every time: to see the last three digits said.
fn as_nanosecond_pcap(extra: u32) -> PathBuf {
    let mut bytes = std::fs::read(fixture("formats.pcap")).expect("read");
    assert_eq!(bytes[..4], [0xd4, 0xc3, 0xb2, 0xa1], "a little-endian pcap");
    bytes[..4].copy_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let word = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        let nanos = word(at + 4) * 1000 + extra;
        let caplen = word(at + 8) as usize;
        bytes[at + 4..at + 8].copy_from_slice(&nanos.to_le_bytes());
        at += 16 + caplen;
    }
    let path = temp_dir("nanoseconds").join(format!("formats-ns-{extra}.pcap"));
    std::fs::write(&path, bytes).expect("write");
    path
}

/// A nanosecond pcap's times are written to the nanosecond (they were cut to the
/// microsecond, as tcpdump without `--nano` cuts them): the text report's, `--endpoint`'s
/// connections and packet lines (as `tcpdump --nano`), and the JSON packets' `line`; the
/// JSON `time` keeps its six decimals (docs/json.md). The microsecond pcap they were made of
/// keeps its six digits.
#[test]
fn nanosecond_times_are_written_to_the_nanosecond_the_file_records() {
    let text = |args: &[&str]| {
        let out = rstscope(args);
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let ns_file = as_nanosecond_pcap(7);
    let ns_path = ns_file.display().to_string();
    let ns = fractions_of_dated_times(&text(&["analyze", "--utc", &ns_path]));
    assert!(!ns.is_empty() && ns.iter().all(|d| *d == 9), "{ns:?}");
    let endpoint = "127.0.0.1:7330";
    let of = |file: &str| text(&["analyze", "--utc", file, "--endpoint", endpoint]);
    let (nano, micro) = (of(&ns_path), of(&fixture("formats.pcap")));
    let (ours, theirs) = (packet_lines(&nano), packet_lines(&micro));
    assert_eq!(ours.len(), 10, "{nano}");
    assert_eq!(ours.len(), theirs.len());
    for (ns, us) in ours.iter().zip(&theirs) {
        // "06:22:10.100487007 IP ..." where the microsecond pcap says "06:22:10.100487 IP ...".
        let (time, rest) = us.split_once(' ').expect("a time");
        assert_eq!(*ns, format!("{time}007 {rest}"));
    }
    let (ours, theirs) = (connection_times(&nano), connection_times(&micro));
    assert_eq!(ours.len(), 5, "{nano}");
    for (ns, us) in ours.iter().zip(&theirs) {
        assert_eq!(*ns, format!("{us}007"));
    }
    // JSON: the line to the nanosecond, the time to the microsecond.
    let out = rstscope(&[
        "analyze",
        "--utc",
        &ns_path,
        "--endpoint",
        endpoint,
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let first = &v["packets"][0];
    // The text's first packet line, whose time has nine digits.
    let line = first["line"].as_str().expect("line");
    assert_eq!(Some(line), packet_lines(&nano).first().map(String::as_str));
    let time = first["time"].to_string();
    assert_eq!(digits_of(&time), 6, "{time}");
}

/// Regression: `analyze --connections` wrote its connections' lines, streamed as they
/// end, to the microsecond whatever the file records, where the rest of the report writes the
/// file's digits. Each file's resolution is known from its header (pcap's magic, Network
/// Monitor's version, a pcapng interface's `if_tsresol` in the block before its packets)
/// before its first connection is written: the lines have the file's digits.
#[test]
fn streamed_connections_have_the_digits_their_file_records() {
    let dir = temp_dir("streamed");
    // A pcapng of millisecond `if_tsresol`: the Network Monitor 1.x file's packets saved.
    let ms_pcapng = dir.join("netmon1.pcapng");
    let _ = std::fs::remove_file(&ms_pcapng);
    let out = rstscope(&[
        "analyze",
        &fixture("formats.netmon1.cap"),
        "--endpoint",
        "127.0.0.1:7330",
        "--write",
        &ms_pcapng.display().to_string(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let ns_pcap = as_nanosecond_pcap(7);
    for (file, digits) in [
        (fixture("formats.netmon1.cap"), 3),
        (ms_pcapng.display().to_string(), 3),
        (fixture("formats.pcap"), 6),
        (ns_pcap.display().to_string(), 9),
        (
            format!(
                "{}/resources/sample-7211.pcapng",
                env!("CARGO_MANIFEST_DIR")
            ),
            9,
        ),
    ] {
        let out = rstscope(&["analyze", "--utc", "--connections", &file]);
        assert!(out.status.success(), "{file}");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let fractions: Vec<usize> = connection_times(&text)
            .iter()
            .map(|t| digits_of(t))
            .collect();
        assert!(
            !fractions.is_empty() && fractions.iter().all(|&d| d == digits),
            "{file}: {fractions:?}\n{text}"
        );
    }
}

/// The packet lines of `--endpoint`'s text (`06:22:10.100 IP ...`).
fn packet_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(" IP ") || l.contains(" IP6 "))
        .map(str::to_owned)
        .collect()
}

/// The times of day of the connection lines of `--endpoint`'s or `--connections`' text
/// (`2026-12-06 06:22:10.100 +00:00 127.0.0.1:45832 -> ...`).
fn connection_times(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(" -> "))
        .filter_map(|l| l.split(' ').nth(1).map(str::to_owned))
        .collect()
}

/// The digits after the second of a time of day (`06:22:10.100`: 3).
fn digits_of(time: &str) -> usize {
    time.split_once('.').map_or(0, |(_, f)| f.len())
}

/// The digits after the second of each time of day with its date (`2026-12-06 06:22:10.100`)
/// in a report.
fn fractions_of_dated_times(text: &str) -> Vec<usize> {
    text.split(' ')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0].len() == 10 && w[0].as_bytes()[4] == b'-' && w[0].as_bytes()[7] == b'-')
        .filter_map(|w| w[1].split_once('.'))
        .filter(|(hms, _)| hms.len() == 8 && hms.as_bytes()[2] == b':')
        .map(|(_, f)| f.chars().take_while(char::is_ascii_digit).count())
        .collect()
}

/// Read as a stream: gzipped, and from standard input (`rstscope analyze -`).
#[test]
fn a_gzipped_netmon_capture_and_a_snoop_from_a_pipe_read_in_full() {
    let pcap = analysis(report(&[&fixture("formats.pcap")]));
    let dir = temp_dir("stream");
    let gz = dir.join("formats.cap.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(fixture("formats.netmon2.cap")).expect("read"))
        .expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let v = report(&[&gz.display().to_string()]);
    assert_eq!(v["files"][0]["compression"], "gzip");
    assert_eq!(analysis(v), pcap);

    let mut child = Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .args(["analyze", "--format", "json", "-"])
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run rstscope");
    let snoop = std::fs::read(fixture("formats.snoop")).expect("read");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&snoop)
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["files"][0]["format"], "snoop");
    assert_eq!(analysis(v), pcap);
}

/// A file cut short says so, naming the file, the byte and the frames read before, and its
/// frames up to there are analysed.
#[test]
fn a_cut_netmon_or_snoop_file_keeps_its_frames_and_says_where_it_ends() {
    let dir = temp_dir("cut");
    for (name, at, frames, offset) in [
        ("formats.netmon2.cap", 700, 7, 698),
        ("formats.netmon1.cap", 700, 7, 642),
        ("formats.snoop", 700, 7, 656),
    ] {
        let bytes = std::fs::read(fixture(name)).expect("read");
        let cut = dir.join(name);
        std::fs::write(&cut, &bytes[..at]).expect("write");
        let path = cut.display().to_string();
        let out = rstscope(&["analyze", "--format", "json", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = format!(
            "{path}: file ends inside a record at byte {offset} (after {frames} frames): the \
             capture was cut short; results up to that point are kept"
        );
        assert!(stderr.contains(&said), "{name}: {stderr}");
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["packets"], frames, "{name}");
    }
}
