//! The progress bar of `rstscope analyze` on a terminal: bytes, packets, rate and time left of
//! a long read, drawn on stderr and cleared before anything else is printed there. The text
//! fits itself to the terminal's width, giving up its least useful parts first, so that the
//! bar keeps [`BAR_CELLS`]; the bar keeps its width through a read (see [`layout`]).
//!
//! Each update draws the bar once, whole: the packets are stored where the bar's text reads
//! them, then the position is set, which draws. (Its text set apart drew the bar a second
//! time at each update, and the first draw was an empty bar the width of the terminal.)

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{
    HumanBytes, HumanCount, HumanDuration, ProgressDrawTarget, ProgressStyle, TermLike,
};
use rstscope::analysis::Progress;

/// How long a read may take before a progress bar appears: a quick one shows none.
const PROGRESS_AFTER: Duration = Duration::from_millis(500);

/// Draws a second at most, on a terminal.
const DRAWS_PER_SECOND: u8 = 4;

/// Columns the bar leaves free at the end of its line: room for the `^C` a terminal echoes
/// at Ctrl+C (see [`RoomForEcho`]).
const ECHO_ROOM: u16 = 2;

/// Cells the bar itself keeps, at least, where the terminal has them: its text gives up words,
/// then parts, to leave them (see [`fitted`]). At 80 columns the whole text left the bar 6
/// cells, which hardly moved in a minute's read.
const BAR_CELLS: usize = 20;

/// A progress bar on stderr for long reads, only when stderr is a terminal: piped or
/// redirected, stderr gets nothing but warnings.
pub struct ProgressBar {
    tty: bool,
    start: Instant,
    /// Frames read so far, which the bar's text shows.
    frames: Arc<AtomicU64>,
    /// The bar once shown; the Ctrl+C handler clears it too.
    shown: Arc<OnceLock<indicatif::ProgressBar>>,
    /// Where the bar is drawn: stderr, unless a test gave another terminal.
    term: Option<Box<dyn TermLike>>,
    /// Set by the first Ctrl+C: the read stops where it is and the report covers what was
    /// read.
    cancel: Arc<AtomicBool>,
    /// A pager reading the report took the terminal: no bar from then on
    /// ([`ProgressBar::give_way`]).
    paged: bool,
}

impl ProgressBar {
    /// `streaming`: the report is written to stdout while the capture is read (connections),
    /// where a bar on the same terminal would cut into it.
    ///
    /// With a bar, the first Ctrl+C (and on Unix SIGTERM and SIGHUP) clears it and stops the
    /// read where it is ([`ProgressBar::cancel`]): the report then covers what was read, as
    /// `capture`'s does at Ctrl+C, and says so; a second one quits at once with exit code 130
    /// (one that comes half a second or more after the first: see `stop_signals`).
    /// Killed by the signal, the program left the bar on its line with no line end, the shell's
    /// prompt after it, and minutes of a long read unreported.
    pub fn new(streaming: bool) -> Self {
        let same_terminal = streaming && std::io::stdout().is_terminal();
        let tty = std::io::stderr().is_terminal() && !same_terminal;
        let mut bar = Self {
            tty,
            start: Instant::now(),
            frames: Arc::default(),
            shown: Arc::default(),
            term: None,
            cancel: Arc::default(),
            paged: false,
        };
        if tty {
            let (stop, quit) = (Arc::clone(&bar.shown), Arc::clone(&bar.shown));
            // The read stops at the flag the handler sets; the bar goes at once. Without the
            // handler (one was set already, which this program does not do), the signal ends
            // the program as before.
            if let Ok(came) = rstscope::stop_signals::handle(
                move || {
                    if let Some(b) = stop.get() {
                        cleared(b);
                    }
                    // A read of standard input that waits for more (a stalled pipe) would
                    // notice the flag only once more came.
                    rstscope::source::file::stdin::stop();
                },
                move || {
                    if let Some(b) = quit.get() {
                        cleared(b);
                    }
                    rstscope::host::locale::exit_now(130);
                },
            ) {
                bar.cancel = came;
            }
        }
        bar
    }

    /// Something to say a line on standard error from another thread, above the bar where it
    /// is drawn ([`Teller::say`]).
    pub fn teller(&self) -> Teller {
        Teller(Arc::clone(&self.shown))
    }

    /// Set once Ctrl+C asked the read to stop: for the analysis' `cancel`.
    pub fn cancel(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// A bar drawn on `term` as on stderr, for tests.
    #[cfg(test)]
    fn on(term: impl TermLike + 'static, start: Instant) -> Self {
        Self {
            tty: true,
            start,
            frames: Arc::default(),
            shown: Arc::default(),
            term: Some(Box::new(term)),
            cancel: Arc::default(),
            paged: false,
        }
    }

    /// Shows how far the read is, once [`PROGRESS_AFTER`] has passed, unless a pager reading
    /// the report has the terminal ([`ProgressBar::give_way`]).
    pub fn update(&mut self, p: Progress) {
        if !self.tty
            || self.paged
            || self.cancel.load(Ordering::Relaxed)
            || self.start.elapsed() < PROGRESS_AFTER
        {
            return;
        }
        if rstscope::host::locale::taken_by_a_pager() {
            self.give_way();
            return;
        }
        self.frames.store(p.frames, Ordering::Relaxed);
        let bar = self.shown.get_or_init(|| {
            let term = self
                .term
                .take()
                .unwrap_or_else(|| Box::new(console::Term::buffered_stderr()));
            let width = Arc::new(AtomicU16::new(0));
            let target = if is_dumb() {
                ProgressDrawTarget::hidden()
            } else {
                let term = RoomForEcho(term, Arc::clone(&width));
                ProgressDrawTarget::term_like_with_hz(Box::new(term), DRAWS_PER_SECOND)
            };
            new_bar(
                p.bytes_total,
                self.start,
                Arc::clone(&self.frames),
                width,
                target,
            )
        });
        bar.set_position(p.bytes_read);
    }

    /// Removes the bar, before the report or a warning is printed, or an error.
    pub fn clear(&mut self) {
        if let Some(bar) = self.shown.get() {
            cleared(bar);
        }
    }

    /// A pager reading the report has taken the terminal (`rstscope analyze big.pcap |
    /// less`): the bar drew over its screen, a line a quarter of a second. It is drawn no more
    /// (the pager's quitting stops the read); one drawn before the pager came is erased once
    /// it has quit, before the held messages, as clearing it now would draw on the pager's
    /// screen, and so would indicatif's last draw.
    fn give_way(&mut self) {
        self.paged = true;
        if let Some(bar) = self.shown.get() {
            hidden_until_back(bar);
        }
    }
}

/// Says lines on standard error beside a [`ProgressBar`] drawn by another thread.
pub struct Teller(Arc<OnceLock<indicatif::ProgressBar>>);

impl Teller {
    /// Says `line` on standard error at once (fitted to its terminal), above the bar where
    /// one is drawn, which is drawn again under it; not where a pager reading the report has
    /// the terminal (it would be drawn over the pager's screen). Whether it was said.
    pub fn say(&self, line: &str) -> bool {
        use rstscope::host::locale::stderr_line_unless_paged;
        match self.0.get() {
            Some(bar) => bar.suspend(|| stderr_line_unless_paged(line)),
            None => stderr_line_unless_paged(line),
        }
    }
}

/// Clears `bar` from the terminal, or where a pager has taken it since the bar's last draw,
/// has it erased once the pager has quit ([`hidden_until_back`]).
fn cleared(bar: &indicatif::ProgressBar) {
    if rstscope::host::locale::taken_by_a_pager() {
        hidden_until_back(bar);
    } else {
        bar.finish_and_clear();
    }
}

/// Draws `bar` no more, and has its line erased once the pager that took the terminal has
/// given it back.
fn hidden_until_back(bar: &indicatif::ProgressBar) {
    bar.set_draw_target(ProgressDrawTarget::hidden());
    // A terminal without cursor moves was drawn no bar.
    if !is_dumb() {
        rstscope::host::locale::erase_line_when_back();
    }
}

/// A terminal that says it is [`ECHO_ROOM`] columns narrower than it is. indicatif pads the
/// bar's line with blanks to the terminal's width, which leaves the cursor past the last
/// column: the `^C` the terminal echoes at Ctrl+C then went to a line of its own, the bar's
/// clearing cleared that line instead of the bar's, and the bar stayed above the report, stale
/// ("6 seconds left"). Two columns short, the echo lands on the bar's line and goes with it.
///
/// It keeps the width it last told in its second field, for the bar's text to fit itself in:
/// indicatif asks for the width just before it draws, and tells the text nothing of it.
#[derive(Debug)]
struct RoomForEcho(Box<dyn TermLike>, Arc<AtomicU16>);

impl TermLike for RoomForEcho {
    fn width(&self) -> u16 {
        let width = self.0.width().saturating_sub(ECHO_ROOM).max(1);
        self.1.store(width, Ordering::Relaxed);
        width
    }
    fn height(&self) -> u16 {
        self.0.height()
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `TERM=dumb`: a terminal that cannot move its cursor gets no bar (as indicatif's own stderr
/// target has it).
fn is_dumb() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// The spinner's frames (the last for a finished one) where the locale is not UTF-8.
const ASCII_TICKS: &str = "|/-\\ ";

/// The bar of a read of `bytes_total` bytes, or where that is unknown (a pipe) a spinner with
/// what was read so far; `frames` and `start` for its text, `width` the line's (0: unknown).
fn new_bar(
    bytes_total: u64,
    start: Instant,
    frames: Arc<AtomicU64>,
    width: Arc<AtomicU16>,
    target: ProgressDrawTarget,
) -> indicatif::ProgressBar {
    let total = (bytes_total > 0).then_some(bytes_total);
    // The bar's cells are drawn here rather than by indicatif's `wide_bar`, which takes what
    // the text of the moment leaves: its right bracket jumped by up to 6 columns within a run
    // as the time left went from "7 seconds" to "1 second" to "<1 s".
    let template = if total.is_some() {
        "[{cells}] {read}"
    } else {
        "{spinner} {read}"
    };
    // The line's width, as the terminal last told it (0: not yet, taken as unknown).
    let line_width = |width: &AtomicU16| match width.load(Ordering::Relaxed) {
        0 => usize::MAX,
        w => usize::from(w),
    };
    let text_width = Arc::clone(&width);
    let read = move |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let frames = frames.load(Ordering::Relaxed);
        let _ = w.write_str(&fitted(
            s.pos(),
            s.len(),
            frames,
            start.elapsed(),
            line_width(&text_width),
        ));
    };
    let cells = move |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let cells = layout(s.len().unwrap_or_default(), line_width(&width)).cells;
        let _ = w.write_str(&bar_cells(s.fraction(), cells));
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("read", read)
        .with_key("cells", cells);
    // indicatif's spinner is braille, garbage on a terminal of a locale that is not UTF-8.
    let style = if rstscope::host::locale::utf8_locale() {
        style
    } else {
        style.tick_chars(ASCII_TICKS)
    };
    indicatif::ProgressBar::with_draw_target(total, target).with_style(style)
}

/// The bar's text on a line of `width` columns: the form of its text ([`texts`]) that
/// [`layout`] chose, or where that has grown past its room (more packets than a file of
/// `total` bytes holds: a compressed one), the next that fits, or else the shortest. A spinner
/// (no total) has no bar to keep steady: its longest text that fits beside it.
fn fitted(read: u64, total: Option<u64>, frames: u64, elapsed: Duration, width: usize) -> String {
    let (first, room) = match total {
        Some(total) => {
            let layout = layout(total, width);
            let room = width.saturating_sub(layout.cells + 3);
            (layout.form, room)
        }
        None => (0, width.saturating_sub(2)),
    };
    let mut forms = texts(read, total, frames, elapsed);
    let shortest = forms.pop().unwrap_or_default();
    forms
        .into_iter()
        .skip(first)
        .find(|t| t.chars().count() <= room)
        .unwrap_or(shortest)
}

/// How a line of `width` columns is shared between the bar and its text in a read of `total`
/// bytes: which of the text's forms ([`texts`]) is shown, and how many cells the bar has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// The index of the form in [`texts`].
    form: usize,
    /// The bar's cells, between its brackets.
    cells: usize,
}

/// The [`Layout`] of a line of `width` columns (`usize::MAX`: unknown) for a read of `total`
/// bytes: the longest form that, grown as wide as it can in the read ([`widest_texts`]),
/// leaves the bar [`BAR_CELLS`] (with its brackets and the space after them), or else the
/// shortest; the bar has the rest. Decided by the widest the text can be, not by its text of
/// the moment, so the bar keeps its width through a run while its text changes.
fn layout(total: u64, width: usize) -> Layout {
    let widest = widest_texts(total);
    let room = width.saturating_sub(BAR_CELLS + 3);
    let form = widest
        .iter()
        .position(|&w| w <= room)
        .unwrap_or(widest.len() - 1);
    let cells = if width == usize::MAX {
        BAR_CELLS
    } else {
        width.saturating_sub(widest[form] + 3)
    };
    Layout { form, cells }
}

/// The most characters each of [`texts`]' forms takes in a read of `total` bytes, whatever
/// the bytes read, rate, packets and time left: bytes as "1023.99 KiB" on the way up, a rate
/// as wide, a packet count at most one a 16 bytes (a pcap record's header alone), a time left
/// as "59 seconds" or "59s", the percent as "100%".
fn widest_texts(total: u64) -> [usize; 5] {
    const BYTES: usize = "1023.99 KiB".len();
    const PER_SECOND: usize = BYTES + "/s".len();
    const LONG_LEFT: usize = ", 59 seconds left".len();
    const SHORT_LEFT: usize = " 59s left".len();
    const PERCENT: usize = "100%".len();
    const SHORT_RATE: usize = "1023 KiB/s".len();
    let bytes = BYTES + 1 + HumanBytes(total).to_string().len();
    let packets = format!("{} packets", HumanCount(total / 16)).len();
    [
        bytes + 1 + PER_SECOND + 1 + packets + LONG_LEFT,
        bytes + 1 + PER_SECOND + LONG_LEFT,
        PERCENT + 1 + SHORT_RATE + SHORT_LEFT,
        PERCENT + SHORT_LEFT,
        PERCENT,
    ]
}

/// The bar's `cells` at `fraction` read: `=` for what was read, `>` where the read is.
fn bar_cells(fraction: f32, cells: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * cells as f32) as usize).min(cells);
    let head = usize::from(filled < cells && fraction > 0.0);
    let mut bar = "=".repeat(filled);
    bar.push_str(&">".repeat(head));
    bar.push_str(&" ".repeat(cells - filled - head));
    bar
}

/// The bar's forms of its text, longest first: bytes read (of how many), rate, packets, and
/// time left where the total is known; then without the packets; then in short words (the
/// percent for the bytes); then the percent and time left; then the percent alone. Rates over
/// the whole run so far: steady, where a recent window jumps with each batch.
fn texts(read: u64, total: Option<u64>, frames: u64, elapsed: Duration) -> Vec<String> {
    let packets = format!("{} packets", HumanCount(frames));
    if read == 0 && total.is_none() {
        // Bytes not told (`analyze --endpoint` of standard input): the packets alone.
        return vec![packets];
    }
    let rate = read as f64 / elapsed.as_secs_f64().max(1e-3);
    let per_second = format!("{}/s", HumanBytes(rate as u64));
    let Some(total) = total else {
        let read = HumanBytes(read);
        return vec![
            format!("{read} {per_second} {packets}"),
            format!("{read} {per_second}"),
            read.to_string(),
        ];
    };
    let bytes = format!("{}/{}", HumanBytes(read), HumanBytes(total));
    let (long, short) = match time_left(total.saturating_sub(read), rate) {
        Some(left) => (format!(", {left} left"), format!(" {left:#} left")),
        None => (String::new(), String::new()),
    };
    let percent = format!("{}%", read.saturating_mul(100) / total.max(1));
    let short_rate = format!("{}/s", ShortBytes(rate as u64));
    vec![
        format!("{bytes} {per_second} {packets}{long}"),
        format!("{bytes} {per_second}{long}"),
        format!("{percent} {short_rate}{short}"),
        format!("{percent}{short}"),
        percent,
    ]
}

/// The time `remaining` bytes take at `rate`: none once all is read (the rest is quick), and
/// under a second "<1 s", where indicatif's words rounded the last bytes to "0 seconds", which
/// reads as done while the bar still moved.
fn time_left(remaining: u64, rate: f64) -> Option<TimeLeft> {
    if remaining == 0 {
        return None;
    }
    let left = remaining as f64 / rate.max(1.0);
    Some(if left < 1.0 {
        TimeLeft::UnderASecond
    } else {
        TimeLeft::About(HumanDuration(Duration::from_secs_f64(left.min(1e7))))
    })
}

/// What [`time_left`] says: `{}` in words ("3 seconds"), `{:#}` short ("3s").
enum TimeLeft {
    UnderASecond,
    About(HumanDuration),
}

impl std::fmt::Display for TimeLeft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self, f.alternate()) {
            (Self::UnderASecond, false) => f.write_str("<1 s"),
            (Self::UnderASecond, true) => f.write_str("<1s"),
            (Self::About(d), false) => write!(f, "{d}"),
            (Self::About(d), true) => write!(f, "{d:#}"),
        }
    }
}

/// Bytes in few characters, for the short forms: "319 MiB", "1.5 GiB" (one decimal under 10).
struct ShortBytes(u64);

impl std::fmt::Display for ShortBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut n = self.0 as f64;
        let mut unit = 0;
        while n >= 1024.0 && unit < UNITS.len() - 1 {
            n /= 1024.0;
            unit += 1;
        }
        let decimals = usize::from(unit > 0 && n < 9.95);
        write!(f, "{n:.decimals$} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An 80-column terminal that keeps what is drawn on it (one entry for each line
    /// written, not the blanks that pad a line to the terminal's width), and follows its
    /// cursor's column, keeping the furthest one a line reached.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Drawn>>);

    /// What a [`Screen`] has seen: the lines, the cursor's column, the furthest column.
    #[derive(Debug, Default)]
    struct Drawn {
        lines: Vec<String>,
        column: usize,
        furthest: usize,
    }

    impl Screen {
        fn lines(&self) -> Vec<String> {
            self.0.lock().map(|d| d.lines.clone()).unwrap_or_default()
        }
        fn furthest(&self) -> usize {
            self.0.lock().map(|d| d.furthest).unwrap_or_default()
        }
        fn to_line_start(&self) {
            if let Ok(mut d) = self.0.lock() {
                d.column = 0;
            }
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)?;
            self.to_line_start();
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if let Ok(mut d) = self.0.lock() {
                if !s.trim().is_empty() {
                    d.lines.push(s.to_owned());
                }
                for ch in s.chars() {
                    d.column = if ch == '\r' || ch == '\n' {
                        0
                    } else {
                        d.column + 1
                    };
                    d.furthest = d.furthest.max(d.column);
                }
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.to_line_start();
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn progress(frames: u64, bytes_read: u64, bytes_total: u64) -> Progress {
        Progress {
            frames,
            bytes_read,
            bytes_total,
        }
    }

    /// Regression (terminal trial): the first draw was an empty bar the width of the terminal
    /// (the position set before the text), and each update drew the bar twice.
    #[test]
    fn each_update_draws_the_bar_once_with_its_text() {
        let screen = Screen::default();
        let mut bar = ProgressBar::on(screen.clone(), Instant::now() - 2 * PROGRESS_AFTER);
        for i in 1..=3u64 {
            bar.update(progress(i * 1000, i * 1_000_000, 10_000_000));
        }
        let lines = screen.lines();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        for (line, read) in lines.iter().zip(["976.56 KiB", "1.91 MiB", "2.86 MiB"]) {
            assert!(line.starts_with('['), "{line}");
            assert!(line.contains(&format!(" {read}/9.54 MiB ")), "{line}");
            assert!(line.ends_with(" left"), "{line}");
        }
        bar.clear();
        assert_eq!(screen.lines().len(), 3, "clearing draws no bar");
    }

    /// Regression (terminal trial): Ctrl+C during a long read on an 80-column terminal left
    /// the bar on the screen, stale ("6 seconds left"), above the report's warnings. The bar's
    /// line was padded to the terminal's last column, so the `^C` the terminal echoes went to
    /// the next line, and clearing the bar cleared that one.
    #[test]
    fn regression_the_bar_leaves_room_for_the_echoed_ctrl_c() {
        let screen = Screen::default();
        let mut bar = ProgressBar::on(screen.clone(), Instant::now() - 2 * PROGRESS_AFTER);
        bar.update(progress(2_707_456, 936 << 20, 1 << 30));
        let furthest = screen.furthest();
        assert!(furthest > 60, "the bar was drawn: {furthest}");
        assert!(
            furthest <= 80 - usize::from(ECHO_ROOM),
            "the bar reached column {furthest} of 80"
        );
    }

    /// Regression (terminal trial): at 80 columns the text ("159.94 MiB/1024.00 MiB 318.69
    /// MiB/s 479,232 packets, 3 seconds left") left the bar itself 6 cells.
    #[test]
    fn regression_at_80_columns_the_bar_keeps_its_cells_and_the_rate_and_time_left() {
        let screen = Screen::default();
        let start = Instant::now() - Duration::from_millis(500);
        let mut bar = ProgressBar::on(screen.clone(), start);
        bar.update(progress(479_232, 160 << 20, 1 << 30));
        let lines = screen.lines();
        let line = lines.last().expect("drawn");
        let (cells, text) = line
            .strip_prefix('[')
            .and_then(|l| l.split_once("] "))
            .expect("a bar");
        assert!(cells.chars().count() >= BAR_CELLS, "{line}");
        assert!(
            line.chars().count() <= 80 - usize::from(ECHO_ROOM),
            "{line}"
        );
        assert!(text.starts_with("160.00 MiB/1.00 GiB "), "{text}");
        assert!(text.contains(" MiB/s") && text.ends_with(" left"), "{text}");
    }

    /// Regression (terminal trial): "939.60 MiB/1024.00 MiB 312.92 MiB/s 2,715,648 packets,
    /// 0 seconds left", with 85 MiB still to read.
    #[test]
    fn regression_no_0_seconds_left_while_bytes_remain() {
        let forms = texts(939 << 20, Some(1 << 30), 2_715_648, Duration::from_secs(3));
        assert_eq!(
            forms[0],
            "939.00 MiB/1.00 GiB 313.00 MiB/s 2,715,648 packets, <1 s left"
        );
        assert_eq!(forms[2], "91% 313 MiB/s <1s left");
        for form in &forms {
            assert!(!form.contains(" 0 s") && !form.contains(" 0s"), "{form}");
        }
        // All read: no time left said (the rest is quick), not "0 seconds".
        let done = texts(1 << 30, Some(1 << 30), 9, Duration::from_secs(3));
        assert_eq!(done[1], "1.00 GiB/1.00 GiB 341.33 MiB/s");
    }

    /// As the line narrows, the text gives up the packets, then its long words, then the rate,
    /// then the time left: the bar keeps its cells down to a 42-column terminal.
    #[test]
    fn the_text_gives_up_parts_as_the_line_narrows() {
        let at = |width| {
            fitted(
                1 << 28,
                Some(1 << 30),
                1_234_567,
                Duration::from_secs(2),
                width,
            )
        };
        let full = "256.00 MiB/1.00 GiB 128.00 MiB/s 1,234,567 packets, 6 seconds left";
        assert_eq!(at(120), full);
        assert_eq!(at(78), "256.00 MiB/1.00 GiB 128.00 MiB/s, 6 seconds left");
        assert_eq!(at(60), "25% 128 MiB/s 6s left");
        assert_eq!(at(40), "25% 6s left");
        assert_eq!(at(20), "25%");
        assert_eq!(at(usize::MAX), full, "width unknown");
    }

    /// Regression (terminal trial): within one read the bar's width moved between 27 and 33
    /// cells as its text changed ("7 seconds left", "1 second left", "<1 s left"), and its
    /// right bracket jumped with it.
    #[test]
    fn regression_the_bar_keeps_its_width_as_its_text_changes() {
        let screen = Screen::default();
        let start = Instant::now() - Duration::from_secs(2);
        let mut bar = ProgressBar::on(screen.clone(), start);
        let total = 1u64 << 30;
        // Reads of 7 seconds, 1 second, less than one left, then all read (none said).
        for (frames, read) in [
            (9_000, 230 << 20),
            (90_000, 640 << 20),
            (2_715_648, 1000 << 20),
            (2_800_000, total),
        ] {
            bar.update(progress(frames, read, total));
        }
        let lines = screen.lines();
        assert_eq!(lines.len(), 4, "{lines:#?}");
        let brackets: Vec<_> = lines.iter().map(|l| l.find("] ")).collect();
        assert!(brackets[0].is_some_and(|b| b > BAR_CELLS), "{lines:#?}");
        assert!(brackets.iter().all(|b| *b == brackets[0]), "{lines:#?}");
        for (line, left) in lines
            .iter()
            .zip(["seconds left", "second left", "<1 s left"])
        {
            assert!(line.ends_with(left), "{line}");
        }
    }

    /// The widest a text's form can be in a read ([`widest_texts`], which sets the bar's width)
    /// is never less than its text at any point of the read, at any rate.
    #[test]
    fn no_text_is_wider_than_its_layout_allows() {
        for total in [700u64, 10_000_000, 1 << 30, 5 << 40] {
            let widest = widest_texts(total);
            for step in 0..=200u64 {
                let read = total / 200 * step;
                for millis in [1u64, 700, 3_000, 90_000, 4_000_000] {
                    let elapsed = Duration::from_millis(millis);
                    let forms = texts(read, Some(total), total / 16, elapsed);
                    for (form, w) in forms.iter().zip(widest) {
                        assert!(form.chars().count() <= w, "{form:?} over {w}");
                    }
                }
            }
        }
    }

    /// The bar's cells: what was read, then where the read is, then what is left.
    #[test]
    fn the_cells_show_what_was_read() {
        assert_eq!(bar_cells(0.0, 4), "    ");
        assert_eq!(bar_cells(0.5, 4), "==> ");
        assert_eq!(bar_cells(1.0, 4), "====");
    }

    /// A pipe's size is unknown: a spinner with what was read, no time left.
    #[test]
    fn an_input_of_unknown_size_gets_a_spinner_without_time_left() {
        let screen = Screen::default();
        let mut bar = ProgressBar::on(screen.clone(), Instant::now() - 2 * PROGRESS_AFTER);
        bar.update(progress(5, 2048, 0));
        let lines = screen.lines();
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].contains(" 2.00 KiB ") && lines[0].contains(" 5 packets"));
        assert!(!lines[0].contains("left") && !lines[0].contains('['));
    }

    /// A quick read shows no bar.
    #[test]
    fn no_bar_before_its_delay() {
        let screen = Screen::default();
        let mut bar = ProgressBar::on(screen.clone(), Instant::now());
        bar.update(progress(1, 1, 10));
        bar.clear();
        assert!(screen.lines().is_empty());
    }

    #[test]
    fn the_text_says_read_total_rate_packets_and_time_left() {
        assert_eq!(
            texts(1 << 20, Some(4 << 20), 1234, Duration::from_secs(1))[0],
            "1.00 MiB/4.00 MiB 1.00 MiB/s 1,234 packets, 3 seconds left"
        );
        assert_eq!(
            texts(1 << 20, None, 7, Duration::from_secs(2))[0],
            "1.00 MiB 512.00 KiB/s 7 packets"
        );
        assert_eq!(
            texts(0, None, 8192, Duration::from_secs(2)),
            ["8,192 packets"]
        );
    }
}
