//! The JSON object `rstscope analyze --format json` prints. Its fields are a stable contract
//! (docs/json.md): fields may be added, never renamed or removed.

use serde_json::{Map, Number, Value, json};

use super::{
    Clock, bpf_filter, bpf_filters, endpoint, full_diagnosis, unix_secs, wireshark_filter,
};
use crate::analysis::Analysis;
use crate::decode::link_type_name;
use crate::engine::{Cause, ConnRecord, ConnState, Offender, SecondCounts};
use crate::host::history::ListenerRecord;
use crate::host::journal::{FormerOwner, UnitNow};
use crate::host::state::HostReport;
use crate::packet::Timestamp;
use crate::source::Format;

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

fn causes(counts: &[u64; 5]) -> Value {
    Value::Object(
        Cause::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), json!(counts[c.index()])))
            .collect(),
    )
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

fn offender(o: &Offender, host: Option<&HostReport>, clock: Clock) -> Value {
    let e = host.and_then(|h| h.endpoint(o.addr, o.port));
    let sampled = host.is_some_and(|h| h.samples > 0);
    json!({
        "endpoint": endpoint(o.addr, o.port),
        "address": o.addr.to_string(),
        "port": o.port,
        "service": crate::services::name(o.port),
        "rst_packets": o.rst_packets,
        "rst_by_cause": causes(&o.rst_by_cause),
        "rst_from_server": o.rst_from_server,
        "rst_from_client": o.rst_from_client,
        "suspect_injected": o.suspect_injected,
        "attempts": o.attempts,
        "completed_attempts": o.completed,
        "failed_attempts": o.failed_attempts,
        "failed_by": {
            "refused": o.failed_refused,
            "reset": o.failed_reset,
            "unanswered": o.failed_unanswered,
        },
        "refusal_retries": o.refusal_retries,
        "clients": o.clients,
        "clients_at_least": o.clients_at_least,
        "incidents": o.incidents,
        "first_seen": time(o.first_seen),
        "last_seen": time(o.last_seen),
        "avg_rate": number(o.avg_rate, 3),
        "peak_rate": o.peak_rate,
        "peak_second": o.peak_second,
        "series_from": o.series_from,
        "rst_payloads": o.rst_payloads,
        "suspects": o.suspects.iter().map(|s| json!({
            "time": time(s.at),
            "frame": s.frame,
            "from": if s.from_server { "endpoint" } else { "client" },
            "client": endpoint(s.client.0, s.client.1),
            "not_acceptable": s.suspicion.not_acceptable,
            "ttl": s.suspicion.ttl.map(|(ttl, usual)| json!({ "reset": ttl, "others": usual })),
            "ip_id": s.suspicion.ip_id.map(|(id, last)| json!({ "reset": id, "sequence_at": last })),
        })).collect::<Vec<_>>(),
        "wireshark_filter": wireshark_filter(o.addr, o.port),
        "bpf_filter": bpf_filter(o),
        "bpf_filters": bpf_filters(o.addr, o.port, o.encaps.as_slice()).iter().map(|f| json!({
            "link_type": f.link_type.0,
            "name": link_type_name(f.link_type),
            "filter": f.filter,
            "note": f.note,
        })).collect::<Vec<_>>(),
        "diagnosis_kind": o.diagnosis().kind.as_str(),
        "diagnosis": full_diagnosis(o, host, clock),
        "listener": e.filter(|e| sampled && e.local).map(|e| json!({
            "now": e.listener.now.as_ref().map(listener),
            "earlier": e.listener.earlier.iter().map(listener).collect::<Vec<_>>(),
            "former_owner": e.former_owner.as_ref().map(former_owner),
        })),
        "client_processes": e.map(|e| e.clients.processes.iter().map(|p| {
            let details = e.client_details.iter().find(|d| d.pid == p.pid);
            json!({
                "pid": p.pid,
                "name": p.name,
                "exe": details.and_then(|d| d.exe.clone()),
                "services": details.map(|d| d.services.clone()).unwrap_or_default(),
                "connections": p.connections,
                "processes": p.processes,
                "source": p.source.as_str(),
            })
        }).collect::<Vec<_>>()).unwrap_or_default(),
        "client_processes_not_observed": e.map_or(0, |e| e.clients.not_observed),
        "client_processes_other_machines": e.map_or(0, |e| e.clients.remote),
        "client_processes_more": e.map_or(0, |e| e.clients.more),
    })
}

/// One listener record: the process and when it was seen listening.
fn listener(r: &ListenerRecord) -> Value {
    json!({
        // A listener whose process cannot be seen (another PID namespace) has no PID.
        "pid": (r.process.pid != crate::host::sockets::UNSEEN_PID).then_some(r.process.pid),
        "name": r.process.name,
        "exe": r.process.exe,
        "cmdline": r.process.cmdline,
        "user": r.process.user,
        "started": r.process.started,
        "services": r.process.services,
        "address": endpoint(r.addr.ip(), r.addr.port()),
        "first_seen": time(r.first_seen),
        "last_seen": time(r.last_seen),
    })
}

/// Who the system journal shows listening on the port last, and how its unit ended.
fn former_owner(f: &FormerOwner) -> Value {
    let state = f.state.as_ref().map(|s| {
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
        json!({
            "now": now,
            "since": time(s.since),
            "result": result,
            "exit": exit,
            "restarts": restarts,
            "last_words": s.last_words,
        })
    });
    json!({
        "source": "journal",
        "unit": f.unit,
        "container": f.container,
        "process": f.process,
        "pid": f.pid,
        "exe": f.exe,
        "said": f.said,
        "said_at": time(f.said_at),
        "state": state,
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

/// One finished connection, as a line of `--connections --format json` (JSON Lines).
pub fn connection(c: &ConnRecord) -> Value {
    json!({
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
    })
}

/// The whole analysis as one JSON object.
pub fn to_value(a: &Analysis, clock: Clock) -> Value {
    let mut v = head(a, clock);
    if let Some(slot) = v.get_mut("offenders") {
        *slot = a
            .snapshot
            .offenders
            .iter()
            .map(|o| offender(o, a.host.as_deref(), clock))
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
    let head = head(a, clock);
    let doc = Streamed {
        head: &head,
        a,
        clock,
        extra,
    };
    if pretty {
        serde_json::to_writer_pretty(out, &doc)
    } else {
        serde_json::to_writer(out, &doc)
    }
}

/// The object with its offenders made while it is written.
struct Streamed<'a> {
    head: &'a Value,
    a: &'a Analysis,
    clock: Clock,
    extra: &'a Extra,
}

/// The offenders list, each made when its turn comes.
struct StreamedOffenders<'a>(&'a Analysis, Clock, Option<usize>);

impl serde::Serialize for StreamedOffenders<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let all = &self.0.snapshot.offenders;
        let offenders = &all[..self.2.unwrap_or(all.len()).min(all.len())];
        let mut seq = serializer.serialize_seq(Some(offenders.len()))?;
        for o in offenders {
            seq.serialize_element(&offender(o, self.0.host.as_deref(), self.1))?;
        }
        seq.end()
    }
}

impl serde::Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(fields) = self.head else {
            return self.head.serialize(serializer);
        };
        let extra = &self.extra.fields;
        let added = extra
            .iter()
            .filter(|(k, _)| !fields.contains_key(k))
            .count();
        let mut map = serializer.serialize_map(Some(fields.len() + added))?;
        for (k, v) in fields {
            if let Some((_, x)) = extra.iter().find(|(name, _)| name == k) {
                map.serialize_entry(k, x)?;
            } else if k == "offenders" {
                map.serialize_entry(k, &StreamedOffenders(self.a, self.clock, self.extra.top))?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        for (k, v) in extra.iter().filter(|(k, _)| !fields.contains_key(k)) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Everything of [`to_value`] but the offenders (`null` in their place).
fn head(a: &Analysis, clock: Clock) -> Value {
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
    let files: Vec<Value> = cap
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path.display().to_string(),
                "format": match f.format { Format::Pcap => "pcap", Format::PcapNanos => "pcap-ns", Format::Pcapng => "pcapng" },
                "gzip": f.gzip,
                "size": f.size,
                "frames": f.frames,
                "first_packet": f.first_ts.map(time),
                "last_packet": f.last_ts.map(time),
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
    json!({
        "schema_version": SCHEMA_VERSION,
        "files": files,
        "link_types": link_types,
        "first_packet": t.first_ts.map(time),
        "last_packet": t.last_ts.map(time),
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
        "failed_per_second": per_second(&s.series, |c| c.failed),
        "per_minute_before": s.minutes_before,
        "not_decoded": not_decoded,
        "copies": {
            "frames": cap.copies.total(),
            "by_packet_id": cap.copies.by_packet_id,
            "by_content": cap.copies.by_content,
            "across_files": cap.two_points.iter().map(|p| p.packets).sum::<u64>(),
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
        "offenders": Value::Null,
        "kernel": a.host.as_deref().filter(|h| h.samples > 0).map(kernel),
        "coverage": a.host.as_deref().and_then(|h| h.coverage.as_ref()).map(|c| json!({
            "kernel_failed": c.kernel_failed,
            "captured_failed": c.captured_failed,
            "kernel_rsts": c.kernel_rsts,
            "captured_rsts": c.captured_rsts,
            "note": c.note,
        })),
        "host_notes": a.host.as_deref().map(|h| h.notes.clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            former_owner(&f),
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
            })
        );
    }

    #[test]
    fn extra_fields_follow_the_contract_and_top_cuts_the_offenders() {
        let a = sample();
        let extra = Extra {
            top: Some(0),
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
}
