//! Writes seed inputs for the fuzz targets (see `scripts/fuzz.sh`) from capture files:
//! `cargo run --example fuzz_seeds -- OUT_DIR FILE...` makes `OUT_DIR/reader` (the files
//! themselves, cut to 256 KiB), `OUT_DIR/decode` (distinct frames with their link type) and
//! `OUT_DIR/engine` (each file's TCP packets in the engine target's form).

use std::path::{Path, PathBuf};

use rstscope::fuzzing::seeds_from_capture;

/// Longest reader seed: libFuzzer mutates small inputs faster.
const MAX_READER_SEED: usize = 256 << 10;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: fuzz_seeds OUT_DIR FILE...");
        std::process::exit(2);
    };
    let dirs = ["reader", "decode", "engine"].map(|d| out.join(d));
    for d in &dirs {
        std::fs::create_dir_all(d)?;
    }
    let (mut frames, mut sequences) = (0, 0);
    for (n, file) in args.map(PathBuf::from).enumerate() {
        let name = seed_name(n, &file);
        let mut bytes = std::fs::read(&file)?;
        bytes.truncate(MAX_READER_SEED);
        std::fs::write(dirs[0].join(&name), bytes)?;
        let (decode, engine) = seeds_from_capture(&file, 64, 2000);
        for (i, f) in decode.iter().enumerate() {
            std::fs::write(dirs[1].join(format!("{name}-{i}")), f)?;
        }
        frames += decode.len();
        if engine.len() > 1 {
            std::fs::write(dirs[2].join(&name), engine)?;
            sequences += 1;
        }
    }
    eprintln!(
        "fuzz_seeds: {} frames, {} packet sequences under {}",
        frames,
        sequences,
        out.display()
    );
    Ok(())
}

/// A file name for the seeds of `file`: its number and name, so seeds of files with the same
/// name in different folders do not collide.
fn seed_name(n: usize, file: &Path) -> String {
    let base = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{n:03}-{base}")
}
