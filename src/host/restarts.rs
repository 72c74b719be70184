//! Programs that keep failing to start: started again and again, each run ending within
//! moments, their executable needing a shared library the loader cannot find.
//!
//! The 7211 story without a journal: the collector that served the port crashed before the
//! capture began, and its supervisor (systemd, runit, a shell loop, a container's restart
//! policy) keeps starting the new build, which the loader stops at once ("error while loading
//! shared libraries", exit status 127). Nothing listens, so the socket table says nothing; the
//! kernel's exec and exit events (read by the connect trace) show the starts and how soon
//! each ended, and the executable's ELF file shows what it needs
//! ([`loader`](crate::host::loader)).
//!
//! What is evidence and what is not: that the program was started and ended within moments
//! is seen, and so is the status each run asked to end with (its `exit_group()` call, where
//! the kernel has syscall events: 127 is the loader's); that its libraries are missing is read
//! from its file now, not from its run. That it is the one that would serve a
//! refused port is not seen: its starts end before it could listen. A report links it to an
//! endpoint only by the time its starts overlap the refusals ([`StartLink::Timing`](crate::host::restarts::StartLink::Timing)), unless
//! the same executable was seen listening on that port, by this capture or by the journal
//! ([`StartLink::SameProgram`](crate::host::restarts::StartLink::SameProgram)).
//!
//! [`Restarts`](crate::host::restarts::Restarts) is pure and bounded: fed exec and exit events, it says which programs failed
//! to start, with a function that tells their missing libraries.

use std::collections::{HashMap, VecDeque};

use super::loader::MissingLibrary;
use crate::packet::Timestamp;

/// A run shorter than this ended "at once": a loader that cannot find a library ends the
/// process within milliseconds.
pub const QUICK_NS: i64 = Timestamp::NANOS_PER_SEC;
/// Processes started and not yet ended remembered at most (a busy host runs thousands).
const MAX_RUNNING: usize = 4096;
/// Programs with quick runs remembered at most, the least recently started forgotten first.
const MAX_PROGRAMS: usize = 256;
/// A program's file, found needing a missing library, is read again after this long once it
/// was started again since: the admin may have installed the library meanwhile ...
const RECHECK_NS: i64 = 5 * Timestamp::NANOS_PER_SEC;
/// ... and one found loadable after this long: a busy host starts many short-lived programs
/// (health checks, cron jobs) again and again, and each reading costs a few file reads.
const RECHECK_LOADABLE_NS: i64 = 60 * Timestamp::NANOS_PER_SEC;

/// How a program that keeps failing to start is linked to a refused endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartLink {
    /// Only its starts overlap the refusals in time: a guess, not evidence that it serves the
    /// port.
    #[default]
    Timing,
    /// The same executable was seen listening on the endpoint's port (by this capture's
    /// samples, or in the journal): its restarts.
    SameProgram,
}

/// A program started again and again, each run ending at once, that cannot load.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailingStart {
    /// Its executable, as started (symbolic links followed).
    pub program: String,
    /// The name the kernel gave its processes (`comm`).
    pub name: String,
    /// Runs that ended at once (within [`QUICK_NS`]).
    pub starts: u32,
    /// The first such run's start.
    pub first: Timestamp,
    /// The latest such run's start.
    pub last: Timestamp,
    /// The longest of those runs, in nanoseconds.
    pub longest_ns: i64,
    /// The exit status every run ended with, where the kernel told each (its `exit_group()`
    /// call: 127 is the loader's for a library it cannot find) and all were the same; `None`
    /// otherwise (a run that ended with 0, or killed by a signal, or a kernel without the
    /// event; and in a host report saved by an rstscope before it).
    #[serde(default)]
    pub exit_status: Option<u8>,
    /// The libraries its file needs that the loader would not find (read after the runs).
    pub missing: Vec<MissingLibrary>,
    /// How it is linked to the endpoint it is shown with; [`StartLink::Timing`] in the
    /// machine-wide list.
    #[serde(default)]
    pub link: StartLink,
}

impl FailingStart {
    /// The average time between starts, where there were two or more.
    #[must_use]
    pub fn every_ns(&self) -> Option<i64> {
        (self.starts > 1).then(|| (self.last.0 - self.first.0) / i64::from(self.starts - 1))
    }

    /// Its runs overlap `[from, to]`, give or take `slack_ns`.
    #[must_use]
    pub fn during(&self, from: Timestamp, to: Timestamp, slack_ns: i64) -> bool {
        self.first.0 <= to.0.saturating_add(slack_ns)
            && self.last.0 >= from.0.saturating_sub(slack_ns)
    }
}

#[derive(Debug)]
struct Runs {
    name: String,
    starts: u32,
    first: Timestamp,
    last: Timestamp,
    longest_ns: i64,
    /// The exit status every run asked for, where each was told and all were the same.
    status: Option<u8>,
    /// When its file was last read, and what was missing then.
    checked: Option<(Timestamp, Vec<MissingLibrary>)>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Restarts {
    /// Processes started and not ended: their start, program, and the status they asked to
    /// end with, where told.
    running: HashMap<u32, (Timestamp, String, Option<u8>)>,
    /// `(pid, start)` in start order, for forgetting the oldest.
    order: VecDeque<(u32, Timestamp)>,
    programs: HashMap<String, Runs>,
}

impl Restarts {
    /// Process `pid` started `program` at `at`.
    pub fn exec(&mut self, at: Timestamp, pid: u32, program: &str) {
        self.running.insert(pid, (at, program.to_owned(), None));
        self.order.push_back((pid, at));
        while self.running.len() > MAX_RUNNING {
            let Some((pid, at)) = self.order.pop_front() else {
                break;
            };
            if self
                .running
                .get(&pid)
                .is_some_and(|(started, ..)| *started == at)
            {
                self.running.remove(&pid);
            }
        }
        if self.order.len() > 2 * MAX_RUNNING {
            let running = &self.running;
            self.order
                .retain(|(pid, at)| running.get(pid).is_some_and(|(s, ..)| s == at));
        }
    }

    /// Thread `tid` asked to end its process with `status` (`exit_group()`, seen only for a
    /// status other than 0): where it leads a process started, that run's status.
    pub fn exit_status(&mut self, tid: u32, status: u8) {
        if let Some(run) = self.running.get_mut(&tid) {
            run.2 = Some(status);
        }
    }

    /// Process `pid`, named `name`, ended at `at`: a run of its program that ended at once is
    /// counted (and `true` returned).
    pub fn exit(&mut self, at: Timestamp, pid: u32, name: &str) -> bool {
        let Some((started, program, status)) = self.running.remove(&pid) else {
            return false;
        };
        let lived = at.0 - started.0;
        if !(0..QUICK_NS).contains(&lived) {
            return false;
        }
        if !self.programs.contains_key(&program) && self.programs.len() >= MAX_PROGRAMS {
            let oldest = self
                .programs
                .iter()
                .min_by_key(|(_, r)| r.last)
                .map(|(p, _)| p.clone());
            if let Some(p) = oldest {
                self.programs.remove(&p);
            }
        }
        let runs = self.programs.entry(program).or_insert_with(|| Runs {
            name: name.to_owned(),
            starts: 0,
            first: started,
            last: started,
            longest_ns: 0,
            status,
            checked: None,
        });
        if runs.status != status {
            runs.status = None;
        }
        runs.starts += 1;
        runs.first = runs.first.min(started);
        runs.last = runs.last.max(started);
        runs.longest_ns = runs.longest_ns.max(lived);
        name.clone_into(&mut runs.name);
        true
    }

    /// The programs whose runs ended at once and whose files, read with `missing` (each at
    /// most every 5 s when it needed one, every minute when not, and only when it was started
    /// again since), need libraries the loader
    /// would not find, as of `now`.
    pub fn failing(
        &mut self,
        now: Timestamp,
        mut missing: impl FnMut(&str) -> Vec<MissingLibrary>,
    ) -> Vec<FailingStart> {
        let mut out: Vec<FailingStart> = self
            .programs
            .iter_mut()
            .filter_map(|(program, runs)| {
                let stale = runs.checked.as_ref().is_none_or(|(at, missing)| {
                    let every = if missing.is_empty() {
                        RECHECK_LOADABLE_NS
                    } else {
                        RECHECK_NS
                    };
                    runs.last > *at && now.0 - at.0 >= every
                });
                if stale {
                    runs.checked = Some((now, missing(program)));
                }
                let lacks = runs
                    .checked
                    .as_ref()
                    .map(|(_, m)| m)
                    .filter(|m| !m.is_empty())?;
                Some(FailingStart {
                    program: program.clone(),
                    name: runs.name.clone(),
                    starts: runs.starts,
                    first: runs.first,
                    last: runs.last,
                    longest_ns: runs.longest_ns,
                    exit_status: runs.status,
                    missing: lacks.clone(),
                    link: StartLink::Timing,
                })
            })
            .collect();
        out.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.program.cmp(&b.program)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    fn zmq(program: &str) -> Vec<MissingLibrary> {
        vec![MissingLibrary {
            name: "libzmq.so.5".into(),
            needed_by: program.into(),
        }]
    }

    #[test]
    fn a_program_restarted_every_two_seconds_that_cannot_load_is_failing() {
        let mut r = Restarts::default();
        let collector = "/opt/collector/bin/collector";
        // The supervisor's shell forks and execs it every 2 s; the loader ends it in 1 ms.
        for i in 0..5_i64 {
            let at = Timestamp(i * 2000 * MS);
            let pid = 100 + u32::try_from(i).expect("small");
            r.exec(at, pid, collector);
            // The loader's _exit(127).
            r.exit_status(pid, 127);
            r.exit(Timestamp(at.0 + MS), pid, "collector");
        }
        // A program that runs a while (the supervisor's sleep) is no quick run; one still
        // running neither.
        r.exec(Timestamp(0), 50, "/usr/bin/sleep");
        r.exit(Timestamp(2000 * MS), 50, "sleep");
        r.exec(Timestamp(0), 51, "/usr/sbin/sshd");
        // A quick run of a program that loads (`date` in a health check) is not failing.
        r.exec(Timestamp(0), 52, "/usr/bin/date");
        r.exit(Timestamp(2 * MS), 52, "date");
        let mut reads = Vec::new();
        let failing = r.failing(Timestamp(8001 * MS), |p| {
            reads.push(p.to_owned());
            if p == collector { zmq(p) } else { Vec::new() }
        });
        assert_eq!(
            failing,
            [FailingStart {
                program: collector.into(),
                name: "collector".into(),
                starts: 5,
                first: Timestamp(0),
                last: Timestamp(8000 * MS),
                longest_ns: MS,
                exit_status: Some(127),
                missing: zmq(collector),
                link: StartLink::Timing,
            }]
        );
        assert_eq!(failing[0].every_ns(), Some(2000 * MS));
        reads.sort();
        assert_eq!(reads, [collector, "/usr/bin/date"]);
        // `date` again 6 s later: loadable, so not read again within the minute.
        r.exec(Timestamp(14_000 * MS), 53, "/usr/bin/date");
        r.exit(Timestamp(14_002 * MS), 53, "date");
        let mut reads = Vec::new();
        r.failing(Timestamp(14_003 * MS), |p| {
            reads.push(p.to_owned());
            Vec::new()
        });
        assert_eq!(reads, [""; 0], "nothing read again yet");
        // Read again only once started again since, and 5 s after the last reading; then the
        // library is installed: no longer failing.
        let mut reads = 0;
        let failing = r.failing(Timestamp(20_000 * MS), |_| {
            reads += 1;
            Vec::new()
        });
        assert_eq!(
            (reads, failing.len()),
            (0, 1),
            "not started again: not read again"
        );
        // One run ended with another status: no single status is told any more.
        r.exec(Timestamp(20_000 * MS), 200, collector);
        r.exit_status(200, 1);
        r.exit(Timestamp(20_001 * MS), 200, "collector");
        let failing = r.failing(Timestamp(20_002 * MS), zmq);
        assert_eq!((failing[0].starts, failing[0].exit_status), (6, None));
        // The library installed: read again at its next run, it is no longer failing.
        r.exec(Timestamp(30_000 * MS), 201, collector);
        r.exit(Timestamp(30_001 * MS), 201, "collector");
        assert_eq!(r.failing(Timestamp(31_000 * MS), |_| Vec::new()), []);
    }

    #[test]
    fn memory_is_bounded() {
        let mut r = Restarts::default();
        for pid in 0..u32::try_from(3 * MAX_RUNNING).expect("small") {
            r.exec(Timestamp(i64::from(pid)), pid, "/usr/bin/sshd");
        }
        assert!(r.running.len() <= MAX_RUNNING && r.order.len() <= 2 * MAX_RUNNING);
        for pid in 0..u32::try_from(2 * MAX_PROGRAMS).expect("small") {
            let program = format!("/opt/p{pid}");
            r.exec(Timestamp(i64::from(pid)), pid, &program);
            r.exit(Timestamp(i64::from(pid) + MS), pid, "p");
        }
        assert_eq!(r.programs.len(), MAX_PROGRAMS);
        assert!(
            r.programs
                .contains_key(&format!("/opt/p{}", 2 * MAX_PROGRAMS - 1))
        );
    }
}
