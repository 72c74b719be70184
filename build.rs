//! Windows builds only: the icon and version information go into the executable, wpcap.dll
//! (Npcap) is delay-loaded, and MSVC builds link the C runtime statically. Other targets are
//! left untouched.
//!
//! Delay-loading matters because wpcap.dll is otherwise a load-time import: Windows refuses to
//! start the program when Npcap is not installed, before `main` runs. Delay-loaded, the DLL is
//! looked up at the first pcap call, and rstscope makes sure it is there before any (see
//! `src/source/npcap.rs`). MSVC links it with `/DELAYLOAD` and `delayimp.lib`; the GNU target
//! gets the same from a delay-load import library made with `dlltool -y`
//! (`scripts/windows/wpcap-implib.sh`, found through `LIBPCAP_LIBDIR` by the pcap crate).

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=resources/windows/rstscope.ico");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let msvc = env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc");
    if msvc {
        // Every linked artifact (the program, tests, examples): a test must start without
        // Npcap as the program does.
        println!("cargo:rustc-link-arg=/DELAYLOAD:wpcap.dll");
        println!("cargo:rustc-link-lib=delayimp");
        // The static C runtime itself is chosen by `-C target-feature=+crt-static`
        // (.cargo/config.toml); say so when a build overrides it with RUSTFLAGS.
        let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
        if !features.split(',').any(|f| f == "crt-static") {
            println!(
                "cargo:warning=building without crt-static: the program will need \
                 VCRUNTIME140.dll on the machines it runs on"
            );
        }
    }
    embed_resources(msvc);
}

/// Compiles the icon and version information (a `.rc` written from Cargo.toml's version) into
/// the program.
fn embed_resources(msvc: bool) {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let icon = manifest_dir.join("resources/windows/rstscope.ico");
    let rc = out_dir.join("rstscope.rc");
    std::fs::write(&rc, resource_script(&icon)).expect("write the resource script to OUT_DIR");
    let result = embed_resource::compile(&rc, embed_resource::NONE);
    // Type-checking an MSVC build on another OS has no resource compiler (rc.exe or llvm-rc):
    // the check goes on without resources. Anything that links a real program must have them.
    let host_is_windows = env::var("HOST").is_ok_and(|h| h.contains("windows"));
    if msvc && !host_is_windows {
        if let Err(e) = result.manifest_optional() {
            println!("cargo:warning=no icon or version information: {e}");
        }
    } else {
        result
            .manifest_required()
            .expect("compile the Windows resources (icon, version information)");
    }
}

/// The resource script: the icon (the first icon is the one Explorer shows) and a VERSIONINFO
/// block from Cargo.toml. Numbers stand in for winver.h's names so that no header is needed.
fn resource_script(icon: &Path) -> String {
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let number = |name: &str| {
        env::var(name)
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .unwrap_or(0)
    };
    let numeric = format!(
        "{},{},{},0",
        number("CARGO_PKG_VERSION_MAJOR"),
        number("CARGO_PKG_VERSION_MINOR"),
        number("CARGO_PKG_VERSION_PATCH")
    );
    let description = env::var("CARGO_PKG_DESCRIPTION").unwrap_or_default();
    // Resource compilers read backslashes in strings as escapes.
    let icon = icon.display().to_string().replace('\\', "\\\\");
    let text = |s: &str| s.replace('"', "\"\"");
    format!(
        r#"1 ICON "{icon}"
1 VERSIONINFO
FILEVERSION {numeric}
PRODUCTVERSION {numeric}
FILEFLAGSMASK 0x3f
FILEFLAGS 0x0
FILEOS 0x40004
FILETYPE 0x1
FILESUBTYPE 0x0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "rstscope"
      VALUE "FileDescription", "{description}"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "rstscope"
      VALUE "LegalCopyright", "MIT OR Apache-2.0"
      VALUE "OriginalFilename", "rstscope.exe"
      VALUE "ProductName", "rstscope"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#,
        description = text(&description),
        version = text(&version),
    )
}
