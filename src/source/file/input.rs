//! The byte stream pcap-parser reads: the file, counted for progress, maybe decompressed,
//! with the bytes read to detect the format given back first, and read errors kept.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::stdin::Pipe;

/// What the file's reader keeps in common with the input that pcap-parser's reader owns.
#[derive(Default)]
pub(super) struct Shared {
    /// Bytes read from the file (compressed bytes for gzip), for progress.
    file_bytes: AtomicU64,
    /// The read error behind pcap-parser's `ReadError`, which does not carry it.
    error: Mutex<Option<io::Error>>,
    /// The input is a pipe that can be asked whether more came ([`Input::read_what_comes`]).
    pipe: Option<Pipe>,
}

impl Shared {
    pub(super) fn new(pipe: Option<Pipe>) -> Self {
        Self {
            pipe,
            ..Self::default()
        }
    }

    /// The pipe the input is, where it can be asked whether more came.
    pub(super) fn pipe(&self) -> Option<&Pipe> {
        self.pipe.as_ref()
    }

    /// Bytes read from the file so far.
    pub(super) fn bytes(&self) -> u64 {
        self.file_bytes.load(Ordering::Relaxed)
    }

    fn keep_error(&self, error: io::Error) {
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    /// The error of the last failed read, once.
    pub(super) fn take_error(&self) -> Option<io::Error> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Counts the bytes read from the file, below the gzip decoder.
pub(super) struct Counting<R> {
    inner: R,
    shared: Arc<Shared>,
}

impl<R> Counting<R> {
    pub(super) fn new(inner: R, shared: Arc<Shared>) -> Self {
        Self { inner, shared }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.shared
            .file_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Gives back the bytes read to detect the format, then the rest of the stream; a read error
/// met while detecting comes after the bytes read before it.
pub(super) struct Prefixed<R> {
    prefix: Vec<u8>,
    pos: usize,
    pending: Option<io::Error>,
    inner: R,
}

impl<R> Prefixed<R> {
    /// `prefix`, then a read error if `pending`, then `inner`.
    pub(super) fn new(prefix: Vec<u8>, pending: Option<io::Error>, inner: R) -> Self {
        Self {
            prefix,
            pos: 0,
            pending,
            inner,
        }
    }
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(rest) = self.prefix.get(self.pos..).filter(|rest| !rest.is_empty()) {
            let n = rest.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pos += n;
            return Ok(n);
        }
        if let Some(error) = self.pending.take() {
            return Err(error);
        }
        self.inner.read(buf)
    }
}

/// What pcap-parser reads from. Fills the whole buffer on each read (a gzip decoder hands
/// out little at a time, and pcap-parser reads once per refill), but for standard input
/// ([`Input::read_what_comes`]), retries interrupted reads, and keeps
/// the error of a failed read in [`Shared`].
pub(super) struct Input {
    inner: Prefixed<Box<dyn Read + Send>>,
    shared: Arc<Shared>,
    failed: bool,
    /// Set for a pipe ([`Shared::pipe`]): a read hands out what has come once the pipe has
    /// nothing more at hand and it holds at least these bytes (the file's header on the first
    /// read, any after it).
    eager: Option<usize>,
}

impl Input {
    pub(super) fn new(inner: Prefixed<Box<dyn Read + Send>>, shared: Arc<Shared>) -> Self {
        Self {
            inner,
            shared,
            failed: false,
            eager: None,
        }
    }

    /// Reads of a pipe (standard input, a named pipe: [`Shared::pipe`]) hand out what has
    /// come as soon as it has nothing more at hand, the first one once it holds `header` bytes
    /// (what pcap-parser parses from its first read: the file header, the section header
    /// block): a capture given slowly (`ssh host cat cap.pcap | rstscope analyze -`) is read
    /// as it comes, where each read waited for a whole buffer (128 KiB) first. Where the pipe
    /// cannot be asked whether more is at hand, reads fill the buffer as before.
    pub(super) fn read_what_comes(&mut self, header: usize) {
        self.eager = Some(header);
    }

    /// The detection bytes not yet handed out.
    pub(super) fn peek(&self) -> &[u8] {
        self.inner.prefix.get(self.inner.pos..).unwrap_or(&[])
    }

    /// Reads ahead until [`Input::peek`] holds `len` bytes or the stream ends, growing the
    /// read-ahead as the bytes arrive (never to `len` at once: a length field is only a claim
    /// until its bytes are there). Returns how many it holds. A read error is kept for the
    /// read that reaches it.
    pub(super) fn read_ahead(&mut self, len: usize) -> usize {
        const CHUNK: usize = 64 << 10;
        let p = &mut self.inner;
        if p.pos > 0 {
            p.prefix.drain(..p.pos.min(p.prefix.len()));
            p.pos = 0;
        }
        while p.prefix.len() < len && p.pending.is_none() {
            let have = p.prefix.len();
            let want = (len - have).min(CHUNK);
            p.prefix.resize(have + want, 0);
            let result = p.inner.read(p.prefix.get_mut(have..).unwrap_or_default());
            let got = result.as_ref().map_or(0, |&n| n.min(want));
            p.prefix.truncate(have + got);
            match result {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => p.pending = Some(e),
            }
        }
        p.prefix.len()
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("an earlier read failed"));
        }
        let mut filled = 0;
        while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
            match self.inner.read(rest) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n.min(rest.len());
                    if self.eager.is_some_and(|least| filled >= least.max(1))
                        && (self.shared.pipe.as_ref())
                            .and_then(|pipe| pipe.comes_within(Duration::ZERO))
                            == Some(false)
                    {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Hand out what was read; the error comes with the next read.
                    self.failed = true;
                    self.shared.keep_error(e);
                    if filled == 0 {
                        return Err(io::Error::other("read failed"));
                    }
                    break;
                }
            }
        }
        // The file's header was in the first read.
        if let Some(least) = &mut self.eager {
            *least = 0;
        }
        Ok(filled)
    }
}

/// Reads up to 16 bytes, stopping early only at the end of the stream or at an error.
pub(super) fn read_prefix(reader: &mut impl Read) -> (Vec<u8>, Option<io::Error>) {
    read_up_to(reader, 16)
}

/// Reads up to `len` bytes, stopping early only at the end of the stream or at an error.
pub(super) fn read_up_to(reader: &mut impl Read, len: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n.min(rest.len()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(filled);
                return (buf, Some(e));
            }
        }
    }
    buf.truncate(filled);
    (buf, None)
}

/// Whether the files at `a` and `b` hold the same bytes, every one to the last (read side by
/// side, stopping at the first that differs). Any failure to read either is a no, and so is
/// a cancel (see [`same_streams`]).
pub(super) fn same_files(
    a: &std::path::Path,
    b: &std::path::Path,
    cancel: Option<&AtomicBool>,
) -> bool {
    match (std::fs::File::open(a), std::fs::File::open(b)) {
        (Ok(a), Ok(b)) => same_streams(
            &mut io::BufReader::new(a),
            &mut io::BufReader::new(b),
            cancel,
        ),
        _ => false,
    }
}

/// Whether the streams `a` and `b` give the same bytes to their ends. Any read error is a no.
/// So is the user's cancel (`cancel` set), within 64 KiB of each: two copies of 1 GB took
/// seconds to compare, deaf to Ctrl+C. Both are then read, by an analysis cancelled too,
/// which stops before its first frame.
pub(super) fn same_streams(
    a: &mut impl Read,
    b: &mut impl Read,
    cancel: Option<&AtomicBool>,
) -> bool {
    let (mut x, mut y) = (vec![0; 64 << 10], vec![0; 64 << 10]);
    loop {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return false;
        }
        match (fill(a, &mut x), fill(b, &mut y)) {
            (Ok(n), Ok(m)) if n == m && x[..n] == y[..m] => {
                if n == 0 {
                    return true;
                }
            }
            _ => return false,
        }
    }
}

/// Reads into `buf` until it is full or the stream ends; how many bytes were read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
