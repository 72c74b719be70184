//! Text put on the system clipboard ends its lines as the system's text does: CRLF on
//! Windows, whose clipboard text is CRLF by convention (the Notepad of Windows Server 2016 and
//! older shows LF-only text as one line, as with the text reports), LF elsewhere. Every copy
//! goes through here, rstscope's ("Copy row" with its column titles, "Copy details", the
//! status bar's warnings) and egui's own (text selected with the mouse).

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
