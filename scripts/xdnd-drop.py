#!/usr/bin/python3
"""Drops files on an X window as a file manager does: the X drag-and-drop protocol (XDND,
version 5) from the source's side, for the real-window test (scripts/window-test.sh).

    xdnd-drop.py WINDOW_ID X Y FILE...

X and Y are the drop point in root coordinates. The files are offered as `text/uri-list`;
the target asks for them while the pointer is over it (winit does on the first position
message) or at the drop, and this answers its selection request, then waits for its
XdndFinished. Exits 0 once the target says it took the drop, 1 if it refused or never
answered within 10 s. Needs Debian's python3-xlib.
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

    send("XdndEnter", [source.id, XDND_VERSION << 24, uri_list])
    send("XdndPosition", [source.id, 0, (x << 16) | y, X.CurrentTime, atom("XdndActionCopy")])
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
        elif e.type == X.ClientMessage and e.client_type == atom("XdndStatus"):
            if not dropped:
                if not e.data[1][1] & 1:
                    say("the window refused the drop (it does not take text/uri-list here)")
                    send("XdndLeave", [source.id])
                    return 1
                send("XdndDrop", [source.id, 0, X.CurrentTime])
                dropped = True
        elif e.type == X.ClientMessage and e.client_type == atom("XdndFinished"):
            return 0
    say(f"no answer from window {target_id:#x} within {TIMEOUT_S:.0f} s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
