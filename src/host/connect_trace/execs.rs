//! The programs processes started lately (`sched:sched_process_exec`), kept so that a process
//! gone before the reader looked it up in `/proc` is named by the path of what it ran.
//!
//! Bounded: at most [`MAX_EXECS`] processes and [`MAX_PATH_BYTES`] bytes of paths, the oldest
//! exec forgotten first. A process's exit (`sched:sched_process_exit`) closes its entry, so that
//! a later process given the same PID, which forks without exec, is not named after it.
//!
//! Also the processes forked lately (`task:task_newtask` without `CLONE_THREAD`), each with
//! the thread that forked it: a program path given relative (`./collector`, from a shell's
//! loop in its own directory) is relative to a working directory the exec event does not
//! carry, and a process that ended within a millisecond cannot be asked for its own; its
//! parent usually can (bounded as the execs).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::format::Exec;
use crate::packet::Timestamp;

/// Processes remembered at most ...
pub(super) const MAX_EXECS: usize = 4096;
/// ... and bytes of their paths at most (paths are usually tens of bytes; a path can be 4 KiB).
pub(super) const MAX_PATH_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
struct Started {
    at: Timestamp,
    path: String,
    /// When the process ended, where its exit was seen.
    ended: Option<Timestamp>,
    /// Its network namespace as read at its exec (its own `/proc/PID/ns/net`, or a forker's
    /// of the same namespace), until it moved to another ([`Execs::net_moved`]).
    net_ns: Option<u64>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Execs {
    by_pid: HashMap<u32, Started>,
    /// `(pid, at)` in the order read, for forgetting the oldest; an entry whose process has
    /// exec'd again since is skipped when it comes up.
    order: VecDeque<(u32, Timestamp)>,
    bytes: usize,
    /// The thread that forked each process lately, by the process.
    forks: HashMap<u32, u32>,
    /// `(child, parent)` in the order read, for forgetting the oldest.
    fork_order: VecDeque<(u32, u32)>,
    /// The working directory of threads that forked a process which exec'd a relative path,
    /// as read then, for the next such exec once the thread is gone from `/proc` but its exit
    /// not yet read (a loop's shell that ends right after its last run). Ended by its exit.
    cwds: HashMap<u32, PathBuf>,
}

impl Execs {
    /// Thread `parent` forked process `child`.
    pub fn forked(&mut self, parent: u32, child: u32) {
        self.forks.insert(child, parent);
        self.fork_order.push_back((child, parent));
        while self.forks.len() > MAX_EXECS
            && let Some((child, parent)) = self.fork_order.pop_front()
        {
            if self.forks.get(&child) == Some(&parent) {
                self.forks.remove(&child);
            }
        }
        if self.fork_order.len() > 2 * MAX_EXECS {
            let forks = &self.forks;
            self.fork_order
                .retain(|(child, parent)| forks.get(child) == Some(parent));
        }
    }

    /// The thread that forked process `pid`, where its fork was read and it has not ended.
    pub fn parent(&self, pid: u32) -> Option<u32> {
        self.forks.get(&pid).copied()
    }

    /// Thread `tid`'s working directory was `dir` (read while its exit was not yet read).
    pub fn remember_cwd(&mut self, tid: u32, dir: PathBuf) {
        if self.cwds.len() < MAX_EXECS || self.cwds.contains_key(&tid) {
            self.cwds.insert(tid, dir);
        }
    }

    /// Thread `tid`'s working directory as last read ([`Execs::remember_cwd`]), until its
    /// exit.
    pub fn cwd(&self, tid: u32) -> Option<&Path> {
        self.cwds.get(&tid).map(PathBuf::as_path)
    }

    /// Process `exec.pid` started `exec.path` at `at`. An exec older than the one kept for its
    /// process (read late, from another CPU's buffer) is not its latest program: left out.
    pub fn exec(&mut self, at: Timestamp, exec: Exec) {
        if self.by_pid.get(&exec.pid).is_some_and(|s| s.at > at) {
            return;
        }
        self.bytes += exec.path.len();
        let old = self.by_pid.insert(
            exec.pid,
            Started {
                at,
                path: exec.path,
                ended: None,
                net_ns: None,
            },
        );
        if let Some(old) = old {
            self.bytes -= old.path.len();
        }
        self.order.push_back((exec.pid, at));
        while self.by_pid.len() > MAX_EXECS || self.bytes > MAX_PATH_BYTES {
            let Some((pid, queued)) = self.order.pop_front() else {
                break;
            };
            if self.by_pid.get(&pid).is_some_and(|s| s.at == queued)
                && let Some(gone) = self.by_pid.remove(&pid)
            {
                self.bytes -= gone.path.len();
            }
        }
        if self.order.len() > 2 * MAX_EXECS {
            let by_pid = &self.by_pid;
            self.order
                .retain(|(pid, at)| by_pid.get(pid).is_some_and(|s| s.at == *at));
        }
    }

    /// Thread `tid` ended at `at`: when it led a process seen starting, that process ended.
    pub fn exit(&mut self, at: Timestamp, tid: u32) {
        self.forks.remove(&tid);
        self.cwds.remove(&tid);
        if let Some(started) = self.by_pid.get_mut(&tid)
            && started.at <= at
        {
            started.ended = Some(at);
        }
    }

    /// The program process `pid` ran at `at`: started by then, and not ended before.
    pub fn path(&self, pid: u32, at: Timestamp) -> Option<&str> {
        self.running(pid, at).map(|s| s.path.as_str())
    }

    fn running(&self, pid: u32, at: Timestamp) -> Option<&Started> {
        self.by_pid
            .get(&pid)
            .filter(|s| s.at <= at && s.ended.is_none_or(|end| end >= at))
    }

    /// The network namespace of process `pid`'s exec at `at`, as read then
    /// ([`Execs::exec`] of the same time): what tells the namespace of a process gone before
    /// its own could be read.
    pub fn read_net_ns(&mut self, pid: u32, at: Timestamp, net_ns: u64) {
        if let Some(s) = self.by_pid.get_mut(&pid).filter(|s| s.at == at) {
            s.net_ns = Some(net_ns);
        }
    }

    /// Thread `tid` moved to another network namespace: where it leads a process seen
    /// starting, the namespace read at its exec is no longer its.
    pub fn net_moved(&mut self, tid: u32) {
        if let Some(s) = self.by_pid.get_mut(&tid) {
            s.net_ns = None;
        }
    }

    /// The network namespace process `pid` ran in at `at`, as read at its exec, where it was
    /// and the process has not moved since: started by then, and not ended before.
    pub fn net_ns(&self, pid: u32, at: Timestamp) -> Option<u64> {
        self.running(pid, at).and_then(|s| s.net_ns)
    }
}

/// The name the kernel gives a process that starts `path` (its `comm`): the file name, cut to
/// 15 bytes (here at a character boundary, where the kernel cuts bytes). A process may rename
/// itself later; this is its name as it started.
pub(super) fn comm_of(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut end = base.len().min(15);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    base[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(pid: u32, path: &str) -> Exec {
        Exec {
            pid,
            path: path.to_owned(),
        }
    }

    #[test]
    fn a_process_is_named_by_its_latest_program_while_it_runs_and_at_its_end() {
        let mut e = Execs::default();
        e.exec(Timestamp(10), exec(7, "/etc/cron.hourly/check"));
        assert_eq!(e.path(7, Timestamp(5)), None, "not started yet");
        assert_eq!(e.path(7, Timestamp(10)), Some("/etc/cron.hourly/check"));
        // The script execs its client: the same process, another program.
        e.exec(Timestamp(20), exec(7, "/usr/bin/curl"));
        assert_eq!(e.path(7, Timestamp(25)), Some("/usr/bin/curl"));
        e.exit(Timestamp(30), 7);
        assert_eq!(
            e.path(7, Timestamp(30)),
            Some("/usr/bin/curl"),
            "at its end"
        );
        // A later process with the same PID that did not exec is not named after it.
        assert_eq!(e.path(7, Timestamp(40)), None);
        // An older exec read late (from another CPU's buffer) does not replace the later one.
        e.exec(Timestamp(15), exec(7, "/usr/bin/env"));
        assert_eq!(e.path(7, Timestamp(25)), Some("/usr/bin/curl"));
        assert_eq!(e.path(7, Timestamp(40)), None, "still ended");
        // Another thread's exit does not end it.
        e.exec(Timestamp(50), exec(8, "/usr/bin/nc"));
        e.exit(Timestamp(60), 9);
        assert_eq!(e.path(8, Timestamp(70)), Some("/usr/bin/nc"));
        assert_eq!(e.bytes, "/usr/bin/curl".len() + "/usr/bin/nc".len());
    }

    /// The namespace read at a process's exec is its namespace until it moves or ends, and a
    /// later exec of its PID starts again without one.
    #[test]
    fn the_network_namespace_read_at_an_exec_is_kept_until_a_move() {
        let mut e = Execs::default();
        e.exec(Timestamp(10), exec(7, "/usr/bin/curl"));
        assert_eq!(e.net_ns(7, Timestamp(11)), None, "not read");
        e.read_net_ns(7, Timestamp(5), 4_026_532_001);
        assert_eq!(e.net_ns(7, Timestamp(11)), None, "another exec's");
        e.read_net_ns(7, Timestamp(10), 4_026_532_001);
        assert_eq!(e.net_ns(7, Timestamp(11)), Some(4_026_532_001));
        assert_eq!(e.net_ns(7, Timestamp(9)), None, "not started yet");
        e.net_moved(7);
        assert_eq!(e.net_ns(7, Timestamp(12)), None, "moved");
        e.exec(Timestamp(20), exec(7, "/usr/bin/nc"));
        e.read_net_ns(7, Timestamp(20), 4_026_532_002);
        e.exit(Timestamp(30), 7);
        assert_eq!(
            e.net_ns(7, Timestamp(30)),
            Some(4_026_532_002),
            "at its end"
        );
        assert_eq!(e.net_ns(7, Timestamp(31)), None, "ended");
    }

    #[test]
    fn memory_is_bounded_in_count_and_bytes_the_oldest_going_first() {
        let mut e = Execs::default();
        for pid in 0..u32::try_from(2 * MAX_EXECS).expect("small") {
            e.exec(Timestamp(i64::from(pid)), exec(pid, "/bin/true"));
        }
        assert_eq!(e.by_pid.len(), MAX_EXECS);
        assert!(e.order.len() <= 2 * MAX_EXECS);
        assert_eq!(e.path(0, Timestamp(i64::MAX)), None);
        let last = u32::try_from(2 * MAX_EXECS - 1).expect("small");
        assert_eq!(e.path(last, Timestamp(i64::MAX)), Some("/bin/true"));
        // Long paths: the byte bound holds first.
        let long = "/x".repeat(2000);
        for pid in 0..1000 {
            e.exec(Timestamp(100_000 + i64::from(pid)), exec(pid, &long));
        }
        assert!(e.bytes <= MAX_PATH_BYTES, "{}", e.bytes);
        let counted: usize = e.by_pid.values().map(|s| s.path.len()).sum();
        assert_eq!(counted, e.bytes);
        assert_eq!(e.path(999, Timestamp(i64::MAX)), Some(long.as_str()));
    }

    #[test]
    fn a_process_forked_is_remembered_with_its_parent_until_it_ends_within_a_bound() {
        let mut e = Execs::default();
        e.forked(100, 101);
        assert_eq!(e.parent(101), Some(100));
        // It execs (maybe more than once): still its parent's child.
        e.exec(Timestamp(10), exec(101, "./collector"));
        assert_eq!(e.parent(101), Some(100));
        e.exit(Timestamp(20), 101);
        assert_eq!(e.parent(101), None, "ended: its PID may be given again");
        // The PID given again, by another parent.
        e.forked(100, 101);
        e.forked(200, 101);
        assert_eq!(e.parent(101), Some(200));
        for child in 1000..1000 + u32::try_from(3 * MAX_EXECS).expect("small") {
            e.forked(1, child);
        }
        assert_eq!(e.forks.len(), MAX_EXECS);
        assert!(e.fork_order.len() <= 2 * MAX_EXECS + 1);
        assert_eq!(e.parent(101), None, "the oldest went first");
        // A working directory read is kept until the thread's exit.
        e.remember_cwd(100, PathBuf::from("/opt/collector"));
        assert_eq!(e.cwd(100), Some(Path::new("/opt/collector")));
        e.exit(Timestamp(30), 100);
        assert_eq!(e.cwd(100), None);
    }

    #[test]
    fn the_name_is_the_file_name_cut_as_the_kernel_cuts_it() {
        assert_eq!(comm_of("/usr/bin/curl"), "curl");
        assert_eq!(comm_of("check"), "check");
        assert_eq!(
            comm_of("/opt/x/a-very-long-program-name"),
            "a-very-long-pro"
        );
        // Not inside a character: 健康检查探针 is 18 bytes, cut to 15 bytes is 5 characters.
        assert_eq!(comm_of("/tmp/健康检查探针"), "健康检查探");
    }
}
