//! The desktop app (eframe/egui): open captures, see resets and failed attempts per second,
//! the endpoints responsible, and the evidence behind each. The UI reads results sent by
//! background threads and never reads files or packets itself.

use std::path::PathBuf;

use eframe::egui;

/// Help > About: version, licence, capture library, where to report.
pub mod about;
/// The app: the capture, the selection, the frame loop.
pub mod app;
/// A press and a release on one control is a click, however slow the frames between them.
pub mod clicks;
/// Text copied to the clipboard, in the system's line breaks (CRLF on Windows).
pub mod clipboard;
/// Details of the selected offender: diagnosis, filters, connections and packets.
pub mod details;
/// File dialogs: the system's on a thread, or rstscope's own.
pub mod file_dialog;
/// Tab goes on from the control last clicked.
pub mod focus;
/// A CJK fallback font from the system's fonts.
pub mod fonts;
/// egui_extras' column resize handles kept out of Tab's way.
pub mod handles;
/// The "This machine" panel: listeners, counters, listener history.
pub mod host;
/// How the results screen shares its height: plot, table, splitter, details.
pub mod layout;
/// The offenders table.
pub mod offenders;
/// The rate plot.
pub mod plot;
/// Naming a process so that two of one name can be told apart.
pub mod process;
/// Background threads' repaint requests, made on a thread of their own.
pub mod repaint;
/// A sideways-scrolled table's vertical bar, kept in view at the region's right edge.
pub mod rows_bar;
/// The bundled sample capture.
pub mod sample;
/// Settings kept between runs.
pub mod settings;
/// Ending on SIGTERM or Ctrl+C as closing the window does.
pub mod signal;
/// Menu and source bar.
pub mod source_bar;
/// The status bar.
pub mod status;
/// One-shot work on named threads.
pub mod task;
/// The question asked before an unsaved live capture goes: save, discard or cancel.
pub mod unsaved;
/// Which scroll area a turn of the mouse wheel scrolls: the one under the pointer as it began.
pub mod wheel;

pub use app::RstscopeApp;
pub use settings::Settings;

/// A file's name for labels (the whole path when it has none).
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The width of `text` laid out on one line, as a label or button draws it unwrapped: in
/// `font` (a text style or a font) unless the text is given its own. Where a layout decides
/// what fits, it measures with this, so that it measures what is drawn.
pub fn one_line_width(
    ui: &egui::Ui,
    text: impl Into<egui::WidgetText>,
    font: impl Into<egui::FontSelection>,
) -> f32 {
    text.into()
        .into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, font)
        .size()
        .x
}

/// The width of a small button saying `text` (`Ui::small_button`, `Button::small`): egui
/// draws its text at the buttons' size, not the small text's (a small button is only less
/// tall), with the buttons' padding either side.
pub fn small_button_width(ui: &egui::Ui, text: &str) -> f32 {
    one_line_width(ui, text, egui::TextStyle::Button) + 2.0 * ui.spacing().button_padding.x
}

/// The window's least inner size, in points: the smallest remote-desktop session (640x480)
/// less its title bar and a taskbar. Narrower, the capture controls no longer fit one row;
/// shorter, the results (which scroll there) would show little at a time.
pub const MIN_WINDOW: [f32; 2] = [640.0, 400.0];

/// Opens the window and runs the app until it is closed; `files` are opened at once.
pub fn run(files: Vec<PathBuf>) -> eframe::Result {
    let end = signal::EndRequest::install();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("rstscope")
            .with_app_id("rstscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size(MIN_WINDOW)
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "rstscope",
        options,
        Box::new(move |cc| {
            fonts::load_in_background(&cc.egui_ctx);
            cc.egui_ctx.add_plugin(clipboard::LineBreaks::native());
            end.attach(&cc.egui_ctx);
            let app =
                RstscopeApp::from_creation_context(cc, files).ending_on(end, signal::kept_folder());
            Ok(Box::new(app))
        }),
    )
}
