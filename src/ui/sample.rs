//! The bundled sample capture (resources/story-7211.pcapng, 12 KB, saved by `rstscope capture
//! --write`, so it names the programs that served and connected): embedded in the program so
//! that "Open the sample" works from any install, written to the temporary folder when opened
//! and removed from there when the app ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The capture's bytes.
pub const BYTES: &[u8] = include_bytes!("../../resources/story-7211.pcapng");
/// Its file name.
pub const FILE_NAME: &str = "story-7211.pcapng";

/// Copies written in this process: each in a folder of its own, so that removing one (its
/// app ending) never takes another's file from under it (tests run several apps at once).
static COPIES: AtomicU64 = AtomicU64::new(0);

/// Writes the sample to the temporary folder and returns its path. Does file work: call it
/// off the UI thread.
pub fn write_to_temp() -> std::io::Result<PathBuf> {
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    // A folder apart from the live captures' (`rstscope-PID`): removing the last copy
    // removes its parent, which took the captures' folder from under a capture being started
    // (seen in CI, two apps of one test process).
    let dir = std::env::temp_dir()
        .join(format!("rstscope-sample-{}", std::process::id()))
        .join(format!("sample-{n}"));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(FILE_NAME);
    std::fs::write(&path, BYTES)?;
    Ok(path)
}

/// Removes a copy [`write_to_temp`] wrote, with its folder, and the process's folder of
/// copies when nothing else is left in it. What cannot be
/// removed is left: the app is ending.
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut dir = path.parent();
    for _ in 0..2 {
        match dir {
            Some(d) if std::fs::remove_dir(d).is_ok() => dir = d.parent(),
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_sample_is_the_resource_file() {
        let on_disk = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/resources/story-7211.pcapng"
        ))
        .expect("resource present");
        assert_eq!(on_disk, super::BYTES);
        let path = super::write_to_temp().expect("temp folder writable");
        assert_eq!(std::fs::read(&path).expect("written"), super::BYTES);
        super::remove(&path);
        assert!(!path.exists() && path.parent().is_some_and(|d| !d.exists()));
    }
}
