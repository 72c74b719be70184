#!/usr/bin/env python3
"""The 7211 story, live, with the Windows build under wine (run by scripts/windows-smoke.sh, as root).

On loopback only, on a port of its own (PORT: the first from 7241 on that no socket of this
machine uses; 7211, the sample's port, is the tests' too, and their refused connects there, at
the same time, changed the counts): the test programs `collector-Jörg.exe` (listens on
127.0.0.1:PORT for 3 s, then exits as a crash would) and `reporter-捕獲.exe` (connects twice a
second until 20 connects were refused), the Windows builds of examples/collector.rs and
examples/reporter.rs copied under names a Windows user may give them (an ANSI code page has no
"捕獲", and "ö" is not UTF-8 there), run under wine while

  - the Windows build captures every interface (`rstscope.exe capture --format json --write F`,
    the thread-per-interface path) and is stopped with Ctrl+C, and
  - the Linux build captures `lo` (`rstscope capture -i lo --format json`) at the same time.

Checked: the Windows build counts what the Linux build counts for 127.0.0.1:PORT (20 refused,
20 failed attempts, the collector's resets); its pcapng reads back (Linux build, `analyze`) to
the same report, with one interface block (and one statistics block) per captured interface;
collector-Jörg.exe is the former listener (pid, exe, last seen) and reporter-捕獲.exe the
connecting process, named as they are in the JSON and in the text report ("served by
collector-Jörg.exe"); the kernel counters (GetTcpStatisticsEx) are there; Ctrl+C and --duration stop it at
once; `interfaces` lists the loopback adapter.

What only wine gets wrong is worked around here, never in the program:
  - wine delivers Ctrl+C (SIGINT) only to a program attached to a console, so captures run
    under `wine cmd /c`, as from a Windows console;
  - wine 8 keeps sockets in its server process, so its socket table has no owner PIDs unless the
    program holds a Unix descriptor of its socket: the test programs do (examples/story/wine.rs);
  - wine answers GetTcpStatisticsEx for IPv4 and IPv6 alike with Linux's combined counters, so
    their sum, rstscope's AttemptFails, counts each failure twice: only "at least" is checked.

usage: live-story.py WINDOWS_EXE LINUX_EXE EXAMPLES_DIR WORK_DIR
Prints one "rstscope windows:" line per check; exits 1 with the reason on the first failure.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

from free_port import free_port

PORT = free_port(range(7241, 7300))
REFUSALS = 20
# The test programs' names here: what a Windows user may call them, beyond any ANSI code page.
COLLECTOR = "collector-Jörg.exe"
REPORTER = "reporter-捕獲.exe"
# Fields of the story's offender that must be equal between the builds and after reading back.
SAME = [
    "rst_packets",
    "rst_by_cause",
    "attempts",
    "completed_attempts",
    "failed_attempts",
    "failed_by",
    "clients",
    "incidents",
]
# Top-level fields that must be equal between the live report and the read-back pcapng.
SAME_TOTALS = ["packets", "tcp_packets", "rst_packets", "syn_packets", "failed_attempts", "rst_by_cause", "conn_states"]


def report(text):
    print(f"rstscope windows: {text}", flush=True)


def fail(text):
    print(f"rstscope windows: FAILED: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def windows_path(path):
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def wait_for(path, text, seconds, proc=None):
    """Waits until the file at `path` contains `text`; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if text in f.read():
                    return
        except FileNotFoundError:
            pass
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.2)
    fail(f"{text!r} did not appear in {path} within {seconds} s: {tail(path)}")


def tail(path, lines=8):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return " | ".join(f.read().splitlines()[-lines:])
    except FileNotFoundError:
        return "(nothing)"


def console(exe, args, stdout, err_path):
    """`exe args` started as from a Windows console (`wine cmd /c`, so that Ctrl+C reaches it),
    given by its Windows path as a user types it, its stderr to `err_path`; returned once it
    says "capturing on", ends, or 120 s pass. Under load wine's cmd has now and then failed to
    start a program it started a minute before ("Can't recognize ... as an internal or
    external command"): such a start, wine's failure and not the program's, is tried again
    (twice at most) and said."""
    for attempt in range(1, 4):
        proc = subprocess.Popen(
            ["wine", "cmd", "/c", windows_path(exe), *args],
            stdout=stdout,
            stderr=open(err_path, "w"),
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and "capturing on" not in tail(err_path, 40):
            time.sleep(0.2)
        if attempt < 3 and proc.poll() is not None and "Can't recognize" in tail(err_path, 40):
            print(
                f"rstscope windows: wine's cmd could not start {exe} (attempt {attempt}): {tail(err_path, 2)}; started again",
                file=sys.stderr,
                flush=True,
            )
            continue
        return proc


def unix_pids(exe_name, marker):
    """PIDs of the wine processes of `exe_name` whose command line holds `marker` (unique to
    this run): the program itself, not the `cmd` that started it."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and args[0].lower().endswith(exe_name.encode()) and any(marker.encode() in a for a in args):
            found.append(int(pid))
    return found


def ctrl_c(exe_name, marker, proc, seconds):
    """Sends Ctrl+C (SIGINT) to the program and waits for `proc`; returns how long it took."""
    pids = unix_pids(exe_name, marker)
    if not pids:
        fail(f"no running {exe_name} with {marker} to stop")
    start = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGINT)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        for pid in unix_pids(exe_name, marker):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        fail(f"{exe_name} did not stop within {seconds} s of Ctrl+C")
    return time.monotonic() - start


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")


def offender(d, name):
    for o in d["offenders"]:
        if o["endpoint"] == f"127.0.0.1:{PORT}":
            return o
    fail(f"{name}: no offender 127.0.0.1:{PORT}")


def pcapng_interfaces(path):
    """The if_name of each interface block, and the number of statistics blocks."""
    names, stats = [], 0
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + 12 <= len(data):
        kind, length = struct.unpack_from("<II", data, pos)
        if length < 12 or pos + length > len(data):
            fail(f"{path}: block at offset {pos} has length {length}")
        if kind == 1:
            opt, name = pos + 16, None
            while opt + 4 <= pos + length - 4:
                code, size = struct.unpack_from("<HH", data, opt)
                if code == 0:
                    break
                if code == 2:
                    name = data[opt + 4 : opt + 4 + size].decode("utf-8", "replace")
                opt += 4 + (size + 3) // 4 * 4
            names.append(name)
        elif kind == 5:
            stats += 1
        pos += length
    return names, stats


def main():
    exe, linux_exe, examples, work = sys.argv[1:5]
    collector = os.path.join(work, COLLECTOR)
    reporter = os.path.join(work, REPORTER)
    shutil.copyfile(os.path.join(examples, "collector.exe"), collector)
    shutil.copyfile(os.path.join(examples, "reporter.exe"), reporter)
    if PORT is None:
        fail("no port in 7241-7299 free for the story")
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=1):
            fail(f"something listens on 127.0.0.1:{PORT} already; the story needs the port free")
    except OSError:
        pass

    # `interfaces`: the loopback adapter, named as Npcap names it.
    out = subprocess.run(["wine", exe, "interfaces", "--format", "json"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        fail(f"interfaces: exit {out.returncode}: {out.stderr[-500:]}")
    listed = json.loads(out.stdout)
    loopback = [i for i in listed if i["loopback"] and "127.0.0.1" in i["addresses"]]
    if not loopback or not loopback[0]["name"].startswith("\\Device\\NPF_{"):
        fail(f"interfaces: no \\Device\\NPF_{{...}} loopback adapter with 127.0.0.1: {listed}")
    lo = loopback[0]
    report(
        f"interfaces under wine: {len(listed)} listed, loopback {lo['name']} ({lo['description']}), "
        f"up {lo['up']}, running {lo['running']}"
    )

    # Both builds capture; the test programs make the traffic.
    marker = "rstscope-story"
    pcapng = os.path.join(work, f"{marker}.pcapng")
    files = {k: os.path.join(work, f"{marker}-{k}") for k in ["windows.json", "windows.err", "linux.json", "linux.err"]}
    for f in list(files.values()) + [pcapng]:
        if os.path.exists(f):
            os.remove(f)
    linux = subprocess.Popen(
        [linux_exe, "capture", "-i", "lo", "--format", "json"],
        stdout=open(files["linux.json"], "w"),
        stderr=open(files["linux.err"], "w"),
    )
    windows = None
    try:
        wait_for(files["linux.err"], "capturing on", 30, linux)
        windows = console(
            exe, ["capture", "--format", "json", "--write", windows_path(pcapng)], open(files["windows.json"], "w"), files["windows.err"]
        )
        wait_for(files["windows.err"], "capturing on", 120, windows)
        time.sleep(1.5)  # a first socket-table sample before the story starts
        col = subprocess.Popen(["wine", collector, f"127.0.0.1:{PORT}", "3"], stdout=subprocess.PIPE, text=True)
        first = col.stdout.readline().strip()
        if not first.startswith("listening on"):
            fail(f"{COLLECTOR}: {first!r}")
        time.sleep(0.5)
        rep = subprocess.run(
            ["wine", reporter, f"127.0.0.1:{PORT}", str(REFUSALS), "2"], capture_output=True, text=True, timeout=120
        )
        col.wait(30)
        summary = rep.stdout.strip().splitlines()[-1] if rep.stdout.strip() else rep.stderr[-300:]
        if not summary.startswith(f"{REFUSALS} refused"):
            fail(f"{REPORTER}: {summary}")
        time.sleep(2.5)  # the last seconds' counters and socket-table samples
        took = ctrl_c("rstscope.exe", marker, windows, 20)
        os.kill(linux.pid, signal.SIGINT)
        linux.wait(20)
    finally:
        for p in (windows, linux):
            if p is not None and p.poll() is None:
                p.kill()
    if windows.returncode != 0 or "stopped by Ctrl+C" not in tail(files["windows.err"], 40):
        fail(f"Windows capture: exit {windows.returncode}: {tail(files['windows.err'])}")
    report(f"Windows capture of every interface stopped by Ctrl+C in {took:.1f} s, exit 0 ({summary})")
    # Its start line names the adapters as the app and the warnings do, by their descriptions
    # (under wine the Linux interfaces' names), not by their \Device\NPF_{GUID}.
    with open(files["windows.err"], encoding="utf-8", errors="replace") as f:
        start = next((line.strip() for line in f if "capturing on" in line), "")
    if "NPF_{" in start or (lo["description"] and lo["description"] not in start):
        fail(f"the start line does not name the adapters by their descriptions ({lo['description']}): {start}")
    report(f"the start line names the adapters by their descriptions: {start[:100]}...")

    win, lin = load(files["windows.json"]), load(files["linux.json"])
    w, l = offender(win, "Windows build"), offender(lin, "Linux build")
    if w["rst_by_cause"]["refused"] != REFUSALS or w["failed_attempts"] != REFUSALS:
        fail(f"Windows build: 127.0.0.1:{PORT} refused {w['rst_by_cause']['refused']}, failed {w['failed_attempts']}, not {REFUSALS}")
    different = {k: (w[k], l[k]) for k in SAME if w[k] != l[k]}
    if different:
        fail(f"Windows and Linux builds differ on 127.0.0.1:{PORT} (windows, linux): {different}")
    report(
        f"127.0.0.1:{PORT} the same in the Windows and the Linux build: {w['rst_packets']} resets "
        f"({', '.join(f'{c} {n}' for c, n in w['rst_by_cause'].items() if n)}), "
        f"{w['failed_attempts']} failed attempts of {w['attempts']}, {w['clients']} client"
    )

    # Each interface: its link type and its own counts; the pcapng has one block per interface.
    captured = win.get("interfaces") or []
    if any("dropped" not in i or "link_type" not in i for i in captured):
        fail(f"Windows capture: an interface without its counts: {captured}")
    # Every adapter that is up gets a thread, or is named in a warning as not opened.
    names_captured = [i["name"] for i in captured]
    for up in (i["name"] for i in listed if i["up"]):
        if up not in names_captured and not any(up in w for w in win["warnings"]):
            fail(f"Windows capture: {up} is up but neither captured nor named in the warnings: {captured}, {win['warnings']}")
    lo_counts = [i for i in captured if i["name"] == lo["name"]]
    if not lo_counts or lo_counts[0]["captured"] == 0:
        fail(f"Windows capture: nothing captured on {lo['name']}: {captured}")
    names, stats_blocks = pcapng_interfaces(pcapng)
    if names != [i["name"] for i in captured] or stats_blocks != len(captured):
        fail(f"{pcapng}: interface blocks {names} and {stats_blocks} statistics blocks for {captured}")
    report(
        "one capture thread per interface: "
        + "; ".join(f"{i['description'] or i['name']} link type {i['link_type']}, {i['captured']} frames, "
                    f"dropped {i['dropped']['kernel']}+{i['dropped']['interface']}+{i['dropped']['rstscope']}"
                    for i in captured)
        + f"; the pcapng has {len(names)} interface and {stats_blocks} statistics blocks"
    )
    back = subprocess.run([linux_exe, "analyze", "--format", "json", pcapng], capture_output=True, text=True, timeout=120)
    if back.returncode != 0:
        fail(f"analyze {pcapng}: exit {back.returncode}: {back.stderr[-300:]}")
    read = json.loads(back.stdout)
    r = offender(read, "the pcapng read back")
    different = {k: (win[k], read[k]) for k in SAME_TOTALS if win[k] != read[k]}
    different.update({k: (w[k], r[k]) for k in SAME if w[k] != r[k]})
    if different:
        fail(f"the pcapng read back differs from the live report (live, read back): {different}")
    report(f"the Windows build's pcapng read back by the Linux build: the same report ({read['packets']} packets, {read['rst_packets']} resets)")

    # Which program: the former listener and the connecting process.
    earlier = (w.get("listener") or {}).get("earlier") or []
    former = [e for e in earlier if e["name"] == COLLECTOR]
    if not former or not former[0]["pid"] or not (former[0]["exe"] or "").endswith("\\" + COLLECTOR) or not former[0]["last_seen"]:
        fail(f"{COLLECTOR} is not named as the former listener of 127.0.0.1:{PORT}: {w.get('listener')}")
    if (w.get("listener") or {}).get("now") is not None:
        fail(f"a listener on 127.0.0.1:{PORT} after {COLLECTOR} exited: {w['listener']['now']}")
    clients = [c for c in w["client_processes"] if c["name"] == REPORTER]
    if not clients or not clients[0]["pid"]:
        fail(f"{REPORTER} is not named as the connecting process: {w['client_processes']}")
    f, c = former[0], clients[0]
    report(
        f"former listener: {f['name']} (pid {f['pid']}, {f['exe']}) last seen {f['last_seen']}; "
        f"connecting: {c['name']} (pid {c['pid']}), {c['connections']} incidents ({c['source']}), "
        f"{w['client_processes_not_observed']} not observed"
    )
    if COLLECTOR not in w["diagnosis"]:
        fail(f"the diagnosis does not name {COLLECTOR}: {w['diagnosis']}")
    # The Windows build's text report of its own pcapng (the host report saved in it) says it
    # in words: "it was served by collector-Jörg.exe (pid N, ...) until ...".
    text = os.path.join(work, f"{marker}-windows.txt")
    with open(text, "w") as out:
        said = subprocess.run(["wine", exe, "analyze", windows_path(pcapng)], stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
    served = next((line.strip() for line in open(text, encoding="utf-8", errors="replace") if "served by" in line), "")
    if said.returncode != 0 or f"served by {COLLECTOR} (pid {f['pid']}" not in served:
        fail(f"the Windows build's text report of {pcapng} does not say it was served by {COLLECTOR}: exit {said.returncode}, {served or tail(text)}")
    report(f"the Windows build's text report: ...{served[served.index('served by'):][:90]}...")

    # The kernel's counters through GetTcpStatisticsEx.
    kernel = win.get("kernel") or {}
    if any(k not in kernel for k in ["AttemptFails", "OutRsts", "ActiveOpens"]):
        fail(f"kernel counters missing: {sorted(kernel)}")
    if kernel["AttemptFails"]["total"] < REFUSALS or not kernel["AttemptFails"]["per_second"]:
        fail(f"AttemptFails {kernel['AttemptFails']['total']} < {REFUSALS} refused connects")
    report(
        f"kernel counters through GetTcpStatisticsEx: AttemptFails {kernel['AttemptFails']['total']}, "
        f"OutRsts {kernel['OutRsts']['total']} over {len(kernel['AttemptFails']['per_second'])} s "
        f"(wine reports Linux's combined counters for IPv4 and IPv6 alike, so about twice the {REFUSALS})"
    )

    # --duration: prompt stop on one interface, named by its description, with nothing to capture.
    err = os.path.join(work, f"{marker}-duration.err")
    timed = console(
        exe, ["capture", "-i", lo["description"], "--duration", "2s", "--no-host", "--filter", "tcp port 9"], subprocess.DEVNULL, err
    )
    wait_for(err, "capturing on", 120, timed)
    started = time.monotonic()
    try:
        timed.wait(30)
    except subprocess.TimeoutExpired:
        timed.kill()
        fail("capture --duration 2s did not stop within 30 s")
    took = time.monotonic() - started
    # The adapter found by its description is named by it in the start line, as in the app
    # (the filter comes last in that line).
    if timed.returncode != 0 or took > 4.5 or f"capturing on {lo['description']}, " not in tail(err, 40):
        fail(f"capture -i {lo['description']} --duration 2s: exit {timed.returncode} after {took:.1f} s: {tail(err)}")
    report(f"capture -i {lo['description']} (the adapter's description) --duration 2s captured it and ended {took:.1f} s after it started, exit 0")


if __name__ == "__main__":
    main()
