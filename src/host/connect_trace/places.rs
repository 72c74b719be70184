//! Where a program started: in the host's file system, or in another root or mount namespace
//! (a container, a chroot), whose path names another file than the host's of the same path,
//! or one the host has not.
//!
//! The exec event gives the path as the process saw it. A run that ends within milliseconds
//! (a loader that cannot find a library) is gone before `/proc/PID/root` can be read, so
//! where it ran is told by what lives on and by the kernel's events:
//! - its forkers ([`Execs::parent`]): a process keeps its forker's root and mount namespace
//!   unless it moves. A loop's shell inside a container, still running, is read
//!   (`/proc/PID/ns/mnt` against rstscope's own, and `/proc/PID/root`), and the program's file
//!   is read through its root ([`RootedFiles`]);
//! - the moves ([`Moves`]), from rare events: `chroot()` and `pivot_root()` that succeeded,
//!   `setns()` into a mount namespace, `unshare()` and `clone()` of one (a container's runtime
//!   does these in the process that then execs the container's program), and the cgroup a
//!   process was put into (`cgroup:cgroup_attach_task`, which names the container), each kept
//!   by the thread and passed on to the processes it forks. A process that moved is read only
//!   through a process still running that moved with it (forked after the move); where none
//!   is left, its file is not read.
//!
//! A program whose forkers were not seen and that left nothing running is taken as the
//! host's (as before these were read), unless a move of its own was seen. A runtime that
//! starts its process in the container's cgroup directly (`clone3()`'s `CLONE_INTO_CGROUP`)
//! gives no attach event: its container is named only from a process of it still running.

use std::collections::{HashMap, VecDeque};
use std::ffi::CString;
use std::fs::{self, File};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use super::execs::{Execs, MAX_EXECS};
use super::format::MoveKind;
use crate::host::container;
use crate::host::loader::{self, Files, Needs};
use crate::host::restarts::{Elsewhere, NetNsUnread};
use crate::packet::Timestamp;

/// Threads with a move remembered at most (every process a container's shell forks inherits
/// its move, until it ends).
const MAX_MARKS: usize = 4 * MAX_EXECS;
/// Forkers followed up from a process, at most (a loop's shell, a wrapper `sh -c` between).
const MAX_LINEAGE: usize = 6;
/// Programs whose latest start is remembered with where it ran, at most.
const MAX_ORIGINS: usize = MAX_EXECS;

/// A thread's moves since the trace began.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    /// Which move: processes of the same one share a root and mount namespace.
    serial: u64,
    /// It has another root than the host's (`chroot`, `pivot_root`, `setns`).
    root: bool,
    /// The cgroup it was put into last, where seen.
    cgroup: Option<Arc<str>>,
    /// Which move to another network namespace (0: none seen): processes of the same one
    /// share a network namespace.
    net: u64,
}

/// See the [module](self) documentation.
#[derive(Debug, Default)]
pub(super) struct Moves {
    marks: HashMap<u32, Mark>,
    serials: u64,
    /// Moves to another network namespace are not told (a kernel without the `syscalls`
    /// events of `setns()` and `unshare()`): see [`Self::net_lineage`].
    net_moves_unseen: bool,
}

impl Moves {
    /// Says whether moves to another network namespace go untold ([`Self::net_moved`] is
    /// not called for them): then a process's forkers are not taken to share its namespace.
    pub fn net_moves_unseen(&mut self, unseen: bool) {
        self.net_moves_unseen = unseen;
    }

    /// Thread `tid` moved (`kind`), or its process was put into cgroup `cgroup`.
    pub fn moved(&mut self, tid: u32, kind: MoveKind, cgroup: Option<String>) {
        if self.marks.len() >= MAX_MARKS && !self.marks.contains_key(&tid) {
            return;
        }
        let old = self.marks.get(&tid).cloned();
        let mark = match kind {
            MoveKind::Attach => Mark {
                serial: old.as_ref().map_or(0, |m| m.serial),
                root: old.as_ref().is_some_and(|m| m.root),
                cgroup: cgroup.map(Arc::from),
                net: old.as_ref().map_or(0, |m| m.net),
            },
            MoveKind::Unshare | MoveKind::Setns | MoveKind::Chroot | MoveKind::PivotRoot => {
                self.serials += 1;
                Mark {
                    serial: self.serials,
                    root: kind != MoveKind::Unshare || old.as_ref().is_some_and(|m| m.root),
                    net: old.as_ref().map_or(0, |m| m.net),
                    cgroup: old.and_then(|m| m.cgroup),
                }
            }
        };
        self.marks.insert(tid, mark);
    }

    /// Thread `tid` moved to another network namespace (`unshare()` or `setns()` of one):
    /// its forkers' is no longer its own.
    pub fn net_moved(&mut self, tid: u32) {
        if self.marks.len() >= MAX_MARKS && !self.marks.contains_key(&tid) {
            return;
        }
        self.serials += 1;
        let net = self.serials;
        let mark = self.marks.entry(tid).or_insert(Mark {
            serial: 0,
            root: false,
            cgroup: None,
            net,
        });
        mark.net = net;
    }

    /// Thread `parent` forked process `child`, into a mount namespace of its own where
    /// `mount_ns`, into a network namespace of its own where `net_ns`: the child is where its
    /// parent is.
    pub fn forked(&mut self, parent: u32, child: u32, mount_ns: bool, net_ns: bool) {
        let mut mark = self.marks.get(&parent).cloned();
        if mount_ns {
            self.serials += 1;
            let old = mark.take();
            mark = Some(Mark {
                serial: self.serials,
                root: old.as_ref().is_some_and(|m| m.root),
                net: old.as_ref().map_or(0, |m| m.net),
                cgroup: old.and_then(|m| m.cgroup),
            });
        }
        if net_ns {
            self.serials += 1;
            let m = mark.get_or_insert(Mark {
                serial: 0,
                root: false,
                cgroup: None,
                net: 0,
            });
            m.net = self.serials;
        }
        match mark {
            Some(mark) if self.marks.len() < MAX_MARKS => {
                self.marks.insert(child, mark);
            }
            _ => {
                self.marks.remove(&child);
            }
        }
    }

    /// Thread `tid` ended.
    pub fn exit(&mut self, tid: u32) {
        self.marks.remove(&tid);
    }

    fn serial(&self, tid: u32) -> u64 {
        self.marks.get(&tid).map_or(0, |m| m.serial)
    }

    fn net_serial(&self, tid: u32) -> u64 {
        self.marks.get(&tid).map_or(0, |m| m.net)
    }

    /// Process `pid` and its forkers, nearest first, as far as they share its network
    /// namespace (no move to another seen between): whose `/proc/PID/ns/net` tells its.
    /// Where moves are not told ([`Self::net_moves_unseen`]), `pid` alone: a forker's
    /// namespace is a guess then (`ip netns exec` moves the process it runs the program in),
    /// and a run gone before it is read is of a namespace not known, not of its forker's.
    pub fn net_lineage(&self, pid: u32, execs: &Execs) -> Vec<u32> {
        let net = self.net_serial(pid);
        let mut lineage = vec![pid];
        while !self.net_moves_unseen
            && lineage.len() < MAX_LINEAGE
            && let Some(up) = lineage.last().and_then(|&p| execs.parent(p))
            && self.net_serial(up) == net
            && !lineage.contains(&up)
        {
            lineage.push(up);
        }
        lineage
    }
}

/// Where one start ran, as the events tell it (no file read): see [`Origin::of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    /// The process and its forkers, nearest first, as far as they share its root and mount
    /// namespace (no move seen between).
    lineage: Vec<u32>,
    /// It moved to another root since the trace began.
    moved: bool,
    /// The cgroup it was put into, where seen.
    cgroup: Option<Arc<str>>,
}

impl Origin {
    /// Where process `pid`, starting a program now, runs.
    pub fn of(pid: u32, moves: &Moves, execs: &Execs) -> Self {
        let mark = moves.marks.get(&pid);
        let serial = moves.serial(pid);
        let mut lineage = vec![pid];
        while lineage.len() < MAX_LINEAGE
            && let Some(up) = lineage.last().and_then(|&p| execs.parent(p))
            && moves.serial(up) == serial
            && !lineage.contains(&up)
        {
            lineage.push(up);
        }
        Self {
            lineage,
            moved: mark.is_some_and(|m| m.root),
            cgroup: mark.and_then(|m| m.cgroup.clone()),
        }
    }
}

/// The latest start of each program lately, with where it ran; bounded, the oldest first
/// forgotten.
#[derive(Debug, Default)]
pub(super) struct Origins {
    by_program: HashMap<String, Origin>,
    order: VecDeque<String>,
}

impl Origins {
    /// `program` was started by `origin`'s process.
    pub fn started(&mut self, program: &str, origin: Origin) {
        if let Some(old) = self.by_program.get_mut(program) {
            *old = origin;
            return;
        }
        self.by_program.insert(program.to_owned(), origin);
        self.order.push_back(program.to_owned());
        while self.by_program.len() > MAX_ORIGINS
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_program.remove(&oldest);
        }
    }

    /// Where `program` was last started.
    pub fn get(&self, program: &str) -> Option<&Origin> {
        self.by_program.get(program)
    }
}

/// Network namespaces read lately, by thread: a loop's shell forks every run of a program
/// that fails, and is read once for all of them rather than at each run. An entry goes with
/// its thread's end or move, or once older than [`NET_NS_KEEP_NS`] (a thread whose end was
/// not read: only processes' ends are, where the kernel filters them).
#[derive(Debug, Default)]
pub(super) struct NetNamespaces {
    read: HashMap<u32, (u64, Timestamp)>,
}

/// How long a thread's network namespace read is taken for its own (see [`NetNamespaces`]).
const NET_NS_KEEP_NS: i64 = 10 * Timestamp::NANOS_PER_SEC;
/// Threads whose network namespace is remembered at most.
const MAX_NET_NS_READ: usize = MAX_EXECS;

impl NetNamespaces {
    /// The network namespace of the process that starts a program at `at`, `lineage` being
    /// it and its forkers of the same namespace ([`Moves::net_lineage`]): a forker's read
    /// lately, else the first of them that `read` can read now (the process itself first: a
    /// run gone already is told by its forker, a loop's shell). Where none can be read, why:
    /// [`NetNsUnread::NotPermitted`] where a read was refused, else [`NetNsUnread::Gone`].
    pub fn of(
        &mut self,
        at: Timestamp,
        lineage: &[u32],
        read: impl Fn(u32) -> Result<u64, NetNsUnread>,
    ) -> Result<u64, NetNsUnread> {
        let fresh = |seen: Timestamp| at.0.saturating_sub(seen.0) < NET_NS_KEEP_NS;
        if let Some(&(ns, _)) = (lineage.iter().skip(1))
            .find_map(|tid| self.read.get(tid).filter(|(_, seen)| fresh(*seen)))
        {
            return Ok(ns);
        }
        let mut why = NetNsUnread::Gone;
        let (tid, ns) = lineage
            .iter()
            .find_map(|&tid| match read(tid) {
                Ok(ns) => Some((tid, ns)),
                Err(e) => {
                    if e == NetNsUnread::NotPermitted {
                        why = e;
                    }
                    None
                }
            })
            .ok_or(why)?;
        if self.read.len() >= MAX_NET_NS_READ {
            self.read.retain(|_, (_, seen)| fresh(*seen));
            if self.read.len() >= MAX_NET_NS_READ {
                self.read.clear();
            }
        }
        self.read.insert(tid, (ns, at));
        Ok(ns)
    }

    /// Thread `tid` ended, or moved to another network namespace.
    pub fn forget(&mut self, tid: u32) {
        self.read.remove(&tid);
    }
}

/// Where a program's file is read.
#[derive(Debug)]
pub(super) enum Place {
    /// The host's file system (rstscope's own root and mount namespace).
    Host,
    /// Another: through `root` (`/proc/PID/root` of a process there) where one is left.
    Elsewhere {
        root: Option<OwnedFd>,
        elsewhere: Elsewhere,
    },
}

/// rstscope's own root directory (its device and inode), against which a process's is told:
/// one of another mount namespace with the same root (`ip netns exec`, systemd's
/// `PrivateTmp=`) reads the host's files, a container's or a chroot's does not.
pub(super) fn own_root() -> Option<(u64, u64)> {
    root_of("/")
}

/// The device and inode of directory `path`.
fn root_of(path: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Where `origin`'s program is read from now: through the nearest of its lineage still
/// running (`ended(tid)` says whose end was read already: a PID given again is not taken for
/// it), or nowhere where it moved and none is left. `ours` is [`own_root`].
pub(super) fn place(
    origin: &Origin,
    ours: Option<(u64, u64)>,
    ended: impl Fn(u32) -> bool,
) -> Place {
    let witness = origin
        .lineage
        .iter()
        .copied()
        .filter(|&t| !ended(t))
        .find_map(|tid| Some((tid, mount_ns(&format!("/proc/{tid}/ns/mnt"))?)));
    let cgroup_of_event = origin.cgroup.as_deref().map(str::to_owned);
    let Some((tid, ns)) = witness else {
        if !origin.moved {
            return Place::Host;
        }
        return Place::Elsewhere {
            root: None,
            elsewhere: Elsewhere {
                container: cgroup_of_event
                    .as_deref()
                    .and_then(container::from_cgroup_path),
                cgroup: cgroup_of_event,
                file_read: false,
            },
        };
    };
    let root = open_path(&format!("/proc/{tid}/root"));
    // Still the same process: one that ended in between gave its PID to nobody yet, or to
    // another (of another namespace, most likely).
    let root = root.filter(|_| mount_ns(&format!("/proc/{tid}/ns/mnt")) == Some(ns));
    let same = root
        .as_ref()
        .and_then(|_| root_of(&format!("/proc/{tid}/root")));
    if same.is_some() && same == ours {
        return Place::Host;
    }
    let cgroup_text = fs::read_to_string(format!("/proc/{tid}/cgroup")).unwrap_or_default();
    let container = container::from_proc_cgroup(&cgroup_text).or_else(|| {
        cgroup_of_event
            .as_deref()
            .and_then(container::from_cgroup_path)
    });
    let cgroup = cgroup_text
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .filter(|p| *p != "/")
        .map(str::to_owned)
        .or(cgroup_of_event);
    Place::Elsewhere {
        elsewhere: Elsewhere {
            container,
            cgroup,
            file_read: root.is_some(),
        },
        root,
    }
}

/// The inode number of a `/proc/PID/ns/mnt` link's target (`mnt:[4026531841]`).
fn mount_ns(link: &str) -> Option<u64> {
    let target = fs::read_link(link).ok()?;
    target
        .to_str()?
        .strip_prefix("mnt:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// `open(path, O_PATH | O_DIRECTORY)`: a handle on a directory that stays valid whatever
/// becomes of the process whose root it is.
fn open_path(path: &str) -> Option<OwnedFd> {
    let c = CString::new(path).ok()?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    // SAFETY: a descriptor just returned by open(), owned by nobody else.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A file system seen from another root (a container's, through `/proc/PID/root`): every
/// path, and every symbolic link on the way (absolute ones included), resolved inside it as
/// the container's own loader resolves it (`openat2()`'s `RESOLVE_IN_ROOT`, Linux 5.6).
#[derive(Debug)]
pub(super) struct RootedFiles<'a> {
    pub root: &'a OwnedFd,
}

impl RootedFiles<'_> {
    fn open(&self, path: &str) -> Option<File> {
        let c = CString::new(Path::new(path).as_os_str().as_bytes()).ok()?;
        let how = OpenHow {
            flags: u64::try_from(libc::O_RDONLY | libc::O_CLOEXEC).ok()?,
            mode: 0,
            resolve: libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS,
        };
        // SAFETY: `c` is NUL-terminated and `how` a valid `open_how`, both outliving the
        // call; the size passed is `how`'s.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                self.root.as_raw_fd(),
                c.as_ptr(),
                &raw const how,
                std::mem::size_of::<OpenHow>(),
            )
        };
        let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
        // SAFETY: a descriptor just returned by openat2(), owned by nobody else.
        Some(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
    }
}

/// The kernel's `struct open_how` (its first version; libc's is not constructible).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

impl Files for RootedFiles<'_> {
    fn needs(&self, path: &str) -> Option<Needs> {
        loader::file_needs(self.open(path)?)
    }

    fn cache(&self) -> HashMap<String, Vec<String>> {
        self.open("/etc/ld.so.cache")
            .and_then(|mut f| {
                let mut b = Vec::new();
                f.read_to_end(&mut b).ok()?;
                Some(loader::cache_entries(&b))
            })
            .unwrap_or_default()
    }

    fn musl_path(&self, arch: &str) -> Option<String> {
        let mut text = String::new();
        self.open(&format!("/etc/ld-musl-{arch}.path"))?
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_passed_on_to_the_processes_forked_after_it_and_ends_the_lineage() {
        let mut moves = Moves::default();
        let mut execs = Execs::default();
        // The host's shell (100) runs `unshare --mount --fork chroot R sh -c 'loop'`.
        execs.forked(100, 200);
        moves.moved(200, MoveKind::Unshare, None);
        execs.forked(200, 201);
        moves.forked(200, 201, false, false);
        moves.moved(201, MoveKind::Chroot, None);
        // 201 execs the loop's shell, which forks the runs.
        execs.forked(201, 202);
        moves.forked(201, 202, false, false);
        let o = Origin::of(202, &moves, &execs);
        assert_eq!(o.lineage, [202, 201], "up to the chroot, not past it");
        assert!(o.moved);
        // A process that moved by itself: nothing of its forkers is where it is.
        execs.forked(100, 300);
        moves.forked(100, 300, false, false);
        moves.moved(300, MoveKind::PivotRoot, None);
        moves.moved(
            300,
            MoveKind::Attach,
            Some("/system.slice/docker-x.scope".into()),
        );
        let o = Origin::of(300, &moves, &execs);
        assert_eq!(o.lineage, [300]);
        assert!(o.moved);
        assert_eq!(o.cgroup.as_deref(), Some("/system.slice/docker-x.scope"));
        // A sandbox's mount namespace of its own (systemd's PrivateTmp=): the same root.
        execs.forked(1, 400);
        moves.forked(1, 400, true, false);
        let o = Origin::of(400, &moves, &execs);
        assert_eq!(o.lineage, [400]);
        assert!(!o.moved, "files of the host's root");
        // The host's own: its forkers all.
        execs.forked(100, 500);
        moves.forked(100, 500, false, false);
        assert_eq!(Origin::of(500, &moves, &execs).lineage, [500, 100]);
        // Ends forget.
        moves.exit(300);
        assert!(!Origin::of(300, &moves, &execs).moved);
    }

    /// A loop's shell is read once for the runs it forks, while it lives; a run is read
    /// itself where no forker was read lately, and a forker is read again after its end.
    #[test]
    fn a_forker_s_network_namespace_is_read_once_for_its_runs() {
        use NetNsUnread::{Gone, NotPermitted};
        let reads = std::cell::RefCell::new(Vec::new());
        let read = |ns: Result<u64, NetNsUnread>| {
            let reads = &reads;
            move |tid: u32| {
                reads.borrow_mut().push(tid);
                ns
            }
        };
        let at = |s: i64| Timestamp::from_parts(s, 0);
        let mut n = NetNamespaces::default();
        // The run itself is read first; its forker gets nothing read.
        assert_eq!(n.of(at(0), &[201, 200], read(Ok(7))), Ok(7));
        // Gone (nothing read for it): its forker is, and kept.
        assert_eq!(
            n.of(at(1), &[202, 200], |tid| if tid == 200 {
                Ok(8)
            } else {
                Err(Gone)
            }),
            Ok(8)
        );
        assert_eq!(n.of(at(2), &[203, 200], read(Ok(9))), Ok(8), "kept");
        assert_eq!(*reads.borrow(), [201]);
        // Its end forgets it; so does time.
        n.forget(200);
        assert_eq!(n.of(at(3), &[204, 200], read(Err(Gone))), Err(Gone));
        assert_eq!(
            n.of(at(4), &[205, 200], |tid| if tid == 200 {
                Ok(8)
            } else {
                Err(Gone)
            }),
            Ok(8)
        );
        assert_eq!(n.of(at(20), &[206, 200], read(Ok(9))), Ok(9), "read again");
        // A read refused (another user's process, without CAP_SYS_PTRACE) is told as such,
        // where nothing of the lineage could be read.
        let refused = |tid| {
            if tid == 301 {
                Err(NotPermitted)
            } else {
                Err(Gone)
            }
        };
        assert_eq!(n.of(at(21), &[300, 301], refused), Err(NotPermitted));
    }

    #[test]
    fn a_move_to_another_network_namespace_ends_the_network_lineage_only() {
        let mut moves = Moves::default();
        let mut execs = Execs::default();
        // The host's shell (100) runs `ip netns exec other sh -c 'loop'` (200: `setns()` of
        // the network, `unshare()` of the mounts, exec of the loop's shell), which forks runs.
        execs.forked(100, 200);
        moves.forked(100, 200, false, false);
        moves.net_moved(200);
        moves.moved(200, MoveKind::Unshare, None);
        execs.forked(200, 201);
        moves.forked(200, 201, false, false);
        assert_eq!(moves.net_lineage(201, &execs), [201, 200]);
        // `unshare --net` alone: its files are the host's, its network is not.
        execs.forked(100, 300);
        moves.forked(100, 300, false, false);
        moves.net_moved(300);
        execs.forked(300, 301);
        moves.forked(300, 301, false, false);
        assert_eq!(moves.net_lineage(301, &execs), [301, 300]);
        assert_eq!(Origin::of(301, &moves, &execs).lineage, [301, 300, 100]);
        // A runtime's `clone(CLONE_NEWNET)`: the child is elsewhere from its start.
        execs.forked(100, 400);
        moves.forked(100, 400, false, true);
        assert_eq!(moves.net_lineage(400, &execs), [400]);
        // The host's own: its forkers all.
        execs.forked(100, 500);
        moves.forked(100, 500, false, false);
        assert_eq!(moves.net_lineage(500, &execs), [500, 100]);
        // Where moves go untold (a kernel without the `syscalls` events), only its own.
        moves.net_moves_unseen(true);
        assert_eq!(moves.net_lineage(500, &execs), [500]);
    }

    #[test]
    fn a_process_of_the_host_is_read_on_the_host() {
        let ours = own_root();
        assert!(ours.is_some());
        let me = std::process::id();
        let origin = Origin {
            lineage: vec![u32::MAX - 1, me],
            moved: true,
            cgroup: None,
        };
        // rstscope itself runs on the host's root: read there, moved or not.
        assert!(matches!(place(&origin, ours, |_| false), Place::Host));
        // Its end read: not taken for it, and nothing else is left.
        assert!(matches!(
            place(&origin, ours, |t| t == me),
            Place::Elsewhere {
                root: None,
                elsewhere: Elsewhere {
                    file_read: false,
                    ..
                }
            }
        ));
        let origin = Origin {
            lineage: vec![u32::MAX - 1],
            moved: false,
            cgroup: None,
        };
        assert!(matches!(place(&origin, ours, |_| false), Place::Host));
    }

    #[test]
    fn files_are_read_inside_their_root_absolute_links_too() {
        let dir = std::env::temp_dir().join(format!("rstscope-rooted-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("usr/bin")).expect("dir");
        fs::copy("/proc/self/exe", dir.join("usr/bin/prog")).expect("copy");
        // An absolute link: inside the root, not the host's /usr/bin/prog.
        std::os::unix::fs::symlink("/usr/bin/prog", dir.join("usr/bin/link")).expect("link");
        let root = open_path(dir.to_str().expect("utf-8")).expect("opened");
        let files = RootedFiles { root: &root };
        assert!(files.needs("/usr/bin/prog").is_some());
        assert!(files.needs("/usr/bin/link").is_some());
        assert!(
            files.needs("/usr/bin/../../../usr/bin/prog").is_some(),
            "no way out"
        );
        assert!(files.needs("/bin/sh").is_none(), "the host's is not read");
        let _ = fs::remove_dir_all(&dir);
    }
}
