//! The agent's log while it runs: the warnings of the capture as they appear, and failures to
//! keep evidence. Its lines go to stderr (the journal under systemd, the terminal) unless the
//! program gives the agent a log of its own: the Windows service, which has no stderr, writes
//! them to its `agent.log`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::lock;
use crate::pipeline::live;

/// What writes a line of the log somewhere else than stderr.
type Writer = Arc<dyn Fn(&str) + Send + Sync>;

/// Where the agent's log lines go: stderr by default.
#[derive(Clone, Default)]
pub struct AgentLog(Option<Writer>);

impl AgentLog {
    /// Each line is given to `write` instead of stderr.
    pub fn to(write: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(write)))
    }

    /// Writes one line.
    pub fn line(&self, line: &str) {
        match &self.0 {
            Some(write) => write(line),
            None => crate::host::locale::stderr_line(line),
        }
    }
}

impl std::fmt::Debug for AgentLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AgentLog(own)"
        } else {
            "AgentLog(stderr)"
        })
    }
}

/// What the log has said while the agent runs, so that nothing is said over and over.
pub(super) struct Said {
    log: AgentLog,
    /// Evidence write errors already said, the message said and when.
    evidence_errors: Mutex<(u64, Option<String>, Option<Instant>)>,
    /// The capture's warnings of the last update, said as each appeared.
    warnings: Mutex<Vec<String>>,
}

impl Said {
    pub(super) fn new(log: AgentLog) -> Self {
        Self {
            log,
            evidence_errors: Mutex::new((0, None, None)),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// A failure to keep evidence (`errors` failed writes so far, the last one's message),
    /// said when its message changes, and at most once a minute while it goes on (a directory
    /// gone fails every write).
    pub(super) fn evidence(&self, errors: u64, error: Option<String>) {
        let mut said = lock(&self.evidence_errors);
        let (count, message, at) = &mut *said;
        if errors > *count
            && (*message != error || at.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)))
        {
            self.log.line(&format!(
                "rstscope agent: evidence: {} ({errors} failed writes so far)",
                error.as_deref().unwrap_or("a write failed"),
            ));
            (*count, *message, *at) = (errors, error, Some(Instant::now()));
        }
    }

    /// Each warning of the capture when it appears: an interface lost ("capture on eth1 lost
    /// since ...") and back ("was lost from ... to ..."), a filter's limits, an interface that
    /// could not be opened. Only `/report` told them, and nothing looks there unasked. Once
    /// each: a warning is said when it was not among the last update's; running counts
    /// (frames lost) are the metrics'.
    pub(super) fn warnings(&self, warnings: &[String]) {
        let mut said = lock(&self.warnings);
        for w in warnings {
            if !said.contains(w) && !live::is_running_count(w) {
                self.log.line(&format!("rstscope agent: warning: {w}"));
            }
        }
        *said = warnings.to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collected() -> (AgentLog, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&lines);
        let log = AgentLog::to(move |l| lock(&into).push(l.to_owned()));
        (log, lines)
    }

    fn taken(lines: &Mutex<Vec<String>>) -> Vec<String> {
        std::mem::take(&mut *lock(lines))
    }

    /// Regression: the Windows service's agent.log got its start and stop only; the capture's
    /// warnings went to a stderr no one reads.
    #[test]
    fn each_new_warning_goes_to_the_log_given_once() {
        let (log, lines) = collected();
        let said = Said::new(log);
        let lost = "capture on eth1 lost since 15:40:56 (No such device)".to_owned();
        let counted =
            "12 frames were lost (kernel 12, interface 0, rstscope 0): counts are lower bounds";
        assert!(live::is_running_count(counted), "the count's words changed");
        said.warnings(&[lost.clone(), counted.to_owned()]);
        assert_eq!(
            taken(&lines),
            [format!("rstscope agent: warning: {lost}")],
            "the event said, the running count left to the metrics"
        );
        said.warnings(std::slice::from_ref(&lost));
        assert!(taken(&lines).is_empty(), "said once");
        let back = "capture on eth1 was lost from 15:40:56 to 15:41:30".to_owned();
        said.warnings(std::slice::from_ref(&back));
        assert_eq!(taken(&lines), [format!("rstscope agent: warning: {back}")]);
        said.warnings(&[]);
        said.warnings(std::slice::from_ref(&lost));
        assert_eq!(
            taken(&lines),
            [format!("rstscope agent: warning: {lost}")],
            "lost again: said again"
        );
    }

    #[test]
    fn a_failure_to_keep_evidence_goes_to_the_log_when_its_message_changes() {
        let (log, lines) = collected();
        let said = Said::new(log);
        let full = Some(
            "C:\\ProgramData\\rstscope\\evidence: There is not enough space on the disk."
                .to_owned(),
        );
        said.evidence(0, None);
        assert!(taken(&lines).is_empty(), "no failure, nothing said");
        said.evidence(1, full.clone());
        let first = taken(&lines);
        assert_eq!(first.len(), 1);
        assert!(
            first[0].starts_with("rstscope agent: evidence: C:\\ProgramData")
                && first[0].ends_with("(1 failed writes so far)"),
            "{first:?}"
        );
        said.evidence(5, full);
        assert!(taken(&lines).is_empty(), "the same failure: once a minute");
        said.evidence(6, Some("gone".into()));
        assert_eq!(
            taken(&lines),
            ["rstscope agent: evidence: gone (6 failed writes so far)"]
        );
    }
}
