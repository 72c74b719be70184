//! The machine's answers saved with a live capture. `rstscope capture --write` (and the app's
//! saved capture) ends its pcapng file with one block of rstscope's own
//! ([`RSTSCOPE_HOST`](crate::source::pcapng::RSTSCOPE_HOST)) holding the host report of the
//! live run: who listened on each offender's port and until when, who served it before the
//! capture (the system journal), which programs connected and how that was observed, with
//! their command lines. `rstscope analyze` of the file, on any machine, then names the same
//! programs as the live run did. The agent's `/evidence` ends with the same block, limited to
//! its one endpoint ([`for_endpoint`](crate::host::recorded::for_endpoint)).
//!
//! Why one block at the end rather than per-packet comments (as ptcpdump writes): the live
//! run learns a process after its packets are written (a connect event is read about a second
//! later, the journal answers in seconds, a refused connect has no later packet to carry a
//! comment), and what the live report says of a client is decided over the incidents, not
//! per packet. The block costs nothing on the capture path and is written once, its size that
//! of the report (bounded by the offenders the engine keeps). The kernel's counters are not
//! saved: they are this machine's running totals, not answers about the capture's processes.
//!
//! The body is UTF-8 JSON, `{"format": "rstscope-host", "version": 1, "machine": ..., "report":
//! ...}`, `report` the serde form of [`HostReport`](crate::host::state::HostReport),
//! `"while_capturing": true` in a file saved while its capture went on, and in a file of one
//! endpoint's packets `"capture_end"`, where the capture they come from had got to
//! ([`capture_end`](crate::host::recorded::capture_end)). A local-use block type
//! may be another program's too: a body that is not this JSON is left alone.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::clients::{ClientProcess, EndpointClients};
use super::history::{ListenerRecord, ListenerStatus};
use super::program::Script;
use super::restarts::{FailingStart, StartLink};
use super::state::{EndpointHost, HostReport, MachineOf};
use crate::engine::Offender;
use crate::packet::Timestamp;
use crate::source::pcapng;

/// The `format` of the block's JSON.
pub const FORMAT: &str = "rstscope-host";
/// The version written; a reader takes what it knows of later ones (unknown fields are
/// ignored, missing ones default).
pub const VERSION: u32 = 1;

/// Where a host report read from a capture file was recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recorded {
    /// The name of the machine that captured, where its OS told it.
    pub machine: Option<String>,
    /// The file was saved while the capture went on (the agent's `/evidence`, packets saved
    /// from a running capture): its answers are as of the saving, not of a capture's end.
    pub while_capturing: bool,
    /// In a capture of several machines, the one whose listeners the report's `listening`
    /// are (the one sampled last; loopback listeners aside, each its own machine's). `None`
    /// in a capture of one.
    #[serde(skip)]
    pub listening_of: Option<String>,
    /// The one machine that captured has this machine's name (read as the file is): maybe
    /// this machine, its record then as of the capture, not now. The file keeps no machine
    /// ID, so the name is all that is compared; said "not this machine" until 2026-12-08,
    /// which was false of a capture saved and opened on one server.
    #[serde(skip)]
    pub named_as_this: bool,
}

/// The block's fields after its format and version ([`pcapng::own_block`]).
#[derive(Serialize, Deserialize)]
struct Block {
    #[serde(default)]
    machine: Option<String>,
    /// See [`Recorded::while_capturing`]; absent (false) in a capture's own file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    while_capturing: bool,
    /// See [`capture_end`] (packet time, Unix nanoseconds); absent in a capture's own file,
    /// which ends where its capture did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    capture_end: Option<Timestamp>,
    #[serde(default)]
    report: HostReport,
}

/// The `format` of the block a file of one endpoint's packets says where its capture had got
/// to with, whoever wrote that capture (a tcpdump file has no host report to say it in):
/// `{"format": "rstscope-saved", "version": 1, "capture_end": ...}`.
pub const SAVED_FORMAT: &str = "rstscope-saved";

/// Enough of a block to tell where its capture ended (and, in a [`SAVED_FORMAT`] block, what
/// of the capture's packets the file holds).
#[derive(Serialize, Deserialize)]
struct CaptureEnd {
    #[serde(default)]
    capture_end: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cut: Option<Cut>,
}

/// A file of saved packets that holds only some of the packets its capture had of what was
/// saved (the window's details keep an endpoint's first 2,000; `--max-packets`; the agent's
/// ring keeps the latest): saved in its [`SAVED_FORMAT`] block (`"cut": {"kept": 2000, "of":
/// 2011, "latest": false, "what": "TCP packets to or from 10.0.0.2:7211"}`), so that an
/// analysis of the file says so rather than report fewer attempts as if they were all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    /// Packets in the file.
    pub kept: u64,
    /// Packets the capture had of `what`.
    pub of: u64,
    /// The file holds the last `kept` rather than the first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub latest: bool,
    /// What the packets are, in words: "TCP packets to or from 10.0.0.2:7211".
    pub what: String,
    /// Where the packets were saved from a file that held only some of its capture's of other
    /// packets (one connection's saved from a file of its endpoint's first 2,000): what that
    /// file held, told after this one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Box<Cut>>,
}

impl Cut {
    /// What an analysis of the file says of it, as a warning: "this file holds the first
    /// 2,000 of the 2,011 TCP packets to or from 10.0.0.2:7211 in the capture they were saved
    /// from (11 left out): its counts are lower than that capture's".
    #[must_use]
    pub fn warning(&self) -> String {
        let Some(within) = &self.within else {
            return format!(
                "this file holds {} in the capture they were saved from{}: attempts and \
                 resets counted from it may be fewer than the capture's",
                self.held(),
                self.left_out(),
            );
        };
        // Saved from a file that held only some of its capture's packets: "this file holds
        // the 12 TCP packets of the connection ... in the file they were saved from, which
        // held the first 2,000 of the 2,011 TCP packets to or from ... in its capture".
        let (this, left) = match self.kept < self.of {
            true => (self.held(), self.left_out()),
            false => (self.all(), String::new()),
        };
        // "they were saved from", of one packet "it was".
        let they = match self.kept == 1 && self.of == 1 {
            true => "it was",
            false => "they were",
        };
        format!(
            "this file holds {this} in the file {they} saved from{left}, which held {} in \
             the capture they were saved from{}: attempts and resets counted from it may be \
             fewer than the capture's",
            within.held(),
            within.left_out(),
        )
    }

    /// "the first 2,000 of the 2,011 TCP packets to or from 10.0.0.2:7211", "the first of the
    /// 2 TCP packets ...".
    fn held(&self) -> String {
        let which = if self.latest { "last" } else { "first" };
        match self.kept {
            1 => format!(
                "the {which} of the {} {}",
                crate::report::grouped(self.of),
                self.what
            ),
            kept => format!(
                "the {which} {} of the {} {}",
                crate::report::grouped(kept),
                crate::report::grouped(self.of),
                self.what
            ),
        }
    }

    /// Every packet of `what`: "the 12 TCP packets of the connection ...", of one "the one TCP
    /// packet of the connection ..." ("the 1 TCP packets" read as a slip).
    fn all(&self) -> String {
        match (self.kept, self.what.strip_prefix("TCP packets")) {
            (1, Some(rest)) => format!("the one TCP packet{rest}"),
            (1, None) => format!("the one of the {}", self.what),
            (kept, _) => format!("the {} {}", crate::report::grouped(kept), self.what),
        }
    }

    /// " (the later 11 are not in it)", " (the later one is not in it)".
    fn left_out(&self) -> String {
        let which = if self.latest { "older" } else { "later" };
        match self.of.saturating_sub(self.kept) {
            1 => format!(" (the {which} one is not in it)"),
            n => format!(" (the {which} {} are not in it)", crate::report::grouped(n)),
        }
    }
}

/// The body of the block that saves `report`, recorded on `machine`.
///
/// # Errors
/// Only if serde_json cannot write the report (it always can: no map has keys other than
/// strings).
pub fn encode(report: &HostReport, machine: Option<String>) -> serde_json::Result<Vec<u8>> {
    block(report, machine, false, None)
}

fn block(
    report: &HostReport,
    machine: Option<String>,
    while_capturing: bool,
    capture_end: Option<Timestamp>,
) -> serde_json::Result<Vec<u8>> {
    let block = Block {
        machine,
        while_capturing,
        capture_end,
        report: HostReport {
            recorded: None,
            ..report.clone()
        },
    };
    pcapng::own_block(FORMAT, VERSION, &block)
}

/// What `report` says that concerns endpoint `addr:port` alone: its entry, the listeners on
/// its port now and gone (those bound to other addresses too: they tell why the endpoint was
/// refused while its port was served), and the notes; for a
/// file of that endpoint's packets (the agent's `/evidence`, "save these packets"), so that
/// it names the same programs without telling about the machine's other services.
#[must_use]
pub fn for_endpoint(report: &HostReport, addr: IpAddr, port: u16) -> HostReport {
    let on_port = |r: &&ListenerRecord| r.addr.port() == port;
    HostReport {
        listening: report.listening.iter().filter(on_port).cloned().collect(),
        listening_port: Some(port),
        gone: report.gone.iter().filter(on_port).cloned().collect(),
        endpoints: report.endpoint(addr, port).cloned().into_iter().collect(),
        ..report.clone()
    }
}

/// The body of the block that saves what `report` says of `addr:port` ([`for_endpoint`]),
/// recorded on the machine `report` was (this one, for a live report; the capture's, for one
/// read from a file), marked [saved while capturing](Recorded::while_capturing) when the
/// capture `report` speaks of still ran (or its file was saved so).
///
/// # Errors
/// As [`encode`].
pub fn encode_for_endpoint(
    report: &HostReport,
    addr: IpAddr,
    port: u16,
) -> serde_json::Result<Vec<u8>> {
    encode_for_endpoint_until(report, addr, port, None)
}

/// [`encode_for_endpoint`] for packets saved from a capture that went on to `capture_end`
/// ([`capture_end`]).
///
/// # Errors
/// As [`encode`].
pub fn encode_for_endpoint_until(
    report: &HostReport,
    addr: IpAddr,
    port: u16,
    capture_end: Option<Timestamp>,
) -> serde_json::Result<Vec<u8>> {
    let (machine, while_capturing) = match &report.recorded {
        Some(r) => (r.machine.clone(), r.while_capturing),
        None => (this_machine(), !report.over()),
    };
    // In a capture of several machines, the endpoint's own machine's.
    let own = report.endpoint(addr, port).and_then(|e| e.machine.as_ref());
    let machine = own.map_or(machine, |m| m.name.clone());
    block(
        &for_endpoint(report, addr, port),
        machine,
        while_capturing,
        capture_end,
    )
}

/// Where the capture that a file's packets were saved from had got to, as its rstscope host
/// blocks say (the latest of them): a file of one endpoint's packets ("save these packets",
/// the agent's `/evidence`) ends at that endpoint's last packet, but its capture went on
/// (other traffic, or the agent's running analysis) and judged the endpoint's attempts up to
/// there. An analysis of the file ends there too, so that an attempt the capture gave up on
/// unanswered is not "too soon to tell" because the file holds nothing after it. `None`: the
/// file ends where its capture did (a capture's own file, or one saved before this field).
#[must_use]
pub fn capture_end(bodies: &[Vec<u8>]) -> Option<Timestamp> {
    let read = |body: &Vec<u8>, format| {
        pcapng::read_own_block::<CaptureEnd>(body, format)?
            .ok()?
            .capture_end
    };
    (bodies.iter())
        .filter_map(|body| read(body, FORMAT).or_else(|| read(body, SAVED_FORMAT)))
        .max()
}

/// The body of the block that says where the capture a file of one endpoint's packets was
/// saved from had got to ([`SAVED_FORMAT`], read by [`capture_end`]). The file's statistics
/// blocks say its own packets' time: a reader takes those for its span (a file of 6 packets
/// over a second is not "3 min"), this block for how long its attempts were waited on.
///
/// # Errors
/// As [`encode`].
pub fn encode_capture_end(capture_end: Timestamp) -> serde_json::Result<Vec<u8>> {
    encode_saved(Some(capture_end), None)
}

/// The body of the [`SAVED_FORMAT`] block of a file of saved packets: where their capture had
/// got to ([`capture_end`]), and what of the capture's packets it holds where not all
/// ([`cut`]).
///
/// # Errors
/// As [`encode`].
pub fn encode_saved(
    capture_end: Option<Timestamp>,
    cut: Option<Cut>,
) -> serde_json::Result<Vec<u8>> {
    pcapng::own_block(SAVED_FORMAT, VERSION, &CaptureEnd { capture_end, cut })
}

/// What a file of saved packets holds of its capture's, where its [`SAVED_FORMAT`] block says
/// it holds only some ([`Cut`]).
#[must_use]
pub fn cut(bodies: &[Vec<u8>]) -> Option<Cut> {
    (bodies.iter())
        .filter_map(|body| pcapng::read_own_block::<CaptureEnd>(body, SAVED_FORMAT)?.ok())
        .find_map(|block| block.cut)
}

/// The name of this machine, to say where a saved capture's answers come from.
#[must_use]
pub fn this_machine() -> Option<String> {
    sysinfo::System::host_name().ok().filter(|n| !n.is_empty())
}

/// This machine's ID, which tells apart machines of the same host name (clones of one
/// image, two sites' `labutil01`), as the system itself shows it: systemd's `/etc/machine-id`
/// (or D-Bus's `/var/lib/dbus/machine-id`) on Linux, 32 lowercase hexadecimal digits; the
/// registry's `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid` on Windows, a GUID in
/// lowercase as `reg query` prints it; the hardware's `IOPlatformUUID` on macOS
/// (`gethostuuid`), a UUID in uppercase as `ioreg` prints it. `None` elsewhere, and where the
/// system holds none or one not of its form.
#[must_use]
pub fn this_machine_id() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .iter()
            .find_map(|p| machine_id_in(&std::fs::read_to_string(p).ok()?))
    }
    #[cfg(windows)]
    {
        machine_guid_in(&super::windows::machine_guid()?)
    }
    #[cfg(target_os = "macos")]
    {
        super::macos::host_uuid().and_then(|bytes| platform_uuid(&bytes))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        None
    }
}

/// Windows's `MachineGuid` as the registry holds it: a GUID of 36 characters, hexadecimal
/// digits in groups of 8-4-4-4-12 (lowercase on every Windows; uppercase taken and lowered, so
/// that one machine has one ID). `None` for anything else (braces, a value an image tool
/// damaged) and for the all-zero GUID.
#[must_use]
pub fn machine_guid_in(text: &str) -> Option<String> {
    let id = text
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_ascii_lowercase();
    let form = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    (form && id.bytes().any(|b| b != b'0' && b != b'-')).then_some(id)
}

/// The text of macOS's `IOPlatformUUID` from its 16 bytes (`gethostuuid`'s `uuid_t`): uppercase
/// in groups of 8-4-4-4-12, as `ioreg -rd1 -c IOPlatformExpertDevice` and System Information
/// show it. `None` for all zeros (no UUID).
#[must_use]
pub fn platform_uuid(bytes: &[u8; 16]) -> Option<String> {
    if bytes.iter().all(|&b| b == 0) {
        return None;
    }
    use std::fmt::Write as _;
    let mut text = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        // Writing to a String cannot fail.
        let _ = write!(text, "{b:02X}");
    }
    Some(text)
}

/// The machine ID a `machine-id` file's text holds: 32 lowercase hexadecimal digits and a
/// newline. `None` for anything else: empty (an image not yet booted), `uninitialized` (the
/// first boot's), a file damaged.
#[must_use]
pub fn machine_id_in(text: &str) -> Option<String> {
    let id = text.trim();
    (id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| id.to_owned())
}

/// The host report saved in a capture file's rstscope blocks (`bodies` in the order read),
/// with the problems met reading them. Several blocks (files given together) are merged:
/// each endpoint's answer is the last block's that has it. `None` when no block is rstscope's.
/// Blocks of several machines: see [`decode_at`].
#[must_use]
pub fn decode(bodies: &[Vec<u8>]) -> (Option<HostReport>, Vec<String>) {
    decode_at(bodies, &[], &LoopbackSeen::new())
}

/// Where a capture's loopback endpoints (an address of 127.0.0.0/8 or `::1`, and a port) were
/// seen: the `(file, section)` of each capture part whose SYNs or RSTs named them. The
/// analysis tallies it; [`decode_at`] reads it.
pub type LoopbackSeen = HashMap<(IpAddr, u16), Vec<(usize, u32)>>;

/// [`decode`], each block of `bodies` read at the `(file, section)` of `at` (same order;
/// [`FileSource::recorded_host_at`](crate::source::FileSource::recorded_host_at)).
///
/// Blocks of different machines (two captures appended, `cat a.pcapng b.pcapng`, or files of
/// two hosts given together) are said in a warning naming the machines. Their answers merge
/// as two machines' captures of one exchange do, but for loopback endpoints: 127.0.0.1:7211
/// on one machine is not 127.0.0.1:7211 on the other. Such an endpoint is answered by the
/// block of the one machine whose capture parts carried its SYNs and RSTs (`seen`; with no
/// tally, the one machine whose block names it); one whose packets came from the parts of
/// several machines (or from a part without a block) is answered by none, and a note says
/// why. The loopback listeners of one machine are left out of the lists of the others'.
#[must_use]
pub fn decode_at(
    bodies: &[Vec<u8>],
    at: &[(usize, u32)],
    seen: &LoopbackSeen,
) -> (Option<HostReport>, Vec<String>) {
    let mut problems = Vec::new();
    // Blocks by machine, in the order each machine was first read.
    let mut machines: Vec<Machine> = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let Some(report) = read_block(body, &mut problems) else {
            continue;
        };
        let name = report.recorded.as_ref().and_then(|r| r.machine.clone());
        let part = at.get(i).copied();
        match machines.iter_mut().find(|m| m.name == name) {
            Some(m) => {
                merge(&mut m.report, report);
                m.parts.extend(part);
            }
            None => machines.push(Machine {
                name,
                report,
                parts: part.into_iter().collect(),
            }),
        }
    }
    let names: Vec<String> = machines.iter().map(Machine::label).collect();
    let merged = if machines.len() > 1 {
        problems.push(format!(
            "the capture holds what rstscope recorded on {} machines ({}): their packets are analyzed as one capture, so a loopback endpoint (127.0.0.1, ::1) of two of them counts as one; the programs of such an endpoint are named from the machine whose packets it came from, and from none where its packets came from several (analyze each machine's capture alone to tell them apart)",
            machines.len(),
            names.join(", ")
        ));
        // Whose listeners the merged report keeps: the machine sampled last's.
        let last = (machines.iter())
            .max_by_key(|m| m.report.sampled.map(|(_, end)| end))
            .map(Machine::label);
        let mut report = merge_machines(machines, seen);
        // The machines that captured, not the last one's name alone.
        if let Some(r) = &mut report.recorded {
            r.machine = Some(names.join(", "));
            r.listening_of = last;
        }
        Some(report)
    } else {
        machines.pop().map(|m| m.report)
    };
    let merged = merged.map(|mut m| {
        let (on, here) = match names.as_slice() {
            [] | [_] => {
                let name = m.recorded.as_ref().and_then(|r| r.machine.clone());
                let here = name.is_some() && name == this_machine();
                (name.map(|n| format!(" on {n}")).unwrap_or_default(), here)
            }
            several => (format!(" on {}", several.join(" and ")), false),
        };
        if let Some(r) = &mut m.recorded {
            r.named_as_this = here;
        }
        // A file saved from such a file (its endpoint's packets) carries a note already,
        // written where it was read: this reading's replaces it.
        m.notes.retain(|n| !n.starts_with(RECORDED_NOTE));
        m.notes.push(recorded_note(&on, here));
        m
    });
    (merged, problems)
}

/// How [`recorded_note`] begins.
const RECORDED_NOTE: &str = "who listened and who connected come from the capture file:";

/// The note that a capture file's answers are what rstscope recorded while capturing `on`
/// the machines named (" on labutil01"), and whose they are: another machine's, or, `here`,
/// one of this machine's name (maybe this one, its answers as of the capture).
fn recorded_note(on: &str, here: bool) -> String {
    let whose = match here {
        true => "the name of this machine too: they are as they were then, not now",
        false => "the machine that captured, not this one",
    };
    format!("{RECORDED_NOTE} rstscope recorded them{on} while capturing ({whose})")
}

/// One machine's blocks, merged.
struct Machine {
    name: Option<String>,
    report: HostReport,
    /// The capture parts (file, section) its blocks were read in.
    parts: Vec<(usize, u32)>,
}

impl Machine {
    fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "a machine whose name was not recorded".to_owned())
    }
}

/// One block's report, or `None` for another program's block (or a broken one, said).
fn read_block(body: &[u8], problems: &mut Vec<String>) -> Option<HostReport> {
    match pcapng::read_own_block::<Block>(body, FORMAT)? {
        Ok(block) => {
            let mut report = block.report;
            // Files saved before a program seen two ways (the socket table, the connect
            // trace) was one entry hold it twice: one entry, as the live run now gives it.
            for e in &mut report.endpoints {
                let processes = std::mem::take(&mut e.clients.processes);
                e.clients.processes = one_entry_per_program(processes, Vec::new(), false);
            }
            // As many as a live run keeps: the file's to say, not to grow without bound.
            (report.failing_starts).truncate(crate::host::state::MAX_FAILING);
            report.recorded = Some(Recorded {
                machine: block.machine,
                while_capturing: block.while_capturing,
                listening_of: None,
                named_as_this: false,
            });
            Some(report)
        }
        Err(e) => {
            problems.push(format!(
                "the capture's rstscope host block cannot be read ({e}); the programs it names are left out"
            ));
            None
        }
    }
}

/// The reports of several machines as one (see [`decode_at`]): merged as blocks are, each
/// machine's loopback endpoints and listeners taken out first and put back where they belong.
fn merge_machines(machines: Vec<Machine>, seen: &LoopbackSeen) -> HostReport {
    let is_loopback = |addr: IpAddr| addr.is_loopback();
    // Each machine's loopback answers, by endpoint.
    let mut loopback: HashMap<(IpAddr, u16), Vec<(usize, EndpointHost)>> = HashMap::new();
    let mut parts: HashMap<(usize, u32), usize> = HashMap::new();
    let mut merged: Option<HostReport> = None;
    let names: Vec<String> = machines.iter().map(Machine::label).collect();
    // Each machine's name and last sample, for the endpoints that are its alone.
    let of: Vec<MachineOf> = (machines.iter())
        .map(|m| MachineOf {
            name: m.name.clone(),
            last_sample: m.report.sampled.map(|(_, last)| last),
        })
        .collect();
    // The machines whose blocks name each other endpoint.
    let mut named_by: HashMap<(IpAddr, u16), Vec<usize>> = HashMap::new();
    for (i, mut m) in machines.into_iter().enumerate() {
        for p in &m.parts {
            parts.insert(*p, i);
        }
        for e in m.report.endpoints.iter().filter(|e| !is_loopback(e.addr)) {
            let by = named_by.entry((e.addr, e.port)).or_default();
            if !by.contains(&i) {
                by.push(i);
            }
        }
        let (lo, other): (Vec<EndpointHost>, Vec<EndpointHost>) =
            std::mem::take(&mut m.report.endpoints)
                .into_iter()
                .partition(|e| is_loopback(e.addr));
        m.report.endpoints = other;
        for e in lo {
            loopback.entry((e.addr, e.port)).or_default().push((i, e));
        }
        // A loopback socket is its machine's: another machine's list would misplace it.
        m.report.listening.retain(|r| !is_loopback(r.addr.ip()));
        m.report.gone.retain(|r| !is_loopback(r.addr.ip()));
        merged = Some(match merged {
            None => m.report,
            Some(mut into) => {
                merge(&mut into, m.report);
                into
            }
        });
    }
    let mut report = merged.unwrap_or_default();
    // Several machines' programs failing to start, one list: which machine each failed on is
    // not kept, and a program of one told as another's would mislead.
    if names.len() > 1 {
        report.failing_starts.clear();
    }
    for e in &mut report.endpoints {
        if let Some([one]) = named_by.get(&(e.addr, e.port)).map(Vec::as_slice) {
            e.machine = of.get(*one).cloned();
        }
    }
    let mut keys: Vec<(IpAddr, u16)> = loopback.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let answers = loopback.remove(&key).unwrap_or_default();
        // The machines whose capture parts carried the endpoint's packets (`None`: a part
        // without a block, of a machine not known).
        let from: Option<Vec<Option<usize>>> = seen.get(&key).map(|ps| {
            let mut from: Vec<Option<usize>> = ps.iter().map(|p| parts.get(p).copied()).collect();
            from.sort_unstable();
            from.dedup();
            from
        });
        let machine = match from.as_deref() {
            Some([Some(one)]) => Some(*one),
            Some(_) => None,
            None => match answers.as_slice() {
                [(one, _)] => Some(*one),
                _ => None,
            },
        };
        let answer = machine.and_then(|one| answers.iter().find(|(i, _)| *i == one));
        match answer {
            Some((i, e)) => report.endpoints.push(EndpointHost {
                machine: of.get(*i).cloned(),
                ..e.clone()
            }),
            None => {
                let mut whose: Vec<String> = match from.as_deref() {
                    Some(from) => from
                        .iter()
                        .map(|m| match m {
                            Some(i) => names.get(*i).cloned().unwrap_or_default(),
                            None => "a capture part without rstscope's host block".to_owned(),
                        })
                        .collect(),
                    None => answers
                        .iter()
                        .filter_map(|(i, _)| names.get(*i).cloned())
                        .collect(),
                };
                whose.dedup();
                if whose.len() > 1 {
                    let why = format!(
                        "{}: a loopback endpoint whose packets came from {}: each machine's own endpoint, counted here as one; neither's programs are named",
                        crate::report::endpoint(key.0, key.1),
                        whose.join(" and ")
                    );
                    // The endpoint's own entry says it too, where its listener would be told.
                    report.endpoints.push(EndpointHost {
                        untold: Some(format!(
                            "it is a loopback endpoint of {}, whose captures are in one \
                             file and whose packets are counted here as one endpoint: neither \
                             machine's programs, listening or connecting, are named for it; \
                             analyze each machine's capture alone",
                            whose.join(" and ")
                        )),
                        ..EndpointHost::empty(key.0, key.1)
                    });
                    report.notes.push(why);
                }
            }
        }
    }
    report
}

/// Adds a later block's answers to `into`. A block is the file's to say: its counts may be
/// any number (added without overflow), its lists long (looked up by set, not by scanning).
///
/// Files given together are either consecutive captures of one machine (a capture stopped
/// and started again, each file with its block) or the same time seen twice (a capture and
/// the agent's evidence of it, the same file given twice, two machines' captures of one
/// exchange). An endpoint both blocks name is answered by both: its listeners are those of
/// either (one seen in both once), and its connecting processes' incidents are added up
/// where the blocks' samples cover times apart, but not where they overlap, as the same
/// incidents are then in both.
fn merge(into: &mut HostReport, later: HostReport) {
    // What listens when the capture ended is the block sampled last's to say, whichever file
    // was read last (files overlapping in time, or one without packets after its block).
    let ends = |r: &HostReport| r.sampled.map(|(_, end)| end);
    let later = if ends(&later) >= ends(into) {
        later
    } else {
        std::mem::replace(into, later)
    };
    let overlap = match (into.sampled, later.sampled) {
        (Some((a, b)), Some((c, d))) => a <= d && c <= b,
        _ => false,
    };
    into.samples = if overlap {
        into.samples.max(later.samples)
    } else {
        into.samples.saturating_add(later.samples)
    };
    into.sampled = match (into.sampled, later.sampled) {
        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
        (a, b) => a.or(b),
    };
    // A socket both blocks saw listening is one listener, seen from the earlier's first
    // sample of it (as an endpoint's `now` is, in `merge_listeners`).
    let mut seen_from: HashMap<(SocketAddr, u32), (Timestamp, Timestamp)> = HashMap::new();
    for r in &into.listening {
        let seen =
            (seen_from.entry((r.addr, r.process.pid))).or_insert((r.first_seen, r.last_seen));
        *seen = (seen.0.min(r.first_seen), seen.1.max(r.last_seen));
    }
    into.listening = later.listening;
    for r in &mut into.listening {
        if let Some(&(first, last)) = seen_from.get(&(r.addr, r.process.pid)) {
            r.first_seen = r.first_seen.min(first);
            r.last_seen = r.last_seen.max(last);
        }
    }
    into.listening_port = later.listening_port;
    // The machine's programs failing to start, one entry per program, most recent first, as
    // the live list has them.
    into.failing_starts = merge_failing(
        later.failing_starts,
        std::mem::take(&mut into.failing_starts),
        overlap,
    );
    (into.failing_starts)
        .sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.program.cmp(&b.program)));
    (into.failing_starts).truncate(crate::host::state::MAX_FAILING);
    into.gone = merge_listeners(std::mem::take(&mut into.gone), later.gone, None);
    // A block naming an endpoint twice answers with its last entry for it.
    let last: HashMap<(IpAddr, u16), usize> = later
        .endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| ((e.addr, e.port), i))
        .collect();
    // The earlier blocks' entry for an endpoint the later names too (their last one) is
    // merged into the later's.
    let mut earlier: HashMap<(IpAddr, u16), EndpointHost> = HashMap::new();
    let mut kept = Vec::with_capacity(into.endpoints.len());
    for e in std::mem::take(&mut into.endpoints) {
        if last.contains_key(&(e.addr, e.port)) {
            earlier.insert((e.addr, e.port), e);
        } else {
            kept.push(e);
        }
    }
    into.endpoints = kept;
    into.endpoints.extend(
        later
            .endpoints
            .into_iter()
            .enumerate()
            .filter(|(i, e)| last.get(&(e.addr, e.port)) == Some(i))
            .map(|(_, e)| match earlier.remove(&(e.addr, e.port)) {
                Some(before) => merge_endpoint(before, e, overlap),
                None => e,
            }),
    );
    let mut seen: HashSet<String> = into.notes.iter().cloned().collect();
    for n in later.notes {
        if seen.insert(n.clone()) {
            into.notes.push(n);
        }
    }
    if later.recorded.is_some() {
        into.recorded = later.recorded;
    }
}

/// The listeners of two blocks, one record for a socket both saw (by address and process,
/// its times widened), most recent first; `now`, the later block's current listener, is
/// left out of them (a listener of the earlier block that still listens is not gone).
fn merge_listeners(
    earlier: Vec<ListenerRecord>,
    later: Vec<ListenerRecord>,
    now: Option<&mut ListenerRecord>,
) -> Vec<ListenerRecord> {
    let mut now = now;
    let mut merged: Vec<ListenerRecord> = Vec::with_capacity(earlier.len() + later.len());
    let mut index: HashMap<(SocketAddr, u32), usize> = HashMap::new();
    for r in later.into_iter().chain(earlier) {
        let key = (r.addr, r.process.pid);
        let same = |n: &ListenerRecord| (n.addr, n.process.pid) == key;
        let into = match now.as_deref_mut().filter(|n| same(n)) {
            Some(n) => Some(n),
            None => index.get(&key).and_then(|&i| merged.get_mut(i)),
        };
        match into {
            Some(into) => {
                into.first_seen = into.first_seen.min(r.first_seen);
                into.last_seen = into.last_seen.max(r.last_seen);
            }
            None => {
                index.insert(key, merged.len());
                merged.push(r);
            }
        }
    }
    merged.sort_by_key(|r| std::cmp::Reverse(r.last_seen));
    merged
}

/// One endpoint's answers in two blocks (see [`merge`]): `later`'s listener now, the
/// listeners gone in either, the processes that connected in either; their incidents added
/// unless the blocks' times `overlap`.
fn merge_endpoint(before: EndpointHost, later: EndpointHost, overlap: bool) -> EndpointHost {
    let mut now = later.listener.now;
    let earlier_gone = before
        .listener
        .now
        .into_iter()
        .chain(before.listener.earlier);
    let gone = merge_listeners(earlier_gone.collect(), later.listener.earlier, now.as_mut());
    // How the first gone listener ended, from the block that told it.
    let first = gone.first().map(|r| r.process.pid);
    let listener_end = [later.listener_end, before.listener_end]
        .into_iter()
        .flatten()
        .find(|end| Some(end.pid) == first);
    let add = |a: u64, b: u64| {
        if overlap {
            a.max(b)
        } else {
            a.saturating_add(b)
        }
    };
    let processes =
        one_entry_per_program(later.clients.processes, before.clients.processes, overlap);
    let mut client_details = later.client_details;
    let pids: HashSet<u32> = client_details.iter().map(|d| d.pid).collect();
    client_details.extend(
        before
            .client_details
            .into_iter()
            .filter(|d| !pids.contains(&d.pid)),
    );
    EndpointHost {
        addr: later.addr,
        port: later.port,
        listener: ListenerStatus { now, earlier: gone },
        clients: EndpointClients {
            processes,
            not_observed: add(later.clients.not_observed, before.clients.not_observed),
            remote: add(later.clients.remote, before.clients.remote),
            more: add(later.clients.more, before.clients.more),
        },
        client_details,
        local: later.local || before.local,
        former_owner: later.former_owner.or(before.former_owner),
        listener_end,
        failing_starts: merge_failing(later.failing_starts, before.failing_starts, overlap),
        machine: later.machine.or(before.machine),
        untold: later.untold.or(before.untold),
    }
}

/// `later`'s programs failing to start and `before`'s, one entry per program: its runs from
/// the earliest first to the latest last of either (whichever block was sampled last, a
/// block may tell an older run), their counts added unless the blocks' times `overlap` (then
/// the larger kept, as the same runs are in both), the stronger link kept.
fn merge_failing(
    later: Vec<FailingStart>,
    before: Vec<FailingStart>,
    overlap: bool,
) -> Vec<FailingStart> {
    let add = |a: u32, b: u32| {
        if overlap {
            a.max(b)
        } else {
            a.saturating_add(b)
        }
    };
    let mut out = later;
    for b in before {
        match out.iter_mut().find(|f| f.program == b.program) {
            Some(f) => {
                f.starts = add(f.starts, b.starts);
                f.killed = add(f.killed, b.killed);
                f.oom_killed = add(f.oom_killed, b.oom_killed);
                f.first = f.first.min(b.first);
                f.last = f.last.max(b.last);
                f.longest_ns = f.longest_ns.max(b.longest_ns);
                // Every run's, where both blocks' runs ended the same way.
                if f.exit_status != b.exit_status {
                    f.exit_status = None;
                }
                if f.signal != b.signal {
                    f.signal = None;
                }
                if b.link == StartLink::SameProgram {
                    f.link = StartLink::SameProgram;
                }
            }
            None => out.push(b),
        }
    }
    out
}

/// `later`'s client processes and `before`'s, one entry per program (see [`process_key`]):
/// the incidents of a program in both are added, by how they were seen (or the larger kept
/// where the blocks' times `overlap`), and so are its processes unless they are one. Most
/// incidents first.
fn one_entry_per_program(
    later: Vec<ClientProcess>,
    before: Vec<ClientProcess>,
    overlap: bool,
) -> Vec<ClientProcess> {
    let add = |a: u64, b: u64| {
        if overlap {
            a.max(b)
        } else {
            a.saturating_add(b)
        }
    };
    let mut processes: Vec<ClientProcess> = Vec::new();
    let mut index: HashMap<(String, Option<Script>, Option<u32>), usize> = HashMap::new();
    for p in later.into_iter().chain(before) {
        match index
            .get(&process_key(&p))
            .and_then(|&i| processes.get_mut(i))
        {
            Some(q) => {
                q.absorb(&p, add);
                q.processes = if q.pid == p.pid || overlap {
                    q.processes.max(p.processes)
                } else {
                    q.processes.saturating_add(p.processes)
                };
            }
            None => {
                index.insert(process_key(&p), processes.len());
                processes.push(p);
            }
        }
    }
    processes.sort_by_key(|p| std::cmp::Reverse(p.connections));
    processes
}

/// What makes two blocks' client processes one program: its name and script, or its PID
/// when its name is not known (as the live tally keys them).
fn process_key(p: &ClientProcess) -> (String, Option<Script>, Option<u32>) {
    let pid = p.name.is_empty().then_some(p.pid);
    (p.name.clone(), p.script.clone(), pid)
}

/// `recorded` for the offenders of this analysis, one endpoint each in their order (as a live
/// report has them). An offender the block does not name takes its entry from `fallback` (the
/// process information of the capture's packets, where there is some), else an empty one.
#[must_use]
pub fn for_offenders(
    recorded: &HostReport,
    offenders: &[Offender],
    fallback: Option<&HostReport>,
) -> HostReport {
    // By endpoint: a block may name many, and each offender looks its own up.
    let named: HashMap<(IpAddr, u16), &EndpointHost> = recorded
        .endpoints
        .iter()
        .rev()
        .map(|e| ((e.addr, e.port), e))
        .collect();
    let endpoints = offenders
        .iter()
        .map(|o| {
            named
                .get(&(o.addr, o.port))
                .copied()
                .or_else(|| fallback.and_then(|f| f.endpoint_at(o.key())))
                .cloned()
                .unwrap_or_else(|| EndpointHost::empty(o.addr, o.port))
        })
        .collect();
    let mut notes = recorded.notes.clone();
    for n in fallback.map_or(&[][..], |f| &f.notes) {
        if !notes.contains(n) {
            notes.push(n.clone());
        }
    }
    HostReport {
        endpoints,
        notes,
        ..recorded.clone()
    }
}

#[cfg(test)]
mod tests;
