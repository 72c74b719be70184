//! Choosing files to open or a place to save. The system's dialog (through the desktop
//! portal, zenity, or the OS) runs on a thread named `file-dialog`; where there is none (an X11
//! session without a portal or zenity, a bare Xvfb) rstscope's own dialog is used: a folder
//! browser whose listings are read on a thread too. As in the Windows and GTK dialogs, its
//! path field has the keyboard when it opens: a full path typed or pasted there and Enter
//! opens that file (or saves to it), a folder's path goes to that folder. Under it, its places
//! (the home folder; on Windows each drive, which Up never leaves a drive for) are a click away.
//! Saving onto a file that exists asks first ("… already exists. Replace it?"), as the system's
//! dialogs do: rfd's save dialogs ask themselves (Windows, GTK, the portal, zenity's
//! `--confirm-overwrite`, macOS), so only rstscope's own dialog asks here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use crate::ui::task::Task;

/// File name endings of captures rstscope reads (`cap`: Network Monitor's, and others'
/// pcaps; `snoop`: Solaris' and illumos'; `zip`: the captures inside a zip archive).
pub const CAPTURE_EXTENSIONS: &[&str] = &[
    "pcap", "pcapng", "cap", "dmp", "snoop", "gz", "zst", "lz4", "xz", "bz2", "zip",
];

/// The endings of captures that `tcpdump -C` numbers: its files after the first are the name
/// given with their number after it (`trace.pcap`, `trace.pcap1`, `trace.pcap2`, ...).
const NUMBERED_EXTENSIONS: &[&str] = &["pcap", "pcapng", "cap"];

/// The patterns of the system's open dialog: [`CAPTURE_EXTENSIONS`], and those of
/// [`NUMBERED_EXTENSIONS`] with more after them, since the dialogs' patterns (Windows', GTK's,
/// the portal's) have `*` and `?` but no class of digits: without them a rotated set's later
/// files were not listed, and were not opened with the first.
fn open_patterns() -> Vec<String> {
    let numbered = NUMBERED_EXTENSIONS
        .iter()
        .filter(|e| {
            !NUMBERED_EXTENSIONS
                .iter()
                .any(|f| f != *e && e.starts_with(f))
        })
        .map(|e| format!("{e}?*"));
    CAPTURE_EXTENSIONS
        .iter()
        .map(|e| e.to_string())
        .chain(numbered)
        .collect()
}

/// The open dialog's file type, with the patterns it takes, as Windows programs name theirs
/// ("Capture files (*.pcap;*.pcapng;*.cap;*.dmp;*.gz;...)"): the Windows dialog shows the name
/// only, and it named three of the five.
fn capture_filter_name() -> String {
    let patterns: Vec<String> = CAPTURE_EXTENSIONS
        .iter()
        .map(|e| format!("*.{e}"))
        .collect();
    format!("Capture files ({})", patterns.join(";"))
}

/// A system dialog that returns faster than this without a choice most likely failed to open.
const TOO_FAST: Duration = Duration::from_millis(400);

/// What a dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Captures to analyze.
    OpenCapture,
    /// A file to save: its title, suggested name, and file type (name, extension).
    Save {
        /// What is saved, for the title.
        what: &'static str,
        /// The suggested file name.
        name: String,
        /// The file type's description and extension.
        filter: (&'static str, &'static str),
        /// The app's tag for what to do with the path.
        tag: SaveTag,
    },
}

/// What a save dialog's path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveTag {
    /// The offenders table as CSV.
    Csv,
    /// The whole report as JSON.
    Json,
    /// The selected offender's packets as pcapng.
    Packets,
    /// Everything a live capture wrote, as pcapng.
    Capture,
}

/// A system dialog running on its thread: what for, since when, the folder it started in
/// (where rstscope's own starts if the system's never appeared), its answer to come.
type NativeDialog = (
    Purpose,
    Instant,
    Option<PathBuf>,
    Task<Option<Vec<PathBuf>>>,
);

/// The file dialogs, native or built in; at most one is open.
#[derive(Default)]
pub struct FileDialogs {
    native: Option<NativeDialog>,
    builtin: Option<Browser>,
    /// The system dialog did not open once: use rstscope's own from then on.
    pub native_failed: bool,
    /// What every system dialog starts from: no settings but its owner, the app's window
    /// ([`FileDialogs::set_owner`]).
    owner: rfd::FileDialog,
    /// The window handle `owner` was made with.
    owner_handle: Option<raw_window_handle::RawWindowHandle>,
}

impl FileDialogs {
    /// True while a dialog is open.
    pub fn is_open(&self) -> bool {
        self.native.is_some() || self.builtin.is_some()
    }

    /// True while rstscope's own dialog is open: a modal over the window (the system's is
    /// a window of its own).
    pub fn is_builtin_open(&self) -> bool {
        self.builtin.is_some()
    }

    /// Makes `window` the owner of the system dialogs opened from now on: the dialog stays in
    /// front of it and the window takes no input while the dialog is open, as a Windows
    /// program's dialogs do. Without an owner a click on the window put the dialog behind it,
    /// where it went on waiting, and Open… (Ctrl+O) then did nothing: one dialog at a time.
    /// Called each frame, it makes the owner again only when the window's handle changed
    /// (once, in practice): the handle is all there is to compare, and none yet (a window not
    /// created) leaves the dialogs as they were.
    pub fn set_owner(&mut self, window: &eframe::Frame) {
        use raw_window_handle::HasWindowHandle;
        let handle = window.window_handle().ok().map(|h| h.as_raw());
        if handle.is_some() && handle != self.owner_handle {
            self.owner = rfd::FileDialog::new().set_parent(window);
            self.owner_handle = handle;
        }
    }

    /// Opens a dialog, the system's unless `builtin` (or the system's failed before).
    pub fn open(
        &mut self,
        ctx: &egui::Context,
        purpose: Purpose,
        start: Option<PathBuf>,
        builtin: bool,
    ) {
        if self.is_open() {
            return;
        }
        if builtin || self.native_failed || !native_possible() {
            self.builtin = Some(Browser::new(ctx, purpose, start));
            return;
        }
        let (p, dir) = (purpose.clone(), start.clone());
        let owner = self.owner.clone();
        let task = Task::spawn("file-dialog", ctx, move |_| native_dialog(owner, &p, dir));
        self.native = Some((purpose, Instant::now(), start, task));
    }

    /// Shows the built-in dialog and collects a finished choice: the purpose and the paths.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<(Purpose, Vec<PathBuf>)> {
        if let Some((purpose, started, _, task)) = &mut self.native {
            match task.poll() {
                Some(Some(paths)) if !paths.is_empty() => {
                    let purpose = purpose.clone();
                    self.native = None;
                    return Some((purpose, paths));
                }
                Some(_) => {
                    // Cancelled, or the dialog never appeared: tell them apart by time.
                    let failed = started.elapsed() < TOO_FAST;
                    let (purpose, _, start, _) = self.native.take()?;
                    if failed {
                        self.native_failed = true;
                        // In the folder the system's was to start in: the last one used.
                        self.builtin = Some(Browser::new(ctx, purpose, start));
                    }
                }
                None if !task.is_running() => self.native = None,
                None => {}
            }
            return None;
        }
        let browser = self.builtin.as_mut()?;
        match browser.show(ctx) {
            BrowserOutcome::Open => None,
            BrowserOutcome::Cancel => {
                self.builtin = None;
                None
            }
            BrowserOutcome::Chosen(paths) => {
                let purpose = self.builtin.take()?.purpose;
                Some((purpose, paths))
            }
        }
    }
}

/// Whether a system dialog can be expected to open.
fn native_possible() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("zenity").is_file()));
    portal || zenity
}

/// Runs the system's dialog, built on `owner` (its owner window, if any); blocks its thread
/// until the user answers.
fn native_dialog(
    owner: rfd::FileDialog,
    purpose: &Purpose,
    start: Option<PathBuf>,
) -> Option<Vec<PathBuf>> {
    let mut d = owner;
    if let Some(dir) = start {
        d = d.set_directory(dir);
    }
    match purpose {
        Purpose::OpenCapture => d
            .set_title("Open captures")
            .add_filter(capture_filter_name(), &open_patterns())
            .add_filter("All files", &["*"])
            .pick_files(),
        Purpose::Save {
            what, name, filter, ..
        } => {
            let d = save_filters(*filter)
                .into_iter()
                .fold(d, |d, (name, ext)| d.add_filter(name, &[ext]));
            d.set_title(format!("Save {what}"))
                .set_file_name(name)
                .save_file()
                .map(|p| vec![p])
        }
    }
}

/// A save dialog's file types: the file's own first (the Windows dialog takes its extension
/// as the one it adds to a name typed without one), then all files, as Windows programs name
/// them ("CSV files (*.csv)").
fn save_filters((name, ext): (&str, &'static str)) -> [(String, &'static str); 2] {
    [
        (format!("{name} (*.{ext})"), ext),
        ("All files (*.*)".to_owned(), "*"),
    ]
}

/// `path` with `.ext` added when its file name has no extension (`report` saved as CSV is
/// `report.csv`, as the Windows dialog does); a name with one is left as typed.
fn with_extension(path: PathBuf, ext: &str) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{ext}"));
        path.with_file_name(name)
    }
}

/// True for a file name rstscope can probably read: one of [`CAPTURE_EXTENSIONS`], or a
/// numbered file of a rotated set (`trace.pcap1`, as `tcpdump -C` names them).
pub fn is_capture_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    let unnumbered = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    let ends =
        |name: &str, endings: &[&str]| endings.iter().any(|e| name.ends_with(&format!(".{e}")));
    ends(&lower, CAPTURE_EXTENSIONS)
        || (unnumbered.len() < lower.len() && ends(unnumbered, NUMBERED_EXTENSIONS))
}

/// A place the dialog offers beside its path field: a button that goes there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    /// The button's text: `Home`, `C:`.
    label: String,
    /// The folder it goes to.
    path: PathBuf,
}

/// The places: the home folder (`home`), then each drive of `drives` (Windows: `C:\`, `D:\`),
/// which Up never leaves a drive for.
fn places(home: Option<PathBuf>, drives: Vec<PathBuf>) -> Vec<Place> {
    let home = home.map(|path| Place {
        label: "Home".to_owned(),
        path,
    });
    let drives = drives.into_iter().map(|path| Place {
        label: path.display().to_string().trim_end_matches('\\').to_owned(),
        path,
    });
    home.into_iter().chain(drives).collect()
}

/// The home folder, as the environment names it (no file work).
fn home() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(PathBuf::from)
}

/// The roots of the drive letters set in `mask`, as `GetLogicalDrives` sets them (bit 0: A).
#[cfg(any(windows, test))]
fn drive_roots(mask: u32) -> Vec<PathBuf> {
    (b'A'..=b'Z')
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, letter)| PathBuf::from(format!("{}:\\", char::from(letter))))
        .collect()
}

/// The drives that exist: their letters from the system, no drive touched (an empty card
/// reader or a lost network drive does not hold the dialog up).
#[cfg(windows)]
fn drives() -> Vec<PathBuf> {
    // SAFETY: GetLogicalDrives takes no arguments and only returns a bit mask (0 on failure).
    let mask = unsafe { windows_sys::Win32::Storage::FileSystem::GetLogicalDrives() };
    drive_roots(mask)
}

/// Other systems have one tree from `/`: no drives.
#[cfg(not(windows))]
fn drives() -> Vec<PathBuf> {
    Vec::new()
}

/// One entry of a folder listing.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    path: PathBuf,
    dir: bool,
    size: u64,
}

type Listing = Result<Vec<Entry>, String>;

/// What a path typed in the dialog's field turned out to be.
enum Typed {
    /// A folder, listed.
    Folder(PathBuf, Listing),
    /// A file to open, or a file (existing or not) to save to.
    File(PathBuf),
    /// Nothing usable: why.
    Bad(String),
}

/// Resolves a typed path (`~` is the home folder; relative paths start at `dir`). File work:
/// off the UI thread.
fn resolve(text: &str, dir: &Path, save: bool) -> Typed {
    let text = text.trim().trim_matches('"');
    if text.is_empty() {
        return Typed::Bad("type the path of a file or a folder".into());
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    let path = match (text.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            PathBuf::from(home).join(rest.trim_start_matches(['/', '\\']))
        }
        _ => dir.join(text),
    };
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => {
            let listing = list(&path);
            Typed::Folder(path, listing)
        }
        Ok(_) => Typed::File(path),
        Err(_) if save && path.parent().is_some_and(Path::is_dir) => Typed::File(path),
        Err(e) => Typed::Bad(format!("{}: {e}", path.display())),
    }
}

/// What is at a path chosen to save to, looked at before it is saved to.
enum AtSavePath {
    /// Nothing: a new file, saved to at once.
    Nothing(PathBuf),
    /// A file, which saving replaces: asked first.
    File(PathBuf),
    /// A folder (its name typed as the file's): gone to, as the system dialogs do.
    Folder(PathBuf, Listing),
}

/// Looks at `path` (file work: off the UI thread). A path that cannot be looked at is taken as
/// a new file: saving to it then says what is wrong.
fn at_save_path(path: PathBuf) -> AtSavePath {
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => {
            let listing = list(&path);
            AtSavePath::Folder(path, listing)
        }
        Ok(_) => AtSavePath::File(path),
        Err(_) => AtSavePath::Nothing(path),
    }
}

/// The text of the question asked before a save replaces a file.
pub fn replace_question(name: &str) -> String {
    format!("{name} already exists. Replace it?")
}

/// Reads a folder: folders first, then files, by name. File work: off the UI thread.
fn list(dir: &Path) -> Listing {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries: Vec<Entry> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some(Entry {
                name: e.file_name().to_string_lossy().into_owned(),
                path: e.path(),
                dir: meta.is_dir(),
                size: meta.len(),
            })
        })
        .filter(|e| !e.name.starts_with('.'))
        .collect();
    entries.sort_by(|a, b| {
        b.dir
            .cmp(&a.dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(entries)
}

/// `dir` and its listing or, where `dir` is not there, the nearest folder above it that is
/// (`dir` and its error where none is). File work: off the UI thread.
fn list_nearest(dir: &Path) -> (PathBuf, Listing) {
    let there = dir.ancestors().find(|d| d.is_dir()).unwrap_or(dir);
    (there.to_path_buf(), list(there))
}

enum BrowserOutcome {
    Open,
    Cancel,
    Chosen(Vec<PathBuf>),
}

/// rstscope's own file dialog.
struct Browser {
    purpose: Purpose,
    dir: PathBuf,
    path_text: String,
    listing: Option<Listing>,
    /// The folder being listed, and its listing.
    task: Option<Task<(PathBuf, Listing)>>,
    selected: BTreeSet<PathBuf>,
    /// The file a Shift+click selects from: the last one clicked without Shift, as in the
    /// Windows and GTK dialogs.
    anchor: Option<PathBuf>,
    /// The folder listed was entered by a click on it: the second click of a double click,
    /// which lands on whatever the new listing put under the pointer, was aimed at the folder.
    entered_by_click: bool,
    all_files: bool,
    save_name: String,
    /// A typed path being looked at.
    typed: Option<Task<Typed>>,
    /// Why the typed path could not be used.
    typed_error: Option<String>,
    /// The path field takes the keyboard on the next frame, its text selected.
    focus_path: bool,
    /// The file name field takes the keyboard in the next frame (a save dialog opening), its
    /// name before the extension selected: Enter saves, typing renames.
    focus_name: bool,
    /// The home folder and the drives, as buttons.
    places: Vec<Place>,
    /// The path chosen to save to, being looked at: saved to if new, asked about if a file.
    checking: Option<Task<AtSavePath>>,
    /// A file that exists, chosen to save to: "Replace it?" is asked.
    replace: Option<PathBuf>,
    /// How tall what follows the listing (the buttons, a save dialog's type and file name)
    /// was laid out in the last frame: the listing leaves it room in a short window.
    below_listing: f32,
}

/// The listing's height where the window has room for it.
const LISTING_MOST: f32 = 320.0;

/// The listing's least height (three entries), however short the window.
const LISTING_LEAST: f32 = 60.0;

/// From the window's top and bottom edges to the dialog's contents: a gap, the dialog's
/// frame and its margin.
const DIALOG_EDGE: f32 = 16.0;

impl Browser {
    fn new(ctx: &egui::Context, purpose: Purpose, start: Option<PathBuf>) -> Self {
        let dir = start
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"));
        let save_name = match &purpose {
            Purpose::Save { name, .. } => name.clone(),
            Purpose::OpenCapture => String::new(),
        };
        let save = matches!(purpose, Purpose::Save { .. });
        let mut b = Self {
            purpose,
            path_text: dir.display().to_string(),
            dir,
            listing: None,
            task: None,
            selected: BTreeSet::new(),
            anchor: None,
            entered_by_click: false,
            all_files: false,
            save_name,
            typed: None,
            typed_error: None,
            // A save dialog starts in its file name, as GTK's and Windows' do: there Enter
            // saves, where in the path field it went to the folder again.
            focus_path: !save,
            focus_name: save,
            places: places(home(), drives()),
            checking: None,
            replace: None,
            // Until measured: a row of buttons, and a save dialog's type and name.
            below_listing: if save { 64.0 } else { 36.0 },
        };
        // Where the last capture's folder is gone (removed since, a drive or share no longer
        // there), the nearest folder above it that is still there, as the system dialogs do,
        // rather than an error in an empty listing.
        let dir = b.dir.clone();
        b.task = Some(Task::spawn("file-dialog", ctx, move |_| list_nearest(&dir)));
        b
    }

    fn go(&mut self, ctx: &egui::Context, dir: PathBuf) {
        self.typed_error = None;
        self.path_text = dir.display().to_string();
        self.dir = dir.clone();
        self.listing = None;
        self.selected.clear();
        self.anchor = None;
        self.entered_by_click = false;
        self.task = Some(Task::spawn("file-dialog", ctx, move |_| {
            let listing = list(&dir);
            (dir, listing)
        }));
    }

    /// The extension of the file saved; `None` when opening.
    fn save_extension(&self) -> Option<&'static str> {
        match &self.purpose {
            Purpose::Save { filter, .. } => Some(filter.1),
            Purpose::OpenCapture => None,
        }
    }

    /// Whether a file is listed: a capture in an open dialog, a file of the type saved in a
    /// save dialog (a CSV export listed captures), any with "show all files".
    fn lists(&self, name: &str) -> bool {
        self.all_files
            || match self.save_extension() {
                Some(ext) => name.to_lowercase().ends_with(&format!(".{ext}")),
                None => is_capture_name(name),
            }
    }

    /// The path chosen, as saved to: with the type's extension when typed without one.
    fn to_save(&self, path: PathBuf) -> PathBuf {
        match self.save_extension() {
            Some(ext) => with_extension(path, ext),
            None => path,
        }
    }

    fn title(&self) -> String {
        match &self.purpose {
            Purpose::OpenCapture => "Open captures".into(),
            Purpose::Save { what, .. } => format!("Save {what}"),
        }
    }

    fn show(&mut self, ctx: &egui::Context) -> BrowserOutcome {
        if let Some((dir, listing)) = self.task.as_mut().and_then(Task::poll) {
            if dir != self.dir {
                self.path_text = dir.display().to_string();
                self.dir = dir;
            }
            self.listing = Some(listing);
            self.task = None;
        }
        if let Some(typed) = self.typed.as_mut().and_then(Task::poll) {
            self.typed = None;
            match typed {
                Typed::File(path) if self.save_extension().is_some() => self.save_to(ctx, path),
                Typed::File(path) => return BrowserOutcome::Chosen(vec![path]),
                Typed::Folder(dir, listing) => {
                    self.path_text = dir.display().to_string();
                    self.dir = dir;
                    self.listing = Some(listing);
                    self.selected.clear();
                    self.typed_error = None;
                    self.focus_path = true;
                }
                Typed::Bad(why) => {
                    self.typed_error = Some(why);
                    self.focus_path = true;
                }
            }
        }
        if let Some(at) = self.checking.as_mut().and_then(Task::poll) {
            self.checking = None;
            match at {
                AtSavePath::Nothing(path) => return BrowserOutcome::Chosen(vec![path]),
                AtSavePath::File(path) => self.replace = Some(path),
                AtSavePath::Folder(dir, listing) => {
                    self.path_text = dir.display().to_string();
                    self.dir = dir;
                    self.listing = Some(listing);
                    self.selected.clear();
                    self.typed_error = None;
                }
            }
        }
        let mut outcome = BrowserOutcome::Open;
        let modal = egui::Modal::new(egui::Id::unique("rstscope-file-dialog")).show(ctx, |ui| {
            ui.set_width(620.0_f32.min(ctx.content_rect().width() - 40.0));
            ui.heading(self.title());
            outcome = self.contents(ui);
        });
        // While "Replace it?" is asked, Escape and clicks are its own.
        if let Some(path) = self.replace.clone() {
            return match ask_replace(ctx, &path) {
                Some(true) => BrowserOutcome::Chosen(vec![path]),
                Some(false) => {
                    self.replace = None;
                    BrowserOutcome::Open
                }
                None => BrowserOutcome::Open,
            };
        }
        if modal.should_close() && matches!(outcome, BrowserOutcome::Open) {
            outcome = BrowserOutcome::Cancel;
        }
        outcome
    }

    /// A click on the file `path` of `files` (the files listed, in order) with `modifiers`, as
    /// in the Windows and GTK dialogs: Ctrl adds or removes it, Shift selects the files from
    /// the last one clicked without Shift to it (Ctrl+Shift adds them), a plain click selects
    /// it alone.
    fn select(&mut self, files: &[PathBuf], path: PathBuf, modifiers: egui::Modifiers) {
        let at = |p: &PathBuf| files.iter().position(|f| f == p);
        let range = match (&self.anchor, modifiers.shift) {
            (Some(anchor), true) => at(anchor).zip(at(&path)),
            _ => None,
        };
        if let Some((a, b)) = range {
            let range = files[a.min(b)..=a.max(b)].iter().cloned();
            if modifiers.command {
                self.selected.extend(range);
            } else {
                self.selected = range.collect();
            }
            return;
        }
        if modifiers.command {
            if !self.selected.remove(&path) {
                self.selected.insert(path.clone());
            }
        } else {
            self.selected = [path.clone()].into();
        }
        self.anchor = Some(path);
    }

    /// Saves to `path` (with the type's extension when typed without one) once it is looked
    /// at: at once if it is new, after "Replace it?" if it is a file.
    fn save_to(&mut self, ctx: &egui::Context, path: PathBuf) {
        let path = self.to_save(path);
        self.checking = Some(Task::spawn("file-dialog", ctx, move |_| at_save_path(path)));
    }

    fn contents(&mut self, ui: &mut egui::Ui) -> BrowserOutcome {
        let ctx = ui.ctx().clone();
        let mut go_to: Option<PathBuf> = None;
        ui.horizontal(|ui| {
            if ui.button("Up").on_hover_text("parent folder").clicked()
                && let Some(p) = self.dir.parent()
            {
                go_to = Some(p.to_path_buf());
            }
            let mut output = egui::TextEdit::singleline(&mut self.path_text)
                .desired_width(f32::INFINITY)
                .hint_text("type or paste a path, then Enter")
                .show(ui);
            let edit = output.response.clone();
            if std::mem::take(&mut self.focus_path) {
                // Typing replaces the folder shown; End keeps it to type after.
                edit.request_focus();
                let all = egui::text::CCursorRange::two(
                    egui::text::CCursor::new(0),
                    egui::text::CCursor::new(self.path_text.chars().count()),
                );
                output.state.cursor.set_char_range(Some(all));
                output.state.store(ui.ctx(), edit.id);
            }
            if edit.changed() {
                self.typed_error = None;
            }
            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                let (text, dir) = (self.path_text.clone(), self.dir.clone());
                let save = matches!(self.purpose, Purpose::Save { .. });
                self.typed = Some(Task::spawn("file-dialog", &ctx, move |_| {
                    resolve(&text, &dir, save)
                }));
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Go to").weak());
            for place in &self.places {
                let here = self.dir.starts_with(&place.path);
                if ui
                    .selectable_label(here, &place.label)
                    .on_hover_text(place.path.display().to_string())
                    .clicked()
                {
                    go_to = Some(place.path.clone());
                }
            }
        });
        if let Some(why) = &self.typed_error {
            ui.colored_label(ui.visuals().error_fg_color, why);
        }
        let save = matches!(self.purpose, Purpose::Save { .. });
        let mut click: Option<RowClick> = None;
        // The files listed, in their order: what a Shift+click's range and Ctrl+A select.
        let mut files: Vec<PathBuf> = Vec::new();
        // The listing gets what the window leaves the rest of the dialog (the least window,
        // 640x400, had the title and the buttons out of view), from three entries up.
        let above = ui.cursor().top() - ui.min_rect().top();
        let room = ctx.content_rect().height() - 2.0 * DIALOG_EDGE - above - self.below_listing;
        egui::ScrollArea::vertical()
            .max_height(room.clamp(LISTING_LEAST, LISTING_MOST))
            .auto_shrink([false, false])
            .show(ui, |ui| match &self.listing {
                None => {
                    ui.spinner();
                }
                Some(Err(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                Some(Ok(entries)) => {
                    for e in entries {
                        if !e.dir && !self.lists(&e.name) {
                            continue;
                        }
                        if !e.dir {
                            files.push(e.path.clone());
                        }
                        let label = if e.dir {
                            format!("{}/", e.name)
                        } else {
                            format!("{}  ({})", e.name, crate::report::bytes(e.size))
                        };
                        let r = ui.selectable_label(self.selected.contains(&e.path), label);
                        // Enter on the entry Tab reached opens it, as a double click does (and
                        // Enter in the Windows and GTK dialogs); Space selects it. A save
                        // dialog's Enter takes the file's name, as a click does.
                        let entered = !save
                            && r.clicked()
                            && r.has_focus()
                            && ui.input(|i| i.key_pressed(egui::Key::Enter));
                        if r.clicked() || r.double_clicked() {
                            click = Some(RowClick {
                                path: e.path.clone(),
                                dir: e.dir,
                                opens: r.double_clicked() || entered,
                                // (A third click soon after is a triple click for egui.)
                                double: r.double_clicked() || r.triple_clicked(),
                                modifiers: ui.input(|i| i.modifiers),
                            });
                        }
                    }
                }
            });
        // Ctrl+A selects every file listed, as in the Windows and GTK dialogs, unless the path
        // field has the keyboard (where it selects the path's text).
        if !save
            && !ctx.text_edit_focused()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::A))
        {
            self.selected = files.iter().cloned().collect();
        }
        let mut entered_by_click = false;
        if let Some(c) = click {
            // A double click on a folder entered it at its first click; its second click then
            // landed on the entry the new listing put under the pointer, and opened that file
            // (or entered that folder). It belongs to the folder, already entered.
            let of_the_folder = std::mem::take(&mut self.entered_by_click) && c.double;
            if !of_the_folder {
                if c.dir {
                    go_to = Some(c.path);
                    entered_by_click = !c.opens;
                } else if c.opens {
                    if !save {
                        return BrowserOutcome::Chosen(vec![c.path]);
                    }
                } else if save {
                    if let Some(name) = c.path.file_name() {
                        self.save_name = name.to_string_lossy().into_owned();
                    }
                } else {
                    self.select(&files, c.path, c.modifiers);
                }
            }
        }
        if let Some(dir) = go_to {
            self.go(&ctx, dir);
            self.entered_by_click = entered_by_click;
        }
        let mut outcome = BrowserOutcome::Open;
        let below_top = ui.cursor().top();
        ui.separator();
        if let Purpose::Save { filter, .. } = &self.purpose {
            let (kind, _) = &save_filters(*filter)[0];
            ui.horizontal(|ui| {
                ui.label(format!("Save as type: {kind}"));
                let all = ui.checkbox(&mut self.all_files, "show all files");
                crate::ui::focus::ring(ui, &all);
            });
        }
        ui.horizontal(|ui| {
            if save {
                ui.label("File name:");
                let mut output = egui::TextEdit::singleline(&mut self.save_name)
                    .desired_width(260.0)
                    .show(ui);
                let name = output.response.clone();
                if std::mem::take(&mut self.focus_name) {
                    name.request_focus();
                    let stem = self.save_name.rfind('.').unwrap_or(self.save_name.len());
                    let stem = egui::text::CCursorRange::two(
                        egui::text::CCursor::new(0),
                        egui::text::CCursor::new(self.save_name[..stem].chars().count()),
                    );
                    output.state.cursor.set_char_range(Some(stem));
                    output.state.store(ui.ctx(), name.id);
                }
                if name.lost_focus()
                    && ui.input(|i| i.key_pressed(egui::Key::Enter))
                    && !self.save_name.trim().is_empty()
                {
                    self.save_to(&ctx, self.dir.join(self.save_name.trim()));
                }
            } else {
                let all = ui.checkbox(&mut self.all_files, "show all files");
                crate::ui::focus::ring(ui, &all);
                ui.label(
                    RichText::new(
                        "Ctrl+click, Shift+click, Ctrl+A: several files (merged as one capture)",
                    )
                    .weak()
                    .small(),
                );
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let ok = if save { "Save" } else { "Open" };
                let ready = if save {
                    !self.save_name.trim().is_empty() && self.checking.is_none()
                } else {
                    !self.selected.is_empty()
                };
                if ui.add_enabled(ready, egui::Button::new(ok)).clicked() {
                    if save {
                        self.save_to(&ctx, self.dir.join(self.save_name.trim()));
                    } else {
                        outcome = BrowserOutcome::Chosen(self.selected.iter().cloned().collect());
                    }
                }
                if ui.button("Cancel").clicked() {
                    outcome = BrowserOutcome::Cancel;
                }
            });
        });
        let below = ui.min_rect().bottom() - below_top;
        if (below - self.below_listing).abs() > 0.5 {
            self.below_listing = below;
            ctx.request_repaint();
        }
        outcome
    }
}

/// A click (or Enter) on an entry of the listing.
struct RowClick {
    path: PathBuf,
    dir: bool,
    /// A double click, or Enter: opens the file, enters the folder.
    opens: bool,
    /// The second click (or third) of a quick series.
    double: bool,
    modifiers: egui::Modifiers,
}

/// The text of the button that replaces a file that exists.
pub const REPLACE: &str = "Replace";

/// The text of the button that goes back to the dialog without replacing.
pub const DONT_REPLACE: &str = "Don't replace";

/// Asks, over the save dialog, whether saving replaces the file at `path`, as the Windows and
/// GTK dialogs ask: `Some(true)` for Replace (Enter: it has the keyboard), `Some(false)` to go
/// back to the dialog (Escape, or a click beside the question), `None` while it is asked.
fn ask_replace(ctx: &egui::Context, path: &Path) -> Option<bool> {
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("rstscope-replace")).show(ctx, |ui| {
        ui.set_width(420.0_f32.min(ctx.content_rect().width() - 40.0));
        ui.add(egui::Label::new(RichText::new(replace_question(&name)).strong()).wrap());
        if let Some(dir) = path.parent() {
            ui.add(
                egui::Label::new(
                    RichText::new(format!(
                        "in {}: saving replaces what it holds",
                        dir.display()
                    ))
                    .weak(),
                )
                .wrap(),
            );
        }
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let replace = ui.button(REPLACE);
            // The keyboard starts on Replace: Enter replaces, Tab goes to the other button.
            let asked = egui::Id::unique("rstscope-replace-asked");
            if ui.data_mut(|d| d.get_temp::<PathBuf>(asked)).as_deref() != Some(path) {
                replace.request_focus();
                ui.data_mut(|d| d.insert_temp(asked, path.to_path_buf()));
            }
            if replace.clicked() {
                answer = Some(true);
            }
            if ui.button(DONT_REPLACE).clicked() {
                answer = Some(false);
            }
        });
    });
    if answer.is_none() && modal.should_close() {
        answer = Some(false);
    }
    if answer.is_some() {
        ctx.data_mut(|d| d.remove_temp::<PathBuf>(egui::Id::unique("rstscope-replace-asked")));
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (s46, a real-window walk): where the system's dialog never appeared (a
    /// session bus named that does not answer), rstscope's own stood in for it in the current
    /// folder (the home folder, started from a menu), not in the last folder used by an open
    /// or a save, which the system's was given.
    #[test]
    fn the_dialog_standing_in_for_a_failed_system_one_starts_in_the_last_folder() {
        let ctx = egui::Context::default();
        let last = std::env::temp_dir();
        let mut dialogs = FileDialogs {
            native: Some((
                Purpose::OpenCapture,
                Instant::now(),
                Some(last.clone()),
                Task::spawn("file-dialog", &ctx, |_| None),
            )),
            ..FileDialogs::default()
        };
        for _ in 0..500 {
            if dialogs.builtin.is_some() {
                break;
            }
            assert!(dialogs.show(&ctx).is_none());
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(
            dialogs.native_failed,
            "the system's dialog was taken as failed"
        );
        assert_eq!(dialogs.builtin.as_ref().map(|b| &b.dir), Some(&last));
    }

    /// Regression: the open dialog's file type read "Captures (pcap, pcapng, gzip)" while it
    /// also listed .cap and .dmp files; the Windows dialog shows that name, not the patterns.
    #[test]
    fn the_open_dialog_names_every_pattern_it_lists() {
        let name = capture_filter_name();
        for ext in CAPTURE_EXTENSIONS {
            assert!(name.contains(&format!("*.{ext}")), "{name} lacks *.{ext}");
        }
        assert_eq!(
            name,
            "Capture files (*.pcap;*.pcapng;*.cap;*.dmp;*.snoop;*.gz;*.zst;*.lz4;*.xz;*.bz2;*.zip)"
        );
    }

    /// Regression (real-window trial): the CSV export's dialog listed the folder's captures.
    /// A save dialog offers its own file type first, then all files.
    #[test]
    fn a_save_dialog_offers_its_file_type_then_all_files() {
        assert_eq!(
            save_filters(("CSV files", "csv")),
            [
                ("CSV files (*.csv)".to_owned(), "csv"),
                ("All files (*.*)".to_owned(), "*")
            ]
        );
        assert_eq!(
            with_extension(PathBuf::from("/tmp/report"), "csv"),
            PathBuf::from("/tmp/report.csv")
        );
        assert_eq!(
            with_extension(PathBuf::from("/tmp/report.txt"), "csv"),
            PathBuf::from("/tmp/report.txt"),
            "a name typed with an extension is kept"
        );
    }

    #[test]
    fn capture_names_are_recognised_by_extension() {
        assert!(is_capture_name("trace.pcapng"));
        assert!(is_capture_name("TRACE.PCAP"));
        assert!(is_capture_name("rotated.pcap.gz"));
        assert!(is_capture_name("archived.pcapng.zst"));
        assert!(is_capture_name("mailed.zip"));
        assert!(!is_capture_name("notes.txt"));
    }

    /// Regression (real-window trial): the files `tcpdump -C 100 -w trace.pcap` writes after
    /// the first (`trace.pcap1`, `trace.pcap2`) were not listed by the open dialog unless "show
    /// all files" was ticked, nor by the system's dialog's capture filter, so a rotated set,
    /// which rstscope merges as one capture, was opened as its first file alone. Each is
    /// listed, by rstscope's dialog and by a pattern of the system's.
    #[test]
    fn the_open_dialog_lists_the_numbered_files_of_a_rotated_set() {
        let patterns = open_patterns();
        // The dialogs' glob: `*` any run of characters, `?` one, case aside.
        fn glob(pattern: &[u8], name: &[u8]) -> bool {
            match (pattern.first(), name.first()) {
                (None, None) => true,
                (Some(b'*'), _) => {
                    glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..]))
                }
                (Some(b'?'), Some(_)) => glob(&pattern[1..], &name[1..]),
                (Some(p), Some(n)) => p.eq_ignore_ascii_case(n) && glob(&pattern[1..], &name[1..]),
                _ => false,
            }
        }
        let listed = |name: &str| {
            patterns
                .iter()
                .any(|p| glob(format!("*.{p}").as_bytes(), name.as_bytes()))
        };
        for name in [
            "trace.pcap",
            "trace.pcap1",
            "trace.pcap2",
            "trace.pcap10",
            "TRACE.PCAP3",
            "ring.pcapng4",
            "netmon.cap1",
            "trace.pcap1.gz",
        ] {
            assert!(
                is_capture_name(name),
                "{name}: not listed by rstscope's dialog"
            );
            assert!(listed(name), "{name}: in no pattern of {patterns:?}");
        }
        for name in ["notes.txt", "notes.txt1", "trace.pcapx", "trace1"] {
            assert!(!is_capture_name(name), "{name}");
        }
    }

    /// Up never leaves a Windows drive: the dialog offers each drive that exists, after the
    /// home folder.
    #[test]
    fn places_are_the_home_folder_then_each_drive() {
        // A: and C:, D:, Z: (wine maps Z: to /).
        let mask = 0b1 | 0b1100 | 1 << 25;
        let roots = drive_roots(mask);
        assert_eq!(roots, ["A:\\", "C:\\", "D:\\", "Z:\\"].map(PathBuf::from));
        let labels: Vec<String> = places(Some(PathBuf::from("/home/ana")), roots)
            .into_iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(labels, ["Home", "A:", "C:", "D:", "Z:"]);
        assert!(places(None, Vec::new()).is_empty());
    }

    /// The drives the system has: on Windows at least the system drive (wine too).
    #[cfg(windows)]
    #[test]
    fn the_system_drive_is_among_the_drives() {
        let system = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_owned());
        assert!(
            drives().contains(&PathBuf::from(format!("{system}\\"))),
            "{system} in {:?}",
            drives()
        );
    }

    #[test]
    fn listings_put_folders_first_and_skip_hidden_files() {
        let dir = std::env::temp_dir().join(format!("rstscope-list-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("zsub")).expect("temp folder");
        std::fs::write(dir.join("a.pcap"), b"x").expect("file");
        std::fs::write(dir.join(".hidden"), b"x").expect("file");
        let names: Vec<String> = list(&dir)
            .expect("lists")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["zsub", "a.pcap"]);
        assert!(list(&dir.join("missing")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_typed_path_is_a_file_to_open_a_folder_to_go_to_or_an_error() {
        let dir = std::env::temp_dir().join(format!("rstscope-typed-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("temp folder");
        std::fs::write(dir.join("a.pcap"), b"x").expect("file");
        let root = Path::new("/");
        let full = dir.join("a.pcap").display().to_string();
        assert!(matches!(resolve(&full, root, false), Typed::File(p) if p == dir.join("a.pcap")));
        assert!(
            matches!(resolve(&format!("\"{full}\""), root, false), Typed::File(_)),
            "quotes of a pasted path are dropped"
        );
        assert!(
            matches!(resolve("a.pcap", &dir, false), Typed::File(_)),
            "relative"
        );
        assert!(
            matches!(resolve("sub", &dir, false), Typed::Folder(p, Ok(_)) if p == dir.join("sub"))
        );
        assert!(matches!(
            resolve("missing.pcap", &dir, false),
            Typed::Bad(_)
        ));
        // A new file in an existing folder is where a save goes.
        assert!(
            matches!(resolve("new.csv", &dir, true), Typed::File(p) if p == dir.join("new.csv"))
        );
        assert!(matches!(resolve("nope/new.csv", &dir, true), Typed::Bad(_)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
