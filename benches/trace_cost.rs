//! What the connect trace costs (a benchmark, not a test; Linux, root): the CPU time of its
//! reader thread (`connect-trace`, from `/proc/self/task/<tid>/schedstat`) over bounded loads
//! that make the kernel events it reads, and the tracepoints' cost to the loads themselves
//! (their wall time, with and without the trace). Without root or tracefs, says SKIPPED. Run
//! with `cargo bench --bench trace_cost`.
//!
//! Loads, each bounded in count:
//! - `processes`: `BENCH_PROCESSES` (default 2000) runs of `/bin/true` from one shell: an exec
//!   and an exit each.
//! - `threads`: `BENCH_THREADS` (default 20000) threads of this process, each started and
//!   joined at once: a thread exit each.
//! - `connecting`: `BENCH_CONNECTS` (default 300) short-lived shells that connect once to a
//!   closed port on 127.0.0.1 and end, each started through `env` (as cron, `ip netns exec` or
//!   `sudo` start a program: the process ran another program before the one that connects).
//!   Each refused connect's sighting should carry
//!   the shell's path (`.../bash`); one carrying `env`'s was named after the program its
//!   process ran before.
//!
//! The benchmark runs in a network namespace of its own (it leaves the machine's as it starts,
//! loopback brought up), so no connect reaches this machine's loopback; the loads run there
//! too, as the trace passes on only the connects of its own process's namespace.

#[cfg(target_os = "linux")]
mod trace {
    use std::collections::HashSet;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use rstscope::host::ProcessSighting;
    use rstscope::host::connect_trace::ConnectTrace;

    fn count(var: &str, default: u32) -> u32 {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// The thread of this process named `name`.
    fn thread_named(name: &str) -> Option<String> {
        std::fs::read_dir("/proc/self/task")
            .ok()?
            .flatten()
            .find(|t| {
                std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
            })
            .map(|t| t.file_name().to_string_lossy().into_owned())
    }

    /// CPU time of thread `tid` so far, in nanoseconds.
    fn cpu_ns(tid: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    fn shell(script: &str) {
        let status = Command::new("bash")
            .arg("-c")
            .arg(script)
            .status()
            .expect("bash runs");
        assert!(status.success(), "{script}: {status}");
    }

    /// Moves this process, still one thread, into a new network namespace with its loopback
    /// up; `false` where it may not (not root).
    fn own_network_namespace() -> bool {
        // SAFETY: unshare takes no pointers; called before any other thread exists, so the
        // whole process, and every thread and child started later, is in the new namespace.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return false;
        }
        Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
            .is_ok_and(|s| s.success())
    }

    fn load(name: &str, processes: u32, threads: u32, connects: u32) {
        match name {
            "processes" => shell(&format!(
                "for ((i = 0; i < {processes}; i++)); do /bin/true; done"
            )),
            "threads" => {
                for _ in 0..threads {
                    std::thread::spawn(|| {}).join().expect("thread ends");
                }
            }
            _ => shell(&format!(
                "for ((i = 0; i < {connects}; i++)); do env bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null; done; true"
            )),
        }
    }

    pub fn main() {
        if !own_network_namespace() {
            println!("SKIPPED: no network namespace of its own (root is needed)");
            return;
        }
        let processes = count("BENCH_PROCESSES", 2000);
        let threads = count("BENCH_THREADS", 20_000);
        let connects = count("BENCH_CONNECTS", 300);
        let loads = ["processes", "threads", "connecting"];
        // Wall time of each load without the trace, after one run to warm caches.
        for l in loads {
            load(l, processes / 4, threads / 4, connects / 4);
        }
        let mut bare = Vec::new();
        for l in loads {
            let t = Instant::now();
            load(l, processes, threads, connects);
            bare.push(t.elapsed());
        }
        let mut trace = match ConnectTrace::start() {
            Ok(t) => t,
            Err(e) => {
                println!("SKIPPED: {e}");
                return;
            }
        };
        // The thread names itself as it starts.
        let tid = (0..50)
            .find_map(|_| {
                std::thread::sleep(Duration::from_millis(20));
                thread_named("connect-trace")
            })
            .expect("the reader thread");
        let mut seen: Vec<ProcessSighting> = Vec::new();
        std::thread::sleep(Duration::from_millis(300));
        let idle = cpu_ns(&tid);
        std::thread::sleep(Duration::from_secs(2));
        let idle = cpu_ns(&tid) - idle;
        println!("idle: {:.2} ms CPU a second", idle as f64 / 2e6);
        for (l, bare) in loads.iter().zip(bare) {
            let before = cpu_ns(&tid);
            let t = Instant::now();
            load(l, processes, threads, connects);
            let wall = t.elapsed();
            // The reader reads every 0.1 s: let it take the rest.
            for _ in 0..6 {
                std::thread::sleep(Duration::from_millis(50));
                trace.drain(&mut seen);
            }
            let spent = cpu_ns(&tid) - before;
            let n = match *l {
                "processes" => processes,
                "threads" => threads,
                _ => connects,
            };
            println!(
                "{l}: {n} in {wall:.2?} ({bare:.2?} without the trace); reader {:.1} ms CPU, {:.2} us each",
                spent as f64 / 1e6,
                spent as f64 / 1e3 / f64::from(n)
            );
        }
        let refused: Vec<&ProcessSighting> = seen
            .iter()
            .filter(|s| s.remote.is_some_and(|r| r.port() == 9))
            .collect();
        let pids: HashSet<u32> = refused.iter().map(|s| s.pid).collect();
        let named = |f: &dyn Fn(&ProcessSighting) -> bool| refused.iter().filter(|s| f(s)).count();
        let ran = |s: &ProcessSighting, program: &str| {
            s.exe
                .as_deref()
                .is_some_and(|e| e.rsplit('/').next() == Some(program))
        };
        println!(
            "connecting: {} sightings of {} processes; with a name {}, with the program's path {}, \
         with the path of the program before it {}; lost {}",
            refused.len(),
            pids.len(),
            named(&|s| !s.name.is_empty()),
            named(&|s| ran(s, "bash")),
            named(&|s| ran(s, "env")),
            trace.lost()
        );
    }
}

fn main() {
    #[cfg(target_os = "linux")]
    trace::main();
    #[cfg(not(target_os = "linux"))]
    println!("trace_cost: SKIPPED: the connect trace is Linux's (tracefs)");
}
