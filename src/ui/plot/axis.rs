//! The plot's time axis: packet seconds to plot x and back. Files given together that lie far
//! apart in time (the long gaps of [`crate::pipeline::merged::long_gaps`]) are drawn as
//! stretches side by side, each gap left out and shown as a narrow break, so that a day's
//! capture and the next day's are both readable; without such gaps x is the packet second
//! itself, and the plot is what it always was.

use crate::report;

/// The share of the time the files cover that a break takes on the axis: narrow, but wide
/// enough to see and to carry its label.
const BREAK_SHARE: f64 = 0.05;

/// One covered stretch of time: its seconds and where they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    /// First second.
    pub from: i64,
    /// Last second (inclusive).
    pub to: i64,
    /// Packet second minus plot x in this stretch (`x = second - shift`): whole seconds, so
    /// that buckets and grid lines of a stretch fall on whole seconds of x too.
    pub shift: i64,
}

impl Stretch {
    /// The x where the stretch begins.
    pub fn x_from(&self) -> f64 {
        (self.from - self.shift) as f64
    }

    /// The x where its last second ends.
    pub fn x_end(&self) -> f64 {
        (self.to + 1 - self.shift) as f64
    }
}

/// A long gap between two stretches, as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    /// Where the stretch before it ends and the one after it begins, in x.
    pub x: (f64, f64),
    /// The second of the last packet before it.
    pub ended: i64,
    /// The second of the first packet after it.
    pub began: i64,
}

impl Break {
    /// Its length, as the warning about files far apart tells it: from the last packet before
    /// it to the first after it.
    pub fn secs(&self) -> i64 {
        self.began - self.ended
    }

    /// `6205.0 days gap`, in the words the warning uses for the same gap.
    pub fn label(&self) -> String {
        format!("{} gap", report::approx_duration(self.secs()))
    }
}

/// Packet time on the plot's x axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeAxis {
    /// In time order; at least one.
    stretches: Vec<Stretch>,
}

impl TimeAxis {
    /// The axis of a capture from second `first` to second `last` with the long gaps `gaps`
    /// (the last second before each and the first after it, in time order).
    pub fn new(first: i64, last: i64, gaps: &[(i64, i64)]) -> Self {
        let mut bounds = Vec::with_capacity(gaps.len() + 1);
        let mut from = first;
        for &(ended, began) in gaps {
            // A gap outside the capture's seconds, or out of order, leaves the axis plain there.
            if ended < from || began <= ended + 1 || began > last {
                continue;
            }
            bounds.push((from, ended));
            from = began;
        }
        bounds.push((from, last.max(from)));
        let covered: i64 = bounds.iter().map(|(a, b)| b - a + 1).sum();
        let width = ((covered as f64 * BREAK_SHARE).ceil() as i64).max(1);
        let mut stretches: Vec<Stretch> = Vec::with_capacity(bounds.len());
        for (from, to) in bounds {
            let shift = match stretches.last() {
                Some(before) => from - (before.to + 1 - before.shift + width),
                None => 0,
            };
            stretches.push(Stretch { from, to, shift });
        }
        Self { stretches }
    }

    /// True when x is the packet second itself (no gap left out).
    pub fn is_plain(&self) -> bool {
        self.stretches.len() == 1
    }

    /// The covered stretches, in time order.
    pub fn stretches(&self) -> &[Stretch] {
        &self.stretches
    }

    /// The breaks between the stretches, in time order.
    pub fn breaks(&self) -> impl Iterator<Item = Break> + '_ {
        self.stretches.windows(2).map(|w| Break {
            x: (w[0].x_end(), w[1].x_from()),
            ended: w[0].to,
            began: w[1].from,
        })
    }

    /// The x of packet time `t` (seconds, fractions allowed). Inside a gap (no packet is
    /// there, but a view or a selection may end there) time runs through the break at the
    /// break's pace, so that the mapping stays one to one.
    pub fn x(&self, t: f64) -> f64 {
        let k = self
            .stretches
            .partition_point(|s| s.from as f64 <= t)
            .saturating_sub(1);
        let s = self.stretches[k];
        match self.stretches.get(k + 1) {
            Some(next) if t > (s.to + 1) as f64 => {
                let (t0, t1) = ((s.to + 1) as f64, next.from as f64);
                let (x0, x1) = (s.x_end(), next.x_from());
                x0 + (t - t0) / (t1 - t0).max(1.0) * (x1 - x0)
            }
            _ => t - s.shift as f64,
        }
    }

    /// The packet time (seconds) at `x`: the inverse of [`TimeAxis::x`].
    pub fn time(&self, x: f64) -> f64 {
        let k = self
            .stretches
            .partition_point(|s| s.x_from() <= x)
            .saturating_sub(1);
        let s = self.stretches[k];
        match self.stretches.get(k + 1) {
            Some(next) if x > s.x_end() => {
                let (t0, t1) = ((s.to + 1) as f64, next.from as f64);
                let (x0, x1) = (s.x_end(), next.x_from());
                t0 + (x - x0) / (x1 - x0).max(f64::MIN_POSITIVE) * (t1 - t0)
            }
            _ => x + s.shift as f64,
        }
    }

    /// The whole packet second at `x`.
    pub fn second(&self, x: f64) -> i64 {
        self.time(x).floor() as i64
    }

    /// The break at `x`, if any.
    pub fn break_at(&self, x: f64) -> Option<Break> {
        self.breaks().find(|b| b.x.0 < x && x < b.x.1)
    }

    /// The first and the last second of the capture.
    pub fn seconds(&self) -> (i64, i64) {
        let first = self.stretches.first().map_or(0, |s| s.from);
        (first, self.stretches.last().map_or(first, |s| s.to))
    }

    /// The seconds of `from..=to` that lie in the gaps left out of the axis (none before the
    /// first second or after the last: those are no gap between files).
    pub fn left_out(&self, from: i64, to: i64) -> i64 {
        self.breaks()
            .map(|b| (to.min(b.began - 1) - from.max(b.ended + 1) + 1).max(0))
            .sum()
    }

    /// The seconds of `from..=to` that the stretches cover (a range across a break counts
    /// both sides, not the gap).
    pub fn covered(&self, from: i64, to: i64) -> i64 {
        self.stretches
            .iter()
            .map(|s| (to.min(s.to) - from.max(s.from) + 1).max(0))
            .sum()
    }

    /// The part of `from..=to` in each stretch.
    pub fn pieces(&self, from: i64, to: i64) -> impl Iterator<Item = Piece> + '_ {
        let last = self.stretches.len() - 1;
        self.stretches.iter().enumerate().filter_map(move |(i, s)| {
            // The first and last stretch reach out as far as asked (a plain axis is one)...
            let lo = if i == 0 { from } else { from.max(s.from) };
            let hi = if i == last { to } else { to.min(s.to) };
            // ...and each owns the seconds up to the middle of the gaps beside it: a second
            // kept as part of a minute, keyed by the minute's first second, may lie before
            // its stretch.
            let middle = |a: &Stretch, b: &Stretch| a.to + (b.from - a.to) / 2;
            let owns = (
                i.checked_sub(1)
                    .map_or(i64::MIN, |k| middle(&self.stretches[k], s) + 1),
                self.stretches
                    .get(i + 1)
                    .map_or(i64::MAX, |next| middle(s, next)),
            );
            (lo <= hi).then_some(Piece {
                stretch: *s,
                from: lo,
                to: hi,
                owns,
            })
        })
    }
}

/// The part of a range of seconds in one stretch of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// The stretch.
    pub stretch: Stretch,
    /// First and last second of the range in it.
    pub from: i64,
    /// Last second.
    pub to: i64,
    /// The seconds the stretch counts as its own, gaps' halves included (first and last).
    pub owns: (i64, i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    const YEARS: i64 = 6205 * 86_400;

    /// Two one-second captures 6205 days apart (tests/cli.rs's years apart, in seconds).
    fn years_apart() -> TimeAxis {
        TimeAxis::new(1000, 1000 + YEARS, &[(1000, 1000 + YEARS)])
    }

    #[test]
    fn without_gaps_x_is_the_packet_second() {
        let axis = TimeAxis::new(100, 200, &[]);
        assert!(axis.is_plain());
        for t in [50.0, 100.0, 150.5, 201.0, 900.0] {
            assert_eq!(axis.x(t), t);
            assert_eq!(axis.time(t), t);
        }
        assert_eq!(axis.breaks().count(), 0);
        assert_eq!(axis.covered(90, 109), 10);
        let pieces: Vec<_> = axis.pieces(50, 300).map(|p| (p.from, p.to)).collect();
        assert_eq!(pieces, [(50, 300)]);
    }

    #[test]
    fn a_long_gap_becomes_a_narrow_break_between_stretches_side_by_side() {
        let axis = years_apart();
        assert!(!axis.is_plain());
        // Two covered seconds: the break takes one (at least a second).
        let s = axis.stretches();
        assert_eq!((s[0].from, s[0].to, s[0].shift), (1000, 1000, 0));
        assert_eq!((s[1].from, s[1].to), (1000 + YEARS, 1000 + YEARS));
        let breaks: Vec<Break> = axis.breaks().collect();
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].x, (1001.0, 1002.0));
        assert_eq!(breaks[0].label(), "6205.0 days gap");
        // The first stretch keeps its seconds; the second follows the break.
        assert_eq!(axis.x(1000.5), 1000.5);
        assert_eq!(axis.x((1000 + YEARS) as f64), 1002.0);
        assert_eq!(axis.x((1000 + YEARS) as f64 + 0.25), 1002.25);
        assert_eq!(axis.second(1002.7), 1000 + YEARS);
        assert_eq!(axis.second(1000.7), 1000);
        assert_eq!(axis.break_at(1001.5).map(|b| b.began), Some(1000 + YEARS));
        assert_eq!(axis.break_at(1002.5), None, "the second stretch");
        // Back and forth, in the stretches, the break (the gap's time) and beyond the ends.
        for x in [
            990.0, 1000.0, 1000.9, 1001.0, 1001.5, 1002.0, 1002.9, 1010.0,
        ] {
            let back = axis.x(axis.time(x));
            assert!((back - x).abs() < 1e-6, "{x} -> {back}");
        }
        // Half way through the break is half way through the gap.
        let mid = axis.time(1001.5);
        assert!((mid - (1000.5 + YEARS as f64 / 2.0)).abs() < 1.0, "{mid}");
        // A range across the break covers both sides' seconds, not the years between.
        assert_eq!(axis.covered(1000, 1000 + YEARS), 2);
        assert_eq!(axis.covered(1001, 999 + YEARS), 0);
        let pieces: Vec<_> = axis
            .pieces(900, 2000 + YEARS)
            .map(|p| (p.from, p.to))
            .collect();
        assert_eq!(pieces, [(900, 1000), (1000 + YEARS, 2000 + YEARS)]);
        // Each stretch counts the seconds up to the gap's middle as its own.
        let owns: Vec<_> = axis.pieces(900, 2000 + YEARS).map(|p| p.owns).collect();
        let middle = 1000 + YEARS / 2;
        assert_eq!(owns, [(i64::MIN, middle), (middle + 1, i64::MAX)]);
    }

    #[test]
    fn the_break_is_a_twentieth_of_the_covered_time() {
        // An hour yesterday and an hour today: 7200 covered seconds, a 360 s break.
        let day = 86_400;
        let axis = TimeAxis::new(0, day + 3599, &[(3599, day)]);
        let b: Vec<Break> = axis.breaks().collect();
        assert_eq!(b[0].x, (3600.0, 3960.0));
        assert_eq!(b[0].label(), "23.0 h gap", "from 00:59:59 to 24:00:00");
        assert_eq!(axis.x(day as f64), 3960.0);
        assert_eq!(axis.x((day + 3599) as f64), 3960.0 + 3599.0);
        assert_eq!(axis.covered(0, day + 3599), 7200);
    }

    #[test]
    fn three_stretches_keep_their_order_and_breaks() {
        let day = 86_400;
        let axis = TimeAxis::new(0, 2 * day + 99, &[(99, day), (day + 99, 2 * day)]);
        let xs: Vec<f64> = [0, 99, day, day + 99, 2 * day, 2 * day + 99]
            .iter()
            .map(|&t| axis.x(t as f64))
            .collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        assert_eq!(axis.breaks().count(), 2);
        assert_eq!(axis.covered(0, 2 * day + 99), 300);
    }
}
