//! Linux: which process made each TCP connect, seen as it happens, from the kernel's
//! `sock:inet_sock_set_state` tracepoint read through tracefs (no eBPF, no compiler).
//!
//! [`ConnectTrace::start`](crate::host::connect_trace::ConnectTrace::start) makes a private
//! tracefs instance (`instances/rstscope-<pid>-<n>`), lets only TCP changes into or out of
//! SYN_SENT through the kernel's event filter, and reads the binary per-CPU ring buffers
//! (`per_cpu/cpuN/trace_pipe_raw`) on a thread named `connect-trace`. The field offsets come
//! from the event's `format` file, not from this code. The PID is taken at CLOSE -> SYN_SENT,
//! made by connect() on the calling thread; the local port is chosen after that, so the
//! addresses come from the same socket's next change (SYN_SENT -> ESTABLISHED, or -> CLOSE when
//! refused, in softirq under an unrelated PID), paired by the socket's kernel address.
//!
//! Limits:
//! - Linux only, and root (CAP_SYS_ADMIN) only: tracefs is root's. When tracefs is not mounted
//!   at `/sys/kernel/tracing` or `/sys/kernel/debug/tracing`, `start` mounts it at
//!   `/sys/kernel/tracing` and leaves it mounted.
//! - The PID is that of the process whose thread called connect(). A process that forks after
//!   connect() and leaves the socket to its child is not followed, nor a socket passed to
//!   another process. PIDs are those of the initial PID namespace.
//! - The process ID and name are looked up in `/proc` when the reader sees the connect (within
//!   about 0.1 s), once a second at most for a thread that connects again and again, where the
//!   exec and exit events below tell when its process changed program or ended (see
//!   `connect_trace/owners.rs`). For a thread already gone by then, its process comes from the kernel's
//!   thread-to-process table (`saved_tgids`, filled while the instance's `record-tgid` option
//!   is on): a thread that connected and ended in a process still running is named by that
//!   process. For a process already gone (a short-lived `curl`, `nc` or script) the name
//!   comes from the kernel's `sched:sched_process_exit` event, enabled in the same instance;
//!   such a sighting is passed on one round later when its exit has not been read yet. Where
//!   the event has a `group_dead` field (recent kernels; 6.18 has it), a kernel filter lets
//!   through only the exit of each process's last thread: the exits of threads of running
//!   processes (thread pools) are not read, and a gone process is named by its last thread,
//!   which is its first but where a process's threads end together and another one ends last
//!   (then the name comes from its program's path, where its exec was seen). On a kernel
//!   without that event the name stays empty; without `record-tgid` a gone thread's PID is its
//!   thread ID. (Turning `record-tgid` on makes the kernel allocate that table once, four bytes
//!   per possible PID: 128 KiB with a `pid_max` of 32768, 16 MiB with 4194304; it stays until
//!   reboot.)
//! - The program a process ran comes from the kernel's `sched:sched_process_exec` event, in the
//!   same instance: a sighting of a process gone before its details could be read carries
//!   the path of its latest exec seen, resolved as `/proc/PID/exe` gives a running process's
//!   (symbolic links followed, so a venv's `bin/python3` reads as the `python3.11` it is, the
//!   same as while it runs or listens; a relative path is taken relative to the process's
//!   working directory while it runs, else to that of the thread that forked it, read from
//!   `task:task_newtask`, where the file is there, and otherwise kept as given), and its name is
//!   the one the kernel gave at that exec (the link's, `python3`). Programs started before the trace, and
//!   processes that forked without exec since, have none; nor has any on a kernel without the
//!   event. The command line is not in the event, and a process gone is not asked for it.
//!   The most recent 4096 execs are kept (1 MiB of paths at most); a process's exit ends its
//!   entry, so a later process given the same PID is not named after it (missed where its
//!   last thread was not its first and only process exits are read, as the exit then names
//!   another thread).
//! - The same exec and exit events tell programs that keep failing to start: runs that end
//!   soon after their exec with the status each asked to end with (the
//!   `syscalls:sys_enter_exit_group` event where the kernel has it, filtered to statuses other
//!   than 0) or killed by a signal (`signal:signal_deliver`, filtered to signals taken with
//!   their default action that ends the process; `signal:signal_generate`, filtered to signals
//!   sent that end a process as a group, which says which signal a group kill was, of those
//!   often handled and sent at high rates (timers, `pthread_kill()`) only what `kill()` sent; and
//!   `oom:mark_victim`, the OOM killer's choice), again and again, or at once where the
//!   executable needs a shared library the loader would not find (read from the file, at most
//!   every 5 s per program; see [`restarts`](crate::host::restarts)), listed by
//!   [`ConnectTrace::failing_starts`](crate::host::connect_trace::ConnectTrace::failing_starts).
//!   Machine-wide, each with the network namespaces its runs ran in: read at each exec from
//!   `/proc/PID/ns/net`, the run's own or, gone already (a run of milliseconds), its nearest
//!   forker's with no move to another namespace seen between (a loop's shell; `unshare()` and
//!   `setns()` of a network namespace, and `clone()` into one, are read as moves), a forker
//!   read once for its runs; unknown where none is left. A program
//!   started in another root (a container's, a chroot's) is read there or not at all, and
//!   named with its container: see `connect_trace/places.rs` and
//!   [`container`](crate::host::container). A run's end
//!   is told whichever of its threads took the signal or made the call (a crash in a worker
//!   thread, `System.exit()` called from another thread than a Java program's first): the
//!   threads a run makes in its first 10 s are read from `task:task_newtask` (which gives the
//!   machine's forks too, each an event as its exec is).
//! - Only connects made in this process's network namespace are passed on: the capture sees
//!   its interfaces only, while the event is every namespace's, and every namespace has its
//!   own addresses (a container's 127.0.0.1:7211 is not the host's). The connecting thread's
//!   namespace is read from `/proc/<tid>/ns/net` with its process's name (kept with it in
//!   `connect_trace/owners.rs`); a connect whose thread was gone by then has none known and is
//!   passed on (see `connect_trace/join.rs`), as is every connect where this process's own
//!   namespace could not be read.
//! - Only connects from this moment on are seen; a connect() that fails before a port is chosen
//!   sends no packet and gives no sighting.
//! - Events the kernel overwrote before they were read (ring-buffer overrun), sightings the
//!   caller did not drain in time, undecodable pages, and connects dropped from the bounded
//!   pending table are counted in
//!   [`ConnectTrace::lost`](crate::host::connect_trace::ConnectTrace::lost).
//! - Timestamps use the instance's `mono` trace clock, moved to Unix time by the offset between
//!   `CLOCK_REALTIME` and `CLOCK_MONOTONIC` taken at each read, so they follow clock steps
//!   from then on.

mod execs;
mod format;
mod join;
mod owners;
mod places;
mod ring;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use self::execs::{Execs, comm_of};
use self::format::{
    Exec, ExecEventFormat, Exit, ExitCall, ExitCallEventFormat, ExitEventFormat, Move,
    MoveEventFormat, MoveKind, PageLayout, StateChange, StateEventFormat, TaskEvent,
    TaskEventFormat, TaskEventKind,
};
use self::join::{Joiner, Owner, TCP_CLOSE, TCP_SYN_SENT, Timed};
use self::owners::Owners;
use self::places::{Moves, NetNamespaces, Origin, Origins, Place, RootedFiles};
use super::loader::{RealFiles, missing_libraries};
use super::program::Script;
use super::restarts::{FailingStart, Forked, NetNsUnread, Restarts};
use super::{HostError, ProcessSighting};
use crate::packet::Timestamp;

/// Where tracefs is looked for, in order; the first is where it is mounted when missing.
const TRACEFS_DIRS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
/// The event, relative to a tracefs (or instance) directory.
const EVENT_DIR: &str = "events/sock/inet_sock_set_state";
/// The thread-exit event, which names the threads that end (relative like [`EVENT_DIR`]).
const EXIT_EVENT_DIR: &str = "events/sched/sched_process_exit";
/// The exec event, which gives the path of each program started (relative like [`EVENT_DIR`]).
const EXEC_EVENT_DIR: &str = "events/sched/sched_process_exec";
/// The `exit_group()` call, which gives the status a process ends with (relative like
/// [`EVENT_DIR`]).
const EXIT_CALL_EVENT_DIR: &str = "events/syscalls/sys_enter_exit_group";
/// The events that tell a run killed by a signal, or by the OOM killer, and the threads a
/// run made, whose crash or `exit_group()` ends it (relative like [`EVENT_DIR`]).
const TASK_EVENT_DIRS: [(TaskEventKind, &str); 4] = [
    (TaskEventKind::Deliver, "events/signal/signal_deliver"),
    (TaskEventKind::Generate, "events/signal/signal_generate"),
    (TaskEventKind::OomVictim, "events/oom/mark_victim"),
    (TaskEventKind::NewThread, "events/task/task_newtask"),
];
/// The events that tell a thread moved to another root or mount namespace, or a process put
/// into a container's cgroup (relative like [`EVENT_DIR`]): rare, read so that a program
/// started there is not read from the host's file of its path.
const MOVE_EVENT_DIRS: [(MoveKind, &str); 5] = [
    (MoveKind::Unshare, "events/syscalls/sys_enter_unshare"),
    (MoveKind::Setns, "events/syscalls/sys_enter_setns"),
    (MoveKind::Chroot, "events/syscalls/sys_exit_chroot"),
    (MoveKind::PivotRoot, "events/syscalls/sys_exit_pivot_root"),
    (MoveKind::Attach, "events/cgroup/cgroup_attach_task"),
];
/// Thread exits remembered for naming the connects of processes already gone: the most recent
/// this many ...
const MAX_EXITED: usize = 4096;
/// ... seen within this long (trace time), so that a reused thread ID is not misnamed.
const EXITED_KEEP_NS: i64 = 10 * Timestamp::NANOS_PER_SEC;
/// Prefix of the instances this module makes; the rest is `<pid>-<n>`.
const INSTANCE_PREFIX: &str = "rstscope-";
/// Ring buffer per CPU, in KiB: room for some 6 000 state changes between two reads.
const BUFFER_KB: u32 = 512;
/// How often the reader looks at the buffers; also the longest wait for it to stop.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How soon it looks again after a round that read more than [`BUSY_BYTES`] from one CPU: a
/// connect flood (tens of thousands a second, most on one CPU) fills that CPU's buffer in less
/// than [`POLL_INTERVAL`], and the kernel overwrites what was not read.
const BUSY_POLL_INTERVAL: Duration = Duration::from_millis(10);
/// An eighth of a CPU's buffer in one round: the buffer would be full within eight.
const BUSY_BYTES: usize = BUFFER_KB as usize * 1024 / 8;
/// Pages read from one CPU per round, so that one busy CPU cannot hold up stopping.
const MAX_PAGES_PER_ROUND: usize = 256;
/// Reads of the kernel's `saved_tgids` in a burst...
const TGID_SCANS: u32 = 4;
/// ... and one more each this long.
const TGID_SCAN_EVERY: Duration = Duration::from_secs(2);
/// Sightings waiting for [`ConnectTrace::drain`].
const QUEUE: usize = 4096;
/// Threads made on the machine in one second past which `task:task_newtask` is turned off
/// for [`NEW_THREADS_PAUSE`]: a program making and ending threads one after another (40,000
/// a second here) fed the trace as many events, 0.9 s of the reader's CPU in 10 s (a debug
/// build), to follow the threads of runs that ended soon; services make a few a second.
const MAX_NEW_THREADS_PER_SEC: u32 = 2000;
/// See [`MAX_NEW_THREADS_PER_SEC`].
const NEW_THREADS_PAUSE: Duration = Duration::from_secs(10);

/// Serializes `start`, so that one start's stale-instance cleanup cannot remove another's
/// instance before its buffers are open (open files are what keep an instance from removal).
static STARTING: Mutex<()> = Mutex::new(());
/// Numbers the instances of this process.
static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(0);

/// A running trace of the machine's TCP connects, with the process behind each.
///
/// Dropping it stops the reader (within about 0.1 s), disables the event and removes the
/// tracefs instance.
pub struct ConnectTrace {
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    sightings: Receiver<ProcessSighting>,
    lost: Arc<AtomicU64>,
    /// See [`ConnectTrace::unplaced`].
    unplaced: Arc<AtomicU64>,
    /// See [`ConnectTrace::failing_starts`].
    failing: Arc<Mutex<Vec<FailingStart>>>,
    /// Which of the optional events this kernel gave, for [`ConnectEvents::describe`].
    ///
    /// [`ConnectEvents::describe`]: super::ConnectEvents::describe
    events: OptionalEvents,
    // Dropped after the reader has stopped and closed the buffers (fields drop after `drop`).
    instance: Instance,
}

/// The optional events a trace runs with (each missing on some kernels, or not enabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OptionalEvents {
    /// `sched:sched_process_exit`: names a process gone before `/proc` was read.
    exit: bool,
    /// `sched:sched_process_exec`: the path of the program such a process ran.
    exec: bool,
}

impl OptionalEvents {
    /// What the trace is, and what it cannot tell without the missing events.
    fn describe(self) -> &'static str {
        match (self.exit, self.exec) {
            (true, true) => "the kernel's connect events (sock:inet_sock_set_state, as root)",
            (true, false) => {
                "the kernel's connect events (sock:inet_sock_set_state, as root; this kernel \
                 gives no sched:sched_process_exec event, so a program that ended before it \
                 was looked up is named without its path)"
            }
            (false, true) => {
                "the kernel's connect events (sock:inet_sock_set_state, as root; this kernel \
                 gives no sched:sched_process_exit event, so a program that ended before it \
                 was looked up is named by its path only where it was seen starting)"
            }
            (false, false) => {
                "the kernel's connect events (sock:inet_sock_set_state, as root; this kernel \
                 gives no sched:sched_process_exit or sched:sched_process_exec event, so a \
                 program that ended before it was looked up is not named)"
            }
        }
    }
}

impl ConnectTrace {
    /// Starts tracing (root): own tracefs instance, event enabled, reader thread named
    /// "connect-trace".
    ///
    /// # Errors
    /// [`HostError::TraceNotPermitted`] when not root, [`HostError::TracefsMissing`] when
    /// tracefs is neither mounted nor mountable, [`HostError::TraceEventMissing`] on kernels
    /// without the event, [`HostError::TraceFormat`] when its layout is not understood, and
    /// [`HostError::Trace`] for any other tracefs file that could not be used.
    pub fn start() -> Result<Self, HostError> {
        let _one_at_a_time = STARTING.lock().unwrap_or_else(|e| e.into_inner());
        let root = tracefs_root()?;
        let format_path = root.join(EVENT_DIR).join("format");
        let format_text = match read_text(&format_path) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(HostError::TraceEventMissing {
                    path: format_path.display().to_string(),
                });
            }
            other => other.map_err(|e| io_error("read", &format_path, e))?,
        };
        let format = StateEventFormat::parse(&format_text, &format_path.display().to_string())?;
        let header_path = root.join("events/header_page");
        let header = read_text(&header_path).map_err(|e| io_error("read", &header_path, e))?;
        let layout = PageLayout::parse(&header, &header_path.display().to_string())?;
        // Optional: without it, a process gone before the reader looked it up is not named.
        let exit_path = root.join(EXIT_EVENT_DIR).join("format");
        let exit_format = read_text(&exit_path)
            .ok()
            .and_then(|text| ExitEventFormat::parse(&text, &exit_path.display().to_string()).ok());
        // Optional too: without it, such a process is named by its name only, not its program.
        let exec_path = root.join(EXEC_EVENT_DIR).join("format");
        let exec_format = read_text(&exec_path)
            .ok()
            .and_then(|text| ExecEventFormat::parse(&text, &exec_path.display().to_string()).ok());

        // Optional too: without it, a program that fails to start is told without its status.
        let call_path = root.join(EXIT_CALL_EVENT_DIR).join("format");
        let exit_call_format = read_text(&call_path).ok().and_then(|text| {
            ExitCallEventFormat::parse(&text, &call_path.display().to_string()).ok()
        });
        // Optional too: without them, a program started in a container that left no process
        // running is taken for the host's (see `connect_trace/places.rs`).
        let move_formats: Vec<(&str, MoveEventFormat)> = MOVE_EVENT_DIRS
            .iter()
            .filter_map(|&(kind, dir)| {
                let path = root.join(dir).join("format");
                let text = read_text(&path).ok()?;
                let format =
                    MoveEventFormat::parse(kind, &text, &path.display().to_string()).ok()?;
                Some((dir, format))
            })
            .collect();
        // Optional too: without them, a run killed by a signal is told without it.
        let task_formats: Vec<(&str, TaskEventFormat)> = TASK_EVENT_DIRS
            .iter()
            .filter_map(|&(kind, dir)| {
                let path = root.join(dir).join("format");
                let text = read_text(&path).ok()?;
                let format =
                    TaskEventFormat::parse(kind, &text, &path.display().to_string()).ok()?;
                Some((dir, format))
            })
            .collect();

        remove_stale_instances(&root);
        let instance = Instance::create(&root)?;
        instance.write("trace_clock", "mono")?;
        // Optional: the kernel then keeps each traced thread's process ID in `saved_tgids`,
        // for threads gone before the reader looks them up.
        let tgids = instance
            .write("options/record-tgid", "1")
            .is_ok()
            .then(|| root.join("saved_tgids"));
        instance.write("buffer_size_kb", &BUFFER_KB.to_string())?;
        let filter =
            format!("protocol == 6 && (oldstate == {TCP_SYN_SENT} || newstate == {TCP_SYN_SENT})");
        instance.write(&format!("{EVENT_DIR}/filter"), &filter)?;
        let page_size = read_text(&instance.dir.join("buffer_subbuf_size_kb"))
            .ok()
            .and_then(|kb| kb.trim().parse::<usize>().ok())
            .map_or(layout.page_size(), |kb| kb * 1024);
        let cpus = instance.open_buffers()?;
        instance.write("tracing_on", "1")?;
        instance.write(&format!("{EVENT_DIR}/enable"), "1")?;
        let mut process_exits = false;
        let exit_format = exit_format.filter(|format| {
            // Only processes' exits are needed: most thread exits are kept from the reader.
            // Best effort: unfiltered, it reads them all, as before the field existed.
            if let Some(filter) = format.processes_only() {
                process_exits = instance
                    .write(&format!("{EXIT_EVENT_DIR}/filter"), filter)
                    .is_ok();
            }
            instance
                .write(&format!("{EXIT_EVENT_DIR}/enable"), "1")
                .is_ok()
        });
        let exec_format = exec_format.filter(|_| {
            instance
                .write(&format!("{EXEC_EVENT_DIR}/enable"), "1")
                .is_ok()
        });

        // Read only where runs are: it tells the status of a run that ended at once.
        let exit_call_format = exit_call_format
            .filter(|_| exit_format.is_some() && exec_format.is_some())
            .filter(|_| {
                let _ = instance.write(
                    &format!("{EXIT_CALL_EVENT_DIR}/filter"),
                    ExitCallEventFormat::failures_only(),
                );
                instance
                    .write(&format!("{EXIT_CALL_EVENT_DIR}/enable"), "1")
                    .is_ok()
            });
        // Read only where runs are, each filtered to what ends a process (unfiltered, the
        // signal events would read every SIGCHLD of the machine).
        let task_formats: Vec<TaskEventFormat> = task_formats
            .into_iter()
            .filter(|_| exit_format.is_some() && exec_format.is_some())
            .filter_map(|(dir, format)| {
                if let Some(filter) = format.filter() {
                    instance.write(&format!("{dir}/filter"), &filter).ok()?;
                }
                instance.write(&format!("{dir}/enable"), "1").ok()?;
                Some(format)
            })
            .collect();
        let move_formats: Vec<MoveEventFormat> = move_formats
            .into_iter()
            .filter(|_| exit_format.is_some() && exec_format.is_some())
            .filter_map(|(dir, format)| {
                if let Some(filter) = format.kind.filter() {
                    instance.write(&format!("{dir}/filter"), filter).ok()?;
                }
                instance.write(&format!("{dir}/enable"), "1").ok()?;
                Some(format)
            })
            .collect();
        let thread_gate = task_formats
            .iter()
            .any(|f| f.kind == TaskEventKind::NewThread)
            .then(|| {
                let dir = TASK_EVENT_DIRS
                    .iter()
                    .find(|(kind, _)| *kind == TaskEventKind::NewThread)
                    .map_or("", |(_, dir)| dir);
                ThreadGate::new(instance.dir.join(dir), std::time::Instant::now())
            });
        let mut restarts = Restarts::default();
        restarts.statuses_told(exit_call_format.is_some());
        restarts.process_exits_told(process_exits);
        let events = OptionalEvents {
            exit: exit_format.is_some(),
            exec: exec_format.is_some(),
        };
        let (tx, sightings) = sync_channel(QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicU64::new(0));
        let unplaced = Arc::new(AtomicU64::new(0));
        let failing = Arc::new(Mutex::new(Vec::new()));
        // Without the events of moves to another network namespace, a process that forked a
        // run tells nothing of the run's namespace: `ip netns exec` moves the run itself.
        let mut moves = Moves::default();
        moves.net_moves_unseen(
            ![MoveKind::Unshare, MoveKind::Setns]
                .iter()
                .all(|kind| move_formats.iter().any(|f| f.kind == *kind)),
        );
        let reader = Reader {
            cpus,
            page: vec![0; page_size],
            layout,
            format,
            exit_format,
            exec_format,
            exit_call_format,
            task_formats,
            move_formats,
            moves,
            origins: Origins::default(),
            net_namespaces: NetNamespaces::default(),
            own_root: places::own_root(),
            tgids,
            tgid_scans: Budget::new(TGID_SCANS, TGID_SCAN_EVERY),
            exited: Exited::default(),
            execs: Execs::default(),
            restarts,
            thread_gate,
            failing: Arc::clone(&failing),
            owners: (events.exit && events.exec).then(Owners::default),
            processes: Vec::new(),
            unnamed: Vec::new(),
            // The capture's connects are made here (the interfaces it sees are this
            // namespace's); the trace sees every namespace's.
            joiner: Joiner::new(netns_of("/proc/self/ns/net")),
            joiner_dropped: 0,
            unplaced: Arc::clone(&unplaced),
            tx,
            lost: Arc::clone(&lost),
            stop: Arc::clone(&stop),
        };
        let reader = thread::Builder::new()
            .name("connect-trace".to_owned())
            .spawn(move || reader.run())
            .map_err(|source| HostError::Trace {
                action: "start the reader thread for",
                path: instance.dir.display().to_string(),
                source,
            })?;
        Ok(Self {
            stop,
            reader: Some(reader),
            sightings,
            lost,
            unplaced,
            failing,
            events,
            instance,
        })
    }

    /// Moves the sightings gathered since the last call into `out` (non-blocking).
    pub fn drain(&mut self, out: &mut Vec<ProcessSighting>) {
        out.extend(self.sightings.try_iter());
    }

    /// Events the kernel or the reader lost (ring buffer overrun, bounded queue full), counted.
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Connects passed on so far whose process's network namespace could not be read (gone
    /// before it was, and not seen starting), this process's being known: each may be
    /// another namespace's client of the same address and port.
    #[must_use]
    pub fn unplaced(&self) -> u64 {
        self.unplaced.load(Ordering::Relaxed)
    }

    /// Programs seen failing to start so far: started again and again, each run failing soon
    /// after (a status other than 0, a signal), or ending at once where their files need
    /// libraries the loader would not find (see [`restarts`](super::restarts)). Needs both
    /// the exec and the exit event.
    #[must_use]
    pub fn failing_starts(&self) -> Vec<FailingStart> {
        self.failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The tracefs instance directory this trace owns (removed on drop).
    #[must_use]
    pub fn instance_dir(&self) -> &Path {
        &self.instance.dir
    }
}

impl Drop for ConnectTrace {
    fn drop(&mut self) {
        self.instance.disable();
        self.stop.store(true, Ordering::Release);
        if let Some(reader) = self.reader.take() {
            reader.thread().unpark();
            // A reader that panicked has nothing left to clean up; the instance still goes.
            let _ = reader.join();
        }
    }
}

/// A tracefs text file, read in large pieces: some (`events/header_page` on Linux 6.18) end
/// after the first piece when it is small, as `fs::read_to_string`'s first 32-byte probe is.
fn read_text(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut text = Vec::new();
    let mut piece = vec![0; 64 * 1024];
    loop {
        match file.read(&mut piece) {
            Ok(0) => break,
            Ok(len) => text.extend_from_slice(&piece[..len]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    String::from_utf8(text).map_err(|e| io::Error::new(ErrorKind::InvalidData, e))
}

/// The tracefs directory, mounting tracefs when it is nowhere.
fn tracefs_root() -> Result<PathBuf, HostError> {
    let find = || -> Result<Option<PathBuf>, HostError> {
        for dir in TRACEFS_DIRS {
            let instances = Path::new(dir).join("instances");
            match fs::metadata(&instances) {
                Ok(meta) if meta.is_dir() => return Ok(Some(PathBuf::from(dir))),
                Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                    return Err(io_error("open", &instances, e));
                }
                _ => {}
            }
        }
        Ok(None)
    };
    if let Some(root) = find()? {
        return Ok(root);
    }
    match mount_tracefs() {
        Ok(()) => find()?.ok_or_else(|| HostError::TracefsMissing {
            source: io::Error::new(ErrorKind::NotFound, "mounted, but it has no instances"),
        }),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            Err(io_error("mount tracefs at", Path::new(TRACEFS_DIRS[0]), e))
        }
        Err(source) => Err(HostError::TracefsMissing { source }),
    }
}

/// `mount -t tracefs nodev /sys/kernel/tracing`.
fn mount_tracefs() -> io::Result<()> {
    // SAFETY: every pointer is a NUL-terminated C string literal that outlives the call; a null
    // `data` is allowed for tracefs (no mount options).
    let rc = unsafe {
        libc::mount(
            c"nodev".as_ptr(),
            c"/sys/kernel/tracing".as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Removes instances left by rstscope processes that died without cleaning up. An instance
/// still in use has its buffers open, and the kernel refuses to remove it (EBUSY).
fn remove_stale_instances(root: &Path) {
    let Ok(entries) = fs::read_dir(root.join("instances")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(INSTANCE_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || !Path::new(&format!("/proc/{pid}")).exists() {
            // Best effort: a busy or vanished instance is not ours to report.
            let _ = fs::remove_dir(entry.path());
        }
    }
}

/// A tracefs instance directory, removed on drop.
struct Instance {
    dir: PathBuf,
}

impl Instance {
    fn create(root: &Path) -> Result<Self, HostError> {
        let name = format!(
            "{INSTANCE_PREFIX}{}-{}",
            std::process::id(),
            NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed)
        );
        let dir = root.join("instances").join(name);
        fs::create_dir(&dir).map_err(|e| io_error("create", &dir, e))?;
        Ok(Self { dir })
    }

    /// Writes `value` to the instance's file `relative`.
    fn write(&self, relative: &str, value: &str) -> Result<(), HostError> {
        let path = self.dir.join(relative);
        fs::write(&path, value).map_err(|e| io_error("write", &path, e))
    }

    /// Opens every CPU's binary buffer, non-blocking so the reader can stop promptly.
    fn open_buffers(&self) -> Result<Vec<File>, HostError> {
        let per_cpu = self.dir.join("per_cpu");
        let mut cpus: Vec<(u32, PathBuf)> = fs::read_dir(&per_cpu)
            .map_err(|e| io_error("list", &per_cpu, e))?
            .flatten()
            .filter_map(|entry| {
                let cpu = entry
                    .file_name()
                    .to_str()?
                    .strip_prefix("cpu")?
                    .parse()
                    .ok()?;
                Some((cpu, entry.path().join("trace_pipe_raw")))
            })
            .collect();
        cpus.sort();
        cpus.into_iter()
            .map(|(_, path)| {
                File::options()
                    .read(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&path)
                    .map_err(|e| io_error("open", &path, e))
            })
            .collect()
    }

    /// Stops the event; best effort, as removing the instance stops it too.
    fn disable(&self) {
        let _ = fs::write(self.dir.join(EVENT_DIR).join("enable"), "0");
        let _ = fs::write(self.dir.join(EXIT_EVENT_DIR).join("enable"), "0");
        let _ = fs::write(self.dir.join(EXEC_EVENT_DIR).join("enable"), "0");
        let _ = fs::write(self.dir.join(EXIT_CALL_EVENT_DIR).join("enable"), "0");
        for (_, dir) in TASK_EVENT_DIRS {
            let _ = fs::write(self.dir.join(dir).join("enable"), "0");
        }
        for (_, dir) in MOVE_EVENT_DIRS {
            let _ = fs::write(self.dir.join(dir).join("enable"), "0");
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.disable();
        // Best effort: a leftover is removed by the next start (`remove_stale_instances`).
        let _ = fs::remove_dir(&self.dir);
    }
}

/// The reader thread's state.
struct Reader {
    cpus: Vec<File>,
    page: Vec<u8>,
    layout: PageLayout,
    format: StateEventFormat,
    /// `None` on kernels without the thread-exit event.
    exit_format: Option<ExitEventFormat>,
    /// `None` on kernels without the exec event.
    exec_format: Option<ExecEventFormat>,
    /// `None` on kernels without syscall events (or without the exit and exec events).
    exit_call_format: Option<ExitCallEventFormat>,
    /// The signal and OOM events this kernel gave (none without the exit and exec events).
    task_formats: Vec<TaskEventFormat>,
    /// The events of moves to another root or mount namespace, and into cgroups, this kernel
    /// gave (none without the exit and exec events).
    move_formats: Vec<MoveEventFormat>,
    /// Threads that moved, and the processes they forked since.
    moves: Moves,
    /// Where each program was started last.
    origins: Origins,
    /// The network namespaces of the processes that started programs lately.
    net_namespaces: NetNamespaces,
    /// rstscope's own root directory (device, inode).
    own_root: Option<(u64, u64)>,
    /// The kernel's thread-to-process table (`saved_tgids`), when `record-tgid` could be set.
    tgids: Option<PathBuf>,
    /// Reads of `tgids` allowed now.
    tgid_scans: Budget,
    /// Threads that ended recently, with their names.
    exited: Exited,
    /// Programs started recently, by process.
    execs: Execs,
    /// Programs whose runs end at once (see [`restarts`](super::restarts)).
    restarts: Restarts,
    /// Turns `task:task_newtask` off while threads are made too fast; `None` where it is not
    /// read.
    thread_gate: Option<ThreadGate>,
    /// The programs among them that cannot load, for [`ConnectTrace::failing_starts`].
    failing: Arc<Mutex<Vec<FailingStart>>>,
    /// Processes of connecting threads read lately; `None` where exits or execs are not read,
    /// which end its entries.
    owners: Option<Owners>,
    /// The round's exits and execs, applied in time order once every CPU is read.
    processes: Vec<(Timestamp, ProcessEvent)>,
    /// Sightings of a gone process whose exit was not read yet: passed on next round.
    unnamed: Vec<ProcessSighting>,
    joiner: Joiner,
    /// `joiner.dropped()` already added to `lost`.
    joiner_dropped: u64,
    /// `joiner.unplaced()`, for [`ConnectTrace::unplaced`].
    unplaced: Arc<AtomicU64>,
    tx: SyncSender<ProcessSighting>,
    lost: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Reader {
    fn run(mut self) {
        let mut batch = Vec::new();
        while !self.stop.load(Ordering::Acquire) {
            let Some(busiest) = self.round(&mut batch) else {
                return;
            };
            thread::park_timeout(if busiest > BUSY_BYTES {
                BUSY_POLL_INTERVAL
            } else {
                POLL_INTERVAL
            });
        }
    }

    /// Reads what every CPU's buffer holds and passes on the sightings: the most bytes read
    /// from one CPU, or `None` when nobody listens any more.
    fn round(&mut self, batch: &mut Vec<Timed>) -> Option<usize> {
        let offset = unix_minus_mono_ns();
        // Every process event before this was in its CPU's buffer when the round began.
        let horizon = Timestamp(clock_ns(libc::CLOCK_MONOTONIC).saturating_add(offset));
        let Self {
            cpus,
            page,
            layout,
            format,
            exit_format,
            exec_format,
            exit_call_format,
            task_formats,
            move_formats,
            exited,
            execs,
            restarts,
            moves,
            origins,
            net_namespaces,
            owners,
            processes,
            lost,
            ..
        } = self;
        let mut busiest = 0;
        let mut new_threads = 0_u32;
        for cpu in cpus.iter_mut() {
            let mut read = 0;
            for _ in 0..MAX_PAGES_PER_ROUND {
                let len = match cpu.read(page) {
                    Ok(0) => break,
                    Ok(len) => len,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    // WouldBlock: this CPU is read out. Anything else would repeat every
                    // round; the other CPUs are still read.
                    Err(_) => break,
                };
                let summary = ring::decode_page(&page[..len], layout, |ts, record| {
                    let mono = i64::try_from(ts).unwrap_or(i64::MAX);
                    let at = Timestamp(mono.saturating_add(offset));
                    if let Some(change) = format.decode(record) {
                        // A run's connect that fails before it ends is told with its end.
                        processes.push((at, ProcessEvent::Connect(change.clone())));
                        batch.push(Timed { at, change });
                    } else if let Some(exit) = exit_format.as_ref().and_then(|f| f.decode(record)) {
                        processes.push((at, ProcessEvent::Exit(exit)));
                    } else if let Some(exec) = exec_format.as_ref().and_then(|f| f.decode(record)) {
                        processes.push((at, ProcessEvent::Exec(exec)));
                    } else if let Some(call) =
                        exit_call_format.as_ref().and_then(|f| f.decode(record))
                    {
                        processes.push((at, ProcessEvent::ExitCall(call)));
                    } else if let Some(event) = task_formats.iter().find_map(|f| f.decode(record)) {
                        new_threads += u32::from(event.kind == TaskEventKind::NewThread);
                        processes.push((at, ProcessEvent::Task(event)));
                    } else if let Some(moved) = move_formats.iter().find_map(|f| f.decode(record)) {
                        processes.push((at, ProcessEvent::Move(moved)));
                    }
                });
                let missed = summary.missed + u64::from(summary.malformed);
                lost.fetch_add(missed, Ordering::Relaxed);
                read += len;
            }
            busiest = busiest.max(read);
        }
        // In time order: a process that moved from one CPU to another between its execs has the
        // later one read first when its CPU comes first, and the earlier must not replace it.
        processes.sort_by_key(|(at, _)| *at);
        // Those since wait for the next round: a CPU read early in this one may hold an
        // earlier event not yet read (a fork on one CPU, its child's exec on another read
        // after it), and a process's events apply in time order.
        let later = processes.split_off(processes.partition_point(|(at, _)| *at < horizon));
        let mut changed = false;
        let mut last = None;
        for (at, event) in processes.drain(..) {
            last = Some(at);
            match event {
                ProcessEvent::Exit(exit) => {
                    if let Some(owners) = owners.as_mut() {
                        owners.forget(exit.tid);
                    }
                    execs.exit(at, exit.tid);
                    moves.exit(exit.tid);
                    net_namespaces.forget(exit.tid);
                    changed |= restarts.exit(at, exit.tid, &exit.name);
                    exited.insert(at, exit);
                }
                ProcessEvent::Exec(mut exec) => {
                    if !exec.path.starts_with('/')
                        && let Some(path) = located(&exec.path, exec.pid, execs)
                    {
                        exec.path = path;
                    }
                    if let Some(owners) = owners.as_mut() {
                        owners.forget(exec.pid);
                    }
                    // The run it was forked by: its parent, or the one that forked the
                    // subshell that forked it (`$(dirname "$0")` in a start script).
                    let by = execs.parent(exec.pid);
                    let mut parent = by;
                    for _ in 0..4 {
                        match parent {
                            Some(tid) if !restarts.is_run(tid) => parent = execs.parent(tid),
                            _ => break,
                        }
                    }
                    let run = parent.filter(|&tid| restarts.is_run(tid));
                    // Read now, while the run or its forker lives: a refused port of another
                    // namespace is not served by it.
                    let lineage = moves.net_lineage(exec.pid, execs);
                    let net_ns = net_namespaces.of(at, &lineage, netns_read);
                    let forked = Forked { by, run, net_ns };
                    restarts.exec_forked(at, exec.pid, &exec.path, forked);
                    origins.started(&exec.path, Origin::of(exec.pid, moves, execs));
                    let pid = exec.pid;
                    execs.exec(at, exec);
                    if let Ok(ns) = net_ns {
                        execs.read_net_ns(pid, at, ns);
                    }
                }
                ProcessEvent::ExitCall(call) => restarts.exit_status(call.tid, call.status),
                ProcessEvent::Connect(change) if change.newstate == TCP_SYN_SENT => {
                    restarts.connect_started(change.tid, change.skaddr);
                }
                ProcessEvent::Connect(change) => restarts.connect_ended(
                    change.skaddr,
                    change.remote,
                    change.newstate == TCP_CLOSE,
                ),
                ProcessEvent::Move(Move {
                    kind,
                    tid,
                    cgroup,
                    files,
                    net,
                }) => {
                    if files {
                        moves.moved(tid, kind, cgroup);
                    }
                    if net {
                        moves.net_moved(tid);
                        net_namespaces.forget(tid);
                        restarts.net_moved(tid);
                        execs.net_moved(tid);
                    }
                }
                ProcessEvent::Task(TaskEvent {
                    kind,
                    tid,
                    sig,
                    child,
                    mount_ns,
                    net_ns,
                }) => match kind {
                    TaskEventKind::Deliver => restarts.signal_delivered(tid, sig),
                    TaskEventKind::Generate => restarts.signal_sent(tid, sig),
                    TaskEventKind::OomVictim => restarts.oom_victim(tid),
                    TaskEventKind::NewThread => restarts.thread_started(at, tid, child),
                    TaskEventKind::NewProcess => {
                        execs.forked(tid, child);
                        moves.forked(tid, child, mount_ns, net_ns);
                    }
                },
            }
        }
        *processes = later;
        if let Some(gate) = self.thread_gate.as_mut() {
            gate.round(new_threads, std::time::Instant::now());
        }
        // A run of a program failing to start has lived long enough to have started well.
        let now = Timestamp(clock_ns(libc::CLOCK_MONOTONIC).saturating_add(offset));
        changed |= restarts.settle(now);
        // A program's run failed, or one went well: the list is made again, and whether a
        // program can load read from its file (at most every few seconds per program).
        if changed {
            let now = last.unwrap_or(now);
            let (origins, exited, own_root) = (&*origins, &*exited, self.own_root);
            let failing = restarts
                .failing_read(now, |program| {
                    // Where it ran: a container's path names another file than the host's.
                    let place = origins.get(program).map_or(Place::Host, |origin| {
                        places::place(origin, own_root, |tid| exited.name(tid).is_some())
                    });
                    match place {
                        // A path still relative is relative to a directory not known here:
                        // read from this process's own, it would be another file or none.
                        Place::Host if program.starts_with('/') => {
                            (missing_libraries(&resolved(program), &RealFiles), None)
                        }
                        Place::Host => (Vec::new(), None),
                        Place::Elsewhere {
                            root: Some(root),
                            elsewhere,
                        } if program.starts_with('/') => (
                            missing_libraries(program, &RootedFiles { root: &root }),
                            Some(elsewhere),
                        ),
                        Place::Elsewhere { mut elsewhere, .. } => {
                            elsewhere.file_read = false;
                            (Vec::new(), Some(elsewhere))
                        }
                    }
                })
                .into_iter()
                .map(|f| FailingStart {
                    // Resolved on the host's file system only: a container's links are its own.
                    program: if f.elsewhere.is_some() {
                        f.program.clone()
                    } else {
                        resolved(&f.program)
                    },
                    ..f
                })
                .collect();
            *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = failing;
        }
        // Last round's sightings of gone processes: their exits are read by now.
        let mut unnamed = std::mem::take(&mut self.unnamed);
        for mut sighting in unnamed.drain(..) {
            // Its exec may have been in a buffer read before the one with its connect.
            let given = self.execs.path(sighting.pid, sighting.at);
            if sighting.exe.is_none() {
                sighting.exe = given.map(resolved);
            }
            if let Some(name) = self.exited.name(sighting.pid) {
                name.clone_into(&mut sighting.name);
            } else if let Some(given) = given {
                sighting.name = comm_of(given);
            }
            if !send(&self.tx, &self.lost, sighting) {
                return None;
            }
        }
        self.unnamed = unnamed;
        // Buffers are per CPU: a connect and its end may come from two of them.
        batch.sort_by_key(|timed| timed.at);
        // Those since the round began wait for the next, as its exits and execs do: the exec
        // a process made just before its connect, on a CPU read earlier in the round, is
        // applied only then (the client a script execs was named after the script, on a
        // loaded machine).
        let held = batch.split_off(batch.partition_point(|timed| timed.at < horizon));
        // Connecting threads already gone: their processes, from the kernel's record.
        let saved = self.gone_threads(batch);
        let (exited, execs) = (&self.exited, &self.execs);
        let owners = &mut self.owners;
        let waits = self.exit_format.is_some();
        for timed in batch.drain(..) {
            let at = timed.at;
            let owner = |tid| {
                let mut owner = match owners.as_mut() {
                    Some(owners) => owners.get(tid, at).cloned().unwrap_or_else(|| {
                        running_owner(tid).map_or_else(
                            || gone_owner(tid, saved.get(&tid).copied()),
                            |owner| {
                                owners.insert(tid, at, owner.clone());
                                owner
                            },
                        )
                    }),
                    None => owner_of(tid, |tid| saved.get(&tid).copied()),
                };
                if owner.name.is_empty()
                    && let Some(name) = exited.name(owner.pid).or_else(|| exited.name(tid))
                {
                    name.clone_into(&mut owner.name);
                }
                // Running when read: its executable as the listeners' is read. Else the
                // program the trace saw it start, resolved the same way.
                if owner.exe.is_none() {
                    owner.exe = execs.path(owner.pid, at).map(resolved);
                }
                // Gone before its namespace was read: the one read at its exec, where the
                // connecting thread is the process's own (a short-lived `curl`, a script's
                // client) and it did not move since. Another namespace's client gone at once
                // was passed on as a client of this one's same address and port.
                if owner.netns.is_none() && owner.pid == tid {
                    owner.netns = execs.net_ns(owner.pid, at);
                }
                owner
            };
            let Some(mut sighting) = self.joiner.push(timed, owner) else {
                continue;
            };
            if sighting.name.is_empty() && waits && self.unnamed.len() < QUEUE {
                self.unnamed.push(sighting);
                continue;
            }
            if sighting.name.is_empty() {
                // Gone, and no exit event to name it: the name it got at exec, from the path
                // as given (`python3`, not the `python3.11` it links to).
                sighting.name = execs
                    .path(sighting.pid, sighting.at)
                    .map(comm_of)
                    .unwrap_or_default();
            }
            if !send(&self.tx, &self.lost, sighting) {
                return None;
            }
        }
        batch.extend(held);
        let dropped = self.joiner.dropped();
        self.lost
            .fetch_add(dropped - self.joiner_dropped, Ordering::Relaxed);
        self.joiner_dropped = dropped;
        self.unplaced
            .store(self.joiner.unplaced(), Ordering::Relaxed);
        Some(busiest)
    }

    /// The processes of the threads in `batch` that connected and are gone from `/proc`
    /// already, from the kernel's `saved_tgids`: one pass over it, [`TGID_SCANS`] at a time
    /// and then one every [`TGID_SCAN_EVERY`] (it can hold a line per PID the machine used,
    /// millions); a thread not found there, or gone when no pass is left, keeps its thread ID.
    fn gone_threads(&mut self, batch: &[Timed]) -> HashMap<u32, u32> {
        let Some(path) = self.tgids.as_deref() else {
            return HashMap::new();
        };
        let gone: HashSet<u32> = processes_unknown(batch, &self.execs, self.owners.as_ref())
            .filter(|tid| !Path::new(&format!("/proc/{tid}")).exists())
            .collect();
        if gone.is_empty() || !self.tgid_scans.take() {
            return HashMap::new();
        }
        File::open(path)
            .map(|file| scan_saved_tgids(io::BufReader::new(file), &gone))
            .unwrap_or_default()
    }
}

/// The threads that connected in `batch` whose process the trace cannot tell by itself. A
/// thread seen starting a program is not one: exec makes it its process's leader, whose ID is
/// the process's (a short-lived `curl` or script is such a thread), so no pass over
/// `saved_tgids` is spent on it. Nor is a thread whose process was read lately (`owners`):
/// that answer is used.
fn processes_unknown<'a>(
    batch: &'a [Timed],
    execs: &'a Execs,
    owners: Option<&'a Owners>,
) -> impl Iterator<Item = u32> + 'a {
    batch
        .iter()
        .filter(|t| t.change.newstate == TCP_SYN_SENT)
        .filter(|t| execs.path(t.change.tid, t.at).is_none())
        .filter(move |t| owners.is_none_or(|o| o.get(t.change.tid, t.at).is_none()))
        .map(|t| t.change.tid)
}

/// A process's exit or exec, as read from a CPU's buffer.
#[derive(Debug)]
enum ProcessEvent {
    Exit(Exit),
    Exec(Exec),
    ExitCall(ExitCall),
    Task(TaskEvent),
    Move(Move),
    /// A socket's change into or out of SYN_SENT (also passed to the joiner).
    Connect(StateChange),
}

/// Filters the threads out of the new-task event for [`NEW_THREADS_PAUSE`] when more than
/// [`MAX_NEW_THREADS_PER_SEC`] threads were made within a second, and lets them through again
/// after: the threads runs make meanwhile are not followed (a run ended by one of them is
/// then not told how, as before threads were followed), while forks still are (which tell
/// the directory of a program started by a relative path, and which run started which: a
/// busy build's threads would hide them otherwise). A kernel that takes no such filter has
/// the event turned off instead.
#[derive(Debug)]
struct ThreadGate {
    /// The event's directory in the instance (its `filter` and `enable` files).
    dir: PathBuf,
    /// Paused by turning the event off (its filter was refused).
    turned_off: bool,
    /// The second being counted: its start, and the threads made in it so far.
    window: (std::time::Instant, u32),
    /// Off until then.
    paused_until: Option<std::time::Instant>,
}

impl ThreadGate {
    fn new(dir: PathBuf, now: std::time::Instant) -> Self {
        Self {
            dir,
            turned_off: false,
            window: (now, 0),
            paused_until: None,
        }
    }

    /// A round read `made` new-thread events, at `now`.
    fn round(&mut self, made: u32, now: std::time::Instant) {
        if let Some(until) = self.paused_until {
            if now >= until {
                // Best effort: left as it is, it costs nothing and follows no thread.
                if self.turned_off {
                    let _ = fs::write(self.dir.join("enable"), "1");
                } else {
                    let _ = fs::write(self.dir.join("filter"), "0");
                }
                self.paused_until = None;
                self.window = (now, 0);
            }
            return;
        }
        if now.duration_since(self.window.0) >= Duration::from_secs(1) {
            self.window = (now, 0);
        }
        self.window.1 = self.window.1.saturating_add(made);
        if self.window.1 > MAX_NEW_THREADS_PER_SEC {
            // CLONE_THREAD: forks only.
            self.turned_off = fs::write(self.dir.join("filter"), "!(clone_flags & 0x10000)")
                .is_err()
                && fs::write(self.dir.join("enable"), "0").is_ok();
            self.paused_until = Some(now + NEW_THREADS_PAUSE);
        }
    }
}

/// A number of uses that refills one every `every`, up to its size.
#[derive(Debug)]
struct Budget {
    left: u32,
    size: u32,
    every: Duration,
    since: std::time::Instant,
}

impl Budget {
    fn new(size: u32, every: Duration) -> Self {
        Self {
            left: size,
            size,
            every,
            since: std::time::Instant::now(),
        }
    }

    /// Takes one use; `false` when none is left.
    fn take(&mut self) -> bool {
        let refills = self.since.elapsed().as_nanos() / self.every.as_nanos().max(1);
        if refills > 0 {
            let refills = u32::try_from(refills).unwrap_or(u32::MAX);
            self.left = self.left.saturating_add(refills).min(self.size);
            self.since += self.every * refills;
        }
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }
}

/// The `<tid> <tgid>` lines of a `saved_tgids` text for the threads in `wanted`.
fn scan_saved_tgids(text: impl io::BufRead, wanted: &HashSet<u32>) -> HashMap<u32, u32> {
    let mut found = HashMap::new();
    for line in text.lines() {
        let Ok(line) = line else {
            break;
        };
        let Some((tid, tgid)) = line.split_once(' ') else {
            continue;
        };
        if let Ok(tid) = tid.trim().parse::<u32>()
            && wanted.contains(&tid)
            && let Ok(tgid) = tgid.trim().parse::<u32>()
        {
            found.insert(tid, tgid);
            if found.len() == wanted.len() {
                break;
            }
        }
    }
    found
}

/// Passes `sighting` on, counting it lost when the queue is full; `false` when nobody listens
/// any more.
fn send(tx: &SyncSender<ProcessSighting>, lost: &AtomicU64, sighting: ProcessSighting) -> bool {
    match tx.try_send(sighting) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            lost.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(TrySendError::Disconnected(_)) => false,
    }
}

/// Threads that ended lately and their names, bounded in count and age.
#[derive(Debug, Default)]
struct Exited {
    names: HashMap<u32, (Timestamp, String)>,
    /// `(tid, at)` in the order read, for forgetting the oldest.
    order: VecDeque<(u32, Timestamp)>,
}

impl Exited {
    fn insert(&mut self, at: Timestamp, exit: Exit) {
        self.names.insert(exit.tid, (at, exit.name));
        self.order.push_back((exit.tid, at));
        let horizon = Timestamp(at.0.saturating_sub(EXITED_KEEP_NS));
        while let Some(&(tid, queued)) = self.order.front() {
            if queued >= horizon && self.order.len() <= MAX_EXITED {
                break;
            }
            self.order.pop_front();
            if self
                .names
                .get(&tid)
                .is_some_and(|(seen, _)| *seen == queued)
            {
                self.names.remove(&tid);
            }
        }
    }

    /// The name of thread `tid` if it ended lately.
    fn name(&self, tid: u32) -> Option<&str> {
        self.names.get(&tid).map(|(_, name)| name.as_str())
    }
}

/// The process of thread `tid`, from `/proc` now; for a thread already gone, its process ID
/// from `gone_tgid` (the kernel's record), named from `/proc` if that process still runs.
fn owner_of(tid: u32, gone_tgid: impl FnOnce(u32) -> Option<u32>) -> Owner {
    running_owner(tid).unwrap_or_else(|| gone_owner(tid, gone_tgid(tid)))
}

/// The process of thread `tid` from `/proc` now, if the thread still runs, with the thread's
/// network namespace.
fn running_owner(tid: u32) -> Option<Owner> {
    let status = fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    let mut owner = tgid_from_status(&status).map(process_owner)?;
    // The thread's own: one can enter another namespace (setns) than its process's others.
    owner.netns = netns_of(&format!("/proc/{tid}/ns/net"));
    Some(owner)
}

/// The process of thread `tid`, gone from `/proc`: `tgid` as the kernel recorded it, named
/// from `/proc` if that process still runs; else the thread ID, unnamed.
fn gone_owner(tid: u32, tgid: Option<u32>) -> Owner {
    tgid.map_or_else(
        || Owner {
            pid: tid,
            name: String::new(),
            exe: None,
            script: None,
            netns: None,
        },
        process_owner,
    )
}

/// Process `pid`, named from `/proc` now (empty when it is gone). Its network namespace is left
/// unknown: the connecting thread's is wanted, which may differ, and only a running thread's is
/// read ([`running_owner`]).
fn process_owner(pid: u32) -> Owner {
    Owner {
        pid,
        netns: None,
        name: fs::read_to_string(format!("/proc/{pid}/comm"))
            .map(|comm| comm.trim_end_matches('\n').to_owned())
            .unwrap_or_default(),
        // As sysinfo reads a listener's (the link resolved by the kernel, without the
        // ` (deleted)` it gets when its file was replaced), so that one program reads the same
        // whether it listened or connected.
        exe: fs::read_link(format!("/proc/{pid}/exe")).ok().map(|exe| {
            let mut exe = exe.display().to_string();
            if let Some(len) = exe.strip_suffix(" (deleted)").map(str::len) {
                exe.truncate(len);
            }
            exe
        }),
        // A client that connects once and exits is gone before the host monitor reads it: its
        // script is read now, from its arguments (NUL-separated, as exec gave them).
        script: fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .and_then(|args| {
                let args = String::from_utf8_lossy(&args);
                Script::of(args.trim_end_matches('\0').split('\0'))
            }),
    }
}

/// The program an exec started, `given` as the caller passed it, as `/proc/<pid>/exe` names
/// a running process's (and so every listener's): symbolic links resolved (a venv's
/// `bin/python3` is the `python3.11` it links to). A relative path (relative to a working
/// directory no longer known) or one that no longer resolves is kept as given.
fn resolved(given: &str) -> String {
    if !given.starts_with('/') {
        return given.to_owned();
    }
    fs::canonicalize(given).map_or_else(|_| given.to_owned(), |p| p.display().to_string())
}

/// The program path `given` relative (`./collector`) that process `pid` exec'd, made absolute:
/// relative to the process's working directory while it still runs, else to that of the
/// thread that forked it (a shell's loop starting `./collector` in its own directory: a run
/// that the loader ends within a millisecond is gone before its exec is read), or of the one
/// that forked that (a wrapper's, `sh -c`, gone with its child), as read now or, where it is
/// gone too, when an earlier run of it was located ([`Execs::cwd`]), where the file is there. `None` where neither is known or has the file (a child that changed
/// directory before its exec, a daemon that moved to `/`): the path then stays as given.
fn located(given: &str, pid: u32, execs: &mut Execs) -> Option<String> {
    // The process, then its forker and theirs (a wrapper `sh -c` gone as soon as its child).
    let mut lineage = vec![pid];
    while lineage.len() < 5
        && let Some(up) = lineage.last().and_then(|&p| execs.parent(p))
    {
        lineage.push(up);
    }
    lineage.into_iter().enumerate().find_map(|(generation, p)| {
        let read = fs::read_link(format!("/proc/{p}/cwd")).ok();
        let dir = read.clone().or_else(|| {
            execs
                .cwd(p)
                .map(Path::to_path_buf)
                .filter(|_| generation > 0)
        })?;
        // `components()` leaves out the `.` of `./collector`.
        let path: PathBuf = dir.join(given).components().collect();
        if !path.is_file() {
            return None;
        }
        if let Some(read) = read.filter(|_| generation > 0) {
            execs.remember_cwd(p, read);
        }
        Some(path.display().to_string())
    })
}

/// The network namespace `link` (a `/proc/<pid>/ns/net`) stands for: the inode number in its
/// target, `net:[4026531840]`; `None` when it cannot be read (the process is gone).
pub(crate) fn netns_of(link: &str) -> Option<u64> {
    let target = fs::read_link(link).ok()?;
    parse_netns(target.to_str()?)
}

/// The network namespace of thread `tid` (its `/proc/<tid>/ns/net`), or why it cannot be
/// read: gone, or refused (another user's process, and no CAP_SYS_PTRACE).
fn netns_read(tid: u32) -> Result<u64, NetNsUnread> {
    match fs::read_link(format!("/proc/{tid}/ns/net")) {
        Ok(target) => (target.to_str())
            .and_then(parse_netns)
            .ok_or(NetNsUnread::Gone),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Err(NetNsUnread::NotPermitted),
        Err(_) => Err(NetNsUnread::Gone),
    }
}

/// The inode number of a namespace link's target, `net:[<inode>]`.
fn parse_netns(target: &str) -> Option<u64> {
    target
        .strip_prefix("net:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The `Tgid:` line of a `/proc/<tid>/status` text.
fn tgid_from_status(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Tgid:"))
        .and_then(|tgid| tgid.trim().parse().ok())
}

/// `CLOCK_REALTIME - CLOCK_MONOTONIC` now, in nanoseconds: adding it to a `mono` trace
/// timestamp gives Unix time.
fn unix_minus_mono_ns() -> i64 {
    let before = clock_ns(libc::CLOCK_MONOTONIC);
    let unix = clock_ns(libc::CLOCK_REALTIME);
    let after = clock_ns(libc::CLOCK_MONOTONIC);
    unix - (before + (after - before) / 2)
}

#[allow(
    clippy::useless_conversion,
    reason = "time_t and c_long are i32 on 32-bit targets"
)]
fn clock_ns(clock: libc::clockid_t) -> i64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec that clock_gettime only writes to. Both
    // clocks used here exist on every Linux, so the call cannot fail (it would leave zeros).
    unsafe { libc::clock_gettime(clock, &mut now) };
    i64::from(now.tv_sec)
        .saturating_mul(Timestamp::NANOS_PER_SEC)
        .saturating_add(i64::from(now.tv_nsec))
}

/// The error for `action` on `path`: permission problems say that root is needed.
fn io_error(action: &'static str, path: &Path, source: io::Error) -> HostError {
    let path = path.display().to_string();
    if source.kind() == ErrorKind::PermissionDenied {
        HostError::TraceNotPermitted {
            path,
            source,
            // systemd sets it for each run of a service.
            service: std::env::var_os("INVOCATION_ID").is_some(),
        }
    } else {
        HostError::Trace {
            action,
            path,
            source,
        }
    }
}

impl super::ConnectEvents for ConnectTrace {
    fn drain(&mut self, out: &mut Vec<ProcessSighting>) {
        ConnectTrace::drain(self, out);
    }

    fn lost(&self) -> u64 {
        ConnectTrace::lost(self)
    }

    fn unplaced(&self) -> u64 {
        ConnectTrace::unplaced(self)
    }

    fn describe(&self) -> &'static str {
        self.events.describe()
    }

    fn failing_starts(&self) -> Vec<FailingStart> {
        ConnectTrace::failing_starts(self)
    }
}

#[cfg(test)]
mod tests {
    use super::format::tests::{
        EXEC_FORMAT_FIXTURE, FORMAT_FIXTURE, HEADER_PAGE_FIXTURE, exec_record, record,
    };
    use super::ring::tests::PageBuilder;
    use super::*;

    #[test]
    fn tgid_comes_from_the_status_text() {
        let status = "Name:\tworker\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4100\nPid:\t4123\n";
        assert_eq!(tgid_from_status(status), Some(4100));
        assert_eq!(tgid_from_status("Name:\tx\n"), None);
    }

    #[test]
    fn the_budget_allows_a_burst_then_one_use_per_period() {
        // Moved back in time by hand (a few seconds: a machine just booted has no more).
        let mut b = Budget::new(2, Duration::from_millis(500));
        assert!(b.take() && b.take());
        assert!(!b.take(), "spent");
        b.since -= Duration::from_millis(500);
        assert!(b.take(), "refilled by one");
        assert!(!b.take());
        b.since -= Duration::from_millis(2500);
        assert!(
            b.take() && b.take() && !b.take(),
            "refilled up to its size only"
        );
    }

    #[test]
    fn saved_tgids_give_the_wanted_threads_processes() {
        let text = "1 1\n2250 2250\n2344 2250\nbad line\n2345 2250\n2400 2400\n";
        let wanted: HashSet<u32> = [2344, 2345, 9999].into_iter().collect();
        let found = scan_saved_tgids(text.as_bytes(), &wanted);
        assert_eq!(found.get(&2344), Some(&2250));
        assert_eq!(found.get(&2345), Some(&2250));
        assert_eq!(found.len(), 2, "only the threads asked for: {found:?}");
    }

    #[test]
    fn our_own_thread_maps_to_our_process() {
        let owner = owner_of(std::process::id(), |_| None);
        assert_eq!(owner.pid, std::process::id());
        assert!(!owner.name.is_empty());
    }

    #[test]
    fn threads_seen_starting_a_program_need_no_look_up_of_their_process() {
        let connect = |tid: u32, at: i64| Timed {
            at: Timestamp(at),
            change: format::StateChange {
                tid,
                skaddr: u64::from(tid),
                oldstate: 7,
                newstate: TCP_SYN_SENT,
                local: "127.0.0.1:0".parse().expect("addr"),
                remote: "127.0.0.1:9".parse().expect("addr"),
            },
        };
        let mut execs = Execs::default();
        execs.exec(
            Timestamp(10),
            format::Exec {
                pid: 100,
                path: "/usr/bin/curl".to_owned(),
            },
        );
        let mut refused = connect(100, 30);
        refused.change.oldstate = TCP_SYN_SENT;
        refused.change.newstate = 7;
        // 100 exec'd before connecting: its own process. 101 is another process's thread, or
        // one whose exec was not seen; 100's connect before its exec was another program's.
        let batch = [connect(100, 20), connect(101, 20), connect(100, 5), refused];
        let unknown: Vec<u32> = processes_unknown(&batch, &execs, None).collect();
        assert_eq!(unknown, [101, 100]);
        // 101 was read lately: its answer stands.
        let mut owners = Owners::default();
        owners.insert(
            101,
            Timestamp(15),
            Owner {
                pid: 90,
                name: "worker".to_owned(),
                exe: None,
                script: None,
                netns: None,
            },
        );
        let unknown: Vec<u32> = processes_unknown(&batch, &execs, Some(&owners)).collect();
        assert_eq!(unknown, [100]);
    }

    #[test]
    fn a_network_namespace_is_told_by_its_links_inode_number() {
        assert_eq!(parse_netns("net:[4026531840]"), Some(4_026_531_840));
        assert_eq!(parse_netns("net:[]"), None);
        assert_eq!(parse_netns("mnt:[4026531840]"), None);
        // This process's own, as the trace reads it.
        assert!(netns_of("/proc/self/ns/net").is_some());
        assert_eq!(netns_of("/proc/self/ns/no-such"), None);
    }

    /// Regression: a short-lived client started through another program (`env`, a script, `ip
    /// netns exec`) was named after that program, not the client it exec'd, when the two execs
    /// were on two CPUs and the later one's CPU was read first (trace_cost: 4-11 of 300
    /// connects): a round's exits and execs are applied in time order.
    #[test]
    fn a_client_whose_execs_were_on_two_cpus_is_named_after_the_later() {
        let dir = std::env::temp_dir().join(format!("rstscope-round-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temporary directory");
        let (cpus, append) = two_cpu_buffers(&dir);
        let (mut reader, rx) = fixture_reader(cpus);
        // Processes no /proc has (gone before the reader looks them up): `nc`, and `moved`,
        // which `env` started and which exec'd its client, its two execs on two CPUs, the later
        // on the CPU read first.
        let (nc, moved) = (0x7fff_fff0_u32, 0x7fff_fff1_u32);
        let client = "/opt/probe/check-client";
        // `nc` started by a symbolic link, as a venv's `bin/python3` links to `python3.11`.
        let nc_real = dir.join("nc.openbsd");
        let nc_link = dir.join("nc");
        fs::write(&nc_real, "").expect("a program file");
        std::os::unix::fs::symlink("nc.openbsd", &nc_link).expect("a symbolic link");
        let nc_real = fs::canonicalize(&nc_real).expect("resolves");
        let nc_link = nc_link.display().to_string();
        let tid = |pid: u32| i32::try_from(pid).expect("fits");
        let server = "127.0.0.1:9".parse().expect("addr");
        let any_port = "127.0.0.1:0".parse().expect("addr");
        let port = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
        let ms = 1_000_000;
        let now = u64::try_from(clock_ns(libc::CLOCK_MONOTONIC)).expect("after boot");
        let mut batch = Vec::new();

        // They started a while ago, and connected.
        append(
            0,
            &PageBuilder::new(now - 50 * ms)
                .long(0, &exec_record(nc, &nc_link))
                .long(20_000_000, &exec_record(moved, client))
                .build(),
        );
        append(
            1,
            &PageBuilder::new(now - 40 * ms)
                .long(0, &exec_record(moved, "/usr/bin/env"))
                .build(),
        );
        append(
            1,
            &PageBuilder::new(now - 20 * ms)
                .small(0, &record(tid(nc), 0xa0, 7, 2, any_port, server))
                .small(30, &record(0, 0xa0, 2, 7, port(45677), server))
                .small(1000, &record(tid(moved), 0xd0, 7, 2, any_port, server))
                .small(30, &record(0, 0xd0, 2, 7, port(45676), server))
                .build(),
        );
        assert!(reader.round(&mut batch).is_some());
        let _ = fs::remove_dir_all(&dir);
        // No exit event here: they are named at once, by the name the kernel gave at exec (the
        // link's), with the program resolved as a running process's `/proc/PID/exe` and so every
        // listener's is; a path that does not resolve stays as given.
        let mut seen: Vec<ProcessSighting> = rx.try_iter().collect();
        seen.sort_by_key(|s| s.pid);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!((seen[0].pid, seen[0].name.as_str()), (nc, "nc"));
        assert_eq!(
            seen[0].exe.as_deref(),
            Some(nc_real.display().to_string().as_str())
        );
        assert_eq!(
            (seen[1].pid, seen[1].name.as_str()),
            (moved, "check-client")
        );
        assert_eq!(seen[1].exe.as_deref(), Some(client), "{seen:?}");
    }

    /// Two CPUs' buffers in `dir`: files read to their end each round, as trace_pipe_raw is,
    /// opened for reading, and how to append a page to the buffer of CPU 0 or 1.
    fn two_cpu_buffers(dir: &Path) -> (Vec<File>, impl Fn(usize, &[u8])) {
        let paths = [dir.join("cpu0"), dir.join("cpu1")];
        let cpus: Vec<File> = paths
            .iter()
            .map(|p| {
                File::create(p).expect("create a buffer file");
                File::open(p).expect("open it for reading")
            })
            .collect();
        let append = move |cpu: usize, page: &[u8]| {
            use std::io::Write as _;
            File::options()
                .append(true)
                .open(&paths[cpu])
                .and_then(|mut f| f.write_all(page))
                .expect("append a page");
        };
        (cpus, append)
    }

    /// A reader of the fixtures' formats (connects and execs) from the buffers `cpus`, and
    /// where its sightings go.
    fn fixture_reader(cpus: Vec<File>) -> (Reader, std::sync::mpsc::Receiver<ProcessSighting>) {
        let layout = PageLayout::parse(HEADER_PAGE_FIXTURE, "fixture").expect("layout");
        let (tx, rx) = sync_channel(16);
        let reader = Reader {
            cpus,
            page: vec![0; layout.page_size()],
            layout,
            format: StateEventFormat::parse(FORMAT_FIXTURE, "fixture").expect("format"),
            exit_format: None,
            exec_format: Some(
                ExecEventFormat::parse(EXEC_FORMAT_FIXTURE, "fixture").expect("exec"),
            ),
            exit_call_format: None,
            task_formats: Vec::new(),
            move_formats: Vec::new(),
            moves: Moves::default(),
            origins: Origins::default(),
            net_namespaces: NetNamespaces::default(),
            own_root: places::own_root(),
            tgids: None,
            tgid_scans: Budget::new(TGID_SCANS, TGID_SCAN_EVERY),
            exited: Exited::default(),
            execs: Execs::default(),
            restarts: Restarts::default(),
            thread_gate: None,
            failing: Arc::new(Mutex::new(Vec::new())),
            owners: Some(Owners::default()),
            processes: Vec::new(),
            unnamed: Vec::new(),
            joiner: Joiner::new(None),
            joiner_dropped: 0,
            unplaced: Arc::new(AtomicU64::new(0)),
            tx,
            lost: Arc::new(AtomicU64::new(0)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        (reader, rx)
    }

    /// Regression (tests/connect_trace.rs beside stress-ng, 1 of 20 runs): a short-lived
    /// client a script exec'd was named after the script (`check.sh`), where the client's exec
    /// and its connect both came while a round read the buffers, the exec on a CPU read before
    /// the connect's: the exec waited for the next round, as those after a round's start do,
    /// and the connect did not. It waits too.
    #[test]
    fn a_connect_made_while_a_round_reads_waits_for_the_exec_before_it() {
        let dir = std::env::temp_dir().join(format!("rstscope-late-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temporary directory");
        let (cpus, append) = two_cpu_buffers(&dir);
        let (mut reader, rx) = fixture_reader(cpus);
        // A process no /proc has: started by a script, which exec'd its client just before
        // the client's connect, both after the round below begins (their times ahead of it).
        let pid = 0x7fff_fff2_u32;
        let (script, client) = ("/opt/probe/check.sh", "/opt/probe/check-client");
        let tid = i32::try_from(pid).expect("fits");
        let server = "127.0.0.1:9".parse().expect("addr");
        let any_port = "127.0.0.1:0".parse().expect("addr");
        let ms = 1_000_000;
        let now = u64::try_from(clock_ns(libc::CLOCK_MONOTONIC)).expect("after boot");
        append(
            1,
            &PageBuilder::new(now - 50 * ms)
                .long(0, &exec_record(pid, script))
                .build(),
        );
        append(
            0,
            &PageBuilder::new(now + 100 * ms)
                .long(0, &exec_record(pid, client))
                .build(),
        );
        append(
            1,
            &PageBuilder::new(now + 101 * ms)
                .small(0, &record(tid, 0xe0, 7, 2, any_port, server))
                .small(30, &record(0, 0xe0, 2, 7, port_of(45678), server))
                .build(),
        );
        let mut batch = Vec::new();
        assert!(reader.round(&mut batch).is_some());
        let early: Vec<ProcessSighting> = rx.try_iter().collect();
        assert!(
            early.is_empty(),
            "told before its exec was applied: {early:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(150));
        assert!(reader.round(&mut batch).is_some());
        let _ = fs::remove_dir_all(&dir);
        let seen: Vec<ProcessSighting> = rx.try_iter().collect();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].name, "check-client", "{seen:?}");
        assert_eq!(seen[0].exe.as_deref(), Some(client), "{seen:?}");
    }

    /// 127.0.0.1:`port`.
    fn port_of(port: u16) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// Regression (a terminal trial): a venv's Python server and its client, started by the
    /// same `bin/python3` link, read as `/…/bin/python3.11` listening (sysinfo, from
    /// `/proc/PID/exe`) and `venv/bin/python3` connecting (the exec's path as given). A
    /// running connecting process's executable is read where a listener's is.
    #[test]
    fn regression_a_running_program_reads_the_same_connecting_as_listening() {
        let me = std::process::id();
        let listening = crate::host::processes::Processes::new().describe(me, "?");
        let connecting = process_owner(me);
        assert!(connecting.exe.is_some(), "{connecting:?}");
        assert_eq!(connecting.exe, listening.exe);
    }

    /// A program whose file was removed while it runs (an upgrade replaced it): the kernel
    /// adds ` (deleted)` to its `/proc/PID/exe`, which sysinfo takes off; so does the trace.
    #[test]
    fn a_program_whose_file_was_replaced_reads_as_a_listener_would() {
        let Ok(sleep) = fs::canonicalize("/bin/sleep") else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("rstscope-deleted-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temporary directory");
        let program = dir.join("replaced-sleep");
        fs::copy(&sleep, &program).expect("copy sleep");
        let mut child = std::process::Command::new(&program)
            .arg("5")
            .spawn()
            .expect("start it");
        // Until the child has exec'd, it is a copy of this test program.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while fs::read_link(format!("/proc/{}/exe", child.id()))
            .is_ok_and(|exe| !exe.ends_with("replaced-sleep"))
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let path = fs::canonicalize(&program).expect("resolves");
        fs::remove_file(&program).expect("remove it while it runs");
        let connecting = process_owner(child.id());
        let listening = crate::host::processes::Processes::new().describe(child.id(), "?");
        let _ = child.kill();
        let _ = child.wait();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(connecting.exe, Some(path.display().to_string()));
        assert_eq!(connecting.exe, listening.exe);
    }

    #[test]
    fn the_start_note_says_what_a_kernel_without_the_process_events_cannot_tell() {
        let note = |exit, exec| OptionalEvents { exit, exec }.describe();
        assert!(
            !note(true, true).contains("no sched"),
            "{}",
            note(true, true)
        );
        assert!(note(true, false).contains("no sched:sched_process_exec event"));
        assert!(note(true, false).contains("without its path"));
        assert!(note(false, true).contains("no sched:sched_process_exit event"));
        assert!(note(false, false).contains("is not named"));
    }

    #[test]
    fn the_offset_maps_mono_to_roughly_now() {
        let unix = clock_ns(libc::CLOCK_REALTIME);
        let mapped = clock_ns(libc::CLOCK_MONOTONIC) + unix_minus_mono_ns();
        assert!(
            (mapped - unix).abs() < Timestamp::NANOS_PER_SEC,
            "{mapped} vs {unix}"
        );
    }

    /// A program making threads one after another (40,000 a second) fed the trace as many
    /// events: past 2,000 in a second, the event lets only forks through for 10 s, then
    /// threads again. (Here the files are plain files: the kernel's own are tried live.)
    #[test]
    fn the_new_thread_event_is_turned_off_while_threads_are_made_too_fast() {
        let dir = std::env::temp_dir().join(format!("rstscope-gate-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temporary directory");
        let (enable, filter) = (dir.join("enable"), dir.join("filter"));
        fs::write(&enable, "1").expect("write");
        fs::write(&filter, "none").expect("write");
        let state = || {
            (
                fs::read_to_string(&enable).expect("read"),
                fs::read_to_string(&filter).expect("read"),
            )
        };
        let on = || ("1".to_owned(), "0".to_owned());
        let t0 = std::time::Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut gate = ThreadGate::new(dir.clone(), t0);
        // A few a second for a while: left on.
        for i in 0..30 {
            gate.round(150, ms(i * 100));
        }
        assert_eq!(state(), ("1".to_owned(), "none".to_owned()));
        // 2,001 within a second: forks only.
        gate.round(1500, ms(3000));
        gate.round(501, ms(3500));
        let forks_only = ("1".to_owned(), "!(clone_flags & 0x10000)".to_owned());
        assert_eq!(state(), forks_only);
        gate.round(0, ms(13_499));
        assert_eq!(state(), forks_only, "for 10 s");
        gate.round(0, ms(13_500));
        assert_eq!(state(), on(), "then threads again");
        gate.round(2000, ms(13_600));
        assert_eq!(state(), on(), "counted anew");
        // A kernel that refuses the filter (here: no filter file) has the event turned off.
        fs::remove_file(&filter).expect("remove");
        fs::create_dir(&filter).expect("a directory in its place");
        gate.round(2001, ms(14_000));
        assert_eq!(fs::read_to_string(&enable).expect("read"), "0");
        gate.round(0, ms(24_000));
        assert_eq!(fs::read_to_string(&enable).expect("read"), "1");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn exits_are_remembered_within_bounds_of_age_and_count() {
        let exit = |tid: u32, name: &str| Exit {
            tid,
            name: name.to_owned(),
        };
        let mut exited = Exited::default();
        exited.insert(Timestamp(0), exit(7, "curl"));
        exited.insert(Timestamp(1), exit(8, "nc"));
        assert_eq!(exited.name(7), Some("curl"));
        // A reused thread ID takes the newer name, and the older entry does not remove it.
        exited.insert(Timestamp(2), exit(7, "wget"));
        assert_eq!(exited.name(7), Some("wget"));
        // Older than the horizon: forgotten.
        exited.insert(Timestamp(EXITED_KEEP_NS + 2), exit(9, "sh"));
        assert_eq!(exited.name(8), None);
        assert_eq!(exited.name(7), Some("wget"));
        exited.insert(Timestamp(EXITED_KEEP_NS + 3), exit(10, "sh"));
        assert_eq!(exited.name(7), None);
        // At most MAX_EXITED, the oldest going first.
        for tid in 0..2 * MAX_EXITED {
            exited.insert(Timestamp(EXITED_KEEP_NS + 4), exit(1000 + tid as u32, "x"));
        }
        assert!(exited.names.len() <= MAX_EXITED && exited.order.len() <= MAX_EXITED);
        assert_eq!(exited.name(1000), None);
        assert_eq!(exited.name(1000 + 2 * MAX_EXITED as u32 - 1), Some("x"));
    }

    /// Page bytes -> records -> state changes -> one sighting, as the reader chains them.
    #[test]
    fn a_refused_connect_page_gives_one_sighting() {
        let format = StateEventFormat::parse(FORMAT_FIXTURE, "fixture").expect("format");
        let layout = PageLayout::parse(HEADER_PAGE_FIXTURE, "fixture").expect("layout");
        let server = "127.0.0.1:9".parse().expect("addr");
        let page = PageBuilder::new(5_000)
            .small(
                1,
                &record(
                    321,
                    0xa0,
                    7,
                    2,
                    "127.0.0.1:0".parse().expect("addr"),
                    server,
                ),
            )
            .small(
                30,
                &record(
                    0,
                    0xa0,
                    2,
                    7,
                    "127.0.0.1:45678".parse().expect("addr"),
                    server,
                ),
            )
            .build();
        let mut changes = Vec::new();
        let summary = ring::decode_page(&page, &layout, |ts, bytes| {
            if let Some(change) = format.decode(bytes) {
                changes.push(Timed {
                    at: Timestamp(i64::try_from(ts).expect("small")),
                    change,
                });
            }
        });
        assert_eq!(summary, ring::PageSummary::default());
        let mut joiner = Joiner::new(None);
        let sightings: Vec<_> = changes
            .into_iter()
            .filter_map(|timed| {
                joiner.push(timed, |tid| Owner {
                    pid: tid,
                    name: "curl".to_owned(),
                    exe: None,
                    script: None,
                    netns: None,
                })
            })
            .collect();
        assert_eq!(sightings.len(), 1);
        assert_eq!(sightings[0].pid, 321);
        assert_eq!(sightings[0].at, Timestamp(5_001));
        assert_eq!(sightings[0].local.port(), 45678);
        assert_eq!(sightings[0].remote, Some(server));
    }
}
