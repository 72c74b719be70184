//! The terminal commands' console on Windows.
//!
//! rstscope is built for the GUI subsystem (no console window opens beside the desktop app),
//! so Windows gives it no console of its own. Started from cmd or PowerShell, it attaches to
//! that shell's console, and each standard handle the shell did not redirect is pointed at it:
//! `rstscope analyze FILE` prints in the shell, and `rstscope analyze FILE > out.json` still
//! writes the file. Started from Explorer or the Start menu there is no console to attach to,
//! and nothing changes.
//!
//! The shell does not wait for a GUI-subsystem program: the prompt comes back at once and the
//! output follows it. Scripts wait as usual (cmd waits in batch files; PowerShell waits when
//! the output is piped or redirected, or with `Start-Process -Wait -NoNewWindow`).

use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{
    ATTACH_PARENT_PROCESS, AttachConsole, GetStdHandle, STD_ERROR_HANDLE, STD_HANDLE,
    STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, SetStdHandle,
};

/// Attaches to the parent's console, if it has one, and gives the unredirected standard
/// handles to it. Failures leave the handles as they were (output then goes nowhere, as
/// before).
pub fn attach_to_parent() {
    // SAFETY: AttachConsole takes a process id and no pointers; it fails harmlessly when the
    // parent has no console or this process already has one.
    if unsafe { AttachConsole(ATTACH_PARENT_PROCESS) } == 0 {
        return;
    }
    for (id, device) in [
        (STD_INPUT_HANDLE, "CONIN$"),
        (STD_OUTPUT_HANDLE, "CONOUT$"),
        (STD_ERROR_HANDLE, "CONOUT$"),
    ] {
        if !is_set(id) {
            open_console_device(id, device);
        }
    }
}

/// Whether standard handle `id` already leads somewhere (a redirection by the shell).
fn is_set(id: STD_HANDLE) -> bool {
    // SAFETY: GetStdHandle takes a constant and no pointers.
    let handle = unsafe { GetStdHandle(id) };
    !handle.is_null() && handle != INVALID_HANDLE_VALUE
}

/// Opens the console's input or output device and makes it standard handle `id`.
fn open_console_device(id: STD_HANDLE, device: &str) {
    let name: Vec<u16> = device.encode_utf16().chain(std::iter::once(0)).collect();
    // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call; the security
    // attributes and template handle may be null.
    let handle = unsafe {
        CreateFileW(
            name.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            std::ptr::null(),
            OPEN_EXISTING,
            0,
            std::ptr::null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return;
    }
    // SAFETY: `handle` was just opened and stays open for the life of the process, as standard
    // handles do; Rust's standard streams look the handle up on each write.
    unsafe { SetStdHandle(id, handle) };
}
