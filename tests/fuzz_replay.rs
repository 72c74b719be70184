//! Replays the fuzz targets' saved corpus (fuzz/corpus/TARGET: the fewest inputs that kept
//! the coverage libFuzzer reached, see scripts/fuzz.sh) and every input a fuzzing run found
//! to crash or hang (fuzz/regressions/TARGET, each named after what it pins) through the same
//! bodies the fuzzer runs (`rstscope::fuzzing`), on the stable toolchain. Each input has a
//! deadline, so a loop fails the test instead of stalling CI.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Longest an input may take (the fuzzer's own timeout is 10 s on an optimized build).
const DEADLINE: Duration = Duration::from_secs(60);

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `body` on each input of `dir`, each within the deadline. Returns how many ran.
fn replay(dir: &Path, body: fn(&[u8])) -> usize {
    let files = inputs(dir);
    for file in &files {
        let data = std::fs::read(file).expect("read input");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            body(&data);
            let _ = tx.send(());
        });
        match rx.recv_timeout(DEADLINE) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{}: did not finish within {DEADLINE:?}", file.display())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("{}: panicked (see above)", file.display())
            }
        }
    }
    files.len()
}

fn fuzz_dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target)
}

fn replay_target(target: &str, body: fn(&[u8])) {
    let corpus = replay(&fuzz_dir("corpus", target), body);
    let found = replay(&fuzz_dir("regressions", target), body);
    eprintln!("fuzz replay {target}: {corpus} corpus inputs, {found} regressions");
    assert!(corpus > 0, "the saved corpus of {target} is missing");
}

#[test]
fn reader_corpus_and_regressions_replay() {
    replay_target("reader", rstscope::fuzzing::capture_file);
}

#[test]
fn file_corpus_and_regressions_replay() {
    replay_target("file", rstscope::fuzzing::capture_on_disk);
}

#[test]
fn chunks_corpus_and_regressions_replay() {
    replay_target("chunks", rstscope::fuzzing::chunked_pcap);
}

#[test]
fn elf_corpus_and_regressions_replay() {
    replay_target("elf", rstscope::fuzzing::elf);
}

#[test]
fn decode_corpus_and_regressions_replay() {
    replay_target("decode", rstscope::fuzzing::frame);
}

#[test]
fn engine_corpus_and_regressions_replay() {
    replay_target("engine", rstscope::fuzzing::packet_sequence);
}
