//! Port scans and sweeps: one client's failed attempts spread over many ports of one server
//! (or over one port of many servers), found among the endpoints' tallies when a snapshot is
//! taken, so that they are told as one finding instead of hundreds of offenders. Nothing here
//! runs per packet. When the table dropped endpoints, the counts come from the per-client
//! tally kept per attempt ([`scan_tally`](crate::engine::scan_tally)), which a scan larger than the table does not
//! outgrow ([`widen`](crate::engine::scans::widen)).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::offenders::{ServiceKey, ServiceStats};
use super::scan_tally::{self, Group, ScanTally, Tallied};
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
    /// Targets reset before any answer (the client gave up its SYN).
    pub other: u64,
    /// The first targets (lowest first) that answered: completed, then half-open.
    pub open_named: Vec<ServiceKey>,
    /// The first targets (lowest first) that refused.
    pub refused_named: Vec<ServiceKey>,
    /// First and last failed attempt or reset among the targets.
    pub first_seen: Option<Timestamp>,
    /// See `first_seen`.
    pub last_seen: Option<Timestamp>,
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

    /// Targets per second over that span (0 when no incident gave it a time: every target
    /// still pending, or answered and left half-open).
    pub fn rate(&self) -> f64 {
        if self.first_seen.is_none() {
            return 0.0;
        }
        self.targets as f64 / self.span_secs() as f64
    }

    /// The client completed no handshake, yet targets answered: a half-open (SYN) scan.
    pub fn is_half_open(&self) -> bool {
        self.completed == 0 && self.half_open > 0
    }
}

/// How one target answered the client (the best answer it gave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Completed,
    HalfOpen,
    Refused,
    Unanswered,
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
        Answer::Unanswered
    } else if s.failed_reset > 0 {
        Answer::Other
    } else {
        Answer::Pending
    }
}

/// One client's targets: endpoints, each with its tallies.
type Targets<'a> = Vec<(ServiceKey, &'a ServiceStats)>;

/// The scans among `endpoints` (those of which every attempt and incident came from one
/// client), largest first, each with the endpoints it is made of. A target counts once per
/// client: an endpoint that is part of a port scan is not counted again in a sweep.
/// `dropped` says whether endpoints were dropped from the table (counts are then at least).
pub fn find<'a>(
    endpoints: impl Iterator<Item = (&'a ServiceKey, &'a ServiceStats)>,
    dropped: bool,
) -> Vec<(Scan, Vec<ServiceKey>)> {
    let mut by_server: HashMap<(IpAddr, IpAddr), Targets<'a>> = HashMap::new();
    for (key, s) in endpoints {
        if s.attempts > 0
            && let Some(c) = s.sole_client()
        {
            by_server.entry((c, key.0)).or_default().push((*key, s));
        }
    }
    let mut scans = Vec::new();
    let mut by_port: HashMap<(IpAddr, u16), Targets<'a>> = HashMap::new();
    for ((client, server), targets) in by_server {
        match judge(ScanKind::Ports { server }, client, targets, dropped) {
            Ok(found) => scans.push(found),
            // Not a port scan: its ports may still be part of a sweep.
            Err(targets) => {
                for (key, s) in targets {
                    by_port.entry((client, key.1)).or_default().push((key, s));
                }
            }
        }
    }
    for ((client, port), targets) in by_port {
        if let Ok(found) = judge(ScanKind::Sweep { port }, client, targets, dropped) {
            scans.push(found);
        }
    }
    sort(&mut scans);
    scans
}

/// Largest first; then by client and target (deterministic whatever the maps' order).
fn sort(scans: &mut [(Scan, Vec<ServiceKey>)]) {
    scans.sort_by(|(a, _), (b, _)| {
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
pub fn widen(found: &mut Vec<(Scan, Vec<ServiceKey>)>, tally: &ScanTally) {
    for t in tally.summaries(MIN_TARGETS, |_, _| false, MAX_NAMED) {
        if matches!(t.group, Group::Ports { .. }) {
            merge(found, &t);
        }
    }
    let mut scanned_servers = HashSet::new();
    let mut scanned = HashSet::new();
    for (scan, targets) in found.iter() {
        if let ScanKind::Ports { server } = scan.kind {
            scanned_servers.insert((scan.client, server));
            scanned.extend(targets.iter().map(|k| (scan.client, *k)));
        }
    }
    let excluded = |g: Group, server: IpAddr| match g {
        Group::Hosts { client, port } => {
            scanned_servers.contains(&(client, server))
                && (scanned.contains(&(client, (server, port)))
                    || tally.probed(Group::Ports { client, server }, port))
        }
        Group::Ports { .. } => false,
    };
    for t in tally.summaries(MIN_TARGETS, excluded, MAX_NAMED) {
        if matches!(t.group, Group::Hosts { .. }) {
            merge(found, &t);
        }
    }
    sort(found);
}

/// Puts the tally's counts of `t` in place of the table's, when they make a scan with more
/// targets; adds the scan when the table did not find it.
fn merge(found: &mut Vec<(Scan, Vec<ServiceKey>)>, t: &Tallied) {
    let Some(scan) = from_tally(t) else {
        return;
    };
    match found
        .iter_mut()
        .find(|(s, _)| s.kind == scan.kind && s.client == scan.client)
    {
        Some((s, _)) if scan.targets >= s.targets => *s = scan,
        Some(_) => {}
        None => found.push((scan, Vec::new())),
    }
}

/// The scan a tallied group makes, if it looks like one (the rules of [`judge`]).
fn from_tally(t: &Tallied) -> Option<Scan> {
    let (kind, client) = match t.group {
        Group::Ports { client, server } => (ScanKind::Ports { server }, client),
        Group::Hosts { client, port } => (ScanKind::Sweep { port }, client),
    };
    let key = |target: u16| -> Option<ServiceKey> {
        match kind {
            ScanKind::Ports { server } => Some((server, target)),
            ScanKind::Sweep { port } => Some((t.server(target)?, port)),
        }
    };
    let keys = |targets: &[u16]| targets.iter().filter_map(|&x| key(x)).collect();
    // The targets left out had an attempt each at least.
    let attempts = t.attempts.saturating_sub(t.excluded);
    use scan_tally::Answer as Best;
    let completed = t.answered(Best::Completed);
    if !is_scan(t.targets, completed, attempts) {
        return None;
    }
    Some(Scan {
        kind,
        client,
        targets: t.targets,
        targets_at_least: !t.complete,
        lowest: key(t.lowest)?,
        highest: key(t.highest)?,
        attempts,
        failed_attempts: t.failed.min(attempts),
        completed,
        half_open: t.answered(Best::HalfOpen) + t.answered(Best::ResetByClient),
        reset_by_client: t.answered(Best::ResetByClient),
        refused: t.answered(Best::Refused),
        unanswered: t.answered(Best::Unanswered),
        other: t.answered(Best::Other),
        open_named: keys(&t.open_named),
        refused_named: keys(&t.refused_named),
        first_seen: t.first_seen,
        last_seen: t.last_seen,
    })
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

/// The scan `targets` make with the endpoints it is made of (in endpoint order), or the
/// targets back when they do not look like one.
fn judge<'a>(
    kind: ScanKind,
    client: IpAddr,
    mut targets: Targets<'a>,
    dropped: bool,
) -> Result<(Scan, Vec<ServiceKey>), Targets<'a>> {
    let n = targets.len() as u64;
    if n < MIN_TARGETS {
        return Err(targets);
    }
    targets.sort_unstable_by_key(|(k, _)| *k);
    let (lowest, highest) = (targets[0].0, targets[targets.len() - 1].0);
    let mut scan = Scan {
        kind,
        client,
        targets: n,
        targets_at_least: dropped,
        lowest,
        highest,
        attempts: 0,
        failed_attempts: 0,
        completed: 0,
        half_open: 0,
        reset_by_client: 0,
        refused: 0,
        unanswered: 0,
        other: 0,
        open_named: Vec::new(),
        refused_named: Vec::new(),
        first_seen: None,
        last_seen: None,
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
            }
            Answer::HalfOpen => {
                scan.half_open += 1;
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
            Answer::Other => scan.other += 1,
            Answer::Pending => {}
        }
    }
    for key in half_open_named {
        push_named(&mut scan.open_named, key);
    }
    if !is_scan(n, scan.completed, scan.attempts) {
        return Err(targets);
    }
    Ok((scan, targets.into_iter().map(|(k, _)| k).collect()))
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
    }

    #[test]
    fn one_port_of_many_hosts_is_a_sweep() {
        let c = ip("10.0.0.9");
        let endpoints: Vec<_> = (1..=25u8)
            .map(|h| ((IpAddr::from([192, 168, 1, h]), 22), refused(c, 1, 100)))
            .collect();
        let found = scans_of(&endpoints);
        assert_eq!(found.len(), 1);
        let (scan, targets) = &found[0];
        assert_eq!(scan.kind, ScanKind::Sweep { port: 22 });
        assert_eq!((scan.targets, scan.refused), (25, 25));
        assert_eq!(scan.lowest, (ip("192.168.1.1"), 22));
        assert_eq!(scan.highest, (ip("192.168.1.25"), 22));
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
                endpoints.push(((IpAddr::from([192, 168, 1, h]), port), refused(c, 1, 100)));
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
            .map(|p| ((server, p), refused(c, 1, 100)))
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
                .map(|p| ((server, p), refused(c, attempts, 100)))
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

    #[test]
    fn counts_are_at_least_when_endpoints_were_dropped() {
        let c = ip("10.0.0.9");
        let endpoints: Vec<_> = (1..=20u16)
            .map(|p| ((ip("192.168.1.1"), p), refused(c, 1, 100)))
            .collect();
        let found = find(endpoints.iter().map(|(k, s)| (k, s)), true);
        assert!(found[0].0.targets_at_least);
    }
}
