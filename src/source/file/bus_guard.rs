//! Linux: a mapped capture file cut short under the reader ends as a truncated capture
//! instead of stopping the process.
//!
//! When another program shortens a file (`tcpdump -w` writing again to the same name, a ring
//! of rotated files wrapping round), the pages of a mapping past the new end are gone, and
//! touching one raises SIGBUS, whose default action ends the process (the app with its
//! results). The handler installed here takes a SIGBUS at an address inside a registered
//! window: it maps a page of zeros over the faulting page, marks the window cut, and returns,
//! so the read goes on and sees zeros; the reader checks the mark after framing each record
//! and stops there, saying the file is truncated. Any other SIGBUS goes to the handler that
//! was there before (Rust's own, which tells a stack overflow from other faults) or to the
//! default action, as if this handler did not exist.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

/// Windows mapped at once over all readers (one per file being read). A reader that finds
/// every slot taken reads its file rather than mapping it.
const SLOTS: usize = 1024;

/// A registered window: the addresses `start..end`, and whether it has been cut.
struct Slot {
    taken: AtomicBool,
    start: AtomicUsize,
    end: AtomicUsize,
    cut: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)] // Each element gets its own copy.
const FREE: Slot = Slot {
    taken: AtomicBool::new(false),
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    cut: AtomicBool::new(false),
};

static SLOTS_IN_USE: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The SIGBUS action found when the handler was installed, for the faults that are not ours.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// One reader's registration: the window it has mapped now.
pub(super) struct Guard {
    slot: &'static Slot,
}

impl Guard {
    /// A slot for one reader's windows, with the handler installed; `None` if the handler
    /// could not be installed or every slot is taken (the file is then read, not mapped).
    pub(super) fn new() -> Option<Self> {
        INSTALL.call_once(install);
        if !INSTALLED.load(Ordering::Acquire) {
            return None;
        }
        let slot = SLOTS_IN_USE.iter().find(|slot| {
            slot.taken
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })?;
        slot.cut.store(false, Ordering::Release);
        Some(Self { slot })
    }

    /// The window now mapped (call before the first byte of it is read), or none.
    pub(super) fn cover(&self, window: &[u8]) {
        // `end` first to 0, so that no half-updated range ever covers a wrong address.
        self.slot.end.store(0, Ordering::Release);
        let start = window.as_ptr() as usize;
        self.slot.start.store(start, Ordering::Release);
        self.slot.end.store(start + window.len(), Ordering::Release);
    }

    /// Whether a page of the window was found cut off the file (and now reads as zeros).
    #[inline]
    pub(super) fn cut(&self) -> bool {
        self.slot.cut.load(Ordering::Relaxed)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.slot.end.store(0, Ordering::Release);
        self.slot.start.store(0, Ordering::Release);
        self.slot.taken.store(false, Ordering::Release);
    }
}

fn install() {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let Ok(page) = usize::try_from(page) else {
        return;
    };
    if !page.is_power_of_two() {
        return;
    }
    PAGE_SIZE.store(page, Ordering::Release);
    // SAFETY: `action` is fully initialised (zeroed is a valid sigaction, then the fields
    // that matter are set); `previous` receives the old action. PREVIOUS is written once,
    // here, before the handler that reads it is installed.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigemptyset(&raw mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, std::ptr::null(), &raw mut previous) != 0 {
            return;
        }
        if PREVIOUS.set(previous).is_err() {
            return;
        }
        if libc::sigaction(libc::SIGBUS, &raw const action, std::ptr::null_mut()) == 0 {
            INSTALLED.store(true, Ordering::Release);
        }
    }
}

/// The SIGBUS handler: only async-signal-safe work (atomics, mmap, sigaction).
extern "C" fn on_sigbus(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for a handler installed with SA_SIGINFO.
    let address = unsafe { (*info).si_addr() } as usize;
    let page = PAGE_SIZE.load(Ordering::Acquire);
    for slot in &SLOTS_IN_USE {
        let (start, end) = (
            slot.start.load(Ordering::Acquire),
            slot.end.load(Ordering::Acquire),
        );
        if start <= address && address < end {
            let at = address & !(page - 1);
            // SAFETY: the page lies in a window this process mapped read-only over a file and
            // still holds (windows are unregistered before they are unmapped); a private
            // anonymous page of zeros replaces it, which the reader then sees cut.
            let mapped = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if mapped != libc::MAP_FAILED {
                slot.cut.store(true, Ordering::Release);
                return;
            }
        }
    }
    // Not a window of ours: whatever handled SIGBUS before.
    // Set before this handler was installed; reading it is an atomic load.
    match PREVIOUS.get() {
        Some(previous)
            if previous.sa_sigaction != libc::SIG_DFL && previous.sa_sigaction != libc::SIG_IGN =>
        {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous action was installed with SA_SIGINFO, so its handler
                // has this signature.
                let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(previous.sa_sigaction) };
                handler(signal, info, context);
            } else {
                // SAFETY: without SA_SIGINFO the handler takes the signal number alone.
                let handler: extern "C" fn(libc::c_int) =
                    unsafe { std::mem::transmute(previous.sa_sigaction) };
                handler(signal);
            }
        }
        _ => {
            // The default action: restored, the faulting access runs again and ends the
            // process as it would have without this handler.
            // SAFETY: a zeroed sigaction with SIG_DFL is a valid action.
            unsafe {
                let mut default: libc::sigaction = std::mem::zeroed();
                default.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &raw const default, std::ptr::null_mut());
            }
        }
    }
}
