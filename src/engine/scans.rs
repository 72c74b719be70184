//! Port scans and sweeps: one client's failed attempts spread over many ports of one server
//! (or over one port of many servers), found among the endpoints' tallies when a snapshot is
//! taken, so that they are told as one finding instead of hundreds of offenders. Nothing here
//! runs per packet. When the table dropped endpoints, the counts come from the per-client
//! tally kept per attempt ([`scan_tally`](crate::engine::scan_tally)), which a scan larger than the table does not
//! outgrow ([`widen`](crate::engine::scans::widen)).
//!
//! A port the client tried again and again among ports it tried once each is no target of the
//! scan ([`is_retried`](crate::engine::scans::is_retried)): on loopback every client is
//! 127.0.0.1, and a program retrying its crashed service's port must stay an offender of its
//! own, whatever scanner ran at the same time.

use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;

use super::offenders::{ServiceKey, ServiceStats};
use super::scan_tally::{self, Group, ScanTally, Tallied};
use crate::packet::Overlay;
use crate::packet::Timestamp;

/// Fewest distinct ports of one server (or servers on one port) one client must have probed
/// without completing a handshake. A client program talks to a few services of a server; a
/// scanner tries hundreds (nmap's default is its 1,000 most common ports).
pub const MIN_TARGETS: u64 = 20;
/// Most ports (or servers) of a scan that may have completed a handshake, as a share of all
/// it probed (one in five): a scan finds most ports closed or filtered, a client that works
/// with many services of a server finds them open.
pub const MAX_COMPLETED_SHARE: (u64, u64) = (1, 5);
/// Most connection attempts per port (or server) on average, as a fraction: a scanner tries a
/// port once, or twice when it got no answer; a client program retries its service again and
/// again.
pub const MAX_ATTEMPTS_PER_TARGET: (u64, u64) = (5, 2);
/// Ports (or servers) named in a scan's evidence, per way they answered.
pub const MAX_NAMED: usize = 10;
/// Fewest connection attempts that make a target *retried*, not one of the scan's: with
/// [`RETRIED_FACTOR`], see [`is_retried`].
pub const RETRIED_MIN_ATTEMPTS: u64 = 3;
/// How many times the scan's typical target's attempts a retried target has at least.
pub const RETRIED_FACTOR: u64 = 3;

/// What a scan went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanKind {
    /// Many ports of one server.
    Ports {
        /// The server.
        server: IpAddr,
    },
    /// One port of many servers.
    Sweep {
        /// The port.
        port: u16,
    },
}

impl ScanKind {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ports { .. } => "port-scan",
            Self::Sweep { .. } => "sweep",
        }
    }
}

/// Scans found since the analysis began, by kind, each counted once ([`ScanCount`]): more
/// than a snapshot's `scans` once the endpoint table dropped the endpoints of some.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScansFound {
    /// Port scans: one client, many ports of one server.
    pub port_scans: u64,
    /// Sweeps: one client, one port of many servers.
    pub sweeps: u64,
}

impl ScansFound {
    /// The count of `kind`'s scans.
    pub fn of(&self, kind: ScanKind) -> u64 {
        match kind {
            ScanKind::Ports { .. } => self.port_scans,
            ScanKind::Sweep { .. } => self.sweeps,
        }
    }

    fn add(&mut self, kind: ScanKind) {
        match kind {
            ScanKind::Ports { .. } => self.port_scans += 1,
            ScanKind::Sweep { .. } => self.sweeps += 1,
        }
    }
}

/// What makes a scan the same one from one finding to the next: its kind with its server (a
/// port scan) or port (a sweep), its client, and its targets' overlay network (two tenants'
/// machines numbered alike are other machines, as [`find`] groups them). It grows, but stays
/// one scan.
pub type ScanId = (ScanKind, IpAddr, Overlay);

/// Scans remembered as counted, the oldest forgotten first: one found again after it was
/// forgotten is counted again. Far more than are ever found at once (a scan has at least
/// [`MIN_TARGETS`] of the endpoint table's 10,000 endpoints, or is one of the tally's 32
/// groups), so a scan the analysis still holds is never counted twice; under 400 KB.
pub const REMEMBERED: usize = 4096;

/// The scans counted so far, and which (the last [`REMEMBERED`]): what
/// [`ScansFound`] is made of. Scans are found among the endpoints when a snapshot is taken, but
/// the table drops endpoints past its bound, and a scan can stop being one (a scanner going
/// over the same ports a third time has more attempts per port than a scan has): so the
/// scans found are also noted here before the table drops endpoints, and once a minute of
/// packet time ([`Services`](crate::engine::offenders::Services) and the engine do), and a
/// scan is counted the first time it is noted or a snapshot holds it.
#[derive(Debug, Default)]
pub struct ScanCount {
    seen: HashSet<ScanId>,
    order: VecDeque<ScanId>,
    counted: ScansFound,
}

impl ScanCount {
    /// Counts the scans of `found` not counted yet.
    pub fn note(&mut self, found: &[Found]) {
        for f in found {
            let id = (f.scan.kind, f.scan.client, f.scan.lowest.2);
            if self.seen.insert(id) {
                self.counted.add(id.0);
                self.order.push_back(id);
                if self.order.len() > REMEMBERED
                    && let Some(old) = self.order.pop_front()
                {
                    self.seen.remove(&old);
                }
            }
        }
    }

    /// The scans counted, with those of `now` (a snapshot's) not counted yet.
    pub fn with<'a>(&self, now: impl Iterator<Item = &'a Scan>) -> ScansFound {
        let mut found = self.counted;
        let mut new = HashSet::new();
        for s in now {
            let id = (s.kind, s.client, s.lowest.2);
            if !self.seen.contains(&id) && new.insert(id) {
                found.add(s.kind);
            }
        }
        found
    }
}

/// One client's probes of many ports (or servers), with how each was answered. Counts are
/// per target (a port, or a server in a sweep), each counted once by the best answer it gave:
/// a completed handshake, then a SYN-ACK, then a refusal, then silence.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// What it went over.
    pub kind: ScanKind,
    /// The client that probed.
    pub client: IpAddr,
    /// Distinct targets probed: ports, or servers in a sweep.
    pub targets: u64,
    /// Endpoints were dropped from the table (more than it keeps were seen): the scan may
    /// have probed more targets than counted.
    pub targets_at_least: bool,
    /// The lowest and highest target (as endpoints).
    pub lowest: ServiceKey,
    /// See `lowest`.
    pub highest: ServiceKey,
    /// Connection attempts to the targets, and how many failed.
    pub attempts: u64,
    /// See `attempts`.
    pub failed_attempts: u64,
    /// Targets where the client completed a handshake (a connect scan's open ports).
    pub completed: u64,
    /// Targets that answered with a SYN-ACK the client never acknowledged (a half-open SYN
    /// scan's open ports).
    pub half_open: u64,
    /// Of those, the targets where a reset followed the SYN-ACK and the client sent resets
    /// (the scanner's own reset of a half-open connection).
    pub reset_by_client: u64,
    /// Targets that refused (closed ports).
    pub refused: u64,
    /// Targets that never answered (filtered, or hosts that are down).
    pub unanswered: u64,
    /// Of `unanswered`, the targets whose probes were all still waiting when the capture
    /// ended, their last SYN less than 10 s before it: too soon to tell filtered from slow
    /// (as an endpoint's [`Offender::cut_off_attempts`](crate::engine::Offender::cut_off_attempts)).
    pub unanswered_at_end: u64,
    /// Targets reset before any answer (the client gave up its SYN).
    pub other: u64,
    /// The first targets (lowest first) that answered: completed, then half-open.
    pub open_named: Vec<ServiceKey>,
    /// The first targets (lowest first) that refused.
    pub refused_named: Vec<ServiceKey>,
    /// Every target that answered (lowest first), of the endpoint table: what tells a
    /// target's row in the app open from one refused or left unanswered past the first
    /// [`MAX_NAMED`]. A scan has at most one open target in five ([`MAX_COMPLETED_SHARE`]
    /// counts those completed; a SYN scan's half-open ones are as few where most ports are
    /// closed). Empty for a scan only the tally found. Each with the first and last second it
    /// answered in ([`ServiceStats::answered`]), which tell a time range whether it answered
    /// there (`None`: not known).
    pub open_targets: Vec<(ServiceKey, Option<(i64, i64)>)>,
    /// First and last failed attempt or reset among the targets.
    pub first_seen: Option<Timestamp>,
    /// See `first_seen`.
    pub last_seen: Option<Timestamp>,
    /// Where nothing was captured for a while between `first_seen` and `last_seen` (files far
    /// apart in time, a file with long gaps): the seconds captured between them, which
    /// [`Scan::rate`] is over, so that its rate is not read as over the span from one to the
    /// other. Set outside the engine, which does not know the files (as
    /// [`Offender::avg_over`](crate::engine::Offender::avg_over)).
    pub rate_over: Option<i64>,
    /// Connection attempts of the typical target (the median; 0 when not known: a scan only
    /// the tally found).
    pub typical_attempts: u64,
    /// Endpoints of the same client and server (or port) that the client tried again and
    /// again, unlike the targets ([`is_retried`]): not counted in the scan, each an offender of
    /// its own. Those with the most attempts first, at most [`MAX_NAMED`], with their attempts.
    pub retried_named: Vec<(ServiceKey, u64)>,
    /// How many such endpoints there are.
    pub retried: u64,
    /// Of `targets`, those the endpoint table did not keep as the scan's (it drops the
    /// endpoints with the fewest incidents past its bound, a scan's ports first): counted by
    /// the per-client tally, which sees every SYN, but no rows of the scan's, so the app's row,
    /// its series and the offenders count only `targets - not_kept`. 0 when the table holds
    /// them all.
    pub not_kept: u64,
}

impl Scan {
    /// Targets answered with a SYN-ACK (open ports): completed or half-open.
    pub fn open(&self) -> u64 {
        self.completed + self.half_open
    }

    /// The seconds from the first to the last incident, both counted.
    pub fn span_secs(&self) -> i64 {
        match (self.first_seen, self.last_seen) {
            (Some(f), Some(l)) => (l.second() - f.second() + 1).max(1),
            _ => 1,
        }
    }

    /// The seconds [`Scan::rate`] is over: those of its span, or the seconds captured in it
    /// where nothing was for a while ([`Scan::rate_over`]).
    pub fn rate_seconds(&self) -> i64 {
        self.rate_over.unwrap_or_else(|| self.span_secs()).max(1)
    }

    /// Targets per second over that span, or the seconds captured in it (0 when no incident
    /// gave it a time: every target still pending, or answered and left half-open).
    pub fn rate(&self) -> f64 {
        if self.first_seen.is_none() {
            return 0.0;
        }
        self.targets as f64 / self.rate_seconds() as f64
    }

    /// The client completed no handshake, yet targets answered: a half-open (SYN) scan.
    pub fn is_half_open(&self) -> bool {
        self.completed == 0 && self.half_open > 0
    }

    /// The same scan with nothing counted yet: what it is (its kind, client and overlay
    /// network, its lowest and highest target, whether endpoints were dropped, its typical
    /// attempts and its open targets) kept, its targets, attempts, answers, names, times and
    /// retried endpoints zeroed, to be counted again over part of what was seen (a time
    /// range: the app's row). The engine's `empty` is the one place that says what zero is.
    /// Counted over the endpoints the table kept, its targets are at least those where the
    /// table did not keep them all ([`Scan::not_kept`]): which of those the range held is not
    /// known.
    #[must_use]
    pub fn uncounted(&self) -> Self {
        Self {
            targets_at_least: self.targets_at_least || self.not_kept > 0,
            lowest: self.lowest,
            highest: self.highest,
            open_targets: self.open_targets.clone(),
            typical_attempts: self.typical_attempts,
            ..empty(self.kind, self.client, self.lowest.2)
        }
    }
}

/// How one target answered the client (the best answer it gave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Completed,
    HalfOpen,
    Refused,
    Unanswered,
    /// Unanswered, every such attempt cut off by the capture's end.
    UnansweredAtEnd,
    Other,
    /// Attempts still pending (a live capture): counted as targets, not as answers.
    Pending,
}

fn answer(s: &ServiceStats) -> Answer {
    if s.completed > 0 {
        Answer::Completed
    } else if s.synack_reset + s.synack_left > 0 {
        Answer::HalfOpen
    } else if s.failed_refused > 0 {
        Answer::Refused
    } else if s.failed_unanswered > 0 {
        let cut_off: u64 = s.cut_off.iter().map(|c| c.attempts).sum();
        if cut_off >= s.failed_unanswered {
            Answer::UnansweredAtEnd
        } else {
            Answer::Unanswered
        }
    } else if s.failed_reset > 0 {
        Answer::Other
    } else {
        Answer::Pending
    }
}

/// One client's targets: endpoints, each with its tallies.
type Targets<'a> = Vec<(ServiceKey, &'a ServiceStats)>;

/// A scan found, with the endpoints it is made of (in endpoint order) and those of the same
/// client it left out as retried ([`is_retried`]), all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The scan.
    pub scan: Scan,
    /// Its targets.
    pub targets: Vec<ServiceKey>,
    /// The endpoints left out.
    pub retried: Vec<ServiceKey>,
}

/// Whether a target with `attempts` connection attempts is no target of a scan whose typical
/// target (the median) had `typical`: it had at least [`RETRIED_MIN_ATTEMPTS`] and at least
/// [`RETRIED_FACTOR`] times `typical`. A scanner tries each port once, or twice when it got no
/// answer (nmap retries a port that stays silent only as often as it had to elsewhere); it
/// never asks a port that answered again, unless it goes over all its ports again, and then
/// the typical target has as many attempts. A program whose service is down retries it again
/// and again (the story's reporter: twice a second). So a scanner whose client address is the
/// program's (on loopback, 127.0.0.1 both) no longer swallows the program's failures: they
/// stay an offender of their own with their own diagnosis, as Zeek's scan detection, which
/// counts distinct ports, would never have counted them more than once either.
pub fn is_retried(attempts: u64, typical: u64) -> bool {
    attempts >= RETRIED_MIN_ATTEMPTS && attempts >= typical.saturating_mul(RETRIED_FACTOR)
}

/// The scans among `endpoints` (those of which every attempt and incident came from one
/// client), largest first. A target counts once per client: an endpoint that is part of a
/// port scan is not counted again in a sweep. `dropped` says whether endpoints were dropped
/// from the table (counts are then at least).
pub fn find<'a>(
    endpoints: impl Iterator<Item = (&'a ServiceKey, &'a ServiceStats)>,
    dropped: bool,
) -> Vec<Found> {
    // foldhash, as the endpoint table: SipHash took most of the time finding scans among
    // 10,000 endpoints, done at each snapshot and before the table drops endpoints.
    // By overlay network too: two tenants' machines numbered alike are other machines, and
    // one port of a thousand tenants' servers is no scan of a thousand ports.
    let mut by_server: foldhash::HashMap<(IpAddr, IpAddr, Overlay), Targets<'a>> =
        Default::default();
    for (key, s) in endpoints {
        if s.attempts > 0
            && let Some(c) = s.sole_client()
        {
            by_server
                .entry((c, key.0, key.2))
                .or_default()
                .push((*key, s));
        }
    }
    let mut scans = Vec::new();
    let mut by_port: foldhash::HashMap<(IpAddr, u16, Overlay), Targets<'a>> = Default::default();
    for ((client, server, _), targets) in by_server {
        // Not a port scan, or a port retried apart from one: its ports may still be part of
        // a sweep.
        let rest = match judge(ScanKind::Ports { server }, client, targets, dropped) {
            Ok((found, retried)) => {
                scans.push(found);
                retried
            }
            Err(targets) => targets,
        };
        for (key, s) in rest {
            by_port
                .entry((client, key.1, key.2))
                .or_default()
                .push((key, s));
        }
    }
    for ((client, port, _), targets) in by_port {
        if let Ok((found, _)) = judge(ScanKind::Sweep { port }, client, targets, dropped) {
            scans.push(found);
        }
    }
    sort(&mut scans);
    scans
}

/// Largest first; then by client and target (deterministic whatever the maps' order).
fn sort(scans: &mut [Found]) {
    scans.sort_by(|Found { scan: a, .. }, Found { scan: b, .. }| {
        b.targets
            .cmp(&a.targets)
            .then_with(|| (a.client, a.lowest).cmp(&(b.client, b.lowest)))
    });
}

/// The scans of `found` (from the endpoint table, which dropped endpoints) as `tally` counts
/// them, when it holds more of their targets: a scan larger than the table lost most of its
/// ports to it (one failure each, they go first), but not to the tally. A scan of which the
/// table kept too few targets to find it is added, with no endpoints of its own. A sweep's
/// servers that a port scan of the same client counts (on that port) are left out of the
/// sweep, as [`find`] does.
///
/// The endpoints a scan of the table left out as retried (`stats` gives their counts)
/// are left out of the tally's scan too: its targets and range, their attempts and failures.
/// The tally keeps one first and last failure per group: where one of theirs may be it, the
/// table's scan's is taken instead (its targets' own, later than the scan's start when the
/// table dropped the earliest of them).
pub fn widen<'a>(
    found: &mut Vec<Found>,
    tally: &ScanTally,
    stats: impl Fn(&ServiceKey) -> Option<&'a ServiceStats>,
) {
    // The tally's groups are in one overlay network each, as the table's scans (their
    // targets' network).
    let retried: HashSet<(ScanKind, IpAddr, ServiceKey)> = found
        .iter()
        .flat_map(|f| (f.retried.iter()).map(|k| (f.scan.kind, f.scan.client, *k)))
        .collect();
    let is_retried = |g: Group, (addr, port): (IpAddr, u16)| {
        let (kind, client) = kind_of(g);
        !retried.is_empty() && retried.contains(&(kind, client, (addr, port, g.overlay())))
    };
    // What the table's retried endpoints of a scan counted.
    let counts = |f: &Found| {
        let mut less = LeftOut::default();
        for s in f.retried.iter().filter_map(&stats) {
            less.attempts += s.attempts;
            less.failed += s.failed_attempts();
            less.first_seen = min_some(less.first_seen, s.first_seen);
            less.last_seen = less.last_seen.max(s.last_seen);
        }
        less
    };
    for t in tally.summaries(MIN_TARGETS, is_retried, MAX_NAMED) {
        if matches!(t.group, Group::Ports { .. }) {
            merge(found, &t, counts);
        }
    }
    let mut scanned_servers = HashSet::new();
    let mut scanned: foldhash::HashSet<(IpAddr, ServiceKey)> = Default::default();
    for f in found.iter() {
        if let ScanKind::Ports { server } = f.scan.kind {
            scanned_servers.insert((f.scan.client, server, f.scan.lowest.2));
            scanned.extend(f.targets.iter().map(|k| (f.scan.client, *k)));
        }
    }
    let excluded = |g: Group, (server, _): (IpAddr, u16)| match g {
        Group::Hosts {
            client,
            port,
            overlay,
        } => {
            let key = (server, port);
            let ports = Group::Ports {
                client,
                server,
                overlay,
            };
            is_retried(g, key)
                || (scanned_servers.contains(&(client, server, overlay))
                    && (scanned.contains(&(client, (server, port, overlay)))
                        || (tally.probed(ports, port) && !is_retried(ports, key))))
        }
        Group::Ports { .. } => false,
    };
    for t in tally.summaries(MIN_TARGETS, excluded, MAX_NAMED) {
        if matches!(t.group, Group::Hosts { .. }) {
            merge(found, &t, |f| {
                // The servers left out that a port scan counts had one attempt at least.
                let mut less = counts(f);
                less.attempts += t.excluded.saturating_sub(f.retried.len() as u64);
                less
            });
        }
    }
    sort(found);
}

/// What the targets a tallied group left out counted: to take from its totals.
#[derive(Debug, Default)]
struct LeftOut {
    attempts: u64,
    failed: u64,
    /// Their first and last incident.
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
}

/// Puts the tally's counts of `t` in place of the table's, when they make a scan with more
/// targets; adds the scan when the table did not find it. `left_out` says what the targets
/// the tally left out counted, given the table's scan (or an empty one).
fn merge(found: &mut Vec<Found>, t: &Tallied, left_out: impl Fn(&Found) -> LeftOut) {
    let (kind, client) = kind_of(t.group);
    let overlay = t.group.overlay();
    let at = (found.iter())
        .position(|f| f.scan.kind == kind && f.scan.client == client && f.scan.lowest.2 == overlay);
    let none = Found {
        scan: empty(kind, client, overlay),
        targets: Vec::new(),
        retried: Vec::new(),
    };
    let less = left_out(at.map_or(&none, |i| &found[i]));
    let Some(mut scan) = from_tally(t, &less) else {
        return;
    };
    match at {
        Some(i) if scan.targets >= found[i].scan.targets => {
            let table = &found[i].scan;
            // The tally's first or last failure may be a retried endpoint's.
            if less
                .first_seen
                .is_some_and(|f| scan.first_seen.is_none_or(|s| f <= s))
            {
                scan.first_seen = table.first_seen;
            }
            if less
                .last_seen
                .is_some_and(|l| scan.last_seen.is_none_or(|s| l >= s))
            {
                scan.last_seen = table.last_seen;
            }
            scan.typical_attempts = table.typical_attempts;
            scan.retried_named = table.retried_named.clone();
            scan.open_targets = table.open_targets.clone();
            scan.retried = table.retried;
            scan.not_kept = scan.targets.saturating_sub(found[i].targets.len() as u64);
            found[i].scan = scan;
        }
        Some(_) => {}
        None => found.push(Found {
            scan: Scan {
                not_kept: scan.targets,
                ..scan
            },
            targets: Vec::new(),
            retried: Vec::new(),
        }),
    }
}

/// What a tallied group goes over, and whose it is.
fn kind_of(g: Group) -> (ScanKind, IpAddr) {
    match g {
        Group::Ports { client, server, .. } => (ScanKind::Ports { server }, client),
        Group::Hosts { client, port, .. } => (ScanKind::Sweep { port }, client),
    }
}

/// The scan a tallied group makes, if it looks like one (the rules of [`judge`]), without what
/// `less` counted.
fn from_tally(t: &Tallied, less: &LeftOut) -> Option<Scan> {
    let (kind, client) = kind_of(t.group);
    let overlay = t.group.overlay();
    let key = |target: u16| -> Option<ServiceKey> {
        match kind {
            ScanKind::Ports { server } => Some((server, target, overlay)),
            ScanKind::Sweep { port } => Some((t.server(target)?, port, overlay)),
        }
    };
    let keys = |targets: &[u16]| targets.iter().filter_map(|&x| key(x)).collect();
    let attempts = t.attempts.saturating_sub(less.attempts);
    use scan_tally::Answer as Best;
    let completed = t.answered(Best::Completed);
    if !is_scan(t.targets, completed, attempts) {
        return None;
    }
    Some(Scan {
        targets: t.targets,
        targets_at_least: !t.complete,
        lowest: key(t.lowest)?,
        highest: key(t.highest)?,
        attempts,
        failed_attempts: t.failed.saturating_sub(less.failed).min(attempts),
        completed,
        half_open: t.answered(Best::HalfOpen) + t.answered(Best::ResetByClient),
        reset_by_client: t.answered(Best::ResetByClient),
        refused: t.answered(Best::Refused),
        unanswered: t.answered(Best::Unanswered) + t.answered(Best::UnansweredAtEnd),
        unanswered_at_end: t.answered(Best::UnansweredAtEnd),
        other: t.answered(Best::Other),
        open_named: keys(&t.open_named),
        refused_named: keys(&t.refused_named),
        first_seen: t.first_seen,
        last_seen: t.last_seen,
        ..empty(kind, client, overlay)
    })
}

/// [`empty`], for tests elsewhere in the engine.
#[cfg(test)]
pub(crate) fn tests_scan(kind: ScanKind, client: IpAddr) -> Scan {
    empty(kind, client, Overlay::NONE)
}

/// A scan of `client` over `kind` with nothing counted yet.
fn empty(kind: ScanKind, client: IpAddr, overlay: Overlay) -> Scan {
    let nowhere = (client, 0, overlay);
    Scan {
        kind,
        client,
        targets: 0,
        targets_at_least: false,
        lowest: nowhere,
        highest: nowhere,
        attempts: 0,
        failed_attempts: 0,
        completed: 0,
        half_open: 0,
        reset_by_client: 0,
        refused: 0,
        unanswered: 0,
        unanswered_at_end: 0,
        other: 0,
        open_named: Vec::new(),
        refused_named: Vec::new(),
        open_targets: Vec::new(),
        first_seen: None,
        last_seen: None,
        rate_over: None,
        typical_attempts: 0,
        retried_named: Vec::new(),
        retried: 0,
        not_kept: 0,
    }
}

/// The rules a client's targets must meet to be a scan (README, Definitions): `n` targets,
/// `completed` of them with a completed handshake, `attempts` connection attempts to them.
fn is_scan(n: u64, completed: u64, attempts: u64) -> bool {
    let (c_num, c_den) = MAX_COMPLETED_SHARE;
    let (a_num, a_den) = MAX_ATTEMPTS_PER_TARGET;
    n.saturating_sub(completed) >= MIN_TARGETS
        && completed * c_den <= n * c_num
        && attempts * a_den <= n * a_num
}

/// The scan `targets` make, with the targets it left out as retried ([`is_retried`]), or the
/// targets back when they do not look like one.
fn judge<'a>(
    kind: ScanKind,
    client: IpAddr,
    mut targets: Targets<'a>,
    dropped: bool,
) -> Result<(Found, Targets<'a>), Targets<'a>> {
    if (targets.len() as u64) < MIN_TARGETS {
        return Err(targets);
    }
    let typical = typical_attempts(&targets);
    let (mut retried, kept): (Targets<'a>, Targets<'a>) = targets
        .iter()
        .copied()
        .partition(|(_, s)| is_retried(s.attempts, typical));
    let n = kept.len() as u64;
    if n < MIN_TARGETS {
        return Err(targets);
    }
    targets = kept;
    targets.sort_unstable_by_key(|(k, _)| *k);
    let (lowest, highest) = (targets[0].0, targets[targets.len() - 1].0);
    let mut scan = Scan {
        targets: n,
        targets_at_least: dropped,
        lowest,
        highest,
        typical_attempts: typical,
        retried: retried.len() as u64,
        ..empty(kind, client, lowest.2)
    };
    let mut half_open_named = Vec::new();
    for &(key, s) in &targets {
        scan.attempts += s.attempts;
        scan.failed_attempts += s.failed_attempts();
        scan.first_seen = min_some(scan.first_seen, s.first_seen);
        scan.last_seen = scan.last_seen.max(s.last_seen);
        match answer(s) {
            Answer::Completed => {
                scan.completed += 1;
                push_named(&mut scan.open_named, key);
                scan.open_targets.push((key, s.answered));
            }
            Answer::HalfOpen => {
                scan.half_open += 1;
                scan.open_targets.push((key, s.answered));
                if s.synack_reset > 0 && s.rst_from_client > 0 {
                    scan.reset_by_client += 1;
                }
                push_named(&mut half_open_named, key);
            }
            Answer::Refused => {
                scan.refused += 1;
                push_named(&mut scan.refused_named, key);
            }
            Answer::Unanswered => scan.unanswered += 1,
            Answer::UnansweredAtEnd => {
                scan.unanswered += 1;
                scan.unanswered_at_end += 1;
            }
            Answer::Other => scan.other += 1,
            Answer::Pending => {}
        }
    }
    for key in half_open_named {
        push_named(&mut scan.open_named, key);
    }
    if !is_scan(n, scan.completed, scan.attempts) {
        targets.append(&mut retried);
        return Err(targets);
    }
    // The most retried first, then by endpoint.
    retried.sort_unstable_by_key(|(k, s)| (std::cmp::Reverse(s.attempts), *k));
    scan.retried_named = retried
        .iter()
        .take(MAX_NAMED)
        .map(|(k, s)| (*k, s.attempts))
        .collect();
    let found = Found {
        scan,
        targets: targets.into_iter().map(|(k, _)| k).collect(),
        retried: retried.iter().map(|(k, _)| *k).collect(),
    };
    Ok((found, retried))
}

/// The connection attempts of the typical target: the median (the lower of two).
fn typical_attempts(targets: &Targets<'_>) -> u64 {
    let mut attempts: Vec<u64> = targets.iter().map(|(_, s)| s.attempts).collect();
    let mid = (attempts.len().saturating_sub(1)) / 2;
    match attempts.get(mid) {
        Some(_) => *attempts.select_nth_unstable(mid).1,
        None => 0,
    }
}

fn push_named(named: &mut Vec<ServiceKey>, key: ServiceKey) {
    if named.len() < MAX_NAMED {
        named.push(key);
    }
}

fn min_some(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use crate::packet::Overlay;
    const NONE: Overlay = Overlay::NONE;
    use super::*;
    use crate::engine::offenders::Usage;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    /// An endpoint that `client` tried `attempts` times, refused each time, at second `sec`.
    fn refused(client: IpAddr, attempts: u64, sec: i64) -> ServiceStats {
        let mut s = ServiceStats::default();
        for _ in 0..attempts {
            s.attempt_from(client);
            s.failed_refused += 1;
            s.incident(Timestamp::from_parts(sec, 0), client, &mut Usage::default());
        }
        s
    }

    fn scans_of(endpoints: &[(ServiceKey, ServiceStats)]) -> Vec<(Scan, Vec<ServiceKey>)> {
        find(endpoints.iter().map(|(k, s)| (k, s)), false)
            .into_iter()
            .map(|f| (f.scan, f.targets))
            .collect()
    }

    /// Regression: one port of many tenants' servers numbered alike (each in its own overlay
    /// network, tried once by its own client numbered alike) was told as a port scan of that
    /// one port, "7211, 7211, 7211, ...", its targets left out of the offenders; and the
    /// same in several networks is no sweep either.
    #[test]
    fn one_endpoint_in_many_overlay_networks_is_no_scan() {
        use crate::packet::OverlayKind;
        let c = ip("10.0.0.1");
        let tenants = |server: &str| -> Vec<_> {
            (1..=500u32)
                .map(|vni| {
                    (
                        (ip(server), 7211, Overlay::of(OverlayKind::Vxlan, vni)),
                        refused(c, 1, 100),
                    )
                })
                .collect()
        };
        assert!(scans_of(&tenants("10.0.0.2")).is_empty());
        // Many ports of one tenant's server still are one.
        let ports: Vec<_> = (1..=25u16)
            .map(|p| {
                (
                    (ip("10.0.0.2"), p, Overlay::of(OverlayKind::Vxlan, 42)),
                    refused(c, 1, 100),
                )
            })
            .collect();
        let found = scans_of(&[tenants("10.0.0.3"), ports].concat());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.targets, 25);
    }

    #[test]
    fn one_port_of_many_hosts_is_a_sweep() {
        let c = ip("10.0.0.9");
        let endpoints: Vec<_> = (1..=25u8)
            .map(|h| {
                (
                    (IpAddr::from([192, 168, 1, h]), 22, NONE),
                    refused(c, 1, 100),
                )
            })
            .collect();
        let found = scans_of(&endpoints);
        assert_eq!(found.len(), 1);
        let (scan, targets) = &found[0];
        assert_eq!(scan.kind, ScanKind::Sweep { port: 22 });
        assert_eq!((scan.targets, scan.refused), (25, 25));
        assert_eq!(scan.lowest, (ip("192.168.1.1"), 22, NONE));
        assert_eq!(scan.highest, (ip("192.168.1.25"), 22, NONE));
        assert_eq!(targets.len(), 25);
    }

    /// Each target is counted once: a scan of many ports on several hosts is a port scan per
    /// host, not also a sweep per port.
    #[test]
    fn a_target_of_a_port_scan_is_not_counted_again_in_a_sweep() {
        let c = ip("10.0.0.9");
        let mut endpoints = Vec::new();
        for h in 1..=21u8 {
            for port in 1..=20u16 {
                endpoints.push((
                    (IpAddr::from([192, 168, 1, h]), port, NONE),
                    refused(c, 1, 100),
                ));
            }
        }
        let found = scans_of(&endpoints);
        assert_eq!(found.len(), 21);
        assert!(
            found
                .iter()
                .all(|(s, _)| matches!(s.kind, ScanKind::Ports { .. }) && s.targets == 20)
        );
    }

    /// A port another client also tried is not the scanner's alone: its counts cannot be told
    /// apart, so it is left out of the scan (and keeps its own place among the offenders).
    #[test]
    fn a_port_other_clients_use_is_not_a_target() {
        let (c, d) = (ip("10.0.0.9"), ip("10.0.0.10"));
        let server = ip("192.168.1.1");
        let mut endpoints: Vec<_> = (1..=20u16)
            .map(|p| ((server, p, NONE), refused(c, 1, 100)))
            .collect();
        assert_eq!(scans_of(&endpoints).len(), 1);
        endpoints[0].1.attempt_from(d);
        assert!(scans_of(&endpoints).is_empty(), "19 ports left");
        // A client seen only in an incident (a reset) counts as much as one that connected.
        endpoints[0].1 = refused(c, 1, 100);
        endpoints[1]
            .1
            .incident(Timestamp::from_parts(101, 0), d, &mut Usage::default());
        assert!(scans_of(&endpoints).is_empty());
    }

    /// The thresholds, at their edges: 20 ports probed without a connection; at most one in
    /// five connected; at most 2.5 attempts a port.
    #[test]
    fn the_rule_holds_at_its_thresholds() {
        let c = ip("10.0.0.9");
        let server = ip("192.168.1.1");
        let ports = |n: u16, attempts: u64| -> Vec<(ServiceKey, ServiceStats)> {
            (1..=n)
                .map(|p| ((server, p, NONE), refused(c, attempts, 100)))
                .collect()
        };
        assert_eq!(scans_of(&ports(20, 1)).len(), 1);
        assert!(scans_of(&ports(19, 1)).is_empty());

        // 25 ports, 5 of them connected: a scan; 6 connected (and 20 not): no longer.
        let mut e = ports(25, 1);
        for (_, s) in e.iter_mut().take(5) {
            s.completed = 1;
        }
        assert_eq!(scans_of(&e).len(), 1);
        let mut e = ports(26, 1);
        for (_, s) in e.iter_mut().take(6) {
            s.completed = 1;
        }
        assert!(scans_of(&e).is_empty());

        // 20 ports, 50 attempts: a scan; 51: a client retrying its services.
        let mut e = ports(20, 2);
        for (_, s) in e.iter_mut().take(10) {
            s.attempt_from(c);
        }
        assert_eq!(scans_of(&e).len(), 1);
        e[10].1.attempt_from(c);
        assert!(scans_of(&e).is_empty());
    }

    /// A port tried at least 3 times, and 3 times as often as the scan's typical port, is not
    /// one of its targets (on loopback, a program retrying its service while something scans):
    /// the scan is counted without it, and it is listed as left out.
    #[test]
    fn a_port_retried_far_more_than_the_scan_tried_its_ports_is_not_a_target() {
        let c = ip("127.0.0.1");
        let ports = |n: u16, attempts: u64| -> Vec<(ServiceKey, ServiceStats)> {
            (7500..7500 + n)
                .map(|p| ((c, p, NONE), refused(c, attempts, 100)))
                .collect()
        };
        let with = |mut e: Vec<(ServiceKey, ServiceStats)>, attempts: u64| {
            e.push(((c, 7211, NONE), refused(c, attempts, 100)));
            e
        };
        let found = find(with(ports(20, 1), 3).iter().map(|(k, s)| (k, s)), false);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(
            (f.scan.targets, f.scan.lowest.1, f.scan.attempts),
            (20, 7500, 20)
        );
        assert_eq!(f.scan.typical_attempts, 1);
        assert_eq!(
            (f.scan.retried, &f.scan.retried_named[..]),
            (1, &[((c, 7211, NONE), 3)][..])
        );
        assert_eq!(f.retried, [(c, 7211, NONE)]);
        assert!(!f.targets.contains(&(c, 7211, NONE)));

        // Twice where the others had one: a scanner's retry of a silent port; a target.
        let found = scans_of(&with(ports(20, 1), 2));
        assert_eq!((found[0].0.targets, found[0].0.lowest.1), (21, 7211));
        assert_eq!(found[0].0.retried, 0);
        // A scan that tried every port twice: 5 attempts are no more than a retry; 6 are.
        assert_eq!(scans_of(&with(ports(20, 2), 5))[0].0.targets, 21);
        let found = scans_of(&with(ports(20, 2), 6));
        assert_eq!((found[0].0.targets, found[0].0.typical_attempts), (20, 2));

        // Without it too few ports are left for a scan: each is an offender of its own.
        assert!(scans_of(&with(ports(19, 1), 6)).is_empty());
    }

    #[test]
    fn counts_are_at_least_when_endpoints_were_dropped() {
        let c = ip("10.0.0.9");
        let endpoints: Vec<_> = (1..=20u16)
            .map(|p| ((ip("192.168.1.1"), p, NONE), refused(c, 1, 100)))
            .collect();
        let found = find(endpoints.iter().map(|(k, s)| (k, s)), true);
        assert!(found[0].scan.targets_at_least);
    }
}
