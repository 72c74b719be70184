//! The menu and the source bar: open a capture (dialog, sample, recent), start a capture,
//! reading progress with Cancel, export, and the clock (local time or UTC).

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::analysis::Progress;
use crate::ui::file_dialog::SaveTag;
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
    /// Times in UTC.
    pub utc: bool,
    /// The built-in file dialog is chosen.
    pub builtin_dialog: bool,
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
pub fn bar(ui: &mut egui::Ui, input: &BarInput<'_>, actions: &mut Vec<Action>) {
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
            .on_hover_text("capture every interface, loopback included (needs capture rights)")
            .clicked()
        {
            actions.push(Action::StartCapture);
        }
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
        });
    });
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
    let name = |p: &PathBuf| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
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
