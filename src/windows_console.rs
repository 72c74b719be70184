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
//!
//! The desktop app lets go of the console before its window opens ([`detach`]), as a program
//! that never attached: the prompt is back and the console is the user's again, so a Ctrl+C
//! typed there for the next command (which Windows sends to every process attached to the
//! console) must not end the app, closing the console window must not end it either, and
//! `exit` must close that window rather than leave it open, empty, until the app ends.
//!
//! cmd runs `rstscope.com` for `rstscope` where it is installed beside rstscope.exe (the
//! MSI): a console program that runs this one, waits for it and ends with its exit code, so
//! that cmd waits for the terminal commands too ([`detach`] tells it not to wait for the
//! desktop app).

use windows_sys::Win32::Foundation::{
    CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::Console::{
    ATTACH_PARENT_PROCESS, AttachConsole, FreeConsole, GetConsoleMode, GetStdHandle,
    STD_ERROR_HANDLE, STD_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, SetStdHandle,
};
use windows_sys::Win32::System::Threading::SetEvent;
use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MessageBoxW};

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

/// Lets go of the console [`attach_to_parent`] attached to, for the desktop app (see the
/// module's documentation): each standard handle that leads to the console is cleared (what
/// would be written there goes nowhere, as for the app started from Explorer), one that the
/// shell redirected to a file or pipe is kept. Without a console nothing changes.
pub fn detach() {
    for id in [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE] {
        // SAFETY: GetStdHandle takes a constant and no pointers.
        let handle = unsafe { GetStdHandle(id) };
        if is_console(handle) {
            // SAFETY: SetStdHandle takes a constant and a handle value (null: none). The
            // console handle is closed once no standard handle names it: the three may share
            // one (CONOUT$ for output and error), which is closed once.
            unsafe {
                SetStdHandle(id, std::ptr::null_mut());
                let still_used = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE]
                    .iter()
                    .any(|&other| GetStdHandle(other) == handle);
                if !still_used {
                    CloseHandle(handle);
                }
            }
        }
    }
    // SAFETY: FreeConsole takes no arguments; it fails harmlessly without a console.
    unsafe { FreeConsole() };
    tell_launcher();
}

/// Tells rstscope.com (src/bin/rstscope-com.rs), when it started this program, that the
/// desktop app let go of the console: it stops waiting, and cmd's prompt comes back. It names
/// the event to set, inherited from it, in `RSTSCOPE_CONSOLE_LAUNCHER`.
fn tell_launcher() {
    let Some(event) = std::env::var("RSTSCOPE_CONSOLE_LAUNCHER")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&v| v != 0)
    else {
        return;
    };
    let event = event as HANDLE;
    // SAFETY: the handle is rstscope.com's event, inherited; a value that is no event (the
    // variable set by hand) makes SetEvent fail harmlessly. It is closed once, here.
    unsafe {
        SetEvent(event);
        CloseHandle(event);
    }
}

/// Shows `text` in a message box titled rstscope when standard error leads nowhere (the
/// desktop app, which has let go of its console or was started from Explorer or the Start
/// menu); what it prints on standard error is all there is otherwise. For what ends the app
/// before its window opens: without this, a double click on its shortcut did nothing at all.
pub fn tell_where_no_stderr(text: &str) {
    if is_set(STD_ERROR_HANDLE) {
        return;
    }
    let wide = |s: &str| -> Vec<u16> { s.encode_utf16().chain(std::iter::once(0)).collect() };
    // A sentence of its own in the box, not the rest of a line after "rstscope: ".
    let mut chars = text.chars();
    let sentence: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let (text, title) = (wide(&sentence), wide("rstscope"));
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
    unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_OK | MB_ICONERROR,
        )
    };
}

/// Whether `handle` is a console's input or screen buffer (not a file or pipe).
fn is_console(handle: HANDLE) -> bool {
    if handle.is_null() || handle == INVALID_HANDLE_VALUE {
        return false;
    }
    let mut mode = 0;
    // SAFETY: `mode` is a writable u32 that outlives the call; the call fails, harmlessly, for
    // a handle that is not a console's.
    unsafe { GetConsoleMode(handle, &mut mode) != 0 }
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
