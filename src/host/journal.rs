//! Who served a port before rstscope was watching: the system journal (Linux, systemd).
//!
//! A port nobody listens on, and nobody did while rstscope watched, was often served by a
//! service that stopped or crashed before the capture began: the alert came first. The
//! journal remembers it: most services say where they listen when they start ("listening on
//! 127.0.0.1:7211"), and systemd logs how each unit ended (its exit status, `failed`, the
//! restarts). [`look_up`](crate::host::journal::look_up) asks `journalctl` for the latest
//! message that names the port as a listening address (first among the services whose end
//! systemd logged, which the journal's index finds at once, then in the whole journal), then
//! for the end of the unit that wrote it and the last thing the unit's process said before it
//! ended (a missing library, a bad configuration line).
//!
//! A listener rstscope saw go during a live capture is asked about too: the journal's
//! messages of its PID name the unit it belonged to, whose end after the listener was last
//! seen is read the same way ([`look_up_end`](crate::host::journal::look_up_end)), so "served
//! by collector until 22:18:37" can add "when collector.service failed (exit status 127: ...)".
//!
//! The parsing is pure ([`owner_from`](crate::host::journal::owner_from) takes `journalctl
//! -o json` lines); only `look_up` runs the program, with a time limit, and only on Linux.
//! [`OwnerLookups`](crate::host::journal::OwnerLookups) runs lookups on a thread of their own,
//! so a capture never waits for the journal.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::packet::Timestamp;

/// Words of a message that says where a program listens.
const LISTEN_WORDS: [&str; 6] = ["listen", "bind", "bound", "serving", "accepting", "started"];
/// The longest a `journalctl` run may take before it is stopped (a large journal searched to
/// its start for a port nobody mentions).
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// Messages that name the port, newest first, looked at.
const MENTIONS: usize = 20;
/// Messages of the unit, newest first, looked at for how it ended.
const UNIT_MESSAGES: usize = 60;
/// Ports looked up at most in one capture: a scan refused on thousands of closed ports must
/// not become thousands of searches of the journal.
pub const MAX_LOOKUPS: usize = 16;
/// systemd's latest events of units ending looked at, and the units they name searched first.
const ENDINGS: usize = 400;
const ENDED_UNITS: usize = 32;
/// How long after a listener was last seen its process's own messages may come (it was seen
/// once a second, and ended in the second after).
const END_SLACK: Duration = Duration::from_secs(10);
/// The most characters of a program's last words a sentence quotes.
const FEW_WORDS: usize = 60;

/// systemd's catalog identifiers of the unit events read here.
mod message_id {
    /// "Started X." (a start job finished successfully).
    pub const STARTED: &str = "39f53479d3a045ac8e11786248231fbf";
    /// "Failed to start X." (a start job failed).
    pub const START_FAILED: &str = "be02cf6855d2428ba40df7e9d022f03d";
    /// "X: Failed with result 'exit-code'." (the unit entered the failed state).
    pub const FAILED: &str = "d9b373ed55a64feb8242e02dbe79a49c";
    /// "X: Main process exited, code=exited, status=127/n/a."
    pub const PROCESS_EXITED: &str = "98e322203f7a4ed290d09fe03c09fe15";
    /// "X: Scheduled restart job, restart counter is at 5."
    pub const RESTART_SCHEDULED: &str = "5eb03494b6584870a536b337290809b3";
    /// "Stopped X." (a stop job finished).
    pub const STOPPED: &str = "9d1aaa27d60140bd96365438aad20286";
    /// "X: Deactivated successfully." (the unit is dead, without failure).
    pub const SUCCEEDED: &str = "7ad2d189f7e94e70a38c781354912448";
}

/// The last program the journal shows listening on a port, and how its unit ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormerOwner {
    /// The systemd unit that wrote the message (`collector.service`), if it came from one.
    pub unit: Option<String>,
    /// The container that wrote it (Docker's journald driver), if one did.
    pub container: Option<String>,
    /// The program's name (`_COMM`, or the syslog identifier).
    pub process: String,
    /// Its PID then.
    pub pid: Option<u32>,
    /// Its executable.
    pub exe: Option<String>,
    /// The message that names the port.
    pub said: String,
    /// When it said it.
    pub said_at: Timestamp,
    /// How the unit is now, as systemd logged it; `None` without a unit or its events.
    pub state: Option<UnitState>,
    /// Where it ran as to network namespaces, against the live capture's, where that can be
    /// told or where it cannot and should be ([`OwnerNetNs`]); `None` otherwise (its process
    /// gone and the capture in the namespace of the machine's services, a saved file, and in
    /// a host report saved by an rstscope before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ns: Option<OwnerNetNs>,
}

/// Where the journal's former owner of a port ran, as to network namespaces: the journal is
/// the machine's, every namespace's services write to it, and a port named there may be
/// another namespace's (a container's own 127.0.0.1:7211, a service of
/// `NetworkNamespacePath=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerNetNs {
    /// Its process runs still (the same PID and name), in the capture's namespace.
    Capture,
    /// Its process runs still, in another namespace than the capture's: the port it named is
    /// not the capture's, and it is not told as its former owner.
    Other,
    /// Its process is gone (or could not be read), and the capture's namespace is not the
    /// one the machine's services run in (PID 1's): which namespace's port it named is not
    /// known, and the sentence says so.
    Unknown,
}

/// Where the journal's former owner `owner` runs now, as to network namespaces, against the
/// capture's `capture`, where its process (the journal's PID, of the same name) still runs and
/// its namespace can be read; `None` otherwise. Linux only.
#[must_use]
pub fn running_net_ns(owner: &FormerOwner, capture: Option<u64>) -> Option<OwnerNetNs> {
    #[cfg(target_os = "linux")]
    {
        let (pid, capture) = (owner.pid?, capture?);
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        // The PID given again to another program: not it.
        if comm.trim_end_matches('\n') != owner.process {
            return None;
        }
        let ns = super::connect_trace::netns_of(&format!("/proc/{pid}/ns/net"))?;
        Some(if ns == capture {
            OwnerNetNs::Capture
        } else {
            OwnerNetNs::Other
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (owner, capture);
        None
    }
}

/// A listener rstscope saw go during a live capture: what the journal is asked how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneListener {
    /// Its process's PID.
    pub pid: u32,
    /// Its process's name (`comm`).
    pub name: String,
    /// Its process's start time (Unix seconds), if read: the journal's messages of an older
    /// process with the same PID are not its own.
    pub started: Option<u64>,
    /// The last sample it was listening in.
    pub last_seen: Timestamp,
}

/// How a listener rstscope saw go ended, from the journal: the unit its process belonged to
/// (as the process's own messages say) and how systemd logged that unit's end after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListenerEnd {
    /// The process's PID.
    pub pid: u32,
    /// The systemd unit the process belonged to (`collector.service`).
    pub unit: String,
    /// How the unit ended after the process was last seen listening (its restarts, their
    /// failures, the last words of its processes).
    pub state: UnitState,
}

impl ListenerEnd {
    /// What its texts hold, as [`FormerOwner::text_bytes`].
    pub fn text_bytes(&self) -> usize {
        text(&self.unit) + self.state.text_bytes()
    }

    /// What the sentence "served by X until T" adds: `, when collector.service failed (exit
    /// status 127: error while loading shared libraries: libzmq.so.5)`; `at` writes a time.
    pub fn words(&self, at: impl Fn(Timestamp) -> String) -> String {
        format!(", when {}", self.summary(at))
    }

    /// The end on its own: `collector.service failed (exit status 127: error while loading
    /// shared libraries: libzmq.so.5)` (the app's row beside "Listened until").
    pub fn summary(&self, at: impl Fn(Timestamp) -> String) -> String {
        let unit = &self.unit;
        let s = &self.state;
        // The reason, in few words: the exit and the last words without the program's name.
        let why = |exit: &Option<String>, restarts: Option<u32>| {
            let mut d: Vec<String> = exit.iter().map(|e| exit_words(e)).collect();
            d.extend(
                restarts
                    .filter(|&n| n > 0)
                    .map(|n| format!("after {n} restart{}", if n == 1 { "" } else { "s" })),
            );
            let mut d = d.join(" ");
            if let Some(w) = &s.last_words {
                let w = few_words(without_program(w));
                d = if d.is_empty() { w } else { format!("{d}: {w}") };
            }
            if d.is_empty() { d } else { format!(" ({d})") }
        };
        match &s.now {
            UnitNow::Failed { exit, restarts, .. } => {
                format!("{unit} failed{}", why(exit, *restarts))
            }
            UnitNow::Restarting { exit, restarts } => format!(
                "{unit} began failing: systemd keeps restarting it{}",
                why(exit, *restarts)
            ),
            UnitNow::Stopped => format!("{unit} was stopped"),
            UnitNow::Running => format!(
                "its process ended; {unit} runs again since {} without listening there",
                at(s.since)
            ),
        }
    }
}

/// A message in at most [`FEW_WORDS`] characters for a sentence: cut after its last whole
/// clause that fits (`error while loading shared libraries: libzmq.so.5`, the details after
/// the next colon left to the JSON's `last_words`), else cut with "…".
fn few_words(message: &str) -> String {
    if message.chars().count() <= FEW_WORDS {
        return message.to_owned();
    }
    let fits = message
        .char_indices()
        .nth(FEW_WORDS)
        .map_or(message, |(at, _)| &message[..at]);
    match fits.rfind(": ") {
        Some(at) if at > 0 => message[..at].to_owned(),
        _ => shorten(message, FEW_WORDS),
    }
}

/// `/usr/local/bin/collector: error while loading…` → `error while loading…`: a message's
/// leading program name (a path, or one word) and its colon, which the sentence has said.
fn without_program(message: &str) -> &str {
    match message.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') && !rest.is_empty() => rest,
        _ => message,
    }
}

/// The latest state of a unit, from systemd's messages about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitState {
    /// Since when.
    pub since: Timestamp,
    /// What it is.
    pub now: UnitNow,
    /// The last message of the unit's own processes before it ended (a failure's reason).
    pub last_words: Option<String>,
}

/// What systemd last said of a unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UnitNow {
    /// Started and not ended since (so it runs but does not listen on the port any more).
    Running,
    /// Ended with a failure: systemd's result (`exit-code`, `signal`, `core-dump`, ...) and
    /// the main process's exit (`status=127`, `signal=SEGV`).
    Failed {
        /// The unit's result.
        result: Option<String>,
        /// The main process's exit, as systemd wrote it.
        exit: Option<String>,
        /// Restarts systemd made before this, if it said.
        restarts: Option<u32>,
    },
    /// Failed and to be started again by systemd (`Restart=`).
    Restarting {
        /// The main process's exit, as systemd wrote it.
        exit: Option<String>,
        /// The restart counter.
        restarts: Option<u32>,
    },
    /// Stopped (by an admin, a package upgrade or shutdown), without failure.
    Stopped,
}

/// The bytes a text holds (its length: the journal's texts are made to their size).
fn text(s: &str) -> usize {
    s.len()
}

/// The bytes an optional text holds.
fn maybe(s: &Option<String>) -> usize {
    s.as_deref().map_or(0, text)
}

impl UnitState {
    /// What its texts hold.
    pub fn text_bytes(&self) -> usize {
        maybe(&self.last_words)
            + match &self.now {
                UnitNow::Failed { result, exit, .. } => maybe(result) + maybe(exit),
                UnitNow::Restarting { exit, .. } => maybe(exit),
                UnitNow::Running | UnitNow::Stopped => 0,
            }
    }
}

impl FormerOwner {
    /// What its texts hold (what the host's state keeps of the journal's answers counts,
    /// [`JOURNAL_TEXT_BYTES`](super::state::JOURNAL_TEXT_BYTES)).
    pub fn text_bytes(&self) -> usize {
        maybe(&self.unit)
            + maybe(&self.container)
            + text(&self.process)
            + maybe(&self.exe)
            + text(&self.said)
            + self.state.as_ref().map_or(0, UnitState::text_bytes)
    }

    /// `collector.service (/usr/local/bin/collector)`, `collector.service (collector,
    /// /opt/bin/run.sh)` when the executable has another name, `container web (nginx)`, or
    /// the program and its PID.
    pub fn label(&self) -> String {
        let program = match &self.exe {
            Some(exe) if !exe.ends_with(&format!("/{}", self.process)) || self.unit.is_none() => {
                format!("{}, {exe}", self.process)
            }
            Some(exe) => exe.clone(),
            None => self.process.clone(),
        };
        match (&self.unit, &self.container) {
            (_, Some(c)) => format!("container {c} ({program})"),
            (Some(u), None) => format!("{u} ({program})"),
            (None, None) => match self.pid {
                Some(pid) => format!("{} (pid {pid})", self.process),
                None => self.process.clone(),
            },
        }
    }

    /// What the unit's state adds: `; collector.service failed at 09:58:00 (exit status
    /// 127), its last words: "…libzmq.so.5: cannot open shared object file"`. Empty without a
    /// state.
    pub fn state_words(&self, time: impl Fn(Timestamp) -> String) -> String {
        let Some(s) = &self.state else {
            return String::new();
        };
        let unit = self.unit.as_deref().unwrap_or("its unit");
        let at = time(s.since);
        // `exit status 127, restart 3`: what systemd said of the end, or nothing.
        let details = |exit: &Option<String>, restarts: Option<u32>, result: Option<&str>| {
            let mut d: Vec<String> = exit.iter().map(|e| exit_words(e)).collect();
            d.extend(result.map(|r| format!("result {r}")));
            d.extend(restarts.filter(|&n| n > 0).map(|n| format!("restart {n}")));
            d.join(", ")
        };
        let mut out = match &s.now {
            UnitNow::Running => format!(
                "; {unit} was started at {at} and has not ended since: it runs without listening there"
            ),
            UnitNow::Failed {
                result,
                exit,
                restarts,
            } => {
                // `exit-code` says no more than the exit status does.
                let result = result
                    .as_deref()
                    .filter(|r| *r != "exit-code" || exit.is_none());
                let after = match restarts {
                    Some(n) if *n > 0 => format!(" after {n} restarts"),
                    _ => String::new(),
                };
                match details(exit, None, result) {
                    d if d.is_empty() => format!("; {unit} failed at {at}{after}"),
                    d => format!("; {unit} failed at {at}{after} ({d})"),
                }
            }
            UnitNow::Restarting { exit, restarts } => match details(exit, *restarts, None) {
                d if d.is_empty() => format!(
                    "; {unit} keeps failing and systemd keeps restarting it (the last failure at {at})"
                ),
                d => format!(
                    "; {unit} keeps failing and systemd keeps restarting it (the last failure at {at}: {d})"
                ),
            },
            UnitNow::Stopped => format!("; {unit} was stopped at {at}"),
        };
        if let Some(w) = &s.last_words
            && !matches!(s.now, UnitNow::Running)
        {
            out.push_str(&format!(", its last words: \"{w}\""));
        }
        out
    }
}

#[cfg(test)]
impl FormerOwner {
    /// The 7211 story's collector as the journal names it, said at `said_at`, its unit in
    /// state `now` since `since` (tests of the report, the JSON and the agent).
    pub fn collector(said_at: Timestamp, since: Timestamp, now: UnitNow) -> Self {
        Self {
            unit: Some("collector.service".into()),
            container: None,
            process: "collector".into(),
            pid: Some(4312),
            exe: None,
            said: "listening on :7211".into(),
            said_at,
            net_ns: None,
            state: Some(UnitState {
                since,
                now,
                last_words: None,
            }),
        }
    }
}

/// `exited, status=127/n/a` → `exit status 127`; `killed, status=9/KILL` → `killed by
/// signal KILL`; `dumped, status=11/SEGV` → `crashed with signal SEGV, core dumped`.
fn exit_words(exit: &str) -> String {
    let (code, status) = exit.split_once(", status=").unwrap_or((exit, ""));
    let (number, name) = status.split_once('/').unwrap_or((status, ""));
    match code {
        "exited" => format!("exit status {number}"),
        "killed" if !name.is_empty() => format!("killed by signal {name}"),
        "dumped" if !name.is_empty() => format!("crashed with signal {name}, core dumped"),
        _ => exit.to_owned(),
    }
}

/// A field of a `journalctl -o json` entry as text: a string, or bytes (a message that is not
/// UTF-8) read lossily; the first of several values.
fn field<'a>(entry: &'a Value, name: &str) -> Option<Cow<'a, str>> {
    match entry.get(name)? {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Array(items) if items.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(Value::as_u64)
                .map(|b| u8::try_from(b).unwrap_or(b'?'))
                .collect();
            Some(Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Value::Array(items) => items.first().and_then(Value::as_str).map(Cow::Borrowed),
        _ => None,
    }
}

/// The entry's time (`__REALTIME_TIMESTAMP`, microseconds).
fn time_of(entry: &Value) -> Option<Timestamp> {
    let micros: i64 = field(entry, "__REALTIME_TIMESTAMP")?.parse().ok()?;
    Some(Timestamp(micros.saturating_mul(1000)))
}

/// True when `message` names `port` as where something listens: the port as a whole number
/// after a colon (`127.0.0.1:7211`, `[::]:7211`, `:7211`) or after the word "port" (`port
/// 7211`, `port=7211`, `port: 7211`), in a message that speaks of listening, binding or
/// serving. "sent 7211 bytes" is not.
pub fn names_listening(message: &str, port: u16) -> bool {
    let lower = message.to_ascii_lowercase();
    if !LISTEN_WORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    let digits = port.to_string();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&digits).map(|i| i + from) {
        let end = at + digits.len();
        from = end;
        let whole = (at == 0 || !bytes[at - 1].is_ascii_digit())
            && bytes.get(end).is_none_or(|b| !b.is_ascii_digit());
        if !whole {
            continue;
        }
        let before = lower[..at].trim_end_matches([' ', '=', ':']);
        if bytes.get(at.wrapping_sub(1)) == Some(&b':') || before.ends_with("port") {
            return true;
        }
    }
    false
}

/// The former owner of `port` from `journalctl -o json` output: `mentions`, entries that
/// name the port, newest first; `unit_entries`, the entries of the mention's unit, newest
/// first (`journalctl -u UNIT -r`), when there is a unit. `None` when no mention names the
/// port as a listening address.
pub fn owner_from(mentions: &str, unit_entries: Option<&str>, port: u16) -> Option<FormerOwner> {
    let entry = mentions
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| field(e, "MESSAGE").is_some_and(|m| names_listening(&m, port)))?;
    let text = |name: &str| field(&entry, name).map(|s| s.trim().to_owned());
    let unit = text("_SYSTEMD_UNIT").filter(|u| u.ends_with(".service"));
    let process = text("_COMM")
        .or_else(|| text("SYSLOG_IDENTIFIER"))
        .unwrap_or_else(|| "?".to_owned());
    let mut owner = FormerOwner {
        container: text("CONTAINER_NAME"),
        process,
        pid: text("_PID").and_then(|p| p.parse().ok()),
        exe: text("_EXE"),
        said: text("MESSAGE").map(|m| printable(&m)).unwrap_or_default(),
        said_at: time_of(&entry)?,
        state: None,
        unit,
        net_ns: None,
    };
    if let (Some(unit), Some(entries)) = (&owner.unit, unit_entries) {
        owner.state = unit_state(entries, unit, owner.said_at);
    }
    Some(owner)
}

/// The unit the gone listener's process belonged to, from the journal's messages of its PID
/// (`journalctl _PID=N`, newest first): the newest written by a process of that name, between
/// its start and shortly after it was last seen (so not by another process given the PID
/// later), from a service. `None` when the process wrote nothing there.
pub fn unit_of(pid_entries: &str, gone: &GoneListener) -> Option<String> {
    let pid = gone.pid.to_string();
    let from = gone
        .started
        .and_then(|s| i64::try_from(s).ok())
        .map(|s| Timestamp::from_parts(s - 1, 0));
    let until = Timestamp(gone.last_seen.0.saturating_add(END_SLACK.as_nanos() as i64));
    pid_entries
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| field(e, "_PID").as_deref() == Some(pid.as_str()))
        .filter(|e| time_of(e).is_some_and(|t| t <= until && from.is_none_or(|f| t >= f)))
        // `_COMM` and the name are both cut to 15 bytes, or one of them may be.
        .filter(|e| {
            field(e, "_COMM")
                .is_none_or(|c| c.starts_with(&gone.name) || gone.name.starts_with(c.as_ref()))
        })
        .find_map(|e| {
            field(&e, "_SYSTEMD_UNIT")
                .filter(|u| u.ends_with(".service"))
                .map(Cow::into_owned)
        })
}

/// How the gone listener ended: `pid_entries`, the journal's messages of its PID newest
/// first; `unit_entries`, those of the unit they name (`journalctl -u UNIT -r`). The unit's
/// end is read as a former owner's is ([`owner_from`]), from the time the listener was last
/// seen. `None` when the journal has nothing of the process or of its unit's end.
pub fn end_from(pid_entries: &str, unit_entries: &str, gone: &GoneListener) -> Option<ListenerEnd> {
    let unit = unit_of(pid_entries, gone)?;
    let state = unit_state(unit_entries, &unit, gone.last_seen)?;
    Some(ListenerEnd {
        pid: gone.pid,
        unit,
        state,
    })
}

/// How `unit` is now, from its entries newest first: systemd's latest event about it after
/// `after` (the time the port was named), and its processes' last message before it ended.
fn unit_state(entries: &str, unit: &str, after: Timestamp) -> Option<UnitState> {
    let entries: Vec<Value> = entries
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| time_of(e).is_some_and(|t| t >= after))
        .collect();
    let from_systemd = |e: &Value| {
        field(e, "_PID").as_deref() == Some("1") && field(e, "UNIT").as_deref() == Some(unit)
    };
    let id = |e: &Value| field(e, "MESSAGE_ID").map(Cow::into_owned);
    // systemd's events about the unit, newest first, up to its latest start.
    let events: Vec<&Value> = entries.iter().filter(|e| from_systemd(e)).collect();
    let newest = events.iter().find(|e| {
        id(e).is_some_and(|i| {
            [
                message_id::STARTED,
                message_id::START_FAILED,
                message_id::FAILED,
                message_id::PROCESS_EXITED,
                message_id::RESTART_SCHEDULED,
                message_id::STOPPED,
                message_id::SUCCEEDED,
            ]
            .contains(&i.as_str())
        })
    })?;
    let since = time_of(newest)?;
    let until_start = || {
        events
            .iter()
            .take_while(|e| id(e).as_deref() != Some(message_id::STARTED))
    };
    let exit = until_start()
        .find(|e| id(e).as_deref() == Some(message_id::PROCESS_EXITED))
        .and_then(|e| {
            let code = field(e, "EXIT_CODE")?;
            let status = field(e, "EXIT_STATUS")?;
            // systemd writes `status=127/n/a` or `status=11/SEGV`: the name from the message.
            let message = field(e, "MESSAGE").unwrap_or_default();
            let named = message
                .split_once("status=")
                .map(|(_, s)| s.trim_end_matches('.').to_owned())
                .filter(|s| s.starts_with(status.as_ref()));
            Some(format!(
                "{code}, status={}",
                named.unwrap_or(status.into_owned())
            ))
        });
    let restarts = until_start()
        .chain(
            events
                .iter()
                .skip_while(|e| id(e).as_deref() != Some(message_id::STARTED)),
        )
        .find(|e| id(e).as_deref() == Some(message_id::RESTART_SCHEDULED))
        .and_then(|e| field(e, "N_RESTARTS")?.parse().ok());
    let result = until_start()
        .find(|e| id(e).as_deref() == Some(message_id::FAILED))
        .and_then(|e| field(e, "UNIT_RESULT").map(Cow::into_owned));
    let now = match id(newest).as_deref() {
        Some(message_id::STARTED) => UnitNow::Running,
        Some(message_id::RESTART_SCHEDULED) => UnitNow::Restarting { exit, restarts },
        Some(message_id::STOPPED | message_id::SUCCEEDED) => UnitNow::Stopped,
        _ => UnitNow::Failed {
            result,
            exit,
            restarts,
        },
    };
    // The last message of the unit's own processes, at or before the end.
    let last_words = entries
        .iter()
        .filter(|e| !from_systemd(e) && field(e, "_SYSTEMD_UNIT").as_deref() == Some(unit))
        .find(|e| time_of(e).is_some_and(|t| t <= since))
        .and_then(|e| field(e, "MESSAGE").map(|m| printable(&m)));
    Some(UnitState {
        since,
        now,
        last_words,
    })
}

/// A logged message as a report may print it: terminal escape sequences (colored logs)
/// removed, other control characters as spaces, trimmed, at most 200 characters.
fn printable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters... final byte in @..~; other escapes: ESC and one char.
            if chars.next_if_eq(&'[').is_some() {
                while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {}
            } else {
                chars.next();
            }
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    shorten(out.trim(), 200)
}

/// `text` cut to at most `max` characters, with "…" where it was cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Where `journalctl` reads: the system's journal, or a directory of journal files (tests).
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// `journalctl --directory`; `None`: the system's journal.
    pub directory: Option<PathBuf>,
}

/// Asks the journal who last listened on `port`. `Ok(None)` when it names nobody (or on
/// systems without `journalctl`); `Err` says why it could not be asked.
///
/// # Errors
/// `journalctl` failed to run, ran past its time limit, or reported an error (a user without
/// the right to read the system journal).
pub fn look_up(
    journal: &Journal,
    port: u16,
    stop: &AtomicBool,
) -> Result<Option<FormerOwner>, String> {
    look_up_all(journal, &[port], stop)
        .pop()
        .map_or(Ok(None), |(_, answer)| answer)
}

/// [`look_up`] for several ports with one search of the journal: a port nobody names makes
/// `journalctl` read the whole journal (2.6 s for 400,000 entries here, past the time limit
/// for the gigabytes of a busy server's), so ports asked together are searched for together.
/// One answer per port, in the order asked.
///
/// The services whose end systemd logged (failed, exited, stopped) are searched first: the
/// journal's index finds their messages without reading the others, so a crashed service is
/// named however large the journal. Such a service's mention of the port is taken even where
/// a program outside them named it later. The other ports are searched for in the whole
/// journal.
pub fn look_up_all(
    journal: &Journal,
    ports: &[u16],
    stop: &AtomicBool,
) -> Vec<(u16, Result<Option<FormerOwner>, String>)> {
    if !cfg!(target_os = "linux") || ports.is_empty() {
        return ports.iter().map(|&p| (p, Ok(None))).collect();
    }
    let n = (MENTIONS * ports.len()).to_string();
    let grep = |ports: &[u16], only: &[String]| {
        let pattern = pattern(ports);
        let matches: Vec<String> = only.iter().map(|u| format!("_SYSTEMD_UNIT={u}")).collect();
        let mut args = vec!["-r", "-n", &n, "--grep", &pattern];
        args.extend(matches.iter().map(String::as_str));
        journalctl(journal, &args, stop)
    };
    // A failure here only leaves the whole journal to search.
    let ended = ended_units(journal, stop).unwrap_or_default();
    let in_ended = if ended.is_empty() {
        String::new()
    } else {
        grep(ports, &ended).unwrap_or_default()
    };
    let rest: Vec<u16> = ports
        .iter()
        .copied()
        .filter(|&p| owner_from(&in_ended, None, p).is_none())
        .collect();
    let in_all = if rest.is_empty() {
        Ok(String::new())
    } else {
        grep(&rest, &[])
    };
    // Each unit's own messages once, however many of the ports it named.
    let mut units: HashMap<String, Result<String, String>> = HashMap::new();
    ports
        .iter()
        .map(|&port| {
            let mentions = if rest.contains(&port) {
                match &in_all {
                    Ok(m) => m.as_str(),
                    Err(e) => return (port, Err(e.clone())),
                }
            } else {
                in_ended.as_str()
            };
            let unit = owner_from(mentions, None, port).and_then(|o| o.unit);
            let entries = match &unit {
                Some(u) => {
                    let got = units.entry(u.clone()).or_insert_with(|| {
                        journalctl(
                            journal,
                            &["-r", "-n", &UNIT_MESSAGES.to_string(), "-u", u],
                            stop,
                        )
                    });
                    match got {
                        Ok(entries) => Some(entries.as_str()),
                        Err(e) => return (port, Err(e.clone())),
                    }
                }
                None => None,
            };
            (port, Ok(owner_from(mentions, entries, port)))
        })
        .collect()
}

/// Asks the journal how a listener rstscope saw go ended ([`end_from`]): its PID's messages,
/// then its unit's. `Ok(None)` when the journal has nothing of it (or on systems without
/// `journalctl`).
///
/// # Errors
/// As [`look_up`].
pub fn look_up_end(
    journal: &Journal,
    gone: &GoneListener,
    stop: &AtomicBool,
) -> Result<Option<ListenerEnd>, String> {
    if !cfg!(target_os = "linux") {
        return Ok(None);
    }
    let pid = format!("_PID={}", gone.pid);
    let pid_entries = journalctl(journal, &["-r", "-n", &MENTIONS.to_string(), &pid], stop)?;
    let Some(unit) = unit_of(&pid_entries, gone) else {
        return Ok(None);
    };
    let unit_entries = journalctl(
        journal,
        &["-r", "-n", &UNIT_MESSAGES.to_string(), "-u", &unit],
        stop,
    )?;
    Ok(end_from(&pid_entries, &unit_entries, gone))
}

/// The services whose end systemd logged lately (failed, exited, stopped, deactivated, failed
/// to start), the latest first: few, and found through the journal's index.
fn ended_units(journal: &Journal, stop: &AtomicBool) -> Result<Vec<String>, String> {
    use message_id::{FAILED, PROCESS_EXITED, START_FAILED, STOPPED, SUCCEEDED};
    let ids: Vec<String> = [FAILED, PROCESS_EXITED, START_FAILED, STOPPED, SUCCEEDED]
        .iter()
        .map(|id| format!("MESSAGE_ID={id}"))
        .collect();
    let n = ENDINGS.to_string();
    // Terms of one field are alternatives; of different fields, all must hold.
    let mut args = vec!["-r", "-n", &n, "_PID=1"];
    args.extend(ids.iter().map(String::as_str));
    let out = journalctl(journal, &args, stop)?;
    let mut units: Vec<String> = Vec::new();
    for entry in out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        if let Some(unit) = field(&entry, "UNIT").filter(|u| u.ends_with(".service"))
            && !units.iter().any(|u| *u == unit)
        {
            units.push(unit.into_owned());
            if units.len() == ENDED_UNITS {
                break;
            }
        }
    }
    Ok(units)
}

/// The `--grep` pattern of messages naming any of `ports` next to a word of listening, in
/// either order ("listening on :7211", "port 7211 ... bound").
fn pattern(ports: &[u16]) -> String {
    let words = LISTEN_WORDS.join("|");
    let ports = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join("|");
    format!("(?i)(({words}).*[^0-9]({ports})([^0-9]|$)|(^|[^0-9])({ports})([^0-9]|$).*({words}))")
}

/// Runs `journalctl -q --no-pager -o json ARGS` and returns its output, stopped at the time
/// limit or when `stop` is set.
fn journalctl(journal: &Journal, args: &[&str], stop: &AtomicBool) -> Result<String, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("journalctl");
    cmd.args(["-q", "--no-pager", "-o", "json"]);
    if let Some(dir) = &journal.directory {
        cmd.arg("--directory").arg(dir);
    }
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        // No journalctl (a system without systemd, a container): no journal to ask.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(format!("journalctl: {e}")),
    };
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = &mut stdout {
            let _ = s.read_to_end(&mut out);
        }
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < TIME_LIMIT && !stop.load(Ordering::Relaxed) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(format!(
                    "journalctl did not answer within {} s",
                    TIME_LIMIT.as_secs()
                ));
            }
            Err(e) => return Err(format!("journalctl: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    // journalctl exits 1 when --grep matched nothing: not an error.
    if !status.success() && !out.is_empty() {
        return Err(format!("journalctl ended with {status}"));
    }
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let err = err.trim();
        if !err.is_empty() && !err.contains("No entries") {
            return Err(format!("journalctl: {}", shorten(err, 200)));
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A question for the lookup thread.
enum Question {
    /// Who served this port before the capture.
    Port(u16),
    /// How this listener, seen going, ended.
    Gone(GoneListener),
}

/// An answer of the lookup thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Who served a port before the capture ([`look_up`]).
    Owner(u16, Result<Option<FormerOwner>, String>),
    /// How the listener of a PID ended ([`look_up_end`]).
    End(u32, Result<Option<ListenerEnd>, String>),
}

/// Journal lookups run on a thread of their own, each port asked once, each gone listener
/// at most twice (its unit may still be restarting at the first answer).
pub struct OwnerLookups {
    tx: Option<Sender<Question>>,
    rx: Receiver<Answer>,
    asked: HashSet<u16>,
    asked_ends: HashMap<u32, u8>,
    pending: usize,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OwnerLookups {
    /// A lookup thread reading `journal` (started at the first question).
    pub fn new(journal: Journal) -> Self {
        let (tx, questions) = channel::<Question>();
        let (answers, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                lower_priority();
                // The ports asked while a search ran are searched for together.
                while let Ok(first) = questions.recv() {
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut ports = Vec::new();
                    let mut gone = Vec::new();
                    for q in std::iter::once(first).chain(questions.try_iter()) {
                        match q {
                            Question::Port(p) => ports.push(p),
                            Question::Gone(g) => gone.push(g),
                        }
                    }
                    let ends = gone
                        .iter()
                        .map(|g| Answer::End(g.pid, look_up_end(&journal, g, &stopped)));
                    let owners = look_up_all(&journal, &ports, &stopped)
                        .into_iter()
                        .map(|(p, a)| Answer::Owner(p, a));
                    for answer in ends.chain(owners) {
                        if answers.send(answer).is_err() {
                            return;
                        }
                    }
                }
            })
            .ok();
        Self {
            tx: thread.is_some().then_some(tx),
            rx,
            asked: HashSet::new(),
            asked_ends: HashMap::new(),
            pending: 0,
            stop,
            thread,
        }
    }

    fn send(&mut self, q: Question) -> bool {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(q).is_ok());
        if sent {
            self.pending += 1;
        }
        sent
    }

    /// Asks who last served `port`, unless it was asked before or [`MAX_LOOKUPS`] ports were.
    pub fn ask(&mut self, port: u16) {
        if self.asked.len() < MAX_LOOKUPS
            && !self.asked.contains(&port)
            && self.send(Question::Port(port))
        {
            self.asked.insert(port);
        }
    }

    /// Asks how `gone` ended: once, or a second time with `again` (its unit was still being
    /// restarted at the first answer); for [`MAX_LOOKUPS`] listeners at most.
    pub fn ask_end(&mut self, gone: GoneListener, again: bool) {
        let pid = gone.pid;
        let times = self.asked_ends.get(&pid).copied().unwrap_or(0);
        let wanted = match times {
            0 => self.asked_ends.len() < MAX_LOOKUPS,
            1 => again,
            _ => false,
        };
        if wanted && self.send(Question::Gone(gone)) {
            self.asked_ends.insert(pid, times + 1);
        }
    }

    /// The listener of `pid` was asked about ([`Self::ask_end`]).
    #[must_use]
    pub fn asked_end(&self, pid: u32) -> bool {
        self.asked_ends.contains_key(&pid)
    }

    /// Answers that came since the last call.
    pub fn answers(&mut self) -> Vec<Answer> {
        let got: Vec<_> = self.rx.try_iter().collect();
        self.pending = self.pending.saturating_sub(got.len());
        got
    }

    /// Waits up to `limit` for the questions asked so far to be answered, and returns the
    /// answers that came (the end of a capture: its report should have them).
    pub fn settle(&mut self, limit: Duration) -> Vec<Answer> {
        let deadline = std::time::Instant::now() + limit;
        let mut got = Vec::new();
        while self.pending > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(a) => {
                    got.push(a);
                    self.pending -= 1;
                }
                Err(_) => break,
            }
        }
        got
    }
}

/// Searching a large journal is the machine's least urgent work: this thread, and the
/// `journalctl` it starts (which inherits it), run at nice 10 or lower in priority (Linux
/// sets it per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority and setpriority of the calling thread (who 0) with plain values.
    unsafe {
        if libc::getpriority(libc::PRIO_PROCESS, 0) < 10 {
            libc::setpriority(libc::PRIO_PROCESS, 0, 10);
        }
    }
}

impl Drop for OwnerLookups {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
