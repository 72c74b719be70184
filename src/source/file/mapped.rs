//! A plain capture file read in place: the file is mapped into memory a window at a time, and
//! frames are framed and decoded where the page cache holds them, with no copy into a buffer.
//!
//! [`Mapped`] stands where pcap-parser's buffered readers stand (it implements the same
//! [`PcapReaderIterator`]), so the framing in `framing.rs` reads both the same way: `data()` is
//! the window from the next unread byte, `refill()` moves the window to start there, `grow()`
//! makes the next window larger (for a record longer than a window).
//!
//! Why windows rather than the whole file: a mapped page that has been touched counts in the
//! process's resident memory until it is unmapped, so mapping a 8 GiB file whole would show
//! 8 GiB resident at its end. A window is unmapped when the reader moves past it, so resident
//! memory stays within one window per file (and all windows together within
//! [`WINDOW_BUDGET`]).
//!
//! A file that changes under the reader: the window is mapped over the bytes the file holds
//! when it is mapped (its size is asked again at each window), so a file that grows is read
//! to its new end, and one cut short before a window is mapped ends there, as a truncated
//! capture. A file cut short while a window of it is being read would make the kernel stop
//! the process (SIGBUS) when the reader touches a page past the new end; `bus_guard` turns
//! that into a truncation on Linux, and Windows refuses to shorten a mapped file at all.
//! Where neither holds, files are read, not mapped (see [`mappable`]).

use std::fs::File;
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};
use pcap_parser::nom::{Err as NomErr, Needed};
use pcap_parser::pcapng::{parse_block_be, parse_block_le};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{
    PcapBlockOwned, PcapError, PcapHeader, parse_pcap_frame, parse_pcap_frame_be,
    parse_pcap_frame_modified, parse_pcap_header,
};

use super::input::Shared;

/// The largest window of one file.
const WINDOW: usize = 8 << 20;
/// The least window of one file, when very many files are merged.
const MIN_WINDOW: usize = 1 << 20;
/// What the windows of all merged files may map together.
const WINDOW_BUDGET: usize = 32 << 20;
/// How far ahead of the reader the file's bytes are brought into the cache (measured on 1 GiB
/// captures: 2 KiB too short, 16 KiB no better than 4).
const PREFETCH: usize = 4 << 10;
const CACHE_LINE: usize = 64;

/// The window each of `files` merged files gets.
pub(super) fn window_size(files: usize) -> usize {
    (WINDOW_BUDGET / files.max(1)).clamp(MIN_WINDOW, WINDOW)
}

/// Whether files are mapped on this platform (see the module's documentation).
pub(super) fn mappable() -> bool {
    cfg!(any(target_os = "linux", windows))
}

/// How the records of the file are parsed when pcap-parser is asked for one (file headers,
/// section headers, interface descriptions: the framing decodes packet records itself).
#[derive(Debug, Clone, Copy)]
pub(super) enum Layout {
    Pcap,
    Pcapng,
}

/// A plain file read through a window mapped over it.
pub(super) struct Mapped {
    file: File,
    /// The current window; `None` before the first and once the file has ended.
    window: Option<Mmap>,
    /// Where the window starts in the file.
    base: u64,
    /// The next unread byte, from the window's start.
    pos: usize,
    /// Size of the next window.
    capacity: usize,
    /// The last window reaches the end of the file as it was when it was mapped.
    exhausted: bool,
    layout: Layout,
    /// The pcap file header, once parsed: it says how records are parsed.
    header: Option<PcapHeader>,
    /// Byte order of the current pcapng section.
    big_endian: bool,
    /// Bytes mapped so far, for progress.
    shared: Arc<Shared>,
    /// Bytes of the window, from its start, whose cache lines have been asked for.
    prefetched: usize,
    /// The window's registration with the SIGBUS handler.
    #[cfg(target_os = "linux")]
    guard: super::bus_guard::Guard,
}

impl Mapped {
    /// Maps the first window of `file`; the file's header is then in [`Mapped::data`].
    pub(super) fn new(
        file: File,
        layout: Layout,
        capacity: usize,
        shared: Arc<Shared>,
    ) -> std::io::Result<Self> {
        #[cfg(target_os = "linux")]
        let guard = super::bus_guard::Guard::new().ok_or_else(|| {
            std::io::Error::other("no SIGBUS guard for a mapped file: read instead")
        })?;
        let mut mapped = Self {
            file,
            window: None,
            base: 0,
            pos: 0,
            capacity,
            exhausted: false,
            layout,
            header: None,
            big_endian: false,
            shared,
            prefetched: 0,
            #[cfg(target_os = "linux")]
            guard,
        };
        mapped.remap()?;
        Ok(mapped)
    }

    /// Maps the next window, from the next unread byte to at most `capacity` bytes further,
    /// within the file's size now.
    fn remap(&mut self) -> std::io::Result<()> {
        let start = self.base + self.pos as u64;
        let size = self.file.metadata()?.len();
        let len = usize::try_from(size.saturating_sub(start))
            .unwrap_or(usize::MAX)
            .min(self.capacity);
        // The old window goes first: the two never count in resident memory together.
        #[cfg(target_os = "linux")]
        self.guard.cover(&[]);
        self.window = None;
        self.base = start;
        self.pos = 0;
        self.prefetched = 0;
        self.exhausted = start + len as u64 >= size;
        if len == 0 {
            return Ok(());
        }
        let mut options = MmapOptions::new();
        options.offset(start).len(len);
        // SAFETY: the window lies within the file's size as it is now. The file may be cut
        // short by another program while the window is read: on Linux, `bus_guard` makes the
        // pages past the new end read as zeros and the reader stop there; Windows refuses to
        // shorten a file while a view of it is mapped. Nothing writes through this map.
        let window = unsafe { options.map(&self.file)? };
        #[cfg(target_os = "linux")]
        self.guard.cover(&window);
        // Read ahead of the reader from disk, and let pages behind it go first.
        #[cfg(unix)]
        let _ = window.advise(memmap2::Advice::Sequential);
        self.shared.set_bytes(start + len as u64);
        self.window = Some(window);
        Ok(())
    }
}

impl Mapped {
    /// Whether the file was found cut short under the window being read (Linux: the pages
    /// past its new end then read as zeros; the reader stops at the record it is on).
    #[inline]
    pub(super) fn cut(&self) -> bool {
        #[cfg(target_os = "linux")]
        return self.guard.cut();
        #[cfg(not(target_os = "linux"))]
        return false;
    }

    /// Whether the file now ends at or before the next unread byte (it was cut short).
    pub(super) fn shrunk(&self) -> bool {
        let size = self.file.metadata().map(|meta| meta.len());
        size.is_ok_and(|size| size <= self.consumed() as u64)
    }

    /// Asks for the cache lines up to [`PREFETCH`] bytes past the next unread byte.
    ///
    /// The next record's place is known only once this one's header is read, so without
    /// this each record would wait for memory in turn; a read() copy streams the bytes in at
    /// full speed instead, and mapping the file would cost more time than it saves.
    #[inline]
    fn prefetch(&mut self) {
        let Some(window) = &self.window else {
            return;
        };
        let target = (self.pos + PREFETCH).min(window.len());
        while self.prefetched < target {
            if let Some(byte) = window.get(self.prefetched) {
                prefetch_line(byte);
            }
            self.prefetched += CACHE_LINE;
        }
    }
}

/// Asks the processor to bring the cache line holding `byte` (a hint: it loads nothing).
#[inline(always)]
fn prefetch_line(byte: &u8) {
    // SAFETY: SSE is part of every x86_64 processor; a prefetch never faults, and `byte`
    // is a valid reference anyway.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(byte).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = byte;
}

impl PcapReaderIterator for Mapped {
    fn next(&mut self) -> Result<(usize, PcapBlockOwned<'_>), PcapError<&[u8]>> {
        let data = self.window.as_deref().and_then(|w| w.get(self.pos..));
        let data = match data {
            Some(data) if !data.is_empty() => data,
            _ => return Err(PcapError::Eof),
        };
        let exhausted = self.exhausted;
        let incomplete = move |needed: Needed| match needed {
            _ if exhausted => PcapError::UnexpectedEof,
            Needed::Size(n) => PcapError::Incomplete(n.get()),
            Needed::Unknown => PcapError::Incomplete(0),
        };
        let len_of = |rest: &[u8]| data.len() - rest.len();
        match self.layout {
            Layout::Pcap => match self.header {
                None => match parse_pcap_header(data) {
                    Ok((rest, header)) => {
                        self.header = Some(header.clone());
                        Ok((len_of(rest), PcapBlockOwned::LegacyHeader(header)))
                    }
                    Err(NomErr::Error(e) | NomErr::Failure(e)) => Err(e),
                    Err(NomErr::Incomplete(n)) => Err(incomplete(n)),
                },
                Some(ref header) => {
                    let parsed = if header.is_modified_format() {
                        parse_pcap_frame_modified(data)
                    } else if header.is_bigendian() {
                        parse_pcap_frame_be(data)
                    } else {
                        parse_pcap_frame(data)
                    };
                    match parsed {
                        Ok((rest, block)) => Ok((len_of(rest), PcapBlockOwned::Legacy(block))),
                        Err(NomErr::Error(e) | NomErr::Failure(e)) => Err(e),
                        Err(NomErr::Incomplete(n)) => Err(incomplete(n)),
                    }
                }
            },
            Layout::Pcapng => {
                let parse = if self.big_endian {
                    parse_block_be
                } else {
                    parse_block_le
                };
                match parse(data) {
                    Ok((rest, block)) => {
                        if let pcap_parser::Block::SectionHeader(ref shb) = block {
                            self.big_endian = shb.big_endian();
                        }
                        Ok((len_of(rest), PcapBlockOwned::NG(block)))
                    }
                    Err(NomErr::Error(e) | NomErr::Failure(e)) => Err(e),
                    Err(NomErr::Incomplete(n)) => Err(incomplete(n)),
                }
            }
        }
    }

    fn consume(&mut self, offset: usize) {
        self.consume_noshift(offset);
    }

    #[inline]
    fn consume_noshift(&mut self, offset: usize) {
        let len = self.window.as_ref().map_or(0, |w| w.len());
        self.pos = self.pos.saturating_add(offset).min(len);
        self.prefetch();
    }

    fn consumed(&self) -> usize {
        usize::try_from(self.base).unwrap_or(usize::MAX) + self.pos
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
        self.capacity = self.capacity.max(new_size);
        true
    }

    #[inline]
    fn data(&self) -> &[u8] {
        match &self.window {
            Some(window) => window.get(self.pos..).unwrap_or(&[]),
            None => &[],
        }
    }

    fn reader_exhausted(&self) -> bool {
        self.exhausted
    }
}
