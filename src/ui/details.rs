//! Details of the selected offender: the diagnosis, the processes behind it, the Wireshark and
//! BPF filters with copy buttons (to the system clipboard), and the evidence behind it: its
//! connections and packets as tcpdump-like lines, read again from the capture on a thread
//! named `evidence` (the analysis keeps no packets). With a time range selected, the evidence
//! pass also counts the range's clients, so the sentence here is the range's own throughout.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use eframe::egui::{self, RichText};

use crate::engine::{Cause, ConnRecord, Offender};
use crate::engine::{Scan, ScanKind};
use crate::host::restarts::{FailingKind, FailingStart, StartLink};
use crate::host::state::HostReport;
use crate::packet::Timestamp;
use crate::report::evidence::{self, Evidence, LineDate};
use crate::report::filters::Sides;
use crate::report::{self, Clock, Scope};
use crate::ui::fonts;
use crate::ui::offenders::{Answer, EndpointKey, Row, ScanRow};
use crate::ui::plot::cause_color;
use crate::ui::process;
use crate::ui::rows_bar::{Rows, RowsBar};
use crate::ui::task::Task;
use crate::ui::wheel;
use crate::ui::{one_line_width, small_button_width};

/// Packets shown at most for one offender; the rest are counted.
pub const MAX_PACKETS: usize = 2000;
/// How long "Copied" stays next to a Copy button, in seconds.
const COPIED_FOR: f64 = 2.5;
/// What [`DetailsView`]'s `copied` holds for the diagnosis (the filters are their rows).
const DIAGNOSIS_COPIED: usize = usize::MAX;
/// Said where a capture file has no process information: what is missing...
pub const NO_PROCESS_INFO: &str = "Which programs listened and connected is not in this file:";
/// ...what to do (on the same line at 1024 points)...
pub const NO_PROCESS_ADVICE: &str =
    "capture on that host with rstscope as administrator/root, or run rstscope agent there.";
/// ...the same in few words, where the details are compact...
const NO_PROCESS_SHORT: &str = "Programs: not in this file";
/// ...and, on hover, how each way tells it.
const NO_PROCESS_HOW: &str = "Start capture in this window reads that machine while it \
    captures; `rstscope capture` in a terminal names the programs in its report (a file saved \
    with --write keeps the counts, not the programs); `rstscope agent` gives them to your \
    monitoring system. Captures that record processes (macOS tcpdump -k, ptcpdump) name them \
    too.";

/// The most characters the packets' column of where each was recorded (a capture with copies
/// of packets) takes: a pktmon component's name is cut in the middle to it, so that the
/// packet itself stays in view in half a small window. The whole name is on hover.
const RECORDED_AT_CHARS: usize = 16;

/// A packet as the details list it.
struct PacketLine {
    /// Its tcpdump line, with where it was recorded after the time in a capture with copies;
    /// its time a time of day, the day on a row above where the lines span days.
    text: String,
    /// When it was recorded, for the day rows.
    ts: Timestamp,
    /// The digits of a second its time has ([`evidence::EvidencePacket::time_digits`]), as
    /// its line writes it.
    digits: u8,
    /// A further copy of a packet listed before it.
    copy: bool,
    /// What the counts make of it beyond a packet sent or received: its record at a drop, or
    /// its record before one (left out).
    drop: Drop,
    /// The whole name of where it was recorded, in a capture with copies.
    at: Option<String>,
    /// Its mark in the column of where it was recorded (`drop`, `before drop`, `copy`), and
    /// where that ends in `text` (a byte offset): pinned at the list's right edge while it
    /// lies past it ([`pinned_mark`]).
    mark: Option<(&'static str, usize)>,
}

/// A packet line's part in a drop the capture recorded ([`PacketLine::drop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drop {
    /// None.
    No,
    /// The record at the drop.
    At,
    /// The packet's record before it was dropped, left out of the counts with it.
    Before,
}

/// What the evidence was collected for.
#[derive(Debug, Clone, PartialEq)]
struct EvidenceKey {
    /// The capture (`Source::id`): the same paths may hold another capture by now.
    source: u64,
    paths: Vec<PathBuf>,
    endpoint: EndpointKey,
    /// A scan's row: the packets between these sides ([`evidence::Collect::scan`]).
    scan: Option<Sides>,
    range: Option<(i64, i64)>,
    /// Every copy of a packet the capture recorded at several points is listed.
    all_copies: bool,
    /// The frames the analysis read before it was cancelled: the evidence stops there too.
    frames: Option<u64>,
}

/// The details panel's state between frames.
#[derive(Default)]
pub struct DetailsView {
    key: Option<EvidenceKey>,
    task: Option<Task<Result<Evidence, String>>>,
    /// What the task has found so far, while it reads (`None` once its evidence is in).
    reading: Option<SoFar>,
    evidence: Option<Arc<Evidence>>,
    error: Option<String>,
    /// tcpdump lines of the evidence, for the clock they were made with and whether they
    /// carry the date.
    lines: Option<((Clock, LineDate), Vec<PacketLine>)>,
    /// The packet lines as shown (a time of day) and as copied (dated), where they differ.
    wholes: Arc<crate::ui::clipboard::Wholes>,
    /// The characters of the longest packet line's time and source (`23:59:39.613784 IP
    /// 192.168.1.107.50041`): what the packets' column keeps in view at least
    /// ([`packets_least`]); 0 before the lines are made.
    source_chars: usize,
    /// The filter last copied (its row: 0 is Wireshark's; [`DIAGNOSIS_COPIED`] the diagnosis)
    /// and when (egui time).
    copied: Option<(usize, f64)>,
    /// How far below the panel's top the connections and packets lists begin, in each
    /// arrangement: the most of this capture's rows shown under the table's filter of
    /// `lists_filter` at this width (the diagnosis wraps to it), so that the table does not
    /// change height as the selection moves. For [`DetailsView::least_height`].
    lists_at: ListsAt,
    /// The table's filter `lists_at` was measured under, as `tops_filter` is `tops_alone`'s:
    /// one long offender's height, held for the rest of the file, kept the details compact
    /// (or the plot squeezed) for every other row, filtered out or not.
    lists_filter: String,
    /// The last frame's measure of [`DetailsView`]'s `lists_at`.
    lists_measured: ListsAt,
    /// Each arrangement's height above the lists, the most this source's offenders took at
    /// the width of the last frame and under the table's filter of `tops_filter`: what the
    /// panel needs while the lists are not measured (a live capture's, until Stop), for its
    /// arrangement and [`DetailsView::sentence_height`].
    tops_alone: ListsAt,
    /// The table's filter `tops_alone` was measured under: another filter shows other
    /// offenders, and one long offender's height, held for the rest of the capture, kept the
    /// details compact for every other.
    tops_filter: String,
    /// The last frame's measure of `tops_alone`.
    tops_measured: ListsAt,
    /// The diagnosis shown in the last frame as Ctrl+C copies it, dated
    /// ([`DetailsView::diagnosis_to_copy`]).
    shown: Option<String>,
    /// The user asked for every copy of a packet among the packets (kept from selection to
    /// selection).
    all_copies: bool,
    /// The evidence is another's (another offender, time range or capture): its lists are to
    /// be shown from their start, not scrolled where the last ones were.
    from_start: bool,
    /// The longest text of each of the evidence's connection columns, in characters.
    column_chars: ColumnChars,
    /// The connection whose packets alone are listed, as Wireshark's "Follow TCP Stream"
    /// narrows its packet list ([`Stream`]); `None`: every packet of the endpoint.
    stream: Option<Stream>,
    /// The connection selected while the capture is read for the packets, by its first frame:
    /// its packets alone are listed once they are in. Not an index: the connections found so
    /// far are sorted again as more come, and the evidence has more still.
    chosen: Option<u64>,
    /// The packets' list is to be shown from its start: the narrowing changed.
    packets_from_start: bool,
    /// The keyboard moved the connection selected: the next frame scrolls its row into view.
    stream_keyed: bool,
    /// The arrangement of the last frame.
    arrangement: Option<Arrangement>,
}

/// How far the reading for the evidence has got, as the panel shows it while it goes on: the
/// connections found so far are listed (a capture of millions of frames takes seconds to
/// read, and an empty list read as "none found"), and how much is read.
struct SoFar {
    /// News from the reading's thread.
    rx: Receiver<ReadingNews>,
    /// Frames read.
    frames: u64,
    /// The part of the capture read, from 0 to 1.
    done: f64,
    /// The connections found, in the order the evidence will list them.
    connections: Vec<ConnRecord>,
    /// Connections found beyond [`MAX_CONNECTIONS`](evidence::MAX_CONNECTIONS): counted, not
    /// listed.
    more: u64,
    /// Their longest texts, for the columns' widths.
    column_chars: ColumnChars,
}

/// What the reading's thread tells the panel as it goes.
struct ReadingNews {
    frames: u64,
    done: f64,
    /// Connections found since the last news.
    connections: Vec<ConnRecord>,
    /// Connections found so far beyond the ones listed.
    more: u64,
}

/// How often the reading tells the panel how far it has got (the first connection found is
/// told at once).
const NEWS_EVERY: std::time::Duration = std::time::Duration::from_millis(150);

impl SoFar {
    /// Starts listening to a reading: the sending half goes to [`SoFar::watch`].
    fn new() -> (Self, SyncSender<ReadingNews>) {
        let (tx, rx) = sync_channel(4);
        let so_far = Self {
            rx,
            frames: 0,
            done: 0.0,
            connections: Vec::new(),
            more: 0,
            column_chars: ColumnChars::of(&[], 6),
        };
        (so_far, tx)
    }

    /// What the reading's thread calls as it goes: it sends what is new every
    /// [`NEWS_EVERY`], and the first connection found at once. News the panel has no room
    /// for yet (it has not drawn the last) is sent with the next.
    fn watch(
        tx: SyncSender<ReadingNews>,
        repaint: crate::ui::repaint::Repaint,
    ) -> impl FnMut(&evidence::Reading<'_>) {
        let mut sent = 0;
        let mut last: Option<std::time::Instant> = None;
        move |r| {
            let first = sent == 0 && !r.connections.is_empty();
            if !first && last.is_some_and(|t| t.elapsed() < NEWS_EVERY) {
                return;
            }
            let news = ReadingNews {
                frames: r.frames,
                done: r.done,
                connections: r.connections.get(sent..).unwrap_or_default().to_vec(),
                more: r.more_connections,
            };
            if tx.try_send(news).is_ok() {
                sent = r.connections.len();
                last = Some(std::time::Instant::now());
                repaint.request();
            }
        }
    }

    /// Takes the news that came.
    fn take_news(&mut self) {
        let mut found = false;
        for news in self.rx.try_iter() {
            self.frames = news.frames;
            self.done = news.done;
            self.more = news.more;
            found |= !news.connections.is_empty();
            self.column_chars.add(&news.connections);
            self.connections.extend(news.connections);
        }
        if found {
            // As the evidence sorts them.
            self.connections.sort_by_key(|c| (c.start, c.first_frame));
        }
    }
}

/// The connection selected in the details, and its packets among those listed.
struct Stream {
    /// Its index in the evidence's connections.
    index: usize,
    /// Its packets, as indices into the evidence's packets (at most [`MAX_PACKETS`]).
    lines: Vec<usize>,
}

/// How the part above the lists is told, by the height the panel is given
/// ([`DetailsView::show`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    /// The header with its counts, the diagnosis whole, the processes, the filters written
    /// out.
    Full,
    /// A short window's: the diagnosis in [`COMPACT_LINES`] lines (whole on hover), the copy
    /// buttons on the header's line (each filter whole on hover), the processes.
    Compact,
    /// A shorter one's (800x600): as compact, the processes on the endpoint's hover, since
    /// the table's row and the diagnosis name them too.
    Tight,
}

impl Arrangement {
    /// Compact or tight: the diagnosis cut, the filters on their buttons.
    fn short(self) -> bool {
        self != Self::Full
    }
}

/// How far below the panel's top its lists begin, measured at one width.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ListsAt {
    /// The panel's width.
    width: f32,
    /// In the [full](Arrangement::Full) arrangement.
    full: f32,
    /// In the [compact](Arrangement::Compact) arrangement.
    compact: f32,
    /// In the [tight](Arrangement::Tight) arrangement.
    tight: f32,
}

impl ListsAt {
    /// Within half a point of `other`.
    fn near(self, other: Self) -> bool {
        (self.width - other.width).abs() <= 0.5
            && (self.full - other.full).abs() <= 0.5
            && (self.compact - other.compact).abs() <= 0.5
            && (self.tight - other.tight).abs() <= 0.5
    }

    fn of(self, arrangement: Arrangement) -> f32 {
        match arrangement {
            Arrangement::Full => self.full,
            Arrangement::Compact => self.compact,
            Arrangement::Tight => self.tight,
        }
    }
}

/// Heights of the part above the lists ([`Top`]): as shown, and each arrangement at the
/// panel's width without its bar.
#[derive(Debug, Clone, Copy)]
struct Tops {
    /// The panel's width without its bar.
    width: f32,
    /// As shown, at the width it is shown at (with the full one's separator).
    shown: f32,
    /// The full arrangement at `width` (with its separator).
    full: f32,
    /// The compact arrangement at `width`.
    compact: f32,
    /// The tight arrangement at `width`.
    tight: f32,
    /// The arrangement shown.
    shown_as: Arrangement,
}

/// What the details panel shows this frame.
pub struct DetailsInput<'a> {
    /// The capture (`Source::id`).
    pub source: u64,
    /// The capture's files (read again for the packets).
    pub paths: &'a [PathBuf],
    /// The selected offender's row (restricted to the time range when there is one).
    pub row: Option<&'a Row>,
    /// The selected time range.
    pub range: Option<(i64, i64)>,
    /// How times are written.
    pub clock: Clock,
    /// The capture spans days in `clock` ([`Clock::spans_days`]): the selected time range is
    /// written with its date.
    pub dated: bool,
    /// The analysis has finished: the files can be read again.
    pub ready: bool,
    /// The frames the analysis read, where it was cancelled before the capture's end: the
    /// evidence is read no further, so that it covers what the table counts.
    pub frames: Option<u64>,
    /// The capture is live (this machine was sampled while capturing).
    pub live: bool,
    /// What the machine said (live captures) or the file's process information.
    pub host: Option<&'a HostReport>,
    /// The table has rows to select; without any, it says why itself.
    pub selectable: bool,
    /// The table's filter as typed: the heights held for the offenders shown go with it.
    pub filter: &'a str,
    /// The interfaces the offender was seen on, in words, where the capture has several
    /// ([`report::seen_on_words`]).
    pub seen_on: Option<&'a str>,
    /// The analysis's warnings about files it could not read at all, which the notice, the
    /// title and the status bar say: the evidence's same ones are not said again over the
    /// lists (a file cut short is, as its packets past the cut are not listed).
    pub told: &'a [String],
}

/// What the user asked for in the panel.
pub enum DetailsAction {
    /// Save these packets as pcapng, in a file named as suggested.
    SavePackets(SavePackets, String),
}

/// What "Save these packets…" saves: the packets the details list, and where the capture had
/// more of them than the details keep ([`MAX_PACKETS`]), how to read them all again from its
/// files, as `rstscope analyze --endpoint ... --write` does.
pub struct SavePackets {
    /// The packets listed (one connection's, where one is selected).
    pub listed: Arc<Evidence>,
    /// Where the packets listed are not all the capture had and its files can be read again.
    pub again: Option<ReadAgain>,
}

/// How to read a row's (or one of its connections') packets again from the capture's files,
/// as the details read them, keeping up to [`evidence::SAVE_MAX_PACKETS`].
#[derive(Debug, Clone)]
pub struct ReadAgain {
    /// The capture's files.
    pub paths: Vec<PathBuf>,
    /// The row's endpoint.
    pub endpoint: EndpointKey,
    /// The selected time range.
    pub range: Option<(i64, i64)>,
    /// As the details read them (a scan's sides, every copy, up to where the analysis
    /// stopped).
    pub how: evidence::Collect,
    /// The selected connection, by its first frame: its packets alone.
    pub connection: Option<u64>,
}

impl ReadAgain {
    /// Reads the packets again on the calling thread (cancelled by `cancel`), telling `watch`
    /// how far it has got; with a connection, its packets alone. Fails as the details'
    /// reading does.
    pub fn read(
        &self,
        cancel: &std::sync::atomic::AtomicBool,
        watch: &mut dyn FnMut(&evidence::Reading<'_>),
    ) -> Result<Evidence, String> {
        let mut ev = evidence::collect_watched(
            &self.paths,
            self.endpoint,
            self.range,
            evidence::SAVE_MAX_PACKETS,
            Some(cancel),
            self.how,
            watch,
        )
        .map_err(|e| e.to_string())?;
        let Some(frame) = self.connection else {
            return Ok(ev);
        };
        let index = (ev.connections.iter())
            .position(|c| c.first_frame == frame)
            .ok_or_else(|| "the connection is no longer in the capture's files".to_owned())?;
        let lines = evidence::connection_packets(&ev, index);
        ev = connection_only(&ev, &lines, &ev.connections[index]);
        Ok(ev)
    }
}

/// How far "Save these packets…" has got reading the capture again, shared with the window
/// that shows it ([`saving_row`]).
#[derive(Debug, Default)]
pub struct SaveProgress {
    /// Frames read.
    frames: std::sync::atomic::AtomicU64,
    /// The part of the capture's bytes read, in millionths.
    done: std::sync::atomic::AtomicU32,
}

impl SaveProgress {
    /// Frames read so far, and the part of the bytes (0 to 1).
    pub fn read(&self) -> (u64, f32) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = self.done.load(Relaxed) as f32 / 1e6;
        (self.frames.load(Relaxed), done)
    }
}

/// Writes `save`'s packets to `path` (on the calling thread, a background one): every packet
/// of the row (or connection) where its capture's files can be read again, else those
/// listed. `host`: what the window says of the endpoint's programs, saved with them. Returns
/// what the notice says after "saved PATH": how many packets, and where not all, why and
/// that the file says so.
///
/// # Errors
/// A message naming the file, when it cannot be written, or when the reading was cancelled
/// (nothing is written then).
pub fn save_packets(
    save: &SavePackets,
    path: &std::path::Path,
    host: Option<&HostReport>,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &SaveProgress,
    repaint: &crate::ui::repaint::Repaint,
) -> Result<String, String> {
    use std::sync::atomic::Ordering::Relaxed;
    let mut why_not = None;
    let read = save.again.as_ref().map(|again| {
        again.read(cancel, &mut |r| {
            progress.frames.store(r.frames, Relaxed);
            progress
                .done
                .store((r.done.clamp(0.0, 1.0) * 1e6) as u32, Relaxed);
            repaint.request();
        })
    });
    if cancel.load(Relaxed) {
        return Err(format!("not saved {}: cancelled", path.display()));
    }
    let all = match read {
        Some(Ok(ev)) => Some(Arc::new(ev)),
        Some(Err(e)) => {
            why_not = Some(format!("the capture could not be read again: {e}"));
            None
        }
        None => None,
    };
    let ev = all.as_ref().unwrap_or(&save.listed);
    evidence::write_pcapng(path, ev, host.or(ev.recorded.as_ref())).map_err(|e| {
        format!(
            "cannot save {}: {}",
            path.display(),
            report::write_error(path, &e)
        )
    })?;
    let kept = ev.packets.len();
    let said = match evidence::saved_cut(ev) {
        None => format!(": {}", packets_noun(kept)),
        // Every packet the file read had, which was itself cut: not the window's doing.
        Some(_) if ev.more == 0 && ev.cut_before.is_some() => format!(
            ": {}, all the file {} saved from had (it held only some of its capture's); the \
             file says so",
            packets_noun(kept),
            if kept == 1 { "it was" } else { "they were" }
        ),
        Some(cut) => {
            let why = why_not.unwrap_or_else(|| match save.again {
                Some(_) => format!(
                    "the window saves up to {}: `rstscope analyze --endpoint ... --write \
                     --max-packets N` saves more",
                    report::grouped(evidence::SAVE_MAX_PACKETS)
                ),
                None => format!(
                    "the details keep the first {}, and the capture cannot be read again",
                    report::grouped(MAX_PACKETS)
                ),
            });
            // "the first of the 2 packets", never "the first 1 of".
            let first = match cut.kept {
                1 => "the first".to_owned(),
                n => format!("the first {}", report::grouped(n)),
            };
            format!(
                ": {first} of the {} packets ({why}); the file says so",
                report::grouped(cut.of)
            )
        }
    };
    Ok(said)
}

/// "1 packet", "2,011 packets".
fn packets_noun(n: usize) -> String {
    match n {
        1 => "1 packet".to_owned(),
        n => format!("{} packets", report::grouped(n)),
    }
}

/// The row under the source bar while "Save these packets…" reads the capture again: Cancel,
/// the progress bar and how far it has got, and what is saved where. True when Cancel was
/// clicked.
pub fn saving_row(ui: &mut egui::Ui, progress: &SaveProgress, path: &std::path::Path) -> bool {
    let (frames, done) = progress.read();
    ui.horizontal(|ui| {
        let cancel = ui
            .button("Cancel")
            .on_hover_text("stop reading; nothing is saved")
            .clicked();
        ui.add(crate::ui::source_bar::reading_bar(done, 220.0));
        ui.label(format!(
            "{} · {} packets read",
            crate::ui::source_bar::percent(done),
            report::grouped(frames)
        ));
        let what = format!(
            "saving the row's packets to {} (reading the capture again)",
            crate::ui::file_name(path)
        );
        ui.add(egui::Label::new(RichText::new(what).weak()).truncate());
        cancel
    })
    .inner
}

/// The evidence of one connection's packets (`lines`, indices into `ev`'s) alone, to be
/// saved: those listed of it are all it had, unless the evidence kept fewer packets than it
/// counted (then the connection's left out are counted in [`Evidence::more`]).
fn connection_only(ev: &Evidence, lines: &[usize], c: &ConnRecord) -> Evidence {
    let more = match ev.more {
        0 => 0,
        _ => u64::from(c.packets).saturating_sub(lines.len() as u64),
    };
    Evidence {
        packets: lines.iter().map(|&i| ev.packets[i].clone()).collect(),
        more,
        one_connection: true,
        connections: vec![c.clone()],
        more_connections: 0,
        ..Evidence::clone(ev)
    }
}

impl DetailsView {
    /// How the part above the lists was told in the last frame; `None` when no offender was
    /// shown.
    pub fn arrangement(&self) -> Option<Arrangement> {
        self.shown.as_ref().and(self.arrangement)
    }

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
        let wanted = input.row.filter(|_| input.ready).map(|r| EvidenceKey {
            source: input.source,
            paths: input.paths.to_vec(),
            endpoint: r.offender.key(),
            scan: r.scan.as_ref().map(|_| r.sides()),
            range: input.range,
            all_copies: self.all_copies,
            frames: input.frames,
        });
        if wanted != self.key {
            self.key = wanted.clone();
            self.from_start = true;
            self.stream = None;
            self.chosen = None;
            self.evidence = None;
            self.error = None;
            self.lines = None;
            self.wholes = Arc::default();
            self.source_chars = 0;
            // A pipe gave its bytes to the analysis: reading it again would wait for ever.
            let once = wanted
                .as_ref()
                .and_then(|k| crate::source::read_once(&k.paths));
            if let Some(e) = &once {
                self.error = Some(e.to_string());
            }
            self.reading = None;
            // Dropping a running task cancels it.
            self.task = wanted.filter(|_| once.is_none()).map(|k| {
                let (so_far, tx) = SoFar::new();
                self.reading = Some(so_far);
                let mut watch = SoFar::watch(tx, crate::ui::repaint::Repaint::new(ctx));
                Task::spawn("evidence", ctx, move |cancel| {
                    let how = evidence::Collect {
                        all_copies: k.all_copies,
                        frames: k.frames,
                        latest: false,
                        scan: k.scan,
                        scan_of_target: false,
                    };
                    evidence::collect_watched(
                        &k.paths,
                        k.endpoint,
                        k.range,
                        MAX_PACKETS,
                        Some(cancel),
                        how,
                        &mut watch,
                    )
                    .map_err(|e| e.to_string())
                })
            });
        }
        if let Some(so_far) = &mut self.reading {
            so_far.take_news();
        }
        if let Some(result) = self.task.as_mut().and_then(Task::poll) {
            self.task = None;
            self.reading = None;
            match result {
                Ok(ev) => {
                    self.column_chars = ColumnChars::of(&ev.connections, ev.time_digits());
                    self.evidence = Some(Arc::new(ev));
                    // The connection chosen while it was read: its packets are in now.
                    if let Some(frame) = self.chosen.take() {
                        let ev = self.evidence.as_ref();
                        let found = ev.and_then(|ev| {
                            ev.connections.iter().position(|c| c.first_frame == frame)
                        });
                        self.narrow(found);
                    }
                }
                Err(e) => self.error = Some(e),
            }
        }
        // Dated in a capture of days, as the selected range and the connections are; with the
        // year where the packets span years.
        let date = (self.evidence.as_ref())
            .and_then(|ev| Some((ev.packets.first()?.ts, ev.packets.last()?.ts)))
            .map_or(LineDate::None, |(a, b)| {
                LineDate::of(input.clock, a.min(b), a.max(b), input.dated)
            });
        let how = (input.clock, date);
        if let Some(ev) = &self.evidence
            && self.lines.as_ref().is_none_or(|(c, _)| *c != how)
        {
            let at = evidence::RecordedAt::new(ev, Some(RECORDED_AT_CHARS));
            // Each line's time a time of day, the day on a row above where it changes (the
            // date before every time, "02-21 00:08:34.075902", cut the source address at
            // 1024x700): the whole line, dated, is what a copy takes.
            let mut wholes = Vec::new();
            // (A dated clock, a capture of days', would date it still.)
            let time_of_day = input.clock.zone_only();
            let lines = ev
                .packets
                .iter()
                .map(|p| {
                    let text = evidence::packet_line(p, time_of_day, at.as_ref(), LineDate::None);
                    if date != LineDate::None {
                        let whole = evidence::packet_line(p, input.clock, at.as_ref(), date);
                        wholes.push((text.clone(), whole));
                    }
                    // The cell follows the time: the mark ends where the cell's text does.
                    let mark = at.as_ref().and_then(|at| {
                        let cell = at.cell(p);
                        let start = text.find(&cell)?;
                        Some((at.mark(p)?, start + cell.trim_end().len()))
                    });
                    (p, text, mark)
                })
                .map(|(p, text, mark)| PacketLine {
                    text,
                    ts: p.ts,
                    digits: p.time_digits,
                    mark,
                    copy: p.copy,
                    drop: match (p.dropped, p.before_drop) {
                        (true, _) => Drop::At,
                        (false, true) => Drop::Before,
                        (false, false) => Drop::No,
                    },
                    at: at.as_ref().map(|at| at.whole_name(ev, p)),
                })
                .collect();
            self.lines = Some((how, lines));
            self.wholes = Arc::new(crate::ui::clipboard::Wholes::new(wholes));
            self.source_chars = (self.lines.iter().flat_map(|(_, l)| l))
                .filter_map(|l| Some(l.text.get(..l.text.find(" > ")?)?.chars().count()))
                .max()
                .unwrap_or(0);
        }
    }

    /// Lists only the packets of connection `index` (`None`: every packet again).
    fn narrow(&mut self, index: Option<usize>) {
        let ev = self.evidence.as_ref();
        let stream = index
            .zip(ev)
            .filter(|(i, ev)| *i < ev.connections.len())
            .map(|(index, ev)| Stream {
                index,
                lines: evidence::connection_packets(ev, index),
            });
        if stream.as_ref().map(|s| s.index) != self.stream.as_ref().map(|s| s.index) {
            self.packets_from_start = true;
        }
        self.stream = stream;
    }

    /// The connection selected, if one is: its packets alone are listed, or will be once the
    /// capture is read for them.
    pub fn stream(&self) -> Option<&ConnRecord> {
        match &self.evidence {
            Some(ev) => ev.connections.get(self.stream.as_ref()?.index),
            None => {
                let at = self.chosen_at()?;
                self.reading.as_ref()?.connections.get(at)
            }
        }
    }

    /// The connection chosen while the capture is read: where it is among those found so far.
    fn chosen_at(&self) -> Option<usize> {
        let frame = self.chosen?;
        let found = &self.so_far()?.connections;
        found.iter().position(|c| c.first_frame == frame)
    }

    /// What the reading for the evidence has found, while it goes on.
    fn so_far(&self) -> Option<&SoFar> {
        self.reading
            .as_ref()
            .filter(|_| self.evidence.is_none() && self.is_collecting())
    }

    /// The connections listed: the evidence's, or those found so far while it is read.
    fn listed(&self) -> &[ConnRecord] {
        match (&self.evidence, self.so_far()) {
            (Some(ev), _) => &ev.connections,
            (None, Some(r)) => &r.connections,
            (None, None) => &[],
        }
    }

    /// The index of the connection selected among those listed.
    fn selected_at(&self) -> Option<usize> {
        match &self.evidence {
            Some(_) => self.stream.as_ref().map(|s| s.index),
            None => self.chosen_at(),
        }
    }

    /// Selects connection `index` of those listed (`None`: none, every packet listed): in
    /// the evidence its packets alone are listed at once; while the capture is still read for
    /// them, once they are in.
    fn choose(&mut self, index: Option<usize>) {
        if self.evidence.is_some() {
            self.narrow(index);
        } else {
            self.chosen = index.and_then(|i| Some(self.listed().get(i)?.first_frame));
        }
    }

    /// The keys of the connections, as in a packet list once a stream is followed: with a
    /// connection selected, Up and Down (Page Up and Down, Home, End) move to another and the
    /// packets follow, Escape lists every packet again; with none, Enter selects the first.
    /// While the capture is read for the packets, among the connections found so far.
    /// True when the details took the keys (the offenders then do not: Escape gives them
    /// back). The caller hands them over only when no text field or dialog has them.
    pub fn keyboard(&mut self, ctx: &egui::Context) -> bool {
        let count = self.listed().len();
        let Some(last) = count.checked_sub(1) else {
            return false;
        };
        let Some(now) = self.selected_at() else {
            // Enter on nothing else: a focused button takes its own Enter. On the selected
            // offender's row, where Tab brings the keyboard to the results, Enter goes on into
            // its connections (pressed, the row selected what is selected already): with the
            // keyboard alone there was no way to them, the list being no Tab stop and the
            // keyboard never on nothing (real-window trial).
            let focused = ctx.memory(egui::Memory::focused);
            let on_row = focused.filter(|&id| crate::ui::focus::is_selected_row(ctx, id));
            let free = focused.is_none() || on_row.is_some();
            let enter =
                free && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Enter));
            if enter {
                self.choose(Some(0));
                self.stream_keyed = true;
                // The arrows then move along the connections, not egui's keyboard from the
                // row, and Tab goes on from the packets beside them, as after a click; from
                // nothing too (it went round to the File menu).
                if let Some(row) = on_row {
                    ctx.memory_mut(|m| m.surrender_focus(row));
                }
                crate::ui::focus::connection_clicked(ctx);
            }
            return enter;
        };
        let (step, home, end, escape) = ctx.input_mut(|i| {
            let mut count = |key| i.count_and_consume_key(egui::Modifiers::NONE, key) as i64;
            let step = count(egui::Key::ArrowDown) - count(egui::Key::ArrowUp)
                + PAGE * (count(egui::Key::PageDown) - count(egui::Key::PageUp));
            (
                step,
                count(egui::Key::Home) > 0,
                count(egui::Key::End) > 0,
                count(egui::Key::Escape) > 0,
            )
        });
        if escape {
            self.choose(None);
        } else if home || end || step != 0 {
            let to = if home {
                0
            } else if end {
                last
            } else {
                (now as i64 + step).clamp(0, last as i64) as usize
            };
            self.choose(Some(to));
            self.stream_keyed = true;
        }
        true
    }

    /// The diagnosis the panel showed in the last frame (its offender's, as the panel counts
    /// it), with the date and zone of when it was seen: what Ctrl+C copies when no text is
    /// selected, to be read in a ticket away from the plot's time axis.
    pub fn diagnosis_to_copy(&self) -> Option<&str> {
        self.shown.as_deref()
    }

    /// The selected offender as the panel tells it: with a time range, the evidence pass's
    /// count of the range (its clients included) once it is there, else the row's.
    fn offender<'a>(&'a self, input: &'a DetailsInput<'_>) -> Option<(&'a Offender, Scope)> {
        let row = input.row?;
        if input.range.is_some()
            && let Some(o) = self.evidence.as_ref().and_then(|e| e.offender.as_ref())
        {
            return Some((
                o,
                Scope::Range {
                    clients_known: true,
                },
            ));
        }
        Some((&row.offender, row.scope(input.range)))
    }

    /// The height the panel needs for the rows it showed with their connections: the part
    /// above the lists in `arrangement`, and [`LIST_ROWS`] rows of connections and packets.
    /// Nothing before connections are listed (a live capture lists them once it stops).
    pub fn least_height(&self, ui: &egui::Ui, arrangement: Arrangement) -> f32 {
        let above = self.lists_at.of(arrangement);
        if above <= 0.0 {
            return 0.0;
        }
        above + lists_least(ui)
    }

    /// The least height the panel is given before the results scroll as a whole: the
    /// tight arrangement, the lists' header and a connection row, the rest scrolled to
    /// within the panel; [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT) before connections
    /// are listed.
    pub fn fit_height(&self, ui: &egui::Ui) -> f32 {
        let above = self.lists_at.tight;
        if above <= 0.0 {
            return crate::ui::layout::DETAILS_FIT;
        }
        let row = list_row_height(ui);
        above + row + row + ui.spacing().item_spacing.y
    }

    /// The least height the panel is given where the table keeps its first row only
    /// ([`TableNeeds::first_row_only`](crate::ui::layout::TableNeeds::first_row_only)): the
    /// tight arrangement and the lists' heading, the connections scrolled to within the
    /// panel; [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT) before connections are listed.
    pub fn diagnosis_height(&self, ui: &egui::Ui) -> f32 {
        let above = self.lists_at.tight;
        if above <= 0.0 {
            return crate::ui::layout::DETAILS_FIT;
        }
        above + list_row_height(ui)
    }

    /// The height in which the panel shows its first connection row whole: the tight
    /// arrangement and the lists with that row, their margin and sideways bar; before the
    /// lists are measured (a live capture's, until Stop) the tight arrangement as measured
    /// without them and what the lists will take; before either,
    /// [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT).
    pub fn first_row_height(&self, ui: &egui::Ui) -> f32 {
        match (self.lists_at.tight, self.tops_alone.tight) {
            (above, _) if above > 0.0 => above + lists_with_rows(ui, 1),
            (_, top) if top > 0.0 => top + lists_with_rows(ui, 1),
            _ => crate::ui::layout::DETAILS_FIT,
        }
    }

    /// Before the lists are measured (a live capture's, until Stop), what the panel shows
    /// compact and tight ([`Arrangement`]): the header and its copy buttons, the diagnosis in
    /// [`COMPACT_LINES`] lines, with the processes and without; nothing with lists, or before
    /// it is measured. The table keeps its three rows beside these rather than beside the
    /// [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT) kept for lists still to come.
    pub fn short_tops(&self) -> Option<[f32; 2]> {
        let alone = self.tops_alone;
        (self.lists_at.tight <= 0.0 && alone.tight > 0.0).then_some([alone.compact, alone.tight])
    }

    /// [`DetailsView::diagnosis_height`] without the lists' heading: the least window's
    /// (640x400 with a message over the results and "This machine" open), which has room for
    /// the table's first row and the diagnosis only, the lists scrolled to within the panel.
    pub fn sentence_height(&self, ui: &egui::Ui) -> f32 {
        match (self.lists_at.tight, self.tops_alone.tight) {
            (above, _) if above > 0.0 => above,
            // A live capture's, before its lists: the diagnosis as the panel shows it. At
            // 640x400 with a message over the results and "This machine" open the results
            // scrolled as a whole, the diagnosis under the window's bottom, for the
            // [`DETAILS_FIT`](crate::ui::layout::DETAILS_FIT) a panel with lists needs.
            (_, top) if top > 0.0 => top,
            _ => self.diagnosis_height(ui),
        }
    }

    /// The height in which the panel in full shows [`LIST_ROWS`] rows of connections, their
    /// lists' margin and sideways bar cut if need be; short of it the panel is compact.
    /// Nothing before connections are listed.
    pub fn full_height(&self, ui: &egui::Ui) -> f32 {
        let above = self.lists_at.full;
        if above <= 0.0 {
            return 0.0;
        }
        above + full_lists(ui)
    }

    /// Draws the panel. Where its height is short of the diagnosis, the filters and a few
    /// connections in full (a small window, the user dragged the splitter down, a diagnosis
    /// with many suspect resets), they are told compactly: the diagnosis in
    /// [`COMPACT_LINES`] lines, whole on hover, and the copy buttons of the diagnosis and the
    /// filters on one line, each filter whole on its button's hover; shorter still, the
    /// processes' lines go to the endpoint's hover ([`Arrangement`]); so that a laptop's
    /// screen at 800x600 shows connections too. Short of even that, the panel scrolls, the
    /// diagnosis first.
    pub fn show(&mut self, ui: &mut egui::Ui, input: &DetailsInput<'_>) -> Option<DetailsAction> {
        self.refresh(ui.ctx(), input);
        // Text copied from the packet lines takes their date back.
        crate::ui::clipboard::Wholes::offer(ui.ctx(), &self.wholes);
        let view = ui.available_height();
        // Without lists measured (a live capture's until Stop), by what is above them: at
        // 640x400 beside "This machine" the diagnosis was written out whole under its copy
        // button, below the window's bottom, where the compact one had room.
        let alone = self.tops_alone;
        let (full, compact) = match self.lists_at.full <= 0.0 && alone.tight > 0.0 {
            true => (alone.full, alone.compact),
            false => (
                self.full_height(ui),
                self.least_height(ui, Arrangement::Compact),
            ),
        };
        let arrangement = if full <= view + 1.0 {
            Arrangement::Full
        } else if compact <= view + 1.0 {
            Arrangement::Compact
        } else {
            Arrangement::Tight
        };
        // The arrangements are measured at the panel's width without its bar: measured at the
        // width they are shown at, the full one, its lists cut, showed the bar, wrapped taller
        // in the narrower width and turned compact, which showed no bar, and so on, a frame
        // each (the keyboard's focus lost as its button went).
        let width = ui.available_width();
        let outer = ui.spacing().scroll;
        ui.spacing_mut().scroll = crate::ui::offenders::scroll_style();
        egui::ScrollArea::vertical()
            .id_salt("details-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.spacing_mut().scroll = outer;
                self.content(ui, input, (view, width), arrangement)
            })
            .inner
            .map(|action| self.all_to_save(action))
    }

    /// "Save these packets…" of packets the details did not all keep: read all of them again
    /// where the capture's files can be (not a pipe's bytes, read once), as `rstscope analyze
    /// --endpoint ... --write` does. An admin who saves a row expects every packet of it.
    fn all_to_save(&self, action: DetailsAction) -> DetailsAction {
        let DetailsAction::SavePackets(mut save, name) = action;
        let connection = (save.listed.connections.first()).filter(|_| save.listed.one_connection);
        let cut = save.listed.more > 0;
        save.again = self
            .key
            .as_ref()
            .filter(|k| cut && crate::source::read_once(&k.paths).is_none())
            .map(|k| ReadAgain {
                paths: k.paths.clone(),
                endpoint: k.endpoint,
                range: k.range,
                how: evidence::Collect {
                    all_copies: k.all_copies,
                    frames: k.frames,
                    latest: false,
                    scan: k.scan,
                    scan_of_target: false,
                },
                connection: connection.map(|c| c.first_frame),
            });
        DetailsAction::SavePackets(save, name)
    }

    /// What the panel holds, in `arrangement`; the lists fill `view` points (the panel's
    /// height) or, short of that, keep room for [`LIST_ROWS`] rows. `width`: the panel's
    /// without its bar, at which the arrangements are measured.
    fn content(
        &mut self,
        ui: &mut egui::Ui,
        input: &DetailsInput<'_>,
        (view, width): (f32, f32),
        arrangement: Arrangement,
    ) -> Option<DetailsAction> {
        let top = ui.max_rect().top();
        let Some((o, scope)) = self.offender(input) else {
            self.shown = None;
            // Not "Select an offender" under a table that has none: the table says why.
            if !input.selectable {
                return None;
            }
            ui.add_space(6.0);
            ui.label(
                RichText::new(
                    "Select an offender to see its diagnosis, its connections and packets, and the filters that show them in Wireshark or tcpdump.",
                )
                .weak(),
            );
            return None;
        };
        let o = o.clone();
        let mut action = None;
        let diagnosis = match input.row.and_then(|r| r.scan.as_ref()) {
            Some(s) => report::scan_sentence(s.told(), input.clock),
            None => report::full_diagnosis_in(&o, input.host, input.clock, scope),
        };
        // A live capture's files are its own pieces, no name a ticket's reader knows.
        let names: Vec<String> = if input.live {
            Vec::new()
        } else {
            input
                .paths
                .iter()
                .map(|p| crate::ui::file_name(p))
                .collect()
        };
        let to_copy =
            report::diagnosis_to_copy(&diagnosis, &o, input.clock, &report::capture_files(&names));
        let now = ui.input(|i| i.time);
        let copied = self
            .copied
            .filter(|(_, at)| now - at < COPIED_FOR)
            .map(|(n, _)| n);
        let top_part = Top {
            o: &o,
            input,
            scope,
            diagnosis: &diagnosis,
            copied,
        };
        // Every arrangement, laid out unseen for its height at the panel's `width`: the layout
        // gives the panel what the fullest one that fits the window needs.
        let start = ui.cursor().top();
        let unseen = |ui: &mut egui::Ui, arrangement: Arrangement| {
            let mut rect = ui.available_rect_before_wrap();
            rect.set_width(width);
            let mut unseen = ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(rect)
                    .id_salt(("details-unseen-arrangement", arrangement as u8))
                    .invisible(),
            );
            top_part.show(&mut unseen, arrangement);
            // The full one's separator from the lists (below the capture's problems).
            if !arrangement.short() {
                unseen.separator();
            }
            unseen.cursor().top() - start
        };
        let tops = Tops {
            full: unseen(ui, Arrangement::Full),
            compact: unseen(ui, Arrangement::Compact),
            tight: unseen(ui, Arrangement::Tight),
            width,
            shown: 0.0,
            shown_as: arrangement,
        };
        if !ui.ctx().will_discard() {
            let now = ListsAt {
                width,
                full: tops.full,
                compact: tops.compact,
                tight: tops.tight,
            };
            // Taken once two frames agree, as `lists_at`: a grid's first pass wraps its text
            // tall (the filters' rows, 750 points at 800x600).
            let settled = self.tops_measured.near(now);
            self.tops_measured = now;
            // Held for the offenders shown at this width: afresh for another width or filter,
            // the old heights kept until the new one's are taken (no frame with none).
            let filtered = self.tops_filter != input.filter;
            let was = match self.tops_alone {
                was if (was.width - width).abs() > 0.5 || filtered => ListsAt::default(),
                was => was,
            };
            let most = ListsAt {
                width,
                full: was.full.max(now.full),
                compact: was.compact.max(now.compact),
                tight: was.tight.max(now.tight),
            };
            if !settled {
                ui.ctx().request_repaint();
            } else if most != self.tops_alone || filtered {
                self.tops_alone = most;
                self.tops_filter = input.filter.to_owned();
                ui.ctx().request_repaint();
            }
        }
        let clicked = top_part.show(ui, arrangement);
        self.arrangement = Some(arrangement);
        let mut shown = ui.cursor().top() - start;
        if let Some(index) = clicked {
            let text = if index == DIAGNOSIS_COPIED {
                to_copy.clone()
            } else {
                filter_rows(&o, sides_of(input, &o)).0.swap_remove(index).1
            };
            ui.ctx().copy_text(text);
            self.copied = Some((index, now));
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs_f64(COPIED_FOR));
        }
        self.shown = Some(to_copy);
        // Problems of the capture (a file cut short) on a line of their own, apart from Save.
        if let Some(e) = &self.error {
            ui.add(egui::Label::new(RichText::new(e).color(ui.visuals().error_fg_color)).wrap());
        }
        let warnings = self
            .evidence
            .as_ref()
            .map(|ev| untold(ev.warnings_in(input.clock), input.told))
            .unwrap_or_default();
        // Each at the size of the text around it (small and cut at the right edge, a zip's
        // note on the members it skipped could not be read): whole and wrapped in full, on one
        // line where the details are short, whole on hover (the status bar says them too). At
        // 800x600 beside "This machine" a file cut short took four lines there and left no
        // connection row in view.
        for w in &warnings {
            let label = egui::Label::new(
                RichText::new(format!("Capture: {w}")).color(ui.visuals().warn_fg_color),
            );
            ui.add(match arrangement.short() {
                true => label.truncate(),
                false => label.wrap(),
            });
        }
        if !arrangement.short() {
            let above = ui.cursor().top();
            ui.separator();
            shown += ui.cursor().top() - above;
        }
        let tops = Tops { shown, ..tops };
        self.evidence_lists(ui, &o, input, &mut action, (top, view), tops);
        action
    }

    /// The connections and the packets side by side, in the height left, with "Save these
    /// packets…" by the packets' heading.
    fn evidence_lists(
        &mut self,
        ui: &mut egui::Ui,
        o: &Offender,
        input: &DetailsInput<'_>,
        action: &mut Option<DetailsAction>,
        at: (f32, f32),
        tops: Tops,
    ) {
        let reading = self.reading.take();
        self.lists(ui, (o, input), action, at, tops, reading.as_ref());
        self.reading = reading;
    }

    /// [`DetailsView::evidence_lists`], with what the reading for the evidence found so far.
    fn lists(
        &mut self,
        ui: &mut egui::Ui,
        (o, input): (&Offender, &DetailsInput<'_>),
        action: &mut Option<DetailsAction>,
        (top, view): (f32, f32),
        tops: Tops,
        reading: Option<&SoFar>,
    ) {
        let more = |n: u64| {
            if n > 0 {
                format!(", {} more not listed", report::thousands(n))
            } else {
                String::new()
            }
        };
        let ev = self.evidence.clone();
        let ev = ev.as_ref();
        let collecting = self.is_collecting();
        // While the capture is read for the evidence: the connections found so far, listed
        // as they come.
        let so_far = reading.filter(|_| ev.is_none() && collecting);
        let listed = match (ev, so_far) {
            (Some(ev), _) => Some(ev.connections.as_slice()),
            (None, Some(r)) if !r.connections.is_empty() => Some(r.connections.as_slice()),
            _ => None,
        };
        // The connection followed: its packets listed, and its record.
        let stream = self
            .stream
            .as_ref()
            .zip(ev)
            .and_then(|(s, ev)| Some((s.lines.clone(), ev.connections.get(s.index)?.clone())));
        // The connection chosen while the capture is read, where it is among those found.
        let chosen = so_far
            .zip(self.chosen)
            .and_then(|(r, frame)| r.connections.iter().position(|c| c.first_frame == frame));
        // Packets past those kept are read again from the capture's files (not from a pipe's
        // bytes, read once).
        let again = !input.paths.is_empty() && crate::source::read_once(input.paths).is_none();
        let mut all_packets = false;
        let all_copies = &mut self.all_copies;
        // The connections take what their columns ask for (up to 65-72%), the packets the rest.
        // Dated in a capture of days, as the selected range is, even where the connections
        // listed (those of a range within a day) start on one day.
        let column_chars = so_far.map_or(&self.column_chars, |r| &r.column_chars);
        let date = column_chars.date(input.clock, input.dated);
        // A sparse list of days dates each start, to the second, where that tells each apart
        // and the table, its start column that much wider, still gets all it asks for, or
        // where it would not get it anyway (a small window's table scrolls sideways either
        // way, and its rows are few); else the days have rows of their own ([`DayRows`]).
        let width = ui.available_width();
        let least = packets_least(ui, self.source_chars);
        let fits = |widths: &[f32; 8]| {
            let wanted = connections_width(ui, widths);
            connections_share(width, wanted, least) >= wanted
        };
        let (dated, timed) = (
            column_chars.widths(ui, Some(date)),
            column_chars.widths(ui, None),
        );
        let inline = date != LineDate::None
            && column_chars.seconds_apart
            && listed.is_some_and(|l| DayRows::of(ui.ctx(), l, input.clock, date).sparse(l.len()))
            && (fits(&dated) || !fits(&timed));
        let widths = if inline { dated } else { timed };
        let share = listed.map_or(0.5 * width, |_| {
            connections_share(width, connections_width(ui, &widths), least)
        });
        two_columns(
            ui,
            share,
            |ui| {
                ui.horizontal(|ui| {
                    // The rows the list showed whole in the last pass, where they were not all
                    // (the rows give way to the plot in a small window): the heading says
                    // which, so that the rest are known to be there.
                    let in_view = listed.and_then(|l| {
                        connection_rows_in_view(ui.ctx())
                            .filter(|v| v.of == l.len() && v.rows.len() < l.len())
                    });
                    let text = match (ev, listed) {
                        // The count first, as where every row is in view.
                        (Some(ev), _) => match &in_view {
                            Some(v) => format!(
                                "Connections ({}{}) · {} in view",
                                report::thousands(ev.connections.len() as u64),
                                more(ev.more_connections),
                                v.range_text(),
                            ),
                            None => format!(
                                "Connections ({}{})",
                                report::thousands(ev.connections.len() as u64),
                                more(ev.more_connections)
                            ),
                        },
                        // Those found beyond the ones listed counted too, as the evidence
                        // counts them.
                        (None, Some(found)) => match so_far.map_or(0, |r| r.more) {
                            0 => format!(
                                "Connections ({} so far)",
                                report::thousands(found.len() as u64)
                            ),
                            more => format!(
                                "Connections ({} of {} so far)",
                                report::thousands(found.len() as u64),
                                report::thousands(found.len() as u64 + more)
                            ),
                        },
                        (None, None) => "Connections".to_owned(),
                    };
                    let capped = ev.map_or(so_far.is_some_and(|r| r.more > 0), |ev| {
                        ev.more_connections > 0
                    });
                    let heading = ui.label(RichText::new(text).strong());
                    let mut hover = Vec::new();
                    if let Some(v) = &in_view {
                        hover.push(format!(
                            "{} in view of the {} listed: scroll the list for the rest (the \
                             wheel over it, its bar at the right, or the arrow keys once a \
                             row is selected), or drag the bar above the details up to give \
                             it more room",
                            v.rows_text(),
                            report::thousands(v.of as u64)
                        ));
                    }
                    if capped {
                        hover.push(format!(
                            "the details list the first {} connections to end and count \
                             the rest; `rstscope analyze --connections` lists every \
                             connection of the capture",
                            report::thousands(evidence::MAX_CONNECTIONS as u64)
                        ));
                    }
                    if !hover.is_empty() {
                        heading.on_hover_text(hover.join("\n"));
                    }
                });
            },
            // Wrapped in its share: a long count with Save and the spinner beside it must not
            // widen the details (and the results' scrolling) past the window.
            |ui| {
                ui.horizontal_wrapped(|ui| {
                    let text = match (ev, &stream) {
                        (Some(ev), Some((lines, _))) => {
                            format!(
                                "Packets ({} of {})",
                                report::thousands(lines.len() as u64),
                                report::thousands(ev.packets.len() as u64)
                            )
                        }
                        (Some(ev), None) => {
                            format!(
                                "Packets ({}{})",
                                report::thousands(ev.packets.len() as u64),
                                more(ev.more)
                            )
                        }
                        (None, _) => "Packets".to_owned(),
                    };
                    // Where "…, 1,948 more not listed" leaves "Save…" no room beside it, the
                    // count of all is said instead, and shorter still the heading alone (the
                    // whole on hover): "Save…" on a line of its own brought the connections'
                    // columns a line lower, a row less in view at 800x600.
                    let short = ev.filter(|ev| ev.more > 0).map(|ev| {
                        let listed = ev.packets.len() as u64;
                        format!(
                            "Packets ({} of {})",
                            report::thousands(listed),
                            report::thousands(listed + ev.more)
                        )
                    });
                    let width = |text: &str| text_width(ui, text);
                    let copies =
                        ev.is_some_and(|ev| ev.copies.total() + ev.across_files > 0) || *all_copies;
                    // "every copy" keeps its place on the heading's line, in every arrangement
                    // as Save does: on the next, it took a connection row's height (a pktmon
                    // trace at 800x600, and in full at 940 points).
                    let after = if copies {
                        checkbox_width(ui, COPIES_BOX) + ui.spacing().item_spacing.x
                    } else {
                        0.0
                    };
                    let save = width("Save…")
                        + 2.0 * ui.spacing().button_padding.x
                        + ui.spacing().item_spacing.x
                        + after;
                    let room = ui.available_size_before_wrap().x;
                    let fits = |t: &str, between: f32| width(t) + between + save <= room;
                    if stream.is_some() || chosen.is_some() {
                        // One connection's: its count, then how many of its packets are
                        // listed, go to the heading's hover where the line has no room for
                        // them beside "× All packets" and Save (they wrapped Save onto a line
                        // of its own, the connections' columns a line lower beside it).
                        // Narrower still, "× All packets" says "× All" (the rest on hover).
                        let spacing = ui.spacing().item_spacing.x;
                        let chip = |text: &str| small_button_width(ui, text) + spacing;
                        let of_its = stream
                            .as_ref()
                            .and_then(|(lines, c)| of_its_listed(lines, c));
                        let of_its_width = of_its.as_ref().map_or(0.0, |t| width(t) + spacing);
                        let whole_chip = chip(ALL_PACKETS) + of_its_width;
                        let (shown, beside, chip) = if fits(&text, whole_chip) {
                            (text.as_str(), of_its.as_deref(), ALL_PACKETS)
                        } else if fits("Packets", whole_chip) {
                            ("Packets", of_its.as_deref(), ALL_PACKETS)
                        } else if fits("Packets", chip(ALL_PACKETS)) {
                            ("Packets", None, ALL_PACKETS)
                        } else {
                            ("Packets", None, ALL_SHORT)
                        };
                        let whole = match (&of_its, beside) {
                            (Some(of_its), None) => format!("{text}: {of_its}"),
                            _ => text.clone(),
                        };
                        let heading = ui.label(RichText::new(shown).strong());
                        if whole != shown {
                            heading.on_hover_text(whole);
                        }
                        all_packets = stream_chip(ui, beside, chip);
                    } else if ev.is_none() || fits(&text, 0.0) {
                        ui.label(RichText::new(text).strong());
                    } else {
                        let shown = short
                            .filter(|short| fits(short, 0.0))
                            .unwrap_or_else(|| "Packets".to_owned());
                        ui.label(RichText::new(shown).strong()).on_hover_text(text);
                    }
                    let scan = input.row.and_then(|r| r.scan.as_ref()).map(|s| &*s.scan);
                    *action = save_button(
                        ui,
                        (o, scan),
                        (ev, again),
                        stream.as_ref(),
                        input.clock,
                        after,
                    );
                    if copies {
                        let copies_box = ui.checkbox(all_copies, COPIES_BOX);
                        crate::ui::focus::ring(ui, &copies_box);
                        copies_box.on_hover_text(
                            "this capture recorded packets at several points (a pktmon trace's \
                         components, a bridge and its port, two files of the same traffic): \
                         list each packet as often as it was recorded, marked as a copy with \
                         where, instead of once as the analysis counts it",
                        );
                    }
                });
            },
        );
        // Before the capture is read again for them: while the analysis reads a file, or a
        // live capture runs (its file is read for them after Stop capture).
        let waiting = ev.is_none() && !collecting && !input.ready;
        // Not from a pass to be laid out again (a grid's first, which sizes its columns
        // unseen): the most is kept. Measured while the capture is read too, so that the
        // layout gives the lists room at once: in a window that shows only the details' top
        // without them (800x600), nothing but the diagnosis was in view for as long as a
        // large capture took to read (for the evidence, and before that for the analysis,
        // when even the lists' headings and when they come were out of view). A live
        // capture's details keep the diagnosis and the filters in view instead until Stop.
        let measured = ev.is_some() || so_far.is_some() || (waiting && !input.live);
        if measured && !ui.ctx().will_discard() {
            // What lies between the arrangement shown and the lists, under any.
            let between = ui.cursor().top() - top - tops.shown;
            let now = ListsAt {
                width: tops.width,
                full: between + tops.full,
                compact: between + tops.compact,
                tight: between + tops.tight,
            };
            // A grid takes a frame or two to size its columns, its text wrapped tall until
            // then: a height is taken once two frames agree on it.
            let settled = self.lists_measured.near(now);
            self.lists_measured = now;
            let was = self.lists_at;
            // Held for the rows shown under the table's filter: afresh for another filter, the
            // old heights kept until the new row's are taken (no frame with none). The table
            // moves then, as its rows change, not while the user reads the rows shown.
            let filtered = self.lists_filter != input.filter;
            let at = if !settled {
                ui.ctx().request_repaint();
                was
            } else if (now.width - was.width).abs() > 0.5 || filtered {
                now
            } else {
                ListsAt {
                    full: was.full.max(now.full),
                    compact: was.compact.max(now.compact),
                    tight: was.tight.max(now.tight),
                    ..was
                }
            };
            let grew = |a: f32, b: f32| a > b + 0.5;
            if grew(at.full, was.full)
                || grew(at.compact, was.compact)
                || grew(at.tight, was.tight)
                || at.width != was.width
                || (filtered && settled)
            {
                self.lists_at = at;
                self.lists_filter = input.filter.to_owned();
                // The layout gives the details their height from this: lay it out again now.
                ui.ctx().request_repaint();
            }
        }
        if all_packets {
            self.narrow(None);
            self.chosen = None;
        }
        if ev.is_none() && so_far.is_none() {
            // When they come, under their headings: beside Save it wrapped to a second
            // heading line in a small window's packets column.
            if waiting {
                let when = if input.live { WHEN_LIVE } else { WHEN_READ };
                ui.add_space(4.0);
                ui.label(RichText::new(when).weak());
            }
            return;
        }
        // Each list starts at its beginning in the first frame that draws it for this
        // evidence, not in one that only says how far the reading has got: a list scrolled
        // for the last offender stayed so.
        let from_start = listed.is_some() && std::mem::take(&mut self.from_start);
        self.packets_from_start |= from_start;
        let packets_from_start = so_far.is_none() && std::mem::take(&mut self.packets_from_start);
        let keyed = std::mem::take(&mut self.stream_keyed);
        let selected = match ev {
            Some(_) => self.stream.as_ref().map(|s| s.index),
            None => chosen,
        };
        let (lines_how, lines) = self
            .lines
            .as_ref()
            .map_or(((input.clock, LineDate::None), &[][..]), |(how, l)| {
                (*how, l.as_slice())
            });
        // The rest of the view, unless that is short of the least by more than a rounding
        // (which would show a scroll bar for nothing).
        let rest = view - (ui.cursor().top() - top);
        // In full, chosen where the header and three rows fit (`full_height`), the lists'
        // margin and sideways bar are cut rather than scroll the panel: they made a bar for
        // 20 points, the third row half shown, and the wheel over the diagnosis scrolled the
        // endpoint away.
        let least = match tops.shown_as {
            Arrangement::Full => rest.clamp(full_lists(ui), lists_least(ui)),
            Arrangement::Compact | Arrangement::Tight => lists_least(ui),
        };
        let height = if rest >= least - 1.0 { rest } else { least };
        // The panel's scrolling reaches the lists' bottom, whatever height they take.
        ui.set_min_height(height);
        let shown = self.stream.as_ref().map(|s| s.lines.as_slice());
        let clicked = two_columns(
            ui,
            share,
            |ui| {
                let list = ConnectionList {
                    clock: input.clock,
                    date,
                    inline,
                    digits: ev.map_or(6, |e| e.time_digits()),
                    widths: &widths,
                    height,
                    from_start,
                    selected,
                    keyed,
                };
                match listed {
                    Some([]) if ev.is_some() => {
                        ui.add_space(4.0);
                        weak_note(ui, no_connections(ev.map(|e| &**e)));
                        None
                    }
                    Some(found) => connections(ui, found, &list),
                    None => {
                        ui.add_space(4.0);
                        weak_note(ui, NONE_FOUND_YET);
                        None
                    }
                }
            },
            |ui| match (so_far, &stream) {
                (Some(r), _) => reading_line(ui, r, chosen.is_some()),
                (None, Some((listed, c))) if listed.is_empty() => {
                    ui.add_space(4.0);
                    weak_note(ui, none_listed(c, again));
                }
                (None, _) => wheel::area(ui, "details/packets", |ui| {
                    packets(ui, (lines, shown), lines_how, height, packets_from_start);
                }),
            },
        );
        // A connection is followed in the evidence; one found before it is chosen, and
        // followed once the evidence is in.
        if let Some(i) = clicked {
            match (ev, so_far) {
                (Some(_), _) => self.narrow(Some(i)),
                (None, Some(r)) => self.chosen = r.connections.get(i).map(|c| c.first_frame),
                (None, None) => {}
            }
        }
    }
}

/// A note where a list would be, wrapped and ragged at the right: in the lists' columns (laid
/// out justified, so that the lists fill them) a label's text is justified, and the pane of a
/// connection with no packet listed read "none  of  its  2  packets  is  listed" (s51,
/// real window).
fn weak_note(ui: &mut egui::Ui, text: impl Into<String>) -> egui::Response {
    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.label(RichText::new(text).weak())
    })
    .inner
}

/// Said under the lists' headings while the analysis reads a file: the lists come after it.
const WHEN_READ: &str = "connections and packets are listed once the capture is read";
/// ...and while a live capture runs: its file is read for them after Stop capture.
const WHEN_LIVE: &str = "connections and packets are listed when the capture stops";

/// Said where the connections go while the capture is read and none has been found yet. A
/// connection is handed over once the analysis ends it (seconds of packet time after its last
/// packet, as Zeek's timers do), so the first rows can come well after its first packets.
const NONE_FOUND_YET: &str = "none ended yet in the part read: each is listed once it ends";

/// Said where the connections go when the details list none: why, where the packets say it
/// (pktmon-drops.pcapng's 7400, whose every SYN the capturing host dropped, showed an empty
/// table and nothing else).
fn no_connections(ev: Option<&Evidence>) -> &'static str {
    let packets = ev.map_or(&[][..], |ev| ev.packets.as_slice());
    if !packets.is_empty() && packets.iter().all(|p| p.dropped || p.before_drop || p.copy) {
        "none: the capturing host dropped every packet of it (listed beside, marked drop), so \
         no connection began"
    } else if packets.is_empty() {
        "none: no packet of it in the part read"
    } else {
        "none began or ended in the part read: its packets are listed beside"
    }
}

/// Said where the packets go when none of the selected connection's is listed: they came
/// after the endpoint's first [`MAX_PACKETS`] that the details keep (the last of 1,006
/// refused connects showed an empty pane and nothing else). `again`: the capture's files can
/// be read again for them, as "Save these packets…" does.
fn none_listed(c: &ConnRecord, again: bool) -> String {
    let (its, they, them) = match c.packets {
        1 => ("its one packet is not listed".to_owned(), "it", "it"),
        n => (
            format!("none of its {} packets is listed", report::grouped(n)),
            "they",
            "them",
        ),
    };
    let what = match again {
        true => format!(
            "{SAVE_PACKETS} reads the capture's file again for {them} (among the endpoint's \
             first {})",
            report::grouped(evidence::SAVE_MAX_PACKETS)
        ),
        false => format!(
            "a capture read once (from a pipe) cannot be read again for {them}: save it to a \
             file and open that"
        ),
    };
    format!(
        "{its}: the details keep the endpoint's first {} packets (and, with a time range, \
         those in it), and {they} came later. {what}",
        report::grouped(MAX_PACKETS)
    )
}

/// How far the reading for the packets has got, where they go: a spinner, the part read and
/// the frames; `chosen`: a connection is selected, whose packets alone are to be listed.
fn reading_line(ui: &mut egui::Ui, r: &SoFar, chosen: bool) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.spinner();
        let whose = if chosen {
            "the selected connection's"
        } else {
            "its"
        };
        ui.label(format!(
            "reading the capture for {whose} packets… {}% ({} frames)",
            (r.done * 100.0).floor().clamp(0.0, 100.0),
            report::thousands(r.frames)
        ));
    });
}

/// The evidence's `warnings` but those already `told` (the analysis's about files it could
/// not read at all): a file of a several-file capture gone before it was opened was said in
/// the notice over the plot, the title and the status bar, and again in orange over every
/// row's lists, as the evidence read the files again. One gone since the analysis read it is
/// news, and stays.
fn untold(mut warnings: Vec<String>, told: &[String]) -> Vec<String> {
    warnings.retain(|w| !told.contains(w));
    warnings
}

/// The text of the button that saves the packets listed.
pub const SAVE_PACKETS: &str = "Save these packets…";

/// The file name "Save these packets…" suggests: the endpoint's, and the selected connection's
/// client and start (date and time to the millisecond, in the app's clock) where one is
/// selected. With its start, no two connections share a name: a Windows client retrying a
/// refused SYN makes connections of one 4-tuple half a second apart (pop3.pcap), and the
/// second one saved replaced the first.
fn packets_file_name(
    o: &Offender,
    scan: Option<&Scan>,
    connection: Option<&ConnRecord>,
    clock: Clock,
) -> String {
    let mut name = match scan.map(|s| s.kind) {
        None => format!("rstscope-{}-{}", o.addr, o.port),
        Some(ScanKind::Ports { server }) => format!("rstscope-scan-{}-{server}", s_client(scan)),
        Some(ScanKind::Sweep { port }) => format!("rstscope-sweep-{}-{port}", s_client(scan)),
    };
    if let Some(c) = connection {
        let client = if c.resp == (o.addr, o.port) {
            c.orig
        } else {
            c.resp
        };
        let start = clock.datetime(c.start).format("%Y%m%d-%H%M%S%.3f");
        name.push_str(&format!("-{}-{}-{start}", client.0, client.1));
    }
    format!("{name}.pcapng").replace([':', '[', ']'], "_")
}

/// The client of `scan` (none: empty), for a file name.
fn s_client(scan: Option<&Scan>) -> String {
    scan.map_or_else(String::new, |s| s.client.to_string())
}

/// The box under the packets' heading that lists each copy of a packet recorded.
const COPIES_BOX: &str = "every copy";

/// The width of a checkbox saying `text`, as egui lays it out.
fn checkbox_width(ui: &egui::Ui, text: &str) -> f32 {
    ui.spacing().icon_width + ui.spacing().icon_spacing + text_width(ui, text)
}

/// "Save these packets…": a pcapng of the packets listed (they are all there is, unless more
/// were counted than kept, which its hover says). `again`: the capture's files can be read
/// again for packets the details did not keep ([`DetailsView::all_to_save`]), so a connection
/// none of whose packets are listed (all past the details' first 2,000) can be saved too.
/// `after`: points of the heading's line kept for what follows the button.
fn save_button(
    ui: &mut egui::Ui,
    (o, scan): (&Offender, Option<&Scan>),
    (ev, again): (Option<&Arc<Evidence>>, bool),
    stream: Option<&(Vec<usize>, ConnRecord)>,
    clock: Clock,
    after: f32,
) -> Option<DetailsAction> {
    let packets = ev.filter(|e| match stream {
        Some((lines, _)) => !lines.is_empty() || (again && e.more > 0),
        None => !e.packets.is_empty() || (again && e.more > 0),
    });
    let name = packets_file_name(o, scan, stream.map(|(_, c)| c), clock);
    let hint = match packets {
        Some(_) if stream.is_some_and(|(lines, _)| lines.is_empty()) => format!(
            "a pcapng file of the selected connection's packets, for Wireshark: none of them is \
             listed (the details keep the first {}), so the capture is read again for them",
            report::grouped(MAX_PACKETS)
        ),
        Some(_) if stream.is_some() => {
            "a pcapng file of just the selected connection's packets listed, for Wireshark"
                .to_owned()
        }
        Some(ev) if ev.more > 0 => {
            let all = ev.packets.len() as u64 + ev.more;
            let saved = match all > evidence::SAVE_MAX_PACKETS as u64 {
                true => format!(
                    "the first {} of its {} packets",
                    report::grouped(evidence::SAVE_MAX_PACKETS),
                    report::grouped(all)
                ),
                false => format!("all {} packets", report::grouped(all)),
            };
            format!(
                "a pcapng file of {saved}, for Wireshark: the capture is read again for them \
                 (the details keep the first {})",
                report::grouped(MAX_PACKETS)
            )
        }
        _ => "a pcapng file of just these packets, for Wireshark".to_owned(),
    };
    // On one line, never wrapped onto two (as it was in a packets column narrowed by dated
    // connections and the "This machine" panel), and on the heading's, in every arrangement:
    // "Save…" where the whole text would go to the next line or take the place of what
    // follows it there. On a line of its own, in full at 1100 points too, it brought the
    // lists a line lower beside the connections' one-line heading: a row less in view.
    let whole = one_line_width(ui, SAVE_PACKETS, egui::TextStyle::Button)
        + 2.0 * ui.spacing().button_padding.x;
    let room = ui.available_size_before_wrap().x - after;
    let text = if room >= whole {
        SAVE_PACKETS
    } else {
        "Save…"
    };
    let button = egui::Button::new(text).wrap_mode(egui::TextWrapMode::Extend);
    let save = ui
        .add_enabled(packets.is_some(), button)
        .on_hover_text(hint);
    if stream.is_none() && save.enabled() {
        crate::ui::focus::packets_control(ui.ctx(), save.id);
    }
    let clicked = save.clicked();
    match (packets, stream) {
        (Some(ev), Some((lines, c))) if clicked => {
            let only = connection_only(ev, lines, c);
            Some(DetailsAction::SavePackets(
                SavePackets {
                    listed: Arc::new(only),
                    again: None,
                },
                name,
            ))
        }
        (Some(ev), None) if clicked => Some(DetailsAction::SavePackets(
            SavePackets {
                listed: Arc::clone(ev),
                again: None,
            },
            name,
        )),
        _ => None,
    }
}

/// How many of a connection's packets are listed, where not all are (some may be past the
/// packets kept, or outside the time range).
fn of_its_listed(lines: &[usize], c: &ConnRecord) -> Option<String> {
    let listed = lines.len();
    (listed < c.packets as usize).then(|| {
        format!(
            "{} of its {} listed",
            report::grouped(listed),
            report::grouped(c.packets)
        )
    })
}

/// Beside the packets' heading while one connection's are listed (or, while the capture is
/// read, one is chosen): "All packets" (`chip`), which lists every packet again (as Escape
/// does), and `of_its` ([`of_its_listed`]) where the line has room for it. True when "All
/// packets" was clicked.
fn stream_chip(ui: &mut egui::Ui, of_its: Option<&str>, chip: &str) -> bool {
    let clicked = all_packets_chip(ui, chip);
    if let Some(text) = of_its {
        ui.label(RichText::new(text).weak()).on_hover_text(format!(
            "the details keep the endpoint's first {MAX_PACKETS} packets (and, with a time \
             range, those in it): `rstscope analyze --endpoint ... --write` saves them all"
        ));
    }
    clicked
}

/// The text of the button that lists every packet of the endpoint again...
const ALL_PACKETS: &str = "× All packets";
/// ...and where a narrow packets column has no room for it.
const ALL_SHORT: &str = "× All";

/// "× All packets" (or `text`): true when clicked.
fn all_packets_chip(ui: &mut egui::Ui, text: &str) -> bool {
    let chip = ui.add(egui::Button::new(text).small()).on_hover_text(
        "list every packet of the endpoint again (Esc); until then the arrow keys move \
         from connection to connection",
    );
    crate::ui::focus::packets_control(ui.ctx(), chip.id);
    chip.clicked()
}

/// The tcpdump-like lines (only those of `shown` when one connection's are listed); only the
/// visible ones are laid out. Further copies of a packet are
/// weaker than the packet's first line, which stands out among its copies. `from_start`:
/// scrolled to the first line's beginning.
fn packets(
    ui: &mut egui::Ui,
    (lines, shown): (&[PacketLine], Option<&[usize]>),
    (clock, date): (Clock, LineDate),
    height: f32,
    from_start: bool,
) {
    let font = egui::FontId::monospace(fonts::PACKET_LINES);
    let row_height = ui.fonts_mut(|f| f.row_height(&font));
    // Long lines scroll sideways, never cut: solid bars, shown without hovering first.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    let mut area = egui::ScrollArea::both()
        .id_salt("packets")
        .max_height(height)
        .auto_shrink([false, false]);
    if from_start {
        area = area.scroll_offset(egui::Vec2::ZERO);
    }
    let count = shown.map_or(lines.len(), <[usize]>::len);
    let line_at = |k: usize| match shown {
        Some(only) => only.get(k).and_then(|&i| lines.get(i)),
        None => lines.get(k),
    };
    // In a capture of days, the day on a row of its own above the first line and where it
    // changes, as the connections say it.
    let days = match date {
        LineDate::None => DayRows::default(),
        // Found once per list, connection and clock, not every frame (up to MAX_PACKETS
        // lines, each a time zone's date).
        LineDate::Day | LineDate::Year => {
            let key = (
                (lines.as_ptr() as usize, lines.len()),
                (shown.map_or(0, |s| s.as_ptr() as usize), count),
                (
                    line_at(0).map(|l| l.ts),
                    count.checked_sub(1).and_then(line_at).map(|l| l.ts),
                ),
            );
            let id = egui::Id::unique("details-packet-days");
            type Ends = (Option<Timestamp>, Option<Timestamp>);
            type Kept = (((usize, usize), (usize, usize), Ends), Clock, DayRows);
            match ui.ctx().data(|d| d.get_temp::<Kept>(id)) {
                Some((k, c, days)) if k == key && c == clock => days,
                _ => {
                    let starts = (0..count).filter_map(|k| Some(line_at(k)?.ts));
                    let days = DayRows::find(starts, clock, true);
                    ui.ctx()
                        .data_mut(|d| d.insert_temp::<Kept>(id, (key, clock, days.clone())));
                    days
                }
            }
        }
    };
    area.show_rows(ui, row_height, days.rows(count), |ui, range| {
        for row in range {
            let line = match days.line(row) {
                Line::Connection(k) => line_at(k),
                Line::Day(ts) => {
                    // In a scope: the label keeps its own text from being selected, not
                    // the lines' below it.
                    ui.scope(|ui| day_label(ui, ts, clock, DAY_PACKETS));
                    continue;
                }
            };
            let Some(line) = line else {
                continue;
            };
            let mut text = RichText::new(&line.text).font(font.clone());
            // Left out of the counts: drawn as the copies are.
            let weak = line.copy || line.drop == Drop::Before;
            if weak {
                text = text.weak();
            }
            let label = ui.add(egui::Label::new(text).extend());
            // Where the lines say a time of day under their day's row, the day the line was
            // recorded on, whatever row is in view above it.
            let when = (date != LineDate::None).then(|| {
                format!(
                    "on {} at {}",
                    clock.datetime(line.ts).format("%A %Y-%m-%d"),
                    LineDate::None.time(clock, line.ts, line.digits),
                )
            });
            let (recorded, zone) = match (&line.at, when) {
                (Some(at), Some(when)) => (format!("at {at}, {when}"), true),
                (Some(at), None) => (format!("at {at}"), false),
                (None, Some(when)) => (when, true),
                (None, None) => continue,
            };
            let zone = match zone {
                true => format!(" ({})", zone_words(line.ts, clock)),
                false => String::new(),
            };
            let hover = match (line.copy, line.drop) {
                (true, _) => {
                    format!("a further copy of a packet listed above, recorded {recorded}{zone}")
                }
                (false, Drop::Before) => format!(
                    "recorded {recorded}{zone} on its way, before it was dropped (its drop is \
                     listed after it, marked drop): not counted, as the packet is counted once, \
                     as dropped, not as sent or received"
                ),
                (false, Drop::At) => format!(
                    "recorded {recorded}{zone}, where it was dropped: counted as dropped, not as \
                     sent or received"
                ),
                (false, Drop::No) => format!("recorded {recorded}{zone}"),
            };
            if let Some(pinned) = pinned_mark(ui, &label, line, &font, weak) {
                pinned.on_hover_text(&hover);
            }
            label.on_hover_text(hover);
        }
    });
}

/// A packet line's mark (`drop`, `before drop`, `copy`: why the counts leave it out or count
/// it as dropped) drawn again at the right edge of the list's view, over the line, while the
/// mark itself lies past that edge: at 480 and 800 points the packets' column showed the time
/// and where the packet was recorded, the mark out of view, and only scrolling sideways told
/// why a packet listed was not counted. Scrolled to, the mark is seen in its place.
fn pinned_mark(
    ui: &mut egui::Ui,
    label: &egui::Response,
    line: &PacketLine,
    font: &egui::FontId,
    weak: bool,
) -> Option<egui::Response> {
    let (mark, end) = line.mark?;
    let view = ui.clip_rect();
    let before = line.text.get(..end)?.to_owned();
    let color = match weak {
        true => ui.visuals().weak_text_color(),
        false => ui.visuals().text_color(),
    };
    let end_x = label.rect.left()
        + ui.fonts_mut(|f| f.layout_no_wrap(before, font.clone(), color).size().x);
    if end_x <= view.right() + 0.5 || !view.intersects(label.rect) {
        return None;
    }
    let width = ui.fonts_mut(|f| {
        f.layout_no_wrap(mark.to_owned(), font.clone(), color)
            .size()
            .x
    });
    let pad = ui.spacing().item_spacing.x;
    let rect = egui::Rect::from_min_max(
        egui::pos2(
            (view.right() - width - 2.0 * pad).max(view.left()),
            label.rect.top(),
        ),
        egui::pos2(view.right(), label.rect.bottom()),
    );
    let painter = ui.painter().with_clip_rect(view);
    painter.rect_filled(rect, 0.0, ui.visuals().panel_fill);
    painter.vline(
        rect.left(),
        rect.y_range(),
        ui.visuals().widgets.noninteractive.bg_stroke,
    );
    // A child of its own: the rows' layout goes on under the line as before.
    let mut pinned = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::right_to_left(egui::Align::Center)),
    );
    pinned.set_clip_rect(view.intersect(rect));
    let text = RichText::new(mark).font(font.clone()).color(color);
    Some(pinned.add(egui::Label::new(text).selectable(false).extend()))
}

/// Lines the diagnosis (with the suspect resets and other RST payloads after it) is given in
/// the compact arrangement; the rest is on hover.
pub const COMPACT_LINES: usize = 2;

/// The part of the details above their lists: the header, the diagnosis, the processes and
/// the filters, in full or compactly.
struct Top<'a> {
    o: &'a Offender,
    input: &'a DetailsInput<'a>,
    scope: Scope,
    diagnosis: &'a str,
    /// What was copied last, if that was recent ([`DetailsView`]'s `copied`).
    copied: Option<usize>,
}

impl Top<'_> {
    /// Lays it out; the copy button clicked: [`DIAGNOSIS_COPIED`] or a filter's row.
    fn show(&self, ui: &mut egui::Ui, arrangement: Arrangement) -> Option<usize> {
        let (o, input) = (self.o, self.input);
        let scan = input.row.and_then(|r| r.scan.as_ref());
        let copied = |n: usize| self.copied == Some(n);
        let mut clicked = None;
        if arrangement.short() {
            // A scan's programs are none of its targets' endpoints: no note of them.
            let unknown = input.host.is_none() && !input.live && scan.is_none();
            header(ui, o, input, self.scope, arrangement, |ui| {
                // Room for the targets' menu after the filters' buttons, which are labelled
                // shorter for it (at 800x600 it went to a line of its own, a connection row's).
                let menu = scan.map_or(0.0, |_| button_width(ui, TARGETS_MENU) + 8.0);
                clicked = copy_buttons(
                    ui,
                    (o, sides_of(input, o)),
                    self.copied,
                    (unknown, menu),
                    input.range.is_some(),
                );
                if let Some(s) = scan {
                    targets_menu(ui, s);
                }
            });
            diagnosis_lines(ui, o, input.clock, self.diagnosis);
            // Tight, the processes' lines are the endpoint's hover: the diagnosis names them,
            // the table's row shows them, and at 800x600 their lines took the connection
            // rows' place.
            if arrangement == Arrangement::Compact && !unknown && scan.is_none() {
                processes(ui, o, input, ProcessLines::Cut);
            }
            return clicked;
        }
        header(ui, o, input, self.scope, arrangement, |ui| {
            if diagnosis_button(ui, copied(DIAGNOSIS_COPIED), true) {
                clicked = Some(DIAGNOSIS_COPIED);
            }
        });
        ui.add(egui::Label::new(RichText::new(self.diagnosis).size(fonts::DIAGNOSIS)).wrap());
        for text in report::other_payloads(o) {
            ui.label(format!("Other RST payload: {}", text.quoted()));
        }
        let warn = ui.visuals().warn_fg_color;
        for line in suspect_lines(o, input.clock) {
            ui.add(egui::Label::new(RichText::new(line).color(warn)).wrap());
        }
        if let Some(s) = scan {
            scan_targets(ui, s);
        } else {
            processes(ui, o, input, ProcessLines::Full);
        }
        ui.add_space(2.0);
        let ranged = input.range.is_some();
        clicked = filters(ui, (o, sides_of(input, o)), self.copied, ranged).or(clicked);
        clicked
    }
}

/// The endpoint, its service, its kind and numbers on one (wrapped) line, then `end` (its
/// copy buttons). Compact, the numbers, which the table's row and the diagnosis tell too, are
/// on the endpoint's hover, the line left to the buttons; tight, the processes too.
fn header(
    ui: &mut egui::Ui,
    o: &Offender,
    input: &DetailsInput<'_>,
    scope: Scope,
    arrangement: Arrangement,
    end: impl FnOnce(&mut egui::Ui),
) {
    let compact = arrangement.short();
    ui.horizontal_wrapped(|ui| {
        let name = input
            .row
            .map_or_else(|| report::offender_name(o), |r| r.endpoint.clone());
        let endpoint = ui.label(
            RichText::new(name)
                .monospace()
                .strong()
                .size(fonts::HEADLINE),
        );
        if compact {
            let tight = arrangement == Arrangement::Tight;
            // The processes' lines as wide as the window lets them be, not a tooltip's 500
            // points, which cut "— until 10:12:19" off a listener's line.
            let tooltip = ui.spacing().tooltip_width;
            let width = if tight {
                (ui.ctx().content_rect().width() - 24.0).max(tooltip)
            } else {
                tooltip
            };
            egui::Tooltip::for_enabled(&endpoint)
                .width(width)
                .show(|ui| {
                    ui.horizontal_wrapped(|ui| counts(ui, o, input.row, scope, input.seen_on));
                    let scan = input.row.is_some_and(|r| r.scan.is_some());
                    if tight && (input.host.is_some() || input.live) && !scan {
                        processes(ui, o, input, ProcessLines::Wrapped);
                    }
                });
        }
        if let Some(name) = crate::services::name(o.port) {
            ui.label(RichText::new(name).strong());
        }
        let kind = match input.row.and_then(|r| r.scan.as_ref()) {
            Some(s) => report::scan_kind_words(s.scan.kind),
            None => o.diagnosis().kind.as_str(),
        };
        ui.label(
            RichText::new(kind)
                .color(ui.visuals().warn_fg_color)
                .strong(),
        );
        if let Some((a, b)) = input.range {
            ui.label(
                RichText::new(format!(
                    "in the selected time range, {}",
                    input.clock.range_in(
                        Timestamp::from_parts(a, 0),
                        Timestamp::from_parts(b, 0),
                        input.dated
                    )
                ))
                .weak(),
            );
        }
        ui.add_space(8.0);
        if !compact {
            counts(ui, o, input.row, scope, input.seen_on);
            ui.add_space(8.0);
        }
        end(ui);
    });
}

/// "Copy diagnosis" (saying "Copied" when `copied`, as wide); true when clicked.
fn diagnosis_button(ui: &mut egui::Ui, copied: bool, small: bool) -> bool {
    // As wide saying "Copied": the filters' buttons beside it in the compact arrangement
    // moved some 45 points left under the pointer, so that a click meant for "Copy Wireshark
    // filter" could copy the BPF filter. (Buttons lay out their text in the body style.)
    let width = text_width(ui, "Copy diagnosis") + 2.0 * ui.spacing().button_padding.x;
    // The sentence for a ticket: Ctrl+C copies it too, which nothing on screen told.
    let button = egui::Button::new(if copied { "Copied" } else { "Copy diagnosis" })
        .wrap_mode(egui::TextWrapMode::Extend)
        .min_size(egui::vec2(width, 0.0));
    ui.add(if small { button.small() } else { button })
        .on_hover_text(
            "copy the diagnosis, with the date and zone of when it was seen, as one line of text \
             (Ctrl+C copies it too)",
        )
        .clicked()
}

/// The compact arrangement's diagnosis: the sentence, then the other RST payloads and the
/// suspect resets, in at most [`COMPACT_LINES`] lines, cut with an ellipsis where there is
/// more, which is then on hover whole.
fn diagnosis_lines(ui: &mut egui::Ui, o: &Offender, clock: Clock, diagnosis: &str) {
    let visuals = ui.visuals().clone();
    let body = egui::TextStyle::Body.resolve(ui.style());
    let mut job = egui::text::LayoutJob::default();
    let mut whole = diagnosis.to_owned();
    job.append(
        diagnosis,
        0.0,
        egui::TextFormat::simple(
            egui::FontId::proportional(fonts::DIAGNOSIS),
            visuals.text_color(),
        ),
    );
    let payloads = report::other_payloads(o).iter().map(|text| {
        (
            format!("Other RST payload: {}", text.quoted()),
            visuals.text_color(),
        )
    });
    let suspects = suspect_lines(o, clock)
        .into_iter()
        .map(|line| (line, visuals.warn_fg_color));
    for (line, color) in payloads.chain(suspects) {
        whole.push('\n');
        whole.push_str(&line);
        job.append(
            &format!("\n{line}"),
            0.0,
            egui::TextFormat::simple(body.clone(), color),
        );
    }
    job.wrap = egui::text::TextWrapping {
        max_width: ui.available_width(),
        max_rows: COMPACT_LINES,
        ..Default::default()
    };
    let galley = ui.fonts_mut(|f| f.layout_job(job));
    let elided = galley.elided;
    let label = ui.add(egui::Label::new(galley).show_tooltip_when_elided(false));
    if elided {
        label.on_hover_text(whole);
    }
}

/// The compact arrangement's line of copy buttons: the diagnosis, the Wireshark filter and
/// each BPF filter, each filter whole on its button's hover; then, for a file without process
/// information (`unknown`), the note that says so, cut to the rest of the line; `after`: the
/// room the caller's widgets take after them on the line. The button clicked, as
/// [`Top::show`] tells it.
fn copy_buttons(
    ui: &mut egui::Ui,
    (o, sides): (&Offender, Sides),
    copied: Option<usize>,
    (unknown, after): (bool, f32),
    ranged: bool,
) -> Option<usize> {
    let mut clicked = None;
    if diagnosis_button(ui, copied == Some(DIAGNOSIS_COPIED), true) {
        clicked = Some(DIAGNOSIS_COPIED);
    }
    let (rows, notes) = filter_rows(o, sides);
    let decode = decode_as_note(o);
    // The note's least room (see below), and what the caller puts after the buttons.
    let note_room = if unknown {
        (text_width(ui, NO_PROCESS_SHORT) + 16.0).min(120.0)
    } else {
        0.0
    } + after;
    let hover = |index: usize, name: &str, filter: &str| {
        let mut hover = format!("{filter}\n\n{}", filter_use(index, name));
        if ranged {
            hover.push_str("\n\n");
            hover.push_str(WHOLE_CAPTURE_FILTERS);
        }
        // The Wireshark filter's Decode As note with it, the BPF filters' notes with them:
        // copied without it, the Wireshark filter of a tunnel's packets found none.
        let decode = notes.first().filter(|_| decode.is_some());
        let own: Vec<&String> = match index {
            0 => decode.into_iter().collect(),
            _ => notes.iter().skip(usize::from(decode.is_some())).collect(),
        };
        for note in own {
            hover.push_str("\n\n");
            hover.push_str(note);
        }
        hover
    };
    let labels = FilterLabels::to_fit(ui, &rows, ui.available_size_before_wrap().x - note_room);
    for (index, (name, filter)) in rows.iter().enumerate() {
        if labels == FilterLabels::Menu && index > 0 {
            if index == 1 {
                clicked = bpf_menu(ui, &rows, copied, &hover).or(clicked);
            }
            continue;
        }
        let label = labels.label(name);
        let text = match (copied == Some(index), labels) {
            (true, FilterLabels::Whole) => format!("{name} filter copied"),
            (true, _) => "Copied".to_owned(),
            (false, _) => label.clone(),
        };
        // Whole, on the next line where this one is short of it: never "Copy" over
        // "Wireshark" over "filter"; as wide saying "Copied".
        let button = egui::Button::new(text)
            .small()
            .wrap_mode(egui::TextWrapMode::Extend)
            .min_size(egui::vec2(button_width(ui, &label), 0.0));
        if ui
            .add(button)
            .on_hover_text(hover(index, name, filter))
            .clicked()
        {
            clicked = Some(index);
        }
        // In view, not only on hover: a user who pastes the filter into Wireshark without it
        // sees no packet.
        if let Some(d) = decode.as_ref().filter(|_| index == 0) {
            let warn = ui.visuals().warn_fg_color;
            // Whole, on the next line where this one is short of it (at 480 points "needs"
            // ended the line and "Decode As" began the next).
            let label = RichText::new(NEEDS_DECODE_AS).small().color(warn);
            ui.add(egui::Label::new(label).extend()).on_hover_text(d);
        }
    }
    if unknown {
        // Whole on the next line where this one has no room for a few words of it (cut,
        // it is whole on hover).
        if ui.available_size_before_wrap().x < note_room {
            ui.end_row();
        } else {
            ui.add_space(4.0);
        }
        note(ui, NO_PROCESS_SHORT, "", NO_PROCESS_HOW, true);
    }
    clicked
}

/// How the compact arrangement's filter buttons are labelled: the fullest way that fits the
/// header's line. A pktmon trace has two BPF filters (one per link type), and their whole
/// labels wrapped onto a line of their own at 800x600, the height of a connection row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterLabels {
    /// "Copy BPF Ethernet (1) filter".
    Whole,
    /// "Copy BPF Ethernet": the link type's number is on the hover.
    Short,
    /// "Copy Wireshark", then one "Copy BPF…" menu of the BPF filters (two or more).
    Menu,
}

impl FilterLabels {
    /// The fullest labels of `rows` (as [`filter_rows`] gives them) that fit in `room`
    /// points, or the narrowest.
    fn to_fit(ui: &egui::Ui, rows: &[(String, String)], room: f32) -> Self {
        let spacing = ui.spacing().item_spacing.x;
        let width = |labels: Self| -> f32 {
            let buttons = match labels {
                Self::Menu => vec![labels.label(&rows[0].0), BPF_MENU.to_owned()],
                _ => rows.iter().map(|(name, _)| labels.label(name)).collect(),
            };
            buttons.iter().map(|b| button_width(ui, b) + spacing).sum()
        };
        let tiers: &[Self] = if rows.len() > 2 {
            &[Self::Whole, Self::Short, Self::Menu]
        } else {
            &[Self::Whole, Self::Short]
        };
        tiers
            .iter()
            .copied()
            .find(|&labels| width(labels) <= room)
            .unwrap_or(tiers[tiers.len() - 1])
    }

    /// The button's text for the filter `name`.
    fn label(self, name: &str) -> String {
        match self {
            Self::Whole => format!("Copy {name} filter"),
            Self::Short | Self::Menu => format!("Copy {}", short_filter_name(name)),
        }
    }
}

/// The menu button of the BPF filters where their buttons do not fit the header's line (the
/// ellipsis: which one is asked before anything is copied).
const BPF_MENU: &str = "Copy BPF…";

/// The BPF filters (`rows` from the second on) in a menu, each whole on its entry's hover;
/// the row whose entry was clicked.
fn bpf_menu(
    ui: &mut egui::Ui,
    rows: &[(String, String)],
    copied: Option<usize>,
    hover: &dyn Fn(usize, &str, &str) -> String,
) -> Option<usize> {
    let text = if copied.is_some_and(|i| i > 0 && i < rows.len()) {
        "Copied"
    } else {
        BPF_MENU
    };
    let button = egui::Button::new(text)
        .small()
        .wrap_mode(egui::TextWrapMode::Extend)
        .min_size(egui::vec2(button_width(ui, BPF_MENU), 0.0));
    let mut clicked = None;
    egui::containers::menu::MenuButton::from_button(button).ui(ui, |ui| {
        for (index, (name, filter)) in rows.iter().enumerate().skip(1) {
            let entry = ui
                .button(format!("{name} filter"))
                .on_hover_text(hover(index, name, filter));
            if entry.clicked() {
                clicked = Some(index);
                ui.close();
            }
        }
    });
    clicked
}

/// The width of a button saying `text`.
fn button_width(ui: &egui::Ui, text: &str) -> f32 {
    text_width(ui, text) + 2.0 * ui.spacing().button_padding.x
}

/// The width of `text` in the body style, on one line.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    one_line_width(ui, text, egui::TextStyle::Body)
}

/// A filter's name without its link type's number: "BPF Ethernet" for "BPF Ethernet (1)".
fn short_filter_name(name: &str) -> &str {
    name.rsplit_once(" (")
        .filter(|(_, n)| {
            n.strip_suffix(')')
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .map_or(name, |(short, _)| short)
}

/// The Wireshark filter and the BPF filters (one per link type the endpoint's packets came
/// on, as `analyze` prints them), as (name, filter), and the notes on them.
fn filter_rows(o: &Offender, sides: Sides) -> (Vec<(String, String)>, Vec<String>) {
    let encaps = o.encaps.as_slice();
    let (bpf, mut notes) = report::filters::bpf_lines_of(sides, encaps);
    let mut rows = vec![(
        "Wireshark".to_string(),
        report::filters::wireshark_filter_of(sides, encaps),
    )];
    if let Some(d) = decode_as_note(o) {
        notes.insert(0, d);
    }
    rows.extend(bpf.into_iter().map(|(link, filter)| {
        let name = link.map_or_else(|| "BPF".to_string(), |link| format!("BPF {link}"));
        (name, filter)
    }));
    (rows, notes)
}

/// What Wireshark must be told before its filter finds the packets inside a tunnel (VXLAN on
/// UDP 8472, Linux's port: `-d udp.port==8472,vxlan`); none where it needs nothing.
fn decode_as_note(o: &Offender) -> Option<String> {
    report::decode_as_words(o.encaps.as_slice())
        .map(|d| format!("The Wireshark filter needs Decode As: {d}"))
}

/// Said beside the compact details' Copy Wireshark button where its filter needs Decode As
/// (the whole note on hover).
pub const NEEDS_DECODE_AS: &str = "needs Decode As";

/// What a filter's copy button says on hover: where to paste it.
fn filter_use(index: usize, name: &str) -> String {
    if index == 0 {
        "copy the Wireshark filter to the clipboard, to paste into Wireshark's display filter bar"
            .to_string()
    } else {
        format!(
            "copy the {name} filter to the clipboard, to paste into tcpdump, dumpcap or \
             Wireshark's capture filter"
        )
    }
}

/// Said of the filters while a time range is selected: they carry no time (BPF has none), so
/// they select the endpoint's packets of the whole capture, more than the range's list.
pub const WHOLE_CAPTURE_FILTERS: &str = "These filters select the endpoint's packets in the \
    whole capture, not only in the selected time range.";

/// The filters of [`filter_rows`], selectable, with Copy buttons that put them on the system
/// clipboard and say "Copied" (the row of `copied`); `ranged` while a time range is selected,
/// which they do not cut to. The row whose button was clicked.
fn filters(
    ui: &mut egui::Ui,
    (o, sides): (&Offender, Sides),
    copied: Option<usize>,
    ranged: bool,
) -> Option<usize> {
    let (rows, notes) = filter_rows(o, sides);
    let mut clicked = None;
    egui::Grid::new("filters")
        .num_columns(3)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for (index, (name, filter)) in rows.into_iter().enumerate() {
                ui.label(RichText::new(&name).strong());
                let button = ui
                    .add(
                        egui::Button::new(if copied == Some(index) {
                            "Copied"
                        } else {
                            "Copy"
                        })
                        .min_size(egui::vec2(58.0, 0.0)),
                    )
                    .on_hover_text(filter_use(index, &name));
                if button.clicked() {
                    clicked = Some(index);
                }
                // Wrapped, never cut: a filter is read (and selected) whole before it is
                // pasted, and a cut one hid the endpoint's own port. In the packet lines'
                // size, an IPv4 endpoint's filters keep one line each at 1024 points.
                let font = egui::FontId::monospace(fonts::PACKET_LINES);
                ui.add(
                    egui::Label::new(RichText::new(filter).font(font))
                        .selectable(true)
                        .wrap(),
                );
                ui.end_row();
            }
        });
    for note in notes {
        ui.label(RichText::new(note).small().weak());
    }
    if ranged {
        ui.label(RichText::new(WHOLE_CAPTURE_FILTERS).small().weak());
    }
    clicked
}

/// What the filters of the selected row select: its endpoint's packets, or its scan's (`o`:
/// the row's offender).
fn sides_of(input: &DetailsInput<'_>, o: &Offender) -> Sides {
    input
        .row
        .map_or_else(|| Sides::endpoint(o.addr, o.port), Row::sides)
}

/// Most targets listed for one answer; the rest are counted, and copied with them.
pub const TARGETS_LISTED: usize = 60;

/// A scan's targets of one answer: those the endpoint table kept, as its sentence names them
/// (ports, or addresses in a sweep), and how many the scan counts in all.
struct Answered {
    answer: Answer,
    kept: Vec<String>,
    counted: u64,
}

impl Answered {
    /// Its count and answer, with how many were not kept: "10,498 refused (closed), 4,998 not
    /// kept". The sentence counts them all (the per-client tally sees every SYN); the list,
    /// beside the lowest the sentence names, held only those kept and read as another scan.
    fn label(&self) -> String {
        let count = format!(
            "{} {}",
            report::thousands(self.counted),
            self.answer.words()
        );
        match self.not_kept() {
            0 => count,
            n => format!("{count}, {} not kept", report::thousands(n)),
        }
    }

    fn not_kept(&self) -> u64 {
        self.counted.saturating_sub(self.kept.len() as u64)
    }

    /// What the list holds where the table did not keep them all, and why.
    fn not_kept_words(&self) -> String {
        let why = "the endpoint table keeps a bounded number of endpoints and drops those with \
                   the fewest incidents first; the per-client tally, which sees every SYN, \
                   counted them, and the sentence names the lowest";
        match (self.kept.first(), self.kept.last()) {
            (Some(first), Some(last)) => format!(
                "{} of these {} were not kept as endpoints ({why}): listed and copied are the {} \
                 kept, {first} to {last}",
                report::thousands(self.not_kept()),
                report::thousands(self.counted),
                report::thousands(self.kept.len() as u64),
            ),
            _ => format!("none of these were kept as endpoints ({why})"),
        }
    }
}

/// A scan's targets by how they answered: each answer that some gave, with them.
fn targets_by_answer(s: &ScanRow) -> Vec<Answered> {
    Answer::ALL
        .into_iter()
        .map(|answer| Answered {
            answer,
            kept: (s.answered(answer))
                .map(|k| report::scan_target(s.scan.kind, k))
                .collect(),
            counted: s.counted(answer),
        })
        .filter(|a| a.counted > 0)
        .collect()
}

/// The label of the compact details' menu that copies a scan's targets.
pub const TARGETS_MENU: &str = "Copy targets…";

/// The compact details' menu of a scan's targets: an entry for each answer that copies its
/// targets, comma-separated (the full details list them).
fn targets_menu(ui: &mut egui::Ui, s: &ScanRow) {
    let by_answer = targets_by_answer(s);
    let counts: Vec<String> = by_answer.iter().map(Answered::label).collect();
    let button = egui::Button::new(TARGETS_MENU)
        .small()
        .wrap_mode(egui::TextWrapMode::Extend);
    let menu = egui::containers::menu::MenuButton::from_button(button).ui(ui, |ui| {
        for (a, count) in by_answer.iter().zip(&counts) {
            let entry = ui.add_enabled(!a.kept.is_empty(), egui::Button::new(count));
            let entry = match a.not_kept() {
                0 => entry,
                _ => entry.on_hover_text(a.not_kept_words()),
            };
            if entry.clicked() {
                ui.ctx().copy_text(a.kept.join(","));
                ui.close();
            }
        }
    });
    menu.0.on_hover_text(format!(
        "copy the scan's targets of one answer, comma-separated: {}",
        counts.join("; ")
    ));
}

/// A scan's targets by how they answered: a line for each answer with its count and its
/// targets (selectable, the first [`TARGETS_LISTED`]), and a button that copies them all.
fn scan_targets(ui: &mut egui::Ui, s: &ScanRow) {
    let kind = s.scan.kind;
    egui::Grid::new("scan-targets")
        .num_columns(3)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for a in targets_by_answer(s) {
                let all = &a.kept;
                let label = ui.label(RichText::new(a.label()).strong());
                if a.not_kept() > 0 {
                    label.on_hover_text(a.not_kept_words());
                }
                let copy = ui
                    .add_enabled(
                        !all.is_empty(),
                        egui::Button::new("Copy").min_size(egui::vec2(58.0, 0.0)),
                    )
                    .on_hover_text(format!(
                        "copy these {}{} {}, comma-separated",
                        report::thousands(all.len() as u64),
                        if a.not_kept() > 0 { " kept" } else { "" },
                        match kind {
                            ScanKind::Ports { .. } => "ports",
                            ScanKind::Sweep { .. } => "addresses",
                        }
                    ));
                if copy.clicked() {
                    ui.ctx().copy_text(all.join(","));
                }
                let mut listed = all
                    .iter()
                    .take(TARGETS_LISTED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                if all.len() > TARGETS_LISTED {
                    listed.push_str(&format!(
                        " … and {} more (Copy takes them all)",
                        report::thousands((all.len() - TARGETS_LISTED) as u64)
                    ));
                }
                // On one line, as many as fit and the count of the rest, the first
                // [`TARGETS_LISTED`] on hover: wrapped, 993 filtered ports took three lines
                // and left the connections one row at 1024x700.
                let font = egui::FontId::monospace(fonts::PACKET_LINES);
                let glyph = one_line_width(ui, "0", font.clone());
                let chars = (ui.available_width() / glyph.max(1.0)).floor() as usize;
                // Where the table did not keep them all, the list says it holds those kept:
                // beside the sentence's "1, 2, 3", a bare "5001, 5002" told another scan.
                let shown = match (a.not_kept(), all.is_empty()) {
                    (0, _) => targets_line(all, chars),
                    (_, true) => "none kept".to_owned(),
                    (_, false) => format!(
                        "kept: {}",
                        targets_line(all, chars.saturating_sub("kept: ".len()))
                    ),
                };
                let label = ui.add(
                    egui::Label::new(RichText::new(&shown).font(font))
                        .selectable(true)
                        .extend(),
                );
                if a.not_kept() > 0 {
                    label.on_hover_text(format!("{}: {listed}", a.not_kept_words()));
                } else if shown != all.join(", ") {
                    label.on_hover_text(listed);
                }
                ui.end_row();
            }
        });
}

/// A scan's `targets` of one answer in at most `chars` characters: all of them where they fit,
/// or as many as fit before the count of the rest (`1, 3, 4, 6 … and 989 more`), at least the
/// first.
fn targets_line(targets: &[String], chars: usize) -> String {
    let whole = targets.join(", ");
    if whole.chars().count() <= chars {
        return whole;
    }
    let rest = |n: usize| format!(" … and {} more", report::thousands(n as u64));
    let mut line = String::new();
    for (i, t) in targets.iter().enumerate() {
        let next = if i == 0 {
            t.clone()
        } else {
            format!("{line}, {t}")
        };
        let after = rest(targets.len() - i - 1);
        if i > 0 && next.chars().count() + after.chars().count() > chars {
            return line + &rest(targets.len() - i);
        }
        line = next;
    }
    line
}

/// The suspect-injected resets kept with their evidence, a line each, but for the one the
/// diagnosis already tells (when it is about them).
fn suspect_lines(o: &Offender, clock: report::Clock) -> Vec<String> {
    let told = usize::from(o.diagnosis().kind == crate::engine::DiagnosisKind::Injected);
    o.suspects
        .iter()
        .skip(told)
        .map(|s| {
            format!(
                "Suspect-injected reset: {}.",
                report::suspect_evidence(o, s, clock)
            )
        })
        .collect()
}

/// RSTs by cause, failed attempts, clients, rates, and the interfaces it was seen on where the
/// capture has several (`seen_on`); counts with their thousands grouped, as the headline
/// writes them ("40,000", not "40000"). A scan's `row` whose targets the endpoint table did not
/// all keep says first that its figures are those of the targets kept, its rate too (the
/// table's Avg is the whole scan's, its sentence's).
fn counts(ui: &mut egui::Ui, o: &Offender, row: Option<&Row>, scope: Scope, seen_on: Option<&str>) {
    use report::thousands;
    ui.spacing_mut().item_spacing.x = 10.0;
    // Where the line is full, a count goes whole to the next one: wrapped, a live capture's
    // rate at 800 points read "7,924/s avg, peak" at the end of one line and "10,877/s"
    // under it, as a count of its own.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    // Beside the sentence's whole counts, the row's read as another scan's; and the whole
    // scan's rate beside the kept targets' counts ("1,500/s avg" beside "failed attempts
    // 5,500", 4 s of them) read as a miscount. Said before every figure it holds for.
    let scan = row.and_then(|r| r.scan.as_ref());
    if let Some((words, s)) = row.and_then(|r| Some((r.targets_not_kept()?, &scan?.scan))) {
        ui.label(
            RichText::new(format!(
                "of the {} targets kept ({} not kept):",
                thousands(s.targets.saturating_sub(s.not_kept)),
                thousands(s.not_kept)
            ))
            .color(ui.visuals().warn_fg_color),
        )
        .on_hover_text(words);
    }
    for c in Cause::ALL {
        let n = o.rst_by_cause[c.index()];
        if n > 0 {
            let height = ui.text_style_height(&egui::TextStyle::Body);
            let text =
                RichText::new(format!("{} {}", c.as_str(), thousands(n))).color(cause_color(c));
            // The swatch goes with its cause to the next line, not read as the last one's.
            let width = one_line_width(ui, text.clone(), egui::TextStyle::Body);
            let started = ui.cursor().left() > ui.max_rect().left();
            if started && ui.available_size_before_wrap().x < crate::ui::plot::SWATCH + 10.0 + width
            {
                ui.end_row();
            }
            crate::ui::plot::swatch(ui, cause_color(c), height);
            ui.label(text);
        }
    }
    let attempts = o.attempts.max(o.failed_attempts);
    if attempts == 0 {
        // "failed attempts 0 of 0" read as a count that had failed to come.
        ui.label("no connection attempts").on_hover_text(
            "no SYN to it was seen: its connections began before the capture, or their SYN \
             was not captured",
        );
    } else {
        ui.label(format!(
            "failed attempts {} of {}",
            thousands(o.failed_attempts),
            thousands(attempts)
        ));
    }
    // Attempts answered only after their SYNs were sent again: no failure, but each an
    // incident, in the plot's colour for them (a listen queue that overflowed read "failed
    // attempts 2 of 7" and nothing of the 2 answered late the sentence is about).
    let late = o.answered_late();
    if late > 0 {
        let text = RichText::new(format!("answered late {}", thousands(late)))
            .color(crate::ui::plot::LATE_COLOR);
        let width = one_line_width(ui, text.clone(), egui::TextStyle::Body);
        let started = ui.cursor().left() > ui.max_rect().left();
        if started && ui.available_size_before_wrap().x < crate::ui::plot::SWATCH + 10.0 + width {
            ui.end_row();
        }
        let height = ui.text_style_height(&egui::TextStyle::Body);
        crate::ui::plot::swatch(ui, crate::ui::plot::LATE_COLOR, height);
        ui.label(text).on_hover_text(report::late_words(o, scope));
    }
    if scope
        == (Scope::Range {
            clients_known: false,
        })
    {
        ui.label(format!("clients ≤{}", thousands(o.clients)))
            .on_hover_text("counted once the capture is read again for this range");
    } else if o.clients_at_least {
        ui.label(format!("clients ≥{}", thousands(o.clients)))
            .on_hover_text(
                "at least: more than 65,536 were seen, or, with thousands of endpoints each \
             reached from many addresses, this one stopped counting them to bound memory",
            );
    } else {
        ui.label(format!("clients {}", thousands(o.clients)));
    }
    // Beside the failed attempts, a bare rate reads as theirs: what it counts is on hover (the
    // header keeps to one line at 800 points; the sentence below gives the rate of what it
    // counts, e.g. the refusals alone).
    const INCIDENT: &str = "an incident is a failed attempt, a reset that was not part of one \
         (a refused attempt counts once), or an attempt answered only after its SYN was sent \
         again";
    // A scan's row whose Avg is the whole scan's rate: its kept targets' here.
    let kept_rate = scan.and_then(|s| s.kept_rate);
    let (avg, over) = kept_rate.unwrap_or((o.avg_rate, o.avg_over));
    // Which rate the table's Avg cell gives instead, where it is another.
    let whole = scan
        .and_then(ScanRow::kept_rate_words)
        .map_or_else(String::new, |w| format!(". {w}"));
    if report::incidents_within_a_second(o) {
        // No average of less than a second (the table's Avg cell is empty too).
        ui.label(format!("peak {}/s", thousands(u64::from(o.peak_rate))))
            .on_hover_text(format!(
                "most incidents in one second; no average: {} ({INCIDENT}){whole}",
                crate::ui::offenders::within_words(o)
            ));
    } else if let Some(secs) = over {
        // Beside a first and last incident days apart, a bare "1.0/s" read as wrong.
        ui.label(format!(
            "avg {}, peak {}/s",
            report::rate_over_words(avg, over),
            thousands(u64::from(o.peak_rate))
        ))
        .on_hover_text(format!(
            "{} ({INCIDENT}){whole}",
            crate::ui::offenders::gap_words(o, secs)
        ));
    } else {
        ui.label(format!(
            "{} avg, peak {}/s",
            report::rate(avg),
            thousands(u64::from(o.peak_rate))
        ))
        .on_hover_text(format!(
            "incidents a second, from this endpoint's first incident's second to its last: \
             {INCIDENT}{whole}"
        ));
    }
    if let Some(seen) = seen_on {
        ui.label(seen).on_hover_text(
            "the capture interfaces its connection attempts, resets and dropped packets were \
             seen on, over the whole capture",
        );
    }
    if o.suspect_injected > 0 {
        ui.label(
            RichText::new(format!(
                "{} suspect-injected",
                thousands(o.suspect_injected)
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
}

/// How [`processes`] lays its lines out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProcessLines {
    /// On a line each, cut at the panel's edge (whole on hover): the compact details.
    Cut,
    /// As [`ProcessLines::Cut`], but a program's failing starts whole, wrapped: the full
    /// details, which tell everything whole. Cut, the sentence lost its end, the very reason
    /// ("…and it needs libzmq.so.5, whic…" at 1280 points, "…within 1 ms with e…" at 1024).
    Full,
    /// Every line wrapped: in a hover, whose lines have no hover of their own to be read
    /// whole in.
    Wrapped,
}

/// The processes behind the endpoint, each told apart by its services and command line, or
/// why none are known and how to know them.
fn processes(ui: &mut egui::Ui, o: &Offender, input: &DetailsInput<'_>, lines: ProcessLines) {
    let wrapped = lines == ProcessLines::Wrapped;
    // On a line each, cut at the panel's edge (whole on hover), or wrapped.
    let fit = |label: egui::Label| {
        if wrapped {
            label.wrap()
        } else {
            label.truncate()
        }
    };
    let row = |ui: &mut egui::Ui, add: &mut dyn FnMut(&mut egui::Ui)| {
        if wrapped {
            ui.horizontal_wrapped(|ui| add(ui));
        } else {
            ui.horizontal(|ui| add(ui));
        }
    };
    let e = input.host.and_then(|h| h.endpoint_at(o.key()));
    let weak = |ui: &mut egui::Ui, text: &str| {
        ui.add(egui::Label::new(RichText::new(text).weak().small()).wrap());
    };
    if input.host.is_none() && !input.live {
        note(
            ui,
            NO_PROCESS_INFO,
            NO_PROCESS_ADVICE,
            NO_PROCESS_HOW,
            false,
        );
        return;
    }
    let Some(e) = e else {
        if !input.live {
            weak(ui, &crate::report::no_program_named(None));
        }
        return;
    };
    let line =
        |ui: &mut egui::Ui, what: &str, p: &crate::host::processes::ProcessInfo, extra: String| {
            row(ui, &mut |ui| {
                ui.label(RichText::new(what).strong());
                // Its own tooltip describes the process: one tooltip, not egui's copy beside it.
                ui.add(
                    fit(egui::Label::new(format!("{}{extra}", process::short(p))))
                        .show_tooltip_when_elided(false),
                )
                .on_hover_text(process::hover(p));
            });
        };
    // A saved live capture carries the same readings (`host::recorded`): its rows are the
    // live screen's, "now" being when the capture ended.
    if e.local {
        let listening = if input.live {
            "Listening:"
        } else {
            "Listening at the end:"
        };
        if let Some(now) = &e.listener.now {
            line(ui, listening, &now.process, String::new());
        }
        // The one before, also where one listens again (the service fixed after its crash).
        match (&e.listener.now, e.listener.earlier.first()) {
            (_, Some(was)) => {
                line(
                    ui,
                    "Listened until",
                    &was.process,
                    format!(" — until {}", input.clock.time(was.last_seen)),
                );
                // How it ended, where the journal told (its unit's failure and reason).
                if let Some(end) = e
                    .listener_end
                    .as_ref()
                    .filter(|end| end.pid == was.process.pid)
                {
                    let text = format!("then {}", end.summary(|t| input.clock.time(t)));
                    let full = end.state.last_words.clone().unwrap_or_default();
                    row(ui, &mut |ui| {
                        ui.label(RichText::new("Journal:").strong());
                        let shown = ui.add(
                            fit(egui::Label::new(text.clone())).show_tooltip_when_elided(false),
                        );
                        if !full.is_empty() {
                            shown.on_hover_text(full.clone());
                        }
                    });
                }
            }
            (None, None) => {
                if let Some(f) = &e.former_owner {
                    let text = format!(
                        "{} said \"{}\" at {}{}",
                        f.label(),
                        f.said,
                        input.clock.date_time(f.said_at),
                        f.state_words(|t| input.clock.date_time(t))
                    );
                    row(ui, &mut |ui| {
                        ui.label(RichText::new("Journal:").strong());
                        ui.add(fit(egui::Label::new(text.clone())));
                    });
                }
            }
            (Some(_), None) => {}
        }
        // Programs failing to start while the port was refused: their facts, the reason
        // first, the diagnosis above telling the sentence (what links each to the port: the
        // same executable listened there, or only the timing), which is the row's hover.
        for f in &e.failing_starts {
            let sentence = report::failing_start_sentence(e.port, f, input.clock);
            let (title, text) = failing_start_row(f, input.clock);
            let whole = |ui: &mut egui::Ui| {
                ui.label(RichText::new(title).strong());
                ui.add(egui::Label::new(text.clone()).wrap())
                    .on_hover_text(sentence.clone());
            };
            match lines {
                ProcessLines::Cut => row(ui, &mut |ui| {
                    ui.label(RichText::new(title).strong());
                    ui.add(fit(egui::Label::new(text.clone())).show_tooltip_when_elided(false))
                        .on_hover_text(sentence.clone());
                }),
                ProcessLines::Full | ProcessLines::Wrapped => {
                    ui.horizontal_wrapped(whole);
                }
            }
        }
    }
    for p in e.clients.processes.iter().take(3) {
        let info = e.client(p);
        line(
            ui,
            "Connecting:",
            &info,
            format!(
                " — {}{} ({})",
                if p.processes > 1 {
                    format!(
                        "{} processes of that name (the latest shown), ",
                        report::thousands(p.processes)
                    )
                } else {
                    String::new()
                },
                report::plural(p.connections, "incident", "incidents"),
                p.seen_by()
            ),
        );
    }
    if !input.live && e.clients.processes.is_empty() {
        weak(ui, &crate::report::no_program_named(Some(e)));
    }
}

/// The details' row of a program failing to start while the port was refused: its title and
/// its facts, the reason first. A loop over (a later start went well) is told in the past;
/// one linked by the timing alone says so ("Failing to start at the same time:"), and why it
/// is no more than that ("... (no run was seen listening)"); one whose every run ended as its
/// connect to another endpoint failed is "A client failing at the same time:", its facts
/// ending "(it was seen only as a client of 127.0.0.1:5432, never listening)". Regressions
/// (the window on a busy machine): another's test binary exiting 1 again and again read as
/// the port's crashed service under "Failing to start:"; and a `curl` in a loop, refused by
/// another port, would have read as a program that cannot start.
fn failing_start_row(f: &FailingStart, clock: Clock) -> (&'static str, String) {
    let over = f.recovered.is_some();
    let facts = report::failing_start_facts(f, clock);
    match f.link {
        StartLink::SameProgram if over => ("Failed to start:", facts),
        StartLink::SameProgram => ("Failing to start:", facts),
        StartLink::Timing => {
            let client = f.kind() == FailingKind::ConnectsFailed && !f.client_of().is_empty();
            let title = match (client, over) {
                (true, true) => "A client failed at the same time:",
                (true, false) => "A client failing at the same time:",
                (false, true) => "Failed to start at the same time:",
                (false, false) => "Failing to start at the same time:",
            };
            (
                title,
                format!("{facts} ({})", report::not_seen_listening(f)),
            )
        }
    }
}

/// A note the user should not miss, that is no error: `what` in bold and `todo` in body text
/// (one line where the panel is wide enough), an accent bar in the links' colour at its left,
/// `how` on hover. (It was small grey text under the diagnosis, which users read past.)
/// `cut`: the note of a file without process information in few words, on the rest of the
/// line only, cut with an ellipsis, the whole of it on hover.
fn note(ui: &mut egui::Ui, what: &str, todo: &str, how: &str, cut: bool) {
    let visuals = ui.visuals().clone();
    let mut job = egui::text::LayoutJob::default();
    let body = egui::TextStyle::Body.resolve(ui.style());
    let mut section = |text: &str, color: egui::Color32| {
        job.append(text, 0.0, egui::TextFormat::simple(body.clone(), color));
    };
    section(what, visuals.strong_text_color());
    section(" ", visuals.text_color());
    section(todo, visuals.text_color());
    let shown = egui::Frame::new()
        .inner_margin(egui::Margin {
            left: 8,
            ..egui::Margin::ZERO
        })
        .show(ui, |ui| {
            let label = egui::Label::new(job);
            if cut {
                ui.add(label.truncate().show_tooltip_when_elided(false))
            } else {
                ui.add(label.wrap())
            }
        });
    let rect = shown.response.rect;
    ui.painter().vline(
        rect.left() + 1.5,
        rect.y_range(),
        egui::Stroke::new(3.0, visuals.hyperlink_color),
    );
    if cut {
        shown
            .inner
            .on_hover_text(format!("{NO_PROCESS_INFO} {NO_PROCESS_ADVICE}\n\n{how}"));
    } else {
        shown.inner.on_hover_text(how);
    }
}

/// How the connections are listed in a frame.
struct ConnectionList<'a> {
    clock: Clock,
    /// The connections span days (or a capture of days): the start column's title says the
    /// first day in view, the start of each next day's first connection or a row of its own
    /// that day ([`DayRows`]).
    date: LineDate,
    /// Each start is dated, to the second, with no rows for the days ([`DayRows::inline`]):
    /// the start column is as wide as a dated start (`widths`).
    inline: bool,
    /// The digits of a second their capture records ([`Evidence::time_digits`]): Copy row
    /// writes their starts with no more.
    digits: u8,
    /// Each column's starting width.
    widths: &'a [f32; 8],
    height: f32,
    /// Scrolled to the first row's left.
    from_start: bool,
    /// The row selected (its packets alone are listed).
    selected: Option<usize>,
    /// The keyboard moved the selection: its row is scrolled into view.
    keyed: bool,
}

/// One row per connection, in the columns of [`CONNECTION_COLUMNS`]; only the visible rows
/// are laid out. A click on a row selects it: the row clicked, if any.
fn connections(
    ui: &mut egui::Ui,
    connections: &[ConnRecord],
    list: &ConnectionList<'_>,
) -> Option<usize> {
    let (height, from_start) = (list.height, list.from_start);
    let days = DayRows::of(ui.ctx(), connections, list.clock, list.date).inline(list.inline);
    // Wider than its share of a small window: it scrolls sideways, never over the packets.
    // Its bar for the rows stays at the right edge of the view, beside the rows.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    // A turn of the wheel begun over the rows (or their bar) scrolls them.
    let shown = wheel::shielded(ui, "details/connections", |ui| {
        // The rows, each as tall as the table lays them out, against the room the table
        // gives them (as `connections_table` reckons it).
        let row = list_row_height(ui);
        let rows_height = days.rows(connections.len()) as f32 * (row + ui.spacing().item_spacing.y);
        let strip = ui.spacing().scroll.allocated_width();
        let room = height.min(ui.available_rect_before_wrap().height())
            - row
            - under_rows(ui, list.widths, ui.available_width() - strip);
        let mut bar =
            RowsBar::new(ui, "connections-rows-bar", CONNECTIONS_BAR).expecting(rows_height > room);
        if from_start {
            bar = bar.from_top();
        }
        bar.show(ui, |ui, rows| {
            let mut area = egui::ScrollArea::horizontal()
                .id_salt("connections-sideways")
                .max_height(height)
                .auto_shrink([false, false]);
            if from_start {
                area = area.horizontal_scroll_offset(0.0);
            }
            let under = under_rows(ui, list.widths, ui.available_width());
            let area = area.show(ui, |ui| {
                connections_table(ui, rows, (connections, &days), (list, under))
            });
            let (body, clicked) = area.inner;
            (clicked, Some(body))
        })
    });
    if let Some(rows) = shown.rows {
        wheel::mark(ui, "details/connections", rows);
    }
    // The selected row, whole in the table's own view but cut below the rows' view (a small
    // window's details scroll as a whole): the panel is scrolled up by as much as it is cut.
    // Asked for here, outside the table's scroll areas, each of which would take the request
    // for itself; as a rect that far past the panel's clip (lower than the rows' view by the
    // sideways bar).
    if let Some(cut) = ui
        .ctx()
        .data_mut(|d| d.remove_temp::<Option<f32>>(egui::Id::unique(PANEL_TO_SELECTED)))
        .flatten()
    {
        let clip = ui.clip_rect();
        let end = clip.bottom() + cut;
        ui.scroll_to_rect(
            egui::Rect::from_x_y_ranges(clip.x_range(), end - 1.0..=end),
            None,
        );
    }
    shown.inner
}

/// Set where the selected row, brought into view, lies whole in the table's view but is cut
/// below the rows' view: by how many points, which the panel scrolls up ([`connections`]).
const PANEL_TO_SELECTED: &str = "details-panel-to-selected";

/// The accessible name of the connections' vertical scroll bar.
pub const CONNECTIONS_BAR: &str = "Scroll the connections";

/// Connections that Page Up and Page Down move the selection.
const PAGE: i64 = 10;

/// Connection rows the details keep room for in a small window (the layout shrinks the plot
/// and the table to its least for them), so that a person sees some without dragging.
pub const LIST_ROWS: usize = 3;

/// What the connections table keeps of its height besides the header and the rows.
const LIST_MARGIN: f32 = 16.0;

/// What the connections table keeps under its rows where they are no wider than their view:
/// the spacing under the header and its rows'. The whole [`LIST_MARGIN`] and the sideways
/// bar's room, kept whatever the width, left a scan's details at 1024x700 (its targets'
/// lists above, the lists' margin cut to fit the plot) one connection row of three.
const ROWS_MARGIN: f32 = 6.0;

/// What the connections table keeps of its height under its header and rows in a view
/// `width` wide: its margin and the sideways bar's room where its columns (`widths`) are
/// wider, else [`ROWS_MARGIN`].
fn under_rows(ui: &egui::Ui, widths: &[f32; 8], width: f32) -> f32 {
    let spacing = ui.spacing().item_spacing.x;
    if widths.iter().map(|w| w + spacing).sum::<f32>() > width + 0.5 {
        LIST_MARGIN + egui::style::ScrollStyle::solid().allocated_width()
    } else {
        ROWS_MARGIN
    }
}

/// The lists' least height: as `connections_table` gives its rows (the height less a header,
/// a margin and the sideways bar), room for [`LIST_ROWS`] rows.
fn lists_least(ui: &egui::Ui) -> f32 {
    lists_with_rows(ui, LIST_ROWS)
}

/// What the lists need for their header and `rows` rows whole, with their margin and
/// sideways bar: [`lists_least`] of `rows`. (A header and a row without them, the
/// [`DetailsView::fit_height`] the layout gives at least, showed the row cut by the bar,
/// "no row in view".)
fn lists_with_rows(ui: &egui::Ui, rows: usize) -> f32 {
    let row = list_row_height(ui);
    let spaced = row + ui.spacing().item_spacing.y;
    row + LIST_MARGIN + egui::style::ScrollStyle::solid().allocated_width() + spaced * rows as f32
}

/// What the lists need in the full arrangement: the header and [`LIST_ROWS`] rows whole, as
/// `connections_table` gives them where they are no wider than their view (their margin and
/// sideways bar cut if need be: [`ROWS_MARGIN`] under them).
fn full_lists(ui: &egui::Ui) -> f32 {
    let row = list_row_height(ui);
    row + ROWS_MARGIN + (row + ui.spacing().item_spacing.y) * LIST_ROWS as f32
}

/// Height of a connection row (and of the table's header).
fn list_row_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Monospace) + 4.0
}

/// The connections' columns in the order shown: when it started and how long it lasted, what
/// happened to each connection (its Zeek state and history, the reset's cause) right after who
/// opened it, then the packets, and the
/// server last: it is the selected endpoint, named above the lists, in all but rare rows, so
/// it is the column a narrow window leaves to sideways scrolling.
pub const CONNECTION_COLUMNS: [&str; 8] = [
    "start", "duration", "client", "state", "history", "cause", "pkts", "server",
];

/// The column of a connection's duration, from its first packet (its SYN, when seen) to its
/// last (the RST, the last packet before a timeout, or the close): where Wireshark's
/// Conversations put it, right after the start.
const DURATION: usize = 1;
/// The column of the reset's cause, drawn proportional and coloured.
const CAUSE: usize = 5;

/// What a connection's start shows: the time of day to the millisecond (`15:13:13.123`), the
/// date and zone being the plot's.
const START_CHARS: usize = 12;
/// A connection's start as its column writes it: `15:13:13.123`, the time of day; where the
/// list spans days, under a row saying the day, or dated to the second ([`DayRows`]).
fn start_text(ts: Timestamp, clock: Clock) -> String {
    clock
        .datetime(ts)
        .format(&LineDate::None.format(3))
        .to_string()
}

/// The characters of a start dated to the second with `date` ([`LineDate::format`]):
/// `02-24 23:59:39`, `2023-02-24 23:59:39`.
fn dated_start_chars(date: LineDate) -> usize {
    match date {
        LineDate::None => 8,
        LineDate::Day => 14,
        LineDate::Year => 19,
    }
}

/// A row of the connections table.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Line {
    /// The connection of this index in the list.
    Connection(usize),
    /// The day of the connections below (the start of the first of them), where it changes.
    Day(Timestamp),
}

/// Where the days change in a list of connections that spans days (or is dated, a capture of
/// days): at each connection whose start falls on another day than the connection above it's
/// (the first's day is the start column's title, as the day of the first row in view). Said
/// in one of two ways, so that the date does not cost each start 6 characters (11 with the
/// year) where a time of day takes 12:
/// - on rows of their own, one above each such connection, each start a time of day: at 1024
///   points a start dated to the millisecond on every row cut the server column
///   ("192.168.1.108:3"), the date repeating on every row of the day;
/// - in every start, to the second (`02-24 23:59:39`, [`ColumnChars::dated`]), where the list
///   is sparse (its days hold two connections or fewer on average), no two starts fall in one
///   second, and the table still gets all it asks for: in zeek's ldap capture, two connections
///   four days apart, a day's row took one of the three rows 1024x700 shows.
#[derive(Clone, Debug, Default)]
struct DayRows {
    /// Each day's change: the index of the connection where it changes, its own row in the
    /// table (where the day has a row), and that connection's start.
    days: Arc<[(usize, usize, Timestamp)]>,
    /// The days are said in the starts, with no rows of their own.
    inline: bool,
}

impl DayRows {
    /// The day rows of `connections` in `clock`: none where `date` is [`LineDate::None`].
    /// Found once per list and clock (kept in `ctx`'s memory), not every frame: a list has
    /// up to [`evidence::MAX_CONNECTIONS`] rows.
    fn of(ctx: &egui::Context, connections: &[ConnRecord], clock: Clock, date: LineDate) -> Self {
        if date == LineDate::None || connections.is_empty() {
            return Self::default();
        }
        // The list as it stands: a live capture's list grows, a new evidence is another one.
        let key = (
            connections.as_ptr() as usize,
            connections.len(),
            connections[0].start,
            connections[connections.len() - 1].start,
        );
        let id = egui::Id::unique("details-connection-days");
        type Kept = ((usize, usize, Timestamp, Timestamp), Clock, DayRows);
        if let Some((k, c, days)) = ctx.data(|d| d.get_temp::<Kept>(id))
            && k == key
            && c == clock
        {
            return days;
        }
        let days = Self::find(connections.iter().map(|c| c.start), clock, false);
        ctx.data_mut(|d| d.insert_temp::<Kept>(id, (key, clock, days.clone())));
        days
    }

    /// The day rows of a list whose times are `starts` in `clock`, a list of days: one above
    /// the first where `first` (the packets'; the connections say it in their start column's
    /// title).
    fn find(starts: impl Iterator<Item = Timestamp>, clock: Clock, first: bool) -> Self {
        let mut days = Vec::new();
        let mut last = None;
        for (i, ts) in starts.enumerate() {
            let day = clock.datetime(ts).date_naive();
            if last != Some(day) {
                if i > 0 || first {
                    days.push((i, i + days.len(), ts));
                }
                last = Some(day);
            }
        }
        Self {
            days: days.into(),
            inline: false,
        }
    }

    /// The same days, said in the starts where `inline` ([`DayRows::inline`]).
    fn inline(self, inline: bool) -> Self {
        Self { inline, ..self }
    }

    /// Whether the days would take a row for every two connections or fewer: each start
    /// dated is then worth its width ([`DayRows`]).
    fn sparse(&self, n: usize) -> bool {
        !self.days.is_empty() && self.days.len() * 2 + 2 >= n
    }

    /// The table's rows for `n` connections.
    fn rows(&self, n: usize) -> usize {
        if self.inline {
            return n;
        }
        n + self.days.len()
    }

    /// What the table's row `row` shows.
    fn line(&self, row: usize) -> Line {
        if self.inline {
            return Line::Connection(row);
        }
        let k = self.days.partition_point(|&(_, r, _)| r <= row);
        match k.checked_sub(1).map(|k| self.days[k]) {
            Some((_, r, ts)) if r == row => Line::Day(ts),
            _ => Line::Connection(row - k),
        }
    }

    /// The table's row of the connection `index`.
    fn row_of(&self, index: usize) -> usize {
        if self.inline {
            return index;
        }
        index + self.days.partition_point(|&(i, _, _)| i <= index)
    }

    /// The connections whose rows lie in the table's `rows`.
    fn connections_in(&self, rows: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if self.inline {
            return rows;
        }
        let before = |row: usize| self.days.partition_point(|&(_, r, _)| r < row);
        rows.start - before(rows.start)..rows.end - before(rows.end)
    }
}

/// A day's row in the connections table: its date in the start column ([`day_label`]).
fn day_row(row: &mut egui_extras::TableRow<'_, '_>, ts: Timestamp, clock: Clock) {
    row.col(|ui| day_label(ui, ts, clock, DAY_BELOW));
    for _ in 1..CONNECTION_COLUMNS.len() {
        row.col(|_| {});
    }
}

/// What a day's row says on hover before the day.
const DAY_BELOW: &str = "the connections below started on";
/// What a day's row among the packet lines says on hover before the day.
const DAY_PACKETS: &str = "the packets below, each at a time of day, were recorded on";
/// What the start column's title says on hover before the day, in a list of days.
const DAY_ABOVE: &str = "start, a time of day; the first connection in view, and those \
     below it up to the next day's row, started on";

/// The day of `ts` in `clock`, whole (`2023-02-21`, as wide as a time of day at most), the
/// weekday and the clock on hover after `what`.
fn day_label(ui: &mut egui::Ui, ts: Timestamp, clock: Clock, what: &str) {
    let at = clock.datetime(ts);
    ui.style_mut().interaction.selectable_labels = false;
    let text = RichText::new(at.format("%Y-%m-%d").to_string())
        .monospace()
        .strong();
    ui.add(egui::Label::new(text).truncate())
        .on_hover_text(format!("{what} {}", day_words(ts, clock)));
}

/// The day of `ts` in `clock` with its weekday and the clock, as the day's labels say it on
/// hover: `Friday 2023-02-24 (UTC)`, `Friday 2023-02-24 (local time, UTC+01:00)`.
fn day_words(ts: Timestamp, clock: Clock) -> String {
    let at = clock.datetime(ts);
    format!("{} ({})", at.format("%A %Y-%m-%d"), zone_words(ts, clock))
}

/// The clock of a time `ts` is given in: `UTC`, `local time, UTC+01:00`.
fn zone_words(ts: Timestamp, clock: Clock) -> String {
    if clock.is_utc() {
        "UTC".to_owned()
    } else {
        format!("local time, UTC{}", clock.datetime(ts).format("%:z"))
    }
}

/// A connection's duration as its column writes it ([`duration`]); `-` for one of a single
/// packet, which lasted no time, as Zeek's conn.log leaves its duration unset (`0 µs` read
/// as a measured time).
fn lasted(c: &ConnRecord, digits: u8) -> String {
    if c.packets <= 1 {
        "-".to_owned()
    } else {
        duration(c.duration_ns, digits)
    }
}

/// A connection's duration as its column writes it, in the unit that keeps it short and
/// exact enough to compare: `9 µs` (a refusal on loopback), `1.2 ms`, `0.503 s`, `75.250 s`,
/// and from 100 seconds on `1:02:03` (hours, minutes, seconds). With no more digits than
/// the capture's times have (`digits` of a second, [`Evidence::time_digits`]): a Network
/// Monitor 1.x file records milliseconds, so a refusal whose two packets share one is `< 1
/// ms`, not `0 µs`, and a longer one `3 ms`, not `3.0 ms`.
fn duration(ns: i64, digits: u8) -> String {
    let ns = ns.max(0);
    let digits = digits.min(6);
    // The file's tick: the least time its clock tells apart.
    let tick = 10i64.pow(9 - u32::from(digits));
    if ns < tick && digits < 6 {
        return match tick {
            t if t < 1_000_000 => format!("< {} µs", t / 1_000),
            t if t < 1_000_000_000 => format!("< {} ms", t / 1_000_000),
            t => format!("< {} s", t / 1_000_000_000),
        };
    }
    match ns {
        n if n < 999_500 => format!("{:.0} µs", n as f64 / 1e3),
        n if n < 100_000_000 && digits >= 4 => format!("{:.1} ms", n as f64 / 1e6),
        n if n < 100_000_000 => format!("{:.0} ms", n as f64 / 1e6),
        n if n < 100_000_000_000 => {
            let decimals = usize::from(digits.min(3));
            format!("{:.*} s", decimals, n as f64 / 1e9)
        }
        n => {
            let s = n / 1_000_000_000;
            format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        }
    }
}

/// Zeek histories longer than this are cut with an ellipsis (the whole on hover): a long
/// exchange's history would push its cause out of view.
const HISTORY_CHARS: usize = 14;

/// The longest text of each connection column, in the order of [`CONNECTION_COLUMNS`]:
/// characters of the monospace columns, and the cause's name (drawn proportional). Counted
/// once per evidence, so that the columns start as wide as what they hold.
#[derive(Debug, Clone, Default)]
struct ColumnChars {
    chars: [usize; 8],
    cause: &'static str,
    /// The first and the last connection's start.
    starts: Option<(Timestamp, Timestamp)>,
    /// No two connections listed one after the other start in the same second: their starts
    /// dated to the second tell each apart ([`DayRows`]).
    seconds_apart: bool,
    /// The last connection's start, for [`ColumnChars::seconds_apart`].
    last_start: Option<Timestamp>,
    /// The digits of a second the capture's times have, as their durations are written.
    digits: u8,
}

impl ColumnChars {
    fn of(connections: &[ConnRecord], digits: u8) -> Self {
        let mut chars = Self {
            chars: [START_CHARS, 0, 0, 0, 0, 0, 0, 0],
            cause: "",
            starts: None,
            seconds_apart: true,
            last_start: None,
            digits,
        };
        chars.add(connections);
        chars
    }

    /// Counts `connections` in too.
    fn add(&mut self, connections: &[ConnRecord]) {
        for c in connections {
            let second = |ts: Timestamp| ts.0.div_euclid(Timestamp::NANOS_PER_SEC);
            if self
                .last_start
                .is_some_and(|l| second(l) == second(c.start))
            {
                self.seconds_apart = false;
            }
            self.last_start = Some(c.start);
            self.starts = Some(self.starts.map_or((c.start, c.start), |(a, b)| {
                (a.min(c.start), b.max(c.start))
            }));
            let client = report::endpoint_in(c.orig.0, c.orig.1, c.overlay).len();
            let server = report::endpoint_in(c.resp.0, c.resp.1, c.overlay).len();
            let history = c.history.chars().count().min(HISTORY_CHARS);
            let packets = report::grouped(c.packets).len();
            let lasted = lasted(c, self.digits).chars().count();
            for (i, n) in [
                (DURATION, lasted),
                (2, client),
                (3, c.state.as_str().len()),
                (4, history),
                (6, packets),
                (7, server),
            ] {
                self.chars[i] = self.chars[i].max(n);
            }
            if let Some(name) = c.rst_cause.map(Cause::as_str)
                && name.len() > self.cause.len()
            {
                self.cause = name;
            }
        }
    }

    /// Whether the connections are listed with their days in `clock` ([`DayRows`]): where
    /// they start on more than one day or `dated` (a capture of days).
    fn date(&self, clock: Clock, dated: bool) -> LineDate {
        match self.starts {
            Some((a, b)) => LineDate::of(clock, a, b, dated),
            None if dated => LineDate::Day,
            None => LineDate::None,
        }
    }

    /// Each column's starting width in points: as wide as its title or its longest text,
    /// whichever is wider; the start's a time of day (the date on rows of its own), or dated
    /// to the second with `dated` ([`DayRows`]).
    fn widths(&self, ui: &egui::Ui, dated: Option<LineDate>) -> [f32; 8] {
        let mono = egui::TextStyle::Monospace.resolve(ui.style());
        let body = egui::TextStyle::Body.resolve(ui.style());
        let width = |text: &str, font: &egui::FontId| one_line_width(ui, text, font.clone());
        let glyph = width("0", &mono);
        let mut widths = [0.0; 8];
        for (i, title) in CONNECTION_COLUMNS.iter().enumerate() {
            let content = if i == CAUSE {
                width(self.cause, &body)
            } else if let Some(date) = dated.filter(|_| i == 0) {
                dated_start_chars(date) as f32 * glyph
            } else {
                self.chars[i] as f32 * glyph
            };
            // Whole points, and a little room for rounding: the resize handle is drawn in the
            // spacing between columns (6 points more each cut the server at 1024 points).
            widths[i] = (content.max(width(title, &body)) + 2.0).ceil();
        }
        widths
    }
}

/// The width the connections table asks for: its columns and their spacing, and its vertical
/// bar.
fn connections_width(ui: &egui::Ui, widths: &[f32; 8]) -> f32 {
    let spacing = ui.spacing().item_spacing.x;
    widths.iter().map(|w| w + spacing).sum::<f32>()
        + egui::style::ScrollStyle::solid().allocated_width()
        + 8.0
}

/// The connections' share of the details' width: what their table asks for, at least half, and
/// at most what leaves the packets [`PACKETS_LEAST`], within 65% to 72% (the packets' lines are
/// long and scroll sideways whatever they get). In a 1024-point window the widest IPv4 rows (a
/// client and a server of 21 characters each, a 51.0 ms refusal) ask for 71% of the details: at
/// 65% their server was cut ("212.227.15.171:11"). A small window's packets keep their 35%.
fn connections_share(width: f32, wanted: f32, packets: f32) -> f32 {
    let most = (width - packets).clamp(width * 0.65, width * 0.72);
    wanted.clamp(width * 0.5, most)
}

/// The packets' least width where the connections take more than 65%: a packet's time and its
/// source address and port.
const PACKETS_LEAST: f32 = 290.0;

/// The packets' least width where their lines' time and source are `chars` characters at most
/// ([`DetailsView::source_chars`]; 0: not known): those characters and the pane's bar and
/// margins, at most [`PACKETS_LEAST`] (the longest IPv4 source's, 40 characters). The ldap
/// capture's shorter sources ("192.168.1.107.50041") leave the connections the room to date
/// their starts at 1024 points ([`DayRows`]).
fn packets_least(ui: &egui::Ui, chars: usize) -> f32 {
    if chars == 0 {
        return PACKETS_LEAST;
    }
    let font = egui::FontId::monospace(fonts::PACKET_LINES);
    let glyph = one_line_width(ui, "0", font);
    (chars as f32 * glyph + PACKETS_MARGIN).min(PACKETS_LEAST)
}

/// What the packets' pane takes beside its lines' text: its bar for the rows, the spacing
/// between the two columns and the margin past the text.
const PACKETS_MARGIN: f32 = 20.0;

/// Lays out `left` in the first `left_width` points of the row and `right` in the rest, each
/// top-down, as `ui.columns` does for two equal ones.
fn two_columns<R>(
    ui: &mut egui::Ui,
    left_width: f32,
    left: impl FnOnce(&mut egui::Ui) -> R,
    right: impl FnOnce(&mut egui::Ui),
) -> R {
    let spacing = ui.spacing().item_spacing.x;
    let top_left = ui.cursor().min;
    let whole = ui.available_rect_before_wrap();
    let height = whole.height();
    let left_rect = egui::Rect::from_min_size(
        top_left,
        egui::vec2((left_width - spacing / 2.0).max(0.0), height),
    );
    let right_rect = egui::Rect::from_min_max(
        egui::pos2(top_left.x + left_width + spacing / 2.0, top_left.y),
        egui::pos2(whole.right(), top_left.y + height),
    );
    let layout = egui::Layout::top_down_justified(egui::Align::Min);
    let mut left_ui = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(left_rect)
            .layout(layout)
            .id_salt("details-left"),
    );
    let out = left(&mut left_ui);
    let mut right_ui = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(right_rect)
            .layout(layout)
            .id_salt("details-right"),
    );
    right(&mut right_ui);
    let used = left_ui.min_rect().union(right_ui.min_rect());
    ui.advance_cursor_after_rect(egui::Rect::from_min_max(
        top_left,
        egui::pos2(whole.right(), used.bottom()),
    ));
    out
}

/// The table; returns its body's scrolling, for the rows' bar, and the row clicked.
fn connections_table(
    ui: &mut egui::Ui,
    rows: Rows,
    (connections, days): (&[ConnRecord], &DayRows),
    (list, under): (&ConnectionList<'_>, f32),
) -> (egui::scroll_area::ScrollAreaOutput<()>, Option<usize>) {
    let (clock, widths, height) = (list.clock, list.widths, list.height);
    let digits = list.digits;
    let row_height = list_row_height(ui);
    // The table's own width, so that the scroll area around it knows to scroll sideways.
    let spacing = ui.spacing().item_spacing.x;
    ui.set_min_width(widths.iter().map(|w| w + spacing).sum::<f32>());
    // A list of days: the start column's title is the day of the first row in view (of the
    // last pass: the heading's rows), the rows below saying each next day.
    // (Each start dated: the title says "start".)
    let top_day = (list.date != LineDate::None && !days.inline)
        .then(|| {
            let top = connection_rows_in_view(ui.ctx())
                .filter(|v| v.of == connections.len())
                .map_or(0, |v| v.rows.start);
            connections.get(top).or(connections.first())
        })
        .flatten()
        .map(|c| c.start);
    // Widths are kept per set of starting widths: the next endpoint's IPv6 clients do not
    // take the narrow columns an IPv4 one was shown with.
    let salt = ("connections", widths.map(|w| w as u32));
    // Its column resize handles are no Tab stops (a connection row has none either).
    let handles = crate::ui::handles::Handles::before(ui, salt, widths.len());
    // Brought into view where the keys moved the selection, or where the list's view shrank
    // under it in the last pass (a notice came above the results).
    let tries = ui
        .ctx()
        .data_mut(|d| d.remove_temp::<u8>(egui::Id::unique(KEEP_SELECTED)))
        .unwrap_or(0);
    let regained = tries > 0;
    let mut table = rows
        .table(ui)
        .id_salt(salt)
        .striped(true)
        .resizable(true)
        .max_scroll_height(height - row_height - under)
        // Tables keep 200 points by default, more than a small window's details have.
        .min_scrolled_height(0.0)
        .auto_shrink([false, false])
        // A click selects a row, and no row is a Tab stop (the arrows move the selection).
        .sense(egui::Sense::CLICK)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        // At once, as the offenders' rows: a request made while egui's animation runs is
        // judged against where the rows are in that frame, and an arrow back up before the
        // last one's scroll ended was left behind.
        .animate_scrolling(false);
    if let Some(i) = list.selected.filter(|_| list.keyed || regained) {
        table = table.scroll_to_row(days.row_of(i), None);
    }
    let mut clicked = None;
    let (last, first) = widths.split_last().unwrap_or((&0.0, &[]));
    for w in first {
        table = table.column(egui_extras::Column::initial(*w).at_least(30.0).clip(true));
    }
    let body = table
        .column(egui_extras::Column::remainder().at_least(last.max(30.0)))
        .header(row_height, |mut h| {
            for (i, title) in CONNECTION_COLUMNS.into_iter().enumerate() {
                h.col(|ui| match top_day.filter(|_| i == 0) {
                    Some(ts) => day_label(ui, ts, clock, DAY_ABOVE),
                    None => {
                        ui.label(RichText::new(title).weak());
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, days.rows(connections.len()), |mut row| {
                let index = match days.line(row.index()) {
                    Line::Connection(index) => index,
                    Line::Day(ts) => {
                        day_row(&mut row, ts, clock);
                        return;
                    }
                };
                let c = &connections[index];
                row.set_selected(list.selected == Some(index));
                // Cut with an ellipsis (the whole of it on hover), never silently.
                let mono = |row: &mut egui_extras::TableRow<'_, '_>, text: String| {
                    row.col(|ui| {
                        // A click on the text selects the row, as one beside it does.
                        ui.style_mut().interaction.selectable_labels = false;
                        ui.add(egui::Label::new(RichText::new(text).monospace()).truncate());
                    });
                };
                match days.inline {
                    // Dated to the second, the millisecond and the weekday on hover.
                    true => {
                        row.col(|ui| {
                            ui.style_mut().interaction.selectable_labels = false;
                            let format = list.date.format(0);
                            let text = clock.datetime(c.start).format(&format).to_string();
                            let text = RichText::new(text).monospace();
                            ui.add(egui::Label::new(text).truncate())
                                .on_hover_text(format!(
                                    "started at {} on {}",
                                    start_text(c.start, clock),
                                    day_words(c.start, clock)
                                ));
                        });
                    }
                    false => mono(&mut row, start_text(c.start, clock)),
                }
                mono(&mut row, lasted(c, digits));
                // Each end with the overlay network it is in, as the offenders' rows and the
                // scans' words name them: two tenants' overlays may number their machines
                // alike (vxlan-scans.pcap's 10.42.0.1 scanned in VNI 42 and in VNI 43).
                mono(&mut row, report::endpoint_in(c.orig.0, c.orig.1, c.overlay));
                mono(&mut row, c.state.as_str().to_owned());
                mono(&mut row, c.history.clone());
                row.col(|ui| {
                    ui.style_mut().interaction.selectable_labels = false;
                    if let Some(cause) = c.rst_cause {
                        let text = RichText::new(cause.as_str()).color(cause_color(cause));
                        ui.add(egui::Label::new(text).truncate());
                    }
                });
                mono(&mut row, report::grouped(c.packets));
                mono(&mut row, report::endpoint_in(c.resp.0, c.resp.1, c.overlay));
                // A right click selects the connection too, as in Wireshark's lists.
                let response = row.response();
                if response.clicked() || response.container_secondary_clicked() {
                    clicked = Some(index);
                    crate::ui::focus::connection_clicked(&response.ctx);
                }
                response.container_context_menu(|ui| {
                    if ui
                        .button("Copy row")
                        .on_hover_text(
                            "the connection as one line of text, as `rstscope analyze \
                             --connections` prints it (Ctrl+C copies the selected one)",
                        )
                        .clicked()
                    {
                        ui.ctx()
                            .copy_text(report::text::connection_line_to(c, clock, digits));
                        ui.close();
                    }
                });
            });
        });
    handles.after();
    // What of the rows' view is drawn, cut by the panel and the results around it.
    let view = body.inner_rect.intersect(ui.clip_rect());
    // The rows in it, their text whole: row i lies from the content's top (the body's, less
    // its scrolling) at i row strides.
    let stride = row_height + ui.spacing().item_spacing.y;
    let origin = body.inner_rect.top() - body.state.clamped_offset().y;
    let n = days.rows(connections.len());
    let slack = ROW_SEEN_SLACK;
    let first = ((view.top() - slack - origin) / stride).ceil().max(0.0) as usize;
    let end = (((view.bottom() + slack - origin - row_height) / stride).floor() + 1.0).max(0.0);
    // The connections among them (a day's row is none).
    let rows = days.connections_in(first.min(n)..(end as usize).min(n).max(first.min(n)));
    let n = connections.len();
    let pass = ui.ctx().cumulative_pass_nr();
    let seen = RowsInView { view, rows, of: n };
    // The heading above, drawn before the rows, says them from the last pass: another pass
    // where they changed (the window resized, the list scrolled), or it would say the old
    // ones until the next event.
    let before = connection_rows_in_view(ui.ctx());
    if before
        .as_ref()
        .is_none_or(|b| b.rows != seen.rows || b.of != seen.of)
    {
        ui.ctx().request_repaint();
    }
    // The selected row, and whether its text (the row less the 2 points above and below it,
    // [`list_row_height`]) is whole in the rows' view.
    let selected = list.selected.map(|i| {
        let top = origin + days.row_of(i) as f32 * stride;
        let row = egui::Rect::from_x_y_ranges(view.x_range(), top..=top + row_height);
        let whole = view
            .expand(0.5)
            .contains_rect(row.shrink2(egui::vec2(0.0, 2.0)));
        (i, row, whole)
    });
    // The selected row brought into view (by the keys, or back under a notice) whole in the
    // table's own view but cut below the rows' view: at 800x600, where the details scroll as
    // a whole, the "saved …" notice left the last row half under the status bar, the table
    // having nothing to scroll.
    if let Some((_, row, _)) = selected.filter(|_| list.keyed || regained) {
        let cut = row.bottom() - view.bottom();
        if body.inner_rect.expand(0.5).contains_rect(row) && cut > 0.5 {
            ui.ctx()
                .data_mut(|d| d.insert_temp(egui::Id::unique(PANEL_TO_SELECTED), Some(cut)));
            ui.ctx().request_repaint();
        }
    }
    // The selected row was in view and the view shrank from under it ("saved …" above the
    // results took a line and pushed the last row just out of view, or cut it, by a few points
    // in one pass and more in the next): scrolled to in the next pass, as little as brings it
    // back.
    let lost = selected
        .zip(before.as_ref())
        .is_some_and(|((i, _, whole), b)| {
            b.of == seen.of
                && b.rows.contains(&i)
                && !whole
                && seen.view.height() < b.view.height() - 0.5
        });
    // Brought back over the next passes, as the layout under the notice may settle over
    // several (its row came, then the plot's legend moved: the row, scrolled to in one pass,
    // was cut again in the next), a few at most.
    let again = match selected {
        Some((_, _, false)) if regained => tries - 1,
        _ => 0,
    };
    let tries = if lost { KEEP_TRIES } else { again };
    if tries > 0 {
        ui.ctx()
            .data_mut(|d| d.insert_temp(egui::Id::unique(KEEP_SELECTED), tries));
        ui.ctx().request_repaint();
    }
    ui.ctx()
        .data_mut(|d| d.insert_temp(egui::Id::unique(ROWS_VIEW), (pass, seen)));
    (body, clicked)
}

const ROWS_VIEW: &str = "details-connection-rows-view";

/// Set where the selected connection row went out of view as the list's view shrank: it is
/// scrolled to in the next passes while it is not whole, [`KEEP_TRIES`] at most (the passes
/// left).
const KEEP_SELECTED: &str = "details-keep-selected-in-view";

/// The passes in which a selected row lost under a notice is brought back ([`KEEP_SELECTED`]).
const KEEP_TRIES: u8 = 8;

/// How much of a connection row may be cut at the list's top or bottom for the heading to
/// count it in view, in points: its text, centred in it, is still whole (at 640x480 the
/// fourth row, cut by a point or two, read whole while the heading said "rows 1–3").
const ROW_SEEN_SLACK: f32 = 3.0;

/// The connection rows the details showed in a pass.
#[derive(Clone, Debug, PartialEq)]
struct RowsInView {
    /// Where the rows were drawn, cut by what is around them.
    view: egui::Rect,
    /// The rows in it, their text whole (indices into the list).
    rows: std::ops::Range<usize>,
    /// The rows listed.
    of: usize,
}

impl RowsInView {
    /// The rows in view as the heading says them, counted from 1: "rows 1–3", "row 7".
    fn range_text(&self) -> String {
        match self.rows.len() {
            0 => "no row".to_owned(),
            1 => format!("row {}", report::thousands(self.rows.start as u64 + 1)),
            _ => format!(
                "rows {}–{}",
                report::thousands(self.rows.start as u64 + 1),
                report::thousands(self.rows.end as u64)
            ),
        }
    }

    /// The same in words: "rows 1 to 3", "row 7", "no row".
    fn rows_text(&self) -> String {
        match self.rows.len() {
            0 => "no row".to_owned(),
            1 => format!("row {}", report::thousands(self.rows.start as u64 + 1)),
            _ => format!(
                "rows {} to {}",
                report::thousands(self.rows.start as u64 + 1),
                report::thousands(self.rows.end as u64)
            ),
        }
    }
}

/// The details' connection rows of the last pass, where it drew some.
fn connection_rows_in_view(ctx: &egui::Context) -> Option<RowsInView> {
    let (pass, seen) =
        ctx.data(|d| d.get_temp::<(u64, RowsInView)>(egui::Id::unique(ROWS_VIEW)))?;
    (pass + 1 >= ctx.cumulative_pass_nr()).then_some(seen)
}

/// Where the details drew connection rows in the last pass, cut by what is around them (the
/// panel's and the results' scrolling, the window): a row lies whole in it to be seen. `None`
/// when the last pass drew no connections.
pub fn connection_rows_view(ctx: &egui::Context) -> Option<egui::Rect> {
    connection_rows_in_view(ctx).map(|seen| seen.view)
}

#[cfg(test)]
mod tests {
    use super::{duration, lasted, suspect_lines};
    use crate::engine::cause::Suspicion;
    use crate::engine::{Cause, Offender, SuspectRst};
    use crate::packet::Timestamp;
    use crate::report::Clock;

    /// A reset from the server at frame `frame`, suspect by its IP ID alone.
    fn suspect(frame: u64) -> SuspectRst {
        SuspectRst {
            at: Timestamp::from_parts(100, 0),
            frame: Some(frame),
            client: ("10.0.0.2".parse().expect("address"), 40000),
            from_server: true,
            cause: Cause::Abort,
            suspicion: Suspicion {
                not_acceptable: false,
                ttl: None,
                ip_id: Some((30000, 503)),
            },
        }
    }

    /// Each suspect-injected reset kept is told with its evidence under the diagnosis, but
    /// for the one a diagnosis about them tells already.
    #[test]
    fn suspect_resets_are_listed_with_their_evidence_once() {
        let mut rst_by_cause = [0; 5];
        rst_by_cause[Cause::Abort.index()] = 10;
        let mut o = Offender {
            rst_packets: 10,
            rst_by_cause,
            rst_from_server: 10,
            suspect_injected: 2,
            suspects: vec![suspect(7), suspect(9)].into(),
            ..Offender::blank("10.0.0.1", 80)
        };
        // Ten aborts, two of them suspect: the diagnosis is about the aborts.
        assert_eq!(
            suspect_lines(&o, Clock::Utc),
            [
                "Suspect-injected reset: frame 7 at 00:01:40.000, from 10.0.0.1:80 to 10.0.0.2:40000: IP ID 30000 where the sender's sequence was at 503.",
                "Suspect-injected reset: frame 9 at 00:01:40.000, from 10.0.0.1:80 to 10.0.0.2:40000: IP ID 30000 where the sender's sequence was at 503.",
            ]
        );
        // Both resets suspect: the diagnosis tells the first, the list the second.
        o.rst_by_cause[Cause::Abort.index()] = 2;
        o.rst_packets = 2;
        o.rst_from_server = 2;
        assert_eq!(suspect_lines(&o, Clock::Utc).len(), 1);
        assert!(suspect_lines(&o, Clock::Utc)[0].contains("frame 9"));
    }

    /// Regression (s41): a live capture's details held, for its whole run, the most height any
    /// offender shown at the width had needed above its lists (so that the table does not
    /// move as the selection does): after one long offender (four suspect resets' lines) the
    /// panel stayed compact for every other, whatever the table was filtered to. The heights
    /// are held for the offenders shown under the table's filter: another filter takes them
    /// afresh, the old ones kept until the new ones are measured.
    #[test]
    fn a_live_captures_details_hold_their_heights_for_the_table_filter_only() {
        heights_held_for_the_table_filter(true, |view| view.tops_alone);
    }

    /// Regression (s41's leftover): a file's details held, for the whole file, the most height
    /// any offender at the width had needed above their lists (so that the table does not
    /// move as the selection does), whatever the table was filtered to: after one long
    /// offender (four suspect resets' lines) every other was laid out as tall, as a live
    /// capture's were until s41. The heights are held for the rows shown under the table's
    /// filter: selecting back and forth holds them, another filter takes them afresh.
    #[test]
    fn a_files_details_hold_their_heights_for_the_table_filter_only() {
        heights_held_for_the_table_filter(false, |view| view.lists_at);
    }

    /// Shows a short offender, a long one (four suspect resets' lines) and the short one
    /// again, then filters the table to the short one: the heights `held` (a live capture's
    /// and a file's keep theirs apart) stay while the selection moves, and are the short
    /// one's own once filtered.
    fn heights_held_for_the_table_filter(
        live: bool,
        held: fn(&super::DetailsView) -> super::ListsAt,
    ) {
        use super::{DetailsInput, DetailsView};
        use crate::ui::offenders::Row;
        struct State {
            view: DetailsView,
            row: Row,
            filter: String,
        }
        let row = |o: Offender| Row {
            rank: 1,
            endpoint: crate::report::offender_name(&o),
            service: None,
            host: None,
            clients_known: true,
            offender: o,
            scan: None,
        };
        let aborts = |port: u16, suspects: Vec<SuspectRst>| {
            let mut rst_by_cause = [0; 5];
            rst_by_cause[Cause::Abort.index()] = 10;
            Offender {
                rst_packets: 10,
                rst_by_cause,
                rst_from_server: 10,
                incidents: 10,
                suspect_injected: suspects.len() as u64,
                suspects: suspects.into(),
                ..Offender::blank("10.0.0.1", port)
            }
        };
        let long = row(aborts(80, (1..=4).map(suspect).collect()));
        let short = row(aborts(81, Vec::new()));
        let paths = Vec::new();
        let mut h = egui_kittest::Harness::builder()
            .with_size([700.0, 500.0])
            .with_max_steps(20)
            .build_ui_state(
                |ui, s: &mut State| {
                    s.view.show(
                        ui,
                        &DetailsInput {
                            source: 1,
                            paths: &paths,
                            row: Some(&s.row),
                            range: None,
                            clock: Clock::Utc,
                            dated: false,
                            // Still being read: the lists are measured under their headings.
                            ready: false,
                            frames: None,
                            live,
                            host: None,
                            selectable: true,
                            filter: &s.filter,
                            seen_on: None,
                            told: &[],
                        },
                    );
                },
                State {
                    view: DetailsView::default(),
                    row: short.clone(),
                    filter: String::new(),
                },
            );
        h.run();
        let short_at = held(&h.state().view);
        assert!(short_at.full > 0.0, "measured: {short_at:?}");
        h.state_mut().row = long;
        h.run();
        let long_at = held(&h.state().view);
        assert!(long_at.full > short_at.full + 40.0, "{long_at:?}");
        // Back to the short one: held, the table does not move.
        h.state_mut().row = short.clone();
        h.run();
        assert_eq!(held(&h.state().view), long_at);
        // Filtered to it: its own heights.
        h.state_mut().filter = "10.0.0.1:81".into();
        h.run();
        let at = held(&h.state().view);
        assert_eq!((at.full, at.compact), (short_at.full, short_at.compact));
    }

    /// Regression (s54, wide-scan.pcap at 1280x800): the details of a scan's row whose targets
    /// the endpoint table did not all keep gave "1,500/s avg" (the whole scan's rate, its
    /// 10,500 targets over 7 s: the table's Avg and the sentence's) beside "refused 5,500" and
    /// "failed attempts 5,500", its kept targets' counts, 4 s of them. Every figure there is
    /// now the kept targets', the rate too, said first ("of the 5,500 targets kept (5,000 not
    /// kept):"); the whole scan's rate is on the rate's hover. The table's bound lowered to 100.
    #[test]
    fn a_scans_details_give_the_kept_targets_rate_beside_their_counts() {
        use super::{DetailsInput, DetailsView};
        use crate::ui::offenders::Row;
        use egui_kittest::kittest::{NodeT, Queryable};
        let rows = crate::ui::offenders::rows_of_a_scan_not_all_kept();
        let row: Row = rows[0].clone();
        let scan = row.scan.as_ref().expect("a scan's row");
        let kept = scan.scan.targets - scan.scan.not_kept;
        let (kept_avg, over) = scan.kept_rate.expect("the kept targets' rate");
        assert_eq!(over, None);
        assert_eq!(
            scan.kept_rate_words().as_deref(),
            Some(
                format!(
                    "Of the {kept} targets kept; the table's Avg is the whole scan's, as its \
                     sentence gives it: 25/s, its 300 targets over 12 seconds"
                )
                .as_str()
            ),
            "on the rate's hover"
        );
        let figures = &row.offender;
        let whole = crate::report::rate(scan.scan.rate());
        assert_ne!(
            crate::report::rate(kept_avg),
            whole,
            "the test tells them apart"
        );
        let secs = (figures.last_seen.second() - figures.first_seen.second() + 1) as f64;
        assert!((kept_avg - figures.incidents as f64 / secs).abs() < 1e-9);
        let paths = Vec::new();
        let mut h = egui_kittest::Harness::builder()
            .with_size([1280.0, 500.0])
            .with_max_steps(20)
            .build_ui_state(
                |ui, view: &mut DetailsView| {
                    view.show(
                        ui,
                        &DetailsInput {
                            source: 1,
                            paths: &paths,
                            row: Some(&row),
                            range: None,
                            clock: Clock::Utc,
                            dated: false,
                            ready: false,
                            frames: None,
                            live: false,
                            host: None,
                            selectable: true,
                            filter: "",
                            seen_on: None,
                            told: &[],
                        },
                    );
                },
                DetailsView::default(),
            );
        h.run();
        let rate = h.get_by_label_contains("avg, peak");
        let node = rate.accesskit_node();
        assert_eq!(
            node.value().or(node.label()).as_deref(),
            Some(
                format!(
                    "{} avg, peak {}/s",
                    crate::report::rate(kept_avg),
                    figures.peak_rate
                )
                .as_str()
            )
        );
        let rate_left = rate.rect().left();
        let said = format!(
            "of the {kept} targets kept ({} not kept):",
            scan.scan.not_kept
        );
        let said = h.get_by_label(&said).rect();
        let refused = format!("refused {kept}");
        let refused = h.get_by_label(&refused).rect();
        assert!(
            said.left() < refused.left() && refused.left() < rate_left,
            "said before the counts and the rate: {said:?}, {refused:?}, {rate_left}"
        );
    }

    /// A connection's duration in the unit that keeps it short: a refusal on loopback lasts
    /// microseconds, a session seconds or hours.
    /// Saved packets of a scan's row are named after the scan: its kind, client and server
    /// (a sweep: its port), not after its folded offender's port 0.
    #[test]
    fn a_scans_saved_packets_are_named_after_it() {
        let client: std::net::IpAddr = "10.0.0.1".parse().expect("ip");
        let server: std::net::IpAddr = "10.0.0.2".parse().expect("ip");
        let o = Offender::blank("10.0.0.2", 0);
        use crate::engine::ScanKind;
        let ports = crate::engine::scans::tests_scan(ScanKind::Ports { server }, client);
        let sweep = crate::engine::scans::tests_scan(ScanKind::Sweep { port: 22 }, client);
        let name = |scan| super::packets_file_name(&o, scan, None, Clock::Utc);
        assert_eq!(name(Some(&ports)), "rstscope-scan-10.0.0.1-10.0.0.2.pcapng");
        assert_eq!(name(Some(&sweep)), "rstscope-sweep-10.0.0.1-22.pcapng");
        assert_eq!(name(None), "rstscope-10.0.0.2-0.pcapng");
    }

    /// Regression (real-window trial): of two files opened together, one gone before: its
    /// "cannot read" was in the status bar and again in orange over every row's lists. One
    /// that went after the analysis read it is news there, and stays.
    #[test]
    fn a_warning_the_status_bar_says_is_not_said_again_over_the_lists() {
        let gone = "/caps/b.pcapng: cannot read: No such file or directory (os error 2)";
        let since = "/caps/c.pcapng: cannot read: No such file or directory (os error 2)";
        let told = [gone.to_owned()];
        assert_eq!(
            super::untold(vec![gone.to_owned(), since.to_owned()], &told),
            [since]
        );
        assert!(super::untold(vec![gone.to_owned()], &told).is_empty());
    }

    #[test]
    fn durations_are_written_short_in_their_unit() {
        assert_eq!(duration(12_680, 6), "13 µs");
        assert_eq!(duration(999_700, 6), "1.0 ms");
        assert_eq!(duration(1_234_567, 6), "1.2 ms");
        assert_eq!(duration(503_000_000, 6), "0.503 s");
        assert_eq!(duration(75_250_000_000, 6), "75.250 s");
        assert_eq!(duration(3_723_000_000_000, 6), "1:02:03");
        assert_eq!(duration(-5, 6), "0 µs");
    }

    /// Regression (s49): a connection of one packet (a stray RST) lasted "0 µs", as if
    /// measured; Zeek's conn.log leaves its duration unset, `-`, and so does its column now. Two
    /// packets in one tick of the file's clock keep what the clock tells.
    /// A list of days has a row naming each day where it changes (the first day is the
    /// start column's title); the rows map to the connections and back, and the rows in view to the
    /// connections in view.
    #[test]
    fn a_list_of_days_names_each_day_where_it_changes() {
        use super::{DayRows, Line};
        let day = 86_400;
        let at = |secs: i64| refused_at(Timestamp::from_parts(1_699_920_000 + secs, 0));
        // 2023-11-14 00:00 UTC: two that day (its day the column's title, no row), one on
        // the 15th, one on the 17th, then one on the 15th again (a list in the order the
        // connections ended).
        let list = [at(10), at(20), at(day + 5), at(3 * day), at(day + 9)];
        // The packets' list says the first day too, on a row above it.
        let packets = DayRows::find(list.iter().map(|c| c.start), Clock::Utc, true);
        assert_eq!(packets.rows(list.len()), 9);
        assert!(matches!(packets.line(0), Line::Day(ts) if ts == list[0].start));
        assert_eq!(packets.line(1), Line::Connection(0));
        assert_eq!(packets.row_of(2), 4);
        let days = DayRows::find(list.iter().map(|c| c.start), Clock::Utc, false);
        assert_eq!(days.rows(list.len()), 8);
        let lines: Vec<Line> = (0..8).map(|r| days.line(r)).collect();
        let date = |l: &Line| match l {
            Line::Day(ts) => Some(Clock::Utc.datetime(*ts).format("%d").to_string()),
            Line::Connection(_) => None,
        };
        assert_eq!(
            lines.iter().map(date).collect::<Vec<_>>(),
            [
                None,
                None,
                Some("15".into()),
                None,
                Some("17".into()),
                None,
                Some("15".into()),
                None
            ]
        );
        let connections: Vec<usize> = lines
            .iter()
            .filter_map(|l| match l {
                Line::Connection(i) => Some(*i),
                Line::Day(_) => None,
            })
            .collect();
        assert_eq!(connections, [0, 1, 2, 3, 4]);
        for i in 0..list.len() {
            assert_eq!(days.line(days.row_of(i)), Line::Connection(i));
        }
        // Rows 1-4 (the second connection, the 15th, its connection, the 17th): connections
        // 1 and 2; a day's row alone in view is no connection.
        assert_eq!(days.connections_in(1..5), 1..3);
        assert_eq!(days.connections_in(2..3), 2..2);
        assert_eq!(days.connections_in(0..8), 0..5);
        // Within one day and undated: no day row, the rows are the connections.
        let undated = DayRows::default();
        assert_eq!(undated.rows(3), 3);
        assert_eq!(undated.line(2), Line::Connection(2));
        assert_eq!(undated.row_of(2), 2);
        assert_eq!(undated.connections_in(1..3), 1..3);
        // Three changes of day for five connections: sparse (two or fewer a day). Said in the
        // starts, the days take no row: the rows are the connections.
        assert!(days.sparse(list.len()));
        let inline = days.clone().inline(true);
        assert_eq!(inline.rows(list.len()), 5);
        assert_eq!(inline.line(4), Line::Connection(4));
        assert_eq!(inline.row_of(3), 3);
        assert_eq!(inline.connections_in(1..4), 1..4);
        // Five a day on two days is not; nor is a list within one day.
        let dense: Vec<_> = (0..10).map(|k| at(k / 5 * day + k)).collect();
        let dense = DayRows::find(dense.iter().map(|c| c.start), Clock::Utc, false);
        assert!(!dense.sparse(10));
        assert!(!undated.sparse(2));
    }

    /// A connection of 10.0.0.1:40000 to 10.0.0.2:80 refused, started at `start`.
    fn refused_at(start: Timestamp) -> crate::engine::ConnRecord {
        crate::engine::ConnRecord {
            orig: ("10.0.0.1".parse().expect("an address"), 40000),
            resp: ("10.0.0.2".parse().expect("an address"), 80),
            overlay: crate::packet::Overlay::NONE,
            state: crate::engine::ConnState::Rej,
            history: "Sr".into(),
            rst_count: 1,
            rst_cause: Some(Cause::Refused),
            suspect_injected: 0,
            start,
            duration_ns: 1_000,
            packets: 2,
            first_frame: 1,
        }
    }

    /// A list's connections are told apart by their starts to the second where no two listed
    /// one after the other start in one second (their starts dated to the second, [`DayRows`]).
    #[test]
    fn starts_a_second_apart_are_told_apart_to_the_second() {
        use super::ColumnChars;
        let at = |ns: i64| refused_at(Timestamp(1_699_920_000 * Timestamp::NANOS_PER_SEC + ns));
        let second = Timestamp::NANOS_PER_SEC;
        let apart = [at(0), at(second + 900_000_000), at(3 * second)];
        assert!(ColumnChars::of(&apart, 6).seconds_apart);
        // 00:00:01.900 and 00:00:01.950: one second.
        let mut within = ColumnChars::of(&apart[..2], 6);
        within.add(&[at(second + 950_000_000)]);
        assert!(!within.seconds_apart);
    }

    /// A scan's targets of one answer keep to one line: as many as fit and the count of the
    /// rest, the first at least.
    #[test]
    fn a_scans_targets_keep_to_one_line() {
        use super::targets_line;
        let ports: Vec<String> = (1..=993).map(|p| p.to_string()).collect();
        assert_eq!(targets_line(&ports[..3], 40), "1, 2, 3");
        let line = targets_line(&ports, 40);
        assert_eq!(line, "1, 2, 3, 4, 5, 6, 7, 8, 9 … and 984 more");
        assert!(line.chars().count() <= 40, "{line}");
        // A character short of the whole: ports given up for the count of them.
        let short = targets_line(&ports[..10], "1, 2, 3, 4, 5, 6, 7, 8, 9, 10".len() - 1);
        assert_eq!(short, "1, 2, 3, 4, 5 … and 5 more");
        assert_eq!(
            targets_line(&ports, 3),
            "1 … and 992 more",
            "the first at least"
        );
    }

    /// Regression (real-window trial): on a scan whose targets the endpoint table did not all
    /// keep, each answer's line counted and listed only those kept ("5,500 refused (closed)
    /// 5001, 5002, ...") beside the sentence's "10,498 refused (closed): 1, 2, 3", and an
    /// answer none of whose targets were kept ("2 open: 22, 80") had no line. A line counts the
    /// scan's targets with how many were not kept, and says its list holds those kept, and why.
    #[test]
    fn a_scans_answer_lines_count_its_targets_and_list_those_kept() {
        use super::targets_by_answer;
        use crate::engine::ScanKind;
        use crate::packet::Overlay;
        use crate::ui::offenders::{Answer, ScanRow};
        use std::net::IpAddr;
        use std::sync::Arc;
        let (client, server): (IpAddr, IpAddr) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
        let row = |targets: u64, not_kept: u64, kept: std::ops::RangeInclusive<u16>| {
            let mut scan = crate::engine::scans::tests_scan(ScanKind::Ports { server }, client);
            scan.targets = targets;
            scan.half_open = 2;
            scan.refused = targets - 2;
            scan.not_kept = not_kept;
            ScanRow {
                scan: Arc::new(scan),
                targets: kept
                    .map(|p| ((server, p, Overlay::NONE), Answer::Refused))
                    .collect(),
                in_range: None,
                kept_rate: None,
            }
        };
        let lines = targets_by_answer(&row(300, 120, 121..=300));
        let labels: Vec<String> = lines.iter().map(|a| a.label()).collect();
        assert_eq!(
            labels,
            ["2 open, 2 not kept", "298 refused (closed), 118 not kept"]
        );
        assert!(lines[0].kept.is_empty());
        assert!(
            lines[0]
                .not_kept_words()
                .starts_with("none of these were kept as endpoints (the endpoint table keeps"),
            "{}",
            lines[0].not_kept_words()
        );
        assert_eq!(
            (lines[1].kept.len(), lines[1].kept[0].as_str()),
            (180, "121")
        );
        let words = lines[1].not_kept_words();
        assert!(
            words.starts_with("118 of these 298 were not kept as endpoints")
                && words.ends_with("listed and copied are the 180 kept, 121 to 300"),
            "{words}"
        );
        // A scan the table kept whole: its lines as before.
        let lines = targets_by_answer(&row(22, 0, 1..=20));
        assert_eq!(
            lines.len(),
            1,
            "{:?}",
            lines.iter().map(|a| a.label()).collect::<Vec<_>>()
        );
        assert_eq!(lines[0].label(), "20 refused (closed)");
        assert_eq!(lines[0].not_kept(), 0);
    }

    #[test]
    fn a_one_packet_connection_has_no_duration() {
        let c = crate::engine::ConnRecord {
            orig: ("10.0.0.1".parse().expect("an address"), 40000),
            resp: ("10.0.0.2".parse().expect("an address"), 80),
            overlay: crate::packet::Overlay::NONE,
            state: crate::engine::ConnState::Oth,
            history: "r".into(),
            rst_count: 1,
            rst_cause: Some(Cause::Stray),
            suspect_injected: 0,
            start: Timestamp::from_parts(1_700_000_000, 0),
            duration_ns: 0,
            packets: 1,
            first_frame: 1,
        };
        assert_eq!(lasted(&c, 6), "-");
        let two = crate::engine::ConnRecord {
            packets: 2,
            ..c.clone()
        };
        assert_eq!(lasted(&two, 6), "0 µs");
        assert_eq!(lasted(&two, 3), "< 1 ms");
        let longer = crate::engine::ConnRecord {
            packets: 2,
            duration_ns: 12_680,
            ..c
        };
        assert_eq!(lasted(&longer, 6), "13 µs");
    }

    /// Regression: a Network Monitor 1.x file's times are milliseconds, and its refusals
    /// (both packets in one millisecond) lasted "0 µs", a precision the file does not have.
    #[test]
    fn durations_have_no_more_digits_than_the_capture() {
        let table = |digits| {
            [
                12_680,
                999_700,
                1_000_000,
                3_000_000,
                503_000_000,
                3_723_000_000_000,
            ]
            .map(|ns| duration(ns, digits))
        };
        assert_eq!(
            table(6),
            ["13 µs", "1.0 ms", "1.0 ms", "3.0 ms", "0.503 s", "1:02:03"]
        );
        assert_eq!(
            table(9),
            table(6),
            "nanoseconds are written to the microsecond"
        );
        assert_eq!(
            table(3),
            ["< 1 ms", "< 1 ms", "1 ms", "3 ms", "0.503 s", "1:02:03"]
        );
        assert_eq!(
            table(4),
            [
                "< 100 µs",
                "1.0 ms",
                "1.0 ms",
                "3.0 ms",
                "0.503 s",
                "1:02:03"
            ]
        );
        assert_eq!(duration(500_000_000, 1), "0.5 s");
        assert_eq!(duration(50_000_000, 1), "< 100 ms");
        assert_eq!(duration(0, 0), "< 1 s");
    }

    /// The row of a program failing to start beside a refused port says how it is linked:
    /// the same program's restarts; by the timing alone, with why it is no more than that; a
    /// program seen connecting elsewhere (a service whose database refuses it) with that it
    /// was seen only as a client there; one whose every run ended as its connect to another
    /// port failed (a `curl` in a shell's loop) as a client failing, not a program that
    /// cannot start. Regression: the last two, linked again, would have read "(no run was
    /// seen listening)" under "Failing to start at the same time:".
    #[test]
    fn a_program_linked_by_the_timing_says_where_it_was_a_client() {
        use super::failing_start_row;
        use crate::host::restarts::{FailedConnects, FailingStart, StartLink, failing_start};
        let runs = "3 runs from 00:00:02 to 00:00:06 (every 2.0 s), each ended within 40 ms";
        let mut f = failing_start("/opt/c/collector", 2, 6);
        assert_eq!(
            failing_start_row(&f, Clock::Utc),
            (
                "Failing to start at the same time:",
                format!(
                    "/opt/c/collector — {runs} with exit status 1 (no run was seen \
                     listening)"
                )
            )
        );
        f.connected_to = vec!["127.0.0.1:5432".into()];
        assert_eq!(
            failing_start_row(&f, Clock::Utc),
            (
                "Failing to start at the same time:",
                format!(
                    "/opt/c/collector — {runs} with exit status 1 (it was seen only as a \
                     client of 127.0.0.1:5432, never listening)"
                )
            )
        );
        f.link = StartLink::SameProgram;
        assert_eq!(
            failing_start_row(&f, Clock::Utc),
            (
                "Failing to start:",
                format!("/opt/c/collector — {runs} with exit status 1")
            )
        );
        let mut curl = FailingStart {
            exit_status: Some(7),
            failed_connects: Some(FailedConnects {
                runs: 3,
                to: vec!["127.0.0.1:5432".into()],
                refused: true,
            }),
            ..failing_start("/usr/bin/curl", 2, 6)
        };
        let told = format!(
            "/usr/bin/curl — after its connect to 127.0.0.1:5432 was refused; {runs} with exit \
             status 7 (it was seen only as a client of 127.0.0.1:5432, never listening)"
        );
        assert_eq!(
            failing_start_row(&curl, Clock::Utc),
            ("A client failing at the same time:", told)
        );
        curl.recovered = Some(crate::host::restarts::Recovered {
            at: Timestamp::from_parts(9, 0),
            how: crate::host::restarts::RecoveredHow::EndedWell,
        });
        assert_eq!(
            failing_start_row(&curl, Clock::Utc).0,
            "A client failed at the same time:"
        );
    }
}
