use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::engine::SecondCounts;
use crate::packet::Timestamp;

/// The engine's view of endpoints: per endpoint, refused attempts by second.
#[derive(Default, Clone)]
struct World {
    refused: BTreeMap<u16, BTreeMap<i64, u32>>,
    now: i64,
    /// Refusals of endpoints the engine dropped (in the totals, at no offender).
    dropped: u64,
    /// Endpoints that are targets of a port scan.
    scanned: std::collections::BTreeSet<u16>,
    /// Attempts each endpoint completed (before any refusal): in the totals, and in its
    /// offender's attempts once it has one.
    served: BTreeMap<u16, u64>,
}

impl World {
    fn refuse(&mut self, port: u16, second: i64, n: u32) {
        *self
            .refused
            .entry(port)
            .or_default()
            .entry(second)
            .or_default() += n;
        self.now = self.now.max(second);
    }

    /// The engine drops the endpoint past its bound: its counts stay in the totals only.
    fn drop_endpoint(&mut self, port: u16) {
        let secs = self.refused.remove(&port).expect("an endpoint");
        self.dropped += secs.values().map(|&n| u64::from(n)).sum::<u64>();
    }

    fn snapshot(&self) -> Snapshot {
        let mut totals = Totals::default();
        let mut offenders = Vec::new();
        totals.attempts += self.served.values().sum::<u64>();
        for (&port, secs) in &self.refused {
            let n: u64 = secs.values().map(|&n| u64::from(n)).sum();
            let served = self.served.get(&port).copied().unwrap_or(0);
            totals.rst_by_cause[0] += n;
            totals.failed_attempts += n;
            totals.attempts += n + 1;
            let series: Vec<(i64, SecondCounts)> = secs
                .iter()
                .map(|(&s, &n)| {
                    (
                        s,
                        SecondCounts {
                            rst: [n, 0, 0, 0, 0],
                            failed_by: [n, 0, 0],
                            incidents: n,
                            ..SecondCounts::default()
                        },
                    )
                })
                .collect();
            let first = *secs.keys().next().expect("a second");
            let last = *secs.keys().last().expect("a second");
            offenders.push(Offender {
                rst_packets: n,
                rst_by_cause: [n, 0, 0, 0, 0],
                rst_from_server: n,
                attempts: n + 1 + served,
                completed: 1 + served,
                failed_attempts: n,
                failed_refused: n,
                incidents: n,
                first_seen: Timestamp::from_parts(first, 0),
                last_seen: Timestamp::from_parts(last, 0),
                avg_rate: 0.0,
                avg_over: None,
                peak_rate: 0,
                peak_second: first,
                series: series.into(),
                scan: self
                    .scanned
                    .contains(&port)
                    .then(|| scan("127.0.0.1", self.scanned.len() as u64, false)),
                ..Offender::blank("127.0.0.1", port)
            });
        }
        totals.rst_by_cause[0] += self.dropped;
        totals.failed_attempts += self.dropped;
        totals.attempts += self.dropped;
        totals.rst_packets = totals.rst_by_cause[0];
        totals.last_ts = Some(Timestamp::from_parts(self.now, 500_000_000));
        totals.first_ts = Some(Timestamp::from_parts(0, 0));
        Snapshot {
            totals,
            offenders,
            ..Snapshot::default()
        }
    }
}

fn rows_key(port: u16) -> Key {
    (
        "127.0.0.1".parse().expect("ip"),
        port,
        crate::packet::Overlay::NONE,
    )
}

fn port_of(rows: &[Row]) -> Vec<u16> {
    rows.iter().map(|r| r.key.1).collect()
}

/// Exposed values must never go down for a series that stays, nor for `other`; checks it
/// and keeps the last values.
#[derive(Default)]
struct Monotone {
    last: HashMap<Key, Counts>,
    other: Counts,
}

impl Monotone {
    fn check(&mut self, rows: &[Row], other: Counts) {
        for r in rows {
            if let Some(prev) = self.last.get(&r.key) {
                assert_eq!(prev.max(r.counts), r.counts, "{:?} went backwards", r.key);
            }
            self.last.insert(r.key, r.counts);
        }
        assert_eq!(self.other.max(other), other, "other went backwards");
        self.other = other;
    }
}

#[test]
fn a_new_refusing_endpoint_gets_its_own_series_with_every_refusal() {
    let mut w = World::default();
    let mut sel = Selection::new(50);
    w.refuse(7211, 100, 2);
    let (rows, other) = sel.update(&w.snapshot());
    assert_eq!(port_of(&rows), [7211]);
    assert_eq!(rows[0].counts.rst[0], 2);
    assert_eq!(rows[0].counts.failed, 2);
    assert_eq!(other.rst[0], 0);
    for s in 101..110 {
        w.refuse(7211, s, 2);
        sel.update(&w.snapshot());
    }
    let (rows, other) = sel.update(&w.snapshot());
    assert_eq!(rows[0].counts.rst[0], 20);
    assert_eq!(other, Counts::default());
}

#[test]
fn an_endpoint_that_appears_while_others_are_tracked_keeps_all_its_counts() {
    let mut w = World::default();
    let mut sel = Selection::new(50);
    w.refuse(1000, 100, 1);
    sel.update(&w.snapshot());
    w.refuse(7211, 101, 3);
    let (rows, _) = sel.update(&w.snapshot());
    assert_eq!(
        rows.iter()
            .find(|r| r.key.1 == 7211)
            .expect("row")
            .counts
            .rst[0],
        3
    );
}

/// Regression (a trial as a team's admin, under a real Prometheus): the attempts a service
/// completed before its listener went were in `other` already when its first refusal gave it
/// a series of its own, and the new series took them too: the sum of
/// `rstscope_connection_attempts_total` counted 60 working connects twice (136 where the
/// kernel counted 77), and `other` stood still until the host's other attempts made up for
/// them. They stay in `other`; the series counts its attempts from its first incident on.
#[test]
fn attempts_a_service_completed_before_its_first_refusal_stay_in_other() {
    let mut w = World::default();
    let mut sel = Selection::new(50);
    *w.served.entry(7211).or_default() += 60;
    w.now = 100;
    let (rows, other) = sel.update(&w.snapshot());
    assert!(rows.is_empty());
    assert_eq!(other.attempts, 60);
    let mut mono = Monotone::default();
    mono.check(&rows, other);
    for s in 101..104 {
        w.refuse(7211, s, 2);
        let snapshot = w.snapshot();
        let (rows, other) = sel.update(&snapshot);
        mono.check(&rows, other);
        assert_eq!(port_of(&rows), [7211]);
        let exposed: u64 = rows.iter().map(|r| r.counts.attempts).sum::<u64>() + other.attempts;
        assert_eq!(exposed, snapshot.totals.attempts, "{rows:?} {other:?}");
        assert_eq!(rows[0].counts.failed, u64::from(s as u32 - 100) * 2);
        assert!(other.attempts >= 60, "{other:?}");
    }
}

/// The engine drops endpoints past its bound and counts a dropped one seen again from zero: its
/// series stays, never goes backwards, and counts what came after.
#[test]
fn an_endpoint_the_engine_drops_and_sees_again_keeps_its_series_going_up() {
    let mut w = World::default();
    let mut sel = Selection::new(50);
    let mut mono = Monotone::default();
    w.refuse(7211, 100, 5);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(rows[0].counts.rst[0], 5);
    w.drop_endpoint(7211);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(
        rows[0].counts.rst[0], 5,
        "kept while the engine has no entry"
    );
    w.refuse(7211, 120, 2);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(rows[0].counts.rst[0], 7, "the new entry's counts added on");
    assert_eq!(other.rst[0], 0, "none of it went to other");
    w.refuse(7211, 121, 1);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!((rows[0].counts.rst[0], other.rst[0]), (8, 0));
}

#[test]
fn beyond_top_the_rest_is_other_and_the_sums_stay_exact() {
    let mut w = World::default();
    let mut sel = Selection::new(2);
    let mut mono = Monotone::default();
    w.refuse(1, 100, 5);
    w.refuse(2, 100, 4);
    w.refuse(3, 100, 1);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [1, 2]);
    assert_eq!(other.rst[0], 1);
    let total: u64 = rows.iter().map(|r| r.counts.rst[0]).sum::<u64>() + other.rst[0];
    assert_eq!(total, 10);
}

#[test]
fn hysteresis_a_place_changes_hands_only_for_twice_the_incidents_after_the_hold() {
    let mut w = World::default();
    let mut sel = Selection::new(1);
    let mut mono = Monotone::default();
    w.refuse(1, 100, 10);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    // A bigger candidate, but within the hold time: no change.
    w.refuse(2, 101, 50);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [1]);
    assert_eq!(other.rst[0], 50);
    // After the hold, 50 recent incidents against 10: it takes the place.
    w.refuse(2, 100 + MIN_HOLD_SECS, 1);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [2]);
    assert_eq!(sel.demotions, 1);
    // Its series counts from its selection on; what it did before stays in other, and what
    // endpoint 1 counted stays in endpoint 1's series (remembered for its return).
    assert_eq!(rows[0].counts.rst[0], 0);
    assert_eq!(other.rst[0], 51);
    assert_eq!(
        sel.remembered.get(&rows_key(1)).map(|(c, _)| c.rst[0]),
        Some(10)
    );
    // Not twice plus one: endpoint 1 does not come back.
    w.refuse(1, 100 + 2 * MIN_HOLD_SECS, 40);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [2]);
    // Long after, endpoint 2 quiet and 1 busy: 1 returns and continues from where it stood.
    w.refuse(1, 100 + 3 * MIN_HOLD_SECS + RECENT_SECS, 9);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [1]);
    assert_eq!(
        rows[0].counts.rst[0], 10,
        "its earlier value, then counting on"
    );
    w.refuse(1, 101 + 3 * MIN_HOLD_SECS + RECENT_SECS, 2);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(rows[0].counts.rst[0], 12);
    let total: u64 = rows[0].counts.rst[0] + other.rst[0];
    assert_eq!(total, 112, "no refusal counted twice or lost");
}

/// Regression: a scan's ports, one refusal each, held every place when a program began to be
/// refused on 7211, twice a second: 7211 stayed under `other` until the hold time was over.
/// An endpoint that is no scan's target takes a target's place at once; a target never takes
/// its place; the counts stay exact and never go backwards.
#[test]
fn a_scans_targets_give_their_places_to_an_offender_of_its_own_at_once() {
    let mut w = World::default();
    let mut sel = Selection::new(3);
    let mut mono = Monotone::default();
    for port in 20_000..20_100 {
        w.refuse(port, 100, 1);
        w.scanned.insert(port);
    }
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [20_000, 20_001, 20_002]);
    w.refuse(7211, 101, 2);
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert!(port_of(&rows).contains(&7211), "{:?}", port_of(&rows));
    assert_eq!(
        rows.iter()
            .find(|r| r.key.1 == 7211)
            .map(|r| r.counts.rst[0]),
        Some(2)
    );
    // Scan targets busier than 7211 later on do not take its place, hold time over or not.
    for port in 20_000..20_003 {
        w.refuse(port, 100 + 2 * MIN_HOLD_SECS, 50);
    }
    let (rows, other) = sel.update(&w.snapshot());
    mono.check(&rows, other);
    assert!(port_of(&rows).contains(&7211), "{:?}", port_of(&rows));
    // The target that gave its place up keeps its one refusal in its remembered series.
    let remembered: u64 = sel.remembered.values().map(|(c, _)| c.rst[0]).sum();
    assert_eq!(remembered, 1);
    let total: u64 = rows.iter().map(|r| r.counts.rst[0]).sum::<u64>() + other.rst[0];
    assert_eq!(
        total + remembered,
        100 + 2 + 150,
        "no refusal counted twice or lost"
    );
}

#[test]
fn many_endpoints_never_make_more_than_top_series_and_nothing_goes_backwards() {
    let mut w = World::default();
    let top = 5;
    let mut sel = Selection::new(top);
    let mut mono = Monotone::default();
    // A deterministic churn: 400 endpoints, bursts moving between them.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for second in 0..2000i64 {
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = 1 + (x % 400) as u16;
            let n = 1 + (x >> 32) as u32 % 5;
            // Bursty: some endpoints much busier for a while.
            let n = if (second / 300) as u16 % 7 == port % 7 {
                n * 10
            } else {
                n
            };
            w.refuse(port, second, n);
        }
        let (rows, other) = sel.update(&w.snapshot());
        assert!(rows.len() <= top);
        mono.check(&rows, other);
        // Nothing is counted twice: the series now and `other` never sum past the total (what
        // a demoted series counted is in its last value, not in `other`).
        let exposed: u64 = rows.iter().map(|r| r.counts.rst[0]).sum::<u64>() + other.rst[0];
        let total: u64 = w.snapshot().totals.rst_by_cause[0];
        assert!(exposed <= total, "second {second}");
        assert_eq!(
            other.rst[0] + rows.iter().map(|r| r.counts.rst[0]).sum::<u64>()
                - rows
                    .iter()
                    .map(|r| sel.slots[&r.key].base.rst[0])
                    .sum::<u64>()
                + sel.counted_before.rst[0],
            total,
            "second {second}"
        );
    }
    assert!(sel.demotions > 0, "the churn moved places");
    assert!(sel.remembered.len() <= top * REMEMBERED_PER_SLOT);
}

#[test]
fn accept_headers_choose_the_format() {
    assert_eq!(Format::negotiate(None), Format::Text);
    assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
    assert_eq!(
        Format::negotiate(Some(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )),
        Format::OpenMetrics
    );
    assert_eq!(
        Format::negotiate(Some(
            "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"
        )),
        Format::Text
    );
    assert_eq!(Format::negotiate(Some("application/json")), Format::Text);
}

#[test]
fn the_exposition_names_the_program_in_both_formats() {
    let key: Key = (
        "127.0.0.1".parse().expect("ip"),
        7211,
        crate::packet::Overlay::NONE,
    );
    let e = Exposition {
        rows: vec![(
            Row {
                key,
                counts: Counts {
                    rst: [20, 0, 0, 0, 0],
                    failed: 20,
                    attempts: 20,
                    suspect: 0,
                },
            },
            OffenderInfo {
                service: String::new(),
                listener: String::new(),
                former_listener: "collector".into(),
                former_until: Some(1_700_000_000),
                connecting: "client.py (python3)".into(),
            },
        )],
        kernel: vec![("AttemptFails", 7)],
        ..Exposition::default()
    };
    let text = Format::Text.render(e.clone());
    assert!(
        text.contains("# TYPE rstscope_resets_total counter\n"),
        "{text}"
    );
    assert!(
        text.contains("rstscope_resets_total{endpoint=\"127.0.0.1:7211\",cause=\"refused\"} 20\n")
    );
    assert!(text.contains("rstscope_resets_total{endpoint=\"other\",cause=\"refused\"} 0\n"));
    assert!(text.contains(
        "rstscope_offender_info{endpoint=\"127.0.0.1:7211\",service=\"\",listener=\"\",former_listener=\"collector\",connecting=\"client.py (python3)\"} 1\n"
    ));
    assert!(text.contains("rstscope_kernel_tcp_total{counter=\"AttemptFails\"} 7\n"));
    assert!(text.contains("rstscope_http_rejected_requests_total{reason=\"timeout\"} 0\n"));
    assert!(!text.contains("# EOF"));
    let om = Format::OpenMetrics.render(e);
    assert!(om.contains("# TYPE rstscope_resets counter\n"), "{om}");
    assert!(om.contains("# TYPE rstscope_offender info\n"));
    assert!(om.ends_with("# EOF\n"));
}

/// Regression: the help of `rstscope_connection_attempts_total` said it counts attempts "to
/// service endpoints with incidents", but `other` is the host's total less the endpoints'
/// series: every attempt that worked (a Prometheus scrape of the agent itself) is in it, so
/// a failure ratio of `other` read from that help was wrong.
#[test]
fn the_help_of_connection_attempts_says_what_other_counts() {
    let e = Exposition {
        other: Counts {
            attempts: 14,
            ..Counts::default()
        },
        ..Exposition::default()
    };
    let text = Format::Text.render(e);
    let help = text
        .lines()
        .find(|l| l.starts_with("# HELP rstscope_connection_attempts_total "))
        .expect("help line");
    assert!(!help.contains("with incidents, by endpoint"), "{help}");
    assert!(
        help.contains("endpoint=\"other\" counts every other attempt this host saw"),
        "{help}"
    );
    assert!(text.contains("rstscope_connection_attempts_total{endpoint=\"other\"} 14\n"));
}

/// Regression (a trial as a Prometheus user): an interface lost (gone, then back) showed only
/// in `/report`'s warnings; nothing a monitoring system reads counted it.
#[test]
fn the_interfaces_lost_now_are_a_gauge_in_both_formats() {
    let e = Exposition {
        interfaces_lost: 2,
        ..Exposition::default()
    };
    let text = Format::Text.render(e.clone());
    assert!(
        text.contains(
            "# HELP rstscope_interfaces_lost Interfaces whose capture is lost now: the interface \
             went away or down"
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE rstscope_interfaces_lost gauge\nrstscope_interfaces_lost 2\n"),
        "{text}"
    );
    let om = Format::OpenMetrics.render(e);
    assert!(
        om.contains("# TYPE rstscope_interfaces_lost gauge\nrstscope_interfaces_lost 2\n"),
        "{om}"
    );
}

/// A listener gone before the agent started is named from the journal: its unit, until it
/// failed; a unit still running has no end time.
#[test]
fn a_listener_known_from_the_journal_is_the_former_listener() {
    use crate::host::journal::{FormerOwner, UnitNow};
    use crate::host::state::{EndpointHost, HostReport};
    use crate::packet::Timestamp;
    let key: Key = (
        "127.0.0.1".parse().expect("ip"),
        7211,
        crate::packet::Overlay::NONE,
    );
    let mut owner = FormerOwner::collector(
        Timestamp::from_parts(1_700_000_000, 0),
        Timestamp::from_parts(1_700_000_500, 0),
        UnitNow::Stopped,
    );
    let report = |owner: &FormerOwner| HostReport {
        samples: 3,
        endpoints: vec![EndpointHost {
            local: true,
            former_owner: Some(owner.clone()),
            ..EndpointHost::empty(key.0, key.1)
        }],
        ..HostReport::default()
    };
    let info = OffenderInfo::of(key, Some(&report(&owner)));
    assert_eq!(info.former_listener, "collector.service");
    assert_eq!(info.former_until, Some(1_700_000_500));
    if let Some(s) = &mut owner.state {
        s.now = UnitNow::Running;
    }
    assert_eq!(
        OffenderInfo::of(key, Some(&report(&owner))).former_until,
        None
    );
}

/// The agent's own process under the standard names and types of the Prometheus clients'
/// process collector, in both formats; what the OS did not give is left out, not zero.
#[test]
fn the_agents_own_process_is_exposed_as_any_exporters() {
    let e = Exposition {
        started: 1_700_000_000.5,
        process: Some(OwnProcess {
            cpu_seconds: 12.25,
            resident_bytes: 58_000_000,
            virtual_bytes: Some(900_000_000),
            open_fds: Some(17),
            max_fds: None,
            threads: Some(9),
            heap: None,
        }),
        ..Exposition::default()
    };
    let text = Format::Text.render(e.clone());
    for line in [
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.25\n",
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 58000000\n",
        "process_virtual_memory_bytes 900000000\n",
        "process_open_fds 17\n",
        "process_threads 9\n",
        "process_start_time_seconds 1700000000.5\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(!text.contains("process_max_fds"), "{text}");
    assert!(
        !text.contains("rstscope_heap"),
        "no allocator figures given: {text}"
    );
    let om = Format::OpenMetrics.render(e);
    assert!(om.contains("# TYPE process_cpu_seconds counter\n"), "{om}");
    assert!(om.contains("process_cpu_seconds_total 12.25\n"), "{om}");
    assert!(om.ends_with("# EOF\n"));
    // Without a reading (the OS would not say), none of them.
    let none = Format::Text.render(Exposition::default());
    assert!(!none.contains("process_"), "{none}");
}

/// The C allocator's figures, when the process reading has them, as a gauge by kind and the
/// trims as counters.
#[test]
fn the_allocators_figures_are_exposed_by_kind() {
    let e = Exposition {
        process: Some(OwnProcess {
            resident_bytes: 58_000_000,
            heap: Some(crate::agent::heap::Heap {
                arena: 40_000_000,
                in_use: 30_000_000,
                free: 10_000_000,
                mmapped: 5_000_000,
                trims: 7,
                trim_seconds: 0.5,
            }),
            ..OwnProcess::default()
        }),
        ..Exposition::default()
    };
    let text = Format::Text.render(e);
    for line in [
        "# TYPE rstscope_heap_bytes gauge\n",
        "rstscope_heap_bytes{kind=\"arena\"} 40000000\n",
        "rstscope_heap_bytes{kind=\"in_use\"} 30000000\n",
        "rstscope_heap_bytes{kind=\"free\"} 10000000\n",
        "rstscope_heap_bytes{kind=\"mmapped\"} 5000000\n",
        "rstscope_heap_trims_total 7\n",
        "rstscope_heap_trim_seconds_total 0.5\n",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

/// A scan by `client` of `targets` ports of 10.0.0.5 (or, with `sweep`, of port 22 on as many
/// hosts).
fn scan(client: &str, targets: u64, sweep: bool) -> Arc<Scan> {
    let server: IpAddr = "10.0.0.5".parse().expect("ip");
    let kind = if sweep {
        ScanKind::Sweep { port: 22 }
    } else {
        ScanKind::Ports { server }
    };
    Arc::new(Scan {
        kind,
        client: client.parse().expect("ip"),
        targets,
        targets_at_least: false,
        lowest: (server, 1, crate::packet::Overlay::NONE),
        highest: (server, 1000, crate::packet::Overlay::NONE),
        attempts: targets,
        failed_attempts: targets,
        completed: 0,
        half_open: 0,
        reset_by_client: 0,
        refused: targets,
        unanswered: 0,
        unanswered_at_end: 0,
        other: 0,
        open_named: Vec::new(),
        refused_named: Vec::new(),
        open_targets: Vec::new(),
        first_seen: None,
        last_seen: None,
        rate_over: None,
        typical_attempts: 1,
        retried_named: Vec::new(),
        retried: 0,
        not_kept: 0,
    })
}

/// The counter is the engine's count of scans found (those it no longer holds included), and
/// never goes back; only the `top` largest scans get a labelled series, so a thousand scanning
/// sources make `top` series, and the clients are counted without labels.
#[test]
fn scans_are_counted_as_the_engine_found_them_and_only_the_largest_get_series() {
    let found = |port_scans, sweeps| ScansFound { port_scans, sweeps };
    let mut t = ScanTracker::default();
    let first = t.update(&[scan("203.0.113.7", 100, false)], found(1, 0), 2);
    assert_eq!(first.found, [1, 0]);
    let mut many = vec![
        scan("203.0.113.7", 65_535, false),
        scan("198.51.100.9", 300, true),
    ];
    for i in 0..1000u32 {
        many.push(scan(
            &std::net::Ipv4Addr::from(0x0a63_0000 + i).to_string(),
            25,
            true,
        ));
    }
    // The engine found more port scans than it holds now: their endpoints were dropped.
    let m = t.update(&many, found(7, 1001), 2);
    assert_eq!(m.found, [7, 1001]);
    assert_eq!(m.clients, 1002);
    assert_eq!(m.rows.len(), 2);
    assert_eq!(m.rows[0].targets, 65_535);
    // A scan that stopped being one before the engine counted it leaves its count: the
    // counter stays, and goes on once the engine's count passes it.
    assert_eq!(t.update(&many, found(6, 1001), 2).found, [7, 1001]);
    assert_eq!(t.update(&many, found(8, 1002), 2).found, [8, 1002]);
    for (i, kind) in [
        ScanKind::Ports {
            server: "10.0.0.5".parse().expect("ip"),
        },
        ScanKind::Sweep { port: 22 },
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(SCAN_KINDS[i], kind.as_str());
    }

    let text = Format::Text.render(Exposition {
        scans: m,
        ..Exposition::default()
    });
    assert!(
        text.contains("rstscope_scans_total{kind=\"port-scan\"} 7\n"),
        "{text}"
    );
    assert!(text.contains("rstscope_scans_total{kind=\"sweep\"} 1001\n"));
    assert!(text.contains("rstscope_scanning_clients 1002\n"));
    assert!(text.contains(
        "rstscope_scan_targets{kind=\"port-scan\",client=\"203.0.113.7\",server=\"10.0.0.5\",port=\"\"} 65535\n"
    ));
    assert!(text.contains(
        "rstscope_scan_targets{kind=\"sweep\",client=\"198.51.100.9\",server=\"\",port=\"22\"} 300\n"
    ));
    assert_eq!(text.matches("rstscope_scan_targets{").count(), 2);
}

/// The machine is one info series, its ID beside its host name (two hosts of one name told
/// apart), each empty where not known; no other series carries it.
#[test]
fn the_machine_is_one_info_series_with_its_name_and_id() {
    let text = Format::Text.render(Exposition {
        machine: (
            Some("labutil01".into()),
            Some("3d1219c7c4c5404aaa1f6d2a48adfda4".into()),
        ),
        ..Exposition::default()
    });
    assert!(
        text.contains(
            "rstscope_machine_info{machine=\"labutil01\",machine_id=\"3d1219c7c4c5404aaa1f6d2a48adfda4\"} 1\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("labutil01").count(), 1, "{text}");
    let text = Format::Text.render(Exposition::default());
    assert!(
        text.contains("rstscope_machine_info{machine=\"\",machine_id=\"\"} 1\n"),
        "{text}"
    );
}

/// What Prometheus makes of the series it scrapes: `increase()` over the whole run, which
/// counts each series from its first value seen, never that value itself.
#[derive(Default)]
struct Scraper {
    first: HashMap<Option<Key>, u64>,
    last: HashMap<Option<Key>, u64>,
    scrapes: u64,
}

impl Scraper {
    fn scrape(&mut self, rows: &[Row], other: Counts) {
        let series = rows
            .iter()
            .map(|r| (Some(r.key), r.counts.rst[0]))
            .chain(std::iter::once((None, other.rst[0])));
        for (key, v) in series {
            self.first.entry(key).or_insert(v);
            self.last.insert(key, v);
        }
        self.scrapes += 1;
    }

    fn increase(&self) -> u64 {
        self.last.iter().map(|(k, v)| v - self.first[k]).sum()
    }
}

/// One update of an agent whose exposition `scraper` reads once after it.
fn update_and_scrape(sel: &mut Selection, w: &World, scraper: &mut Scraper) -> (Vec<Row>, Counts) {
    sel.scraped(scraper.scrapes);
    let (rows, other) = sel.update(&w.snapshot());
    sel.published(scraper.scrapes);
    scraper.scrape(&rows, other);
    (rows, other)
}

/// Regression (a trial as the on-call, under a real Prometheus): 300 refusals at a new
/// endpoint between two scrapes were its series' first value, which `rate()` and `increase()`
/// cannot see, and in no other series: `sum(rate(rstscope_resets_total[5m]))` had none of them.
/// For the agent's scrapers a new series shows zero first, then its counts.
#[test]
fn a_burst_at_a_new_endpoint_between_two_scrapes_is_a_rise_of_its_series() {
    let mut w = World::default();
    let mut sel = Selection::new(50).for_scrapers();
    let mut prom = Scraper::default();
    let mut mono = Monotone::default();
    w.refuse(1000, 100, 5);
    let (rows, other) = update_and_scrape(&mut sel, &w, &mut prom);
    mono.check(&rows, other);
    assert_eq!(
        rows[0].counts.rst[0], 0,
        "held at zero until a scrape has seen it"
    );
    w.refuse(7211, 101, 300);
    let (rows, other) = update_and_scrape(&mut sel, &w, &mut prom);
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [1000, 7211]);
    assert_eq!((rows[0].counts.rst[0], rows[1].counts.rst[0]), (5, 0));
    let (rows, other) = update_and_scrape(&mut sel, &w, &mut prom);
    mono.check(&rows, other);
    assert_eq!((rows[0].counts.rst[0], rows[1].counts.rst[0]), (5, 300));
    assert_eq!(other.rst[0], 0);
    assert_eq!(
        prom.increase(),
        305,
        "every refusal is a rise of some series"
    );

    // Updates with no scrape between them hold a new series as long.
    w.refuse(7311, 102, 7);
    sel.scraped(prom.scrapes);
    for _ in 0..3 {
        let (rows, _) = sel.update(&w.snapshot());
        sel.published(prom.scrapes);
        assert_eq!(rows[2].counts.rst[0], 0, "{rows:?}");
    }
    update_and_scrape(&mut sel, &w, &mut prom);
    let (rows, _) = update_and_scrape(&mut sel, &w, &mut prom);
    assert_eq!(rows[2].counts.rst[0], 7);
    assert_eq!(prom.increase(), 312);
}

/// A held series that loses its place before any scrape showed its counts gives them back to
/// `other`, where a scraper sees them rise.
#[test]
fn a_held_series_that_loses_its_place_gives_its_counts_back_to_other() {
    let mut w = World::default();
    let mut sel = Selection::new(1).for_scrapers();
    let mut prom = Scraper::default();
    let mut mono = Monotone::default();
    prom.scrape(&[], Counts::default());
    w.scanned.insert(40_000);
    w.refuse(40_000, 100, 1);
    sel.scraped(prom.scrapes);
    let (rows, other) = sel.update(&w.snapshot());
    sel.published(prom.scrapes);
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [40_000]);
    // The story's endpoint takes the scan target's place at once, before a scrape showed it.
    w.refuse(7211, 101, 3);
    sel.scraped(prom.scrapes);
    let (rows, other) = sel.update(&w.snapshot());
    sel.published(prom.scrapes);
    mono.check(&rows, other);
    assert_eq!(port_of(&rows), [7211]);
    assert_eq!(
        (rows[0].counts.rst[0], other.rst[0]),
        (0, 1),
        "the target's refusal is other's"
    );
    prom.scrape(&rows, other);
    let (rows, other) = update_and_scrape(&mut sel, &w, &mut prom);
    mono.check(&rows, other);
    assert_eq!((rows[0].counts.rst[0], other.rst[0]), (3, 1));
    assert_eq!(prom.increase(), 4, "every refusal is a rise of some series");
}

/// Regression (a trial as the on-call): the alert named who listened and who listened before,
/// but not the program of this machine that kept connecting, which `/report` knew. The info
/// series says it, for an endpoint of another machine too (whose listener cannot be known).
#[test]
fn the_info_series_names_the_program_connecting_with_the_most_incidents() {
    use crate::host::SightingSource;
    use crate::host::clients::{ClientProcess, EndpointClients};
    use crate::host::state::{EndpointHost, HostReport};
    let key: Key = (
        "192.0.2.7".parse().expect("ip"),
        5432,
        crate::packet::Overlay::NONE,
    );
    let process = |pid: u32, name: &str, connections: u64| ClientProcess {
        pid,
        name: name.into(),
        script: None,
        source: SightingSource::ConnectTrace,
        sources: Vec::new(),
        connections,
        processes: 1,
    };
    let report = HostReport {
        samples: 3,
        endpoints: vec![EndpointHost {
            clients: EndpointClients {
                processes: vec![process(40, "backup-agent", 30), process(41, "psql", 2)],
                ..EndpointClients::default()
            },
            ..EndpointHost::empty(key.0, key.1)
        }],
        ..HostReport::default()
    };
    let info = OffenderInfo::of(key, Some(&report));
    assert_eq!(info.connecting, "backup-agent");
    assert_eq!(
        (info.listener.as_str(), info.former_listener.as_str()),
        ("", "")
    );
    assert_eq!(info.service, "postgresql");
    assert_eq!(OffenderInfo::of(key, None).connecting, "");
}

/// A program in a restart loop counts its failed runs, each once: a loop's runs as the list
/// grows, a later loop's added on, each run under its loop's kind then; past the series of
/// their own, the rest is `other`. The counter renders by program and kind.
#[test]
fn failing_starts_are_counted_once_each_by_program_within_bounds() {
    use crate::host::SightingSource;
    use crate::host::clients::{ClientProcess, EndpointClients};
    use crate::host::restarts::{FailingStart, failing_start};
    use crate::host::state::{EndpointHost, HostReport};
    let at = |s: i64| Timestamp(s * Timestamp::NANOS_PER_SEC);
    let failing = |program: &str, first: i64, starts: u32, signal: Option<u8>| FailingStart {
        starts,
        exit_status: if signal.is_some() { None } else { Some(7) },
        signal,
        killed: if signal.is_some() { starts } else { 0 },
        supervised: false,
        ..failing_start(program, first, first + 2 * i64::from(starts - 1))
    };
    let report = |failing_starts: Vec<FailingStart>| HostReport {
        samples: 3,
        endpoints: vec![EndpointHost {
            clients: EndpointClients {
                processes: vec![ClientProcess {
                    pid: 40,
                    name: "curl".into(),
                    script: None,
                    source: SightingSource::ConnectTrace,
                    sources: Vec::new(),
                    connections: 12,
                    processes: 12,
                }],
                ..EndpointClients::default()
            },
            local: true,
            ..EndpointHost::empty("127.0.0.1".parse().expect("ip"), 7211)
        }],
        failing_starts,
        ..HostReport::default()
    };
    let collector = "/opt/x/bin/collector";
    let row = |program: &str, kind: FailingKind, runs: u64| FailingRow {
        program: program.to_owned(),
        kind,
        runs,
    };
    let start = FailingKind::FailedStart;
    let mut t = FailingStartsTracker::default();
    assert_eq!(t.update(None), []);
    // curl's runs each ended after its connect was refused: connects failed, not its start.
    let mut curl = failing("/usr/bin/curl", 0, 12, None);
    curl.failed_connects = Some(crate::host::restarts::FailedConnects {
        runs: 12,
        to: vec!["127.0.0.1:7211".into()],
        refused: true,
    });
    let rows = t.update(Some(&report(vec![
        failing(collector, 0, 3, Some(11)),
        curl.clone(),
    ])));
    let curl_row = row("/usr/bin/curl", FailingKind::ConnectsFailed, 12);
    assert_eq!(rows, [row(collector, start, 3), curl_row.clone()]);
    // The same loop, grown to 5 runs; then a loop anew (its first run later) of 4.
    let rows = t.update(Some(&report(vec![failing(collector, 0, 5, Some(11))])));
    assert_eq!(rows, [row(collector, start, 5), curl_row.clone()]);
    let rows = t.update(Some(&report(vec![failing(collector, 100, 4, Some(11))])));
    assert_eq!(rows, [row(collector, start, 9), curl_row.clone()]);
    let rows = t.update(Some(&report(vec![failing(collector, 100, 4, Some(11))])));
    assert_eq!(
        rows,
        [row(collector, start, 9), curl_row.clone()],
        "nothing new"
    );
    // The loop over (a later start went well): listed still, recovered; nothing counted.
    let mut over = failing(collector, 100, 4, Some(11));
    over.recovered = Some(crate::host::restarts::Recovered {
        at: at(120),
        how: crate::host::restarts::RecoveredHow::KeptRunning,
    });
    let rows = t.update(Some(&report(vec![over])));
    assert_eq!(
        rows,
        [row(collector, start, 9), curl_row.clone()],
        "a recovery is no failed run"
    );
    // curl's loop goes on with 3 runs more, one of them not after a failed connect: those
    // are counted as failed starts (the loop's kind now), the 12 before stay where they were.
    curl.starts = 15;
    curl.last = at(40);
    let rows = t.update(Some(&report(vec![curl])));
    assert_eq!(
        rows,
        [
            row(collector, start, 9),
            curl_row,
            row("/usr/bin/curl", start, 3)
        ]
    );
    // Ten more programs: 5 get series of their own, 5 go to other.
    let many: Vec<FailingStart> = (0..10)
        .map(|i| failing(&format!("/opt/p{i}"), 200, 3, Some(6)))
        .collect();
    let rows = t.update(Some(&report(many)));
    assert_eq!(rows.len(), FAILING_PROGRAMS + 1);
    assert_eq!(rows.last(), Some(&row(OTHER, start, 15)));
    let text = Format::Text.render(Exposition {
        failing_starts: rows,
        ..Exposition::default()
    });
    for series in [
        "rstscope_failing_starts_total{program=\"/opt/x/bin/collector\",kind=\"failed-start\"} 9\n",
        "rstscope_failing_starts_total{program=\"/usr/bin/curl\",kind=\"connects-failed\"} 12\n",
        "rstscope_failing_starts_total{program=\"other\",kind=\"failed-start\"} 15\n",
    ] {
        assert!(text.contains(series), "{series} in {text}");
    }
}
