//! Live capture through libpcap (Npcap on Windows).
//!
//! On Linux the `any` device is opened once with the LINUX_SLL2 link type, which carries the
//! index of the interface each packet was seen on: one thread (`capture-any`) sees every
//! interface, loopback included. Elsewhere each interface gets its own thread
//! (`capture-<name>`). Every capture runs in immediate mode (where the `wpcap.dll` found lacks
//! it, see [`npcap`](crate::source::npcap), the 10 ms read timeout bounds the wait) with a kernel BPF
//! filter and a short snaplen, and reads without blocking (napping up to 10 ms when idle), so
//! that frames reach the analysis at once and stopping is prompt even when no packet arrives.
//!
//! Frames travel to the single consumer in [`Batch`](crate::source::live::Batch)es: one reusable byte arena plus frame
//! records, recycled through a pool, so the hot path allocates nothing. The channel to the
//! consumer is bounded; when it is full the batch is dropped and its frames are counted as
//! rstscope's own drops, apart from the kernel's (pcap stats). See [`CaptureStats`](crate::source::live::CaptureStats).
//!
//! A packet that crosses two captured interfaces (a bridge and its port, a forwarding host's
//! in and out interfaces) is seen twice; the consumer side removes the second copy (see
//! [`dedupe`](crate::source::dedupe)) so that each packet counts once, and counts what it removed.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pcap::{Active, Capture, Device, Linktype};

use super::npcap::{Delivery, Wpcap};
use super::{Frame, LinkType};
use crate::packet::Timestamp;

/// Removes the second copy of a packet seen on two interfaces (shared with multi-interface files).
pub use super::dedupe;
/// Writes captured frames as pcapng (the writer shared with evidence files).
pub use super::pcapng;

/// Bytes captured of each frame by default: enough for link, IP (with options or extension
/// headers) and TCP headers (with options). A RST's payload text is cut at this length.
pub const DEFAULT_SNAPLEN: u32 = 128;
/// The fewest bytes a frame may be cut to and still be counted: Ethernet with a VLAN tag (18),
/// IPv6 with a hop-by-hop header (48) and TCP without options (20) fit, with room to spare.
pub const MIN_SNAPLEN: u32 = 96;

/// Reads `--snaplen`: a length that cuts frames before their TCP header would leave every
/// packet "not decoded" and the capture counting nothing, so it is refused with the reason.
///
/// # Errors
/// Not a number, or below [`MIN_SNAPLEN`].
pub fn parse_snaplen(s: &str) -> Result<u32, String> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of bytes"))?;
    if n < MIN_SNAPLEN {
        return Err(format!(
            "{n} bytes cut most packets before their TCP header, and those are not counted; \
             rstscope needs at least {MIN_SNAPLEN} (link, IP and TCP headers), {DEFAULT_SNAPLEN} \
             by default"
        ));
    }
    Ok(n)
}

/// The Linux pseudo-device that captures on every interface at once.
pub const ANY: &str = "any";

/// IPv6 packets whose first next-header is an extension header (hop-by-hop 0, routing 43,
/// fragment 44, destination options 60): libpcap's `tcp` does not chase extension-header
/// chains, so these are all kept and the decoder (which does chase them) finds the TCP ones.
const IP6_EXTENSION_HEADERS: &str =
    "(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
/// libpcap's read timeout (how long the kernel may hold packets to fill a buffer where
/// immediate mode is not honoured); reads are non-blocking anyway.
const READ_TIMEOUT_MS: i32 = 10;
/// First and longest nap of an idle capture thread: the longest wait for a stop request and
/// the most a first packet after a quiet spell waits in the kernel.
const IDLE_MIN: Duration = Duration::from_millis(1);
/// See [`IDLE_MIN`].
const IDLE_MAX: Duration = Duration::from_millis(10);
/// The kernel's capture buffer: room for ~60,000 frames of 128 bytes while rstscope is busy.
const KERNEL_BUFFER_BYTES: i32 = 8 << 20;
/// Frames per batch at most.
const BATCH_FRAMES: usize = 512;
/// Bytes of frame data a batch holds before it is sent (grows only for a larger snaplen).
const BATCH_BYTES: usize = 64 * 1024;
/// A batch with frames is sent at the latest this long after its first frame.
const BATCH_MAX_AGE: Duration = Duration::from_millis(40);
/// Batches in flight between the capture threads and the consumer: up to 65,536 frames, a
/// third of a second of 200,000 a second, while the engine catches up, besides the kernel's
/// buffer (about 11 MiB at most, allocated only as the queue fills; 256 batches took 22 MiB of
/// the agent's 150 MB).
const CHANNEL_BATCHES: usize = 128;
/// The most the capture holds in flight for one capture thread: the kernel's buffer and the
/// batches queued for the engine (their frames' bytes and records), with frames of up to
/// a batch's 64 KiB (a larger frame takes a batch of its own, grown to it). For the sum of
/// every cap of the agent (tests/agent_memory.rs).
pub const MOST_IN_FLIGHT_BYTES: usize = KERNEL_BUFFER_BYTES as usize
    + CHANNEL_BATCHES * (BATCH_BYTES + BATCH_FRAMES * std::mem::size_of::<FrameRecord>());
/// How often each capture thread reads the kernel's counters.
const STATS_EVERY: Duration = Duration::from_millis(250);
/// Frames read at most after a stop request (what the kernel had already captured).
const DRAIN_MAX: usize = 100_000;
/// How often a capture whose interface went away tries to open it again.
const REOPEN_EVERY: Duration = Duration::from_secs(1);
/// LINKTYPE_LINUX_SLL2: the `any` device with the interface index in each frame.
const LINKTYPE_LINUX_SLL2: i32 = 276;

/// This machine's interfaces by index (Linux: /sys/class/net/NAME/ifindex), in index order;
/// empty where it cannot tell. Read at the start, and again when a frame comes from an index
/// not named yet ([`LiveSource::sll2_index`]).
fn interface_indexes() -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return Vec::new();
    };
    let mut names: Vec<(u32, String)> = dir
        .flatten()
        .filter_map(|e| {
            let index = std::fs::read_to_string(e.path().join("ifindex")).ok()?;
            Some((
                index.trim().parse().ok()?,
                e.file_name().to_string_lossy().into_owned(),
            ))
        })
        .collect();
    names.sort();
    names
}

/// Which packets the kernel hands to rstscope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CaptureFilter {
    /// Every TCP segment, IPv4 and IPv6 (the default): live results equal those of the same
    /// packets analyzed from a file.
    #[default]
    AllTcp,
    /// Only segments with SYN, FIN or RST, IPv4 and IPv6: for hosts too busy for all TCP.
    /// See [`CaptureFilter::limitation`].
    SynFinRst,
    /// A BPF expression of the user's (tcpdump syntax).
    Custom(String),
}

impl CaptureFilter {
    /// The BPF expression handed to the kernel.
    pub fn bpf(&self) -> String {
        match self {
            CaptureFilter::AllTcp => format!("tcp or {IP6_EXTENSION_HEADERS}"),
            // `tcp[tcpflags]` reads IPv4 only; the IPv6 TCP header starts at byte 40 when no
            // extension header comes first, and its flags byte is the 13th of it.
            CaptureFilter::SynFinRst => format!(
                "(tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0) or \
                 (ip6[6] == 6 and ip6[53] & 0x07 != 0) or {IP6_EXTENSION_HEADERS}"
            ),
            CaptureFilter::Custom(s) => s.clone(),
        }
    }

    /// What the results cannot tell under this filter, for the user; `None` when nothing.
    pub fn limitation(&self) -> Option<&'static str> {
        match self {
            CaptureFilter::AllTcp => None,
            CaptureFilter::SynFinRst => Some(
                "SYN/FIN/RST-only filter: refusals and unanswered attempts are counted as usual, but \
                 pure ACKs and data are not captured, so a SYN-ACK is taken as the completed \
                 handshake: a reset after it counts as an abort, not as a handshake-reset or a \
                 failed attempt, even where the client never sent its final ACK; a reset whose \
                 connection's SYN was not captured shows as stray, and the window checks behind \
                 suspect-injected are weaker",
            ),
            CaptureFilter::Custom(_) => Some(
                "custom capture filter: packets it leaves out are unknown to the analysis, so causes \
                 that depend on them (abort vs stray, handshake completion) may differ",
            ),
        }
    }
}

impl CaptureFilter {
    /// What a custom filter leaves out that the analysis needs, for the user: the classic
    /// `tcp[tcpflags] & tcp-rst != 0` takes no IPv6 (libpcap's `tcp[...]` reads IPv4 headers
    /// only, which the admin typing it seldom knows) and no SYN, so that no attempt is seen and
    /// every refusal is a stray reset. Told from libpcap's own matcher on an Ethernet frame of
    /// each kind; `None` when it takes them or does not compile (the capture says why then).
    #[must_use]
    pub fn what_it_misses(&self) -> Option<String> {
        let CaptureFilter::Custom(bpf) = self else {
            return None;
        };
        // An old wpcap.dll may lack these two: a call to a function it lacks ends the program.
        let dll = super::npcap::ensure_capture().ok()?;
        if !(dll.has("pcap_open_dead") && dll.has("pcap_offline_filter")) {
            return None;
        }
        let program = Capture::dead(Linktype::ETHERNET)
            .ok()?
            .compile(bpf, true)
            .ok()?;
        let takes = |v6: bool, flags: u8| program.filter(&tcp_frame(v6, flags));
        let (syn, rst) = (0x02, 0x14);
        let mut misses = Vec::new();
        // Said of the offsets only: a filter of IPv4 hosts leaves IPv6 out on purpose.
        if bpf.contains("tcp[") && takes(false, rst) && !takes(true, rst) {
            misses.push(
                "takes TCP resets over IPv4 only: resets over IPv6, ::1 included, are not seen \
                 (libpcap's tcp[...] reads IPv4 headers only)",
            );
        }
        if (takes(false, rst) || takes(true, rst)) && !takes(false, syn) && !takes(true, syn) {
            misses.push(
                "leaves out SYNs: no connection attempt is seen, so none is counted failed, and \
                 refusals show as stray resets",
            );
        }
        (!misses.is_empty()).then(|| {
            format!(
                "the capture filter {}; without --filter rstscope takes all TCP of IPv4 and IPv6, \
                 and --syn-fin-rst the SYNs, FINs and resets of both",
                misses.join(", and ")
            )
        })
    }
}

/// An Ethernet frame of one TCP segment with `flags`, over IPv6 or IPv4, to try a filter on.
fn tcp_frame(v6: bool, flags: u8) -> Vec<u8> {
    let tcp = [
        0x9c, 0x40, 0x1c, 0x2b, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0,
    ];
    let mut f = vec![0u8; 12];
    if v6 {
        f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 6, 64]);
        f.extend_from_slice(&[0; 15]);
        f.push(1);
        f.extend_from_slice(&[0; 15]);
        f.push(1);
    } else {
        f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0]);
        f.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
    }
    f.extend_from_slice(&tcp);
    f
}

/// What to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Interface names (or, on Windows, their descriptions); empty: every interface, loopback
    /// included (`any` on Linux).
    pub interfaces: Vec<String>,
    /// The kernel filter.
    pub filter: CaptureFilter,
    /// Bytes kept of each frame.
    pub snaplen: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            interfaces: Vec::new(),
            filter: CaptureFilter::AllTcp,
            snaplen: DEFAULT_SNAPLEN,
        }
    }
}

/// Why a capture cannot start or list interfaces. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The process may not capture.
    #[error("cannot capture on {interface}: {message}; {hint}")]
    Permission {
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
        /// What to do, for this OS (with the exact path of this program).
        hint: String,
    },
    /// No interface of that name.
    #[error(
        "no interface named {name}; run `rstscope interfaces` to list them (available: {})",
        available.join(", ")
    )]
    NoSuchInterface {
        /// The name asked for.
        name: String,
        /// Interfaces that exist.
        available: Vec<String>,
    },
    /// The BPF expression does not compile.
    #[error(
        "bad capture filter {filter:?}: {message} (use tcpdump filter syntax, e.g. \"tcp port 7211\")"
    )]
    Filter {
        /// The expression.
        filter: String,
        /// libpcap's message.
        message: String,
    },
    /// libpcap (Npcap) is missing or cannot list interfaces.
    #[error("live capture is not available: {message}; {hint}")]
    Unavailable {
        /// What failed.
        message: String,
        /// What to do.
        hint: String,
    },
    /// Npcap is not installed, or the `wpcap.dll` found cannot capture (Windows): the message
    /// names the DLL, says what it lacks, where to get Npcap and what to choose.
    #[error(transparent)]
    Npcap(#[from] super::npcap::NpcapError),
    /// Opening an interface failed for another reason.
    #[error("cannot capture on {interface}: {message}")]
    Open {
        /// The interface.
        interface: String,
        /// libpcap's message.
        message: String,
    },
}

/// A network interface as `rstscope interfaces` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDesc {
    /// Name to pass to `-i` (`eth0`, `lo`, `any`, `\Device\NPF_{...}`).
    pub name: String,
    /// libpcap's description (on Windows the adapter's friendly name).
    pub description: Option<String>,
    /// Its addresses.
    pub addresses: Vec<IpAddr>,
    /// A loopback interface.
    pub loopback: bool,
    /// Administratively up.
    pub up: bool,
    /// Running (carrier present).
    pub running: bool,
}

/// The interfaces libpcap can capture on, in its order.
pub fn list_interfaces() -> Result<Vec<InterfaceDesc>, LiveError> {
    super::npcap::ensure_listing()?;
    let devices = Device::list().map_err(|e| LiveError::Unavailable {
        message: e.to_string(),
        hint: unavailable_hint().into(),
    })?;
    Ok(devices
        .into_iter()
        .map(|d| InterfaceDesc {
            loopback: d.flags.is_loopback(),
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            addresses: d.addresses.iter().map(|a| a.addr).collect(),
            description: d.desc,
            name: d.name,
        })
        .collect())
}

/// One interface being captured, as frames number it in [`Frame::interface`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedInterface {
    /// Index into [`LiveSource::interfaces`]; the pcapng interface id when saved.
    pub id: u32,
    /// Its name (`any` on Linux by default).
    pub name: String,
    /// Its description, if libpcap has one; on Windows with the adapter's friendly name before
    /// it (see [`with_friendly_name`]).
    pub description: Option<String>,
    /// Link type of its frames (LINUX_SLL2 for `any`).
    pub link_type: LinkType,
    /// Bytes kept of each frame.
    pub snaplen: u32,
    /// The names of the interface indexes its frames carry, in index order: read when it was
    /// opened, and added to as frames of interfaces made later come (Linux's `any`:
    /// LINUX_SLL2 frames say the index of the interface each was seen on); else empty.
    pub index_names: Vec<(u32, String)>,
}

impl CapturedInterface {
    /// Its interface block in a pcapng file of its frames, captured with `filter`: its times
    /// in microseconds, as libpcap gives them.
    pub fn block<'a>(&'a self, filter: Option<&'a str>) -> pcapng::InterfaceBlock<'a> {
        pcapng::InterfaceBlock {
            name: Some(&self.name),
            description: self.description.as_deref(),
            filter,
            indexes: &self.index_names,
            tsresol: pcapng::MICROSECONDS,
            ..pcapng::InterfaceBlock::new(self.link_type, self.snaplen)
        }
    }

    /// How the interface is named to the user: on Windows the adapter's description (its
    /// name is a `\Device\NPF_{GUID}`), elsewhere its name.
    pub fn label(&self) -> &str {
        match &self.description {
            Some(d) if cfg!(windows) && !d.is_empty() => d,
            _ => &self.name,
        }
    }
}

/// Windows: each network adapter's `{GUID}` with its friendly name (`Ethernet 2`, `Wi-Fi`), as
/// `ipconfig` names it; elsewhere empty. Looked up anew at each call (adapters come and go).
#[must_use]
pub fn friendly_names() -> Vec<(String, String)> {
    #[cfg(windows)]
    return crate::host::adapter_friendly_names();
    #[cfg(not(windows))]
    Vec::new()
}

/// The friendly name of the Npcap device `name` (`\Device\NPF_{GUID}`) in `friendly` (see
/// [`friendly_names`]).
#[must_use]
pub fn friendly_name<'a>(name: &str, friendly: &'a [(String, String)]) -> Option<&'a str> {
    let guid = name.strip_prefix(r"\Device\NPF_")?;
    friendly
        .iter()
        .find(|(g, _)| g.eq_ignore_ascii_case(guid))
        .map(|(_, f)| f.as_str())
}

/// An adapter's description for people: its friendly name, then Npcap's description (the
/// driver's) in parentheses (`Ethernet 2 (Intel(R) I350 Gigabit Network Connection)`), or
/// whichever of the two there is.
#[must_use]
pub fn with_friendly_name(friendly: Option<&str>, description: Option<&str>) -> Option<String> {
    match (friendly, description.filter(|d| !d.is_empty())) {
        (Some(f), Some(d)) if !f.eq_ignore_ascii_case(d) => Some(format!("{f} ({d})")),
        (Some(f), _) => Some(f.to_owned()),
        (None, d) => d.map(str::to_owned),
    }
}

/// How each of `interfaces` is named to the user: its [`CapturedInterface::label`] (on Windows
/// the adapter's friendly name and description), with its device name after it only where two
/// share one (Npcap gives several WAN miniports the same description), so that the start
/// lines, the report and the warnings name one interface each.
pub fn labels(interfaces: &[CapturedInterface]) -> Vec<String> {
    disambiguated(interfaces.iter().map(|i| (i.label(), i.name.as_str())))
}

/// `(label, name)` pairs as [`labels`] names them: a label two share gets the name after it.
fn disambiguated<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Vec<String> {
    pairs
        .clone()
        .map(|(label, name)| {
            let shared = pairs.clone().filter(|(other, _)| *other == label).count() > 1;
            if shared && label != name {
                format!("{label} ({name})")
            } else {
                label.to_owned()
            }
        })
        .collect()
}

/// Counts of a running capture. Kernel counts come from pcap stats, read every 250 ms and at
/// the end; on Linux they count since the capture opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames libpcap handed to rstscope.
    pub captured: u64,
    /// Frames analyzed (captured minus rstscope's drops, duplicates and repeats).
    pub delivered: u64,
    /// Second copies of a packet seen on another interface, removed (not a loss).
    pub duplicates: u64,
    /// TCP frames identical to one just seen on the same interface (a mirror port that
    /// sends a packet's way in and its way out), left out by the consumer (not a loss): see
    /// [`dedupe::Repeats`] and [`LiveSource::left_out_repeat`].
    pub repeated: u64,
    /// Of the duplicates and repeats, TCP packets with RST: the resets not counted twice.
    pub copy_resets: u64,
    /// Of the duplicates and repeats, TCP packets with SYN and no ACK.
    pub copy_syns: u64,
    /// Frames that passed the filter, as the kernel counts them (`ps_recv`).
    pub kernel_received: u64,
    /// Frames the kernel dropped because its buffer was full (`ps_drop`).
    pub kernel_dropped: u64,
    /// Frames the interface or driver dropped (`ps_ifdrop`; not counted on every OS).
    pub interface_dropped: u64,
    /// Frames rstscope dropped because its consumer fell behind (channel full).
    pub rstscope_dropped: u64,
    /// Interfaces whose capture is lost now (the interface went away or down; it is opened
    /// again once back): see [`LiveSource::outage_warnings`].
    pub interfaces_lost: u64,
}

impl CaptureStats {
    /// Frames lost anywhere.
    pub fn dropped(&self) -> u64 {
        self.kernel_dropped + self.interface_dropped + self.rstscope_dropped
    }
}

#[derive(Debug, Default)]
struct IfCounters {
    captured: AtomicU64,
    rstscope_dropped: AtomicU64,
    kernel_received: AtomicU64,
    kernel_dropped: AtomicU64,
    interface_dropped: AtomicU64,
    outages: Mutex<Outages>,
}

/// The times an interface's capture was lost: the interface went away (a VPN's tunnel, a
/// container's veth, an adapter unplugged) or down, and its handle with it.
#[derive(Debug, Default)]
struct Outages {
    /// While lost: since when, and libpcap's words.
    current: Option<(Timestamp, String)>,
    /// Outages over (the interface came back and is captured again).
    over: u64,
    /// The last one over: from, to, and why.
    last: Option<(Timestamp, Timestamp, String)>,
}

/// Counters shared by the capture threads and the consumer.
#[derive(Debug, Default)]
struct Counters {
    interfaces: Vec<IfCounters>,
    delivered: AtomicU64,
    duplicates: AtomicU64,
    repeated: AtomicU64,
    copy_resets: AtomicU64,
    copy_syns: AtomicU64,
}

impl Counters {
    /// Counts a copy left out, by its TCP flags (none for a frame that is not TCP).
    fn copy_of(&self, flags: Option<crate::packet::TcpFlags>) {
        if let Some(f) = flags {
            if f.rst() {
                self.copy_resets.fetch_add(1, Ordering::Relaxed);
            }
            if f.syn() && !f.ack() {
                self.copy_syns.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Counters {
    fn stats(&self) -> CaptureStats {
        let sum = |f: fn(&IfCounters) -> &AtomicU64| -> u64 {
            self.interfaces
                .iter()
                .map(|c| f(c).load(Ordering::Relaxed))
                .sum()
        };
        CaptureStats {
            captured: sum(|c| &c.captured),
            delivered: self.delivered.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            repeated: self.repeated.load(Ordering::Relaxed),
            copy_resets: self.copy_resets.load(Ordering::Relaxed),
            copy_syns: self.copy_syns.load(Ordering::Relaxed),
            kernel_received: sum(|c| &c.kernel_received),
            kernel_dropped: sum(|c| &c.kernel_dropped),
            interface_dropped: sum(|c| &c.interface_dropped),
            rstscope_dropped: sum(|c| &c.rstscope_dropped),
            interfaces_lost: (self.interfaces.iter())
                .filter(|c| {
                    (c.outages.lock().unwrap_or_else(PoisonError::into_inner))
                        .current
                        .is_some()
                })
                .count() as u64,
        }
    }

    fn interface_stats(&self) -> Vec<CaptureStats> {
        self.interfaces
            .iter()
            .map(|c| CaptureStats {
                captured: c.captured.load(Ordering::Relaxed),
                kernel_received: c.kernel_received.load(Ordering::Relaxed),
                kernel_dropped: c.kernel_dropped.load(Ordering::Relaxed),
                interface_dropped: c.interface_dropped.load(Ordering::Relaxed),
                rstscope_dropped: c.rstscope_dropped.load(Ordering::Relaxed),
                ..CaptureStats::default()
            })
            .collect()
    }
}

/// Reads a running capture's counts from any thread.
#[derive(Debug, Clone)]
pub struct StatsHandle(Arc<Counters>);

impl StatsHandle {
    /// The counts now.
    pub fn get(&self) -> CaptureStats {
        self.0.stats()
    }

    /// The counts of each interface now, as [`LiveSource::interface_stats`] gives them.
    pub fn interfaces(&self) -> Vec<CaptureStats> {
        self.0.interface_stats()
    }
}

/// Stops a capture from any thread (a Ctrl+C handler, the UI's Stop button).
#[derive(Clone)]
pub struct StopHandle {
    flag: Arc<AtomicBool>,
}

impl StopHandle {
    /// Asks every capture thread to stop: each reads what the kernel has already queued
    /// (what was captured before the request) and ends, within about 10 ms when idle.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// True once [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// Where one frame of a batch lies in its arena.
#[derive(Debug, Clone, Copy)]
struct FrameRecord {
    ts: Timestamp,
    number: u64,
    link_type: LinkType,
    interface: u32,
    start: u32,
    caplen: u32,
    orig_len: u32,
}

/// Captured frames in one reusable arena; see the module documentation.
#[derive(Debug)]
pub struct Batch {
    data: Vec<u8>,
    records: Vec<FrameRecord>,
    started: Option<Instant>,
}

impl Batch {
    fn new() -> Self {
        Self {
            data: Vec::with_capacity(BATCH_BYTES),
            records: Vec::with_capacity(BATCH_FRAMES),
            started: None,
        }
    }

    /// Frames in the batch.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True without frames.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// When the capture read the batch's first frame (its others were read within 40 ms
    /// after): the monotonic clock's view of when its frames came, which a step of the
    /// machine's clock does not move. None while empty.
    pub fn read_at(&self) -> Option<Instant> {
        self.started
    }

    /// The frames, in capture order.
    pub fn frames(&self) -> impl Iterator<Item = Frame<'_>> {
        self.records.iter().map(|r| {
            Frame::plain(
                r.ts,
                r.number,
                r.link_type,
                r.interface,
                &self.data[r.start as usize..(r.start + r.caplen) as usize],
                r.orig_len,
            )
        })
    }

    fn room_for(&self, len: usize) -> bool {
        self.records.len() < BATCH_FRAMES
            && (self.data.is_empty() || self.data.len() + len <= BATCH_BYTES)
    }

    fn push(
        &mut self,
        ts: Timestamp,
        link_type: LinkType,
        interface: u32,
        data: &[u8],
        orig_len: u32,
    ) {
        if self.started.is_none() {
            self.started = Some(Instant::now());
        }
        let start = self.data.len() as u32;
        self.data.extend_from_slice(data);
        self.records.push(FrameRecord {
            ts,
            number: 0,
            link_type,
            interface,
            start,
            caplen: data.len() as u32,
            orig_len,
        });
    }

    fn is_due(&self) -> bool {
        self.started.is_some_and(|s| s.elapsed() >= BATCH_MAX_AGE)
    }

    fn clear(&mut self) {
        self.data.clear();
        self.records.clear();
        self.started = None;
    }

    /// Keeps the frames for which `keep` is true (the arena is left as it is).
    fn retain(&mut self, mut keep: impl FnMut(&Frame<'_>) -> bool) {
        let data = &self.data;
        self.records.retain(|r| {
            keep(&Frame::plain(
                r.ts,
                r.number,
                r.link_type,
                r.interface,
                &data[r.start as usize..(r.start + r.caplen) as usize],
                r.orig_len,
            ))
        });
    }
}

/// Empty batches for reuse. Locked once per batch, not per frame.
#[derive(Debug, Default)]
struct Pool(Mutex<Vec<Batch>>);

impl Pool {
    fn take(&self) -> Batch {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_else(Batch::new)
    }

    fn give(&self, mut b: Batch) {
        b.clear();
        let mut pool = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Batches in existence are bounded by the channel depth plus one per thread; keep
        // them all.
        pool.push(b);
    }
}

/// What [`LiveSource::next`] found.
#[derive(Debug)]
pub enum Next {
    /// Frames (possibly none left after removing duplicates). Give it back with
    /// [`LiveSource::recycle`].
    Batch(Batch),
    /// Nothing arrived within the timeout.
    Idle,
    /// Every capture thread has ended and everything they sent was delivered.
    Ended,
}

/// A running live capture: its threads, and the receiving end for one consumer.
pub struct LiveSource {
    interfaces: Vec<CapturedInterface>,
    filter: CaptureFilter,
    rx: Receiver<Batch>,
    pool: Arc<Pool>,
    stop: StopHandle,
    counters: Arc<Counters>,
    threads: Vec<JoinHandle<Option<String>>>,
    dedupe: dedupe::Dedupe,
    frames: u64,
    skipped: Vec<String>,
    /// The interface indexes met in each interface's LINUX_SLL2 frames that no interface of
    /// the machine had when looked for (one gone already): not looked for again.
    unnamed: Vec<Vec<u32>>,
    /// The index of the latest frame of each interface: most frames come from where the one
    /// before came, and cost one comparison.
    last_index: Vec<Option<u32>>,
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("interfaces", &self.interfaces)
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

impl LiveSource {
    /// Opens every interface of `config` (all of them by default), sets the filter, and starts
    /// one capture thread per opened handle. Fails, with nothing left running, when an
    /// interface cannot be opened or the filter does not compile.
    pub fn start(config: &CaptureConfig) -> Result<LiveSource, LiveError> {
        let dll = super::npcap::ensure_capture()?;
        // On Windows the adapters' friendly names go before their descriptions, so that every
        // line naming an adapter names it as `ipconfig` does.
        let friendly = friendly_names();
        let names: Vec<(String, Option<String>)> = plan(&config.interfaces, &friendly)?
            .into_iter()
            .map(|(name, description)| {
                let shown =
                    with_friendly_name(friendly_name(&name, &friendly), description.as_deref());
                (name, shown)
            })
            .collect();
        let bpf = config.filter.bpf();
        let mut opened = Vec::with_capacity(names.len());
        let mut skipped = Vec::new();
        for (name, description) in &names {
            match open(name, &bpf, config.snaplen, dll) {
                Ok((cap, link_type)) => opened.push((
                    CapturedInterface {
                        id: opened.len() as u32,
                        name: name.clone(),
                        description: description.clone(),
                        link_type,
                        snaplen: config.snaplen,
                        index_names: if link_type.0 == LINKTYPE_LINUX_SLL2 as u32 {
                            interface_indexes()
                        } else {
                            Vec::new()
                        },
                    },
                    cap,
                )),
                // With every interface asked for, one that will not open (down, a pseudo
                // device) is skipped; the others are captured. Filter and permission problems
                // are the same on every interface: report them.
                Err(LiveError::Open { message, .. }) if config.interfaces.is_empty() => {
                    let label = match description {
                        Some(d) if !d.is_empty() => format!("{name} ({d})"),
                        _ => name.clone(),
                    };
                    skipped.push(format!("{label}: {message}"));
                }
                Err(e) => return Err(e),
            }
        }
        if opened.is_empty() {
            return Err(LiveError::Open {
                interface: "every interface".into(),
                message: if skipped.is_empty() {
                    "no interface to capture on".into()
                } else {
                    skipped.join("; ")
                },
            });
        }
        let counters = Arc::new(Counters {
            interfaces: opened.iter().map(|_| IfCounters::default()).collect(),
            ..Counters::default()
        });
        let flag = Arc::new(AtomicBool::new(false));
        let pool = Arc::new(Pool::default());
        let (tx, rx) = sync_channel(CHANNEL_BATCHES);
        let interfaces: Vec<CapturedInterface> = opened.iter().map(|(i, _)| i.clone()).collect();
        let captures = opened;
        let stop = StopHandle { flag };
        let mut threads = Vec::with_capacity(captures.len());
        for (info, cap) in captures {
            let worker = Worker {
                id: info.id,
                link_type: info.link_type,
                tx: tx.clone(),
                pool: Arc::clone(&pool),
                stop: Arc::clone(&stop.flag),
                counters: Arc::clone(&counters),
                name: info.name.clone(),
                bpf: bpf.clone(),
                snaplen: config.snaplen,
                dll,
                before: [0; 3],
            };
            let spawned = std::thread::Builder::new()
                .name(format!("capture-{}", info.name))
                .spawn(move || worker.run(cap));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    stop.stop();
                    for t in threads {
                        let _ = t.join();
                    }
                    return Err(LiveError::Open {
                        interface: info.name,
                        message: format!(
                            "cannot start a capture thread: {}",
                            crate::report::os_error(&e)
                        ),
                    });
                }
            }
        }
        let mut dedupe = dedupe::Dedupe::new(dedupe::WINDOW);
        // A thread per interface: their batches come in turns, not in time order.
        if threads.len() > 1 {
            dedupe.remember_for(dedupe::RETAIN);
        }
        Ok(LiveSource {
            filter: config.filter.clone(),
            rx,
            pool,
            stop,
            counters,
            threads,
            dedupe,
            frames: 0,
            skipped,
            unnamed: vec![Vec::new(); interfaces.len()],
            last_index: vec![None; interfaces.len()],
            interfaces,
        })
    }

    /// The interfaces being captured; [`Frame::interface`] indexes this list.
    pub fn interfaces(&self) -> &[CapturedInterface] {
        &self.interfaces
    }

    /// The interface index `f` carries (Linux's `any`: LINUX_SLL2 frames say where each was
    /// seen), and its name when `f` is the first frame of an interface made after the capture
    /// began: looked up once, then named in [`LiveSource::interfaces`] as those there at the
    /// start are. `None` for frames of other link types (and too short to say); the name
    /// `None` for every other frame, and for an index whose interface is gone by then (it
    /// stays unnamed, `ifN`).
    pub fn sll2_index(&mut self, f: &Frame<'_>) -> Option<(u32, Option<String>)> {
        if f.link_type.0 != LINKTYPE_LINUX_SLL2 as u32 {
            return None;
        }
        let index = u32::from_be_bytes(*f.data.get(4..8)?.first_chunk::<4>()?);
        Some((index, self.name_new_index(f.interface, index)))
    }

    /// The name of the interface index `index` of the capture's interface `id`, the first
    /// time it is met and has one ([`LiveSource::sll2_index`]).
    fn name_new_index(&mut self, id: u32, index: u32) -> Option<String> {
        let id = id as usize;
        let last = self.last_index.get_mut(id)?;
        if *last == Some(index) {
            return None;
        }
        *last = Some(index);
        let info = self.interfaces.get_mut(id)?;
        let unnamed = self.unnamed.get_mut(id)?;
        let at = match info.index_names.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(_) => return None,
            Err(at) => at,
        };
        if unnamed.contains(&index) {
            return None;
        }
        let Some((_, name)) = interface_indexes().into_iter().find(|(i, _)| *i == index) else {
            unnamed.push(index);
            return None;
        };
        info.index_names.insert(at, (index, name.clone()));
        Some(name)
    }

    /// The filter in force.
    pub fn filter(&self) -> &CaptureFilter {
        &self.filter
    }

    /// With every interface asked for, those that could not be opened (each `name: why`), for
    /// a warning: what passes there is not seen. (On Windows some adapters, such as WAN
    /// miniports, refuse to be opened.)
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// A warning for each interface whose capture was lost (it went away or down): while it
    /// is, since when and that it is opened again once back; after, how many times, the
    /// last one's times and why. What passed on it meanwhile was not seen. The interface is
    /// named by its [`labels`]: on Windows its adapter's description, as the app shows it, not
    /// the `\Device\NPF_{GUID}` no one can tell apart.
    pub fn outage_warnings(&self) -> Vec<String> {
        let clock = crate::report::Clock::Local;
        let mut warnings = Vec::new();
        let labels = labels(&self.interfaces);
        for (label, c) in labels.iter().zip(&self.counters.interfaces) {
            let o = c.outages.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((from, to, why)) = &o.last {
                let times = match o.over {
                    1 => String::new(),
                    n => format!("{n} times, the last "),
                };
                warnings.push(format!(
                    "capture on {label} was lost {times}{} ({why}): packets there were not seen then",
                    clock.dated_range(*from, *to).trim_start_matches("at ")
                ));
            }
            if let Some((since, why)) = &o.current {
                let since = clock.dated_range(*since, *since);
                let since = since.trim_start_matches("at ");
                warnings.push(if self.stop.is_stopped() {
                    format!(
                        "capture on {label} was lost from {since} to the end ({why}): packets \
                         there were not seen then"
                    )
                } else {
                    format!(
                        "capture on {label} lost since {since} ({why}): packets there are not \
                         seen; rstscope opens it again as soon as it is back"
                    )
                });
            }
        }
        warnings
    }

    /// The warning about [`LiveSource::skipped`] interfaces, if any.
    pub fn skipped_warning(&self) -> Option<String> {
        skipped_warning(&self.skipped)
    }

    /// A handle that stops the capture from any thread.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// A handle that reads the counts from any thread.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(Arc::clone(&self.counters))
    }

    /// The counts now.
    pub fn stats(&self) -> CaptureStats {
        self.counters.stats()
    }

    /// The counts of each interface, in [`LiveSource::interfaces`] order (`delivered` and
    /// `duplicates` are kept for the whole capture only, and are 0 here).
    pub fn interface_stats(&self) -> Vec<CaptureStats> {
        self.counters.interface_stats()
    }

    /// The next batch of frames, waiting up to `timeout`. Frames are numbered from 1 in the
    /// order delivered; a second copy of a packet seen on another interface is removed.
    pub fn next(&mut self, timeout: Duration) -> Next {
        match self.rx.recv_timeout(timeout) {
            Ok(mut batch) => {
                let before = batch.len();
                let (dedupe, counters) = (&mut self.dedupe, &self.counters);
                batch.retain(|f| {
                    let copy = dedupe.is_duplicate(f);
                    if copy {
                        counters.copy_of(match crate::decode::decode(f) {
                            crate::decode::Decoded::Tcp(p) => Some(p.flags),
                            _ => None,
                        });
                    }
                    !copy
                });
                let removed = (before - batch.len()) as u64;
                for r in &mut batch.records {
                    self.frames += 1;
                    r.number = self.frames;
                }
                self.counters
                    .duplicates
                    .fetch_add(removed, Ordering::Relaxed);
                self.counters
                    .delivered
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                Next::Batch(batch)
            }
            Err(RecvTimeoutError::Timeout) => Next::Idle,
            Err(RecvTimeoutError::Disconnected) => Next::Ended,
        }
    }

    /// Counts a frame [`LiveSource::next`] delivered that the consumer left out as a repeat on
    /// its interface ([`dedupe::Repeats`]): among the copies, no longer among the delivered.
    pub fn left_out_repeat(&self, flags: crate::packet::TcpFlags) {
        self.counters.repeated.fetch_add(1, Ordering::Relaxed);
        self.counters.delivered.fetch_sub(1, Ordering::Relaxed);
        self.counters.copy_of(Some(flags));
    }

    /// Returns a batch's arena for reuse.
    pub fn recycle(&self, batch: Batch) {
        self.pool.give(batch);
    }

    /// Stops the capture threads (if not stopped yet) and waits for them. Returns why any of
    /// them ended early (an interface went away...). Batches still queued stay readable with
    /// [`LiveSource::next`] until it says [`Next::Ended`].
    pub fn join(&mut self) -> Vec<String> {
        self.stop.stop();
        let mut problems = Vec::new();
        // Named as the lost-interface warnings name it, not by its `\Device\NPF_{GUID}`.
        let labels = labels(&self.interfaces);
        for (t, label) in self.threads.drain(..).zip(&labels) {
            match t.join() {
                Ok(None) => {}
                Ok(Some(e)) => problems.push(format!("capture on {label} ended: {e}")),
                Err(_) => problems.push(format!("capture on {label} crashed")),
            }
        }
        problems
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        // No capture thread outlives its source.
        let _ = self.join();
    }
}

/// One capture thread's state.
struct Worker {
    id: u32,
    link_type: LinkType,
    tx: SyncSender<Batch>,
    pool: Arc<Pool>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    /// What opens the interface again when it comes back.
    name: String,
    bpf: String,
    snaplen: u32,
    dll: &'static Wpcap,
    /// The kernel's counts of the handles closed before this one (each handle counts from 0).
    before: [u64; 3],
}

impl Worker {
    /// Reads until stopped, then what the kernel had already queued. Returns why it ended
    /// early, if it did.
    ///
    /// The handle is non-blocking: with nothing queued the thread hands over its batch and
    /// naps (1 ms, doubling up to 10 ms while idle). A blocking read is no good here: on
    /// Linux in immediate mode libpcap re-polls on its read timeout instead of returning, so
    /// the last frames of a burst would wait for the next packet, and a stop for it.
    fn run(mut self, mut cap: Capture<Active>) -> Option<String> {
        let mut batch = self.pool.take();
        let mut last_stats = Instant::now();
        let mut problem = None;
        let mut idle = IDLE_MIN;
        let mut after_stop = 0usize;
        let c = &self.counters.interfaces[self.id as usize];
        loop {
            let stopping = self.stop.load(Ordering::Relaxed);
            if stopping {
                after_stop += 1;
                if after_stop > DRAIN_MAX {
                    break;
                }
            }
            match cap.next_packet() {
                Ok(p) => {
                    let ts = timestamp(p.header);
                    if !batch.room_for(p.data.len()) {
                        batch = self.send(batch);
                    }
                    batch.push(ts, self.link_type, self.id, p.data, p.header.len);
                    c.captured.fetch_add(1, Ordering::Relaxed);
                    idle = IDLE_MIN;
                    if batch.is_due() {
                        batch = self.send(batch);
                    }
                }
                // Nothing queued in the kernel.
                Err(pcap::Error::TimeoutExpired) => {
                    if !batch.is_empty() {
                        batch = self.send(batch);
                    }
                    if stopping {
                        break;
                    }
                    std::thread::sleep(idle);
                    idle = (idle * 2).min(IDLE_MAX);
                }
                Err(pcap::Error::NoMorePackets) if stopping => break,
                Err(pcap::Error::NoMorePackets) => {}
                // The interface went away or down: what was queued is handed over, and the
                // interface opened again once it is back (a tunnel or veth made again by
                // the same name), rather than captured no more while the rest goes on.
                Err(e) => {
                    if !batch.is_empty() {
                        batch = self.send(batch);
                    }
                    self.read_stats(&mut cap);
                    let why = e.to_string();
                    match self.reopen(&why) {
                        Some(again) => {
                            let c = &self.counters.interfaces[self.id as usize];
                            self.before = [
                                c.kernel_received.load(Ordering::Relaxed),
                                c.kernel_dropped.load(Ordering::Relaxed),
                                c.interface_dropped.load(Ordering::Relaxed),
                            ];
                            cap = again;
                        }
                        None => {
                            problem = Some(why);
                            break;
                        }
                    }
                }
            }
            if last_stats.elapsed() >= STATS_EVERY {
                last_stats = Instant::now();
                self.read_stats(&mut cap);
            }
        }
        if !batch.is_empty() {
            batch = self.send(batch);
        }
        self.pool.give(batch);
        self.read_stats(&mut cap);
        problem
    }

    /// Hands a full batch to the consumer, or drops it (counted) when the consumer is
    /// behind. Returns the batch to fill next.
    fn send(&self, batch: Batch) -> Batch {
        match self.tx.try_send(batch) {
            Ok(()) => self.pool.take(),
            Err(TrySendError::Full(mut b) | TrySendError::Disconnected(mut b)) => {
                self.counters.interfaces[self.id as usize]
                    .rstscope_dropped
                    .fetch_add(b.len() as u64, Ordering::Relaxed);
                b.clear();
                b
            }
        }
    }

    fn read_stats(&self, cap: &mut Capture<Active>) {
        if let Ok(s) = cap.stats() {
            let c = &self.counters.interfaces[self.id as usize];
            let [received, dropped, if_dropped] = self.before;
            c.kernel_received
                .store(received + u64::from(s.received), Ordering::Relaxed);
            c.kernel_dropped
                .store(dropped + u64::from(s.dropped), Ordering::Relaxed);
            c.interface_dropped
                .store(if_dropped + u64::from(s.if_dropped), Ordering::Relaxed);
        }
    }

    /// Opens the interface again once it is back (every [`REOPEN_EVERY`], as it was opened
    /// first: the same link type), recording the outage for the warnings. `None` when the
    /// capture is stopped first: the outage is then still current.
    fn reopen(&self, why: &str) -> Option<Capture<Active>> {
        let outages = &self.counters.interfaces[self.id as usize].outages;
        let lock = || outages.lock().unwrap_or_else(PoisonError::into_inner);
        let since = Timestamp::now();
        lock().current = Some((since, why.to_owned()));
        loop {
            let deadline = Instant::now() + REOPEN_EVERY;
            while Instant::now() < deadline {
                if self.stop.load(Ordering::Relaxed) {
                    return None;
                }
                std::thread::sleep(IDLE_MAX);
            }
            if let Ok((cap, link_type)) = open(&self.name, &self.bpf, self.snaplen, self.dll)
                && link_type == self.link_type
            {
                let mut o = lock();
                o.current = None;
                o.over += 1;
                o.last = Some((since, Timestamp::now(), why.to_owned()));
                return Some(cap);
            }
        }
    }
}

/// A libpcap timestamp (microseconds, the precision every platform supports) as packet time.
// `tv_sec` is an i64 here but a 32-bit `long` on Windows.
#[allow(clippy::useless_conversion)]
fn timestamp(h: &pcap::PacketHeader) -> Timestamp {
    Timestamp::from_parts(
        i64::from(h.ts.tv_sec),
        u32::try_from(h.ts.tv_usec)
            .unwrap_or(0)
            .saturating_mul(1000),
    )
}

/// See [`LiveSource::skipped_warning`].
fn skipped_warning(skipped: &[String]) -> Option<String> {
    (!skipped.is_empty()).then(|| {
        format!(
            "not captured, as they could not be opened (packets there are not seen): {}",
            skipped.join("; ")
        )
    })
}

/// The interfaces to open: `(name, description)`. On Windows an adapter may be asked for by
/// its device name, its description or its friendly name (in `friendly`).
fn plan(
    asked: &[String],
    friendly: &[(String, String)],
) -> Result<Vec<(String, Option<String>)>, LiveError> {
    let devices = list_interfaces()?;
    if asked.is_empty() {
        if cfg!(target_os = "linux") {
            let desc = devices
                .iter()
                .find(|d| d.name == ANY)
                .and_then(|d| d.description.clone());
            return Ok(vec![(ANY.to_string(), desc)]);
        }
        // Elsewhere there is no `any`: every interface that is up, one thread each.
        let up: Vec<_> = devices
            .iter()
            .filter(|d| d.up && d.name != ANY)
            .map(|d| (d.name.clone(), d.description.clone()))
            .collect();
        return Ok(up);
    }
    Ok(each_once(resolve(asked, &devices, friendly)?))
}

/// The interfaces of `devices` that the `-i` values `asked` name, in order. A value is one
/// interface's name (or, on Windows, its adapter's description or friendly name) as a whole
/// first: a friendly name may hold a comma (`Ethernet, rack 2`), and a Linux name may too. Only
/// a value that names none whole is a comma-separated list, read from the left taking at each
/// point the longest run of items that names an interface (`rst,x,lo`: `rst,x` and `lo`).
fn resolve(
    asked: &[String],
    devices: &[InterfaceDesc],
    friendly: &[(String, String)],
) -> Result<Vec<(String, Option<String>)>, LiveError> {
    let missing = |name: &str| LiveError::NoSuchInterface {
        name: name.to_owned(),
        available: devices.iter().map(|d| d.name.clone()).collect(),
    };
    let mut named = Vec::new();
    for value in asked {
        let items: Vec<&str> = value.split(',').collect();
        let before = named.len();
        let mut at = 0;
        while at < items.len() {
            let found = (at + 1..=items.len()).rev().find_map(|end| {
                let run = items[at..end].join(",");
                find_interface(run.trim(), devices, friendly).map(|d| (end, d))
            });
            match found {
                Some((end, d)) => {
                    named.push((d.name.clone(), d.description.clone()));
                    at = end;
                }
                // Empty items (`lo,,eth0`, a trailing comma) name nothing and are passed over.
                None if items[at].trim().is_empty() => at += 1,
                None => {
                    // Where no item of the value names an interface, the value whole is what
                    // was meant (`rst,y` for an interface `rst,y`); else the item that does not.
                    let a_list = named.len() > before
                        || (items.iter())
                            .any(|i| find_interface(i.trim(), devices, friendly).is_some());
                    return Err(missing(if a_list { items[at].trim() } else { value }));
                }
            }
        }
        if named.len() == before {
            return Err(missing(value));
        }
    }
    Ok(named)
}

/// The interface called `name`: by its name exactly, else (Windows device names are GUIDs) by
/// its adapter's description or its friendly name (`Ethernet 2`, as `ipconfig` shows it), in
/// any case.
fn find_interface<'a>(
    name: &str,
    devices: &'a [InterfaceDesc],
    friendly: &[(String, String)],
) -> Option<&'a InterfaceDesc> {
    devices
        .iter()
        .find(|d| d.name == name)
        .or_else(|| {
            devices.iter().find(|d| {
                d.description
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(name))
            })
        })
        .or_else(|| {
            devices.iter().find(|d| {
                friendly_name(&d.name, friendly).is_some_and(|f| f.eq_ignore_ascii_case(name))
            })
        })
}

/// The interfaces named, each once: an interface named twice (`-i lo -i lo`, or by its name
/// and its Windows description) was opened twice, and each of its packets taken for a copy
/// seen on a second interface ("copies ... (bridge, forwarding) counted once"). `any` holds
/// every interface: named with others, it is captured alone, for the same reason.
fn each_once(named: Vec<(String, Option<String>)>) -> Vec<(String, Option<String>)> {
    if let Some(any) = named.iter().find(|(name, _)| name == ANY) {
        return vec![any.clone()];
    }
    let mut seen = std::collections::HashSet::new();
    named
        .into_iter()
        .filter(|(name, _)| seen.insert(name.clone()))
        .collect()
}

/// Opens one interface with rstscope's settings and the filter, calling only what `dll`
/// exports (see [`npcap`](crate::source::npcap): on Windows the `wpcap.dll` found may be an old one).
fn open(
    name: &str,
    bpf: &str,
    snaplen: u32,
    dll: &Wpcap,
) -> Result<(Capture<Active>, LinkType), LiveError> {
    let open_error = |e: pcap::Error| classify(name, &e.to_string());
    let mut inactive = Capture::from_device(name)
        .map_err(open_error)?
        .snaplen(i32::try_from(snaplen).unwrap_or(i32::MAX))
        .timeout(READ_TIMEOUT_MS)
        .promisc(false);
    if dll.delivery() == Delivery::ImmediateMode {
        inactive = inactive.immediate_mode(true);
    }
    if dll.sets_buffer_size() {
        inactive = inactive.buffer_size(KERNEL_BUFFER_BYTES);
    }
    let mut cap = inactive
        .open()
        .map_err(open_error)?
        .setnonblock()
        .map_err(open_error)?;
    if name == ANY {
        // SLL2 names the interface of each packet; with the older SLL (libpcap before 1.10)
        // frames still decode, only duplicates across interfaces cannot be recognised.
        let _ = cap.set_datalink(Linktype(LINKTYPE_LINUX_SLL2));
    }
    cap.filter(bpf, true).map_err(|e| LiveError::Filter {
        filter: bpf.to_string(),
        message: e.to_string(),
    })?;
    let link_type = LinkType(cap.get_datalink().0 as u32);
    Ok((cap, link_type))
}

/// Turns libpcap's message into the error the user can act on.
fn classify(interface: &str, message: &str) -> LiveError {
    let m = message.to_ascii_lowercase();
    if m.contains("permission") || m.contains("not permitted") || m.contains("access denied") {
        LiveError::Permission {
            interface: interface.to_string(),
            message: message.to_string(),
            hint: permission_hint(),
        }
    } else if m.contains("no such device") || m.contains("doesn't exist") {
        LiveError::NoSuchInterface {
            name: interface.to_string(),
            available: list_interfaces()
                .map(|l| l.into_iter().map(|d| d.name).collect())
                .unwrap_or_default(),
        }
    } else if m.contains("not up") {
        // libpcap's "That device is not up" names no way out: say how to bring it up, or
        // where to find one that is.
        LiveError::Open {
            interface: interface.to_string(),
            message: format!("{message}; {}", down_hint(interface)),
        }
    } else {
        LiveError::Open {
            interface: interface.to_string(),
            message: message.to_string(),
        }
    }
}

/// What to do about an interface that is down.
fn down_hint(interface: &str) -> String {
    let up = if cfg!(target_os = "linux") {
        format!("bring it up (`ip link set {interface} up` as root)")
    } else if cfg!(windows) {
        "enable the adapter".to_owned()
    } else {
        format!("bring it up (`ifconfig {interface} up` as root)")
    };
    format!("{up}, or capture another interface: `rstscope interfaces` lists which are up")
}

/// What to do about a permission error on this OS, naming this program's path.
pub fn permission_hint() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "$(command -v rstscope)".into());
    if cfg!(target_os = "linux") {
        format!(
            "run it as root, or allow this program to capture: sudo setcap cap_net_raw,cap_net_admin=eip {exe}"
        )
    } else if cfg!(target_os = "macos") {
        "capturing needs read access to /dev/bpf*: run it with sudo, or install Wireshark's ChmodBPF \
         (access_bpf group) and log in again"
            .into()
    } else if cfg!(windows) {
        "Npcap is restricted to administrators on this machine: run rstscope as administrator, or \
         reinstall Npcap without \"Restrict Npcap driver's access to Administrators only\""
            .into()
    } else {
        format!("run it as root ({exe})")
    }
}

fn unavailable_hint() -> &'static str {
    if cfg!(windows) {
        "reinstall Npcap from https://npcap.com/#download (opening capture files works without it)"
    } else {
        "install libpcap (Debian/Ubuntu: apt-get install libpcap0.8; macOS has it built in)"
    }
}

#[cfg(test)]
mod tests;
