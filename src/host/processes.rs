//! Process details (name, executable, command line, user, start time) through `sysinfo`.
//!
//! Only the processes the socket table or a connect event named are read, and each once
//! while it lives: a busy host has thousands of processes, a report names a handful.

use std::collections::HashMap;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

/// Most processes remembered; past this the oldest entries are forgotten (their details
/// stay in the records that already copied them).
const MAX_REMEMBERED: usize = 4096;

/// A process as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Process ID.
    pub pid: u32,
    /// Name (Linux: `comm`, up to 15 bytes).
    pub name: String,
    /// Executable path, when readable.
    pub exe: Option<String>,
    /// Command line, arguments joined by spaces, when readable.
    pub cmdline: Option<String>,
    /// User name (or numeric ID when the name is unknown).
    pub user: Option<String>,
    /// Start time, Unix seconds.
    pub started: Option<u64>,
    /// Windows: the services this process hosts (a `svchost.exe` runs several), which tell
    /// two processes of the same name apart. Empty elsewhere and when none.
    pub services: Vec<String>,
}

impl ProcessInfo {
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
        }
    }

    /// `name (pid N, /path/to/exe)`, the way text reports name a process.
    #[must_use]
    pub fn label(&self) -> String {
        if self.pid == super::sockets::UNSEEN_PID {
            return "a process rstscope cannot see (another PID namespace such as a container, \
                    or another user's without root)"
                .to_owned();
        }
        let name = if self.name.is_empty() {
            "?"
        } else {
            &self.name
        };
        match &self.exe {
            Some(exe) => format!("{name} (pid {}, {exe})", self.pid),
            None => format!("{name} (pid {})", self.pid),
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
    order: std::collections::VecDeque<u32>,
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
            order: std::collections::VecDeque::new(),
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
            let info = ProcessInfo {
                pid: pid.as_u32(),
                name: p.name().to_string_lossy().into_owned(),
                exe: p.exe().map(|e| e.display().to_string()),
                cmdline: (!cmd.is_empty()).then(|| cmd.join(" ")),
                user,
                started: Some(p.start_time()).filter(|&t| t > 0),
                services: Vec::new(),
            };
            infos.push(info);
        }
        for info in infos {
            self.remember(info);
        }
    }

    /// Forgets `pid` (it was seen to end), so a later process with the same PID is read anew.
    pub fn forget(&mut self, pid: u32) {
        self.known.remove(&pid);
    }

    fn remember(&mut self, info: ProcessInfo) {
        if self.known.len() >= MAX_REMEMBERED
            && let Some(old) = self.order.pop_front()
        {
            self.known.remove(&old);
        }
        self.order.push_back(info.pid);
        self.known.insert(info.pid, info);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_described_with_its_executable() {
        let mut p = Processes::new();
        let me = p.describe(std::process::id(), "x");
        assert_eq!(me.pid, std::process::id());
        assert!(!me.name.is_empty());
        let exe = std::env::current_exe().expect("own exe");
        assert_eq!(me.exe.as_deref(), Some(exe.display().to_string().as_str()));
        assert!(me.cmdline.is_some());
        assert!(me.started.is_some());
        assert!(me.label().contains(&format!("pid {}", std::process::id())));
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
