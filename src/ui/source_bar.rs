//! The menu and the source bar: open a capture (dialog, sample, recent), start a capture,
//! the interface and capture filter it uses, export, and the clock (local time or UTC); and
//! under them, while a file is read, its progress with Cancel on a row of its own. The
//! interface and filter pickers are as wide as their choice, and give it in short (the words
//! before its parenthesis) where the capture's name would be cut beside them. At 1024
//! points every button stays visible: the capture's name gives way (cut with an ellipsis, the
//! full path on hover); narrower, export and the views take a second row, and in the smallest
//! window (640 points) the name goes down beside them. A capture filter's limitation is said
//! on the second row, and a custom filter's field that the first has no room for leads it:
//! the bar keeps to two rows.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::analysis::Progress;
use crate::report::bytes;
use crate::source::live::{self, InterfaceDesc};
use crate::source::npcap;
use crate::ui::file_dialog::SaveTag;
use crate::ui::settings::{CaptureSettings, FilterChoice};
use crate::ui::status::thousands;

/// What the user asked for from the menu, the source bar or the start screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Choose captures in a file dialog.
    OpenDialog,
    /// Open the bundled sample.
    OpenSample,
    /// Open these files as one capture.
    Open(Vec<PathBuf>),
    /// Read the capture's files again (a file still being written has grown since), keeping
    /// the table's filter and the row picked.
    Reload,
    /// Start a live capture.
    StartCapture,
    /// Stop reading.
    Cancel,
    /// Save the report (CSV or JSON).
    Export(SaveTag),
    /// Write times in UTC (true) or local time.
    SetUtc(bool),
    /// Show the whole capture in the plot.
    ResetPlot,
    /// Forget the selected time range.
    ClearRange,
    /// Use rstscope's own file dialog.
    BuiltinDialog(bool),
    /// Show or hide the "This machine" panel.
    ShowHost(bool),
    /// Show the rate plot (or fold it, its legend kept).
    ShowPlot(bool),
    /// Close the capture and go back to the start screen.
    Close,
    /// Quit the app.
    Quit,
    /// Show Help > About.
    About,
}

/// What the bars show.
pub struct BarInput<'a> {
    /// Recently opened captures.
    pub recent: &'a [Vec<PathBuf>],
    /// The capture's name, when one is open.
    pub source: Option<&'a str>,
    /// Its files' full paths, one a line.
    pub source_paths: Option<&'a str>,
    /// The longest the name becomes without the user's doing: a running capture's at Stop
    /// (`stopped: live capture on …`). The toolbar gives it room by that, so that nothing
    /// moves at Stop.
    pub source_widest: Option<&'a str>,
    /// The name said shorter, from the longest ([`crate::ui::app::Source::shorter_labels`]):
    /// a live capture's, where the whole has no room beside what shares its row.
    pub source_shorter: &'a [String],
    /// A file is being read (the capture on screen or one being opened).
    pub loading: bool,
    /// A live capture is running.
    pub capturing: bool,
    /// The capture on screen is of files that can be read again (File > Reload): not a live
    /// capture, nor standard input.
    pub reloadable: bool,
    /// Results exist to export.
    pub can_export: bool,
    /// A time range is selected in the plot: the exports, of the whole capture, say so.
    pub range_selected: bool,
    /// The "This machine" panel is shown.
    pub show_host: bool,
    /// The rate plot is shown, not folded.
    pub show_plot: bool,
    /// The open source is a live capture (running or stopped), whose pcapng can be saved.
    pub live_source: bool,
    /// Times in UTC.
    pub utc: bool,
    /// The built-in file dialog is chosen.
    pub builtin_dialog: bool,
    /// A file dialog (open or save, rstscope's own or the system's) or a question is open:
    /// Start capture waits for it, and says so.
    pub dialog_open: bool,
    /// Why live capture cannot work here (Windows without a usable Npcap): its controls are
    /// shown disabled, saying so.
    pub capture_unavailable: Option<&'a npcap::NpcapError>,
    /// The warnings of the capture shown, which the status bar tells: the capture filter's
    /// limitation among them is not said again under the bar.
    pub warned: &'a [String],
}

/// The interfaces offered by the picker: listed each time it opens (listing is quick).
#[derive(Debug, Default)]
pub enum InterfaceList {
    /// Not listed since the picker last closed.
    #[default]
    NotListed,
    /// What the system offers.
    Listed(Vec<InterfaceDesc>),
    /// Why listing failed (no capture rights, no libpcap).
    Failed(String),
}

impl InterfaceList {
    fn ensure_listed(&mut self) {
        if matches!(self, Self::NotListed) {
            *self = match live::list_interfaces() {
                Ok(mut list) => {
                    // Windows: each adapter by its friendly name first, as `ipconfig` names
                    // it (`Ethernet 2 (Intel(R) ...)`); nothing elsewhere.
                    let friendly = live::friendly_names();
                    for i in &mut list {
                        i.description = live::with_friendly_name(
                            live::friendly_name(&i.name, &friendly),
                            i.description.as_deref(),
                        );
                    }
                    Self::Listed(list)
                }
                Err(e) => Self::Failed(e.to_string()),
            };
        }
    }
}

/// On Windows without Npcap: capture needs it, where to get it and what to choose in its
/// installer (opening files works without it, so this is a note, not an error). Without
/// `advice` (a window too short for it and what follows) the installer advice is on the
/// download link's hover instead of under it.
pub fn npcap_notice(ui: &mut egui::Ui, why: &npcap::NpcapError, advice: bool) {
    ui.add_space(NOTICE_SPACE);
    // Not installed, or the wpcap.dll found is too old (its path and version).
    ui.label(RichText::new(why.headline()).strong());
    let link = ui.hyperlink_to(download_label(), npcap::DOWNLOAD_PAGE);
    if advice {
        ui.scope(|ui| {
            ui.set_max_width(ADVICE_WIDTH);
            ui.add(egui::Label::new(RichText::new(install_advice()).weak()).wrap());
        });
    } else {
        link.on_hover_text(install_advice());
    }
}

/// The height [`npcap_notice`] takes in `ui`, with or without its installer advice, measured
/// before it is drawn: the start screen closes up by it.
pub fn npcap_notice_height(ui: &egui::Ui, why: &npcap::NpcapError, advice: bool) -> f32 {
    let width = ui.available_width();
    let height = |text: RichText, width: f32| {
        egui::WidgetText::from(text)
            .into_galley(
                ui,
                Some(egui::TextWrapMode::Wrap),
                width,
                egui::TextStyle::Body,
            )
            .size()
            .y
    };
    let gap = ui.spacing().item_spacing.y;
    let mut total = NOTICE_SPACE
        + height(RichText::new(why.headline()).strong(), width)
        + gap
        + height(RichText::new(download_label()), width);
    if advice {
        total += gap
            + height(
                RichText::new(install_advice()).weak(),
                width.min(ADVICE_WIDTH),
            );
    }
    total
}

/// The room above the Npcap notice.
const NOTICE_SPACE: f32 = 8.0;

/// The widest the notice's installer advice runs.
const ADVICE_WIDTH: f32 = 560.0;

/// The notice's link to Npcap's download page.
fn download_label() -> String {
    format!("Download Npcap: {}", npcap::DOWNLOAD_PAGE)
}

/// The advice the terminal gives, as a sentence of its own.
fn install_advice() -> String {
    let mut advice = format!(
        "{}. Opening capture files works without Npcap.",
        npcap::INSTALL_ADVICE
    );
    advice[..1].make_ascii_uppercase();
    advice
}

/// An export's menu entry; with a time range selected it says the export is of the whole
/// capture (`Offenders as CSV… (whole capture)`): the table shows the range's counts, the
/// export the capture's, as `rstscope analyze` reports them.
pub fn export_label(entry: &str, range_selected: bool) -> String {
    if range_selected {
        format!("{entry} {WHOLE_CAPTURE}")
    } else {
        entry.to_owned()
    }
}

/// What an export's label adds while a time range is selected.
pub const WHOLE_CAPTURE: &str = "(whole capture)";

/// The hover of an export's entry: with a time range selected, that it is not applied.
fn export_hover(input: &BarInput<'_>) -> &'static str {
    if input.range_selected {
        "the time range selected in the plot is not applied: the export holds the whole \
         capture's counts (× by the range, or View > Clear time selection, shows them)"
    } else {
        "the whole capture's counts"
    }
}

/// The File menu's last entry: "Exit", as in every Windows program's File menu; "Quit"
/// elsewhere, as GNOME and macOS name it.
const QUIT: &str = if cfg!(windows) { "Exit" } else { "Quit" };

/// The picker's entry for capturing every interface.
pub const ALL_INTERFACES: &str = "All interfaces (loopback included)";

/// "Save capture as…", for a live capture once it has stopped (its pcapng is complete then).
fn save_capture_button(
    ui: &mut egui::Ui,
    input: &BarInput<'_>,
    actions: &mut Vec<Action>,
    shortcut: Option<egui::KeyboardShortcut>,
) {
    let enabled = !input.capturing;
    let button = match shortcut {
        Some(shortcut) => entry_with_shortcut(ui, "Save capture as…", &shortcut, enabled),
        None => ui.add_enabled(enabled, egui::Button::new("Save capture as…")),
    };
    let button = button
        .on_hover_text("save every captured frame as pcapng")
        .on_disabled_hover_text("stop the capture first");
    if button.clicked() {
        actions.push(Action::Export(SaveTag::Capture));
    }
}

/// The menu bar. Alt and a menu's first letter (F10 for File) open it from the keyboard, as
/// a Windows program's menu bar opens (`open_by_keyboard`).
pub fn menu(ui: &mut egui::Ui, input: &BarInput<'_>, actions: &mut Vec<Action>) {
    let before = actions.len();
    egui::MenuBar::new().ui(ui, |ui| {
        let file = ui.menu_button("File", |ui| {
            let open = egui::Button::new("Open…")
                .shortcut_text(ui.ctx().format_shortcut(&open_shortcut()));
            if ui.add(open).clicked() {
                actions.push(Action::OpenDialog);
            }
            if ui.button("Open the sample capture").clicked() {
                actions.push(Action::OpenSample);
            }
            ui.menu_button("Recent", |ui| {
                if input.recent.is_empty() {
                    ui.label(RichText::new("nothing yet").weak());
                }
                for paths in input.recent {
                    let button = ui.button(recent_label(paths));
                    if button.on_hover_text(recent_hover(paths)).clicked() {
                        actions.push(Action::Open(paths.clone()));
                    }
                }
                crate::ui::focus::ring_within(ui);
            });
            ui.separator();
            ui.add_enabled_ui(input.can_export, |ui| {
                let csv = export_label("Export offenders as CSV…", input.range_selected);
                if ui.button(csv).on_hover_text(export_hover(input)).clicked() {
                    actions.push(Action::Export(SaveTag::Csv));
                }
                let json = export_label("Export the report as JSON…", input.range_selected);
                if ui.button(json).on_hover_text(export_hover(input)).clicked() {
                    actions.push(Action::Export(SaveTag::Json));
                }
            });
            if input.live_source {
                save_capture_button(ui, input, actions, Some(save_shortcut()));
            }
            ui.separator();
            let reload = entry_with_shortcut(ui, RELOAD, &reload_shortcut(), input.reloadable)
                .on_hover_text(
                    "read the capture's files again: a file still being written has grown since",
                )
                .on_disabled_hover_text("no capture file is open");
            if reload.clicked() {
                actions.push(Action::Reload);
            }
            let open = input.source.is_some();
            if entry_with_shortcut(ui, "Close capture", &close_shortcut(), open).clicked() {
                actions.push(Action::Close);
            }
            if entry_with_shortcut(ui, QUIT, &quit_shortcut(), true).clicked() {
                actions.push(Action::Quit);
            }
            crate::ui::focus::ring_within(ui);
        });
        open_by_keyboard(ui, &file.response, egui::Key::F, Some(egui::Key::F10));
        let view = ui.menu_button("View", |ui| {
            let mut utc = input.utc;
            if ui.checkbox(&mut utc, "Times in UTC").changed() {
                actions.push(Action::SetUtc(utc));
            }
            let mut show_plot = input.show_plot;
            if ui
                .checkbox(&mut show_plot, crate::ui::plot::FOLD_LABEL)
                .on_hover_text(
                    "resets and failed attempts per second; folded, its legend keeps the counts \
                     and the table and details get its height (or click the legend's heading)",
                )
                .changed()
            {
                actions.push(Action::ShowPlot(show_plot));
            }
            if ui.button("Reset plot view").clicked() {
                actions.push(Action::ResetPlot);
            }
            if ui.button("Clear time selection").clicked() {
                actions.push(Action::ClearRange);
            }
            let mut show_host = input.show_host;
            if ui
                .checkbox(&mut show_host, "This machine panel")
                .on_hover_text("listening sockets and their processes, the kernel's TCP counters")
                .changed()
            {
                actions.push(Action::ShowHost(show_host));
            }
            let mut builtin = input.builtin_dialog;
            if ui
                .checkbox(&mut builtin, "Use rstscope's own file dialog")
                .on_hover_text(
                    "instead of the system's (for desktops without a file dialog portal)",
                )
                .changed()
            {
                actions.push(Action::BuiltinDialog(builtin));
            }
            crate::ui::focus::ring_within(ui);
        });
        open_by_keyboard(ui, &view.response, egui::Key::V, None);
        let help = ui.menu_button("Help", |ui| {
            if ui
                .button(crate::ui::about::TITLE)
                .on_hover_text("version, licence, the capture library found, where to report")
                .clicked()
            {
                actions.push(Action::About);
            }
            crate::ui::focus::ring_within(ui);
        });
        open_by_keyboard(ui, &help.response, egui::Key::H, None);
        // The menus' titles, which Tab and Alt+letter reach.
        crate::ui::focus::ring_within(ui);
    });
    // An entry chosen with Enter: egui closes a menu at a click only.
    if actions.len() > before {
        egui::Popup::close_all(ui.ctx());
    }
    give_back_the_keyboard(ui);
}

/// A menu opened from the keyboard ([`open_by_keyboard`]): its popup, and what had the
/// keyboard before it (the offenders' filter being typed in, say).
#[derive(Clone, Copy)]
struct KeyboardMenu {
    popup: egui::Id,
    before: Option<egui::Id>,
}

/// Where [`KeyboardMenu`] is kept.
fn keyboard_menu_id() -> egui::Id {
    egui::Id::unique("menu opened from the keyboard")
}

/// Escape closed a menu opened from the keyboard: the keyboard goes back where it was, as in a
/// Windows program; it stayed on the menu's button, and what was typed next in the filter the
/// menu was opened from went nowhere. The Escape is taken, so that it does nothing more (the
/// details' Escape lists every packet again).
fn give_back_the_keyboard(ui: &egui::Ui) {
    let ctx = ui.ctx();
    let Some(menu) = ctx.data(|d| d.get_temp::<KeyboardMenu>(keyboard_menu_id())) else {
        return;
    };
    if egui::Popup::is_id_open(ctx, menu.popup) {
        return;
    }
    ctx.data_mut(|d| d.remove::<KeyboardMenu>(keyboard_menu_id()));
    if ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
        match menu.before {
            Some(before) => ctx.memory_mut(|m| m.request_focus(before)),
            None => {
                if let Some(on) = ctx.memory(|m| m.focused()) {
                    ctx.memory_mut(|m| m.surrender_focus(on));
                }
            }
        }
    }
}

/// Opens the menu of the menu bar's button `button` at Alt+`letter` (or `other`, alone), with
/// the keyboard on the button, so that the arrows go on into its entries, Enter chooses one
/// and Escape closes it (egui's menu keys), as in a Windows program's menu bar, where
/// Wireshark's users reach for Alt+F. Shown from the next frame.
fn open_by_keyboard(
    ui: &egui::Ui,
    button: &egui::Response,
    letter: egui::Key,
    other: Option<egui::Key>,
) {
    // Not behind a dialog (the window is disabled then): Alt+F opened File over the question
    // about an unsaved capture, its entries live, and Enter chose one behind the question.
    if !ui.is_enabled() {
        return;
    }
    let pressed = ui.input_mut(|i| {
        i.consume_key(egui::Modifiers::ALT, letter)
            || other.is_some_and(|key| i.consume_key(egui::Modifiers::NONE, key))
    });
    if pressed {
        let ctx = ui.ctx();
        // From one menu to another (Alt+F, then Alt+V), where the keyboard was before the
        // first.
        let before = match ctx.data(|d| d.get_temp::<KeyboardMenu>(keyboard_menu_id())) {
            Some(menu) => menu.before,
            None => ctx.memory(|m| m.focused()),
        };
        let popup = egui::Popup::default_response_id(button);
        ctx.data_mut(|d| d.insert_temp(keyboard_menu_id(), KeyboardMenu { popup, before }));
        button.request_focus();
        egui::Popup::open_id(ctx, popup);
        ctx.request_repaint();
    }
}

/// Ctrl+O (Cmd+O on macOS).
pub fn open_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O)
}

/// A menu entry with its shortcut written at its right, named by its words alone to a screen
/// reader (and to tests), the shortcut given as the entry's keyboard shortcut.
fn entry_with_shortcut(
    ui: &mut egui::Ui,
    name: &str,
    shortcut: &egui::KeyboardShortcut,
    enabled: bool,
) -> egui::Response {
    let keys = ui.ctx().format_shortcut(shortcut);
    let response = ui.add_enabled(enabled, egui::Button::new(name).shortcut_text(keys.clone()));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, name));
    ui.ctx()
        .accesskit_node_builder(response.id, |node| node.set_keyboard_shortcut(keys.clone()));
    response
}

/// File > Reload's words.
pub const RELOAD: &str = "Reload";

/// Ctrl+R (Cmd+R on macOS): Reload, as Wireshark's View > Reload. Not while a text field has
/// the keyboard.
pub fn reload_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::R)
}

/// Ctrl+W (Cmd+W on macOS): Close capture, as Wireshark's File > Close. Not while a text
/// field has the keyboard, where Ctrl+W deletes the word before the cursor.
pub fn close_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::W)
}

/// Ctrl+S (Cmd+S on macOS): a stopped live capture's "Save capture as…", as Wireshark's
/// Save.
pub fn save_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S)
}

/// Ctrl+Q (Cmd+Q on macOS): egui's own shortcut that closes the window (the app asks about
/// an unsaved capture first, as at the window's close button); written beside Quit.
fn quit_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Q)
}

/// The source bar under the menu.
pub fn bar(
    ui: &mut egui::Ui,
    input: &BarInput<'_>,
    capture: &mut CaptureSettings,
    interfaces: &mut InterfaceList,
    actions: &mut Vec<Action>,
) {
    // The groups' widths of the last frame decide how they share the rows.
    let id = egui::Id::unique("source-bar-widths");
    let (left_w, right_w) = ui
        .data(|d| d.get_temp::<(f32, f32)>(id))
        .unwrap_or_default();
    let mut widths = (0.0, 0.0);
    // The pickers give their choices in short where the capture's name, whole, has no room
    // beside them: at 1280 points a saved live capture's name ("stopped: live capture on all
    // interfaces, saved as lo-refused.pcapng") was cut while the pickers spelt out what only
    // the next capture uses. The rows are chosen by the pickers' whole width (shortening them
    // never changes the rows), and in short where that puts the name whole beside the
    // controls (as it becomes at Stop): at 640 points a live capture's went under them,
    // cut beside export and the views.
    let spacing = ui.spacing().item_spacing.x;
    let width_of = |s: Option<&str>| s.map_or(0.0, |s| text_width(ui, s, egui::TextStyle::Body));
    let name = width_of(input.source);
    let widest = width_of(input.source_widest.or(input.source));
    let saving = shortening(ui, capture, interfaces, input.capture_unavailable.is_none());
    let bar_width = ui.available_width();
    let rows_of = |left: f32, right: f32| {
        let name = if widest > 0.0 { widest + spacing } else { 0.0 };
        Rows::of(left, right, bar_width, left - saving, name)
    };
    let rows = rows_of(left_w, right_w);
    let short = match rows {
        Rows::One => name > 0.0 && name + spacing > ui.available_width() - left_w - right_w,
        Rows::NameLeft => name > 0.0 && name + spacing > ui.available_width() - left_w,
        // The pickers are on a row of their own: in short where, whole, they would wrap
        // (at 480 points "All TCP (IPv4 and IPv6)" took a row of its own).
        Rows::NameRight => left_w > ui.available_width(),
    };
    let shortened_by = if short { saving } else { 0.0 };
    // Said once: the capture captured with this filter tells it among its warnings (twice,
    // it took two of the results' rows at 800x600). Said only where the filter applies, before
    // a capture and with a live one: under a file's results it told of packets the file has
    // all of.
    let limitation = capture
        .capture_filter()
        .limitation()
        .filter(|_| input.source.is_none() || input.live_source)
        .filter(|l| !input.warned.iter().any(|w| w == l));
    // Every group is laid out left to right, in the order Tab reaches widgets (the order they
    // are added): the right-hand one in the place its width in the last frame leaves it, and
    // the capture's name, before it, cut short in what is left.
    match rows {
        Rows::One => {
            ui.horizontal(|ui| {
                before_right(ui, right_w, |ui| {
                    widths.0 = left_group(ui, input, capture, interfaces, actions, false, short).0
                        + shortened_by;
                    source_name(ui, input, false);
                });
                widths.1 = at_right(ui, right_w, |ui| right_group(ui, input, actions));
            });
            // One row, the whole of it on hover where cut.
            if let Some(limitation) = limitation {
                caveat(ui, limitation);
            }
        }
        Rows::NameLeft => {
            // Too narrow for both (a live capture's extra buttons at 1024 points): the
            // capture controls and the name on one row, export and the views right-aligned
            // under them, after the filter's limitation.
            ui.horizontal(|ui| {
                widths.0 = left_group(ui, input, capture, interfaces, actions, false, short).0
                    + shortened_by;
                source_name(ui, input, false);
            });
            ui.horizontal(|ui| {
                before_right(ui, right_w, |ui| {
                    if let Some(limitation) = limitation {
                        caveat(ui, limitation);
                    }
                });
                widths.1 = at_right(ui, right_w, |ui| right_group(ui, input, actions));
            });
        }
        Rows::NameRight => {
            // Narrower still (a small remote-desktop window, a tiled half of a small
            // laptop): the capture controls alone (wrapped, in a window narrower than them),
            // then the name, then export and the views. A custom filter's field that the
            // controls' row has no room for leads the last row, with the filter's limitation:
            // at 640 points the field, the name and the limitation took three rows under the
            // controls.
            let mut deferred = false;
            ui.horizontal_wrapped(|ui| {
                let top = ui.cursor().min.y;
                let width = left_group(ui, input, capture, interfaces, actions, true, short);
                deferred = width.1;
                // Wrapped, the width measured is a row's: keep the whole one.
                widths.0 = if ui.cursor().min.y > top + 1.0 {
                    left_w
                } else {
                    width.0 + shortened_by
                };
            });
            // The name beside export and the views where it is whole there (as it becomes at
            // Stop: nothing moves then), else, in a window narrower than the least it asks
            // for, on a row of its own, whole (wrapped where longer than the window): at 480
            // points a stopped live capture's was cut to "…" beside them. In the least window
            // (640x400) and where a custom filter's field leads that row, the toolbar keeps
            // its two rows (a third took a row of the results): the name is cut beside them,
            // whole on hover, or left to the status bar and the window's title.
            let caveat_least = limitation.map_or(0.0, |_| CAVEAT_LEAST + spacing);
            let own_row = input.source.is_some()
                && !deferred
                && ui.ctx().content_rect().width() < crate::ui::MIN_WINDOW[0]
                && widest + spacing > ui.available_width() - right_w - caveat_least;
            if own_row {
                source_name(ui, input, true);
            }
            ui.horizontal(|ui| {
                before_right(ui, right_w, |ui| {
                    let spacing = ui.spacing().item_spacing.x;
                    if deferred {
                        let room = ui.available_width() - spacing;
                        let rest = limitation.map_or(MIN_NAME_WIDTH, |_| CAVEAT_LEAST);
                        let width = (room - rest).clamp(CUSTOM_BPF_LEAST, CUSTOM_BPF_WIDTH);
                        ui.add_enabled_ui(!input.capturing, |ui| {
                            custom_bpf_field(ui, capture, width);
                        });
                    }
                    if own_row {
                        if let Some(limitation) = limitation {
                            caveat(ui, limitation);
                        }
                        return;
                    }
                    let Some(limitation) = limitation else {
                        source_name(ui, input, false);
                        return;
                    };
                    // The name where the limitation keeps its least beside it (the status bar
                    // and the window's title name the capture too).
                    let name = ui.available_width() - CAVEAT_LEAST - spacing;
                    if name >= MIN_NAME_WIDTH {
                        ui.allocate_ui_with_layout(
                            egui::vec2(name, ui.available_height()),
                            egui::Layout::left_to_right(egui::Align::Center),
                            |ui| source_name(ui, input, false),
                        );
                    }
                    caveat(ui, limitation);
                });
                widths.1 = at_right(ui, right_w, |ui| right_group(ui, input, actions));
            });
        }
    }
    if widths != (left_w, right_w) {
        ui.data_mut(|d| d.insert_temp(id, widths));
        // The right-hand group is placed by its width: a new one is laid out again at once,
        // this pass not shown where egui has a pass left for it. The first frame has no
        // width of the last, and put the group at the window's right edge, out of it: in a
        // debug build that frame stayed on screen for seconds while the next one loaded.
        if rows_of(widths.0, widths.1) != rows || (widths.1 - right_w).abs() > 0.5 {
            ui.ctx()
                .request_discard("the toolbar's groups changed width");
            ui.ctx().request_repaint();
        }
    }
}

/// The least width the capture filter's limitation is given beside a custom filter's field
/// on the row of export and the views: [`CAVEAT_SHORT`] in small text.
const CAVEAT_LEAST: f32 = 110.0;

/// The capture filter's limitation where the row has little room for it: the whole of it is
/// on hover (and is what a screen reader reads).
const CAVEAT_SHORT: &str = "causes may differ";

/// The capture filter's `limitation`, in small warning text on the rest of the row: cut, or
/// in [`CAVEAT_SHORT`] where less than [`CAVEAT_LEAST`] is left after the name's least, the
/// whole of it on hover.
fn caveat(ui: &mut egui::Ui, limitation: &str) {
    let color = ui.visuals().warn_fg_color;
    let text = if ui.available_width() >= 2.0 * CAVEAT_LEAST {
        limitation
    } else {
        CAVEAT_SHORT
    };
    let label = ui.add(egui::Label::new(RichText::new(text).color(color).small()).truncate());
    if text != limitation {
        label
            .on_hover_text(limitation)
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, limitation));
    }
}

/// Lays `add` out left to right in the row, short of the last `right` points (the right-hand
/// group's width and its spacing).
fn before_right(ui: &mut egui::Ui, right: f32, add: impl FnOnce(&mut egui::Ui)) {
    let row = ui.available_rect_before_wrap();
    let rect = egui::Rect::from_min_max(
        row.min,
        egui::pos2((row.right() - right).max(row.left()), row.bottom()),
    );
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        add,
    );
}

/// Lays `add` out left to right against the row's right edge, where its `width` in the last
/// frame (with the spacing before it) puts it; returns its width now, the same way. Laid out
/// right to left instead, Tab reached its widgets from the right end.
fn at_right(ui: &mut egui::Ui, width: f32, add: impl FnOnce(&mut egui::Ui)) -> f32 {
    let spacing = ui.spacing().item_spacing.x;
    let row = ui.available_rect_before_wrap();
    let left = (row.right() - (width - spacing).max(0.0)).max(row.left());
    let rect = egui::Rect::from_min_max(egui::pos2(left, row.top()), row.right_bottom());
    let drawn = ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
        add,
    );
    drawn.response.rect.width() + spacing
}

/// The least width the capture's name keeps on a toolbar row before what shares it moves to a
/// row of its own.
const MIN_NAME_WIDTH: f32 = 80.0;

/// How the source bar's groups share its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// The capture controls, the name and the right-hand group on one row.
    One,
    /// The controls and the name, then the right-hand group.
    NameLeft,
    /// The controls, then the name and the right-hand group.
    NameRight,
}

impl Rows {
    /// The rows for the groups' widths (`left`: the capture controls, `right`: export and
    /// the views) in `width` points, each row keeping [`MIN_NAME_WIDTH`] for the name; or the
    /// controls with their choices in short (`left_short` points) and the name whole
    /// (`name` points with its spacing, 0 without a name) on one row.
    fn of(left: f32, right: f32, width: f32, left_short: f32, name: f32) -> Self {
        if left + right + MIN_NAME_WIDTH <= width {
            Self::One
        } else if left + MIN_NAME_WIDTH <= width || (name > 0.0 && left_short + name <= width) {
            Self::NameLeft
        } else {
            Self::NameRight
        }
    }
}

/// The capture's name in the width left (wrapped to it with `wrap`): whole, or the first of
/// its shorter forms with room (a live capture's "stopped: lo", "stopped"), else cut with an
/// ellipsis, or left out where less than [`MIN_NAME_WIDTH`] is left for it; hovered, its
/// whole name and its files' full paths, and the whole name to a screen reader. At 640 points
/// beside a custom filter's field a stopped live capture's name was cut to "stoppe…", which
/// said neither what was captured nor that it had stopped.
fn source_name(ui: &mut egui::Ui, input: &BarInput<'_>, wrap: bool) {
    let Some(source) = input.source else {
        return;
    };
    let room = ui.available_width();
    let fits = |text: &str| text_width(ui, text, egui::TextStyle::Body) <= room;
    let shown = match wrap || fits(source) {
        true => source,
        false => (input.source_shorter.iter())
            .find(|f| fits(f))
            .or(input.source_shorter.last())
            .map_or(source, String::as_str),
    };
    // Cut to less than its least, the name says nothing ("…" beside a custom filter's field
    // at 480 points): it is left to the status bar and the window's title.
    if !wrap && !fits(shown) && room < MIN_NAME_WIDTH {
        return;
    }
    let label = egui::Label::new(RichText::new(shown).strong());
    let label = ui.add(match wrap {
        true => label.wrap(),
        // Its own tooltip says it all: one tooltip, not egui's copy of the name beside it.
        false => label.truncate().show_tooltip_when_elided(false),
    });
    let hover = match input.source_paths {
        Some(paths) if paths != source => format!("{source}\n{paths}"),
        _ => source.to_owned(),
    };
    let label = label.on_hover_text(hover);
    if shown != source {
        label.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, source));
    }
}

/// What the disabled capture controls say on hover: why capture cannot work, and that files
/// open without it.
pub fn unavailable_hover(why: &npcap::NpcapError) -> String {
    format!(
        "{} Opening capture files works without it: Open… (Ctrl+O), or drop files on the \
         window.\n\n{why}",
        why.headline()
    )
}

/// Why Start capture is not offered, as its hover says. A dialog comes before a reading: with
/// the save dialog open after Stop it said "a file is being read" though nothing was read
/// (real-window trial; the window is disabled under rstscope's own dialog, so the button was).
fn start_refused(input: &BarInput<'_>) -> String {
    if let Some(why) = input.capture_unavailable {
        unavailable_hover(why)
    } else if input.dialog_open {
        "a dialog is open: finish it or cancel it, then start a capture".to_owned()
    } else {
        "a file is being read: wait, or Cancel it".to_owned()
    }
}

/// Open, Start/Stop capture, the capture options (their choices in short with `short`).
/// Returns their width, a custom filter's field counted at its least width wherever it went.
/// With `may_defer`, a custom filter's field that the row has no room for is left out, and
/// the second value says so: the caller lays it out on the next row.
fn left_group(
    ui: &mut egui::Ui,
    input: &BarInput<'_>,
    capture: &mut CaptureSettings,
    interfaces: &mut InterfaceList,
    actions: &mut Vec<Action>,
    may_defer: bool,
    short: bool,
) -> (f32, bool) {
    let start = ui.cursor().min.x;
    if ui
        .button("Open…")
        .on_hover_text("open pcap or pcapng files (Ctrl+O), or drop them on the window")
        .clicked()
    {
        actions.push(Action::OpenDialog);
    }
    if input.capturing {
        if ui
            .button("Stop capture")
            .on_hover_text("stop capturing; the results stay")
            .clicked()
        {
            actions.push(Action::Cancel);
        }
    } else if ui
        .add_enabled(
            !input.loading && !input.dialog_open && input.capture_unavailable.is_none(),
            egui::Button::new("Start capture"),
        )
        .on_hover_text(
            "capture the chosen interfaces with the chosen filter (needs capture rights)",
        )
        .on_disabled_hover_text(start_refused(input))
        .clicked()
    {
        actions.push(Action::StartCapture);
    }
    let why = input.capture_unavailable.map(unavailable_hover);
    let field = ui
        .add_enabled_ui(!input.capturing && why.is_none(), |ui| {
            capture_options(ui, capture, interfaces, why.as_deref(), may_defer, short)
        })
        .inner;
    if let Some(why) = input.capture_unavailable {
        ui.hyperlink_to(
            RichText::new("Get Npcap").color(ui.visuals().warn_fg_color),
            npcap::DOWNLOAD_PAGE,
        )
        .on_hover_text(unavailable_hover(why));
    }
    ui.separator();
    if input.capturing {
        live_mark(ui);
    }
    // The rows are chosen by this width. Counted as laid out, a field that went to the next
    // row left room for it on this one, and one given that room took the name's: at 640
    // points with a short interface name the bar changed its rows every frame.
    let width = ui.cursor().min.x - start;
    match field {
        Field::None => (width, false),
        Field::Here(drawn) => (width - drawn + CUSTOM_BPF_LEAST, false),
        Field::Deferred => (width + CUSTOM_BPF_LEAST + ui.spacing().item_spacing.x, true),
    }
}

/// A live capture's mark beside the controls: a still red dot where a file's reading has a
/// spinner. A spinner asks for a frame at every refresh for as long as it shows, and a capture
/// shows it for hours: the window then drew 25 to 60 frames a second with nothing new (half a
/// core with a software renderer). The status bar's counts say that packets are coming.
fn live_mark(ui: &mut egui::Ui) {
    let size = ui.spacing().interact_size.y;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let color = ui.visuals().error_fg_color;
    ui.painter().circle_filled(rect.center(), size / 4.0, color);
    response.on_hover_text("capturing");
}

/// Where [`capture_options`] put a custom filter's field.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    /// No custom filter: no field.
    None,
    /// On the controls' row, this many points wide.
    Here(f32),
    /// Left out, for the caller to lay out on the next row.
    Deferred,
}

/// Save capture as… for a live capture, Export, This machine, the clock: the right-hand group,
/// in the order it reads (see [`at_right`]).
fn right_group(ui: &mut egui::Ui, input: &BarInput<'_>, actions: &mut Vec<Action>) {
    if input.live_source {
        save_capture_button(ui, input, actions, None);
    }
    ui.add_enabled_ui(input.can_export, |ui| {
        ui.menu_button("Export", |ui| {
            let csv_hover = "the offenders table for a spreadsheet: your locale's separators \
                             (Windows), readable times";
            if ui
                .button(export_label("Offenders as CSV…", input.range_selected))
                .on_hover_text(match input.range_selected {
                    true => format!("{csv_hover}\n\n{}", export_hover(input)),
                    false => csv_hover.to_owned(),
                })
                .clicked()
            {
                actions.push(Action::Export(SaveTag::Csv));
            }
            let json_hover = "the whole report, as `rstscope analyze --format json`";
            if ui
                .button(export_label("Report as JSON…", input.range_selected))
                .on_hover_text(match input.range_selected {
                    true => format!("{json_hover}\n\n{}", export_hover(input)),
                    false => json_hover.to_owned(),
                })
                .clicked()
            {
                actions.push(Action::Export(SaveTag::Json));
            }
        })
        .response
        .on_hover_text("save the offenders as CSV or the report as JSON");
    });
    ui.separator();
    if ui
        .selectable_label(input.show_host, "This machine")
        .on_hover_text(
            "show or hide the panel of this machine: listening sockets and their processes, \
             the kernel's TCP counters, listeners that stopped",
        )
        .clicked()
    {
        actions.push(Action::ShowHost(!input.show_host));
    }
    ui.separator();
    let mut utc = input.utc;
    ui.selectable_value(&mut utc, false, "Local time");
    ui.selectable_value(&mut utc, true, "UTC");
    if utc != input.utc {
        actions.push(Action::SetUtc(utc));
    }
}

/// The interface the picker shows chosen.
fn chosen_interface(capture: &CaptureSettings, interfaces: &InterfaceList) -> String {
    match (&capture.interface, interfaces) {
        (None, _) => ALL_INTERFACES.to_owned(),
        (Some(name), InterfaceList::Listed(list)) => list
            .iter()
            .find(|i| &i.name == name)
            .map_or_else(|| name.clone(), |i| short_name(i).to_owned()),
        (Some(name), _) => name.clone(),
    }
}

/// A picker's choice in short: its words before a parenthesis (`All interfaces`, `All TCP`,
/// `Ethernet 2` for Windows' `Ethernet 2 (Intel(R) Ethernet ...)`).
fn short_choice(choice: &str) -> &str {
    choice.split_once(" (").map_or(choice, |(short, _)| short)
}

/// How much narrower the pickers are with their choices in short (the capture filter's only
/// where it is shown: `filter`).
fn shortening(
    ui: &egui::Ui,
    capture: &CaptureSettings,
    interfaces: &InterfaceList,
    filter: bool,
) -> f32 {
    let saving = |choice: &str| {
        text_width(ui, choice, egui::TextStyle::Button)
            - text_width(ui, short_choice(choice), egui::TextStyle::Button)
    };
    let interface = saving(&chosen_interface(capture, interfaces));
    match filter {
        true => interface + saving(capture.filter.label()),
        false => interface,
    }
}

/// The width of `text` on one line in `style`.
fn text_width(ui: &egui::Ui, text: &str, style: egui::TextStyle) -> f32 {
    egui::WidgetText::from(text)
        .into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, style)
        .size()
        .x
}

/// The interface picker and the capture filter (with its BPF field when custom, left out for
/// want of room with `may_defer`), each as wide as its choice (in short with `short`, whole
/// on hover).
fn capture_options(
    ui: &mut egui::Ui,
    capture: &mut CaptureSettings,
    interfaces: &mut InterfaceList,
    unavailable: Option<&str>,
    may_defer: bool,
    short: bool,
) -> Field {
    let disabled_hover = unavailable.unwrap_or("stop the capture first");
    let chosen = chosen_interface(capture, interfaces);
    let shown = |choice: &str| match short {
        true => short_choice(choice).to_owned(),
        false => choice.to_owned(),
    };
    // As wide as the choice: a box of the width of the longest left "lo" in a mostly blank
    // one, which the capture's name beside it lacked. The list is as wide as its entries.
    let picker = egui::ComboBox::from_id_salt("capture-interface")
        .selected_text(shown(&chosen))
        .width(0.0)
        .truncate()
        .height(400.0)
        .show_ui(ui, |ui| {
            interfaces.ensure_listed();
            ui.selectable_value(&mut capture.interface, None, ALL_INTERFACES);
            match interfaces {
                InterfaceList::Listed(list) => {
                    let mut hidden = 0;
                    for i in list.iter() {
                        if !capture.show_all_interfaces
                            && !carries_tcp(i)
                            && capture.interface.as_deref() != Some(i.name.as_str())
                        {
                            hidden += 1;
                            continue;
                        }
                        let choice = ui.selectable_value(
                            &mut capture.interface,
                            Some(i.name.clone()),
                            interface_label(i),
                        );
                        if is_device_path(&i.name) {
                            choice.on_hover_text(&i.name);
                        }
                    }
                    if hidden > 0 || capture.show_all_interfaces {
                        ui.separator();
                        let all = ui.checkbox(
                            &mut capture.show_all_interfaces,
                            format!("show all ({hidden} that cannot carry TCP hidden)"),
                        );
                        crate::ui::focus::ring(ui, &all);
                        all.on_hover_text(
                            "D-Bus, Bluetooth, USB and netfilter log pseudo-interfaces carry no \
                             TCP/IP traffic",
                        );
                    }
                }
                InterfaceList::Failed(e) => listing_failed(ui, e),
                InterfaceList::NotListed => {}
            }
        });
    let hover = match short {
        true => format!("the interface Start capture captures: {chosen}"),
        false => "the interface Start capture captures".to_owned(),
    };
    picker
        .response
        .on_hover_text(hover)
        .on_disabled_hover_text(disabled_hover);
    if picker.inner.is_none() {
        // Closed: list again the next time it opens (adapters come and go).
        *interfaces = InterfaceList::NotListed;
    }
    if unavailable.is_some() {
        // The capture filter matters only to a capture: "Get Npcap" (after these) takes its
        // place, so that the toolbar keeps one row at 1024 points.
        return Field::None;
    }
    let bpf = capture.capture_filter().bpf();
    let hover = match short {
        true => format!("{}: kernel filter: {bpf}", capture.filter.label()),
        false => format!("kernel filter: {bpf}"),
    };
    egui::ComboBox::from_id_salt("capture-filter")
        .selected_text(shown(capture.filter.label()))
        .width(0.0)
        .truncate()
        .show_ui(ui, |ui| {
            for f in FilterChoice::ALL {
                ui.selectable_value(&mut capture.filter, f, f.label());
            }
        })
        .response
        .on_hover_text(hover)
        .on_disabled_hover_text(disabled_hover);
    if capture.filter != FilterChoice::Custom {
        return Field::None;
    }
    // Narrower where the row is short of room, down to a width that still shows a filter's
    // start (at 800 points the live mark after it went to a row of its own); with less, it goes
    // to the next row, whole, or is left to the caller.
    let room = ui.available_size_before_wrap().x - CUSTOM_BPF_AFTER;
    let width = if room >= CUSTOM_BPF_LEAST {
        room.min(CUSTOM_BPF_WIDTH)
    } else if may_defer {
        return Field::Deferred;
    } else {
        CUSTOM_BPF_WIDTH
    };
    Field::Here(custom_bpf_field(ui, capture, width).rect.width())
}

/// The custom BPF filter's field, `width` points wide.
fn custom_bpf_field(
    ui: &mut egui::Ui,
    capture: &mut CaptureSettings,
    width: f32,
) -> egui::Response {
    ui.add(
        egui::TextEdit::singleline(&mut capture.custom_bpf)
            .hint_text("BPF, e.g. tcp port 443")
            .desired_width(width),
    )
}

/// The custom BPF field's width where there is room.
const CUSTOM_BPF_WIDTH: f32 = 200.0;

/// The least width of the custom BPF field on a row after other controls.
const CUSTOM_BPF_LEAST: f32 = 120.0;

/// What follows the custom BPF field on its row: the separator and, while capturing, the
/// live mark, with their spacing.
const CUSTOM_BPF_AFTER: f32 = 48.0;

/// How wide the picker's list grows for why listing failed (the Npcap advice is long).
const LISTING_FAILED_WIDTH: f32 = 380.0;

/// Why the interfaces could not be listed (Windows without Npcap), in the picker's list.
/// The list lays its rows out justified, and egui justifies a wrapped label by spreading the
/// letters of each line apart ("n o t .  D o w n l o a d"): this text is left-aligned, in a
/// list made wide enough to read it.
fn listing_failed(ui: &mut egui::Ui, error: &str) {
    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_width(LISTING_FAILED_WIDTH);
        ui.add(egui::Label::new(RichText::new(error).color(ui.visuals().error_fg_color)).wrap());
    });
}

/// False for libpcap's pseudo-interfaces that never carry TCP/IP: D-Bus monitors, Bluetooth,
/// USB monitors, netfilter's log and queue devices.
pub fn carries_tcp(i: &InterfaceDesc) -> bool {
    const PSEUDO: [&str; 6] = [
        "dbus",
        "bluetooth",
        "usbmon",
        "nflog",
        "nfqueue",
        "bluetooth-monitor",
    ];
    let name = i.name.to_ascii_lowercase();
    !PSEUDO.iter().any(|p| name.starts_with(p))
}

/// Npcap's device names (`\Device\NPF_{6D8B...}`): a path no admin knows the adapter by.
fn is_device_path(name: &str) -> bool {
    name.starts_with(r"\Device\")
}

/// How the picker names an interface once chosen: Npcap's adapters by their description (on
/// Windows the friendly name first), the others by the name `-i` takes (`eth0`).
fn short_name(i: &InterfaceDesc) -> &str {
    match i.description.as_deref().filter(|d| !d.is_empty()) {
        Some(d) if is_device_path(&i.name) => d,
        _ => &i.name,
    }
}

/// `lo (loopback) — description · 127.0.0.1, ::1`; on Windows `Ethernet 2 (Intel(R) ...) ·
/// 10.0.0.5`, the device path on hover.
pub fn interface_label(i: &InterfaceDesc) -> String {
    let short = short_name(i);
    let mut text = short.to_owned();
    if i.loopback {
        text.push_str(" (loopback)");
    }
    if let Some(d) = i
        .description
        .as_deref()
        .filter(|d| !d.is_empty() && *d != short)
    {
        text.push_str(" — ");
        text.push_str(d);
    }
    if !i.addresses.is_empty() {
        let addrs: Vec<String> = i.addresses.iter().map(ToString::to_string).collect();
        text.push_str(" · ");
        text.push_str(&addrs.join(", "));
    }
    text
}

/// How much of the files `p` tells of is read, from 0 to 1.
pub fn read_fraction(p: &Progress) -> f32 {
    if p.bytes_total > 0 {
        (p.bytes_read as f64 / p.bytes_total as f64) as f32
    } else {
        0.0
    }
}

/// The bar of a file's reading, `width` points wide, moving to show the reading goes on. Its
/// percentage goes beside it ([`percent`]), not in it: egui draws the bar's moving arc at the
/// end of its filled part, over the percentage while that part is short (the first 15% of a
/// 220-point bar read as a circle over "12%").
pub fn reading_bar(fraction: f32, width: f32) -> egui::ProgressBar {
    egui::ProgressBar::new(fraction)
        .desired_width(width)
        .animate(true)
}

/// `fraction` (0 to 1) as a whole percentage: `12%`.
pub fn percent(fraction: f32) -> String {
    format!("{}%", (fraction.clamp(0.0, 1.0) * 100.0) as u32)
}

/// How far a reading has got, in words: `12% · 120.0 MiB of 1.0 GiB · 212,992 packets`; of a
/// pipe, whose size is not known, what came: `3.3 KiB read · 37 packets` (a named pipe given
/// slowly said "0% · 3.3 KiB of 0 B" while its frames came in).
fn read_so_far(p: &Progress) -> String {
    if p.bytes_total == 0 {
        return format!(
            "{} read · {} packets",
            bytes(p.bytes_read),
            thousands(p.frames)
        );
    }
    format!(
        "{} · {} of {} · {} packets",
        percent(read_fraction(p)),
        bytes(p.bytes_read),
        bytes(p.bytes_total),
        thousands(p.frames)
    )
}

/// What [`progress`] tells of a capture being opened.
pub struct Reading<'a> {
    /// The capture's name.
    pub label: &'a str,
    /// How far its reading has got.
    pub progress: Option<Progress>,
    /// Before the reading, the files being compared (`b.pcap with a.pcap`): files of one size
    /// given together are compared byte for byte, a copy read once, which takes seconds for
    /// large ones, and the row said "reading" at 0% all along.
    pub comparing: Option<&'a str>,
}

/// The row under the source bar while a file is read: what is read, the progress bar with
/// bytes and packets, and Cancel. `replacing`: another capture is on screen until this one
/// gives results.
pub fn progress(
    ui: &mut egui::Ui,
    reading: &Reading<'_>,
    replacing: bool,
    actions: &mut Vec<Action>,
) {
    let label = reading.label;
    let p = reading.progress.unwrap_or_default();
    let fraction = read_fraction(&p);
    ui.horizontal(|ui| {
        if ui
            .button("Cancel")
            .on_hover_text("stop reading; what was read is analyzed")
            .clicked()
        {
            actions.push(Action::Cancel);
        }
        ui.add(reading_bar(fraction, 220.0));
        // Nothing is read while files are compared, nor before the reading's first report (a
        // file opened while another still reads waits for that reading to stop): "0% · 0 B of
        // 0 B · 0 packets" told nothing.
        if reading.comparing.is_none() && reading.progress.is_some() {
            ui.label(read_so_far(&p));
        }
        let what = match (reading.comparing, replacing) {
            (Some(files), _) => format!("comparing {files} (a copy is read once)"),
            (None, true) => {
                format!("opening {label} (the capture on screen stays until it gives results)")
            }
            (None, false) => format!("reading {label}"),
        };
        ui.add(egui::Label::new(RichText::new(what).weak()).truncate());
    });
}

/// A recent capture as a menu entry: its file name(s).
pub fn recent_label(paths: &[PathBuf]) -> String {
    let name = |p: &PathBuf| crate::ui::file_name(p);
    // Where the first file is: two entries of several files that began with the same file
    // read alike ("d1 and 1 more", twice), so the second is named too where there are two.
    let folder = |p: &PathBuf| {
        p.parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default()
    };
    match paths {
        [] => String::new(),
        [one] => format!("{}  —  {}", name(one), folder(one)),
        [first, second] => format!("{} and {}  —  {}", name(first), name(second), folder(first)),
        [first, rest @ ..] => format!(
            "{} and {} more  —  {}",
            name(first),
            rest.len(),
            folder(first)
        ),
    }
}

/// A Recent entry's hover: every file of it, one a line, as the capture's name's hover gives
/// them.
pub fn recent_hover(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::*;

    /// Regression: before the reading, files of one size given together are compared byte
    /// for byte (a copy is read once): two copies of 1 GB took seconds, the row saying
    /// "reading" at 0%. It says which files are compared.
    #[test]
    fn the_reading_row_says_which_files_are_compared() {
        let mut h = egui_kittest::Harness::new_ui_state(
            |ui, actions: &mut Vec<Action>| {
                let reading = Reading {
                    label: "2 files",
                    progress: None,
                    comparing: Some("trace (1).pcapng with trace.pcapng"),
                };
                progress(ui, &reading, false, actions);
            },
            Vec::new(),
        );
        h.run_steps(2);
        h.get_by_label("comparing trace (1).pcapng with trace.pcapng (a copy is read once)");
        assert!(h.query_by_label("reading 2 files").is_none());
        assert!(
            h.query_by_label_contains(" packets").is_none(),
            "nothing read yet"
        );
    }

    /// Regression (real-window trial: a 2.4 KiB capture opened while a 200 MiB one was read):
    /// for the seconds the first reading took to stop, the row said "0% · 0 B of 0 B · 0
    /// packets opening restarted-server.pcap (...)", as if the small file were empty. Before
    /// the reading's first report it says what is opened, no counts.
    #[test]
    fn the_opening_row_tells_no_counts_before_the_reading_reports() {
        let mut h = egui_kittest::Harness::new_ui_state(
            |ui, actions: &mut Vec<Action>| {
                let reading = Reading {
                    label: "restarted-server.pcap",
                    progress: None,
                    comparing: None,
                };
                progress(ui, &reading, true, actions);
            },
            Vec::new(),
        );
        h.run_steps(2);
        h.get_by_label(
            "opening restarted-server.pcap (the capture on screen stays until it gives results)",
        );
        assert!(
            h.query_by_label_contains(" packets").is_none(),
            "nothing read yet"
        );
    }

    /// Regression (real-window trial, a capture given slowly through a named pipe, whose
    /// frames now come in as they arrive): the row said "0% · 3.3 KiB of 0 B · 37 packets". A
    /// pipe's size is not known: it says what came.
    #[test]
    fn a_pipe_being_read_tells_what_came_not_a_share_of_nothing() {
        let pipe = Progress {
            frames: 37,
            bytes_read: 3_380,
            bytes_total: 0,
        };
        assert_eq!(read_so_far(&pipe), "3.3 KiB read · 37 packets");
        let file = Progress {
            bytes_total: 13_520,
            ..pipe
        };
        assert_eq!(read_so_far(&file), "25% · 3.3 KiB of 13.2 KiB · 37 packets");
        let mut h = egui_kittest::Harness::new_ui_state(
            |ui, actions: &mut Vec<Action>| {
                let reading = Reading {
                    label: "slow.pipe",
                    progress: Some(pipe),
                    comparing: None,
                };
                progress(ui, &reading, false, actions);
            },
            Vec::new(),
        );
        h.run_steps(2);
        h.get_by_label("3.3 KiB read · 37 packets");
    }

    /// Regression (real-window trial, a 634 MiB capture opened): for the first 15% of every
    /// reading, egui's moving arc at the end of the bar's filled part was drawn over the
    /// percentage written in the bar ("12%" under a circle). The percentage is beside the bar.
    #[test]
    fn the_reading_bars_arc_is_drawn_over_no_text() {
        let p = Progress {
            frames: 212_992,
            bytes_read: 12,
            bytes_total: 100,
        };
        let mut h = egui_kittest::Harness::new_ui_state(
            |ui, actions: &mut Vec<Action>| {
                let reading = Reading {
                    label: "big.pcap.gz",
                    progress: Some(p),
                    comparing: None,
                };
                progress(ui, &reading, false, actions);
            },
            Vec::new(),
        );
        h.run_steps(3);
        fn flat(shape: &egui::Shape, out: &mut Vec<egui::Shape>) {
            match shape {
                egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| flat(s, out)),
                s => out.push(s.clone()),
            }
        }
        let mut shapes = Vec::new();
        for clipped in &h.output().shapes {
            flat(&clipped.shape, &mut shapes);
        }
        let texts: Vec<(String, egui::Rect)> = shapes
            .iter()
            .filter_map(|s| match s {
                egui::Shape::Text(t) => Some((
                    t.galley.text().to_owned(),
                    egui::Rect::from_min_size(t.pos, t.galley.size()),
                )),
                _ => None,
            })
            .collect();
        let arcs: Vec<egui::Rect> = shapes
            .iter()
            .filter_map(|s| match s {
                egui::Shape::Path(path) if !path.closed && path.points.len() > 2 => {
                    Some(egui::Rect::from_points(&path.points))
                }
                _ => None,
            })
            .collect();
        assert!(!arcs.is_empty(), "the bar moves: {shapes:?}");
        for arc in &arcs {
            for (text, rect) in &texts {
                assert!(
                    !arc.intersects(*rect),
                    "the arc {arc:?} is over {text:?} {rect:?}"
                );
            }
        }
        assert!(
            texts
                .iter()
                .any(|(t, _)| t.starts_with("12% · 12 B of 100 B")),
            "the percentage beside the bar: {texts:?}"
        );
    }

    /// Regression (Windows trial): the start screen's notice without Npcap had its own copy
    /// of the installer advice, still saying to tick "Support loopback traffic", an option
    /// Npcap's installer has not had since 0.9983 (its "Legacy loopback support" is advised
    /// against). It gives the terminal's advice now.
    #[test]
    fn the_npcap_notice_gives_the_installer_advice_the_terminal_gives() {
        let why = npcap::NpcapError::Missing {
            detail: "The specified module could not be found. (os error 126)".into(),
        };
        let h = egui_kittest::Harness::new_ui(|ui| npcap_notice(ui, &why, true));
        assert!(
            h.query_by_label_contains("Its installer's defaults suit rstscope: Npcap captures")
                .is_some()
        );
        assert!(
            h.query_by_label_contains("Opening capture files works without Npcap.")
                .is_some()
        );
        assert!(
            h.query_by_label_contains("In its installer tick \"Support loopback traffic\"")
                .is_none()
        );
    }

    fn interface(name: &str) -> InterfaceDesc {
        InterfaceDesc {
            name: name.into(),
            description: None,
            addresses: Vec::new(),
            loopback: false,
            up: true,
            running: true,
        }
    }

    /// Regression (Windows): the picker listed `\Device\NPF_{6D8B...} — Intel(R) ...` and,
    /// once one was chosen, showed `\Device\NPF_{6D8...` cut at its width: a path no admin
    /// knows the adapter by. Npcap's adapters go by their description (the friendly name
    /// first, [`live::with_friendly_name`]); the others by their name, description after.
    #[test]
    fn npcap_adapters_are_named_by_their_description_not_their_device_path() {
        let adapter = InterfaceDesc {
            description: Some("Ethernet 2 (Intel(R) I350 Gigabit Network Connection)".into()),
            addresses: vec!["10.0.0.5".parse().expect("an address")],
            ..interface(r"\Device\NPF_{6D8B3C2A-0F1E-4B5C-9D7E-1A2B3C4D5E6F}")
        };
        assert_eq!(
            interface_label(&adapter),
            "Ethernet 2 (Intel(R) I350 Gigabit Network Connection) · 10.0.0.5"
        );
        assert_eq!(
            short_name(&adapter),
            "Ethernet 2 (Intel(R) I350 Gigabit Network Connection)"
        );
        let loopback = InterfaceDesc {
            description: Some("Adapter for loopback traffic capture".into()),
            loopback: true,
            ..interface(r"\Device\NPF_Loopback")
        };
        assert_eq!(
            interface_label(&loopback),
            "Adapter for loopback traffic capture (loopback)"
        );
        let eth = InterfaceDesc {
            description: Some("Intel Corporation I350".into()),
            ..interface("eth0")
        };
        assert_eq!(interface_label(&eth), "eth0 — Intel Corporation I350");
        assert_eq!(short_name(&eth), "eth0");
        // Npcap's adapter without a description keeps its device path: nothing else names it.
        let bare = interface(r"\Device\NPF_{0000}");
        assert_eq!(short_name(&bare), r"\Device\NPF_{0000}");
    }

    #[test]
    fn pseudo_interfaces_that_cannot_carry_tcp_are_told_apart() {
        for name in [
            "eth0",
            "lo",
            "any",
            "wlp2s0",
            r"\Device\NPF_Loopback",
            "docker0",
        ] {
            assert!(carries_tcp(&interface(name)), "{name}");
        }
        for name in [
            "dbus-system",
            "dbus-session",
            "bluetooth0",
            "bluetooth-monitor",
            "usbmon1",
            "nflog",
            "nfqueue",
        ] {
            assert!(!carries_tcp(&interface(name)), "{name}");
        }
    }

    /// Regression: without Npcap the picker's list gave the Npcap message justified in its
    /// 165-point width, letters spread apart ("n o t .  D o w n l o a d  i t").
    #[test]
    fn why_listing_failed_reads_as_plain_left_aligned_text() {
        let message = "Npcap is not installed (wpcap.dll is not in C:\\Windows\\system32\\Npcap \
                       or the system folders); live capture needs it, opening capture files does not";
        let mut h = egui_kittest::Harness::new_ui(|ui| {
            // As in the picker's list: justified rows, as narrow as the picker.
            ui.set_max_width(165.0);
            ui.with_layout(egui::Layout::top_down_justified(egui::Align::Min), |ui| {
                listing_failed(ui, message);
            });
        });
        h.run();
        let mut lines = Vec::new();
        for clipped in &h.output().shapes {
            if let egui::Shape::Text(t) = &clipped.shape
                && message.contains(t.galley.text())
            {
                lines.push((
                    t.galley.job.justify,
                    t.galley.rect.width(),
                    t.galley.rows.len(),
                ));
            }
        }
        let (justified, width, rows) = lines.first().copied().expect("the message is drawn");
        assert!(!justified, "the message is justified");
        assert!(
            width > 165.0,
            "the message is {width} points wide, in {rows} rows"
        );
    }

    /// A Windows admin ends a program with File > Exit: "Quit" there reads as a port from
    /// another system. GNOME and macOS say Quit.
    #[test]
    fn the_file_menu_ends_with_exit_on_windows_and_quit_elsewhere() {
        use egui_kittest::kittest::Queryable;
        let input = BarInput {
            recent: &[],
            source: None,
            source_paths: None,
            source_widest: None,
            source_shorter: &[],
            loading: false,
            capturing: false,
            reloadable: false,
            can_export: false,
            range_selected: false,
            show_host: false,
            show_plot: true,
            live_source: false,
            utc: false,
            builtin_dialog: false,
            dialog_open: false,
            capture_unavailable: None,
            warned: &[],
        };
        let mut h = egui_kittest::Harness::new_ui_state(
            |ui, actions: &mut Vec<Action>| menu(ui, &input, actions),
            Vec::new(),
        );
        h.get_by_label("File").click();
        h.run();
        h.get_by_label(if cfg!(windows) { "Exit" } else { "Quit" })
            .click();
        h.run();
        assert_eq!(h.state(), &vec![Action::Quit]);
    }
}
