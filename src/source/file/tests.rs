use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::framing::{Clock, DPEB, EPB, IDB, ISB, NANOS_PER_SEC, PB, SPB};
use super::*;
use crate::source::{CapturedProcessKind, Direction, DropKind, Packing};

// ---- builders -------------------------------------------------------------------------------

/// A temp file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "rstscope-file-test-{}-{n}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, bytes).expect("write temp file");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn put32(out: &mut Vec<u8>, v: u32, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put16(out: &mut Vec<u8>, v: u16, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

/// One classic pcap record.
struct Rec<'a> {
    secs: u32,
    frac: u32,
    data: &'a [u8],
    orig: u32,
}

fn rec(secs: u32, frac: u32, data: &[u8]) -> Rec<'_> {
    Rec {
        secs,
        frac,
        data,
        orig: data.len() as u32,
    }
}

fn pcap(be: bool, nanos: bool, link_type: u32, snaplen: u32, records: &[Rec<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    put32(&mut out, if nanos { 0xA1B2_3C4D } else { 0xA1B2_C3D4 }, be);
    put16(&mut out, 2, be);
    put16(&mut out, 4, be);
    put32(&mut out, 0, be);
    put32(&mut out, 0, be);
    put32(&mut out, snaplen, be);
    put32(&mut out, link_type, be);
    for r in records {
        put32(&mut out, r.secs, be);
        put32(&mut out, r.frac, be);
        put32(&mut out, r.data.len() as u32, be);
        put32(&mut out, r.orig, be);
        out.extend_from_slice(r.data);
    }
    out
}

/// A pcapng block: type, length, body padded to 4, length.
fn block(block_type: u32, body: &[u8], be: bool) -> Vec<u8> {
    let padded = body.len().div_ceil(4) * 4;
    let len = (12 + padded) as u32;
    let mut out = Vec::new();
    put32(&mut out, block_type, be);
    put32(&mut out, len, be);
    out.extend_from_slice(body);
    out.resize(8 + padded, 0);
    put32(&mut out, len, be);
    out
}

fn options(opts: &[(u16, &[u8])], be: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if opts.is_empty() {
        return out;
    }
    for (code, value) in opts {
        put16(&mut out, *code, be);
        put16(&mut out, value.len() as u16, be);
        out.extend_from_slice(value);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

fn shb(be: bool) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, BOM, be);
    put16(&mut body, 1, be);
    put16(&mut body, 0, be);
    body.extend_from_slice(&[0xFF; 8]);
    body.extend(options(&[(4, b"rstscope test")], be));
    block(SHB, &body, be)
}

fn idb(be: bool, link_type: u16, snaplen: u32, opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    put16(&mut body, link_type, be);
    put16(&mut body, 0, be);
    put32(&mut body, snaplen, be);
    body.extend(options(opts, be));
    block(IDB, &body, be)
}

fn epb(be: bool, if_id: u32, ts: u64, data: &[u8], opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, if_id, be);
    put32(&mut body, (ts >> 32) as u32, be);
    put32(&mut body, ts as u32, be);
    put32(&mut body, data.len() as u32, be);
    put32(&mut body, data.len() as u32 + 10, be);
    body.extend_from_slice(data);
    body.resize(body.len().div_ceil(4) * 4, 0);
    body.extend(options(opts, be));
    block(EPB, &body, be)
}

fn pb(be: bool, if_id: u16, ts: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put16(&mut body, if_id, be);
    put16(&mut body, 0, be);
    put32(&mut body, (ts >> 32) as u32, be);
    put32(&mut body, ts as u32, be);
    put32(&mut body, data.len() as u32, be);
    put32(&mut body, data.len() as u32, be);
    body.extend_from_slice(data);
    block(PB, &body, be)
}

fn spb(be: bool, data: &[u8], orig: u32) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, orig, be);
    body.extend_from_slice(data);
    block(SPB, &body, be)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// What a delivered frame was, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Got {
    ts: i64,
    number: u64,
    link_type: u32,
    interface: u32,
    data: Vec<u8>,
    orig_len: u32,
}

fn drain(source: &mut FileSource) -> Vec<Got> {
    let mut out = Vec::new();
    while let Some(f) = source.next_frame() {
        out.push(Got {
            ts: f.ts.0,
            number: f.number,
            link_type: f.link_type.0,
            interface: f.interface,
            data: f.data.to_vec(),
            orig_len: f.orig_len,
        });
    }
    out
}

fn open_bytes(name: &str, bytes: &[u8]) -> (TempFile, Result<FileSource, SourceError>) {
    let file = TempFile::new(name, bytes);
    let source = FileSource::open(std::slice::from_ref(&file.0));
    (file, source)
}

fn read_all(name: &str, bytes: &[u8]) -> (FileSource, Vec<Got>) {
    let (_file, source) = open_bytes(name, bytes);
    let mut source = source.expect("opens");
    let frames = drain(&mut source);
    (source, frames)
}

const S: i64 = NANOS_PER_SEC;

// ---- formats --------------------------------------------------------------------------------

/// Regression: a second pcap file header where a record should start (captures appended
/// whole: `cat a.pcap b.pcap`) was read as a frame in 2055 and then as a record of absurd length,
/// and the rest of the file skipped as corrupt. Each header now holds from there on: its byte
/// order, its time resolution, its link type, on an interface of its own (each part a capture of
/// its own, as a pcapng section), frame by frame as in batches. A record of no bytes, which the batches leave to the frame-by-frame path,
/// is still a frame.
#[test]
fn pcap_captures_appended_whole_each_read_as_its_header_says() {
    let mut bytes = pcap(
        false,
        false,
        1,
        65535,
        &[rec(1, 500_000, b"ab"), rec(2, 0, b"")],
    );
    bytes.extend(pcap(true, true, 101, 65535, &[rec(3, 7, b"cde")]));
    bytes.extend(pcap(false, false, 1, 65535, &[]));
    bytes.extend(pcap(false, true, 1, 65535, &[rec(4, 9, b"f")]));
    let (source, frames) = read_all("appended.pcap", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let got: Vec<_> = frames
        .iter()
        .map(|f| (f.ts, f.link_type, f.interface, f.data.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            (S + 500_000_000, 1, 0, &b"ab"[..]),
            (2 * S, 1, 0, &b""[..]),
            (3 * S + 7, 101, 1, &b"cde"[..]),
            (4 * S + 9, 1, 3, &b"f"[..]),
        ]
    );
    // The same in batches, as the analysis reads it.
    let file = TempFile::new("appended-batches.pcap", &bytes);
    let a = crate::analysis::analyze_files(std::slice::from_ref(&file.0), Default::default())
        .expect("opens");
    assert_eq!(a.capture.frames, 4);
    assert!(a.capture.warnings.is_empty(), "{:?}", a.capture.warnings);
}

#[test]
fn pcap_microseconds_little_endian() {
    let bytes = pcap(
        false,
        false,
        1,
        65535,
        &[rec(1, 500_000, b"abc"), rec(2, 1, b"defgh"), rec(2, 2, b"")],
    );
    let (source, frames) = read_all("usec.pcap", &bytes);
    assert_eq!(frames.len(), 3);
    assert_eq!(
        frames[0],
        Got {
            ts: S + 500_000_000,
            number: 1,
            link_type: 1,
            interface: 0,
            data: b"abc".to_vec(),
            orig_len: 3
        }
    );
    assert_eq!(frames[1].ts, 2 * S + 1000);
    assert_eq!(frames[1].data, b"defgh");
    assert_eq!(frames[2].number, 3);
    assert!(frames[2].data.is_empty());
    assert!(source.problems().is_empty());
    let info = &source.files()[0];
    assert_eq!(
        (info.format, info.compression, info.frames),
        (Format::Pcap, None, 3)
    );
    assert_eq!(info.bytes_read, bytes.len() as u64);
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(source.interfaces().len(), 1);
    assert_eq!(source.link_types(), vec![(LinkType(1), 3)]);
    assert!((source.progress() - 1.0).abs() < 1e-9);
}

#[test]
fn pcap_nanoseconds_big_endian() {
    let bytes = pcap(
        true,
        true,
        113,
        262_144,
        &[
            rec(1_700_000_000, 123_456_789, b"\x01\x02"),
            rec(1_700_000_001, 999_999_999, b"x"),
        ],
    );
    let (source, frames) = read_all("nsec.pcap", &bytes);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].ts, 1_700_000_000 * S + 123_456_789);
    assert_eq!(frames[1].ts, 1_700_000_001 * S + 999_999_999);
    assert_eq!(frames[0].link_type, 113);
    assert_eq!(frames[0].data, b"\x01\x02");
    assert_eq!(source.files()[0].format, Format::PcapNanos);
    assert!(source.problems().is_empty());
}

#[test]
fn pcap_link_type_field_keeps_only_the_link_type() {
    // FCS bits set above the link type (pcap spec: bit 28 and bits 29-31).
    let bytes = pcap(false, false, 0x3000_0001, 65535, &[rec(1, 0, b"a")]);
    let (_, frames) = read_all("fcs.pcap", &bytes);
    assert_eq!(frames[0].link_type, 1);
}

#[test]
fn pcapng_two_interfaces_of_different_link_types_and_nanosecond_resolution() {
    let mut bytes = shb(false);
    bytes.extend(idb(
        false,
        1,
        65535,
        &[(2, b"eth0"), (3, b"Ethernet adapter")],
    ));
    bytes.extend(idb(false, 101, 0, &[(2, b"tun0"), (9, &[9])]));
    // A name resolution block and an unknown block between packets are skipped.
    bytes.extend(epb(false, 0, 1_600_000_000_123_456, b"ether", &[]));
    bytes.extend(block(4, &[0, 0, 0, 0], false));
    bytes.extend(block(0x0BAD_0BAD, b"whatever", false));
    bytes.extend(epb(
        false,
        1,
        1_600_000_000_123_456_789,
        b"raw ip",
        &[(1, b"a comment")],
    ));
    let (source, frames) = read_all("two-if.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].ts, 1_600_000_000 * S + 123_456_000);
    assert_eq!((frames[0].link_type, frames[0].interface), (1, 0));
    assert_eq!(frames[0].data, b"ether");
    assert_eq!(frames[0].orig_len, 15);
    assert_eq!(frames[1].ts, 1_600_000_000 * S + 123_456_789);
    assert_eq!((frames[1].link_type, frames[1].interface), (101, 1));
    assert_eq!(frames[1].data, b"raw ip");
    let names: Vec<_> = source.interfaces().iter().map(|i| i.name.clone()).collect();
    assert_eq!(
        names,
        vec![Some("eth0".to_string()), Some("tun0".to_string())]
    );
    assert_eq!(
        source.interfaces()[0].description.as_deref(),
        Some("Ethernet adapter")
    );
    assert_eq!(
        source.link_types(),
        vec![(LinkType(1), 1), (LinkType(101), 1)]
    );
    assert_eq!(source.files()[0].format, Format::Pcapng);
}

#[test]
fn pcapng_power_of_two_resolution_and_offset() {
    // 2^-10 s units, offset 1000 s; big-endian section.
    let mut offset = Vec::new();
    put32(&mut offset, 0, true);
    put32(&mut offset, 1000, true);
    let mut bytes = shb(true);
    bytes.extend(idb(true, 1, 0, &[(9, &[0x80 | 10]), (14, &offset)]));
    bytes.extend(epb(true, 0, 3 * 1024 + 512, b"x", &[]));
    let (source, frames) = read_all("pow2.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames[0].ts, 1003 * S + S / 2);
}

#[test]
fn pcapng_simple_and_obsolete_packet_blocks() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 4, &[]));
    bytes.extend(pb(false, 0, 5_000_000, b"old!"));
    // Snaplen 4 limits the simple packet's captured bytes; its time is the last one seen.
    bytes.extend(spb(false, b"simple", 60));
    let (source, frames) = read_all("spb.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames.len(), 2);
    assert_eq!(
        (frames[0].ts, frames[0].data.as_slice()),
        (5 * S, &b"old!"[..])
    );
    assert_eq!(
        (frames[1].ts, frames[1].data.as_slice(), frames[1].orig_len),
        (5 * S, &b"simp"[..], 60)
    );
}

#[test]
fn pcapng_sections_each_describe_their_own_interfaces() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[(2, b"a0")]));
    bytes.extend(epb(false, 0, 1_000_000, b"s0", &[]));
    // Second section, other byte order: interface ids start again at 0.
    bytes.extend(shb(true));
    bytes.extend(idb(true, 113, 0, &[(2, b"b0")]));
    bytes.extend(idb(true, 1, 0, &[(2, b"b1")]));
    bytes.extend(epb(true, 1, 2_000_000, b"s1i1", &[]));
    bytes.extend(epb(true, 0, 3_000_000, b"s1i0", &[]));
    let (source, frames) = read_all("sections.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let seen: Vec<_> = frames
        .iter()
        .map(|f| (f.ts / S, f.interface, f.link_type))
        .collect();
    assert_eq!(seen, vec![(1, 0, 1), (2, 2, 1), (3, 1, 113)]);
    let described: Vec<_> = source
        .interfaces()
        .iter()
        .map(|i| {
            (
                i.id,
                i.section,
                i.local_id,
                i.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        described,
        vec![
            (0, 0, 0, "a0".into()),
            (1, 1, 0, "b0".into()),
            (2, 1, 1, "b1".into())
        ]
    );
    // An interface of the first section is not valid in the second.
    let mut bad = shb(false);
    bad.extend(idb(false, 1, 0, &[]));
    bad.extend(idb(false, 1, 0, &[]));
    bad.extend(shb(false));
    bad.extend(idb(false, 1, 0, &[]));
    bad.extend(epb(false, 1, 0, b"x", &[]));
    let (source, frames) = read_all("stale-if.pcapng", &bad);
    assert!(frames.is_empty());
    assert!(
        matches!(&source.problems()[0], SourceError::Corrupt { what, .. } if what.contains("interface 1"))
    );
}

fn isb(be: bool, if_id: u32, opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, if_id, be);
    put32(&mut body, 0, be);
    put32(&mut body, 0, be);
    body.extend(options(opts, be));
    block(ISB, &body, be)
}

/// A 64-bit pcapng time option: high word first, each in the section's order.
fn time_option(raw: u64, be: bool) -> Vec<u8> {
    let mut v = Vec::new();
    put32(&mut v, (raw >> 32) as u32, be);
    put32(&mut v, raw as u32, be);
    v
}

/// The statistics blocks' `isb_starttime` and `isb_endtime` are the capture's own start and
/// end (on their interface's clock, in either byte order): the earliest and latest over the
/// file's interfaces and sections. Zeros (text2pcap), an interface not described, a start
/// after its end and a cut option say nothing.
#[test]
fn pcapng_statistics_blocks_give_the_capture_start_and_end() {
    for be in [false, true] {
        let mut bytes = shb(be);
        // Microseconds (the default), then milliseconds with an offset of 100 s.
        bytes.extend(idb(be, 1, 0, &[]));
        let mut offset = Vec::new();
        put32(&mut offset, if be { 0 } else { 100 }, be);
        put32(&mut offset, if be { 100 } else { 0 }, be);
        bytes.extend(idb(be, 1, 0, &[(9, &[3]), (14, &offset)]));
        bytes.extend(epb(be, 0, 5_000_000, b"x", &[]));
        bytes.extend(epb(be, 1, 2_000, b"y", &[]));
        // Interface 0 from 4 s to 9 s; interface 1 from 101 s to 103 s (1 s and 3 s on its
        // clock); interface 7 is not described; zeros and a start after the end say nothing.
        let (t4, t9) = (time_option(4_000_000, be), time_option(9_000_000, be));
        bytes.extend(isb(
            be,
            0,
            &[(1, b"Counters"), (2, &t4), (3, &t9), (4, &[0; 8])],
        ));
        let (t1k, t3k) = (time_option(1_000, be), time_option(3_000, be));
        bytes.extend(isb(be, 1, &[(2, &t1k), (3, &t3k)]));
        let (t0, t200) = (time_option(0, be), time_option(200_000_000, be));
        bytes.extend(isb(be, 7, &[(2, &t0), (3, &t200)]));
        bytes.extend(isb(be, 0, &[(2, &t0), (3, &t200)]));
        bytes.extend(isb(be, 0, &[(2, &t200), (3, &t4)]));
        let (source, frames) = read_all("stats.pcapng", &bytes);
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        assert_eq!(frames.len(), 2);
        assert_eq!(
            source.files()[0].recorded.map(|(a, b)| (a.0, b.0)),
            Some((4 * S, 103 * S)),
            "big-endian: {be}"
        );
    }
    // dumpcap's: nanosecond packets, the start and end in microseconds.
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[(9, &[9])]));
    bytes.extend(epb(false, 0, 50 * S as u64, b"x", &[]));
    let (t49, t51) = (
        time_option(49_000_000, false),
        time_option(51_500_000, false),
    );
    bytes.extend(isb(false, 0, &[(2, &t49), (3, &t51)]));
    let (source, _) = read_all("dumpcap.pcapng", &bytes);
    assert_eq!(
        source.files()[0].recorded.map(|(a, b)| (a.0, b.0)),
        Some((49 * S, 51 * S + S / 2))
    );
    // A cut option (its length past the block's end) is passed over, and so is the block.
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    bytes.extend(epb(false, 0, 5_000_000, b"x", &[]));
    let mut body = Vec::new();
    put32(&mut body, 0, false);
    put32(&mut body, 0, false);
    put32(&mut body, 0, false);
    put16(&mut body, 2, false);
    put16(&mut body, 8, false);
    body.extend_from_slice(&[1, 0, 0, 0]);
    bytes.extend(block(ISB, &body, false));
    let (source, frames) = read_all("cut-stats.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!((frames.len(), source.files()[0].recorded), (1, None));
    // pcap files record no such thing.
    let (source, _) = read_all("plain.pcap", &pcap(false, false, 1, 0, &[rec(1, 0, b"z")]));
    assert_eq!(source.files()[0].recorded, None);
}

/// The frames a capture lost, as its statistics blocks count them (`isb_ifdrop` plus
/// `isb_osdrop`, in either byte order): of each interface the most any of its blocks says, as
/// a writer that writes blocks along the way counts on; a cut value and an interface not
/// described say nothing.
#[test]
fn pcapng_statistics_blocks_give_the_frames_the_capture_lost() {
    let count = |n: u64, be: bool| {
        if be { n.to_be_bytes() } else { n.to_le_bytes() }
    };
    for be in [false, true] {
        let mut bytes = shb(be);
        bytes.extend(idb(be, 1, 0, &[]));
        bytes.extend(idb(be, 1, 0, &[]));
        bytes.extend(epb(be, 0, 5_000_000, b"x", &[]));
        // Interface 0: 3 by the interface and 4 by the kernel, then 10 in all; interface 1:
        // 5; interface 7 is not described; a 4-byte value is cut.
        bytes.extend(isb(be, 0, &[(5, &count(3, be)), (7, &count(4, be))]));
        bytes.extend(isb(be, 1, &[(7, &count(5, be))]));
        bytes.extend(isb(be, 0, &[(5, &count(3, be)), (7, &count(7, be))]));
        bytes.extend(isb(be, 0, &[(7, &count(2, be))]));
        bytes.extend(isb(be, 7, &[(7, &count(99, be))]));
        bytes.extend(isb(be, 1, &[(7, &[9, 9, 9, 9])]));
        let (source, frames) = read_all("lost.pcapng", &bytes);
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        assert_eq!(
            (frames.len(), source.files()[0].lost),
            (1, 15),
            "big-endian: {be}"
        );
    }
    let (source, _) = read_all("plain.pcap", &pcap(false, false, 1, 0, &[rec(1, 0, b"z")]));
    assert_eq!(source.files()[0].lost, 0);
}

#[test]
fn gzip_is_detected_by_content_and_progress_counts_compressed_bytes() {
    let plain = pcap(
        false,
        false,
        1,
        65535,
        &[rec(1, 0, b"abc"), rec(2, 0, b"def")],
    );
    let compressed = gzip(&plain);
    // The name says nothing of gzip.
    let (source, frames) = read_all("compressed.pcap", &compressed);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].data, b"def");
    let info = &source.files()[0];
    assert_eq!(info.compression, Some(crate::source::Compression::Gzip));
    assert_eq!(info.format, Format::Pcap);
    assert_eq!(info.size, compressed.len() as u64);
    assert_eq!(info.bytes_read, compressed.len() as u64);
    assert!(source.problems().is_empty());
}

#[test]
fn gzip_cut_short_is_truncated_and_keeps_earlier_frames() {
    let records: Vec<Vec<u8>> = (0..2000u32)
        .map(|i| (0..200).map(|j| (i * 7 + j) as u8).collect())
        .collect();
    let recs: Vec<Rec<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, d)| rec(i as u32, 0, d))
        .collect();
    let compressed = gzip(&pcap(false, false, 1, 65535, &recs));
    let cut = &compressed[..compressed.len() / 2];
    let (source, frames) = read_all("cut.pcap.gz", cut);
    assert!(!frames.is_empty() && frames.len() < 2000);
    assert!(
        matches!(source.problems(), [SourceError::Truncated { frames: n, packing: Packing::CompressedCut(crate::source::Compression::Gzip), .. }] if *n == frames.len() as u64),
        "{:?}",
        source.problems()
    );
    // Regression (Windows trial): a .pcapng.gz whose download stopped at 1.5 KB was said to
    // "end inside a record at byte 4516", an offset of the decompressed data the file's size
    // cannot show.
    let message = source.problems()[0].to_string();
    assert!(
        message.contains(&format!(
            "cut.pcap.gz: its gzip-compressed data ends early, {} bytes into the capture (after {} frames): the file was cut short, as by a download or copy that did not finish; results up to that point are kept",
            match source.problems() {
                [SourceError::Truncated { offset, .. }] => *offset,
                _ => 0,
            },
            frames.len()
        )),
        "{message}"
    );
    // Regression (terminal trial): and what to do, as a plain file's warning says it.
    assert!(
        message.ends_with("; copy the whole file again for the rest"),
        "{message}"
    );
}

/// A capture cut short and then compressed: the gzip data is whole, the record it ends in is
/// at an offset of the decompressed data, and the message says so.
#[test]
fn a_cut_capture_compressed_whole_names_its_offset_in_the_decompressed_data() {
    let records: Vec<Vec<u8>> = (0..20u32).map(|i| vec![i as u8; 100]).collect();
    let recs: Vec<Rec<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, d)| rec(i as u32, 0, d))
        .collect();
    let plain = pcap(false, false, 1, 65535, &recs);
    let cut = &plain[..plain.len() - 50];
    let (source, frames) = read_all("cut.pcap.gz", &gzip(cut));
    assert_eq!(frames.len(), 19);
    let message = source.problems()[0].to_string();
    assert!(
        matches!(
            source.problems(),
            [SourceError::Truncated {
                packing: Packing::Compressed(crate::source::Compression::Gzip),
                ..
            }]
        ) && message.contains(
            "file ends inside a record at byte 2228 of its decompressed data (after 19 frames)"
        ),
        "{message}"
    );
    // The same bytes uncompressed: the file's own offset, said as before.
    let (source, _) = read_all("cut.pcap", cut);
    let message = source.problems()[0].to_string();
    assert!(
        message.contains("cut.pcap: file ends inside a record at byte 2228 (after 19 frames): the capture was cut short; results up to that point are kept; a capture still being written ends this way too (tcpdump -w writes its packets a buffer at a time): read it again once the capture has stopped for the rest, or copy the whole file again"),
        "{message}"
    );
    // Compressed, it is no capture being written: no word of it.
    let (source, _) = read_all("cut.pcap.gz", &gzip(cut));
    let message = source.problems()[0].to_string();
    assert!(!message.contains("being written"), "{message}");
}

/// A file cut inside its file header or its first record says where, and what to do: there
/// is nothing to keep ("inside a record at byte 0 (after 0 frames)" said neither).
#[test]
fn a_capture_cut_before_its_first_packet_says_where_and_what_to_do() {
    let data = [7u8; 100];
    let whole = pcap(false, false, 1, 65535, &[rec(0, 0, &data)]);
    for (cut, said) in [
        (
            20,
            "cut.pcap: file ends inside its file header: the capture was cut short, before its first packet; copy the whole file again",
        ),
        (
            30,
            "cut.pcap: file ends inside its first record at byte 24: the capture was cut short, before its first packet; copy the whole file again",
        ),
    ] {
        let (source, frames) = read_all("cut.pcap", &whole[..cut]);
        assert!(frames.is_empty());
        let message = source.problems()[0].to_string();
        assert!(message.contains(said), "{cut} bytes: {message}");
    }
}

#[test]
fn gzip_of_text_is_not_a_capture() {
    let (_f, result) = open_bytes("notes.gz", &gzip(b"hello world, not a capture"));
    let message = result.err().expect("fails").to_string();
    assert!(
        message.contains("gzip-compressed data that decompresses to 68 65 6c 6c 6f"),
        "{message}"
    );
}

// ---- problems -------------------------------------------------------------------------------

#[test]
fn truncated_record_keeps_frames_before_it() {
    let bytes = pcap(
        false,
        false,
        1,
        65535,
        &[
            rec(1, 0, b"0123456789"),
            rec(2, 0, b"abcdefghij"),
            rec(3, 0, b"klmnopqrst"),
        ],
    );
    // Cut in the data of the third record, then in its header.
    for cut in [bytes.len() - 3, 24 + 2 * 26 + 7] {
        let (source, frames) = read_all("cut.pcap", &bytes[..cut]);
        assert_eq!(frames.len(), 2);
        match source.problems() {
            [SourceError::Truncated { offset, frames, .. }] => {
                assert_eq!((*offset, *frames), (24 + 2 * 26, 2))
            }
            other => panic!("{other:?}"),
        }
        let message = source.problems()[0].to_string();
        assert!(
            message.contains("cut.pcap") && message.contains("byte 76"),
            "{message}"
        );
    }
    // Cut inside the file header: the file opens, with no frames and the problem.
    let (source, frames) = read_all("cut-header.pcap", &bytes[..10]);
    assert!(frames.is_empty());
    assert!(matches!(
        source.problems(),
        [SourceError::Truncated {
            offset: 0,
            frames: 0,
            ..
        }]
    ));
}

#[test]
fn truncated_pcapng_block() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    let first = bytes.len() as u64;
    bytes.extend(epb(false, 0, 0, b"first", &[]));
    let second = bytes.len() as u64;
    bytes.extend(epb(false, 0, 0, b"second", &[]));
    let (source, frames) = read_all("cut.pcapng", &bytes[..bytes.len() - 1]);
    assert_eq!(frames.len(), 1);
    assert!(first < second);
    assert!(
        matches!(source.problems(), [SourceError::Truncated { offset, frames: 1, .. }] if *offset == second)
    );
}

#[test]
fn not_a_capture_shows_first_bytes() {
    let (_f, result) = open_bytes("readme.txt", b"GET / HTTP/1.1\r\nHost: x\r\n");
    let error = result.err().expect("fails");
    assert!(matches!(error, SourceError::NotACapture { .. }));
    let message = error.to_string();
    assert!(
        message.contains("readme.txt")
            && message.contains("47 45 54 20")
            && message.contains("GET / HTTP"),
        "{message}"
    );
}

#[test]
fn empty_file_is_not_a_capture() {
    let (_f, result) = open_bytes("empty.pcap", b"");
    let message = result.err().expect("fails").to_string();
    assert!(
        message.contains("empty.pcap") && message.contains("empty"),
        "{message}"
    );
}

#[test]
fn missing_file_fails_to_open() {
    let path = std::env::temp_dir().join("rstscope-file-test-does-not-exist.pcap");
    let error = FileSource::open(&[path]).err().expect("fails");
    assert!(matches!(error, SourceError::Io { .. }));
    let message = error.to_string();
    assert!(
        message.contains("does-not-exist") && !message.contains("is not there"),
        "its disk is there: {message}"
    );
}

/// The case this pins (found trying the Windows app under wine): a Recent capture on a USB
/// drive not plugged in said only "cannot read: Path not found. (os error 3)", not what to do.
/// Run under wine by the smoke test.
#[cfg(windows)]
#[test]
fn a_file_on_a_drive_not_there_says_to_connect_it() {
    let root = ('D'..='Y')
        .map(|d| PathBuf::from(format!("{d}:\\")))
        .find(|root| !root.is_dir())
        .expect("a drive letter not in use");
    let error = FileSource::open(&[root.join("caps").join("trace.pcapng")])
        .err()
        .expect("fails");
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "; {} is not there (a USB drive not plugged in, a network share out of reach?): \
             connect it, then open the file again",
            root.display()
        )),
        "{message}"
    );
}

/// The case this pins: a folder dropped on the window or given to `analyze` on Windows, where
/// opening a folder as a file fails with "Access denied", was reported as a permission problem.
/// (Run under wine by the Windows smoke test; on Linux a folder opens and was caught after.)
/// A folder is read as its files now; an empty one says so.
#[test]
fn a_folder_is_named_as_a_folder() {
    let dir =
        std::env::temp_dir().join(format!("rstscope-file-test-{}-folder", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let error = FileSource::open(std::slice::from_ref(&dir))
        .err()
        .expect("fails");
    std::fs::remove_dir(&dir).expect("clean up");
    let message = error.to_string();
    assert!(message.contains("an empty folder"), "{message}");
}

#[test]
fn a_file_this_account_may_not_read_says_what_to_do() {
    let error = SourceError::Io {
        path: PathBuf::from("trace.pcapng"),
        source: io::Error::from(io::ErrorKind::PermissionDenied),
    };
    let message = error.to_string();
    assert!(
        message.contains("this account may not read it: open it as a user who may"),
        "{message}"
    );
}

/// The case this pins: a capture another program still holds open without sharing it (on
/// Windows) gave only "Sharing violation (os error 32)". Run under wine by the smoke test.
#[cfg(windows)]
#[test]
fn a_file_held_open_by_another_program_says_so() {
    use std::os::windows::fs::OpenOptionsExt;
    let file = TempFile::new("held.pcapng", b"");
    let _held = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(0)
        .open(&file.0)
        .expect("open without sharing");
    let message = FileSource::open(std::slice::from_ref(&file.0))
        .err()
        .expect("fails")
        .to_string();
    assert!(
        message.contains("another program has it open") && message.contains("held.pcapng"),
        "{message}"
    );
}

#[test]
fn corrupt_block_lengths() {
    let mut good = shb(false);
    good.extend(idb(false, 1, 0, &[]));
    good.extend(epb(false, 0, 0, b"kept", &[]));
    let at = good.len() as u64;
    let mut cases: Vec<(Vec<u8>, &str)> = Vec::new();
    // Absurd length.
    let mut absurd = good.clone();
    absurd.extend(epb(false, 0, 0, b"x", &[]));
    absurd[at as usize + 4..at as usize + 8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    cases.push((absurd, "exceeds the 256 MiB limit"));
    // Length not a multiple of 4.
    let mut odd = good.clone();
    odd.extend(epb(false, 0, 0, b"x", &[]));
    odd[at as usize + 4] += 1;
    cases.push((odd, "not a multiple of 4"));
    // Trailer differs from the header.
    let mut trailer = good.clone();
    trailer.extend(epb(false, 0, 0, b"x", &[]));
    let end = trailer.len();
    trailer[end - 4] ^= 4;
    cases.push((trailer, "ends with length"));
    // Captured length larger than the block.
    let mut caplen = good.clone();
    caplen.extend(epb(false, 0, 0, b"x", &[]));
    caplen[at as usize + 20] = 200;
    cases.push((caplen, "does not fit"));
    for (bytes, expected) in cases {
        let (source, frames) = read_all("corrupt.pcapng", &bytes);
        assert_eq!(frames.len(), 1, "{expected}");
        match source.problems() {
            [
                SourceError::Corrupt {
                    offset,
                    frames: 1,
                    what,
                    ..
                },
            ] => {
                assert_eq!(*offset, at);
                assert!(what.contains(expected), "{what} / {expected}");
            }
            other => panic!("{expected}: {other:?}"),
        }
    }
}

#[test]
fn corrupt_pcap_record_lengths() {
    let big = rec(2, 0, b"");
    let mut huge = pcap(false, false, 1, 65535, &[rec(1, 0, b"kept"), big]);
    let at = 24 + 16 + 4;
    huge[at + 8..at + 12].copy_from_slice(&(300u32 << 20).to_le_bytes());
    huge[at + 12..at + 16].copy_from_slice(&(300u32 << 20).to_le_bytes());
    let (source, frames) = read_all("huge-record.pcap", &huge);
    assert_eq!(frames.len(), 1);
    assert!(
        matches!(&source.problems()[0], SourceError::Corrupt { what, offset: 44, .. } if what.contains("record length 314572800 exceeds"))
    );
    // One frame read before it: "after 1 frame", not "after 1 frames".
    let message = source.problems()[0].to_string();
    assert!(
        message.contains("at byte 44 (after 1 frame): record length"),
        "{message}"
    );

    let wild = Rec {
        secs: 2,
        frac: 0,
        data: &[0; 70_000],
        orig: 60,
    };
    let bytes = pcap(false, false, 1, 65535, &[rec(1, 0, b"kept"), wild]);
    let (source, frames) = read_all("wild.pcap", &bytes);
    assert_eq!(frames.len(), 1);
    assert!(
        matches!(&source.problems()[0], SourceError::Corrupt { what, .. } if what.contains("far larger"))
    );
}

#[test]
fn record_larger_than_the_buffer_is_read() {
    let data: Vec<u8> = (0..3 * BUFFER_SIZE).map(|i| i as u8).collect();
    let bytes = pcap(
        false,
        false,
        1,
        0,
        &[rec(1, 0, b"small"), rec(2, 0, &data), rec(3, 0, b"after")],
    );
    let (source, frames) = read_all("big-record.pcap", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[1].data, data);
    assert_eq!(frames[2].data, b"after");
    // The same record cut short is a truncation, found without reading past the file.
    let (source, frames) = read_all("big-record-cut.pcap", &bytes[..BUFFER_SIZE * 2]);
    assert_eq!(frames.len(), 1);
    assert!(matches!(
        source.problems(),
        [SourceError::Truncated { offset: 45, .. }]
    ));
}

#[test]
fn huge_snaplen_in_headers_is_accepted() {
    let bytes = pcap(false, false, 1, 0xFFFF_FFFF, &[rec(1, 0, b"abc")]);
    let (source, frames) = read_all("snaplen.pcap", &bytes);
    assert_eq!(frames.len(), 1);
    assert!(source.problems().is_empty());
    let mut ng = shb(false);
    ng.extend(idb(false, 1, 0xFFFF_FFFF, &[]));
    ng.extend(epb(false, 0, 0, b"abc", &[]));
    ng.extend(spb(false, b"spb!", 4));
    let (source, frames) = read_all("snaplen.pcapng", &ng);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].data, b"spb!");
    assert!(source.problems().is_empty());
}

// ---- merging --------------------------------------------------------------------------------

/// Every frame taken through runs of [`FileSource::frame_run`] of at most `limit` frames,
/// with [`FileSource::next_frame`] between runs, as the analysis reads.
fn drain_runs(source: &mut FileSource, limit: u64) -> Vec<Got> {
    let got = |f: &Frame<'_>| Got {
        ts: f.ts.0,
        number: f.number,
        link_type: f.link_type.0,
        interface: f.interface,
        data: f.data.to_vec(),
        orig_len: f.orig_len,
    };
    let mut out = Vec::new();
    loop {
        let before = out.len();
        let n = source.frame_run(limit, |f: Frame<'_>| out.push(got(&f)));
        assert_eq!(
            n as usize,
            out.len() - before,
            "a run counts what it delivers"
        );
        assert!(n <= limit);
        let Some(f) = source.next_frame() else {
            break;
        };
        out.push(got(&f));
    }
    out
}

/// How a run handed its frames to a [`FrameSink`]: each frame's number and whether it came
/// through [`FrameSink::frame_of_run`] with its bytes inside the records given, and the runs
/// ended after such frames.
#[derive(Default)]
struct HowHanded {
    frames: Vec<(u64, bool)>,
    pending: Option<(usize, usize)>,
    run_ends: u32,
}

impl FrameSink for &mut HowHanded {
    fn frame(&mut self, frame: Frame<'_>) {
        self.frames.push((frame.number, false));
    }

    fn frame_called(&mut self, frame: Frame<'_>) {
        self.frame(frame);
    }

    fn frame_of_run(&mut self, frame: Frame<'_>, records: &[u8]) {
        let range = records.as_ptr_range();
        let inside =
            range.contains(&frame.data.as_ptr()) && frame.data.as_ptr_range().end <= range.end;
        assert!(inside, "a frame of a run lies in its records");
        assert_eq!(frame.link_type, LinkType::ETHERNET);
        self.pending = Some((records.as_ptr() as usize, records.len()));
        self.frames.push((frame.number, true));
    }

    fn run_end(&mut self, records: &[u8]) {
        if let Some(given) = self.pending.take() {
            assert_eq!(given, (records.as_ptr() as usize, records.len()));
            self.run_ends += 1;
        }
    }
}

/// The frames of a little-endian pcapng section of Ethernet interfaces (what Wireshark and
/// dumpcap write) reach the sink as a classic pcap file of Ethernet's do: through
/// [`FrameSink::frame_of_run`] with the records they lie in, the run's end told after them
/// (the repeat check reads kept frames' bytes there then). A section with another link type,
/// or in big-endian order, goes through [`FrameSink::frame_called`].
#[test]
fn pcapng_ethernet_frames_reach_the_sink_as_a_run_of_records() {
    let file = |be: bool, link_types: &[u16]| {
        let mut ng = shb(be);
        for &lt in link_types {
            ng.extend(idb(be, lt, 0, &[]));
        }
        for k in 0..6u64 {
            let on = (k as u32) % link_types.len() as u32;
            ng.extend(epb(be, on, 1_000_000 + k, &[k as u8; 60], &[]));
        }
        ng
    };
    for (be, link_types, inlined) in [
        (false, &[1u16, 1][..], true),
        (false, &[1, 101][..], false),
        (true, &[1][..], false),
    ] {
        let (_file, source) = open_bytes("run.pcapng", &file(be, link_types));
        let mut source = source.expect("opens");
        let first = source.next_frame().map(|f| f.number);
        assert_eq!(first, Some(1));
        let mut how = HowHanded::default();
        let n = source.frame_run(100, &mut how);
        assert_eq!(n, 5, "{link_types:?}, big-endian {be}");
        let expected: Vec<_> = (2..=6).map(|number| (number, inlined)).collect();
        assert_eq!(how.frames, expected, "{link_types:?}, big-endian {be}");
        assert_eq!(how.run_ends, u32::from(inlined));
    }
}

/// The quiet spells of a file read in runs (whose loop tells them only of the frames that
/// may end one) are those read frame by frame: gaps of more and of no more than an hour,
/// before and after times stepping back, and runs starting anywhere.
#[test]
fn frame_runs_find_the_quiet_spells_next_frame_finds() {
    let secs = [
        0, 1, 7200, 7195, 7201, 7300, 20000, 19990, 19999, 19995, 23600, 27201, 27100, 30802,
        30801, 40000, 39000, 43600, 43602,
    ];
    let recs: Vec<Rec<'_>> = secs.iter().map(|&s| rec(s, 500, &[0u8; 60])).collect();
    let file = TempFile::new("quiet.pcap", &pcap(false, false, 1, 65535, &recs));
    let path = std::slice::from_ref(&file.0);
    let mut one_by_one = FileSource::open(path).expect("opens");
    drain(&mut one_by_one);
    let quiet = one_by_one.files()[0].quiet.clone();
    // 1 to 7200, 7300 to 20000, 23600 to 27201, then 27201 (the latest, not the frame
    // before) to 30802 and 30802 to 40000; 43600 is an hour after the latest (no spell) and
    // more after the frame before.
    assert_eq!(quiet.spells().len(), 5, "{quiet:?}");
    for limit in [1, 2, 3, 5, 100] {
        let mut runs = FileSource::open(path).expect("opens");
        drain_runs(&mut runs, limit);
        assert_eq!(runs.files()[0].quiet, quiet, "runs of {limit}");
    }
}

/// Runs deliver what frame-by-frame reading delivers, in the same order with the same
/// numbers, and leave the same counts and problems behind: across refills of a 1 MiB buffer,
/// ties and overlaps between merged files (pcap of both byte orders and resolutions, and
/// pcapng), and a file cut short in its last record.
#[test]
fn frame_runs_deliver_what_next_frame_delivers() {
    let payload: Vec<u8> = (0..1600u32).map(|i| (i * 7 % 251) as u8).collect();
    // About 2.8 MB: its buffer is refilled with records cut at the buffer's end.
    let a_recs: Vec<Rec<'_>> = (0..3000u32)
        .map(|i| {
            rec(
                i / 10,
                (i % 10) * 100_000,
                &payload[..(i as usize * 37) % 1500 + 1],
            )
        })
        .collect();
    // Nanoseconds, big-endian; its times tie with a's every 10th record and overlap them.
    let b_recs: Vec<Rec<'_>> = (0..500u32)
        .map(|i| {
            rec(
                i / 2,
                (i % 2) * 500_000_000,
                &payload[..(i as usize * 13) % 90 + 1],
            )
        })
        .collect();
    let mut b = pcap(true, true, 1, 65535, &b_recs);
    // Cut short inside its last record.
    b.truncate(b.len() - 3);
    let mut ng = shb(false);
    ng.extend(idb(false, 101, 0, &[]));
    for t in 0..200u64 {
        ng.extend(epb(
            false,
            0,
            t * 1_500_000 + 3,
            &payload[..(t as usize % 60) + 1],
            &[],
        ));
    }
    let files = [
        TempFile::new("a.pcap", &pcap(false, false, 1, 65535, &a_recs)),
        TempFile::new("b.pcap", &b),
        TempFile::new("c.pcapng", &ng),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|f| f.0.clone()).collect();
    let state = |s: &FileSource| {
        (
            s.files()
                .iter()
                .map(|f| (f.frames, f.bytes_read))
                .collect::<Vec<_>>(),
            s.interfaces().iter().map(|i| i.frames).collect::<Vec<_>>(),
            s.problems()
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
        )
    };
    for set in [&paths[..1], &paths[..2], &paths[..]] {
        let mut one_by_one = FileSource::open(set).expect("opens");
        let expected = drain(&mut one_by_one);
        assert!(expected.len() >= 3000, "{} frames", expected.len());
        for limit in [1, 2, 5, 4096] {
            let mut runs = FileSource::open(set).expect("opens");
            let frames = drain_runs(&mut runs, limit);
            assert_eq!(
                frames.len(),
                expected.len(),
                "{} files, runs of {limit}",
                set.len()
            );
            assert!(frames == expected, "{} files, runs of {limit}", set.len());
            assert_eq!(state(&runs), state(&one_by_one));
        }
    }
}

/// pcapng packet blocks (those without options framed in place, the others through the
/// options' reading) read as written, in runs and frame by frame: every padding of the
/// frame's bytes, blocks with options, with only their end, on two interfaces of other
/// resolutions and link types, in both byte orders, up to a block that refers to no interface.
#[test]
fn pcapng_runs_read_blocks_with_and_without_options_as_one_by_one() {
    let payload: Vec<u8> = (0..64u8).collect();
    for be in [false, true] {
        let mut ng = shb(be);
        ng.extend(idb(be, 1, 0, &[]));
        ng.extend(idb(be, 101, 0, &[(9, &[9])]));
        let mut written = Vec::new();
        for i in 0..40u64 {
            let data = &payload[..(i as usize * 5) % 23];
            let ts = 1_700_000_000_000_000 + i * 999;
            // Interface 1 counts nanoseconds, interface 0 microseconds.
            let (on, ns) = if i % 3 == 2 { (1, ts) } else { (0, ts * 1000) };
            written.push((ns as i64, if on == 1 { 101 } else { 1 }, data.to_vec()));
            let opts: &[(u16, &[u8])] = match i % 4 {
                0 => &[(1, b"a comment")],
                _ => &[],
            };
            let mut block = epb(be, on, ts, data, opts);
            if i % 4 == 1 {
                // Only the end of options: 4 bytes before the trailer.
                let len = block.len() as u32 + 4;
                let trailer = block.len() - 4;
                block.splice(trailer..trailer, [0u8; 4]);
                let put = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
                block[4..8].copy_from_slice(&put(len));
                let end = block.len();
                block[end - 4..].copy_from_slice(&put(len));
            }
            ng.extend(block);
        }
        ng.extend(epb(be, 7, 1_800_000_000_000_000, b"nowhere", &[]));
        let file = TempFile::new("plain.pcapng", &ng);
        let open = || FileSource::open(std::slice::from_ref(&file.0)).expect("opens");
        let mut one_by_one = open();
        let expected = drain(&mut one_by_one);
        let read: Vec<_> = (expected.iter())
            .map(|f| (f.ts, f.link_type, f.data.clone()))
            .collect();
        assert_eq!(read, written, "big-endian {be}");
        for limit in [1, 3, 4096] {
            let mut runs = open();
            let frames = drain_runs(&mut runs, limit);
            assert!(frames == expected, "big-endian {be}, runs of {limit}");
            let problems = |s: &FileSource| format!("{:?}", s.problems());
            assert_eq!(problems(&runs), problems(&one_by_one));
            assert!(
                problems(&runs).contains("interface 7"),
                "{}",
                problems(&runs)
            );
        }
    }
}

/// Each byte order and time resolution of classic pcap has its own loop in a run: every
/// one reads the times, lengths, bytes and interface counts its records hold, in runs and
/// frame by frame.
#[test]
fn pcap_runs_read_every_byte_order_and_resolution() {
    let payload: Vec<u8> = (0..200u8).collect();
    for (be, nanos) in [(false, false), (false, true), (true, false), (true, true)] {
        let unit = if nanos { 1 } else { 1000 };
        let top = if nanos { 999_999_999 } else { 999_999 };
        let recs: Vec<Rec<'_>> = (0..300u32)
            .map(|i| {
                let mut r = rec(
                    1_700_000_000 + i,
                    (i * 7_919) % top,
                    &payload[..(i as usize * 3) % 200],
                );
                r.orig = r.data.len() as u32 + i % 3;
                r
            })
            .collect();
        let file = TempFile::new("orders.pcap", &pcap(be, nanos, 1, 65535, &recs));
        for limit in [1, 4096] {
            let mut source = FileSource::open(std::slice::from_ref(&file.0)).expect("opens");
            let frames = drain_runs(&mut source, limit);
            let what = format!("big-endian {be}, nanoseconds {nanos}, runs of {limit}");
            assert_eq!(frames.len(), recs.len(), "{what}");
            for (i, (f, r)) in frames.iter().zip(&recs).enumerate() {
                assert_eq!(
                    f.ts,
                    i64::from(r.secs) * S + i64::from(r.frac) * unit,
                    "{what}: {i}"
                );
                assert_eq!(f.data, r.data, "{what}: {i}");
                assert_eq!(f.orig_len, r.orig, "{what}: {i}");
                assert_eq!(f.number, i as u64 + 1, "{what}: {i}");
            }
            assert_eq!(source.interfaces()[0].frames, recs.len() as u64, "{what}");
            assert_eq!(source.files()[0].frames, recs.len() as u64, "{what}");
            assert!(source.problems().is_empty(), "{what}");
        }
    }
}

#[test]
fn merge_interleaves_files_by_time() {
    let a = TempFile::new(
        "a.pcap",
        &pcap(
            false,
            false,
            1,
            65535,
            &[rec(1, 0, b"a1"), rec(3, 0, b"a3"), rec(5, 0, b"a5")],
        ),
    );
    let mut ng = shb(false);
    ng.extend(idb(false, 113, 0, &[(2, b"any")]));
    for (t, d) in [(2u64, b"b2"), (4, b"b4"), (6, b"b6")] {
        ng.extend(epb(false, 0, t * 1_000_000, d, &[]));
    }
    let b = TempFile::new("b.pcapng", &ng);
    let mut source = FileSource::open(&[a.0.clone(), b.0.clone()]).expect("opens");
    let frames = drain(&mut source);
    let order: Vec<_> = frames
        .iter()
        .map(|f| {
            (
                f.number,
                String::from_utf8_lossy(&f.data).into_owned(),
                f.interface,
            )
        })
        .collect();
    let expected: Vec<_> = ["a1", "b2", "a3", "b4", "a5", "b6"]
        .iter()
        .enumerate()
        .map(|(i, d)| (i as u64 + 1, d.to_string(), u32::from(d.starts_with('b'))))
        .collect();
    assert_eq!(order, expected);
    assert_eq!(source.files()[0].frames, 3);
    assert_eq!(source.files()[1].frames, 3);
    assert_eq!(
        source.link_types(),
        vec![(LinkType(1), 3), (LinkType(113), 3)]
    );
    assert_eq!(source.interfaces()[1].file, 1);
}

/// Each file keeps the time of its first and last frame, and which files were being read
/// when it began: none for a rotated set (each file ends before the next begins), the
/// earlier one for two captures of the same time; read frame by frame or in runs alike.
#[test]
fn files_keep_their_times_and_which_files_they_overlap() {
    let one = |name, times: &[u32]| {
        let recs: Vec<Rec<'_>> = times.iter().map(|&t| rec(t, 0, b"x")).collect();
        TempFile::new(name, &pcap(false, false, 1, 65535, &recs))
    };
    let (a, b, c) = (
        one("a.pcap", &[10, 11, 12]),
        one("b.pcap", &[12, 13]),
        one("c.pcap", &[12, 14]),
    );
    let rotated = [a.0.clone(), b.0.clone()];
    let overlapping = [b.0.clone(), c.0.clone()];
    for runs in [false, true] {
        let read = |set: &[PathBuf]| {
            let mut source = FileSource::open(set).expect("opens");
            if runs {
                drain_runs(&mut source, 2);
            } else {
                drain(&mut source);
            }
            source.files().to_vec()
        };
        let files = read(&rotated);
        let times: Vec<_> = files.iter().map(|f| (f.first_ts, f.last_ts)).collect();
        let t = |s: i64| Some(Timestamp(s * S));
        assert_eq!(times, [(t(10), t(12)), (t(12), t(13))], "runs: {runs}");
        assert!(
            files.iter().all(|f| f.open_at_start.is_empty()),
            "{files:?}"
        );
        // b's frame at 12 comes before c's (ties go to the file given first); c begins while b
        // is still being read.
        let files = read(&overlapping);
        assert!(files[0].open_at_start.is_empty(), "{files:?}");
        assert_eq!(files[1].open_at_start, [0], "runs: {runs}");
    }
}

/// A rotated set (each file's first frame no earlier than the last of the one before, its
/// interface described alike) is one capture point: the later files' frames come on the first
/// file's interface, which counts them all, and each file keeps its own frames and times.
/// Files that overlap in time, and a file after another that describes its interface
/// otherwise (another link type, another snapshot length), stay interfaces of their own;
/// frame by frame and in runs alike.
#[test]
fn a_rotated_set_is_one_interface_and_overlapping_files_are_not() {
    let one = |name, link: u32, snaplen: u32, times: &[u32]| {
        let recs: Vec<Rec<'_>> = times.iter().map(|&t| rec(t, 0, b"x")).collect();
        TempFile::new(name, &pcap(false, false, link, snaplen, &recs))
    };
    let a = one("a.pcap", 1, 65535, &[10, 11, 12]);
    let a1 = one("a.pcap1", 1, 65535, &[12, 13]);
    let a2 = one("a.pcap2", 1, 65535, &[14, 15, 16]);
    let overlapping = one("lo.pcap", 1, 65535, &[11, 14]);
    let other_snaplen = one("b.pcap", 1, 262144, &[20]);
    let other_link = one("c.pcap", 113, 65535, &[30]);
    for runs in [false, true] {
        let read = |set: &[&TempFile]| {
            let paths: Vec<PathBuf> = set.iter().map(|f| f.0.clone()).collect();
            let mut source = FileSource::open(&paths).expect("opens");
            let got = match runs {
                true => drain_runs(&mut source, 2),
                false => drain(&mut source),
            };
            let on: Vec<u32> = got.iter().map(|g| g.interface).collect();
            (source, on)
        };
        // Given in any order, the set is read in time order, one interface.
        let (source, on) = read(&[&a2, &a, &a1]);
        assert_eq!(on, [1; 8], "runs: {runs}");
        let continues: Vec<_> = source.interfaces().iter().map(|i| i.continues).collect();
        assert_eq!(continues, [Some(1), None, Some(1)], "runs: {runs}");
        let frames: Vec<_> = source.interfaces().iter().map(|i| i.frames).collect();
        assert_eq!(frames, [0, 8, 0]);
        let by_file: Vec<_> = source.files().iter().map(|f| f.frames).collect();
        assert_eq!(by_file, [3, 3, 2]);
        assert!(!crate::source::from_several_files(source.interfaces()));
        assert_eq!(source.link_types(), [(LinkType(1), 8)]);
        // Captured at the same time: two interfaces. The first file's next one begins while
        // the other capture is under way: it continues the file of its name but for the
        // digits (`a.pcap1` after `a.pcap`, as `tcpdump -C` names them), which has ended;
        // the other capture stays one of its own.
        let (source, on) = read(&[&a, &overlapping, &a1]);
        assert_eq!(on, [0, 0, 1, 0, 0, 0, 1], "runs: {runs}");
        let continues: Vec<_> = source.interfaces().iter().map(|i| i.continues).collect();
        assert_eq!(continues, [None, None, Some(0)], "runs: {runs}");
        assert!(crate::source::from_several_files(source.interfaces()));
        let frames: Vec<_> = source.interfaces().iter().map(|i| i.frames).collect();
        assert_eq!(frames, [5, 2, 0]);
        // Of another name, it stays one of its own: pcap files name no interface, and which
        // capture it continues is not told.
        let b1 = one("b.pcap1", 1, 65535, &[12, 13]);
        let (source, on) = read(&[&a, &overlapping, &b1]);
        assert_eq!(on, [0, 0, 1, 0, 2, 2, 1], "runs: {runs}");
        let continues: Vec<_> = source.interfaces().iter().map(|i| i.continues).collect();
        assert_eq!(continues, [None, None, None], "runs: {runs}");
        // One after the other, but not described alike.
        for later in [&other_snaplen, &other_link] {
            let (source, on) = read(&[&a, later]);
            assert_eq!(on, [0, 0, 0, 1], "runs: {runs}");
            assert_eq!(source.interfaces()[1].continues, None);
        }
    }
}

/// Two rotated sets captured at once (`tcpdump -i eth0 -G ... -w eth0-%H.pcap` beside `-i lo
/// ... -w lo-%H.pcap`) given together, in any order: two capture points, each file continuing
/// the one of its name before it, though the other set's file is still being read at its
/// first frame. Before, each later file stayed a capture point of its own ("seen on
/// eth0-01.pcap, eth0-02.pcap, lo-02.pcap and 3 more"). Where two ended files of the name
/// could be continued, neither is.
#[test]
fn two_rotated_sets_captured_at_once_are_two_interfaces() {
    // The files' own names matter here: a folder of this test's own.
    let dir = std::env::temp_dir().join(format!("rstscope-two-sets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let one = |name: &str, times: &[u32]| {
        let recs: Vec<Rec<'_>> = times.iter().map(|&t| rec(t, 0, b"x")).collect();
        let path = dir.join(name);
        std::fs::write(&path, pcap(false, false, 1, 65535, &recs)).expect("write");
        path
    };
    let eth_times = [10, 12, 14, 15, 17, 19, 20, 22].map(|t| i64::from(t) * 1_000_000_000);
    for other in ["lo", "eth1"] {
        let eth = [
            one("eth0-01.pcap", &[10, 12, 14]),
            one("eth0-02.pcap", &[15, 17, 19]),
            one("eth0-03.pcap", &[20, 22]),
        ];
        // The third file of the other set begins when every other file has ended: it
        // continues the set's second, not eth0-03.pcap, whose frame came just before.
        let others = [
            one(&format!("{other}-01.pcap"), &[11, 13, 16]),
            one(&format!("{other}-02.pcap"), &[18, 21]),
            one(&format!("{other}-03.pcap"), &[23, 24]),
        ];
        for runs in [false, true] {
            let given = [
                &others[2], &eth[1], &others[0], &eth[2], &others[1], &eth[0],
            ];
            let paths: Vec<PathBuf> = given.iter().map(|&p| p.clone()).collect();
            let mut source = FileSource::open(&paths).expect("opens");
            let got = match runs {
                true => drain_runs(&mut source, 2),
                false => drain(&mut source),
            };
            assert_eq!(got.len(), 15);
            let roots: Vec<u32> = (source.interfaces().iter())
                .filter(|i| i.continues.is_none())
                .map(|i| i.id)
                .collect();
            assert_eq!(
                roots.len(),
                2,
                "{other}, runs: {runs}: {:?}",
                source.interfaces()
            );
            // Every frame on its set's interface: eth0's on one, the other's on the other.
            let eth_root = got[0].interface;
            for g in &got {
                assert!(
                    roots.contains(&g.interface),
                    "delivered as the set's: {g:?}"
                );
                let on_eth = eth_times.contains(&g.ts);
                assert_eq!(
                    g.interface == eth_root,
                    on_eth,
                    "{other}, runs: {runs}: {g:?}"
                );
            }
            let frames: Vec<u64> = (roots.iter())
                .map(|&r| source.interfaces()[r as usize].frames)
                .collect();
            assert_eq!(
                frames,
                [7, 8],
                "the other set given first: {other}, runs: {runs}"
            );
            assert!(crate::source::from_several_files(source.interfaces()));
        }
    }
    // Two ended files of the name, equally near, when the third begins (two hosts' captures,
    // say): which it continues is not told.
    let paths = [
        one("h1.pcap", &[10, 11]),
        one("h2.pcap", &[10, 12]),
        one("h3.pcap", &[14, 15]),
        one("lo.pcap", &[10, 20]),
    ];
    let mut source = FileSource::open(&paths).expect("opens");
    drain(&mut source);
    let continues: Vec<_> = source.interfaces().iter().map(|i| i.continues).collect();
    assert_eq!(continues, [None, None, None, None]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rotated pcapng set (a Wireshark ring buffer of two interfaces): each later file's
/// interfaces continue the first file's, one for one, by their descriptions.
#[test]
fn a_rotated_pcapng_set_continues_each_interface() {
    let file = |times: &[(u32, u64)]| {
        let mut out = shb(false);
        out.extend(idb(false, 1, 262144, &[(2, b"lo")]));
        out.extend(idb(false, 1, 262144, &[(2, b"eth0")]));
        for &(interface, t) in times {
            out.extend(epb(false, interface, t * 1_000_000, b"x", &[]));
        }
        out
    };
    let a = TempFile::new("ring_00001.pcapng", &file(&[(0, 10), (1, 11), (0, 12)]));
    let b = TempFile::new("ring_00002.pcapng", &file(&[(1, 13), (0, 14)]));
    let mut source = FileSource::open(&[a.0.clone(), b.0.clone()]).expect("opens");
    let on: Vec<u32> = drain(&mut source).iter().map(|g| g.interface).collect();
    assert_eq!(on, [0, 1, 0, 1, 0]);
    let continues: Vec<_> = source.interfaces().iter().map(|i| i.continues).collect();
    assert_eq!(continues, [None, None, Some(0), Some(1)]);
    let frames: Vec<_> = source.interfaces().iter().map(|i| i.frames).collect();
    assert_eq!(frames, [3, 2, 0, 0]);
}

#[test]
fn merge_goes_on_when_one_file_is_cut_short() {
    let full = pcap(
        false,
        false,
        1,
        65535,
        &[rec(1, 0, b"a1"), rec(3, 0, b"a3"), rec(5, 0, b"a5")],
    );
    let a = TempFile::new("a-cut.pcap", &full[..full.len() - 1]);
    let b = TempFile::new(
        "b.pcap",
        &pcap(
            false,
            false,
            1,
            65535,
            &[rec(2, 0, b"b2"), rec(4, 0, b"b4"), rec(6, 0, b"b6")],
        ),
    );
    let mut source = FileSource::open(&[a.0.clone(), b.0.clone()]).expect("opens");
    let data: Vec<_> = drain(&mut source).into_iter().map(|f| f.data).collect();
    assert_eq!(
        data,
        vec![
            b"a1".to_vec(),
            b"b2".to_vec(),
            b"a3".to_vec(),
            b"b4".to_vec(),
            b"b6".to_vec()
        ]
    );
    assert!(
        matches!(source.problems(), [SourceError::Truncated { frames: 2, path, .. }] if path == &a.0)
    );
    // Equal times keep the order the files were given in.
    let c = TempFile::new("c.pcap", &pcap(false, false, 1, 65535, &[rec(7, 0, b"c7")]));
    let d = TempFile::new("d.pcap", &pcap(false, false, 1, 65535, &[rec(7, 0, b"d7")]));
    let mut source = FileSource::open(&[c.0.clone(), d.0.clone()]).expect("opens");
    let data: Vec<_> = drain(&mut source).into_iter().map(|f| f.data).collect();
    assert_eq!(data, vec![b"c7".to_vec(), b"d7".to_vec()]);
}

/// The case this pins: a pktmon `.etl` was "not a capture file", with advice for other
/// formats (as a Network Monitor `.cap` was, before rstscope read them: see
/// [`netmon_2_3_frames_take_their_own_media_type_and_utc_time`]); so was a pcapng copied in
/// text mode (FTP's ASCII mode from a Linux server), which is to be copied again in binary
/// mode.
#[test]
fn captures_of_other_formats_are_named_with_how_to_convert_them() {
    let cases: [(&str, &[u8], &str); 6] = [
        // A pcapng copied in text mode: each LF made CRLF (Linux server to Windows), each CRLF
        // made LF (the other way).
        (
            "ascii-copy.pcapng",
            b"\x0d\x0a\x0d\x0d\x0d\x0a\x1c\x00\x00\x00",
            "copy it again from where it was captured, in binary mode",
        ),
        (
            "crlf-to-lf.pcapng",
            b"\x0a\x0d\x0a\x1c\x00\x00\x00\x4d",
            "a transfer in text mode",
        ),
        (
            "PktMon.ETL",
            b"\x00\x00\x01\x00\x00\x00\x01\x00",
            "pktmon etl2pcap",
        ),
        // Archives a capture is mailed in: say to extract it, not "not a capture".
        ("trace.7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "a 7-Zip archive"),
        ("trace.rar", b"Rar!\x1a\x07\x01\x00", "a RAR archive"),
        (
            "old.pcap.lz4",
            b"\x02\x21\x4c\x18\x10\x00\x00\x00",
            "lz4 -d",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (_f, result) = open_bytes(name, bytes);
        let error = result.err().expect("fails");
        assert!(
            matches!(error, SourceError::OtherFormat { .. }),
            "{name}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(name) && message.contains(expected),
            "{message}"
        );
    }
}

/// One file that is not a capture fails; among several (a folder of rotated captures with a
/// stray file, a tester's `rstscope good.pcapng notes.pcap` that opened nothing), it is a
/// problem and the others are read.
#[test]
fn a_bad_file_fails_alone_and_is_a_problem_among_several() {
    let good = TempFile::new(
        "good.pcap",
        &pcap(false, false, 1, 65535, &[rec(1, 0, b"a")]),
    );
    let text = TempFile::new("bad.txt", b"not a capture at all");
    let error = FileSource::open(std::slice::from_ref(&text.0))
        .err()
        .expect("fails");
    assert!(matches!(error, SourceError::NotACapture { path, .. } if path == text.0));
    let missing = text.0.with_file_name("missing.pcap");
    let mut source = FileSource::open(&[text.0.clone(), good.0.clone(), missing.clone()])
        .expect("the good file is read");
    assert_eq!(source.files().len(), 1);
    assert!(source.next_frame().is_some());
    let problems = source.problems();
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, SourceError::NotACapture { path, .. } if *path == text.0)),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, SourceError::Io { path, .. } if *path == missing)),
        "{problems:?}"
    );
}

// ---- robustness -----------------------------------------------------------------------------

/// Reads everything from `bytes`, returning the frame count; must never panic.
fn read_stream(bytes: &[u8]) -> Option<usize> {
    // A small buffer, as a small file gets, so that records also straddle refills.
    let mut source = FileSource::empty();
    let opening = Opening {
        path: Path::new("fuzz"),
        raw: Box::new(Cursor::new(bytes.to_vec())),
        size: Some(bytes.len() as u64),
        on_disk: false,
        buffer: 64,
        archive: None,
        recheck: None,
        window: Window::alone(),
        base: 0,
        pipe: None,
    };
    source.add(opening).ok()?;
    let mut n = 0;
    while let Some(frame) = source.next_frame() {
        assert!(frame.data.len() <= MAX_RECORD);
        n += 1;
    }
    Some(n)
}

fn sample_files() -> Vec<Vec<u8>> {
    let pcap_file = pcap(
        true,
        true,
        1,
        65535,
        &[
            rec(1, 0, b"abcdef"),
            rec(2, 5, b"0123456789ab"),
            rec(3, 0, b"z"),
        ],
    );
    let mut ng = shb(false);
    ng.extend(idb(false, 1, 0, &[(2, b"eth0"), (9, &[9])]));
    ng.extend(epb(false, 0, 1_000, b"first packet", &[(1, b"comment")]));
    ng.extend(block(5, &[0; 16], false));
    ng.extend(spb(false, b"simple", 6));
    ng.extend(shb(true));
    ng.extend(idb(true, 101, 0, &[]));
    ng.extend(pb(true, 0, 2_000, b"old"));
    ng.extend(epb(true, 0, 3_000, b"last", &[]));
    let gz = gzip(&pcap_file);
    // Process information: a Darwin process block and the packet options that use it, and a
    // ptcpdump comment, so that damaged process options are fuzzed too.
    let mut darwin = shb(false);
    darwin.extend(idb(false, 1, 0, &[]));
    darwin.extend(dpeb(false, 12, &[(2, b"curl"), (4, &UUID)]));
    darwin.extend(epb(
        false,
        0,
        1_000,
        b"packet",
        &[
            (0x8001, &[0, 0, 0, 0]),
            (0x8003, &[0, 0, 0, 0]),
            (2, &[2, 0, 0, 0]),
            (1, b"PID: 12\nCmd: /bin/sh\nArgs: sh"),
        ],
    ));
    darwin.extend(epb(false, 0, 2_000, b"two", &[(0x8001, &[0, 0, 0, 0])]));
    darwin.extend(epb(false, 0, 3_000, b"three", &[]));
    vec![
        pcap_file,
        ng,
        gz,
        darwin,
        netmon_sample(),
        netmon1_sample(),
        snoop_sample(),
    ]
}

/// A Network Monitor 2.3 file of each kind of frame it reads: Ethernet, 802.11 behind the
/// radio header, the adapter list (no frame), a netsh trace's packet event, and its rest.
fn netmon_sample() -> Vec<u8> {
    use super::records::tests::{event, fragment};
    use super::records::{KW_PACKET_START, NDIS_PACKET_CAPTURE};
    let mut radio = vec![2u8, 32, 0];
    radio.resize(32, 0);
    radio.extend(b"wifi");
    let t = FILETIME_1700000000;
    let records = [
        netmon_record(3, 0, b"ether", 1, t),
        netmon_record(3, 1, &radio, 6, t + 1),
        netmon_record(3, 2, b"adapters", 0xFFFD, t + 2),
        netmon_record(
            3,
            3,
            &event(NDIS_PACKET_CAPTURE, 1001, KW_PACKET_START, &fragment(b"e")),
            0xFFE0,
            t + 3,
        ),
        netmon_record(
            3,
            4,
            &event(NDIS_PACKET_CAPTURE, 1001, 0, &fragment(b"r")),
            0xFFE0,
            t + 4,
        ),
    ];
    netmon_file(3, &records, None)
}

/// A Network Monitor 1.1 file of three frames.
fn netmon1_sample() -> Vec<u8> {
    let mut body = Vec::new();
    for (ms, data) in [(0u32, &b"one"[..]), (5, b"two"), (9, b"three")] {
        put32(&mut body, ms, false);
        put16(&mut body, data.len() as u16, false);
        put16(&mut body, data.len() as u16, false);
        body.extend(data);
    }
    let mut out = netmon_header(1, 1, 1, 128 + body.len() as u32, 3);
    out.extend(body);
    for place in [128u32, 139, 150] {
        put32(&mut out, place, false);
    }
    out
}

/// A snoop file of three frames, the records padded to 4 bytes, the drops counting up.
fn snoop_sample() -> Vec<u8> {
    let mut out = b"snoop\0\0\0".to_vec();
    put32(&mut out, 2, true);
    put32(&mut out, 4, true);
    for (n, data) in [&b"one"[..], b"second", b"z"].into_iter().enumerate() {
        let len = data.len() as u32;
        for v in [
            len,
            len,
            (24 + len).next_multiple_of(4),
            n as u32,
            1_700_000_000,
            0,
        ] {
            put32(&mut out, v, true);
        }
        out.extend(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    out
}

#[test]
fn every_truncation_and_random_flips_never_panic() {
    for file in sample_files() {
        let full = read_stream(&file).expect("sample opens");
        assert!(full >= 3);
        for cut in 0..file.len() {
            if let Some(n) = read_stream(&file[..cut]) {
                assert!(n <= full);
            }
        }
        // xorshift: deterministic, no dependency.
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ file.len() as u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..10_000 {
            let mut bytes = file.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = match next() % 3 {
                    0 => bytes[at] ^ (1 << (next() % 8)),
                    1 => 0xFF,
                    _ => next() as u8,
                };
            }
            let _ = read_stream(&bytes);
        }
    }
}

#[test]
fn source_can_move_to_a_reader_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<FileSource>();
}

#[test]
fn named_pipe_is_read_as_a_stream() {
    // `rstscope <(zcat capture.pcap.gz)` and `mkfifo`: no size, records larger than the
    // small-file buffer still read.
    let data = vec![7u8; 20_000];
    let bytes = pcap(false, false, 1, 0, &[rec(1, 0, &data), rec(2, 0, b"end")]);
    let fifo = std::env::temp_dir().join(format!("rstscope-file-test-{}-fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        println!("skipped: mkfifo not available");
        return;
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, bytes));
    let source = FileSource::open(std::slice::from_ref(&fifo));
    let mut source = source.expect("opens");
    let frames = drain(&mut source);
    let _ = writer.join();
    let _ = std::fs::remove_file(&fifo);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].data, data);
}

#[test]
fn clock_scales() {
    assert_eq!(Clock::new(6, 0).at(1_500_000), Timestamp(3 * S / 2));
    assert_eq!(Clock::new(9, 0).at(7), Timestamp(7));
    assert_eq!(Clock::new(12, 0).at(7_000), Timestamp(7));
    assert_eq!(Clock::new(0x80, 0).at(3), Timestamp(3 * S));
    assert_eq!(Clock::new(0x80 | 1, -1).at(3), Timestamp(S / 2));
    assert_eq!(Clock::new(127, 0).at(u64::MAX), Timestamp(0));
    assert_eq!(Clock::new(0, i64::MAX).at(u64::MAX), Timestamp(i64::MAX));
    assert_eq!(Clock::new(0xFF, 0).at(u64::MAX), Timestamp(0));
}

// ---- the shared corpus ----------------------------------------------------------------------

#[test]
fn corpus_files_yield_the_manifest_packet_counts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/pcaps");
    let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.tsv")) else {
        println!("skipped: ../shared/pcaps not found");
        return;
    };
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("manifest column")
    };
    let (path_col, packets_col) = (column("path"), column("packets"));
    let (mut checked, mut times_checked) = (0, 0);
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let path = root.join(fields[path_col]);
        let expected: u64 = fields[packets_col].parse().expect("packet count");
        // tshark's time of each RST frame, where the expected results are present.
        let (rst_times, interfaces) = expected_results(&root, fields[path_col]);
        let mut source =
            FileSource::open(std::slice::from_ref(&path)).unwrap_or_else(|e| panic!("{e}"));
        let mut frames = 0u64;
        while let Some(frame) = source.next_frame() {
            frames += 1;
            assert_eq!(frame.number, frames);
            if let Some(&(_, nanos)) = rst_times.iter().find(|(n, _)| *n == frame.number) {
                assert_eq!(
                    frame.ts.0,
                    nanos,
                    "{} frame {}",
                    path.display(),
                    frame.number
                );
                times_checked += 1;
            }
        }
        assert!(
            source.problems().is_empty(),
            "{}: {:?}",
            path.display(),
            source.problems()
        );
        assert_eq!(frames, expected, "{}", path.display());
        if let Some(interfaces) = interfaces {
            assert_eq!(source.interfaces().len(), interfaces, "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 0);
    println!("checked {checked} corpus files, {times_checked} frame times against tshark");
}

/// From `expected/<path with / as __>.json`: (frame number, time in ns) of each RST, and
/// the number of interfaces tshark saw (from "105 Ethernet (1 - ether);16 ...").
fn expected_results(root: &Path, path: &str) -> (Vec<(u64, i64)>, Option<usize>) {
    let file = root
        .join("expected")
        .join(format!("{}.json", path.replace('/', "__")));
    let Ok(text) = std::fs::read_to_string(file) else {
        return (Vec::new(), None);
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return (Vec::new(), None);
    };
    let interfaces = json
        .get("interface_encaps")
        .and_then(|v| v.as_str())
        .map(|encaps| {
            encaps
                .split(';')
                .filter_map(|part| part.split_whitespace().next()?.parse::<usize>().ok())
                .sum()
        });
    let rsts = json
        .get("rst_list")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    let times = rsts
        .iter()
        .filter_map(|rst| {
            let frame = rst.get("frame")?.as_u64()?;
            let (secs, frac) = rst.get("time_epoch")?.as_str()?.split_once('.')?;
            let frac = format!("{frac:0<9}");
            let nanos = secs.parse::<i64>().ok()? * S + frac.get(..9)?.parse::<i64>().ok()?;
            Some((frame, nanos))
        })
        .collect();
    (times, interfaces)
}

/// Throughput, for a file named by RSTSCOPE_BENCH_FILE; run with
/// `cargo test --release --lib source::file::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: needs RSTSCOPE_BENCH_FILE"]
fn throughput() {
    let Some(path) = std::env::var_os("RSTSCOPE_BENCH_FILE") else {
        println!("skipped: set RSTSCOPE_BENCH_FILE");
        return;
    };
    let paths: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let start = std::time::Instant::now();
    let mut source = FileSource::open(&paths).expect("opens");
    let (mut frames, mut bytes, mut checksum) = (0u64, 0u64, 0u64);
    while let Some(frame) = source.next_frame() {
        frames += 1;
        bytes += frame.data.len() as u64;
        checksum = checksum.wrapping_add(u64::from(frame.data.first().copied().unwrap_or(0)));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let size: u64 = source.files().iter().map(|f| f.size).sum();
    println!(
        "{frames} frames, {bytes} frame bytes, {size} file bytes in {elapsed:.3} s: {:.0} MB/s of file, {:.1} Mframes/s (checksum {checksum}, problems {})",
        size as f64 / elapsed / 1e6,
        frames as f64 / elapsed / 1e6,
        source.problems().len()
    );
}

// ---- process information ---------------------------------------------------------------------

/// A Darwin Process Event Block as Apple's libpcap writes it: pid, then name and UUID options.
fn dpeb(be: bool, pid: u32, opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, pid, be);
    body.extend(options(opts, be));
    block(DPEB, &body, be)
}

fn word(v: u32, be: bool) -> Vec<u8> {
    if be {
        v.to_be_bytes().to_vec()
    } else {
        v.to_le_bytes().to_vec()
    }
}

/// What a frame says about its process and direction, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tagged {
    data: Vec<u8>,
    direction: Option<Direction>,
    process: Option<u32>,
    effective: Option<u32>,
    dropped: Option<DropKind>,
}

fn read_tagged(name: &str, bytes: &[u8]) -> (FileSource, Vec<Tagged>) {
    let (_file, source) = open_bytes(name, bytes);
    let mut source = source.expect("opens");
    let mut out = Vec::new();
    while let Some(f) = source.next_frame() {
        out.push(Tagged {
            data: f.data.to_vec(),
            direction: f.direction,
            process: f.process,
            effective: f.effective_process,
            dropped: f.dropped,
        });
    }
    (source, out)
}

const UUID: [u8; 16] = *b"0123456789abcdef";

#[test]
fn darwin_process_blocks_name_the_process_of_each_packet() {
    for be in [false, true] {
        let mut bytes = shb(be);
        bytes.extend(idb(be, 1, 0, &[(2, b"en0")]));
        bytes.extend(dpeb(be, 1234, &[(2, b"curl"), (4, &UUID)]));
        bytes.extend(dpeb(be, 88, &[(2, b"nsurlsessiond")]));
        let (out, inbound) = (word(2, be), word(1, be));
        let (first, second) = (word(0, be), word(1, be));
        // Outbound from curl; inbound to curl through nsurlsessiond (effective: curl).
        bytes.extend(epb(
            be,
            0,
            1,
            b"syn",
            &[(0x8001, &first), (2, &out), (0x8002, &word(0, be))],
        ));
        bytes.extend(epb(
            be,
            0,
            2,
            b"syn-ack",
            &[(0x8001, &second), (0x8003, &first), (2, &inbound)],
        ));
        // No process, no flags: costs nothing, says nothing.
        bytes.extend(epb(be, 0, 3, b"plain", &[]));
        let (source, frames) = read_tagged("darwin.pcapng", &bytes);
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        let tags: Vec<_> = frames
            .iter()
            .map(|f| (f.direction, f.process, f.effective))
            .collect();
        assert_eq!(
            tags,
            vec![
                (Some(Direction::Outbound), Some(0), None),
                (Some(Direction::Inbound), Some(1), Some(0)),
                (None, None, None),
            ],
            "big endian: {be}"
        );
        let processes = source.processes();
        assert_eq!(processes.len(), 2);
        assert_eq!(processes[0].pid, Some(1234));
        assert_eq!(processes[0].name.as_deref(), Some("curl"));
        assert_eq!(processes[0].uuid, Some(UUID));
        assert_eq!(processes[0].how, CapturedProcessKind::DarwinProcessBlock);
        assert_eq!(processes[1].name.as_deref(), Some("nsurlsessiond"));
        assert_eq!(processes[1].uuid, None);
    }
}

#[test]
fn process_block_indices_restart_with_each_section_and_equal_processes_share_an_entry() {
    let mut bytes = Vec::new();
    for (pid, name) in [(7u32, &b"ssh"[..]), (9, b"git")] {
        bytes.extend(shb(false));
        bytes.extend(idb(false, 1, 0, &[]));
        bytes.extend(dpeb(false, pid, &[(2, name)]));
        bytes.extend(dpeb(false, 1234, &[(2, b"curl")]));
        bytes.extend(epb(false, 0, 1, b"a", &[(0x8001, &word(0, false))]));
        bytes.extend(epb(false, 0, 2, b"b", &[(0x8001, &word(1, false))]));
    }
    let (source, frames) = read_tagged("sections.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let ids: Vec<_> = frames.iter().map(|f| f.process).collect();
    assert_eq!(ids, vec![Some(0), Some(1), Some(2), Some(1)]);
    let names: Vec<_> = source
        .processes()
        .iter()
        .map(|p| (p.pid, p.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        vec![
            (Some(7), Some("ssh")),
            (Some(1234), Some("curl")),
            (Some(9), Some("git"))
        ]
    );
}

#[test]
fn ptcpdump_comment_names_the_process() {
    let comment = b"PID: 4321\nCmd: /usr/bin/curl\nArgs: curl -s http://127.0.0.1:7320/";
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    bytes.extend(epb(
        false,
        0,
        1,
        b"first",
        &[
            (1, comment),
            (1, b"ThreadId: 4321\nThreadName: curl"),
            (2, &word(2, false)),
        ],
    ));
    bytes.extend(epb(false, 0, 2, b"again", &[(1, comment)]));
    // Comments of other forms (Wireshark users, pktmon) are not process information.
    bytes.extend(epb(
        false,
        0,
        3,
        b"other",
        &[(1, b"PktGroupId 1, PktNumber 2")],
    ));
    bytes.extend(epb(false, 0, 4, b"not a pid", &[(1, b"PID: curl")]));
    let (source, frames) = read_tagged("ptcpdump.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let tags: Vec<_> = frames.iter().map(|f| (f.direction, f.process)).collect();
    assert_eq!(
        tags,
        vec![
            (Some(Direction::Outbound), Some(0)),
            (None, Some(0)),
            (None, None),
            (None, None)
        ]
    );
    let p = &source.processes()[0];
    assert_eq!(source.processes().len(), 1);
    assert_eq!(p.pid, Some(4321));
    assert_eq!(p.name.as_deref(), Some("curl"));
    assert_eq!(p.cmd.as_deref(), Some("/usr/bin/curl"));
    assert_eq!(p.args.as_deref(), Some("curl -s http://127.0.0.1:7320/"));
    assert_eq!(p.how, CapturedProcessKind::PacketComment);
}

/// A packet as Microsoft's etl2pcapng writes it (its src/main.c, 1.12.0): `epb_flags`
/// (direction), `epb_packetid` (pktmon's PktGroupId), `epb_verdict` (7: a packet Windows
/// dropped), `epb_processid_threadid` (8: a 32-bit PID and TID), and on an ndiscap packet the
/// comment `PID=%d TID=%d`. The PID is the ETW event's process, whichever process the capture
/// driver logged the packet in (a DPC runs in any process; etl2pcapng's README warns of it,
/// its issue 75 has "TCP PID always 4"): not the program behind the packet, so no process is
/// taken from it, and the rest is read as usual.
#[test]
fn an_etl2pcapng_pid_is_not_taken_for_the_program() {
    let mut pid_tid = word(4, false);
    pid_tid.extend(word(1234, false));
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[(2, b"eth:7:0")]));
    bytes.extend(epb(
        false,
        0,
        1,
        b"ndiscap",
        &[(2, &word(2, false)), (1, b"PID=4 TID=1234"), (8, &pid_tid)],
    ));
    bytes.extend(epb(
        false,
        0,
        2,
        b"pktmon",
        &[
            (2, &word(1, false)),
            (5, &0x0002_0000_0000_0042_u64.to_le_bytes()),
            (7, &[0, 1, 2, 3]),
            (8, &pid_tid),
        ],
    ));
    let (source, frames) = read_tagged("etl2pcapng.pcapng", &bytes);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert!(source.processes().is_empty(), "{:?}", source.processes());
    let tags: Vec<_> = frames
        .iter()
        .map(|f| (f.data.as_slice(), f.direction, f.process, f.effective))
        .collect();
    assert_eq!(
        tags,
        [
            (&b"ndiscap"[..], Some(Direction::Outbound), None, None),
            (&b"pktmon"[..], Some(Direction::Inbound), None, None)
        ]
    );
}

/// An `epb_verdict` value: the verdict type, then its 64-bit value in the section's order.
fn verdict(kind: u8, value: u64, be: bool) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend(if be {
        value.to_be_bytes()
    } else {
        value.to_le_bytes()
    });
    out
}

/// `epb_verdict` as the pcapng specification defines it: a packet dropped by an XDP program
/// (`XDP_DROP`, `XDP_ABORTED`) or a tc one (`TC_ACT_SHOT`) is read as dropped, whatever the
/// section's byte order; every other action (passed, redirected, sent back, tc's OK and
/// STOLEN) and a hardware verdict (bytes only its hardware knows) as delivered. etl2pcapng's
/// mark of a pktmon drop event (XDP type, `XDP_DROP`, beside pktmon's packet id or its
/// process/thread option) is told apart from a Linux XDP program's.
#[test]
fn verdicts_say_which_packets_were_dropped_and_by_what() {
    for be in [false, true] {
        let mut pid_tid = word(4, be);
        pid_tid.extend(word(200, be));
        let id = if be {
            7_u64.to_be_bytes()
        } else {
            7_u64.to_le_bytes()
        };
        let mut bytes = shb(be);
        bytes.extend(idb(be, 1, 0, &[]));
        // A packet's bytes, its options, what its verdict says.
        type Case<'a> = (&'a [u8], Vec<(u16, Vec<u8>)>, Option<DropKind>);
        let cases: [Case<'_>; 11] = [
            (
                b"xdp-drop",
                vec![(7, verdict(2, 1, be))],
                Some(DropKind::Xdp),
            ),
            (
                b"xdp-aborted",
                vec![(7, verdict(2, 0, be))],
                Some(DropKind::Xdp),
            ),
            (b"xdp-pass", vec![(7, verdict(2, 2, be))], None),
            (b"xdp-tx", vec![(7, verdict(2, 3, be))], None),
            (b"tc-shot", vec![(7, verdict(1, 2, be))], Some(DropKind::Tc)),
            (b"tc-ok", vec![(7, verdict(1, 0, be))], None),
            (b"tc-stolen", vec![(7, verdict(1, 4, be))], None),
            (b"hardware", vec![(7, vec![0, 0xde, 0xad])], None),
            (b"type-9", vec![(7, vec![9, 1])], None),
            (
                b"pktmon-id",
                vec![(5, id.to_vec()), (7, verdict(2, 1, be))],
                Some(DropKind::Pktmon),
            ),
            (
                b"pktmon-pid",
                vec![(7, verdict(2, 1, be)), (8, pid_tid.clone())],
                Some(DropKind::Pktmon),
            ),
        ];
        for (data, options, _) in &cases {
            let options: Vec<(u16, &[u8])> =
                options.iter().map(|(c, v)| (*c, v.as_slice())).collect();
            bytes.extend(epb(be, 0, 1, data, &options));
        }
        let (source, frames) = read_tagged("verdicts.pcapng", &bytes);
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        let got: Vec<_> = frames
            .iter()
            .map(|f| (f.data.as_slice(), f.dropped))
            .collect();
        let want: Vec<_> = cases.iter().map(|(d, _, k)| (*d, *k)).collect();
        assert_eq!(got, want, "big-endian: {be}");
    }
}

/// Regression guard: a corrupt or cut `epb_verdict` (no verdict type, an XDP or tc value of
/// other than 8 bytes, an option running past its block) is a warning with its offset in the
/// file, the packet is kept and read as delivered, and nothing panics.
#[test]
fn corrupt_verdicts_are_warnings_with_offsets_and_the_packets_are_kept() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    let empty_at = bytes.len() as u64;
    bytes.extend(epb_raw(b"empty", &raw_option(7, 0, &[])));
    let short_at = bytes.len() as u64;
    bytes.extend(epb_raw(b"short", &raw_option(7, 5, &[2, 1, 0, 0, 0])));
    let long_at = bytes.len() as u64;
    bytes.extend(epb_raw(
        b"long",
        &raw_option(7, 10, &[1, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
    ));
    let past_at = bytes.len() as u64;
    bytes.extend(epb_raw(b"past", &raw_option(7, 9, &[2, 1, 0])));
    bytes.extend(epb_raw(b"good", &raw_option(7, 9, &verdict(2, 1, false))));
    let (source, frames) = read_tagged("bad-verdicts.pcapng", &bytes);
    let got: Vec<_> = frames
        .iter()
        .map(|f| (f.data.as_slice(), f.dropped))
        .collect();
    assert_eq!(
        got,
        [
            (&b"empty"[..], None),
            (b"short", None),
            (b"long", None),
            (b"past", None),
            (b"good", Some(DropKind::Xdp)),
        ]
    );
    let problems: Vec<(u64, String)> = (source.problems().iter())
        .map(|p| match p {
            SourceError::BadOption { offset, what, .. } => {
                assert!(p.to_string().contains("bad-verdicts.pcapng"), "{p}");
                (*offset, what.clone())
            }
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    // Each at its option: the block's start, its fixed fields, the data padded to 32 bits.
    let option_at = |block: u64, data: usize| block + 28 + data.next_multiple_of(4) as u64;
    assert_eq!(problems[0].0, option_at(empty_at, 5));
    assert!(
        problems[0].1.contains("epb_verdict of 0 bytes"),
        "{problems:?}"
    );
    assert_eq!(problems[1].0, option_at(short_at, 5));
    assert!(
        problems[1].1.contains("XDP") && problems[1].1.contains("of 4 bytes after its type"),
        "{problems:?}"
    );
    assert_eq!(problems[2].0, option_at(long_at, 4));
    assert!(
        problems[2].1.contains("tc") && problems[2].1.contains("of 9 bytes"),
        "{problems:?}"
    );
    assert_eq!(problems[3].0, option_at(past_at, 4));
    assert!(problems[3].1.contains("has length 9"), "{problems:?}");
}

/// Raw option bytes, with a length field that may lie.
fn raw_option(code: u16, len: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put16(&mut out, code, false);
    put16(&mut out, len, false);
    out.extend_from_slice(value);
    out.resize(out.len().div_ceil(4) * 4, 0);
    out
}

/// An EPB (little-endian, interface 0) with `options` as given, unchecked.
fn epb_raw(data: &[u8], options: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put32(&mut body, 0, false);
    put32(&mut body, 0, false);
    put32(&mut body, 1, false);
    put32(&mut body, data.len() as u32, false);
    put32(&mut body, data.len() as u32, false);
    body.extend_from_slice(data);
    body.resize(body.len().div_ceil(4) * 4, 0);
    body.extend_from_slice(options);
    block(EPB, &body, false)
}

/// A run that stops at a packet block because another file's frame comes first has framed
/// it (and read its options) already: delivered later, it is not framed again, so its bad
/// option is one warning, as when reading frame by frame.
#[test]
fn a_block_framed_at_the_end_of_a_run_is_not_framed_again() {
    let mut ng = shb(false);
    ng.extend(idb(false, 1, 0, &[]));
    ng.extend(epb(false, 0, 1_000_000, b"a1", &[]));
    ng.extend(epb(false, 0, 3_000_000, b"a3", &[(0x8001, &[0, 0])]));
    ng.extend(epb(false, 0, 5_000_000, b"a5", &[]));
    let a = TempFile::new("a.pcapng", &ng);
    let b = TempFile::new(
        "b.pcap",
        &pcap(
            false,
            false,
            1,
            65535,
            &[rec(2, 0, b"b2"), rec(4, 0, b"b4")],
        ),
    );
    let paths = [a.0.clone(), b.0.clone()];
    let mut one_by_one = FileSource::open(&paths).expect("opens");
    let expected = drain(&mut one_by_one);
    let mut runs = FileSource::open(&paths).expect("opens");
    let frames = drain_runs(&mut runs, 4096);
    let data = |frames: &[Got]| -> Vec<Vec<u8>> { frames.iter().map(|f| f.data.clone()).collect() };
    assert_eq!(
        data(&frames),
        vec![
            b"a1".to_vec(),
            b"b2".to_vec(),
            b"a3".to_vec(),
            b"b4".to_vec(),
            b"a5".to_vec()
        ]
    );
    assert!(frames == expected);
    assert_eq!(
        one_by_one.problems().len(),
        1,
        "{:?}",
        one_by_one.problems()
    );
    assert_eq!(runs.problems().len(), 1, "{:?}", runs.problems());
}

#[test]
fn bad_process_options_are_warnings_with_offsets_and_the_packets_are_kept() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    let dpeb_at = bytes.len() as u64;
    // UUID of 3 bytes: warned, the name is kept.
    bytes.extend(dpeb(false, 55, &[(2, b"named"), (4, b"abc")]));
    let short_at = bytes.len() as u64;
    // A process index of 2 bytes.
    bytes.extend(epb_raw(b"short", &raw_option(0x8001, 2, &[0, 0])));
    let past_at = bytes.len() as u64;
    // An option whose length runs past the block.
    bytes.extend(epb_raw(b"past", &raw_option(1, 400, b"PID: 1")));
    let missing_at = bytes.len() as u64;
    // An index to a block the section does not have.
    bytes.extend(epb_raw(b"missing", &raw_option(0x8001, 4, &[5, 0, 0, 0])));
    // Still fine afterwards.
    bytes.extend(epb_raw(b"good", &raw_option(0x8001, 4, &[0, 0, 0, 0])));
    let (source, frames) = read_tagged("bad-options.pcapng", &bytes);
    let data: Vec<_> = frames.iter().map(|f| f.data.as_slice()).collect();
    assert_eq!(
        data,
        vec![&b"short"[..], b"past", b"missing", b"good"],
        "every packet is kept"
    );
    let ids: Vec<_> = frames.iter().map(|f| f.process).collect();
    assert_eq!(ids, vec![None, None, None, Some(0)]);
    assert_eq!(source.processes()[0].name.as_deref(), Some("named"));
    let problems: Vec<(u64, String)> = source
        .problems()
        .iter()
        .map(|p| match p {
            SourceError::BadOption {
                offset, what, path, ..
            } => {
                assert!(p.to_string().contains("bad-options.pcapng"), "{p}");
                assert!(path.ends_with(source.files()[0].path.file_name().expect("name")));
                (*offset, what.clone())
            }
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    // Offsets point at the option: block start + fixed fields (+ data, padded) + options before.
    assert_eq!(problems[0].0, dpeb_at + 12 + 12, "{problems:?}");
    assert!(
        problems[0].1.contains("UUID option of 3 bytes"),
        "{problems:?}"
    );
    assert_eq!(problems[1].0, short_at + 28 + 8);
    assert!(
        problems[1].1.contains("of 2 bytes (4 expected)"),
        "{problems:?}"
    );
    assert_eq!(problems[2].0, past_at + 28 + 4);
    assert!(problems[2].1.contains("has length 400"), "{problems:?}");
    assert_eq!(problems[3].0, missing_at + 28 + 8);
    assert!(
        problems[3].1.contains("process index (0x8001) 5"),
        "{problems:?}"
    );
    // Read in runs, as the analysis reads: the same frames, the same problems at the same
    // offsets.
    let file = TempFile::new("bad-options-runs.pcapng", &bytes);
    let mut runs = FileSource::open(std::slice::from_ref(&file.0)).expect("opens");
    let in_runs: Vec<_> = drain_runs(&mut runs, 4096)
        .into_iter()
        .map(|f| f.data)
        .collect();
    assert_eq!(in_runs, data);
    let in_runs: Vec<(u64, String)> = runs
        .problems()
        .iter()
        .filter_map(|p| match p {
            SourceError::BadOption { offset, what, .. } => Some((*offset, what.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(in_runs, problems);
}

#[test]
fn a_truncated_process_block_keeps_the_numbering_of_the_next() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    bytes.extend(block(DPEB, &[], false));
    bytes.extend(dpeb(false, 3, &[(2, b"next")]));
    bytes.extend(epb(false, 0, 1, b"x", &[(0x8001, &word(1, false))]));
    let (source, frames) = read_tagged("short-dpeb.pcapng", &bytes);
    assert_eq!(frames[0].process, Some(0));
    assert_eq!(source.processes()[0].name.as_deref(), Some("next"));
    assert!(
        matches!(source.problems(), [SourceError::BadOption { what, .. }] if what.contains("no room for its process id")),
        "{:?}",
        source.problems()
    );
}

#[test]
fn the_process_table_is_bounded_and_counts_what_it_leaves_out() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    let extra = 3;
    for pid in 1..=(MAX_PROCESSES as u32 + extra) {
        bytes.extend(dpeb(false, pid, &[]));
    }
    bytes.extend(epb(
        false,
        0,
        1,
        b"x",
        &[(0x8001, &word(MAX_PROCESSES as u32, false))],
    ));
    let (source, frames) = read_tagged("many.pcapng", &bytes);
    assert_eq!(source.processes().len(), MAX_PROCESSES);
    assert_eq!(source.processes_not_kept(), u64::from(extra));
    assert_eq!(frames[0].process, None, "its process was not kept");
    assert!(source.problems().is_empty(), "{:?}", source.problems());
}

#[test]
fn bad_option_warnings_are_bounded_per_file() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[]));
    for _ in 0..100 {
        bytes.extend(epb_raw(b"x", &raw_option(2, 1, &[1])));
    }
    let (source, frames) = read_tagged("noisy.pcapng", &bytes);
    assert_eq!(frames.len(), 100);
    let problems = source.problems();
    assert_eq!(problems.len(), 17, "16 listed and a note");
    assert!(problems[16].to_string().contains("the rest are not listed"));
}

/// A gzip or pipe input: a section header that claims 200 MiB while 40 bytes arrive must not
/// size the reader's buffer to 200 MiB before the bytes are there; it is a truncated file.
#[test]
fn a_streamed_section_header_claiming_200_mib_allocates_nothing_for_it() {
    let mut header = shb(false);
    header[4..8].copy_from_slice(&(200u32 << 20).to_le_bytes());
    header.extend_from_slice(&[0u8; 12]);
    for bytes in [header.clone(), gzip(&header)] {
        let reader = Box::new(std::io::Cursor::new(bytes));
        let source = FileSource::from_reader(PathBuf::from("stdin"), reader).expect("opens");
        assert!(source.readers[0].stream.capacity <= BUFFER_SIZE);
        let problems: Vec<String> = source.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("cut short"), "{problems:?}");
    }
    // The same header whole (2 MiB, larger than the buffer) still reads.
    let mut big = shb(false);
    let len = 2u32 << 20;
    big[4..8].copy_from_slice(&len.to_le_bytes());
    big.resize(len as usize - 4, 0);
    big.extend_from_slice(&len.to_le_bytes());
    big.extend_from_slice(&idb(false, 1, 0, &[]));
    big.extend_from_slice(&epb(false, 0, 5, b"frame", &[]));
    let reader = Box::new(std::io::Cursor::new(gzip(&big)));
    let mut source = FileSource::from_reader(PathBuf::from("stdin"), reader).expect("opens");
    let frames = drain(&mut source);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(frames.len(), 1);
}

// ---- fast paths -----------------------------------------------------------------------------

/// What reading `bytes` through a buffer of `buffer` bytes gives: every frame with all it
/// carries, then the problems and the processes, as text.
fn read_buffered(bytes: &[u8], buffer: usize) -> Vec<String> {
    let mut source = FileSource::empty();
    let opening = Opening {
        path: Path::new("buffered"),
        raw: Box::new(Cursor::new(bytes.to_vec())),
        size: Some(bytes.len() as u64),
        on_disk: false,
        buffer,
        archive: None,
        recheck: None,
        window: Window::alone(),
        base: 0,
        pipe: None,
    };
    if let Err(e) = source.add(opening) {
        return vec![format!("open: {e}")];
    }
    let mut out = Vec::new();
    while let Some(frame) = source.next_frame() {
        out.push(format!("{frame:?}"));
    }
    out.extend(source.problems().iter().map(|p| format!("problem: {p}")));
    out.push(format!("processes: {:?}", source.processes()));
    out
}

/// Packet blocks of many sizes, with and without options, in both byte orders, and a
/// pcap of records of many sizes: at every buffer size their records fall at other places
/// against the buffer's end.
fn files_of_many_record_sizes() -> Vec<Vec<u8>> {
    let payload: Vec<u8> = (0..=255u8).collect();
    let mut files = Vec::new();
    for be in [false, true] {
        let mut ng = shb(be);
        ng.extend(idb(be, 1, 0, &[(2, b"eth0")]));
        ng.extend(idb(be, 113, 64, &[(9, &[9])]));
        ng.extend(dpeb(be, 77, &[(2, b"curl")]));
        let flags = word(1, be);
        let process = word(0, be);
        for n in 0..40usize {
            let data = &payload[..(n * 7) % 200];
            let ts = 1_000 + n as u64;
            match n % 5 {
                0 => ng.extend(epb(be, 0, ts, data, &[])),
                1 => ng.extend(epb(be, 1, ts, data, &[(2, &flags)])),
                2 => ng.extend(epb(be, 0, ts, data, &[(0x8001, &process), (1, b"note")])),
                3 => ng.extend(spb(be, data, data.len() as u32)),
                _ => ng.extend(pb(be, 1, ts, data)),
            }
            if n == 17 {
                // Blocks that are not packets between packets.
                ng.extend(block(5, &[0; 16], be));
                ng.extend(idb(be, 101, 0, &[]));
            }
        }
        files.push(ng);
        let records: Vec<Rec<'_>> = (0..40u32)
            .map(|n| rec(n, n * 3, &payload[..(n as usize * 11) % 256]))
            .collect();
        files.push(pcap(be, !be, 1, 65535, &records));
    }
    files
}

#[test]
fn records_whole_in_the_buffer_read_as_records_split_across_refills() {
    // With a buffer of the file's size every record lies whole in it (the fast paths of pcap
    // and pcapng framing); the smaller ones split records over refills (the full path).
    let mut files = files_of_many_record_sizes();
    files.extend(sample_files());
    for (i, file) in files.iter().enumerate() {
        let whole = read_buffered(file, file.len());
        assert!(whole.len() > 3, "file {i}: {whole:?}");
        for buffer in [64, 100, 256, 1000] {
            assert_eq!(
                read_buffered(file, buffer),
                whole,
                "file {i}, buffer {buffer}"
            );
        }
    }
}

#[test]
fn cut_and_damaged_records_read_the_same_whatever_the_buffer() {
    // A file cut anywhere, or with a length or a trailer damaged, gives the same frames and
    // the same problem (same offset) from the fast paths as from the full path.
    for (i, file) in files_of_many_record_sizes().iter().enumerate() {
        for cut in (0..file.len()).step_by(7) {
            let part = &file[..cut];
            let whole = read_buffered(part, file.len());
            assert_eq!(read_buffered(part, 64), whole, "file {i} cut at {cut}");
            assert_eq!(read_buffered(part, 1000), whole, "file {i} cut at {cut}");
        }
        for at in (0..file.len()).step_by(11) {
            let mut damaged = file.clone();
            damaged[at] ^= 0x40;
            let whole = read_buffered(&damaged, file.len());
            assert_eq!(
                read_buffered(&damaged, 64),
                whole,
                "file {i} flipped at {at}"
            );
        }
    }
}

/// The project's captures and the public corpus (captures of many tools, link types and
/// pcapng options) read in runs, as the analysis reads, give what frame-by-frame reading
/// gives, with the same problems.
#[test]
fn captures_read_in_runs_as_frame_by_frame() {
    let mut files = 0;
    for path in crate::source::test_captures() {
        let open = || FileSource::open(std::slice::from_ref(&path)).ok();
        let (Some(mut one_by_one), Some(mut runs)) = (open(), open()) else {
            continue;
        };
        let expected = drain(&mut one_by_one);
        assert_eq!(drain_runs(&mut runs, 4096), expected, "{}", path.display());
        let problems = |s: &FileSource| {
            s.problems()
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(problems(&runs), problems(&one_by_one), "{}", path.display());
        files += 1;
    }
    assert!(files > 10, "{files} captures");
}

/// Reads every frame `bytes` gives, as a zip file on disk and as a stream; the frame count is
/// bounded by what the bytes can hold.
fn read_zip_both_ways(bytes: &[u8]) {
    let file = TempFile::new("damaged.zip", bytes);
    let limit = bytes.len().max(1) as u64 * 64;
    let count = |mut source: FileSource| {
        let mut n = 0u64;
        while source.next_frame().is_some() {
            n += 1;
            assert!(n <= limit, "more frames than the bytes can hold");
        }
    };
    if let Ok(source) = FileSource::open(std::slice::from_ref(&file.0)) {
        count(source);
    }
    let stream = Box::new(Cursor::new(bytes.to_vec()));
    if let Ok(source) = FileSource::from_reader(PathBuf::from("stream"), stream) {
        count(source);
    }
}

/// Each way a zip fixture holds its members (deflate, stored, two members and folders, data
/// descriptors with and without zip64, a method of its own decoder, members it cannot read, no
/// central directory) with each byte of its first 80 and last 120 bytes (local header, central
/// directory, end record) changed, and cut there: it opens or fails with an error, from a file
/// (central directory, or the local headers' walk) and from a stream (no panic, no hang). The
/// fuzz targets read zips both ways too: `reader` as a stream, `file` as a file on disk.
#[test]
fn zip_archives_damaged_in_their_headers_open_or_fail_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zip");
    for name in [
        "refused-v4-deflate.zip",
        "http-mix-stored.zip",
        "two-captures-readme.zip",
        "streamed-descriptor.zip",
        "stored-descriptor.zip",
        "stored-streamed.zip",
        "http-mix-lzma.zip",
        "mixed-unreadable.zip",
        "two-captures-cut-between.zip",
    ] {
        let whole = std::fs::read(dir.join(name)).expect("fixture");
        let n = whole.len();
        let mut places: Vec<usize> = (0..n.min(80)).chain(n.saturating_sub(120)..n).collect();
        places.dedup();
        for at in places {
            let mut changed = whole.clone();
            if let Some(b) = changed.get_mut(at) {
                *b ^= 0xff;
            }
            read_zip_both_ways(&changed);
            read_zip_both_ways(whole.get(..at).unwrap_or_default());
        }
    }
}

/// A zip whose central directory lists its one member twice, both entries at its one local
/// header (found by the file fuzz target's seed of that shape; unzip calls it "overlapped
/// components (possible zip bomb)"): the member is read once, not as two captures of the same
/// traffic (which the merge took for two capture points), and the warning names the entry
/// left out. 256 such entries would have opened 256 readers and decoders from a small file.
#[test]
fn a_zip_member_listed_twice_at_one_place_is_read_once() {
    let zip =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zip/refused-v4-deflate.zip");
    let whole = std::fs::read(zip).expect("fixture");
    let end = whole.len() - 22;
    assert_eq!(whole.get(end..end + 4), Some(&b"PK\x05\x06"[..]));
    let u32_at = |at: usize| u32::from_le_bytes(whole[at..at + 4].try_into().expect("4 bytes"));
    let (cd_len, cd_at) = (u32_at(end + 12) as usize, u32_at(end + 16) as usize);
    let entry = whole[cd_at..cd_at + cd_len].to_vec();
    let mut bytes = whole[..end].to_vec();
    // The same entry again, named apart.
    let mut again = entry.clone();
    let name_len = usize::from(u16::from_le_bytes([entry[28], entry[29]]));
    again[46..46 + name_len].fill(b'x');
    bytes.extend_from_slice(&again);
    let mut end_record = whole[end..].to_vec();
    end_record[8..10].copy_from_slice(&2u16.to_le_bytes());
    end_record[10..12].copy_from_slice(&2u16.to_le_bytes());
    end_record[12..16].copy_from_slice(&(2 * cd_len as u32).to_le_bytes());
    bytes.extend_from_slice(&end_record);
    let (_file, source) = open_bytes("twice.zip", &bytes);
    let mut source = source.expect("opens");
    assert_eq!(source.files().len(), 1, "{:?}", source.files());
    let frames = drain(&mut source).len();
    assert_eq!(frames, 10);
    let problems: Vec<String> = source.problems().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("place of a member listed before")
                && p.contains(&"x".repeat(name_len))),
        "{problems:?}"
    );
}

/// A whole zip whose end record is wrong (more members than its list holds, or a list out of
/// place, as the file fuzz target's seeds have them): its members are found by their own
/// headers, every capture is read, and the warning says the list does not read, not that the
/// archive was cut short at the list's start with members lost.
#[test]
fn a_zip_whose_list_of_members_does_not_read_is_not_called_cut_short() {
    let zip =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zip/two-captures-readme.zip");
    let whole = std::fs::read(zip).expect("fixture");
    let end = whole.len() - 22;
    assert_eq!(whole.get(end..end + 4), Some(&b"PK\x05\x06"[..]));
    for (what, at, change) in [("count", end + 10, 3u8), ("offset", end + 16, 7)] {
        let mut bytes = whole.clone();
        bytes[at] = bytes[at].wrapping_add(change);
        let (_file, source) = open_bytes("damaged.zip", &bytes);
        let mut source = source.expect("opens");
        assert_eq!(source.files().len(), 2, "{what}");
        drain(&mut source);
        let problems: Vec<String> = source.problems().iter().map(|p| p.to_string()).collect();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("list of members, at its end, does not read")
                    && p.contains("found by their own headers")),
            "{what}: {problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("was cut short at byte")),
            "{what}: {problems:?}"
        );
    }
}

/// A split zip (`zip -s`): its last part, the `.zip` whose end record says it is part 2 and
/// whose members lie in the `.z01` before it (beginning like a zip, or, as zip -s cuts it,
/// inside a member's data), and that first part, which begins with the spanning mark before
/// its first member, are each named with how to join them (read alone, the last part's list
/// of members points into the other part, and its start is no capture).
#[test]
fn the_parts_of_a_split_zip_are_named_with_how_to_join_them() {
    let zip =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zip/refused-v4-deflate.zip");
    let whole = std::fs::read(zip).expect("fixture");
    let mut last = whole.clone();
    let end = last.len() - 22;
    assert_eq!(last.get(end..end + 4), Some(&b"PK\x05\x06"[..]));
    last[end + 4] = 1;
    last[end + 6] = 1;
    let mut first = b"PK\x07\x08".to_vec();
    first.extend_from_slice(&whole);
    // As zip -s cuts them, the last part begins inside a member's data.
    let mid_member = last.get(40..).unwrap_or_default().to_vec();
    for (name, bytes, part) in [
        ("capture.zip", last, "the last part of a split zip archive"),
        (
            "parts.zip",
            mid_member,
            "the last part of a split zip archive",
        ),
        (
            "capture.z01",
            first,
            "the first part of a split zip archive",
        ),
    ] {
        let (_file, opened) = open_bytes(name, &bytes);
        let Err(error) = opened else {
            panic!("{name} opened");
        };
        let message = error.to_string();
        assert!(
            matches!(error, SourceError::OtherFormat { .. })
                && message.contains(part)
                && message.contains("join its parts into one zip first (zip -s 0"),
            "{name}: {message}"
        );
    }
}

/// A frame carries its packet block's options as the file holds them, in the section's byte
/// order, whether it comes alone or in a run: what a file saved of the packet carries on.
#[test]
fn a_frame_carries_its_packet_blocks_options_in_either_byte_order() {
    for be in [false, true] {
        let word = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let (flags, svc) = (word(0b01 | 1 << 24), word(300));
        let first = "PID: 3001\nCmd: /usr/bin/curl\nArgs: curl http://127.0.0.1:7300/".as_bytes();
        let second = b"ThreadId: 3003\nThreadName: curl";
        let mut bytes = shb(be);
        bytes.extend(idb(be, 1, 0, &[]));
        bytes.extend(epb(
            be,
            0,
            1_000_000,
            b"with options",
            &[(1, first), (1, second), (2, &flags), (0x8002, &svc)],
        ));
        bytes.extend(epb(be, 0, 2_000_000, b"without", &[]));
        let (_file, source) = open_bytes("options.pcapng", &bytes);
        let mut source = source.expect("opens");
        // (options as code and value, epb_flags read in the section's order) of each frame.
        type Options = (Vec<(u16, Vec<u8>)>, Option<u32>);
        let options = |f: &Frame<'_>| -> Options {
            let list = f.options.iter().map(|(c, v)| (c, v.to_vec())).collect();
            let flags = f.options.iter().find(|(c, _)| *c == 2);
            (list, flags.and_then(|(_, v)| f.options.word(v)))
        };
        let mut alone = Vec::new();
        while let Some(f) = source.next_frame() {
            alone.push(options(&f));
        }
        let expected: Vec<Options> = vec![
            (
                vec![
                    (1, first.to_vec()),
                    (1, second.to_vec()),
                    (2, flags.to_vec()),
                    (0x8002, svc.to_vec()),
                ],
                Some(0b01 | 1 << 24),
            ),
            (Vec::new(), None),
        ];
        assert_eq!(alone, expected, "big-endian: {be}");
        let (_file, source) = open_bytes("options.pcapng", &bytes);
        let mut source = source.expect("opens");
        let (mut in_runs, mut run) = (Vec::new(), 0);
        while let Some(f) = source.next_frame() {
            in_runs.push(options(&f));
            run += source.frame_run(10, |f: Frame<'_>| in_runs.push(options(&f)));
        }
        assert_eq!(in_runs, expected, "in runs, big-endian: {be}");
        assert_eq!(run, 1, "the second frame came in a run");
    }
}

// ---- decompression windows ------------------------------------------------------------------

/// The copy of http-mix.pcapng made with `xz -9`: a 64 MiB dictionary in its block headers.
fn xz9() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compressed/http-mix.pcapng.xz");
    std::fs::read(path).expect("fixture")
}

/// The messages of the problems of `source` that refuse an input for its window.
fn window_refusals(source: &FileSource) -> Vec<String> {
    source
        .problems()
        .iter()
        .filter(|p| matches!(p, SourceError::WindowTooLarge { .. }))
        .map(ToString::to_string)
        .collect()
}

/// Regression: a zip of eight `xz -9` captures took 561 MB, each decoder its own 64 MiB
/// dictionary. Three `xz -9` files given together get 42.3 MiB each of the window budget:
/// each is refused with the window it needs and what to do, and the plain capture given with
/// them is read. Two together (64 MiB each) are read, as one alone is.
#[test]
fn xz_captures_over_their_share_of_the_window_budget_are_refused_and_the_rest_read() {
    let xz = xz9();
    // Three captures, not one given thrice (which is read once): the stream once, twice (as
    // `cat a.xz b.xz` makes), three times.
    let copies: Vec<TempFile> = (1..=3)
        .map(|n| TempFile::new("c.pcapng.xz", &xz.repeat(n)))
        .collect();
    let plain = TempFile::new(
        "plain.pcap",
        &pcap(false, false, 1, 65535, &[rec(1, 0, &[0; 60])]),
    );
    let mut paths: Vec<PathBuf> = copies.iter().map(|f| f.0.clone()).collect();
    paths.push(plain.0.clone());
    let mut source = FileSource::open(&paths).expect("the plain capture opens");
    assert_eq!(source.files().len(), 1, "{:?}", source.files());
    assert_eq!(drain(&mut source).len(), 1);
    let refusals = window_refusals(&source);
    assert_eq!(refusals.len(), 3, "{:?}", source.problems());
    for (refusal, copy) in refusals.iter().zip(&copies) {
        assert_eq!(
            refusal,
            &format!(
                "{}: not read: its xz data needs a 64.0 MiB window to decompress, more than its \
                 share (42.3 MiB) of the 127.0 MiB that rstscope gives the decompressors of the 3 \
                 compressed inputs read together, to keep its memory bounded: decompress it \
                 first (xz -d FILE, or 7-Zip) and give the capture, or give fewer compressed \
                 files at once",
                copy.0.display()
            )
        );
    }
    let two = FileSource::open(&paths[..2]).expect("two open");
    assert_eq!(two.files().len(), 2);
    assert!(two.problems().is_empty(), "{:?}", two.problems());
    // Only the inputs with a window share it: a gzip beside them takes none.
    let gz = TempFile::new(
        "plain.pcap.gz",
        &gzip(&std::fs::read(&plain.0).expect("plain")),
    );
    let three = FileSource::open(&[paths[0].clone(), paths[1].clone(), gz.0.clone()]);
    assert!(three.expect("opens").problems().is_empty());
}

/// A window over the share met after the start (a zstd file of several frames whose last asks
/// for 64 MiB, as one of three): the frames before it are read, and the problem says a later
/// part needs the window.
#[test]
fn a_later_frame_over_the_share_ends_the_file_keeping_its_frames() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut zstd =
        std::fs::read(dir.join("compressed/http-mix-2frames.pcapng.zst")).expect("fixture");
    // A frame header: no single segment, a window descriptor of 2^26 (64 MiB).
    zstd.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 16 << 3, 0, 0, 0]);
    // Three files, not one given thrice (which is read once): each begins with a skippable
    // frame of its own, as pzstd's do.
    let copies: Vec<TempFile> = (0..3u8)
        .map(|n| {
            let mut file = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, n, n, n, n];
            file.extend_from_slice(&zstd);
            TempFile::new("c.pcapng.zst", &file)
        })
        .collect();
    let paths: Vec<PathBuf> = copies.iter().map(|f| f.0.clone()).collect();
    let mut source = FileSource::open(&paths).expect("opens");
    let frames = drain(&mut source).len();
    let (plain, _) = read_all(
        "plain.pcapng",
        &std::fs::read(dir.join("http-mix.pcapng")).expect("fixture"),
    );
    let each = plain.files()[0].frames;
    assert_eq!(frames as u64, 3 * each);
    let refusals = window_refusals(&source);
    assert_eq!(refusals.len(), 3, "{:?}", source.problems());
    assert!(
        refusals[0].starts_with(&format!(
            "{}: a later part of its zstd data needs a 64.0 MiB window to decompress, more than \
             its share (42.3 MiB)",
            copies[0].0.display()
        )) && refusals[0].contains(&format!("the {each} frames before it are kept")),
        "{refusals:?}"
    );
}

/// Zip members compressed by the zip itself take a share as a compressed file does: the xz
/// member of `xz -9` (64 MiB) as one of three zips, the LZMA member of Python's zipfile (an
/// 8 MiB dictionary) as one of thirteen, each refused and named `ARCHIVE:MEMBER` with what to
/// do; as one of two, or of twelve, they are read.
#[test]
fn zip_members_of_xz_and_lzma_over_their_share_are_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zip");
    for (name, format, window, refused_by) in [
        ("http-mix-xz.zip", "xz", "64.0 MiB", 3),
        ("http-mix-lzma.zip", "LZMA", "8.0 MiB", 13),
    ] {
        let zip = std::fs::read(dir.join(name)).expect("fixture");
        // Archives that differ, not one given many times (which is read once): each with a
        // comment of its own at the end of its directory.
        assert_eq!(zip[zip.len() - 2..], [0, 0], "{name} has no comment");
        let copies: Vec<TempFile> = (0..refused_by)
            .map(|n| {
                let mut zip = zip.clone();
                let at = zip.len() - 2;
                zip[at] = 1;
                zip.push(b'a' + u8::try_from(n).expect("few"));
                TempFile::new(name, &zip)
            })
            .collect();
        let paths: Vec<PathBuf> = copies.iter().map(|f| f.0.clone()).collect();
        let fits = FileSource::open(&paths[1..]).expect("opens");
        assert_eq!(
            fits.files().len(),
            refused_by - 1,
            "{name}: {:?}",
            fits.problems()
        );
        let source = FileSource::open(&paths).expect("opens with nothing to read");
        assert!(source.files().is_empty(), "{name}");
        let refusals = window_refusals(&source);
        assert_eq!(
            refusals.len(),
            refused_by,
            "{name}: {:?}",
            source.problems()
        );
        let expected = format!(
            "{}:http-mix.pcapng: not read: its {format} data needs a {window} window to decompress",
            copies[0].0.display()
        );
        assert!(
            refusals[0].starts_with(&expected)
                && refusals[0].contains("extract it from the archive first"),
            "{refusals:?}"
        );
    }
}

/// An interface rstscope's capture of Linux's `any` met after it began is named by a comment
/// of its first packet (the interface's own comment, written at the start, names the others):
/// the reader adds it to the interface's names, read frame by frame or in runs alike.
#[test]
fn an_index_named_by_a_packet_comment_joins_the_interface_names() {
    let known = crate::source::pcapng::index_comment(&[(1, "lo".into()), (2, "eth0".into())]);
    let later = crate::source::pcapng::index_comment(&[(57, "veth1a2b".into())]);
    let mut ng = shb(false);
    ng.extend(idb(false, 276, 0, &[(2, b"any"), (1, known.as_bytes())]));
    ng.extend(epb(false, 0, 1_000, b"from lo", &[]));
    ng.extend(epb(
        false,
        0,
        2_000,
        b"from the veth",
        &[(1, later.as_bytes())],
    ));
    ng.extend(epb(false, 0, 3_000, b"again", &[]));
    let want = vec![
        (1, "lo".to_owned()),
        (2, "eth0".to_owned()),
        (57, "veth1a2b".to_owned()),
    ];
    let (source, frames) = read_all("later-index.pcapng", &ng);
    assert_eq!(frames.len(), 3);
    assert_eq!(source.interfaces()[0].index_names, want);
    let (_file, source) = open_bytes("later-index-run.pcapng", &ng);
    let mut source = source.expect("opens");
    assert!(source.next_frame().is_some());
    let mut n = 0;
    assert_eq!(
        source.frame_run(100, |_: Frame<'_>| n += 1),
        2,
        "the rest in one run"
    );
    assert_eq!(n, 2);
    assert_eq!(source.interfaces()[0].index_names, want);
}

/// A Network Monitor file header of version 2.`minor` (128 bytes) whose frame table, of
/// `frames` entries, lies at `table_at`; start 2024-02-29 12:00:00.250 (local time).
fn netmon_header(major: u8, minor: u8, media: u16, table_at: u32, frames: u32) -> Vec<u8> {
    let mut out = if major == 1 {
        b"RTSS".to_vec()
    } else {
        b"GMBU".to_vec()
    };
    out.extend([minor, major]);
    put16(&mut out, media, false);
    for v in [2024, 2, 4, 29, 12, 0, 0, 250] {
        put16(&mut out, v, false);
    }
    put32(&mut out, table_at, false);
    put32(&mut out, frames * 4, false);
    out.resize(128, 0);
    out
}

/// A Network Monitor 2.x record: its offset from the start in microseconds, its bytes, and
/// the trailer of version 2.`minor` (media type, process index, UTC time, time zone).
fn netmon_record(minor: u8, micros: u64, data: &[u8], media: u16, utc: u64) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(micros.to_le_bytes());
    put32(&mut out, data.len() as u32, false);
    put32(&mut out, data.len() as u32, false);
    out.extend(data);
    if minor >= 1 {
        put16(&mut out, media, false);
    }
    if minor >= 2 {
        put32(&mut out, 0, false);
    }
    if minor >= 3 {
        out.extend(utc.to_le_bytes());
        out.push(0);
    }
    out
}

/// A Network Monitor 2.`minor` file of `records`, its frame table after them listing where
/// they are (or `table`'s places, when given).
fn netmon_file(minor: u8, records: &[Vec<u8>], table: Option<&[u32]>) -> Vec<u8> {
    let mut body: Vec<u8> = Vec::new();
    let mut places = Vec::new();
    for r in records {
        places.push(128 + body.len() as u32);
        body.extend(r);
    }
    let places = table.map_or(places, <[u32]>::to_vec);
    let mut out = netmon_header(2, minor, 1, 128 + body.len() as u32, places.len() as u32);
    out.extend(body);
    for p in places {
        put32(&mut out, p, false);
    }
    out
}

/// 2023-11-14 22:13:20 UTC as a FILETIME.
const FILETIME_1700000000: u64 = 1_700_000_000 * 10_000_000 + 116_444_736_000_000_000;

/// Network Monitor 3.4 and Message Analyzer write 2.3: each frame has its media type and its
/// UTC time. Ethernet, raw IP, 802.11 behind Network Monitor's radio header (taken off),
/// a converted pcap's link type (0xE000 + Linux SLL's 113), an ETW event (NetEvent, counted
/// as not decoded), and the adapter list, which is no frame.
#[test]
fn netmon_2_3_frames_take_their_own_media_type_and_utc_time() {
    let mut radio = vec![2u8, 32, 0];
    radio.resize(32, 0);
    radio.extend(b"wifi");
    let t = FILETIME_1700000000;
    let records = [
        netmon_record(3, 0, b"ether", 1, t),
        netmon_record(3, 5, b"rawip", 9, t + 10),
        netmon_record(3, 9, &radio, 6, t + 20),
        netmon_record(3, 9, b"adapters", 0xFFFD, t + 25),
        netmon_record(3, 9, b"sll", 0xE071, t + 30),
        netmon_record(3, 9, b"event", 0xFFE0, t + 40),
    ];
    let (source, frames) = read_all("v23.cap", &netmon_file(3, &records, None));
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    assert_eq!(source.files()[0].format, Format::NetMon2);
    let got: Vec<(i64, u32, &[u8])> = (frames.iter())
        .map(|f| (f.ts, f.link_type, f.data.as_slice()))
        .collect();
    let at = |ticks: i64| 1_700_000_000 * 1_000_000_000 + ticks * 100;
    assert_eq!(
        got,
        [
            (at(0), 1, &b"ether"[..]),
            (at(10), 101, b"rawip"),
            (at(20), 105, b"wifi"),
            (at(30), 113, b"sll"),
            (at(40), crate::source::file::NETMON_MEDIA | 0xFFE0, b"event"),
        ]
    );
    assert_eq!(frames[2].orig_len, 4);
    // One interface per media type.
    assert_eq!(source.interfaces().len(), 5);
}

/// 2.0 to 2.2: frame times count from the header's start, in this machine's local time; 2.1
/// and 2.2 have a trailer of 2 and 6 bytes, whose media type is the frame's.
#[test]
fn netmon_2_0_to_2_2_count_from_the_start_in_the_headers_local_time() {
    use chrono::TimeZone;
    let start = chrono::Local
        .with_ymd_and_hms(2024, 2, 29, 12, 0, 0)
        .earliest()
        .expect("a local time")
        .timestamp_nanos_opt()
        .expect("in range")
        + 250_000_000;
    for minor in 0..=2 {
        let records = [
            netmon_record(minor, 0, b"first", 1, 0),
            netmon_record(minor, 1_500_000, b"second", 9, 0),
        ];
        let name = format!("v2{minor}.cap");
        let (source, frames) = read_all(&name, &netmon_file(minor, &records, None));
        assert!(source.problems().is_empty(), "{:?}", source.problems());
        let got: Vec<(i64, u32)> = frames.iter().map(|f| (f.ts, f.link_type)).collect();
        // 2.0 has no trailer: the header's Ethernet for both.
        let second = if minor == 0 { 1 } else { 101 };
        assert_eq!(got, [(start, 1), (start + 1_500_000_000, second)], "{name}");
    }
}

/// Regression: a Network Monitor file whose first frame is not at byte 128 was reported as
/// corrupt there. Built to the published layout (the 2.x file header's comment data offset
/// and length at bytes 40 and 44, here a comment between the header and the first frame; a
/// gap between two frames; the frame table after them listing their places): its frames are
/// read where the table places them, with nothing to say; and where the file cannot be read
/// at those places (compressed, piped), it is still said to be corrupt at the comment's byte.
#[test]
fn a_netmon_file_is_read_where_its_frame_table_places_the_frames() {
    let t = FILETIME_1700000000;
    let records = [
        netmon_record(3, 0, b"one", 1, t),
        netmon_record(3, 1, b"two", 1, t + 10),
        netmon_record(3, 2, b"three", 1, t + 20),
    ];
    let comment = b"captured on the collector's host, after the restart";
    let first = 128 + comment.len();
    let places = [
        first,
        first + records[0].len() + 6,
        first + records[0].len() + 6 + records[1].len(),
    ];
    let mut body = comment.to_vec();
    body.extend(&records[0]);
    body.extend([0xAA; 6]);
    body.extend(&records[1]);
    body.extend(&records[2]);
    let mut file = netmon_header(2, 3, 1, (128 + body.len()) as u32, 3);
    file[40..44].copy_from_slice(&128u32.to_le_bytes());
    file[44..48].copy_from_slice(&(comment.len() as u32).to_le_bytes());
    file.extend(&body);
    for p in places {
        put32(&mut file, p as u32, false);
    }
    let (source, frames) = read_all("comment-first.cap", &file);
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let got: Vec<&[u8]> = frames.iter().map(|f| f.data.as_slice()).collect();
    assert_eq!(got, [&b"one"[..], b"two", b"three"]);
    assert_eq!(frames[2].ts, 1_700_000_000 * 1_000_000_000 + 20 * 100);
    // Gzipped: read in order from the header, where the comment is no frame.
    let (source, frames) = read_all("comment-first.cap.gz", &gzip(&file));
    assert!(frames.is_empty());
    let [
        SourceError::Corrupt {
            offset: 128, what, ..
        },
    ] = source.problems()
    else {
        panic!("{:?}", source.problems());
    };
    assert!(what.contains("decompress it"), "{what}");
}

/// A frame table listing other places than where the frames lie one after another, places a
/// reading in order has passed: the frames read are kept, and the file is said to need
/// converting.
#[test]
fn a_netmon_frame_table_listing_other_places_is_told() {
    let records = [
        netmon_record(1, 0, b"one", 1, 0),
        netmon_record(1, 1, b"two", 1, 0),
    ];
    // The second frame placed where the first one is read: a reading in order cannot go back.
    let (source, frames) = read_all("gaps.cap", &netmon_file(1, &records, Some(&[128, 130])));
    assert_eq!(frames.len(), 2);
    let [SourceError::FormatNote { what, .. }] = source.problems() else {
        panic!("{:?}", source.problems());
    };
    assert!(what.contains("editcap -F pcapng"), "{what}");
    // A header that lists no frames, frames after it: a capture whose saving did not finish.
    let mut unfinished = netmon_header(2, 1, 1, 0, 0);
    unfinished.extend(&records[0]);
    let (source, frames) = read_all("unfinished.cap", &unfinished);
    assert!(frames.is_empty());
    let [
        SourceError::FormatNote {
            offset: 128, what, ..
        },
    ] = source.problems()
    else {
        panic!("{:?}", source.problems());
    };
    assert!(what.contains("did not finish"), "{what}");
}

/// Damage: a header cut short, a version rstscope does not know, a record whose length
/// cannot be right, frames the table promised that the file lacks: each said with its byte
/// and the frames kept.
#[test]
fn damaged_netmon_and_snoop_files_say_where_and_keep_their_frames() {
    let whole = netmon_file(1, &[netmon_record(1, 0, b"one", 1, 0)], None);
    let (source, frames) = read_all("short.cap", &whole[..100]);
    assert!(frames.is_empty());
    assert!(
        matches!(
            source.problems(),
            [SourceError::Truncated { offset: 0, .. }]
        ),
        "{:?}",
        source.problems()
    );
    let mut v9 = whole.clone();
    v9[5] = 9;
    let (source, _) = read_all("v9.cap", &v9);
    let message = source.problems()[0].to_string();
    assert!(message.contains("version 9.1"), "{message}");
    // Two frames promised, one there, then the table (read as a record): cut short there.
    let records = [
        netmon_record(1, 0, b"one", 1, 0),
        netmon_record(1, 1, b"two", 1, 0),
    ];
    let mut file = netmon_file(1, &records, None);
    file.truncate(128 + records[0].len());
    let (source, frames) = read_all("missing.cap", &file);
    assert_eq!(frames.len(), 1);
    assert!(
        matches!(
            source.problems(),
            [SourceError::Truncated {
                offset: 149,
                frames: 1,
                ..
            }]
        ),
        "{:?}",
        source.problems()
    );
    // snoop: a record length shorter than its captured bytes.
    let mut snoop = b"snoop\0\0\0".to_vec();
    put32(&mut snoop, 2, true);
    put32(&mut snoop, 4, true);
    for (len, rec_len) in [(4u32, 28u32), (4, 8)] {
        for v in [len, len, rec_len, 3, 1_700_000_000, 5] {
            put32(&mut snoop, v, true);
        }
        snoop.extend(b"abcd");
    }
    let (source, frames) = read_all("bad.snoop", &snoop);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].ts, 1_700_000_000_000_005_000);
    assert_eq!(source.files()[0].lost, 3);
    let [
        SourceError::Corrupt {
            offset: 44,
            frames: 1,
            what,
            ..
        },
    ] = source.problems()
    else {
        panic!("{:?}", source.problems());
    };
    assert!(what.contains("record length 8"), "{what}");
}

/// A `netsh trace` opened in Network Monitor 3.4 and saved as `.cap`: each packet is an ETW
/// event of the Windows packet capture provider (ndiscap), media type NetEvent. Its Ethernet
/// frame is taken out of the event; a later part of a split packet is no frame; another
/// provider's event stays an event (not decoded).
#[test]
fn netmon_netsh_trace_events_give_their_ethernet_frames() {
    use super::records::tests::{event, fragment};
    use super::records::{KW_PACKET_START, NDIS_PACKET_CAPTURE};
    let frame = b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x08\x00ip";
    let t = FILETIME_1700000000;
    let records = [
        netmon_record(
            3,
            0,
            &event(
                NDIS_PACKET_CAPTURE,
                1001,
                KW_PACKET_START | 1,
                &fragment(frame),
            ),
            0xFFE0,
            t,
        ),
        netmon_record(
            3,
            0,
            &event(NDIS_PACKET_CAPTURE, 1001, 1, &fragment(b"rest")),
            0xFFE0,
            t + 1,
        ),
        netmon_record(3, 0, &event([9; 16], 7, 0, b"other"), 0xFFE0, t + 2),
    ];
    let (source, frames) = read_all("netsh.cap", &netmon_file(3, &records, None));
    assert!(source.problems().is_empty(), "{:?}", source.problems());
    let got: Vec<(u32, usize, u32)> = (frames.iter())
        .map(|f| (f.link_type, f.data.len(), f.orig_len))
        .collect();
    let event_len = 89 + 5;
    assert_eq!(
        got,
        [
            (1, frame.len(), frame.len() as u32),
            (
                crate::source::file::NETMON_MEDIA | 0xFFE0,
                event_len,
                event_len as u32
            ),
        ]
    );
    assert_eq!(frames[0].data, frame);
}

/// Regression (s39's note): times were written to the microsecond whatever the file recorded.
/// Each interface says the digits of a second its frames' times have: a pcapng interface's
/// `if_tsresol` (milliseconds, microseconds by default, nanoseconds, powers of two), classic
/// pcap's two magic numbers, Network Monitor 1.x's milliseconds; its times are exact in each.
#[test]
fn each_interface_says_the_digits_its_times_are_recorded_to() {
    let mut bytes = shb(false);
    bytes.extend(idb(false, 1, 0, &[(9, &[3])]));
    bytes.extend(idb(false, 1, 0, &[]));
    bytes.extend(idb(false, 1, 0, &[(9, &[9])]));
    bytes.extend(idb(false, 1, 0, &[(9, &[0x80 | 10])]));
    bytes.extend(idb(false, 1, 0, &[(9, &[0x80 | 20])]));
    bytes.extend(idb(false, 1, 0, &[(9, &[12])]));
    bytes.extend(epb(false, 0, 1_600_000_000_234, b"ms", &[]));
    bytes.extend(epb(false, 2, 1_600_000_000_234_567_891, b"ns", &[]));
    let (source, frames) = read_all("resolutions.pcapng", &bytes);
    let digits: Vec<u8> = source.interfaces().iter().map(|i| i.time_digits).collect();
    assert_eq!(digits, [3, 6, 9, 3, 6, 9]);
    assert_eq!(frames[0].ts, 1_600_000_000 * S + 234_000_000);
    assert_eq!(frames[1].ts, 1_600_000_000 * S + 234_567_891);
    for (nanos, digits) in [(false, 6), (true, 9)] {
        let (source, _) = read_all(
            "one.pcap",
            &pcap(false, nanos, 1, 65535, &[rec(1, 0, b"a")]),
        );
        assert_eq!(source.interfaces()[0].time_digits, digits, "nanos {nanos}");
    }
    let netmon1 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/formats.netmon1.cap"
    );
    let netmon2 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/formats.netmon2.cap"
    );
    for (path, digits) in [(netmon1, 3), (netmon2, 6)] {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (source, _) = read_all(name, &std::fs::read(path).expect("read"));
        let said: Vec<u8> = source.interfaces().iter().map(|i| i.time_digits).collect();
        assert!(
            !said.is_empty() && said.iter().all(|&d| d == digits),
            "{path}: {said:?}"
        );
    }
}

/// A reader of `total` zero bytes that counts what it gave, and sets `cancel` (the user's
/// Ctrl+C) once it has given `cancel_at`.
struct ZerosCancelling<'a> {
    total: u64,
    given: u64,
    cancel_at: u64,
    cancel: &'a AtomicBool,
}

impl Read for ZerosCancelling<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.total - self.given) as usize;
        buf[..n].fill(0);
        self.given += n as u64;
        if self.given >= self.cancel_at {
            self.cancel.store(true, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Regression: files of one size given together are compared byte for byte before the reading
/// (a copy is read once); two copies of 1 GB took seconds, deaf to Ctrl+C. A cancel stops the
/// comparison within 64 KiB, as a no.
#[test]
fn comparing_copies_stops_at_a_cancel() {
    let cancel = AtomicBool::new(false);
    let mut a = ZerosCancelling {
        total: 1 << 30,
        given: 0,
        cancel_at: 1 << 20,
        cancel: &cancel,
    };
    let mut b = io::repeat(0).take(1 << 30);
    assert!(!input::same_streams(&mut a, &mut b, Some(&cancel)));
    assert!(
        a.given <= (1 << 20) + (64 << 10),
        "{} bytes read after the cancel",
        a.given - (1 << 20)
    );
    // Without a cancel the same bytes are the same.
    let mut a = io::repeat(7).take(1 << 20);
    let mut b = io::repeat(7).take(1 << 20);
    assert!(input::same_streams(&mut a, &mut b, None));
}

/// Each comparison of copies is told as it begins (the window's progress says so: "comparing
/// b with a"), and after a cancel none begins: the copies are then both opened, for an
/// analysis cancelled too.
#[test]
fn the_comparison_of_copies_is_told_and_none_begins_after_a_cancel() {
    let bytes = pcap(false, false, 1, 65535, &[rec(1, 0, &[0u8; 60])]);
    let a = TempFile::new("compared-a.pcap", &bytes);
    let b = TempFile::new("compared-b.pcap", &bytes);
    let given = [a.0.clone(), b.0.clone()];
    let mut told = Vec::new();
    let mut tell = |later: &Path, first: &Path| told.push((later.to_owned(), first.to_owned()));
    let watch = OpenWatch {
        cancel: None,
        comparing: Some(&mut tell),
    };
    let source = FileSource::open_watched(&given, watch).expect("opens");
    assert_eq!(source.files().len(), 1, "the copy is read once");
    assert_eq!(told, [(b.0.clone(), a.0.clone())]);
    let cancel = AtomicBool::new(true);
    let mut told = 0;
    let mut tell = |_: &Path, _: &Path| told += 1;
    let watch = OpenWatch {
        cancel: Some(&cancel),
        comparing: Some(&mut tell),
    };
    let source = FileSource::open_watched(&given, watch).expect("opens");
    assert_eq!(source.files().len(), 2);
    assert_eq!(told, 0);
}

/// Regression: after a cancel during the comparison of two files that may be copies, both
/// were listed, each with no frames, and nothing said that one may be a copy of the other or
/// that the comparison was cut short. A problem says so, for a cancel as the comparison
/// begins (here, told of it) and for one before it, of files of one size and of a capture
/// beside its compressed copy; the files compared to the end say nothing of it.
#[test]
fn a_comparison_cut_short_by_a_cancel_is_told() {
    let bytes = pcap(false, false, 1, 65535, &[rec(1, 0, &[0u8; 60])]);
    let dir = std::env::temp_dir().join(format!(
        "rstscope-file-test-{}-compare-cancelled",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("folder");
    let a = dir.join("trace.pcap");
    let b = dir.join("trace (1).pcap");
    let gz = dir.join("trace.pcap.gz");
    std::fs::write(&a, &bytes).expect("write");
    std::fs::write(&b, &bytes).expect("write");
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(&bytes).expect("gzip");
    std::fs::write(&gz, encoder.finish().expect("gzip")).expect("write");
    let not_known = |source: &FileSource| -> Vec<(PathBuf, PathBuf)> {
        (source.problems().iter())
            .filter_map(|p| match p {
                SourceError::NotCompared { path, first } => Some((path.clone(), first.clone())),
                _ => None,
            })
            .collect()
    };
    for given in [vec![a.clone(), b.clone()], vec![a.clone(), gz.clone()]] {
        let later = given[1].clone();
        // Cancelled as the comparison begins.
        let cancel = AtomicBool::new(false);
        let mut tell = |_: &Path, _: &Path| cancel.store(true, Ordering::Relaxed);
        let watch = OpenWatch {
            cancel: Some(&cancel),
            comparing: Some(&mut tell),
        };
        let source = FileSource::open_watched(&given, watch).expect("opens");
        assert_eq!(
            not_known(&source),
            [(later.clone(), a.clone())],
            "{given:?}"
        );
        let told = source.problems()[0].to_string();
        assert!(
            told.contains("not known whether it is a copy of")
                && told.contains("cancelled while they were compared"),
            "{told}"
        );
        // Cancelled before it.
        let cancel = AtomicBool::new(true);
        let watch = OpenWatch {
            cancel: Some(&cancel),
            comparing: None,
        };
        let source = FileSource::open_watched(&given, watch).expect("opens");
        assert_eq!(
            not_known(&source),
            [(later.clone(), a.clone())],
            "{given:?}"
        );
        // Compared to the end: a copy, read once, and nothing of the kind.
        let source = FileSource::open(&given).expect("opens");
        assert_eq!(source.files().len(), 1);
        assert!(not_known(&source).is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
