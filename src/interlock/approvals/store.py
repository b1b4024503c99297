"""Where approval requests live: the ``ApprovalStore`` interface and its SQLite implementation.

A request is bound to one action hash (``Action.digest(findings)``).  Its life:

    pending ──(N distinct approvers)──► approved ──(the identical action returns)──► consumed
       │  └──(any approver rejects)──► rejected
       └──(expiry passes: denied)────► expired

An approval is single-use (``once``) unless the approver chose a time window
(``window``: the same hash, for N minutes) or this session (``session``: the same
agent, session and hash) — never either for catastrophic or credential findings.
Every transition is written to the audit log with who, through which channel, and when.

The rules live once, in ``ApprovalStore``; a backend (SQLite here, PostgreSQL in
``store_pg.py`` for a team's shared queue) supplies only its SQL, and ``INTERLOCK_STORE``
picks it; ``open_store`` is the only factory.
"""

from __future__ import annotations

import json
import os
import time

from . import (APPROVED, CONSUMED, EXPIRED, NEVER_REUSED, ONCE, ONCE_ANY, PENDING, REJECTED, SESSION, WINDOW,
               ApprovalError)

ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: typeable, readable aloud
ID_LEN = 6


def new_id() -> str:
    import secrets

    return "apr-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LEN))


def normalize_id(raw: str) -> str | None:
    """``APR-7F3K9Q`` / ``7f3k9q`` → ``apr-7f3k9q``; None when it cannot be an id."""
    s = (raw or "").strip().lower()
    if s.startswith("apr-"):
        s = s[4:]
    if len(s) != ID_LEN or any(c not in ID_ALPHABET for c in s):
        return None
    return "apr-" + s


class Request:
    """One approval request, as stored (everything in it is already redacted)."""

    FIELDS = ("id", "digest", "state", "mode", "created", "expires", "agent", "session", "workspace", "cwd", "tool",
              "kind", "action", "decision", "severity", "rules", "findings", "reasons", "environment", "target",
              "required", "scope", "valid_until", "decided", "reason", "uses")
    __slots__ = FIELDS + ("votes",)

    def __init__(self, **kw):
        for k in self.FIELDS:
            setattr(self, k, kw.get(k))
        self.votes = kw.get("votes") or []   # [(approver, verdict, channel, ts)]

    @property
    def approvers(self):
        return [v[0] for v in self.votes if v[1] == "approve"]

    def findings_objects(self):
        from ..actions import Finding

        keys = ("rule", "severity", "effect", "target", "evidence", "why", "reversible", "environment", "location",
                "note")
        return [Finding(**{k: d.get(k) for k in keys}) for d in (self.findings or [])]

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.FIELDS}
        d["votes"] = [{"approver": a, "verdict": v, "channel": c, "ts": t} for a, v, c, t in self.votes]
        return d

    def __repr__(self):
        return f"Request({self.id}, {self.state}, {self.action[:60]!r})"


class ApprovalStore:
    """The interface every backend implements.  All times are UNIX seconds.

    Methods raise ``ApprovalError`` for refusals a human should read (unknown id, already
    decided, same approver twice) and let backend errors propagate: callers fail closed.

    The rules (who may decide what, for how long a grant holds, which caller gets a single-use
    approval) live here once; a backend supplies reading (``get``, ``pending``, ``recent``),
    one transaction (``_tx``) and the SQL steps named ``_…`` below.
    """

    def get(self, request_id) -> Request | None:
        raise NotImplementedError

    def pending(self) -> list[Request]:
        raise NotImplementedError

    def recent(self, limit=50) -> list[Request]:
        raise NotImplementedError

    # --- what a backend's SQL does (each runs inside ``_tx``; ``con`` is the backend's connection) ----
    def _tx(self, fn):
        """``fn(con)`` in one transaction; returns its result."""
        raise NotImplementedError

    def _by_id(self, con, rid) -> Request | None:
        raise NotImplementedError

    def _lock_request(self, con, rid) -> Request | None:
        """The request about to be decided (locked against concurrent deciders where the backend can)."""
        raise NotImplementedError

    def _open_for(self, con, digest, rejected_since) -> Request | None:
        """The newest pending request for this hash, or one rejected since ``rejected_since``."""
        raise NotImplementedError

    def _insert(self, con, row) -> Request:
        """Store ``row`` under a fresh id; the stored request."""
        raise NotImplementedError

    def _approved_for(self, con, digest, now) -> list[Request]:
        """Approved requests for this hash still valid at ``now``, oldest decision first."""
        raise NotImplementedError

    def _add_use(self, con, req) -> int:
        """Count one more use of a reusable grant; the new count."""
        raise NotImplementedError

    def _consume(self, con, req) -> int | None:
        """Mark a single-use grant consumed if it still is approved (only one racer wins); the new
        use count, or None when another caller consumed it first."""
        raise NotImplementedError

    def _add_approval(self, con, req, approver, channel, now) -> int:
        """Record an approve vote; the number of distinct approvers now."""
        raise NotImplementedError

    def _grant(self, con, req, scope, now, valid_until):
        """The request becomes approved (if it still is pending)."""
        raise NotImplementedError

    def _add_rejection(self, con, req, approver, channel, now, reason):
        """Record a reject vote (replacing the approver's earlier one) and reject the pending request."""
        raise NotImplementedError

    def _expire(self, now) -> list[tuple[Request, str]]:
        """Mark every request due at ``now`` expired; [(request, state it had)]."""
        raise NotImplementedError

    # --- shared by every backend -----------------------------------------------------------------
    def __init__(self, env=None):
        self.env = os.environ if env is None else env

    def file(self, *, digest, action, findings, decision, severity, mode, required, expiry_minutes,
             reject_memory_minutes=None) -> Request:
        """The request for this action hash: the identical pending one, a recent rejection of it
        (so a retry does not spam the approvers), or a new pending request."""
        self.expire_due()
        now = time.time()
        memory = (reject_memory_minutes if reject_memory_minutes is not None else expiry_minutes) * 60

        def tx(con):
            got = self._open_for(con, digest, now - memory)
            if got is not None:
                return got, False
            row = new_row(digest=digest, action=action, findings=findings, decision=decision, severity=severity,
                          mode=mode, required=required, now=now, expiry_minutes=expiry_minutes)
            return self._insert(con, row), True

        req, created = self._tx(tx)
        if created:
            self.record("create", req, channel=mode)
        return req

    def redeem(self, digest, agent, session) -> Request | None:
        """A valid approval for this exact action hash, consumed atomically when single-use;
        None when there is none.  This is how the hook finds an approval."""
        self.expire_due()
        now = time.time()

        def tx(con):
            for req in self._approved_for(con, digest, now):
                if req.scope in (SESSION, ONCE) and req.session and not (req.agent == agent
                                                                          and req.session == session):
                    continue  # a session grant, and a once grant unless the approver chose ONCE_ANY,
                    # belong to the agent session that asked
                if req.scope == SESSION and not req.session:
                    continue
                if req.scope in (WINDOW, SESSION):
                    req.uses = self._add_use(con, req)
                    return req
                # single use: consumed by exactly one caller, however many race for it
                uses = self._consume(con, req)
                if uses is not None:
                    req.state, req.uses = CONSUMED, uses
                    return req
            return None

        req = self._tx(tx)
        if req is not None:
            self.record("consume", req, channel="hook", note=f"use {req.uses}, {req.scope}")
        return req

    def approve(self, request_id, approver, channel, scope=ONCE, minutes=None, *, proof=None) -> Request:
        """One approver's vote.  The request becomes ``approved`` when ``required`` distinct
        approvers voted; ``scope`` window/session keeps it valid for ``minutes``.  ``proof``:
        the approver's secret checked in this process (``approvers.authenticate``) — without
        it nothing is approved, whoever calls."""
        from . import approvers as A

        approver = A.check_proof(proof, approver, self.env)
        if scope not in (ONCE, ONCE_ANY, WINDOW, SESSION):
            raise ApprovalError(f"unknown approval scope {scope!r}")
        self.expire_due()
        now = time.time()

        def tx(con):
            req = self._decidable(con, request_id)
            check_scope(req, scope)
            if any(v[0] == approver for v in req.votes):
                raise ApprovalError(f"{approver} already approved {req.id}; it needs {req.required} distinct "
                                    "approvers — another person must approve it")
            if self._add_approval(con, req, approver, channel, now) >= (req.required or 1):
                self._grant(con, req, scope, now, now + valid_seconds(req, scope, minutes))
            return self._by_id(con, req.id)

        req = self._tx(tx)
        need = (req.required or 1) - len(req.approvers)
        self.record("approve", req, approver=approver, channel=channel,
                    note=(f"{scope}" + (f" for {minutes:g} min" if minutes and scope != ONCE else "")
                          if req.state == APPROVED else f"{need} more approver(s) needed"))
        return req

    def reject(self, request_id, approver, channel, reason) -> Request:
        self.expire_due()
        now = time.time()
        from ..redact import redact

        reason = redact(str(reason or ""))[:500]

        def tx(con):
            req = self._decidable(con, request_id)
            self._add_rejection(con, req, approver, channel, now, reason)
            return self._by_id(con, req.id)

        req = self._tx(tx)
        self.record("reject", req, approver=approver, channel=channel, note=reason)
        return req

    def _decidable(self, con, request_id) -> Request:
        rid = normalize_id(request_id)
        req = self._lock_request(con, rid) if rid else None
        if req is None:
            raise ApprovalError(f"no approval request {str(request_id)[:40]!r} (see `interlock approvals`)")
        if req.state != PENDING:
            raise ApprovalError(f"{req.id} is already {req.state}; an agent must file a new request")
        if req.expires <= time.time():
            raise ApprovalError(f"{req.id} has expired")
        return req

    def expire_due(self) -> list[Request]:
        """Mark every request past its expiry ``expired`` (expired = denied)."""
        due = self._expire(time.time())
        for r, was in due:
            self.record("expire", r, channel="clock", timed_out=(was == PENDING),
                        note="not approved in time: denied" if was == PENDING else "approval window ended")
        return [r for r, _ in due]

    def wait(self, request_id, timeout_s, poll_s=0.25) -> Request | None:
        """Poll until the request is no longer pending or ``timeout_s`` passes."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            req = self.get(request_id)
            if req is None or req.state != PENDING or time.monotonic() >= deadline:
                return req
            time.sleep(min(poll_s, max(0.01, deadline - time.monotonic())))

    def record(self, event, req: Request, *, approver=None, channel=None, note=None, **more):
        """Write one approval event to the audit log (raises on failure: callers fail closed)."""
        from ..actions import Decision
        from ..audit import open_log
        from ..policy import state_dir

        verdict = {"create": req.decision or "ask", "approve": "allow" if req.state == APPROVED else "ask",
                   "consume": "allow", "reject": "deny", "expire": "deny"}.get(event, "deny")
        reasons = [f"approval {req.id}: {event}" + (f" by {approver}" if approver else "")
                   + (f" via {channel}" if channel else "") + (f" ({note})" if note else "")]
        d = Decision(verdict, req.severity or "opaque", req.findings_objects(), reasons)
        extra = {"approval": {"event": event, "id": req.id, "state": req.state, "mode": req.mode,
                              "approver": approver, "channel": channel, "required": req.required,
                              "approvers": req.approvers, "scope": req.scope, "note": note, **more}}
        # a human's verdict is the human's record (agent "human", as approvers' own events are), not the
        # agent's: it must not read as the agent's own allow
        who = "human" if event in HUMAN_EVENTS else req.agent
        open_log(state_dir(self.env), self.env).append(action=req.action or "", decision=d, agent=who,
                                                       session=req.session, cwd=req.cwd, tool=req.tool,
                                                       digest=req.digest, extra=extra)


#: Approval events a human causes (recorded under agent ``human``, not the agent that asked).
HUMAN_EVENTS = ("approve", "reject")


def new_row(*, digest, action, findings, decision, severity, mode, required, now, expiry_minutes) -> dict:
    """A new pending request's columns (all but ``id``), redacted."""
    from ..redact import redact
    from .describe import describe, redact_whole  # the whole action (Write content, Edit diff, MCP arguments), never cut

    env_ = next((f.get("environment") for f in findings if f.get("environment")), None)
    target = next((f.get("target") for f in findings if f.get("target")), None)
    return {"digest": digest, "state": PENDING, "mode": mode, "created": now,
            "expires": now + expiry_minutes * 60, "agent": action.agent, "session": action.session,
            "workspace": action.workspace, "cwd": action.cwd, "tool": action.tool, "kind": action.kind,
            "action": redact_whole(describe(action)), "decision": decision.decision, "severity": severity,
            "rules": json.dumps(sorted({f["rule"] for f in findings})),
            "findings": json.dumps(redact(findings), ensure_ascii=False),
            "reasons": json.dumps(redact(decision.reasons), ensure_ascii=False),
            "environment": env_, "target": redact(str(target)) if target else None,
            "required": int(required), "uses": 0}


def check_scope(req: Request, scope):
    """Refuse a window or session approval the request may not have: catastrophic or credential
    findings are approved once only; a session approval only for a low-risk in-workspace ask."""
    if scope in (ONCE, ONCE_ANY):
        return
    why = not_reusable(req)
    if why:
        raise ApprovalError(f"{req.id} {why}: approve it once instead")
    sevs = {f.get("severity") for f in req.findings}
    if sevs & set(NEVER_REUSED) or req.severity in NEVER_REUSED:
        raise ApprovalError(f"{req.id} is {req.severity}: it can only be approved once, "
                            "never for a time window or a session")
    if scope == SESSION:
        if not req.session:
            raise ApprovalError(f"{req.id} carries no agent session id: approve it once instead")
        if req.decision != "ask" or any(f.get("environment") == "prod" for f in req.findings):
            raise ApprovalError(f"{req.id} is not a low-risk ask: a session approval is only for "
                                "repeated in-workspace asks, not for denials or prod")


def not_reusable(req: Request) -> str | None:
    """Why a window or session grant would be a blank check for this request (None: it would not):
    an opaque action (Interlock cannot tell what it does) or inputs that could not be bound."""
    sevs = {f.get("severity") for f in req.findings or []} | {req.severity}
    if "opaque" in sevs:
        return "is opaque (Interlock cannot tell what it does, so what runs next time may differ)"
    for f in req.findings or []:
        if isinstance(f, dict) and isinstance(f.get("bound"), dict) and f["bound"].get("unbound"):
            return f"has inputs Interlock could not bind ({f['bound']['unbound']})"
    return None


def valid_seconds(req: Request, scope, minutes) -> float:
    """How long a grant holds: ``minutes`` for a window or session (an hour when not given); a
    single-use approval as long as the request could have waited."""
    return (minutes * 60 if scope not in (ONCE, ONCE_ANY) and minutes else
            (req.expires - req.created) if scope in (ONCE, ONCE_ANY) else 3600)


# --- SQLite ------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    state TEXT NOT NULL,
    mode TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    agent TEXT, session TEXT, workspace TEXT, cwd TEXT, tool TEXT, kind TEXT,
    action TEXT NOT NULL,
    decision TEXT, severity TEXT, rules TEXT, findings TEXT, reasons TEXT,
    environment TEXT, target TEXT,
    required INTEGER NOT NULL DEFAULT 1,
    scope TEXT, valid_until REAL, decided REAL, reason TEXT,
    uses INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_digest ON requests(digest, state);
CREATE INDEX IF NOT EXISTS requests_state ON requests(state, expires);
CREATE TABLE IF NOT EXISTS votes (
    request_id TEXT NOT NULL REFERENCES requests(id),
    approver TEXT NOT NULL,
    verdict TEXT NOT NULL,
    channel TEXT,
    ts REAL NOT NULL,
    PRIMARY KEY (request_id, approver)
);
"""
_JSON = ("rules", "findings", "reasons")


def db_path(env) -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(env), "approvals.db")


class SQLiteStore(ApprovalStore):
    """``$INTERLOCK_HOME/approvals.db``: WAL, a busy timeout, private to the user."""

    def __init__(self, env=None, path=None):
        super().__init__(env)
        self.path = path or db_path(self.env)

    def _connect(self):
        import sqlite3

        d = os.path.dirname(self.path)
        os.makedirs(d, mode=0o700, exist_ok=True)
        if not os.path.exists(self.path):
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        con = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        con.execute("PRAGMA busy_timeout=5000")
        if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executescript(_SCHEMA)
        return con

    def _tx(self, fn):
        """Run ``fn(con)`` in one immediate transaction; returns its result."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                out = fn(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return out
        finally:
            con.close()

    @staticmethod
    def _row(con, row) -> Request:
        names = Request.FIELDS
        d = dict(zip(names, row))
        for k in _JSON:
            d[k] = json.loads(d[k]) if d.get(k) else []
        d["votes"] = con.execute("SELECT approver, verdict, channel, ts FROM votes WHERE request_id = ? "
                                 "ORDER BY ts", (d["id"],)).fetchall()
        return Request(**d)

    def _select(self, con, where, args=()) -> list[Request]:
        cols = ",".join(Request.FIELDS)
        return [self._row(con, r) for r in con.execute(f"SELECT {cols} FROM requests WHERE {where}", args)]

    # --- reading --------------------------------------------------------------------------------
    def get(self, request_id):
        rid = normalize_id(request_id)
        if rid is None:
            return None
        self.expire_due()
        con = self._connect()
        try:
            got = self._select(con, "id = ?", (rid,))
            return got[0] if got else None
        finally:
            con.close()

    def pending(self):
        self.expire_due()
        con = self._connect()
        try:
            return self._select(con, "state = ? ORDER BY created", (PENDING,))
        finally:
            con.close()

    def recent(self, limit=50):
        self.expire_due()
        con = self._connect()
        try:
            return self._select(con, "1=1 ORDER BY created DESC LIMIT ?", (int(limit),))
        finally:
            con.close()

    def _by_id(self, con, rid):
        got = self._select(con, "id = ?", (rid,))
        return got[0] if got else None

    _lock_request = _by_id  # BEGIN IMMEDIATE already holds the database's write lock

    # --- the hook's side --------------------------------------------------------------------------
    def _open_for(self, con, digest, rejected_since):
        got = self._select(con, "digest = ? AND (state = ? OR (state = ? AND decided >= ?)) "
                                "ORDER BY created DESC LIMIT 1", (digest, PENDING, REJECTED, rejected_since))
        return got[0] if got else None

    def _insert(self, con, row):
        row = dict(row)
        for _ in range(8):
            row["id"] = new_id()
            if not con.execute("SELECT 1 FROM requests WHERE id = ?", (row["id"],)).fetchone():
                break
        else:
            raise ApprovalError("could not pick a fresh approval id")
        con.execute(f"INSERT INTO requests ({','.join(row)}) VALUES ({','.join('?' * len(row))})",
                    list(row.values()))
        return self._by_id(con, row["id"])

    def _approved_for(self, con, digest, now):
        return self._select(con, "digest = ? AND state = ? AND valid_until > ? ORDER BY decided",
                            (digest, APPROVED, now))

    def _add_use(self, con, req):
        con.execute("UPDATE requests SET uses = uses + 1 WHERE id = ?", (req.id,))
        return (req.uses or 0) + 1

    def _consume(self, con, req):
        cur = con.execute("UPDATE requests SET state = ?, uses = uses + 1 WHERE id = ? AND state = ?",
                          (CONSUMED, req.id, APPROVED))
        return (req.uses or 0) + 1 if cur.rowcount == 1 else None

    # --- the approver's side ------------------------------------------------------------------------
    def _add_approval(self, con, req, approver, channel, now):
        con.execute("INSERT INTO votes (request_id, approver, verdict, channel, ts) VALUES (?, ?, ?, ?, ?)",
                    (req.id, approver, "approve", channel, now))
        return con.execute("SELECT COUNT(DISTINCT approver) FROM votes WHERE request_id = ? AND verdict = ?",
                           (req.id, "approve")).fetchone()[0]

    def _grant(self, con, req, scope, now, valid_until):
        con.execute("UPDATE requests SET state = ?, scope = ?, decided = ?, valid_until = ? "
                    "WHERE id = ? AND state = ?", (APPROVED, scope, now, valid_until, req.id, PENDING))

    def _add_rejection(self, con, req, approver, channel, now, reason):
        con.execute("INSERT OR REPLACE INTO votes (request_id, approver, verdict, channel, ts) "
                    "VALUES (?, ?, ?, ?, ?)", (req.id, approver, "reject", channel, now))
        con.execute("UPDATE requests SET state = ?, decided = ?, reason = ? WHERE id = ? AND state = ?",
                    (REJECTED, now, reason, req.id, PENDING))

    # --- expiry ---------------------------------------------------------------------------------------
    def _expire(self, now):
        def tx(con):
            due = self._select(con, "(state = ? AND expires <= ?) OR (state = ? AND valid_until <= ?)",
                               (PENDING, now, APPROVED, now))
            out = []
            for r in due:
                con.execute("UPDATE requests SET state = ? WHERE id = ?", (EXPIRED, r.id))
                out.append((r, r.state))
                r.state = EXPIRED
            return out

        con = self._connect()  # cheap check first: nothing due is the common case
        try:
            if not con.execute("SELECT 1 FROM requests WHERE (state = ? AND expires <= ?) OR "
                               "(state = ? AND valid_until <= ?) LIMIT 1", (PENDING, now, APPROVED, now)).fetchone():
                return []
        finally:
            con.close()
        return self._tx(tx)


def open_store(env=None) -> ApprovalStore:
    """The store ``INTERLOCK_STORE`` names: unset or ``sqlite:///path`` → SQLite; other
    schemes are refused (fail closed) until their backend is installed."""
    env = os.environ if env is None else env
    spec = (env.get("INTERLOCK_STORE") or "").strip()
    if not spec:
        return SQLiteStore(env)
    if spec.startswith("sqlite:///"):
        return SQLiteStore(env, path=spec[len("sqlite://"):])
    scheme = spec.split(":", 1)[0]
    backends = {"postgresql": "interlock.approvals.store_pg", "postgres": "interlock.approvals.store_pg"}
    if scheme in backends:
        import importlib

        try:
            mod = importlib.import_module(backends[scheme])
        except ImportError:
            raise ApprovalError(f"INTERLOCK_STORE uses {scheme}, but that backend is not installed") from None
        return mod.open_store(spec, env)
    raise ApprovalError(f"INTERLOCK_STORE: unsupported store {scheme!r} (use sqlite:///PATH or postgresql://…)")
