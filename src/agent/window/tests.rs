use std::path::PathBuf;

use super::*;

fn sample() -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
    crate::analysis::analyze_files(&[path], Default::default()).expect("sample")
}

/// The sample as the agent's updates would have seen it: an analysis per second so far.
fn history_of(a: &Analysis) -> History {
    let mut h = History::default();
    let first = a.snapshot.totals.first_ts.expect("packets").second();
    let last = a.snapshot.totals.last_ts.expect("packets").second();
    for s in first..=last {
        // Running totals up to second s: the series gives the resets; packets scale alike
        // (the sample is two packets per refusal).
        let mut part = a.clone();
        let done: u64 = a
            .snapshot
            .series
            .iter()
            .filter(|(sec, _)| *sec <= s)
            .map(|(_, c)| u64::from(c.rst_total()))
            .sum();
        part.snapshot.totals.tcp_packets = done * 2;
        part.snapshot.totals.attempts = done;
        part.capture.frames = done * 2;
        part.snapshot.totals.last_ts = Some(Timestamp::from_parts(s, 900_000_000));
        h.record(&part);
    }
    h
}

#[test]
fn since_reads_durations_and_unix_times() {
    let now = 1_700_000_000;
    assert_eq!(parse_since("10m", now), Ok(now - 600));
    assert_eq!(parse_since("1h", now), Ok(now - 3600));
    assert_eq!(parse_since("2d", now), Ok(now - 172_800));
    assert_eq!(parse_since("30", now), Ok(now - 30));
    assert_eq!(parse_since("1699999000", now), Ok(1_699_999_000));
    assert!(parse_since("yesterday", now).is_err());
    assert!(parse_since("5w", now).is_err());
}

#[test]
fn a_window_counts_only_its_seconds() {
    let a = sample();
    let h = history_of(&a);
    let first = a.snapshot.totals.first_ts.expect("packets").second();
    // The sample refuses twice a second for 10 s: a window of its last 4 seconds.
    let from = first + 6;
    let w = cut(&a, from, &h);
    let expected: u64 = a
        .snapshot
        .series
        .iter()
        .filter(|(s, _)| *s >= from)
        .map(|(_, c)| u64::from(c.rst_total()))
        .sum();
    assert!(expected > 0 && expected < 20);
    assert_eq!(w.snapshot.totals.rst_packets, expected);
    assert_eq!(w.snapshot.totals.failed_attempts, expected);
    assert_eq!(w.snapshot.offenders.len(), 1);
    assert_eq!(w.snapshot.offenders[0].rst_packets, expected);
    assert_eq!(w.snapshot.totals.tcp_packets, expected * 2);
    assert_eq!(w.snapshot.totals.attempts, expected);
    assert_eq!(w.capture.frames, expected * 2);
    assert!(w.snapshot.series.iter().all(|(s, _)| *s >= from));
    assert!(w.capture.warnings.iter().any(|x| x.contains("window")));
    // Before the agent started: everything.
    let all = cut(&a, first - 100, &h);
    assert_eq!(all.snapshot.totals.rst_packets, 20);
    assert_eq!(all.capture.frames, a.capture.frames);
}

#[test]
fn history_stays_bounded() {
    let mut h = History::default();
    let mut a = Analysis::default();
    for s in 0..(SECONDS_KEPT as i64 * 3) {
        a.snapshot.totals.last_ts = Some(Timestamp::from_parts(1_700_000_000 + s * 60, 0));
        h.record(&a);
    }
    assert!(h.seconds.len() <= SECONDS_KEPT);
    assert!(h.minutes.len() <= MINUTES_KEPT);
    // Older than a week of minutes: the window starts where the totals begin, and says so.
    let (_, moved) = h.before(1_700_000_000 + 600);
    assert!(moved.is_some());
}
