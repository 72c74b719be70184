//! How the app names a process so that two of the same name can be told apart: its PID, the
//! services it hosts (a Windows `svchost.exe` runs several) and its command line, shortened in
//! tables with the whole of it on hover; and what to say of a process the app cannot see.

use crate::host::processes::ProcessInfo;
use crate::host::sockets::UNSEEN_PID;

/// Characters of a command line shown in a table cell.
pub const CMDLINE_CHARS: usize = 60;
/// Services named in a table cell; the rest are counted.
const SERVICES_SHOWN: usize = 2;

/// What a table cell says of a process the app cannot see.
pub const UNSEEN: &str = if cfg!(windows) {
    "owner unknown: Windows names no process"
} else {
    "not visible: another user's or a container's process"
};

/// Why a process cannot be seen and what shows it, for hovers and the details.
pub fn unseen_hint() -> String {
    unseen_hint_for(cfg!(windows))
}

/// [`unseen_hint`] as the Windows build (`windows`) or another says it. Windows names every
/// socket's owner to every user, administrator or not; it gives PID 0 for a socket it knows no
/// owner of (wine does for nearly every socket), and then nothing rstscope can do shows it.
fn unseen_hint_for(windows: bool) -> String {
    if windows {
        "Windows' socket table gives no owning process for this socket (PID 0), so rstscope \
         cannot say which program it is; running as administrator does not change that \
         (`netstat -ano` shows the same table)"
            .to_owned()
    } else {
        "rstscope cannot see which process this is: it belongs to another user (run rstscope \
         as root to see it) or runs in another PID namespace, such as a container's"
            .to_owned()
    }
}

/// True for a listener whose process could not be seen.
pub fn is_unseen(p: &ProcessInfo) -> bool {
    p.pid == UNSEEN_PID
}

/// `svchost.exe (1234) · Dnscache, LanmanServer +3 · svchost.exe -k NetworkService`: the
/// name and PID, the services it hosts, the shortened command line; without a command line
/// (a process that ended before it could be read), the program's path, whose folder is what
/// tells a script's copy of `curl` from the system's.
pub fn short(p: &ProcessInfo) -> String {
    short_as(p, true)
}

/// [`short`] without the PID, for a table with a column of its own for it:
/// `collector.py (python3) · python3 /opt/collector/collector.py`.
pub fn short_without_pid(p: &ProcessInfo) -> String {
    short_as(p, false)
}

fn short_as(p: &ProcessInfo, with_pid: bool) -> String {
    if is_unseen(p) {
        return UNSEEN.to_owned();
    }
    let pid = with_pid.then(|| p.pid.to_string());
    let mut text = p.program().with(pid);
    if p.is_windows_kernel() {
        text.push_str(" · the Windows kernel, for another program (HTTP.sys, SMB)");
        return text;
    }
    if let Some(s) = services(p) {
        text.push_str(" · ");
        text.push_str(&s);
    }
    let cmdline = p
        .cmdline
        .as_deref()
        .map(|c| short_cmdline(c, CMDLINE_CHARS));
    if let Some(c) = cmdline.filter(|c| !c.is_empty() && *c != p.name) {
        text.push_str(" · ");
        text.push_str(&c);
    } else if p.cmdline.as_deref().is_none_or(|c| c.trim().is_empty())
        && let Some(exe) = p.exe.as_deref().filter(|e| !e.is_empty())
    {
        text.push_str(" · ");
        text.push_str(&short_path(exe, CMDLINE_CHARS));
    }
    text
}

/// A path for a narrow cell: whole, or its last `max - 1` characters after an ellipsis (the
/// file name and its nearest folders tell most).
fn short_path(path: &str, max: usize) -> String {
    let count = path.chars().count();
    if count <= max {
        return path.to_owned();
    }
    let tail: String = path.chars().skip(count + 1 - max.max(1)).collect();
    format!("…{tail}")
}

/// Everything known of a process, one fact a line, for a hover.
pub fn hover(p: &ProcessInfo) -> String {
    if is_unseen(p) {
        return unseen_hint();
    }
    let mut lines = vec![p.program().with([format!("PID {}", p.pid)])];
    if p.is_windows_kernel() {
        lines.push(crate::host::processes::WINDOWS_KERNEL.to_owned());
    }
    if !p.services.is_empty() {
        lines.push(format!("services: {}", p.services.join(", ")));
    }
    if let Some(c) = p.cmdline.as_deref().filter(|c| !c.is_empty()) {
        lines.push(format!("command line: {c}"));
    }
    if let Some(e) = p.exe.as_deref() {
        lines.push(format!("executable: {e}"));
    }
    if let Some(u) = p.user.as_deref() {
        lines.push(format!("user: {u}"));
    }
    if p.restricted {
        lines.push(crate::host::processes::WINDOWS_RESTRICTED.to_owned());
    }
    lines.join("\n")
}

/// `Dnscache, LanmanServer +3`, or `None` when it hosts none.
fn services(p: &ProcessInfo) -> Option<String> {
    if p.services.is_empty() {
        return None;
    }
    let mut text = p
        .services
        .iter()
        .take(SERVICES_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = p.services.len().saturating_sub(SERVICES_SHOWN);
    if more > 0 {
        text.push_str(&format!(" +{more}"));
    }
    Some(text)
}

/// A command line for a narrow cell: the program's folder left out (`/usr/bin/python3 x.py`
/// -> `python3 x.py`, `"C:\Program Files\App\app.exe" -k` -> `app.exe -k`), then cut to
/// `max` characters with an ellipsis.
pub fn short_cmdline(cmd: &str, max: usize) -> String {
    let cmd = cmd.trim();
    // The program: quoted (Windows paths with spaces) or up to the first space.
    let (program, rest) = if let Some(quoted) = cmd.strip_prefix('"') {
        match quoted.find('"') {
            Some(end) => (&quoted[..end], &quoted[end + 1..]),
            None => (quoted, ""),
        }
    } else {
        match cmd.find(' ') {
            Some(i) => (&cmd[..i], &cmd[i..]),
            None => (cmd, ""),
        }
    };
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let whole = format!("{base}{}", rest.trim_end());
    if whole.chars().count() <= max {
        whole
    } else {
        let mut cut: String = whole.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svchost() -> ProcessInfo {
        ProcessInfo {
            services: vec![
                "Dnscache".into(),
                "LanmanWorkstation".into(),
                "NlaSvc".into(),
            ],
            cmdline: Some(r"C:\Windows\system32\svchost.exe -k NetworkService -p".into()),
            exe: Some(r"C:\Windows\system32\svchost.exe".into()),
            user: Some("NETWORK SERVICE".into()),
            ..ProcessInfo::bare(1234, "svchost.exe")
        }
    }

    #[test]
    fn a_svchost_is_told_apart_by_its_services_and_command_line() {
        assert_eq!(
            short(&svchost()),
            "svchost.exe (1234) · Dnscache, LanmanWorkstation +1 · svchost.exe -k NetworkService -p"
        );
        let hover = hover(&svchost());
        assert!(
            hover.contains("services: Dnscache, LanmanWorkstation, NlaSvc"),
            "{hover}"
        );
        assert!(
            hover.contains(r"command line: C:\Windows\system32\svchost.exe -k NetworkService -p"),
            "{hover}"
        );
    }

    #[test]
    fn command_lines_lose_the_program_folder_and_are_cut_with_an_ellipsis() {
        assert_eq!(
            short_cmdline(
                "/usr/bin/python3 /opt/collector/collector.py --port 7211",
                80
            ),
            "python3 /opt/collector/collector.py --port 7211"
        );
        assert_eq!(
            short_cmdline(r#""C:\Program Files\App\app.exe" --serve"#, 80),
            "app.exe --serve"
        );
        let cut = short_cmdline("/bin/java -jar /opt/a/very/long/path/to/a/service.jar", 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…') && cut.starts_with("java -jar"), "{cut}");
        // A process known by name only shows no command line twice.
        let bare = ProcessInfo {
            cmdline: Some("collector".into()),
            ..ProcessInfo::bare(7, "collector")
        };
        assert_eq!(short(&bare), "collector (7)");
    }

    #[test]
    fn a_process_known_by_its_program_path_only_shows_the_path() {
        // Ended before its command line was read; the connect trace saw what it ran.
        let gone = ProcessInfo {
            exe: Some("/tmp/健康检查/check-client".into()),
            ..ProcessInfo::bare(4321, "check-client")
        };
        assert_eq!(
            short(&gone),
            "check-client (4321) · /tmp/健康检查/check-client"
        );
        let long = ProcessInfo {
            exe: Some(format!("/opt/{}/bin/check", "x".repeat(80))),
            ..ProcessInfo::bare(4321, "check")
        };
        let text = short(&long);
        assert!(text.ends_with("xx/bin/check"), "{text}");
        assert_eq!(
            text.split(" · ").nth(1).map(|t| t.chars().count()),
            Some(CMDLINE_CHARS)
        );
        // With a command line, that is shown, not the path.
        let live = ProcessInfo {
            cmdline: Some("/usr/bin/curl -s http://127.0.0.1:7211/".into()),
            ..gone
        };
        assert_eq!(
            short(&live),
            "check-client (4321) · curl -s http://127.0.0.1:7211/"
        );
    }

    /// Regression: five Python services all read `python3 (1234) · python3 /opt/...`, the
    /// script only in the command line a narrow cell cuts.
    #[test]
    fn a_script_is_named_by_itself_before_its_command_line() {
        let cmd = [
            "/usr/bin/python3",
            "-u",
            "/opt/collector/collector.py",
            "--port",
            "7211",
        ];
        let p = ProcessInfo {
            cmdline: Some(cmd.join(" ")),
            script: crate::host::program::Script::of(cmd),
            ..ProcessInfo::bare(4312, "python3")
        };
        assert_eq!(
            short(&p),
            "collector.py (python3, 4312) · python3 -u /opt/collector/collector.py --port 7211"
        );
        assert!(short_without_pid(&p).starts_with("collector.py (python3) · "));
        assert!(hover(&p).starts_with("collector.py (python3, PID 4312)\n"));
        assert_eq!(
            short_without_pid(&svchost()),
            short(&svchost()).replace(" (1234)", "")
        );
    }

    #[test]
    fn a_process_that_cannot_be_seen_says_how_to_see_it() {
        let p = ProcessInfo::bare(UNSEEN_PID, "");
        assert_eq!(short(&p), UNSEEN);
        assert_eq!(hover(&p), unseen_hint());
        assert!(!short(&p).contains("PID 0") && !short(&p).contains("(0)"));
        assert!(unseen_hint_for(false).contains("another user"));
    }

    /// Regression: on Windows a socket without owner (PID 0) was blamed on another user's or
    /// a container's process, with "run as administrator", which does not show it.
    #[test]
    fn on_windows_no_owner_is_not_blamed_on_a_user_or_a_container() {
        let hint = unseen_hint_for(true);
        assert!(hint.contains("PID 0"), "{hint}");
        for wrong in ["another user", "container", "namespace"] {
            assert!(!hint.contains(wrong), "{hint}");
        }
        if cfg!(windows) {
            assert!(!UNSEEN.contains("container") && !UNSEEN.contains("user"));
        }
    }

    /// PID 4 is the kernel listening for another program (HTTP.sys, SMB): said so.
    #[test]
    fn the_windows_kernel_is_said_to_serve_another_program() {
        let p = ProcessInfo::bare(4, "System");
        assert_eq!(
            short(&p),
            "System (4) · the Windows kernel, for another program (HTTP.sys, SMB)"
        );
        assert!(hover(&p).contains("HTTP.sys"), "{}", hover(&p));
    }

    /// A process whose path and command line Windows refused an rstscope not run as
    /// administrator: the hover says what shows them.
    #[test]
    fn a_process_windows_hides_from_a_user_says_to_run_as_administrator() {
        let p = ProcessInfo {
            restricted: true,
            ..ProcessInfo::bare(1234, "sqlservr.exe")
        };
        assert_eq!(
            hover(&p),
            "sqlservr.exe (PID 1234)\nits path and command line are shown to administrators \
             only: run rstscope as administrator to see them"
        );
        assert!(!hover(&ProcessInfo::bare(1234, "sqlservr.exe")).contains("administrator"));
    }
}
