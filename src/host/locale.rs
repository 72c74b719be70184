//! The list and decimal separators of the user's regional settings, for the CSV a spreadsheet
//! opens (the app's export, `rstscope analyze --format excel`): Excel opens a CSV file by a
//! double click with them (`;` and `,` in Germany, France, Italy, Spain, the Netherlands...),
//! so a comma-separated file came out as one column there. Windows reads them from the user's
//! locale; elsewhere the export keeps comma and dot (LibreOffice asks on import, and there is
//! no one system setting that spreadsheets there follow).

use crate::report::csv::Spreadsheet;

/// The separators a spreadsheet of this user reads a CSV file with.
#[cfg(windows)]
pub fn spreadsheet() -> Spreadsheet {
    use windows_sys::Win32::Globalization::{LOCALE_SDECIMAL, LOCALE_SLIST};
    let default = Spreadsheet::default();
    // A separator a CSV field cannot be split at (empty, a quote, a line break) is ignored.
    let separator = user_locale_info(LOCALE_SLIST).filter(|s| !s.contains(['"', '\r', '\n']));
    Spreadsheet {
        separator: separator.unwrap_or(default.separator),
        decimal: user_locale_info(LOCALE_SDECIMAL).unwrap_or(default.decimal),
    }
}

/// Comma and dot.
#[cfg(not(windows))]
pub fn spreadsheet() -> Spreadsheet {
    Spreadsheet::default()
}

/// One text item of the user's locale, with the user's own changes to it (Region settings);
/// `None` when the call fails or gives nothing.
#[cfg(windows)]
fn user_locale_info(item: u32) -> Option<String> {
    use windows_sys::Win32::Globalization::GetLocaleInfoEx;
    // LOCALE_SLIST and LOCALE_SDECIMAL are at most 4 characters and the terminating NUL.
    let mut buf = [0u16; 16];
    // SAFETY: a null locale name is LOCALE_NAME_USER_DEFAULT (windows-sys has no constant for
    // it); the buffer is writable and its length is given in UTF-16 units, which the call does
    // not write past; it returns the units written, NUL included, or 0.
    let written =
        unsafe { GetLocaleInfoEx(std::ptr::null(), item, buf.as_mut_ptr(), buf.len() as i32) };
    let len = usize::try_from(written).ok()?.checked_sub(1)?;
    let text = String::from_utf16(buf.get(..len)?).ok()?;
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The separators are those of the user's Region settings, which Windows keeps in
    /// `HKCU\Control Panel\International` (`sList`, `sDecimal`). The Windows smoke test runs this
    /// under wine in a German locale, where they are `;` and `,`.
    #[cfg(windows)]
    #[test]
    fn the_separators_are_the_user_regional_settings() {
        let registry = |name: &str| {
            // Wine under load has failed to start `reg` now and then (ERROR_INTERNAL_ERROR),
            // which says nothing of the separators: it is tried again.
            let query = || {
                std::process::Command::new("reg")
                    .args(["query", r"HKCU\Control Panel\International", "/v", name])
                    .output()
            };
            let out = (1..3)
                .fold(query(), |out, _| {
                    out.or_else(|_| {
                        std::thread::sleep(std::time::Duration::from_millis(500));
                        query()
                    })
                })
                .expect("reg query runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name)?.trim().strip_prefix("REG_SZ"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| panic!("no {name} in {text}"))
        };
        let sheet = spreadsheet();
        println!(
            "the user's locale: list separator {:?}, decimal separator {:?}",
            sheet.separator, sheet.decimal
        );
        assert_eq!(sheet.separator, registry("sList"));
        assert_eq!(sheet.decimal, registry("sDecimal"));
    }

    #[cfg(not(windows))]
    #[test]
    fn other_systems_write_comma_and_dot() {
        assert_eq!(spreadsheet(), Spreadsheet::default());
    }
}
