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
use std::sync::Arc;

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
    into.suspect = into.suspect.saturating_add(c.suspect);
    into.incidents = into.incidents.saturating_add(c.incidents);
    into.completed = into.completed.saturating_add(c.completed);
    into.rst_from_server = into.rst_from_server.saturating_add(c.rst_from_server);
    into.refusal_retries = into.refusal_retries.saturating_add(c.refusal_retries);
    into.dropped = into.dropped.saturating_add(c.dropped);
    into.late = into.late.saturating_add(c.late);
}

/// One entry of an endpoint's series: a second (or a folded minute, keyed by its first
/// second) and its counts.
pub type Entry = (i64, SecondCounts);

/// Folded minutes sealed into one shared chunk of an endpoint's series: a snapshot shares the
/// sealed chunks instead of copying them, so what each update copies is the open tail only
/// (the last seconds and fewer than this many minutes), not six hours of minutes.
pub const CHUNK_MINUTES: usize = 16;

/// An endpoint's series as snapshots hold it: [`Shared`] entries.
pub type SharedSeries = Shared<Entry>;

/// A series as snapshots hold it: entries in time order, in immutable chunks shared with
/// whoever keeps the series up to date and with earlier snapshots. Reads like a slice (`len`,
/// `iter`, `partition_point`, indexing); [`Shared::range`] stands for slicing.
///
/// Before, each snapshot after a change copied an endpoint's whole series (up to 660 entries
/// of 64 bytes with the agent's retention) and each kernel counter's points (21,600 after six
/// hours): five snapshots a second allocated megabytes a second in blocks that grew a little
/// every minute, and the allocator's heap kept about three times the series' own growth.
#[derive(Clone)]
pub struct Shared<T> {
    chunks: Vec<Arc<[T]>>,
    len: usize,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Shared<T> {
    /// The series of `chunks`, in time order; empty chunks are left out.
    pub fn of_chunks(chunks: impl IntoIterator<Item = Arc<[T]>>) -> Self {
        let chunks: Vec<Arc<[T]>> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let len = chunks.iter().map(|c| c.len()).sum();
        Self { chunks, len }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries in time order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The entries from index `range.start` to `range.end` (excluded), as slicing would give
    /// them.
    pub fn range(
        &self,
        range: impl std::ops::RangeBounds<usize>,
    ) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        use std::ops::Bound;
        let lo = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i + 1,
            Bound::Unbounded => 0,
        };
        let hi = match range.end_bound() {
            Bound::Included(&i) => i + 1,
            Bound::Excluded(&i) => i,
            Bound::Unbounded => self.len,
        }
        .min(self.len);
        // The pieces first, so that the iterator runs from either end.
        let mut at = 0;
        let pieces: Vec<&[T]> = (self.chunks.iter())
            .filter_map(|c| {
                let (start, end) = (at, at + c.len());
                at = end;
                let (a, b) = (lo.clamp(start, end) - start, hi.clamp(start, end) - start);
                (a < b).then(|| &c[a..b])
            })
            .collect();
        pieces.into_iter().flatten()
    }

    /// The entry at `i`.
    pub fn get(&self, mut i: usize) -> Option<&T> {
        for c in &self.chunks {
            if i < c.len() {
                return c.get(i);
            }
            i -= c.len();
        }
        None
    }

    /// The first entry.
    pub fn first(&self) -> Option<&T> {
        self.chunks.first().and_then(|c| c.first())
    }

    /// The last entry.
    pub fn last(&self) -> Option<&T> {
        self.chunks.last().and_then(|c| c.last())
    }

    /// The index of the first entry for which `pred` is false (entries for which it is true
    /// all come first), as [`slice::partition_point`].
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let mut at = 0;
        for c in &self.chunks {
            let n = c.partition_point(&mut pred);
            at += n;
            if n < c.len() {
                break;
            }
        }
        at
    }

    /// Binary searches for the entry whose key is `key`, as [`slice::binary_search_by_key`].
    pub fn binary_search_by_key<K: Ord>(
        &self,
        key: &K,
        mut f: impl FnMut(&T) -> K,
    ) -> Result<usize, usize> {
        let i = self.partition_point(|e| f(e) < *key);
        match self.get(i) {
            Some(e) if f(e) == *key => Ok(i),
            _ => Err(i),
        }
    }

    /// Whether the two hold the very same chunks: nothing was copied from one to the other.
    pub fn shares_all(&self, other: &Shared<T>) -> bool {
        self.chunks.len() == other.chunks.len()
            && self
                .chunks
                .iter()
                .zip(&other.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }

    /// Each chunk's address and size in bytes, so that a count of the memory held by many
    /// series counts a chunk they share once.
    pub fn chunks(&self) -> impl Iterator<Item = (*const T, usize)> + '_ {
        self.chunks
            .iter()
            .map(|c| (c.as_ptr(), std::mem::size_of_val::<[T]>(c)))
    }
}

impl<T: Copy> Shared<T> {
    /// A copy of the entries.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().copied().collect()
    }

    /// The entries from index `from` on, sharing the chunks after the one it falls in.
    pub fn from_index(&self, from: usize) -> Self {
        let mut skip = from;
        let mut chunks = Vec::with_capacity(self.chunks.len());
        for c in &self.chunks {
            if skip >= c.len() {
                skip -= c.len();
            } else if skip > 0 {
                chunks.push(Arc::from(&c[skip..]));
                skip = 0;
            } else {
                chunks.push(Arc::clone(c));
            }
        }
        Self::of_chunks(chunks)
    }
}

impl<T> std::ops::Index<usize> for Shared<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(e) => e,
            None => panic!("series index {i} out of range for length {}", self.len),
        }
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(v: Vec<T>) -> Self {
        Self::of_chunks([Arc::from(v)])
    }
}

impl<T: Clone> From<&[T]> for Shared<T> {
    fn from(v: &[T]) -> Self {
        Self::of_chunks([Arc::from(v)])
    }
}

impl<T> FromIterator<T> for Shared<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = Box<dyn DoubleEndedIterator<Item = &'a T> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Points appended in time order, sealed into shared chunks of `N` as they fill, so that a
/// snapshot ([`Appended::share`]) copies fewer than `N` of them, however many are kept: the
/// kernel counters' per-second points (21,600 each over the agent's six hours).
#[derive(Debug, Clone)]
pub struct Appended<T, const N: usize> {
    sealed: Vec<Arc<[T]>>,
    sealed_len: usize,
    open: Vec<T>,
}

impl<T, const N: usize> Default for Appended<T, N> {
    fn default() -> Self {
        Self {
            sealed: Vec::new(),
            sealed_len: 0,
            open: Vec::new(),
        }
    }
}

impl<T: Copy, const N: usize> Appended<T, N> {
    /// Points held.
    pub fn len(&self) -> usize {
        self.sealed_len + self.open.len()
    }

    /// Whether it holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first point.
    pub fn first(&self) -> Option<&T> {
        self.sealed
            .first()
            .and_then(|c| c.first())
            .or(self.open.first())
    }

    /// The latest point, to change in place (points before it are sealed or about to be).
    pub fn last_mut(&mut self) -> Option<&mut T> {
        if self.open.is_empty()
            && let Some(c) = self.sealed.pop()
        {
            self.sealed_len -= c.len();
            self.open = c.to_vec();
        }
        self.open.last_mut()
    }

    /// Appends `p` (after every point held).
    pub fn push(&mut self, p: T) {
        if self.open.len() >= N {
            self.sealed.push(Arc::from(self.open.as_slice()));
            self.sealed_len += self.open.len();
            self.open.clear();
        }
        self.open.push(p);
    }

    /// The points in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.sealed.iter().flat_map(|c| c.iter()).chain(&self.open)
    }

    /// How many points come before the first for which `pred` is false.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let mut at = 0;
        for c in self.sealed.iter().map(|c| &c[..]).chain([&self.open[..]]) {
            let n = c.partition_point(&mut pred);
            at += n;
            if n < c.len() {
                break;
            }
        }
        at
    }

    /// Drops the first `n` points, calling `each` with each.
    pub fn drop_first(&mut self, mut n: usize, mut each: impl FnMut(&T)) {
        while n > 0 {
            let Some(c) = self.sealed.first_mut() else {
                let n = n.min(self.open.len());
                self.open.drain(..n).for_each(|p| each(&p));
                return;
            };
            if n >= c.len() {
                n -= c.len();
                self.sealed_len -= c.len();
                c.iter().for_each(&mut each);
                self.sealed.remove(0);
            } else {
                c[..n].iter().for_each(&mut each);
                self.sealed_len -= n;
                *c = Arc::from(&c[n..]);
                return;
            }
        }
    }

    /// The points as a snapshot holds them: the sealed chunks shared, the open ones copied.
    pub fn share(&self) -> Shared<T> {
        Shared::of_chunks(
            self.sealed
                .iter()
                .cloned()
                .chain(std::iter::once(Arc::from(self.open.as_slice()))),
        )
    }
}

/// An endpoint's series as the engine keeps it: folded minutes sealed into shared chunks of
/// [`CHUNK_MINUTES`], then an open tail (the latest minutes and the seconds) that changes.
/// Entries are in time order across both.
#[derive(Debug, Clone, Default)]
pub struct ChunkedSeries {
    sealed: Vec<Arc<[Entry]>>,
    sealed_len: usize,
    open: Vec<Entry>,
}

impl ChunkedSeries {
    /// Entries held.
    pub fn len(&self) -> usize {
        self.sealed_len + self.open.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first entry.
    pub fn first(&self) -> Option<&Entry> {
        self.sealed
            .first()
            .and_then(|c| c.first())
            .or(self.open.first())
    }

    /// The entries in time order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.sealed.iter().flat_map(|c| c.iter()).chain(&self.open)
    }

    /// The open tail: the entries after the sealed chunks.
    pub fn open(&self) -> &[Entry] {
        &self.open
    }

    /// The counts at `key`, made (zero) when the series has no entry there; `made` is told
    /// whether it did. Nearly always the latest entry or a new one after it.
    pub fn at(&mut self, key: i64, made: &mut bool) -> &mut SecondCounts {
        let open_from = self.open.first().map(|&(k, _)| k);
        let in_sealed = self
            .sealed
            .last()
            .and_then(|c| c.last())
            .is_some_and(|&(k, _)| key <= k)
            && open_from.is_none_or(|f| key < f);
        if in_sealed {
            return self.at_sealed(key, made);
        }
        let series = &mut self.open;
        let at = match series.last() {
            Some(&(k, _)) if k == key => series.len() - 1,
            Some(&(k, _)) if k > key => match series.binary_search_by_key(&key, |(s, _)| *s) {
                Ok(i) => i,
                Err(i) => {
                    *made = true;
                    series.insert(i, (key, SecondCounts::default()));
                    i
                }
            },
            _ => {
                *made = true;
                series.push((key, SecondCounts::default()));
                series.len() - 1
            }
        };
        &mut series[at].1
    }

    /// A key at or before the last sealed entry (a packet far later than others): its chunk
    /// is copied and sealed again, or, before the first chunk, the key opens a chunk of its own.
    #[cold]
    fn at_sealed(&mut self, key: i64, made: &mut bool) -> &mut SecondCounts {
        let c = self
            .sealed
            .partition_point(|c| c.last().is_some_and(|&(k, _)| k < key))
            .min(self.sealed.len() - 1);
        let mut v = self.sealed[c].to_vec();
        let i = match v.binary_search_by_key(&key, |(s, _)| *s) {
            Ok(i) => i,
            Err(i) => {
                *made = true;
                self.sealed_len += 1;
                v.insert(i, (key, SecondCounts::default()));
                i
            }
        };
        self.sealed[c] = Arc::from(v);
        let chunk = Arc::get_mut(&mut self.sealed[c]).expect("a chunk just made is not shared");
        &mut chunk[i].1
    }

    /// Seals the minutes before `minutes_before` at the start of the open tail, a chunk of
    /// [`CHUNK_MINUTES`] at a time, once that many are there.
    pub fn seal(&mut self, minutes_before: i64) {
        let minutes = self.open.partition_point(|(s, _)| *s < minutes_before);
        let whole = minutes / CHUNK_MINUTES * CHUNK_MINUTES;
        if whole == 0 {
            return;
        }
        for c in self.open[..whole].chunks(CHUNK_MINUTES) {
            self.sealed.push(Arc::from(c));
        }
        self.sealed_len += whole;
        self.open.drain(..whole);
    }

    /// The open tail, to change in place (folding its seconds into minutes); keys must stay
    /// after the sealed entries and in time order.
    pub fn open_mut(&mut self) -> &mut Vec<Entry> {
        &mut self.open
    }

    /// Drops the entries before `from`, calling `each` with each one dropped.
    pub fn drop_before(&mut self, from: i64, mut each: impl FnMut(&Entry)) {
        let whole = self
            .sealed
            .partition_point(|c| c.last().is_some_and(|&(k, _)| k < from));
        for c in self.sealed.drain(..whole) {
            self.sealed_len -= c.len();
            c.iter().for_each(&mut each);
        }
        if let Some(c) = self.sealed.first_mut() {
            let n = c.partition_point(|(s, _)| *s < from);
            if n > 0 {
                c[..n].iter().for_each(&mut each);
                self.sealed_len -= n;
                *c = Arc::from(&c[n..]);
            }
            return;
        }
        let n = self.open.partition_point(|(s, _)| *s < from);
        self.open.drain(..n).for_each(|e| each(&e));
    }

    /// Keeps the latest entry alone, calling `each` with each one dropped.
    pub fn keep_latest(&mut self, mut each: impl FnMut(&Entry)) {
        if self.open.is_empty()
            && let Some(c) = self.sealed.pop()
        {
            self.sealed_len -= c.len();
            self.open = c.to_vec();
        }
        for c in self.sealed.drain(..) {
            c.iter().for_each(&mut each);
        }
        self.sealed_len = 0;
        let n = self.open.len().saturating_sub(1);
        self.open.drain(..n).for_each(|e| each(&e));
        self.open.shrink_to_fit();
    }

    /// The series as a snapshot holds it: the sealed chunks shared, the open tail copied.
    pub fn share(&self) -> SharedSeries {
        SharedSeries::of_chunks(
            self.sealed
                .iter()
                .cloned()
                .chain(std::iter::once(Arc::from(self.open.as_slice()))),
        )
    }

    /// Heap bytes the engine holds for this series (its chunks whole, shared or not, and the
    /// open tail's capacity), as a test of the bound counts them.
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<Entry>();
        self.sealed_len * entry
            + self.sealed.capacity() * std::mem::size_of::<Arc<[Entry]>>()
            + self.open.capacity() * entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(second: i64, incidents: u32) -> Entry {
        (
            second,
            SecondCounts {
                incidents,
                ..SecondCounts::default()
            },
        )
    }

    #[test]
    fn a_shared_series_reads_as_the_slice_of_its_chunks() {
        let all: Vec<Entry> = (0..10).map(|i| entry(i * 10, 1)).collect();
        let s = Shared::of_chunks([
            Arc::from(&all[..3]),
            Arc::from(&all[3..3]),
            Arc::from(&all[3..7]),
            Arc::from(&all[7..]),
        ]);
        assert_eq!(s.len(), 10);
        assert_eq!(s.to_vec(), all);
        for lo in 0..=10 {
            for hi in lo..=12 {
                let want: Vec<Entry> = all[lo..hi.min(10)].to_vec();
                assert_eq!(s.range(lo..hi).copied().collect::<Vec<_>>(), want);
                let back: Vec<Entry> = s.range(lo..hi).rev().copied().collect();
                assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
            }
            assert_eq!(s.from_index(lo).to_vec(), all[lo..].to_vec());
        }
        for key in -5..105 {
            let p = all.partition_point(|(k, _)| *k < key);
            assert_eq!(s.partition_point(|(k, _)| *k < key), p);
            assert_eq!(
                s.binary_search_by_key(&key, |(k, _)| *k),
                all.binary_search_by_key(&key, |(k, _)| *k)
            );
        }
        assert_eq!(
            (s[4], s.first(), s.last()),
            (all[4], all.first(), all.last())
        );
        assert_eq!(s, Shared::from(all.clone()));
    }

    /// An entry of a series is 72 bytes: six hours of them at each of thousands of endpoints
    /// are most of the agent's memory (tests/agent_memory.rs counts them so). The count of
    /// drops took it to 72 until the failed attempts' own count, the sum of theirs by how,
    /// went; the late answers' count (a listen queue that overflowed, drawn as a series of
    /// its own) took it to 72 again: no count left is the sum of others, and two of 16 bits
    /// would saturate in a busy minute. The endpoints' shared bound charges entries by this
    /// size ([`crate::engine::offenders::Services`]), so the memory stays bounded and the
    /// series hold a ninth fewer entries at the bound.
    #[test]
    fn an_entry_is_72_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 72);
    }

    #[test]
    fn a_chunked_series_seals_minutes_takes_late_keys_and_drops_its_past_exactly() {
        let mut c = ChunkedSeries::default();
        let mut made = false;
        // 40 minutes, then seconds.
        for m in 0..40 {
            c.at(m * 60, &mut made).incidents += 1;
        }
        for sec in 2400..2410 {
            c.at(sec, &mut made).incidents += 1;
        }
        c.seal(2400);
        assert_eq!(c.sealed.len(), 2, "two chunks of 16 minutes");
        assert_eq!(c.open().len(), 8 + 10);
        let shared = c.share();
        let before = c.share();
        assert!(
            Arc::ptr_eq(&shared.chunks[0], &before.chunks[0]),
            "sealed: shared"
        );
        // A late key in a sealed chunk, and one before the first.
        made = false;
        c.at(5 * 60, &mut made).incidents += 1;
        assert!(!made);
        c.at(-60, &mut made).incidents += 1;
        assert!(made);
        assert_eq!(c.len(), 40 + 10 + 1);
        assert_eq!(shared.len(), 50, "an earlier snapshot keeps what it had");
        let keys: Vec<i64> = c.iter().map(|(k, _)| *k).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "in time order");
        assert_eq!(c.iter().map(|(_, e)| e.incidents).sum::<u32>(), 52);
        // Dropped across a chunk's middle.
        let mut gone = 0;
        c.drop_before(20 * 60, |(_, e)| gone += e.incidents);
        assert_eq!(gone, 22);
        assert_eq!(c.first().map(|(k, _)| *k), Some(20 * 60));
        assert_eq!(c.len(), 30);
        let mut gone = 0;
        c.keep_latest(|(_, e)| gone += e.incidents);
        assert_eq!((gone, c.len()), (29, 1));
        assert_eq!(c.first().map(|(k, _)| *k), Some(2409));
    }

    fn one(incidents: u32) -> SecondCounts {
        SecondCounts {
            incidents,
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
