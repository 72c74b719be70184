//! The desktop app driven as a user drives it (egui_kittest, no window): open captures, find
//! the offender by its label, select it, read the details; the main screen compared with a
//! snapshot image; the UI thread keeps drawing while a large capture loads.
//!
//! Snapshots live in tests/snapshots/; after an intended change of the screen, re-make them
//! with `UPDATE_SNAPSHOTS=1 cargo test --test gui` and look at the new images.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use rstscope::ui::{RstscopeApp, Settings};

const WAIT: Duration = Duration::from_secs(120);

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Settings of a fresh install, times in UTC so that images and labels do not depend on the
/// machine's time zone, and rstscope's own file dialog (no system dialog in tests).
fn settings() -> Settings {
    Settings {
        utc: true,
        builtin_file_dialog: true,
        ..Settings::default()
    }
}

fn harness(settings: Settings, files: Vec<PathBuf>) -> Harness<'static, RstscopeApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_theme(egui::Theme::Light)
        .build_ui_state(
            |ui, app: &mut RstscopeApp| app.show(ui),
            RstscopeApp::new(settings, files),
        )
}

/// Steps frames until the capture is read and the details' evidence collected.
fn settle(h: &mut Harness<'_, RstscopeApp>) {
    let start = Instant::now();
    h.step();
    while h.state().is_loading() || h.state().is_collecting_evidence() {
        assert!(start.elapsed() < WAIT, "still loading after {WAIT:?}");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.run_steps(3);
}

/// A file dropped on the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("rstscope reads the path, not the bytes".into())
    }
}

/// True when some widget's label contains `text`.
fn shows(h: &Harness<'_, RstscopeApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Steps frames until `ready` holds.
fn wait_for(h: &mut Harness<'_, RstscopeApp>, ready: impl Fn(&Harness<'_, RstscopeApp>) -> bool) {
    let start = Instant::now();
    while !ready(h) {
        assert!(start.elapsed() < WAIT, "waited {WAIT:?} in vain");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
}

/// Clicks the offender row of `endpoint` in the table and waits for its evidence.
fn select(h: &mut Harness<'_, RstscopeApp>, endpoint: &str) {
    // The endpoint cell is a button; the details header shows the same text as a label.
    h.get_by_role_and_label(egui::accesskit::Role::Button, endpoint)
        .click();
    h.run_steps(2);
    settle(h);
}

#[test]
fn the_sample_shows_port_7211_refused_with_its_evidence_and_filters() {
    let mut h = harness(settings(), vec![manifest("resources/sample-7211.pcapng")]);
    settle(&mut h);
    let rows = h.state().rows();
    assert_eq!(rows[0].endpoint, "127.0.0.1:7211", "the top row");
    assert_eq!(rows[0].offender.rst_by_cause[0], 20);
    assert!(
        shows(&h, "refused all 20 connection attempts from 1 client"),
        "the diagnosis sentence is in the table"
    );
    select(&mut h, "127.0.0.1:7211");
    assert_eq!(h.state().selected().map(|k| k.1), Some(7211));
    // The details: the filters, the connections (20 refused, Zeek REJ) and their packets.
    h.get_by_label(
        "ip.proto#1 == 6 && ((ip.src#1 == 127.0.0.1 && tcp.srcport#1 == 7211) || (ip.dst#1 == 127.0.0.1 && tcp.dstport#1 == 7211))",
    );
    h.get_by_label(
        "tcp and ((src host 127.0.0.1 and src port 7211) or (dst host 127.0.0.1 and dst port 7211))",
    );
    let ev = h.state().evidence().expect("evidence collected").clone();
    assert_eq!(
        ev.connections.len(),
        20,
        "one REJ connection per refused attempt"
    );
    assert!(ev.connections.iter().all(|c| c.state.as_str() == "REJ"));
    assert!(
        shows(&h, "REJ") && shows(&h, "Sr"),
        "the connections' Zeek state and history"
    );
    assert!(shows(&h, "Connections (20)"));
    assert!(shows(&h, "Packets (40"));
    h.remove_cursor();
    h.run_steps(2);
    h.snapshot_options(
        "main_sample",
        &SnapshotOptions::new().threshold(1.0).max_failed_pixels(600),
    );
}

#[test]
fn exports_and_saved_packets_are_written_where_the_user_chose() {
    let dir = temp_dir("export");
    let mut h = harness(settings(), vec![manifest("resources/sample-7211.pcapng")]);
    settle(&mut h);
    // Save dialogs open in the folder of the last capture opened or file saved.
    h.state_mut().settings.last_folder = Some(dir.clone());
    let save = |h: &mut Harness<'_, RstscopeApp>, button: &str, file: &str| -> PathBuf {
        h.get_by_label(button).click();
        // rstscope's own save dialog, in the last folder, with a file name filled in.
        wait_for(h, |h| h.query_by_label("Save").is_some());
        h.get_by_label("Save").click();
        let path = dir.join(file);
        wait_for(h, |h| shows(h, &format!("saved {}", path.display())));
        path
    };
    let csv = std::fs::read_to_string(save(&mut h, "CSV…", "sample-7211-offenders.csv"))
        .expect("CSV written");
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.contains("127.0.0.1") && l.contains("7211"))
    );
    let json = std::fs::read_to_string(save(&mut h, "JSON…", "sample-7211-report.json"))
        .expect("JSON written");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["offenders"][0]["port"], 7211, "{json}");
    let pcapng = save(
        &mut h,
        "Save these packets…",
        "rstscope-127.0.0.1-7211.pcapng",
    );
    let again = rstscope::analysis::analyze_files(&[pcapng], Default::default())
        .expect("the saved packets are a capture");
    assert_eq!(again.capture.frames, 40);
    assert_eq!(again.snapshot.totals.rst_by_cause[0], 20);
}

#[test]
fn a_fixture_opened_from_the_start_screen_dialog_shows_its_refused_port() {
    let mut s = settings();
    s.last_folder = Some(manifest("tests/fixtures"));
    let mut h = harness(s, Vec::new());
    h.run_steps(2);
    h.get_by_label("Open a capture…").click();
    h.run_steps(2);
    // rstscope's own dialog lists the folder on a thread.
    let start = Instant::now();
    while h.query_by_label_contains("refused-v6.pcap").is_none() {
        assert!(start.elapsed() < WAIT, "the folder listing never came");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
    h.get_by_label_contains("refused-v6.pcap").click();
    h.run_steps(2);
    h.get_by_label("Open").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().rows().len(), 1);
    select(&mut h, "[::1]:7301");
    h.get_by_label(
        "!ip && !icmpv6 && ((ipv6.src#1 == ::1 && tcp.srcport#1 == 7301) || (ipv6.dst#1 == ::1 && tcp.dstport#1 == 7301))",
    );
    let ev = h.state().evidence().expect("evidence").clone();
    assert!(!ev.connections.is_empty());
    assert!(ev.connections.iter().all(|c| c.state.as_str() == "REJ"));
    // The capture is remembered for next time.
    assert!(h.state().settings.recent[0][0].ends_with("refused-v6.pcap"));
}

#[test]
fn the_bundled_sample_opens_from_the_start_screen() {
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    h.get_by_label("Open the sample capture").click();
    h.run_steps(2);
    settle(&mut h);
    assert_eq!(h.state().rows()[0].endpoint, "127.0.0.1:7211");
    assert!(shows(&h, "(bundled sample)"));
}

#[test]
fn a_file_that_is_not_a_capture_shows_the_error_and_the_app_goes_on() {
    let dir = temp_dir("not-a-capture");
    let bad = dir.join("notes.txt");
    std::fs::write(&bad, "this is not a capture\n").expect("write");
    let mut h = harness(settings(), vec![bad]);
    settle(&mut h);
    let notice = &h.state().notices()[0];
    assert!(
        notice.error && notice.text.contains("not a capture file"),
        "{notice:?}"
    );
    assert!(shows(&h, "not a capture file"));
    // Back on the start screen, ready for the next file.
    h.get_by_label("Open the sample capture");
    assert!(h.state().source().is_none());
}

/// Clicks the start screen's Start capture (the source bar has one too) and steps frames until
/// `ready` holds or the window shows why the capture could not start (a notice).
fn click_start_capture(
    h: &mut Harness<'_, RstscopeApp>,
    ready: impl Fn(&Harness<'_, RstscopeApp>) -> bool,
) {
    h.get_all_by_label("Start capture")
        .last()
        .expect("a Start capture button")
        .click();
    let start = Instant::now();
    while !ready(h) && h.state().notices().is_empty() {
        assert!(
            start.elapsed() < WAIT,
            "the capture neither started nor failed"
        );
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
}

#[test]
fn start_capture_captures_live_or_says_why_not() {
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    click_start_capture(&mut h, |h| {
        h.state().source().is_some_and(|s| s.is_capturing())
    });
    if let Some(n) = h.state().notices().first() {
        // No capture rights here (not root, no CAP_NET_RAW) or no libpcap: the window says so.
        println!("live capture did not start: {}", n.text);
        assert!(n.error && !n.text.is_empty());
        assert!(shows(&h, &n.text.clone()));
        return;
    }
    assert!(shows(&h, "live capture on"));
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(25));
        h.step();
    }
    h.get_by_label("Stop capture").click();
    h.run_steps(2);
    settle(&mut h);
    let src = h.state().source().expect("the capture stays open");
    assert!(!src.is_capturing());
    assert!(src.analysis.is_some() && src.capture.is_some());
    assert!(
        shows(&h, "captured "),
        "the status bar has the capture's counts"
    );
    // What was captured saves as a pcapng that reads back.
    let dir = temp_dir("save-capture");
    h.state_mut().settings.last_folder = Some(dir.clone());
    h.get_all_by_label("Save capture as…")
        .last()
        .expect("a Save capture as… button")
        .click();
    wait_for(&mut h, |h| h.query_by_label("Save").is_some());
    h.get_by_label("Save").click();
    wait_for(&mut h, |h| shows(h, &format!("saved {}", dir.display())));
    let saved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcapng"))
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    rstscope::analysis::analyze_files(&saved, Default::default())
        .expect("the saved capture reads back");
}

/// The 7211 case in the window: this test listens on a loopback port, captures, stops
/// listening and keeps connecting. The top row names this process as the former listener
/// with the time it stopped, the plot's legend has the kernel's AttemptFails, and the
/// "This machine" panel lists the listener that went away.
#[test]
fn a_stopped_listener_is_named_in_the_top_row_of_a_live_capture() {
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on loopback");
    let addr = listener.local_addr().expect("address");
    // Two samples of the machine with the listener up.
    click_start_capture(&mut h, |h| {
        h.state()
            .source()
            .and_then(|s| s.analysis.as_ref())
            .and_then(|a| a.host.as_ref())
            .is_some_and(|r| r.samples >= 2)
    });
    if let Some(n) = h.state().notices().first() {
        println!("live capture did not start (test SKIPPED): {}", n.text);
        return;
    }
    drop(listener);
    for _ in 0..4 {
        let r = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        assert!(r.is_err(), "nothing listens on {addr} any more");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Let the next sample see the listener gone and count the failures.
    for _ in 0..75 {
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.get_by_label("Stop capture").click();
    h.run_steps(2);
    settle(&mut h);
    let me = std::process::id();
    let endpoint = format!("127.0.0.1:{}", addr.port());
    assert!(shows(&h, &endpoint), "the port is an offender");
    assert!(
        shows(&h, &format!("({me}) until")),
        "the Listener cell names this process and when it stopped"
    );
    assert!(
        shows(&h, "kernel AttemptFails"),
        "the plot legend has the kernel line"
    );
    assert!(
        shows(&h, "The kernel's AttemptFails (") || shows(&h, "failed connects (AttemptFails)"),
        "the headline compares the kernel's count with the capture's"
    );
    h.get_by_label("This machine").click();
    h.run_steps(3);
    assert!(shows(&h, "Stopped listening"));
    assert!(
        shows(&h, &format!("pid {me}")),
        "the history lists this process"
    );
}

/// A capture that carries process information (Apple's process blocks, ptcpdump comments)
/// names the connecting process in the Connecting column and the diagnosis.
#[test]
fn a_capture_with_process_information_names_the_connecting_process() {
    let mut h = harness(
        settings(),
        vec![manifest("tests/fixtures/process-info.pcapng")],
    );
    settle(&mut h);
    assert_eq!(h.state().rows().len(), 2);
    assert!(shows(&h, "Connecting"), "the column is shown");
    assert!(shows(&h, "curl (4242) ×5"), "the refused port's client");
    assert!(shows(&h, "python3 (3001) ×4"), "the aborted port's client");
    select(&mut h, "127.0.0.1:7300");
    assert!(shows(
        &h,
        "Connecting: curl (pid 4242), 5 incidents (capture)."
    ));
}

/// Outside a capture the panel reads the machine on demand and lists the listener this test
/// opened, with this process's name, and filters by port.
#[test]
fn the_machine_panel_lists_a_listener_and_filters_by_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on loopback");
    let port = listener.local_addr().expect("address").port();
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    h.get_by_label("This machine").click();
    let me = std::process::id().to_string();
    wait_for(&mut h, |h| shows(h, " sockets"));
    assert!(
        h.state().settings.show_host,
        "the panel stays open (a setting)"
    );
    // Type the port into the panel's filter.
    h.query_all_by_role(egui::accesskit::Role::TextInput)
        .last()
        .expect("the filter box")
        .focus();
    h.run_steps(1);
    h.query_all_by_role(egui::accesskit::Role::TextInput)
        .last()
        .expect("the filter box")
        .type_text(&port.to_string());
    h.run_steps(3);
    assert_eq!(h.state().host_filter(), port.to_string());
    assert!(shows(&h, "1 of "), "one socket matches port {port}");
    assert!(shows(&h, &me), "its PID is this process's");
    assert!(
        shows(&h, "AttemptFails"),
        "the kernel's counters are listed"
    );
    drop(listener);
}

#[test]
fn the_interface_picker_lists_loopback_and_the_narrow_filter_says_what_it_misses() {
    use egui_kittest::kittest::By;
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    let combo = |value: &'static str| By::new().role(egui::accesskit::Role::ComboBox).value(value);
    // All interfaces by default; opening the picker lists them (or says why it cannot).
    h.get(combo("All interfaces (loopback included)")).click();
    h.run_steps(2);
    match rstscope::source::live::list_interfaces() {
        Ok(list) if list.iter().any(|i| i.name == "lo") => {
            assert!(shows(&h, "lo (loopback)"), "lo is listed as loopback");
        }
        Ok(list) => println!("no `lo` here: {list:?}"),
        Err(e) => {
            println!("cannot list interfaces: {e}");
            assert!(shows(&h, &e.to_string()), "the picker shows the error");
        }
    }
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    // The SYN/FIN/RST-only filter says what it cannot classify, and becomes the setting.
    let limitation = rstscope::source::live::CaptureFilter::SynFinRst
        .limitation()
        .expect("the narrow filter has a limitation");
    assert!(!shows(&h, limitation));
    h.get(combo("All TCP (IPv4 and IPv6)")).click();
    h.run_steps(2);
    h.get_by_label("SYN/FIN/RST only (overloaded hosts)")
        .click();
    h.run_steps(2);
    assert!(
        shows(&h, limitation),
        "the limitation is shown next to the filter"
    );
    assert_eq!(
        h.state().settings.capture.filter,
        rstscope::ui::settings::FilterChoice::SynFinRst
    );
}

#[test]
fn files_dropped_on_the_window_open_as_one_capture() {
    let mut h = harness(settings(), Vec::new());
    h.run_steps(2);
    h.input_mut().dropped_files.push(Arc::new(Dropped(manifest(
        "tests/fixtures/refused-v4.pcap",
    ))));
    h.step();
    settle(&mut h);
    assert_eq!(h.state().rows()[0].endpoint, "127.0.0.1:7300");
}

#[test]
fn a_time_range_filters_the_table_and_sorting_follows_the_header() {
    let mut h = harness(settings(), vec![manifest("tests/fixtures/http-mix.pcapng")]);
    settle(&mut h);
    let all = h.state().rows().len();
    assert!(all > 1, "http-mix has several offenders");
    let ranks: Vec<usize> = h.state().rows().iter().map(|r| r.rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "report order first");
    h.get_by_label("Endpoint").click();
    h.run_steps(2);
    let keys: Vec<_> = h.state().rows().iter().map(|r| r.key()).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sorted by endpoint");
    // A range before the capture keeps nothing.
    let first = h
        .state()
        .rows()
        .iter()
        .map(|r| r.offender.first_seen.second())
        .min();
    let first = first.expect("rows");
    h.state_mut().set_range(Some((first - 100, first - 50)));
    h.run_steps(2);
    assert!(h.state().rows().is_empty());
    assert!(shows(&h, "No offender matches"));
}

#[test]
fn dragging_across_the_plot_selects_seconds_that_filter_the_table() {
    let mut h = harness(settings(), vec![manifest("resources/sample-7211.pcapng")]);
    settle(&mut h);
    // The plot lies between the legend row and the table's title.
    let top = h.get_by_label("Reset view").rect().bottom();
    let bottom = h
        .get_all_by_value("Offenders")
        .next()
        .expect("the table's title")
        .rect()
        .top();
    let y = top + (bottom - top) * 0.4;
    let (from, to) = (egui::pos2(500.0, y), egui::pos2(760.0, y));
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=5 {
        h.hover_at(from + (to - from) * (i as f32 / 5.0));
        h.step();
    }
    h.drop_at(to);
    h.run_steps(2);
    let (a, b) = h.state().range().expect("a time range is selected");
    assert!(a < b, "{a}..{b}");
    let row = &h.state().rows()[0];
    let seconds = (b - a + 1) as u64;
    // Two refusals a second in the sample: the row counts the selected seconds only.
    assert_eq!(row.offender.rst_packets, 2 * seconds, "{a}..{b}");
    assert!(row.offender.rst_packets < 20);
    assert!(shows(&h, "selected "));
    // Clearing the selection brings the whole capture back.
    h.get_by_label("×").click();
    h.run_steps(2);
    assert_eq!(h.state().range(), None);
    assert_eq!(h.state().rows()[0].offender.rst_packets, 20);
}

#[test]
fn a_cjk_file_name_renders_with_the_system_fallback_font() {
    let Some((font, index)) = rstscope::ui::fonts::find_cjk_font() else {
        println!("no CJK font on this machine (fonts-droid-fallback or fonts-noto-cjk): SKIPPED");
        return;
    };
    let bytes = std::fs::read(font).expect("font readable");
    let dir = temp_dir("cjk");
    let path = dir.join("キャプチャ-7211.pcapng");
    std::fs::copy(manifest("resources/sample-7211.pcapng"), &path).expect("copy");
    // Missing glyphs panic in kittest: the CJK name must render.
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_context_setup(move |ctx| rstscope::ui::fonts::install(ctx, bytes, index))
        .build_ui_state(
            |ui, app: &mut RstscopeApp| app.show(ui),
            RstscopeApp::new(settings(), vec![path]),
        );
    settle(&mut h);
    assert!(shows(&h, "キャプチャ-7211.pcapng"));
}

#[test]
fn the_ui_keeps_drawing_while_a_large_capture_loads() {
    let dir = temp_dir("large");
    let path = dir.join("large.pcap");
    let frames = write_refusals(&path, 200_000);
    // The sample first, as a user would have it open: the glyphs the screens share are
    // drawn once, so what is measured below is the load, not the font cache warming up.
    let mut h = harness(settings(), vec![manifest("resources/sample-7211.pcapng")]);
    settle(&mut h);
    h.input_mut().dropped_files.push(Arc::new(Dropped(path)));
    h.step();
    let start = Instant::now();
    let mut times = Vec::new();
    let mut partial_while_loading = false;
    while h.state().is_loading() {
        assert!(start.elapsed() < WAIT, "still loading after {WAIT:?}");
        let t = Instant::now();
        h.step();
        times.push(t.elapsed());
        let src = h.state().source().expect("open");
        partial_while_loading |= src.is_loading() && src.analysis.is_some();
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = start.elapsed();
    times.sort();
    let (median, slowest) = (times[times.len() / 2], times[times.len() - 1]);
    println!(
        "{frames} frames loaded in {took:?}: {} UI frames, median {median:?}, slowest {slowest:?}",
        times.len()
    );
    assert!(
        times.len() >= 10,
        "the UI drew only {} frames while loading",
        times.len()
    );
    assert!(
        median < Duration::from_millis(100),
        "frames took {median:?} (median)"
    );
    assert!(slowest < Duration::from_secs(1), "a frame took {slowest:?}");
    assert!(partial_while_loading, "results appear while the file loads");
    // The evidence of the selected offender is read next; dropping the app cancels it.
    h.run_steps(2);
    let a = h
        .state()
        .source()
        .and_then(|s| s.analysis.clone())
        .expect("done");
    assert_eq!(a.capture.frames, frames);
    assert_eq!(a.snapshot.totals.failed_attempts, frames / 2);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rstscope-gui-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

/// Writes a raw-IPv4 pcap of `frames` packets: SYNs from 200 clients to 4 closed ports,
/// each answered by a RST/ACK, one attempt per millisecond. Returns the frame count.
fn write_refusals(path: &Path, frames: u64) -> u64 {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    out.write_all(&header).expect("write");
    let base = 1_700_000_000u64 * 1_000_000;
    for i in 0..frames / 2 {
        let client = [10, 0, 0, 1 + (i % 200) as u8];
        let server = [10, 0, 1, 1];
        let cport = 20_000 + (i % 40_000) as u16;
        let sport = 7000 + (i % 4) as u16;
        let isn = (i as u32).wrapping_mul(2_654_435_761);
        let t = base + i * 1000;
        let syn = tcp_packet(client, server, cport, sport, isn, 0, 0x02);
        let rst = tcp_packet(server, client, sport, cport, 0, isn.wrapping_add(1), 0x14);
        for (pkt, dt) in [(syn, 0), (rst, 50)] {
            let ts = t + dt;
            let mut rec = Vec::with_capacity(16 + pkt.len());
            rec.extend_from_slice(&((ts / 1_000_000) as u32).to_le_bytes());
            rec.extend_from_slice(&((ts % 1_000_000) as u32).to_le_bytes());
            rec.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
            rec.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
            rec.extend_from_slice(&pkt);
            out.write_all(&rec).expect("write");
        }
    }
    out.flush().expect("flush");
    frames / 2 * 2
}

fn tcp_packet(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    p
}
