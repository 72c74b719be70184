//! The agent's own process as a monitoring system watches any exporter: the `process_*`
//! metrics of the Prometheus clients' standard process collector (CPU seconds, resident and
//! virtual memory, open and allowed file descriptors, threads, start time), read at each
//! scrape, so that an agent left running for weeks can be alerted on like the rest of the
//! host's exporters.

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// One reading of the agent's process. What the OS does not give (threads and a file limit on
/// Windows; wine answers 0 for the virtual size and the handles, which no running Windows
/// process has) is `None`, and its metric is left out rather than shown as zero.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OwnProcess {
    /// User and system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub resident_bytes: u64,
    /// Virtual memory, in bytes.
    pub virtual_bytes: Option<u64>,
    /// Open file descriptors (handles).
    pub open_fds: Option<u64>,
    /// The most file descriptors the process may open.
    pub max_fds: Option<u64>,
    /// Threads.
    pub threads: Option<u64>,
    /// The C allocator's figures (glibc).
    pub heap: Option<super::heap::Heap>,
}

/// Reads [`OwnProcess`]; keeps the OS's process reader between scrapes.
pub struct OwnProcessReader {
    system: Option<System>,
    pid: Pid,
}

impl Default for OwnProcessReader {
    fn default() -> Self {
        Self {
            system: System::new().ok(),
            pid: Pid::from_u32(std::process::id()),
        }
    }
}

impl OwnProcessReader {
    /// The process now; `None` when the OS would not say.
    pub fn read(&mut self) -> Option<OwnProcess> {
        let system = self.system.as_mut()?;
        let kind = ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_tasks()
            .with_exe(UpdateKind::Never);
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&[self.pid]), true, kind);
        let p = system.process(self.pid)?;
        Some(OwnProcess {
            cpu_seconds: p.accumulated_cpu_time() as f64 / 1000.0,
            resident_bytes: p.memory(),
            virtual_bytes: Some(p.virtual_memory()).filter(|&n| n > 0),
            open_fds: p.open_files().map(|n| n as u64).filter(|&n| n > 0),
            // Windows has no such limit (sysinfo gives the C runtime's stdio limit instead).
            max_fds: p
                .open_files_limit()
                .map(|n| n as u64)
                .filter(|&n| n > 0 && cfg!(not(windows))),
            threads: p
                .tasks()
                .map(|t| t.len() as u64)
                .filter(|&n| n > 0)
                .or_else(threads_of_this_process),
            heap: super::heap::read(),
        })
    }
}

/// Threads where the process reader gives no task list.
#[cfg(target_os = "linux")]
fn threads_of_this_process() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(not(target_os = "linux"))]
fn threads_of_this_process() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reading is of this process, as it is: the memory the test just touched is
    /// resident, its CPU time grows while it spins, and it counts the thread it started
    /// beside the test's own.
    #[test]
    fn reads_this_process_cpu_memory_and_threads() {
        let mut reader = OwnProcessReader::default();
        let before = reader.read().expect("this process");
        let block = vec![1u8; 64 << 20];
        // Spins until the reader sees 0.25 s more CPU (or 30 s pass): a machine busy with
        // other tests gives this thread less than its wall time, so a fixed spin may not do.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut x = 0u64;
        loop {
            let spin = std::time::Instant::now();
            while spin.elapsed() < std::time::Duration::from_millis(50) {
                x = x
                    .wrapping_mul(31)
                    .wrapping_add(u64::from(block[x as usize % block.len()]));
            }
            let now = reader.read().expect("this process");
            if now.cpu_seconds >= before.cpu_seconds + 0.25 || std::time::Instant::now() > deadline
            {
                break;
            }
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let extra = std::thread::spawn(move || rx.recv());
        let after = reader.read().expect("this process");
        drop(tx);
        let _ = extra.join();
        assert!(x != 1, "the spin ran");
        assert!(after.resident_bytes >= 64 << 20, "{after:?}");
        assert!(
            after.cpu_seconds >= before.cpu_seconds + 0.2,
            "{before:?} {after:?}"
        );
        #[cfg(any(target_os = "linux", target_os = "macos"))]
        {
            assert!(
                after
                    .virtual_bytes
                    .is_some_and(|v| v >= after.resident_bytes),
                "{after:?}"
            );
            assert!(after.open_fds.is_some_and(|n| n >= 3), "{after:?}");
            assert!(
                after
                    .max_fds
                    .zip(after.open_fds)
                    .is_some_and(|(m, n)| m >= n),
                "{after:?}"
            );
        }
        #[cfg(target_os = "linux")]
        assert!(after.threads.is_some_and(|n| n >= 2), "{after:?}");
        drop(block);
    }
}
