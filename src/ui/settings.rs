//! What the app remembers between runs: the user's choices, never runtime state (jobs,
//! results, selections). eframe stores it with the window geometry; egui keeps column widths.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::Clock;
use crate::source::live::{CaptureConfig, CaptureFilter};

/// The key under which eframe stores the settings.
const STORAGE_KEY: &str = "rstscope-settings";
/// Recent captures listed in File > Recent and on the start screen.
pub const MAX_RECENT: usize = 10;

/// A column of the offenders table the rows can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    /// Address and port.
    Endpoint,
    /// Rank in the report's order (incidents, most first).
    Rank,
    /// Service name of the port.
    Service,
    /// Failed attempts plus RSTs that were not part of one.
    Incidents,
    /// RST packets of one cause (index into `Cause::ALL`).
    Cause(usize),
    /// Failed connection attempts.
    Failed,
    /// Distinct clients.
    Clients,
    /// Average incidents per second.
    AvgRate,
    /// Most incidents in one second.
    PeakRate,
    /// First incident.
    FirstSeen,
    /// Last incident.
    LastSeen,
    /// The diagnosis sentence.
    Diagnosis,
    /// The process listening on the endpoint now, or the one that did before.
    Listener,
    /// The processes that connected.
    Connecting,
    /// Connection attempts answered only after their SYNs were sent again.
    Late,
}

/// How the offenders table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// The column.
    pub column: SortColumn,
    /// Smallest first.
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            column: SortColumn::Rank,
            ascending: true,
        }
    }
}

/// The capture filter chosen in the source bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterChoice {
    /// Every TCP segment, IPv4 and IPv6.
    #[default]
    AllTcp,
    /// Only SYN, FIN and RST segments (overloaded hosts).
    SynFinRst,
    /// The user's BPF expression ([`CaptureSettings::custom_bpf`]).
    Custom,
}

impl FilterChoice {
    /// Every choice, in the order of the picker.
    pub const ALL: [FilterChoice; 3] = [Self::AllTcp, Self::SynFinRst, Self::Custom];

    /// Its name in the picker.
    pub fn label(self) -> &'static str {
        match self {
            Self::AllTcp => "All TCP (IPv4 and IPv6)",
            Self::SynFinRst => "SYN/FIN/RST only (overloaded hosts)",
            Self::Custom => "Custom BPF…",
        }
    }
}

/// What Start capture captures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureSettings {
    /// The interface to capture; `None`: every interface, loopback included.
    pub interface: Option<String>,
    /// The capture filter.
    pub filter: FilterChoice,
    /// The BPF expression of [`FilterChoice::Custom`].
    pub custom_bpf: String,
    /// The interface picker lists pseudo-interfaces that cannot carry TCP too.
    pub show_all_interfaces: bool,
    /// The most a capture saves in the temporary folder, in MiB (`None`: 1,000 MiB).
    pub save_limit_mb: Option<u64>,
}

impl CaptureSettings {
    /// The kernel filter these settings ask for.
    pub fn capture_filter(&self) -> CaptureFilter {
        match self.filter {
            FilterChoice::AllTcp => CaptureFilter::AllTcp,
            FilterChoice::SynFinRst => CaptureFilter::SynFinRst,
            FilterChoice::Custom => CaptureFilter::Custom(self.custom_bpf.trim().to_owned()),
        }
    }

    /// The most a capture saves in the temporary folder, in MiB.
    pub fn save_limit_mb(&self) -> u64 {
        self.save_limit_mb.unwrap_or(1_000)
    }

    /// The capture configuration for Start capture.
    pub fn config(&self) -> CaptureConfig {
        CaptureConfig {
            interfaces: self.interface.iter().cloned().collect(),
            filter: self.capture_filter(),
            ..CaptureConfig::default()
        }
    }
}

/// The persisted settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Times in UTC instead of local time.
    pub utc: bool,
    /// Captures opened recently, newest first (each entry one capture of one or more files).
    pub recent: Vec<Vec<PathBuf>>,
    /// The folder of the last capture opened or saved, where file dialogs start.
    pub last_folder: Option<PathBuf>,
    /// Offenders table order.
    pub sort: Sort,
    /// The offenders table's share of the height it shares with the details, as the user
    /// dragged the splitter; `None`: the default.
    pub table_share: Option<f32>,
    /// Use rstscope's own file dialog instead of the system's.
    pub builtin_file_dialog: bool,
    /// Interface and filter of live captures.
    pub capture: CaptureSettings,
    /// Show the "This machine" panel.
    pub show_host: bool,
    /// The rate plot folded by its heading (or View > Rate plot): the legend's counts by
    /// cause stay, the table and the details get the plot's height.
    pub plot_folded: bool,
    /// The "This machine" panel's width as the user dragged its edge; `None`: the default
    /// (shown at most half the window wide either way, and leaving the results their width in a
    /// small window: `host::most_width`).
    pub host_width: Option<f32>,
    /// Live captures kept when a signal ended the app before they were saved
    /// ([`crate::ui::signal`]): told in the window at the next start, then forgotten here.
    pub kept_captures: Vec<PathBuf>,
}

impl Settings {
    /// The settings stored by a previous run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default()
    }

    /// Stores the settings for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, self);
    }

    /// How times are written.
    pub fn clock(&self) -> Clock {
        if self.utc { Clock::Utc } else { Clock::Local }
    }

    /// Puts a capture first in the recent list and remembers its folder. Paths are made
    /// absolute, so that an entry opened from a shell as `rstscope trace.pcapng` still opens
    /// in a later run started elsewhere (from the Start menu, in another folder).
    pub fn remember(&mut self, paths: &[PathBuf]) {
        if let Some(first) = self.list_first(paths) {
            self.remember_folder(&first);
        }
    }

    /// Puts a capture the app kept in its own folder (a live capture not saved when a signal
    /// ended the app) first in the recent list, its folder not remembered: the next Open or
    /// Export dialog starts where the user last was, not in the app's data folder, where a
    /// file saved unawares is out of sight (and a capture saved there, removed with the kept
    /// ones once old).
    pub fn remember_kept(&mut self, paths: &[PathBuf]) {
        self.list_first(paths);
    }

    /// Puts `paths` (made absolute) first in the recent list; the first of them.
    fn list_first(&mut self, paths: &[PathBuf]) -> Option<PathBuf> {
        if paths.is_empty() {
            return None;
        }
        let paths: Vec<PathBuf> = paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect();
        self.recent
            .retain(|r| !same_capture(r, &paths, PATHS_IGNORE_CASE));
        let first = paths[0].clone();
        self.recent.insert(0, paths);
        self.recent.truncate(MAX_RECENT);
        Some(first)
    }

    /// Whether Recent lists the capture of `paths` (made absolute), in that order.
    pub fn is_recent(&self, paths: &[PathBuf]) -> bool {
        let paths: Vec<PathBuf> = paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect();
        (self.recent.iter()).any(|r| same_capture(r, &paths, PATHS_IGNORE_CASE))
    }

    /// Takes `paths` out of Recent; whether they were in it.
    pub fn forget(&mut self, paths: &[PathBuf]) -> bool {
        let paths: Vec<PathBuf> = paths
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect();
        let before = self.recent.len();
        self.recent
            .retain(|r| !same_capture(r, &paths, PATHS_IGNORE_CASE));
        self.recent.len() < before
    }

    /// Remembers the folder of `path` for the next file dialog.
    pub fn remember_folder(&mut self, path: &Path) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            self.last_folder = Some(dir.to_path_buf());
        }
    }
}

/// True when the capture file at `path` is gone for good: its disk (or network share) is there
/// and the file is not. A file on a USB drive that is not plugged in, or on a share out of reach
/// (a laptop off the VPN), is only out of reach for now: its Recent entry would work again.
pub fn gone_for_good(path: &Path) -> bool {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // The last ancestor is the root: `/`, `C:\`, `\\server\share\`.
    let volume_there = path.ancestors().last().is_some_and(Path::is_dir);
    volume_there && !path.exists()
}

/// Windows' file names are the same whatever their case: `C:\Users\x.pcap` typed in a shell
/// and `C:\users\X.pcap` from a dialog are one file, and one Recent entry.
const PATHS_IGNORE_CASE: bool = cfg!(windows);

/// Whether two captures are the same files in the same order.
fn same_capture(a: &[PathBuf], b: &[PathBuf], ignore_case: bool) -> bool {
    let same = |x: &PathBuf, y: &PathBuf| {
        if ignore_case {
            x.to_string_lossy().to_lowercase() == y.to_string_lossy().to_lowercase()
        } else {
            x == y
        }
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_captures_are_unique_newest_first_and_bounded() {
        let mut s = Settings::default();
        for i in 0..15 {
            s.remember(&[PathBuf::from(format!("/caps/{i}.pcap"))]);
        }
        s.remember(&[PathBuf::from("/caps/3.pcap")]);
        assert_eq!(s.recent.len(), MAX_RECENT);
        // Absolute already on Unix; on Windows on the current drive.
        let absolute = |p: &str| std::path::absolute(p).expect("absolute");
        assert_eq!(s.recent[0], vec![absolute("/caps/3.pcap")]);
        assert_eq!(
            s.recent.iter().filter(|r| r[0].ends_with("3.pcap")).count(),
            1
        );
        assert_eq!(s.last_folder, Some(absolute("/caps")));
    }

    /// The case this pins: the app started from a shell as `rstscope trace.pcapng` put the
    /// bare name in Recent, which a later run started elsewhere could not open.
    #[test]
    fn a_relative_path_is_remembered_as_absolute() {
        let mut s = Settings::default();
        s.remember(&[PathBuf::from("trace 1.pcapng")]);
        let cwd = std::env::current_dir().expect("working directory");
        assert_eq!(s.recent, vec![vec![cwd.join("trace 1.pcapng")]]);
        assert_eq!(s.last_folder, Some(cwd));
    }

    /// The case this pins: on Windows one file opened as `C:\Users\...` and as
    /// `C:\users\...` (as wine's dialog and a shell spelled it) was listed twice.
    #[test]
    fn one_file_spelled_in_two_cases_is_one_recent_entry_where_names_ignore_case() {
        let upper = vec![PathBuf::from("/Caps/Trace.pcap")];
        let lower = vec![PathBuf::from("/caps/trace.pcap")];
        assert!(same_capture(&upper, &lower, true));
        assert!(!same_capture(&upper, &lower, false));
        assert!(!same_capture(
            &upper,
            &[upper[0].clone(), lower[0].clone()],
            true
        ));
        let mut s = Settings::default();
        s.remember(&upper);
        s.remember(&lower);
        assert_eq!(s.recent.len(), if cfg!(windows) { 1 } else { 2 });
        let absolute = std::path::absolute(&lower[0]).expect("absolute");
        assert_eq!(s.recent[0], vec![absolute]);
    }

    /// Regression (found trying the Windows app under wine): a Recent capture that could not
    /// be opened left Recent whenever it did not exist, so one on a USB drive not plugged in,
    /// or on a network share out of reach, was forgotten at the first click.
    #[test]
    fn only_a_file_gone_from_its_disk_is_gone_for_good() {
        let dir = std::env::temp_dir();
        assert!(gone_for_good(
            &dir.join(format!("rstscope-no-such-{}.pcap", std::process::id()))
        ));
        assert!(!gone_for_good(&std::env::current_exe().expect("this test")));
        #[cfg(windows)]
        {
            let unplugged = ('D'..='Y')
                .map(|d| PathBuf::from(format!("{d}:\\")))
                .find(|root| !root.is_dir())
                .expect("a drive letter not in use");
            assert!(!gone_for_good(&unplugged.join("caps").join("trace.pcapng")));
            assert!(!gone_for_good(Path::new(
                r"\\rstscope-no-such-server\share\trace.pcapng"
            )));
        }
    }

    #[test]
    fn settings_survive_a_round_trip_and_old_files_load() {
        let mut s = Settings {
            utc: true,
            capture: CaptureSettings {
                interface: Some("lo".into()),
                filter: FilterChoice::SynFinRst,
                custom_bpf: String::new(),
                show_all_interfaces: false,
                save_limit_mb: Some(64),
            },
            ..Settings::default()
        };
        s.table_share = Some(0.4);
        s.plot_folded = true;
        let text = serde_json::to_string(&s).expect("serializes");
        let back: Settings = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, s);
        // A file written by an older version with fewer fields still loads.
        let old: Settings = serde_json::from_str(r#"{"utc":true}"#).expect("defaults fill in");
        assert!(old.utc && old.recent.is_empty());
        // Hidden causes were kept by earlier versions: they are read and forgotten (a cause
        // hidden for one capture must not hide the next one's).
        let older: Settings = serde_json::from_str(r#"{"hidden_causes":[0],"hide_failed":true}"#)
            .expect("old fields are ignored");
        assert_eq!(older, Settings::default());
        assert_eq!(old.capture, CaptureSettings::default());
    }

    #[test]
    fn capture_settings_make_the_capture_config() {
        let all = CaptureSettings::default().config();
        assert!(all.interfaces.is_empty());
        assert_eq!(all.filter, CaptureFilter::AllTcp);
        let custom = CaptureSettings {
            interface: Some("lo".into()),
            filter: FilterChoice::Custom,
            custom_bpf: " tcp port 80 ".into(),
            ..CaptureSettings::default()
        }
        .config();
        assert_eq!(custom.interfaces, vec!["lo".to_owned()]);
        assert_eq!(custom.filter, CaptureFilter::Custom("tcp port 80".into()));
    }
}
