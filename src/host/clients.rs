//! The connecting side: which process owned the client socket of each incident.
//!
//! Two streams meet here: the engine's incidents (failed attempts and RSTs, with the client's
//! address and port) and process sightings (a connect event, a socket-table sample that saw
//! the connection alive, or process information in the capture). An incident is tied to the
//! latest sighting of its client address and port (and server port, where the sighting knows
//! it) taken no later than a short grace after the incident; one with no such sighting within
//! the grace is counted as "not observed". Nothing is guessed from names or ports.
//!
//! Pure and bounded: the caller gives every time (packet time and sample time share the Unix
//! clock), sightings and waiting incidents are capped, and what the caps drop is counted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

use super::program::{Program, Script};
use super::{ProcessSighting, SightingSource, canonical};
use crate::engine::{Incident, IncidentKind};
use crate::packet::Timestamp;

/// How long an incident waits for a sighting that arrives after it (a connect event drained
/// a moment later, a socket-table sample of the second).
const GRACE_NS: i64 = 3 * Timestamp::NANOS_PER_SEC;
/// A sighting older than this does not explain an incident: the port has likely been reused.
/// A live socket is sighted again at each socket-table sample, so a sighting ages only once
/// its socket is gone; the latest an incident follows its socket's last sighting is an
/// unanswered attempt's last SYN retransmission, about two minutes after the connect (Linux
/// gives up after 127 s; the engine remembers an attempt 130 s).
const SIGHTING_LIFETIME_NS: i64 = 3 * 60 * Timestamp::NANOS_PER_SEC;
/// A sighting is forgotten this long after it was last seen: its lifetime, the grace, and a
/// minute for incidents the engine reports late (an unanswered attempt is decided 10 s after
/// its last SYN; packets reach the engine a moment after the samples are taken).
const SIGHTING_EXPIRY_NS: i64 = SIGHTING_LIFETIME_NS + GRACE_NS + 60 * Timestamp::NANOS_PER_SEC;
/// Sightings kept at once (by client address and port): a last resort, should sockets come
/// faster than they expire (about 470 new ones a second for four minutes; a live socket is
/// sighted again at each sample, so what goes first is the oldest socket gone). Seven eighths
/// of a table of 131,072 slots, which 200,000 took twice of (25 MB with their queue by age).
const MAX_SIGHTINGS: usize = 114_688;
/// Incidents waiting for a sighting at once: those of 10,000 a second for the grace's 3 s.
/// Past it the oldest is decided early and counted ([`ClientAttribution::dropped`]).
const MAX_WAITING: usize = 32_768;
/// Programs kept per service endpoint (processes of one name are one entry). Past it the one
/// with the fewest incidents makes room (its incidents are counted in
/// [`EndpointClients::more`]), so the table stays bounded for the weeks `rstscope agent` runs.
const MAX_PROCESSES: usize = 64;
/// Process IDs remembered per entry to tell a new process of the same name from one seen
/// already; more processes of one name than this taking turns are counted more than once.
const RECENT_PIDS: usize = 8;
/// Service endpoints with a tally at most (seven eighths of a table of 16,384 slots, more than
/// the engine tracks): past it, the quarter involved least recently are forgotten, their
/// incidents counted ([`ClientAttribution::forgotten`]). 100,000 kept for weeks, never
/// forgotten, took 11.7 MB, and an endpoint after them was never tallied.
pub const MAX_ENDPOINTS: usize = 14_336;
/// What the programs of all endpoints together may hold: their entries with the names and
/// scripts they keep (`Tally::bytes`). `MAX_PROCESSES` an endpoint at [`MAX_ENDPOINTS`]
/// endpoints would be over a gigabyte (a local `nmap -sT` over every port, a new program
/// connecting now and then, for weeks). Past it, the endpoints involved least recently give
/// up their lists, down to three quarters of it: their incidents stay counted, in
/// [`EndpointClients::more`], and the programs given up in
/// [`ClientAttribution::programs_given_up`].
pub const PROGRAM_BYTES: usize = 4 << 20;
/// What a program's entry costs besides its name and script: the entry in its endpoint's
/// list and the room for its recent process IDs.
const ENTRY_BYTES: usize =
    std::mem::size_of::<(Who, Runs)>() + RECENT_PIDS * std::mem::size_of::<u32>();
/// What the sightings' texts (process names, scripts) may hold together: past it the oldest
/// sightings go, as at `MAX_SIGHTINGS`. A name is 15 bytes on Linux, but up to 260
/// characters elsewhere, and a script's texts up to [`MAX_TEXT_BYTES`](super::program::MAX_TEXT_BYTES) each.
pub const SIGHTING_TEXT_BYTES: usize = 4 << 20;
/// The most the attribution's tallies hold, their programs included.
pub const MOST_TALLY_BYTES: usize =
    crate::room::table(MAX_ENDPOINTS, std::mem::size_of::<((IpAddr, u16), Tally)>())
        + PROGRAM_BYTES;
/// The most the attribution holds: `MAX_SIGHTINGS` sightings in their table and their queue
/// by age, with [`SIGHTING_TEXT_BYTES`] of texts, `MAX_WAITING` incidents waiting and
/// [`MOST_TALLY_BYTES`]. For the sum of every cap of the agent (tests/agent_memory.rs).
pub const MOST_BYTES: usize =
    crate::room::table(
        MAX_SIGHTINGS,
        std::mem::size_of::<((IpAddr, u16), Sighting)>(),
    ) + crate::room::queue(MAX_SIGHTINGS, std::mem::size_of::<((IpAddr, u16), u32)>())
        + SIGHTING_TEXT_BYTES
        + crate::room::queue(MAX_WAITING, std::mem::size_of::<Incident>())
        + MOST_TALLY_BYTES;
/// The sources in [`SightingSource`]'s order: [`Runs::by_source`]'s index.
const SOURCES: [SightingSource; 3] = [
    SightingSource::ConnectTrace,
    SightingSource::SocketTable,
    SightingSource::Capture,
];

/// One program that connected to a service endpoint, with how many of its incidents it owned.
/// Processes of the same name are one entry: a program started again for each connect (a
/// script's `curl`, a cron job) is one line with the number of processes, not one line each.
/// Processes of one interpreter running different scripts are different programs. A process
/// whose name is not known is an entry of its own. A program seen two ways (the socket table
/// its connections made before the capture began, the connect trace its later connects) is
/// one entry too, with its incidents counted by how each was seen ([`Self::sources`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientProcess {
    /// Process ID (of the latest process, when there were several).
    pub pid: u32,
    /// Process name as observed.
    pub name: String,
    /// The script it runs through an interpreter, where its arguments were read: what
    /// names it ([`Self::program`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
    /// How it was observed: how most of its incidents were (of equals, the first of
    /// connect-trace, socket-table, capture).
    pub source: SightingSource,
    /// Its incidents by how each was observed, most first, where more than one way saw them;
    /// empty where `source` saw them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<(SightingSource, u64)>,
    /// Incidents (failed attempts and RSTs outside attempts) tied to it.
    pub connections: u64,
    /// Distinct processes of this name the incidents came from (1: one process).
    pub processes: u64,
}

/// What is known about the clients of one service endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EndpointClients {
    /// Processes, most incidents first.
    pub processes: Vec<ClientProcess>,
    /// Incidents no sighting explained.
    pub not_observed: u64,
    /// Incidents whose client is another machine (its processes cannot be seen from here).
    pub remote: u64,
    /// Incidents of processes no longer listed: more distinct processes connected than are
    /// kept per endpoint, and those with the fewest incidents made room.
    pub more: u64,
}

impl ClientProcess {
    /// The program as rstscope names it: `collector.py (python3)` for a script, else the name.
    #[must_use]
    pub fn program(&self) -> Program<'_> {
        Program {
            name: &self.name,
            script: self.script.as_ref(),
        }
    }

    /// Its incidents by how each was observed, most first: [`Self::sources`], or all of
    /// them by [`Self::source`].
    #[must_use]
    pub fn by_source(&self) -> Vec<(SightingSource, u64)> {
        if self.sources.is_empty() {
            vec![(self.source, self.connections)]
        } else {
            self.sources.clone()
        }
    }

    /// How its incidents were observed, as the reports say it after their count:
    /// `connect-trace`, or where several ways saw them `12 connect-trace, 4 socket-table`.
    #[must_use]
    pub fn seen_by(&self) -> String {
        match self.sources.as_slice() {
            [] | [_] => self.source.as_str().to_owned(),
            several => several
                .iter()
                .map(|(source, n)| format!("{n} {}", source.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Counts `other`'s incidents (the same program, from another block of a capture) in
    /// this entry, by how they were seen; `add` adds two counts (or keeps the larger, for
    /// blocks whose times overlap).
    pub fn absorb(&mut self, other: &Self, add: impl Fn(u64, u64) -> u64) {
        let mut by: BTreeMap<SightingSource, u64> = self.by_source().into_iter().collect();
        for (source, n) in other.by_source() {
            let had = by.entry(source).or_default();
            *had = add(*had, n);
        }
        self.connections = add(self.connections, other.connections);
        (self.source, self.sources) = sources_of(&by);
    }
}

/// The source of most incidents (of equals, the first in [`SightingSource`]'s order) and,
/// where several saw them, every source with its count, most first.
fn sources_of(by: &BTreeMap<SightingSource, u64>) -> (SightingSource, Vec<(SightingSource, u64)>) {
    let mut sources: Vec<(SightingSource, u64)> = by
        .iter()
        .filter(|&(_, &n)| n > 0)
        .map(|(&s, &n)| (s, n))
        .collect();
    // Stable: equal counts keep the sources' order.
    sources.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let main = sources
        .first()
        .map_or(SightingSource::ConnectTrace, |&(s, _)| s);
    if sources.len() < 2 {
        sources.clear();
    }
    (main, sources)
}

/// What makes an entry of [`Tally::by_process`]: the process name and the script it runs,
/// or the process ID when the name is not known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Named(String, Option<Script>),
    Unnamed(u32),
}

impl Who {
    /// What it holds besides itself: its name and its script.
    fn heap_bytes(&self) -> usize {
        match self {
            Who::Named(name, script) => {
                name.capacity()
                    + script
                        .as_ref()
                        .map_or(0, |s| s.interpreter.capacity() + s.given.capacity())
            }
            Who::Unnamed(_) => 0,
        }
    }

    /// What its entry in an endpoint's list costs ([`PROGRAM_BYTES`]).
    fn entry_bytes(&self) -> usize {
        ENTRY_BYTES + self.heap_bytes()
    }
}

/// The incidents of one program (one or more processes of one name).
#[derive(Debug, Default)]
struct Runs {
    incidents: u64,
    /// The incidents by how their process was seen, by [`SOURCES`]' order: an array, not a
    /// map (a map's first entry allocates a node of eleven).
    by_source: [u64; SOURCES.len()],
    processes: u64,
    /// The latest process IDs, newest last (at most [`RECENT_PIDS`]).
    recent: VecDeque<u32>,
}

impl Runs {
    fn add(&mut self, pid: u32, source: SightingSource) {
        self.incidents += 1;
        self.by_source[source_index(source)] += 1;
        if self.recent.back() == Some(&pid) {
            return;
        }
        if let Some(i) = self.recent.iter().position(|&p| p == pid) {
            self.recent.remove(i);
        } else {
            self.processes += 1;
            if self.recent.len() >= RECENT_PIDS {
                self.recent.pop_front();
            }
        }
        self.recent.push_back(pid);
    }
}

/// A sighting's time as its queue by age keeps it: the whole second at or after it (Unix
/// time; 0 before 1970). Only where the walk of [`ClientAttribution::expire`] stops depends on
/// it, at most a second late; whether a sighting goes is told by its own time.
fn queued_at(t: Timestamp) -> u32 {
    let seconds = t.0.div_euclid(Timestamp::NANOS_PER_SEC)
        + i64::from(t.0.rem_euclid(Timestamp::NANOS_PER_SEC) > 0);
    u32::try_from(seconds.max(0)).unwrap_or(u32::MAX)
}

/// The index of `source` in [`SOURCES`].
fn source_index(source: SightingSource) -> usize {
    SOURCES.iter().position(|&s| s == source).unwrap_or(0)
}

/// A process seen owning a client socket, by its local address and port.
///
/// Its texts are boxed: a name without a `String`'s spare room, and a script (few sightings
/// have one) apart. In the table's 262,144 slots a `String` and an `Option<Script>` inline
/// took 56 bytes more each (14.7 MB at the cap).
#[derive(Debug, Clone)]
struct Sighting {
    at: Timestamp,
    remote_port: Option<u16>,
    pid: u32,
    name: Box<str>,
    script: Option<Box<Script>>,
    source: SightingSource,
}

impl Sighting {
    /// What its texts hold ([`SIGHTING_TEXT_BYTES`]): the name, and the script with its box.
    fn text_bytes(&self) -> usize {
        self.name.len()
            + (self.script.as_ref()).map_or(0, |s| {
                std::mem::size_of::<Script>() + s.interpreter.capacity() + s.given.capacity()
            })
    }
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct ClientAttribution {
    sightings: HashMap<(IpAddr, u16), Sighting>,
    /// Keys in arrival order with the time they were queued at, for expiring them by age (a
    /// sighting seen again since is queued again) and evicting the oldest at the cap. Each key
    /// of `sightings` is here once, and nothing else. The time in whole seconds
    /// ([`queued_at`]): 24 bytes an entry rather than 32.
    order: VecDeque<((IpAddr, u16), u32)>,
    waiting: VecDeque<Incident>,
    endpoints: HashMap<(IpAddr, u16), Tally>,
    dropped: u64,
    /// What the endpoints' programs hold together ([`Tally::bytes`] summed).
    program_bytes: usize,
    /// Programs given up to keep within [`PROGRAM_BYTES`].
    programs_given_up: u64,
    /// Endpoints forgotten at [`MAX_ENDPOINTS`], and the incidents their tallies had.
    forgotten: (u64, u64),
    /// What the sightings' texts hold ([`Sighting::text_bytes`] summed).
    sighting_text: usize,
}

#[derive(Debug, Default)]
struct Tally {
    /// By program, however its processes were seen: one program seen by the socket table
    /// (connections made before the capture) and by the connect trace (connects since) was
    /// two entries, and the diagnosis named it twice. In the order of [`Who`] (as a map's,
    /// so that the same incidents give the same entries), in a vector of just the room its
    /// entries need: a map's first entry took a node of eleven.
    by_process: Vec<(Who, Runs)>,
    not_observed: u64,
    remote: u64,
    more: u64,
    /// What its programs hold ([`Who::entry_bytes`] summed).
    bytes: usize,
    /// Its latest incident decided: endpoints involved least recently give up their
    /// programs first.
    last: Timestamp,
}

impl Tally {
    /// The entry an incident of process `pid` counts under, `key` being what its sighting
    /// said: one process is one program however it was seen. A connect event names the
    /// interpreter alone (`python3`) where a socket-table sample read the script it runs too
    /// (`flood.py (python3)`): a sighting without the script counts under the scripted entry
    /// that holds its process, and an entry of that process alone without the script moves
    /// into the scripted one once the script is known.
    fn program_of(&mut self, key: Who, pid: u32) -> Who {
        let Who::Named(name, script) = &key else {
            return key;
        };
        let scripted_with = |w: &Who, runs: &Runs| {
            matches!(w, Who::Named(n, Some(_)) if n == name) && runs.recent.contains(&pid)
        };
        if script.is_none() {
            return (self.by_process.iter())
                .find(|(w, runs)| scripted_with(w, runs))
                .map_or(key.clone(), |(k, _)| k.clone());
        }
        // The same process counted before its script was known, alone in its entry.
        let bare = (self.by_process.iter()).position(|(w, runs)| {
            matches!(w, Who::Named(n, None) if n == name)
                && runs.processes == 1
                && runs.recent.back() == Some(&pid)
        });
        if let Some(runs) = bare.map(|i| self.remove_at(i)) {
            let into = self.entry(&key);
            if !into.recent.contains(&pid) {
                into.processes += 1;
                into.recent.push_back(pid);
                if into.recent.len() > RECENT_PIDS {
                    into.recent.pop_front();
                }
            }
            into.incidents += runs.incidents;
            for (into, n) in into.by_source.iter_mut().zip(runs.by_source) {
                *into += n;
            }
        }
        key
    }

    /// The entry of `who`, made (in its place in the order) if new.
    fn entry(&mut self, who: &Who) -> &mut Runs {
        let i = match self.by_process.binary_search_by(|(w, _)| w.cmp(who)) {
            Ok(i) => i,
            Err(i) => {
                if self.by_process.len() == self.by_process.capacity() {
                    self.by_process.reserve_exact(1);
                }
                self.bytes += who.entry_bytes();
                self.by_process.insert(i, (who.clone(), Runs::default()));
                i
            }
        };
        &mut self.by_process[i].1
    }

    /// Takes the entry at `i` out.
    fn remove_at(&mut self, i: usize) -> Runs {
        let (who, runs) = self.by_process.remove(i);
        self.bytes -= who.entry_bytes();
        runs
    }

    /// Gives up every program (their incidents counted in `more`); returns how many.
    fn give_up(&mut self) -> usize {
        let n = self.by_process.len();
        self.more += self
            .by_process
            .iter()
            .map(|(_, r)| r.incidents)
            .sum::<u64>();
        self.by_process = Vec::new();
        self.bytes = 0;
        n
    }
}

impl ClientAttribution {
    /// Nothing seen yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A process was seen owning a client socket. A connect event is better evidence than a
    /// socket-table sample of the same socket at about the same time, so it is not replaced.
    pub fn sighting(&mut self, s: &ProcessSighting) {
        let key = (canonical(s.local.ip()), s.local.port());
        let new = || Sighting {
            at: s.at,
            remote_port: s.remote.map(|r| r.port()),
            pid: s.pid,
            name: s.name.as_str().into(),
            script: s.script.clone().map(Box::new),
            source: s.source,
        };
        if let Some(old) = self.sightings.get_mut(&key) {
            self.sighting_text -= old.text_bytes();
            if old.pid == s.pid {
                // The same socket seen again (each second while it lives): only the time
                // moves, and a connect event is not replaced by a socket-table sample.
                old.at = old.at.max(s.at);
                if old.script.is_none() {
                    old.script = s.script.clone().map(Box::new);
                }
                if old.source == SightingSource::SocketTable {
                    old.source = s.source;
                    old.remote_port = s.remote.map(|r| r.port());
                }
            } else {
                // The port reused by another process's socket. Its key is already queued,
                // earlier: `expire` queues it again with the new time when it gets there.
                *old = new();
            }
            self.sighting_text += old.text_bytes();
        } else {
            if self.sightings.len() >= MAX_SIGHTINGS {
                self.evict_one();
            }
            let new = new();
            self.sighting_text += new.text_bytes();
            self.order.push_back((key, queued_at(s.at)));
            self.sightings.insert(key, new);
        }
        while self.sighting_text > SIGHTING_TEXT_BYTES && !self.order.is_empty() {
            self.evict_one();
        }
        debug_assert_eq!(self.order.len(), self.sightings.len());
    }

    /// An incident from the engine. Those that count (failed attempts, RSTs outside an
    /// attempt) wait for a sighting; [`ClientAttribution::settle`] decides them.
    pub fn incident(&mut self, i: &Incident) {
        if !counts(i) {
            return;
        }
        if self.waiting.len() >= MAX_WAITING {
            self.dropped += 1;
            if let Some(old) = self.waiting.pop_front() {
                self.decide(&old);
            }
        }
        self.waiting.push_back(*i);
    }

    /// An incident whose client is another machine: counted, not matched.
    pub fn remote_incident(&mut self, i: &Incident) {
        if !counts(i) {
            return;
        }
        if let Some(t) = self.tally((i.server.0, i.server.1)) {
            t.remote += 1;
        }
    }

    /// The tally of `server`, made if the bound allows (else the incident is counted dropped).
    fn tally(&mut self, server: (IpAddr, u16)) -> Option<&mut Tally> {
        if self.endpoints.len() >= MAX_ENDPOINTS && !self.endpoints.contains_key(&server) {
            self.forget_endpoints();
        }
        Some(self.endpoints.entry(server).or_default())
    }

    /// Forgets the quarter of the endpoints' tallies involved least recently (then by
    /// endpoint, so that the same incidents give the same result), counting them and their
    /// incidents. Rare: a quarter of the table is freed each time.
    #[cold]
    fn forget_endpoints(&mut self) {
        let mut order: Vec<(Timestamp, (IpAddr, u16))> =
            (self.endpoints.iter()).map(|(k, t)| (t.last, *k)).collect();
        order.sort_unstable();
        for (_, key) in order.into_iter().take(MAX_ENDPOINTS / 4) {
            if let Some(t) = self.endpoints.remove(&key) {
                self.program_bytes -= t.bytes;
                let incidents: u64 = (t.by_process.iter()).map(|(_, r)| r.incidents).sum();
                self.forgotten.0 += 1;
                self.forgotten.1 += incidents + t.not_observed + t.remote + t.more;
            }
        }
    }

    /// Decides every waiting incident whose grace has passed at `now`; with `now = None`
    /// (the end of the capture) every waiting incident.
    /// Then forgets the sightings too old to explain any incident still to come.
    pub fn settle(&mut self, now: Option<Timestamp>) {
        while let Some(i) = self.waiting.front().copied() {
            let due = now.is_none_or(|n| n.0 >= i.at.0.saturating_add(GRACE_NS));
            if !due && self.lookup(&i).is_none() {
                break;
            }
            self.waiting.pop_front();
            self.decide(&i);
        }
        if let Some(n) = now {
            self.expire(Timestamp(n.0.saturating_sub(SIGHTING_EXPIRY_NS)));
        }
    }

    /// Forgets the sightings last seen before `cutoff`. A sighting seen again since it was
    /// queued goes to the back of the queue with its new time; the queue is in the order
    /// sightings came, so the walk stops at the first one queued at or after `cutoff`, and
    /// after one round of the queue at most: a time past the queue's whole seconds (after
    /// 2106, a corrupt capture's) is queued at their last, before any cutoff after it, and
    /// went round and round (a fuzzed capture stamped in 2262 hung the details).
    fn expire(&mut self, cutoff: Timestamp) {
        let mut round = self.order.len();
        while let Some(&(key, queued)) = self.order.front() {
            if round == 0 || i64::from(queued) * Timestamp::NANOS_PER_SEC >= cutoff.0 {
                break;
            }
            round -= 1;
            self.order.pop_front();
            match self.sightings.get(&key) {
                Some(s) if s.at < cutoff => {
                    self.sighting_text -= s.text_bytes();
                    self.sightings.remove(&key);
                }
                Some(s) => self.order.push_back((key, queued_at(s.at))),
                // Not reached: each queued key has its sighting (asserted below).
                None => {}
            }
        }
        debug_assert_eq!(self.order.len(), self.sightings.len());
    }

    /// Sightings held now.
    #[must_use]
    pub fn sightings(&self) -> usize {
        self.sightings.len()
    }

    /// The clients of endpoint `server`.
    #[must_use]
    pub fn endpoint(&self, server: (IpAddr, u16)) -> EndpointClients {
        let Some(t) = self.endpoints.get(&server) else {
            return EndpointClients::default();
        };
        let mut processes: Vec<ClientProcess> = t
            .by_process
            .iter()
            .map(|(who, runs)| {
                let by: BTreeMap<SightingSource, u64> =
                    SOURCES.iter().copied().zip(runs.by_source).collect();
                let (source, sources) = sources_of(&by);
                let (name, script, pid) = match who {
                    Who::Named(name, script) => (
                        name.clone(),
                        script.clone(),
                        runs.recent.back().copied().unwrap_or(0),
                    ),
                    Who::Unnamed(pid) => (String::new(), None, *pid),
                };
                ClientProcess {
                    pid,
                    name,
                    script,
                    source,
                    sources,
                    connections: runs.incidents,
                    processes: runs.processes,
                }
            })
            .collect();
        processes.sort_by(|a, b| {
            b.connections
                .cmp(&a.connections)
                .then_with(|| a.name.cmp(&b.name))
                .then(a.pid.cmp(&b.pid))
        });
        EndpointClients {
            processes,
            not_observed: t.not_observed,
            remote: t.remote,
            more: t.more,
        }
    }

    /// Incidents decided early because too many waited at once (counted as not observed
    /// unless a sighting was already there).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Programs no longer listed at their endpoint because the programs of all endpoints
    /// together reached [`PROGRAM_BYTES`] (their endpoints involved least recently gave them
    /// up; their incidents stay counted, as of other processes).
    #[must_use]
    pub fn programs_given_up(&self) -> u64 {
        self.programs_given_up
    }

    /// Endpoints whose connecting processes were forgotten at [`MAX_ENDPOINTS`] (those
    /// involved least recently), and the incidents their tallies had: (endpoints, incidents).
    #[must_use]
    pub fn forgotten(&self) -> (u64, u64) {
        self.forgotten
    }

    /// What the endpoints' programs hold now ([`PROGRAM_BYTES`] at most, but for the
    /// incident being decided).
    #[must_use]
    pub fn program_bytes(&self) -> usize {
        self.program_bytes
    }

    /// The endpoints with a tally now.
    #[must_use]
    pub fn endpoints(&self) -> usize {
        self.endpoints.len()
    }

    fn lookup(&self, i: &Incident) -> Option<&Sighting> {
        let s = self.sightings.get(&(canonical(i.client.0), i.client.1))?;
        let fresh = s.at.0 <= i.at.0.saturating_add(GRACE_NS)
            && s.at.0 >= i.at.0.saturating_sub(SIGHTING_LIFETIME_NS);
        let same_server = s.remote_port.is_none_or(|p| p == i.server.1);
        (fresh && same_server).then_some(s)
    }

    fn decide(&mut self, i: &Incident) {
        let found = self.lookup(i).map(|s| {
            let who = if s.name.is_empty() {
                Who::Unnamed(s.pid)
            } else {
                Who::Named(s.name.to_string(), s.script.as_deref().cloned())
            };
            (who, s.source, s.pid)
        });
        let Some(tally) = self.tally((i.server.0, i.server.1)) else {
            return;
        };
        tally.last = tally.last.max(i.at);
        let before = tally.bytes;
        match found {
            Some((key, source, pid)) => {
                let key = tally.program_of(key, pid);
                let known = tally.by_process.binary_search_by(|(w, _)| w.cmp(&key));
                if known.is_err() && tally.by_process.len() >= MAX_PROCESSES {
                    let fewest = (tally.by_process.iter().enumerate())
                        .min_by_key(|(_, (k, runs))| (runs.incidents, std::cmp::Reverse(k)))
                        .map(|(i, _)| i);
                    if let Some(runs) = fewest.map(|i| tally.remove_at(i)) {
                        tally.more += runs.incidents;
                    }
                }
                tally.entry(&key).add(pid, source);
            }
            None => tally.not_observed += 1,
        }
        let after = tally.bytes;
        self.program_bytes = self.program_bytes + after - before;
        if self.program_bytes > PROGRAM_BYTES {
            self.give_up_programs((i.server.0, i.server.1));
        }
    }

    /// Brings the programs of all endpoints down to three quarters of [`PROGRAM_BYTES`]: the
    /// endpoints involved least recently (then by endpoint, so that the same incidents give
    /// the same result) give up theirs, `keep` (the endpoint of the incident just decided)
    /// last. Rare: a quarter of the budget is freed each time.
    #[cold]
    fn give_up_programs(&mut self, keep: (IpAddr, u16)) {
        let mut order: Vec<(bool, Timestamp, (IpAddr, u16))> = (self.endpoints.iter())
            .filter(|(_, t)| t.bytes > 0)
            .map(|(k, t)| (*k == keep, t.last, *k))
            .collect();
        order.sort_unstable();
        for (_, _, key) in order {
            if self.program_bytes <= PROGRAM_BYTES / 4 * 3 {
                break;
            }
            if let Some(t) = self.endpoints.get_mut(&key) {
                self.program_bytes -= t.bytes;
                self.programs_given_up += t.give_up() as u64;
            }
        }
    }

    fn evict_one(&mut self) {
        if let Some((key, _)) = self.order.pop_front()
            && let Some(s) = self.sightings.remove(&key)
        {
            self.sighting_text -= s.text_bytes();
        }
    }
}

/// An incident counts on its own unless it is the RST that ended an attempt (which counts
/// through the attempt).
fn counts(i: &Incident) -> bool {
    !matches!(
        i.kind,
        IncidentKind::Rst {
            part_of_attempt: true,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::engine::Failure;

    const MAX_TEXT_BYTES_FOR_TEST: usize = crate::host::program::MAX_TEXT_BYTES;

    fn at(ms: i64) -> Timestamp {
        Timestamp(ms * 1_000_000)
    }

    fn sighting(ms: i64, port: u16, pid: u32, source: SightingSource) -> ProcessSighting {
        ProcessSighting {
            at: at(ms),
            local: SocketAddr::new("127.0.0.1".parse().expect("ip"), port),
            remote: Some("127.0.0.1:7211".parse().expect("addr")),
            pid,
            name: "retrier".into(),
            exe: None,
            script: None,
            source,
        }
    }

    fn refused(ms: i64, port: u16) -> Incident {
        Incident {
            at: at(ms),
            server: (
                "127.0.0.1".parse().expect("ip"),
                7211,
                crate::packet::Overlay::NONE,
            ),
            client: ("127.0.0.1".parse().expect("ip"), port),
            kind: IncidentKind::Failed(Failure::Refused),
        }
    }

    #[test]
    fn a_sighting_before_or_just_after_the_incident_names_the_process() {
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(1_000, 40_000, 77, SightingSource::ConnectTrace));
        c.incident(&refused(1_001, 40_000));
        c.incident(&refused(2_000, 40_001));
        c.sighting(&sighting(2_500, 40_001, 77, SightingSource::ConnectTrace));
        c.incident(&refused(3_000, 40_002)); // never seen
        c.settle(Some(at(10_000)));
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(
            e.processes,
            vec![ClientProcess {
                pid: 77,
                name: "retrier".into(),
                script: None,
                source: SightingSource::ConnectTrace,
                sources: Vec::new(),
                connections: 2,
                processes: 1,
            }]
        );
        assert_eq!(e.not_observed, 1);
    }

    #[test]
    fn an_incident_waits_for_its_grace_then_counts_as_not_observed() {
        let mut c = ClientAttribution::new();
        c.incident(&refused(1_000, 40_000));
        c.settle(Some(at(2_000)));
        assert_eq!(
            c.endpoint(("127.0.0.1".parse().expect("ip"), 7211))
                .not_observed,
            0
        );
        c.settle(Some(at(4_001)));
        assert_eq!(
            c.endpoint(("127.0.0.1".parse().expect("ip"), 7211))
                .not_observed,
            1
        );
    }

    #[test]
    fn a_stale_or_other_server_sighting_of_a_reused_port_is_not_taken() {
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(0, 40_000, 5, SightingSource::SocketTable));
        c.incident(&refused(20 * 60 * 1_000, 40_000)); // 20 min later
        let mut other = sighting(30 * 60 * 1_000, 40_001, 6, SightingSource::ConnectTrace);
        other.remote = Some("127.0.0.1:22".parse().expect("addr"));
        c.sighting(&other);
        c.incident(&refused(30 * 60 * 1_000, 40_001));
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert!(e.processes.is_empty(), "{e:?}");
        assert_eq!(e.not_observed, 2);
    }

    /// Regression: a script that connects from a new process each time grew the endpoint's
    /// process table (and every snapshot's copy of it) without bound in a long agent run; and
    /// it was listed as 64 lines of one name with the rest "of other processes". One program
    /// run again for each connect is one entry with its number of processes.
    #[test]
    fn a_new_process_per_connect_is_one_program_with_its_count() {
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(0, 39_999, 7, SightingSource::ConnectTrace));
        c.incident(&refused(0, 39_999));
        c.sighting(&sighting(1, 39_998, 7, SightingSource::ConnectTrace));
        c.incident(&refused(1, 39_998));
        for i in 0..1000u32 {
            let port = 40_000 + i as u16;
            c.sighting(&sighting(
                i64::from(i) + 2,
                port,
                1000 + i,
                SightingSource::ConnectTrace,
            ));
            c.incident(&refused(i64::from(i) + 2, port));
        }
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(
            e.processes,
            vec![ClientProcess {
                pid: 1999,
                name: "retrier".into(),
                script: None,
                source: SightingSource::ConnectTrace,
                sources: Vec::new(),
                connections: 1002,
                processes: 1001,
            }]
        );
        assert_eq!(e.more, 0);
    }

    /// Regression (real window, a connect flood): "flood.py (python3, 20311)" and "python3
    /// (20311)" were two programs, one process seen by connect events (the interpreter's name
    /// alone) and by socket-table samples (its script read too). Its incidents are one entry,
    /// whichever was seen first; another process of that name stays apart.
    #[test]
    fn one_process_seen_with_and_without_its_script_is_one_program() {
        let flood = Script {
            interpreter: "python3".into(),
            given: "/tmp/flood.py".into(),
            path: true,
        };
        let seen =
            |ms: i64, port: u16, pid: u32, script: bool, source: SightingSource| ProcessSighting {
                name: "python3".into(),
                script: script.then(|| flood.clone()),
                ..sighting(ms, port, pid, source)
            };
        for bare_first in [false, true] {
            let mut c = ClientAttribution::new();
            let mut port = 40_000;
            let mut connect = |c: &mut ClientAttribution, ms: i64, pid: u32, script: bool| {
                let source = if script {
                    SightingSource::SocketTable
                } else {
                    SightingSource::ConnectTrace
                };
                c.sighting(&seen(ms, port, pid, script, source));
                c.incident(&refused(ms, port));
                port += 1;
            };
            connect(&mut c, 0, 7, !bare_first);
            connect(&mut c, 1, 7, bare_first);
            connect(&mut c, 2, 7, false);
            connect(&mut c, 3, 7, true);
            // Another python3, no script read: its own entry.
            connect(&mut c, 4, 8, false);
            c.settle(None);
            let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
            let entries: Vec<(String, u32, u64, u64)> = (e.processes.iter())
                .map(|p| (p.program().text(), p.pid, p.connections, p.processes))
                .collect();
            assert_eq!(
                entries,
                [
                    ("flood.py (python3)".to_string(), 7, 4, 1),
                    ("python3".to_string(), 8, 1, 1)
                ],
                "bare first: {bare_first}"
            );
        }
    }

    /// Regression (a trial of the 7211 story, the capture begun while the collector served):
    /// the reporter was named twice in one sentence, "reporter (pid 23190), 12 incidents
    /// (connect-trace); reporter (pid 23190), 4 incidents (socket-table)": the socket table
    /// saw its connections made before the capture, the connect trace its later connects.
    /// One program, one entry, its incidents counted by how each was seen.
    #[test]
    fn one_program_seen_two_ways_is_one_entry() {
        let mut c = ClientAttribution::new();
        // Connections open before the capture: only the socket table sees them.
        for port in 40_000..40_004 {
            c.sighting(&sighting(0, port, 23_190, SightingSource::SocketTable));
            c.incident(&refused(1_000, port));
        }
        for port in 40_004..40_016 {
            c.sighting(&sighting(1_000, port, 23_190, SightingSource::ConnectTrace));
            c.incident(&refused(1_000, port));
        }
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(
            e.processes,
            vec![ClientProcess {
                pid: 23_190,
                name: "retrier".into(),
                script: None,
                source: SightingSource::ConnectTrace,
                sources: vec![
                    (SightingSource::ConnectTrace, 12),
                    (SightingSource::SocketTable, 4)
                ],
                connections: 16,
                processes: 1,
            }]
        );
        assert_eq!(e.processes[0].seen_by(), "12 connect-trace, 4 socket-table");
    }

    /// Processes of one name taking turns are counted once each; an unnamed process is an
    /// entry of its own; programs past the bound make room by fewest incidents, every
    /// incident still counted.
    #[test]
    fn programs_are_told_apart_by_name_and_bounded() {
        let mut c = ClientAttribution::new();
        let mut port = 40_000u16;
        let mut connect = |c: &mut ClientAttribution, pid: u32, name: &str| {
            let mut s = sighting(i64::from(port), port, pid, SightingSource::ConnectTrace);
            s.name = name.to_owned();
            c.sighting(&s);
            c.incident(&refused(i64::from(port), port));
            port += 1;
        };
        for _ in 0..5 {
            connect(&mut c, 100, "java");
            connect(&mut c, 200, "java");
        }
        connect(&mut c, 300, "");
        connect(&mut c, 301, "");
        for i in 0..200u32 {
            connect(&mut c, 1000 + i, &format!("tool{i}"));
        }
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(e.processes.len(), MAX_PROCESSES);
        let java = &e.processes[0];
        assert_eq!(
            (
                java.name.as_str(),
                java.connections,
                java.processes,
                java.pid
            ),
            ("java", 10, 2, 200)
        );
        let listed: u64 = e.processes.iter().map(|p| p.connections).sum();
        assert_eq!(listed + e.more, 212);
        // Fed one at a time, the unnamed two were evicted early or kept as their own entries,
        // never merged.
        assert!(
            e.processes
                .iter()
                .filter(|p| p.name.is_empty())
                .all(|p| p.processes == 1)
        );
    }

    /// Regression (s36's reading of the caps): 64 programs an endpoint at up to 100,000
    /// endpoints, over a gigabyte had a long-running agent ever filled them. Here 1,000
    /// endpoints each reached by 64 programs, one after the other: what all of them list
    /// stays within [`PROGRAM_BYTES`] (by each entry's cost, from what they list), the
    /// endpoints involved least recently gave theirs up, the latest keep theirs whole, and
    /// every incident is still counted.
    #[test]
    fn the_programs_of_all_endpoints_stay_within_their_budget() {
        let (endpoints, programs) = (1_000u16, 64u16);
        let server = |e: u16| ("127.0.0.1".parse().expect("ip"), 7000 + e);
        let mut c = ClientAttribution::new();
        let mut n = 0u16;
        for e in 0..endpoints {
            for p in 0..programs {
                let ms = i64::from(n);
                let port = 1024 + n;
                let mut s = sighting(
                    ms,
                    port,
                    100_000 + u32::from(n),
                    SightingSource::ConnectTrace,
                );
                s.name = format!("tool{p}");
                s.remote = Some(SocketAddr::new(server(e).0, server(e).1));
                c.sighting(&s);
                let mut i = refused(ms, port);
                i.server = (server(e).0, server(e).1, crate::packet::Overlay::NONE);
                c.incident(&i);
                n += 1;
            }
            c.settle(Some(at(i64::from(n) + 10_000)));
        }
        c.settle(None);
        let all: Vec<EndpointClients> = (0..endpoints).map(|e| c.endpoint(server(e))).collect();
        let listed: usize = all.iter().map(|e| e.processes.len()).sum();
        let bytes: usize = (all.iter().flat_map(|e| &e.processes))
            .map(|p| ENTRY_BYTES + p.name.len())
            .sum();
        assert!(
            bytes <= PROGRAM_BYTES,
            "{listed} programs listed, {bytes} bytes (budget {PROGRAM_BYTES})"
        );
        assert_eq!(bytes, c.program_bytes());
        assert!(c.programs_given_up() > 0);
        assert_eq!(
            listed as u64 + c.programs_given_up(),
            u64::from(endpoints) * u64::from(programs)
        );
        let counted: u64 = (all.iter())
            .map(|e| e.processes.iter().map(|p| p.connections).sum::<u64>() + e.more)
            .sum();
        assert_eq!(counted, u64::from(endpoints) * u64::from(programs));
        let (first, last) = (&all[0], &all[all.len() - 1]);
        assert!(first.processes.is_empty(), "{first:?}");
        assert_eq!(first.more, u64::from(programs));
        assert_eq!(last.processes.len(), usize::from(programs));
        assert_eq!(last.more, 0);
    }

    /// More endpoints with incidents than [`MAX_ENDPOINTS`] (a local scan, a week of a
    /// service's changing ports): those involved least recently are forgotten a quarter at a
    /// time and counted with their incidents, the latest are listed. Before, the endpoints past
    /// the cap were never tallied, however long the agent ran after.
    #[test]
    fn endpoints_past_their_cap_forget_the_least_recent_and_count_them() {
        let endpoints = (MAX_ENDPOINTS + MAX_ENDPOINTS / 2) as u16;
        let server = |e: u16| ("127.0.0.1".parse().expect("ip"), 20_000 + e);
        let mut c = ClientAttribution::new();
        for e in 0..endpoints {
            let ms = i64::from(e);
            let port = 1024 + e;
            let mut s = sighting(
                ms,
                port,
                100_000 + u32::from(e),
                SightingSource::ConnectTrace,
            );
            s.remote = Some(SocketAddr::new(server(e).0, server(e).1));
            c.sighting(&s);
            let mut i = refused(ms, port);
            i.server = (server(e).0, server(e).1, crate::packet::Overlay::NONE);
            c.incident(&i);
            c.settle(Some(at(ms + 10_000)));
        }
        c.settle(None);
        let listed = (0..endpoints)
            .filter(|&e| !c.endpoint(server(e)).processes.is_empty())
            .count();
        assert!(listed <= MAX_ENDPOINTS, "{listed} endpoints listed");
        let (forgotten, incidents) = c.forgotten();
        assert!(forgotten > 0);
        assert_eq!(listed as u64 + forgotten, u64::from(endpoints));
        assert_eq!(incidents, forgotten);
        assert!(c.endpoint(server(0)).processes.is_empty());
        let last = c.endpoint(server(endpoints - 1));
        assert_eq!(last.processes.len(), 1, "{last:?}");
        let held: usize = (0..endpoints)
            .flat_map(|e| c.endpoint(server(e)).processes)
            .map(|p| ENTRY_BYTES + p.name.len())
            .sum();
        assert_eq!(held, c.program_bytes());
    }

    /// Sightings whose names and scripts are as long as they may be (a Windows process name,
    /// a script's path): what their texts hold stays within [`SIGHTING_TEXT_BYTES`], the
    /// oldest going first, and the latest still explains its incident.
    #[test]
    fn long_sighting_texts_stay_within_their_bytes() {
        let mut c = ClientAttribution::new();
        let script = Script {
            interpreter: "p".repeat(MAX_TEXT_BYTES_FOR_TEST),
            given: "g".repeat(MAX_TEXT_BYTES_FOR_TEST),
            path: false,
        };
        let n = 20_000u16;
        for i in 0..n {
            let mut s = sighting(
                i64::from(i),
                20_000 + i,
                u32::from(i),
                SightingSource::SocketTable,
            );
            s.name = format!("{i}{}", "n".repeat(250));
            s.script = Some(script.clone());
            c.sighting(&s);
        }
        let held: usize = c.sightings.values().map(Sighting::text_bytes).sum();
        assert_eq!(held, c.sighting_text);
        assert!(held <= SIGHTING_TEXT_BYTES, "{held} bytes of texts");
        assert!(c.sightings() < usize::from(n));
        c.incident(&refused(i64::from(n - 1), 20_000 + n - 1));
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(e.processes.len(), 1, "{e:?}");
    }

    /// Two simulated hours of 20 connects a second, each from a new process and refused, the
    /// `n`th from client port `port(n)`; `check` looks at `c` after each second. Every
    /// incident must be tied to its process. Returns the most sightings held at once.
    fn two_hours_of_connects(
        port: impl Fn(u32) -> u16,
        mut check: impl FnMut(&ClientAttribution, i64),
    ) -> usize {
        const PER_SECOND: u32 = 20;
        let mut c = ClientAttribution::new();
        let mut most = 0;
        for sec in 0..2 * 3600i64 {
            for k in 0..PER_SECOND {
                let n = sec as u32 * PER_SECOND + k;
                let ms = sec * 1000 + i64::from(k);
                c.sighting(&sighting(
                    ms,
                    port(n),
                    10_000 + n,
                    SightingSource::ConnectTrace,
                ));
                c.incident(&refused(ms, port(n)));
            }
            c.settle(Some(at(sec * 1000 + 999)));
            check(&c, sec);
            most = most.max(c.sightings());
        }
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        let listed: u64 = e.processes.iter().map(|p| p.connections).sum();
        assert_eq!(listed + e.more, 2 * 3600 * u64::from(PER_SECOND));
        assert_eq!(e.not_observed, 0);
        most
    }

    /// Regression: the table of sightings only shrank at its cap (200,000), which a steady
    /// stream of connects from new sockets reached after about 17 minutes of the agent's soak
    /// benchmark. Ports reused only after an hour: the table holds only the last few minutes'
    /// sockets.
    #[test]
    fn sightings_expire_by_age_not_at_the_cap() {
        let most = two_hours_of_connects(|n| 1024 + (n % 60_000) as u16, |_, _| {});
        let expiry_secs = (SIGHTING_EXPIRY_NS / Timestamp::NANOS_PER_SEC) as usize;
        let bound = (expiry_secs + 2) * 20;
        assert!(most <= bound, "{most} sightings held (bound {bound})");
    }

    /// Regression: a port reused by a new process's socket before the old sighting expired
    /// queued the key again, and expiring either entry queued it again while the key lived,
    /// so the queue grew by one entry per connect for as long as connects reused ports (the
    /// agent's soak: 200 connects a second from bash over the ephemeral range, a port reused
    /// every two and a half minutes, the queue past 8 MB after 15 minutes). Here 500 client
    /// ports, each reused every 25 s.
    #[test]
    fn a_port_reused_by_new_processes_keeps_one_queue_entry() {
        let mut longest = 0;
        two_hours_of_connects(
            |n| 40_000 + (n % 500) as u16,
            |c, sec| {
                assert_eq!(c.order.len(), c.sightings(), "second {sec}");
                longest = longest.max(c.order.len());
            },
        );
        assert_eq!(longest, 500, "one entry per client port");
    }

    /// Regression (the fuzz corpus replayed after agent-s38's queue of whole seconds): a
    /// sighting stamped after 2106, past the queue's `u32` seconds, was queued again and again
    /// at the last of them, before the cutoff, and the walk never ended. It ends, and the
    /// sighting goes once its time is past.
    #[test]
    fn a_sighting_stamped_past_the_queues_seconds_expires_without_a_hang() {
        let year_2262 = 9_223_000_000_000; // ms: within i64 nanoseconds
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(
            year_2262,
            40_000,
            5,
            SightingSource::ConnectTrace,
        ));
        c.sighting(&sighting(1_000, 40_001, 6, SightingSource::ConnectTrace));
        c.settle(Some(at(year_2262 + 1_000)));
        assert_eq!(c.sightings(), 1, "the old one expired, the recent one kept");
        c.settle(Some(at(year_2262
            + 1_000
            + SIGHTING_EXPIRY_NS / 1_000_000
            + 1_000)));
        assert_eq!(c.sightings(), 0);
    }

    /// A socket seen once at its connect still explains an unanswered attempt decided two
    /// minutes later; one sampled each second while it lives is kept however long it lives;
    /// one last seen longer ago than the expiry is forgotten.
    #[test]
    fn a_sighting_lives_while_seen_and_expires_after_its_last_sighting() {
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(0, 40_000, 5, SightingSource::ConnectTrace));
        for sec in 0..600 {
            c.sighting(&sighting(
                sec * 1000,
                40_001,
                6,
                SightingSource::SocketTable,
            ));
            c.settle(Some(at(sec * 1000)));
            if sec == 125 {
                let mut late = refused(120_000, 40_000);
                late.kind = IncidentKind::Failed(Failure::Unanswered);
                c.incident(&late);
            }
        }
        assert_eq!(
            c.sightings(),
            1,
            "the connect-time sighting expired, the live one stays"
        );
        c.incident(&refused(599_000, 40_001));
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        // Both explained: by process 5's connect and by process 6's live socket (one
        // program, two processes, the latest named).
        let each: Vec<(u32, u64, u64)> = (e.processes.iter())
            .map(|p| (p.pid, p.connections, p.processes))
            .collect();
        assert_eq!(each, [(6, 2, 2)]);
        assert_eq!(e.not_observed, 0);
    }

    #[test]
    fn rsts_that_ended_an_attempt_are_counted_once_through_the_attempt() {
        let mut c = ClientAttribution::new();
        c.sighting(&sighting(0, 40_000, 9, SightingSource::SocketTable));
        let mut rst = refused(1, 40_000);
        rst.kind = IncidentKind::Rst {
            cause: crate::engine::Cause::Refused,
            from_server: true,
            part_of_attempt: true,
        };
        c.incident(&rst);
        c.incident(&refused(1, 40_000));
        c.settle(None);
        let e = c.endpoint(("127.0.0.1".parse().expect("ip"), 7211));
        assert_eq!(e.processes[0].connections, 1);
    }
}
