//! The listeners the agent saw, saved beside its evidence, so that an agent restarted (by
//! its service manager, an upgrade, a reboot) still says who served a port: the collector
//! that crashed before the restart is otherwise known to no one (the system journal names a
//! systemd unit at best), and the refusal alert, whose `former_listener` is a label, ended at
//! the restart and came back two minutes later saying only "nothing listens".
//!
//! The file is JSON ([`ListenerRecord`](crate::host::history::ListenerRecord)s, as `/report`'s
//! `host` has them), written whole to a new file and renamed over the old one, mode 0600 (it
//! holds command lines). It is written when the listeners change, at least once a minute while
//! they do not (their last sighting moves on), and at the stop.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::host::history::ListenerRecord;
use crate::host::state::HostReport;

/// The file's name in the evidence directory.
pub const FILE: &str = "listeners.json";
/// Listeners gone that are saved, the most recent.
pub const MAX_SAVED_GONE: usize = 1024;
/// A file unchanged otherwise is written again after this long, so that the listeners of an
/// agent that is killed were seen no longer before than this.
const REFRESH: Duration = Duration::from_secs(60);

/// What the file holds.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Saved {
    /// Listening at the last sample.
    listening: Vec<ListenerRecord>,
    /// Gone, most recent first.
    gone: Vec<ListenerRecord>,
}

/// Reads what an earlier run saved in `dir`: nothing when there is no file; an error says
/// which file could not be read, and why.
///
/// # Errors
/// The file is there but cannot be read or is not what an agent writes.
pub fn load(dir: &Path) -> Result<Vec<ListenerRecord>, String> {
    let path = dir.join(FILE);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!(
                "cannot read {}: {}",
                path.display(),
                crate::report::os_error(&e)
            ));
        }
    };
    let saved: Saved = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a list of listeners an agent saved ({e}); who served ports before this \
             start is not known",
            path.display()
        )
    })?;
    Ok(saved.listening.into_iter().chain(saved.gone).collect())
}

/// Writes the listeners of each host report when they changed; see the module documentation.
#[derive(Debug)]
pub struct Saver {
    path: PathBuf,
    /// What the last file written held, the listeners' last sightings left out.
    last: Option<Vec<ListenerRecord>>,
    written: Option<Instant>,
}

impl Saver {
    /// Saves to [`FILE`] in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(FILE),
            last: None,
            written: None,
        }
    }

    /// Saves the listeners of `host` if they changed since the last file, if that file is a
    /// minute old, or if `last` (the agent stops). A host report with no sample, or with no
    /// listener at all (the socket table could not be read: the agent itself listens), says
    /// nothing: the file of the earlier run stays.
    ///
    /// # Errors
    /// The file could not be written: the message names it.
    pub fn save(&mut self, host: Option<&HostReport>, last: bool) -> Result<(), String> {
        let Some(host) =
            host.filter(|h| h.samples > 0 && !(h.listening.is_empty() && h.gone.is_empty()))
        else {
            return Ok(());
        };
        let saved = Saved {
            listening: host.listening.clone(),
            gone: host.gone.iter().take(MAX_SAVED_GONE).cloned().collect(),
        };
        let key: Vec<ListenerRecord> = saved
            .listening
            .iter()
            .map(|r| ListenerRecord {
                last_seen: r.first_seen,
                ..r.clone()
            })
            .chain(saved.gone.iter().cloned())
            .collect();
        let stale = self.written.is_none_or(|w| w.elapsed() >= REFRESH);
        if !last && !stale && self.last.as_ref() == Some(&key) {
            return Ok(());
        }
        self.write(&saved).map_err(|e| {
            format!(
                "cannot save the listeners seen to {}: {e}",
                self.path.display()
            )
        })?;
        self.last = Some(key);
        self.written = Some(Instant::now());
        Ok(())
    }

    fn write(&self, saved: &Saved) -> io::Result<()> {
        let tmp = self.path.with_extension("json.new");
        // One left by a run stopped while writing may be another user's (root's, before the
        // agent became --user): made anew.
        let _ = fs::remove_file(&tmp);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(&serde_json::to_vec(saved).map_err(io::Error::other)?)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::processes::ProcessInfo;
    use crate::packet::Timestamp;

    fn record(port: u16, pid: u32, first: i64, last: i64) -> ListenerRecord {
        ListenerRecord {
            addr: ([127, 0, 0, 1], port).into(),
            process: ProcessInfo::bare(pid, "collector"),
            first_seen: Timestamp(first * Timestamp::NANOS_PER_SEC),
            last_seen: Timestamp(last * Timestamp::NANOS_PER_SEC),
        }
    }

    fn host(listening: Vec<ListenerRecord>, gone: Vec<ListenerRecord>) -> HostReport {
        HostReport {
            samples: 1,
            listening,
            gone,
            ..HostReport::default()
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("rstscope-listeners-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[test]
    fn what_one_run_saves_the_next_loads_listening_and_gone() {
        let d = dir("roundtrip");
        assert_eq!(load(&d), Ok(Vec::new()));
        let mut saver = Saver::new(&d);
        let now = record(22, 10, 1, 50);
        let gone = record(7211, 4312, 1, 30);
        saver
            .save(Some(&host(vec![now.clone()], vec![gone.clone()])), false)
            .expect("saved");
        assert_eq!(load(&d), Ok(vec![now.clone(), gone.clone()]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(d.join(FILE))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Only the last sighting moved on: not written again (until a minute has passed).
        let later = record(22, 10, 1, 51);
        saver
            .save(Some(&host(vec![later.clone()], vec![gone.clone()])), false)
            .expect("saved");
        assert_eq!(load(&d), Ok(vec![now, gone.clone()]));
        // At the stop it is.
        saver
            .save(Some(&host(vec![later.clone()], vec![gone.clone()])), true)
            .expect("saved");
        assert_eq!(load(&d), Ok(vec![later, gone]));
        // A report of no sample, or of no listener at all, keeps the earlier run's file.
        saver
            .save(Some(&HostReport::default()), true)
            .expect("kept");
        saver
            .save(Some(&host(Vec::new(), Vec::new())), true)
            .expect("kept");
        assert_eq!(load(&d).map(|l| l.len()), Ok(2));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_that_is_no_agents_says_so_naming_it() {
        let d = dir("bad");
        fs::write(d.join(FILE), "not json").expect("written");
        let e = load(&d).expect_err("refused");
        assert!(
            e.contains(FILE) && e.contains("not a list of listeners"),
            "{e}"
        );
        let _ = fs::remove_dir_all(&d);
    }
}
