//! Files given together that are not one capture split in pieces: files far apart in time,
//! and the same traffic captured at two points (a client-side and a server-side capture).
//!
//! Files given together are merged in time order. That is right for a rotated set
//! (`tcpdump -C` / `-G`: each file begins where the one before ended) and for captures of the
//! same time on different hosts or interfaces. Two cases merge into something else:
//!
//! - **Far apart in time**: two captures taken years apart become one capture of years, whose
//!   rates and time axis would describe mostly nothing.
//!   [`apart_warning`](crate::pipeline::merged::apart_warning) names such gaps,
//!   [`covered_seconds`](crate::pipeline::merged::covered_seconds) gives the time the files do
//!   cover, for honest averages, and [`long_gaps`](crate::pipeline::merged::long_gaps) the gaps
//!   the app's plot leaves out of its time axis.
//! - **The same traffic at two points**: every packet is there twice. Copies of one packet are
//!   looked for by the frame within one file only (`source::dedupe`: two hosts' clocks differ,
//!   so a 5 ms window does not fit across files). Across files,
//!   [`TwoPoints`](crate::pipeline::merged::TwoPoints) matches the SYNs and RSTs (addresses,
//!   ports, sequence and acknowledgment numbers, flags), which tell a connection apart whatever
//!   the clocks, and counts each once.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use foldhash::HashMap;
use foldhash::fast::FixedState;

use crate::engine::{Offender, Scan};
use crate::packet::{TcpFlags, TcpPacket, Timestamp};
use crate::report::Clock;
use crate::source::{FileInfo, QuietSpells};

/// A gap between files given together, or within one file between two of its frames, is worth
/// a warning when it is longer than this...
const LONG_GAP_SECS: i64 = QuietSpells::SECS;

/// ...and longer than each of the two stretches of capture on its sides. A rotated set has no
/// gap; a capture restarted after a break shorter than the captures around it (a quiet night
/// in a capture of days) merely thins the averages (by at most half); past both bounds most of
/// the merged time holds nothing.
fn is_long_gap(gap_secs: i64, before_secs: i64, after_secs: i64) -> bool {
    gap_secs > LONG_GAP_SECS && gap_secs > before_secs && gap_secs > after_secs
}

/// The stretches of capture, with their times and the file of each, in the order they begin:
/// each file's first to last frame, cut where it has a quiet spell (an hour and more without a
/// frame: [`QuietSpells`]), so that a gap within one file is judged as one between files.
fn by_time(files: &[FileInfo]) -> Vec<(usize, Timestamp, Timestamp)> {
    let mut timed = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let (Some(first), Some(last)) = (f.first_ts, f.last_ts) else {
            continue;
        };
        let last = f.quiet.latest().map_or(last, |l| l.max(last));
        let mut from = first;
        for &(ended, began) in f.quiet.spells() {
            if ended >= from {
                timed.push((i, from, ended));
                from = began;
            }
        }
        timed.push((i, from, last.max(from)));
    }
    timed.sort_by_key(|&(i, first, _)| (first, i));
    timed
}

/// A long gap: the file that ends before it, the file that begins after it (the same file for
/// a gap within one), their times.
struct Gap {
    before: usize,
    ended: Timestamp,
    after: usize,
    began: Timestamp,
}

/// The long gaps between the files, in time order.
fn gaps(files: &[FileInfo]) -> Vec<Gap> {
    let mut out = Vec::new();
    let mut timed = by_time(files).into_iter();
    let Some((mut before, mut started, mut ended)) = timed.next() else {
        return out;
    };
    for (i, first, last) in timed {
        let gap = first.second().saturating_sub(ended.second());
        let before_secs = ended.second().saturating_sub(started.second());
        let after_secs = last.second().saturating_sub(first.second());
        if is_long_gap(gap, before_secs, after_secs) {
            out.push(Gap {
                before,
                ended,
                after: i,
                began: first,
            });
            (before, started, ended) = (i, first, last);
        } else if last >= ended {
            // The file that ends last borders the next gap; the stretch's start stays.
            (before, ended) = (i, last);
        }
    }
    out
}

/// The long gaps between files given together or within one (see [`apart_warning`]), in time
/// order: the last packet time before each and the first after it. Empty when the files are
/// one stretch of time (a file without long gaps, a rotated set, captures of the same hour).
pub fn long_gaps(files: &[FileInfo]) -> Vec<(Timestamp, Timestamp)> {
    gaps(files).iter().map(|g| (g.ended, g.began)).collect()
}

/// The warning when files given together lie far apart in time (a gap longer than an hour and
/// than each of the two files beside it), naming the files on each side of each gap with their
/// dates in `clock`, the zone said (the app's Local time / UTC choice, the terminal's `--utc`);
/// and, for a file whose own frames lie far apart in time (the same rule between its stretches
/// of capture), the file and its gaps with their dates.
pub fn apart_warning(files: &[FileInfo], clock: Clock) -> Option<String> {
    let gaps = gaps(files);
    let (between, within): (Vec<&Gap>, Vec<&Gap>) = gaps.iter().partition(|g| g.before != g.after);
    let mut parts: Vec<String> = between_files_warning(files, &between, clock)
        .into_iter()
        .collect();
    let mut by_file: Vec<usize> = within.iter().map(|g| g.before).collect();
    by_file.sort_unstable();
    by_file.dedup();
    for file in by_file {
        let of_file: Vec<&Gap> = within
            .iter()
            .copied()
            .filter(|g| g.before == file)
            .collect();
        parts.push(within_file_warning(files, file, &of_file, clock));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Gaps listed in a warning; the rest are counted.
const GAPS_NAMED: usize = 3;

/// The warning for the long gaps `gaps` within file `file`.
fn within_file_warning(files: &[FileInfo], file: usize, gaps: &[&Gap], clock: Clock) -> String {
    let name = files
        .get(file)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    let named: Vec<String> = gaps
        .iter()
        .take(GAPS_NAMED)
        .map(|g| {
            format!(
                "nothing from {} ({})",
                span(g.ended, g.began, clock),
                crate::report::approx_duration(g.began.second().saturating_sub(g.ended.second()))
            )
        })
        .collect();
    let more = match gaps.len().saturating_sub(GAPS_NAMED) {
        0 => String::new(),
        1 => ", and 1 more gap".to_owned(),
        n => format!(", and {n} more gaps"),
    };
    format!(
        "{name} holds stretches of capture far apart in time, with nothing captured between \
         them: {}{more}. Its first to last packet spans {} (the app's per-second plot leaves \
         {} out, marked by a break); averages count only the time captured.",
        named.join("; "),
        if gaps.len() == 1 {
            "the gap"
        } else {
            "the gaps"
        },
        if gaps.len() == 1 { "it" } else { "them" },
    )
}

/// The warning for the long gaps `gaps` between files.
fn between_files_warning(files: &[FileInfo], gaps: &[&Gap], clock: Clock) -> Option<String> {
    let first = *gaps.first()?;
    let name = |i: usize| {
        files
            .get(i)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    };
    let span = |i: usize| match files.get(i).and_then(|f| Some((f.first_ts?, f.last_ts?))) {
        Some((a, b)) => span(a, b, clock),
        None => String::new(),
    };
    let apart =
        |g: &Gap| crate::report::approx_duration(g.began.second().saturating_sub(g.ended.second()));
    let mut s = format!(
        "files far apart in time were merged into one capture: {} ({}) and {} ({}) lie {} apart, with nothing captured between",
        name(first.before),
        span(first.before),
        name(first.after),
        span(first.after),
        apart(first)
    );
    for g in gaps.iter().skip(1).copied() {
        s.push_str(&format!(
            "; {} and {} ({} apart)",
            name(g.before),
            name(g.after),
            apart(g)
        ));
    }
    s.push_str(
        ". Their first to last packet spans the gap (the app's per-second plot leaves it out, \
         marked by a break); averages count only the time the files cover. If they are not one \
         capture, open them one at a time.",
    );
    Some(s)
}

/// The seconds the files cover together (their time ranges joined), when files lie far apart
/// (see [`apart_warning`]); `None` when they do not, and the capture's first to last second is
/// what they cover.
pub fn covered_seconds(files: &[FileInfo]) -> Option<i64> {
    covered_between(files, i64::MIN, i64::MAX)
}

/// [`covered_seconds`] from second `from` to second `to` only: what an endpoint's average rate
/// is taken over, from its first incident to its last.
pub fn covered_between(files: &[FileInfo], from: i64, to: i64) -> Option<i64> {
    if gaps(files).is_empty() {
        return None;
    }
    let mut covered = 0i64;
    let mut add = |(s, e): (i64, i64)| {
        let (s, e) = (s.max(from), e.min(to));
        if s <= e {
            covered = covered.saturating_add(e.saturating_sub(s).saturating_add(1));
        }
    };
    let mut stretch: Option<(i64, i64)> = None;
    for (_, first, last) in by_time(files) {
        let (a, b) = (first.second(), last.second());
        stretch = match stretch {
            Some((s, e)) if a <= e.saturating_add(1) => Some((s, e.max(b))),
            Some(done) => {
                add(done);
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some(done) = stretch {
        add(done);
    }
    Some(covered.max(1))
}

/// With files far apart in time, takes `o`'s average rate over the time the files cover between
/// its first and last incident, not over the gaps (an offender of the whole capture, or of a
/// time range across a gap); otherwise leaves it as it is.
///
/// Where nothing was captured for a while between them, the seconds it is over are kept
/// ([`Offender::avg_over`]): every place that shows the rate beside its first and last
/// incident says so.
pub fn fit_rate(files: &[FileInfo], o: &mut Offender) {
    let (from, to) = (o.first_seen.second(), o.last_seen.second());
    o.avg_over = None;
    if let Some(covered) = covered_between(files, from, to) {
        o.avg_rate = o.incidents as f64 / covered as f64;
        o.avg_over = (covered < to.saturating_sub(from).saturating_add(1)).then_some(covered);
    }
}

/// [`fit_rate`] for a scan: with files far apart in time, its rate over the time the files
/// cover between its first and last incident, the seconds kept ([`Scan::rate_over`]) where
/// nothing was captured for a while between them.
pub fn fit_scan_rate(files: &[FileInfo], scan: &mut Scan) {
    scan.rate_over = None;
    let (Some(first), Some(last)) = (scan.first_seen, scan.last_seen) else {
        return;
    };
    let (from, to) = (first.second(), last.second());
    if let Some(covered) = covered_between(files, from, to) {
        scan.rate_over = (covered < to.saturating_sub(from).saturating_add(1)).then_some(covered);
    }
}

/// [`fit_scan_rate`] for each of `scans`, and its targets among `offenders` given the fitted
/// scan (a scan is shared, and told apart by its place: [`Arc::ptr_eq`]). Nothing changes
/// where no gap lies within a scan.
pub fn fit_scan_rates(files: &[FileInfo], scans: &mut [Arc<Scan>], offenders: &mut [Offender]) {
    for scan in scans {
        let mut fitted = Scan::clone(scan);
        fit_scan_rate(files, &mut fitted);
        if fitted.rate_over == scan.rate_over {
            continue;
        }
        let fitted = Arc::new(fitted);
        for o in offenders.iter_mut() {
            if o.scan.as_ref().is_some_and(|s| Arc::ptr_eq(s, scan)) {
                o.scan = Some(Arc::clone(&fitted));
            }
        }
        *scan = fitted;
    }
}

/// From `a` to `b` to the minute in `clock`, with the zone: `2026-12-01 15:20 to 16:05 UTC`,
/// `2026-12-01 16:20 to 17:05 UTC+01:00`, the date once when both fall on one day, each time's
/// zone when a clock change falls between them.
fn span(a: Timestamp, b: Timestamp, clock: Clock) -> String {
    let (da, db) = (clock.datetime(a), clock.datetime(b));
    let (za, zb) = (clock.zone(a), clock.zone(b));
    let from = da.format("%Y-%m-%d %H:%M");
    if za != zb {
        format!("{from} {za} to {} {zb}", db.format("%Y-%m-%d %H:%M"))
    } else if da.date_naive() != db.date_naive() {
        format!("{from} to {} {za}", db.format("%Y-%m-%d %H:%M"))
    } else if da.format("%H:%M").to_string() == db.format("%H:%M").to_string() {
        format!("{from} {za}")
    } else {
        format!("{from} to {} {za}", db.format("%H:%M"))
    }
}

/// How long apart two copies of one SYN or RST in two files may be: the two hosts' clocks may
/// differ by seconds (no NTP, a VM's drift) and the path between the capture points adds its
/// delay.
const WINDOW_NANOS: i64 = 60 * Timestamp::NANOS_PER_SEC;
/// SYNs and RSTs, and copied connections, remembered at most each: memory stays bounded under
/// a SYN flood.
const MAX_REMEMBERED: usize = 1 << 16;
/// No file in a slot.
const NONE: u32 = u32::MAX;
/// Files one SYN or RST is counted in: a client's, a firewall's and a server's capture of the
/// same connections, and one more. Two were: a third file's copies were counted again (three
/// captures of one refused connect tried 3 times: "tried 6 times", 6 resets for 3).
const CAPTURE_POINTS: usize = 4;

/// One SYN or RST as seen so far: in which files, how often.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first: Timestamp,
    /// Up to [`CAPTURE_POINTS`] files and how often each had this segment.
    files: [(u32, u32); CAPTURE_POINTS],
}

/// Two files that hold the same traffic, and how much of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pair {
    /// The two files (indices into the capture's files), the one given first first.
    pub files: (usize, usize),
    /// Connections whose SYN both hold (a SYN tried again with the same ISN is one).
    pub connections: u64,
    /// RSTs both hold.
    pub resets: u64,
    /// SYNs, SYN-ACKs and RSTs left out as copies.
    pub packets: u64,
    /// How much later the second file saw the first segment both hold (its clock's difference
    /// plus the path between the two capture points), in nanoseconds; negative: earlier.
    pub offset: i64,
}

/// Finds the SYNs, SYN-ACKs and RSTs that two files both hold and tells which are copies.
///
/// A segment is known by its addresses, ports, sequence and acknowledgment numbers and flags
/// (TTL and checksums change on the way). The k-th time one file has it is a copy when another
/// file has already had it k times, so a client's three tries of a refused connect with one
/// ISN (a Windows client retries so) stay three, however many files hold them. The k-th time is
/// a copy only when the two files cannot be one capture in pieces, one of:
/// - the two files were read at the same time (one began while the other was being read): a
///   rotated set never is, so a SYN retransmitted across a rotation stays;
/// - an IPv4 SYN with the same IP ID: a retransmitted SYN gets a new one (Linux, Windows), a
///   copy keeps it, whatever the two clocks say;
/// - a SYN-ACK or RST of a connection whose SYN in that file was a copy.
///
/// Only SYNs and RSTs are looked at (the reader hashes nothing else); the rest of each
/// connection is in both files (see [`two_points_warnings`]).
#[derive(Debug, Default)]
pub struct TwoPoints {
    seen: HashMap<u64, Seen>,
    order: VecDeque<(Timestamp, u64)>,
    /// The connections (by file, addresses and ports) whose SYN was another file's copy, with
    /// the ISN of that SYN.
    copied: HashMap<u64, u32>,
    copied_order: VecDeque<(Timestamp, u64)>,
    pairs: Vec<Pair>,
}

impl TwoPoints {
    /// True when `p` (read from file `file`) is a SYN, SYN-ACK or RST another file already
    /// gave. Other packets are never copies.
    pub fn is_copy(&mut self, p: &TcpPacket<'_>, file: usize, files: &[FileInfo]) -> bool {
        if !(p.flags.syn() || p.flags.rst()) {
            return false;
        }
        self.expire(p.ts);
        let opening = p.flags.syn() && !p.flags.ack();
        // An IPv4 SYN's IP ID tells a copy from a retransmission; 0 says nothing.
        let ip_id = p.ip_id.filter(|&id| opening && id != 0);
        let key = key(p, ip_id);
        let file32 = u32::try_from(file).unwrap_or(NONE - 1);
        let Some((others, first_time)) = self.count(key, file32, p.ts) else {
            return false;
        };
        let connection = connection_key(p, file);
        let copy = ip_id.is_some() || (!opening && self.copied.contains_key(&connection));
        // Of the files that had it as often, the first that makes it a copy.
        let Some(other) = (others.into_iter())
            .take_while(|&o| o != NONE)
            .map(|o| o as usize)
            .find(|&other| copy || overlap(files, file, other))
        else {
            return false;
        };
        // A connection is its addresses, ports and ISN; a SYN tried again is the same one.
        let new_connection = opening && self.copied.get(&connection) != Some(&p.seq);
        if new_connection && self.copied.insert(connection, p.seq).is_none() {
            self.copied_order.push_back((p.ts, connection));
        }
        let pair = self.pair(file, other);
        if pair.packets == 0 {
            let later = p.ts.0.saturating_sub(first_time.0);
            pair.offset = if file > other { later } else { -later };
        }
        pair.packets += 1;
        pair.connections += u64::from(new_connection);
        pair.resets += u64::from(p.flags.rst());
        true
    }

    /// Counts one more of segment `key` in `file`: when other files have had it at least as
    /// often, those files (in the order they first had it, [`NONE`] after the last) and the
    /// time the segment was first seen.
    fn count(
        &mut self,
        key: u64,
        file: u32,
        ts: Timestamp,
    ) -> Option<([u32; CAPTURE_POINTS], Timestamp)> {
        let seen = self.seen.entry(key).or_insert_with(|| {
            self.order.push_back((ts, key));
            Seen {
                first: ts,
                files: [(NONE, 0); CAPTURE_POINTS],
            }
        });
        // A file past the first CAPTURE_POINTS with it is left alone.
        let mine = seen
            .files
            .iter()
            .position(|&(f, _)| f == file)
            .or_else(|| seen.files.iter().position(|&(f, _)| f == NONE))?;
        seen.files[mine].0 = file;
        seen.files[mine].1 += 1;
        let count = seen.files[mine].1;
        let mut others = [NONE; CAPTURE_POINTS];
        let as_often = (seen.files.iter().enumerate())
            .filter(|&(i, &(f, n))| i != mine && f != NONE && n >= count)
            .map(|(_, &(f, _))| f);
        for (slot, f) in others.iter_mut().zip(as_often) {
            *slot = f;
        }
        (others[0] != NONE).then_some((others, seen.first))
    }

    /// The files that held the same traffic, with how much.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    fn pair(&mut self, a: usize, b: usize) -> &mut Pair {
        let files = (a.min(b), a.max(b));
        let at = match self.pairs.iter().position(|p| p.files == files) {
            Some(at) => at,
            None => {
                self.pairs.push(Pair {
                    files,
                    ..Pair::default()
                });
                self.pairs.len() - 1
            }
        };
        &mut self.pairs[at]
    }

    fn expire(&mut self, now: Timestamp) {
        expire(&mut self.seen, &mut self.order, now);
        expire(&mut self.copied, &mut self.copied_order, now);
    }
}

/// Forgets the entries older than the window, and the oldest beyond the bound.
fn expire<V>(map: &mut HashMap<u64, V>, order: &mut VecDeque<(Timestamp, u64)>, now: Timestamp) {
    while let Some(&(ts, key)) = order.front() {
        let old = now.0.saturating_sub(ts.0) >= WINDOW_NANOS;
        if !old && order.len() < MAX_REMEMBERED {
            break;
        }
        order.pop_front();
        map.remove(&key);
    }
}

/// True when files `a` and `b` were read at the same time: one began while the other was
/// being read.
fn overlap(files: &[FileInfo], a: usize, b: usize) -> bool {
    let began_during =
        |x: usize, y: usize| files.get(x).is_some_and(|f| f.open_at_start.contains(&y));
    began_during(a, b) || began_during(b, a)
}

/// The segments' and connections' hash: a fast one (the reader runs it on every SYN and RST
/// of files given together), with a fixed seed, so that every run finds the same copies.
const HASHER: FixedState = FixedState::with_seed(0x7273_7473_636f_7065);

/// What tells one SYN or RST from another at any capture point: addresses, ports, sequence
/// and acknowledgment numbers, flags, and for an IPv4 SYN its IP ID when given.
fn key(p: &TcpPacket<'_>, ip_id: Option<u16>) -> u64 {
    let mut h = HASHER.build_hasher();
    (p.src, p.dst, p.sport, p.dport, p.seq, ip_id).hash(&mut h);
    let flags = p.flags.0 & (TcpFlags::SYN | TcpFlags::ACK | TcpFlags::RST | TcpFlags::FIN);
    flags.hash(&mut h);
    if p.flags.ack() {
        p.ack.hash(&mut h);
    }
    h.finish()
}

/// One connection in one file, whichever way its packet went.
fn connection_key(p: &TcpPacket<'_>, file: usize) -> u64 {
    let (a, b) = ((p.src, p.sport), (p.dst, p.dport));
    HASHER.hash_one((file, a.min(b), a.max(b)))
}

/// The warning for each pair of files that hold the same traffic.
pub fn two_points_warnings(pairs: &[Pair], files: &[FileInfo]) -> Vec<String> {
    let name = |i: usize| {
        files
            .get(i)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    };
    pairs
        .iter()
        .map(|p| {
            let (a, b) = (name(p.files.0), name(p.files.1));
            let mut both = Vec::new();
            if p.connections > 0 {
                both.push(crate::report::plural(
                    p.connections,
                    "connection (the same SYN: addresses, ports, sequence number)",
                    "connections (the same SYN: addresses, ports, sequence number)",
                ));
            }
            if p.resets > 0 {
                both.push(crate::report::plural(p.resets, "reset", "resets"));
            }
            let offset = p.offset as f64 / 1e9;
            let when = if offset.abs() < 0.0005 {
                "at the same time in both (within 1 ms)".to_string()
            } else {
                format!(
                    "{:.3} s {} in {b} than in {a} (the clocks' difference plus the path between the two capture points)",
                    offset.abs(),
                    if offset > 0.0 { "later" } else { "earlier" }
                )
            };
            format!(
                "{a} and {b} hold the same traffic captured at two points (e.g. client side and server side): {} appear in both, {when}. \
                 Each such SYN, SYN-ACK and reset is counted once ({} copies left out); the other packets of those connections (ACKs, data, FINs) are in both files and count twice among the packets, \
                 and as connections of their own where the two clocks differ by more than a connection lasts. \
                 For exact counts open one file at a time; to see where a reset came from, compare the two.",
                both.join(" and "),
                p.packets
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::path::PathBuf;

    use super::*;
    use crate::decode::BLANK;
    use crate::source::Format;

    const HOUR: i64 = 3600;
    const T0: i64 = 1_700_000_000;

    /// A file read from second `first` to second `last` after T0, begun while `open` were read.
    fn file(name: &str, first: i64, last: i64, open: &[usize]) -> FileInfo {
        FileInfo {
            path: PathBuf::from(name),
            format: Format::Pcap,
            compression: None,
            size: 0,
            bytes_read: 0,
            frames: 1,
            first_ts: Some(Timestamp::from_parts(T0 + first, 0)),
            last_ts: Some(Timestamp::from_parts(T0 + last, 0)),
            open_at_start: open.to_vec(),
            archive: None,
            quiet: QuietSpells::default(),
            steps_back: 0,
            first_step_back: None,
            recorded: None,
            lost: 0,
            simple_packets: 0,
        }
    }

    #[test]
    fn a_rotated_set_and_captures_of_the_same_hour_are_not_apart() {
        // tcpdump -G 3600: each file begins where the one before ended.
        let rotated = [file("a", 0, HOUR, &[]), file("b", HOUR, 2 * HOUR, &[])];
        assert_eq!(apart_warning(&rotated, Clock::Utc), None);
        assert_eq!(covered_seconds(&rotated), None);
        assert!(long_gaps(&rotated).is_empty(), "the plot's axis runs on");
        // Two hosts' captures of the same hour, one host's clock 40 s behind.
        let two_hosts = [
            file("client", 40, HOUR, &[]),
            file("server", 0, HOUR - 40, &[0]),
        ];
        assert_eq!(apart_warning(&two_hosts, Clock::Utc), None);
        assert!(long_gaps(&two_hosts).is_empty());
    }

    /// A break shorter than the captures around it only thins the averages: no warning.
    #[test]
    fn a_break_shorter_than_the_captures_around_it_is_not_apart() {
        let files = [
            file("morning", 0, 4 * HOUR, &[]),
            file("afternoon", 6 * HOUR, 10 * HOUR, &[]),
        ];
        assert_eq!(apart_warning(&files, Clock::Utc), None);
        // Longer than an hour and longer than the files: most of the merged time is empty.
        let files = [
            file("morning", 0, 600, &[]),
            file("evening", 10 * HOUR, 10 * HOUR + 600, &[]),
        ];
        assert!(apart_warning(&files, Clock::Utc).is_some());
        // Longer than the files but not an hour.
        let files = [file("a", 0, 60, &[]), file("b", 1800, 1860, &[])];
        assert_eq!(apart_warning(&files, Clock::Utc), None);
    }

    /// Regression: two captures taken 17 years apart became one capture of "6356.8 days" with
    /// nothing saying so.
    #[test]
    fn captures_years_apart_are_named_with_their_dates() {
        let years = 17 * 365 * 24 * HOUR;
        // Given newest first; a third file continues the newer one (a rotation).
        let files = [
            file("new-1.pcap", years, years + 600, &[]),
            file("old.pcap", 0, 200, &[]),
            file("new-2.pcap", years + 600, years + 900, &[]),
        ];
        let w = apart_warning(&files, Clock::Utc).expect("a warning");
        assert!(
            w.contains("old.pcap (2023-11-14 22:13 to 22:16 UTC) and new-1.pcap (2040-11-09 22:13 to 22:23 UTC) lie 6205.0 days apart"),
            "{w}"
        );
        assert!(w.contains("open them one at a time"), "{w}");
        assert!(
            !w.contains("new-2.pcap"),
            "only the files beside the gap: {w}"
        );
        // In local time, the zone said.
        let local = apart_warning(&files, Clock::Local).expect("a warning");
        let zone = Clock::Local.zone(Timestamp::from_parts(T0, 0));
        assert!(
            zone.starts_with("UTC+") || zone.starts_with("UTC-"),
            "{zone}"
        );
        assert!(
            local.contains(&format!(" {zone}) and new-1.pcap (")),
            "{local}"
        );
        // 201 s of the old capture, 901 s of the new one (one stretch).
        assert_eq!(covered_seconds(&files), Some(201 + 901));
        // The gap the plot leaves out: from the old capture's last packet to the new one's first.
        let gaps: Vec<(i64, i64)> = long_gaps(&files)
            .iter()
            .map(|(a, b)| (a.second() - T0, b.second() - T0))
            .collect();
        assert_eq!(gaps, [(200, years)]);
        // An endpoint from the old capture's 100th second to the new one's 10th.
        let (from, to) = (T0 + 100, T0 + years + 9);
        assert_eq!(covered_between(&files, from, to), Some(101 + 10));
        assert_eq!(covered_between(&files, T0 + 10, T0 + 19), Some(10));
        // Its rate is over those seconds, and says so ([`Offender::avg_over`]); one within a
        // stretch has nothing to say, and a time range's is fitted again.
        let mut o = crate::engine::Offender {
            incidents: 222,
            first_seen: Timestamp::from_parts(from, 0),
            last_seen: Timestamp::from_parts(to, 0),
            ..crate::engine::Offender::blank("10.0.0.1", 80)
        };
        fit_rate(&files, &mut o);
        assert_eq!((o.avg_rate, o.avg_over), (2.0, Some(111)));
        o.first_seen = Timestamp::from_parts(T0 + 10, 0);
        o.last_seen = Timestamp::from_parts(T0 + 19, 0);
        fit_rate(&files, &mut o);
        assert_eq!((o.avg_rate, o.avg_over), (22.2, None));
    }

    fn packet(
        port: u16,
        flags: u16,
        seq: u32,
        ack: u32,
        ip_id: Option<u16>,
        ms: i64,
    ) -> TcpPacket<'static> {
        let (client, server) = (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        );
        let from_client = flags & TcpFlags::RST == 0 && flags & TcpFlags::ACK == 0;
        let (src, dst, sport, dport) = if from_client {
            (client, server, 40_000, port)
        } else {
            (server, client, port, 40_000)
        };
        TcpPacket {
            ts: Timestamp(T0 * Timestamp::NANOS_PER_SEC + ms * 1_000_000),
            src,
            dst,
            sport,
            dport,
            seq,
            ack,
            flags: TcpFlags(flags),
            ip_id,
            ..BLANK
        }
    }

    fn syn(port: u16, isn: u32, ip_id: u16, ms: i64) -> TcpPacket<'static> {
        packet(port, TcpFlags::SYN, isn, 0, Some(ip_id), ms)
    }

    fn refusal(port: u16, isn: u32, ms: i64) -> TcpPacket<'static> {
        packet(
            port,
            TcpFlags::RST | TcpFlags::ACK,
            0,
            isn.wrapping_add(1),
            Some(0),
            ms,
        )
    }

    /// Which of `packets` (file, packet) are copies.
    fn judge(
        files: &[FileInfo],
        packets: &[(usize, TcpPacket<'static>)],
    ) -> (Vec<bool>, Vec<Pair>) {
        let mut t = TwoPoints::default();
        let copies = packets
            .iter()
            .map(|(f, p)| t.is_copy(p, *f, files))
            .collect();
        (copies, t.pairs().to_vec())
    }

    /// A client-side and a server-side capture of a Windows client's three tries of one
    /// refused connect (one ISN, a new IP ID each): each try and each refusal once, so the
    /// diagnosis still sees three tries (not six), whatever the two clocks say.
    #[test]
    fn the_same_refused_tries_in_two_files_count_once_whatever_the_clocks() {
        let overlapping = [file("client", 0, 2, &[]), file("server", 0, 2, &[0])];
        let apart = [file("client", 0, 2, &[]), file("server", 3, 5, &[])];
        for (files, skew) in [(&overlapping, 0), (&apart, 3000)] {
            let mut packets = Vec::new();
            for (i, id) in [100u16, 101, 102].into_iter().enumerate() {
                let ms = i as i64 * 500;
                packets.push((0, syn(110, 7, id, ms)));
                packets.push((0, refusal(110, 7, ms + 1)));
            }
            for (i, id) in [100u16, 101, 102].into_iter().enumerate() {
                let ms = skew + i as i64 * 500;
                packets.push((1, syn(110, 7, id, ms)));
                packets.push((1, refusal(110, 7, ms + 1)));
            }
            let (copies, pairs) = judge(files, &packets);
            assert_eq!(copies, [[false; 6], [true; 6]].concat(), "skew {skew}");
            let pair = &pairs[0];
            assert_eq!(
                (pair.files, pair.connections, pair.resets, pair.packets),
                ((0, 1), 1, 3, 6)
            );
            assert_eq!(pair.offset, skew * 1_000_000);
        }
    }

    /// Regression (real-window trial): three captures of the same traffic (a client's, a
    /// firewall's, a server's) counted the third one's SYNs and resets again: a client's three
    /// tries of a refused connect were "tried 6 times", with 6 resets. Each is counted once,
    /// however many of the files (up to four) hold it.
    #[test]
    fn the_same_refused_tries_in_three_or_four_files_count_once() {
        let files = [
            file("client", 0, 2, &[]),
            file("firewall", 0, 2, &[0]),
            file("server", 0, 2, &[0, 1]),
            file("router", 0, 2, &[0, 1, 2]),
        ];
        let mut packets = Vec::new();
        for (i, id) in [100u16, 101, 102].into_iter().enumerate() {
            let ms = i as i64 * 500;
            for f in 0..4 {
                packets.push((f, syn(110, 7, id, ms)));
                packets.push((f, refusal(110, 7, ms + 1)));
            }
        }
        let (copies, pairs) = judge(&files, &packets);
        let kept: Vec<usize> = (copies.iter().zip(&packets))
            .filter(|(copy, _)| !**copy)
            .map(|(_, (f, _))| *f)
            .collect();
        assert_eq!(kept, [0; 6], "the first file's tries and refusals alone");
        // Each of the others is paired with the first, which had it first.
        let paired: Vec<_> = (pairs.iter())
            .map(|p| (p.files, p.connections, p.resets, p.packets))
            .collect();
        assert_eq!(
            paired,
            [((0, 1), 1, 3, 6), ((0, 2), 1, 3, 6), ((0, 3), 1, 3, 6)]
        );
    }

    /// A rotated set: a SYN retransmitted (a new IP ID) and refused again across the rotation
    /// is a second try, not a copy; and so is an IPv6 SYN (no IP ID) retransmitted across it.
    #[test]
    fn a_retransmission_across_a_rotation_is_no_copy() {
        let rotated = [file("a", 0, 1, &[]), file("b", 1, 2, &[])];
        let v6 = |p: TcpPacket<'static>| TcpPacket {
            src: IpAddr::V6(Ipv6Addr::LOCALHOST),
            dst: IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip_id: None,
            ..p
        };
        let packets = [
            (0, syn(110, 7, 100, 900)),
            (0, refusal(110, 7, 901)),
            (1, syn(110, 7, 101, 1400)),
            (1, refusal(110, 7, 1401)),
            (0, v6(syn(111, 9, 0, 990))),
            (1, v6(syn(111, 9, 0, 1990))),
        ];
        let (copies, pairs) = judge(&rotated, &packets);
        assert_eq!(copies, [false; 6]);
        assert!(pairs.is_empty());
        // The same two files read at the same time: the IPv6 SYN is a copy then.
        let overlapping = [file("a", 0, 2, &[]), file("b", 0, 2, &[0])];
        let (copies, _) = judge(&overlapping, &packets[4..]);
        assert_eq!(copies, [false, true]);
    }

    /// A reset seen in two files that do not overlap, of a connection whose SYN was not a copy
    /// there, stays: nothing says it is the same packet rather than a second reset.
    #[test]
    fn a_reset_alone_in_files_apart_is_no_copy() {
        let apart = [file("a", 0, 2, &[]), file("b", 3, 5, &[])];
        let (copies, _) = judge(
            &apart,
            &[(0, refusal(110, 7, 0)), (1, refusal(110, 7, 3000))],
        );
        assert_eq!(copies, [false, false]);
    }

    #[test]
    fn memory_stays_bounded() {
        let files = [file("a", 0, 2, &[]), file("b", 0, 2, &[0])];
        let mut t = TwoPoints::default();
        for i in 0..(MAX_REMEMBERED as u32 + 1000) {
            t.is_copy(&syn(110, i, 1, 0), 0, &files);
        }
        assert!(t.seen.len() <= MAX_REMEMBERED, "{}", t.seen.len());
        // Older than the window: forgotten.
        t.is_copy(&syn(110, 1, 1, 61_000), 0, &files);
        assert_eq!(t.seen.len(), 1);
    }
}
