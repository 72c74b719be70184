//! Windows: the kernel's TCP counters from `GetTcpStatisticsEx`, IPv4 and IPv6 summed.
//!
//! Windows keeps one `MIB_TCPSTATS` per address family; Linux counts both families together,
//! so the two readings are added. The counters carry Linux's names (`/proc/net/snmp`'s `Tcp`
//! section) so that reports line up across OSes; both follow RFC 1213's tcp group (`tcpActiveOpens`
//! and so on), so the meanings are the same:
//!
//! | rstscope name  | `MIB_TCPSTATS` field | counts                                                  |
//! |----------------|----------------------|---------------------------------------------------------|
//! | `ActiveOpens`  | `dwActiveOpens`      | connects started by this host (SYN sent)                |
//! | `PassiveOpens` | `dwPassiveOpens`     | connections accepted from other hosts (SYN received)    |
//! | `AttemptFails` | `dwAttemptFails`     | connects that failed (refused, timed out) before ESTABLISHED |
//! | `EstabResets`  | `dwEstabResets`      | established connections reset                           |
//! | `OutRsts`      | `dwOutRsts`          | segments sent with RST (e.g. refusals of remote clients) |
//!
//! The fields are 32-bit and wrap; `CounterSeries` takes a drop as a reset.
//!
//! Also the socket table (`GetExtendedTcpTable`, both families, with each socket's owning PID)
//! and the names of those processes (the process list, in UTF-16), and the adapters' friendly
//! names.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INSUFFICIENT_BUFFER, ERROR_SUCCESS, INVALID_HANDLE_VALUE, NO_ERROR,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetTcpStatisticsEx, MIB_TCPSTATS_LH, TCP_TABLE_OWNER_PID_ALL,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};
use windows_sys::Win32::Security::{
    GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_REG_SZ, RegGetValueW};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_NAME_WIN32,
    PROCESS_QUERY_LIMITED_INFORMATION, QueryFullProcessImageNameW,
};

use super::sockets::{SocketEntry, SocketState, UNSEEN_PID};
use super::{HostError, TcpCounters};

/// Reads both families now and sums them.
pub(super) fn read_tcp_counters() -> Result<TcpCounters, HostError> {
    let v4 = family(AF_INET, "IPv4")?;
    let v6 = family(AF_INET6, "IPv6")?;
    Ok(TcpCounters::new(
        named(&v4)
            .into_iter()
            .zip(named(&v6))
            .map(|((name, a), (_, b))| (name, u64::from(a) + u64::from(b)))
            .collect(),
    ))
}

/// One family's statistics.
fn family(af: u16, label: &'static str) -> Result<MIB_TCPSTATS_LH, HostError> {
    let mut stats = MIB_TCPSTATS_LH::default();
    // SAFETY: `stats` is a valid, exclusively borrowed MIB_TCPSTATS_LH for the whole call, which
    // writes one such struct through the pointer and keeps nothing.
    let status = unsafe { GetTcpStatisticsEx(&mut stats, u32::from(af)) };
    if status != NO_ERROR {
        return Err(HostError::Call {
            call: "GetTcpStatisticsEx",
            what: label,
            source: io::Error::from_raw_os_error(status as i32),
        });
    }
    Ok(stats)
}

/// The PID Windows gives the kernel itself (`System`): a listener of a kernel driver (HTTP.sys
/// for IIS, WinRM and other programs that share port 80 or 5985 through it; SMB on 445) is
/// this process's, whichever program asked the driver to serve.
const SYSTEM_PID: u32 = 4;

/// `MIB_TCP_STATE` values rstscope tells apart (the rest are closing or closed).
const MIB_TCP_STATE_LISTEN: u32 = 2;
const MIB_TCP_STATE_SYN_SENT: u32 = 3;
const MIB_TCP_STATE_ESTAB: u32 = 5;

/// One row of `GetExtendedTcpTable`'s `TCP_TABLE_OWNER_PID_ALL`, either family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TcpRow {
    /// `MIB_TCP_STATE`.
    state: u32,
    local: SocketAddr,
    /// The owning process as the table gives it; 0 when it gives none.
    pid: u32,
}

/// The listening, connecting and established TCP sockets of both families, each with the
/// process that owns it, named by the process list's wide-character names (`collector-Jörg.exe`
/// as it is, not in the ANSI code page).
///
/// A row Windows gives without an owner (PID 0: under wine nearly every row, as wine's server
/// holds the sockets) is kept for a listener with [`UNSEEN_PID`] and no name, and left out for
/// a connection: "nothing listens" would be wrong, and no process can be tied to the
/// connection. PID 4 is the kernel, named `System` as Windows names it. A PID the process
/// list does not have (it ended between the table and the list) keeps its PID and no name.
pub(super) fn tcp_sockets() -> Result<Vec<SocketEntry>, HostError> {
    let mut rows = Vec::new();
    for (af, label, size, read) in [
        (AF_INET, "IPv4", 24, read_v4 as fn(&[u8]) -> Option<TcpRow>),
        (AF_INET6, "IPv6", 56, read_v6),
    ] {
        let table = tcp_table(af).map_err(|source| HostError::Sockets {
            message: format!(
                "GetExtendedTcpTable ({label}): {}",
                crate::report::os_error(&source)
            ),
        })?;
        rows.extend(table_rows(&table, size).filter_map(read));
    }
    // Read after the table, so every process of it that still runs is in the list.
    let names = ProcessNames::now();
    Ok(rows
        .into_iter()
        .filter_map(|row| entry(row, |pid| names.name(pid)))
        .collect())
}

/// The socket table's entry for `row`, its owner named by `name_of` (see [`tcp_sockets`]).
fn entry(row: TcpRow, name_of: impl FnOnce(u32) -> Option<String>) -> Option<SocketEntry> {
    let state = match row.state {
        MIB_TCP_STATE_LISTEN => SocketState::Listen,
        MIB_TCP_STATE_ESTAB => SocketState::Established,
        MIB_TCP_STATE_SYN_SENT => SocketState::Connecting,
        _ => return None,
    };
    let (pid, name) = match row.pid {
        UNSEEN_PID if state == SocketState::Listen => (UNSEEN_PID, String::new()),
        UNSEEN_PID => return None,
        // The process list names it `System` too; said here so that no list is needed.
        SYSTEM_PID => (SYSTEM_PID, "System".to_owned()),
        pid => (pid, name_of(pid).unwrap_or_default()),
    };
    Some(SocketEntry {
        local: row.local,
        state,
        pid,
        name,
    })
}

/// `GetExtendedTcpTable`'s table of every socket of one family with its owner, as bytes
/// (grown until it fits).
fn tcp_table(af: u16) -> io::Result<Vec<u8>> {
    let mut size: u32 = 16 * 1024;
    for _ in 0..8 {
        let mut buf = vec![0u8; size as usize];
        // SAFETY: `buf` is a live, writable buffer of `size` bytes for the whole call, which
        // writes at most `size` bytes (or says the size it needs in `size`) and keeps nothing.
        let status = unsafe {
            GetExtendedTcpTable(
                buf.as_mut_ptr().cast(),
                &mut size,
                0,
                u32::from(af),
                TCP_TABLE_OWNER_PID_ALL,
                0,
            )
        };
        match status {
            NO_ERROR => return Ok(buf),
            // Sockets come between two calls: room for some more.
            ERROR_INSUFFICIENT_BUFFER => size = size.saturating_add(16 * 1024),
            _ => return Err(io::Error::from_raw_os_error(status as i32)),
        }
    }
    Err(io::Error::other(
        "the table outgrew the buffer eight times running",
    ))
}

/// The rows of a `MIB_TCPTABLE_OWNER_PID` / `MIB_TCP6TABLE_OWNER_PID`: a 32-bit count, then
/// rows of `row` bytes (4-byte aligned, so they start at offset 4).
fn table_rows(table: &[u8], row: usize) -> impl Iterator<Item = &[u8]> {
    let count = table
        .get(0..4)
        .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize);
    table
        .get(4..)
        .unwrap_or_default()
        .chunks_exact(row)
        .take(count)
}

/// The 32-bit field at `at` of a row, in host order.
fn dword(r: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(r.get(at..at + 4)?.try_into().ok()?))
}

/// A port field: the port in network order in the dword's first two bytes.
fn port(r: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(r.get(at..at + 2)?.try_into().ok()?))
}

/// `MIB_TCPROW_OWNER_PID`: state, local address (network order), local port, remote address
/// and port, PID.
fn read_v4(r: &[u8]) -> Option<TcpRow> {
    let ip: [u8; 4] = r.get(4..8)?.try_into().ok()?;
    Some(TcpRow {
        state: dword(r, 0)?,
        local: SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port(r, 8)?),
        pid: dword(r, 20)?,
    })
}

/// `MIB_TCP6ROW_OWNER_PID`: local address (16 bytes), scope, local port, remote address,
/// scope and port, state, PID.
fn read_v6(r: &[u8]) -> Option<TcpRow> {
    let ip: [u8; 16] = r.get(0..16)?.try_into().ok()?;
    Some(TcpRow {
        state: dword(r, 48)?,
        local: SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port(r, 20)?),
        pid: dword(r, 52)?,
    })
}

/// Every running process's name by PID, from one snapshot of the process list
/// (`Process32FirstW`: the names in UTF-16, whatever the ANSI code page), with the image path's
/// file name (`QueryFullProcessImageNameW`) for a PID the snapshot lacks or when there is no
/// snapshot.
struct ProcessNames {
    by_pid: HashMap<u32, String>,
}

impl ProcessNames {
    /// The process list now; empty when Windows refuses a snapshot.
    fn now() -> Self {
        Self {
            by_pid: process_list().unwrap_or_default(),
        }
    }

    /// The name of `pid`, `None` when no process has it (it ended).
    fn name(&self, pid: u32) -> Option<String> {
        self.by_pid
            .get(&pid)
            .cloned()
            .or_else(|| image_file_name(pid))
    }
}

/// `(PID, executable file name)` of every process, from a Toolhelp snapshot.
fn process_list() -> Option<HashMap<u32, String>> {
    // SAFETY: no pointers; the handle returned is closed below.
    let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
    if snapshot == INVALID_HANDLE_VALUE || snapshot.is_null() {
        return None;
    }
    let mut out = HashMap::new();
    let mut entry = PROCESSENTRY32W {
        dwSize: u32::try_from(std::mem::size_of::<PROCESSENTRY32W>()).unwrap_or(0),
        ..Default::default()
    };
    // SAFETY: `entry` is a PROCESSENTRY32W with dwSize set, exclusively borrowed for the call,
    // which fills it; `snapshot` is the open snapshot.
    let mut more = unsafe { Process32FirstW(snapshot, &mut entry) } != 0;
    while more {
        out.insert(entry.th32ProcessID, wide_array(&entry.szExeFile));
        // SAFETY: as for Process32FirstW.
        more = unsafe { Process32NextW(snapshot, &mut entry) } != 0;
    }
    // SAFETY: `snapshot` was opened above and is not used after this.
    unsafe { CloseHandle(snapshot) };
    Some(out)
}

/// The file name of the executable `pid` runs (`QueryFullProcessImageNameW`), `None` when the
/// process is gone or cannot be opened (another user's, without the right to query it).
fn image_file_name(pid: u32) -> Option<String> {
    // SAFETY: no pointers; a null handle is checked, and an open one closed below.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return None;
    }
    // Long paths (`\\?\` prefixes) reach 32767 units.
    let mut buf = vec![0u16; 32_768];
    let mut len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
    // SAFETY: `buf` is writable for `len` units, which the call lowers to the units written
    // (without the NUL); `process` is open with PROCESS_QUERY_LIMITED_INFORMATION.
    let ok = unsafe {
        QueryFullProcessImageNameW(process, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len)
    };
    // SAFETY: `process` was opened above and is not used after this.
    unsafe { CloseHandle(process) };
    if ok == 0 {
        return None;
    }
    let path = String::from_utf16_lossy(buf.get(..len as usize)?);
    let name = path.rsplit(['\\', '/']).next().unwrap_or(&path);
    Some(name.to_owned()).filter(|n| !n.is_empty())
}

/// True when this process runs elevated ("Run as administrator", or a service's account):
/// Windows then lets it read other users' and services' processes (their paths and command
/// lines), which it refuses a user's; false when the token cannot be read.
pub(super) fn elevated() -> bool {
    let mut token = std::ptr::null_mut();
    // SAFETY: GetCurrentProcess's pseudo-handle needs no closing; `token` is a local the call
    // writes an open handle to, closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return false;
    }
    let mut elevation = TOKEN_ELEVATION::default();
    let mut len = 0u32;
    // SAFETY: `elevation` is a TOKEN_ELEVATION, exclusively borrowed for the call, whose size
    // is given; `len` is a local; `token` is open with TOKEN_QUERY.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenElevation,
            (&raw mut elevation).cast(),
            u32::try_from(std::mem::size_of::<TOKEN_ELEVATION>()).unwrap_or(0),
            &mut len,
        )
    };
    // SAFETY: `token` was opened above and is not used after this.
    unsafe { CloseHandle(token) };
    ok != 0 && elevation.TokenIsElevated != 0
}

/// The registry's `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid`, which Windows Setup
/// writes once per installation (and sysprep anew per clone): the text as stored, `None` where
/// it cannot be read. The 64-bit program reads the 64-bit view, where the value is.
pub(super) fn machine_guid() -> Option<String> {
    let key: Vec<u16> = "SOFTWARE\\Microsoft\\Cryptography\0"
        .encode_utf16()
        .collect();
    let value: Vec<u16> = "MachineGuid\0".encode_utf16().collect();
    // A GUID is 36 characters and a NUL; room to spare for a value longer than it should be,
    // which the caller then refuses.
    let mut buf = [0u16; 128];
    let mut bytes = u32::try_from(std::mem::size_of_val(&buf)).unwrap_or(0);
    // SAFETY: the key and value names are NUL-terminated UTF-16 that live across the call;
    // `buf` is exclusively borrowed and `bytes` gives its size in bytes, which the call never
    // writes past (it fails with ERROR_MORE_DATA instead); the type pointer may be null.
    let status = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            key.as_ptr(),
            value.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            buf.as_mut_ptr().cast(),
            &mut bytes,
        )
    };
    if status != ERROR_SUCCESS {
        return None;
    }
    let units = buf.get(..bytes as usize / 2)?;
    Some(wide_array(units))
}

/// A fixed-size UTF-16 field up to its first NUL.
fn wide_array(units: &[u16]) -> String {
    let len = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    String::from_utf16_lossy(&units[..len])
}

/// The counters rstscope uses, by their Linux names, in Linux's order.
fn named(s: &MIB_TCPSTATS_LH) -> [(&'static str, u32); 5] {
    [
        ("ActiveOpens", s.dwActiveOpens),
        ("PassiveOpens", s.dwPassiveOpens),
        ("AttemptFails", s.dwAttemptFails),
        ("EstabResets", s.dwEstabResets),
        ("OutRsts", s.dwOutRsts),
    ]
}

/// Each network adapter's name as Windows keeps it (`{GUID}`, the tail of Npcap's
/// `\Device\NPF_{GUID}`) with its friendly name (`Ethernet 2`, `Wi-Fi`: what `ipconfig` and
/// the Network Connections window call it); empty when the call fails.
pub(super) fn adapter_friendly_names() -> Vec<(String, String)> {
    use windows_sys::Win32::Foundation::ERROR_BUFFER_OVERFLOW;
    use windows_sys::Win32::NetworkManagement::IpHelper::{
        GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_DNS_SERVER, GAA_FLAG_SKIP_MULTICAST,
        GAA_FLAG_SKIP_UNICAST, GetAdaptersAddresses, IP_ADAPTER_ADDRESSES_LH,
    };
    use windows_sys::Win32::Networking::WinSock::AF_UNSPEC;
    let flags = GAA_FLAG_SKIP_UNICAST
        | GAA_FLAG_SKIP_ANYCAST
        | GAA_FLAG_SKIP_MULTICAST
        | GAA_FLAG_SKIP_DNS_SERVER;
    // Microsoft's advice: start with 15 KB; the call says how much it needs when that is short
    // (and adapters may come between two calls).
    let mut size: u32 = 15 * 1024;
    for _ in 0..3 {
        // u64s: the structures it writes are 8-byte aligned.
        let mut buf = vec![0u64; (size as usize).div_ceil(8)];
        let first = buf.as_mut_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
        // SAFETY: `buf` is writable for `size` bytes (rounded up) and outlives the call, which
        // writes at most `size` bytes of linked IP_ADAPTER_ADDRESSES_LH into it, or sets `size`
        // to what it needs and returns ERROR_BUFFER_OVERFLOW; the reserved pointer is null.
        let status = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                flags,
                std::ptr::null(),
                first,
                &mut size,
            )
        };
        if status == ERROR_BUFFER_OVERFLOW {
            continue;
        }
        if status != NO_ERROR {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut at = first.cast_const();
        while !at.is_null() {
            // SAFETY: `at` is the first entry, or the `Next` of one, that the call wrote into
            // `buf`, which is still alive; the list ends with a null `Next`.
            let a = unsafe { &*at };
            // SAFETY: when not null, AdapterName is a NUL-terminated ANSI string and
            // FriendlyName a NUL-terminated UTF-16 string, both inside `buf`.
            let (name, friendly) = unsafe { (ansi(a.AdapterName), wide_string(a.FriendlyName)) };
            if let (Some(name), Some(friendly)) = (name, friendly) {
                out.push((name, friendly));
            }
            at = a.Next;
        }
        return out;
    }
    Vec::new()
}

/// A NUL-terminated ANSI string, `None` when null or empty.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
unsafe fn ansi(p: *const u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's promise.
    let s = unsafe { std::ffi::CStr::from_ptr(p.cast()) };
    Some(s.to_string_lossy().into_owned()).filter(|s| !s.is_empty())
}

/// A NUL-terminated UTF-16 string, `None` when null or empty.
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
unsafe fn wide_string(p: *const u16) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut len = 0;
    // SAFETY: the caller's promise: every unit up to and including the NUL is readable.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` units before the NUL, read above.
    let units = unsafe { std::slice::from_raw_parts(p, len) };
    Some(String::from_utf16_lossy(units)).filter(|s| !s.is_empty())
}

/// Wine only: gives wine's socket table the owner of a test's child's listener, as Windows has
/// it: the test programs' workaround (see there), never rstscope's.
#[cfg(test)]
#[path = "../../examples/story/wine.rs"]
mod wine_owner;

#[cfg(test)]
mod tests {
    use super::*;

    /// A `MIB_TCPROW_OWNER_PID`.
    fn v4_row(state: u32, local: ([u8; 4], u16), remote: ([u8; 4], u16), pid: u32) -> Vec<u8> {
        let mut r = vec![0u8; 24];
        r[0..4].copy_from_slice(&state.to_ne_bytes());
        r[4..8].copy_from_slice(&local.0);
        r[8..10].copy_from_slice(&local.1.to_be_bytes());
        r[12..16].copy_from_slice(&remote.0);
        r[16..18].copy_from_slice(&remote.1.to_be_bytes());
        r[20..24].copy_from_slice(&pid.to_ne_bytes());
        r
    }

    fn table(rows: &[Vec<u8>]) -> Vec<u8> {
        let mut t = u32::try_from(rows.len())
            .expect("few")
            .to_ne_bytes()
            .to_vec();
        rows.iter().for_each(|r| t.extend(r));
        t
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    #[test]
    fn rows_of_both_families_are_read_with_state_and_owner() {
        let v4 = table(&[
            v4_row(2, ([127, 0, 0, 1], 7211), ([0; 4], 0), 4312),
            v4_row(5, ([10, 0, 0, 5], 50_123), ([10, 0, 0, 9], 443), 880),
        ]);
        let got: Vec<TcpRow> = table_rows(&v4, 24).filter_map(read_v4).collect();
        assert_eq!(
            got,
            [
                TcpRow {
                    state: 2,
                    local: addr("127.0.0.1:7211"),
                    pid: 4312
                },
                TcpRow {
                    state: 5,
                    local: addr("10.0.0.5:50123"),
                    pid: 880
                }
            ]
        );
        // MIB_TCP6ROW_OWNER_PID: ::1 port 8080, SYN-SENT, pid 77.
        let mut r = vec![0u8; 56];
        r[15] = 1;
        r[20..22].copy_from_slice(&8080u16.to_be_bytes());
        r[48..52].copy_from_slice(&3u32.to_ne_bytes());
        r[52..56].copy_from_slice(&77u32.to_ne_bytes());
        let mut v6 = table(&[r]);
        let got: Vec<TcpRow> = table_rows(&v6, 56).filter_map(read_v6).collect();
        assert_eq!(
            got,
            [TcpRow {
                state: 3,
                local: addr("[::1]:8080"),
                pid: 77
            }]
        );
        // A count beyond the bytes given stops at the bytes.
        v6[0..4].copy_from_slice(&9u32.to_ne_bytes());
        assert_eq!(table_rows(&v6, 56).count(), 1);
    }

    /// PID 0 (no owner: wine gives it for nearly every socket) is never named: a listener is
    /// kept as one whose process cannot be seen, a connection is left out. PID 4 is the
    /// kernel, `System`. A PID the process list lacks (ended) keeps its PID, without a name.
    #[test]
    fn owners_are_named_by_pid_and_never_wrongly() {
        let row = |state, pid| TcpRow {
            state,
            local: addr("127.0.0.1:7211"),
            pid,
        };
        let names = |pid: u32| (pid == 4312).then(|| "collector-Jörg.exe".to_owned());
        let owner = |state, pid| entry(row(state, pid), names).map(|e| (e.state, e.pid, e.name));
        assert_eq!(
            owner(MIB_TCP_STATE_LISTEN, 4312),
            Some((SocketState::Listen, 4312, "collector-Jörg.exe".into()))
        );
        assert_eq!(
            owner(MIB_TCP_STATE_LISTEN, 0),
            Some((SocketState::Listen, UNSEEN_PID, String::new()))
        );
        assert_eq!(owner(MIB_TCP_STATE_ESTAB, 0), None);
        assert_eq!(owner(MIB_TCP_STATE_SYN_SENT, 0), None);
        assert_eq!(
            entry(row(MIB_TCP_STATE_LISTEN, SYSTEM_PID), |_| panic!(
                "not asked"
            ))
            .map(|e| (e.pid, e.name)),
            Some((4, "System".into()))
        );
        assert_eq!(
            owner(MIB_TCP_STATE_SYN_SENT, 9000),
            Some((SocketState::Connecting, 9000, String::new()))
        );
        // TIME-WAIT (11), CLOSE-WAIT (8): not sockets rstscope samples. A real Windows gives
        // TIME-WAIT rows PID 0 (the socket's process may be long gone): left out, never a
        // listener without owner.
        assert_eq!(owner(11, 4312), None);
        assert_eq!(owner(8, 4312), None);
        assert_eq!(owner(11, 0), None);
        // PID 4 listening on 445 (SMB) or 5985 (WinRM through HTTP.sys), the kernel's: its
        // name is said without the process list.
        let smb = TcpRow {
            state: MIB_TCP_STATE_LISTEN,
            local: addr("0.0.0.0:445"),
            pid: SYSTEM_PID,
        };
        let e = entry(smb, |_| None).expect("a listener");
        assert_eq!((e.pid, e.name.as_str(), e.local.port()), (4, "System", 445));
    }

    /// Whether this test runs elevated (wine gives its programs an administrator's token);
    /// printed for the smoke test's log. The call answers either way.
    #[test]
    fn elevation_is_read_from_the_token() {
        println!("this test runs elevated: {}", elevated());
    }

    /// What the real table says of this test's own listener and client socket: on Windows
    /// this process owns both; wine gives PID 0 for sockets its server holds alone (the
    /// listener is then kept without an owner, the client socket left out). Printed for the
    /// smoke test's log.
    #[test]
    fn this_tests_sockets_are_in_the_table_with_this_process_or_no_owner() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let addr = l.local_addr().expect("address");
        let c = std::net::TcpStream::connect(addr).expect("connect");
        let client = c.local_addr().expect("client address");
        let table = tcp_sockets().expect("GetExtendedTcpTable answers");
        let me = std::process::id();
        let listener = table
            .iter()
            .find(|e| e.local == addr && e.state == SocketState::Listen)
            .unwrap_or_else(|| panic!("{addr} not in {table:?}"));
        println!(
            "owner of this test's listener: pid {} {:?}",
            listener.pid, listener.name
        );
        let exe = std::env::current_exe().expect("own exe");
        let own = exe.file_name().expect("a name").to_string_lossy();
        assert!(
            (listener.pid, listener.name.as_str()) == (me, &*own)
                || (listener.pid, listener.name.as_str()) == (UNSEEN_PID, ""),
            "{listener:?}, this is pid {me} {own}"
        );
        let mine = table.iter().find(|e| e.local == client);
        println!("owner of this test's client socket: {mine:?}");
        if let Some(e) = mine {
            assert_eq!(
                (e.state, e.pid, e.name.as_str()),
                (SocketState::Established, me, &*own)
            );
        }
    }

    /// The child process of the test below, when it asks (an environment variable): listens
    /// on loopback, says where, and waits for its standard input to close. Otherwise nothing.
    #[test]
    fn child_listens_when_asked() {
        if std::env::var_os(CHILD).is_none() {
            return;
        }
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        super::wine_owner::show_owner(&l);
        println!("listening on {}", l.local_addr().expect("address"));
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    }

    const CHILD: &str = "RSTSCOPE_TEST_LISTENING_CHILD";

    /// A program named `rstscope-Jörg-捕獲.exe` (this test program, copied) listening on a
    /// port: the socket table names it as it is, from the process list's UTF-16 names and
    /// from its image path, not in the ANSI code page (`J?rg`, `??`) nor left out.
    #[test]
    fn a_program_with_a_non_ascii_name_is_named_as_it_is() {
        use std::io::BufRead;
        let name = "rstscope-Jörg-捕獲.exe";
        let dir = std::env::temp_dir().join(format!("rstscope-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let copy = dir.join(name);
        // A copy, not a hard link: wine names a hard link's image by the other name.
        std::fs::copy(std::env::current_exe().expect("own exe"), &copy)
            .expect("copy of the test program");
        let mut child = std::process::Command::new(&copy)
            .args(["--exact", "host::windows::tests::child_listens_when_asked"])
            .args(["--nocapture", "--test-threads", "1"])
            .env(CHILD, "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the copy");
        let pid = child.id();
        // Its line (after the test's name, on the same line): read aside, so that a child that
        // never says it fails the test instead of hanging it.
        let stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        let (tx, rx) = std::sync::mpsc::channel();
        // Read to its end, so that the child's last lines find their pipe open.
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if let Some((_, at)) = line.split_once("listening on ")
                    && let Ok(at) = at.trim().parse::<SocketAddr>()
                {
                    let _ = tx.send(at);
                }
            }
        });
        let listening = rx.recv_timeout(std::time::Duration::from_secs(60)).ok();
        let table = tcp_sockets();
        let (listed, imaged) = (process_list(), image_file_name(pid));
        drop(child.stdin.take());
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        let listening = listening.expect("the child says where it listens within 60 s");
        assert_eq!(
            listed
                .as_ref()
                .and_then(|l| l.get(&pid))
                .map(String::as_str),
            Some(name)
        );
        assert_eq!(imaged.as_deref(), Some(name));
        let table = table.expect("GetExtendedTcpTable answers");
        let entry = table
            .iter()
            .find(|e| e.local == listening && e.state == SocketState::Listen)
            .unwrap_or_else(|| panic!("{listening} not in {table:?}"));
        println!("the child's listener: pid {} {}", entry.pid, entry.name);
        assert_eq!((entry.pid, entry.name.as_str()), (pid, name));
    }

    /// A process started (suspended: it never runs) with a security descriptor whose access
    /// list is empty, so that opening it for its details is refused (`ERROR_ACCESS_DENIED`) as
    /// Windows refuses a user's rstscope another user's or a service's process; wine enforces
    /// the list as Windows does. Ended when dropped.
    struct Refused {
        process: windows_sys::Win32::Foundation::HANDLE,
        thread: windows_sys::Win32::Foundation::HANDLE,
        pid: u32,
    }

    impl Refused {
        fn start(exe: &std::path::Path) -> Self {
            use windows_sys::Win32::Security::{
                ACL, InitializeAcl, InitializeSecurityDescriptor, SECURITY_ATTRIBUTES,
                SECURITY_DESCRIPTOR, SetSecurityDescriptorDacl,
            };
            use windows_sys::Win32::System::Threading::{
                CREATE_SUSPENDED, CreateProcessW, PROCESS_INFORMATION, STARTUPINFOW,
            };
            let mut acl = ACL::default();
            let mut sd = SECURITY_DESCRIPTOR::default();
            // SAFETY: `acl` and `sd` are locals of the sizes given, written by the calls and
            // kept alive (unmoved) until CreateProcessW below has copied the descriptor; 1 is
            // SECURITY_DESCRIPTOR_REVISION and ACL_REVISION the ACL's.
            let ok = unsafe {
                InitializeAcl(
                    &mut acl,
                    u32::try_from(std::mem::size_of::<ACL>()).expect("small"),
                    windows_sys::Win32::Security::ACL_REVISION,
                ) != 0
                    && InitializeSecurityDescriptor((&raw mut sd).cast(), 1) != 0
                    && SetSecurityDescriptorDacl((&raw mut sd).cast(), 1, &acl, 0) != 0
            };
            assert!(ok, "an empty access list: {}", io::Error::last_os_error());
            let attributes = SECURITY_ATTRIBUTES {
                nLength: u32::try_from(std::mem::size_of::<SECURITY_ATTRIBUTES>()).expect("small"),
                lpSecurityDescriptor: (&raw mut sd).cast(),
                bInheritHandle: 0,
            };
            let mut line: Vec<u16> = format!("\"{}\"", exe.display())
                .encode_utf16()
                .chain([0])
                .collect();
            let startup = STARTUPINFOW {
                cb: u32::try_from(std::mem::size_of::<STARTUPINFOW>()).expect("small"),
                ..Default::default()
            };
            let mut info = PROCESS_INFORMATION::default();
            // SAFETY: `line` is a writable NUL-terminated command line, `attributes` points at
            // the descriptor above, `startup` and `info` are locals of their types; the
            // handles written to `info` are closed on drop.
            let started = unsafe {
                CreateProcessW(
                    std::ptr::null(),
                    line.as_mut_ptr(),
                    &attributes,
                    std::ptr::null(),
                    0,
                    CREATE_SUSPENDED,
                    std::ptr::null(),
                    std::ptr::null(),
                    &startup,
                    &mut info,
                )
            };
            assert!(
                started != 0,
                "start {}: {}",
                exe.display(),
                io::Error::last_os_error()
            );
            Self {
                process: info.hProcess,
                thread: info.hThread,
                pid: info.dwProcessId,
            }
        }

        /// What opening it for its path, as rstscope does, says.
        fn opened(&self) -> io::Result<()> {
            // SAFETY: no pointers; a handle opened is closed at once.
            let p = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, self.pid) };
            if p.is_null() {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: opened just above, not used after.
            unsafe { CloseHandle(p) };
            Ok(())
        }
    }

    impl Drop for Refused {
        fn drop(&mut self) {
            // SAFETY: the handles CreateProcessW gave this process (with every right over the
            // child, whatever its access list), not used after.
            unsafe {
                windows_sys::Win32::System::Threading::TerminateProcess(self.process, 1);
                CloseHandle(self.thread);
                CloseHandle(self.process);
            }
        }
    }

    /// A process whose details Windows refuses (`ERROR_ACCESS_DENIED`): the process list still
    /// names it, its image path is not read, and described by an rstscope not run as
    /// administrator it is said to be shown to administrators only, with what shows it; by an
    /// administrator's (refused all the same, so nothing an administrator would see) it is
    /// not. Under wine, whose programs run as administrator and may open any process, the
    /// refusal comes from the child's access list.
    #[test]
    fn a_process_windows_refuses_is_named_and_said_to_need_an_administrator() {
        use crate::host::processes::{Processes, WINDOWS_RESTRICTED};
        let exe = std::env::current_exe().expect("own exe");
        let own = exe
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let child = Refused::start(&exe);
        match child.opened() {
            Err(e) if e.raw_os_error() == Some(5) => {}
            // An administrator's rstscope with the debug privilege on opens any process.
            Ok(()) => {
                println!("SKIPPED: this process may open a process that denies everyone");
                return;
            }
            Err(e) => panic!("opening the refused child: {e}"),
        }
        let listed = process_list().expect("a snapshot of the processes");
        assert_eq!(listed.get(&child.pid), Some(&own));
        assert_eq!(image_file_name(child.pid), None);
        assert_eq!(ProcessNames::now().name(child.pid).as_deref(), Some(&*own));

        let user = Processes::as_if_elevated(false).describe(child.pid, "hint");
        println!("described to a user: {}", user.label());
        assert_eq!(
            (
                user.name.as_str(),
                user.exe.as_deref(),
                user.cmdline.as_deref()
            ),
            (&*own, None, None),
            "{user:?}"
        );
        assert!(user.restricted, "{user:?}");
        assert!(
            user.label().contains(WINDOWS_RESTRICTED),
            "{}",
            user.label()
        );
        let admin = Processes::as_if_elevated(true).describe(child.pid, "hint");
        assert!(!admin.restricted, "{admin:?}");
        assert!(
            !admin.label().contains("administrator"),
            "{}",
            admin.label()
        );
    }

    /// The child of the test below, when it asks (the environment variable names a file):
    /// writes there whether its token says it runs elevated. Otherwise nothing.
    #[test]
    fn child_says_whether_it_runs_elevated_when_asked() {
        if let Some(path) = std::env::var_os(ELEVATION_CHILD) {
            std::fs::write(path, elevated().to_string()).expect("write the answer");
        }
    }

    const ELEVATION_CHILD: &str = "RSTSCOPE_TEST_ELEVATION_CHILD";

    /// An rstscope started by an administrator without "Run as administrator" has the
    /// administrator's limited token (the elevated one's linked token, as UAC gives it), and
    /// reads itself as not elevated: what it then says of the processes Windows refuses it is
    /// the test above. Wine gives its programs the full token and the limited one linked to
    /// it, as Windows does; where this process is not elevated, there is none to link.
    #[test]
    fn a_limited_token_reads_as_not_elevated() {
        use windows_sys::Win32::Security::{
            DuplicateTokenEx, SecurityImpersonation, TOKEN_LINKED_TOKEN, TokenLinkedToken,
            TokenPrimary,
        };
        use windows_sys::Win32::System::Threading::{
            CREATE_UNICODE_ENVIRONMENT, CreateProcessAsUserW, DETACHED_PROCESS, GetExitCodeProcess,
            INFINITE, PROCESS_INFORMATION, STARTUPINFOW, WaitForSingleObject,
        };
        if !elevated() {
            println!("SKIPPED: this test does not run elevated: no limited token to try");
            return;
        }
        let mut token = std::ptr::null_mut();
        // SAFETY: the pseudo-handle needs no closing; `token` is closed below.
        let opened = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) };
        assert!(opened != 0, "{}", io::Error::last_os_error());
        let mut linked = TOKEN_LINKED_TOKEN::default();
        let mut len = 0u32;
        // SAFETY: `linked` is a TOKEN_LINKED_TOKEN of the size given; `token` is open.
        let ok = unsafe {
            GetTokenInformation(
                token,
                TokenLinkedToken,
                (&raw mut linked).cast(),
                u32::try_from(std::mem::size_of::<TOKEN_LINKED_TOKEN>()).expect("small"),
                &mut len,
            )
        };
        let error = io::Error::last_os_error();
        // SAFETY: opened above, not used after.
        unsafe { CloseHandle(token) };
        assert!(ok != 0, "the elevated token's linked token: {error}");
        let mut primary = std::ptr::null_mut();
        // SAFETY: `linked.LinkedToken` is an open token handle the call gave; `primary` is
        // written with a new handle, closed below; 0x0200_0000 is MAXIMUM_ALLOWED.
        let ok = unsafe {
            DuplicateTokenEx(
                linked.LinkedToken,
                0x0200_0000,
                std::ptr::null(),
                SecurityImpersonation,
                TokenPrimary,
                &mut primary,
            )
        };
        // SAFETY: the linked token's handle, not used after.
        unsafe { CloseHandle(linked.LinkedToken) };
        assert!(ok != 0, "a primary token: {}", io::Error::last_os_error());

        let answer =
            std::env::temp_dir().join(format!("rstscope-elevation-{}.txt", std::process::id()));
        let _ = std::fs::remove_file(&answer);
        // This environment and the variable, as CreateProcessAsUserW takes it: NAME=VALUE
        // strings, each NUL-ended, then one more NUL.
        let mut environment: Vec<u16> = std::env::vars_os()
            .chain([(ELEVATION_CHILD.into(), answer.clone().into_os_string())])
            .flat_map(|(k, v)| {
                let mut entry = k;
                entry.push("=");
                entry.push(v);
                std::os::windows::ffi::OsStrExt::encode_wide(entry.as_os_str())
                    .chain([0])
                    .collect::<Vec<u16>>()
            })
            .collect();
        environment.push(0);
        let exe = std::env::current_exe().expect("own exe");
        let mut line: Vec<u16> = format!(
            "\"{}\" --exact host::windows::tests::child_says_whether_it_runs_elevated_when_asked",
            exe.display()
        )
        .encode_utf16()
        .chain([0])
        .collect();
        let startup = STARTUPINFOW {
            cb: u32::try_from(std::mem::size_of::<STARTUPINFOW>()).expect("small"),
            ..Default::default()
        };
        let mut info = PROCESS_INFORMATION::default();
        // SAFETY: `primary` is an open primary token; `line` a writable NUL-terminated command
        // line; `environment` a Unicode environment block as the flag says; `startup` and
        // `info` locals of their types; the handles in `info` are closed below.
        let started = unsafe {
            CreateProcessAsUserW(
                primary,
                std::ptr::null(),
                line.as_mut_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                0,
                // Without this console: the child's test output would be taken for this
                // test's (the smoke test counts what passed).
                CREATE_UNICODE_ENVIRONMENT | DETACHED_PROCESS,
                environment.as_ptr().cast(),
                std::ptr::null(),
                &startup,
                &mut info,
            )
        };
        let error = io::Error::last_os_error();
        // SAFETY: duplicated above, not used after.
        unsafe { CloseHandle(primary) };
        assert!(
            started != 0,
            "start this test with the limited token: {error}"
        );
        let mut code = 0u32;
        // SAFETY: the process and thread handles CreateProcessAsUserW gave, closed after.
        unsafe {
            WaitForSingleObject(info.hProcess, INFINITE);
            GetExitCodeProcess(info.hProcess, &mut code);
            CloseHandle(info.hThread);
            CloseHandle(info.hProcess);
        }
        let said = std::fs::read_to_string(&answer);
        let _ = std::fs::remove_file(&answer);
        println!("the child with the limited token: exit {code}, elevated: {said:?}");
        assert_eq!(said.expect("the child answered").as_str(), "false");
    }

    /// This process by its PID, in the list and by its image path; a PID no process has, by
    /// neither.
    #[test]
    fn the_process_list_names_this_process() {
        let listed = process_list().expect("a snapshot of the processes");
        let exe = std::env::current_exe().expect("own exe");
        let own = exe
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(listed.get(&std::process::id()), Some(&own));
        assert_eq!(image_file_name(std::process::id()), Some(own));
        assert_eq!(image_file_name(u32::MAX - 3), None);
    }

    #[test]
    fn both_families_are_read_and_named_as_linux_names_them() {
        let counters = read_tcp_counters().expect("GetTcpStatisticsEx answers");
        let names: Vec<&str> = counters.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "ActiveOpens",
                "PassiveOpens",
                "AttemptFails",
                "EstabResets",
                "OutRsts"
            ]
        );
    }

    /// The names Npcap's devices end in (`{GUID}`), each with a friendly name. Under wine (the
    /// smoke test) they are the Linux interfaces' names, `lo` among them.
    #[test]
    fn each_adapter_has_its_guid_and_friendly_name() {
        let names = adapter_friendly_names();
        println!("adapters: {names:?}");
        assert!(!names.is_empty(), "no adapter at all");
        for (guid, friendly) in &names {
            assert!(guid.starts_with('{') && guid.ends_with('}'), "{guid}");
            assert!(!friendly.is_empty(), "{guid}");
        }
    }

    #[test]
    fn the_sum_covers_ipv4_and_ipv6() {
        let v4 = family(AF_INET, "IPv4").expect("IPv4");
        let v6 = family(AF_INET6, "IPv6").expect("IPv6");
        let sum = read_tcp_counters().expect("both");
        // Counters only grow between the readings (barring a wrap).
        let at_least = u64::from(v4.dwActiveOpens) + u64::from(v6.dwActiveOpens);
        assert!(sum.get("ActiveOpens").expect("named") >= at_least);
    }

    /// The machine ID is the registry's MachineGuid as `reg query` (another reader of the same
    /// value) prints it: two Windows hosts of one name are then told apart in the agent's
    /// /metrics and /report. Printed, so the smoke test's log shows it.
    #[test]
    fn the_machine_id_is_the_registrys_machine_guid() {
        let out = std::process::Command::new("reg")
            .args([
                "query",
                r"HKLM\SOFTWARE\Microsoft\Cryptography",
                "/v",
                "MachineGuid",
            ])
            .output()
            .expect("reg runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let listed = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("MachineGuid")?
                    .split_whitespace()
                    .nth(1)
            })
            .expect("reg query prints MachineGuid");
        let id = crate::host::recorded::this_machine_id();
        println!("the machine ID: {id:?}, reg query's MachineGuid: {listed}");
        assert_eq!(id.as_deref(), Some(listed.to_ascii_lowercase().as_str()));
    }
}
