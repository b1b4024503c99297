"""Byte forwarding between the sandbox's loopback and Interlock's gateways, over Unix sockets.

The sandbox has its own network namespace (only ``lo``); the one thing that crosses is a directory of
Unix sockets bound into it read-only.  Outside, ``serve_outside`` answers each socket and connects to
the gateway's TCP address; inside, ``serve_inside`` listens on ``127.0.0.1:PORT`` (the port the gateway
has outside, so the URLs ``interlock run`` would give stay valid) and connects to the socket.
Nothing else is forwarded: no route, no DNS, no other port.
"""

from __future__ import annotations

import asyncio
import os
import threading


async def _pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except OSError:
            pass


def _handler(connect):
    async def handle(r1, w1):
        try:
            r2, w2 = await connect()
        except OSError:
            w1.close()
            return
        await asyncio.gather(_pipe(r1, w2), _pipe(r2, w1))
        for w in (w1, w2):
            try:
                w.close()
            except OSError:
                pass
    return handle


def serve_outside(sock_dir: str, targets: dict[int, tuple[str, int]]) -> threading.Thread:
    """For each port: ``sock_dir/PORT.sock`` → TCP ``(host, port)`` of the gateway.  Runs in a daemon thread."""
    ready = threading.Event()
    err = []

    async def main():
        try:
            for port, (host, tport) in targets.items():
                path = os.path.join(sock_dir, f"{port}.sock")
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                if host == "unix":  # a MySQL branch's server: its Unix socket (mybranch)
                    conn = (lambda u=tport: asyncio.open_unix_connection(u))
                else:
                    conn = (lambda h=host, p=tport: asyncio.open_connection(h, p))
                await asyncio.start_unix_server(_handler(conn), path)
                os.chmod(path, 0o600)
        except Exception as e:  # noqa: BLE001 - reported to the caller, which starts nothing
            err.append(e)
            ready.set()
            return
        ready.set()
        await asyncio.Event().wait()

    t = threading.Thread(target=lambda: asyncio.run(main()), daemon=True, name="sandbox-forward")
    t.start()
    if not ready.wait(10) or err:
        raise OSError(f"cannot forward the gateways into the sandbox: {err[0] if err else 'timed out'}")
    return t


async def serve_inside(sock_dir: str, ports: list[int]):
    """``127.0.0.1:PORT`` → ``sock_dir/PORT.sock`` for each port (inside the sandbox)."""
    servers = []
    for port in ports:
        path = os.path.join(sock_dir, f"{port}.sock")
        servers.append(await asyncio.start_server(
            _handler(lambda p=path: asyncio.open_unix_connection(p)), "127.0.0.1", port))
    return servers
