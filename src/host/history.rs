//! Listener history: who listened on which port, from when until when.
//!
//! Fed one socket-table sample at a time (about once a second while capturing). A listener
//! absent from a sample has gone; its record keeps the last second it was seen, so a report
//! can say "it was served by collector (pid 4312) until 15:08:12". Pure: the caller gives the
//! time of each sample, tests give literals.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use super::canonical;
use super::processes::{MAX_DETAIL_BYTES, ProcessInfo};
use crate::packet::Timestamp;

/// Records of listeners that have gone, kept most recent first; the oldest are forgotten.
pub const MAX_GONE: usize = 4096;

/// The most the records of listeners gone hold: [`MAX_GONE`] records in their queue, and
/// [`MAX_DETAIL_BYTES`] of their processes' texts.
pub const MOST_GONE_BYTES: usize =
    crate::room::queue(MAX_GONE, std::mem::size_of::<ListenerRecord>()) + MAX_DETAIL_BYTES;

/// One process listening on one address, and when it was seen doing so.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListenerRecord {
    /// The address it is bound to (`0.0.0.0` or `::` for every address).
    pub addr: SocketAddr,
    /// The process.
    pub process: ProcessInfo,
    /// The first sample it was in.
    pub first_seen: Timestamp,
    /// The last sample it was in.
    pub last_seen: Timestamp,
}

/// Who serves an endpoint now and who served it earlier in the capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListenerStatus {
    /// The listener now (the lowest PID when several processes share the socket).
    pub now: Option<ListenerRecord>,
    /// Listeners that have gone, most recent first.
    pub earlier: Vec<ListenerRecord>,
}

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct ListenerHistory {
    current: HashMap<(SocketAddr, u32), ListenerRecord>,
    gone: VecDeque<ListenerRecord>,
    /// What `gone`'s processes hold ([`ProcessInfo::heap_bytes`] summed).
    gone_bytes: usize,
    first_sample: Option<Timestamp>,
    last_sample: Option<Timestamp>,
    /// Records of an earlier run, settled at the first sample ([`Self::carry`]).
    carried: Vec<ListenerRecord>,
}

impl ListenerHistory {
    /// No sample yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes what an earlier run saw (its listeners then and those gone, as
    /// [`Self::now`] and [`Self::gone`] gave them): a restarted agent still says who served
    /// a port before it started. Settled at the next sample: a listener that sample still
    /// shows (the same process, by PID and start time, on the same address) listens since the
    /// earlier run saw it first; the others are gone, last seen when the earlier run last saw
    /// them.
    pub fn carry(&mut self, earlier: Vec<ListenerRecord>) {
        self.carried.extend(earlier);
    }

    /// One sample taken at `at`: every listening socket with its process.
    pub fn observe(&mut self, at: Timestamp, listening: &[(SocketAddr, ProcessInfo)]) {
        self.first_sample.get_or_insert(at);
        self.settle_carried(listening);
        self.last_sample = Some(at);
        let mut seen = std::collections::HashSet::with_capacity(listening.len());
        for (addr, process) in listening {
            let key = (*addr, process.pid);
            seen.insert(key);
            self.current
                .entry(key)
                .and_modify(|r| r.last_seen = at)
                .or_insert_with(|| ListenerRecord {
                    addr: *addr,
                    process: process.clone(),
                    first_seen: at,
                    last_seen: at,
                });
        }
        let mut ended: Vec<ListenerRecord> = Vec::new();
        self.current.retain(|key, r| {
            let stays = seen.contains(key);
            if !stays {
                ended.push(r.clone());
            }
            stays
        });
        ended.sort_by_key(|r| (r.last_seen, r.process.pid));
        for r in ended {
            self.push_gone(r);
        }
    }

    /// Adds a record of a listener gone, most recent first: [`MAX_GONE`] of them and
    /// [`MAX_DETAIL_BYTES`] of their processes' texts at most, the oldest making room.
    fn push_gone(&mut self, r: ListenerRecord) {
        let bytes = r.process.heap_bytes();
        while self.gone.len() >= MAX_GONE
            || (!self.gone.is_empty() && self.gone_bytes + bytes > MAX_DETAIL_BYTES)
        {
            if let Some(old) = self.gone.pop_back() {
                self.gone_bytes -= old.process.heap_bytes();
            }
        }
        self.gone_bytes += bytes;
        self.gone.push_front(r);
    }

    /// Moves the records of an earlier run ([`Self::carry`]) to the listeners now or gone.
    fn settle_carried(&mut self, listening: &[(SocketAddr, ProcessInfo)]) {
        if self.carried.is_empty() {
            return;
        }
        let mut carried = std::mem::take(&mut self.carried);
        // Most recent last, as `observe` adds them.
        carried.sort_by_key(|r| (r.last_seen, r.process.pid));
        for r in carried {
            let key = (r.addr, r.process.pid);
            let still = listening
                .iter()
                .any(|(addr, p)| (*addr, p.pid) == key && p.started == r.process.started);
            if still {
                self.current.entry(key).or_insert(r);
            } else if !self.gone.contains(&r) {
                self.push_gone(r);
            }
        }
    }

    /// The first and last sample times, if any sample was taken.
    #[must_use]
    pub fn sampled(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.first_sample?, self.last_sample?))
    }

    /// Listeners in the latest sample, by port then address.
    #[must_use]
    pub fn now(&self) -> Vec<&ListenerRecord> {
        let mut v: Vec<&ListenerRecord> = self.current.values().collect();
        v.sort_by_key(|r| (r.addr.port(), r.addr.ip(), r.process.pid));
        v
    }

    /// Listeners that have gone, most recent first.
    pub fn gone(&self) -> impl Iterator<Item = &ListenerRecord> {
        self.gone.iter()
    }

    /// Who serves `addr:port` now and who served it before.
    #[must_use]
    pub fn status(&self, addr: IpAddr, port: u16) -> ListenerStatus {
        let now = self
            .current
            .values()
            .filter(|r| serves(r.addr, addr, port))
            // A binding to the address itself wins over a wildcard one.
            .min_by_key(|r| (r.addr.ip().is_unspecified(), r.process.pid))
            .cloned();
        let earlier = self
            .gone
            .iter()
            .filter(|r| serves(r.addr, addr, port))
            .cloned()
            .collect();
        ListenerStatus { now, earlier }
    }
}

/// A socket bound to `bound` accepts connections to `addr:port`: same port, and the same
/// address or a wildcard of its family. A `::` socket also takes IPv4 unless it is
/// IPv6-only, which the table does not say; dual-stack is the default on every OS
/// rstscope runs on, so it is assumed.
#[must_use]
pub fn serves(bound: SocketAddr, addr: IpAddr, port: u16) -> bool {
    if bound.port() != port {
        return false;
    }
    let addr = canonical(addr);
    let b = canonical(bound.ip());
    b == addr
        || match b {
            IpAddr::V4(v4) => v4.is_unspecified() && addr.is_ipv4(),
            IpAddr::V6(v6) => v6.is_unspecified(),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collector() -> ProcessInfo {
        ProcessInfo::bare(4312, "collector")
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp(secs * Timestamp::NANOS_PER_SEC)
    }

    fn sock(s: &str) -> SocketAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn a_listener_that_stops_is_remembered_until_its_last_sample() {
        let mut h = ListenerHistory::new();
        let l = [(sock("127.0.0.1:7211"), collector())];
        h.observe(at(100), &l);
        h.observe(at(101), &l);
        h.observe(at(102), &[]);
        h.observe(at(103), &[]);
        let s = h.status("127.0.0.1".parse().expect("ip"), 7211);
        assert_eq!(s.now, None);
        assert_eq!(s.earlier.len(), 1);
        assert_eq!(s.earlier[0].process.pid, 4312);
        assert_eq!(s.earlier[0].first_seen, at(100));
        assert_eq!(s.earlier[0].last_seen, at(101));
        assert_eq!(h.sampled(), Some((at(100), at(103))));
    }

    #[test]
    fn wildcard_listeners_serve_every_address_of_their_family_and_dual_stack() {
        let mut h = ListenerHistory::new();
        h.observe(
            at(1),
            &[
                (sock("0.0.0.0:22"), ProcessInfo::bare(10, "sshd")),
                (sock("[::]:80"), ProcessInfo::bare(20, "nginx")),
            ],
        );
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(
            h.status(ip("10.1.2.3"), 22).now.map(|r| r.process.pid),
            Some(10)
        );
        assert_eq!(h.status(ip("::1"), 22).now, None);
        assert_eq!(
            h.status(ip("10.1.2.3"), 80).now.map(|r| r.process.pid),
            Some(20)
        );
        assert_eq!(
            h.status(ip("::ffff:10.1.2.3"), 22)
                .now
                .map(|r| r.process.pid),
            Some(10)
        );
        assert_eq!(h.status(ip("10.1.2.3"), 23).now, None);
    }

    #[test]
    fn the_specific_binding_wins_and_a_restart_lists_both_runs_most_recent_first() {
        let mut h = ListenerHistory::new();
        h.observe(
            at(1),
            &[
                (sock("0.0.0.0:7211"), ProcessInfo::bare(1, "proxy")),
                (sock("127.0.0.1:7211"), collector()),
            ],
        );
        let lo = "127.0.0.1".parse().expect("ip");
        assert_eq!(h.status(lo, 7211).now.map(|r| r.process.pid), Some(4312));
        h.observe(at(2), &[]);
        h.observe(
            at(5),
            &[(sock("127.0.0.1:7211"), ProcessInfo::bare(4400, "collector"))],
        );
        h.observe(at(6), &[]);
        let earlier: Vec<u32> = h
            .status(lo, 7211)
            .earlier
            .iter()
            .map(|r| r.process.pid)
            .collect();
        assert_eq!(earlier, vec![4400, 4312, 1]);
    }

    #[test]
    fn a_restarted_agent_still_names_the_listener_gone_before_it_started() {
        let lo = "127.0.0.1".parse().expect("ip");
        let mut first = ListenerHistory::new();
        let mut sshd = ProcessInfo::bare(10, "sshd");
        sshd.started = Some(5);
        first.observe(
            at(100),
            &[
                (sock("127.0.0.1:7211"), collector()),
                (sock("0.0.0.0:22"), sshd.clone()),
            ],
        );
        first.observe(at(130), &[(sock("0.0.0.0:22"), sshd.clone())]);
        let saved: Vec<ListenerRecord> = first
            .now()
            .into_iter()
            .chain(first.gone())
            .cloned()
            .collect();

        let mut second = ListenerHistory::new();
        second.carry(saved.clone());
        second.observe(at(200), &[(sock("0.0.0.0:22"), sshd.clone())]);
        let s = second.status(lo, 7211);
        assert_eq!(s.now, None);
        assert_eq!(s.earlier.len(), 1);
        assert_eq!(s.earlier[0].process.pid, 4312);
        assert_eq!(
            (s.earlier[0].first_seen, s.earlier[0].last_seen),
            (at(100), at(100))
        );
        // Still listening: since the first run saw it first, and gone from neither.
        let ssh = second.status(lo, 22);
        assert_eq!(ssh.now.map(|r| r.first_seen), Some(at(100)));
        assert!(ssh.earlier.is_empty());
        assert_eq!(second.sampled(), Some((at(200), at(200))));

        // Its PID used again by another process on the same address: a new listener.
        let mut third = ListenerHistory::new();
        third.carry(saved);
        let mut again = ProcessInfo::bare(4312, "collector");
        again.started = Some(999);
        third.observe(at(300), &[(sock("127.0.0.1:7211"), again)]);
        let s = third.status(lo, 7211);
        assert_eq!(s.now.map(|r| r.first_seen), Some(at(300)));
        assert_eq!(s.earlier.len(), 1);
        assert_eq!(s.earlier[0].last_seen, at(100));
    }
}
