//! Runs one command and prints what it cost, for scripts/bench.sh: wall seconds, user and
//! system CPU seconds and peak resident memory in MB, on one line (`0.1391 0.1802 0.0598 21.4`).
//!
//!     cargo run --release --example bench_time -- COMMAND [ARG...]
//!
//! The command's standard output goes to /dev/null, its standard error to ours; a command that
//! fails makes this fail with its exit code.
//!
//! Why not GNU time: it gives times in hundredths of a second, and the benchmark's runs take
//! 0.1-0.3 s, where 0.01 s is the difference between PASS and MISS. Here the wall time is taken
//! around the child alone (spawn to wait4, by the monotonic clock) and the CPU times and peak
//! memory come from the kernel's account of the child (wait4's rusage, in microseconds). A
//! small program of its own, not a script: a child inherits its parent's peak memory across
//! exec, so a spawner of 13 MB (Python) would make every command's peak at least that.

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn main() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, ExitStatus, Stdio};
    use std::time::Instant;

    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: bench_time COMMAND [ARG...]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let child = match Command::new(&program)
        .args(args)
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("bench_time: cannot run {}: {e}", program.to_string_lossy());
            std::process::exit(127);
        }
    };
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child's, not yet waited for (std waits only when asked), and
    // both pointers are to live locals of the types wait4 takes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    if pid < 0 {
        eprintln!("bench_time: wait4: {}", std::io::Error::last_os_error());
        std::process::exit(1);
    }
    let status = ExitStatus::from_raw(status);
    if !status.success() {
        eprintln!("bench_time: {} {status}", program.to_string_lossy());
        std::process::exit(status.code().unwrap_or(1).max(1));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // ru_maxrss is in kilobytes on Linux (bytes on macOS).
    let kib = if cfg!(target_os = "macos") {
        1024.0
    } else {
        1.0
    };
    println!(
        "{wall:.4} {:.4} {:.4} {:.1}",
        seconds(usage.ru_utime),
        seconds(usage.ru_stime),
        usage.ru_maxrss as f64 / kib / 1024.0
    );
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn main() {
    eprintln!("bench_time: the benchmark runs on Linux and macOS only");
    std::process::exit(2);
}
