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
    /// Rank in the report's order (RSTs plus failed attempts, most first).
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
    /// The most a capture saves in the temporary folder, in MB (`None`: 1,000 MB).
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

    /// The most a capture saves in the temporary folder, in MB.
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
    /// Causes hidden in the plot (indices into `Cause::ALL`).
    pub hidden_causes: Vec<usize>,
    /// Hide the failed-attempts line of the plot.
    pub hide_failed: bool,
    /// Use rstscope's own file dialog instead of the system's.
    pub builtin_file_dialog: bool,
    /// Interface and filter of live captures.
    pub capture: CaptureSettings,
    /// Show the "This machine" panel.
    pub show_host: bool,
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

    /// Puts a capture first in the recent list and remembers its folder.
    pub fn remember(&mut self, paths: &[PathBuf]) {
        if paths.is_empty() {
            return;
        }
        self.recent.retain(|r| r.as_slice() != paths);
        self.recent.insert(0, paths.to_vec());
        self.recent.truncate(MAX_RECENT);
        self.remember_folder(&paths[0]);
    }

    /// Remembers the folder of `path` for the next file dialog.
    pub fn remember_folder(&mut self, path: &Path) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            self.last_folder = Some(dir.to_path_buf());
        }
    }

    /// Whether a cause is drawn in the plot.
    pub fn cause_shown(&self, index: usize) -> bool {
        !self.hidden_causes.contains(&index)
    }

    /// Shows or hides a cause in the plot.
    pub fn toggle_cause(&mut self, index: usize) {
        if let Some(i) = self.hidden_causes.iter().position(|&c| c == index) {
            self.hidden_causes.remove(i);
        } else {
            self.hidden_causes.push(index);
        }
    }
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
        assert_eq!(s.recent[0], vec![PathBuf::from("/caps/3.pcap")]);
        assert_eq!(
            s.recent.iter().filter(|r| r[0].ends_with("3.pcap")).count(),
            1
        );
        assert_eq!(s.last_folder, Some(PathBuf::from("/caps")));
    }

    #[test]
    fn settings_survive_a_round_trip_and_old_files_load() {
        let mut s = Settings {
            utc: true,
            capture: CaptureSettings {
                interface: Some("lo".into()),
                filter: FilterChoice::SynFinRst,
                custom_bpf: String::new(),
                save_limit_mb: Some(64),
            },
            ..Settings::default()
        };
        s.toggle_cause(2);
        let text = serde_json::to_string(&s).expect("serializes");
        let back: Settings = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, s);
        // A file written by an older version with fewer fields still loads.
        let old: Settings = serde_json::from_str(r#"{"utc":true}"#).expect("defaults fill in");
        assert!(old.utc && old.recent.is_empty());
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
