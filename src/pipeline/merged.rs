//! Files given together that are not one capture split in pieces: files far apart in time.
//!
//! Files given together are merged in time order. That is right for a rotated set
//! (`tcpdump -C` / `-G`: each file begins where the one before ended) and for captures of the
//! same time on different hosts or interfaces. One case merges into something else:
//!
//! - **Far apart in time**: two captures taken years apart become one capture of years, whose
//!   per-second plot and rates describe mostly nothing. [`apart_warning`] names such gaps and
//!   [`covered_seconds`] gives the time the files do cover, for honest averages.

use chrono::{TimeZone, Utc};

use crate::packet::Timestamp;
use crate::source::FileInfo;

/// A gap between files given together is worth a warning when it is longer than this...
const LONG_GAP_SECS: i64 = 3600;

/// ...and longer than each of the two files on its sides. A rotated set has no gap; a capture
/// restarted after a break shorter than the captures around it merely thins the averages (by
/// at most half); past both bounds most of the merged time holds nothing.
fn is_long_gap(gap_secs: i64, before_secs: i64, after_secs: i64) -> bool {
    gap_secs > LONG_GAP_SECS && gap_secs > before_secs && gap_secs > after_secs
}

/// The files that read a frame, with their times, in the order of their first frame.
fn by_time(files: &[FileInfo]) -> Vec<(usize, Timestamp, Timestamp)> {
    let mut timed: Vec<(usize, Timestamp, Timestamp)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((i, f.first_ts?, f.last_ts?)))
        .collect();
    timed.sort_by_key(|&(i, first, _)| (first, i));
    timed
}

/// A long gap: the file that ends before it, the file that begins after it, their times.
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

/// The warning when files given together lie far apart in time (see [`is_long_gap`]), naming
/// the files on each side of each gap with their dates (UTC, the same in every report).
pub fn apart_warning(files: &[FileInfo]) -> Option<String> {
    let gaps = gaps(files);
    let first = gaps.first()?;
    let name = |i: usize| {
        files
            .get(i)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    };
    let span = |i: usize| match files.get(i).and_then(|f| Some((f.first_ts?, f.last_ts?))) {
        Some((a, b)) => utc_span(a, b),
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
    for g in gaps.iter().skip(1) {
        s.push_str(&format!(
            "; {} and {} ({} apart)",
            name(g.before),
            name(g.after),
            apart(g)
        ));
    }
    s.push_str(
        ". The time axis and the per-second plot run across the gap, and the average rate of an \
         endpoint seen on both sides counts it (the capture's own averages count only the time \
         the files cover). If they are not one capture, open them one at a time.",
    );
    Some(s)
}

/// The seconds the files cover together (their time ranges joined), when files lie far apart
/// (see [`apart_warning`]); `None` when they do not, and the capture's first to last second is
/// what they cover.
pub fn covered_seconds(files: &[FileInfo]) -> Option<i64> {
    if gaps(files).is_empty() {
        return None;
    }
    let mut covered = 0i64;
    let mut stretch: Option<(i64, i64)> = None;
    for (_, first, last) in by_time(files) {
        let (a, b) = (first.second(), last.second());
        stretch = match stretch {
            Some((s, e)) if a <= e + 1 => Some((s, e.max(b))),
            Some((s, e)) => {
                covered = covered.saturating_add(e - s + 1);
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((s, e)) = stretch {
        covered = covered.saturating_add(e - s + 1);
    }
    Some(covered.max(1))
}

/// From `a` to `b` to the minute, UTC: `2026-12-01 15:20 to 16:05 UTC`, the date once when
/// both fall on one day.
fn utc_span(a: Timestamp, b: Timestamp) -> String {
    let at = |ts: Timestamp| Utc.timestamp_opt(ts.second(), 0).single();
    let (Some(a), Some(b)) = (at(a), at(b)) else {
        return format!("{} to {} s", a.second(), b.second());
    };
    let (from, to) = (a.format("%Y-%m-%d %H:%M"), b.format("%H:%M"));
    if a.date_naive() != b.date_naive() {
        format!("{from} to {} UTC", b.format("%Y-%m-%d %H:%M"))
    } else if to.to_string() == a.format("%H:%M").to_string() {
        format!("{from} UTC")
    } else {
        format!("{from} to {to} UTC")
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::source::Format;

    const HOUR: i64 = 3600;
    const T0: i64 = 1_700_000_000;

    /// A file read from second `first` to second `last` after T0, begun while `open` were read.
    fn file(name: &str, first: i64, last: i64, open: &[usize]) -> FileInfo {
        FileInfo {
            path: PathBuf::from(name),
            format: Format::Pcap,
            gzip: false,
            size: 0,
            bytes_read: 0,
            frames: 1,
            first_ts: Some(Timestamp::from_parts(T0 + first, 0)),
            last_ts: Some(Timestamp::from_parts(T0 + last, 0)),
            open_at_start: open.to_vec(),
        }
    }

    #[test]
    fn a_rotated_set_and_captures_of_the_same_hour_are_not_apart() {
        // tcpdump -G 3600: each file begins where the one before ended.
        let rotated = [file("a", 0, HOUR, &[]), file("b", HOUR, 2 * HOUR, &[])];
        assert_eq!(apart_warning(&rotated), None);
        assert_eq!(covered_seconds(&rotated), None);
        // Two hosts' captures of the same hour, one host's clock 40 s behind.
        let two_hosts = [
            file("client", 40, HOUR, &[]),
            file("server", 0, HOUR - 40, &[0]),
        ];
        assert_eq!(apart_warning(&two_hosts), None);
    }

    /// A break shorter than the captures around it only thins the averages: no warning.
    #[test]
    fn a_break_shorter_than_the_captures_around_it_is_not_apart() {
        let files = [
            file("morning", 0, 4 * HOUR, &[]),
            file("afternoon", 6 * HOUR, 10 * HOUR, &[]),
        ];
        assert_eq!(apart_warning(&files), None);
        // Longer than an hour and longer than the files: most of the merged time is empty.
        let files = [
            file("morning", 0, 600, &[]),
            file("evening", 10 * HOUR, 10 * HOUR + 600, &[]),
        ];
        assert!(apart_warning(&files).is_some());
        // Longer than the files but not an hour.
        let files = [file("a", 0, 60, &[]), file("b", 1800, 1860, &[])];
        assert_eq!(apart_warning(&files), None);
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
        let w = apart_warning(&files).expect("a warning");
        assert!(
            w.contains("old.pcap (2023-11-14 22:13 to 22:16 UTC) and new-1.pcap (2040-11-09 22:13 to 22:23 UTC) lie 6205.0 days apart"),
            "{w}"
        );
        assert!(w.contains("open them one at a time"), "{w}");
        assert!(
            !w.contains("new-2.pcap"),
            "only the files beside the gap: {w}"
        );
        // 201 s of the old capture, 901 s of the new one (one stretch).
        assert_eq!(covered_seconds(&files), Some(201 + 901));
    }
}
