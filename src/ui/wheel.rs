//! Which scroll area a turn of the mouse wheel scrolls. A short window scrolls the results as
//! a whole, with the offenders table and the details' lists scrolling inside them; egui gives
//! each frame's share of the wheel to the innermost area under the pointer, so a turn that
//! began over the headline scrolled the page until the table came under the pointer, and the
//! rest of the turn scrolled the table. Here a turn keeps to the area under the pointer when
//! it began, as browsers latch the wheel: the page, or an area marked by
//! [`area`](crate::ui::wheel::area), which still hands the wheel on to the page at its end
//! (egui's chaining), but no other area takes it.
//!
//! A turn ends when the wheel has been still for [`TURN_GAP`](crate::ui::wheel::TURN_GAP)
//! (and egui's smoothing of it is over) or the pointer moves.

use eframe::egui::{self, Id, Pos2, Rect, Vec2};

/// Seconds without a wheel event after which the next one starts a new turn.
pub const TURN_GAP: f64 = 0.5;
/// How far the pointer moves (points) before the next wheel event starts a new turn.
const MOVED: f32 = 8.0;

/// What the latch keeps between frames (egui's temporary memory).
#[derive(Clone, Debug, Default)]
struct Latch {
    /// The areas marked in the last pass, where they were shown (clipped).
    shown: Vec<(&'static str, Rect)>,
    /// The areas marked in this pass so far.
    marking: Vec<(&'static str, Rect)>,
    /// The turn under way: `None` for the page, else the area it keeps to.
    turn: Option<Option<&'static str>>,
    /// Where the pointer was when the turn began.
    at: Pos2,
    /// When its last wheel event came (egui time).
    last: f64,
}

fn id() -> Id {
    Id::unique("rstscope-wheel-latch")
}

/// Called at the start of each pass, before any scroll area: a wheel event after a pause (or
/// with the pointer moved) starts a turn, kept to the innermost marked area under the pointer
/// as the last pass showed them, or to the page.
pub fn begin_pass(ctx: &egui::Context) {
    let (wheel, pointer, time, scrolling) = ctx.input(|i| {
        let wheel = i.events.iter().any(|e| {
            matches!(e, egui::Event::MouseWheel { modifiers, .. }
                // Ctrl+wheel zooms (the plot): not a scroll.
                if !modifiers.ctrl && !modifiers.command)
        });
        (wheel, i.pointer.hover_pos(), i.time, i.is_scrolling())
    });
    ctx.data_mut(|d| {
        let latch = d.get_temp_mut_or_default::<Latch>(id());
        latch.shown = std::mem::take(&mut latch.marking);
        let pause = time - latch.last > TURN_GAP;
        if wheel {
            let moved = pointer.is_some_and(|p| p.distance(latch.at) > MOVED);
            if latch.turn.is_none() || pause || moved {
                latch.at = pointer.unwrap_or(latch.at);
                latch.turn = Some(innermost(&latch.shown, pointer));
            }
            latch.last = time;
        } else if pause && !scrolling {
            latch.turn = None;
        }
    });
}

/// The smallest marked area that holds `pointer` (areas marked inside another lie within it).
fn innermost(shown: &[(&'static str, Rect)], pointer: Option<Pos2>) -> Option<&'static str> {
    let p = pointer?;
    shown
        .iter()
        .filter(|(_, r)| r.contains(p))
        .min_by(|a, b| a.1.area().total_cmp(&b.1.area()))
        .map(|(key, _)| *key)
}

/// True when `key` may take the wheel in the turn `turn`: the turn keeps to it or to an area
/// inside it (`details` holds `details/packets`), whose wheel egui hands on to it at its end.
fn takes(turn: Option<&'static str>, key: &str) -> bool {
    turn.is_some_and(|t| t == key || t.strip_prefix(key).is_some_and(|r| r.starts_with('/')))
}

/// Shows `add` as the scrolling area `key` (paths: `details/packets` lies inside `details`),
/// where it is drawn: see [`shielded`].
pub fn area<R>(ui: &mut egui::Ui, key: &'static str, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let shown = ui.scope(|ui| shielded(ui, key, add));
    mark(ui, key, shown.response.rect);
    shown.inner
}

/// Shows `add`, the scrolling area `key`: during a turn of the wheel that keeps to another
/// area or to the page, `add` does not see the wheel, which goes on to the page around it.
/// Where the area is, for the next turn, is said by [`mark`].
pub fn shielded<R>(
    ui: &mut egui::Ui,
    key: &'static str,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let turn = ui
        .ctx()
        .data(|d| d.get_temp::<Latch>(id()).and_then(|l| l.turn));
    let shielded = turn.is_some_and(|t| !takes(t, key));
    let held = if shielded {
        ui.input_mut(|i| std::mem::take(&mut i.smooth_scroll_delta))
    } else {
        Vec2::ZERO
    };
    let inner = add(ui);
    if shielded {
        ui.input_mut(|i| i.smooth_scroll_delta += held);
    }
    inner
}

/// Says that the scrolling area `key` lies at `rect` (as far as `ui` shows it): a turn of
/// the wheel that begins there keeps to it.
pub fn mark(ui: &egui::Ui, key: &'static str, rect: Rect) {
    let rect = rect.intersect(ui.clip_rect());
    ui.ctx().data_mut(|d| {
        d.get_temp_mut_or_default::<Latch>(id())
            .marking
            .push((key, rect));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_kept_to_an_area_reaches_the_areas_around_it_only() {
        assert!(takes(Some("details/packets"), "details/packets"));
        assert!(takes(Some("details/packets"), "details"));
        assert!(!takes(Some("details/packets"), "details/connections"));
        assert!(!takes(Some("details/packets"), "offenders"));
        assert!(!takes(Some("details"), "details/packets"));
        assert!(!takes(Some("detailsx"), "details"));
        assert!(!takes(None, "offenders"), "a turn of the page");
    }

    #[test]
    fn the_innermost_area_under_the_pointer_is_latched() {
        let details = Rect::from_min_max(egui::pos2(0.0, 300.0), egui::pos2(800.0, 600.0));
        let packets = Rect::from_min_max(egui::pos2(400.0, 450.0), egui::pos2(800.0, 600.0));
        let shown = [("details", details), ("details/packets", packets)];
        let at = |x, y| innermost(&shown, Some(egui::pos2(x, y)));
        assert_eq!(at(500.0, 500.0), Some("details/packets"));
        assert_eq!(at(100.0, 500.0), Some("details"));
        assert_eq!(at(100.0, 100.0), None, "the page");
    }
}
