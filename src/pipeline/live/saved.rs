//! Where a live capture saves what it captured: one pcapng file, or, with a size limit, a ring
//! of pieces (the oldest removed once the limit is passed), so that a capture left running for
//! days neither fills the disk nor loses its latest packets. The app saves to the temporary
//! folder this way; the files go when the last handle to them does.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::packet::Timestamp;
use crate::source::Frame;
use crate::source::live::CapturedInterface;
use crate::source::live::pcapng::{InterfaceStats, PacketNotes, PcapngWriter};
use crate::source::pcapng::index_comment;

/// Buffer of the pcapng file.
const WRITE_BUFFER: usize = 1 << 20;
/// Pieces a size limit is shared among: the oldest is removed when one more begins, so at
/// least three quarters of the limit always hold the latest packets.
pub const RING_PIECES: u64 = 4;

/// The files a live capture saved to, shared by the capture and whoever shows them.
#[derive(Clone)]
pub struct SavedFiles(Arc<Shared>);

struct Shared {
    ring: Mutex<Ring>,
    /// Bytes in the piece being written (the others' are in `ring`).
    current_bytes: AtomicU64,
    /// Why the saving stopped before the capture did, if it did.
    failure: Mutex<Option<String>>,
}

/// The pieces on disk.
struct Ring {
    /// Oldest first: path, bytes and frames of each finished piece, then the current one's path.
    pieces: VecDeque<(PathBuf, u64, u64)>,
    limit: Option<u64>,
    /// Frames of the pieces removed to stay within the limit.
    frames_removed: u64,
    /// Remove the files when the last handle goes.
    temporary: bool,
}

impl SavedFiles {
    fn new(first: PathBuf, limit: Option<u64>, temporary: bool) -> Self {
        Self(Arc::new(Shared {
            ring: Mutex::new(Ring {
                pieces: VecDeque::from([(first, 0, 0)]),
                limit,
                frames_removed: 0,
                temporary,
            }),
            current_bytes: AtomicU64::new(0),
            failure: Mutex::new(None),
        }))
    }

    /// Why the files do not hold the whole capture (a write failed: a full disk, a removed
    /// folder), or `None` while they do.
    pub fn failure(&self) -> Option<String> {
        self.0
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records why the saving stopped; the first reason is kept.
    pub(super) fn fail(&self, why: String) {
        self.0
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(why);
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.0.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The files on disk now, oldest first: what to read for the packets saved.
    pub fn files(&self) -> Vec<PathBuf> {
        self.ring()
            .pieces
            .iter()
            .map(|(p, _, _)| p.clone())
            .collect()
    }

    /// Bytes on disk now.
    pub fn bytes(&self) -> u64 {
        let finished: u64 = self.ring().pieces.iter().map(|(_, b, _)| b).sum();
        finished + self.0.current_bytes.load(Ordering::Relaxed)
    }

    /// The size limit, if any.
    pub fn limit(&self) -> Option<u64> {
        self.ring().limit
    }

    /// Frames saved and then removed with the oldest pieces, to stay within the limit.
    pub fn frames_removed(&self) -> u64 {
        self.ring().frames_removed
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        if !self.temporary {
            return;
        }
        let mut folders = Vec::new();
        for (path, _, _) in self.pieces.drain(..) {
            let _ = std::fs::remove_file(&path);
            if let Some(parent) = path.parent() {
                folders.push(parent.to_path_buf());
            }
        }
        // The folder made for them, if nothing else is in it now.
        for folder in folders {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// Counts the bytes written under the pcapng writer.
struct Counting {
    out: BufWriter<File>,
    bytes: Arc<AtomicU64>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The writing side: the current piece and when to begin the next.
pub(super) struct SaveWriter {
    saved: SavedFiles,
    writer: PcapngWriter<Counting>,
    /// Bytes in the current piece.
    bytes: Arc<AtomicU64>,
    interfaces: Vec<CapturedInterface>,
    /// The capture filter, saved with each interface.
    filter: Option<String>,
    /// Bytes after which the next piece begins.
    piece_limit: Option<u64>,
    /// The first piece's path, which the others are named after.
    first: PathBuf,
    /// The number in the next piece's name. It runs ahead of the pieces' count where a
    /// temporary capture's name was taken.
    next_number: u64,
    /// Files the app chose in its temporary folder: a piece takes only a free name.
    temporary: bool,
    /// The time of the current piece's first frame, when it is not the first piece: where
    /// its own time begins (the statistics blocks of the last piece say so, see
    /// [`SaveWriter::piece_start`]).
    piece_start: Option<Timestamp>,
}

impl SaveWriter {
    /// Creates the first piece at `path`. With `limit`, pieces of a quarter of it follow, named
    /// after `path` (`capture-2.pcapng`, ...).
    pub(super) fn create(
        path: &Path,
        interfaces: &[CapturedInterface],
        filter: Option<&str>,
        limit: Option<u64>,
        temporary: bool,
    ) -> io::Result<Self> {
        let (writer, bytes) = open(path, interfaces, filter, false)?;
        let saved = SavedFiles::new(path.to_path_buf(), limit, temporary);
        saved
            .0
            .current_bytes
            .store(bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(Self {
            saved,
            writer,
            bytes,
            interfaces: interfaces.to_vec(),
            filter: filter.map(str::to_owned),
            piece_limit: limit.map(|l| (l / RING_PIECES).max(1)),
            first: path.to_path_buf(),
            next_number: 2,
            temporary,
            piece_start: None,
        })
    }

    /// The handle to give out.
    pub(super) fn saved(&self) -> SavedFiles {
        self.saved.clone()
    }

    /// The file being written.
    pub(super) fn path(&self) -> PathBuf {
        self.saved
            .ring()
            .pieces
            .back()
            .map(|(p, _, _)| p.clone())
            .unwrap_or_default()
    }

    /// Frames written to all pieces.
    pub(super) fn frames(&self) -> u64 {
        let ring = self.saved.ring();
        let finished: u64 = ring.pieces.iter().map(|(_, _, f)| f).sum();
        finished + ring.frames_removed + self.writer.frames()
    }

    /// Where the current piece's own time begins, when the capture went on in pieces: the
    /// time of its first frame (`None` for the first piece, whose time begins with the
    /// capture). Its statistics blocks record that as the start, so that the piece read
    /// alone, or with the pieces kept after the oldest were removed, does not span the
    /// earlier pieces' time.
    pub(super) fn piece_start(&self) -> Option<Timestamp> {
        self.piece_start
    }

    /// Begins a new piece when the current one is full, before a frame at `ts`.
    fn rotate_if_full(&mut self, ts: Timestamp) -> io::Result<()> {
        if self
            .piece_limit
            .is_some_and(|limit| self.bytes.load(Ordering::Relaxed) >= limit)
        {
            self.next_piece()?;
            self.piece_start = Some(ts);
        }
        Ok(())
    }

    /// Appends one frame, beginning a new piece first when the current one is full.
    pub(super) fn write_frame(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        self.rotate_if_full(frame.ts)?;
        self.writer.write_frame(frame)?;
        self.saved
            .0
            .current_bytes
            .store(self.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(())
    }

    /// [`SaveWriter::write_frame`] for the first frame of an interface index made after the
    /// capture began (Linux's `any`): its name goes with the frame, as a comment that says it
    /// as the interface's comment says the others ([`index_comment`]), which rstscope's reader
    /// takes back for the interface; and into the interface's comment of the pieces begun
    /// after.
    pub(super) fn write_frame_naming(
        &mut self,
        frame: &Frame<'_>,
        (index, name): (u32, String),
    ) -> io::Result<()> {
        if let Some(i) = self.interfaces.get_mut(frame.interface as usize)
            && let Err(at) = i.index_names.binary_search_by_key(&index, |(i, _)| *i)
        {
            i.index_names.insert(at, (index, name.clone()));
        }
        self.rotate_if_full(frame.ts)?;
        let comment = index_comment(&[(index, name)]).into_bytes();
        let notes = PacketNotes {
            comments: std::slice::from_ref(&comment),
            ..PacketNotes::default()
        };
        self.writer.write_packet_with(
            frame.interface,
            frame.ts,
            frame.data,
            frame.orig_len,
            &notes,
        )?;
        self.saved
            .0
            .current_bytes
            .store(self.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(())
    }

    fn next_piece(&mut self) -> io::Result<()> {
        let (path, (next, next_bytes)) = loop {
            let path = piece_path(&self.first, self.next_number);
            self.next_number += 1;
            // A capture the user named writes over what an earlier run left under the
            // piece's name, as `tcpdump -C` does. The app's own captures share a folder: a
            // second capture started in the same second as this one is `capture-…-2.pcapng`,
            // the name of this one's second piece, and must not lose its file to it.
            match open(
                &path,
                &self.interfaces,
                self.filter.as_deref(),
                self.temporary,
            ) {
                Ok(opened) => break (path, opened),
                Err(e) if self.temporary && e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        };
        let done = std::mem::replace(&mut self.writer, next);
        let done_bytes = std::mem::replace(&mut self.bytes, next_bytes);
        let frames = done.frames();
        done.finish(&[])?;
        let bytes = done_bytes.load(Ordering::Relaxed);
        let removed = {
            let mut ring = self.saved.ring();
            if let Some(last) = ring.pieces.back_mut() {
                (last.1, last.2) = (bytes, frames);
            }
            ring.pieces.push_back((path, 0, 0));
            let mut removed = Vec::new();
            while ring.pieces.len() as u64 > RING_PIECES {
                if let Some((old, _, frames)) = ring.pieces.pop_front() {
                    ring.frames_removed += frames;
                    removed.push(old);
                }
            }
            removed
        };
        for old in removed {
            std::fs::remove_file(&old)?;
        }
        self.saved
            .0
            .current_bytes
            .store(self.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(())
    }

    /// Puts the frames written so far on disk, so that a capture that ends without its
    /// `finish` (killed, a second Ctrl+C, a crash) leaves a file that reads up to here.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }

    /// Appends rstscope's host block (see [`crate::host::recorded`]) to the current piece.
    pub(super) fn write_host(&mut self, body: &[u8]) -> io::Result<()> {
        self.writer
            .write_block(crate::source::pcapng::RSTSCOPE_HOST, body)?;
        self.saved
            .0
            .current_bytes
            .store(self.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(())
    }

    /// Ends the current piece with each interface's counts.
    pub(super) fn finish(self, stats: &[InterfaceStats]) -> io::Result<()> {
        let frames = self.writer.frames();
        self.writer.finish(stats)?;
        let bytes = self.bytes.load(Ordering::Relaxed);
        if let Some(last) = self.saved.ring().pieces.back_mut() {
            (last.1, last.2) = (bytes, frames);
        }
        self.saved.0.current_bytes.store(0, Ordering::Relaxed);
        Ok(())
    }
}

/// A new piece at `path` and the count of bytes handed to it (buffered ones included). The
/// folder must be there: the app's temporary capture takes its file, folder and all, before
/// the capture starts (`capture_file` in the window), so that no other capture's end removes
/// the folder meanwhile ([`Ring`]'s drop removes it only once it is empty). With `new_only`,
/// a file already there is an error ([`io::ErrorKind::AlreadyExists`]), not overwritten.
fn open(
    path: &Path,
    interfaces: &[CapturedInterface],
    filter: Option<&str>,
    new_only: bool,
) -> io::Result<(PcapngWriter<Counting>, Arc<AtomicU64>)> {
    let bytes = Arc::new(AtomicU64::new(0));
    let file = if new_only {
        File::create_new(path)?
    } else {
        File::create(path)?
    };
    let out = Counting {
        out: BufWriter::with_capacity(WRITE_BUFFER, file),
        bytes: Arc::clone(&bytes),
    };
    // One interface block per captured interface, in id order, so that `Frame::interface` is
    // the pcapng interface id; each with the capture filter, so that an analysis of the file
    // knows what was left out (a SYN/FIN/RST-only capture has no final ACKs); each in
    // libpcap's microseconds, as captured.
    let mut writer = PcapngWriter::new(out, None)?;
    for i in interfaces {
        writer.add_described_interface(&i.block(filter))?;
    }
    Ok((writer, bytes))
}

/// `capture.pcapng` → `capture-N.pcapng`.
fn piece_path(first: &Path, n: u64) -> PathBuf {
    let stem = first
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match first.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    first.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Timestamp;
    use crate::source::LinkType;

    fn interfaces() -> Vec<CapturedInterface> {
        vec![CapturedInterface {
            id: 0,
            name: "lo".into(),
            description: None,
            link_type: LinkType(1),
            snaplen: 128,
            index_names: Vec::new(),
        }]
    }

    fn frame(data: &[u8], n: u64) -> Frame<'_> {
        Frame::plain(
            Timestamp::from_parts(1_700_000_000 + n as i64, 0),
            n,
            LinkType(1),
            0,
            data,
            data.len() as u32,
        )
    }

    #[test]
    fn a_limited_capture_keeps_a_ring_of_its_latest_pieces_and_removes_them_at_the_end() {
        let dir = std::env::temp_dir().join(format!("rstscope-saved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let first = dir.join("capture-17.pcapng");
        let mut w =
            SaveWriter::create(&first, &interfaces(), None, Some(40_000), true).expect("create");
        let saved = w.saved();
        let data = [7u8; 1000];
        for n in 1..=200 {
            w.write_frame(&frame(&data, n)).expect("write");
            assert!(saved.bytes() <= 40_000 + 11_000, "{} bytes", saved.bytes());
        }
        assert_eq!(w.frames(), 200);
        // The last piece's own time begins with its first frame.
        let start = w.piece_start().expect("pieces");
        w.finish(&[]).expect("finish");
        let files = saved.files();
        let mut last = crate::source::FileSource::open(&files[3..]).expect("the last piece");
        assert_eq!(last.next_frame().map(|f| f.ts), Some(start));
        drop(last);
        assert_eq!(files.len(), 4, "{files:?}");
        assert!(files.iter().all(|f| f.exists()));
        assert!(!first.exists(), "the oldest piece went");
        assert!(files[3].ends_with("capture-17-20.pcapng"), "{files:?}");
        assert!(saved.frames_removed() > 100);
        // The pieces read as one capture holding the latest frames, in order.
        let mut source = crate::source::FileSource::open(&files).expect("open");
        let mut numbers = Vec::new();
        while let Some(f) = source.next_frame() {
            numbers.push(f.ts.second() - 1_700_000_000);
        }
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        assert_eq!(numbers.len() as u64 + saved.frames_removed(), 200);
        assert_eq!(numbers.last(), Some(&200));
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1));
        drop(source);
        drop(saved);
        assert!(
            files.iter().all(|f| !f.exists()),
            "removed with the last handle"
        );
        assert!(!dir.exists(), "and their folder");
    }

    /// Regression (review): the app names a second capture started in the same second as
    /// another `capture-…-2.pcapng`, the name of the first one's second piece, which was
    /// opened to be written over: the second capture lost its packets to the first.
    #[test]
    fn a_temporary_capture_s_piece_skips_a_name_another_capture_took() {
        let dir = std::env::temp_dir().join(format!("rstscope-saved-two-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let first = dir.join("capture-20261204-201500.pcapng");
        let mut a =
            SaveWriter::create(&first, &interfaces(), None, Some(40_000), true).expect("first");
        let other = dir.join("capture-20261204-201500-2.pcapng");
        let mut b =
            SaveWriter::create(&other, &interfaces(), None, Some(40_000), true).expect("second");
        let (saved_a, saved_b) = (a.saved(), b.saved());
        let data = [7u8; 1000];
        for n in 1..=30 {
            b.write_frame(&frame(&data, n)).expect("write b");
        }
        for n in 1..=30 {
            a.write_frame(&frame(&data, n)).expect("write a");
        }
        a.finish(&[]).expect("finish a");
        b.finish(&[]).expect("finish b");
        let (files_a, files_b) = (saved_a.files(), saved_b.files());
        assert_eq!(files_a.len(), 3, "{files_a:?}");
        assert!(
            files_a[1].ends_with("capture-20261204-201500-3.pcapng"),
            "{files_a:?}"
        );
        assert!(
            files_a[2].ends_with("capture-20261204-201500-4.pcapng"),
            "{files_a:?}"
        );
        assert!(
            files_b[1].ends_with("capture-20261204-201500-2-2.pcapng"),
            "{files_b:?}"
        );
        for (files, frames) in [(&files_a, 30), (&files_b, 30)] {
            let mut source = crate::source::FileSource::open(files).expect("open");
            let mut n = 0;
            while source.next_frame().is_some() {
                n += 1;
            }
            assert!(source.problems().is_empty(), "{:?}", source.problems());
            assert_eq!(n, frames, "{files:?}");
        }
        drop((saved_a, saved_b));
        assert!(
            !dir.exists(),
            "both captures' files and their folder removed"
        );
    }

    /// A capture the user named writes its pieces over an earlier run's, as `tcpdump -C`
    /// does, rather than numbering around them.
    #[test]
    fn a_named_capture_s_pieces_write_over_an_earlier_run_s() {
        let dir = std::env::temp_dir().join(format!("rstscope-saved-over-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let first = dir.join("out.pcapng");
        std::fs::write(dir.join("out-2.pcapng"), b"an earlier run's piece").expect("old piece");
        let mut w =
            SaveWriter::create(&first, &interfaces(), None, Some(40_000), false).expect("create");
        let saved = w.saved();
        for n in 1..=12 {
            w.write_frame(&frame(&[1u8; 1000], n)).expect("write");
        }
        w.finish(&[]).expect("finish");
        assert_eq!(saved.files(), vec![first.clone(), dir.join("out-2.pcapng")]);
        drop(saved);
        let mut source =
            crate::source::FileSource::open(&[dir.join("out-2.pcapng")]).expect("open");
        assert!(
            source.next_frame().is_some(),
            "the new piece, not the old bytes"
        );
        drop(source);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A live capture's file records its times in microseconds, as libpcap gave them: it
    /// said nanoseconds (`if_tsresol` 9), and its times were shown as a nanosecond file's.
    #[test]
    fn a_live_capture_records_its_times_in_microseconds() {
        let dir = std::env::temp_dir().join(format!("rstscope-saved-us-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("out.pcapng");
        let mut w = SaveWriter::create(&path, &interfaces(), None, None, false).expect("create");
        let ts = Timestamp::from_parts(1_700_000_000, 123_456_000);
        let data = [1u8; 60];
        w.write_frame(&Frame::plain(ts, 1, LinkType(1), 0, &data, 60))
            .expect("write");
        w.finish(&[]).expect("finish");
        let mut source =
            crate::source::FileSource::open(std::slice::from_ref(&path)).expect("open");
        assert_eq!(source.next_frame().map(|f| f.ts), Some(ts));
        let i = &source.interfaces()[0];
        assert_eq!((i.tsresol, i.time_digits), (6, 6));
        drop(source);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn without_a_limit_one_file_is_written_and_kept() {
        let dir = std::env::temp_dir().join(format!("rstscope-saved-one-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("out.pcapng");
        let mut w = SaveWriter::create(&path, &interfaces(), None, None, false).expect("create");
        let saved = w.saved();
        for n in 1..=100 {
            w.write_frame(&frame(&[1u8; 1000], n)).expect("write");
        }
        assert_eq!(w.piece_start(), None, "one piece: the capture's own start");
        w.finish(&[]).expect("finish");
        assert_eq!(saved.files(), vec![path.clone()]);
        drop(saved);
        assert!(path.exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
