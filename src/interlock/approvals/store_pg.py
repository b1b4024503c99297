"""A team's shared approval queue, approvers and audit chain on PostgreSQL (``INTERLOCK_STORE=postgresql://…``).

Many machines, CI runners and background agents point at one database; each keeps its own
``$INTERLOCK_HOME`` for policy caches and the local head of the audit chain.  Everything
lives in the schema ``interlock``, created on first use:

* ``requests``, ``votes`` — the same rows and life as ``SQLiteStore`` (``store.py``); one vote
  per (request, approver), so the two-person rule counts people, not clicks;
* ``approvers`` — named approvers and their scrypt hashes, shared so that a name means the
  same person on every machine (``approvers.py`` reads them here in team mode);
* ``audit_records`` — one hash-chained log (same record hash as ``audit.py``); appends are
  serialised by a table lock, and a trigger refuses UPDATE, DELETE and TRUNCATE.

The password comes from the URL, ``PGPASSWORD``, ``PGPASSFILE``/``~/.pgpass`` or — best,
out of the agent's reach — ``$INTERLOCK_HOME/pgpass``.  It never appears in output: every
error names the store by its redacted URL.  psycopg is imported only here, and this module
only when ``INTERLOCK_STORE`` names PostgreSQL: the default SQLite path never loads it.
"""

from __future__ import annotations

import json
import os
import threading
import time

from . import APPROVED, CONSUMED, EXPIRED, PENDING, REJECTED, ApprovalError
from .store import ApprovalStore, Request, new_id, normalize_id

SCHEMA = "interlock"
CONNECT_TIMEOUT_S = 3       # libpq's minimum useful value is 2
STATEMENT_TIMEOUT_MS = 10_000
CHANNEL = "interlock_approvals"  # NOTIFY channel: a request was decided (payload: its id)

_DDL = """
CREATE SCHEMA IF NOT EXISTS interlock;
CREATE TABLE IF NOT EXISTS interlock.requests (
    id text PRIMARY KEY,
    digest text NOT NULL,
    state text NOT NULL,
    mode text NOT NULL,
    created double precision NOT NULL,
    expires double precision NOT NULL,
    agent text, session text, workspace text, cwd text, tool text, kind text,
    action text NOT NULL,
    decision text, severity text, rules text, findings text, reasons text,
    environment text, target text,
    required integer NOT NULL DEFAULT 1,
    scope text, valid_until double precision, decided double precision, reason text,
    uses integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_digest ON interlock.requests (digest, state);
CREATE INDEX IF NOT EXISTS requests_state ON interlock.requests (state, expires);
CREATE TABLE IF NOT EXISTS interlock.votes (
    request_id text NOT NULL REFERENCES interlock.requests (id),
    approver text NOT NULL,
    verdict text NOT NULL,
    channel text,
    ts double precision NOT NULL,
    PRIMARY KEY (request_id, approver)
);
CREATE TABLE IF NOT EXISTS interlock.approvers (
    name text PRIMARY KEY,
    record text NOT NULL
);
CREATE TABLE IF NOT EXISTS interlock.audit_records (
    seq bigint PRIMARY KEY,
    ts double precision NOT NULL,
    agent text, session text, cwd text, tool text,
    action text NOT NULL,
    digest text,
    decision text NOT NULL,
    severity text,
    rules text,
    reasons text,
    findings text,
    extra text,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_ts ON interlock.audit_records (ts);
ALTER TABLE interlock.audit_records ADD COLUMN IF NOT EXISTS mac text, ADD COLUMN IF NOT EXISTS mac_key text;
CREATE OR REPLACE FUNCTION interlock.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_records_no_change'
                   AND tgrelid = 'interlock.audit_records'::regclass) THEN
        CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON interlock.audit_records
            FOR EACH ROW EXECUTE FUNCTION interlock.audit_append_only();
        CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON interlock.audit_records
            FOR EACH STATEMENT EXECUTE FUNCTION interlock.audit_append_only();
    END IF;
END $$;
"""
_SCHEMA_LOCK = 0x1A7E_710C  # advisory lock key: one process creates the schema at a time
_JSON = ("rules", "findings", "reasons")


class StoreUnavailable(ApprovalError):
    """The shared store cannot be reached or refused an operation (the message is redacted)."""


def display(spec: str) -> str:
    """The store's URL as it may be shown: password masked, query string dropped."""
    from ..redact import redact

    return redact(spec.split("?", 1)[0])


def _wrap(spec, e) -> StoreUnavailable:
    from ..redact import redact

    msg = " ".join(redact(str(e)).split())[:300]
    return StoreUnavailable(f"the shared store {display(spec)} failed: {type(e).__name__}: {msg}")


# --- connections ----------------------------------------------------------------------------------------

_CONNS = {}       # (spec, passfile, thread id) -> connection: one per thread, reused across calls
_READY = set()    # specs whose schema this process has checked


def _passfile(env):
    """``$INTERLOCK_HOME/pgpass`` when present (and PGPASSFILE is not set): the team's store password
    kept where the agent may not read it (rule interlock.approvals-store)."""
    if env.get("PGPASSFILE"):
        return None
    from ..policy import state_dir

    p = os.path.join(state_dir(env), "pgpass")
    return p if os.path.exists(p) else None


def _password_kw(spec, env, passfile):
    """Where libpq finds the password, beyond the URL: our passfile, and PGPASSWORD from an ``env``
    that is not the process environment (libpq reads only that one itself)."""
    kw = {"passfile": passfile} if passfile else {}
    if env is not os.environ and env.get("PGPASSWORD"):
        from psycopg.conninfo import conninfo_to_dict

        if not conninfo_to_dict(spec).get("password"):
            kw["password"] = env["PGPASSWORD"]
    return kw


def connect(spec, env):
    """A live autocommit connection to the store (cached per thread), schema ensured.  Raises
    ``StoreUnavailable`` with a redacted message."""
    try:
        import psycopg
    except ImportError:
        raise StoreUnavailable("INTERLOCK_STORE names PostgreSQL, but psycopg is not installed "
                               "(pip install 'interlock[databases]')") from None
    passfile = _passfile(env)
    key = (spec, passfile, threading.get_ident())
    con = _CONNS.get(key)
    if con is not None and not con.closed and con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return con
    if con is not None:
        _CONNS.pop(key, None)
        try:
            con.close()
        except Exception:
            pass
    kw = {"connect_timeout": int(env.get("INTERLOCK_STORE_TIMEOUT") or CONNECT_TIMEOUT_S),
          "application_name": "interlock", "autocommit": True,
          "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={STATEMENT_TIMEOUT_MS}"}
    kw.update(_password_kw(spec, env, passfile))
    try:
        con = psycopg.connect(spec, **kw)
        if spec not in _READY:
            _ensure_schema(con)
            _READY.add(spec)
    except psycopg.Error as e:
        raise _wrap(spec, e) from None
    _CONNS[key] = con
    return con


def _ensure_schema(con):
    row = con.execute("SELECT to_regclass('interlock.audit_records'), to_regclass('interlock.approvers'), "
                      "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'interlock' "
                      "AND table_name = 'audit_records' AND column_name = 'mac_key')").fetchone()
    if row[0] is not None and row[1] is not None and row[2]:
        return  # (a store made by an older Interlock gets the MAC columns below, once)
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        con.execute(_DDL)


def close_all():
    for con in list(_CONNS.values()):
        try:
            con.close()
        except Exception:
            pass
    _CONNS.clear()


# --- the approval store ---------------------------------------------------------------------------------

class PostgresStore(ApprovalStore):
    """``ApprovalStore`` on a shared PostgreSQL database: same states, same refusals as SQLite."""

    def __init__(self, spec, env=None):
        super().__init__(env)
        self.spec = spec

    def __repr__(self):
        return f"PostgresStore({display(self.spec)})"

    def _run(self, fn, tx=True):
        """``fn(con)`` in one transaction (or autocommit); psycopg errors become ``StoreUnavailable``.
        A kept connection the server dropped (a restart, an idle timeout) is replaced once: every
        operation here is safe to repeat (a repeated redeem finds the approval used, a repeated
        vote is refused, a repeated filing finds its own request)."""
        import psycopg

        for attempt in (1, 2):
            con = connect(self.spec, self.env)
            try:
                if not tx:
                    return fn(con)
                with con.transaction():
                    return fn(con)
            except psycopg.OperationalError as e:
                if attempt == 1 and con.broken:
                    continue
                raise _wrap(self.spec, e) from None
            except psycopg.Error as e:
                raise _wrap(self.spec, e) from None

    @staticmethod
    def _select(con, where, args=()) -> list[Request]:
        cols = ",".join(Request.FIELDS)
        rows = con.execute(f"SELECT {cols} FROM interlock.requests WHERE {where}", args).fetchall()
        out = [dict(zip(Request.FIELDS, r)) for r in rows]
        votes = {}
        if out:
            for rid, a, v, c, t in con.execute("SELECT request_id, approver, verdict, channel, ts FROM interlock.votes "
                                               "WHERE request_id = ANY(%s) ORDER BY ts", ([d["id"] for d in out],)):
                votes.setdefault(rid, []).append((a, v, c, t))
        for d in out:
            for k in _JSON:
                d[k] = json.loads(d[k]) if d.get(k) else []
            d["votes"] = votes.get(d["id"], [])
        return [Request(**d) for d in out]

    # --- reading --------------------------------------------------------------------------------
    def get(self, request_id):
        rid = normalize_id(request_id)
        if rid is None:
            return None
        self.expire_due()
        got = self._run(lambda con: self._select(con, "id = %s", (rid,)), tx=False)
        return got[0] if got else None

    def pending(self):
        self.expire_due()
        return self._run(lambda con: self._select(con, "state = %s ORDER BY created", (PENDING,)), tx=False)

    def recent(self, limit=50):
        self.expire_due()
        return self._run(lambda con: self._select(con, "true ORDER BY created DESC LIMIT %s", (int(limit),)),
                         tx=False)

    def _tx(self, fn):
        return self._run(fn)

    def _by_id(self, con, rid):
        got = self._select(con, "id = %s", (rid,))
        return got[0] if got else None

    def _lock_request(self, con, rid):
        # the row lock serialises approvers voting at once (each then counts the other's vote)
        if not con.execute("SELECT id FROM interlock.requests WHERE id = %s FOR UPDATE", (rid,)).fetchone():
            return None
        return self._by_id(con, rid)

    # --- the hook's side --------------------------------------------------------------------------
    def _open_for(self, con, digest, rejected_since):
        # machines filing the identical action at once get one request
        con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (digest,))
        got = self._select(con, "digest = %s AND (state = %s OR (state = %s AND decided >= %s)) "
                                "ORDER BY created DESC LIMIT 1", (digest, PENDING, REJECTED, rejected_since))
        return got[0] if got else None

    def _insert(self, con, row):
        cols, marks = ",".join(row) + ",id", ",".join(["%s"] * (len(row) + 1))
        for _ in range(8):
            cur = con.execute(f"INSERT INTO interlock.requests ({cols}) VALUES ({marks}) "
                              "ON CONFLICT (id) DO NOTHING RETURNING id", list(row.values()) + [new_id()])
            got = cur.fetchone()
            if got:
                return self._by_id(con, got[0])
        raise ApprovalError("could not pick a fresh approval id")

    def _approved_for(self, con, digest, now):
        # FOR UPDATE: racing redeemers of a single-use approval queue here; the first consumes it,
        # the others then find it no longer approved
        ids = [r[0] for r in con.execute("SELECT id FROM interlock.requests WHERE digest = %s AND state = %s "
                                         "AND valid_until > %s ORDER BY decided FOR UPDATE",
                                         (digest, APPROVED, now))]
        return self._select(con, "id = ANY(%s) ORDER BY decided", (ids,)) if ids else []

    def _add_use(self, con, req):
        return con.execute("UPDATE interlock.requests SET uses = uses + 1 WHERE id = %s RETURNING uses",
                           (req.id,)).fetchone()[0]

    def _consume(self, con, req):
        got = con.execute("UPDATE interlock.requests SET state = %s, uses = uses + 1 "
                          "WHERE id = %s AND state = %s AND uses = 0 RETURNING uses",
                          (CONSUMED, req.id, APPROVED)).fetchone()
        return got[0] if got else None

    # --- the approver's side ------------------------------------------------------------------------
    def _add_approval(self, con, req, approver, channel, now):
        con.execute("INSERT INTO interlock.votes (request_id, approver, verdict, channel, ts) "
                    "VALUES (%s, %s, %s, %s, %s)", (req.id, approver, "approve", channel, now))
        return con.execute("SELECT COUNT(DISTINCT approver) FROM interlock.votes WHERE request_id = %s "
                           "AND verdict = %s", (req.id, "approve")).fetchone()[0]

    def _grant(self, con, req, scope, now, valid_until):
        con.execute("UPDATE interlock.requests SET state = %s, scope = %s, decided = %s, valid_until = %s "
                    "WHERE id = %s AND state = %s", (APPROVED, scope, now, valid_until, req.id, PENDING))
        con.execute("SELECT pg_notify(%s, %s)", (CHANNEL, req.id))

    def _add_rejection(self, con, req, approver, channel, now, reason):
        con.execute("INSERT INTO interlock.votes (request_id, approver, verdict, channel, ts) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (request_id, approver) DO UPDATE "
                    "SET verdict = EXCLUDED.verdict, channel = EXCLUDED.channel, ts = EXCLUDED.ts",
                    (req.id, approver, "reject", channel, now))
        con.execute("UPDATE interlock.requests SET state = %s, decided = %s, reason = %s "
                    "WHERE id = %s AND state = %s", (REJECTED, now, reason, req.id, PENDING))
        con.execute("SELECT pg_notify(%s, %s)", (CHANNEL, req.id))

    # --- expiry and waiting ---------------------------------------------------------------------------
    def _expire(self, now):
        def tx(con):
            ids = []
            for was, col in ((PENDING, "expires"), (APPROVED, "valid_until")):
                cur = con.execute(f"UPDATE interlock.requests SET state = %s WHERE state = %s AND {col} <= %s "
                                  "RETURNING id", (EXPIRED, was, now))
                ids += [(r[0], was) for r in cur]
            if not ids:
                return []
            got = {r.id: r for r in self._select(con, "id = ANY(%s)", ([i for i, _ in ids],))}
            return [(got[i], was) for i, was in ids if i in got]

        return self._run(tx)

    def wait(self, request_id, timeout_s, poll_s=1.0):
        """Until the request is decided or ``timeout_s`` passes: woken by NOTIFY from whichever
        machine decides it, re-checked at least every ``poll_s`` (expiry has no notification)."""
        import psycopg

        deadline = time.monotonic() + max(0.0, timeout_s)
        try:
            lcon = psycopg.connect(self.spec, **_listen_kw(self.spec, self.env))
        except psycopg.Error:
            return super().wait(request_id, timeout_s, poll_s=0.25)  # polling still answers
        try:
            lcon.execute(f"LISTEN {CHANNEL}")
            while True:
                req = self.get(request_id)
                left = deadline - time.monotonic()
                if req is None or req.state != PENDING or left <= 0:
                    return req
                for _ in lcon.notifies(timeout=min(poll_s, left), stop_after=1):
                    pass
        except psycopg.Error as e:
            raise _wrap(self.spec, e) from None
        finally:
            lcon.close()

    # --- approvers, shared by every machine -----------------------------------------------------------
    def approvers_load(self) -> dict:
        rows = self._run(lambda con: con.execute("SELECT name, record FROM interlock.approvers").fetchall(),
                         tx=False)
        return {n: json.loads(r) for n, r in rows}

    def approver_add(self, name, record) -> bool:
        """False when the name exists already."""
        return self._run(lambda con: con.execute("INSERT INTO interlock.approvers (name, record) VALUES (%s, %s) "
                                                 "ON CONFLICT (name) DO NOTHING RETURNING name",
                                                 (name, json.dumps(record, sort_keys=True))).fetchone()) is not None

    def approver_remove(self, name) -> bool:
        return self._run(lambda con: con.execute("DELETE FROM interlock.approvers WHERE name = %s RETURNING name",
                                                 (name,)).fetchone()) is not None


def _listen_kw(spec, env):
    return dict(_password_kw(spec, env, _passfile(env)), autocommit=True, application_name="interlock-wait",
                connect_timeout=int(env.get("INTERLOCK_STORE_TIMEOUT") or CONNECT_TIMEOUT_S))


# --- the shared audit chain -------------------------------------------------------------------------------

SHARED_KEY_FILE = "audit-shared.key"


class PostgresAuditLog:
    """``AuditLog``'s interface on ``interlock.audit_records``: one chain for every machine.

    Appends take an EXCLUSIVE table lock inside their transaction (readers go on; writers queue),
    so each record follows exactly the one before it whichever machine wrote it.  Each machine
    also keeps the newest (seq, hash) it wrote in ``$INTERLOCK_HOME/audit-shared.head``: a chain
    rewritten from that record on — even consistently, by someone who can drop the trigger — no
    longer matches what this machine saw.

    Like the local log, each record carries a MAC of its hash (``mac``) under a key only the
    machine that wrote it holds (``$INTERLOCK_HOME/audit-shared.key``, 0600 — in system mode the
    service's), named by ``mac_key`` (the key's fingerprint).  A machine checks the MACs of every
    record it wrote; since each hash covers the whole chain before it, rewriting any earlier record
    — and re-hashing, even with the heads files edited — breaks them.  From the first MAC'd record
    on, every record must carry one (a stripped MAC is a rewrite; machines with an Interlock older
    than the MACs must be upgraded)."""

    def __init__(self, spec, env, state_dir):
        self.spec = spec
        self.env = env
        self.state_dir = state_dir
        self.path = f"{display(spec)} (table interlock.audit_records)"
        self.head_path = os.path.join(state_dir, "audit-shared.head")
        self.key_path = os.path.join(state_dir, SHARED_KEY_FILE)

    def _key(self, create=False):
        """(key, fingerprint) of this machine, or None when it has none yet."""
        from ..audit import _make_key, _read_key
        from ..actions import sha256_hex

        key = _read_key(self.key_path)
        if key is None and create:
            os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
            key = _make_key(self.key_path, 1)
        return (key[0], sha256_hex(key[0])[:16]) if key else None

    def _con(self):
        return connect(self.spec, self.env)

    def append(self, *, action, decision, agent=None, session=None, cwd=None, tool=None, digest=None,
               extra=None, keep=False) -> dict:
        import psycopg

        from ..audit import GENESIS, build_record

        from ..audit import record_mac

        key, kid = self._key(create=True)  # no key, no record: an unsigned record would fail every verify
        con = self._con()
        try:
            with con.transaction():
                con.execute("LOCK TABLE interlock.audit_records IN EXCLUSIVE MODE")
                row = con.execute("SELECT seq, hash FROM interlock.audit_records ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                rec = build_record(seq, prev, action=action, decision=decision, agent=agent, session=session,
                                   cwd=cwd, tool=tool, digest=digest, extra=extra)
                rec["mac"], rec["mac_key"] = record_mac(key, rec["hash"]), kid
                cols = ",".join(rec)
                con.execute(f"INSERT INTO interlock.audit_records ({cols}) VALUES ({','.join(['%s'] * len(rec))})",
                            list(rec.values()))
        except psycopg.Error as e:
            raise _wrap(self.spec, e) from None
        from ..audit import write_head

        write_head(self.head_path, seq, rec["hash"])
        return rec

    def records(self, *, decision=None, since=None, session=None, limit=50):
        import psycopg

        from ..audit import records_query

        try:
            cur = self._con().execute(*records_query("interlock.audit_records", "%s", decision=decision, since=since,
                                                     session=session, limit=limit))
            names = [c.name for c in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()][::-1]
        except psycopg.Error as e:
            raise _wrap(self.spec, e) from None

    def trail(self, request_id, limit=500):
        """(seq, ts, agent, decision, severity, reasons, extra, tool) of the records naming one request
        (the dashboard's audit trail), oldest first."""
        import psycopg

        try:
            return self._con().execute(
                "SELECT seq, ts, agent, decision, severity, reasons, extra, tool FROM interlock.audit_records "
                "WHERE extra LIKE %s OR reasons LIKE %s ORDER BY seq LIMIT %s",
                (f'%"id": "{request_id}"%', f"%{request_id}%", limit)).fetchall()  # ids: [a-z0-9-] only
        except psycopg.Error as e:
            raise _wrap(self.spec, e) from None

    def verify(self, anchor=None):
        """(ok, count, problem or None): the whole shared chain, the MACs of this machine's records,
        then this machine's head.  ``anchor``: (seq, hash) posted off the machine earlier."""
        import psycopg

        from ..audit import _mac_ok, check_chain

        try:
            key = self._key()
        except OSError as e:
            return False, 0, str(e)
        problems = []
        signed = [False]

        def macs(rows):  # checked while check_chain walks the same rows: one pass over a long chain
            for r in rows:
                if not problems:
                    if r.get("mac"):
                        signed[0] = True
                        if key is not None and r.get("mac_key") == key[1] and not _mac_ok(key[0], r):
                            problems.append(f"record {r['seq']}: its MAC does not match (edited and re-hashed "
                                            "without the key of the machine that wrote it)")
                    elif signed[0]:
                        problems.append(f"record {r['seq']}: carries no MAC after signed records (its MAC was "
                                        "stripped, or a machine runs an Interlock older than the MACs)")
                    if anchor is not None and r["seq"] == int(anchor[0]) and r["hash"] != str(anchor[1]):
                        problems.append(f"record {r['seq']}: does not match the anchored head (history was "
                                        "rewritten)")
                yield r

        try:
            con = self._con()
            with con.transaction():  # one snapshot: appends during the walk are not half-seen
                con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur = con.cursor(name="interlock_verify")  # server-side: the chain may be long
                cur.itersize = 2000
                cur.execute("SELECT * FROM interlock.audit_records ORDER BY seq")
                rows = (dict(zip([c.name for c in cur.description], r)) for r in cur)
                hseq, hhash = self._head()
                ok, n, problem, _, pinned = check_chain(macs(rows), keep_seq=hseq)
        except psycopg.Error as e:
            raise _wrap(self.spec, e) from None
        if not ok:
            return ok, n, problem
        if problems:
            return False, n, problems[0]
        if anchor is not None and int(anchor[0]) > n:
            return False, n, f"record {anchor[0]} (anchored) is missing: the log was cut"
        if hseq:
            if hseq > n:
                return False, n, (f"the shared log ends at record {n} but this machine wrote record {hseq}: "
                                  "newest records deleted")
            if pinned != hhash:
                return False, n, f"record {hseq}: does not match the record this machine wrote (chain rewritten)"
        return True, n, None

    def _head(self):
        try:
            with open(self.head_path) as f:
                s, h = f.read().split()
            return int(s), h
        except (OSError, ValueError):
            return 0, None


def open_store(spec, env=None) -> PostgresStore:
    return PostgresStore(spec, os.environ if env is None else env)


def open_log(spec, env, state_dir) -> PostgresAuditLog:
    return PostgresAuditLog(spec, env, state_dir)
