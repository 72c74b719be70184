//! Evidence on captures written here: which packets are kept, the connections behind them,
//! tcpdump's way of writing them, and the pcapng written back.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::engine::{Cause, ConnState};

const SERVER: [u8; 4] = [10, 0, 0, 2];
const CLIENT: [u8; 4] = [10, 0, 0, 1];
const OTHER: [u8; 4] = [10, 0, 0, 9];

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}

/// A TCP segment for the frame builders.
#[derive(Clone)]
struct Seg {
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    win: u16,
    options: Vec<u8>,
    payload: Vec<u8>,
}

fn seg(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, flags: u8, seq: u32, ack: u32) -> Seg {
    Seg {
        src,
        dst,
        sport,
        dport,
        flags,
        seq,
        ack,
        win: 65535,
        options: Vec::new(),
        payload: Vec::new(),
    }
}

const SYN: u8 = 0x02;
const RST_ACK: u8 = 0x14;
const SYN_ACK: u8 = 0x12;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;
const FIN_ACK: u8 = 0x11;

/// Ethernet + IPv4/IPv6 + TCP.
fn frame(s: &Seg) -> Vec<u8> {
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&s.sport.to_be_bytes());
    tcp.extend_from_slice(&s.dport.to_be_bytes());
    tcp.extend_from_slice(&s.seq.to_be_bytes());
    tcp.extend_from_slice(&s.ack.to_be_bytes());
    let hlen = 20 + s.options.len();
    assert_eq!(hlen % 4, 0);
    tcp.push(((hlen / 4) as u8) << 4);
    tcp.push(s.flags);
    tcp.extend_from_slice(&s.win.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0]);
    tcp.extend_from_slice(&s.options);
    tcp.extend_from_slice(&s.payload);
    let mut f = vec![0u8; 12];
    match (s.src, s.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            f.extend_from_slice(&[0x08, 0x00]);
            let len = (20 + tcp.len()) as u16;
            f.extend_from_slice(&[0x45, 0]);
            f.extend_from_slice(&len.to_be_bytes());
            f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0]);
            f.extend_from_slice(&src.octets());
            f.extend_from_slice(&dst.octets());
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            f.extend_from_slice(&[0x86, 0xdd]);
            f.extend_from_slice(&[0x60, 0, 0, 0]);
            f.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
            f.extend_from_slice(&[6, 64]);
            f.extend_from_slice(&src.octets());
            f.extend_from_slice(&dst.octets());
        }
        _ => panic!("mixed address families"),
    }
    f.extend_from_slice(&tcp);
    f
}

/// A microsecond pcap (Ethernet) of frames at the given times (seconds, microseconds).
fn pcap(frames: &[((u32, u32), Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for ((sec, usec), f) in frames {
        out.extend_from_slice(&sec.to_le_bytes());
        out.extend_from_slice(&usec.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rstscope-evidence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write capture");
    p
}

const T0: u32 = 1_700_000_000;

/// `n` refused attempts to 10.0.0.2:7211, one a second, with traffic of another endpoint
/// (10.0.0.9:80) between them.
fn refused_with_noise(n: u32) -> Vec<u8> {
    let mut frames = Vec::new();
    for i in 0..n {
        let isn = 1000 + i * 100;
        let cport = 40000 + i as u16;
        frames.push((
            (T0 + i, 0),
            frame(&seg(v4(CLIENT), cport, v4(SERVER), 7211, SYN, isn, 0)),
        ));
        frames.push((
            (T0 + i, 10),
            frame(&seg(v4(OTHER), 80, v4(CLIENT), 50000, ACK, 5, 6)),
        ));
        frames.push((
            (T0 + i, 20),
            frame(&seg(
                v4(SERVER),
                7211,
                v4(CLIENT),
                cport,
                RST_ACK,
                0,
                isn + 1,
            )),
        ));
    }
    pcap(&frames)
}

fn server() -> (IpAddr, u16) {
    (v4(SERVER), 7211)
}

#[test]
fn keeps_only_the_endpoints_packets_and_its_connections() {
    let f = temp_file("refused.pcap", &refused_with_noise(5));
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    assert_eq!(
        ev.endpoint,
        (server().0, server().1, crate::packet::Overlay::NONE)
    );
    assert_eq!(ev.packets.len(), 10);
    assert_eq!(ev.more, 0);
    assert!(
        ev.packets
            .iter()
            .all(|p| (p.src, p.sport) == server() || (p.dst, p.dport) == server())
    );
    // Frame numbers are the capture's, so they skip the other endpoint's frames.
    let frames: Vec<u64> = ev.packets.iter().map(|p| p.frame).collect();
    assert_eq!(frames, [1, 3, 4, 6, 7, 9, 10, 12, 13, 15]);
    assert!(!ev.packets[0].from_endpoint && ev.packets[1].from_endpoint);
    assert_eq!(ev.connections.len(), 5);
    assert!(ev.connections.iter().all(|c| c.state == ConnState::Rej
        && c.rst_cause == Some(Cause::Refused)
        && c.resp == server()));
    assert!(ev.connections.windows(2).all(|w| w[0].start <= w[1].start));
    let o = ev.offender.expect("the endpoint is an offender");
    assert_eq!((o.failed_refused, o.rst_packets), (5, 5));
    assert_eq!(ev.interfaces.len(), 1);
    assert!(ev.warnings.is_empty() && !ev.cancelled);
}

#[test]
fn max_packets_counts_the_rest_but_connections_cover_all_packets() {
    let f = temp_file("capped.pcap", &refused_with_noise(5));
    let ev = collect(&[f], server(), None, 3, None).expect("collect");
    assert_eq!(ev.packets.len(), 3);
    assert_eq!(ev.more, 7);
    assert_eq!(ev.connections.len(), 5);
    assert!(ev.connections.iter().all(|c| c.state == ConnState::Rej));
}

/// A connection's own packets, as Wireshark's "Follow TCP Stream" lists them: a refused SYN
/// retried from the same port is a connection per SYN, each with its SYN and its RST only.
#[test]
fn a_connections_packets_are_its_four_tuples_until_the_next_connection_of_it() {
    let mut frames = Vec::new();
    // Three tries from port 40000 with one ISN, half a second apart, each refused.
    for i in 0..3u32 {
        let t = (T0 + i / 2, (i % 2) * 500_000);
        frames.push((
            t,
            frame(&seg(v4(CLIENT), 40000, v4(SERVER), 7211, SYN, 77, 0)),
        ));
        frames.push((
            (t.0, t.1 + 20),
            frame(&seg(v4(SERVER), 7211, v4(CLIENT), 40000, RST_ACK, 0, 78)),
        ));
        // Another client's refusal in between.
        frames.push((
            (t.0, t.1 + 30),
            frame(&seg(
                v4(OTHER),
                41000 + i as u16,
                v4(SERVER),
                7211,
                SYN,
                9,
                0,
            )),
        ));
        frames.push((
            (t.0, t.1 + 40),
            frame(&seg(
                v4(SERVER),
                7211,
                v4(OTHER),
                41000 + i as u16,
                RST_ACK,
                0,
                10,
            )),
        ));
    }
    let f = temp_file("retried.pcap", &pcap(&frames));
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    assert_eq!(ev.connections.len(), 6);
    let of = |index: usize| -> Vec<u64> {
        connection_packets(&ev, index)
            .into_iter()
            .map(|i| ev.packets[i].frame)
            .collect()
    };
    let index_of = |first: u64| {
        ev.connections
            .iter()
            .position(|c| c.first_frame == first)
            .expect("a connection starts there")
    };
    assert_eq!(of(index_of(1)), [1, 2]);
    assert_eq!(
        of(index_of(5)),
        [5, 6],
        "the second try, not the first's packets"
    );
    assert_eq!(of(index_of(9)), [9, 10]);
    assert_eq!(of(index_of(11)), [11, 12], "the other client's third");
    assert!(of(99).is_empty());
}

#[test]
fn range_limits_packets_connections_and_offender_to_its_seconds() {
    let f = temp_file("range.pcap", &refused_with_noise(5));
    let range = Some((i64::from(T0) + 1, i64::from(T0) + 2));
    let ev = collect(&[f], server(), range, 100, None).expect("collect");
    assert_eq!(ev.packets.len(), 4);
    assert!(
        ev.packets
            .iter()
            .all(|p| range.is_some_and(|(a, b)| (a..=b).contains(&p.ts.second())))
    );
    assert_eq!(ev.connections.len(), 2);
    let o = ev.offender.expect("offender in range");
    assert_eq!(o.rst_packets, 2);
}

#[test]
fn an_endpoint_without_packets_gives_empty_evidence() {
    let f = temp_file("none.pcap", &refused_with_noise(2));
    let ev = collect(&[f], (v4(SERVER), 7212), None, 100, None).expect("collect");
    assert!(ev.packets.is_empty() && ev.connections.is_empty() && ev.offender.is_none());
}

#[test]
fn a_missing_file_is_an_error() {
    let err = collect(
        &[PathBuf::from("/nonexistent/x.pcap")],
        server(),
        None,
        10,
        None,
    );
    assert!(matches!(err, Err(SourceError::Io { .. })));
}

#[test]
fn cancel_stops_the_reading_with_a_warning() {
    // More frames than one check interval, so the flag is looked at.
    let attempts = (CHECK_EVERY / 3 + 10) as u32;
    let f = temp_file("cancel.pcap", &refused_with_noise(attempts));
    let cancel = AtomicBool::new(true);
    let ev = collect(&[f], server(), None, 100, Some(&cancel)).expect("collect");
    assert!(ev.cancelled);
    assert!(ev.warnings.iter().any(|w| w.contains("cancelled")));
    assert!(ev.packets.len() as u64 + ev.more < 2 * u64::from(attempts));
}

/// Regression: Ctrl+C on `zcat x.gz | rstscope analyze --endpoint ... -` ends the pipe as well,
/// inside a record, most often before the next check of the flag: the evidence said the capture
/// was cut short and not that it was cancelled (`tests/cli.rs`'s Ctrl+C test, every run with a
/// read buffer of 128 KiB). Input that ends with the flag set was cancelled, however few frames
/// came since the last check.
#[test]
fn input_ending_after_a_cancel_says_cancelled() {
    let attempts = (CHECK_EVERY / 30) as u32;
    let bytes = refused_with_noise(attempts);
    let f = temp_file("cancel-cut.pcap", &bytes[..bytes.len() - 7]);
    let cancel = AtomicBool::new(true);
    let ev = collect(&[f], server(), None, 100, Some(&cancel)).expect("collect");
    assert!(ev.cancelled);
    let frames = 3 * u64::from(attempts) - 1;
    let said = format!(
        "cancelled after {} frames; the evidence covers them only",
        crate::report::thousands(frames)
    );
    assert!(ev.warnings.contains(&said), "{:?}", ev.warnings);
}

/// Ctrl+C on `zcat x.gz | rstscope analyze --endpoint ... -` interrupts `zcat` too, whose
/// output then ends inside a record: the evidence said the capture was cut short before it
/// said it was cancelled. A pipe that ends after the cancel was cancelled; without the cancel
/// it was cut short.
#[test]
fn a_pipe_ending_inside_a_record_after_a_cancel_is_no_capture_cut_short() {
    let bytes = refused_with_noise((CHECK_EVERY / 30) as u32);
    for cancelled in [true, false] {
        let source = FileSource::from_reader(
            PathBuf::from("-"),
            Box::new(std::io::Cursor::new(bytes[..bytes.len() - 7].to_vec())),
        )
        .expect("opens");
        let cancel = AtomicBool::new(cancelled);
        let ev = collect_source_with(
            source,
            server(),
            None,
            100,
            Some(&cancel),
            Collect::default(),
        );
        let cut = ev.warnings.iter().any(|w| w.contains("cut short"));
        assert_eq!(
            (ev.cancelled, cut),
            (cancelled, !cancelled),
            "{:?}",
            ev.warnings
        );
    }
}

/// A window lists the connections as the reading finds them: every few thousand frames the
/// watcher is told the frames read, the part of the file read, and the connections kept so far,
/// which the evidence lists in the end (the ones found later after them).
#[test]
fn the_watcher_is_told_the_connections_found_as_the_reading_goes() {
    let attempts = (CHECK_EVERY + 10) as u32;
    let f = temp_file("watched.pcap", &refused_with_noise(attempts));
    let mut told: Vec<(u64, f64, Vec<ConnRecord>)> = Vec::new();
    let ev = collect_watched(
        &[f],
        server(),
        None,
        100,
        None,
        Collect::default(),
        &mut |r| told.push((r.frames, r.done, r.connections.to_vec())),
    )
    .expect("collect");
    assert!(told.len() >= 2, "told {} times", told.len());
    for pair in told.windows(2) {
        let ((f0, d0, c0), (f1, d1, c1)) = (&pair[0], &pair[1]);
        assert!(f1 > f0 && d1 >= d0, "the reading goes on");
        assert!(
            c1.starts_with(c0),
            "what was found is kept, the new after it"
        );
    }
    let (_, done, found) = told.last().expect("told");
    assert!(!found.is_empty() && *done > 0.0 && *done <= 1.0);
    for c in found {
        assert!(ev.connections.contains(c), "{c:?} is listed in the end");
    }
}

/// Regression: after the analysis was cancelled, the details read the whole capture for the
/// evidence: read to the analysis's frame count, the evidence holds what the results count
/// (here 5 attempts of 3 frames each: the 16th frame and after are left out).
#[test]
fn evidence_stops_at_the_frames_a_cancelled_analysis_read() {
    let f = temp_file("stopped.pcap", &refused_with_noise(10));
    let how = Collect {
        frames: Some(15),
        ..Collect::default()
    };
    let ev = collect_with(&[f], server(), None, 100, None, how).expect("collect");
    assert!(ev.cancelled);
    assert_eq!(
        ev.connections.len(),
        5,
        "the REJ connections of the frames read"
    );
    assert_eq!(ev.packets.len(), 10);
    assert_eq!(ev.offender.as_ref().map(|o| o.failed_attempts), Some(5));
    assert_eq!(
        ev.warnings,
        [
            "the reading was cancelled after 15 frames; the evidence covers them only, as the \
          results do"
        ]
    );
}

fn only_packets(frames: &[((u32, u32), Vec<u8>)], name: &str, ep: (IpAddr, u16)) -> Evidence {
    let f = temp_file(name, &pcap(frames));
    collect(&[f], ep, None, 1000, None).expect("collect")
}

fn lines(ev: &Evidence) -> Vec<String> {
    ev.packets
        .iter()
        .map(|p| tcpdump_line(p, Clock::Utc))
        .collect()
}

#[test]
fn tcpdump_lines_of_a_refusal() {
    let mut syn = seg(v4(CLIENT), 40000, v4(SERVER), 7211, SYN, 3_134_553_372, 0);
    syn.win = 65495;
    syn.options = vec![
        2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0x33, 0xcd, 0x41, 0x94, 0, 0, 0, 0, 1, 3, 3, 10,
    ];
    let mut rst = seg(
        v4(SERVER),
        7211,
        v4(CLIENT),
        40000,
        RST_ACK,
        0,
        3_134_553_373,
    );
    rst.win = 0;
    let ev = only_packets(
        &[((T0, 250_341), frame(&syn)), ((T0, 250_354), frame(&rst))],
        "lines.pcap",
        server(),
    );
    assert_eq!(
        lines(&ev),
        [
            "22:13:20.250341 IP 10.0.0.1.40000 > 10.0.0.2.7211: Flags [S], seq 3134553372, win 65495, \
             options [mss 65495,sackOK,TS val 869089684 ecr 0,nop,wscale 10], length 0",
            "22:13:20.250354 IP 10.0.0.2.7211 > 10.0.0.1.40000: Flags [R.], seq 0, ack 3134553373, win 0, length 0",
        ]
    );
}

/// The evidence of a SYN, the same SYN sent again with other options (a packet of its own
/// to the reader: not the same frame twice, which counts once; the tests mark it a copy) and
/// the RST/ACK refusing it, 1 µs apart, read from a file named `file`.
fn syn_again_and_refused(file: &str) -> Evidence {
    let syn = seg(v4(CLIENT), 40000, v4(SERVER), 7211, SYN, 1000, 0);
    let mut again = syn.clone();
    again.options = vec![1, 1, 1, 1];
    let rst = seg(v4(SERVER), 7211, v4(CLIENT), 40000, RST_ACK, 0, 1001);
    only_packets(
        &[
            ((T0, 1), frame(&syn)),
            ((T0, 2), frame(&again)),
            ((T0, 3), frame(&rst)),
        ],
        file,
        server(),
    )
}

/// A capture with copies of packets (a pktmon trace) says where each packet was recorded in a
/// column after its time, and marks the further copies there: not at the end of the line,
/// out of view beyond the TCP options. Names cut for the window keep their start and end.
#[test]
fn where_a_copy_was_recorded_is_a_column_after_the_time() {
    let mut ev = syn_again_and_refused("copies.pcap");
    let line = |ev: &Evidence, at: Option<&RecordedAt>| -> Vec<String> {
        ev.packets
            .iter()
            .map(|p| packet_line(p, Clock::Utc, at, LineDate::None))
            .map(|l| l.split(" IP ").next().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(
        RecordedAt::new(&ev, None).is_none(),
        "a capture without copies has no such column"
    );
    ev.copies.by_packet_id = 1;
    let mut nic = ev.interfaces[0].clone();
    nic.name = Some("WFP Native MAC Layer LightWeight Filter-0000".to_owned());
    ev.interfaces[0].name = Some("TCPIP".to_owned());
    ev.interfaces.push(nic);
    ev.packets[1].interface = 1;
    ev.packets[1].copy = true;
    assert_eq!(
        line(&ev, RecordedAt::new(&ev, None).as_ref()),
        [
            format!("22:13:20.000001 TCPIP{}     ", " ".repeat(39)),
            "22:13:20.000002 WFP Native MAC Layer LightWeight Filter-0000 copy".to_owned(),
            format!("22:13:20.000003 TCPIP{}     ", " ".repeat(39)),
        ]
    );
    assert_eq!(
        line(&ev, RecordedAt::new(&ev, Some(16)).as_ref()),
        [
            "22:13:20.000001 TCPIP                ",
            "22:13:20.000002 WFP Nati…er-0000 copy",
            "22:13:20.000003 TCPIP                ",
        ]
    );
    // Without the copy listed (one line a packet), no room is kept for the mark.
    ev.packets.remove(1);
    assert_eq!(
        line(&ev, RecordedAt::new(&ev, None).as_ref()),
        ["22:13:20.000001 TCPIP", "22:13:20.000003 TCPIP"]
    );
    assert!(
        packet_line(
            &ev.packets[1],
            Clock::Utc,
            RecordedAt::new(&ev, None).as_ref(),
            LineDate::None
        )
        .starts_with("22:13:20.000003 TCPIP IP 10.0.0.2.7211 > 10.0.0.1.40000: Flags [R.]")
    );
}

/// Regression (real-window trial): a pcapng of one interface without a name, holding the
/// same frame twice, began every packet line with "interface 0", which named nothing the
/// capture tells apart. The column keeps the marks alone; a named interface is named.
#[test]
fn copies_on_a_lone_unnamed_interface_are_marked_without_a_name() {
    let mut ev = syn_again_and_refused("repeats.pcapng");
    ev.copies.repeated = 1;
    ev.packets[1].copy = true;
    let lines = |ev: &Evidence| -> Vec<String> {
        let at = RecordedAt::new(ev, None);
        ev.packets
            .iter()
            .map(|p| packet_line(p, Clock::Utc, at.as_ref(), LineDate::None))
            .map(|l| l.split(" IP ").next().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        lines(&ev),
        [
            "22:13:20.000001     ",
            "22:13:20.000002 copy",
            "22:13:20.000003     "
        ]
    );
    let at = RecordedAt::new(&ev, None).expect("a column for the copy");
    assert_eq!(
        at.whole_name(&ev, &ev.packets[1]),
        "the capture's one interface"
    );
    // Without the copy listed, the lines are tcpdump's alone.
    ev.packets.remove(1);
    assert_eq!(lines(&ev), ["22:13:20.000001", "22:13:20.000003"]);
    // An interface named in the file is named.
    ev.packets.insert(1, ev.packets[0].clone());
    ev.packets[1].copy = true;
    ev.interfaces[0].name = Some("eth0".to_owned());
    assert_eq!(
        lines(&ev),
        [
            "22:13:20.000001 eth0     ",
            "22:13:20.000001 eth0 copy",
            "22:13:20.000003 eth0     "
        ]
    );
}

/// Regression (real-window trial, zeek's ldap pcapng files): a file declaring 126 interfaces,
/// one of which gave every frame, began each packet line with "interface 48": nothing to tell
/// apart. Two interfaces that both gave frames are named.
#[test]
fn interfaces_that_gave_no_frame_make_no_column() {
    let syn = seg(v4(CLIENT), 40000, v4(SERVER), 7211, SYN, 1000, 0);
    let rst = seg(v4(SERVER), 7211, v4(CLIENT), 40000, RST_ACK, 0, 1001);
    let mut ev = only_packets(
        &[((T0, 1), frame(&syn)), ((T0, 3), frame(&rst))],
        "declared.pcapng",
        server(),
    );
    let mut idle = ev.interfaces[0].clone();
    idle.id = 1;
    idle.frames = 0;
    idle.name = Some("wlan0".to_owned());
    ev.interfaces.push(idle);
    assert!(RecordedAt::new(&ev, None).is_none());
    ev.interfaces[1].frames = 1;
    ev.packets[1].interface = 1;
    let at = RecordedAt::new(&ev, None);
    assert_eq!(
        packet_line(&ev.packets[1], Clock::Utc, at.as_ref(), LineDate::None)
            .split(" IP ")
            .next()
            .map(str::trim_end),
        Some("22:13:20.000003 wlan0")
    );
}

#[test]
fn tcpdump_relative_sequence_numbers_over_a_connection() {
    let c = (v4(CLIENT), 40000);
    let s = server();
    let mut data = seg(c.0, c.1, s.0, s.1, PSH_ACK, 101, 501);
    data.payload = b"hello".to_vec();
    let mut reply = seg(s.0, s.1, c.0, c.1, PSH_ACK, 501, 106);
    reply.payload = b"hi!".to_vec();
    let mut sack = seg(c.0, c.1, s.0, s.1, ACK, 106, 504);
    sack.options = vec![1, 1, 5, 10, 0, 0, 0x01, 0xf8, 0, 0, 0x02, 0x00];
    let ev = only_packets(
        &[
            ((T0, 0), frame(&seg(c.0, c.1, s.0, s.1, SYN, 100, 0))),
            ((T0, 1), frame(&seg(s.0, s.1, c.0, c.1, SYN_ACK, 500, 101))),
            ((T0, 2), frame(&seg(c.0, c.1, s.0, s.1, ACK, 101, 501))),
            ((T0, 3), frame(&data)),
            ((T0, 4), frame(&reply)),
            ((T0, 5), frame(&sack)),
            ((T0, 6), frame(&seg(c.0, c.1, s.0, s.1, FIN_ACK, 106, 504))),
        ],
        "relative.pcap",
        s,
    );
    let got: Vec<String> = lines(&ev)
        .iter()
        .map(|l| {
            l.split_once(": ")
                .map(|(_, r)| r.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        got,
        [
            "Flags [S], seq 100, win 65535, length 0",
            "Flags [S.], seq 500, ack 101, win 65535, length 0",
            "Flags [.], ack 1, win 65535, length 0",
            "Flags [P.], seq 1:6, ack 1, win 65535, length 5",
            "Flags [P.], seq 1:4, ack 6, win 65535, length 3",
            "Flags [.], ack 4, win 65535, options [nop,nop,sack 1 {4:12}], length 0",
            "Flags [F.], seq 6, ack 4, win 65535, length 0",
        ]
    );
    assert_eq!(ev.connections.len(), 1);
}

#[test]
fn tcpdump_line_of_ipv6() {
    let a: IpAddr = "2001:db8::1".parse().expect("v6");
    let b = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let ev = only_packets(
        &[((T0, 7), frame(&seg(a, 5555, b, 443, SYN, 1, 0)))],
        "v6.pcap",
        (b, 443),
    );
    assert_eq!(
        lines(&ev),
        ["22:13:20.000007 IP6 2001:db8::1.5555 > ::1.443: Flags [S], seq 1, win 65535, length 0"]
    );
}

#[test]
fn flag_letters_follow_tcpdump() {
    let cases = [
        (TcpFlags::SYN, "S"),
        (TcpFlags::SYN | TcpFlags::ACK, "S."),
        (TcpFlags::RST | TcpFlags::ACK, "R."),
        (TcpFlags::RST, "R"),
        (TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK, "FP."),
        (TcpFlags::ACK, "."),
        (TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR, "SEW"),
        // The AE (ex-NS) bit is not shown, as by tcpdump 4.99 (zeek/tcp/rst-inject-rae.pcap).
        (TcpFlags::RST | TcpFlags::ACK | TcpFlags::NS, "R."),
        (0, "none"),
    ];
    for (bits, want) in cases {
        assert_eq!(flag_letters(TcpFlags(bits)), want, "{bits:#x}");
    }
}

#[test]
fn options_as_tcpdump_names_them() {
    let mut s = String::new();
    options(
        &mut s,
        &[2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 30, 3, 0xaa, 0],
        0,
    );
    assert_eq!(s, "mss 1460,nop,wscale 7,sackOK,mptcp 0xaa,eol");
    let mut bad = String::new();
    options(&mut bad, &[2, 9, 1], 0);
    assert_eq!(bad, "[bad opt]");
}

#[test]
fn pcapng_round_trips_frames_times_and_link_types() {
    let f = temp_file("roundtrip.pcap", &refused_with_noise(3));
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    let out = temp_file("roundtrip.pcapng", &bytes);
    let mut src = FileSource::open(std::slice::from_ref(&out)).expect("open written file");
    let mut n = 0;
    while let Some(fr) = src.next_frame() {
        let p = &ev.packets[n];
        assert_eq!(fr.data, &p.data[..]);
        assert_eq!(fr.ts, p.ts);
        assert_eq!(fr.link_type, p.link_type);
        assert_eq!(fr.orig_len, p.orig_len);
        n += 1;
    }
    assert_eq!(n, ev.packets.len());
    assert!(src.problems().is_empty(), "{:?}", src.problems());
    // And rstscope's evidence of the written file is the same.
    let again = collect(&[out], server(), None, 100, None).expect("collect again");
    assert_eq!(lines(&again), lines(&ev));
    assert_eq!(again.connections.len(), ev.connections.len());
}

/// Saved packets end where their capture had got to, read back as the capture's end: up to a
/// day after the last saved packet, where an analysis still takes it (a capture that went on
/// for days after the endpoint's last packet wrote an end the reader rejected). Their file's
/// own time (its statistics blocks) is theirs, first to last: regression (real-window trial),
/// the saved packets of 1.1 s of pop3.pcap reopened as "3 min", to the original's end.
#[test]
fn saved_packets_end_where_the_capture_did_within_a_day() {
    let f = temp_file("span.pcap", &refused_with_noise(3));
    let mut ev = collect(&[f], server(), None, 100, None).expect("collect");
    let last = ev.packets.iter().map(|p| p.ts).max().expect("packets");
    let day = 24 * 3600 * Timestamp::NANOS_PER_SEC;
    for (after, read_back) in [
        (90 * Timestamp::NANOS_PER_SEC, 90 * Timestamp::NANOS_PER_SEC),
        (3 * day, day),
    ] {
        ev.capture_end = Some(Timestamp(last.0 + after));
        let mut bytes = Vec::new();
        write_pcapng_to(&mut bytes, &ev).expect("write");
        let out = temp_file("span.pcapng", &bytes);
        let mut src = FileSource::open(&[out]).expect("open written file");
        while src.next_frame().is_some() {}
        assert_eq!(
            recorded::capture_end(src.recorded_host()),
            Some(Timestamp(last.0 + read_back)),
            "{after} ns after"
        );
        let recorded = recorded_time(src.files()).expect("the saved file's time is taken");
        let first = ev.packets.iter().map(|p| p.ts).min().expect("packets");
        assert_eq!(
            (recorded.start, recorded.end),
            (first, last),
            "its own time"
        );
    }
}

/// Saved packets keep their interface's names and, from a file that records nanoseconds,
/// their nanoseconds (`if_tsresol` 9); from one that records microseconds, its
/// microseconds (6), which its times are.
#[test]
fn pcapng_keeps_interface_names_and_a_nanosecond_files_nanoseconds() {
    let f = temp_file("ns.pcap", &refused_with_noise(1));
    let mut ev = collect(&[f], server(), None, 100, None).expect("collect");
    let us = ev.clone();
    ev.interfaces[0].name = Some("lo".into());
    ev.interfaces[0].description = Some("Loopback ループバック".into());
    // As a nanosecond file's interface.
    ev.interfaces[0].set_tsresol(9);
    ev.packets[1].ts = Timestamp(ev.packets[1].ts.0 + 123);
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    let out = temp_file("ns.pcapng", &bytes);
    let mut src = FileSource::open(&[out]).expect("open");
    let mut times = Vec::new();
    while let Some(fr) = src.next_frame() {
        times.push(fr.ts);
    }
    assert_eq!(times, [ev.packets[0].ts, ev.packets[1].ts]);
    let i = &src.interfaces()[0];
    assert_eq!(i.name.as_deref(), Some("lo"));
    assert_eq!(i.description.as_deref(), Some("Loopback ループバック"));
    assert_eq!((i.tsresol, i.time_digits), (9, 9));
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &us).expect("write");
    let mut src = FileSource::open(&[temp_file("us.pcapng", &bytes)]).expect("open");
    while src.next_frame().is_some() {}
    let i = &src.interfaces()[0];
    assert_eq!((i.tsresol, i.time_digits), (6, 6), "a microsecond file's");
}

#[test]
fn pcapng_of_no_packets_is_a_valid_empty_capture() {
    let ev = Evidence::new((server().0, server().1, crate::packet::Overlay::NONE));
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    let out = temp_file("empty.pcapng", &bytes);
    let mut src = FileSource::open(&[out]).expect("open");
    assert!(src.next_frame().is_none());
    assert!(src.problems().is_empty());
}

/// Regression: the details of a time range gave where an endpoint's counts start in Unix time
/// ("start at 1795784918 (Unix time)"), beside a table and plot in the app's clock. They give
/// the date and time in the reader's clock, with the zone.
#[test]
fn where_a_ranges_counts_start_is_told_in_the_readers_clock() {
    let mut ev = Evidence::new((
        "127.0.0.1".parse().expect("address"),
        7211,
        crate::packet::Overlay::NONE,
    ));
    assert!(ev.warnings_in(Clock::Utc).is_empty());
    let since = Timestamp::from_parts(1_795_784_918, 0);
    ev.counted_from = Some(since);
    for clock in [Clock::Utc, Clock::Local] {
        let [w] = &ev.warnings_in(clock)[..] else {
            panic!("one warning");
        };
        assert!(
            w.contains(&format!(
                "counts in the range start at {} ({}):",
                clock.date_time(since),
                clock.zone(since)
            )),
            "{clock:?}: {w}"
        );
    }
    assert!(
        ev.warnings_in(Clock::Utc)[0].contains("start at 2026-11-27 13:08:38 (UTC)"),
        "{:?}",
        ev.warnings_in(Clock::Utc)
    );
}

/// What a written capture's frame says of its packet: (process name, effective process name,
/// direction, comments, Apple's block numbers).
type Said = (
    Option<String>,
    Option<String>,
    Option<crate::source::Direction>,
    Vec<Vec<u8>>,
    (Option<u32>, Option<u32>),
);

fn said(bytes: Vec<u8>) -> (Vec<Said>, usize) {
    // Apple's blocks in the file (little-endian, as rstscope writes it).
    let mut blocks = 0;
    let mut at = 0;
    while let Some(head) = bytes.get(at..at + 8) {
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        blocks += usize::from(word(0) == crate::source::pcapng::DPEB);
        at += word(4).max(12) as usize;
    }
    let mut src =
        FileSource::from_reader("said.pcapng".into(), Box::new(std::io::Cursor::new(bytes)))
            .expect("opens");
    let mut frames = Vec::new();
    while let Some(f) = src.next_frame() {
        let comments = f
            .options
            .iter()
            .filter(|(code, _)| *code == option::COMMENT)
            .map(|(_, v)| v.to_vec())
            .collect();
        let block = |code| {
            f.options
                .iter()
                .find(|(c, _)| *c == code)
                .and_then(|(_, v)| f.options.word(v))
        };
        let numbers = (block(option::EPB_PIB_INDEX), block(option::EPB_E_PIB_INDEX));
        frames.push((
            f.direction,
            f.process,
            f.effective_process,
            comments,
            numbers,
        ));
    }
    assert!(src.problems().is_empty(), "{:?}", src.problems());
    let name = |i: Option<u32>| {
        i.and_then(|i| src.processes().get(i as usize))
            .and_then(|p| p.name.clone())
    };
    let said = frames
        .into_iter()
        .map(|(direction, process, effective, comments, numbers)| {
            (name(process), name(effective), direction, comments, numbers)
        })
        .collect();
    (said, blocks)
}

/// Regression: the packets saved lost what the capture said of each (Apple's process blocks
/// and the packet options that refer to them, comments such as ptcpdump's, `epb_flags`), so
/// the saved file named no program. They keep it: the blocks the saved packets refer to, each
/// once, numbered again for the file; every comment of a packet, as written.
#[test]
fn saved_packets_keep_the_process_blocks_comments_and_flags_the_capture_gave_them() {
    let mut w = PcapngWriter::new(Vec::new(), None).expect("header");
    let eth = w
        .add_interface(LinkType(1), 0, Some("en0"), None)
        .expect("idb");
    let block = |w: &mut PcapngWriter<Vec<u8>>, pid, name| {
        w.write_process_block(&ProcessBlock {
            pid: Some(pid),
            name: Some(name),
            path: None,
            uuid: None,
        })
        .expect("block")
    };
    let other = block(&mut w, 1, "launchd");
    let curl = block(&mut w, 4242, "curl");
    let safari = block(&mut w, 77, "Safari");
    let ptcpdump = [
        b"PID: 3001\nCmd: /usr/bin/python3\nArgs: python3 client.py".to_vec(),
        b"ThreadId: 3003\nThreadName: worker".to_vec(),
    ];
    let ts = |us: u32| Timestamp::from_parts(i64::from(T0), us * 1000);
    let syn = frame(&seg(v4(CLIENT), 40000, v4(SERVER), 7211, SYN, 1000, 0));
    let noise = frame(&seg(v4(OTHER), 80, v4(CLIENT), 50000, ACK, 5, 6));
    let rst = frame(&seg(v4(SERVER), 7211, v4(CLIENT), 40000, RST_ACK, 0, 1001));
    let packets: [(&[u8], PacketNotes<'_>); 3] = [
        (
            &syn,
            PacketNotes {
                flags: Some(0b10),
                process: Some(curl),
                effective_process: Some(safari),
                service_class: Some(0),
                ..PacketNotes::default()
            },
        ),
        (
            &noise,
            PacketNotes {
                flags: Some(0b01),
                process: Some(other),
                ..PacketNotes::default()
            },
        ),
        (
            &rst,
            PacketNotes {
                comments: &ptcpdump,
                flags: Some(0b01),
                process: Some(curl),
                ..PacketNotes::default()
            },
        ),
    ];
    for (i, (data, notes)) in packets.iter().enumerate() {
        w.write_packet_with(eth, ts(i as u32 * 10), data, data.len() as u32, notes)
            .expect("packet");
    }
    let capture = w.finish(&[]).expect("finish");
    let (original, _) = said(capture.clone());

    let f = temp_file("apple-and-comments.pcapng", &capture);
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    assert_eq!(ev.packets.len(), 2);
    let names: Vec<_> = ev.processes.iter().map(|p| p.name.as_deref()).collect();
    assert_eq!(
        names,
        [Some("curl"), Some("Safari")],
        "launchd's packet is not the endpoint's"
    );
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    let (saved, blocks) = said(bytes);
    let from = |s: &Said| (s.0.clone(), s.1.clone(), s.2, s.3.clone());
    assert_eq!(
        saved.iter().map(from).collect::<Vec<_>>(),
        [&original[0], &original[2]].map(from).to_vec(),
        "the same processes, directions and comments"
    );
    assert_eq!(blocks, 2, "one block per process, launchd's left out");
    assert_eq!(
        (saved[0].4, saved[1].4),
        ((Some(0), Some(1)), (Some(0), None)),
        "numbered again from 0 in the order written"
    );
}

/// The snaplen of the first interface description block of a pcapng file.
fn first_idb_snaplen(bytes: &[u8]) -> u32 {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let mut at = 0;
    while at < bytes.len() {
        if u32_at(at) == 1 {
            return u32_at(at + 12);
        }
        at += u32_at(at + 4) as usize;
    }
    panic!("no interface description block");
}

/// Regression: the agent's `/evidence` (and `analyze --endpoint --write`) declared snaplen 0,
/// "no limit", for a capture made with 128 bytes (the agent's default), because no frame of
/// the endpoint happened to be cut. The saved file states the snaplen its capture states.
#[test]
fn saved_evidence_states_the_snaplen_of_its_capture() {
    // A pcap file captured with `-s 128`.
    let mut file = refused_with_noise(2);
    file[16..20].copy_from_slice(&128u32.to_le_bytes());
    let f = temp_file("snaplen-128.pcap", &file);
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    assert!(ev.packets.iter().all(|p| p.data.len() < 128));
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    assert_eq!(first_idb_snaplen(&bytes), 128);
    // A pcapng file as the agent's ring writes it, read again as `/evidence` reads it.
    let mut ring = Vec::new();
    {
        let mut w = PcapngWriter::new(&mut ring, None).expect("writer");
        w.add_interface(LinkType(1), 128, Some("lo"), None)
            .expect("interface");
        for p in &ev.packets {
            w.write_packet(0, p.ts, &p.data, p.orig_len)
                .expect("packet");
        }
        w.finish(&[]).expect("finish");
    }
    let f = temp_file("ring-128.pcapng", &ring);
    let ev = collect(&[f], server(), None, 100, None).expect("collect ring");
    assert_eq!(ev.packets.len(), 4);
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    assert_eq!(first_idb_snaplen(&bytes), 128);
    // A capture that states no limit still gets the longest cut frame, or none.
    let f = temp_file("snaplen-none.pcap", &refused_with_noise(1));
    let mut ev = collect(&[f], server(), None, 100, None).expect("collect");
    ev.interfaces[0].snaplen = 0;
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    assert_eq!(first_idb_snaplen(&bytes), 0);
}

/// An SLL2 frame of an Ethernet frame's IP packet: seen on interface `index`, packet type
/// `pkttype` (0 to this host, 4 sent by it).
fn sll2(ethernet: &[u8], index: u32, pkttype: u8) -> Vec<u8> {
    let mut f = ethernet[12..14].to_vec();
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&index.to_be_bytes());
    // ARPHRD_ETHER, packet type, address length, address.
    f.extend_from_slice(&[0, 1, pkttype, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&ethernet[14..]);
    f
}

/// A Linux `any` capture as rstscope saves it: its interface names the indexes the frames
/// carry; its packet lines say each one's interface and direction, as `tcpdump -i any` does,
/// and a saved copy of them names them again.
#[test]
fn lines_of_an_any_capture_name_the_interfaces_the_capture_named() {
    let (c, s) = (v4(CLIENT), v4(SERVER));
    let syn = frame(&seg(c, 40000, s, 7211, SYN, 1000, 0));
    let rst = frame(&seg(s, 7211, c, 40000, RST_ACK, 0, 1001));
    let syn2 = frame(&seg(c, 40001, s, 7211, SYN, 2000, 0));
    let mut file = Vec::new();
    {
        let mut w = PcapngWriter::new(&mut file, None).expect("writer");
        let names = [(1, "lo".to_owned()), (7, "eth0".to_owned())];
        w.add_described_interface(&InterfaceBlock {
            name: Some("any"),
            indexes: &names,
            ..InterfaceBlock::new(LinkType(276), 128)
        })
        .expect("interface");
        let ts = |us: i64| Timestamp(i64::from(T0) * 1_000_000_000 + us * 1000);
        w.write_packet(0, ts(0), &sll2(&syn, 7, 4), 74)
            .expect("packet");
        w.write_packet(0, ts(10), &sll2(&rst, 7, 0), 74)
            .expect("packet");
        w.write_packet(0, ts(20), &sll2(&syn2, 9, 0), 74)
            .expect("packet");
        w.finish(&[]).expect("finish");
    }
    let f = temp_file("any-names.pcapng", &file);
    let ev = collect(&[f], server(), None, 100, None).expect("collect");
    let lines = lines(&ev);
    assert_eq!(lines.len(), 3);
    let after_time = |l: &str| l.split_once(' ').expect("time").1.to_owned();
    assert!(
        after_time(&lines[0]).starts_with("eth0  Out IP 10.0.0.1.40000 > "),
        "{lines:?}"
    );
    assert!(
        after_time(&lines[1]).starts_with("eth0  In  IP 10.0.0.2.7211 > "),
        "{lines:?}"
    );
    // An index the capture did not name (made after it started): by its number.
    assert!(
        after_time(&lines[2]).starts_with("if9   In  IP "),
        "{lines:?}"
    );
    let mut saved = Vec::new();
    write_pcapng_to(&mut saved, &ev).expect("write");
    let f = temp_file("any-names-saved.pcapng", &saved);
    let again = collect(&[f], server(), None, 100, None).expect("collect again");
    assert_eq!(self::lines(&again), lines);
}

/// An endpoint of the networks past the numbered ones comes in as many networks as there are:
/// its filters name the first 32, then select its tunnel in any network, and the tally of its
/// carriages (64 kinds) never overflows, so no clause is lost.
#[test]
fn an_endpoint_in_many_networks_keeps_a_bounded_clause_for_each() {
    use crate::packet::{Guard, Overlay, OverlayKind, TunnelAt};
    let of = |vni: u32| Encap {
        tunnel: Some(TunnelAt {
            tunnel: crate::decode::Tunnel::Vxlan,
            v4_before: 1,
            v6_before: 0,
            overlay: Overlay::of(OverlayKind::Vxlan, vni),
            overlay_at: Guard {
                offset: 46,
                len: 4,
                mask: 0xffff_ff00,
                value: vni << 8,
            },
        }),
        ..Encap::ethernet(false)
    };
    let mut seen = Vec::new();
    let mut tally = EncapTally::default();
    for vni in 1..=100 {
        tally.add(super::network_clause(of(vni), &mut seen));
        // Again: the same network's clause.
        tally.add(super::network_clause(of(vni), &mut seen));
    }
    assert_eq!(tally.overflow, 0);
    let kinds = tally.of_version(false);
    assert_eq!(kinds.as_slice().len(), 33);
    let any = kinds
        .as_slice()
        .iter()
        .filter(|e| e.tunnel.is_some_and(|t| t.overlay.is_none()));
    assert_eq!(any.count(), 1);
    let filter = crate::report::filters::wireshark_filter(
        "10.0.0.2".parse().expect("an address"),
        7211,
        kinds.as_slice(),
    );
    assert!(filter.contains("vxlan.vni == 32 && "), "{filter}");
    assert!(!filter.contains("vxlan.vni == 33 "), "{filter}");
}

/// A scan's packets (the app's row of a scan: [`Collect::scan`]) are those between its client
/// and its server's ports probed, every probe's; saved, their file says so, and an analysis
/// of it finds the same scan (tests/fixtures/syn-scan.pcap: 60 ports of 127.0.0.1).
#[test]
fn a_scans_packets_saved_are_the_scan_again() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/syn-scan.pcap");
    let a = crate::analysis::analyze_files(std::slice::from_ref(&path), Default::default())
        .expect("analyzed");
    let scan = a.snapshot.scans.first().expect("the scan");
    let sides = crate::report::filters::Sides::of_scan(scan);
    let how = Collect {
        scan: Some(sides),
        ..Collect::default()
    };
    let ev = collect_with(&[path], scan.lowest, None, 10_000, None, how).expect("collected");
    assert!(ev.offender.is_none(), "a scan is no endpoint's offender");
    assert_eq!(ev.connections.len() as u64, scan.attempts);
    let mut bytes = Vec::new();
    write_pcapng_to(&mut bytes, &ev).expect("write");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains(
            "rstscope evidence: TCP packets between 127.0.0.1 and 127.0.0.1 ports 7400 to 7459"
        ),
        "the file says whose packets"
    );
    let saved = temp_file("scan-saved.pcapng", &bytes);
    let again = crate::analysis::analyze_files(&[saved], Default::default()).expect("analyzed");
    let found = again.snapshot.scans.first().expect("the scan again");
    assert_eq!(
        (found.kind, found.targets, found.refused, found.open()),
        (scan.kind, scan.targets, scan.refused, scan.open())
    );
}
