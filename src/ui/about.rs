//! Help > About: the version, the licence, where to report a problem, and the capture library
//! found (libpcap's version, or Npcap's, or why there is none), with the lot copied in one go
//! for a report.

use eframe::egui::{self, RichText};

use crate::source::npcap::{self, NpcapError, Wpcap};

/// The window's title.
pub const TITLE: &str = "About rstscope";

/// Where problems are reported: the issues of the package's repository, when Cargo.toml names
/// one.
fn report_page() -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (!repository.is_empty()).then(|| format!("{repository}/issues"))
}

/// The capture library as one line: its version and where it was found, or why capture
/// cannot work.
pub fn capture_library(library: &Result<Wpcap, NpcapError>) -> String {
    match library {
        Ok(lib) => {
            let version = lib
                .version
                .clone()
                .unwrap_or_else(|| "version not known".to_owned());
            if cfg!(windows) {
                format!("{version} ({})", lib.path)
            } else {
                version
            }
        }
        Err(e) => format!("none usable: {}", e.headline()),
    }
}

/// What "Copy details" puts on the clipboard: the facts a report of a problem needs.
pub fn details(library: &Result<Wpcap, NpcapError>) -> String {
    format!(
        "rstscope {} ({} {}{})\nsystem: {}\ncapture library: {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        if cfg!(debug_assertions) {
            ", debug build"
        } else {
            ""
        },
        system(),
        capture_library(library)
    )
}

/// The system's name and version as a report needs them ("Windows Server 2022 Datacenter,
/// build 20348", "Debian GNU/Linux 12, kernel 6.12.48"): which Windows a problem was met on
/// matters to Npcap, wine's answers and the dialogs.
fn system() -> String {
    use sysinfo::System;
    // Linux: the distribution as its os-release names it; sysinfo's long name wraps that in
    // "Linux (...)", which said Linux twice ("Linux (Debian GNU/Linux 12)").
    let distribution = cfg!(target_os = "linux")
        .then(|| distribution(System::name().ok(), System::os_version().ok()))
        .flatten();
    let name = distribution.unwrap_or_else(|| {
        System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_owned())
    });
    match System::kernel_version() {
        Ok(build) if cfg!(windows) => format!("{name}, build {build}"),
        Ok(kernel) => format!("{name}, kernel {kernel}"),
        Err(_) => name,
    }
}

/// A Linux distribution's name and version from os-release's NAME and VERSION_ID
/// ("Debian GNU/Linux 12", "Ubuntu 24.04"), its name alone without a version (a rolling
/// release: "Arch Linux"); `None` without a name.
fn distribution(name: Option<String>, version: Option<String>) -> Option<String> {
    let name = name.filter(|n| !n.trim().is_empty())?;
    Some(match version.filter(|v| !v.trim().is_empty()) {
        Some(v) => format!("{name} {v}"),
        None => name,
    })
}

/// Shows the dialog while `open`; Close, Escape and a click beside it close it.
pub fn show(ctx: &egui::Context, open: &mut bool, library: &Result<Wpcap, NpcapError>) {
    if !*open {
        return;
    }
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("rstscope-about")).show(ctx, |ui| {
        ui.set_width(440.0_f32.min(ctx.content_rect().width() - 40.0));
        ui.heading(TITLE);
        ui.label(
            RichText::new(format!("rstscope {}", env!("CARGO_PKG_VERSION")))
                .strong()
                .size(crate::ui::fonts::HEADLINE),
        );
        ui.add(egui::Label::new(env!("CARGO_PKG_DESCRIPTION")).wrap());
        ui.add_space(6.0);
        egui::Grid::new("about")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| facts(ui, library));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button("Copy details")
                .on_hover_text(
                    "copy the version, system and capture library, to paste into a report",
                )
                .clicked()
            {
                ui.ctx().copy_text(details(library));
            }
            if ui.button("Close").clicked() {
                close = true;
            }
        });
    });
    *open = !(close || modal.should_close());
}

/// The licence, the capture library and where to report, a row each.
fn facts(ui: &mut egui::Ui, library: &Result<Wpcap, NpcapError>) {
    ui.label(RichText::new("License").strong());
    ui.label(env!("CARGO_PKG_LICENSE"));
    ui.end_row();
    ui.label(RichText::new("Capture library").strong());
    ui.add(egui::Label::new(capture_library(library)).wrap());
    ui.end_row();
    if library.is_err() {
        ui.label("");
        ui.hyperlink_to(
            format!("Download Npcap: {}", npcap::DOWNLOAD_PAGE),
            npcap::DOWNLOAD_PAGE,
        );
        ui.end_row();
    }
    ui.label(RichText::new("Report a problem").strong());
    match report_page() {
        Some(page) => {
            ui.hyperlink(page);
        }
        None => {
            ui.add(
                // Nothing is below it but the buttons: the details are what "Copy details"
                // copies.
                egui::Label::new(
                    "to whoever gave you this build, with what \"Copy details\" copies",
                )
                .wrap(),
            );
        }
    }
    ui.end_row();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linux_distribution_is_named_once_with_its_version() {
        let named = |n: &str, v: Option<&str>| distribution(Some(n.into()), v.map(Into::into));
        assert_eq!(
            named("Debian GNU/Linux", Some("12")).as_deref(),
            Some("Debian GNU/Linux 12")
        );
        assert_eq!(
            named("Ubuntu", Some("24.04")).as_deref(),
            Some("Ubuntu 24.04")
        );
        assert_eq!(named("Arch Linux", None).as_deref(), Some("Arch Linux"));
        assert_eq!(distribution(None, Some("12".into())), None);
        assert_eq!(distribution(Some(" ".into()), None), None);
    }
}
