//! The rate plot: resets per second stacked by cause and failed attempts per second (steps,
//! one value per second or bucket), on packet time. Dragging selects a time range (it filters
//! the tables), right-drag zooms to a box, the wheel pans, Ctrl+wheel zooms, a double click
//! resets the view. Long captures are drawn in buckets of several seconds (averaged per
//! second) so a frame stays cheap. Causes hidden from the legend stay counted there, struck
//! through, with a note by the plot, and come back with the next capture. Files given together
//! that lie far apart in time are drawn side by side, each long gap left out of the time axis
//! and marked by a break ([`axis`](crate::ui::plot::axis)).

use std::ops::RangeInclusive;
use std::sync::Arc;

use chrono::{Local, TimeZone};
use eframe::egui::{self, Color32, RichText, Stroke};
use egui_plot::{
    Bar, BarChart, GridInput, GridMark, HoverPosition, Line, LineStyle, Plot, PlotPoints, Span,
};

use crate::analysis::Analysis;
use crate::engine::{Cause, Offender, Scan, ScanKind, SecondCounts, Totals};
use crate::packet::Timestamp;
use crate::report::{self, Clock};
use crate::ui::fonts;
use crate::ui::status::thousands;
use crate::ui::{one_line_width, small_button_width};

/// Packet time to plot x and back, with the long gaps of files far apart left out.
pub mod axis;

pub use axis::TimeAxis;

/// Bucket widths in seconds, the natural steps of a time axis.
const STEPS: [i64; 20] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172_800, 604_800,
];
/// Least width of a bucket on screen, in points.
const MIN_BUCKET_POINTS: f64 = 4.0;

/// The colour of a cause, the same in the plot, its legend and the table.
pub fn cause_color(c: Cause) -> Color32 {
    match c {
        Cause::Refused => Color32::from_rgb(0xd6, 0x3a, 0x2f),
        Cause::HandshakeReset => Color32::from_rgb(0xf0, 0x8c, 0x1c),
        Cause::AfterClose => Color32::from_rgb(0x8c, 0x8c, 0x8c),
        Cause::Abort => Color32::from_rgb(0x8e, 0x4f, 0xc9),
        Cause::Stray => Color32::from_rgb(0x2b, 0x9c, 0x9a),
    }
}

/// The colour of the packets the capturing host dropped, apart from the causes' (those
/// packets are no resets) and the failed attempts' line.
pub const DROPPED_COLOR: Color32 = Color32::from_rgb(0x9c, 0x9c, 0x1e);

/// The legend's item of the packets the capturing host dropped, before its count.
const DROPPED: &str = "dropped";

/// The colour of the attempts answered only after their SYNs were sent again, apart from the
/// causes' (they are no resets), the drops' and the failed attempts' line.
pub const LATE_COLOR: Color32 = Color32::from_rgb(0xc8, 0x4b, 0x9e);

/// The legend's item of the attempts answered late, before its count.
const LATE: &str = "answered late";

/// The side of a [`swatch`], in points.
pub const SWATCH: f32 = 10.0;

/// The plot legend's title.
const LEGEND_TITLE: &str = "Resets per second by cause";

/// [`LEGEND_TITLE`] in short, where the whole would cost the legend a second line (the
/// plot's axis says "per second", and the causes' names tell what they are).
const LEGEND_TITLE_SHORT: &str = "Resets:";

/// The causes with no reset as one item of the legend, where the legend would wrap.
const OTHER_CAUSES: &str = "other causes 0";

/// How the plot legend is written ([`PlotView::legend_form`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct LegendForm {
    /// [`LEGEND_TITLE`] or [`LEGEND_TITLE_SHORT`].
    title: &'static str,
    /// The causes with no reset are one item, [`OTHER_CAUSES`], not a toggle each.
    merged: bool,
    /// That item is left out: the plot is folded (nothing of theirs drawn to toggle) in a
    /// width where it would take the legend a second line.
    others_left_out: bool,
}

/// A small square of a cause's colour, as in the plot's legend, before a label `height`
/// points high: centred on the label's height, not on the line's, so that a square that
/// starts a wrapped line (whose height is its first item's) sits beside its text, not above.
pub fn swatch(ui: &mut egui::Ui, color: Color32, height: f32) {
    let (rect, _) =
        ui.allocate_exact_size(egui::vec2(SWATCH, height.max(SWATCH)), egui::Sense::hover());
    let square = egui::Rect::from_center_size(rect.center(), egui::vec2(SWATCH, SWATCH));
    ui.painter().rect_filled(square, 2.0, color);
}

/// The colour of the failed-attempts line.
fn failed_color(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(0x7c, 0xb7, 0xff)
    } else {
        Color32::from_rgb(0x1f, 0x4e, 0xa8)
    }
}

/// Per-second counts put in buckets of `width` seconds over `[start, start + n * width)`,
/// drawn `shift` seconds earlier on the plot's x axis (a stretch of time after a left-out gap).
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    /// First second of the first bucket.
    pub start: i64,
    /// Packet second minus plot x (see [`axis::Stretch::shift`]); 0 without left-out gaps.
    pub shift: i64,
    /// Seconds per bucket.
    pub width: i64,
    /// RSTs by cause, per bucket (sums, not rates).
    pub rst: Vec<[u32; 5]>,
    /// Failed attempts per bucket.
    pub failed: Vec<u32>,
    /// TCP packets the capturing host dropped, per bucket.
    pub dropped: Vec<u32>,
    /// Attempts answered only after their SYNs were sent again, per bucket.
    pub late: Vec<u32>,
    /// Incidents per bucket.
    pub incidents: Vec<u32>,
    /// The kernel's failed connects (AttemptFails) per bucket, when the machine was sampled.
    pub kernel_failed: Option<Vec<u64>>,
    /// The RSTs the kernel sent (OutRsts) per bucket, when the machine was sampled.
    pub kernel_rsts: Option<Vec<u64>>,
}

impl Buckets {
    /// Buckets of `width` seconds covering the seconds `from..=to` of a sparse, sorted series.
    pub fn new(series: &[(i64, SecondCounts)], width: i64, from: i64, to: i64) -> Self {
        let width = width.max(1);
        let start = from.div_euclid(width) * width;
        let n = ((to.max(start) - start) / width + 1) as usize;
        let mut b = Self {
            start,
            shift: 0,
            width,
            rst: vec![[0; 5]; n],
            failed: vec![0; n],
            dropped: vec![0; n],
            late: vec![0; n],
            incidents: vec![0; n],
            kernel_failed: None,
            kernel_rsts: None,
        };
        let first = series.partition_point(|(s, _)| *s < start);
        for (s, c) in series[first..].iter().take_while(|(s, _)| *s <= to) {
            let i = ((s - start) / width) as usize;
            for (t, v) in b.rst[i].iter_mut().zip(c.rst) {
                *t += v;
            }
            b.failed[i] += c.failed();
            b.dropped[i] += c.dropped;
            b.late[i] += c.late;
            b.incidents[i] += c.incidents;
        }
        b
    }

    /// The same buckets drawn `shift` seconds earlier on the x axis.
    pub fn shifted(self, shift: i64) -> Self {
        Self { shift, ..self }
    }

    /// Adds the kernel's per-second AttemptFails and OutRsts (sparse, sorted) over the same
    /// buckets.
    pub fn with_kernel(mut self, failed: &[(i64, u64)], rsts: &[(i64, u64)]) -> Self {
        self.kernel_failed = Some(self.spread(failed));
        self.kernel_rsts = Some(self.spread(rsts));
        self
    }

    fn spread(&self, points: &[(i64, u64)]) -> Vec<u64> {
        let end = self.start + self.width * self.failed.len() as i64;
        let mut k = vec![0u64; self.failed.len()];
        for &(s, n) in points.iter().filter(|(s, _)| (self.start..end).contains(s)) {
            k[((s - self.start) / self.width) as usize] += n;
        }
        k
    }

    /// The bucket drawn at plot x `x`, if any.
    pub fn index_of(&self, x: f64) -> Option<usize> {
        let x = x + self.shift as f64;
        let i = ((x.floor() as i64 - self.start).div_euclid(self.width)) as usize;
        (x >= self.start as f64 && i < self.failed.len()).then_some(i)
    }

    /// The first second of bucket `i`.
    pub fn second(&self, i: usize) -> i64 {
        self.start + i as i64 * self.width
    }

    /// Where bucket `i` begins on the plot's x axis.
    pub fn x(&self, i: usize) -> f64 {
        (self.second(i) - self.shift) as f64
    }
}

/// What the plot says where there is no TCP packet to draw: none yet while the capture is
/// read, else why there is none ([`report::no_tcp_text`], which the terminal report says too).
pub fn no_tcp_text(c: &crate::analysis::CaptureInfo, loading: bool) -> String {
    if loading {
        return "No TCP packets yet.".to_owned();
    }
    report::no_tcp_text(c)
}

/// The smallest bucket width that keeps buckets `MIN_BUCKET_POINTS` wide when `span` seconds
/// are `points` wide.
pub fn bucket_width(span: f64, points: f64) -> i64 {
    let wanted = span * MIN_BUCKET_POINTS / points.max(1.0);
    STEPS
        .iter()
        .copied()
        .find(|&s| s as f64 >= wanted)
        .unwrap_or(STEPS[STEPS.len() - 1])
}

/// What the buckets were made from.
#[derive(Debug, Clone, PartialEq)]
struct BucketsKey {
    /// The capture and its result (`Source::version`).
    version: (u64, u64),
    width: i64,
    from: i64,
    to: i64,
    /// The highlighted row's name (an endpoint's, or a scan's).
    highlight: Option<String>,
}

/// The plot's state between frames.
#[derive(Default)]
pub struct PlotView {
    key: Option<BucketsKey>,
    /// The capture's time axis, with the version it was made for.
    axis: Option<((u64, u64), TimeAxis)>,
    /// The buckets in view, a piece per stretch of time (one without left-out gaps).
    all: Vec<Buckets>,
    /// The selected offender's, the same pieces.
    highlight: Vec<Buckets>,
    /// Visible x range of the last frame, and whether it followed the data.
    last_view: Option<(f64, f64, bool)>,
    drag_from: Option<f64>,
    /// Where the y axis's numbers and title were drawn in the last frame: a drag begun there
    /// selects as one begun inside the plot does.
    y_axis: Option<egui::Rect>,
    reset: bool,
    /// Causes the user hid (by `Cause::index`); for this capture only.
    hidden: [bool; 5],
    /// The failed-attempts line is hidden; for this capture only.
    hide_failed: bool,
    /// The dropped packets' bars are hidden; for this capture only.
    hide_dropped: bool,
    /// The late answers' bars are hidden; for this capture only.
    hide_late: bool,
    /// Where the last frame put the time labels of stretches between gaps that the axis gave
    /// none ([`stretch_labels`]), in x: the axis leaves its own labels out of there.
    stretch_label_room: Vec<(f64, f64)>,
    /// How the legend was laid out for this capture at this width.
    legend_hold: LegendHold,
    /// The height of the plot's frame, along which the rate axis's title is written, as the
    /// last frame drew it, for the plot's height and compactness it was drawn at.
    rate_room: Option<(f32, bool, f32)>,
    /// The legend's heading was clicked: the plot is to be folded or unfolded.
    fold_toggled: bool,
}

/// The legend's lines as they were laid out for one capture at one width, kept while its
/// counts grow: a live capture's legend that took a line more as "20" became "3,020" moved
/// the plot and the table down under the user's pointer, and a click meant for a row landed
/// on the one above it.
#[derive(Default)]
struct LegendHold {
    /// The capture (its id), the legend's width in whole points it was laid out for, and
    /// whether the kernel's comparison is said on the hover of the kernel's counts
    /// ([`PlotInput::note_on_hover`]): its line taken or given back lays the legend out
    /// afresh.
    key: Option<(u64, u32, bool)>,
    /// The tallest the legend's lines have been (0: not laid out yet): they never take less.
    height: f32,
    /// The kernel's comparison has had its place in the legend: its line was chosen then.
    note_placed: bool,
    /// That place is on a line of its own (see [`coverage_note`]), or beside the kernel's
    /// counts on theirs, under the legend's other items.
    note_own_line: bool,
    /// With the comparison on the counts' hover: the counts are on the legend's line, cut
    /// shorter as they grow, as they were placed first (see [`PlotView::legend`]).
    counts_inline: Option<bool>,
    /// A live capture's wrapped form, chosen where the legend first wrapped: its items then
    /// keep their places while the counts grow and at Stop.
    form: Option<LegendForm>,
}

impl LegendHold {
    /// The hold for `capture` at `width`, the comparison on hover or not, afresh where any
    /// changed.
    fn for_layout(&mut self, capture: u64, width: f32, note_on_hover: bool) -> &mut Self {
        let key = Some((capture, width.round() as u32, note_on_hover));
        if self.key != key {
            *self = Self {
                key,
                ..Self::default()
            };
        }
        self
    }
}

/// What the plot shows this frame.
pub struct PlotInput<'a> {
    /// The analysis.
    pub analysis: &'a Analysis,
    /// The capture and its result: a change rebuilds the buckets.
    pub version: (u64, u64),
    /// The selected row's offender (whole capture; a scan's targets folded into one), drawn
    /// over the others, and the row's name as the table writes it.
    pub highlight: Option<(&'a Offender, &'a str)>,
    /// Height of the plot area.
    pub height: f32,
    /// A short window: the time axis's title (the clock and its zone) is said on the line
    /// above the plot instead of on a line of its own under it, for the details' rows.
    pub compact: bool,
    /// The capture is still being read (or captured): no TCP packet is no TCP packet *yet*.
    pub loading: bool,
    /// Say the kernel's counters compared with the capture's in the legend, after the
    /// kernel's line (not where "This machine" shows this capture's readings and says it).
    pub kernel_note: bool,
    /// Keep the kernel's counts on the legend's line, cut shorter as they must (whole on
    /// hover), and, with `kernel_note`, say the comparison on their hover, whole, rather than
    /// on a line of the legend's own. The app's held choice where that line would cost the
    /// table's rows or the details' first connection (800x600: no connection row was in
    /// view after Stop; beside "This machine", the counts alone on a line, the same);
    /// [`PlotView::note_line`] tells it where the legend put them.
    pub note_on_hover: bool,
    /// The user folded the plot by its heading ([`PlotView::take_fold_toggle`]): the legend
    /// alone, with its counts by cause, and the time range selected if any; no plot.
    pub folded: bool,
    /// Folded by the app, not the user: the window is too short for the plot beside the
    /// table's first rows and the selected offender's diagnosis. The heading says so on
    /// hover, and a click shows the plot anyway.
    pub for_room: bool,
    /// A live capture, running or stopped: its legend's wrapped form is chosen once for the
    /// capture and the width, its kernel's counts counted in its lines, and held while the
    /// counts grow and at Stop, as its lines are.
    pub live: bool,
}

impl PlotView {
    /// Goes back to the whole capture on the next frame.
    pub fn reset_view(&mut self) {
        self.reset = true;
    }

    /// A new capture: the whole of it, every cause shown.
    pub fn new_capture(&mut self) {
        self.reset_view();
        self.hidden = [false; 5];
        self.hide_failed = false;
        self.hide_dropped = false;
        self.hide_late = false;
    }

    fn cause_shown(&self, c: Cause) -> bool {
        !self.hidden[c.index()]
    }

    /// Whether the legend's heading was clicked since the last call: the app folds or unfolds
    /// the plot, and remembers it ([`crate::ui::Settings::plot_folded`]).
    pub fn take_fold_toggle(&mut self) -> bool {
        std::mem::take(&mut self.fold_toggled)
    }

    /// Where the last frame's legend, laid out for `capture` with the kernel's comparison in
    /// it ([`PlotInput::note_on_hover`] false), put the comparison: `Some(true)` on a line of
    /// its own, or beside the kernel's counts on a line of theirs, under the legend's other
    /// items (an 800-point window's); `Some(false)` on their line; `None` before it has its
    /// place (no TCP to plot; the kernel not read where this machine was sampled without it:
    /// not yet sampled, its place is laid out). Where "This machine" says the comparison (no
    /// `kernel_note`), where the kernel's counts went: `Some(true)` on a line of their own, or
    /// on a line they will not fit on as a running capture's counts grow.
    pub fn note_line(&self, capture: u64) -> Option<bool> {
        let hold = &self.legend_hold;
        let laid_out = hold.key.is_some_and(|(c, _, hover)| c == capture && !hover);
        (laid_out && hold.note_placed).then_some(hold.note_own_line)
    }

    /// One line that sums the capture up: resets, failed attempts, their rate, offenders; or,
    /// without a TCP packet, why there is none (`loading`: none *yet*). "0 resets and 0 failed
    /// connection attempts" over a capture whose frames could not be decoded read as an
    /// all-clear where nothing could be counted. Under it, with `kernel_note` and no TCP packet
    /// (no legend to say it in, [`PlotInput::kernel_note`]), the kernel's counters compared
    /// with the capture's: why a capture of the wrong interface shows nothing, when the kernel
    /// counts failures.
    ///
    /// `one_line` (a live capture, running or stopped; a window too short for the headline's
    /// second line): the headline keeps to one line, the rest cut off and whole on hover (and
    /// to a screen reader). A live capture's counts grow with every frame: a second line taken
    /// mid-capture moved the plot and the table down under the user's pointer, and one taken
    /// at Stop moved them under the pointer that just stopped it.
    pub fn headline(
        ui: &mut egui::Ui,
        a: &Analysis,
        loading: bool,
        kernel_note: bool,
        one_line: bool,
    ) {
        let label = egui::Label::new(headline_rich(a, loading));
        ui.add(if one_line { label.truncate() } else { label });
        if let Some(c) = a
            .host
            .as_ref()
            .and_then(|h| h.coverage.as_ref())
            .filter(|_| kernel_note && a.snapshot.totals.first_ts.is_none())
        {
            ui.label(RichText::new(&c.note).color(ui.visuals().text_color()));
        }
    }

    /// The height the [headline](PlotView::headline) takes past its first line, wrapped in
    /// `width` points: what keeping it to one line saves.
    pub fn headline_wrap(ui: &egui::Ui, a: &Analysis, loading: bool, width: f32) -> f32 {
        let height = |mode, width| {
            egui::WidgetText::from(headline_rich(a, loading))
                .into_galley(ui, Some(mode), width, egui::FontSelection::Default)
                .size()
                .y
        };
        (height(egui::TextWrapMode::Wrap, width)
            - height(egui::TextWrapMode::Extend, f32::INFINITY))
        .max(0.0)
    }

    /// The legend with its toggles, and the plot; nothing without a TCP packet (the headline
    /// says why there is none: a legend of zeros would only repeat them).
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        input: &PlotInput<'_>,
        clock: Clock,
        range: &mut Option<(i64, i64)>,
    ) {
        // A live capture's plot runs from its start to now: a quiet spell after the last
        // reset is seen as one.
        let Some((first, last)) = input.analysis.span() else {
            return;
        };
        self.update_axis(input, first.second(), last.second());
        self.legend(ui, input, clock, range);
        if input.folded {
            return;
        }
        let Some(axis) = self.axis.as_ref().map(|(_, a)| a.clone()) else {
            return;
        };
        let (d0, d1) = (first.second(), last.second());
        let width_points = f64::from(ui.available_width());
        let (v0, v1, follow) = match self.last_view {
            Some((a, b, false)) if !self.reset => (a, b, false),
            _ => (axis.x(d0 as f64), axis.x((d1 + 1) as f64), true),
        };
        let span = (v1 - v0).max(1.0);
        let width = bucket_width(span, width_points).min(widest_bucket(&axis));
        let (from, to) = if follow {
            (d0, d1)
        } else {
            // One screen either side, so that panning does not rebuild at once.
            (
                (axis.time(v0 - span).floor() as i64).max(d0),
                (axis.time(v1 + span).ceil() as i64).min(d1),
            )
        };
        self.rebucket(input, &axis, width, from, to.max(from));
        let dark = ui.visuals().dark_mode;
        if self.all.is_empty() {
            return;
        }
        let all = &self.all;
        // Headroom over the highest bar or line, so the failed-attempts line on top of a
        // steady band of refusals stays visible.
        let top = all
            .iter()
            .flat_map(|b| b.rst.iter().zip(&b.failed).zip(&b.dropped).zip(&b.late))
            .map(|(((r, &f), &d), &l)| {
                let shown: u32 = Cause::ALL
                    .iter()
                    .filter(|c| self.cause_shown(**c))
                    .map(|c| r[c.index()])
                    .sum();
                let dropped = if self.hide_dropped { 0 } else { d };
                let late = if self.hide_late { 0 } else { l };
                (shown + dropped + late).max(f)
            })
            .max()
            .unwrap_or(0);
        let top = f64::from(top) / width as f64;
        let offset = utc_offset_secs(clock, first);
        let axis_label = if input.compact {
            String::new()
        } else {
            axis_title(clock, first)
        };
        // The rate axis's title is written along the plot's frame, the height that the time
        // axis's labels (and its title, under the plot) leave: measured on the whole height,
        // "/s (average of 2 s)" went past the frame's top, over the line above the plot
        // (800x600, a capture of 4 minutes). As the last frame drew the frame at this height;
        // before that, as reckoned from the time axis's lines.
        let time_lines = if axis_label.is_empty() { 1.0 } else { 2.0 };
        let reckoned = input.height - time_lines * ui.text_style_height(&egui::TextStyle::Body);
        let frame_height = (self.rate_room)
            .filter(|&(height, compact, _)| height == input.height && compact == input.compact)
            .map_or(reckoned, |(_, _, frame)| frame);
        let measure = |t: &str| one_line_width(ui, t, egui::TextStyle::Body);
        let per = rate_title(width, frame_height - RATE_TITLE_MARGIN, measure);
        let highlight = &self.highlight;
        let highlight_name = input.highlight.map(|(_, name)| name.to_owned());
        let highlight_from = input.highlight.and_then(|(o, _)| o.series_from);
        let dated = axis_dated(clock, &axis);
        let sample = axis_time(clock, axis.time(v0), &(v0..=v1), dated);
        let label_width = f64::from(one_line_width(ui, sample, egui::TextStyle::Body));
        let hover = Hover {
            all,
            highlight,
            name: highlight_name.as_deref().map(|n| (n, highlight_from)),
            axis: &axis,
            clock,
        };
        // The time labels given to the axis, which draws those with room (see
        // `drawn_time_labels`): a stretch with bars and none of them gets one of its own.
        let axis_marks = std::cell::RefCell::new(Vec::new());
        // Those it left out for a stretch's own label's room (see `stretch_labels`).
        let yielded_marks = std::cell::RefCell::new(Vec::new());
        // Those it left out for reaching back over a break, drawn from the break's end (see
        // `shifted_labels`).
        let shifted_marks = std::cell::RefCell::new(Vec::new());
        let stretch_room = std::mem::take(&mut self.stretch_label_room);
        let mut plot = Plot::new("rates")
            .height(input.height)
            // Clicks and drags select, zoom and pan; no Tab stop (egui_plot's default is one),
            // where the keyboard showed nothing and could do nothing.
            .sense(egui::Sense::CLICK | egui::Sense::DRAG)
            .allow_zoom([true, false])
            .allow_scroll([true, false])
            .allow_drag([true, false])
            // Not the y axis: a drag begun over its numbers selects (below).
            .allow_axis_zoom_drag([true, false])
            .pan_pointer_button(egui::PointerButton::Middle)
            .allow_boxed_zoom(true)
            .include_y(0.0)
            .include_y(rate_top(top, width == 1) * 1.2)
            // Room at both ends for the first and last time labels.
            .set_margin_fraction(egui::vec2(0.04, 0.05))
            .y_axis_label(per.clone())
            .x_axis_label(axis_label)
            .y_axis_min_width(36.0)
            .y_grid_spacer(move |g| rate_grid(g, width == 1))
            .y_axis_formatter(|mark, _| rate_label(mark.value, mark.step_size))
            .x_grid_spacer(|g| stretch_grid(g, offset, &axis, label_width))
            .x_axis_formatter(|mark, range| {
                // A label that would be cut at the right edge: leave it out; and one that
                // would run into a break or the next stretch's labels.
                let span = range.end() - range.start();
                let label = label_width * span / (width_points * 0.95).max(1.0);
                let (a, b) = (mark.value - label / 2.0, mark.value + label / 2.0);
                if cut_at_the_right(mark.value, range, label)
                    || near_a_break(&axis, mark.value, label)
                {
                    String::new()
                } else if stretch_room.iter().any(|&(l, r)| a < r && l < b) {
                    let text = axis_time(clock, axis.time(mark.value), range, dated);
                    yielded_marks
                        .borrow_mut()
                        .push((mark.value, mark.step_size, text));
                    String::new()
                } else if let Some(from) = back_over_a_break(&axis, mark.value, label) {
                    let text = axis_time(clock, axis.time(mark.value), range, dated);
                    shifted_marks.borrow_mut().push((mark.value, from, text));
                    String::new()
                } else {
                    let text = axis_time(clock, axis.time(mark.value), range, dated);
                    axis_marks
                        .borrow_mut()
                        .push((mark.value, mark.step_size, text.clone()));
                    text
                }
            })
            .label_formatter(|pos| {
                let x = match pos {
                    HoverPosition::NearDataPoint { position, .. }
                    | HoverPosition::Elsewhere { position } => position.x,
                };
                hover.text(x)
            });
        // A last stretch narrower than a time label (a second of a file far from the others):
        // room after it, so that its label is not left out as cut at the plot's edge.
        if let Some(last) = axis.stretches().last().filter(|_| !axis.is_plain()) {
            let label = label_width * span / (width_points * 0.95).max(1.0);
            if last.x_end() - last.x_from() < label {
                plot = plot.include_x(last.x_from() + 0.6 * label);
            }
        }
        if std::mem::take(&mut self.reset) {
            plot = plot.reset();
        }
        let shown = Stacked {
            causes: Cause::ALL
                .into_iter()
                .filter(|c| self.cause_shown(*c))
                .collect(),
            dropped: !self.hide_dropped,
            late: !self.hide_late,
        };
        let hide_failed = self.hide_failed;
        let mut drag_from = self.drag_from;
        let mut new_range = *range;
        let break_fill = if dark {
            Color32::from_rgba_unmultiplied(255, 255, 255, 18)
        } else {
            Color32::from_rgba_unmultiplied(0, 0, 0, 14)
        };
        // The y axis's strip, as a drag's start: a person aiming at the plot's left end
        // begins over its numbers (egui_plot's axis does not pass a drag on to the plot).
        let plot_left = ui.available_rect_before_wrap().left();
        let y_axis = self.y_axis.map(|rect| {
            ui.interact(
                rect,
                ui.scope_id().with("plot-y-axis-drag"),
                egui::Sense::DRAG,
            )
        });
        let from_axis = |how: fn(&egui::Response, egui::PointerButton) -> bool| {
            y_axis
                .as_ref()
                .is_some_and(|r| how(r, egui::PointerButton::Primary))
        };
        let response = plot.show(ui, |p| {
            for b in axis.breaks() {
                p.span(
                    Span::new("", b.x.0..=b.x.1)
                        .fill(break_fill)
                        .border(Stroke::new(
                            1.0,
                            Color32::from_gray(if dark { 150 } else { 120 }),
                        ))
                        .border_style(LineStyle::dashed_dense()),
                );
            }
            let faded = !highlight.is_empty();
            for (i, piece) in all.iter().enumerate() {
                add_stacked(p, piece, &shown, faded, "", i);
                if !hide_failed {
                    let color = failed_color(dark);
                    let line = failed_line(piece, "failed attempts/s", color).id(("failed", i));
                    p.line(if faded {
                        line.color(color.gamma_multiply(0.45))
                            .style(LineStyle::dashed_loose())
                    } else {
                        line
                    });
                }
                if !hide_failed && let Some(line) = kernel_line(piece, dark) {
                    p.line(line.id(("kernel", i)));
                }
                if let Some(line) = kernel_rst_line(piece) {
                    p.line(line.id(("kernel rst", i)));
                }
            }
            if let Some(name) = highlight_name.as_deref() {
                for (i, h) in highlight.iter().enumerate() {
                    add_stacked(p, h, &shown, false, name, i);
                    if !hide_failed {
                        p.line(
                            failed_line(
                                h,
                                &format!("{name} failed attempts/s"),
                                failed_color(dark),
                            )
                            .id(("highlight failed", i))
                            .width(2.5),
                        );
                    }
                }
            }
            let resp = p.response().clone();
            let pointer = p.pointer_coordinate().map(|c| c.x);
            let primary = egui::PointerButton::Primary;
            let started =
                resp.drag_started_by(primary) || from_axis(egui::Response::drag_started_by);
            let stopped =
                resp.drag_stopped_by(primary) || from_axis(egui::Response::drag_stopped_by);
            if started {
                drag_from = pointer;
            }
            // The frame of the release too: a quick hand's last move comes with it.
            if let (Some(a), Some(b)) = (drag_from, pointer)
                && (resp.dragged_by(primary) || from_axis(egui::Response::dragged_by) || stopped)
            {
                new_range = Some(second_range(&axis, a, b));
            }
            if stopped {
                drag_from = None;
            } else if resp.clicked_by(egui::PointerButton::Primary) {
                new_range = None;
            }
            if let Some((a, b)) = new_range {
                let fill = if dark {
                    Color32::from_rgba_unmultiplied(255, 255, 255, 28)
                } else {
                    Color32::from_rgba_unmultiplied(30, 80, 200, 30)
                };
                // Unnamed: egui_plot writes a span's name inside it, cut to "s..." or left out
                // in a narrow one; `selected_label` writes it whole, over the plot.
                p.span(
                    Span::new("", axis.x(a as f64)..=axis.x((b + 1) as f64))
                        .fill(fill)
                        .border(Stroke::new(1.0, fill.gamma_multiply(4.0))),
                );
            }
            (p.plot_bounds(), p.auto_bounds().x)
        });
        let frame = response.response.rect;
        if frame_height != frame.height() {
            self.rate_room = Some((input.height, input.compact, frame.height()));
            let measure = |t: &str| one_line_width(ui, t, egui::TextStyle::Body);
            if rate_title(width, frame.height() - RATE_TITLE_MARGIN, measure) != per {
                ui.ctx().request_repaint();
            }
        }
        self.y_axis = Some(egui::Rect::from_min_max(
            egui::pos2(plot_left, frame.top()),
            egui::pos2(frame.left(), frame.bottom()),
        ))
        .filter(|r| r.width() > 0.0);
        break_labels(ui, &axis, clock, &response.transform);
        if !axis.is_plain() {
            let mut drawn = drawn_time_labels(ui, &response.transform, axis_marks.into_inner());
            let shifted =
                shifted_labels(ui, &response.transform, shifted_marks.into_inner(), &drawn);
            drawn.extend(shifted);
            let yielded = drawn_time_labels(ui, &response.transform, yielded_marks.into_inner());
            let (lo, hi) = (response.inner.0.min()[0], response.inner.0.max()[0]);
            // The first second with counts among the bucket's (of 30 s, say), not its start.
            let series = &input.analysis.snapshot.series;
            let text = |from: i64, to: i64| {
                let at = series.partition_point(|(s, _)| *s < from);
                let counted = |c: &SecondCounts| {
                    c.rst_total() > 0 || c.failed() > 0 || c.dropped > 0 || c.late > 0
                };
                let second = (series[at..].iter())
                    .take_while(|(s, _)| *s < to)
                    .find(|(_, c)| counted(c))
                    .map_or(from, |(s, _)| *s);
                axis_time(clock, second as f64, &(lo..=hi), dated)
            };
            let t = &response.transform;
            let axis_labels = AxisLabels {
                drawn: &drawn,
                yielded: &yielded,
            };
            let room = stretch_labels(ui, &axis, all, axis_labels, &stretch_room, text, t);
            if room != stretch_room {
                ui.ctx().request_repaint();
            }
            self.stretch_label_room = room;
        }
        if let Some(selected) = new_range {
            selected_label(ui, &axis, selected, &response.transform);
        }
        self.drag_from = drag_from;
        *range = new_range;
        let (bounds, auto_x) = response.inner;
        self.last_view = Some((bounds.min()[0], bounds.max()[0], auto_x));
    }

    /// The time axis of this capture (kept while the capture and its result stay).
    fn update_axis(&mut self, input: &PlotInput<'_>, first: i64, last: i64) {
        if self.axis.as_ref().is_some_and(|(v, _)| *v == input.version) {
            return;
        }
        let gaps: Vec<(i64, i64)> =
            crate::pipeline::merged::long_gaps(&input.analysis.capture.files)
                .into_iter()
                .map(|(ended, began)| (ended.second(), began.second()))
                .collect();
        self.axis = Some((input.version, TimeAxis::new(first, last, &gaps)));
    }

    /// The time axis of the capture shown, once it has packets.
    pub fn axis(&self) -> Option<&TimeAxis> {
        self.axis.as_ref().map(|(_, a)| a)
    }

    fn rebucket(&mut self, input: &PlotInput<'_>, axis: &TimeAxis, width: i64, from: i64, to: i64) {
        let key = BucketsKey {
            version: input.version,
            width,
            from,
            to,
            highlight: input.highlight.map(|(_, name)| name.to_owned()),
        };
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let kernel = input.analysis.host.as_ref().filter(|h| h.of_this_machine());
        // A piece of buckets per stretch of time in view, each counting its stretch's seconds
        // only.
        let pieces = |series: &[(i64, SecondCounts)]| -> Vec<Buckets> {
            axis.pieces(from, to)
                .map(|piece| {
                    let (a, b) = piece.owns;
                    let lo_at = series.partition_point(|(s, _)| *s < a);
                    let hi_at = series.partition_point(|(s, _)| *s <= b);
                    let own = &series[lo_at..hi_at.max(lo_at)];
                    // A minute kept whole whose first second is before its stretch's (left as
                    // it was on a plain axis).
                    let lo = match own.first() {
                        Some(&(s, _)) if !axis.is_plain() && piece.from == piece.stretch.from => {
                            s.min(piece.from)
                        }
                        _ => piece.from,
                    };
                    Buckets::new(own, width, lo, piece.to).shifted(piece.stretch.shift)
                })
                .collect()
        };
        self.all = pieces(&input.analysis.snapshot.series)
            .into_iter()
            .map(|b| match kernel {
                Some(h) => {
                    let points = |name| {
                        h.counter(name)
                            .map_or_else(Vec::new, |k| k.per_second.to_vec())
                    };
                    b.with_kernel(
                        &points(crate::host::state::ATTEMPT_FAILS),
                        &points(crate::host::state::OUT_RSTS),
                    )
                }
                None => b,
            })
            .collect();
        // A copy of the selected offender's series, once for each new view.
        self.highlight = input
            .highlight
            .map_or_else(Vec::new, |(o, _)| pieces(&o.series.to_vec()));
        self.key = Some(key);
    }

    /// How the legend is written in the width it has: its whole title where the legend fits
    /// one line so; "Resets:" where only that fits (800 points: the failed attempts' toggle
    /// went to a line of its own, and the details' third connection row was cut in half);
    /// and where even that would wrap (640 points), the causes with no reset as one item
    /// ("other causes 0": they are not in the plot, and their toggles hide nothing), where
    /// that brings it to one line, with no separator before the failed attempts (their dash
    /// sets them apart): the fold's triangle before the title cost the legend a second line
    /// at 640 points where it had fitted by some 8 points. Folded (nothing of theirs drawn),
    /// without that item where only so the legend keeps to one line. Else, wrapped (the second
    /// value true), the form of the fewest lines, each cause listed where that costs none: at
    /// 480 points beside "This machine" the whole title took a line of its own and the legend
    /// four (five with the kernel's counts), the table one row. `tail`: the width of what a
    /// live capture's legend has after the failed attempts (the kernel's counts, the note's
    /// least room), counted in its lines; `inline`: the width of what is to fit on its one
    /// line too (the kernel's counts, where the comparison after them is said on their
    /// hover: [`PlotInput::note_on_hover`]).
    fn legend_form(
        ui: &egui::Ui,
        totals: &Totals,
        folded: bool,
        tail: &[f32],
        inline: f32,
    ) -> (LegendForm, bool) {
        let width = |text: String| one_line_width(ui, text, egui::TextStyle::Button);
        let spacing = ui.spacing().item_spacing.x;
        let padding = 2.0 * ui.spacing().button_padding.x;
        let cause = |c: &Cause| {
            let n = totals.rst_by_cause[c.index()];
            SWATCH + spacing + width(format!("{} {}", c.as_str(), thousands(n))) + padding + spacing
        };
        // The packets the capturing host dropped, an item after the causes where there are any.
        let item = |text: String| SWATCH + spacing + width(text) + padding + spacing;
        let dropped = match totals.dropped_packets {
            0 => 0.0,
            n => item(dropped_text(n)),
        };
        // The attempts answered late, an item after them where there are any.
        let late = match totals.late_answers {
            0 => 0.0,
            n => item(late_text(n)),
        };
        let all: f32 = Cause::ALL.iter().map(cause).sum::<f32>() + dropped + late;
        let zeros = Cause::ALL
            .iter()
            .filter(|c| totals.rst_by_cause[c.index()] == 0)
            .count();
        let merged: f32 = (Cause::ALL.iter())
            .filter(|c| totals.rst_by_cause[c.index()] > 0)
            .map(cause)
            .sum::<f32>()
            + dropped
            + late
            + width(OTHER_CAUSES.to_owned())
            + spacing;
        let failed = width(format!(
            "— failed attempts {}",
            thousands(totals.failed_attempts)
        )) + padding;
        // The separator's own spacing and the item spacing after it, and a point to spare.
        let rest = ui.spacing().item_spacing.x * 2.0 + 2.0 + failed + 1.0;
        let title = |text: &str| heading_width(ui, text) + spacing;
        let room = ui.available_width();
        let (whole, short) = (title(LEGEND_TITLE), title(LEGEND_TITLE_SHORT));
        let form = |title, merged| LegendForm {
            title,
            merged,
            others_left_out: false,
        };
        let others = width(OTHER_CAUSES.to_owned()) + spacing;
        if whole + all + rest + inline <= room {
            (form(LEGEND_TITLE, false), false)
        } else if short + all + rest + inline <= room {
            (form(LEGEND_TITLE_SHORT, false), false)
        } else if zeros >= 2 && short + merged + failed + 1.0 + inline <= room {
            (form(LEGEND_TITLE_SHORT, true), false)
        } else if zeros >= 2 && folded && short + merged - others + failed + 1.0 + inline <= room {
            // Folded for a short window beside "This machine" (640x400): one line more for
            // the table's first row and the diagnosis.
            let form = LegendForm {
                others_left_out: true,
                ..form(LEGEND_TITLE_SHORT, true)
            };
            (form, false)
        } else {
            // Wrapped: the fewest lines, each cause listed where that costs none.
            let causes = |merged: bool| -> Vec<f32> {
                let listed = Cause::ALL
                    .iter()
                    .filter(|c| !merged || totals.rst_by_cause[c.index()] > 0)
                    .map(cause);
                let dropped = (dropped > 0.0).then_some(dropped);
                let late = (late > 0.0).then_some(late);
                listed
                    .chain(dropped)
                    .chain(late)
                    .chain(merged.then_some(others))
                    .collect()
            };
            let lines = |title: f32, merged: bool| {
                wrapped_lines(
                    std::iter::once(title)
                        .chain(causes(merged))
                        .chain([rest])
                        .chain(tail.iter().copied()),
                    room,
                )
            };
            let mut forms = vec![
                (whole, LEGEND_TITLE, false),
                (short, LEGEND_TITLE_SHORT, false),
            ];
            if zeros >= 2 {
                forms.push((short, LEGEND_TITLE_SHORT, true));
            }
            let fewest = forms
                .iter()
                .map(|&(w, _, merged)| lines(w, merged))
                .min()
                .unwrap_or(1);
            let chosen = forms
                .into_iter()
                .find(|&(w, _, merged)| lines(w, merged) == fewest)
                .map_or_else(
                    || form(LEGEND_TITLE, false),
                    |(_, title, merged)| form(title, merged),
                );
            (chosen, true)
        }
    }

    /// The widths of what a live capture's legend has after the failed attempts, as
    /// [`PlotView::legend`] lays them out: the kernel's counts (`fails`, `rsts`), and the
    /// note's least room beside them where the legend says it (`note`).
    fn legend_tail(ui: &egui::Ui, fails: u64, rsts: u64, note: bool) -> Vec<f32> {
        let spacing = ui.spacing().item_spacing.x;
        let counts = one_line_width(ui, kernel_counts(fails, rsts), egui::TextStyle::Body);
        let mut tail = vec![counts + spacing];
        if note {
            tail.push(LEAST_NOTE + spacing);
        }
        tail
    }

    /// One toggle per cause with its total (struck through when hidden), the failed-attempts
    /// toggle; under it what is hidden, what a selected offender's colours mean, the selected
    /// time range, and the plot's controls.
    fn legend(
        &mut self,
        ui: &mut egui::Ui,
        input: &PlotInput<'_>,
        clock: Clock,
        range: &mut Option<(i64, i64)>,
    ) {
        let totals = &input.analysis.snapshot.totals;
        let host = input.analysis.host.as_ref().filter(|h| h.of_this_machine());
        // A live capture's machine not sampled yet: the kernel's counts keep their place, as
        // wide as at zero, from the first frame, nothing said in it. Laid out only once they
        // were read (a loaded machine samples seconds after the first packets), they took a
        // line the legend's form and the app's choices had not counted, and at 640x400 beside
        // "This machine" the diagnosis went under the window's bottom.
        let to_come = (input.analysis.host.as_ref()).is_some_and(|h| h.to_be_sampled());
        // (Not with the kernel's line, whose comparison is kept beside it on the line after.)
        let kernel = host.is_some() || to_come;
        let kernel_total = |name| {
            host.and_then(|h| h.counter(name))
                .map_or(0, |k: &crate::host::state::KernelCounter| k.total)
        };
        let (fails, rsts) = (
            kernel_total(crate::host::state::ATTEMPT_FAILS),
            kernel_total(crate::host::state::OUT_RSTS),
        );
        // The kernel's counts kept to the legend's line (cut as they must, whole on hover),
        // where a line of theirs would cost the table's rows or the details' first connection:
        // the comparison after them then said on their hover, or, with "This machine" open,
        // in the panel (at 800x600 beside the panel the counts alone took a line, and after
        // Stop the details said "no row in view").
        let counts_kept = input.note_on_hover;
        let on_hover = input.kernel_note && counts_kept;
        let hold =
            (self.legend_hold).for_layout(input.version.0, ui.available_width(), counts_kept);
        // A live capture's wrapped form is chosen once for the capture and the width, its
        // kernel's counts (to come where not read yet) counted in its lines: chosen afresh in
        // each frame, a count grown by a digit or a cause's first reset could change it, and
        // the toggles under the user's pointer moved, at Stop too; and the whole title and
        // every cause, held before, took five lines at 480 points beside "This machine".
        let form = match hold.form {
            Some(form) => form,
            None => {
                let live = kernel || input.live;
                let tail = match live {
                    true => Self::legend_tail(ui, fails, rsts, input.kernel_note && !on_hover),
                    false => Vec::new(),
                };
                let folded = input.folded && !kernel;
                // Kept, the kernel's counts have the legend's line: a form that keeps them on
                // it, held (as the counts grow they are cut shorter there, whole on hover,
                // rather than move to a line of their own); where no form has room for them
                // whole, one with room for their least (beside "This machine" at 800 points).
                let inline = match counts_kept && kernel {
                    true => tail.first().copied().unwrap_or(0.0),
                    false => 0.0,
                };
                let (form, wrapped) = match Self::legend_form(ui, totals, folded, &tail, inline) {
                    (_, true) if inline > 0.0 => {
                        let least = least_counts(ui, fails) + ui.spacing().item_spacing.x;
                        match Self::legend_form(ui, totals, folded, &[least], least) {
                            (form, false) => (form, false),
                            _ => Self::legend_form(ui, totals, folded, &tail, inline),
                        }
                    }
                    chosen => chosen,
                };
                if live && (wrapped || inline > 0.0) {
                    hold.form = Some(form);
                }
                form
            }
        };
        let (held, note_placed, counts_inline) =
            (hold.height, hold.note_placed, hold.counts_inline);
        let mut counts_placing = None;
        let mut note_placing = None;
        let top = ui.cursor().top();
        let lines = ui.horizontal_wrapped(|ui| {
            if fold_heading(ui, form.title, !input.folded, input.for_room).clicked() {
                self.fold_toggled = true;
            }
            for c in Cause::ALL {
                let n = totals.rst_by_cause[c.index()];
                if form.merged && n == 0 {
                    continue;
                }
                let shown = self.cause_shown(c);
                let text = format!("{} {}", c.as_str(), thousands(n));
                if legend_toggle(ui, text, cause_color(c), n > 0, shown, c.meaning(), "it") {
                    self.hidden[c.index()] = shown;
                }
            }
            if totals.dropped_packets > 0 {
                self.dropped_toggle(ui, totals.dropped_packets);
            }
            if totals.late_answers > 0 {
                self.late_toggle(ui, totals.late_answers);
            }
            let none: Vec<&str> = (Cause::ALL.iter())
                .filter(|c| totals.rst_by_cause[c.index()] == 0)
                .map(|c| c.as_str())
                .collect();
            // (A live capture's form is held while causes get their first resets: with every
            // cause listed, no "other causes 0" is left to say.)
            if form.merged && !form.others_left_out && !none.is_empty() {
                let text = RichText::new(OTHER_CAUSES).color(ui.visuals().weak_text_color());
                ui.add(egui::Label::new(text).extend())
                    .on_hover_text(format!(
                        "{}: no reset of these causes in this capture (a wider window lists \
                         each, with its toggle)",
                        none.join(", ")
                    ));
            }
            if !form.merged {
                ui.separator();
            }
            let color = if self.hide_failed {
                ui.visuals().weak_text_color()
            } else {
                failed_color(ui.visuals().dark_mode)
            };
            let mut text = RichText::new(format!(
                "— failed attempts {}",
                thousands(totals.failed_attempts)
            ))
            .color(color);
            if self.hide_failed {
                text = text.strikethrough();
            }
            if ui
                .selectable_label(false, text)
                .on_hover_text(
                    "connection attempts whose handshake never completed, per second; click to \
                     show or hide",
                )
                .clicked()
            {
                self.hide_failed = !self.hide_failed;
            }
            if kernel {
                const COUNTERS: &str = "this machine's kernel counters (/proc/net/snmp), sampled \
                     each second: AttemptFails counts every failed connect made by this host, \
                     captured or not (shown and hidden with the failed attempts); OutRsts every \
                     RST it sent";
                let note = host
                    .and_then(|h| h.coverage.as_ref())
                    .map(|c| c.note.as_str());
                // The comparison said here where its line would cost the rows: whole, first.
                let hover = match note.filter(|_| on_hover) {
                    Some(note) => format!("{note}\n\n{COUNTERS}"),
                    None => COUNTERS.to_owned(),
                };
                // Whole, on the next line where it does not fit on this one: cut in two, its
                // second half read as the start of the comparison after it. Kept to the
                // legend's line, there where their least fits when first laid out, and kept
                // there, cut shorter as they grow (whole on hover).
                let text = RichText::new(kernel_counts(fails, rsts)).color(color);
                let room = ui.available_size_before_wrap().x;
                let whole = one_line_width(ui, text.clone(), egui::TextStyle::Body);
                let inline =
                    counts_kept && counts_inline.unwrap_or_else(|| room >= least_counts(ui, fails));
                if counts_kept {
                    counts_placing = Some(inline);
                }
                // Cut, they are said whole on their hover too, after the comparison: one
                // hover (egui's own copy of a cut label came beside it, overlapping it).
                let hover = match inline && room < whole {
                    true => format!("{hover}\n\n{}", kernel_counts(fails, rsts)),
                    false => hover,
                };
                let counts = match inline {
                    // Not read yet: their place (kept to the line as they will be, or whole).
                    _ if to_come => {
                        let size = match inline {
                            true => egui::vec2(room.max(0.0), ui.spacing().interact_size.y),
                            false => (egui::WidgetText::from(text))
                                .into_galley(
                                    ui,
                                    Some(egui::TextWrapMode::Extend),
                                    f32::INFINITY,
                                    egui::TextStyle::Body,
                                )
                                .size(),
                        };
                        ui.allocate_exact_size(size, egui::Sense::hover()).1
                    }
                    true => {
                        let size = egui::vec2(room.max(0.0), ui.spacing().interact_size.y);
                        let across = egui::Layout::left_to_right(egui::Align::Center);
                        (ui.allocate_ui_with_layout(size, across, |ui| {
                            ui.add(
                                egui::Label::new(text)
                                    .truncate()
                                    .show_tooltip_when_elided(false),
                            )
                        }))
                        .inner
                    }
                    false => ui.add(egui::Label::new(text).extend()),
                };
                // On a line of its own: the comparison's, where it is said after them.
                let started_line = counts.rect.left() <= ui.max_rect().left() + 1.0;
                let counts = counts.on_hover_text(hover);
                // The counts on the note's line may grow into its room while the capture
                // runs ([`growth`]): the counts of the whole legend where it is one line.
                let growth = if !input.loading {
                    0.0
                } else if counts.rect.top() < top + 1.0 {
                    let causes = Cause::ALL.iter().map(|c| totals.rst_by_cause[c.index()]);
                    growth(ui, causes.chain([totals.failed_attempts, fails, rsts]))
                } else {
                    growth(ui, [fails, rsts].into_iter())
                };
                // Where the kernel is read (or will be: this machine not sampled yet) its
                // comparison comes within a second or two: its place is kept from the start.
                let read = to_come
                    || host.is_some_and(|h| {
                        h.coverage.is_some()
                            || h.counter(crate::host::state::ATTEMPT_FAILS).is_some()
                    });
                if input.kernel_note && read && !on_hover {
                    // A line the legend keeps and no longer fills is the note's.
                    let spacing = ui.spacing();
                    let below = ui.min_rect().bottom() + spacing.item_spacing.y;
                    let line_kept = below + spacing.interact_size.y <= top + held + 0.5;
                    // Its line is chosen where it first has its place: the legend laid out
                    // afresh, or the kernel read after the legend (packets came first).
                    let afresh = held == 0.0 || !note_placed;
                    let own = coverage_note(ui, note, line_kept, afresh, growth);
                    note_placing = Some(own || started_line);
                } else if !input.kernel_note && read && !counts_kept {
                    // "This machine" says the comparison: the counts' own line is what the
                    // app weighs against the rows (see [`PlotView::note_line`]), theirs where
                    // they start one, or where they will not fit on theirs as the counts
                    // grow (those before them on it too): beside the failed attempts on the
                    // legend's second line at 640 points, with AttemptFails still small when
                    // the app decided, they went to a third line of their own as it grew.
                    let causes = Cause::ALL.iter().map(|c| totals.rst_by_cause[c.index()]);
                    let grown = match input.loading {
                        // (The legend's own `growth`, which the counts' room shadows here.)
                        true => crate::ui::plot::growth(
                            ui,
                            causes.chain([totals.failed_attempts, fails, rsts]),
                        ),
                        false => 0.0,
                    };
                    let out = counts.rect.right() + grown > ui.max_rect().right() + 0.5;
                    note_placing = Some(started_line || out);
                }
            }
        });
        let height = lines.response.rect.height();
        if height < held {
            ui.add_space(held - height);
        }
        self.legend_hold.height = held.max(height);
        self.legend_hold.note_placed |= note_placing.is_some();
        if let Some(own) = note_placing {
            self.legend_hold.note_own_line = own;
        }
        if counts_placing.is_some() {
            self.legend_hold.counts_inline = counts_placing;
        }
        // Folded, the line under the legend is the time range's alone, where one is selected:
        // the tables show that range only, and its × clears it.
        if input.folded && range.is_none() {
            return;
        }
        ui.horizontal(|ui| {
            // Room kept for Reset view at the right: what is said here is cut (whole on
            // hover) rather than drawn under it, as in a window narrowed by "This machine".
            let reset_width = match input.folded {
                true => 0.0,
                false => small_button_width(ui, "Reset view"),
            };
            let left =
                (ui.available_width() - reset_width - 3.0 * ui.spacing().item_spacing.x).max(0.0);
            // The time range selected, and its ×, are kept whole where the line has room for
            // them, the notes before them cut to what is left: at 640 points they took the
            // line, the range was cut to "selected 07:40:31-07:40:35 …" and its × left out.
            let selection = range.map(|(a, b)| {
                // In a capture of days, a time of day alone does not say which day.
                let dated = totals
                    .first_ts
                    .zip(totals.last_ts)
                    .is_some_and(|(first, last)| clock.spans_days(first, last));
                format!(
                    "selected {} ({})",
                    clock.range_in(
                        Timestamp::from_parts(a, 0),
                        Timestamp::from_parts(b, 0),
                        dated
                    ),
                    selected_length(self.axis(), a, b)
                )
            });
            let small = |ui: &egui::Ui, t: &str| one_line_width(ui, t, egui::TextStyle::Small);
            let gap = ui.spacing().item_spacing.x;
            let clear = small_button_width(ui, "×");
            let kept = selection
                .as_deref()
                .map_or(0.0, |t| small(ui, t) + gap + clear + gap);
            let height = ui.spacing().interact_size.y;
            let across = egui::Layout::left_to_right(egui::Align::Center);
            ui.allocate_ui_with_layout(egui::vec2(left, height), across, |ui| {
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
                let notes = (ui.available_width() - kept).max(0.0);
                ui.allocate_ui_with_layout(egui::vec2(notes, height), across, |ui| {
                    if input.folded {
                        return;
                    }
                    // The axis's title, where the plot has none under it.
                    if input.compact
                        && let Some(first) = totals.first_ts
                    {
                        ui.label(RichText::new(axis_title(clock, first)).small())
                            .on_hover_text(
                                "the time axis's clock and zone (Local time / UTC in the toolbar)",
                            );
                    }
                    let hidden: Vec<&str> = Cause::ALL
                        .iter()
                        .filter(|c| !self.cause_shown(**c))
                        .map(|c| c.as_str())
                        .chain(self.hide_dropped.then_some(DROPPED))
                        .chain(self.hide_late.then_some(LATE))
                        .chain(self.hide_failed.then_some("failed attempts"))
                        .collect();
                    if !hidden.is_empty() {
                        let note = format!("Some causes hidden: {} (click to show)", hidden.join(", "));
                        if ui
                            .add(
                                egui::Label::new(
                                    RichText::new(note)
                                        .color(ui.visuals().warn_fg_color)
                                        .small(),
                                )
                                .sense(egui::Sense::click()),
                            )
                            .on_hover_text(
                                "the plot leaves them out; their counts stay in the legend and the table",
                            )
                            .clicked()
                        {
                            self.hidden = [false; 5];
                            self.hide_failed = false;
                            self.hide_dropped = false;
                            self.hide_late = false;
                        }
                    }
                    if let Some((_, name)) = input.highlight {
                        ui.label(
                            RichText::new(format!("bright: {name} · faded: the whole capture"))
                            .small(),
                        )
                        .on_hover_text(
                            "the selected offender's resets and failed attempts are drawn in full \
                             colour over the whole capture's, which are faded (failed attempts dashed)",
                        );
                    }
                });
                if let Some(text) = selection {
                    let room = (ui.available_width() - clear - gap).max(0.0);
                    ui.allocate_ui_with_layout(egui::vec2(room, height), across, |ui| {
                        ui.label(RichText::new(text).small());
                    });
                    if ui
                        .small_button("×")
                        .on_hover_text("clear the time selection (Esc)")
                        .clicked()
                    {
                        *range = None;
                    }
                }
            });
            if input.folded {
                return;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                const HINTS: &str =
                    "drag: select a time range · right-drag: zoom · Ctrl+wheel: zoom";
                // (ASCII: the app's fonts have no circled i.)
                const MARK: &str = "(?)";
                let width = |ui: &egui::Ui, t: &str| one_line_width(ui, t, egui::TextStyle::Small);
                let (hints, mark) = (width(ui, HINTS), width(ui, MARK));
                let reset = ui.small_button("Reset view");
                // The hints where they fit; else behind a mark; else in Reset view's hover:
                // never over the legend (the mark was drawn over "faded: the whole capture"
                // in a window narrowed by "This machine").
                let room = ui.available_width() - 8.0;
                let mut reset_hover = "show the whole capture (or double-click the plot)".to_owned();
                if room > hints {
                    ui.label(RichText::new(HINTS).weak().small());
                } else if room > mark {
                    ui.label(RichText::new(MARK).weak().small())
                        .on_hover_text(HINTS);
                } else {
                    reset_hover = format!("{reset_hover}; {HINTS}");
                }
                if reset.on_hover_text(reset_hover).clicked() {
                    self.reset_view();
                }
            });
        });
    }
}

impl PlotView {
    /// The legend's toggle of the packets the capturing host dropped (`n`), with its swatch,
    /// as a cause's: on the next line, swatch and all, where both do not fit on this one.
    fn dropped_toggle(&mut self, ui: &mut egui::Ui, n: u64) {
        const MEANING: &str = "TCP packets the capturing host dropped (a pktmon drop event, an \
                               XDP or tc program's verdict): they never reached the other side";
        let shown = !self.hide_dropped;
        if legend_toggle(
            ui,
            dropped_text(n),
            DROPPED_COLOR,
            true,
            shown,
            MEANING,
            "them",
        ) {
            self.hide_dropped = shown;
        }
    }

    /// The legend's toggle of the attempts answered only after their SYNs were sent again
    /// (`n`), as [`PlotView::dropped_toggle`]: a listen queue that overflowed drew an empty
    /// plot beside a sentence saying so, as its attempts did not fail.
    fn late_toggle(&mut self, ui: &mut egui::Ui, n: u64) {
        const MEANING: &str = "connection attempts answered by a SYN-ACK only after their SYNs                                were sent again, in the second of that SYN-ACK: their clients                                waited (a listen queue that overflowed, or a slow path)";
        let shown = !self.hide_late;
        if legend_toggle(ui, late_text(n), LATE_COLOR, true, shown, MEANING, "them") {
            self.hide_late = shown;
        }
    }
}

/// A legend item that shows or hides its bars in the plot, `text` beside a swatch of the bars'
/// `color` (both greyed while hidden, the text also where none are `counted`); a click on the
/// text toggles it. The swatch and its text on one line: where both do not fit in what is left
/// of this one (a narrow window, "This machine" open), they start the next, so that no colour
/// is read as the next line's item. The hover gives `meaning` and what a click does to `them`
/// ("it", "them"). True when clicked.
fn legend_toggle(
    ui: &mut egui::Ui,
    text: String,
    color: egui::Color32,
    counted: bool,
    shown: bool,
    meaning: &str,
    them: &str,
) -> bool {
    let weak = ui.visuals().weak_text_color();
    let mut text = RichText::new(text).color(if shown && counted { color } else { weak });
    if !shown {
        text = text.strikethrough();
    }
    let label = egui::WidgetText::from(text.clone())
        .into_galley(
            ui,
            Some(egui::TextWrapMode::Extend),
            f32::INFINITY,
            egui::TextStyle::Button,
        )
        .size();
    let padding = ui.spacing().button_padding;
    let needed = SWATCH + ui.spacing().item_spacing.x + label.x + 2.0 * padding.x;
    if ui.available_size_before_wrap().x < needed {
        ui.end_row();
    }
    // As high as the label beside it (a selectable label is a button).
    let height = (label.y + 2.0 * padding.y).max(ui.spacing().interact_size.y);
    swatch(ui, if shown { color } else { weak }, height);
    let hint = if shown {
        format!("{meaning}; click to hide {them} in the plot")
    } else {
        format!("{meaning}; hidden in the plot: click to show {them}")
    };
    ui.selectable_label(false, text)
        .on_hover_text(hint)
        .clicked()
}

/// The legend's item of `n` packets the capturing host dropped.
fn dropped_text(n: u64) -> String {
    format!("{DROPPED} {}", thousands(n))
}

/// The legend's item of `n` attempts answered late.
fn late_text(n: u64) -> String {
    format!("{LATE} {}", thousands(n))
}

/// What the legend's heading says to a screen reader and to tests, before its title.
pub const FOLD_LABEL: &str = "Rate plot";

/// The lines items of these `widths` take laid out left to right in `room` points, each that
/// does not fit after another starting the next.
fn wrapped_lines(widths: impl IntoIterator<Item = f32>, room: f32) -> usize {
    let mut lines = 1;
    let mut x = 0.0;
    for w in widths {
        if x > 0.0 && x + w > room {
            lines += 1;
            x = w;
        } else {
            x += w;
        }
    }
    lines
}

/// The width of the legend's heading saying `title` ([`fold_heading`]).
fn heading_width(ui: &egui::Ui, title: &str) -> f32 {
    ui.spacing().icon_width
        + ui.spacing().icon_spacing
        + one_line_width(ui, RichText::new(title).strong(), egui::TextStyle::Body)
}

/// The legend's title as the plot's heading, with a triangle before it as a collapsing
/// section has: a click (or Space and Enter, where Tab brought the keyboard to it) folds the
/// plot, and unfolds it again. A small window gives the results the plot's height that way
/// (at 640x480 they scrolled as a whole, the plot squeezed to 48 points).
fn fold_heading(ui: &mut egui::Ui, title: &str, open: bool, for_room: bool) -> egui::Response {
    let text = RichText::new(title).strong();
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let icon = ui.spacing().icon_width;
    let size = egui::vec2(
        icon + ui.spacing().icon_spacing + galley.size().x,
        galley.size().y.max(ui.spacing().interact_size.y),
    );
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
    let label = format!("{FOLD_LABEL}: {title}");
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::DisclosureTriangle, ui.is_enabled(), &label)
    });
    ui.ctx()
        .accesskit_node_builder(response.id, |node| node.set_expanded(open));
    if ui.is_rect_visible(rect) {
        let visuals = ui.style().interact(&response);
        if response.hovered() || response.has_focus() {
            ui.painter().rect_stroke(
                rect.expand(2.0),
                visuals.corner_radius,
                visuals.bg_stroke,
                egui::StrokeKind::Inside,
            );
        }
        let icon_rect = egui::Rect::from_center_size(
            egui::pos2(rect.left() + icon / 2.0, rect.center().y),
            egui::vec2(icon, icon) * 0.75,
        );
        let icon_response = response.clone().with_new_rect(icon_rect);
        egui::collapsing_header::paint_default_icon(ui, f32::from(u8::from(open)), &icon_response);
        let at = egui::pos2(
            rect.left() + icon + ui.spacing().icon_spacing,
            rect.center().y - galley.size().y / 2.0,
        );
        ui.painter()
            .galley(at, galley, ui.visuals().strong_text_color());
    }
    response.on_hover_text(if open {
        "fold the plot, for more rows and details in a small window (View > Rate plot)"
    } else if for_room {
        "folded for the window's height: the table's first rows and the diagnosis come first; \
         click to show the plot anyway (the results then scroll), or make the window taller"
    } else {
        "show the plot of resets and failed attempts per second (View > Rate plot)"
    })
}

/// The time axis's title: the clock, with the zone's offset at `first` in local time.
fn axis_title(clock: Clock, first: Timestamp) -> String {
    if clock.is_utc() {
        "time (UTC)".to_owned()
    } else {
        format!("time (local, UTC{})", clock.offset(first))
    }
}

/// What the plot stacks in its bars: the causes shown, and the packets the capturing host
/// dropped and the attempts answered late over them unless hidden.
struct Stacked {
    causes: Vec<Cause>,
    dropped: bool,
    late: bool,
}

/// The bars of `b`: the resets of each cause `shown`, stacked in the causes' order, the
/// packets the capturing host dropped on top (an endpoint whose incidents are drops had an
/// empty plot beside a sentence saying it lost packets), and the attempts answered late on
/// top of those (as had a listen queue that overflowed).
fn add_stacked(
    p: &mut egui_plot::PlotUi<'_>,
    b: &Buckets,
    shown: &Stacked,
    faded: bool,
    prefix: &str,
    piece: usize,
) {
    let w = b.width as f64;
    let mut base = vec![0.0f64; b.rst.len()];
    let causes = shown.causes.iter().map(|&c| {
        let counts: Vec<u32> = b.rst.iter().map(|r| r[c.index()]).collect();
        (c.as_str(), cause_color(c), counts)
    });
    let dropped = shown
        .dropped
        .then(|| (DROPPED, DROPPED_COLOR, b.dropped.clone()));
    let late = shown.late.then(|| (LATE, LATE_COLOR, b.late.clone()));
    for (what, color, counts) in causes.chain(dropped).chain(late) {
        let color = if faded {
            color.gamma_multiply(0.35)
        } else {
            color
        };
        let bars: Vec<Bar> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, &n)| {
                let h = f64::from(n) / w;
                let bar = Bar::new(b.x(i) + w / 2.0, h)
                    .base_offset(base[i])
                    .width(w * 0.8)
                    .fill(color)
                    .stroke(Stroke::NONE);
                base[i] += h;
                bar
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        let name = if prefix.is_empty() {
            what.to_owned()
        } else {
            format!("{prefix} {what}")
        };
        let id = (name.clone(), piece);
        p.bar_chart(
            BarChart::new(name, bars)
                .id(id)
                .color(color)
                .allow_hover(false),
        );
    }
}

/// A value per bucket as steps: flat over each bucket's seconds, vertical between buckets
/// (a count per second is not a slope between two seconds).
fn steps<'a>(b: &Buckets, values: impl Iterator<Item = f64>) -> PlotPoints<'a> {
    let w = b.width as f64;
    let mut points = Vec::with_capacity(b.failed.len() * 2);
    for (i, v) in values.enumerate() {
        let x = b.x(i);
        points.push([x, v / w]);
        points.push([x + w, v / w]);
    }
    PlotPoints::new(points)
}

/// Failed attempts per second as steps over every bucket, zeros included.
fn failed_line<'a>(b: &Buckets, name: &str, color: Color32) -> Line<'a> {
    let points = steps(b, b.failed.iter().map(|&n| f64::from(n)));
    Line::new(name.to_owned(), points)
        .color(color)
        .width(1.8)
        // egui_plot merges points that share a pixel column into a filled band joined by
        // slopes: a step's two points at one second would become a slanted area.
        .allow_band(false)
        .allow_hover(false)
}

/// The kernel's count against the capture's, beside both numbers in the legend: where the
/// alert's number and the capture's explanation meet. One line, what does not fit cut (the
/// whole sentence on hover, and in "This machine"): under the headline it took two lines of
/// an 800-point window, its connection rows out of view. `note` is `None` until the kernel
/// has been read twice; its place is kept meanwhile.
///
/// It takes a line of its own where the legend keeps one it no longer fills (`line_kept`:
/// the counts before it now fit on fewer), or where its place is taken `afresh` (a new
/// capture, another width, the kernel first read) with too little room left on the line for
/// its first words once the counts on the line have grown by `growth` points. Else it stays on the line, cut
/// shorter as the counts grow and take its room: moved to a line of its own, it moved the
/// plot and the table down under the user's pointer. True where it is on a line of its own.
fn coverage_note(
    ui: &mut egui::Ui,
    note: Option<&str>,
    line_kept: bool,
    afresh: bool,
    growth: f32,
) -> bool {
    let own = line_kept || (afresh && ui.available_size_before_wrap().x < LEAST_NOTE + growth);
    if own {
        ui.end_row();
    }
    let width = ui.available_size_before_wrap().x.max(0.0);
    ui.allocate_ui_with_layout(
        egui::vec2(width, ui.spacing().interact_size.y),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            // Its place is a line's height before the note is there: taken bare, the legend
            // held a sliver, and the note went on the kernel's line, cut to a few words.
            ui.set_min_height(ui.spacing().interact_size.y);
            if let Some(note) = note {
                ui.add(
                    egui::Label::new(RichText::new(note).color(ui.visuals().text_color()))
                        .truncate(),
                );
            }
        },
    );
    own
}

/// What the legend says of the kernel's counters.
fn kernel_counts(fails: u64, rsts: u64) -> String {
    format!(
        "··· kernel AttemptFails {} · OutRsts {}",
        thousands(fails),
        thousands(rsts)
    )
}

/// The least room in which the kernel's counts are kept on the legend's line, cut: their
/// AttemptFails whole ("··· kernel AttemptFails 32…"), OutRsts on hover.
fn least_counts(ui: &egui::Ui, fails: u64) -> f32 {
    let text = format!("··· kernel AttemptFails {} …", thousands(fails));
    one_line_width(ui, text, egui::TextStyle::Body)
}

/// The least room on the line of the kernel's counts in which the legend's note is laid
/// out beside them, rather than on a line of its own.
const LEAST_NOTE: f32 = 160.0;

/// A running capture's counts said with fewer digits than [`GROWN`]'s: the points they may
/// still take as they grow to millions. At 1280 points the note beside the kernel's counts
/// was cut to nothing by them, and then the kernel's counts went to a line of their own:
/// the plot and the table moved down under the user's pointer.
fn growth(ui: &egui::Ui, counts: impl Iterator<Item = u64>) -> f32 {
    let width = |text: String| one_line_width(ui, text, egui::TextStyle::Body);
    let grown = width(thousands(GROWN));
    counts
        .filter(|&n| n < GROWN)
        .map(|n| grown - width(thousands(n)))
        .sum()
}

/// The count a running capture's legend keeps room for (see [`growth`]).
const GROWN: u64 = 8_888_888;

/// The kernel's failed connects per second (AttemptFails), dotted, when it was sampled.
fn kernel_line<'a>(b: &Buckets, dark: bool) -> Option<Line<'a>> {
    let color = if dark {
        Color32::from_rgb(0x9a, 0xd0, 0xff)
    } else {
        Color32::from_rgb(0x10, 0x50, 0xa0)
    };
    counter_line(b, b.kernel_failed.as_ref()?, KERNEL_LINE, color)
}

/// The RSTs the kernel sent per second (OutRsts), dotted in the refused colour, when sampled
/// and any were sent.
fn kernel_rst_line<'a>(b: &Buckets) -> Option<Line<'a>> {
    let k = b
        .kernel_rsts
        .as_ref()
        .filter(|k| k.iter().any(|&n| n > 0))?;
    counter_line(
        b,
        k,
        KERNEL_RST_LINE,
        cause_color(Cause::Refused).gamma_multiply(0.8),
    )
}

fn counter_line<'a>(b: &Buckets, k: &[u64], name: &str, color: Color32) -> Option<Line<'a>> {
    let points = steps(b, k.iter().map(|&n| n as f64));
    Some(
        Line::new(name.to_owned(), points)
            .color(color)
            .width(1.6)
            .style(LineStyle::dotted_dense())
            .allow_band(false)
            .allow_hover(false),
    )
}

/// The kernel lines' names in the plot and its legend.
const KERNEL_LINE: &str = "kernel AttemptFails/s";
const KERNEL_RST_LINE: &str = "kernel OutRsts/s";

/// The whole packet seconds from plot x `a` to plot x `b` (either order). Across a break they
/// run through the gap, which holds no packet: the range counts both sides' seconds. An end in
/// a break stops at the packets beside it; an end in the plot's margins, before the first
/// second or after the last, at the capture's first or last second (a drag wholly in the left
/// margin selects the first second, not a second before the capture).
fn second_range(axis: &TimeAxis, a: f64, b: f64) -> (i64, i64) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let from = axis.break_at(lo).map_or(axis.second(lo), |b| b.began);
    let to = axis.break_at(hi).map_or(axis.second(hi), |b| b.ended);
    let (from, to) = if from <= to {
        (from, to)
    } else {
        // Both ends in one break: its seconds, which hold nothing.
        (axis.second(lo), axis.second(hi))
    };
    let (first, last) = axis.seconds();
    (from.clamp(first, last), to.clamp(first, last))
}

/// How long a selected range is: `5 min`; across a break, the time the files cover in it and
/// the time from its start to its end (`2 s of capture over 6205.0 days`).
fn selected_length(axis: Option<&TimeAxis>, a: i64, b: i64) -> String {
    let secs = b - a + 1;
    match axis.map(|axis| axis.left_out(a, b)) {
        Some(gap) if gap > 0 => format!(
            "{} of capture over {}",
            report::approx_duration(secs - gap),
            report::approx_duration(secs)
        ),
        _ => duration(secs),
    }
}

/// The widest bucket that fits in every break, so that buckets of two stretches never meet.
fn widest_bucket(axis: &TimeAxis) -> i64 {
    let narrowest = axis.breaks().map(|b| b.x.1 - b.x.0).reduce(f64::min);
    match narrowest {
        None => i64::MAX,
        Some(w) => STEPS
            .iter()
            .copied()
            .take_while(|&s| s as f64 <= w)
            .last()
            .unwrap_or(1),
    }
}

/// What the hover label reads from.
struct Hover<'a> {
    /// The buckets in view, a piece per stretch.
    all: &'a [Buckets],
    /// The selected offender's, the same pieces.
    highlight: &'a [Buckets],
    /// The selected offender's name and [`series_from`](crate::engine::Offender::series_from).
    name: Option<(&'a str, Option<i64>)>,
    axis: &'a TimeAxis,
    clock: Clock,
}

impl Hover<'_> {
    /// What is at plot x `x`: a bucket's counts, or a break's gap.
    fn text(&self, x: f64) -> Option<String> {
        if let Some(b) = self.axis.breaks().find(|b| (b.x.0..b.x.1).contains(&x)) {
            return Some(gap_text(&b, self.clock));
        }
        let (i, piece) = self
            .all
            .iter()
            .enumerate()
            .find(|(_, b)| b.index_of(x).is_some())?;
        let dated = !self.axis.is_plain();
        hover_text(
            piece,
            self.highlight.get(i),
            self.name,
            self.clock,
            dated,
            x,
        )
    }
}

/// A break's hover text: how long nothing was captured, from when to when, with the date and
/// the zone of each end (months apart, they may differ by a summer time).
fn gap_text(b: &axis::Break, clock: Clock) -> String {
    format!(
        "{}: nothing was captured from {}; the time axis leaves it out",
        b.label(),
        clock.dated_range(
            Timestamp::from_parts(b.ended, 0),
            Timestamp::from_parts(b.began, 0)
        )
    )
}

/// Each break's label over the plot, near its top: the gap's length, with when it ran on hover.
/// Where breaks lie closer than their labels are wide, the longest gaps are labelled and the
/// others not (their dashed lines stay, and the plot's hover says each): zeek's ssh.pcap, a
/// dozen stretches over three years, had "98 119.8 35 6.9 days gap" written over each other.
fn break_labels(ui: &mut egui::Ui, axis: &TimeAxis, clock: Clock, t: &egui_plot::PlotTransform) {
    let frame = *t.frame();
    let x = |v: f64| t.position_from_point(&egui_plot::PlotPoint::new(v, 0.0)).x;
    let breaks: Vec<(axis::Break, f32)> = axis
        .breaks()
        .map(|b| {
            let mid = (x(b.x.0) + x(b.x.1)) / 2.0;
            (b, mid)
        })
        .filter(|(_, mid)| (frame.left()..=frame.right()).contains(mid))
        .collect();
    // Under the line where a selected range's label is, inside the frame: in a squeezed plot
    // (800x520 beside "This machine") they were drawn over the time axis's labels under it.
    let rects: Vec<(i64, egui::Rect)> = breaks
        .iter()
        .map(|(b, mid)| {
            let rect = label_rect(ui, frame, *mid, 0.0, &b.label());
            let down = break_label_down(frame.height(), rect.height());
            (
                b.secs(),
                rect.translate(egui::vec2(0.0, down.unwrap_or(0.0))),
            )
        })
        .collect();
    for i in labels_apart(&rects) {
        let (b, mid) = &breaks[i];
        let Some(down) = break_label_down(frame.height(), rects[i].1.height()) else {
            // No room inside the frame: its dashed lines stay, and the plot's hover says it.
            continue;
        };
        label_over_plot(ui, frame, *mid, down, &b.label()).on_hover_text(gap_text(b, clock));
    }
}

/// The time labels the plot's axis drew, each where it drew it, of the `marks` it was given
/// (their value, step and text): as egui_plot does, those whose marks are more than 60
/// points apart and at least as far apart as the label is wide.
fn drawn_time_labels(
    ui: &egui::Ui,
    t: &egui_plot::PlotTransform,
    marks: Vec<(f64, f64, String)>,
) -> Vec<egui::Rect> {
    let frame = *t.frame();
    let font = egui::TextStyle::Body.resolve(ui.style());
    marks
        .into_iter()
        .filter_map(|(value, step, text)| {
            let spacing = (t.dpos_dvalue_x() * step).abs() as f32;
            let size =
                ui.fonts_mut(|f| f.layout_no_wrap(text, font.clone(), Color32::WHITE).size());
            let x = t
                .position_from_point(&egui_plot::PlotPoint::new(value, 0.0))
                .x;
            (spacing > 60.0 && spacing >= size.x).then(|| {
                egui::Rect::from_min_size(egui::pos2(x - size.x / 2.0, frame.bottom()), size)
            })
        })
        .collect()
}

/// Draws the time labels the axis left out for reaching back over a break (each its mark's
/// value, the break's end and its text: [`back_over_a_break`]), each starting at the break's
/// end, where its own stretch begins, rather than centred on its mark: centred, zeek's
/// ssh.pcap's "2015-01-07 00:00:00" lay under the 2014-12-31 reset's bar before the break, at
/// 800 and 700 points, and read as that bar's date. Where that would be drawn over a label the
/// axis drew, it is drawn centred as the axis would have drawn it. Returns where each is.
fn shifted_labels(
    ui: &mut egui::Ui,
    t: &egui_plot::PlotTransform,
    marks: Vec<(f64, f64, String)>,
    drawn: &[egui::Rect],
) -> Vec<egui::Rect> {
    let frame = *t.frame();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let x = |v: f64| t.position_from_point(&egui_plot::PlotPoint::new(v, 0.0)).x;
    let mut placed: Vec<egui::Rect> = Vec::new();
    for (value, from, text) in marks {
        let size = ui.fonts_mut(|f| {
            f.layout_no_wrap(text.clone(), font.clone(), Color32::WHITE)
                .size()
        });
        let mark = x(value);
        // Centred as the axis would draw it, where the text as laid out (narrower than the
        // axis's reckoning) does not reach back over the break after all; else from the
        // break's end, a caret's height lower than the axis's labels, the caret over it under
        // its mark (a label moved to where its stretch begins read as the time there).
        let centred = mark - size.x / 2.0;
        let moved = centred < x(from) + 2.0;
        let at = |left: f32, down: f32| {
            egui::Rect::from_min_size(egui::pos2(left, frame.bottom() + down), size)
        };
        let clear = |r: &egui::Rect| {
            r.right() <= frame.right()
                && !(drawn.iter().chain(&placed))
                    .any(|o| o.expand2(egui::vec2(4.0, 0.0)).intersects(*r))
        };
        let places = if moved {
            vec![at(x(from) + 2.0, SHIFTED_CARET + 1.0), at(centred, 0.0)]
        } else {
            vec![at(centred, 0.0)]
        };
        let Some(rect) = places.into_iter().find(|r| clear(r)) else {
            continue;
        };
        placed.push(rect);
        let colour = ui.visuals().text_color();
        let lowered = rect.top() > frame.bottom() + 0.5;
        if lowered {
            let top = frame.bottom() + 0.5;
            ui.painter().add(egui::Shape::convex_polygon(
                vec![
                    egui::pos2(mark, top),
                    egui::pos2(mark + SHIFTED_CARET, top + SHIFTED_CARET),
                    egui::pos2(mark - SHIFTED_CARET, top + SHIFTED_CARET),
                ],
                colour,
                egui::Stroke::NONE,
            ));
        }
        let label = ui.place(
            rect,
            egui::Label::new(RichText::new(text.clone()).color(colour))
                .selectable(false)
                .sense(egui::Sense::hover()),
        );
        if lowered {
            label.on_hover_text(format!(
                "{text}: the time at the mark ▲ over this label; the label starts where its \
                 stretch of capture does, after the gap left out of the time axis, rather \
                 than centred under its mark, where it would lie under the time before the gap"
            ));
        }
    }
    placed
}

/// Half the width of the caret that points a moved time label to its mark ([`shifted_labels`]),
/// and its height, in points.
const SHIFTED_CARET: f32 = 3.5;

/// The time axis's labels in a frame, where they are drawn ([`drawn_time_labels`]).
#[derive(Clone, Copy)]
struct AxisLabels<'a> {
    /// Those the axis drew.
    drawn: &'a [egui::Rect],
    /// Those it left out for the room of a stretch's own label ([`stretch_labels`]), where
    /// they would have been drawn.
    yielded: &'a [egui::Rect],
}

/// A time label under each stretch of time with something drawn (a bar, a failed attempt)
/// that the axis left without one: a stretch narrower than its label between two gaps (a
/// reset of 2014-12-31 between gaps of 119 days and 35 hours in zeek's ssh.pcap) said
/// nothing of when it was. It gives the time of the stretch's first second with counts
/// (`text` of the seconds of its first bucket with any, the first with counts among them),
/// centred under it, or ending or starting there where centred it would be drawn over
/// another label. Where it would be drawn over one all three ways, the axis leaves its own
/// labels out of its room (centred) from the next frame on, unless one of them is the only
/// label of its stretch: that one wins, and the stretch's own label is left out (ssh.pcap at
/// 800 points: the 2014-12-31 reset's label took the room of "2015-01-07 00:00:00", the one
/// label of the next stretch, a half-hour without resets, which then said nothing of when it
/// was). Returns each one's room, in x, for the next frame, which keeps a label where `kept`
/// (the last frame's rooms) has it.
fn stretch_labels(
    ui: &mut egui::Ui,
    axis: &TimeAxis,
    pieces: &[Buckets],
    labels: AxisLabels<'_>,
    kept: &[(f64, f64)],
    text: impl Fn(i64, i64) -> String,
    t: &egui_plot::PlotTransform,
) -> Vec<(f64, f64)> {
    let frame = *t.frame();
    let x = |v: f64| t.position_from_point(&egui_plot::PlotPoint::new(v, 0.0)).x;
    let x_of = |p: f32| t.value_from_position(egui::pos2(p, frame.bottom())).x;
    let drawn = labels.drawn;
    // The axis's labels that are the only one of their stretch, drawn or left out for a
    // stretch label's room in this frame: never covered, nor given up for one.
    let stretch_of = |r: &egui::Rect| {
        (axis.stretches().iter())
            .position(|s| (x(s.x_from())..=x(s.x_end())).contains(&r.center().x))
    };
    let every: Vec<egui::Rect> = drawn.iter().chain(labels.yielded).copied().collect();
    let alone: Vec<egui::Rect> = (every.iter())
        .filter(|r| {
            let own = stretch_of(r);
            own.is_some() && every.iter().filter(|o| stretch_of(o) == own).count() == 1
        })
        .copied()
        .collect();
    let mut taken: Vec<egui::Rect> = drawn.to_vec();
    taken.extend(labels.yielded.iter().filter(|r| alone.contains(r)));
    let mut room = Vec::new();
    let font = egui::TextStyle::Body.resolve(ui.style());
    for b in pieces {
        let counted = |i: &usize| {
            b.rst[*i].iter().any(|&n| n > 0)
                || b.failed[*i] > 0
                || b.dropped[*i] > 0
                || b.late[*i] > 0
        };
        let Some(i) = (0..b.failed.len()).find(counted) else {
            continue;
        };
        // (The piece's own stretch: its first bucket may begin before the stretch, on a
        // whole multiple of the bucket's width.)
        let Some(stretch) = axis.stretches().iter().find(|s| s.shift == b.shift) else {
            continue;
        };
        let from = b.x(i).max(stretch.x_from());
        let to = (b.x(i) + b.width as f64).min(stretch.x_end());
        let (left_end, right_end) = (x(stretch.x_from()), x(stretch.x_end()));
        let mid = (x(from) + x(to)) / 2.0;
        if !(frame.left()..=frame.right()).contains(&mid)
            || drawn
                .iter()
                .any(|r| (left_end..=right_end).contains(&r.center().x))
        {
            continue;
        }
        let first = b.second(i).max(stretch.from);
        let whole = text(first, (b.second(i) + b.width).min(stretch.to + 1));
        let width_of = |text: &str| {
            ui.fonts_mut(|f| {
                f.layout_no_wrap(text.to_owned(), font.clone(), Color32::WHITE)
                    .size()
            })
        };
        let size = width_of(&whole);
        let clamp = |left: f32, size: egui::Vec2| {
            left.clamp(frame.left(), (frame.right() - size.x).max(frame.left()))
        };
        // Where the last frame put it first, where the axis now leaves room for it: a place
        // chosen afresh could give back the room of an axis label that takes the new one's.
        let before = (kept.iter())
            .find(|&&(l, r)| l <= x_of(mid) && x_of(mid) <= r)
            .map(|&(l, _)| x(l));
        let place_of = |text: &str| {
            let size = width_of(text);
            (before.into_iter())
                .chain([mid - size.x / 2.0, mid + 4.0 - size.x, mid - 4.0])
                .map(|left| {
                    egui::Rect::from_min_size(egui::pos2(clamp(left, size), frame.bottom()), size)
                })
                .find(|r| {
                    !taken
                        .iter()
                        .any(|o| o.expand2(egui::vec2(4.0, 0.0)).intersects(*r))
                })
        };
        let place = match place_of(&whole) {
            Some(rect) => Some((rect, whole.as_str())),
            None => {
                // Its room for the next frame, whose axis leaves its labels out of it; none
                // where that would leave a stretch without its one label.
                let centred = clamp(mid - size.x / 2.0, size);
                let there = egui::Rect::from_min_size(egui::pos2(centred, frame.bottom()), size);
                if !(alone.iter()).any(|o| o.expand2(egui::vec2(4.0, 0.0)).intersects(there)) {
                    room.push((x_of(centred), x_of(centred + size.x)));
                    continue;
                }
                // Else its date alone, where that has room: a stretch near the plot's edge
                // beside another's only label (zeek's ssh.pcap at 800 and 700 points: the
                // 2014-12-31 reset's bar, by the frame's left, said no date at all). The
                // whole time on hover.
                let day =
                    (whole.split_once(' ')).and_then(|(day, _)| day.contains('-').then_some(day));
                day.and_then(|day| place_of(day).map(|rect| (rect, day)))
            }
        };
        let Some((rect, label)) = place else {
            continue;
        };
        taken.push(rect);
        // The date alone takes what room is left: asking the axis for room too would change
        // which labels are alone from frame to frame.
        if label == whole {
            room.push((x_of(rect.left()), x_of(rect.right())));
        }
        let about = "the first second with resets, failed attempts or drops of this stretch of \
                     capture, between gaps left out of the time axis";
        ui.place(
            rect,
            egui::Label::new(RichText::new(label).color(ui.visuals().text_color()))
                .selectable(false)
                .sense(egui::Sense::hover()),
        )
        .on_hover_text(if label == whole {
            about.to_owned()
        } else {
            format!("{whole}: {about}")
        });
    }
    room
}

/// How far under the plot frame's top (`frame` points tall) a gap's label (`label` points
/// tall) is drawn: under the line of a selected range's label, or as far as the frame lets
/// it be, never under the frame's bottom (the time axis's labels are there); none in a frame
/// shorter than the label.
fn break_label_down(frame: f32, label: f32) -> Option<f32> {
    (frame >= label).then(|| (frame - label).min(22.0))
}

/// Which of the labels of gaps (each its gap's seconds and where it would be drawn) are
/// drawn: the longest gaps' first, none within 4 points of one drawn.
fn labels_apart(labels: &[(i64, egui::Rect)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(labels[i].0));
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        let rect = labels[i].1;
        let near = |j: &usize| labels[*j].1.expand2(egui::vec2(4.0, 0.0)).intersects(rect);
        if !kept.iter().any(near) {
            kept.push(i);
        }
    }
    kept
}

/// "selected" over the selected seconds `(a, b)` near the plot's top, whole and inside the
/// plot however narrow the range or near an edge (a second selected at the plot's left edge
/// had its label cut there).
fn selected_label(
    ui: &mut egui::Ui,
    axis: &TimeAxis,
    (a, b): (i64, i64),
    t: &egui_plot::PlotTransform,
) {
    let frame = *t.frame();
    let x = |v: i64| {
        t.position_from_point(&egui_plot::PlotPoint::new(axis.x(v as f64), 0.0))
            .x
    };
    let (left, right) = (x(a), x(b + 1));
    // Only while some of the range is in view.
    if right < frame.left() || left > frame.right() {
        return;
    }
    let mid = (left.max(frame.left()) + right.min(frame.right())) / 2.0;
    label_over_plot(ui, frame, mid, 4.0, "selected");
}

/// `text` on a backing of the panel's colour, centred at `mid` as far as the plot's `frame`
/// allows, `down` points under its top.
fn label_over_plot(
    ui: &mut egui::Ui,
    frame: egui::Rect,
    mid: f32,
    down: f32,
    text: &str,
) -> egui::Response {
    let rect = label_rect(ui, frame, mid, down, text);
    ui.painter()
        .rect_filled(rect, 3.0, ui.visuals().panel_fill.gamma_multiply(0.9));
    ui.place(
        rect,
        egui::Label::new(RichText::new(text).color(ui.visuals().strong_text_color()))
            .selectable(false)
            .sense(egui::Sense::hover()),
    )
}

/// Where [`label_over_plot`] puts `text`.
fn label_rect(ui: &egui::Ui, frame: egui::Rect, mid: f32, down: f32, text: &str) -> egui::Rect {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let size = ui.fonts_mut(|f| {
        f.layout_no_wrap(text.to_owned(), font, Color32::WHITE)
            .size()
    }) + egui::vec2(8.0, 2.0);
    let left = (mid - size.x / 2.0).clamp(frame.left(), (frame.right() - size.x).max(frame.left()));
    egui::Rect::from_min_size(egui::pos2(left, frame.top() + down), size)
}

/// What the hovered bucket holds; `name` is the highlighted endpoint's, with its
/// [`series_from`](crate::engine::Offender::series_from). `dated`: the time with its date (the
/// axis has stretches of time on different days).
fn hover_text(
    all: &Buckets,
    highlight: Option<&Buckets>,
    name: Option<(&str, Option<i64>)>,
    clock: Clock,
    dated: bool,
    x: f64,
) -> Option<String> {
    let i = all.index_of(x)?;
    let s = all.second(i);
    let t = Timestamp::from_parts(s, 0);
    let end = Timestamp::from_parts(s + all.width - 1, 0);
    let day = |t: Timestamp| clock.full(t).get(..11).unwrap_or_default().to_owned();
    // `clock.range` has the dates of a range across midnight already, and a dated clock (a
    // capture whose first and last packets fall on different days) dates every time itself:
    // "2013-08-22 2013-08-22 20:00:36" was written there.
    let date = if dated && !clock.is_dated() && day(t) == day(end) {
        day(t)
    } else {
        String::new()
    };
    let mut text = if all.width == 1 {
        format!("{date}{} {}", clock.time(t), clock.offset(t))
    } else {
        format!(
            "{date}{} ({}), per second on average",
            clock.range(t, end),
            duration(all.width)
        )
    };
    let w = all.width as f64;
    let rate = |n: u32| {
        let r = f64::from(n) / w;
        if all.width == 1 {
            thousands(u64::from(n))
        } else {
            grouped_number(format!("{r:.2}"))
        }
    };
    let mut any = false;
    for c in Cause::ALL {
        let n = all.rst[i][c.index()];
        if n > 0 {
            text.push_str(&format!("\n{} resets: {}", c.as_str(), rate(n)));
            any = true;
        }
    }
    if all.failed[i] > 0 {
        text.push_str(&format!("\nfailed attempts: {}", rate(all.failed[i])));
        any = true;
    }
    if all.dropped[i] > 0 {
        let what = "packets dropped by the capturing host";
        text.push_str(&format!("\n{what}: {}", rate(all.dropped[i])));
        any = true;
    }
    if all.late[i] > 0 {
        let what = "attempts answered late (after SYNs resent)";
        text.push_str(&format!("\n{what}: {}", rate(all.late[i])));
        any = true;
    }
    if let Some(k) = all.kernel_failed.as_ref().and_then(|k| k.get(i))
        && *k > 0
    {
        let k = u32::try_from(*k).unwrap_or(u32::MAX);
        text.push_str(&format!("\nkernel AttemptFails: {}", rate(k)));
    }
    if let Some(k) = all.kernel_rsts.as_ref().and_then(|k| k.get(i))
        && *k > 0
    {
        let k = u32::try_from(*k).unwrap_or(u32::MAX);
        text.push_str(&format!("\nkernel OutRsts: {}", rate(k)));
    }
    if !any {
        text.push_str("\nno resets, no failed attempts");
    }
    if let (Some(h), Some((name, from))) = (highlight, name)
        && let Some(j) = h.index_of(x)
    {
        match from.filter(|&f| s + all.width - 1 < f) {
            Some(f) => text.push_str(&format!(
                "\n{name}: not kept before {} (with thousands of busy endpoints, it gave up \
                 older seconds to bound memory)",
                clock.time(Timestamp::from_parts(f, 0))
            )),
            None => {
                let n = h.incidents[j];
                // A second's one incident is one; an average over a bucket is plural.
                let noun = if all.width == 1 && n == 1 {
                    "incident"
                } else {
                    "incidents"
                };
                text.push_str(&format!("\n{name}: {} {noun}", rate(n)));
            }
        }
    }
    Some(text)
}

/// What dates the time-axis labels carry besides what the view's length asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dated {
    /// Only when the view spans days.
    AsLong,
    /// Month and day: stretches of time on different days.
    Day,
    /// The year too: stretches of time in different years.
    Year,
}

/// The dates the labels of `axis` need: its stretches' first and last seconds all on one day,
/// in one year, or neither.
fn axis_dated(clock: Clock, axis: &TimeAxis) -> Dated {
    if axis.is_plain() {
        return Dated::AsLong;
    }
    let days: Vec<String> = axis
        .stretches()
        .iter()
        .flat_map(|s| [s.from, s.to])
        .map(|s| clock.full(Timestamp::from_parts(s, 0)))
        .collect();
    let differ = |n: usize| days.iter().any(|d| d.get(..n) != days[0].get(..n));
    if differ(4) {
        Dated::Year
    } else if differ(10) {
        Dated::Day
    } else {
        Dated::AsLong
    }
}

/// A time-axis label for packet time `t`: the time of day, with the date when the view spans
/// days or its stretches lie on different days (and the year when in different years).
fn axis_time(clock: Clock, t: f64, range: &RangeInclusive<f64>, dated: Dated) -> String {
    let t = Timestamp::from_parts(t.round() as i64, 0);
    let long = range.end() - range.start() > 2.0 * 86400.0;
    // `2024-05-01 15:13:13.000000 +02:00` -> `2024-05-01 15:13`, `05-01 15:13:13`...
    let cut = match (dated, long) {
        (Dated::AsLong, false) => return clock.time(t),
        (Dated::Year, true) => 0..16,
        (Dated::Year, false) => 0..19,
        (_, true) => 5..16,
        (Dated::Day, false) => 5..19,
    };
    let full = clock.full(t);
    full.get(cut).unwrap_or(&full).to_owned()
}

/// True when a time label `width` wide (in x) centred at `x` would pass the right end of
/// `range`, the plot's edge, or come within 3% of it. (It was left out within 3% only, so that
/// where the plot is narrow, "This machine" open, half of the last label was cut at its edge.)
fn cut_at_the_right(x: f64, range: &RangeInclusive<f64>, width: f64) -> bool {
    let span = range.end() - range.start();
    range.end() - x < (span * 0.03).max(width / 2.0)
}

/// True when a time label `width` wide (in x) centred at `x` would run into a break, or into
/// where the first label after it may be.
fn near_a_break(axis: &TimeAxis, x: f64, width: f64) -> bool {
    axis.breaks().any(|b| x > b.x.1 - width && x <= b.x.0)
}

/// Where a time label `width` wide (in x) centred at `x` would reach back over a break into
/// the stretch before it: that break's end (the start of the label's own stretch).
fn back_over_a_break(axis: &TimeAxis, x: f64, width: f64) -> Option<f64> {
    // The nearest break before the label: its own stretch's start.
    let start = (axis.breaks())
        .map(|b| b.x.1)
        .filter(|&end| end <= x)
        .max_by(f64::total_cmp)?;
    (x - width / 2.0 < start).then_some(start)
}

/// The clock's offset from UTC at `t`, in seconds, so grid lines fall on local minutes/hours.
fn utc_offset_secs(clock: Clock, t: Timestamp) -> i64 {
    if clock.is_utc() {
        0
    } else {
        Local
            .timestamp_opt(t.second(), 0)
            .single()
            .map_or(0, |d| i64::from(d.offset().local_minus_utc()))
    }
}

/// Rates on the y axis: steps of 1, 2 or 5 times a power of ten, at least 30 points apart so
/// that every one is labelled (egui_plot's own spacer may leave only "0" labelled on a short
/// plot of a high rate), with unlabelled lines between them. `whole`: the bars are counts of
/// one second each, whole numbers: no step under 1, no line between two whole numbers (a
/// plot of 1 or 2 resets a second was marked 0.5, 1.0, 1.5, 2.0).
fn rate_grid(input: GridInput, whole: bool) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    // `base_step_size` is egui_plot's least spacing (8 points) in plot units.
    let per_point = input.base_step_size / 8.0;
    if !(per_point.is_finite() && per_point > 0.0 && hi > lo) {
        return Vec::new();
    }
    let mut step = nice_step((per_point * 30.0).max((hi - lo) / 8.0));
    if whole {
        step = step.max(1.0);
    }
    let minor = step / 5.0;
    let minors = (!whole || minor.fract() == 0.0).then_some((minor, true));
    let mut marks = Vec::new();
    for (s, minor) in std::iter::once((step, false)).chain(minors) {
        // Rates are never negative: no mark under the axis's zero.
        let mut k = (lo.max(0.0) / s).ceil();
        while k * s <= hi && marks.len() < 200 {
            let value = k * s + 0.0;
            if !minor
                || marks
                    .iter()
                    .all(|m: &GridMark| (m.value - value).abs() > s / 2.0)
            {
                marks.push(GridMark {
                    value,
                    step_size: s,
                });
            }
            k += 1.0;
        }
    }
    marks.sort_by(|a, b| a.value.total_cmp(&b.value));
    marks
}

/// The highest rate the plot makes room for: its bars' and line's highest, and for counts of
/// a second (`whole`) at least 1, so that a plot of nothing but zeros reads 0 and 1 from its
/// bottom (it was marked 0 alone, its line across the middle, once marks were whole).
fn rate_top(top: f64, whole: bool) -> f64 {
    if whole { top.max(1.0) } else { top }
}

/// A rate with as many decimals as its grid step needs (`0.5`, `2`, `0.05`).
fn rate_label(value: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    grouped_number(format!("{value:.decimals$}"))
}

/// A number written with `format!` ("1000", "-2500.50") with its whole part's thousands
/// grouped ("1,000", "-2,500.50"), as the legend and the headline write the counts beside it:
/// the rate axis said "1000" under "refused 2,000".
fn grouped_number(text: String) -> String {
    let (sign, digits) = text.split_at(usize::from(text.starts_with('-')));
    let (whole, fraction) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    match whole.parse::<u64>() {
        Ok(n) => format!("{sign}{}{fraction}", thousands(n)),
        Err(_) => text,
    }
}

/// The smallest of 1, 2, 5 x 10^k that is at least `least`.
fn nice_step(least: f64) -> f64 {
    let power = 10f64.powf(least.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= least * 0.999_999)
        .unwrap_or(10.0 * power)
}

/// [`time_grid`] in each stretch of time in view, on its own seconds; none in the breaks.
/// A stretch too short for one of its marks to be labelled (labels `label` points wide) has
/// its coarsest mark labelled all the same: two files far apart, the later one of a second
/// drawn 80 points wide, showed no time at all under that second.
fn stretch_grid(input: GridInput, offset: i64, axis: &TimeAxis, label: f64) -> Vec<GridMark> {
    if axis.is_plain() {
        return time_grid(input, offset);
    }
    // egui_plot's base step is 8 points in plot units; it labels a mark whose step is at
    // least 60 points and as wide as the label (fully drawn from 80 points).
    let labelled = input.base_step_size / 8.0 * label.max(80.0);
    let (lo, hi) = input.bounds;
    let mut marks = Vec::new();
    for s in axis.stretches() {
        let bounds = (lo.max(s.x_from()), hi.min(s.x_end()));
        if bounds.0 <= bounds.1 {
            let input = GridInput { bounds, ..input };
            let mut own = time_grid(input, offset + s.shift);
            if own.iter().all(|m| m.step_size < labelled)
                && let Some(coarsest) = own
                    .iter_mut()
                    .rev()
                    .max_by(|a, b| a.step_size.total_cmp(&b.step_size))
            {
                coarsest.step_size = labelled;
            }
            marks.extend(own);
        }
    }
    marks
}

/// Grid lines on whole seconds, minutes, hours or days of the clock shown.
fn time_grid(input: GridInput, offset: i64) -> Vec<GridMark> {
    let Some(i) = STEPS.iter().position(|&s| s as f64 >= input.base_step_size) else {
        return Vec::new();
    };
    let (lo, hi) = input.bounds;
    let mut marks: Vec<GridMark> = Vec::new();
    // The finest step, then two coarser ones (about 4x and 16x).
    let finest = STEPS[i];
    let coarser = |s: i64| STEPS.iter().copied().find(|&t| t >= s * 4).unwrap_or(s * 4);
    let steps = [finest, coarser(finest), coarser(coarser(finest))];
    for step in steps.into_iter().rev() {
        let off = offset.rem_euclid(step) as f64;
        let s = step as f64;
        let mut k = ((lo + off) / s).ceil();
        while k * s - off <= hi && marks.len() < 1000 {
            let value = k * s - off;
            if !marks.iter().any(|m| (m.value - value).abs() < 0.5) {
                marks.push(GridMark {
                    value,
                    step_size: s,
                });
            }
            k += 1.0;
        }
    }
    marks.sort_by(|a, b| a.value.total_cmp(&b.value));
    marks
}

/// What the rate axis's title leaves of the plot frame's height: a few points at either end.
const RATE_TITLE_MARGIN: f32 = 8.0;

/// `1 s`, `15 s`, `5 min`, `2 h`, `1 d`.
/// The rate axis's title, written along it: the longest of its forms that `measure` finds no
/// longer than `room` points (the plot's height). A small window's plot of 80 points drew
/// "per second (average of 10 min)" past its top, over the legend and the table's heading.
fn rate_title(bucket: i64, room: f32, measure: impl Fn(&str) -> f32) -> String {
    let forms = if bucket == 1 {
        vec!["per second".to_owned(), "/s".to_owned()]
    } else {
        let d = duration(bucket);
        vec![
            format!("per second (average of {d})"),
            format!("/s (average of {d})"),
            format!("/s ({d} avg.)"),
            format!("/s ({d})"),
            "/s".to_owned(),
        ]
    };
    let last = forms.len() - 1;
    forms
        .into_iter()
        .enumerate()
        .find(|(i, t)| *i == last || measure(t) <= room)
        .map(|(_, t)| t)
        .unwrap_or_default()
}

/// A bucket's width or a selected range's length: in its unit when whole (`5 min`, `2 h`),
/// else as the report rounds it (`31.9 h`, where such a range read "114679 s").
fn duration(secs: i64) -> String {
    match secs {
        s if s % 86400 == 0 => format!("{} d", s / 86400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 && s >= 60 => format!("{} min", s / 60),
        s => report::approx_duration(s),
    }
}

/// The offenders as the headline counts them: a scan's targets are the scan, not one
/// offender each (synscan's 1,000 probed ports were "1,000 offenders").
struct Offenders<'a> {
    count: usize,
    scans: &'a [Arc<Scan>],
    /// Offenders that are a scan's targets.
    in_scans: usize,
}

impl<'a> Offenders<'a> {
    fn of(snapshot: &'a crate::engine::Snapshot) -> Self {
        Self {
            count: snapshot.offenders.len(),
            scans: &snapshot.scans,
            in_scans: snapshot
                .offenders
                .iter()
                .filter(|o| o.scan.is_some())
                .count(),
        }
    }

    /// ", 2 offenders"; ", 1 port scan (1,000 ports) and 1 other offender".
    fn words(&self) -> String {
        let others = self.count.saturating_sub(self.in_scans);
        let offenders = |n: usize, other: &str| match n {
            0 => format!("no {other}offender"),
            1 => format!("1 {other}offender"),
            n => format!("{} {other}offenders", thousands(n as u64)),
        };
        let scans = match self.scans {
            [] => return format!(", {}", offenders(others, "")),
            [scan] => {
                let (what, targets) = match scan.kind {
                    ScanKind::Ports { .. } => ("port scan", "ports"),
                    ScanKind::Sweep { .. } => ("sweep", "servers"),
                };
                format!("1 {what} ({} {targets})", thousands(scan.targets))
            }
            scans => format!(
                "{} scans ({} targets)",
                thousands(scans.len() as u64),
                thousands(scans.iter().map(|s| s.targets).sum())
            ),
        };
        match others {
            0 => format!(", {scans}"),
            n => format!(", {scans} and {}", offenders(n, "other ")),
        }
    }
}

/// The headline's words: "1 reset and 9 failed connection attempts in 95.4 s (failed: 0.09/s),
/// 2 offenders", over `time`, the time the capture covers ([`Analysis::span`]: a live
/// capture's from its start, however quiet). With files far apart in time, `covered` is the
/// time they cover: the rate is over that, and the span is said to be mostly a gap.
/// The [headline](PlotView::headline) as drawn: its sentence, large and strong.
fn headline_rich(a: &Analysis, loading: bool) -> RichText {
    let text = if a.snapshot.totals.first_ts.is_none() {
        no_tcp_text(&a.capture, loading)
    } else {
        let covered = crate::pipeline::merged::covered_seconds(&a.capture.files);
        let offenders = Offenders::of(&a.snapshot);
        let text = headline_text(&a.snapshot.totals, a.span(), &offenders, covered);
        with_last_minute(text, a, loading)
    };
    RichText::new(text).size(fonts::HEADLINE).strong()
}

fn headline_text(
    t: &Totals,
    time: Option<(Timestamp, Timestamp)>,
    offenders: &Offenders<'_>,
    covered: Option<i64>,
) -> String {
    // The seconds touched, over which a rate is counted (README, Definitions), and the
    // capture's span, which the words say as the text report's time line does.
    let (span, lasted) = match time {
        Some((f, l)) => (l.second() - f.second() + 1, report::capture_span(f, l)),
        None => (0, String::new()),
    };
    // Under a second, the counts say it: a rate per second would say what a second would
    // hold (a 12 ms capture with 3 refusals of one attempt was "(failed: 1.0/s)").
    let short = time.is_some_and(|(f, l)| report::under_a_second(f, l));
    // Numbers grouped by thousands, as the status bar writes them.
    let counted = |n: u64, one: &str, many: &str| {
        format!("{} {}", thousands(n), if n == 1 { one } else { many })
    };
    let (resets, failed) = (
        counted(t.rst_packets, "reset", "resets"),
        counted(
            t.failed_attempts,
            "failed connection attempt",
            "failed connection attempts",
        ),
    );
    // Attempts answered only after their SYNs were sent again, where there are any: a listen
    // queue that overflowed was headed "0 resets and 4 failed connection attempts" over a
    // plot of its failures alone.
    let mut text = match t.late_answers {
        0 => format!("{resets} and {failed}"),
        n => format!("{resets}, {failed} and {} answered late", thousands(n)),
    };
    // The rate over the seconds captured; none where nothing failed ("(failed: 0.00/s)"
    // beside a capture of resets only read as a measurement of something).
    let over = match covered {
        Some(covered) if span > 0 => Some((
            format!(
                " in {} of capture over {lasted}",
                report::approx_duration(covered),
            ),
            covered,
        )),
        _ if span > 0 => Some((format!(" in {lasted}"), span)),
        _ => None,
    };
    if let Some((words, seconds)) = over {
        text.push_str(&words);
        if t.failed_attempts > 0 && !short {
            text.push_str(&format!(
                " (failed: {})",
                report::rate(t.failed_attempts as f64 / seconds as f64)
            ));
        }
    }
    if t.dropped_packets > 0 {
        // Not sent or received, so in neither count above: said, or they would go unseen.
        text.push_str(&format!(
            "; {} dropped by the host",
            counted(t.dropped_packets, "packet", "packets")
        ));
    }
    text.push_str(&offenders.words());
    text
}

/// The seconds a live capture's recent rate is counted over ([`last_minute`]).
const LAST_MINUTE: i64 = 60;

/// A live capture's failed attempts a second over its last minute, where it has run longer
/// than that: the rate a monitoring system's alert gives (a counter's rate over its last
/// minutes), which the average over a capture begun before the failures, or one that saw
/// them end, is far from. In the founding story's trial, a capture begun while the collector
/// served was headed "failed: 0.9/s" beside an alert of 2.01 a second.
fn last_minute(a: &Analysis) -> Option<f64> {
    let (first, last) = a.span()?;
    let live = a.capture.captured.is_some_and(|c| c.live);
    if !live || last.second() - first.second() < LAST_MINUTE {
        return None;
    }
    let from = last.second() - LAST_MINUTE + 1;
    let series = &a.snapshot.series;
    let start = series.partition_point(|&(second, _)| second < from);
    let failed: u64 = (series.get(start..).unwrap_or_default().iter())
        .take_while(|&&(second, _)| second <= last.second())
        .map(|(_, c)| u64::from(c.failed()))
        .sum();
    Some(failed as f64 / LAST_MINUTE as f64)
}

/// The headline's `text` with a live capture's [`last_minute`] rate after its average,
/// where it fails and the two differ as written: "(failed: 0.9/s; 2.0/s in the last minute)",
/// "(failed: 0.9/s; none in the last minute)" once the failures stopped. Once the capture
/// stopped (`running` false), "in its last minute": read minutes later, "none in the last
/// minute" told of now, which the capture no longer sees.
fn with_last_minute(text: String, a: &Analysis, running: bool) -> String {
    let Some(recent) = last_minute(a) else {
        return text;
    };
    let Some(at) = text.find(" (failed: ") else {
        return text;
    };
    let Some(close) = text.get(at..).and_then(|t| t.find(')')).map(|i| at + i) else {
        return text;
    };
    let minute = if running {
        "the last minute"
    } else {
        "its last minute"
    };
    let recent = if recent > 0.0 {
        format!("{} in {minute}", report::rate(recent))
    } else {
        format!("none in {minute}")
    };
    let average = text.get(at + " (failed: ".len()..close).unwrap_or_default();
    if recent.starts_with(&format!("{average} ")) {
        return text;
    }
    format!("{}; {recent}{}", &text[..close], &text[close..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (the founding story, live in the app): a capture begun while the collector
    /// served, which then crashed, refusing two connects a second, was headed "failed: 0.9/s"
    /// beside the alert's 2.01/s: the average over its quiet first part. The last minute's
    /// rate follows it; once the service is fixed, "none in the last minute".
    #[test]
    fn a_live_captures_headline_gives_the_last_minutes_rate() {
        let t0 = 1_700_000_000;
        let failing = |from: i64, to: i64| {
            (from..to)
                .map(|s| {
                    let c = SecondCounts {
                        failed_by: [2, 0, 0],
                        ..SecondCounts::default()
                    };
                    (t0 + s, c)
                })
                .collect::<Vec<_>>()
        };
        let headline = |series: Vec<(i64, SecondCounts)>, seconds: i64, running: bool| {
            let failed = series.iter().map(|(_, c)| u64::from(c.failed())).sum();
            let totals = Totals {
                failed_attempts: failed,
                first_ts: Some(Timestamp::from_parts(t0 + 1, 0)),
                last_ts: Some(Timestamp::from_parts(t0 + seconds - 1, 0)),
                ..Totals::default()
            };
            let a = Analysis {
                capture: crate::analysis::CaptureInfo {
                    captured: Some(crate::analysis::CaptureTime {
                        start: Timestamp::from_parts(t0, 0),
                        end: Timestamp::from_parts(t0 + seconds - 1, 0),
                        live: true,
                    }),
                    ..Default::default()
                },
                snapshot: crate::engine::Snapshot {
                    totals,
                    series,
                    ..Default::default()
                },
                host: None,
            };
            let text = headline_text(&a.snapshot.totals, a.span(), &plain(1), None);
            with_last_minute(text, &a, running)
        };
        let live = |series, seconds| headline(series, seconds, true);
        // 100 quiet seconds, then 80 failing at 2/s: 0.9/s on average.
        assert_eq!(
            live(failing(100, 180), 180),
            "0 resets and 160 failed connection attempts in 3 min (failed: 0.9/s; 2.0/s in the \
             last minute), 1 offender"
        );
        // Fixed 30 s before now.
        assert_eq!(
            live(failing(100, 150), 180),
            "0 resets and 100 failed connection attempts in 3 min (failed: 0.6/s; 1.0/s in the \
             last minute), 1 offender"
        );
        assert_eq!(
            live(failing(60, 110), 180),
            "0 resets and 100 failed connection attempts in 3 min (failed: 0.6/s; none in the \
             last minute), 1 offender"
        );
        // Failing all along: the two are the same, said once.
        assert_eq!(
            live(failing(0, 180), 180),
            "0 resets and 360 failed connection attempts in 3 min (failed: 2.0/s), 1 offender"
        );
        // A minute or less: the average is the last minute's.
        assert_eq!(
            live(failing(30, 60), 60),
            "0 resets and 60 failed connection attempts in 59.0 s (failed: 1.0/s), 1 offender"
        );
        // Regression (real-window trial): stopped, and read minutes later, "none in the last
        // minute" told of now. It is the capture's last minute.
        assert_eq!(
            headline(failing(60, 110), 180, false),
            "0 resets and 100 failed connection attempts in 3 min (failed: 0.6/s; none in its \
             last minute), 1 offender"
        );
        assert_eq!(
            headline(failing(100, 180), 180, false),
            "0 resets and 160 failed connection attempts in 3 min (failed: 0.9/s; 2.0/s in its \
             last minute), 1 offender"
        );
    }

    /// A file's time: its first TCP packet to its last.
    fn packets(t: &Totals) -> Option<(Timestamp, Timestamp)> {
        t.first_ts.zip(t.last_ts)
    }

    /// Regression (real window): a live capture of a minute whose two refusals came in one
    /// second was headed "2 resets and 2 failed connection attempts in 0.0 s (failed:
    /// 2.0/s)": the time between its packets. It is the capture's time, from its start.
    #[test]
    fn a_live_captures_headline_is_over_the_time_it_captured() {
        let t0 = Timestamp::from_parts(1_700_000_000, 500_000_000);
        let totals = Totals {
            rst_packets: 2,
            failed_attempts: 2,
            first_ts: Some(t0),
            last_ts: Some(t0),
            ..Totals::default()
        };
        let analysis = Analysis {
            capture: crate::analysis::CaptureInfo {
                captured: Some(crate::analysis::CaptureTime {
                    start: Timestamp::from_parts(1_700_000_000 - 30, 0),
                    end: Timestamp::from_parts(1_700_000_000 + 29, 0),
                    live: true,
                }),
                ..Default::default()
            },
            snapshot: crate::engine::Snapshot {
                totals: totals.clone(),
                ..Default::default()
            },
            host: None,
        };
        assert_eq!(
            headline_text(&totals, analysis.span(), &plain(1), None),
            "2 resets and 2 failed connection attempts in 59.0 s (failed: 0.03/s), 1 offender"
        );
    }

    /// Offenders without a scan among them.
    fn plain(count: usize) -> Offenders<'static> {
        Offenders {
            count,
            scans: &[],
            in_scans: 0,
        }
    }

    /// Regression: synscan's headline said "1,000 offenders", one for each probed port; the
    /// scan is one finding, as the report's first line says.
    #[test]
    fn the_headline_counts_a_scan_as_one_finding() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/syn-scan.pcap");
        let a = crate::analysis::analyze_files(&[path], Default::default()).expect("fixture");
        let mut offenders = Offenders::of(&a.snapshot);
        let in_scans = offenders.in_scans;
        assert!(in_scans > 20 && a.snapshot.scans.len() == 1, "{in_scans}");
        let ports = a.snapshot.scans[0].targets;
        let others = offenders.count - in_scans;
        let others = match others {
            0 => String::new(),
            1 => " and 1 other offender".to_owned(),
            n => format!(" and {n} other offenders"),
        };
        assert_eq!(
            offenders.words(),
            format!(", 1 port scan ({ports} ports){others}")
        );
        offenders.count = in_scans + 1;
        assert_eq!(
            offenders.words(),
            format!(", 1 port scan ({ports} ports) and 1 other offender")
        );
    }

    /// Regression (800x600, a day's capture): the rate axis's title, "per second (average of
    /// 10 min)", was longer than the 80-point plot and was drawn over the legend and the
    /// table's heading. It takes the longest form that fits along the axis.
    #[test]
    fn the_rate_axis_title_fits_along_a_short_plot() {
        let width = |t: &str| 6.5 * t.chars().count() as f32;
        assert_eq!(
            rate_title(600, 300.0, width),
            "per second (average of 10 min)"
        );
        assert_eq!(rate_title(600, 150.0, width), "/s (average of 10 min)");
        assert_eq!(rate_title(600, 110.0, width), "/s (10 min avg.)");
        assert_eq!(rate_title(600, 80.0, width), "/s (10 min)");
        assert_eq!(rate_title(600, 10.0, width), "/s");
        assert_eq!(rate_title(1, 80.0, width), "per second");
        assert_eq!(rate_title(1, 40.0, width), "/s");
    }

    fn counts(refused: u32, failed: u32) -> SecondCounts {
        let mut c = SecondCounts {
            failed_by: [failed, 0, 0],
            incidents: refused.max(failed),
            ..SecondCounts::default()
        };
        c.rst[Cause::Refused.index()] = refused;
        c
    }

    #[test]
    fn buckets_sum_sparse_seconds_and_fill_gaps_with_zeros() {
        let series = [
            (100, counts(2, 2)),
            (101, counts(2, 2)),
            (107, counts(1, 0)),
        ];
        let b = Buckets::new(&series, 1, 100, 109);
        assert_eq!(b.failed, [2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(b.rst[7][Cause::Refused.index()], 1);
        let b = Buckets::new(&series, 5, 100, 109);
        assert_eq!((b.start, b.failed.len()), (100, 2));
        assert_eq!(b.rst[0][Cause::Refused.index()], 4);
        assert_eq!(b.rst[1][Cause::Refused.index()], 1);
        assert_eq!(b.index_of(104.9), Some(0));
        assert_eq!(b.index_of(105.0), Some(1));
        assert_eq!(b.index_of(99.0), None);
        assert_eq!(b.index_of(110.0), None);
    }

    /// Regression (s41): pktmon-drops.pcapng's 127.0.0.1:7400, whose incidents are SYNs the
    /// capturing host dropped, had an empty plot: the buckets had no count of drops to draw.
    /// They sum them as the other counts, and hovering a second says them.
    #[test]
    fn buckets_count_the_packets_the_host_dropped_and_the_hover_says_them() {
        let drops = |n: u32| SecondCounts {
            dropped: n,
            incidents: n,
            ..SecondCounts::default()
        };
        let series = [(100, drops(3)), (101, drops(1)), (104, drops(2))];
        let b = Buckets::new(&series, 1, 100, 104);
        assert_eq!(b.dropped, [3, 1, 0, 0, 2]);
        let b5 = Buckets::new(&series, 5, 100, 104);
        assert_eq!(b5.dropped, [6]);
        let text = hover_text(&b, None, None, Clock::Utc, false, 100.4).expect("inside");
        assert!(
            text.ends_with("packets dropped by the capturing host: 3"),
            "{text}"
        );
        assert!(!text.contains("no resets"), "{text}");
    }

    /// Regression (s45): listen-backlog.pcap's 192.0.2.2:7420, whose listen queue overflowed,
    /// had a quiet plot: its late answers are no reset and no failure, and the buckets had no
    /// count of them. They sum them as the other counts, and hovering a second says them.
    #[test]
    fn buckets_count_the_attempts_answered_late_and_the_hover_says_them() {
        let late = |n: u32| SecondCounts {
            late: n,
            incidents: n,
            ..SecondCounts::default()
        };
        let series = [(100, late(2)), (101, late(1)), (104, late(4))];
        let b = Buckets::new(&series, 1, 100, 104);
        assert_eq!(b.late, [2, 1, 0, 0, 4]);
        let b5 = Buckets::new(&series, 5, 100, 104);
        assert_eq!(b5.late, [7]);
        let text = hover_text(&b, None, None, Clock::Utc, false, 100.4).expect("inside");
        assert!(
            text.ends_with("attempts answered late (after SYNs resent): 2"),
            "{text}"
        );
        assert!(!text.contains("no resets"), "{text}");
        let text = hover_text(&b5, None, None, Clock::Utc, false, 101.0).expect("inside");
        assert!(
            text.ends_with("attempts answered late (after SYNs resent): 1.40"),
            "{text}"
        );
    }

    /// Regression (s45): listen-backlog.pcap was headed "0 resets and 4 failed connection
    /// attempts", nothing of the 2 attempts answered late its offender is about.
    #[test]
    fn the_headline_says_the_attempts_answered_late() {
        let t = Totals {
            failed_attempts: 4,
            late_answers: 2,
            ..Totals::default()
        };
        let text = headline_text(&t, None, &plain(1), None);
        assert!(
            text.starts_with("0 resets, 4 failed connection attempts and 2 answered late"),
            "{text}"
        );
        let none = Totals {
            late_answers: 0,
            ..t
        };
        let text = headline_text(&none, None, &plain(1), None);
        assert!(
            text.starts_with("0 resets and 4 failed connection attempts"),
            "{text}"
        );
    }

    /// Regression: a capture with one reset (chrissanders-packets/http_espn_fail.pcapng)
    /// was headed "1 resets and 9 failed connection attempts".
    #[test]
    fn the_headline_says_one_reset_and_one_attempt_in_the_singular() {
        assert_eq!(plain(0).words(), ", no offender");
        let one = Totals {
            rst_packets: 1,
            failed_attempts: 1,
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&one, packets(&one), &plain(1), None),
            "1 reset and 1 failed connection attempt, 1 offender"
        );
        let more = Totals {
            rst_packets: 2,
            failed_attempts: 0,
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&more, packets(&more), &plain(2), None),
            "2 resets and 0 failed connection attempts, 2 offenders"
        );
    }

    /// Regression (window trial, tcpdump's tcp_rst_data.pcap): a capture of one reset and no
    /// failed attempt was headed "... in 1 s (failed: 0.00/s), 1 offender"; a rate of nothing
    /// is left out. Regression (real-window trial): a capture of one instant was headed "in
    /// 0.0 s (failed: 3.0/s)", and one of 12 ms "in 0.0 s (failed: 1.0/s)": a rate per second
    /// of less than a second's capture, over the one second it touched. It lasted 0 ms, or
    /// 12 ms, as the text report says too, and its counts are the figures.
    #[test]
    fn the_headline_gives_no_rate_of_no_failed_attempt() {
        let t0 = Timestamp::from_parts(1_361_916_199, 0);
        let totals = Totals {
            rst_packets: 1,
            failed_attempts: 0,
            first_ts: Some(t0),
            last_ts: Some(t0),
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&totals, packets(&totals), &plain(1), None),
            "1 reset and 0 failed connection attempts in 0 ms, 1 offender"
        );
        let failed = Totals {
            failed_attempts: 3,
            ..totals
        };
        assert_eq!(
            headline_text(&failed, packets(&failed), &plain(1), None),
            "1 reset and 3 failed connection attempts in 0 ms, 1 offender"
        );
        let short = Totals {
            failed_attempts: 1,
            rst_packets: 3,
            last_ts: Some(Timestamp(t0.0 + 12_050_000)),
            ..totals
        };
        assert_eq!(
            headline_text(&short, packets(&short), &plain(1), None),
            "3 resets and 1 failed connection attempt in 12 ms, 1 offender"
        );
        // From a second on, the rate is over the seconds touched, as before.
        let second = Totals {
            last_ts: Some(Timestamp(t0.0 + 1_000_000_000)),
            ..short
        };
        assert_eq!(
            headline_text(&second, packets(&second), &plain(1), None),
            "3 resets and 1 failed connection attempt in 1.0 s (failed: 0.5/s), 1 offender"
        );
    }

    /// Regression: a capture from 22:13:20.9 to 22:13:35.9 (15.0 s, as the text report's time
    /// line says) was headed "... in 16 s": the seconds it touched, not its span.
    #[test]
    fn the_headline_says_the_captures_span() {
        let t0 = Timestamp::from_parts(1_700_000_000, 900_000_000);
        let totals = Totals {
            rst_packets: 2,
            failed_attempts: 0,
            first_ts: Some(t0),
            last_ts: Some(t0.plus_secs(15)),
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&totals, packets(&totals), &plain(1), None),
            "2 resets and 0 failed connection attempts in 15.0 s, 1 offender"
        );
        let long = Totals {
            last_ts: Some(t0.plus_secs(3_700)),
            ..totals
        };
        assert_eq!(
            headline_text(&long, packets(&long), &plain(1), None),
            "2 resets and 0 failed connection attempts in 62 min, 1 offender"
        );
    }

    /// The headline groups thousands as the status bar does (it said "1991 resets" above a
    /// status bar of "2,011 packets").
    #[test]
    fn the_headline_groups_thousands_as_the_status_bar() {
        let many = Totals {
            rst_packets: 1991,
            failed_attempts: 1_200_000,
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&many, packets(&many), &plain(1234), None),
            "1,991 resets and 1,200,000 failed connection attempts, 1,234 offenders"
        );
    }

    /// Regression: two captures 17 years apart were headed "10 resets and 10 failed connection
    /// attempts in 6205.0 days (failed: 0.002/day)": the rate over the years between them.
    #[test]
    fn the_headline_rate_of_files_far_apart_is_over_the_time_they_cover() {
        let t0 = Timestamp::from_parts(1_260_000_000, 0);
        let totals = Totals {
            rst_packets: 10,
            failed_attempts: 10,
            first_ts: Some(t0),
            last_ts: Some(t0.plus_secs(6205 * 86_400)),
            ..Totals::default()
        };
        assert_eq!(
            headline_text(&totals, packets(&totals), &plain(1), Some(2)),
            "10 resets and 10 failed connection attempts in 2 s of capture over 6205.0 days (failed: 5.0/s), 1 offender"
        );
    }

    #[test]
    fn bucket_width_keeps_a_day_drawable() {
        assert_eq!(bucket_width(10.0, 1000.0), 1);
        // A day on 1200 points: buckets of at least 288 s -> 300 s.
        assert_eq!(bucket_width(86400.0, 1200.0), 300);
    }

    #[test]
    fn hovering_a_second_tells_its_counts() {
        let series = [(100, counts(2, 2))];
        let b = Buckets::new(&series, 1, 100, 101);
        let text = hover_text(&b, None, None, Clock::Utc, false, 100.4).expect("inside");
        // Without stretches on different days, the time alone, as before.
        assert!(text.starts_with("00:01:40 +00:00"), "{text}");
        assert!(text.contains("refused resets: 2"), "{text}");
        assert!(text.contains("failed attempts: 2"), "{text}");
        let quiet = hover_text(&b, None, None, Clock::Utc, false, 101.5).expect("inside");
        assert!(quiet.contains("no resets"), "{quiet}");
        // An endpoint that gave up its seconds before 101 does not say "0 incidents" there.
        let mine = Buckets::new(&[(101, counts(1, 1))], 1, 100, 101);
        let name = Some(("10.0.0.2:80", Some(101)));
        let before = hover_text(&b, Some(&mine), name, Clock::Utc, false, 100.4).expect("inside");
        assert!(
            before.contains("10.0.0.2:80: not kept before 00:01:41"),
            "{before}"
        );
        let after = hover_text(&b, Some(&mine), name, Clock::Utc, false, 101.4).expect("inside");
        // Regression: "1 incidents".
        assert!(after.ends_with("10.0.0.2:80: 1 incident"), "{after}");
    }

    /// 2009-12-01 13:08:38 UTC and 6205 days later (tests/cli.rs's captures years apart).
    const OLD: i64 = 1_259_672_918;
    const YEARS: i64 = 6205 * 86_400;

    /// One second of capture each side of a 6205-day gap.
    fn years_apart() -> TimeAxis {
        TimeAxis::new(OLD, OLD + YEARS, &[(OLD, OLD + YEARS)])
    }

    #[test]
    fn a_later_stretch_is_bucketed_on_its_own_seconds_after_the_break() {
        let axis = years_apart();
        let stretch = axis.stretches()[1];
        let b = Buckets::new(&[(OLD + YEARS, counts(5, 5))], 1, OLD + YEARS, OLD + YEARS)
            .shifted(stretch.shift);
        // Drawn right after the break (x of OLD + 2), found there, with its real second.
        assert_eq!(b.x(0), (OLD + 2) as f64);
        assert_eq!(b.index_of((OLD + 2) as f64 + 0.5), Some(0));
        assert_eq!(
            b.index_of((OLD + YEARS) as f64),
            None,
            "not at its real time"
        );
        assert_eq!(b.second(0), OLD + YEARS);
        let text = hover_text(&b, None, None, Clock::Utc, true, (OLD + 2) as f64 + 0.5);
        let text = text.expect("inside");
        assert!(text.starts_with("2026-11-27 13:08:38 +00:00"), "{text}");
        assert!(text.contains("refused resets: 5"), "{text}");
    }

    /// Regression (real-window trial, two captures years apart merged into one file): the
    /// app's clock for such a capture dates every time (its first and last packet fall on
    /// different days), and hovering a second after the break said "2026-11-27 2026-11-27
    /// 13:08:38 +00:00", the date twice; so did a bucket of several seconds. Once each.
    #[test]
    fn a_dated_clock_dates_the_hovered_time_once() {
        let axis = years_apart();
        let stretch = axis.stretches()[1];
        let at = (OLD + 2) as f64 + 0.5;
        for clock in [Clock::Utc, Clock::UtcDated] {
            let b = Buckets::new(&[(OLD + YEARS, counts(5, 5))], 1, OLD + YEARS, OLD + YEARS)
                .shifted(stretch.shift);
            let text = hover_text(&b, None, None, clock, true, at).expect("inside");
            assert!(text.starts_with("2026-11-27 13:08:38 +00:00"), "{text}");
            let wide = Buckets::new(&[(OLD + YEARS, counts(5, 5))], 10, OLD + YEARS, OLD + YEARS)
                .shifted(stretch.shift);
            let start = wide.x(0);
            let text = hover_text(&wide, None, None, clock, true, start + 0.5).expect("inside");
            assert!(
                text.starts_with("2026-11-27 13:08:30-13:08:39 (10 s)"),
                "{clock:?}: {text}"
            );
        }
    }

    /// Regression (real window): rank-by-incidents.pcap (70 s of 2023) and refused-v4.pcap (a
    /// second of 2026) opened together: the later second, 80 points wide after the break,
    /// had no time label under it.
    #[test]
    fn a_stretch_too_short_for_its_grids_labels_still_has_one() {
        let t0 = 1_700_000_000;
        let later = t0 + 1108 * 86_400;
        let axis = TimeAxis::new(t0, later, &[(t0 + 70, later)]);
        let stretch = axis.stretches()[1];
        let bounds = (axis.x(t0 as f64), stretch.x_end());
        // 1200 points wide; labels 140 points wide ("2026-11-27 13:08:38").
        let base_step_size = (bounds.1 - bounds.0) / 1200.0 * 8.0;
        let label = 140.0;
        let marks = stretch_grid(
            GridInput {
                bounds,
                base_step_size,
            },
            0,
            &axis,
            label,
        );
        let labelled = |m: &GridMark| m.step_size / base_step_size * 8.0 >= label;
        let (before, after): (Vec<GridMark>, Vec<GridMark>) =
            marks.into_iter().partition(|m| m.value < stretch.x_from());
        assert!(before.iter().any(labelled), "the earlier stretch's labels");
        let first = after
            .iter()
            .find(|m| labelled(m))
            .expect("a label after the break");
        assert_eq!(
            axis.time(first.value),
            later as f64,
            "at the later stretch's first second"
        );
        assert_eq!(after.iter().filter(|m| labelled(m)).count(), 1);
    }

    #[test]
    fn buckets_follow_the_time_covered_not_the_gap() {
        // An hour yesterday and an hour today, 1200 points wide.
        let day = 86_400;
        let axis = TimeAxis::new(0, day + 3599, &[(3599, day)]);
        let span = axis.x((day + 3600) as f64) - axis.x(0.0);
        assert_eq!(span, 7200.0 + 360.0, "two hours and the break");
        assert_eq!(bucket_width(span, 1200.0).min(widest_bucket(&axis)), 30);
        assert_eq!(
            bucket_width((day + 3600) as f64, 1200.0),
            300,
            "across the gap"
        );
        // Never wider than the break, so two stretches' buckets never meet.
        assert_eq!(widest_bucket(&axis), 300);
        assert_eq!(widest_bucket(&years_apart()), 1);
        assert_eq!(widest_bucket(&TimeAxis::new(0, 10, &[])), i64::MAX);
    }

    #[test]
    fn a_break_is_labelled_with_its_gap_and_its_times_on_hover() {
        let axis = years_apart();
        let b = axis.breaks().next().expect("a break");
        assert_eq!(b.label(), "6205.0 days gap");
        let hover = Hover {
            all: &[],
            highlight: &[],
            name: None,
            axis: &axis,
            clock: Clock::Utc,
        };
        let text = hover.text((OLD + 1) as f64 + 0.5).expect("the break");
        assert_eq!(
            text,
            "6205.0 days gap: nothing was captured from 2009-12-01 13:08:38 to \
             2026-11-27 13:08:38 (UTC); the time axis leaves it out"
        );
        // A range across it: both seconds, of 6205 days.
        assert_eq!(
            selected_length(Some(&axis), OLD, OLD + YEARS),
            "2 s of capture over 6205.0 days"
        );
        assert_eq!(selected_length(Some(&axis), OLD, OLD), "1 s");
        assert_eq!(selected_length(None, 0, 299), "5 min");
        assert_eq!(
            second_range(&axis, (OLD + 2) as f64 + 0.3, OLD as f64 + 0.5),
            (OLD, OLD + YEARS)
        );
        // An end in the break stops at the packets beside it.
        let (in_break, after) = ((OLD + 1) as f64 + 0.5, (OLD + 2) as f64 + 0.3);
        assert_eq!(
            second_range(&axis, in_break, after),
            (OLD + YEARS, OLD + YEARS)
        );
        assert_eq!(second_range(&axis, OLD as f64, in_break), (OLD, OLD));
        let (a, b) = second_range(&axis, in_break, in_break + 0.1);
        assert!(
            OLD < a && a <= b && b < OLD + YEARS,
            "{a}..{b}: inside the gap"
        );
    }

    /// Regression (real-window trial): with "This machine" open, the plot some 370 points
    /// wide, the last time label (some 55 points) centred 5% of the width from the right
    /// edge was drawn and cut there. A label is left out where half of it passes the edge.
    #[test]
    fn the_last_time_label_is_left_out_where_the_edge_would_cut_it() {
        let range = 0.0..=100.0;
        // 55 points of 370: 14.9 of the 100 seconds shown.
        let narrow = 55.0 * 100.0 / 370.0;
        assert!(
            cut_at_the_right(95.0, &range, narrow),
            "half of it past the edge"
        );
        assert!(!cut_at_the_right(90.0, &range, narrow), "whole");
        // 55 points of 1000: 5.5 seconds; 5% from the edge leaves room for half of it.
        assert!(!cut_at_the_right(95.0, &range, 5.5));
        assert!(cut_at_the_right(98.0, &range, 5.5), "within 3% of the edge");
    }

    #[test]
    fn each_stretch_has_grid_lines_on_its_own_clock_and_dated_labels() {
        // An hour on 2026-11-25 and one on 2026-11-26, from 10:00 UTC.
        let t0 = 1_795_600_800;
        let day = 86_400;
        let axis = TimeAxis::new(t0, t0 + day + 3599, &[(t0 + 3599, t0 + day)]);
        let marks = stretch_grid(
            GridInput {
                bounds: (t0 as f64, axis.x((t0 + day + 3600) as f64)),
                base_step_size: 60.0,
            },
            0,
            &axis,
            80.0,
        );
        let b = axis.breaks().next().expect("a break");
        assert!(
            marks.iter().all(|m| !(b.x.0 < m.value && m.value < b.x.1)),
            "none in the break"
        );
        // Every mark is a whole minute of its stretch's real time.
        for m in &marks {
            let t = axis.time(m.value).round() as i64;
            assert_eq!(t % 60, 0, "{m:?} -> {t}");
        }
        assert!(
            marks
                .iter()
                .any(|m| axis.time(m.value) >= (t0 + day) as f64)
        );
        let dated = axis_dated(Clock::Utc, &axis);
        assert_eq!(dated, Dated::Day);
        let range = t0 as f64..=(t0 + 7560) as f64;
        let later = axis.time(b.x.1);
        assert_eq!(
            axis_time(Clock::Utc, later, &range, dated),
            "11-26 10:00:00"
        );
        assert_eq!(axis_dated(Clock::Utc, &years_apart()), Dated::Year);
        assert_eq!(
            axis_time(Clock::Utc, (OLD + YEARS) as f64, &(0.0..=3.0), Dated::Year),
            "2026-11-27 13:08:38"
        );
        // One capture: as before, the time of day alone.
        let plain = TimeAxis::new(t0, t0 + 600, &[]);
        assert_eq!(axis_dated(Clock::Utc, &plain), Dated::AsLong);
        assert_eq!(
            axis_time(Clock::Utc, t0 as f64, &(0.0..=600.0), Dated::AsLong),
            "10:00:00"
        );
        // A label 500 s wide (the break is 360) is left out where it could meet the first label
        // after the break; one narrower than the break never is.
        assert!(near_a_break(&axis, b.x.0 - 10.0, 500.0));
        assert!(
            !near_a_break(&axis, b.x.1 + 10.0, 500.0),
            "the first after it stays"
        );
        assert!(!near_a_break(&axis, b.x.0 - 150.0, 500.0));
        assert!(!near_a_break(&axis, b.x.0 - 10.0, 60.0));
    }

    #[test]
    fn the_rate_axis_always_has_two_labelled_ticks() {
        // 140 points for 0..100 per second (egui_plot's base step: 8 points in plot units).
        for (top, height) in [(100.0, 140.0), (2.4, 110.0), (0.05, 110.0), (5000.0, 300.0)] {
            let marks = rate_grid(
                GridInput {
                    bounds: (0.0, top),
                    base_step_size: top / height * 8.0,
                },
                false,
            );
            let labelled: Vec<&GridMark> = marks
                .iter()
                .filter(|m| m.step_size / top * height >= 30.0)
                .collect();
            assert!(labelled.len() >= 2, "{top}/s on {height} points: {marks:?}");
        }
        assert_eq!(rate_label(1.5, 0.5), "1.5");
        assert_eq!(rate_label(2.0, 0.5), "2.0");
        assert_eq!(rate_label(20.0, 5.0), "20");
        assert_eq!(rate_label(0.04, 0.02), "0.04");
        // Grouped as the legend's counts are.
        assert_eq!(rate_label(1000.0, 500.0), "1,000");
        assert_eq!(rate_label(12_500.0, 0.5), "12,500.0");
        assert_eq!(grouped_number("-2500.50".into()), "-2,500.50");
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(0.011), 0.02);
        assert_eq!(nice_step(10.0), 10.0);
    }

    /// Regression (real-window trial): a plot of 1 or 2 resets a second was marked 0.5, 1.0,
    /// 1.5, 2.0, as if counts of a second could be halves. Seconds' counts get whole marks
    /// (every one labelled, as before); averages over longer bars keep their fractions.
    #[test]
    fn counts_of_a_second_are_marked_in_whole_numbers() {
        for (top, height) in [(2.4, 110.0), (2.4, 300.0), (1.2, 60.0), (12.0, 300.0)] {
            let input = GridInput {
                bounds: (0.0, top),
                base_step_size: top / height * 8.0,
            };
            let marks = rate_grid(input, true);
            assert!(
                marks.iter().all(|m| m.value.fract() == 0.0),
                "{top}/s on {height} points: {marks:?}"
            );
            let labels: Vec<String> = (marks.iter())
                .filter(|m| m.step_size / top * height >= 30.0)
                .map(|m| rate_label(m.value, m.step_size))
                .collect();
            assert!(labels.len() >= 2, "{top}/s on {height} points: {labels:?}");
            assert!(labels.iter().all(|l| !l.contains('.')), "{labels:?}");
        }
        let input = GridInput {
            bounds: (0.0, 2.4),
            base_step_size: 2.4 / 300.0 * 8.0,
        };
        assert!(rate_grid(input, false).iter().any(|m| m.value == 0.5));
        // A plot of zeros alone: room up to 1, so that its marks are 0 and 1.
        assert_eq!(rate_top(0.0, true), 1.0);
        assert_eq!(rate_top(3.0, true), 3.0);
        assert_eq!(rate_top(0.2, false), 0.2);
    }

    /// Regression (real-window trial, zeek's ssh.pcap: a dozen stretches over three years):
    /// the labels of gaps close together were drawn over each other ("98 119.8 35 6.9 days
    /// gap"); the longest gaps' are drawn, none over another.
    #[test]
    fn the_labels_of_gaps_close_together_are_not_drawn_over_each_other() {
        let at =
            |left: f32| egui::Rect::from_min_size(egui::pos2(left, 0.0), egui::vec2(90.0, 16.0));
        let labels = [
            (98 * 86_400, at(10.0)),
            (120 * 86_400, at(40.0)),
            (35 * 86_400, at(70.0)),
            (7 * 86_400, at(102.0)),
            (3 * 86_400, at(400.0)),
        ];
        let mut kept = labels_apart(&labels);
        kept.sort_unstable();
        assert_eq!(
            kept,
            [1, 4],
            "the longest of those close together, and the one apart"
        );
    }

    #[test]
    fn failed_attempts_are_steps_one_value_per_second() {
        let b = Buckets::new(&[(100, counts(2, 2)), (102, counts(0, 1))], 1, 100, 102);
        let points = steps(&b, b.failed.iter().map(|&n| f64::from(n)));
        let xy: Vec<[f64; 2]> = points.points().iter().map(|p| [p.x, p.y]).collect();
        assert_eq!(
            xy,
            [
                [100.0, 2.0],
                [101.0, 2.0],
                [101.0, 0.0],
                [102.0, 0.0],
                [102.0, 1.0],
                [103.0, 1.0]
            ]
        );
    }

    #[test]
    fn grid_lines_fall_on_whole_minutes_of_the_clock() {
        let marks = time_grid(
            GridInput {
                bounds: (0.0, 600.0),
                base_step_size: 40.0,
            },
            1800 + 3600,
        );
        assert!(marks.iter().all(|m| (m.value + 1800.0) % 60.0 == 0.0));
        let plain = TimeAxis::new(100, 200, &[]);
        assert_eq!(second_range(&plain, 105.7, 101.2), (101, 105));
        assert_eq!(duration(300), "5 min");
        assert_eq!(duration(59), "59 s");
        assert_eq!(duration(114_679), "31.9 h");
        assert_eq!(duration(197), "3 min");
    }

    /// Regression (real-window trial): a drag in the plot's left margin selected the second
    /// before the capture, read "14:09:11-14:09:11 (0 s of capture over 1 s)". A drag into a
    /// margin stops at the capture's first or last second, a range is "of capture over" only
    /// across a gap left out, and one second is written once.
    #[test]
    fn a_range_dragged_into_the_margins_is_the_captures_seconds() {
        let plain = TimeAxis::new(100, 200, &[]);
        assert_eq!(second_range(&plain, 98.5, 99.7), (100, 100));
        assert_eq!(second_range(&plain, 150.2, 98.5), (100, 150));
        assert_eq!(second_range(&plain, 190.0, 230.0), (190, 200));
        assert_eq!(second_range(&plain, 201.2, 203.0), (200, 200));
        assert_eq!(selected_length(Some(&plain), 100, 100), "1 s");
        // Set outside the capture (not by a drag): its length, not "0 s of capture".
        assert_eq!(selected_length(Some(&plain), 50, 99), "50 s");
        assert_eq!(selected_length(Some(&plain), 95, 105), "11 s");
        let t = Timestamp::from_parts(1_700_000_000, 0);
        assert_eq!(Clock::Utc.range(t, t.plus_secs(0)), "22:13:20");
        assert_eq!(Clock::Utc.range(t, t.plus_secs(9)), "22:13:20-22:13:29");
    }
}
