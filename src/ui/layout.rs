//! How the results screen shares its height: the headline and plot on top, then the offenders
//! table and the details with a splitter between them that the user drags. The plot keeps its
//! useful height ([`PLOT_MIN`](crate::ui::layout::PLOT_MIN)) at every size: the first thing
//! a user sees is the capture's seconds, not a squashed strip. The table keeps at least three rows and the details enough
//! for the selected row's diagnosis, and until the user drags the splitter a few of its
//! connections too: in a small window they give way to the plot down to the first (the
//! others scrolled to within the details, their heading saying how many), and the table then
//! gives way down to its selected row; a window too short even for that folds the plot for
//! room (640x480), its legend's counts kept. The user's split is kept between runs. Where the
//! details in full do not fit beside the plot and the table's least (1024x700 with a long
//! story, 800x600), they are compact (the diagnosis in two lines, the filters on their copy
//! buttons' hover) and given what that needs, so that connections are in view; the details
//! scroll within what is left of them. A live capture's details, before their lists come
//! at Stop, are compact (or tight) beside the table's three rows rather than given the room
//! of lists still to come (at 800x600 its kernel comparison's line above the plot left the
//! table its selected row only), and keep that layout at Stop, their connections scrolled
//! to within them; the kernel comparison's line of its own above the plot (800 points) goes
//! to the hover of the kernel's counts where it costs those rows or the details' first
//! connection, decided once for the capture and the size as the layout's other decisions
//! are held (it left no connection row in view at 800x600 after Stop); a window too short
//! for that (800x500; see
//! [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT)) scrolls as a whole, the details given
//! what they need. A plot folded by its heading (the user's choice, kept between runs) takes
//! no height but its legend's.

use eframe::egui::{self, CursorIcon, Rect, Sense, Stroke, UiBuilder, vec2};

/// Height of the splitter's grip.
pub const SPLITTER: f32 = 8.0;
/// The least height the details keep: the endpoint, the diagnosis and its counts.
pub const DETAILS_MIN: f32 = 190.0;
/// The least height the details are given before the results scroll as a whole, until their
/// connections are listed (then [`DetailsView::fit_height`](crate::ui::details::DetailsView::fit_height)
/// measures it): their endpoint, diagnosis and filters, the connections and packets scrolled
/// to within them. An 800x600 window (toolbar and legend on two lines each) fits the plot at
/// its floor, three rows and this, where it was some 35 points short of [`DETAILS_MIN`].
pub const DETAILS_FIT: f32 = 150.0;
/// Table rows always shown when there are that many.
pub const MIN_ROWS: usize = 3;
/// The table's share of the height below the plot when the user has not dragged the splitter.
pub const DEFAULT_SHARE: f32 = 0.55;
/// What the splitter says to a screen reader and to tests.
pub const SPLITTER_LABEL: &str =
    "Drag to share the height between the offenders table and the details";

/// The plot's height where the window has room: below it, its axis title goes to the line
/// above it ([`crate::ui::plot::PlotInput::compact`]).
pub const PLOT_MIN: f32 = 110.0;
/// The plot's least height: its useful one, [`PLOT_MIN`]. It gave up height down to 80
/// points, and to 48 for the details' first three connections, in a small window or beside
/// a message (1024x700 beside a saved live capture's, 800x600): the first thing a user saw
/// was a squashed plot, an overview of nothing. The connections beyond the first give way to
/// it now (scrolled to within the details), then the table's rows but the selected one; a
/// window too short for it beside them folds it for room.
pub const PLOT_FLOOR: f32 = PLOT_MIN;

/// The plot's height for `available` points of the central panel, of which `below` are
/// wanted under it (its legend and axis, the table's least and what the details need): its
/// share of a large window, less in a small one, never below [`PLOT_FLOOR`] (a window short
/// of every part's least beside it scrolls as a whole, or folds the plot for room).
pub fn plot_height(available: f32, below: f32) -> f32 {
    (available * 0.26)
        .clamp(PLOT_MIN, 300.0)
        .min(available - below)
        .max(PLOT_FLOOR)
}

/// What the table needs: its title row and header (`chrome`), and each row's height.
#[derive(Debug, Clone, Copy)]
pub struct TableNeeds {
    /// Rows to show.
    pub rows: usize,
    /// Height of one row.
    pub row: f32,
    /// The title and filter row plus the column headers.
    pub chrome: f32,
    /// Rows kept however short the window: [`MIN_ROWS`], or one where the plot is folded in a
    /// window too short for three ([`TableNeeds::first_row_only`]).
    pub fewest: usize,
}

impl TableNeeds {
    fn height(self, rows: usize) -> f32 {
        self.chrome + self.row * rows as f32 + 4.0
    }

    /// The table's least height: [`TableNeeds::fewest`] rows ([`MIN_ROWS`]), or all of them
    /// when fewer.
    pub fn least(self) -> f32 {
        self.height(self.rows.min(self.fewest))
    }

    /// The table keeping its first row only where that is what lets the results fit:
    /// `rest` points (the headline, the plot at its least, the legend and the details'
    /// diagnosis beside the table) with the table's three rows more than `available`, with
    /// one row not. At 640x480 the results scrolled as a whole, the diagnosis under the
    /// window's bottom; what comes first there is the headline, the selected offender's row
    /// (the worst, unless the user chose another) and its diagnosis, the table's other rows
    /// scrolled to within it. A larger window keeps three rows, and so does one too short
    /// even for one (the results scroll as a whole there, whatever the table keeps).
    pub fn first_row_only(self, rest: f32, available: f32) -> Self {
        let short = rest + SPLITTER + self.least() > available;
        let one = Self { fewest: 1, ..self };
        let fits = rest + SPLITTER + one.least() <= available;
        if short && fits { one } else { self }
    }
}

/// The table's height in `available` points shared with the details (the splitter excluded):
/// the user's share (or the default), never more than the rows need, never fewer than
/// [`MIN_ROWS`] rows, and never so much that the details get less than [`DETAILS_MIN`]
/// (unless the screen is too small for both, when the table's minimum wins). Until the user
/// drags the splitter the details get what they need too (`details`: the height they are
/// given room for, [`details_wanted`] of the selected row's diagnosis and a few connections,
/// or less where the plot keeps its useful height), the table's minimum still first.
pub fn table_height(available: f32, needs: TableNeeds, share: Option<f32>, details: f32) -> f32 {
    let wanted = available * share.unwrap_or(DEFAULT_SHARE);
    let all = needs.height(needs.rows);
    let least = needs.least();
    let most = (available - details).max(least);
    wanted.min(all).clamp(least.min(most), most)
}

/// What the details are given room for under the plot: what they need until the user drags
/// the splitter, their least after.
pub fn details_wanted(details: f32, share: Option<f32>) -> f32 {
    match share {
        None => details.max(DETAILS_MIN),
        Some(_) => DETAILS_MIN,
    }
}

/// Lays out the table, the splitter and the details in the rest of `ui`'s height. `share` is
/// the user's split (changed when the splitter is dragged); `details_room` the height the
/// details are given room for ([`table_height`]).
pub fn table_and_details(
    ui: &mut egui::Ui,
    needs: TableNeeds,
    details_room: f32,
    share: &mut Option<f32>,
    table: impl FnOnce(&mut egui::Ui),
    details: impl FnOnce(&mut egui::Ui),
) {
    let full = ui.available_rect_before_wrap();
    let shared = (full.height() - SPLITTER).max(0.0);
    let table_h = table_height(shared, needs, *share, details_room);
    let table_rect = Rect::from_min_size(full.min, vec2(full.width(), table_h));
    region(ui, table_rect, table);
    let grip = Rect::from_min_size(table_rect.left_bottom(), vec2(full.width(), SPLITTER));
    // Dragged with the mouse, no Tab stop: it showed nothing when Tab reached it, and the
    // keyboard could not move it.
    let response = ui
        .interact(grip, ui.scope_id().with("table-splitter"), Sense::DRAG)
        .on_hover_cursor(CursorIcon::ResizeRow);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Splitter, true, SPLITTER_LABEL));
    if response.dragged() && shared > 0.0 {
        let pointer = response
            .interact_pointer_pos()
            .map_or(table_rect.bottom(), |p| p.y);
        let h = (pointer - full.top() - SPLITTER / 2.0).clamp(0.0, shared);
        *share = Some(h / shared);
    }
    if response.double_clicked() {
        *share = None;
    }
    let color = if response.hovered() || response.dragged() {
        ui.visuals().widgets.hovered.fg_stroke.color
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke.color
    };
    let y = grip.center().y;
    ui.painter()
        .hline(grip.x_range(), y, Stroke::new(1.0, color));
    let mid = grip.center().x;
    ui.painter().hline(
        (mid - 14.0)..=(mid + 14.0),
        y - 2.0,
        Stroke::new(1.0, color),
    );
    ui.painter().hline(
        (mid - 14.0)..=(mid + 14.0),
        y + 2.0,
        Stroke::new(1.0, color),
    );
    // In a window too small for both, the details get what is left, maybe nothing.
    let details_rect = Rect::from_min_max(grip.left_bottom(), full.max.max(grip.left_bottom()));
    region(ui, details_rect, details);
    ui.advance_cursor_after_rect(full);
}

/// The heights that decide whether [`scrolled_when_short`] scrolls.
#[derive(Debug, Clone, Copy)]
pub struct Least {
    /// The least height shown without scrolling.
    pub shown: f32,
    /// The height laid out, scrolled, in less than that.
    pub scrolled: f32,
}

impl Least {
    /// The height to lay out in `available` points: all of them, or when short of
    /// [`Least::shown`], [`Least::scrolled`] points (scrolled).
    pub fn height(self, available: f32) -> f32 {
        if available >= self.shown {
            available
        } else {
            self.scrolled.max(self.shown)
        }
    }
}

/// Lays `add` out in the rest of `ui`'s height or, where that is short of `least.shown`, in
/// `least.scrolled` points that scroll vertically (a bar of its own beside them, over
/// nothing), so that a short window reaches every part. `add` is given the height it fills.
pub fn scrolled_when_short(
    ui: &mut egui::Ui,
    id: &str,
    least: Least,
    add: impl FnOnce(&mut egui::Ui, f32),
) {
    let height = least.height(ui.available_height()).max(0.0);
    ui.scope(|ui| {
        let inner = ui.spacing().scroll;
        ui.spacing_mut().scroll = crate::ui::offenders::scroll_style();
        egui::ScrollArea::vertical()
            .id_salt(id)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.spacing_mut().scroll = inner;
                let rect = Rect::from_min_size(ui.cursor().min, vec2(ui.available_width(), height));
                ui.scope_builder(
                    UiBuilder::new()
                        .max_rect(rect)
                        .layout(egui::Layout::top_down(egui::Align::Min)),
                    |ui| add(ui, height),
                );
                ui.advance_cursor_after_rect(rect);
                // Here, where the scroll areas inside (the details' lists) have ended: the
                // first to end takes a scroll request, and theirs took one made in the table.
                let reveal = ui.data_mut(|d| d.remove_temp::<Option<Rect>>(reveal_id()));
                if let Some(rect) = reveal.flatten() {
                    ui.scroll_to_rect_animation(rect, None, egui::style::ScrollAnimation::none());
                }
            });
    });
}

/// Brings `rect` into the view of the results where they scroll as a whole (see
/// [`scrolled_when_short`]), at the end of this frame's results.
pub fn reveal_in_results(ui: &egui::Ui, rect: Rect) {
    ui.data_mut(|d| d.insert_temp(reveal_id(), Some(rect)));
}

fn reveal_id() -> egui::Id {
    egui::Id::unique("reveal-in-results")
}

/// Draws `add` inside `rect` only (clipped to it).
fn region(ui: &mut egui::Ui, rect: Rect, add: impl FnOnce(&mut egui::Ui)) {
    let clip = rect.intersect(ui.clip_rect());
    ui.scope_builder(
        UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::top_down(egui::Align::Min)),
        |ui| {
            ui.set_clip_rect(clip);
            ui.set_min_height(rect.height().max(0.0));
            add(ui);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEEDS: TableNeeds = TableNeeds {
        rows: 100,
        row: 22.0,
        chrome: 50.0,
        fewest: MIN_ROWS,
    };

    #[test]
    fn the_table_keeps_three_rows_and_the_details_their_diagnosis() {
        // A 1024x700 window leaves about 340 points below the plot.
        let h = table_height(340.0, NEEDS, None, details_wanted(0.0, None));
        assert!(h >= NEEDS.height(3), "{h}");
        assert!(340.0 - h >= DETAILS_MIN, "{h}");
        // Dragged to the top: still three rows.
        assert_eq!(
            table_height(340.0, NEEDS, Some(0.0), details_wanted(0.0, Some(0.0))),
            NEEDS.height(3)
        );
        // Dragged to the bottom: the details keep their least height.
        assert_eq!(
            table_height(340.0, NEEDS, Some(1.0), details_wanted(0.0, Some(1.0))),
            340.0 - DETAILS_MIN
        );
    }

    #[test]
    fn details_that_need_more_than_their_least_get_it_from_the_table_not_its_three_rows() {
        // The details need 260 points for a two-line diagnosis and three connections.
        let h = table_height(400.0, NEEDS, None, details_wanted(260.0, None));
        assert_eq!(h, 400.0 - 260.0);
        assert_eq!(
            table_height(300.0, NEEDS, None, details_wanted(260.0, None)),
            NEEDS.least()
        );
        // Once the user drags the splitter, only the diagnosis is kept.
        assert_eq!(
            table_height(400.0, NEEDS, Some(1.0), details_wanted(260.0, Some(1.0))),
            400.0 - DETAILS_MIN
        );
    }

    #[test]
    fn a_small_window_shrinks_the_plot_for_what_is_below_it_down_to_its_useful_height() {
        assert_eq!(plot_height(1000.0, 300.0), 260.0, "room: its share");
        assert_eq!(plot_height(600.0, 470.0), 130.0, "less than its share");
        // 1093x614: 494 points for the plot and below it, 410 wanted below it; the details'
        // connections give way (scrolled to within them), not the plot.
        assert_eq!(
            plot_height(494.0, 410.0),
            PLOT_MIN,
            "never below its useful height"
        );
        assert_eq!(
            plot_height(400.0, 445.5),
            PLOT_MIN,
            "nor where nothing is left"
        );
    }

    #[test]
    fn in_a_window_too_short_for_three_rows_the_table_keeps_its_first() {
        let rest = 200.0;
        let three = rest + SPLITTER + NEEDS.height(3);
        assert_eq!(NEEDS.first_row_only(rest, three).least(), NEEDS.height(3));
        assert_eq!(
            NEEDS.first_row_only(rest, three - 1.0).least(),
            NEEDS.height(1)
        );
        let one = rest + SPLITTER + NEEDS.height(1);
        assert_eq!(NEEDS.first_row_only(rest, one).least(), NEEDS.height(1));
        assert_eq!(
            NEEDS.first_row_only(rest, one - 1.0).least(),
            NEEDS.height(3),
            "too short even for one: the results scroll as a whole with three rows"
        );
    }

    #[test]
    fn a_short_table_gives_its_room_to_the_details() {
        let one = TableNeeds { rows: 1, ..NEEDS };
        assert_eq!(
            table_height(500.0, one, None, details_wanted(0.0, None)),
            one.height(1)
        );
        assert_eq!(
            table_height(500.0, one, Some(0.9), details_wanted(0.0, Some(0.9))),
            one.height(1)
        );
    }

    #[test]
    fn a_short_window_scrolls_with_room_for_what_the_details_need() {
        let least = Least {
            shown: 500.0,
            scrolled: 600.0,
        };
        assert_eq!(least.height(700.0), 700.0, "room: no scrolling");
        assert_eq!(least.height(500.0), 500.0, "just room");
        assert_eq!(least.height(499.0), 600.0, "short: scrolled");
        let odd = Least {
            shown: 500.0,
            scrolled: 400.0,
        };
        assert_eq!(odd.height(300.0), 500.0, "never less than the least shown");
    }

    #[test]
    fn a_window_too_small_for_both_keeps_the_table_minimum() {
        assert_eq!(
            table_height(200.0, NEEDS, None, details_wanted(0.0, None)),
            NEEDS.height(3)
        );
    }
}
