//! `/report?since=...`: the agent's analysis cut to a window of recent time.
//!
//! The agent's engine keeps its series
//! ([`Retention::AGENT`](crate::engine::series::Retention::AGENT)) per second for the last
//! five minutes, per minute for the last six hours, and nothing older (counters stay exact). What
//! it keeps in series (resets by cause, failed attempts, suspect-injected resets, each
//! offender's counts) is cut exactly at the window's first second within the per-second part;
//! a window that starts further back starts at the next whole minute, and one that starts more
//! than six hours back starts six hours back (the report's warnings say so). What the engine
//! keeps only as running totals (packets, SYNs, connection attempts, connection states,
//! evictions, frames by link type and by capture interface) is the total now less the total
//! at the window's start, from [`History`](crate::agent::window::History): the running totals
//! as they stood each second for the last hour and each minute for the six hours kept. Clients
//! of an offender stay its total over the whole run, as in the app's time-range selection. A
//! Linux `any` capture's frames by interface index are not kept so: a window has none.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::analysis::Analysis;
use crate::engine::series::{self, Retention};
use crate::engine::{Offender, SecondCounts, Totals};
use crate::packet::Timestamp;
use crate::source::LinkType;

/// Per-second totals kept this long (seconds).
const SECONDS_KEPT: usize = 3600;
/// Per-minute totals kept this long (minutes): as long as the engine's series, and a minute.
const MINUTES_KEPT: usize = 6 * 60 + 1;

/// The most [`History`] holds: its seconds and minutes, each queue with the room it grows to
/// (the next power of two). For the sum of every cap of the agent (tests/agent_memory.rs).
pub const MOST_BYTES: usize =
    crate::room::queue(SECONDS_KEPT + 1, std::mem::size_of::<(i64, Running)>())
        + crate::room::queue(MINUTES_KEPT + 1, std::mem::size_of::<(i64, Running)>());

/// The running totals that have no per-second series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Running {
    /// The engine's totals.
    pub totals: Totals,
    /// Frames analyzed.
    pub frames: u64,
    /// Frames with TCP.
    pub tcp_frames: u64,
    /// Frames without TCP.
    pub other_frames: u64,
    /// Frames by link type (a few: one per kind of interface captured) and, where the capture
    /// has several interfaces (those given with `-i`), by interface; one interface's frames
    /// are `frames`. In one list, so that an entry of the history is no larger for them.
    pub frames_of: Vec<(FramesOf, u64)>,
}

/// What an entry of the running totals' `frames_of` counts the frames of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramesOf {
    /// A link type's.
    LinkType(LinkType),
    /// A capture interface's, by its number ([`crate::source::Frame::interface`]).
    Interface(u32),
}

impl Running {
    /// The running totals of an analysis.
    pub fn of(a: &Analysis) -> Self {
        let c = &a.capture;
        let link_types = (c.link_types.iter()).map(|&(lt, n)| (FramesOf::LinkType(lt), n));
        let several = c.interfaces.len() > 1;
        let interfaces = (0u32..)
            .zip(&c.interfaces)
            .filter(|_| several)
            .map(|(i, &(_, n))| (FramesOf::Interface(i), n));
        Self {
            totals: a.snapshot.totals.clone(),
            frames: c.frames,
            tcp_frames: c.tcp_frames,
            other_frames: c.other_frames,
            frames_of: link_types.chain(interfaces).collect(),
        }
    }

    /// The frames of `of` counted so far (0 where none were).
    fn frames_of(&self, of: FramesOf) -> u64 {
        (self.frames_of.iter())
            .find(|(o, _)| *o == of)
            .map_or(0, |(_, n)| *n)
    }
}

/// Running totals by packet second; see the module documentation. Bounded: an hour of seconds
/// and six hours of minutes.
#[derive(Debug, Default)]
pub struct History {
    seconds: VecDeque<(i64, Running)>,
    minutes: VecDeque<(i64, Running)>,
    /// The first second the agent saw a packet in.
    first: Option<i64>,
}

impl History {
    /// Records the totals of `a` (its last packet's second); one entry per second and minute.
    pub fn record(&mut self, a: &Analysis) {
        let Some(last) = a.snapshot.totals.last_ts else {
            return;
        };
        let second = last.second();
        self.first.get_or_insert(second);
        let running = Running::of(a);
        match self.seconds.back_mut() {
            Some((s, r)) if *s == second => *r = running.clone(),
            Some((s, _)) if *s > second => {}
            _ => self.seconds.push_back((second, running.clone())),
        }
        if self.seconds.len() > SECONDS_KEPT {
            self.seconds.pop_front();
        }
        let minute = second.div_euclid(60);
        match self.minutes.back_mut() {
            Some((m, r)) if *m == minute => *r = running,
            Some((m, _)) if *m > minute => {}
            _ => self.minutes.push_back((minute, running)),
        }
        if self.minutes.len() > MINUTES_KEPT {
            self.minutes.pop_front();
        }
    }

    /// The running totals as they stood before second `from`, and whether the window had to be
    /// moved later because older totals are no longer kept (then the returned second is where
    /// it starts).
    pub fn before(&self, from: i64) -> (Running, Option<i64>) {
        if self.first.is_none_or(|f| from <= f) {
            return (Running::default(), None);
        }
        if let Some(i) = latest_before(&self.seconds, from) {
            return (self.seconds[i].1.clone(), None);
        }
        // Minutes: the entry of a minute holds its last second's totals.
        if let Some(i) = latest_before(&self.minutes, from.div_euclid(60)) {
            return (self.minutes[i].1.clone(), None);
        }
        match (self.minutes.front(), self.seconds.front()) {
            (Some((m, r)), _) => (r.clone(), Some((m + 1) * 60)),
            (None, Some((s, r))) => (r.clone(), Some(s + 1)),
            (None, None) => (Running::default(), None),
        }
    }
}

fn latest_before(entries: &VecDeque<(i64, Running)>, key: i64) -> Option<usize> {
    let n = entries.partition_point(|(k, _)| *k < key);
    (n > 0 && entries.front().is_some_and(|(k, _)| *k < key)).then(|| n - 1)
}

/// `a` cut to the seconds from `from` on; see the module documentation.
pub fn cut(a: &Analysis, from: i64, history: &History) -> Analysis {
    let s = &a.snapshot;
    // Where the series can cut: not before what they keep, on a whole minute where they hold
    // minutes.
    let mut moved = s.kept_from.filter(|&k| from < k);
    let from = moved.unwrap_or(from);
    let from = match s.minutes_before {
        Some(b) if from < b && from.rem_euclid(60) != 0 => series::minute(from) + 60,
        _ => from,
    };
    let (before, history_moved) = history.before(from);
    moved = history_moved.or(moved);
    let from = history_moved.unwrap_or(from);
    let mut out = a.clone();
    let snap = &mut out.snapshot;
    let start = s.series.partition_point(|(sec, _)| *sec < from);
    snap.series = s.series[start..].to_vec();
    let late = s
        .offenders
        .iter()
        .filter(|o| o.counted_from(from).is_some())
        .count();
    let mut offenders: Vec<_> = s
        .offenders
        .iter()
        .filter_map(|o| o.restricted(from, i64::MAX))
        .collect();
    offenders.sort_by(Offender::rank);
    snap.offenders = offenders;

    let t = &mut snap.totals;
    let now = &s.totals;
    let sum = |f: &dyn Fn(&SecondCounts) -> u64| -> u64 { snap_sum(&s.series[start..], f) };
    for (i, r) in t.rst_by_cause.iter_mut().enumerate() {
        *r = sum(&|c| u64::from(c.rst[i]));
    }
    t.rst_packets = t.rst_by_cause.iter().sum();
    t.failed_attempts = sum(&|c| u64::from(c.failed()));
    t.suspect_injected = sum(&|c| u64::from(c.suspect));
    t.late_answers = sum(&|c| u64::from(c.late));
    let b = &before.totals;
    t.tcp_packets = now.tcp_packets.saturating_sub(b.tcp_packets);
    t.syn_packets = now.syn_packets.saturating_sub(b.syn_packets);
    t.synack_packets = now.synack_packets.saturating_sub(b.synack_packets);
    t.attempts = now.attempts.saturating_sub(b.attempts);
    t.evicted = now.evicted.saturating_sub(b.evicted);
    t.time_reversals = now.time_reversals.saturating_sub(b.time_reversals);
    for (i, n) in t.conn_states.iter_mut().enumerate() {
        *n = now.conn_states[i].saturating_sub(b.conn_states[i]);
    }
    let from_ts = Timestamp::from_parts(from, 0);
    if t.first_ts.is_some_and(|f| f < from_ts) {
        t.first_ts = t.last_ts.filter(|l| *l >= from_ts).map(|_| from_ts);
    }
    if t.last_ts.is_some_and(|l| l < from_ts) {
        t.last_ts = None;
    }
    out.capture.frames = a.capture.frames.saturating_sub(before.frames);
    out.capture.tcp_frames = a.capture.tcp_frames.saturating_sub(before.tcp_frames);
    out.capture.other_frames = a.capture.other_frames.saturating_sub(before.other_frames);
    out.capture.not_decoded.clear();
    out.capture.not_decoded_by_file.clear();
    // Frames by link type in the window: what the run counted less what it had before.
    out.capture.link_types = a
        .capture
        .link_types
        .iter()
        .map(|&(lt, n)| {
            (
                lt,
                n.saturating_sub(before.frames_of(FramesOf::LinkType(lt))),
            )
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    // Frames by interface in the window, likewise; one interface's are the window's frames.
    let several = a.capture.interfaces.len() > 1;
    for (i, (_, n)) in (0u32..).zip(out.capture.interfaces.iter_mut()) {
        let had = if several {
            before.frames_of(FramesOf::Interface(i))
        } else {
            before.frames
        };
        *n = n.saturating_sub(had);
    }
    // A Linux `any` capture's frames by interface index are not kept per second (a node has
    // hundreds of interfaces): the window gives none rather than the whole run's.
    out.capture.index_frames.clear();
    out.capture.other_index_frames = 0;
    if moved.is_some() {
        out.capture.warnings.push(kept_note(from));
    }
    if late > 0 {
        out.capture.warnings.push(format!(
            "the window counts {late} endpoint(s) only from their series_from on: they gave \
             up older per-second counts to bound memory"
        ));
    }
    out.capture.warnings.push(
        "a window of the agent's run: counts without a per-second series (packets, SYNs, \
         attempts, connection states) are differences of running totals kept per second \
         (per minute beyond an hour); an offender's clients are over the whole run"
            .to_owned(),
    );
    if let Some(h) = &a.host {
        let mut h = (**h).clone();
        for k in &mut h.kernel {
            let i = k.per_second.partition_point(|(sec, _)| *sec < from);
            k.per_second = k.per_second.from_index(i);
            k.total = k.per_second.iter().map(|(_, n)| n).sum();
        }
        // Coverage compares the whole run; it does not cut.
        h.coverage = None;
        out.host = Some(Arc::new(h));
    }
    out
}

/// The warning of a report whose series start at `from` because older ones are not kept.
pub fn kept_note(from: i64) -> String {
    let r = Retention::AGENT;
    format!(
        "per-second counts start at {from} (Unix time): the agent keeps them per second for \
         the last {} minutes and per minute for the last {} hours, and drops older ones \
         (totals and each endpoint's counts still cover the whole run)",
        r.seconds / 60,
        r.kept.unwrap_or(0) / 3600
    )
}

fn snap_sum(series: &[(i64, SecondCounts)], f: &dyn Fn(&SecondCounts) -> u64) -> u64 {
    series.iter().map(|(_, c)| f(c)).sum()
}

/// `10m`, `1h`, `30s`, `2d` ago, or a Unix time (a number of at least 10^9), or a bare number
/// of seconds ago; as a Unix second, given the time `now` (Unix seconds). A Unix time after
/// `now` is refused: its window would be empty, and an empty report reads as a quiet host. So
/// is a duration of 0 (`since=0` is the last 0 seconds, not "since the start"): a window is at
/// least a second.
pub fn parse_since(s: &str, now: i64) -> Result<i64, String> {
    let t = s.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("since={s:?}: give a duration (30s, 10m, 1h, 2d) or a Unix time"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!(
            "since={s:?}: give a duration of 1s or more (30s, 10m, 1h, 2d) or a Unix time"
        ));
    }
    let secs = match unit {
        "" if n >= 1e9 && n as i64 > now => {
            return Err(format!(
                "since={s:?} is after this machine's time ({now}): give a time before it, or \
                 a duration (30s, 10m, 1h, 2d)"
            ));
        }
        "" if n >= 1e9 => return Ok(n as i64),
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => {
            return Err(format!(
                "since={s:?}: unknown unit {unit:?} (use s, m, h or d)"
            ));
        }
    };
    if secs == 0.0 {
        return Err(format!(
            "since={s:?}: a window of 0 seconds holds nothing: give a duration of 1s or more \
             (30s, 10m, 1h, 2d) or a Unix time not after this machine's ({now}); without \
             since, the whole run"
        ));
    }
    Ok(now.saturating_sub(secs.ceil() as i64))
}

#[cfg(test)]
mod tests;
