//! Wildcards in file arguments on Windows: `rstscope analyze C:\caps\trace*.pcapng`.
//!
//! A Unix shell expands `*` and `?` before the program starts; cmd and PowerShell pass them on
//! as typed, and each Windows program expands them itself (the C runtime's `setargv` does it
//! for C programs; Rust's arguments are not expanded). Without this, rotated captures given as
//! `trace*.pcapng` end in "Invalid name (os error 123)". As in cmd's own commands, only the
//! last component of a path may hold wildcards, and names match regardless of case.

use std::path::{Component, Path, PathBuf};

/// A file argument whose wildcards cannot be expanded.
#[derive(Debug, PartialEq, Eq)]
pub enum PatternError {
    /// No file matches the pattern.
    NoMatch(PathBuf),
    /// A folder's name holds the wildcard: as in cmd, only the file name may.
    InFolder(PathBuf),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::NoMatch(p) => write!(
                f,
                "{}: no file matches this pattern; check the folder and the name (* stands for any characters, ? for one)",
                p.display()
            ),
            PatternError::InFolder(p) => write!(
                f,
                "{}: * and ? work in the file name only, not in a folder's name (as in cmd's dir); name the folder in full",
                p.display()
            ),
        }
    }
}

/// Replaces each argument whose file name holds `*` or `?` and that is not itself a file by
/// the files of its folder that match it, in name order. An argument that names an existing
/// file, or whose folder cannot be listed, is kept as it is (opening it says what is wrong),
/// unless a wildcard in a folder's name is why (Windows would only say "Invalid name").
pub fn expand(args: Vec<PathBuf>, ignore_case: bool) -> Result<Vec<PathBuf>, PatternError> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        if wildcard_in_folder(&arg) {
            return Err(PatternError::InFolder(arg));
        }
        let Some(pattern) = wildcard_name(&arg) else {
            out.push(arg);
            continue;
        };
        let folder = arg.parent().unwrap_or(Path::new(""));
        let listed = if folder.as_os_str().is_empty() {
            std::fs::read_dir(".")
        } else {
            std::fs::read_dir(folder)
        };
        let Ok(entries) = listed else {
            out.push(arg);
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| matches(&pattern, name, ignore_case))
            .collect();
        if names.is_empty() {
            return Err(PatternError::NoMatch(arg));
        }
        names.sort();
        out.extend(names.into_iter().map(|n| folder.join(n)));
    }
    Ok(out)
}

/// The file name of `path` when it holds a wildcard and `path` is not an existing file.
fn wildcard_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    (name.contains(['*', '?']) && !path.exists()).then(|| name.to_owned())
}

/// Whether a folder on the way to `path` has `*` or `?` in its name and the folder does not exist
/// (on Linux and macOS such a folder may exist, and is then no pattern). The `?` of a
/// `\\?\C:\` prefix is no wildcard.
fn wildcard_in_folder(path: &Path) -> bool {
    path.parent().is_some_and(|folder| {
        folder.components().any(|c| match c {
            Component::Normal(name) => name.to_string_lossy().contains(['*', '?']),
            _ => false,
        }) && !folder.exists()
    })
}

/// Whether `name` matches `pattern`: `*` any run of characters, `?` exactly one.
fn matches(pattern: &str, name: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if ignore_case {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, n) = (fold(pattern), fold(name));
    // Greedy with one backtrack point: the last `*` and where its match may grow from.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks_match_as_in_cmd() {
        assert!(matches("*.pcapng", "trace 1.pcapng", false));
        assert!(matches("trace?.pcap", "trace2.pcap", false));
        assert!(!matches("trace?.pcap", "trace12.pcap", false));
        assert!(matches("*", "anything", false));
        assert!(matches("a*b*c", "aXXbYYbZc", false));
        assert!(!matches("*.pcap", "x.pcapng", false));
        assert!(matches("*.PCAP", "Jörg.pcap", true));
        assert!(!matches("*.PCAP", "Jörg.pcap", false));
        assert!(matches("JÖRG*", "jörg-1.pcap", true));
    }

    /// The case this pins: `rstscope analyze C:\caps\trace*.pcapng` from cmd, rotated files
    /// merged, failed with "Invalid name (os error 123)".
    #[test]
    fn a_pattern_is_replaced_by_the_matching_files_in_name_order() {
        let dir = std::env::temp_dir().join(format!("rstscope-wildcards-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub.pcap")).expect("folder");
        for name in ["trace2.pcap", "trace1.pcap", "Trace3.PCAP", "notes.txt"] {
            std::fs::write(dir.join(name), b"").expect("file");
        }
        let kept = dir.join("notes.txt");
        let got = expand(vec![dir.join("*.pcap"), kept.clone()], true);
        let missing = expand(vec![dir.join("nothing*.pcap")], true);
        let exact = expand(vec![dir.join("t*.pcap")], false);
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(
            got,
            Ok(vec![
                dir.join("Trace3.PCAP"),
                dir.join("trace1.pcap"),
                dir.join("trace2.pcap"),
                kept,
            ])
        );
        assert_eq!(
            missing,
            Err(PatternError::NoMatch(dir.join("nothing*.pcap")))
        );
        assert_eq!(
            exact,
            Ok(vec![dir.join("trace1.pcap"), dir.join("trace2.pcap")])
        );
    }

    #[test]
    fn arguments_without_wildcards_are_kept_as_given() {
        let args = vec![
            PathBuf::from("no-such-file.pcap"),
            PathBuf::from("a b.pcap"),
        ];
        assert_eq!(expand(args.clone(), true), Ok(args));
    }

    /// Regression: `rstscope analyze "caps\mon*\*.pcapng"` in cmd ended in "cannot read:
    /// Invalid name (os error 123)", which does not say the wildcard is where none may be.
    #[test]
    fn a_wildcard_in_a_folder_name_is_named_as_such() {
        let dir =
            std::env::temp_dir().join(format!("rstscope-wildcards-folder-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("monday")).expect("folder");
        std::fs::write(dir.join("monday").join("a.pcap"), b"").expect("file");
        let pattern = dir.join("mon*").join("*.pcap");
        let named = dir.join("mon*").join("a.pcap");
        let got = (
            expand(vec![pattern.clone()], true),
            expand(vec![named.clone()], true),
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
        assert_eq!(got.0, Err(PatternError::InFolder(pattern)));
        assert_eq!(got.1, Err(PatternError::InFolder(named.clone())));
        assert!(
            PatternError::InFolder(named)
                .to_string()
                .contains("* and ? work in the file name only")
        );
    }
}
