//! Regression tests, each named after the defect it pins: captures that made `rstscope
//! analyze` hang, panic, print a wrong time or exit with a code the README did not give. Each
//! capture is written here byte by byte (tests/common), the smallest that shows the case, and
//! `rstscope analyze` runs on it as a user runs it, with a deadline.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{frame, pcap, temp_dir};

/// `rstscope analyze ARGS`, killed (and the test failed) after 60 s: a hang is a failure, not
/// a stuck CI job.
fn analyze(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rstscope"))
        .arg("analyze")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rstscope runs");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rstscope analyze {args:?} did not finish within 60 s (endless loop?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write capture");
    path.to_string_lossy().into_owned()
}

const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;
const PSH: u8 = 0x08;
const T0: u32 = 1_700_000_000;

/// The engine spun forever once packet time passed 130 s after the SYN of an attempt that had
/// failed while its connection went on: here a SYN-ACK that does not acknowledge the SYN,
/// retransmitted for 200 s.
#[test]
fn wrong_syn_ack_retransmitted_for_200_s_does_not_hang() {
    let dir = temp_dir("regressions", "wrong-syn-ack");
    let mut records = vec![(T0, 0, frame(7211, false, SYN, 100, 0))];
    for i in 0..=20 {
        records.push((T0 + i * 10, 1000, frame(7211, true, SYN | ACK, 900, 555)));
    }
    let file = write(&dir, "wrong-syn-ack.pcap", &pcap(&records));
    let v = json(&analyze(&["--format", "json", &file]));
    assert_eq!(v["failed_attempts"], 1, "{v}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The same hang from a Windows-style retry (same port and ISN) of a refused SYN that is
/// answered at last, the connection then carrying data for 200 s.
#[test]
fn refused_then_answered_retry_with_a_long_connection_does_not_hang() {
    let dir = temp_dir("regressions", "retry-answered");
    let mut records = vec![
        (T0, 0, frame(7211, false, SYN, 100, 0)),
        (T0, 100, frame(7211, true, RST | ACK, 0, 101)),
        (T0 + 3, 0, frame(7211, false, SYN, 100, 0)),
        (T0 + 3, 100, frame(7211, true, SYN | ACK, 900, 101)),
        (T0 + 3, 200, frame(7211, false, ACK, 101, 901)),
    ];
    for i in 1..=20 {
        records.push((T0 + 3 + i * 10, 0, frame(7211, false, PSH | ACK, 101, 901)));
    }
    let file = write(&dir, "retry-answered.pcap", &pcap(&records));
    let v = json(&analyze(&["--format", "json", &file]));
    assert_eq!(v["failed_attempts"], 1, "{v}");
    assert_eq!(v["attempts"], 1, "{v}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The same hang from a capture whose time goes back (two captures merged, a clock stepped):
/// a SYN, then 400 s earlier the server's own SYN with the same ISN, then any packet. The
/// server's SYN is an attempt whose deadlines lay in the past; the connection's idle timeout
/// came due at a time past all of them, failed that attempt and left it to be forgotten at
/// that same time, forever.
#[test]
fn a_syn_400_s_in_the_past_does_not_hang() {
    let dir = temp_dir("regressions", "syn-from-the-past");
    let records = vec![
        (T0 + 400, 0, frame(7211, false, SYN, 100, 0)),
        (T0, 0, frame(7211, true, SYN, 100, 0)),
        (T0, 0, frame(7212, false, SYN, 500, 0)),
    ];
    let file = write(&dir, "syn-from-the-past.pcap", &pcap(&records));
    let v = json(&analyze(&["--format", "json", &file]));
    assert_eq!(v["attempts"], 3, "{v}");
    assert_eq!(v["failed_attempts"], 3, "{v}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A pcap with a valid header and no packet is a capture in which nothing happened (tcpdump
/// and tshark read it without error): exit 0 with a report that says so, as the README states;
/// exit 2 is for input that is not a capture or of which no packet could be read.
#[test]
fn a_pcap_with_a_header_and_no_packets_exits_0_and_says_it_holds_none() {
    let dir = temp_dir("regressions", "empty");
    let file = write(&dir, "empty.pcap", &pcap(&[]));
    let out = analyze(&[&file]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no packets"), "{text}");
    let v = json(&analyze(&["--format", "json", &file]));
    assert_eq!(v["packets"], 0, "{v}");
    // Cut inside the first record: no packet readable, exit 2.
    let mut cut = pcap(&[(T0, 0, frame(7211, false, SYN, 100, 0))]);
    cut.truncate(24 + 10);
    let file = write(&dir, "cut.pcap", &cut);
    assert_eq!(analyze(&[&file]).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

/// A pcapng (one Ethernet interface with `if_tsoffset` = `offset` seconds, microsecond
/// resolution) holding `frames` at the given microseconds.
fn pcapng_with_offset(offset: i64, frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let len = (12 + body.len().next_multiple_of(4)) as u32;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + body.len().next_multiple_of(4) - body.len(), 0);
        out.extend_from_slice(&len.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0A0D_0D0A, &shb);
    let mut idb = vec![1, 0, 0, 0];
    idb.extend_from_slice(&65535u32.to_le_bytes());
    idb.extend_from_slice(&14u16.to_le_bytes());
    idb.extend_from_slice(&8u16.to_le_bytes());
    idb.extend_from_slice(&offset.to_le_bytes());
    idb.extend_from_slice(&[0; 4]);
    block(&mut out, 1, &idb);
    for (micros, f) in frames {
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(*micros as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(f);
        block(&mut out, 6, &epb);
    }
    out
}

/// An `if_tsoffset` beyond what nanoseconds since 1970 can hold saturated every time to
/// `i64::MIN`: the engine subtracted past it (a panic in debug builds) and the report printed
/// `last_packet` as nonsense. Such an offset is now ignored with a warning naming it.
#[test]
fn absurd_if_tsoffset_is_ignored_with_a_warning() {
    let dir = temp_dir("regressions", "tsoffset");
    let frames = [
        (500_000, frame(7211, false, SYN, 100, 0)),
        (600_000, frame(7211, true, RST | ACK, 0, 101)),
    ];
    let file = write(&dir, "min.pcapng", &pcapng_with_offset(i64::MIN, &frames));
    let out = analyze(&["--format", "json", &file]);
    let v = json(&out);
    assert_eq!(v["failed_attempts"], 1, "{v}");
    assert_eq!(v["first_packet"].to_string(), "0.500000", "{v}");
    assert_eq!(v["last_packet"].to_string(), "0.600000", "{v}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("if_tsoffset"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Times before 1970 printed wrongly: -0.5 s as `-1.500000`.
#[test]
fn a_time_half_a_second_before_1970_prints_as_minus_0_5() {
    let dir = temp_dir("regressions", "negative");
    let frames = [
        (500_000, frame(7211, false, SYN, 100, 0)),
        (900_000, frame(7211, true, RST | ACK, 0, 101)),
    ];
    let file = write(&dir, "negative.pcapng", &pcapng_with_offset(-1, &frames));
    let v = json(&analyze(&["--format", "json", &file]));
    assert_eq!(v["first_packet"].to_string(), "-0.500000", "{v}");
    assert_eq!(v["last_packet"].to_string(), "-0.100000", "{v}");
    let csv = analyze(&["--format", "csv", &file]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.contains(",-0.100000,"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Regression (chrissanders-packets/nowebaccess2.pcapng): a Windows client retries a refused
/// connect with the same ISN, 0.5 s and 1 s later. The endpoint's line read "rate avg 1.0/s
/// peak 1/s; first T last T" with T the first refusal, while the retries' refusals went on
/// after it: rates, first and last count incidents (the attempt, once), and now say so.
#[test]
fn an_endpoints_rates_and_times_say_they_count_incidents_not_retried_refusals() {
    let dir = temp_dir("regressions", "retried-refusal");
    let mut records = Vec::new();
    for (secs, micros) in [(T0, 0), (T0, 500_000), (T0 + 1, 500_000)] {
        records.push((secs, micros, frame(80, false, SYN, 100, 0)));
        records.push((secs, micros + 100, frame(80, true, RST | ACK, 0, 101)));
    }
    let file = write(&dir, "retried-refusal.pcap", &pcap(&records));
    let out = analyze(&["--utc", &file]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "     incidents 1 (the refusals of 2 retries not counted: an attempt counts once): at 2023-11-14 22:13:20.000100 +00:00"
        ),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
