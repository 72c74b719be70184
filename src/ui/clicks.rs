//! A press and a release of the mouse on one control is a click, however long the frames
//! between them took. egui counts a press held longer than its `max_click_duration` (0.8 s,
//! for a touch screen's press and hold) as no click, and it times the press by the frames that
//! took it in: a frame of a second or more between the press and the release (a debug build
//! taking a capture's first results on a loaded machine) made a click on "This machine" a few
//! seconds into reading a 1 GB capture no click at all; the button was left hovered and the
//! panel shut (real-window trial, twice). Desktop systems make no such limit for a mouse: a
//! button pressed and released on it is clicked. A touch keeps egui's limit, so that a finger
//! held still still opens the context menu.

use eframe::egui;

/// How long a touch may be held and still be a tap, not a press and hold: egui's own.
pub const TOUCH_HOLD: f64 = 0.8;

/// Called as each frame begins: the longest a press may be held and still be a click, from
/// the next frame on (egui takes its options in as a frame begins), by what presses now.
pub fn begin_pass(ctx: &egui::Context) {
    let wanted = if ctx.input(egui::InputState::any_touches) {
        TOUCH_HOLD
    } else {
        f64::INFINITY
    };
    if ctx.options(|o| o.input_options.max_click_duration) != wanted {
        ctx.options_mut(|o| o.input_options.max_click_duration = wanted);
    }
}
