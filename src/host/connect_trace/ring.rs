//! The ring buffer's binary pages, as `per_cpu/cpuN/trace_pipe_raw` hands them out.
//!
//! A page is a header (start timestamp, `commit` = bytes of event data plus "events were lost"
//! flags) and then events, each behind a 32-bit native-endian word: `type_len` in the low 5
//! bits, `time_delta` (nanoseconds since the previous event) in the high 27. `type_len` 1..=28
//! is a record of `type_len * 4` bytes; 0 is a record whose length (plus 4) is in the next word;
//! 29 is padding (a discarded record, or the end of the page when its delta is 0); 30 extends the
//! delta by the next word shifted left 27; 31 is an absolute timestamp. This is the layout of
//! the kernel's `kernel/trace/ring_buffer.c` and of libtraceevent's `kbuffer-parse.c`.

use super::format::PageLayout;

/// `type_len` of padding.
const TYPE_PADDING: u32 = 29;
/// `type_len` of a time extend.
const TYPE_TIME_EXTEND: u32 = 30;
/// `type_len` of an absolute timestamp.
const TYPE_TIME_STAMP: u32 = 31;
/// Bits the delta field holds; longer deltas come as a time extend.
const TS_SHIFT: u32 = 27;
/// `commit` flag: events were lost before this page.
const MISSED_EVENTS: u64 = 1 << 31;
/// `commit` flag: their count is stored after the page's data.
const MISSED_STORED: u64 = 1 << 30;
/// The bits of `commit` that are the data length.
const COMMIT_SIZE: u64 = (1 << 30) - 1;
/// Absolute timestamps carry the low 59 bits; the rest comes from the running timestamp.
const ABS_TS_BITS: u64 = (1 << 59) - 1;

/// What a page said besides its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct PageSummary {
    /// Events the kernel lost before this page (overrun); 1 when it lost some but did not count.
    pub missed: u64,
    /// The page ended in a way this decoder does not understand; the rest was skipped.
    pub malformed: bool,
}

/// Calls `record(timestamp, bytes)` for each record in `page`, in order; timestamps are in
/// the instance's trace clock.
pub(super) fn decode_page<'a>(
    page: &'a [u8],
    layout: &PageLayout,
    mut record: impl FnMut(u64, &'a [u8]),
) -> PageSummary {
    let malformed = PageSummary {
        missed: 0,
        malformed: true,
    };
    let (Some(mut ts), Some(commit)) = (layout.timestamp.uint(page), layout.commit.uint(page))
    else {
        return malformed;
    };
    // The size is a u30: it fits usize on every target this module builds for.
    let size = usize::try_from(commit & COMMIT_SIZE).unwrap_or(usize::MAX);
    let start = layout.data.offset;
    let Some(end) = start.checked_add(size).filter(|&end| end <= page.len()) else {
        return malformed;
    };
    let mut summary = PageSummary::default();
    if commit & MISSED_EVENTS != 0 {
        summary.missed = if commit & MISSED_STORED != 0 {
            let stored = super::format::Field {
                offset: end,
                size: layout.commit.size,
            };
            stored.uint(page).unwrap_or(1).max(1)
        } else {
            1
        };
    }

    let word = |at: usize| -> Option<u32> {
        let bytes = page.get(at..at.checked_add(4)?)?;
        Some(u32::from_ne_bytes(bytes.try_into().ok()?))
    };
    let mut at = start;
    while at < end {
        let Some(header) = word(at) else {
            summary.malformed = true;
            break;
        };
        let type_len = header & 0x1f;
        let delta = u64::from(header >> 5);
        // The word after the header: a length, or the high bits of a time.
        let array0 = word(at + 4).map(u64::from);
        let next = match (type_len, array0) {
            (TYPE_PADDING, _) if delta == 0 => break, // the rest of the page is empty
            (TYPE_PADDING, Some(len)) => {
                // A discarded record: its delta still counts for the ones after it.
                ts = ts.wrapping_add(delta);
                usize::try_from(len)
                    .ok()
                    .and_then(|len| at.checked_add(4 + len))
            }
            (TYPE_TIME_EXTEND, Some(high)) => {
                ts = ts.wrapping_add((high << TS_SHIFT) + delta);
                Some(at + 8)
            }
            (TYPE_TIME_STAMP, Some(high)) => {
                ts = ((high << TS_SHIFT) | delta) & ABS_TS_BITS | ts & !ABS_TS_BITS;
                Some(at + 8)
            }
            (0, Some(len)) if len >= 4 => {
                ts = ts.wrapping_add(delta);
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                let payload = at + 8..(at + 4).saturating_add(len);
                match page.get(payload) {
                    Some(bytes) if at + 4 + len <= end => {
                        record(ts, bytes);
                        Some(at + 4 + len.next_multiple_of(4))
                    }
                    _ => None,
                }
            }
            (1..=28, _) => {
                ts = ts.wrapping_add(delta);
                let len = type_len as usize * 4;
                match page.get(at + 4..at + 4 + len) {
                    Some(bytes) if at + 4 + len <= end => {
                        record(ts, bytes);
                        Some(at + 4 + len)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match next {
            Some(next) if next > at => at = next,
            _ => {
                summary.malformed = true;
                break;
            }
        }
    }
    summary
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::format::tests::HEADER_PAGE_FIXTURE;
    use super::*;

    fn layout() -> PageLayout {
        PageLayout::parse(HEADER_PAGE_FIXTURE, "fixture").expect("fixture parses")
    }

    /// Builds a 4096-byte page as the fixture's header_page lays it out.
    pub(crate) struct PageBuilder {
        start: u64,
        data: Vec<u8>,
        commit_flags: u64,
        missed_stored: Option<u64>,
    }

    impl PageBuilder {
        pub(crate) fn new(start: u64) -> Self {
            Self {
                start,
                data: Vec::new(),
                commit_flags: 0,
                missed_stored: None,
            }
        }

        fn header(&mut self, type_len: u32, delta: u32) {
            self.data
                .extend_from_slice(&(type_len | (delta << 5)).to_ne_bytes());
        }

        /// A record whose length fits `type_len` (at most 112 bytes, a multiple of 4).
        pub(crate) fn small(&mut self, delta: u32, payload: &[u8]) -> &mut Self {
            assert!(payload.len().is_multiple_of(4) && payload.len() <= 112);
            self.header(payload.len() as u32 / 4, delta);
            self.data.extend_from_slice(payload);
            self
        }

        /// A record with its length in the word after the header (type_len 0).
        pub(crate) fn long(&mut self, delta: u32, payload: &[u8]) -> &mut Self {
            self.header(0, delta);
            self.data
                .extend_from_slice(&(payload.len() as u32 + 4).to_ne_bytes());
            self.data.extend_from_slice(payload);
            while !self.data.len().is_multiple_of(4) {
                self.data.push(0);
            }
            self
        }

        fn extend(&mut self, type_len: u32, delta: u64) -> &mut Self {
            self.header(type_len, (delta & ((1 << 27) - 1)) as u32);
            self.data
                .extend_from_slice(&((delta >> 27) as u32).to_ne_bytes());
            self
        }

        fn padding(&mut self, delta: u32, len: u32) -> &mut Self {
            self.header(TYPE_PADDING, delta);
            self.data.extend_from_slice(&len.to_ne_bytes());
            self.data.resize(self.data.len() + len as usize - 4, 0xee);
            self
        }

        pub(crate) fn build(&self) -> Vec<u8> {
            let mut page = vec![0u8; 4096];
            page[0..8].copy_from_slice(&self.start.to_ne_bytes());
            let commit = self.data.len() as u64 | self.commit_flags;
            page[8..16].copy_from_slice(&commit.to_ne_bytes());
            page[16..16 + self.data.len()].copy_from_slice(&self.data);
            if let Some(n) = self.missed_stored {
                let at = 16 + self.data.len();
                page[at..at + 8].copy_from_slice(&n.to_ne_bytes());
            }
            page
        }
    }

    fn decode(page: &[u8]) -> (Vec<(u64, Vec<u8>)>, PageSummary) {
        let mut records = Vec::new();
        let summary = decode_page(page, &layout(), |ts, bytes| {
            records.push((ts, bytes.to_vec()))
        });
        (records, summary)
    }

    #[test]
    fn records_of_both_length_kinds_get_running_timestamps() {
        let page = PageBuilder::new(1_000)
            .small(5, &[1; 72])
            .long(7, &[2; 130])
            .small(0, &[3; 4])
            .build();
        let (records, summary) = decode(&page);
        assert_eq!(summary, PageSummary::default());
        let times: Vec<u64> = records.iter().map(|r| r.0).collect();
        assert_eq!(times, [1_005, 1_012, 1_012]);
        assert_eq!(records[0].1, [1; 72]);
        assert_eq!(records[1].1, [2; 130]);
        assert_eq!(records[2].1, [3; 4]);
    }

    #[test]
    fn time_extends_absolute_stamps_and_discarded_records_move_the_clock() {
        let big = (5u64 << 27) + 3;
        let page = PageBuilder::new(100)
            .extend(TYPE_TIME_EXTEND, big)
            .small(1, &[1; 8])
            .padding(2, 80) // a discarded record of 80 bytes
            .small(1, &[2; 8])
            .extend(TYPE_TIME_STAMP, 9_000_000_000)
            .small(10, &[3; 8])
            .build();
        let (records, summary) = decode(&page);
        assert!(!summary.malformed);
        let times: Vec<u64> = records.iter().map(|r| r.0).collect();
        assert_eq!(times, [100 + big + 1, 100 + big + 4, 9_000_000_010]);
    }

    #[test]
    fn end_of_page_padding_stops_decoding() {
        let mut builder = PageBuilder::new(0);
        builder.small(1, &[1; 8]);
        builder.header(TYPE_PADDING, 0);
        builder.small(1, &[9; 8]); // inside the commit size, after the end marker
        let (records, summary) = decode(&builder.build());
        assert_eq!(records.len(), 1);
        assert!(!summary.malformed);
    }

    #[test]
    fn lost_events_are_counted_stored_or_not() {
        let mut builder = PageBuilder::new(0);
        builder.small(1, &[1; 8]);
        builder.commit_flags = MISSED_EVENTS | MISSED_STORED;
        builder.missed_stored = Some(37);
        assert_eq!(decode(&builder.build()).1.missed, 37);
        builder.commit_flags = MISSED_EVENTS;
        assert_eq!(decode(&builder.build()).1.missed, 1);
    }

    #[test]
    fn a_truncated_or_overlong_page_is_malformed_not_a_panic() {
        let page = PageBuilder::new(0).small(1, &[1; 72]).build();
        // Cut in the middle of the record: the commit size says more than there is.
        let (records, summary) = decode(&page[..50]);
        assert!(records.is_empty());
        assert!(summary.malformed);
        // A length word that points past the commit size.
        let mut builder = PageBuilder::new(0);
        builder.header(0, 1);
        builder.data.extend_from_slice(&4000u32.to_ne_bytes());
        let (records, summary) = decode(&builder.build());
        assert!(records.is_empty());
        assert!(summary.malformed);
        assert!(decode(&[0u8; 10]).1.malformed);
    }
}
