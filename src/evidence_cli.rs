//! `rstscope analyze --endpoint ADDR:PORT [--write FILE.pcapng]`: the packets behind one
//! offender in the terminal, as the desktop app's details panel shows them, and "save these
//! packets" for headless users. Part of the binary (declared in main.rs); the work is the
//! library's [`rstscope::report::evidence`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use rstscope::engine::offenders::ServiceKey;
use rstscope::packet::Overlay;
use rstscope::report::evidence::{self, Collect, Evidence};
use rstscope::report::filters::{bpf_filters, link_label};
use rstscope::report::{self, Clock, endpoint_in, full_diagnosis, wireshark_filter};
use rstscope::services;

use crate::progress_bar::ProgressBar;
use crate::{Failure, OutputFormat};
use rstscope::analysis::Progress;

/// The options of `rstscope analyze` that select one endpoint's evidence.
#[derive(clap::Args)]
pub struct EndpointArgs {
    /// Print the connections and packets (tcpdump -n style) of one endpoint, either direction:
    /// ADDR:PORT, or [v6]:PORT; an endpoint inside a tunnel's overlay network as the report
    /// names it, with its network after a space: '10.42.0.2:7211 (VXLAN vni 42)' (or
    /// '10.42.0.2:7211 vxlan:42', 'geneve:7', 'gre:100'; the networks met after a capture's
    /// first 16,380: '10.42.0.2:7211 (VXLAN, one of the networks past 16,380)', or
    /// 'vxlan:past-16380').
    #[arg(
        long,
        value_name = "ADDR:PORT",
        value_parser = parse_endpoint,
        conflicts_with_all = ["connections", "series"]
    )]
    pub endpoint: Option<ServiceKey>,
    /// Save the endpoint's packets to a pcapng file (Wireshark, tcpdump and rstscope open it).
    #[arg(long, value_name = "FILE.pcapng", requires = "endpoint", value_parser = crate::save_path)]
    pub write: Option<PathBuf>,
    /// Most packets printed and saved with --endpoint; the rest are counted.
    #[arg(long, value_name = "N", default_value_t = evidence::SAVE_MAX_PACKETS)]
    pub max_packets: usize,
    /// With --endpoint, list (and save) every copy of a packet recorded at several capture
    /// points (a Windows pktmon trace's components, a bridge and its port), marked as copies;
    /// by default each packet is listed once, as the analysis counts it.
    #[arg(long, requires = "endpoint")]
    pub all_copies: bool,
}

fn parse_endpoint(s: &str) -> Result<ServiceKey, String> {
    let s = s.trim();
    let (addr, overlay) = match s.split_once(char::is_whitespace) {
        Some((addr, rest)) => (addr, Overlay::parse(rest).ok_or(())),
        None => (s, Ok(Overlay::NONE)),
    };
    match (addr.parse::<SocketAddr>(), overlay) {
        (Ok(a), Ok(overlay)) => Ok((a.ip(), a.port(), overlay)),
        _ => Err(format!(
            "{s:?} is not an endpoint: write ADDR:PORT or [v6]:PORT, e.g. 127.0.0.1:7211 or \
             [::1]:7211, and for one inside a tunnel's overlay network the network after a \
             space, as the report names it: '10.42.0.2:7211 (VXLAN vni 42)'"
        )),
    }
}

/// Reads the capture again for `ep`'s packets, prints them in `format`, and writes them to
/// `args.write` when given.
pub fn run(
    files: &[PathBuf],
    ep: ServiceKey,
    args: &EndpointArgs,
    format: OutputFormat,
    clock: Clock,
) -> Result<(), Failure> {
    let how = Collect {
        all_copies: args.all_copies,
        // The diagnosis of a scan's target begins with the scan's sentence, as the report's.
        scan_of_target: true,
        ..Collect::default()
    };
    // The capture is read whole for one endpoint: a large one takes as long as its analysis,
    // and gets the same progress bar and Ctrl+C (it showed nothing for as long, and Ctrl+C
    // ended it without a word).
    let mut bar = ProgressBar::new(false);
    let cancel = bar.cancel();
    let bytes_total = bytes_total(files);
    let mut watch = |r: &evidence::Reading<'_>| {
        bar.update(Progress {
            frames: r.frames,
            bytes_read: (r.done * bytes_total as f64) as u64,
            bytes_total,
        });
    };
    let ev = evidence::collect_watched(
        files,
        ep,
        None,
        args.max_packets,
        Some(&*cancel),
        how,
        &mut watch,
    );
    bar.clear();
    let ev = ev.map_err(|e| Failure::Input(e.to_string()))?;
    // Its warnings say how far the read went.
    let interrupted = cancel.load(Ordering::Relaxed);
    // A capture of days dates every time, as the full report does.
    let clock = ev.clock(clock);
    for w in ev.warnings_in(clock) {
        stderr_line!("rstscope: warning: {w}");
    }
    if let Some(path) = &args.write {
        // What the capture file says of the endpoint's programs goes with its packets.
        evidence::write_pcapng(path, &ev, ev.recorded.as_ref()).map_err(|e| {
            Failure::Save(format!(
                "cannot save {}: {}",
                path.display(),
                report::write_error(path, &e)
            ))
        })?;
        stderr_line!(
            "rstscope: wrote {} of {} to {}",
            noun(ev.packets.len() as u64, "packet", "packets"),
            endpoint_in(ep.0, ep.1, ep.2),
            path.display()
        );
        if ev.more > 0 {
            stderr_line!(
                "rstscope: warning: {} more {} not saved (--max-packets N saves more)",
                ev.more,
                if ev.more == 1 {
                    "packet was"
                } else {
                    "packets were"
                }
            );
        }
    }
    let text = match format {
        OutputFormat::Text => crate::text_lines(report::text::fitted(
            &text(&ev, clock),
            crate::stdout_width(),
        )),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&to_json(&ev, args, clock)).unwrap_or_default() + "\n"
        }
        // Excel: refused before (`excel_refused` in main.rs).
        OutputFormat::Csv | OutputFormat::Excel => {
            let mut s = String::from(report::csv::CONNECTIONS_HEADER);
            s.push('\n');
            for c in &ev.connections {
                s.push_str(&report::csv::connection(c));
                s.push('\n');
            }
            s
        }
    };
    // As `analyze` writes them: through a pipe on Windows, text and CSV in the console's code
    // page, JSON in ASCII.
    match format {
        OutputFormat::Json => crate::print_bytes(&crate::json_bytes(&text))?,
        _ => crate::print_text(&text)?,
    }
    if interrupted {
        return Err(Failure::Interrupted);
    }
    Ok(())
}

/// The bytes of the capture files, for the progress bar; 0 (unknown: a spinner) where one is
/// standard input or not a file of known size.
fn bytes_total(files: &[PathBuf]) -> u64 {
    let mut total = 0u64;
    for f in files {
        match std::fs::metadata(f) {
            Ok(m) if m.is_file() && f.as_os_str() != "-" => total = total.saturating_add(m.len()),
            _ => return 0,
        }
    }
    total
}

fn heading(ev: &Evidence) -> String {
    let (addr, port, overlay) = ev.endpoint;
    match services::name(port) {
        Some(name) => format!("{} ({name})", endpoint_in(addr, port, overlay)),
        None => endpoint_in(addr, port, overlay),
    }
}

/// The connections, then the packets as tcpdump -n lines.
fn text(ev: &Evidence, clock: Clock) -> String {
    let (addr, port, _) = ev.endpoint;
    let mut s = format!("Endpoint {}\n", heading(ev));
    if let Some(o) = &ev.offender {
        // Fitted to a terminal as the report's diagnoses are.
        let why = full_diagnosis(o, ev.host.as_ref(), clock);
        let width = crate::stdout_width();
        s.push_str(&format!(
            "{}\n",
            report::text::wrapped("  ", &why, 4, width)
        ));
    }
    if let Some(seen) = report::seen_on_listed(&ev.seen_on) {
        s.push_str(&format!("  {seen}\n"));
    }
    s.push_str(&format!(
        "  wireshark: {}\n",
        wireshark_filter(addr, port, ev.encaps.as_slice())
    ));
    if let Some(d) = report::decode_as_words(ev.encaps.as_slice()) {
        s.push_str(&format!("  decode as: {d}\n"));
    }
    let filters = bpf_filters(addr, port, ev.encaps.as_slice());
    for f in &filters {
        if filters.len() > 1 {
            s.push_str(&format!(
                "  bpf ({}): {}\n",
                link_label(f.link_type),
                f.filter
            ));
        } else {
            s.push_str(&format!("  bpf:       {}\n", f.filter));
        }
        if let Some(n) = &f.note {
            s.push_str(&format!("  bpf note:  {n}\n"));
        }
    }
    if ev.copies.total() > 0 {
        s.push_str(&format!(
            "  copies:    the capture records packets at several points; {}, {}\n",
            if ev.copies.total() == 1 {
                "1 frame was a further copy".to_owned()
            } else {
                format!(
                    "{} frames were further copies",
                    report::thousands(ev.copies.total())
                )
            },
            if ev.packets.iter().any(|p| p.copy) {
                "listed below, each marked copy beside where it was recorded"
            } else {
                "left out (--all-copies lists them)"
            }
        ));
    }
    s.push_str(&format!(
        "\nConnections ({})\n",
        count(ev.connections.len(), ev.more_connections)
    ));
    for c in &ev.connections {
        s.push_str(&report::text::connection_line_to(
            c,
            clock,
            ev.time_digits(),
        ));
        s.push('\n');
    }
    if ev.more_connections > 0 {
        s.push_str(&format!(
            "... {} more {}\n",
            ev.more_connections,
            if ev.more_connections == 1 {
                "connection"
            } else {
                "connections"
            }
        ));
    }
    s.push_str(&format!(
        "\nPackets ({})\n",
        count(ev.packets.len(), ev.more)
    ));
    let at = evidence::RecordedAt::new(ev, None);
    for p in &ev.packets {
        s.push_str(&evidence::packet_line(
            p,
            clock,
            at.as_ref(),
            evidence::LineDate::None,
        ));
        s.push('\n');
    }
    if ev.more > 0 {
        s.push_str(&format!(
            "... {} more {} (--max-packets N shows more)\n",
            ev.more,
            if ev.more == 1 { "packet" } else { "packets" }
        ));
    }
    if ev.packets.is_empty() && ev.more == 0 {
        // A mistyped address or port must not read as an endpoint without trouble.
        s.push_str(&format!(
            "none: no TCP packet to or from {} in this capture (rstscope analyze FILE lists its offenders; one inside a tunnel's overlay network is named with it, as '10.42.0.2:7211 (VXLAN vni 42)')\n",
            endpoint_in(addr, port, ev.endpoint.2)
        ));
    }
    s
}

/// `n` and the word for it: "wrote 1 packets" read as a slip.
fn noun(n: u64, one: &str, many: &str) -> String {
    report::plural(n, one, many)
}

fn count(shown: usize, more: u64) -> String {
    let total = shown as u64 + more;
    if more > 0 {
        format!(
            "{}, first {} shown",
            report::thousands(total),
            report::thousands(shown as u64)
        )
    } else {
        report::thousands(total)
    }
}

/// One JSON object: the endpoint, its diagnosis, connections (as `--connections` writes them)
/// and packets (frame number, time, interface, lengths, the tcpdump line).
fn to_json(ev: &Evidence, args: &EndpointArgs, clock: Clock) -> Value {
    let (addr, port, overlay) = ev.endpoint;
    let time = |ts| serde_json::from_str::<Value>(&report::unix_secs(ts)).unwrap_or(Value::Null);
    let mut v = json!({
        "endpoint": endpoint_in(addr, port, overlay),
        "address": addr.to_string(),
        "port": port,
        "service": services::name(port),
        "diagnosis_kind": ev.offender.as_ref().map(|o| o.diagnosis().kind.as_str()),
        "diagnosis": ev.offender.as_ref().map(|o| full_diagnosis(o, ev.host.as_ref(), clock.stamped())),
        "seen_on": ev.seen_on,
        "wireshark_filter": wireshark_filter(addr, port, ev.encaps.as_slice()),
        "wireshark_decode_as": report::wireshark_decode_as(ev.encaps.as_slice()),
        "bpf_filters": bpf_filters(addr, port, ev.encaps.as_slice()).iter().map(|f| json!({
            "link_type": f.link_type.0,
            "name": rstscope::decode::link_type_name(f.link_type),
            "filter": f.filter,
            "note": f.note,
        })).collect::<Vec<_>>(),
        "copies": ev.copies.total(),
        "connections": ev.connections.iter().map(report::json::connection).collect::<Vec<_>>(),
        "more_connections": ev.more_connections,
        "packets": ev.packets.iter().map(|p| json!({
            "frame": p.frame,
            "time": time(p.ts),
            "interface": p.interface,
            "captured_length": p.data.len(),
            "length": p.orig_len,
            "copy": p.copy,
            "dropped": p.dropped,
            "before_drop": p.before_drop,
            "line": evidence::tcpdump_line(p, clock),
        })).collect::<Vec<_>>(),
        "more_packets": ev.more,
        "written": args.write.as_ref().map(|p| p.display().to_string()),
        "warnings": ev.warnings_in(clock),
    });
    // Only for an endpoint inside a tunnel's overlay network, as the report's offenders.
    if !overlay.is_none()
        && let Some(m) = v.as_object_mut()
    {
        m.insert("overlay".into(), Value::String(overlay.key()));
    }
    v
}
