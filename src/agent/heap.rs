//! The C allocator's own figures, shown on `/metrics` beside the process's resident memory, so
//! that what a long-running agent's resident memory is made of can be told without a debugger
//! (gdb attached to a busy agent aborted it): how much the program has allocated (in use) and
//! how much the allocator keeps for reuse after the program freed it (free). Read from glibc's
//! `mallinfo2` on Linux; other allocators give nothing, and the series are left out.

use std::sync::atomic::{AtomicU64, Ordering};

/// The allocator's figures at one moment, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Heap {
    /// Memory the allocator took from the system for its heaps (arenas), mmapped blocks aside.
    pub arena: u64,
    /// Of `arena`, what the program holds.
    pub in_use: u64,
    /// Of `arena`, what the program freed and the allocator keeps (some of it returned to the
    /// system page by page by a trim, and so no longer resident, but still counted here).
    pub free: u64,
    /// Large blocks served by `mmap` of their own (returned to the system when freed).
    pub mmapped: u64,
    /// Trims of the heaps done so far ([`trim`]).
    pub trims: u64,
    /// Time spent in them, in seconds.
    pub trim_seconds: f64,
}

/// Seconds between the agent's periodic trims by default.
pub const DEFAULT_TRIM_EVERY: u64 = 10;
/// Seconds between the agent's periodic trims (0: none), set by [`super::tune_allocator`].
pub(crate) static TRIM_EVERY: AtomicU64 = AtomicU64::new(DEFAULT_TRIM_EVERY);
static TRIMS: AtomicU64 = AtomicU64::new(0);
static TRIM_NANOS: AtomicU64 = AtomicU64::new(0);

/// Returns the free pages of every arena to the system (glibc's `malloc_trim(0)`), counting the
/// trims and their time for [`read`]. glibc gives back by itself only what lies at the top of a
/// heap; what the program freed below memory it still holds stays resident until a trim.
/// Elsewhere nothing.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let start = std::time::Instant::now();
        // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the system.
        unsafe {
            libc::malloc_trim(0);
        }
        let took = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        TRIMS.fetch_add(1, Ordering::Relaxed);
        TRIM_NANOS.fetch_add(took, Ordering::Relaxed);
    }
}

/// The allocator's figures now; `None` where they cannot be had (not glibc, or a glibc older
/// than 2.33, which has no `mallinfo2`: it is looked up when the agent runs, so that the
/// program still starts on such a system).
pub fn read() -> Option<Heap> {
    let mut heap = mallinfo2()?;
    heap.trims = TRIMS.load(Ordering::Relaxed);
    heap.trim_seconds = TRIM_NANOS.load(Ordering::Relaxed) as f64 / 1e9;
    Some(heap)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn mallinfo2() -> Option<Heap> {
    use std::sync::OnceLock;
    type Mallinfo2 = unsafe extern "C" fn() -> libc::mallinfo2;
    static FUNCTION: OnceLock<Option<Mallinfo2>> = OnceLock::new();
    let function = FUNCTION.get_or_init(|| {
        // SAFETY: dlsym with a NUL-terminated name; RTLD_DEFAULT searches the loaded objects.
        let symbol = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"mallinfo2".as_ptr()) };
        // SAFETY: glibc's mallinfo2 has this signature (malloc.h, glibc 2.33 and later).
        (!symbol.is_null())
            .then(|| unsafe { std::mem::transmute::<*mut libc::c_void, Mallinfo2>(symbol) })
    });
    // SAFETY: mallinfo2 takes no argument and only reads the allocator's state under its locks.
    let info = unsafe { (*function)?() };
    let bytes = |n: libc::size_t| n as u64;
    Some(Heap {
        arena: bytes(info.arena),
        in_use: bytes(info.uordblks),
        free: bytes(info.fordblks),
        mmapped: bytes(info.hblkhd),
        ..Heap::default()
    })
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn mallinfo2() -> Option<Heap> {
    None
}

/// On glibc only: elsewhere there are no figures to read (the Windows cross-build's tests
/// failed on the unused import).
#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// On glibc the figures are this process's: a block held shows in use, and once freed
    /// (small enough to stay in the heap) no longer; a trim is counted.
    #[test]
    fn reads_the_allocator_figures_of_this_process() {
        let before = read().expect("glibc 2.33 or later");
        assert!(before.arena >= before.in_use, "{before:?}");
        let blocks: Vec<Vec<u8>> = (0..256).map(|i| vec![i as u8; 64 << 10]).collect();
        let held = read().expect("glibc");
        assert!(held.in_use + held.mmapped >= 16 << 20, "{held:?}");
        drop(blocks);
        trim();
        let after = read().expect("glibc");
        assert!(after.trims > before.trims, "{after:?}");
        assert!(after.trim_seconds >= before.trim_seconds, "{after:?}");
    }
}
