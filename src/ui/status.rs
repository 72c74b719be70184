//! The status bar: the source, packets read, what was not decoded and why, connections
//! ended early, warnings, and a live capture's counts and drops.

use std::borrow::Cow;

use eframe::egui::{self, RichText};

use crate::analysis::{Analysis, CaptureInfo, Progress};
use crate::engine::offenders::Services;
use crate::pipeline::live::SavedFiles;
pub use crate::report::thousands;
use crate::report::{self, Clock};
use crate::source::live::CaptureStats;

/// What the status bar reports.
pub struct StatusInput<'a> {
    /// The source's name.
    pub source: &'a str,
    /// The source's name said shorter, from the longest ([`crate::ui::app::Source::shorter_labels`]):
    /// the first that has room is said where the whole has none, the whole on hover.
    pub shorter: &'a [String],
    /// Reading progress, while loading.
    pub progress: Option<Progress>,
    /// Results so far.
    pub analysis: Option<&'a Analysis>,
    /// Still reading.
    pub loading: bool,
    /// A live capture's counts.
    pub capture: Option<CaptureStats>,
    /// The app's clock, for the dates in warnings.
    pub clock: Clock,
}

/// A live capture's saved files and the limit of the next capture's (MiB), which the user
/// sets from the status bar.
pub struct Saving<'a> {
    /// The files the capture is saved to.
    pub saved: Option<&'a SavedFiles>,
    /// The most the next capture saves, in MiB.
    pub limit_mb: &'a mut u64,
}

/// Draws the status bar, on one line where the window is wide enough (800 points with a live
/// capture of six-digit counts, the source's name cut): a second line was a row of the
/// results out of view. True when a
/// warning in it was clicked: the app then shows them all in full ([`warnings_window`]).
pub fn show(ui: &mut egui::Ui, s: &StatusInput<'_>, saving: Option<Saving<'_>>) -> bool {
    let mut clicked = false;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 14.0;
        // Where the row is full, an item goes whole to the next one: "saved 2.2" at the end of
        // one row and "KiB of 1000.0 MiB" under it (640 points) read as two things.
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
        // The source's name (the toolbar's too) is cut to what the counts after it leave, as
        // wide as they were in the last frame: a live capture's counts of six digits sent the
        // saved files to a second row at 800 points.
        let id = ui.scope_id().with("status-bar-counts");
        let counts = ui.data(|d| d.get_temp::<f32>(id)).unwrap_or(0.0);
        let whole_row = ui.available_width();
        let room = (whole_row - counts).max(LEAST_SOURCE);
        source_name(ui, s, room);
        let mut measure = Measure::new(ui);
        let Some(a) = s.analysis else {
            if let Some(p) = s.progress {
                ui.label(format!("{} packets read", thousands(p.frames)));
            }
            ui.data_mut(|d| d.insert_temp(id, 0.0_f32));
            return;
        };
        let c = &a.capture;
        let fit = Fit::choose(ui, s, a, saving.as_ref().map(|s| s.saved), whole_row);
        // A live capture's packets are the ones captured: said once, with what was dropped
        // (the packets analysed, a few fewer, on hover), which keeps the bar on one line.
        match s.capture {
            Some(live) => captured(ui, &live, a, fit.counts),
            None => {
                let noun = if c.frames == 1 { "packet" } else { "packets" };
                ui.label(format!("{} {noun}", thousands(c.frames)))
                    .on_hover_text(link_types(a));
            }
        }
        measure.after(ui);
        let not_decoded = c.not_decoded_total();
        let evicted = a.snapshot.totals.evicted;
        let other_frames = format!(
            "{} other well-formed frames (ARP, UDP, ICMP...)",
            thousands(c.other_frames)
        );
        ui.label(format!("{} TCP", thousands(c.tcp_frames)))
            .on_hover_text(if fit.zeros_folded {
                format!("{other_frames}\n0 not decoded\n0 evicted{EVICTED_HOVER}")
            } else {
                other_frames
            });
        measure.after(ui);
        if not_decoded > 0 {
            let reasons: Vec<String> = c
                .not_decoded
                .iter()
                .map(|(why, n)| format!("{}: {why}", thousands(*n)))
                .collect();
            let first = c
                .not_decoded
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(why, _)| why.to_string())
                .unwrap_or_default();
            // The reason in words, as the headline and the warnings say it (the key,
            // `unsupported-link-type:…`, is for JSON and CSV).
            clicked |= warning(
                ui,
                format!("{} not decoded: {first}", thousands(not_decoded)),
                format!("{} not decoded", thousands(not_decoded)),
                &reasons.join("\n"),
                false,
            );
        } else if !fit.zeros_folded {
            ui.label("0 not decoded");
        }
        measure.after(ui);
        if evicted > 0 || !fit.zeros_folded {
            let evicted_text = RichText::new(format!("{} evicted", thousands(evicted)));
            ui.label(if evicted > 0 {
                evicted_text.color(ui.visuals().warn_fg_color)
            } else {
                evicted_text
            })
            .on_hover_text(EVICTED_HOVER.trim_start_matches(": "));
            measure.after(ui);
        }
        let other = a.snapshot.other_endpoints;
        if other.dropped > 0 {
            let text = format!("{} endpoints not kept", thousands(other.dropped));
            clicked |= warning(
                ui,
                text.clone(),
                text,
                &crate::analysis::other_endpoints_warning(&other, Services::MAX_TRACKED),
                false,
            );
            measure.after(ui);
        }
        let warnings = app_warnings(c, s.clock);
        let short = match warnings.len() {
            0 => String::new(),
            1 => "1 warning".to_owned(),
            n => format!("{} warnings", thousands(n as u64)),
        };
        // The saved files and "reading…" before the capture's warnings, which are cut to
        // what the row leaves them; the saved files keep the warnings' short form its room.
        if let Some(saving) = saving {
            let warned = if warnings.is_empty() {
                0.0
            } else {
                text_width(ui, &short) + ui.spacing().item_spacing.x
            };
            let missing = saved_capture(ui, saving, warned);
            measure.after(ui);
            measure.width += missing;
        }
        if s.loading && s.capture.is_none() {
            ui.label(RichText::new("reading…").weak());
            measure.after(ui);
        }
        if !warnings.is_empty() {
            let text = if warnings.len() == 1 {
                let paths: Vec<&std::path::Path> =
                    c.files.iter().map(|f| f.path.as_path()).collect();
                format!("warning: {}", without_path(&warnings[0], &paths))
            } else {
                short.clone()
            };
            // Room for its short form at least.
            measure.width += text_width(ui, &short) + ui.spacing().item_spacing.x;
            clicked |= warning(ui, text, short, &warnings.join("\n"), true);
        }
        if (measure.width - counts).abs() > 0.5 {
            ui.data_mut(|d| d.insert_temp(id, measure.width));
            ui.ctx().request_repaint();
        }
    });
    clicked
}

/// The source's name in `room` points: whole, or the first of its shorter forms with room
/// (a stopped live capture's "stopped: all interfaces", "stopped"), else cut; the whole name
/// on hover and to a screen reader. Cut, a stopped live capture's read "stopped: live capture
/// on al…" at 480 points, and nothing said on hover what was captured.
fn source_name(ui: &mut egui::Ui, s: &StatusInput<'_>, room: f32) {
    let fits = |text: &str| text_width(ui, text) <= room;
    let shown = match fits(s.source) {
        true => s.source,
        false => (s.shorter.iter())
            .find(|f| fits(f))
            .or(s.shorter.last())
            .map_or(s.source, String::as_str),
    };
    let cut = !fits(shown);
    let name = egui::Label::new(RichText::new(shown).strong())
        .truncate()
        .show_tooltip_when_elided(false);
    let row = egui::vec2(room, ui.spacing().interact_size.y);
    let response = ui.allocate_ui(row, |ui| ui.add(name)).inner;
    if shown != s.source || cut {
        response
            .on_hover_text(s.source)
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, s.source));
    }
}

/// A warning about one of the files open, for the status bar's one line: without the file's
/// path, which the bar names already where one file is open (its file name where several
/// are). A long path left the bar "warning: /var/tmp/…/captures/2026-…" at 800 points,
/// cut before it said anything. Its hover and the list a click opens keep the path.
fn without_path<'a>(warning: &'a str, files: &[&std::path::Path]) -> Cow<'a, str> {
    for f in files {
        let path = f.display().to_string();
        if let Some(rest) = warning
            .strip_prefix(path.as_str())
            .and_then(|r| r.strip_prefix(": "))
        {
            return match (files.len(), f.file_name()) {
                (1, _) | (_, None) => Cow::Borrowed(rest),
                (_, Some(name)) => Cow::Owned(format!("{}: {rest}", name.to_string_lossy())),
            };
        }
    }
    Cow::Borrowed(warning)
}

/// The least width of the status bar's source name, cut.
const LEAST_SOURCE: f32 = 120.0;

/// `text`'s width in the body font.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    crate::ui::one_line_width(ui, text, egui::TextStyle::Body)
}

/// The width the status bar's items take as they are laid out, each with its spacing, on
/// whichever row it went to (each goes whole to a row).
struct Measure {
    /// Where the last item ended, on which row (the cursor's left and top).
    at: egui::Pos2,
    /// The rows' left edge.
    left: f32,
    width: f32,
}

impl Measure {
    fn new(ui: &egui::Ui) -> Self {
        Self {
            at: ui.cursor().min,
            left: ui.max_rect().left(),
            width: 0.0,
        }
    }

    /// After an item was added.
    fn after(&mut self, ui: &egui::Ui) {
        let now = ui.cursor().min;
        self.width += if (now.y - self.at.y).abs() < 0.5 {
            now.x - self.at.x
        } else {
            now.x - self.left
        };
        self.at = now;
    }
}

/// A live capture's counts: where something was dropped, where (kernel, interface, rstscope),
/// in the warning colour; where nothing was, the zeros of each on hover, with the packets
/// analyzed, the copies left out and their link types. Said in `form` ([`Fit`]); where that
/// is short of the whole, the whole on hover and to a screen reader.
fn captured(ui: &mut egui::Ui, c: &CaptureStats, a: &Analysis, form: Form) {
    let texts = captured_texts(c);
    let mut hover = format!(
        "{} packets analyzed{}\n{}",
        thousands(a.capture.frames),
        copies_left_out(c.duplicates, c.repeated),
        link_types(a)
    );
    if c.dropped() == 0 {
        hover = format!("dropped: {}\n{hover}", dropped_places(c));
    }
    let text = texts.of(form);
    let mut rich = RichText::new(text);
    if c.dropped() > 0 {
        rich = rich.color(ui.visuals().warn_fg_color);
    }
    let response = ui.label(rich).on_hover_text(if text == texts.whole {
        hover
    } else {
        format!("{}\n{hover}", texts.whole)
    });
    if text != texts.whole {
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &texts.whole));
    }
}

/// How a live capture's counts say what was captured and dropped: `whole` with the drops of
/// each place (kernel, interface, rstscope), where nothing was dropped "dropped 0" alone (the
/// places on hover); `short` without the places, `least` the drops alone where there are
/// some, else the packets captured alone.
fn captured_texts(c: &CaptureStats) -> Forms {
    let drops = c.dropped();
    let captured = format!("captured {}", thousands(c.captured));
    if drops > 0 {
        let dropped = format!("dropped {}", thousands(drops));
        Forms {
            whole: format!("{captured} · {dropped} ({})", dropped_places(c)),
            short: format!("{captured} · {dropped}"),
            least: dropped,
        }
    } else {
        let dropped = format!("{captured} · dropped 0");
        Forms {
            whole: dropped.clone(),
            short: dropped,
            least: captured,
        }
    }
}

/// The drops of each place (kernel, interface, rstscope).
fn dropped_places(c: &CaptureStats) -> String {
    format!(
        "kernel {}, interface {}, rstscope {}",
        thousands(c.kernel_dropped),
        thousands(c.interface_dropped),
        thousands(c.rstscope_dropped)
    )
}

/// An item of the status bar said three ways, from the longest.
struct Forms {
    whole: String,
    short: String,
    least: String,
}

impl Forms {
    fn of(&self, form: Form) -> &str {
        match form {
            Form::Whole => &self.whole,
            Form::Short => &self.short,
            Form::Least => &self.least,
        }
    }
}

/// Which of an item's [`Forms`] is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Whole,
    Short,
    Least,
}

/// How the status bar's items are said so that they keep one row: a live capture's drops
/// came mid-capture at 640 points ("captured 48,211 · dropped 3,211 (kernel 3,211, interface
/// 0, rstscope 0)" and the warning of frames lost) and gave it a second row, a row of the
/// results out of view.
struct Fit {
    /// How a live capture's counts are said.
    counts: Form,
    /// "0 not decoded" and "0 evicted" are said on the TCP count's hover rather than on the
    /// row (counts above 0 are always on it, in the warning colour).
    zeros_folded: bool,
}

impl Fit {
    /// The fullest way that fits in `row` points, the other items at their least (the
    /// source's name at [`LEAST_SOURCE`], the saved files' size alone, the warnings' count):
    /// what gives way first is the places of the drops, then the zeros, then "captured N"
    /// beside the drops. Measured here from the texts, not from the last frame: a row laid
    /// out without the zeros would have room for them in the next, and they would come and
    /// go.
    fn choose(
        ui: &egui::Ui,
        s: &StatusInput<'_>,
        a: &Analysis,
        saved: Option<Option<&SavedFiles>>,
        row: f32,
    ) -> Self {
        let c = &a.capture;
        let gap = ui.spacing().item_spacing.x;
        let item = |text: &str| text_width(ui, text) + gap;
        let mut fixed = LEAST_SOURCE + gap + item(&format!("{} TCP", thousands(c.tcp_frames)));
        let not_decoded = c.not_decoded_total();
        if not_decoded > 0 {
            fixed += item(&format!("{} not decoded", thousands(not_decoded)));
        }
        let evicted = a.snapshot.totals.evicted;
        if evicted > 0 {
            fixed += item(&format!("{} evicted", thousands(evicted)));
        }
        let zeros = if not_decoded == 0 {
            item("0 not decoded")
        } else {
            0.0
        } + if evicted == 0 { item("0 evicted") } else { 0.0 };
        let other = a.snapshot.other_endpoints;
        if other.dropped > 0 {
            fixed += item(&format!("{} endpoints not kept", thousands(other.dropped)));
        }
        if let Some(saved) = saved {
            fixed += item(&saved_texts(saved).least);
        }
        if s.loading && s.capture.is_none() {
            fixed += item("reading…");
        }
        fixed += match app_warnings(c, s.clock).len() {
            0 => 0.0,
            1 => item("1 warning"),
            n => item(&format!("{} warnings", thousands(n as u64))),
        };
        let counts = match &s.capture {
            Some(live) => captured_texts(live),
            None => {
                let packets = format!("{} packets", thousands(c.frames));
                Forms {
                    whole: packets.clone(),
                    short: packets.clone(),
                    least: packets,
                }
            }
        };
        let fits = |form: Form, folded: bool| {
            fixed + item(counts.of(form)) + if folded { 0.0 } else { zeros } <= row
        };
        let ways = [
            (Form::Whole, false),
            (Form::Short, false),
            (Form::Short, true),
            (Form::Least, true),
        ];
        let (counts, zeros_folded) = ways
            .into_iter()
            .find(|&(form, folded)| fits(form, folded))
            .unwrap_or((Form::Least, true));
        Self {
            counts,
            zeros_folded: zeros_folded && zeros > 0.0,
        }
    }
}

/// What "evicted" counts, after its count on hover.
const EVICTED_HOVER: &str = ": connections ended early because too many were open at once";

/// What the live capture left out as copies, after the packets analyzed on the counts' hover:
/// only the kinds it met (a capture of one interface has no second copies to tell of).
fn copies_left_out(duplicates: u64, repeated: u64) -> String {
    let second = format!(
        "{} second copies of packets seen on two interfaces",
        thousands(duplicates)
    );
    let repeats = format!(
        "{} frames repeated on one interface within 5 ms",
        thousands(repeated)
    );
    let copies = match (duplicates, repeated) {
        (0, 0) => return "; no copies left out".to_owned(),
        (_, 0) => second,
        (0, _) => repeats,
        _ => format!("{second} and {repeats}"),
    };
    format!("; {copies} were left out (not a loss)")
}

/// The least room on the status bar's row in which a warning is shown cut rather than as its
/// short form (`1 warning`, `3 not decoded`).
const LEAST_CUT: f32 = 200.0;

/// A warning of the status bar, on the row's room left: whole where it fits, else (the `last`
/// item of the bar) cut to that room where there is some, else `short`, so that the items
/// after it keep the row; `hover` on hover, all of them in full on a click (a tooltip could be
/// read but not copied, and a long one not read whole). True when clicked.
fn warning(ui: &mut egui::Ui, text: String, short: String, hover: &str, last: bool) -> bool {
    // A cut label in a wrapped row is laid out as wide as the whole row: it went to a row of
    // its own, and the bar's second and third rows took the results' last rows (800x600).
    let room = ui.available_size_before_wrap().x;
    let width = |t: &str| text_width(ui, t);
    // Where not even the short form fits, the whole text goes to the next row, cut to it.
    let (text, on_the_row) = if width(&text) <= room || (last && room >= LEAST_CUT) {
        (text, true)
    } else if width(&short) <= room {
        (short, true)
    } else {
        (text, false)
    };
    // One tooltip: egui's own for the cut text would be a second one beside it.
    let label = egui::Label::new(RichText::new(text).color(ui.visuals().warn_fg_color))
        .truncate()
        .show_tooltip_when_elided(false)
        .selectable(false)
        .sense(egui::Sense::click());
    let response = if on_the_row {
        let row = egui::vec2(room, ui.spacing().interact_size.y);
        ui.allocate_ui(row, |ui| ui.add(label)).inner
    } else {
        ui.add(label)
    };
    response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text(format!(
            "{hover}\n(click to read the warnings in full and copy them)"
        ))
        .clicked()
}

/// Title of the window that shows the warnings in full.
pub const WARNINGS_TITLE: &str = "Warnings about this capture";

/// Every warning the status bar tells of, whole, a paragraph each: frames not decoded and
/// why, endpoints not kept, the capture's own warnings.
pub fn warnings(a: &Analysis, clock: Clock) -> Vec<String> {
    let c = &a.capture;
    let mut all = Vec::new();
    let not_decoded = c.not_decoded_total();
    if not_decoded > 0 {
        let frames = match not_decoded {
            1 => "1 frame".to_owned(),
            n => format!("{} frames", thousands(n)),
        };
        // One reason is the reason of them all; of several, how many frames each.
        let reasons: Vec<String> = match c.not_decoded.len() {
            1 => c.not_decoded.keys().map(ToString::to_string).collect(),
            _ => c
                .not_decoded
                .iter()
                .map(|(why, n)| format!("{}: {why}", thousands(*n)))
                .collect(),
        };
        all.push(format!("{frames} not decoded: {}", reasons.join("; ")));
    }
    let other = a.snapshot.other_endpoints;
    if other.dropped > 0 {
        all.push(crate::analysis::other_endpoints_warning(
            &other,
            Services::MAX_TRACKED,
        ));
    }
    all.extend(app_warnings(c, clock));
    all
}

/// The warnings in full while `open`, selectable, with Copy (every warning, a line each, on
/// the system clipboard; it says "Copied" once done: `copied`) and Close; Escape and a click
/// beside it close it too.
pub fn warnings_window(ctx: &egui::Context, open: &mut bool, copied: &mut bool, all: &[String]) {
    if !*open {
        return;
    }
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("rstscope-warnings")).show(ctx, |ui| {
        let screen = ctx.content_rect();
        ui.set_width(560.0_f32.min(screen.width() - 40.0));
        ui.heading(WARNINGS_TITLE);
        egui::ScrollArea::vertical()
            .max_height((screen.height() - 160.0).max(80.0))
            .show(ui, |ui| {
                for w in all {
                    ui.add(egui::Label::new(w.as_str()).wrap());
                    ui.add_space(4.0);
                }
            });
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            // As wide when it says "Copied", so that Close stays where it was.
            let width = crate::ui::one_line_width(ui, "Copy warnings", egui::TextStyle::Button)
                + 2.0 * ui.spacing().button_padding.x;
            if ui
                .add(
                    egui::Button::new(if *copied { "Copied" } else { "Copy warnings" })
                        .min_size(egui::vec2(width, 0.0)),
                )
                .on_hover_text("copy every warning, a line each, to paste into a ticket")
                .clicked()
            {
                ui.ctx().copy_text(all.join("\n"));
                *copied = true;
            }
            if ui.button("Close").clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        *open = false;
        *copied = false;
    }
}

/// The live capture's saved files, their size against the limit (what the ring removed in the
/// warning colour); a click opens what they are, where, and the limit for the next captures,
/// which the user sets there (MiB). On the status bar's line rather than a line of its own:
/// where the row is short of the whole text (640 points), its size alone ("saved 11.7 KiB"),
/// shorter still the size without "saved", the whole of it on hover; `after` points of the
/// row are kept for what follows. Never cut ("saved 11.…" hid the number): the source's name
/// before it (in the toolbar and the title too) is cut for its room, the points it lacked
/// returned for that.
fn saved_capture(ui: &mut egui::Ui, saving: Saving<'_>, after: f32) -> f32 {
    let SavedTexts {
        whole,
        short,
        least,
        removed,
    } = saved_texts(saving.saved);
    let room = ui.available_size_before_wrap().x - after;
    let text = [&whole, &short]
        .into_iter()
        .find(|t| text_width(ui, t) <= room)
        .unwrap_or(&least)
        .clone();
    // Short of even the least: the name before it gives up what is missing in the next frame
    // (the status bar's measure grows by it, which asks for that frame; a name already at its
    // least gives up nothing more, and no frame is asked for again).
    let missing = (text_width(ui, &text) - room).max(0.0);
    let cut = text != whole;
    let mut rich = RichText::new(text);
    if removed {
        rich = rich.color(ui.visuals().warn_fg_color);
    }
    // One tooltip, with the whole text where it is short: egui's own would be a second one.
    let label = egui::Label::new(rich)
        .extend()
        .selectable(false)
        .sense(egui::Sense::click());
    let response = if missing == 0.0 {
        let row = egui::vec2(room, ui.spacing().interact_size.y);
        ui.allocate_ui(row, |ui| ui.add(label)).inner
    } else {
        ui.add(label)
    };
    let hover = "what this capture saved in the temporary folder for the details and File > \
                 Export, a ring of the latest packets (click for its files and the next \
                 capture's limit)";
    let label = response
        .on_hover_cursor(egui::CursorIcon::PointingHand)
        .on_hover_text(if cut {
            format!("{whole}: {hover}")
        } else {
            hover.to_owned()
        });
    if cut {
        label.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &whole));
    }
    let limit_mb = saving.limit_mb;
    egui::Popup::from_toggle_button_response(&label)
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show(|ui| {
            ui.set_max_width(440.0);
            ui.add(
                egui::Label::new(
                    "What is captured is saved in the temporary folder for the details and for \
                     File > Export; past the limit the oldest quarter is removed, so the details \
                     then cover the latest packets only. Removed when the capture is closed.",
                )
                .wrap(),
            );
            for f in saving.saved.map(SavedFiles::files).unwrap_or_default() {
                ui.label(RichText::new(f.display().to_string()).monospace().small());
            }
            ui.horizontal(|ui| {
                ui.label("The next capture keeps up to");
                save_limit(ui, limit_mb);
            });
        });
    missing
}

/// The saved files said three ways, from the longest ([`saved_capture`]), and whether the
/// ring removed older packets.
struct SavedTexts {
    whole: String,
    short: String,
    least: String,
    removed: bool,
}

fn saved_texts(saved: Option<&SavedFiles>) -> SavedTexts {
    let texts = |whole, short, least, removed| SavedTexts {
        whole,
        short,
        least,
        removed,
    };
    let Some(s) = saved else {
        let not = "not saved".to_owned();
        return texts(not.clone(), not.clone(), not, false);
    };
    let of = s
        .limit()
        .map(|l| format!(" of {}", report::bytes(l)))
        .unwrap_or_default();
    let size = report::bytes(s.bytes());
    let short = format!("saved {size}");
    match s.frames_removed() {
        0 => texts(format!("{short}{of}"), short, size, false),
        removed => {
            let removed = thousands(removed);
            texts(
                format!("{short}{of}; {removed} older packets removed"),
                format!("{short}; {removed} removed"),
                format!("{size}; {removed} removed"),
                true,
            )
        }
    }
}

/// `before [1000 MiB] after` on a row of its own, centred: the save limit where a capture is
/// started (the start screen). Where the row is wider than the room (480 points beside "This
/// machine"), `after` goes to a line of its own under it, wrapped, rather than both ends cut.
pub fn save_limit_row(ui: &mut egui::Ui, before: &str, limit_mb: &mut u64, after: &str) {
    // The field's width is the one unknown: the texts' plus a generous guess for it.
    let spacing = ui.spacing().item_spacing.x;
    let field = 72.0 + spacing;
    let first = text_width(ui, before) + field;
    let whole = first + text_width(ui, after) + spacing;
    let room = ui.available_width();
    let one_row = whole <= room;
    let width = if one_row { whole } else { first.min(room) };
    let row = egui::vec2(width, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(
        row,
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.label(RichText::new(before).weak());
            save_limit(ui, limit_mb);
            if one_row {
                ui.label(RichText::new(after).weak());
            }
        },
    );
    if !one_row {
        ui.add(egui::Label::new(RichText::new(after).weak()).wrap());
    }
}

/// The most a live capture saves in the temporary folder, in MiB, as a field.
fn save_limit(ui: &mut egui::Ui, limit_mb: &mut u64) {
    ui.add(
        egui::DragValue::new(limit_mb)
            .range(16..=1_000_000)
            .suffix(" MiB"),
    )
    .on_hover_text(
        "Start capture saves what it captures in the temporary folder, for the details' \
         packets and File > Export; past this size the oldest quarter is removed (a ring of \
         the latest packets). Applies from the next capture on.",
    );
}

/// The frames of each link type, named as the terminal's `link types` line names them: "30:
/// link type 242" left the admin to look the number up where `analyze` said "IP over
/// InfiniBand (242): 30".
fn link_types(a: &Analysis) -> String {
    let mut lines: Vec<String> = a
        .capture
        .link_types
        .iter()
        .map(|(lt, n)| format!("{}: {}", crate::decode::link_label(*lt), thousands(*n)))
        .collect();
    if lines.is_empty() {
        lines.push("no frames".into());
    }
    let tunnelled = a.capture.tunnelled_tcp();
    if !tunnelled.is_empty() {
        let each: Vec<String> = (tunnelled.iter())
            .map(|(t, n)| format!("{} {}", t.name(), thousands(*n)))
            .collect();
        lines.push(format!(
            "TCP inside tunnels ({}), analyzed by the inner addresses",
            each.join(", ")
        ));
    }
    lines.join("\n")
}

/// The capture's warnings as the app tells them: the copies' with where the window lists
/// every copy, and the connections ended early without the terminal option that tracks more,
/// none of which a user of the window can type.
fn app_warnings(c: &CaptureInfo, clock: Clock) -> Vec<String> {
    let copies = c.copies.warning();
    let ended_early = c.ended_early.warning();
    c.warnings_in(clock)
        .iter()
        .map(|w| match (c.copies.note(), c.ended_early.note()) {
            (Some(note), _) if Some(w) == copies.as_ref() => {
                format!("{note} (the details' \"every copy\" lists them)")
            }
            (_, Some(note)) if Some(w) == ended_early.as_ref() => note,
            _ => w.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Copies;

    /// Regression (real-window trial): a live capture on `lo` with frames repeated on it said
    /// on the counts' hover "0 second copies of packets seen on two interfaces and 24 frames
    /// repeated…": only the copies met are told.
    #[test]
    fn the_counts_hover_tells_only_the_copies_met() {
        assert_eq!(copies_left_out(0, 0), "; no copies left out");
        assert_eq!(
            copies_left_out(0, 24),
            "; 24 frames repeated on one interface within 5 ms were left out (not a loss)"
        );
        assert_eq!(
            copies_left_out(1_200, 0),
            "; 1,200 second copies of packets seen on two interfaces were left out (not a loss)"
        );
        assert!(copies_left_out(3, 4).contains("interfaces and 4 frames repeated"));
    }

    /// Regression (real-window trial): a capture whose packet times are all 0 said so in the
    /// status bar after its full path, "warning: /var/tmp/…/captures/2026-…" at 800 points,
    /// cut before its point. The bar's line leaves out the path of the file it names.
    #[test]
    fn the_status_bar_s_warning_leaves_out_the_path_of_the_file_open() {
        let file = std::path::Path::new;
        let path = "/var/tmp/captures/2026-12-04/web-frontend-03/eth0-0001.pcap";
        let w = format!("{path}: every packet has the time 0");
        assert_eq!(
            without_path(&w, &[file(path)]),
            "every packet has the time 0"
        );
        assert_eq!(
            without_path(&w, &[file("/other/a.pcap"), file(path)]),
            "eth0-0001.pcap: every packet has the time 0"
        );
        // Another file's path, or a warning of no file, as it is.
        assert_eq!(without_path(&w, &[file("/other/a.pcap")]), w);
        assert_eq!(without_path("no path here", &[file(path)]), "no path here");
    }

    /// The warning of connections ended early names `--max-flows` in the terminal; the app,
    /// which has no such setting, tells it without.
    #[test]
    fn the_connections_ended_early_name_no_terminal_option() {
        let ended_early = crate::analysis::EndedEarly {
            connections: 7,
            max_flows: 200_000,
        };
        let c = CaptureInfo {
            ended_early,
            warnings: ended_early.warning().into_iter().collect(),
            ..CaptureInfo::default()
        };
        assert_eq!(
            app_warnings(&c, Clock::Utc),
            vec![ended_early.note().unwrap_or_default()]
        );
        assert!(
            c.warnings[0].contains("--max-flows 400000"),
            "{:?}",
            c.warnings
        );
    }

    /// Regression: the status bar of a Windows pktmon trace ended its warning with
    /// "(--endpoint ... --all-copies lists every copy)", an option of the terminal command.
    #[test]
    fn the_copies_warning_names_no_terminal_option() {
        let copies = Copies {
            by_packet_id: 99,
            ..Copies::default()
        };
        let c = CaptureInfo {
            copies,
            warnings: vec!["x.pcap: file ends inside a record".into()]
                .into_iter()
                .chain(copies.warning())
                .collect(),
            ..CaptureInfo::default()
        };
        let shown = app_warnings(&c, Clock::Utc);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0], "x.pcap: file ends inside a record");
        assert!(shown[1].starts_with("99 frames were copies"), "{shown:?}");
        assert!(!shown[1].contains("--"), "{shown:?}");
        assert!(
            shown[1].ends_with("(the details' \"every copy\" lists them)"),
            "{shown:?}"
        );
    }

    /// The warnings shown in full name the reason of frames not decoded once, as a sentence
    /// ("30 frames not decoded: 30: link type ..." said the count twice); of several reasons,
    /// how many frames each.
    #[test]
    fn frames_not_decoded_are_told_in_one_sentence() {
        use crate::decode::Skip;
        let mut a = Analysis::default();
        a.capture
            .not_decoded
            .insert(Skip::UnsupportedLinkType(crate::source::LinkType(6)), 30);
        assert_eq!(
            warnings(&a, Clock::Utc),
            [format!(
                "30 frames not decoded: link type Token Ring (6) is not one rstscope \
                 reads (it reads {})",
                crate::decode::SUPPORTED_LINK_TYPES
            )]
        );
        a.capture.not_decoded.insert(Skip::Truncated, 1);
        let both = warnings(&a, Clock::Utc);
        assert!(
            both[0].starts_with("31 frames not decoded: ") && both[0].contains("1: "),
            "{both:?}"
        );
    }

    /// Regression (s48, real window, tcpdump's ipoib.pcap): the packets' hover said "30: link
    /// type 242"; it names each link type as `analyze` does, its frames after it.
    #[test]
    fn the_packets_hover_names_the_link_types() {
        let mut a = Analysis::default();
        a.capture.link_types = vec![
            (crate::source::LinkType(242), 30),
            (crate::source::LinkType(1), 1_234),
        ];
        assert_eq!(
            link_types(&a),
            "IP over InfiniBand (242): 30\nEthernet (1): 1,234"
        );
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
