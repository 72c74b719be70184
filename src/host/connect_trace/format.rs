//! The layouts tracefs describes in text: one event's record (`events/<group>/<event>/format`)
//! and the ring buffer's page header (`events/header_page`).
//!
//! Offsets are read from these files, never assumed: they change between kernel versions and
//! architectures (pointer size, field order).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::host::HostError;

/// `AF_INET` on Linux.
const AF_INET: u64 = 2;
/// `AF_INET6` on Linux.
const AF_INET6: u64 = 10;

/// Where one field lies in a record or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Field {
    /// Byte offset from the start of the record (or page).
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

impl Field {
    /// The field as an unsigned native-endian integer of 1, 2, 4 or 8 bytes; `None` if the
    /// record is too short.
    pub fn uint(self, record: &[u8]) -> Option<u64> {
        let bytes = record.get(self.offset..self.offset.checked_add(self.size)?)?;
        Some(match *bytes {
            [a] => u64::from(a),
            [a, b] => u64::from(u16::from_ne_bytes([a, b])),
            [a, b, c, d] => u64::from(u32::from_ne_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => u64::from_ne_bytes([a, b, c, d, e, f, g, h]),
            _ => return None,
        })
    }

    /// The field's raw bytes; `None` if the record is too short.
    pub fn bytes(self, record: &[u8]) -> Option<&[u8]> {
        record.get(self.offset..self.offset.checked_add(self.size)?)
    }
}

/// Every `field:` line of a tracefs format text: `(name, field)` in file order.
///
/// A line reads `field:TYPE NAME[LEN];<TAB>offset:N;<TAB>size:N;<TAB>signed:N;`; the name is
/// the last word of the declaration without its array length.
fn fields(text: &str, path: &str) -> Result<Vec<(String, Field)>, HostError> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("field:") else {
            continue;
        };
        let problem = |what: &str| HostError::TraceFormat {
            path: path.to_owned(),
            problem: format!("line {}: {what} in {line:?}", index + 1),
        };
        let mut parts = rest.split(';').map(str::trim);
        let declaration = parts.next().unwrap_or_default();
        let name = declaration
            .split_whitespace()
            .last()
            .map(|word| {
                word.split('[')
                    .next()
                    .unwrap_or(word)
                    .trim_start_matches('*')
            })
            .filter(|name| !name.is_empty())
            .ok_or_else(|| problem("no field name"))?;
        let mut number = |key: &str| {
            parts
                .next()
                .and_then(|part| part.strip_prefix(key))
                .and_then(|value| value.parse::<usize>().ok())
                .ok_or_else(|| problem(&format!("no {key}N")))
        };
        let offset = number("offset:")?;
        let size = number("size:")?;
        out.push((name.to_owned(), Field { offset, size }));
    }
    Ok(out)
}

/// Where the last of `fields` ends: a record shorter than that is not the event's.
fn end_of<'a>(fields: impl IntoIterator<Item = &'a Field>) -> usize {
    fields
        .into_iter()
        .map(|f| f.offset.saturating_add(f.size))
        .max()
        .unwrap_or(0)
}

/// The field `name` from `fields`, checked to have one of the `sizes` (any size if empty).
fn pick(
    fields: &[(String, Field)],
    path: &str,
    name: &str,
    sizes: &[usize],
) -> Result<Field, HostError> {
    let Some(&(_, field)) = fields.iter().find(|(n, _)| n == name) else {
        return Err(HostError::TraceFormat {
            path: path.to_owned(),
            problem: format!("no field {name}"),
        });
    };
    if sizes.is_empty() || sizes.contains(&field.size) {
        Ok(field)
    } else {
        Err(HostError::TraceFormat {
            path: path.to_owned(),
            problem: format!(
                "field {name} has size {}, expected one of {sizes:?}",
                field.size
            ),
        })
    }
}

/// The ring buffer's page header: where the `commit` word and the event data lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageLayout {
    /// The page's start time, in trace-clock nanoseconds.
    pub timestamp: Field,
    /// Bytes of event data in the page, with the "events were lost" flags in its high bits.
    pub commit: Field,
    /// Where the first event starts; its size is the page's room for events.
    pub data: Field,
}

impl PageLayout {
    /// The layout described by the text of `events/header_page`; `path` only labels errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, HostError> {
        let fields = fields(text, path)?;
        Ok(Self {
            timestamp: pick(&fields, path, "timestamp", &[8])?,
            commit: pick(&fields, path, "commit", &[4, 8])?,
            data: pick(&fields, path, "data", &[])?,
        })
    }

    /// The size of a whole page (header and data).
    pub fn page_size(&self) -> usize {
        self.data.offset + self.data.size
    }
}

/// One `sock:inet_sock_set_state` record's layout, and the event's ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StateEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    /// The end of the last field: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    common_pid: Field,
    skaddr: Field,
    oldstate: Field,
    newstate: Field,
    sport: Field,
    dport: Field,
    family: Field,
    protocol: Field,
    saddr: Field,
    daddr: Field,
    saddr_v6: Field,
    daddr_v6: Field,
}

/// One decoded TCP state change of a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StateChange {
    /// The thread that was running when the state changed (0 in softirq on an idle CPU).
    pub tid: u32,
    /// The socket's kernel address: the same socket from one change to the next.
    pub skaddr: u64,
    /// The state it left (`TCP_*` numbers, 7 = CLOSE, 2 = SYN_SENT).
    pub oldstate: i32,
    /// The state it entered.
    pub newstate: i32,
    /// The socket's own address and port (port 0 before connect() picked one).
    pub local: SocketAddr,
    /// The peer's address and port.
    pub remote: SocketAddr,
}

impl StateEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let min_len = end_of(fields.iter().map(|(_, f)| f));
        Ok(Self {
            id,
            min_len,
            common_type: pick("common_type", &[2])?,
            common_pid: pick("common_pid", &[4])?,
            skaddr: pick("skaddr", &[4, 8])?,
            oldstate: pick("oldstate", &[4])?,
            newstate: pick("newstate", &[4])?,
            sport: pick("sport", &[2])?,
            dport: pick("dport", &[2])?,
            family: pick("family", &[2])?,
            protocol: pick("protocol", &[2])?,
            saddr: pick("saddr", &[4])?,
            daddr: pick("daddr", &[4])?,
            saddr_v6: pick("saddr_v6", &[16])?,
            daddr_v6: pick("daddr_v6", &[16])?,
        })
    }

    /// The TCP state change in `record`; `None` for another event, another protocol, an
    /// unknown address family or a record too short for the layout.
    pub fn decode(&self, record: &[u8]) -> Option<StateChange> {
        if record.len() < self.min_len
            || self.common_type.uint(record)? != self.id
            || self.protocol.uint(record)? != 6
        {
            return None;
        }
        let (saddr, daddr) = match self.family.uint(record)? {
            AF_INET => (
                IpAddr::V4(ipv4(self.saddr.bytes(record)?)?),
                IpAddr::V4(ipv4(self.daddr.bytes(record)?)?),
            ),
            // An IPv6 socket connecting to an IPv4-mapped address sends IPv4 packets: say so
            // the way the capture shows them.
            AF_INET6 => (
                IpAddr::V6(ipv6(self.saddr_v6.bytes(record)?)?).to_canonical(),
                IpAddr::V6(ipv6(self.daddr_v6.bytes(record)?)?).to_canonical(),
            ),
            _ => return None,
        };
        // The kernel stores ports in host order (it applies ntohs when recording).
        let port = |field: Field| field.uint(record).and_then(|p| u16::try_from(p).ok());
        // Signed 32-bit fields: keep the bit pattern.
        let int = |field: Field| field.uint(record).map(|v| v as u32 as i32);
        Some(StateChange {
            tid: u32::try_from(self.common_pid.uint(record)?).ok()?,
            skaddr: self.skaddr.uint(record)?,
            oldstate: int(self.oldstate)?,
            newstate: int(self.newstate)?,
            local: SocketAddr::new(saddr, port(self.sport)?),
            remote: SocketAddr::new(daddr, port(self.dport)?),
        })
    }
}

/// One `sched:sched_process_exit` record's layout, and the event's ID: a thread ending, with
/// its name, so that a process gone before the reader looked it up in `/proc` is still named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExitEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    /// The end of the last field used: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    pid: Field,
    comm: Field,
    /// Whether the exiting thread is its process's last (recent kernels only).
    group_dead: Option<Field>,
}

/// One decoded thread exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Exit {
    /// The thread that ended (the process ID when it was the process's first thread).
    pub tid: u32,
    /// Its name (`comm`), as `/proc/<tid>/comm` gave it.
    pub name: String,
}

impl ExitEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let (common_type, pid, comm) = (
            pick("common_type", &[2])?,
            pick("pid", &[4])?,
            pick("comm", &[])?,
        );
        let min_len = end_of(&[common_type, pid, comm]);
        Ok(Self {
            id,
            min_len,
            common_type,
            pid,
            comm,
            group_dead: pick("group_dead", &[1]).ok(),
        })
    }

    /// The kernel event filter that lets through only the exits of processes (their last
    /// thread), where the layout tells them from other threads' exits; `None` where it does
    /// not, and every thread's exit is read.
    pub fn processes_only(&self) -> Option<&'static str> {
        self.group_dead.map(|_| "group_dead == 1")
    }

    /// The thread exit in `record`; `None` for another event or a record too short.
    pub fn decode(&self, record: &[u8]) -> Option<Exit> {
        if record.len() < self.min_len || self.common_type.uint(record)? != self.id {
            return None;
        }
        let comm = self.comm.bytes(record)?;
        let end = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
        Some(Exit {
            tid: u32::try_from(self.pid.uint(record)?).ok()?,
            name: String::from_utf8_lossy(&comm[..end]).into_owned(),
        })
    }
}

/// One `sched:sched_process_exec` record's layout, and the event's ID: a process starting a
/// program, with the file's path as given to exec, so that a process gone before the reader
/// looked it up in `/proc` is still named by what it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExecEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    /// The end of the last fixed field used: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    /// A `__data_loc` word: the string's offset in the record (low 16 bits) and its length
    /// with the terminating NUL (high 16 bits).
    filename: Field,
    pid: Field,
}

/// One decoded exec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Exec {
    /// The process (its thread-group ID: after exec, the thread that called it leads).
    pub pid: u32,
    /// The program's path as the caller passed it to exec (not resolved: a symbolic link's
    /// own path, relative when it was given so).
    pub path: String,
}

impl ExecEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let (common_type, filename, pid) = (
            pick("common_type", &[2])?,
            pick("filename", &[4])?,
            pick("pid", &[4])?,
        );
        let min_len = end_of(&[common_type, filename, pid]);
        Ok(Self {
            id,
            min_len,
            common_type,
            filename,
            pid,
        })
    }

    /// The exec in `record`; `None` for another event, a record too short, or a path that
    /// lies outside the record.
    pub fn decode(&self, record: &[u8]) -> Option<Exec> {
        if record.len() < self.min_len || self.common_type.uint(record)? != self.id {
            return None;
        }
        let loc = self.filename.uint(record)?;
        let start = usize::try_from(loc & 0xffff).ok()?;
        let len = usize::try_from(loc >> 16).ok()?;
        let bytes = record.get(start..start.checked_add(len)?)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        if end == 0 {
            return None;
        }
        Some(Exec {
            pid: u32::try_from(self.pid.uint(record)?).ok()?,
            path: String::from_utf8_lossy(&bytes[..end]).into_owned(),
        })
    }
}

/// One `syscalls:sys_enter_exit_group` record's layout, and the event's ID: a process asking
/// to end, with the status it ends with (the loader that cannot find a library asks for 127).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExitCallEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    /// The end of the last field used: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    /// The calling thread.
    common_pid: Field,
    error_code: Field,
}

/// One decoded `exit_group()` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ExitCall {
    /// The thread that called it (the process ID for a process of one thread).
    pub tid: u32,
    /// The exit status the process ends with: the low 8 bits of the argument, as `wait()`
    /// gives them.
    pub status: u8,
}

impl ExitCallEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let (common_type, common_pid, error_code) = (
            pick("common_type", &[2])?,
            pick("common_pid", &[4])?,
            pick("error_code", &[4, 8])?,
        );
        let min_len = end_of(&[common_type, common_pid, error_code]);
        Ok(Self {
            id,
            min_len,
            common_type,
            common_pid,
            error_code,
        })
    }

    /// The kernel event filter that lets through only calls with a status other than 0: a
    /// process that ends well is no failed start, and most do.
    pub fn failures_only() -> &'static str {
        "error_code != 0"
    }

    /// The call in `record`; `None` for another event or a record too short.
    pub fn decode(&self, record: &[u8]) -> Option<ExitCall> {
        if record.len() < self.min_len || self.common_type.uint(record)? != self.id {
            return None;
        }
        Some(ExitCall {
            tid: u32::try_from(self.common_pid.uint(record)?).ok()?,
            status: (self.error_code.uint(record)? & 0xff) as u8,
        })
    }
}

/// Which process event a [`TaskEventFormat`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TaskEventKind {
    /// `signal:signal_deliver`: the current thread takes a signal (`common_pid`, `sig`).
    Deliver,
    /// `signal:signal_generate`: a signal sent to a thread or process (`pid`, `sig`).
    Generate,
    /// `oom:mark_victim`: the OOM killer chose a process (`pid`).
    OomVictim,
    /// `task:task_newtask`: the current thread made a thread of its process (`common_pid`, the
    /// new thread's `pid`, `clone_flags` with `CLONE_THREAD`).
    NewThread,
    /// `task:task_newtask` without `CLONE_THREAD`: the current thread forked a process
    /// (`common_pid`, the child's `pid`), decoded from [`TaskEventKind::NewThread`]'s layout.
    NewProcess,
}

/// The layout of one of the events that tell how a process ended other than by its own
/// `exit_group()`: a signal taken, a signal sent, the OOM killer's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TaskEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    pub kind: TaskEventKind,
    /// The end of the last field used: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    /// The thread or process it is about.
    task: Field,
    /// The signal; `None` for the OOM killer's event and a new thread.
    sig: Option<Field>,
    /// The thread made; only for [`TaskEventKind::NewThread`].
    child: Option<Field>,
    /// How it was made (`clone_flags`), which tells a thread from a process; only for
    /// [`TaskEventKind::NewThread`].
    clone_flags: Option<Field>,
}

/// One decoded signal or OOM event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TaskEvent {
    pub kind: TaskEventKind,
    /// The thread (or process) it is about.
    pub tid: u32,
    /// The signal (0 for the OOM killer's event and a new thread).
    pub sig: u8,
    /// The thread or process made by `tid` (0 for the other events).
    pub child: u32,
    /// A process forked into a mount namespace of its own (`CLONE_NEWNS`, as some container
    /// runtimes make their first process).
    pub mount_ns: bool,
    /// A process forked into a network namespace of its own (`CLONE_NEWNET`).
    pub net_ns: bool,
}

impl TaskEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(kind: TaskEventKind, text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let common_type = pick("common_type", &[2])?;
        let task = pick(
            match kind {
                TaskEventKind::Deliver | TaskEventKind::NewThread | TaskEventKind::NewProcess => {
                    "common_pid"
                }
                TaskEventKind::Generate | TaskEventKind::OomVictim => "pid",
            },
            &[4],
        )?;
        let sig = match kind {
            TaskEventKind::OomVictim | TaskEventKind::NewThread | TaskEventKind::NewProcess => None,
            TaskEventKind::Deliver | TaskEventKind::Generate => Some(pick("sig", &[4])?),
        };
        let (child, clone_flags) = match kind {
            TaskEventKind::NewThread | TaskEventKind::NewProcess => {
                (Some(pick("pid", &[4])?), Some(pick("clone_flags", &[8])?))
            }
            _ => (None, None),
        };
        // The kernel filter needs these too.
        match kind {
            TaskEventKind::Deliver => pick("sa_handler", &[4, 8]).map(|_| ())?,
            TaskEventKind::Generate => {
                pick("result", &[4])?;
                pick("code", &[4]).map(|_| ())?
            }
            TaskEventKind::NewThread | TaskEventKind::NewProcess | TaskEventKind::OomVictim => {}
        }
        let min_len = end_of(
            [common_type, task]
                .iter()
                .chain(sig.as_ref())
                .chain(child.as_ref())
                .chain(clone_flags.as_ref()),
        );
        Ok(Self {
            id,
            kind,
            min_len,
            common_type,
            task,
            sig,
            child,
            clone_flags,
        })
    }

    /// The kernel event filter that lets through only what can end a process: a signal taken
    /// with its default action that ends it (`sa_handler == 0`, SIG_DFL), a signal sent
    /// (and queued) that ends a process as a group; every OOM victim.
    ///
    /// A signal sent cannot be told handled or not (the event has no handler; its delivery
    /// has, but a group kill is delivered as `SIGKILL`): of the signals programs handle and
    /// send themselves at high rates ([`HANDLED_SIGNALS`](crate::host::restarts::HANDLED_SIGNALS),
    /// real-time signals), only those sent by `kill()` (`code == 0`, `SI_USER`) are let
    /// through, not a timer's (`SI_KERNEL` from `setitimer()` and `alarm()`, `SI_TIMER`) nor
    /// a thread's (`SI_TKILL`, `pthread_kill()`), nor `sigqueue()`'s.
    pub fn filter(&self) -> Option<String> {
        let any = |sigs: &mut dyn Iterator<Item = u8>| {
            sigs.map(|s| format!("sig == {s}"))
                .collect::<Vec<_>>()
                .join(" || ")
        };
        use crate::host::restarts::{CORE_SIGNALS, ENDING_SIGNALS, HANDLED_SIGNALS};
        match self.kind {
            // SIGKILL is how every thread of a process ended as a group is told.
            TaskEventKind::Deliver => Some(format!(
                "sa_handler == 0 && ({})",
                any(&mut CORE_SIGNALS.into_iter().chain([9]))
            )),
            // result 0: TRACE_SIGNAL_DELIVERED, queued. Real-time signals end a process too.
            TaskEventKind::Generate => Some(format!(
                "result == 0 && ({} || (code == 0 && ({} || sig >= 34)))",
                any(&mut ENDING_SIGNALS.into_iter()),
                any(&mut HANDLED_SIGNALS.into_iter())
            )),
            // Threads and forks both: a fork tells whose working directory a relative
            // program path its child execs is relative to (see `Execs::forked`).
            TaskEventKind::OomVictim | TaskEventKind::NewThread | TaskEventKind::NewProcess => None,
        }
    }

    /// The event in `record`; `None` for another event or a record too short.
    pub fn decode(&self, record: &[u8]) -> Option<TaskEvent> {
        if record.len() < self.min_len || self.common_type.uint(record)? != self.id {
            return None;
        }
        let sig = match self.sig {
            Some(f) => u8::try_from(f.uint(record)?).ok()?,
            None => 0,
        };
        let child = match self.child {
            Some(f) => u32::try_from(f.uint(record)?).ok()?,
            None => 0,
        };
        let flags = match self.clone_flags {
            Some(f) => Some(f.uint(record)?),
            None => None,
        };
        // CLONE_THREAD: a thread of the same process; without it, a process (a fork).
        let kind = match flags {
            Some(flags) if flags & 0x10000 == 0 => TaskEventKind::NewProcess,
            _ => self.kind,
        };
        Some(TaskEvent {
            kind,
            tid: u32::try_from(self.task.uint(record)?).ok()?,
            sig,
            child,
            mount_ns: flags.is_some_and(|f| f & CLONE_NEWNS != 0),
            net_ns: flags.is_some_and(|f| f & CLONE_NEWNET != 0),
        })
    }
}

/// Which event a [`MoveEventFormat`] reads: a thread that moved to another root, mount or
/// network namespace, or a process put into a cgroup. Rare events (a container's start, a
/// service's sandbox, `ip netns exec`), read so that a program started there, gone before
/// `/proc` could be read, is known not to be the host's file of its path, nor of the
/// network namespace of the process that forked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MoveKind {
    /// `syscalls:sys_enter_unshare` with `CLONE_NEWNS`: a mount namespace of its own (the
    /// same files until it mounts others: a container's runtime, systemd's sandboxing); or
    /// with `CLONE_NEWNET`, a network namespace of its own.
    Unshare,
    /// `syscalls:sys_enter_setns` into a mount namespace (or any, `nstype` 0): another's
    /// files and root (`nsenter`, `docker exec`); or into a network namespace (`ip netns
    /// exec`).
    Setns,
    /// `syscalls:sys_exit_chroot` that succeeded: another root directory.
    Chroot,
    /// `syscalls:sys_exit_pivot_root` that succeeded: another root (every container runtime).
    PivotRoot,
    /// `cgroup:cgroup_attach_task`: a process put into a cgroup (`pid`, `dst_path`): a
    /// runtime moves a container's first process into the container's.
    Attach,
}

impl MoveKind {
    /// The kernel event filter that lets through only what moves a thread: without it,
    /// `unshare()` and `setns()` of other namespaces (user, PID, UTS) and failed calls would
    /// be read too.
    pub fn filter(self) -> Option<&'static str> {
        match self {
            // CLONE_NEWNS | CLONE_NEWNET.
            Self::Unshare => Some("unshare_flags & 0x40020000"),
            Self::Setns => Some("flags == 0 || flags & 0x40020000"),
            Self::Chroot | Self::PivotRoot => Some("ret == 0"),
            Self::Attach => None,
        }
    }
}

/// The layout of one of the [`MoveKind`] events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MoveEventFormat {
    /// The event's ID (`ID:` line), found again in every record's `common_type`.
    pub id: u64,
    pub kind: MoveKind,
    /// The end of the last fixed field used: a shorter record is not one of this event's.
    min_len: usize,
    common_type: Field,
    /// The thread that moved (`common_pid`), or the process put into a cgroup (`pid`).
    task: Field,
    /// The call's argument or result the kernel filter tests (checked again here).
    arg: Option<Field>,
    /// `dst_path`, a `__data_loc` word (see [`ExecEventFormat`]); only for
    /// [`MoveKind::Attach`].
    path: Option<Field>,
}

/// One decoded move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Move {
    pub kind: MoveKind,
    /// The thread (or, for [`MoveKind::Attach`], the process) moved.
    pub tid: u32,
    /// The cgroup's path, for [`MoveKind::Attach`] (`/system.slice/docker-<id>.scope`).
    pub cgroup: Option<String>,
    /// It moved its files: another root or mount namespace, or a cgroup (every kind but an
    /// `unshare()` or `setns()` of a network namespace alone).
    pub files: bool,
    /// It moved to another network namespace (`unshare()` or `setns()` of one, or `setns()`
    /// with `nstype` 0, which may be any).
    pub net: bool,
}

impl MoveEventFormat {
    /// The layout described by the text of the event's `format` file; `path` only labels
    /// errors.
    pub fn parse(kind: MoveKind, text: &str, path: &str) -> Result<Self, HostError> {
        let id = event_id(text, path)?;
        let fields = fields(text, path)?;
        let pick = |name: &str, sizes: &[usize]| pick(&fields, path, name, sizes);
        let common_type = pick("common_type", &[2])?;
        let (task, arg, dst) = match kind {
            MoveKind::Unshare => (
                pick("common_pid", &[4])?,
                Some(pick("unshare_flags", &[4, 8])?),
                None,
            ),
            MoveKind::Setns => (
                pick("common_pid", &[4])?,
                Some(pick("flags", &[4, 8])?),
                None,
            ),
            MoveKind::Chroot | MoveKind::PivotRoot => {
                (pick("common_pid", &[4])?, Some(pick("ret", &[4, 8])?), None)
            }
            MoveKind::Attach => (pick("pid", &[4])?, None, Some(pick("dst_path", &[4])?)),
        };
        let min_len = end_of([common_type, task].iter().chain(&arg).chain(&dst));
        Ok(Self {
            id,
            kind,
            min_len,
            common_type,
            task,
            arg,
            path: dst,
        })
    }

    /// The move in `record`; `None` for another event, a record too short, or a call that
    /// moved nothing (where the kernel filter was not taken).
    pub fn decode(&self, record: &[u8]) -> Option<Move> {
        if record.len() < self.min_len || self.common_type.uint(record)? != self.id {
            return None;
        }
        let arg = self.arg.and_then(|f| f.uint(record));
        let (files, net) = match (self.kind, arg) {
            (MoveKind::Unshare, Some(flags)) => {
                (flags & CLONE_NEWNS != 0, flags & CLONE_NEWNET != 0)
            }
            (MoveKind::Setns, Some(flags)) => {
                let any = flags & 0xffff_ffff == 0;
                (
                    any || flags & CLONE_NEWNS != 0,
                    any || flags & CLONE_NEWNET != 0,
                )
            }
            (MoveKind::Chroot | MoveKind::PivotRoot, Some(ret)) => (ret == 0, false),
            (MoveKind::Attach, _) => (true, false),
            _ => (false, false),
        };
        if !files && !net {
            return None;
        }
        let cgroup = match self.path {
            Some(f) => {
                let loc = f.uint(record)?;
                let start = usize::try_from(loc & 0xffff).ok()?;
                let len = usize::try_from(loc >> 16).ok()?;
                let bytes = record.get(start..start.checked_add(len)?)?;
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
            }
            None => None,
        };
        Some(Move {
            kind: self.kind,
            tid: u32::try_from(self.task.uint(record)?).ok()?,
            cgroup,
            files,
            net,
        })
    }
}

/// `CLONE_NEWNS`: a new mount namespace (`unshare()`, `clone()`, `setns()`'s `nstype`).
pub(super) const CLONE_NEWNS: u64 = 0x20000;
/// `CLONE_NEWNET`: a new network namespace (the same calls).
pub(super) const CLONE_NEWNET: u64 = 0x4000_0000;

/// The `ID:` line of a tracefs format text.
fn event_id(text: &str, path: &str) -> Result<u64, HostError> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("ID:"))
        .and_then(|id| id.trim().parse::<u64>().ok())
        .ok_or_else(|| HostError::TraceFormat {
            path: path.to_owned(),
            problem: "no ID line".to_owned(),
        })
}

fn ipv4(bytes: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(bytes).ok().map(Ipv4Addr::from)
}

fn ipv6(bytes: &[u8]) -> Option<Ipv6Addr> {
    <[u8; 16]>::try_from(bytes).ok().map(Ipv6Addr::from)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/inet_sock_set_state.format");
    pub(crate) const HEADER_PAGE_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/header_page");
    const EXIT_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/sched_process_exit.format");
    pub(crate) const EXEC_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/sched_process_exec.format");
    const EXIT_CALL_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/sys_enter_exit_group.format");

    /// The loader's `_exit(127)` as the kernel records it: the status is read from the
    /// 8-byte argument, the thread from the common header.
    #[test]
    fn an_exit_group_call_gives_its_thread_and_status() {
        let f = ExitCallEventFormat::parse(EXIT_CALL_FORMAT_FIXTURE, "fixture").expect("format");
        let mut record = vec![0_u8; 24];
        record[..2].copy_from_slice(&u16::try_from(f.id).expect("small").to_ne_bytes());
        record[4..8].copy_from_slice(&4312_i32.to_ne_bytes());
        record[8..12].copy_from_slice(&231_i32.to_ne_bytes());
        record[16..24].copy_from_slice(&0x17f_u64.to_ne_bytes());
        assert_eq!(
            f.decode(&record),
            Some(ExitCall {
                tid: 4312,
                status: 0x7f
            })
        );
        assert_eq!(f.decode(&record[..20]), None, "too short");
        record[0] ^= 1;
        assert_eq!(f.decode(&record), None, "another event");
    }

    const TASK_NEWTASK_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/task_newtask.format");
    const SIGNAL_DELIVER_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/signal_deliver.format");
    const SIGNAL_GENERATE_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/signal_generate.format");
    const MARK_VICTIM_FORMAT_FIXTURE: &str =
        include_str!("../../../tests/fixtures/tracefs/mark_victim.format");

    /// A crash's SIGSEGV taken by the crashing thread, a SIGTERM sent to a process, the OOM
    /// killer's choice: each read from the offsets its format gives (Linux 6.18's).
    #[test]
    fn signal_and_oom_events_give_their_thread_and_signal() {
        let put = |r: &mut Vec<u8>, at: usize, v: i32| {
            r[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        };
        let deliver = TaskEventFormat::parse(
            TaskEventKind::Deliver,
            SIGNAL_DELIVER_FORMAT_FIXTURE,
            "fixture",
        )
        .expect("deliver");
        let mut r = vec![0_u8; 40];
        r[..2].copy_from_slice(&u16::try_from(deliver.id).expect("small").to_ne_bytes());
        put(&mut r, 4, 4312);
        put(&mut r, 8, 11);
        assert_eq!(
            deliver.decode(&r),
            Some(TaskEvent {
                kind: TaskEventKind::Deliver,
                tid: 4312,
                sig: 11,
                child: 0,
                mount_ns: false,
                net_ns: false,
            })
        );
        assert_eq!(deliver.decode(&r[..10]), None, "too short");
        let filter = deliver.filter().expect("a filter");
        assert!(
            filter.starts_with("sa_handler == 0 && (sig == 3 ||"),
            "{filter}"
        );
        assert!(
            filter.contains("sig == 11") && filter.contains("sig == 9"),
            "{filter}"
        );

        let generate = TaskEventFormat::parse(
            TaskEventKind::Generate,
            SIGNAL_GENERATE_FORMAT_FIXTURE,
            "fixture",
        )
        .expect("generate");
        let mut r = vec![0_u8; 48];
        r[..2].copy_from_slice(&u16::try_from(generate.id).expect("small").to_ne_bytes());
        put(&mut r, 4, 1); // the sender
        put(&mut r, 8, 15);
        put(&mut r, 36, 4400); // the process it was sent to
        let got = generate.decode(&r).expect("a signal sent");
        assert_eq!((got.tid, got.sig), (4400, 15));
        let filter = generate.filter().expect("a filter");
        assert!(
            filter.starts_with("result == 0 && (sig == 1 ||"),
            "{filter}"
        );
        assert!(
            filter.ends_with("|| sig >= 34)))") && !filter.contains("sig == 11 "),
            "{filter}"
        );
        // A timer's or a thread's signal (SIGPROF, SIGALRM, SIGUSR1), maybe handled, only
        // where kill() sent it.
        assert!(
            filter.contains("sig == 15 || sig == 16 || (code == 0 && (sig == 10 ||"),
            "{filter}"
        );
        // Another event's record is not one of these.
        assert_eq!(deliver.decode(&r), None);

        let oom = TaskEventFormat::parse(
            TaskEventKind::OomVictim,
            MARK_VICTIM_FORMAT_FIXTURE,
            "fixture",
        )
        .expect("mark_victim");
        let mut r = vec![0_u8; 72];
        r[..2].copy_from_slice(&u16::try_from(oom.id).expect("small").to_ne_bytes());
        put(&mut r, 8, 4500);
        assert_eq!(oom.decode(&r).map(|e| (e.tid, e.sig)), Some((4500, 0)));
        assert_eq!(oom.filter(), None);

        // Thread 4500 made thread 4507 of its process.
        let new_thread = TaskEventFormat::parse(
            TaskEventKind::NewThread,
            TASK_NEWTASK_FORMAT_FIXTURE,
            "fixture",
        )
        .expect("task_newtask");
        let mut r = vec![0_u8; 48];
        r[..2].copy_from_slice(&u16::try_from(new_thread.id).expect("small").to_ne_bytes());
        put(&mut r, 4, 4500);
        put(&mut r, 8, 4507);
        r[32..40].copy_from_slice(&0x3d_0f00_u64.to_ne_bytes());
        assert_eq!(
            new_thread.decode(&r),
            Some(TaskEvent {
                kind: TaskEventKind::NewThread,
                tid: 4500,
                sig: 0,
                child: 4507,
                mount_ns: false,
                net_ns: false,
            })
        );
        assert_eq!(new_thread.filter(), None, "threads and forks both");
        // A fork (a shell starting a command: SIGCHLD, no CLONE_THREAD) is a new process.
        r[32..40].copy_from_slice(&0x0120_0011_u64.to_ne_bytes());
        assert_eq!(
            new_thread.decode(&r),
            Some(TaskEvent {
                kind: TaskEventKind::NewProcess,
                tid: 4500,
                sig: 0,
                child: 4507,
                mount_ns: false,
                net_ns: false,
            })
        );
        // A fork into a mount namespace of its own (a runtime's `clone(CLONE_NEWNS | ...)`).
        r[32..40].copy_from_slice(&0x0122_0011_u64.to_ne_bytes());
        assert!(new_thread.decode(&r).expect("decoded").mount_ns);
        // And into a network namespace of its own (`clone(CLONE_NEWNET | ...)`), not a mount one.
        r[32..40].copy_from_slice(&0x4120_0011_u64.to_ne_bytes());
        let net = new_thread.decode(&r).expect("decoded");
        assert!(net.net_ns && !net.mount_ns, "{net:?}");
        // A format without the fields is not taken.
        assert!(TaskEventFormat::parse(TaskEventKind::Generate, EXIT_FORMAT_FIXTURE, "x").is_err());
    }

    /// A record laid out as the fixture says (offsets read by hand from it).
    pub(crate) fn record(
        tid: i32,
        skaddr: u64,
        old: i32,
        new: i32,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Vec<u8> {
        let mut r = vec![0u8; 72];
        r[0..2].copy_from_slice(&2287u16.to_ne_bytes());
        r[4..8].copy_from_slice(&tid.to_ne_bytes());
        r[8..16].copy_from_slice(&skaddr.to_ne_bytes());
        r[16..20].copy_from_slice(&old.to_ne_bytes());
        r[20..24].copy_from_slice(&new.to_ne_bytes());
        r[24..26].copy_from_slice(&local.port().to_ne_bytes());
        r[26..28].copy_from_slice(&remote.port().to_ne_bytes());
        r[30..32].copy_from_slice(&6u16.to_ne_bytes());
        let family: u16 = match (local.ip(), remote.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                r[32..36].copy_from_slice(&s.octets());
                r[36..40].copy_from_slice(&d.octets());
                // The kernel fills the v6 fields with the v4-mapped addresses.
                r[40..56].copy_from_slice(&s.to_ipv6_mapped().octets());
                r[56..72].copy_from_slice(&d.to_ipv6_mapped().octets());
                2
            }
            (s, d) => {
                let v6 = |ip: IpAddr| match ip {
                    IpAddr::V6(v6) => v6,
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                };
                r[40..56].copy_from_slice(&v6(s).octets());
                r[56..72].copy_from_slice(&v6(d).octets());
                10
            }
        };
        r[28..30].copy_from_slice(&family.to_ne_bytes());
        r
    }

    fn format() -> StateEventFormat {
        StateEventFormat::parse(FORMAT_FIXTURE, "fixture").expect("fixture parses")
    }

    #[test]
    fn the_fixture_format_gives_the_offsets_it_lists() {
        let f = format();
        assert_eq!(f.id, 2287);
        assert_eq!(f.min_len, 72);
        assert_eq!(f.common_pid, Field { offset: 4, size: 4 });
        assert_eq!(f.skaddr, Field { offset: 8, size: 8 });
        assert_eq!(
            f.sport,
            Field {
                offset: 24,
                size: 2
            }
        );
        assert_eq!(
            f.saddr,
            Field {
                offset: 32,
                size: 4
            }
        );
        assert_eq!(
            f.daddr_v6,
            Field {
                offset: 56,
                size: 16
            }
        );
    }

    #[test]
    fn the_fixture_header_page_gives_a_4096_byte_page() {
        let layout = PageLayout::parse(HEADER_PAGE_FIXTURE, "fixture").expect("parses");
        assert_eq!(layout.timestamp, Field { offset: 0, size: 8 });
        assert_eq!(layout.commit, Field { offset: 8, size: 8 });
        assert_eq!(layout.data.offset, 16);
        assert_eq!(layout.page_size(), 4096);
    }

    #[test]
    fn records_decode_for_both_families() {
        let f = format();
        let v4 = record(
            4242,
            0xffff_8880_1234_5678,
            2,
            7,
            "127.0.0.1:40000".parse().expect("addr"),
            "127.0.0.1:9".parse().expect("addr"),
        );
        let change = f.decode(&v4).expect("decodes");
        assert_eq!(change.tid, 4242);
        assert_eq!(change.skaddr, 0xffff_8880_1234_5678);
        assert_eq!((change.oldstate, change.newstate), (2, 7));
        assert_eq!(change.local, "127.0.0.1:40000".parse().expect("addr"));
        assert_eq!(change.remote, "127.0.0.1:9".parse().expect("addr"));

        let v6 = record(
            1,
            7,
            7,
            2,
            "[::1]:0".parse().expect("addr"),
            "[2001:db8::5]:443".parse().expect("addr"),
        );
        let change = f.decode(&v6).expect("decodes");
        assert_eq!(change.local, "[::1]:0".parse().expect("addr"));
        assert_eq!(change.remote, "[2001:db8::5]:443".parse().expect("addr"));
    }

    #[test]
    fn a_v4_mapped_v6_socket_is_reported_as_ipv4() {
        let mut r = record(
            1,
            7,
            2,
            1,
            "[::ffff:127.0.0.1]:5000".parse().expect("addr"),
            "[::ffff:127.0.0.1]:80".parse().expect("addr"),
        );
        r[28..30].copy_from_slice(&10u16.to_ne_bytes());
        let change = format().decode(&r).expect("decodes");
        assert_eq!(change.remote, "127.0.0.1:80".parse().expect("addr"));
    }

    #[test]
    fn short_foreign_or_non_tcp_records_are_skipped() {
        let f = format();
        let good = record(
            1,
            7,
            7,
            2,
            "127.0.0.1:0".parse().expect("addr"),
            "127.0.0.1:80".parse().expect("addr"),
        );
        assert!(f.decode(&good[..60]).is_none(), "too short");
        let mut other = good.clone();
        other[0..2].copy_from_slice(&1u16.to_ne_bytes());
        assert!(f.decode(&other).is_none(), "another event");
        let mut sctp = good;
        sctp[30..32].copy_from_slice(&132u16.to_ne_bytes());
        assert!(f.decode(&sctp).is_none(), "SCTP");
    }

    #[test]
    fn the_exit_fixture_gives_the_thread_and_its_name() {
        let exit = ExitEventFormat::parse(EXIT_FORMAT_FIXTURE, "fixture").expect("exit format");
        assert_eq!(exit.id, 369);
        assert_eq!(
            exit.pid,
            Field {
                offset: 24,
                size: 4
            }
        );
        assert_eq!(
            exit.comm,
            Field {
                offset: 8,
                size: 16
            }
        );
        // Laid out as the fixture says: type, flags, preempt count, common_pid, comm, pid.
        let mut r = vec![0u8; 36];
        r[0..2].copy_from_slice(&369u16.to_ne_bytes());
        r[4..8].copy_from_slice(&4321i32.to_ne_bytes());
        r[8..12].copy_from_slice(b"curl");
        r[24..28].copy_from_slice(&4321i32.to_ne_bytes());
        let decoded = exit.decode(&r).expect("an exit");
        assert_eq!(decoded.tid, 4321);
        assert_eq!(decoded.name, "curl");
        // A name of the whole 16 bytes has no terminator; another event or a short record is
        // not an exit.
        r[8..24].copy_from_slice(b"sixteen-byte-nam");
        assert_eq!(exit.decode(&r).expect("an exit").name, "sixteen-byte-nam");
        r[0..2].copy_from_slice(&2287u16.to_ne_bytes());
        assert_eq!(exit.decode(&r), None);
        assert_eq!(exit.decode(&r[..20]), None);
        // The connect event's format is not an exit's.
        assert!(ExitEventFormat::parse(FORMAT_FIXTURE, "fixture").is_err());
    }

    #[test]
    fn exits_are_filtered_to_processes_where_the_layout_tells_them() {
        let exit = ExitEventFormat::parse(EXIT_FORMAT_FIXTURE, "fixture").expect("exit format");
        assert_eq!(
            exit.group_dead,
            Some(Field {
                offset: 32,
                size: 1
            })
        );
        assert_eq!(exit.processes_only(), Some("group_dead == 1"));
        // Older kernels' event has no such field: every thread's exit is read.
        let older: String = EXIT_FORMAT_FIXTURE
            .lines()
            .filter(|l| !l.contains("group_dead"))
            .map(|l| format!("{l}\n"))
            .collect();
        let exit = ExitEventFormat::parse(&older, "older").expect("exit format");
        assert_eq!(exit.processes_only(), None);
    }

    /// An exec record laid out as the exec fixture says: type, flags, preempt count,
    /// common_pid, the path's `__data_loc` word, pid, old_pid, then the path itself.
    pub(crate) fn exec_record(pid: u32, path: &str) -> Vec<u8> {
        let mut r = vec![0u8; 20];
        r[0..2].copy_from_slice(&365u16.to_ne_bytes());
        r[4..8].copy_from_slice(&pid.to_ne_bytes());
        let len = u32::try_from(path.len() + 1).expect("short path");
        r[8..12].copy_from_slice(&(len << 16 | 20).to_ne_bytes());
        r[12..16].copy_from_slice(&pid.to_ne_bytes());
        r[16..20].copy_from_slice(&pid.to_ne_bytes());
        r.extend_from_slice(path.as_bytes());
        r.push(0);
        r
    }

    #[test]
    fn the_exec_fixture_gives_the_process_and_its_program_path() {
        let exec = ExecEventFormat::parse(EXEC_FORMAT_FIXTURE, "fixture").expect("exec format");
        assert_eq!(exec.id, 365);
        assert_eq!(exec.filename, Field { offset: 8, size: 4 });
        assert_eq!(
            exec.pid,
            Field {
                offset: 12,
                size: 4
            }
        );
        let path = "/tmp/健康检查/probe.sh";
        let decoded = exec.decode(&exec_record(4321, path)).expect("an exec");
        assert_eq!(decoded.pid, 4321);
        assert_eq!(decoded.path, path);
        // A location past the record's end, an empty path, another event or a short record
        // is no exec.
        let mut r = exec_record(4321, path);
        r[8..12].copy_from_slice(&(200u32 << 16 | 20).to_ne_bytes());
        assert_eq!(exec.decode(&r), None);
        assert_eq!(exec.decode(&exec_record(4321, "")), None);
        let mut r = exec_record(4321, path);
        r[0..2].copy_from_slice(&369u16.to_ne_bytes());
        assert_eq!(exec.decode(&r), None);
        assert_eq!(exec.decode(&exec_record(4321, path)[..14]), None);
        // The exit event's format is not an exec's.
        assert!(ExecEventFormat::parse(EXIT_FORMAT_FIXTURE, "fixture").is_err());
    }

    #[test]
    fn a_format_without_skaddr_says_so() {
        let text = FORMAT_FIXTURE.replace("skaddr", "sk");
        let err = StateEventFormat::parse(&text, "some/format").expect_err("no skaddr");
        let message = err.to_string();
        assert!(message.contains("some/format"), "{message}");
        assert!(message.contains("no field skaddr"), "{message}");
    }

    const UNSHARE_FORMAT_FIXTURE: &str = "name: sys_enter_unshare
ID: 180
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:unsigned long unshare_flags;\toffset:16;\tsize:8;\tsigned:0;
";

    const ATTACH_FORMAT_FIXTURE: &str = "name: cgroup_attach_task
ID: 420
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int dst_root;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dst_level;\toffset:12;\tsize:4;\tsigned:1;
\tfield:u64 dst_id;\toffset:16;\tsize:8;\tsigned:0;
\tfield:int pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:__data_loc char[] dst_path;\toffset:28;\tsize:4;\tsigned:0;
\tfield:__data_loc char[] comm;\toffset:32;\tsize:4;\tsigned:0;
";

    #[test]
    fn moves_to_another_mount_namespace_and_cgroup_attaches_are_decoded() {
        let unshare = MoveEventFormat::parse(MoveKind::Unshare, UNSHARE_FORMAT_FIXTURE, "f")
            .expect("unshare");
        let mut r = vec![0_u8; 24];
        r[..2].copy_from_slice(&180_u16.to_ne_bytes());
        r[4..8].copy_from_slice(&4600_i32.to_ne_bytes());
        // CLONE_NEWNS | CLONE_NEWPID, as `unshare --mount --pid` asks.
        r[16..24].copy_from_slice(&0x2002_0000_u64.to_ne_bytes());
        assert_eq!(
            unshare.decode(&r),
            Some(Move {
                kind: MoveKind::Unshare,
                tid: 4600,
                cgroup: None,
                files: true,
                net: false,
            })
        );
        // A network namespace only (`ip netns add`, `unshare --net`): not a move of its files,
        // a move of its network.
        r[16..24].copy_from_slice(&0x4000_0000_u64.to_ne_bytes());
        assert_eq!(
            unshare.decode(&r).map(|m| (m.files, m.net)),
            Some((false, true))
        );
        // Neither (`unshare --user`): no move.
        r[16..24].copy_from_slice(&0x1000_0000_u64.to_ne_bytes());
        assert_eq!(unshare.decode(&r), None);
        assert_eq!(unshare.decode(&r[..20]), None, "too short");

        let attach =
            MoveEventFormat::parse(MoveKind::Attach, ATTACH_FORMAT_FIXTURE, "f").expect("attach");
        let path = b"/system.slice/docker-3f2a9c1e0b7d.scope\0";
        let mut r = vec![0_u8; 36];
        r[..2].copy_from_slice(&420_u16.to_ne_bytes());
        r[24..28].copy_from_slice(&4601_i32.to_ne_bytes());
        let loc = (u32::try_from(path.len()).expect("short") << 16) | 36;
        r[28..32].copy_from_slice(&loc.to_ne_bytes());
        r.extend_from_slice(path);
        assert_eq!(
            attach.decode(&r),
            Some(Move {
                kind: MoveKind::Attach,
                tid: 4601,
                cgroup: Some("/system.slice/docker-3f2a9c1e0b7d.scope".to_owned()),
                files: true,
                net: false,
            })
        );
        assert!(
            MoveEventFormat::parse(MoveKind::Chroot, UNSHARE_FORMAT_FIXTURE, "f").is_err(),
            "no ret field"
        );
    }
}
