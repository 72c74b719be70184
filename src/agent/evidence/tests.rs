//! The ring on disk and the tap's choice of frames, on frames built here.

use std::path::PathBuf;

use super::*;
use crate::analysis::{self, Options};
use crate::decode::{Decoded, decode};
use crate::engine::Cause;
use crate::source::FileSource;

const CLIENT: [u8; 4] = [127, 0, 0, 1];
const SERVER: [u8; 4] = [127, 0, 0, 2];

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("rstscope-ring-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn interfaces() -> Vec<CapturedInterface> {
    vec![CapturedInterface {
        id: 0,
        name: "lo".into(),
        description: None,
        link_type: LinkType(1),
        snaplen: 262_144,
        index_names: Vec::new(),
    }]
}

/// An Ethernet frame with one TCP segment; `from_client` picks the direction.
fn tcp(from_client: bool, flags: &str, seq: u32, ack: u32, payload: usize) -> Vec<u8> {
    tcp_port(40000, from_client, flags, seq, ack, payload)
}

/// [`tcp`] from client port `port`.
fn tcp_port(
    port: u16,
    from_client: bool,
    flags: &str,
    seq: u32,
    ack: u32,
    payload: usize,
) -> Vec<u8> {
    let (src, dst, sport, dport) = if from_client {
        (CLIENT, SERVER, port, 7211)
    } else {
        (SERVER, CLIENT, 7211, port)
    };
    let mut b = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535);
    for f in flags.chars() {
        b = match f {
            'S' => b.syn(),
            'A' => b.ack(ack),
            'R' => b.rst(),
            'F' => b.fin(),
            'P' => b.psh(),
            _ => b,
        };
    }
    let mut out = Vec::new();
    b.write(&mut out, &vec![b'x'; payload]).expect("frame");
    out
}

/// Feeds frames (one per 10 ms) through the tap into a ring in `dir`; returns the ring.
fn tap_frames(dir: &Path, frames: &[Vec<u8>]) -> Arc<Mutex<EvidenceRing>> {
    let timed: Vec<(i64, Vec<u8>)> = (frames.iter().enumerate())
        .map(|(i, f)| (i as i64 * 10, f.clone()))
        .collect();
    tap_timed(dir, &timed)
}

/// [`tap_frames`], each frame at its time in milliseconds.
fn tap_timed(dir: &Path, frames: &[(i64, Vec<u8>)]) -> Arc<Mutex<EvidenceRing>> {
    let ring = Arc::new(Mutex::new(
        EvidenceRing::open(dir, MIN_BYTES).expect("ring"),
    ));
    let mut tap = EvidenceTap::new(Arc::clone(&ring));
    tap.start(&interfaces());
    for (i, (ms, data)) in frames.iter().enumerate() {
        let f = Frame {
            number: i as u64 + 1,
            ..frame_at(*ms, data)
        };
        match decode(&f) {
            Decoded::Tcp(p) => tap.frame(&f, Some(&p)),
            _ => tap.frame(&f, None),
        }
    }
    ring
}

/// The ring's frames, as a capture reader sees them.
fn read_back(ring: &Arc<Mutex<EvidenceRing>>) -> Vec<Vec<u8>> {
    read_back_timed(ring).into_iter().map(|(_, f)| f).collect()
}

/// [`read_back`] with each frame's time in milliseconds as [`tap_timed`] gives them.
fn read_back_timed(ring: &Arc<Mutex<EvidenceRing>>) -> Vec<(i64, Vec<u8>)> {
    let reader = ring.lock().expect("lock").reader().expect("reader");
    let mut src = FileSource::from_reader(PathBuf::from("ring"), reader).expect("a capture");
    let mut out = Vec::new();
    while let Some(f) = src.next_frame() {
        out.push((
            (f.ts.0 - 1_700_000_000_000_000_000) / 1_000_000,
            f.data.to_vec(),
        ));
    }
    assert!(src.problems().is_empty(), "{:?}", src.problems());
    out
}

/// Regression: a client port used again (a good connection, then 3 s
/// later a refused one from the same port) had the first connection's last segments written
/// as the refusal's context, after its SYN and 3 s out of time order, and an analysis of the
/// evidence counted 1 failed attempt of 3, 2 accepted, where the agent said 1 of 2.
#[test]
fn a_reused_client_port_s_reset_gets_no_segments_of_the_previous_connection() {
    let dir = TempDir::new("reuse");
    let frames = vec![
        (0, tcp(true, "S", 100, 0, 0)),
        (1, tcp(false, "SA", 500, 101, 0)),
        (2, tcp(true, "A", 101, 501, 0)),
        (3, tcp(true, "PA", 101, 501, 10)),
        (4, tcp(false, "A", 501, 111, 0)),
        (5, tcp(true, "FA", 111, 501, 0)),
        (6, tcp(false, "FA", 501, 112, 0)),
        (7, tcp(true, "A", 112, 502, 0)),
        (3000, tcp(true, "S", 9000, 0, 0)),
        (3001, tcp(false, "RA", 0, 9001, 0)),
    ];
    let ring = tap_timed(&dir.0, &frames);
    let kept = read_back_timed(&ring);
    let expected: Vec<(i64, Vec<u8>)> = [0, 1, 2, 5, 6, 8, 9]
        .iter()
        .map(|&i| frames[i].clone())
        .collect();
    assert_eq!(
        kept.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        expected.iter().map(|(t, _)| *t).collect::<Vec<_>>()
    );
    assert_eq!(kept, expected);
    let reader = ring.lock().expect("lock").reader().expect("reader");
    let a = analysis::analyze_source(
        FileSource::from_reader(PathBuf::from("ring"), reader).expect("capture"),
        Options::default(),
    );
    assert_eq!(a.snapshot.totals.failed_attempts, 1);
    assert_eq!(a.snapshot.totals.rst_by_cause[Cause::Refused.index()], 1);
    assert_eq!(a.snapshot.totals.rst_packets, 1);
}

/// A reset's context is older than frames of other connections chosen since; the file keeps
/// time order all the same.
#[test]
fn a_resets_context_goes_into_the_file_in_time_order() {
    let dir = TempDir::new("order");
    let frames = vec![
        (0, tcp(true, "S", 100, 0, 0)),
        (10, tcp(false, "SA", 500, 101, 0)),
        (20, tcp(true, "A", 101, 501, 0)),
        (30, tcp(true, "PA", 101, 501, 10)),
        // Another client refused meanwhile.
        (40, tcp_port(40001, true, "S", 7000, 0, 0)),
        (50, tcp_port(40001, false, "RA", 0, 7001, 0)),
        (60, tcp(false, "RA", 501, 111, 0)),
    ];
    let ring = tap_timed(&dir.0, &frames);
    let kept = read_back_timed(&ring);
    assert_eq!(kept, frames);
}

#[test]
fn an_aborted_connection_keeps_its_handshake_its_last_segments_and_the_reset() {
    let dir = TempDir::new("abort");
    let mut frames = vec![
        tcp(true, "S", 100, 0, 0),
        tcp(false, "SA", 500, 101, 0),
        tcp(true, "A", 101, 501, 0),
    ];
    for i in 0..6u32 {
        frames.push(tcp(true, "PA", 101 + 10 * i, 501, 10));
        frames.push(tcp(false, "A", 501, 111 + 10 * i, 0));
    }
    frames.push(tcp(false, "RA", 501, 161, 0));
    let ring = tap_frames(&dir.0, &frames);
    let kept = read_back(&ring);
    // SYN, SYN-ACK, the ACK that completes the handshake, the last three segments before the
    // RST, the RST.
    let expected: Vec<Vec<u8>> = [0, 1, 2, 12, 13, 14, 15]
        .iter()
        .map(|&i| frames[i].clone())
        .collect();
    assert_eq!(kept, expected);
}

#[test]
fn the_evidence_tells_the_same_causes_as_the_whole_capture() {
    let dir = TempDir::new("causes");
    let mut frames = vec![
        // Refused.
        tcp(true, "S", 100, 0, 0),
        tcp(false, "RA", 0, 101, 0),
        // Established, data, reset by the server: abort.
        tcp(true, "S", 1000, 0, 0),
        tcp(false, "SA", 5000, 1001, 0),
        tcp(true, "A", 1001, 5001, 0),
    ];
    for i in 0..20u32 {
        frames.push(tcp(true, "PA", 1001 + 10 * i, 5001, 10));
    }
    frames.push(tcp(false, "RA", 5001, 1201, 0));
    let ring = tap_frames(&dir.0, &frames);
    let reader = ring.lock().expect("lock").reader().expect("reader");
    let evidence = analysis::analyze_source(
        FileSource::from_reader(PathBuf::from("ring"), reader).expect("capture"),
        Options::default(),
    );
    let causes = evidence.snapshot.totals.rst_by_cause;
    assert_eq!(causes[Cause::Refused.index()], 1);
    assert_eq!(causes[Cause::Abort.index()], 1);
    assert_eq!(evidence.snapshot.totals.failed_attempts, 1);
    assert!(evidence.capture.frames < frames.len() as u64);
}

#[test]
fn the_ring_stays_under_its_cap_and_keeps_the_newest() {
    let dir = TempDir::new("cap");
    let ring = Arc::new(Mutex::new(
        EvidenceRing::open(&dir.0, MIN_BYTES).expect("ring"),
    ));
    let mut tap = EvidenceTap::new(Arc::clone(&ring));
    tap.start(&interfaces());
    // 20,000 refused SYNs with their RSTs: about 2.4 MB of frames for a 1 MiB cap.
    for i in 0..20_000u32 {
        for (j, data) in [tcp(true, "S", i, 0, 0), tcp(false, "RA", 0, i + 1, 0)]
            .iter()
            .enumerate()
        {
            let f = Frame::plain(
                Timestamp::from_parts(1_700_000_000 + i64::from(i / 100), 0),
                u64::from(i) * 2 + j as u64 + 1,
                LinkType(1),
                0,
                data,
                data.len() as u32,
            );
            let Decoded::Tcp(p) = decode(&f) else {
                panic!("tcp")
            };
            tap.frame(&f, Some(&p));
        }
    }
    let on_disk: u64 = fs::read_dir(&dir.0)
        .expect("dir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    assert!(on_disk <= MIN_BYTES, "{on_disk} bytes on disk");
    assert!(on_disk > MIN_BYTES / 2, "{on_disk} bytes on disk");
    let kept = read_back(&ring);
    let last = tcp(false, "RA", 0, 20_000, 0);
    assert_eq!(kept.last(), Some(&last), "the newest frame is there");
    assert!(kept.len() > 4000, "{} frames kept", kept.len());
    assert_eq!(ring.lock().expect("lock").stats().packets, 40_000);
}

#[test]
fn a_segment_cut_short_by_a_crash_is_trimmed_and_the_next_run_goes_on() {
    let dir = TempDir::new("crash");
    {
        let ring = tap_frames(
            &dir.0,
            &[tcp(true, "S", 1, 0, 0), tcp(false, "RA", 0, 2, 0)],
        );
        ring.lock().expect("lock").seal();
    }
    let first = dir.0.join("evidence-000000000000.pcapng");
    let len = fs::metadata(&first).expect("first segment").len();
    // Half a block more, as a crash in the middle of a write leaves.
    let mut f = OpenOptions::new().append(true).open(&first).expect("open");
    f.write_all(&[6, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3])
        .expect("write");
    drop(f);
    let ring = tap_frames(&dir.0, &[tcp(true, "S", 7, 0, 0)]);
    assert_eq!(fs::metadata(&first).expect("first").len(), len);
    // Read back (which writes the frame held back) before the new file is looked for.
    assert_eq!(read_back(&ring).len(), 3);
    assert!(dir.0.join("evidence-000000000001.pcapng").exists());
}

/// Regression (a trial of the 7211 story, the agent restarted with the same directory): the
/// earlier run's files are kept, but the evidence of this run (what its /report counts) is
/// read without them; asked for, with them, oldest first.
#[test]
fn an_earlier_run_s_files_are_kept_and_read_apart_from_this_run_s() {
    let dir = TempDir::new("earlier");
    {
        let ring = tap_frames(
            &dir.0,
            &[tcp(true, "S", 1, 0, 0), tcp(false, "RA", 0, 2, 0)],
        );
        ring.lock().expect("lock").seal();
    }
    let ring = tap_frames(
        &dir.0,
        &[tcp(true, "S", 7, 0, 0), tcp(false, "RA", 0, 8, 0)],
    );
    assert_eq!(ring.lock().expect("lock").earlier_kept().0, 1);
    let frames = |earlier: bool| {
        let reader = (ring.lock().expect("lock").reader_of(earlier)).expect("reader");
        let mut src = FileSource::from_reader(PathBuf::from("ring"), reader).expect("a capture");
        let mut n = 0;
        while src.next_frame().is_some() {
            n += 1;
        }
        n
    };
    assert_eq!(frames(false), 2, "this run's");
    assert_eq!(frames(true), 4, "both runs'");
}

#[test]
fn sizes_read_as_people_write_them() {
    assert_eq!(parse_size("256M"), Ok(256 << 20));
    assert_eq!(parse_size("1G"), Ok(1 << 30));
    assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
    assert_eq!(parse_size("4096"), Ok(4096));
    assert_eq!(parse_size("2T"), Ok(2 << 40));
    assert!(parse_size("0").is_err());
    assert!(parse_size("lots").is_err());
    assert!(parse_size("5 parsecs").is_err());
}

/// Regression: an agent started with `--syn-fin-rst` kept evidence that `rstscope analyze`
/// read as a capture of all TCP: the resets after a SYN-ACK (aborts in `/report`) came out as
/// handshake resets and failed attempts, as no final ACK was captured. The ring's interfaces
/// now carry the filter, and the evidence is analyzed as the agent analyzed it.
#[test]
fn a_syn_fin_rst_agent_s_evidence_is_analyzed_as_one() {
    let dir = TempDir::new("syn-fin-rst");
    let filter = crate::source::live::CaptureFilter::SynFinRst.bpf();
    let ring = Arc::new(Mutex::new(
        EvidenceRing::open(&dir.0, MIN_BYTES).expect("ring"),
    ));
    ring.lock().expect("lock").set_filter(Some(filter.clone()));
    ring.lock().expect("lock").set_interfaces(&interfaces());
    // A SYN, its SYN-ACK and the server's reset: what the filter lets through of a
    // connection aborted after its handshake.
    let frames = [
        tcp(true, "S", 100, 0, 0),
        tcp(false, "SA", 500, 101, 0),
        tcp(false, "RA", 501, 101, 0),
    ];
    for (i, data) in frames.iter().enumerate() {
        ring.lock().expect("lock").write(&Frame::plain(
            Timestamp::from_parts(1_700_000_000, (i as u32) * 10_000_000),
            i as u64 + 1,
            LinkType(1),
            0,
            data,
            data.len() as u32,
        ));
    }
    let reader = ring.lock().expect("lock").reader().expect("reader");
    let src = FileSource::from_reader(PathBuf::from("ring"), reader).expect("a capture");
    let a = analysis::analyze_source(src, Options::default());
    assert!(
        a.capture
            .warnings
            .iter()
            .any(|w| w.contains("SYN/FIN/RST-only")),
        "{:?}",
        a.capture.warnings
    );
    assert_eq!(a.snapshot.totals.rst_by_cause[Cause::Abort.index()], 1);
    assert_eq!(a.snapshot.totals.failed_attempts, 0);
}

/// Writes one frame straight to the ring, at `ms` milliseconds.
fn write_at(ring: &Arc<Mutex<EvidenceRing>>, ms: i64, data: &[u8]) {
    ring.lock().expect("lock").write(&frame_at(ms, data));
}

/// A frame of `data` at `ms` after the tests' time 0.
fn frame_at(ms: i64, data: &[u8]) -> Frame<'_> {
    Frame::plain(
        Timestamp(1_700_000_000_000_000_000 + ms * 1_000_000),
        1,
        LinkType(1),
        0,
        data,
        data.len() as u32,
    )
}

/// Regression: with the evidence directory removed while the agent ran, `/evidence` answered
/// 500 "No such file or directory" (no path, no remedy) for every endpoint, and no write
/// error was counted (the agent went on writing to its open, unlinked file), so the shipped
/// alert RstscopeAgentEvidenceNotWritten never fired.
#[test]
fn an_evidence_directory_removed_while_running_is_counted_made_again_and_used() {
    let dir = TempDir::new("removed");
    let ring = tap_frames(
        &dir.0,
        &[tcp(true, "S", 1, 0, 0), tcp(false, "RA", 0, 2, 0)],
    );
    assert_eq!(read_back(&ring).len(), 2);
    fs::remove_dir_all(&dir.0).expect("remove the directory");
    // Looking for evidence finds it out at once: nothing to read, and no error.
    let mut empty = Vec::new();
    (ring.lock().expect("lock").reader().expect("reader"))
        .read_to_end(&mut empty)
        .expect("read");
    assert!(empty.is_empty());
    let error = |ring: &Arc<Mutex<EvidenceRing>>| {
        let ring = ring.lock().expect("lock");
        (ring.stats().errors, ring.last_error().map(str::to_owned))
    };
    let (errors, said) = error(&ring);
    assert_eq!(errors, 1);
    let said = said.expect("a message");
    assert!(
        said.contains(&dir.0.display().to_string()) && said.contains("removed or moved"),
        "{said}"
    );
    assert!(dir.0.is_dir(), "made again");
    assert!(ring.lock().expect("lock").removed().is_some());
    // New evidence goes there.
    write_at(&ring, 100, &tcp(true, "S", 7, 0, 0));
    assert_eq!(read_back(&ring), vec![tcp(true, "S", 7, 0, 0)]);
    // Moved away while frames come: found within a second by the writes themselves.
    let moved = dir.0.with_extension("moved");
    let _ = fs::remove_dir_all(&moved);
    fs::rename(&dir.0, &moved).expect("move the directory");
    std::thread::sleep(CHECK_EVERY + Duration::from_millis(100));
    write_at(&ring, 200, &tcp(true, "S", 8, 0, 0));
    assert_eq!(error(&ring).0, 2);
    assert!(dir.0.is_dir(), "made again");
    let _ = fs::remove_dir_all(&moved);
}

/// Regression: a second agent given the directory of a running one started normally and
/// wrote its files beside the first's; the evidence then held packets twice (an analysis
/// counted 193 aborts where 174 happened).
#[test]
fn a_second_ring_in_the_same_directory_is_refused_naming_the_first_ones_pid() {
    let dir = TempDir::new("lock");
    let first = EvidenceRing::open(&dir.0, MIN_BYTES).expect("the first ring");
    let Err(e) = EvidenceRing::open(&dir.0, MIN_BYTES) else {
        panic!("a second ring opened in the same directory");
    };
    let said = e.to_string();
    assert!(
        said.contains("another rstscope agent")
            && said.contains(&format!("pid {}", std::process::id()))
            && said.contains("--evidence-dir"),
        "{said}"
    );
    drop(first);
    EvidenceRing::open(&dir.0, MIN_BYTES).expect("free again once the first is closed");
}

/// The pid is read without asking for a byte past the first `PID_BYTES`: on Windows the
/// first agent holds a mandatory lock past them, and a read whose range overlaps it fails. (The
/// lock itself is only enforced on real Windows: wine and Unix locks are advisory.)
#[test]
fn the_pid_is_read_without_reaching_the_locked_byte_past_it() {
    /// A lock file whose bytes from `locked_at` on are locked by another handle: a read asked
    /// for a range that reaches them fails, as ReadFile does on Windows.
    struct Locked {
        text: &'static [u8],
        pos: usize,
        locked_at: usize,
    }
    impl std::io::Read for Locked {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pos + buf.len() > self.locked_at {
                return Err(std::io::Error::other(
                    "the process cannot access the file because another process has locked a portion of the file",
                ));
            }
            let n = buf.len().min(self.text.len().saturating_sub(self.pos));
            buf[..n].copy_from_slice(&self.text[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let locked = |text| Locked {
        text,
        pos: 0,
        locked_at: usize::try_from(super::PID_BYTES).expect("small"),
    };
    assert_eq!(super::pid_in(locked(b"4242\r\n")), Some(4242));
    assert_eq!(super::pid_in(locked(b"4294967295\n")), Some(u32::MAX));
    assert_eq!(super::pid_in(locked(b"")), None, "no pid written yet");
}

/// Regression: evidence of a ring that had dropped its oldest files did not say it was
/// incomplete (an analysis of it: "refused all 4795 attempts", beside the agent's 8000
/// incidents).
#[test]
fn a_ring_that_dropped_old_files_says_its_evidence_is_incomplete() {
    let dir = TempDir::new("notes");
    let ring = Arc::new(Mutex::new(
        EvidenceRing::open(&dir.0, MIN_BYTES).expect("ring"),
    ));
    ring.lock().expect("lock").set_interfaces(&interfaces());
    let refusals = |from: u32, to: u32| {
        for i in from..to {
            write_at(&ring, i64::from(i) * 10, &tcp(true, "S", i, 0, 0));
            write_at(&ring, i64::from(i) * 10 + 1, &tcp(false, "RA", 0, i + 1, 0));
        }
    };
    refusals(0, 100);
    read_back(&ring);
    assert!(ring.lock().expect("lock").notes(None).is_empty());
    // About 2.4 MB of frames for a 1 MiB cap.
    refusals(100, 20_000);
    read_back(&ring);
    let ring = ring.lock().expect("lock");
    let notes = ring.notes(None);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("incomplete: the agent's evidence ring (--evidence-max 1.0 MiB) dropped its oldest files, with the evidence up to 2023-11-14"),
        "{}",
        notes[0]
    );
    // Evidence asked for after what was dropped is whole.
    assert!(ring.notes(Some(1_700_000_000 + 200)).is_empty());
}

/// Frames held back reach the disk when traffic stops: the agent's clock writes them.
#[test]
fn held_frames_are_written_when_the_clock_passes_them() {
    let dir = TempDir::new("tick");
    let ring = tap_frames(&dir.0, &[tcp(true, "S", 1, 0, 0)]);
    assert_eq!(ring.lock().expect("lock").stats().packets, 0, "held back");
    let t0 = Timestamp(1_700_000_000_000_000_000);
    ring.lock()
        .expect("lock")
        .tick(Timestamp(t0.0 + HOLD_NS / 2));
    assert_eq!(ring.lock().expect("lock").stats().packets, 0, "still held");
    ring.lock()
        .expect("lock")
        .tick(Timestamp(t0.0 + HOLD_NS + 1));
    assert_eq!(ring.lock().expect("lock").stats().packets, 1, "written");
}

/// Frames held back are bounded by their bytes as well as by their count: with `--snaplen
/// 65535`, 4,096 frames of 64 KiB (resets carrying data on loopback) were held, 268 MB. The
/// oldest go to the disk early instead, whole.
#[test]
fn frames_held_back_are_bounded_by_their_bytes() {
    let dir = TempDir::new("held-bytes");
    let frames: Vec<Vec<u8>> = (0..40u16)
        .map(|i| tcp_port(40_000 + i, false, "RA", 0, 1, 60_000))
        .collect();
    let ring = tap_frames(&dir.0, &frames);
    let r = ring.lock().expect("lock");
    assert!(r.held_bytes <= HOLD_BYTES, "{} bytes held", r.held_bytes);
    assert_eq!(
        r.held.len() as u64 + r.stats().packets,
        40,
        "every frame held or written"
    );
    assert!(
        r.stats().packets >= (40 - HOLD_BYTES / 60_000) as u64,
        "{} written early",
        r.stats().packets
    );
    drop(r);
    let back = read_back(&ring);
    assert!(
        !back.is_empty() && back.iter().all(|f| frames.contains(f)),
        "written whole"
    );
}

/// A connection's segments before its reset that come after newer frames were written (held
/// more than 10 s of packet time) are left out of the file, and counted for `/metrics`.
#[test]
fn context_older_than_what_was_written_is_left_out_and_counted() {
    let dir = TempDir::new("late");
    let ring = tap_frames(&dir.0, &[tcp(true, "S", 1, 0, 0)]);
    let t0 = Timestamp(1_700_000_000_000_000_000);
    ring.lock()
        .expect("lock")
        .tick(Timestamp(t0.0 + HOLD_NS + 1));
    assert_eq!(ring.lock().expect("lock").stats().packets, 1, "written");
    let late = tcp(true, "A", 2, 1, 10);
    let write_context = |ms: i64| {
        ring.lock()
            .expect("lock")
            .write_context(&frame_at(ms, &late));
    };
    // Before the written SYN: left out; after it: held, as any frame.
    write_context(-5);
    write_context(5);
    let stats = ring.lock().expect("lock").stats();
    assert_eq!(stats.late_context, 1);
    let e = crate::agent::metrics::Exposition {
        evidence_late_context: stats.late_context,
        ..Default::default()
    };
    let text = crate::agent::metrics::Format::Text.render(e);
    assert!(
        text.contains("rstscope_evidence_late_context_total 1"),
        "{text}"
    );
}

/// The mode of `path` (permission bits).
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// Regression (a trial as a Prometheus user): the evidence directory was made 0755 and its
/// files 0644, so any local user could read the packets of the host's connections. The
/// directory the ring makes is 0700, its files (evidence and lock) 0600, and an earlier run's
/// file left readable by others is made 0600 too; a directory that was there keeps its mode
/// (it may be a folder others share).
#[cfg(unix)]
#[test]
fn evidence_is_readable_by_the_agent_s_user_alone() {
    use std::os::unix::fs::PermissionsExt;
    let base = TempDir::new("modes");
    fs::create_dir_all(&base.0).expect("base");
    let dir = base.0.join("made").join("evidence");
    let ring = tap_frames(
        &dir,
        &[tcp(true, "S", 100, 0, 0), tcp(false, "RA", 0, 101, 0)],
    );
    ring.lock().expect("lock").seal();
    assert_eq!(mode(&dir), 0o700);
    // The directories above it stay passable: the user the agent becomes must get through.
    let ordinary = base.0.join("ordinary");
    fs::create_dir(&ordinary).expect("a directory made as any program makes one");
    assert_eq!(mode(&base.0.join("made")), mode(&ordinary));
    let files: Vec<PathBuf> = (fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path()))
    .collect();
    assert!(files.iter().any(|p| p.ends_with(LOCK_FILE)), "{files:?}");
    assert!(
        files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "pcapng")),
        "{files:?}"
    );
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    drop(ring);

    // A directory of an earlier run, readable by anyone, with its files.
    let shared = base.0.join("shared");
    fs::create_dir_all(&shared).expect("shared");
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).expect("chmod");
    let old = shared.join(format!("{PREFIX}{:012}{SUFFIX}", 0));
    let kept = dir.join(format!("{PREFIX}{:012}{SUFFIX}", 0));
    fs::copy(&kept, &old).expect("an earlier run's file");
    fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).expect("chmod");
    let ring = EvidenceRing::open(&shared, MIN_BYTES).expect("ring");
    assert_eq!(mode(&shared), 0o755);
    assert_eq!(mode(&old), 0o600);
    assert_eq!(mode(&shared.join(LOCK_FILE)), 0o600);
    drop(ring);
}

/// Regression: an interface made after the agent started (Linux's `any`, whose frames carry
/// the interface index they were seen on) was `ifN` in the evidence files, though the capture
/// had named it when it first met it. The current file names it in a comment of its next
/// frame of that interface, and later files in their interface blocks.
#[test]
fn an_interface_made_after_the_start_is_named_in_the_evidence() {
    let dir = TempDir::new("new-index");
    let ring = Arc::new(Mutex::new(
        EvidenceRing::open(&dir.0, MIN_BYTES).expect("ring"),
    ));
    let mut tap = EvidenceTap::new(Arc::clone(&ring));
    tap.start(&[CapturedInterface {
        id: 0,
        name: "any".into(),
        description: None,
        link_type: LinkType(276),
        snaplen: 262_144,
        index_names: vec![(1, "lo".into())],
    }]);
    // LINUX_SLL2: protocol, reserved, interface index, ARPHRD, packet type, address.
    let sll2 = |index: u32, ethernet: Vec<u8>| {
        let mut f = vec![0x08, 0x00, 0, 0];
        f.extend(index.to_be_bytes());
        f.extend([0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
        f.extend(&ethernet[14..]);
        f
    };
    let refused = |index: u32, port: u16| {
        [
            sll2(index, tcp_port(port, true, "S", 100, 0, 0)),
            sll2(index, tcp_port(port, false, "RA", 0, 101, 0)),
        ]
    };
    let mut ms = 0;
    let mut feed = |tap: &mut EvidenceTap, frames: [Vec<u8>; 2]| {
        for data in frames {
            let f = Frame {
                link_type: LinkType(276),
                ..frame_at(ms, &data)
            };
            ms += 10;
            match decode(&f) {
                Decoded::Tcp(p) => tap.frame(&f, Some(&p)),
                other => panic!("a TCP frame: {other:?}"),
            }
        }
    };
    feed(&mut tap, refused(1, 40000));
    tap.interface_named(0, 9, "veth9");
    feed(&mut tap, refused(9, 40001));
    // A later file: its interface block names both.
    ring.lock().expect("lock").seal();
    feed(&mut tap, refused(9, 40002));
    let reader = ring.lock().expect("lock").reader().expect("reader");
    let mut src = FileSource::from_reader(PathBuf::from("ring"), reader).expect("a capture");
    let mut seen = Vec::new();
    while let Some(f) = src.next_frame() {
        let index = u32::from_be_bytes(f.data[4..8].try_into().expect("index"));
        seen.push((f.interface, index));
    }
    assert!(src.problems().is_empty(), "{:?}", src.problems());
    assert_eq!(seen.len(), 6, "{seen:?}");
    for (interface, index) in seen {
        let names = &src.interfaces()[interface as usize].index_names;
        let name = names
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, n)| n.as_str());
        let expected = if index == 1 { "lo" } else { "veth9" };
        assert_eq!(
            name,
            Some(expected),
            "index {index} of interface {interface}"
        );
    }
}
