//! The `rstscope` command: `rstscope analyze FILE...` explains every reset and failed
//! connection in a capture, in the terminal.
//!
//! On Windows it is one program for both the desktop app and the terminal commands: built for
//! the GUI subsystem, so that no console window opens beside the app, it attaches to the
//! console of the shell it was started from (see `windows_console`) so the terminal commands
//! still print there.

// No console window for the desktop app; the terminal commands attach to their shell's.
// The headless build (without the `gui` feature) is an ordinary console program.
#![cfg_attr(all(windows, feature = "gui"), windows_subsystem = "windows")]

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use clap::{Parser, Subcommand, ValueEnum};

/// Writes a line to standard error as `eprintln!` does, but as the text reports are written:
/// on Windows with CRLF, and through a pipe in the console's code page (see
/// `rstscope::host::locale::stderr_line`).
macro_rules! stderr_line {
    ($($arg:tt)*) => {
        rstscope::host::locale::stderr_line(&format!($($arg)*))
    };
}

/// `rstscope agent`: headless, until stopped, for a monitoring system.
mod agent_cli;
/// Windows: `rstscope agent` as a Windows service (install, uninstall, run).
#[cfg(windows)]
mod agent_service;
/// `rstscope capture` and `rstscope interfaces`.
mod capture_cli;

/// `rstscope analyze --endpoint`: one endpoint's connections and packets, and saving them.
mod evidence_cli;
/// The progress bar of `rstscope analyze` on a terminal.
mod progress_bar;
/// Windows: `*` and `?` in file arguments, which the shell leaves to the program.
mod wildcards;
/// Windows: output of the terminal commands goes to the console of the shell that started them.
#[cfg(all(windows, feature = "gui"))]
mod windows_console;

use progress_bar::ProgressBar;
use rstscope::analysis::{self, Options, Progress};
use rstscope::engine::EngineConfig;
use rstscope::report::{self, Clock};

/// Finds failed TCP connections and TCP resets, says why they happen and which program is involved.
///
/// Without a command it opens the desktop app, with the FILES given.
#[derive(Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
// The terminal-only build (a server's): its help must not send the admin to an app it lacks.
#[cfg_attr(
    not(feature = "gui"),
    command(long_about = HEADLESS_ABOUT)
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Capture files to open in the desktop app.
    #[cfg_attr(
        not(feature = "gui"),
        arg(
            help = "Capture files for the desktop app, which this build lacks: use `rstscope analyze FILE`"
        )
    )]
    files: Vec<PathBuf>,
}

/// [`Cli`]'s long help in a build without the desktop app.
#[cfg(not(feature = "gui"))]
const HEADLESS_ABOUT: &str = "Finds failed TCP connections and TCP resets, says why they happen \
                              and which program is involved.\n\nThis build has no desktop app \
                              (built without the `gui` feature): use the commands below.";

#[derive(Subcommand)]
enum Command {
    /// Analyze saved captures (pcap, pcapng, Network Monitor .cap, snoop; compressed with gzip,
    /// zstd, lz4, xz or bzip2 or not, or in a zip archive). Several files, or a folder of them,
    /// are merged in time order as one capture (rotated tcpdump -C / -G files).
    Analyze(AnalyzeArgs),
    /// Capture live on every interface (loopback included) or the ones named with -i; print
    /// a line per second and the full report at the end (--duration) or on Ctrl+C.
    #[cfg_attr(not(windows), command(long_about = CAPTURE_ABOUT))]
    #[cfg_attr(windows, command(long_about = CAPTURE_ABOUT_WINDOWS))]
    Capture(capture_cli::CaptureArgs),
    /// List the interfaces live capture can use.
    Interfaces(capture_cli::InterfacesArgs),
    /// Run headless until stopped, for a monitoring system: capture every interface (loopback
    /// included), sample this machine, and serve /metrics (Prometheus text or OpenMetrics),
    /// /report (the JSON of `analyze`) and /evidence (a pcapng of an endpoint's failures).
    ///
    /// Needs root, or on Linux the capabilities CAP_NET_RAW and CAP_NET_ADMIN (to name other
    /// users' processes also CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH); started as root it
    /// becomes --user once its capture is open.
    #[cfg_attr(windows, command(long_about = AGENT_ABOUT_WINDOWS))]
    Agent(agent_cli::AgentArgs),
}

/// `capture --help` on Linux and macOS. The command that gives the rights is lines of its own,
/// continued with a backslash where the shell reads on, each narrower than 50 columns, so that
/// the help's wrapping at the terminal's width never breaks it (at 50 columns it broke in two
/// lines that the shell, pasted, ran apart; the admin copies it whole).
#[cfg(not(windows))]
const CAPTURE_ABOUT: &str = "Capture live on every interface (loopback included) or the ones \
    named with -i; print a line per second and the full report at the end (--duration) or on \
    Ctrl+C.\n\n\
    Needs root, or on Linux the capabilities CAP_NET_RAW and CAP_NET_ADMIN, which this command \
    gives it:\n\n    \
    sudo setcap cap_net_raw,cap_net_admin=eip \\\n        $(command -v rstscope)\n\n\
    As root it also names other users' listening processes and, from the kernel's connect \
    events, the process behind each connect.";

/// `capture --help` on Windows, whose rights are not Linux's.
#[cfg(windows)]
const CAPTURE_ABOUT_WINDOWS: &str = "Capture live on every interface (loopback included) or the \
    ones named with -i; print a line per second and the full report at the end (--duration) or \
    on Ctrl+C.\n\n\
    Needs Npcap (https://npcap.com/#download); as an administrator it also names the programs \
    behind other users' sockets.";

/// `agent --help` on Windows, whose rights are not Linux's.
#[cfg(windows)]
const AGENT_ABOUT_WINDOWS: &str = "Run headless until stopped, for a monitoring system: capture \
    every interface (loopback included), sample this machine, and serve /metrics (Prometheus text \
    or OpenMetrics), /report (the JSON of `analyze`) and /evidence (a pcapng of an endpoint's \
    failures).\n\n\
    Needs Npcap (https://npcap.com/#download), and an administrator to name the programs behind \
    other users' sockets; as a Windows service (--install-service) it runs as LocalSystem and \
    logs to %ProgramData%\\rstscope\\agent.log.";

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Capture files, or folders of them (read as DIR/* gives their files); `-` reads one from
    /// standard input (`tcpdump -w - | rstscope analyze -`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write times in UTC instead of local time.
    #[arg(long)]
    utc: bool,
    /// List every connection (Zeek's conn_state and history, the cause of its first RST), in
    /// the order they end, as Zeek's conn.log.
    #[arg(long, conflicts_with = "series")]
    connections: bool,
    /// Print the per-second series of resets by cause and failed attempts (text or csv; json
    /// prints the whole report on one line, its rst_per_second and failed_per_second the series).
    #[arg(long)]
    series: bool,
    /// Print the port scans and sweeps, one row each (with --format csv; text prints the
    /// report's Scans section, json the whole report).
    #[arg(long, conflicts_with_all = ["series", "connections"])]
    scans: bool,
    /// Offenders shown in the text report.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Most connections tracked at once; beyond it the one nearest its timeout is ended early.
    #[arg(long, default_value_t = EngineConfig::default().max_flows, value_parser = max_flows)]
    max_flows: usize,
    /// Threads to use (default: one per core). With 1, reading, decoding and the analysis share
    /// one thread; with more, the capture is read and decoded on one while it is analyzed on
    /// another. The report is the same.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    #[command(flatten)]
    evidence: evidence_cli::EndpointArgs,
    #[command(flatten)]
    width: WidthArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// For reading
    Text,
    /// For programs (docs/json.md)
    Json,
    /// For programs: comma, dot, Unix seconds, whatever the locale
    Csv,
    /// The offenders table for Excel, as the app exports it: the list and decimal separators
    /// of this user's regional settings (Windows), date-times, a byte-order mark, CRLF
    Excel,
}

/// Why `--format excel` cannot be given with the options asked for: it writes the offenders
/// table only.
fn excel_refused(args: &AnalyzeArgs) -> Option<String> {
    if args.format != OutputFormat::Excel {
        return None;
    }
    let other = [
        (args.connections, "--connections"),
        (args.series, "--series"),
        (args.scans, "--scans"),
        (args.evidence.endpoint.is_some(), "--endpoint"),
    ]
    .into_iter()
    .find_map(|(given, name)| given.then_some(name))?;
    Some(format!(
        "--format excel writes the offenders table only; with {other} use --format csv"
    ))
}

/// The file of `--write`: not `-`, which `analyze` reads as standard input and tcpdump's `-w`
/// writes to standard output, where rstscope writes its report: `--write -` made a file named
/// `-` in the current folder.
fn save_path(s: &str) -> Result<PathBuf, String> {
    if s == "-" {
        return Err(
            "standard output carries the report, so the packets cannot go there (it \
                    would make a file named \"-\"): give a file name, e.g. --write \
                    capture.pcapng"
                .into(),
        );
    }
    Ok(PathBuf::from(s))
}

/// Failures that end the command, with the exit code they map to.
enum Failure {
    /// The input cannot be used (exit 2).
    Input(String),
    /// Writing the output failed for a reason other than a closed pipe (exit 1).
    Output(std::io::Error),
    /// A file the user named could not be written: which, why and what to do (exit 1).
    Save(String),
    /// As [`Failure::Save`], already told on standard error when it happened (a full disk
    /// during a capture): exit 1 without telling it again. The message is for a log that did
    /// not see standard error (the Windows service's).
    #[cfg_attr(not(windows), allow(dead_code))]
    Told(String),
    /// Ctrl+C stopped the analysis; the report of what was read is out, and says so (exit
    /// 130, as a shell shows a program the signal ended).
    Interrupted,
    /// The desktop app could not open its window (exit 1).
    #[cfg_attr(not(feature = "gui"), allow(dead_code))]
    Window(String),
}

/// The end of a line of the text reports: CRLF on Windows (see
/// `rstscope::host::locale::NEWLINE`). JSON and the CSV for programs keep LF, for the programs
/// that read them.
const NEWLINE: &str = rstscope::host::locale::NEWLINE;

/// A text report with its lines ended by [`NEWLINE`].
fn text_lines(text: String) -> String {
    with_line_ends(text, NEWLINE)
}

/// `text` with each bare `\n` made `newline`.
fn with_line_ends(text: String, newline: &str) -> String {
    if newline == "\n" {
        return text;
    }
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                out.push_str(body.strip_suffix('\r').unwrap_or(body));
                out.push_str(newline);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// A text report's `text` as standard output takes it: on Windows, on a pipe, in the console's
/// code page, in which PowerShell, `findstr` and `more` read it (see
/// `rstscope::host::locale::for_stdout`); otherwise UTF-8 as it is. The same for the listing of
/// `interfaces`, the per-second lines and the CSV for programs.
fn stdout_bytes(text: &str) -> std::borrow::Cow<'_, [u8]> {
    text_bytes(text, rstscope::host::locale::Stream::Stdout)
}

/// `text` as `stream` takes it: see [`stdout_bytes`]. Elsewhere than on Windows, in a locale
/// that is not UTF-8 (`LANG=C`), the ellipsis as three dots
/// (`rstscope::host::locale::in_the_locale`).
fn text_bytes(text: &str, stream: rstscope::host::locale::Stream) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(windows)]
    if let Some(bytes) = rstscope::host::locale::for_stream(text, stream) {
        return std::borrow::Cow::Owned(bytes);
    }
    #[cfg(not(windows))]
    let _ = stream;
    match rstscope::host::locale::in_the_locale(text) {
        std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(text.as_bytes()),
        std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(text.into_bytes()),
    }
}

/// JSON as standard output takes it: in ASCII alone where a code page reads it (PowerShell on
/// Windows: see `report::json::AsciiOnly`), otherwise UTF-8 as it is.
fn json_bytes(json: &str) -> std::borrow::Cow<'_, [u8]> {
    if rstscope::host::locale::stdout_is_read_in_a_code_page() {
        match report::json::ascii_escaped(json) {
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        }
    } else {
        std::borrow::Cow::Borrowed(json.as_bytes())
    }
}

/// The width the text reports' lines are fitted to, where `--width` gave one (0: none).
static WIDTH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// The text output's width as `--width` gives it (`None` where it was not given).
#[derive(clap::Args, Clone, Copy, Default)]
pub struct WidthArg {
    /// Fit the text output to N columns (0: each line whole); default: the terminal's, a
    /// pager's, or $COLUMNS for a pipe.
    ///
    /// Given, it holds for a terminal, a pipe or a file alike. Without it: the terminal's
    /// width; to a pipe or a file, $COLUMNS where it is set, else the terminal's width where a
    /// pager reading the pipe has taken it (`| less`), else each line whole, as scripts read
    /// it (`| grep`). JSON and CSV are never fitted.
    #[arg(long, value_name = "N")]
    width: Option<usize>,
}

impl WidthArg {
    /// From now on the text output is fitted to the width given, if any (see [`stdout_width`]).
    pub fn apply(self) {
        if let Some(w) = self.width {
            let _ = WIDTH.set(w);
        }
    }
}

/// The columns the text reports' lines are fitted to: `--width`'s, else those of the
/// terminal standard output is, else (a file or a pipe) `COLUMNS`'s where it is set, as ps
/// and systemctl read it there, else those of the terminal a pager reading the pipe has
/// taken (`analyze F | less`, `capture | less`: at 80 columns less showed lines of 81 and
/// more, wrapped at its edge back to column 0); none otherwise: each sentence on one line,
/// as scripts read it (`| grep` finds a sentence whole), as ps and systemctl write whole
/// lines to a pipe.
fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal as _;
    if let Some(&w) = WIDTH.get() {
        return (w > 0).then_some(w);
    }
    if std::io::stdout().is_terminal() {
        return console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| usize::from(cols));
    }
    columns_from_env(std::env::var_os("COLUMNS").as_deref())
        .or_else(rstscope::host::locale::pager_width)
}

/// The width `COLUMNS` says, where it is a number of columns (not empty, not 0).
fn columns_from_env(value: Option<&std::ffi::OsStr>) -> Option<usize> {
    value
        .and_then(|v| v.to_str())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
}

/// Writes a whole report to stdout.
fn print(text: &str) -> Result<(), Failure> {
    print_bytes(text.as_bytes())
}

/// Writes a whole text report, the listing of `interfaces` or the CSV for programs to stdout,
/// as [`stdout_bytes`] has it. (JSON has [`json_bytes`]; the CSV for Excel is UTF-8 with its
/// byte-order mark everywhere, see `report::csv::offenders_for_spreadsheet`.)
fn print_text(text: &str) -> Result<(), Failure> {
    print_bytes(&stdout_bytes(text))
}

fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

fn main() -> ExitCode {
    #[cfg(all(windows, feature = "gui"))]
    windows_console::attach_to_parent();
    let cli = if cfg!(windows) {
        Cli::parse_from(help_switch_as_cmd_spells_it(std::env::args_os()))
    } else {
        Cli::parse()
    };
    let result = match cli.command {
        Some(Command::Analyze(mut args)) => {
            args.width.apply();
            hold_messages_for_a_pager(rstscope::host::locale::Hold::All);
            file_args(std::mem::take(&mut args.files))
                .and_then(|files| analyze(&AnalyzeArgs { files, ..args }))
        }
        Some(Command::Capture(args)) => {
            args.width.apply();
            hold_messages_for_a_pager(rstscope::host::locale::Hold::WhilePaged);
            capture_cli::capture(&args)
        }
        Some(Command::Interfaces(args)) => {
            args.width.apply();
            capture_cli::interfaces(&args)
        }
        Some(Command::Agent(args)) => agent_cli::run(&args),
        None => file_args(cli.files).and_then(desktop),
    };
    let code = exit_code(result);
    rstscope::host::locale::write_deferred_stderr();
    code
}

/// The exit code of a command's `result`, its error told on standard error.
fn exit_code(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            stderr_line!("rstscope: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            stderr_line!(
                "rstscope: cannot write the output: {}",
                report::os_error(&e)
            );
            ExitCode::from(1)
        }
        Err(Failure::Window(msg)) => {
            stderr_line!("rstscope: {msg}");
            // The app started from Explorer or the Start menu has no stderr to read.
            #[cfg(all(windows, feature = "gui"))]
            windows_console::tell_where_no_stderr(&msg);
            ExitCode::from(1)
        }
        Err(Failure::Save(msg)) => {
            stderr_line!("rstscope: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Told(_)) => ExitCode::from(1),
        Err(Failure::Interrupted) => ExitCode::from(130),
    }
}

/// The messages (warnings, notes, and the error that ends a run) held until the report is
/// written and a pager reading it has quit (`rstscope analyze F | less`), where the report
/// goes to a pipe and the messages to a terminal: written at once, they drew over the
/// pager's screen and went with it. The text report carries its warnings too. `analyze`
/// holds them all; `capture` those that come while a pager has the terminal (`| tee`
/// wants its start line at once). See `rstscope::host::locale::defer_stderr`.
fn hold_messages_for_a_pager(hold: rstscope::host::locale::Hold) {
    use std::io::IsTerminal as _;
    if rstscope::host::locale::stdout_is_a_pipe() && std::io::stderr().is_terminal() {
        rstscope::host::locale::defer_stderr(hold);
    }
}

/// The arguments with cmd's way of asking for help, `/?` (as `ipconfig /?`), spelled as clap
/// knows it, `--help`. Windows only: elsewhere `/?` is a path the shell left unexpanded.
fn help_switch_as_cmd_spells_it(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|a| {
            if a == "/?" {
                OsString::from("--help")
            } else {
                a
            }
        })
        .collect()
}

/// The capture files as the user meant them: on Windows, wildcards expanded (Unix shells
/// expand them before rstscope starts).
fn file_args(files: Vec<PathBuf>) -> Result<Vec<PathBuf>, Failure> {
    if cfg!(windows) {
        wildcards::expand(files, true).map_err(|e| Failure::Input(e.to_string()))
    } else {
        Ok(files)
    }
}

/// The desktop app; it fails only when no window can be opened.
#[cfg(feature = "gui")]
fn desktop(files: Vec<PathBuf>) -> Result<(), Failure> {
    // The console of the shell it was started from is the user's again (see windows_console).
    #[cfg(windows)]
    windows_console::detach();
    let hint = no_window_hint(&files);
    rstscope::ui::run(files).map_err(|e| Failure::Window(hint(&e.to_string())))
}

/// What to say when the window cannot open for `files`: `no_window`'s sentence with the
/// analysis of the files that exist, and the names of those that do not (terminal trial:
/// `rstscope missing.pcap` without a display said to type `rstscope analyze missing.pcap`,
/// which only fails next). A wildcard is left to the command (Windows' programs expand their
/// own), as is `-`.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
fn no_window_hint(files: &[PathBuf]) -> impl FnOnce(&str) -> String + use<> {
    let (found, missing): (Vec<PathBuf>, Vec<PathBuf>) = files.iter().cloned().partition(|f| {
        let text = f.to_string_lossy();
        text == "-" || text.contains(['*', '?']) || f.exists()
    });
    let hint = analyze_command(&found);
    move |error| {
        let mut said = no_window(error, hint);
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|f| f.display().to_string()).collect();
            let verb = if missing.len() == 1 { "does" } else { "do" };
            said.push_str(&format!(" ({} {verb} not exist)", names.join(", ")));
        }
        said
    }
}

/// Why the window did not open (without the structures a library printed whole in it), and
/// what to do: on a machine without a display, type the analysis of the files given, if any
/// (it said `rstscope analyze FILE` whatever was given, where the headless build names them).
/// On Windows there is a display, but the window draws with OpenGL (GLSL 1.20, so OpenGL
/// 2.1), which the graphics driver of a virtual machine or remote desktop without 3D
/// acceleration may not offer.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
fn no_window(error: &str, analyze: Option<String>) -> String {
    let hint = analyze.unwrap_or_else(|| "`rstscope analyze FILE`".to_owned());
    let advice = if cfg!(windows) {
        format!(
            "the window needs OpenGL 2.1 or later from the graphics driver, which a virtual \
             machine or remote desktop without 3D acceleration may lack; {hint} in a terminal \
             gives the same analysis"
        )
    } else {
        format!("on a machine without a display use {hint}")
    };
    format!(
        "cannot open the window: {}; {advice}",
        without_source_paths(&without_struct_dumps(error))
    )
}

/// `rstscope analyze` of `files` as the command to type, each quoted where the shell would
/// split or expand it; None without files.
fn analyze_command(files: &[PathBuf]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let words: Vec<String> = files
        .iter()
        .map(|f| shell_word(&f.display().to_string()))
        .collect();
    Some(format!("`rstscope analyze {}`", words.join(" ")))
}

/// `word` as a shell takes it as one argument: as it is where it holds nothing the shell
/// reads (a space, a quote, `*`, `$`...), else quoted (POSIX single quotes; cmd's and
/// PowerShell's double quotes on Windows).
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_alphanumeric() || "-_./:+,=@%".contains(c) || (cfg!(windows) && c == '\\')
        });
    if plain {
        word.to_owned()
    } else if cfg!(windows) {
        format!("\"{word}\"")
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `text` without the Rust structures a library printed whole in it (glutin, where no OpenGL
/// is to be had: "Found no glutin configs matching the template: ConfigTemplate {
/// color_buffer_type: Rgb { r_size: 8, ... }, ... }. Error: not found", ten lines of a
/// message box on Windows), which say nothing to the user: a capitalized name followed by
/// ` { ` and the braces that close it, with the `: ` before it.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
fn without_struct_dumps(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(" { ") {
        let name_start = rest[..open]
            .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .map_or(0, |i| i + 1);
        let is_name = rest[name_start..open]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase());
        let mut depth = 0usize;
        let close = rest[open + 1..].char_indices().find_map(|(i, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(open + 1 + i + 1)
        });
        let Some(close) = close.filter(|_| is_name) else {
            out.push_str(&rest[..open + 3]);
            rest = &rest[open + 3..];
            continue;
        };
        out.push_str(
            rest[..name_start]
                .strip_suffix(": ")
                .unwrap_or(&rest[..name_start]),
        );
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// `text` without the source locations a library put in it (winit: "os error at
/// /home/.../winit-0.30.13/src/platform_impl/linux/mod.rs:765: neither WAYLAND_DISPLAY nor
/// ... is set."), which say nothing to the user, and without a last full stop.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
fn without_source_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(rs) = rest.find(".rs:") {
        let Some(at) = rest[..rs].rfind(" at ") else {
            break;
        };
        // The location ends at the ": " after its line (and column) numbers.
        let after = &rest[rs + 4..];
        let digits = after
            .find(|c: char| !c.is_ascii_digit() && c != ':')
            .unwrap_or(after.len());
        let end = rs + 4 + after[..digits].trim_end_matches(':').len();
        out.push_str(&rest[..at]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.trim_end().trim_end_matches('.').to_owned()
}

/// The headless build has no desktop app: it says what it can do instead.
#[cfg(not(feature = "gui"))]
fn desktop(files: Vec<PathBuf>) -> Result<(), Failure> {
    Err(Failure::Input(no_desktop(&files)))
}

/// What the headless build says when asked for the desktop app (tested in every build).
#[cfg_attr(feature = "gui", allow(dead_code))]
fn no_desktop(files: &[PathBuf]) -> String {
    let hint = analyze_command(files).unwrap_or_else(|| {
        "`rstscope analyze FILE`, `rstscope capture` or `rstscope agent`".to_owned()
    });
    format!(
        "this build has no desktop app (it was built without the `gui` feature); use {hint}, \
         or `rstscope --help`"
    )
}

/// `--max-flows`: at least one connection (0 was taken as 1, and the warning then said
/// "more than 0 were open at once").
fn max_flows(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("at least 1 connection must be tracked".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The JSON report, written as it is made (a scan's thousands of offenders never sit in
/// memory as one tree); in ASCII alone where a code page reads it (PowerShell on Windows: see
/// `report::json::AsciiOnly`).
fn json_out(
    a: &rstscope::analysis::Analysis,
    clock: Clock,
    pretty: bool,
    out: impl Write,
) -> Result<(), Failure> {
    if rstscope::host::locale::stdout_is_read_in_a_code_page() {
        json_written(a, clock, pretty, report::json::AsciiOnly::new(out))
    } else {
        json_written(a, clock, pretty, out)
    }
}

fn json_written(
    a: &rstscope::analysis::Analysis,
    clock: Clock,
    pretty: bool,
    mut out: impl Write,
) -> Result<(), Failure> {
    report::json::write(a, clock, pretty, &mut out).map_err(|e| Failure::Output(e.into()))?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

fn analyze(args: &AnalyzeArgs) -> Result<(), Failure> {
    if let Some(why) = excel_refused(args) {
        return Err(Failure::Input(why));
    }
    if let Some(why) = stdin_is_the_terminal(&args.files) {
        return Err(Failure::Input(why));
    }
    let clock = if args.utc { Clock::Utc } else { Clock::Local };
    if let Some(ep) = args.evidence.endpoint {
        return evidence_cli::run(&args.files, ep, &args.evidence, args.format, clock);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.connections && args.format == OutputFormat::Csv {
        writeln!(out, "{}", report::csv::CONNECTIONS_HEADER).map_err(Failure::Output)?;
    }
    let mut write_error: Option<std::io::Error> = None;
    let mut bar = ProgressBar::new(args.connections);
    let cancel = bar.cancel();
    let mut first_line = FirstLine::new(args);
    let mut reader = ReaderCheck::default();
    // The connections' lines go to the pager as they come, over the line.
    if args.connections {
        reader.keys = Arc::new(Mutex::new(rstscope::host::locale::UnreadKeys::off()));
    }
    // Progress comes with frames; a pipe that stalls is watched apart.
    let watch = StdinWatch::start(&args.files, bar.teller(), Arc::clone(&reader.keys));
    let mut progress = |p: Progress| {
        bar.update(p);
        // Frames read: the report will come (bad input has been told by now).
        if p.frames > 0 {
            first_line.write();
        }
        if reader.gone() {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let width = stdout_width();
    let mut on_conn = |c: &rstscope::engine::ConnRecord, digits: u8| {
        if write_error.is_some() {
            return;
        }
        let (line, newline) = match args.format {
            // Excel: refused before (excel_refused).
            OutputFormat::Csv | OutputFormat::Excel => (report::csv::connection(c), "\n"),
            OutputFormat::Json => (report::json::connection(c).to_string(), "\n"),
            // On a terminal each connection's line broken to its width, under a hanging
            // indent: at 80 columns they wrapped back to column 0, one record running into
            // the next. Its time to the digits the file records, as the report's.
            OutputFormat::Text => (
                text_lines(report::text::fitted(
                    &report::text::connection_line_to(c, clock, digits),
                    width,
                )),
                NEWLINE,
            ),
        };
        let line = format!("{line}{newline}");
        let bytes = match args.format {
            OutputFormat::Text | OutputFormat::Csv => stdout_bytes(&line),
            OutputFormat::Json => json_bytes(&line),
            OutputFormat::Excel => std::borrow::Cow::Borrowed(line.as_bytes()),
        };
        if let Err(e) = out.write_all(&bytes) {
            write_error = Some(e);
            // The rest of the capture would be read for nobody (`--connections | head`).
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let options = Options {
        engine: EngineConfig {
            max_flows: args.max_flows,
            keep_connections: args.connections,
            ..EngineConfig::default()
        },
        jobs: args.jobs.map_or(0, usize::from),
        progress: Some(&mut progress),
        cancel: Some(&*cancel),
        on_connection: if args.connections {
            Some(&mut on_conn)
        } else {
            None
        },
        ..Options::default()
    };
    let result = analysis::analyze_files(&args.files, options);
    drop(watch);
    bar.clear();
    reader
        .keys
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .erase();
    // Nobody reads the report: no warnings about the read cut short, no report; as at any
    // closed pipe.
    if reader.found_gone {
        return Err(Failure::Output(std::io::ErrorKind::BrokenPipe.into()));
    }
    let a = match result {
        Ok(a) => a,
        // Ctrl+C before a capture came (a pipe that stalled at its start): said, as stopped.
        Err(e) if cancel.load(Ordering::Relaxed) => {
            stderr_line!("rstscope: {e}");
            return Err(Failure::Interrupted);
        }
        Err(e) => return Err(Failure::Input(e.to_string())),
    };
    if let Some(e) = write_error {
        return Err(Failure::Output(e));
    }
    // The text report on the terminal the warnings would go to carries them (`warning` lines
    // in its Capture section): on one screen they came twice, a few lines apart.
    let in_the_report = a.capture.unreadable().is_none() && report_beside_messages(args);
    for w in a
        .capture
        .warnings_in(clock)
        .iter()
        .filter(|_| !in_the_report)
    {
        stderr_line!("rstscope: warning: {w}");
    }
    if a.capture.unreadable().is_some() {
        return Err(Failure::Input(nothing_read(
            &args.files,
            a.capture.warnings_in(clock).len(),
        )));
    }
    write_report(args, &a, clock, first_line.written, out)?;
    // The warnings said how far the read went before Ctrl+C stopped it.
    if a.capture.cancelled {
        return Err(Failure::Interrupted);
    }
    Ok(())
}

/// The error of an `analyze` of `files` of which no frame could be read, the `warnings` said
/// above it telling why: it names the files, as the warnings do, and says what to do. It said
/// "no packets could be read from the input", which named nothing and left the next step to
/// guess.
fn nothing_read(files: &[PathBuf], warnings: usize) -> String {
    const NAMED: usize = 3;
    let name = |f: &PathBuf| {
        if rstscope::source::file::is_stdin(f) {
            "standard input".to_owned()
        } else {
            f.display().to_string()
        }
    };
    let mut names: Vec<String> = files.iter().take(NAMED).map(name).collect();
    if files.len() > NAMED {
        names.push(format!("{} more", files.len() - NAMED));
    }
    let named = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("any of {} or {last}", rest.join(", ")),
        None => "the input".to_owned(),
    };
    let why = match warnings {
        0 => "",
        1 => "do what the warning above says, or ",
        _ => "do what the warnings above say, or ",
    };
    format!(
        "no packets could be read from {named}, so there is no report: {why}give a capture \
         file that holds packets (pcap or pcapng, as `tcpdump -w` or Wireshark write them)"
    )
}

/// Why `-` among `files` cannot be read where standard input is the terminal: `rstscope
/// analyze -` typed alone waited for a capture from the keyboard, saying after 5 s that it
/// waited for more of it on standard input. It is refused at once, saying what to give.
fn stdin_is_the_terminal(files: &[PathBuf]) -> Option<String> {
    use std::io::IsTerminal as _;
    (files.iter().any(|f| rstscope::source::file::is_stdin(f)) && std::io::stdin().is_terminal())
        .then(|| {
            "-: standard input is this terminal, not a capture: pipe one into rstscope \
             (`tcpdump -w - | rstscope analyze -`, `zcat cap.pcap.gz | rstscope analyze -`) or \
             give the capture file's name"
                .to_owned()
        })
}

/// Whether `analyze` writes its full text report, which carries the capture's warnings, to a
/// terminal, and its messages go to a terminal too (the same screen).
fn report_beside_messages(args: &AnalyzeArgs) -> bool {
    use std::io::IsTerminal as _;
    args.format == OutputFormat::Text
        && !(args.connections || args.series || args.scans)
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
}

/// The text report's first line, written as soon as the capture's frames are read, where the
/// report goes to a pipe and the messages to a terminal: `rstscope analyze big.pcap | less`
/// showed an empty screen until the whole file was read (13 s for 1 GB), and the pager looked
/// hung. The report is the same, its first line sooner. Not to a terminal, nor where standard
/// error goes with it (`2>&1 | less`), whose warnings would come after that line.
struct FirstLine {
    wanted: bool,
    /// Written: the report leaves it out.
    written: bool,
}

impl FirstLine {
    fn new(args: &AnalyzeArgs) -> Self {
        use std::io::IsTerminal as _;
        let report =
            args.format == OutputFormat::Text && !(args.connections || args.series || args.scans);
        Self {
            wanted: report && !std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
            written: false,
        }
    }

    /// Writes the line once. A failure is the report's to find.
    fn write(&mut self) {
        if !self.wanted || self.written {
            return;
        }
        self.written = true;
        let line = format!("{}{NEWLINE}", report::text::FIRST_LINE);
        let mut out = std::io::stdout().lock();
        let _ = out
            .write_all(&stdout_bytes(&line))
            .and_then(|()| out.flush());
    }
}

/// Asks, a few times a second during a read, whether standard output's reader has gone
/// (`rstscope::host::locale::stdout_reader_gone`): the pager quit, so the read stops; and
/// whether it leaves keys unread, to say that Ctrl+C stops the read
/// (`rstscope::host::locale::UnreadKeys`).
#[derive(Default)]
struct ReaderCheck {
    last: Option<std::time::Instant>,
    found_gone: bool,
    /// Shared with [`StdinWatch`], which asks while no frame comes.
    keys: Arc<Mutex<rstscope::host::locale::UnreadKeys>>,
}

impl ReaderCheck {
    /// Whether the reader has gone; asked at most every 100 ms (a poll(2) each).
    fn gone(&mut self) -> bool {
        let now = std::time::Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < std::time::Duration::from_millis(100))
        {
            return self.found_gone;
        }
        self.last = Some(now);
        self.found_gone = self.found_gone || rstscope::host::locale::stdout_reader_gone();
        (self.keys.lock().unwrap_or_else(PoisonError::into_inner))
            .tell_how_to_stop("stops the read");
        self.found_gone
    }
}

/// How long standard input's read waits for more before the user is told
/// ([`StdinWatch`]).
const STALL_TOLD_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Watches a read of standard input (`-`) from a thread of its own while standard error is a
/// terminal: the progress of a read, and the check of the pager's unread keys
/// ([`ReaderCheck`]), come with its frames, so a pipe that stalled (`tail -f capture.pcap |
/// rstscope analyze -`, a writer that stopped) showed nothing at all, its bar (if drawn)
/// frozen, and `q` in a pager that takes no key was not explained. Once the read has waited
/// [`STALL_TOLD_AFTER`], it says so, once, with what came so far and how to stop; and the
/// pager's keys are looked at while it waits. Stops when dropped.
struct StdinWatch {
    done: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StdinWatch {
    /// Watches where `files` hold `-` and standard error is a terminal.
    fn start(
        files: &[PathBuf],
        teller: progress_bar::Teller,
        keys: Arc<Mutex<rstscope::host::locale::UnreadKeys>>,
    ) -> Option<Self> {
        use std::io::IsTerminal as _;
        if !files.iter().any(|f| rstscope::source::file::is_stdin(f))
            || !std::io::stderr().is_terminal()
        {
            return None;
        }
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let done = Arc::clone(&done);
            std::thread::Builder::new()
                .name("stdin-watch".into())
                .spawn(move || {
                    let mut told = false;
                    while !done.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        let Some(w) = rstscope::source::file::stdin::waiting() else {
                            continue;
                        };
                        if w.waited < std::time::Duration::from_secs(1) {
                            continue;
                        }
                        (keys.lock().unwrap_or_else(PoisonError::into_inner))
                            .tell_how_to_stop("stops the read");
                        if !told && w.waited >= STALL_TOLD_AFTER {
                            told = teller.say(&stalled(w.bytes));
                        }
                    }
                })
                .ok()?
        };
        Some(Self {
            done,
            thread: Some(thread),
        })
    }
}

impl Drop for StdinWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What a user whose standard input has stalled after `bytes` is told ([`StdinWatch`]).
fn stalled(bytes: u64) -> String {
    let so_far = if bytes == 0 {
        "nothing has come yet".to_owned()
    } else {
        format!("{} read so far", report::bytes(bytes))
    };
    format!(
        "rstscope: waiting for more of the capture on standard input ({so_far}): the report \
         comes when the input ends; Ctrl+C stops the read and reports what was read"
    )
}

/// Writes `analyze`'s report of `a` (the connections were written as they came), but for its
/// first line where that was `written` as the read began ([`FirstLine`]).
fn write_report(
    args: &AnalyzeArgs,
    a: &rstscope::analysis::Analysis,
    clock: Clock,
    written: bool,
    mut out: impl Write,
) -> Result<(), Failure> {
    let text = if args.connections {
        String::new()
    } else if args.series {
        match args.format {
            // Excel: refused before (excel_refused).
            OutputFormat::Csv | OutputFormat::Excel => report::csv::series(a),
            OutputFormat::Json => return json_out(a, clock, false, out),
            OutputFormat::Text => text_lines(report::text::series_fitted(a, clock, stdout_width())),
        }
    } else if args.scans {
        match args.format {
            // Excel: refused before (excel_refused).
            OutputFormat::Csv | OutputFormat::Excel => report::csv::scans(a, clock),
            OutputFormat::Json => return json_out(a, clock, true, out),
            OutputFormat::Text => text_lines(report::text::scans_only_fitted(
                a,
                clock,
                args.top,
                stdout_width(),
            )),
        }
    } else {
        match args.format {
            OutputFormat::Csv => report::csv::offenders(a, clock),
            OutputFormat::Excel => report::csv::offenders_for_spreadsheet(
                a,
                clock,
                &rstscope::host::locale::spreadsheet(),
            ),
            OutputFormat::Json => return json_out(a, clock, true, out),
            OutputFormat::Text => text_lines(report::text::report_fitted(
                a,
                clock,
                args.top,
                stdout_width(),
            )),
        }
    };
    let first = format!("{}{NEWLINE}", report::text::FIRST_LINE);
    let text = match text.strip_prefix(&first) {
        Some(rest) if written => rest.to_owned(),
        _ => text,
    };
    // The CSV for Excel stays UTF-8 with its byte-order mark, which Excel needs to read it as
    // Unicode, and by which PowerShell's reader of a pipe takes it as UTF-8 whatever the code
    // page (see the README, "Console").
    let bytes = match args.format {
        OutputFormat::Text | OutputFormat::Csv => stdout_bytes(&text),
        OutputFormat::Excel | OutputFormat::Json => std::borrow::Cow::Borrowed(text.as_bytes()),
    };
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

#[cfg(test)]
mod tests {
    /// Regression (terminal trial): `rstscope analyze F` of which no frame could be read ended
    /// with "no packets could be read from the input", naming no file and saying nothing to do.
    #[test]
    fn regression_nothing_read_names_the_files_and_what_to_do() {
        use std::path::PathBuf;
        let files = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        let one = super::nothing_read(&files(&["cut.pcapng"]), 1);
        assert_eq!(
            one,
            "no packets could be read from cut.pcapng, so there is no report: do what the \
             warning above says, or give a capture file that holds packets (pcap or pcapng, as \
             `tcpdump -w` or Wireshark write them)"
        );
        let two = super::nothing_read(&files(&["a.pcap", "-"]), 2);
        assert!(
            two.starts_with(
                "no packets could be read from any of a.pcap or standard input, so there is no \
                 report: do what the warnings above say, "
            ),
            "{two}"
        );
        let five = super::nothing_read(&files(&["a", "b", "c", "d", "e"]), 0);
        assert!(
            five.starts_with("no packets could be read from any of a, b, c or 2 more, so there")
                && five.contains("no report: give a capture file"),
            "{five}"
        );
    }

    /// Regression (terminal trial): the headless build's `rstscope --help` said "Without a
    /// command it opens the desktop app, with the FILES given", which that build lacks.
    #[test]
    fn the_help_says_whether_this_build_has_the_desktop_app() {
        use clap::CommandFactory;
        let help = super::Cli::command().render_long_help().to_string();
        if cfg!(feature = "gui") {
            assert!(help.contains("it opens the desktop app"), "{help}");
        } else {
            assert!(
                help.contains("This build has no desktop app") && !help.contains("it opens"),
                "{help}"
            );
        }
    }

    /// Regression (terminal trial): on an 80-column terminal the help of every command came
    /// out as one line per option, up to 250 characters, which the terminal broke in the middle
    /// of words and back at its first column (clap wraps help text to the terminal's width only
    /// with its `wrap_help` feature).
    #[test]
    fn regression_the_help_wraps_at_the_terminal_s_width() {
        use clap::CommandFactory;
        let mut cli = super::Cli::command().term_width(80);
        cli.build();
        let mut commands = vec![cli.clone()];
        commands.extend(cli.get_subcommands().cloned());
        for mut c in commands {
            for help in [c.render_long_help(), c.render_help()] {
                let help = help.to_string();
                for line in help.lines() {
                    assert!(
                        line.chars().count() <= 80,
                        "{}: {} characters: {line}",
                        c.get_name(),
                        line.chars().count()
                    );
                }
            }
        }
    }

    /// The setcap command of `capture --help` stays whole, for the admin to copy: wrapped with
    /// the text around it, it broke in two; as one line it broke in two at 50 columns
    /// (regression, terminal trial), pasted as two commands. Its lines, continued by a
    /// backslash, are the same at 50 and 80 columns and read as the one command.
    #[cfg(not(windows))]
    #[test]
    fn the_setcap_command_is_a_line_of_its_own() {
        use clap::CommandFactory;
        for width in [50, 80] {
            let mut cli = super::Cli::command().term_width(width);
            cli.build();
            let capture = cli
                .find_subcommand_mut("capture")
                .expect("capture")
                .render_long_help()
                .to_string();
            let lines: Vec<&str> = capture.lines().map(str::trim).collect();
            let at = lines
                .iter()
                .position(|l| l.starts_with("sudo setcap"))
                .unwrap_or_else(|| panic!("{capture}"));
            assert_eq!(
                lines[at..at + 2],
                [
                    "sudo setcap cap_net_raw,cap_net_admin=eip \\",
                    "$(command -v rstscope)"
                ],
                "{width}: {capture}"
            );
        }
    }

    /// Regression (terminal trial): the man page left out `analyze --jobs`, `--max-flows`,
    /// `--max-packets` and `--all-copies`, `capture --max-flows` and `agent --user`: the admin
    /// reading `man rstscope` on a server never learned of them. It names every long option of
    /// every command now (troff writes `--` as `\-\-`).
    #[test]
    fn regression_the_man_page_names_every_option() {
        use clap::CommandFactory;
        let man = include_str!("../resources/rstscope.1");
        let mut cli = super::Cli::command();
        cli.build();
        let mut missing = Vec::new();
        for c in cli.get_subcommands() {
            for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
                let Some(long) = a.get_long() else { continue };
                if long == "help" {
                    continue;
                }
                let troff = format!("\\-\\-{}", long.replace('-', "\\-"));
                if !man.contains(&troff) {
                    missing.push(format!("{} --{long}", c.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "not in the man page: {missing:?}");
    }

    /// Regression (terminal trial): `rstscope FILE` without a display printed winit's source
    /// path ("os error at /root/.cargo/registry/.../mod.rs:765: ...").
    #[test]
    fn a_window_error_is_told_without_source_paths() {
        let winit = "winit EventLoopError: os error at /root/.cargo/registry/src/index.crates.\
                     io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/mod.rs:765: \
                     neither WAYLAND_DISPLAY nor WAYLAND_SOCKET nor DISPLAY is set.";
        assert_eq!(
            super::without_source_paths(winit),
            "winit EventLoopError: os error: neither WAYLAND_DISPLAY nor WAYLAND_SOCKET nor \
             DISPLAY is set"
        );
        let plain = "no suitable adapter found";
        assert_eq!(super::without_source_paths(plain), plain);
        assert_eq!(
            super::without_source_paths("a at b.rs:1:2: c at d.rs:3: e"),
            "a: c: e"
        );
    }

    /// Regression (Windows trial): without OpenGL the window's message (a message box on
    /// Windows) held glutin's whole ConfigTemplate, ten lines of fields.
    #[test]
    fn a_window_error_is_told_without_the_structures_a_library_printed() {
        let glutin = "Found no glutin configs matching the template: ConfigTemplate { \
                      color_buffer_type: Rgb { r_size: 8, g_size: 8, b_size: 8 }, alpha_size: \
                      8, api: None, native_window: None }. Error: not found";
        assert_eq!(
            super::without_struct_dumps(glutin),
            "Found no glutin configs matching the template. Error: not found"
        );
        for plain in [
            "no suitable adapter found",
            "a { b } with a lower-case name stays",
            "an open { without its end",
        ] {
            assert_eq!(super::without_struct_dumps(plain), plain);
        }
        assert_eq!(
            super::without_struct_dumps("x: A { b { c } }; y: D { e }."),
            "x; y."
        );
    }

    use super::*;

    /// Regression: the sentence had a run of spaces in its middle (a line break inside the
    /// string literal).
    #[test]
    fn the_headless_build_says_what_to_use_in_one_plain_sentence() {
        assert_eq!(
            no_desktop(&[PathBuf::from("trace.pcap")]),
            "this build has no desktop app (it was built without the `gui` feature); use \
             `rstscope analyze trace.pcap`, or `rstscope --help`"
        );
    }

    /// Regression (terminal trial): without a display, `rstscope missing.pcap` said to type
    /// `rstscope analyze missing.pcap`; the command names the files that exist, and those that
    /// do not are said not to.
    #[test]
    fn regression_no_window_leaves_out_files_that_do_not_exist() {
        let dir = std::env::temp_dir().join(format!("rstscope-no-window-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder of its own");
        let there = dir.join("there.pcap");
        std::fs::write(&there, b"").expect("a file");
        let gone = dir.join("missing.pcap");
        let winit = "neither WAYLAND_DISPLAY nor WAYLAND_SOCKET nor DISPLAY is set";
        let said = no_window_hint(&[there.clone(), gone.clone()])(winit);
        let command = analyze_command(std::slice::from_ref(&there)).expect("a command");
        assert!(said.contains(&command), "{said}");
        assert!(
            said.ends_with(&format!(" ({} does not exist)", gone.display())),
            "{said}"
        );
        let said = no_window_hint(&[gone.clone(), dir.join("also-missing.pcap")])(winit);
        assert!(said.contains(" `rstscope analyze FILE`"), "{said}");
        assert!(said.ends_with(" do not exist)"), "{said}");
        let said = no_window_hint(&[there.clone(), PathBuf::from("*.pcap")])(winit);
        assert!(!said.contains("not exist"), "{said}");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Regression (terminal trial): the desktop build without a display said "use `rstscope
    /// analyze FILE`" to `rstscope trace.pcap`, where the headless build names the file; now
    /// both give the command for the files given, quoted where a shell needs it.
    #[test]
    fn regression_no_window_names_the_files_to_analyze() {
        let winit = "winit EventLoopError: os error: neither WAYLAND_DISPLAY nor \
                     WAYLAND_SOCKET nor DISPLAY is set";
        let files = [PathBuf::from("trace.pcap"), PathBuf::from("b.pcap.gz")];
        let said = no_window(winit, analyze_command(&files));
        assert!(
            said.starts_with(&format!("cannot open the window: {winit}; "))
                && said.contains(" `rstscope analyze trace.pcap b.pcap.gz`"),
            "{said}"
        );
        if !cfg!(windows) {
            assert!(said.ends_with(
                "on a machine without a display use `rstscope analyze trace.pcap b.pcap.gz`"
            ));
        }
        assert!(no_window(winit, analyze_command(&[])).contains(" `rstscope analyze FILE`"));
        let spaced = analyze_command(&[PathBuf::from("my trace.pcap")]);
        let quoted = if cfg!(windows) {
            "`rstscope analyze \"my trace.pcap\"`"
        } else {
            "`rstscope analyze 'my trace.pcap'`"
        };
        assert_eq!(spaced.as_deref(), Some(quoted));
        assert_eq!(
            shell_word("it's"),
            if cfg!(windows) {
                "\"it's\""
            } else {
                r"'it'\''s'"
            }
        );
    }

    /// Regression: `rstscope /?` in cmd said "/?: no file matches this pattern", and
    /// `rstscope analyze /?` the same, where a Windows admin asks for help.
    #[test]
    fn slash_question_mark_asks_for_help_as_in_cmd() {
        for args in [&["rstscope", "/?"][..], &["rstscope", "analyze", "/?"]] {
            let args = help_switch_as_cmd_spells_it(args.iter().map(OsString::from));
            let kind = Cli::try_parse_from(&args).err().map(|e| e.kind());
            assert_eq!(kind, Some(clap::error::ErrorKind::DisplayHelp), "{args:?}");
        }
        let file = help_switch_as_cmd_spells_it(
            ["rstscope", "analyze", "/caps/a.pcap"].map(OsString::from),
        );
        assert_eq!(file[2], "/caps/a.pcap");
    }

    /// The CSV for Excel is the offenders table: with the connections, the series or an
    /// endpoint's packets it says to use --format csv, before any file is read.
    #[test]
    fn excel_is_for_the_offenders_table() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["rstscope", "analyze", "--format", "excel"];
            argv.extend_from_slice(extra);
            argv.push("a.pcap");
            match Cli::try_parse_from(argv).map(|c| c.command) {
                Ok(Some(Command::Analyze(args))) => excel_refused(&args),
                _ => panic!("analyze {extra:?} does not parse"),
            }
        };
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&["--utc", "--top", "3"]), None);
        for other in ["--connections", "--series"] {
            assert_eq!(
                parse(&[other]),
                Some(format!(
                    "--format excel writes the offenders table only; with {other} use --format csv"
                ))
            );
        }
        assert!(parse(&["--endpoint", "127.0.0.1:7211"]).is_some());
    }

    /// Regression: on Windows `rstscope analyze F > report.txt` wrote LF-only lines, one line
    /// in the Notepad of Windows Server 2016 and older.
    #[test]
    fn text_reports_take_the_line_ends_given() {
        let report = "Capture\n  file  a.pcap\n\nTotals\r\n  resets 2\n".to_owned();
        assert_eq!(
            with_line_ends(report.clone(), "\r\n"),
            "Capture\r\n  file  a.pcap\r\n\r\nTotals\r\n  resets 2\r\n"
        );
        assert_eq!(with_line_ends(report.clone(), "\n"), report);
        assert_eq!(with_line_ends("no end".to_owned(), "\r\n"), "no end");
        assert_eq!(NEWLINE, if cfg!(windows) { "\r\n" } else { "\n" });
    }
}
