//! `rstscope agent`: the live capture of `rstscope capture`, run until stopped, for a
//! monitoring system.
//!
//! ```text
//! live capture job --updates--> agent thread --> exposition, latest analysis, history
//!        | frames (engine thread)                         ^
//!        v                                                | read by
//! EvidenceTap --> EvidenceRing (files) <---------- http-N threads: /metrics /report /evidence
//! ```
//!
//! The capture, the machine's sampling and the analysis are the library's
//! [`crate::pipeline::live`] job, the same `rstscope capture` and the app run; the agent adds
//! the [`EvidenceTap`](crate::agent::evidence::EvidenceTap) on the engine thread, an `agent` thread that turns each
//! update (five a second) into what a scrape shows, and the [`http`](crate::agent::http) server. Nothing the
//! server answers writes anything.

/// The failure evidence kept on disk, and the tap that chooses it.
pub mod evidence;
/// The agent's own process: the standard `process_*` metrics.
pub mod heap;
/// The small HTTP server.
pub mod http;
/// The listeners seen, saved for the next start.
pub mod listeners;
/// Where the agent's log lines go, and what they have said.
pub mod log;
/// What `/metrics` shows, and which endpoints get series of their own.
pub mod metrics;
pub mod own_process;
/// Linux: the rights the agent drops once its capture is open.
#[cfg(target_os = "linux")]
pub mod privileges;
/// The query parameters of `/report` and `/evidence`, checked.
pub mod query;
/// `/report?since=`: the analysis cut to a window.
pub mod window;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use self::evidence::{EvidenceRing, EvidenceTap, RingError};
use self::http::{Limits, Rejected, Request, Response, Server};
pub use self::log::AgentLog;
use self::log::Said;
use self::metrics::{
    Exposition, FailingStartsTracker, Format, OffenderInfo, ScanTracker, Selection,
};
use self::own_process::OwnProcessReader;
use self::window::History;
use crate::analysis::Analysis;
use crate::engine::EngineConfig;
use crate::pipeline::Update;
use crate::pipeline::live::{self, LiveOptions, StartError};
use crate::report::{self, Clock};
use crate::source::FileSource;
use crate::source::live::{CaptureConfig, CaptureStats, StopHandle};

/// The port the agent listens on by default (on 127.0.0.1).
pub const DEFAULT_PORT: u16 = 9747;
/// Endpoints with series of their own, by default.
pub const DEFAULT_TOP: usize = 50;
/// The cap on the evidence directory, by default.
pub const DEFAULT_EVIDENCE_MAX: u64 = 256 << 20;
/// Connections and remembered attempts the agent tracks at once, by default (`--max-flows`):
/// half an analysis's ([`EngineConfig::default`]), so that every part of the agent at its cap
/// fits DESIGN.md's 150 MB together (tests/agent_memory.rs `every_cap`). Past it the one
/// nearest its timeout is ended early and counted (`rstscope_evicted_connections_total`).
pub const MAX_FLOWS: usize = 100_000;
/// Endpoints the agent tracks at once, seven eighths of a table of 4,096 slots (an analysis
/// tracks [`Services::MAX_TRACKED`](crate::engine::offenders::Services::MAX_TRACKED)): past it
/// the half with the fewest incidents go into the other endpoints' counts, as in an analysis
/// (`rstscope_dropped_endpoints_total`, `endpoint="other"`), and the scans among them are
/// counted first.
pub const MAX_ENDPOINTS: usize = 3_584;
/// The memory the agent's flow table, endpoints' series and client sets share: a little less
/// than [`MAX_FLOWS`] entries are charged ([`FLOW_CHARGE`](crate::engine::FLOW_CHARGE), 52 MB),
/// more than they take (44.8 MB and their index). The series and client sets get what the
/// flow table does not hold: up to 32 and 16 MB with few connections in flight, their
/// minimum past 92,000.
pub const SHARED_BYTES: usize = 48_000_000;

/// The agent's engine, tracking `max_flows` connections at once: the agent's retention
/// ([`Retention::AGENT`](crate::engine::series::Retention::AGENT)), [`MAX_ENDPOINTS`], and
/// [`SHARED_BYTES`] for the flow table, the endpoints' series and their client sets (an
/// analysis's 104 MB).
#[must_use]
pub fn engine_config(max_flows: usize) -> EngineConfig {
    EngineConfig {
        max_flows,
        // Bounded by design for weeks of running, whatever the traffic.
        retention: crate::engine::series::Retention::AGENT,
        services: crate::engine::offenders::ServiceBounds {
            max_tracked: MAX_ENDPOINTS,
            shared_bytes: SHARED_BYTES,
        },
        ..EngineConfig::default()
    }
}

/// Packets one `/evidence` answer holds by default, and at most.
const EVIDENCE_PACKETS: usize = 100_000;
const EVIDENCE_PACKETS_MAX: usize = 1_000_000;

/// Sets the C allocator up for a process that runs for weeks (Linux, glibc; elsewhere nothing).
/// Call it before any thread starts.
///
/// glibc raises its threshold for serving an allocation by `mmap` to the size of each large
/// block freed, so after the first `/report` (megabytes of JSON, and the window's copy of the
/// series) such blocks come from the heaps instead and leave them fragmented; and each thread
/// that allocates may get a heap (an arena) of its own, which keeps the high-water mark of the
/// largest answer it served. In the soak benchmark the agent's resident memory kept rising for
/// ten minutes and more that way. A fixed threshold (glibc's default, 128 KiB) returns every
/// large block to the system when freed, and two arenas serve the agent's dozen threads.
///
/// And the agent gives the heaps' free pages back to the system every
/// [`heap::DEFAULT_TRIM_EVERY`] seconds (at its next update; and after each answer
/// of a megabyte or more): glibc returns only what lies at the top of a heap by itself. In the
/// soak benchmark side by side (docs/benchmarks.md) that kept the resident memory 1.8-8.2 MB
/// lower at equal minutes over 90 minutes, for 9 ms a trim.
///
/// `RSTSCOPE_AGENT_HEAP` (a diagnostic, for the soak benchmark's side-by-side runs) changes
/// them: `arenas=N` (glibc's arenas at most), `trim=S` (seconds between trims; 0: only after
/// large answers), comma-separated.
pub fn tune_allocator() {
    let (arenas, trim_every) =
        heap_settings(&std::env::var("RSTSCOPE_AGENT_HEAP").unwrap_or_default());
    heap::TRIM_EVERY.store(trim_every, Ordering::Relaxed);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's allocator parameters; called before other threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = arenas;
}

/// The arenas and the seconds between trims `RSTSCOPE_AGENT_HEAP` asks for (what it leaves
/// out, or gives wrong, as by default).
fn heap_settings(spec: &str) -> (i32, u64) {
    let mut settings = (2, heap::DEFAULT_TRIM_EVERY);
    for word in spec.split(',') {
        match word.trim().split_once('=') {
            Some(("arenas", n)) => settings.0 = n.parse().unwrap_or(settings.0).max(1),
            Some(("trim", s)) => settings.1 = s.parse().unwrap_or(settings.1),
            _ => {}
        }
    }
    settings
}

/// How to run the agent.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Interfaces, filter, snaplen (as `rstscope capture`).
    pub capture: CaptureConfig,
    /// Engine settings.
    pub engine: EngineConfig,
    /// Sample this machine (listeners, connecting processes, kernel counters).
    pub host: bool,
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// The token every request must carry (required off loopback).
    pub token: Option<String>,
    /// Endpoints with series of their own.
    pub top: usize,
    /// The evidence ring's directory.
    pub evidence_dir: PathBuf,
    /// The evidence ring's cap in bytes.
    pub evidence_max: u64,
    /// Drop the rights the agent no longer needs once it runs (Linux; see
    /// the `privileges` module): when running as root it becomes this user
    /// (`root` stays root, with only the capabilities each thread uses). `None`: keep them.
    pub drop_to: Option<String>,
    /// Where the log lines said while the agent runs go (stderr unless given).
    pub log: AgentLog,
}

/// Why the agent did not start.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A non-loopback address without a token.
    #[error(
        "--listen {0} is not a loopback address: the agent needs a token to serve there \
         (--token-file FILE; scrapers send Authorization: Bearer TOKEN), since its answers \
         tell about this host's connections"
    )]
    TokenRequired(SocketAddr),
    /// The token file.
    #[error("{path}: cannot read the token: {why}")]
    Token {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The listening socket.
    #[error("cannot listen on {addr}: {os}{}", bind_hint(source, *addr, cfg!(windows)), os = crate::report::os_error(source))]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: io::Error,
    },
    /// The evidence directory. The default one (under the home folder for a user other than
    /// root) may be out of reach for a service account without a home, hence the way out.
    #[error("{0}{hint}", hint = evidence_hint(.0))]
    Evidence(#[from] RingError),
    /// The capture.
    #[error(transparent)]
    Capture(#[from] StartError),
    /// A thread could not be started.
    #[error("cannot start the agent's threads: {}", crate::report::os_error(.0))]
    Thread(io::Error),
    /// The rights could not be dropped.
    #[cfg(target_os = "linux")]
    #[error(transparent)]
    Privileges(#[from] privileges::DropError),
}

/// What to do when the listening socket cannot be bound, by the OS's reason, with the
/// commands of the system the agent runs on (`windows`).
fn bind_hint(e: &io::Error, addr: SocketAddr, windows: bool) -> String {
    let port = addr.port();
    match e.kind() {
        io::ErrorKind::AddrInUse => {
            let names = if windows {
                format!(
                    "`netstat -ano | findstr :{port}` gives its pid, which Task Manager's Details names"
                )
            } else {
                format!("`ss -ltnp 'sport = :{port}'` names it")
            };
            format!(
                "; another program listens there (another rstscope agent? {names}): stop it, or \
                 serve elsewhere with --listen ADDR:PORT"
            )
        }
        io::ErrorKind::AddrNotAvailable => {
            "; it is not an address of this machine: give one of its own, 0.0.0.0 or [::] \
             (every address, with --token-file), or 127.0.0.1"
                .to_owned()
        }
        // Windows refuses a port it keeps for itself (Hyper-V, WSL and Docker reserve ranges)
        // or one another program holds exclusively, whatever the rights.
        io::ErrorKind::PermissionDenied if windows => format!(
            "; Windows keeps port {port} from other programs (a reserved range: `netsh interface \
             ipv4 show excludedportrange protocol=tcp` lists them; or another program holds it \
             for itself): serve elsewhere with --listen ADDR:PORT"
        ),
        io::ErrorKind::PermissionDenied if port < 1024 => {
            "; a port below 1024 needs root (or CAP_NET_BIND_SERVICE): serve on a higher port"
                .to_owned()
        }
        _ => String::new(),
    }
}

/// What to do when the evidence directory cannot be used: another folder, unless another
/// agent holds this one (its message says what to do).
fn evidence_hint(e: &RingError) -> &'static str {
    if e.source.kind() == io::ErrorKind::WouldBlock {
        ""
    } else {
        "; give a folder the agent can write with --evidence-dir DIR"
    }
}

/// Reads a token file: its first line that is not blank, trimmed (so a file that starts with
/// a blank line, or ends a line with `\r\n`, holds the token that Prometheus's
/// `credentials_file`, which trims the whole file, sends); a file with no such line is refused.
/// The file is UTF-8, with or without a byte order mark, or UTF-16 with one (little- or
/// big-endian): what Windows Notepad and PowerShell write (`"s3cret" > token.txt` in Windows
/// PowerShell 5 is UTF-16LE).
pub fn read_token(path: &std::path::Path) -> Result<String, AgentError> {
    let refused = |why: String| AgentError::Token {
        path: path.to_path_buf(),
        why,
    };
    let bytes = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
    let text = token_text(&bytes).map_err(refused)?;
    let Some(token) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(refused(if text.is_empty() {
            "the file is empty".into()
        } else {
            "the file holds only blank lines".into()
        }));
    };
    if token.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused("the token has spaces or control characters".into()));
    }
    Ok(token.to_owned())
}

/// The text of a token file's bytes, by its byte order mark: UTF-16 (little- or big-endian) or
/// UTF-8 with the mark taken off (a mark left on would be part of the token, and every request
/// refused); without one, UTF-8.
fn token_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16, order: &str| {
        if !rest.len().is_multiple_of(2) {
            return Err(format!(
                "the file starts as UTF-16 ({order}) but has an odd number of bytes; save it \
                 again as UTF-8"
            ));
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|b| unit([b[0], b[1]])).collect();
        String::from_utf16(&units)
            .map_err(|_| format!("the file is not valid UTF-16 ({order}); save it again as UTF-8"))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes, "little-endian"),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes, "big-endian"),
        _ => {
            let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8(rest.to_vec()).map_err(|_| {
                "the file is neither UTF-8 nor UTF-16 with a byte order mark; save it as UTF-8"
                    .to_owned()
            })
        }
    }
}

/// What the agent thread keeps for the server.
struct Shared {
    latest: Mutex<Arc<Analysis>>,
    exposition: Mutex<Exposition>,
    /// Expositions `/metrics` has served, counted under the `exposition` lock: a series new in
    /// one shows its counts once a scrape has served it at where it starts.
    scrapes: AtomicU64,
    history: Mutex<History>,
    stats: Mutex<CaptureStats>,
    ring: Arc<Mutex<EvidenceRing>>,
    /// Reads the agent's own process at each scrape.
    own_process: Mutex<OwnProcessReader>,
    /// Requests the HTTP server turned away.
    rejected: Arc<Rejected>,
    /// The agent's log: the capture's warnings and failures to keep evidence, said once.
    said: Said,
    started: SystemTime,
    /// Its host name and machine ID, read at its start (see [`Exposition::machine`]).
    machine: (Option<String>, Option<String>),
    /// The interfaces' names, as the JSON of /report has them.
    interfaces: Vec<String>,
    /// How they are named to people: see [`crate::source::live::labels`].
    interface_labels: Vec<String>,
    filter: String,
    top: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running agent. Dropping it stops everything.
pub struct Agent {
    server: Option<Server>,
    thread: Option<JoinHandle<()>>,
    stop: StopHandle,
    shared: Arc<Shared>,
    rights: Option<String>,
}

impl Agent {
    /// Checks the configuration, opens the listening socket, the evidence ring and the
    /// capture (in that order: what the user can fix is said before anything starts), then
    /// starts serving.
    pub fn start(config: AgentConfig) -> Result<Self, AgentError> {
        if !config.listen.ip().is_loopback() && config.token.is_none() {
            return Err(AgentError::TokenRequired(config.listen));
        }
        let listener = TcpListener::bind(config.listen).map_err(|source| AgentError::Bind {
            addr: config.listen,
            source,
        })?;
        let mut ring = EvidenceRing::open(&config.evidence_dir, config.evidence_max)?;
        ring.set_filter(Some(config.capture.filter.bpf()));
        let ring = Arc::new(Mutex::new(ring));
        let tap = EvidenceTap::new(Arc::clone(&ring));
        let former_listeners = listeners::load(&config.evidence_dir).unwrap_or_else(|e| {
            config.log.line(&format!("rstscope agent: warning: {e}"));
            Vec::new()
        });
        let mut saver = listeners::Saver::new(&config.evidence_dir);
        let log = config.log.clone();
        let options = LiveOptions {
            capture: config.capture.clone(),
            engine: config.engine.clone(),
            write: None,
            write_limit: None,
            write_temporary: false,
            duration: None,
            host: config.host,
            journal: crate::host::journal::Journal::default(),
            former_listeners,
        };
        let mut job =
            live::capture_with_tap(options, Some(Box::new(tap)), || {}).map_err(service_way)?;
        let stop = job.stop_handle();
        let started = SystemTime::now();
        let machine = (
            crate::host::recorded::this_machine(),
            crate::host::recorded::this_machine_id(),
        );
        let shared = Arc::new(Shared {
            latest: Mutex::new(Arc::new(Analysis::default())),
            exposition: Mutex::new(Exposition {
                started: unix_f64(started),
                machine: machine.clone(),
                ..Exposition::default()
            }),
            scrapes: AtomicU64::new(0),
            history: Mutex::new(History::default()),
            stats: Mutex::new(CaptureStats::default()),
            ring,
            own_process: Mutex::new(OwnProcessReader::default()),
            rejected: Arc::default(),
            said: Said::new(config.log.clone()),
            started,
            machine,
            interfaces: job.interfaces().iter().map(|i| i.name.clone()).collect(),
            interface_labels: crate::source::live::labels(job.interfaces()),
            filter: job.filter().bpf(),
            top: config.top,
        });
        let for_thread = Arc::clone(&shared);
        let top = config.top;
        let thread = std::thread::Builder::new()
            .name("agent".into())
            .spawn(move || {
                let mut selection = Selection::new(top).for_scrapers();
                let mut scans = ScanTracker::default();
                let mut failing = FailingStartsTracker::default();
                // The last failure to save the listeners, said once until another.
                let mut save_error = None;
                let trim_every = heap::TRIM_EVERY.load(Ordering::Relaxed);
                let mut last_trim = std::time::Instant::now();
                let mut save = |a: &Analysis, last: bool| {
                    let result = saver.save(a.host.as_deref(), last).err();
                    if let Some(e) = &result
                        && save_error.as_ref() != Some(e)
                    {
                        log.line(&format!("rstscope agent: warning: {e}"));
                    }
                    save_error = result;
                };
                loop {
                    let (a, last) = match job.wait(Duration::from_millis(200)) {
                        Some(Update::Partial(a)) => (a, false),
                        Some(Update::Finished(Ok(a))) => (a, true),
                        Some(Update::Finished(Err(_))) => break,
                        Some(Update::Progress(_) | Update::Comparing(..)) => continue,
                        None if job.is_finished() => break,
                        None => continue,
                    };
                    for_thread.apply(&a, &job.stats(), &mut selection, &mut scans, &mut failing);
                    save(&a, last);
                    drop(a);
                    if trim_every > 0 && last_trim.elapsed().as_secs() >= trim_every {
                        heap::trim();
                        last_trim = std::time::Instant::now();
                    }
                    if last {
                        break;
                    }
                }
            })
            .map_err(AgentError::Thread)?;
        let handler_shared = Arc::clone(&shared);
        let handler: Arc<http::Handler> = Arc::new(move |req: &Request| handler_shared.answer(req));
        let server = Server::start_with(
            listener,
            config.token.clone(),
            handler,
            Limits::default(),
            Arc::clone(&shared.rejected),
        )
        .map_err(AgentError::Thread)?;
        let mut agent = Self {
            server: Some(server),
            thread: Some(thread),
            stop,
            shared,
            rights: None,
        };
        if let Some(user) = &config.drop_to {
            agent.rights = Some(drop_rights(&config.evidence_dir, user)?);
        }
        Ok(agent)
    }

    /// What the agent runs with now, when it dropped its rights.
    pub fn rights(&self) -> Option<&str> {
        self.rights.as_deref()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(Server::local_addr)
    }

    /// The interfaces captured.
    pub fn interfaces(&self) -> &[String] {
        &self.shared.interfaces
    }

    /// The interfaces captured as people know them: on Windows the adapters' descriptions, not
    /// their `\Device\NPF_{GUID}` (see [`crate::source::live::labels`]).
    pub fn interface_labels(&self) -> &[String] {
        &self.shared.interface_labels
    }

    /// The capture filter in force.
    pub fn filter(&self) -> &str {
        &self.shared.filter
    }

    /// The evidence directory.
    pub fn evidence_dir(&self) -> PathBuf {
        lock(&self.shared.ring).dir().to_path_buf()
    }

    /// A handle that stops the agent from another thread (Ctrl+C, a service's stop request).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Waits until the agent is stopped (through [`Agent::stop_handle`]), then ends the
    /// capture, seals the evidence and stops serving. Returns the last analysis.
    pub fn wait(mut self) -> Arc<Analysis> {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.server.take();
        let a = Arc::clone(&lock(&self.shared.latest));
        lock(&self.shared.ring).seal();
        a
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.server.take();
    }
}

/// A capture refused for want of rights also says the agent's own way to them on Linux: the
/// systemd unit it ships, which gives it the capture's capabilities without root (the
/// library's hint, root or setcap, is any program's).
fn service_way(e: StartError) -> AgentError {
    #[cfg(target_os = "linux")]
    if let StartError::Capture(crate::source::live::LiveError::Permission {
        interface,
        message,
        hint,
    }) = e
    {
        return AgentError::Capture(StartError::Capture(
            crate::source::live::LiveError::Permission {
                interface,
                message,
                hint: format!(
                    "{hint}; or run the agent as the service it ships with: the systemd unit \
                     rstscope-agent.service (installed by the Debian package; \
                     resources/rstscope-agent.service in the source) gives it CAP_NET_RAW and \
                     CAP_NET_ADMIN without root: systemctl enable --now rstscope-agent"
                ),
            },
        ));
    }
    AgentError::Capture(e)
}

/// Every thread keeps only what it uses; as root, the agent becomes `user`.
#[cfg(target_os = "linux")]
fn drop_rights(evidence_dir: &std::path::Path, user: &str) -> Result<String, AgentError> {
    let d = privileges::drop_rights(evidence_dir, user)?;
    Ok(format!(
        "running as {}; of {} threads, capture keeps CAP_NET_RAW and CAP_NET_ADMIN, host-monitor \
         CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, connect-trace CAP_SYS_PTRACE, the others nothing",
        d.user, d.threads
    ))
}

/// Elsewhere the rights stay as the agent was started with (see the README).
#[cfg(not(target_os = "linux"))]
fn drop_rights(_evidence_dir: &std::path::Path, _user: &str) -> Result<String, AgentError> {
    Ok("running with the rights it was started with (dropping them is done on Linux only)".into())
}

fn unix_f64(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Shared {
    /// One update of the capture: what the next scrape shows.
    fn apply(
        &self,
        a: &Arc<Analysis>,
        stats: &CaptureStats,
        selection: &mut Selection,
        scans: &mut ScanTracker,
        failing: &mut FailingStartsTracker,
    ) {
        selection.scraped(self.scrapes.load(Ordering::SeqCst));
        let (rows, other) = selection.update(&a.snapshot);
        let host = a.host.as_deref();
        let (ring, error) = {
            let mut ring = lock(&self.ring);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
            ring.tick(crate::packet::Timestamp(now));
            (ring.stats(), ring.last_error().map(str::to_owned))
        };
        // The agent's log (stderr: the journal; the Windows service's agent.log).
        self.said.evidence(ring.errors, error);
        self.said.warnings(&a.capture.warnings);
        let exposition = Exposition {
            rows: rows
                .into_iter()
                .map(|r| {
                    let info = OffenderInfo::of(r.key, host);
                    (r, info)
                })
                .collect(),
            other,
            packets: a.capture.frames,
            dropped: [
                stats.kernel_dropped,
                stats.interface_dropped,
                stats.rstscope_dropped,
            ],
            interfaces_lost: stats.interfaces_lost,
            kernel: host
                .and_then(|h| h.counters_now.as_ref())
                .map(|c| c.iter().collect())
                .unwrap_or_default(),
            offenders: a.snapshot.offenders.len() as u64,
            dropped_endpoints: a.snapshot.other_endpoints.dropped,
            evicted: a.snapshot.totals.evicted,
            demotions: selection.demotions,
            scans: scans.update(&a.snapshot.scans, a.snapshot.scans_found, self.top),
            failing_starts: failing.update(host),
            evidence_bytes: ring.bytes,
            evidence_packets: ring.packets,
            evidence_errors: ring.errors,
            evidence_late_context: ring.late_context,
            started: unix_f64(self.started),
            machine: self.machine.clone(),
            http_rejected: Default::default(),
            process: None,
        };
        {
            let mut published = lock(&self.exposition);
            *published = exposition;
            selection.published(self.scrapes.load(Ordering::SeqCst));
        }
        lock(&self.history).record(a);
        *lock(&self.stats) = *stats;
        *lock(&self.latest) = Arc::clone(a);
    }

    fn answer(&self, req: &Request) -> Response {
        // A misspelt parameter (`/report?sinc=10m`) gave the whole report, read as the window
        // asked for; a repeated one was read as its first.
        if let Err(e) = query::check(&req.path, &req.query) {
            return Response::text(400, &format!("rstscope: {e}"));
        }
        match req.path.as_str() {
            "/metrics" => {
                let format = Format::negotiate(req.header("accept"));
                let mut e = {
                    let published = lock(&self.exposition);
                    if req.method == "GET" {
                        self.scrapes.fetch_add(1, Ordering::SeqCst);
                    }
                    published.clone()
                };
                e.process = lock(&self.own_process).read();
                e.http_rejected = self.rejected.counts();
                Response::new(200, format.content_type(), format.render(e))
            }
            "/report" => self.report(req),
            "/evidence" => self.evidence(req),
            "/" => Response::text(200, &self.index()),
            _ => Response::text(
                404,
                "rstscope: no such page; see / for what this agent serves",
            ),
        }
    }

    fn index(&self) -> String {
        format!(
            "rstscope agent {}\n\
             capturing on {} (filter: {}) since {}\n\n\
             /metrics                       Prometheus text format, or OpenMetrics when Accept asks for it\n\
             /report[?since=10m][&top=N][&utc=1][&endpoint=ADDR:PORT]\n\
             \x20                              the JSON of `rstscope analyze --format json` for what the agent has seen\n\
             /evidence?endpoint=ADDR:PORT[&since=10m][&max_packets=N][&earlier=yes]\n\
             \x20                              a pcapng of that endpoint's failure evidence kept on this host\n\
             \x20                              (this run's; earlier=yes adds an earlier run's kept in its directory)\n\n\
             Endpoints with series of their own: at most {}.",
            env!("CARGO_PKG_VERSION"),
            self.interface_labels.join(", "),
            self.filter,
            Clock::Local.full(crate::packet::Timestamp(
                (unix_f64(self.started) * 1e9) as i64
            )),
            self.top,
        )
    }

    fn since(req: &Request) -> Result<Option<i64>, Response> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        req.param("since")
            .map(|s| window::parse_since(s, now))
            .transpose()
            .map_err(|e| Response::text(400, &format!("rstscope: {e}")))
    }

    fn report(&self, req: &Request) -> Response {
        let since = match Self::since(req) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let bad = |e: String| Response::text(400, &format!("rstscope: {e}"));
        let top = match req.param("top").map(query::top).transpose() {
            Ok(top) => top,
            Err(e) => return bad(e),
        };
        let clock = match req.param("utc").map(query::utc).transpose() {
            Ok(clock) => clock.unwrap_or(Clock::Local),
            Err(e) => return bad(e),
        };
        let endpoint = match Self::endpoint(req) {
            Ok(ep) => ep.map(|ep| (ep.ip(), ep.port())),
            Err(r) => return r,
        };
        let latest = Arc::clone(&lock(&self.latest));
        let a = match since {
            Some(from) => Arc::new(window::cut(&latest, from, &lock(&self.history))),
            None => latest,
        };
        let stats = *lock(&self.stats);
        let mut warnings = a.capture.warnings.clone();
        if let Some(from) = a.snapshot.kept_from
            && since.is_none()
        {
            warnings.push(window::kept_note(from));
        }
        if let Some((addr, port)) = endpoint
            && !a
                .snapshot
                .offenders
                .iter()
                .any(|o| o.addr == addr && o.port == port)
        {
            warnings.push(format!(
                "no resets or failed connection attempts at {} in what the agent holds{}: \
                 `offenders` is empty",
                report::endpoint(addr, port),
                if since.is_some() {
                    " in that window"
                } else {
                    ""
                },
            ));
        }
        let extra = report::json::Extra {
            top,
            endpoint,
            fields: vec![
                ("warnings".into(), json!(warnings)),
                (
                    "dropped".into(),
                    json!({
                        "kernel": stats.kernel_dropped,
                        "interface": stats.interface_dropped,
                        "rstscope": stats.rstscope_dropped,
                    }),
                ),
                (
                    "agent".into(),
                    // The machine's name, as the evidence's host block names it: a report
                    // saved from one of many hosts' agents (the alert's Report link) said
                    // nowhere which host it was of.
                    json!({
                        "version": env!("CARGO_PKG_VERSION"),
                        "machine": self.machine.0,
                        "machine_id": self.machine.1,
                        "started": (unix_f64(self.started) * 1e6).round() / 1e6,
                        "interfaces": self.interfaces,
                        "filter": self.filter,
                        "since": since,
                    }),
                ),
            ],
        };
        // Written as it is made (as `rstscope analyze --format json` writes it): a busy host's
        // answer is megabytes, and a tree of values for it took ten times that. And written to
        // the socket as it is made: held whole, six hours' answer (15 MB) was the agent's peak.
        let write = move |out: &mut dyn io::Write| {
            report::json::write_with(&a, clock, true, &extra, &mut *out)
                .map_err(io::Error::other)?;
            out.write_all(b"\n")
        };
        Response::streamed(200, "application/json", write)
            .unwrap_or_else(|e| Response::text(500, &format!("rstscope: writing the report: {e}")))
    }

    /// The `endpoint` parameter, as `/evidence` and `/report` take it: `ADDR:PORT`, or
    /// `[v6]:PORT`.
    fn endpoint(req: &Request) -> Result<Option<SocketAddr>, Response> {
        req.param("endpoint")
            .map(|ep| {
                ep.parse::<SocketAddr>().map_err(|_| {
                    Response::text(
                        400,
                        &format!(
                            "rstscope: {ep:?} is not an endpoint: write ADDR:PORT or [v6]:PORT"
                        ),
                    )
                })
            })
            .transpose()
    }

    /// Whether the evidence an earlier run of the agent left in its directory (read with this
    /// run's, which holds none of it here) has a packet of `ep` in `range`.
    fn earlier_run_holds(&self, ep: SocketAddr, range: Option<(i64, i64)>) -> bool {
        let Ok(reader) = lock(&self.ring).reader_of(true) else {
            return false;
        };
        let Ok(source) = FileSource::from_reader(PathBuf::from("evidence ring"), reader) else {
            return false;
        };
        let ev = report::evidence::collect_source_with(
            source,
            (ep.ip(), ep.port(), crate::packet::Overlay::NONE),
            range,
            1,
            None,
            report::evidence::Collect::default(),
        );
        !ev.packets.is_empty()
    }

    fn evidence(&self, req: &Request) -> Response {
        let ep = match Self::endpoint(req) {
            Ok(Some(ep)) => ep,
            Ok(None) => {
                return Response::text(
                    400,
                    "rstscope: say which endpoint: /evidence?endpoint=ADDR:PORT (IPv6: [v6]:PORT)",
                );
            }
            Err(r) => return r,
        };
        let since = match Self::since(req) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let max = match req.param("max_packets").map(str::parse::<usize>) {
            None => EVIDENCE_PACKETS,
            Some(Ok(n)) if (1..=EVIDENCE_PACKETS_MAX).contains(&n) => n,
            Some(_) => {
                return Response::text(
                    400,
                    &format!(
                        "rstscope: max_packets={:?}: give a whole number from 1 to \
                         {EVIDENCE_PACKETS_MAX}",
                        req.param("max_packets").unwrap_or_default()
                    ),
                );
            }
        };
        // An earlier run's evidence (the agent restarted with the same directory) only when
        // asked for: /report and /metrics count this run's failures, and so does an analysis
        // of the default answer. Regression (a trial of the 7211 story, the agent restarted):
        // /evidence held the earlier run's packets too, and its analysis said 391 incidents
        // where the host block it carried (this run's) accounted for 276.
        let earlier = match req.param("earlier") {
            None | Some("no") => false,
            Some("yes") => true,
            Some(other) => {
                return Response::text(
                    400,
                    &format!(
                        "rstscope: earlier={other:?}: give yes (this run's evidence and what an \
                         earlier run of the agent left in its directory) or no (the default: \
                         this run's, as /report counts it)"
                    ),
                );
            }
        };
        let (reader, dir, removed, mut notes, (earlier_files, _)) = {
            let mut ring = lock(&self.ring);
            let reader = ring.reader_of(earlier);
            (
                reader,
                ring.dir().to_path_buf(),
                ring.removed(),
                ring.notes(since),
                ring.earlier_kept(),
            )
        };
        if earlier_files > 0 {
            notes.push(if earlier {
                format!(
                    "rstscope evidence: this file holds the evidence an earlier run of the agent \
                     left in its evidence directory ({}) before this run's: an analysis of it \
                     counts more than this run's /report and /metrics, which count from this \
                     run's start, and names the programs as this run knows them",
                    report::plural(earlier_files as u64, "file", "files")
                )
            } else {
                format!(
                    "rstscope evidence: an earlier run of the agent left evidence in its \
                     evidence directory ({}), not in this file, which holds this run's as \
                     /report counts it: add &earlier=yes for it too",
                    report::plural(earlier_files as u64, "file", "files")
                )
            });
        }
        let reader = match reader {
            Ok(r) => r,
            Err(e) => {
                return Response::text(
                    500,
                    &format!(
                        "rstscope: reading the evidence in {}: {e}; if the directory was removed \
                         or moved, the agent makes it again and keeps new evidence there (see \
                         rstscope_evidence_write_errors_total and the agent's log); give it a \
                         folder it can write with --evidence-dir DIR",
                        dir.display()
                    ),
                );
            }
        };
        let range = since.map(|s| (s, i64::MAX));
        let none = || {
            // Where an earlier run left evidence, whether it holds this endpoint's decides what
            // to say: the 404 said to add &earlier=yes whatever the endpoint, and that request
            // found nothing either where the earlier run had none of it.
            let earlier_run = match earlier_files > 0 && !earlier {
                false => "",
                true if self.earlier_run_holds(ep, range) => {
                    " by this run of the agent (an earlier run's evidence holds some: add \
                     &earlier=yes)"
                }
                true => " by this run of the agent nor by the earlier run whose evidence is kept",
            };
            Response::text(
                404,
                &format!(
                    "rstscope: no evidence of {} kept on this host{}{}{}",
                    report::endpoint(ep.ip(), ep.port()),
                    if since.is_some() {
                        " in that window"
                    } else {
                        ""
                    },
                    earlier_run,
                    removed.map_or(String::new(), |t| format!(
                        "; the evidence directory {} was removed or moved while the agent ran, \
                         and the evidence kept up to {} went with it",
                        dir.display(),
                        Clock::Utc.full(t)
                    ))
                ),
            )
        };
        let Ok(source) = FileSource::from_reader(PathBuf::from("evidence ring"), reader) else {
            return none();
        };
        // The newest packets when there are more than `max`: those of the failures asked about.
        let how = report::evidence::Collect {
            latest: true,
            ..report::evidence::Collect::default()
        };
        let mut ev = report::evidence::collect_source_with(
            source,
            (ep.ip(), ep.port(), crate::packet::Overlay::NONE),
            range,
            max,
            None,
            how,
        );
        ev.notes = notes;
        if ev.packets.is_empty() {
            return none();
        }
        // What the machine said of the endpoint goes with its packets, as `rstscope capture
        // --write` saves it, so that an analysis of the file names the programs /report names.
        let latest = Arc::clone(&lock(&self.latest));
        // And how far the agent's analysis had got: it sees every packet, the ring only the
        // SYNs, FINs, RSTs and context it keeps. An attempt /report gave up on unanswered is
        // then unanswered in the file too, not "too soon to tell" at the file's last packet.
        ev.capture_end = ev.capture_end.max(latest.snapshot.totals.last_ts);
        // And what its host's SYN-ACKs on every port came with, which /report compared the
        // endpoint's refusals with: the ring keeps the endpoint's own at most.
        let key = (ep.ip(), ep.port(), crate::packet::Overlay::NONE);
        if let Some(o) = latest.snapshot.offenders.iter().find(|o| o.key() == key) {
            ev.host_answers.merge(o.host_ttl);
        }
        let mut body = Vec::new();
        if let Err(e) =
            report::evidence::write_pcapng_with_host(&mut body, &ev, latest.host.as_deref())
        {
            return Response::text(500, &format!("rstscope: writing the evidence: {e}"));
        }
        let name = report::endpoint(ep.ip(), ep.port())
            .replace(['[', ']'], "")
            .replace([':', '.'], "_");
        Response::new(200, "application/x-pcapng", body)
            .with_header(
                "Content-Disposition",
                &format!("attachment; filename=\"rstscope-evidence-{name}.pcapng\""),
            )
            .with_header("X-Rstscope-Packets", &ev.packets.len().to_string())
            .with_header("X-Rstscope-More-Packets", &ev.more.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]) -> Vec<u8> {
        let mut bytes = bom.to_vec();
        text.encode_utf16().for_each(|u| bytes.extend(unit(u)));
        bytes
    }

    /// The allocator's settings by default and as `RSTSCOPE_AGENT_HEAP` changes them.
    #[test]
    fn heap_settings_default_to_two_arenas_and_a_trim_every_10_s() {
        assert_eq!(heap_settings(""), (2, 10));
        assert_eq!(heap_settings("trim=0"), (2, 0));
        assert_eq!(heap_settings("arenas=1, trim=30"), (1, 30));
        assert_eq!(heap_settings("arenas=0,trim=x,other"), (1, 10));
    }

    /// Regression: a token file saved by Windows Notepad or PowerShell was refused (UTF-16:
    /// "stream did not contain valid UTF-8") or, in UTF-8 with a byte order mark, read with the
    /// mark as part of the token, so that every scrape was refused. Each encoding gives the
    /// same token: the first line that is not blank.
    #[test]
    fn regression_token_files_of_windows_editors_are_read() {
        let text = "\r\n  s3cret-Token_42  \r\nsomething else\r\n";
        let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
        utf8_bom.extend(text.as_bytes());
        for (what, bytes) in [
            ("UTF-8", text.as_bytes().to_vec()),
            ("UTF-8 with BOM", utf8_bom),
            ("UTF-16LE", utf16(text, [0xFF, 0xFE], u16::to_le_bytes)),
            ("UTF-16BE", utf16(text, [0xFE, 0xFF], u16::to_be_bytes)),
        ] {
            let got = token_text(&bytes).expect(what);
            assert_eq!(
                got.lines().map(str::trim).find(|l| !l.is_empty()),
                Some("s3cret-Token_42"),
                "{what}"
            );
        }
        // Non-ASCII survives each decoding.
        let bytes = utf16("Jörg-捕獲\n", [0xFF, 0xFE], u16::to_le_bytes);
        assert_eq!(token_text(&bytes).as_deref(), Ok("Jörg-捕獲\n"));
    }

    #[test]
    fn a_token_file_in_no_known_encoding_says_to_save_it_as_utf8() {
        let latin1 = token_text(b"J\xF6rg\n").expect_err("not UTF-8");
        assert!(latin1.contains("save it as UTF-8"), "{latin1}");
        let odd = token_text(&[0xFF, 0xFE, b's', 0, b'3']).expect_err("odd");
        assert!(odd.contains("odd number of bytes"), "{odd}");
        // A lone surrogate.
        let broken = token_text(&[0xFF, 0xFE, 0x00, 0xD8]).expect_err("lone surrogate");
        assert!(
            broken.contains("not valid UTF-16 (little-endian)"),
            "{broken}"
        );
        // A byte order mark alone: an empty file.
        assert_eq!(token_text(&[0xFE, 0xFF]).as_deref(), Ok(""));
        assert_eq!(token_text(b"\xEF\xBB\xBF").as_deref(), Ok(""));
    }

    fn bound(kind: io::ErrorKind, port: u16, windows: bool) -> String {
        bind_hint(
            &io::Error::from(kind),
            SocketAddr::from(([127, 0, 0, 1], port)),
            windows,
        )
    }

    /// Regression: on Windows a port in use was to be looked up with Linux's `ss`.
    #[test]
    fn a_port_in_use_is_looked_up_with_the_system_own_command() {
        let linux = bound(io::ErrorKind::AddrInUse, 9747, false);
        assert!(linux.contains("`ss -ltnp 'sport = :9747'`"), "{linux}");
        let windows = bound(io::ErrorKind::AddrInUse, 9747, true);
        assert!(
            windows.contains("`netstat -ano | findstr :9747`") && !windows.contains("ss -ltnp"),
            "{windows}"
        );
        assert!(windows.contains("--listen ADDR:PORT"), "{windows}");
    }

    /// Windows answers a port of a reserved range with "access denied", which said nothing.
    #[test]
    fn a_port_windows_keeps_for_itself_is_said_so() {
        let windows = bound(io::ErrorKind::PermissionDenied, 50000, true);
        assert!(
            windows.contains("excludedportrange") && !windows.contains("root"),
            "{windows}"
        );
        assert!(bound(io::ErrorKind::PermissionDenied, 50000, false).is_empty());
        assert!(bound(io::ErrorKind::PermissionDenied, 80, false).contains("CAP_NET_BIND_SERVICE"));
    }

    /// Regression: a second agent in a running one's folder was also told to give "a folder
    /// the agent can write", which it can.
    #[test]
    fn a_folder_another_agent_holds_is_not_said_to_be_unwritable() {
        let held = AgentError::Evidence(RingError {
            path: PathBuf::from("evidence"),
            source: io::Error::new(
                io::ErrorKind::WouldBlock,
                "another rstscope agent (pid 7) keeps its evidence there",
            ),
        })
        .to_string();
        assert!(!held.contains("can write"), "{held}");
        let denied = AgentError::Evidence(RingError {
            path: PathBuf::from("evidence"),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        })
        .to_string();
        assert!(denied.contains("--evidence-dir DIR"), "{denied}");
    }
}
