//! Compressed captures: the decoders of the formats a capture is commonly kept in (gzip, as
//! tcpdump's rotation and logrotate write it; zstd and lz4, which Wireshark also reads; xz and
//! bzip2, for archives), told apart by their first bytes, not by the file's name.
//!
//! Each decoder streams with bounded memory, and reads every frame or stream of a file made by
//! concatenation (`cat a.zst b.zst`, pzstd's, pbzip2's and parallel xz's output). zstd's window
//! and xz's dictionary are the decoder's history, which its stream chooses (up to 128 MiB for
//! `zstd --long`, 64 MiB for `xz -9`); lz4's and bzip2's decoders hold a block or two, whose
//! size the stream chooses too (8 MiB for lz4's default 4 MiB blocks, 3.5 MiB for `bzip2 -9`).
//! Inputs read together share one budget for these ([`Window`]), and one that asks for more
//! than its share is refused ([`TooLarge`]). gzip's decoder keeps 32 KiB and takes no share.
//!
//! A decoder's failures come out as two kinds of error for the reader's messages:
//! [`io::ErrorKind::UnexpectedEof`] when the compressed data stops before its end (the file was
//! cut short after it was compressed), [`io::ErrorKind::InvalidData`] when it is damaged. What
//! a decoder decoded before its failure comes out before the error: a file cut short gives
//! what the format's own tool (`zstd -d`, `xz -d`...) gives of it, but for xz the symbols of
//! its last 19 compressed bytes (see [`Xz`]).

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use lzma_rust2::{Action, Status, XzStream};
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::input::{Prefixed, read_up_to};
use crate::source::Compression;

/// The largest zstd window accepted: what `zstd --long` and `--ultra -22` use (128 MiB). A
/// frame that asks for more is refused rather than allocated.
const ZSTD_MAX_WINDOW: u64 = 128 << 20;
/// The most memory the xz decoder may take, in KiB: enough for `xz -9` (a 64 MiB dictionary).
const XZ_MEMORY_KIB: u32 = 128 << 10;
/// What the decompression window of an input read alone may take, in bytes: the largest window
/// accepted at all, so that the budget refuses nothing one input alone is read with.
pub const WINDOW_BUDGET: u64 = ZSTD_MAX_WINDOW;
/// What the windows of several compressed inputs read together (the captures of a zip, or
/// rotated files, read at once and merged in time, each decoder with its own window) may take
/// in all, less [`PER_DECODER`] for each, shared equally. With DESIGN's 150 MB cap on the
/// process: measured with `xz`, the rest of the process took some 6 MB, and each decoder
/// about 2.8 MB besides its dictionary (eight `xz -7` files at a 16 MiB share each peaked at
/// 163 MB); so two `xz -9` files (64 MiB each) are read together, eight `xz -7` ones are not.
const SHARED_BUDGET: u64 = 136 << 20;
/// What each decoder takes besides its window, reserved out of [`SHARED_BUDGET`].
const PER_DECODER: u64 = 3 << 20;
/// How many bytes of an xz file are read to find its first block's dictionary: the stream
/// header (12) and the largest block header (1024).
const XZ_HEAD: usize = 12 + 1024;

/// The window one compressed input may take: its share of [`WINDOW_BUDGET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    /// The most it may take, in bytes.
    pub(super) share: u64,
    /// The inputs with a window read together, this one included.
    pub(super) inputs: usize,
}

impl Window {
    /// The share of each of `inputs` inputs with a window read together.
    pub(super) fn shared_by(inputs: usize) -> Self {
        let inputs = inputs.max(1);
        let n = inputs as u64;
        let total = if inputs == 1 {
            WINDOW_BUDGET
        } else {
            SHARED_BUDGET
                .saturating_sub(n.saturating_mul(PER_DECODER))
                .min(WINDOW_BUDGET)
        };
        Self {
            share: total / n,
            inputs,
        }
    }

    /// The whole budget, for an input read alone.
    pub(super) fn alone() -> Self {
        Self::shared_by(1)
    }

    /// The memory limit of an LZMA or xz decoder, in KiB, as lzma-rust2 counts it (the
    /// dictionary and a little more).
    pub(super) fn lzma_memory_kib(self) -> u32 {
        let dictionary = u32::try_from(self.share).unwrap_or(u32::MAX);
        lzma_rust2::lzma2_get_memory_usage(dictionary).min(XZ_MEMORY_KIB)
    }

    /// `Ok` if `need` bytes of buffers fit this window; the refusal if not.
    fn admit(self, format: &'static str, need: u64) -> Result<(), TooLarge> {
        self.refuse_unless(need <= self.share, format, need)
    }

    /// `Ok` if a dictionary of `dictionary` bytes fits this window; the refusal if not.
    pub(super) fn admit_lzma(self, format: &'static str, dictionary: u32) -> Result<(), TooLarge> {
        let fits = lzma_rust2::lzma2_get_memory_usage(dictionary) <= self.lzma_memory_kib();
        self.refuse_unless(fits, format, dictionary.into())
    }

    fn refuse_unless(self, fits: bool, format: &'static str, need: u64) -> Result<(), TooLarge> {
        if fits {
            return Ok(());
        }
        Err(TooLarge {
            format,
            needed: Some(need),
            window: self,
        })
    }
}

impl Compression {
    /// Whether its decoder keeps a window or blocks whose size its stream chooses, which take
    /// a share of [`WINDOW_BUDGET`] (all but gzip, whose 32 KiB need none).
    pub(super) fn has_window(self) -> bool {
        !matches!(self, Self::Gzip)
    }
}

/// A compressed input whose window is larger than its share of [`WINDOW_BUDGET`]: it is not
/// decompressed. It travels as the payload of an [`io::Error`] (kind `OutOfMemory`), through
/// the readers above the decoder, to the reader's message; [`TooLarge::of`] finds it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLarge {
    /// The compression, as people call it: `xz`, `zstd`, `LZMA`, `lz4`, `bzip2`.
    pub(super) format: &'static str,
    /// The window (or for lz4 and bzip2, the blocks) its stream asks for, when the decoder
    /// says.
    pub(super) needed: Option<u64>,
    pub(super) window: Window,
}

impl TooLarge {
    /// The refusal `error` carries, if it is one.
    pub(super) fn of(error: &io::Error) -> Option<Self> {
        error.get_ref()?.downcast_ref::<Self>().copied()
    }

    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::OutOfMemory, self)
    }
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let needed = self
            .needed
            .map_or(String::new(), |n| format!(" of {n} bytes"));
        write!(
            f,
            "its {} data needs a window{needed}, more than the {} bytes it may take",
            self.format, self.window.share
        )
    }
}

impl std::error::Error for TooLarge {}

/// The reader of an input refused for its window: each read says why.
pub(super) struct Refused(pub(super) TooLarge);

impl Read for Refused {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self.0.into_io())
    }
}

impl Compression {
    /// The compression whose magic number `first` begins with, if any.
    pub(super) fn detect(first: &[u8]) -> Option<Self> {
        let is = |magic: &[u8]| first.starts_with(magic);
        if is(&[0x1f, 0x8b]) {
            Some(Self::Gzip)
        } else if is(&[0x28, 0xb5, 0x2f, 0xfd]) || is_zstd_skippable(first) {
            Some(Self::Zstd)
        } else if is(&[0x04, 0x22, 0x4d, 0x18]) {
            Some(Self::Lz4)
        } else if is(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Self::Xz)
        } else if is(b"BZh") && first.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
            Some(Self::Bzip2)
        } else {
            None
        }
    }
}

/// A zstd skippable frame (pzstd begins its files with one).
fn is_zstd_skippable(first: &[u8]) -> bool {
    matches!(first, [m, 0x2a, 0x4d, 0x18, ..] if m & 0xf0 == 0x50)
}

/// The decoder of `compression` over the file's bytes, its history kept within `window`.
pub(super) fn decoder<R: Read + Send + 'static>(
    compression: Compression,
    file: R,
    window: Window,
) -> Box<dyn Read + Send> {
    match compression {
        // flate2 tells a cut stream (UnexpectedEof) from damage (InvalidInput) itself.
        Compression::Gzip => Box::new(MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(Classified::new(file, |source| {
            Box::new(Zstd::new(source, window))
        })),
        Compression::Lz4 => blocks(file, window, "lz4", lz4_blocks, |source| {
            Box::new(Lz4 {
                frame: Some(lz4_flex::frame::FrameDecoder::new(source)),
            })
        }),
        Compression::Xz => xz(file, window),
        Compression::Bzip2 => blocks(file, window, "bzip2", bzip2_blocks, |source| {
            Box::new(bzip2::read::MultiBzDecoder::new(source))
        }),
    }
}

/// The decoder `make` makes, refused at once when the buffers for its blocks, which `need`
/// tells from the stream's first bytes, do not fit `window`. Only the first frame or stream
/// is looked at: the later ones of a concatenated file are made alike.
fn blocks<R: Read + Send + 'static>(
    mut file: R,
    window: Window,
    format: &'static str,
    need: fn(&[u8]) -> Option<u64>,
    make: impl FnOnce(Source<Prefixed<R>>) -> Box<dyn ReadSource<Prefixed<R>>>,
) -> Box<dyn Read + Send> {
    let (head, error) = read_up_to(&mut file, 6);
    if let Some(need) = need(&head)
        && let Err(refused) = window.admit(format, need)
    {
        return Box::new(Refused(refused));
    }
    Box::new(Classified::new(Prefixed::new(head, error, file), make))
}

/// What lz4_flex's frame decoder holds for the frame that `head` begins: a block read and a
/// block decoded, the last 64 KiB too when blocks are linked (the frame descriptor's FLG and
/// BD bytes).
fn lz4_blocks(head: &[u8]) -> Option<u64> {
    let (&flags, &sizes) = (head.get(4)?, head.get(5)?);
    let block: u64 = match (sizes >> 4) & 0x07 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        _ => return None,
    };
    let independent = flags & 0x20 != 0;
    Some(if independent {
        2 * block
    } else {
        3 * block + (64 << 10)
    })
}

/// What a bzip2 decoder holds for the stream that `head` begins (`BZh1` to `BZh9`): as
/// libbzip2's manual gives it, 100 kB and four bytes for each byte of a block.
fn bzip2_blocks(head: &[u8]) -> Option<u64> {
    let level = head
        .get(3)?
        .checked_sub(b'0')
        .filter(|l| (1..=9).contains(l))?;
    Some(100_000 + 400_000 * u64::from(level))
}

/// xz, refused at once when its first block's dictionary does not fit `window` (a later
/// block's, when its turn comes: lzma-rust2 checks each block against the limit).
fn xz<R: Read + Send + 'static>(mut file: R, window: Window) -> Box<dyn Read + Send> {
    let (head, error) = read_up_to(&mut file, XZ_HEAD);
    if let Some(dictionary) = xz_dictionary(&head)
        && let Err(refused) = window.admit_lzma("xz", dictionary)
    {
        return Box::new(Refused(refused));
    }
    let limit = window.lzma_memory_kib();
    // The sans-I/O decoder takes one filter before LZMA2 (BCJ or delta), the reader a chain.
    let chain = xz_filters(&head).is_some_and(|filters| filters > 2);
    let mut xz = Classified::new(Prefixed::new(head, error, file), move |source| {
        if chain {
            return Box::new(lzma_rust2::XzReader::new_mem_limit(source, true, limit));
        }
        Box::new(Xz {
            source,
            stream: XzStream::new_mem_limit(true, limit),
            pending: None,
            failed: None,
            done: false,
        })
    });
    // lzma-rust2 says only "needed memory too big" of a later block.
    xz.refusal = Some(TooLarge {
        format: "xz",
        needed: None,
        window,
    });
    Box::new(xz)
}

/// How many filters the first block of the xz stream that `head` begins has (LZMA2 and those
/// before it), if `head` holds its header's flags.
fn xz_filters(head: &[u8]) -> Option<u8> {
    let flags = head.get(13)?;
    // 0 at 12 is the index of a stream without blocks.
    (*head.get(12)? != 0).then_some((flags & 0x03) + 1)
}

/// The dictionary size of the first block of the xz stream that `head` begins, if `head`
/// holds its header and the block is LZMA2 (xz's file format, sections 2.1 and 3.1).
fn xz_dictionary(head: &[u8]) -> Option<u32> {
    let block = head.get(12..)?;
    // 0 is the index of a stream without blocks.
    let header_len = (usize::from(*block.first()?) + 1) * 4;
    let header = block.get(..header_len.checked_sub(4)?)?.get(1..)?;
    let (&flags, mut rest) = header.split_first()?;
    // The compressed and the uncompressed size, when present.
    for present in [0x40, 0x80] {
        if flags & present != 0 {
            varint(&mut rest)?;
        }
    }
    for _ in 0..=(flags & 0x03) {
        let (id, props_len) = (varint(&mut rest)?, varint(&mut rest)?);
        let props_len = usize::try_from(props_len).ok()?;
        let props = rest.get(..props_len)?;
        rest = rest.get(props_len..)?;
        // LZMA2, whose one property byte codes the dictionary size.
        if id == 0x21 {
            let &[bits] = props else { return None };
            return match bits {
                0..40 => Some((2 | u32::from(bits & 1)) << (bits / 2 + 11)),
                40 => Some(u32::MAX),
                _ => None,
            };
        }
    }
    None
}

/// The variable-length integer `rest` begins with (xz's format, section 1.2), taken off it.
fn varint(rest: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &byte) in rest.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *rest = rest.get(i + 1..)?;
            return Some(value);
        }
    }
    None
}

/// The file's bytes as the decoders read them: buffered, and noting whether a decoder asked
/// for more when there was none (which makes its error a cut, not damage).
struct Source<R> {
    inner: BufReader<R>,
    ended: bool,
}

impl<R: Read> Source<R> {
    /// True when the file has no more bytes (at a frame's boundary: a clean end).
    fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.inner.fill_buf()?.is_empty())
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        Ok(n)
    }
}

/// A decoder whose errors say whether the data was cut or damaged (see the module), or that
/// it needs more window than it may take.
struct Classified<R> {
    decoder: Box<dyn ReadSource<R>>,
    /// What an `OutOfMemory` error of the decoder means: a window over its limit.
    refusal: Option<TooLarge>,
}

/// A decoder that gives access to the [`Source`] it reads.
trait ReadSource<R>: Read + Send {
    fn source(&self) -> Option<&Source<R>>;
}

impl<R: Read + Send + 'static> Classified<R> {
    fn new(file: R, make: impl FnOnce(Source<R>) -> Box<dyn ReadSource<R>>) -> Self {
        Self {
            decoder: make(Source {
                inner: BufReader::with_capacity(64 << 10, file),
                ended: false,
            }),
            refusal: None,
        }
    }
}

impl<R: Read> Read for Classified<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|error| {
            if TooLarge::of(&error).is_some() {
                return error;
            }
            if let (io::ErrorKind::OutOfMemory, Some(refusal)) = (error.kind(), self.refusal) {
                return refusal.into_io();
            }
            let cut = error.kind() == io::ErrorKind::UnexpectedEof
                || self.decoder.source().is_some_and(|s| s.ended);
            match error.kind() {
                io::ErrorKind::Interrupted => error,
                _ if error.kind() == io::ErrorKind::InvalidData && !cut => error,
                _ if cut => io::Error::new(io::ErrorKind::UnexpectedEof, error.to_string()),
                _ => io::Error::new(io::ErrorKind::InvalidData, error.to_string()),
            }
        })
    }
}

/// zstd, frame after frame (ruzstd's streaming decoder reads one frame and checks no
/// checksum).
///
/// Each block is read whole before the decoder is given it, so that a file cut short is told
/// from damage before decoding, and what the decoder holds is not lost with the block the cut
/// is in: ruzstd hands out a frame's last window (up to the frame's window, 8 MiB for
/// `zstd -19`) only when the frame ends, so a cut frame is ended for it (see
/// [`Zstd::end_cut_frame`]) and gives what `zstd -d` gives of it.
struct Zstd<R> {
    source: Source<R>,
    frame: FrameDecoder,
    /// Inside a frame (its header read, its end not yet).
    in_frame: bool,
    /// The frame ends with a checksum of its content (after its last block).
    checksum: bool,
    /// The block being read: its header, its content, and after the last, the checksum.
    block: Vec<u8>,
    /// The file ended inside the frame, which was ended for the decoder: what it holds comes
    /// out, then the cut, at every read after.
    cut: bool,
    window: Window,
}

/// A block's content is at most 128 KiB (RFC 8878, Block_Maximum_Size).
const ZSTD_MAX_BLOCK: usize = 128 << 10;

impl<R: Read> Zstd<R> {
    fn new(source: Source<R>, window: Window) -> Self {
        let mut frame = FrameDecoder::new();
        frame.set_max_window_size(window.share.min(ZSTD_MAX_WINDOW));
        Self {
            source,
            frame,
            in_frame: false,
            checksum: false,
            block: Vec::new(),
            cut: false,
            window,
        }
    }

    /// Reads the next frame's header, skipping skippable frames; false at the clean end.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.at_end()? {
                return Ok(false);
            }
            let mut header = Recording {
                source: &mut self.source,
                head: Vec::with_capacity(5),
            };
            match self.frame.init(&mut header) {
                Ok(()) => {
                    // The frame header descriptor, after the magic number: bit 2.
                    self.checksum = header.head.get(4).is_some_and(|d| d & 0x04 != 0);
                    return Ok(true);
                }
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped =
                        io::copy(&mut (&mut self.source).take(length.into()), &mut io::sink())?;
                    if skipped < u64::from(length) {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "a skippable frame ends early",
                        ));
                    }
                }
                Err(FrameDecoderError::WindowSizeTooBig { requested, .. }) => {
                    return Err(TooLarge {
                        format: "zstd",
                        needed: Some(requested),
                        window: self.window,
                    }
                    .into_io());
                }
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
    }

    /// Reads the frame's next block whole (with the frame's checksum after the last) and
    /// decodes it; when the file ends inside it, ends the frame with what arrived.
    fn next_block(&mut self) -> io::Result<()> {
        const HEADER: usize = 3;
        self.block.clear();
        if self.read_block(HEADER)? < HEADER {
            return self.end_cut_frame(0);
        }
        let word = self
            .block
            .iter()
            .rev()
            .fold(0u32, |word, &b| (word << 8) | u32::from(b));
        let (last, kind, size) = (word & 1 == 1, (word >> 1) & 0x03, (word >> 3) as usize);
        // An RLE block's content is its one byte; raw and compressed blocks' their size.
        let content = if kind == 1 { 1 } else { size };
        if content > ZSTD_MAX_BLOCK {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a zstd block says it holds {content} bytes, more than a block may"),
            ));
        }
        let checksum = if last && self.checksum { 4 } else { 0 };
        let arrived = self.read_block(content + checksum)?;
        if arrived < content {
            // zstd -d hands out a raw block's bytes as they come, nothing of another block
            // until it is whole.
            return self.end_cut_frame(if kind == 0 { arrived } else { 0 });
        }
        if arrived < content + checksum {
            // Only the checksum is missing: the block is decoded, the frame unchecked.
            self.block.resize(HEADER + content + checksum, 0);
            self.cut = true;
        }
        self.frame
            .decode_blocks(self.block.as_slice(), BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }

    /// Appends up to `len` bytes of the file to the block; returns how many it had.
    fn read_block(&mut self, len: usize) -> io::Result<usize> {
        (&mut self.source)
            .take(len as u64)
            .read_to_end(&mut self.block)
    }

    /// Ends a frame the file ends inside, so that the decoder hands out all it decoded: with a
    /// last raw block of the first `raw` bytes of the block the cut is in, if that is raw
    /// (`self.block`: its header, then its bytes).
    fn end_cut_frame(&mut self, raw: usize) -> io::Result<()> {
        let header = ((raw as u32) << 3 | 1).to_le_bytes();
        let mut end = Vec::with_capacity(3 + raw + 4);
        end.extend_from_slice(header.get(..3).unwrap_or_default());
        end.extend_from_slice(self.block.get(3..3 + raw).unwrap_or_default());
        // A checksum, which is not checked.
        if self.checksum {
            end.extend_from_slice(&[0; 4]);
        }
        self.cut = true;
        self.frame
            .decode_blocks(end.as_slice(), BlockDecodingStrategy::UptoBlocks(1))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }
}

/// The source as a frame header is read from it, its first five bytes kept: the magic number
/// and the frame header descriptor.
struct Recording<'a, R> {
    source: &'a mut Source<R>,
    head: Vec<u8>,
}

impl<R: Read> Read for Recording<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read(buf)?;
        let keep = n.min(5usize.saturating_sub(self.head.len()));
        self.head
            .extend_from_slice(buf.get(..keep).unwrap_or_default());
        Ok(n)
    }
}

impl<R: Read + Send> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            if self.frame.can_collect() > 0 {
                return self.frame.read(buf);
            }
            if self.frame.is_finished() {
                if self.cut {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a zstd frame ends early",
                    ));
                }
                let (read, computed) = (
                    self.frame.get_checksum_from_data(),
                    self.frame.get_calculated_checksum(),
                );
                if let (Some(read), Some(computed)) = (read, computed)
                    && read != computed
                {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "a zstd frame's checksum does not match its data ({computed:08x}, the frame says {read:08x})"
                        ),
                    ));
                }
                self.in_frame = false;
                continue;
            }
            self.next_block()?;
        }
    }
}

impl<R: Read + Send> ReadSource<R> for Zstd<R> {
    fn source(&self) -> Option<&Source<R>> {
        Some(&self.source)
    }
}

/// lz4 frames one after the other (lz4_flex's decoder reads one).
struct Lz4<R: Read> {
    /// `None` only while a frame's decoder hands its source to the next.
    frame: Option<lz4_flex::frame::FrameDecoder<Source<R>>>,
}

impl<R: Read + Send> Read for Lz4<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(frame) = self.frame.as_mut() else {
                return Ok(0);
            };
            let n = frame.read(buf)?;
            if n > 0 || frame.get_mut().at_end()? {
                return Ok(n);
            }
            // The frame ended and more follows: the next frame.
            let source = self
                .frame
                .take()
                .map(lz4_flex::frame::FrameDecoder::into_inner);
            self.frame = source.map(lz4_flex::frame::FrameDecoder::new);
        }
    }
}

impl<R: Read + Send> ReadSource<R> for Lz4<R> {
    fn source(&self) -> Option<&Source<R>> {
        self.frame
            .as_ref()
            .map(lz4_flex::frame::FrameDecoder::get_ref)
    }
}

/// xz, stream after stream, by lzma-rust2's sans-I/O decoder, which decodes whatever part of
/// an LZMA2 chunk it is given, as liblzma does: a file cut short gives what `xz -d` gives of
/// it, but for the symbols that start in its last 19 compressed bytes. The decoder decodes a
/// symbol only once it has the 20 bytes the longest may take, and at the end, decoding the
/// rest against padding, drops all of it when a symbol runs into the padding: 16 to 152 bytes
/// of the capture in the trial's cut files, the last packet or few (up to five of a SYN
/// scan's 60-byte packets). lzma-rust2's reader reads a chunk's compressed data, up to
/// 64 KiB, whole before it decodes any, and so gave nothing of the chunk a cut is in: of a
/// small capture, nothing.
struct Xz<R> {
    source: Source<R>,
    stream: XzStream,
    /// The decoder's error in a call that decoded bytes first: it comes after them.
    pending: Option<io::Error>,
    /// The decoder failed: this, at every read after (the decoder itself would say only that
    /// it failed before).
    failed: Option<(io::ErrorKind, String)>,
    /// The last stream ended.
    done: bool,
}

impl<R: Read> Xz<R> {
    /// `error`, kept for the reads after it.
    fn fail(&mut self, error: io::Error) -> io::Error {
        self.failed = Some((error.kind(), error.to_string()));
        error
    }
}

impl<R: Read + Send> Read for Xz<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(error) = self.pending.take() {
            return Err(self.fail(error));
        }
        if let Some((kind, message)) = &self.failed {
            return Err(io::Error::new(*kind, message.clone()));
        }
        if buf.is_empty() || self.done {
            return Ok(0);
        }
        loop {
            let input = self.source.inner.fill_buf()?;
            let action = if input.is_empty() {
                self.source.ended = true;
                Action::Finish
            } else {
                Action::Run
            };
            let before = self.stream.total_out();
            let result = self.stream.process(input, buf, action);
            let produced = usize::try_from(self.stream.total_out() - before).unwrap_or(0);
            let result = match result {
                Ok(result) => result,
                // What it decoded before the cut or the damage is handed out first.
                Err(error) if produced > 0 => {
                    self.pending = Some(error);
                    return Ok(produced);
                }
                Err(error) => return Err(self.fail(error)),
            };
            self.source.inner.consume(result.bytes_consumed);
            self.done = result.status == Status::StreamEnd;
            if produced > 0 || self.done {
                return Ok(produced);
            }
            if result.bytes_consumed == 0 {
                // Given input or told it ends, the decoder either moves on or fails; never
                // spin on it.
                return Err(self.fail(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the xz decoder stopped without an error",
                )));
            }
        }
    }
}

impl<R: Read + Send> ReadSource<R> for Xz<R> {
    fn source(&self) -> Option<&Source<R>> {
        Some(&self.source)
    }
}

/// The reader of a chain of filters: a cut in a chunk gives nothing of it (see [`Xz`]).
impl<R: Read + Send> ReadSource<R> for lzma_rust2::XzReader<Source<R>> {
    fn source(&self) -> Option<&Source<R>> {
        Some(self.inner())
    }
}

impl<R: Read + Send> ReadSource<R> for bzip2::read::MultiBzDecoder<Source<R>> {
    fn source(&self) -> Option<&Source<R>> {
        Some(self.get_ref())
    }
}

/// The extensions of the compressed files a capture is copied to (`gzip -k`, `zstd`, `xz -k`,
/// `bzip2 -k`, `lz4`), lower-case.
pub(super) const COMPRESSED_EXTENSIONS: &[&str] = &["gz", "zst", "lz4", "xz", "bz2"];

/// Whether the file at `compressed` is compressed and decompresses to the bytes of the file at
/// `plain`, every one to the last: a copy of that capture (`day.pcap.gz` beside `day.pcap`,
/// as `gzip -k` leaves it). Any failure to read either is a no. The two are read side by side
/// and the reading stops at the first byte that differs, which for another capture of the same
/// name (a rotated set written again) is among its first frames. The user's cancel (`cancel`
/// set) stops it, as a no (see [`super::input::same_streams`]).
pub(super) fn decompresses_to(
    compressed: &std::path::Path,
    plain: &std::path::Path,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> bool {
    let (Ok(mut packed), Ok(plain)) = (std::fs::File::open(compressed), std::fs::File::open(plain))
    else {
        return false;
    };
    let (first, error) = super::input::read_prefix(&mut packed);
    let Some(compression) = Compression::detect(&first) else {
        return false;
    };
    let mut unpacked = decoder(
        compression,
        Prefixed::new(first, error, packed),
        Window::alone(),
    );
    super::input::same_streams(&mut unpacked, &mut BufReader::new(plain), cancel)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_FRAMES: &[u8] =
        include_bytes!("../../../tests/fixtures/compressed/http-mix-2frames.pcapng.zst");
    const PLAIN: &[u8] = include_bytes!("../../../tests/fixtures/http-mix.pcapng");

    fn decompress(compression: Compression, bytes: &[u8]) -> (Vec<u8>, Option<io::Error>) {
        let mut out = Vec::new();
        let error = decoder(
            compression,
            io::Cursor::new(bytes.to_vec()),
            Window::alone(),
        )
        .read_to_end(&mut out)
        .err();
        (out, error)
    }

    #[test]
    fn compressions_are_told_by_their_first_bytes() {
        let fixture = |name: &str| {
            std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/compressed")
                    .join(name),
            )
            .expect("fixture")
        };
        for (name, compression) in [
            ("http-mix.pcapng.zst", Compression::Zstd),
            ("http-mix-2frames.pcapng.zst", Compression::Zstd),
            ("http-mix.pcapng.lz4", Compression::Lz4),
            ("http-mix.pcapng.xz", Compression::Xz),
            ("http-mix.pcapng.bz2", Compression::Bzip2),
        ] {
            assert_eq!(
                Compression::detect(&fixture(name)),
                Some(compression),
                "{name}"
            );
        }
        assert_eq!(
            Compression::detect(&[0x1f, 0x8b, 8, 0]),
            Some(Compression::Gzip)
        );
        // A pcap, a pcapng, text that begins like bzip2's magic: none.
        for plain in [
            &[0xd4, 0xc3, 0xb2, 0xa1][..],
            &[0x0a, 0x0d, 0x0d, 0x0a],
            b"BZhello",
        ] {
            assert_eq!(Compression::detect(plain), None);
        }
    }

    /// ruzstd's own reader leaves the frame's checksum unchecked: damage that still decodes
    /// must not pass for the capture.
    #[test]
    fn a_zstd_frame_whose_checksum_does_not_match_is_damaged() {
        let (whole, error) = decompress(Compression::Zstd, TWO_FRAMES);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(whole, PLAIN);
        let mut bad = TWO_FRAMES.to_vec();
        if let Some(last) = bad.last_mut() {
            *last ^= 1;
        }
        let (_, error) = decompress(Compression::Zstd, &bad);
        let error = error.expect("a checksum mismatch");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("checksum"), "{error}");
    }

    /// The budget is divided equally among the inputs with a window; one alone gets it all,
    /// the largest window accepted at all (`zstd --long`'s 128 MiB; xz to its memory limit).
    #[test]
    fn the_window_budget_is_divided_among_the_inputs_that_have_one() {
        assert_eq!(Window::alone().share, 128 << 20);
        assert_eq!(Window::shared_by(0), Window::alone());
        // Several: 136 MiB less 3 MiB for each decoder (never more than one alone gets),
        // within the 150 MB the process keeps to.
        assert_eq!(Window::shared_by(2).share, 64 << 20);
        assert_eq!(Window::shared_by(3).share, (127 << 20) / 3);
        assert_eq!(Window::shared_by(8).share, 14 << 20);
        assert_eq!(Window::shared_by(46).share, 0, "no room left");
        assert_eq!(Window::alone().lzma_memory_kib(), XZ_MEMORY_KIB);
        // xz -9's 64 MiB dictionary fits a share of two, not of three.
        let xz9 = 64 << 20;
        assert!(Window::shared_by(2).admit_lzma("xz", xz9).is_ok());
        let refused = Window::shared_by(3).admit_lzma("xz", xz9);
        assert_eq!(
            refused,
            Err(TooLarge {
                format: "xz",
                needed: Some(64 << 20),
                window: Window::shared_by(3),
            })
        );
        // xz's default (-6, 8 MiB) fits a share of twelve; -7 (16 MiB) not one of eight.
        assert!(Window::shared_by(12).admit_lzma("xz", 8 << 20).is_ok());
        assert!(Window::shared_by(13).admit_lzma("xz", 8 << 20).is_err());
        assert!(Window::shared_by(8).admit_lzma("xz", 16 << 20).is_err());
        assert!(Compression::Xz.has_window() && Compression::Zstd.has_window());
        assert!(Compression::Lz4.has_window() && Compression::Bzip2.has_window());
        assert!(!Compression::Gzip.has_window());
    }

    /// lz4's and bzip2's block buffers are told from their first bytes, and refuse the input
    /// alike: lz4's default 4 MiB independent blocks take 8 MiB (12 MiB and 64 KiB linked), the
    /// 64 KiB blocks lz4 chose for the small fixture 128 KiB; `bzip2 -9`'s 900 kB blocks 3.7 MB.
    #[test]
    fn lz4_and_bzip2_blocks_take_a_share_too() {
        let lz4 = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.lz4");
        let bz2 = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.bz2");
        let magic = [0x04, 0x22, 0x4d, 0x18];
        assert_eq!(
            lz4_blocks(&[&magic[..], &[0x64, 0x70]].concat()),
            Some(8 << 20)
        );
        let linked = lz4_blocks(&[&magic[..], &[0x44, 0x70]].concat());
        assert_eq!(linked, Some((12 << 20) + (64 << 10)));
        assert_eq!(lz4_blocks(lz4), Some(128 << 10));
        assert_eq!(bzip2_blocks(bz2), Some(3_700_000));
        assert_eq!(bzip2_blocks(b"BZh0"), None);
        for (compression, bytes, format, need, refused_by) in [
            (Compression::Lz4, &lz4[..], "lz4", 128 << 10, 1025),
            (Compression::Bzip2, &bz2[..], "bzip2", 3_700_000, 40),
        ] {
            let mut out = Vec::new();
            let fits = decoder(
                compression,
                io::Cursor::new(bytes.to_vec()),
                Window::shared_by(16),
            )
            .read_to_end(&mut out);
            assert!(fits.is_ok() && out == PLAIN, "{format}: {fits:?}");
            let window = Window::shared_by(refused_by);
            let error = decoder(compression, io::Cursor::new(bytes.to_vec()), window)
                .read_to_end(&mut out)
                .err();
            assert_eq!(
                error.as_ref().and_then(TooLarge::of),
                Some(TooLarge {
                    format,
                    needed: Some(need),
                    window,
                }),
                "{format}"
            );
        }
    }

    /// The first block's dictionary is read from the xz file's first bytes.
    #[test]
    fn an_xz_files_dictionary_is_read_from_its_first_block_header() {
        let xz = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.xz");
        assert_eq!(xz_dictionary(xz), Some(64 << 20));
        // Cut inside the block header, or a stream without blocks: not known.
        assert_eq!(xz_dictionary(&xz[..16]), None);
        let mut empty = xz[..12].to_vec();
        empty.push(0);
        assert_eq!(xz_dictionary(&empty), None);
    }

    /// An input refused for its window says so whatever reads it, with the window it needs,
    /// before it gives a byte: the same `xz -9` file decodes alone and is refused as one of
    /// three; a zstd frame that asks for 64 MiB likewise.
    #[test]
    fn a_window_over_the_share_refuses_the_input_with_what_it_needs() {
        let xz = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.xz");
        let read = |compression, bytes: &[u8], window| {
            let mut out = Vec::new();
            let error = decoder(compression, io::Cursor::new(bytes.to_vec()), window)
                .read_to_end(&mut out)
                .err();
            (out, error)
        };
        let (out, error) = read(Compression::Xz, xz, Window::shared_by(2));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(out, PLAIN);
        let (out, error) = read(Compression::Xz, xz, Window::shared_by(3));
        assert!(out.is_empty());
        let refused = error.as_ref().and_then(TooLarge::of);
        assert_eq!(refused.and_then(|r| r.needed), Some(64 << 20), "{error:?}");
        // A zstd frame header: no single segment, a window descriptor of 2^26 (64 MiB).
        let zstd = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 16 << 3, 0, 0, 0];
        let (_, error) = read(Compression::Zstd, &zstd, Window::shared_by(3));
        let refused = error.as_ref().and_then(TooLarge::of);
        assert_eq!(
            refused,
            Some(TooLarge {
                format: "zstd",
                needed: Some(64 << 20),
                window: Window::shared_by(3),
            }),
            "{error:?}"
        );
        // Alone it is not refused for its window (the frame is cut, and says so).
        let (_, error) = read(Compression::Zstd, &zstd, Window::alone());
        assert!(error.as_ref().and_then(TooLarge::of).is_none(), "{error:?}");
    }

    /// Regression (trial): a zstd file cut short gave nothing of the frame's last window, which
    /// ruzstd holds until the frame ends (4 KiB here, 8 MiB for `zstd -19`). Every byte
    /// `zstd -d` gives of it comes out, then the cut: of a frame of three 4 KiB blocks (the cut
    /// fixture of make-compressed.sh) 8192 bytes, or 4096 cut inside its second block; of a
    /// frame whose checksum is cut, all of it.
    #[test]
    fn a_cut_zstd_frame_gives_every_byte_zstd_gives_of_it() {
        let cut = include_bytes!("../../../tests/fixtures/compressed/http-mix-cut.pcapng.zst");
        let last = TWO_FRAMES.len();
        for (bytes, gives) in [
            (&cut[..], 8192),
            (&cut[..1884], 4096),
            (&TWO_FRAMES[..last - 2], PLAIN.len()),
            // The second frame's last byte missing: only the first frame.
            (&TWO_FRAMES[..last - 5], 5000),
        ] {
            gives_then_ends_early(Compression::Zstd, bytes, gives);
        }
    }

    /// `bytes`, a cut stream, decompress to the first `gives` bytes of the capture, then an
    /// unexpected end.
    fn gives_then_ends_early(compression: Compression, bytes: &[u8], gives: usize) {
        let (out, error) = decompress(compression, bytes);
        assert_eq!(out.len(), gives, "{} bytes", bytes.len());
        assert_eq!(out, PLAIN[..gives]);
        let kind = error.map(|e| e.kind());
        assert_eq!(
            kind,
            Some(io::ErrorKind::UnexpectedEof),
            "{} bytes",
            bytes.len()
        );
    }

    /// zstd writes data it cannot compress (encrypted payloads) as raw blocks, which `zstd -d`
    /// hands out as they arrive: a cut inside one gives its bytes up to the cut. A frame of
    /// raw blocks of 4 KiB made here from the capture; what zstd 1.5.4 gives of each cut.
    #[test]
    fn a_zstd_frame_cut_inside_a_raw_block_gives_the_bytes_before_the_cut() {
        // No checksum, a 16 KiB window.
        let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 4 << 3];
        for (i, block) in PLAIN.chunks(4096).enumerate() {
            let last = (i + 1) * 4096 >= PLAIN.len();
            let header = (block.len() as u32) << 3 | u32::from(last);
            frame.extend_from_slice(&header.to_le_bytes()[..3]);
            frame.extend_from_slice(block);
        }
        let (whole, error) = decompress(Compression::Zstd, &frame);
        assert!(error.is_none() && whole == PLAIN, "{error:?}");
        let second = 6 + 3 + 4096;
        for (cut, gives) in [
            (second + 3 + 1000, 5096),
            (second + 2, 4096),
            (second + 3, 4096),
            (frame.len() - 1, PLAIN.len() - 1),
        ] {
            gives_then_ends_early(Compression::Zstd, &frame[..cut], gives);
        }
    }

    /// Regression (trial): an xz file cut short gave nothing of the LZMA2 chunk the cut is in
    /// (up to 64 KiB of compressed data; of a small capture, all of it). What it decodes of
    /// that chunk comes out, then the cut: of the cut fixture 7773 bytes, where `xz -d` gives
    /// 7925, as lzma-rust2 decodes no symbol that starts in the last 19 compressed bytes of a
    /// cut (it must see 20 bytes past a symbol's start before it decodes it, and at the end
    /// drops the tail when a symbol there runs past it). Of a file cut in its index, after
    /// its last block, all of the capture, as `xz -d` gives.
    #[test]
    fn a_cut_xz_stream_gives_what_it_decodes_before_the_cut() {
        let cut = include_bytes!("../../../tests/fixtures/compressed/http-mix-cut.pcapng.xz");
        let whole = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.xz");
        for (bytes, gives) in [(&cut[..], 7773), (&whole[..whole.len() - 12], PLAIN.len())] {
            gives_then_ends_early(Compression::Xz, bytes, gives);
        }
    }

    /// A block of two filters before LZMA2 (`xz --x86 --delta=dist=4 --lzma2`, whose first
    /// bytes these are), which the sans-I/O decoder does not take, goes to the reader.
    #[test]
    fn an_xz_chain_of_filters_is_told_from_its_first_block_header() {
        let chain = [
            0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46, 0x03, 0x02,
            0x04, 0x00, 0x03, 0x01, 0x03, 0x21, 0x01, 0x16, 0x00, 0x00, 0xce, 0xcd, 0x16, 0xaf,
        ];
        assert_eq!(xz_filters(&chain), Some(3));
        let plain = include_bytes!("../../../tests/fixtures/compressed/http-mix.pcapng.xz");
        assert_eq!(xz_filters(plain), Some(1));
        assert_eq!(xz_filters(&plain[..13]), None);
    }

    /// Bytes after the last frame that are no frame are damage, not the end.
    #[test]
    fn bytes_after_the_last_frame_are_damage() {
        let mut tail = TWO_FRAMES.to_vec();
        tail.extend_from_slice(b"garbage!");
        let (out, error) = decompress(Compression::Zstd, &tail);
        assert_eq!(out, PLAIN);
        assert_eq!(error.map(|e| e.kind()), Some(io::ErrorKind::InvalidData));
    }
}
