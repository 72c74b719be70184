//! The "This machine" panel: listening sockets with their processes (sortable, filterable),
//! the kernel's TCP counters, how they compare with the capture, the listener history, and
//! the programs that kept failing to start.
//!
//! During and after a live capture it shows what the host-monitor sampled with it; otherwise
//! "Read now" takes one sample on a named thread (the UI never reads /proc itself).

use std::sync::Arc;

use eframe::egui::{self, Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use crate::host::history::ListenerRecord;
use crate::host::state::{CaptureScope, HostReport, HostState};
use crate::report::{self, Clock, thousands};
use crate::ui::process;
use crate::ui::task::Task;

/// Columns of the listening-sockets table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Address,
    Port,
    Pid,
    Process,
    User,
    Since,
}

const COLUMNS: [(Col, &str); 6] = [
    (Col::Address, "Address"),
    (Col::Port, "Port"),
    (Col::Pid, "PID"),
    (Col::Process, "Process"),
    (Col::User, "User"),
    (Col::Since, "Seen since"),
];

/// The panel's state between frames.
pub struct HostPanel {
    /// The filter as typed.
    pub filter: String,
    sort: (Col, bool),
    /// The latest one-shot reading ("Read now").
    reading: Option<Arc<HostReport>>,
    task: Option<Task<HostReport>>,
    /// The width the panel was given in the last frame.
    given: Option<f32>,
    /// The window's width (what the panels share) when the user last dragged the panel's
    /// edge: until it changes, the drag may take the panel past [`most_width`].
    dragged_in: Option<f32>,
}

impl Default for HostPanel {
    fn default() -> Self {
        Self {
            filter: String::new(),
            sort: (Col::Port, true),
            reading: None,
            task: None,
            given: None,
            dragged_in: None,
        }
    }
}

/// The panel's width until the user drags its edge, in points (less in a narrow window).
pub const DEFAULT_WIDTH: f32 = 420.0;
/// The panel's least width: its heading and "Read now", its tables scrolled sideways.
pub const LEAST_WIDTH: f32 = 200.0;
/// The width the results keep beside the panel where the window has it: their headline,
/// legend and details' buttons on as few lines as without the panel, so that an 800x600
/// window still shows the selected offender's connections (half of it, the panel's share
/// before, left the results some 390 points and no connection row in view).
pub const RESULTS_WIDTH: f32 = 600.0;

/// The least the results keep beside a panel the user dragged wider than [`most_width`]: as
/// much as the panel had at most before that rule, half of an 800-point window.
pub const RESULTS_LEAST_WIDTH: f32 = 400.0;

/// The most the panel takes of a window `available` points wide as it opens or the window
/// changes size: half of it, less what the results keep ([`RESULTS_WIDTH`]), never under
/// [`LEAST_WIDTH`].
pub fn most_width(available: f32) -> f32 {
    (available / 2.0)
        .min(available - RESULTS_WIDTH)
        .max(LEAST_WIDTH)
}

/// The most the user may drag the panel to in a window `available` points wide: all but
/// [`RESULTS_LEAST_WIDTH`], never under [`most_width`]. In an 800-point window the edge
/// stopped at 200 points, its listeners' and counters' columns cut, however the user dragged.
pub fn most_dragged_width(available: f32) -> f32 {
    (available - RESULTS_LEAST_WIDTH).max(most_width(available))
}

impl HostPanel {
    /// The width to give the side panel `id` this frame in a window `available` points wide:
    /// the width the user dragged its edge to (`user`, kept between runs; the default until
    /// then), at most [`most_width`], or [`most_dragged_width`] in the window it was dragged in
    /// (until the window changes size: a width dragged in a large window, or in another run,
    /// does not take a small window's results). egui's panel keeps the width it last had, so a
    /// window that grows from a narrow one kept the narrow one's half; here the panel follows
    /// the window. A width the panel took that it was not given was the user's drag: it
    /// becomes `user`.
    pub fn width(
        &mut self,
        ctx: &egui::Context,
        id: egui::Id,
        user: &mut Option<f32>,
        available: f32,
    ) -> f32 {
        use egui::containers::panel::PanelState;
        let had = PanelState::load(ctx, id).map(|s| s.size().x);
        if let (Some(had), Some(given)) = (had, self.given)
            && (had - given).abs() > 1.0
        {
            *user = Some(had);
            self.dragged_in = Some(available);
        }
        let here = self.dragged_in.is_some_and(|w| (w - available).abs() < 1.0);
        if !here {
            self.dragged_in = None;
        }
        let most = if here {
            most_dragged_width(available)
        } else {
            most_width(available)
        };
        let width = user.unwrap_or(DEFAULT_WIDTH).min(most);
        // The panel starts from its default size without a state of its own.
        ctx.data_mut(|d| d.remove::<PanelState>(id));
        self.given = Some(width);
        width
    }

    /// True while a one-shot reading runs.
    pub fn is_reading(&self) -> bool {
        self.task.as_ref().is_some_and(Task::is_running)
    }

    /// Starts a one-shot reading of the machine on a named thread.
    pub fn read_now(&mut self, ctx: &egui::Context) {
        self.task = Some(Task::spawn("host-read", ctx, |_| {
            let mut state = HostState::new(CaptureScope::default());
            state.apply(crate::host::monitor::sample_once());
            state.report(&[])
        }));
    }

    /// Shows the panel. `live` is the report of the capture on screen, if it has one; it
    /// wins over a one-shot reading. `file` is the report a capture file carries, rstscope's
    /// record of the machine that captured it (not this one): its programs failing to start
    /// are listed first, as a live capture's are, in its words.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        live: Option<&Arc<HostReport>>,
        file: Option<&Arc<HostReport>>,
        clock: Clock,
    ) {
        if let Some(r) = self.task.as_mut().and_then(Task::poll) {
            self.reading = Some(Arc::new(r));
            self.task = None;
        }
        ui.horizontal(|ui| {
            ui.heading("This machine");
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let reading = self.is_reading();
                if ui
                    .add_enabled(!reading, egui::Button::new("Read now"))
                    .on_hover_text(
                        "read the listening sockets, their processes and the kernel's TCP counters now",
                    )
                    .clicked()
                {
                    self.read_now(ui.ctx());
                }
                if reading {
                    ui.spinner();
                }
            });
        });
        let report = live.or(self.reading.as_ref()).cloned();
        // A file's machine first: it is the capture's on screen. Scrolled with the rest where
        // this machine's reading follows it.
        if let Some(f) = file.filter(|_| live.is_none()) {
            let visible = ui.available_width();
            let height = match report {
                Some(_) => ui.available_height() * 0.4,
                None => ui.available_height() * 0.6,
            };
            egui::ScrollArea::both()
                .id_salt("host-file-scroll")
                .max_height(height)
                .auto_shrink([false, true])
                .show(ui, |ui| recorded_failing(ui, f, clock, visible));
            ui.separator();
        }
        let Some(h) = report else {
            ui.label(
                "A live capture samples this machine once a second: who listens on each port, \
                 which process connects, and the kernel's own TCP counters. Press \"Read now\" \
                 to look at it without capturing.",
            );
            return;
        };
        if live.is_some() {
            ui.label(RichText::new("sampled with the live capture").weak());
        } else {
            ui.label(RichText::new("one reading, not tied to the capture on screen").weak());
        }
        // Sideways too: the listening table is wider than a narrow window's panel (half of
        // it at most), which must not widen the panel over the results. Its sentences wrap
        // in the panel's width all the same ([`prose`]).
        let visible = ui.available_width();
        egui::ScrollArea::both()
            .id_salt("host-scroll")
            .show(ui, |ui| {
                counters(ui, &h, live.is_some(), visible);
                ui.separator();
                self.listening(ui, &h, clock, visible);
                ui.separator();
                history(ui, &h.gone, clock);
                if live.is_some() {
                    ui.separator();
                    failing_starts(ui, &h, clock, visible);
                }
                if !h.notes.is_empty() {
                    ui.separator();
                    for n in &h.notes {
                        prose(ui, visible, RichText::new(n).weak());
                    }
                }
            });
    }

    fn listening(&mut self, ui: &mut egui::Ui, h: &HostReport, clock: Clock, visible: f32) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Listening").strong());
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("filter: port, address, process, user")
                    .desired_width(200.0),
            );
        });
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut rows: Vec<&ListenerRecord> = h
            .listening
            .iter()
            .filter(|r| words.iter().all(|w| listener_matches(r, w)))
            .collect();
        let (col, ascending) = self.sort;
        rows.sort_by(|a, b| {
            let o = compare(a, b, col);
            if ascending { o } else { o.reverse() }
        });
        ui.label(format!(
            "{} of {} sockets",
            crate::report::thousands(rows.len() as u64),
            crate::report::thousands(h.listening.len() as u64)
        ));
        let unseen = h
            .listening
            .iter()
            .filter(|r| process::is_unseen(&r.process))
            .count();
        if unseen > 0 {
            let note =
                RichText::new(unseen_note(unseen, elevated())).color(ui.visuals().warn_fg_color);
            prose(ui, visible, note);
        }
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        // Its column resize handles are no Tab stops.
        let handles = crate::ui::handles::Handles::before(ui, "host-listening", COLUMNS.len());
        let mut table = TableBuilder::new(ui)
            .id_salt("host-listening")
            .striped(true)
            .resizable(true)
            .max_scroll_height(260.0)
            .cell_layout(Layout::left_to_right(Align::Center));
        for (c, _) in COLUMNS {
            table = table.column(match c {
                Col::Address => Column::initial(110.0).clip(true),
                Col::Process => Column::initial(150.0).clip(true),
                Col::Port | Col::Pid => Column::initial(52.0),
                _ => Column::initial(70.0).clip(true),
            });
        }
        table
            .header(row_height, |mut header| {
                for (c, name) in COLUMNS {
                    header.col(|ui| {
                        let arrow = match (self.sort.0 == c, self.sort.1) {
                            (false, _) => "",
                            (true, true) => " ▲",
                            (true, false) => " ▼",
                        };
                        if crate::ui::offenders::header_button(ui, &format!("{name}{arrow}"))
                            .on_hover_text("click to sort")
                            .clicked()
                        {
                            self.sort = if self.sort.0 == c {
                                (c, !self.sort.1)
                            } else {
                                (c, true)
                            };
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, rows.len(), |mut row| {
                    let r = rows[row.index()];
                    let p = &r.process;
                    row.col(|ui| {
                        ui.label(RichText::new(r.addr.ip().to_string()).monospace());
                    });
                    row.col(|ui| {
                        let service = crate::services::name(r.addr.port()).unwrap_or("");
                        ui.label(r.addr.port().to_string()).on_hover_text(service);
                    });
                    row.col(|ui| {
                        if process::is_unseen(p) {
                            ui.label(RichText::new("—").weak())
                                .on_hover_text(process::unseen_hint());
                        } else {
                            ui.label(p.pid.to_string());
                        }
                    });
                    row.col(|ui| {
                        // Name, services and command line tell two processes apart; a
                        // process of another user (or container) is said to be one.
                        let text = if process::is_unseen(p) {
                            RichText::new(process::UNSEEN).weak().italics()
                        } else {
                            // The PID has its own column.
                            RichText::new(process::short_without_pid(p))
                        };
                        ui.add(
                            egui::Label::new(text)
                                .truncate()
                                .show_tooltip_when_elided(false),
                        )
                        .on_hover_text(process::hover(p));
                    });
                    row.col(|ui| {
                        ui.label(p.user.as_deref().unwrap_or(""));
                    });
                    row.col(|ui| {
                        ui.label(clock.time(r.first_seen));
                    });
                });
            });
        handles.after();
    }
}

/// A sentence of the panel, wrapped in the `visible` width of its sideways scrolling area:
/// after a table or a row wider than a narrow panel the area is that wide, and a sentence
/// wrapped there ("1 listening socket belongs to a p…" in a 200-point panel) was cut at the
/// panel's edge, to be read only by scrolling sideways line by line.
fn prose(ui: &mut egui::Ui, visible: f32, text: RichText) {
    ui.scope(|ui| {
        ui.set_max_width(visible);
        ui.add(egui::Label::new(text).wrap());
    });
}

/// The gap between the counters table's columns (points): wider than a monospace space.
const COUNTERS_GAP: f32 = 16.0;

/// The counters since boot; during the capture too when `live` (a one-shot reading has no
/// capture to count over), first after the counter's name: the comparison above says those
/// ("its AttemptFails (32) matches ..."), and at 800 points the panel (200 points) showed
/// the counts since boot only ("AttemptFails 96"), the capture's off its right edge.
fn counters(ui: &mut egui::Ui, h: &HostReport, live: bool, visible: f32) {
    ui.label(RichText::new("Kernel TCP counters").strong());
    if let Some(c) = &h.coverage {
        prose(ui, visible, RichText::new(&c.note));
    }
    let Some(now) = &h.counters_now else {
        ui.label(RichText::new("not read on this OS").weak());
        return;
    };
    // Its columns set apart as a table's: at the item spacing the longest name in monospace
    // ("TCPAbortOnTimeout 0") read as one text with its count, a space between them.
    egui::Grid::new("host-counters")
        .striped(true)
        .num_columns(3)
        .spacing([COUNTERS_GAP, ui.spacing().item_spacing.y])
        .show(ui, |ui| {
            ui.label(RichText::new("counter").strong());
            if live {
                ui.label(RichText::new("during the capture").strong());
            }
            ui.label(RichText::new("since boot").strong());
            ui.end_row();
            for (name, value) in now.iter() {
                ui.label(RichText::new(name).monospace());
                match h.counter(name).filter(|_| live) {
                    Some(k) => {
                        let peak = k.per_second.iter().map(|&(_, n)| n).max().unwrap_or(0);
                        if peak > 0 {
                            ui.label(format!(
                                "{} (peak {}/s)",
                                thousands(k.total),
                                thousands(peak)
                            ));
                        } else {
                            ui.label(thousands(k.total));
                        }
                    }
                    None if live => {
                        ui.label("");
                    }
                    None => {}
                }
                ui.label(thousands(value));
                ui.end_row();
            }
        });
}

fn history(ui: &mut egui::Ui, gone: &[ListenerRecord], clock: Clock) {
    ui.label(RichText::new("Stopped listening").strong());
    if gone.is_empty() {
        ui.label(RichText::new("no listener went away while sampled").weak());
    }
    for g in gone.iter().take(200) {
        ui.label(format!(
            "{} on {}: {} to {}",
            g.process.label(),
            report::endpoint(g.addr.ip(), g.addr.port()),
            clock.time(g.first_seen),
            clock.time(g.last_seen)
        ));
    }
}

/// The programs that kept failing to start on this machine while it was sampled, whether or
/// not they would serve an endpoint of the results: a service failing that nobody connects to
/// yet has no row there; and the clients whose runs each ended as their connects failed, told
/// as such. Live only (a one-shot reading sees no starts); a capture file's are
/// [`recorded_failing`]'s.
fn failing_starts(ui: &mut egui::Ui, h: &HostReport, clock: Clock, visible: f32) {
    // Not "Failing to start": a client whose connects are refused is listed here too, and
    // its line says it started.
    ui.label(RichText::new("Failing again and again").strong());
    if h.failing_starts.is_empty() {
        prose(
            ui,
            visible,
            RichText::new(
                "no program was seen failing to start again and again (Linux, as root: the \
                 kernel's exec and exit events)",
            )
            .weak(),
        );
    }
    failing_lines(ui, h, clock, visible);
}

/// The programs failing to start again and again that a capture file's record of the machine
/// that captured it keeps (`rstscope capture --write`, Save, a file of one endpoint's packets,
/// the agent's `/evidence`): the list a live capture's panel showed, told as that machine's,
/// not this one's. The list of an opened file was left to the terminal's report.
fn recorded_failing(ui: &mut egui::Ui, h: &HostReport, clock: Clock, visible: f32) {
    let several = h
        .recorded
        .as_ref()
        .is_some_and(|r| r.listening_of.is_some());
    let machine = h.recorded.as_ref().and_then(|r| r.machine.as_deref());
    let heading = match several {
        true => "Failing again and again on the machines that captured",
        false => "Failing again and again on the machine that captured",
    };
    ui.label(RichText::new(heading).strong());
    let here = h.recorded.as_ref().is_some_and(|r| r.named_as_this);
    let whose = match (several, machine) {
        (true, _) => "as rstscope recorded them in the file, not this machine".to_owned(),
        // A capture saved and opened on one server: not "not this machine".
        (false, Some(m)) if here => format!(
            "{m}, this machine's name, as rstscope recorded it in the file: as it was then, \
             not now"
        ),
        (false, Some(m)) => format!("{m}, as rstscope recorded it in the file, not this machine"),
        (false, None) => "as rstscope recorded it in the file, not this machine".to_owned(),
    };
    let whose = match h.recorded.as_ref().is_some_and(|r| r.while_capturing) {
        true => format!("{whose} (saved while it captured)"),
        false => whose,
    };
    prose(ui, visible, RichText::new(whose).weak());
    if h.failing_starts.is_empty() {
        let none = match several {
            // Which machine each failed on is not kept: none is.
            true => {
                "a capture of several machines keeps no such list (which machine each \
                     program failed on is not recorded)"
            }
            false => {
                "the file records no program failing to start again and again there \
                      (files saved before 2026-12-07 keep none)"
            }
        };
        prose(ui, visible, RichText::new(none).weak());
    }
    failing_lines(ui, h, clock, visible);
}

/// Each program of `h`'s machine-wide list on a line of its own: in the warning colour while
/// it goes on, as history once over.
fn failing_lines(ui: &mut egui::Ui, h: &HostReport, clock: Clock, visible: f32) {
    for f in &h.failing_starts {
        let text = RichText::new(report::failing_start_line_of(h, f, clock));
        // One going on is a warning; one over is history.
        let text = if f.recovered.is_none() {
            text.color(ui.visuals().warn_fg_color)
        } else {
            text
        };
        prose(ui, visible, text);
    }
}

fn listener_matches(r: &ListenerRecord, word: &str) -> bool {
    let p = &r.process;
    r.addr.to_string().contains(word)
        || word.trim_start_matches(':').parse::<u16>() == Ok(r.addr.port())
        || p.program().matches(word)
        || p.pid.to_string() == word
        || p.user
            .as_deref()
            .is_some_and(|u| u.to_lowercase().contains(word))
        || p.exe
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(word))
        || crate::services::name(r.addr.port()).is_some_and(|s| s.to_lowercase().contains(word))
}

fn compare(a: &ListenerRecord, b: &ListenerRecord, col: Col) -> std::cmp::Ordering {
    let key = |r: &ListenerRecord| (r.addr.port(), r.addr.ip(), r.process.pid);
    match col {
        Col::Address => (a.addr.ip(), a.addr.port()).cmp(&(b.addr.ip(), b.addr.port())),
        Col::Port => key(a).cmp(&key(b)),
        Col::Pid => a.process.pid.cmp(&b.process.pid),
        Col::Process => {
            let name = |r: &ListenerRecord| r.process.program().text().to_lowercase();
            name(a).cmp(&name(b))
        }
        Col::User => a.process.user.cmp(&b.process.user),
        Col::Since => a.first_seen.cmp(&b.first_seen),
    }
    .then_with(|| key(a).cmp(&key(b)))
}

/// What the panel says of `n` listening sockets whose process it cannot see; `elevated`: this
/// process runs as root (then only another container's or namespace's processes are hidden).
pub fn unseen_note(n: usize, elevated: bool) -> String {
    let (sockets, belong) = if n == 1 {
        ("listening socket belongs", "a process")
    } else {
        ("listening sockets belong", "processes")
    };
    let one = n == 1;
    let n = crate::report::grouped(n);
    if cfg!(windows) {
        // Windows names every socket's owner to every user; PID 0 is no owner at all.
        let (sockets, have) = if one {
            ("listening socket has", "its")
        } else {
            ("listening sockets have", "their")
        };
        format!(
            "{n} {sockets} no owning process in Windows' socket table (PID 0): rstscope cannot say {have} program"
        )
    } else if elevated {
        format!(
            "{n} {sockets} to {belong} rstscope cannot see, even as root: in a container or another PID namespace"
        )
    } else {
        format!(
            "{n} {sockets} to {belong} rstscope cannot see: another user's (run rstscope as \
             root to see them) or a container's"
        )
    }
}

/// True when this process runs as root (Unix); on Windows being an administrator changes
/// nothing the note says.
fn elevated() -> bool {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        false
    }
}
