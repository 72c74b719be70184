//! Details of the selected offender: the diagnosis, the Wireshark and BPF filters with copy
//! buttons, and the evidence behind it: its connections and packets as tcpdump-like lines,
//! read again from the capture on a thread named `evidence` (the analysis keeps no packets).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui::{self, RichText};

use crate::engine::{Cause, Offender};
use crate::report::evidence::{self, Evidence};
use crate::report::{self, Clock};
use crate::ui::plot::cause_color;
use crate::ui::task::Task;

/// Packets shown at most for one offender; the rest are counted.
pub const MAX_PACKETS: usize = 2000;

/// What the evidence was collected for.
#[derive(Debug, Clone, PartialEq)]
struct EvidenceKey {
    paths: Vec<PathBuf>,
    endpoint: (IpAddr, u16),
    range: Option<(i64, i64)>,
}

/// The details panel's state between frames.
#[derive(Default)]
pub struct DetailsView {
    key: Option<EvidenceKey>,
    task: Option<Task<Result<Evidence, String>>>,
    evidence: Option<Arc<Evidence>>,
    error: Option<String>,
    /// tcpdump lines of the evidence, for the clock they were made with.
    lines: Option<(Clock, Vec<String>)>,
}

/// What the details panel shows this frame.
pub struct DetailsInput<'a> {
    /// The capture's files (read again for the packets).
    pub paths: &'a [PathBuf],
    /// The selected offender, restricted to the time range when there is one.
    pub offender: Option<&'a Offender>,
    /// The selected time range.
    pub range: Option<(i64, i64)>,
    /// How times are written.
    pub clock: Clock,
    /// The analysis has finished: the files can be read again.
    pub ready: bool,
    /// What the machine said (live captures), for the diagnosis sentence.
    pub host: Option<&'a crate::host::state::HostReport>,
}

/// What the user asked for in the panel.
pub enum DetailsAction {
    /// Save these packets as pcapng.
    SavePackets(Arc<Evidence>, String),
}

impl DetailsView {
    /// Evidence of the current selection, once collected.
    pub fn evidence(&self) -> Option<&Arc<Evidence>> {
        self.evidence.as_ref()
    }

    /// True while evidence is being collected.
    pub fn is_collecting(&self) -> bool {
        self.task.as_ref().is_some_and(Task::is_running)
    }

    /// Starts collecting evidence when the selection changed; takes finished results.
    fn refresh(&mut self, ctx: &egui::Context, input: &DetailsInput<'_>) {
        let wanted = input.offender.filter(|_| input.ready).map(|o| EvidenceKey {
            paths: input.paths.to_vec(),
            endpoint: (o.addr, o.port),
            range: input.range,
        });
        if wanted != self.key {
            self.key = wanted.clone();
            self.evidence = None;
            self.error = None;
            self.lines = None;
            // Dropping a running task cancels it.
            self.task = wanted.map(|k| {
                Task::spawn("evidence", ctx, move |cancel| {
                    evidence::collect(&k.paths, k.endpoint, k.range, MAX_PACKETS, Some(cancel))
                        .map_err(|e| e.to_string())
                })
            });
        }
        if let Some(result) = self.task.as_mut().and_then(Task::poll) {
            self.task = None;
            match result {
                Ok(ev) => self.evidence = Some(Arc::new(ev)),
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(ev) = &self.evidence
            && self.lines.as_ref().is_none_or(|(c, _)| *c != input.clock)
        {
            let lines = ev
                .packets
                .iter()
                .map(|p| evidence::tcpdump_line(p, input.clock))
                .collect();
            self.lines = Some((input.clock, lines));
        }
    }

    /// Draws the panel.
    pub fn show(&mut self, ui: &mut egui::Ui, input: &DetailsInput<'_>) -> Option<DetailsAction> {
        self.refresh(ui.ctx(), input);
        let Some(o) = input.offender else {
            ui.add_space(6.0);
            ui.label(
                RichText::new(
                    "Select an offender to see its diagnosis, its connections and packets, and the filters that show them in Wireshark or tcpdump.",
                )
                .weak(),
            );
            return None;
        };
        let mut action = None;
        header(ui, o, input.host, input.clock, input.range);
        ui.add_space(4.0);
        filters(ui, o);
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let packets = self.evidence.as_ref().filter(|e| !e.packets.is_empty());
            let name =
                format!("rstscope-{}-{}.pcapng", o.addr, o.port).replace([':', '[', ']'], "_");
            if ui
                .add_enabled(packets.is_some(), egui::Button::new("Save these packets…"))
                .on_hover_text("a pcapng file of just these packets, for Wireshark")
                .clicked()
                && let Some(ev) = packets
            {
                action = Some(DetailsAction::SavePackets(Arc::clone(ev), name));
            }
            if self.is_collecting() {
                ui.spinner();
                ui.label("reading the capture for its packets…");
            } else if !input.ready {
                ui.label(RichText::new("packets are listed once the capture is read").weak());
            }
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            if let Some(ev) = &self.evidence
                && !ev.warnings.is_empty()
            {
                ui.colored_label(ui.visuals().warn_fg_color, ev.warnings.join("; "));
            }
        });
        ui.separator();
        self.evidence_lists(ui, input.clock);
        action
    }

    fn evidence_lists(&self, ui: &mut egui::Ui, clock: Clock) {
        let Some(ev) = &self.evidence else {
            return;
        };
        let lines = self
            .lines
            .as_ref()
            .map(|(_, l)| l.as_slice())
            .unwrap_or_default();
        let more = |n: u64| {
            if n > 0 {
                format!(", {n} more not listed")
            } else {
                String::new()
            }
        };
        ui.columns(2, |cols| {
            cols[0].label(
                RichText::new(format!(
                    "Connections ({}{})",
                    ev.connections.len(),
                    more(ev.more_connections)
                ))
                .strong(),
            );
            connections(&mut cols[0], ev, clock);
            cols[1].label(
                RichText::new(format!("Packets ({}{})", ev.packets.len(), more(ev.more))).strong(),
            );
            packets(&mut cols[1], lines);
        });
    }
}

/// The tcpdump-like lines; only the visible ones are laid out.
fn packets(ui: &mut egui::Ui, lines: &[String]) {
    let font = egui::FontId::monospace(11.5);
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    egui::ScrollArea::both()
        .id_salt("packets")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, lines.len(), |ui, range| {
            for line in &lines[range] {
                ui.add(egui::Label::new(RichText::new(line).font(font.clone())).extend());
            }
        });
}

/// The endpoint, its service, the diagnosis sentence and its numbers.
fn header(
    ui: &mut egui::Ui,
    o: &Offender,
    host: Option<&crate::host::state::HostReport>,
    clock: Clock,
    range: Option<(i64, i64)>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(report::endpoint(o.addr, o.port))
                .monospace()
                .strong()
                .size(15.0),
        );
        if let Some(name) = crate::services::name(o.port) {
            ui.label(RichText::new(name).strong());
        }
        let kind = o.diagnosis().kind.as_str();
        ui.label(
            RichText::new(kind)
                .color(ui.visuals().warn_fg_color)
                .strong(),
        );
        if range.is_some() {
            ui.label(RichText::new("(selected time range)").weak());
        }
    });
    ui.label(RichText::new(report::full_diagnosis(o, host, clock)).size(14.0));
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 12.0;
        for c in Cause::ALL {
            let n = o.rst_by_cause[c.index()];
            if n > 0 {
                crate::ui::plot::swatch(ui, cause_color(c));
                ui.label(RichText::new(format!("{} {n}", c.as_str())).color(cause_color(c)));
            }
        }
        ui.label(format!(
            "failed attempts {} of {}",
            o.failed_attempts,
            o.attempts.max(o.failed_attempts)
        ));
        ui.label(format!("clients {}", o.clients));
        ui.label(format!(
            "{} avg, peak {}/s",
            report::rate(o.avg_rate),
            o.peak_rate
        ));
        if o.suspect_injected > 0 {
            ui.label(
                RichText::new(format!("{} suspect-injected", o.suspect_injected))
                    .color(ui.visuals().warn_fg_color),
            );
        }
    });
    for text in &o.rst_payloads {
        ui.label(format!("RST payload: \"{text}\""));
    }
}

/// The Wireshark and BPF filters, selectable and with copy buttons.
fn filters(ui: &mut egui::Ui, o: &Offender) {
    let rows = [
        ("Wireshark", report::wireshark_filter(o.addr, o.port)),
        ("BPF", report::bpf_filter(o)),
    ];
    egui::Grid::new("filters")
        .num_columns(3)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for (name, filter) in rows {
                ui.label(RichText::new(name).strong());
                if ui
                    .button("Copy")
                    .on_hover_text(format!("copy the {name} filter"))
                    .clicked()
                {
                    ui.ctx().copy_text(filter.clone());
                }
                ui.add(egui::Label::new(RichText::new(filter).monospace()).selectable(true));
                ui.end_row();
            }
        });
}

/// One row per connection: start, client -> server, Zeek state and history, cause; only the
/// visible rows are laid out.
fn connections(ui: &mut egui::Ui, ev: &Evidence, clock: Clock) {
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    let mut table = egui_extras::TableBuilder::new(ui)
        .id_salt("connections")
        .striped(true)
        .resizable(true)
        .auto_shrink([false, false])
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
    for w in [106.0, 132.0, 132.0, 40.0, 56.0, 80.0] {
        table = table.column(egui_extras::Column::initial(w).at_least(30.0).clip(true));
    }
    table
        .column(egui_extras::Column::remainder().at_least(30.0))
        .header(row_height, |mut h| {
            for title in [
                "start", "client", "server", "state", "history", "cause", "pkts",
            ] {
                h.col(|ui| {
                    ui.label(RichText::new(title).weak());
                });
            }
        })
        .body(|body| {
            body.rows(row_height, ev.connections.len(), |mut row| {
                let c = &ev.connections[row.index()];
                let full = clock.full(c.start);
                // `2024-05-01 15:13:13.123456 +02:00` -> `15:13:13.123`
                let start = full.get(11..23).unwrap_or(&full).to_owned();
                let cells = [
                    start,
                    report::endpoint(c.orig.0, c.orig.1),
                    report::endpoint(c.resp.0, c.resp.1),
                    c.state.as_str().to_owned(),
                    c.history.clone(),
                ];
                for text in cells {
                    row.col(|ui| {
                        ui.monospace(text);
                    });
                }
                row.col(|ui| {
                    if let Some(cause) = c.rst_cause {
                        ui.label(RichText::new(cause.as_str()).color(cause_color(cause)));
                    }
                });
                row.col(|ui| {
                    ui.monospace(c.packets.to_string());
                });
            });
        });
}
