//! Npcap's `wpcap.dll` on Windows, made sure of before any pcap call.
//!
//! rstscope links `wpcap.dll` delay-loaded (see `build.rs`): Windows starts the program without
//! it and loads it at the first pcap call. Were it missing then, that call would raise an
//! exception and end the program, so every way into the pcap crate goes through
//! [`ensure_loaded`](crate::source::npcap::ensure_loaded) first. It adds Npcap's own folder
//! (`System32\Npcap`, where Npcap installs `wpcap.dll` unless its WinPcap-compatible mode is
//! chosen) to the DLL search path, loads the DLL once, and otherwise says that Npcap is not
//! installed and how to get it. Opening capture files never needs it: they are read by
//! rstscope's own reader.
//!
//! Elsewhere libpcap is an ordinary dependency of the program, and
//! [`ensure_loaded`](crate::source::npcap::ensure_loaded) always succeeds.

/// Where Npcap is downloaded.
pub const DOWNLOAD_PAGE: &str = "https://npcap.com/#download";

/// What to choose in Npcap's installer, for rstscope's use of it.
pub const INSTALL_ADVICE: &str = "in its installer tick \"Support loopback traffic\" (connections \
     to 127.0.0.1 and ::1, such as a refused local port, are only seen through it), and leave \
     \"Restrict Npcap driver's access to Administrators only\" unticked unless rstscope will \
     always run as administrator; WinPcap API-compatible mode is not needed";

/// Npcap could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Npcap is not installed ({detail}); live capture needs it, opening capture files does not. \
     Download it from {DOWNLOAD_PAGE}; {INSTALL_ADVICE}"
)]
pub struct NpcapMissing {
    /// What Windows said when `wpcap.dll` was loaded.
    pub detail: String,
}

/// Loads Npcap's `wpcap.dll` (once per process; later calls return the first answer).
///
/// # Errors
/// [`NpcapMissing`] when the DLL is not found in Npcap's folder or the system's.
pub fn ensure_loaded() -> Result<(), NpcapMissing> {
    #[cfg(windows)]
    {
        use std::sync::OnceLock;
        static LOADED: OnceLock<Result<(), NpcapMissing>> = OnceLock::new();
        LOADED
            .get_or_init(|| os::load().map_err(|detail| NpcapMissing { detail }))
            .clone()
    }
    #[cfg(not(windows))]
    {
        Ok(())
    }
}

/// Whether live capture can be offered at all (false only on Windows without Npcap).
#[must_use]
pub fn is_available() -> bool {
    ensure_loaded().is_ok()
}

#[cfg(windows)]
mod os {
    use std::io;

    use windows_sys::Win32::System::LibraryLoader::{LoadLibraryW, SetDllDirectoryW};
    use windows_sys::Win32::System::SystemInformation::GetSystemDirectoryW;

    /// A NUL-terminated UTF-16 string for the wide Win32 calls.
    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// Adds `System32\Npcap` to the DLL search path and loads `wpcap.dll`; the error text says
    /// what Windows answered.
    pub(super) fn load() -> Result<(), String> {
        let mut buf = [0u16; 512];
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: the pointer and length describe `buf`, which lives across the call; the
        // function writes at most `len` UTF-16 units and returns how many (0 on failure, more
        // than `len` when the buffer is too small, both handled below).
        let n = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), len) } as usize;
        if n == 0 || n >= buf.len() {
            return Err(format!(
                "the system folder could not be found: {}",
                io::Error::last_os_error()
            ));
        }
        let system = String::from_utf16_lossy(&buf[..n]);
        let npcap_dir = format!("{system}\\Npcap");
        let dir = wide(&npcap_dir);
        // SAFETY: `dir` is a NUL-terminated UTF-16 string that outlives the call; Windows
        // copies it. Npcap's documentation asks programs to do exactly this, so that wpcap.dll
        // and its Packet.dll are found in Npcap's folder.
        if unsafe { SetDllDirectoryW(dir.as_ptr()) } == 0 {
            return Err(format!(
                "{npcap_dir} could not be added to the DLL search path: {}",
                io::Error::last_os_error()
            ));
        }
        let name = wide("wpcap.dll");
        // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call. The module
        // is never freed: the delay-load helper finds it loaded, by name, at the first pcap
        // call, and uses it for the life of the process.
        let module = unsafe { LoadLibraryW(name.as_ptr()) };
        if module.is_null() {
            return Err(format!(
                "wpcap.dll is not in {npcap_dir} or the system folders: {}",
                io::Error::last_os_error()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_download_page_and_the_installer_options() {
        let text = NpcapMissing {
            detail: "wpcap.dll is not in C:\\Windows\\system32\\Npcap".into(),
        }
        .to_string();
        assert!(text.starts_with("Npcap is not installed"), "{text}");
        assert!(text.contains("https://npcap.com/#download"), "{text}");
        assert!(text.contains("Support loopback traffic"), "{text}");
        assert!(text.contains("Administrators only"), "{text}");
        assert!(text.contains("opening capture files does not"), "{text}");
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_libpcap_is_always_there() {
        assert_eq!(ensure_loaded(), Ok(()));
        assert!(is_available());
    }
}
