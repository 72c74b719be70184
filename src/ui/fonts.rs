//! A fallback font for Chinese, Japanese and Korean text (process names, paths, file names),
//! taken from the system's fonts: egui's built-in fonts have no CJK glyphs, and a CJK font is
//! too large to bundle. Without one, everything else still renders.

use std::path::{Path, PathBuf};

use eframe::egui::{self, FontData, FontFamily, FontInsert, FontPriority, InsertFontFamily};

/// Well-known CJK font files, most complete first: (path, face index in a collection).
const CANDIDATES: &[(&str, u32)] = &[
    // Debian/Ubuntu fonts-noto-cjk, Fedora google-noto-sans-cjk, Arch noto-fonts-cjk.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 0),
    (
        "/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
        0,
    ),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        0,
    ),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 0),
    // Debian/Ubuntu fonts-droid-fallback.
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
    (
        "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
        0,
    ),
    // Windows (where %SystemRoot% does not say where it is installed): see WINDOWS_FONTS.
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\YuGothM.ttc", 0),
    ("C:\\Windows\\Fonts\\msgothic.ttc", 0),
    ("C:\\Windows\\Fonts\\malgun.ttf", 0),
    // macOS.
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
];

/// Windows' CJK fonts, most complete first: Microsoft YaHei, Yu Gothic, MS Gothic, Malgun
/// Gothic, in the Fonts folder of the Windows installation.
const WINDOWS_FONTS: [&str; 4] = ["msyh.ttc", "YuGothM.ttc", "msgothic.ttc", "malgun.ttf"];

/// The first CJK font file present, with its face index.
pub fn find_cjk_font() -> Option<(PathBuf, u32)> {
    let system_root = std::env::var_os("SystemRoot").or_else(|| std::env::var_os("windir"));
    candidates(system_root.as_deref().map(Path::new)).find(|(p, _)| p.is_file())
}

/// Where to look, in order: Windows' fonts in the folder `system_root` names first (Windows
/// installed on D:, or in another folder than C:\Windows), then the well-known paths.
fn candidates(system_root: Option<&Path>) -> impl Iterator<Item = (PathBuf, u32)> {
    let windows = system_root.into_iter().flat_map(|root| {
        WINDOWS_FONTS
            .iter()
            .map(|f| (root.join("Fonts").join(f), 0))
    });
    let known = CANDIDATES.iter().map(|&(p, i)| (PathBuf::from(p), i));
    windows.chain(known)
}

/// Adds egui's built-in monospace font (Hack) as the last fallback of the proportional family,
/// for the symbols the proportional font lacks (▲ ▼ ● ← →). Call before any text of the
/// first frame is laid out; it keeps fonts added before.
pub fn add_symbols(ctx: &egui::Context) {
    let defaults = egui::FontDefinitions::default();
    if let Some(hack) = defaults.font_data.get("Hack") {
        ctx.add_font(FontInsert {
            name: "symbols".to_owned(),
            data: (**hack).clone(),
            families: vec![InsertFontFamily {
                family: FontFamily::Proportional,
                priority: FontPriority::Lowest,
            }],
        });
    }
}

/// The size of egui's small text, in points: its own 9 was too small to read in the plot's
/// hints and the notes under the toolbar and the filters (the body text is 13).
pub const SMALL: f32 = 11.0;

/// Makes the small text of every theme [`SMALL`] points high.
pub fn readable_small(ctx: &egui::Context) {
    ctx.all_styles_mut(|s| {
        s.text_styles
            .insert(egui::TextStyle::Small, egui::FontId::proportional(SMALL));
    });
}

/// Adds `bytes` as the last fallback of both font families.
pub fn install(ctx: &egui::Context, bytes: Vec<u8>, index: u32) {
    let mut data = FontData::from_owned(bytes);
    data.index = index;
    ctx.add_font(FontInsert {
        name: "cjk-fallback".to_owned(),
        data,
        families: [FontFamily::Proportional, FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    });
}

/// Finds and reads a CJK font on a thread named `fonts` and installs it when read; the
/// window shows meanwhile. Returns the path it will use, if any.
pub fn load_in_background(ctx: &egui::Context) -> Option<PathBuf> {
    let (path, index) = find_cjk_font()?;
    let ctx = ctx.clone();
    let file = path.clone();
    let spawned = std::thread::Builder::new()
        .name("fonts".into())
        .spawn(move || {
            if let Ok(bytes) = std::fs::read(&file) {
                install(&ctx, bytes, index);
                ctx.request_repaint();
            }
        });
    spawned.ok().map(|_| path)
}

/// Text sizes beside egui's text styles: the plot's headline and the details' endpoint.
pub const HEADLINE: f32 = 15.0;
/// The details' diagnosis.
pub const DIAGNOSIS: f32 = 14.0;
/// The details' packet lines (monospace).
pub const PACKET_LINES: f32 = 11.5;

/// The characters the app's tables, details and plot are written with.
const COMMON_GLYPHS: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`\
     abcdefghijklmnopqrstuvwxyz{|}~…·–—≥≤×▲▼●←→";

/// Draws the common glyphs of every font the app writes with into egui's font atlas at once,
/// while the start screen shows little: egui draws a glyph the first time it is laid out, so
/// the frames that first showed a capture's table, details and plot, or a newly selected
/// offender's details, drew them then (scripts/bench-gui.sh, after loading: slowest frame
/// 7.6-19 ms before, 3.5-4 ms with this; 99th percentile 7.5-14 ms before, 3.4-3.6 ms).
pub fn warm_glyphs(ctx: &egui::Context) {
    let mut fonts: Vec<egui::FontId> = ctx.global_style().text_styles.values().cloned().collect();
    fonts.extend([
        egui::FontId::proportional(HEADLINE),
        egui::FontId::monospace(HEADLINE),
        egui::FontId::proportional(DIAGNOSIS),
        egui::FontId::monospace(PACKET_LINES),
    ]);
    ctx.fonts_mut(|f| {
        for font in fonts {
            let _ = f.layout_no_wrap(COMMON_GLYPHS.to_owned(), font, egui::Color32::WHITE);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The case this pins: on a Windows installed on D: (%SystemRoot% D:\Windows) only the
    /// C:\Windows paths were looked at, and CJK process names and paths showed as boxes.
    #[test]
    fn windows_fonts_are_looked_for_where_system_root_says_first() {
        let root = Path::new("D:").join("Windows");
        let first: Vec<PathBuf> = candidates(Some(&root)).take(2).map(|(p, _)| p).collect();
        assert_eq!(
            first,
            [
                root.join("Fonts").join("msyh.ttc"),
                root.join("Fonts").join("YuGothM.ttc")
            ]
        );
        // Without it, the well-known paths as before.
        let (p, _) = candidates(None).next().expect("a candidate");
        assert_eq!(p, PathBuf::from(CANDIDATES[0].0));
        assert_eq!(
            candidates(Some(&root)).count(),
            CANDIDATES.len() + WINDOWS_FONTS.len()
        );
    }
}
