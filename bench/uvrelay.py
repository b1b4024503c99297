"""The floor of a Python proxy: a TCP relay on uvloop that judges nothing — one callback and one write per read,
each way — for ``bench/gateway_pg.py --relay``, which measures its CPU per transaction next to the gateway's and
PgBouncer's.  What the gateway spends above it is what judging costs; what it spends above PgBouncer is what the
interpreter and the event loop cost per read.

    python bench/uvrelay.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
"""

from __future__ import annotations

import asyncio
import sys

import uvloop


class _Upstream(asyncio.Protocol):
    def __init__(self, client):
        self.client = client

    def data_received(self, data):
        self.client.write(data)

    def connection_lost(self, exc):
        self.client.close()


class _Client(asyncio.Protocol):
    def __init__(self, host, port):
        self.host, self.port, self.up, self.early = host, port, None, []

    def connection_made(self, transport):
        self.t = transport
        asyncio.ensure_future(self._connect())

    async def _connect(self):
        try:
            up, _ = await asyncio.get_running_loop().create_connection(lambda: _Upstream(self.t), self.host, self.port)
        except OSError:
            self.t.close()
            return
        for data in self.early:
            up.write(data)
        self.up, self.early = up, None

    def data_received(self, data):
        if self.up is None:
            self.early.append(data)
        else:
            self.up.write(data)

    def connection_lost(self, exc):
        if self.up is not None:
            self.up.close()


async def _main(listen, host, port):
    await asyncio.get_running_loop().create_server(lambda: _Client(host, port), "127.0.0.1", listen)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(_main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
