//! Tab goes on from the control last clicked, as in any desktop program. egui gives the
//! keyboard to a text field on a click but not to a button, so Tab after clicking a button
//! started again from the window's first stop, the File menu. Here the control clicked is
//! kept as where the keyboard is, without taking it (a button with the keyboard is drawn
//! pressed): the next Tab or Shift+Tab with nothing else holding the keyboard starts from it.
//!
//! A capture opened from something no longer on screen (File > Recent, the open dialog, a
//! file dropped on the window, the command line) leaves nothing to go on from: Tab started
//! again from the File menu, and a person went round the toolbar to reach the results they
//! had just opened. The next Tab lands on the selected offender's row instead, the results'
//! own starting point: the arrows already move along the rows, Enter and Tab go on from it.
//!
//! A click on a connection of the details (a row, no Tab stop: the arrows move along them)
//! left nothing to go on from either, and Tab went back to the File menu; the next Tab lands
//! on the packets' first control instead ("× All packets", or "Save these packets…"), the
//! stop the list's neighbour offers.
//!
//! The arrows move the selected offender, and the keyboard goes with it, to the row selected,
//! as in a list of any desktop program: they took it off the rows (egui's own move of it
//! with the arrows strays from the selection) and left it nowhere, so that Tab after them
//! went round to the File menu, and Enter's connection left Tab nothing to go on from.

use eframe::egui::{self, Id, Key};

/// Where the control last clicked is kept.
fn clicked_last() -> Id {
    Id::unique("focus-clicked-last")
}

/// Where the next Tab lands, set until the keyboard goes somewhere: the key under which that
/// stop's id is noted each frame ([`content_stop`] or [`lists_stop`]).
fn content_next() -> Id {
    Id::unique("focus-content-next")
}

/// The selected offender's row as drawn in the last frame: where a capture just opened sends
/// the next Tab.
fn content_stop() -> Id {
    Id::unique("focus-content-stop")
}

/// The packets' first control as drawn in the last frame: where a click on a connection
/// sends the next Tab.
fn lists_stop() -> Id {
    Id::unique("focus-lists-stop")
}

/// A capture was opened: the next Tab with nothing holding the keyboard lands on its selected
/// offender's row, wherever the keyboard was before (a control clicked in the last capture
/// is no place to go on from in this one).
pub fn capture_opened(ctx: &egui::Context) {
    lands_next_on(ctx, content_stop());
    // Not back to the control that opened the dialog it came from: to its results.
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<DialogFocus>(dialog_focus())
            .before = None
    });
}

/// Where the keyboard was as a dialog opened (a file dialog, a question, About), and whether
/// one was open in the last frame.
#[derive(Clone, Copy, Default)]
struct DialogFocus {
    open: bool,
    /// Where it was in the last frame without a dialog, then as the dialog opened.
    before: Option<Stop>,
}

/// A control the keyboard goes back to.
#[derive(Clone, Copy)]
enum Stop {
    /// It had the keyboard.
    Focused(Id),
    /// It was clicked last (kept as where Tab goes on from, see the module's documentation).
    Clicked(Id),
}

fn dialog_focus() -> Id {
    Id::unique("focus-dialog")
}

/// Called each frame with whether a dialog is open over the window: as one closes, the
/// keyboard goes back to the control that had it when the dialog opened (or Tab goes on from
/// the control clicked to open it), as a Windows program gives it back; it went nowhere, and
/// Tab started again from the File menu (real-window trial: a live capture stopped from the
/// keyboard and saved with Ctrl+S, then Tab opened the File menu's round again). Not after a
/// capture opened from the dialog ([`capture_opened`]: its results are where Tab goes), nor
/// to a control no longer drawn.
pub fn dialog(ctx: &egui::Context, open: bool) {
    let mut state = ctx
        .data(|d| d.get_temp::<DialogFocus>(dialog_focus()))
        .unwrap_or_default();
    match (state.open, open) {
        (false, false) => {
            let focused = ctx.memory(egui::Memory::focused);
            let clicked = ctx
                .data(|d| d.get_temp::<Option<Id>>(clicked_last()))
                .flatten();
            state.before = focused.map(Stop::Focused).or(clicked.map(Stop::Clicked));
        }
        (true, false) => match state.before.take() {
            Some(Stop::Focused(id)) if ctx.read_response(id).is_some() => {
                ctx.memory_mut(|m| m.request_focus(id));
            }
            Some(Stop::Clicked(id)) if ctx.read_response(id).is_some() => {
                if let Some(on) = ctx.memory(egui::Memory::focused) {
                    ctx.memory_mut(|m| m.surrender_focus(on));
                }
                ctx.data_mut(|d| d.insert_temp(clicked_last(), Some(id)));
            }
            _ => {}
        },
        (false, true) | (true, true) => {}
    }
    state.open = open;
    ctx.data_mut(|d| d.insert_temp(dialog_focus(), state));
}

/// A connection of the details was clicked: the next Tab with nothing holding the keyboard
/// lands on the packets' first control.
pub fn connection_clicked(ctx: &egui::Context) {
    lands_next_on(ctx, lists_stop());
}

fn lands_next_on(ctx: &egui::Context, stop: Id) {
    ctx.data_mut(|d| {
        d.remove_temp::<Option<Id>>(clicked_last());
        d.insert_temp(content_next(), Some(stop));
    });
}

/// Where the frames left for the keyboard to reach the row the arrows selected are kept.
fn row_takes_keyboard() -> Id {
    Id::unique("focus-row-takes-keyboard")
}

/// Frames in which the row the arrows selected may take the keyboard: the table scrolls to
/// it over a few, laying it out in view.
const ROW_TAKES_KEYBOARD_FRAMES: u8 = 30;

/// The arrows (Page Up and Down, Home, End) moved the selected offender: the keyboard leaves
/// where it was, where egui would move it on from, and goes to the row selected once that is
/// laid out in view ([`selected_row_in_view`]).
pub fn selection_moved(ctx: &egui::Context) {
    ctx.memory_mut(|m| {
        if let Some(id) = m.focused() {
            m.surrender_focus(id);
        }
    });
    ctx.data_mut(|d| {
        d.remove_temp::<Option<Id>>(clicked_last());
        d.remove_temp::<Option<Id>>(content_next());
        d.insert_temp(row_takes_keyboard(), ROW_TAKES_KEYBOARD_FRAMES);
    });
}

/// The selected offender's row ([`selected_row`]) is laid out whole in the table's view in
/// this frame: if the arrows selected it, it takes the keyboard, unless the keyboard went
/// somewhere since.
pub fn selected_row_in_view(ctx: &egui::Context) {
    if ctx
        .data_mut(|d| d.remove_temp::<u8>(row_takes_keyboard()))
        .is_none()
        || ctx.memory(|m| m.focused().is_some())
    {
        return;
    }
    if let Some(row) = ctx.data(|d| d.get_temp::<Id>(content_stop())) {
        ctx.memory_mut(|m| {
            m.request_focus(row);
            // Not on from it: the arrow's move is already taken from the key.
            m.move_focus(egui::FocusDirection::None);
        });
        ctx.request_repaint();
    }
}

/// Notes the selected offender's row, drawn in this frame as `id`.
pub fn selected_row(ctx: &egui::Context, id: Id) {
    ctx.data_mut(|d| d.insert_temp(content_stop(), id));
}

/// Whether `id` is the selected offender's row as drawn in the last frame: where the first
/// Tab after a capture opens lands, and from where Enter goes on into its connections.
pub fn is_selected_row(ctx: &egui::Context, id: Id) -> bool {
    ctx.data(|d| d.get_temp::<Id>(content_stop())) == Some(id)
}

/// Notes the packets' first control ("× All packets", else "Save these packets…"), drawn in
/// this frame as `id`.
pub fn packets_control(ctx: &egui::Context, id: Id) {
    ctx.data_mut(|d| d.insert_temp(lists_stop(), id));
}

/// Called as each frame begins, before anything is laid out: a click on a Tab stop notes it;
/// a Tab or Shift+Tab with nothing holding the keyboard starts from the control noted, if it
/// was drawn in the last frame.
pub fn begin_pass(ctx: &egui::Context) {
    // The row the arrows selected takes the keyboard within a few frames, or not at all.
    ctx.data_mut(|d| match d.get_temp::<u8>(row_takes_keyboard()) {
        Some(0) => d.remove_temp::<u8>(row_takes_keyboard()),
        Some(left) => {
            d.insert_temp(row_takes_keyboard(), left - 1);
            None
        }
        None => None,
    });
    if let Some(id) = ctx.interaction_snapshot(|s| s.clicked)
        && ctx
            .read_response(id)
            .is_some_and(|r| r.sense.is_focusable() && r.enabled())
    {
        // A text field that held the keyboard gives it up in this frame.
        ctx.data_mut(|d| {
            d.insert_temp(clicked_last(), Some(id));
            d.remove_temp::<Option<Id>>(content_next());
        });
        return;
    }
    if ctx.memory(|m| m.focused().is_some()) {
        // The keyboard is somewhere: Tab goes on from there, and from there on.
        ctx.data_mut(|d| {
            d.remove_temp::<Option<Id>>(clicked_last());
            d.remove_temp::<Option<Id>>(content_next());
        });
        return;
    }
    let (tab, forward) = ctx.input(|i| {
        let tab = i.key_pressed(Key::Tab);
        (
            tab && (i.modifiers.is_none() || i.modifiers.shift_only()),
            tab && i.modifiers.is_none(),
        )
    });
    if !tab {
        return;
    }
    if let Some(stop) = ctx
        .data_mut(|d| d.remove_temp::<Option<Id>>(content_next()))
        .flatten()
        && forward
    {
        let row = ctx.data(|d| d.get_temp::<Id>(stop));
        if let Some(row) = row.filter(|&id| ctx.read_response(id).is_some()) {
            // On the row itself, not on the stop after it: egui would move the keyboard on
            // from a control given it now, as below.
            ctx.memory_mut(|m| {
                m.request_focus(row);
                m.move_focus(egui::FocusDirection::None);
            });
            return;
        }
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

/// How far the keyboard's ring ([`ring`]) lies outside the control it is drawn around: off
/// its text, which a frameless control's edge touches.
pub const RING_MARGIN: f32 = 2.0;

/// Draws the keyboard's ring around `response` while it has the keyboard, as a button's frame
/// outlines it outside a menu: for the controls that show no outline of their own. A checkbox
/// only shaded its box a little (in the View menu, nothing told which entry Enter would
/// toggle), and in a menu egui draws an entry or the menu bar's titles without their outline,
/// a faint fill only.
pub fn ring(ui: &egui::Ui, response: &egui::Response) {
    if !response.has_focus() || !ui.is_rect_visible(response.rect) {
        return;
    }
    // The stroke outside a menu: a menu's style has none.
    let style = ui.ctx().global_style();
    let visuals = &style.visuals.widgets.active;
    ui.painter().rect_stroke(
        response.rect.expand(RING_MARGIN),
        visuals.corner_radius,
        visuals.bg_stroke,
        egui::StrokeKind::Inside,
    );
}

/// [`ring`] around the control that has the keyboard, if it was laid out in `ui` (a menu's
/// entries, the menu bar's titles): drawn once the menu is laid out, for whichever entry the
/// arrows brought the keyboard to.
pub fn ring_within(ui: &egui::Ui) {
    let Some(id) = ui.ctx().memory(egui::Memory::focused) else {
        return;
    };
    if let Some(response) = ui.ctx().read_response(id)
        && response.layer_id == ui.layer_id()
        && ui.min_rect().contains_rect(response.rect)
    {
        ring(ui, &response);
    }
}
