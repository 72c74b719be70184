//! The machine itself: the kernel's TCP counters, read the same way on every OS.
//!
//! Each OS has its own module behind one function, [`read_tcp_counters`](crate::host::read_tcp_counters); what comes back,
//! [`TcpCounters`](crate::host::TcpCounters), keeps the OS's own counter names, so a report can quote them as the
//! admin's own tools (`nstat`, `netstat -s`) show them. [`CounterSeries`](crate::host::CounterSeries) turns successive
//! readings into per-second counts; it is pure, and tests feed it hand-made readings.
//!
//! Which process owned a connection's client socket is a
//! [`ProcessSighting`](crate::host::ProcessSighting); on Linux,
//! [`connect_trace`](crate::host::connect_trace) gathers them per connect as they happen (root
//! only).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::engine::series::{Appended, Shared};
use crate::packet::Timestamp;

/// A counter's per-second points, sealed into shared chunks of 1,024 (16 KiB; about 17
/// minutes of seconds).
type CounterPoints = Appended<(i64, u64), 1024>;

/// Processes a capture file names, as sightings of the capturing host's sockets.
pub mod captured;
/// The connecting side: incidents tied to the processes that owned their client sockets.
pub mod clients;
/// Linux: which process made each TCP connect, from the kernel's connect tracepoint (root).
#[cfg(target_os = "linux")]
pub mod connect_trace;
/// The container a process runs in, named from its cgroup's path.
pub mod container;
/// Listener history: who listened where, from when until when.
pub mod history;
/// Who served a port before rstscope watched: the system journal (Linux, systemd).
pub mod journal;
/// Linux: `/proc/net/snmp` and `/proc/net/netstat`.
#[cfg(target_os = "linux")]
mod linux;
/// The shared libraries a program needs that the dynamic loader would not find (its ELF file).
pub mod loader;
/// The list and decimal separators of the user's regional settings, for CSV a spreadsheet opens.
pub mod locale;
/// macOS: the `net.inet.tcp.stats` sysctl, mapped to the nearest Linux names; the hardware UUID.
#[cfg(target_os = "macos")]
mod macos;
/// The `host-monitor` thread sampling the machine during a live capture.
pub mod monitor;
/// Process details through sysinfo.
pub mod processes;
/// What names the program a process runs: a script by the script, not by its interpreter.
pub mod program;
/// The host report saved in a live capture's pcapng file, and read back from it.
pub mod recorded;
/// Programs that keep failing to start: started again and again, ending at once, unloadable.
pub mod restarts;
/// Linux: the TCP socket table from the kernel's socket diagnostics (netlink).
#[cfg(target_os = "linux")]
pub mod sock_diag;
/// The socket table: the kernel's socket diagnostics on Linux, the extended TCP tables on Windows, the `listeners` crate elsewhere.
pub mod sockets;
/// Samples and incidents put together into the host's report.
pub mod state;
/// Other OSes: no reader; every call says so.
// Compiled under `cfg(test)` everywhere too, so its error path is checked where CI runs.
#[cfg(any(not(any(target_os = "linux", target_os = "macos", windows)), test))]
mod unsupported;
/// Windows: `GetTcpStatisticsEx` for IPv4 and IPv6, summed, under Linux's names; the socket table with its owners; the MachineGuid.
#[cfg(windows)]
mod windows;

#[cfg(target_os = "linux")]
use linux as os;
#[cfg(target_os = "macos")]
use macos as os;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
use unsupported as os;
#[cfg(windows)]
use windows as os;

/// Windows: each network adapter's `{GUID}` name (the tail of Npcap's `\Device\NPF_{GUID}`)
/// with its friendly name (`Ethernet 2`, `Wi-Fi`), as `ipconfig` names it; empty when Windows
/// does not say.
#[cfg(windows)]
#[must_use]
pub fn adapter_friendly_names() -> Vec<(String, String)> {
    windows::adapter_friendly_names()
}

/// Why the machine's counters, or the processes behind its connections, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The counter file could not be read.
    #[error("cannot read the kernel's TCP counters from {path}: {os}", os = crate::report::os_error(source))]
    Read {
        /// The file that was read.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The counter file is not laid out as expected.
    #[error("{path}, line {line}: {problem}; the kernel's counters are left out")]
    Parse {
        /// The file (or fixture) that was parsed.
        path: String,
        /// 1-based line number of the offending line.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A counter rstscope needs is not in the file (an older or trimmed kernel).
    #[error("{path} has no {section} counter {name}; the kernel's counters are left out")]
    MissingCounter {
        /// The file that was parsed.
        path: String,
        /// The section (`Tcp`, `TcpExt`) it was looked for in.
        section: &'static str,
        /// The counter's OS name.
        name: &'static str,
    },
    /// The socket table could not be read.
    #[error("cannot read the socket table: {message}; listeners and processes are not shown")]
    Sockets {
        /// What the OS (or the crate reading it) said.
        message: String,
    },
    /// The per-connect event source could not start.
    #[error("{message}")]
    ConnectEvents {
        /// Why, and what to do.
        message: String,
    },
    /// The sampling thread could not start.
    #[error("cannot start the host-monitor thread: {message}")]
    Thread {
        /// What the OS said.
        message: String,
    },
    /// The OS call that gives the counters failed.
    #[error("cannot read the kernel's TCP counters ({call} for {what}): {os}", os = crate::report::os_error(source))]
    Call {
        /// The function called (`GetTcpStatisticsEx`, `sysctlbyname`).
        call: &'static str,
        /// What it was asked for (an address family, a sysctl name).
        what: &'static str,
        /// What the OS said.
        source: std::io::Error,
    },
    /// This OS has no counter reader yet.
    #[error(
        "reading the kernel's TCP counters is not supported on {os} yet; \
         captures are analyzed without them"
    )]
    Unsupported {
        /// `std::env::consts::OS` of the running build.
        os: &'static str,
    },
    /// Tracing connects needs root; tracefs refused this user.
    #[error(
        "tracing connects needs root (CAP_SYS_ADMIN), and {path} refused this user: {os}; {}",
        trace_way(*service), os = crate::report::os_error(source))]
    TraceNotPermitted {
        /// The tracefs file or directory that refused.
        path: String,
        /// What the OS said.
        source: std::io::Error,
        /// rstscope runs as a systemd service (`INVOCATION_ID` is set): the way to root is
        /// not sudo.
        service: bool,
    },
    /// tracefs is not mounted and could not be mounted.
    #[error(
        "tracefs is mounted at neither /sys/kernel/tracing nor /sys/kernel/debug/tracing, and \
         mounting it failed: {os}; mount it with `mount -t tracefs nodev \
         /sys/kernel/tracing` (the kernel needs CONFIG_FTRACE) to see which program made each \
         connection", os = crate::report::os_error(source))]
    TracefsMissing {
        /// Why the mount failed.
        source: std::io::Error,
    },
    /// The kernel has no `sock:inet_sock_set_state` event.
    #[error(
        "this kernel has no sock:inet_sock_set_state event ({path} is missing); connect \
         tracing needs Linux 4.16 or later with tracepoints, so program names are left out"
    )]
    TraceEventMissing {
        /// The event's `format` file that was looked for.
        path: String,
    },
    /// A tracefs description file is not laid out as expected.
    #[error(
        "{path}: {problem}; connect tracing cannot decode this kernel's events, so program \
         names are left out (please report it with that file and `uname -r`)"
    )]
    TraceFormat {
        /// The tracefs file (or fixture) that was parsed.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A tracefs file could not be used for connect tracing.
    #[error(
        "connect tracing: cannot {action} {path}: {os}; program names are left out \
         (another tracer using tracefs, or a kernel without instances, can cause this)", os = crate::report::os_error(source))]
    Trace {
        /// What was being done (`create`, `write`, `open`, ...).
        action: &'static str,
        /// The tracefs file or directory.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// What to do when tracing connects was refused for want of root. A systemd service (the
/// agent's shipped unit, `rstscope-agent.service`, runs it without root on purpose, with the
/// capabilities of capture and of naming processes only) is not run "with sudo": the note
/// says so, and what reading connect events takes there.
fn trace_way(service: bool) -> &'static str {
    if service {
        "this systemd service runs rstscope without root (as the agent's unit \
         rstscope-agent.service does on purpose, with CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_PTRACE \
         and CAP_DAC_READ_SEARCH only); to see which program made each connection, start the \
         agent as root instead of by that unit (`sudo rstscope agent ...`: it opens the trace, \
         then becomes --user, each thread keeping only the capabilities it uses)"
    } else {
        "run rstscope as root (e.g. with sudo) to see which program made each connection"
    }
}

/// One reading of the kernel's cumulative TCP counters, by the OS's own names.
///
/// The order is the OS module's fixed list, so output is stable from run to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpCounters {
    values: Vec<(&'static str, u64)>,
}

impl TcpCounters {
    /// A reading from `(name, cumulative value)` pairs; OS modules and test fakes build it.
    #[must_use]
    pub fn new(values: Vec<(&'static str, u64)>) -> Self {
        Self { values }
    }

    /// The cumulative value of counter `name`, if this reading has it.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<u64> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
    }

    /// All counters, in the OS module's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.values.iter().copied()
    }
}

/// How a process was tied to a client socket: reports say it beside every name they give.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum SightingSource {
    /// The kernel's per-connect event (Linux `sock:inet_sock_set_state`), seen as it happened.
    ConnectTrace,
    /// A socket-table sample that found the connection alive (lived long enough to be seen).
    SocketTable,
    /// Process information carried by the capture file itself (pcapng process blocks, comments).
    Capture,
}

impl SightingSource {
    /// The stable name used in JSON (`source`) and text reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectTrace => "connect-trace",
            Self::SocketTable => "socket-table",
            Self::Capture => "capture",
        }
    }
}

/// One observation that process `pid` owned the client socket `local` -> `remote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSighting {
    /// When it was observed (Unix time; the same clock as live packet timestamps).
    pub at: Timestamp,
    /// The client's own address and port.
    pub local: SocketAddr,
    /// The address and port it connected to, where the source tells it (a socket-table
    /// sample on some OSes gives only the socket's own address).
    pub remote: Option<SocketAddr>,
    /// The process (thread-group) ID.
    pub pid: u32,
    /// The process name as the OS reports it (Linux `comm`); may be empty when unknown.
    pub name: String,
    /// The program the process ran when it connected (Linux's connect trace: its
    /// `/proc/PID/exe`, or the path its exec was given with symbolic links resolved, as
    /// `/proc/PID/exe` says it); `None` when the source does not tell. What names a process
    /// that ended before its details could be read.
    pub exe: Option<String>,
    /// The script it runs through an interpreter, where its arguments were read (the
    /// process's own, or a capture's process information): what names it.
    pub script: Option<program::Script>,
    /// How it was observed.
    pub source: SightingSource,
}

/// A per-connect event source: tells, as each connect happens, which process made it.
pub trait ConnectEvents: Send {
    /// Moves the sightings gathered since the last call into `out`.
    fn drain(&mut self, out: &mut Vec<ProcessSighting>);
    /// Events lost so far (buffer overruns, full queues).
    fn lost(&self) -> u64;
    /// Connects passed on so far whose process's network namespace could not be read, while
    /// the capture's is known: each may be another namespace's client (none where the source
    /// does not tell namespaces).
    fn unplaced(&self) -> u64 {
        0
    }
    /// What the source is, for the notes of a report.
    fn describe(&self) -> &'static str;
    /// Programs seen failing to start again and again so far ([`restarts`]); none where the
    /// source does not see programs start and end.
    fn failing_starts(&self) -> Vec<restarts::FailingStart> {
        Vec::new()
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) as the IPv4 address they stand for, so a
/// dual-stack socket's view and a packet's view of one address compare equal.
fn canonical(a: std::net::IpAddr) -> std::net::IpAddr {
    match a {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Starts this OS's per-connect event source: Linux's connect tracepoint (root). Windows
/// (ETW Microsoft-Windows-TCPIP) and macOS (PKTAP) sources are not written yet.
///
/// # Errors
/// Why there is none: not root, no tracefs, not this OS.
pub fn connect_events() -> Result<Box<dyn ConnectEvents>, HostError> {
    #[cfg(target_os = "linux")]
    {
        connect_trace::ConnectTrace::start().map(|t| Box::new(t) as Box<dyn ConnectEvents>)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(HostError::ConnectEvents {
            message: format!(
                "no per-connect event source on {} yet",
                std::env::consts::OS
            ),
        })
    }
}

/// The network namespace this process runs in, where the OS has them and it can be read
/// (Linux: the inode number of `/proc/self/ns/net`): a live capture's, whose interfaces are
/// that namespace's.
#[must_use]
pub fn own_net_ns() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        connect_trace::netns_of("/proc/self/ns/net")
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The network namespace the machine's own services run in (Linux: PID 1's, read as root),
/// where it can be read: the system journal is the machine's, and a capture in another
/// namespace cannot take a port it names for its own.
#[must_use]
pub fn machine_net_ns() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        connect_trace::netns_of("/proc/1/ns/net")
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Reads the kernel's TCP counters now (Linux: `/proc/net/snmp` and `/proc/net/netstat`;
/// Windows: `GetTcpStatisticsEx`; macOS: the `net.inet.tcp.stats` sysctl).
///
/// # Errors
/// [`HostError::Unsupported`] on OSes without a reader yet; otherwise which file could not be
/// read or parsed, and why.
pub fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    os::read_tcp_counters()
}

/// Per-second counts from successive [`TcpCounters`] readings, at seconds the caller gives.
///
/// No clock inside: live capture passes the packet clock's seconds, tests pass literals. The
/// increase since the previous reading goes to the seconds the caller says it covers
/// ([`CounterSeries::push_over`]): about one, as the caller reads about once a second. A longer
/// gap (a machine so busy that the sampler ran late, a process held up) is spread evenly over
/// its seconds: put on one, the increase of 12 s of 20 failures a second read as a burst of
/// 240 in a second that never happened; spread, each second has the gap's average, and the
/// total is exact. A reading at the same or an earlier second (clock stepped back) adds to the
/// latest point, so no count is lost. A counter that goes down was reset (a new network
/// namespace, a 32-bit wrap): its new value is counted as the increase since the reset.
///
/// Points older than [`CounterSeries::keep_for`]'s span are dropped (a long-running agent
/// would otherwise add a point per counter per second for as long as it runs); the totals
/// stay exact.
#[derive(Debug, Clone, Default)]
pub struct CounterSeries {
    last: Option<(i64, TcpCounters)>,
    per_second: BTreeMap<&'static str, CounterPoints>,
    /// Points kept this many seconds back from the latest; `None`: all.
    kept: Option<i64>,
    /// The increases of the points dropped, by counter.
    dropped: BTreeMap<&'static str, u64>,
}

impl CounterSeries {
    /// An empty series; the first reading only sets the baseline.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the reading taken at `unix_secs`, its increase at that second.
    pub fn push(&mut self, unix_secs: i64, reading: TcpCounters) {
        self.push_over(unix_secs, unix_secs, reading);
    }

    /// Adds a reading whose increase since the one before covers the seconds `from` to `to`
    /// (both included; `to` is the reading's own second): spread evenly over them, the
    /// remainder one each on the first.
    pub fn push_over(&mut self, from: i64, to: i64, reading: TcpCounters) {
        if let Some((last_secs, last)) = &self.last {
            let at = to.max(*last_secs);
            let from = from.clamp(*last_secs, at);
            for (name, value) in reading.iter() {
                // A counter new in this reading has no baseline: it starts one.
                let Some(before) = last.get(name) else {
                    continue;
                };
                let delta = if value >= before {
                    value - before
                } else {
                    value
                };
                let points = self.per_second.entry(name).or_default();
                let seconds = u64::try_from(at - from + 1).unwrap_or(1);
                let (each, rest) = (delta / seconds, delta % seconds);
                for (i, second) in (from..=at).enumerate() {
                    let share = each + u64::from((i as u64) < rest);
                    match points.last_mut() {
                        Some((secs, n)) if *secs == second => *n += share,
                        _ => points.push((second, share)),
                    }
                }
                // Dropped a minute at a time, so that each reading does not move the vector.
                if let Some(k) = self.kept
                    && points.first().is_some_and(|&(s, _)| s < at - k - 60)
                {
                    let n = points.partition_point(|&(s, _)| s < at - k);
                    let mut gone = 0;
                    points.drop_first(n, |&(_, d)| gone += d);
                    *self.dropped.entry(name).or_insert(0) += gone;
                }
            }
            self.last = Some((at, reading));
        } else {
            self.last = Some((to, reading));
        }
    }

    /// `(unix second, increase)` points of counter `name`, oldest first, sharing all but the
    /// latest with the series (a snapshot five times a second copied six hours of them).
    #[must_use]
    pub fn per_second(&self, name: &str) -> Shared<(i64, u64)> {
        self.per_second
            .get(name)
            .map_or_else(Shared::default, CounterPoints::share)
    }

    /// Keeps the points of the last `secs` seconds only (`None`: all).
    pub fn keep_for(&mut self, secs: Option<i64>) {
        self.kept = secs;
    }

    /// The increase of counter `name` since the first reading.
    #[must_use]
    pub fn total(&self, name: &str) -> u64 {
        self.dropped.get(name).copied().unwrap_or(0) + self.kept_total(name)
    }

    /// The increase of counter `name` over the points kept.
    #[must_use]
    pub fn kept_total(&self, name: &str) -> u64 {
        self.per_second
            .get(name)
            .map_or(0, |p| p.iter().map(|&(_, n)| n).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(attempt_fails: u64, out_rsts: u64) -> TcpCounters {
        TcpCounters::new(vec![("AttemptFails", attempt_fails), ("OutRsts", out_rsts)])
    }

    #[test]
    fn two_readings_give_the_increase_at_the_later_second() {
        let mut series = CounterSeries::new();
        series.push(1_700_000_000, reading(100, 50));
        assert!(series.per_second("AttemptFails").is_empty());
        series.push(1_700_000_001, reading(103, 57));
        assert_eq!(
            series.per_second("AttemptFails").to_vec(),
            &[(1_700_000_001, 3)]
        );
        assert_eq!(series.per_second("OutRsts").to_vec(), &[(1_700_000_001, 7)]);
        assert_eq!(series.total("OutRsts"), 7);
        assert!(series.per_second("ListenOverflows").to_vec().is_empty());
    }

    /// Regression: a reading 12 s after the one before (the app held up) put its 240
    /// failures on one second, and the machine's table said "AttemptFails (peak 247/s)" of
    /// refusals that came 20 a second. Spread over the seconds the gap covers.
    #[test]
    fn a_gap_s_increase_is_spread_over_its_seconds() {
        let mut series = CounterSeries::new();
        series.push(10, reading(0, 0));
        series.push_over(11, 22, reading(240, 13));
        let points = series.per_second("AttemptFails").to_vec();
        assert_eq!(points.len(), 12);
        assert!(points.iter().all(|&(_, n)| n == 20), "{points:?}");
        assert_eq!(points.first().map(|p| p.0), Some(11));
        assert_eq!(points.last().map(|p| p.0), Some(22));
        // The remainder, one each on the first seconds: totals exact.
        let resets = series.per_second("OutRsts").to_vec();
        assert_eq!(resets[0], (11, 2));
        assert_eq!(resets[1], (12, 1));
        assert_eq!(resets[11], (22, 1));
        assert_eq!(series.total("OutRsts"), 13);
        // A next reading a second later, and one whose range starts before the latest point
        // (the clock stepped back): added on from the latest second, nothing lost.
        series.push_over(23, 23, reading(260, 13));
        series.push_over(20, 24, reading(262, 13));
        assert_eq!(
            &series.per_second("AttemptFails").to_vec()[12..],
            &[(23, 21), (24, 1)]
        );
        assert_eq!(series.total("AttemptFails"), 262);
    }

    #[test]
    fn gaps_repeats_and_steps_back_lose_no_count() {
        let mut series = CounterSeries::new();
        series.push(10, reading(0, 0));
        series.push(13, reading(4, 0)); // 3 s gap: whole increase at 13
        series.push(13, reading(5, 0)); // same second: adds to 13
        series.push(12, reading(7, 0)); // clock stepped back: adds to 13
        series.push(14, reading(7, 0));
        assert_eq!(
            series.per_second("AttemptFails").to_vec(),
            &[(13, 7), (14, 0)]
        );
        assert_eq!(series.total("AttemptFails"), 7);
    }

    #[test]
    fn a_counter_that_goes_down_was_reset() {
        let mut series = CounterSeries::new();
        series.push(1, reading(1_000, 0));
        series.push(2, reading(4, 0));
        series.push(3, reading(6, 0));
        assert_eq!(
            series.per_second("AttemptFails").to_vec(),
            &[(2, 4), (3, 2)]
        );
    }

    /// Regression: an agent's counter series grew by a point per counter per second for as
    /// long as it ran (and each report copied them). Two simulated days of readings, six
    /// hours kept: the points stay within six hours and a minute, the totals stay exact.
    #[test]
    fn kept_points_are_bounded_and_totals_exact() {
        let mut series = CounterSeries::new();
        series.keep_for(Some(6 * 3600));
        let mut most = 0;
        for s in 0..2 * 86_400u64 {
            series.push(s as i64, reading(3 * s, s));
            most = most.max(series.per_second("AttemptFails").len());
        }
        assert!(most <= 6 * 3600 + 61, "{most} points");
        assert_eq!(series.total("AttemptFails"), 3 * (2 * 86_400 - 1));
        assert_eq!(series.total("OutRsts"), 2 * 86_400 - 1);
        let kept = series.per_second("OutRsts");
        assert_eq!(series.kept_total("OutRsts"), kept.len() as u64);
        assert!(
            kept.first()
                .is_some_and(|&(s, _)| s >= 2 * 86_400 - 6 * 3600 - 61)
        );
    }

    #[test]
    fn unsupported_os_says_which_and_what_happens_instead() {
        let err = unsupported::read_tcp_counters().expect_err("the stub never reads");
        let text = err.to_string();
        assert!(text.contains(std::env::consts::OS), "{text}");
        assert!(text.contains("without them"), "{text}");
    }
}
