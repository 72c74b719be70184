//! The bundled sample capture (resources/story-7211.pcapng, 12 KB, saved by `rstscope capture
//! --write`, so it names the programs that served and connected): embedded in the program so
//! that "Open the sample" works from any install, written to the temporary folder when opened.

use std::path::PathBuf;

/// The capture's bytes.
pub const BYTES: &[u8] = include_bytes!("../../resources/story-7211.pcapng");
/// Its file name.
pub const FILE_NAME: &str = "story-7211.pcapng";

/// Writes the sample to the temporary folder and returns its path. Does file work: call it
/// off the UI thread.
pub fn write_to_temp() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("rstscope-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(FILE_NAME);
    std::fs::write(&path, BYTES)?;
    Ok(path)
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
        assert_eq!(std::fs::read(path).expect("written"), super::BYTES);
    }
}
