"""API mutations in a sandbox: recorded, never sent; replayed on promote through the real gateway.

In a sandbox the HTTP gateway (``--record FILE``) forwards reads (judged, with the route's read-only token
only: ``reads.py``) and, for every request that is not certainly a read (``reads.classify``),
judges it with the same policy — without filing an approval: nothing is sent — writes it to the
audit log and to ``mutations.jsonl`` (the exact method, route, path, query and body; the agent's
credentials were already stripped), and answers ``recorded, not sent`` (in GraphQL's shape on
GraphQL routes).  ``interlock sandbox promote --api N`` sends the approved ones, in order, through a
normal HTTP gateway: judged again, approvals, audit and the vault's credential exactly as for any
request.
"""

from __future__ import annotations

import json
import os
import threading
import time

_LOCK = threading.Lock()


def _summary(action, decision) -> str:
    fields = []
    body = action.payload.get("body") or ""
    try:
        from graphql import OperationDefinitionNode, parse

        obj = json.loads(body)
        for op in obj if isinstance(obj, list) else [obj]:
            for d in parse(op["query"]).definitions:
                if isinstance(d, OperationDefinitionNode):
                    fields += [f"{d.operation.value} {s.name.value}" for s in d.selection_set.selections
                               if hasattr(s, "name")]
    except Exception:  # noqa: BLE001
        pass
    return ", ".join(fields) or f"{action.payload['method']} request"


def record_mutation(path, env, action, route, rest, query, method, body: bytes, headers, graphql, removed,
                    why: str | None = None):
    """(status, JSON body, headers): the mutation judged, audited and recorded; nothing is sent.  ``why``: what
    made it a change rather than a read (``reads.classify``)."""
    from ..actions import Decision
    from ..engine import Context, evaluate
    from ..gateways.http import audit, body_text
    from ..redact import redact

    try:
        decision = evaluate(action, Context(action.cwd, env=env))
    except Exception as e:  # noqa: BLE001
        decision = Decision.failure(f"{type(e).__name__}: {redact(str(e))[:300]}")
    summary = _summary(action, decision)
    rec = {"ts": time.time(), "route": route, "path": rest, "query": query, "method": method,
           "url": action.payload.get("url"), "body": body_text(body),
           "content_type": next((v for k, v in headers if k.lower() == "content-type"), None),
           "decision": decision.decision, "severity": decision.severity, "rules": decision.rules,
           "reasons": redact(decision.reasons)[:5], "summary": summary, "why": why}
    try:
        audit(env, action, decision, route, removed, note="interlock sandbox: recorded, not sent")
        with _LOCK:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(redact(rec)) + "\n")
            with open(path, encoding="utf-8") as f:
                n = sum(1 for _ in f)
    except Exception as e:  # noqa: BLE001 - not recorded: the agent is told, nothing was sent either way
        msg = f"Interlock sandbox: this change could not be recorded ({type(e).__name__}); it was not sent"
        return 503, ({"errors": [{"message": msg}], "data": None} if graphql else {"error": msg}), {}
    verdict = {"allow": "would be sent", "ask": "would need a human's approval", "deny": "would be denied"}[
        decision.decision]
    msg = (f"Interlock sandbox: recorded, not sent (change #{n}: {summary}; outside the sandbox it "
           f"{verdict}). It is part of the sandbox's change set; a human decides whether it is sent "
           f"(interlock sandbox diff).")
    ext = {"code": "INTERLOCK_SANDBOX_RECORDED", "recorded": n, "decision": decision.decision,
           "rules": decision.rules}
    hdrs = {"X-Interlock-Sandbox": "recorded"}
    if graphql:
        return 200, {"data": None, "errors": [{"message": msg, "extensions": ext}]}, hdrs
    return 202, {"interlock": "recorded, not sent", "message": msg, **ext}, hdrs


def load(sb) -> list[dict]:
    from .store import read_jsonl

    return read_jsonl(sb.sub("mutations.jsonl"))


def replay(sb, numbers: list[int], env) -> list[dict]:
    """Send the recorded mutations ``numbers`` (1-based, in order) through a normal HTTP gateway."""
    import urllib.error
    import urllib.request

    from .. import policy as P
    from ..gateways import run as R
    from .store import SandboxError

    muts = load(sb)
    for n in numbers:
        if not 1 <= n <= len(muts):
            raise SandboxError(f"no API mutation #{n} (the sandbox recorded {len(muts)})")
    pol = P.load(None, env)
    http = (pol.user.gateways or {}).get("http")
    if not http or not http.get("routes"):
        raise SandboxError("no [gateways.http] routes in the policy: the recorded mutations cannot be sent")
    g = R._start("http", R._interlock_argv() + ["gateway", "http", "--listen", "127.0.0.1:0"], env)
    out = []
    try:
        for n in sorted(numbers):
            m = muts[n - 1]
            url = f"{g.url}/{m['route']}/{m['path'].lstrip('/')}" + (f"?{m['query']}" if m.get("query") else "")
            data = m["body"].encode() if m.get("body") else None
            req = urllib.request.Request(url, data=data, method=m["method"],
                                         headers={"Content-Type": m.get("content_type") or "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    status, text = resp.status, resp.read(4096).decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                status, text = e.code, e.read(4096).decode("utf-8", "replace")
            decision = "allow"
            if status == 403:
                decision = "refused"
            out.append({"number": n, "summary": m.get("summary"), "status": status, "gateway": decision,
                        "answer": text[:500]})
    finally:
        R._stop(g.proc)
    return out
