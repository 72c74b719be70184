//! Pairs the two state changes of one connect() by socket address (`skaddr`).
//!
//! CLOSE -> SYN_SENT happens inside connect(), on the calling thread: it names the process,
//! but the local port is not chosen yet (it reads 0). The socket's next change (SYN_SENT ->
//! ESTABLISHED, or -> CLOSE on a refusal, often in softirq under an unrelated PID) carries the
//! whole 4-tuple but no trustworthy PID. One sighting takes the PID from the first and the
//! addresses from the second.
//!
//! A connect made in another network namespace than this process's (a container's, another
//! `ip netns`'s) is none of the capture's, which sees this namespace's interfaces only: its
//! addresses may equal one of this namespace's connects (every namespace has its own
//! 127.0.0.1), so it gives no sighting. The connecting thread's namespace is read with its
//! process's name; a process's own thread gone before then is told by the namespace read at
//! its exec, where the trace saw it start; one of no namespace known is kept (see
//! [`Owner::netns`]).
//!
//! Memory is bounded: at most [`MAX_CONNECTING`] sockets wait for their second change (the
//! oldest is dropped and counted beyond that), and at most [`MAX_EARLY`] second changes wait
//! briefly for a first change that another CPU's buffer has not handed out yet.

use std::collections::{HashMap, VecDeque};

use super::format::StateChange;
use crate::host::{ProcessSighting, SightingSource};
use crate::packet::Timestamp;

/// `TCP_SYN_SENT` in the kernel's state numbering.
pub(super) const TCP_SYN_SENT: i32 = 2;
/// `TCP_CLOSE`: a connect that failed (refused, unreachable, given up) leaves SYN_SENT for it.
pub(super) const TCP_CLOSE: i32 = 7;
/// Sockets in SYN_SENT followed at once; a connect that waits longer than this many newer ones
/// is dropped and counted.
pub(super) const MAX_CONNECTING: usize = 4096;
/// Second changes kept while their first change may still come from another CPU's buffer.
const MAX_EARLY: usize = 256;
/// How long (trace time) a second change waits for its first one.
const EARLY_WAIT_NS: i64 = Timestamp::NANOS_PER_SEC;

/// The process a connecting thread belongs to, looked up when its connect() was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Owner {
    /// Thread-group ID (the thread ID itself when the thread was gone).
    pub pid: u32,
    /// Process name; empty when unknown.
    pub name: String,
    /// The program it runs: `/proc/PID/exe` while it runs, else the path of its exec (the
    /// kernel's exec event) resolved the same way, when the trace saw it start.
    pub exe: Option<String>,
    /// The script it runs, from its arguments in `/proc` (read with its name).
    pub script: Option<crate::host::program::Script>,
    /// The connecting thread's network namespace (the inode number in `/proc/<tid>/ns/net`),
    /// read with its process's name; for a process's own thread gone by then, the one read
    /// at its exec (its own or its forker's of the same namespace), where the trace saw it
    /// start and no move since; else `None` (another thread's process may be in another:
    /// a thread can enter another namespace). Such a connect is kept: leaving it
    /// out would lose every short-lived client (a `curl`, a script), which is what the trace
    /// is for, while a wrong name needs another namespace's short-lived process to connect to
    /// the same address from the same port within the same moment.
    pub netns: Option<u64>,
}

/// One state change with its time on the Unix clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Timed {
    /// When the kernel recorded it.
    pub at: Timestamp,
    /// What changed.
    pub change: StateChange,
}

#[derive(Debug)]
struct Connecting {
    at: Timestamp,
    owner: Owner,
}

/// The pairing state; feed it every change in time order per socket.
#[derive(Debug, Default)]
pub(super) struct Joiner {
    /// This process's network namespace, where the capture's connects are made; `None` when
    /// it could not be read (then no connect is left out).
    netns: Option<u64>,
    connecting: HashMap<u64, Connecting>,
    /// `(skaddr, at)` in arrival order, for dropping the oldest; entries whose socket has
    /// completed or restarted since are skipped (and compacted away).
    order: VecDeque<(u64, Timestamp)>,
    early: VecDeque<Timed>,
    dropped: u64,
    /// Sightings given of processes whose network namespace was not known, while this
    /// process's was: each may be another namespace's client.
    unplaced: u64,
}

impl Joiner {
    /// An empty joiner for connects made in network namespace `netns` (see the module
    /// documentation); `None` takes them from every namespace.
    pub fn new(netns: Option<u64>) -> Self {
        Self {
            netns,
            ..Self::default()
        }
    }

    /// Connects dropped so far because too many were waiting at once.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Sightings given so far whose process's network namespace was not known, this
    /// process's being known: kept (see [`Owner::netns`]), and told as such.
    pub fn unplaced(&self) -> u64 {
        self.unplaced
    }

    /// Takes one change; returns a sighting when it completes a connect() seen earlier.
    /// `owner` looks up the process of a thread ID; it is called only for connect() changes.
    pub fn push(
        &mut self,
        timed: Timed,
        owner: impl FnOnce(u32) -> Owner,
    ) -> Option<ProcessSighting> {
        let Timed { at, change } = timed;
        if change.newstate == TCP_SYN_SENT {
            let owner = owner(change.tid);
            // Its second change may already be here, read from another CPU's buffer first.
            let early = self
                .early
                .iter()
                .position(|e| e.change.skaddr == change.skaddr && e.at >= at);
            if let Some(index) = early {
                let end = self.early.remove(index)?;
                return self.sighting(at, owner, &end.change);
            }
            self.insert(change.skaddr, Connecting { at, owner });
            None
        } else if change.oldstate == TCP_SYN_SENT {
            match self.connecting.remove(&change.skaddr) {
                Some(start) if start.at <= at => self.sighting(start.at, start.owner, &change),
                Some(start) => {
                    // Not this connect's end: an older socket at the same address.
                    self.insert(change.skaddr, start);
                    None
                }
                None => {
                    self.keep_early(Timed { at, change });
                    None
                }
            }
        } else {
            None
        }
    }

    fn insert(&mut self, skaddr: u64, connecting: Connecting) {
        self.order.push_back((skaddr, connecting.at));
        self.connecting.insert(skaddr, connecting);
        while self.connecting.len() > MAX_CONNECTING {
            let Some((skaddr, at)) = self.order.pop_front() else {
                break;
            };
            if self.connecting.get(&skaddr).is_some_and(|c| c.at == at) {
                self.connecting.remove(&skaddr);
                self.dropped += 1;
            }
        }
        if self.order.len() > 2 * MAX_CONNECTING {
            let connecting = &self.connecting;
            self.order
                .retain(|(skaddr, at)| connecting.get(skaddr).is_some_and(|c| c.at == *at));
        }
    }

    fn keep_early(&mut self, timed: Timed) {
        let horizon = Timestamp(timed.at.0.saturating_sub(EARLY_WAIT_NS));
        self.early.retain(|e| e.at >= horizon);
        if self.early.len() >= MAX_EARLY {
            self.early.pop_front();
        }
        self.early.push_back(timed);
    }

    /// The sighting for a connect() seen at `at` by `owner` whose socket then changed as
    /// `end` says; `None` when no port was ever chosen (connect() failed before sending
    /// anything), or when `owner` is known to be in another network namespace.
    fn sighting(
        &mut self,
        at: Timestamp,
        owner: Owner,
        end: &StateChange,
    ) -> Option<ProcessSighting> {
        let elsewhere = self.netns.is_some() && owner.netns.is_some() && owner.netns != self.netns;
        if end.local.port() == 0 || elsewhere {
            return None;
        }
        self.unplaced += u64::from(self.netns.is_some() && owner.netns.is_none());
        Some(ProcessSighting {
            at,
            local: end.local,
            remote: Some(end.remote),
            pid: owner.pid,
            name: owner.name,
            exe: owner.exe,
            script: owner.script,
            source: SightingSource::ConnectTrace,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    const CLOSE: i32 = 7;
    const ESTABLISHED: i32 = 1;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("test address")
    }

    fn change(at: i64, tid: u32, skaddr: u64, old: i32, new: i32, local: &str) -> Timed {
        Timed {
            at: Timestamp(at),
            change: StateChange {
                tid,
                skaddr,
                oldstate: old,
                newstate: new,
                local: addr(local),
                remote: addr("127.0.0.1:9"),
            },
        }
    }

    fn owner(tid: u32) -> Owner {
        Owner {
            pid: tid + 1000,
            name: format!("p{tid}"),
            exe: None,
            script: None,
            netns: None,
        }
    }

    #[test]
    fn pid_from_connect_and_port_from_the_refusal() {
        let mut joiner = Joiner::new(None);
        let start = change(10, 77, 0xa, CLOSE, TCP_SYN_SENT, "127.0.0.1:0");
        assert_eq!(joiner.push(start, owner), None);
        // The RST arrives in softirq: PID 0, now with the chosen port.
        let end = change(20, 0, 0xa, TCP_SYN_SENT, CLOSE, "127.0.0.1:41000");
        let seen = joiner
            .push(end, |_| panic!("no lookup for the end"))
            .expect("joined");
        assert_eq!(seen.pid, 1077);
        assert_eq!(seen.name, "p77");
        assert_eq!(seen.at, Timestamp(10));
        assert_eq!(seen.local, addr("127.0.0.1:41000"));
        assert_eq!(seen.remote, Some(addr("127.0.0.1:9")));
        assert_eq!(seen.source, SightingSource::ConnectTrace);
    }

    #[test]
    fn interleaved_sockets_pair_by_skaddr() {
        let mut joiner = Joiner::new(None);
        joiner.push(change(1, 1, 0xa, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"), owner);
        joiner.push(change(2, 2, 0xb, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"), owner);
        let b = joiner.push(
            change(3, 0, 0xb, TCP_SYN_SENT, ESTABLISHED, "127.0.0.1:2"),
            owner,
        );
        let a = joiner.push(change(4, 9, 0xa, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"), owner);
        assert_eq!(b.map(|s| (s.pid, s.local.port())), Some((1002, 2)));
        assert_eq!(a.map(|s| (s.pid, s.local.port())), Some((1001, 1)));
        // Each connect completes once.
        assert_eq!(
            joiner.push(change(5, 0, 0xa, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"), owner),
            None
        );
    }

    #[test]
    fn an_end_read_before_its_start_still_pairs() {
        let mut joiner = Joiner::new(None);
        let end = change(20, 0, 0xa, TCP_SYN_SENT, CLOSE, "[::1]:5");
        assert_eq!(joiner.push(end, owner), None);
        let start = change(10, 3, 0xa, CLOSE, TCP_SYN_SENT, "[::1]:0");
        let seen = joiner.push(start, owner).expect("joined");
        assert_eq!((seen.pid, seen.local), (1003, addr("[::1]:5")));
        assert!(joiner.early.is_empty());
    }

    #[test]
    fn other_transitions_and_portless_failures_give_nothing() {
        let mut joiner = Joiner::new(None);
        assert_eq!(
            joiner.push(
                change(1, 1, 0xa, ESTABLISHED, 4, "127.0.0.1:1"),
                |_| panic!()
            ),
            None
        );
        joiner.push(change(2, 1, 0xa, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"), owner);
        // connect() failed before a port was chosen: no packet was sent, nothing to name.
        assert_eq!(
            joiner.push(change(3, 1, 0xa, TCP_SYN_SENT, CLOSE, "127.0.0.1:0"), owner),
            None
        );
    }

    #[test]
    fn waiting_connects_are_bounded_and_the_oldest_dropped_is_counted() {
        let mut joiner = Joiner::new(None);
        let extra = 10;
        for i in 0..(MAX_CONNECTING + extra) as u64 {
            joiner.push(
                change(i as i64, 1, i, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"),
                owner,
            );
        }
        assert_eq!(joiner.connecting.len(), MAX_CONNECTING);
        assert_eq!(joiner.dropped(), extra as u64);
        // The oldest is gone, the newest still pairs.
        assert_eq!(
            joiner.push(
                change(1 << 40, 0, 0, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"),
                owner
            ),
            None
        );
        let newest = (MAX_CONNECTING + extra - 1) as u64;
        assert!(
            joiner
                .push(
                    change(1 << 40, 0, newest, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"),
                    owner
                )
                .is_some()
        );
        // Completed connects do not pile up in the order queue.
        for i in 0..(3 * MAX_CONNECTING) as u64 {
            let key = 1 << 50 | i;
            joiner.push(
                change(1 << 41, 1, key, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"),
                owner,
            );
            joiner.push(
                change(1 << 41, 0, key, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"),
                owner,
            );
        }
        assert!(joiner.order.len() <= 2 * MAX_CONNECTING + 1);
    }

    #[test]
    fn early_ends_are_bounded_in_count_and_time() {
        let mut joiner = Joiner::new(None);
        for i in 0..(MAX_EARLY as u64 + 5) {
            joiner.push(change(0, 0, i, TCP_SYN_SENT, CLOSE, "127.0.0.1:1"), owner);
        }
        assert_eq!(joiner.early.len(), MAX_EARLY);
        joiner.push(
            change(
                2 * EARLY_WAIT_NS,
                0,
                1 << 60,
                TCP_SYN_SENT,
                CLOSE,
                "127.0.0.1:1",
            ),
            owner,
        );
        assert_eq!(joiner.early.len(), 1);
    }

    /// Regression: a process in another network namespace (a container, with its own
    /// 127.0.0.1) connecting to the same address and port as a client here was named as that
    /// client. Its connect gives no sighting; a process gone before its namespace was read
    /// still does.
    #[test]
    fn a_connect_from_another_network_namespace_gives_no_sighting() {
        let mut joiner = Joiner::new(Some(1));
        let in_ns = |netns: Option<u64>| {
            move |tid: u32| Owner {
                netns,
                ..owner(tid)
            }
        };
        let mut connect = |skaddr: u64, netns: Option<u64>| {
            joiner.push(
                change(1, 1, skaddr, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"),
                in_ns(netns),
            );
            joiner.push(
                change(2, 0, skaddr, TCP_SYN_SENT, CLOSE, "127.0.0.1:40000"),
                in_ns(netns),
            )
        };
        assert!(connect(0xa, Some(1)).is_some(), "this namespace");
        assert_eq!(connect(0xb, Some(2)), None, "another namespace");
        assert!(connect(0xc, None).is_some(), "gone before it was read");
        assert!(
            joiner.connecting.is_empty(),
            "the other's connect is done with"
        );
        // The one of no namespace known is counted, so that a report can say so.
        assert_eq!(joiner.unplaced(), 1);
        // Where this process's own namespace is unknown, none is left out.
        let mut joiner = Joiner::new(None);
        joiner.push(
            change(1, 1, 0xd, CLOSE, TCP_SYN_SENT, "127.0.0.1:0"),
            in_ns(Some(2)),
        );
        assert!(
            joiner
                .push(
                    change(2, 0, 0xd, TCP_SYN_SENT, CLOSE, "127.0.0.1:40000"),
                    owner
                )
                .is_some()
        );
    }
}
