use std::collections::HashMap;

use super::*;

/// A hand-made ELF image: `class64`, little-endian or not, machine `machine`, needing
/// `needed`, with `rpath`/`runpath` where given; its string table lies at address
/// `0x400000 + offset` in one loaded segment, as linkers lay it out.
fn elf(
    class64: bool,
    le: bool,
    machine: u16,
    needed: &[&str],
    rpath: Option<&str>,
    runpath: Option<&str>,
) -> Vec<u8> {
    let put16 = |v: u16| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let put32 = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let put64 = |v: u64| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let word = |v: u64| -> Vec<u8> {
        if class64 {
            put64(v).to_vec()
        } else {
            put32(u32::try_from(v).expect("small")).to_vec()
        }
    };
    let (ehsize, phentsize, dynent) = if class64 { (64, 56, 16) } else { (52, 32, 8) };
    let base = 0x40_0000_u64;
    // Strings.
    let mut strings = vec![0_u8];
    let mut add = |s: &str| {
        let at = strings.len() as u64;
        strings.extend_from_slice(s.as_bytes());
        strings.push(0);
        at
    };
    let mut entries: Vec<(u64, u64)> = needed.iter().map(|n| (1, add(n))).collect();
    if let Some(r) = rpath {
        entries.push((15, add(r)));
    }
    if let Some(r) = runpath {
        entries.push((29, add(r)));
    }
    let interp = b"/lib64/ld-linux-x86-64.so.2\0";
    let phoff = ehsize as u64;
    let interp_off = phoff + 3 * phentsize as u64;
    let dyn_off = interp_off + interp.len() as u64;
    let dyn_len = (entries.len() as u64 + 3) * dynent as u64;
    let str_off = dyn_off + dyn_len;
    entries.push((5, base + str_off));
    entries.push((10, strings.len() as u64));
    entries.push((0, 0));
    let total = str_off + strings.len() as u64;
    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF");
    f.push(if class64 { 2 } else { 1 });
    f.push(if le { 1 } else { 2 });
    f.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&put16(3)); // ET_DYN
    f.extend_from_slice(&put16(machine));
    f.extend_from_slice(&put32(1));
    f.extend(word(0)); // entry
    f.extend(word(phoff));
    f.extend(word(0)); // shoff
    f.extend_from_slice(&put32(0)); // flags
    f.extend_from_slice(&put16(ehsize));
    f.extend_from_slice(&put16(phentsize));
    f.extend_from_slice(&put16(3));
    f.extend_from_slice(&[0; 6]);
    assert_eq!(f.len(), usize::from(ehsize));
    let mut ph = |kind: u32, offset: u64, size: u64| {
        f.extend_from_slice(&put32(kind));
        if class64 {
            f.extend_from_slice(&put32(4)); // flags
            f.extend(word(offset));
            f.extend(word(base + offset));
            f.extend(word(base + offset));
            f.extend(word(size));
            f.extend(word(size));
            f.extend(word(8));
        } else {
            f.extend(word(offset));
            f.extend(word(base + offset));
            f.extend(word(base + offset));
            f.extend(word(size));
            f.extend(word(size));
            f.extend_from_slice(&put32(4));
            f.extend(word(4));
        }
    };
    ph(1, 0, total);
    ph(3, interp_off, interp.len() as u64);
    ph(2, dyn_off, dyn_len);
    f.extend_from_slice(interp);
    for (tag, val) in entries {
        f.extend(word(tag));
        f.extend(word(val));
    }
    f.extend_from_slice(&strings);
    assert_eq!(f.len() as u64, total);
    f
}

fn read(image: &[u8]) -> io::Result<Option<Needs>> {
    needs(&mut |offset, len| {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(image.len());
        Ok(image[start..(start + len).min(image.len())].to_vec())
    })
}

#[test]
fn the_dynamic_section_is_read_in_either_class_and_byte_order() {
    for (class64, le) in [(true, true), (false, true), (true, false), (false, false)] {
        let image = elf(
            class64,
            le,
            62,
            &["libzmq.so.5", "libc.so.6"],
            Some("$ORIGIN/../lib"),
            None,
        );
        let n = read(&image).expect("reads").expect("ELF");
        assert_eq!(n.class64, class64);
        assert_eq!(n.machine, 62);
        assert_eq!(
            n.needed,
            ["libzmq.so.5", "libc.so.6"],
            "class64 {class64} le {le}"
        );
        assert_eq!(n.rpath, ["$ORIGIN/../lib"]);
        assert_eq!(n.runpath, None);
        assert_eq!(n.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
    }
    // Not ELF (a script), and an ELF file cut short.
    assert_eq!(read(b"#!/bin/sh\nexec collector\n").expect("reads"), None);
    let image = elf(true, true, 62, &["libc.so.6"], None, None);
    assert!(read(&image[..100]).is_err());
}

/// A machine of files: ELF images by path, and a loader cache.
#[derive(Default)]
struct Machine {
    files: HashMap<String, Needs>,
    cache: HashMap<String, Vec<String>>,
}

impl Machine {
    fn with(mut self, path: &str, needed: &[&str], runpath: Option<&str>) -> Self {
        let image = elf(true, true, 62, needed, None, runpath);
        self.files
            .insert(path.to_owned(), read(&image).expect("reads").expect("ELF"));
        self
    }
}

impl Files for Machine {
    fn needs(&self, path: &str) -> Option<Needs> {
        // `a/bin/../lib` is `a/lib`, as the file system resolves it.
        let mut parts: Vec<&str> = Vec::new();
        for part in path.split('/') {
            match part {
                ".." => {
                    parts.pop();
                }
                "." => {}
                p => parts.push(p),
            }
        }
        self.files.get(&parts.join("/")).cloned()
    }
    fn cache(&self) -> HashMap<String, Vec<String>> {
        self.cache.clone()
    }
    fn musl_path(&self, _: &str) -> Option<String> {
        None
    }
}

#[test]
fn a_library_is_missing_where_no_directory_the_loader_searches_has_it() {
    let mut m = Machine::default()
        .with(
            "/opt/collector/bin/collector",
            &["libzmq.so.5", "libc.so.6", "libcfg.so.1"],
            Some("$ORIGIN/../lib"),
        )
        .with("/lib/x86_64-linux-gnu/libc.so.6", &[], None)
        // In its RUNPATH, and needing a library nowhere to be found.
        .with(
            "/opt/collector/lib/libcfg.so.1",
            &["libyaml-0.so.2", "libc.so.6"],
            None,
        );
    m.cache.insert(
        "libc.so.6".into(),
        vec!["/lib/x86_64-linux-gnu/libc.so.6".into()],
    );
    let missing = missing_libraries("/opt/collector/bin/collector", &m);
    assert_eq!(
        missing,
        [
            MissingLibrary {
                name: "libzmq.so.5".into(),
                needed_by: "/opt/collector/bin/collector".into(),
                found_since: false
            },
            MissingLibrary {
                name: "libyaml-0.so.2".into(),
                // As the loader finds it: through the RUNPATH's $ORIGIN, as written.
                needed_by: "/opt/collector/bin/../lib/libcfg.so.1".into(),
                found_since: false
            },
        ]
    );
    // Installed where the cache says: nothing missing of it any more.
    let mut m = m.with("/usr/lib/x86_64-linux-gnu/libzmq.so.5", &[], None);
    m.cache.insert(
        "libzmq.so.5".into(),
        vec!["/usr/lib/x86_64-linux-gnu/libzmq.so.5".into()],
    );
    assert_eq!(
        missing_libraries("/opt/collector/bin/collector", &m).len(),
        1
    );
    // A 32-bit build of it in a default directory is not taken for a 64-bit program.
    let mut m = Machine::default().with("/opt/c", &["libzmq.so.5"], None);
    let image = elf(false, true, 3, &[], None, None);
    m.files.insert(
        "/usr/lib/libzmq.so.5".into(),
        read(&image).expect("reads").expect("ELF"),
    );
    assert_eq!(missing_libraries("/opt/c", &m)[0].name, "libzmq.so.5");
    // A program that is not there, or not ELF, has nothing missing that can be told.
    assert_eq!(missing_libraries("/opt/gone", &m), []);
}

#[test]
fn the_loader_cache_names_each_library_with_its_files() {
    // The new format's header (48 bytes), two entries (24 bytes each), then the strings.
    let mut c = b"glibc-ld.so.cache1.1".to_vec();
    c.extend_from_slice(&2_u32.to_le_bytes());
    c.resize(48, 0);
    let strings_at = 48 + 2 * 24;
    let names = [
        "libzmq.so.5\0",
        "/usr/lib/libzmq.so.5\0",
        "libc.so.6\0",
        "/lib/libc.so.6\0",
    ];
    let mut offsets = Vec::new();
    let mut at = strings_at;
    for n in names {
        offsets.push(u32::try_from(at).expect("small"));
        at += n.len();
    }
    for pair in offsets.chunks(2) {
        c.extend_from_slice(&0x0303_i32.to_le_bytes());
        c.extend_from_slice(&pair[0].to_le_bytes());
        c.extend_from_slice(&pair[1].to_le_bytes());
        c.extend_from_slice(&[0; 12]);
    }
    for n in names {
        c.extend_from_slice(n.as_bytes());
    }
    let entries = cache_entries(&c);
    assert_eq!(entries["libzmq.so.5"], ["/usr/lib/libzmq.so.5"]);
    assert_eq!(entries["libc.so.6"], ["/lib/libc.so.6"]);
    assert!(cache_entries(b"ld.so-1.7.0").is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn this_machines_shell_needs_nothing_missing() {
    // Whatever its libraries, the loader finds them: it runs.
    assert_eq!(missing_libraries("/bin/sh", &RealFiles), []);
    assert!(RealFiles.needs("/bin/sh").is_some());
}

/// A program file made to cost the search without end (found by thinking about the fuzz
/// target of this reader: the agent reads the files of programs any local user may start):
/// 65,535 program headers claimed, thousands of needed names, an RPATH of thousands of
/// directories. The program headers are refused, the names and directories cut, and the
/// files looked at for one program bounded.
#[test]
fn a_program_file_made_to_cost_the_search_is_bounded() {
    // e_phentsize and e_phnum (at 54 and 56 in a 64-bit header) claim 65,535 headers of
    // 65,535 bytes: 4 GiB, which a reader would set aside memory for.
    let mut image = elf(true, true, 62, &["libc.so.6"], None, None);
    image[54..56].copy_from_slice(&u16::MAX.to_le_bytes());
    image[56..58].copy_from_slice(&u16::MAX.to_le_bytes());
    let mut asked = 0;
    let claimed = needs(&mut |offset, len| {
        asked = asked.max(len);
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(image.len());
        Ok(image[start..(start + len).min(image.len())].to_vec())
    });
    assert!(
        claimed.is_err() && asked <= 1 << 20,
        "{asked} bytes asked for"
    );
    // Names and directories beyond what a program has are cut.
    let names: Vec<String> = (0..3000).map(|i| format!("libx{i}.so")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let dirs = (0..3000)
        .map(|i| format!("/d{i}"))
        .collect::<Vec<_>>()
        .join(":");
    let image = elf(true, true, 62, &names, Some(&dirs), None);
    let n = read(&image).expect("reads").expect("ELF");
    // The RPATH read to a path's length (4 KiB: 701 of these directories).
    assert_eq!((n.needed.len(), n.rpath.len()), (1024, 701));
    // Each of those names looked for in each directory would be a million files: the search
    // stops at its bound, with what it found missing so far.
    struct Counting(Needs, std::cell::Cell<usize>);
    impl Files for Counting {
        fn needs(&self, path: &str) -> Option<Needs> {
            self.1.set(self.1.get() + 1);
            (path == "/opt/p").then(|| self.0.clone())
        }
        fn cache(&self) -> HashMap<String, Vec<String>> {
            HashMap::new()
        }
        fn musl_path(&self, _arch: &str) -> Option<String> {
            None
        }
    }
    let files = Counting(n, std::cell::Cell::new(0));
    let missing = missing_libraries("/opt/p", &files);
    assert!(
        files.1.get() <= MAX_LOOKUPS + 1,
        "{} files looked at",
        files.1.get()
    );
    assert!(
        !missing.is_empty() && missing.len() <= 1024,
        "{}",
        missing.len()
    );
}
