//! `rstscope capture` and `rstscope interfaces`: live capture in the terminal. Part of the
//! binary (declared in main.rs); the capture itself is the library's
//! [`rstscope::pipeline::live`] job, the same the app runs.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::ValueEnum;
use serde_json::{Value, json};

use rstscope::analysis::Analysis;
use rstscope::engine::{Cause, EngineConfig, Offender, SecondCounts, Snapshot};
use rstscope::host::locale::Stream;
use rstscope::host::state::{ATTEMPT_FAILS, HostReport, OUT_RSTS};
use rstscope::packet::Timestamp;
use rstscope::pipeline::Update;
use rstscope::pipeline::live::{self, LiveOptions, StartError};
use rstscope::report::{self, Clock, endpoint, offender_name};
use rstscope::source::live::{
    ANY, CaptureConfig, CaptureFilter, CaptureStats, CapturedInterface, DEFAULT_SNAPLEN,
    friendly_name, friendly_names, labels, list_interfaces, parse_snaplen, with_friendly_name,
};

use crate::Failure;

/// Capture live on every interface (loopback included) or the ones named, print a line per
/// second and the full report at the end (after --duration, or on Ctrl+C).
#[derive(clap::Args)]
pub struct CaptureArgs {
    /// Interface to capture on, by its name or (Windows) the adapter's friendly name or
    /// description (repeat, or separate with commas; a value that names an interface whole is
    /// taken whole, as a friendly name may hold a comma); default: all, loopback included
    /// (Linux: the `any` device). `rstscope interfaces` lists them.
    #[arg(short = 'i', long = "interface")]
    interfaces: Vec<String>,
    /// Capture filter (BPF, tcpdump syntax) instead of the default: all TCP, IPv4 and IPv6.
    #[arg(long, conflicts_with = "syn_fin_rst")]
    filter: Option<String>,
    /// Capture only SYN, FIN and RST segments (IPv4 and IPv6), for hosts too busy for all TCP;
    /// the report says what cannot be told apart then.
    #[arg(long)]
    syn_fin_rst: bool,
    /// Stop after this long (e.g. 30s, 5m, 1h; a bare number is seconds). Default: until Ctrl+C.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Save what is captured to this pcapng file (rstscope and Wireshark open it), with who
    /// listened and who connected, so that `rstscope analyze` of it names the same programs.
    #[arg(long, short = 'w', value_name = "FILE.pcapng", value_parser = crate::save_path)]
    write: Option<PathBuf>,
    /// Output format of the final report (the per-second lines go to stderr unless text).
    #[arg(long, value_enum, default_value_t = CaptureFormat::Text)]
    format: CaptureFormat,
    /// Write times in UTC instead of local time.
    #[arg(long)]
    utc: bool,
    /// Bytes kept of each packet: enough for the headers; a RST's payload text may be cut.
    #[arg(long, default_value_t = DEFAULT_SNAPLEN, value_parser = parse_snaplen)]
    snaplen: u32,
    /// Offenders shown in the text report.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Most connections tracked at once; beyond it the one nearest its timeout is ended early.
    #[arg(long, default_value_t = EngineConfig::default().max_flows, value_parser = crate::max_flows)]
    max_flows: usize,
    /// Do not sample this machine (listening sockets and their processes, connecting
    /// processes, the kernel's TCP counters); by default it is sampled once a second.
    #[arg(long)]
    no_host: bool,
    #[command(flatten)]
    pub width: crate::WidthArg,
}

/// List the interfaces live capture can use.
#[derive(clap::Args)]
pub struct InterfacesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = LiveFormat::Text)]
    format: LiveFormat,
    #[command(flatten)]
    pub width: crate::WidthArg,
}

/// Output formats of the live commands.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LiveFormat {
    /// For people.
    Text,
    /// One JSON array: each interface's name, description, friendly name (Windows), addresses
    /// and flags.
    Json,
}

/// Output formats of the capture command's final report: those of `rstscope analyze`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaptureFormat {
    /// For people.
    Text,
    /// One JSON object: `rstscope analyze`'s, plus `dropped` and `interfaces`.
    Json,
    /// The offenders table for programs: comma, dot, Unix seconds, whatever the locale.
    Csv,
    /// The offenders table for Excel, as the app exports it: this user's list and decimal
    /// separators (Windows), date-times, a byte-order mark, CRLF.
    Excel,
}

/// `30s`, `1500ms`, `5m`, `1h`, or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 30s, 5m, 1h)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("{s:?}: the duration must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `rstscope interfaces`.
pub fn interfaces(args: &InterfacesArgs) -> Result<(), Failure> {
    let list = list_interfaces().map_err(|e| Failure::Input(e.to_string()))?;
    // Windows: each adapter's friendly name (`Ethernet 2`), as `ipconfig` names it.
    let friendly = friendly_names();
    let text = match args.format {
        LiveFormat::Json => {
            let v: Vec<Value> = list
                .iter()
                .map(|d| {
                    json!({
                        "name": d.name,
                        "description": d.description,
                        "friendly_name": friendly_name(&d.name, &friendly),
                        "addresses": d.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "loopback": d.loopback,
                        "up": d.up,
                        "running": d.running,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        LiveFormat::Text => {
            let width = list.iter().map(|d| d.name.len()).max().unwrap_or(0);
            let mut out = String::new();
            for d in &list {
                let mut flags = Vec::new();
                if d.loopback {
                    flags.push("loopback");
                }
                flags.push(if d.up { "up" } else { "down" });
                if d.running {
                    flags.push("running");
                }
                let mut line = format!("{:width$}  [{}]", d.name, flags.join(", "));
                let shown =
                    with_friendly_name(friendly_name(&d.name, &friendly), d.description.as_deref());
                if let Some(desc) = shown {
                    line.push_str(&format!("  {desc}"));
                }
                if !d.addresses.is_empty() {
                    let addrs: Vec<String> = d.addresses.iter().map(ToString::to_string).collect();
                    line.push_str(&format!("  {}", addrs.join(" ")));
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
            if cfg!(target_os = "linux") {
                out.push_str(&format!(
                    "\nWithout -i, rstscope captures on `{ANY}`: every interface, loopback included.\n"
                ));
            } else {
                out.push_str(
                    "\nWithout -i, rstscope captures every interface that is up, one thread each.\n",
                );
            }
            // On a terminal each line broken under its description (at 50 columns they
            // wrapped back to column 0).
            crate::text_lines(report::text::fitted(&out, crate::stdout_width()))
        }
    };
    match args.format {
        LiveFormat::Text => crate::print_text(&text),
        LiveFormat::Json => crate::print_bytes(&crate::json_bytes(&text)),
    }
}

/// `rstscope capture`.
pub fn capture(args: &CaptureArgs) -> Result<(), Failure> {
    let clock = if args.utc { Clock::Utc } else { Clock::Local };
    let filter = match (&args.filter, args.syn_fin_rst) {
        (Some(f), _) => CaptureFilter::Custom(f.clone()),
        (None, true) => CaptureFilter::SynFinRst,
        (None, false) => CaptureFilter::AllTcp,
    };
    let options = LiveOptions {
        capture: CaptureConfig {
            interfaces: args.interfaces.clone(),
            filter,
            snaplen: args.snaplen,
        },
        engine: EngineConfig {
            max_flows: args.max_flows,
            ..EngineConfig::default()
        },
        write: args.write.clone(),
        write_limit: None,
        write_temporary: false,
        duration: args.duration,
        host: !args.no_host,
        journal: rstscope::host::journal::Journal::default(),
        former_listeners: Vec::new(),
    };
    let mut job = live::capture(options, || {}).map_err(|e| match e {
        StartError::Capture(e) => Failure::Input(e.to_string()),
        StartError::Write { .. } => Failure::Save(e.to_string()),
    })?;
    // Before the start line: whoever reads it may stop the capture at once (`timeout`, a
    // script, a test), and a signal before the handler ended the program without its report.
    let stop = job.stop_handle();
    let stop_unread = job.stop_handle();
    let quit = quit_at_once(args.write.as_deref());
    let lines_to_stderr = args.format != CaptureFormat::Text;
    // A second Ctrl+C: the user does not want to wait for the report.
    let interrupted = rstscope::stop_signals::handle(
        move || {
            end_echoed_line(lines_to_stderr);
            stop.stop();
        },
        move || {
            stderr_line!("{quit}");
            rstscope::host::locale::exit_now(130);
        },
    )
    .unwrap_or_else(|e| {
        stderr_line!("rstscope: warning: Ctrl+C will not print the report: {e}");
        Arc::new(AtomicBool::new(false))
    });
    let what = if job.interfaces().iter().map(|i| i.name.as_str()).eq([ANY]) {
        "any (every interface, loopback included)".to_string()
    } else {
        labels(job.interfaces()).join(", ")
    };
    let until = match args.duration {
        Some(d) => format!("for {} s or until Ctrl+C", d.as_secs_f64()),
        None => "until Ctrl+C".into(),
    };
    // The filter whole on a terminal's line, to be copied into tcpdump.
    let filter = job.filter().bpf();
    rstscope::host::locale::stderr_line_keeping(
        &start_line(&what, args.snaplen, &until, &filter),
        &[&filter],
    );
    // Told here, before the wait, and in the report's warnings; not again on standard error
    // after the capture.
    let limitation = job.filter().limitation();
    if let Some(l) = limitation {
        stderr_line!("rstscope: note: {l}");
    }
    let misses = job.filter().what_it_misses();
    if let Some(m) = &misses {
        stderr_line!("rstscope: note: {m}");
    }
    // An old wpcap.dll (WinPcap, an early Npcap) lacks functions that have substitutes.
    if let Ok(dll) = rstscope::source::npcap::ensure_capture() {
        for note in dll.notes(args.filter.is_some()) {
            stderr_line!("rstscope: note: {note}");
        }
    }

    let saved = job.saved();
    let mut save_failure_told = false;
    // Only the text report shares standard output with the per-second lines.
    // Lines from the start: with no TCP on the wire yet, quiet seconds and the frames so far
    // show the capture runs.
    let mut lines = SecondLines::new(clock, args.format != CaptureFormat::Text)
        .starting_at(wall_millis().div_euclid(1000))
        .on_terminal();
    let mut latest: Option<Arc<Analysis>> = None;
    let mut result = None;
    let mut unread = false;
    let mut keys = rstscope::host::locale::UnreadKeys::default();
    loop {
        match job.wait(Duration::from_millis(100)) {
            Some(Update::Partial(a)) => latest = Some(a),
            Some(Update::Finished(r)) => {
                result = r.ok();
                break;
            }
            Some(_) => {}
            None if job.is_finished() => break,
            None => {}
        }
        // A full disk during an hour's capture is told when it happens, and only then.
        if !save_failure_told && let Some(why) = saved.as_ref().and_then(|s| s.failure()) {
            stderr_line!(
                "rstscope: {why}; the capture goes on without saving: {SAVED_UP_TO_THERE}"
            );
            save_failure_told = true;
        }
        // The report's reader has gone (the pager quit, where the lines go to standard
        // error): nobody would read the report. The capture stops as at Ctrl+C, the file being
        // saved ended whole; the report's write then finds the pipe closed.
        if lines_to_stderr && !unread && rstscope::host::locale::stdout_reader_gone() {
            unread = true;
            stop_unread.stop();
        }
        // A pager older than less 617 takes no key before the report, or (the text lines as
        // they come) before a screenful of them: `q` did nothing and nothing said why.
        keys.tell_how_to_stop("ends the capture");
        if let Some(a) = &latest {
            // Nobody reads the lines any more (`| head`, a closed pipe): nobody would read the
            // report either. Returning drops the job, which stops the capture.
            let printed = lines
                .print_live(a, &job.stats(), last_complete_second())
                .map_err(Failure::Output)?;
            // The text report's lines go to its pager as they come: once they fill its
            // screen, it reads its keys.
            if !lines_to_stderr {
                keys.shown_to_the_pager(&printed);
            }
        }
    }
    keys.erase();
    // Final once Finished has arrived: the capture threads have ended.
    let stats = job.stats();
    let captured: Vec<(CapturedInterface, CaptureStats)> = job
        .interfaces()
        .iter()
        .cloned()
        .zip(job.interface_stats())
        .collect();
    drop(job);
    let a = result.ok_or_else(|| Failure::Input("the capture ended without results".into()))?;
    lines.print_final(&a, &stats).map_err(Failure::Output)?;
    if interrupted.load(Ordering::SeqCst) {
        stderr_line!("rstscope: stopped by {STOP_SIGNALS}");
    }
    // The saving's failure and the filter's limitation are among the capture's warnings (for
    // the report); on standard error each is told once: when it happened or at the start, or
    // else after the report.
    // Nor where the text report, which carries them, goes to the same screen.
    let save_failure = saved.as_ref().and_then(|s| s.failure());
    let in_the_report = args.format == CaptureFormat::Text
        && io::IsTerminal::is_terminal(&io::stdout())
        && io::IsTerminal::is_terminal(&io::stderr());
    for w in a.capture.warnings.iter().filter(|w| {
        !in_the_report
            && Some(w.as_str()) != save_failure.as_deref()
            && Some(w.as_str()) != limitation
            && Some(w.as_str()) != misses.as_deref()
    }) {
        stderr_line!("rstscope: warning: {w}");
    }
    let text = match args.format {
        CaptureFormat::Json => {
            let mut v = report::json::to_value(&a, clock);
            if let Value::Object(map) = &mut v {
                map.insert("dropped".into(), dropped_json(&stats));
                map.insert("interfaces".into(), interfaces_json(&captured));
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        CaptureFormat::Csv => report::csv::offenders(&a, clock),
        CaptureFormat::Excel => report::csv::offenders_for_spreadsheet(
            &a,
            clock,
            &rstscope::host::locale::spreadsheet(),
        ),
        CaptureFormat::Text => {
            let write = args.write.as_deref().map(|w| (w, save_failure.is_none()));
            let width = crate::stdout_width();
            let mut out = report::text::fitted(&header(&captured, &stats, write), width);
            out.push_str(&report::text::report_fitted(&a, clock, args.top, width));
            crate::text_lines(out)
        }
    };
    match args.format {
        CaptureFormat::Text | CaptureFormat::Csv => crate::print_text(&text)?,
        CaptureFormat::Json => crate::print_bytes(&crate::json_bytes(&text))?,
        // UTF-8 with its byte-order mark, as `analyze --format excel` writes it.
        CaptureFormat::Excel => crate::print(&text)?,
    }
    // The report is out; the file asked for is not whole, which a script must learn from the
    // exit code (the output could not be written: 1), not from a warning among the lines. It
    // is told last unless it was told when it happened.
    match save_failure {
        Some(why) if save_failure_told => Err(Failure::Told(why)),
        Some(why) => Err(Failure::Save(format!("{why}; {SAVED_UP_TO_THERE}"))),
        None => Ok(()),
    }
}

/// The line that says what `capture` captures: the filter last, so that nothing follows it on
/// the line it has to itself on a terminal, to be copied into tcpdump (the default filter at
/// the indent fills 80 columns, and the comma that followed it went alone to the next line).
fn start_line(what: &str, snaplen: u32, until: &str, filter: &str) -> String {
    format!("rstscope: capturing on {what}, snaplen {snaplen} ({until}), filter: {filter}")
}

/// Ends the line a terminal's `^C` echo began, where the per-second lines go to that terminal,
/// as tcpdump does: the next line was printed after it (`^C20:04:45  resets 2 ...`).
fn end_echoed_line(lines_to_stderr: bool) {
    use std::io::IsTerminal;
    // Nothing to do if it cannot be written: the capture stops all the same.
    let _ = if lines_to_stderr {
        let err = io::stderr();
        if err.is_terminal() {
            err.lock().write_all(crate::NEWLINE.as_bytes())
        } else {
            Ok(())
        }
    } else {
        let out = io::stdout();
        if out.is_terminal() {
            let mut out = out.lock();
            out.write_all(crate::NEWLINE.as_bytes())
                .and_then(|()| out.flush())
        } else {
            Ok(())
        }
    };
}

/// What a second Ctrl+C leaves: no report and, in the file being saved, the packets without
/// the end blocks (who listened and who connected), which `analyze` of it will not name.
fn quit_at_once(write: Option<&std::path::Path>) -> String {
    let mut s = format!("rstscope: quit at once on {SECOND_STOP}, without the report");
    if let Some(p) = write {
        s.push_str(&format!(
            "; {} holds the packets up to the last second, without who listened and who connected",
            p.display()
        ));
    }
    s
}

/// What a failed save of `capture --write` leaves, after why it failed.
const SAVED_UP_TO_THERE: &str = "the file holds the capture only up to there";

/// What stops a capture early and still prints its report: the signals the Ctrl+C handler
/// takes (on Unix also the SIGTERM of `timeout`, `kill` or a service manager, and SIGHUP).
#[cfg(unix)]
const STOP_SIGNALS: &str = "a signal (Ctrl+C, SIGTERM or SIGHUP)";
#[cfg(not(unix))]
const STOP_SIGNALS: &str = "Ctrl+C";

/// [`STOP_SIGNALS`] come again while the capture stops: it quits at once.
#[cfg(unix)]
const SECOND_STOP: &str = "a second signal (Ctrl+C, SIGTERM or SIGHUP)";
#[cfg(not(unix))]
const SECOND_STOP: &str = "a second Ctrl+C";

/// The `dropped` object of the JSON output.
fn dropped_json(s: &CaptureStats) -> Value {
    json!({
        "kernel": s.kernel_dropped,
        "interface": s.interface_dropped,
        "rstscope": s.rstscope_dropped,
    })
}

/// The `interfaces` object of the JSON output: each captured interface with its own counts.
fn interfaces_json(captured: &[(CapturedInterface, CaptureStats)]) -> Value {
    Value::Array(
        captured
            .iter()
            .map(|(i, s)| {
                json!({
                    "name": i.name,
                    "description": i.description,
                    "link_type": i.link_type.0,
                    "captured": s.captured,
                    "dropped": dropped_json(s),
                })
            })
            .collect(),
    )
}

/// `n` and the word for it: "1 copies" read as a slip.
fn count(n: u64, one: &str, many: &str) -> String {
    report::plural(n, one, many)
}

/// The lines above the report: what was captured and what was lost, on each interface, then
/// in all. With one interface its counts are the totals, said once (the Linux `any` capture,
/// `-i lo`). `write`: the file the capture was saved to, and whether the saving went through.
fn header(
    captured: &[(CapturedInterface, CaptureStats)],
    s: &CaptureStats,
    write: Option<(&std::path::Path, bool)>,
) -> String {
    let mut out = String::from("Live capture\n");
    let several = captured.len() > 1;
    let interfaces: Vec<CapturedInterface> = captured.iter().map(|(i, _)| i.clone()).collect();
    for (n, ((i, c), shown)) in captured.iter().zip(labels(&interfaces)).enumerate() {
        let label = match (n, several) {
            (0, true) => "interfaces",
            (0, false) => "interface",
            _ => "",
        };
        // On Windows the adapter's description alone (its label), elsewhere the name with the
        // description after it.
        let description = match i.description.as_deref() {
            Some(d) if shown == i.name => format!(" ({d})"),
            _ => String::new(),
        };
        let counts = if several {
            format!(
                ": {} captured, dropped kernel {}, interface {}, rstscope {}",
                report::grouped(c.captured),
                report::grouped(c.kernel_dropped),
                report::grouped(c.interface_dropped),
                report::grouped(c.rstscope_dropped)
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {label:<10}  {shown}{description}, {} ({}){counts}\n",
            rstscope::decode::link_type_name(i.link_type),
            i.link_type.0,
        ));
    }
    // Copies: a packet seen on two interfaces (of several, or of Linux's `any`), a frame
    // repeated on one (a mirror port's way in and way out).
    let repeated = if s.repeated > 0 {
        format!(
            ", {} repeated on one interface within 5 ms counted once",
            count(s.repeated, "frame", "frames")
        )
    } else {
        String::new()
    };
    let copies = if several || s.duplicates > 0 {
        format!(
            ", {} from a second interface counted once{repeated}",
            count(s.duplicates, "copy", "copies")
        )
    } else {
        repeated
    };
    out.push_str(&format!(
        "  frames      {} captured, {} analyzed{copies}\n",
        report::grouped(s.captured),
        report::grouped(s.delivered)
    ));
    out.push_str(&format!(
        "  dropped     kernel {}, interface {}, rstscope {}\n",
        report::grouped(s.kernel_dropped),
        report::grouped(s.interface_dropped),
        report::grouped(s.rstscope_dropped)
    ));
    match write {
        Some((w, true)) => out.push_str(&format!("  saved to    {}\n", w.display())),
        // Regression (terminal trial): a save that failed (a full disk) said "saved to".
        Some((w, false)) => out.push_str(&format!(
            "  saved to    {} (not whole: the saving failed, see the warning; \
             {SAVED_UP_TO_THERE})\n",
            w.display()
        )),
        None => {}
    }
    out.push('\n');
    out
}

/// The last packet second whose line can be printed: over on the wall clock for long enough
/// (1.5 s past its start) that a snapshot taken after it has arrived. Only the printing waits
/// on the wall clock; the counts themselves are on packet time.
fn last_complete_second() -> i64 {
    (wall_millis() - 1500).div_euclid(1000)
}

/// Seconds past [`last_complete_second`] a line waits at most for the kernel's reading of its
/// second (see [`SecondLines::print_live`]).
const KERNEL_WAIT: i64 = 2;

/// The last second whose line can be printed while capturing: `complete` (over on the wall
/// clock) if the machine's counters are not read, else the last second the kernel's reading
/// in `host` covers, at most [`KERNEL_WAIT`] seconds before `complete`.
fn printable_until(host: Option<&HostReport>, complete: i64) -> i64 {
    let read = host
        .and_then(|h| h.counter(ATTEMPT_FAILS))
        .and_then(|k| k.per_second.last())
        .map(|&(second, _)| second);
    match read {
        Some(read) => complete.min(read.max(complete - KERNEL_WAIT)),
        None => complete,
    }
}

/// Milliseconds since the Unix epoch on the wall clock, the clock packets are stamped with.
fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Prints one line per packet second once it is over and, under the first second an endpoint
/// tops, its diagnosis: the admin watching the capture reads why it fails and which program is
/// involved without stopping it for the final report.
struct SecondLines {
    clock: Clock,
    to_stderr: bool,
    next: Option<i64>,
    /// The second the capture started: the lines begin there, packets or not, so that a
    /// capture that sees no TCP yet shows that it runs (quiet lines, the frames so far).
    start: Option<i64>,
    /// The endpoints whose diagnosis has been printed, with what it was about: it is told
    /// again under a second the endpoint tops when that has changed since (see [`Story`]);
    /// a scan of many ports adds at most one line a second, as one endpoint tops each second.
    told: HashMap<(IpAddr, u16), Story>,
    /// The failed attempts the lines have counted, to find those counted later in seconds
    /// already printed.
    counted: Counted,
    /// The width is read before each batch of lines (a terminal can be resized while the
    /// capture runs): where they go to standard output, always (see `crate::stdout_width`:
    /// `--width`, the terminal's, or `COLUMNS` for a pipe), where they go to standard error,
    /// if it is a terminal. Not in unit tests, which set [`SecondLines::width`].
    measured: bool,
    /// The columns a second's line is fitted to (see [`SecondParts::fitted`]); none where
    /// the lines go to a file or a pipe with no width given, which get the whole line.
    width: Option<usize>,
}

impl SecondLines {
    fn new(clock: Clock, to_stderr: bool) -> Self {
        Self {
            clock,
            to_stderr,
            next: None,
            start: None,
            told: HashMap::new(),
            counted: Counted::default(),
            measured: false,
            width: None,
        }
    }

    /// Each batch of lines is fitted to the width of its stream ([`SecondLines::measure`]).
    fn on_terminal(self) -> Self {
        use std::io::IsTerminal;
        let measured = !self.to_stderr || io::stderr().is_terminal();
        Self { measured, ..self }
    }

    /// Reads the width of the lines' stream: standard output's as the report's
    /// (`capture | less` with `--width 80` or `COLUMNS` set: the lines of 81 columns and
    /// more that less wrapped at 80, back to column 0, fit), standard error's terminal's.
    fn measure(&mut self) {
        if !self.measured {
            return;
        }
        self.width = if self.to_stderr {
            console::Term::stderr()
                .size_checked()
                .map(|(_, cols)| usize::from(cols))
        } else {
            crate::stdout_width()
        };
    }

    /// The lines begin at `second`, the capture's start, rather than at its first packet.
    fn starting_at(self, second: i64) -> Self {
        Self {
            start: Some(second),
            ..self
        }
    }

    /// While capturing: prints the lines of the seconds over by `complete` whose kernel
    /// counts are known (see [`printable_until`]). A quiet capture's snapshot comes once a
    /// second, and its reading of the machine can be older than its packets: the line of a
    /// second with 10 failed attempts said `kernel AttemptFails 0`, the kernel's 10 came with
    /// the next snapshot, and no line said them.
    /// Returns the lines printed.
    fn print_live(
        &mut self,
        a: &Analysis,
        stats: &CaptureStats,
        complete: i64,
    ) -> io::Result<Vec<String>> {
        self.measure();
        let lines = self.lines_live(a, stats, complete);
        self.print(&lines)?;
        Ok(lines)
    }

    /// The lines [`SecondLines::print_live`] prints.
    fn lines_live(&mut self, a: &Analysis, stats: &CaptureStats, complete: i64) -> Vec<String> {
        let until = printable_until(a.host.as_deref(), complete);
        self.lines_until(a, stats, until)
    }

    /// After the capture: prints the lines of its seconds not printed yet, up to its end,
    /// then the failed attempts its end counted in seconds already printed (see
    /// [`SecondLines::final_lines`]). Fails when the lines cannot be written (a closed pipe),
    /// where `println!` would panic.
    fn print_final(&mut self, a: &Analysis, stats: &CaptureStats) -> io::Result<()> {
        self.measure();
        let lines = self.final_lines(a, stats);
        self.print(&lines)
    }

    /// The lines [`SecondLines::print_final`] prints: every second up to the capture's end,
    /// quiet ones after its last packet included, as the report's time line and averages
    /// count them (the lines stopped at the last packet's second, while the report's time
    /// ran seconds further), then [`SecondLines::end_lines`].
    fn final_lines(&mut self, a: &Analysis, stats: &CaptureStats) -> Vec<String> {
        let end = a
            .span()
            .map(|(_, end)| end)
            .or(a.capture.captured.map(|c| c.end));
        let Some(end) = end else {
            return Vec::new();
        };
        let mut lines = self.lines_until(a, stats, end.second());
        lines.extend(self.end_lines(a));
        lines
    }

    fn print(&self, lines: &[String]) -> io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        // Beside the messages, held with them while a pager reading the report has the
        // terminal (`capture --format json | less`).
        if self.to_stderr {
            return rstscope::host::locale::stderr_lines(lines);
        }
        let mut out = io::stdout().lock();
        // As the text reports: CRLF on Windows, a pipe's code page there.
        for line in lines {
            let line = format!("{line}{}", crate::NEWLINE);
            out.write_all(&crate::text_bytes(&line, Stream::Stdout))?;
        }
        out.flush()
    }

    /// The lines of the seconds up to `until` not printed yet, from the capture's start (or,
    /// not told it, the first second with a packet) on.
    fn lines_until(&mut self, a: &Analysis, stats: &CaptureStats, until: i64) -> Vec<String> {
        let s = &a.snapshot;
        let first = [s.totals.first_ts.map(Timestamp::second), self.start]
            .into_iter()
            .flatten()
            .min();
        let Some(first) = first else {
            return Vec::new();
        };
        let from = self.next.unwrap_or(first);
        if until < from {
            return Vec::new();
        }
        if until - from > 3600 {
            // Seconds passed over without lines: their failures are no news later either.
            self.counted.absorb(s, until + 1);
            self.next = Some(until + 1);
            return Vec::new();
        }
        let host = a.host.as_deref();
        // Found before the new seconds are counted: what was added to the seconds before them.
        let late = self.counted.late(s, from);
        let mut lines = Vec::new();
        for second in from..=until {
            // Said on the line of the second when they were found (as the kernel counts a
            // failed connect when it gives up on it), after the second's own count.
            let found = (second == until).then_some(&late);
            let line = second_parts(s, host, second, stats, self.clock, found).fitted(self.width);
            let indent = line.find("  ").unwrap_or(0) + 2;
            lines.push(line);
            let tops = top_of_second(s, second).map(|(o, _)| o);
            let late_top = (second == until).then(|| late.top(s)).flatten();
            for o in tops.into_iter().chain(late_top) {
                lines.extend(self.tell(o, second, host, indent));
            }
            // The machine as it is now: an endpoint told while nothing listened that is
            // served again is told under the line of now, resets or not.
            if second == until {
                for o in self.served_again(s, host) {
                    lines.extend(self.tell(o, second, host, indent));
                }
            }
        }
        self.counted.printed(s, from, until);
        self.next = Some(until + 1);
        lines
    }

    /// After the capture: a line for the failed attempts its end counted in seconds whose
    /// lines are out (attempts still unanswered when it ended, counted in their last SYN's
    /// second), so that the lines add up to the report's count.
    fn end_lines(&mut self, a: &Analysis) -> Vec<String> {
        let s = &a.snapshot;
        let (Some(next), Some(last)) = (self.next, s.totals.last_ts) else {
            return Vec::new();
        };
        let late = self.counted.late(s, next);
        if late.count() == 0 {
            return Vec::new();
        }
        // At the time of the last line (quiet seconds can follow the last packet).
        let at = (next - 1).max(last.second());
        let time = self.clock.time(Timestamp::from_parts(at, 0));
        let indent = time.len() + 2;
        let line = report::text::wrapped(
            &format!("{time}  "),
            &format!("at the end: {}", late.text(self.clock)),
            indent,
            self.width,
        );
        let mut lines = vec![line];
        if let Some(o) = late.top(s) {
            lines.extend(self.tell(o, at, a.host.as_deref(), indent));
        }
        lines
    }

    /// The endpoints told while nothing listened on them that the machine now sees served
    /// (the service started again: the fix). Regression (terminal trial, the story live to
    /// its fix): where the last refused second came before the collector's first accepted
    /// connection, no second was topped again, and the lines went on with "resets 0" alone
    /// until the final report told who listened again; a fix landing within a refused second
    /// was told under it.
    fn served_again<'a>(&self, s: &'a Snapshot, host: Option<&HostReport>) -> Vec<&'a Offender> {
        let Some(h) = host else {
            return Vec::new();
        };
        (s.offenders.iter())
            .filter(|o| {
                self.told
                    .get(&(o.addr, o.port))
                    .is_some_and(|told| told.listening.is_none())
                    && h.endpoint_at(o.key())
                        .is_some_and(|e| e.listener.now.is_some())
            })
            .collect()
    }

    /// The diagnosis of `o` as of the end of `second`, indented by `indent`, unless it was
    /// told last with the same kind, or it waits for the sample that tells who listens.
    fn tell(
        &mut self,
        o: &Offender,
        second: i64,
        host: Option<&HostReport>,
        indent: usize,
    ) -> Option<String> {
        // Sampling the machine, the diagnosis waits for the sample that tells who listens
        // on the endpoint, so that it is not printed without it.
        let known = host.is_none_or(|h| h.samples == 0 || h.endpoint_at(o.key()).is_some());
        if !known {
            return None;
        }
        // Told again only when the sentence would say something new: keyed by what the
        // sentence is about, not by the second's cause, which can change (a crash's aborts,
        // then refusals) while the endpoint's diagnosis is still the former one.
        let o = as_of_end(o, second);
        let story = Story::of(&o, host);
        if self.told.get(&(o.addr, o.port)) == Some(&story) {
            return None;
        }
        self.told.insert((o.addr, o.port), story);
        let why = report::full_diagnosis(&o, host, self.clock);
        let prefix = " ".repeat(indent);
        Some(report::text::wrapped(&prefix, &why, indent + 2, self.width))
    }
}

/// What an endpoint's diagnosis is about, as far as the admin watching the lines is
/// concerned: its kind (a service that crashes shows its aborts, then, once its refusals are as
/// many, theirs; a client refused before the service started, then its aborts, then its
/// refusals again), whether any attempt was accepted, and who listens, who listened before,
/// whether the journal named a former owner, and which programs were seen failing to start
/// (the connect trace tells one within seconds; the lines said "nothing did during this
/// capture" until the final report told it). Refusals, then a service that listens a while and
/// closes its connections cleanly, then refusals again, are refusals all along: keyed by the
/// kind alone, the lines went on showing "Nothing listens on 7211 now and nothing did during
/// this capture" under the first refusals until the final report, while the service had come
/// and gone.
#[derive(Debug, PartialEq, Eq)]
struct Story {
    kind: &'static str,
    accepted: bool,
    listening: Option<u32>,
    listened: Option<u32>,
    former_owner: bool,
    failing_starts: Vec<String>,
}

impl Story {
    fn of(o: &Offender, host: Option<&HostReport>) -> Self {
        let e = host.and_then(|h| h.endpoint_at(o.key()));
        Self {
            kind: o.diagnosis().kind.as_str(),
            accepted: o.completed > 0,
            listening: e.and_then(|e| e.listener.now.as_ref().map(|l| l.process.pid)),
            listened: e.and_then(|e| e.listener.earlier.first().map(|l| l.process.pid)),
            former_owner: e.is_some_and(|e| e.former_owner.is_some()),
            failing_starts: e
                .map(|e| e.failing_starts.iter().map(|f| f.program.clone()).collect())
                .unwrap_or_default(),
        }
    }
}

/// The failed attempts the per-second lines have counted: each printed second's (by how they
/// failed) and each endpoint's. The engine counts an attempt in the second of the packet that
/// ended it, but an unanswered one is judged only 10 s after its last SYN (or at the end of
/// the capture): it lands in a second whose line is out, where the admin watching never sees
/// it, and the lines' failures fell short of the report's. Against these counts, a later
/// snapshot tells which failures came late, where, and at which endpoint, so that the line
/// printed when they are found says them.
#[derive(Default)]
struct Counted {
    /// Failed attempts by [`rstscope::engine::Failure`] of the printed seconds that had any,
    /// late ones included; only seconds the series still keeps one by one.
    seconds: BTreeMap<i64, [u32; 3]>,
    /// Failed attempts of each endpoint counted in printed seconds, late ones included.
    endpoints: HashMap<(IpAddr, u16), u64>,
}

impl Counted {
    /// What `s` counts in the seconds before `from` (all printed) beyond what was counted
    /// there; from then on it is counted.
    fn late(&mut self, s: &Snapshot, from: i64) -> Late {
        // Seconds folded into minutes (a long capture's older part) or dropped are not told
        // apart any more: they are left alone.
        let kept = s
            .minutes_before
            .into_iter()
            .chain(s.kept_from)
            .max()
            .unwrap_or(i64::MIN);
        self.seconds = self.seconds.split_off(&kept);
        let mut late = Late::default();
        let start = s.series.partition_point(|&(sec, _)| sec < kept);
        for &(sec, c) in s.series[start..].iter().take_while(|&&(sec, _)| sec < from) {
            let counted = self.seconds.entry(sec).or_default();
            let mut more = false;
            for (i, n) in c.failed_by.iter().enumerate() {
                let new = n.saturating_sub(counted[i]);
                late.by[i] += new;
                more |= new > 0;
                counted[i] = counted[i].max(*n);
            }
            if more {
                let (first, _) = late.seconds.unwrap_or((sec, sec));
                late.seconds = Some((first, sec));
            }
        }
        self.seconds.retain(|_, c| c.iter().any(|&n| n > 0));
        for o in &s.offenders {
            let since = from_on(o, from);
            let counted = self.endpoints.entry((o.addr, o.port)).or_default();
            let new = o.failed_attempts.saturating_sub(*counted + since);
            *counted += new;
            if new > 0 {
                late.endpoints += 1;
                if late.top.is_none_or(|(_, n)| new > n) {
                    late.top = Some(((o.addr, o.port), new));
                }
            }
        }
        late
    }

    /// The seconds `from..=until` have their lines: their failures are counted.
    fn printed(&mut self, s: &Snapshot, from: i64, until: i64) {
        let start = s.series.partition_point(|&(sec, _)| sec < from);
        for &(sec, c) in s.series[start..]
            .iter()
            .take_while(|&&(sec, _)| sec <= until)
        {
            if c.failed() > 0 {
                self.seconds.insert(sec, c.failed_by);
            }
        }
        for o in &s.offenders {
            let n = from_on(o, from) - from_on(o, until + 1);
            if n > 0 {
                *self.endpoints.entry((o.addr, o.port)).or_default() += n;
            }
        }
    }

    /// The seconds before `upto` are passed over without lines: all counted as they stand.
    fn absorb(&mut self, s: &Snapshot, upto: i64) {
        self.seconds.clear();
        for &(sec, c) in s.series.iter().take_while(|&&(sec, _)| sec < upto) {
            if c.failed() > 0 {
                self.seconds.insert(sec, c.failed_by);
            }
        }
        for o in &s.offenders {
            let n = o.failed_attempts.saturating_sub(from_on(o, upto));
            self.endpoints.insert((o.addr, o.port), n);
        }
    }
}

/// Failed attempts of `o` in its series' seconds from `second` on.
fn from_on(o: &Offender, second: i64) -> u64 {
    let start = o.series.partition_point(|&(sec, _)| sec < second);
    o.series
        .range(start..)
        .map(|(_, c)| u64::from(c.failed()))
        .sum()
}

/// Failed attempts a snapshot counts in seconds already printed.
#[derive(Debug, Default)]
struct Late {
    /// By [`rstscope::engine::Failure`]: refused, reset during the handshake, unanswered.
    by: [u32; 3],
    /// The first and the last second they count in.
    seconds: Option<(i64, i64)>,
    /// The endpoint with the most of them, and how many.
    top: Option<((IpAddr, u16), u64)>,
    /// Endpoints with some.
    endpoints: usize,
}

impl Late {
    fn count(&self) -> u32 {
        self.by.iter().sum()
    }

    /// `+3 unanswered +1 refused`.
    fn kinds(&self) -> String {
        let kinds = ["refused", "reset", "unanswered"];
        let counts: Vec<String> = (0..3)
            .rev()
            .filter(|&i| self.by[i] > 0)
            .map(|i| format!("+{} {}", report::grouped(self.by[i]), kinds[i]))
            .collect();
        counts.join(" ")
    }

    /// `+3 unanswered (SYNs of 14:02:11 to 10.0.0.2:80)`; with several endpoints, how many
    /// went to the one with the most.
    fn text(&self, clock: Clock) -> String {
        let of = if self.by[..2].iter().all(|&n| n == 0) {
            "SYNs of "
        } else {
            "of "
        };
        let when = self.seconds.map(|(a, b)| {
            format!(
                "{of}{}",
                clock.range(Timestamp::from_parts(a, 0), Timestamp::from_parts(b, 0))
            )
        });
        let whom = self.top.map(|((addr, port), n)| {
            if self.endpoints == 1 {
                format!("to {}", endpoint(addr, port))
            } else {
                format!("{} to {}", report::grouped(n), endpoint(addr, port))
            }
        });
        let inside = match (when, whom) {
            (Some(w), Some(e)) if self.endpoints == 1 => format!(" ({w} {e})"),
            (Some(w), Some(e)) => format!(" ({w}, {e})"),
            (Some(w), None) => format!(" ({w})"),
            (None, Some(e)) => format!(" ({e})"),
            (None, None) => String::new(),
        };
        format!("{}{inside}", self.kinds())
    }

    /// The offender with the most of them.
    fn top<'a>(&self, s: &'a Snapshot) -> Option<&'a Offender> {
        let ((addr, port), _) = self.top?;
        s.offenders
            .iter()
            .find(|o| o.addr == addr && o.port == port)
    }
}

/// `o` as it stood at the end of `second`, for the diagnosis printed under that second's line:
/// the snapshot it comes from is up to 1.5 s younger, and its counts, range and rate would
/// take in part of the next second ("refused 3 ... 1.5/s" under a line of 2 refused a second).
/// Cut to the seconds up to `second`, they agree with the lines above it. What is not counted
/// per second stays as it stands: the clients ([`Offender::restricted`] keeps them; a client
/// new in the next moment is rare, and told as a range's the sentence would drop the number)
/// and the RST payload texts (which the cut leaves out, and which say why the peer reset).
fn as_of_end(o: &Offender, second: i64) -> Cow<'_, Offender> {
    if o.series.last().is_none_or(|&(s, _)| s <= second) {
        return Cow::Borrowed(o);
    }
    match o.restricted(i64::MIN, second) {
        Some(cut) => Cow::Owned(Offender {
            rst_payloads: o.rst_payloads.clone(),
            ..cut
        }),
        None => Cow::Borrowed(o),
    }
}

/// What the top offender's second holds, after its endpoint: `(2 refused)` for one cause (or
/// `(3 unanswered)` for failed attempts without a reset); for several, each with its count,
/// most first: `(abort 6, stray 4, refused 2)`. "(12 abort)" read as twelve aborts where there
/// were six, beside the strays and refusals of a collector's crash.
fn top_counts(c: &SecondCounts) -> String {
    let unanswered = c.failed_by[rstscope::engine::Failure::Unanswered.index()];
    let mut parts: Vec<(&str, u32)> = Cause::ALL
        .iter()
        .map(|k| (k.as_str(), c.rst[k.index()]))
        .chain([("unanswered", unanswered)])
        .filter(|&(_, n)| n > 0)
        .collect();
    // Stable: equal counts keep the causes' order.
    parts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    match parts.as_slice() {
        [] => format!("({} unanswered)", report::grouped(c.incidents)),
        [(cause, _)] => format!(
            "({} {cause})",
            report::grouped(c.incidents.max(c.rst_total()))
        ),
        several => {
            let each: Vec<String> = several
                .iter()
                .map(|(k, n)| format!("{k} {}", report::grouped(*n)))
                .collect();
            format!("({})", each.join(", "))
        }
    }
}

/// The offender with the most incidents in `second`, with its counts of that second.
fn top_of_second(s: &Snapshot, second: i64) -> Option<(&Offender, SecondCounts)> {
    s.offenders
        .iter()
        .filter_map(|o| {
            let i = o
                .series
                .binary_search_by_key(&second, |(sec, _)| *sec)
                .ok()?;
            let c = o.series[i].1;
            (c.incidents > 0 || c.rst_total() > 0).then_some((o, c))
        })
        .max_by_key(|(o, c)| (c.incidents, c.rst_total(), std::cmp::Reverse(o.port)))
}

/// One second's line's parts ([`SecondParts`]): resets by cause, failed attempts (and `late`:
/// those found now in seconds already printed), the top offender of that second, the kernel's
/// counts, and the running frame and drop counts.
fn second_parts(
    s: &Snapshot,
    host: Option<&HostReport>,
    second: i64,
    stats: &CaptureStats,
    clock: Clock,
    late: Option<&Late>,
) -> SecondParts {
    let counts = s
        .series
        .binary_search_by_key(&second, |(sec, _)| *sec)
        .ok()
        .map(|i| s.series[i].1)
        .unwrap_or_default();
    let causes = Cause::ALL
        .iter()
        .filter(|c| counts.rst[c.index()] > 0)
        .map(|c| (c.as_str(), counts.rst[c.index()]))
        .collect();
    let top = top_of_second(s, second).map(|(o, c)| (offender_name(o), top_counts(&c)));
    let kernel = host.and_then(|h| {
        let at = |name: &str| {
            h.counter(name).map(|k| {
                k.per_second
                    .binary_search_by_key(&second, |&(sec, _)| sec)
                    .map_or(0, |i| k.per_second[i].1)
            })
        };
        at(ATTEMPT_FAILS).zip(at(OUT_RSTS))
    });
    SecondParts {
        time: clock.time(Timestamp::from_parts(second, 0)),
        resets: counts.rst_total(),
        causes,
        failed: counts.failed(),
        late: late.filter(|l| l.count() > 0).map(|l| LateParts {
            text: l.text(clock),
            kinds: l.kinds(),
            count: l.count(),
        }),
        top,
        kernel,
        frames: stats.captured,
        dropped: stats.dropped(),
    }
}

/// What a second's line says, before it is written out whole or to fit a terminal.
#[derive(Debug)]
struct SecondParts {
    time: String,
    /// Resets of the second.
    resets: u32,
    /// Its resets by cause, in the order of [`Cause::ALL`], causes without any left out.
    causes: Vec<(&'static str, u32)>,
    failed: u32,
    /// Failed attempts found now in seconds already printed.
    late: Option<LateParts>,
    /// The top offender's endpoint, and `(2 refused)`.
    top: Option<(String, String)>,
    /// The kernel's AttemptFails and OutRsts of the second.
    kernel: Option<(u64, u64)>,
    frames: u64,
    dropped: u64,
}

/// The late failed attempts a line says, in its three lengths.
#[derive(Debug)]
struct LateParts {
    /// `+2 unanswered (SYNs of 15:03:06-15:03:07 to 127.0.0.1:7400)`.
    text: String,
    /// `+1 refused +2 unanswered`.
    kinds: String,
    count: u32,
}

/// How much of a second's line a terminal gets, as [`SecondParts::fitted`] gives up parts in
/// turn.
#[derive(Debug, Clone, Copy)]
struct Compact {
    /// The late attempts as `+3 late` rather than by kind.
    late_merged: bool,
    /// The causes named, the largest; the others summed as `other N`. 0: none named.
    causes: usize,
    kernel: KernelForm,
}

/// One part a compact line gives up ([`SecondParts::give_ups`]).
#[derive(Debug, Clone, Copy)]
enum GiveUp {
    /// The late attempts' kinds: `+3 late`.
    LateKinds,
    /// All causes but the largest N: summed as `other N`.
    CausesBut(usize),
    /// The kernel's counts as this.
    Kernel(KernelForm),
}

impl GiveUp {
    /// `form` with this part given up too.
    fn from(self, form: Compact) -> Compact {
        match self {
            GiveUp::LateKinds => Compact {
                late_merged: true,
                ..form
            },
            GiveUp::CausesBut(causes) => Compact { causes, ..form },
            GiveUp::Kernel(kernel) => Compact { kernel, ..form },
        }
    }
}

/// The kernel's counts on a compact line.
#[derive(Debug, Clone, Copy)]
enum KernelForm {
    /// `AttemptFails 2 OutRsts 3`.
    Named,
    /// `kernel 2/3`.
    Short,
    None,
}

impl SecondParts {
    /// The whole line, as a file or a pipe gets it: `14:02:11  resets 2 (refused 2)  failed 2
    /// top 127.0.0.1:7211 (2 refused)  kernel AttemptFails 2 OutRsts 2  | 40 frames so far,
    /// dropped 0`. Its counts are grouped as the report's (`| 307,200 frames so far`, where
    /// the report says `307,200 frames`); a program reads `--format json`.
    fn full(&self) -> String {
        let mut line = format!(
            "{}  {}  failed {}",
            self.time,
            self.resets_text(self.causes.len()),
            report::grouped(self.failed)
        );
        if let Some(late) = &self.late {
            line.push_str(&format!(", {}", late.text));
        }
        if let Some((at, what)) = &self.top {
            line.push_str(&format!("  top {at} {what}"));
        }
        if let Some((fails, rsts)) = self.kernel {
            line.push_str(&format!(
                "  kernel AttemptFails {} OutRsts {}",
                report::grouped(fails),
                report::grouped(rsts)
            ));
        }
        line.push_str(&format!(
            "  | {} frames so far, dropped {}",
            report::grouped(self.frames),
            report::grouped(self.dropped)
        ));
        line
    }

    /// `resets 7 (refused 4, abort 2, stray 1)`, naming the `named` largest causes (the first
    /// listed of equal ones) and summing the others as `other N`.
    fn resets_text(&self, named: usize) -> String {
        let mut text = format!("resets {}", report::grouped(self.resets));
        if named == 0 || self.causes.is_empty() {
            return text;
        }
        let mut largest: Vec<usize> = (0..self.causes.len()).collect();
        largest.sort_by_key(|&i| std::cmp::Reverse(self.causes[i].1));
        largest.truncate(named);
        let mut parts: Vec<String> = Vec::new();
        let mut other = 0;
        for (i, (cause, n)) in self.causes.iter().enumerate() {
            if largest.contains(&i) {
                parts.push(format!("{cause} {}", report::grouped(*n)));
            } else {
                other += n;
            }
        }
        if other > 0 {
            parts.push(format!("other {}", report::grouped(other)));
        }
        text.push_str(&format!(" ({})", parts.join(", ")));
        text
    }

    /// A compact line's counts in the form `c`: the time, resets, failed attempts, the
    /// kernel's counts, drops where there are any.
    fn counts(&self, c: Compact) -> String {
        let mut line = format!(
            "{}  {}  failed {}",
            self.time,
            self.resets_text(c.causes),
            report::grouped(self.failed)
        );
        if let Some(late) = &self.late {
            if c.late_merged {
                line.push_str(&format!(", +{} late", report::grouped(late.count)));
            } else {
                line.push_str(&format!(", {}", late.kinds));
            }
        }
        match (self.kernel, c.kernel) {
            (Some((fails, rsts)), KernelForm::Named) => {
                line.push_str(&format!(
                    "  AttemptFails {} OutRsts {}",
                    report::grouped(fails),
                    report::grouped(rsts)
                ));
            }
            (Some((fails, rsts)), KernelForm::Short) => {
                line.push_str(&format!(
                    "  kernel {}/{}",
                    report::grouped(fails),
                    report::grouped(rsts)
                ));
            }
            _ => {}
        }
        // Never given up: every drop is shown.
        if self.dropped > 0 {
            line.push_str(&format!("  dropped {}", report::grouped(self.dropped)));
        }
        line
    }

    /// What a compact line gives up in turn: the late attempts' kinds (`+3 late`), the
    /// smallest causes (summed as `other N`, down to the largest alone), the kernel's names
    /// (`kernel 2/3`: AttemptFails/OutRsts), the kernel's counts, the causes.
    fn give_ups(&self) -> Vec<GiveUp> {
        let mut steps = vec![GiveUp::LateKinds];
        steps.extend((1..self.causes.len()).rev().map(GiveUp::CausesBut));
        steps.extend([
            GiveUp::Kernel(KernelForm::Short),
            GiveUp::Kernel(KernelForm::None),
            GiveUp::CausesBut(0),
        ]);
        steps
    }

    /// The counts of a compact line that fits `fits`: each of [`SecondParts::give_ups`] in
    /// turn until one does (all of them where none does). A step that does not shorten the
    /// line is passed over, so that nothing is given up for nothing (`abort 2` as `other 2`).
    fn compact_counts(&self, fits: impl Fn(&str) -> bool) -> String {
        let mut form = Compact {
            late_merged: false,
            causes: self.causes.len(),
            kernel: KernelForm::Named,
        };
        let mut line = self.counts(form);
        for step in self.give_ups() {
            if fits(&line) {
                break;
            }
            let next = step.from(form);
            let shorter = self.counts(next);
            if shorter.chars().count() < line.chars().count() {
                (form, line) = (next, shorter);
            }
        }
        if !fits(&line) {
            return line;
        }
        // Given up for room that a later step made: taken back where it fits, the kernel's
        // counts first (at 50 columns `resets 27  failed 15  kernel 12/21`, not the kernel
        // given up for the causes, then the causes for nothing).
        let mut take_back = vec![GiveUp::Kernel(KernelForm::Short)];
        take_back.extend((1..=self.causes.len()).map(GiveUp::CausesBut));
        take_back.push(GiveUp::Kernel(KernelForm::Named));
        for back in take_back {
            let next = match back {
                GiveUp::Kernel(KernelForm::Short) if matches!(form.kernel, KernelForm::None) => {
                    back.from(form)
                }
                GiveUp::Kernel(KernelForm::Named) if matches!(form.kernel, KernelForm::Short) => {
                    back.from(form)
                }
                GiveUp::CausesBut(n) if n > form.causes => back.from(form),
                _ => continue,
            };
            let longer = self.counts(next);
            if fits(&longer) {
                (form, line) = (next, longer);
            }
        }
        line
    }

    /// The whole line where it is shorter than `width`; else a compact one: the counts as
    /// [`SecondParts::compact_counts`] fits them, then, where room is left, the top offender's endpoint and the frames so far. At 80 columns the whole line
    /// (125-135 characters with the kernel's counts) wrapped to two, and so did the first
    /// compact form of a second with four causes and late attempts (101 characters).
    fn fitted(&self, width: Option<usize>) -> String {
        let full = self.full();
        let Some(width) = width else {
            return full;
        };
        // Shorter than the width: a line that fills the last column wraps on some terminals
        // (Windows' console) and leaves an empty line after it.
        let fits = |line: &str| line.chars().count() < width;
        if fits(&full) {
            return full;
        }
        let mut line = self.compact_counts(fits);
        if let Some((at, what)) = &self.top {
            for top in [format!("  top {at} {what}"), format!("  top {at}")] {
                if fits(&format!("{line}{top}")) {
                    line.push_str(&top);
                    break;
                }
            }
        }
        // Quiet seconds show the capture sees traffic.
        let frames = format!("  | {} frames", report::grouped(self.frames));
        if fits(&format!("{line}{frames}")) {
            line.push_str(&frames);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    /// Regression: with one interface (`-i lo`, Linux's `any`) the header said its counts
    /// twice, once for the interface and once in all, and spoke of copies from a second
    /// interface it did not have.
    #[test]
    fn one_interface_s_counts_are_said_once() {
        let interface = |id: u32, name: &str| CapturedInterface {
            id,
            name: name.to_owned(),
            description: None,
            link_type: rstscope::source::LinkType(1),
            snaplen: 262_144,
            index_names: Vec::new(),
        };
        let stats = |captured, kernel_dropped| CaptureStats {
            captured,
            delivered: captured,
            kernel_dropped,
            ..CaptureStats::default()
        };
        let one = header(&[(interface(0, "lo"), stats(120, 3))], &stats(120, 3), None);
        assert_eq!(
            one,
            "Live capture\n  interface   lo, Ethernet (1)\n  frames      120 captured, 120 \
             analyzed\n  dropped     kernel 3, interface 0, rstscope 0\n\n"
        );
        let two = header(
            &[
                (interface(0, "lo"), stats(120, 3)),
                (interface(1, "eth0"), stats(30, 0)),
            ],
            &stats(150, 3),
            None,
        );
        assert!(
            two.contains("  interfaces  lo, Ethernet (1): 120 captured, dropped kernel 3, interface 0, rstscope 0\n              eth0, Ethernet (1): 30 captured,"),
            "{two}"
        );
        assert!(
            two.contains("150 analyzed, 0 copies from a second interface counted once\n  dropped     kernel 3,"),
            "{two}"
        );
        let lo = [(interface(0, "lo"), stats(120, 3))];
        let saved = header(
            &lo,
            &stats(120, 3),
            Some((std::path::Path::new("a.pcapng"), true)),
        );
        assert!(saved.ends_with("  saved to    a.pcapng\n\n"), "{saved}");
        let mirrored = CaptureStats {
            delivered: 100,
            repeated: 20,
            ..stats(120, 0)
        };
        let mirror = header(&[(interface(0, "eth0"), mirrored)], &mirrored, None);
        assert!(
            mirror.contains(
                "120 captured, 100 analyzed, 20 frames repeated on one interface within 5 ms \
                 counted once\n"
            ),
            "{mirror}"
        );
        // Regression: "1 frames repeated ...", "1 copies from a second interface".
        let once = CaptureStats {
            delivered: 118,
            duplicates: 1,
            repeated: 1,
            ..stats(120, 0)
        };
        let one_each = header(
            &[
                (interface(0, "lo"), once),
                (interface(1, "eth0"), stats(0, 0)),
            ],
            &once,
            None,
        );
        assert!(
            one_each.contains(
                "118 analyzed, 1 copy from a second interface counted once, 1 frame repeated on \
                 one interface within 5 ms counted once\n"
            ),
            "{one_each}"
        );
        let failed = header(
            &lo,
            &stats(120, 3),
            Some((std::path::Path::new("a.pcapng"), false)),
        );
        assert!(
            failed.ends_with(
                "  saved to    a.pcapng (not whole: the saving failed, see the warning; the file \
                 holds the capture only up to there)\n\n"
            ),
            "{failed}"
        );
    }

    #[test]
    fn a_second_line_shows_causes_failures_and_the_top_offender() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let a = rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let (second, _) = a.snapshot.series[1];
        let stats = CaptureStats {
            captured: 40,
            ..CaptureStats::default()
        };
        let line = second_parts(&a.snapshot, None, second, &stats, Clock::Utc, None).full();
        let (_, rest) = line.split_once("  ").expect("time first");
        assert_eq!(
            rest,
            "resets 2 (refused 2)  failed 2  top 127.0.0.1:7211 (2 refused)  | 40 frames so far, dropped 0"
        );
    }

    /// Regression: the top offender of a collector's crash second read "(12 abort)" where it
    /// had 6 aborts, 4 strays (connections made before the capture began) and 2 refusals.
    #[test]
    fn the_top_offender_of_a_second_of_several_causes_counts_each() {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/crash-mid-capture.pcapng");
        let a = rstscope::analysis::analyze_files(&[file], Default::default()).expect("fixture");
        let (crash, _) = *a
            .snapshot
            .series
            .iter()
            .max_by_key(|(_, c)| c.rst_total())
            .expect("a second with resets");
        let stats = CaptureStats::default();
        let line = second_parts(&a.snapshot, None, crash, &stats, Clock::Utc, None).full();
        assert!(
            line.contains(
                "resets 12 (refused 2, abort 6, stray 4)  failed 2  top 127.0.0.1:7211 (abort 6, \
                 stray 4, refused 2)  |"
            ),
            "{line}"
        );
        // A second of one cause keeps its short form.
        let line = second_parts(&a.snapshot, None, crash + 1, &stats, Clock::Utc, None).full();
        assert!(
            line.contains("  top 127.0.0.1:7211 (2 refused)  |"),
            "{line}"
        );
    }

    /// Regression: the live lines named the endpoint and the cause but never why or which
    /// program: the diagnosis came only with the final report, after Ctrl+C or --duration.
    #[test]
    fn the_diagnosis_is_told_under_the_first_second_an_endpoint_tops() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let a = rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let last = a.snapshot.totals.last_ts.expect("packets").second();
        let mut lines = SecondLines::new(Clock::Utc, false);
        let printed = lines.lines_until(&a, &CaptureStats::default(), last);
        let told: Vec<usize> = (0..printed.len())
            .filter(|&i| printed[i].starts_with(' '))
            .collect();
        assert_eq!(told, [1], "told once, under the first line: {printed:#?}");
        assert!(
            printed[1].contains("nothing was listening on that port"),
            "{}",
            printed[1]
        );
        assert!(printed[1].starts_with(&format!("{:10}127.0.0.1:7211 ", "")));
        // The lines of later seconds do not tell it again.
        assert!(
            lines
                .lines_until(&a, &CaptureStats::default(), last)
                .is_empty()
        );
    }

    /// Regression (a trial of the 7211 story without a journal, the capture begun after the
    /// crash): the lines told "nothing did during this capture" once, and the collector's
    /// failing restarts, found by the connect trace seconds later, only in the final report.
    /// A program seen failing to start is something new to tell.
    #[test]
    fn a_program_found_failing_to_start_is_told_again() {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/story-restarting.pcapng");
        let a = rstscope::analysis::analyze_files(&[file], Default::default()).expect("story");
        let o = &a.snapshot.offenders[0];
        let host = a.host.as_deref().expect("its host block");
        let mut before = host.clone();
        before.endpoints[0].failing_starts.clear();
        assert_ne!(Story::of(o, Some(host)), Story::of(o, Some(&before)));
    }

    /// Regression (terminal trial, the story live to its fix): the collector's library put
    /// back after the last refused second, it listened again and accepted every connect, and
    /// the lines said "resets 0" and no more until the final report. The service started
    /// again is told under the line of the second the machine is seen serving it, once.
    #[test]
    fn regression_a_service_started_again_is_told_under_a_quiet_second() {
        let file =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/story-fixed.pcapng");
        let a = rstscope::analysis::analyze_files(&[file], Default::default()).expect("story");
        let host = a.host.as_deref().expect("its host block");
        let o = &a.snapshot.offenders[0];
        let refused_last = o.last_seen.second();
        // While refused, nothing listened yet.
        let mut before = host.clone();
        before.endpoints[0].listener.now = None;
        let then = Analysis {
            capture: a.capture.clone(),
            snapshot: a.snapshot.clone(),
            host: Some(Arc::new(before)),
        };
        let mut lines = SecondLines::new(Clock::Utc, false);
        let printed = lines.lines_until(&then, &CaptureStats::default(), refused_last);
        assert!(printed.iter().any(|l| l.starts_with(' ')), "{printed:#?}");
        // The seconds after it: no resets, the collector listening again.
        let printed = lines.lines_until(&a, &CaptureStats::default(), refused_last + 2);
        let told: Vec<&String> = printed.iter().filter(|l| l.starts_with(' ')).collect();
        assert_eq!(told.len(), 1, "{printed:#?}");
        assert!(
            printed[printed.len() - 2].contains("  resets 0  "),
            "{printed:#?}"
        );
        assert!(
            told[0].contains("collector (pid 14189, /opt/rstscope-sample/bin/collector)"),
            "{}",
            told[0]
        );
        let later = lines.lines_until(&a, &CaptureStats::default(), refused_last + 4);
        assert!(later.iter().all(|l| !l.starts_with(' ')), "{later:#?}");
    }

    /// Regression: live on the 7211 story, the line of the crash's second told the aborts;
    /// under the next line, the first of refusals, the same abort sentence came again (the
    /// second's cause had changed, the endpoint's diagnosis not yet), and the refusals' own
    /// diagnosis, the story's answer, never came before the final report.
    #[test]
    fn regression_a_crash_tells_its_aborts_then_its_refusals_each_once() {
        let story = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/story-7211.pcapng");
        let a = rstscope::analysis::analyze_files(&[story], Default::default()).expect("story");
        let last = a.snapshot.totals.last_ts.expect("packets").second();
        let mut lines = SecondLines::new(Clock::Utc, false);
        let printed = lines.lines_until(&a, &CaptureStats::default(), last);
        let told: Vec<(&str, &str)> = (1..printed.len())
            .filter(|&i| printed[i].starts_with(' '))
            .map(|i| (printed[i - 1].as_str(), printed[i].trim_start()))
            .collect();
        assert_eq!(told.len(), 2, "{printed:#?}");
        assert!(
            told[0].0.starts_with("00:43:34  resets 11 (abort 11)"),
            "{}",
            told[0].0
        );
        assert!(told[0].1.contains("saw 11 aborts"), "{}", told[0].1);
        // Once the refusals are as many as the aborts (12 against 11, at 00:43:40), the sentence
        // is theirs, with the collector that served the port and the reporter connecting.
        assert!(
            told[1].0.starts_with("00:43:40  resets 2 (refused 2)"),
            "{}",
            told[1].0
        );
        assert!(
            told[1].1.starts_with(
                "127.0.0.1:7211 refused 12 of 23 connection attempts from client 127.0.0.1 (2.0/s, \
                 00:43:35-00:43:40) while it accepted 11: nothing was listening on that port \
                 after the service stopped."
            ),
            "{}",
            told[1].1
        );
        assert!(
            told[1].1.contains("served by collector (pid 3507"),
            "{}",
            told[1].1
        );
        assert!(told[1].1.contains(": reporter (pid 3509"), "{}", told[1].1);
        // And why nothing listened again: the collector's restarts, every second, could not load.
        assert!(
            told[1].1.contains(
                "The program that listened on 7211, /opt/rstscope-sample/bin/collector, failed to \
                 start 11 times"
            ),
            "{}",
            told[1].1
        );
    }

    /// Regression: a client refused before its service started, then served until the
    /// service crashed, then refused again (tests/fixtures/make-refused-around-a-crash.sh):
    /// the refusals' sentence came under the first line, the aborts' under the crash's, and,
    /// refusals having been told once, never again, so the last word the lines gave was the
    /// aborts'. Each change of the endpoint's diagnosis is told.
    #[test]
    fn regression_refusals_told_before_a_crash_are_told_again_after_it() {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/refused-around-a-crash.pcapng");
        let a = rstscope::analysis::analyze_files(&[file], Default::default()).expect("file");
        let last = a.snapshot.totals.last_ts.expect("packets").second();
        let mut lines = SecondLines::new(Clock::Utc, false);
        let printed = lines.lines_until(&a, &CaptureStats::default(), last);
        let told: Vec<(&str, &str)> = (1..printed.len())
            .filter(|&i| printed[i].starts_with(' '))
            .map(|i| (&printed[i - 1][..8], printed[i].trim_start()))
            .collect();
        let gists: Vec<(&str, &str)> = told
            .iter()
            .map(|&(at, why)| (at, why.split(": ").nth(1).unwrap_or(why)))
            .collect();
        assert_eq!(
            gists,
            [
                (
                    "07:43:22",
                    "nothing was listening on that port, or a firewall rejected with a reset \
                     (a capture shows both alike)."
                ),
                // With the refusals before the crash, which its words do not count (s41).
                (
                    "07:43:25",
                    "an abortive close (SO_LINGER 0 or unread data), a crash, or an idle-timeout \
                     policy. It also saw 3 refusals of connection attempts."
                ),
                (
                    "07:43:26",
                    "nothing was listening on that port part of the time (the service stopped or restarted)."
                ),
            ],
            "{printed:#?}"
        );
        assert!(
            told[2].1.starts_with(
                "127.0.0.1:7211 refused 5 of 9 connection attempts from client 127.0.0.1 (2 at \
                 07:43:26; 3 earlier, 07:43:22-07:43:23) while it accepted 4"
            ),
            "{}",
            told[2].1
        );
    }

    /// Regression: under the line of the first second a client was refused twice, the
    /// sentence said "refused 3 of 26 ... (1.5/s, 16:27:12-16:27:13)": it was built from a
    /// snapshot up to 1.5 s past that second, so it counted part of the next one and
    /// understated the rate the lines showed. Here the snapshot is the whole sample (2 refused a
    /// second for 10 s); the sentence under its first second speaks of that second alone.
    #[test]
    fn regression_the_diagnosis_under_a_second_counts_up_to_its_end() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let a = rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let first = a.snapshot.totals.first_ts.expect("packets").second();
        let mut lines = SecondLines::new(Clock::Utc, false);
        let printed = lines.lines_until(&a, &CaptureStats::default(), first);
        assert_eq!(printed.len(), 2, "{printed:#?}");
        assert!(
            printed[0].contains("resets 2 (refused 2)  failed 2"),
            "{}",
            printed[0]
        );
        assert_eq!(
            printed[1].trim_start(),
            "127.0.0.1:7211 refused both connection attempts from client 127.0.0.1 (at 13:09:12): \
             nothing was listening on that port, or a firewall rejected with a reset \
             (a capture shows both alike)."
        );
        // A second later it covers both seconds: 4 at 2.0/s, as the two lines say.
        let o = &a.snapshot.offenders[0];
        let why = report::full_diagnosis(&as_of_end(o, first + 1), None, Clock::Utc);
        assert!(
            why.contains(
                "refused all 4 connection attempts from client 127.0.0.1 (2.0/s, 13:09:12-13:09:13)"
            ),
            "{why}"
        );
        // At the end of the capture it is the offender itself, the final report's.
        let last = a.snapshot.totals.last_ts.expect("packets").second();
        assert!(matches!(as_of_end(o, last), Cow::Borrowed(_)));
    }

    /// Regression (terminal trial): live, a second's line said `failed 10 ... kernel
    /// AttemptFails 0 OutRsts 0`: it was printed from a snapshot whose reading of the machine
    /// was older than that second (a quiet capture's snapshot comes once a second). The
    /// kernel's 10 came with the next snapshot, in that second's place, and no line said them:
    /// the final report gave AttemptFails 40, the lines 32. A line now waits for the reading
    /// of its second, up to KERNEL_WAIT seconds more.
    #[test]
    fn regression_a_line_waits_for_the_kernel_s_reading_of_its_second() {
        use rstscope::host::state::KernelCounter;
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a =
            rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let first = a.snapshot.totals.first_ts.expect("packets").second();
        // The kernel read up to `upto`, counting the failures of the capture's first second.
        let with_readings = |a: &mut Analysis, upto: i64| {
            let per_second: Vec<(i64, u64)> = (first - 2..=upto)
                .map(|s| (s, if s == first { 2 } else { 0 }))
                .collect();
            let kernel = [ATTEMPT_FAILS, OUT_RSTS].map(|name| KernelCounter {
                name,
                total: 2,
                per_second: per_second.clone().into(),
            });
            a.host = Some(Arc::new(HostReport {
                samples: 4,
                kernel: kernel.to_vec(),
                ..HostReport::default()
            }));
        };
        let stats = CaptureStats::default();
        let mut lines = SecondLines::new(Clock::Utc, false).starting_at(first - 1);
        // The capture's first second is over, its reading not in yet: its line waits.
        with_readings(&mut a, first - 1);
        let printed = lines.lines_live(&a, &stats, first);
        assert_eq!(printed.len(), 1, "{printed:#?}");
        assert!(
            printed[0].contains("kernel AttemptFails 0"),
            "{}",
            printed[0]
        );
        // The reading comes: the line says the kernel's count of that second.
        with_readings(&mut a, first);
        let printed = lines.lines_live(&a, &stats, first);
        assert!(
            printed[0].contains("failed 2")
                && printed[0].contains("kernel AttemptFails 2 OutRsts 2"),
            "{printed:#?}"
        );
        // Readings that stop (a machine too slow to read) hold the lines KERNEL_WAIT seconds
        // at most.
        let printed = lines.lines_live(&a, &stats, first + 1 + KERNEL_WAIT);
        assert_eq!(printed.len(), 1, "{printed:#?}");
        assert!(printed[0].starts_with(&Clock::Utc.time(Timestamp::from_parts(first + 1, 0))));
    }

    /// A TCP segment between 10.0.0.1:`cport` and 10.0.0.2:`port`, `ms` milliseconds after
    /// 1,700,000,000 (22:13:20 UTC): the client's, or a `reply`.
    fn segment(
        ms: i64,
        cport: u16,
        port: u16,
        reply: bool,
        flags: u16,
        seq: u32,
        ack: u32,
    ) -> rstscope::packet::TcpPacket<'static> {
        let (client, server) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let ((src, sport), (dst, dport)) = if reply {
            ((server, port), (client, cport))
        } else {
            ((client, cport), (server, port))
        };
        rstscope::packet::TcpPacket {
            ts: Timestamp((1_700_000_000_000 + ms) * 1_000_000),
            src,
            dst,
            sport,
            dport,
            seq,
            ack,
            flags: rstscope::packet::TcpFlags(flags),
            window: 65535,
            ttl: 64,
            ..rstscope::decode::BLANK
        }
    }

    /// The failed attempts a line counts: its second's, and those found late on it.
    fn failed_on(line: &str) -> u64 {
        let number = |after: &str| -> u64 {
            line.split_once(after).map_or(0, |(_, rest)| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            })
        };
        number("  failed ") + number(" +")
    }

    /// Regression: the live lines never showed an attempt left unanswered. It is judged 10 s
    /// after its SYN and counted in the SYN's second, whose line was out by then: the admin
    /// watching saw "failed 0" every second while the report at the end counted it, and the
    /// lines' failures did not add up to the report's. The line of the second it is found in
    /// says it, with its SYN's second and endpoint, and so does a line at the end for those the
    /// capture's end leaves unanswered.
    #[test]
    fn regression_attempts_judged_unanswered_late_are_told_on_the_line_they_are_found() {
        use rstscope::engine::Engine;
        use rstscope::packet::TcpFlags;
        let mut engine = Engine::new(EngineConfig::default());
        let (syn, rst_ack) = (TcpFlags::SYN, TcpFlags::RST | TcpFlags::ACK);
        // 10.0.0.2:80 never answers the SYN at 22:13:20.2; 10.0.0.2:81 refuses a connect
        // each second, which moves packet time on.
        let feed = |engine: &mut Engine, seconds: std::ops::Range<i64>| {
            for t in seconds {
                let (cport, isn) = (41_000 + t as u16, 1000 + t as u32 * 10);
                if t == 0 || t == 12 {
                    engine.packet(&segment(
                        t * 1000 + 200,
                        40_000 + t as u16,
                        80,
                        false,
                        syn,
                        isn,
                        0,
                    ));
                }
                engine.packet(&segment(t * 1000 + 500, cport, 81, false, syn, isn, 0));
                engine.packet(&segment(
                    t * 1000 + 501,
                    cport,
                    81,
                    true,
                    rst_ack,
                    0,
                    isn + 1,
                ));
            }
        };
        let analysis = |engine: &Engine| Analysis {
            snapshot: engine.snapshot(),
            ..Analysis::default()
        };
        let stats = CaptureStats::default();
        let mut lines = SecondLines::new(Clock::Utc, false);
        feed(&mut engine, 0..5);
        let mut printed = lines.lines_until(&analysis(&engine), &stats, 1_700_000_003);
        assert!(
            printed.iter().all(|l| !l.contains("unanswered")),
            "{printed:#?}"
        );
        feed(&mut engine, 5..13);
        let later = lines.lines_until(&analysis(&engine), &stats, 1_700_000_011);
        // The line of 22:13:31 says it, and, the endpoint being new to the lines, why.
        let [before @ .., found, why] = later.as_slice() else {
            panic!("{later:#?}");
        };
        assert!(
            before.iter().all(|l| !l.contains("unanswered")),
            "{later:#?}"
        );
        assert!(
            why.trim_start().starts_with(
                "1 connection attempt to 10.0.0.2:80 from client 10.0.0.1 got no answer (at 22:13:20)"
            ),
            "{why}"
        );
        assert!(
            found.starts_with(
                "22:13:31  resets 1 (refused 1)  failed 1, +1 unanswered (SYNs of 22:13:20 to \
                 10.0.0.2:80)  top 10.0.0.2:81 (1 refused)"
            ),
            "{later:#?}"
        );
        printed.extend(later);
        printed.extend(lines.lines_until(&analysis(&engine), &stats, 1_700_000_012));
        // The SYN at 22:13:32.2 is still unanswered when the capture ends: counted then, in
        // its second, whose line is out.
        engine.finish();
        let a = analysis(&engine);
        assert!(lines.lines_until(&a, &stats, 1_700_000_012).is_empty());
        let end = lines.end_lines(&a);
        assert_eq!(
            end.first().map(String::as_str),
            Some("22:13:32  at the end: +1 unanswered (SYNs of 22:13:32 to 10.0.0.2:80)"),
            "{end:#?}"
        );
        printed.extend(end);
        // The lines add up to the report's count: 13 refused and 2 unanswered.
        let told: u64 = printed
            .iter()
            .filter(|l| !l.starts_with(' '))
            .map(|l| failed_on(l))
            .sum();
        assert_eq!(told, a.snapshot.totals.failed_attempts);
        assert_eq!(told, 15);
        // Each is told once.
        assert!(lines.end_lines(&a).is_empty());
    }

    /// Regression (terminal trial): at 80 columns the start line's default filter, alone on
    /// its line at the indent (80 columns), was followed by its comma, which the terminal
    /// wrapped to a line of its own (`,` under the filter). The filter comes last; to a pipe
    /// the line is whole.
    #[test]
    fn regression_nothing_follows_the_filter_on_its_line() {
        let filter =
            "tcp or (ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
        let line = start_line("lo", 128, "until Ctrl+C", filter);
        assert_eq!(
            line,
            format!("rstscope: capturing on lo, snaplen 128 (until Ctrl+C), filter: {filter}")
        );
        for width in [50, 80, 100] {
            let fitted = report::text::fitted_keeping(&line, Some(width), &[filter]);
            let lines: Vec<&str> = fitted.lines().collect();
            assert!(
                lines.iter().any(|l| l.trim() == filter) || lines[0].ends_with(filter),
                "{width}: {fitted}"
            );
            // Only the filter's own line may be wider than the terminal, and not by a comma.
            for l in &lines {
                assert!(l.len() < width || l.trim() == filter, "{width}: {fitted}");
            }
        }
    }

    /// Regression (terminal trial): a text-format capture's lines stopped at its last
    /// packet's second, while the report's time line (and the averages, over 7 s) ran to the
    /// capture's end: `capture --duration 6` with refusals in its second second had 5 lines.
    /// The quiet seconds at the end get their lines, and the attempts the end found
    /// unanswered are told at the last.
    #[test]
    fn regression_the_lines_run_to_the_capture_s_end_as_its_time_line_does() {
        use rstscope::analysis::CaptureTime;
        use rstscope::engine::Engine;
        use rstscope::packet::TcpFlags;
        let mut engine = Engine::new(EngineConfig::default());
        // Refused at 22:13:20.5; a SYN at 22:13:21.2 never answered.
        let (syn, rst_ack) = (TcpFlags::SYN, TcpFlags::RST | TcpFlags::ACK);
        engine.packet(&segment(500, 41_000, 81, false, syn, 1000, 0));
        engine.packet(&segment(501, 41_000, 81, true, rst_ack, 0, 1001));
        engine.packet(&segment(1200, 41_001, 80, false, syn, 2000, 0));
        let at = |ms: i64| Timestamp((1_700_000_000_000 + ms) * 1_000_000);
        let mut a = Analysis {
            snapshot: engine.snapshot(),
            ..Analysis::default()
        };
        // From 22:13:19.8 to 22:13:24.3; lines printed while it ran up to 22:13:21.
        a.capture.captured = Some(CaptureTime {
            start: at(-200),
            end: at(4300),
            live: true,
        });
        let stats = CaptureStats::default();
        let mut lines = SecondLines::new(Clock::Utc, false).starting_at(1_699_999_999);
        let mut printed = lines.lines_until(&a, &stats, 1_700_000_001);
        engine.finish();
        a.snapshot = engine.snapshot();
        printed.extend(lines.final_lines(&a, &stats));
        let seconds: Vec<&str> = printed
            .iter()
            .filter(|l| !l.starts_with(' '))
            .map(|l| &l[..8])
            .collect();
        assert_eq!(
            seconds,
            [
                "22:13:19", "22:13:20", "22:13:21", "22:13:22", "22:13:23", "22:13:24"
            ],
            "{printed:#?}"
        );
        // As many as the seconds the report's averages are over.
        let (first, last) = a.span().expect("a span");
        assert_eq!(last.second() - first.second() + 1, 6);
        assert!(
            printed.contains(&"22:13:23  resets 0  failed 0  | 0 frames so far, dropped 0".into()),
            "{printed:#?}"
        );
        // The attempt the end found unanswered, on the last line.
        assert!(
            printed.iter().any(|l| l.starts_with(
                "22:13:24  resets 0  failed 0, +1 unanswered (SYNs of 22:13:21 to 10.0.0.2:80)"
            )),
            "{printed:#?}"
        );
        // A capture that saw no TCP at all: its quiet seconds to its end.
        let quiet = Analysis {
            capture: a.capture.clone(),
            ..Analysis::default()
        };
        let mut lines = SecondLines::new(Clock::Utc, false).starting_at(1_699_999_999);
        assert_eq!(lines.final_lines(&quiet, &stats).len(), 6);
    }

    /// The cut keeps what is not counted per second: the clients and a RST's payload text.
    #[test]
    fn the_cut_to_a_second_keeps_clients_and_payload_texts() {
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let a = rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let mut o = a.snapshot.offenders[0].clone();
        o.rst_payloads = vec!["F5 reset cause: port closed".into()].into();
        o.clients = 3;
        let first = o.series[0].0;
        let cut = as_of_end(&o, first);
        assert_eq!(cut.failed_refused, 2);
        assert_eq!(cut.clients, 3);
        assert_eq!(cut.rst_payloads, o.rst_payloads);
    }

    /// Regression: `capture --duration 3s` with no TCP on the wire showed only its start line
    /// for the whole run, which looked stuck: the lines began at the first packet.
    #[test]
    fn regression_a_capture_without_packets_prints_quiet_seconds_from_its_start() {
        let stats = CaptureStats {
            captured: 0,
            ..CaptureStats::default()
        };
        let mut lines = SecondLines::new(Clock::Utc, false).starting_at(1_700_000_000);
        let printed = lines.lines_until(&Analysis::default(), &stats, 1_700_000_001);
        assert_eq!(
            printed,
            [
                "22:13:20  resets 0  failed 0  | 0 frames so far, dropped 0",
                "22:13:21  resets 0  failed 0  | 0 frames so far, dropped 0",
            ]
        );
        // Each second once.
        assert!(
            lines
                .lines_until(&Analysis::default(), &stats, 1_700_000_001)
                .is_empty()
        );
    }

    #[test]
    fn a_quiet_second_still_gets_its_line() {
        let line = second_parts(
            &Snapshot::default(),
            None,
            1_700_000_000,
            &CaptureStats::default(),
            Clock::Utc,
            None,
        )
        .full();
        assert_eq!(
            line,
            "22:13:20  resets 0  failed 0  | 0 frames so far, dropped 0"
        );
    }

    /// Regression (terminal trial): on an 80-column terminal each second's line (135
    /// characters with the kernel's counts) wrapped to two. On a terminal it fits; to a file
    /// or a pipe (width unknown) it stays whole, as scripts parse it.
    #[test]
    fn regression_a_second_s_line_fits_an_80_column_terminal() {
        use rstscope::host::state::KernelCounter;
        let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/sample-7211.pcapng");
        let mut a =
            rstscope::analysis::analyze_files(&[sample], Default::default()).expect("sample");
        let first = a.snapshot.totals.first_ts.expect("packets").second();
        let kernel = [ATTEMPT_FAILS, OUT_RSTS].map(|name| KernelCounter {
            name,
            total: 2,
            per_second: (first - 1..=first + 20)
                .map(|s| (s, if s == first { 2 } else { 0 }))
                .collect::<Vec<_>>()
                .into(),
        });
        a.host = Some(Arc::new(HostReport {
            samples: 4,
            kernel: kernel.to_vec(),
            ..HostReport::default()
        }));
        let stats = CaptureStats {
            captured: 40,
            ..CaptureStats::default()
        };
        let time = Clock::Utc.time(Timestamp::from_parts(first, 0));
        let whole = format!(
            "{time}  resets 2 (refused 2)  failed 2  top 127.0.0.1:7211 (2 refused)  kernel \
             AttemptFails 2 OutRsts 2  | 40 frames so far, dropped 0"
        );
        let mut piped = SecondLines::new(Clock::Utc, false);
        assert_eq!(piped.lines_until(&a, &stats, first)[0], whole);
        let mut lines = SecondLines::new(Clock::Utc, false);
        lines.width = Some(80);
        let line = &lines.lines_until(&a, &stats, first)[0];
        // The top offender is given up (the diagnosis under the line names it).
        assert_eq!(
            *line,
            format!(
                "{time}  resets 2 (refused 2)  failed 2  AttemptFails 2 OutRsts 2  | 40 frames"
            )
        );
        assert!(line.len() < 80, "{line}");
        lines.width = Some(100);
        lines.next = None;
        assert_eq!(
            lines.lines_until(&a, &stats, first)[0],
            format!(
                "{time}  resets 2 (refused 2)  failed 2  AttemptFails 2 OutRsts 2  top \
                 127.0.0.1:7211 (2 refused)"
            )
        );
        // A wide terminal gets the whole line.
        lines.width = Some(200);
        lines.next = None;
        assert_eq!(lines.lines_until(&a, &stats, first)[0], whole);
    }

    /// What a compact line keeps as the width shrinks: the late attempts' count without their
    /// details, drops when there are some, the top offender only where room is left.
    #[test]
    fn a_compact_line_keeps_the_counts_and_gives_up_the_top_offender_first() {
        let parts = SecondParts {
            time: "15:03:17".into(),
            resets: 7,
            causes: vec![("refused", 5), ("abort", 2)],
            failed: 5,
            late: Some(LateParts {
                text: "+2 unanswered (SYNs of 15:03:06-15:03:07 to 127.0.0.1:7400)".into(),
                kinds: "+2 unanswered".into(),
                count: 2,
            }),
            top: Some(("[2001:db8::1]:443".into(), "(5 refused)".into())),
            kernel: Some((7, 5)),
            frames: 1_234_567,
            dropped: 12,
        };
        assert_eq!(
            parts.fitted(None),
            "15:03:17  resets 7 (refused 5, abort 2)  failed 5, +2 unanswered (SYNs of \
             15:03:06-15:03:07 to 127.0.0.1:7400)  top [2001:db8::1]:443 (5 refused)  kernel \
             AttemptFails 7 OutRsts 5  | 1,234,567 frames so far, dropped 12"
        );
        let core = "15:03:17  resets 7 (refused 5, abort 2)  failed 5, +2 unanswered  \
                    AttemptFails 7 OutRsts 5  dropped 12";
        assert_eq!(
            parts.fitted(Some(140)),
            format!("{core}  top [2001:db8::1]:443 (5 refused)")
        );
        assert_eq!(
            parts.fitted(Some(130)),
            format!("{core}  top [2001:db8::1]:443")
        );
        assert_eq!(parts.fitted(Some(103)), core);
        // Shorter, the late attempts' kind goes, then the kernel's names; `abort 2` is not
        // given up for `other 2`, which is no shorter.
        assert_eq!(
            parts.fitted(Some(100)),
            "15:03:17  resets 7 (refused 5, abort 2)  failed 5, +2 late  AttemptFails 7 \
             OutRsts 5  dropped 12"
        );
        assert_eq!(
            parts.fitted(Some(90)),
            "15:03:17  resets 7 (refused 5, abort 2)  failed 5, +2 late  kernel 7/5  dropped 12"
        );
    }

    /// Regression (terminal trial): with the five causes and late attempts of two kinds, the
    /// compact line was 135 characters and wrapped on an 80-column terminal (and on one of 50
    /// columns, any line with causes did). Parts are given up in turn until it fits: the late
    /// attempts' kinds, the smallest causes (summed as `other N`), the kernel's names, the
    /// kernel's counts, the causes; the drops never.
    #[test]
    fn regression_a_compact_line_of_every_cause_fits_80_and_50_columns() {
        let parts = SecondParts {
            time: "05:09:50".into(),
            resets: 27,
            causes: vec![
                ("refused", 15),
                ("handshake-reset", 3),
                ("after-close", 3),
                ("abort", 4),
                ("stray", 2),
            ],
            failed: 15,
            late: Some(LateParts {
                text: "+2 unanswered +1 refused (of 05:09:39-05:09:40, 2 to 127.0.0.1:7400)".into(),
                kinds: "+2 unanswered +1 refused".into(),
                count: 3,
            }),
            top: Some(("127.0.0.1:7211".into(), "(5 refused)".into())),
            kernel: Some((12, 21)),
            frames: 175,
            dropped: 0,
        };
        let at = |width: usize| {
            let line = parts.fitted(Some(width));
            assert!(line.chars().count() < width, "{width}: {line}");
            line
        };
        assert_eq!(
            at(150),
            "05:09:50  resets 27 (refused 15, handshake-reset 3, after-close 3, abort 4, stray 2)  \
             failed 15, +2 unanswered +1 refused  AttemptFails 12 OutRsts 21"
        );
        assert_eq!(
            at(140),
            "05:09:50  resets 27 (refused 15, handshake-reset 3, after-close 3, abort 4, stray 2)  \
             failed 15, +3 late  AttemptFails 12 OutRsts 21"
        );
        // The smallest causes first; of equal ones, the one listed later.
        assert_eq!(
            at(120),
            "05:09:50  resets 27 (refused 15, handshake-reset 3, abort 4, other 5)  failed 15, \
             +3 late  AttemptFails 12 OutRsts 21"
        );
        assert_eq!(
            at(100),
            "05:09:50  resets 27 (refused 15, abort 4, other 8)  failed 15, +3 late  \
             AttemptFails 12 OutRsts 21"
        );
        assert_eq!(
            at(91),
            "05:09:50  resets 27 (refused 15, other 12)  failed 15, +3 late  AttemptFails 12 \
             OutRsts 21"
        );
        assert_eq!(
            at(80),
            "05:09:50  resets 27 (refused 15, other 12)  failed 15, +3 late  kernel 12/21"
        );
        assert_eq!(
            at(70),
            "05:09:50  resets 27 (refused 15, other 12)  failed 15, +3 late"
        );
        assert_eq!(at(50), "05:09:50  resets 27  failed 15, +3 late");
        // Without late attempts, the kernel's counts given up for the causes come back once
        // these are given up too.
        let on_time = SecondParts {
            late: None,
            top: None,
            ..parts
        };
        assert_eq!(
            on_time.fitted(Some(50)),
            "05:09:50  resets 27  failed 15  kernel 12/21"
        );
        // Narrower than the last form, the line is that form: the counts are not cut.
        let drops = SecondParts {
            dropped: 1_000_000,
            ..on_time
        };
        assert_eq!(
            drops.fitted(Some(30)),
            "05:09:50  resets 27  failed 15  dropped 1,000,000"
        );
    }
}
