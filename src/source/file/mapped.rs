//! A plain capture file on disk read in place: mapped into memory a window at a time, frames
//! borrowed from the mapping. It saves the copy of every byte from the page cache into a read
//! buffer (a read call per megabyte), which is most of what reading costs once the file is
//! cached.
//!
//! The window moves forward as records are consumed (the pages behind are unmapped, so resident
//! memory stays at a window per file, however large the file), and each move asks the file's
//! length again, so a file that grows while it is read is read to its new end, as the read path
//! does. A file that shrinks under a mapping would fault on access, so only files that are not
//! being written are mapped (see [`Mapped::worth_mapping`]); pipes, gzip and files changed in
//! the last seconds keep the read path.

use std::fs::File;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use memmap2::{Mmap, MmapOptions};
use pcap_parser::nom::{self, Needed, Offset};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError, PcapHeader, parse_block_be, parse_block_le};

use super::input::Shared;

/// Window starts are multiples of this: the page size, or Windows' allocation granularity.
const ALIGN: u64 = 64 << 10;
/// A file modified more recently than this may still be written: it is read, not mapped.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// The container the mapped file holds, with what its parsing needs to remember.
pub(super) enum MappedFormat {
    /// Classic pcap: the file header, handed out by the first [`Mapped::next`].
    Pcap(PcapHeader),
    /// pcapng: the byte order of the current section.
    Pcapng { big_endian: bool },
}

/// A capture file read through a moving memory map; the framing reads it through the same
/// interface as pcap-parser's buffered readers.
pub(super) struct Mapped {
    file: File,
    /// The window; `None` when it would be empty.
    map: Option<Mmap>,
    /// File offset of the window's first byte.
    base: u64,
    /// Offset of the first unconsumed byte from the start of the window.
    pos: usize,
    /// Bytes consumed from the start of the file.
    consumed: usize,
    /// Bytes the window is asked to hold beyond its aligned start.
    window: usize,
    /// The window reaches the end of the file as it was at the last move.
    at_end: bool,
    format: MappedFormat,
    /// Progress (the bytes mapped so far count as read) and the error of a failed move.
    shared: Arc<Shared>,
}

impl Mapped {
    /// Whether the file (a regular file on disk, not compressed) is worth mapping: large
    /// enough for the saved copies to count, and not modified lately, so that nobody is likely
    /// to truncate it while it is mapped.
    pub(super) fn worth_mapping(meta: &std::fs::Metadata, window: usize) -> bool {
        let quiet = meta
            .modified()
            .ok()
            .and_then(|at| SystemTime::now().duration_since(at).ok())
            .is_some_and(|age| age >= QUIET_FOR);
        meta.is_file() && meta.len() > window as u64 && quiet
    }

    /// Maps the start of `file` and parses its file header (pcap) or checks its section header
    /// (pcapng), as pcap-parser's readers do when they are made.
    pub(super) fn open(
        file: File,
        window: usize,
        pcapng: bool,
        shared: Arc<Shared>,
    ) -> Result<Self, PcapError<&'static [u8]>> {
        let mut mapped = Self {
            file,
            map: None,
            base: 0,
            pos: 0,
            consumed: 0,
            window,
            at_end: false,
            format: MappedFormat::Pcapng { big_endian: false },
            shared,
        };
        mapped.refill().map_err(|_| PcapError::ReadError)?;
        let data = mapped.data();
        let result = if pcapng {
            pcap_parser::pcapng::parse_sectionheaderblock(data)
                .map(|_| MappedFormat::Pcapng { big_endian: false })
        } else {
            pcap_parser::parse_pcap_header(data).map(|(_, header)| MappedFormat::Pcap(header))
        };
        mapped.format = match result {
            Ok(format) => format,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e.to_owned_vec()),
            Err(nom::Err::Incomplete(Needed::Size(n))) => {
                return Err(PcapError::Incomplete(n.into()));
            }
            Err(nom::Err::Incomplete(Needed::Unknown)) => return Err(PcapError::Incomplete(0)),
        };
        Ok(mapped)
    }

    /// Moves the window to start at the first unconsumed byte (aligned down), as long as the
    /// window or to the file's current end.
    fn remap(&mut self) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        let at = self.consumed as u64;
        let base = at - at % ALIGN;
        let skip = (at - base) as usize;
        let want = (self.window as u64).saturating_add(ALIGN);
        let map_len = usize::try_from(len.saturating_sub(base).min(want)).unwrap_or(usize::MAX);
        // Unmap the old window before mapping the new one: at most one window is resident.
        self.map = None;
        self.map = if map_len == 0 {
            None
        } else {
            // SAFETY: the mapping is read-only and private to this reader; the bytes lie within
            // the file's length as just asked. The one hazard is another process truncating
            // the file while it is mapped, which `worth_mapping` makes unlikely by mapping
            // only files that nothing has written to lately.
            Some(unsafe {
                MmapOptions::new()
                    .offset(base)
                    .len(map_len)
                    .map(&self.file)?
            })
        };
        self.base = base;
        self.pos = skip.min(map_len);
        self.at_end = base.saturating_add(map_len as u64) >= len;
        self.shared.set_bytes(base.saturating_add(map_len as u64));
        Ok(())
    }
}

impl PcapReaderIterator for Mapped {
    fn next(&mut self) -> Result<(usize, PcapBlockOwned<'_>), PcapError<&[u8]>> {
        if self.consumed == 0
            && let MappedFormat::Pcap(header) = &self.format
        {
            return Ok((header.size(), PcapBlockOwned::from(header.clone())));
        }
        let data = self
            .map
            .as_deref()
            .and_then(|map| map.get(self.pos..))
            .unwrap_or(&[]);
        if data.is_empty() {
            return Err(PcapError::Eof);
        }
        match &mut self.format {
            // The pcap framing decodes every record itself.
            MappedFormat::Pcap(_) => Err(PcapError::Eof),
            MappedFormat::Pcapng { big_endian } => {
                let parse = if *big_endian {
                    parse_block_be
                } else {
                    parse_block_le
                };
                match parse(data) {
                    Ok((rest, block)) => {
                        if let Block::SectionHeader(shb) = &block {
                            *big_endian = shb.big_endian();
                        }
                        Ok((data.offset(rest), PcapBlockOwned::from(block)))
                    }
                    Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
                    Err(nom::Err::Incomplete(_)) => Err(PcapError::UnexpectedEof),
                }
            }
        }
    }

    fn consume(&mut self, offset: usize) {
        self.consume_noshift(offset);
    }

    fn consume_noshift(&mut self, offset: usize) {
        self.consumed += offset;
        self.pos += offset;
    }

    fn consumed(&self) -> usize {
        self.consumed
    }

    fn refill(&mut self) -> Result<(), PcapError<&[u8]>> {
        self.remap().map_err(|error| {
            self.shared.keep_error(error);
            PcapError::ReadError
        })
    }

    fn position(&self) -> usize {
        self.pos
    }

    fn grow(&mut self, new_size: usize) -> bool {
        self.window = self.window.max(new_size);
        true
    }

    fn data(&self) -> &[u8] {
        self.map
            .as_deref()
            .and_then(|map| map.get(self.pos..))
            .unwrap_or(&[])
    }

    fn reader_exhausted(&self) -> bool {
        self.at_end
    }
}
