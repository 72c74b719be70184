//! Where a record of a classic pcap file starts, found from any offset: what reading one
//! file by chunks on two threads needs (each chunk's first record, guessed from its
//! nominal start, the chunk before it framed on to confirm it).
//!
//! A classic pcap file has no marks between its records: a record's start is known only by
//! framing every record before it. From an arbitrary offset, the guess is the first offset
//! where [`CHAIN`] record headers in a row look sound, each starting where the one before
//! ends (or the file's end comes where a record ends, which ends a chain soundly). Tried at
//! 654,953 offsets of 90 real classic pcaps (docs/benchmarks.md, s43) it gave a place that is
//! no record's start at none, once a record of no original length counts as unsound (runs of
//! zero bytes otherwise chain as empty records); across a jump of more than [`MAX_JUMP_SECS`]
//! (captures appended to each other) it gives a later record's start. Nearly always right is
//! not always: a caller uses the guess only where framing from a known record start confirms
//! it, and reads on in order where it does not.

use std::fs::File;
use std::io;

/// `pread`: the file's bytes at `at`, its position untouched.
#[cfg(unix)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

/// `pread`'s counterpart: the file's bytes at `at` (the position moves, which nothing else
/// reads).
#[cfg(windows)]
pub(crate) fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// The bytes of `file` from `at`, up to `len` of them (fewer at its end).
pub(crate) fn read_window(file: &File, at: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let got = read_window_into(file, at, len, &mut buf)?.len();
    buf.truncate(got);
    Ok(buf)
}

/// [`read_window`] into `buf`, which keeps its memory from call to call: a thread that reads
/// many windows (the guess of each chunk's start) zeroes and maps it once, not once a window.
pub(crate) fn read_window_into<'b>(
    file: &File,
    at: u64,
    len: usize,
    buf: &'b mut Vec<u8>,
) -> io::Result<&'b [u8]> {
    if buf.len() < len {
        buf.resize(len, 0);
    }
    let mut got = 0;
    while got < len {
        match read_at(file, &mut buf[got..len], at + got as u64)? {
            0 => break,
            n => got += n,
        }
    }
    Ok(&buf[..got])
}

/// What the guess needs of the file's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PcapLayout {
    /// The records' fields are big-endian.
    pub(crate) big_endian: bool,
    /// Times are in nanoseconds (else microseconds).
    pub(crate) nanos: bool,
    /// The file header's snapshot length: no sound record captured more.
    pub(crate) snaplen: u32,
}

impl PcapLayout {
    /// The layout of a classic pcap file header (its first 24 bytes) with 16-byte record
    /// headers, version 2.4 (the lengths where libpcap writes them); `None` for any other
    /// header (pcapng, the modified format, old versions), which the guess does not serve.
    pub(crate) fn of(header: &[u8]) -> Option<Self> {
        let magic: [u8; 4] = header.get(..4)?.try_into().ok()?;
        let (big_endian, nanos) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
            [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
            [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
            [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
            _ => return None,
        };
        let field16 = |at: usize| {
            let b: [u8; 2] = header.get(at..at + 2)?.try_into().ok()?;
            Some(if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            })
        };
        if (field16(4)?, field16(6)?) != (2, 4) {
            return None;
        }
        let layout = Self {
            big_endian,
            nanos,
            snaplen: 0,
        };
        let snaplen = layout.u32_at(header, 16)?;
        Some(Self { snaplen, ..layout })
    }

    fn u32_at(self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The record header at `at` in `data`: its seconds and its whole length (header and
    /// captured bytes), when it looks sound; `first_secs` is the chain's first record's.
    fn sound(self, data: &[u8], at: usize, first_secs: Option<u32>) -> Option<(u32, usize)> {
        let secs = self.u32_at(data, at)?;
        let frac = self.u32_at(data, at + 4)?;
        let caplen = self.u32_at(data, at + 8)?;
        let orig_len = self.u32_at(data, at + 12)?;
        let frac_max = if self.nanos { 1_000_000_000 } else { 1_000_000 };
        let unsound = frac >= frac_max
            || caplen > self.snaplen.max(MIN_SNAPLEN)
            || caplen > orig_len
            || orig_len == 0
            || orig_len > MAX_ORIG_LEN
            || first_secs.is_some_and(|first| secs.abs_diff(first) > MAX_JUMP_SECS);
        (!unsound).then_some((secs, RECORD_HEADER + caplen as usize))
    }
}

/// Record headers in a row that must look sound for the guess to take their first.
pub(crate) const CHAIN: usize = 16;
/// How far in seconds a record of a chain may lie from its first record.
pub(crate) const MAX_JUMP_SECS: u32 = 3600;
/// The largest original length taken as sound: a segmentation offload's 64 KiB frames and
/// some room above.
const MAX_ORIG_LEN: u32 = 1 << 18;
/// Some writers put 0 in the header's snapshot length: the captured length's bound then.
const MIN_SNAPLEN: u32 = 1 << 18;
/// A classic pcap record header's length.
const RECORD_HEADER: usize = 16;

/// The first offset in `data` (bytes of the file from some offset on) where a record starts,
/// as far as [`CHAIN`] sound record headers in a row tell; `ends_file`: `data` runs to the
/// file's end, where a chain that ends exactly there is sound however short. `None` where no
/// offset of `data` starts a chain that `data` holds whole: the caller reads more, or does
/// not cut the file there.
pub(crate) fn record_start(data: &[u8], layout: PcapLayout, ends_file: bool) -> Option<usize> {
    (0..=data.len()).find(|&start| {
        let (mut at, mut first_secs) = (start, None);
        for _ in 0..CHAIN {
            if at == data.len() && ends_file {
                return true;
            }
            let Some((secs, len)) = layout.sound(data, at, first_secs) else {
                return false;
            };
            first_secs.get_or_insert(secs);
            at += len;
            // A record that runs past what `data` holds is not known to be whole: unless the
            // file ends there (read on by the caller), the chain is not told.
            if at > data.len() {
                return false;
            }
        }
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The offsets where the records of the classic pcap `file` start, framed from its
    /// header, and the layout.
    fn starts(file: &[u8]) -> (PcapLayout, Vec<usize>) {
        let layout = PcapLayout::of(file).expect("a classic pcap");
        let mut starts = Vec::new();
        let mut at = 24;
        while at + RECORD_HEADER <= file.len() {
            starts.push(at);
            let caplen = layout.u32_at(file, at + 8).expect("a header") as usize;
            at += RECORD_HEADER + caplen;
        }
        assert_eq!(at, file.len(), "the fixture's records end with the file");
        (layout, starts)
    }

    /// `file`'s header and record headers turned big-endian.
    fn big_endian(file: &[u8], starts: &[usize]) -> Vec<u8> {
        let mut out = file.to_vec();
        let swap = |out: &mut Vec<u8>, at: usize, n: usize| out[at..at + n].reverse();
        for (at, n) in [(0, 4), (4, 2), (6, 2), (8, 4), (12, 4), (16, 4), (20, 4)] {
            swap(&mut out, at, n);
        }
        for &s in starts {
            for field in 0..4 {
                swap(&mut out, s + 4 * field, 4);
            }
        }
        out
    }

    /// Every offset of `file` guessed from gives a record's start, at or after it, and the
    /// first one there where the records do not jump in time.
    fn check_every_offset(name: &str, file: &[u8]) -> usize {
        let (layout, starts) = starts(file);
        let mut checked = 0;
        for from in 24..file.len() {
            let Some(found) = record_start(&file[from..], layout, true) else {
                panic!("{name}: no record start found from {from}");
            };
            let at = from + found;
            let first = starts.partition_point(|&s| s < from);
            let next = starts.get(first).copied().unwrap_or(file.len());
            assert!(
                at == file.len() || starts.binary_search(&at).is_ok(),
                "{name}: from {from} the guess {at} is no record's start"
            );
            assert_eq!(
                at, next,
                "{name}: from {from} a later start than the next record's"
            );
            checked += 1;
        }
        checked
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        std::fs::read(path.join(name)).expect("the fixture")
    }

    #[test]
    fn every_offset_of_real_captures_gives_a_record_start() {
        // Captures made on loopback and in network namespaces (tests/fixtures), in both
        // byte orders, microseconds and nanoseconds.
        let mut checked = 0;
        for name in [
            "handshake-reset.pcap",
            "lossy-resets.pcap",
            "refused-v6.pcap",
            "any-sll2.pcap",
            "abort-linger0.pcap",
        ] {
            let file = fixture(name);
            checked += check_every_offset(name, &file);
            let (_, starts) = starts(&file);
            let swapped = big_endian(&file, &starts);
            assert!(PcapLayout::of(&swapped).is_some_and(|l| l.big_endian));
            checked += check_every_offset(&format!("{name}, big-endian"), &swapped);
        }
        assert!(checked > 10_000, "{checked} offsets");
    }

    #[test]
    fn zeros_are_no_records_and_the_end_ends_a_chain() {
        let file = fixture("handshake-reset.pcap");
        let (layout, starts) = starts(&file);
        // A run of zero bytes where a record should start: empty records to a reader that
        // took them, none to the guess, which finds the record after them.
        let at = starts[3];
        let mut zeros = file[..at].to_vec();
        zeros.extend_from_slice(&[0; 64]);
        zeros.extend_from_slice(&file[at..]);
        assert_eq!(record_start(&zeros[at..], layout, true), Some(64));
        // The last record found from inside the one before it: the file's end ends its chain.
        let last = *starts.last().expect("records");
        assert_eq!(
            record_start(&file[last - 3..], layout, true),
            Some(3),
            "the last record"
        );
        // Not at the file's end, a chain cut short by the data given is not told.
        assert_eq!(record_start(&file[last..], layout, false), None);
    }

    #[test]
    fn a_jump_in_time_is_crossed_to_a_later_record() {
        let file = fixture("handshake-reset.pcap");
        let (layout, starts) = starts(&file);
        assert!(starts.len() > 8, "enough records");
        // The records from the 5th on moved two hours later (captures appended together):
        // from the 2nd record, a chain of 16 crosses the jump, and the guess gives the first
        // record after it, a record's start still.
        let mut jumped = file.clone();
        for &s in &starts[4..] {
            let secs = layout.u32_at(&jumped, s).expect("a header") + 7200;
            jumped[s..s + 4].copy_from_slice(&secs.to_le_bytes());
        }
        assert_eq!(
            record_start(&jumped[starts[1]..], layout, true).map(|o| o + starts[1]),
            Some(starts[4])
        );
    }

    #[test]
    fn only_plain_classic_headers_have_a_layout() {
        for name in [
            "variants/modified.pcap",
            "variants/dgux.pcap",
            "http-mix.pcapng",
        ] {
            assert_eq!(PcapLayout::of(&fixture(name)), None, "{name}");
        }
        let nanos = PcapLayout::of(&fixture("refused-v6.pcap")).expect("a classic pcap");
        assert!(nanos.nanos && !nanos.big_endian);
    }
}
