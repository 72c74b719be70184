//! The bodies of the fuzz targets (the `fuzz/` crate, cargo-fuzz with libFuzzer), kept in the
//! library so that `tests/fuzz_replay.rs` replays the saved corpus and every crash or hang
//! found through exactly the same code on the stable toolchain.
//!
//! Each body panics when something is wrong: a panic anywhere below, or a broken invariant
//! of the engine (see [`check_invariants`](crate::fuzzing::check_invariants)). A loop shows as a hang, which libFuzzer's
//! per-input timeout reports and the replay test bounds.
//!
//! The engine target reads a compact form of a TCP packet sequence ([`RECORD_LEN`](crate::fuzzing::RECORD_LEN) bytes a
//! packet, see [`packets`](crate::fuzzing::packets)), so that mutations change flags, sequence numbers, tuples and
//! times rather than break a capture file's framing; [`seeds_from_capture`](crate::fuzzing::seeds_from_capture)
//! writes that form from a real capture.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::analysis::{self, Options};
use crate::decode::{Decoded, decode};
use crate::engine::{Engine, EngineConfig, IncidentKind, Snapshot};
use crate::packet::{TcpFlags, TcpPacket, Timestamp};
use crate::report::{self, Clock};
use crate::source::{FileSource, Frame, LinkType};

/// Bytes per packet in the engine target's input.
pub const RECORD_LEN: usize = 32;

/// Reader target: `data` as a capture file (pcap, pcapng, either gzip-compressed), analyzed
/// end to end as `rstscope analyze` does, then written as every report.
pub fn capture_file(data: &[u8]) {
    let reader = Box::new(Cursor::new(data.to_vec()));
    let Ok(source) = FileSource::from_reader(PathBuf::from("fuzz-input"), reader) else {
        return;
    };
    let options = Options {
        engine: EngineConfig {
            max_flows: 512,
            ..EngineConfig::default()
        },
        ..Options::default()
    };
    let a = analysis::analyze_source(source, options);
    check_invariants(&a.snapshot, 512);
    let _ = report::text::report(&a, Clock::Utc, 10);
    let _ = report::text::series(&a, Clock::Utc);
    let _ = report::json::to_value(&a, Clock::Utc).to_string();
    let _ = report::csv::offenders(&a, Clock::Utc);
    let _ = report::csv::series(&a);
}

/// File target: `data` as a capture file on disk, opened as `rstscope analyze FILE` and the
/// app open a file: what only a file gives is reached, which [`capture_file`] (a stream) is
/// not: a zip listed from its central directory (zip64 records, a damaged or missing one, a
/// split archive's last part) with each member opened by its offset through a handle of its
/// own and read again to explain damage, its captures merged in time; the file's size, which
/// tells a cut file from a corrupt length; the name's extension (`.etl`). The file is
/// written to the temporary folder and removed after.
///
/// The input's length picks the file's name among [`FILE_NAMES`] (its remainder by their
/// number), and whether the file is given once or twice (the next bit: two files holding
/// the same connections, as `rstscope analyze A B` merges them). Then the first offender's
/// packets are collected from the file again, as the app's details and `--endpoint` do, and
/// written as a pcapng.
pub fn capture_on_disk(data: &[u8]) {
    let name = FILE_NAMES[data.len() % FILE_NAMES.len()];
    let twice = (data.len() / FILE_NAMES.len()) % 2 == 1;
    let Ok(file) = TempFile::new(name, data) else {
        // The temporary folder cannot be written: nothing to fuzz, and nothing the input did.
        return;
    };
    let paths = if twice {
        vec![file.0.clone(), file.0.clone()]
    } else {
        vec![file.0.clone()]
    };
    let options = Options {
        engine: EngineConfig {
            max_flows: 512,
            ..EngineConfig::default()
        },
        ..Options::default()
    };
    let Ok(a) = analysis::analyze_files(&paths, options) else {
        return;
    };
    check_invariants(&a.snapshot, 512);
    let _ = report::text::report(&a, Clock::Utc, 10);
    let _ = report::json::to_value(&a, Clock::Utc).to_string();
    let _ = report::csv::offenders(&a, Clock::Utc);
    let Some(o) = a.snapshot.offenders.first() else {
        return;
    };
    let Ok(ev) = report::evidence::collect(&paths, (o.addr, o.port, o.overlay), None, 64, None)
    else {
        return;
    };
    for p in &ev.packets {
        let _ = report::evidence::tcpdump_line(p, Clock::Utc);
    }
    let _ = ev.warnings_in(Clock::Utc);
    let mut saved = Vec::new();
    let _ = report::evidence::write_pcapng_to(&mut saved, &ev);
}

/// Chunks target: `data` as one classic pcap file on disk, read by chunks on two threads
/// (`--jobs 2`, [`crate::analysis`]'s balanced reading) and read in order (`--jobs 1`): the
/// reports must be the same byte for byte (JSON, text, the offenders' CSV), messages and
/// offsets of bad input included, whatever the bytes (a record cut at a chunk's start, a
/// guess that chains across it, time stepping back there, repeats across it, records of
/// odd or no length, a snapshot length the records exceed, captures appended).
///
/// The first two bytes pick the chunk size (little-endian, from [`CHUNK_BYTES`]`.0` to
/// [`CHUNK_BYTES`]`.1` bytes), so that a small input makes many chunks, and the reading in
/// order's batches (what is left of the number once the chunk size is taken from it: 1 to 8
/// make batches of 1, 2, 4 ... 128 frames, 0 and more the full batch, as the inputs found
/// before batches were picked were read), since a report must not depend on where batches
/// end either; the rest is the file, its own 24-byte header included. Both analyses must
/// keep the engine's invariants ([`check_invariants`]).
pub fn chunked_pcap(data: &[u8]) {
    let Some((head, file)) = data.split_first_chunk::<2>() else {
        return;
    };
    let (least, most) = CHUNK_BYTES;
    let head = u64::from(u16::from_le_bytes(*head));
    let chunk = least + head % (most - least + 1);
    let batch = match head / (most - least + 1) {
        n @ 1..=8 => Some(1 << (n - 1)),
        _ => None,
    };
    let Ok(file) = TempFile::new("chunks.pcap", file) else {
        return;
    };
    let [in_order, by_chunks] = [1, 2].map(|jobs| {
        let _chunk = ChunkSize::set((jobs > 1).then_some(chunk));
        let _batch = BatchFrames::set((jobs == 1).then_some(batch).flatten());
        let options = Options {
            engine: EngineConfig {
                max_flows: 512,
                ..EngineConfig::default()
            },
            jobs,
            ..Options::default()
        };
        match analysis::analyze_files(std::slice::from_ref(&file.0), options) {
            Ok(a) => {
                check_invariants(&a.snapshot, 512);
                let json = report::json::to_value(&a, Clock::Utc);
                let json = serde_json::to_string_pretty(&json).unwrap_or_default();
                let text = report::text::report(&a, Clock::Utc, 10);
                let csv = report::csv::offenders(&a, Clock::Utc);
                let warnings = a.capture.warnings.join("\n");
                [json, text, csv, warnings]
            }
            Err(e) => [e.to_string(), String::new(), String::new(), String::new()],
        }
    });
    let names = ["JSON report", "text report", "offenders' CSV", "warnings"];
    let batches = batch.map_or("a full batch".to_owned(), |n| {
        format!("batches of {n} frames")
    });
    for ((name, one), two) in names.iter().zip(&in_order).zip(&by_chunks) {
        assert!(
            one == two,
            "chunks of {chunk} bytes: the {name} differs from reading in order ({batches})\n--- in order\n{one}\n--- by chunks\n{two}"
        );
    }
}

/// The least and the most chunk size [`chunked_pcap`] reads its file by, in bytes: from less
/// than a full-size frame's record to a few of them.
pub const CHUNK_BYTES: (u64, u64) = (64, 4096);

/// The balanced reading's chunk size on this thread, set while it lives.
struct ChunkSize;

impl ChunkSize {
    fn set(bytes: Option<u64>) -> Self {
        crate::analysis::balanced::CHUNK.set(bytes);
        Self
    }
}

impl Drop for ChunkSize {
    fn drop(&mut self) {
        crate::analysis::balanced::CHUNK.set(None);
    }
}

/// The reading in order's most frames a batch on this thread, set while it lives.
struct BatchFrames;

impl BatchFrames {
    fn set(frames: Option<u64>) -> Self {
        crate::analysis::BATCH_FRAMES.set(frames);
        Self
    }
}

impl Drop for BatchFrames {
    fn drop(&mut self) {
        crate::analysis::BATCH_FRAMES.set(None);
    }
}

/// The names [`capture_on_disk`] gives its file: each way the name matters (a Windows event
/// trace is told by its extension; a zip by its content, whatever its name) and one that is
/// not ASCII, as the reports print it.
pub const FILE_NAMES: [&str; 4] = ["capture.pcap", "mail.zip", "trace.etl", "捕获 1.pcapng"];

/// A file in the temporary folder, removed when dropped. Its name is unique to this process
/// and call, as the replay test runs the targets on threads side by side.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, data: &[u8]) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("rstscope-fuzz-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, data)?;
        Ok(Self(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Loader target: `data` as a program's ELF file and as the loader's cache, its missing
/// libraries looked up as for a program that keeps failing to start
/// ([`crate::host::loader`]): every library it names is the same file again, so that the
/// search follows names, paths, `$ORIGIN` and the cache's entries as far as it goes.
pub fn elf(data: &[u8]) {
    use crate::host::loader::{self, Files, Needs};
    use std::collections::HashMap;

    struct Same<'a>(&'a [u8]);
    impl Files for Same<'_> {
        fn needs(&self, _path: &str) -> Option<Needs> {
            loader::needs(&mut |offset, len| {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(self.0.len());
                let end = start.saturating_add(len).min(self.0.len());
                Ok(self.0[start..end].to_vec())
            })
            .ok()
            .flatten()
        }
        fn cache(&self) -> HashMap<String, Vec<String>> {
            loader::cache_entries(self.0)
        }
        fn musl_path(&self, _arch: &str) -> Option<String> {
            Some(String::from_utf8_lossy(self.0.get(..256).unwrap_or(self.0)).into_owned())
        }
    }
    let missing = loader::missing_libraries("/opt/fuzz/bin/program", &Same(data));
    assert!(
        missing.len() <= loader::MAX_OBJECTS * 64,
        "{}",
        missing.len()
    );
}

/// Decoder target: two bytes of link type (little-endian), two of extra wire length, then
/// the frame's bytes. Every link type number is reachable; a TCP packet decoded goes through
/// the engine.
pub fn frame(data: &[u8]) {
    let Some((head, bytes)) = data.split_first_chunk::<4>() else {
        return;
    };
    let link_type = u32::from(u16::from_le_bytes([head[0], head[1]]));
    let extra = u32::from(u16::from_le_bytes([head[2], head[3]]));
    let captured = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    let frame = Frame::plain(
        Timestamp::from_parts(1_700_000_000, 0),
        1,
        LinkType(link_type),
        0,
        bytes,
        captured.saturating_add(extra),
    );
    if let Decoded::Tcp(p) = decode(&frame) {
        assert!(
            p.payload.len() <= bytes.len(),
            "the payload is longer than the frame"
        );
        // A small table: the engine reserves room for its whole table up front.
        let config = EngineConfig {
            max_flows: 8,
            ..EngineConfig::default()
        };
        run_checked(config, [p]);
    }
}

/// Engine target: one byte of settings, then packets of [`RECORD_LEN`] bytes (see
/// [`packets`]), fed in order with a snapshot now and then, the engine's invariants checked
/// at the end.
pub fn packet_sequence(data: &[u8]) {
    let Some((&settings, records)) = data.split_first() else {
        return;
    };
    let config = EngineConfig {
        max_flows: [8, 64, 250_000][usize::from(settings % 3)],
        keep_connections: settings & 0x08 != 0,
        syn_fin_rst_only: settings & 0x10 != 0,
        keep_incidents: true,
        ..EngineConfig::default()
    };
    run_checked(config, packets(records));
}

/// Feeds `packets` to an engine made with `config` (incidents kept, whatever it says),
/// checking [`check_invariants`] every 64 packets and at the end, and that every RST fed has
/// exactly one cause, the flow table is empty after the end, and (with `keep_connections`)
/// every connection counted was listed. Returns the final snapshot.
pub fn run_checked<'a>(
    mut config: EngineConfig,
    packets: impl IntoIterator<Item = TcpPacket<'a>>,
) -> Snapshot {
    config.keep_incidents = true;
    let (max_flows, keep_connections) = (config.max_flows, config.keep_connections);
    let mut engine = Engine::new(config);
    let (mut rst_incidents, mut rst_packets, mut connections) = (0u64, 0u64, 0u64);
    for (i, p) in packets.into_iter().enumerate() {
        engine.packet(&p);
        rst_packets += u64::from(p.flags.rst());
        rst_incidents += rst_incidents_in(&mut engine);
        connections += engine.drain_connections().count() as u64;
        if i % 64 == 63 {
            check_invariants(&engine.snapshot(), max_flows);
        }
    }
    engine.finish();
    rst_incidents += rst_incidents_in(&mut engine);
    connections += engine.drain_connections().count() as u64;
    let s = engine.snapshot();
    check_invariants(&s, max_flows);
    assert_eq!(s.live_flows, 0, "flows left after the end");
    assert_eq!(s.totals.rst_packets, rst_packets, "RSTs fed and counted");
    assert_eq!(
        rst_incidents, rst_packets,
        "every RST has exactly one cause"
    );
    assert!(s.totals.evicted <= s.totals.conn_states.iter().sum::<u64>());
    if keep_connections {
        let by_state: u64 = s.totals.conn_states.iter().sum();
        assert_eq!(connections, by_state, "connections listed and counted");
    }
    s
}

fn rst_incidents_in(engine: &mut Engine) -> u64 {
    engine
        .drain_incidents()
        .filter(|i| matches!(i.kind, IncidentKind::Rst { .. }))
        .count() as u64
}

/// What must hold of any snapshot, whatever the packets: every RST counted under one cause,
/// the per-second series summing to the totals, each offender's counts to its series, the flow
/// table within its cap.
pub fn check_invariants(s: &Snapshot, max_flows: usize) {
    let t = &s.totals;
    assert_eq!(
        t.rst_by_cause.iter().sum::<u64>(),
        t.rst_packets,
        "RSTs by cause sum to the RSTs"
    );
    assert!(
        t.failed_attempts <= t.attempts,
        "more failures than attempts"
    );
    assert!(s.live_flows <= max_flows.max(1), "flow table over its cap");
    for kind in s.scans.iter().map(|x| x.kind) {
        let held = s.scans.iter().filter(|x| x.kind.as_str() == kind.as_str());
        assert!(
            s.scans_found.of(kind) >= held.count() as u64,
            "fewer scans found than held"
        );
    }
    let mut rst = [0u64; 5];
    let (mut failed, mut suspect, mut late, mut dropped) = (0u64, 0u64, 0u64, 0u64);
    for (_, c) in &s.series {
        for (sum, n) in rst.iter_mut().zip(c.rst) {
            *sum += u64::from(n);
        }
        failed += u64::from(c.failed());
        suspect += u64::from(c.suspect);
        late += u64::from(c.late);
        dropped += u64::from(c.dropped);
    }
    assert_eq!(late, t.late_answers, "the series sums to the late answers");
    assert_eq!(dropped, t.dropped_packets, "the series sums to the drops");
    assert_eq!(rst, t.rst_by_cause, "the series sums to the RSTs by cause");
    assert_eq!(failed, t.failed_attempts, "the series sums to the failures");
    assert_eq!(
        suspect, t.suspect_injected,
        "the series sums to the suspects"
    );
    let windows = s.series.windows(2);
    assert!(
        windows.into_iter().all(|w| w[0].0 < w[1].0),
        "series in time order"
    );
    let mut offenders_rst = [0u64; 5];
    let mut offenders_failed = 0u64;
    for o in &s.offenders {
        let mut rst = [0u64; 5];
        let (mut failed, mut late) = (0u64, 0u64);
        for (_, c) in o.series.iter() {
            for (sum, n) in rst.iter_mut().zip(c.rst) {
                *sum += u64::from(n);
            }
            failed += u64::from(c.failed());
            late += u64::from(c.late);
        }
        if o.series_from.is_none() {
            assert_eq!(
                late,
                u64::from(o.resends.late),
                "an offender's series sums to its late answers"
            );
            assert_eq!(rst, o.rst_by_cause, "an offender's series sums to its RSTs");
            assert_eq!(
                failed, o.failed_attempts,
                "an offender's series sums to its failures"
            );
        } else {
            // Older entries dropped to bound memory: the series holds what came since.
            assert!(
                rst.iter().zip(o.rst_by_cause).all(|(s, n)| *s <= n),
                "a cut series holds at most the offender's RSTs"
            );
            assert!(
                failed <= o.failed_attempts,
                "a cut series holds at most the offender's failures"
            );
            assert!(
                late <= u64::from(o.resends.late),
                "a cut series holds at most the offender's late answers"
            );
        }
        for (sum, n) in offenders_rst.iter_mut().zip(o.rst_by_cause) {
            *sum += n;
        }
        offenders_failed += o.failed_attempts;
    }
    let other = &s.other_endpoints;
    for (sum, n) in offenders_rst.iter_mut().zip(other.rst_by_cause) {
        *sum += n;
    }
    assert_eq!(
        offenders_rst, t.rst_by_cause,
        "offenders and others sum to the RSTs"
    );
    assert_eq!(
        offenders_failed + other.failed_attempts,
        t.failed_attempts,
        "offenders and others sum to the failures"
    );
}

/// The packets of the engine target's input: [`RECORD_LEN`] bytes each (a shorter tail is
/// ignored):
///
/// | bytes | field |
/// |---|---|
/// | 0 | TCP flags, low 8 bits |
/// | 1 | bits 0-1 client, 2-3 server (of four addresses), 4 IPv6, 5 sent by the server, 6-7 time mode |
/// | 2-5 | client port, server port (big-endian) |
/// | 6-13 | sequence and acknowledgment numbers |
/// | 14-15 | window |
/// | 16 | TTL |
/// | 17-18 | IP ID (IPv4) |
/// | 19 | window scale (255: none) |
/// | 20-23 | payload length |
/// | 24-31 | time: mode 0 adds that many microseconds (signed) to the last time, mode 1 sets it in nanoseconds, mode 2 adds nanoseconds, mode 3 keeps it |
///
/// A RST carries the record's own bytes as payload, up to its payload length.
pub fn packets(records: &[u8]) -> impl Iterator<Item = TcpPacket<'_>> {
    let mut now = Timestamp::from_parts(1_700_000_000, 0);
    records
        .chunks_exact(RECORD_LEN)
        .zip(1u64..)
        .map(move |(r, frame)| {
            let u16_at = |i: usize| u16::from_be_bytes([r[i], r[i + 1]]);
            let u32_at = |i: usize| u32::from_be_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
            let time = i64::from_be_bytes([r[24], r[25], r[26], r[27], r[28], r[29], r[30], r[31]]);
            now = match r[1] >> 6 {
                0 => Timestamp(now.0.saturating_add(time.saturating_mul(1000))),
                1 => Timestamp(time),
                2 => Timestamp(now.0.saturating_add(time)),
                _ => now,
            };
            let v6 = r[1] & 0x10 != 0;
            let client = address(r[1] & 3, v6);
            let server = address((r[1] >> 2) & 3, v6);
            let (cport, sport) = (u16_at(2), u16_at(4));
            let from_server = r[1] & 0x20 != 0;
            let (src, dst, sp, dp) = if from_server {
                (server, client, sport, cport)
            } else {
                (client, server, cport, sport)
            };
            let flags = TcpFlags(u16::from(r[0]));
            let payload_len = u32_at(20);
            let payload = if flags.rst() {
                &r[..(payload_len as usize).min(RECORD_LEN)]
            } else {
                &[]
            };
            TcpPacket {
                ts: now,
                frame,
                interface: 0,
                src,
                dst,
                sport: sp,
                dport: dp,
                seq: u32_at(6),
                ack: u32_at(10),
                flags,
                window: u16_at(14),
                window_scale: (r[19] != 255).then_some(r[19]),
                payload_len,
                payload,
                ttl: r[16],
                ip_id: (!v6).then(|| u16_at(17)),
                overlay: crate::packet::Overlay::NONE,
            }
        })
}

fn address(index: u8, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::new(
            0xfd00,
            0,
            0,
            0,
            0,
            0,
            0,
            u16::from(index) + 1,
        ))
    } else {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, index + 1))
    }
}

/// The seeds a capture file gives the decoder and engine targets: each distinct
/// (link type, first 64 bytes) frame, up to `max_frames`, in the decoder's form; and the
/// file's first `max_packets` TCP packets in the engine's form. The four addresses of the
/// engine's form stand for the capture's first four client and server addresses (others
/// share the last).
pub fn seeds_from_capture(
    path: &Path,
    max_frames: usize,
    max_packets: usize,
) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut engine = vec![0u8];
    let Ok(mut source) = FileSource::open(&[path.to_path_buf()]) else {
        return (frames, engine);
    };
    let mut addresses: Vec<IpAddr> = Vec::new();
    let mut last: Option<Timestamp> = None;
    let mut packets = 0;
    while let Some(f) = source.next_frame() {
        let link = u16::try_from(f.link_type.0).unwrap_or(u16::MAX);
        let head = f.data.get(..64).unwrap_or(f.data);
        if frames.len() < max_frames && seen.insert((link, head.to_vec())) {
            let extra =
                u16::try_from(f.orig_len.saturating_sub(f.data.len() as u32)).unwrap_or(u16::MAX);
            let mut seed = Vec::with_capacity(4 + f.data.len());
            seed.extend_from_slice(&link.to_le_bytes());
            seed.extend_from_slice(&extra.to_le_bytes());
            seed.extend_from_slice(f.data);
            frames.push(seed);
        }
        let Decoded::Tcp(p) = decode(&f) else {
            continue;
        };
        if packets >= max_packets {
            continue;
        }
        packets += 1;
        engine.extend_from_slice(&record(&p, last, &mut addresses));
        last = Some(p.ts);
    }
    (frames, engine)
}

/// `p` in the engine target's form, its time relative to `last` (absolute for the first).
fn record(
    p: &TcpPacket<'_>,
    last: Option<Timestamp>,
    addresses: &mut Vec<IpAddr>,
) -> [u8; RECORD_LEN] {
    let mut index = |a: IpAddr| -> u8 {
        if let Some(i) = addresses.iter().position(|&x| x == a) {
            return (i as u8).min(3);
        }
        addresses.push(a);
        (addresses.len() as u8 - 1).min(3)
    };
    // The lower port is taken as the server's.
    let from_server = p.sport < p.dport;
    let (client, server, cport, sport) = if from_server {
        (p.dst, p.src, p.dport, p.sport)
    } else {
        (p.src, p.dst, p.sport, p.dport)
    };
    let (c, s) = (index(client), index(server));
    let (mode, time) = match last {
        Some(l) => (0u8, p.ts.0.saturating_sub(l.0) / 1000),
        None => (1u8, p.ts.0),
    };
    let mut r = [0u8; RECORD_LEN];
    r[0] = (p.flags.0 & 0xFF) as u8;
    r[1] = c
        | (s << 2)
        | (u8::from(p.src.is_ipv6()) << 4)
        | (u8::from(from_server) << 5)
        | (mode << 6);
    r[2..4].copy_from_slice(&cport.to_be_bytes());
    r[4..6].copy_from_slice(&sport.to_be_bytes());
    r[6..10].copy_from_slice(&p.seq.to_be_bytes());
    r[10..14].copy_from_slice(&p.ack.to_be_bytes());
    r[14..16].copy_from_slice(&p.window.to_be_bytes());
    r[16] = p.ttl;
    r[17..19].copy_from_slice(&p.ip_id.unwrap_or(0).to_be_bytes());
    r[19] = p.window_scale.unwrap_or(255);
    r[20..24].copy_from_slice(&p.payload_len.to_be_bytes());
    r[24..32].copy_from_slice(&time.to_be_bytes());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_becomes_seeds_that_replay_to_the_same_counts() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let (frames, engine) = seeds_from_capture(&sample, 1000, 1000);
        assert!(!frames.is_empty());
        assert_eq!((engine.len() - 1) % RECORD_LEN, 0);
        let mut e = Engine::new(EngineConfig::default());
        for p in packets(&engine[1..]) {
            e.packet(&p);
        }
        e.finish();
        let s = e.snapshot();
        assert_eq!(s.totals.rst_by_cause, [20, 0, 0, 0, 0]);
        assert_eq!(s.totals.failed_attempts, 20);
        packet_sequence(&engine);
        for f in &frames {
            frame(f);
        }
        capture_file(&std::fs::read(&sample).expect("sample"));
    }
}
