//! A folder given as an input (`rstscope analyze /var/log/caps/`): the files in it, as the
//! shell's `DIR/*` gives them, in the order their numbers run.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// The most files of one folder read: each is read at once beside the others (with its buffer
/// and file handle), as at most 256 captures of a zip are.
pub const MAX_FOLDER_FILES: usize = super::MAX_ZIP_CAPTURES;

/// What a folder holds, as it is read.
#[derive(Debug, Default)]
pub struct Listing {
    /// The files read, in [`by_number`] order: at most [`MAX_FOLDER_FILES`].
    pub files: Vec<PathBuf>,
    /// The names of the files after those, not read.
    pub left_out: Vec<String>,
    /// The names of the folders in it, which are not read (nor looked into).
    pub folders: Vec<String>,
}

/// Lists the folder `dir`: its files (a link to a file is one), not those whose name begins
/// with a dot, which `DIR/*` leaves out too (an editor's swap file, `.lock`).
pub fn list(dir: &Path) -> std::io::Result<Listing> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            folders.push(name);
        } else if path.is_file() {
            files.push((name, path));
        }
        // Not a named pipe, a socket or a device: opening a pipe waits for a writer, which
        // may never come (one given by name is read, as `rstscope analyze /dev/stdin`).
    }
    files.sort_by(|a, b| by_number(&a.0, &b.0));
    folders.sort_by(|a, b| by_number(a, b));
    let left_out = files
        .split_off(files.len().min(MAX_FOLDER_FILES))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    Ok(Listing {
        files: files.into_iter().map(|(_, path)| path).collect(),
        left_out,
        folders,
    })
}

/// Names in the order a person reads them: the runs of digits by their numbers, so that the
/// files of `tcpdump -C 100 -w cap` come as written (`cap`, `cap1`, `cap2`, ... `cap10`, not
/// `cap10` before `cap2`); names the same but for leading zeros, by their bytes.
pub fn by_number(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (m, rest_x) = digits(x);
                let (n, rest_y) = digits(y);
                let (m, n) = (without_leading_zeros(m), without_leading_zeros(n));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (rest_x, rest_y);
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

/// The run of digits `s` begins with, and the rest.
fn digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    s.split_at(n)
}

/// A number's digits without its leading zeros.
fn without_leading_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_files_come_in_the_order_they_were_written() {
        let mut names = vec![
            "cap10", "cap2", "cap", "cap1", "cap11", "cap3", "a.pcap", "cap02",
        ];
        names.sort_by(|a, b| by_number(a, b));
        assert_eq!(
            names,
            [
                "a.pcap", "cap", "cap1", "cap02", "cap2", "cap3", "cap10", "cap11"
            ]
        );
        // tcpdump -G's dates and times sort as they read.
        let mut names = vec!["lo-2026-12-05_10:00.pcap", "lo-2026-12-04_23:59.pcap"];
        names.sort_by(|a, b| by_number(a, b));
        assert_eq!(
            names,
            ["lo-2026-12-04_23:59.pcap", "lo-2026-12-05_10:00.pcap"]
        );
    }
}
