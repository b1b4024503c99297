"""A listening TCP socket for the servers interlock runs (the dashboard, the HTTP gateway)."""

from __future__ import annotations

import sys


def listen(host, port, backlog):
    """(socket, port, host as shown in a URL) bound to ``host``:``port`` (port 0: any free one) and
    listening; None, after saying why on stderr, when it cannot bind."""
    import socket

    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        print(f"interlock: cannot listen on {host}:{port}: {e.strerror}", file=sys.stderr)
        return None
    sock.listen(backlog)
    return sock, sock.getsockname()[1], f"[{host}]" if ":" in host else host
