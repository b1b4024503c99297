"""The HTTP gateway: per-upstream routes with credential injection, every request judged.

``interlock gateway http --listen 127.0.0.1:PORT`` serves the routes of the user policy's
``[gateways.http.routes.NAME]``: ``http://127.0.0.1:PORT/NAME/REST`` is sent to
``UPSTREAM/REST``.  For each request the gateway

1. strips every credential the agent supplied (``Authorization``, cookies, API-key and token
   headers, token-like query parameters) and hop-by-hop headers;
2. judges the request it would send — method, upstream URL, body — with the same HTTP/GraphQL
   analysis and policy as the hook gives the equivalent ``curl`` (``engine.evaluate`` on an
   ``http`` Action);
3. on ``ask`` (or an approvable ``deny``) files an approval request bound to the hash of
   method + URL + body + resolved target (``approvals.hook.handle``), waits for a human up to
   ``[gateways.http] wait_seconds``, and sends exactly the approved request, once;
4. records the decision in the audit log *before* anything is sent (no record, no request);
5. adds the route's credential from the vault and streams the upstream's answer back.

Anything that goes wrong before the decision is a refusal with the reason (fail closed); the
credential never appears in a log line, an error or an answer.  Denials are ``403`` with a JSON
body, GraphQL-shaped (``{"errors":[{"message", "extensions":{"code":"INTERLOCK_DENIED"}}]}``)
on GraphQL routes so GraphQL clients show Interlock's reason.

Requires the ``gateway`` extra (Starlette, uvicorn, httpx); imported only by this command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ..policy import HTTP_GATEWAY_LISTEN

AGENT = "http-gateway"

#: Request headers never forwarded: the agent's credentials, and hop-by-hop or recomputed ones.
_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
        "content-length", "expect", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
        "x-real-ip"}
_CREDENTIAL_HEADER = re.compile(r"(?i)^(authorization|proxy-authorization|cookie2?|www-authenticate|"
                                r".*(token|secret|api-?key|apikey|auth|password|passwd|session|credential|"
                                r"signature|csrf).*|x-amz-security-token|private-token|x-goog-api-key)$")
#: Query parameters that carry credentials (``?access_token=``, ``?api_key=``, ``?key=``, ``?sig=``).
_CREDENTIAL_PARAM = re.compile(r"(?i)^(key|sig|code|auth|.*(token|secret|api[-_]?key|apikey|password|passwd|"
                               r"signature|credential|session|auth).*)$")
#: Response headers not passed back (hop-by-hop; cookies a provider would set for the credential).
_RESPONSE_DROP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "set-cookie",
                  "set-cookie2", "proxy-authenticate",
                  # the gateway's own server writes these on every response: one of each, not two
                  "date", "server"}
_ROUTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class GatewayError(Exception):
    """The gateway cannot start (bad config, missing extra); the message says why."""


class Route:
    __slots__ = ("name", "upstream", "credential", "header", "format", "env", "graphql", "judge_as")

    def __init__(self, name, d):
        self.name = name
        self.upstream = d["upstream"].rstrip("/")
        self.credential = d.get("credential")
        self.header = d.get("header") or "Authorization"
        self.format = d.get("format") or "Bearer {credential}"
        self.env = dict(d.get("env") or {})
        self.graphql = d.get("graphql")
        self.judge_as = (d.get("judge_as") or "").rstrip("/") or None

    def is_graphql(self, path) -> bool:
        return self.graphql if self.graphql is not None else "graphql" in path.lower()


class Config:
    """``[gateways.http]`` of the user policy (a project policy cannot declare routes: they hold credentials)."""

    def __init__(self, d: dict, approvals_wait: float = 0.0):
        self.listen = d.get("listen") or HTTP_GATEWAY_LISTEN
        self.routes = {name: Route(name, r) for name, r in (d.get("routes") or {}).items()}
        self.wait_seconds = float(d["wait_seconds"]) if d.get("wait_seconds") is not None else approvals_wait
        self.upstream_timeout = float(d.get("upstream_timeout_seconds") or 60)
        from ..analysis.http import MAX_BODY

        # never more than the analysis reads: a body it cannot read in full is never accepted
        self.max_body = min(int(float(d.get("max_body_mb") or 32) * 1024 * 1024), MAX_BODY)
        # the HTTPS_PROXY mode (gateways/https_proxy.py): its address and extra CAs trusted upstream
        self.proxy_listen = d.get("proxy_listen")
        self.proxy_upstream_ca = d.get("proxy_upstream_ca")
        self.record = None  # interlock sandbox: the file mutations are recorded in instead of being sent
        self.standins = {}  # interlock sandbox: route -> base URL of its private stand-in (sandbox/standins.toml)
        self.read_credentials = {}  # interlock sandbox: route -> vault key of its read-only token (reads only)
        self.overlays = {}  # interlock sandbox: route -> what recorded deletions hide from reads (standins.toml)


def load_config(env=os.environ, require_routes=True) -> Config:
    """The gateway's configuration from the user policy; raises GatewayError when there is none
    (``require_routes=False``: the HTTPS proxy, which judges every host, routes or not)."""
    from .. import policy as P

    try:
        pol = P.load(None, env)
    except P.PolicyError as e:
        raise GatewayError(str(e)) from None
    d = (pol.user.gateways or {}).get("http")
    if not require_routes:
        return Config(d or {}, float(pol.user.approvals.get("wait_seconds") or 0))
    if not d or not d.get("routes"):
        user, _ = P.policy_paths(None, env)
        raise GatewayError(f"no [gateways.http.routes.NAME] in {user}: nothing to route (see docs/gateways.md)")
    return Config(d, float(pol.user.approvals.get("wait_seconds") or 0))


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or not host:
        raise GatewayError(f"--listen {listen!r}: expected HOST:PORT, e.g. {HTTP_GATEWAY_LISTEN}")
    return host.strip("[]"), int(port)


# --- the parts that decide (pure, tested without a network) --------------------------------------

def strip_request(headers, query: str):
    """(headers to forward, query to forward, names of the credentials removed)."""
    kept, removed = [], []
    for k, v in headers:
        lk = k.lower()
        if lk in _HOP:
            continue
        if _CREDENTIAL_HEADER.match(lk):
            removed.append(f"header {k}")
            continue
        kept.append((k, v))
    pairs = []
    for k, v in parse_qsl(query, keep_blank_values=True):
        if _CREDENTIAL_PARAM.match(k):
            removed.append(f"query {k}")
        else:
            pairs.append((k, v))
    return kept, urlencode(pairs, doseq=True), removed


#: Characters left as they are when a decoded path is encoded again (one canonical form).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_path(decoded: str | bytes) -> str:
    """The one form a (percent-decoded) path is judged and sent in: an encoded path cannot slip past
    a path rule (``graphql%2Fv2`` is ``graphql/v2``)."""
    return quote(decoded, safe=_PATH_SAFE)


def upstream_url(base: str, rest: str, query: str) -> str:
    """``base`` + the path after the route name + the cleaned query; refuses dot segments."""
    segs = rest.split("/")
    if any(s in ("..", ".") or s.lower() in ("%2e%2e", "%2e", ".%2e", "%2e.") for s in segs):
        raise ValueError("a path with . or .. segments is not forwarded")
    url = base + ("/" + rest.lstrip("/") if rest else "")
    return url + ("?" + query if query else "")


def is_mutation(method: str, body: bytes, graphql: bool, query: str = "") -> bool:
    """Would this request change something upstream?  Any method but GET/HEAD/OPTIONS does, except a
    GraphQL POST whose every operation is a query; a GraphQL GET does when its ``query`` parameter holds a
    mutation.  A GraphQL document that cannot be read counts as one."""
    if method in ("HEAD", "OPTIONS") or (method == "GET" and not graphql):
        return False
    if graphql and method == "GET":
        docs = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "query"]
        if not docs:
            return False
        body = json.dumps([{"query": d} for d in docs]).encode()
    elif not (graphql and method == "POST"):
        return True
    try:
        from graphql import OperationDefinitionNode, OperationType, parse

        obj = json.loads(body or b"{}")
        ops = obj if isinstance(obj, list) else [obj]
        for op in ops:
            doc = parse(op["query"])
            for d in doc.definitions:
                if isinstance(d, OperationDefinitionNode) and d.operation != OperationType.QUERY:
                    return True
        return False
    except Exception:  # noqa: BLE001 - unreadable: treated as a change (recorded, not sent)
        return True


def body_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("utf-8", "replace")


class BodyRefused(ValueError):
    """A body the gateway will not judge: (message, HTTP status, code)."""

    def __init__(self, message, status=415, code="INTERLOCK_UNREADABLE"):
        super().__init__(message)
        self.status, self.code = status, code


def decode_body(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body as the upstream would read it: every ``Content-Encoding`` undone (gzip, deflate, br),
    at most ``limit`` bytes.  Raises BodyRefused for an encoding Interlock cannot read, a corrupt body,
    or one that decodes past the limit (a small compressed body can hide a large document)."""
    import zlib

    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for c in reversed(codings):           # applied in order: undone last first
        if c == "identity":
            continue
        try:
            if c in ("gzip", "x-gzip", "deflate"):
                wbits = 47 if c != "deflate" else (15 if body[:1] and body[0] & 0x0F == 8 else -15)
                d = zlib.decompressobj(wbits)
                out = d.decompress(body, limit + 1)
                if len(out) > limit or d.unconsumed_tail:
                    raise BodyRefused(f"request body decodes to over {limit // (1024 * 1024)} MB: not judged, "
                                      "not sent", 413, "INTERLOCK_TOO_LARGE")
                if not d.eof:
                    raise zlib.error("truncated")
                body = out
            elif c == "br":
                try:
                    import brotli
                except ImportError:
                    raise BodyRefused("a br (brotli) request body, and no brotli decoder is installed: not "
                                      "judged, not sent") from None
                d = brotli.Decompressor()
                out = b""
                for i in range(0, len(body), 65536):
                    out += d.process(body[i:i + 65536])
                    if len(out) > limit:
                        raise BodyRefused(f"request body decodes to over {limit // (1024 * 1024)} MB: not "
                                          "judged, not sent", 413, "INTERLOCK_TOO_LARGE")
                if not d.is_finished():
                    raise ValueError("truncated")
                body = out
            else:
                raise BodyRefused(f"a request body in the {c!r} content encoding, which Interlock does not read: "
                                  "not judged, not sent")
        except BodyRefused:
            raise
        except Exception as e:  # noqa: BLE001 - corrupt data: not judged, not sent
            raise BodyRefused(f"a {c} request body that does not decode ({type(e).__name__}): not judged, "
                              "not sent", 400, "INTERLOCK_BAD_REQUEST") from None
    return body


def build_action(method, url, body: bytes, headers, cwd, judged_url=None):
    """The ``http`` Action a request becomes: bound to method, URL, exact body (its hash) and, through
    the findings, to the resolved target."""
    from ..actions import HTTP, Action, sha256_hex

    payload = {"method": method.upper(), "url": judged_url or url}
    if judged_url and judged_url != url:
        payload["upstream"] = url
    if body:
        payload["body"] = body_text(body)
        payload["body_sha256"] = sha256_hex(body)
    # headers that change what the request does (AWS JSON APIs, GraphQL bodies without JSON)
    meaning = [f"{k}: {v}" for k, v in headers if k.lower() in ("x-amz-target", "content-encoding") or
               (k.lower() == "content-type" and ("graphql" in v.lower() or body))]
    if meaning:
        payload["headers"] = meaning
    from ..analysis.paths import find_workspace

    return Action(HTTP, payload, agent=AGENT, cwd=cwd, workspace=find_workspace(cwd, None), tool="gateway http")


class _Event:
    """What ``approvals.hook.handle`` reads of a hook event."""
    __slots__ = ("action", "name")

    def __init__(self, action):
        self.action = action
        self.name = "request"


def judge(action, env, wait_seconds):
    """Decision for one gateway request (approvals redeemed or filed and waited for).  Never raises."""
    from ..actions import ALLOW, Decision
    from ..engine import Context
    from ..redact import redact
    from .budget import evaluate

    try:
        ctx = Context(action.cwd, env=env)
        decision = evaluate(action, ctx, env)
        if decision.decision != ALLOW:
            from ..approvals.hook import handle

            decision = handle(AGENT, _Event(action), decision, ctx, env, started=time.monotonic(),
                              wait_seconds=wait_seconds)
        return decision
    except Exception as e:  # fail closed: an unjudged request is never sent
        return Decision.failure(f"{type(e).__name__}: {redact(str(e))[:300]}")


def reason_text(decision, action) -> str:
    from ..approvals.hook import message
    from ..redact import redact

    from ..display import line

    body = "\n".join(f"- {line(r, limit=1000)}" for r in decision.reasons) or "- (no reason given)"
    msg = None
    try:
        msg = message(decision, action, body)
    except Exception:
        pass
    if msg is not None:
        text = msg[1].replace("retry the identical command, byte for byte",
                              "send the identical request again, byte for byte")
    else:
        text = f"Interlock denied this {decision.severity} request:\n{body}"
    return redact(text)


def denial(decision, action, graphql: bool, status=403):
    """(status, JSON body, headers) of a refusal."""
    text = reason_text(decision, action)
    ap = decision.approval or {}
    code = "INTERLOCK_DENIED"
    if ap.get("id") and ap.get("state") in ("pending", "approved"):
        code = "INTERLOCK_APPROVAL_REQUIRED"
    ext = {"code": code, "decision": decision.decision, "severity": decision.severity, "rules": decision.rules}
    if ap.get("id"):
        ext["approval"] = ap["id"]
    if graphql:
        obj = {"errors": [{"message": text, "extensions": ext}], "data": None}
    else:
        obj = {"error": code.lower(), "message": text, **{k: v for k, v in ext.items() if k != "code"}}
    headers = {"X-Interlock-Decision": decision.decision}
    if ap.get("id"):
        headers["X-Interlock-Approval"] = ap["id"]
    return status, obj, headers


def failure(message: str, graphql: bool, status: int, code: str, who="HTTP gateway"):
    """(status, JSON body, headers) when the gateway itself cannot serve the request."""
    from ..redact import redact

    text = redact(f"Interlock {who}: {message}")
    if graphql:
        obj = {"errors": [{"message": text, "extensions": {"code": code}}], "data": None}
    else:
        obj = {"error": code.lower(), "message": text}
    return status, obj, {"X-Interlock-Gateway": "error"}


def audit(env, action, decision, route, removed, note=None, gateway="http"):
    """One audit record per request, written before it is sent; raises when it cannot be written.
    ``route``: the route's name (the HTTPS proxy: the route's, else the host's)."""
    from ..audit import AuditLog
    from ..policy import state_dir

    extra = {"gateway": gateway, "route": route}
    if removed:
        extra["stripped"] = removed
    if decision.approval:
        extra["approval"] = {k: v for k, v in decision.approval.items() if k in ("id", "mode", "state", "approvers",
                                                                                   "scope", "snapshot")}
    if note:
        extra["note"] = note
    from ..analysis.http import mask_url

    AuditLog(state_dir(env)).append(action=f"{action.payload['method']} {mask_url(action.payload['url'])}",
                                    decision=decision, agent=AGENT, cwd=action.cwd, tool=f"gateway {gateway} {route}",
                                    digest=action.digest(decision.findings), extra=extra)


def credential_value(route: Route, env, key: str | None = None) -> str:
    """The route's credential (or ``key``: its read-only token, in a sandbox) from the vault; raises LookupError
    (no value in the message)."""
    from ..vault import Vault

    key = key or route.credential
    value = Vault(env).get(key)
    if not value:
        raise LookupError(f"the vault has no credential {key!r} for route {route.name!r} "
                          f"(add it: interlock secrets vault add {key})")
    return value


# --- the server ---------------------------------------------------------------------------------

def create_app(config: Config, env=None, cwd=None):
    """The Starlette application serving ``config``'s routes."""
    import anyio
    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route as SRoute

    env = dict(os.environ if env is None else env)
    cwd = cwd or os.getcwd()
    client = httpx.AsyncClient(timeout=httpx.Timeout(config.upstream_timeout, connect=10.0), follow_redirects=False,
                               trust_env=False)  # never through the agent's HTTP(S)_PROXY
    limiter = anyio.CapacityLimiter(64)

    def answer(triple):
        status, obj, headers = triple
        return JSONResponse(obj, status_code=status, headers=headers)

    async def from_standin(base, method, rest, query, headers, body, graphql, recorded):
        """The answer of the sandbox's private stand-in (a recorded mutation applied to it: later reads see it)."""
        try:
            resp = await client.request(method, upstream_url(base, rest, query), headers=headers,
                                        content=body if body else None)
        except httpx.HTTPError as e:
            return answer(failure(f"the sandbox's stand-in did not answer: {_plain(e)}", graphql, 502,
                                  "INTERLOCK_UPSTREAM_UNAVAILABLE"))
        try:
            obj = resp.json()
        except ValueError:
            obj = {"raw": resp.text[:4096]}
        hdrs = {"X-Interlock-Sandbox": "stand-in"}
        if recorded is not None:
            hdrs["X-Interlock-Sandbox"] = "recorded; answered by a stand-in"
            note = recorded[1]["errors"][0] if graphql else recorded[1]
            ext = {k: v for k, v in (note.get("extensions") or note).items() if k not in ("interlock",)}
            msg = note.get("message", "").replace("Interlock sandbox: recorded, not sent",
                                                  "Interlock sandbox: recorded, not sent to the real API; "
                                                  "answered by the sandbox's stand-in", 1)
            if isinstance(obj, dict):
                obj.setdefault("extensions", {})["interlock"] = {**ext, "message": msg}
        return JSONResponse(obj, status_code=resp.status_code, headers=hdrs)

    async def sandbox_overlay(resp, name):
        """A forwarded read's JSON answer without what the sandbox deleted (recorded, not sent); None when
        nothing needs hiding (the answer is streamed as it is)."""
        from ..sandbox import reads as SR

        spec = config.overlays[name]
        ids = await anyio.to_thread.run_sync(SR.deleted_ids, config.record, name, spec.get("deletes") or {},
                                             limiter=limiter)
        if not ids or "json" not in (resp.headers.get("content-type") or "").lower():
            return None
        raw = b""
        try:
            async for chunk in resp.aiter_bytes():
                raw += chunk
                if len(raw) > config.max_body:  # bounded: an answer too large to filter is not passed on unfiltered
                    return answer(failure(f"the real API's answer is over {config.max_body // (1024 * 1024)} MB: "
                                          "too large to leave out what this sandbox deleted; not passed on", True,
                                          502, "INTERLOCK_SANDBOX_TOO_LARGE", who="sandbox"))
        finally:
            await resp.aclose()
        try:
            obj = json.loads(raw)
        except ValueError:
            return Response(raw, status_code=resp.status_code, media_type=resp.headers.get("content-type"),
                            headers={"X-Interlock-Decision": "allow", "X-Interlock-Sandbox": "read forwarded"})
        n = SR.hide(obj, ids, spec.get("hide_fields") or ["id"])
        hdrs = {"X-Interlock-Decision": "allow", "X-Interlock-Sandbox": f"read forwarded; {n} object(s) the "
                                                                      "sandbox deleted hidden"}
        if n and isinstance(obj, dict):
            obj.setdefault("extensions", {})["interlock"] = {
                "code": "INTERLOCK_SANDBOX_OVERLAY", "hidden": n,
                "message": f"Interlock sandbox: {n} object(s) this sandbox deleted (recorded, not sent) are left out "
                           "of the real API's answer"}
        return JSONResponse(obj, status_code=resp.status_code, headers=hdrs)

    async def index(request):
        return JSONResponse({"gateway": "interlock http", "routes": {n: {"path": f"/{n}/"} for n in config.routes}})

    async def forward(request):
        name = request.path_params["route"]
        route = config.routes.get(name)
        rest = request.path_params.get("rest", "")
        if route is None:
            return answer(failure(f"no route {name!r} (routes: {', '.join(sorted(config.routes)) or 'none'})",
                                  "graphql" in rest.lower(), 404, "INTERLOCK_NO_ROUTE"))
        graphql = route.is_graphql(rest)
        method = request.method.upper()
        # one canonical form is judged and sent (an encoded path cannot slip past a path rule)
        raw_rest = canonical_path(rest)
        # 1. the agent's credentials out; the request as it would be sent
        try:
            headers, query, removed = strip_request(request.headers.items(), request.url.query)
            url = upstream_url(route.upstream, raw_rest, query)
            judged = upstream_url(route.judge_as, raw_rest, query) if route.judge_as else None
        except ValueError as e:
            return answer(failure(str(e), graphql, 400, "INTERLOCK_BAD_REQUEST"))
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > config.max_body:
                return answer(failure(f"request body over {config.max_body // (1024 * 1024)} MB: not judged, "
                                      "not sent", graphql, 413, "INTERLOCK_TOO_LARGE"))
        # judged and sent as plain bytes: a gzip / deflate / br body cannot hide a mutation
        enc = request.headers.get("content-encoding")
        if enc and body:
            try:
                body = decode_body(body, enc, config.max_body)
            except BodyRefused as e:
                return answer(failure(str(e), graphql, e.status, e.code))
            headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
        # 2. judged (and, for ask, approved) before anything is sent
        try:
            action = build_action(method, url, body, headers, cwd, judged)
        except Exception as e:  # noqa: BLE001 - fail closed
            return answer(failure(f"could not read the request: {type(e).__name__}", graphql, 400,
                                  "INTERLOCK_BAD_REQUEST"))
        # interlock sandbox: reads go to the real API only with a read-only token; everything else is recorded
        standin = config.standins.get(name) if config.record else None
        read_cred = config.read_credentials.get(name) if config.record else None
        note = None
        if config.record:
            from ..sandbox import reads as SR

            change = await anyio.to_thread.run_sync(SR.classify, method, body, graphql, query, action, env,
                                                    request.headers.items(), limiter=limiter)
            if change is not None:
                # judged and recorded for the change set, never sent (sandbox/record.py)
                from ..sandbox.record import record_mutation

                triple = await anyio.to_thread.run_sync(
                    record_mutation, config.record, env, action, name, raw_rest, query, method, body, headers,
                    graphql, removed, change, limiter=limiter)
                if standin is None or triple[2].get("X-Interlock-Sandbox") != "recorded":
                    return answer(triple)
                return await from_standin(standin, method, raw_rest, query, headers, body, graphql, triple)
            if read_cred is None and standin is None and route.credential:
                msg = (f"reads on route {name!r} are not sent from a sandbox: its credential can "
                       f"change things and is never used here, and the route has no read-only token (a human adds "
                       f"one: `interlock secrets vault add {name}-read`, then read_credential = \"{name}-read\" in "
                       f"[gateways.http.routes.{name}]). Nothing was sent; do not look for another credential.")
                return answer(failure(msg, graphql, 503, "INTERLOCK_SANDBOX_NO_READ_CREDENTIAL", who="sandbox"))
            secret_sel = SR.secret_fields(method, body, query, (config.overlays.get(name) or {}).get("secret_reads"))
            if secret_sel and read_cred is not None:
                return answer(failure(f"this query reads secrets ({', '.join(secret_sel)}): credential reads are "
                                      "not sent from a sandbox (the rehearsal needs none; a human reads them outside)", graphql,
                                      403, "INTERLOCK_SANDBOX_SECRET_READ", who="sandbox"))
            if read_cred is not None or standin is None:
                gone = SR.under_deleted(raw_rest, SR.deleted_paths(config.record, name))
                if gone is not None:
                    return answer(failure(f"{gone} was deleted in this sandbox (recorded, not "
                                          "sent): the real API still has it, the rehearsal does not", graphql, 404,
                                          "INTERLOCK_SANDBOX_DELETED", who="sandbox"))
                note = f"interlock sandbox: read forwarded with route {name}'s read-only token" if read_cred else \
                    "interlock sandbox: read forwarded (the route adds no credential)"
        decision = await anyio.to_thread.run_sync(judge, action, env, config.wait_seconds, limiter=limiter)
        try:
            await anyio.to_thread.run_sync(audit, env, action, decision, name, removed, note, limiter=limiter)
        except Exception as e:  # noqa: BLE001 - no record, no request
            from ..actions import Decision

            decision = Decision.failure(f"the audit log could not be written ({type(e).__name__})")
        if decision.decision != "allow":
            return answer(denial(decision, action, graphql))
        if standin is not None and read_cred is None:  # the stand-in's world: no credential, nothing leaves
            return await from_standin(standin, method, raw_rest, query, headers, body, graphql, None)
        # 3. the route's credential in (in a sandbox: only its read-only token, for a read); exactly this request
        # sent, once
        # (a sandboxed route with a credential and no read-only token never gets here: refused above)
        key = read_cred if config.record else route.credential
        if key:
            try:
                secret = await anyio.to_thread.run_sync(credential_value, route, env, key, limiter=limiter)
            except Exception as e:  # noqa: BLE001
                msg = str(e) if isinstance(e, LookupError) else f"the vault could not be read ({type(e).__name__})"
                return answer(failure(msg, graphql, 503, "INTERLOCK_NO_CREDENTIAL"))
            headers.append((route.header, route.format.replace("{credential}", secret)))
        try:
            up = client.build_request(method, url, headers=headers, content=body if body else None)
            resp = await client.send(up, stream=True)
        except httpx.TimeoutException:
            return answer(failure(f"upstream {_host(route.upstream)} did not answer in time (the request may or "
                                  "may not have been received)", graphql, 504, "INTERLOCK_UPSTREAM_TIMEOUT"))
        except httpx.HTTPError as e:
            return answer(failure(f"upstream {_host(route.upstream)} unreachable: {_plain(e)}", graphql, 502,
                                  "INTERLOCK_UPSTREAM_UNAVAILABLE"))
        if config.record and config.overlays.get(name):
            overlaid = await sandbox_overlay(resp, name)
            if overlaid is not None:
                return overlaid
        out_headers = [(k, v) for k, v in resp.headers.multi_items() if k.lower() not in _RESPONSE_DROP]
        out_headers.append(("X-Interlock-Decision", "allow"))
        if config.record:
            out_headers.append(("X-Interlock-Sandbox", "read forwarded"))
        sresp = StreamingResponse(resp.aiter_raw(), status_code=resp.status_code, background=BackgroundTask(resp.aclose))
        sresp.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers]
        return sresp

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            await client.aclose()

    return Starlette(routes=[SRoute("/", index, methods=["GET"]),
                             SRoute("/{route}", forward, methods=methods),
                             SRoute("/{route}/{rest:path}", forward, methods=methods)],
                     lifespan=lifespan)


def _host(url):
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def _plain(e) -> str:
    text = str(e) or type(e).__name__
    from ..redact import redact

    return redact(text)[:200]


# --- state for `interlock status` ------------------------------------------------------------------

def state_path(env, pid=None, kind="http") -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(env), "run", f"gateway-{kind}-{pid or os.getpid()}.json")


def _write_state(env, info: dict, kind="http"):
    p = state_path(env, kind=kind)
    os.makedirs(os.path.dirname(p), mode=0o700, exist_ok=True)
    tmp = p + ".tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, p)
    return p


# --- the command ----------------------------------------------------------------------------------

def remote_refused(host: str, allow_remote: bool, what: str) -> bool:
    """True (said on stderr) when ``host`` is beyond the loopback without ``--allow-remote``:
    whoever reaches a credential-injecting gateway uses its credentials."""
    if host in ("127.0.0.1", "localhost", "::1") or allow_remote:
        return False
    print(f"interlock: refusing to listen on {host}: anyone who reaches the {what} uses its credentials. "
          "Use 127.0.0.1, or --allow-remote.", file=sys.stderr)
    return True


def add_parser(gsub):
    """``interlock gateway http`` on the ``gateway`` sub-parsers."""
    g = gsub.add_parser("http", help="the HTTP gateway: routes to upstream APIs with the vault's credential, "
                                     "every request judged")
    g.add_argument("--listen", default=None, help="HOST:PORT (default: [gateways.http] listen, else "
                                                  f"{HTTP_GATEWAY_LISTEN}; port 0 picks a free one)")
    g.add_argument("--allow-remote", action="store_true", help="bind a non-loopback address")
    g.add_argument("--record", default=None, help=argparse.SUPPRESS)  # interlock sandbox: record, don't send
    g.add_argument("--standin", action="append", default=[], help=argparse.SUPPRESS)  # sandbox: ROUTE=URL
    g.add_argument("--read-credential", action="append", default=[], help=argparse.SUPPRESS)  # sandbox: ROUTE=KEY
    g.add_argument("--system", action="store_true",
                   help="system mode: run as the service user (started as root it drops to it), with the "
                        "system policy's routes and the service's vault; agents' `interlock run` points at it")
    g.set_defaults(func=cmd_http)


def system_env(what: str):
    """System mode for a gateway: (the service's environment, the system configuration), after
    dropping to the service user — the vault is the service's, never read as the agent's user."""
    from .. import system as S

    cfg = S.load_config()
    if cfg is None:
        raise GatewayError(f"no system configuration ({S.DEFAULT_CONFIG}): run `sudo interlock init --system` first")
    S._drop_privileges(cfg)
    os.umask(0o077)
    env = S._service_env(cfg)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cfg.state)
    return env, cfg


def publish(cfg, kind: str, info: dict | bytes) -> str:
    """Where agents' `interlock run` finds a service-run gateway: ``<run>/gateways/KIND.json``,
    world-readable, in the service's directory (addresses and variable names, never a value).
    ``info`` as bytes: a public file published as it is under the name ``kind`` (the HTTPS proxy's
    CA certificate and trust bundle)."""
    import json

    d = os.path.join(cfg.run, "gateways")
    os.makedirs(d, mode=0o755, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, kind if isinstance(info, bytes) else f"{kind}.json")
    tmp = path + f".{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb" if isinstance(info, bytes) else "w") as f:
        if isinstance(info, bytes):
            f.write(info)
        else:
            json.dump(info, f)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def cmd_http(args) -> int:
    from ..listening import listen

    try:
        import anyio  # noqa: F401
        import httpx  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as e:
        print(f"interlock gateway http needs the gateway extra ({e.name} is missing): "
              "pip install 'interlock[gateway]'", file=sys.stderr)
        return 1
    env = dict(os.environ)
    syscfg = None
    try:
        if getattr(args, "system", False):
            from ..system import SystemError_

            try:
                env, syscfg = system_env("http")
            except (OSError, SystemError_) as e:
                raise GatewayError(f"system mode: {e}") from None
        config = load_config(env)
        host, port = split_listen(args.listen or config.listen)
    except GatewayError as e:
        print(f"interlock: {e}", file=sys.stderr)
        return 1
    if remote_refused(host, args.allow_remote, "gateway"):
        return 1
    bound = listen(host, port, 128)
    if bound is None:
        return 1
    sock, port, shown = bound
    base = f"http://{shown}:{port}"
    config.record = getattr(args, "record", None)
    for spec in getattr(args, "standin", None) or []:
        route, _, sbase = spec.partition("=")
        if config.record and route in config.routes and sbase.startswith("http://127.0.0.1:"):
            config.standins[route] = sbase.rstrip("/")
    for spec in getattr(args, "read_credential", None) or []:
        route, _, key = spec.partition("=")
        if config.record and route in config.routes and key and key != config.routes[route].credential:
            config.read_credentials[route] = key
    if config.record:
        from ..sandbox.standin import catalogue, kind_of

        cat = catalogue()
        for rname, r in config.routes.items():
            kind = kind_of({"upstream": r.upstream, "judge_as": r.judge_as}, cat)
            if kind:
                config.overlays[rname] = {"deletes": dict(cat[kind].get("deletes") or {}),
                                          "hide_fields": list(cat[kind].get("hide_fields") or ["id"]),
                                          "secret_reads": list(cat[kind].get("secret_reads") or [])}
    app = create_app(config, env)
    state = _write_state(env, {"kind": "http", "pid": os.getpid(), "listen": f"{shown}:{port}", "url": base,
                               "routes": {n: {"url": f"{base}/{n}", "upstream": r.upstream}
                                          for n, r in config.routes.items()},
                               "started": time.time()})
    published = None
    if syscfg is not None:
        published = publish(syscfg, "http", {"kind": "http", "pid": os.getpid(), "url": base,
                                             "routes": {n: {"url": f"{base}/{n}", "env": r.env}
                                                        for n, r in config.routes.items()}})
    print(f"interlock http gateway: {base}/  routes: " +
          ", ".join(f"/{n}/ -> {r.upstream}" for n, r in config.routes.items()), flush=True)
    import signal

    def _exit(signum, frame):  # uvicorn re-raises the signal it caught after shutting down: leave cleanly
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)
    try:
        cfg = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", server_header=False,
                             proxy_headers=False, timeout_graceful_shutdown=5)
        uvicorn.Server(cfg).run(sockets=[sock])
    finally:
        for p in (state, published):
            try:
                if p:
                    os.unlink(p)
            except OSError:
                pass
    return 0
