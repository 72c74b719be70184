//! Windows: the lock of the evidence directory.

use std::fs::{File, TryLockError};
use std::io;
use std::os::windows::io::AsRawHandle;

use windows_sys::Win32::Foundation::{ERROR_IO_PENDING, ERROR_LOCK_VIOLATION};
use windows_sys::Win32::Storage::FileSystem::{
    LOCKFILE_EXCLUSIVE_LOCK, LOCKFILE_FAIL_IMMEDIATELY, LockFileEx,
};
use windows_sys::Win32::System::IO::OVERLAPPED;

/// Locks one byte of `file` far past the pid it holds (at 4 GiB; Windows locks bytes past a
/// file's end too), for as long as the handle is open. Windows' locks are mandatory, for
/// another handle of the same process too: with the whole file locked, as `File::try_lock`
/// locks it, a second agent could not read the first one's pid to name it ("pid unknown").
/// ReadFile fails only when the range it is asked for overlaps the locked byte, and the second
/// agent asks for the file's first bytes alone (`super::pid_in`).
pub(super) fn try_lock_past_pid(file: &File) -> Result<(), TryLockError> {
    // SAFETY: OVERLAPPED is plain data, valid all zeros.
    let mut at: OVERLAPPED = unsafe { std::mem::zeroed() };
    at.Anonymous.Anonymous.OffsetHigh = 1;
    // SAFETY: the handle is the open file's and `at` outlives the call; the file was opened
    // for synchronous I/O, so the call returns when the lock is taken or refused.
    let locked = unsafe {
        LockFileEx(
            file.as_raw_handle(),
            LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
            0,
            1,
            0,
            &mut at,
        )
    };
    if locked != 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error().map(|c| c as u32) {
        Some(ERROR_LOCK_VIOLATION | ERROR_IO_PENDING) => Err(TryLockError::WouldBlock),
        _ => Err(TryLockError::Error(e)),
    }
}
