//! The JSON object `rstscope analyze --format json` prints. Its fields are a stable contract
//! (docs/json.md): fields may be added, never renamed or removed.

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Number, Value, json};

use super::{
    BpfFilter, ClientsCounted, Clock, Scope, bpf_filter, bpf_filters, endpoint, full_diagnosis_in,
    offender_name, unix_secs, wireshark_decode_as, wireshark_filter,
};
use crate::analysis::{Analysis, CaptureInfo};
use crate::decode::link_type_name;
use crate::engine::{
    Cause, ConnRecord, ConnState, Offender, Scan, ScanKind, SecondCounts, SuspectRst,
};
use crate::host::history::ListenerRecord;
use crate::host::journal::{FormerOwner, ListenerEnd, UnitNow, UnitState};
use crate::host::restarts::{FailingStart, NetNsRelation};
use crate::host::state::{EndpointHost, HostReport};
use crate::packet::{Overlay, Timestamp};
use crate::source::Compression;

/// The version of the JSON contract; bumped only on incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Unix seconds with exactly 6 decimals, as a JSON number.
fn time(ts: Timestamp) -> Value {
    Value::Number(
        unix_secs(ts)
            .parse::<Number>()
            .unwrap_or_else(|_| Number::from(ts.second())),
    )
}

fn number(x: f64, decimals: usize) -> Value {
    format!("{x:.decimals$}")
        .parse::<Number>()
        .map_or(Value::Null, Value::Number)
}

/// `x` with `n` decimals as the JSON number [`number`] makes, `None` where it makes null.
fn decimals(x: f64, n: usize) -> Option<String> {
    x.is_finite().then(|| format!("{x:.n$}"))
}

fn causes(counts: &[u64; 5]) -> Value {
    json!(Causes(counts))
}

fn per_second(series: &[(i64, SecondCounts)], f: impl Fn(&SecondCounts) -> u32) -> Value {
    Value::Array(
        series
            .iter()
            .filter(|(_, c)| f(c) > 0)
            .map(|(s, c)| json!([s, f(c)]))
            .collect(),
    )
}

/// A timestamp as Unix seconds with exactly 6 decimals, as [`time`] makes it.
struct Secs(Timestamp);

impl Serialize for Secs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        time(self.0).serialize(serializer)
    }
}

/// RSTs by cause, each under its stable name.
struct Causes<'a>(&'a [u64; 5]);

impl Serialize for Causes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Cause::ALL.len()))?;
        for c in Cause::ALL {
            map.serialize_entry(c.as_str(), &self.0[c.index()])?;
        }
        map.end()
    }
}

/// Each item of a slice written as `f` makes it, no vector made first.
struct EachOf<'a, T, O>(&'a [T], fn(&'a T) -> O);

impl<'a, T, O: Serialize> Serialize for EachOf<'a, T, O> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(self.1))
    }
}

/// One offender, written field by field as it is made: a scan's thousands of offenders cost
/// no tree of values each (the report is the serial tail of every analysis).
struct OffenderOut<'a> {
    o: &'a Offender,
    host: Option<&'a HostReport>,
    clock: Clock,
    /// Its scan's place in `scans`.
    scan: Option<usize>,
    /// The interfaces it was seen on ([`crate::report::seen_on`]).
    seen_on: Vec<String>,
}

/// Where the scan `o` is a target of stands in `scans`.
fn scan_index(o: &Offender, scans: &[Arc<Scan>]) -> Option<usize> {
    let scan = o.scan.as_ref()?;
    scans.iter().position(|s| Arc::ptr_eq(s, scan))
}

/// One scan, as the `scans` list gives it.
fn scan(scan: &Scan, clock: Clock) -> Value {
    let (server, port) = match scan.kind {
        ScanKind::Ports { server } => (Some(server.to_string()), None),
        ScanKind::Sweep { port } => (None, Some(port)),
    };
    let endpoints = |keys: &[crate::engine::offenders::ServiceKey]| -> Vec<String> {
        keys.iter()
            .map(|&(a, p, o)| super::endpoint_in(a, p, o))
            .collect()
    };
    let mut v = json!({
        "kind": scan.kind.as_str(),
        "client": scan.client.to_string(),
        "server": server,
        "port": port,
        "targets": scan.targets,
        "targets_at_least": scan.targets_at_least,
        "targets_not_kept": scan.not_kept,
        "lowest": endpoint(scan.lowest.0, scan.lowest.1),
        "highest": endpoint(scan.highest.0, scan.highest.1),
        "first_seen": scan.first_seen.map(time),
        "last_seen": scan.last_seen.map(time),
        "rate": number(scan.rate(), 3),
        "rate_seconds": scan.first_seen.map(|_| scan.rate_seconds()),
        "attempts": scan.attempts,
        "failed_attempts": scan.failed_attempts,
        "answers": {
            "completed": scan.completed,
            "half_open": scan.half_open,
            "reset_by_client": scan.reset_by_client,
            "refused": scan.refused,
            "unanswered": scan.unanswered,
            "unanswered_at_end": scan.unanswered_at_end,
            "other": scan.other,
        },
        "half_open_scan": scan.is_half_open(),
        "open": endpoints(&scan.open_named),
        "refused": endpoints(&scan.refused_named),
        "typical_attempts": scan.typical_attempts,
        "retried_endpoints": scan.retried,
        "retried": scan.retried_named.iter().map(|&((a, p, o), attempts)| json!({
            "endpoint": super::endpoint_in(a, p, o),
            "attempts": attempts,
        })).collect::<Vec<_>>(),
        "diagnosis": super::scan_sentence(scan, clock.stamped()),
    });
    // The overlay network it was found in (its targets', as an endpoint's `overlay`).
    let network = scan.lowest.2;
    if !network.is_none() {
        v["overlay"] = json!(network.key());
    }
    v
}

impl Serialize for OffenderOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = MapFields(serializer.serialize_map(Some(40))?);
        self.fields(&mut m)?;
        m.0.end()
    }
}

impl OffenderOut<'_> {
    /// The offender's fields, in the contract's order.
    fn fields<F: Fields>(&self, m: &mut F) -> Result<(), F::Error> {
        let (o, host) = (self.o, self.host);
        let e = host.and_then(|h| h.endpoint_at(o.key()));
        let sampled = host.is_some_and(|h| h.samples > 0);
        let filters = bpf_filters(o.addr, o.port, o.encaps.as_slice());
        let first_filter = filters
            .first()
            .map_or_else(|| bpf_filter(o), |f| f.filter.clone());
        m.text("endpoint", &offender_name(o))?;
        m.text("address", &super::address(o.addr))?;
        m.field("port", &o.port)?;
        // Only for an endpoint inside a tunnel's overlay network: `vxlan:42`, `geneve:7`,
        // `gre:100` (the endpoint's name ends with it in words).
        if !o.overlay.is_none() {
            m.text("overlay", &o.overlay.key())?;
        }
        m.field("service", &crate::services::name(o.port))?;
        m.field("rst_packets", &o.rst_packets)?;
        m.field("rst_by_cause", &Causes(&o.rst_by_cause))?;
        m.field("rst_from_server", &o.rst_from_server)?;
        m.field("rst_from_client", &o.rst_from_client)?;
        m.field("suspect_injected", &o.suspect_injected)?;
        m.field("attempts", &o.attempts)?;
        m.field("completed_attempts", &o.completed)?;
        m.field("failed_attempts", &o.failed_attempts)?;
        m.field(
            "failed_by",
            &FailedBy {
                refused: o.failed_refused,
                reset: o.failed_reset,
                unanswered: o.failed_unanswered,
            },
        )?;
        m.field("unanswered_at_end", &o.cut_off_attempts())?;
        m.field("dropped", &DroppedOut::of(&o.dropped))?;
        m.field("refusal_retries", &o.refusal_retries)?;
        m.field("refusal_ttl", &RefusalTtlOut::of(o))?;
        m.field("resends", &ResendsOut::of(&o.resends))?;
        m.field("clients", &o.clients)?;
        m.field("clients_at_least", &o.clients_at_least)?;
        m.field("seen_on", &self.seen_on)?;
        m.field("incidents", &o.incidents)?;
        m.time("first_seen", o.first_seen)?;
        m.time("last_seen", o.last_seen)?;
        m.number("avg_rate", decimals(o.avg_rate, 3).as_deref())?;
        m.field("avg_rate_seconds", &super::avg_rate_seconds(o))?;
        m.field("peak_rate", &o.peak_rate)?;
        m.field("peak_second", &o.peak_second)?;
        m.field("series_from", &o.series_from)?;
        let payloads: Vec<String> = o.rst_payloads.iter().map(ToString::to_string).collect();
        m.field("rst_payloads", &payloads)?;
        m.field("rst_payloads_not_kept", &o.rst_payloads_not_kept)?;
        m.field("suspects", &EachOf(&o.suspects, SuspectOut::of))?;
        m.text(
            "wireshark_filter",
            &wireshark_filter(o.addr, o.port, o.encaps.as_slice()),
        )?;
        m.field(
            "wireshark_decode_as",
            &wireshark_decode_as(o.encaps.as_slice()),
        )?;
        m.text("bpf_filter", &first_filter)?;
        m.field("bpf_filters", &EachOf(&filters, BpfOut::of))?;
        m.text("diagnosis_kind", o.diagnosis().kind.as_str())?;
        m.field("scan", &self.scan)?;
        m.text(
            "diagnosis",
            &full_diagnosis_in(o, host, self.clock.stamped(), Scope::of(o)),
        )?;
        m.field(
            "listener",
            &e.filter(|e| sampled && e.local).map(|e| ListenerOut {
                now: e.listener.now.as_ref().map(ListenerRecordOut),
                earlier: EachOf(&e.listener.earlier, ListenerRecordOut),
                former_owner: e.former_owner.as_ref().map(FormerOwnerOut),
                ending: e.listener_end.as_ref().map(ListenerEndOut),
                failing_starts: EachOf(&e.failing_starts, FailingStartOut),
            }),
        )?;
        m.field(
            "listener_untold",
            &e.filter(|_| sampled).and_then(|e| e.untold.as_deref()),
        )?;
        m.field("client_processes", &ClientProcessesOut(e))?;
        m.field(
            "client_processes_not_observed",
            &e.map_or(0, |e| e.clients.not_observed),
        )?;
        m.field(
            "client_processes_other_machines",
            &e.map_or(0, |e| e.clients.remote),
        )?;
        m.field("client_processes_more", &e.map_or(0, |e| e.clients.more))?;
        m.field(
            "client_processes_counted_over",
            &e.zip(host)
                .map_or(ClientsCounted::Here, |(e, h)| {
                    ClientsCounted::of(o, e, h, Scope::of(o))
                })
                .as_str(),
        )
    }
}

/// An offender's packets the capturing host dropped (`dropped`).
#[derive(Serialize)]
struct DroppedOut {
    packets: u64,
    syn_packets: u64,
    rst_packets: u64,
    from_server: u64,
    inbound: u64,
    outbound: u64,
    by: Option<&'static str>,
    clients: u64,
    places: Vec<PlaceOut>,
    other_places: u64,
}

#[derive(Serialize)]
struct PlaceOut {
    name: String,
    packets: u64,
}

impl DroppedOut {
    fn of(d: &crate::engine::Dropped) -> Self {
        Self {
            packets: d.packets,
            syn_packets: d.syn,
            rst_packets: d.rst,
            from_server: d.from_server,
            inbound: d.inbound,
            outbound: d.outbound,
            by: (d.packets > 0).then(|| d.kind().as_str()),
            clients: d.clients,
            places: (d.places().into_iter())
                .map(|(name, packets)| PlaceOut { name, packets })
                .collect(),
            other_places: d.other_places,
        }
    }
}

/// The TTLs (hop limits) of an offender's refusals and of its host's SYN-ACKs on any port,
/// and what they tell (`None`: it refused nothing).
#[derive(Serialize)]
struct RefusalTtlOut {
    resets: (u8, u8),
    host_synacks: Option<(u8, u8)>,
    made: Option<&'static str>,
}

impl RefusalTtlOut {
    fn of(o: &Offender) -> Option<Self> {
        Some(Self {
            resets: o.refusal_ttl.bounds()?,
            host_synacks: o.host_ttl.bounds(),
            made: super::refusals_made(o),
        })
    }
}

/// An offender's SYNs sent again ([`crate::engine::offenders::Resends`]), durations in
/// seconds.
#[derive(Serialize)]
struct ResendsOut {
    syns: u32,
    late_answers: u32,
    late_answers_right_after_resend: u32,
    late_answers_waiting_together: u32,
    late_wait_least: Option<Value>,
    late_wait_most: Option<Value>,
    given_up_resent: u32,
    given_up_longest: Option<Value>,
}

impl ResendsOut {
    fn of(r: &crate::engine::offenders::Resends) -> Self {
        // Milliseconds kept: three decimals, as written whatever the float's digits.
        let secs = |ms: u32| number(f64::from(ms) / 1000.0, 3);
        let late = r.late > 0;
        Self {
            syns: r.syns,
            late_answers: r.late,
            late_answers_right_after_resend: r.late_at_once,
            late_answers_waiting_together: r.late_together,
            late_wait_least: late.then(|| secs(r.late_ms.0)),
            late_wait_most: late.then(|| secs(r.late_ms.1)),
            given_up_resent: r.unanswered_resent,
            given_up_longest: (r.unanswered_resent > 0).then(|| secs(r.unanswered_longest_ms)),
        }
    }
}

#[derive(Serialize)]
struct FailedBy {
    refused: u64,
    reset: u64,
    unanswered: u64,
}

#[derive(Serialize)]
struct TtlOut {
    reset: u8,
    others: u8,
}

#[derive(Serialize)]
struct IpIdOut {
    reset: u16,
    sequence_at: u16,
}

/// One suspect-injected reset and its evidence.
#[derive(Serialize)]
struct SuspectOut {
    time: Secs,
    frame: Option<u64>,
    from: &'static str,
    client: String,
    not_acceptable: bool,
    ttl: Option<TtlOut>,
    ip_id: Option<IpIdOut>,
    /// The cause it is counted under, as `rst_by_cause` and the text report name it: which
    /// of the endpoint's resets by cause were the suspect ones (added after the rest, at the
    /// object's end, so the fields before keep their order).
    cause: &'static str,
}

impl SuspectOut {
    fn of(s: &SuspectRst) -> Self {
        Self {
            time: Secs(s.at),
            frame: s.frame,
            from: if s.from_server { "endpoint" } else { "client" },
            client: endpoint(s.client.0, s.client.1),
            not_acceptable: s.suspicion.not_acceptable,
            ttl: s
                .suspicion
                .ttl
                .map(|(reset, others)| TtlOut { reset, others }),
            ip_id: s
                .suspicion
                .ip_id
                .map(|(reset, sequence_at)| IpIdOut { reset, sequence_at }),
            cause: s.cause.as_str(),
        }
    }
}

/// The BPF filter of one link type.
#[derive(Serialize)]
struct BpfOut<'a> {
    link_type: u32,
    name: &'static str,
    filter: &'a str,
    note: Option<&'a str>,
}

impl<'a> BpfOut<'a> {
    fn of(f: &'a BpfFilter) -> Self {
        Self {
            link_type: f.link_type.0,
            name: link_type_name(f.link_type),
            filter: &f.filter,
            note: f.note.as_deref(),
        }
    }
}

/// Who listens on the offender's port of this machine, who did during the capture, and who
/// the journal shows listening there before.
#[derive(Serialize)]
struct ListenerOut<'a> {
    now: Option<ListenerRecordOut<'a>>,
    earlier: EachOf<'a, ListenerRecord, ListenerRecordOut<'a>>,
    former_owner: Option<FormerOwnerOut<'a>>,
    ending: Option<ListenerEndOut<'a>>,
    failing_starts: EachOf<'a, FailingStart, FailingStartOut<'a>>,
}

/// A program that failed to start again and again while the endpoint was refused (or on this
/// machine: the machine-wide list).
struct FailingStartOut<'a>(&'a FailingStart);

impl Serialize for FailingStartOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = serializer.serialize_map(Some(22))?;
        m.serialize_entry("source", "exec-events")?;
        m.serialize_entry("kind", &f.kind())?;
        m.serialize_entry("program", &f.program)?;
        m.serialize_entry("name", &f.name)?;
        m.serialize_entry("starts", &f.starts)?;
        m.serialize_entry("first", &Secs(f.first))?;
        m.serialize_entry("last", &Secs(f.last))?;
        m.serialize_entry("every", &f.every_ns().map(|ns| Secs(Timestamp(ns))))?;
        m.serialize_entry("longest_run", &Secs(Timestamp(f.longest_ns)))?;
        m.serialize_entry("exit_status", &f.exit_status)?;
        m.serialize_entry("signal", &f.signal)?;
        m.serialize_entry("killed", &f.killed)?;
        m.serialize_entry("oom_killed", &f.oom_killed)?;
        let missing: Vec<_> = (f.missing.iter())
            .map(
                |l| json!({"name": l.name, "needed_by": l.needed_by, "found_since": l.found_since}),
            )
            .collect();
        m.serialize_entry("missing_libraries", &missing)?;
        m.serialize_entry("link", &f.link)?;
        m.serialize_entry("supervised", &f.supervised)?;
        m.serialize_entry("connected_to", &f.connected_to)?;
        m.serialize_entry(
            "failed_connects",
            &f.failed_connects
                .as_ref()
                .map(|c| json!({"runs": c.runs, "to": c.to, "refused": c.refused})),
        )?;
        m.serialize_entry(
            "recovered",
            &f.recovered.map(|r| json!({"at": Secs(r.at), "how": r.how})),
        )?;
        m.serialize_entry(
            "container",
            &f.elsewhere.as_ref().map(|e| {
                let c = e.container.as_ref();
                json!({
                    "runtime": c.map(|c| &c.runtime),
                    "id": c.map(|c| &c.id),
                    "pod": c.and_then(|c| c.pod.as_ref()),
                    "cgroup": e.cgroup,
                    "file_read": e.file_read,
                })
            }),
        )?;
        // Where its runs ran against the capture's network namespace, as the live report
        // found it (and a file it saved keeps).
        m.serialize_entry("net_ns", &f.net_ns_relation.map(NetNsRelation::as_str))?;
        m.serialize_entry("net_ns_unread", &f.net_ns_unread)?;
        m.end()
    }
}

/// One listener record: the process and when it was seen listening.
struct ListenerRecordOut<'a>(&'a ListenerRecord);

impl Serialize for ListenerRecordOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let p = &r.process;
        let mut m = serializer.serialize_map(Some(12))?;
        // A listener whose process cannot be seen (another PID namespace) has no PID.
        m.serialize_entry(
            "pid",
            &(p.pid != crate::host::sockets::UNSEEN_PID).then_some(p.pid),
        )?;
        m.serialize_entry("name", &p.name)?;
        m.serialize_entry("exe", &p.exe)?;
        m.serialize_entry("cmdline", &p.cmdline)?;
        m.serialize_entry("user", &p.user)?;
        m.serialize_entry("started", &p.started)?;
        m.serialize_entry("services", &p.services)?;
        m.serialize_entry("address", &endpoint(r.addr.ip(), r.addr.port()))?;
        m.serialize_entry("first_seen", &Secs(r.first_seen))?;
        m.serialize_entry("last_seen", &Secs(r.last_seen))?;
        m.serialize_entry("script", &p.script.as_ref().map(|s| &s.given))?;
        m.serialize_entry("program", &program(p))?;
        m.end()
    }
}

/// Who the system journal shows listening on the port last, and how its unit ended.
struct FormerOwnerOut<'a>(&'a FormerOwner);

impl Serialize for FormerOwnerOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = serializer.serialize_map(Some(10))?;
        m.serialize_entry("source", "journal")?;
        m.serialize_entry("unit", &f.unit)?;
        m.serialize_entry("container", &f.container)?;
        m.serialize_entry("process", &f.process)?;
        m.serialize_entry("pid", &f.pid)?;
        m.serialize_entry("exe", &f.exe)?;
        m.serialize_entry("said", &f.said)?;
        m.serialize_entry("said_at", &Secs(f.said_at))?;
        m.serialize_entry("state", &f.state.as_ref().map(UnitStateOut))?;
        m.serialize_entry("net_ns", &f.net_ns)?;
        m.end()
    }
}

/// How the listener seen going ended, as the journal tells.
struct ListenerEndOut<'a>(&'a ListenerEnd);

impl Serialize for ListenerEndOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let end = self.0;
        let mut m = serializer.serialize_map(Some(4))?;
        m.serialize_entry("source", "journal")?;
        m.serialize_entry("pid", &end.pid)?;
        m.serialize_entry("unit", &end.unit)?;
        m.serialize_entry("state", &UnitStateOut(&end.state))?;
        m.end()
    }
}

/// How the former owner's unit ended (or that it runs again).
struct UnitStateOut<'a>(&'a UnitState);

impl Serialize for UnitStateOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let (now, result, exit, restarts) = match &s.now {
            UnitNow::Running => ("running", None, None, None),
            UnitNow::Failed {
                result,
                exit,
                restarts,
            } => ("failed", result.as_deref(), exit.as_deref(), *restarts),
            UnitNow::Restarting { exit, restarts } => {
                ("restarting", None, exit.as_deref(), *restarts)
            }
            UnitNow::Stopped => ("stopped", None, None, None),
        };
        let mut m = serializer.serialize_map(Some(6))?;
        m.serialize_entry("now", now)?;
        m.serialize_entry("since", &Secs(s.since))?;
        m.serialize_entry("result", &result)?;
        m.serialize_entry("exit", &exit)?;
        m.serialize_entry("restarts", &restarts)?;
        m.serialize_entry("last_words", &s.last_words)?;
        m.end()
    }
}

/// The processes of this machine seen connecting to the offender, with their details.
struct ClientProcessesOut<'a>(Option<&'a EndpointHost>);

impl Serialize for ClientProcessesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(e) = self.0 else {
            return serializer.collect_seq(std::iter::empty::<()>());
        };
        serializer.collect_seq(e.clients.processes.iter().map(|p| {
            let info = e.client(p);
            ClientProcessOut {
                pid: p.pid,
                name: &p.name,
                exe: info.exe.clone(),
                cmdline: info.cmdline.clone(),
                services: info.services.clone(),
                connections: p.connections,
                processes: p.processes,
                source: p.source.as_str(),
                sources: (p.by_source().into_iter())
                    .map(|(source, connections)| SourceCountOut {
                        source: source.as_str(),
                        connections,
                    })
                    .collect(),
                script: info.script.as_ref().map(|s| s.given.clone()),
                program: program(&info),
            }
        }))
    }
}

#[derive(Serialize)]
struct ClientProcessOut<'a> {
    pid: u32,
    name: &'a str,
    exe: Option<String>,
    /// What tells an interpreter's programs apart (`python3 collector.py`), as a listener's has.
    cmdline: Option<String>,
    services: Vec<String>,
    connections: u64,
    processes: u64,
    source: &'static str,
    /// Its incidents by how each was observed, most first (one entry where one way saw all).
    sources: Vec<SourceCountOut>,
    /// The script it runs, as its command line gives it (`/opt/collector/collector.py`).
    script: Option<String>,
    /// The program as rstscope names it (`collector.py (python3)`).
    program: Option<String>,
}

/// A connecting program's incidents seen one way.
#[derive(Serialize)]
struct SourceCountOut {
    source: &'static str,
    connections: u64,
}

/// The program as rstscope names `p` (`collector.py (python3)`, `nginx`); `None` for a
/// process whose name is not known (or cannot be seen).
fn program(p: &crate::host::processes::ProcessInfo) -> Option<String> {
    let unseen = p.pid == crate::host::sockets::UNSEEN_PID;
    (!unseen && (!p.name.is_empty() || p.script.is_some())).then(|| p.program().text())
}

/// The `host` object: the machine's side as a whole, where it was sampled (a live capture,
/// the agent's, or a capture saved by one): when, who listened at the last sample, who went
/// during the capture, and every program seen failing to start again and again (live only:
/// a saved capture keeps its endpoints' own). What the terminal's "This machine" section
/// and the app's panel tell, for a monitoring system reading the JSON; `None` (null) where
/// the machine was not sampled (a capture file of another tool, `--no-host`).
fn host(h: &HostReport) -> Option<Value> {
    let records = |r: &[ListenerRecord]| -> Vec<Value> {
        r.iter().map(|r| json!(ListenerRecordOut(r))).collect()
    };
    (h.samples > 0 || h.recorded.is_some()).then(|| {
        json!({
            "machine": h.recorded.as_ref().and_then(|r| r.machine.as_deref()),
            "sampled": h.sampled.map(|(first, last)| json!({
                "first": time(first),
                "last": time(last),
                "samples": h.samples,
            })),
            "listening_at": h.ended_at().map(time),
            "listening_port": h.listening_port,
            "listening": records(&h.listening),
            "gone": records(&h.gone),
            "failing_starts": EachOf(&h.failing_starts, FailingStartOut),
        })
    })
}

/// The `kernel` object: each counter by the OS's own name.
fn kernel(h: &HostReport) -> Value {
    Value::Object(
        h.kernel
            .iter()
            .map(|k| {
                (
                    k.name.to_owned(),
                    json!({"total": k.total, "per_second": k.per_second.iter().map(|&(s, n)| json!([s, n])).collect::<Vec<_>>()}),
                )
            })
            .collect(),
    )
}

/// One finished connection, as a line of `--connections --format json` (JSON Lines); with
/// `overlay` (`vxlan:42`) where it came in a tunnel that names its network, as its endpoint.
pub fn connection(c: &ConnRecord) -> Value {
    let mut v = json!({
        "orig_h": c.orig.0.to_string(),
        "orig_p": c.orig.1,
        "resp_h": c.resp.0.to_string(),
        "resp_p": c.resp.1,
        "conn_state": c.state.as_str(),
        "history": c.history,
        "rst_count": c.rst_count,
        "rst_cause": c.rst_cause.map(Cause::as_str),
        "suspect_injected": c.suspect_injected,
        "start": time(c.start),
        "duration": number(c.duration_ns as f64 / 1e9, 6),
        "packets": c.packets,
        "first_frame": c.first_frame,
    });
    if !c.overlay.is_none() {
        v["overlay"] = json!(c.overlay.key());
    }
    v
}

/// The whole analysis as one JSON object.
pub fn to_value(a: &Analysis, clock: Clock) -> Value {
    let clock = crate::report::clock_for(a, clock);
    let mut v = head(a, clock, true);
    if let Some(slot) = v.get_mut("offenders") {
        *slot = a
            .snapshot
            .offenders
            .iter()
            .map(|o| {
                json!(OffenderOut {
                    o,
                    host: a.host.as_deref(),
                    clock,
                    scan: scan_index(o, &a.snapshot.scans),
                    seen_on: crate::report::seen_on(o, a),
                })
            })
            .collect();
    }
    v
}

/// The same object as [`to_value`], written to `out` as it is made: the offenders one at a
/// time, so that thousands of them (a scan) never sit in memory as one tree of values.
pub fn write(
    a: &Analysis,
    clock: Clock,
    pretty: bool,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    write_with(a, clock, pretty, &Extra::default(), out)
}

/// What a caller adds to the object [`write_with`] writes.
#[derive(Debug, Default)]
pub struct Extra {
    /// Write only the first this many offenders.
    pub top: Option<usize>,
    /// Write only the offender at this endpoint (address and port), if any: the agent's
    /// `/report?endpoint=`. Everything else stays the whole report's.
    pub endpoint: Option<(IpAddr, u16)>,
    /// Fields after the contract's own, in order (a field of the contract with the same name
    /// is replaced where it stands).
    pub fields: Vec<(String, Value)>,
}

/// [`write()`] with `extra`: the agent's `/report` (the same object, with what the agent adds)
/// is written by the same code as `rstscope analyze --format json`, never built as a tree.
pub fn write_with(
    a: &Analysis,
    clock: Clock,
    pretty: bool,
    extra: &Extra,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    let clock = crate::report::clock_for(a, clock);
    // The kernel counters' points are written one at a time (see [`write_kernel`]).
    let head = head(a, clock, false);
    let Value::Object(fields) = &head else {
        return written(out, pretty, &head);
    };
    let mut json = JsonOut {
        out,
        pretty,
        scratch: Vec::new(),
    };
    let mut top = ObjectOut::begin(&mut json, 0)?;
    for (k, v) in fields {
        if let Some((_, x)) = extra.fields.iter().find(|(name, _)| name == k) {
            top.any_field(k, x)?;
        } else if k == "offenders" {
            top.key(k)?;
            offenders(top.json, a, clock, extra)?;
        } else if k == "kernel" {
            top.key(k)?;
            match this_machine(a) {
                Some(h) => write_kernel(top.json, 1, h)?,
                None => top.json.raw(b"null")?,
            }
        } else {
            top.any_field(k, v)?;
        }
    }
    for (k, v) in extra.fields.iter().filter(|(k, _)| !fields.contains_key(k)) {
        top.any_field(k, v)?;
    }
    top.end()
}

/// `value` written as serde_json writes it.
fn written(
    out: impl std::io::Write,
    pretty: bool,
    value: &impl Serialize,
) -> serde_json::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(out, value)
    } else {
        serde_json::to_writer(out, value)
    }
}

/// The offenders list, each offender made when its turn comes and written field by field.
fn offenders<W: std::io::Write>(
    json: &mut JsonOut<W>,
    a: &Analysis,
    clock: Clock,
    extra: &Extra,
) -> serde_json::Result<()> {
    let at = |o: &&Offender| {
        extra
            .endpoint
            .is_none_or(|(a, p)| o.addr == a && o.port == p)
    };
    let n = extra.top.unwrap_or(usize::MAX);
    json.raw(b"[")?;
    let mut first = true;
    for o in a.snapshot.offenders.iter().filter(at).take(n) {
        json.separator(!first, 2)?;
        first = false;
        let mut m = ObjectOut::begin(json, 2)?;
        OffenderOut {
            o,
            host: a.host.as_deref(),
            clock,
            scan: scan_index(o, &a.snapshot.scans),
            seen_on: crate::report::seen_on(o, a),
        }
        .fields(&mut m)?;
        m.end()?;
    }
    if !first && json.pretty {
        json.separator(false, 1)?;
    }
    json.raw(b"]")
}

/// Where an object's fields go, in order: a serde map (the tree [`to_value`] makes) or an
/// [`ObjectOut`] that writes them straight out.
trait Fields {
    type Error;
    /// The field `key` (a literal: plain ASCII) with `value`.
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error>;
    /// The field `key` with a number given as its JSON text, kept as it is (`1.000`, as
    /// `arbitrary_precision` keeps it); null for `None`.
    fn number(&mut self, key: &'static str, text: Option<&str>) -> Result<(), Self::Error>;
    /// The field `key` with a time, as [`time`] writes it.
    fn time(&mut self, key: &'static str, ts: Timestamp) -> Result<(), Self::Error>;
    /// The field `key` with a string (the same as [`field`](Self::field), written faster).
    fn text(&mut self, key: &'static str, text: &str) -> Result<(), Self::Error>;
}

/// [`Fields`] as entries of a serde map.
struct MapFields<M>(M);

impl<M: SerializeMap> Fields for MapFields<M> {
    type Error = M::Error;

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }

    fn number(&mut self, key: &'static str, text: Option<&str>) -> Result<(), M::Error> {
        let n: Option<Number> = text.and_then(|t| t.parse().ok());
        self.0.serialize_entry(key, &n)
    }

    fn time(&mut self, key: &'static str, ts: Timestamp) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &Secs(ts))
    }

    fn text(&mut self, key: &'static str, text: &str) -> Result<(), M::Error> {
        self.0.serialize_entry(key, text)
    }
}

/// JSON written as serde_json writes it (`to_writer_pretty` or `to_writer`), its objects'
/// keys and separators by hand: through serde_json, each of the report's ten thousand keys
/// costs some 300 instructions (its bytes scanned for escapes, the indentation two spaces per
/// write), a quarter of the report.
struct JsonOut<W> {
    out: W,
    pretty: bool,
    /// A pretty value at depth 0, before it is indented to its place.
    scratch: Vec<u8>,
}

/// A comma, a newline and pretty JSON's indentation up to eight levels deep, to write (from
/// the comma or from the newline) in one piece.
const COMMA_NEWLINE_INDENT: &[u8; 18] = b",\n                ";

impl<W: std::io::Write> JsonOut<W> {
    fn raw(&mut self, bytes: &[u8]) -> serde_json::Result<()> {
        self.out.write_all(bytes).map_err(serde_json::Error::io)
    }

    /// A comma when `comma`, and when pretty a new line indented to `depth` (two spaces a
    /// level): what comes before an object's key or an array's item.
    fn separator(&mut self, comma: bool, depth: usize) -> serde_json::Result<()> {
        let from = usize::from(!comma);
        let to = if self.pretty { 2 + 2 * depth } else { 1 };
        match COMMA_NEWLINE_INDENT.get(from..to) {
            Some(piece) => self.raw(piece),
            None => {
                self.raw(&COMMA_NEWLINE_INDENT[from..2])?;
                (0..depth).try_for_each(|_| self.raw(b"  "))
            }
        }
    }

    /// `ts` as [`unix_secs`] writes it (and so [`time`]), from its digits: no string made.
    fn secs(&mut self, ts: Timestamp) -> serde_json::Result<()> {
        let (negative, secs, micros) = super::unix_parts(ts);
        if negative {
            self.raw(b"-")?;
        }
        self.raw(itoa::Buffer::new().format(secs).as_bytes())?;
        // A million more has seven digits: a 1, then the microseconds zero-padded to six.
        let mut fraction = itoa::Buffer::new();
        let fraction = fraction.format(1_000_000 + micros).as_bytes();
        self.raw(b".")?;
        self.raw(&fraction[1..])
    }

    /// `value` at `depth`: written by serde_json, and when pretty each line of an array or
    /// object indented by `depth` levels (pretty JSON's newlines all fall between tokens: a
    /// string escapes its own).
    fn value<T: Serialize + ?Sized>(&mut self, depth: usize, value: &T) -> serde_json::Result<()> {
        if !self.pretty {
            return serde_json::to_writer(&mut self.out, value);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        serde_json::to_writer_pretty(&mut scratch, value)?;
        let result = if matches!(scratch.first(), Some(b'[' | b'{')) {
            let mut lines = scratch.split(|&b| b == b'\n');
            lines
                .next()
                .map_or(Ok(()), |line| self.raw(line))
                .and_then(|()| {
                    lines.try_for_each(|line| {
                        self.separator(false, depth)?;
                        self.raw(line)
                    })
                })
        } else {
            self.raw(&scratch)
        };
        self.scratch = scratch;
        result
    }
}

/// Whether JSON writes `key` as it is, no character escaped.
fn plain(key: &str) -> bool {
    key.bytes().all(|b| b >= b' ' && b != b'"' && b != b'\\')
}

/// Whether JSON writes `text` as it is between its quotes, nothing escaped: no quote,
/// backslash or control character. Every byte is looked at, no early exit, so that the
/// compiler checks many at once (the report's sentences and filters are most of its bytes).
fn escapes_nothing(text: &str) -> bool {
    !text.bytes().fold(false, |escaped, b| {
        escaped | (b < b' ') | (b == b'"') | (b == b'\\')
    })
}

/// One object being written to a [`JsonOut`], its fields one level deeper than itself.
struct ObjectOut<'a, W> {
    json: &'a mut JsonOut<W>,
    depth: usize,
    empty: bool,
}

impl<'a, W: std::io::Write> ObjectOut<'a, W> {
    /// Opens an object at `depth` (0 for the outermost).
    fn begin(json: &'a mut JsonOut<W>, depth: usize) -> serde_json::Result<Self> {
        json.raw(b"{")?;
        Ok(Self {
            json,
            depth,
            empty: true,
        })
    }

    /// The next key, whatever its characters, and what comes before its value.
    fn key(&mut self, key: &str) -> serde_json::Result<()> {
        if plain(key) {
            return self.plain_key(key);
        }
        self.json.separator(!self.empty, self.depth + 1)?;
        self.empty = false;
        serde_json::to_writer(&mut self.json.out, key)?;
        self.colon()
    }

    /// The next key, one that needs no escape ([`plain`]), and what comes before its value.
    fn plain_key(&mut self, key: &str) -> serde_json::Result<()> {
        self.json.separator(!self.empty, self.depth + 1)?;
        self.empty = false;
        self.json.raw(b"\"")?;
        self.json.raw(key.as_bytes())?;
        self.json.raw(b"\"")?;
        self.colon()
    }

    fn colon(&mut self) -> serde_json::Result<()> {
        self.json.raw(if self.json.pretty { b": " } else { b":" })
    }

    /// The field `key` (any characters) with `value`.
    fn any_field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> serde_json::Result<()> {
        self.key(key)?;
        self.json.value(self.depth + 1, value)
    }

    fn end(self) -> serde_json::Result<()> {
        if !self.empty && self.json.pretty {
            self.json.separator(false, self.depth)?;
        }
        self.json.raw(b"}")
    }
}

impl<W: std::io::Write> Fields for ObjectOut<'_, W> {
    type Error = serde_json::Error;

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        debug_assert!(plain(key), "{key}");
        self.plain_key(key)?;
        self.json.value(self.depth + 1, value)
    }

    fn number(&mut self, key: &'static str, text: Option<&str>) -> serde_json::Result<()> {
        debug_assert!(plain(key), "{key}");
        self.plain_key(key)?;
        self.json
            .raw(text.map_or(b"null".as_slice(), str::as_bytes))
    }

    fn time(&mut self, key: &'static str, ts: Timestamp) -> serde_json::Result<()> {
        debug_assert!(plain(key), "{key}");
        self.plain_key(key)?;
        self.json.secs(ts)
    }

    fn text(&mut self, key: &'static str, text: &str) -> serde_json::Result<()> {
        debug_assert!(plain(key), "{key}");
        self.plain_key(key)?;
        if escapes_nothing(text) {
            self.json.raw(b"\"")?;
            self.json.raw(text.as_bytes())?;
            self.json.raw(b"\"")
        } else {
            serde_json::to_writer(&mut self.json.out, text)
        }
    }
}

/// The `kernel` object as [`kernel`] makes it, written at `depth` with each counter's points
/// one at a time: after the agent's six hours a counter holds 21,600 of them, and ten
/// counters made as a tree of values took some 24 MB for each `/report` (and as much again
/// in the pretty text of the tree, before it went out).
fn write_kernel<W: std::io::Write>(
    json: &mut JsonOut<W>,
    depth: usize,
    h: &HostReport,
) -> serde_json::Result<()> {
    let mut m = ObjectOut::begin(json, depth)?;
    for k in &h.kernel {
        m.key(k.name)?;
        let mut c = ObjectOut::begin(m.json, depth + 1)?;
        c.field("total", &k.total)?;
        c.plain_key("per_second")?;
        let json = &mut *c.json;
        json.raw(b"[")?;
        let mut first = true;
        for p in k.per_second.iter() {
            json.separator(!first, depth + 3)?;
            first = false;
            json.value(depth + 3, p)?;
        }
        if !first && json.pretty {
            json.separator(false, depth + 2)?;
        }
        json.raw(b"]")?;
        c.end()?;
    }
    m.end()
}

/// The machine's report, when it is this machine's (whose kernel counters the report gives).
fn this_machine(a: &Analysis) -> Option<&HostReport> {
    a.host.as_deref().filter(|h| h.of_this_machine())
}

/// Everything of [`to_value`] but the offenders (`null` in their place); the kernel
/// counters too when `kernel_points` is false (`null`: [`write_kernel`] writes them).
/// `interface_frames`: each capture interface's frames, with a Linux `any` interface's by the
/// interface index its frames carry (`indexes`, empty for other interfaces).
fn interface_frames(cap: &CaptureInfo) -> Value {
    (0u32..)
        .zip(&cap.interfaces)
        // A file continuing an earlier one's capture (a rotated set) is no interface of its own.
        .filter(|(i, _)| !cap.continued.contains(i))
        .map(|(i, (name, frames))| {
            let indexes: Vec<Value> = (cap.index_frames.iter())
                .filter(|((at, _), _)| *at == i)
                .map(|&(place, n)| {
                    json!({"index": place.1, "name": super::place_name(cap, place), "frames": n})
                })
                .collect();
            json!({"name": name, "frames": frames, "indexes": indexes})
        })
        .collect()
}

fn head(a: &Analysis, clock: Clock, kernel_points: bool) -> Value {
    let s = &a.snapshot;
    let t = &s.totals;
    let cap = &a.capture;
    let mut states = Map::new();
    for st in ConnState::ALL {
        let n = t.conn_states[st.index()] + s.live_conn_states[st.index()];
        if n > 0 {
            states.insert(st.as_str().to_string(), json!(n));
        }
    }
    let files: Vec<Value> = (cap.files.iter().enumerate())
        .map(|(n, f)| {
            let not_decoded: Map<String, Value> = (cap.not_decoded_in(n))
                .map(|(k, n)| (k.key(), json!(n)))
                .collect();
            json!({
                "path": f.path.display().to_string(),
                "format": f.format.key(),
                "gzip": f.compression == Some(Compression::Gzip),
                "compression": f.compression.map(Compression::name),
                "archive": f.archive.as_ref().map(|a| json!({
                    "path": a.archive.display().to_string(),
                    "member": a.member,
                    "method": a.method,
                })),
                // A pipe has no size: what was read from it is, as the text report says.
                "size": f.size.max(f.bytes_read),
                "frames": f.frames,
                "first_packet": f.first_ts.map(time),
                "last_packet": f.last_ts.map(time),
                "steps_back": f.steps_back,
                "first_step_back": f.first_step_back.map(|b| json!({
                    "frame": b.frame,
                    "time": time(b.ts),
                    "back": number(b.back_ns as f64 / 1e9, 6),
                })),
                "not_decoded": not_decoded,
                "lost": f.lost,
            })
        })
        .collect();
    let link_types: Vec<Value> = cap
        .link_types
        .iter()
        .map(|(lt, n)| json!({"link_type": lt.0, "name": link_type_name(*lt), "frames": n}))
        .collect();
    let not_decoded: Map<String, Value> = cap
        .not_decoded
        .iter()
        .map(|(k, n)| (k.key(), json!(n)))
        .collect();
    // Made apart: within the one `json!` below, it took the macro past its recursion limit.
    let coverage = a
        .host
        .as_deref()
        .and_then(|h| h.coverage.as_ref())
        .map(|c| {
            json!({
                "kernel_failed": c.kernel_failed,
                "captured_failed": c.captured_failed,
                "kernel_rsts": c.kernel_rsts,
                "captured_rsts": c.captured_rsts,
                "note": c.note,
            })
        });
    json!({
        "schema_version": SCHEMA_VERSION,
        "files": files,
        "link_types": link_types,
        // Not `interfaces`: `rstscope capture`'s JSON has its own, of libpcap's counts.
        "interface_frames": interface_frames(cap),
        "first_packet": t.first_ts.map(time),
        "last_packet": t.last_ts.map(time),
        "live": own_time(cap, true),
        "recorded": own_time(cap, false),
        "packets": cap.frames,
        "tcp_packets": t.tcp_packets,
        "rst_packets": t.rst_packets,
        "syn_packets": t.syn_packets,
        "synack_packets": t.synack_packets,
        "attempts": t.attempts,
        "failed_attempts": t.failed_attempts,
        "rst_by_cause": causes(&t.rst_by_cause),
        "suspect_injected": t.suspect_injected,
        "conn_states": states,
        "rst_per_second": per_second(&s.series, SecondCounts::rst_total),
        "failed_per_second": per_second(&s.series, |c| c.failed()),
        "dropped_per_second": per_second(&s.series, |c| c.dropped),
        "late_answers": t.late_answers,
        "late_answers_per_second": per_second(&s.series, |c| c.late),
        "per_minute_before": s.minutes_before,
        "new_captures": t.new_captures,
        "not_decoded": not_decoded,
        "tunnelled_tcp": cap
            .tunnelled_tcp()
            .iter()
            .map(|(t, n)| (t.key().to_owned(), json!(n)))
            .collect::<Map<String, Value>>(),
        "past_networks": (cap.past_networks.iter())
            .map(|(&k, n)| (Overlay::past(k).key(), json!(n)))
            .collect::<Map<String, Value>>(),
        "copies": {
            "frames": cap.copies.total(),
            "by_packet_id": cap.copies.by_packet_id,
            "by_content": cap.copies.by_content,
            "repeated": cap.copies.repeated,
            "rst_packets": cap.copies.resets,
            "syn_packets": cap.copies.syns,
            "across_files": cap.two_points.iter().map(|p| p.packets).sum::<u64>(),
        },
        "dropped": {
            "frames": cap.dropped.frames,
            "tcp_packets": t.dropped_packets,
            "syn_packets": t.dropped_syn,
            "rst_packets": t.dropped_rst,
            "earlier_records": cap.dropped.earlier_records,
            "analyzed_before": cap.dropped.analyzed_before,
        },
        "other_packets": cap.other_frames,
        "evicted_connections": t.evicted,
        "other_endpoints": json!({
            "dropped": s.other_endpoints.dropped,
            "rst_packets": s.other_endpoints.rst_packets(),
            "rst_by_cause": causes(&s.other_endpoints.rst_by_cause),
            "failed_attempts": s.other_endpoints.failed_attempts,
            "attempts": s.other_endpoints.attempts,
        }),
        "warnings": cap.warnings_in(clock),
        "scans": s.scans.iter().map(|x| scan(x, clock)).collect::<Vec<Value>>(),
        "scans_found": {
            "port-scan": s.scans_found.port_scans,
            "sweep": s.scans_found.sweeps,
        },
        "offenders": Value::Null,
        "kernel": this_machine(a).filter(|_| kernel_points).map(kernel),
        "coverage": coverage,
        "host_notes": a.host.as_deref().map(|h| h.notes.clone()).unwrap_or_default(),
        "host": a.host.as_deref().and_then(host),
    })
}

/// A writer of JSON in ASCII alone: each character past ASCII as its `\uXXXX` escape (two for
/// one past the Basic Multilingual Plane), which every JSON reader reads as the character.
/// For output read in a code page other than UTF-8 (PowerShell reading a pipe on Windows: see
/// [`crate::host::locale::stdout_is_read_in_a_code_page`]), where the UTF-8 of `…` or `ö` came
/// out garbled. Such characters appear in JSON's strings only, so the bytes can be escaped as
/// they come; a character cut between two writes waits for its end.
pub struct AsciiOnly<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> AsciiOnly<W> {
    /// Writes to `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: std::io::Write> std::io::Write for AsciiOnly<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            // A character cut at the end: the rest comes with the next write.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => {
                self.pending.clear();
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e));
            }
        };
        let text = String::from_utf8_lossy(&self.pending[..whole]);
        self.inner.write_all(ascii_escaped(&text).as_bytes())?;
        self.pending.drain(..whole);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `json` with each character past ASCII as its `\uXXXX` escape (see [`AsciiOnly`]).
pub fn ascii_escaped(json: &str) -> std::borrow::Cow<'_, str> {
    if json.is_ascii() {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The capture's own time ([`CaptureInfo::captured`]) as `{start, end}` when it is a live
/// capture's (`live`) or the files' recorded one (not `live`), else null.
fn own_time(cap: &CaptureInfo, live: bool) -> Value {
    match cap.captured {
        Some(c) if c.live == live => json!({"start": time(c.start), "end": time(c.end)}),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `program` (its name the file's) failed to start 3 times from 1 s to 5 s, each run
    /// killed by SIGSEGV within 40 ms, linked by the timing alone; nothing else known.
    fn failing_start(program: &str) -> FailingStart {
        FailingStart {
            exit_status: None,
            signal: Some(11),
            killed: 3,
            supervised: false,
            ..crate::host::restarts::failing_start(program, 1, 5)
        }
    }

    /// A loop over is told with the start that went well; one going on with null.
    #[test]
    fn a_failing_start_says_when_it_recovered() {
        use crate::host::restarts::{Recovered, RecoveredHow};
        let mut f = failing_start("/opt/x/bin/collector");
        let out = |f: &FailingStart| serde_json::to_value(FailingStartOut(f)).expect("json");
        assert!(out(&f).get("recovered").is_some_and(Value::is_null));
        f.recovered = Some(Recovered {
            at: Timestamp(7_500_000_000),
            how: RecoveredHow::KeptRunning,
        });
        let recovered = &out(&f)["recovered"];
        assert_eq!(recovered["at"].as_f64(), Some(7.5));
        assert_eq!(recovered["how"], "kept-running");
        assert!(
            out(&f).get("container").is_some_and(Value::is_null),
            "the host's"
        );
    }

    /// A program's runs say the network namespaces they ran in against the live capture's:
    /// all in it, in others too, in others only, or null where either is not known; and a
    /// report read back from a file saved by the live capture says the same. Regression (s50):
    /// the relation was made from the namespaces' numbers when the JSON was written, which a
    /// file does not keep (they are this boot's), so the file's report said null where the
    /// live one said "capture".
    #[test]
    fn a_failing_start_says_whether_it_ran_in_another_network_namespace() {
        let mut f = FailingStart {
            net_ns: vec![4026531840],
            ..failing_start("/opt/x/crasher")
        };
        let out = |f: &FailingStart, capture: Option<u64>| {
            let f = FailingStart {
                net_ns_relation: capture.and_then(|ns| f.net_ns_relation_to(ns)),
                ..f.clone()
            };
            let live = serde_json::to_value(FailingStartOut(&f)).expect("json");
            // As a saved capture holds it, and a report read back from it writes it.
            let saved: FailingStart =
                serde_json::from_str(&serde_json::to_string(&f).expect("saved")).expect("read");
            assert!(saved.net_ns.is_empty(), "no namespace numbers saved");
            let read = serde_json::to_value(FailingStartOut(&saved)).expect("json");
            assert_eq!(live["net_ns"], read["net_ns"], "saved and read back");
            assert_eq!(
                live["net_ns_unread"], read["net_ns_unread"],
                "saved and read back"
            );
            live["net_ns"].clone()
        };
        assert_eq!(out(&f, Some(4026531840)), "capture");
        assert_eq!(out(&f, Some(4026532999)), "others");
        assert_eq!(out(&f, None), Value::Null, "the capture's not known");
        f.net_ns.push(4026532999);
        assert_eq!(out(&f, Some(4026531840)), "capture-and-others");
        assert_eq!(out(&f, Some(4026532999)), "capture-and-others");
        assert_eq!(out(&f, Some(4026533000)), "others");
        // Some runs' not read, none of those read in the capture's: whether it ran there is
        // not known, and net_ns_unread says why; one read there is enough.
        f.net_ns_unread = Some(crate::host::restarts::NetNsUnread::Gone);
        assert_eq!(out(&f, Some(4026533000)), Value::Null, "a run's not known");
        assert_eq!(out(&f, Some(4026531840)), "capture-and-others");
        let unread = serde_json::to_value(FailingStartOut(&f)).expect("json");
        assert_eq!(unread["net_ns_unread"], "gone");
        f.net_ns.clear();
        assert_eq!(out(&f, Some(4026531840)), Value::Null, "none read");
        f.net_ns_unread = None;
        let read = serde_json::to_value(FailingStartOut(&f)).expect("json");
        assert_eq!(read["net_ns_unread"], Value::Null);
    }

    /// The journal's former owner says where it ran as to network namespaces, where told.
    #[test]
    fn a_former_owner_says_its_network_namespace_where_told() {
        use crate::host::journal::{FormerOwner, OwnerNetNs, UnitNow};
        let mut f = FormerOwner::collector(Timestamp(0), Timestamp(0), UnitNow::Running);
        let out = |f: &FormerOwner| serde_json::to_value(FormerOwnerOut(f)).expect("json");
        assert_eq!(out(&f)["net_ns"], Value::Null);
        f.net_ns = Some(OwnerNetNs::Unknown);
        assert_eq!(out(&f)["net_ns"], "unknown");
        f.net_ns = Some(OwnerNetNs::Capture);
        assert_eq!(out(&f)["net_ns"], "capture");
    }

    /// A program that failed in a container says which, and whether its file was read there.
    #[test]
    fn a_failing_start_in_a_container_names_it() {
        use crate::host::container::Container;
        use crate::host::restarts::Elsewhere;
        let mut f = FailingStart {
            starts: 5,
            longest_ns: 1_000_000,
            exit_status: Some(127),
            signal: None,
            killed: 0,
            elsewhere: Some(Elsewhere {
                container: Some(Container {
                    runtime: "docker".into(),
                    id: "3f2a9c1e0b7d".into(),
                    pod: None,
                }),
                cgroup: Some("/system.slice/docker-3f2a9c1e0b7d.scope".into()),
                file_read: false,
            }),
            ..failing_start("/opt/x/collector")
        };
        let out = |f: &FailingStart| serde_json::to_value(FailingStartOut(f)).expect("json");
        assert_eq!(
            out(&f)["container"],
            json!({"runtime": "docker", "id": "3f2a9c1e0b7d", "pod": null,
                   "cgroup": "/system.slice/docker-3f2a9c1e0b7d.scope", "file_read": false})
        );
        f.elsewhere = Some(Elsewhere {
            container: None,
            cgroup: None,
            file_read: true,
        });
        assert_eq!(
            out(&f)["container"],
            json!({"runtime": null, "id": null, "pod": null, "cgroup": null, "file_read": true})
        );
    }

    /// The analysis of the sample capture shipped in `resources/`.
    fn sample() -> Analysis {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        crate::analysis::analyze_files(&[path], crate::analysis::Options::default())
            .expect("sample")
    }

    #[test]
    fn the_report_written_as_it_is_made_is_the_value() {
        let a = sample();
        for pretty in [false, true] {
            let mut out = Vec::new();
            write(&a, Clock::Utc, pretty, &mut out).expect("written");
            let back: Value = serde_json::from_slice(&out).expect("JSON");
            assert_eq!(back, to_value(&a, Clock::Utc));
            assert_eq!(back["offenders"].as_array().map(Vec::len), Some(1));
        }
    }

    /// The sample's analysis with every optional part of the contract present: suspect
    /// resets (both sides, with and without a frame), RST payloads needing escapes, and a live
    /// capture's host side (a listener now and earlier, client processes, the journal's former
    /// owner, kernel counters, coverage, notes).
    fn every_field() -> Analysis {
        use crate::engine::SuspectRst;
        use crate::engine::cause::Suspicion;
        use crate::host::SightingSource;
        use crate::host::clients::{ClientProcess, EndpointClients};
        use crate::host::history::ListenerStatus;
        use crate::host::processes::ProcessInfo;
        use crate::host::state::{Coverage, EndpointHost, KernelCounter};
        let mut a = sample();
        // As a live capture's (whose files list is empty): from a second before its first
        // packet to two after its last.
        let t = &a.snapshot.totals;
        a.capture.captured =
            t.first_ts
                .zip(t.last_ts)
                .map(|(first, last)| crate::analysis::CaptureTime {
                    start: first.plus_secs(-1),
                    end: last.plus_secs(2),
                    live: true,
                });
        a.capture.files[0].path = "mailed.zip:sample-7211.pcapng".into();
        a.capture.files[0].archive = Some(crate::source::Archived {
            archive: "mailed.zip".into(),
            member: "sample-7211.pcapng".into(),
            method: "deflate",
        });
        let at = |s: i64| Timestamp::from_parts(1_796_119_000 + s, 250_000_000);
        // The file's time steps back twice: its fields, and the warning that says so.
        a.capture.files[0].steps_back = 2;
        // A packet the capturing host dropped, in its second, and an attempt answered late
        // (the offender's `resends` below count two).
        if let Some((_, c)) = a.snapshot.series.last_mut() {
            c.dropped = 1;
            c.late = 1;
        }
        a.snapshot.totals.late_answers = 2;
        (a.capture.past_networks).insert(crate::packet::OverlayKind::Vxlan, 12);
        // Two interfaces, a Linux `any` capture's among them: its offender seen on both, the
        // `any` capture's by the interface index its frames carry, named.
        a.capture.interfaces = vec![("any".into(), 30), ("eth0".into(), 10)];
        a.capture.index_names = vec![(0, 1, "lo".into())];
        // Its frames by interface index: 1 named, 4 not.
        a.capture.index_frames = vec![((0, 1), 22), ((0, 4), 8)];
        a.snapshot.places = vec![(1, 0), (0, 1)];
        for o in &mut a.snapshot.offenders {
            o.seen_on.note(0);
            o.seen_on.note(1);
        }
        a.capture.files[0].first_step_back = Some(crate::source::StepBack {
            frame: 21,
            ts: Timestamp::from_parts(1_795_784_955, 100_000_000),
            back_ns: 1_500_250_000,
        });
        // Frames not decoded, in all and in the file that holds them.
        let truncated = std::collections::BTreeMap::from([(crate::decode::Skip::Truncated, 2)]);
        a.capture.not_decoded = truncated.clone();
        a.capture.not_decoded_by_file = vec![truncated];
        // Frames its writer counted lost (pcapng statistics blocks).
        a.capture.files[0].lost = 35_854;
        let o = &mut a.snapshot.offenders[0];
        o.rst_payloads = vec!["HTTP/1.1 400 \"bad\"\r\n\u{1b}[0m ü".into()].into();
        o.rst_payloads_not_kept = 3;
        // One attempt answered only after its SYN was sent again, one given up on after it:
        // every field of `resends` present.
        o.resends = crate::engine::offenders::Resends {
            syns: 3,
            late: 2,
            late_at_once: 2,
            late_ms: (2_001, 3_002),
            late_together: 1,
            last_late: (0, 0),
            unanswered_resent: 1,
            unanswered_longest_ms: 3_000,
        };
        o.suspects = vec![
            SuspectRst {
                at: at(1),
                frame: Some(7),
                client: ("127.0.0.1".parse().expect("ip"), 40_001),
                from_server: true,
                cause: crate::engine::Cause::Refused,
                suspicion: Suspicion {
                    not_acceptable: true,
                    ttl: Some((64, 57)),
                    ip_id: Some((100, 4_000)),
                },
            },
            SuspectRst {
                at: at(2),
                frame: None,
                client: ("::1".parse().expect("ip"), 40_002),
                from_server: false,
                cause: crate::engine::Cause::HandshakeReset,
                suspicion: Suspicion {
                    not_acceptable: false,
                    ttl: None,
                    ip_id: None,
                },
            },
        ]
        .into();
        o.series_from = Some(1_796_118_990);
        let (addr, port) = (o.addr, o.port);
        // The sample's endpoint as one host of a sweep, every answer present.
        let scan = Arc::new(Scan {
            kind: ScanKind::Sweep { port },
            client: "10.0.0.9".parse().expect("ip"),
            targets: 27,
            targets_at_least: true,
            lowest: (
                "10.0.0.1".parse().expect("ip"),
                port,
                crate::packet::Overlay::NONE,
            ),
            highest: (addr, port, crate::packet::Overlay::NONE),
            attempts: 30,
            failed_attempts: 24,
            completed: 1,
            half_open: 2,
            reset_by_client: 1,
            refused: 20,
            unanswered: 2,
            unanswered_at_end: 1,
            other: 1,
            open_named: vec![(
                "10.0.0.2".parse().expect("ip"),
                port,
                crate::packet::Overlay::NONE,
            )],
            refused_named: vec![(addr, port, crate::packet::Overlay::NONE)],
            open_targets: Vec::new(),
            first_seen: Some(at(0)),
            last_seen: Some(at(3)),
            rate_over: None,
            typical_attempts: 1,
            retried_named: vec![(
                (
                    "10.0.0.3".parse().expect("ip"),
                    port,
                    crate::packet::Overlay::NONE,
                ),
                6,
            )],
            retried: 1,
            not_kept: 3,
        });
        o.scan = Some(Arc::clone(&scan));
        a.snapshot.scans = vec![scan];
        a.snapshot.scans_found = crate::engine::ScansFound {
            port_scans: 3,
            sweeps: 1,
        };
        let process = |pid: u32, name: &str| ProcessInfo {
            pid,
            name: name.into(),
            exe: Some(format!("/usr/local/bin/{name}")),
            cmdline: Some(format!("{name} --port 7211")),
            user: Some("svc".into()),
            started: Some(1_796_118_000),
            services: vec![format!("{name}.service")],
            script: None,
            restricted: false,
        };
        let record = |pid: u32, from: i64, to: i64| ListenerRecord {
            addr: std::net::SocketAddr::new(addr, port),
            process: process(pid, "collector"),
            first_seen: at(from),
            last_seen: at(to),
        };
        let host = crate::host::state::HostReport {
            sampled: Some((at(0), at(9))),
            samples: 10,
            kernel: vec![KernelCounter {
                name: "AttemptFails",
                total: 18,
                per_second: vec![(1_796_119_000, 2), (1_796_119_001, 16)].into(),
            }],
            endpoints: vec![EndpointHost {
                addr,
                port,
                listener: ListenerStatus {
                    now: Some(record(4_400, 6, 9)),
                    earlier: vec![record(4_312, 0, 3)],
                },
                clients: EndpointClients {
                    processes: vec![ClientProcess {
                        pid: 5_001,
                        name: "reporter".into(),
                        script: None,
                        source: SightingSource::ConnectTrace,
                        sources: Vec::new(),
                        connections: 17,
                        processes: 1,
                    }],
                    not_observed: 1,
                    remote: 2,
                    more: 3,
                },
                client_details: vec![process(5_001, "reporter")],
                local: true,
                former_owner: Some(FormerOwner::collector(
                    at(-86_400),
                    at(-60),
                    UnitNow::Failed {
                        result: Some("exit-code".into()),
                        exit: Some("exited, status=127/n/a".into()),
                        restarts: Some(5),
                    },
                )),
                listener_end: None,
                failing_starts: Vec::new(),
                machine: None,
                untold: None,
            }],
            coverage: Some(Coverage {
                kernel_failed: 18,
                captured_failed: 17,
                kernel_rsts: 20,
                captured_rsts: 19,
                note: "one failure was not captured".into(),
            }),
            notes: vec!["a note".into()],
            // Over, and cut to the endpoint's port as a file of its packets is: when the
            // listeners were read, and which port they are of, are written too.
            ended: true,
            listening_port: Some(port),
            listening: vec![record(4_400, 6, 9)],
            gone: vec![record(4_312, 0, 3)],
            // The machine-wide list: a program no endpoint's diagnosis told, its runs in the
            // capture's network namespace.
            failing_starts: vec![FailingStart {
                net_ns: vec![4_026_531_840],
                net_ns_relation: Some(NetNsRelation::Capture),
                ..failing_start("/opt/x/bin/indexer")
            }],
            ..Default::default()
        };
        a.host = Some(std::sync::Arc::new(host));
        a
    }

    /// The whole report, every optional field present, byte for byte as the contract was
    /// first written (tests/snapshots/every-field.json): a field renamed, moved or
    /// formatted differently fails here, whichever way the report is made.
    #[test]
    fn every_field_is_written_as_the_contract_has_it() {
        let a = every_field();
        let mut out = Vec::new();
        write(&a, Clock::Utc, true, &mut out).expect("written");
        let expected = include_str!("../../tests/snapshots/every-field.json");
        let written = String::from_utf8(out).expect("UTF-8");
        if std::env::var_os("RSTSCOPE_BLESS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/snapshots/every-field.json"
            );
            std::fs::write(path, &written).expect("blessed");
        }
        assert_eq!(written, expected);
        let value = serde_json::to_string_pretty(&to_value(&a, Clock::Utc)).expect("JSON");
        assert_eq!(value, expected);
    }

    /// Regression: the diagnosis in the JSON said "(2.0/s, 13:09:12-13:09:21)" and "listens on
    /// 7211 again since 09:56:46" (now, the capture over, "listened ... until the capture
    /// ended (...)"): times of day with no date and no zone, in a report a team
    /// reads on hosts in other zones. Each is RFC 3339 with its offset, as the contract's
    /// times are UTC-anchored Unix seconds.
    #[test]
    fn times_in_the_diagnosis_carry_their_date_and_zone() {
        let v = to_value(&every_field(), Clock::Utc);
        for d in [&v["scans"][0]["diagnosis"], &v["offenders"][0]["diagnosis"]] {
            let d = d.as_str().expect("a sentence");
            assert!(
                d.contains("2026-12-01T09:56:40Z to 2026-12-01T09:56:43Z"),
                "{d}"
            );
            assert_eq!(crate::report::tests::bare_time(d), None, "{d}");
        }
        let own = v["offenders"][0]["diagnosis"].as_str().expect("a sentence");
        assert!(
            own.contains(
                "again from 2026-12-01T09:56:46Z until the capture ended (2026-12-01T09:56:49Z)"
            ),
            "{own}"
        );
    }

    /// Regression: the agent's `/report?since=10m` said "refused all 99 connection attempts"
    /// (the window's count) and then "Connecting: bash (pid 14637) and 120 processes of that
    /// name before it, 121 incidents", the whole run's, as if both were the window's.
    #[test]
    fn a_window_says_its_connecting_processes_are_counted_over_the_whole_capture() {
        let mut a = every_field();
        let whole = to_value(&a, Clock::Utc)["offenders"][0]["diagnosis"].clone();
        assert!(
            whole
                .as_str()
                .is_some_and(|d| d.contains("Connecting: reporter")),
            "{whole}"
        );
        let o = &a.snapshot.offenders[0];
        let from = o.first_seen.second() + 2;
        a.snapshot.offenders[0] = o.restricted(from, i64::MAX).expect("incidents after");
        let cut = to_value(&a, Clock::Utc)["offenders"][0]["diagnosis"].clone();
        assert!(
            cut.as_str()
                .is_some_and(|d| d.contains("Connecting, over the whole capture: reporter")),
            "{cut}"
        );
        assert_eq!(
            to_value(&a, Clock::Utc)["offenders"][0]["client_processes_counted_over"],
            "whole_capture"
        );
    }

    #[test]
    fn the_former_owner_names_its_unit_and_how_it_ended() {
        let f = FormerOwner::collector(
            Timestamp::from_parts(1_796_025_601, 0),
            Timestamp::from_parts(1_796_119_080, 0),
            UnitNow::Restarting {
                exit: Some("exited, status=127/n/a".into()),
                restarts: Some(3),
            },
        );
        assert_eq!(
            json!(FormerOwnerOut(&f)),
            json!({
                "source": "journal",
                "unit": "collector.service",
                "container": null,
                "process": "collector",
                "pid": 4312,
                "exe": null,
                "said": "listening on :7211",
                "said_at": time(f.said_at),
                "state": {
                    "now": "restarting",
                    "since": time(Timestamp::from_parts(1_796_119_080, 0)),
                    "result": null,
                    "exit": "exited, status=127/n/a",
                    "restarts": 3,
                    "last_words": null,
                },
                "net_ns": null,
            })
        );
    }

    #[test]
    fn a_listener_seen_going_has_its_ending_from_the_journal() {
        let since = Timestamp::from_parts(1_796_119_080, 0);
        let end = ListenerEnd {
            pid: 4312,
            unit: "collector.service".into(),
            state: UnitState {
                since,
                now: UnitNow::Failed {
                    result: Some("exit-code".into()),
                    exit: Some("exited, status=127/n/a".into()),
                    restarts: Some(5),
                },
                last_words: Some("error while loading shared libraries: libzmq.so.5".into()),
            },
        };
        assert_eq!(
            json!(ListenerEndOut(&end)),
            json!({
                "source": "journal",
                "pid": 4312,
                "unit": "collector.service",
                "state": {
                    "now": "failed",
                    "since": time(since),
                    "result": "exit-code",
                    "exit": "exited, status=127/n/a",
                    "restarts": 5,
                    "last_words": "error while loading shared libraries: libzmq.so.5",
                },
            })
        );
    }

    /// The report written field by field is byte for byte what serde_json writes of its
    /// tree, pretty and compact, with every optional part and with a caller's fields.
    #[test]
    fn the_report_written_by_hand_is_serde_jsons_to_the_byte() {
        let fields = vec![
            ("warnings".to_string(), json!(["replaced"])),
            (
                "agent \"x\"\n".to_string(),
                json!({"version": "x", "nested": [[], {}, [1]]}),
            ),
        ];
        let elsewhere = ("192.0.2.1".parse().expect("address"), 9);
        for a in [sample(), every_field()] {
            // All offenders; none (`top` 0, or an endpoint with none).
            for (top, endpoint) in [(None, None), (Some(0), None), (None, Some(elsewhere))] {
                let extra = Extra {
                    top,
                    endpoint,
                    fields: fields.clone(),
                };
                let mut expected = to_value(&a, Clock::Utc);
                if top.is_some() || endpoint.is_some() {
                    expected["offenders"] = json!([]);
                }
                for (k, v) in &extra.fields {
                    expected[k] = v.clone();
                }
                for pretty in [false, true] {
                    let mut out = Vec::new();
                    write_with(&a, Clock::Utc, pretty, &extra, &mut out).expect("written");
                    let want = if pretty {
                        serde_json::to_string_pretty(&expected)
                    } else {
                        serde_json::to_string(&expected)
                    };
                    assert_eq!(String::from_utf8(out).expect("UTF-8"), want.expect("JSON"));
                }
            }
        }
    }

    #[test]
    fn text_said_to_need_no_escape_is_what_serde_json_writes() {
        let texts = [
            "",
            "plain text, 1.2.3.4:80 and [2001:db8::1]:443",
            "quote \" inside",
            "back\\slash",
            "tab\tnewline\n",
            "\u{1}\u{1f}\u{7f}",
            "ünïcode … 捕获 𝄞",
            "a long sentence with a quote at its very end, past the first sixteen bytes\"",
        ];
        for text in texts {
            let mut out = Vec::new();
            let mut json = JsonOut {
                out: &mut out,
                pretty: true,
                scratch: Vec::new(),
            };
            let mut object = ObjectOut::begin(&mut json, 0).expect("written");
            object.text("text", text).expect("written");
            object.end().expect("written");
            let want = serde_json::to_string_pretty(&json!({ "text": text })).expect("JSON");
            assert_eq!(String::from_utf8(out).expect("UTF-8"), want, "{text:?}");
            let serde_escapes = serde_json::to_string(text).expect("JSON").len() != text.len() + 2;
            assert_eq!(escapes_nothing(text), !serde_escapes, "{text:?}");
        }
    }

    #[test]
    fn times_written_from_digits_are_unix_secs() {
        let nanos = [
            0,
            1,
            999,
            1_000,
            -1,
            -1_000,
            -500_000_000,
            -1_000_000_000,
            1_710_234_003_003_414_999,
            -1_710_234_003_000_000_001,
            i64::MAX,
            i64::MIN,
        ];
        for n in nanos {
            let mut json = JsonOut {
                out: Vec::new(),
                pretty: true,
                scratch: Vec::new(),
            };
            json.secs(Timestamp(n)).expect("written");
            let text = String::from_utf8(json.out).expect("UTF-8");
            assert_eq!(text, unix_secs(Timestamp(n)), "{n}");
            assert_eq!(serde_json::to_string(&Secs(Timestamp(n))).ok(), Some(text));
        }
    }

    #[test]
    fn extra_fields_follow_the_contract_and_top_cuts_the_offenders() {
        let a = sample();
        let extra = Extra {
            top: Some(0),
            endpoint: None,
            fields: vec![
                ("agent".into(), json!({"version": "x"})),
                ("warnings".into(), json!(["replaced"])),
            ],
        };
        let mut out = Vec::new();
        write_with(&a, Clock::Utc, true, &extra, &mut out).expect("written");
        let back: Value = serde_json::from_slice(&out).expect("JSON");
        let mut expected = to_value(&a, Clock::Utc);
        expected["offenders"] = json!([]);
        expected["warnings"] = json!(["replaced"]);
        expected["agent"] = json!({"version": "x"});
        assert_eq!(back, expected);
        let keys: Vec<&String> = back.as_object().expect("object").keys().collect();
        assert_eq!(keys.last().map(|k| k.as_str()), Some("agent"));
    }

    /// Regression: PowerShell reading `analyze --format json` through a pipe decoded its UTF-8
    /// in the console's code page, and ConvertFrom-Json got `ΓÇª` for the `…` of a cut payload.
    #[test]
    fn json_in_ascii_alone_reads_back_the_same() {
        use std::io::Write;
        let value = serde_json::json!({
            "path": "C:\\Users\\Jörg\\捕获 1.pcapng",
            "rst_payloads": ["BIG-IP: TCP RST from remote syste… (cut)", "𝄞"],
        });
        let json = serde_json::to_string_pretty(&value).expect("json");
        let escaped = ascii_escaped(&json);
        assert!(escaped.is_ascii(), "{escaped}");
        assert!(
            escaped.contains("J\\u00f6rg") && escaped.contains("\\ud834\\udd1e"),
            "{escaped}"
        );
        let back: Value = serde_json::from_str(&escaped).expect("valid JSON");
        assert_eq!(back, value);
        // Written a byte at a time, characters cut between writes.
        let mut out = AsciiOnly::new(Vec::new());
        for b in json.as_bytes() {
            out.write_all(std::slice::from_ref(b)).expect("write");
        }
        assert_eq!(String::from_utf8(out.inner).expect("ascii"), escaped);
        assert!(matches!(
            ascii_escaped("{}"),
            std::borrow::Cow::Borrowed("{}")
        ));
    }
}
