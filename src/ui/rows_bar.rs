//! The vertical scroll bar of a table that scrolls sideways. An egui_extras table draws its
//! bar at its own right edge, which in a sideways scroll area is the right edge of all its
//! columns: out of sight until the table is scrolled fully right, so a person saw no bar and
//! no sign of more rows. Here the table's own bar is hidden and this one is drawn in a strip
//! kept at the right of the region, beside the rows in view, whatever the sideways scroll;
//! it is drawn, dragged and clicked as egui's own solid bar is.

use eframe::egui::{self, Id, Rect, Sense, Ui, UiBuilder};
use egui::scroll_area::{ScrollAreaOutput, ScrollBarVisibility};
use egui::style::ScrollStyle;
use egui_extras::TableBuilder;

/// What the bar keeps between frames (egui's temporary memory, under its id).
#[derive(Clone, Copy, Debug, Default)]
struct Memory {
    /// The rows did not all fit in the last frame: the strip is kept.
    needed: bool,
    /// Where a drag, a click or the wheel on the bar put the rows: the table's offset in the
    /// next frame.
    to: Option<f32>,
    /// Where the pointer holds the handle, from its top, while the bar is dragged.
    grab: Option<f32>,
}

/// A table's rows bar for one frame: [`RowsBar::show`] lays out the sideways scroll area left
/// of the bar's strip and draws the bar for the table's body.
pub struct RowsBar {
    id: Id,
    /// The accessible name of the bar (screen readers, tests).
    label: &'static str,
    memory: Memory,
    /// The bar has no memory: the table is new on screen.
    new: bool,
    /// Whether the caller expects the rows not to fit.
    expected: Option<bool>,
}

/// Builds the table under a [`RowsBar`]: its own bar hidden, and where the bar was dragged
/// applied.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    to: Option<f32>,
}

impl Rows {
    /// A table builder in `ui` whose vertical scrolling follows the bar. Its own bar is hidden
    /// and given no room, so that its columns take the width up to the strip.
    pub fn table(self, ui: &mut Ui) -> TableBuilder<'_> {
        ui.spacing_mut().scroll = ScrollStyle {
            bar_width: 0.0,
            bar_inner_margin: 0.0,
            bar_outer_margin: 0.0,
            ..ScrollStyle::solid()
        };
        let table = TableBuilder::new(ui).scroll_bar_visibility(ScrollBarVisibility::AlwaysHidden);
        match self.to {
            Some(y) => table.vertical_scroll_offset(y),
            None => table,
        }
    }
}

/// What [`RowsBar::show`] gives back.
pub struct Shown<R> {
    /// What the content returned.
    pub inner: R,
    /// The pointer is on the bar's strip or drags the bar: the user is scrolling the rows.
    pub in_use: bool,
    /// Where the rows are, the bar's strip included, their header not (`None` without a
    /// table): where a turn of the wheel scrolls them.
    pub rows: Option<Rect>,
}

impl RowsBar {
    /// The bar of the table under `id_salt` in `ui`, named `label`.
    pub fn new(ui: &Ui, id_salt: &str, label: &'static str) -> Self {
        let id = ui.make_persistent_id(id_salt);
        let memory = ui.ctx().data_mut(|d| d.get_temp::<Memory>(id));
        Self {
            id,
            label,
            new: memory.is_none(),
            memory: memory.unwrap_or_default(),
            expected: None,
        }
    }

    /// Whether the rows will not fit, as the caller reckons it from their number and height.
    /// When the table is new on screen (a capture's first results, the first selected
    /// offender), the bar's strip is laid out from this rather than found missing after
    /// laying the table out, which costs the whole window a second pass in that frame, when
    /// it is slowest already (its text laid out for the first time). A wrong reckoning costs
    /// that second pass, as none does.
    pub fn expecting(mut self, needed: bool) -> Self {
        self.expected = Some(needed);
        self
    }

    /// The rows scrolled to the first in this frame (the table shows other rows than before).
    pub fn from_top(mut self) -> Self {
        self.memory.to = Some(0.0);
        self.memory.grab = None;
        self
    }

    /// Lays out `add` (the sideways scroll area around the table) in the rest of `ui`, less
    /// a strip at the right for the bar when the rows do not all fit, then draws the bar
    /// beside the table's body. `add` builds the table with [`Rows::table`] and returns what
    /// its body returned (`None` when it drew no table).
    pub fn show<R>(
        self,
        ui: &mut Ui,
        add: impl FnOnce(&mut Ui, Rows) -> (R, Option<ScrollAreaOutput<()>>),
    ) -> Shown<R> {
        let Self {
            id,
            label,
            mut memory,
            new,
            expected,
        } = self;
        let style = ui.spacing().scroll;
        let region = ui.available_rect_before_wrap();
        if let Some(needed) = expected.filter(|_| new) {
            memory.needed = needed;
        }
        let strip = if memory.needed {
            style.allocated_width()
        } else {
            0.0
        };
        let rows = Rows {
            to: memory.to.take(),
        };
        let mut content = region;
        content.max.x -= strip;
        let (inner, body) = ui
            .scope_builder(UiBuilder::new().max_rect(content), |ui| add(ui, rows))
            .inner;
        let needed = body
            .as_ref()
            .is_some_and(|b| b.content_size.y > b.inner_rect.height().ceil());
        let rows = body
            .as_ref()
            .map(|b| Rect::from_x_y_ranges(region.x_range(), b.inner_rect.y_range()));
        let mut in_use = false;
        if needed != memory.needed {
            // Laid out again at once with (or without) the strip, as egui lays out a table
            // whose size it did not know (in the next frame if egui declines another pass).
            memory.needed = needed;
            memory.grab = None;
            ui.ctx().request_discard("the rows bar came or went");
            ui.ctx().request_repaint();
        } else if let Some(body) = body.filter(|_| needed) {
            let x = egui::Rangef::new(
                content.max.x + style.bar_inner_margin,
                region.max.x - style.bar_outer_margin,
            );
            let track = Rect::from_x_y_ranges(x, body.inner_rect.y_range());
            in_use = bar(ui, id, label, style, track, &body, &mut memory);
        }
        ui.ctx().data_mut(|d| d.insert_temp(id, memory));
        Shown {
            inner,
            in_use,
            rows,
        }
    }
}

/// Draws the bar on `track` for `body` and reads the pointer on it, as egui's solid bar:
/// the handle's size and place are the rows in view; dragging the handle scrolls; a press on
/// the track puts the handle's centre there; the wheel over it scrolls. What moves the rows
/// is kept in `memory.to` for the next frame. True when the bar is hovered or dragged.
fn bar(
    ui: &mut Ui,
    id: Id,
    label: &'static str,
    style: ScrollStyle,
    track: Rect,
    body: &ScrollAreaOutput<()>,
    memory: &mut Memory,
) -> bool {
    let content = body.content_size.y;
    let view = body.inner_rect.height();
    let max_offset = (content - view).max(0.0);
    let mut offset = body.state.clamped_offset().y;
    let enabled = ui.is_enabled();
    // Pressed and dragged, never a Tab stop: it would show nothing with the keyboard, which
    // has no use for it (the arrows and Page Up/Down move through the rows).
    let sense = if enabled {
        Sense::CLICK | Sense::DRAG
    } else {
        Sense::hover()
    };
    let response = ui.interact(track, id.with("bar"), sense);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ScrollBar, enabled, label));
    let handle = |offset: f32| {
        let from_content =
            |y: f32| egui::remap_clamp(y, 0.0..=content, track.top()..=track.bottom());
        let size = (from_content(offset + view) - from_content(offset))
            .max(style.handle_min_length)
            .min(track.height());
        let top = egui::remap_clamp(
            offset,
            0.0..=max_offset,
            track.top()..=(track.bottom() - size),
        );
        Rect::from_x_y_ranges(track.x_range(), top..=top + size)
    };
    let before = offset;
    if let Some(pointer) = response.interact_pointer_pos() {
        let now = handle(offset);
        let grab = *memory.grab.get_or_insert_with(|| {
            if now.contains(pointer) {
                pointer.y - now.top()
            } else {
                // A press on the track: the handle's centre goes there.
                let top = (pointer.y - now.height() / 2.0)
                    .clamp(track.top(), track.bottom() - now.height());
                pointer.y - top
            }
        });
        let travel = track.top()..=(track.bottom() - now.height());
        offset = if travel.start() >= travel.end() {
            0.0
        } else {
            egui::remap_clamp(pointer.y - grab, travel, 0.0..=max_offset)
        };
    } else {
        memory.grab = None;
        if response.hovered() {
            let wheel = ui.input_mut(|i| std::mem::take(&mut i.smooth_scroll_delta.y));
            offset = (offset - wheel).clamp(0.0, max_offset);
        }
    }
    if offset != before {
        memory.to = Some(offset);
        ui.ctx().request_repaint();
    }
    if ui.is_rect_visible(track) {
        // Where the rows will be: the handle does not lag the pointer by a frame.
        let handle = handle(offset);
        let visuals = ui.visuals();
        let widget = if response.is_pointer_button_down_on() {
            &visuals.widgets.active
        } else if response.hovered() && response.hover_pos().is_some_and(|p| handle.contains(p)) {
            &visuals.widgets.hovered
        } else {
            &visuals.widgets.inactive
        };
        let fill = if style.foreground_color {
            widget.fg_stroke.color
        } else {
            widget.bg_fill
        };
        let painter = ui.painter();
        painter.rect_filled(track, widget.corner_radius, visuals.extreme_bg_color);
        painter.rect_filled(handle, widget.corner_radius, fill);
    }
    response.hovered() || response.dragged() || response.is_pointer_button_down_on()
}
