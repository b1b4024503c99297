"""Private stand-ins for the cloud APIs that have a faithful one (``standins.toml``).

``interlock sandbox`` starts one per HTTP route whose upstream (or ``judge_as``) is such an API; the
sandbox's HTTP gateway answers that route's mutations from it (``--standin ROUTE=URL``): a mutation is
recorded as before (``recorded, not sent`` to the real API) and then applied to the stand-in, whose answer
the agent gets.  Reads go to the real API when the route has a read-only token (``read_credential``, passed
as ``--read-credential ROUTE=KEY``; the stand-in is then lenient about ids it does not hold), otherwise the
stand-in answers them too, so what the agent reads back shows what it did.  The stand-in lives as long as
the run; when a sandbox is re-entered the mutations it recorded on that route are applied again, in order.
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


def read_credential(name: str, route: dict, env) -> tuple[str | None, str]:
    """(the vault key of the route's read-only token, or None; what to tell the human).  A token that is the
    route's own credential (the same key, or the same value under another key) is not a read-only one: unused."""
    key = route.get("read_credential")
    if not key:
        return None, "no read_credential configured"
    if key == route.get("credential"):
        return None, f"its read_credential {key!r} is the route's own credential: not used"
    try:
        from ..vault import Vault

        v = Vault(env)
        value = v.get(key)
        if not value:
            return None, f"the vault has no {key!r} (its read_credential): interlock secrets vault add {key}"
        if route.get("credential") and v.get(route["credential"]) == value:
            return None, f"its read_credential {key!r} holds the same token as its credential: not used"
    except Exception as e:  # noqa: BLE001 - unusable: reads are not forwarded with it
        return None, f"its read_credential {key!r} could not be read from the vault ({type(e).__name__})"
    return key, f"reads forwarded to the real API with its read-only token {key!r}"


def start(sb, pol, env=None) -> tuple[list, list[str]]:
    """(the stand-ins started, the HTTP gateway's ``--standin`` and ``--read-credential`` arguments)."""
    from .record import load

    env = dict(os.environ) if env is None else env
    cat = catalogue()
    routes = ((pol.user.gateways or {}).get("http") or {}).get("routes") or {}
    started, args = [], []
    recorded = load(sb)
    try:
        for name, route in routes.items():
            kind = kind_of(route, cat)
            key, said = read_credential(name, route, env) if (route.get("read_credential") or route.get(
                "credential")) else (None, "")
            if key:
                args += ["--read-credential", f"{name}={key}"]
            if kind is None:
                if key:
                    print(f"interlock sandbox: route {name}: {said}; mutations recorded, never sent",
                          file=sys.stderr)
                elif route.get("credential"):
                    print(f"interlock sandbox: route {name}: reads are NOT forwarded ({said}; its credential is "
                          "never used in a sandbox); mutations recorded, never sent", file=sys.stderr)
                continue
            mod, _, cls = cat[kind]["factory"].partition(":")
            s = getattr(importlib.import_module(mod), cls)(token=None, lenient=key is not None)
            started.append(s)
            for m in recorded:  # re-entered: the stand-in is brought to where the sandbox left it
                if m.get("route") == name:
                    path = "/" + (m.get("path") or "").lstrip("/") + (f"?{m['query']}" if m.get("query") else "")
                    s.respond(m.get("method") or "POST", path, {}, m.get("body") or "")
            args += ["--standin", f"{name}={s.base}"]
            if key:
                print(f"interlock sandbox: route {name}: {said} (what the agent deletes is left out of the answers); "
                      f"mutations recorded, never sent, answered by a private {kind} stand-in", file=sys.stderr)
            else:
                print(f"interlock sandbox: route {name}: answered by a private {kind} stand-in (mutations recorded, "
                      f"never sent to the real API); reads show the stand-in's own project, not your account "
                      f"({said or 'no read_credential configured'})", file=sys.stderr)
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
