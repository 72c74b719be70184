//! Processes named by the capture file itself (Apple's pcapng process blocks, ptcpdump's
//! packet comments) turned into sightings of the capturing host's sockets, as the host's own
//! sources make them live.

use std::net::SocketAddr;

use super::program::Script;
use super::state::{CaptureScope, HostReport, HostState};
use super::{ProcessSighting, SightingSource};
use crate::engine::{Incident, Offender};
use crate::packet::{TcpPacket, Timestamp};
use crate::source::{CapturedProcess, Direction};

/// The note of a report whose connecting processes come from the capture file.
pub const NOTE: &str = "connecting processes come from the capture's own process \
     information (pcapng process blocks or packet comments), as the capturing machine recorded it";

/// Least packet time between two sightings of the same socket and process.
const SIGHTING_EVERY_NS: i64 = Timestamp::NANOS_PER_SEC;
/// Sockets remembered for that; past this, those not seen for a second are forgotten (and if
/// all were, all are: a repeated sighting is harmless, unbounded memory is not).
const SIGHTING_MEMORY: usize = 4096;

/// Turns packets that carry a captured process into [`ProcessSighting`]s.
///
/// The process a capture names for a packet (Apple's PKTAP, ptcpdump) is the owner of the
/// capturing host's socket, whichever way the packet went. So the sighting's `local` endpoint
/// is the packet's source when the packet went out, its destination when it came in. When the
/// capture does not say which way it went, only a SYN without ACK is used, taking its sender as
/// the socket's side (the client that connected); any other such packet is skipped, since its
/// socket could be either end.
#[derive(Default)]
pub struct Sightings {
    /// The source's process table, as far as it has been sent.
    processes: Vec<CapturedProcess>,
    /// Last sighting time of each (local, remote, pid).
    last: foldhash::HashMap<(SocketAddr, SocketAddr, u32), Timestamp>,
}

impl Sightings {
    /// Learns the processes the source met since the last call (its table only grows).
    pub fn learn(&mut self, new: &[CapturedProcess]) {
        self.processes.extend_from_slice(new);
    }

    /// The sighting `packet` makes, unless its socket and process were sighted less than a
    /// second (of packet time) before, or its socket cannot be told.
    /// `direction` and `process` are what the capture said of the packet's frame (the process
    /// as an index into the source's process table).
    pub fn sighting(
        &mut self,
        packet: &TcpPacket<'_>,
        direction: Option<Direction>,
        process: Option<u32>,
    ) -> Option<ProcessSighting> {
        let process = self.processes.get(process? as usize)?;
        let pid = process.pid?;
        let (local, remote) = socket_of(packet, direction)?;
        let key = (local, remote, pid);
        if let Some(&last) = self.last.get(&key)
            && packet.ts.0.saturating_sub(last.0) < SIGHTING_EVERY_NS
            && packet.ts >= last
        {
            return None;
        }
        if self.last.len() >= SIGHTING_MEMORY && !self.last.contains_key(&key) {
            let now = packet.ts.0;
            self.last
                .retain(|_, last| now.saturating_sub(last.0) < SIGHTING_EVERY_NS);
            if self.last.len() >= SIGHTING_MEMORY {
                self.last.clear();
            }
        }
        self.last.insert(key, packet.ts);
        Some(ProcessSighting {
            at: packet.ts,
            local,
            remote: Some(remote),
            pid,
            name: process.name.clone().unwrap_or_default(),
            exe: None,
            // ptcpdump's `Args:` are the arguments joined by spaces.
            script: process.args.as_deref().and_then(Script::of_joined),
            source: SightingSource::Capture,
        })
    }
}

/// What a capture file's own process information tells of the capturing host, packet by
/// packet: its [`Sightings`] and the host state they feed, begun at the first sighting. The
/// full analysis and one endpoint's evidence both build it, from the same packets in the
/// same order, so that both name the same connecting programs.
///
/// The engine's incidents count from the first sighting on (before it, nothing could name
/// their process): the caller keeps them from then ([`Self::started`]), and hands each packet
/// here before the engine, so that the incident of that very packet finds its sighting.
#[derive(Default)]
pub struct CapturedHost {
    sightings: Sightings,
    state: Option<HostState>,
}

impl CapturedHost {
    /// Learns the processes the source met since the last call (see [`Sightings::learn`]).
    pub fn learn(&mut self, new: &[CapturedProcess]) {
        self.sightings.learn(new);
    }

    /// Processes learned so far: a packet whose process index is not below this needs the
    /// source's table first.
    #[must_use]
    pub fn learned(&self) -> usize {
        self.sightings.processes.len()
    }

    /// The sighting `packet` makes (see [`Sightings::sighting`]), taken into the host state.
    pub fn sighting(
        &mut self,
        packet: &TcpPacket<'_>,
        direction: Option<Direction>,
        process: Option<u32>,
    ) -> Option<ProcessSighting> {
        let sighting = self.sightings.sighting(packet, direction, process)?;
        self.state
            .get_or_insert_with(|| {
                let mut h = HostState::new(CaptureScope::default());
                h.note(NOTE);
                h
            })
            .sighting(&sighting);
        Some(sighting)
    }

    /// A packet has named a process: the engine's incidents count from now on.
    #[must_use]
    pub fn started(&self) -> bool {
        self.state.is_some()
    }

    /// One incident of the engine (none before [`Self::started`]).
    pub fn incident(&mut self, i: &Incident) {
        if let Some(h) = &mut self.state {
            h.incident(i);
        }
    }

    /// Decides the incidents that waited long enough for a sighting, at `now` (packet time).
    pub fn settle(&mut self, now: Timestamp) {
        if let Some(h) = &mut self.state {
            h.settle(now);
        }
    }

    /// Ends the capture: every incident still waiting is decided.
    pub fn finish(&mut self) {
        if let Some(h) = &mut self.state {
            h.finish();
        }
    }

    /// What the process information says of `offenders`; `None` when no packet named a
    /// process.
    #[must_use]
    pub fn report(&self, offenders: &[Offender]) -> Option<HostReport> {
        self.state.as_ref().map(|h| h.report(offenders))
    }
}

/// The capturing host's socket of `packet`, as (local, remote): see [`Sightings`].
fn socket_of(
    packet: &TcpPacket<'_>,
    direction: Option<Direction>,
) -> Option<(SocketAddr, SocketAddr)> {
    let source = SocketAddr::new(packet.src, packet.sport);
    let destination = SocketAddr::new(packet.dst, packet.dport);
    match direction {
        Some(Direction::Outbound) => Some((source, destination)),
        Some(Direction::Inbound) => Some((destination, source)),
        None if packet.flags.syn() && !packet.flags.ack() => Some((source, destination)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::packet::TcpFlags;
    use crate::source::CapturedProcessKind;

    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1));

    fn packet(ms: i64, from_client: bool, flags: u16) -> TcpPacket<'static> {
        let (src, dst, sport, dport) = if from_client {
            (CLIENT, SERVER, 50_000, 443)
        } else {
            (SERVER, CLIENT, 443, 50_000)
        };
        TcpPacket {
            ts: Timestamp(ms * 1_000_000),
            frame: 1,
            src,
            dst,
            sport,
            dport,
            seq: 1,
            flags: TcpFlags(flags),
            ttl: 64,
            ..crate::decode::BLANK
        }
    }

    fn sightings() -> Sightings {
        let mut s = Sightings::default();
        s.learn(&[
            CapturedProcess {
                pid: Some(1234),
                name: Some("curl".into()),
                cmd: None,
                args: None,
                uuid: None,
                how: CapturedProcessKind::DarwinProcessBlock,
            },
            CapturedProcess {
                pid: None,
                name: Some("kernel_task".into()),
                cmd: None,
                args: None,
                uuid: None,
                how: CapturedProcessKind::DarwinProcessBlock,
            },
        ]);
        s
    }

    fn tag(direction: Option<Direction>, process: u32) -> (Option<Direction>, Option<u32>) {
        (direction, Some(process))
    }

    impl Sightings {
        fn sighted(
            &mut self,
            packet: &TcpPacket<'_>,
            (direction, process): (Option<Direction>, Option<u32>),
        ) -> Option<ProcessSighting> {
            self.sighting(packet, direction, process)
        }
    }

    const SYN: u16 = TcpFlags::SYN;
    const ACK: u16 = TcpFlags::ACK;

    #[test]
    fn the_local_end_is_the_source_going_out_and_the_destination_coming_in() {
        let client = SocketAddr::new(CLIENT, 50_000);
        let server = SocketAddr::new(SERVER, 443);
        let mut s = sightings();
        let out = s
            .sighted(&packet(0, true, SYN), tag(Some(Direction::Outbound), 0))
            .expect("outbound SYN");
        assert_eq!(
            (out.local, out.remote, out.pid),
            (client, Some(server), 1234)
        );
        assert_eq!(
            (out.name.as_str(), out.source),
            ("curl", SightingSource::Capture)
        );
        let mut s = sightings();
        let inbound = s
            .sighted(
                &packet(0, false, SYN | ACK),
                tag(Some(Direction::Inbound), 0),
            )
            .expect("inbound SYN-ACK");
        assert_eq!((inbound.local, inbound.remote), (client, Some(server)));
    }

    #[test]
    fn without_a_direction_only_a_syn_tells_the_socket() {
        let mut s = sightings();
        assert!(
            s.sighted(&packet(0, false, SYN | ACK), tag(None, 0))
                .is_none()
        );
        assert!(s.sighted(&packet(0, true, ACK), tag(None, 0)).is_none());
        let syn = s.sighted(&packet(0, true, SYN), tag(None, 0)).expect("SYN");
        assert_eq!(syn.local, SocketAddr::new(CLIENT, 50_000));
    }

    #[test]
    fn a_busy_socket_is_sighted_once_a_second() {
        let mut s = sightings();
        let out = |ms| (packet(ms, true, ACK), tag(Some(Direction::Outbound), 0));
        let times: Vec<i64> = [0, 10, 500, 999, 1000, 1500, 2100]
            .into_iter()
            .filter(|&ms| {
                let (p, t) = out(ms);
                s.sighted(&p, t).is_some()
            })
            .collect();
        assert_eq!(times, vec![0, 1000, 2100]);
    }

    #[test]
    fn a_process_without_pid_or_unknown_index_is_no_sighting() {
        let mut s = sightings();
        let p = packet(0, true, SYN);
        assert!(s.sighted(&p, tag(Some(Direction::Outbound), 1)).is_none());
        assert!(s.sighted(&p, tag(Some(Direction::Outbound), 7)).is_none());
    }

    #[test]
    fn the_dedupe_memory_stays_bounded() {
        let mut s = sightings();
        for port in 0..(SIGHTING_MEMORY as u16 + 100) {
            let mut p = packet(0, true, SYN);
            p.sport = port;
            assert!(s.sighted(&p, tag(Some(Direction::Outbound), 0)).is_some());
            assert!(s.last.len() <= SIGHTING_MEMORY);
        }
    }
}
