//! The app: the capture being read, the selection shared by the panels, and the frame loop
//! that lays the panels out and carries out what the user asked for. File and packet work
//! happens on other threads (the `analyze` job or a live capture, `evidence`, `export`,
//! `file-dialog`, `sample`, `capture-start`); this thread only takes their results.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, Align2, Color32, RichText};

use crate::analysis::{Analysis, Progress};
use crate::engine::{EngineConfig, Offender};
use crate::pipeline::live::{LiveJob, LiveOptions, SavedFiles, StartError};
use crate::pipeline::{self, Job, Update};
use crate::report;
use crate::report::evidence::Evidence;
use crate::source::live::{CaptureFilter, CaptureStats};
use crate::source::npcap;
use crate::ui::details::{
    self, DetailsAction, DetailsInput, DetailsView, SavePackets, SaveProgress,
};
use crate::ui::file_dialog::{FileDialogs, Purpose, SaveTag};
use crate::ui::host::HostPanel;
use crate::ui::offenders::{OffendersView, RowKey};
use crate::ui::plot::{PlotInput, PlotView};
use crate::ui::sample;
use crate::ui::settings::Settings;
use crate::ui::signal::EndRequest;
use crate::ui::source_bar::{self, Action, BarInput, InterfaceList};
use crate::ui::status::{self, StatusInput};
use crate::ui::task::Task;
use crate::ui::unsaved::{self, Answer};
use crate::ui::wheel;

/// Notices kept on screen at most.
const MAX_NOTICES: usize = 4;

/// The start screen's height (points between the toolbar and the status bar) short of which
/// it closes up ([`StartGaps`]): the least where, as it is, Recent's first capture is in view
/// (at 640 points, its tagline on two lines). 800x600 gives it 477 points, 640x480 354 (where
/// Recent began under the window's bottom). On Windows without Npcap the notice's height
/// comes on top of it (and of [`START_ONE_ROW`]).
const START_ROOMY: f32 = 410.0;

/// The start screen's height short of which, closed up, its buttons go on one row: the least
/// where, one under another, Recent's first capture is in view (at 640 points). 640x400 gives
/// it 296 points, where it was some 20 points below the status bar's top. Short of it with the
/// Npcap notice whole, the notice's installer advice goes to its link's hover.
const START_ONE_ROW: f32 = 330.0;

/// The room the start screen gives above its title, between its parts, in and between its
/// buttons, and whether the buttons go on one row.
struct StartGaps {
    above: f32,
    section: f32,
    button: f32,
    between: f32,
    one_row: bool,
    /// The Npcap notice (if any) with its installer advice, not only on hover.
    advice: bool,
}

/// The height a running live capture's layout gave the details (their least, from which the
/// plot's height and the table's follow), for the capture and the results' size it was laid
/// out at: kept once the capture stops, so that nothing moves at Stop. The stopped details
/// tell the same offender differently ("when the capture ended", their lists): at 1024x700
/// the arrangement that fitted changed with them, and the plot and the table moved 38
/// points under the pointer that had just clicked Stop.
#[derive(Clone, Copy)]
struct StopHold {
    capture: u64,
    size: egui::Vec2,
    /// The height the details are given room for (see `layout::table_height`).
    details_room: f32,
    /// The diagnosis's least height (the table keeps its first row only by it): at 640x400
    /// the stopped details, their lists measured, wanted more, and the results scrolled as a
    /// whole with the diagnosis under the window's bottom.
    diagnosis: f32,
}

/// Whether a live capture's plot is folded for the window's height, for the capture and the
/// size it was decided at. Decided while the table lists no row (nothing under the pointer to
/// move), as if the selected offender's diagnosis were as tall as the details' least before
/// connections are listed, and then held while the window's height and the results' width
/// hold: a plot folding as the counts grew, or as the connections were listed at Stop, would
/// move the table under the pointer. At 640x400 with a message over the results and "This
/// machine" open the plot never folded, and the diagnosis lay under the window's bottom.
#[derive(Clone, Copy)]
struct LiveFold {
    capture: u64,
    size: egui::Vec2,
    folded: bool,
}

/// Where a live capture's kernel comparison is said, for the capture and the results' size it
/// was decided at: in the legend, or on the hover of the kernel's counts where the legend put
/// it on a line of its own (800 points) and that line costs the table's three rows or the
/// details' first connection beside the plot at its least. At 800x600 the line left no
/// connection row in view after Stop, the details compact under the rows. Decided from
/// frames laid out with the comparison in the legend (`on_hover` is `None` meanwhile) once
/// what it is decided by has settled, and held: decided again in each frame, the line given
/// back would leave room for it, and the legend and the plot's axis title, which follow the
/// last frame's heights, would move each frame. Decided in the first frame at a new size, it
/// went by the details' heights measured at the old width (taken once two frames agree), and
/// a stopped capture laid out afresh at 800x600 kept the line. With "This machine" open (it
/// says the comparison), the same for the kernel's counts' own line: on hover, they keep to
/// the legend's line, cut shorter.
#[derive(Clone, Copy)]
struct NoteHold {
    capture: u64,
    size: egui::Vec2,
    on_hover: Option<bool>,
    /// Until decided: the last frame's `line` and `short`, and the frames at this size.
    seen: Option<(Option<bool>, bool)>,
    frames: u8,
}

/// Frames at one size before the comparison's place is decided, the last two alike: the
/// details' heights at a new width are taken in the second.
const NOTE_FRAMES: u8 = 3;

impl NoteHold {
    /// Whether the comparison goes on hover in this frame, for `capture` at `size`: `line` is
    /// where the last frame's legend put it ([`PlotView::note_line`]), `short` whether the
    /// results with that legend are short of the table's three rows and the details' first
    /// connection. Decided once the legend laid out at this size has placed it and both have
    /// held for [`NOTE_FRAMES`] frames; the second value: a frame more is wanted for it.
    fn on_hover(
        hold: &mut Option<Self>,
        capture: u64,
        size: egui::Vec2,
        line: Option<bool>,
        short: bool,
    ) -> (bool, bool) {
        let h = match *hold {
            Some(h) if h.capture == capture && h.size == size => h,
            _ => Self {
                capture,
                size,
                on_hover: None,
                seen: None,
                frames: 0,
            },
        };
        if let Some(on) = h.on_hover {
            return (on, false);
        }
        let frames = h.frames.saturating_add(1);
        // (And however they go, within a second's frames: no frames requested without end.)
        let settled = (frames >= NOTE_FRAMES && h.seen == Some((line, short))) || frames >= 60;
        let on_hover = match line {
            Some(own) if settled => Some(own && short),
            _ => None,
        };
        *hold = Some(Self {
            on_hover,
            seen: Some((line, short)),
            frames,
            ..h
        });
        (
            on_hover.unwrap_or(false),
            line.is_some() && on_hover.is_none(),
        )
    }
}

/// What decides where the table lies (the plot folded for the window's height, the headline
/// on one line, the plot's height and its axis title's place), as a frame laid the results out
/// for the offender then selected. Where the user selects another offender in the same
/// capture and window, the next frames keep it (`RstscopeApp::select_hold`): the details of
/// the one selected ask for more or less height (a longer diagnosis, a scan's lines), and at
/// 1024x700 the headline went to one line or the plot gave up height for them, so the table
/// moved up 16 to 32 points under the pointer that had just clicked a row. The details
/// scroll within what they are given instead; a new size or capture decides again.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SelectLayout {
    /// The capture, the results' size, the user's split and the plot folded by the user
    /// or kept shown: what, changed, decides the layout again.
    key: (u64, egui::Vec2, Option<f32>, bool, bool),
    /// The offender selected when it was laid out.
    selected: Option<RowKey>,
    for_room: bool,
    one_line: bool,
    compact: bool,
    plot_height: f32,
}

/// What produces a source's results: a file analysis or a live capture.
enum Running {
    /// Reading files.
    File(Job),
    /// Capturing (and saving to the source's file for the details' evidence).
    Live(LiveJob),
}

impl Running {
    fn poll(&mut self) -> Vec<Update> {
        match self {
            Self::File(j) => j.poll(),
            Self::Live(j) => j.poll(),
        }
    }

    fn dropped_updates(&self) -> u64 {
        match self {
            Self::File(j) => j.dropped_updates(),
            Self::Live(j) => j.dropped_updates(),
        }
    }

    /// Cancel a file, stop a capture: either ends with the results so far.
    fn stop(&self) {
        match self {
            Self::File(j) => j.cancel(),
            Self::Live(j) => j.stop(),
        }
    }
}

/// An export being written: where it went and what the notice adds after its path, or the
/// message saying why it did not.
type Export = Task<Result<(PathBuf, String), String>>;

/// "Save these packets…" reading the capture again for every packet of a row: the export,
/// how far it has got, and the file it goes to.
struct PacketsSave {
    task: Export,
    progress: Arc<SaveProgress>,
    path: PathBuf,
}

/// A live capture that has started (the job and the file it saves to), or why not.
type Started = Result<(LiveJob, PathBuf), StartError>;

/// Why Start capture did not start a capture, as tests and the window tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureFailure {
    /// This process may not capture (not root/administrator, no CAP_NET_RAW, Npcap restricted).
    NoRight(String),
    /// The capture library is missing (libpcap, Npcap).
    NoLibrary(String),
    /// Anything else (no such interface, a filter that does not compile, a file that cannot
    /// be written).
    Other(String),
}

impl CaptureFailure {
    fn of(e: &StartError) -> Self {
        use crate::source::live::LiveError;
        let text = e.to_string();
        match e {
            StartError::Capture(LiveError::Permission { .. }) => Self::NoRight(text),
            StartError::Capture(LiveError::Unavailable { .. } | LiveError::Npcap(_)) => {
                Self::NoLibrary(text)
            }
            _ => Self::Other(text),
        }
    }

    /// The message the window shows.
    pub fn text(&self) -> &str {
        match self {
            Self::NoRight(t) | Self::NoLibrary(t) | Self::Other(t) => t,
        }
    }
}

/// A capture being read, or read.
pub struct Source {
    /// Unique in this run: every capture opened gets a new one, so that views built from an
    /// earlier capture never pass for this one's (two small files both start at generation 0).
    pub id: u64,
    /// Its files.
    pub paths: Vec<PathBuf>,
    /// Its name for people.
    pub label: String,
    job: Option<Running>,
    /// Live capture counts (captured, drops), for a live source.
    pub capture: Option<CaptureStats>,
    /// A live capture's saved files; they are removed when this goes.
    pub saved: Option<SavedFiles>,
    /// How far reading has got.
    pub progress: Option<Progress>,
    /// Before the reading, the files being compared (a copy is read once): `b.pcap with
    /// a.pcap`, until the reading's progress comes.
    pub comparing: Option<String>,
    /// Results so far (final once the job is gone).
    pub analysis: Option<Arc<Analysis>>,
    /// Changes with every new result, for the panels' caches.
    pub generation: u64,
    /// Intermediate results the UI was too slow to take.
    pub dropped_updates: u64,
    /// Put in File > Recent once it has given results (not the bundled sample, not a live
    /// capture's temporary file).
    remember: bool,
    /// Opened as a capture File > Recent listed (its files, in its order): once read, a
    /// notice tells of the files of the entry that were not read.
    reopened: bool,
    /// A live capture whose packets were not saved ("Save capture as…"): they are only in a
    /// temporary file, so the window asks before it goes.
    unsaved: bool,
    /// Where a stopped live capture was last saved ("Save capture as…"), for its name.
    pub saved_as: Option<PathBuf>,
}

impl Source {
    /// The files given that were not read, once the capture is read: refused (a
    /// decompression window over its share, not a capture), each then named in the
    /// warnings. A folder given is read where one of its files was (they are read as
    /// `FOLDER/NAME`, a zip among them as its members). Empty while reading, for a live
    /// capture, and where none was read at all (the error says why).
    fn unread(&self) -> Vec<&PathBuf> {
        let Some(a) = self.analysis.as_ref().filter(|_| !self.is_loading()) else {
            return Vec::new();
        };
        let read = &a.capture.files;
        if self.capture.is_some() || read.is_empty() {
            return Vec::new();
        }
        self.paths
            .iter()
            .filter(|p| {
                // The file itself, or (a folder given) a file read from it.
                let from = |read: &Path| read == p.as_path() || read.parent() == Some(p.as_path());
                !read
                    .iter()
                    .any(|f| from(&f.path) || f.archive.as_ref().is_some_and(|z| from(&z.archive)))
            })
            .collect()
    }

    /// Its name as the toolbar, the status bar and the window's title give it: [`Source::label`]
    /// (`stopped: live capture on lo` once a live capture is stopped), or, where some
    /// files given were not read, one that was and how many were not
    /// (`c.pcapng + 3 more (3 not read)`), so that an unread file does not name the capture.
    pub fn shown_label(&self) -> std::borrow::Cow<'_, str> {
        // A live capture once stopped: "live capture on …" alone, with Start capture beside
        // it and its counts no longer moving, read as if it still ran. The word first: a
        // narrow window cuts the name's end.
        // Once saved, the file's name too, as the title of a saved document changes to it:
        // "stopped: …" alone read as if its packets were still only in a temporary file.
        if self.capture.is_some() && !self.is_capturing() {
            return match &self.saved_as {
                Some(path) => format!(
                    "stopped: {}, saved as {}",
                    self.label,
                    crate::ui::file_name(path)
                ),
                None => format!("stopped: {}", self.label),
            }
            .into();
        }
        let unread = self.unread();
        let Some(first) = self.paths.iter().find(|p| !unread.contains(p)) else {
            return self.label.as_str().into();
        };
        if unread.is_empty() {
            return self.label.as_str().into();
        }
        format!(
            "{} + {} more ({} not read)",
            crate::ui::file_name(first),
            self.paths.len() - 1,
            unread.len()
        )
        .into()
    }

    /// The longest [`Source::shown_label`] becomes without the user's doing: a running live
    /// capture's once stopped (`stopped: live capture on lo`), else the name as it is.
    pub fn widest_label(&self) -> std::borrow::Cow<'_, str> {
        match self.is_capturing() {
            true => format!("stopped: {}", self.label).into(),
            false => self.shown_label(),
        }
    }

    /// Its name said shorter, from the longest, for where [`Source::shown_label`] has no room
    /// whole (the status bar beside a live capture's counts: at 480 points "stopped: live
    /// capture on al…"): a live capture's without "live capture on" (`stopped: all
    /// interfaces`), then whether it runs alone (`capturing`, `stopped`), which the counts
    /// after it complete. None for files, cut where they must be (their start names them).
    pub fn shorter_labels(&self) -> Vec<String> {
        if self.capture.is_none() {
            return Vec::new();
        }
        let on = (self.label.strip_prefix("live capture on ")).unwrap_or(&self.label);
        let word = if self.is_capturing() {
            "capturing"
        } else {
            "stopped"
        };
        let mut forms = Vec::new();
        if let Some(path) = self.saved_as.as_ref().filter(|_| !self.is_capturing()) {
            let file = crate::ui::file_name(path);
            forms.push(format!("stopped: {on}, saved as {file}"));
            forms.push(format!("stopped, saved as {file}"));
        }
        forms.push(format!("{word}: {on}"));
        forms.push(word.to_owned());
        forms
    }

    /// Its files' paths, one a line, those not read marked so; a stopped live capture once
    /// saved, the file it was saved as: the name's hover gave the temporary file's path under
    /// "…, saved as F.pcapng" (a folder of the app's that goes with the capture).
    fn shown_paths(&self) -> String {
        if let Some(saved) = (self.saved_as.as_ref()).filter(|_| !self.is_capturing()) {
            return saved.display().to_string();
        }
        let unread = self.unread();
        self.paths
            .iter()
            .map(|p| {
                let mark = if unread.contains(&p) {
                    "  (not read)"
                } else {
                    ""
                };
                format!("{}{mark}", p.display())
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Where the views' caches stand: the capture and its latest result.
    pub fn version(&self) -> (u64, u64) {
        (self.id, self.generation)
    }

    /// Still reading or capturing.
    pub fn is_loading(&self) -> bool {
        self.job.is_some()
    }

    /// Whether its files can be read again (File > Reload): not a live capture's, nor
    /// standard input.
    fn is_reloadable(&self) -> bool {
        self.capture.is_none()
            && !self.paths.is_empty()
            && !self.paths.iter().any(|p| crate::source::file::is_stdin(p))
    }

    /// A live capture that is running.
    pub fn is_capturing(&self) -> bool {
        matches!(self.job, Some(Running::Live(_)))
    }
}

/// What File > Reload keeps of the view of the capture it reads again.
struct KeptView {
    /// The files read again: another capture opened meanwhile keeps nothing of this one.
    paths: Vec<PathBuf>,
    /// The offenders table's filter.
    filter: String,
    /// The row the user picked (none where the selection followed the worst offender).
    picked: Option<RowKey>,
    /// The time range selected on the plot.
    range: Option<(i64, i64)>,
}

/// A message at the top of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// An error (red) or information.
    pub error: bool,
    /// The message.
    pub text: String,
    /// What it tells of, which decides when it goes.
    pub about: About,
}

/// What a [`Notice`] tells of: it goes when that is no longer what the user is looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    /// The app (the sample capture could not be written): it stays until dismissed.
    App,
    /// The capture on screen (an export of it saved or not, a read error after its first
    /// results): it goes when another capture replaces it, or it is closed.
    Shown,
    /// A capture that could not be opened or started: it goes as soon as the user opens or
    /// starts another (the error told of an earlier attempt, not of the file now loading),
    /// or closes the capture.
    Attempt,
}

/// The desktop app.
pub struct RstscopeApp {
    /// Persisted settings.
    pub settings: Settings,
    /// Recent and the kept captures as last saved ([`RstscopeApp::save_at_once`]).
    saved_at_once: (Vec<Vec<PathBuf>>, Vec<PathBuf>),
    source: Option<Source>,
    /// A capture being opened: it replaces `source` once it gives results, and is dropped
    /// (leaving `source` on screen) if it cannot be read.
    incoming: Option<Source>,
    /// The id the next capture gets.
    next_id: u64,
    /// Why the last Start capture failed.
    capture_failure: Option<CaptureFailure>,
    /// Files to open on the first frame (from the command line).
    pending_open: Vec<PathBuf>,
    /// The selected offender.
    selected: Option<RowKey>,
    /// The user has not chosen an offender in this capture: the selection follows the worst
    /// one, so the details tell the story while a file loads or a capture runs.
    follow_worst: bool,
    /// The selected time range, whole seconds.
    range: Option<(i64, i64)>,
    /// What File > Reload keeps of the view for the capture it reads again.
    reloading: Option<KeptView>,
    /// A time range kept by File > Reload, to be checked against the capture read again once
    /// its reading ends: a file replaced by another capture (not grown) may not cover it.
    range_to_check: bool,
    plot: PlotView,
    /// The plot's legend and axis: what it took in the last frame besides its height.
    plot_chrome: f32,
    /// The same in the last frame it had its axis title under it (not compact).
    full_chrome: f32,
    /// The same in the last frame the plot was drawn with its axis title above it (compact):
    /// what the plot would take besides its height in a small window, while it is folded for
    /// the window's height ([`RstscopeApp::results`]).
    compact_chrome: f32,
    /// The user unfolded the plot where the window is too short for it beside the first rows
    /// and the diagnosis: it stays (the results scroll as a whole) until folded again.
    plot_kept: bool,
    /// The plot was folded for the window's height in the last frame (View > Rate plot shows
    /// it unticked then, and ticked shows it anyway).
    folded_for_room: bool,
    /// The headline above the plot: its height in the last frame.
    above_plot: f32,
    /// The width the headline was laid out in, in the last frame, and the height it took
    /// there past its first line: `above_plot` less that is its height on one line.
    headline_at: (f32, f32),
    /// What a running live capture's layout gave the details, kept once it stops.
    stop_hold: Option<StopHold>,
    /// Whether a live capture's plot is folded for the window's height, held.
    live_fold: Option<LiveFold>,
    /// Where a live capture's kernel comparison is said, held.
    note_hold: Option<NoteHold>,
    /// How the last frame laid the results out above the table.
    layout_seen: Option<SelectLayout>,
    /// That layout, held since the user selected another offender (see [`SelectLayout`]).
    select_hold: Option<SelectLayout>,
    table: OffendersView,
    details: DetailsView,
    dialogs: FileDialogs,
    notices: Vec<Notice>,
    sample_task: Option<Task<std::io::Result<PathBuf>>>,
    /// The sample's copies written to the temporary folder: removed when the app ends.
    sample_copies: Vec<PathBuf>,
    capture_task: Option<Task<Started>>,
    /// Exports being written; a live capture's own save names the capture (its id).
    exports: Vec<(Option<u64>, Export)>,
    /// What the user asked for that would throw an unsaved live capture away: asked about.
    asking: Option<Action>,
    /// What to carry out once the capture is saved ("Save…" in that question).
    after_save: Option<Action>,
    /// The capture is being stopped to be saved: the save dialog opens once it has.
    save_on_stop: bool,
    /// A text field had the keyboard as the last frame ended. Enter or Escape there ends the
    /// typing, and the field has given up the keyboard before the results take their keys
    /// (egui drops it on Escape as the frame begins, the field on Enter as it is laid out):
    /// that key is still the field's, not the results'.
    typing: bool,
    /// Quitting was asked for and agreed to: the window's close is not asked about again.
    quitting: bool,
    /// Packets waiting for the user to pick a file.
    packets_to_save: Option<SavePackets>,
    /// Packets being saved after the capture is read again for all of them (progress and
    /// Cancel on a row of their own).
    saving_packets: Option<PacketsSave>,
    /// The interface picker's list (runtime state, not a setting).
    interfaces: InterfaceList,
    host: HostPanel,
    /// The symbol font was added (first frame).
    fonts_ready: bool,
    /// The glyphs of every text style were drawn once (second frame).
    glyphs_ready: bool,
    /// The window's size was checked against the screen's (once, when both are known).
    fit_checked: bool,
    /// The capture library (libpcap, Npcap's `wpcap.dll`) as found at start, or why capture
    /// cannot work: without one the capture controls are disabled, saying why. Tests put an
    /// error here to see the window as on Windows without Npcap.
    pub capture_library: Result<npcap::Wpcap, npcap::NpcapError>,
    /// Help > About is shown.
    about_open: bool,
    /// The window's title as last sent: the capture's name as the toolbar gives it.
    title: String,
    /// The status bar's warnings are shown in full (one was clicked), and whether Copy has
    /// copied them since.
    warnings_open: (bool, bool),
    /// Set by SIGTERM or Ctrl+C in the terminal: the app ends as Quit does, without asking.
    end_request: Option<EndRequest>,
    /// Where a live capture not saved is kept when a signal ends the app.
    kept_folder: Option<PathBuf>,
    /// The end a signal asked for is under way.
    ended: bool,
}

impl RstscopeApp {
    /// An app with these settings that opens `files` on its first frame. Needs no window:
    /// tests drive it with [`RstscopeApp::show`].
    pub fn new(mut settings: Settings, files: Vec<PathBuf>) -> Self {
        let saved_at_once = (settings.recent.clone(), settings.kept_captures.clone());
        let kept = std::mem::take(&mut settings.kept_captures);
        let mut app = Self {
            settings,
            saved_at_once,
            source: None,
            incoming: None,
            next_id: 1,
            capture_failure: None,
            pending_open: files,
            selected: None,
            follow_worst: true,
            range: None,
            reloading: None,
            range_to_check: false,
            plot: PlotView::default(),
            plot_chrome: 0.0,
            full_chrome: 0.0,
            compact_chrome: 0.0,
            plot_kept: false,
            folded_for_room: false,
            above_plot: 0.0,
            headline_at: (0.0, 0.0),
            stop_hold: None,
            live_fold: None,
            note_hold: None,
            layout_seen: None,
            select_hold: None,
            table: OffendersView::default(),
            details: DetailsView::default(),
            dialogs: FileDialogs::default(),
            notices: Vec::new(),
            sample_task: None,
            sample_copies: Vec::new(),
            capture_task: None,
            exports: Vec::new(),
            asking: None,
            after_save: None,
            save_on_stop: false,
            typing: false,
            quitting: false,
            packets_to_save: None,
            saving_packets: None,
            interfaces: InterfaceList::default(),
            host: HostPanel::default(),
            fonts_ready: false,
            glyphs_ready: false,
            fit_checked: false,
            capture_library: npcap::ensure_capture().cloned(),
            about_open: false,
            title: String::new(),
            warnings_open: (false, false),
            end_request: None,
            kept_folder: None,
            ended: false,
        };
        for path in kept.iter().filter(|p| p.exists()) {
            app.settings.remember_kept(std::slice::from_ref(path));
            app.notify(
                false,
                format!(
                    "rstscope was ended (SIGTERM or Ctrl+C) during a live capture that had not \
                     been saved: its packets were kept in {} (File > Recent opens it)",
                    path.display()
                ),
            );
        }
        app
    }

    /// The app ends when `request` is made (a signal), as Quit does, keeping a live capture not
    /// yet saved in `kept` (see [`crate::ui::signal`]).
    /// Kept captures the user is done with are removed from `kept` on a thread
    /// ([`prune_kept`](crate::ui::signal::prune_kept)).
    pub fn ending_on(mut self, request: EndRequest, kept: Option<PathBuf>) -> Self {
        self.end_request = Some(request);
        if let Some(folder) = kept.clone() {
            let recent = self.settings.recent.clone();
            let _ = std::thread::Builder::new()
                .name("rstscope-prune-kept".into())
                .spawn(move || {
                    crate::ui::signal::prune_kept(&folder, &recent, std::time::SystemTime::now())
                });
        }
        self.kept_folder = kept;
        self
    }

    /// A signal asked the app to end: a live capture not saved is stopped and kept, said on
    /// stderr (and in the window at the next start, and in File > Recent), and the window
    /// closes without asking; eframe saves the settings, and the temporary files go with the
    /// app.
    fn end_on_signal(&mut self, ctx: &egui::Context) {
        self.ended = true;
        if self.unsaved_capture() {
            match self.keep_capture() {
                Ok(path) => {
                    eprintln!(
                        "rstscope: ended by a signal during a live capture that was not saved: \
                         its packets are kept in {}",
                        path.display()
                    );
                    self.settings.remember_kept(std::slice::from_ref(&path));
                    self.settings.kept_captures.push(path);
                }
                Err(e) => eprintln!(
                    "rstscope: ended by a signal; the live capture that was not saved could not \
                     be kept: {e}"
                ),
            }
        }
        self.asking = None;
        self.quitting = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Stops the live capture and copies its packets into the folder where it is kept, under its
    /// temporary file's name (`capture-20261203-195101.pcapng`).
    fn keep_capture(&mut self) -> Result<PathBuf, String> {
        let folder = (self.kept_folder.clone()).ok_or("no folder for the app's settings here")?;
        let src = self.source.as_mut().ok_or("no capture")?;
        // Stopped and its threads ended: its writer has flushed.
        if let Some(Running::Live(job)) = src.job.take() {
            let _ = job.finish();
        }
        let pieces = src
            .saved
            .as_ref()
            .map_or_else(|| src.paths.clone(), SavedFiles::files);
        let stem = file_stem(&src.paths);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot make {}: {e}", folder.display()))?;
        let mut path = folder.join(format!("{stem}.pcapng"));
        let mut n = 1;
        while path.exists() {
            n += 1;
            path = folder.join(format!("{stem}-{n}.pcapng"));
        }
        save_pieces(&pieces, &path).map_err(|e| {
            format!(
                "cannot write {}: {}",
                path.display(),
                report::write_error(&path, &e)
            )
        })?;
        src.unsaved = false;
        src.saved_as = Some(path.clone());
        Ok(path)
    }

    /// The app as eframe creates it: settings from the previous run.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, files: Vec<PathBuf>) -> Self {
        Self::new(Settings::load(cc.storage), files)
    }

    /// Maximizes the window once, at the start, when it does not fit the screen above a
    /// taskbar: the OS keeps the default size within the monitor but not off the taskbar, so
    /// on a 1366x768 laptop, or 1920x1080 at 125% and more, the status bar was hidden under it.
    /// Maximized, the window takes the screen less the taskbar.
    fn fit_screen(&mut self, ctx: &egui::Context) {
        if self.fit_checked {
            return;
        }
        let (monitor, outer, maximized) = ctx.input(|i| {
            let v = i.viewport();
            (v.monitor_size, v.outer_rect, v.maximized.unwrap_or(false))
        });
        let (Some(monitor), Some(outer)) = (monitor, outer) else {
            return;
        };
        self.fit_checked = true;
        if !maximized && exceeds_screen(monitor, outer) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Maximized(true));
        }
    }

    /// The capture, if one is open.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_ref()
    }

    /// The capture being opened (shown once it gives results).
    pub fn incoming(&self) -> Option<&Source> {
        self.incoming.as_ref()
    }

    /// Why the last Start capture did not start, if it did not.
    pub fn capture_failure(&self) -> Option<&CaptureFailure> {
        self.capture_failure.as_ref()
    }

    /// True while a capture is being read, or the sample written.
    pub fn is_loading(&self) -> bool {
        self.source.as_ref().is_some_and(Source::is_loading)
            || self.incoming.is_some()
            || self.sample_task.is_some()
            || self.capture_task.is_some()
            || !self.pending_open.is_empty()
    }

    /// True while the details panel reads the capture for packets.
    pub fn is_collecting_evidence(&self) -> bool {
        self.details.is_collecting()
    }

    /// Messages shown at the top of the window.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The text in the "This machine" panel's filter box.
    pub fn host_filter(&self) -> &str {
        &self.host.filter
    }

    /// Whether the selection follows the worst offender shown: no row was picked by the user
    /// since the capture was opened.
    #[must_use]
    pub fn follows_worst(&self) -> bool {
        self.follow_worst
    }

    /// The selected row's offender's endpoint (a scan's row: [`RowKey::endpoint`]).
    pub fn selected(&self) -> Option<crate::ui::offenders::EndpointKey> {
        self.selected.map(RowKey::endpoint)
    }

    /// The selected row: an endpoint's or a scan's.
    pub fn selected_row(&self) -> Option<RowKey> {
        self.selected
    }

    /// The selected time range.
    pub fn range(&self) -> Option<(i64, i64)> {
        self.range
    }

    /// Selects a time range, as dragging in the plot does.
    pub fn set_range(&mut self, range: Option<(i64, i64)>) {
        self.range = range;
    }

    /// The rows of the offenders table as last drawn.
    pub fn rows(&self) -> &[crate::ui::offenders::Row] {
        self.table.rows()
    }

    /// The connection selected in the details, whose packets alone are listed.
    pub fn stream(&self) -> Option<&crate::engine::ConnRecord> {
        self.details.stream()
    }

    /// Evidence collected for the selected offender.
    pub fn evidence(&self) -> Option<&Arc<Evidence>> {
        self.details.evidence()
    }

    /// True while a file dialog (open or save) is open.
    pub fn is_file_dialog_open(&self) -> bool {
        self.dialogs.is_open()
    }

    /// The window's title as last sent.
    pub fn window_title(&self) -> &str {
        &self.title
    }

    /// How the details told the selected offender in the last frame, if they did.
    pub fn details_arrangement(&self) -> Option<crate::ui::details::Arrangement> {
        self.details.arrangement()
    }

    /// The plot's height in the last frame's layout (points; nothing where it is folded), if
    /// results were shown.
    pub fn plot_height(&self) -> Option<f32> {
        self.layout_seen.as_ref().map(|l| l.plot_height)
    }

    /// Where the last frame's layout said a live capture's kernel comparison: `Some(true)` on
    /// the hover of the legend's kernel counts, `Some(false)` in the legend; `None` before it
    /// was decided for this capture and size (or where there is none to say). With "This
    /// machine" open, which says it: `Some(true)` where the counts keep to the legend's line.
    pub fn kernel_note_on_hover(&self) -> Option<bool> {
        self.note_hold.and_then(|h| h.on_hover)
    }

    /// Opens files as one capture, replacing the current one.
    pub fn open(&mut self, ctx: &egui::Context, paths: Vec<PathBuf>) {
        self.open_capture(ctx, paths, false);
    }

    /// Reads the capture's files again (File > Reload), as Wireshark's Reload: a file still
    /// being written (`tcpdump -w` running) has grown since it was read, and the message of
    /// a file that ends inside a record says to read it again. The table's filter, the row
    /// the user picked and the time range selected are kept; the capture on screen stays until the new reading gives
    /// results, as for any capture opened.
    fn reload(&mut self, ctx: &egui::Context) {
        let Some(src) = self.source.as_ref().filter(|s| s.is_reloadable()) else {
            return;
        };
        let (paths, is_sample) = (src.paths.clone(), !src.remember);
        self.reloading = Some(KeptView {
            paths: paths.clone(),
            filter: self.table.filter.clone(),
            picked: self.selected.filter(|_| !self.follow_worst),
            range: self.range,
        });
        self.open_capture(ctx, paths, is_sample);
    }

    /// Keeps the time range that File > Reload carried over where the capture read again
    /// covers it (a file that grew does); a file replaced meanwhile by another capture may
    /// not: the range is dropped, and a message says which it was, as it would otherwise
    /// vanish unsaid (clamped by the plot to seconds of its own, it would show another).
    fn range_after_reload(&mut self, a: &Analysis) {
        let Some((from, to)) = self.range else {
            return;
        };
        let totals = &a.snapshot.totals;
        let covered = totals
            .first_ts
            .zip(totals.last_ts)
            .is_some_and(|(first, last)| first.second() <= from && to <= last.second());
        if covered {
            return;
        }
        self.range = None;
        let clock = report::clock_for(a, self.settings.clock());
        let at = |s| crate::packet::Timestamp::from_parts(s, 0);
        let (from, to) = (at(from), at(to));
        self.show_notice(Notice {
            error: false,
            text: format!(
                "The time range selected before Reload ({}) is not all in the capture read \
                 again: it shows the whole capture. Drag on the plot to select a range again.",
                clock.dated_range(from, to)
            ),
            about: About::Shown,
        });
    }

    /// Once a capture of files is read: File > Recent keeps the files that were read, not
    /// those given with them that were not (not captures, gone since), which could only fail
    /// again from there ("pop3.pcap and 2 more", two of them text files). A file on a drive or
    /// share out of reach now stays: it may be back. Where the entry came from Recent, a
    /// notice says which of its files were not read and what Recent keeps.
    fn keep_read_files_in_recent(&mut self) {
        let Some(src) = self.source.as_ref().filter(|s| s.remember) else {
            return;
        };
        let unread = src.unread();
        let gone_for_good = |p: &&PathBuf| crate::ui::settings::gone_for_good(p);
        let out_of_reach = |p: &&PathBuf| !p.exists() && !gone_for_good(p);
        let dropped: Vec<&PathBuf> = unread.into_iter().filter(|p| !out_of_reach(p)).collect();
        if dropped.is_empty() {
            return;
        }
        let kept: Vec<PathBuf> = (src.paths.iter())
            .filter(|p| !dropped.contains(p))
            .cloned()
            .collect();
        let names = |paths: &[&&PathBuf]| {
            let names: Vec<String> = paths.iter().map(|p| crate::ui::file_name(p)).collect();
            report::and_list(&names)
        };
        let (gone, unreadable): (Vec<&&PathBuf>, Vec<&&PathBuf>) =
            dropped.iter().partition(|p| gone_for_good(p));
        let mut why = Vec::new();
        if !gone.is_empty() {
            let is = if gone.len() == 1 { "is" } else { "are" };
            why.push(format!("{} {is} gone (moved or deleted)", names(&gone)));
        }
        if !unreadable.is_empty() {
            why.push(format!(
                "{} could not be read (the warnings say why)",
                names(&unreadable)
            ));
        }
        let keeps = match kept.as_slice() {
            [one] => format!("{} alone", crate::ui::file_name(one)),
            many => format!("the {} files read", many.len()),
        };
        let text = format!(
            "Of this capture's files, {}: File > Recent keeps {keeps}.",
            why.join(" and ")
        );
        let (given, reopened) = (src.paths.clone(), src.reopened);
        self.settings.forget(&given);
        self.settings.remember(&kept);
        if reopened {
            self.show_notice(Notice {
                error: false,
                text,
                about: About::Shown,
            });
        }
    }

    /// Opens files; the bundled sample (a temporary copy) is named so and not remembered.
    fn open_capture(&mut self, ctx: &egui::Context, paths: Vec<PathBuf>, is_sample: bool) {
        if paths.is_empty() {
            return;
        }
        self.new_attempt();
        let label = if is_sample {
            format!("{} (bundled sample)", sample::FILE_NAME)
        } else {
            source_label(&paths)
        };
        // Asked of the `repaint` thread: the analysis never waits on the window.
        let repaint = crate::ui::repaint::Repaint::new(ctx);
        let job = pipeline::analyze_files(paths.clone(), EngineConfig::default(), move || {
            repaint.request();
        });
        // The capture on screen stays until this one gives results (a file that is not a
        // capture must not cost the user the analysis they have open). Dropping an earlier
        // incoming job cancels it.
        self.incoming = Some(self.new_source(paths, label, Running::File(job), None, !is_sample));
    }

    fn new_source(
        &mut self,
        paths: Vec<PathBuf>,
        label: String,
        job: Running,
        capture: Option<CaptureStats>,
        remember: bool,
    ) -> Source {
        let id = self.next_id;
        self.next_id += 1;
        Source {
            id,
            paths,
            label,
            job: Some(job),
            capture,
            saved: None,
            progress: None,
            comparing: None,
            analysis: None,
            generation: 0,
            dropped_updates: 0,
            remember,
            reopened: false,
            unsaved: false,
            saved_as: None,
        }
    }

    /// Makes a capture the window's source, starting the views afresh: it is remembered in
    /// File > Recent, and the errors of captures that could not be opened go away.
    fn set_source(&mut self, ctx: &egui::Context, mut src: Source) {
        // Text selected in the last capture's diagnosis is not this one's.
        ctx.plugin::<egui::text_selection::LabelSelectionState>()
            .lock()
            .clear_selection();
        // Nor is the keyboard a text box's: a filter box that kept it took the arrows and
        // Ctrl+C meant for the new capture's table until Esc.
        if ctx.text_edit_focused() {
            ctx.memory_mut(egui::Memory::stop_text_input);
        }
        if src.remember {
            src.reopened = self.settings.is_recent(&src.paths);
            // A kept capture opened from File > Recent: its folder is the app's own.
            let kept = (src.paths.first().and_then(|p| p.parent()))
                .zip(self.kept_folder.as_deref())
                .is_some_and(|(dir, kept)| dir == kept || same_file(dir, kept));
            if kept {
                self.settings.remember_kept(&src.paths);
            } else {
                self.settings.remember(&src.paths);
            }
        }
        self.notices.retain(|n| n.about == About::App);
        // The last capture's warnings are not this one's.
        self.warnings_open = (false, false);
        self.source = Some(src);
        self.selected = None;
        self.follow_worst = true;
        self.range = None;
        // Typed for the last capture's endpoints: kept, it hid this one's rows, its worst
        // offender (selected) among them.
        self.table.filter.clear();
        // Read again (File > Reload): the same files, grown since, seen as they were.
        if let Some(kept) = self.reloading.take()
            && kept.paths == self.source.as_ref().map_or(&[][..], |s| &s.paths[..])
        {
            self.table.filter = kept.filter;
            if let Some(picked) = kept.picked {
                self.selected = Some(picked);
                self.follow_worst = false;
            }
            // The seconds the user chose, as the plot clamps them to the capture; whether the
            // capture read again still has them is known when its reading ends (`poll`).
            self.range = kept.range;
            self.range_to_check = kept.range.is_some();
        } else {
            self.range_to_check = false;
        }
        self.details = DetailsView::default();
        self.plot.new_capture();
        self.forget_layout();
        // A file opened from a menu, a dialog or a drop: Tab goes to its results, not round
        // the toolbar from the File menu. Start capture stays where Tab goes on from.
        if self.source.as_ref().is_some_and(|s| s.capture.is_none()) {
            crate::ui::focus::capture_opened(ctx);
        }
    }

    /// The layout above the table to keep for `key` ([`SelectLayout`]): the last frame's,
    /// from the first frame after the user selected another offender, until `key` changes.
    fn select_hold(
        &mut self,
        key: (u64, egui::Vec2, Option<f32>, bool, bool),
    ) -> Option<SelectLayout> {
        if self.select_hold.is_some_and(|h| h.key != key) {
            self.select_hold = None;
        }
        if self.select_hold.is_none()
            && !self.follow_worst
            && let Some(seen) = self.layout_seen
            && seen.key == key
            && seen.selected.is_some()
            && seen.selected != self.selected
        {
            self.select_hold = Some(seen);
        }
        self.select_hold
    }

    /// Forgets the heights measured for the last capture: its legend (a live capture's
    /// kernel line) made its plot's axis title move above the plot, and the next capture kept
    /// it there where a new window puts it under the plot.
    fn forget_layout(&mut self) {
        self.plot_chrome = 0.0;
        self.full_chrome = 0.0;
        self.compact_chrome = 0.0;
        self.above_plot = 0.0;
        self.headline_at = (0.0, 0.0);
        self.stop_hold = None;
        self.live_fold = None;
        self.note_hold = None;
        self.layout_seen = None;
        self.select_hold = None;
    }

    /// Whether a live capture's results are too short for its plot (`short`: by the least
    /// heights now, the diagnosis as tall as the details' least before connections are
    /// listed): decided while its table lists no row, then held for `capture` while the
    /// results keep their `size` ([`LiveFold`]).
    fn live_short(&mut self, capture: u64, size: egui::Vec2, short: bool) -> bool {
        let held = self
            .live_fold
            .filter(|f| f.capture == capture && f.size == size && !self.table.rows().is_empty());
        let folded = held.map_or(short, |f| f.folded);
        self.live_fold = Some(LiveFold {
            capture,
            size,
            folded,
        });
        folded
    }

    /// One frame of the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        wheel::begin_pass(&ctx);
        crate::ui::handles::begin_pass(&ctx);
        crate::ui::focus::begin_pass(&ctx);
        crate::ui::clicks::begin_pass(&ctx);
        match self.fonts_ready {
            false => {
                // Where the last run left its scroll areas is no place for this run's captures:
                // egui keeps them with the settings, and a capture opened at start showed the
                // offenders table scrolled sideways as the last one was, the listening program
                // out of view (the table's own "from the left edge" went to a scroll area of
                // the first frames' layout, not the one it settles in).
                ctx.memory_mut(|m| {
                    m.data
                        .remove_by_type::<egui::containers::scroll_area::State>();
                });
                crate::ui::fonts::add_symbols(&ctx);
                crate::ui::fonts::readable_small(&ctx);
            }
            // The fonts added take effect in the second frame: their glyphs are drawn then.
            true if !self.glyphs_ready => {
                crate::ui::fonts::warm_glyphs(&ctx);
                self.glyphs_ready = true;
            }
            true => {}
        }
        self.fonts_ready = true;
        if !self.ended && self.end_request.as_ref().is_some_and(EndRequest::asked) {
            self.end_on_signal(&ctx);
        }
        self.fit_screen(&ctx);
        if !self.pending_open.is_empty() {
            let files = std::mem::take(&mut self.pending_open);
            self.open(&ctx, files);
        }
        self.poll(&ctx);
        let mut actions = Vec::new();
        self.keyboard_and_drops(&ctx, &mut actions);
        // Behind a dialog (a modal: Open, About, the warnings) the window takes no input, and
        // shows no tooltip: egui keeps one open while the pointer stays on its widget, so the
        // pointer resting on Open… as Ctrl+O opened the dialog left Open…'s drawn over it.
        let dialog =
            ctx.memory(|m| m.top_modal_layer()).is_some() || self.dialogs.is_builtin_open();
        crate::ui::focus::dialog(&ctx, dialog);
        if dialog {
            ui.disable();
        }
        let paths = self.source.as_ref().map(Source::shown_paths);
        let label = self.source.as_ref().map(Source::shown_label);
        let widest = self.source.as_ref().map(Source::widest_label);
        let shorter = self.source.as_ref().map(Source::shorter_labels);
        set_title(&ctx, &mut self.title, label.as_deref());
        let shown = self.analysis();
        let bar = BarInput {
            recent: &self.settings.recent,
            source: label.as_deref(),
            source_paths: paths.as_deref(),
            source_widest: widest.as_deref(),
            source_shorter: shorter.as_deref().unwrap_or_default(),
            loading: self.incoming.is_some()
                || self.source.as_ref().is_some_and(Source::is_loading),
            capturing: self.source.as_ref().is_some_and(Source::is_capturing)
                || self.capture_task.is_some(),
            reloadable: self.source.as_ref().is_some_and(Source::is_reloadable),
            can_export: self.analysis().is_some(),
            range_selected: self.range.is_some(),
            show_host: self.settings.show_host,
            show_plot: !self.settings.plot_folded && !self.folded_for_room,
            live_source: self.source.as_ref().is_some_and(|s| s.capture.is_some()),
            utc: self.settings.utc,
            builtin_dialog: self.settings.builtin_file_dialog,
            dialog_open: dialog || self.dialogs.is_open() || self.asking.is_some(),
            capture_unavailable: self.capture_library.as_ref().err(),
            warned: shown
                .as_ref()
                .map_or(&[], |a| a.capture.warnings.as_slice()),
        };
        egui::Panel::top("menu").show(ui, |ui| source_bar::menu(ui, &bar, &mut actions));
        egui::Panel::top("source").show(ui, |ui| {
            ui.add_space(3.0);
            source_bar::bar(
                ui,
                &bar,
                &mut self.settings.capture,
                &mut self.interfaces,
                &mut actions,
            );
            ui.add_space(3.0);
        });
        // Reading a file: its progress and Cancel on a row of their own.
        let reading = self.incoming.as_ref().or(self
            .source
            .as_ref()
            .filter(|s| s.is_loading() && !s.is_capturing()));
        if let Some(src) = reading {
            let replacing = self.incoming.is_some() && self.source.is_some();
            egui::Panel::top("progress").show(ui, |ui| {
                let reading = source_bar::Reading {
                    label: &src.label,
                    progress: src.progress,
                    comparing: src.comparing.as_deref(),
                };
                source_bar::progress(ui, &reading, replacing, &mut actions);
            });
        }
        // Saving a row's packets, the capture read again: its progress and Cancel.
        let mut cancel_save = false;
        if let Some(save) = &self.saving_packets {
            egui::Panel::top("saving").show(ui, |ui| {
                cancel_save = details::saving_row(ui, &save.progress, &save.path);
            });
        }
        if cancel_save && let Some(save) = self.saving_packets.take() {
            self.show_notice(Notice {
                error: false,
                text: format!("not saved {}: cancelled", save.path.display()),
                about: About::Shown,
            });
        }
        if !self.notices.is_empty() {
            egui::Panel::top("notices").show(ui, |ui| self.notices_ui(ui));
        }
        let clock = self.settings.clock();
        egui::Panel::bottom("status").show(ui, |ui| {
            let src = self.source.as_ref();
            // A live capture's saved files and the next capture's limit, on the same line. The
            // start screen sets the limit beside Start capture, where it says what it is.
            let saving = src.filter(|s| s.capture.is_some()).map(|s| status::Saving {
                saved: s.saved.as_ref(),
                limit_mb: self.settings.capture.save_limit_mb.get_or_insert(1_000),
            });
            let warnings_clicked = status::show(
                ui,
                &StatusInput {
                    source: &src.map_or("no capture open".into(), Source::shown_label),
                    shorter: &src.map(Source::shorter_labels).unwrap_or_default(),
                    progress: src.and_then(|s| s.progress),
                    analysis: src.and_then(|s| s.analysis.as_deref()),
                    loading: src.is_some_and(Source::is_loading),
                    capture: src.and_then(|s| s.capture),
                    clock,
                },
                saving,
            );
            if warnings_clicked {
                self.warnings_open = (true, false);
            }
        });
        if self.settings.show_host {
            // A file's process information is no reading of this machine.
            let host = self.analysis().and_then(|a| a.host.clone());
            let live = host.clone().filter(|h| h.of_this_machine());
            // A saved capture's record of the machine that captured it (its programs failing
            // to start), not a process information block of another tool's (never sampled).
            let file = host.filter(|h| h.recorded.is_some() && h.samples > 0);
            let clock = self.settings.clock();
            // A narrow window keeps room for the results beside it; the user's drag may take
            // some of it.
            let available = ui.available_width();
            let id = ui.scope_id().with("host");
            let width = self
                .host
                .width(&ctx, id, &mut self.settings.host_width, available);
            egui::Panel::right("host")
                .resizable(true)
                .default_size(width)
                .max_size(crate::ui::host::most_dragged_width(available))
                .show(ui, |ui| {
                    self.host.show(ui, live.as_ref(), file.as_ref(), clock);
                });
        }
        match self.analysis() {
            Some(a) => self.results(ui, &a),
            None => {
                egui::CentralPanel::default_margins()
                    .show(ui, |ui| self.start_screen(ui, &mut actions));
            }
        }
        crate::ui::about::show(&ctx, &mut self.about_open, &self.capture_library);
        if self.warnings_open.0 {
            let clock = self.settings.clock();
            let all = self
                .analysis()
                .map(|a| status::warnings(&a, clock))
                .unwrap_or_default();
            let (open, copied) = &mut self.warnings_open;
            status::warnings_window(&ctx, open, copied, &all);
        }
        if let Some((purpose, paths)) = self.dialogs.show(&ctx) {
            self.chosen(&ctx, purpose, paths);
        }
        drop_overlay(&ctx);
        for a in actions {
            self.act(&ctx, a);
        }
        self.ask_unsaved(&ctx);
        self.typing = ctx.text_edit_focused();
    }

    fn analysis(&self) -> Option<Arc<Analysis>> {
        self.source.as_ref().and_then(|s| s.analysis.clone())
    }

    /// Takes what the background threads have sent.
    fn poll(&mut self, ctx: &egui::Context) {
        if let Some(src) = &mut self.source {
            let finished = poll_source(src);
            // The worst offender is selected, so the first screen tells the story; until the
            // user picks one, it follows the worst as results come (a live capture's too):
            // of the rows shown, where a filter or a time range leaves some out. Regression
            // (live GUI tests): with a filter typed, the details told the capture's worst
            // offender, a row the table hid.
            if self.follow_worst
                && let Some(a) = &src.analysis
            {
                self.selected = match self.table.narrowed() {
                    true => self.table.worst_shown(),
                    false => crate::ui::offenders::worst(&a.snapshot.offenders),
                };
            }
            if let Some(Ok(a)) = &finished
                && std::mem::take(&mut self.range_to_check)
            {
                self.range_after_reload(a);
            }
            // Stopped to be saved ("Stop and save…"): its pcapng is complete now.
            if finished.is_some() && std::mem::take(&mut self.save_on_stop) {
                self.open_capture_save(ctx);
            }
            if let Some(Ok(_)) = &finished {
                self.keep_read_files_in_recent();
            }
            match finished {
                Some(Ok(a)) if self.selected.is_none() && !self.table.narrowed() => {
                    self.selected = crate::ui::offenders::worst(&a.snapshot.offenders);
                }
                Some(Ok(_)) => {}
                // A file that fails after giving results keeps them; the notice says why.
                Some(Err(text)) => self.show_notice(Notice {
                    error: true,
                    text,
                    about: About::Shown,
                }),
                None => {}
            }
        }
        if let Some(src) = &mut self.incoming {
            // A capture without one readable frame failed to open, as `rstscope analyze`
            // says; until its first frame, it has no results to show.
            let finished =
                poll_source(src).map(|r| r.and_then(|a| a.capture.unreadable().map_or(Ok(a), Err)));
            let has_results = match &finished {
                Some(Ok(_)) => true,
                _ => src.analysis.as_ref().is_some_and(|a| a.capture.frames > 0),
            };
            match finished {
                Some(Err(mut text)) if !has_results => {
                    // Nothing readable: the capture on screen stays, and this one is not
                    // remembered; one whose file is gone leaves Recent too (it could only fail
                    // again from there), but not one whose drive or share is out of reach now.
                    if let Some(src) = self.incoming.take()
                        && src
                            .paths
                            .iter()
                            .any(|p| crate::ui::settings::gone_for_good(p))
                        && self.settings.forget(&src.paths)
                    {
                        text.push_str(" (removed from Recent)");
                    }
                    self.show_notice(Notice {
                        error: true,
                        text,
                        about: About::Attempt,
                    });
                }
                finished => {
                    if has_results && let Some(src) = self.incoming.take() {
                        self.set_source(ctx, src);
                        if let Some(Ok(a)) = &finished
                            && self.follow_worst
                        {
                            self.selected = crate::ui::offenders::worst(&a.snapshot.offenders);
                        }
                        // Read whole before its first results were shown (a small file).
                        if let Some(Ok(a)) = &finished
                            && std::mem::take(&mut self.range_to_check)
                        {
                            self.range_after_reload(a);
                        }
                        if let Some(Ok(_)) = &finished {
                            self.keep_read_files_in_recent();
                        }
                        if let Some(Err(text)) = finished {
                            self.show_notice(Notice {
                                error: true,
                                text,
                                about: About::Shown,
                            });
                        }
                    }
                }
            }
        }
        if let Some(result) = self.capture_task.as_mut().and_then(Task::poll) {
            self.capture_task = None;
            match result {
                Ok((job, path)) => {
                    self.capture_failure = None;
                    self.show_capture(ctx, job, path);
                }
                Err(e) => {
                    let failure = CaptureFailure::of(&e);
                    self.show_notice(Notice {
                        error: true,
                        text: failure.text().to_owned(),
                        about: About::Attempt,
                    });
                    self.capture_failure = Some(failure);
                }
            }
        }
        if let Some(result) = self.sample_task.as_mut().and_then(Task::poll) {
            self.sample_task = None;
            match result {
                Ok(path) => {
                    self.sample_copies.push(path.clone());
                    self.open_capture(ctx, vec![path], true);
                }
                Err(e) => self.notify(
                    true,
                    format!("cannot write the sample capture to the temporary folder: {e}"),
                ),
            }
        }
        let mut done = Vec::new();
        self.exports.retain_mut(|(of, t)| match t.poll() {
            Some(r) => {
                done.push((*of, r));
                false
            }
            None => t.is_running(),
        });
        if let Some(save) = &mut self.saving_packets {
            match save.task.poll() {
                Some(r) => {
                    done.push((None, r));
                    self.saving_packets = None;
                }
                None if !save.task.is_running() => self.saving_packets = None,
                None => {}
            }
        }
        // "saved …" tells of the capture it was saved from: it goes with the next capture.
        for (of, r) in done {
            let saved = r.is_ok();
            let saved_path = r.as_ref().ok().map(|(path, _)| path.clone());
            let (error, text) = match r {
                // A capture saved is one to open again: File > Recent lists it, as it lists
                // the captures opened.
                Ok((path, said)) if of.is_some() => {
                    self.settings.remember(std::slice::from_ref(&path));
                    (false, format!("saved {}{said}", path.display()))
                }
                Ok((path, said)) => {
                    self.settings.remember_folder(&path);
                    (false, format!("saved {}{said}", path.display()))
                }
                Err(msg) => (true, msg),
            };
            self.show_notice(Notice {
                error,
                text,
                about: About::Shown,
            });
            if let Some(id) = of {
                if let Some(path) = saved_path
                    && let Some(src) = self.source.as_mut().filter(|s| s.id == id)
                {
                    src.unsaved = false;
                    src.saved_as = Some(path);
                }
                // Saved, what was asked for goes on; not saved, the capture stays, the
                // notice saying why.
                if let Some(action) = self.after_save.take().filter(|_| saved) {
                    self.carry_out(ctx, action);
                }
            }
        }
        // The save dialog was cancelled: what waited for the save is not done.
        if self.after_save.is_some()
            && !self.save_on_stop
            && !self.dialogs.is_open()
            && !self.exports.iter().any(|(of, _)| of.is_some())
        {
            self.after_save = None;
        }
    }

    /// A live capture that has packets only in its temporary file: they would be lost.
    fn unsaved_capture(&self) -> bool {
        self.source.as_ref().is_some_and(|s| {
            s.unsaved
                && s.capture
                    .is_some_and(|c| c.captured > 0 || s.is_capturing())
        })
    }

    /// Whether `action` would throw an unsaved live capture away (and must be asked about).
    fn discards_capture(&self, action: &Action) -> bool {
        let discards = match action {
            Action::OpenDialog
            | Action::OpenSample
            | Action::Open(_)
            | Action::Close
            | Action::Quit => true,
            // Start capture is refused while capturing; after Stop it replaces the capture.
            Action::StartCapture => !self.source.as_ref().is_some_and(Source::is_capturing),
            _ => false,
        };
        discards && self.unsaved_capture()
    }

    /// Opens the save dialog of "Save capture as…".
    fn open_capture_save(&mut self, ctx: &egui::Context) {
        let stem = self
            .source
            .as_ref()
            .map_or("rstscope".to_owned(), |s| file_stem(&s.paths));
        self.open_save_dialog(
            ctx,
            "the capture as pcapng",
            format!("{stem}.pcapng"),
            ("pcapng captures", "pcapng"),
            SaveTag::Capture,
        );
    }

    /// The question about an unsaved live capture, while asked, and what its answer does.
    fn ask_unsaved(&mut self, ctx: &egui::Context) {
        // The window's close button (or the system's) asks too.
        let closing = ctx.input(|i| i.viewport().close_requested());
        if closing && !self.quitting && self.unsaved_capture() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.asking.get_or_insert(Action::Quit);
        }
        let Some(action) = self.asking.as_ref() else {
            return;
        };
        let capturing = self.source.as_ref().is_some_and(Source::is_capturing);
        let Some(answer) = unsaved::ask(ctx, action, capturing) else {
            return;
        };
        let Some(action) = self.asking.take() else {
            return;
        };
        match answer {
            Answer::Cancel => {}
            Answer::Discard => self.carry_out(ctx, action),
            Answer::Save => {
                self.after_save = Some(action);
                match self.source.as_ref().and_then(|s| s.job.as_ref()) {
                    Some(job) if capturing => {
                        job.stop();
                        self.save_on_stop = true;
                    }
                    _ => self.open_capture_save(ctx),
                }
            }
        }
    }

    fn keyboard_and_drops(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let before = actions.len();
        // Not behind a dialog, as no shortcut is: Ctrl+O over About opened the Open dialog
        // over it (real-window trial).
        let dialog =
            ctx.memory(|m| m.top_modal_layer()).is_some() || self.dialogs.is_builtin_open();
        if !dialog && ctx.input_mut(|i| i.consume_shortcut(&source_bar::open_shortcut())) {
            actions.push(Action::OpenDialog);
        }
        // Wireshark's File > Close and Save; not while typing (Ctrl+W deletes a word there)
        // nor behind a dialog. Typing is a text field with the keyboard, not any widget with
        // it (egui's `egui_wants_keyboard_input`): a button or row that Tab or the arrows
        // brought the keyboard to, as it always is for someone without a mouse, took both
        // shortcuts away (real-window trial, keyboard only: Stop capture by Enter, then
        // Ctrl+S and Ctrl+W did nothing).
        if !ctx.text_edit_focused() && !dialog {
            if self.source.is_some()
                && ctx.input_mut(|i| i.consume_shortcut(&source_bar::close_shortcut()))
            {
                actions.push(Action::Close);
            }
            if self.source.as_ref().is_some_and(Source::is_reloadable)
                && ctx.input_mut(|i| i.consume_shortcut(&source_bar::reload_shortcut()))
            {
                actions.push(Action::Reload);
            }
            let saveable = self
                .source
                .as_ref()
                .is_some_and(|s| s.capture.is_some() && !s.is_capturing());
            if saveable && ctx.input_mut(|i| i.consume_shortcut(&source_bar::save_shortcut())) {
                actions.push(Action::Export(SaveTag::Capture));
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if !dropped.is_empty() {
            actions.push(Action::Open(dropped));
        }
        // A menu open as Ctrl+O opened the dialog stayed open over it, the keyboard on
        // neither (the first Escape closed the menu), and over the capture opened from it:
        // a shortcut or a drop closes it, as choosing one of its entries does.
        if actions.len() > before {
            egui::Popup::close_all(ctx);
        }
    }

    /// A notice about the app, kept through captures.
    fn notify(&mut self, error: bool, text: String) {
        self.show_notice(Notice {
            error,
            text,
            about: About::App,
        });
    }

    /// The user opens or starts a capture: why an earlier one could not be opened goes at
    /// once. Every way to open a capture (the Open dialog, a drop, the command line, File >
    /// Recent, the start screen, the sample) and Start capture come through here.
    fn new_attempt(&mut self) {
        self.notices.retain(|n| n.about != About::Attempt);
    }

    /// Shows `notice` last, once, the oldest going past [`MAX_NOTICES`].
    fn show_notice(&mut self, notice: Notice) {
        self.notices.retain(|n| n.text != notice.text);
        self.notices.push(notice);
        if self.notices.len() > MAX_NOTICES {
            self.notices.remove(0);
        }
    }

    /// The messages over the results, scrolled within a line in the least windows and two in
    /// short ones (at 640x400 the three lines of "… its packets were kept in …" and "This
    /// machine" left not one row of the offenders table in view), more where the window is
    /// taller.
    fn notices_ui(&mut self, ui: &mut egui::Ui) {
        let line = ui.text_style_height(&egui::TextStyle::Body);
        let height = ui.ctx().content_rect().height();
        let lines = if height < 480.0 { 1.0 } else { 2.0 };
        let most = (lines * line + ui.spacing().item_spacing.y).max(0.25 * height - 100.0);
        let mut dismiss = None;
        let inner = ui.spacing().scroll;
        ui.spacing_mut().scroll = crate::ui::offenders::scroll_style();
        egui::ScrollArea::vertical()
            .id_salt("notices")
            .max_height(most)
            .min_scrolled_height(most)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                ui.spacing_mut().scroll = inner;
                for (i, n) in self.notices.iter().enumerate() {
                    ui.horizontal(|ui| {
                        if ui.small_button("×").on_hover_text("dismiss").clicked() {
                            dismiss = Some(i);
                        }
                        let color = if n.error {
                            ui.visuals().error_fg_color
                        } else {
                            ui.visuals().text_color()
                        };
                        notice_text(ui, &n.text, color);
                    });
                }
            });
        if let Some(i) = dismiss {
            self.notices.remove(i);
        }
    }

    /// Plot, table and details of an analysis (partial while reading).
    fn results(&mut self, ui: &mut egui::Ui, a: &Arc<Analysis>) {
        let Some(src) = self.source.as_ref() else {
            return;
        };
        let version = src.version();
        let paths = src.paths.clone();
        // The analysis's warnings about the files it could not read at all (gone before it
        // was opened): the notice, the title's "(1 not read)" and the status bar say them; the
        // details do not again (none of an endpoint's packets came from such a file).
        let unread = src.unread();
        let told: Vec<String> = (a.capture.warnings.iter())
            .filter(|w| (unread.iter()).any(|p| w.starts_with(&format!("{}: ", p.display()))))
            .cloned()
            .collect();
        let ready = !src.is_loading();
        let live = src.capture.is_some();
        let capturing = src.is_capturing();
        // Every time of a capture of days carries its date: the table's, the sentences'.
        let clock = crate::report::clock_for(a, self.settings.clock());
        self.table.capturing = capturing;
        self.table.update(
            &a.snapshot.offenders,
            a.host.as_ref(),
            &a.capture,
            version,
            self.range,
            self.settings.sort,
        );
        self.table
            .note_scans(&a.snapshot.scans, &a.snapshot.offenders, version);
        // The selection survives a time range that leaves it out, but shows nothing then.
        let selected_row = self.selected.and_then(|k| self.table.row(k)).cloned();
        // The plot brightens the selected offender's series only while the table and the
        // details show it: a filter or a time range that hides its row hides it there too.
        // A scan's row: its targets folded into one, over the whole capture (a copy: the table
        // is drawn below).
        let whole: Option<Offender> = (selected_row.as_ref())
            .and_then(|r| self.table.whole(r.id(), &a.snapshot.offenders).cloned());
        let whole = whole
            .as_ref()
            .zip(selected_row.as_ref().map(|r| r.endpoint.as_str()));
        let mut action = None;
        let show_host = self.settings.show_host;
        egui::CentralPanel::default_margins().show(ui, |ui| {
            let layout_key = (
                version.0,
                ui.available_size(),
                self.settings.table_share,
                self.settings.plot_folded,
                self.plot_kept,
            );
            let hold = self.select_hold(layout_key);
            // The headline as tall as in the last frame, on one line.
            let (width, wrapped) = self.headline_at;
            let above_one_line = self.above_plot - wrapped;
            // What comes first is the headline and the selected offender's diagnosis, then the
            // table's first row and the details' first connection, then the plot: a window too
            // short for the plot at its useful height beside them folds it, as its heading does, rather than scroll them under the
            // window's bottom (at 640x400 the diagnosis lay there, the results scrolled as a
            // whole with the plot at its floor). Measured with the plot as a small window
            // draws it (its axis title above it), that legend kept while it is folded so that
            // it does not come and go.
            let shown_chrome = match self.compact_chrome {
                0.0 => self.plot_chrome,
                measured => measured,
            };
            let plot_least = above_one_line
                + crate::ui::layout::PLOT_FLOOR
                + shown_chrome
                + 4.0
                + crate::ui::layout::TableNeeds {
                    fewest: 1,
                    ..self.table.needs(ui)
                }
                .least()
                + crate::ui::layout::SPLITTER;
            let measured = self.details.fit_height(ui);
            let short = plot_least + measured > ui.available_height();
            // A live capture's is decided before its table lists a row and held (`LiveFold`):
            // its plot folding as the counts grew, or as its connections were listed at Stop,
            // moved the table under the pointer.
            let short = match live {
                false => short,
                true => self.live_short(
                    version.0,
                    // The window's size and the results' width (the machine panel open or
                    // not): a bar over or under the results that grows a line as the
                    // capture goes on (at 640x480 the status bar, 23 points) does not
                    // decide again.
                    egui::vec2(ui.available_width(), ui.ctx().content_rect().height()),
                    plot_least + measured.max(crate::ui::layout::DETAILS_FIT)
                        > ui.available_height(),
                ),
            };
            let for_room = !self.settings.plot_folded && !self.plot_kept && short;
            let for_room = hold.map_or(for_room, |h| h.for_room);
            self.folded_for_room = for_room;
            // Folded, the plot takes no height: its floors are nothing.
            let folded = self.settings.plot_folded || for_room;
            let plot_floor = match folded {
                true => 0.0,
                false => crate::ui::layout::PLOT_FLOOR,
            };
            // Under the plot: its legend and axis (as tall as in the last frame), the table's
            // least and what the details need for the selected row and a few connections.
            // The headline as tall as in the last frame, the plot at its least, the legend and
            // the details' diagnosis and first connection beside the table: where its three rows leave no room for
            // them, it keeps the selected row only (see `least_below`).
            // Where even the first row beside the folded plot leaves no room for the
            // details' lists' heading under the diagnosis, the diagnosis alone (the lists
            // scrolled to within the details) before the results scroll as a whole.
            let rest_with =
                |diagnosis: f32| self.above_plot + plot_floor + self.plot_chrome + 4.0 + diagnosis;
            let one_row = crate::ui::layout::TableNeeds {
                fewest: 1,
                ..self.table.needs(ui)
            };
            let fits_one = |diagnosis: f32| {
                rest_with(diagnosis) + crate::ui::layout::SPLITTER + one_row.least()
                    <= ui.available_height()
            };
            let diagnosis = match self.details.fit_height(ui) {
                whole
                    if folded && !fits_one(whole) && fits_one(self.details.sentence_height(ui)) =>
                {
                    self.details.sentence_height(ui)
                }
                whole => whole,
            };
            // Before the details list connections (a live capture's, until Stop), they are
            // compact, then tight, where that keeps the table's three rows beside the plot at
            // its floor, rather than given the room of lists still to come: at 800x600 a live
            // capture's kernel comparison, a line above the plot, left three rows some 13
            // points short of that room, and the table kept its selected row only, the details
            // shown in full.
            let three = |diagnosis: f32| {
                rest_with(diagnosis) + crate::ui::layout::SPLITTER + self.table.needs(ui).least()
                    <= ui.available_height()
            };
            let diagnosis = match self.details.short_tops() {
                Some(tops) if !three(diagnosis) => {
                    (tops.into_iter().find(|&d| three(d))).unwrap_or(diagnosis)
                }
                _ => diagnosis,
            };
            // The kernel's comparison on a line of its own under the legend's counts (an
            // 800-point window's, "This machine" closed) goes to their hover where that line
            // costs the table's three rows or the details' first connection: at 800x600 the
            // details, compact under three rows, had no connection row in view after Stop
            // ("no row in view"). With the panel open (which says the comparison), the
            // counts alone took that line at 800x600: they keep to the legend's line, cut
            // shorter. Held for the capture and the size.
            let note_on_hover = {
                let needs = self.table.needs(ui);
                let three = crate::ui::layout::TableNeeds {
                    rows: needs.rows.max(crate::ui::layout::MIN_ROWS),
                    fewest: crate::ui::layout::MIN_ROWS,
                    ..needs
                };
                let short = rest_with(self.details.first_row_height(ui))
                    + crate::ui::layout::SPLITTER
                    + three.least()
                    > ui.available_height();
                let line = self.plot.note_line(version.0);
                // The window's size and the results' width, as for `live_short`: a status bar
                // that grows a line as the capture goes on (640x480) does not decide again.
                let size = egui::vec2(ui.available_width(), ui.ctx().content_rect().height());
                let (on_hover, again) =
                    NoteHold::on_hover(&mut self.note_hold, version.0, size, line, short);
                if again {
                    ui.ctx().request_repaint();
                }
                on_hover
            };
            let held = self.stop_hold.filter(|h| {
                live && !capturing && h.capture == version.0 && h.size == ui.available_size()
            });
            let diagnosis = held.map_or(diagnosis, |h| h.diagnosis);
            let rest = rest_with(diagnosis);
            let needs = self
                .table
                .needs(ui)
                .first_row_only(rest, ui.available_height());
            let table_least = self.plot_chrome + 4.0 + needs.least() + crate::ui::layout::SPLITTER;
            // The details in full where the window has room for them beside the plot at its
            // useful height and the table at its least, else compactly with their processes,
            // else tightly (they choose by the height they are given), else with their lists'
            // first row, the rest scrolled to within them: their connections never take the
            // plot under its useful height (at 1280x800 a saved live capture's message and a
            // long diagnosis with its programs left it some 60 points for three rows, and
            // 1024x700 and 800x600 squeezed it to 48).
            let roomy = !folded;
            let fits = |details: f32| {
                above_one_line
                    + plot_floor
                    + table_least
                    + crate::ui::layout::details_wanted(details, self.settings.table_share)
                    <= ui.available_height()
            };
            use crate::ui::details::Arrangement;
            let tight = self.details.least_height(ui, Arrangement::Tight);
            let share = self.settings.table_share;
            let wanted = |least: f32| crate::ui::layout::details_wanted(least, share);
            let full = self.details.least_height(ui, Arrangement::Full);
            let mut details_room = if fits(full) {
                wanted(full)
            } else if fits(self.details.full_height(ui)) {
                // In full where they fit with their lists' margin cut: in a roomy window the
                // lists give up the margin (a row), elsewhere the plot does.
                wanted(match roomy {
                    true => self.details.full_height(ui),
                    false => full,
                })
            } else if fits(self.details.least_height(ui, Arrangement::Compact)) {
                wanted(self.details.least_height(ui, Arrangement::Compact))
            } else if fits(tight) || tight <= 0.0 || share.is_some() || !roomy {
                // (Beside a folded plot, or the user's split.)
                wanted(tight)
            } else {
                // What the plot at its useful height leaves them, their first connection at
                // least: the rest scroll within them.
                let left = ui.available_height() - above_one_line - plot_floor - table_least;
                left.clamp(self.details.fit_height(ui), wanted(tight))
            };
            let size = ui.available_size();
            if capturing {
                self.stop_hold = Some(StopHold {
                    capture: version.0,
                    size,
                    details_room,
                    diagnosis,
                });
            } else if let Some(hold) = held {
                details_room = hold.details_room;
            } else {
                self.stop_hold = None;
            }
            let below = table_least + details_room;
            // What must be in view without scrolling: the selected offender's diagnosis (the
            // answer the window is for) and the lists' heading, the connections scrolled to
            // within the details. At 640x480 the results scrolled as a whole with the plot at
            // its floor and the table's three rows, the diagnosis under the window's bottom:
            // a small window's plot gives up its height first, then the details their
            // connections, then the table its rows but the selected one.
            let least_below = table_least + diagnosis;
            // The headline keeps to one line (whole on hover) where its second would leave
            // the details less than they want beside the plot at its floor: at 800x600 beside
            // "This machine" the results scrolled as a whole, and the details' connections lay
            // under the window's bottom.
            let width = if width > 0.0 {
                width
            } else {
                ui.available_width()
            };
            let wrap = PlotView::headline_wrap(ui, a, !ready, width);
            let one_line =
                live || above_one_line + wrap + plot_floor + below > ui.available_height();
            let one_line = hold.map_or(one_line, |h| h.one_line);
            let above_plot = above_one_line + if one_line { 0.0 } else { wrap };
            // A window shorter than every part's least (the headline as tall as in the last
            // frame, the plot at its least, the details' diagnosis, their filters and the rest
            // scrolled within them) scrolls as a whole, the details given what they need
            // then, the plot no more than its least: none squeezed to nothing, and as much of
            // the details in view as can be.
            let heights = crate::ui::layout::Least {
                shown: above_plot + plot_floor + least_below,
                scrolled: above_plot + plot_floor + below,
            };
            crate::ui::layout::scrolled_when_short(ui, "results", heights, |ui, height| {
                let top = ui.cursor().top();
                // The kernel's counters beside the capture's: "This machine" says it, when it
                // shows this capture's readings (a live capture's), under its counters.
                // (Or will, once this machine is first sampled: the legend keeps the kernel's
                // counts' place meanwhile, laid out as it will be.)
                let note_beside = show_host
                    && (a.host.as_ref()).is_some_and(|h| h.of_this_machine() || h.to_be_sampled());
                let width = ui.available_width();
                let wrapped = match one_line {
                    true => 0.0,
                    false => PlotView::headline_wrap(ui, a, !ready, width),
                };
                self.headline_at = (width, wrapped);
                PlotView::headline(ui, a, !ready, !note_beside, one_line);
                let plot_top = ui.cursor().top();
                if (plot_top - top - self.above_plot).abs() > 0.5 {
                    self.above_plot = plot_top - top;
                    ui.ctx().request_repaint();
                }
                let room = height - (plot_top - top);
                // Short of what the details want beside a plot at its least, with the axis's
                // title on a line of its own: the title goes to the line above the plot.
                let full_below = below - self.plot_chrome + self.full_chrome;
                let compact = room < crate::ui::layout::PLOT_MIN + full_below;
                let plot_height = match folded {
                    true => 0.0,
                    false => crate::ui::layout::plot_height(room, below),
                };
                let (compact, plot_height) =
                    hold.map_or((compact, plot_height), |h| (h.compact, h.plot_height));
                self.layout_seen = Some(SelectLayout {
                    key: layout_key,
                    selected: self.selected,
                    for_room,
                    one_line,
                    compact,
                    plot_height,
                });
                self.plot.show(
                    ui,
                    &PlotInput {
                        analysis: a,
                        version,
                        highlight: whole,
                        height: plot_height,
                        compact,
                        loading: !ready,
                        kernel_note: !note_beside,
                        note_on_hover,
                        folded,
                        for_room,
                        live,
                    },
                    clock,
                    &mut self.range,
                );
                if self.plot.take_fold_toggle() {
                    if for_room {
                        // Shown anyway, at the user's word: the results scroll as a whole.
                        self.plot_kept = true;
                    } else if std::mem::take(&mut self.plot_kept) && short {
                        // Folded again where the window has no room for it: as it was.
                    } else {
                        self.settings.plot_folded = !folded;
                    }
                    ui.ctx().request_repaint();
                }
                let chrome = ui.cursor().top() - plot_top - plot_height;
                if (chrome - self.plot_chrome).abs() > 0.5 {
                    self.plot_chrome = chrome;
                    ui.ctx().request_repaint();
                }
                if !compact && !folded {
                    self.full_chrome = chrome;
                }
                if compact && !folded && (chrome - self.compact_chrome).abs() > 0.5 {
                    self.compact_chrome = chrome;
                    ui.ctx().request_repaint();
                }
                ui.add_space(4.0);
                self.offender_keys(ui.ctx(), clock);
                let (table, details, selected) =
                    (&mut self.table, &mut self.details, &mut self.selected);
                let sort = &mut self.settings.sort;
                let range = self.range;
                let totals = &a.snapshot.totals;
                let dated = totals
                    .first_ts
                    .zip(totals.last_ts)
                    .is_some_and(|(first, last)| clock.spans_days(first, last));
                let selectable = !table.rows().is_empty();
                let filter = table.filter.clone();
                let seen_on = (selected_row.as_ref())
                    .and_then(|r| crate::report::seen_on_words(&r.offender, a));
                crate::ui::layout::table_and_details(
                    ui,
                    needs,
                    details_room,
                    &mut self.settings.table_share,
                    |ui| table.show(ui, sort, clock, selected),
                    |ui| {
                        action = wheel::area(ui, "details", |ui| {
                            details.show(
                                ui,
                                &DetailsInput {
                                    source: version.0,
                                    paths: &paths,
                                    row: selected_row.as_ref(),
                                    range,
                                    clock,
                                    dated,
                                    ready,
                                    frames: a.capture.cancelled.then_some(a.capture.frames),
                                    live,
                                    host: a.host.as_deref(),
                                    selectable,
                                    filter: &filter,
                                    seen_on: seen_on.as_deref(),
                                    told: &told,
                                },
                            )
                        });
                    },
                );
            });
            if self.table.take_chosen() {
                // Chosen by the user: it stays, whatever the ranking does.
                self.follow_worst = false;
            }
        });
        if let Some(DetailsAction::SavePackets(ev, name)) = action {
            self.packets_to_save = Some(ev);
            self.open_save_dialog(
                ui.ctx(),
                "these packets",
                name,
                ("pcapng captures", "pcapng"),
                SaveTag::Packets,
            );
        }
    }

    /// The keys of the results: the arrows move the selected offender (or, with a connection
    /// selected, the connection), Ctrl+C with no text selected copies the offender's diagnosis
    /// (or the connection), as a packet list copies its selected row, and Ctrl+Shift+C the
    /// offender's row (`clock`: the table's). Not while a dialog, a text field, a popup or a
    /// window over the results (About, the warnings) has the keyboard.
    fn offender_keys(&mut self, ctx: &egui::Context, clock: report::Clock) {
        // A menu is open from the frame it was opened in on: one drawn after this (the
        // details' "Copy BPF…") is not yet among this frame's popups, and the table took its
        // arrows (the next offender selected, the menu gone with its details).
        if self.dialogs.is_open()
            || self.asking.is_some()
            || self.about_open
            || self.warnings_open.0
            || self.typing
            || ctx.text_edit_focused()
            || ctx.any_popup_open()
            || egui::Popup::is_any_open(ctx)
        {
            return;
        }
        // With a connection selected (its packets alone listed) the arrows move among the
        // connections, until Escape lists every packet again; the next Escape clears the
        // time range.
        if !self.details.keyboard(ctx) {
            self.escape_range(ctx);
            self.table.keyboard(ctx, &mut self.selected);
        }
        // Ctrl+Shift+C: the selected offender's row, as "Copy row" in its context menu
        // copies it (which the keyboard cannot open).
        let row_key = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
        if ctx.input_mut(|i| i.consume_key(row_key, egui::Key::C)) {
            if let Some(text) = self.selected.and_then(|k| self.table.row_copied(k, clock)) {
                ctx.copy_text(text);
            }
            return;
        }
        let copy = ctx.input(|i| i.events.contains(&egui::Event::Copy));
        let text_selected = ctx
            .plugin::<egui::text_selection::LabelSelectionState>()
            .lock()
            .has_selection();
        if !copy || text_selected {
            return;
        }
        // The row selected last, as a packet list copies it: the connection followed (as
        // `rstscope analyze --connections` prints it), else the offender's diagnosis.
        if let Some(c) = self.details.stream() {
            let clock = self.settings.clock();
            let digits = (self.details.evidence()).map_or(6, |e| e.time_digits());
            ctx.copy_text(crate::report::text::connection_line_to(c, clock, digits));
        } else if let Some(text) = self.details.diagnosis_to_copy() {
            ctx.copy_text(text.to_owned());
        }
    }

    /// Escape clears the selected time range, as × beside it does; during a drag too (egui
    /// ends the drag on Escape, and the plot takes the range up to there: cleared here). The
    /// selected offender stays: Escape takes back the range, not the row the user chose.
    fn escape_range(&mut self, ctx: &egui::Context) {
        if self.range.is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.range = None;
            // The plot and the table were drawn with the range already this frame.
            ctx.request_repaint();
        }
    }

    /// The start screen; a window too short for it (recent captures included) scrolls it.
    /// Short of [`START_ROOMY`] it closes up (less room above, between its parts and in its
    /// buttons): at 640x480 Recent was below the window's bottom, its scroll bar hidden until
    /// the pointer came over it, and nothing said it was there; closed up, its heading and
    /// first captures are in view.
    fn start_screen(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let height = ui.available_height();
        // Windows without Npcap: its notice's height, whole and without its advice, counts
        // too (at 800x600 it put Recent under the window's bottom).
        let notice = |advice| {
            self.capture_library
                .as_ref()
                .err()
                .map_or(0.0, |why| source_bar::npcap_notice_height(ui, why, advice))
        };
        let (whole, short) = (notice(true), notice(false));
        let gaps = if height < START_ROOMY + whole {
            let advice = height >= START_ONE_ROW + whole;
            let notice = if advice { whole } else { short };
            StartGaps {
                above: 8.0,
                section: 10.0,
                button: 30.0,
                between: 4.0,
                one_row: height < START_ONE_ROW + notice,
                advice,
            }
        } else {
            StartGaps {
                above: (height * 0.15).min(120.0),
                section: 24.0,
                button: 36.0,
                between: 6.0,
                one_row: false,
                advice: true,
            }
        };
        egui::ScrollArea::vertical()
            .id_salt("start-screen")
            .auto_shrink([false, false])
            .show(ui, |ui| self.start_content(ui, &gaps, actions));
    }

    fn start_content(&mut self, ui: &mut egui::Ui, gaps: &StartGaps, actions: &mut Vec<Action>) {
        ui.vertical_centered(|ui| {
            ui.add_space(gaps.above);
            ui.heading(RichText::new("rstscope").size(32.0).strong());
            ui.label(
                RichText::new("Finds failed TCP connections and resets, says why, and which endpoint and program are behind them.")
                    .size(15.0),
            );
            ui.add_space(gaps.section);
            if let Some(src) = self.incoming.as_ref().or(self.source.as_ref()) {
                let f = source_bar::read_fraction(&src.progress.unwrap_or_default());
                ui.label(match &src.comparing {
                    Some(files) => format!("Comparing {files}…"),
                    None => format!("Reading {}… {}", src.label, source_bar::percent(f)),
                });
                let width = ui.available_width().min(360.0);
                ui.add(source_bar::reading_bar(f, width));
                return;
            }
            if self.sample_task.is_some() {
                ui.spinner();
                return;
            }
            let why = self.capture_library.as_ref().err();
            if gaps.one_row {
                // Three on a row, as wide as the window leaves each (at 640 points, 204).
                let width = ((ui.available_width() - 2.0 * gaps.between) / 3.0).min(360.0);
                let row = egui::vec2(3.0 * width + 2.0 * gaps.between, gaps.button);
                let across = egui::Layout::left_to_right(egui::Align::Center);
                ui.allocate_ui_with_layout(row, across, |ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    start_buttons(ui, gaps, width, why, actions);
                });
            } else {
                // As wide as the room beside "This machine" at 480 points (some 260), not
                // 360 and cut on the left by the centring.
                let width = ui.available_width().min(360.0);
                start_buttons(ui, gaps, width, why, actions);
            }
            let limit = self.settings.capture.save_limit_mb.get_or_insert(1_000);
            status::save_limit_row(ui, "keeps the latest", limit, "of packets for the details and Export");
            if let Some(why) = why {
                source_bar::npcap_notice(ui, why, gaps.advice);
            }
            ui.add_space(10.0);
            ui.label(RichText::new("or drop capture files (pcap, pcapng, .cap, snoop) on this window").weak());
            if !self.settings.recent.is_empty() {
                ui.add_space(gaps.section);
                ui.label(RichText::new("Recent").strong());
                for paths in &self.settings.recent {
                    let link = ui.link(source_bar::recent_label(paths));
                    if link.on_hover_text(source_bar::recent_hover(paths)).clicked() {
                        actions.push(Action::Open(paths.clone()));
                    }
                }
            }
        });
    }

    /// Does what the user asked for; what would throw an unsaved live capture away is asked
    /// about first.
    fn act(&mut self, ctx: &egui::Context, action: Action) {
        if self.discards_capture(&action) {
            self.asking = Some(action);
        } else {
            self.carry_out(ctx, action);
        }
    }

    fn carry_out(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::OpenDialog => {
                let start = self.settings.last_folder.clone();
                self.dialogs.open(
                    ctx,
                    Purpose::OpenCapture,
                    start,
                    self.settings.builtin_file_dialog,
                );
            }
            Action::OpenSample => {
                if self.sample_task.is_none() {
                    self.sample_task =
                        Some(Task::spawn("sample", ctx, |_| sample::write_to_temp()));
                }
            }
            Action::Open(paths) => self.open(ctx, paths),
            Action::Reload => self.reload(ctx),
            Action::StartCapture => self.start_capture(ctx),
            Action::About => self.about_open = true,
            Action::Cancel => {
                // A capture opened over another that has no results yet goes (the one on
                // screen stays); opened alone, it stops and shows what was read, as a capture
                // whose first results are on screen does.
                if self.incoming.is_some() && self.source.is_some() {
                    self.incoming = None;
                } else if let Some(job) = (self.incoming.as_ref())
                    .or(self.source.as_ref())
                    .and_then(|s| s.job.as_ref())
                {
                    job.stop();
                }
            }
            Action::Export(tag) => {
                // The exports are of the whole capture, as `rstscope analyze` reports it.
                let ranged = self.range.is_some();
                let stem = self
                    .source
                    .as_ref()
                    .map_or("rstscope".to_owned(), |s| file_stem(&s.paths));
                match tag {
                    SaveTag::Csv => self.open_save_dialog(
                        ctx,
                        if ranged {
                            "the whole capture's offenders as CSV (not the time range's)"
                        } else {
                            "the offenders as CSV"
                        },
                        format!("{stem}-offenders.csv"),
                        ("CSV files", "csv"),
                        tag,
                    ),
                    SaveTag::Json => self.open_save_dialog(
                        ctx,
                        if ranged {
                            "the whole capture's report as JSON (not the time range's)"
                        } else {
                            "the report as JSON"
                        },
                        format!("{stem}-report.json"),
                        ("JSON files", "json"),
                        tag,
                    ),
                    SaveTag::Capture => self.open_capture_save(ctx),
                    SaveTag::Packets => {}
                }
            }
            Action::SetUtc(utc) => self.settings.utc = utc,
            Action::ResetPlot => self.plot.reset_view(),
            Action::ClearRange => self.range = None,
            Action::BuiltinDialog(on) => self.settings.builtin_file_dialog = on,
            Action::ShowPlot(on) => {
                self.settings.plot_folded = !on;
                self.plot_kept = on && self.folded_for_room;
            }
            Action::ShowHost(on) => {
                self.settings.show_host = on;
                let live = self
                    .analysis()
                    .is_some_and(|a| a.host.as_ref().is_some_and(|h| h.of_this_machine()));
                if on && !live && !self.host.is_reading() {
                    self.host.read_now(ctx);
                }
            }
            Action::Close => {
                self.notices.retain(|n| n.about == About::App);
                self.warnings_open = (false, false);
                self.source = None;
                self.selected = None;
                self.follow_worst = true;
                self.range = None;
                self.details = DetailsView::default();
            }
            Action::Quit => {
                self.quitting = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    /// Starts a live capture of the chosen interfaces with the chosen filter on a thread named `capture-start` (opening
    /// interfaces asks the OS, and may be refused); what is captured is also saved to a
    /// pcapng file in the temporary folder, which the details read for their evidence.
    fn start_capture(&mut self, ctx: &egui::Context) {
        if self.capture_task.is_some() || self.source.as_ref().is_some_and(Source::is_capturing) {
            return;
        }
        let config = self.settings.capture.config();
        let save_limit = self
            .settings
            .capture
            .save_limit_mb()
            .saturating_mul(1 << 20);
        self.new_attempt();
        if matches!(&config.filter, CaptureFilter::Custom(bpf) if bpf.is_empty()) {
            self.show_notice(Notice {
                error: true,
                text: "the custom capture filter is empty: type a BPF expression next to Start \
                       capture"
                    .into(),
                about: About::Attempt,
            });
            return;
        }
        let repaint = crate::ui::repaint::Repaint::new(ctx);
        self.capture_task = Some(Task::spawn("capture-start", ctx, move |_| {
            let dir = std::env::temp_dir().join(format!("rstscope-{}", std::process::id()));
            let path =
                capture_file(&dir, chrono::Local::now().naive_local()).map_err(|source| {
                    StartError::Write {
                        path: dir.clone(),
                        source,
                    }
                })?;
            let options = LiveOptions {
                capture: config,
                engine: EngineConfig::default(),
                write: Some(path.clone()),
                write_limit: Some(save_limit),
                write_temporary: true,
                duration: None,
                host: true,
                journal: crate::host::journal::Journal::default(),
                former_listeners: Vec::new(),
            };
            pipeline::live::capture(options, move || repaint.request())
                .map(|job| (job, path.clone()))
                .inspect_err(|_| {
                    // The name taken is free again.
                    let _ = std::fs::remove_file(&path);
                })
        }));
    }

    /// A live capture started: it becomes the source.
    fn show_capture(&mut self, ctx: &egui::Context, job: LiveJob, path: PathBuf) {
        // Linux's "any" is every interface, as the picker says; the name alone reads as jargon.
        let names: Vec<&str> = (job.interfaces().iter())
            .map(|i| match i.label() {
                crate::source::live::ANY => "all interfaces",
                l => l,
            })
            .collect();
        let label = format!("live capture on {}", names.join(", "));
        let stats = job.stats();
        let saved = job.saved();
        let mut src = self.new_source(vec![path], label, Running::Live(job), Some(stats), false);
        src.saved = saved;
        src.unsaved = true;
        self.incoming = None;
        self.set_source(ctx, src);
    }

    fn open_save_dialog(
        &mut self,
        ctx: &egui::Context,
        what: &'static str,
        name: String,
        filter: (&'static str, &'static str),
        tag: SaveTag,
    ) {
        let start = self.settings.last_folder.clone();
        self.dialogs.open(
            ctx,
            Purpose::Save {
                what,
                name,
                filter,
                tag,
            },
            start,
            self.settings.builtin_file_dialog,
        );
    }

    /// A file dialog returned paths.
    fn chosen(&mut self, ctx: &egui::Context, purpose: Purpose, paths: Vec<PathBuf>) {
        match purpose {
            Purpose::OpenCapture => self.open(ctx, paths),
            Purpose::Save { tag, .. } => {
                let Some(path) = paths.into_iter().next() else {
                    return;
                };
                // The folder is remembered once the file is written there (in `poll`):
                // after a failed save the next dialog opens where saving last worked.
                self.save(ctx, tag, path);
            }
        }
    }

    /// Writes an export on a thread named `export`.
    fn save(&mut self, ctx: &egui::Context, tag: SaveTag, path: PathBuf) {
        let clock = self.settings.clock();
        let analysis = self.analysis();
        if tag == SaveTag::Packets {
            self.save_packets(ctx, path, analysis);
            return;
        }
        // A live capture's pcapng, once the capture has stopped (its writer has flushed then).
        let captured = self
            .source
            .as_ref()
            .filter(|s| s.capture.is_some() && !s.is_capturing())
            .map(|s| s.paths.clone());
        let task = Task::spawn("export", ctx, move |_| {
            let written = match tag {
                // For the spreadsheet a double click opens it in (Excel on Windows), in the
                // user's locale: its list and decimal separators, date-times, a byte-order mark.
                SaveTag::Csv => analysis.as_ref().map(|a| {
                    let sheet = crate::host::locale::spreadsheet();
                    std::fs::write(
                        &path,
                        report::csv::offenders_for_spreadsheet(a, clock, &sheet),
                    )
                }),
                SaveTag::Json => analysis.as_ref().map(|a| {
                    let text = serde_json::to_string_pretty(&report::json::to_value(a, clock))
                        .unwrap_or_default();
                    std::fs::write(&path, text + "\n")
                }),
                SaveTag::Packets => None,
                SaveTag::Capture => captured.as_ref().map(|pieces| {
                    if pieces.iter().any(|from| same_file(from, &path)) {
                        Ok(())
                    } else {
                        save_pieces(pieces, &path)
                    }
                }),
            };
            match written {
                Some(Ok(())) => Ok((path, String::new())),
                Some(Err(e)) => Err(format!(
                    "cannot save {}: {}",
                    path.display(),
                    report::write_error(&path, &e)
                )),
                None => Err("nothing to save".to_owned()),
            }
        });
        let of = matches!(tag, SaveTag::Capture)
            .then(|| self.source.as_ref().map(|s| s.id))
            .flatten();
        self.exports.push((of, task));
    }

    /// "Save these packets…" to `path` on a thread named `export`: every packet of the row,
    /// read again from the capture where the details did not keep them all (with progress
    /// and Cancel under the source bar), else those listed.
    fn save_packets(
        &mut self,
        ctx: &egui::Context,
        path: PathBuf,
        analysis: Option<Arc<Analysis>>,
    ) {
        let Some(save) = self.packets_to_save.take() else {
            return;
        };
        let progress = Arc::new(SaveProgress::default());
        let shared = Arc::clone(&progress);
        let repaint = crate::ui::repaint::Repaint::new(ctx);
        let to = path.clone();
        let again = save.again.is_some();
        let task = Task::spawn("export", ctx, move |cancel| {
            // What the window says of the endpoint's programs (this machine's while
            // capturing, the file's when it carries them) goes with its packets.
            let host = analysis.as_ref().and_then(|a| a.host.as_deref());
            let said = details::save_packets(&save, &to, host, cancel, &shared, &repaint)?;
            Ok((to, said))
        });
        if again {
            // A newer save replaces one still reading (dropped: cancelled, nothing written).
            self.saving_packets = Some(PacketsSave {
                task,
                progress,
                path,
            });
        } else {
            self.exports.push((None, task));
        }
    }
}

impl eframe::App for RstscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        // The system's file dialogs are owned by the window on Windows, as there every
        // program's are (the other systems' are left as they were: not tried with an owner).
        // Taken again only when the window's handle changes.
        #[cfg(windows)]
        self.dialogs.set_owner(frame);
        self.show(ui);
        self.save_at_once(frame.storage_mut());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.save(storage);
    }
}

impl RstscopeApp {
    /// Saves the settings to `storage` when Recent or the kept captures changed, not at
    /// eframe's next save (every 30 s, and at a close of the window): an app ended otherwise
    /// in between (End task, a log off, a crash) forgot the capture just opened, which was
    /// missing from Recent at the next start (Windows trial). The rest (a splitter dragged, a
    /// sort) waits for the next save.
    pub fn save_at_once(&mut self, storage: Option<&mut (dyn eframe::Storage + 'static)>) {
        let settings = &self.settings;
        if (&settings.recent, &settings.kept_captures)
            == (&self.saved_at_once.0, &self.saved_at_once.1)
        {
            return;
        }
        if let Some(storage) = storage {
            settings.save(storage);
            storage.flush();
        }
        self.saved_at_once = (settings.recent.clone(), settings.kept_captures.clone());
    }
}

/// Quit (or the window closed): the sample's temporary copies go, as a live capture's
/// temporary files do with their source.
impl Drop for RstscopeApp {
    fn drop(&mut self) {
        // A job still reading a copy (Quit while loading) keeps it open until it ends: the
        // file goes then (Rust's std opens files on Windows with FILE_SHARE_DELETE too).
        for path in &self.sample_copies {
            sample::remove(path);
        }
    }
}

/// The most a taskbar or dock takes at the screen's edge, in points (Windows' is 40-48 at
/// 100%, macOS's dock up to about 80 but it hides; GNOME's top bar about 32).
const TASKBAR: f32 = 48.0;

/// The window (`outer`, title bar included) reaches into where a taskbar would be, or past
/// the screen.
fn exceeds_screen(monitor: egui::Vec2, outer: egui::Rect) -> bool {
    outer.bottom() > monitor.y - TASKBAR || outer.right() > monitor.x + 1.0
}

/// A notice's text, wrapped, with each web address in it a link (the Npcap download page
/// in "capture needs Npcap" after Start capture).
fn notice_text(ui: &mut egui::Ui, text: &str, color: egui::Color32) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        let mut rest = text;
        while let Some(start) = rest.find("https://") {
            let (before, from) = rest.split_at(start);
            let end = from.find(char::is_whitespace).unwrap_or(from.len());
            // Punctuation that ends the sentence is not part of the address.
            let url = from[..end].trim_end_matches(['.', ',', ';', ':', ')']);
            if !before.is_empty() {
                ui.label(RichText::new(before).color(color));
            }
            ui.hyperlink(url);
            rest = &from[url.len()..];
        }
        if !rest.is_empty() {
            ui.label(RichText::new(rest).color(color));
        }
    });
}

/// Names the capture in the window's title (`sample-7211.pcapng — rstscope`) as the toolbar
/// does, so that it follows what is learned while reading (a file not read does not name it),
/// and only `rstscope` with none open. Sent only when it changes.
fn set_title(ctx: &egui::Context, title: &mut String, capture: Option<&str>) {
    let wanted = capture.map_or_else(|| "rstscope".to_owned(), |c| format!("{c} — rstscope"));
    if *title != wanted {
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(wanted.clone()));
        *title = wanted;
    }
}

/// Takes a source's updates; its final result (the analysis, or the error text) once.
fn poll_source(src: &mut Source) -> Option<Result<Arc<Analysis>, String>> {
    let job = src.job.as_mut()?;
    let mut finished = None;
    for u in job.poll() {
        match u {
            Update::Progress(p) => {
                src.progress = Some(p);
                src.comparing = None;
            }
            Update::Comparing(later, first) => {
                let name = |p: &std::path::Path| crate::ui::file_name(p);
                src.comparing = Some(format!("{} with {}", name(&later), name(&first)));
            }
            Update::Partial(a) => {
                src.analysis = Some(a);
                src.generation += 1;
            }
            Update::Finished(r) => finished = Some(r),
        }
    }
    src.dropped_updates = job.dropped_updates();
    if let Running::Live(live) = job {
        src.capture = Some(live.stats());
    }
    let finished = finished?;
    src.job = None;
    Some(match finished {
        Ok(a) => {
            src.analysis = Some(Arc::clone(&a));
            src.generation += 1;
            // The ring of saved pieces as it ended: what the details read.
            if let Some(saved) = &src.saved {
                src.paths = saved.files();
            }
            Ok(a)
        }
        Err(e) => Err(e.to_string()),
    })
}

/// A translucent "drop to open" layer while files are dragged over the window.
fn drop_overlay(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, Color32::from_black_alpha(160));
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        "Drop to open (several files are one capture, merged in time)",
        egui::FontId::proportional(22.0),
        Color32::WHITE,
    );
}

/// `trace.pcap`, or `trace-1.pcap + 3 more`.
fn source_label(paths: &[PathBuf]) -> String {
    let name = |p: &PathBuf| crate::ui::file_name(p);
    match paths {
        [] => String::new(),
        [one] => name(one),
        [first, rest @ ..] => format!("{} + {} more", name(first), rest.len()),
    }
}

/// Saves a live capture's pieces as one pcapng: pcapng sections may follow one another in
/// one file, so the pieces are written one after the other.
fn save_pieces(pieces: &[PathBuf], to: &Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(to)?);
    for piece in pieces {
        std::io::copy(&mut std::fs::File::open(piece)?, &mut out)?;
    }
    std::io::Write::flush(&mut out)
}

/// Whether two paths name the same existing file or folder (copying a file onto itself would
/// empty it).
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// A new live capture's file in `dir`, named by the local time it starts, as the user reads
/// it on the clock (`capture-20261202-221529.pcapng`): "Save capture as…" and Export offer
/// that name. A second capture started within the same second gets `-2`, `-3`, …, never the
/// file of the one before, which may still be on screen. The file is created empty here,
/// taking its name, and `dir` with it if it is not there.
fn capture_file(dir: &Path, started: chrono::NaiveDateTime) -> std::io::Result<PathBuf> {
    let stamp = started.format("%Y%m%d-%H%M%S");
    let mut path = dir.join(format!("capture-{stamp}.pcapng"));
    let mut n = 1;
    // Taken by creating it: a name only checked to be free was created later, once the
    // interfaces were open, so two captures started in one second both took it, each writing
    // over the other's packets, and the first to go removed the other's file.
    let mut made_folder = false;
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                n += 1;
                path = dir.join(format!("capture-{stamp}-{n}.pcapng"));
            }
            // The folder goes with the last capture file in it (`SavedFiles`), maybe just now.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !made_folder => {
                std::fs::create_dir_all(dir)?;
                made_folder = true;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The start screen's buttons' labels.
const START_OPEN: &str = "Open a capture…";
const START_SAMPLE: &str = "Open the sample capture";
const START_CAPTURE: &str = "Start capture";

/// The start screen's buttons, each `width` wide, `gaps.between` apart (one under another, or
/// across in a layout that lays them so); Start capture disabled, saying why, where capture
/// cannot work (`why`).
fn start_buttons(
    ui: &mut egui::Ui,
    gaps: &StartGaps,
    width: f32,
    why: Option<&npcap::NpcapError>,
    actions: &mut Vec<Action>,
) {
    // At 16 points where the three labels fit the width; smaller where they do not (three
    // on a row beside "This machine" at 640 points: some 140 each, where "Open the sample
    // capture" takes 190 at 16), since a button grows to its label and the row ran under the
    // panel, Start capture cut to "Start cap" and the centred lines under it cut with it.
    let padding = 2.0 * ui.spacing().button_padding.x;
    let widest = [START_OPEN, START_SAMPLE, START_CAPTURE]
        .map(|t| {
            crate::ui::one_line_width(ui, RichText::new(t).size(16.0), egui::TextStyle::Button)
        })
        .into_iter()
        .fold(0.0, f32::max);
    let size = if widest + padding <= width {
        16.0
    } else {
        (16.0 * (width - padding) / widest).floor().max(10.0)
    };
    let big = |text: &str| {
        egui::Button::new(RichText::new(text).size(size)).min_size(egui::vec2(width, gaps.button))
    };
    if ui
        .add(big(START_OPEN))
        .on_hover_text(
            "pcap or pcapng, optionally compressed: gzip, zstd, lz4, xz, bzip2; or the captures \
             in a zip (Ctrl+O)",
        )
        .clicked()
    {
        actions.push(Action::OpenDialog);
    }
    ui.add_space(gaps.between);
    if ui
        .add(big(START_SAMPLE))
        .on_hover_text(
            "a program that connects twice a second to 127.0.0.1:7211, where nothing listens",
        )
        .clicked()
    {
        actions.push(Action::OpenSample);
    }
    ui.add_space(gaps.between);
    if ui
        .add_enabled(why.is_none(), big(START_CAPTURE))
        .on_disabled_hover_text(why.map(source_bar::unavailable_hover).unwrap_or_default())
        .clicked()
    {
        actions.push(Action::StartCapture);
    }
}

/// The first file's name without its extensions, for export file names.
fn file_stem(paths: &[PathBuf]) -> String {
    paths
        .first()
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rstscope".to_owned())
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;

    /// Regression (real-window trial): "Save capture as…" offered a live capture as
    /// `capture-1796249694.pcapng`, seconds since 1970; it is named by its local start time,
    /// and a second capture in the same second does not take the first one's file.
    /// Regression (GUI tests of live captures, several at once in one process): the name was
    /// only checked to be free, and the file created once the interfaces were open; two
    /// captures started in one second both took it, and the first to stop removed the other's
    /// packets (its details listed no connections). Choosing a name takes it at once.
    #[test]
    fn a_live_capture_file_is_named_by_its_start_time_and_never_reused() {
        // Not there yet: made with the first file.
        let dir = std::env::temp_dir().join(format!("rstscope-named-{}", std::process::id()));
        let started = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .expect("date")
            .and_hms_opt(22, 15, 29)
            .expect("time");
        let first = capture_file(&dir, started).expect("first");
        assert_eq!(first, dir.join("capture-20261202-221529.pcapng"));
        // Chosen before the first capture has written anything (its interfaces still opening).
        let second = capture_file(&dir, started).expect("second");
        assert_eq!(second, dir.join("capture-20261202-221529-2.pcapng"));
        let third = capture_file(&dir, started).expect("third");
        assert_eq!(third, dir.join("capture-20261202-221529-3.pcapng"));
        assert_eq!(file_stem(&[first]), "capture-20261202-221529");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    /// Regression: after Start capture without Npcap the notice gave its download page as
    /// plain text; it is a link, and the sentence around it stays whole.
    #[test]
    fn a_web_address_in_a_notice_is_a_link() {
        let text = "capture needs Npcap, which is not installed. Download it from \
                    https://npcap.com/#download; its installer's defaults suit rstscope.";
        let h = egui_kittest::Harness::new_ui(|ui| {
            notice_text(ui, text, egui::Color32::RED);
        });
        h.get_by_role_and_label(egui::accesskit::Role::Link, "https://npcap.com/#download");
        assert!(h.query_by_label_contains("Download it from").is_some());
        assert!(
            h.query_by_label_contains("; its installer's defaults")
                .is_some()
        );
    }

    /// The kernel comparison's place is decided once the legend has placed it and what decides
    /// it held for a few frames at one size (the details' heights at a new width come in the
    /// second), then held there while what decided it changes; another size decides again.
    #[test]
    fn the_kernel_comparisons_place_is_decided_once_settled_and_held() {
        let (a, b) = (egui::vec2(800.0, 600.0), egui::vec2(1024.0, 700.0));
        let mut hold = None;
        // Not placed yet: nothing decided, no frame asked for.
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, a, None, true),
            (false, false)
        );
        // Placed on a line of its own; the details' heights of the old width first.
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, a, Some(true), false),
            (false, true)
        );
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, a, Some(true), true),
            (false, true)
        );
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, a, Some(true), true),
            (true, false)
        );
        // Held: the line given back leaves room, and it stays on hover.
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, a, Some(false), false),
            (true, false)
        );
        // Another size: decided again, in the legend where it shares the counts' line.
        for _ in 0..NOTE_FRAMES {
            assert!(!NoteHold::on_hover(&mut hold, 1, b, Some(false), true).0);
        }
        assert_eq!(
            NoteHold::on_hover(&mut hold, 1, b, Some(true), true),
            (false, false)
        );
        // Inputs that never settle are decided within a second's frames.
        let mut hold = None;
        let decided =
            (0..100).position(|i| !NoteHold::on_hover(&mut hold, 2, a, Some(true), i % 2 == 0).1);
        assert_eq!(decided, Some(59));
    }
}
