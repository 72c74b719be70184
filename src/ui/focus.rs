//! Tab goes on from the control last clicked, as in any desktop program. egui gives the
//! keyboard to a text field on a click but not to a button, so Tab after clicking a button
//! started again from the window's first stop, the File menu. Here the control clicked is
//! kept as where the keyboard is, without taking it (a button with the keyboard is drawn
//! pressed): the next Tab or Shift+Tab with nothing else holding the keyboard starts from it.

use eframe::egui::{self, Id, Key};

/// Where the control last clicked is kept.
fn clicked_last() -> Id {
    Id::unique("focus-clicked-last")
}

/// Called as each frame begins, before anything is laid out: a click on a Tab stop notes it;
/// a Tab or Shift+Tab with nothing holding the keyboard starts from the control noted, if it
/// was drawn in the last frame.
pub fn begin_pass(ctx: &egui::Context) {
    if let Some(id) = ctx.interaction_snapshot(|s| s.clicked)
        && ctx
            .read_response(id)
            .is_some_and(|r| r.sense.is_focusable() && r.enabled())
    {
        // A text field that held the keyboard gives it up in this frame.
        ctx.data_mut(|d| d.insert_temp(clicked_last(), Some(id)));
        return;
    }
    if ctx.memory(|m| m.focused().is_some()) {
        // The keyboard is somewhere: Tab goes on from there, and from there on.
        ctx.data_mut(|d| d.remove_temp::<Option<Id>>(clicked_last()));
        return;
    }
    let tab = ctx
        .input(|i| i.key_pressed(Key::Tab) && (i.modifiers.is_none() || i.modifiers.shift_only()));
    if !tab {
        return;
    }
    let Some(id) = ctx
        .data_mut(|d| d.remove_temp::<Option<Id>>(clicked_last()))
        .flatten()
    else {
        return;
    };
    // egui moves the keyboard on from the control that holds it as that control is laid out
    // in this frame (the direction is already taken from the key); gone since, Tab starts
    // from the window's first stop as before.
    if ctx.read_response(id).is_some() {
        ctx.memory_mut(|m| m.request_focus(id));
    }
}
