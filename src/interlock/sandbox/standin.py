"""Private stand-ins for the cloud APIs that have a faithful one (``standins.toml``).

``interlock sandbox`` starts one per HTTP route whose upstream (or ``judge_as``) is such an API; the
sandbox's HTTP gateway answers that route from it (``--standin ROUTE=URL``): a mutation is recorded as
before (``recorded, not sent`` to the real API) and then applied to the stand-in, reads are answered by
the stand-in, so what the agent reads back shows what it did.  The stand-in lives as long as the run;
when a sandbox is re-entered the mutations it recorded on that route are applied again, in order.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from urllib.parse import urlsplit


def catalogue() -> dict:
    with open(os.path.join(os.path.dirname(__file__), "standins.toml"), "rb") as f:
        return tomllib.load(f)


def kind_of(route: dict, cat: dict | None = None) -> str | None:
    """The stand-in kind for one ``[gateways.http.routes.NAME]`` table, or None."""
    cat = catalogue() if cat is None else cat
    hosts = {(urlsplit(route.get(k) or "").hostname or "").lower() for k in ("upstream", "judge_as")}
    for kind, spec in cat.items():
        if hosts & {h.lower() for h in spec.get("hosts", [])}:
            return kind
    return None


def start(sb, pol) -> tuple[list, list[str]]:
    """(the stand-ins started, the HTTP gateway's ``--standin`` arguments)."""
    from .record import load

    cat = catalogue()
    routes = ((pol.user.gateways or {}).get("http") or {}).get("routes") or {}
    started, args = [], []
    recorded = load(sb)
    try:
        for name, route in routes.items():
            kind = kind_of(route, cat)
            if kind is None:
                continue
            mod, _, cls = cat[kind]["factory"].partition(":")
            s = getattr(importlib.import_module(mod), cls)(token=None)
            started.append(s)
            for m in recorded:  # re-entered: the stand-in is brought to where the sandbox left it
                if m.get("route") == name:
                    path = "/" + (m.get("path") or "").lstrip("/") + (f"?{m['query']}" if m.get("query") else "")
                    s.respond(m.get("method") or "POST", path, {}, m.get("body") or "")
            args += ["--standin", f"{name}={s.base}"]
            print(f"interlock sandbox: route {name}: answered by a private {kind} stand-in (mutations recorded, "
                  "never sent to the real API)", file=sys.stderr)
    except BaseException:
        stop(started)
        raise
    return started, args


def stop(started):
    for s in started:
        try:
            s.close()
        except Exception:  # noqa: BLE001
            pass
