//! A classic pcap damaged by a transfer in text mode (FTP's ASCII mode, WinSCP's Text mode),
//! told apart from one cut short or corrupt otherwise, once its reading has stopped.
//!
//! Such a copy rewrites line ends in the binary file: from a Linux server to Windows each LF
//! byte (`0a`) becomes CR LF (`0d 0a`), the other way each CR LF pair becomes LF. The records
//! after the first rewritten byte no longer line up, and the reading stops at a record header
//! that cannot be right, which said "cut short" or "corrupt": the right advice (copy it again)
//! for the wrong cause. pcapng's first block type (`0a 0d 0d 0a`) shows such a copy at once
//! ([`super::other_format`]); a classic pcap's header has no line end, so it is told here, from
//! the bytes on disk: the copy left its signature in them (not one LF without a CR before it;
//! or not one CR LF pair), and with the rewriting undone the records line up again, past the
//! place the reading stopped. Only on the error path: the file is read again from its start,
//! up to [`WINDOW`] bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::framing::{Lengths, u32_at};
use super::{Kind, MAX_RECORD, detect};
use crate::source::LineEnds;

/// The most bytes of a file read again to look for the copy's signature: the first LF of a
/// capture (its first record with a 10.x.x.x address, or a byte 10 anywhere) is early, and a
/// copy in text mode stops the reading soon after it.
const WINDOW: usize = 8 << 20;

/// A pcap file header's length.
const FILE_HEADER_LEN: usize = 24;

/// The most bytes a CR LF pair made LF is looked for per record (each a byte the record lost).
const MAX_LOST_PER_RECORD: usize = 4096;

/// What a copy in text mode did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TextCopy {
    /// How it rewrote the line ends.
    pub(super) rewrite: LineEnds,
    /// The first frame (from 1) whose bytes it changed.
    pub(super) first_damaged: u64,
}

/// What a transfer in text mode did to the classic pcap at `path`, whose reading stopped at
/// byte `stop`; `None` when it was not that (or the file cannot be read again).
pub(super) fn check(path: &Path, stop: u64) -> Option<TextCopy> {
    let file = File::open(path).ok()?;
    let mut data = Vec::new();
    file.take(WINDOW as u64).read_to_end(&mut data).ok()?;
    let whole = data.len() < WINDOW;
    examine(&data, whole, usize::try_from(stop).ok()?)
}

/// [`check`] on the first bytes of the file (`whole`: all of it).
fn examine(data: &[u8], whole: bool, stop: usize) -> Option<TextCopy> {
    // The reading must have stopped inside what was read again, with room after it for the
    // records to be seen lining up again.
    if stop >= data.len() || (!whole && stop + (64 << 10) > data.len()) {
        return None;
    }
    made_crlf(data, stop).or_else(|| made_lf(data, stop))
}

/// Each LF made CR LF: not one LF without a CR before it, the first such pair at or before
/// the record header the reading stopped at, and with the CR before each LF taken out, the
/// records line up past that place.
fn made_crlf(data: &[u8], stop: usize) -> Option<TextCopy> {
    let lone_lf = |i: usize| i == 0 || data[i - 1] != 0x0d;
    let mut lfs = data.iter().enumerate().filter(|&(_, &b)| b == 0x0a);
    let (first_lf, _) = lfs.next()?;
    if lone_lf(first_lf) || first_lf > stop + 24 || lfs.any(|(i, _)| lone_lf(i)) {
        return None;
    }
    // The file as it was: each CR before an LF taken out (a CR LF of the original, made CR CR
    // LF, becomes CR LF again).
    let mut undone = Vec::with_capacity(data.len());
    let mut removed_before_stop = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == 0x0d && data.get(i + 1) == Some(&0x0a) {
            removed_before_stop += usize::from(i < stop);
            continue;
        }
        undone.push(b);
    }
    let layout = Layout::of(&undone)?;
    // The removed CRs were each before an LF, in the original at the LF's place: the first
    // LF's place there is its place in the copy less the one CR before it.
    let first_damage = first_lf - 1;
    let walked = layout.walk(&undone)?;
    let stop_there = stop - removed_before_stop;
    (walked.end > stop_there).then(|| TextCopy {
        rewrite: LineEnds::MadeCrLf,
        first_damaged: walked.frame_at(first_damage),
    })
}

/// Each CR LF made LF: not one CR LF pair left, and the records line up past the place the
/// reading stopped once each record is allowed the bytes it lost, each a CR before one of its
/// LFs (the fewest that make the next record header sound).
fn made_lf(data: &[u8], stop: usize) -> Option<TextCopy> {
    if data.windows(2).any(|w| w == [0x0d, 0x0a]) || !data.contains(&0x0a) {
        return None;
    }
    let layout = Layout::of(data)?;
    // Depth first over the records, each with the ways it may have lost bytes, fewest first;
    // back to the record before where none leads on (two ways may each put a sound header
    // after it, only one the records after that).
    struct Record {
        at: usize,
        ways: Vec<Way>,
        taken: usize,
    }
    let start = |at: usize, before: Option<u32>| Record {
        at,
        ways: layout.ways_losing_crs(data, at, before),
        taken: 0,
    };
    let mut path = vec![start(FILE_HEADER_LEN, None)];
    let mut budget = MAX_WAYS_TRIED;
    let end = loop {
        let record = path.last_mut()?;
        let Some(&way) = record.ways.get(record.taken) else {
            path.pop();
            continue;
        };
        record.taken += 1;
        budget = budget.checked_sub(1)?;
        if way.end + layout.header_len > data.len() {
            break way.end.min(data.len());
        }
        path.push(start(way.end, Some(way.secs)));
    };
    let taken = |r: &Record| r.ways.get(r.taken.checked_sub(1)?).copied();
    let first = path
        .iter()
        .find(|r| taken(r).is_some_and(|w| w.shortened && w.end < data.len()))?
        .at;
    let walked = Walked {
        starts: path.iter().map(|r| r.at).collect(),
        end,
    };
    (walked.end > stop).then(|| TextCopy {
        rewrite: LineEnds::MadeLf,
        first_damaged: walked.frame_at(first),
    })
}

/// The most ways of records [`made_lf`] tries, all records together, before it gives up.
const MAX_WAYS_TRIED: usize = 1 << 20;

/// A way a record may lie in a file whose CR LF pairs were made LF.
#[derive(Debug, Clone, Copy)]
struct Way {
    /// Its seconds.
    secs: u32,
    /// Where it ends in the file.
    end: usize,
    /// It lost bytes.
    shortened: bool,
}

/// The record layout of a classic pcap, from its file header.
#[derive(Debug, Clone, Copy)]
struct Layout {
    header_len: usize,
    big_endian: bool,
    /// The time fraction's limit: a million microseconds or a billion nanoseconds.
    fraction_limit: u32,
    lengths: Lengths,
}

impl Layout {
    /// The layout of the pcap that `data` begins with.
    fn of(data: &[u8]) -> Option<Self> {
        let Some(Kind::Pcap {
            big_endian,
            nanos,
            modified,
        }) = detect(data)
        else {
            return None;
        };
        let header = data.get(..FILE_HEADER_LEN)?;
        let version = |at| {
            let b = [header[at], header[at + 1]];
            if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        };
        Some(Self {
            header_len: if modified { 24 } else { 16 },
            big_endian,
            fraction_limit: if nanos { 1_000_000_000 } else { 1_000_000 },
            lengths: Lengths::of_version(version(4), version(6)),
        })
    }

    /// A record header as a capture writer writes one: a time fraction under a second, not
    /// more than a day before the record before it (`after`, its seconds), a captured length
    /// neither 0 nor above the length on the wire. Its seconds and captured length, or `None`.
    fn sound(&self, header: &[u8], after: Option<u32>) -> Option<(u32, usize)> {
        let header = header.get(..16)?;
        let (secs, frac) = (
            u32_at(header, 0, self.big_endian),
            u32_at(header, 4, self.big_endian),
        );
        let (caplen, orig_len) = self.lengths.of(
            u32_at(header, 8, self.big_endian),
            u32_at(header, 12, self.big_endian),
        );
        let sound = frac < self.fraction_limit
            && caplen > 0
            && caplen <= orig_len
            && (caplen as usize) <= MAX_RECORD - self.header_len
            && after.is_none_or(|before| secs.saturating_add(86_400) >= before);
        sound.then_some((secs, caplen as usize))
    }

    /// Walks the records of `data` from the end of the file header, each header sound, to
    /// the end of `data`, which may be inside a last record (a file cut short, or the end of
    /// the part read). `None` at a header that is not sound.
    fn walk(&self, data: &[u8]) -> Option<Walked> {
        let (mut starts, mut at, mut before) = (Vec::new(), FILE_HEADER_LEN, None);
        while at + self.header_len <= data.len() {
            let (secs, body) = self.sound(&data[at..], before)?;
            starts.push(at);
            before = Some(secs);
            at += self.header_len + body;
        }
        Some(Walked {
            starts,
            end: at.min(data.len()),
        })
    }

    /// The headers the bytes at `at` may be, with how many bytes of the file each takes: as
    /// they are, or with a CR the copy took out before one of their LFs put back.
    fn headers(&self, data: &[u8], at: usize) -> Vec<(Vec<u8>, usize)> {
        let len = self.header_len;
        let mut out: Vec<(Vec<u8>, usize)> = data
            .get(at..at + len)
            .map(|h| (h.to_vec(), len))
            .into_iter()
            .collect();
        let Some(short) = data.get(at..at + len - 1) else {
            return out;
        };
        for (i, _) in short.iter().enumerate().filter(|&(_, &b)| b == 0x0a) {
            let mut header = short[..i].to_vec();
            header.push(0x0d);
            header.extend(&short[i..]);
            out.push((header, len - 1));
        }
        out
    }

    /// The ways the record at `at` may lie in a file whose CR LF pairs were made LF, fewest
    /// lost bytes first: as it is, or having lost CRs, each before an LF of the record (or
    /// just past it), each way putting a sound header after it (or the end of the file).
    fn ways_losing_crs(&self, data: &[u8], at: usize, before: Option<u32>) -> Vec<Way> {
        let header_sound = |next: usize, secs: u32| {
            next + self.header_len > data.len()
                || (self.headers(data, next))
                    .iter()
                    .any(|(h, _)| self.sound(h, Some(secs)).is_some())
        };
        let mut ways = Vec::new();
        for (header, header_bytes) in self.headers(data, at) {
            let Some((secs, body)) = self.sound(&header, before) else {
                continue;
            };
            let from = at + header_bytes;
            for lost in 0..=body.min(MAX_LOST_PER_RECORD) {
                let end = from + body - lost;
                // An LF just past the record's end is the one its lost last byte was before.
                let lfs = data
                    .get(from..(end + 1).min(data.len()))
                    .map_or(0, |b| b.iter().filter(|&&x| x == 0x0a).count());
                if lost > 0 && lfs < lost {
                    break;
                }
                let shortened = lost > 0 || header_bytes < self.header_len;
                // Past the end: cut short inside this record, with nothing to line up.
                if (end > data.len() && lost == 0) || (end <= data.len() && header_sound(end, secs))
                {
                    ways.push(Way {
                        secs,
                        end,
                        shortened,
                    });
                }
            }
        }
        // Fewest lost first; cut short last, as the file's end is where it is.
        ways.sort_by_key(|w| (w.end > data.len(), std::cmp::Reverse(w.end)));
        ways
    }
}

/// The records a walk found.
#[derive(Debug)]
struct Walked {
    /// Where each record starts.
    starts: Vec<usize>,
    /// Where the walk ended: the end of the bytes given, or of the last record.
    end: usize,
}

impl Walked {
    /// The frame (from 1) whose record holds byte `at`; 1 for a byte of the file header.
    fn frame_at(&self, at: usize) -> u64 {
        let records = self.starts.partition_point(|&s| s <= at);
        records.max(1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pcap of `records` (each its seconds and bytes), little-endian, microseconds.
    fn pcap(records: &[(u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(0xA1B2_C3D4u32.to_le_bytes());
        out.extend(2u16.to_le_bytes());
        out.extend(4u16.to_le_bytes());
        out.extend([0; 8]);
        out.extend(262_144u32.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        for (secs, bytes) in records {
            out.extend(secs.to_le_bytes());
            out.extend(500_000u32.to_le_bytes());
            let len = u32::try_from(bytes.len()).expect("short");
            out.extend(len.to_le_bytes());
            out.extend(len.to_le_bytes());
            out.extend(*bytes);
        }
        out
    }

    const T: u32 = 1_795_000_000;

    fn unix2dos(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &b in data {
            if b == 0x0a {
                out.push(0x0d);
            }
            out.push(b);
        }
        out
    }

    fn dos2unix(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &b) in data.iter().enumerate() {
            if !(b == 0x0d && data.get(i + 1) == Some(&0x0a)) {
                out.push(b);
            }
        }
        out
    }

    /// Frames 1 and 2 clean, frame 3 holding an LF (and a CR LF), frame 4 clean.
    fn records() -> Vec<u8> {
        pcap(&[
            (T, &[0x45; 60]),
            (T + 1, &[0x11; 54]),
            (T + 1, &[0x20, 0x0a, 0x30, 0x0d, 0x0a, 0x40, 0x50, 0x60]),
            (T + 2, &[0x33; 70]),
            (T + 2, &[0x44; 40]),
        ])
    }

    /// Where the reading of `data` stops: the first record header a reader takes as wrong,
    /// or the end of the file inside a record.
    fn reading_stops(data: &[u8]) -> usize {
        let layout = Layout::of(data).expect("a pcap");
        let mut at = FILE_HEADER_LEN;
        while let Some((_, body)) = data.get(at..).and_then(|h| layout.sound(h, None)) {
            at += 16 + body;
        }
        at.min(data.len())
    }

    #[test]
    fn each_lf_made_crlf_is_told_with_the_first_frame_it_changed() {
        let copy = unix2dos(&records());
        let stop = reading_stops(&copy);
        assert!(stop < copy.len(), "the copy reads whole");
        assert_eq!(
            examine(&copy, true, stop),
            Some(TextCopy {
                rewrite: LineEnds::MadeCrLf,
                first_damaged: 3
            })
        );
    }

    #[test]
    fn each_crlf_made_lf_is_told_with_the_first_frame_it_changed() {
        let copy = dos2unix(&records());
        let stop = reading_stops(&copy);
        assert!(stop < copy.len(), "the copy reads whole");
        assert_eq!(
            examine(&copy, true, stop),
            Some(TextCopy {
                rewrite: LineEnds::MadeLf,
                first_damaged: 3
            })
        );
    }

    /// A capture cut short, or with a record header overwritten, is not taken for a copy in
    /// text mode, however its LFs stand; nor is one with an LF left alone.
    #[test]
    fn a_file_cut_short_or_corrupt_otherwise_is_not_a_text_mode_copy() {
        // LFs, no CR: what a copy that made each CR LF an LF leaves.
        let whole = pcap(&[
            (T, &[0x45; 60]),
            (T + 1, &[0x0a, 0x11, 0x0a, 0x0a, 0x12]),
            (T + 1, &[0x20, 0x0a, 0x30, 0x0a, 0x40, 0x50, 0x60]),
            (T + 2, &[0x33; 70]),
            (T + 2, &[0x0a, 0x0a, 0x44, 0x0a, 0x0a]),
        ]);
        assert_eq!(reading_stops(&whole), whole.len());
        for cut in [1, 2, 5, 21] {
            let cut = &whole[..whole.len() - cut];
            assert_eq!(
                examine(cut, true, reading_stops(cut)),
                None,
                "{}",
                cut.len()
            );
        }
        let mut corrupt = whole.clone();
        // Frame 4's captured length made absurd.
        let at = FILE_HEADER_LEN + 3 * 16 + 60 + 5 + 7 + 8;
        corrupt[at..at + 4].copy_from_slice(&0x7777_7777u32.to_le_bytes());
        assert_eq!(reading_stops(&corrupt), at - 8);
        assert_eq!(examine(&corrupt, true, at - 8), None);
        // An LF without its CR: not every LF was made CR LF.
        let mut mixed = unix2dos(&records());
        let lf = mixed.iter().position(|&b| b == 0x0a).expect("an LF");
        mixed.remove(lf - 1);
        assert_eq!(examine(&mixed, true, reading_stops(&mixed)), None);
    }
}
