//! Under wine only: gives wine's socket table the owner of a socket, as Windows always has it.
//!
//! Wine 8 keeps every socket's Unix descriptor in its server process and finds a socket's
//! owner for `GetExtendedTcpTable` by looking for the descriptor among the Windows processes'
//! own ones, so without this every row says PID 0. Holding a duplicate of the descriptor
//! (through ntdll's `wine_server_handle_to_fd`, which only wine exports) makes the row name
//! this process, as Windows would. On Windows the function does not exist and nothing is done.
//! This is the test programs' business, never rstscope's: rstscope reads the table as it is.

/// Keeps a Unix descriptor of `socket` open for the life of the process (wine only).
#[cfg(windows)]
pub fn show_owner<S: std::os::windows::io::AsRawSocket>(socket: &S) {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
    type HandleToFd = unsafe extern "C" fn(usize, u32, *mut i32, *mut u32) -> i32;
    // SAFETY: both strings are NUL-terminated literals; ntdll.dll is always loaded.
    let f = unsafe {
        GetProcAddress(
            GetModuleHandleA(c"ntdll.dll".as_ptr().cast()),
            c"wine_server_handle_to_fd".as_ptr().cast(),
        )
    };
    let Some(f) = f else {
        return;
    };
    // SAFETY: wine declares `NTSTATUS CDECL wine_server_handle_to_fd(HANDLE handle, unsigned
    // int access, int *unix_fd, unsigned int *options)`; the socket is a handle of this
    // process, and both out-pointers point at locals. The descriptor is deliberately never
    // closed: it must live as long as the socket.
    unsafe {
        let f: HandleToFd = std::mem::transmute(f);
        let (mut fd, mut options) = (-1, 0);
        f(socket.as_raw_socket() as usize, 0, &mut fd, &mut options);
    }
}

/// Elsewhere the socket table knows its owners.
#[cfg(not(windows))]
pub fn show_owner<S>(_socket: &S) {}
