//! Compressed captures: the decoders of the formats a capture is commonly kept in (gzip, as
//! tcpdump's rotation and logrotate write it; zstd and lz4, which Wireshark also reads; xz and
//! bzip2, for archives), told apart by their first bytes, not by the file's name.
//!
//! Each decoder streams with bounded memory (zstd's window and xz's dictionary are capped), and
//! reads every frame or stream of a file made by concatenation (`cat a.zst b.zst`, pzstd's,
//! pbzip2's and parallel xz's output). A decoder's failures come out as two kinds of error for
//! the reader's messages: [`io::ErrorKind::UnexpectedEof`] when the compressed data stops before
//! its end (the file was cut short after it was compressed), [`io::ErrorKind::InvalidData`]
//! when it is damaged.

use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use crate::source::Compression;

/// The largest zstd window accepted: what `zstd --long` and `--ultra -22` use (128 MiB). A
/// frame that asks for more is refused rather than allocated.
const ZSTD_MAX_WINDOW: u64 = 128 << 20;
/// The most memory the xz decoder may take, in KiB: enough for `xz -9` (a 64 MiB dictionary).
pub(super) const XZ_MEMORY_KIB: u32 = 128 << 10;

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

/// The decoder of `compression` over the file's bytes.
pub(super) fn decoder<R: Read + Send + 'static>(
    compression: Compression,
    file: R,
) -> Box<dyn Read + Send> {
    match compression {
        // flate2 tells a cut stream (UnexpectedEof) from damage (InvalidInput) itself.
        Compression::Gzip => Box::new(MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(Classified::new(file, |source| Box::new(Zstd::new(source)))),
        Compression::Lz4 => Box::new(Classified::new(file, |source| {
            Box::new(Lz4 {
                frame: Some(lz4_flex::frame::FrameDecoder::new(source)),
            })
        })),
        Compression::Xz => Box::new(Classified::new(file, |source| {
            Box::new(lzma_rust2::XzReader::new_mem_limit(
                source,
                true,
                XZ_MEMORY_KIB,
            ))
        })),
        Compression::Bzip2 => Box::new(Classified::new(file, |source| {
            Box::new(bzip2::read::MultiBzDecoder::new(source))
        })),
    }
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

/// A decoder whose errors say whether the data was cut or damaged (see the module).
struct Classified<R> {
    decoder: Box<dyn ReadSource<R>>,
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
        }
    }
}

impl<R: Read> Read for Classified<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|error| {
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
struct Zstd<R> {
    source: Source<R>,
    frame: FrameDecoder,
    /// Inside a frame (its header read, its end not yet).
    in_frame: bool,
}

impl<R: Read> Zstd<R> {
    fn new(source: Source<R>) -> Self {
        let mut frame = FrameDecoder::new();
        frame.set_max_window_size(ZSTD_MAX_WINDOW);
        Self {
            source,
            frame,
            in_frame: false,
        }
    }

    /// Reads the next frame's header, skipping skippable frames; false at the clean end.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.at_end()? {
                return Ok(false);
            }
            match self.frame.init(&mut self.source) {
                Ok(()) => return Ok(true),
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
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
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
            self.frame
                .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                .map_err(|e| io::Error::other(e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_FRAMES: &[u8] =
        include_bytes!("../../../tests/fixtures/compressed/http-mix-2frames.pcapng.zst");
    const PLAIN: &[u8] = include_bytes!("../../../tests/fixtures/http-mix.pcapng");

    fn decompress(compression: Compression, bytes: &[u8]) -> (Vec<u8>, Option<io::Error>) {
        let mut out = Vec::new();
        let error = decoder(compression, io::Cursor::new(bytes.to_vec()))
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
