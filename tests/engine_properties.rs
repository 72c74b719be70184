//! Property tests of the engine's invariants on generated packet sequences (proptest): a few
//! flows between three clients and a server, each packet a SYN, SYN-ACK, ACK, data, FIN or RST
//! (or arbitrary flags) with sequence numbers near or far from the flow's own, at times that
//! mostly move forward a little, sometimes jump minutes ahead, sometimes go back (seconds or
//! minutes).
//!
//! - every RST has exactly one cause; counts by cause sum to the total; the per-second series
//!   sums to the totals; every offender's series to its counts (`fuzzing::run_checked`);
//! - evictions are counted and the flow table stays within its cap, and a cap changes no
//!   packet count;
//! - a capture split into several files, in pieces or by flow, gives the same result as the
//!   whole;
//! - packet time going backwards never loops or panics (each case runs under a deadline).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use rstscope::analysis::{self, Options};
use rstscope::engine::{EngineConfig, Snapshot};
use rstscope::fuzzing::run_checked;
use rstscope::packet::{TcpFlags, TcpPacket, Timestamp};

const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
const T0: i64 = 1_700_000_000 * Timestamp::NANOS_PER_SEC;

/// One generated packet.
#[derive(Debug, Clone, Copy)]
struct Ev {
    flow: u8,
    from_server: bool,
    kind: u8,
    seq_off: u32,
    ack_off: u32,
    len: u32,
    /// Milliseconds since the previous packet (negative: back in time).
    delta_ms: i64,
}

fn ev() -> impl Strategy<Value = Ev> {
    let delta = prop_oneof![
        8 => 0i64..1_500,
        1 => 10_000i64..400_000,
        1 => -20_000i64..0,
        1 => -900_000i64..-20_000,
    ];
    let offset = prop_oneof![4 => 0u32..3, 1 => 0u32..100_000, 1 => any::<u32>()];
    (
        0u8..6,
        any::<bool>(),
        0u8..11,
        offset.clone(),
        offset,
        prop_oneof![3 => Just(0u32), 1 => 1u32..1_500],
        delta,
    )
        .prop_map(
            |(flow, from_server, kind, seq_off, ack_off, len, delta_ms)| Ev {
                flow,
                from_server,
                kind,
                seq_off,
                ack_off,
                len,
                delta_ms,
            },
        )
}

/// The packets of `events`, with times that follow their deltas (or, `forward`, only move
/// forward: at least 1 µs apart, as files merged in time order need).
fn packets(events: &[Ev], forward: bool) -> Vec<TcpPacket<'static>> {
    let mut t = T0;
    let mut frame = 0u64;
    events
        .iter()
        .map(|e| {
            t = if forward {
                t + e.delta_ms.unsigned_abs() as i64 * 1_000_000 + 1_000
            } else {
                t + e.delta_ms * 1_000_000
            };
            frame += 1;
            let client = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1 + e.flow % 3));
            let cport = 40_000 + u16::from(e.flow / 3);
            let (client_isn, server_isn) = (
                1_000 * u32::from(e.flow + 1),
                50_000 * u32::from(e.flow + 1),
            );
            let (own, peer) = if e.from_server {
                (server_isn, client_isn)
            } else {
                (client_isn, server_isn)
            };
            let (mut flags, mut seq, mut ack, mut len) = match e.kind {
                0 => (TcpFlags::SYN, own, 0, 0),
                1 => (TcpFlags::SYN | TcpFlags::ACK, own, peer + 1, 0),
                2 => (TcpFlags::ACK, own + 1, peer + 1, 0),
                3 => (TcpFlags::PSH | TcpFlags::ACK, own + 1, peer + 1, e.len),
                4 => (TcpFlags::FIN | TcpFlags::ACK, own + 1, peer + 1, 0),
                5 => (TcpFlags::RST, own + 1, 0, 0),
                6 => (TcpFlags::RST | TcpFlags::ACK, 0, peer + 1, 0),
                7 => (TcpFlags::SYN, own ^ 0x5555, 0, 0),
                // The peer's own SYN, as a socket connected to itself (simultaneous open on
                // one port) shows: both SYNs carry one ISN.
                9 => (TcpFlags::SYN, peer, 0, 0),
                8 => (
                    TcpFlags::RST | TcpFlags::ACK,
                    own + 1,
                    peer + 1,
                    e.len.min(64),
                ),
                _ => ((e.seq_off & 0x1FF) as u16, own, peer, e.len),
            };
            seq = seq.wrapping_add(e.seq_off);
            ack = ack.wrapping_add(e.ack_off);
            if flags & TcpFlags::RST != 0 && e.kind != 8 {
                len = 0;
            }
            if flags & TcpFlags::SYN != 0 && e.kind < 10 {
                flags &= !TcpFlags::PSH;
            }
            let (src, dst, sport, dport) = if e.from_server {
                (SERVER, client, 80, cport)
            } else {
                (client, SERVER, cport, 80)
            };
            TcpPacket {
                ts: Timestamp(t),
                frame,
                interface: 0,
                src,
                dst,
                sport,
                dport,
                seq,
                ack,
                flags: TcpFlags(flags),
                window: 65_535,
                window_scale: None,
                payload_len: len,
                payload: &[],
                ttl: if e.seq_off % 7 == 3 { 40 } else { 64 },
                ip_id: Some((frame % 65_536) as u16),
                overlay: rstscope::packet::Overlay::NONE,
            }
        })
        .collect()
}

/// Runs `f` on a thread and fails if it takes more than 30 s: an endless loop is a failure.
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the engine did not finish within 30 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the engine panicked"),
    }
}

fn config(max_flows: usize) -> EngineConfig {
    EngineConfig {
        max_flows,
        keep_connections: true,
        ..EngineConfig::default()
    }
}

/// What must be the same between two analyses of the same packets.
fn counts(s: &Snapshot) -> impl PartialEq + std::fmt::Debug + use<> {
    let t = &s.totals;
    let states: Vec<u64> = t
        .conn_states
        .iter()
        .zip(s.live_conn_states)
        .map(|(a, b)| a + b)
        .collect();
    let offenders: Vec<_> = s
        .offenders
        .iter()
        .map(|o| {
            (
                o.addr,
                o.port,
                o.rst_by_cause,
                o.failed_attempts,
                o.attempts,
                o.incidents,
                o.peak_rate,
            )
        })
        .collect();
    (
        (
            t.tcp_packets,
            t.rst_packets,
            t.syn_packets,
            t.rst_by_cause,
            t.attempts,
        ),
        (t.failed_attempts, t.suspect_injected, states, t.evicted),
        s.series.clone(),
        offenders,
    )
}

/// A classic pcap (raw IPv4, link type 228) of `packets`.
fn pcap(packets: &[TcpPacket<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_3c4du32, 0x0004_0002, 0, 0, 65_535, 228] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for p in packets {
        let (IpAddr::V4(src), IpAddr::V4(dst)) = (p.src, p.dst) else {
            continue;
        };
        let mut f = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, p.ttl, 6, 0, 0];
        f.extend_from_slice(&src.octets());
        f.extend_from_slice(&dst.octets());
        f.extend_from_slice(&p.sport.to_be_bytes());
        f.extend_from_slice(&p.dport.to_be_bytes());
        f.extend_from_slice(&p.seq.to_be_bytes());
        f.extend_from_slice(&p.ack.to_be_bytes());
        f.extend_from_slice(&[0x50 | (p.flags.0 >> 8) as u8, p.flags.0 as u8]);
        f.extend_from_slice(&p.window.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.resize(f.len() + p.payload_len as usize, b'x');
        let total = f.len() as u16;
        f[2..4].copy_from_slice(&total.to_be_bytes());
        f[4..6].copy_from_slice(&p.ip_id.unwrap_or(0).to_be_bytes());
        let secs = p.ts.0.div_euclid(Timestamp::NANOS_PER_SEC) as u32;
        let nanos = p.ts.0.rem_euclid(Timestamp::NANOS_PER_SEC) as u32;
        for v in [secs, nanos, f.len() as u32, f.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&f);
    }
    out
}

/// `rstscope analyze` on the files, as the library runs it.
fn analyze(files: &[Vec<u8>], case: &str) -> Snapshot {
    let dir = std::env::temp_dir().join(format!("rstscope-props-{}-{case}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let paths: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let path = dir.join(format!("part-{i}.pcap"));
            std::fs::write(&path, bytes).expect("write");
            path
        })
        .collect();
    let a = analysis::analyze_files(&paths, Options::default()).expect("analyze");
    let _ = std::fs::remove_dir_all(&dir);
    a.snapshot
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Every RST has exactly one cause, counts by cause sum to the total, the series sums to
    /// the totals: with time going back and jumping ahead, never a loop or a panic.
    #[test]
    fn invariants_hold_whatever_the_packets_and_times(events in prop::collection::vec(ev(), 0..300)) {
        let p = packets(&events, false);
        within_deadline(move || run_checked(config(250_000), p));
    }

    /// A small flow table evicts, counts each eviction, stays within its cap, and changes no
    /// packet count.
    #[test]
    fn evictions_are_counted_and_change_no_packet_count(events in prop::collection::vec(ev(), 0..300)) {
        let p = packets(&events, false);
        let q = p.clone();
        let (small, whole) = within_deadline(move || (run_checked(config(2), p), run_checked(config(250_000), q)));
        let (s, w) = (&small.totals, &whole.totals);
        prop_assert_eq!((s.tcp_packets, s.rst_packets, s.syn_packets), (w.tcp_packets, w.rst_packets, w.syn_packets));
        prop_assert_eq!(s.rst_by_cause.iter().sum::<u64>(), w.rst_packets);
        prop_assert_eq!(w.evicted, 0);
        let flows: std::collections::HashSet<u8> = events.iter().map(|e| e.flow).collect();
        if flows.len() <= 2 {
            prop_assert_eq!(s.evicted, 0, "no more flows than the cap: nothing to evict");
        }
    }

    /// A capture split into several files gives the result of the whole: cut into pieces (as
    /// tcpdump -C rotates) or by flow (as two interfaces captured apart), merged in time order.
    #[test]
    fn a_capture_split_into_files_gives_the_same_result(
        events in prop::collection::vec(ev(), 1..200),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let p = packets(&events, true);
        let whole = analyze(&[pcap(&p)], "whole");
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(p.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for &to in at.iter().chain(std::iter::once(&p.len())) {
            pieces.push(pcap(&p[from..to.max(from)]));
            from = to.max(from);
        }
        prop_assert_eq!(counts(&analyze(&pieces, "pieces")), counts(&whole));
        let by_flow: Vec<Vec<u8>> = (0..2)
            .map(|k| {
                let mine: Vec<TcpPacket<'_>> = p
                    .iter()
                    .zip(&events)
                    .filter(|(_, e)| e.flow % 2 == k)
                    .map(|(p, _)| *p)
                    .collect();
                pcap(&mine)
            })
            .collect();
        prop_assert_eq!(counts(&analyze(&by_flow, "flows")), counts(&whole));
    }
}

/// Found by `invariants_hold_whatever_the_packets_and_times`: a client that answers its own
/// SYN with a SYN-ACK, then resets; the RST was charged to the attempt (whose server is the
/// one the SYN went to) but counted at the endpoint the connection's roles named (the
/// client's side), which never became an offender: a RST counted in the totals and shown
/// nowhere.
#[test]
fn a_rst_charged_to_an_attempt_at_another_endpoint_is_still_shown() {
    let e = |flow, kind, delta_ms| Ev {
        flow,
        from_server: false,
        kind,
        seq_off: 0,
        ack_off: 0,
        len: 0,
        delta_ms,
    };
    let events = [
        e(0, 0, 0),
        e(0, 0, -10_139),
        e(4, 7, 0),
        e(4, 1, 0),
        e(4, 5, 0),
    ];
    let s = run_checked(config(250_000), packets(&events, false));
    let shown: u64 = s.offenders.iter().map(|o| o.rst_packets).sum();
    assert_eq!(shown, 1);
}
