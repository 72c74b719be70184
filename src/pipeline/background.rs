//! The app's background work yields the processor to its window: on a 2-core machine a file
//! being read (`read`), analyzed (`analyze`) and the window would otherwise take turns, and the
//! window's frames would wait behind the analysis. The terminal commands keep normal priority.

/// Lowers the calling thread's scheduling priority (Linux: nice 10 for this thread only).
/// Elsewhere it does nothing yet.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    linux::lower_this_thread();
}

#[cfg(target_os = "linux")]
mod linux {
    /// Nice value of background threads: below the window, above idle work.
    const NICE: libc::c_int = 10;

    pub(super) fn lower_this_thread() {
        // SAFETY: gettid has no preconditions and touches no memory.
        let tid = unsafe { libc::gettid() };
        // SAFETY: setpriority only changes the nice value of the task `tid`, this thread (on
        // Linux the nice value is per thread); it reads and writes no memory of ours. A
        // failure (not allowed) leaves the priority as it was, which is harmless.
        let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE) };
    }
}
