//! Programs that keep failing to start: started again and again, each run ending soon after
//! its start without having started well (a status other than 0, a signal), or at once on a
//! shared library the loader cannot find.
//!
//! The 7211 story without a journal: the collector that served the port crashed before the
//! capture began, and its supervisor (systemd, runit, a shell loop, a container's restart
//! policy) keeps starting it again, and each start fails: the new build crashes at start
//! (killed by SIGSEGV or SIGABRT), the OOM killer ends it, it exits 1 on a bad configuration
//! (maybe after a few seconds, having tried its database), or the loader stops it at once
//! ("error while loading shared libraries", exit status 127). Nothing listens, so the socket
//! table says nothing; the kernel's exec and exit events (read by the connect trace) show the
//! starts and how soon each ended, its `exit_group()` call the status it asked for, its signal
//! events the signal that killed it, and the executable's ELF file what it needs
//! ([`loader`](crate::host::loader)).
//!
//! What counts as a failing start: a run (an exec to its process's exit) that ended within
//! [`FAIL_WITHIN_NS`](crate::host::restarts::FAIL_WITHIN_NS) of its exec with a status other than 0 or killed by a signal; a program
//! is failing once [`MIN_FAILED_RUNS`](crate::host::restarts::MIN_FAILED_RUNS) such runs came one after another (each within
//! [`MAX_GAP_NS`](crate::host::restarts::MAX_GAP_NS) of the one before; where no signal killed any, over [`MIN_STATUS_LOOP_NS`](crate::host::restarts::MIN_STATUS_LOOP_NS)
//! at least), or, on any number of runs, when each ended within
//! [`QUICK_NS`](crate::host::restarts::QUICK_NS) and its file needs a library the loader would not find. A run that ended well
//! (status 0, where the kernel tells statuses) or lived longer ends the streak: health checks
//! and cron jobs that exit 0 are no failing starts, nor a check that fails now and then, nor a
//! single failed run. A run ended by another of its threads is told as one ended by its
//! first (a crash in a worker thread, a Java program's `System.exit()` called from another
//! thread): the threads a run makes in its first [`FAIL_WITHIN_NS`](crate::host::restarts::FAIL_WITHIN_NS) are followed. One whose end is
//! not seen (a group exit with status 0, or by a signal not read) neither counts nor ends it.
//!
//! What is evidence and what is not: that the program was started and ended soon is seen, and
//! so is the status each run asked to end with (its `exit_group()` call, where the kernel has
//! syscall events: 127 is the loader's) and the signal that killed it (the kernel's
//! `signal:signal_deliver` event for a signal left to its default action, and
//! `signal:signal_generate` for which signal a group kill was, `oom:mark_victim` for the OOM
//! killer's); that its libraries are missing is read from its file now, not from its run.
//! That it is the one that would serve a refused port is not seen: its runs were not seen
//! listening. A report links it to an endpoint only by the time its starts overlap the
//! refusals ([`StartLink::Timing`](crate::host::restarts::StartLink::Timing)), unless the same
//! executable was seen listening on that port, by this capture or by the journal
//! ([`StartLink::SameProgram`](crate::host::restarts::StartLink::SameProgram)).
//!
//! [`Restarts`](crate::host::restarts::Restarts) is pure and bounded: fed exec, exit and
//! signal events, it says which programs keep failing to start, with a function that tells
//! their missing libraries.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use super::container::Container;
use super::loader::MissingLibrary;
use crate::packet::Timestamp;

/// A run shorter than this ended "at once": a loader that cannot find a library ends the
/// process within milliseconds.
pub const QUICK_NS: i64 = Timestamp::NANOS_PER_SEC;
/// A run that failed within this long of its exec failed to start: a service that reads its
/// configuration and gives up, or tries its database a few times first, ends within seconds.
pub const FAIL_WITHIN_NS: i64 = 10 * Timestamp::NANOS_PER_SEC;
/// Failed runs one after another that make a program failing to start (without a missing
/// library): one failed run is no restart loop.
pub const MIN_FAILED_RUNS: u32 = 3;
/// How long failed runs that a signal did not end (statuses only) must have gone on, from the
/// first start to the latest, to make a loop: a script's check polled until it passes (`grep
/// -q` every 0.1 s, exit status 1 until the text is there) fails a few times in a row too,
/// for less long; a supervisor that restarts a service at once stops trying within moments
/// (systemd's start limit), where its journal tells.
pub const MIN_STATUS_LOOP_NS: i64 = 5 * Timestamp::NANOS_PER_SEC;
/// The longest time between two failed starts of one loop: systemd restarts within a
/// second, a shell loop within seconds, Kubernetes backs off up to five minutes; a program
/// failing less often than that (an hourly job) is not restarted by a supervisor.
pub const MAX_GAP_NS: i64 = 300 * Timestamp::NANOS_PER_SEC;
/// How long refusals may go on after the start of a run that ended well (status 0), the
/// program's failing runs before it, and still be its: that run served nothing.
pub const RECOVERED_ENDED_WELL_SLACK_NS: i64 = 5 * Timestamp::NANOS_PER_SEC;
/// How long after a run that kept running was known to ([`FAIL_WITHIN_NS`] after its start)
/// refusals may go on and still be its: a server may take that long to listen (a JVM).
pub const RECOVERED_START_SLACK_NS: i64 = 30 * Timestamp::NANOS_PER_SEC;
/// Processes started and not yet ended remembered at most (a busy host runs thousands).
const MAX_RUNNING: usize = 4096;
/// Threads of those processes remembered at most (made within [`FAIL_WITHIN_NS`] of their
/// process's start: a later run's end is no failed start, however it ended).
const MAX_THREADS: usize = 4 * MAX_RUNNING;
/// Failed runs a run's helpers are remembered of at most, until it ends.
const MAX_HELPERS_A_RUN: usize = 256;
/// A run that fails this soon after the program it ran and waited for failed only passed
/// that failure on (a wrapper waits for its child, then ends with its status).
const WRAPPER_ENDS_WITHIN_NS: i64 = Timestamp::NANOS_PER_SEC;
/// Programs with failed runs remembered at most, the least recently started forgotten first.
const MAX_PROGRAMS: usize = 256;
/// A program's file, found needing a missing library, is read again after this long once it
/// was started again since: the admin may have installed the library meanwhile ...
const RECHECK_NS: i64 = 5 * Timestamp::NANOS_PER_SEC;
/// ... and one found loadable after this long: a busy host starts many short-lived programs
/// (health checks, cron jobs) again and again, and each reading costs a few file reads.
const RECHECK_LOADABLE_NS: i64 = 60 * Timestamp::NANOS_PER_SEC;
/// `SIGKILL`: what a thread of a process ended as a group is told, whatever the cause.
const SIGKILL: u8 = 9;

/// The signals whose default action ends the process with a core dump (Linux's numbering on
/// x86 and ARM): delivered with that default action, the thread's process dies of it.
pub const CORE_SIGNALS: [u8; 10] = [3, 4, 5, 6, 7, 8, 11, 24, 25, 31];
/// The other signals whose default action ends the process (and the real-time signals,
/// 34 to 64): the kernel ends such a process as a group, each thread told `SIGKILL`. These
/// are seldom handled, and sent one at a time (`kill`, a supervisor stopping a service, a
/// pipe closed under a writer).
pub const ENDING_SIGNALS: [u8; 6] = [1, 2, 9, 13, 15, 16];
/// The signals whose default action ends the process as a group too, but which programs
/// handle and send themselves at high rates: timers (`SIGALRM`, `SIGVTALRM`, `SIGPROF` from
/// `setitimer()`, a profiler's 1 kHz), runtimes' thread signals (`SIGUSR1`, `SIGUSR2`,
/// `SIGPWR`, real-time signals, by `pthread_kill()`), `SIGIO`. Only such a signal sent by
/// `kill()` is read: a handled one cannot be told from the kernel's events until its
/// delivery, and reading every one cost the trace a thousand events a second per timer.
pub const HANDLED_SIGNALS: [u8; 7] = [10, 12, 14, 26, 27, 29, 30];

/// The conventional name of signal `sig` (Linux's numbering on x86 and ARM), `None` for one
/// without.
#[must_use]
pub fn signal_name(sig: u8) -> Option<&'static str> {
    Some(match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        29 => "SIGIO",
        30 => "SIGPWR",
        31 => "SIGSYS",
        _ => return None,
    })
}

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

/// How a program that kept failing to start was then seen starting well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recovered {
    /// The start of the run that went well.
    pub at: Timestamp,
    /// How it went well.
    pub how: RecoveredHow,
}

/// See [`Recovered`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoveredHow {
    /// It lived [`FAIL_WITHIN_NS`] or more: it had started (whether it still runs or not).
    KeptRunning,
    /// It ended with status 0 sooner (where the kernel tells statuses).
    EndedWell,
}

/// A program started again and again, each run failing soon after its start.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailingStart {
    /// Its executable, as started (symbolic links followed).
    pub program: String,
    /// The name the kernel gave its processes (`comm`).
    pub name: String,
    /// Its failed runs, one after another (see the [module](self) documentation).
    pub starts: u32,
    /// The first such run's start.
    pub first: Timestamp,
    /// The latest such run's start.
    pub last: Timestamp,
    /// The longest of those runs, in nanoseconds.
    pub longest_ns: i64,
    /// The exit status every run ended with, where the kernel told each (its `exit_group()`
    /// call: 127 is the loader's for a library it cannot find) and all were the same; `None`
    /// otherwise (a run killed by a signal, runs that ended differently, a kernel without
    /// the event; and in a host report saved by an rstscope before it).
    #[serde(default)]
    pub exit_status: Option<u8>,
    /// The signal every run was killed by, where all were killed by the same one; `None`
    /// otherwise (and in a host report saved by an rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<u8>,
    /// Of those runs, the ones killed by a signal (0 in a host report saved by an rstscope
    /// before it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub killed: u32,
    /// Of those, the ones the kernel's OOM killer chose.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub oom_killed: u32,
    /// The libraries its file needs that the loader would not find (read after the runs).
    pub missing: Vec<MissingLibrary>,
    /// How it is linked to the endpoint it is shown with; [`StartLink::Timing`] in the
    /// machine-wide list.
    #[serde(default)]
    pub link: StartLink,
    /// Other endpoints of the report its processes were seen connecting to (as clients with
    /// incidents there, by its name), `addr:port`, at most 3: a service whose own connects
    /// fail (its database refuses it, and it gives up), or a client failing its connects
    /// again and again (`curl`, exit status 7). In the machine-wide list, the endpoints of
    /// the report it was seen connecting to (at most 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connected_to: Vec<String>,
    /// Every one of its runs was forked by the same thread, as the kernel's fork events told:
    /// a supervisor's loop (systemd, runit, a shell's `while` loop) restarting one program.
    /// `false` where they were forked by different threads (a test harness running a tool
    /// from its test threads, cron's child for each job) or where the forks were not seen
    /// (and in a host report saved by an rstscope before it). A program whose runs only ended
    /// with a status (or were stopped) is linked by the timing alone only where this is so
    /// ([`FailingStart::timing_may_link`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supervised: bool,
    /// Its failed runs that ended after a connect of theirs failed (the kernel's socket
    /// changes: SYN_SENT to CLOSE, a refusal, an unreachable host or a connect given up), where
    /// any did: a client whose runs end as its connects fail (`bash -c 'exec
    /// 3<>/dev/tcp/...'` exits 1, `curl` 7), or a service that gives up on its database.
    /// `None` where none did (and in a host report saved by an rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_connects: Option<FailedConnects>,
    /// A later run that started well, after the failed ones: the loop is over, kept so that
    /// the admin still sees it happened. `None` while it goes on (and in a host report saved
    /// by an rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<Recovered>,
    /// Where its runs ran in another root or mount namespace than the host's (a container, a
    /// chroot): its path is that file system's, so its file is read there or not at all.
    /// `None` on the host's (and in a host report saved by an rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<Elsewhere>,
    /// The network namespaces its failed runs ran in, of those whose was read (the inode
    /// numbers of their `/proc/PID/ns/net`, as [`Forked::net_ns`] gives each), the first
    /// [`MAX_NET_NS`] (more, and `net_ns_unread` says so); empty where none was read. Only this boot's processes are named by these numbers: not
    /// saved with a capture, nor told in a report.
    #[serde(skip)]
    pub net_ns: Vec<u64>,
    /// Why the network namespace of some of its runs is not known, where it is not. Set this way by the event source; in a report's
    /// endpoint list (and a saved capture) only where the capture's namespace was known and
    /// no run was read in it ([`FailingStart::net_ns_untold`]): whether the program ran in
    /// the capture's namespace, and could have served its port, is then not known, and the
    /// diagnosis says so rather than guess. `None` otherwise (and in a host report saved by an
    /// rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ns_unread: Option<NetNsUnread>,
    /// Where its runs ran against the capture's network namespace
    /// ([`FailingStart::net_ns_relation_to`]), set where a report is made (the capture's
    /// namespace known then, live): the relation, not `net_ns`'s numbers, is what a file
    /// saved by a live capture keeps, so that a report read back from it says what the live
    /// one said. `None` where it is not known (and in a host report saved by an rstscope
    /// before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ns_relation: Option<NetNsRelation>,
}

/// Where the runs of a program failing to start ran, as to network namespaces, against the one
/// a live capture captured in: of the runs whose namespace was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetNsRelation {
    /// Every run in the capture's namespace.
    Capture,
    /// Some in the capture's, some in others (another container's, another test run's).
    CaptureAndOthers,
    /// Every run in other namespaces: none of the capture's ports was its to serve.
    Others,
}

impl NetNsRelation {
    /// Its name in the JSON: `capture`, `capture-and-others`, `others`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capture => "capture",
            Self::CaptureAndOthers => "capture-and-others",
            Self::Others => "others",
        }
    }
}

/// Why a process's network namespace was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetNsUnread {
    /// It ended before it was read, and so had every process that forked it in the same
    /// namespace: a run that fails within milliseconds, started into its namespace by the
    /// process itself (`ip netns exec`, a service manager's `NetworkNamespacePath=`, a
    /// container runtime's `clone()`).
    Gone,
    /// Reading its `/proc/PID/ns/net` was refused (another user's process, and rstscope
    /// without CAP_SYS_PTRACE).
    NotPermitted,
    /// Its runs ran in more than [`MAX_NET_NS`] namespaces, which are not all kept.
    Many,
}

impl NetNsUnread {
    /// Why, in a sentence's words: "its runs had ended before their namespace could be
    /// read, ...".
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::Gone => {
                "its runs had ended before their namespace could be read, as had the processes \
                 that started them there"
            }
            Self::NotPermitted => {
                "reading their namespace was not permitted (another user's processes: rstscope \
                 needs root or CAP_SYS_PTRACE to read it)"
            }
            Self::Many => "its runs ran in more network namespaces than rstscope keeps (8)",
        }
    }
}

/// The network namespaces of a program's failed runs told at most: more, and which it ran
/// in is not told (a program run in a container of each of many test runs).
pub const MAX_NET_NS: usize = 8;

/// A failing program's runs that ended after a connect of theirs failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FailedConnects {
    /// How many of its failed runs did ([`FailingStart::starts`] where every one did).
    pub runs: u32,
    /// The addresses those connects went to, `addr:port`, the first [`MAX_CONNECTS_TOLD`].
    pub to: Vec<String>,
    /// One of them is an endpoint of the report that refused connects (set with the report:
    /// the kernel's socket change does not tell a refusal from a connect given up).
    #[serde(default)]
    pub refused: bool,
}

/// What a failing program's runs were, as far as seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailingKind {
    /// Runs that ended soon after their start with nothing seen before their end but the
    /// end itself: a program that cannot start.
    FailedStart,
    /// Every run ended after a connect of its own failed, none by a crash: a client whose
    /// connects fail (refused), or a service that gives up on its database; it started.
    ConnectsFailed,
}

impl FailingKind {
    /// Its name in JSON and in the agent's metrics' `kind` label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::FailedStart => "failed-start",
            Self::ConnectsFailed => "connects-failed",
        }
    }
}

/// The addresses of a program's failed connects told at most.
pub const MAX_CONNECTS_TOLD: usize = 3;

/// Where a program failing to start ran, when not in the host's file system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Elsewhere {
    /// The container its cgroup names; `None` where it names none (a chroot, `unshare`).
    pub container: Option<Container>,
    /// That cgroup's path, where it was known (`/system.slice/docker-<id>.scope`).
    pub cgroup: Option<String>,
    /// Its file was read there, through a process of the same root and mount namespace
    /// still running (`/proc/PID/root`); `false` where none was left (a container whose
    /// only process is the program that fails): then it was not read, and no library is told.
    pub file_read: bool,
}

/// For serde's `skip_serializing_if`, which passes a reference.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FailingStart {
    /// The average time between starts, where there were two or more and the last did not
    /// come before the first. A capture's host block says what it likes: first and last
    /// further apart than an `i64` holds (a block's times at its extremes) overflowed, and a
    /// last before the first read "every -1.0 s"; neither tells an interval, so `None`.
    #[must_use]
    pub fn every_ns(&self) -> Option<i64> {
        let span = self.last.0.checked_sub(self.first.0)?;
        (self.starts > 1 && span >= 0).then(|| span / i64::from(self.starts - 1))
    }

    /// Its runs overlap `[from, to]`, give or take `slack_ns`.
    #[must_use]
    pub fn during(&self, from: Timestamp, to: Timestamp, slack_ns: i64) -> bool {
        self.first.0 <= to.0.saturating_add(slack_ns)
            && self.last.0 >= from.0.saturating_sub(slack_ns)
    }

    /// Its failing runs were over, by a run that went well, before `t` by more than a
    /// server's start would take: a run that ended well (status 0) started more than
    /// [`RECOVERED_ENDED_WELL_SLACK_NS`] before, one that kept running more than
    /// [`FAIL_WITHIN_NS`] and [`RECOVERED_START_SLACK_NS`] before. Refusals that went on past
    /// it were not its (a `grep -q` polled every 2 s until its text is there, which then ends
    /// with status 0, while the port is refused on).
    #[must_use]
    pub fn recovered_before(&self, t: Timestamp) -> bool {
        let Some(r) = self.recovered else {
            return false;
        };
        let slack = match r.how {
            RecoveredHow::EndedWell => RECOVERED_ENDED_WELL_SLACK_NS,
            RecoveredHow::KeptRunning => FAIL_WITHIN_NS + RECOVERED_START_SLACK_NS,
        };
        t.0 > r.at.0.saturating_add(slack)
    }

    /// Its runs show a program that cannot start, not one stopped or checking: its file
    /// needs a library the loader cannot find, the OOM killer ended runs, or every run was
    /// killed by the same signal of a crash (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE,
    /// SIGTRAP, SIGSYS), not one others send to stop a process (SIGTERM, SIGINT, SIGHUP,
    /// SIGKILL) or SIGPIPE, which a pipeline's reader gone sends (`... | head -1`).
    #[must_use]
    pub fn crashes_or_cannot_load(&self) -> bool {
        !self.missing.is_empty()
            || self.oom_killed > 0
            || self
                .signal
                .is_some_and(|sig| matches!(sig, 4 | 5 | 6 | 7 | 8 | 11 | 31))
    }

    /// It may be linked to a refused endpoint by the timing alone ([`StartLink::Timing`]):
    /// its runs show a program that cannot start ([`Self::crashes_or_cannot_load`]), or,
    /// ended only by statuses or stopped, were restarted by one supervisor's loop
    /// ([`FailingStart::supervised`]): a tool a test harness runs from its threads, a cron
    /// job, is not. Regression (the window on a busy machine): a test binary run again and
    /// again by another's tests, exiting with status 1, was offered in the Listener cell as
    /// "rstscope? failed to start".
    ///
    /// Whether it connects is not asked here: a client of the refused endpoint itself (by
    /// name among its clients, or its runs' connects to it failed) is left out where it is
    /// linked ([`HostState::report`](crate::host::state::HostState::report)), but a program
    /// seen connecting elsewhere may still be the port's server: a service restarted by
    /// systemd that exits 1 as its database refuses it, a server that crashes after it
    /// connected somewhere. Such a program is told with what it connected to
    /// ([`FailingStart::connected_to`], [`FailingStart::failed_connects`]). Regression: both
    /// were left out from 2026-12-07 (the collector beside its own refused 7211, a
    /// crash-looping server), with every program seen connecting anywhere.
    #[must_use]
    pub fn timing_may_link(&self) -> bool {
        self.crashes_or_cannot_load() || self.supervised
    }

    /// What its runs were: [`FailingKind::ConnectsFailed`] where every one ended after a
    /// connect of its own failed, and they did not crash nor fail to load
    /// ([`Self::crashes_or_cannot_load`]): a server killed by SIGSEGV at each start after its
    /// connect to its database was refused cannot start, whatever its connects did.
    /// Regression (a trial of a crash-looping server linked again by the timing): "...,
    /// each run killed by signal 11 (SIGSEGV) within 16 ms, after its connect to
    /// 127.0.0.1:5432 was refused (its connects failed, not its start)", and the agent
    /// counted its runs as `connects-failed`, apart from the programs that cannot start.
    #[must_use]
    pub fn kind(&self) -> FailingKind {
        match &self.failed_connects {
            Some(c)
                if c.runs >= self.starts && self.starts > 0 && !self.crashes_or_cannot_load() =>
            {
                FailingKind::ConnectsFailed
            }
            _ => FailingKind::FailedStart,
        }
    }

    /// Its runs ran in other network namespaces than `net_ns` only, as far as known: where
    /// any run's namespace was not known, `false`.
    #[must_use]
    pub fn only_in_other_net_ns(&self, net_ns: u64) -> bool {
        self.net_ns_unread.is_none() && !self.net_ns.is_empty() && !self.net_ns.contains(&net_ns)
    }

    /// Where its runs ran against network namespace `capture` (a capture's), of those whose
    /// namespace was read: `None` where none was read, and where some were not and none was
    /// read in `capture` (whether it ran there is not known: [`Self::net_ns_untold`]).
    #[must_use]
    pub fn net_ns_relation_to(&self, capture: u64) -> Option<NetNsRelation> {
        if self.net_ns.is_empty() || self.net_ns_untold(capture).is_some() {
            return None;
        }
        let others = self.net_ns.iter().any(|&ns| ns != capture);
        Some(match (self.net_ns.contains(&capture), others) {
            (true, false) => NetNsRelation::Capture,
            (true, true) => NetNsRelation::CaptureAndOthers,
            (false, _) => NetNsRelation::Others,
        })
    }

    /// It as a report tells it, against the capture's network namespace `capture` (`None`:
    /// not known): `net_ns_unread` only where whether it ran there is not known
    /// ([`Self::net_ns_untold`]), and `net_ns_relation` set ([`Self::net_ns_relation_to`]).
    #[must_use]
    pub fn told_against(self, capture: Option<u64>) -> Self {
        Self {
            net_ns_unread: capture.and_then(|ns| self.net_ns_untold(ns)),
            net_ns_relation: capture.and_then(|ns| self.net_ns_relation_to(ns)),
            ..self
        }
    }

    /// Why whether it ran in network namespace `net_ns` (a capture's) is not known: some of
    /// its runs' namespaces were not read, and none of those read was `net_ns`. `None` where
    /// it is known (a run read there, or every run read).
    #[must_use]
    pub fn net_ns_untold(&self, net_ns: u64) -> Option<NetNsUnread> {
        self.net_ns_unread
            .filter(|_| !self.net_ns.contains(&net_ns))
    }

    /// Its runs' failed connects went to `endpoint` (`addr:port`): its client there.
    #[must_use]
    pub fn failed_connecting_to(&self, endpoint: &str) -> bool {
        (self.failed_connects.iter()).any(|c| c.to.iter().any(|to| to == endpoint))
    }

    /// The endpoints it was seen connecting to as a client, `addr:port`: those its runs'
    /// connects failed to first ([`FailingStart::failed_connects`]), then the others
    /// ([`FailingStart::connected_to`]); empty where it was seen connecting nowhere. Beside a
    /// refused endpoint it is linked to by the timing alone, where it was a client instead
    /// (that endpoint's own clients are never linked to it).
    #[must_use]
    pub fn client_of(&self) -> Vec<String> {
        let failed = self.failed_connects.iter().flat_map(|c| c.to.iter());
        let mut to: Vec<String> = Vec::new();
        for ep in failed.chain(&self.connected_to) {
            if !to.contains(ep) {
                to.push(ep.clone());
            }
        }
        to
    }

    /// Its runs failed by their statuses only: no signal killed them and its file loads.
    /// Such a program may be a client that fails its connects (`curl` exits 7 when refused),
    /// where one killed by a signal or unable to load is not.
    #[must_use]
    pub fn by_status_only(&self) -> bool {
        self.killed == 0 && self.missing.is_empty()
    }
}

/// How a run ended, as far as the kernel's events told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// It asked to end with this status (`exit_group()`; only statuses other than 0 are told).
    Exited(u8),
    /// A signal killed it.
    Killed(u8),
    /// Its process was ended as a group, and neither a signal sent to it nor any of its
    /// threads' calls or signals say why (a thread's `exit_group(0)`, a thread not followed,
    /// a signal not read).
    Elsewhere,
}

/// A process started and not ended.
#[derive(Debug)]
struct Running {
    started: Timestamp,
    program: String,
    end: Option<End>,
    /// The latest signal sent to it that ends a process as a group.
    sent: Option<u8>,
    /// The OOM killer chose it.
    oom: bool,
    /// The run (by its process ID) that forked it, where seen: the nearest of its ancestors
    /// that is one.
    parent: Option<u32>,
    /// The thread that forked it, where seen.
    forker: Option<u32>,
    /// Where a connect of its failed last (the peer's address).
    failed_connect: Option<SocketAddr>,
    /// Its network namespace, or why it was not read ([`Forked::net_ns`]).
    net_ns: Result<u64, NetNsUnread>,
}

/// How a process came to be, where its fork was read ([`Restarts::exec_forked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forked {
    /// The thread that forked it (the supervisor: systemd, a shell's loop, a container's shim).
    pub by: Option<u32>,
    /// The run it was forked by: the thread's process, or the one that forked the subshell
    /// that forked it, where that is a run.
    pub run: Option<u32>,
    /// The network namespace it runs in (the inode number of its `/proc/PID/ns/net`, or of a
    /// forker's with no move to another seen between), or why it was not read: a refused
    /// port of one namespace is not served by a program failing in another.
    pub net_ns: Result<u64, NetNsUnread>,
}

impl Default for Forked {
    /// Nothing known of it: its forkers not seen, its namespace not read.
    fn default() -> Self {
        Self {
            by: None,
            run: None,
            net_ns: Err(NetNsUnread::Gone),
        }
    }
}

/// One program's failed runs, one after another.
#[derive(Debug)]
struct Runs {
    name: String,
    /// Runs counted: failed, or (where the kernel tells no statuses) ended at once.
    starts: u32,
    /// Of those, the runs seen failing (a status other than 0, a signal).
    failed: u32,
    first: Timestamp,
    last: Timestamp,
    longest_ns: i64,
    /// The first run's end, and whether every run ended the same way.
    end: Option<End>,
    alike: bool,
    killed: u32,
    oom: u32,
    /// When its file was last read, what was missing then, and where it ran when not on the
    /// host's file system (see [`Restarts::failing_read`]).
    checked: Option<(Timestamp, Vec<MissingLibrary>, Option<Elsewhere>)>,
    /// A run after these that started well, once they were listed.
    recovered: Option<Recovered>,
    /// The thread that forked its runs, where each was seen forked by the same one (`None`
    /// also where they were not: then a good run of the program forked by anyone ends the
    /// streak). Another's good run of the same program (a cron job's `python3` beside a
    /// Python service failing behind its supervisor) does not.
    forker: Option<u32>,
    /// Of `starts`, the runs that ended after a connect of theirs failed, and where those
    /// connects went (the first [`MAX_CONNECTS_TOLD`] addresses).
    connects_failed: u32,
    connect_to: Vec<SocketAddr>,
    /// Of `starts`, the runs whose failure was another's: forked by a run of another program
    /// that failed too, before that one's latest exec (a start script's helpers, its
    /// `readlink`, `tty -s`, `grep -q`, which end with status 1 as they should, before it execs
    /// the program that fails), or a wrapper's that ended at once after the program it ran
    /// and waited for failed (`tini`, `sh -c`, a script without `exec`). A program all of whose
    /// runs were such is not listed: the one whose failure it was is.
    secondary: u32,
    /// The network namespaces its runs ran in ([`FailingStart::net_ns`]), and why any run's
    /// was not known (or there were more than [`MAX_NET_NS`]), a refused read first.
    net_ns: Vec<u64>,
    net_ns_unread: Option<NetNsUnread>,
}

impl Runs {
    /// One after another, these runs make a loop (see [`Restarts::failing`]).
    fn looping(&self) -> bool {
        self.failed >= MIN_FAILED_RUNS
            && (self.killed > 0 || self.last.0 - self.first.0 >= MIN_STATUS_LOOP_NS)
    }

    /// They are listed by [`Restarts::failing`]: a loop, or runs that each ended at once of a
    /// file found needing a missing library.
    fn listed(&self) -> bool {
        !self.secondary_only(0)
            && (self.looping()
                || self.longest_ns < QUICK_NS
                    && self.checked.as_ref().is_some_and(|(_, m, _)| !m.is_empty()))
    }

    /// Whether a run forked by `forker` is one of these runs' loop: forked by the same
    /// thread, or where either is not known.
    fn forked_by(&self, forker: Option<u32>) -> bool {
        match (self.forker, forker) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => true,
        }
    }

    /// Every run counted failed by another's failure (see [`Runs::secondary`]), but for
    /// `pending` of them forked by runs not yet ended, where some were.
    fn secondary_only(&self, pending: u32) -> bool {
        self.secondary > 0 && self.secondary.saturating_add(pending) >= self.starts
    }
}

/// What a new read of a failing program's file leaves told of its libraries: `missing`, or,
/// where it finds none and the read before found some, those, each marked
/// [`MissingLibrary::found_since`]: the library installed since (the fix), the runs' cause
/// all the same. Regression (terminal trial, the story live to its fix): once the library was
/// back, the report said "each run ended within 1 ms with exit status 127; then it started
/// at 04:40:49 and kept running", no longer why, where its per-second lines had said "it
/// needs libtrialq.so.1, which the loader cannot find".
fn found_since(runs: &Runs, missing: Vec<MissingLibrary>) -> Vec<MissingLibrary> {
    match &runs.checked {
        Some((_, before, _)) if missing.is_empty() && !before.is_empty() => before
            .iter()
            .map(|m| MissingLibrary {
                found_since: true,
                ..m.clone()
            })
            .collect(),
        _ => missing,
    }
}

/// Whether `program`, whose file a read at `at` found needing libraries (`missing`, not yet
/// found since), has a run going that started after that read: it loaded, the library maybe
/// installed since, and its file is due to be read again.
fn loaded_since(
    running: &HashMap<u32, Running>,
    program: &str,
    at: Timestamp,
    missing: &[MissingLibrary],
) -> bool {
    missing.iter().any(|m| !m.found_since)
        && (running.values()).any(|r| r.program == program && r.started > at)
}

/// What one run's end does to its program's streak.
enum Verdict {
    Count,
    Reset,
    Ignore,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Restarts {
    /// Processes started and not ended, by PID.
    running: HashMap<u32, Running>,
    /// `(pid, start)` in start order, for forgetting the oldest.
    order: VecDeque<(u32, Timestamp)>,
    programs: HashMap<String, Runs>,
    /// Programs of failed runs forked by runs not yet ended, with their ends, by the PID of
    /// that run: helpers of it once it fails too, or the program it wrapped
    /// ([`Runs::secondary`]).
    helped: HashMap<u32, Vec<(String, Timestamp)>>,
    /// Threads other than the first of processes in `running`, made within
    /// [`FAIL_WITHIN_NS`] of its start: thread ID -> (process ID, its start).
    threads: HashMap<u32, (u32, Timestamp)>,
    /// `(tid, pid, start)` in the order made, for forgetting the oldest.
    thread_order: VecDeque<(u32, u32, Timestamp)>,
    /// Sockets connecting, by the kernel's socket address, to the run that began the
    /// connect (process ID): at most [`MAX_RUNNING`].
    connecting: HashMap<u64, u32>,
    /// The kernel tells every status other than 0: a run whose end is not told ended well.
    statuses_told: bool,
    /// Only processes' ends are told to [`Self::exit`] (their last thread's), not every
    /// thread's: one a run made may end it.
    process_exits: bool,
}

impl Restarts {
    /// Says that [`Self::exit_status`] is called for every process that asks to end with a
    /// status other than 0 (the kernel's `exit_group()` events are read): a run that ended
    /// without one then ended well. Otherwise (the default) such a run's end is unknown, and
    /// one that ended at once counts only where its file needs a missing library.
    pub fn statuses_told(&mut self, told: bool) {
        self.statuses_told = told;
    }

    /// Says that [`Self::exit`] is told only the ends of processes (by their last thread,
    /// the kernel's `group_dead`), not of every thread: an end told by a thread a run made is
    /// that run's. Otherwise (the default) only a run's first thread's end is its end.
    pub fn process_exits_told(&mut self, told: bool) {
        self.process_exits = told;
    }

    /// Process `pid` started `program` at `at`.
    pub fn exec(&mut self, at: Timestamp, pid: u32, program: &str) {
        self.exec_forked(at, pid, program, Forked::default());
    }

    /// Whether thread `tid` belongs to a run not yet ended (see [`Self::exec_forked`]).
    pub fn is_run(&self, tid: u32) -> bool {
        self.process_of(tid).is_some()
    }

    /// [`Self::exec`] of a process `forked` by a thread, or by a process that it forked
    /// without exec (a subshell). Where that thread belongs to a run, and this run fails and
    /// then that one too, one of the two failed by the other's failure and is not listed by
    /// [`Self::failing`] for it; a good run ends only a loop of runs forked by the same thread.
    pub fn exec_forked(&mut self, at: Timestamp, pid: u32, program: &str, forked: Forked) {
        // A process that execs again (a script execs its program) keeps how it came to be,
        // and the network namespace read before where it was not read now and the process
        // did not move since ([`Self::net_moved`]).
        let (parent, forker, net_ns) = self.running.get(&pid).map_or_else(
            || {
                let parent = forked.run.and_then(|tid| self.process_of(tid));
                (parent, forked.by, forked.net_ns)
            },
            |r| {
                let net_ns = match (forked.net_ns, r.net_ns) {
                    (Err(_), Ok(before)) => Ok(before),
                    (now, _) => now,
                };
                (r.parent, r.forker, net_ns)
            },
        );
        let parent = parent.filter(|&p| p != pid);
        self.running.insert(
            pid,
            Running {
                started: at,
                program: program.to_owned(),
                end: None,
                sent: None,
                oom: false,
                parent,
                forker,
                failed_connect: None,
                net_ns,
            },
        );
        self.order.push_back((pid, at));
        while self.running.len() > MAX_RUNNING {
            let Some((pid, at)) = self.order.pop_front() else {
                break;
            };
            if self.running.get(&pid).is_some_and(|r| r.started == at) {
                self.running.remove(&pid);
                self.helped.remove(&pid);
            }
        }
        if self.order.len() > 2 * MAX_RUNNING {
            let running = &self.running;
            self.order
                .retain(|(pid, at)| running.get(pid).is_some_and(|r| r.started == *at));
        }
    }

    /// Thread `tid` moved to another network namespace (`setns()` or `unshare()` of one, as
    /// `ip netns exec` and a service manager's `NetworkNamespacePath=` do before they exec the
    /// program): where it belongs to a run, the namespace read for that run is no longer its
    /// process's, and a later exec of the process is not taken to run there. Regression (three
    /// namespaces, a supervisor in the capture's starting each run with `ip netns exec`): the
    /// runs, gone before they were read, were told with the supervisor's namespace, the
    /// capture's, and named beside its refused port.
    pub fn net_moved(&mut self, tid: u32) {
        if let Some(run) = self.run_of(tid) {
            run.net_ns = Err(NetNsUnread::Gone);
        }
    }

    /// Thread `creator` made thread `tid` of its process at `at` (`task:task_newtask` with
    /// `CLONE_THREAD`): where the process is a run started less than [`FAIL_WITHIN_NS`] ago,
    /// `tid`'s calls and signals are its.
    pub fn thread_started(&mut self, at: Timestamp, creator: u32, tid: u32) {
        let Some(pid) = self.process_of(creator) else {
            return;
        };
        let started = self.running[&pid].started;
        if at.0 - started.0 >= FAIL_WITHIN_NS || tid == pid {
            return;
        }
        self.threads.insert(tid, (pid, started));
        self.thread_order.push_back((tid, pid, started));
        // The oldest go first: a run's threads matter for its first seconds only.
        while self.threads.len() > MAX_THREADS
            && let Some((tid, pid, started)) = self.thread_order.pop_front()
        {
            if self.threads.get(&tid) == Some(&(pid, started)) {
                self.threads.remove(&tid);
            }
        }
        if self.thread_order.len() > 2 * MAX_THREADS {
            let threads = &self.threads;
            self.thread_order
                .retain(|(tid, pid, started)| threads.get(tid) == Some(&(*pid, *started)));
        }
    }

    /// The run (by its process ID) that thread `tid` belongs to: its first thread's, or one it
    /// made early (see [`Self::thread_started`]).
    fn process_of(&self, tid: u32) -> Option<u32> {
        if self.running.contains_key(&tid) {
            return Some(tid);
        }
        let &(pid, started) = self.threads.get(&tid)?;
        self.running
            .get(&pid)
            .is_some_and(|r| r.started == started)
            .then_some(pid)
    }

    fn run_of(&mut self, tid: u32) -> Option<&mut Running> {
        let pid = self.process_of(tid)?;
        self.running.get_mut(&pid)
    }

    /// Thread `tid` asked to end its process with `status` (`exit_group()`, seen only for a
    /// status other than 0): where it belongs to a process started, that run's status.
    pub fn exit_status(&mut self, tid: u32, status: u8) {
        if let Some(run) = self.run_of(tid)
            && !matches!(run.end, Some(End::Exited(_) | End::Killed(_)))
        {
            run.end = Some(End::Exited(status));
        }
    }

    /// Signal `sig`, one that ends a process as a group by default, was sent to process (or
    /// thread) `pid` (`signal:signal_generate`): which signal a later group kill was.
    pub fn signal_sent(&mut self, pid: u32, sig: u8) {
        if let Some(run) = self.run_of(pid) {
            run.sent = Some(sig);
        }
    }

    /// Thread `tid` took signal `sig` with its default action, which ends the process
    /// (`signal:signal_deliver`): where it belongs to a process started, that run was killed
    /// by it. `SIGKILL` is what every thread of a process ended as a group is told: the
    /// signal sent to it, where one was; else what one of its threads did first (its
    /// `exit_group()`, a crash), where seen.
    pub fn signal_delivered(&mut self, tid: u32, sig: u8) {
        let Some(run) = self.run_of(tid) else {
            return;
        };
        if sig != SIGKILL {
            if !matches!(run.end, Some(End::Exited(_) | End::Killed(_))) {
                run.end = Some(End::Killed(sig));
            }
        } else if let Some(sent) = run.sent {
            run.end = Some(End::Killed(sent));
        } else if run.end.is_none() {
            run.end = Some(End::Elsewhere);
        }
    }

    /// Thread `tid` began a connect on socket `socket` (the kernel's socket address; its
    /// CLOSE to SYN_SENT change): where it belongs to a run, the socket's end is that run's.
    pub fn connect_started(&mut self, tid: u32, socket: u64) {
        let Some(pid) = self.process_of(tid) else {
            return;
        };
        if self.connecting.len() >= MAX_RUNNING {
            // Runs gone since (their connects' ends not seen): forgotten with them.
            let running = &self.running;
            self.connecting.retain(|_, pid| running.contains_key(pid));
            if self.connecting.len() >= MAX_RUNNING {
                self.connecting.clear();
            }
        }
        self.connecting.insert(socket, pid);
    }

    /// The connect on socket `socket` to `remote` ended, `failed` (SYN_SENT to CLOSE: refused,
    /// unreachable, or given up) or not: a run that made it and then ends soon ended after a
    /// failed connect (a client whose connect is refused, not a program that cannot start).
    pub fn connect_ended(&mut self, socket: u64, remote: SocketAddr, failed: bool) {
        let Some(pid) = self.connecting.remove(&socket) else {
            return;
        };
        if failed && let Some(run) = self.running.get_mut(&pid) {
            run.failed_connect = Some(remote);
        }
    }

    /// The OOM killer chose process `pid` (`oom:mark_victim`; the thread it names may be any
    /// of the process's).
    pub fn oom_victim(&mut self, pid: u32) {
        if let Some(run) = self.run_of(pid) {
            run.oom = true;
        }
    }

    /// Process `pid`, named `name`, ended at `at` (`pid` its last thread, which may be one it
    /// made): a failed run of its program is counted, a run that started well ends its streak
    /// (either returns `true`).
    pub fn exit(&mut self, at: Timestamp, pid: u32, name: &str) -> bool {
        let pid = if self.process_exits {
            self.process_of(pid)
        } else {
            Some(pid)
        };
        let Some(pid) = pid else {
            return false;
        };
        let Some(run) = self.running.remove(&pid) else {
            return false;
        };
        let helpers = self.helped.remove(&pid);
        if self.running.is_empty() {
            self.threads.clear();
            self.thread_order.clear();
        }
        let lived = at.0 - run.started.0;
        let failed = matches!(run.end, Some(End::Exited(_) | End::Killed(_)));
        let verdict = if lived < 0 {
            Verdict::Ignore
        } else if lived >= FAIL_WITHIN_NS {
            // It had started, however it ended.
            Verdict::Reset
        } else if failed || run.end.is_none() && !self.statuses_told && lived < QUICK_NS {
            Verdict::Count
        } else if run.end == Some(End::Elsewhere) || run.end.is_none() && !self.statuses_told {
            Verdict::Ignore
        } else {
            // Ended well.
            Verdict::Reset
        };
        let mut helpers = helpers;
        if matches!(verdict, Verdict::Reset) && lived < FAIL_WITHIN_NS {
            // A run that ended well within moments despite its helpers' failures (a pyenv
            // shim's `readlink` before a `python3 -c` that succeeds): they failed as helpers
            // do.
            for (helper, _) in helpers.take().into_iter().flatten() {
                if helper != run.program {
                    self.secondary(&helper);
                }
            }
        }
        if !matches!(verdict, Verdict::Count)
            && let Some(helpers) = helpers.take()
            && let Some(parent) = run.parent
            && self.running.contains_key(&parent)
        {
            // A run whose end tells nothing (or a supervisor that ran for a while) leaves the
            // failures of its helpers to the run that started it.
            let helped = self.helped.entry(parent).or_default();
            let room = MAX_HELPERS_A_RUN.saturating_sub(helped.len());
            helped.extend(helpers.into_iter().take(room));
        }
        match verdict {
            Verdict::Ignore => false,
            Verdict::Reset => {
                let how = if lived >= FAIL_WITHIN_NS {
                    RecoveredHow::KeptRunning
                } else {
                    RecoveredHow::EndedWell
                };
                self.started_well(&run.program, run.started, run.forker, how)
            }
            Verdict::Count => {
                let mut helpers = helpers.unwrap_or_default();
                // The program it ran and waited for, which failed just before it ended: it
                // only passed that failure on.
                let wrapper = helpers.last().is_some_and(|&(_, ended)| {
                    ended >= run.started && at.0 - ended.0 <= WRAPPER_ENDS_WITHIN_NS
                });
                if wrapper {
                    helpers.pop();
                }
                for (helper, _) in &helpers {
                    if *helper != run.program {
                        self.secondary(helper);
                    }
                }
                let program = run.program.clone();
                self.count(run, lived, failed, name);
                if wrapper {
                    self.secondary(&program);
                }
                true
            }
        }
    }

    /// A run of `program` forked by `forker` started at `at` went well: a loop listed is over
    /// (kept, told recovered), a streak not yet a loop forgotten; not where the streak's runs
    /// were all forked by another. Whether its list changed.
    fn started_well(
        &mut self,
        program: &str,
        at: Timestamp,
        forker: Option<u32>,
        how: RecoveredHow,
    ) -> bool {
        let Some(runs) = self.programs.get_mut(program) else {
            return false;
        };
        if runs.recovered.is_some() || !runs.forked_by(forker) {
            return false;
        }
        if runs.listed() && at >= runs.last {
            runs.recovered = Some(Recovered { at, how });
        } else {
            self.programs.remove(program);
        }
        true
    }

    /// Runs of programs listed failing that have lived [`FAIL_WITHIN_NS`] by `now` and still
    /// run: each such program is told recovered (it started and kept running) without waiting
    /// for the run's end, which a service that started well may never reach. Whether the list
    /// changed.
    pub fn settle(&mut self, now: Timestamp) -> bool {
        let reread = self.loads_since(now);
        if !self
            .programs
            .values()
            .any(|r| r.recovered.is_none() && r.listed())
        {
            return reread;
        }
        let mut started: Vec<(String, Timestamp, Option<u32>)> = self
            .running
            .values()
            .filter(|r| now.0 - r.started.0 >= FAIL_WITHIN_NS)
            .filter(|r| {
                self.programs.get(&r.program).is_some_and(|p| {
                    p.recovered.is_none()
                        && p.listed()
                        && r.started >= p.last
                        && p.forked_by(r.forker)
                })
            })
            .map(|r| (r.program.clone(), r.started, r.forker))
            .collect();
        // The earliest run that kept running is when it recovered.
        started.sort_by_key(|(_, at, _)| *at);
        let mut changed = reread;
        for (program, at, forker) in started {
            changed |= self.started_well(&program, at, forker, RecoveredHow::KeptRunning);
        }
        changed
    }

    /// A program whose file was found needing a library has a run going that started after
    /// that read, [`RECHECK_NS`] ago or more: its file is due to be read again, the library
    /// maybe installed (the run that goes on loaded it). Regression (terminal trial, the
    /// story live to its fix): the library was put back just after a read, no run failed
    /// after it to have the file read again, and the final report said the collector "needs
    /// libtrialq.so.1, which the loader cannot find" beside "still listened when the capture
    /// ended".
    fn loads_since(&self, now: Timestamp) -> bool {
        self.programs.iter().any(|(program, p)| {
            p.checked.as_ref().is_some_and(|(at, missing, _)| {
                loaded_since(&self.running, program, *at, missing) && now.0 - at.0 >= RECHECK_NS
            })
        })
    }

    /// One of `program`'s failed runs was another's failure ([`Runs::secondary`]).
    fn secondary(&mut self, program: &str) {
        if let Some(runs) = self.programs.get_mut(program) {
            runs.secondary = (runs.secondary + 1).min(runs.starts);
        }
    }

    fn count(&mut self, run: Running, lived: i64, failed: bool, name: &str) {
        let started = run.started;
        let forker = run.forker;
        // Forked by a run still going: its helper, if that one fails too.
        if let Some(parent) = run.parent
            && self.running.contains_key(&parent)
        {
            let helped = self.helped.entry(parent).or_default();
            if helped.len() < MAX_HELPERS_A_RUN {
                helped.push((run.program.clone(), Timestamp(started.0 + lived)));
            }
        }
        if let Some(runs) = self.programs.get(&run.program)
            && (started.0 - runs.last.0 > MAX_GAP_NS || runs.recovered.is_some())
        {
            // Too long after the last, or after a start that went well: another loop, if any.
            self.programs.remove(&run.program);
        }
        if !self.programs.contains_key(&run.program) && self.programs.len() >= MAX_PROGRAMS {
            let oldest = self
                .programs
                .iter()
                .min_by_key(|(_, r)| r.last)
                .map(|(p, _)| p.clone());
            if let Some(p) = oldest {
                self.programs.remove(&p);
            }
        }
        let runs = self.programs.entry(run.program).or_insert_with(|| Runs {
            name: name.to_owned(),
            starts: 0,
            failed: 0,
            first: started,
            last: started,
            longest_ns: 0,
            end: run.end,
            alike: true,
            killed: 0,
            oom: 0,
            checked: None,
            recovered: None,
            forker,
            connects_failed: 0,
            connect_to: Vec::new(),
            secondary: 0,
            net_ns: Vec::new(),
            net_ns_unread: None,
        });
        if runs.forker != forker {
            runs.forker = None;
        }
        runs.alike &= runs.end == run.end;
        runs.starts += 1;
        runs.failed += u32::from(failed);
        runs.killed += u32::from(matches!(run.end, Some(End::Killed(_))));
        runs.oom += u32::from(run.oom && matches!(run.end, Some(End::Killed(_))));
        runs.first = runs.first.min(started);
        runs.last = runs.last.max(started);
        runs.longest_ns = runs.longest_ns.max(lived);
        if let Some(to) = run.failed_connect {
            runs.connects_failed += 1;
            if runs.connect_to.len() < MAX_CONNECTS_TOLD && !runs.connect_to.contains(&to) {
                runs.connect_to.push(to);
            }
        }
        let unread = match run.net_ns {
            Ok(ns) if runs.net_ns.contains(&ns) => None,
            Ok(ns) if runs.net_ns.len() < MAX_NET_NS => {
                runs.net_ns.push(ns);
                None
            }
            Ok(_) => Some(NetNsUnread::Many),
            Err(why) => Some(why),
        };
        if runs.net_ns_unread != Some(NetNsUnread::NotPermitted) && unread.is_some() {
            runs.net_ns_unread = unread;
        }
        name.clone_into(&mut runs.name);
    }

    /// The programs failing to start as of `now`: [`MIN_FAILED_RUNS`] failed runs one after
    /// another (over [`MIN_STATUS_LOOP_NS`] where no signal killed any), or runs that each ended at once of a program whose file needs a library the
    /// loader would not find. Files are read with `missing` (each at most every 5 s when it
    /// needed one, every minute when not, and only when it was started again since), and the
    /// libraries found missing are told with the program either way.
    pub fn failing(
        &mut self,
        now: Timestamp,
        mut missing: impl FnMut(&str) -> Vec<MissingLibrary>,
    ) -> Vec<FailingStart> {
        self.failing_read(now, |program| (missing(program), None))
    }

    /// [`Self::failing`] where reading a program's file also tells where it ran, when not in
    /// the host's file system ([`FailingStart::elsewhere`]): `read` gives both. A file not
    /// read there is read again as soon as one that needs a library is (a later run may have
    /// a process of its container left to read it through).
    pub fn failing_read(
        &mut self,
        now: Timestamp,
        mut read: impl FnMut(&str) -> (Vec<MissingLibrary>, Option<Elsewhere>),
    ) -> Vec<FailingStart> {
        // Failed runs forked by runs not yet ended: a start script's helpers until it ends.
        let mut pending: HashMap<&str, u32> = HashMap::new();
        for (program, _) in self.helped.values().flatten() {
            *pending.entry(program.as_str()).or_default() += 1;
        }
        let running = &self.running;
        let mut out: Vec<FailingStart> = self
            .programs
            .iter_mut()
            .filter_map(|(program, runs)| {
                if runs.secondary_only(pending.get(program.as_str()).copied().unwrap_or(0)) {
                    return None;
                }
                let looping = runs.looping();
                let at_once = runs.longest_ns < QUICK_NS;
                if !looping && !at_once {
                    return None;
                }
                let stale = runs
                    .checked
                    .as_ref()
                    .is_none_or(|(at, missing, elsewhere)| {
                        let unread = elsewhere.as_ref().is_some_and(|e| !e.file_read);
                        let every = if missing.is_empty() && !unread {
                            RECHECK_LOADABLE_NS
                        } else {
                            RECHECK_NS
                        };
                        // A run going on that started since: it loaded ([`Self::loads_since`]).
                        let loaded = loaded_since(running, program, *at, missing);
                        (runs.last > *at || loaded) && now.0 - at.0 >= every
                    });
                if stale {
                    let (missing, elsewhere) = read(program);
                    // A container's file read before is not forgotten when nothing of it is
                    // left to read it through now (its loop's shell ended after the last run).
                    let kept = elsewhere.as_ref().is_some_and(|e| !e.file_read)
                        && runs
                            .checked
                            .as_ref()
                            .is_some_and(|(_, _, e)| e.as_ref().is_some_and(|e| e.file_read));
                    if !kept {
                        runs.checked = Some((now, found_since(runs, missing), elsewhere));
                    }
                }
                let (lacks, elsewhere) = runs
                    .checked
                    .as_ref()
                    .map(|(_, m, e)| (m.clone(), e.clone()))
                    .unwrap_or_default();
                if !looping && lacks.is_empty() {
                    return None;
                }
                let alike = runs.end.filter(|_| runs.alike);
                Some(FailingStart {
                    program: program.clone(),
                    name: runs.name.clone(),
                    starts: runs.starts,
                    first: runs.first,
                    last: runs.last,
                    longest_ns: runs.longest_ns,
                    exit_status: match alike {
                        Some(End::Exited(status)) => Some(status),
                        _ => None,
                    },
                    signal: match alike {
                        Some(End::Killed(sig)) => Some(sig),
                        _ => None,
                    },
                    killed: runs.killed,
                    oom_killed: runs.oom,
                    missing: lacks,
                    link: StartLink::Timing,
                    connected_to: Vec::new(),
                    supervised: runs.forker.is_some(),
                    failed_connects: (runs.connects_failed > 0).then(|| FailedConnects {
                        runs: runs.connects_failed,
                        to: runs.connect_to.iter().map(ToString::to_string).collect(),
                        refused: false,
                    }),
                    recovered: runs.recovered,
                    elsewhere,
                    net_ns: runs.net_ns.clone(),
                    net_ns_unread: runs.net_ns_unread,
                    net_ns_relation: None,
                })
            })
            .collect();
        out.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.program.cmp(&b.program)));
        out
    }
}

/// `program` failing to start 3 times from second `first` to `last`, each run ending within
/// 40 ms with exit status 1, every run forked by one supervisor's loop, linked by the timing;
/// the tests set what they need.
#[cfg(test)]
pub(crate) fn failing_start(program: &str, first: i64, last: i64) -> FailingStart {
    FailingStart {
        program: program.into(),
        name: program.rsplit('/').next().unwrap_or_default().into(),
        starts: 3,
        first: Timestamp::from_parts(first, 0),
        last: Timestamp::from_parts(last, 0),
        longest_ns: 40_000_000,
        exit_status: Some(1),
        signal: None,
        killed: 0,
        oom_killed: 0,
        missing: Vec::new(),
        link: StartLink::Timing,
        connected_to: Vec::new(),
        supervised: true,
        failed_connects: None,
        recovered: None,
        elsewhere: None,
        net_ns: Vec::new(),
        net_ns_unread: None,
        net_ns_relation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    /// Regression (fuzzing the reader with the story sample's host block): a block whose
    /// failing start ran from `i64::MIN` to `i64::MAX` nanoseconds overflowed the interval
    /// between starts, in every report that tells it; one whose last start came before its
    /// first told a negative interval.
    #[test]
    fn failing_start_times_from_a_block_at_their_extremes_tell_no_interval() {
        let mut f = failing_start("/opt/x/collector", 0, 4);
        assert_eq!(f.every_ns(), Some(2000 * MS));
        for (first, last) in [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (4, 0)] {
            (f.first, f.last) = (Timestamp(first), Timestamp(last));
            assert_eq!(f.every_ns(), None, "from {first} to {last}");
        }
        (f.first, f.last, f.starts) = (Timestamp(i64::MIN), Timestamp(-1), u32::MAX);
        assert_eq!(f.every_ns(), Some(i64::MAX / i64::from(u32::MAX - 1)));
    }

    /// Forked by thread `tid`, a run's.
    fn forked(tid: u32) -> Forked {
        Forked {
            by: Some(tid),
            run: Some(tid),
            net_ns: Err(NetNsUnread::Gone),
        }
    }

    /// Process `pid` forked by thread `by` (a run's) started `program` at `ms`.
    fn start(r: &mut Restarts, ms: i64, pid: u32, program: &str, by: u32) {
        r.exec_forked(Timestamp(ms * MS), pid, program, forked(by));
    }

    /// Process `pid` ended at `ms` with `status` (told where not 0).
    fn end(r: &mut Restarts, ms: i64, pid: u32, status: u8) {
        if status != 0 {
            r.exit_status(pid, status);
        }
        r.exit(Timestamp(ms * MS), pid, "run");
    }

    fn zmq(program: &str) -> Vec<MissingLibrary> {
        vec![MissingLibrary {
            name: "libzmq.so.5".into(),
            needed_by: program.into(),
            found_since: false,
        }]
    }

    /// A start script restarted every 2 s (a pyenv shim, Tomcat's catalina.sh) runs helpers
    /// that end with status 1 as they should (`readlink` of a file that is no link, `tty -s`
    /// without a terminal), some from a subshell or a subcommand script that ends well, then
    /// execs the program that fails: the program is failing, not its helpers. A wrapper that runs the program, waits and ends
    /// with its status (a container's `tini`) is not failing either: the program is. Regression (a trial of a Python service failing
    /// at its import behind pyenv's shim): "/usr/bin/readlink failed to start 30 times"
    /// beside python3.11. A program restarted by a loop that keeps running (a shell's `while`
    /// in a script) is failing as before: its parent's run never fails.
    #[test]
    fn the_helpers_of_a_start_script_whose_program_fails_are_not_failing_themselves() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        // The supervisor: a script that loops, started once and kept running.
        r.exec(Timestamp(0), 10, "/usr/local/bin/keep-starting.sh");
        let java = "/usr/lib/jvm/bin/java";
        let collector = "/opt/collector/collector";
        for i in 0..6_i64 {
            let at = i * 2000 + 1;
            let script = 100 + 10 * u32::try_from(i).expect("small");
            start(&mut r, at, script, "/opt/app/bin/start.sh", 10);
            // dirname from a subshell: the trace gives the script as its parent run.
            start(&mut r, at + 1, script + 1, "/usr/bin/readlink", script);
            end(&mut r, at + 2, script + 1, 1);
            start(&mut r, at + 2, script + 2, "/usr/bin/tty", script);
            end(&mut r, at + 3, script + 2, 1);
            start(&mut r, at + 3, script + 3, "/usr/bin/dirname", script);
            end(&mut r, at + 4, script + 3, 0);
            // A subcommand script (`pyenv-hooks`) whose own helper fails, and which ends well.
            start(&mut r, at + 5, script + 5, "/opt/app/bin/hooks", script);
            start(&mut r, at + 6, script + 6, "/usr/bin/readlink", script + 5);
            end(&mut r, at + 7, script + 6, 1);
            end(&mut r, at + 8, script + 5, 0);
            // Another script of the machine (`python3 -c pass` behind the same shim) whose
            // helper fails and which ends well at once.
            start(&mut r, at + 20, script + 7, "/opt/app/bin/check.sh", 10);
            start(&mut r, at + 21, script + 8, "/usr/bin/readlink", script + 7);
            end(&mut r, at + 22, script + 8, 1);
            end(&mut r, at + 60, script + 7, 0);
            // The script execs its program, which fails.
            start(&mut r, at + 10, script, java, 10);
            end(&mut r, at + 300, script, 1);
            // A container's init (tini) runs the entrypoint and ends with its status: the
            // entrypoint is failing, not the init.
            let init = 700 + u32::try_from(i).expect("small");
            start(&mut r, at + 400, init, "/sbin/tini", 10);
            start(&mut r, at + 401, init + 50, "/app/entry", init);
            end(&mut r, at + 420, init + 50, 3);
            end(&mut r, at + 421, init, 3);
            // The loop's other service, started by the loop itself, fails at once.
            let c = 900 + u32::try_from(i).expect("small");
            start(&mut r, at + 500, c, collector, 10);
            end(&mut r, at + 501, c, 2);
        }
        // The next start, still going: its helper's failure waits for its end.
        start(&mut r, 12_001, 170, "/opt/app/bin/start.sh", 10);
        start(&mut r, 12_002, 171, "/usr/bin/readlink", 170);
        end(&mut r, 12_003, 171, 1);
        let failing = r.failing(Timestamp(12_100 * MS), |_| Vec::new());
        let programs: Vec<(&str, u32)> = failing
            .iter()
            .map(|f| (f.program.as_str(), f.starts))
            .collect();
        assert_eq!(
            programs,
            [(collector, 6), ("/app/entry", 6), (java, 6)],
            "{failing:?}"
        );
    }

    /// An interpreter is many programs: a Python service failing at its import, restarted
    /// every 2 s by its supervisor, beside a cron job's `python3` that ends well and another
    /// service's that keeps running. Those are forked by others and end neither its loop nor
    /// make it recovered; its own supervisor's next run that keeps running does. Before, the
    /// cron job's run ended the streak before it was ever a loop (tried live: a failing
    /// service behind pyenv was told or not as other Python programs of the machine ran).
    /// A shell's loop runs `bash -c 'exec 3<>/dev/tcp/127.0.0.1/7211'` against a closed
    /// port: each run's connect is refused (its socket goes from SYN_SENT to CLOSE, the
    /// refusal read in softirq under another thread), then it exits 1. Its runs are told as
    /// ending after their failed connects, and where; a run whose connect went through, or
    /// whose failed connect was another process's, is not.
    #[test]
    fn runs_that_end_after_their_connect_failed_say_so() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let port: SocketAddr = "127.0.0.1:7211".parse().expect("addr");
        for i in 0..12_u32 {
            let (pid, ms) = (100 + i, i64::from(i) * 500);
            start(&mut r, ms, pid, "/usr/bin/bash", 10);
            r.connect_started(pid, u64::from(pid) << 8);
            // The refusal, under the loop's shell (any thread but the run's).
            r.connect_ended(u64::from(pid) << 8, port, true);
            end(&mut r, ms + 3, pid, 1);
        }
        // Another program failing the same way, of which only one run's connect failed (and
        // one went through): told with that one only.
        for i in 0..4_u32 {
            let (pid, ms) = (200 + i, i64::from(i) * 2000);
            start(&mut r, ms, pid, "/opt/c/collector", 20);
            if i < 2 {
                r.connect_started(pid, 0xff00 + u64::from(i));
                r.connect_ended(0xff00 + u64::from(i), port, i == 0);
            }
            end(&mut r, ms + 40, pid, 1);
        }
        // A socket whose connect began outside any run: its end is nobody's.
        r.connect_started(1, 0xaa);
        r.connect_ended(0xaa, port, true);
        let failing = r.failing(Timestamp(7000 * MS), |_| Vec::new());
        let of = |program: &str| {
            failing
                .iter()
                .find(|f| f.program == program)
                .unwrap_or_else(|| panic!("{program}: {failing:?}"))
        };
        let bash = of("/usr/bin/bash");
        assert_eq!(
            bash.failed_connects,
            Some(FailedConnects {
                runs: 12,
                to: vec!["127.0.0.1:7211".into()],
                refused: false
            })
        );
        assert_eq!(bash.kind(), FailingKind::ConnectsFailed);
        assert!(bash.failed_connecting_to("127.0.0.1:7211"));
        let collector = of("/opt/c/collector");
        assert_eq!(collector.failed_connects.as_ref().map(|c| c.runs), Some(1));
        assert_eq!(collector.kind(), FailingKind::FailedStart);
        // Every run's connect failed, and every run crashed: a program that cannot start.
        let crashed = FailingStart {
            exit_status: None,
            signal: Some(11),
            killed: 12,
            ..bash.clone()
        };
        assert_eq!(crashed.kind(), FailingKind::FailedStart);
        let oom = FailingStart {
            signal: None,
            oom_killed: 1,
            ..crashed.clone()
        };
        assert_eq!(oom.kind(), FailingKind::FailedStart);
        // Stopped by a signal that is no crash (a pipeline's SIGPIPE): its connects still.
        let piped = FailingStart {
            signal: Some(13),
            ..crashed
        };
        assert_eq!(piped.kind(), FailingKind::ConnectsFailed);
    }

    #[test]
    fn good_runs_of_the_same_program_forked_by_another_do_not_end_a_loop() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let python = "/usr/bin/python3.11";
        let supervisor = Forked {
            by: Some(1),
            run: None,
            ..Forked::default()
        };
        let cron = Forked {
            by: Some(700),
            run: None,
            ..Forked::default()
        };
        // Another of its supervisor's services in Python, started long before and running.
        r.exec_forked(Timestamp(0), 50, python, supervisor);
        for i in 0..5_i64 {
            let at = Timestamp(1000 * MS + i * 2000 * MS);
            let pid = 100 + u32::try_from(i).expect("small");
            r.exec_forked(at, pid, python, supervisor);
            r.exit_status(pid, 1);
            r.exit(Timestamp(at.0 + 50 * MS), pid, "python3");
            // The cron job's check, between two runs.
            let check = 200 + u32::try_from(i).expect("small");
            r.exec_forked(Timestamp(at.0 + 500 * MS), check, python, cron);
            r.exit(Timestamp(at.0 + 900 * MS), check, "python3");
        }
        // Another service's Python, started after the last failed run, keeps running.
        let other = Forked {
            by: Some(800),
            run: None,
            ..Forked::default()
        };
        r.exec_forked(Timestamp(9_500 * MS), 60, python, other);
        assert!(!r.settle(Timestamp(19_600 * MS)), "the other service's run");
        let failing = r.failing(Timestamp(19_600 * MS), |_| Vec::new());
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!((failing[0].starts, failing[0].recovered), (5, None));
        // Its supervisor starts it again, and it keeps running.
        r.exec_forked(Timestamp(19_700 * MS), 300, python, supervisor);
        assert!(r.settle(Timestamp(29_700 * MS)));
        let failing = r.failing(Timestamp(29_700 * MS), |_| Vec::new());
        assert_eq!(
            failing[0].recovered.map(|rec| rec.at),
            Some(Timestamp(19_700 * MS))
        );
    }

    /// A container's loop (its shell) starts a program that cannot load, then ends: the file
    /// read through the shell while it ran is kept, not replaced by "not read" once nothing
    /// of the container is left. Regression (tried with Podman): a later check, after the
    /// loop's end, told the program's file not read and its library no more.
    #[test]
    fn a_containers_file_read_while_it_ran_is_kept_once_it_is_gone() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let there = |read: bool| Elsewhere {
            container: None,
            cgroup: None,
            file_read: read,
        };
        let mut read_now = true;
        for i in 0..4 {
            start(
                &mut r,
                i * 6000,
                100 + u32::try_from(i).expect("small"),
                "/opt/x/collector",
                50,
            );
            end(
                &mut r,
                i * 6000 + 1,
                100 + u32::try_from(i).expect("small"),
                127,
            );
            let f = r.failing_read(Timestamp((i * 6000 + 1) * MS), |p| {
                let found = if read_now { zmq(p) } else { Vec::new() };
                (found, Some(there(read_now)))
            });
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].missing, zmq("/opt/x/collector"), "run {i}");
            assert_eq!(f[0].elsewhere, Some(there(true)), "run {i}");
            // Its loop's shell gone after the first run's check.
            read_now = false;
        }
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
                signal: None,
                killed: 0,
                oom_killed: 0,
                missing: zmq(collector),
                link: StartLink::Timing,
                connected_to: Vec::new(),
                supervised: false,
                failed_connects: None,
                recovered: None,
                elsewhere: None,
                net_ns: Vec::new(),
                net_ns_unread: Some(NetNsUnread::Gone),
                net_ns_relation: None,
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
        // The library installed: read again at its next run, it is no longer failing. (Where
        // the kernel tells statuses, a run that told none ended well, and ends the streak.)
        r.statuses_told(true);
        r.exec(Timestamp(30_000 * MS), 201, collector);
        r.exit(Timestamp(30_001 * MS), 201, "collector");
        let failing = r.failing(Timestamp(31_000 * MS), |_| Vec::new());
        assert_eq!(
            failing
                .iter()
                .map(|f| (f.starts, f.recovered))
                .collect::<Vec<_>>(),
            [(
                6,
                Some(Recovered {
                    at: Timestamp(30_000 * MS),
                    how: RecoveredHow::EndedWell
                })
            )]
        );
    }

    /// Regression: a loop that ended with a start that went well (the library installed, the
    /// configuration fixed) stayed listed as failing for as long as the capture ran. It is
    /// kept, told recovered: at once where a run lived 10 s and still runs, or ended with
    /// status 0; its count does not change. A later loop is another one.
    #[test]
    fn a_loop_that_ends_with_a_good_start_is_told_recovered() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let p = "/opt/x/bin/collector";
        let segv = |r: &mut Restarts| r.signal_delivered(100, 11);
        for i in 0..4 {
            run(&mut r, p, 100, i * 2000, 40, segv);
        }
        assert_eq!(r.failing(Timestamp(7000 * MS), loads).len(), 1);
        assert!(!r.settle(Timestamp(7000 * MS)), "nothing runs");
        // Fixed: it starts at 8 s and keeps running.
        r.exec(Timestamp(8000 * MS), 101, p);
        assert!(!r.settle(Timestamp(17_999 * MS)), "not 10 s yet");
        assert!(r.settle(Timestamp(18_000 * MS)));
        assert!(!r.settle(Timestamp(19_000 * MS)), "told once");
        let failing = r.failing(Timestamp(18_000 * MS), loads);
        assert_eq!(
            failing
                .iter()
                .map(|f| (f.starts, f.signal, f.recovered))
                .collect::<Vec<_>>(),
            [(
                4,
                Some(11),
                Some(Recovered {
                    at: Timestamp(8000 * MS),
                    how: RecoveredHow::KeptRunning
                })
            )]
        );
        // Its end, an hour later, changes nothing.
        r.exit(Timestamp(3_608_000 * MS), 101, "collector");
        assert_eq!(r.failing(Timestamp(3_608_001 * MS), loads), failing);
        // It fails again: a new loop, from its first failed run.
        for i in 0..3 {
            run(&mut r, p, 100, 3_700_000 + i * 2000, 40, segv);
        }
        let again = r.failing(Timestamp(3_710_000 * MS), loads);
        assert_eq!(
            again
                .iter()
                .map(|f| (f.starts, f.first, f.recovered))
                .collect::<Vec<_>>(),
            [(3, Timestamp(3_700_000 * MS), None)]
        );
        // A streak not yet a loop is forgotten by a good start, as before.
        let q = "/opt/x/bin/other";
        run(&mut r, q, 102, 0, 40, |r| r.signal_delivered(102, 11));
        run(&mut r, q, 102, 100, 12_000, |_| {});
        assert!(!r.programs.contains_key(q));
    }

    /// Regression (terminal trial, the story live to its fix): the collector's runs end at
    /// once with status 127, its library missing; the library is put back and it starts and
    /// keeps running. The read of its file after the fix found nothing missing, and the
    /// loop was told recovered without its cause. The libraries stay told, found since; a
    /// library missing again is told missing.
    #[test]
    fn regression_a_library_found_after_the_failed_runs_stays_their_cause() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let p = "/opt/x/bin/collector";
        let mut installed = false;
        let read = |r: &mut Restarts, ms: i64, installed: bool| {
            r.failing(Timestamp(ms * MS), |p| {
                if installed { Vec::new() } else { zmq(p) }
            })
        };
        for i in 0..6 {
            run(&mut r, p, 100, i * 1000, 1, |r| r.exit_status(100, 127));
            let f = read(&mut r, i * 1000 + 2, installed);
            assert_eq!(f.len(), 1, "run {i}");
            assert!(f[0].missing.iter().all(|m| !m.found_since), "run {i}");
        }
        // Installed at 6 s: the next read, after a last failed run, finds it.
        installed = true;
        run(&mut r, p, 100, 10_500, 1, |r| r.exit_status(100, 127));
        let f = read(&mut r, 10_502, installed);
        assert_eq!(
            f[0].missing,
            [MissingLibrary {
                found_since: true,
                ..zmq(p)[0].clone()
            }]
        );
        // It starts and keeps running: recovered, its cause still told.
        r.exec(Timestamp(11_000 * MS), 101, p);
        assert!(r.settle(Timestamp(21_000 * MS)));
        let f = read(&mut r, 21_000, installed);
        assert!(f[0].recovered.is_some());
        assert!(f[0].missing.iter().all(|m| m.found_since), "{f:?}");
        assert!(f[0].crashes_or_cannot_load());
        // Removed again, a later loop's read finds it missing: not found since.
        r.exit(Timestamp(30_000 * MS), 101, "collector");
        for i in 0..3 {
            run(&mut r, p, 100, 40_000 + i * 1000, 1, |r| {
                r.exit_status(100, 127);
            });
        }
        let f = read(&mut r, 50_000, false);
        assert_eq!(f[0].missing, zmq(p));
    }

    /// Regression (terminal trial, the story live to its fix): the library was put back just
    /// after a read of the collector's file, and its next run kept going: no failed run came
    /// to have the file read again, and the report said it "needs libtrialq.so.1, which the
    /// loader cannot find" beside it listening. A run started since the read has the file
    /// read again, 5 s after the read, without waiting for it to have lived 10 s.
    #[test]
    fn regression_a_run_that_loaded_has_the_file_read_again() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let p = "/opt/x/bin/collector";
        let read = |r: &mut Restarts, ms: i64, installed: bool| {
            r.failing(Timestamp(ms * MS), |p| {
                if installed { Vec::new() } else { zmq(p) }
            })
        };
        for i in 0..6 {
            run(&mut r, p, 100, i * 1000, 1, |r| r.exit_status(100, 127));
            read(&mut r, i * 1000 + 2, false);
        }
        // Installed at 5.5 s; the run of 6 s loads and goes on.
        r.exec(Timestamp(6000 * MS), 101, p);
        assert!(!r.settle(Timestamp(9000 * MS)), "read less than 5 s ago");
        assert!(r.settle(Timestamp(10_100 * MS)), "due to be read again");
        let f = read(&mut r, 10_100, true);
        assert!(f[0].missing.iter().all(|m| m.found_since), "{f:?}");
        assert!(f[0].recovered.is_none(), "not 10 s yet");
        assert!(!r.settle(Timestamp(10_200 * MS)), "read once");
    }

    /// A run of `program` as process `pid` from `at_ms`, lasting `ms`, ended by `end`.
    fn run(
        r: &mut Restarts,
        program: &str,
        pid: u32,
        at_ms: i64,
        ms: i64,
        end: impl FnOnce(&mut Restarts),
    ) {
        r.exec(Timestamp(at_ms * MS), pid, program);
        end(r);
        r.exit(Timestamp((at_ms + ms) * MS), pid, "x");
    }

    fn loads(_: &str) -> Vec<MissingLibrary> {
        Vec::new()
    }

    /// The collector's new build crashes at start: killed by SIGSEGV 40 ms after each exec,
    /// restarted every 2 s. Its file loads: failing all the same, once a few runs failed.
    #[test]
    fn a_program_killed_by_a_signal_at_every_start_is_failing() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let collector = "/opt/x/bin/collector";
        let segv = |r: &mut Restarts| r.signal_delivered(100, 11);
        run(&mut r, collector, 100, 0, 40, segv);
        run(&mut r, collector, 100, 2000, 40, segv);
        assert_eq!(
            r.failing(Timestamp(3000 * MS), loads),
            [],
            "two failed runs are no loop"
        );
        for i in 2..12 {
            run(&mut r, collector, 100, i * 2000, 40, segv);
        }
        let failing = r.failing(Timestamp(30_000 * MS), loads);
        assert_eq!(failing.len(), 1, "{failing:?}");
        let f = &failing[0];
        assert_eq!(
            (f.starts, f.first, f.last, f.longest_ns),
            (12, Timestamp(0), Timestamp(22_000 * MS), 40 * MS)
        );
        assert_eq!(
            (f.signal, f.exit_status, f.killed, f.oom_killed),
            (Some(11), None, 12, 0)
        );
        assert_eq!(f.every_ns(), Some(2000 * MS));
        assert!(!f.by_status_only());
        assert_eq!(signal_name(11), Some("SIGSEGV"));
    }

    /// A bad configuration: the program reads it, tries its database for 3 s and exits 1. A
    /// run that lived longer than [`FAIL_WITHIN_NS`] had started: it ends the loop.
    #[test]
    fn a_program_exiting_1_within_seconds_is_failing_and_a_long_run_ends_it() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let p = "/opt/x/bin/collector";
        let one = |r: &mut Restarts| r.exit_status(7, 1);
        for i in 0..3 {
            run(&mut r, p, 7, i * 5000, 3000, one);
        }
        let failing = r.failing(Timestamp(20_000 * MS), loads);
        assert_eq!(
            failing
                .iter()
                .map(|f| (f.starts, f.exit_status, f.signal, f.longest_ns))
                .collect::<Vec<_>>(),
            [(3, Some(1), None, 3000 * MS)]
        );
        assert!(failing[0].by_status_only());
        // It ran 12 s this time before exiting 1: it had started; the loop is over.
        run(&mut r, p, 7, 20_000, 12_000, one);
        let failing = r.failing(Timestamp(40_000 * MS), loads);
        assert_eq!(
            failing
                .iter()
                .map(|f| (f.starts, f.recovered))
                .collect::<Vec<_>>(),
            [(
                3,
                Some(Recovered {
                    at: Timestamp(20_000 * MS),
                    how: RecoveredHow::KeptRunning
                })
            )]
        );
    }

    /// A program restarted by one supervisor's loop (every run forked by the same thread) is
    /// told `supervised`; one whose runs were forked by different threads (a test harness
    /// running a tool from its test threads, cron's child for each job) or whose forks were
    /// not seen is not, and by its statuses alone it is then no program the timing may link
    /// to a refused port. One that crashes may be linked either way. Connects do not decide
    /// it (a client of the refused endpoint itself is left out where it is linked): a crashing
    /// server whose runs connected somewhere before they crashed, and a supervised service
    /// whose connects to its database were refused, may still be the port's server.
    /// Regression: both were never linked from 2026-12-07.
    #[test]
    fn runs_forked_by_one_supervisor_are_told_supervised() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let (looped, tested, unseen) = ("/opt/x/bin/collector", "/opt/t/debug/tool", "/opt/u/job");
        for i in 0..4 {
            let pid = 100 + u32::try_from(i).expect("pid");
            start(&mut r, i * 2000, pid, looped, 7);
            end(&mut r, i * 2000 + 5, pid, 1);
            // Each run of the tool by another test thread of the harness.
            start(
                &mut r,
                i * 2000 + 10,
                pid + 100,
                tested,
                40 + u32::try_from(i).expect("tid"),
            );
            end(&mut r, i * 2000 + 15, pid + 100, 1);
            r.exec(Timestamp((i * 2000 + 20) * MS), pid + 200, unseen);
            end(&mut r, i * 2000 + 25, pid + 200, 1);
        }
        let failing = r.failing(Timestamp(10_000 * MS), loads);
        let told = |p: &str| failing.iter().find(|f| f.program == p).expect(p).clone();
        let (looped, tested, unseen) = (told(looped), told(tested), told(unseen));
        assert!(looped.supervised && looped.timing_may_link());
        for f in [&tested, &unseen] {
            assert!(!f.supervised && !f.timing_may_link(), "{f:?}");
        }
        let to_db = Some(FailedConnects {
            runs: 4,
            to: vec!["127.0.0.1:5432".into()],
            refused: true,
        });
        // Restarted by systemd, exiting 1 as its database refuses it.
        let gives_up = FailingStart {
            failed_connects: to_db.clone(),
            ..looped
        };
        assert!(gives_up.timing_may_link(), "{gives_up:?}");
        let crashing = FailingStart {
            signal: Some(11),
            killed: 4,
            exit_status: None,
            ..tested.clone()
        };
        assert!(crashing.timing_may_link());
        // Its connects failed before it crashed: still a crash.
        let connected = FailingStart {
            failed_connects: to_db.clone(),
            ..crashing
        };
        assert!(connected.timing_may_link(), "{connected:?}");
        // By its statuses alone, unsupervised: not, connects or none.
        let tool = FailingStart {
            failed_connects: to_db,
            ..tested
        };
        assert!(!tool.timing_may_link(), "{tool:?}");
    }

    /// Health checks and cron jobs that exit 0 are no failing starts, nor a check that fails
    /// now and then (a success ends its streak), nor one that fails once an hour.
    #[test]
    fn runs_that_end_well_or_fail_seldom_are_not_a_loop() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let check = "/usr/local/bin/check-disk";
        let fail = |r: &mut Restarts| r.exit_status(9, 1);
        let ok = |_: &mut Restarts| {};
        for i in 0..20 {
            run(&mut r, "/usr/bin/date", 8, i * 1000, 2, ok);
        }
        run(&mut r, check, 9, 0, 5, fail);
        run(&mut r, check, 9, 1000, 5, fail);
        run(&mut r, check, 9, 2000, 5, ok);
        run(&mut r, check, 9, 3000, 5, fail);
        run(&mut r, check, 9, 4000, 5, fail);
        assert_eq!(r.failing(Timestamp(5000 * MS), loads), []);
        // Once an hour, failing each time: too far apart for a supervisor's restarts.
        for i in 0..5 {
            run(
                &mut r,
                "/usr/local/bin/backup",
                10,
                i * 3_600_000,
                50,
                |r| {
                    r.exit_status(10, 2);
                },
            );
        }
        assert_eq!(r.failing(Timestamp(5 * 3_600_000 * MS), loads), []);
        // A third failed run within the gap: a loop of statuses only once it went on for 5 s
        // (a script polling `grep -q` until it passes fails for less long).
        run(&mut r, check, 9, 5000, 5, fail);
        assert_eq!(r.failing(Timestamp(6000 * MS), loads), []);
        run(&mut r, check, 9, 8000, 5, fail);
        assert_eq!(r.failing(Timestamp(9000 * MS), loads).len(), 1);
    }

    /// A signal that ends a process as a group (SIGTERM, the OOM killer's SIGKILL) is told to
    /// each thread as SIGKILL: the signal sent to the process says which it was. A group exit
    /// with no signal sent (another thread's exit or crash) is not told: neither counted nor
    /// ending the loop.
    #[test]
    fn a_group_kill_is_told_by_the_signal_sent_and_the_oom_killer_by_its_mark() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let p = "/opt/x/bin/collector";
        let oom = |r: &mut Restarts| {
            r.oom_victim(5);
            r.signal_sent(5, 9);
            r.signal_delivered(5, 9);
        };
        for i in 0..3 {
            run(&mut r, p, 5, i * 1000, 600, oom);
        }
        // Ended as a group, nothing seen saying why (a thread's exit_group(0), a thread not
        // followed): not counted.
        run(&mut r, p, 5, 3000, 600, |r| r.signal_delivered(5, 9));
        let failing = r.failing(Timestamp(4000 * MS), loads);
        assert_eq!(
            failing
                .iter()
                .map(|f| (f.starts, f.signal, f.killed, f.oom_killed))
                .collect::<Vec<_>>(),
            [(3, Some(9), 3, 3)]
        );
        // SIGTERM, by its default action: the runs now end differently.
        run(&mut r, p, 5, 4000, 600, |r| {
            r.signal_sent(5, 15);
            r.signal_delivered(5, 9);
        });
        run(&mut r, p, 5, 5000, 30, |r| r.exit_status(5, 1));
        let f = &r.failing(Timestamp(6000 * MS), loads)[0];
        assert_eq!(
            (f.starts, f.signal, f.exit_status, f.killed, f.oom_killed),
            (5, None, None, 4, 3)
        );
        let mut term = Restarts::default();
        term.statuses_told(true);
        for i in 0..3 {
            run(&mut term, p, 6, i * 1000, 10, |r| {
                r.signal_sent(6, 15);
                r.signal_delivered(6, 9);
            });
        }
        assert_eq!(
            term.failing(Timestamp(4000 * MS), loads)[0].signal,
            Some(15)
        );
    }

    /// Regression: a run ended by another of its threads (a crash in a worker thread; a Java
    /// program's `System.exit()` called from another thread than its first, which is an
    /// `exit_group()` there) was neither counted nor told: only the first thread's calls and
    /// signals were its. The threads a run makes early are followed; its first thread is told
    /// SIGKILL as the group ends, which does not hide what ended it. Its last thread may be
    /// the one that ends it.
    #[test]
    fn a_run_ended_by_another_of_its_threads_is_told_as_by_its_first() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        r.process_exits_told(true);
        let java = "/usr/lib/jvm/bin/java";
        for i in 0..3 {
            // Statuses only: a loop once it went on for 5 s.
            let (pid, at) = (300 + i, i64::from(i) * 3000);
            r.exec(Timestamp(at * MS), pid, java);
            // Its first thread makes a worker, which makes another; that one calls exit(3).
            r.thread_started(Timestamp((at + 10) * MS), pid, pid + 10);
            r.thread_started(Timestamp((at + 20) * MS), pid + 10, pid + 20);
            r.exit_status(pid + 20, 3);
            r.signal_delivered(pid, 9);
            r.signal_delivered(pid + 10, 9);
            // The worker's end is the process's.
            r.exit(Timestamp((at + 300) * MS), pid + 10, "java");
        }
        let crasher = "/opt/x/bin/crasher";
        for i in 0..3 {
            let (pid, at) = (400 + i, i64::from(i) * 2000);
            r.exec(Timestamp(at * MS), pid, crasher);
            r.thread_started(Timestamp((at + 5) * MS), pid, pid + 1);
            r.signal_delivered(pid + 1, 11);
            r.signal_delivered(pid, 9);
            r.exit(Timestamp((at + 40) * MS), pid, "crasher");
        }
        let failing = r.failing(Timestamp(10_000 * MS), loads);
        let told: Vec<_> = failing
            .iter()
            .map(|f| {
                (
                    f.program.as_str(),
                    f.starts,
                    f.exit_status,
                    f.signal,
                    f.killed,
                )
            })
            .collect();
        assert_eq!(
            told,
            [(java, 3, Some(3), None, 0), (crasher, 3, None, Some(11), 3)]
        );
        // A thread made 10 s into a run is not followed (whatever it does, the run had
        // started), and a thread ID of a run gone is nobody's.
        r.exec(Timestamp(20_000 * MS), 500, "/opt/x/bin/late");
        r.thread_started(Timestamp(31_000 * MS), 500, 501);
        assert_eq!(r.process_of(501), None);
        r.exec(Timestamp(40_000 * MS), 600, "/opt/x/bin/gone");
        r.thread_started(Timestamp(40_001 * MS), 600, 601);
        assert_eq!(r.process_of(601), Some(600));
        r.exit(Timestamp(40_002 * MS), 600, "gone");
        assert_eq!(r.process_of(601), None);
        // Where every thread's end is told, a thread's end is not its process's.
        let mut each = Restarts::default();
        each.exec(Timestamp(0), 700, "/opt/x/bin/pool");
        each.thread_started(Timestamp(MS), 700, 701);
        assert!(!each.exit(Timestamp(2 * MS), 701, "pool"));
        assert!(each.running.contains_key(&700));
    }

    #[test]
    fn memory_is_bounded() {
        let mut r = Restarts::default();
        for pid in 0..u32::try_from(3 * MAX_RUNNING).expect("small") {
            r.exec(Timestamp(i64::from(pid)), pid, "/usr/bin/sshd");
        }
        assert!(r.running.len() <= MAX_RUNNING && r.order.len() <= 2 * MAX_RUNNING);
        let first = u32::try_from(3 * MAX_RUNNING - 1).expect("small");
        for tid in 0..u32::try_from(2 * MAX_THREADS).expect("small") {
            r.thread_started(Timestamp(i64::from(first)), first, 1_000_000 + tid);
        }
        assert!(r.threads.len() <= MAX_THREADS && r.thread_order.len() <= 2 * MAX_THREADS);
        assert_eq!(
            r.process_of(1_000_000 + 2 * MAX_THREADS as u32 - 1),
            Some(first)
        );
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

    /// A process that moves to another network namespace and then execs the program (`ip
    /// netns exec`, a service manager's `NetworkNamespacePath=`) does not keep the namespace
    /// read at its earlier exec: its runs, gone before they were read, are of a namespace not
    /// known. Regression (three namespaces, a supervisor in the capture's starting each run
    /// with `ip netns exec` into another): the runs were told with the supervisor's namespace,
    /// the capture's, and the program named beside its refused port.
    #[test]
    fn a_run_that_moved_to_another_network_namespace_before_its_exec_is_not_told_with_the_old() {
        const SUPERVISOR: u64 = 4_026_532_001;
        let mut r = Restarts::default();
        r.statuses_told(true);
        for i in 0..3_u32 {
            let at = Timestamp(i64::from(i) * 3000 * MS);
            let pid = 100 + i;
            let ip = Forked {
                by: Some(1),
                run: None,
                net_ns: Ok(SUPERVISOR),
            };
            r.exec_forked(at, pid, "/usr/sbin/ip", ip);
            r.net_moved(pid);
            let gone = Forked {
                net_ns: Err(NetNsUnread::Gone),
                ..ip
            };
            r.exec_forked(Timestamp(at.0 + MS), pid, "/opt/b/collector", gone);
            r.exit_status(pid, 127);
            r.exit(Timestamp(at.0 + 2 * MS), pid, "collector");
            // A script that execs its program without moving keeps the namespace read.
            let sh = 200 + i;
            r.exec_forked(at, sh, "/bin/sh", ip);
            r.exec_forked(Timestamp(at.0 + MS), sh, "/opt/a/collector", gone);
            r.exit_status(sh, 127);
            r.exit(Timestamp(at.0 + 2 * MS), sh, "collector");
        }
        let failing = r.failing(Timestamp(10_000 * MS), |_| Vec::new());
        let net = |program: &str| {
            (failing.iter().find(|f| f.program == program))
                .map(|f| (f.net_ns.clone(), f.net_ns_unread))
                .unwrap_or_else(|| panic!("{program} in {failing:?}"))
        };
        assert_eq!(net("/opt/b/collector"), (vec![], Some(NetNsUnread::Gone)));
        assert_eq!(net("/opt/a/collector"), (vec![SUPERVISOR], None));
    }

    /// The network namespaces a program's failed runs ran in are told where each run's was
    /// read, and why where any was not (a run gone before it, with no forker of its
    /// namespace left): a report then cannot leave it out as another namespace's.
    #[test]
    fn the_network_namespaces_of_a_programs_runs_are_told_where_each_run_s_was_read() {
        let mut r = Restarts::default();
        r.statuses_told(true);
        let mut pid = 100;
        let mut run = |r: &mut Restarts, i: i64, program: &str, net_ns: Option<u64>| {
            pid += 1;
            let at = Timestamp(i * 3000 * MS);
            let forked = Forked {
                by: Some(1),
                run: None,
                net_ns: net_ns.ok_or(NetNsUnread::Gone),
            };
            r.exec_forked(at, pid, program, forked);
            r.exit_status(pid, 1);
            r.exit(Timestamp(at.0 + 40 * MS), pid, "run");
        };
        // One in a namespace of each of many test runs: more than are kept.
        for i in 0..=MAX_NET_NS as i64 {
            run(
                &mut r,
                i,
                "/opt/d/collector",
                Some(4_026_533_000 + i as u64),
            );
        }
        for i in 0..3 {
            run(&mut r, i, "/opt/a/collector", Some(4_026_532_001));
            run(
                &mut r,
                i,
                "/opt/b/collector",
                (i != 1).then_some(4_026_532_001),
            );
            run(
                &mut r,
                i,
                "/opt/c/collector",
                Some(4_026_532_001 + (i % 2) as u64),
            );
        }
        let failing = r.failing(Timestamp(10_000 * MS), |_| Vec::new());
        let net = |program: &str| {
            (failing.iter().find(|f| f.program == program))
                .map(|f| (f.net_ns.clone(), f.net_ns_unread))
                .unwrap_or_else(|| panic!("{program} in {failing:?}"))
        };
        assert_eq!(net("/opt/a/collector"), (vec![4_026_532_001], None));
        assert_eq!(
            net("/opt/b/collector"),
            (vec![4_026_532_001], Some(NetNsUnread::Gone)),
            "one run's not read"
        );
        assert_eq!(
            net("/opt/c/collector"),
            (vec![4_026_532_001, 4_026_532_002], None)
        );
        let (kept, why) = net("/opt/d/collector");
        assert_eq!((kept.len(), why), (MAX_NET_NS, Some(NetNsUnread::Many)));
        let a = (failing.iter().find(|f| f.program == "/opt/a/collector")).expect("listed");
        assert!(a.only_in_other_net_ns(4_026_531_840));
        assert!(!a.only_in_other_net_ns(4_026_532_001));
    }
}
