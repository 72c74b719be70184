//! The processes of connecting threads as `/proc` gave them lately, kept by thread ID, so that
//! a thread that connects again and again (a connect flood, a client's worker) is not looked
//! up for each connect: four `/proc` files read and several allocations each.
//!
//! An entry is used for connects within [`KEEP_NS`] (trace time, either way) of the one it was
//! read for, then read again: a process that renames itself, which no event tells, is named
//! anew within a second. The trace's own events end entries at once: an exec (the process runs
//! another program, under another name and arguments) and an exit (its IDs may go to another
//! process) forget the entries of that thread and of its process. Only threads found running
//! are kept, so an ID read from the kernel's record of gone threads is never reused. Limit: a
//! process whose last thread to end was never looked up keeps the entries of its other threads
//! until they age out, so a new process given its PID within that second would be named after
//! it (PIDs are handed out in turn: one is reused after all the others, or `pid_max` of them).
//!
//! Bounded: at most [`MAX_OWNERS`] threads, the oldest read going first.

use std::collections::{HashMap, VecDeque};

use super::join::Owner;
use crate::packet::Timestamp;

/// Threads whose process is remembered at most.
pub(super) const MAX_OWNERS: usize = 1024;
/// How long (trace time) an entry names its thread's later connects.
pub(super) const KEEP_NS: i64 = Timestamp::NANOS_PER_SEC;

#[derive(Debug)]
struct Read {
    /// The connect it was read for.
    at: Timestamp,
    owner: Owner,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Owners {
    by_thread: HashMap<u32, Read>,
    /// `(tid, at)` in the order read, for forgetting the oldest; an entry forgotten or read
    /// again since is skipped when it comes up.
    order: VecDeque<(u32, Timestamp)>,
}

impl Owners {
    /// The process of thread `tid` for its connect at `at`, when read lately enough.
    pub fn get(&self, tid: u32, at: Timestamp) -> Option<&Owner> {
        self.by_thread
            .get(&tid)
            .filter(|read| at.0.abs_diff(read.at.0) < KEEP_NS.unsigned_abs())
            .map(|read| &read.owner)
    }

    /// Keeps `owner`, read from `/proc` for running thread `tid`'s connect at `at`.
    pub fn insert(&mut self, tid: u32, at: Timestamp, owner: Owner) {
        self.by_thread.insert(tid, Read { at, owner });
        self.order.push_back((tid, at));
        while self.by_thread.len() > MAX_OWNERS {
            let Some((tid, queued)) = self.order.pop_front() else {
                break;
            };
            if self
                .by_thread
                .get(&tid)
                .is_some_and(|read| read.at == queued)
            {
                self.by_thread.remove(&tid);
            }
        }
        if self.order.len() > 2 * MAX_OWNERS {
            let by_thread = &self.by_thread;
            self.order
                .retain(|(tid, at)| by_thread.get(tid).is_some_and(|read| read.at == *at));
        }
    }

    /// Thread or process `id` exec'd or ended: its entry goes, with every entry of its process
    /// (an exec replaces the program of all of them; the process's exit is told by the thread
    /// that ended last, which need not be the first).
    pub fn forget(&mut self, id: u32) {
        if self.by_thread.is_empty() {
            return;
        }
        let process = self.by_thread.get(&id).map(|read| read.owner.pid);
        self.by_thread.retain(|tid, read| {
            *tid != id && read.owner.pid != id && Some(read.owner.pid) != process
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(pid: u32, name: &str) -> Owner {
        Owner {
            pid,
            name: name.to_owned(),
            exe: None,
            script: None,
            netns: None,
        }
    }

    fn name(owners: &Owners, tid: u32, at: i64) -> Option<&str> {
        owners.get(tid, Timestamp(at)).map(|o| o.name.as_str())
    }

    #[test]
    fn an_entry_names_its_threads_connects_for_a_second() {
        let mut owners = Owners::default();
        owners.insert(7, Timestamp(10), owner(7, "curl"));
        assert_eq!(name(&owners, 7, 10), Some("curl"));
        assert_eq!(name(&owners, 7, 10 + KEEP_NS - 1), Some("curl"));
        assert_eq!(name(&owners, 7, 10 + KEEP_NS), None, "read again");
        // A connect read late from another CPU's buffer, or the clock stepped: either way.
        assert_eq!(name(&owners, 7, 10 - KEEP_NS + 1), Some("curl"));
        assert_eq!(name(&owners, 7, 10 - KEEP_NS), None);
        assert_eq!(name(&owners, 8, 10), None, "another thread");
    }

    #[test]
    fn an_exec_forgets_the_process_and_all_its_threads() {
        let mut owners = Owners::default();
        owners.insert(100, Timestamp(0), owner(100, "bash"));
        owners.insert(101, Timestamp(0), owner(100, "bash"));
        owners.insert(200, Timestamp(0), owner(200, "nc"));
        // Thread 101 exec'd: it now leads the process, as 100 (the exec event's PID).
        owners.forget(100);
        assert_eq!(name(&owners, 100, 1), None);
        assert_eq!(name(&owners, 101, 1), None);
        assert_eq!(name(&owners, 200, 1), Some("nc"), "another process");
    }

    #[test]
    fn an_exit_forgets_the_thread_and_its_process_so_a_reused_pid_is_read_anew() {
        let mut owners = Owners::default();
        owners.insert(300, Timestamp(0), owner(300, "java"));
        owners.insert(301, Timestamp(0), owner(300, "java"));
        owners.insert(400, Timestamp(0), owner(400, "nc"));
        // The process's last thread to end was 301, not its first: both go.
        owners.forget(301);
        assert_eq!(name(&owners, 300, 1), None);
        assert_eq!(name(&owners, 301, 1), None);
        assert_eq!(name(&owners, 400, 1), Some("nc"));
        // A thread never looked up ends: the others stay.
        owners.forget(999);
        assert_eq!(name(&owners, 400, 1), Some("nc"));
        // PID 300 given to a new process: looked up again, and kept under its own name.
        assert_eq!(owners.get(300, Timestamp(2)), None);
        owners.insert(300, Timestamp(2), owner(300, "python3"));
        assert_eq!(name(&owners, 300, 3), Some("python3"));
    }

    #[test]
    fn memory_is_bounded_the_oldest_read_going_first() {
        let mut owners = Owners::default();
        let count = u32::try_from(3 * MAX_OWNERS).expect("small");
        for tid in 0..count {
            owners.insert(tid, Timestamp(i64::from(tid)), owner(tid, "x"));
        }
        assert_eq!(owners.by_thread.len(), MAX_OWNERS);
        assert!(owners.order.len() <= 2 * MAX_OWNERS);
        assert_eq!(name(&owners, 0, 0), None);
        assert_eq!(name(&owners, count - 1, 0), Some("x"));
        // One thread read again and again keeps one entry, and the queue stays bounded.
        for at in 0..i64::from(count) {
            owners.insert(5, Timestamp(at), owner(5, "y"));
        }
        assert!(owners.order.len() <= 2 * MAX_OWNERS);
        assert_eq!(name(&owners, 5, i64::from(count) - 1), Some("y"));
    }
}
