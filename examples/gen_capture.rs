//! Writes a synthetic capture of mixed TCP for benchmarks: a pcap file (Ethernet, microsecond
//! timestamps, little-endian) of a requested size, the same bytes for the same seed.
//!
//!     cargo run --release --example gen_capture -- --size 1G --out x.pcap [--seed N]
//!         [--mix large|small] [--rotate SIZE] [--truth x.truth.json]
//!
//! What it holds: thousands of clients (IPv4 in the private ranges, IPv6 in fd00::/8) talking
//! to tens of servers (IPv4 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, IPv6 2001:db8::/32:
//! all documentation or private ranges), about a fifth of the sessions over IPv6. Sessions
//! overlap in time; each does a three-way handshake with Linux's SYN options, rounds of
//! request and response (web-like bulk responses, chatty database-like sessions, an
//! acknowledgment every second segment), and a FIN close from either side. Some end otherwise:
//! a refused SYN (RST/ACK, sometimes retried with the same ISN as Windows does), an abort (RST
//! mid-stream from either side), a RST answering a FIN, a SYN nobody answers (sent again 2 to 4
//! times, 1, 2, 4 and 8 s apart). Packets arrive at about 20,000 per second of capture time;
//! records average about 620 bytes, so 1 GiB is about 1.7 million frames (`--mix large`, the
//! default). `--mix small` makes most sessions chatty (database, RPC and terminal-like rounds of
//! small requests and answers): records average about 350 bytes, so 1 GiB is about 3 million
//! frames; per byte, the costly case for a packet analyzer.
//!
//! `--rotate SIZE` cuts the output into files of at most SIZE bytes each, as `tcpdump -C` does
//! (`F`, `F1`, `F2`, ...), each with its own file header; `--size` is then the total. The first
//! file holds the same bytes as a `--size SIZE` run with the same seed and mix.
//!
//! `--truth FILE` writes what an exact analysis must count, as the fields of `rstscope analyze
//! --format json` name them: frames, TCP packets, RSTs by cause, SYNs, SYN-ACKs, attempts and
//! failed attempts. It follows from what was written: a session cut off by the end of the file
//! after its SYN and before any answer is an attempt that failed unanswered.
//!
//! The output of a smaller `--size` with the same seed is a prefix of a larger one, cut at a
//! record boundary, so a benchmark can run a slow tool on the first part of the same capture.
//! Memory stays bounded whatever the size (the sessions open at one time, a fixed host table),
//! and it writes several hundred MB/s.
//!
//! No packet is sent anywhere: this only writes bytes to a file.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Bytes of a pcap file header.
const PCAP_HEADER_LEN: u64 = 24;
/// The snaplen in the file header; frames are written whole unless `--snaplen` is smaller.
const DEFAULT_SNAPLEN: u32 = 262_144;
/// Capture start: 2024-03-12 09:00:00 UTC.
const START_SECS: u64 = 1_710_234_000;
/// Mean gap between new sessions, in microseconds. About 50 packets per session on average,
/// so this gives about 20,000 packets per second.
const MEAN_ARRIVAL_GAP_US: f64 = 2_500.0;
/// Clients and servers in the host table.
const V4_CLIENTS: usize = 6_000;
const V6_CLIENTS: usize = 1_500;
const V4_SERVERS: usize = 30;
const V6_SERVERS: usize = 10;
/// Share of sessions over IPv6.
const V6_SHARE: f64 = 0.2;
/// Payload bytes come from this pattern, at an offset that follows the sequence number.
const PATTERN_LEN: usize = 1 << 16;
/// The MAC of the router on the captured link: every frame goes to or from it.
const ROUTER_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x01];

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("gen_capture: {msg}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_capture: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str =
    "usage: gen_capture --out FILE [--size SIZE] [--seed N] [--snaplen N] [--mix large|small]
                   [--rotate SIZE] [--truth FILE]
  --size     bytes of the file (all files with --rotate), with an optional K, M or G suffix
             (powers of 1024); default 1G
  --seed     the same seed gives the same bytes; default 1
  --snaplen  frames are cut to this many bytes, as tcpdump -s does; default 262144 (whole)
  --mix      large: web-like bulk transfers, ~620 bytes a record (default); small: mostly
             chatty sessions, ~350 bytes a record
  --rotate   files of at most SIZE bytes, named FILE, FILE1, FILE2, ... as tcpdump -C names them
  --truth    write the counts an exact analysis must find to FILE (JSON)";

/// Command-line options.
struct Args {
    out: PathBuf,
    size: u64,
    seed: u64,
    snaplen: u32,
    mix: Mix,
    /// Most bytes per file; `None`: one file of `size`.
    rotate: Option<u64>,
    truth: Option<PathBuf>,
}

/// The traffic mix, which sets the average frame size.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    /// Web-like bulk transfers with some chatty sessions.
    Large,
    /// Mostly chatty sessions: small requests and answers, many acknowledgments.
    Small,
}

impl Args {
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut out = None;
        let mut size = 1 << 30;
        let mut seed = 1;
        let mut snaplen = DEFAULT_SNAPLEN;
        let mut mix = Mix::Large;
        let mut rotate = None;
        let mut truth = None;
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--out" => out = Some(PathBuf::from(value()?)),
                "--size" => size = parse_size(&value()?)?,
                "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
                "--snaplen" => {
                    snaplen = value()?.parse().map_err(|e| format!("--snaplen: {e}"))?;
                    if !(60..=DEFAULT_SNAPLEN).contains(&snaplen) {
                        return Err(format!("--snaplen must be 60 to {DEFAULT_SNAPLEN}"));
                    }
                }
                "--mix" => {
                    mix = match value()?.as_str() {
                        "large" => Mix::Large,
                        "small" => Mix::Small,
                        other => return Err(format!("--mix: large or small, not {other}")),
                    }
                }
                "--rotate" => rotate = Some(parse_size(&value()?)?),
                "--truth" => truth = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err("help".into()),
                _ => return Err(format!("unknown argument {arg}")),
            }
        }
        let out = out.ok_or("--out FILE is required")?;
        if rotate.is_some_and(|r| r < 24) {
            return Err("--rotate is smaller than a pcap file header".into());
        }
        Ok(Self {
            out,
            size,
            seed,
            snaplen,
            mix,
            rotate,
            truth,
        })
    }
}

/// "1G", "100M", "64K" or a plain byte count.
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, shift) = match s.as_bytes().last().map(u8::to_ascii_uppercase) {
        Some(b'K') => (&s[..s.len() - 1], 10),
        Some(b'M') => (&s[..s.len() - 1], 20),
        Some(b'G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().map_err(|_| format!("bad size {s:?}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

fn run(args: &Args) -> io::Result<()> {
    let started = Instant::now();
    let out = args.out.clone();
    let open = move |n: u32| -> io::Result<Box<dyn Write>> {
        // tcpdump -C: the first file has the name given, the next ones a number after it.
        let mut name = out.clone().into_os_string();
        if n > 0 {
            name.push(n.to_string());
        }
        let file = File::create(name)?;
        Ok(Box::new(BufWriter::with_capacity(1 << 22, file)))
    };
    let mut generator = Generator::new(args, Box::new(open))?;
    generator.fill()?;
    let stats = generator.finish()?;
    if let Some(path) = &args.truth {
        std::fs::write(path, stats.truth.json())?;
    }
    let secs = started.elapsed().as_secs_f64();
    let span = stats.last_us.saturating_sub(START_SECS * 1_000_000) as f64 / 1e6;
    eprintln!(
        "gen_capture: {}{}: {} bytes, {} frames (avg {:.0} bytes), {:.1} s of capture ({:.0} packets/s), \
         {} sessions ({} IPv6, {} refused, {} aborted, {} RST after FIN, {} unanswered), \
         written in {:.2} s ({:.0} MB/s)",
        args.out.display(),
        match stats.files {
            1 => String::new(),
            n => format!(" and {} more files", n - 1),
        },
        stats.bytes,
        stats.frames,
        stats.frame_bytes as f64 / stats.frames.max(1) as f64,
        span,
        stats.frames as f64 / span.max(1e-6),
        stats.sessions,
        stats.v6_sessions,
        stats.by_kind[Kind::Refused as usize],
        stats.by_kind[Kind::Abort as usize],
        stats.by_kind[Kind::RstAfterFin as usize],
        stats.by_kind[Kind::Unanswered as usize],
        secs,
        stats.bytes as f64 / 1e6 / secs,
    );
    Ok(())
}

/// splitmix64: small, fast, and the same sequence everywhere for a seed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-uniform in `[lo, hi)`: sizes spread over orders of magnitude.
    fn log_uniform(&mut self, lo: f64, hi: f64) -> u64 {
        (lo * (hi / lo).powf(self.unit())) as u64
    }

    /// Exponential with this mean: gaps between independent arrivals.
    fn exp(&mut self, mean: f64) -> u64 {
        (-mean * (1.0 - self.unit()).ln()) as u64
    }
}

/// An IPv4 or IPv6 address, as bytes.
#[derive(Clone, Copy)]
enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

/// One machine: its address, the MAC the captured link sees, its TTL as seen on the link,
/// and its TCP timestamp clock.
struct Host {
    addr: Addr,
    mac: [u8; 6],
    ttl: u8,
    ts_base: u32,
    /// Next ephemeral port (clients), or the listening ports (servers).
    next_port: u16,
    ports: &'static [u16],
}

/// What a server offers: ports and the kind of exchange on them.
const WEB_PORTS: &[u16] = &[443, 80];
const APP_PORTS: &[u16] = &[8080, 443];
const DB_PORTS: &[u16] = &[5432, 6379];
const MAIL_PORTS: &[u16] = &[25, 22];
/// Ports that nobody listens on (refused SYNs go there).
const CLOSED_PORTS: &[u16] = &[7211, 8081, 9200, 3306, 8443, 11211];

impl Host {
    fn client(rng: &mut Rng, i: usize, v6: bool) -> Self {
        let addr = if v6 {
            let mut a = [0u8; 16];
            a[0] = 0xfd;
            a[1] = 0x12;
            a[2] = 0x34;
            a[3] = 0x56;
            a[5] = (i % 64) as u8;
            a[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
            Addr::V6(a)
        } else {
            let r = rng.next_u32().to_be_bytes();
            match i % 4 {
                0 | 1 => Addr::V4([10, r[0], r[1], r[2].max(1)]),
                2 => Addr::V4([172, 16 | (r[0] & 15), r[1], r[2].max(1)]),
                _ => Addr::V4([192, 168, r[1], r[2].max(1)]),
            }
        };
        // Linux and macOS start at 64, Windows at 128; a few hops away.
        let initial = if rng.chance(0.4) { 128 } else { 64 };
        Self {
            addr,
            mac: ROUTER_MAC,
            ttl: initial - rng.range(1, 12) as u8,
            ts_base: rng.next_u32(),
            next_port: rng.range(32_768, 60_999) as u16,
            ports: &[],
        }
    }

    fn server(rng: &mut Rng, i: usize, v6: bool) -> Self {
        let addr = if v6 {
            let mut a = [0u8; 16];
            a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
            a[7] = 0x10;
            a[15] = 10 + i as u8;
            Addr::V6(a)
        } else {
            let net: [u8; 3] = match i % 3 {
                0 => [192, 0, 2],
                1 => [198, 51, 100],
                _ => [203, 0, 113],
            };
            Addr::V4([net[0], net[1], net[2], 10 + i as u8])
        };
        let ports = match i % 5 {
            0 | 1 => WEB_PORTS,
            2 => APP_PORTS,
            3 => DB_PORTS,
            _ => MAIL_PORTS,
        };
        Self {
            addr,
            mac: [0x02, 0x42, 0xac, 0x11, v6 as u8, i as u8],
            ttl: 64,
            ts_base: rng.next_u32(),
            next_port: 0,
            ports,
        }
    }
}

/// How a session ends (its index counts sessions in the summary).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Refused,
    Abort,
    RstAfterFin,
    Unanswered,
}

/// The next packet a session sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Syn,
    Refuse,
    SynAck,
    HandshakeAck,
    Request,
    Response,
    ClientAck,
    Fin,
    FinAnswer,
    LastAck,
    Abort,
}

/// One TCP session between a client and a server.
struct Session {
    client: u32,
    server: u32,
    v6: bool,
    cport: u16,
    sport: u16,
    kind: Kind,
    phase: Phase,
    /// Chatty (many small rounds) rather than bulk.
    chatty: bool,
    /// The server closes first (else the client), and the server sends the abort RST.
    server_closes: bool,
    server_aborts: bool,
    cisn: u32,
    sisn: u32,
    /// Next sequence number of each side.
    cseq: u32,
    sseq: u32,
    cip_id: u16,
    sip_id: u16,
    /// Last TSval each side sent, echoed by the other.
    cts: u32,
    sts: u32,
    rtt_us: u64,
    syns: u8,
    syn_retries: u8,
    rounds_left: u16,
    /// Payload bytes still to send in the current request or response.
    left: u64,
    unacked: u8,
    flow_label: u32,
    /// A SYN of this session was written (its attempt counts).
    syn_written: bool,
    /// Its attempt is written but not answered yet: if nothing answers it before the
    /// session or the file ends, it failed.
    pending: bool,
}

/// A TCP segment to write, from the session's point of view.
struct Segment {
    from_client: bool,
    flags: u8,
    seq: u32,
    ack: u32,
    window: u16,
    payload: usize,
    options: Options,
    /// The sender has no socket: IP ID 0 and no options, as Linux answers a closed port.
    socketless: bool,
    /// For a RST, the cause an exact analysis gives it (an index of `Truth::rst_by_cause`).
    cause: usize,
}

/// `Truth::rst_by_cause` indexes, in the order of rstscope's causes.
const REFUSED: usize = 0;
const AFTER_CLOSE: usize = 2;
const ABORT: usize = 3;

/// TCP options on a segment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Options {
    None,
    /// MSS, SACK permitted, timestamps, window scale: Linux's SYN and SYN-ACK.
    Syn,
    /// Timestamps only.
    Timestamps,
}

impl Session {
    fn mss(&self) -> u64 {
        if self.v6 { 1428 } else { 1448 }
    }

    fn request_size(&self, rng: &mut Rng) -> u64 {
        if self.chatty {
            rng.log_uniform(40.0, 400.0)
        } else if rng.chance(0.04) {
            rng.log_uniform(2_000.0, 200_000.0)
        } else {
            rng.log_uniform(200.0, 1_400.0)
        }
    }

    fn response_size(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        if self.chatty {
            rng.log_uniform(20.0, if u < 0.9 { 1_500.0 } else { 20_000.0 })
        } else if u < 0.6 {
            rng.log_uniform(100.0, 1_400.0)
        } else if u < 0.93 {
            rng.log_uniform(1_400.0, 20_000.0)
        } else if u < 0.995 {
            rng.log_uniform(20_000.0, 200_000.0)
        } else {
            rng.log_uniform(200_000.0, 2_000_000.0)
        }
    }

    /// One-way delay, with some jitter.
    fn half_rtt(&self, rng: &mut Rng) -> u64 {
        self.rtt_us / 2 + rng.below(self.rtt_us / 8 + 1)
    }

    /// Gap between two segments of one burst: line rate plus queueing.
    fn burst_gap(rng: &mut Rng) -> u64 {
        12 + rng.exp(40.0)
    }

    fn client_seg(&self, flags: u8, seq: u32, ack: u32, payload: usize) -> Segment {
        Segment {
            from_client: true,
            flags,
            seq,
            ack,
            window: 502,
            payload,
            options: Options::Timestamps,
            socketless: false,
            cause: 0,
        }
    }

    fn server_seg(&self, flags: u8, seq: u32, ack: u32, payload: usize) -> Segment {
        Segment {
            from_client: false,
            flags,
            seq,
            ack,
            window: 509,
            payload,
            options: Options::Timestamps,
            socketless: false,
            cause: 0,
        }
    }

    /// The next packet and the delay to the one after it (none: the session is over).
    fn step(&mut self, rng: &mut Rng) -> (Segment, Option<u64>) {
        match self.phase {
            Phase::Syn => {
                let mut seg = self.client_seg(SYN, self.cisn, 0, 0);
                seg.window = 64_240;
                seg.options = Options::Syn;
                self.syns += 1;
                let next = match self.kind {
                    Kind::Unanswered if self.syns <= self.syn_retries => {
                        Some(1_000_000 << (self.syns - 1))
                    }
                    Kind::Unanswered => None,
                    Kind::Refused => {
                        self.phase = Phase::Refuse;
                        Some(self.half_rtt(rng))
                    }
                    _ => {
                        self.phase = Phase::SynAck;
                        Some(self.half_rtt(rng))
                    }
                };
                (seg, next)
            }
            Phase::Refuse => {
                let mut seg = self.server_seg(RST | ACK, 0, self.cisn.wrapping_add(1), 0);
                seg.window = 0;
                seg.options = Options::None;
                seg.socketless = true;
                seg.cause = REFUSED;
                if self.syns <= self.syn_retries {
                    // Windows retries a refused connect with the same port and ISN.
                    self.phase = Phase::Syn;
                    (seg, Some(500_000 + rng.below(20_000)))
                } else {
                    (seg, None)
                }
            }
            Phase::SynAck => {
                let mut seg = self.server_seg(SYN | ACK, self.sisn, self.cisn.wrapping_add(1), 0);
                seg.window = 65_160;
                seg.options = Options::Syn;
                self.phase = Phase::HandshakeAck;
                (seg, Some(self.half_rtt(rng)))
            }
            Phase::HandshakeAck => {
                self.cseq = self.cisn.wrapping_add(1);
                self.sseq = self.sisn.wrapping_add(1);
                let seg = self.client_seg(ACK, self.cseq, self.sseq, 0);
                self.phase = Phase::Request;
                self.left = self.request_size(rng);
                (seg, Some(20 + rng.below(300)))
            }
            Phase::Request => {
                let n = self.left.min(self.mss());
                self.left -= n;
                let flags = if self.left == 0 { PSH | ACK } else { ACK };
                let seg = self.client_seg(flags, self.cseq, self.sseq, n as usize);
                self.cseq = self.cseq.wrapping_add(n as u32);
                if self.left > 0 {
                    return (seg, Some(Self::burst_gap(rng)));
                }
                self.phase = Phase::Response;
                self.left = self.response_size(rng);
                self.unacked = 0;
                // The request crosses, the server thinks, the first segment comes back.
                let think = rng.log_uniform(30.0, if self.chatty { 2_000.0 } else { 50_000.0 });
                (seg, Some(self.rtt_us + think))
            }
            Phase::Response => {
                let n = self.left.min(self.mss());
                self.left -= n;
                let flags = if self.left == 0 { PSH | ACK } else { ACK };
                let seg = self.server_seg(flags, self.sseq, self.cseq, n as usize);
                self.sseq = self.sseq.wrapping_add(n as u32);
                self.unacked += 1;
                if self.unacked >= 2 || self.left == 0 {
                    self.phase = Phase::ClientAck;
                }
                (seg, Some(Self::burst_gap(rng)))
            }
            Phase::ClientAck => {
                let seg = self.client_seg(ACK, self.cseq, self.sseq, 0);
                self.unacked = 0;
                let last_round = self.rounds_left <= 1;
                if self.left > 0 {
                    self.phase = if self.kind == Kind::Abort && last_round && rng.chance(0.05) {
                        Phase::Abort
                    } else {
                        Phase::Response
                    };
                    return (seg, Some(Self::burst_gap(rng)));
                }
                if !last_round {
                    self.rounds_left -= 1;
                    self.phase = Phase::Request;
                    self.left = self.request_size(rng);
                    let idle = if self.chatty {
                        rng.log_uniform(100.0, 200_000.0)
                    } else {
                        rng.log_uniform(1_000.0, 2_000_000.0)
                    };
                    return (seg, Some(idle));
                }
                self.phase = if self.kind == Kind::Abort {
                    Phase::Abort
                } else {
                    Phase::Fin
                };
                (seg, Some(rng.log_uniform(100.0, 500_000.0)))
            }
            Phase::Fin => {
                let seg = if self.server_closes {
                    self.sseq = self.sseq.wrapping_add(1);
                    self.server_seg(FIN | ACK, self.sseq.wrapping_sub(1), self.cseq, 0)
                } else {
                    self.cseq = self.cseq.wrapping_add(1);
                    self.client_seg(FIN | ACK, self.cseq.wrapping_sub(1), self.sseq, 0)
                };
                self.phase = Phase::FinAnswer;
                (seg, Some(self.half_rtt(rng)))
            }
            Phase::FinAnswer => {
                // The peer answers the FIN with its own, or, with unread data, with a RST.
                let flags = if self.kind == Kind::RstAfterFin {
                    RST | ACK
                } else {
                    FIN | ACK
                };
                let seg = if self.server_closes {
                    let seg = self.client_seg(flags, self.cseq, self.sseq, 0);
                    self.cseq = self.cseq.wrapping_add(1);
                    seg
                } else {
                    let seg = self.server_seg(flags, self.sseq, self.cseq, 0);
                    self.sseq = self.sseq.wrapping_add(1);
                    seg
                };
                if self.kind == Kind::RstAfterFin {
                    let mut seg = seg;
                    seg.cause = AFTER_CLOSE;
                    return (seg, None);
                }
                self.phase = Phase::LastAck;
                (seg, Some(self.half_rtt(rng)))
            }
            Phase::LastAck => {
                let seg = if self.server_closes {
                    self.server_seg(ACK, self.sseq, self.cseq, 0)
                } else {
                    self.client_seg(ACK, self.cseq, self.sseq, 0)
                };
                (seg, None)
            }
            Phase::Abort => {
                let mut seg = if self.server_aborts {
                    self.server_seg(RST | ACK, self.sseq, self.cseq, 0)
                } else {
                    self.client_seg(RST | ACK, self.cseq, self.sseq, 0)
                };
                seg.window = 0;
                seg.cause = ABORT;
                (seg, None)
            }
        }
    }
}

/// What was written, for the summary line.
#[derive(Default)]
struct Stats {
    bytes: u64,
    files: u32,
    frames: u64,
    frame_bytes: u64,
    last_us: u64,
    sessions: u64,
    v6_sessions: u64,
    by_kind: [u64; 5],
    truth: Truth,
}

/// What an exact analysis of the written frames counts.
#[derive(Default, Debug, PartialEq, Eq)]
struct Truth {
    frames: u64,
    rst_packets: u64,
    rst_by_cause: [u64; 5],
    syn_packets: u64,
    synack_packets: u64,
    attempts: u64,
    failed_attempts: u64,
}

impl Truth {
    /// Counts one written segment of `session`.
    fn segment(&mut self, session: &mut Session, seg: &Segment) {
        self.frames += 1;
        let (syn, ack, rst) = (
            seg.flags & SYN != 0,
            seg.flags & ACK != 0,
            seg.flags & RST != 0,
        );
        if syn && !ack {
            self.syn_packets += 1;
            // Retries carry the same ISN: one attempt.
            if !session.syn_written {
                session.syn_written = true;
                session.pending = true;
                self.attempts += 1;
            }
        }
        if syn && ack {
            self.synack_packets += 1;
            session.pending = false;
        }
        if rst {
            self.rst_packets += 1;
            self.rst_by_cause[seg.cause] += 1;
            if seg.cause == REFUSED && session.pending {
                session.pending = false;
                self.failed_attempts += 1;
            }
        }
    }

    /// A session ends (its last packet written, or the file ended): an attempt still
    /// unanswered failed.
    fn session_end(&mut self, session: &mut Session) {
        if session.pending {
            session.pending = false;
            self.failed_attempts += 1;
        }
    }

    /// As JSON, with the names `rstscope analyze --format json` gives these counts. Every
    /// frame is TCP, and none is a copy or suspect-injected.
    fn json(&self) -> String {
        let c = &self.rst_by_cause;
        format!(
            "{{\n  \"packets\": {},\n  \"tcp_packets\": {},\n  \"rst_packets\": {},\n  \
             \"syn_packets\": {},\n  \"synack_packets\": {},\n  \"attempts\": {},\n  \
             \"failed_attempts\": {},\n  \"suspect_injected\": 0,\n  \"rst_by_cause\": {{\
             \"refused\": {}, \"handshake-reset\": {}, \"after-close\": {}, \"abort\": {}, \
             \"stray\": {}}}\n}}\n",
            self.frames,
            self.frames,
            self.rst_packets,
            self.syn_packets,
            self.synack_packets,
            self.attempts,
            self.failed_attempts,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
        )
    }
}

/// Opens output file number N (0 first), as `--rotate` needs them.
type Open = Box<dyn FnMut(u32) -> io::Result<Box<dyn Write>>>;

/// The session table, the event queue and the output.
struct Generator {
    out: Box<dyn Write>,
    open: Open,
    rng: Rng,
    size: u64,
    snaplen: u32,
    mix: Mix,
    /// Most bytes per file, and the bytes of the current file.
    rotate: u64,
    file_bytes: u64,
    clients: Vec<Host>,
    servers: Vec<Host>,
    /// First client and server of the IPv6 ones.
    first_v6_client: usize,
    first_v6_server: usize,
    /// Sessions by slot; a finished session's slot is reused.
    sessions: Vec<Session>,
    free: Vec<u32>,
    /// (time in µs, order of scheduling, slot): the earliest packet next; ties in order.
    queue: BinaryHeap<Reverse<(u64, u64, u32)>>,
    scheduled: u64,
    next_arrival_us: u64,
    pattern: Vec<u8>,
    frame: Vec<u8>,
    stats: Stats,
}

impl Generator {
    /// A generator whose first file is open, its header written.
    fn new(args: &Args, mut open: Open) -> io::Result<Self> {
        if args.size < PCAP_HEADER_LEN {
            return Err(io::Error::other("size is smaller than a pcap file header"));
        }
        let out = open(0)?;
        let mut rng = Rng(args.seed ^ 0x7273_7473_636f_7065);
        let mut clients: Vec<Host> = (0..V4_CLIENTS)
            .map(|i| Host::client(&mut rng, i, false))
            .collect();
        clients.extend((0..V6_CLIENTS).map(|i| Host::client(&mut rng, i, true)));
        let mut servers: Vec<Host> = (0..V4_SERVERS)
            .map(|i| Host::server(&mut rng, i, false))
            .collect();
        servers.extend((0..V6_SERVERS).map(|i| Host::server(&mut rng, i, true)));
        // Text-like payload: printable bytes, a line break now and then.
        let pattern = (0..PATTERN_LEN)
            .map(|_| match rng.below(64) {
                0 => b'\n',
                n => b' ' + (n as u8 + rng.below(32) as u8) % 95,
            })
            .collect();
        let start = START_SECS * 1_000_000;
        let mut generator = Self {
            out,
            open,
            rng,
            size: args.size,
            snaplen: args.snaplen,
            mix: args.mix,
            rotate: args.rotate.unwrap_or(u64::MAX),
            file_bytes: 0,
            clients,
            servers,
            first_v6_client: V4_CLIENTS,
            first_v6_server: V4_SERVERS,
            sessions: Vec::new(),
            free: Vec::new(),
            queue: BinaryHeap::new(),
            scheduled: 0,
            next_arrival_us: start,
            pattern,
            frame: Vec::with_capacity(2048),
            stats: Stats::default(),
        };
        generator.write_file_header()?;
        Ok(generator)
    }

    fn write_file_header(&mut self) -> io::Result<()> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&self.snaplen.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        self.out.write_all(&h)?;
        self.stats.bytes += h.len() as u64;
        self.stats.files += 1;
        self.file_bytes = h.len() as u64;
        Ok(())
    }

    /// Ends the current file and begins the next, as `tcpdump -C` does.
    fn next_file(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out = (self.open)(self.stats.files)?;
        self.write_file_header()
    }

    fn schedule(&mut self, at: u64, slot: u32) {
        self.queue.push(Reverse((at, self.scheduled, slot)));
        self.scheduled += 1;
    }

    /// Writes packets until the next one would not fit in the requested size.
    fn fill(&mut self) -> io::Result<()> {
        loop {
            let next_event = self.queue.peek().map_or(u64::MAX, |e| e.0.0);
            if self.next_arrival_us <= next_event {
                let at = self.next_arrival_us;
                let slot = self.new_session();
                self.schedule(at, slot);
                self.next_arrival_us += 1 + self.rng.exp(MEAN_ARRIVAL_GAP_US);
                continue;
            }
            let Some(Reverse((now, _, slot))) = self.queue.pop() else {
                unreachable!("an arrival is always due before an empty queue");
            };
            let (seg, next) = self.sessions[slot as usize].step(&mut self.rng);
            if !self.write_segment(slot, &seg, now)? {
                return Ok(());
            }
            match next {
                Some(delay) => self.schedule(now + delay.max(1), slot),
                None => {
                    self.stats
                        .truth
                        .session_end(&mut self.sessions[slot as usize]);
                    self.free.push(slot);
                }
            }
        }
    }

    fn new_session(&mut self) -> u32 {
        let rng = &mut self.rng;
        let v6 = rng.chance(V6_SHARE);
        let (client, server) = if v6 {
            (
                self.first_v6_client
                    + rng.below((self.clients.len() - self.first_v6_client) as u64) as usize,
                self.first_v6_server
                    + rng.below((self.servers.len() - self.first_v6_server) as u64) as usize,
            )
        } else {
            (
                rng.below(self.first_v6_client as u64) as usize,
                rng.below(self.first_v6_server as u64) as usize,
            )
        };
        let u = rng.unit();
        let kind = if u < 0.05 {
            Kind::Refused
        } else if u < 0.09 {
            Kind::Abort
        } else if u < 0.105 {
            Kind::RstAfterFin
        } else if u < 0.12 {
            Kind::Unanswered
        } else {
            Kind::Normal
        };
        let ports = self.servers[server].ports;
        let sport = if kind == Kind::Refused {
            CLOSED_PORTS[rng.below(CLOSED_PORTS.len() as u64) as usize]
        } else {
            ports[rng.below(ports.len() as u64) as usize]
        };
        let chatty_share = match self.mix {
            Mix::Large => 0.1,
            Mix::Small => 0.8,
        };
        let chatty = matches!(sport, 5432 | 6379 | 22) || rng.chance(chatty_share);
        let host = &mut self.clients[client];
        let cport = host.next_port;
        host.next_port = if cport >= 60_999 { 32_768 } else { cport + 1 };
        let syn_retries = match kind {
            Kind::Unanswered => rng.range(2, 4) as u8,
            Kind::Refused if rng.chance(0.3) => 2,
            _ => 0,
        };
        let rounds = if chatty {
            rng.log_uniform(3.0, 60.0)
        } else {
            rng.log_uniform(1.0, 8.0)
        };
        let session = Session {
            client: client as u32,
            server: server as u32,
            v6,
            cport,
            sport,
            kind,
            phase: Phase::Syn,
            chatty,
            server_closes: rng.chance(0.4),
            server_aborts: rng.chance(0.5),
            cisn: rng.next_u32(),
            sisn: rng.next_u32(),
            cseq: 0,
            sseq: 0,
            cip_id: rng.next_u32() as u16,
            sip_id: rng.next_u32() as u16,
            cts: 0,
            sts: 0,
            rtt_us: rng.log_uniform(200.0, 150_000.0),
            syns: 0,
            syn_retries,
            rounds_left: rounds.max(1) as u16,
            left: 0,
            unacked: 0,
            flow_label: rng.next_u32() & 0xf_ffff,
            syn_written: false,
            pending: false,
        };
        self.stats.sessions += 1;
        self.stats.v6_sessions += u64::from(v6);
        self.stats.by_kind[kind as usize] += 1;
        match self.free.pop() {
            Some(slot) => {
                self.sessions[slot as usize] = session;
                slot
            }
            None => {
                self.sessions.push(session);
                (self.sessions.len() - 1) as u32
            }
        }
    }

    /// Builds the frame and writes its record; false when it would not fit in the size.
    fn write_segment(&mut self, slot: u32, seg: &Segment, now_us: u64) -> io::Result<bool> {
        let s = &mut self.sessions[slot as usize];
        let client = &self.clients[s.client as usize];
        let server = &self.servers[s.server as usize];
        let (src, dst, sport, dport) = if seg.from_client {
            (client, server, s.cport, s.sport)
        } else {
            (server, client, s.sport, s.cport)
        };
        let ms = (now_us / 1000) as u32;
        let tsval = src.ts_base.wrapping_add(ms);
        let (ip_id, tsecr) = if seg.from_client {
            s.cts = tsval;
            s.cip_id = s.cip_id.wrapping_add(1);
            (s.cip_id, s.sts)
        } else {
            s.sts = tsval;
            s.sip_id = s.sip_id.wrapping_add(1);
            (s.sip_id, s.cts)
        };
        let ip_id = if seg.socketless { 0 } else { ip_id };

        let f = &mut self.frame;
        f.clear();
        // Ethernet: the router on one side of every frame.
        let (dst_mac, src_mac) = if seg.from_client {
            (dst.mac, ROUTER_MAC)
        } else {
            (ROUTER_MAC, src.mac)
        };
        f.extend_from_slice(&dst_mac);
        f.extend_from_slice(&src_mac);
        let options_len = match seg.options {
            Options::None => 0,
            Options::Syn => 20,
            Options::Timestamps => 12,
        };
        let tcp_len = 20 + options_len + seg.payload;
        match (src.addr, dst.addr) {
            (Addr::V4(sa), Addr::V4(da)) => {
                f.extend_from_slice(&0x0800u16.to_be_bytes());
                let ip_start = f.len();
                f.extend_from_slice(&[0x45, 0]);
                f.extend_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
                f.extend_from_slice(&ip_id.to_be_bytes());
                f.extend_from_slice(&0x4000u16.to_be_bytes()); // DF
                f.extend_from_slice(&[src.ttl, 6, 0, 0]);
                f.extend_from_slice(&sa);
                f.extend_from_slice(&da);
                let sum = !fold(sum_words(&f[ip_start..ip_start + 20], 0));
                f[ip_start + 10..ip_start + 12].copy_from_slice(&sum.to_be_bytes());
            }
            (Addr::V6(sa), Addr::V6(da)) => {
                f.extend_from_slice(&0x86ddu16.to_be_bytes());
                f.extend_from_slice(&(0x6000_0000u32 | s.flow_label).to_be_bytes());
                f.extend_from_slice(&(tcp_len as u16).to_be_bytes());
                f.extend_from_slice(&[6, src.ttl]);
                f.extend_from_slice(&sa);
                f.extend_from_slice(&da);
            }
            _ => unreachable!("a session's hosts are both IPv4 or both IPv6"),
        }
        let tcp_start = f.len();
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&seg.seq.to_be_bytes());
        f.extend_from_slice(&seg.ack.to_be_bytes());
        f.extend_from_slice(&[(((20 + options_len) / 4) as u8) << 4, seg.flags]);
        f.extend_from_slice(&seg.window.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
        match seg.options {
            Options::None => {}
            Options::Syn => {
                let mss = if s.v6 { 1440u16 } else { 1460 };
                f.extend_from_slice(&[2, 4]);
                f.extend_from_slice(&mss.to_be_bytes());
                f.extend_from_slice(&[4, 2, 8, 10]);
                f.extend_from_slice(&tsval.to_be_bytes());
                f.extend_from_slice(&tsecr.to_be_bytes());
                f.extend_from_slice(&[1, 3, 3, 7]);
            }
            Options::Timestamps => {
                f.extend_from_slice(&[1, 1, 8, 10]);
                f.extend_from_slice(&tsval.to_be_bytes());
                f.extend_from_slice(&tsecr.to_be_bytes());
            }
        }
        let at = seg.seq as usize % (PATTERN_LEN - 2048);
        f.extend_from_slice(&self.pattern[at..at + seg.payload]);
        // TCP checksum over the pseudo-header and the segment.
        let pseudo = match (src.addr, dst.addr) {
            (Addr::V4(sa), Addr::V4(da)) => sum_words(&sa, sum_words(&da, 6 + tcp_len as u64)),
            (Addr::V6(sa), Addr::V6(da)) => sum_words(&sa, sum_words(&da, 6 + tcp_len as u64)),
            _ => unreachable!("a session's hosts are both IPv4 or both IPv6"),
        };
        let sum = !fold(sum_words(&f[tcp_start..], pseudo));
        f[tcp_start + 16..tcp_start + 18].copy_from_slice(&sum.to_be_bytes());

        let orig_len = f.len() as u32;
        let incl_len = orig_len.min(self.snaplen);
        let record = 16 + u64::from(incl_len);
        if self.file_bytes + record > self.rotate {
            if self.stats.bytes + PCAP_HEADER_LEN + record > self.size
                || PCAP_HEADER_LEN + record > self.rotate
            {
                return Ok(false);
            }
            self.next_file()?;
        }
        if self.stats.bytes + record > self.size {
            return Ok(false);
        }
        let mut header = [0u8; 16];
        header[..4].copy_from_slice(&((now_us / 1_000_000) as u32).to_le_bytes());
        header[4..8].copy_from_slice(&((now_us % 1_000_000) as u32).to_le_bytes());
        header[8..12].copy_from_slice(&incl_len.to_le_bytes());
        header[12..].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(&self.frame[..incl_len as usize])?;
        self.stats
            .truth
            .segment(&mut self.sessions[slot as usize], seg);
        self.stats.bytes += record;
        self.file_bytes += record;
        self.stats.frames += 1;
        self.stats.frame_bytes += record;
        self.stats.last_us = now_us;
        Ok(true)
    }

    fn finish(mut self) -> io::Result<Stats> {
        self.out.flush()?;
        // Sessions the end of the file cut off: an attempt without answer failed.
        let free: std::collections::HashSet<u32> = self.free.iter().copied().collect();
        for (slot, session) in self.sessions.iter_mut().enumerate() {
            if !free.contains(&(slot as u32)) {
                self.stats.truth.session_end(session);
            }
        }
        Ok(self.stats)
    }
}

/// Adds big-endian 16-bit words to `sum` (an odd last byte is padded with zero).
fn sum_words(bytes: &[u8], mut sum: u64) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // Four 16-bit words at once: their sum, folded later, is the same.
        sum += (w >> 48) + ((w >> 32) & 0xffff) + ((w >> 16) & 0xffff) + (w & 0xffff);
    }
    let mut words = chunks.remainder().chunks_exact(2);
    for w in &mut words {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    sum
}

/// Folds a one's-complement sum to 16 bits.
fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("50m"), Ok(50 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("x").is_err());
    }

    use std::cell::RefCell;
    use std::rc::Rc;

    /// Output files kept in memory.
    #[derive(Clone, Default)]
    struct Files(Rc<RefCell<Vec<Vec<u8>>>>);

    impl Write for Files {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut files = self.0.borrow_mut();
            files
                .last_mut()
                .expect("a file is open")
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The files a run writes, and its truth.
    fn generate(size: u64, rotate: Option<u64>, mix: Mix) -> (Vec<Vec<u8>>, Truth) {
        let args = Args {
            out: PathBuf::new(),
            size,
            seed: 7,
            snaplen: DEFAULT_SNAPLEN,
            mix,
            rotate,
            truth: None,
        };
        let files = Files::default();
        let sink = files.clone();
        let open: Open = Box::new(move |_| {
            sink.0.borrow_mut().push(Vec::new());
            Ok(Box::new(sink.clone()))
        });
        let mut g = Generator::new(&args, open).expect("header");
        g.fill().expect("fill");
        let truth = g.finish().expect("finish").truth;
        let written = files.0.borrow().clone();
        (written, truth)
    }

    #[test]
    fn smaller_size_is_a_prefix() {
        let (small, _) = generate(200_000, None, Mix::Large);
        let (large, _) = generate(1_000_000, None, Mix::Large);
        let (small, large) = (&small[0], &large[0]);
        assert!(small.len() <= 200_000 && small.len() > 190_000);
        assert_eq!(small[..], large[..small.len()]);
    }

    #[test]
    fn rotated_files_continue_one_capture_and_the_first_is_the_single_file() {
        let (rotated, truth) = generate(1_000_000, Some(300_000), Mix::Large);
        assert_eq!(rotated.len(), 4);
        let (single, _) = generate(300_000, None, Mix::Large);
        assert_eq!(rotated[0], single[0]);
        // Records of all files, headers left out, are a prefix of one long file's.
        let records: Vec<u8> = rotated.iter().flat_map(|f| f[24..].to_vec()).collect();
        let (long, _) = generate(2_000_000, None, Mix::Large);
        assert_eq!(records[..], long[0][24..24 + records.len()]);
        assert!(rotated.iter().all(|f| f.len() <= 300_000));
        assert!(truth.frames > 0);
    }

    #[test]
    fn truth_counts_what_was_written() {
        for mix in [Mix::Large, Mix::Small] {
            let (files, truth) = generate(3_000_000, None, mix);
            let bytes = &files[0];
            // Frames and flags straight from the file: Ethernet, IPv4 or IPv6, TCP.
            let (mut frames, mut rsts, mut syns, mut synacks) = (0, 0, 0, 0);
            let mut at = 24;
            while at + 16 <= bytes.len() {
                let caplen =
                    u32::from_le_bytes(bytes[at + 8..at + 12].try_into().expect("4")) as usize;
                let frame = &bytes[at + 16..at + 16 + caplen];
                let tcp = if frame[12..14] == [0x08, 0x00] {
                    14 + 20
                } else {
                    14 + 40
                };
                let flags = frame[tcp + 13];
                frames += 1;
                rsts += u64::from(flags & RST != 0);
                syns += u64::from(flags & (SYN | ACK) == SYN);
                synacks += u64::from(flags & (SYN | ACK) == SYN | ACK);
                at += 16 + caplen;
            }
            assert_eq!(at, bytes.len());
            assert_eq!(
                (frames, rsts, syns, synacks),
                (
                    truth.frames,
                    truth.rst_packets,
                    truth.syn_packets,
                    truth.synack_packets
                )
            );
            assert_eq!(truth.rst_by_cause.iter().sum::<u64>(), truth.rst_packets);
            assert!(truth.failed_attempts > 0 && truth.failed_attempts < truth.attempts);
        }
    }

    #[test]
    fn the_small_mix_has_smaller_frames() {
        let (large, large_truth) = generate(3_000_000, None, Mix::Large);
        let (small, small_truth) = generate(3_000_000, None, Mix::Small);
        let avg = |f: &Vec<u8>, t: &Truth| f.len() as f64 / t.frames as f64;
        let (large_avg, small_avg) = (avg(&large[0], &large_truth), avg(&small[0], &small_truth));
        assert!(small_avg < 0.6 * large_avg, "{small_avg} vs {large_avg}");
    }

    #[test]
    fn ipv4_checksum_verifies() {
        let header = [
            0x45, 0, 0, 0x3c, 0x1c, 0x46, 0x40, 0, 0x40, 6, 0xb1, 0xe6, 0xac, 0x10, 0x0a, 0x63,
            0xac, 0x10, 0x0a, 0x0c,
        ];
        assert_eq!(fold(sum_words(&header, 0)), 0xffff);
    }
}
