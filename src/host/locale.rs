//! The list and decimal separators of the user's regional settings, for the CSV a spreadsheet
//! opens (the app's export, `rstscope analyze --format excel`): Excel opens a CSV file by a
//! double click with them (`;` and `,` in Germany, France, Italy, Spain, the Netherlands...),
//! so a comma-separated file came out as one column there. Windows reads them from the user's
//! locale; elsewhere the export keeps comma and dot (LibreOffice asks on import, and there is
//! no one system setting that spreadsheets there follow). And the console's code page, in
//! which a pipe on Windows is read, standard output's (`for_stdout`) and standard error's
//! (`stderr_line`) alike.

use crate::report::csv::Spreadsheet;

/// The separators a spreadsheet of this user reads a CSV file with.
#[cfg(windows)]
pub fn spreadsheet() -> Spreadsheet {
    use windows_sys::Win32::Globalization::{LOCALE_SDECIMAL, LOCALE_SLIST};
    let default = Spreadsheet::default();
    // A separator a CSV field cannot be split at (empty, a quote, a line break) is ignored.
    let separator = user_locale_info(LOCALE_SLIST).filter(|s| !s.contains(['"', '\r', '\n']));
    Spreadsheet {
        separator: separator.unwrap_or(default.separator),
        decimal: user_locale_info(LOCALE_SDECIMAL).unwrap_or(default.decimal),
    }
}

/// Comma and dot.
#[cfg(not(windows))]
pub fn spreadsheet() -> Spreadsheet {
    Spreadsheet::default()
}

/// One text item of the user's locale, with the user's own changes to it (Region settings);
/// `None` when the call fails or gives nothing.
#[cfg(windows)]
fn user_locale_info(item: u32) -> Option<String> {
    use windows_sys::Win32::Globalization::GetLocaleInfoEx;
    // LOCALE_SLIST and LOCALE_SDECIMAL are at most 4 characters and the terminating NUL.
    let mut buf = [0u16; 16];
    // SAFETY: a null locale name is LOCALE_NAME_USER_DEFAULT (windows-sys has no constant for
    // it); the buffer is writable and its length is given in UTF-16 units, which the call does
    // not write past; it returns the units written, NUL included, or 0.
    let written =
        unsafe { GetLocaleInfoEx(std::ptr::null(), item, buf.as_mut_ptr(), buf.len() as i32) };
    let len = usize::try_from(written).ok()?.checked_sub(1)?;
    let text = String::from_utf16(buf.get(..len)?).ok()?;
    (!text.is_empty()).then_some(text)
}

/// The end of a line of text for people (the text reports, the listings, the messages on
/// standard error): CRLF on Windows, as its text files have, so that output redirected to a
/// file (`rstscope analyze F > report.txt`, `2> errors.txt`) opens as lines in the Notepad of
/// Windows Server 2016 and older, which shows LF-only text as one line.
pub const NEWLINE: &str = if cfg!(windows) { "\r\n" } else { "\n" };

/// A standard stream text is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: the reports and listings.
    Stdout,
    /// Standard error: warnings, notes, the live commands' start and stop lines.
    Stderr,
}

/// The bytes standard output takes for `text`, `None` when it takes UTF-8 as it is.
///
/// A pipe (PowerShell reading a program's output into its strings, or into a file with `>`;
/// `| findstr`, `| more`) is read in the console's output code page (437, 850, ... unless
/// changed with `chcp`), so UTF-8 came out garbled there (`ΓÇª` for `…`, `J├╢rg` for `Jörg`).
/// On a pipe of a console whose code page is not UTF-8, text is written in that code page
/// ([`in_code_page`]). The console itself (UTF-16, through `WriteConsoleW`) and a file (UTF-8,
/// which Notepad and editors read) are left as they are, as are other systems.
#[cfg(windows)]
pub fn for_stdout(text: &str) -> Option<Vec<u8>> {
    for_stream(text, Stream::Stdout)
}

/// The bytes `stream` takes for `text`, `None` when it takes UTF-8 as it is: see
/// [`for_stdout`]. PowerShell reads a program's standard error through a pipe too
/// (`2>&1`, `2> errors.txt`, `$(...) 2>&1`), in the same code page.
#[cfg(windows)]
pub fn for_stream(text: &str, stream: Stream) -> Option<Vec<u8>> {
    pipe_code_page(stream).map(|cp| in_code_page(text, cp))
}

/// Writes `line` and [`NEWLINE`] to standard error, in the code page a pipe there is read in
/// (see `for_stream`, Windows only); a line break inside `line` is a [`NEWLINE`] too. Where
/// `eprintln!` would panic, a failure to write is ignored: there is nowhere else to say it.
///
/// On a terminal each line is broken at spaces to its width, with a hanging indent
/// ([`crate::report::text::fitted`]: a warning naming a file, an offset and what to do ran
/// 200 columns and wrapped back to column 0); to a file or a pipe it is as it was. While
/// [`defer_stderr`] holds them, the lines wait for [`write_deferred_stderr`].
pub fn stderr_line(line: &str) {
    stderr_line_keeping(line, &[]);
}

/// [`stderr_line`], where each of `whole` in `line` (a capture filter) stays on one line of
/// the terminal, to be copied.
pub fn stderr_line_keeping(line: &str, whole: &[&str]) {
    let text = crate::report::text::fitted_keeping(line, stderr_width(), whole);
    if let Ok(mut held) = DEFERRED.lock()
        && let Some((hold, held)) = held.as_mut()
        // Once one is held, those after it wait too, so that they come in order.
        && (*hold == Hold::All || !held.is_empty() || !stderr_canonical())
    {
        held.push(text);
        return;
    }
    write_stderr(&text);
}

/// Writes `text` to standard error as [`stderr_line`] does, as it is.
fn write_stderr(text: &str) {
    use std::io::Write as _;
    let text = with_newlines(text);
    #[cfg(windows)]
    let bytes = for_stream(&text, Stream::Stderr).unwrap_or_else(|| text.into_bytes());
    #[cfg(not(windows))]
    let bytes = text.into_bytes();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(&bytes).and_then(|()| err.flush());
}

/// The columns of the terminal standard error is; none for a file or a pipe.
pub fn stderr_width() -> Option<usize> {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    console::Term::stderr()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
}

/// Whether standard output is a pipe or a socket, which a pager may read (Unix; never
/// elsewhere, where no pager takes the terminal as less does).
pub fn stdout_is_a_pipe() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: a zeroed stat is a valid value of the plain C struct; fstat(2) fills it,
        // alive for the call, or fails.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let got = unsafe { libc::fstat(libc::STDOUT_FILENO, &raw mut st) };
        got == 0 && matches!(st.st_mode & libc::S_IFMT, libc::S_IFIFO | libc::S_IFSOCK)
    }
    #[cfg(not(unix))]
    false
}

/// Which lines of standard error [`defer_stderr`] holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Every line (`analyze`, whose report is written at its end: a pager started with it
    /// may not have taken the terminal yet when its first warning comes).
    All,
    /// The lines that come while a program has taken the terminal (a pager), and every line
    /// after one held (`capture`, whose start and notes a `| tee` reader wants at once).
    WhilePaged,
}

/// The lines of standard error held back ([`defer_stderr`]), `None` while they are written
/// as they come.
static DEFERRED: std::sync::Mutex<Option<(Hold, Vec<String>)>> = std::sync::Mutex::new(None);

/// From now on the lines of [`stderr_line`] (those `hold` says) are held for
/// [`write_deferred_stderr`], where the report goes to a pipe and the messages to a terminal
/// (`rstscope analyze F | less`): a pager draws its screen over the terminal's, so a warning
/// written while it shows the report landed over the report's lines, and went with the
/// pager's screen when it quit (less's alternate screen). The report carries its warnings
/// itself; these come after it.
pub fn defer_stderr(hold: Hold) {
    if let Ok(mut held) = DEFERRED.lock() {
        held.get_or_insert_with(|| (hold, Vec::new()));
    }
}

/// Whether standard error's terminal is in canonical mode (lines, as the shell leaves it),
/// not taken by a program that reads each key (a pager); true where it cannot be told.
fn stderr_canonical() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: a zeroed termios is a valid value of the plain C struct; tcgetattr(3) fills
        // it, alive for the call, or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let got = unsafe { libc::tcgetattr(libc::STDERR_FILENO, &raw mut t) };
        got != 0 || t.c_lflag & libc::ICANON != 0
    }
    #[cfg(not(unix))]
    true
}

/// Writes the lines [`defer_stderr`] held, once the report is whole and the terminal is
/// the shell's again: standard output is closed first, so that its reader sees the report's
/// end; where a program reading it has taken the terminal (a pager, which puts it out of
/// canonical mode to read keys), they wait until it gives it back (quits), as git waits for
/// its pager. Where none takes it within a moment (`| grep`, `| head`), they come at once.
pub fn write_deferred_stderr() {
    let held = DEFERRED.lock().ok().and_then(|mut held| held.take());
    let Some((_, held)) = held.filter(|(_, h)| !h.is_empty()) else {
        return;
    };
    #[cfg(unix)]
    wait_for_the_terminal();
    for text in held {
        write_stderr(&text);
    }
}

/// Closes standard output (what is still buffered written first), then waits while a program
/// other than this one holds standard error's terminal out of canonical mode: a pager that
/// shows the report. One that has not taken it yet is waited for a moment (200 ms), unless
/// standard output's reader has gone already.
#[cfg(unix)]
fn wait_for_the_terminal() {
    use std::io::Write as _;
    use std::time::{Duration, Instant};
    let gone = stdout_reader_gone();
    let _ = std::io::stdout().lock().flush();
    // SAFETY: open(2) of a constant path, dup2(2) and close(2) of descriptors this process
    // owns; standard output is flushed above and not written after, so that its reader gets
    // the end of its input while this process waits.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if null >= 0 {
            libc::dup2(null, libc::STDOUT_FILENO);
            libc::close(null);
        }
    }
    let start = Instant::now();
    let mut taken = false;
    loop {
        if !stderr_canonical() {
            taken = true;
        } else if taken || gone || start.elapsed() > Duration::from_millis(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `line` with each of its lines ended by [`NEWLINE`].
fn with_newlines(line: &str) -> String {
    let mut text = String::with_capacity(line.len() + 2);
    for part in line.split('\n') {
        text.push_str(part.strip_suffix('\r').unwrap_or(part));
        text.push_str(NEWLINE);
    }
    text
}

/// Whether standard output is a pipe read in a console code page that is not UTF-8 (see
/// `for_stdout`, Windows only): where JSON is best written in ASCII alone
/// ([`crate::report::json::AsciiOnly`]), so that PowerShell's `ConvertFrom-Json` reads it
/// whole. Never elsewhere than on Windows.
pub fn stdout_is_read_in_a_code_page() -> bool {
    #[cfg(windows)]
    return pipe_code_page(Stream::Stdout).is_some();
    #[cfg(not(windows))]
    false
}

/// Whether standard output is a pipe (or a socket) whose reader has gone: the pager quit
/// (`rstscope analyze big.pcap | less`, then `q`), `head` had its lines. A long read then
/// stops at once rather than when its report is written, many seconds later, while the shell's
/// prompt waits for it. Asked without writing (a report is written at the end), by poll(2):
/// Linux says POLLERR for a pipe without a reader, macOS POLLHUP. A file or a terminal that
/// is still there says neither. Never on other systems, where the report's write finds it.
pub fn stdout_reader_gone() -> bool {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    {
        let mut fd = libc::pollfd {
            fd: libc::STDOUT_FILENO,
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: one pollfd, alive for the call; a timeout of 0 returns at once.
        let ready = unsafe { libc::poll(&raw mut fd, 1, 0) };
        ready > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    false
}

/// The console's output code page when `stream` is a pipe and that code page is not UTF-8;
/// looked up once for each stream.
#[cfg(windows)]
fn pipe_code_page(stream: Stream) -> Option<u32> {
    use std::sync::OnceLock;
    use windows_sys::Win32::Globalization::CP_UTF8;
    use windows_sys::Win32::Storage::FileSystem::{FILE_TYPE_PIPE, GetFileType};
    use windows_sys::Win32::System::Console::{
        GetConsoleOutputCP, GetStdHandle, STD_ERROR_HANDLE, STD_OUTPUT_HANDLE,
    };
    static STDOUT: OnceLock<Option<u32>> = OnceLock::new();
    static STDERR: OnceLock<Option<u32>> = OnceLock::new();
    let (cell, handle) = match stream {
        Stream::Stdout => (&STDOUT, STD_OUTPUT_HANDLE),
        Stream::Stderr => (&STDERR, STD_ERROR_HANDLE),
    };
    *cell.get_or_init(|| {
        // SAFETY: GetStdHandle takes a constant; GetFileType takes any handle (a null or
        // invalid one is FILE_TYPE_UNKNOWN); GetConsoleOutputCP takes nothing (0 without a
        // console).
        let (kind, code_page) =
            unsafe { (GetFileType(GetStdHandle(handle)), GetConsoleOutputCP()) };
        (kind == FILE_TYPE_PIPE && code_page != 0 && code_page != CP_UTF8).then_some(code_page)
    })
}

/// `text` in the Windows code page `code_page`: the ellipsis, which the consoles' code pages
/// lack, as three dots ([`without_ellipsis`]); other characters the code page lacks as their
/// nearest there, or `?`.
#[cfg(windows)]
pub fn in_code_page(text: &str, code_page: u32) -> Vec<u8> {
    use windows_sys::Win32::Globalization::WideCharToMultiByte;
    let wide: Vec<u16> = without_ellipsis(text).encode_utf16().collect();
    let Ok(len) = i32::try_from(wide.len()) else {
        return text.as_bytes().to_vec();
    };
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: `wide` holds `len` UTF-16 units; the first call writes nothing (null output,
    // size 0) and returns the bytes needed, the second writes at most that many into `out`;
    // the default character and its flag may be null (the code page's own default).
    let needed = unsafe {
        WideCharToMultiByte(
            code_page,
            0,
            wide.as_ptr(),
            len,
            std::ptr::null_mut(),
            0,
            std::ptr::null(),
            std::ptr::null_mut(),
        )
    };
    let mut out = vec![0u8; usize::try_from(needed).unwrap_or(0)];
    if out.is_empty() {
        return text.as_bytes().to_vec();
    }
    // SAFETY: as above; `out` is `needed` bytes long.
    let written = unsafe {
        WideCharToMultiByte(
            code_page,
            0,
            wide.as_ptr(),
            len,
            out.as_mut_ptr(),
            needed,
            std::ptr::null(),
            std::ptr::null_mut(),
        )
    };
    out.truncate(usize::try_from(written).unwrap_or(0));
    out
}

/// `text` with each ellipsis (`…`, which rstscope puts where it cuts a quoted payload, a
/// command line or a name) as three dots, for a code page without it.
pub fn without_ellipsis(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('…') {
        std::borrow::Cow::Owned(text.replace('…', "..."))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ellipsis_becomes_three_dots_and_nothing_else_changes() {
        assert_eq!(
            without_ellipsis("\"BIG-IP: TCP RST from remote syste…\" (cut by the capture)"),
            "\"BIG-IP: TCP RST from remote syste...\" (cut by the capture)"
        );
        assert!(matches!(
            without_ellipsis("Jörg.pcap: 20 refused"),
            std::borrow::Cow::Borrowed("Jörg.pcap: 20 refused")
        ));
    }

    /// Regression: PowerShell read the report through a pipe in the console's code page (437
    /// in the US), and the sentence quoting a cut reset payload showed `ΓÇª` for `…`.
    #[cfg(windows)]
    #[test]
    fn text_for_a_console_code_page_has_its_bytes() {
        assert_eq!(
            in_code_page("syste… Jörg 捕获\r\n", 437),
            b"syste... J\x94rg ??\r\n".to_vec()
        );
        assert_eq!(in_code_page("Jörg", 850), b"J\x94rg".to_vec());
        assert_eq!(in_code_page("Jörg", 1252), b"J\xf6rg".to_vec());
        assert!(in_code_page("", 437).is_empty());
    }

    /// The separators are those of the user's Region settings, which Windows keeps in
    /// `HKCU\Control Panel\International` (`sList`, `sDecimal`). The Windows smoke test runs this
    /// under wine in a German locale, where they are `;` and `,`.
    #[cfg(windows)]
    #[test]
    fn the_separators_are_the_user_regional_settings() {
        let registry = |name: &str| {
            // Wine under load has failed to start `reg` now and then (ERROR_INTERNAL_ERROR),
            // which says nothing of the separators: it is tried again.
            let query = || {
                std::process::Command::new("reg")
                    .args(["query", r"HKCU\Control Panel\International", "/v", name])
                    .output()
            };
            let out = (1..3)
                .fold(query(), |out, _| {
                    out.or_else(|_| {
                        std::thread::sleep(std::time::Duration::from_millis(500));
                        query()
                    })
                })
                .expect("reg query runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix("REG_SZ"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| panic!("no {name} in {text}"))
        };
        let sheet = spreadsheet();
        println!(
            "the user's locale: list separator {:?}, decimal separator {:?}",
            sheet.separator, sheet.decimal
        );
        assert_eq!(sheet.separator, registry("sList"));
        assert_eq!(sheet.decimal, registry("sDecimal"));
    }

    /// Regression: on Windows the messages on standard error ended in LF alone, where the
    /// reports' lines end in CRLF (`2> errors.txt` was one line in an old Notepad).
    #[test]
    fn a_message_to_standard_error_ends_each_of_its_lines_as_the_reports_do() {
        assert_eq!(
            with_newlines("rstscope: warning: one\ntwo\r\nthree"),
            format!("rstscope: warning: one{NEWLINE}two{NEWLINE}three{NEWLINE}")
        );
        assert_eq!(with_newlines(""), NEWLINE);
        assert_eq!(NEWLINE, if cfg!(windows) { "\r\n" } else { "\n" });
    }

    #[cfg(not(windows))]
    #[test]
    fn other_systems_write_comma_and_dot() {
        assert_eq!(spreadsheet(), Spreadsheet::default());
    }
}
