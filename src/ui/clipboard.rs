//! Text put on the system clipboard ends its lines as the system's text does: CRLF on
//! Windows, whose clipboard text is CRLF by convention (the Notepad of Windows Server 2016 and
//! older shows LF-only text as one line, as with the text reports), LF elsewhere. Every copy
//! goes through here, rstscope's ("Copy row" with its column titles, "Copy details", the
//! status bar's warnings) and egui's own (text selected with the mouse). Packet lines shown
//! with a time of day under a row naming their day are copied dated (`Wholes`).

use eframe::egui;

/// The egui plugin that writes the line breaks of every text copied in a frame.
pub struct LineBreaks {
    /// Lines end in CRLF, else as written (LF).
    crlf: bool,
}

impl LineBreaks {
    /// The running system's line breaks: CRLF on Windows.
    pub fn native() -> Self {
        Self {
            crlf: cfg!(windows),
        }
    }

    /// CRLF, whatever the system (tests of what Windows gets).
    pub fn crlf() -> Self {
        Self { crlf: true }
    }
}

impl egui::Plugin for LineBreaks {
    fn debug_name(&self) -> &'static str {
        "rstscope clipboard line breaks"
    }

    fn output_hook(&mut self, _ctx: &egui::Context, output: &mut egui::FullOutput) {
        if !self.crlf {
            return;
        }
        for command in &mut output.platform_output.commands {
            if let egui::OutputCommand::CopyText(text) = command
                && text.contains('\n')
            {
                *text = with_crlf(text);
            }
        }
    }
}

/// The packet lines as the details show them (each time a time of day, the day on a row
/// above where it changes) and as a copy of them takes them: dated, so that lines pasted from
/// a capture of days still say the day. egui copies the text a label draws: this puts the
/// date back, line by line, in every text copied where the details list such lines
/// ([`Wholes::offer`]).
#[derive(Debug, Default)]
pub struct Wholes {
    /// Each line shown, with its whole; `None` where two lines shown alike have two wholes
    /// (the same packet at the same time of day on two days): a copy of it is left as shown
    /// rather than given one of the two dates.
    by_shown: std::collections::HashMap<String, Option<String>>,
}

impl Wholes {
    /// `(shown, whole)` pairs of lines.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut by_shown = std::collections::HashMap::with_capacity(pairs.len());
        for (shown, whole) in pairs {
            by_shown
                .entry(shown)
                .and_modify(|was: &mut Option<String>| {
                    if was.as_ref() != Some(&whole) {
                        *was = None;
                    }
                })
                .or_insert_with(|| Some(whole.clone()));
        }
        Self { by_shown }
    }

    /// The lines of this frame's copies are to be made whole by `wholes` (none when empty).
    pub fn offer(ctx: &egui::Context, wholes: &std::sync::Arc<Wholes>) {
        let plugin = ctx.plugin_or_default::<WholeCopies>();
        let mut plugin = plugin.lock();
        if !std::sync::Arc::ptr_eq(&plugin.wholes, wholes) {
            plugin.wholes = std::sync::Arc::clone(wholes);
        }
    }

    /// `text` with each whole line that is one shown made whole (a line break's CR kept); a
    /// line copied in part stays as it is.
    pub fn whole(&self, text: &str) -> Option<String> {
        if self.by_shown.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        let mut changed = false;
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let (line, cr) = match piece.strip_suffix('\r') {
                Some(line) => (line, "\r"),
                None => (piece, ""),
            };
            match self.by_shown.get(line).and_then(Option::as_ref) {
                Some(whole) => {
                    out.push_str(whole);
                    changed = true;
                }
                None => out.push_str(line),
            }
            out.push_str(cr);
        }
        changed.then_some(out)
    }
}

/// The egui plugin that makes the packet lines of a frame's copies whole ([`Wholes`]).
#[derive(Default)]
struct WholeCopies {
    wholes: std::sync::Arc<Wholes>,
}

impl egui::Plugin for WholeCopies {
    fn debug_name(&self) -> &'static str {
        "rstscope whole packet lines in copies"
    }

    fn output_hook(&mut self, _ctx: &egui::Context, output: &mut egui::FullOutput) {
        for command in &mut output.platform_output.commands {
            if let egui::OutputCommand::CopyText(text) = command
                && let Some(whole) = self.wholes.whole(text)
            {
                *text = whole;
            }
        }
    }
}

/// `text` with each line break a CRLF (a CRLF already there is kept, not doubled).
pub fn with_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut after_cr = false;
    for c in text.chars() {
        if c == '\n' && !after_cr {
            out.push('\r');
        }
        out.push(c);
        after_cr = c == '\r';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet line copied as shown (a time of day) is copied dated; a line copied in part,
    /// or one that is no packet line, stays; CRLF stays.
    #[test]
    fn packet_lines_copied_take_their_date_back() {
        let shown = "00:08:34.075902 IP 192.168.1.108.50041 > 192.168.1.1.389: Flags [S]";
        let whole = "02-21 00:08:34.075902 IP 192.168.1.108.50041 > 192.168.1.1.389: Flags [S]";
        let wholes = Wholes::new(vec![(shown.to_owned(), whole.to_owned())]);
        assert_eq!(
            wholes.whole(&format!("{shown}\r\n{shown}")),
            Some(format!("{whole}\r\n{whole}"))
        );
        assert_eq!(
            wholes.whole(&format!("other\n{shown}")),
            Some(format!("other\n{whole}"))
        );
        assert_eq!(wholes.whole("IP 192.168.1.108.50041 > 192"), None);
        // Shown alike on two days: not given either date.
        let two = Wholes::new(vec![
            (shown.to_owned(), whole.to_owned()),
            (shown.to_owned(), whole.replace("02-21", "02-25")),
        ]);
        assert_eq!(two.whole(shown), None);
        assert_eq!(Wholes::default().whole(shown), None);
    }

    #[test]
    fn line_feeds_become_crlf_and_crlf_stays() {
        assert_eq!(with_crlf("a\tb\nc\td\n"), "a\tb\r\nc\td\r\n");
        assert_eq!(with_crlf("a\r\nb\nc"), "a\r\nb\r\nc");
        assert_eq!(with_crlf("\n\n"), "\r\n\r\n");
        assert_eq!(with_crlf("one line"), "one line");
    }

    /// What a frame copies (`copy_text`, as the Copy buttons and egui's selection do) reaches
    /// the system in CRLF where the plugin asks for it, as written otherwise.
    #[test]
    fn a_frames_copies_are_written_with_the_plugins_line_breaks() {
        let copied = |plugin: LineBreaks| {
            let ctx = egui::Context::default();
            ctx.add_plugin(plugin);
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                ui.ctx().copy_text("titles\nrow".to_owned());
            });
            // The fonts' texture is not drawn anywhere here (egui asks for that).
            output.textures_delta.clear();
            std::mem::take(&mut output.platform_output.commands)
                .into_iter()
                .filter_map(|c| match c {
                    egui::OutputCommand::CopyText(t) => Some(t),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(copied(LineBreaks::crlf()), ["titles\r\nrow"]);
        assert_eq!(
            copied(LineBreaks { crlf: false }),
            ["titles\nrow"],
            "Linux and macOS keep LF"
        );
    }
}
