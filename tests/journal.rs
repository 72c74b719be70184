//! The real `journalctl` on journal files made from the 7211 story's journal export
//! (tests/fixtures/journal, made into files by `systemd-journal-remote`; SKIPPED without it):
//! who listened on a port before, how its unit ended, ports searched for together, the lookup
//! thread. Linux only.

#![cfg(target_os = "linux")]

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rstscope::host::journal::{
    Answer, GoneListener, MAX_LOOKUPS, OwnerLookups, UnitNow, look_up, look_up_all, look_up_end,
};
use rstscope::packet::Timestamp;
use rstscope::report::Clock;

fn utc(t: Timestamp) -> String {
    Clock::Utc.time(t)
}

/// The real `journalctl` on a real journal: tests/fixtures/journal/collector-story.export
/// (journal export format: the collector listening on 127.0.0.1:7211 on Nov 30, then failing
/// to start on Dec 1 for a missing library, with a message of another program that mentions
/// the number 7211 and one that listens on 17211) written into journal files by
/// `systemd-journal-remote`.
#[test]
fn journalctl_names_the_collector_from_a_real_journal() {
    let Some(journal) = common::story_journal(7211) else {
        return;
    };
    let dir = journal.directory.clone().expect("a journal folder");
    let stop = AtomicBool::new(false);
    let o = look_up(&journal, 7211, &stop)
        .expect("journalctl answers")
        .expect("the collector");
    assert_eq!(o.unit.as_deref(), Some("collector.service"));
    assert_eq!(o.said, "collector 2.3 listening on 127.0.0.1:7211");
    assert!(
        o.state_words(utc)
            .contains("failed at 09:58:00 (exit status 127)")
            && o.state_words(utc).contains("libzmq.so.5"),
        "{}",
        o.state_words(utc)
    );
    // A port the journal never names as listening: nobody.
    assert_eq!(look_up(&journal, 17212, &stop), Ok(None));
    // Several ports in one search: each answered as alone, in the order asked (17211 is
    // another program's listening port in the story).
    let alone: Vec<_> = [17212, 7211, 17211]
        .into_iter()
        .map(|p| (p, look_up(&journal, p, &stop)))
        .collect();
    assert_eq!(look_up_all(&journal, &[17212, 7211, 17211], &stop), alone);
    assert!(
        matches!(&alone[2].1, Ok(Some(o)) if o.said.contains("17211")),
        "{alone:?}"
    );
    // Through the lookup thread, once per port.
    let mut lookups = OwnerLookups::new(journal);
    lookups.ask(7211);
    lookups.ask(7211);
    let answers = lookups.settle(Duration::from_secs(30));
    assert_eq!(answers.len(), 1);
    // The searching thread runs at nice 10 or more (field 19 of its stat).
    let nice = std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("stat")).ok())
        .find(|stat| stat.contains("(journal)"))
        .and_then(|stat| {
            let after_name = stat.rsplit_once(") ")?.1.to_owned();
            after_name.split(' ').nth(16)?.parse::<i32>().ok()
        });
    assert!(nice.is_some_and(|n| n >= 10), "{nice:?}");
    assert!(matches!(&answers[0], Answer::Owner(7211, Ok(Some(_)))));
    // A scan's thousands of closed ports: MAX_LOOKUPS searches, no more.
    for port in 1..=100 {
        lookups.ask(port);
    }
    assert_eq!(
        lookups.settle(Duration::from_secs(60)).len(),
        MAX_LOOKUPS - 1
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
}

/// A crashed service is named past other programs' noise: 30 messages of a batch job newer
/// than the collector's, each with the word "started" and the number 7211 but not as a
/// listening address, fill the whole journal's first matches; the services that ended are
/// searched first, by the journal's index.
#[test]
fn an_ended_service_is_found_before_newer_mentions_of_others() {
    let Some(remote) = common::journal_remote() else {
        return;
    };
    let mut export = common::story_export();
    for i in 0..30u64 {
        export.push_str(&format!(
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n\
             _BOOT_ID=0123456789abcdef0123456789abcdef\n\
             MESSAGE=batch started, job 7211 queued ({i})\n_HOSTNAME=labutil01\nPRIORITY=6\n\
             _PID=6000\n_COMM=batch\n_EXE=/usr/local/bin/batch\nSYSLOG_IDENTIFIER=batch\n\
             _TRANSPORT=stdout\n\n",
            1_796_120_000_000_000 + i * 1_000_000,
            2_000_000 + i * 1000,
        ));
    }
    let journal = common::journal_from_export(remote, "noise", &export);
    let dir = journal.directory.clone().expect("a journal folder");
    let stop = AtomicBool::new(false);
    let o = look_up(&journal, 7211, &stop)
        .expect("journalctl answers")
        .expect("the collector, past the batch job's messages");
    assert_eq!(o.unit.as_deref(), Some("collector.service"));
    assert!(
        o.state_words(utc).contains("libzmq.so.5"),
        "{}",
        o.state_words(utc)
    );
    // A port no ended service names is still searched for in the whole journal.
    assert!(matches!(look_up(&journal, 17211, &stop), Ok(Some(o)) if o.said.contains("17211")));
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
}

/// A listener rstscope saw go (the collector, pid 4312, last seen the second before its unit
/// stopped and failed to start again): the real `journalctl` finds its unit by its PID's
/// messages and how the unit ended, directly and through the lookup thread; a PID the journal
/// does not know gets no answer.
#[test]
fn journalctl_tells_how_a_listener_seen_going_ended() {
    // Its own folder (named by the port), apart from the other tests' story journal.
    let Some(journal) = common::story_journal(7213) else {
        return;
    };
    let dir = journal.directory.clone().expect("a journal folder");
    let stop = AtomicBool::new(false);
    // 2026-12-01 09:57:58 UTC.
    let gone = GoneListener {
        pid: 4312,
        name: "collector".into(),
        started: Some(1_796_025_600),
        last_seen: Timestamp::from_parts(1_796_119_078, 0),
    };
    let end = look_up_end(&journal, &gone, &stop)
        .expect("journalctl answers")
        .expect("the collector's end");
    assert_eq!(end.unit, "collector.service");
    assert!(matches!(end.state.now, UnitNow::Failed { .. }), "{end:?}");
    assert_eq!(
        end.words(utc),
        ", when collector.service failed (exit status 127: error while loading shared \
         libraries: libzmq.so.5)"
    );
    let unknown = GoneListener {
        pid: 4999,
        ..gone.clone()
    };
    assert_eq!(look_up_end(&journal, &unknown, &stop), Ok(None));
    let mut lookups = OwnerLookups::new(journal);
    lookups.ask_end(gone.clone(), false);
    lookups.ask_end(gone.clone(), false);
    let answers = lookups.settle(Duration::from_secs(30));
    assert_eq!(answers, vec![Answer::End(4312, Ok(Some(end.clone())))]);
    // Once more at the end of a capture, when asked again; not a third time.
    lookups.ask_end(gone.clone(), true);
    lookups.ask_end(gone, true);
    assert_eq!(lookups.settle(Duration::from_secs(30)).len(), 1);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
}
