//! Writes seed inputs for the fuzz targets (see `scripts/fuzz.sh`) from capture files:
//! `cargo run --example fuzz_seeds -- OUT_DIR FILE...` makes `OUT_DIR/reader` (the files
//! themselves, cut to 256 KiB), `OUT_DIR/file` (the same, and zip archives made here of the
//! small fixtures: several members, nested, zip64, damaged or missing central directories),
//! `OUT_DIR/decode` (distinct frames with their link type) and `OUT_DIR/engine` (each file's
//! TCP packets in the engine target's form) and `OUT_DIR/chunks` (each classic pcap file, cut
//! to 64 KiB, behind the two bytes that pick the chunk size; the same with every third record
//! repeated, and followed by itself, header included, as captures appended to each other).

use std::io::Write;
use std::path::{Path, PathBuf};

use rstscope::fuzzing::seeds_from_capture;

/// Longest reader seed: libFuzzer mutates small inputs faster.
const MAX_READER_SEED: usize = 256 << 10;
/// Longest chunks seed: the target reads each input twice, and chunks of at most 4 KiB make
/// many chunks of it.
const MAX_CHUNKS_SEED: usize = 64 << 10;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: fuzz_seeds OUT_DIR FILE...");
        std::process::exit(2);
    };
    let dirs = ["reader", "decode", "engine", "file", "chunks"].map(|d| out.join(d));
    for d in &dirs {
        std::fs::create_dir_all(d)?;
    }
    let (mut frames, mut sequences, mut pcaps) = (0, 0, 0);
    for (n, file) in args.map(PathBuf::from).enumerate() {
        let name = seed_name(n, &file);
        let mut bytes = std::fs::read(&file)?;
        bytes.truncate(MAX_READER_SEED);
        std::fs::write(dirs[0].join(&name), &bytes)?;
        if let Some(seeds) = chunks_seeds(&bytes) {
            for (i, seed) in seeds.iter().enumerate() {
                std::fs::write(dirs[4].join(format!("{name}-{i}")), seed)?;
            }
            pcaps += 1;
        }
        std::fs::write(dirs[3].join(&name), bytes)?;
        let (decode, engine) = seeds_from_capture(&file, 64, 2000);
        for (i, f) in decode.iter().enumerate() {
            std::fs::write(dirs[1].join(format!("{name}-{i}")), f)?;
        }
        frames += decode.len();
        if engine.len() > 1 {
            std::fs::write(dirs[2].join(&name), engine)?;
            sequences += 1;
        }
    }
    let zips = zip_seeds(&dirs[3])?;
    eprintln!(
        "fuzz_seeds: {zips} zip archives, {} frames, {} packet sequences, {} classic pcaps under {}",
        frames,
        sequences,
        pcaps,
        out.display()
    );
    Ok(())
}

/// The chunks target's seeds of a capture, where it is a classic pcap (either byte order,
/// microseconds or nanoseconds): the file cut to [`MAX_CHUNKS_SEED`]; the same with every
/// third record repeated at once (repeats across chunk starts); the file followed by itself,
/// its header included (captures appended, time stepping back). Each behind two bytes that
/// pick a chunk size, a different one each.
fn chunks_seeds(file: &[u8]) -> Option<Vec<Vec<u8>>> {
    let big_endian = match file.get(..4)? {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        _ => return None,
    };
    let file = &file[..file.len().min(MAX_CHUNKS_SEED)];
    let mut records = Vec::new();
    let mut at = 24;
    while let Some(len) = file.get(at + 8..at + 12) {
        let len: [u8; 4] = len.try_into().ok()?;
        let len = match big_endian {
            true => u32::from_be_bytes(len),
            false => u32::from_le_bytes(len),
        } as usize;
        let Some(record) = file.get(at..at + 16 + len) else {
            break;
        };
        records.push(record);
        at += 16 + len;
    }
    let mut repeats = file.get(..24)?.to_vec();
    for (i, record) in records.iter().enumerate() {
        repeats.extend_from_slice(record);
        if i % 3 == 1 {
            repeats.extend_from_slice(record);
        }
    }
    repeats.truncate(MAX_CHUNKS_SEED);
    let half = &file[..file.len().min(MAX_CHUNKS_SEED / 2)];
    let appended = [half, half].concat();
    let seeds = [file.to_vec(), repeats, appended];
    Some(
        seeds
            .into_iter()
            .zip([100u16, 700, 2000])
            .map(|(seed, chunk)| [&chunk.to_le_bytes()[..], &seed].concat())
            .collect(),
    )
}

/// A file name for the seeds of `file`: its number and name, so seeds of files with the same
/// name in different folders do not collide.
fn seed_name(n: usize, file: &Path) -> String {
    let base = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{n:03}-{base}")
}

/// Writes zip archives of the small fixtures into `dir`, each a way a zip on disk is read (see
/// `src/source/file/zip.rs`); returns how many.
fn zip_seeds(dir: &Path) -> std::io::Result<usize> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let refused = std::fs::read(fixtures.join("refused-v4.pcap"))?;
    let abort = std::fs::read(fixtures.join("abort-linger0.pcap"))?;
    let (stored, deflated) = (Method::Stored, Method::Deflate);
    let m = |name: &str, data: &[u8], method| Member {
        name: name.into(),
        data: data.to_vec(),
        method,
        descriptor: false,
    };
    let two = || {
        vec![
            m("dump-1.pcap", &refused, deflated),
            m("dump-2.pcap", &abort, stored),
            m("notes/", b"", stored),
            m("readme.txt", b"two captures of labutil01\n", deflated),
        ]
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&refused)?;
    let gz = gz.finish()?;
    let plain = Zip::default();
    let zip64 = Zip {
        zip64: true,
        ..Zip::default()
    };
    let several = plain.build(&two());
    let mut seeds: Vec<(&str, Vec<u8>)> = vec![
        ("several-members.zip", several.clone()),
        ("zip64.zip", zip64.build(&two())),
        (
            "nested.zip",
            plain.build(&[
                m("inner.zip", &several, stored),
                m("dump.pcap", &refused, deflated),
            ]),
        ),
        (
            "gzip-member.zip",
            plain.build(&[m("dump.pcap.gz", &gz, stored)]),
        ),
        (
            "etl-member.zip",
            plain.build(&[
                m("trace.etl", b"not a capture", stored),
                m("dump.pcap", &abort, stored),
            ]),
        ),
        (
            "descriptor.zip",
            plain.build(&[Member {
                descriptor: true,
                ..m("-", &refused, deflated)
            }]),
        ),
        (
            "shared-offset.zip",
            Zip {
                shared_offset: 8,
                ..Zip::default()
            }
            .build(&[m("dump.pcap", &refused, deflated)]),
        ),
        (
            "split-last-part.zip",
            Zip {
                split: true,
                ..Zip::default()
            }
            .build(&[m("dump.pcap", &refused, stored)]),
        ),
    ];
    // Damaged central directories: the end record's count, size and offset wrong; a member
    // placed past the end; none at all (cut short), between members and inside one.
    let end = several.len() - 22;
    let mut more = several.clone();
    more[end + 10] += 3;
    seeds.push(("count-too-large.zip", more));
    let mut moved = several.clone();
    moved[end + 16] ^= 0x07;
    seeds.push(("directory-offset-wrong.zip", moved));
    let mut short = several.clone();
    short[end + 12] = short[end + 12].wrapping_sub(20);
    seeds.push(("directory-size-short.zip", short));
    let mut past = several.clone();
    let cd = u32::from_le_bytes(several[end + 16..end + 20].try_into().unwrap_or_default());
    let first_offset = cd as usize + 42;
    past[first_offset..first_offset + 4].copy_from_slice(&0x00ff_0000u32.to_le_bytes());
    seeds.push(("member-past-end.zip", past));
    seeds.push(("cut-before-directory.zip", several[..cd as usize].to_vec()));
    seeds.push(("cut-in-member.zip", several[..cd as usize / 2].to_vec()));
    let mut cut64 = zip64.build(&two());
    cut64.truncate(cut64.len() - 30);
    seeds.push(("zip64-cut-locator.zip", cut64));
    for (name, bytes) in &seeds {
        std::fs::write(dir.join(format!("zip-{name}")), bytes)?;
    }
    Ok(seeds.len())
}

#[derive(Clone, Copy)]
enum Method {
    Stored,
    Deflate,
}

struct Member {
    name: String,
    data: Vec<u8>,
    method: Method,
    /// CRC and sizes zeros in the local header, in a data descriptor after the data.
    descriptor: bool,
}

/// How [`Zip::build`] writes an archive.
#[derive(Default, Clone, Copy)]
struct Zip {
    /// Sizes and offsets through zip64's extra field, end record and locator.
    zip64: bool,
    /// The first member listed this many times more in the central directory, each entry at
    /// its one local header (a directory that claims many members costs few bytes).
    shared_offset: usize,
    /// The end record says this is a part of a split archive.
    split: bool,
}

impl Zip {
    fn build(self, members: &[Member]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        let mut entries = 0u64;
        for member in members {
            let mut crc = flate2::Crc::new();
            crc.update(&member.data);
            let data = match member.method {
                Method::Stored => member.data.clone(),
                Method::Deflate => {
                    let mut e = flate2::write::DeflateEncoder::new(
                        Vec::new(),
                        flate2::Compression::default(),
                    );
                    let _ = e.write_all(&member.data);
                    e.finish().unwrap_or_default()
                }
            };
            let method: u16 = match member.method {
                Method::Stored => 0,
                Method::Deflate => 8,
            };
            let (crc, csize, usize_) = (crc.sum(), data.len() as u64, member.data.len() as u64);
            let local = out.len() as u64;
            let flags: u16 = if member.descriptor { 1 << 3 } else { 0 };
            let (lcrc, lc, lu) = if member.descriptor {
                (0, 0, 0)
            } else {
                (crc, csize, usize_)
            };
            let wide = |v: u64| if self.zip64 { u32::MAX } else { v as u32 };
            let extra64 = |values: &[u64]| {
                let mut e = Vec::new();
                if self.zip64 {
                    e.extend_from_slice(&1u16.to_le_bytes());
                    e.extend_from_slice(&((values.len() * 8) as u16).to_le_bytes());
                    for v in values {
                        e.extend_from_slice(&v.to_le_bytes());
                    }
                }
                e
            };
            let local_extra = extra64(&[lu, lc]);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[45, 0]);
            out.extend_from_slice(&flags.to_le_bytes());
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]);
            out.extend_from_slice(&lcrc.to_le_bytes());
            out.extend_from_slice(&wide(lc).to_le_bytes());
            out.extend_from_slice(&wide(lu).to_le_bytes());
            out.extend_from_slice(&(member.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(local_extra.len() as u16).to_le_bytes());
            out.extend_from_slice(member.name.as_bytes());
            out.extend_from_slice(&local_extra);
            out.extend_from_slice(&data);
            if member.descriptor {
                out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
                out.extend_from_slice(&crc.to_le_bytes());
                if self.zip64 {
                    out.extend_from_slice(&csize.to_le_bytes());
                    out.extend_from_slice(&usize_.to_le_bytes());
                } else {
                    out.extend_from_slice(&(csize as u32).to_le_bytes());
                    out.extend_from_slice(&(usize_ as u32).to_le_bytes());
                }
            }
            let copies = if entries == 0 {
                1 + self.shared_offset
            } else {
                1
            };
            for copy in 0..copies {
                let name = if copy == 0 {
                    member.name.clone()
                } else {
                    format!("{copy}-{}", member.name)
                };
                let extra = extra64(&[usize_, csize, local]);
                central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
                central.extend_from_slice(&[45, 3, 45, 0]);
                central.extend_from_slice(&flags.to_le_bytes());
                central.extend_from_slice(&method.to_le_bytes());
                central.extend_from_slice(&[0, 0, 0x21, 0]);
                central.extend_from_slice(&crc.to_le_bytes());
                central.extend_from_slice(&wide(csize).to_le_bytes());
                central.extend_from_slice(&wide(usize_).to_le_bytes());
                central.extend_from_slice(&(name.len() as u16).to_le_bytes());
                central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                central.extend_from_slice(&[0; 6]);
                central.extend_from_slice(&0o100_644u32.wrapping_shl(16).to_le_bytes());
                central.extend_from_slice(&wide(local).to_le_bytes());
                central.extend_from_slice(name.as_bytes());
                central.extend_from_slice(&extra);
                entries += 1;
            }
        }
        let cd_at = out.len() as u64;
        let cd_len = central.len() as u64;
        out.extend_from_slice(&central);
        if self.zip64 {
            let record_at = out.len() as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 3, 45, 0]);
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&entries.to_le_bytes());
            out.extend_from_slice(&entries.to_le_bytes());
            out.extend_from_slice(&cd_len.to_le_bytes());
            out.extend_from_slice(&cd_at.to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record_at.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        let (count, len, at) = if self.zip64 {
            (0xffff, u32::MAX, u32::MAX)
        } else {
            (entries as u16, cd_len as u32, cd_at as u32)
        };
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        let part: u16 = if self.split { 2 } else { 0 };
        out.extend_from_slice(&part.to_le_bytes());
        out.extend_from_slice(&part.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}
