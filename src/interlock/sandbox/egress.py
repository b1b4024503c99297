"""The sandbox's egress proxy: package registries only, and only when the user policy allows them.

With ``[sandbox] registries = [...]`` in the user policy (never a project's: an agent can write that),
``interlock sandbox`` starts this small forward proxy next to its gateways; it is forwarded into the
sandbox like them and the agent's ``HTTPS_PROXY``/``HTTP_PROXY`` point at it.  It answers only
``CONNECT host:port`` for the hosts listed (``registries.toml`` presets or names), tunnels the bytes
(TLS stays end to end: nothing is decrypted or judged), and refuses everything else with 403: other
hosts, other ports, plain-HTTP requests, names that resolve to loopback/private/link-local addresses.
Every CONNECT, allowed or refused, is appended to the sandbox's ``network.jsonl``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import threading
import time
import tomllib


def presets() -> dict:
    with open(os.path.join(os.path.dirname(__file__), "registries.toml"), "rb") as f:
        return tomllib.load(f)


def allowed_from(entries) -> dict[tuple[str, int], bool]:
    """{(host, port): is an IP literal} from the policy's entries; raises ValueError on a bad entry."""
    cat = presets()
    out = {}
    for e in entries or []:
        if not isinstance(e, str) or not e.strip():
            raise ValueError(f"[sandbox] registries: {e!r} is not a host")
        e = e.strip().lower()
        if e in cat:
            for h in cat[e]["hosts"]:
                out[(h, 443)] = False
            continue
        host, port = e, 443
        if e.count(":") == 1:
            host, p = e.split(":")
            if not p.isdigit() or not 0 < int(p) < 65536:
                raise ValueError(f"[sandbox] registries: bad port in {e!r}")
            port = int(p)
        if not host or "/" in host or "*" in host or " " in host:
            raise ValueError(f"[sandbox] registries: {e!r} is not a host name (no wildcards, no paths)")
        try:
            ipaddress.ip_address(host)
            literal = True
        except ValueError:
            literal = False
        out[(host, port)] = literal
    return out


def _public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr)
    return not (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified)


class Proxy:
    def __init__(self, allowed: dict, log_path: str | None):
        self.allowed, self.log_path = allowed, log_path
        self.port = None
        self._lock = threading.Lock()

    def _log(self, **rec):
        if not self.log_path:
            return
        with self._lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"ts": time.time(), **rec}) + "\n")

    async def _handle(self, r, w):
        try:
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, OSError):
            w.close()
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()

        async def refuse(code, why):
            self._log(request=line[:300], decision="refused", reason=why)
            body = f"Interlock sandbox: {why}\n".encode()
            w.write(f"HTTP/1.1 {code} Refused\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: close\r\n\r\n".encode() + body)
            try:
                await w.drain()
            finally:
                w.close()

        if len(parts) != 3 or parts[0].upper() != "CONNECT":
            return await refuse(405, "only CONNECT to the package registries the policy allows passes this proxy")
        host, _, port = parts[1].rpartition(":")
        host = host.strip("[]").lower()
        if not port.isdigit() or (host, int(port)) not in self.allowed:
            return await refuse(403, f"{parts[1]} is not one of the package registries [sandbox] registries allows")
        port = int(port)
        literal = self.allowed[(host, port)]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as e:
            return await refuse(502, f"{host} could not be resolved ({e.strerror or e})")
        addrs = [i[4][0] for i in infos]
        if not literal and not all(_public(a) for a in addrs):
            return await refuse(403, f"{host} resolves to a local or private address: refused")
        try:
            r2, w2 = await asyncio.wait_for(asyncio.open_connection(addrs[0], port), 20)
        except (OSError, asyncio.TimeoutError) as e:
            return await refuse(502, f"{host}:{port} unreachable ({type(e).__name__})")
        self._log(request=line[:300], decision="allowed", address=addrs[0])
        w.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await w.drain()
        from .forward import _pipe

        await asyncio.gather(_pipe(r, w2), _pipe(r2, w))
        for x in (w, w2):
            try:
                x.close()
            except OSError:
                pass

    def start(self) -> int:
        ready, err = threading.Event(), []

        async def main():
            try:
                srv = await asyncio.start_server(self._handle, "127.0.0.1", 0)
                self.port = srv.sockets[0].getsockname()[1]
            except Exception as e:  # noqa: BLE001
                err.append(e)
                ready.set()
                return
            ready.set()
            await asyncio.Event().wait()

        threading.Thread(target=lambda: asyncio.run(main()), daemon=True, name="sandbox-egress").start()
        if not ready.wait(10) or err:
            raise OSError(f"the sandbox's registry proxy did not start: {err[0] if err else 'timed out'}")
        return self.port
