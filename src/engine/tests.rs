//! Engine tests on constructed packet sequences: one per cause, flag and attempt rule.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::packet::{TcpFlags, TcpPacket, Timestamp, refusal, syn};

const S: u16 = TcpFlags::SYN;
const A: u16 = TcpFlags::ACK;
const R: u16 = TcpFlags::RST;
const F: u16 = TcpFlags::FIN;
const P: u16 = TcpFlags::PSH;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

/// A packet sequence built one segment at a time, with a clock in milliseconds.
struct Seq {
    engine: Engine,
    frame: u64,
}

#[derive(Clone, Copy)]
struct Pkt {
    ms: i64,
    from_client: bool,
    cport: u16,
    sport: u16,
    flags: u16,
    seq: u32,
    ack: u32,
    len: u32,
    ttl: u8,
    ip_id: Option<u16>,
    client: IpAddr,
}

fn pkt(ms: i64, from_client: bool, flags: u16, seq: u32, ack: u32) -> Pkt {
    Pkt {
        ms,
        from_client,
        cport: 40000,
        sport: 7211,
        flags,
        seq,
        ack,
        len: 0,
        ttl: 64,
        ip_id: None,
        client: CLIENT,
    }
}

impl Seq {
    fn new() -> Self {
        Self {
            engine: Engine::new(EngineConfig {
                keep_connections: true,
                ..EngineConfig::default()
            }),
            frame: 0,
        }
    }

    fn feed(&mut self, packets: &[Pkt]) -> &mut Self {
        for q in packets {
            self.frame += 1;
            let (src, dst, sp, dp) = if q.from_client {
                (q.client, SERVER, q.cport, q.sport)
            } else {
                (SERVER, q.client, q.sport, q.cport)
            };
            let p = TcpPacket {
                ts: Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + q.ms * 1_000_000),
                frame: self.frame,
                src,
                dst,
                sport: sp,
                dport: dp,
                seq: q.seq,
                ack: q.ack,
                flags: TcpFlags(q.flags),
                window: 65535,
                payload_len: q.len,
                ttl: q.ttl,
                ip_id: q.ip_id,
                ..crate::decode::BLANK
            };
            self.engine.packet(&p);
        }
        self
    }

    fn done(&mut self) -> (Snapshot, Vec<ConnRecord>) {
        self.engine.finish();
        let conns = self.engine.drain_connections().collect();
        (self.engine.snapshot(), conns)
    }
}

fn causes(s: &Snapshot) -> [u64; 5] {
    s.totals.rst_by_cause
}

fn states(conns: &[ConnRecord]) -> Vec<&'static str> {
    conns.iter().map(|c| c.state.as_str()).collect()
}

fn with_len(mut p: Pkt, len: u32) -> Pkt {
    p.len = len;
    p
}

/// The 7211 case: every SYN answered by RST/ACK, twice a second, 20 times.
#[test]
fn refused_twice_a_second_is_refused_and_failed() {
    let mut s = Seq::new();
    for i in 0..20u32 {
        let ms = i64::from(i) * 500;
        let mut syn = pkt(ms, true, S, 1000 + i * 7919, 0);
        syn.cport = 40000 + i as u16;
        let mut rst = pkt(ms + 1, false, R | A, 0, syn.seq + 1);
        rst.cport = syn.cport;
        s.feed(&[syn, rst]);
    }
    let (snap, conns) = s.done();
    assert_eq!(causes(&snap), [20, 0, 0, 0, 0]);
    assert_eq!(snap.totals.failed_attempts, 20);
    assert_eq!(snap.totals.attempts, 20);
    assert_eq!(snap.totals.suspect_injected, 0);
    assert!(states(&conns).iter().all(|&s| s == "REJ"));
    assert!(conns.iter().all(|c| c.history == "Sr"));
    let o = &snap.offenders[0];
    assert_eq!((o.addr, o.port), (SERVER, 7211));
    assert_eq!(
        (
            o.rst_packets,
            o.failed_attempts,
            o.failed_refused,
            o.clients
        ),
        (20, 20, 20, 1)
    );
    assert_eq!(o.incidents, 20);
    assert!(
        (o.avg_rate - 2.0).abs() < 1e-9,
        "20 incidents over 10 seconds: {}",
        o.avg_rate
    );
    assert_eq!(o.peak_rate, 2);
    assert_eq!(o.diagnosis().kind, DiagnosisKind::Refused);
    let per_second: u32 = snap.series.iter().map(|(_, c)| c.failed()).sum();
    assert_eq!(per_second, 20);
    assert!(
        snap.series
            .iter()
            .all(|(_, c)| c.rst[0] == 2 && c.failed() == 2)
    );
}

/// pop3.pcap: a Windows client retries a refused SYN with the same ISN; Zeek makes a new
/// REJ connection each time, and it is one failed attempt.
#[test]
fn refused_retries_with_same_isn_are_one_attempt_three_connections() {
    let mut s = Seq::new();
    for k in 0..3 {
        s.feed(&[
            pkt(k * 500, true, S, 5000, 0),
            pkt(k * 500 + 1, false, R | A, 0, 5001),
        ]);
    }
    let (snap, conns) = s.done();
    assert_eq!(states(&conns), ["REJ", "REJ", "REJ"]);
    assert_eq!(snap.totals.failed_attempts, 1);
    assert_eq!(snap.totals.attempts, 1);
    assert_eq!(causes(&snap), [3, 0, 0, 0, 0]);
    let o = &snap.offenders[0];
    assert_eq!(o.refusal_retries, 2);
    assert_eq!(o.incidents, 1);
    // First, last and peak count incidents too: the attempt, at its first refusal, not the
    // retries' refusals that follow (chrissanders-packets/nowebaccess2.pcapng).
    let first = Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + 1_000_000);
    assert_eq!((o.first_seen, o.last_seen, o.peak_rate), (first, first, 1));
}

#[test]
fn rst_from_client_before_syn_ack_is_handshake_reset_rstos0() {
    let (snap, conns) = Seq::new()
        .feed(&[pkt(0, true, S, 100, 0), pkt(100, true, R, 101, 0)])
        .done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(states(&conns), ["RSTOS0"]);
    assert_eq!(snap.totals.failed_attempts, 1);
}

#[test]
fn rst_after_syn_ack_before_final_ack_is_handshake_reset() {
    let (snap, conns) = Seq::new()
        .feed(&[
            pkt(0, true, S, 100, 0),
            pkt(1, false, S | A, 900, 101),
            pkt(2, true, R, 101, 0),
        ])
        .done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(snap.totals.failed_attempts, 1);
    assert_eq!(states(&conns), ["RSTO"]);
}

#[test]
fn syn_ack_without_ack_and_no_rst_is_not_failed() {
    let (snap, conns) = Seq::new()
        .feed(&[pkt(0, true, S, 100, 0), pkt(1, false, S | A, 900, 101)])
        .done();
    assert_eq!(snap.totals.failed_attempts, 0);
    assert_eq!(states(&conns), ["OTH"].map(|_| conns[0].state.as_str()));
}

fn handshake() -> Vec<Pkt> {
    vec![
        pkt(0, true, S, 100, 0),
        pkt(1, false, S | A, 900, 101),
        pkt(2, true, A, 101, 901),
    ]
}

#[test]
fn rst_in_established_connection_is_abort_rsto_rstr() {
    let mut p = handshake();
    p.push(with_len(pkt(3, true, A | P, 101, 901), 10));
    p.push(pkt(4, false, R | A, 901, 111));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(states(&conns), ["RSTR"]);
    assert_eq!(snap.totals.failed_attempts, 0);
    assert_eq!(snap.offenders[0].diagnosis().kind, DiagnosisKind::Abort);
    assert_eq!(snap.offenders[0].rst_from_server, 1);

    let mut p = handshake();
    p.push(pkt(3, true, R | A, 101, 901));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(states(&conns), ["RSTO"]);
}

/// A server's abort answered by the client's late ACK and a second RST (as in Zeek's
/// get-to-ssh-server.pcap) is one aborted connection with two resets; a second connection
/// aborted once makes two.
#[test]
fn connections_with_resets_are_counted_once_per_cause() {
    let mut p = handshake();
    p.push(with_len(pkt(3, true, A | P, 101, 901), 10));
    p.push(pkt(4, false, R | A, 901, 111));
    p.push(pkt(5, true, A, 111, 901));
    p.push(pkt(6, false, R, 901, 0));
    let (snap, _) = Seq::new().feed(&p).done();
    let o = &snap.offenders[0];
    assert_eq!(o.rst_by_cause[Cause::Abort.index()], 2);
    assert_eq!(
        o.rst_conns_by_cause.map(|c| c[Cause::Abort.index()]),
        Some(1)
    );
    assert!(
        crate::report::diagnosis(o, crate::report::Clock::Utc)
            .contains("saw 1 established connection aborted (2 resets) with client 10.0.0.1"),
        "{}",
        crate::report::diagnosis(o, crate::report::Clock::Utc)
    );

    let mut second = handshake();
    for q in &mut second {
        q.cport = 40001;
        q.ms += 10;
    }
    second.push(Pkt {
        cport: 40001,
        ..pkt(14, false, R | A, 901, 101)
    });
    p.extend(second);
    let (snap, _) = Seq::new().feed(&p).done();
    let o = &snap.offenders[0];
    assert_eq!(o.rst_by_cause[Cause::Abort.index()], 3);
    assert_eq!(
        o.rst_conns_by_cause.map(|c| c[Cause::Abort.index()]),
        Some(2)
    );
    // Over a time range the connections are not known: the resets are told.
    let range = o.restricted(i64::MIN, i64::MAX).expect("in range");
    assert_eq!(range.rst_conns_by_cause, None);
}

/// With a SYN/FIN/RST-only capture filter the final ACK never arrives: the SYN-ACK must
/// count as the completed handshake, or every abort would look like a handshake reset.
#[test]
fn syn_fin_rst_only_capture_takes_syn_ack_as_handshake() {
    let p = [
        pkt(0, true, S, 100, 0),
        pkt(1, false, S | A, 900, 101),
        pkt(9, false, R | A, 950, 150),
    ];
    let mut s = Seq::new();
    s.engine = Engine::new(EngineConfig {
        syn_fin_rst_only: true,
        keep_connections: true,
        ..EngineConfig::default()
    });
    let (snap, _) = s.feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(snap.totals.failed_attempts, 0);
    // The same packets from a full capture: the handshake never completed.
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(snap.totals.failed_attempts, 1);
}

#[test]
fn rst_after_fin_is_after_close() {
    let mut p = handshake();
    p.push(pkt(3, false, F | A, 901, 101));
    p.push(with_len(pkt(4, true, A | P, 101, 902), 20));
    p.push(pkt(5, false, R, 902, 0));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 1, 0, 0]);
    assert_eq!(states(&conns), ["RSTR"]);
}

#[test]
fn lone_rst_is_stray_oth() {
    let mut r = pkt(0, false, R | A, 900, 100);
    r.sport = 8443;
    let (snap, conns) = Seq::new().feed(&[r]).done();
    assert_eq!(causes(&snap), [0, 0, 0, 0, 1]);
    assert_eq!(states(&conns), ["OTH"]);
    assert_eq!(snap.totals.attempts, 0);
    // No SYN seen: the lower port is the service endpoint.
    assert_eq!(snap.offenders[0].port, 8443);
}

#[test]
fn midstream_rst_after_data_is_abort_without_attempt() {
    let (snap, _) = Seq::new()
        .feed(&[
            with_len(pkt(0, true, A | P, 100, 900), 10),
            pkt(1, false, R | A, 900, 110),
        ])
        .done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(
        snap.totals.failed_attempts, 0,
        "connections whose SYN was not seen are not attempts"
    );
}

/// zeek/tcp/rst-inject-rae.pcap: a RST/ACK acking the ISN (not ISN+1) with another TTL
/// arrives before the real SYN-ACK; the connection goes on and no attempt fails.
#[test]
fn injected_rst_in_syn_sent_is_flagged_and_ignored() {
    let mut syn = pkt(0, true, S, 100, 0);
    syn.ttl = 64;
    let mut fake = pkt(10, false, R | A, 0, 100);
    fake.ttl = 46;
    let mut synack = pkt(20, false, S | A, 900, 101);
    synack.ttl = 49;
    let mut p = vec![syn, fake, synack, pkt(30, true, A, 101, 901)];
    let mut data = with_len(pkt(40, false, A | P, 901, 101), 100);
    data.ttl = 49;
    p.push(data);
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(snap.totals.suspect_injected, 1);
    assert_eq!(snap.totals.failed_attempts, 0);
    assert_eq!(
        causes(&snap),
        [0, 1, 0, 0, 0],
        "not acceptable, so not refused"
    );
    assert_eq!(states(&conns), ["S1"]);
    assert_eq!(conns[0].suspect_injected, 1);
    // Its evidence: which packet, from which side, and both reasons, the TTL found only when
    // the real SYN-ACK came (TTL 49 against the RST's 46).
    let o = &snap.offenders[0];
    assert_eq!(
        *o.suspects,
        [crate::engine::SuspectRst {
            at: Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + 10_000_000),
            frame: Some(2),
            client: (CLIENT, 40000),
            from_server: true,
            cause: crate::engine::Cause::HandshakeReset,
            suspicion: crate::engine::cause::Suspicion {
                not_acceptable: true,
                ttl: Some((46, 49)),
                ip_id: None,
            },
        }]
    );
}

/// Regression: the connection of zeek/tcp/rst-inject-rae.pcap, established after the
/// injected RST and then aborted by the server, was listed with `cause=handshake-reset`, the
/// cause of its first RST, the unacceptable one that did not end it. Its cause is that of the
/// RST that ended it. Where no RST was acceptable, the first one's stands.
#[test]
fn a_connections_cause_is_that_of_the_rst_that_ended_it() {
    let mut fake = pkt(10, false, R | A, 0, 100);
    fake.ttl = 46;
    let p = [
        pkt(0, true, S, 100, 0),
        fake,
        pkt(20, false, S | A, 900, 101),
        pkt(30, true, A, 101, 901),
        with_len(pkt(40, true, A | P, 101, 901), 25),
        pkt(50, false, R | A, 901, 126),
    ];
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 1, 0, 1, 0]);
    assert_eq!(
        (conns[0].rst_count, conns[0].suspect_injected),
        (2, 1),
        "{conns:?}"
    );
    assert_eq!(conns[0].rst_cause, Some(Cause::Abort));
    // Only the injected RST: the first one's cause.
    let (_, conns) = Seq::new().feed(&p[..5]).done();
    assert_eq!(conns[0].rst_cause, Some(Cause::HandshakeReset));
}

#[test]
fn rst_with_foreign_ttl_seen_later_is_flagged() {
    let mut p = handshake();
    for q in &mut p {
        if !q.from_client {
            q.ttl = 55;
        }
    }
    let mut rst = pkt(3, false, R | A, 901, 101);
    rst.ttl = 60;
    p.push(rst);
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(snap.totals.suspect_injected, 1);

    // Only packets after the RST show the sender's TTL: still flagged.
    let mut p = vec![pkt(0, true, S, 100, 0)];
    let mut rst = pkt(1, false, R | A, 0, 101);
    rst.ttl = 40;
    p.push(rst);
    let mut synack = pkt(2, false, S | A, 900, 101);
    synack.ttl = 50;
    p.push(synack);
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(snap.totals.suspect_injected, 1);
    // Acceptable (it acks the SYN), so only the later SYN-ACK's TTL shows it: the reset's
    // frame is not known then, the time is that of the finding.
    let evidence: Vec<_> = snap.offenders[0]
        .suspects
        .iter()
        .map(|s| {
            (
                s.frame,
                s.from_server,
                s.suspicion.not_acceptable,
                s.suspicion.ttl,
            )
        })
        .collect();
    assert_eq!(evidence, [(None, true, false, Some((40, 50)))]);
}

#[test]
fn rst_breaking_ip_id_sequence_is_flagged_but_id_zero_is_not() {
    let build = |rst_id: u16| {
        let mut p = handshake();
        for (i, q) in p.iter_mut().enumerate() {
            q.ip_id = Some(if q.from_client {
                10 + i as u16
            } else {
                500 + i as u16
            });
        }
        for (k, id) in [502u16, 503].into_iter().enumerate() {
            let mut d = with_len(pkt(3 + k as i64, false, A | P, 901 + 5 * k as u32, 101), 5);
            d.ip_id = Some(id);
            p.push(d);
        }
        let mut rst = pkt(6, false, R | A, 911, 101);
        rst.ip_id = Some(rst_id);
        p.push(rst);
        p
    };
    let (snap, _) = Seq::new().feed(&build(30000)).done();
    assert_eq!(snap.totals.suspect_injected, 1);
    let evidence: Vec<_> = snap.offenders[0]
        .suspects
        .iter()
        .map(|s| (s.frame, s.from_server, s.suspicion.ip_id))
        .collect();
    assert_eq!(evidence, [(Some(6), true, Some((30000, 503)))]);
    let (snap, _) = Seq::new().feed(&build(0)).done();
    assert_eq!(snap.totals.suspect_injected, 0);
    let (snap, _) = Seq::new().feed(&build(504)).done();
    assert_eq!(snap.totals.suspect_injected, 0);
}

/// Regression (zeek/tcp/retransmit-fast009.pcap): a client whose IDs come from a host-wide
/// counter (steps of 1 to 8 as the host's other traffic takes IDs) aborts the connection a
/// minute after its last packet, 1,395 IDs on. 23 IDs a second is an ordinary host's rate,
/// not an injection; it was flagged "IP ID 5877 where the sender's sequence was at 4482".
#[test]
fn abort_a_minute_after_the_senders_last_packet_with_a_host_wide_id_is_not_injected() {
    let build = |rst_ms: i64, rst_id: u16| {
        let mut p = handshake();
        p[0].ip_id = Some(4443);
        p[2].ip_id = Some(4447);
        let mut req = with_len(pkt(3, true, A | P, 101, 901), 474);
        req.ip_id = Some(4448);
        p.push(req);
        for (k, id) in [4456u16, 4458, 4482].into_iter().enumerate() {
            let mut ack = pkt(100 + 100 * k as i64, true, A, 575, 901 + 1430 * k as u32);
            ack.ip_id = Some(id);
            p.push(ack);
        }
        let mut rst = pkt(rst_ms, true, R | A, 575, 901 + 2860);
        rst.ip_id = Some(rst_id);
        p.push(rst);
        p
    };
    let (snap, _) = Seq::new().feed(&build(300 + 60_165, 5877)).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(snap.totals.suspect_injected, 0);
    // 25,000 IDs on a millisecond after the client's last packet is no counter's doing.
    let (snap, _) = Seq::new().feed(&build(301, 4482 + 25_000)).done();
    let evidence: Vec<_> = snap.offenders[0]
        .suspects
        .iter()
        .map(|s| (s.from_server, s.suspicion.ip_id))
        .collect();
    assert_eq!(evidence, [(false, Some((4482 + 25_000, 4482)))]);
}

/// Regression (zeek/tls/irc-starttls.pcap): a Linux client numbers its connection's packets
/// with the socket's own counter (40132 to 40140); once it has closed, the data that still
/// comes is answered by resets the kernel makes without the socket, numbered from another
/// counter (17995, 17996), a third of a second after the client's FIN. Both were flagged.
#[test]
fn after_close_resets_numbered_by_another_counter_are_not_injected() {
    let mut p = handshake();
    p[0].ip_id = Some(40132);
    p[2].ip_id = Some(40133);
    let mut req = with_len(pkt(3, true, A | P, 101, 901), 10);
    req.ip_id = Some(40134);
    p.push(req);
    p.push(pkt(300, false, A, 901, 111));
    let mut fin = pkt(2_500, true, F | A, 111, 901);
    fin.ip_id = Some(40135);
    p.push(fin);
    p.push(with_len(pkt(2_834, false, A | P, 901, 112), 31));
    for id in [17995, 17996] {
        let mut rst = pkt(2_834, true, R, 112, 0);
        rst.ip_id = Some(id);
        p.push(rst);
    }
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 2, 0, 0]);
    assert_eq!(snap.totals.suspect_injected, 0);
}

/// A Linux client whose connect() gave up after two retransmitted SYNs (three IDs of the
/// socket's counter) answers the late SYN-ACK with a reset made without the socket, from
/// another counter: no evidence either.
#[test]
fn handshake_reset_numbered_by_another_counter_is_not_injected() {
    let mut p: Vec<Pkt> = [(0, 7000), (1000, 7001), (3000, 7002)]
        .into_iter()
        .map(|(ms, id)| {
            let mut syn = pkt(ms, true, S, 100, 0);
            syn.ip_id = Some(id);
            syn
        })
        .collect();
    p.push(pkt(3_050, false, S | A, 900, 101));
    let mut rst = pkt(3_051, true, R, 101, 0);
    rst.ip_id = Some(31000);
    p.push(rst);
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(snap.totals.suspect_injected, 0);
}

#[test]
fn rst_outside_receive_window_is_not_acceptable() {
    let mut p = handshake();
    p.push(pkt(3, false, R | A, 901 + 5_000_000, 101));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(snap.totals.suspect_injected, 1);
    assert_eq!(
        states(&conns),
        ["S1"],
        "an unacceptable RST does not end the connection"
    );
}

/// Regression (a loopback flood whose capture dropped packets): the SYN-ACK was lost, so the
/// server's abort was judged as a RST to a SYN, whose ACK must be ISN+1, and flagged
/// suspect-injected. The client's acknowledgment of a SYN-ACK never captured shows the
/// capture missed packets: a reset past what was captured is no evidence then.
#[test]
fn abort_after_a_syn_ack_the_capture_lost_is_not_injected() {
    let p = [
        pkt(0, true, S, 100, 0),
        // The SYN-ACK (900, ack 101) lost.
        pkt(2, true, A, 101, 901),
        with_len(pkt(3, true, A | P, 101, 901), 40),
        with_len(pkt(4, false, A | P, 901, 141), 60),
        pkt(5, true, A, 141, 961),
        pkt(50, false, R | A, 961, 141),
    ];
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(
        snap.totals.suspect_injected, 0,
        "{:?}",
        snap.offenders[0].suspects
    );
    assert_eq!(conns[0].suspect_injected, 0);
    assert_eq!(snap.totals.failed_attempts, 0);
    // Without the client's packets nothing shows the loss but the RST's own acknowledgment
    // of 40 bytes past the SYN, data the capture never saw sent: no evidence either.
    let (snap, _) = Seq::new().feed(&[p[0], p[5]]).done();
    assert_eq!(snap.totals.suspect_injected, 0);
}

/// Regression (the same flood, the live capture dropping most packets): a client port used
/// again within the 5 s a reset connection lingers, the new connection's SYN lost. Its
/// refusal, and a later connection's abort, were judged against the earlier connection's
/// numbers (the new ISN lies ahead: RFC 6528 moves a tuple's ISNs on with the clock,
/// 15.6 million a second on Linux), and flagged, the abort also for its IP ID (another
/// socket's counter).
#[test]
fn resets_of_a_later_connection_on_the_tuple_whose_opening_was_lost_are_not_injected() {
    let later = 100u32.wrapping_add(3_125_000); // 0.2 s on
    let refused = [
        pkt(0, true, S, 100, 0),
        pkt(1, false, R | A, 0, 101),
        // The second connect's SYN (ISN `later`) lost.
        pkt(201, false, R | A, 0, later + 1),
    ];
    let (snap, conns) = Seq::new().feed(&refused).done();
    assert_eq!(snap.totals.suspect_injected, 0);
    assert_eq!((conns.len(), conns[0].rst_count), (1, 2));

    let ids = |mut q: Pkt, id: u16| {
        q.ip_id = Some(id);
        q
    };
    let mut p: Vec<Pkt> = handshake()
        .into_iter()
        .zip([7000, 0, 7001])
        .map(|(q, id)| ids(q, id))
        .collect();
    p.extend([
        ids(with_len(pkt(3, true, A | P, 101, 901), 40), 7002),
        ids(with_len(pkt(4, false, A | P, 901, 141), 60), 3000),
        ids(pkt(5, true, A, 141, 961), 7003),
        ids(pkt(50, true, R | A, 141, 961), 7004),
        // All of the next connection lost but its client's RST, from another socket.
        ids(pkt(250, true, R | A, later + 41, 900 + 3_125_061), 52000),
    ]);
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 0, 2, 0]);
    assert_eq!(
        snap.totals.suspect_injected, 0,
        "{:?}",
        snap.offenders[0].suspects
    );
    assert_eq!(conns[0].rst_count, 2);
}

/// Regression (tests/fixtures/lossy-resets.pcap, frame 7): the SYN-ACK lost, the server's
/// abort counted as a handshake-reset, a reset before the handshake completed. The client
/// sends an acknowledgment or data after its SYN only once a SYN-ACK reached it: the
/// handshake completed, captured or not, and a reset then is an abort (the RST judged in the
/// synchronized state: in the window, it ends the connection; Zeek, whose originator never
/// left SYN_SENT, calls it REJ).
#[test]
fn an_abort_whose_syn_ack_the_capture_lost_is_an_abort() {
    let opening = [
        pkt(0, true, S, 100, 0),
        // The SYN-ACK (900, ack 101) lost.
        pkt(2, true, A, 101, 901),
        with_len(pkt(3, true, A | P, 101, 901), 40),
        with_len(pkt(4, false, A | P, 901, 141), 60),
        pkt(5, true, A, 141, 961),
    ];
    for (rst, who) in [
        (pkt(50, false, R | A, 961, 141), "the server"),
        (pkt(50, true, R | A, 141, 961), "the client"),
    ] {
        let mut p = opening.to_vec();
        p.push(rst);
        let (snap, conns) = Seq::new().feed(&p).done();
        assert_eq!(causes(&snap), [0, 0, 0, 1, 0], "{who}");
        assert_eq!(
            (snap.totals.failed_attempts, snap.totals.suspect_injected),
            (0, 0),
            "{who}"
        );
        assert_eq!(conns[0].rst_cause, Some(Cause::Abort), "{who}");
    }
    let mut p = opening.to_vec();
    p.push(pkt(50, false, R | A, 961, 141));
    let (_, conns) = Seq::new().feed(&p).done();
    assert_eq!(states(&conns), ["REJ"]);
    // The client's acknowledgment alone shows it: data from it after its SYN too.
    let p = [
        pkt(0, true, S, 100, 0),
        with_len(pkt(3, true, P, 101, 0), 40),
        pkt(50, false, R | A, 901, 141),
    ];
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    // The server's acknowledgment is none: one answering a SYN on a connection it still
    // holds (RFC 5961's challenge ACK), reset by the client, is a handshake that failed.
    let p = [
        pkt(0, true, S, 100, 0),
        pkt(1, false, A, 5000, 77),
        pkt(2, true, R, 77, 0),
    ];
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(snap.totals.failed_attempts, 1);
    // Nothing after the SYN but the reset: nothing shows the handshake completed.
    let (snap, _) = Seq::new()
        .feed(&[opening[0], pkt(50, false, R | A, 961, 141)])
        .done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
}

/// Regression (tests/fixtures/lossy-resets.pcap, frame 10): a client port refused and used
/// again at once, the second connect's SYN lost. Its refusal, on the first connection (which
/// lingers 5 s after its reset), counted as a handshake-reset (its ACK is not ISN+1 of the
/// SYN seen), and its failed attempt not at all. A refusal leaves the client no connection
/// on the tuple, and then it sends nothing there but a new SYN: the responder's RST with ACK
/// refuses that SYN, whose ISN+1 it acknowledges. Each such SYN is an attempt, counted once
/// however often refused.
#[test]
fn the_refusal_of_a_syn_the_capture_lost_after_a_refusal_is_a_refusal_and_an_attempt() {
    let later = 100u32.wrapping_add(3_125_000); // 0.2 s on (RFC 6528's clock)
    let random = 100u32.wrapping_sub(1 << 30); // a stack with random ISNs: behind
    let p = [
        pkt(0, true, S, 100, 0),
        pkt(1, false, R | A, 0, 101),
        // The second connect's SYN (ISN `later`) lost.
        pkt(201, false, R | A, 0, later + 1),
        // Its retransmission lost too, refused again.
        pkt(1201, false, R | A, 0, later + 1),
        // A third connect, from a stack whose ISNs are random, lost.
        pkt(1401, false, R | A, 0, random + 1),
    ];
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(causes(&snap), [4, 0, 0, 0, 0]);
    assert_eq!(
        (
            snap.totals.attempts,
            snap.totals.failed_attempts,
            snap.totals.suspect_injected
        ),
        (3, 3, 0)
    );
    assert_eq!(
        (states(&conns), conns[0].rst_count, conns[0].rst_cause),
        (vec!["REJ"], 4, Some(Cause::Refused)),
        "one connection, as Zeek delimits it: no SYN opened another"
    );
    let o = &snap.offenders[0];
    assert_eq!(
        (o.attempts, o.failed_refused, o.refusal_retries),
        (3, 3, 1),
        "{o:?}"
    );
    // The lost SYN's retransmission captured: a retry of the same attempt.
    let mut q = p[..3].to_vec();
    q.extend([
        pkt(1200, true, S, later, 0),
        pkt(1201, false, R | A, 0, later + 1),
    ]);
    let (snap, _) = Seq::new().feed(&q).done();
    assert_eq!(causes(&snap), [3, 0, 0, 0, 0]);
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (2, 2));
    // Without the refusal before it, nothing shows a new SYN: the reset could be the abort
    // of a connection whose SYN-ACK and acknowledgment were lost.
    let (snap, _) = Seq::new().feed(&[p[0], p[2]]).done();
    assert_eq!(causes(&snap), [0, 1, 0, 0, 0]);
    assert_eq!(snap.totals.attempts, 1);
    // A RST without ACK answers a segment with one, not a SYN.
    let (snap, _) = Seq::new()
        .feed(&[p[0], p[1], pkt(201, false, R, later + 1, 0)])
        .done();
    assert_eq!(causes(&snap), [1, 1, 0, 0, 0]);
    assert_eq!(snap.totals.failed_attempts, 1);
    // From the client, it refuses nothing.
    let (snap, _) = Seq::new()
        .feed(&[p[0], p[1], pkt(201, true, R | A, later, 1)])
        .done();
    assert_eq!(causes(&snap)[0], 1);
    assert_eq!(snap.totals.failed_attempts, 1);
}

/// A client port refused, and used again more than the refused connection's linger (5 s)
/// later, the new SYN lost: its refusal starts a connection of its own, with nothing before
/// it, and read as a stray reset. The tuple's refused attempt is still remembered (for
/// [`ATTEMPT_MEMORY_SECS`]), and the responder's RST with ACK there refuses another SYN, as
/// within the linger: a refusal and an attempt, from the side that served, whatever the ports.
#[test]
fn the_refusal_of_a_syn_the_capture_lost_after_the_linger_is_a_refusal() {
    let later = 100u32.wrapping_add(1 << 28);
    let opening = [pkt(0, true, S, 100, 0), pkt(1, false, R | A, 0, 101)];
    let lost = pkt(8_000, false, R | A, 0, later + 1);
    let (snap, conns) = Seq::new().feed(&opening).feed(&[lost]).done();
    assert_eq!(causes(&snap), [2, 0, 0, 0, 0]);
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (2, 2));
    assert_eq!(
        states(&conns).len(),
        2,
        "two connections, as Zeek delimits them"
    );
    let o = &snap.offenders[0];
    assert_eq!((o.attempts, o.failed_refused, o.refusal_retries), (2, 2, 0));
    // The same SYN refused again (its retransmission lost): a retry, no other attempt.
    let again = pkt(8_000, false, R | A, 0, 101);
    let (snap, _) = Seq::new().feed(&opening).feed(&[again]).done();
    assert_eq!(causes(&snap), [2, 0, 0, 0, 0]);
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (1, 1));
    assert_eq!(snap.offenders[0].refusal_retries, 1);
    // A server on a port above the client's: the side that refused serves.
    let high = |mut q: Pkt| {
        q.sport = 50_000;
        q
    };
    let (snap, _) = Seq::new()
        .feed(&opening.map(high))
        .feed(&[high(lost)])
        .done();
    assert_eq!(causes(&snap), [2, 0, 0, 0, 0]);
    assert_eq!(snap.offenders.len(), 1);
    assert_eq!(snap.offenders[0].port, 50_000);
    // Once the attempt is forgotten, nothing shows the tuple was refused: stray.
    let (snap, _) = Seq::new()
        .feed(&opening)
        .feed(&[pkt(
            ATTEMPT_MEMORY_SECS * 1000 + 10,
            false,
            R | A,
            0,
            later + 1,
        )])
        .done();
    assert_eq!(causes(&snap), [1, 0, 0, 0, 1]);
    // Nor after an attempt that failed otherwise (here a handshake-reset by the client), or
    // from the client.
    let reset = [pkt(0, true, S, 100, 0), pkt(1, true, R, 101, 0)];
    let (snap, _) = Seq::new().feed(&reset).feed(&[lost]).done();
    assert_eq!(causes(&snap)[0], 0);
    let (snap, _) = Seq::new()
        .feed(&opening)
        .feed(&[pkt(8_000, true, R | A, later, 1)])
        .done();
    assert_eq!(causes(&snap)[0], 1);
    assert_eq!(snap.totals.attempts, 1);
}

/// Where the connection shows the capture lost packets, a reset past what was captured is
/// no evidence (`abort_after_a_syn_ack_the_capture_lost_is_not_injected`), but what no lost
/// packet explains still is: an acknowledgment of the ISN to a SYN, a sequence number
/// before what the receiver had acknowledged, a foreign TTL.
#[test]
fn a_connection_that_lost_packets_still_shows_what_no_lost_packet_explains() {
    // The SYN-ACK lost: the client acknowledges what the capture never saw.
    let mut p = vec![pkt(0, true, S, 100, 0), pkt(2, true, A, 101, 901)];
    p.push(pkt(3, false, R | A, 0, 100));
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(snap.totals.suspect_injected, 1, "acknowledges the ISN");

    // The server's data lost: the client acknowledges 60 bytes the capture never saw.
    let lost_data = || {
        let mut p = handshake();
        p.push(with_len(pkt(3, true, A | P, 101, 901), 40));
        p.push(pkt(4, true, A, 141, 961));
        p
    };
    let mut p = lost_data();
    p.push(pkt(5, false, R | A, 961 + 5_000_000, 141));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(
        snap.totals.suspect_injected, 0,
        "past the window, past what was captured"
    );
    assert_eq!(states(&conns), ["S1"], "still not acceptable");
    let mut p = lost_data();
    p.push(pkt(5, false, R | A, 961u32.wrapping_sub(3_000), 141));
    let (snap, _) = Seq::new().feed(&p).done();
    assert_eq!(
        snap.totals.suspect_injected, 1,
        "behind the client's acknowledgment"
    );
    let mut p = lost_data();
    let mut rst = pkt(5, false, R | A, 961, 141);
    rst.ttl = 50;
    p.push(rst);
    let (snap, _) = Seq::new().feed(&p).done();
    let o = &snap.offenders[0].suspects;
    assert_eq!(
        (o.len(), o[0].suspicion.not_acceptable, o[0].suspicion.ttl),
        (1, false, Some((50, 64)))
    );
}

/// A reset past its sender's captured sequence space is not judged by its IP ID: here the
/// server's FIN was lost, so its reset (numbered by another counter, as a stack sends the
/// resets it makes after its socket's close) reads as an abort, one past the FIN's place.
#[test]
fn a_reset_past_its_senders_captured_packets_is_not_judged_by_ip_id() {
    let build = |rst_seq: u32| {
        let mut p = handshake();
        for (i, q) in p.iter_mut().enumerate() {
            q.ip_id = Some(500 + i as u16);
        }
        for (k, id) in [502u16, 503].into_iter().enumerate() {
            let mut d = with_len(pkt(3 + k as i64, false, A | P, 901 + 5 * k as u32, 101), 5);
            d.ip_id = Some(id);
            p.push(d);
        }
        // The server's FIN (911, ID 504) lost.
        let mut rst = pkt(6, false, R | A, rst_seq, 101);
        rst.ip_id = Some(30000);
        p.push(rst);
        p
    };
    let (snap, _) = Seq::new().feed(&build(911)).done();
    assert_eq!(
        snap.totals.suspect_injected, 1,
        "at the sender's next sequence number"
    );
    let (snap, _) = Seq::new().feed(&build(912)).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 0]);
    assert_eq!(snap.totals.suspect_injected, 0);
}

#[test]
fn unanswered_syns_fail_once_ten_seconds_after_the_last() {
    // Linux retransmits at 1, 3 and 7 s; then silence.
    let p: Vec<Pkt> = [0, 1000, 3000, 7000]
        .iter()
        .map(|&ms| pkt(ms, true, S, 100, 0))
        .collect();
    let mut s = Seq::new();
    s.feed(&p);
    // Another flow much later makes packet time pass.
    let mut other = pkt(30_000, true, S, 5, 0);
    other.cport = 50000;
    s.feed(&[other, {
        let mut r = pkt(30_001, false, R | A, 0, 6);
        r.cport = 50000;
        r
    }]);
    let snap = s.engine.snapshot();
    assert_eq!(snap.totals.failed_attempts, 2);
    let first = snap.series.first().map(|(sec, c)| (*sec, c.failed()));
    assert_eq!(
        first,
        Some((1_700_000_007, 1)),
        "counted in the second of the last SYN"
    );
    let (_, conns) = s.done();
    // Zeek gives up on the first connection 5 s after its SYN; the SYN at 7 s starts another.
    assert_eq!(states(&conns), ["S0", "S0", "REJ"]);
}

#[test]
fn syn_unanswered_at_end_of_capture_fails() {
    let (snap, conns) = Seq::new().feed(&[pkt(0, true, S, 100, 0)]).done();
    assert_eq!(snap.totals.failed_attempts, 1);
    assert_eq!(states(&conns), ["S0"]);
    assert_eq!(snap.offenders[0].failed_unanswered, 1);
    assert_eq!(
        snap.offenders[0].diagnosis().kind,
        DiagnosisKind::Unanswered
    );
}

/// Regression: an attempt still pending when the capture ended less than 10 s after its SYN
/// was told as one a firewall dropped. It still fails unanswered (Zeek's S0) but is counted
/// apart, with how long it waited: until the capture's last frame, of any protocol.
#[test]
fn an_attempt_the_capture_ends_on_is_cut_off_not_given_up() {
    let syn = |ms, cport| Pkt {
        cport,
        ..pkt(ms, true, S, 100, 0)
    };
    let (snap, conns) = Seq::new().feed(&[syn(0, 40000)]).done();
    assert_eq!(states(&conns), ["S0"]);
    let o = &snap.offenders[0];
    assert_eq!((o.failed_attempts, o.failed_unanswered), (1, 1));
    assert_eq!(
        o.cut_off,
        [CutOff {
            second: 1_700_000_000,
            attempts: 1,
            waited_ns: (0, 0)
        }]
    );
    assert_eq!(o.cut_off_attempts(), 1);
    assert_eq!(o.diagnosis().kind, DiagnosisKind::Unanswered);
    // Frames of other protocols 3 s after the SYNs, then the end: they waited that long.
    let mut s = Seq::new();
    s.feed(&[syn(0, 40000), syn(500, 40001)]);
    let end = Timestamp(1_700_000_003 * Timestamp::NANOS_PER_SEC);
    s.engine.finish_at(end);
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!(o.cut_off_attempts(), 2);
    assert_eq!(o.cut_off_waited_ns(), Some((2_500_000_000, 3_000_000_000)));
    // 10 s or more after the SYN: given up on, as a timer would have.
    let mut s = Seq::new();
    s.feed(&[syn(0, 40000)]);
    s.engine
        .finish_at(Timestamp(1_700_000_010 * Timestamp::NANOS_PER_SEC));
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!((o.failed_unanswered, o.cut_off_attempts()), (1, 0));
    // An end earlier than the last packet (a caller's mistake) is the last packet.
    let mut s = Seq::new();
    s.feed(&[syn(0, 40000), syn(2000, 40001)]);
    s.engine.finish_at(Timestamp(0));
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!(o.cut_off_waited_ns(), Some((0, 2_000_000_000)));
}

/// Regression: an attempt whose SYN was retransmitted for 19 s up to the capture's end
/// (http_espn_fail.pcapng: 9 SYNs of one ISN from 21:00:31.2 to 21:00:50.3, the capture
/// ending at 21:00:50.34) was "too soon to tell": its wait was measured from its last
/// retransmission. An attempt waits from its first SYN: 10 s or more before the end, it was
/// given up on.
#[test]
fn an_attempt_retransmitted_up_to_the_end_waited_since_its_first_syn() {
    // Linux's backoff: 0, 1, 3, 7 and 15 s, then the end at 19.05 s; a timer would not fire
    // before 25 s.
    let retried = |cport, at: &[i64]| -> Vec<Pkt> {
        at.iter()
            .map(|&ms| Pkt {
                cport,
                ..pkt(ms, true, S, 100, 0)
            })
            .collect()
    };
    let mut s = Seq::new();
    s.feed(&retried(40000, &[0, 1000, 3000, 7000, 15_000]));
    s.engine.finish_at(Timestamp(
        1_700_000_019 * Timestamp::NANOS_PER_SEC + 50_000_000,
    ));
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!((o.failed_unanswered, o.cut_off_attempts()), (1, 0));
    assert_eq!(o.diagnosis().kind, DiagnosisKind::Unanswered);
    // Retransmitted for 7 s, the end 1.5 s later: cut off, having waited 8.5 s.
    let mut s = Seq::new();
    s.feed(&retried(40000, &[0, 1000, 3000, 7000]));
    s.engine.finish_at(Timestamp(
        1_700_000_008 * Timestamp::NANOS_PER_SEC + 500_000_000,
    ));
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!(o.cut_off_attempts(), 1);
    assert_eq!(o.cut_off_waited_ns(), Some((8_500_000_000, 8_500_000_000)));
    // Still counted in the second of its last SYN.
    assert_eq!(o.cut_off[0].second, 1_700_000_007);
    // A retransmission that came before the first SYN (time stepped back) starts the wait.
    let mut s = Seq::new();
    s.feed(&retried(40000, &[5000, 1000, 9000]));
    s.engine
        .finish_at(Timestamp(1_700_000_010 * Timestamp::NANOS_PER_SEC));
    let o = &s.engine.snapshot().offenders[0];
    assert_eq!((o.failed_unanswered, o.cut_off_attempts()), (1, 1));
    assert_eq!(o.cut_off_waited_ns(), Some((9_000_000_000, 9_000_000_000)));
}

/// An attempt's first SYN time is kept to the millisecond however many retransmissions come
/// (the spans do not add up rounding errors), and a span too long to keep still says it
/// went on past the timeout.
#[test]
fn an_attempts_first_syn_does_not_drift_and_saturates() {
    let t = |ns: i64| Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + ns);
    let mut a = flow::Attempt::new(0, 100, t(999_999));
    assert_eq!(a.first_syn(), t(999_999));
    for k in 1..=5000 {
        a.add_syn(t(999_999 + k * 1_999_999));
    }
    assert_eq!(a.first_syn(), t(0), "the first SYN's millisecond");
    assert_eq!(a.last_syn, t(999_999 + 5000 * 1_999_999));
    let mut b = flow::Attempt::new(0, 100, t(0));
    b.add_syn(t(100 * Timestamp::NANOS_PER_SEC));
    assert!(b.first_syn() < b.last_syn.plus_secs(-ATTEMPT_UNANSWERED_SECS));
    b.add_syn(t(200 * Timestamp::NANOS_PER_SEC));
    assert!(b.first_syn() < b.last_syn.plus_secs(-ATTEMPT_UNANSWERED_SECS));
}

/// Attempts the capture's end cut off weigh nothing in the diagnosis beside others, and a
/// time range counts those of its seconds only.
#[test]
fn attempts_cut_off_do_not_outweigh_a_refusal_and_follow_a_time_range() {
    let (snap, _) = Seq::new()
        .feed(&[
            pkt(0, true, S, 100, 0),
            pkt(1, false, R | A, 0, 101),
            Pkt {
                cport: 40001,
                ..pkt(5000, true, S, 200, 0)
            },
            Pkt {
                cport: 40002,
                ..pkt(6000, true, S, 300, 0)
            },
        ])
        .done();
    let o = &snap.offenders[0];
    assert_eq!((o.failed_refused, o.failed_unanswered), (1, 2));
    assert_eq!(o.diagnosis().kind, DiagnosisKind::Refused);
    let t0 = 1_700_000_000;
    let early = o.restricted(t0, t0 + 5).expect("the refusal and one SYN");
    assert_eq!((early.failed_unanswered, early.cut_off_attempts()), (1, 1));
    assert_eq!(o.restricted(t0, t0 + 4).expect("the refusal").cut_off, []);
}

#[test]
fn one_sided_capture_of_working_session_has_no_failures() {
    // Only the client's packets: SYN, then ACK and data.
    let (snap, conns) = Seq::new()
        .feed(&[
            pkt(0, true, S, 100, 0),
            pkt(5, true, A, 101, 901),
            with_len(pkt(6, true, A | P, 101, 901), 50),
        ])
        .done();
    assert_eq!(snap.totals.failed_attempts, 0);
    assert_eq!(states(&conns), ["S0"].map(|_| conns[0].state.as_str()));
    assert!(snap.offenders.is_empty());
}

#[test]
fn clean_session_is_sf_and_no_offender() {
    let mut p = handshake();
    p.push(pkt(3, true, F | A, 101, 901));
    p.push(pkt(4, false, F | A, 901, 102));
    p.push(pkt(5, true, A, 102, 902));
    let (snap, conns) = Seq::new().feed(&p).done();
    assert_eq!(states(&conns), ["SF"]);
    assert!(snap.offenders.is_empty());
    assert_eq!(snap.totals.conn_states[ConnState::Sf.index()], 1);
}

#[test]
fn ipv6_refused_is_refused() {
    let mut e = Engine::new(EngineConfig::default());
    let c = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let base = TcpPacket {
        window_scale: Some(7),
        ..syn(Timestamp(0), (c, 50000), (c, 7301), 10)
    };
    e.packet(&base);
    e.packet(&TcpPacket {
        frame: 2,
        ..refusal(&base)
    });
    e.finish();
    let s = e.snapshot();
    assert_eq!(s.totals.rst_by_cause, [1, 0, 0, 0, 0]);
    assert_eq!(s.offenders[0].port, 7301);
}

#[test]
fn table_cap_evicts_and_counts() {
    let mut e = Engine::new(EngineConfig {
        max_flows: 10,
        ..EngineConfig::default()
    });
    for i in 0..100u16 {
        let p = TcpPacket {
            frame: u64::from(i) + 1,
            ..syn(
                Timestamp(i64::from(i) * 1000),
                (CLIENT, 1000 + i),
                (SERVER, 80),
                1,
            )
        };
        e.packet(&p);
    }
    let s = e.snapshot();
    assert_eq!(s.totals.evicted, 90);
    assert!(s.live_flows <= 10);
    e.finish();
    assert_eq!(e.snapshot().totals.failed_attempts, 100);
}

/// Memory per tracked connection is what bounds the engine (`max_flows` of them at most):
/// 200,000 entries of 448 bytes (90 MB) keep gen_load's sweep, whose flow table stays full,
/// under the 150 MB target with margin (scripts/bench-memory.sh: 139-140 MB; at 512 bytes,
/// 150-153 MB). An entry starts on a cache line, so its size is a multiple of 64: a field that
/// pushes the entry past 448 bytes costs 64 bytes a connection, 12.8 MB a full table. And the
/// memory bound the endpoints share with the flow table charges an entry [`FLOW_CHARGE`]
/// bytes with its 8-byte index slot: an entry that cost more would break that bound.
#[test]
fn flow_entry_stays_small() {
    let size = std::mem::size_of::<flow::Entry>();
    assert!(size <= 448, "Entry is {size} bytes");
    assert!(size + std::mem::size_of::<u64>() <= FLOW_CHARGE);
}

/// What a data or ACK segment of a known connection touches (the key, the attempt's status,
/// the connection's counts, roles and side statistics, Zeek's endpoints and last packet time)
/// lies in the entry's first four cache lines, the entry starting on a line.
#[test]
fn flow_entry_hot_part_in_four_lines() {
    use std::mem::{align_of, offset_of};
    assert_eq!(align_of::<flow::Entry>(), 64);
    assert!(offset_of!(flow::Entry, attempt) + std::mem::size_of::<Option<flow::Attempt>>() <= 64);
    let hot_end = offset_of!(flow::Entry, conn)
        + offset_of!(flow::Conn, zeek)
        + offset_of!(zeek::ZeekConn, last_time)
        + std::mem::size_of::<crate::packet::Timestamp>();
    assert!(hot_end <= 256, "the hot part ends at byte {hot_end}");
    assert!(offset_of!(flow::Conn, sides) < offset_of!(flow::Conn, zeek));
}

/// Runs `f` on a thread and fails if it has not returned within 20 s: the engine looped.
fn within_seconds<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what}: the engine panicked (see above)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: the engine did not return within 20 s (endless loop)")
        }
    }
}

/// Regression: a failed attempt whose tuple still carries a connection 130 s after its last
/// SYN (ATTEMPT_MEMORY_SECS) made `advance()` pop the same timer forever. Here a Windows-style
/// retry of a refused SYN (same port and ISN) is answered at last and the connection lives on.
#[test]
fn refused_then_retry_answered_and_long_lived_does_not_loop() {
    let (snap, conns) = within_seconds("refused, then answered", || {
        let mut s = Seq::new();
        s.feed(&[pkt(0, true, S, 100, 0), pkt(1, false, R | A, 0, 101)]);
        s.feed(&[
            pkt(3000, true, S, 100, 0),
            pkt(3001, false, S | A, 900, 101),
            pkt(3002, true, A, 101, 901),
        ]);
        for i in 1..=20 {
            s.feed(&[with_len(pkt(3002 + i * 10_000, true, A | P, 101, 901), 1)]);
        }
        s.done()
    });
    assert_eq!(snap.totals.attempts, 1);
    assert_eq!(snap.totals.failed_attempts, 1);
    assert_eq!(snap.totals.rst_by_cause, [1, 0, 0, 0, 0]);
    assert_eq!(states(&conns), ["REJ", "S1"]);
}

/// Regression: the same loop from a SYN-ACK that does not acknowledge the SYN (the attempt
/// fails unanswered after 10 s) while the responder keeps the connection alive.
#[test]
fn syn_ack_with_a_wrong_ack_on_a_long_connection_does_not_loop() {
    let (snap, _) = within_seconds("wrong SYN-ACK", || {
        let mut s = Seq::new();
        s.feed(&[pkt(0, true, S, 100, 0), pkt(1, false, S | A, 900, 555)]);
        for i in 1..=20 {
            s.feed(&[pkt(i * 10_000, false, S | A, 900, 555)]);
        }
        s.done()
    });
    assert_eq!(snap.totals.attempts, 1);
    assert_eq!(snap.totals.failed_attempts, 1);
    assert_eq!(
        snap.series.first().map(|(_, c)| c.failed_by),
        Some([0, 0, 1])
    );
}

/// Regression (found by fuzzing): a SYN at least 130 s older than the packet time already
/// reached (the capture's time went back) has its unanswered and its memory deadline both in
/// the past, so its timer fires past both: the attempt failed there, and its memory deadline,
/// already due, was not acted on in the same call, so the timer came back at the time it had
/// fired at. Here the connection's idle timeout is what fires (400 s back, the server's own
/// SYN with the client's ISN, as a socket connected to itself shows).
#[test]
fn a_syn_older_than_the_packet_time_fails_and_is_forgotten_at_once() {
    let (snap, conns) = within_seconds("a SYN from the past", || {
        let mut s = Seq::new();
        s.feed(&[pkt(400_000, true, S, 100, 0), pkt(0, false, S, 100, 0)]);
        let mut other = pkt(0, true, S, 500, 0);
        other.cport = 40001;
        s.feed(&[other]);
        s.done()
    });
    // Each SYN is an attempt, unanswered, counted once in its own second.
    assert_eq!(snap.totals.attempts, 3);
    assert_eq!(snap.totals.failed_attempts, 3);
    assert_eq!(snap.totals.time_reversals, 2);
    let failed: Vec<(i64, u32)> = snap.series.iter().map(|&(s, c)| (s, c.failed())).collect();
    assert_eq!(failed, [(1_700_000_000, 2), (1_700_000_400, 1)]);
    // Going 400 s back starts another capture: the first SYN's connection ends there.
    assert_eq!(snap.totals.new_captures, 1);
    assert_eq!(conns.len(), 3);
    assert_eq!(snap.live_flows, 0);
}

/// The same, found by the property tests: a connection seen midstream, then a SYN of its
/// client 130 s earlier. The attempt's own deadline is lifted to the packet time, where it
/// fires past both deadlines.
#[test]
fn a_syn_130_s_in_the_past_of_a_midstream_connection_does_not_loop() {
    let (snap, conns) = within_seconds("a SYN 130 s back", || {
        let mut s = Seq::new();
        s.feed(&[
            pkt(200_000, true, A, 101, 901),
            pkt(70_000, true, S, 100, 0),
        ]);
        let mut other = pkt(200_000, true, S, 500, 0);
        other.cport = 40001;
        s.feed(&[other]);
        s.done()
    });
    assert_eq!(snap.totals.attempts, 2);
    assert_eq!(snap.totals.failed_attempts, 2);
    // Going 130 s back starts another capture: the midstream connection ends there.
    assert_eq!(snap.totals.new_captures, 1);
    assert_eq!(conns.len(), 3);
    assert_eq!(snap.live_flows, 0);
}

/// The timer queue's guard: a timer that fired and is due again at the same packet time
/// stops a debug build (release builds move it past the current packet).
#[test]
#[should_panic(expected = "is due again")]
fn a_timer_due_again_without_progress_is_caught() {
    let mut s = Seq::new();
    s.feed(&[pkt(0, true, S, 100, 0)]);
    let e = &mut s.engine;
    let due = e.entries[0].timer_at;
    e.ensure_progress(0, e.entries[0].generation, due);
}

/// A SYN from `client`:40000 to SERVER:`port` with sequence number `isn` at `ms`
/// milliseconds of packet time, refused by a RST/ACK at once.
fn refuse(e: &mut Engine, client: IpAddr, port: u16, isn: u32, ms: i64) {
    let syn = syn(
        Timestamp(ms * 1_000_000),
        (client, 40_000),
        (SERVER, port),
        isn,
    );
    e.packet(&syn);
    e.packet(&refusal(&syn));
}

/// Regression (real-window trial): a port scan of 45,000 ports past the endpoint table's
/// 10,000 told two stories: its sentence (the per-client tally, which sees every SYN) 45,000
/// refused, its row and details (the endpoints kept) 10,000, the targets listed from port
/// 35001 beside the sentence's "1, 2, 3". The scan counts the targets the table did not keep,
/// and its sentence says how many and what the endpoints' own counts hold; a scan the table
/// keeps whole says nothing of it. Here with the table's bound lowered to 100 endpoints.
#[test]
fn a_scan_says_how_many_of_its_targets_the_endpoint_table_did_not_keep() {
    let small = |ports: u16| {
        let mut config = EngineConfig::default();
        config.services.max_tracked = 100;
        let mut e = Engine::new(config);
        for port in 1..=ports {
            refuse(&mut e, CLIENT, port, u32::from(port) << 16, i64::from(port));
        }
        e.finish();
        e.snapshot()
    };
    let s = small(300);
    assert!(s.other_endpoints.dropped > 0, "the table overflowed");
    assert_eq!(s.scans.len(), 1, "{:?}", s.scans);
    let scan = &s.scans[0];
    let kept = s.offenders.iter().filter(|o| o.scan.is_some()).count() as u64;
    assert!(kept > 0 && kept < 300, "{kept} targets kept");
    assert_eq!(
        (scan.targets, scan.refused, scan.targets_at_least),
        (300, 300, false)
    );
    assert_eq!(scan.not_kept, 300 - kept);
    let sentence = crate::report::scan_sentence(scan, crate::report::Clock::Utc);
    assert!(
        sentence.ends_with(&format!(
            "Of its targets, {} were not kept as endpoints (more endpoints were seen than the \
             endpoint table keeps, and those with the fewest incidents went first): the \
             endpoints' own counts, series and lists hold the other {kept}.",
            300 - kept
        )),
        "{sentence}"
    );
    assert!(crate::report::scan_gist(scan).contains(&format!(" ({} not kept): ", 300 - kept)));
    // Counted again over a time range, the kept targets are all it can count: at least.
    let again = scan.uncounted();
    assert_eq!((again.not_kept, again.targets_at_least), (0, true));

    let s = small(50);
    assert_eq!(s.other_endpoints.dropped, 0);
    assert_eq!((s.scans[0].targets, s.scans[0].not_kept), (50, 0));
    let sentence = crate::report::scan_sentence(&s.scans[0], crate::report::Clock::Utc);
    assert!(!sentence.contains("not kept"), "{sentence}");
    assert!(!crate::report::scan_gist(&s.scans[0]).contains("not kept"));
}

/// A scan: more service endpoints than the table keeps. The worst offender stays whatever
/// order it came in, the dropped ones' counts are kept apart, and together they add up.
#[test]
fn a_scan_past_the_endpoint_table_keeps_the_worst_offender_and_counts_the_rest() {
    let mut e = Engine::new(EngineConfig::default());
    // The worst offender comes first, then a scan of 30,000 other ports.
    for i in 0..50 {
        refuse(&mut e, CLIENT, 7211, 1_000 + i * 10, i64::from(i));
    }
    let scanned = offenders::Services::MAX_TRACKED as u32 + 10_000;
    for port in 0..scanned {
        refuse(
            &mut e,
            CLIENT,
            10_000 + (port % 50_000) as u16,
            port,
            100 + i64::from(port),
        );
    }
    e.finish();
    let s = e.snapshot();
    assert_eq!(s.offenders[0].port, 7211);
    assert_eq!(s.offenders[0].rst_packets, 50);
    assert!(s.other_endpoints.dropped >= 10_000);
    assert!(s.offenders.len() <= offenders::Services::MAX_TRACKED);
    crate::fuzzing::check_invariants(&s, EngineConfig::default().max_flows);
    assert_eq!(s.totals.rst_packets, 50 + u64::from(scanned));
}

/// The agent's engine ([`crate::agent::engine_config`]) keeps its own, smaller bounds: a scan
/// past its 3,584 endpoints keeps the worst offender and counts the rest as an analysis's
/// does past 10,000, and its endpoints' series and client sets get what its 48 MB leave, not
/// an analysis's 104 MB.
#[test]
fn the_agents_engine_keeps_its_own_endpoint_and_memory_bounds() {
    let config = crate::agent::engine_config(crate::agent::MAX_FLOWS);
    let bounds = config.services;
    assert_eq!(bounds.max_tracked, crate::agent::MAX_ENDPOINTS);
    assert_eq!(config.max_flows, 100_000);
    let mut e = Engine::new(config);
    let limits = e.services.limits();
    // Two copies of a 72-byte entry each: the series and the snapshots' copy.
    assert_eq!(limits.series_entries, 48_000_000 / 3 * 2 / 144);
    assert_eq!(limits.clients, 48_000_000 / 3 / 30);
    assert!(
        limits.series_entries
            < Engine::new(EngineConfig::default())
                .services
                .limits()
                .series_entries
    );
    for i in 0..50 {
        refuse(&mut e, CLIENT, 7211, 1_000 + i * 10, i64::from(i));
    }
    let scanned = bounds.max_tracked as u32 + 2_000;
    for port in 0..scanned {
        refuse(
            &mut e,
            CLIENT,
            10_000 + port as u16,
            port,
            100 + i64::from(port),
        );
    }
    e.finish();
    let s = e.snapshot();
    assert_eq!(s.offenders[0].port, 7211);
    assert!(
        s.offenders.len() <= bounds.max_tracked,
        "{}",
        s.offenders.len()
    );
    assert!(s.other_endpoints.dropped >= 2_000);
    let kept: u64 = s.offenders.iter().map(|o| o.rst_packets).sum();
    assert_eq!(
        kept + s.other_endpoints.rst_packets(),
        50 + u64::from(scanned)
    );
    assert_eq!(s.totals.rst_packets, 50 + u64::from(scanned));
    // The warning a stopped agent's report gives names its own bound, not an analysis's.
    let warning = crate::analysis::other_endpoints_warning(&s.other_endpoints, bounds.max_tracked);
    assert!(warning.contains("(more than 3,584 were seen;"), "{warning}");
}

/// Regression: a full endpoint table made room by RSTs plus failed attempts, so a client's
/// retries of one refused attempt (4 RSTs, 1 incident) outweighed endpoints that refused two
/// attempts each (2 incidents), and stayed while they went. It makes room by incidents, the
/// offenders' ranking: the endpoints it keeps are those the table would rank first.
#[test]
fn a_full_endpoint_table_makes_room_by_incidents_not_by_retried_refusals() {
    let mut e = Engine::new(EngineConfig::default());
    for k in 0..4 {
        refuse(&mut e, CLIENT, 7211, 1_000, k * 500);
    }
    for port in 0..offenders::Services::MAX_TRACKED as u32 {
        let (p, ms) = (10_000 + port as u16, 10_000 + 2 * i64::from(port));
        refuse(&mut e, CLIENT, p, 2 * port + 10, ms);
        refuse(&mut e, CLIENT, p, 2 * port + 11, ms + 1);
    }
    e.finish();
    let s = e.snapshot();
    assert!(s.other_endpoints.dropped > 0);
    assert!(
        s.offenders
            .iter()
            .all(|o| o.port != 7211 && o.incidents == 2),
        "the endpoint of one retried refusal makes room first"
    );
    crate::fuzzing::check_invariants(&s, EngineConfig::default().max_flows);
}

/// A scanner that goes over the same 1,000 ports every second would give each its own
/// per-second series: the endpoints' series together stay within their bound, the worst
/// offender keeps its whole series, those that gave theirs up say from when they count, and
/// every total stays exact.
#[test]
fn endpoints_busy_every_second_keep_their_series_within_the_bound() {
    let mut e = Engine::new(EngineConfig::default());
    // Each probe from its own address: the flow table fills with the refusals it remembers,
    // leaving the series less room.
    let mut isn = 1u32;
    let mut refused = |e: &mut Engine, port: u16, ms: i64, client: IpAddr| {
        isn = isn.wrapping_add(7_919);
        refuse(e, client, port, isn, ms);
    };
    let (ports, seconds) = (1_000u16, 400i64);
    let mut most = 0;
    for sec in 0..seconds {
        let ms = (1_700_000_000 + sec) * 1000;
        for i in 0..3 {
            refused(&mut e, 7211, ms + i, CLIENT);
        }
        for p in 0..ports {
            let client = Ipv4Addr::from(0x0b00_0000 + (sec as u32) * 1_000 + u32::from(p));
            refused(
                &mut e,
                10_000 + p,
                ms + 10 + i64::from(p % 900),
                client.into(),
            );
        }
        let over =
            e.services.usage().series_entries as i64 - e.services.limits().series_entries as i64;
        most = most.max(over);
    }
    let bound = e.services.limits().series_entries;
    assert!(
        u64::from(ports) * seconds as u64 > bound as u64 * 2,
        "the test goes past the bound"
    );
    assert!(most <= 1, "{most} entries over the bound");
    e.finish();
    let s = e.snapshot();
    crate::fuzzing::check_invariants(&s, EngineConfig::default().max_flows);
    assert_eq!(
        s.totals.failed_attempts,
        (u64::from(ports) + 3) * seconds as u64
    );
    let worst = &s.offenders[0];
    assert_eq!((worst.port, worst.incidents), (7211, 3 * seconds as u64));
    assert_eq!(
        worst.series_from, None,
        "the worst offender keeps its whole series"
    );
    assert_eq!(worst.series.len(), seconds as usize);
    let cut: Vec<_> = s
        .offenders
        .iter()
        .filter(|o| o.series_from.is_some())
        .collect();
    assert!(cut.len() > ports as usize / 2, "{} cut", cut.len());
    let last = 1_700_000_000 + seconds - 1;
    for o in &s.offenders[1..] {
        assert_eq!(o.incidents, seconds as u64, "every total stays exact");
        assert_eq!((o.peak_rate, o.failed_refused), (1, seconds as u64));
        let from = o.series_from.unwrap_or(1_700_000_000);
        assert_eq!(o.counted_from(1_700_000_000), o.series_from);
        let r = o.restricted(from, last).expect("incidents since");
        assert_eq!(r.incidents, (last - from + 1) as u64, "{}", o.port);
    }
    assert_eq!(s.offenders.len(), usize::from(ports) + 1);
}

/// A flood from spoofed sources over many ports would fill every endpoint's set of clients:
/// together they stay within their bound, the worst offender keeps its exact count, and those
/// that gave theirs up keep a lower bound.
#[test]
fn endpoints_reached_from_many_clients_keep_their_sets_within_the_bound() {
    let mut e = Engine::new(EngineConfig::default());
    let mut n = 0u32;
    let mut refused = |e: &mut Engine, client: u32, port: u16| {
        n += 1;
        let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + client));
        let ms = (1_700_000_000 + i64::from(n / 100_000)) * 1000;
        refuse(e, client, port, n.wrapping_mul(7_919), ms);
    };
    let (ports, clients) = (2_000u32, 300u32);
    let mut most = 0;
    for c in 0..clients {
        for i in 0..3 {
            refused(&mut e, 1_000_000 + c * 3 + i, 7211);
        }
        for p in 0..ports {
            refused(&mut e, c * ports + p, 10_000 + p as u16);
        }
        let over = e.services.usage().clients as i64 - e.services.limits().clients as i64;
        most = most.max(over);
    }
    let bound = e.services.limits().clients;
    assert!(
        (ports * clients) as usize > bound * 2,
        "the test goes past the bound"
    );
    assert!(most <= 1, "{most} clients over the bound");
    e.finish();
    let s = e.snapshot();
    crate::fuzzing::check_invariants(&s, EngineConfig::default().max_flows);
    let worst = &s.offenders[0];
    assert_eq!((worst.port, worst.clients), (7211, u64::from(3 * clients)));
    assert!(
        !worst.clients_at_least,
        "the worst offender's count is exact"
    );
    let mut given_up = 0;
    for o in &s.offenders[1..] {
        assert_eq!(
            o.failed_refused,
            u64::from(clients),
            "every total stays exact"
        );
        if o.clients_at_least {
            given_up += 1;
            assert!(o.clients < u64::from(clients), "{}: {}", o.port, o.clients);
        } else {
            assert_eq!(o.clients, u64::from(clients));
        }
    }
    assert!(given_up > ports / 2, "{given_up} gave up");
}

/// Refused attempts at `seconds` (ms 0 of each; at second 100 four more), as a snapshot.
fn refusals_at(seconds: impl Iterator<Item = i64>) -> Snapshot {
    let mut s = Seq::new();
    let mut isn = 1_000u32;
    let mut refuse = |s: &mut Seq, ms: i64, cport: u16| {
        isn += 7_919;
        let mut syn = pkt(ms, true, S, isn, 0);
        let mut rst = pkt(ms, false, R | A, 0, isn + 1);
        (syn.cport, rst.cport) = (cport, cport);
        s.feed(&[syn, rst]);
    };
    for sec in seconds {
        refuse(&mut s, sec * 1000, 40_000 + (sec % 20_000) as u16);
        if sec == 100 {
            for k in 1..5 {
                refuse(&mut s, sec * 1000 + k * 10, 60_000 + k as u16);
            }
        }
    }
    s.done().0
}

/// Three hours of one refused attempt a second, and a burst of five in one second of the
/// first: past 7,200 seconds with incidents, the seconds older than an hour fold into
/// minutes, with the totals and the peak exact.
#[test]
fn old_seconds_fold_into_minutes_with_exact_sums_and_peaks() {
    let snap = refusals_at(0..10_800);
    let b = snap.minutes_before.expect("folded");
    assert!(b > 1_700_000_000 + 3_500 && b % 60 == 0, "{b}");
    let minutes = snap.series.iter().filter(|(sec, _)| *sec < b).count();
    assert!(minutes <= 121, "{minutes} entries before the boundary");
    assert!(snap.series.len() <= 121 + series::FOLD_AFTER_SECONDS);
    let failed: u32 = snap.series.iter().map(|(_, c)| c.failed()).sum();
    assert_eq!(u64::from(failed), snap.totals.failed_attempts);
    assert_eq!(snap.totals.failed_attempts, 10_804);
    assert_eq!(snap.peak_failed.0, Some((1_700_000_100, 5)));
    let o = &snap.offenders[0];
    assert_eq!((o.peak_rate, o.peak_second), (5, 1_700_000_100));
    assert_eq!(o.minutes_before, Some(b));
    assert_eq!(o.incidents, 10_804);
}

/// A sparse capture keeps every second however long it is: one refusal every ten seconds for
/// ten hours.
#[test]
fn a_sparse_long_capture_keeps_every_second() {
    let snap = refusals_at((0..3_600).map(|i| i * 10));
    assert_eq!(snap.minutes_before, None);
    assert_eq!(snap.series.len(), 3_600);
}

/// The agent's retention ([`series::Retention::AGENT`]) over two simulated days of a steady
/// stream: a refused attempt every second, to 20 endpoints in turn (five at once in second
/// 100), and a completed handshake every ten seconds to a service that also had one stray RST.
/// Whatever the length of the run, every series (the global one and each endpoint's, the
/// completed handshakes' included) holds at most the last six minutes per second and six
/// hours per minute, while totals, each endpoint's counts and the peaks stay exact.
/// Regression: the agent's series grew with the run (seconds folded only past 7,200 of them,
/// minutes never dropped: 1,440 more entries a day per busy endpoint, each copied into
/// snapshots).
#[test]
fn the_agents_retention_bounds_every_series_over_days_with_exact_counts() {
    let mut s = Seq::new();
    s.engine = Engine::new(EngineConfig {
        retention: series::Retention::AGENT,
        ..EngineConfig::default()
    });
    let days = 2;
    let bound = 6 * 60 + 1 + 6 * 60 + 1;
    let mut isn = 1_000u32;
    let mut refuse = |s: &mut Seq, ms: i64, cport: u16, sport: u16| {
        isn = isn.wrapping_add(7_919);
        let mut syn = pkt(ms, true, S, isn, 0);
        let mut rst = pkt(ms, false, R | A, 0, isn.wrapping_add(1));
        (syn.cport, rst.cport, syn.sport, rst.sport) = (cport, cport, sport, sport);
        s.feed(&[syn, rst]);
    };
    let mut stray = pkt(0, false, R | A, 5, 5);
    (stray.cport, stray.sport) = (50_000, 8080);
    s.feed(&[stray]);
    let mut longest = (0, 0);
    for sec in 0..days * 86_400i64 {
        let cport = 20_000 + (sec % 40_000) as u16;
        refuse(&mut s, sec * 1000, cport, 7000 + (sec % 20) as u16);
        if sec == 100 {
            for k in 1..5 {
                refuse(&mut s, sec * 1000 + k * 10, 60_000 + k as u16, 7000);
            }
        }
        if sec % 10 == 5 {
            let i = 9_000_000u32.wrapping_add(sec as u32);
            let mut hs = [
                pkt(sec * 1000, true, S, i, 0),
                pkt(sec * 1000 + 1, false, S | A, 77, i + 1),
                pkt(sec * 1000 + 2, true, A, i + 1, 78),
                pkt(sec * 1000 + 3, true, R | A, i + 1, 78),
            ];
            for p in &mut hs {
                (p.cport, p.sport) = (cport, 8080);
            }
            s.feed(&hs);
        }
        if sec % 3_600 == 3_599 {
            let snap = s.engine.snapshot();
            longest.0 = longest.0.max(snap.series.len());
            let most = snap.offenders.iter().map(|o| o.series.len()).max();
            longest.1 = longest.1.max(most.unwrap_or(0));
        }
    }
    let snap = s.done().0;
    assert!(
        longest.0 <= bound && longest.1 <= bound,
        "{longest:?} (bound {bound})"
    );
    let now = 1_700_000_000 + days * 86_400 - 1;
    let kept = snap.kept_from.expect("older entries dropped");
    assert!(kept >= now - 6 * 3600 - 60 && kept % 60 == 0, "{kept}");
    assert!(snap.series.first().is_some_and(|(k, _)| *k >= kept));
    let b = snap.minutes_before.expect("folded");
    assert!(b >= now - 6 * 60 && b % 60 == 0, "{b}");
    // Counters, peaks and each endpoint's incidents cover the whole run.
    let refused = days as u64 * 86_400 + 4;
    assert_eq!(snap.totals.failed_attempts, refused);
    assert_eq!(snap.peak_failed.0, Some((1_700_000_100, 5)));
    let o = |port: u16| {
        snap.offenders
            .iter()
            .find(|o| o.port == port)
            .unwrap_or_else(|| panic!("no offender at {port}"))
    };
    let busiest = o(7000);
    assert_eq!(busiest.failed_attempts, days as u64 * 86_400 / 20 + 4);
    assert_eq!(busiest.incidents, busiest.failed_attempts);
    assert_eq!((busiest.peak_rate, busiest.peak_second), (5, 1_700_000_100));
    let service = o(8080);
    assert_eq!(service.completed, days as u64 * 8_640);
    assert!(service.series.len() <= bound);
    assert!(snap.offenders.iter().all(|o| o.series.len() <= bound));
}

/// The capture's first and last time and its reversals, as packet time goes forward, stays,
/// goes back by less than a second and by more (counting takes a shortcut when it goes forward).
#[test]
fn first_and_last_time_and_reversals_follow_the_packets() {
    let mut s = Seq::new();
    let ts = |ms: i64| Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + ms * 1_000_000);
    let mut at = |ms: i64| {
        s.feed(&[pkt(ms, true, A, 1, 1)]);
        let t = s.engine.snapshot().totals;
        (t.first_ts, t.last_ts, t.time_reversals)
    };
    assert_eq!(at(5_000), (Some(ts(5_000)), Some(ts(5_000)), 0));
    assert_eq!(at(6_000), (Some(ts(5_000)), Some(ts(6_000)), 0));
    assert_eq!(at(6_000), (Some(ts(5_000)), Some(ts(6_000)), 0));
    assert_eq!(at(5_500), (Some(ts(5_000)), Some(ts(6_000)), 0));
    assert_eq!(at(4_000), (Some(ts(4_000)), Some(ts(6_000)), 1));
    assert_eq!(at(7_000), (Some(ts(4_000)), Some(ts(7_000)), 1));
}

/// Regression: a capture appended to itself (pop3.pcap twice: time steps back 151 s) took
/// the second copy's SYNs for retransmissions of the first's, refused attempts for unanswered
/// ones. Time going back more than 10 s starts another capture: what was in flight ends as at
/// the end of a capture, and the copy counts as the original did.
#[test]
fn time_going_back_more_than_10_s_starts_another_capture() {
    let refused = |at: i64| [pkt(at, true, S, 100, 0), pkt(at + 1, false, R | A, 0, 101)];
    let unanswered = |at: i64| Pkt {
        cport: 40001,
        ..pkt(at, true, S, 500, 0)
    };
    let copy = |s: &mut Seq| {
        s.feed(&refused(0));
        s.feed(&[unanswered(2_000)]);
        s.feed(&refused(500)).feed(&refused(1_000));
    };
    let mut s = Seq::new();
    copy(&mut s);
    let (one, _) = s.done();
    let mut s = Seq::new();
    copy(&mut s);
    s.feed(&[pkt(30_000, true, A, 1, 1)]);
    copy(&mut s);
    let (two, conns) = s.done();
    assert_eq!(two.totals.new_captures, 1);
    assert_eq!(one.totals.new_captures, 0);
    assert_eq!(
        (two.totals.attempts, two.totals.failed_attempts),
        (2 * one.totals.attempts, 2 * one.totals.failed_attempts)
    );
    assert_eq!(two.totals.rst_by_cause, [6, 0, 0, 0, 0]);
    let o = &two.offenders[0];
    assert_eq!((o.failed_refused, o.failed_unanswered), (2, 2));
    // The unanswered SYN of the first copy was 28 s before its end: given up on; the second
    // copy's ends the capture less than 10 s after it: too soon to tell.
    assert_eq!(o.cut_off_attempts(), 1);
    assert_eq!(states(&conns).iter().filter(|&&c| c == "REJ").count(), 6);
    assert_eq!(two.live_flows, 0);
    // Less than 10 s back: the same capture, packets out of order.
    let mut s = Seq::new();
    s.feed(&refused(9_000)).feed(&refused(0));
    let (snap, _) = s.done();
    assert_eq!(snap.totals.new_captures, 0);
    assert_eq!(snap.totals.failed_attempts, 1);
}

/// A file whose time goes back and forth by more than 10 s starts a capture each time, and
/// each costs a pass over the entries of the capture before only.
#[test]
fn time_going_back_and_forth_does_not_pile_up() {
    let (snap, _) = within_seconds("time back and forth", || {
        let mut s = Seq::new();
        for k in 0..2_000u16 {
            s.feed(&[Pkt {
                cport: 10_000 + k,
                ..pkt(0, true, S, 100, 0)
            }]);
        }
        for k in 0..20_000i64 {
            s.feed(&[pkt((k % 2) * 20_000, true, A, 1, 1)]);
        }
        s.done()
    });
    assert_eq!(snap.totals.new_captures, 9_999);
    assert_eq!(snap.totals.failed_attempts, 2_000);
}

/// Regression: nmap's SYN+FIN+PSH+URG probe (activeosfingerprinting.pcapng: port 53951 to
/// 135, sent 4 times, unanswered) was counted as a failed connection attempt. No stack takes
/// SYN+FIN for a connect: Zeek's SH with history `Q`, and no attempt.
#[test]
fn a_syn_fin_probe_is_no_connection_attempt() {
    let probe = |ms| pkt(ms, true, S | F | P | TcpFlags::URG, 100, 0);
    let (snap, conns) = Seq::new()
        .feed(&[probe(0), probe(175), probe(350), probe(525)])
        .done();
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (0, 0));
    assert_eq!(
        snap.totals.syn_packets, 4,
        "still SYNs, as tshark counts them"
    );
    assert!(snap.offenders.is_empty(), "{:?}", snap.offenders);
    assert!(
        conns
            .iter()
            .all(|c| c.state.as_str() == "SH" && c.history == "Q")
    );
    // A plain SYN on the same tuple after it is an attempt as any other.
    let (snap, _) = Seq::new()
        .feed(&[probe(0), pkt(100, true, S, 200, 0)])
        .done();
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (1, 1));
}

/// Regression: zeek/tunnels/Teredo.pcap's server reset its connection 18 s after the client
/// had (the handshake, data, the client's RST, then the server's): that RST starts a
/// connection of its own (Zeek's `^r`), a stray one, and was told as one of a connection
/// whose start was not captured. Its tuple's connection ended with a RST lately: the endpoint
/// counts it apart. A half-open connection's lone and repeated resets stay as they were.
#[test]
fn a_reset_after_the_connection_was_reset_is_told_apart() {
    let established = [
        pkt(0, true, S, 100, 0),
        pkt(80, false, S | A, 900, 101),
        pkt(81, true, A, 101, 901),
        with_len(pkt(90, true, A | P, 101, 901), 200),
        pkt(400, true, R | A, 301, 901),
    ];
    let late = pkt(18_200, false, R | A, 901, 301);
    let (snap, conns) = Seq::new().feed(&established).feed(&[late]).done();
    assert_eq!(causes(&snap), [0, 0, 0, 1, 1]);
    assert_eq!(
        (states(&conns)[0], conns.len()),
        ("RSTO", 2),
        "a connection of its own"
    );
    let o = &snap.offenders[0];
    assert_eq!(o.stray_after_reset, [1, 0], "reset by the client before");
    // More than 130 s later: no longer taken for an answer to that reset.
    let mut too_late = late;
    too_late.ms = 140_000;
    let (snap, _) = Seq::new().feed(&established).feed(&[too_late]).done();
    assert_eq!(snap.offenders[0].stray_after_reset, [0, 0]);
    // A half-open connection's resets, one a minute: strays of a start not captured.
    let lone = |ms| pkt(ms, false, R, 901, 0);
    let (snap, _) = Seq::new()
        .feed(&[lone(0), lone(60_000), lone(120_000)])
        .done();
    assert_eq!(causes(&snap), [0, 0, 0, 0, 3]);
    assert_eq!(snap.offenders[0].stray_after_reset, [0, 0]);
}

/// A probe of `port` from client port `cport` at `ms`: the SYN and the server's answer to it.
fn probe(ms: i64, cport: u16, port: u16, isn: u32, answer: &str) -> Vec<Pkt> {
    let at = |ms: i64, from_client: bool, flags: u16, seq: u32, ack: u32| Pkt {
        cport,
        sport: port,
        ..pkt(ms, from_client, flags, seq, ack)
    };
    let syn = at(ms, true, S, isn, 0);
    match answer {
        "refused" => vec![syn, at(ms + 1, false, R | A, 0, isn + 1)],
        // A half-open (SYN) scan: the scanner's kernel resets the SYN-ACK.
        "half-open" => vec![
            syn,
            at(ms + 1, false, S | A, 5000, isn + 1),
            at(ms + 2, true, R, isn + 1, 0),
        ],
        // A connect scan: the handshake completes, the client resets at once.
        "connect" => vec![
            syn,
            at(ms + 1, false, S | A, 5000, isn + 1),
            at(ms + 2, true, A, isn + 1, 5001),
            at(ms + 3, true, R | A, isn + 1, 5001),
        ],
        _ => vec![syn],
    }
}

/// Regression: synscan.pcapng (chrissanders-packets) ranked a thousand offenders, each "2
/// attempts got no answer", and the diagnosis told one of them: one client's probes of many
/// ports of one server are one finding, a half-open SYN scan here.
#[test]
fn one_client_probing_many_ports_of_a_server_is_one_port_scan() {
    let mut s = Seq::new();
    for i in 0..60u16 {
        let answer = match i {
            0 | 1 => "half-open",
            2..40 => "refused",
            _ => "unanswered",
        };
        s.feed(&probe(
            i64::from(i) * 20,
            41000,
            1000 + i,
            100 + u32::from(i) * 1000,
            answer,
        ));
    }
    let (snap, _) = s.done();
    assert_eq!(snap.scans.len(), 1, "{:?}", snap.scans);
    let scan = &snap.scans[0];
    assert_eq!(scan.kind, ScanKind::Ports { server: SERVER });
    assert_eq!(scan.client, CLIENT);
    assert_eq!(scan.targets, 60);
    assert_eq!((scan.lowest.1, scan.highest.1), (1000, 1059));
    assert_eq!(
        (scan.half_open, scan.reset_by_client, scan.completed),
        (2, 2, 0)
    );
    assert_eq!((scan.refused, scan.unanswered), (38, 20));
    assert!(scan.is_half_open());
    assert_eq!(
        scan.open_named,
        [
            (SERVER, 1000, crate::packet::Overlay::NONE),
            (SERVER, 1001, crate::packet::Overlay::NONE)
        ]
    );
    assert_eq!((scan.attempts, scan.failed_attempts), (60, 60));
    // Every offender is one of its targets, and points to it.
    assert_eq!(snap.offenders.len(), 60);
    assert!(snap.offenders.iter().all(|o| {
        o.scan
            .as_ref()
            .is_some_and(|s| std::sync::Arc::ptr_eq(s, scan))
    }));
}

/// An open port the scanner never acknowledges nor resets (its resets were not captured, as in
/// synscan.pcapng) is counted as open, half-open, though its attempt neither failed nor
/// completed.
#[test]
fn a_syn_ack_left_unanswered_is_an_open_port_of_a_half_open_scan() {
    let mut s = Seq::new();
    for i in 0..30u16 {
        let mut p = probe(
            i64::from(i) * 20,
            41000,
            2000 + i,
            7 + u32::from(i) * 1000,
            "refused",
        );
        if i == 5 {
            // The SYN-ACK, nothing after it.
            p[1].flags = S | A;
            p[1].seq = 5000;
        }
        s.feed(&p);
    }
    let (snap, _) = s.done();
    let scan = &snap.scans[0];
    assert_eq!((scan.half_open, scan.reset_by_client), (1, 0));
    assert_eq!(
        scan.open_named,
        [(SERVER, 2005, crate::packet::Overlay::NONE)]
    );
    assert_eq!((scan.refused, scan.targets), (29, 30));
    assert_eq!(snap.offenders.len(), 29, "the open port had no incident");
}

/// A connect scan completes the handshake with each open port; still a scan.
#[test]
fn a_connect_scan_completes_the_handshakes_of_its_open_ports() {
    let mut s = Seq::new();
    for i in 0..25u16 {
        let answer = if i < 3 { "connect" } else { "refused" };
        s.feed(&probe(
            i64::from(i) * 20,
            41000 + i,
            3000 + i,
            9 + u32::from(i) * 1000,
            answer,
        ));
    }
    let (snap, _) = s.done();
    let scan = &snap.scans[0];
    assert_eq!((scan.completed, scan.half_open, scan.refused), (3, 0, 22));
    assert!(!scan.is_half_open());
}

/// What must not be called a scan: a client that retries one closed port; a busy client whose
/// many services each refuse it a few times; one that works with many services of a server;
/// a scan of fewer than 20 ports; 20 ports probed by two clients, ten each.
#[test]
fn ordinary_failures_are_not_scans() {
    // One closed port, retried 100 times.
    let mut s = Seq::new();
    for i in 0..100u32 {
        s.feed(&probe(
            i64::from(i) * 500,
            40000 + i as u16,
            7211,
            100 + i * 1000,
            "refused",
        ));
    }
    assert!(s.done().0.scans.is_empty());

    // 25 services, each refusing three attempts over a minute.
    let mut s = Seq::new();
    for round in 0..3u32 {
        for i in 0..25u16 {
            let ms = i64::from(round) * 20_000 + i64::from(i) * 100;
            let isn = 100 + (round * 100 + u32::from(i)) * 1000;
            s.feed(&probe(
                ms,
                40000 + (round as u16) * 100 + i,
                5000 + i,
                isn,
                "refused",
            ));
        }
    }
    let (snap, _) = s.done();
    assert!(snap.scans.is_empty(), "{:?}", snap.scans);
    assert_eq!(snap.offenders.len(), 25);

    // 30 services that work, 10 of them refusing once besides.
    let mut s = Seq::new();
    for i in 0..30u16 {
        let ms = i64::from(i) * 100;
        s.feed(&probe(
            ms,
            40000 + i,
            6000 + i,
            100 + u32::from(i) * 1000,
            "connect",
        ));
        if i < 10 {
            s.feed(&probe(
                ms + 50,
                41000 + i,
                6000 + i,
                7 + u32::from(i) * 1000,
                "refused",
            ));
        }
    }
    assert!(s.done().0.scans.is_empty());

    // 19 ports: below the threshold.
    let mut s = Seq::new();
    for i in 0..19u16 {
        s.feed(&probe(
            i64::from(i) * 20,
            41000,
            1000 + i,
            100 + u32::from(i) * 1000,
            "refused",
        ));
    }
    assert!(s.done().0.scans.is_empty());
}

/// A scan's targets rank after the offenders with a problem of their own, whatever their
/// counts: the scan is told once, above them.
#[test]
fn a_scans_targets_rank_after_the_other_offenders() {
    let mut s = Seq::new();
    for i in 0..30u16 {
        s.feed(&probe(
            i64::from(i) * 20,
            41000,
            1000 + i,
            100 + u32::from(i) * 1000,
            "refused",
        ));
        s.feed(&probe(
            i64::from(i) * 20 + 5,
            41001,
            1000 + i,
            200 + u32::from(i) * 1000,
            "refused",
        ));
    }
    // Another client refused once: fewer failures than any target.
    let mut other = probe(5_000, 42000, 7211, 99, "refused");
    for p in &mut other {
        p.client = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));
    }
    s.feed(&other);
    let (snap, _) = s.done();
    assert_eq!(snap.scans.len(), 1);
    assert_eq!(snap.offenders[0].port, 7211);
    assert!(snap.offenders[0].scan.is_none());
    assert!(snap.offenders[1..].iter().all(|o| o.scan.is_some()));
}

/// A scan of every port (`nmap -p-`) is larger than the endpoint table, which drops a scan's
/// ports first (one failure each): the count came out as "at least" the few thousand ports
/// left. The per-client tally counts all 65,535, and how each answered.
#[test]
fn a_scan_of_every_port_is_counted_beyond_the_endpoint_table() {
    let mut s = Seq::new();
    for port in 1..=65_535u16 {
        let answer = if port == 22 || port == 80 {
            "half-open"
        } else {
            "refused"
        };
        s.feed(&probe(
            i64::from(port),
            41000,
            port,
            u32::from(port) * 7919,
            answer,
        ));
    }
    let (snap, _) = s.done();
    assert!(snap.other_endpoints.dropped > 0, "the table overflowed");
    assert_eq!(snap.scans.len(), 1, "{:?}", snap.scans);
    let scan = &snap.scans[0];
    assert_eq!(scan.kind, ScanKind::Ports { server: SERVER });
    assert_eq!((scan.targets, scan.targets_at_least), (65_535, false));
    assert_eq!((scan.lowest.1, scan.highest.1), (1, 65_535));
    assert_eq!(
        (scan.refused, scan.half_open, scan.reset_by_client),
        (65_533, 2, 2)
    );
    assert_eq!((scan.completed, scan.unanswered, scan.other), (0, 0, 0));
    assert_eq!((scan.attempts, scan.failed_attempts), (65_535, 65_535));
    assert_eq!(
        scan.open_named,
        [
            (SERVER, 22, crate::packet::Overlay::NONE),
            (SERVER, 80, crate::packet::Overlay::NONE)
        ]
    );
    assert_eq!(scan.refused_named.len(), scans::MAX_NAMED);
    // The targets the table kept point to it.
    assert!(snap.offenders.iter().all(|o| o.scan.is_some()));
}

/// Regression: a scan larger than the endpoint table, counted by the tally, while another
/// program of the same client address retried one closed port from long before the scan to
/// long after it. The port stays an offender of its own, and the tally's scan leaves it out:
/// not in its targets, range or attempts, and its first and last failures, far from the
/// scan's, do not stretch the scan's time.
#[test]
fn a_port_retried_apart_from_a_scan_larger_than_the_table_is_left_out_of_it() {
    let mut s = Seq::new();
    let retry = |s: &mut Seq, sec: i64, n: u32| {
        s.feed(&probe(
            sec * 1000,
            42000 + n as u16,
            7211,
            77 + n * 1000,
            "refused",
        ));
    };
    for (n, sec) in [0, 1, 2].into_iter().enumerate() {
        retry(&mut s, sec, n as u32);
    }
    for i in 0..12_000u16 {
        let ms = 100_000 + i64::from(i);
        s.feed(&probe(
            ms,
            41000,
            20_000 + i,
            1 + u32::from(i) * 7919,
            "refused",
        ));
    }
    for (n, sec) in [200, 201, 202].into_iter().enumerate() {
        retry(&mut s, sec, 3 + n as u32);
    }
    let (snap, _) = s.done();
    assert!(snap.other_endpoints.dropped > 0, "the table overflowed");
    assert_eq!(snap.scans.len(), 1, "{:?}", snap.scans);
    let scan = &snap.scans[0];
    assert_eq!((scan.targets, scan.targets_at_least), (12_000, false));
    assert_eq!((scan.lowest.1, scan.highest.1), (20_000, 31_999));
    assert_eq!(
        (scan.attempts, scan.failed_attempts, scan.refused),
        (12_000, 12_000, 12_000)
    );
    assert_eq!(
        (scan.retried, &scan.retried_named[..]),
        (1, &[((SERVER, 7211, crate::packet::Overlay::NONE), 6)][..])
    );
    let (first, last) = (
        scan.first_seen.expect("first"),
        scan.last_seen.expect("last"),
    );
    assert!(first.second() >= 1_700_000_100, "{first:?}");
    assert_eq!(last.second(), 1_700_000_112, "the last port's refusal");
    let o = &snap.offenders[0];
    assert_eq!((o.port, o.failed_refused), (7211, 6));
    assert!(o.scan.is_none());
}

/// A sweep larger than the endpoint table leaves out, as a port scan does, a server its
/// client tried again and again: not among its hosts, range or attempts.
#[test]
fn a_server_retried_apart_from_a_sweep_larger_than_the_table_is_left_out_of_it() {
    let mut s = Seq::new();
    // Seq's packets go between `client` and SERVER: here SERVER sweeps, and `client` is the
    // server swept.
    let sweep = |s: &mut Seq, ms: i64, server: u32, isn: u32| {
        let mut p = probe(ms, 41000 + (isn % 7) as u16, 22, isn, "refused");
        for q in &mut p {
            q.client = IpAddr::V4(Ipv4Addr::from(0xac10_0000 + server));
            q.from_client = !q.from_client;
            std::mem::swap(&mut q.cport, &mut q.sport);
        }
        s.feed(&p);
    };
    for n in 0..3u32 {
        sweep(&mut s, i64::from(n) * 1000, 50_000, 77 + n * 1000);
    }
    for h in 0..12_000u32 {
        sweep(&mut s, 100_000 + i64::from(h), h, 1 + h * 7919);
    }
    for n in 3..6u32 {
        sweep(&mut s, 200_000 + i64::from(n) * 1000, 50_000, 77 + n * 1000);
    }
    let (snap, _) = s.done();
    assert!(snap.other_endpoints.dropped > 0);
    let sweeps: Vec<_> = snap
        .scans
        .iter()
        .filter(|x| x.kind == ScanKind::Sweep { port: 22 })
        .collect();
    assert_eq!(sweeps.len(), 1, "{:?}", snap.scans);
    let sweep = sweeps[0];
    assert_eq!(
        (sweep.targets, sweep.attempts, sweep.refused),
        (12_000, 12_000, 12_000)
    );
    assert_eq!(
        sweep.highest.0,
        IpAddr::V4(Ipv4Addr::from(0xac10_0000 + 11_999))
    );
    assert_eq!(sweep.retried, 1);
    assert!(sweep.first_seen.expect("first").second() >= 1_700_000_100);
    let o = &snap.offenders[0];
    assert_eq!(o.addr, IpAddr::V4(Ipv4Addr::from(0xac10_0000 + 50_000)));
    assert!(o.scan.is_none());
}

/// `probe` the other way round: SERVER probes `target`:`port` (SERVER is the scanner).
fn probe_from_server(ms: i64, target: IpAddr, port: u16, isn: u32, answer: &str) -> Vec<Pkt> {
    let mut p = probe(ms, 41000, port, isn, answer);
    for q in &mut p {
        q.client = target;
        q.from_client = !q.from_client;
        std::mem::swap(&mut q.cport, &mut q.sport);
    }
    p
}

/// Regression: the agent counted a scan when a snapshot first held it, and the endpoint table
/// drops half its endpoints past 10,000, so 100 port scans by one client over 12,000 endpoints
/// came out as 50 to 100 scans from run to run. The engine counts the scans of the endpoints
/// it is about to drop: all 100, whenever snapshots are taken.
#[test]
fn scans_whose_endpoints_the_table_dropped_stay_counted() {
    let mut s = Seq::new();
    let mut midway = None;
    for h in 0..100u32 {
        let target = IpAddr::V4(Ipv4Addr::from(0xac10_0000 + h));
        for j in 0..120u32 {
            let n = h * 120 + j;
            s.feed(&probe_from_server(
                i64::from(n),
                target,
                1000 + n as u16,
                1 + n * 7919,
                "refused",
            ));
        }
        if h == 90 {
            midway = Some(s.engine.snapshot());
        }
    }
    let (snap, _) = s.done();
    assert!(snap.other_endpoints.dropped > 0, "the table overflowed");
    assert!(
        snap.scans.len() < 100,
        "the table and the tally hold {} of them",
        snap.scans.len()
    );
    assert!(
        snap.scans
            .iter()
            .all(|x| x.client == SERVER && matches!(x.kind, ScanKind::Ports { .. }))
    );
    assert_eq!(
        snap.scans_found,
        ScansFound {
            port_scans: 100,
            sweeps: 0
        }
    );
    let midway = midway.expect("snapshot");
    assert_eq!(midway.scans_found.port_scans, 91);
    assert!(midway.scans.len() < 91);
}

/// A scan that stops being one (its client goes on to complete the handshake with 10 of its 25
/// ports: more than a scan's share of open ports) stays counted once it was one at a count,
/// at most a minute of packet time apart; one that stops within that minute is not counted
/// at the end, though a snapshot that held it counted it.
#[test]
fn a_scan_that_stops_being_one_stays_counted_from_the_next_minute() {
    let run = |later_ms: i64| {
        let mut s = Seq::new();
        for i in 0..25u16 {
            s.feed(&probe(
                i64::from(i),
                41000,
                1000 + i,
                100 + u32::from(i) * 1000,
                "refused",
            ));
        }
        let held = s.engine.snapshot();
        assert_eq!((held.scans.len(), held.scans_found.port_scans), (1, 1));
        for i in 0..10u16 {
            s.feed(&probe(
                later_ms + i64::from(i),
                42000 + i,
                1000 + i,
                900_000 + u32::from(i) * 1000,
                "connect",
            ));
        }
        s.done().0
    };
    let snap = run(70_000);
    assert!(snap.scans.is_empty(), "{:?}", snap.scans);
    assert_eq!(snap.scans_found.port_scans, 1);
    let snap = run(30_000);
    assert!(snap.scans.is_empty(), "{:?}", snap.scans);
    assert_eq!(snap.scans_found.port_scans, 0);
}

/// A sweep of one port over more servers than the table keeps: counted whole by the tally.
#[test]
fn a_sweep_larger_than_the_endpoint_table_is_counted_whole() {
    let mut s = Seq::new();
    for h in 0..12_000u32 {
        let mut p = probe(i64::from(h), 41000, 22, 1 + h * 7919, "refused");
        let server = IpAddr::V4(Ipv4Addr::from(0xac10_0000 + h));
        // Seq's packets go between `client` and SERVER: here SERVER scans, and `client` is
        // the server swept.
        for q in &mut p {
            q.client = server;
            q.from_client = !q.from_client;
            std::mem::swap(&mut q.cport, &mut q.sport);
        }
        s.feed(&p);
    }
    let (snap, _) = s.done();
    assert!(snap.other_endpoints.dropped > 0);
    let sweeps: Vec<_> = snap
        .scans
        .iter()
        .filter(|x| x.kind == ScanKind::Sweep { port: 22 })
        .collect();
    assert_eq!(sweeps.len(), 1, "{:?}", snap.scans);
    assert_eq!(
        (sweeps[0].targets, sweeps[0].targets_at_least),
        (12_000, false)
    );
    assert_eq!(sweeps[0].refused, 12_000);
}

/// Regression: two tenants' overlay networks that number their machines alike (the same
/// 4-tuple in VXLAN VNI 42 and VNI 43) were one flow and one endpoint: VNI 43's handshake
/// answered VNI 42's SYN, and the refusal of the one was counted at the other's endpoint.
/// The overlay is part of the flow key and of the endpoint.
#[test]
fn the_same_tuple_in_two_overlay_networks_is_two_flows_and_two_endpoints() {
    use crate::packet::{Overlay, OverlayKind};
    let vni = |id| Overlay::of(OverlayKind::Vxlan, id);
    let mut e = Engine::new(EngineConfig {
        keep_connections: true,
        ..EngineConfig::default()
    });
    let syn = |overlay, ms: i64| TcpPacket {
        overlay,
        ..crate::packet::syn(
            Timestamp(ms * 1_000_000),
            (CLIENT, 40_000),
            (SERVER, 7211),
            1000,
        )
    };
    let answer = |overlay, ms, flags, seq| TcpPacket {
        src: SERVER,
        dst: CLIENT,
        sport: 7211,
        dport: 40_000,
        seq,
        ack: 1001,
        flags: TcpFlags(flags),
        ..syn(overlay, ms)
    };
    // Both SYNs first, then VNI 43 completes its handshake and VNI 42 refuses.
    e.packet(&syn(vni(42), 0));
    e.packet(&syn(vni(43), 1));
    e.packet(&answer(vni(43), 2, S | A, 5000));
    e.packet(&TcpPacket {
        flags: TcpFlags(A),
        seq: 1001,
        ack: 5001,
        ..syn(vni(43), 3)
    });
    e.packet(&answer(vni(42), 4, R | A, 0));
    e.finish();
    let snap = e.snapshot();
    assert_eq!((snap.totals.attempts, snap.totals.failed_attempts), (2, 1));
    let found: Vec<_> = (snap.offenders.iter())
        .map(|o| (o.key(), o.attempts, o.failed_refused))
        .collect();
    assert_eq!(found, [((SERVER, 7211, vni(42)), 1, 1)]);
    let mut conns: Vec<_> = e
        .drain_connections()
        .map(|c| (c.overlay.id, c.state.as_str()))
        .collect();
    conns.sort_unstable();
    assert_eq!(conns, [(42, "REJ"), (43, "S1")]);
}

/// The runs of packets without SYN or RST (`packets_until_syn_or_rst`, as a file's batches go
/// to the engine) count and time what the packets one at a time do: the capture's first
/// packet in a run or alone, time going back by more than a second (a reversal), back far
/// enough to start another capture, and SYNs and RSTs between the runs. A run counts its
/// packets once it ends, and its first packet of the capture as it is analyzed.
#[test]
fn runs_count_and_time_as_packets_one_at_a_time() {
    let make = |ms: i64, from_client: bool, flags: u16, cport: u16, frame: u64| {
        let (src, dst, sp, dp) = if from_client {
            (CLIENT, SERVER, cport, 7211)
        } else {
            (SERVER, CLIENT, 7211, cport)
        };
        TcpPacket {
            ts: Timestamp(1_700_000_000 * Timestamp::NANOS_PER_SEC + ms * 1_000_000),
            frame,
            src,
            dst,
            sport: sp,
            dport: dp,
            seq: 1000 + frame as u32,
            ack: 5000,
            flags: TcpFlags(flags),
            window: 65535,
            payload_len: 10,
            ttl: 64,
            ..crate::decode::BLANK
        }
    };
    let back = NEW_CAPTURE_BACK_SECS * 1000 + 5_000;
    // (ms, from the client, flags, client port)
    let plans: [&[(i64, bool, u16, u16)]; 3] = [
        // The capture's first packet plain, in a run.
        &[
            (0, true, A, 1),
            (10, false, A, 1),
            (20, true, S, 2),
            (30, false, S | A, 2),
            (40, true, A, 2),
            (50, true, A, 1),
            (-2_000, true, A, 1),
            (60, false, A, 2),
            (70, false, R, 2),
            (80, true, A, 1),
            (back, true, A, 1),
            (back + 10, false, A, 1),
            (90, true, A, 3),
            (100, false, A, 3),
        ],
        // The capture's first packet a SYN, taken alone; time back within a second.
        &[
            (0, true, S, 1),
            (10, false, S | A, 1),
            (20, true, A, 1),
            (-500, true, A, 1),
            (30, false, A, 1),
            (-1_500, false, A, 1),
            (40, true, F | A, 1),
        ],
        // A run that is all of the capture.
        &[(5, true, A, 9), (6, false, A, 9), (1, true, A, 9)],
    ];
    for (n, plan) in plans.iter().enumerate() {
        let packets: Vec<TcpPacket<'_>> = (plan.iter().enumerate())
            .map(|(i, &(ms, c, f, port))| make(ms, c, f, 40_000 + port, i as u64 + 1))
            .collect();
        let config = || EngineConfig {
            keep_connections: true,
            ..EngineConfig::default()
        };
        let mut alone = Engine::new(config());
        for p in &packets {
            alone.packet(p);
        }
        let mut runs = Engine::new(config());
        let mut next = 0;
        while next < packets.len() {
            next += runs.packets_until_syn_or_rst(&packets[next..]);
            if let Some(p) = packets.get(next) {
                runs.packet(p);
                next += 1;
            }
        }
        for e in [&mut alone, &mut runs] {
            e.finish();
        }
        let (a, r) = (alone.snapshot(), runs.snapshot());
        assert_eq!(a.totals, r.totals, "plan {n}");
        assert_eq!(a.totals.tcp_packets, packets.len() as u64, "plan {n}");
        let conns = |e: &mut Engine| e.drain_connections().collect::<Vec<_>>();
        assert_eq!(conns(&mut alone), conns(&mut runs), "plan {n}");
    }
}

/// A full listen queue: the server's kernel drops SYNs while the program has not accepted
/// the connections before them, so an attempt is answered only after its SYN was sent again,
/// the SYN-ACK right after that SYN. Counted at its endpoint (an incident: the client waited)
/// with the SYNs sent again and how long it waited; an offender whose diagnosis is a late
/// answer, where before it was no offender at all (no reset, no failed attempt).
#[test]
fn a_syn_answered_right_after_it_was_sent_again_is_a_late_answer() {
    let one = [
        pkt(0, true, S, 100, 0),
        pkt(1000, true, S, 100, 0),
        pkt(2000, true, S, 100, 0),
        pkt(2001, false, S | A, 900, 101),
        pkt(2002, true, A, 101, 901),
    ];
    // One late answer alone is as likely a SYN lost on its way: counted, no offender.
    let (snap, _) = Seq::new().feed(&one).done();
    assert!(snap.offenders.is_empty());
    // Another client waiting at the same time, answered right after its third SYN too.
    let mut other = one.map(|mut p| {
        p.ms += 500;
        p.cport = 40001;
        p
    });
    other[3].ms = other[2].ms + 2;
    other[4].ms = other[2].ms + 3;
    let mut both = [one, other].concat();
    both.sort_by_key(|p| p.ms);
    let (snap, _) = Seq::new().feed(&both).done();
    let o = &snap.offenders[0];
    assert_eq!((o.attempts, o.completed, o.failed_attempts), (2, 2, 0));
    let r = o.resends;
    assert_eq!(
        (r.syns, r.late, r.late_at_once, r.late_together, r.late_ms),
        (4, 2, 2, 1, (2001, 2002))
    );
    assert_eq!((r.unanswered_resent, r.unanswered_longest_ms), (0, 0));
    assert_eq!(o.incidents, 2);
    assert_eq!(o.diagnosis().kind, DiagnosisKind::LateAnswer);
}

/// A slow path: the SYN-ACK comes long after the last SYN (1.5 s after the first, the SYN
/// sent again at 1 s): a late answer, but not one right after a SYN sent again; a SYN sent
/// again after its SYN-ACK (that SYN-ACK lost) is not counted, nor is an attempt answered at
/// once.
#[test]
fn a_syn_answered_long_after_its_last_is_late_but_not_at_once() {
    let slow = |cport: u16, at: i64| {
        [
            pkt(at, true, S, 100, 0),
            pkt(at + 1000, true, S, 100, 0),
            pkt(at + 1500, false, S | A, 900, 101),
            pkt(at + 1510, true, A, 101, 901),
        ]
        .map(|mut p| {
            p.cport = cport;
            p
        })
    };
    let mut resent_after_answer = [
        pkt(3000, true, S, 500, 0),
        pkt(3010, false, S | A, 700, 501),
        pkt(4000, true, S, 500, 0),
        pkt(4010, false, S | A, 700, 501),
        pkt(4020, true, A, 501, 701),
    ];
    for p in &mut resent_after_answer {
        p.cport = 40002;
    }
    let mut all = [slow(40000, 0), slow(40001, 200)].concat();
    all.sort_by_key(|p| p.ms);
    let (snap, _) = Seq::new().feed(&all).feed(&resent_after_answer).done();
    let o = &snap.offenders[0];
    assert_eq!(o.attempts, 3);
    let r = o.resends;
    assert_eq!(
        (r.syns, r.late, r.late_at_once, r.late_together, r.late_ms),
        (2, 2, 0, 1, (1500, 1500))
    );
    assert_eq!(o.diagnosis().kind, DiagnosisKind::LateAnswer);
}

/// Attempts given up on unanswered tell how long their SYNs were sent again; one the
/// capture's end cut off does not.
#[test]
fn unanswered_attempts_resent_tell_how_long() {
    let mut later: Vec<Pkt> = [20_000, 21_000]
        .iter()
        .map(|&ms| pkt(ms, true, S, 300, 0))
        .collect();
    for p in &mut later {
        p.cport = 40002;
    }
    let (snap, _) = Seq::new()
        .feed(
            &[0, 1000, 2000, 3000]
                .iter()
                .map(|&ms| pkt(ms, true, S, 100, 0))
                .collect::<Vec<_>>(),
        )
        .feed(&later)
        .done();
    let o = &snap.offenders[0];
    assert_eq!((o.failed_unanswered, o.cut_off_attempts()), (2, 1));
    let r = o.resends;
    assert_eq!(
        (r.syns, r.unanswered_resent, r.unanswered_longest_ms, r.late),
        (4, 1, 3000, 0)
    );
    assert_eq!(o.diagnosis().kind, DiagnosisKind::Unanswered);
}
