//! Captures inside zip archives, read where they lie: no temporary file, memory bounded.
//!
//! A zip on disk is listed from its central directory (the list at its end, as every unzip
//! tool reads it: it has the sizes of members whose local header leaves them to a data
//! descriptor), or, when the archive was cut short and has none, by walking the local
//! headers from the start. Each member is then read through a handle of its own, so that the
//! captures of one zip are merged in time like files given together. A zip from a pipe is
//! walked in order and its first capture is read (its later captures cannot be merged in time
//! with it without being kept): once that is read, the rest is walked to name the members left
//! out ([`ThenRest`]).
//!
//! A member is decompressed (stored, deflate; bzip2, LZMA, zstd and xz with the decoders the
//! compressed captures use) and checked at its end against its CRC-32 and size. Its errors
//! come out as the compressed captures' do: [`io::ErrorKind::UnexpectedEof`] when the archive
//! ends inside it, [`io::ErrorKind::InvalidData`] when it is damaged.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use flate2::bufread::DeflateDecoder;

use super::compressed::{self, Window};
use crate::source::Compression;

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;
/// The zip64 extra field: the sizes and offset that do not fit in 32 bits.
const ZIP64_EXTRA: u16 = 0x0001;
/// A 32-bit size or offset field that says "see the zip64 extra field".
const FULL32: u32 = u32::MAX;

/// The method of a member encrypted with AES (WinZip's scheme, 7-Zip's `-mem=AES256`): the
/// real method is in an extra field.
const AES: u16 = 99;

/// General purpose flag bits.
const ENCRYPTED: u16 = 1;
const HAS_DESCRIPTOR: u16 = 1 << 3;
/// LZMA: the data ends with an end marker.
const LZMA_END_MARKER: u16 = 1 << 1;

/// More members than this are not listed (each costs a name in memory).
const MAX_MEMBERS: usize = 100_000;
/// Member names are cut to this many bytes in memory.
const MAX_NAME: usize = 1024;
/// The end record and its comment lie in the last this many bytes.
const END_SEARCH: u64 = 22 + 0xffff;
/// What a member's reader buffers from the archive.
const BUFFER: usize = 64 << 10;

/// Whether `first` begins a zip archive: a member's local header, or the end record of an
/// empty archive.
pub(super) fn is_zip(first: &[u8]) -> bool {
    first.starts_with(&LOCAL.to_le_bytes()) || first.starts_with(&END.to_le_bytes())
}

/// One member, as the central directory or its local header describes it.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Its name in the archive, folders included.
    pub(super) name: String,
    flags: u16,
    method: u16,
    /// `None` when only the data descriptor after the data gives it.
    crc: Option<u32>,
    compressed: Option<u64>,
    uncompressed: Option<u64>,
    /// Where its local header begins.
    local: u64,
    /// Sizes in the data descriptor are 8 bytes each.
    zip64: bool,
}

impl Entry {
    /// A folder: a name that ends in a slash, and no data.
    pub(super) fn is_folder(&self) -> bool {
        (self.name.ends_with('/') || self.name.ends_with('\\'))
            && self.uncompressed.unwrap_or(0) == 0
    }

    /// Where its local header begins in the archive.
    pub(super) fn place(&self) -> u64 {
        self.local
    }

    /// The size of its data once decompressed, when known before reading it.
    pub(super) fn size(&self) -> Option<u64> {
        self.uncompressed
    }

    /// How it is compressed, or why rstscope cannot read it.
    pub(super) fn method(&self) -> Result<Method, Unreadable> {
        if self.method == AES {
            return Err(Unreadable::Encrypted { aes: true });
        }
        if self.flags & ENCRYPTED != 0 {
            return Err(Unreadable::Encrypted { aes: false });
        }
        Ok(match self.method {
            0 => Method::Stored,
            8 => Method::Deflate,
            12 => Method::Bzip2,
            14 => Method::Lzma,
            93 => Method::Zstd,
            95 => Method::Xz,
            9 => return Err(Unreadable::Deflate64),
            other => return Err(Unreadable::Method(other)),
        })
    }
}

/// A zip compression method rstscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Stored,
    Deflate,
    Bzip2,
    Lzma,
    Zstd,
    Xz,
}

impl Method {
    /// Its name, as [`Archived::method`](crate::source::Archived::method) gives it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Deflate => "deflate",
            Self::Bzip2 => "bzip2",
            Self::Lzma => "lzma",
            Self::Zstd => "zstd",
            Self::Xz => "xz",
        }
    }

    /// Whether its decoder keeps a window or blocks whose size its stream chooses, which take
    /// a share of the windows' budget (see [`Window`]).
    pub(super) fn has_window(self) -> bool {
        matches!(self, Self::Bzip2 | Self::Lzma | Self::Zstd | Self::Xz)
    }
}

/// Why a member cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// Encrypted: with AES, or with zip's traditional encryption (ZipCrypto).
    Encrypted {
        aes: bool,
    },
    Deflate64,
    Method(u16),
    /// Stored, its size only after its data, and no central directory to give it.
    StoredWithoutSize,
    /// Compressed with a method other than deflate, its size only after its data, and no
    /// central directory to give it.
    SizeAfterData(Method),
    /// Its LZMA properties are damaged.
    LzmaHeader,
}

impl Unreadable {
    /// What it is, and what to do, for the message.
    pub(super) fn explain(&self) -> (String, &'static str) {
        const EXTRACT: &str = "extract it (Explorer's Extract All, 7-Zip, or unzip / 7z x), \
                               then open the capture";
        const AS_FILE: &str = "save the zip to a file and open the file (its list of members, \
                               at its end, gives the size), or extract the capture first";
        match self {
            Self::Encrypted { aes } => (
                format!(
                    "the member is encrypted with {} (the zip has a password), which rstscope \
                     does not read",
                    if *aes { "AES" } else { "ZipCrypto" }
                ),
                "extract it with the password (Explorer's Extract All asks for it; 7z x or \
                 unzip), then open the capture",
            ),
            Self::Deflate64 => (
                "the member is compressed with Deflate64 (zip method 9, which Windows uses for \
                 large files), which rstscope does not read"
                    .into(),
                EXTRACT,
            ),
            Self::Method(m) => (
                match method_name(*m) {
                    Some(name) => format!(
                        "the member is compressed with {name} (zip method {m}), which rstscope \
                         does not read"
                    ),
                    None => format!(
                        "the member is compressed with zip method {m}, which rstscope does not \
                         read"
                    ),
                },
                EXTRACT,
            ),
            Self::StoredWithoutSize => (
                "the member is stored with its size written after its data, which cannot be \
                 read in order without the archive's list of members"
                    .into(),
                AS_FILE,
            ),
            Self::LzmaHeader => ("the member's LZMA header is damaged".into(), EXTRACT),
            Self::SizeAfterData(m) => (
                format!(
                    "the member is compressed with {} and its size written after its data, which \
                     cannot be read in order without the archive's list of members",
                    m.name()
                ),
                AS_FILE,
            ),
        }
    }
}

/// The name of a zip method rstscope does not read, as the zip specification (APPNOTE 4.4.5)
/// and the tools that write it call it.
fn method_name(method: u16) -> Option<&'static str> {
    Some(match method {
        1 => "Shrink",
        2..=5 => "Reduce",
        6 => "Implode",
        10 => "PKWARE DCL Implode",
        18 => "IBM TERSE",
        19 => "IBM LZ77",
        96 => "JPEG",
        97 => "WavPack",
        98 => "PPMd",
        _ => return None,
    })
}

/// The members of a zip on disk, in the order they lie in it.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) entries: Vec<Entry>,
    /// Where the entries come from, and what that leaves out.
    pub(super) walk: Walk,
    /// The archive has an end record, but the list of members it points at does not read:
    /// the members were walked, and the archive is damaged rather than only cut short.
    pub(super) unreadable_directory: bool,
}

/// How the members were found: from the central directory, or, in an archive without one (cut
/// short), by walking the local headers from the start, and where that walk ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) enum Walk {
    /// From the central directory: every member.
    #[default]
    Directory,
    /// The archive ends inside the last member found: reading it says the archive was cut.
    CutInMember,
    /// The archive ends at this byte, between members or in a member's header: every member
    /// found is whole, and those after the cut are lost.
    CutAt(u64),
    /// At this member, whose size is only after its data: where the next one begins is not
    /// known before reading it, so members after it are not found.
    StoppedAfter(String),
}

/// The last part of a split (spanned) archive, as `zip -s` or WinZip make one: its members
/// lie in the other parts (`.z01`, `.z02`...).
#[derive(Debug)]
pub(super) struct Split;

/// Lists the members of the zip `file` (`len` bytes).
pub(super) fn list(file: &mut File, len: u64) -> io::Result<Result<Listing, Split>> {
    match central_directory(file, len)? {
        Directory::Entries(entries) => Ok(Ok(Listing {
            entries,
            walk: Walk::Directory,
            unreadable_directory: false,
        })),
        Directory::Split => Ok(Err(Split)),
        Directory::None => walk_local_headers(file, len).map(Ok),
        Directory::Unreadable => walk_local_headers(file, len).map(|listing| {
            Ok(Listing {
                unreadable_directory: true,
                ..listing
            })
        }),
    }
}

/// What the end of an archive gives.
enum Directory {
    Entries(Vec<Entry>),
    /// The end record says its directory is on another part of the archive, or that this is
    /// not the first part.
    Split,
    /// No end record: the archive was cut short.
    None,
    /// An end record whose directory does not read (its place, size, count or an entry is
    /// wrong; a zip64 record is missing): the archive is damaged, or cut short after bytes of
    /// a member that look like an end record.
    Unreadable,
}

/// The entries of the central directory, if the archive has a readable one.
fn central_directory(file: &mut File, len: u64) -> io::Result<Directory> {
    let tail_start = len.saturating_sub(END_SEARCH);
    file.seek(SeekFrom::Start(tail_start))?;
    let mut tail = Vec::new();
    file.by_ref().take(END_SEARCH).read_to_end(&mut tail)?;
    let Some(at) = find_end(&tail) else {
        return Ok(Directory::None);
    };
    let end_at = tail_start + at as u64;
    if split_part(&tail, at) {
        return Ok(Directory::Split);
    }
    let field = |o| u32_at(&tail, at + o).unwrap_or(0);
    let (mut count, mut size, mut offset) = (
        u64::from(u16_at(&tail, at + 10).unwrap_or(0)),
        u64::from(field(12)),
        u64::from(field(16)),
    );
    if count == 0xffff || size == u64::from(FULL32) || offset == u64::from(FULL32) {
        // Zip64: the locator just before the end record points at the zip64 end record.
        let Some(record) = zip64_end(file, end_at)? else {
            return Ok(Directory::Unreadable);
        };
        (count, size, offset) = record;
    }
    if offset.saturating_add(size) > end_at {
        return Ok(Directory::Unreadable);
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut cd = BufReader::new(file.by_ref().take(size));
    let mut entries = Vec::new();
    for _ in 0..count.min(MAX_MEMBERS as u64) {
        let mut fixed = [0u8; 46];
        if read_full(&mut cd, &mut fixed)? < fixed.len() || u32_at(&fixed, 0) != Some(CENTRAL) {
            return Ok(Directory::Unreadable);
        }
        let u16f = |o| u16_at(&fixed, o).unwrap_or(0);
        let u32f = |o| u32_at(&fixed, o).unwrap_or(0);
        let (name_len, extra_len, comment_len) = (u16f(28), u16f(30), u16f(32));
        let flags = u16f(8);
        let name = read_name(&mut cd, name_len)?;
        let extra = read_bytes(&mut cd, extra_len)?;
        io::copy(&mut cd.by_ref().take(comment_len.into()), &mut io::sink())?;
        let (mut compressed, mut uncompressed, mut local) = (
            u64::from(u32f(20)),
            u64::from(u32f(24)),
            u64::from(u32f(42)),
        );
        let mut wide = [
            (u32f(24) == FULL32, &mut uncompressed),
            (u32f(20) == FULL32, &mut compressed),
            (u32f(42) == FULL32, &mut local),
        ];
        let zip64 = zip64_fields(&extra, &mut wide);
        entries.push(Entry {
            name,
            flags,
            method: u16f(10),
            crc: Some(u32f(16)),
            compressed: Some(compressed),
            uncompressed: Some(uncompressed),
            local,
            zip64,
        });
    }
    Ok(Directory::Entries(entries))
}

/// Where in `tail`, the last bytes of an archive, its end record is: the last one whose
/// comment fits before the end of the file.
fn find_end(tail: &[u8]) -> Option<usize> {
    (0..tail.len().saturating_sub(21)).rev().find(|&i| {
        u32_at(tail, i) == Some(END)
            && u16_at(tail, i + 20).is_some_and(|c| i + 22 + usize::from(c) <= tail.len())
    })
}

/// Whether the end record at `at` in `tail` is that of a part of a split archive: the number
/// of its part and of the one the directory starts on are 0 but in a split archive (0xffff in
/// zip64 leaves them to the zip64 end record).
fn split_part(tail: &[u8], at: usize) -> bool {
    let part = |o| u16_at(tail, at + o).is_some_and(|n| n != 0 && n != 0xffff);
    part(4) || part(6)
}

/// Whether the file at `path` ends like the last part of a split archive, which begins in the
/// middle of a member's data (the other parts hold the rest): not like a zip.
pub(super) fn is_last_split_part(path: &std::path::Path) -> bool {
    let tail = || -> io::Result<Vec<u8>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(END_SEARCH)))?;
        let mut tail = Vec::new();
        file.take(END_SEARCH).read_to_end(&mut tail)?;
        Ok(tail)
    };
    tail().is_ok_and(|tail| find_end(&tail).is_some_and(|at| split_part(&tail, at)))
}

/// The member count, size and offset of the central directory from the zip64 end record.
fn zip64_end(file: &mut File, end_at: u64) -> io::Result<Option<(u64, u64, u64)>> {
    let Some(locator_at) = end_at.checked_sub(20) else {
        return Ok(None);
    };
    file.seek(SeekFrom::Start(locator_at))?;
    let mut locator = [0u8; 20];
    if read_full(file, &mut locator)? < 20 || u32_at(&locator, 0) != Some(LOCATOR64) {
        return Ok(None);
    }
    let record_at = u64_at(&locator, 8).unwrap_or(u64::MAX);
    if record_at >= locator_at {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(record_at))?;
    let mut record = [0u8; 56];
    if read_full(file, &mut record)? < 56 || u32_at(&record, 0) != Some(END64) {
        return Ok(None);
    }
    Ok(Some((
        u64_at(&record, 32).unwrap_or(0),
        u64_at(&record, 40).unwrap_or(0),
        u64_at(&record, 48).unwrap_or(0),
    )))
}

/// The members of an archive without a central directory, from its local headers. Fails only
/// when not even the first member's header reads.
fn walk_local_headers(file: &mut File, len: u64) -> io::Result<Listing> {
    let mut listing = Listing::default();
    let mut at = 0u64;
    listing.walk = loop {
        if listing.entries.len() == MAX_MEMBERS || at >= len {
            break Walk::CutAt(at.min(len));
        }
        file.seek(SeekFrom::Start(at))?;
        let mut reader = BufReader::new(file.by_ref());
        let (mut entry, header_len) = match local_header(&mut reader) {
            Ok(Some(found)) => found,
            // Not a member's header: the start of the central directory cut short, or bytes
            // no member begins with.
            Ok(None) => break Walk::CutAt(at),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !listing.entries.is_empty() => {
                break Walk::CutAt(at);
            }
            Err(e) => return Err(e),
        };
        entry.local = at;
        let Some(size) = entry.compressed else {
            let name = entry.name.clone();
            listing.entries.push(entry);
            break Walk::StoppedAfter(name);
        };
        let end = at.saturating_add(header_len).saturating_add(size);
        let descriptor = entry.flags & HAS_DESCRIPTOR != 0;
        let zip64 = entry.zip64;
        listing.entries.push(entry);
        if end > len {
            break Walk::CutInMember;
        }
        at = if descriptor {
            end.saturating_add(descriptor_len(file, end, zip64)?)
        } else {
            end
        };
    };
    Ok(listing)
}

/// The length of the data descriptor at `at` (its signature is optional).
fn descriptor_len(file: &mut File, at: u64, zip64: bool) -> io::Result<u64> {
    file.seek(SeekFrom::Start(at))?;
    let mut word = [0u8; 4];
    let signed = read_full(file, &mut word)? == 4 && u32::from_le_bytes(word) == DESCRIPTOR;
    let sizes = if zip64 { 16 } else { 8 };
    Ok(if signed { 8 } else { 4 } + sizes)
}

/// Reads a local header from `r`: the entry and the header's length, or `None` when `r` does
/// not begin with one (the central directory, the end, anything else).
fn local_header(r: &mut impl Read) -> io::Result<Option<(Entry, u64)>> {
    let mut fixed = [0u8; 30];
    let got = read_full(r, &mut fixed)?;
    if got < 4 || u32_at(&fixed, 0) != Some(LOCAL) {
        return Ok(None);
    }
    if got < fixed.len() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the archive ends inside a member's header",
        ));
    }
    let u16f = |o| u16_at(&fixed, o).unwrap_or(0);
    let u32f = |o| u32_at(&fixed, o).unwrap_or(0);
    let (flags, name_len, extra_len) = (u16f(6), u16f(26), u16f(28));
    let name = read_name(r, name_len)?;
    let extra = read_bytes(r, extra_len)?;
    let (mut compressed, mut uncompressed, mut local) =
        (u64::from(u32f(18)), u64::from(u32f(22)), 0);
    let mut wide = [
        (u32f(22) == FULL32, &mut uncompressed),
        (u32f(18) == FULL32, &mut compressed),
        (false, &mut local),
    ];
    let zip64 = zip64_fields(&extra, &mut wide);
    // With a data descriptor, the header's CRC and sizes may be zeros.
    let later = flags & HAS_DESCRIPTOR != 0;
    let entry = Entry {
        name,
        flags,
        method: u16f(8),
        crc: (!later).then(|| u32f(14)),
        compressed: (!later || compressed != 0).then_some(compressed),
        uncompressed: (!later || uncompressed != 0).then_some(uncompressed),
        local,
        zip64,
    };
    let header_len = 30 + u64::from(name_len) + u64::from(extra_len);
    Ok(Some((entry, header_len)))
}

/// Fills the fields of `wide` that are marked (their 32-bit value was all ones) from the zip64
/// extra field, in the order the format lists them; true if the extra field is there.
fn zip64_fields(extra: &[u8], wide: &mut [(bool, &mut u64)]) -> bool {
    let mut at = 0;
    while let (Some(id), Some(size)) = (u16_at(extra, at), u16_at(extra, at + 2)) {
        let body = extra.get(at + 4..at + 4 + usize::from(size)).unwrap_or(&[]);
        if id == ZIP64_EXTRA {
            let mut values = body.chunks_exact(8).map(|c| u64_at(c, 0).unwrap_or(0));
            for (marked, value) in wide.iter_mut() {
                if *marked && let Some(v) = values.next() {
                    **value = v;
                }
            }
            return true;
        }
        at += 4 + usize::from(size);
    }
    false
}

/// The archive's bytes under a member's reader.
type Upstream = BufReader<Box<dyn Read + Send>>;

/// Opens the member `entry` of the zip at `path`: a handle of its own, at its data, its
/// decoder's history kept within `window`.
pub(super) fn open_member(
    path: &std::path::Path,
    entry: &Entry,
    window: Window,
) -> io::Result<Result<Member, Unreadable>> {
    let method = match entry.method() {
        Ok(method) => method,
        Err(why) => return Ok(Err(why)),
    };
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(entry.local))?;
    let mut up: Upstream = BufReader::with_capacity(BUFFER, Box::new(file));
    // The local header's name and extra field may differ in length from the directory's.
    if local_header(&mut up)?.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "no member header at byte {} where the archive's list of members puts it: the \
                 archive is damaged",
                entry.local
            ),
        ));
    }
    Ok(Member::new(up, entry, method, window))
}

/// A member's data, decompressed, and checked against its CRC-32 and size at its end.
pub(super) struct Member {
    data: Data,
    crc: flate2::Crc,
    produced: u64,
    expect_crc: Option<u32>,
    expect_len: Option<u64>,
    zip64: bool,
    /// The archive ended before the member's data did.
    short: Arc<AtomicBool>,
    checked: bool,
}

/// The decoder of a member's data.
enum Data {
    Stored(Bounded),
    Deflate(Box<DeflateDecoder<Bounded>>),
    /// Deflate whose size comes after it: the stream's own end marks the data's end.
    DeflateToEnd(Box<DeflateDecoder<Upstream>>),
    Other(Box<dyn Read + Send>),
}

impl Member {
    fn new(
        up: Upstream,
        entry: &Entry,
        method: Method,
        window: Window,
    ) -> Result<Self, Unreadable> {
        let short = Arc::new(AtomicBool::new(false));
        let data = match (entry.compressed, method) {
            (None, Method::Deflate) => Data::DeflateToEnd(Box::new(DeflateDecoder::new(up))),
            (None, Method::Stored) => return Err(Unreadable::StoredWithoutSize),
            (None, other) => return Err(Unreadable::SizeAfterData(other)),
            (Some(size), method) => {
                let raw = Bounded {
                    inner: up,
                    left: size,
                    short: Arc::clone(&short),
                };
                match method {
                    Method::Stored => Data::Stored(raw),
                    Method::Deflate => Data::Deflate(Box::new(DeflateDecoder::new(raw))),
                    Method::Bzip2 => {
                        Data::Other(compressed::decoder(Compression::Bzip2, raw, window))
                    }
                    Method::Zstd => {
                        Data::Other(compressed::decoder(Compression::Zstd, raw, window))
                    }
                    Method::Xz => Data::Other(compressed::decoder(Compression::Xz, raw, window)),
                    Method::Lzma => Data::Other(lzma(raw, entry, window)?),
                }
            }
        };
        Ok(Self {
            data,
            crc: flate2::Crc::new(),
            produced: 0,
            expect_crc: entry.crc,
            expect_len: entry.uncompressed,
            zip64: entry.zip64,
            short,
            checked: false,
        })
    }

    /// The archive's bytes after the member (its data descriptor read), to go on to the next
    /// member; `None` when its decoder does not give them back.
    fn into_upstream(self) -> Option<Upstream> {
        match self.data {
            Data::Stored(raw) => Some(raw.inner),
            Data::Deflate(d) => Some(d.into_inner().inner),
            Data::DeflateToEnd(d) => Some(d.into_inner()),
            Data::Other(_) => None,
        }
    }

    /// Reads the data descriptor after a member whose CRC comes there.
    fn descriptor(&mut self) -> io::Result<()> {
        let Data::DeflateToEnd(d) = &mut self.data else {
            return Ok(());
        };
        let up = d.get_mut();
        let mut word = [0u8; 4];
        let cut = || {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the zip archive ends before the member's data descriptor: it was cut short",
            )
        };
        if read_full(up, &mut word)? < 4 {
            return Err(cut());
        }
        // The descriptor's signature is optional.
        if u32::from_le_bytes(word) == DESCRIPTOR && read_full(up, &mut word)? < 4 {
            return Err(cut());
        }
        self.expect_crc = Some(u32::from_le_bytes(word));
        let sizes = if self.zip64 { 16 } else { 8 };
        let mut skip = [0u8; 16];
        if read_full(up, skip.get_mut(..sizes).unwrap_or_default())? < sizes {
            return Err(cut());
        }
        Ok(())
    }

    /// At the end of the data: the CRC-32 and the size checked.
    fn check(&mut self) -> io::Result<()> {
        self.descriptor()?;
        if self.short.load(Ordering::Relaxed) {
            return Err(cut_short());
        }
        if let Some(len) = self.expect_len
            && len != self.produced
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the member decompresses to {} bytes where the archive says {len}",
                    self.produced
                ),
            ));
        }
        let crc = self.crc.sum();
        match self.expect_crc {
            Some(expected) if expected != crc => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the member's CRC-32 is {crc:08x} where the archive says {expected:08x}"),
            )),
            _ => Ok(()),
        }
    }

    fn read_data(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.data {
            Data::Stored(raw) => raw.read(buf),
            Data::Deflate(d) => d.read(buf),
            Data::DeflateToEnd(d) => d.read(buf),
            Data::Other(d) => d.read(buf),
        }
    }
}

impl Read for Member {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.checked {
            return Ok(0);
        }
        let n = match self.read_data(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            // Not read at all: the archive's state does not matter.
            Err(e) if compressed::TooLarge::of(&e).is_some() => return Err(e),
            // The archive ended: whatever the decoder made of it, the member was cut.
            Err(_) if self.short.load(Ordering::Relaxed) => return Err(cut_short()),
            Err(e) => {
                let kind = match e.kind() {
                    // From a pipe, the end of the stream inside a member is a cut; a member of
                    // a file whose bytes were all there is damaged when its decoder wants more.
                    io::ErrorKind::UnexpectedEof if matches!(self.data, Data::DeflateToEnd(_)) => {
                        return Err(cut_short());
                    }
                    io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::InvalidInput
                    | io::ErrorKind::InvalidData => io::ErrorKind::InvalidData,
                    other => other,
                };
                return Err(io::Error::new(kind, e.to_string()));
            }
        };
        if n == 0 {
            self.checked = true;
            self.check()?;
            return Ok(0);
        }
        let data = buf.get(..n).unwrap_or_default();
        self.crc.update(data);
        self.produced += n as u64;
        if let Some(len) = self.expect_len.filter(|&len| self.produced > len) {
            self.checked = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the member decompresses to more than the {len} bytes the archive says"),
            ));
        }
        Ok(n)
    }
}

fn cut_short() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the zip archive ends inside the member: it was cut short",
    )
}

/// Zip's LZMA: a small header (version, properties), then raw LZMA data. A dictionary that
/// does not fit `window` gives a reader that says so.
fn lzma(
    mut raw: Bounded,
    entry: &Entry,
    window: Window,
) -> Result<Box<dyn Read + Send>, Unreadable> {
    let mut header = [0u8; 9];
    let damaged = || Unreadable::LzmaHeader;
    if read_full(&mut raw, &mut header).map_err(|_| damaged())? < 9 {
        return Err(damaged());
    }
    let (props, dict) = (header[4], u32_at(&header, 5).unwrap_or(0));
    // With an end marker the size is not relied on.
    let size = if entry.flags & LZMA_END_MARKER != 0 {
        u64::MAX
    } else {
        entry.uncompressed.unwrap_or(u64::MAX)
    };
    // Damaged properties are told from a large dictionary.
    lzma_rust2::lzma_get_memory_usage_by_props(dict, props).map_err(|_| damaged())?;
    if let Err(refused) = window.admit_lzma("LZMA", dict) {
        return Ok(Box::new(compressed::Refused(refused)));
    }
    let mut reader = lzma_rust2::LzmaReader::new_with_props(raw, size, props, dict, None)
        .map_err(|_| damaged())?;
    // What it decoded before the archive's end (or damage) is handed out before the error,
    // as liblzma does: otherwise a cut member lost the last read's bytes, of a small capture
    // all of them. The member is read to its end or an error, which checks it.
    reader.set_defer_errors(true);
    Ok(Box::new(reader))
}

/// A member's compressed bytes: at most its size, noting whether the archive ended first.
struct Bounded {
    inner: Upstream,
    left: u64,
    short: Arc<AtomicBool>,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Bounded {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.left == 0 {
            return Ok(&[]);
        }
        let available = self.inner.fill_buf()?;
        if available.is_empty() {
            self.short.store(true, Ordering::Relaxed);
        }
        let n = usize::try_from(self.left).map_or(available.len(), |l| l.min(available.len()));
        Ok(available.get(..n).unwrap_or_default())
    }

    fn consume(&mut self, amount: usize) {
        let amount = usize::try_from(self.left).map_or(amount, |l| l.min(amount));
        self.left -= amount as u64;
        self.inner.consume(amount);
    }
}

/// The capture a zip read in order (from a pipe) gives: its first member whose content is a
/// capture.
pub(super) struct InOrder {
    pub(super) name: String,
    pub(super) method: Method,
    /// The member's first bytes, already read to look at them.
    pub(super) first: Vec<u8>,
    pub(super) member: Member,
    /// The members before it that are not captures.
    pub(super) skipped: Vec<String>,
}

/// Why a zip read in order gave no capture.
pub(super) enum NoCapture {
    /// The members met, none a capture.
    None(Vec<String>),
    /// A member that cannot be read, with its name.
    Unreadable(String, Unreadable),
    Io(io::Error),
}

/// Walks a zip from its start to its first capture (see [`InOrder`]). `looks_like_capture`
/// tells a capture by a member's first bytes.
pub(super) fn first_capture(
    raw: Box<dyn Read + Send>,
    window: Window,
    looks_like_capture: impl Fn(&[u8]) -> bool,
) -> Result<InOrder, NoCapture> {
    let mut up: Upstream = BufReader::with_capacity(BUFFER, raw);
    let mut skipped = Vec::new();
    for _ in 0..MAX_MEMBERS {
        let Some((entry, _)) = local_header(&mut up).map_err(NoCapture::Io)? else {
            break;
        };
        let method = entry
            .method()
            .map_err(|why| NoCapture::Unreadable(entry.name.clone(), why))?;
        let mut member = Member::new(up, &entry, method, window)
            .map_err(|why| NoCapture::Unreadable(entry.name.clone(), why))?;
        let (first, error) = super::input::read_prefix(&mut member);
        if let Some(error) = error {
            return Err(NoCapture::Io(error));
        }
        if looks_like_capture(&first) {
            return Ok(InOrder {
                name: entry.name,
                method,
                first,
                member,
                skipped,
            });
        }
        if !entry.is_folder() {
            skipped.push(entry.name);
        }
        io::copy(&mut member, &mut io::sink()).map_err(NoCapture::Io)?;
        up = match member.into_upstream() {
            Some(up) => up,
            None => break,
        };
    }
    Err(NoCapture::None(skipped))
}

/// The members of a zip read in order (from a pipe) after the capture read from it: known once
/// that capture is read to its end.
#[derive(Debug, Default)]
pub(super) struct Rest {
    /// Their names (folders left out), at most [`MAX_MEMBERS`].
    pub(super) names: Vec<String>,
    /// Members after these could not be walked to (one that cannot be decompressed, a
    /// decoder that does not give back the bytes after it, a damaged header).
    pub(super) unknown: bool,
}

/// A member of a zip read in order that, at its end, walks the rest of the archive and sets
/// `rest` to what it found.
pub(super) struct ThenRest {
    member: Option<Member>,
    window: Window,
    rest: Arc<OnceLock<Rest>>,
}

impl ThenRest {
    /// `member`, read within `window`, with where to put the rest once it is read.
    pub(super) fn new(member: Member, window: Window, rest: Arc<OnceLock<Rest>>) -> Self {
        Self {
            member: Some(member),
            window,
            rest,
        }
    }
}

impl Read for ThenRest {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(member) = &mut self.member else {
            return Ok(0);
        };
        let n = member.read(buf)?;
        if n == 0
            && !buf.is_empty()
            && let Some(member) = self.member.take()
        {
            let _ = self.rest.set(rest_of(member, self.window));
        }
        Ok(n)
    }
}

/// The members after `member` (read to its end) in the archive it came from.
fn rest_of(member: Member, window: Window) -> Rest {
    let mut rest = Rest::default();
    let Some(mut up) = member.into_upstream() else {
        rest.unknown = true;
        return rest;
    };
    while rest.names.len() < MAX_MEMBERS {
        let entry = match local_header(&mut up) {
            Ok(Some((entry, _))) => entry,
            Ok(None) => return rest,
            Err(_) => break,
        };
        if !entry.is_folder() {
            rest.names.push(entry.name.clone());
        }
        let Ok(method) = entry.method() else {
            break;
        };
        let Ok(mut member) = Member::new(up, &entry, method, window) else {
            break;
        };
        if io::copy(&mut member, &mut io::sink()).is_err() {
            break;
        }
        up = match member.into_upstream() {
            Some(up) => up,
            None => break,
        };
    }
    rest.unknown = true;
    rest
}

fn read_name(r: &mut impl Read, len: u16) -> io::Result<String> {
    let bytes = read_bytes(r, len)?;
    let kept = bytes.get(..MAX_NAME).unwrap_or(&bytes);
    // Without the UTF-8 flag (bit 11) the name is in the DOS code page; ASCII, the common
    // case, reads the same either way, and anything else is shown as near as UTF-8 gets.
    Ok(String::from_utf8_lossy(kept).into_owned())
}

fn read_bytes(r: &mut impl Read, len: u16) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; usize::from(len)];
    if read_full(r, &mut bytes)? < bytes.len() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the archive ends inside a member's header",
        ));
    }
    Ok(bytes)
}

/// Reads until `buf` is full or the stream ends; how many bytes it read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(*b.get(at..)?.first_chunk::<2>()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(*b.get(at..)?.first_chunk::<4>()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*b.get(at..)?.first_chunk::<8>()?))
}
