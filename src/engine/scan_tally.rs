//! Per-client tallies of what a scan probes, kept per connection attempt, so that a scan larger
//! than the endpoint table is still counted exactly. The table keeps at most
//! [`Services::MAX_TRACKED`](crate::engine::offenders::Services::MAX_TRACKED) endpoints and drops those
//! with the fewest failures first: a scan's ports, one failure each, go first, and a full
//! 65,535-port scan would be told as "at least" the few thousand ports left.
//!
//! A *group* is what one scan goes over: the ports of one server probed by one client, or the
//! servers one client probed on one port (a sweep). [`TRACKED`](crate::engine::scan_tally::TRACKED) groups are tallied at once,
//! those with the most first SYNs; each holds one bit per target (a port, or a server's last 16
//! address bits) saying it was probed and three saying the best answer it gave, 32 KiB in all,
//! so that a scan of every port is counted exactly. A group is admitted on the first SYN the
//! tally sees of it when a place is free or held by a group with no more SYNs; a group
//! admitted after some of its SYNs went uncounted (or admitted again after losing its place)
//! says so ([`Tallied::complete`](crate::engine::scan_tally::Tallied::complete)), and its counts are lower bounds.
//!
//! Per attempt, not per packet: a first SYN or an answer costs two hashes and a look over
//! [`TRACKED`](crate::engine::scan_tally::TRACKED) hashes; nothing is allocated after [`ScanTally::default`](crate::engine::scan_tally::ScanTally::default). Deterministic: the
//! hash has a fixed seed and every tie is broken by order of admission.

use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::offenders::ServiceKey;
use crate::packet::{Overlay, Timestamp};

/// Groups tallied at once.
pub const TRACKED: usize = 32;
/// Cells that count the SYNs of groups not tallied (direct-mapped by hash).
const CANDIDATES: usize = 1024;
/// 64-bit words of one bit per target (65,536 targets).
const WORDS: usize = 65_536 / 64;
/// Bit planes per group: probed, then the best answer's three bits.
const PLANES: usize = 4;
/// Bits of the filter of groups some of whose SYNs went uncounted.
const LOST_BITS: usize = 65_536;

/// What one scan goes over, in one overlay network (two tenants' machines numbered alike are
/// other machines: their probes are no one scan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// The ports of `server` probed by `client`.
    Ports {
        /// The client.
        client: IpAddr,
        /// The server.
        server: IpAddr,
        /// The overlay network both are in ([`Overlay::NONE`] for none).
        overlay: Overlay,
    },
    /// The servers `client` probed on `port`.
    Hosts {
        /// The client.
        client: IpAddr,
        /// The port.
        port: u16,
        /// The overlay network they are in.
        overlay: Overlay,
    },
}

impl Group {
    /// The overlay network its client and targets are in.
    pub fn overlay(self) -> Overlay {
        match self {
            Self::Ports { overlay, .. } | Self::Hosts { overlay, .. } => overlay,
        }
    }
}

/// The best answer a target gave, worst first: a target is counted once, by the best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Answer {
    /// Probed, no answer decided yet.
    Pending = 0,
    /// The client reset its SYN before any answer.
    Other = 1,
    /// Not answered when the capture ended, less than 10 s after its last SYN: too soon to
    /// tell a dropped SYN from a slow answer (an endpoint's `unanswered_at_end`).
    UnansweredAtEnd = 2,
    /// Never answered.
    Unanswered = 3,
    /// Refused (closed).
    Refused = 4,
    /// Answered with a SYN-ACK the client neither acknowledged nor (as far as was seen) reset.
    HalfOpen = 5,
    /// Answered with a SYN-ACK the client reset: a half-open scan's own reset.
    ResetByClient = 6,
    /// The client completed the handshake.
    Completed = 7,
}

impl Answer {
    const ALL: [Answer; 8] = [
        Answer::Pending,
        Answer::Other,
        Answer::UnansweredAtEnd,
        Answer::Unanswered,
        Answer::Refused,
        Answer::HalfOpen,
        Answer::ResetByClient,
        Answer::Completed,
    ];
}

/// What is known of one tallied group besides its bits.
#[derive(Debug, Clone, Copy)]
struct Info {
    group: Option<Group>,
    /// A sweep's servers: the address bits above the last 16 of the first server seen.
    prefix: Option<IpAddr>,
    /// First SYNs to servers outside `prefix` (a sweep over more than a /16 or a /112).
    outside: u64,
    /// Failed attempts of its targets.
    failed: u64,
    /// Every SYN of the group the tally saw was counted.
    complete: bool,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
}

impl Info {
    const EMPTY: Info = Info {
        group: None,
        prefix: None,
        outside: 0,
        failed: 0,
        complete: false,
        first_seen: None,
        last_seen: None,
    };
}

/// The tallies. See the module documentation.
#[derive(Debug)]
pub struct ScanTally {
    hasher: foldhash::fast::FixedState,
    /// Each place's group hash (0: free), looked at first.
    hashes: [u64; TRACKED],
    /// How many places hold a group whose hash falls in each cell ([`ScanTally::cell`]): a
    /// group whose cell is empty is not tallied, without a look over `hashes` (most first
    /// SYNs and answers of a busy capture are of groups not tallied).
    present: [u8; 256],
    /// First SYNs counted per place.
    attempts: [u64; TRACKED],
    /// First SYNs seen per place's group, those before it was admitted included: what it
    /// holds its place by (a group that comes back keeps what its candidate cell counted, so
    /// that one-SYN groups do not push it out again at once).
    strength: [u64; TRACKED],
    /// Order of admission per place (ties in the choice of the group to give up its place).
    admitted: [u64; TRACKED],
    info: [Info; TRACKED],
    /// `TRACKED * PLANES * WORDS` words, zeroed by the allocator (untouched pages cost
    /// nothing until a group uses them).
    planes: Vec<u64>,
    /// Per place, the words of its planes that hold bits, so that giving the place to another
    /// group clears only what was set (paid for by the attempts that set it).
    touched: [[u64; WORDS / 64]; TRACKED],
    /// Per place, bit `i`: `touched[place][i]` is not 0.
    touched_any: [u16; TRACKED],
    /// Groups not tallied: a hash and its SYNs; a colliding group takes the cell when that
    /// count is down to one, and otherwise lowers it.
    candidates: Vec<(u64, u32)>,
    /// Groups some of whose SYNs went uncounted (by hash): admitted later, their counts are
    /// lower bounds. Never cleared: a false positive only says "at least" where it was exact.
    lost: Vec<u64>,
    admissions: u64,
    /// The places of the fewest SYNs (`least` each) in the order they give themselves up: by
    /// admission, then by place (the free places, never admitted). Its first is the place
    /// that gives itself up first. Kept as they change, a ring: an admission takes the first,
    /// and the group admitted joins at the end (it is the latest) where it has as few SYNs;
    /// a place that gains a SYN leaves it. Looked for over every place again only once the
    /// last of them is gone: a look over every place after nearly every admission (a busy
    /// capture's first SYNs are mostly new groups) was 5.6 instructions a frame.
    fewest: [u8; TRACKED],
    /// Where `fewest` starts.
    fewest_at: usize,
    /// How many places `fewest` holds; 0: to be looked for again.
    fewest_len: usize,
    /// The SYNs of each place of `fewest`.
    least: u64,
}

impl Default for ScanTally {
    fn default() -> Self {
        Self {
            hasher: foldhash::fast::FixedState::with_seed(0x5ca7_7a11),
            hashes: [0; TRACKED],
            present: [0; 256],
            attempts: [0; TRACKED],
            strength: [0; TRACKED],
            admitted: [0; TRACKED],
            info: [Info::EMPTY; TRACKED],
            planes: vec![0; TRACKED * PLANES * WORDS],
            touched: [[0; WORDS / 64]; TRACKED],
            touched_any: [0; TRACKED],
            candidates: vec![(0, 0); CANDIDATES],
            lost: vec![0; LOST_BITS / 64],
            admissions: 0,
            fewest: [0; TRACKED],
            fewest_at: 0,
            fewest_len: 0,
            least: 0,
        }
    }
}

/// A sweep's target: the server's address bits above its last 16, and those 16.
fn split(server: IpAddr) -> (IpAddr, u16) {
    match server {
        IpAddr::V4(a) => {
            let o = a.octets();
            (
                IpAddr::V4(Ipv4Addr::new(o[0], o[1], 0, 0)),
                u16::from_be_bytes([o[2], o[3]]),
            )
        }
        IpAddr::V6(a) => {
            let mut s = a.segments();
            let low = s[7];
            s[7] = 0;
            (IpAddr::V6(Ipv6Addr::from(s)), low)
        }
    }
}

/// The server `split` made `prefix` and `low` of.
fn join(prefix: IpAddr, low: u16) -> IpAddr {
    match prefix {
        IpAddr::V4(a) => {
            let o = a.octets();
            let [c, d] = low.to_be_bytes();
            IpAddr::V4(Ipv4Addr::new(o[0], o[1], c, d))
        }
        IpAddr::V6(a) => {
            let mut s = a.segments();
            s[7] = low;
            IpAddr::V6(Ipv6Addr::from(s))
        }
    }
}

impl ScanTally {
    /// A connection attempt (its first SYN) from `client` to `server`:`port`, in no overlay
    /// network.
    pub fn attempt(&mut self, client: IpAddr, server: IpAddr, port: u16) {
        self.attempt_at(client, (server, port, Overlay::NONE));
    }

    /// A connection attempt (its first SYN) from `client` to the service endpoint `server`
    /// (address, port, overlay network).
    pub fn attempt_at(&mut self, client: IpAddr, (server, port, overlay): ServiceKey) {
        let (prefix, low) = split(server);
        self.probe(
            Group::Ports {
                client,
                server,
                overlay,
            },
            port,
            None,
        );
        self.probe(
            Group::Hosts {
                client,
                port,
                overlay,
            },
            low,
            Some(prefix),
        );
    }

    /// How the target `server`:`port` of `client` answered, in no overlay network;
    /// `failed_at` when this ended a failed attempt.
    pub fn answer(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        port: u16,
        answer: Answer,
        failed_at: Option<Timestamp>,
    ) {
        self.answer_at(client, (server, port, Overlay::NONE), answer, failed_at);
    }

    /// [`ScanTally::answer`] of the service endpoint `server` (address, port, overlay).
    pub fn answer_at(
        &mut self,
        client: IpAddr,
        (server, port, overlay): ServiceKey,
        answer: Answer,
        failed_at: Option<Timestamp>,
    ) {
        let (prefix, low) = split(server);
        self.record(
            Group::Ports {
                client,
                server,
                overlay,
            },
            port,
            None,
            answer,
            failed_at,
        );
        self.record(
            Group::Hosts {
                client,
                port,
                overlay,
            },
            low,
            Some(prefix),
            answer,
            failed_at,
        );
    }

    /// Whether `target` of `g` was probed, as far as the tally holds `g`.
    pub fn probed(&self, g: Group, target: u16) -> bool {
        let h = self.hash(&g);
        self.find(h, &g).is_some_and(|at| self.get(at, 0, target))
    }

    fn hash(&self, g: &Group) -> u64 {
        // 0 marks a free place.
        self.hasher.hash_one(g) | 1
    }

    /// The cell of `present` a group hash falls in.
    fn cell(h: u64) -> usize {
        (h >> 40) as usize % 256
    }

    fn find(&self, h: u64, g: &Group) -> Option<usize> {
        if self.present[Self::cell(h)] == 0 {
            return None;
        }
        let at = self.hashes.iter().position(|&x| x == h)?;
        // A 64-bit hash: another group with the same one is all but impossible, and would only
        // miss the tally (a lower bound).
        (self.info[at].group.as_ref() == Some(g)).then_some(at)
    }

    fn probe(&mut self, g: Group, target: u16, prefix: Option<IpAddr>) {
        let h = self.hash(&g);
        let (at, admitted) = match self.find(h, &g) {
            Some(at) => (at, false),
            None => match self.admit(g, h, prefix) {
                Some(at) => (at, true),
                None => return,
            },
        };
        self.attempts[at] += 1;
        self.strength[at] += 1;
        if self.fewest_len > 0 {
            if admitted {
                // The latest admission: the last of the fewest, if it is one of them.
                if self.strength[at] == self.least {
                    self.fewest[(self.fewest_at + self.fewest_len) % TRACKED] = at as u8;
                    self.fewest_len += 1;
                }
            } else if self.strength[at] - 1 == self.least {
                self.leave_fewest(at);
            }
        }
        if prefix.is_some() && self.info[at].prefix != prefix {
            self.info[at].outside += 1;
            return;
        }
        self.set(at, 0, target);
    }

    fn record(
        &mut self,
        g: Group,
        target: u16,
        prefix: Option<IpAddr>,
        answer: Answer,
        failed_at: Option<Timestamp>,
    ) {
        let h = self.hash(&g);
        let Some(at) = self.find(h, &g) else {
            return;
        };
        // A target outside a sweep's prefix, or probed before its group was tallied.
        if (prefix.is_some() && self.info[at].prefix != prefix) || !self.get(at, 0, target) {
            return;
        }
        if let Some(t) = failed_at {
            let info = &mut self.info[at];
            info.failed += 1;
            info.first_seen = Some(info.first_seen.map_or(t, |f| f.min(t)));
            info.last_seen = Some(info.last_seen.map_or(t, |l| l.max(t)));
        }
        let best = self.rank(at, target);
        if answer > best {
            // Each bit as the answer has it: a better answer's bits are not a superset of a
            // worse one's (Refused 100 after Unanswered 011).
            for bit in 0..3 {
                if (answer as u8 >> bit) & 1 == 1 {
                    self.set(at, 1 + bit, target);
                } else {
                    self.unset(at, 1 + bit, target);
                }
            }
        }
    }

    /// The place `g` takes on its SYN, if it takes one: when a place is free or held by a group
    /// with no more SYNs than `g` has made (the oldest such gives it up). Otherwise its SYN is
    /// counted in its candidate cell only.
    fn admit(&mut self, g: Group, h: u64, prefix: Option<IpAddr>) -> Option<usize> {
        let cell = (h >> 32) as usize % CANDIDATES;
        let (ch, count) = self.candidates[cell];
        let count = if ch == h {
            count.saturating_add(1)
        } else if count <= 1 {
            if count == 1 {
                self.mark_lost(ch);
            }
            1
        } else {
            self.candidates[cell].1 = count - 1;
            self.mark_lost(h);
            return None;
        };
        self.candidates[cell] = (h, count);
        let weakest = self.weakest();
        if u64::from(count) < self.strength[weakest] {
            self.mark_lost(h);
            return None;
        }
        if self.info[weakest].group.is_some() {
            self.mark_lost(self.hashes[weakest]);
            self.clear(weakest);
        }
        let complete = count == 1 && !self.is_lost(h);
        self.admissions += 1;
        // It is the first of the fewest: taken out (`probe` puts it back where it goes).
        self.fewest_at = (self.fewest_at + 1) % TRACKED;
        self.fewest_len -= 1;
        if self.hashes[weakest] != 0 {
            self.present[Self::cell(self.hashes[weakest])] -= 1;
        }
        self.present[Self::cell(h)] += 1;
        self.hashes[weakest] = h;
        self.admitted[weakest] = self.admissions;
        self.attempts[weakest] = 0;
        // The SYN being counted adds one.
        self.strength[weakest] = u64::from(count) - 1;
        self.info[weakest] = Info {
            group: Some(g),
            prefix,
            complete,
            ..Info::EMPTY
        };
        Some(weakest)
    }

    /// The place that gives itself up first: the fewest SYNs, then the oldest admission (then
    /// the first place), the first of `fewest`.
    fn weakest(&mut self) -> usize {
        if self.fewest_len == 0 {
            self.find_fewest();
        }
        usize::from(self.fewest[self.fewest_at])
    }

    /// `fewest` looked for over every place.
    fn find_fewest(&mut self) {
        let least = self.strength.iter().copied().min().unwrap_or(0);
        let mut len = 0;
        for (i, &s) in self.strength.iter().enumerate() {
            if s == least {
                self.fewest[len] = i as u8;
                len += 1;
            }
        }
        let admitted = &self.admitted;
        self.fewest[..len].sort_unstable_by_key(|&i| (admitted[usize::from(i)], i));
        (self.least, self.fewest_at, self.fewest_len) = (least, 0, len);
    }

    /// Takes place `at`, one of `fewest`, out of it (it gained a SYN), keeping the others'
    /// order.
    fn leave_fewest(&mut self, at: usize) {
        let start = self.fewest_at;
        let place = move |k: usize| (start + k) % TRACKED;
        let Some(k) = (0..self.fewest_len).find(|&k| usize::from(self.fewest[place(k)]) == at)
        else {
            debug_assert!(
                false,
                "place {at} has the fewest SYNs but is not among them"
            );
            self.fewest_len = 0;
            return;
        };
        for k in k..self.fewest_len - 1 {
            self.fewest[place(k)] = self.fewest[place(k + 1)];
        }
        self.fewest_len -= 1;
    }

    fn lost_bit(h: u64) -> (usize, u64) {
        let bit = (h >> 16) as usize % LOST_BITS;
        (bit / 64, 1 << (bit % 64))
    }

    fn mark_lost(&mut self, h: u64) {
        let (w, m) = Self::lost_bit(h);
        self.lost[w] |= m;
    }

    fn is_lost(&self, h: u64) -> bool {
        let (w, m) = Self::lost_bit(h);
        self.lost[w] & m != 0
    }

    fn word(at: usize, plane: usize, w: usize) -> usize {
        (at * PLANES + plane) * WORDS + w
    }

    fn set(&mut self, at: usize, plane: usize, target: u16) {
        let w = usize::from(target) / 64;
        self.planes[Self::word(at, plane, w)] |= 1 << (target % 64);
        self.touched[at][w / 64] |= 1 << (w % 64);
        self.touched_any[at] |= 1 << (w / 64);
    }

    /// Clears a bit [`set`](Self::set) set (its word stays marked touched).
    fn unset(&mut self, at: usize, plane: usize, target: u16) {
        let w = usize::from(target) / 64;
        self.planes[Self::word(at, plane, w)] &= !(1 << (target % 64));
    }

    fn get(&self, at: usize, plane: usize, target: u16) -> bool {
        let w = usize::from(target) / 64;
        self.planes[Self::word(at, plane, w)] & (1 << (target % 64)) != 0
    }

    fn rank(&self, at: usize, target: u16) -> Answer {
        let mut r = 0u8;
        for bit in 0..3 {
            if self.get(at, 1 + bit, target) {
                r |= 1 << bit;
            }
        }
        Answer::ALL[usize::from(r)]
    }

    fn clear(&mut self, at: usize) {
        let mut any = std::mem::take(&mut self.touched_any[at]);
        while any != 0 {
            let i = any.trailing_zeros() as usize;
            any &= any - 1;
            let t = &mut self.touched[at][i];
            let mut bits = *t;
            while bits != 0 {
                let w = i * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                for plane in 0..PLANES {
                    self.planes[Self::word(at, plane, w)] = 0;
                }
            }
            *t = 0;
        }
    }

    /// What every group tallied now holds with at least `min_targets` targets; `excluded`
    /// says, of a group's targets (as endpoints: a port of the server, or a server on the
    /// port), which not to count: a sweep's servers a port scan of the same client counts
    /// already, a port the client retried apart from its scan.
    pub fn summaries(
        &self,
        min_targets: u64,
        excluded: impl Fn(Group, (IpAddr, u16)) -> bool,
        named: usize,
    ) -> Vec<Tallied> {
        let mut out = Vec::new();
        for at in 0..TRACKED {
            let info = &self.info[at];
            let Some(group) = info.group else {
                continue;
            };
            let probed = |w: usize| self.planes[Self::word(at, 0, w)];
            let total: u64 = (0..WORDS).map(|w| u64::from(probed(w).count_ones())).sum();
            if total < min_targets {
                continue;
            }
            let endpoint = |target: u16| match group {
                Group::Ports { server, .. } => Some((server, target)),
                Group::Hosts { port, .. } => info.prefix.map(|p| (join(p, target), port)),
            };
            let mut t = Tallied {
                group,
                complete: info.complete && info.outside == 0,
                attempts: self.attempts[at],
                failed: info.failed,
                targets: 0,
                by_answer: [0; 8],
                lowest: u16::MAX,
                highest: 0,
                open_named: Vec::new(),
                refused_named: Vec::new(),
                first_seen: info.first_seen,
                last_seen: info.last_seen,
                excluded: 0,
                prefix: info.prefix,
            };
            let mut half_open_named = Vec::new();
            for w in 0..WORDS {
                let mut bits = probed(w);
                while bits != 0 {
                    let target = (w * 64) as u16 + bits.trailing_zeros() as u16;
                    bits &= bits - 1;
                    if endpoint(target).is_some_and(|e| excluded(group, e)) {
                        t.excluded += 1;
                        continue;
                    }
                    t.targets += 1;
                    t.lowest = t.lowest.min(target);
                    t.highest = t.highest.max(target);
                    let answer = self.rank(at, target);
                    t.by_answer[answer as usize] += 1;
                    let list = match answer {
                        Answer::Completed => &mut t.open_named,
                        Answer::HalfOpen | Answer::ResetByClient => &mut half_open_named,
                        Answer::Refused => &mut t.refused_named,
                        _ => continue,
                    };
                    if list.len() < named {
                        list.push(target);
                    }
                }
            }
            for target in half_open_named {
                if t.open_named.len() < named {
                    t.open_named.push(target);
                }
            }
            out.push(t);
        }
        out
    }
}

/// One tallied group's counts, as [`ScanTally::summaries`] gives them. Targets are ports, or
/// for a sweep a server's last 16 address bits ([`Tallied::server`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tallied {
    /// What it went over.
    pub group: Group,
    /// Every SYN of the group was counted: the counts are exact.
    pub complete: bool,
    /// First SYNs counted (the excluded targets' included).
    pub attempts: u64,
    /// Failed attempts of its targets (the excluded targets' included).
    pub failed: u64,
    /// Distinct targets probed.
    pub targets: u64,
    /// Targets by their best answer, indexed by [`Answer`].
    pub by_answer: [u64; 8],
    /// The lowest and highest target.
    pub lowest: u16,
    /// See `lowest`.
    pub highest: u16,
    /// The first open targets (completed, then half-open), lowest first.
    pub open_named: Vec<u16>,
    /// The first refused targets, lowest first.
    pub refused_named: Vec<u16>,
    /// The first and last failed attempt.
    pub first_seen: Option<Timestamp>,
    /// See `first_seen`.
    pub last_seen: Option<Timestamp>,
    /// Targets left out (another scan's, or retried apart from it).
    pub excluded: u64,
    /// A sweep's servers' address bits above the last 16.
    prefix: Option<IpAddr>,
}

impl Tallied {
    /// Targets that gave `answer` as their best.
    pub fn answered(&self, answer: Answer) -> u64 {
        self.by_answer[answer as usize]
    }

    /// The server a sweep's target stands for.
    pub fn server(&self, target: u16) -> Option<IpAddr> {
        self.prefix.map(|p| join(p, target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_parts(s, 0)
    }

    /// Regression: the tally counted a client's probes by address alone, so two tenants'
    /// clients numbered alike, each probing a few ports of its own server numbered alike (in
    /// VXLAN networks 1 and 2), made one scan of all their ports. Each network's are apart.
    #[test]
    fn probes_in_two_overlay_networks_are_two_groups() {
        use crate::packet::OverlayKind;
        let (c, s) = (ip("10.0.0.9"), ip("192.168.1.1"));
        let mut t = ScanTally::default();
        for port in 1..=30u16 {
            let vni = if port <= 15 { 1 } else { 2 };
            let server = (s, port, Overlay::of(OverlayKind::Vxlan, vni));
            t.attempt_at(c, server);
            t.answer_at(c, server, Answer::Refused, Some(at(100)));
        }
        assert!(t.summaries(20, |_, _| false, 10).is_empty());
        let each = t.summaries(15, |_, _| false, 10);
        let mut groups: Vec<(u64, Overlay)> = (each.iter())
            .map(|g| (g.targets, g.group.overlay()))
            .collect();
        groups.sort();
        assert_eq!(
            groups,
            [
                (15, Overlay::of(OverlayKind::Vxlan, 1)),
                (15, Overlay::of(OverlayKind::Vxlan, 2))
            ]
        );
    }

    /// Every port of a server, each refused but three: exact, however many.
    #[test]
    fn a_scan_of_every_port_is_counted_exactly() {
        let (c, s) = (ip("10.0.0.9"), ip("192.168.1.1"));
        let mut t = ScanTally::default();
        for port in 1..=65_535u16 {
            t.attempt(c, s, port);
            let answer = match port {
                22 | 80 => Answer::ResetByClient,
                443 => Answer::Completed,
                _ => Answer::Refused,
            };
            let failed = (answer != Answer::Completed).then(|| at(100 + i64::from(port / 1000)));
            t.answer(c, s, port, answer, failed);
        }
        let all = t.summaries(20, |_, _| false, 10);
        assert_eq!(all.len(), 1, "the sweeps of one server each are too small");
        let p = &all[0];
        assert_eq!(
            p.group,
            Group::Ports {
                client: c,
                server: s,
                overlay: Overlay::NONE,
            }
        );
        assert!(p.complete);
        assert_eq!((p.targets, p.attempts, p.failed), (65_535, 65_535, 65_534));
        assert_eq!(
            (
                p.answered(Answer::Refused),
                p.answered(Answer::ResetByClient),
                p.answered(Answer::Completed)
            ),
            (65_532, 2, 1)
        );
        assert_eq!((p.lowest, p.highest), (1, 65_535));
        assert_eq!(p.open_named, [443, 22, 80]);
        assert_eq!(p.refused_named, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!((p.first_seen, p.last_seen), (Some(at(100)), Some(at(165))));
    }

    /// A target's best answer counts: a refused port that later completes is open.
    #[test]
    fn a_target_is_counted_once_by_its_best_answer() {
        let (c, s) = (ip("10.0.0.9"), ip("192.168.1.1"));
        let mut t = ScanTally::default();
        for port in 1..=20u16 {
            t.attempt(c, s, port);
            t.answer(c, s, port, Answer::Refused, Some(at(1)));
        }
        t.attempt(c, s, 5);
        t.answer(c, s, 5, Answer::Completed, None);
        t.answer(c, s, 6, Answer::Unanswered, Some(at(2)));
        let p = &t.summaries(20, |_, _| false, 10)[0];
        assert_eq!((p.targets, p.attempts), (20, 21));
        assert_eq!(
            (p.answered(Answer::Refused), p.answered(Answer::Completed)),
            (19, 1)
        );
    }

    /// Regression: a better answer's bits were added to a worse one's, not written over them:
    /// a refused port (011) that later answered SYN-ACK (100) read 111, completed. And a
    /// probe the capture's end cut off is the worst answer but a reset of its own SYN: one
    /// given up on, or any answer, is better.
    #[test]
    fn a_better_answer_replaces_a_worse_ones_bits() {
        let (c, s) = (ip("10.0.0.9"), ip("192.168.1.1"));
        let mut t = ScanTally::default();
        for port in 1..=20u16 {
            t.attempt(c, s, port);
        }
        let steps: [(u16, &[Answer]); 4] = [
            (1, &[Answer::Unanswered, Answer::Refused]),
            (2, &[Answer::Refused, Answer::HalfOpen]),
            (3, &[Answer::UnansweredAtEnd, Answer::Unanswered]),
            (4, &[Answer::Other, Answer::UnansweredAtEnd, Answer::Other]),
        ];
        for (port, answers) in steps {
            for &a in answers {
                t.answer(c, s, port, a, Some(at(1)));
            }
        }
        let p = &t.summaries(20, |_, _| false, 10)[0];
        let got: Vec<u64> = [
            Answer::Refused,
            Answer::HalfOpen,
            Answer::Unanswered,
            Answer::UnansweredAtEnd,
            Answer::Completed,
        ]
        .map(|a| p.answered(a))
        .to_vec();
        assert_eq!(got, [1, 1, 1, 1, 0]);
    }

    /// A sweep of a /16: every server counted; one outside it makes the count a lower bound.
    #[test]
    fn a_sweep_counts_servers_within_its_first_16_bits_exactly() {
        let c = ip("10.0.0.9");
        let mut t = ScanTally::default();
        for h in 0..30_000u16 {
            let [a, b] = h.to_be_bytes();
            let s = IpAddr::V4(Ipv4Addr::new(172, 16, a, b));
            t.attempt(c, s, 22);
            t.answer(c, s, 22, Answer::Unanswered, Some(at(1)));
        }
        let sweeps: Vec<Tallied> = t
            .summaries(20, |_, _| false, 10)
            .into_iter()
            .filter(|x| matches!(x.group, Group::Hosts { .. }))
            .collect();
        assert_eq!(sweeps.len(), 1);
        assert!(sweeps[0].complete);
        assert_eq!(sweeps[0].targets, 30_000);
        assert_eq!(
            sweeps[0].server(sweeps[0].highest),
            Some(ip("172.16.117.47"))
        );
        t.attempt(c, ip("172.17.0.1"), 22);
        let sweep = t
            .summaries(20, |_, _| false, 10)
            .into_iter()
            .find(|x| matches!(x.group, Group::Hosts { .. }))
            .expect("sweep");
        assert!(!sweep.complete);
        assert_eq!((sweep.targets, sweep.attempts), (30_000, 30_001));
    }

    /// Thousands of one-SYN groups (a flood from many sources) take turns in the places that
    /// hold the fewest SYNs; the scan keeps its place and its exact count throughout.
    #[test]
    fn a_scan_keeps_its_place_among_a_flood_of_small_groups() {
        let (c, s) = (ip("10.0.0.9"), ip("192.168.1.1"));
        let mut t = ScanTally::default();
        for port in 1..=2_000u16 {
            t.attempt(c, s, port);
            for k in 0..10u32 {
                let src = IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + u32::from(port) * 10 + k));
                t.attempt(src, ip("192.168.9.9"), 80);
            }
        }
        let all = t.summaries(20, |_, _| false, 10);
        let scan = all
            .iter()
            .find(|x| {
                x.group
                    == Group::Ports {
                        client: c,
                        server: s,
                        overlay: Overlay::NONE,
                    }
            })
            .expect("the scan is tallied");
        assert!(scan.complete);
        assert_eq!(scan.targets, 2_000);
    }

    /// The weakest place, kept between admissions, is always the one a look over every place
    /// finds, and the places of the fewest SYNs are kept in the order they give themselves
    /// up: through admissions, places that gain SYNs and a flood of one-SYN groups, with a
    /// look over every place now and then only.
    #[test]
    fn the_weakest_place_kept_is_the_one_a_full_look_finds() {
        let brute = |t: &ScanTally| {
            (0..TRACKED)
                .min_by_key(|&i| (t.strength[i], t.admitted[i]))
                .expect("places")
        };
        let s = ip("192.168.1.1");
        let mut t = ScanTally::default();
        let mut refills = 0;
        let mut x = 0x2545_f491_u32;
        for n in 0..20_000u32 {
            // A few clients come back often (they gain SYNs), most once.
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let client = if x.is_multiple_of(3) {
                x % 40
            } else {
                1_000 + n
            };
            t.attempt(
                IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + client)),
                s,
                (x >> 8) as u16,
            );
            if t.fewest_len > 0 {
                assert_eq!(
                    usize::from(t.fewest[t.fewest_at]),
                    brute(&t),
                    "after attempt {n}"
                );
                // Every place of the fewest SYNs, in the order they give themselves up.
                let mut all: Vec<usize> =
                    (0..TRACKED).filter(|&i| t.strength[i] == t.least).collect();
                all.sort_by_key(|&i| (t.admitted[i], i));
                let kept: Vec<usize> = (0..t.fewest_len)
                    .map(|k| usize::from(t.fewest[(t.fewest_at + k) % TRACKED]))
                    .collect();
                assert_eq!(kept, all, "after attempt {n}");
                assert_eq!(t.least, t.strength.iter().copied().min().unwrap_or(0));
            } else {
                refills += 1;
            }
        }
        assert!(
            refills < 2_000,
            "looked for over every place {refills} times"
        );
    }

    /// A group admitted after some of its SYNs went uncounted says its counts are lower bounds.
    #[test]
    fn a_group_admitted_late_is_not_complete() {
        let s = ip("192.168.1.1");
        let mut t = ScanTally::default();
        // TRACKED clients with 100 SYNs each hold every place.
        for k in 0..TRACKED as u32 {
            let c = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + k));
            for port in 0..100u16 {
                t.attempt(c, s, 1000 + port);
            }
        }
        let late = ip("10.9.9.9");
        for port in 0..150u16 {
            t.attempt(late, s, port);
        }
        let all = t.summaries(20, |_, _| false, 10);
        let got = all
            .iter()
            .find(|x| {
                x.group
                    == Group::Ports {
                        client: late,
                        server: s,
                        overlay: Overlay::NONE,
                    }
            })
            .expect("admitted once it had more SYNs than the weakest place");
        assert!(!got.complete);
        assert!(got.targets < 150 && got.targets > 0, "{}", got.targets);
    }
}
