//! Linux: once its capture, its socket and its evidence directory are open, the agent keeps
//! only the rights it still uses, in every thread.
//!
//! Capabilities are per thread on Linux, and the capture, engine and host-monitor threads
//! exist by then, so the change is made in each of them: a real-time signal is sent to every
//! thread of the process (as libcap's "psx" does) and its handler trims that thread's sets by
//! the thread's name:
//!
//! | thread | keeps |
//! |---|---|
//! | `capture-*` | CAP_NET_RAW, CAP_NET_ADMIN (its libpcap handles are open; it only reads) |
//! | `host-monitor` | CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH (to name other users' processes from `/proc/PID/fd`); CAP_DAC_OVERRIDE as well when it left root, to remove its tracefs instance at the end |
//! | `connect-trace` | CAP_SYS_PTRACE (to read the network namespace of other users' connecting threads, `/proc/PID/ns/net`, so that another namespace's connects are left out) |
//! | every other (engine, agent, http-*, main) | nothing |
//!
//! Each thread also loses the capabilities it does not keep from its bounding and ambient
//! sets and gets `no_new_privs`, so nothing can come back through exec. When the agent runs
//! as root it then leaves root for `user` (default `nobody`): the evidence directory is given
//! to that user first, the switch is made with the C library's `setresuid` (which it applies
//! to every thread), and the kept capabilities are raised again in each thread. Of its
//! supplementary groups it keeps only `systemd-journal`, where there is one: its members may
//! read the system journal, where the agent looks up who served a port before it started
//! ([`journal`](crate::host::journal)); the systemd unit gives its dynamic user that group.
//!
//! Run without root (the systemd unit's dynamic user with its four ambient capabilities, or
//! file capabilities), only the trimming is done, and a thread keeps what the process has of
//! its own (given only the capture's two, as `setcap cap_net_raw,cap_net_admin=eip` gives
//! them, the host monitor keeps nothing, and names other users' processes as far as it can). [`check`](crate::agent::privileges::check) reads back every thread's sets
//! from `/proc/self/task`.

use std::ffi::CString;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CAP_CHOWN: u32 = 0;
const CAP_DAC_OVERRIDE: u32 = 1;
const CAP_DAC_READ_SEARCH: u32 = 2;
const CAP_SETGID: u32 = 6;
const CAP_SETUID: u32 = 7;
const CAP_NET_ADMIN: u32 = 12;
const CAP_NET_RAW: u32 = 13;
const CAP_SYS_PTRACE: u32 = 19;

const fn bit(cap: u32) -> u64 {
    1 << cap
}

/// What the capture threads keep.
pub const CAPTURE: u64 = bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN);
/// What the host-monitor thread keeps.
pub const HOST: u64 = bit(CAP_SYS_PTRACE) | bit(CAP_DAC_READ_SEARCH);
/// What the connect trace's reader thread keeps.
pub const TRACE: u64 = bit(CAP_SYS_PTRACE);

/// Why the rights could not be dropped.
#[derive(Debug, thiserror::Error)]
pub enum DropError {
    /// The user to switch to.
    #[error("--user {0}: no such user")]
    NoUser(String),
    /// A step failed.
    #[error("cannot drop the agent's rights ({step}): {os}", os = crate::report::os_error(source))]
    Step {
        /// What was done.
        step: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The new user cannot write the evidence directory.
    #[error(
        "{path}: the user {user} cannot write the evidence there ({os}); every directory above \
         it must let {user} through: choose another --evidence-dir, or another --user", os = crate::report::os_error(source))]
    EvidenceDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The user.
        user: String,
        /// The OS error.
        source: io::Error,
    },
    /// Some thread did not answer or failed.
    #[error(
        "cannot drop the agent's rights: {0} of its threads could not keep only the capabilities \
         it uses (run it as root, or as the systemd unit rstscope-agent.service runs it)"
    )]
    Threads(usize),
}

/// What was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The user the agent runs as now.
    pub user: String,
    /// Threads trimmed.
    pub threads: usize,
}

// The handler's instructions, set before each broadcast.
static PHASE: AtomicU64 = AtomicU64::new(0);
static EXTRA: AtomicU64 = AtomicU64::new(0);
static LAST_CAP: AtomicU64 = AtomicU64::new(40);
static SWITCHING: AtomicBool = AtomicBool::new(false);
static DONE: AtomicUsize = AtomicUsize::new(0);
static FAILED: AtomicUsize = AtomicUsize::new(0);

/// First phase: trim the bounding and ambient sets, set no_new_privs, keep the thread's own
/// capabilities plus `EXTRA` (what the switch of user needs).
const TRIM: u64 = 1;
/// Second phase (after leaving root): exactly the thread's own capabilities, raised again.
const SETTLE: u64 = 2;

/// The capabilities a thread keeps, by its name (at most 15 bytes, as the kernel keeps it).
fn keep_for(name: &[u8]) -> u64 {
    if name.starts_with(b"capture-") {
        CAPTURE
    } else if name == b"host-monitor" {
        HOST | if SWITCHING.load(Ordering::Relaxed) {
            bit(CAP_DAC_OVERRIDE)
        } else {
            0
        }
    } else if name == b"connect-trace" {
        TRACE
    } else {
        0
    }
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_V3: u32 = 0x2008_0522;

/// capset(2) for the calling thread: `permitted` = `effective` = `set`, nothing inheritable.
fn capset(set: u64) -> bool {
    let mut header = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let lo = set as u32;
    let hi = (set >> 32) as u32;
    let data = [
        CapData {
            effective: lo,
            permitted: lo,
            inheritable: 0,
        },
        CapData {
            effective: hi,
            permitted: hi,
            inheritable: 0,
        },
    ];
    // SAFETY: the header and two data structs are the layout capset(2) takes for version 3.
    unsafe { libc::syscall(libc::SYS_capset, &raw mut header, data.as_ptr()) == 0 }
}

/// The calling thread's permitted set.
fn permitted() -> u64 {
    let mut header = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget(2) fills two data structs for version 3.
    let ok = unsafe { libc::syscall(libc::SYS_capget, &raw mut header, data.as_mut_ptr()) == 0 };
    if ok {
        u64::from(data[0].permitted) | (u64::from(data[1].permitted) << 32)
    } else {
        0
    }
}

/// The calling thread's name (comm).
fn thread_name(buf: &mut [u8; 16]) -> &[u8] {
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included, into the buffer.
    unsafe {
        libc::prctl(libc::PR_GET_NAME, buf.as_mut_ptr());
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    &buf[..len]
}

/// One phase in the calling thread. Only system calls and atomics: it runs in a signal
/// handler.
fn apply_here() -> bool {
    let mut buf = [0u8; 16];
    let keep = keep_for(thread_name(&mut buf));

    match PHASE.load(Ordering::Relaxed) {
        TRIM => {
            let with = keep | EXTRA.load(Ordering::Relaxed);
            let last = LAST_CAP.load(Ordering::Relaxed);
            // SAFETY: prctl with integer arguments only.
            unsafe {
                if SWITCHING.load(Ordering::Relaxed) {
                    libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0);
                }
                // The switch of user needs CAP_SETUID and CAP_SETGID effective, not bounding.
                for cap in 0..=last {
                    if keep & (1 << cap) == 0 {
                        // Needs CAP_SETPCAP: without it (not root) the bounding set stays,
                        // and no_new_privs keeps exec from using it.
                        libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
                    }
                }
                libc::prctl(
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_CLEAR_ALL,
                    0,
                    0,
                    0,
                );
                let nnp = libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
                // What the process was given of it: run without root with fewer capabilities
                // (file capabilities for the capture alone), a thread keeps what it has.
                nnp && capset(with & permitted())
            }
        }
        SETTLE => {
            // SAFETY: prctl with integer arguments only.
            unsafe {
                libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0);
            }
            // A thread that had not named itself yet in the first phase kept nothing then;
            // it cannot get more now.
            capset(keep & permitted())
        }
        _ => true,
    }
}

extern "C" fn on_signal(_: libc::c_int) {
    if !apply_here() {
        FAILED.fetch_add(1, Ordering::SeqCst);
    }
    DONE.fetch_add(1, Ordering::SeqCst);
}

fn gettid() -> i32 {
    // SAFETY: gettid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as i32 }
}

/// The IDs of this process's threads.
fn threads() -> io::Result<Vec<i32>> {
    let mut out = Vec::new();
    for e in fs::read_dir("/proc/self/task")? {
        if let Some(tid) = e?.file_name().to_str().and_then(|s| s.parse().ok()) {
            out.push(tid);
        }
    }
    Ok(out)
}

/// Waits (up to 2 s) until every thread has named itself: a thread names itself when it first
/// runs, and on a busy machine one started a moment ago may not have run yet; until then it
/// has the process's name, and would keep nothing.
fn wait_for_names() {
    let me = gettid();
    let comm =
        |tid: i32| fs::read_to_string(format!("/proc/self/task/{tid}/comm")).unwrap_or_default();
    let process = comm(me);
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let unnamed = threads()
            .unwrap_or_default()
            .into_iter()
            .any(|tid| tid != me && comm(tid) == process);
        if !unnamed {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs the current phase in every thread: this one directly, the others through the signal.
fn broadcast(signal: libc::c_int) -> Result<usize, DropError> {
    let me = gettid();
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    DONE.store(0, Ordering::SeqCst);
    FAILED.store(0, Ordering::SeqCst);
    let mut sent = 0;
    for tid in threads().map_err(|source| DropError::Step {
        step: "list the threads",
        source,
    })? {
        if tid == me {
            continue;
        }
        // SAFETY: tgkill to a thread of this process with a signal whose handler is installed.
        if unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, signal) } == 0 {
            sent += 1;
        }
    }
    let mine = apply_here();
    let deadline = Instant::now() + Duration::from_secs(5);
    while DONE.load(Ordering::SeqCst) < sent {
        if Instant::now() > deadline {
            return Err(DropError::Threads(sent - DONE.load(Ordering::SeqCst)));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let failed = FAILED.load(Ordering::SeqCst) + usize::from(!mine);
    if failed > 0 {
        return Err(DropError::Threads(failed));
    }
    Ok(sent + 1)
}

fn step(what: &'static str, ok: bool) -> Result<(), DropError> {
    if ok {
        Ok(())
    } else {
        Err(DropError::Step {
            step: what,
            source: io::Error::last_os_error(),
        })
    }
}

/// The group whose members may read the system journal (`systemd-journal`), if there is one.
fn journal_group() -> Option<libc::gid_t> {
    let name = CString::new("systemd-journal").ok()?;
    // SAFETY: getgrnam with a NUL-terminated name; the ID is copied out at once.
    let gr = unsafe { libc::getgrnam(name.as_ptr()) };
    // SAFETY: a non-null result is a valid group record.
    (!gr.is_null()).then(|| unsafe { (*gr).gr_gid })
}

/// Gives `dir` and what is in it to `uid`:`gid`.
fn chown_tree(dir: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::chown(dir, Some(uid), Some(gid))?;
    for e in fs::read_dir(dir)? {
        std::os::unix::fs::chown(e?.path(), Some(uid), Some(gid))?;
    }
    Ok(())
}

/// Drops what the agent no longer needs; see the module documentation. `user` is who it
/// becomes when it runs as root (`root` keeps root, with the capabilities trimmed).
pub fn drop_rights(evidence_dir: &Path, user: &str) -> Result<Dropped, DropError> {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let switch_to = if root && user != "root" {
        let name = CString::new(user).map_err(|_| DropError::NoUser(user.to_owned()))?;
        // SAFETY: getpwnam with a NUL-terminated name; the fields are copied out at once,
        // before any other call that could reuse its static buffer.
        let pw = unsafe { libc::getpwnam(name.as_ptr()) };
        if pw.is_null() {
            return Err(DropError::NoUser(user.to_owned()));
        }
        // SAFETY: pw is a valid passwd record from getpwnam.
        Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
    } else {
        None
    };
    if let Some(last) = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        LAST_CAP.store(last, Ordering::Relaxed);
    }
    SWITCHING.store(switch_to.is_some(), Ordering::Relaxed);
    if let Some((uid, gid)) = switch_to {
        chown_tree(evidence_dir, uid, gid).map_err(|source| DropError::Step {
            step: "give the evidence directory to the user",
            source,
        })?;
    }
    // The offset keeps clear of the real-time signals the C library uses itself.
    let signal = libc::SIGRTMIN() + 5;
    // SAFETY: installs a handler that makes system calls and touches atomics only.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&raw mut action.sa_mask);
        step(
            "install the signal handler",
            libc::sigaction(signal, &raw const action, std::ptr::null_mut()) == 0,
        )?;
    }
    EXTRA.store(
        if switch_to.is_some() {
            bit(CAP_SETUID) | bit(CAP_SETGID)
        } else {
            0
        },
        Ordering::Relaxed,
    );
    wait_for_names();
    PHASE.store(TRIM, Ordering::SeqCst);
    let mut threads = broadcast(signal)?;
    if let Some((uid, gid)) = switch_to {
        let groups: Vec<libc::gid_t> = journal_group().into_iter().collect();
        // The C library makes every thread of the process take these.
        // SAFETY: setgroups with `groups.len()` IDs from a live Vec, then setresgid and
        // setresuid with plain IDs.
        unsafe {
            step(
                "keep only the journal's supplementary group",
                libc::setgroups(groups.len(), groups.as_ptr()) == 0,
            )?;
            step("set the group", libc::setresgid(gid, gid, gid) == 0)?;
            step("set the user", libc::setresuid(uid, uid, uid) == 0)?;
        }
        PHASE.store(SETTLE, Ordering::SeqCst);
        threads = broadcast(signal)?;
        // The engine thread makes the evidence files from now on, as this user.
        let probe = evidence_dir.join(".rstscope-write-test");
        fs::File::create(&probe).map_err(|source| DropError::EvidenceDir {
            path: evidence_dir.to_path_buf(),
            user: user.to_owned(),
            source,
        })?;
        let _ = fs::remove_file(&probe);
    }
    PHASE.store(0, Ordering::SeqCst);
    let _ = CAP_CHOWN;
    Ok(Dropped {
        user: if switch_to.is_some() {
            user.to_owned()
        } else if root {
            "root".to_owned()
        } else {
            format!("uid {}", unsafe_uid())
        },
        threads,
    })
}

fn unsafe_uid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// One thread's capability sets as `/proc` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadCaps {
    /// Its name.
    pub name: String,
    /// Effective set.
    pub effective: u64,
    /// Permitted set.
    pub permitted: u64,
    /// Bounding set.
    pub bounding: u64,
    /// no_new_privs.
    pub no_new_privs: bool,
    /// Effective user ID.
    pub uid: u32,
}

/// Every thread's sets, of process `pid`.
pub fn check(pid: u32) -> io::Result<Vec<ThreadCaps>> {
    let mut out = Vec::new();
    for e in fs::read_dir(format!("/proc/{pid}/task"))? {
        let status = match fs::read_to_string(e?.path().join("status")) {
            Ok(s) => s,
            Err(_) => continue,
        };
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        let hex = |key: &str| u64::from_str_radix(&field(key), 16).unwrap_or(u64::MAX);
        out.push(ThreadCaps {
            name: field("Name:"),
            effective: hex("CapEff:"),
            permitted: hex("CapPrm:"),
            bounding: hex("CapBnd:"),
            no_new_privs: field("NoNewPrivs:") == "1",
            uid: field("Uid:")
                .split_whitespace()
                .nth(1)
                .and_then(|u| u.parse().ok())
                .unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}
