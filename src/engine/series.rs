//! Per-second counts whose memory does not grow with the length of the capture: once more
//! than [`FOLD_AFTER_SECONDS`](crate::engine::series::FOLD_AFTER_SECONDS) seconds hold something, the seconds older than the last
//! [`SECOND_RESOLUTION_SECS`](crate::engine::series::SECOND_RESOLUTION_SECS) of packet time are folded into whole minutes (keyed by the
//! minute's first second), and so on as more come. A sparse capture, however long, keeps every
//! second (its per-second counts equal tshark's). Sums stay exact; the busiest second of the
//! folded part is remembered apart, so peaks stay exact too.
//!
//! A week of seconds with incidents at one endpoint took 600,000 entries (about 40 MB, copied
//! into every snapshot); folded, it takes at most 7,200 seconds and 10,080 minutes.

use std::collections::BTreeMap;

use super::SecondCounts;

/// Packet time kept at one-second resolution, counted back from the latest packet.
pub const SECOND_RESOLUTION_SECS: i64 = 3600;
/// One-second entries the global series may hold before its older seconds are folded (the
/// endpoints' series never hold more seconds than the global one).
pub const FOLD_AFTER_SECONDS: usize = 2 * SECOND_RESOLUTION_SECS as usize;

/// The first second of the minute holding `second`.
pub fn minute(second: i64) -> i64 {
    second.div_euclid(60) * 60
}

/// The key of `second` in a series whose seconds before `minutes_before` are folded.
pub fn key(second: i64, minutes_before: Option<i64>) -> i64 {
    match minutes_before {
        Some(b) if second < b => minute(second),
        _ => second,
    }
}

/// Where folding the seconds before `now - seconds` puts the boundary: the minute at or
/// before it.
pub fn boundary(now: i64, seconds: i64) -> i64 {
    minute(now.saturating_sub(seconds))
}

/// How much of the per-second counts a series keeps, and at what resolution.
///
/// The default suits a capture read or watched once: every second while few seconds hold
/// something, the last hour per second and older time per minute past that, nothing
/// dropped. A process that runs for weeks (`rstscope agent`) needs a bound by design rather
/// than by the capture's length: [`Retention::AGENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Packet time kept at one-second resolution, counted back from the latest packet.
    pub seconds: i64,
    /// One-second entries the global series may hold before older seconds are folded into
    /// minutes; `None`: fold as soon as a second leaves the window (at every endpoint too,
    /// whether the global series holds anything or not).
    pub fold_after: Option<usize>,
    /// Packet time kept at all, counted back from the latest packet; whole minutes older
    /// than that are dropped from every series (global and per endpoint). Counters and
    /// peaks stay exact: they are kept apart from the series. `None`: nothing is dropped.
    pub kept: Option<i64>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            seconds: SECOND_RESOLUTION_SECS,
            fold_after: Some(FOLD_AFTER_SECONDS),
            kept: None,
        }
    }
}

impl Retention {
    /// The agent's: seconds for the last five minutes (the window its ranking of endpoints
    /// uses), minutes for the last six hours, nothing older. A busy endpoint's series holds at
    /// most 300 + 60 seconds and 360 minutes, however long the agent runs; the monitoring
    /// system that scrapes it keeps the long history.
    pub const AGENT: Retention = Retention {
        seconds: 300,
        fold_after: None,
        kept: Some(6 * 3600),
    };

    /// The first second still kept when the latest packet is at `now` (a minute boundary),
    /// or `None` when nothing is dropped.
    pub fn kept_from(&self, now: i64) -> Option<i64> {
        self.kept.map(|k| minute(now.saturating_sub(k)))
    }
}

/// Drops the entries of `series` before `from`, calling `each` with each one dropped.
/// Returns whether anything was dropped.
pub fn drop_before(
    series: &mut BTreeMap<i64, SecondCounts>,
    from: i64,
    mut each: impl FnMut(&SecondCounts),
) -> bool {
    if series.first_key_value().is_none_or(|(&k, _)| k >= from) {
        return false;
    }
    let kept = series.split_off(&from);
    for c in series.values() {
        each(c);
    }
    *series = kept;
    true
}

/// The busiest second seen, the earliest of equals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Peak(pub Option<(i64, u32)>);

impl Peak {
    /// Offers `n` at `second`; seconds must come in time order for "earliest" to hold.
    pub fn offer(&mut self, second: i64, n: u32) {
        if n > 0 && self.0.is_none_or(|(_, best)| n > best) {
            self.0 = Some((second, n));
        }
    }

    /// The higher of two, the earlier on a tie.
    pub fn max(self, other: Peak) -> Peak {
        match (self.0, other.0) {
            (Some(a), Some(b)) if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) => other,
            (Some(_), _) => self,
            _ => other,
        }
    }
}

/// Folds the seconds of `series` from `from` (a minute boundary; `None`: the start) up to
/// `to` into minutes, calling `each` with every second folded, in time order. Returns whether
/// anything moved.
pub fn fold(
    series: &mut BTreeMap<i64, SecondCounts>,
    from: Option<i64>,
    to: i64,
    mut each: impl FnMut(i64, &SecondCounts),
) -> bool {
    let from = from.unwrap_or(i64::MIN);
    if from >= to {
        return false;
    }
    let seconds: Vec<i64> = series.range(from..to).map(|(&s, _)| s).collect();
    for &s in &seconds {
        let Some(c) = series.remove(&s) else {
            continue;
        };
        each(s, &c);
        add(series.entry(minute(s)).or_default(), &c);
    }
    !seconds.is_empty()
}

/// Adds `c` into `into`.
pub fn add(into: &mut SecondCounts, c: &SecondCounts) {
    for (t, n) in into.rst.iter_mut().zip(c.rst) {
        *t = t.saturating_add(n);
    }
    for (t, n) in into.failed_by.iter_mut().zip(c.failed_by) {
        *t = t.saturating_add(n);
    }
    into.failed = into.failed.saturating_add(c.failed);
    into.suspect = into.suspect.saturating_add(c.suspect);
    into.incidents = into.incidents.saturating_add(c.incidents);
    into.completed = into.completed.saturating_add(c.completed);
    into.rst_from_server = into.rst_from_server.saturating_add(c.rst_from_server);
    into.refusal_retries = into.refusal_retries.saturating_add(c.refusal_retries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(incidents: u32) -> SecondCounts {
        SecondCounts {
            incidents,
            failed: incidents,
            failed_by: [incidents, 0, 0],
            ..SecondCounts::default()
        }
    }

    #[test]
    fn seconds_fold_into_their_minutes_with_exact_sums_and_the_peak_apart() {
        let mut s: BTreeMap<i64, SecondCounts> = (0..180).map(|i| (i, one(1))).collect();
        s.insert(61, one(5));
        let mut peak = Peak::default();
        assert!(fold(&mut s, None, 120, |sec, c| peak.offer(sec, c.incidents)));
        let keys: Vec<i64> = s.keys().copied().take(3).collect();
        assert_eq!(keys, [0, 60, 120]);
        assert_eq!(s[&0].incidents, 60);
        assert_eq!(s[&60].incidents, 64);
        assert_eq!(s[&120].incidents, 1, "a second after the boundary stays");
        assert_eq!(s.len(), 2 + 60);
        assert_eq!(peak, Peak(Some((61, 5))));
        // Folding again from the boundary leaves the minutes alone.
        assert!(fold(&mut s, Some(120), 180, |_, _| {}));
        assert_eq!(s.len(), 3);
        assert_eq!(s.values().map(|c| c.incidents).sum::<u32>(), 184);
        assert_eq!(key(59, Some(120)), 0);
        assert_eq!(key(-1, Some(0)), -60);
        assert_eq!(key(130, Some(120)), 130);
    }

    #[test]
    fn peaks_prefer_the_earlier_of_equals() {
        let a = Peak(Some((10, 3)));
        assert_eq!(a.max(Peak(Some((5, 3)))), Peak(Some((5, 3))));
        assert_eq!(a.max(Peak(Some((20, 3)))), a);
        assert_eq!(a.max(Peak(Some((20, 4)))), Peak(Some((20, 4))));
        assert_eq!(Peak::default().max(a), a);
    }
}
