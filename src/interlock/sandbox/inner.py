"""The first process inside the sandbox: loopback forwarders to the gateways, then the agent.

``python -I -m interlock.sandbox.inner [--forward PORT]... -- AGENT ARGS...``.  Its exit status is the
agent's.  It holds no secret and can do nothing the agent could not: killing it only cuts the agent
off from the gateways.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading

from .confine import INNER_SOCK
from .forward import serve_inside


def main(argv: list[str]) -> int:
    ports = []
    while argv and argv[0] == "--forward":
        ports.append(int(argv[1]))
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if ports:
        ready = threading.Event()
        err = []

        async def run():
            try:
                await serve_inside(INNER_SOCK, ports)
            except OSError as e:
                err.append(e)
            ready.set()
            await asyncio.Event().wait()
        threading.Thread(target=lambda: asyncio.run(run()), daemon=True).start()
        ready.wait(10)
        if err:
            print(f"interlock sandbox: cannot forward the gateways' ports: {err[0]}", file=sys.stderr)
            return 125
    try:
        proc = subprocess.Popen(argv)
    except OSError as e:
        print(f"interlock sandbox: cannot start {argv[0]}: {e.strerror or e}", file=sys.stderr)
        return 127
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGWINCH):
        signal.signal(s, lambda n, f: proc.send_signal(n))
    while True:
        try:
            rc = proc.wait()
            break
        except InterruptedError:
            continue
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
