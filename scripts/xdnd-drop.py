#!/usr/bin/python3
"""Drops files on an X window as a file manager does: the X drag-and-drop protocol (XDND,
version 5) from the source's side, for the real-window test (scripts/window-test.sh).

    xdnd-drop.py WINDOW_ID X Y FILE...

X and Y are the drop point in root coordinates. The files are offered as `text/uri-list`;
the target asks for them while the pointer is over it (winit does on the first position
message) or at the drop, and this answers its selection request, then waits for its
XdndFinished. Exits 0 once the target says it took the drop, 1 if it refused or never
answered within 10 s. Needs Debian's python3-xlib.

Wine's X11 driver (8.0, dlls/winex11.drv/xdnd.c) reads the files once, when the drag enters,
and waits about half a second for this script's answer (500 polls of 1 ms; measured: an
answer 0.5 s late is taken, 0.6 s late is not); later, it goes on without them, and the
program's drop target, finding no files, refuses the drop. On a busy machine this script's
answer can miss that (the first drop of a wine session under the smoke test was refused so),
so it asks to be scheduled first where it may, and when the refusal followed an answer that
late it enters the drag again, as a user moving the pointer out and back in does: each entry
reads the files anew.
"""

import os
import select
import sys
import time
import urllib.parse

from Xlib import X, display
from Xlib.protocol import event

TIMEOUT_S = 10.0
XDND_VERSION = 5
# An answer later than this after the drag entered may have missed wine's wait for it.
LATE_ANSWER_S = 0.4
# Entries of the drag after the first, each after a refusal that followed a late answer.
MAX_REENTRIES = 3


def schedule_first() -> None:
    """Asks the OS to run this script before other programs when it wakes (root may: a
    higher priority; elsewhere nothing changes), so that it answers the target in time."""
    try:
        os.nice(-10)
    except OSError:
        pass


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    target_id, x, y = int(sys.argv[1], 0), int(sys.argv[2]), int(sys.argv[3])
    uris = "".join(
        "file://" + urllib.parse.quote(os.path.abspath(f)) + "\r\n" for f in sys.argv[4:]
    ).encode()

    d = display.Display()
    atom = d.intern_atom
    uri_list, selection = atom("text/uri-list"), atom("XdndSelection")
    source = d.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    target = d.create_resource_object("window", target_id)
    source.set_selection_owner(selection, X.CurrentTime)

    def send(name: str, data: list) -> None:
        message = event.ClientMessage(
            window=target, client_type=atom(name), data=(32, data + [0] * (5 - len(data)))
        )
        target.send_event(message, event_mask=0)
        d.flush()

    def say(text: str) -> None:
        print(f"xdnd-drop: {text}", file=sys.stderr)

    def enter() -> float:
        send("XdndEnter", [source.id, XDND_VERSION << 24, uri_list])
        send("XdndPosition", [source.id, 0, (x << 16) | y, X.CurrentTime, atom("XdndActionCopy")])
        return time.monotonic()

    schedule_first()
    status, finished = atom("XdndStatus"), atom("XdndFinished")
    entered, answered_after, reentries = enter(), None, 0
    dropped = False
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if not d.pending_events():
            select.select([d.fileno()], [], [], 0.1)
            continue
        e = d.next_event()
        if e.type == X.SelectionRequest:
            # The target asks for the files: written to the property it named, then told.
            prop = e.property or e.target
            ok = e.target == uri_list
            if ok:
                e.requestor.change_property(prop, uri_list, 8, uris)
            notify = event.SelectionNotify(
                time=e.time,
                requestor=e.requestor.id,
                selection=e.selection,
                target=e.target,
                property=prop if ok else X.NONE,
            )
            e.requestor.send_event(notify, event_mask=0)
            d.flush()
            if answered_after is None:
                answered_after = time.monotonic() - entered
        elif e.type == X.ClientMessage and e.client_type == status:
            if not dropped:
                if not e.data[1][1] & 1:
                    send("XdndLeave", [source.id])
                    late = answered_after is not None and answered_after > LATE_ANSWER_S
                    if late and reentries < MAX_REENTRIES:
                        say(
                            f"refused after an answer {answered_after:.2f} s late (wine waits "
                            "about 0.5 s for the files): entering the drag again"
                        )
                        reentries += 1
                        entered, answered_after = enter(), None
                        continue
                    say("the window refused the drop (it does not take text/uri-list here)")
                    return 1
                send("XdndDrop", [source.id, 0, X.CurrentTime])
                dropped = True
        elif e.type == X.ClientMessage and e.client_type == finished:
            return 0
    say(f"no answer from window {target_id:#x} within {TIMEOUT_S:.0f} s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
