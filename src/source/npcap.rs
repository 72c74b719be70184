//! Npcap's `wpcap.dll` on Windows, found and checked before any pcap call.
//!
//! rstscope links `wpcap.dll` delay-loaded (see `build.rs`): Windows starts the program without
//! it and resolves each pcap function at its first call. A DLL or a function missing then
//! raises an exception that would end the program, so every way into the pcap crate goes
//! through [`ensure_listing`](crate::source::npcap::ensure_listing) or
//! [`ensure_capture`](crate::source::npcap::ensure_capture) first. They add Npcap's own folder
//! (`System32\Npcap`, where Npcap installs `wpcap.dll` unless its WinPcap-compatible mode is
//! chosen) to the DLL search path, load the DLL once, and look up with `GetProcAddress` every
//! function the capture will call. The `wpcap.dll` found may be Npcap's, an old WinPcap's
//! (4.1.3 is still on many servers and lacks `pcap_set_immediate_mode`), or another program's
//! copy: what is missing but has a substitute is done without (without immediate mode the
//! non-blocking reads and a short read timeout deliver packets within 10 ms; a larger kernel
//! buffer is skipped), and
//! only a DLL that cannot capture at all is refused, with a message naming its path, its
//! `pcap_lib_version()`, what it lacks and what to install. Opening capture files never needs
//! the DLL: they are read by rstscope's own reader.
//!
//! Should a pcap function be called that the check did not cover (a newer pcap crate), the
//! delay-load exception is caught by a handler installed at the first load, which says the
//! same things and ends the program with exit code 2 instead of a crash.
//!
//! Elsewhere libpcap is an ordinary dependency of the program, and every check succeeds.

use std::fmt;

/// Where Npcap is downloaded.
pub const DOWNLOAD_PAGE: &str = "https://npcap.com/#download";

/// What to choose in Npcap's installer, for rstscope's use of it. Npcap 0.9983 and later
/// capture loopback traffic on their own adapter (`\Device\NPF_Loopback`) whatever is
/// chosen; their installer's loopback option (`/loopback_support`) is now "Legacy loopback
/// support", an extra adapter for Nmap 7.80 and older that Npcap advises against ticking.
/// Before 0.9983 the same option was "Support loopback traffic", and loopback needed it.
pub const INSTALL_ADVICE: &str = "its installer's defaults suit rstscope: Npcap captures \
     connections to 127.0.0.1 and ::1 (such as a refused local port) without \"Legacy loopback \
     support\" (an Npcap older than 0.9983 needs its \"Support loopback traffic\" ticked for \
     them); leave \"Restrict Npcap driver's access to Administrators only\" unticked unless \
     rstscope will always run as administrator; WinPcap API-compatible mode is not needed";

/// The functions `rstscope interfaces` and the interface picker call.
pub const LISTING: &[&str] = &["pcap_findalldevs", "pcap_freealldevs"];

/// The functions a capture calls besides [`LISTING`]'s, none of which has a substitute: the
/// handle's life (`pcap_create`, `pcap_activate`, `pcap_close`), its settings, the kernel
/// filter, non-blocking reads and the drop counters. (Keep in step with
/// `source::live::open` and the capture thread.)
pub const CAPTURE: &[&str] = &[
    "pcap_create",
    "pcap_set_snaplen",
    "pcap_set_timeout",
    "pcap_set_promisc",
    "pcap_activate",
    "pcap_geterr",
    "pcap_setnonblock",
    "pcap_compile",
    "pcap_setfilter",
    "pcap_freecode",
    "pcap_datalink",
    "pcap_next_ex",
    "pcap_stats",
    "pcap_close",
];

/// Functions used when present, each with what is done without it.
pub const OPTIONAL: &[(&str, &str)] = &[
    (
        "pcap_set_immediate_mode",
        "packets still arrive within 10 ms, through non-blocking reads and the read timeout \
         (libpcap 1.5 and later have it; WinPcap and old Npcap do not)",
    ),
    ("pcap_set_buffer_size", "the driver's default kernel buffer"),
    ("pcap_lib_version", "the DLL's version is not shown"),
    (
        "pcap_open_dead",
        "what a custom --filter leaves out (IPv6, SYNs) is not told",
    ),
    (
        "pcap_offline_filter",
        "what a custom --filter leaves out (IPv6, SYNs) is not told",
    ),
];

/// The functions of [`OPTIONAL`] used only to tell what a custom `--filter` leaves out.
pub const FOR_CUSTOM_FILTER: &[&str] = &["pcap_open_dead", "pcap_offline_filter"];

/// How a capture gets each packet to rstscope without waiting for a buffer to fill.
///
/// WinPcap's own substitute for immediate mode, `pcap_setmintocopy(0)`, is not needed:
/// rstscope reads without blocking (`pcap_setnonblock`), and a non-blocking read of the NPF
/// driver returns whatever it has buffered, however little (the minimum to copy only decides
/// when a blocking read wakes up). (Wine's wpcap.dll exports `pcap_setmintocopy` as an
/// unimplemented stub that aborts the program when called; not calling it avoids that too.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// `pcap_set_immediate_mode(1)` before activation (libpcap 1.5 and later, Npcap).
    ImmediateMode,
    /// Without it: non-blocking reads, and the 10 ms read timeout bounds what a capture that
    /// buffers (libpcap on Linux) holds back.
    NonBlocking,
}

/// What the loaded `wpcap.dll` offers: the checks' result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wpcap {
    /// The DLL's full path (`libpcap` elsewhere).
    pub path: String,
    /// What its `pcap_lib_version()` says, when it has that function.
    pub version: Option<String>,
    /// The functions of [`LISTING`], [`CAPTURE`] and [`OPTIONAL`] it does not export.
    pub missing: Vec<&'static str>,
}

impl Wpcap {
    /// The result of looking up each function of interest with `exports`.
    pub fn from_exports(
        path: impl Into<String>,
        version: Option<String>,
        exports: impl Fn(&str) -> bool,
    ) -> Self {
        let missing = LISTING
            .iter()
            .chain(CAPTURE)
            .chain(OPTIONAL.iter().map(|(name, _)| name))
            .copied()
            .filter(|name| !exports(name))
            .collect();
        Self {
            path: path.into(),
            version,
            missing,
        }
    }

    /// Whether it exports `function` (one of those checked).
    pub fn has(&self, function: &str) -> bool {
        !self.missing.contains(&function)
    }

    /// How packets are delivered promptly with this DLL.
    pub fn delivery(&self) -> Delivery {
        if self.has("pcap_set_immediate_mode") {
            Delivery::ImmediateMode
        } else {
            Delivery::NonBlocking
        }
    }

    /// Whether `pcap_set_buffer_size` may be called.
    pub fn sets_buffer_size(&self) -> bool {
        self.has("pcap_set_buffer_size")
    }

    /// The optional functions missing, each with what is done without it (for a note).
    pub fn substitutes(&self) -> Vec<(&'static str, &'static str)> {
        OPTIONAL
            .iter()
            .filter(|(name, _)| !self.has(name))
            .copied()
            .collect()
    }

    /// The notes a capture prints for the optional functions missing: one per consequence,
    /// naming the functions it comes from (`PATH has no pcap_open_dead or pcap_offline_filter:
    /// ...`); those that only a custom capture filter needs ([`FOR_CUSTOM_FILTER`]) are left
    /// out without one (`custom_filter` false), where they change nothing.
    pub fn notes(&self, custom_filter: bool) -> Vec<String> {
        let mut notes: Vec<(Vec<&str>, &str)> = Vec::new();
        for (name, instead) in self.substitutes() {
            if !custom_filter && FOR_CUSTOM_FILTER.contains(&name) {
                continue;
            }
            match notes.iter_mut().find(|(_, said)| *said == instead) {
                Some((names, _)) => names.push(name),
                None => notes.push((vec![name], instead)),
            }
        }
        notes
            .into_iter()
            .map(|(names, instead)| {
                format!("{} has no {}: {instead}", self.path, names.join(" or "))
            })
            .collect()
    }

    /// Checks that every function of `needed` is there.
    fn require(&self, needed: &[&[&'static str]], task: Task) -> Result<&Self, NpcapError> {
        let missing: Vec<&'static str> = needed
            .iter()
            .flat_map(|set| set.iter())
            .filter(|name| !self.has(name))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(self)
        } else {
            Err(NpcapError::Incomplete {
                path: self.path.clone(),
                version: self.version.clone(),
                missing,
                task,
            })
        }
    }
}

/// What the missing functions were needed for, in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Listing interfaces.
    Listing,
    /// Capturing.
    Capture,
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Task::Listing => "listing interfaces",
            Task::Capture => "live capture",
        })
    }
}

/// `version` as the messages quote it.
fn version_text(version: Option<&str>) -> String {
    version.map_or_else(
        || "no pcap_lib_version(), so older than WinPcap 4".to_owned(),
        |v| format!("pcap_lib_version() says \"{v}\""),
    )
}

/// Why capture cannot use Npcap. Each message says what to install.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpcapError {
    /// No `wpcap.dll` could be loaded.
    #[error(
        "Npcap is not installed ({detail}); live capture needs it, opening capture files does not. \
         Download it from {DOWNLOAD_PAGE}; {INSTALL_ADVICE}"
    )]
    Missing {
        /// What Windows said when `wpcap.dll` was loaded.
        detail: String,
    },
    /// A `wpcap.dll` was found, but it lacks functions that have no substitute.
    #[error(
        "the wpcap.dll found, {path} ({version}), lacks {missing} needed for {task}: it is not a \
         complete Npcap (an old WinPcap, an early Npcap or another program's copy). Opening \
         capture files works without it. Install or update Npcap from {DOWNLOAD_PAGE} (its \
         wpcap.dll goes to System32\\Npcap, which rstscope uses first); {INSTALL_ADVICE}",
        version = version_text(version.as_deref()),
        missing = missing.join(", "),
    )]
    Incomplete {
        /// The DLL's full path.
        path: String,
        /// Its `pcap_lib_version()`.
        version: Option<String>,
        /// The functions it lacks.
        missing: Vec<&'static str>,
        /// What they were needed for.
        task: Task,
    },
}

impl NpcapError {
    /// The message's first sentence, for a short notice (the app's start screen).
    pub fn headline(&self) -> String {
        match self {
            NpcapError::Missing { .. } => "Capture needs Npcap, which is not installed.".into(),
            NpcapError::Incomplete { path, version, .. } => format!(
                "Capture needs Npcap: the wpcap.dll found ({path}, {}) is not a complete Npcap.",
                version_text(version.as_deref())
            ),
        }
    }
}

/// Loads `wpcap.dll` and checks [`LISTING`] (once per process; later calls give the first
/// answer).
///
/// # Errors
/// [`NpcapError`] when no DLL is found or it lacks a listing function.
pub fn ensure_listing() -> Result<&'static Wpcap, NpcapError> {
    library()?.require(&[LISTING], Task::Listing)
}

/// Loads `wpcap.dll` and checks [`LISTING`] and [`CAPTURE`]; the answer says which optional
/// functions to use.
///
/// # Errors
/// [`NpcapError`] when no DLL is found or it lacks a function without a substitute.
pub fn ensure_capture() -> Result<&'static Wpcap, NpcapError> {
    library()?.require(&[LISTING, CAPTURE], Task::Capture)
}

/// Whether live capture can be offered at all (false only on Windows without a usable
/// `wpcap.dll`).
#[must_use]
pub fn is_available() -> bool {
    ensure_capture().is_ok()
}

/// The loaded DLL and what it exports.
fn library() -> Result<&'static Wpcap, NpcapError> {
    use std::sync::OnceLock;
    static LOADED: OnceLock<Result<Wpcap, NpcapError>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            #[cfg(windows)]
            {
                os::load()
            }
            #[cfg(not(windows))]
            {
                Ok(Wpcap::from_exports("libpcap", libpcap::version(), |_| true))
            }
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Why `wpcap.dll` did not load, for [`NpcapError::Missing`]: with Windows' "module not found"
/// (`ERROR_MOD_NOT_FOUND`) and no DLL in Npcap's folder, that it is in neither place (Windows'
/// own words, "The specified module could not be found. (os error 126)", only said it again,
/// inside the message's parentheses); otherwise which DLL did not load and Windows' reason (a
/// 32-bit one, or Npcap's `Packet.dll` missing beside it).
#[cfg_attr(not(windows), allow(dead_code))]
fn load_failure(npcap_dir: &str, in_npcap_dir: bool, error: &std::io::Error) -> String {
    /// `ERROR_MOD_NOT_FOUND` of winerror.h.
    const MODULE_NOT_FOUND: i32 = 126;
    if in_npcap_dir {
        format!("{npcap_dir}\\wpcap.dll is there but did not load: {error}")
    } else if error.raw_os_error() == Some(MODULE_NOT_FOUND) {
        format!("wpcap.dll is not in {npcap_dir} or the system folders")
    } else {
        format!(
            "wpcap.dll is not in {npcap_dir}, and the one in the system folders did not load: \
             {error}"
        )
    }
}

/// libpcap where it is an ordinary dependency of the program.
#[cfg(not(windows))]
mod libpcap {
    use std::ffi::{CStr, c_char};

    unsafe extern "C" {
        /// `const char *pcap_lib_version(void)`: libpcap has had it since 0.8; the pcap crate
        /// links the library and does not wrap it.
        fn pcap_lib_version() -> *const c_char;
    }

    /// What `pcap_lib_version()` says (`libpcap version 1.10.3 (with TPACKET_V3)`).
    pub(super) fn version() -> Option<String> {
        // SAFETY: the function takes no arguments and returns a pointer to a static,
        // NUL-terminated string (or null, checked below); libpcap is linked into the program.
        let p = unsafe { pcap_lib_version() };
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null, it points to libpcap's static NUL-terminated version string.
        let text = unsafe { CStr::from_ptr(p) };
        Some(text.to_string_lossy().trim().to_owned())
    }
}

#[cfg(windows)]
mod os {
    use std::ffi::{CStr, c_char, c_void};
    use std::io;
    use std::sync::OnceLock;

    use windows_sys::Win32::Foundation::{HMODULE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Console::{GetStdHandle, STD_ERROR_HANDLE};
    use windows_sys::Win32::System::Diagnostics::Debug::{
        AddVectoredExceptionHandler, EXCEPTION_POINTERS,
    };
    use windows_sys::Win32::System::LibraryLoader::{
        GetModuleFileNameW, GetModuleHandleW, GetProcAddress, LoadLibraryW, SetDllDirectoryW,
    };
    use windows_sys::Win32::System::SystemInformation::GetSystemDirectoryW;
    use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MessageBoxW};

    use super::{DOWNLOAD_PAGE, INSTALL_ADVICE, NpcapError, Wpcap, version_text};

    /// Skips the export check, so that the delay-load handler can be tested with a DLL that
    /// lacks functions (the Windows smoke test does). Never needed otherwise.
    const SKIP_CHECK_VARIABLE: &str = "RSTSCOPE_TEST_SKIP_WPCAP_CHECK";

    /// A NUL-terminated UTF-16 string for the wide Win32 calls.
    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// The DLL as the delay-load handler describes it.
    static FOUND: OnceLock<(String, Option<String>)> = OnceLock::new();

    /// Adds `System32\Npcap` to the DLL search path, loads `wpcap.dll` and looks up the
    /// functions of interest.
    pub(super) fn load() -> Result<Wpcap, NpcapError> {
        let missing = |detail: String| NpcapError::Missing { detail };
        let mut buf = [0u16; 512];
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: the pointer and length describe `buf`, which lives across the call; the
        // function writes at most `len` UTF-16 units and returns how many (0 on failure, more
        // than `len` when the buffer is too small, both handled below).
        let n = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), len) } as usize;
        if n == 0 || n >= buf.len() {
            return Err(missing(format!(
                "the system folder could not be found: {}",
                io::Error::last_os_error()
            )));
        }
        let system = String::from_utf16_lossy(&buf[..n]);
        let npcap_dir = format!("{system}\\Npcap");
        let dir = wide(&npcap_dir);
        // SAFETY: `dir` is a NUL-terminated UTF-16 string that outlives the call; Windows
        // copies it. Npcap's documentation asks programs to do exactly this, so that wpcap.dll
        // and its Packet.dll are found in Npcap's folder.
        if unsafe { SetDllDirectoryW(dir.as_ptr()) } == 0 {
            return Err(missing(format!(
                "{npcap_dir} could not be added to the DLL search path: {}",
                io::Error::last_os_error()
            )));
        }
        let name = wide("wpcap.dll");
        // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call. The module
        // is never freed: the delay-load helper finds it loaded, by name, at the first pcap
        // call, and uses it for the life of the process.
        let module = unsafe { LoadLibraryW(name.as_ptr()) };
        if module.is_null() {
            let error = io::Error::last_os_error();
            let in_npcap_dir = std::path::Path::new(&npcap_dir).join("wpcap.dll").exists();
            return Err(missing(super::load_failure(
                &npcap_dir,
                in_npcap_dir,
                &error,
            )));
        }
        utf8_strings(module);
        let path = module_path(module).unwrap_or_else(|| "wpcap.dll".into());
        let version = lib_version(module);
        let _ = FOUND.set((path.clone(), version.clone()));
        install_delay_load_handler();
        if std::env::var_os(SKIP_CHECK_VARIABLE).is_some() {
            return Ok(Wpcap::from_exports(path, version, |_| true));
        }
        let wine = under_wine();
        Ok(Wpcap::from_exports(path, version, |f| {
            exported(module, f).is_some() && !(wine && WINE_STUBS.contains(&f))
        }))
    }

    /// Functions wine's own `wpcap.dll` exports as stubs that end the program when called: the
    /// export check finds them, so under wine they are taken as missing. (Npcap and WinPcap
    /// 4.1 implement both.)
    const WINE_STUBS: &[&str] = &["pcap_open_dead", "pcap_offline_filter"];

    /// Whether this runs under wine (its `ntdll.dll` exports `wine_get_version`).
    fn under_wine() -> bool {
        let ntdll = wide("ntdll.dll");
        // SAFETY: `ntdll` is a NUL-terminated UTF-16 string that outlives the call; the module
        // handle is not freed (GetModuleHandleW takes no reference).
        let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
        !module.is_null() && exported(module, "wine_get_version").is_some()
    }

    /// The address of `function` in `module`, if it exports it.
    fn exported(module: HMODULE, function: &str) -> Option<unsafe extern "system" fn() -> isize> {
        let name: Vec<u8> = function.bytes().chain(std::iter::once(0)).collect();
        // SAFETY: `module` is a loaded module that is never freed; `name` is a NUL-terminated
        // ANSI string that outlives the call. Nothing is called through the address here.
        unsafe { GetProcAddress(module, name.as_ptr()) }
    }

    /// The full path of a loaded module.
    fn module_path(module: HMODULE) -> Option<String> {
        let mut buf = vec![0u16; 1024];
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: the pointer and length describe `buf`; the function writes at most `len`
        // units and returns how many (0 on failure, `len` when the path was cut).
        let n = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), len) } as usize;
        (n > 0 && n < buf.len()).then(|| String::from_utf16_lossy(&buf[..n]))
    }

    /// Asks the DLL for UTF-8 strings (`pcap_init(PCAP_CHAR_ENC_UTF_8)`), when it has
    /// `pcap_init`. Without it Npcap gives the adapters' descriptions and its error messages in
    /// the system's ANSI code page, and a description or message with a letter beyond ASCII (an
    /// `ü` of a German message, a Japanese adapter's name) came out as `\u{FFFD}` where
    /// rstscope read it as UTF-8. (WinPcap and early Npcap lack the function
    /// and give ANSI; wine's forwards to the host's libpcap.)
    fn utf8_strings(module: HMODULE) {
        /// `PCAP_CHAR_ENC_UTF_8` of pcap.h.
        const UTF_8: u32 = 1;
        let Some(f) = exported(module, "pcap_init") else {
            return;
        };
        let mut errbuf = [0 as c_char; 256];
        // SAFETY: `pcap_init` is declared by libpcap 1.10 and Npcap 1.0 and later as
        // `int pcap_init(unsigned int opts, char *errbuf)` (cdecl, the only x64 convention),
        // so the address is called with that signature; `errbuf` is writable and as long as
        // PCAP_ERRBUF_SIZE (256), the most it writes. No other pcap function has been called
        // yet, as it requires. Its failure leaves the strings as they were: nothing to do.
        unsafe {
            let f: unsafe extern "C" fn(u32, *mut c_char) -> i32 = std::mem::transmute(f);
            f(UTF_8, errbuf.as_mut_ptr());
        }
    }

    /// What `pcap_lib_version()` says, when the DLL has it.
    fn lib_version(module: HMODULE) -> Option<String> {
        let f = exported(module, "pcap_lib_version")?;
        // SAFETY: `pcap_lib_version` is declared by libpcap, WinPcap and Npcap as
        // `const char *pcap_lib_version(void)` (cdecl, which is the only x64 convention), so
        // the address is called with that signature; it takes no arguments.
        let text = unsafe {
            let f: unsafe extern "C" fn() -> *const c_char = std::mem::transmute(f);
            let p = f();
            if p.is_null() {
                return None;
            }
            // SAFETY: the function returns a NUL-terminated static string (or null, above).
            CStr::from_ptr(p).to_string_lossy().into_owned()
        };
        Some(text.trim().to_owned())
    }

    /// ERROR_MOD_NOT_FOUND and ERROR_PROC_NOT_FOUND raised by the delay-load helper
    /// (`VcppException(ERROR_SEVERITY_ERROR, ...)`, as MSVC's and mingw's helpers raise them).
    const DELAY_LOAD_MODULE: u32 = 0xC06D_007E;
    /// See [`DELAY_LOAD_MODULE`].
    const DELAY_LOAD_PROC: u32 = 0xC06D_007F;

    /// The first fields of delayimp.h's `DelayLoadInfo`, whose address the helper passes as
    /// the exception's first parameter.
    #[repr(C)]
    struct DelayLoadInfo {
        cb: u32,
        pidd: *const c_void,
        ppfn: *const c_void,
        sz_dll: *const c_char,
        import_by_name: i32,
        proc_name: *const c_char,
    }

    /// Installs [`on_exception`] once.
    fn install_delay_load_handler() {
        static INSTALLED: OnceLock<()> = OnceLock::new();
        INSTALLED.get_or_init(|| {
            // SAFETY: the handler is a plain function that lives as long as the program; it
            // is called for every exception first and passes on all but wpcap.dll's
            // delay-load failures.
            unsafe { AddVectoredExceptionHandler(1, Some(on_exception)) };
        });
    }

    /// A delay-load failure of wpcap.dll: the message a refusal would give, then exit code 2.
    /// Everything else: on to the next handler.
    unsafe extern "system" fn on_exception(info: *mut EXCEPTION_POINTERS) -> i32 {
        const CONTINUE_SEARCH: i32 = 0;
        // SAFETY: Windows passes valid exception pointers for the duration of the call; the
        // record's first parameter of a delay-load exception is a `DelayLoadInfo` the helper
        // keeps on its stack until the exception is handled. Each pointer is checked for
        // null before it is read, and the names are NUL-terminated strings of the import
        // descriptor.
        let (dll, function) = unsafe {
            let Some(record) = info.as_ref().and_then(|i| i.ExceptionRecord.as_ref()) else {
                return CONTINUE_SEARCH;
            };
            let code = record.ExceptionCode as u32;
            if (code != DELAY_LOAD_MODULE && code != DELAY_LOAD_PROC) || record.NumberParameters < 1
            {
                return CONTINUE_SEARCH;
            }
            let Some(dli) = (record.ExceptionInformation[0] as *const DelayLoadInfo).as_ref()
            else {
                return CONTINUE_SEARCH;
            };
            let text = |p: *const c_char| {
                (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
            };
            let dll = text(dli.sz_dll).unwrap_or_default();
            let function = if dli.import_by_name != 0 {
                text(dli.proc_name)
            } else {
                Some(format!("ordinal {}", dli.proc_name as usize & 0xFFFF_FFFF))
            };
            (dll, function)
        };
        if !dll.eq_ignore_ascii_case("wpcap.dll") {
            return CONTINUE_SEARCH;
        }
        let (path, version) = FOUND
            .get()
            .cloned()
            .unwrap_or_else(|| ("wpcap.dll".into(), None));
        let what = function.unwrap_or_else(|| "a function".into());
        let message = format!(
            "rstscope: live capture stopped: the wpcap.dll found, {path} ({}), has no {what}, \
             which rstscope called. Opening capture files works without it. Install or update Npcap from \
             {DOWNLOAD_PAGE}; {INSTALL_ADVICE}\n",
            version_text(version.as_deref())
        );
        crate::host::locale::stderr_line(message.trim_end());
        // SAFETY: GetStdHandle takes a constant. Without a standard error (the desktop app
        // started from Explorer or the Start menu) the message goes to a message box, whose
        // strings are NUL-terminated and outlive the call.
        unsafe {
            let stderr = GetStdHandle(STD_ERROR_HANDLE);
            if stderr.is_null() || stderr == INVALID_HANDLE_VALUE {
                let text = wide(message.trim_start_matches("rstscope: "));
                let title = wide("rstscope");
                MessageBoxW(
                    std::ptr::null_mut(),
                    text.as_ptr(),
                    title.as_ptr(),
                    MB_OK | MB_ICONERROR,
                );
            }
        }
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wine's wpcap.dll (libpcap 1.10 underneath): no immediate mode, but the rest.
    fn wine_like() -> Wpcap {
        Wpcap::from_exports(
            "C:\\windows\\system32\\wpcap.dll",
            Some("libpcap version 1.10.3".into()),
            |f| f != "pcap_set_immediate_mode",
        )
    }

    #[test]
    fn the_message_names_the_download_page_and_the_installer_options() {
        let text = NpcapError::Missing {
            detail: "wpcap.dll is not in C:\\Windows\\system32\\Npcap".into(),
        }
        .to_string();
        assert!(text.starts_with("Npcap is not installed"), "{text}");
        assert!(text.contains("https://npcap.com/#download"), "{text}");
        assert!(text.contains("Administrators only"), "{text}");
        assert!(text.contains("opening capture files does not"), "{text}");
    }

    /// Regression (Windows trial): the advice was to tick "Support loopback traffic", an
    /// option Npcap's installer has not had since 0.9983 (its loopback capture needs none; the
    /// box there now is "Legacy loopback support", for Nmap 7.80 and older, not to be ticked).
    #[test]
    fn the_advice_matches_the_options_of_npcaps_installer_today() {
        let text = NpcapError::Missing {
            detail: "wpcap.dll is not in C:\\Windows\\system32\\Npcap".into(),
        }
        .to_string();
        assert!(
            text.contains("Download it from https://npcap.com/#download; its installer's defaults suit rstscope"),
            "{text}"
        );
        assert!(
            text.contains("without \"Legacy loopback support\""),
            "{text}"
        );
        assert!(
            !text.contains("tick \"Support loopback traffic\""),
            "{text}"
        );
        assert!(
            text.contains("an Npcap older than 0.9983 needs its \"Support loopback traffic\""),
            "{text}"
        );
    }

    /// Regression (Windows trial): "Npcap is not installed (wpcap.dll is not in
    /// C:\Windows\system32\Npcap or the system folders: The specified module could not be
    /// found. (os error 126))" said the same thing twice; a wpcap.dll that is there but does not
    /// load is named with Windows' reason.
    #[test]
    fn a_dll_not_found_is_said_once_and_one_that_does_not_load_with_why() {
        let dir = r"C:\Windows\system32\Npcap";
        let not_found = std::io::Error::from_raw_os_error(126);
        assert_eq!(
            load_failure(dir, false, &not_found),
            r"wpcap.dll is not in C:\Windows\system32\Npcap or the system folders"
        );
        let there = load_failure(dir, true, &not_found);
        assert!(
            there.starts_with(r"C:\Windows\system32\Npcap\wpcap.dll is there but did not load: "),
            "{there}"
        );
        assert!(there.contains("os error 126"), "{there}");
        let bad_format = std::io::Error::from_raw_os_error(193);
        let elsewhere = load_failure(dir, false, &bad_format);
        assert!(
            elsewhere.starts_with(
                r"wpcap.dll is not in C:\Windows\system32\Npcap, and the one in the system folders did not load: "
            ),
            "{elsewhere}"
        );
        assert!(elsewhere.contains("os error 193"), "{elsewhere}");
    }

    #[test]
    fn a_dll_without_immediate_mode_captures_with_non_blocking_reads() {
        let dll = wine_like();
        assert_eq!(dll.delivery(), Delivery::NonBlocking);
        assert!(dll.sets_buffer_size());
        assert!(dll.require(&[LISTING, CAPTURE], Task::Capture).is_ok());
        assert_eq!(
            dll.substitutes().iter().map(|s| s.0).collect::<Vec<_>>(),
            ["pcap_set_immediate_mode"]
        );
    }

    /// Regression: a capture with wine's wpcap.dll (and an old WinPcap) printed three notes,
    /// two of them the same sentence about a custom --filter, also when none was given.
    #[test]
    fn the_notes_say_each_consequence_once_and_the_filter_one_only_with_a_filter() {
        let old = Wpcap::from_exports(r"C:\windows\system32\wpcap.dll", None, |f| {
            !matches!(
                f,
                "pcap_set_immediate_mode" | "pcap_open_dead" | "pcap_offline_filter"
            )
        });
        let notes = old.notes(false);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(r"C:\windows\system32\wpcap.dll has no pcap_set_immediate_mode: "),
            "{notes:?}"
        );
        let notes = old.notes(true);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[1].starts_with(
                r"C:\windows\system32\wpcap.dll has no pcap_open_dead or pcap_offline_filter: what a custom --filter"
            ),
            "{notes:?}"
        );
        assert!(
            Wpcap::from_exports("x", None, |_| true)
                .notes(true)
                .is_empty()
        );
    }

    #[test]
    fn npcap_uses_immediate_mode_and_a_larger_buffer() {
        let npcap = Wpcap::from_exports("x", None, |_| true);
        assert_eq!(npcap.delivery(), Delivery::ImmediateMode);
        assert!(npcap.sets_buffer_size());
        assert!(npcap.substitutes().is_empty());
        let old = Wpcap::from_exports("x", None, |f| f != "pcap_set_buffer_size");
        assert!(!old.sets_buffer_size());
    }

    #[test]
    fn a_dll_missing_capture_functions_is_refused_naming_path_version_and_functions() {
        // As the smoke test's fake wpcap.dll: pcap_lib_version and a few others only.
        let have = [
            "pcap_lib_version",
            "pcap_findalldevs",
            "pcap_freealldevs",
            "pcap_create",
            "pcap_close",
        ];
        let dll = Wpcap::from_exports(
            "C:\\Program Files\\Other\\wpcap.dll",
            Some("fake wpcap 0.1".into()),
            |f| have.contains(&f),
        );
        // Listing can work; capture cannot.
        assert!(dll.require(&[LISTING], Task::Listing).is_ok());
        let err = dll
            .require(&[LISTING, CAPTURE], Task::Capture)
            .expect_err("refused");
        let NpcapError::Incomplete { missing, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(missing.contains(&"pcap_activate"), "{missing:?}");
        assert!(!missing.contains(&"pcap_create"), "{missing:?}");
        // Optional functions are not reasons to refuse.
        assert!(!missing.contains(&"pcap_set_immediate_mode"), "{missing:?}");
        let text = err.to_string();
        for part in [
            "C:\\Program Files\\Other\\wpcap.dll",
            "pcap_lib_version() says \"fake wpcap 0.1\"",
            "pcap_activate",
            "needed for live capture",
            "https://npcap.com/#download",
            "Legacy loopback support",
            "Opening capture files works without it",
        ] {
            assert!(text.contains(part), "{part:?} not in {text}");
        }
        assert!(
            err.headline()
                .contains("C:\\Program Files\\Other\\wpcap.dll")
        );
    }

    #[test]
    fn a_dll_without_pcap_lib_version_is_called_older_than_winpcap_4() {
        let dll = Wpcap::from_exports("C:\\old\\wpcap.dll", None, |f| f == "pcap_findalldevs");
        let err = dll
            .require(&[LISTING], Task::Listing)
            .expect_err("no pcap_freealldevs");
        let text = err.to_string();
        assert!(text.contains("no pcap_lib_version()"), "{text}");
        assert!(
            text.contains("lacks pcap_freealldevs needed for listing interfaces"),
            "{text}"
        );
    }

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_libpcap_is_always_there() {
        let lib = ensure_capture().expect("libpcap");
        assert_eq!(lib.delivery(), Delivery::ImmediateMode);
        assert!(ensure_listing().is_ok());
        assert!(is_available());
        // Help > About names it.
        let version = lib.version.as_deref().unwrap_or_default();
        assert!(version.starts_with("libpcap version "), "{version:?}");
    }
}
