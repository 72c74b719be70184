//! `rstscope.com`: the console program cmd runs for `rstscope` (shipped under that name beside
//! `rstscope.exe`; cargo builds it as `rstscope-com.exe`).
//!
//! rstscope.exe is built for the GUI subsystem, so that no console window opens beside the
//! desktop app; but cmd does not wait for such a program: typed in a console, `rstscope
//! analyze x.pcapng` gave the prompt back at once and the report came after it. cmd looks for
//! `rstscope.com` before `rstscope.exe` (PATHEXT lists `.COM` first), as Visual Studio's
//! `devenv.com` and Godot's console wrapper use it: this console-subsystem program runs
//! rstscope.exe from its own folder with the same arguments (the command line's rest, as
//! typed) and the same standard handles, waits for it, and ends with its exit code. Ctrl+C
//! reaches rstscope.exe (every program attached to the console gets it); this one lets it
//! pass and goes on waiting for rstscope.exe to end as it does on Ctrl+C.
//!
//! The desktop app (`rstscope` alone, or with files) is not waited for: rstscope.exe says,
//! through the event named in `RSTSCOPE_CONSOLE_LAUNCHER`, when it lets go of the console to
//! open its window, and the prompt comes back then, as it did before.

#[cfg(windows)]
fn main() {
    std::process::exit(windows::run());
}

#[cfg(not(windows))]
fn main() {
    eprintln!("rstscope-com: the console launcher of rstscope.exe, for Windows only");
    std::process::exit(2);
}

#[cfg(windows)]
mod windows {
    use std::os::windows::io::AsRawHandle;
    use std::os::windows::process::CommandExt;
    use std::process::Command;

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, TRUE, WAIT_OBJECT_0};
    use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
    use windows_sys::Win32::System::Console::SetConsoleCtrlHandler;
    use windows_sys::Win32::System::Environment::GetCommandLineW;
    use windows_sys::Win32::System::Threading::{CreateEventW, INFINITE, WaitForMultipleObjects};

    /// What rstscope.exe reads the event's handle from (see `windows_console::detach`).
    const LAUNCHER_EVENT: &str = "RSTSCOPE_CONSOLE_LAUNCHER";

    /// Runs rstscope.exe and returns the exit code to end with.
    pub fn run() -> i32 {
        let exe = match std::env::current_exe() {
            Ok(me) => me.with_extension("exe"),
            Err(e) => {
                eprintln!("rstscope: cannot tell where rstscope.com is ({e})");
                return 1;
            }
        };
        // Ctrl+C and Ctrl+Break go to rstscope.exe too: it says what it stopped, and this
        // program ends when it ends, with its exit code. A handler routine is not inherited.
        // SAFETY: `ignore` is a function that lives as long as the program.
        unsafe { SetConsoleCtrlHandler(Some(ignore), TRUE) };
        // An event rstscope.exe inherits, set when the desktop app lets go of the console.
        let inherit = SECURITY_ATTRIBUTES {
            nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: std::ptr::null_mut(),
            bInheritHandle: TRUE,
        };
        // SAFETY: `inherit` outlives the call; no name; manual reset, not set.
        let event = unsafe { CreateEventW(&inherit, TRUE, 0, std::ptr::null()) };
        let mut command = Command::new(&exe);
        let arguments = arguments();
        if !arguments.is_empty() {
            command.raw_arg(arguments);
        }
        if !event.is_null() {
            command.env(LAUNCHER_EVENT, (event as usize).to_string());
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                eprintln!("rstscope: cannot start {}: {e}", exe.display());
                return 1;
            }
        };
        let handles: [HANDLE; 2] = [child.as_raw_handle(), event];
        let count = if event.is_null() { 1 } else { 2 };
        // SAFETY: both handles stay open for the call (the child's until `child` is dropped,
        // the event until it is closed below).
        let which = unsafe { WaitForMultipleObjects(count, handles.as_ptr(), 0, INFINITE) };
        if !event.is_null() {
            // SAFETY: the event was created above and is not used after this.
            unsafe { CloseHandle(event) };
        }
        if which == WAIT_OBJECT_0 + 1 {
            // The desktop app: it runs on, its window open, and the prompt comes back.
            return 0;
        }
        match child.wait() {
            // Windows' exit codes are 32 bits; `code` gives them as they are.
            Ok(status) => status.code().unwrap_or(1),
            Err(e) => {
                eprintln!("rstscope: waiting for {} failed: {e}", exe.display());
                1
            }
        }
    }

    /// The console's Ctrl+C and Ctrl+Break: handled (ignored) here; rstscope.exe gets them too.
    unsafe extern "system" fn ignore(_event: u32) -> i32 {
        TRUE
    }

    /// This program's command line after its own name, as typed: rstscope.exe gets it as it
    /// is, so that arguments with spaces and quotes reach it unchanged (not parsed and quoted
    /// again).
    fn arguments() -> std::ffi::OsString {
        // SAFETY: GetCommandLineW returns the process's command line, NUL-terminated, valid
        // for the life of the process.
        let line = unsafe {
            let p = GetCommandLineW();
            let mut len = 0;
            while *p.add(len) != 0 {
                len += 1;
            }
            std::slice::from_raw_parts(p, len)
        };
        let rest = super::after_program_name(line);
        std::os::windows::ffi::OsStringExt::from_wide(rest)
    }
}

/// `line` after the program's name, as the C runtime and `CommandLineToArgvW` find the
/// name: up to the closing quote when it starts with one (no escapes), else up to the
/// first space or tab; then the spaces and tabs after it. Pure, so that its tests run on
/// every platform; only Windows' launcher calls it.
#[cfg_attr(not(windows), allow(dead_code))]
fn after_program_name(line: &[u16]) -> &[u16] {
    let (quote, space, tab) = (u16::from(b'"'), u16::from(b' '), u16::from(b'\t'));
    let end = if line.first() == Some(&quote) {
        line[1..]
            .iter()
            .position(|&c| c == quote)
            .map_or(line.len(), |i| i + 2)
    } else {
        line.iter()
            .position(|&c| c == space || c == tab)
            .unwrap_or(line.len())
    };
    let rest = &line[end.min(line.len())..];
    let start = rest
        .iter()
        .position(|&c| c != space && c != tab)
        .unwrap_or(rest.len());
    &rest[start..]
}

#[cfg(test)]
mod tests {
    use super::after_program_name;

    fn rest(line: &str) -> String {
        let wide: Vec<u16> = line.encode_utf16().collect();
        String::from_utf16_lossy(after_program_name(&wide))
    }

    #[test]
    fn the_arguments_are_the_command_line_after_the_program_name() {
        assert_eq!(rest("rstscope analyze x.pcapng"), "analyze x.pcapng");
        assert_eq!(
            rest(r#""C:\Program Files\rstscope\rstscope.com"  analyze "a b.pcapng""#),
            r#"analyze "a b.pcapng""#
        );
        assert_eq!(rest("rstscope"), "");
        assert_eq!(rest(r#""rstscope""#), "");
        assert_eq!(rest("rstscope\t--help"), "--help");
    }
}
