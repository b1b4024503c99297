"""``interlock serve``: the local approval dashboard (Starlette, server-rendered, no CDN).

Pages: login · pending requests (kept current by a few lines of polling JS) · one request
(action, findings, target, environment, agent, cwd, impact preview, audit trail) with
approve/reject · recently decided requests.  The approve/reject endpoints are the ones the
agent is refused (rule ``interlock.approve-endpoint``): ``POST /api/approvals/{id}/approve``
and ``…/reject``; the dashboard's forms post to them too.

Security model:

* Login is a named approver plus that approver's secret (``approvers.verify``).  Failed logins
  are counted per approver name and per client; after ``MAX_FAILURES`` the key is locked out
  with a doubling backoff, and every failure and lockout goes to the audit log.  Logins are
  checked one at a time, so parallel guessing gains nothing.
* The session is a cookie (HttpOnly, SameSite=Strict) signed with HMAC-SHA256 under a random
  key kept in the state directory (``dashboard.key``, 0600, which the agent may not read).
* Every POST needs the session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``);
  cross-site POSTs (``Origin``/``Sec-Fetch-Site``) and unexpected ``Host`` headers (DNS
  rebinding) are refused; pages carry a strict Content-Security-Policy.
* Approvals go through the store like every channel: approver identity and channel ``web``
  in the audit log; the two-person rule, scopes, single use and expiry are the store's.

The module's top level imports only the standard library: ``interlock --help`` and the hook
never load the web stack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time

COOKIE = "interlock_session"
SESSION_MAX_AGE_S = 12 * 3600
MAX_FAILURES = 5
LOCK_BASE_S = 30.0
LOCK_CAP_S = 3600.0
FAILURE_MEMORY_S = 3600.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HERE = os.path.dirname(os.path.abspath(__file__))


def add_parser(sub):
    """Register ``interlock serve`` on the CLI's sub-parsers."""
    from . import DASHBOARD_PORT

    s = sub.add_parser("serve", help=f"the local approval dashboard (http://127.0.0.1:{DASHBOARD_PORT}/)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=DASHBOARD_PORT, help=f"port (default {DASHBOARD_PORT}; 0 picks one)")
    s.add_argument("--allow-remote", action="store_true",
                   help="bind a non-loopback address (plain HTTP: put TLS in front of it)")
    s.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    from ..listening import listen

    try:
        import jinja2  # noqa: F401
        import python_multipart  # noqa: F401  (form parsing)
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as e:
        print(f"interlock serve needs the web extra ({e.name} is missing): pip install 'interlock[web]'",
              file=sys.stderr)
        return 1
    host = args.host
    if host not in LOOPBACK and not args.allow_remote:
        print(f"interlock: refusing to serve approvals on {host}: the dashboard is plain HTTP. Use 127.0.0.1 "
              "(reach it over SSH port forwarding), or --allow-remote behind a TLS proxy.", file=sys.stderr)
        return 1
    try:
        app = create_app(os.environ, extra_hosts=() if host in LOOPBACK else (host,))
    except Exception as e:  # e.g. a dashboard.key others can read: fail closed, say why
        from ..redact import redact

        print(f"interlock: cannot start the dashboard: {redact(str(e))[:300]}", file=sys.stderr)
        return 1
    bound = listen(host, args.port, 64)
    if bound is None:
        return 1
    sock, port, shown = bound
    print(f"interlock dashboard: http://{shown}:{port}/  (Ctrl-C to stop)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False,
                            proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


# --- pieces without a web framework (tested directly) --------------------------------------------------

def session_key(state_dir: str) -> bytes:
    """The cookie-signing key: created once (32 random bytes, 0600); refused when others can read it."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    p = os.path.join(state_dir, "dashboard.key")
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        st = os.stat(p)
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            raise PermissionError(f"{p} must be owned by you and private (chmod 600)") from None
        with open(p, "rb") as f:
            key = f.read()
        if len(key) < 32:
            raise ValueError(f"{p} is too short to be a signing key; delete it to make a new one")
        return key
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Sessions:
    """Signed, stateless session cookies: ``{sid, who, iat}``; logout revokes the sid."""

    def __init__(self, key: bytes):
        self.key = key
        self.revoked = {}  # sid -> when

    def _sig(self, body: str) -> str:
        return _b64(hmac.new(self.key, b"session\0" + body.encode(), hashlib.sha256).digest())

    def issue(self, who=None) -> tuple[str, dict]:
        sess = {"sid": secrets.token_urlsafe(18), "who": who, "iat": int(time.time())}
        body = _b64(json.dumps(sess, separators=(",", ":")).encode())
        return f"{body}.{self._sig(body)}", sess

    def read(self, value) -> dict | None:
        if not value or value.count(".") != 1 or len(value) > 512:
            return None
        body, sig = value.split(".")
        if not hmac.compare_digest(sig, self._sig(body)):
            return None
        try:
            sess = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(sess, dict) or not isinstance(sess.get("sid"), str):
            return None
        age = time.time() - float(sess.get("iat") or 0)
        if age < -60 or age > SESSION_MAX_AGE_S or sess["sid"] in self.revoked:
            return None
        return sess

    def csrf(self, sess) -> str:
        return _b64(hmac.new(self.key, b"csrf\0" + sess["sid"].encode(), hashlib.sha256).digest())

    def csrf_ok(self, sess, token) -> bool:
        return bool(token) and isinstance(token, str) and hmac.compare_digest(token, self.csrf(sess))

    def revoke(self, sess):
        now = time.time()
        self.revoked[sess["sid"]] = now
        if len(self.revoked) > 10000:
            self.revoked = {k: t for k, t in self.revoked.items() if now - t < SESSION_MAX_AGE_S}


class Throttle:
    """Failed logins per key (``approver:NAME``, ``client:ADDR``): ``MAX_FAILURES`` in a row locks
    the key for ``LOCK_BASE_S``, doubling with each further failure (capped at ``LOCK_CAP_S``)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.keys = {}  # key -> [failures, locked_until, last_failure]

    def locked(self, keys) -> float:
        """Seconds until every key may try again (0: not locked)."""
        now = self.clock()
        return max([s[1] - now for k in keys if (s := self.keys.get(k)) and s[1] > now] or [0.0])

    def failed(self, keys) -> float:
        """Count one failure on each key; the longest lockout it starts (0: none)."""
        now = self.clock()
        lock = 0.0
        for k in keys:
            s = self.keys.get(k)
            if s is None or (now - s[2] > FAILURE_MEMORY_S and s[1] <= now):
                s = self.keys[k] = [0, 0.0, now]
            s[0] += 1
            s[2] = now
            if s[0] >= MAX_FAILURES:
                secs = min(LOCK_CAP_S, LOCK_BASE_S * 2 ** (s[0] - MAX_FAILURES))
                s[1] = now + secs
                lock = max(lock, secs)
        if len(self.keys) > 10000:  # bounded memory under a flood of made-up names
            self.keys = {k: s for k, s in self.keys.items() if s[1] > now or now - s[2] < FAILURE_MEMORY_S}
        return lock

    def succeeded(self, keys):
        for k in keys:
            self.keys.pop(k, None)


#: The request modes in the words of someone who was not there when they were named ("ask via
#: out-of-band" means nothing to them): (short, for the trail's channel; long, for "How it was asked").
MODE_WORDS = {
    "prompt": ("agent's dialog",
               "asked in the agent's own approval dialog (and filed here, to approve for longer)"),
    "out-of-band": ("held for a human",
                    "the agent was told no until a human approves it here or with `interlock approve`"),
}


def how_asked(req) -> str:
    words = MODE_WORDS.get(req.mode)
    return words[1] if words else f"{req.decision} ({req.mode})"


def _plain(text):
    """An audit note with the mode names in words ("create via out-of-band" → "create: held for a human")."""
    for mode, (short, _long) in MODE_WORDS.items():
        text = text.replace(f" via {mode}", f": {short}")
    return text


def audit_trail(state_dir: str, req, env=None) -> list[dict]:
    """The audit records about one request: its approval events and the hook's decisions that
    named it (filed, still pending, allowed by it), oldest first (read-only)."""
    import sqlite3

    from ..audit import AuditLog, db_path, open_log

    log = open_log(state_dir, env)
    if not isinstance(log, AuditLog):  # team mode: the shared chain
        try:
            return _trail_rows(req, log.trail(req.id))
        except Exception:
            return []
    p = db_path(state_dir)
    if not os.path.exists(p):
        return []
    con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=5.0)
    try:
        cur = con.execute("SELECT seq, ts, agent, decision, severity, reasons, extra, tool FROM records "
                          "WHERE extra LIKE ? OR reasons LIKE ? ORDER BY seq LIMIT 500",
                          (f'%"id": "{req.id}"%', f"%{req.id}%"))  # ids are [a-z0-9-]: no LIKE wildcards
        return _trail_rows(req, cur)
    except sqlite3.Error:
        return []
    finally:
        con.close()


def _trail_rows(req, rows) -> list[dict]:
    out = []
    for seq, ts, agent, decision, severity, reasons, extra, tool in rows:
        ap = (json.loads(extra) if extra else {}).get("approval") or {}
        if ap and ap.get("id") not in (None, req.id):
            continue
        rs = json.loads(reasons or "[]")
        out.append({"seq": seq, "ts": ts, "event": ap.get("event") or f"hook: {decision}",
                    "approver": ap.get("approver"), "channel": ap.get("channel") or tool,
                    "decision": decision, "note": ap.get("note") or (rs[0] if rs else ""), "agent": agent})
    return out


def impact_of(req) -> list[str]:
    """The impact preview lines the safeguards attached (per finding ``impact``, or the request's
    own ``impact``); empty when there is none."""
    def lines(v):
        if not v:
            return []
        if isinstance(v, str):
            return v.splitlines()
        if isinstance(v, (list, tuple)):
            return [x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in v]
        if isinstance(v, dict):
            return [f"{k}: {x}" for k, x in v.items()]
        return [str(v)]

    out = lines(getattr(req, "impact", None))
    for f in req.findings or []:
        if isinstance(f, dict):
            out += [x for x in lines(f.get("impact")) if x not in out]
    return out


def scopes_for(req, s) -> dict:
    """What the approver may choose for this request (the store enforces the same)."""
    from . import NEVER_REUSED

    from .store import not_reusable

    sevs = {f.get("severity") for f in req.findings or []} | {req.severity}
    why = not_reusable(req)
    reusable = not (sevs & set(NEVER_REUSED)) and not why
    return {"window": reusable and s.max_window_minutes > 0, "max_minutes": s.max_window_minutes,
            "why": f"This action {why}: it can only be approved once." if why else None,
            "session": reusable and bool(req.session) and req.decision == "ask"
            and not any(f.get("environment") == "prod" for f in req.findings or []) and s.session_hours > 0}


# --- the app ---------------------------------------------------------------------------------------------

def create_app(env=None, extra_hosts=()):
    """The dashboard as an ASGI app (Starlette)."""
    from functools import partial

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.templating import Jinja2Templates

    import anyio

    from . import APPROVED, ONCE, ONCE_ANY, PENDING, SESSION, WINDOW, ApprovalError, settings
    from .. import display as D
    from . import approvers as A
    from ..policy import load, state_dir
    from ..redact import redact
    from .store import normalize_id, open_store

    env = dict(os.environ if env is None else env)
    sdir = state_dir(env)
    sessions = Sessions(session_key(sdir))
    throttle = Throttle()
    proofs = {}  # session id -> the approver's Proof from its login (store.approve needs one)
    login_lock = anyio.Lock()
    store = open_store(env)
    allowed_hosts = {h.strip("[]").lower() for h in LOOPBACK + tuple(extra_hosts)}

    templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))
    tj = templates.env
    tj.autoescape = True
    tj.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"
    tj.filters["ago"] = _ago
    tj.filters["left"] = lambda t: _ago(t) if t and t > time.time() else "expired"
    tj.filters["how"] = how_asked
    # agent-controlled text: markers for hidden or look-alike characters, every cut said (display)
    tj.filters["shown"] = lambda v, n=None, full=None: D.line(v if v not in (None, "") else "-", limit=n, full=full)
    tj.filters["shownblock"] = lambda v: D.block(v or "")
    tj.filters["channel"] = lambda c: MODE_WORDS.get(c, (c,))[0] if c else ""
    tj.filters["plain"] = _plain

    # --- helpers ------------------------------------------------------------------------------------
    def current(request):
        """(session, cookie to set or None): a fresh anonymous session when there is none."""
        sess = sessions.read(request.cookies.get(COOKIE))
        if sess is not None and sess.get("who") and sess["who"] not in A.names(env):
            sess = None  # the approver was removed: their sessions end
        if sess is None:
            cookie, sess = sessions.issue(None)
            return sess, cookie
        return sess, None

    def set_cookie(resp, cookie):
        if cookie:
            resp.set_cookie(COOKIE, cookie, max_age=SESSION_MAX_AGE_S, path="/", httponly=True, samesite="strict")
        return resp

    def page(request, template, sess, cookie=None, status=200, **ctx):
        ctx.update(who=sess.get("who"), csrf=sessions.csrf(sess))
        return set_cookie(templates.TemplateResponse(request, template, ctx, status_code=status), cookie)

    def wants_json(request):
        return "application/json" in (request.headers.get("content-type") or "") or \
            "application/json" in (request.headers.get("accept") or "")

    def audit(event, approver, note, decision="deny", client=None):
        from ..actions import Decision
        from ..audit import open_log

        reason = f"dashboard {event}" + (f": {approver}" if approver else "") + (f" ({note})" if note else "")
        open_log(sdir, env).append(action=f"interlock serve: {event}",
                                   decision=Decision(decision, "credential", [], [reason]),
                                   agent="human", tool="interlock-serve",
                                   extra={"approval": {"event": event, "approver": approver, "channel": "web",
                                                       "note": note, "client": client}})

    async def form_of(request):
        if wants_json(request):
            try:
                data = json.loads((await request.body())[:65536] or b"{}")
            except ValueError:
                data = None
            return data if isinstance(data, dict) else {}
        form = await request.form()
        return {k: form.get(k) for k in form.keys()}

    async def guarded(request, data=None):
        """(session, error response) for a POST: a logged-in session and its CSRF token."""
        sess = sessions.read(request.cookies.get(COOKIE))
        if sess is None or not sess.get("who") or sess["who"] not in A.names(env):
            return None, _refuse(request, 401, "log in first")
        token = request.headers.get("x-csrf-token") or (data or {}).get("csrf")
        if not sessions.csrf_ok(sess, token):
            return None, _refuse(request, 403, "missing or wrong CSRF token")
        return sess, None

    def _refuse(request, status, msg):
        if wants_json(request) or request.url.path.startswith("/api/"):
            return JSONResponse({"error": msg}, status_code=status)
        return PlainTextResponse(f"{status}: {msg}\n", status_code=status)

    def logged_in(request):
        sess, cookie = current(request)
        if not sess.get("who"):
            return None, set_cookie(RedirectResponse("/login", status_code=303), cookie)
        return sess, None

    def get_request(raw_id):
        rid = normalize_id(raw_id)
        return store.get(rid) if rid else None

    # --- pages --------------------------------------------------------------------------------------------
    async def login_page(request):
        sess, cookie = current(request)
        if sess.get("who"):
            return RedirectResponse("/", status_code=303)
        none = None if A.names(env) else ("No approvers exist yet: create one in your own terminal with "
                                         "`interlock approvers add NAME`.")
        return page(request, "login.html", sess, cookie, error=none)

    async def login(request):
        sess, cookie = current(request)
        data = await form_of(request)
        if not sessions.csrf_ok(sess, data.get("csrf")):
            return set_cookie(_refuse(request, 403, "missing or wrong CSRF token: reload the login page"), cookie)
        name = str(data.get("approver") or "").strip().lower()[:64]
        secret = str(data.get("secret") or "")[:1024]
        client = request.client.host if request.client else "?"
        known = name in A.names(env)
        keys = [f"approver:{name}", f"client:{client}"]
        shown = name if known else "(unknown approver)"  # a secret typed in the name field is never logged
        async with login_lock:
            wait = throttle.locked(keys)
            if wait > 0:
                return page(request, "login.html", sess, cookie, status=429, name=name,
                            error=f"Too many failed logins: try again in {int(wait) + 1} s.")
            proof = known and await run_in_threadpool(A.authenticate, name, secret, env, SESSION_MAX_AGE_S)
            ok = bool(proof)
            if not known:
                await anyio.sleep(1.0)  # same cost as a wrong secret
            if not ok:
                lock = throttle.failed(keys)
                await run_in_threadpool(audit, "login-failed", shown, f"from {client}", "deny", client)
                if lock:
                    await run_in_threadpool(audit, "login-locked", shown,
                                            f"{MAX_FAILURES}+ failed logins: locked for {lock:g} s", "deny", client)
                return page(request, "login.html", sess, cookie, status=429 if lock else 401, name=name,
                            error=f"Too many failed logins: try again in {int(lock)} s." if lock
                            else "Wrong approver name or secret.")
            throttle.succeeded(keys)
        await run_in_threadpool(audit, "login", name, f"from {client}", "allow", client)
        sessions.revoke(sess)  # a new session id after login (no fixation)
        new_cookie, new_sess = sessions.issue(name)
        proofs[new_sess["sid"]] = proof
        return set_cookie(RedirectResponse("/", status_code=303), new_cookie)

    async def logout(request):
        data = await form_of(request)
        sess, err = await guarded(request, data)
        if err:
            return err
        sessions.revoke(sess)
        proofs.pop(sess.get("sid"), None)
        cookie, _ = sessions.issue(None)
        return set_cookie(RedirectResponse("/login", status_code=303), cookie)

    async def pending_page(request):
        sess, redirect = logged_in(request)
        if redirect:
            return redirect
        reqs = await run_in_threadpool(store.pending)
        return page(request, "pending.html", sess, reqs=reqs, sig=_signature(reqs), now=time.time())

    async def pending_fragment(request):
        sess = sessions.read(request.cookies.get(COOKIE))
        if sess is None or not sess.get("who") or sess["who"] not in A.names(env):
            return PlainTextResponse("log in first", status_code=401)
        reqs = await run_in_threadpool(store.pending)
        resp = templates.TemplateResponse(request, "_pending_list.html", {"reqs": reqs, "now": time.time()})
        resp.headers["X-Pending-Signature"] = _signature(reqs)
        return resp

    async def pending_json(request):
        sess = sessions.read(request.cookies.get(COOKIE))
        if sess is None or not sess.get("who") or sess["who"] not in A.names(env):
            return JSONResponse({"error": "log in first"}, status_code=401)
        reqs = await run_in_threadpool(store.pending)
        return JSONResponse([redact(r.to_dict()) for r in reqs])

    async def recent_page(request):
        sess, redirect = logged_in(request)
        if redirect:
            return redirect
        reqs = [r for r in await run_in_threadpool(store.recent, 200) if r.state != PENDING]
        return page(request, "recent.html", sess, reqs=reqs, snapshots=await run_in_threadpool(_snapshots, None))

    def _snapshots(workspace):
        from ..safeguards import snapshots_by_request

        try:
            pol = load(workspace, env)
        except Exception:  # noqa: BLE001 - an invalid policy: the default store
            pol = None
        return snapshots_by_request(env, pol)

    def detail_ctx(req):
        s = settings(load(req.workspace, env))
        from .cli import grant_scope, req_inputs

        targets = []
        for f in req.findings or []:
            if isinstance(f, dict) and f.get("target") and f["target"] not in targets:
                targets.append(f["target"])
        n = D.note(D.render(req.action or "", multiline=True))
        return {"req": req, "trail": audit_trail(sdir, req, env), "impact": impact_of(req),
                "scopes": scopes_for(req, s), "targets": targets, "grant": grant_scope(req),
                "bound": sorted(req_inputs(req).items()), "marked": n,
                "snapshots": _snapshots(req.workspace).get(req.id, [])}

    async def detail_page(request):
        sess, redirect = logged_in(request)
        if redirect:
            return redirect
        req = await run_in_threadpool(get_request, request.path_params["rid"])
        if req is None:
            return page(request, "error.html", sess, status=404, title="Not found",
                        message="There is no approval request with that id.")
        ctx = await run_in_threadpool(detail_ctx, req)
        done = request.query_params.get("done")
        ctx["notice"] = {"approved": "Approved.", "voted": "Your approval is recorded; another approver is needed.",
                         "rejected": "Rejected: the agent is told your reason."}.get(done)
        return page(request, "detail.html", sess, **ctx)

    async def decide(request, verb):
        data = await form_of(request)
        sess, err = await guarded(request, data)
        if err:
            return err
        req = await run_in_threadpool(get_request, request.path_params["rid"])
        if req is None:
            return _refuse(request, 404, "no such approval request")
        who = sess["who"]

        def act():
            if req.state != PENDING:
                raise ApprovalError(f"{req.id} is already {req.state}: it cannot be {verb}d again; "
                                    "the agent must file a new request")
            if verb == "reject":
                reason = str(data.get("reason") or "").strip()
                if not reason:
                    raise ValueError("a rejection needs a reason (the agent is told it)")
                return store.reject(req.id, who, "web", reason)
            scope = str(data.get("scope") or ONCE)
            minutes = None
            if scope not in (ONCE, ONCE_ANY, WINDOW, SESSION):
                raise ValueError(f"unknown scope {scope[:20]!r}")
            s = settings(load(req.workspace, env))
            if scope == WINDOW:
                try:
                    minutes = float(data.get("minutes"))
                except (TypeError, ValueError):
                    raise ValueError("say for how many minutes") from None
                if not 0 < minutes <= s.max_window_minutes:
                    raise ValueError(f"minutes must be between 0 and {s.max_window_minutes:g} "
                                     "(policy approvals.max_window_minutes)")
            elif scope == SESSION:
                minutes = s.session_hours * 60
            proof = proofs.get(sess["sid"])
            if proof is None:
                raise ApprovalError("log in again to approve (the dashboard restarted since your login)")
            return store.approve(req.id, who, "web", scope, minutes, proof=proof)

        try:
            after = await run_in_threadpool(act)
        except ApprovalError as e:
            status = 409
            return await _decide_error(request, sess, req, status, str(e))
        except ValueError as e:
            return await _decide_error(request, sess, req, 400, str(e))
        if wants_json(request):
            return JSONResponse({"id": after.id, "state": after.state, "scope": after.scope,
                                 "approvers": after.approvers, "required": after.required})
        done = "rejected" if verb == "reject" else ("approved" if after.state == APPROVED else "voted")
        return RedirectResponse(f"/requests/{after.id}?done={done}", status_code=303)

    async def _decide_error(request, sess, req, status, msg):
        msg = redact(msg)
        if wants_json(request):
            return JSONResponse({"error": msg}, status_code=status)
        fresh = await run_in_threadpool(get_request, req.id) or req
        ctx = await run_in_threadpool(detail_ctx, fresh)
        return page(request, "detail.html", sess, status=status, error=msg, **ctx)

    async def sandboxes_page(request):  # interlock sandbox: each change set, read-only (promote is a CLI step)
        sess, redirect = logged_in(request)
        if redirect:
            return redirect
        from ..sandbox.web import sandbox_list

        return page(request, "sandboxes.html", sess, items=await run_in_threadpool(sandbox_list, env))

    async def sandbox_page(request):
        sess, redirect = logged_in(request)
        if redirect:
            return redirect
        from ..sandbox.web import sandbox_detail

        cs = await run_in_threadpool(sandbox_detail, env, request.path_params["sid"])
        if cs is None:
            return page(request, "error.html", sess, status=404, title="Not found",
                        message="There is no sandbox with that id.")
        return page(request, "sandbox.html", sess, cs=cs)

    async def not_found(request, exc=None):
        return PlainTextResponse("404: not found\n", status_code=404)

    routes = [
        Route("/", pending_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/recent", recent_page),
        Route("/requests/{rid}", detail_page),
        Route("/sandboxes", sandboxes_page),
        Route("/sandboxes/{sid}", sandbox_page),
        Route("/fragments/pending", pending_fragment),
        Route("/api/pending", pending_json),
        Route("/api/approvals/{rid}/approve", partial(decide, verb="approve"), methods=["POST"]),
        Route("/api/approvals/{rid}/reject", partial(decide, verb="reject"), methods=["POST"]),
        Mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    return Guard(app, allowed_hosts)


class Guard:
    """ASGI wrapper: refuses unexpected Host headers (DNS rebinding) and cross-site POSTs, and adds
    security headers to every response."""

    HEADERS = [(b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; "
                                           b"img-src 'self'; connect-src 'self'; form-action 'self'; "
                                           b"frame-ancestors 'none'; base-uri 'none'"),
               (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store"),
               (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]

    def __init__(self, app, allowed_hosts):
        self.app = app
        self.allowed = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        hostname = hostname.strip("[]").lower()
        problem = None
        if hostname not in self.allowed:
            problem = (400, "unexpected Host header")
        elif scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            if site and site not in ("same-origin", "none"):  # another port on localhost is "same-site"
                problem = (403, "cross-site request refused")
            elif origin == "null" and site != "same-origin":
                problem = (403, "cross-site request refused")
            elif origin and origin != "null" and origin.split("://", 1)[-1].lower() != host.lower():
                problem = (403, "cross-origin request refused")
        if problem:
            body = f"{problem[0]}: {problem[1]}\n".encode()
            await send({"type": "http.response.start", "status": problem[0],
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())] + self.HEADERS})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(msg):
            if msg["type"] == "http.response.start":
                have = {k.lower() for k, _ in msg.get("headers") or []}
                msg["headers"] = list(msg.get("headers") or []) + [h for h in self.HEADERS if h[0] not in have]
            await send(msg)

        return await self.app(scope, receive, send_with_headers)


def _signature(reqs) -> str:
    blob = "|".join(f"{r.id}:{r.state}:{len(r.votes)}" for r in reqs)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _ago(t) -> str:
    if not t:
        return "-"
    s = int(abs(time.time() - t))
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s" if s < 3600 else f"{s // 3600}h{(s % 3600) // 60:02d}m"
