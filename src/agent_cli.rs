//! `rstscope agent`: the library's [`rstscope::agent`] run from the command line (or as a
//! service) until stopped. Part of the binary (declared in main.rs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rstscope::agent::{self, Agent, AgentConfig, AgentError, AgentLog};
use rstscope::analysis::Analysis;
use rstscope::pipeline::live::StartError;
use rstscope::source::live::{ANY, CaptureConfig, CaptureFilter, DEFAULT_SNAPLEN, parse_snaplen};

use crate::Failure;

/// Run headless until stopped: capture every interface (loopback included), sample this
/// machine, and serve /metrics (Prometheus), /report (JSON) and /evidence (pcapng).
#[derive(clap::Args, Clone)]
pub struct AgentArgs {
    /// Interface to capture on, by its name or (Windows) the adapter's friendly name or
    /// description (repeat, or separate with commas; a value that names an interface whole is
    /// taken whole, as a friendly name may hold a comma); default: all, loopback included
    /// (Linux: the `any` device). `rstscope interfaces` lists them.
    #[arg(short = 'i', long = "interface")]
    pub interfaces: Vec<String>,
    /// Capture filter (BPF, tcpdump syntax) instead of the default: all TCP, IPv4 and IPv6.
    #[arg(long, conflicts_with = "syn_fin_rst")]
    pub filter: Option<String>,
    /// Capture only SYN, FIN and RST segments, for hosts too busy for all TCP.
    #[arg(long)]
    pub syn_fin_rst: bool,
    /// Where to serve. A non-loopback address needs --token-file.
    #[arg(long, value_name = "ADDR:PORT", default_value_t = SocketAddr::from(([127, 0, 0, 1], agent::DEFAULT_PORT)), value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// A file whose first line that is not blank is the token every request must carry
    /// (Authorization: Bearer TOKEN), spaces around it ignored; UTF-8, or UTF-16 with a byte
    /// order mark (as Windows Notepad and PowerShell save it).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Endpoints with series of their own (chosen by recent incidents); the rest are summed
    /// under endpoint="other".
    #[arg(long, value_name = "N", default_value_t = agent::DEFAULT_TOP)]
    pub top: usize,
    /// Where the failure evidence is kept (default: $STATE_DIRECTORY/evidence under systemd,
    /// /var/lib/rstscope/evidence as root, ~/.local/state/rstscope/evidence otherwise;
    /// %ProgramData%\rstscope\evidence on Windows).
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
    /// Most disk space the evidence takes (K, M, G; at least 1M); the oldest goes first.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = agent::evidence::parse_cap)]
    pub evidence_max: u64,
    /// Bytes kept of each packet.
    #[arg(long, default_value_t = DEFAULT_SNAPLEN, value_parser = parse_snaplen)]
    pub snaplen: u32,
    /// Most connections tracked at once; beyond it the one nearest its timeout is ended early
    /// (half an analysis's by default, so that every part of the agent at its cap fits in 150
    /// MB; each one more may take 448 bytes).
    #[arg(long, default_value_t = agent::MAX_FLOWS, value_parser = crate::max_flows)]
    pub max_flows: usize,
    /// Do not sample this machine (listeners and their processes, connecting processes, the
    /// kernel's TCP counters).
    #[arg(long)]
    pub no_host: bool,
    /// Started as root, the agent becomes this user once its capture is open, each thread
    /// keeping only the capabilities it uses (Linux). `root` stays root, capabilities trimmed.
    #[arg(long, value_name = "NAME", default_value = "nobody")]
    #[cfg_attr(windows, arg(hide = true))]
    pub user: String,
    /// Windows: install the agent as a Windows service (started at boot) with the other
    /// options given here, and start it.
    #[arg(long, conflicts_with = "uninstall_service")]
    pub install_service: bool,
    /// Windows: stop and remove the Windows service.
    #[arg(long)]
    pub uninstall_service: bool,
    /// Run under the Windows service manager (set by --install-service).
    #[arg(long, hide = true)]
    pub service: bool,
}

impl AgentArgs {
    /// The agent's configuration.
    pub fn config(&self) -> Result<AgentConfig, Failure> {
        let filter = match (&self.filter, self.syn_fin_rst) {
            (Some(f), _) => CaptureFilter::Custom(f.clone()),
            (None, true) => CaptureFilter::SynFinRst,
            (None, false) => CaptureFilter::AllTcp,
        };
        if self.top == 0 {
            return Err(Failure::Input(
                "--top must be at least 1 (the endpoint with the most recent incidents)".into(),
            ));
        }
        let token = self
            .token_file
            .as_deref()
            .map(agent::read_token)
            .transpose()
            .map_err(|e| Failure::Input(e.to_string()))?;
        Ok(AgentConfig {
            capture: CaptureConfig {
                interfaces: self.interfaces.clone(),
                filter,
                snaplen: self.snaplen,
            },
            engine: agent::engine_config(self.max_flows),
            host: !self.no_host,
            listen: self.listen,
            token,
            top: self.top,
            evidence_dir: self
                .evidence_dir
                .clone()
                .unwrap_or_else(default_evidence_dir),
            evidence_max: self.evidence_max,
            drop_to: Some(self.user.clone()),
            log: AgentLog::default(),
        })
    }
}

/// Where the evidence goes when `--evidence-dir` is not given.
pub fn default_evidence_dir() -> PathBuf {
    // systemd's StateDirectory= (the unit sets it); several are separated by colons.
    if let Some(dir) = std::env::var_os("STATE_DIRECTORY")
        .and_then(|v| {
            v.to_str()
                .and_then(|s| s.split(':').next().map(PathBuf::from))
        })
        .filter(|p| p.is_absolute())
    {
        return dir.join("evidence");
    }
    if cfg!(windows) {
        let base = std::env::var_os("ProgramData")
            .map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from);
        return base.join("rstscope").join("evidence");
    }
    if is_root() {
        return if cfg!(target_os = "macos") {
            PathBuf::from("/Library/Application Support/rstscope/evidence")
        } else {
            PathBuf::from("/var/lib/rstscope/evidence")
        };
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos")
        && let Some(h) = &home
    {
        return h.join("Library/Application Support/rstscope/evidence");
    }
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.map(|h| h.join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("rstscope")
        .join("evidence")
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

/// Maps a start failure to the exit code: the user's to fix (2) or ours (1).
pub fn start_failure(e: AgentError) -> Failure {
    match e {
        AgentError::Capture(StartError::Write { .. }) => Failure::Save(e.to_string()),
        AgentError::Thread(_) => Failure::Output(std::io::Error::other(e.to_string())),
        _ => Failure::Input(e.to_string()),
    }
}

/// `rstscope agent`.
pub fn run(args: &AgentArgs) -> Result<(), Failure> {
    if args.install_service || args.uninstall_service || args.service {
        return service(args);
    }
    let config = args.config()?;
    rstscope::agent::tune_allocator();
    let agent = Agent::start(config.clone()).map_err(start_failure)?;
    announce(&agent, &config);
    let stop = agent.stop_handle();
    let interrupted =
        rstscope::stop_signals::handle(move || stop.stop(), || std::process::exit(130))
            .unwrap_or_else(|e| {
                stderr_line!(
                    "rstscope: warning: Ctrl+C and SIGTERM will not stop the agent cleanly: {e}"
                );
                Arc::new(AtomicBool::new(false))
            });
    for line in stopped(&agent.wait()) {
        stderr_line!("{line}");
    }
    if interrupted.load(Ordering::SeqCst) {
        Ok(())
    } else {
        // The capture ended by itself: an interface that goes away is opened again when it is
        // back, so only an error it cannot get past ends it (its warnings above say which). A
        // failure, so that a service manager starts the agent again.
        Err(Failure::Output(std::io::Error::other(
            "the capture ended by itself (see the warnings above); the agent stops",
        )))
    }
}

/// What the log says when the agent has stopped: its totals, then the warnings in force.
pub fn stopped(last: &Analysis) -> Vec<String> {
    std::iter::once(format!(
        "rstscope agent: stopped after {} frames ({} resets, {} failed attempts)",
        crate::report::thousands(last.capture.frames),
        crate::report::thousands(last.snapshot.totals.rst_packets),
        crate::report::thousands(last.snapshot.totals.failed_attempts)
    ))
    .chain(
        last.capture
            .warnings
            .iter()
            .map(|w| format!("rstscope agent: warning: {w}")),
    )
    .collect()
}

/// The line that says what runs where.
fn announce(agent: &Agent, config: &AgentConfig) {
    let what = if agent.interfaces() == [ANY] {
        "any (every interface, loopback included)".to_string()
    } else {
        agent.interface_labels().join(", ")
    };
    let serving = Serving {
        addr: agent.local_addr().unwrap_or(config.listen),
        token: config.token.is_some(),
        evidence_dir: agent.evidence_dir().display().to_string(),
        evidence_max: config.evidence_max,
    };
    let rights = agent.rights().map(|r| format!("; {r}")).unwrap_or_default();
    let filter = agent.filter().to_string();
    rstscope::host::locale::stderr_line_keeping(
        &start_line(&what, &serving, &rights, &filter),
        &[&filter],
    );
}

/// What the agent serves, and where it keeps its evidence, for its start line.
struct Serving {
    addr: SocketAddr,
    /// Its requests need the token.
    token: bool,
    evidence_dir: String,
    evidence_max: u64,
}

/// The agent's start line. The filter whole on a terminal's line, to be copied into tcpdump;
/// last, so that nothing follows it on its line: the default filter at the indent fills 80
/// columns, and the semicolon after it went alone to a line of its own.
fn start_line(what: &str, serving: &Serving, rights: &str, filter: &str) -> String {
    format!(
        "rstscope agent: capturing on {what}; serving http://{}/metrics, /report and /evidence{}; \
         evidence in {} (at most {}){rights}; filter: {filter}",
        serving.addr,
        if serving.token {
            " (token required)"
        } else {
            ""
        },
        serving.evidence_dir,
        rstscope::report::bytes(serving.evidence_max)
    )
}

#[cfg(windows)]
fn service(args: &AgentArgs) -> Result<(), Failure> {
    crate::agent_service::dispatch(args)
}

#[cfg(not(windows))]
fn service(_args: &AgentArgs) -> Result<(), Failure> {
    Err(Failure::Input(if cfg!(target_os = "macos") {
        "--install-service and --uninstall-service are for Windows; on macOS install the launchd \
         job resources/rstscope-agent.plist (see the README, \"On many hosts\")"
            .into()
    } else {
        "--install-service and --uninstall-service are for Windows; on Linux install the systemd \
         unit rstscope-agent.service (the Debian package does; see the README, \"On many hosts\")"
            .into()
    }))
}

/// Reads `--listen`: an IP address and port; `localhost:PORT` is 127.0.0.1 (other names are
/// not resolved: a name can give several addresses, and the agent serves one).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse() {
        return Ok(addr);
    }
    if let Some(port) = s.strip_prefix("localhost:")
        && let Ok(port) = port.parse::<u16>()
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Err(format!(
        "{s:?} is not an IP address and port: give e.g. 127.0.0.1:{p}, [::1]:{p}, or 0.0.0.0:{p} \
         (every address, with --token-file); names other than localhost are not resolved",
        p = agent::DEFAULT_PORT
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The agent's start line ends with its filter (as `capture`'s does): at 80 columns the
    /// default filter filled its line at the indent, and the semicolon that followed it went
    /// to a line of its own. On a terminal of any width the filter is whole on its line, and
    /// nothing comes after it; to a pipe the line is whole.
    #[test]
    fn regression_the_agents_filter_ends_its_start_line() {
        let filter =
            "tcp or (ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))";
        let serving = Serving {
            addr: SocketAddr::from(([127, 0, 0, 1], agent::DEFAULT_PORT)),
            token: true,
            evidence_dir: "/var/lib/rstscope/evidence".into(),
            evidence_max: 1 << 30,
        };
        let rights = "; capturing as root";
        let line = start_line(
            "any (every interface, loopback included)",
            &serving,
            rights,
            filter,
        );
        assert_eq!(
            line,
            format!(
                "rstscope agent: capturing on any (every interface, loopback included); serving \
                 http://127.0.0.1:{}/metrics, /report and /evidence (token required); evidence \
                 in /var/lib/rstscope/evidence (at most 1.0 GiB); capturing as root; filter: \
                 {filter}",
                agent::DEFAULT_PORT
            )
        );
        assert!(
            !start_line(
                "lo",
                &Serving {
                    token: false,
                    ..serving
                },
                "",
                filter
            )
            .contains("token")
        );
        assert_eq!(
            rstscope::report::text::fitted_keeping(&line, None, &[filter]),
            line
        );
        for width in [50, 80, 100, 120] {
            let fitted = rstscope::report::text::fitted_keeping(&line, Some(width), &[filter]);
            let lines: Vec<&str> = fitted.lines().collect();
            let last = lines.last().copied().unwrap_or_default();
            assert!(last.ends_with(filter), "{width}: {fitted}");
            // Only the filter's own line may be wider than the terminal.
            for l in &lines {
                assert!(l.len() < width || l.trim() == filter, "{width}: {fitted}");
            }
        }
    }
}
