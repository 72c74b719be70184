//! Writes the captures of the memory benchmark (scripts/bench-memory.sh): pcap files
//! (Ethernet, microseconds) whose exact counts are known, so the benchmark can check them.
//!
//!     cargo run --release --example gen_load -- flood --out F [--tuples N]
//!     cargo run --release --example gen_load -- week --out F [--days N]
//!     cargo run --release --example gen_load -- scan --out F [--tuples N]
//!     cargo run --release --example gen_load -- sweep --out F [--ports N] [--seconds N]
//!
//! `flood`: a SYN flood of N distinct 4-tuples (default 1,500,000), one SYN each from
//! spoofed sources in 10.0.0.0/8 to 192.0.2.1:80, 300,000 a second, nothing answered: N
//! attempts, all failed (unanswered). `week`: N days (default 7) of one refused attempt (SYN,
//! then RST/ACK 100 µs later) every second to 192.0.2.1:7211 and one every second to one of 39
//! other ports in turn (7212 + second % 39): 2 x 86,400 x N failed attempts and as many RSTs,
//! every second of the week with incidents. `scan`: N probes (default 1,500,000) from
//! 10.0.0.1 to distinct ports of 198.18.0.0/15 hosts (60,000 ports a host), each refused by a
//! RST/ACK 100 µs later, 300,000 probes a second: N service endpoints, each with one refused
//! attempt. `sweep`: a scanner that goes over the same N ports (default 10,000) of
//! 198.18.0.1 every second for N seconds (default 700), each probe from its own client
//! address in 10.0.0.0/8 and refused by a RST/ACK 100 µs later: N endpoints, each with a
//! refused attempt in every second (the most per-second series the endpoint table can hold).
//!
//! No packet is sent anywhere: this only writes bytes to a file. Prints the expected counts.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const START_SECS: u32 = 1_710_234_000;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;
const SERVER: [u8; 4] = [192, 0, 2, 1];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let (Some(kind), Some(out)) = (args.first(), value("--out")) else {
        eprintln!(
            "usage: gen_load flood|week|scan|sweep --out FILE [--tuples N] [--days N] \
             [--ports N] [--seconds N]"
        );
        return ExitCode::from(2);
    };
    let number =
        |name: &str, default: u64| value(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let out = PathBuf::from(out);
    let result = match kind.as_str() {
        "flood" => flood(&out, number("--tuples", 1_500_000)),
        "week" => week(&out, number("--days", 7)),
        "scan" => scan(&out, number("--tuples", 1_500_000)),
        "sweep" => sweep(&out, number("--ports", 10_000), number("--seconds", 700)),
        _ => {
            eprintln!("gen_load: flood, week, scan or sweep");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_load: writing {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

struct Pcap {
    out: BufWriter<File>,
    frame: Vec<u8>,
}

impl Pcap {
    fn create(path: &PathBuf) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        out.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&[0; 8])?;
        out.write_all(&65535u32.to_le_bytes())?;
        out.write_all(&1u32.to_le_bytes())?;
        Ok(Self {
            out,
            frame: Vec::with_capacity(64),
        })
    }

    /// One Ethernet/IPv4/TCP frame without payload.
    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        secs: u32,
        micros: u32,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        flags: u8,
        seq: u32,
        ack: u32,
    ) -> io::Result<()> {
        let f = &mut self.frame;
        f.clear();
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&src.0);
        f.extend_from_slice(&dst.0);
        f.extend_from_slice(&src.1.to_be_bytes());
        f.extend_from_slice(&dst.1.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        let len = f.len() as u32;
        self.out.write_all(&secs.to_le_bytes())?;
        self.out.write_all(&micros.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(f)
    }

    /// A SYN from `client` to `server` with sequence number `isn`, refused by a RST/ACK
    /// `after` microseconds later.
    fn refused(
        &mut self,
        secs: u32,
        micros: u32,
        after: u32,
        client: ([u8; 4], u16),
        server: ([u8; 4], u16),
        isn: u32,
    ) -> io::Result<()> {
        self.tcp(secs, micros, client, server, SYN, isn, 0)?;
        let ack = isn.wrapping_add(1);
        self.tcp(secs, micros + after, server, client, RST | ACK, 0, ack)
    }
}

fn flood(path: &PathBuf, tuples: u64) -> io::Result<()> {
    let mut pcap = Pcap::create(path)?;
    for i in 0..tuples {
        // Distinct (address, port) pairs: 60,000 ports per address, addresses counted up.
        let host = 1 + (i / 60_000) as u32;
        let src = (host.to_be_bytes(), 1024 + (i % 60_000) as u16);
        let src = ([10, src.0[1], src.0[2], src.0[3]], src.1);
        let at = i * 1_000_000 / 300_000;
        let isn = (i as u32).wrapping_mul(2_654_435_761);
        pcap.tcp(
            START_SECS + (at / 1_000_000) as u32,
            (at % 1_000_000) as u32,
            src,
            (SERVER, 80),
            SYN,
            isn,
            0,
        )?;
    }
    pcap.out.flush()?;
    println!("syn_packets={tuples} attempts={tuples} failed_attempts={tuples} rst_packets=0");
    Ok(())
}

fn week(path: &PathBuf, days: u64) -> io::Result<()> {
    let mut pcap = Pcap::create(path)?;
    let seconds = days * 86_400;
    for s in 0..seconds {
        let secs = START_SECS + s as u32;
        let port_b = 7212 + (s % 39) as u16;
        for (k, port) in [7211u16, port_b].into_iter().enumerate() {
            let client = ([10, 0, 0, 1 + k as u8], 1024 + (s % 60_000) as u16);
            let isn = (s as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(k as u32);
            let micros = k as u32 * 1000;
            pcap.refused(secs, micros, 100, client, (SERVER, port), isn)?;
        }
    }
    pcap.out.flush()?;
    let n = 2 * seconds;
    println!("syn_packets={n} attempts={n} failed_attempts={n} rst_packets={n}");
    Ok(())
}

fn scan(path: &PathBuf, probes: u64) -> io::Result<()> {
    let mut pcap = Pcap::create(path)?;
    let client = ([10, 0, 0, 1], 40_000);
    for i in 0..probes {
        let host = (i / 60_000) as u32;
        let target = (
            [198, 18 + (host >> 16) as u8, (host >> 8) as u8, host as u8],
            1 + (i % 60_000) as u16,
        );
        let at = i * 1_000_000 / 300_000;
        let (secs, micros) = (
            START_SECS + (at / 1_000_000) as u32,
            (at % 1_000_000) as u32,
        );
        let isn = (i as u32).wrapping_mul(2_654_435_761);
        pcap.refused(secs, micros, 1, client, target, isn)?;
    }
    pcap.out.flush()?;
    println!(
        "syn_packets={probes} attempts={probes} failed_attempts={probes} rst_packets={probes}"
    );
    Ok(())
}

fn sweep(path: &PathBuf, ports: u64, seconds: u64) -> io::Result<()> {
    let mut pcap = Pcap::create(path)?;
    let ports = ports.clamp(1, 65_535);
    let target_host = [198, 18, 0, 1];
    for second in 0..seconds {
        for p in 0..ports {
            let i = second * ports + p;
            // A client address of its own per probe: no 4-tuple comes back.
            let c = (i % 0xff_ffff) as u32 + 1;
            let client = ([10, (c >> 16) as u8, (c >> 8) as u8, c as u8], 40_000);
            let target = (target_host, 1 + p as u16);
            let micros = (p * 900_000 / ports) as u32;
            let secs = START_SECS + second as u32;
            let isn = (i as u32).wrapping_mul(2_654_435_761);
            pcap.refused(secs, micros, 100, client, target, isn)?;
        }
    }
    pcap.out.flush()?;
    let n = ports * seconds;
    println!("syn_packets={n} attempts={n} failed_attempts={n} rst_packets={n}");
    Ok(())
}
