#!/usr/bin/env python3
"""A loopback port for a story of its own: the first of a range that no TCP socket of this
machine uses, at its local or its remote end (/proc/net/tcp and tcp6), and that can be bound on
127.0.0.1. Keep the range below Linux's ephemeral ports, so that no client socket of the story
gets it as its own port. Imported by live-story.py; run by windows-smoke.sh:

    python3 scripts/windows/free_port.py FIRST END    # prints the port; exit 1 when none is free
"""

import socket
import sys


def free_port(ports):
    """The first of `ports` free as the module says, or None."""
    used = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, remote = row.split()[1:3]
            used.update(int(end.rsplit(":", 1)[1], 16) for end in (local, remote))
    for port in ports:
        if port in used:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        return port
    return None


if __name__ == "__main__":
    port = free_port(range(int(sys.argv[1]), int(sys.argv[2])))
    if port is None:
        sys.exit(1)
    print(port)
