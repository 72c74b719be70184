//! Standard input as a capture (`-`), watched: how long its read has waited for more and how
//! much came before, so that a user whose pipe has stalled (`tail -f capture.pcap | rstscope
//! analyze -`, a writer that stopped) can be told why nothing happens; and a read that waits
//! can be stopped (Ctrl+C), which a blocked read(2) would not notice: the writer of such a
//! pipe may outlive the signal (`trap '' INT`, a program in another process group), and the
//! first Ctrl+C did nothing there.

use std::io::{self, Read};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a waiting read looks whether it was asked to stop.
#[cfg(unix)]
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Since when (milliseconds after [`epoch`], plus one; 0: none) the read of standard input
/// has waited for its next bytes.
static WAITING_SINCE: AtomicU64 = AtomicU64::new(0);
/// Bytes read from standard input so far.
static READ: AtomicU64 = AtomicU64::new(0);
/// Set by [`stop`]: a read that waits ends.
static STOP: AtomicBool = AtomicBool::new(false);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Where standard input's read stands while it waits for more: how long it has waited, and
/// the bytes read before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// How long the read has waited for its next bytes.
    pub waited: Duration,
    /// Bytes read from standard input before.
    pub bytes: u64,
}

/// How long standard input's read has waited for its next bytes, if it waits (none while
/// bytes come, before its read began and after its end).
#[must_use]
pub fn waiting() -> Option<Waiting> {
    let since = WAITING_SINCE.load(Ordering::Relaxed).checked_sub(1)?;
    let now = u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX);
    Some(Waiting {
        waited: Duration::from_millis(now.saturating_sub(since)),
        bytes: READ.load(Ordering::Relaxed),
    })
}

/// Ends a read of standard input that waits for more (Ctrl+C): it fails as [`Stopped`],
/// the frames before kept. Bytes that have come are read on.
pub fn stop() {
    STOP.store(true, Ordering::Relaxed);
}

/// The error of a read of standard input ended by [`stop`] while it waited.
#[derive(Debug, thiserror::Error)]
#[error("the read was stopped (Ctrl+C) while it waited for standard input")]
pub struct Stopped;

/// Standard input, read as [`waiting`] and [`stop`] describe. On Unix its descriptor is read
/// directly: `io::Stdin` buffers what it reads, and a wait for the descriptor to have more
/// would wait while bytes lay in that buffer.
pub(super) struct Watched {
    input: Box<dyn Read + Send>,
    /// Its descriptor is the one read, which [`ready`] may wait on.
    direct: bool,
}

impl Watched {
    pub(super) fn new() -> Self {
        // The clock starts before the first read.
        epoch();
        #[cfg(unix)]
        {
            use std::os::fd::AsFd as _;
            if let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() {
                return Self {
                    input: Box::new(std::fs::File::from(fd)),
                    direct: true,
                };
            }
        }
        Self {
            input: Box::new(io::stdin()),
            direct: false,
        }
    }
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let since = u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX);
        WAITING_SINCE.store(since.saturating_add(1), Ordering::Relaxed);
        let read = if self.direct {
            ready(STDIN, &STOP).and_then(|()| self.input.read(buf))
        } else {
            self.input.read(buf)
        };
        WAITING_SINCE.store(0, Ordering::Relaxed);
        if let Ok(n) = read {
            READ.fetch_add(n as u64, Ordering::Relaxed);
        }
        read
    }
}

/// Standard input's descriptor.
#[cfg(unix)]
const STDIN: libc::c_int = libc::STDIN_FILENO;
#[cfg(not(unix))]
const STDIN: i32 = 0;

/// Waits until `fd` (standard input) has bytes (or its end) to read, failing as [`Stopped`]
/// once `stop` is set while it waits.
#[cfg(unix)]
fn ready(fd: libc::c_int, stop: &AtomicBool) -> io::Result<()> {
    let timeout = libc::c_int::try_from(STOP_CHECK.as_millis()).unwrap_or(100);
    loop {
        let mut polled = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll(2) of one pollfd, alive for the call.
        let n = unsafe { libc::poll(&raw mut polled, 1, timeout) };
        // Ready, at its end or in error: the read says which. poll failing (EINTR at a
        // signal) is looked at again.
        if n > 0 {
            return Ok(());
        }
        if stop.load(Ordering::Relaxed) {
            return Err(io::Error::other(Stopped));
        }
    }
}

/// An input that may give its bytes slowly, and can be asked whether more came: standard
/// input, a named pipe (`mkfifo`, a shell's `<(ssh host cat cap.pcap)`). Its reader holding
/// frames asks before a read that could wait long for more, so that it hands on what it has
/// first.
#[derive(Debug)]
pub(super) enum Pipe {
    Stdin,
    /// A named pipe's descriptor (a copy of the one read).
    #[cfg(unix)]
    Named(std::os::fd::OwnedFd),
}

impl Pipe {
    /// Whether the pipe has bytes (or its end) to read within `wait`; `None` where that
    /// cannot be asked.
    pub(super) fn comes_within(&self, wait: Duration) -> Option<bool> {
        match self {
            Self::Stdin => comes_within(wait),
            #[cfg(unix)]
            Self::Named(fd) => {
                use std::os::fd::AsRawFd as _;
                Some(poll_within(fd.as_raw_fd(), wait))
            }
        }
    }
}

/// Whether `fd` has bytes (or its end) to read within `wait`; an interrupted or failed
/// poll says yes (the read itself then tells).
#[cfg(unix)]
fn poll_within(fd: libc::c_int, wait: Duration) -> bool {
    let timeout = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    let mut polled = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll(2) of one pollfd, alive for the call.
    let n = unsafe { libc::poll(&raw mut polled, 1, timeout) };
    n != 0
}

/// Whether standard input has bytes (or its end) to read within `wait`; `None` where that
/// cannot be asked (on Windows, standard input that is no pipe: a file, the console).
#[must_use]
pub fn comes_within(wait: Duration) -> Option<bool> {
    #[cfg(unix)]
    {
        Some(poll_within(STDIN, wait))
    }
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::Console::{GetStdHandle, STD_INPUT_HANDLE};
        use windows_sys::Win32::System::Pipes::PeekNamedPipe;
        // A pipe cannot be waited on as poll(2) waits: looked at every few milliseconds.
        const LOOK: Duration = Duration::from_millis(5);
        let until = Instant::now() + wait;
        // SAFETY: GetStdHandle takes a constant and no pointers.
        let handle = unsafe { GetStdHandle(STD_INPUT_HANDLE) };
        loop {
            let mut bytes = 0u32;
            // SAFETY: PeekNamedPipe with no buffer (size 0) writes only the count of bytes
            // available, to a u32 alive for the call; any handle is allowed (it fails on one
            // that is no pipe).
            let peeked = unsafe {
                PeekNamedPipe(
                    handle,
                    std::ptr::null_mut(),
                    0,
                    std::ptr::null_mut(),
                    &raw mut bytes,
                    std::ptr::null_mut(),
                )
            };
            // No pipe, or its writer gone (the read then says the end).
            if peeked == 0 {
                return None;
            }
            let now = Instant::now();
            if bytes > 0 || now >= until {
                return Some(bytes > 0);
            }
            std::thread::sleep(LOOK.min(until - now));
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = wait;
        None
    }
}

/// Elsewhere the read blocks as it did.
#[cfg(not(unix))]
fn ready(_fd: i32, _stop: &AtomicBool) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A read that waits on a pipe with nothing in it ends once asked to stop, as
    /// [`Stopped`]; one with bytes waiting, or at the pipe's end, reads on, stopped or not.
    #[test]
    fn a_waiting_read_ends_when_asked_to_stop() {
        let mut fds = [0; 2];
        // SAFETY: pipe(2) fills two descriptors or fails.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let [r, w] = fds;
        let stop = AtomicBool::new(false);
        let waited = std::thread::scope(|s| {
            let waiting = s.spawn(|| {
                let start = Instant::now();
                (ready(r, &stop), start.elapsed())
            });
            std::thread::sleep(Duration::from_millis(300));
            assert!(!waiting.is_finished(), "it did not wait");
            stop.store(true, Ordering::Relaxed);
            waiting.join().expect("the waiting read")
        });
        let error = waited.0.expect_err("still waiting");
        assert!(
            error.get_ref().is_some_and(|e| e.is::<Stopped>()),
            "{error}"
        );
        assert!(waited.1 < Duration::from_secs(2), "{:?}", waited.1);
        // SAFETY: write(2) of one byte from a live buffer.
        assert_eq!(unsafe { libc::write(w, b"x".as_ptr().cast(), 1) }, 1);
        assert!(ready(r, &stop).is_ok());
        // SAFETY: close(2) of descriptors made above, once each.
        unsafe {
            libc::close(w);
        }
        let mut byte = [0u8; 1];
        // SAFETY: read(2) into a live buffer of one byte.
        assert_eq!(unsafe { libc::read(r, byte.as_mut_ptr().cast(), 1) }, 1);
        // At its end: ready, for the read to find the end.
        assert!(ready(r, &stop).is_ok());
        // SAFETY: as above.
        unsafe {
            libc::close(r);
        }
    }
}

#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;
    use windows_sys::Win32::Foundation::CloseHandle;
    use windows_sys::Win32::Storage::FileSystem::WriteFile;
    use windows_sys::Win32::System::Console::{GetStdHandle, STD_INPUT_HANDLE, SetStdHandle};
    use windows_sys::Win32::System::Pipes::CreatePipe;

    /// Standard input that is a pipe tells whether bytes came, having waited for them as
    /// long as asked (`type cap.pcap | rstscope analyze -`, OpenSSH's `ssh host cat
    /// cap.pcap | rstscope analyze -`): a reader holding frames hands them on first.
    #[test]
    fn a_pipe_on_standard_input_tells_whether_bytes_came() {
        let (mut read, mut write) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: CreatePipe fills the two handles, default security, default size.
        assert_ne!(
            unsafe { CreatePipe(&raw mut read, &raw mut write, std::ptr::null(), 0) },
            0
        );
        // SAFETY: GetStdHandle takes a constant; SetStdHandle a constant and a live handle.
        let before = unsafe { GetStdHandle(STD_INPUT_HANDLE) };
        assert_ne!(unsafe { SetStdHandle(STD_INPUT_HANDLE, read) }, 0);
        let start = Instant::now();
        let empty = comes_within(Duration::from_millis(60));
        let waited = start.elapsed();
        let mut written = 0u32;
        // SAFETY: WriteFile of one byte from a live buffer, its count to a live u32, no
        // overlapped I/O.
        let wrote = unsafe {
            WriteFile(
                write,
                b"x".as_ptr(),
                1,
                &raw mut written,
                std::ptr::null_mut(),
            )
        };
        let came = comes_within(Duration::from_secs(5));
        // SAFETY: the handle saved above back in its place; the pipe's handles closed once.
        unsafe {
            SetStdHandle(STD_INPUT_HANDLE, before);
            CloseHandle(write);
            CloseHandle(read);
        }
        assert_eq!(empty, Some(false));
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(wrote != 0 && written == 1);
        assert_eq!(came, Some(true));
    }
}
