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
        part.capture.link_types = vec![(LinkType(1), done * 2)];
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
    assert_eq!(parse_since("1700000000", now), Ok(now), "now itself");
    // Regression: a time in the future gave an empty report with 200, read as a quiet host.
    let later = parse_since("1700000060", now).expect_err("a minute ahead");
    assert!(
        later.contains("after this machine's time (1700000000)"),
        "{later}"
    );
    assert!(parse_since("yesterday", now).is_err());
    assert!(parse_since("5w", now).is_err());
    assert!(parse_since("-5m", now).is_err_and(|e| e.contains("1s or more")));
}

/// Regression (a trial as a Prometheus user): `since=0` gave an empty report (a window of the
/// last 0 seconds), read as a quiet host. It is refused, saying what is taken.
#[test]
fn since_0_is_refused_saying_what_is_taken() {
    let now = 1_700_000_000;
    for zero in ["0", "0s", "0m", "0.0h"] {
        let e = parse_since(zero, now).expect_err(zero);
        assert!(
            e.starts_with(&format!(
                "since={zero:?}: a window of 0 seconds holds nothing"
            )),
            "{e}"
        );
        assert!(e.contains("1s or more"), "{e}");
    }
    assert_eq!(
        parse_since("0.5", now),
        Ok(now - 1),
        "part of a second is one"
    );
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

/// Regression: `/report?since=...` gave `"link_types": []` where the whole `/report` named
/// them: the window's frames are counted by link type as its frames are.
#[test]
fn a_window_names_its_link_types() {
    let mut a = sample();
    let h = history_of(&a);
    let first = a.snapshot.totals.first_ts.expect("packets").second();
    let all = a.capture.frames;
    a.capture.link_types = vec![(LinkType(1), all), (LinkType(276), 0)];
    let w = cut(&a, first + 6, &h);
    assert_eq!(w.capture.link_types, [(LinkType(1), w.capture.frames)]);
    assert!(w.capture.frames > 0 && w.capture.frames < all);
    let whole = cut(&a, first - 100, &h);
    assert_eq!(whole.capture.link_types, [(LinkType(1), all)]);
}

/// Regression: `/report?since=...` gave each interface's frames over the whole run, more than
/// the window's frames: they are the window's, as its frames by link type are. A Linux `any`
/// capture's frames by interface index, not kept per second, are left out of a window.
#[test]
fn a_window_counts_its_interfaces_frames() {
    let mut a = sample();
    let first = a.snapshot.totals.first_ts.expect("packets").second();
    let all = a.capture.frames;
    // One interface: its frames are the window's.
    let h = history_of(&a);
    a.capture.interfaces = vec![("any".into(), all)];
    a.capture.index_frames = vec![((0, 1), all)];
    let w = cut(&a, first + 6, &h);
    assert!(w.capture.frames > 0 && w.capture.frames < all);
    assert_eq!(w.capture.interfaces, [("any".to_owned(), w.capture.frames)]);
    assert!(w.capture.index_frames.is_empty());
    // Two, each half of the frames as the run went.
    let mut h = History::default();
    let (from, last) = (first, a.snapshot.totals.last_ts.expect("packets").second());
    for s in from..=last {
        let done = (s - from + 1) as u64 * 10;
        let mut part = a.clone();
        part.capture.frames = done * 2;
        part.capture.interfaces = vec![("lo".into(), done), ("eth0".into(), done)];
        part.snapshot.totals.last_ts = Some(Timestamp::from_parts(s, 900_000_000));
        h.record(&part);
    }
    let total = (last - from + 1) as u64 * 10;
    a.capture.frames = total * 2;
    a.capture.interfaces = vec![("lo".into(), total), ("eth0".into(), total)];
    let w = cut(&a, first + 6, &h);
    let half = total - 60;
    assert_eq!(w.capture.frames, half * 2);
    assert_eq!(
        w.capture.interfaces,
        [("lo".to_owned(), half), ("eth0".to_owned(), half)]
    );
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
    // Older than the minutes kept: the window starts where the totals begin, and says so.
    let (_, moved) = h.before(1_700_000_000 + 600);
    assert!(moved.is_some());
}

/// Refused attempts to 127.0.0.1, as an engine with the agent's retention counts them.
struct Refusals {
    engine: crate::engine::Engine,
    isn: u32,
    frames: u64,
}

impl Refusals {
    fn new() -> Self {
        Self {
            engine: crate::engine::Engine::new(crate::engine::EngineConfig {
                retention: Retention::AGENT,
                ..Default::default()
            }),
            isn: 1,
            frames: 0,
        }
    }

    /// A SYN to `port` refused at once, at `ms` after 1,700,000,000 s.
    fn refuse(&mut self, ms: i64, cport: u16, port: u16) {
        use crate::packet::{TcpPacket, refusal, syn};
        let lo: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
        self.isn = self.isn.wrapping_add(7_919);
        let ts = Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + ms * 1_000_000);
        let syn = TcpPacket {
            frame: self.frames + 1,
            window: 65535,
            ..syn(ts, (lo, cport), (lo, port), self.isn)
        };
        let rst = TcpPacket {
            frame: self.frames + 2,
            ..refusal(&syn)
        };
        self.engine.packet(&syn);
        self.engine.packet(&rst);
        self.frames += 2;
    }

    fn analysis(&self) -> Analysis {
        let mut a = Analysis {
            snapshot: self.engine.snapshot(),
            ..Analysis::default()
        };
        a.capture.frames = self.frames;
        a.capture.tcp_frames = self.frames;
        a
    }
}

/// Regression: the agent's retained history grew with the run. Twelve simulated hours of two
/// refused connects a second to 50 endpoints, the agent's updates taken every minute (its
/// ranking and its history of running totals): every series and the history stay
/// within their bounds; `since` further back than what is kept starts where the series start
/// (and says so); a window beyond the per-second part starts on a whole minute, where the
/// series and the running totals agree.
#[test]
fn twelve_hours_of_refusals_keep_the_agents_history_bounded_and_windows_consistent() {
    let mut r = Refusals::new();
    let mut h = History::default();
    let mut selection = crate::agent::metrics::Selection::new(10);
    let day = 12 * 3600i64;
    let bound = 2 * (6 * 60 + 1);
    let mut n = 0u32;
    for sec in 0..day {
        for k in 0..2 {
            n += 1;
            r.refuse(
                sec * 1000 + k * 100,
                1024 + (n % 60_000) as u16,
                30_000 + (n % 50) as u16,
            );
        }
        // At the end of each minute (the agent updates five times a second: its history
        // holds each minute's last totals).
        if (1_700_000_000 + sec) % 60 == 59 {
            let a = r.analysis();
            selection.update(&a.snapshot);
            h.record(&a);
            assert!(
                a.snapshot.series.len() <= bound,
                "{}",
                a.snapshot.series.len()
            );
            assert!(a.snapshot.offenders.iter().all(|o| o.series.len() <= bound));
        }
    }
    assert!(h.seconds.len() <= SECONDS_KEPT && h.minutes.len() <= MINUTES_KEPT);
    let a = r.analysis();
    assert_eq!(a.snapshot.totals.failed_attempts, 2 * day as u64);
    let kept = a.snapshot.kept_from.expect("dropped");
    let now = 1_700_000_000 + day;

    // since=2d: from the first second kept, said in the warnings.
    let w = cut(&a, now - 2 * day, &h);
    assert!(
        w.capture
            .warnings
            .iter()
            .any(|x| x.contains("per minute for the last 6 hours"))
    );
    let in_series: u64 = a
        .snapshot
        .series
        .iter()
        .map(|(_, c)| u64::from(c.failed()))
        .sum();
    assert_eq!(w.snapshot.totals.failed_attempts, in_series);
    assert_eq!(w.snapshot.totals.failed_attempts, 2 * (now - kept) as u64);

    // since=2h, off a minute: from the next whole minute; the packets (running totals) and
    // the refusals (series) count the same seconds.
    let from = now - 7_200 + 17;
    let w = cut(&a, from, &h);
    let start = from - from.rem_euclid(60) + 60;
    assert_eq!(w.snapshot.totals.failed_attempts, 2 * (now - start) as u64);
    assert_eq!(
        w.snapshot.totals.tcp_packets,
        2 * w.snapshot.totals.failed_attempts
    );
    let by_offenders: u64 = w.snapshot.offenders.iter().map(|o| o.failed_attempts).sum();
    assert_eq!(by_offenders, w.snapshot.totals.failed_attempts);
}

#[test]
fn a_window_says_which_endpoints_it_counts_only_from_their_series_from() {
    let mut a = sample();
    let h = history_of(&a);
    let first = a.snapshot.totals.first_ts.expect("packets").second();
    let from = first + 2;
    let whole = cut(&a, from, &h);
    assert!(
        !whole
            .capture
            .warnings
            .iter()
            .any(|w| w.contains("series_from"))
    );
    // As if the endpoint had given up its seconds before first + 6 to bound memory.
    let o = &mut a.snapshot.offenders[0];
    let kept = o.series.partition_point(|(s, _)| *s < first + 6);
    o.series = o.series.range(kept..).copied().collect::<Vec<_>>().into();
    o.series_from = Some(first + 6);
    let w = cut(&a, from, &h);
    let note = w
        .capture
        .warnings
        .iter()
        .find(|w| w.contains("series_from"))
        .expect("a warning names the endpoints counted from later");
    assert!(note.contains("counts 1 endpoint(s)"), "{note}");
    assert!(w.snapshot.offenders[0].rst_packets < whole.snapshot.offenders[0].rst_packets);
    // A window that starts after it needs no warning.
    let late = cut(&a, first + 7, &h);
    assert!(
        !late
            .capture
            .warnings
            .iter()
            .any(|w| w.contains("series_from"))
    );
}

/// Regression (s45): `/report?since=` over listen-backlog.pcap's last seconds, where its
/// only incidents are the 2 attempts answered late (a listen queue that overflowed), had no
/// offender and no count of them. The window has the endpoint with its late-answer diagnosis
/// and counts the late answers of its seconds.
#[test]
fn a_window_of_late_answers_alone_has_their_endpoint() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listen-backlog.pcap");
    let a = crate::analysis::analyze_files(&[path], Default::default()).expect("fixture");
    let h = history_of(&a);
    // The late answers came at 00:35:29 and 00:35:30; the attempts given up on before.
    let w = cut(&a, 1_796_603_729, &h);
    assert_eq!(w.snapshot.totals.failed_attempts, 0);
    assert_eq!(w.snapshot.totals.late_answers, 2);
    let keys: Vec<u16> = w.snapshot.offenders.iter().map(|o| o.port).collect();
    assert_eq!(keys, [7420]);
    let o = &w.snapshot.offenders[0];
    assert_eq!(
        o.diagnosis().kind,
        crate::engine::offenders::DiagnosisKind::LateAnswer
    );
    assert_eq!((o.incidents, o.answered_late()), (2, 2));
    let late = cut(&a, 1_796_603_730, &h);
    assert_eq!(late.snapshot.totals.late_answers, 1);
}
