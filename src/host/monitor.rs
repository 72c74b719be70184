//! The `host-monitor` thread: samples the machine about once a second during a live capture.
//!
//! Each sample reads the kernel's TCP counters, the socket table (listeners with their
//! processes, established client sockets), and drains the per-connect event source where
//! there is one, then offers a [`HostSample`](crate::host::state::HostSample) on a bounded channel. A consumer that is behind
//! loses samples (counted in [`HostMonitor::dropped`](crate::host::monitor::HostMonitor::dropped)); the counters lose nothing by that, as
//! the next sample's increase covers the gap.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use super::processes::{ProcessInfo, Processes};
use super::sockets::{SocketReader, SocketState, UNSEEN_PID};
use super::state::HostSample;
use super::{ConnectEvents, HostError, ProcessSighting, SightingSource, read_tcp_counters};
use crate::packet::Timestamp;

/// Samples waiting for the consumer.
const DEPTH: usize = 8;
/// How often the stop request is checked while waiting for the next sample.
const TICK: Duration = Duration::from_millis(50);

/// The running sampler. Dropping it stops the thread and waits for it.
pub struct HostMonitor {
    rx: Receiver<HostSample>,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl HostMonitor {
    /// Starts sampling every `every` (the first sample at once), with `events` as the
    /// per-connect source if there is one.
    ///
    /// # Errors
    /// [`HostError::Thread`] if the thread cannot be started.
    pub fn start(
        every: Duration,
        events: Result<Box<dyn ConnectEvents>, HostError>,
    ) -> Result<Self, HostError> {
        let (tx, rx) = sync_channel(DEPTH);
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let sampler = Sampler {
            tx,
            stop: Arc::clone(&stop),
            dropped: Arc::clone(&dropped),
            reader: Reader::new(events),
        };
        let thread = std::thread::Builder::new()
            .name("host-monitor".into())
            .spawn(move || sampler.run(every))
            .map_err(|e| HostError::Thread {
                message: e.to_string(),
            })?;
        Ok(Self {
            rx,
            stop,
            dropped,
            thread: Some(thread),
        })
    }

    /// Samples taken since the last call, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = HostSample> + '_ {
        self.rx.try_iter()
    }

    /// Samples lost because the consumer was behind.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Stops sampling and returns the samples not yet read (the last one taken at the stop).
    pub fn finish(mut self) -> Vec<HostSample> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.rx.try_iter().collect()
    }
}

impl Drop for HostMonitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One sample of the machine now, without a thread or connect events: what the app's
/// "Read now" shows outside a live capture.
#[must_use]
pub fn sample_once() -> HostSample {
    Reader::new(Err(HostError::ConnectEvents {
        message: "not capturing".into(),
    }))
    .take()
}

struct Sampler {
    tx: SyncSender<HostSample>,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    reader: Reader,
}

/// What one sample reads with, kept from sample to sample.
struct Reader {
    sockets: SocketReader,
    processes: Processes,
    events: Result<Box<dyn ConnectEvents>, HostError>,
    previous_pids: HashSet<u32>,
    /// The machine's interfaces, for their addresses (`None` where they cannot be listed).
    networks: Option<sysinfo::Networks>,
    /// Problems already reported (each is said once).
    told: HashSet<String>,
}

impl Sampler {
    fn run(mut self, every: Duration) {
        let mut first = true;
        loop {
            let mut sample = self.reader.take();
            if first {
                first = false;
                match &self.reader.events {
                    Ok(e) => sample.problems.push(format!(
                        "connecting processes: {} as each connect happens, and socket-table samples once a second (connections that lived long enough)",
                        e.describe()
                    )),
                    Err(e) => sample.problems.push(format!(
                        "connecting processes come only from socket-table samples once a second, so failed connects are not observed: {e}"
                    )),
                }
            }
            let last = self.stop.load(Ordering::Relaxed);
            match self.tx.try_send(sample) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
            if last {
                return;
            }
            // Waited for on the wall clock itself, the clock of the packets and of the
            // second a reading closes: the monotonic clock can run apart from it (NTP slews
            // it by up to 0.5 ms a second), and a reading a little early would count the
            // end of a second in the next.
            let start = now().0;
            let due = start.saturating_add(
                i64::try_from(until_next(every, start).as_nanos()).unwrap_or(i64::MAX),
            );
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    // One last sample, so the counters cover the capture to its end.
                    break;
                }
                let left = due - now().0;
                if left <= 0 {
                    break;
                }
                std::thread::sleep(TICK.min(Duration::from_nanos(left.unsigned_abs())));
            }
        }
    }
}

impl Reader {
    fn new(events: Result<Box<dyn ConnectEvents>, HostError>) -> Self {
        Self {
            sockets: SocketReader::default(),
            processes: Processes::new(),
            events,
            previous_pids: HashSet::new(),
            networks: sysinfo::Networks::new().ok(),
            told: HashSet::new(),
        }
    }

    fn say_once(&mut self, problems: &mut Vec<String>, text: String) {
        if self.told.insert(text.clone()) {
            problems.push(text);
        }
    }

    fn take(&mut self) -> HostSample {
        let mut s = HostSample {
            at: now(),
            ..HostSample::default()
        };
        let mut problems = Vec::new();
        match read_tcp_counters() {
            Ok(c) => s.counters = Some(c),
            Err(e) => self.say_once(&mut problems, e.to_string()),
        }
        match self.sockets.read() {
            Ok(table) => {
                let pids: Vec<u32> = table.iter().map(|e| e.pid).collect();
                let now_pids: HashSet<u32> = pids.iter().copied().collect();
                // A PID that left the table may be reused by another process: read it anew.
                for gone in self.previous_pids.difference(&now_pids) {
                    self.processes.forget(*gone);
                }
                self.processes.read(&pids);
                let mut listening = Vec::new();
                let mut local: HashSet<std::net::IpAddr> = HashSet::new();
                for e in &table {
                    if !e.local.ip().is_unspecified() {
                        local.insert(e.local.ip());
                    }
                    match e.state {
                        SocketState::Listen if e.pid == UNSEEN_PID => {
                            listening.push((e.local, ProcessInfo::bare(UNSEEN_PID, "")));
                        }
                        SocketState::Listen => {
                            listening.push((e.local, self.processes.describe(e.pid, &e.name)));
                        }
                        // A client's socket, connected or still connecting (a sample
                        // catches an unanswered attempt, and on Windows a refused one).
                        SocketState::Established | SocketState::Connecting => {
                            s.sightings.push(ProcessSighting {
                                at: s.at,
                                local: e.local,
                                remote: None,
                                pid: e.pid,
                                name: e.name.clone(),
                                exe: None,
                                script: None,
                                source: SightingSource::SocketTable,
                            });
                        }
                        SocketState::Other => {}
                    }
                }
                s.listening = Some(listening);
                // The interfaces' addresses too: a client of this machine connecting to one of
                // them where nothing listens (no socket of the table has that address) is this
                // machine's, not "another machine's whose processes cannot be seen".
                if let Some(networks) = &mut self.networks {
                    networks.refresh(true);
                    let addrs = networks
                        .values()
                        .flat_map(sysinfo::NetworkData::ip_networks);
                    local.extend(addrs.map(|n| n.addr).filter(|a| !a.is_unspecified()));
                }
                s.local_addrs = local.into_iter().collect();
                self.previous_pids = now_pids;
            }
            Err(e) => self.say_once(&mut problems, e.to_string()),
        }
        if let Ok(events) = &mut self.events {
            events.drain(&mut s.sightings);
            s.events_lost = events.lost();
            s.events_unplaced = events.unplaced();
            s.failing_starts = events.failing_starts();
        }
        let mut described = HashSet::new();
        for i in 0..s.sightings.len() {
            let pid = s.sightings[i].pid;
            if described.insert(pid) {
                let name = s.sightings[i].name.clone();
                let mut info = self.processes.describe(pid, &name);
                // A process already gone (or whose executable cannot be read): the program it
                // ran, as the connect trace saw it start.
                if info.exe.is_none() {
                    info.exe.clone_from(&s.sightings[i].exe);
                }
                // The script its arguments name names the connecting program too.
                if info.script.is_some() {
                    for sighting in s.sightings[i..].iter_mut().filter(|s| s.pid == pid) {
                        sighting.script.clone_from(&info.script);
                    }
                }
                s.processes.push(info);
            }
        }
        s.problems = problems;
        s
    }
}

/// The wait from `now_ns` (wall clock, nanoseconds since the epoch) to the next sample: the
/// next multiple of `every` on the wall clock, after `now_ns`. With one-second samples each
/// reading then covers one whole second of the clock, and its increase falls on the same
/// second as the captured packets it counts, instead of being spread over two seconds at a
/// random phase. At the second itself, not past it: the kernel counts a segment as it
/// handles it, microseconds after the packet's timestamp, so there is nothing to wait for,
/// and what a late reading counts after the second is counted in that second (20 ms late,
/// one refusal in fifty was on the line of the second before the captured one). The counters
/// are the first thing a sample reads.
fn until_next(every: Duration, now_ns: i64) -> Duration {
    let every_ns = i64::try_from(every.as_nanos()).unwrap_or(i64::MAX).max(1);
    let next = now_ns.div_euclid(every_ns) * every_ns + every_ns;
    Duration::from_nanos(u64::try_from(next - now_ns).unwrap_or(0))
}

/// Wall-clock now as a packet-clock timestamp (live packets carry the same clock).
fn now() -> Timestamp {
    Timestamp::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000_000;
    const MS: i64 = 1_000_000;

    fn ms(d: Duration) -> u128 {
        d.as_millis()
    }

    /// Regression: the counters were read 20 ms past each whole second ("so that what
    /// happened in that second has been counted"), and a connect refused in the first 20 ms of
    /// a second was in the reading that closed the second before: that line's kernel count
    /// was one more, the next line's one less, than the captured refusals of the same
    /// seconds. The kernel counts a segment as it handles it, microseconds after the packet's
    /// own timestamp: the reading that closes a second is due at the second's end itself.
    #[test]
    fn regression_a_reading_is_due_at_the_whole_second_not_past_it() {
        let every = Duration::from_secs(1);
        let at = 1_764_590_405 * SECOND;
        assert_eq!(ms(until_next(every, at + 10 * MS)), 990);
        assert_eq!(ms(until_next(every, at + 300 * MS)), 700);
        assert_eq!(ms(until_next(every, at + 999 * MS)), 1);
        // Read at the whole second: the next one is a second later, not the same one again.
        assert_eq!(ms(until_next(every, at)), 1000);
        // Late by a whole interval: the next boundary, not a burst to catch up.
        assert_eq!(ms(until_next(every, at + 1_500 * MS)), 500);
    }

    #[test]
    fn short_intervals_keep_their_length() {
        let every = Duration::from_millis(40);
        let at = 1_764_590_405 * SECOND;
        assert_eq!(ms(until_next(every, at)), 40);
        assert_eq!(ms(until_next(every, at + 10 * MS)), 30);
    }
}
