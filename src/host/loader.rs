//! The shared libraries a program needs that the dynamic loader would not find, read from its
//! ELF file without running it: what an expert finds by hand with `ldd` ("libzmq.so.5 => not
//! found") when a service keeps failing to start with exit status 127.
//!
//! The program's `DT_NEEDED` entries are looked up as glibc's loader looks them up, with an
//! empty `LD_LIBRARY_PATH` (a supervisor's environment is not known here): a name with a slash
//! as the path it is; else the object's `DT_RPATH` (where it has no `DT_RUNPATH`) and the
//! executable's, its `DT_RUNPATH`, `/etc/ld.so.cache`, and the default directories, `$ORIGIN`
//! and `$LIB` expanded. A candidate of another ELF class or machine is skipped, as the loader
//! skips it. The libraries found are followed for their own needs (a missing library of a
//! library fails the start the same way), up to [`MAX_OBJECTS`](crate::host::loader::MAX_OBJECTS). A program for musl's loader
//! (`ld-musl-*`) is looked up in musl's directories instead of glibc's cache.
//!
//! Only headers, program headers, the dynamic section and its string table are read (a few
//! KiB), whatever the file's size. The parsing is pure over a `read_at` function; tests give
//! it hand-made ELF images.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Libraries (and the program) examined at most for one program.
pub const MAX_OBJECTS: usize = 256;
/// The largest string table read (a program's dynamic strings are a few KiB).
const MAX_STRTAB: u64 = 1 << 20;
/// The most bytes of program headers read (a program's are under 1 KiB).
const MAX_HEADERS: usize = 64 << 10;
/// The most `DT_NEEDED` entries taken of one object, and directories of one `DT_RPATH` or
/// `DT_RUNPATH` (programs have tens and a few): a file made to name more would make the
/// search try every name in every directory.
const MAX_NAMES: usize = 1024;
/// The most files looked at for one program's search, however its objects are made (a
/// large program's libraries take a few hundred; [`crate::host::restarts`] checks up to 256
/// programs a minute).
const MAX_LOOKUPS: usize = 4 << 10;
/// glibc's loader's cache of libraries.
const LD_SO_CACHE: &str = "/etc/ld.so.cache";

/// A library the loader would not find.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MissingLibrary {
    /// Its name as needed (`libzmq.so.5`).
    pub name: String,
    /// The file that needs it: the program, or one of its libraries.
    pub needed_by: String,
    /// The loader finds it now: a read of the program's file after its failed runs found
    /// what an earlier read, while they failed, found missing (the library installed since,
    /// the fix). Kept so that the runs' cause is still told once they stopped failing.
    /// `false` from a read of the file itself (and in a host report saved by an rstscope
    /// before it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub found_since: bool,
}

/// What the dynamic section of an ELF file says of its loading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// 64-bit (ELFCLASS64).
    pub class64: bool,
    /// `e_machine`.
    pub machine: u16,
    /// `PT_INTERP`: the loader it asks for.
    pub interp: Option<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    /// `DT_RPATH`, split at colons.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH`, split at colons; `Some` where the entry is present.
    pub runpath: Option<Vec<String>>,
}

/// An ELF file's loading needs; `None` where it is no ELF file (a script). `read_at(offset,
/// len)` gives up to `len` bytes of the file from `offset`.
///
/// # Errors
/// When a read fails, or the file is ELF but cut short or inconsistent.
pub fn needs(
    read_at: &mut dyn FnMut(u64, usize) -> io::Result<Vec<u8>>,
) -> io::Result<Option<Needs>> {
    let head = read_at(0, 64)?;
    if head.len() < 52 || head[..4] != *b"\x7fELF" {
        return Ok(None);
    }
    let class64 = match head[4] {
        1 => false,
        2 => true,
        _ => return Ok(None),
    };
    let le = match head[5] {
        1 => true,
        2 => false,
        _ => return Ok(None),
    };
    let r = Fields { le };
    let machine = r.u16(&head, 18)?;
    let (phoff, phentsize, phnum) = if class64 {
        (r.u64(&head, 32)?, r.u16(&head, 54)?, r.u16(&head, 56)?)
    } else {
        (
            u64::from(r.u32(&head, 28)?),
            r.u16(&head, 42)?,
            r.u16(&head, 44)?,
        )
    };
    let want = if class64 { 56 } else { 32 };
    if usize::from(phentsize) < want {
        return Err(bad("program header entries too small"));
    }
    // A program has a dozen program headers; a file claiming up to 65,535 of up to 64 KiB
    // each (4 GiB) is not asked for them all.
    let table_len = usize::from(phentsize) * usize::from(phnum);
    if table_len > MAX_HEADERS {
        return Err(bad("claims more program headers than a program has"));
    }
    let table = read_at(phoff, table_len)?;
    if table.len() < table_len {
        return Err(bad("cut short in its program headers"));
    }
    let mut loads = Vec::new();
    let (mut dynamic, mut interp) = (None, None);
    for ph in table.chunks_exact(usize::from(phentsize)) {
        let kind = r.u32(ph, 0)?;
        let (offset, vaddr, filesz) = if class64 {
            (r.u64(ph, 8)?, r.u64(ph, 16)?, r.u64(ph, 32)?)
        } else {
            (
                u64::from(r.u32(ph, 4)?),
                u64::from(r.u32(ph, 8)?),
                u64::from(r.u32(ph, 16)?),
            )
        };
        match kind {
            1 => loads.push((offset, vaddr, filesz)),
            2 => dynamic = Some((offset, filesz)),
            3 => interp = Some((offset, filesz)),
            _ => {}
        }
    }
    let interp = match interp {
        Some((offset, size)) => {
            let bytes = read_at(offset, usize::try_from(size.min(4096)).unwrap_or(4096))?;
            Some(c_string(&bytes, 0))
        }
        None => None,
    };
    let mut out = Needs {
        class64,
        machine,
        interp,
        ..Needs::default()
    };
    // Statically linked: it needs nothing.
    let Some((offset, size)) = dynamic else {
        return Ok(Some(out));
    };
    let bytes = read_at(offset, usize::try_from(size.min(MAX_STRTAB)).unwrap_or(0))?;
    let entry = if class64 { 16 } else { 8 };
    let (mut strtab, mut strsz) = (None, None);
    let mut wanted = Vec::new();
    let (mut needed, mut paths) = (0, 0);
    for d in bytes.chunks_exact(entry) {
        let (tag, val) = if class64 {
            (r.u64(d, 0)?, r.u64(d, 8)?)
        } else {
            (u64::from(r.u32(d, 0)?), u64::from(r.u32(d, 4)?))
        };
        match tag {
            0 => break,
            5 => strtab = Some(val),
            10 => strsz = Some(val),
            1 if needed < MAX_NAMES => {
                needed += 1;
                wanted.push((tag, val));
            }
            // A linker writes one of each; more are not read.
            15 | 29 if paths < 16 => {
                paths += 1;
                wanted.push((tag, val));
            }
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Ok(Some(out));
    }
    let (Some(strtab), Some(strsz)) = (strtab, strsz) else {
        return Err(bad("a dynamic section without its string table"));
    };
    // DT_STRTAB is an address: the file offset is where a loaded segment puts it.
    let file_offset = loads
        .iter()
        .find(|(_, vaddr, filesz)| strtab >= *vaddr && strtab < vaddr.saturating_add(*filesz))
        .map_or(strtab, |(offset, vaddr, _)| {
            offset.saturating_add(strtab - vaddr)
        });
    let strings = read_at(
        file_offset,
        usize::try_from(strsz.min(MAX_STRTAB)).unwrap_or(0),
    )?;
    for (tag, val) in wanted {
        // A name or a path list is no longer than a path (PATH_MAX).
        let at = usize::try_from(val).unwrap_or(usize::MAX);
        let s = c_string(
            strings.get(..at.saturating_add(4096)).unwrap_or(&strings),
            at,
        );
        match tag {
            1 if out.needed.len() < MAX_NAMES => out.needed.push(s),
            1 => {}
            15 => out.rpath.extend(split_path(&s)),
            _ => out
                .runpath
                .get_or_insert_with(Vec::new)
                .extend(split_path(&s)),
        }
        out.rpath.truncate(MAX_NAMES);
        if let Some(runpath) = &mut out.runpath {
            runpath.truncate(MAX_NAMES);
        }
    }
    Ok(Some(out))
}

/// Byte order of the file's fields.
struct Fields {
    le: bool,
}

impl Fields {
    fn bytes<const N: usize>(b: &[u8], at: usize) -> io::Result<[u8; N]> {
        b.get(at..at + N)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("cut short"))
    }

    fn u16(&self, b: &[u8], at: usize) -> io::Result<u16> {
        let a = Self::bytes::<2>(b, at)?;
        Ok(if self.le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        })
    }

    fn u32(&self, b: &[u8], at: usize) -> io::Result<u32> {
        let a = Self::bytes::<4>(b, at)?;
        Ok(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    fn u64(&self, b: &[u8], at: usize) -> io::Result<u64> {
        let a = Self::bytes::<8>(b, at)?;
        Ok(if self.le {
            u64::from_le_bytes(a)
        } else {
            u64::from_be_bytes(a)
        })
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("ELF file {what}"))
}

/// The NUL-terminated string at `at` (empty when out of bounds).
fn c_string(b: &[u8], at: usize) -> String {
    let s = b.get(at..).unwrap_or_default();
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

fn split_path(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(':').filter(|d| !d.is_empty()).map(str::to_owned)
}

/// The libraries named in glibc's loader cache (`/etc/ld.so.cache`), each with the files the
/// cache gives for it; empty where it is absent or in a format not read here (the old
/// `ld.so-1.7.0` format alone, from before glibc 2.32's default).
#[must_use]
pub fn cache_entries(cache: &[u8]) -> HashMap<String, Vec<String>> {
    const MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    // The new format on its own, or after the old one (offsets are from its own start).
    let Some(start) = cache.windows(MAGIC.len()).position(|w| w == MAGIC) else {
        return out;
    };
    let new = &cache[start..];
    let u32_at = |at: usize| {
        new.get(at..at + 4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let Some(count) = u32_at(20) else {
        return out;
    };
    for i in 0..usize::try_from(count).unwrap_or(0) {
        let at = 48 + i * 24;
        let (Some(key), Some(value)) = (u32_at(at + 4), u32_at(at + 8)) else {
            break;
        };
        let name = c_string(new, usize::try_from(key).unwrap_or(usize::MAX));
        let path = c_string(new, usize::try_from(value).unwrap_or(usize::MAX));
        if !name.is_empty() && !path.is_empty() {
            out.entry(name).or_default().push(path);
        }
    }
    out
}

/// Where the machine's files are read from: the real file system, or a test's.
pub trait Files {
    /// The loading needs of the ELF file at `path`; `None` where it is absent, unreadable or
    /// no ELF file.
    fn needs(&self, path: &str) -> Option<Needs>;
    /// The loader cache's entries ([`cache_entries`]).
    fn cache(&self) -> HashMap<String, Vec<String>>;
    /// The text of musl's loader path file for `arch` (`/etc/ld-musl-x86_64.path`), if any.
    fn musl_path(&self, arch: &str) -> Option<String>;
}

/// This machine's files.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFiles;

impl Files for RealFiles {
    fn needs(&self, path: &str) -> Option<Needs> {
        file_needs(File::open(path).ok()?)
    }

    fn cache(&self) -> HashMap<String, Vec<String>> {
        std::fs::read(LD_SO_CACHE)
            .map(|b| cache_entries(&b))
            .unwrap_or_default()
    }

    fn musl_path(&self, arch: &str) -> Option<String> {
        std::fs::read_to_string(format!("/etc/ld-musl-{arch}.path")).ok()
    }
}

/// The loading needs of the ELF file open as `file`, however it was opened (on this machine,
/// inside a container's root); `None` where it is no regular file, unreadable or no ELF file.
pub fn file_needs(mut file: File) -> Option<Needs> {
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    needs(&mut |offset, len| {
        let mut buf = Vec::with_capacity(len);
        file.seek(SeekFrom::Start(offset))?;
        (&mut file).take(len as u64).read_to_end(&mut buf)?;
        Ok(buf)
    })
    .ok()
    .flatten()
}

/// The libraries `program` needs, directly or through its libraries, that the loader would
/// not find; empty where it needs none missing, or is no ELF file, or cannot be read.
#[must_use]
pub fn missing_libraries(program: &str, files: &dyn Files) -> Vec<MissingLibrary> {
    let Some(exe) = files.needs(program) else {
        return Vec::new();
    };
    let musl = exe.interp.as_deref().is_some_and(|i| i.contains("ld-musl"));
    let cache = if musl { HashMap::new() } else { files.cache() };
    let defaults = default_dirs(&exe, musl, files);
    // The executable's RPATH applies to every object's search, unless it has a RUNPATH.
    let exe_rpath: Vec<String> = if exe.runpath.is_none() {
        expand_all(&exe.rpath, program, exe.class64)
    } else {
        Vec::new()
    };
    let mut missing = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue = VecDeque::from([(program.to_owned(), exe)]);
    let mut objects = 1;
    // Files looked at so far, against MAX_LOOKUPS.
    let mut lookups = 0;
    let mut look = |p: &str| {
        lookups += 1;
        if lookups > MAX_LOOKUPS {
            return None;
        }
        files.needs(p)
    };
    while let Some((path, object)) = queue.pop_front() {
        for name in &object.needed {
            let base = name.rsplit('/').next().unwrap_or(name);
            if !seen.insert(base.to_owned()) {
                continue;
            }
            let found = if name.contains('/') {
                look(name)
                    .filter(|n| fits(n, &object))
                    .map(|n| (name.clone(), n))
            } else {
                let mut dirs = Vec::new();
                if object.runpath.is_none() {
                    dirs.extend(expand_all(&object.rpath, &path, object.class64));
                    if path != program {
                        dirs.extend(exe_rpath.iter().cloned());
                    }
                }
                if let Some(runpath) = &object.runpath {
                    dirs.extend(expand_all(runpath, &path, object.class64));
                }
                let from_dirs = dirs
                    .iter()
                    .map(|d| format!("{}/{name}", d.trim_end_matches('/')));
                let from_cache = cache.get(name).into_iter().flatten().cloned();
                let from_defaults = defaults.iter().map(|d| format!("{d}/{name}"));
                from_dirs
                    .chain(from_cache)
                    .chain(from_defaults)
                    .find_map(|p| look(&p).filter(|n| fits(n, &object)).map(|n| (p, n)))
            };
            match found {
                Some((p, n)) if objects < MAX_OBJECTS => {
                    objects += 1;
                    queue.push_back((p, n));
                }
                Some(_) => {}
                None => missing.push(MissingLibrary {
                    name: name.clone(),
                    needed_by: path.clone(),
                    found_since: false,
                }),
            }
        }
    }
    missing
}

/// A library the loader would take for `object`: the same class and machine.
fn fits(lib: &Needs, object: &Needs) -> bool {
    lib.class64 == object.class64 && lib.machine == object.machine
}

/// `$ORIGIN` (the object's directory) and `$LIB` expanded in each directory; one with
/// `$PLATFORM` (or another token) is left out: it names a directory this reading cannot tell.
fn expand_all(dirs: &[String], object: &str, class64: bool) -> Vec<String> {
    let origin = Path::new(object)
        .parent()
        .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
    let lib = if class64 { "lib64" } else { "lib" };
    dirs.iter()
        .map(|d| {
            d.replace("${ORIGIN}", &origin)
                .replace("$ORIGIN", &origin)
                .replace("${LIB}", lib)
                .replace("$LIB", lib)
        })
        .filter(|d| !d.contains('$'))
        .collect()
}

/// The loader's own directories after the cache: glibc's system directories (with the
/// Debian multiarch ones its builds add), or musl's.
fn default_dirs(exe: &Needs, musl: bool, files: &dyn Files) -> Vec<String> {
    let arch = match (exe.machine, exe.class64) {
        (62, true) => Some(("x86_64", "x86_64-linux-gnu")),
        (183, true) => Some(("aarch64", "aarch64-linux-gnu")),
        (3, false) => Some(("i386", "i386-linux-gnu")),
        (40, false) => Some(("arm", "arm-linux-gnueabihf")),
        _ => None,
    };
    if musl {
        if let Some(text) = arch.and_then(|(a, _)| files.musl_path(a)) {
            return text
                .split([':', '\n'])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
        }
        return ["/lib", "/usr/local/lib", "/usr/lib"]
            .map(str::to_owned)
            .to_vec();
    }
    let mut dirs = Vec::new();
    if let Some((_, triplet)) = arch {
        dirs.push(format!("/lib/{triplet}"));
        dirs.push(format!("/usr/lib/{triplet}"));
    }
    if exe.class64 {
        dirs.extend(["/lib64", "/usr/lib64"].map(str::to_owned));
    }
    dirs.extend(["/lib", "/usr/lib"].map(str::to_owned));
    dirs
}

#[cfg(test)]
mod tests;
