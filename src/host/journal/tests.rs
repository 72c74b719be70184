use super::*;

use serde_json::json;

/// 2026-11-30 08:00:01 UTC, in journal microseconds.
const NOV30_0800: i64 = 1_796_025_601_000_000;
/// 2026-12-01 09:58:00 UTC.
const DEC01_0958: i64 = 1_796_119_080_000_000;

fn line(v: Value) -> String {
    v.to_string()
}

/// The collector's own message naming its port, as journald stores a service's stdout.
fn listening(at: i64) -> String {
    line(json!({
        "__REALTIME_TIMESTAMP": at.to_string(),
        "MESSAGE": "collector 2.3 listening on 127.0.0.1:7211",
        "_SYSTEMD_UNIT": "collector.service",
        "_COMM": "collector",
        "_EXE": "/usr/local/bin/collector",
        "_PID": "4312",
    }))
}

fn systemd(at: i64, id: &str, message: &str, extra: Value) -> String {
    let mut v = json!({
        "__REALTIME_TIMESTAMP": at.to_string(),
        "MESSAGE": message,
        "MESSAGE_ID": id,
        "UNIT": "collector.service",
        "_PID": "1",
        "_COMM": "systemd",
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    line(v)
}

/// The unit's end as systemd 252 logs a service whose program cannot start (newest first):
/// the loader's error on the service's stderr, the exit, the failure.
fn failed_unit() -> String {
    [
        systemd(
            DEC01_0958,
            message_id::START_FAILED,
            "Failed to start collector.service - Collector.",
            json!({"JOB_RESULT": "failed"}),
        ),
        systemd(
            DEC01_0958,
            message_id::FAILED,
            "collector.service: Failed with result 'exit-code'.",
            json!({"UNIT_RESULT": "exit-code"}),
        ),
        systemd(
            DEC01_0958,
            message_id::PROCESS_EXITED,
            "collector.service: Main process exited, code=exited, status=127/n/a",
            json!({"EXIT_CODE": "exited", "EXIT_STATUS": "127"}),
        ),
        line(json!({
            "__REALTIME_TIMESTAMP": DEC01_0958.to_string(),
            "MESSAGE": "/usr/local/bin/collector: error while loading shared libraries: libzmq.so.5: cannot open shared object file: No such file or directory",
            "_SYSTEMD_UNIT": "collector.service",
            "_COMM": "collector",
            "_PID": "6001",
        })),
        listening(NOV30_0800),
        systemd(
            NOV30_0800,
            message_id::STARTED,
            "Started collector.service - Collector.",
            json!({}),
        ),
    ]
    .join("\n")
}

fn utc(t: Timestamp) -> String {
    crate::report::Clock::Utc.time(t)
}

#[test]
fn a_port_is_named_as_a_listening_address_only() {
    for yes in [
        "collector 2.3 listening on 127.0.0.1:7211",
        "Listening on [::]:7211",
        "bound to :7211",
        "HTTP server started on port 7211",
        "listen port=7211",
        "serving on port: 7211 (tcp)",
    ] {
        assert!(names_listening(yes, 7211), "{yes}");
    }
    for no in [
        "sent 7211 bytes",
        "listening on port 17211",
        "listening on 127.0.0.1:72110",
        "listening on 127.0.0.1:8080 (7211 clients)",
        "connected to 127.0.0.1:7211",
        "7211: listening",
    ] {
        assert!(!names_listening(no, 7211), "{no}");
    }
}

#[test]
fn the_failed_collector_is_named_with_its_exit_and_last_words() {
    let mentions = [
        line(json!({"__REALTIME_TIMESTAMP": "1796029200000000", "MESSAGE": "reporter: listening done, sent 7211 bytes", "_COMM": "reporter"})),
        listening(NOV30_0800),
    ]
    .join("\n");
    let o = owner_from(&mentions, Some(&failed_unit()), 7211).expect("an owner");
    assert_eq!(o.unit.as_deref(), Some("collector.service"));
    assert_eq!(o.pid, Some(4312));
    assert_eq!(o.said_at, Timestamp(NOV30_0800 * 1000));
    let s = o.state.as_ref().expect("a state");
    assert_eq!(s.since, Timestamp(DEC01_0958 * 1000));
    assert_eq!(
        s.now,
        UnitNow::Failed {
            result: Some("exit-code".into()),
            exit: Some("exited, status=127/n/a".into()),
            restarts: None,
        }
    );
    assert_eq!(o.label(), "collector.service (/usr/local/bin/collector)");
    assert_eq!(
        o.state_words(utc),
        "; collector.service failed at 09:58:00 (exit status 127), its last words: \
         \"/usr/local/bin/collector: error while loading shared libraries: libzmq.so.5: \
         cannot open shared object file: No such file or directory\""
    );
}

#[test]
fn a_restart_loop_a_stop_and_a_running_unit_are_told_apart() {
    let restarting = [
        systemd(
            DEC01_0958,
            message_id::RESTART_SCHEDULED,
            "collector.service: Scheduled restart job, restart counter is at 3.",
            json!({"N_RESTARTS": "3"}),
        ),
        failed_unit(),
    ]
    .join("\n");
    let o = owner_from(&listening(NOV30_0800), Some(&restarting), 7211).expect("owner");
    assert!(
        o.state_words(utc).starts_with(
            "; collector.service keeps failing and systemd keeps restarting it (the last failure at 09:58:00: exit status 127, restart 3)"
        ),
        "{}",
        o.state_words(utc)
    );
    // systemd gave up after five restarts: failed, with the restarts it made.
    let gave_up = [
        systemd(
            DEC01_0958 + 1,
            message_id::START_FAILED,
            "Failed to start collector.service - Collector.",
            json!({}),
        ),
        systemd(
            DEC01_0958 + 1,
            message_id::RESTART_SCHEDULED,
            "collector.service: Scheduled restart job, restart counter is at 5.",
            json!({"N_RESTARTS": "5"}),
        ),
        failed_unit(),
    ]
    .join("\n");
    let o = owner_from(&listening(NOV30_0800), Some(&gave_up), 7211).expect("owner");
    assert!(
        o.state_words(utc)
            .starts_with("; collector.service failed at 09:58:00 after 5 restarts (exit status 127), its last words: "),
        "{}",
        o.state_words(utc)
    );
    let stopped = systemd(
        DEC01_0958,
        message_id::STOPPED,
        "Stopped collector.service - Collector.",
        json!({}),
    ) + "\n"
        + &listening(NOV30_0800);
    let o = owner_from(&listening(NOV30_0800), Some(&stopped), 7211).expect("owner");
    assert_eq!(o.state.map(|s| s.now), Some(UnitNow::Stopped));
    // Started after it named the port, never ended: it runs, elsewhere.
    let running = systemd(
        DEC01_0958,
        message_id::STARTED,
        "Started collector.service - Collector.",
        json!({}),
    );
    let o = owner_from(&listening(NOV30_0800), Some(&running), 7211).expect("owner");
    assert!(o.state_words(utc).contains("has not ended since"));
    // Events before the port was named say nothing of the listener's end.
    let o = owner_from(&listening(DEC01_0958 + 1), Some(&failed_unit()), 7211).expect("owner");
    assert_eq!(o.state, None);
}

#[test]
fn without_a_unit_the_program_and_its_pid_are_named() {
    let m = line(json!({
        "__REALTIME_TIMESTAMP": NOV30_0800.to_string(),
        "MESSAGE": [108, 105, 115, 116, 101, 110, 105, 110, 103, 32, 58, 55, 50, 49, 49, 255],
        "SYSLOG_IDENTIFIER": "collector",
        "_PID": "77",
    }));
    let o = owner_from(&m, None, 7211).expect("owner");
    assert_eq!(o.label(), "collector (pid 77)");
    assert_eq!(o.said, "listening :7211\u{fffd}");
    assert_eq!(o.state_words(utc), "");
    assert_eq!(owner_from("not json\n", None, 7211), None);
}

#[test]
fn logged_escapes_and_control_characters_are_not_printed() {
    assert_eq!(
        printable("\u{1b}[32mINFO\u{1b}[0m listening on :7211\r\n"),
        "INFO listening on :7211"
    );
    assert_eq!(printable("a\tb\u{7}c"), "a b c");
    assert_eq!(printable(&"x".repeat(300)).chars().count(), 201);
}

#[test]
fn exits_read_as_people_say_them() {
    assert_eq!(exit_words("exited, status=127/n/a"), "exit status 127");
    assert_eq!(exit_words("killed, status=9/KILL"), "killed by signal KILL");
    assert_eq!(
        exit_words("dumped, status=11/SEGV"),
        "crashed with signal SEGV, core dumped"
    );
}

/// The story's collector (pid 4312) seen listening until 09:57:59, the second before its unit
/// failed.
fn gone_collector() -> GoneListener {
    GoneListener {
        pid: 4312,
        name: "collector".into(),
        started: None,
        last_seen: Timestamp((DEC01_0958 - 1_000_000) * 1000),
    }
}

/// A listener seen going is found in the journal by its PID's messages, its unit read as a
/// former owner's is: failed, with the exit and the loader's error in few words.
#[test]
fn a_gone_listener_ends_as_its_unit_did() {
    let pid_entries = listening(NOV30_0800);
    let gone = gone_collector();
    assert_eq!(
        unit_of(&pid_entries, &gone).as_deref(),
        Some("collector.service")
    );
    let end = end_from(&pid_entries, &failed_unit(), &gone).expect("an end");
    assert_eq!(end.pid, 4312);
    assert!(matches!(
        end.state.now,
        UnitNow::Failed { ref exit, .. } if exit.as_deref() == Some("exited, status=127/n/a")
    ));
    assert_eq!(
        end.words(utc),
        ", when collector.service failed (exit status 127: error while loading shared \
         libraries: libzmq.so.5)"
    );
}

/// Systemd's restarts, as counted: still restarting, then failed after them.
#[test]
fn a_gone_listeners_unit_restarting_then_failed_says_its_restarts() {
    let restart = |at: i64, n: &str| {
        systemd(
            at,
            message_id::RESTART_SCHEDULED,
            "collector.service: Scheduled restart job, restart counter is at N.",
            json!({ "N_RESTARTS": n }),
        )
    };
    let exited = |at: i64| {
        systemd(
            at,
            message_id::PROCESS_EXITED,
            "collector.service: Main process exited, code=exited, status=127/n/a",
            json!({"EXIT_CODE": "exited", "EXIT_STATUS": "127"}),
        )
    };
    let restarting = [restart(DEC01_0958 + 200_000, "1"), exited(DEC01_0958)].join("\n");
    let gone = gone_collector();
    let end = end_from(&listening(NOV30_0800), &restarting, &gone).expect("an end");
    assert_eq!(
        end.words(utc),
        ", when collector.service began failing: systemd keeps restarting it (exit status 127 \
         after 1 restart)"
    );
    let failed = [
        systemd(
            DEC01_0958 + 1_000_000,
            message_id::FAILED,
            "collector.service: Failed with result 'exit-code'.",
            json!({"UNIT_RESULT": "exit-code"}),
        ),
        exited(DEC01_0958 + 900_000),
        restart(DEC01_0958 + 800_000, "5"),
        restarting,
    ]
    .join("\n");
    let end = end_from(&listening(NOV30_0800), &failed, &gone).expect("an end");
    assert_eq!(
        end.words(utc),
        ", when collector.service failed (exit status 127 after 5 restarts)"
    );
}

/// Honest: nothing more without the PID's messages, of another process given the PID later,
/// of a process of another name, or from before the process started.
#[test]
fn a_gone_listener_the_journal_does_not_know_ends_without_words() {
    let gone = gone_collector();
    assert_eq!(end_from("", &failed_unit(), &gone), None);
    let later = line(json!({
        "__REALTIME_TIMESTAMP": (DEC01_0958 + 60_000_000).to_string(),
        "MESSAGE": "hello",
        "_SYSTEMD_UNIT": "collector.service",
        "_COMM": "collector",
        "_PID": "4312",
    }));
    assert_eq!(unit_of(&later, &gone), None);
    let other_name = GoneListener {
        name: "nginx".into(),
        ..gone.clone()
    };
    assert_eq!(unit_of(&listening(NOV30_0800), &other_name), None);
    let started_after = GoneListener {
        started: Some(1_796_100_000),
        ..gone.clone()
    };
    assert_eq!(unit_of(&listening(NOV30_0800), &started_after), None);
    // The unit's processes said something, systemd nothing of its end: no words either.
    assert_eq!(
        end_from(&listening(NOV30_0800), &listening(NOV30_0800), &gone),
        None
    );
}

/// Few words: a long message is cut after its last whole clause that fits.
#[test]
fn last_words_in_few_words() {
    assert_eq!(
        few_words(without_program(
            "/usr/local/bin/collector: error while loading shared libraries: libzmq.so.5: cannot open shared object file: No such file or directory"
        )),
        "error while loading shared libraries: libzmq.so.5"
    );
    assert_eq!(
        without_program("config error: bad line 3"),
        "config error: bad line 3"
    );
    assert_eq!(few_words(&"x".repeat(70)), format!("{}…", "x".repeat(60)));
}

/// The journal's former owner whose process runs still is placed by its own network
/// namespace, where its PID still runs the program of that name: a PID given again to another
/// program tells nothing.
#[cfg(target_os = "linux")]
#[test]
fn a_former_owner_running_still_is_placed_by_its_own_network_namespace() {
    let me = std::process::id();
    let comm = std::fs::read_to_string(format!("/proc/{me}/comm")).expect("own name");
    let ours = crate::host::own_net_ns().expect("own namespace");
    let owner = FormerOwner {
        pid: Some(me),
        process: comm.trim_end_matches('\n').to_owned(),
        ..FormerOwner::collector(Timestamp(0), Timestamp(0), UnitNow::Running)
    };
    assert_eq!(
        running_net_ns(&owner, Some(ours)),
        Some(OwnerNetNs::Capture)
    );
    assert_eq!(
        running_net_ns(&owner, Some(ours + 1)),
        Some(OwnerNetNs::Other)
    );
    assert_eq!(
        running_net_ns(&owner, None),
        None,
        "the capture's not known"
    );
    let another = FormerOwner {
        process: "collector".into(),
        ..owner
    };
    assert_eq!(
        running_net_ns(&another, Some(ours)),
        None,
        "another program"
    );
}
