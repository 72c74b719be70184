//! Process details (name, executable, command line, user, start time) through `sysinfo`, and
//! on Windows the services each process hosts (`EnumServicesStatusExW`).
//!
//! Only the processes the socket table or a connect event named are read, and each once
//! while it lives: a busy host has thousands of processes, a report names a handful.
//!
//! On Windows many services share one `svchost.exe`, so "svchost.exe (pid 1234)" says little:
//! the services running in that process (`Dnscache`, `NlaSvc`, ...) say which one listens. They
//! are read once per pass over new processes, from the service manager's list of running
//! services with their process IDs.

use std::collections::HashMap;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

use super::program::{Program, Script};

/// Most processes remembered; past this the oldest entries are forgotten (their details
/// stay in the records that already copied them).
pub const MAX_REMEMBERED: usize = 4096;
/// What the details of the processes remembered may hold together ([`ProcessInfo::heap_bytes`]):
/// past it the oldest are forgotten too. A path is up to 4 KiB and a command line up to
/// [`MAX_CMDLINE_BYTES`]: 4,096 processes with both that long would hold 34 MB here and as
/// much again in the host's state ([`crate::host::state`]); with the usual lengths (a few
/// hundred bytes) the count's cap is reached first.
pub const MAX_DETAIL_BYTES: usize = 2 << 20;
/// Bytes kept of a command line (its start): a command line may be megabytes long
/// (`ARG_MAX`), and the reports show its first 160 characters.
pub const MAX_CMDLINE_BYTES: usize = 4096;

/// A process as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessInfo {
    /// Process ID.
    pub pid: u32,
    /// Name (Linux: `comm`, up to 15 bytes).
    pub name: String,
    /// Executable path, when readable (symbolic links resolved); for a process that ended
    /// before it was read, the path it was started by, where a connect trace saw it start,
    /// resolved the same way.
    pub exe: Option<String>,
    /// Command line, arguments joined by spaces, when readable.
    pub cmdline: Option<String>,
    /// User name (or numeric ID when the name is unknown).
    pub user: Option<String>,
    /// Start time, Unix seconds (the second it began in: truncated, as the kernel's event
    /// times are).
    pub started: Option<u64>,
    /// Windows: the services this process hosts (a `svchost.exe` runs several), which tell
    /// two processes of the same name apart. Empty elsewhere and when none.
    pub services: Vec<String>,
    /// The script it runs through an interpreter (`python3 collector.py`), read from its
    /// arguments as the OS gave them; what names it ([`Self::program`]). Absent from a host
    /// report saved by an rstscope before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
    /// Windows: the OS refused this rstscope, not run as administrator, the process's path
    /// and command line (another user's process, or a service's): its PID and name come from
    /// the socket table and the process list, which every user may read. What names it says
    /// so, with what shows the rest. False elsewhere, and in host reports saved before it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

impl ProcessInfo {
    /// What it holds besides itself: its texts. What [`MAX_DETAIL_BYTES`] counts.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.name.capacity()
            + self.exe.as_ref().map_or(0, String::capacity)
            + self.cmdline.as_ref().map_or(0, String::capacity)
            + self.user.as_ref().map_or(0, String::capacity)
            + self.services.capacity() * std::mem::size_of::<String>()
            + self.services.iter().map(String::capacity).sum::<usize>()
            + (self.script.as_ref()).map_or(0, |s| s.interpreter.capacity() + s.given.capacity())
    }

    /// A process known only by PID and name (it ended before its details were read).
    #[must_use]
    pub fn bare(pid: u32, name: &str) -> Self {
        Self {
            pid,
            name: name.to_owned(),
            exe: None,
            cmdline: None,
            user: None,
            started: None,
            services: Vec::new(),
            script: None,
            restricted: false,
        }
    }

    /// The program as rstscope names it: `collector.py (python3)` for a script, else the name.
    #[must_use]
    pub fn program(&self) -> Program<'_> {
        Program {
            name: &self.name,
            script: self.script.as_ref(),
        }
    }

    /// `name (pid N, /path/to/exe)`, `collector.py (python3, pid N, /usr/bin/python3.11)`:
    /// the way text reports name a process.
    #[must_use]
    pub fn label(&self) -> String {
        if self.pid == super::sockets::UNSEEN_PID {
            return unseen_label(cfg!(windows)).to_owned();
        }
        if self.is_windows_kernel() {
            return format!("{} (pid {}, {WINDOWS_KERNEL})", self.name, self.pid);
        }
        let services = if self.services.is_empty() {
            String::new()
        } else {
            format!("; services {}", self.services.join(", "))
        };
        let restricted = if self.restricted {
            format!("; {WINDOWS_RESTRICTED}")
        } else {
            String::new()
        };
        let facts = match &self.exe {
            Some(exe) => format!("pid {}, {exe}{services}{restricted}", self.pid),
            None => format!("pid {}{services}{restricted}", self.pid),
        };
        self.program().with([facts])
    }
}

/// What is said of a process whose details Windows refused this rstscope (see
/// [`ProcessInfo::restricted`]).
pub const WINDOWS_RESTRICTED: &str = "its path and command line are shown to administrators \
     only: run rstscope as administrator to see them";

/// What a Windows listener of PID 4 is, for reports and the app.
pub const WINDOWS_KERNEL: &str = "the Windows kernel: a driver such as HTTP.sys (IIS, \
     WinRM) or SMB listens there for another program; `netsh http show servicestate` names \
     HTTP.sys's";

/// How text reports name a listener whose process cannot be seen; `windows`: as the Windows
/// build says it (Windows names every socket's owner to every user, and gives PID 0 only for a
/// socket it knows no owner of; wine does for nearly every socket).
#[must_use]
pub fn unseen_label(windows: bool) -> &'static str {
    if windows {
        "a process Windows did not name (its socket table gives no owner, PID 0)"
    } else {
        "a process rstscope cannot see (another PID namespace such as a container, or another \
         user's without root)"
    }
}

impl ProcessInfo {
    /// PID 4, `System`: the Windows kernel, which owns the listeners of its drivers (HTTP.sys,
    /// SMB) whichever program they serve. No other OS gives PID 4 that name.
    #[must_use]
    pub fn is_windows_kernel(&self) -> bool {
        self.pid == 4 && self.name == "System"
    }
}

/// The services of each process: `(pid, service name)` pairs grouped by PID, names sorted
/// and each once. PID 0 (a service that is not running) is left out.
#[must_use]
pub fn services_by_pid(
    running: impl IntoIterator<Item = (u32, String)>,
) -> HashMap<u32, Vec<String>> {
    let mut by_pid: HashMap<u32, Vec<String>> = HashMap::new();
    for (pid, name) in running {
        if pid != 0 && !name.is_empty() {
            by_pid.entry(pid).or_default().push(name);
        }
    }
    for names in by_pid.values_mut() {
        names.sort_by_key(|n| n.to_lowercase());
        names.dedup();
    }
    by_pid
}

/// The running services with the process each runs in (Windows' service manager).
#[cfg(windows)]
mod services {
    use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, GetLastError};
    use windows_sys::Win32::System::Services::{
        CloseServiceHandle, ENUM_SERVICE_STATUS_PROCESSW, EnumServicesStatusExW, OpenSCManagerW,
        SC_ENUM_PROCESS_INFO, SC_MANAGER_ENUMERATE_SERVICE, SERVICE_ACTIVE, SERVICE_WIN32,
    };

    /// Bytes asked for at most per call (the list of a busy server is well under this).
    const CHUNK: usize = 256 * 1024;

    /// `(pid, service name)` of every running Win32 service; empty when the service manager
    /// cannot be read (the names are then left out, nothing else changes).
    pub(super) fn running() -> Vec<(u32, String)> {
        // SAFETY: null machine and database names mean this machine's active database; the
        // handle is closed below.
        let manager = unsafe {
            OpenSCManagerW(
                std::ptr::null(),
                std::ptr::null(),
                SC_MANAGER_ENUMERATE_SERVICE,
            )
        };
        if manager.is_null() {
            return Vec::new();
        }
        let mut out = Vec::new();
        // u64s, so that the records the call writes at the start of the buffer are aligned.
        let mut buf = vec![0u64; CHUNK / 8];
        let mut resume = 0u32;
        loop {
            let (mut needed, mut count) = (0u32, 0u32);
            // SAFETY: the buffer pointer and its size in bytes describe `buf`, which outlives
            // the call; the counters and resume handle are locals; a null group name means
            // every group.
            let ok = unsafe {
                EnumServicesStatusExW(
                    manager,
                    SC_ENUM_PROCESS_INFO,
                    SERVICE_WIN32,
                    SERVICE_ACTIVE,
                    buf.as_mut_ptr().cast(),
                    u32::try_from(CHUNK).unwrap_or(u32::MAX),
                    &mut needed,
                    &mut count,
                    &mut resume,
                    std::ptr::null(),
                )
            };
            // SAFETY: GetLastError takes no arguments.
            let more = ok == 0 && unsafe { GetLastError() } == ERROR_MORE_DATA;
            if ok == 0 && !more {
                break;
            }
            let records = buf.as_ptr().cast::<ENUM_SERVICE_STATUS_PROCESSW>();
            for i in 0..count as usize {
                // SAFETY: the call wrote `count` records at the start of `buf`, whose name
                // pointers point at NUL-terminated strings later in the same buffer.
                let (pid, name) = unsafe {
                    let r = &*records.add(i);
                    (
                        r.ServiceStatusProcess.dwProcessId,
                        wide_str(r.lpServiceName),
                    )
                };
                out.push((pid, name));
            }
            if !more || count == 0 {
                break;
            }
        }
        // SAFETY: `manager` was opened above and is not used after this.
        unsafe { CloseServiceHandle(manager) };
        out
    }

    /// A NUL-terminated UTF-16 string.
    ///
    /// # Safety
    /// `p` is null or points at a NUL-terminated UTF-16 string.
    unsafe fn wide_str(p: *const u16) -> String {
        if p.is_null() {
            return String::new();
        }
        let mut len = 0;
        // SAFETY: the caller promises a terminating NUL, so every unit read up to it is in
        // the string.
        unsafe {
            while *p.add(len) != 0 {
                len += 1;
            }
            String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
        }
    }
}

/// Reads and remembers process details.
pub struct Processes {
    /// `None` where sysinfo cannot read processes on this OS: names come from the socket
    /// table and connect events alone.
    system: Option<System>,
    /// Read on first need; `None` inside when the user list cannot be read.
    users: Option<Option<Users>>,
    known: HashMap<u32, ProcessInfo>,
    /// What `known`'s details hold ([`ProcessInfo::heap_bytes`] summed).
    known_bytes: usize,
    order: std::collections::VecDeque<u32>,
    /// This process runs elevated (Windows: as administrator; elsewhere taken as so, as
    /// nothing there is [`ProcessInfo::restricted`]).
    elevated: bool,
}

/// Whether `p`, read by an rstscope `elevated` or not, was refused its details: Windows, not
/// elevated, neither its path nor its command line readable. Never the Windows kernel
/// (`System`, PID 4), which has neither for anyone: running as administrator shows nothing
/// more of it.
fn restricted(elevated: bool, p: &ProcessInfo) -> bool {
    !elevated && p.exe.is_none() && p.cmdline.is_none() && !p.is_windows_kernel()
}

impl Default for Processes {
    fn default() -> Self {
        Self::new()
    }
}

impl Processes {
    /// Nothing read yet.
    #[must_use]
    pub fn new() -> Self {
        Self {
            system: System::new().ok(),
            users: None,
            known: HashMap::new(),
            known_bytes: 0,
            order: std::collections::VecDeque::new(),
            #[cfg(windows)]
            elevated: super::windows::elevated(),
            #[cfg(not(windows))]
            elevated: true,
        }
    }

    /// Nothing read yet, as an rstscope `elevated` or not reads (the tests of what a user's
    /// rstscope says of the processes Windows refuses it, run by an administrator's).
    #[cfg(all(test, windows))]
    pub(super) fn as_if_elevated(elevated: bool) -> Self {
        Self {
            elevated,
            ..Self::new()
        }
    }

    /// Details of `pid`: remembered, or read now. `name_hint` (from the socket table or a
    /// connect event) stands in when the process is already gone.
    pub fn describe(&mut self, pid: u32, name_hint: &str) -> ProcessInfo {
        if let Some(p) = self.known.get(&pid) {
            return p.clone();
        }
        self.read(&[pid]);
        self.known
            .get(&pid)
            .cloned()
            .unwrap_or_else(|| ProcessInfo::bare(pid, name_hint))
    }

    /// Reads every PID of `pids` not yet known, in one pass.
    pub fn read(&mut self, pids: &[u32]) {
        let new: Vec<Pid> = pids
            .iter()
            .filter(|p| !self.known.contains_key(p))
            .map(|&p| Pid::from_u32(p))
            .collect();
        let Some(system) = &mut self.system else {
            return;
        };
        if new.is_empty() {
            return;
        }
        let kind = ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::OnlyIfNotSet)
            .with_cmd(UpdateKind::OnlyIfNotSet)
            .with_user(UpdateKind::OnlyIfNotSet);
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&new), true, kind);
        #[cfg(windows)]
        let mut services = services_by_pid(services::running());
        let mut infos = Vec::with_capacity(new.len());
        for pid in new {
            let Some(p) = system.process(pid) else {
                continue;
            };
            let cmd: Vec<String> = p
                .cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let user = p.user_id().map(|uid| {
                self.users
                    .get_or_insert_with(|| Users::new_with_refreshed_list().ok())
                    .as_ref()
                    .and_then(|users| users.get_user_by_id(uid))
                    .map_or_else(|| uid.to_string(), |u| u.name().to_owned())
            });
            let mut info = ProcessInfo {
                pid: pid.as_u32(),
                name: p.name().to_string_lossy().into_owned(),
                exe: p.exe().map(|e| e.display().to_string()),
                cmdline: (!cmd.is_empty()).then(|| {
                    let mut line = cmd.join(" ");
                    line.truncate(super::program::head(&line, MAX_CMDLINE_BYTES).len());
                    line.shrink_to_fit();
                    line
                }),
                script: Script::of(cmd.iter().map(String::as_str)),
                user,
                started: start_time(pid.as_u32())
                    .or(Some(p.start_time()))
                    .filter(|&t| t > 0),
                #[cfg(windows)]
                services: services.remove(&pid.as_u32()).unwrap_or_default(),
                #[cfg(not(windows))]
                services: Vec::new(),
                restricted: false,
            };
            info.restricted = restricted(self.elevated, &info);
            infos.push(info);
        }
        for info in infos {
            self.remember(info);
        }
        // sysinfo keeps every process it found running, ended since or not, until it is asked
        // of it again (each is asked once): a fresh list past the cap, or on a machine that
        // starts a process a connect (the agent's soak benchmark: 200 a second) it would hold
        // one for every PID of the machine's range (up to 4,194,304) found running once.
        if self
            .system
            .as_ref()
            .is_some_and(|s| s.processes().len() > MAX_REMEMBERED)
        {
            self.system = System::new().ok();
        }
    }

    /// Forgets `pid` (it was seen to end), so a later process with the same PID is read anew.
    pub fn forget(&mut self, pid: u32) {
        if let Some(p) = self.known.remove(&pid) {
            self.known_bytes -= p.heap_bytes();
        }
    }

    fn remember(&mut self, info: ProcessInfo) {
        self.order.push_back(info.pid);
        self.known_bytes += info.heap_bytes();
        if let Some(old) = self.known.insert(info.pid, info) {
            self.known_bytes -= old.heap_bytes();
        }
        // The order holds the PIDs forgotten since too ([`Self::forget`] leaves them there):
        // it is cut to the cap as well, the oldest first (a PID remembered again later stays).
        // Regression: only `known` was capped, and an agent kept a PID in the order for every
        // process ever read that ended (each `curl` of a scrape: a few a minute, for weeks).
        while self.order.len() > MAX_REMEMBERED || self.known_bytes > MAX_DETAIL_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if !self.order.contains(&old)
                && let Some(p) = self.known.remove(&old)
            {
                self.known_bytes -= p.heap_bytes();
            }
        }
    }
}

/// The start of process `pid` in Unix seconds, on Linux read here rather than taken from
/// sysinfo's: sysinfo adds the whole seconds of the process's start ticks to `/proc/stat`'s
/// `btime`, both truncated, which put a start up to 2 s early, a second before the exec the
/// connect trace saw of it (1796704848 for an exec at 1796704849.01). None where it cannot be
/// read (a process gone since), and elsewhere.
#[cfg(target_os = "linux")]
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // SAFETY: sysconf reads a constant of the system; it has no memory to misuse.
    let ticks_per_second = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    started_at(start_ticks(&stat)?, ticks_per_second, boot_unix_ns())
}

#[cfg(not(target_os = "linux"))]
fn start_time(_: u32) -> Option<u64> {
    None
}

/// The process's start in `/proc/PID/stat` (its 22nd field), clock ticks after boot: counted
/// after the name's closing parenthesis, as a name may hold spaces and parentheses.
#[cfg(any(target_os = "linux", test))]
fn start_ticks(stat: &str) -> Option<u64> {
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(19)?.parse().ok()
}

/// When the machine booted, Unix nanoseconds: `CLOCK_REALTIME - CLOCK_BOOTTIME` (the clock a
/// process's start ticks count on), to the nanosecond where `btime` is whole seconds. Read
/// once: a process's start is compared from sample to sample (a listener carried over is the
/// same process where its PID and start are), and the two clocks read again each time would
/// put a start within microseconds of a second's edge in one second or the next.
#[cfg(target_os = "linux")]
fn boot_unix_ns() -> i128 {
    static BOOT: std::sync::OnceLock<i128> = std::sync::OnceLock::new();
    *BOOT.get_or_init(read_boot_unix_ns)
}

#[cfg(target_os = "linux")]
#[allow(
    clippy::useless_conversion,
    reason = "time_t and c_long are i32 on 32-bit targets"
)]
fn read_boot_unix_ns() -> i128 {
    let ns = |clock| {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable timespec that clock_gettime only writes to.
        unsafe { libc::clock_gettime(clock, &mut now) };
        i128::from(now.tv_sec) * 1_000_000_000 + i128::from(now.tv_nsec)
    };
    let before = ns(libc::CLOCK_BOOTTIME);
    let unix = ns(libc::CLOCK_REALTIME);
    let after = ns(libc::CLOCK_BOOTTIME);
    unix - (before + after) / 2
}

/// A process's start in Unix seconds, from its `ticks` after a boot at `boot_unix_ns`: the
/// second it began in (truncated, as the kernel events' times are when told in seconds), to
/// the tick's precision (10 ms), where the boot time is exact. None before 1970.
#[cfg(any(target_os = "linux", test))]
fn started_at(ticks: u64, ticks_per_second: u64, boot_unix_ns: i128) -> Option<u64> {
    let since_boot = i128::from(ticks) * 1_000_000_000 / i128::from(ticks_per_second.max(1));
    u64::try_from((boot_unix_ns + since_boot).div_euclid(1_000_000_000)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (terminal trial): a restarted program's `started` was 1796704848 where the
    /// connect trace saw its exec at 1796704849.01: sysinfo's whole seconds of `btime` plus
    /// the whole seconds of its start ticks, both truncated, lost up to 2 s.
    #[test]
    fn regression_a_start_is_the_second_it_began_in() {
        // Booted at 1796704800.6; started 48.41 s later, at 1796704849.01.
        let boot = 1_796_704_800_600_000_000;
        assert_eq!(started_at(4841, 100, boot), Some(1_796_704_849));
        // sysinfo's: 1796704800 + 48.
        assert_eq!(1_796_704_800 + 4841 / 100, 1_796_704_848);
        // A start at 1796704849.99 is still of that second, not rounded to the next.
        assert_eq!(started_at(4939, 100, boot), Some(1_796_704_849));
        assert_eq!(started_at(4940, 100, boot), Some(1_796_704_850));
        assert_eq!(started_at(0, 0, -1), None);
    }

    /// The start ticks are counted after the name, which may hold spaces and parentheses.
    #[test]
    fn the_start_ticks_are_read_past_the_name() {
        let stat = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 \
                    0 4841 2555904 220 18446744073709551615";
        assert_eq!(start_ticks(stat), Some(4841));
        assert_eq!(start_ticks("4242 (cut"), None);
    }

    /// Processes with command lines and paths as long as they may be: what their details
    /// hold stays within [`MAX_DETAIL_BYTES`], the latest kept.
    #[test]
    fn long_process_details_stay_within_their_bytes() {
        let mut p = Processes::new();
        for pid in 0..(2 * MAX_REMEMBERED as u32) {
            p.remember(ProcessInfo {
                exe: Some(format!("/opt/{}/collector", "d".repeat(4000))),
                cmdline: Some("x".repeat(MAX_CMDLINE_BYTES)),
                ..ProcessInfo::bare(100_000 + pid, "collector")
            });
        }
        let held: usize = p.known.values().map(ProcessInfo::heap_bytes).sum();
        assert_eq!(held, p.known_bytes);
        assert!(held <= MAX_DETAIL_BYTES, "{held} bytes");
        assert!(
            p.known
                .contains_key(&(100_000 + 2 * MAX_REMEMBERED as u32 - 1))
        );
    }

    /// Processes read, then seen to end, for longer than the cap: neither the details nor
    /// their order grow past it (the order kept every PID read, for the agent's weeks).
    #[test]
    fn processes_read_and_forgotten_stay_within_the_cap() {
        let mut p = Processes::new();
        for pid in 0..(3 * MAX_REMEMBERED as u32) {
            p.remember(ProcessInfo::bare(100_000 + pid, "curl"));
            p.forget(100_000 + pid);
        }
        assert!(p.known.is_empty());
        assert!(p.order.len() <= MAX_REMEMBERED, "{}", p.order.len());
        // Remembered past the cap: the newest are kept, the oldest forgotten.
        for pid in 0..(MAX_REMEMBERED as u32 + 10) {
            p.remember(ProcessInfo::bare(pid, "bash"));
        }
        assert_eq!(p.known.len(), MAX_REMEMBERED);
        assert!(p.known.contains_key(&(MAX_REMEMBERED as u32 + 9)));
        assert!(!p.known.contains_key(&9));
    }

    #[test]
    fn this_process_is_described_with_its_executable() {
        let mut p = Processes::new();
        let me = p.describe(std::process::id(), "x");
        assert_eq!(me.pid, std::process::id());
        assert!(!me.name.is_empty());
        let exe = std::env::current_exe().expect("own exe");
        assert_eq!(me.exe.as_deref(), Some(exe.display().to_string().as_str()));
        assert!(me.cmdline.is_some());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let started = me.started.expect("started");
        assert!(started <= now && now - started < 3600, "{started} at {now}");
        assert!(me.label().contains(&format!("pid {}", std::process::id())));
    }

    /// A shell script running is described with the script it runs, read from its
    /// arguments, and named by it.
    #[cfg(unix)]
    #[test]
    fn a_running_script_is_named_by_its_script() {
        let dir = std::env::temp_dir().join(format!("rstscope-script-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let script = dir.join("poller.sh");
        std::fs::write(&script, "sleep 5\n").expect("write the script");
        let mut child = std::process::Command::new("sh")
            .arg(&script)
            .spawn()
            .expect("start sh");
        // Until the child has exec'd sh, it is a copy of this test program.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let info = loop {
            let info = Processes::new().describe(child.id(), "sh");
            if info.script.is_some() || std::time::Instant::now() > deadline {
                break info;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        let given = script.display().to_string();
        assert_eq!(
            info.script
                .as_ref()
                .map(|s| (s.interpreter.as_str(), s.given.as_str())),
            Some(("sh", given.as_str())),
            "{info:?}"
        );
        assert_eq!(info.program().text(), "poller.sh (sh)");
        assert!(
            info.label().starts_with("poller.sh (sh, pid "),
            "{}",
            info.label()
        );
    }

    #[test]
    fn services_are_grouped_by_process_sorted_and_once_each() {
        let by_pid = services_by_pid([
            (1044, "NlaSvc".to_owned()),
            (1044, "Dnscache".to_owned()),
            (880, "RpcSs".to_owned()),
            (1044, "nsi".to_owned()),
            // Stopped services have no process; a name listed twice counts once.
            (0, "Spooler".to_owned()),
            (880, "RpcSs".to_owned()),
        ]);
        assert_eq!(by_pid.len(), 2);
        assert_eq!(by_pid[&1044], ["Dnscache", "NlaSvc", "nsi"]);
        assert_eq!(by_pid[&880], ["RpcSs"]);
        assert!(!by_pid.contains_key(&0));
    }

    #[test]
    fn a_process_hosting_services_is_labelled_with_them() {
        let mut svchost = ProcessInfo::bare(1044, "svchost.exe");
        svchost.exe = Some("C:\\Windows\\System32\\svchost.exe".into());
        svchost.services = vec!["Dnscache".into(), "NlaSvc".into()];
        assert_eq!(
            svchost.label(),
            "svchost.exe (pid 1044, C:\\Windows\\System32\\svchost.exe; services Dnscache, NlaSvc)"
        );
        svchost.exe = None;
        assert_eq!(
            svchost.label(),
            "svchost.exe (pid 1044; services Dnscache, NlaSvc)"
        );
    }

    /// Every running service's process is described with that service (under wine: its own
    /// services, such as PlugPlay and RpcSs in their host processes). Wine starts and stops
    /// its services on demand, so a service may come or go between the test's look at the
    /// service manager and the one `describe` makes: the check is made on a process whose
    /// services were the same before and after, trying again (a few times) when they were not.
    #[cfg(windows)]
    #[test]
    fn a_running_services_process_is_described_with_its_services() {
        for _ in 0..5 {
            let running = services::running();
            let before = services_by_pid(running.clone());
            let Some((&pid, names)) = before.iter().next() else {
                panic!("no running service with a process: {running:?}");
            };
            let info = Processes::new().describe(pid, "?");
            let after = services_by_pid(services::running());
            if after.get(&pid) != Some(names) {
                eprintln!("the services of pid {pid} changed meanwhile: {names:?}, then {after:?}");
                std::thread::sleep(std::time::Duration::from_millis(500));
                continue;
            }
            assert_eq!(&info.services, names, "{info:?}");
            assert!(info.label().contains(&names[0]), "{}", info.label());
            eprintln!("described with its services: {}", info.label());
            return;
        }
        panic!("the running services changed at every one of 5 tries");
    }

    /// A listener of PID 4 is the kernel's, serving another program: said so, never as if
    /// `System` were that program. No owner (PID 0) on Windows is not blamed on another user
    /// or a container.
    #[test]
    fn the_windows_kernel_and_no_owner_are_said_as_they_are() {
        let kernel = ProcessInfo::bare(4, "System");
        assert!(kernel.is_windows_kernel());
        assert!(
            kernel
                .label()
                .starts_with("System (pid 4, the Windows kernel: a driver such as HTTP.sys"),
            "{}",
            kernel.label()
        );
        assert!(!ProcessInfo::bare(4, "kworker/0:0").is_windows_kernel());
        let windows = unseen_label(true);
        assert!(windows.contains("PID 0"), "{windows}");
        assert!(
            !windows.contains("container") && !windows.contains("user"),
            "{windows}"
        );
        assert!(unseen_label(false).contains("container"));
        assert_eq!(
            ProcessInfo::bare(super::super::sockets::UNSEEN_PID, "").label(),
            unseen_label(cfg!(windows))
        );
    }

    /// A process whose path and command line Windows refused an rstscope not run as
    /// administrator (another user's, a service's: the socket table and the process list
    /// still give its PID and name) is named with what shows the rest; one whose details were
    /// read, or read by an administrator's rstscope, is not.
    #[test]
    fn a_process_windows_hides_from_a_user_says_to_run_as_administrator() {
        let bare = ProcessInfo::bare(1044, "svchost.exe");
        let mut with_exe = bare.clone();
        with_exe.exe = Some("C:\\Windows\\System32\\svchost.exe".into());
        let mut with_cmdline = bare.clone();
        with_cmdline.cmdline = Some("svchost.exe -k netsvcs".into());
        assert!(restricted(false, &bare));
        assert!(!restricted(true, &bare));
        assert!(!restricted(false, &with_exe));
        assert!(!restricted(false, &with_cmdline));
        let mut svchost = ProcessInfo::bare(1044, "svchost.exe");
        svchost.services = vec!["Dnscache".into()];
        svchost.restricted = true;
        assert_eq!(
            svchost.label(),
            "svchost.exe (pid 1044; services Dnscache; its path and command line are shown to \
             administrators only: run rstscope as administrator to see them)"
        );
        svchost.restricted = false;
        assert_eq!(svchost.label(), "svchost.exe (pid 1044; services Dnscache)");
        // Saved in a host report and read back: kept; absent from older reports: false.
        svchost.restricted = true;
        let saved = serde_json::to_string(&svchost).expect("serializes");
        let back: ProcessInfo = serde_json::from_str(&saved).expect("reads back");
        assert!(back.restricted, "{saved}");
        let older = saved.replace(",\"restricted\":true", "");
        assert!(!older.contains("restricted"), "{older}");
        let back: ProcessInfo = serde_json::from_str(&older).expect("reads back");
        assert!(!back.restricted);
    }

    /// `System` (PID 4, the owner of a listener on 445 or 80 for SMB or HTTP.sys) has no path
    /// or command line for anyone: a user's rstscope, reading neither, said "run rstscope as
    /// administrator to see them" of it (found by reading the code; real Windows not tried),
    /// which would show nothing more.
    #[test]
    fn the_windows_kernel_is_never_said_to_need_an_administrator() {
        let kernel = ProcessInfo::bare(4, "System");
        assert!(!restricted(false, &kernel));
        assert!(!restricted(true, &kernel));
        // PID 4 of another OS (a Linux kernel thread) is not the Windows kernel.
        assert!(restricted(false, &ProcessInfo::bare(4, "kworker/0:0")));
    }

    /// This process's own details are readable to it, administrator or not: never restricted.
    #[test]
    fn this_process_is_never_restricted() {
        let me = Processes::new().describe(std::process::id(), "x");
        assert!(!me.restricted, "{me:?}");
    }

    #[test]
    fn a_process_that_is_gone_keeps_the_name_it_was_seen_with() {
        let mut p = Processes::new();
        // PIDs this high are above Linux's pid_max limit (4194304), never in use.
        let gone = p.describe(4_194_305 + 17, "collector");
        assert_eq!(gone, ProcessInfo::bare(4_194_322, "collector"));
        assert_eq!(gone.label(), "collector (pid 4194322)");
    }
}
