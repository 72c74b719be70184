//! The question asked before a live capture that was not saved goes (another capture opened
//! or started, the capture closed, the app quit), as Wireshark asks of unsaved packets: its
//! packets are only in a temporary file, removed with it.

use eframe::egui::{self, RichText};

use crate::ui::source_bar::Action;

/// The user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Save the capture ("Save capture as…", stopping it first), then carry on.
    Save,
    /// Carry on: the capture goes.
    Discard,
    /// Keep the capture; do nothing.
    Cancel,
}

/// The question's heading.
pub const HEADING: &str = "The live capture has not been saved";

/// The button that discards the capture.
pub const DISCARD: &str = "Discard";

/// What `action` would do to the capture, as the question ends: "Save its packets before …?".
fn doing(action: &Action) -> &'static str {
    match action {
        Action::Close => "closing it",
        Action::Quit => "quitting",
        Action::StartCapture => "starting another capture",
        _ => "opening another capture",
    }
}

/// Asks whether to save the capture before `action`; `capturing` while it runs (saving stops
/// it first). `None` while it is asked. The keyboard starts on Save (Enter saves, as in
/// Wireshark); Escape or a click beside it cancels.
pub fn ask(ctx: &egui::Context, action: &Action, capturing: bool) -> Option<Answer> {
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("rstscope-unsaved")).show(ctx, |ui| {
        ui.set_width(440.0_f32.min(ctx.content_rect().width() - 40.0));
        ui.add(egui::Label::new(RichText::new(HEADING).strong()).wrap());
        let what = if capturing {
            format!(
                "Stop the capture and save its packets before {}?",
                doing(action)
            )
        } else {
            format!("Save its packets before {}?", doing(action))
        };
        ui.add(egui::Label::new(what).wrap());
        ui.add(
            egui::Label::new(
                RichText::new("Discarded, they are gone: they are only in a temporary file.")
                    .weak(),
            )
            .wrap(),
        );
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let save = ui.button(if capturing {
                "Stop and save…"
            } else {
                "Save…"
            });
            let asked = egui::Id::unique("rstscope-unsaved-asked");
            if !ui.data(|d| d.get_temp::<bool>(asked).unwrap_or(false)) {
                save.request_focus();
                ui.data_mut(|d| d.insert_temp(asked, true));
            }
            if save.clicked() {
                answer = Some(Answer::Save);
            }
            if ui.button(DISCARD).clicked() {
                answer = Some(Answer::Discard);
            }
            if ui.button("Cancel").clicked() {
                answer = Some(Answer::Cancel);
            }
        });
    });
    if answer.is_none() && modal.should_close() {
        answer = Some(Answer::Cancel);
    }
    if answer.is_some() {
        ctx.data_mut(|d| d.remove_temp::<bool>(egui::Id::unique("rstscope-unsaved-asked")));
    }
    answer
}
