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
    if let Ok(mut deferred) = DEFERRED.lock()
        && let Some(d) = deferred.as_mut()
        && d.holds()
    {
        d.held.push_back(Held::Message(text));
        return;
    }
    write_stderr(&text);
}

/// Writes `line` on standard error (fitted to its terminal) at once, not held for the end
/// as [`stderr_line`] holds it where the report goes to a pipe ([`Hold::All`]), unless a
/// program (a pager) has taken the terminal: then it is not written at all. For what is
/// worth saying only while it is true (the input waits), long after a pager would have
/// taken the terminal. Whether it was written.
pub fn stderr_line_unless_paged(line: &str) -> bool {
    if !stderr_canonical() {
        return false;
    }
    let _writing = WRITING.lock();
    write_stderr(&crate::report::text::fitted(line, stderr_width()));
    true
}

/// Writes `lines` to standard error, each as it is (fitted to the terminal by the caller),
/// as a running record: `capture`'s per-second lines where its report is JSON or CSV. While
/// [`defer_stderr`] holds the messages they are held with them, in order: `rstscope capture
/// --format json | less` drew a line a second over less's screen. Of those held, the last
/// [`MAX_HELD_LINES`] are kept (a week's capture would hold 600,000), and one line says how
/// many earlier ones were let go, where they were. Fails where the lines cannot be written.
pub fn stderr_lines(lines: &[String]) -> std::io::Result<()> {
    if let Ok(mut deferred) = DEFERRED.lock()
        && let Some(d) = deferred.as_mut()
        && d.holds()
    {
        for line in lines {
            d.push_line(line.clone());
        }
        return Ok(());
    }
    for line in lines {
        try_write_stderr(line)?;
    }
    Ok(())
}

/// Writes `text` to standard error as [`stderr_line`] does, as it is.
fn write_stderr(text: &str) {
    // Nothing to do if it cannot be written: there is nowhere else to say it.
    let _ = try_write_stderr(text);
}

/// [`write_stderr`], which fails where standard error cannot be written.
fn try_write_stderr(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let text = with_newlines(text);
    #[cfg(windows)]
    let bytes = for_stream(&text, Stream::Stderr).unwrap_or_else(|| text.into_bytes());
    #[cfg(not(windows))]
    let bytes = in_the_locale(&text).into_owned().into_bytes();
    let mut err = std::io::stderr().lock();
    err.write_all(&bytes).and_then(|()| err.flush())
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

/// The columns of the terminal a pager reading standard output shows it on: where standard
/// output is a pipe and standard error's terminal has been taken by another program, out of
/// canonical mode to read each key (`rstscope analyze F | less`), as
/// [`taken_by_a_pager`] tells it. Where standard error is no terminal (`2>&1 | less`, `2>
/// log | less`), the same of the process's controlling terminal, when this program is in
/// its foreground job (a pager of a job in the background is not ours). None where the
/// pipe's reader leaves the terminal alone (`| grep`, `| tee`: a script's whole lines) or
/// there is no terminal.
pub fn pager_width() -> Option<usize> {
    use std::io::IsTerminal as _;
    if !stdout_is_a_pipe() {
        return None;
    }
    if !std::io::stderr().is_terminal() {
        return controlling_terminal_pager_width();
    }
    if stderr_canonical() {
        return None;
    }
    stderr_width()
}

/// [`pager_width`] read on the controlling terminal (`/dev/tty`): its columns where it is
/// out of canonical mode (a pager has it) and this program's process group is its
/// foreground one.
fn controlling_terminal_pager_width() -> Option<usize> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        let tty = std::fs::File::open("/dev/tty").ok()?;
        let fd = tty.as_raw_fd();
        // SAFETY: plain C structs, zeroed (valid values), filled by the calls on the open
        // descriptor or left alone where they fail; getpgrp cannot fail.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &raw mut t) } != 0 || t.c_lflag & libc::ICANON != 0 {
            return None;
        }
        if unsafe { libc::tcgetpgrp(fd) } != unsafe { libc::getpgrp() } {
            return None;
        }
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &raw mut size) } != 0 || size.ws_col == 0 {
            return None;
        }
        Some(usize::from(size.ws_col))
    }
    #[cfg(not(unix))]
    None
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

/// The most lines of a running record ([`stderr_lines`]) held: an hour of `capture`'s
/// per-second lines, some 500 KB. The messages are all held.
pub const MAX_HELD_LINES: usize = 3600;

/// What standard error holds back while [`defer_stderr`] has it hold.
#[derive(Debug)]
struct Deferred {
    hold: Hold,
    held: std::collections::VecDeque<Held>,
    /// The lines of a running record among `held`.
    lines: usize,
    /// Standard error's line is to be erased before anything is written there: a progress
    /// bar drawn on it was stopped when a pager took the terminal ([`erase_line_when_back`]).
    erase: bool,
}

/// One thing held back.
#[derive(Debug)]
enum Held {
    /// A message ([`stderr_line`]), fitted to the terminal.
    Message(String),
    /// A line of a running record ([`stderr_lines`]).
    Line(String),
    /// So many lines of a running record let go here, the oldest, to keep [`MAX_HELD_LINES`].
    LetGo(usize),
}

impl Deferred {
    /// Whether a line written now is held: every line for [`Hold::All`]; else while a program
    /// has taken the terminal, and once one is held, those after it too, so that they come
    /// in order.
    fn holds(&self) -> bool {
        self.hold == Hold::All || !self.held.is_empty() || !stderr_canonical()
    }

    /// Holds one line of a running record, letting the oldest such line go past
    /// [`MAX_HELD_LINES`].
    fn push_line(&mut self, line: String) {
        self.held.push_back(Held::Line(line));
        self.lines += 1;
        if self.lines <= MAX_HELD_LINES {
            return;
        }
        let oldest = self.held.iter().position(|h| matches!(h, Held::Line(_)));
        let Some(at) = oldest else {
            return;
        };
        self.lines -= 1;
        // The lines let go are counted where they were: after the messages before them.
        if let Some(Held::LetGo(n)) = at.checked_sub(1).and_then(|b| self.held.get_mut(b)) {
            *n += 1;
            self.held.remove(at);
        } else {
            self.held[at] = Held::LetGo(1);
        }
    }
}

/// The lines of standard error held back ([`defer_stderr`]), `None` while they are written
/// as they come.
static DEFERRED: std::sync::Mutex<Option<Deferred>> = std::sync::Mutex::new(None);

/// Held while the held lines are written: a second Ctrl+C ([`exit_now`]) waits for them
/// rather than ending the program halfway through them.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// From now on the lines of [`stderr_line`] (those `hold` says) are held for
/// [`write_deferred_stderr`], where the report goes to a pipe and the messages to a terminal
/// (`rstscope analyze F | less`): a pager draws its screen over the terminal's, so a warning
/// written while it shows the report landed over the report's lines, and went with the
/// pager's screen when it quit (less's alternate screen). The report carries its warnings
/// itself; these come after it.
pub fn defer_stderr(hold: Hold) {
    if let Ok(mut deferred) = DEFERRED.lock() {
        deferred.get_or_insert_with(|| Deferred {
            hold,
            held: std::collections::VecDeque::new(),
            lines: 0,
            erase: false,
        });
    }
}

/// Whether a program reading standard output (a pager) has taken standard error's terminal
/// now, out of canonical mode to read each key, where [`defer_stderr`] holds the messages
/// for it: then nothing may be drawn there (a progress bar) until it gives it back.
pub fn taken_by_a_pager() -> bool {
    DEFERRED.lock().is_ok_and(|d| d.is_some()) && !stderr_canonical()
}

/// Has the line standard error's cursor is on erased before anything more is written there,
/// once a pager that took the terminal gives it back: a progress bar drawn there before the
/// pager took it, which could not be cleared without drawing over the pager's screen.
pub fn erase_line_when_back() {
    if let Ok(mut deferred) = DEFERRED.lock()
        && let Some(d) = deferred.as_mut()
    {
        d.erase = true;
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
    if !anything_deferred() {
        return;
    }
    #[cfg(unix)]
    wait_for_the_terminal(true);
    write_held();
}

/// Ends the program at once with exit code `code` (a second Ctrl+C), without its report, but
/// not without the messages [`defer_stderr`] held: they are written as
/// [`write_deferred_stderr`] writes them, once a pager that has the terminal gives it back.
/// Held messages were lost, the warnings of a read and why the program quit among them; and
/// one that came while the program already waited for the pager ended it at once, the
/// messages unwritten. Standard output is closed, not written: the main thread may be
/// blocked writing to it.
pub fn exit_now(code: i32) -> ! {
    if anything_deferred() {
        #[cfg(unix)]
        wait_for_the_terminal(false);
        write_held();
    }
    // Not while the main thread writes what it held: it ends the program after them.
    let _writing = WRITING.lock();
    std::process::exit(code)
}

/// Whether anything waits to be written ([`write_deferred_stderr`]).
fn anything_deferred() -> bool {
    DEFERRED
        .lock()
        .is_ok_and(|d| d.as_ref().is_some_and(|d| d.erase || !d.held.is_empty()))
}

/// Writes what is held, and from then on each line as it comes.
fn write_held() {
    let _writing = WRITING.lock();
    let Some(d) = DEFERRED.lock().ok().and_then(|mut d| d.take()) else {
        return;
    };
    if d.erase {
        use std::io::Write as _;
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"\r\x1b[2K").and_then(|()| err.flush());
    }
    for held in d.held {
        match held {
            Held::Message(text) | Held::Line(text) => write_stderr(&text),
            Held::LetGo(n) => write_stderr(&crate::report::text::fitted(
                &format!(
                    "rstscope: {} here not kept while the pager had the terminal (the last \
                     {MAX_HELD_LINES} are)",
                    if n == 1 {
                        "1 line".to_owned()
                    } else {
                        format!("{n} lines")
                    }
                ),
                stderr_width(),
            )),
        }
    }
}

/// Closes standard output (what is still buffered written first where `flush`), then waits
/// while a program other than this one holds standard error's terminal out of canonical mode:
/// a pager that shows the report. One that has not taken it yet is waited for a moment (200
/// ms), unless standard output's reader has gone already.
#[cfg(unix)]
fn wait_for_the_terminal(flush: bool) {
    use std::io::Write as _;
    use std::time::{Duration, Instant};
    let gone = stdout_reader_gone();
    if flush {
        let _ = std::io::stdout().lock().flush();
    }
    // SAFETY: open(2) of a constant path, dup2(2) and close(2) of descriptors this process
    // owns; standard output is flushed above (or given up) and not written after, so that its
    // reader gets the end of its input while this process waits.
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
            if !taken {
                terminated_by_sigterm_from_now();
            }
            taken = true;
        } else if taken || gone || start.elapsed() > Duration::from_millis(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// From now on SIGTERM and SIGHUP end the program, as they do a program that handles
/// neither, once it only waits for a pager to give the terminal back ([`wait_for_the_terminal`]):
/// its work done (its report written, or given up by a second Ctrl+C), there is nothing left
/// to stop cleanly. SIGTERM to `rstscope analyze F | less` whose pager kept the terminal was
/// heard as a request to stop a read already over, and a second one as a quit that waited
/// for the pager again: it took a third (and a pager that never gave the terminal back left
/// it waiting through `kill` and `timeout`). git, whose pager is its child, waits for it on a
/// signal and then dies of the signal, writing nothing more; rstscope is the pager's sibling
/// in the shell's pipeline, which waits for the pager itself, so it dies of the signal at
/// once (the shell says 143), the messages it held given up rather than drawn over the pager's
/// screen (the report carries its warnings). SIGINT is still handled: Ctrl+C typed in the
/// pager (to stop less's F or a search) reaches this program too, and is not for it.
#[cfg(unix)]
fn terminated_by_sigterm_from_now() {
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: signal(2) with the default action, which installs no handler of ours; the
        // one it replaces (ctrlc's) only writes to its pipe, and no longer needs to hear these.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
        }
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

/// Keys typed on standard error's terminal that a pager showing the report leaves unread:
/// less before version 617 takes no key until it has a screenful or the end of its input, so
/// that `q` does nothing while `capture --format json | less` waits for the report (and
/// `analyze big.pcap | less` for its read), and the user, before a blank screen, is not told
/// why. Once keys have waited a second, [`UnreadKeys::tell_how_to_stop`] says how to stop,
/// once, on the screen's last line (where less, having no screenful, has drawn nothing; its
/// prompt replaces it). A pager that reads its keys (less 617 and later) leaves none waiting
/// and is told nothing. Where lines are written to the pager as they come (`capture`'s text
/// lines), less 590 shows each from its screen's top and takes no key until they fill its
/// screen, half a minute at a line a second: the line is told there too, and once the lines
/// fill the screen ([`UnreadKeys::shown_to_the_pager`]) less reads its keys and draws its
/// prompt over it. Not where many lines come at once with no screenful before them
/// (`analyze --connections`): less draws its first lines over the screen without clearing
/// them, and the line, scrolled up among them, was left beside their text.
#[derive(Debug, Default)]
pub struct UnreadKeys {
    /// Since when keys have been waiting, unread.
    since: Option<std::time::Instant>,
    told: bool,
    /// The line is on the pager's screen: to be erased before the report is written.
    shown: bool,
    /// Not told: many lines are written to the pager at once.
    off: bool,
    /// Rows of the pager's screen that the lines written to it so far take.
    rows: usize,
}

impl UnreadKeys {
    /// Never tells: standard output gets many lines at once (`analyze --connections`), which
    /// the pager draws over its last line.
    pub fn off() -> Self {
        Self {
            off: true,
            ..Self::default()
        }
    }

    /// Asked a few times a second while the report is not written yet: where keys have
    /// waited unread for a second while a pager has the terminal, says on its last line that
    /// Ctrl+C `stops` (`ends the capture`, `stops the read`), once.
    pub fn tell_how_to_stop(&mut self, stops: &str) {
        if self.told || self.off {
            return;
        }
        if !keys_unread_by_a_pager() {
            self.since = None;
            return;
        }
        let since = *self.since.get_or_insert_with(std::time::Instant::now);
        if since.elapsed() >= std::time::Duration::from_secs(1) {
            self.told = true;
            self.shown = draw_on_the_last_line(&[
                &format!("rstscope: the pager takes no key before the report: Ctrl+C {stops}"),
                &format!("rstscope: Ctrl+C {stops}"),
            ]);
        }
    }

    /// `lines` were written to the pager as they came (`capture`'s text lines): once the
    /// lines written fill its screen but its last line (a long line takes the rows it wraps
    /// to), it reads its keys and has drawn its prompt over the line told, which is then
    /// neither told nor erased (the erase took the prompt away).
    pub fn shown_to_the_pager(&mut self, lines: &[String]) {
        use unicode_width::UnicodeWidthStr as _;
        if self.told && !self.shown {
            return;
        }
        let Some((rows, cols)) = console::Term::stderr().size_checked() else {
            return;
        };
        let cols = usize::from(cols).max(1);
        self.rows += (lines.iter())
            .map(|l| l.width().div_ceil(cols).max(1))
            .sum::<usize>();
        if self.rows + 1 >= usize::from(rows) {
            self.told = true;
            self.shown = false;
        }
    }

    /// Erases the line told, before the report is written to the pager, which draws its
    /// lines over the screen without clearing them; not once the pager has quit (its screen
    /// went with it, and the last line is the shell's).
    pub fn erase(&mut self) {
        if std::mem::take(&mut self.shown) && taken_by_a_pager() {
            draw_on_the_last_line(&[""]);
        }
    }
}

/// Whether keys wait unread in standard error's terminal while a pager has taken it
/// ([`taken_by_a_pager`]): a pager that reads its keys leaves none there for long.
fn keys_unread_by_a_pager() -> bool {
    #[cfg(unix)]
    {
        if !taken_by_a_pager() {
            return false;
        }
        let mut waiting: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int, alive for the call, or fails.
        let got = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::FIONREAD, &raw mut waiting) };
        got == 0 && waiting > 0
    }
    #[cfg(not(unix))]
    false
}

/// Draws the first of `texts` that fits on standard error's terminal's last line, the cursor
/// put back where it was, so that the pager's own drawing goes on where it would have; none on
/// a terminal without cursor moves (`TERM=dumb`) or too narrow for any. Whether it drew.
fn draw_on_the_last_line(texts: &[&str]) -> bool {
    use std::io::Write as _;
    use unicode_width::UnicodeWidthStr as _;
    if std::env::var_os("TERM").is_none_or(|t| t == "dumb") {
        return false;
    }
    let Some((rows, cols)) = console::Term::stderr().size_checked() else {
        return false;
    };
    let Some(text) = texts.iter().find(|t| t.width() < usize::from(cols)) else {
        return false;
    };
    let mut err = std::io::stderr().lock();
    // Save the cursor, go to the last line, clear it, write, put the cursor back.
    write!(err, "\x1b7\x1b[{rows};1H\x1b[K{text}\x1b8")
        .and_then(|()| err.flush())
        .is_ok()
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
/// lack, as three dots, and the micro sign, which the CJK ones lack, as `u`
/// ([`ascii_marks`]); other characters the code page lacks as their
/// nearest there, or `?`.
#[cfg(windows)]
pub fn in_code_page(text: &str, code_page: u32) -> Vec<u8> {
    use windows_sys::Win32::Globalization::WideCharToMultiByte;
    let wide: Vec<u16> = ascii_marks(text).encode_utf16().collect();
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

/// Whether the user's locale writes text in UTF-8 (Unix: its character set, from `LC_ALL`,
/// else `LC_CTYPE`, else `LANG`, as the C library takes them; none set is the C locale,
/// ASCII). Always on Windows, whose console code pages are handled apart (`for_stdout`).
pub fn utf8_locale() -> bool {
    #[cfg(unix)]
    {
        // Once: asked for each line of `--connections`.
        static UTF8: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *UTF8.get_or_init(|| {
            let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
            let locale = var("LC_ALL")
                .or_else(|| var("LC_CTYPE"))
                .or_else(|| var("LANG"));
            locale.is_some_and(|l| names_utf8(&l))
        })
    }
    #[cfg(not(unix))]
    true
}

/// Whether the locale named `locale` (`en_US.UTF-8`, `C.utf8`, `de_DE.UTF-8@euro`) has UTF-8
/// for its character set.
#[cfg_attr(not(unix), allow(dead_code))]
fn names_utf8(locale: &str) -> bool {
    let charset = locale
        .split_once('.')
        .map_or("", |(_, rest)| rest.split('@').next().unwrap_or(rest));
    charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
}

/// `text` as a terminal of the user's locale shows it: where that is not UTF-8 (`LANG=C`,
/// `LC_ALL=POSIX`, a Latin-1 locale), the ellipsis rstscope puts where it cuts a payload, a
/// command line or a name as three dots ([`ascii_marks`]): its UTF-8 bytes came out as
/// `â€¦` on a terminal of such a locale. What rstscope only passes on (a process's or a file's
/// name) is left as it is.
pub fn in_the_locale(text: &str) -> std::borrow::Cow<'_, str> {
    if utf8_locale() {
        std::borrow::Cow::Borrowed(text)
    } else {
        ascii_marks(text)
    }
}

/// `text` with the marks rstscope itself writes outside ASCII in ASCII, for a locale or code
/// page that may lack them: each ellipsis (`…`, which rstscope puts where it cuts a quoted
/// payload, a command line or a name) as three dots, and the micro sign of a duration (`172
/// µs`, a capture under a millisecond) as `u` (`172 us`, as SI's ASCII fallback writes it).
pub fn ascii_marks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['…', 'µ']) {
        std::borrow::Cow::Owned(text.replace('…', "...").replace('µ', "u"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (terminal trial): under `LANG=C` (or `LC_ALL=POSIX`) the ellipsis of a cut
    /// payload came out as its UTF-8 bytes, and the spinner of a read from a pipe as braille,
    /// which a terminal of that locale shows as garbage. The locale's character set is told
    /// from its name.
    #[test]
    fn regression_a_locale_not_utf8_is_told_from_its_name() {
        for utf8 in [
            "C.UTF-8",
            "C.utf8",
            "en_US.UTF-8",
            "de_DE.utf8@euro",
            "ja_JP.UTF-8",
        ] {
            assert!(names_utf8(utf8), "{utf8}");
        }
        for other in [
            "C",
            "POSIX",
            "en_US",
            "en_US.ISO-8859-1",
            "de_DE@euro",
            "ja_JP.eucJP",
            "",
        ] {
            assert!(!names_utf8(other), "{other}");
        }
    }

    #[test]
    fn an_ellipsis_becomes_three_dots_a_micro_sign_u_and_nothing_else_changes() {
        assert_eq!(
            ascii_marks("\"BIG-IP: TCP RST from remote syste…\" (cut by the capture)"),
            "\"BIG-IP: TCP RST from remote syste...\" (cut by the capture)"
        );
        assert_eq!(ascii_marks("time ... (172 µs)"), "time ... (172 us)");
        assert!(matches!(
            ascii_marks("Jörg.pcap: 20 refused"),
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
        // A capture under a millisecond: the micro sign, which Japanese consoles' code page
        // lacks, as u there and everywhere.
        assert_eq!(in_code_page("(172 µs)", 932), b"(172 us)".to_vec());
        assert_eq!(in_code_page("(172 µs)", 437), b"(172 us)".to_vec());
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

    /// A week's capture held for a pager would hold 600,000 lines: the last
    /// [`MAX_HELD_LINES`] are kept, the messages all, and where the lines let go were one
    /// count says how many.
    #[test]
    fn the_lines_held_for_a_pager_are_the_last_hour_s() {
        let mut d = Deferred {
            hold: Hold::WhilePaged,
            held: std::collections::VecDeque::new(),
            lines: 0,
            erase: false,
        };
        d.held.push_back(Held::Message("capturing on lo".into()));
        for n in 0..MAX_HELD_LINES + 5 {
            d.push_line(format!("second {n}"));
        }
        d.held.push_back(Held::Message("stopped".into()));
        d.push_line("last".into());
        assert_eq!(d.lines, MAX_HELD_LINES);
        assert!(matches!(&d.held[0], Held::Message(m) if m == "capturing on lo"));
        assert!(matches!(d.held[1], Held::LetGo(6)), "{:?}", d.held[1]);
        assert!(matches!(&d.held[2], Held::Line(l) if l == "second 6"));
        assert!(matches!(&d.held[d.held.len() - 2], Held::Message(m) if m == "stopped"));
        assert_eq!(d.held.len(), MAX_HELD_LINES + 3);
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
