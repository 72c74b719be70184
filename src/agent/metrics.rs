//! What `/metrics` exposes, and which endpoints get series of their own.
//!
//! The engine counts per service endpoint without limit (up to its table's bound); a
//! monitoring system must not get a series per endpoint a scan touched. So at most `top`
//! endpoints are *selected* for series of their own, chosen by their incidents over the last
//! [`RECENT_SECS`](crate::agent::metrics::RECENT_SECS) of packet time, with hysteresis: a selected endpoint keeps its place until
//! a candidate has at least twice its recent incidents plus one, and not before it has held it
//! for [`MIN_HOLD_SECS`](crate::agent::metrics::MIN_HOLD_SECS). Everything else is summed under `endpoint="other"`.
//! A port scan's targets give way, as in the offenders table: an endpoint that is no scan's
//! target takes the place of one with fewer recent incidents at once, hold or not, and a
//! target never takes the place of an endpoint that is none (a scan's hundred ports, one
//! refusal each, kept the story's 7211 under `other` for a minute). Fewer recent incidents,
//! not just any: a scan's ports that are not yet a scan (its first 19) must not push out its
//! earlier ports one by one. The scan itself has its own series (below).
//!
//! Counters stay counters through all of this:
//! - a selected endpoint's series counts what happened while it was selected, continuing from
//!   where it stood when last selected (remembered for up to [`REMEMBERED_PER_SLOT`](crate::agent::metrics::REMEMBERED_PER_SLOT) times
//!   `top` endpoints), so it never goes backwards;
//! - an endpoint selected the moment it first becomes an offender takes its whole count of
//!   incidents (none of it was ever in `other`), so a new refusing endpoint shows all its
//!   refusals; the attempts it had before its first incident (a service that worked until its
//!   listener went) were in `other` and stay there, its series counting those from then on;
//! - for an agent's scrapers ([`Selection::for_scrapers`](crate::agent::metrics::Selection::for_scrapers)), a series that (re)appears shows first
//!   where it stood (zero for a new endpoint) and what it counted since only once a scrape has
//!   served that: Prometheus cannot see a series' first value (`rate()` and `increase()` count
//!   from it), so 300 refusals of a new endpoint within one scrape interval, its first value,
//!   were in no rate at all. Held so, they are the series' first increase;
//! - `other` is the capture's total less what the selected series counted (now and in earlier
//!   selections), and never goes backwards either (a floor at the last value exposed holds it,
//!   should an endpoint's count of attempts before its first incident fall short).
//!
//! [`Selection::update`](crate::agent::metrics::Selection::update) is pure: it takes the engine's snapshot and gives the rows; the
//! prometheus-client `Collector` in [`Exposition`](crate::agent::metrics::Exposition) renders them at each scrape.
//!
//! Port scans and sweeps are bounded the same way: [`ScanTracker`](crate::agent::metrics::ScanTracker) counts each scan once
//! by kind (no label of the scanner's), and only the `top` largest scans get a gauge labelled
//! with their client and target, so that a scanner's spoofed sources cannot grow the number of
//! series.
//!
//! So are programs that keep failing to start ([`FailingStartsTracker`](crate::agent::metrics::FailingStartsTracker)): the
//! first [`FAILING_PROGRAMS`](crate::agent::metrics::FAILING_PROGRAMS) series seen get a counter labelled with their
//! executable and kind, for the agent's life; any later one is counted under `program="other"`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::agent::own_process::OwnProcess;
use crate::engine::{Cause, Offender, Scan, ScanKind, ScansFound, Snapshot, Totals};
use crate::host::journal::UnitNow;
use crate::host::restarts::FailingKind;
use crate::host::state::HostReport;
use crate::report::endpoint_in;

/// Incidents over this many seconds of packet time rank the endpoints.
pub const RECENT_SECS: i64 = 300;
/// A selected endpoint keeps its series at least this long (packet time).
pub const MIN_HOLD_SECS: i64 = 60;
/// Endpoints whose exported values are remembered after they lose their place, per place.
pub const REMEMBERED_PER_SLOT: usize = 4;
/// The label value of everything not selected.
pub const OTHER: &str = "other";
/// Series of programs failing to start (a program and kind each) that are their own (the first
/// seen).
pub const FAILING_PROGRAMS: usize = 8;
/// Programs failing to start whose count so far is remembered, to count only their new
/// failed runs at each update (the least recently failing forgotten first).
const FAILING_REMEMBERED: usize = 256;

/// A service endpoint.
pub type Key = crate::engine::offenders::ServiceKey;

/// The counters kept per endpoint (and for `other`, and the whole capture).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// RSTs by cause, indexed by [`Cause::index`].
    pub rst: [u64; 5],
    /// Failed connection attempts.
    pub failed: u64,
    /// Connection attempts.
    pub attempts: u64,
    /// RSTs flagged suspect-injected.
    pub suspect: u64,
}

impl Counts {
    /// An offender's counts since the capture began.
    pub fn of_offender(o: &Offender) -> Self {
        Self {
            rst: o.rst_by_cause,
            failed: o.failed_attempts,
            attempts: o.attempts,
            suspect: o.suspect_injected,
        }
    }

    /// The whole capture's counts.
    pub fn of_totals(t: &Totals) -> Self {
        Self {
            rst: t.rst_by_cause,
            failed: t.failed_attempts,
            attempts: t.attempts,
            suspect: t.suspect_injected,
        }
    }

    fn zip(self, other: Self, f: impl Fn(u64, u64) -> u64) -> Self {
        let mut rst = [0; 5];
        for (i, r) in rst.iter_mut().enumerate() {
            *r = f(self.rst[i], other.rst[i]);
        }
        Self {
            rst,
            failed: f(self.failed, other.failed),
            attempts: f(self.attempts, other.attempts),
            suspect: f(self.suspect, other.suspect),
        }
    }

    fn plus(self, other: Self) -> Self {
        self.zip(other, u64::saturating_add)
    }

    fn minus(self, other: Self) -> Self {
        self.zip(other, u64::saturating_sub)
    }

    fn max(self, other: Self) -> Self {
        self.zip(other, u64::max)
    }
}

/// A selected endpoint: what its series started from, and what it counted since.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The engine's counts at the last snapshot (zero when it was new when selected).
    seen: Counts,
    /// When the engine's entry those counts belong to first saw the endpoint. Past its bound
    /// the engine drops endpoints (their counts go to its `other_endpoints`) and makes an
    /// entry anew, counting from zero, when one is seen again: a later `first_seen` is a new
    /// entry, all of whose counts are new.
    entry: crate::packet::Timestamp,
    /// What it counted while selected.
    during: Counts,
    /// Its exported value when it was selected (from an earlier selection, or zero).
    base: Counts,
    /// Packet second it was selected.
    since: i64,
    /// Its exposition shows `base` only, until a scrape has served that.
    held: bool,
    /// The scrape count when an exposition holding it at `base` was published.
    published: Option<u64>,
}

impl Slot {
    /// Takes the engine's counts of the endpoint now.
    fn observe(&mut self, o: &Offender) {
        let now = Counts::of_offender(o);
        let new = if o.first_seen > self.entry {
            now
        } else {
            now.minus(self.seen)
        };
        self.during = self.during.plus(new);
        self.seen = now;
        self.entry = o.first_seen;
    }
}

/// Which endpoints have series of their own; see the module documentation.
#[derive(Debug)]
pub struct Selection {
    top: usize,
    slots: BTreeMap<Key, Slot>,
    /// Exported values of endpoints that lost their place, with when (for forgetting the oldest).
    remembered: HashMap<Key, (Counts, u64)>,
    remembered_order: u64,
    /// What selected series counted in selections that have ended.
    counted_before: Counts,
    /// The last `other` exposed.
    other_floor: Counts,
    /// Packet time of the last snapshot seen.
    last_ts: Option<crate::packet::Timestamp>,
    /// Endpoints that lost their place since the start.
    pub demotions: u64,
    /// Scrapes served so far, for holding new series ([`Self::for_scrapers`]); `None`: none held.
    scrapes: Option<u64>,
}

/// One endpoint's row: its exported counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The endpoint.
    pub key: Key,
    /// Its exported counts.
    pub counts: Counts,
}

impl Selection {
    /// At most `top` endpoints get series of their own.
    pub fn new(top: usize) -> Self {
        Self {
            top,
            slots: BTreeMap::new(),
            remembered: HashMap::new(),
            remembered_order: 0,
            counted_before: Counts::default(),
            other_floor: Counts::default(),
            last_ts: None,
            demotions: 0,
            scrapes: None,
        }
    }

    /// Holds each series that (re)appears at where it stood until a scrape has served it (see
    /// the module documentation): the agent's, told of its scrapes by [`Self::scraped`] and
    /// [`Self::published`].
    pub fn for_scrapers(mut self) -> Self {
        self.scrapes = Some(0);
        self
    }

    /// `/metrics` has served `scrapes` expositions so far: series held in one published before
    /// show their counts from the next update on.
    pub fn scraped(&mut self, scrapes: u64) {
        if self.scrapes.is_none() {
            return;
        }
        self.scrapes = Some(scrapes);
        for slot in self.slots.values_mut() {
            if slot.published.is_some_and(|p| p < scrapes) {
                slot.held = false;
            }
        }
    }

    /// The rows of the last update are published, `scrapes` having been served before.
    pub fn published(&mut self, scrapes: u64) {
        for slot in self.slots.values_mut() {
            if slot.held && slot.published.is_none() {
                slot.published = Some(scrapes);
            }
        }
    }

    /// Endpoints selected now.
    pub fn selected(&self) -> impl Iterator<Item = &Key> {
        self.slots.keys()
    }

    /// Takes a new snapshot of the engine: updates the selection and returns the selected rows
    /// (in endpoint order) and `other`.
    pub fn update(&mut self, s: &Snapshot) -> (Vec<Row>, Counts) {
        let total = Counts::of_totals(&s.totals);
        let now = s.totals.last_ts.map_or(i64::MIN, |t| t.second());
        let by_key: HashMap<Key, &Offender> = s.offenders.iter().map(|o| (o.key(), o)).collect();
        let recent = |o: &Offender| recent_incidents(o, now);
        for (key, slot) in &mut self.slots {
            if let Some(o) = by_key.get(key) {
                slot.observe(o);
            }
        }

        let mut candidates: Vec<(u64, &Offender)> = s
            .offenders
            .iter()
            .filter(|o| !self.slots.contains_key(&o.key()))
            .map(|o| (recent(o), o))
            .filter(|(r, _)| *r > 0)
            .collect();
        candidates.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| b.1.score().cmp(&a.1.score()))
                .then_with(|| (a.1.addr, a.1.port).cmp(&(b.1.addr, b.1.port)))
        });
        let mut candidates = candidates.into_iter().peekable();
        while self.slots.len() < self.top {
            let Some((_, o)) = candidates.next() else {
                break;
            };
            self.promote(o, now);
        }
        // The weakest places that may change hands, weakest first: those of a scan's targets
        // (held long enough or not), then the others held long enough.
        let target = |k: &Key| by_key.get(k).is_some_and(|o| o.scan.is_some());
        let mut weak: Vec<(bool, u64, bool, Key)> = self
            .slots
            .iter()
            .map(|(k, slot)| {
                let held = now.saturating_sub(slot.since) >= MIN_HOLD_SECS;
                (!target(k), by_key.get(k).map_or(0, |o| recent(o)), held, *k)
            })
            .filter(|&(own, _, held, _)| held || !own)
            .collect();
        weak.sort();
        for (own, weakest, held, key) in weak {
            match candidates.peek() {
                // A scan's target never takes the place of an endpoint that is none.
                Some(&(r, o))
                    if (!own && o.scan.is_none() && r > weakest)
                        || (held
                            && r >= weakest.saturating_mul(2).saturating_add(1)
                            && (o.scan.is_none() || !own)) =>
                {
                    candidates.next();
                    self.demote(key);
                    self.promote(o, now);
                }
                // A stronger place may still give way to it (a held target's, when the
                // candidate is a target too).
                Some(_) => continue,
                None => break,
            }
        }

        let mut rows = Vec::with_capacity(self.slots.len());
        let mut counted = self.counted_before;
        for (key, slot) in &self.slots {
            counted = counted.plus(slot.during);
            rows.push(Row {
                key: *key,
                counts: if slot.held {
                    slot.base
                } else {
                    slot.base.plus(slot.during)
                },
            });
        }
        let other = total.minus(counted).max(self.other_floor);
        self.other_floor = other;
        self.last_ts = s.totals.last_ts.or(self.last_ts);
        (rows, other)
    }

    fn promote(&mut self, o: &Offender, now: i64) {
        let key = o.key();
        // New since the last snapshot: none of its incidents can have been in `other`.
        let new = self.last_ts.is_none_or(|t| o.first_seen > t);
        let base = self.remembered.remove(&key).map(|(c, _)| c);
        let seen = if new && base.is_none() {
            // None of its incidents can have been in `other`; the attempts before them can
            // (the engine counts every endpoint's attempts): those stay there.
            Counts {
                attempts: self.last_ts.map_or(0, |t| attempts_before(o, t)),
                ..Counts::default()
            }
        } else {
            Counts::of_offender(o)
        };
        let mut slot = Slot {
            seen,
            entry: o.first_seen,
            during: Counts::default(),
            base: base.unwrap_or_default(),
            since: now,
            held: self.scrapes.is_some(),
            published: None,
        };
        slot.observe(o);
        self.slots.insert(key, slot);
    }

    fn demote(&mut self, key: Key) {
        let Some(slot) = self.slots.remove(&key) else {
            return;
        };
        self.demotions += 1;
        // Held, what it counted was never shown: it goes back to `other`.
        let during = if slot.held {
            Counts::default()
        } else {
            slot.during
        };
        self.counted_before = self.counted_before.plus(during);
        self.remembered_order += 1;
        self.remembered
            .insert(key, (slot.base.plus(during), self.remembered_order));
        let cap = self.top.saturating_mul(REMEMBERED_PER_SLOT).max(1);
        if self.remembered.len() > cap
            && let Some(oldest) = self
                .remembered
                .iter()
                .min_by_key(|(_, (_, order))| *order)
                .map(|(k, _)| *k)
        {
            self.remembered.remove(&oldest);
        }
    }
}

/// The attempts of `o`, whose incidents all came after `t`, that may have been counted by `t`:
/// all but its failed ones and those completed in the seconds after `t`'s. Too many rather
/// than too few: what a series leaves out stays in `other`, where the sums stay exact.
fn attempts_before(o: &Offender, t: crate::packet::Timestamp) -> u64 {
    let after = o.series.partition_point(|(s, _)| *s <= t.second());
    let completed_after: u64 = o
        .series
        .range(after..)
        .map(|(_, c)| u64::from(c.completed))
        .sum();
    o.attempts
        .saturating_sub(o.failed_attempts)
        .saturating_sub(completed_after)
}

/// Incidents of `o` in the [`RECENT_SECS`](crate::agent::metrics::RECENT_SECS) up to packet second `now`.
fn recent_incidents(o: &Offender, now: i64) -> u64 {
    let from = now.saturating_sub(RECENT_SECS - 1);
    let start = o.series.partition_point(|(s, _)| *s < from);
    o.series
        .range(start..)
        .map(|(_, c)| u64::from(c.incidents))
        .sum()
}

/// The label values of `rstscope_scans_total` in the order of [`ScanMetrics::found`]: the
/// kinds' names in the JSON and CSV ([`ScanKind::as_str`]).
const SCAN_KINDS: [&str; 2] = ["port-scan", "sweep"];

/// The scans found since the agent started, for `rstscope_scans_total`, as the engine counts
/// them ([`Snapshot::scans_found`]: each once, those whose endpoints it dropped included);
/// and the largest scans of the last snapshot, for the gauges.
#[derive(Debug, Default)]
pub struct ScanTracker {
    found: [u64; 2],
}

/// One scan's gauge: who probes what, and how many targets so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    /// What it goes over: a port scan's server, or a sweep's port.
    pub kind: ScanKind,
    /// The client that probes.
    pub client: IpAddr,
    /// Distinct targets probed (a lower bound where the engine says so).
    pub targets: u64,
}

/// What `/metrics` says of scans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanMetrics {
    /// Scans found since the start: port scans, then sweeps.
    pub found: [u64; 2],
    /// The largest scans now, at most `top`, largest first.
    pub rows: Vec<ScanRow>,
    /// Distinct clients with a scan now.
    pub clients: u64,
}

impl ScanTracker {
    /// Takes a new snapshot's scans (largest first, as the engine gives them) and the engine's
    /// count of those found, and gives the `top` largest. The counter never goes back: a
    /// scan a snapshot held that stopped being one before the engine counted it (within
    /// [`SCAN_COUNT_SECS`](crate::engine::SCAN_COUNT_SECS) of packet time: its client went on
    /// to complete handshakes with many of its ports, say) leaves the engine's count but was
    /// counted here, and a monitoring system takes a counter that goes back for one that
    /// restarted.
    pub fn update(&mut self, scans: &[Arc<Scan>], found: ScansFound, top: usize) -> ScanMetrics {
        for (n, count) in self.found.iter_mut().zip([found.port_scans, found.sweeps]) {
            *n = (*n).max(count);
        }
        let clients: HashSet<IpAddr> = scans.iter().map(|s| s.client).collect();
        let rows = scans
            .iter()
            .take(top)
            .map(|s| ScanRow {
                kind: s.kind,
                client: s.client,
                targets: s.targets,
            })
            .collect();
        ScanMetrics {
            found: self.found,
            rows,
            clients: clients.len() as u64,
        }
    }
}

/// Counts the failed starts of programs that keep failing to start on this machine, for a
/// counter per program and kind: each update's list ([`HostReport::failing_starts`]) tells
/// each program's failed runs one after another (`starts`, from `first`); a later `first` is
/// a new loop, whose runs are added to the earlier ones'. Each run new since the last update
/// is counted under the kind its loop is of then ([`FailingKind`]): a program that cannot
/// start, or one whose runs end after their connects fail (a client refused again and
/// again, a service giving up on its database), so that an alert on programs that cannot
/// start is not raised by a `curl` loop.
#[derive(Debug, Default)]
pub struct FailingStartsTracker {
    /// Per program: the loop counted last (its first run, its runs counted) and when it last
    /// failed.
    seen: HashMap<String, (crate::packet::Timestamp, u32, crate::packet::Timestamp)>,
    /// The counters: the programs' series of their own, in the order first seen.
    own: Vec<FailingRow>,
    /// The rest, by kind.
    other: [u64; 2],
}

/// One counter of failed runs: a program's (or [`OTHER`]) of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingRow {
    /// The executable, or [`OTHER`].
    pub program: String,
    /// What its runs were.
    pub kind: FailingKind,
    /// Its failed runs counted so far.
    pub runs: u64,
}

const KINDS: [FailingKind; 2] = [FailingKind::FailedStart, FailingKind::ConnectsFailed];

impl FailingStartsTracker {
    /// Takes the machine's latest report and gives the counters: the programs' series of
    /// their own, then `other`'s by kind (where anything was counted there).
    pub fn update(&mut self, host: Option<&HostReport>) -> Vec<FailingRow> {
        let Some(h) = host else {
            return self.rows();
        };
        for f in &h.failing_starts {
            let new = match self.seen.get(&f.program) {
                Some(&(first, counted, _)) if first == f.first => f.starts.saturating_sub(counted),
                _ => f.starts,
            };
            self.seen
                .insert(f.program.clone(), (f.first, f.starts, f.last));
            if self.seen.len() > FAILING_REMEMBERED
                && let Some(oldest) = (self.seen.iter())
                    .min_by_key(|(_, (_, _, last))| *last)
                    .map(|(p, _)| p.clone())
            {
                self.seen.remove(&oldest);
            }
            if new == 0 {
                continue;
            }
            let kind = f.kind();
            let own = (self.own.iter_mut()).find(|r| r.program == f.program && r.kind == kind);
            if let Some(row) = own {
                row.runs += u64::from(new);
            } else if self.own.len() < FAILING_PROGRAMS {
                self.own.push(FailingRow {
                    program: f.program.clone(),
                    kind,
                    runs: u64::from(new),
                });
            } else {
                self.other[kind as usize] += u64::from(new);
            }
        }
        self.rows()
    }

    fn rows(&self) -> Vec<FailingRow> {
        let mut rows = self.own.clone();
        for (kind, &runs) in KINDS.into_iter().zip(&self.other) {
            if runs > 0 {
                rows.push(FailingRow {
                    program: OTHER.to_owned(),
                    kind,
                    runs,
                });
            }
        }
        rows
    }
}

/// What one selected endpoint's info series says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffenderInfo {
    /// Service name of the port ([`crate::services::name`]), or empty.
    pub service: String,
    /// Name of the program listening on it now, a script by the script (`collector.py
    /// (python3)`; this machine's endpoints only), or empty.
    pub listener: String,
    /// Name of the last process seen listening on it earlier, or empty.
    pub former_listener: String,
    /// Unix time the former listener was last seen listening.
    pub former_until: Option<i64>,
    /// The program of this machine with the most incidents there (the one connecting), a
    /// script by its script, or empty.
    pub connecting: String,
}

impl OffenderInfo {
    /// The info of `key` from what the machine said.
    pub fn of(key: Key, host: Option<&HostReport>) -> Self {
        let mut info = Self {
            service: crate::services::name(key.1).unwrap_or_default().to_owned(),
            ..Self::default()
        };
        let sampled = host.is_some_and(|h| h.samples > 0);
        let Some(e) = host
            .and_then(|h| h.endpoint(key.0, key.1))
            .filter(|_| sampled)
        else {
            return info;
        };
        if let Some(p) = e.clients.processes.first() {
            info.connecting = p.program().text();
        }
        if e.local {
            if let Some(now) = &e.listener.now {
                info.listener = now.process.program().text();
            }
            if let Some(was) = e.listener.earlier.first() {
                info.former_listener = was.process.program().text();
                info.former_until = Some(was.last_seen.second());
            } else if let Some(f) = &e.former_owner {
                // Gone before the agent saw it: the journal's unit, until it ended.
                info.former_listener = f.unit.clone().unwrap_or_else(|| f.process.clone());
                info.former_until = f
                    .state
                    .as_ref()
                    .filter(|s| s.now != UnitNow::Running)
                    .map(|s| s.since.second());
            }
        }
        info
    }
}

/// Everything one scrape shows, computed at the agent's last update.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    /// Selected endpoints, in endpoint order.
    pub rows: Vec<(Row, OffenderInfo)>,
    /// Everything else.
    pub other: Counts,
    /// Frames analyzed.
    pub packets: u64,
    /// Frames lost: kernel, interface, rstscope.
    pub dropped: [u64; 3],
    /// Interfaces whose capture is lost now (gone or down; opened again once back).
    pub interfaces_lost: u64,
    /// The kernel's TCP counters by the OS's names.
    pub kernel: Vec<(&'static str, u64)>,
    /// Service endpoints with incidents the engine tracks.
    pub offenders: u64,
    /// Service endpoints the engine's table dropped to stay within its bound.
    pub dropped_endpoints: u64,
    /// Connections ended early because the flow table was full.
    pub evicted: u64,
    /// Endpoints that lost their series to another.
    pub demotions: u64,
    /// Bytes of evidence on disk.
    pub evidence_bytes: u64,
    /// Frames written to the evidence ring.
    pub evidence_packets: u64,
    /// Evidence writes that failed.
    pub evidence_errors: u64,
    /// Segments before a reset left out of the evidence: newer frames were written already.
    pub evidence_late_context: u64,
    /// Port scans and sweeps.
    pub scans: ScanMetrics,
    /// Failed starts of programs that keep failing to start, by program
    /// ([`FailingStartsTracker`]).
    pub failing_starts: Vec<FailingRow>,
    /// Unix time the agent started.
    pub started: f64,
    /// The agent's machine: its host name and its machine ID, where known
    /// ([`this_machine`](crate::host::recorded::this_machine),
    /// [`this_machine_id`](crate::host::recorded::this_machine_id)).
    pub machine: (Option<String>, Option<String>),
    /// Requests the HTTP server turned away, by why ([`crate::agent::http::Rejected`]), read
    /// at the scrape.
    pub http_rejected: [u64; 3],
    /// The agent's own process, read at the scrape (not at the update).
    pub process: Option<OwnProcess>,
}

/// The help text of the per-endpoint counters.
const RESETS_HELP: &str = "TCP resets, by service endpoint (the side that was connected to) and cause \
    (refused, handshake-reset, after-close, abort, stray)";

impl Collector for Exposition {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let endpoints: Vec<(String, &Counts)> = self
            .rows
            .iter()
            .map(|(r, _)| (endpoint_in(r.key.0, r.key.1, r.key.2), &r.counts))
            .chain(std::iter::once((OTHER.to_owned(), &self.other)))
            .collect();

        let mut m =
            encoder.encode_descriptor("rstscope_resets", RESETS_HELP, None, MetricType::Counter)?;
        for (ep, c) in &endpoints {
            for cause in Cause::ALL {
                let labels = [("endpoint", ep.as_str()), ("cause", cause.as_str())];
                ConstCounter::new(c.rst[cause.index()]).encode(m.encode_family(&labels)?)?;
            }
        }
        per_endpoint(
            &mut encoder,
            &endpoints,
            "rstscope_failed_attempts",
            "Failed TCP connection attempts (refused, reset in the handshake, or unanswered), by service endpoint",
            |c| c.failed,
        )?;
        per_endpoint(
            &mut encoder,
            &endpoints,
            "rstscope_connection_attempts",
            "TCP connection attempts (distinct SYNs), by service endpoint; endpoint=\"other\" counts every other attempt this host saw, to endpoints with incidents or without",
            |c| c.attempts,
        )?;
        per_endpoint(
            &mut encoder,
            &endpoints,
            "rstscope_suspect_injected_resets",
            "TCP resets that look injected (not acceptable, or another TTL or IP ID than the sender's), by service endpoint",
            |c| c.suspect,
        )?;

        let mut m = encoder.encode_descriptor(
            "rstscope_offender",
            "The endpoints with series of their own now: service name, the process listening now and the one that listened earlier, the process of this machine connecting with the most incidents (empty when unknown)",
            None,
            MetricType::Info,
        )?;
        for (row, info) in &self.rows {
            let ep = endpoint_in(row.key.0, row.key.1, row.key.2);
            let labels = [
                ("endpoint", ep.as_str()),
                ("service", info.service.as_str()),
                ("listener", info.listener.as_str()),
                ("former_listener", info.former_listener.as_str()),
                ("connecting", info.connecting.as_str()),
            ];
            m.encode_info(&labels)?;
        }
        let mut m = encoder.encode_descriptor(
            "rstscope_former_listener_last_seen_timestamp_seconds",
            "When the former listener of a selected endpoint was last seen listening, or (a listener gone before the agent started, named from the system journal) when its unit ended (Unix time)",
            None,
            MetricType::Gauge,
        )?;
        for (row, info) in &self.rows {
            if let Some(t) = info.former_until {
                let ep = endpoint_in(row.key.0, row.key.1, row.key.2);
                let labels = [
                    ("endpoint", ep.as_str()),
                    ("former_listener", info.former_listener.as_str()),
                ];
                ConstGauge::new(t).encode(m.encode_family(&labels)?)?;
            }
        }

        let mut m = encoder.encode_descriptor(
            "rstscope_kernel_tcp",
            "The kernel's own TCP counters, by the OS's names (Linux: AttemptFails, EstabResets, OutRsts, ListenOverflows...)",
            None,
            MetricType::Counter,
        )?;
        for (name, v) in &self.kernel {
            ConstCounter::new(*v).encode(m.encode_family(&[("counter", *name)])?)?;
        }
        counter(
            &mut encoder,
            "rstscope_packets",
            "Frames captured and analyzed",
            self.packets,
        )?;
        let mut m = encoder.encode_descriptor(
            "rstscope_dropped_packets",
            "Frames lost: by the kernel's buffer, the interface or driver, or rstscope's own queue",
            None,
            MetricType::Counter,
        )?;
        for (place, n) in ["kernel", "interface", "rstscope"].iter().zip(self.dropped) {
            ConstCounter::new(n).encode(m.encode_family(&[("where", *place)])?)?;
        }
        gauge(
            &mut encoder,
            "rstscope_interfaces_lost",
            "Interfaces whose capture is lost now: the interface went away or down (a VPN's tunnel, a container's veth); packets there are not seen until it is back, when the agent opens it again",
            i64::try_from(self.interfaces_lost).unwrap_or(i64::MAX),
        )?;
        gauge(
            &mut encoder,
            "rstscope_offenders",
            "Service endpoints with resets or failed attempts since the agent started",
            i64::try_from(self.offenders).unwrap_or(i64::MAX),
        )?;
        counter(
            &mut encoder,
            "rstscope_dropped_endpoints",
            "Service endpoints the engine dropped when its endpoint table was full, those with the fewest incidents (their counts stay in the totals and under endpoint=\"other\")",
            self.dropped_endpoints,
        )?;
        counter(
            &mut encoder,
            "rstscope_evicted_connections",
            "Connections ended early because the flow table was full",
            self.evicted,
        )?;
        counter(
            &mut encoder,
            "rstscope_series_demotions",
            "Endpoints that lost their own series to an endpoint with more recent incidents",
            self.demotions,
        )?;
        scan_metrics(&mut encoder, &self.scans)?;
        let mut m = encoder.encode_descriptor(
            "rstscope_failing_starts",
            "Runs of programs that keep failing to start on this machine (Linux, as root), by executable and kind: runs that ended within 10 s of their exec with a status other than 0 or killed by a signal, 3 or more one after another, or at once for a shared library the loader cannot find; kind=\"connects-failed\" where each run ended after a connect of its own failed and none crashed (a client refused again and again, a service giving up on its database), else kind=\"failed-start\". The first 8 programs' series seen are their own, any later one program=\"other\"",
            None,
            MetricType::Counter,
        )?;
        for row in &self.failing_starts {
            let labels = [
                ("program", row.program.as_str()),
                ("kind", row.kind.label()),
            ];
            ConstCounter::new(row.runs).encode(m.encode_family(&labels)?)?;
        }
        gauge(
            &mut encoder,
            "rstscope_evidence_bytes",
            "Bytes of failure evidence kept on disk",
            i64::try_from(self.evidence_bytes).unwrap_or(i64::MAX),
        )?;
        counter(
            &mut encoder,
            "rstscope_evidence_packets",
            "Frames written to the evidence ring",
            self.evidence_packets,
        )?;
        counter(
            &mut encoder,
            "rstscope_evidence_write_errors",
            "Evidence writes that failed (disk full, directory gone)",
            self.evidence_errors,
        )?;
        counter(
            &mut encoder,
            "rstscope_evidence_late_context",
            "Segments of a connection before its reset left out of the evidence because newer frames were written already (held back more than 10 s of packet time)",
            self.evidence_late_context,
        )?;
        let mut m = encoder.encode_descriptor(
            "rstscope_http_rejected_requests",
            "Requests the agent's HTTP server turned away: busy (503, every worker busy and the queue full), timeout (408, no whole request within 5 s of connecting), dropped (closed unanswered to make room while too many connections were sending their request)",
            None,
            MetricType::Counter,
        )?;
        for (reason, n) in crate::agent::http::Rejected::REASONS
            .into_iter()
            .zip(self.http_rejected)
        {
            ConstCounter::new(n).encode(m.encode_family(&[("reason", reason)])?)?;
        }
        gauge(
            &mut encoder,
            "rstscope_start_time_seconds",
            "When the agent started (Unix time)",
            self.started,
        )?;
        let mut m = encoder.encode_descriptor(
            "rstscope_build",
            "The agent's version",
            None,
            MetricType::Info,
        )?;
        m.encode_info(&[("version", env!("CARGO_PKG_VERSION"))])?;
        // One series per agent: joined in where two hosts of one host name must be told apart
        // and `instance` does not (a target relabelled to the host name, two sites' Prometheus
        // behind one Alertmanager). Not a label of every series: the rules' sums would drop it.
        let mut m = encoder.encode_descriptor(
            "rstscope_machine",
            "The agent's machine: its host name (machine) and its machine ID (machine_id: Linux's /etc/machine-id, Windows' MachineGuid, macOS's IOPlatformUUID; empty where unknown), which tells apart hosts of the same name",
            None,
            MetricType::Info,
        )?;
        let (name, id) = &self.machine;
        m.encode_info(&[
            ("machine", name.as_deref().unwrap_or_default()),
            ("machine_id", id.as_deref().unwrap_or_default()),
        ])?;
        if let Some(p) = &self.process {
            own_process(&mut encoder, p, self.started)?;
        }
        Ok(())
    }
}

/// The standard process metrics, named and described as the Prometheus clients' process
/// collector does, so that the dashboards and alerts written for any exporter fit.
fn own_process(
    encoder: &mut DescriptorEncoder,
    p: &OwnProcess,
    started: f64,
) -> Result<(), std::fmt::Error> {
    ConstCounter::new(p.cpu_seconds).encode(encoder.encode_descriptor(
        "process_cpu_seconds",
        "Total user and system CPU time spent in seconds.",
        None,
        MetricType::Counter,
    )?)?;
    let bytes = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    gauge(
        encoder,
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        bytes(p.resident_bytes),
    )?;
    let optional = [
        (
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            p.virtual_bytes,
        ),
        (
            "process_open_fds",
            "Number of open file descriptors.",
            p.open_fds,
        ),
        (
            "process_max_fds",
            "Maximum number of open file descriptors.",
            p.max_fds,
        ),
        (
            "process_threads",
            "Number of OS threads in the process.",
            p.threads,
        ),
    ];
    for (name, help, value) in optional {
        if let Some(v) = value {
            gauge(encoder, name, help, bytes(v))?;
        }
    }
    gauge(
        encoder,
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        started,
    )?;
    if let Some(h) = &p.heap {
        let mut m = encoder.encode_descriptor(
            "rstscope_heap_bytes",
            "The C allocator's heaps (glibc's mallinfo2): arena (taken from the system for the heaps), in_use (of it, what the agent holds), free (of it, what the agent freed and the allocator keeps; pages of it returned by a trim are not resident), mmapped (large blocks mapped on their own)",
            None,
            MetricType::Gauge,
        )?;
        for (kind, n) in [
            ("arena", h.arena),
            ("in_use", h.in_use),
            ("free", h.free),
            ("mmapped", h.mmapped),
        ] {
            ConstGauge::new(bytes(n)).encode(m.encode_family(&[("kind", kind)])?)?;
        }
        ConstCounter::new(h.trims).encode(encoder.encode_descriptor(
            "rstscope_heap_trims",
            "Times the agent returned the heaps' free pages to the system (malloc_trim)",
            None,
            MetricType::Counter,
        )?)?;
        ConstCounter::new(h.trim_seconds).encode(encoder.encode_descriptor(
            "rstscope_heap_trim_seconds",
            "Time spent returning the heaps' free pages to the system",
            None,
            MetricType::Counter,
        )?)?;
    }
    Ok(())
}

/// The scans' series: a counter by kind, the clients scanning now, and a gauge per scan for the
/// largest only (a labelled series per scanning client would let an attacker's spoofed
/// sources grow the monitoring system's series without bound).
fn scan_metrics(encoder: &mut DescriptorEncoder, s: &ScanMetrics) -> Result<(), std::fmt::Error> {
    let mut m = encoder.encode_descriptor(
        "rstscope_scans",
        "Port scans (one client probing many ports of a server) and sweeps (one client probing a port of many servers) found since the agent started, by kind",
        None,
        MetricType::Counter,
    )?;
    for (kind, n) in SCAN_KINDS.iter().zip(s.found) {
        ConstCounter::new(n).encode(m.encode_family(&[("kind", *kind)])?)?;
    }
    gauge(
        encoder,
        "rstscope_scanning_clients",
        "Distinct client addresses among the port scans and sweeps the agent's analysis holds now",
        i64::try_from(s.clients).unwrap_or(i64::MAX),
    )?;
    let mut m = encoder.encode_descriptor(
        "rstscope_scan_targets",
        "Distinct targets (ports of the server, or servers on the port) each of the largest scans has probed so far; only as many scans as endpoints get series of their own (--top)",
        None,
        MetricType::Gauge,
    )?;
    for r in &s.rows {
        // As the CSV's scans table: the address bare, a port scan's port and a sweep's server
        // empty.
        let client = r.client.to_string();
        let (server, port) = match r.kind {
            ScanKind::Ports { server } => (server.to_string(), String::new()),
            ScanKind::Sweep { port } => (String::new(), port.to_string()),
        };
        let labels = [
            ("kind", r.kind.as_str()),
            ("client", client.as_str()),
            ("server", server.as_str()),
            ("port", port.as_str()),
        ];
        ConstGauge::new(i64::try_from(r.targets).unwrap_or(i64::MAX))
            .encode(m.encode_family(&labels)?)?;
    }
    Ok(())
}

fn per_endpoint(
    encoder: &mut DescriptorEncoder,
    endpoints: &[(String, &Counts)],
    name: &str,
    help: &str,
    value: impl Fn(&Counts) -> u64,
) -> Result<(), std::fmt::Error> {
    let mut m = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (ep, c) in endpoints {
        ConstCounter::new(value(c)).encode(m.encode_family(&[("endpoint", ep.as_str())])?)?;
    }
    Ok(())
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: u64,
) -> Result<(), std::fmt::Error> {
    ConstCounter::new(v).encode(encoder.encode_descriptor(name, help, None, MetricType::Counter)?)
}

fn gauge<N>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: N,
) -> Result<(), std::fmt::Error>
where
    ConstGauge<N>: EncodeMetric,
{
    ConstGauge::new(v).encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

/// The exposition formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it is preferred (by quality,
    /// then order) to the plain text format, as Prometheus' own scrapes ask; else text.
    pub fn negotiate(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Self::Text;
        };
        let mut best: Option<(f32, Self)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match media.as_str() {
                "application/openmetrics-text" => Self::OpenMetrics,
                "text/plain" | "text/*" | "*/*" => Self::Text,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, format));
            }
        }
        best.map_or(Self::Text, |(_, f)| f)
    }

    /// The `Content-Type` of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// Renders `e` in this format.
    pub fn render(self, e: Exposition) -> String {
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(e));
        let mut out = String::new();
        let done = match self {
            Self::Text => prometheus_client::encoding::prometheus_text::encode(&mut out, &registry),
            Self::OpenMetrics => prometheus_client::encoding::text::encode(&mut out, &registry),
        };
        // Writing to a String does not fail; a label the encoder refuses would.
        if done.is_err() {
            out.push_str("# rstscope: the exposition could not be encoded\n");
        }
        out
    }
}

#[cfg(test)]
mod tests;
