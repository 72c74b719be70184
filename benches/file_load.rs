//! How fast the desktop app loads a capture (a benchmark, not a test): runs the file job the
//! window runs (`pipeline::analyze_files`, its threads at the app's lower priority, results every
//! quarter second) and times the first intermediate result and the final one from the start.
//! The window draws a result on the frame after it arrives, so these are the times to the screen
//! within a frame. Run by `scripts/bench.sh`:
//!
//!     cargo bench --bench file_load -- FILE [RUNS]
//!
//! Prints one line per run, then the medians as `FIRST_S FULL_S`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rstscope::engine::EngineConfig;
use rstscope::pipeline::{Update, analyze_files};

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, without it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("file load benchmark: not run by cargo test; run scripts/bench.sh");
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(file) = args.first() else {
        eprintln!("usage: cargo bench --bench file_load -- FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut firsts = Vec::new();
    let mut fulls = Vec::new();
    for run in 1..=runs {
        let start = Instant::now();
        let mut job = analyze_files(vec![PathBuf::from(file)], EngineConfig::default(), || {});
        let mut first = None;
        let full = loop {
            match job.wait(Duration::from_secs(600)) {
                Some(Update::Partial(_)) if first.is_none() => first = Some(start.elapsed()),
                Some(Update::Finished(result)) => {
                    if let Err(e) = result {
                        eprintln!("file_load: {file}: {e}");
                        std::process::exit(2);
                    }
                    break start.elapsed();
                }
                Some(_) => {}
                None => {
                    eprintln!("file_load: {file}: no result within 10 minutes");
                    std::process::exit(1);
                }
            }
        };
        // A file read before the first quarter second has no intermediate result: the final
        // one is the first.
        let first = first.unwrap_or(full);
        println!(
            "run {run}: first result {:.3} s, final result {:.3} s",
            first.as_secs_f64(),
            full.as_secs_f64()
        );
        firsts.push(first.as_secs_f64());
        fulls.push(full.as_secs_f64());
    }
    println!("{:.3} {:.3}", median(&mut firsts), median(&mut fulls));
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
