//! Live capture as a background job, for the app and `rstscope capture` alike.
//!
//! [`capture`](crate::pipeline::live::capture) opens the interfaces on the caller's thread (so "permission denied", "no such
//! interface" and "bad filter" come back at once as a [`StartError`](crate::pipeline::live::StartError)), then runs:
//!
//! ```text
//! capture-any (or capture-<iface> each) --batches, bounded--> engine --updates, bounded--> caller
//! ```
//!
//! The `engine` thread removes cross-interface duplicates and frames repeated on one
//! interface (as a file's analysis does), saves frames to the pcapng file if
//! asked, decodes them and feeds the engine. Five times a second it offers
//! [`Update::Partial`]; a consumer that is behind loses those (counted in
//! [`LiveJob::dropped_updates`](crate::pipeline::live::LiveJob::dropped_updates)), never packets. At the end (stop, duration, or every capture
//! thread gone) it sends [`Update::Finished`] with `Ok` (a live job has no error once
//! started: problems met on the way are warnings in the analysis). The capture's counts
//! (captured, duplicates, drops by kernel, interface and rstscope) are read at any time with
//! [`LiveJob::stats`](crate::pipeline::live::LiveJob::stats), lock-free; once `Finished` has arrived they are final.
//!
//! Packet time drives the analysis, as for files: the series are per packet second, and an
//! unanswered SYN is judged 10 s of packet time later (or at the end).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{CHANNEL_DEPTH, Sender, Update};
use crate::analysis::{Analysis, CaptureInfo, CaptureTime, Copies};
use crate::decode::{Decoded, decode_encap};
use crate::engine::{Engine, EngineConfig, NEW_CAPTURE_BACK_SECS, Totals};
use crate::host::journal::{Answer, Journal, OwnerLookups, UnitNow};
use crate::host::monitor::HostMonitor;
use crate::host::state::{CaptureScope, HostReport, HostState};
use crate::packet::{TcpPacket, Timestamp};
use crate::report::thousands;
use crate::source::live::dedupe::Repeats;
use crate::source::live::pcapng::InterfaceStats;
use crate::source::live::{
    CaptureConfig, CaptureFilter, CaptureStats, CapturedInterface, LiveError, LiveSource, Next,
    StatsHandle, StopHandle,
};
use crate::source::{Frame, LinkType};

/// Least wall-clock time between two intermediate results: 5 a second.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(200);
/// Longest wall-clock time between two intermediate results while no frame comes: the
/// capture's time and the machine's samples (one a second) still move on.
const QUIET_SNAPSHOT_EVERY: Duration = Duration::from_secs(1);
/// Longest wait for frames before checking the clock and the stop request.
const POLL: Duration = Duration::from_millis(50);
/// While no frame comes, packet time moves on to this long before the capture's own time, so
/// that unanswered attempts are judged when due: a frame still on its way (a capture library
/// that hands frames over only every so often, as old Npcap without immediate mode does) is
/// stamped after it.
const QUIET_LAG: i64 = 2 * Timestamp::NANOS_PER_SEC;
/// Most wall-clock time the saved file's frames stay in memory: a capture that is killed, or
/// quit by a second Ctrl+C, loses at most this much of its file (its 1 MiB write buffer held
/// minutes of a quiet host's packets, and such a file was empty).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Where the capture is saved: one file, or a ring of pieces within a size limit.
mod saved;

use saved::SaveWriter;
pub use saved::{RING_PIECES, SavedFiles};

/// How to run a live capture.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Interfaces, filter and snaplen.
    pub capture: CaptureConfig,
    /// Engine settings. `keep_connections` is ignored: a live job keeps no connection list.
    pub engine: EngineConfig,
    /// Save what is captured (after duplicates and repeats are removed) to this pcapng file.
    pub write: Option<PathBuf>,
    /// Keep the saved capture within this many bytes: it becomes a ring of
    /// [`RING_PIECES`] files named after `write` (`NAME-2.pcapng`, ...), the oldest removed
    /// when one more begins, so the latest packets are always kept. `None`: one file, no limit.
    pub write_limit: Option<u64>,
    /// Remove the saved files when the last [`SavedFiles`] handle to them goes (the app's
    /// capture in the temporary folder).
    pub write_temporary: bool,
    /// Stop by itself after this long (wall-clock time since the start); `None`: until
    /// [`LiveJob::stop`].
    pub duration: Option<Duration>,
    /// Sample this machine once a second (kernel counters, socket table, processes, connect
    /// events) and report it with the capture in [`Analysis::host`].
    pub host: bool,
    /// The journal asked who served the ports that nothing listens on (with `host`): the
    /// system's by default.
    pub journal: Journal,
    /// Listeners an earlier run of `rstscope agent` saw and saved (those listening when it
    /// stopped and those gone before), with `host`: who served a port before this capture,
    /// in full (the program, not only a systemd unit), where the system journal may name
    /// nobody (see [`ListenerHistory::carry`](crate::host::history::ListenerHistory::carry)).
    pub former_listeners: Vec<crate::host::history::ListenerRecord>,
}

/// Sees every frame the engine thread analyzes (after cross-interface duplicates and frames
/// repeated on one interface are left out), in capture order, on that thread: `rstscope agent` keeps its ring of failure evidence
/// this way. It must not block: the capture waits behind it.
pub trait FrameTap: Send {
    /// The capture has started on these interfaces ([`Frame::interface`] indexes them).
    fn start(&mut self, interfaces: &[CapturedInterface]);
    /// One frame, and its TCP segment when it carries one.
    fn frame(&mut self, frame: &Frame<'_>, tcp: Option<&TcpPacket<'_>>);
    /// An interface made after the capture began was met in `interface`'s frames (Linux's
    /// `any`: the interface index `index` its frames carry, named `name`), just before the
    /// first such frame is handed to [`FrameTap::frame`]. Nothing by default.
    fn interface_named(&mut self, _interface: u32, _index: u32, _name: &str) {}
    /// The capture has ended; no frame follows.
    fn finish(&mut self);
}

/// Why a live capture did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The capture itself: permission, interface, filter, libpcap missing.
    #[error(transparent)]
    Capture(#[from] LiveError),
    /// The file to save to cannot be created.
    #[error(
        "cannot create the capture file {}: {}",
        .path.display(),
        crate::report::write_error(.path, .source)
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running (or finished) live capture. Dropping it stops the capture and waits for its
/// threads.
pub struct LiveJob {
    rx: Receiver<Update>,
    stop: StopHandle,
    stats: StatsHandle,
    dropped: Arc<AtomicU64>,
    interfaces: Vec<CapturedInterface>,
    filter: CaptureFilter,
    saved: Option<SavedFiles>,
    thread: Option<JoinHandle<()>>,
}

impl LiveJob {
    /// The files the capture is saved to (with `write`): a handle that outlives the job, and
    /// with `write_temporary` the files' owner.
    pub fn saved(&self) -> Option<SavedFiles> {
        self.saved.clone()
    }

    /// Updates received since the last call, oldest first.
    pub fn poll(&mut self) -> Vec<Update> {
        self.rx.try_iter().collect()
    }

    /// Waits for the next update, up to `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<Update> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Asks the capture to stop; the job then sends its final results. Returns at once.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// A handle that stops the capture from another thread (a Ctrl+C handler).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The capture's counts now (captured, duplicates, drops by whom).
    pub fn stats(&self) -> CaptureStats {
        self.stats.get()
    }

    /// The counts of each interface now, in [`LiveJob::interfaces`] order.
    pub fn interface_stats(&self) -> Vec<CaptureStats> {
        self.stats.interfaces()
    }

    /// The interfaces being captured.
    pub fn interfaces(&self) -> &[CapturedInterface] {
        &self.interfaces
    }

    /// The capture filter in force.
    pub fn filter(&self) -> &CaptureFilter {
        &self.filter
    }

    /// Intermediate updates dropped because the consumer was slow.
    pub fn dropped_updates(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// True once the job's threads have ended (after `Finished` was sent).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops the capture if it is still running, waits for the end and returns the final
    /// results and counts (updates not yet read are skipped).
    pub fn finish(self) -> (Option<Arc<Analysis>>, CaptureStats) {
        self.stop();
        let mut last = None;
        while let Ok(u) = self.rx.recv() {
            if let Update::Finished(r) = u {
                last = r.ok();
                break;
            }
        }
        (last, self.stats())
    }
}

impl Drop for LiveJob {
    fn drop(&mut self) {
        self.stop();
        // Dropping the receiver first makes the engine thread's last sends fail at once
        // instead of waiting for room; then no thread outlives the job.
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.rx, closed));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a live capture: threads `capture-any` (Linux; elsewhere `capture-<iface>` per
/// interface) and `engine`. `notify` is called after each update is sent (the GUI passes its
/// repaint request).
pub fn capture(
    options: LiveOptions,
    notify: impl Fn() + Send + 'static,
) -> Result<LiveJob, StartError> {
    capture_with_tap(options, None, notify)
}

/// [`capture`], with `tap` shown every frame analyzed.
pub fn capture_with_tap(
    options: LiveOptions,
    mut tap: Option<Box<dyn FrameTap>>,
    notify: impl Fn() + Send + 'static,
) -> Result<LiveJob, StartError> {
    let source = LiveSource::start(&options.capture)?;
    if let Some(t) = &mut tap {
        t.start(source.interfaces());
    }
    let writer = match &options.write {
        Some(path) => Some(
            SaveWriter::create(
                path,
                source.interfaces(),
                Some(&source.filter().bpf()),
                options.write_limit,
                options.write_temporary,
            )
            .map_err(|source| StartError::Write {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let saved = writer.as_ref().map(SaveWriter::saved);
    let (tx, rx) = sync_channel(CHANNEL_DEPTH);
    let dropped = Arc::new(AtomicU64::new(0));
    let sender = Sender {
        tx,
        dropped: Arc::clone(&dropped),
        notify: Box::new(notify),
    };
    let stop = source.stop_handle();
    let stats = source.stats_handle();
    let interfaces = source.interfaces().to_vec();
    let filter = source.filter().clone();
    let filter_misses = filter.what_it_misses();
    let host = options.host.then(|| {
        let mut h = host_side(
            &options.capture,
            &filter,
            options.journal.clone(),
            options.former_listeners.clone(),
        );
        // The machine's per-second data is kept as long as the engine's series.
        h.state.keep_for(options.engine.retention.kept);
        h
    });
    let mut engine_config = options.engine;
    engine_config.keep_connections = false;
    engine_config.keep_incidents = host.is_some();
    // Without ACKs the engine must take a SYN-ACK as the completed handshake.
    engine_config.syn_fin_rst_only |= matches!(filter, CaptureFilter::SynFinRst);
    let run = Run {
        written: vec![0; interfaces.len()],
        by_interface: (crate::source::live::labels(&interfaces).into_iter())
            .map(|label| (label, 0))
            .collect(),
        source,
        engine: Engine::new(engine_config.clone()),
        max_flows: engine_config.max_flows,
        max_tracked: engine_config.services.max_tracked,
        capture: CaptureInfo::default(),
        link_types: BTreeMap::new(),
        writer,
        problems: Vec::new(),
        started: std::time::SystemTime::now(),
        begun: Instant::now(),
        span: None,
        host,
        tap,
        repeats: Repeats::default(),
        steps: ClockSteps::default(),
        filter_misses,
    };
    let duration = options.duration;
    let thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || run.run(&sender, duration))
        .map_err(|e| {
            StartError::Capture(LiveError::Open {
                interface: "every interface".into(),
                message: format!(
                    "cannot start the engine thread: {}",
                    crate::report::os_error(&e)
                ),
            })
        })?;
    Ok(LiveJob {
        rx,
        stop,
        stats,
        dropped,
        interfaces,
        filter,
        saved,
        thread: Some(thread),
    })
}

/// The engine thread's state.
struct Run {
    source: LiveSource,
    engine: Engine,
    max_flows: usize,
    /// The endpoints the engine tracks at once (the agent's fewer than an analysis's).
    max_tracked: usize,
    capture: CaptureInfo,
    link_types: BTreeMap<LinkType, u64>,
    /// Each interface's label and frames ([`CaptureInfo::interfaces`]).
    by_interface: Vec<(String, u64)>,
    writer: Option<SaveWriter>,
    written: Vec<u64>,
    problems: Vec<String>,
    started: std::time::SystemTime,
    /// The monotonic clock at `started`: what the frames' read times count from.
    begun: Instant,
    /// The capture's own time, from its start to its latest update ([`CaptureInfo::live`]).
    span: Option<(Timestamp, Timestamp)>,
    host: Option<HostSide>,
    tap: Option<Box<dyn FrameTap>>,
    /// TCP frames just seen, by interface: a frame repeated on its interface is left out as
    /// a file's is.
    repeats: Repeats,
    /// The clock's steps, and how far the packet times after them are moved.
    steps: ClockSteps,
    /// What a custom capture filter leaves out that the analysis needs (the classic RST-only
    /// filter's IPv6 and SYNs), told once at the start and among the warnings.
    filter_misses: Option<String>,
}

/// The machine's side of the capture: the sampler and what its samples add up to, and the
/// journal's answers on who served the ports nothing listens on.
struct HostSide {
    monitor: Option<HostMonitor>,
    state: HostState,
    owners: OwnerLookups,
}

/// How long the end of a capture waits for the journal's answers still out.
const OWNERS_SETTLE: Duration = Duration::from_secs(3);
/// How long after a listener was last seen the journal is asked how it ended: systemd's
/// restarts of a failing service (100 ms apart by default, five at most) are over by then.
const END_ASKED_AFTER: Duration = Duration::from_secs(3);

impl HostSide {
    /// Applies the samples taken since the last call, received when the wall clock less the
    /// monotonic one was `shift` (see [`stepped`]).
    fn take_samples(&mut self, steps: &mut ClockSteps, shift: i64) {
        if let Some(m) = &self.monitor {
            for s in m.samples() {
                self.state.apply(stepped(s, steps, shift));
            }
        }
        let answers = self.owners.answers();
        self.answered(answers);
    }

    fn answered(&mut self, answers: Vec<Answer>) {
        for answer in answers {
            match answer {
                Answer::Owner(port, a) => {
                    // Its process, where it runs still: in which network namespace.
                    let capture = self.state.net_ns();
                    let a = a.map(|owner| {
                        owner.map(|mut o| {
                            o.net_ns = crate::host::journal::running_net_ns(&o, capture);
                            o
                        })
                    });
                    self.state.former_owner(port, a);
                }
                Answer::End(pid, a) => self.state.listener_end(pid, a),
            }
        }
    }

    /// Asks the journal about the offenders' ports that nothing listens on and nothing did
    /// during the capture (each port once; the highest-ranked first, and a bounded number).
    /// Asks too how the listeners seen going ended, where nothing took their port: once
    /// the machine was sampled [`END_ASKED_AFTER`] after the last sight (so systemd's
    /// restarts had time), and at the capture's `last` report again where the unit was still
    /// being restarted or the journal had not answered.
    fn ask_owners(&mut self, report: Option<&HostReport>, last: bool) {
        let sampled = report.and_then(|r| r.sampled).map(|(_, t)| t);
        for e in report.map_or(&[][..], |r| &r.endpoints) {
            if e.unserved() {
                self.owners.ask(e.port);
            }
            let Some(g) = e.gone_listener() else {
                continue;
            };
            let waited =
                sampled.is_some_and(|t| t.0 - g.last_seen.0 >= END_ASKED_AFTER.as_nanos() as i64);
            let unsettled = !matches!(
                e.listener_end.as_ref().map(|end| &end.state.now),
                Some(UnitNow::Failed { .. } | UnitNow::Stopped)
            );
            if last && unsettled && self.owners.asked_end(g.pid) {
                self.owners.ask_end(g, true);
            } else if waited || last {
                self.owners.ask_end(g, false);
            }
        }
    }
}

/// The sample `s`, received when the wall clock less the monotonic one was `shift`, with its
/// times moved as the packets' are after a step of the clock ([`ClockSteps::now`]), so that
/// the machine's seconds stay those of the packets: a step first met in a sample (the clock
/// stepped forward while no packet came) moves it as it will the packets after it; else its
/// time, one second after the step, would be the capture's end.
fn stepped(
    s: crate::host::state::HostSample,
    steps: &mut ClockSteps,
    shift: i64,
) -> crate::host::state::HostSample {
    let at = steps.now(s.at, shift);
    let by = at.0.saturating_sub(s.at.0);
    moved_on(s, by)
}

/// Monotonic nanoseconds since `start`: what tells a step of the clock ([`ClockSteps::time`]).
fn nanos_since(start: Instant) -> i64 {
    nanos(start.elapsed())
}

/// The wall clock now, and it less the monotonic clock's nanoseconds since `start`
/// ([`ReadAt::shift`]).
fn wall_and_shift(start: Instant) -> (Timestamp, i64) {
    let mono = nanos_since(start);
    let wall = Timestamp::now();
    (wall, wall.0.saturating_sub(mono))
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// `s` with its times moved on by `offset` nanoseconds.
fn moved_on(mut s: crate::host::state::HostSample, offset: i64) -> crate::host::state::HostSample {
    if offset != 0 {
        s.at = Timestamp(s.at.0.saturating_add(offset));
        for p in &mut s.sightings {
            p.at = Timestamp(p.at.0.saturating_add(offset));
        }
    }
    s
}

/// Starts the host-monitor for a capture of `config` with `filter`; former owners of ports
/// are `former_listeners` (an earlier agent run's), else asked of `journal`.
fn host_side(
    config: &CaptureConfig,
    filter: &CaptureFilter,
    journal: Journal,
    former_listeners: Vec<crate::host::history::ListenerRecord>,
) -> HostSide {
    let loopback =
        config.interfaces.is_empty() || config.interfaces.iter().any(|i| is_loopback_name(i));
    let mut state = HostState::new(CaptureScope {
        interfaces: config.interfaces.clone(),
        loopback,
        narrow_filter: match filter {
            CaptureFilter::Custom(f) => Some(f.clone()),
            _ => None,
        },
        net_ns: crate::host::own_net_ns(),
        machine_net_ns: crate::host::machine_net_ns(),
    });
    state.carry_listeners(former_listeners);
    let monitor = match HostMonitor::start(Duration::from_secs(1), crate::host::connect_events()) {
        Ok(m) => Some(m),
        Err(e) => {
            state.note(e.to_string());
            None
        }
    };
    HostSide {
        monitor,
        state,
        owners: OwnerLookups::new(journal),
    }
}

/// Loopback interface names: Linux `lo`, BSD and macOS `lo0`, Npcap's "Adapter for loopback
/// traffic capture" (`\\Device\\NPF_Loopback`).
fn is_loopback_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "lo"
        || (lower.starts_with("lo") && lower[2..].chars().all(|c| c.is_ascii_digit()))
        || lower.contains("loopback")
}

impl Run {
    fn run(mut self, sender: &Sender, duration: Option<Duration>) {
        let stop = self.source.stop_handle();
        let started = self.begun;
        let start = Timestamp::of_system(self.started);
        let start = self.steps.time(
            start,
            Some(ReadAt {
                mono: 0,
                shift: start.0,
            }),
        );
        self.span = Some((start, start));
        let mut last_snapshot = Instant::now();
        // Frames the capture had handed over at the last intermediate result (none sent yet:
        // the first goes as soon as one may, whatever came).
        let mut sent_captured = u64::MAX;
        let mut last_flush = Instant::now();
        loop {
            // Whether this wait for frames ended with none: every frame captured so far is
            // analyzed. (Under load the engine can be behind the clock; only when caught up
            // may packet time move on without packets.)
            let caught_up = match self.source.next(POLL) {
                Next::Batch(batch) => {
                    let shift = wall_and_shift(started).1;
                    let read = batch.read_at().map(|r| ReadAt {
                        mono: nanos(r.duration_since(started)),
                        shift,
                    });
                    for f in batch.frames() {
                        self.frame(&f, read);
                    }
                    self.source.recycle(batch);
                    false
                }
                Next::Idle => true,
                Next::Ended => break,
            };
            if let Some(h) = &mut self.host {
                h.take_samples(&mut self.steps, wall_and_shift(started).1);
            }
            if duration.is_some_and(|d| started.elapsed() >= d) && !stop.is_stopped() {
                stop.stop();
            }
            if last_flush.elapsed() >= FLUSH_EVERY {
                last_flush = Instant::now();
                self.flush_file();
            }
            // While nothing comes, one a second: a window drawn five times a second for the
            // same counts kept its renderer busy for nothing.
            let due = match self.source.stats().captured == sent_captured {
                true => QUIET_SNAPSHOT_EVERY,
                false => SNAPSHOT_EVERY,
            };
            if last_snapshot.elapsed() >= due {
                last_snapshot = Instant::now();
                sent_captured = self.source.stats().captured;
                self.mark_now(started);
                if caught_up {
                    self.advance_while_quiet();
                }
                let a = self.analysis();
                if let Some(h) = &mut self.host {
                    h.ask_owners(a.host.as_deref(), false);
                }
                sender.offer(Update::Partial(Arc::new(a)));
            }
        }
        // Where the capture ends: the settling after (owners asked of the journal) is not.
        self.mark_now(started);
        let problems = self.source.join();
        self.problems.extend(problems);
        if let Some(t) = &mut self.tap {
            t.finish();
        }
        self.engine.finish();
        if let Some(h) = &mut self.host {
            for i in self.engine.drain_incidents() {
                h.state.incident(&i);
            }
            if let Some(m) = h.monitor.take() {
                let dropped = m.dropped();
                let shift = wall_and_shift(started).1;
                for s in m.finish() {
                    h.state.apply(stepped(s, &mut self.steps, shift));
                }
                if dropped > 0 {
                    h.state.note(format!(
                        "{dropped} host samples were lost because the engine thread was behind"
                    ));
                }
            }
            h.state.finish();
        }
        // The journal's answers for ports met last, so that the report has them.
        let last = self.analysis();
        if let Some(h) = &mut self.host {
            h.ask_owners(last.host.as_deref(), true);
            let answers = h.owners.settle(OWNERS_SETTLE);
            h.answered(answers);
        }
        let stats = self.source.stats();
        self.close_file(&stats);
        let mut a = self.analysis();
        let other = a.snapshot.other_endpoints;
        if other.dropped > 0 {
            a.capture
                .warnings
                .push(crate::analysis::other_endpoints_warning(
                    &other,
                    self.max_tracked,
                ));
        }
        a.capture
            .warnings
            .extend(crate::analysis::series_cut_warning(&a.snapshot.offenders));
        a.capture.ended_early = crate::analysis::EndedEarly {
            connections: a.snapshot.totals.evicted,
            max_flows: self.max_flows,
        };
        a.capture.warnings.extend(a.capture.ended_early.warning());
        sender.finish(Update::Finished(Ok(Arc::new(a))));
    }

    /// Moves the capture's own time on to now, on the packets' clock ([`ClockSteps::now`]:
    /// a step of the clock no packet showed yet moves it as it will the packets after it).
    /// `started`: the monotonic start of [`Run::run`].
    fn mark_now(&mut self, started: Instant) {
        let (wall, shift) = wall_and_shift(started);
        let now = self.steps.now(wall, shift);
        self.span = Some(
            self.span
                .map_or((now, now), |(start, end)| (start, end.max(now))),
        );
    }

    /// Packet time moves on without packets to [`QUIET_LAG`] before the capture's own time:
    /// the attempts due are judged, and their incidents go to the machine's side.
    fn advance_while_quiet(&mut self) {
        let Some((_, end)) = self.span else {
            return;
        };
        self.engine
            .advance_while_quiet(Timestamp(end.0.saturating_sub(QUIET_LAG)));
        if let Some(h) = &mut self.host {
            for i in self.engine.drain_incidents() {
                h.state.incident(&i);
            }
        }
    }

    /// One delivered frame: decoded, left out if it repeats a frame just seen on its
    /// interface, else saved, counted and analyzed.
    ///
    /// `read` is when the frame was read ([`ClockSteps::time`]).
    fn frame(&mut self, f: &Frame<'_>, read: Option<ReadAt>) {
        let f = &Frame {
            ts: self.steps.time(f.ts, read),
            ..*f
        };
        let (decoded, encap) = decode_encap(f);
        if let Decoded::Tcp(p) = &decoded
            && self.repeats.is_repeat(f, p, p.payload)
        {
            self.source.left_out_repeat(p.flags);
            return;
        }
        // An interface made since the start: named in the saved file where first met.
        let named = match self.source.sll2_index(f) {
            Some((index, name)) => {
                // Linux `any`: the frames of each interface index, as a file's are counted.
                self.capture.add_index_frame((f.interface, index), 1);
                name.map(|name| (index, name))
            }
            None => None,
        };
        if let (Some(t), Some((index, name))) = (&mut self.tap, &named) {
            t.interface_named(f.interface, *index, name);
        }
        if let Some(w) = &mut self.writer {
            let written = match named {
                Some(index) => w.write_frame_naming(f, index),
                None => w.write_frame(f),
            };
            match written {
                Ok(()) => {
                    if let Some(n) = self.written.get_mut(f.interface as usize) {
                        *n += 1;
                    }
                }
                Err(e) => self.writing_stopped(&e),
            }
        }
        self.capture.frames += 1;
        *self.link_types.entry(f.link_type).or_insert(0) += 1;
        if let Some((_, n)) = self.by_interface.get_mut(f.interface as usize) {
            *n += 1;
        }
        match decoded {
            Decoded::Tcp(p) => {
                self.capture.tcp_frames += 1;
                self.capture.encaps.add(encap);
                if let Some(t) = &mut self.tap {
                    t.frame(f, Some(&p));
                }
                // Linux `any`: where its attempts and resets were seen (`seen on lo`).
                self.engine
                    .set_link_index(crate::decode::linux_any_index(f));
                self.engine.packet(&p);
                if let Some(h) = &mut self.host {
                    for i in self.engine.drain_incidents() {
                        h.state.incident(&i);
                    }
                }
            }
            Decoded::Other => {
                self.capture.other_frames += 1;
                if let Some(t) = &mut self.tap {
                    t.frame(f, None);
                }
            }
            Decoded::Skipped(reason) => {
                *self.capture.not_decoded.entry(reason).or_insert(0) += 1;
                if let Some(t) = &mut self.tap {
                    t.frame(f, None);
                }
            }
        }
    }

    /// Puts the saved file's frames on disk; a failure ends the saving as a failed write does.
    fn flush_file(&mut self) {
        let Some(w) = &mut self.writer else {
            return;
        };
        if let Err(e) = w.flush() {
            self.writing_stopped(&e);
        }
    }

    /// Ends the saving after a failed write (a full disk, a removed folder): said among the
    /// problems and to whoever waits for the file.
    fn writing_stopped(&mut self, e: &std::io::Error) {
        let Some(w) = self.writer.take() else {
            return;
        };
        let path = w.path();
        let why = format!(
            "{}: writing stopped after {} frames: {}",
            path.display(),
            thousands(w.frames()),
            crate::report::write_error(&path, e)
        );
        w.saved().fail(why.clone());
        self.problems.push(why);
    }

    /// Ends the pcapng file with each interface's counts.
    fn close_file(&mut self, stats: &CaptureStats) {
        let Some(mut w) = self.writer.take() else {
            return;
        };
        let path = w.path();
        let snapshot = self.engine.snapshot();
        let totals = snapshot.totals;
        // What the machine said of the offenders, so that the saved capture names the same
        // programs when analyzed later elsewhere.
        if let Some(h) = &self.host {
            let report = h.state.report(&snapshot.offenders);
            let written =
                crate::host::recorded::encode(&report, crate::host::recorded::this_machine())
                    .map_err(std::io::Error::other)
                    .and_then(|body| w.write_host(&body));
            if let Err(e) = written {
                let why = format!(
                    "{}: the processes could not be saved with the capture: {e}",
                    path.display()
                );
                w.saved().fail(why.clone());
                self.problems.push(why);
            }
        }
        let now = Timestamp::now();
        let (start, end) = self
            .own_time(&totals)
            .map_or((Timestamp::of_system(self.started), now), |c| {
                (c.start, c.end)
            });
        // A capture saved in pieces: the last one's own time begins with its first frame.
        let start = w.piece_start().unwrap_or(start);
        let per_if = self.source.interface_stats();
        let blocks: Vec<InterfaceStats> = per_if
            .iter()
            .zip(&self.written)
            .map(|(s, &written)| InterfaceStats {
                start,
                end,
                received: Some(s.kernel_received),
                interface_dropped: Some(s.interface_dropped),
                os_dropped: Some(s.kernel_dropped + s.rstscope_dropped),
                delivered: Some(written),
                comment: Some(format!(
                    "rstscope: kernel dropped {}, rstscope dropped {} (its queue was full); \
                     copies of packets already seen on another interface, left out (whole capture): {}; \
                     frames repeated on one interface within 5 ms, left out (whole capture): {}",
                    s.kernel_dropped, s.rstscope_dropped, stats.duplicates, stats.repeated
                )),
            })
            .collect();
        let saved = w.saved();
        if let Err(e) = w.finish(&blocks) {
            let why = format!(
                "{}: finishing the file failed: {}",
                path.display(),
                crate::report::os_error(&e)
            );
            saved.fail(why.clone());
            self.problems.push(why);
        }
    }

    /// The capture's own time so far ([`CaptureInfo::captured`]), its packets within it: one
    /// can be stamped before the span's start was taken. What the saved file's statistics
    /// blocks record too, so that it reads back as the same span.
    fn own_time(&self, t: &Totals) -> Option<CaptureTime> {
        self.span.map(|(start, end)| CaptureTime {
            start: t.first_ts.map_or(start, |first| start.min(first)),
            end: t.last_ts.map_or(end, |last| end.max(last)),
            live: true,
        })
    }

    /// The results so far, with the capture's warnings.
    fn analysis(&self) -> Analysis {
        let mut capture = self.capture.clone();
        capture.copies = copies(&self.source.stats());
        capture.link_types = self.link_types.iter().map(|(&l, &n)| (l, n)).collect();
        capture.interfaces = self.by_interface.clone();
        capture.index_names = (self.source.interfaces().iter())
            .flat_map(|i| (i.index_names.iter()).map(|(x, name)| (i.id, *x, name.clone())))
            .collect();
        capture.warnings = self.warnings();
        let mut snapshot = self.engine.snapshot();
        if self.source.stats().dropped() > 0 {
            capture
                .warnings
                .extend(crate::analysis::suspects_while_lost(
                    snapshot.totals.suspect_injected,
                ));
        }
        // Its packets within it: one can be stamped before the span's start was taken.
        capture.captured = self.own_time(&snapshot.totals);
        capture.attach_encaps(&mut snapshot.offenders);
        let host = self
            .host
            .as_ref()
            .map(|h| Arc::new(h.state.report(&snapshot.offenders)));
        Analysis {
            capture,
            snapshot,
            host,
        }
    }

    fn warnings(&self) -> Vec<String> {
        let s = self.source.stats();
        let mut w = Vec::new();
        if let Some(l) = self.source.filter().limitation() {
            w.push(l.to_string());
        }
        w.extend(self.filter_misses.clone());
        w.extend(self.source.skipped_warning());
        w.extend(self.steps.warnings(crate::report::Clock::Local));
        w.extend(self.source.outage_warnings());
        if s.dropped() > 0 {
            w.push(format!(
                "{} frames were lost (kernel {}, interface {}, rstscope {}){LOST_TAIL}",
                thousands(s.dropped()),
                thousands(s.kernel_dropped),
                thousands(s.interface_dropped),
                thousands(s.rstscope_dropped)
            ));
        }
        // As a file's, without the terminal option that lists every copy: a live capture
        // keeps none.
        w.extend(copies(&s).note());
        w.extend(self.problems.iter().cloned());
        w
    }
}

/// A live capture's clock stepped (by hand, by a time service correcting it at once, or
/// across the machine's sleep), so that packet time jumped where no time passed.
///
/// Back: the packets after the step are stamped earlier than those before it. A file that
/// does so holds captures appended together, and what was in flight ends there (see
/// [`Engine::packet`]); a live capture is one capture, whose connections go on across the
/// step. So a frame stamped more than [`NEW_CAPTURE_BACK_SECS`] before the time the
/// monotonic clock expects (the latest frame's, plus what passed since it was read) is moved
/// on to that time, and every frame after it by as much: packet time goes on from where it
/// was, and the time a connection's packets were judged by is the time they took. (Smaller
/// steps are taken as they come, as out-of-order packets are.)
///
/// Forward: the packets after the step are stamped later than the time that passed, so a
/// connect waiting for its SYN-ACK would fail at once and every idle connection time out.
/// Only the monotonic clock tells such a step from a quiet spell: each frame comes with the
/// monotonic time it was read at, and a frame whose packet time is more than
/// [`FORWARD_STEP_SECS`] further on from the latest than the monotonic clock went on is moved
/// back to the latest time plus what the monotonic clock says passed, and every frame after it
/// by as much. The monotonic clock stops while the machine sleeps (Linux, macOS): after a
/// resume the connections in flight are judged, as the kernel's own timers judge them, by the
/// time the machine ran.
///
/// A capture that falls behind (a starved or overloaded machine) reads its frames seconds
/// after they came, and one interface's frames can come that much after another's. Frames
/// alone would take that for steps of the clock, so a jump counts as a step only where the
/// clocks agree: the wall clock less the monotonic one ([`ReadAt::shift`]) moved the same way
/// by at least half as much, beyond the steps already taken. Else the frames are late: taken
/// at their time, or at the latest packet time where that is more than
/// [`NEW_CAPTURE_BACK_SECS`] before it (counted, and told).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClockSteps {
    /// Nanoseconds added to each frame's time (negative after steps forward).
    offset: i64,
    /// The latest frame time, moved, and the monotonic time its frame was read at (ns since
    /// any fixed origin), where known.
    latest: Option<(Timestamp, Option<i64>)>,
    /// The wall clock less the monotonic one at the first reading of both ([`ReadAt::shift`]).
    base_shift: Option<i64>,
    /// Steps back.
    back: Steps,
    /// Steps forward.
    forward: Steps,
    /// Frames stamped more than [`NEW_CAPTURE_BACK_SECS`] before the latest where the
    /// clock did not step (a capture behind on one interface): taken at the latest time.
    late: u64,
}

/// What the machine's clocks said when a frame was read (or a sample taken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAt {
    /// The monotonic clock, ns since any fixed origin (the same for every reading).
    pub mono: i64,
    /// The wall clock (ns since 1970) less the monotonic one, then or a little later: a step
    /// of the clock, or a sleep where the monotonic clock stops, changes it by as much; a
    /// capture that falls behind does not.
    pub shift: i64,
}

/// The clock's steps one way: how many, the first (the clock's time of the frame after it,
/// and how far it went, ns) and how far all went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Steps {
    count: u64,
    first: Option<(Timestamp, i64)>,
    total: i64,
}

impl Steps {
    fn add(&mut self, at: Timestamp, by: i64) {
        self.count += 1;
        self.first.get_or_insert((at, by));
        self.total = self.total.saturating_add(by);
    }
}

/// A frame more than this further on from the latest on the clock than on the monotonic
/// clock is taken for a step forward of the clock. A frame's monotonic time is when the capture
/// read it, not when it arrived, but in immediate mode frames wait milliseconds in the kernel's
/// buffer (a batch gathers them 40 ms at most), so two seconds is far beyond that; and below
/// [`crate::engine::ATTEMPT_UNANSWERED_SECS`], so that a step can no longer fail by itself
/// a connect that waits a moment for its SYN-ACK.
pub const FORWARD_STEP_SECS: i64 = 2;

impl ClockSteps {
    /// The time of a frame the clock stamped `ts`, read at `read` (None where unknown: every
    /// jump back beyond [`NEW_CAPTURE_BACK_SECS`] is then a step, and none forward), moved by
    /// the steps of the clock so far.
    pub fn time(&mut self, ts: Timestamp, read: Option<ReadAt>) -> Timestamp {
        let t = Timestamp(ts.0.saturating_add(self.offset));
        let unaccounted = read.map(|r| self.unaccounted(r.shift));
        let mono = read.map(|r| r.mono);
        let Some((latest, latest_mono)) = self.latest else {
            self.latest = Some((t, mono));
            return t;
        };
        // Where the frame would be on the monotonic clock.
        let passed = match (mono, latest_mono) {
            (Some(now), Some(then)) => Some(now.saturating_sub(then).max(0)),
            _ => None,
        };
        let expected = Timestamp(latest.0.saturating_add(passed.unwrap_or(0)));
        let jump = t.0.saturating_sub(expected.0);
        let limit = NEW_CAPTURE_BACK_SECS * Timestamp::NANOS_PER_SEC;
        let forward = passed.is_some()
            && jump > FORWARD_STEP_SECS * Timestamp::NANOS_PER_SEC
            && unaccounted.is_none_or(|u| u > jump / 2);
        let back = jump < -limit && unaccounted.is_none_or(|u| u < jump / 2);
        if forward || back {
            self.offset = self.offset.saturating_sub(jump);
            match forward {
                true => self.forward.add(ts, jump),
                false => self.back.add(ts, -jump),
            }
            self.latest = Some((expected, mono));
            return expected;
        }
        if t.0 < latest.0.saturating_sub(limit) {
            self.late += 1;
            return latest;
        }
        if t >= latest {
            self.latest = Some((t, mono));
        }
        // A small step the frames took as they came is behind us: a next one is told from here.
        if let (Some(r), Some(u)) = (read, unaccounted)
            && Self::taken_as_they_come().contains(&u)
        {
            self.base_shift = Some(r.shift.saturating_add(self.offset));
        }
        t
    }

    /// How far the clock may step (ns, forward positive) and the frames be taken as they come.
    fn taken_as_they_come() -> std::ops::RangeInclusive<i64> {
        -NEW_CAPTURE_BACK_SECS * Timestamp::NANOS_PER_SEC
            ..=FORWARD_STEP_SECS * Timestamp::NANOS_PER_SEC
    }

    /// The time the wall clock says `now` (with `shift`, [`ReadAt::shift`], read at the same
    /// moment: the capture's own time, a sample of the machine), on the packets' time: moved by
    /// the steps so far, and by a step the frames have not shown yet (no frame came since).
    pub fn now(&mut self, now: Timestamp, shift: i64) -> Timestamp {
        let unaccounted = self.unaccounted(shift);
        let pending = match Self::taken_as_they_come().contains(&unaccounted) {
            true => 0,
            false => unaccounted,
        };
        Timestamp(now.0.saturating_add(self.offset).saturating_sub(pending))
    }

    /// How far the clock stepped (forward positive) since the first reading, beyond the steps
    /// taken; the first reading sets where that counts from.
    fn unaccounted(&mut self, shift: i64) -> i64 {
        let base = *self.base_shift.get_or_insert(shift);
        shift.saturating_sub(base).saturating_add(self.offset)
    }

    /// Nanoseconds the frames from now on are moved by (0 while the clock never stepped;
    /// negative where it stepped forward more than back).
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The warnings that say the clock stepped back or forward, by how much, and that the
    /// times after are moved (in the analysis and in the saved file alike).
    pub fn warnings(&self, clock: crate::report::Clock) -> Vec<String> {
        let secs = |ns: i64| format!("{:.1}", ns as f64 / 1e9);
        let told = |steps: &Steps, way: &str, shown: &str, why: &str| {
            let (at, by) = steps.first?;
            let at = clock.dated_range(at, at);
            let more = match steps.count {
                1 => String::new(),
                2 => format!(" (once more since; {} s in all)", secs(steps.total)),
                n => format!(
                    " ({} more times since; {} s in all)",
                    n - 1,
                    secs(steps.total)
                ),
            };
            Some(format!(
                "this machine's clock stepped {way} {} s {}{more}{why}: the packet times after it \
                 are shown (and saved) that much {shown} than the clock said, so that packet time \
                 goes on and the connections in flight across the step are judged by the time \
                 they took",
                secs(by),
                at.trim_start_matches("at ")
            ))
        };
        told(&self.back, "back", "later", "")
            .into_iter()
            .chain(told(
                &self.forward,
                "forward",
                "earlier",
                " (or the machine slept)",
            ))
            .chain((self.late > 0).then(|| {
                let (n, came) = match self.late {
                    1 => ("1 frame".to_string(), "came"),
                    n => (format!("{} frames", thousands(n)), "came"),
                };
                format!(
                    "{n} {came} more than {NEW_CAPTURE_BACK_SECS} s behind the packets \
                     captured before, where the clock did not step (the capture fell behind \
                     on its interface){LATE_TAIL}"
                )
            }))
            .collect()
    }
}

/// How the warning of frames taken late ([`ClockSteps`]) ends; its count grows while the
/// capture runs.
const LATE_TAIL: &str = ": they are analyzed at the latest packet time, not their own";

/// How the warning of frames lost ends; its count grows while the capture runs.
const LOST_TAIL: &str = ": counts are lower bounds";
/// How the warning of copies counted once ([`Copies::note`]) ends; likewise.
const COPIES_TAIL: &str = "; each packet is counted once";

/// The copies a live capture left out, as a file's are told: second copies of a packet seen
/// on another interface (by content) and frames repeated on one interface.
pub fn copies(s: &CaptureStats) -> Copies {
    Copies {
        by_packet_id: 0,
        by_content: s.duplicates,
        repeated: s.repeated,
        resets: s.copy_resets,
        syns: s.copy_syns,
    }
}

/// A warning of a live capture that is a running count (frames lost, copies counted once),
/// whose words change with every update, rather than an event (an interface lost or back,
/// a filter's limits, an interface that could not be opened): the agent logs events as they
/// come, and leaves counts to its metrics.
pub fn is_running_count(warning: &str) -> bool {
    warning.ends_with(LOST_TAIL)
        || warning.ends_with(COPIES_TAIL)
        || warning.ends_with(LATE_TAIL)
        || warning.ends_with(crate::analysis::SUSPECTS_LOST_TAIL)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment between 127.0.0.1:`cport` and 127.0.0.1:7211 at `secs` on the clock.
    fn segment(
        secs: f64,
        cport: u16,
        from_client: bool,
        flags: u16,
        seq: u32,
        ack: u32,
    ) -> TcpPacket<'static> {
        let (sport, dport) = if from_client {
            (cport, 7211)
        } else {
            (7211, cport)
        };
        TcpPacket {
            ts: Timestamp((secs * 1e9) as i64),
            src: std::net::Ipv4Addr::LOCALHOST.into(),
            dst: std::net::Ipv4Addr::LOCALHOST.into(),
            sport,
            dport,
            seq,
            ack,
            flags: crate::packet::TcpFlags(flags),
            window: 65535,
            ttl: 64,
            ..crate::decode::BLANK
        }
    }

    /// Read at `mono_ms` on the monotonic clock, the wall clock having stepped `stepped_ms`
    /// (forward positive) since the first reading.
    fn read_at(mono_ms: i64, stepped_ms: i64) -> Option<ReadAt> {
        Some(ReadAt {
            mono: mono_ms * 1_000_000,
            shift: stepped_ms * 1_000_000,
        })
    }

    /// Regression: a live capture whose clock stepped back more than 10 s (a time service
    /// correcting a clock that ran fast) ended everything in flight there, as for captures
    /// appended in one file: a connect waiting for its SYN-ACK was counted as a failed attempt,
    /// and a connection open across the step was ended and its next packets taken for another
    /// connection begun mid-stream. The clock's times are constructed (the machine's clock is
    /// not stepped by a test): the step is 60 s back, between a SYN and its SYN-ACK, and in the
    /// middle of an established connection.
    #[test]
    fn regression_a_clock_stepped_back_fails_no_connection_in_flight() {
        const SYN: u16 = 0x02;
        const ACK: u16 = 0x10;
        const FIN: u16 = 0x01;
        let sequence = [
            // 40002: established before the step.
            segment(999.000, 40002, true, SYN, 100, 0),
            segment(999.001, 40002, false, SYN | ACK, 500, 101),
            segment(999.002, 40002, true, ACK, 101, 501),
            // 40001: its SYN before the step...
            segment(1000.000, 40001, true, SYN, 1000, 0),
            // ... its SYN-ACK after: the clock now says a minute earlier.
            segment(940.001, 40001, false, SYN | ACK, 7000, 1001),
            segment(940.002, 40001, true, ACK, 1001, 7001),
            segment(940.003, 40001, true, FIN | ACK, 1001, 7001),
            segment(940.004, 40001, false, FIN | ACK, 7001, 1002),
            segment(940.005, 40001, true, ACK, 1002, 7002),
            // 40002 goes on and closes.
            segment(941.000, 40002, true, FIN | ACK, 101, 501),
            segment(941.001, 40002, false, FIN | ACK, 501, 102),
            segment(941.002, 40002, true, ACK, 102, 502),
        ];
        let run = |steps: Option<&mut ClockSteps>| {
            let mut engine = Engine::new(EngineConfig::default());
            let mut steps = steps;
            for p in &sequence {
                let mut p = *p;
                if let Some(s) = steps.as_deref_mut() {
                    p.ts = s.time(p.ts, None);
                }
                engine.packet(&p);
            }
            engine.finish();
            engine.snapshot().totals
        };
        let sf = crate::engine::ConnState::Sf.index();
        // As the packets came, a new capture began at the step: the check can fail.
        let raw = run(None);
        assert_eq!((raw.new_captures, raw.failed_attempts), (1, 1), "{raw:?}");
        let mut steps = ClockSteps::default();
        let t = run(Some(&mut steps));
        assert_eq!(t.new_captures, 0, "{t:?}");
        assert_eq!((t.attempts, t.failed_attempts), (2, 0), "{t:?}");
        assert_eq!(t.rst_packets, 0, "{t:?}");
        assert_eq!(t.conn_states[sf], 2, "both closed normally: {t:?}");
        // Packet time went on from the step: the SYN-ACK came right after its SYN.
        assert_eq!(steps.offset(), 59_999_000_000);
        let w = steps.warnings(crate::report::Clock::Utc).concat();
        assert!(
            w.starts_with("this machine's clock stepped back 60.0 s 1970-01-01 00:15:40 (UTC"),
            "{w}"
        );
    }

    /// Frames of other interfaces a little out of order, and steps back under 10 s, are
    /// taken as they come.
    #[test]
    fn small_steps_back_are_taken_as_they_come() {
        let mut steps = ClockSteps::default();
        let at = |s: i64| Timestamp(s * Timestamp::NANOS_PER_SEC);
        assert_eq!(steps.time(at(100), None), at(100));
        assert_eq!(steps.time(at(95), None), at(95));
        assert_eq!(steps.time(at(101), None), at(101));
        assert_eq!(steps.offset(), 0);
        assert!(steps.warnings(crate::report::Clock::Utc).is_empty());
        // Two steps: told once, with how many more and the shift in all.
        assert_eq!(steps.time(at(80), None), at(101));
        assert_eq!(steps.time(at(81), None), at(102));
        assert_eq!(steps.time(at(60), None), at(102));
        assert_eq!(steps.offset(), 42 * Timestamp::NANOS_PER_SEC);
        let w = steps.warnings(crate::report::Clock::Utc).concat();
        assert!(
            w.contains("back 21.0 s") && w.contains("(once more since; 42.0 s in all)"),
            "{w}"
        );
    }

    /// Regression: a live capture whose clock stepped forward (a time service correcting a
    /// clock that ran slow, or a suspend and resume) judged the connections in flight by the
    /// jump: a connect waiting for its SYN-ACK was counted as a failed attempt at once, and an
    /// established connection timed out, its next packets taken for another connection begun
    /// mid-stream. As in the step back's test, the clock's times are constructed, each frame
    /// with the monotonic time it was read at: the clock jumps an hour between a SYN and its
    /// SYN-ACK, which came a millisecond later.
    #[test]
    fn regression_a_clock_stepped_forward_fails_no_connection_in_flight() {
        const SYN: u16 = 0x02;
        const ACK: u16 = 0x10;
        const FIN: u16 = 0x01;
        const STEP: f64 = 3600.0;
        // (segment at its true time, whether the clock had stepped when it was stamped)
        let sequence = [
            // 40002: established before the step.
            (segment(999.000, 40002, true, SYN, 100, 0), false),
            (segment(999.001, 40002, false, SYN | ACK, 500, 101), false),
            (segment(999.002, 40002, true, ACK, 101, 501), false),
            // 40001: its SYN before the step, its SYN-ACK after.
            (segment(1000.000, 40001, true, SYN, 1000, 0), false),
            (segment(1000.001, 40001, false, SYN | ACK, 7000, 1001), true),
            (segment(1000.002, 40001, true, ACK, 1001, 7001), true),
            (segment(1000.003, 40001, true, FIN | ACK, 1001, 7001), true),
            (segment(1000.004, 40001, false, FIN | ACK, 7001, 1002), true),
            (segment(1000.005, 40001, true, ACK, 1002, 7002), true),
            // 40002 goes on and closes.
            (segment(1001.000, 40002, true, FIN | ACK, 101, 501), true),
            (segment(1001.001, 40002, false, FIN | ACK, 501, 102), true),
            (segment(1001.002, 40002, true, ACK, 102, 502), true),
        ];
        let run = |steps: Option<&mut ClockSteps>| {
            let mut engine = Engine::new(EngineConfig::default());
            let mut steps = steps;
            for (p, stepped) in &sequence {
                let mut p = *p;
                let read = p.ts.0;
                if *stepped {
                    p.ts = Timestamp(p.ts.0 + (STEP * 1e9) as i64);
                }
                if let Some(s) = steps.as_deref_mut() {
                    let shift = if *stepped { (STEP * 1e9) as i64 } else { 0 };
                    p.ts = s.time(p.ts, Some(ReadAt { mono: read, shift }));
                }
                engine.packet(&p);
            }
            engine.finish();
            engine.snapshot().totals
        };
        let sf = crate::engine::ConnState::Sf.index();
        // As the packets came: the check can fail.
        let raw = run(None);
        assert_eq!(raw.failed_attempts, 1, "{raw:?}");
        let mut steps = ClockSteps::default();
        let t = run(Some(&mut steps));
        assert_eq!((t.attempts, t.failed_attempts), (2, 0), "{t:?}");
        assert_eq!(t.rst_packets, 0, "{t:?}");
        assert_eq!(t.conn_states[sf], 2, "both closed normally: {t:?}");
        assert_eq!(
            t.conn_states.iter().sum::<u64>(),
            2,
            "{t:?} (as came: {raw:?})"
        );
        assert!(raw.conn_states.iter().sum::<u64>() > 2, "{raw:?}");
        // Packet time went on as the monotonic clock did: an hour earlier than the clock said.
        assert_eq!(steps.offset(), -3_600_000_000_000);
        let w = steps.warnings(crate::report::Clock::Utc);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(
                "this machine's clock stepped forward 3600.0 s 1970-01-01 01:16:40 (UTC"
            ) && w[0].contains("(or the machine slept)")
                && w[0].contains("that much earlier"),
            "{}",
            w[0]
        );
    }

    /// Regression: where the clock stepped forward while no packet came, the machine's next
    /// sample came first, stamped after the step: the capture's end (and every "when the
    /// capture ended") was an hour late. The sample is taken as a frame: it is moved, and
    /// the packets after it as much.
    #[test]
    fn regression_a_sample_after_a_step_forward_is_moved_as_the_packets_after_it() {
        let mut steps = ClockSteps::default();
        let at = |s: i64| Timestamp(s * Timestamp::NANOS_PER_SEC);
        assert_eq!(steps.time(at(100), read_at(0, 0)), at(100));
        let sample = crate::host::state::HostSample {
            at: at(3701),
            ..Default::default()
        };
        let s = stepped(sample, &mut steps, 3600 * Timestamp::NANOS_PER_SEC);
        assert_eq!(s.at, at(101));
        assert_eq!(steps.time(at(3702), read_at(2_000, 3_600_000)), at(102));
        assert_eq!(steps.warnings(crate::report::Clock::Utc).len(), 1);
    }

    /// A quiet spell is no step: the monotonic clock went on as much. Frames a little ahead
    /// of it, and frames with no monotonic time, are taken as they come.
    #[test]
    fn a_quiet_spell_is_no_step_forward() {
        let mut steps = ClockSteps::default();
        let at = |s: i64| Timestamp(s * Timestamp::NANOS_PER_SEC);
        assert_eq!(steps.time(at(100), read_at(0, 0)), at(100));
        // Five minutes without a frame.
        assert_eq!(steps.time(at(400), read_at(300_000, 0)), at(400));
        // Read late, or stamped a little ahead: within the threshold.
        assert_eq!(steps.time(at(402), read_at(300_500, 0)), at(402));
        assert_eq!(steps.offset(), 0);
        assert!(steps.warnings(crate::report::Clock::Utc).is_empty());
        // Then 30 s ahead on the clock, half a second on the monotonic clock, the clock
        // having stepped (the wall clock less the monotonic one went on 29.5 s): moved back to
        // half a second after the latest, and the frames after it as much.
        assert_eq!(
            steps.time(at(432), read_at(301_000, 29_500)),
            Timestamp(402_500_000_000)
        );
        assert_eq!(steps.offset(), -29_500_000_000);
        assert_eq!(
            steps.time(at(433), read_at(302_000, 29_500)),
            Timestamp(403_500_000_000)
        );
        assert_eq!(steps.warnings(crate::report::Clock::Utc).len(), 1);
        // Without the monotonic time of a frame nothing can be told.
        let mut steps = ClockSteps::default();
        assert_eq!(steps.time(at(100), None), at(100));
        assert_eq!(steps.time(at(200), None), at(200));
        assert_eq!(steps.offset(), 0);
    }

    /// Regression: a capture that fell behind (a release build starved of CPU under a flood
    /// on loopback, a million frames dropped) said "this machine's clock stepped back 13 s"
    /// five times. Its own time, taken from the wall clock for each update, was 13 s ahead
    /// of the frames still to be analyzed, and the next frame looked 13 s back: the packet
    /// times after it were moved on 13 s, the next update further, and so on. Frames read
    /// together after a stall, stamped 13 s apart, looked like a step forward. The clock did
    /// not step (the wall clock less the monotonic one stayed): no step is taken.
    #[test]
    fn regression_a_capture_behind_the_clock_is_no_step_of_it() {
        let mut steps = ClockSteps::default();
        let at = |ms: i64| Timestamp(ms * 1_000_000);
        assert_eq!(steps.time(at(100_000), read_at(100_000, 0)), at(100_000));
        // The capture's own time, 13 s on, while the frames of those 13 s wait.
        assert_eq!(steps.now(at(113_000), 0), at(113_000));
        // They are read now, stamped as they came.
        for ms in (100_100..113_000).step_by(100) {
            assert_eq!(steps.time(at(ms), read_at(113_001, 0)), at(ms));
        }
        assert_eq!(steps.now(at(113_500), 0), at(113_500));
        // Stalled again, with a quiet spell of 13 s in the frames it then reads together.
        assert_eq!(steps.time(at(126_000), read_at(130_000, 0)), at(126_000));
        assert_eq!(steps.time(at(139_000), read_at(130_001, 0)), at(139_000));
        assert_eq!(steps.offset(), 0);
        assert!(
            steps.warnings(crate::report::Clock::Utc).is_empty(),
            "{:?}",
            steps.warnings(crate::report::Clock::Utc)
        );
    }

    /// One interface's frames more than 10 s behind another's, the clock not having stepped:
    /// no step; taken at the latest packet time (so that the engine does not take them for
    /// another capture appended), counted and told as a running count.
    #[test]
    fn an_interface_behind_the_others_is_late_not_a_step_of_the_clock() {
        let mut steps = ClockSteps::default();
        let at = |ms: i64| Timestamp(ms * 1_000_000);
        assert_eq!(steps.time(at(200_000), read_at(200_000, 0)), at(200_000));
        assert_eq!(steps.time(at(187_000), read_at(200_010, 0)), at(200_000));
        assert_eq!(steps.time(at(187_001), read_at(200_020, 0)), at(200_000));
        // Within 10 s: as it came.
        assert_eq!(steps.time(at(195_000), read_at(200_030, 0)), at(195_000));
        assert_eq!(steps.offset(), 0);
        let w = steps.warnings(crate::report::Clock::Utc);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("2 frames came more than 10 s behind") && is_running_count(&w[0]),
            "{}",
            w[0]
        );
        // Where the clock did step back, the same jump is a step.
        let mut steps = ClockSteps::default();
        assert_eq!(steps.time(at(200_000), read_at(200_000, 0)), at(200_000));
        assert_eq!(
            steps.time(at(187_000), read_at(200_010, -13_000)),
            at(200_010)
        );
        assert_eq!(steps.offset(), 13_010_000_000);
        let w = steps.warnings(crate::report::Clock::Utc).concat();
        assert!(
            w.starts_with("this machine's clock stepped back 13.0 s"),
            "{w}"
        );
    }

    /// A step of the clock met by the capture's own time before any frame shows it: that
    /// time is moved as the frames after it will be, and the frames, when they come, are.
    #[test]
    fn a_step_met_before_any_frame_shows_it_moves_the_capture_time() {
        let at = |s: i64| Timestamp(s * Timestamp::NANOS_PER_SEC);
        let secs = |s: i64| s * Timestamp::NANOS_PER_SEC;
        let read = |s: i64, stepped_s: i64| read_at(s * 1000, stepped_s * 1000);
        // Back a minute: at 110 on the monotonic clock, the wall clock says 50.
        let mut steps = ClockSteps::default();
        assert_eq!(steps.time(at(100), read(100, 0)), at(100));
        assert_eq!(steps.now(at(50), secs(-60)), at(110));
        assert!(steps.warnings(crate::report::Clock::Utc).is_empty());
        assert_eq!(steps.time(at(51), read(111, -60)), at(111));
        assert_eq!(steps.time(at(52), read(112, -60)), at(112));
        assert_eq!(steps.warnings(crate::report::Clock::Utc).len(), 1);
        // A step back under 10 s is taken as it comes, by frames and the capture's time alike;
        // and small steps taken so do not add up to a large one.
        let mut steps = ClockSteps::default();
        assert_eq!(steps.time(at(100), read(100, 0)), at(100));
        assert_eq!(steps.now(at(105), secs(-5)), at(105));
        assert_eq!(steps.time(at(106), read(111, -5)), at(106));
        assert_eq!(steps.time(at(102), read(112, -10)), at(102));
        assert_eq!(steps.now(at(104), secs(-10)), at(104));
        assert_eq!(steps.time(at(98), read(118, -16)), at(98));
        assert_eq!(steps.now(at(99), secs(-16)), at(99));
        assert_eq!(steps.offset(), 0);
        assert!(steps.warnings(crate::report::Clock::Utc).is_empty());
    }

    /// The copies' warning grows with every update: the agent must take it for a count, not
    /// log it again each time.
    #[test]
    fn the_copies_warning_is_a_running_count() {
        let s = CaptureStats {
            duplicates: 3,
            repeated: 2,
            copy_resets: 1,
            ..CaptureStats::default()
        };
        let note = copies(&s).note().expect("a warning");
        assert!(note.starts_with("5 frames were copies"), "{note}");
        assert!(is_running_count(&note), "{note}");
    }

    /// The warning of resets flagged while frames were lost counts on as the capture runs.
    #[test]
    fn the_warning_of_suspects_while_frames_were_lost_is_a_running_count() {
        assert_eq!(crate::analysis::suspects_while_lost(0), None);
        for n in [1, 12] {
            let w = crate::analysis::suspects_while_lost(n).expect("a warning");
            assert!(w.starts_with(&format!("{n} reset")), "{w}");
            assert!(is_running_count(&w), "{w}");
        }
    }

    #[test]
    fn a_missing_interface_fails_at_start_with_nothing_left_running() {
        let options = LiveOptions {
            capture: CaptureConfig {
                interfaces: vec!["rstscope-no-such-if0".into()],
                ..CaptureConfig::default()
            },
            ..LiveOptions::default()
        };
        match capture(options, || {}) {
            Err(StartError::Capture(LiveError::NoSuchInterface { name, .. })) => {
                assert_eq!(name, "rstscope-no-such-if0");
            }
            // Without libpcap's device list (no libpcap) the start fails as well.
            Err(StartError::Capture(LiveError::Unavailable { .. })) => {}
            Err(e) => panic!("unexpected error: {e}"),
            Ok(_) => panic!("a capture on a missing interface started"),
        }
    }
}
