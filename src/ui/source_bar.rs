//! The menu and the source bar: open a capture (dialog, sample, recent), start a capture,
//! the interface and capture filter it uses, reading progress with Cancel, export, and the
//! clock (local time or UTC).

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::analysis::Progress;
use crate::source::live::{self, InterfaceDesc};
use crate::source::npcap;
use crate::ui::file_dialog::SaveTag;
use crate::ui::settings::{CaptureSettings, FilterChoice};
use crate::ui::status::{bytes, thousands};

/// What the user asked for from the menu, the source bar or the start screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Choose captures in a file dialog.
    OpenDialog,
    /// Open the bundled sample.
    OpenSample,
    /// Open these files as one capture.
    Open(Vec<PathBuf>),
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
    /// Close the capture and go back to the start screen.
    Close,
    /// Quit the app.
    Quit,
}

/// What the bars show.
pub struct BarInput<'a> {
    /// Recently opened captures.
    pub recent: &'a [Vec<PathBuf>],
    /// The capture's name, when one is open.
    pub source: Option<&'a str>,
    /// Reading progress, while reading.
    pub progress: Option<Progress>,
    /// Reading has not finished.
    pub loading: bool,
    /// A live capture is running.
    pub capturing: bool,
    /// Results exist to export.
    pub can_export: bool,
    /// The "This machine" panel is shown.
    pub show_host: bool,
    /// The open source is a live capture (running or stopped), whose pcapng can be saved.
    pub live_source: bool,
    /// Times in UTC.
    pub utc: bool,
    /// The built-in file dialog is chosen.
    pub builtin_dialog: bool,
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
                Ok(list) => Self::Listed(list),
                Err(e) => Self::Failed(e.to_string()),
            };
        }
    }
}

/// On Windows without Npcap: capture needs it, where to get it and what to choose in its
/// installer (opening files works without it, so this is a note, not an error).
pub fn npcap_notice(ui: &mut egui::Ui) {
    ui.add_space(8.0);
    // Not installed, or the wpcap.dll found is too old (its path and version).
    let headline = npcap::ensure_capture().err().map_or_else(
        || "Capture needs Npcap, which is not installed.".to_owned(),
        |e| e.headline(),
    );
    ui.label(RichText::new(headline).strong());
    ui.hyperlink_to(
        format!("Download Npcap: {}", npcap::DOWNLOAD_PAGE),
        npcap::DOWNLOAD_PAGE,
    );
    let advice = "In its installer tick \"Support loopback traffic\" (refused connections to \
                  127.0.0.1 are only seen through it); leave \"Restrict Npcap driver's access \
                  to Administrators only\" unticked unless rstscope always runs as \
                  administrator. Opening capture files works without Npcap.";
    ui.scope(|ui| {
        ui.set_max_width(560.0);
        ui.add(egui::Label::new(RichText::new(advice).weak()).wrap());
    });
}

/// The picker's entry for capturing every interface.
pub const ALL_INTERFACES: &str = "All interfaces (loopback included)";

/// "Save capture as…", for a live capture once it has stopped (its pcapng is complete then).
fn save_capture_button(ui: &mut egui::Ui, input: &BarInput<'_>, actions: &mut Vec<Action>) {
    let button = ui
        .add_enabled(!input.capturing, egui::Button::new("Save capture as…"))
        .on_hover_text("save every captured frame as pcapng")
        .on_disabled_hover_text("stop the capture first");
    if button.clicked() {
        actions.push(Action::Export(SaveTag::Capture));
    }
}

/// The menu bar.
pub fn menu(ui: &mut egui::Ui, input: &BarInput<'_>, actions: &mut Vec<Action>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
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
                    if ui.button(recent_label(paths)).clicked() {
                        actions.push(Action::Open(paths.clone()));
                    }
                }
            });
            ui.separator();
            ui.add_enabled_ui(input.can_export, |ui| {
                if ui.button("Export offenders as CSV…").clicked() {
                    actions.push(Action::Export(SaveTag::Csv));
                }
                if ui.button("Export the report as JSON…").clicked() {
                    actions.push(Action::Export(SaveTag::Json));
                }
            });
            if input.live_source {
                save_capture_button(ui, input, actions);
            }
            ui.separator();
            if ui
                .add_enabled(input.source.is_some(), egui::Button::new("Close capture"))
                .clicked()
            {
                actions.push(Action::Close);
            }
            if ui.button("Quit").clicked() {
                actions.push(Action::Quit);
            }
        });
        ui.menu_button("View", |ui| {
            let mut utc = input.utc;
            if ui.checkbox(&mut utc, "Times in UTC").changed() {
                actions.push(Action::SetUtc(utc));
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
        });
    });
}

/// Ctrl+O (Cmd+O on macOS).
pub fn open_shortcut() -> egui::KeyboardShortcut {
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O)
}

/// The source bar under the menu.
pub fn bar(
    ui: &mut egui::Ui,
    input: &BarInput<'_>,
    capture: &mut CaptureSettings,
    interfaces: &mut InterfaceList,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
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
            .add_enabled(!input.loading, egui::Button::new("Start capture"))
            .on_hover_text(
                "capture the chosen interfaces with the chosen filter (needs capture rights)",
            )
            .clicked()
        {
            actions.push(Action::StartCapture);
        }
        ui.add_enabled_ui(!input.capturing, |ui| {
            capture_options(ui, capture, interfaces);
        });
        ui.separator();
        if let Some(source) = input.source {
            ui.label(RichText::new(source).strong());
        }
        if input.capturing {
            ui.spinner();
            ui.label("capturing…");
        } else if input.loading {
            progress(ui, input.progress, actions);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let mut utc = input.utc;
            ui.selectable_value(&mut utc, true, "UTC");
            ui.selectable_value(&mut utc, false, "Local time");
            if utc != input.utc {
                actions.push(Action::SetUtc(utc));
            }
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
            ui.add_enabled_ui(input.can_export, |ui| {
                if ui
                    .button("JSON…")
                    .on_hover_text("save the whole report as JSON")
                    .clicked()
                {
                    actions.push(Action::Export(SaveTag::Json));
                }
                if ui
                    .button("CSV…")
                    .on_hover_text("save the offenders table as CSV")
                    .clicked()
                {
                    actions.push(Action::Export(SaveTag::Csv));
                }
                ui.label("Export");
            });
            if input.live_source {
                save_capture_button(ui, input, actions);
            }
        });
    });
    if let Some(limitation) = capture.capture_filter().limitation() {
        ui.add(
            egui::Label::new(
                RichText::new(limitation)
                    .color(ui.visuals().warn_fg_color)
                    .small(),
            )
            .wrap(),
        );
    }
}

/// The interface picker and the capture filter (with its BPF field when custom).
fn capture_options(
    ui: &mut egui::Ui,
    capture: &mut CaptureSettings,
    interfaces: &mut InterfaceList,
) {
    let selected = capture
        .interface
        .as_deref()
        .unwrap_or(ALL_INTERFACES)
        .to_owned();
    let picker = egui::ComboBox::from_id_salt("capture-interface")
        .selected_text(selected)
        .height(400.0)
        .show_ui(ui, |ui| {
            interfaces.ensure_listed();
            ui.selectable_value(&mut capture.interface, None, ALL_INTERFACES);
            match interfaces {
                InterfaceList::Listed(list) => {
                    for i in list.iter() {
                        ui.selectable_value(
                            &mut capture.interface,
                            Some(i.name.clone()),
                            interface_label(i),
                        );
                    }
                }
                InterfaceList::Failed(e) => {
                    ui.add(
                        egui::Label::new(
                            RichText::new(e.as_str()).color(ui.visuals().error_fg_color),
                        )
                        .wrap(),
                    );
                }
                InterfaceList::NotListed => {}
            }
        });
    picker
        .response
        .on_hover_text("the interface Start capture captures");
    if picker.inner.is_none() {
        // Closed: list again the next time it opens (adapters come and go).
        *interfaces = InterfaceList::NotListed;
    }
    egui::ComboBox::from_id_salt("capture-filter")
        .selected_text(capture.filter.label())
        .show_ui(ui, |ui| {
            for f in FilterChoice::ALL {
                ui.selectable_value(&mut capture.filter, f, f.label());
            }
        })
        .response
        .on_hover_text(format!("kernel filter: {}", capture.capture_filter().bpf()));
    if capture.filter == FilterChoice::Custom {
        ui.add(
            egui::TextEdit::singleline(&mut capture.custom_bpf)
                .hint_text("BPF, e.g. tcp port 443")
                .desired_width(200.0),
        );
    }
}

/// `lo (loopback) — description · 127.0.0.1, ::1`.
pub fn interface_label(i: &InterfaceDesc) -> String {
    let mut text = i.name.clone();
    if i.loopback {
        text.push_str(" (loopback)");
    }
    if let Some(d) = i.description.as_deref().filter(|d| !d.is_empty()) {
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

/// The progress bar with bytes and packets, and Cancel.
fn progress(ui: &mut egui::Ui, p: Option<Progress>, actions: &mut Vec<Action>) {
    let p = p.unwrap_or_default();
    let fraction = if p.bytes_total > 0 {
        (p.bytes_read as f64 / p.bytes_total as f64) as f32
    } else {
        0.0
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .desired_width(220.0)
            .show_percentage()
            .animate(true),
    );
    ui.label(format!(
        "{} of {} · {} packets",
        bytes(p.bytes_read),
        bytes(p.bytes_total),
        thousands(p.frames)
    ));
    if ui
        .button("Cancel")
        .on_hover_text("stop reading; what was read is analyzed")
        .clicked()
    {
        actions.push(Action::Cancel);
    }
}

/// A recent capture as a menu entry: its file name(s).
pub fn recent_label(paths: &[PathBuf]) -> String {
    let name = |p: &PathBuf| crate::ui::file_name(p);
    match paths {
        [] => String::new(),
        [one] => format!(
            "{}  —  {}",
            name(one),
            one.parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        ),
        [first, rest @ ..] => format!("{} and {} more", name(first), rest.len()),
    }
}
