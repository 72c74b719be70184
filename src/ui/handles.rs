//! egui_extras' column resize handles kept out of the keyboard's way. egui_extras 0.37 senses
//! each handle with `Sense::click_and_drag()`, which egui makes a Tab stop, and offers no way
//! to make it not one: between a table's last row and the next button, Tab stopped on every
//! column's handle in turn, with nothing on screen (no focus ring, no label) and nothing the
//! keyboard could do there. Here a handle that gets the keyboard passes it on at once, in the
//! direction it came from; the mouse resizes the columns as before.

use eframe::egui::{self, AsIdSalt, FocusDirection, Id, IdSalt, Ui};

/// Called as each frame begins: the keyboard a handle passed on in the last frame that no
/// widget after its table took (the table was the window's last stop, or what followed it
/// is no stop) goes round to the window's first stop, as egui's Tab from the last stop does,
/// rather than to nothing (a press of Tab with nothing on screen).
pub fn begin_pass(ctx: &egui::Context) {
    if ctx.data_mut(|d| d.remove_temp::<bool>(passed_on())) == Some(true)
        && ctx.memory(|m| m.focused().is_none())
    {
        ctx.memory_mut(|m| m.move_focus(FocusDirection::Next));
    }
}

/// Where [`Handles::after`] notes that it passed the keyboard on.
fn passed_on() -> Id {
    Id::unique("handles-passed-on")
}

/// The resize handles of one table, for the frame it is drawn in: [`Handles::before`] it is
/// built, [`Handles::after`] it is drawn. Tab from the last row then goes on to the widget after
/// the table, Shift+Tab from the widget after it back to the last row (the widget laid out
/// before the handles).
pub struct Handles {
    ids: Vec<Id>,
    /// A handle had the keyboard as the frame began.
    came_back: bool,
    ctx: egui::Context,
}

impl Handles {
    /// Before the table that `TableBuilder::new(ui).id_salt(salt)` builds in `ui`, with at
    /// most `columns` columns.
    pub fn before(ui: &Ui, salt: impl AsIdSalt, columns: usize) -> Self {
        // The ids egui_extras gives the handles: its table state's id (`ui.scope_id()` with
        // the salt) with `resize_column` and the column's index.
        let state = ui.scope_id().with(IdSalt::new(salt));
        let ids: Vec<Id> = (0..columns)
            .map(|i| state.with("resize_column").with(i))
            .collect();
        let mut handles = Self {
            ids,
            came_back: false,
            ctx: ui.ctx().clone(),
        };
        // A handle with the keyboard as the frame begins came by Shift+Tab from the widget
        // after the table (egui hands it over a frame later). From the first handle, egui's
        // Shift+Tab goes to the widget laid out before the handles.
        handles.came_back = handles.focused().is_some();
        if handles.came_back
            && let Some(&first) = handles.ids.first()
        {
            handles.ctx.memory_mut(|m| {
                m.request_focus(first);
                m.move_focus(FocusDirection::Previous);
            });
        }
        handles
    }

    /// After the table: Tab from the last row gave the first handle the keyboard in this
    /// frame; the next widget laid out takes it, as if the handle had not been there.
    pub fn after(self) {
        if !self.came_back
            && let Some(handle) = self.focused()
        {
            self.ctx.memory_mut(|m| {
                m.surrender_focus(handle);
                m.move_focus(FocusDirection::Next);
            });
            // Where nothing after the table takes it in this frame, [`begin_pass`] hands it
            // to the window's first stop in the next, as Tab from the last stop does.
            self.ctx.data_mut(|d| d.insert_temp(passed_on(), true));
            self.ctx.request_repaint();
        }
    }

    /// The handle that has the keyboard.
    fn focused(&self) -> Option<Id> {
        self.ctx
            .memory(|m| m.focused())
            .filter(|id| self.ids.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use egui_extras::{Column, TableBuilder};
    use egui_kittest::Harness;
    use egui_kittest::kittest::{By, NodeT, Queryable};

    use super::*;

    /// A button, a resizable table of three columns with a button a row, and a button.
    fn window(ui: &mut Ui) {
        let _ = ui.button("before");
        let handles = Handles::before(ui, "t", 3);
        TableBuilder::new(ui)
            .id_salt("t")
            .resizable(true)
            .columns(Column::initial(80.0), 3)
            .body(|mut body| {
                for r in 0..2 {
                    body.row(20.0, |mut row| {
                        row.col(|ui| {
                            let _ = ui.button(format!("row {r}"));
                        });
                        row.col(|ui| {
                            ui.label("x");
                        });
                        row.col(|ui| {
                            ui.label("y");
                        });
                    });
                }
            });
        handles.after();
        let _ = ui.button("after");
    }

    fn focused(h: &Harness<'_>) -> Option<String> {
        h.query_all(By::new().predicate(|n| n.is_focused()))
            .next_back()
            .map(|n| n.accesskit_node().label().unwrap_or_default())
    }

    #[test]
    fn tab_and_shift_tab_pass_over_the_resize_handles() {
        let mut h = Harness::new_ui(window);
        h.get_by_label("before").focus();
        h.run_steps(1);
        let mut forth = Vec::new();
        for _ in 0..3 {
            h.key_press(egui::Key::Tab);
            h.run_steps(2);
            forth.push(focused(&h));
        }
        let labels = |v: &[&str]| v.iter().map(|s| Some((*s).to_owned())).collect::<Vec<_>>();
        assert_eq!(forth, labels(&["row 0", "row 1", "after"]));
        let mut back = Vec::new();
        for _ in 0..3 {
            h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Tab);
            h.run_steps(3);
            back.push(focused(&h));
        }
        assert_eq!(back, labels(&["row 1", "row 0", "before"]));
    }
}
