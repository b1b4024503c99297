"""PostgreSQL wire gateway (the protocol and the server): agents connect here instead of to the database; every statement is judged.

``interlock gateway postgres --listen 127.0.0.1:6432 --upstream NAME`` speaks the v3 protocol to
clients (psql, libpq, psycopg, asyncpg, pgbench, JDBC...) and logs in to the upstream named by
``[databases.NAME]`` in the policy with credentials from the vault, so the agent never holds them.

How a statement is judged: the text of each simple ``Query``, each extended-protocol ``Parse`` and
each ``FunctionCall`` (always refused: it names a function by OID, out of the analysis' sight)
becomes an ``Action(SQL)`` judged by ``engine.evaluate`` — the same analysis and policy as the
hooks.  ``allow`` forwards the bytes unchanged; ``ask`` files an approval (the hook's own flow,
``approvals.hook.handle``: impact preview, wait, redemption, snapshot before a destructive change);
``deny`` (or an unapproved ask) is *replaced* by a statement that makes the upstream raise
Interlock's ErrorResponse (SQLSTATE 42501).  Letting the server raise it keeps every response in
order behind pipelined messages, and leaves the transaction exactly as a failed statement would
(aborted inside a block; ``E``/``I`` in ReadyForQuery; extended mode discards until Sync).

Allowed decisions are cached per statement text and per *shape* (numbers replaced) when probes
prove the numbers do not matter, so ``WHERE aid = 17`` and ``WHERE aid = 42`` are judged once,
while ``WHERE id > 0`` (always true) never shares a verdict with ``WHERE id > 5``.

Framing is hand-written (no maintained asyncio framing library for a *proxy* exists on PyPI):
every length is bounds-checked, statements are capped, CopyData is streamed, unknown messages close
the connection with a protocol-violation error.  Server → client bytes pass through untouched after
login (BackendKeyData is replaced by the gateway's own key, so cancel requests come here).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
import ssl
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ..memo import remember
from ..redact import redact
from . import pgnative, pgvalues
from .pgsearchpath import _WORDS_ONLY, SearchPath, mention, mentions_search_path, startup_settings

SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST, PROTOCOL_3 = 80877103, 80877104, 80877102, 196608
MAX_STARTUP = 10_000                 # PostgreSQL's own limit for the startup packet
MAX_STATEMENT = 64 * 1024 * 1024     # a Query / Parse larger than this is refused (never forwarded unjudged)
MAX_MESSAGE = 1024 * 1024 * 1024 - 1  # PostgreSQL's own limit for any message
MAX_SMALL = 1024 * 1024              # Describe, Execute, Close, Sync, ...: tiny in practice
CLIENT_TYPES = frozenset(b"BCdcfDEHPQSXF")
_SMALL_TYPES = frozenset(b"CDEHSXcf")
#: client messages forwarded unchanged whatever the session's state (see Session._message): Describe, Execute,
#: Flush, Sync, CopyData, CopyDone, CopyFail; Bind and Close too while no prepared statement is replaced or deferred
_PASSING_NO_BIND = frozenset(b"DEHScdf")
_PASSING = _PASSING_NO_BIND | frozenset(b"BC")
_PASSING_UNGRANTED = frozenset(b"DHScdf")          # no Bind, Close or Execute: a grant may have to go before one
_HEAD_AT = struct.Struct("!BI").unpack_from      # (type, length) of the message at an offset
AGENT = "postgres-gateway"


_SP_EXTENDED = ("search_path may have been changed by a prepared statement (Parse/Bind/Execute): whether and when "
                "the server ran it is not followed")


class ProtocolError(Exception):
    """The peer broke the protocol: answered with an error, then the connection is closed."""


class GatewayConfigError(Exception):
    pass


# --- messages ----------------------------------------------------------------------------------

def _msg(t: bytes, body: bytes = b"") -> bytes:
    return t + struct.pack("!I", len(body) + 4) + body


def error_response(message: str, code: str = "42501", severity: str = "ERROR", detail: str | None = None,
                   hint: str | None = None) -> bytes:
    def f(k, v):
        return k + v.replace("\x00", " ").encode("utf-8", "replace") + b"\x00"
    body = f(b"S", severity) + f(b"V", severity) + f(b"C", code) + f(b"M", message)
    if detail:
        body += f(b"D", detail)
    if hint:
        body += f(b"H", hint)
    return _msg(b"E", body + b"\x00")


def _cstr(buf: bytes, pos: int) -> tuple[bytes, int]:
    end = buf.index(b"\x00", pos)  # ValueError → malformed
    return buf[pos:end], end + 1


def raise_statement(message: str, detail: str | None = None, hint: str | None = None) -> str:
    """A statement that makes the server raise Interlock's error (SQLSTATE 42501) in order."""
    tag = secrets.token_hex(6)
    outer, inner = f"$il_{tag}$", f"$m_{tag}$"

    def lit(s):
        s = s.replace(outer, "").replace(inner, "")[:4000]
        return f"{inner}{s}{inner}"
    opts = [f"ERRCODE = '42501'", f"MESSAGE = {lit(message)}"]
    if detail:
        opts.append(f"DETAIL = {lit(detail)}")
    if hint:
        opts.append(f"HINT = {lit(hint)}")
    return f"DO {outer}BEGIN RAISE EXCEPTION USING {', '.join(opts)}; END{outer}"


def parse_marker() -> tuple[bytes, str]:
    """(marker, statement): a statement whose *Parse* fails (an unknown-type literal is cast to integer
    during parse analysis) with an error that carries the marker.  The session swaps that ErrorResponse
    for Interlock's own (SQLSTATE 42501, reason, approval id), so extended-protocol clients (asyncpg's
    prepare, psycopg, JDBC) get the refusal at the Parse, in order, and never a statement whose
    parameters differ from the one they sent."""
    marker = "interlock-refusal-" + secrets.token_hex(12)
    return marker.encode(), f"SELECT '{marker}'::pg_catalog.int4"


# --- statement shapes: numbers replaced ------------------------------------------------------

_SHAPE_RE = re.compile(r"""'[^']*'|"[^"]*"|--[^\n]*|\$([A-Za-z_]\w*)?\$.*?\$\1\$|(?<![\w$.])(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)""",
                       re.S)


#: the number alternative of _SHAPE_RE alone (its look-behind moved after the first digit, so the engine
#: skips to digits: the same matches).  Without quotes, ``--``, ``$``, backslashes and block comments no other
#: alternative of _SHAPE_RE can match, so one C-level ``subn`` gives exactly what :func:`_shape_slow` gives
_NUMBER_RE = re.compile(r"\d(?<![\w$.]\d)\d*(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NUMBER_RE_RAW = re.compile(_NUMBER_RE.pattern.encode())   # on ASCII bytes: the same classes, the same matches
_DIGITS = b"0123456789"
_ZEROED_MAX, _ZEROED_TEXT_MAX = 10_000, 2048   # the memo holds short allowed statements only: at most ~40 MB
_ZERO_DIGITS = bytes.maketrans(_DIGITS, b"0" * 10)


def shape(text: str):
    """``text`` with every number outside strings, identifiers and comments replaced by ``?`` and the
    count of numbers replaced; None when the text is not simple enough to be sure (backslashes, block
    comments, unterminated quotes)."""
    if "'" in text or '"' in text or "$" in text or "\\" in text or "--" in text or "/*" in text:
        return _shape_slow(text)
    return _NUMBER_RE.subn("?", text)


def _shape_slow(text: str):
    if "\\" in text or "/*" in text or text.count("'") % 2 or text.count('"') % 2:
        return None
    n = 0

    def sub(m):
        nonlocal n
        if m.group(2) is None:
            return m.group(0)
        n += 1
        return "?"
    return _SHAPE_RE.sub(sub, text), n


_PARAM_RE = re.compile(r"""'[^']*'|"[^"]*"|--[^\n]*|\$([A-Za-z_]\w*)?\$.*?\$\1\$|\$(\d+)""", re.S)


def _param_probes(text: str):
    """``text`` with its ``$n`` parameters replaced by probe values (0, 1, increasing, decreasing)."""
    if not _PARAM_RE.search(text) or "$" not in text:
        return []
    nums = sorted({int(m.group(2)) for m in _PARAM_RE.finditer(text) if m.group(2)})
    if not nums:
        return []
    k = len(nums)
    out = []
    for vals in ([0] * k, [1] * k, list(range(1, k + 1)), list(range(k, 0, -1))):
        m = dict(zip(nums, vals))
        out.append(_PARAM_RE.sub(lambda x: x.group(0) if x.group(2) is None else str(m[int(x.group(2))]), text))
    return out


def _probe(text: str, values) -> str:
    it = iter(values)
    return _SHAPE_RE.sub(lambda m: m.group(0) if m.group(2) is None else str(next(it)), text)


# --- SCRAM-SHA-256 and md5 (client side, to the upstream) -----------------------------------------

def _hmac(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


class Scram:
    def __init__(self, password: str):
        self.password = password.encode("utf-8")
        self.nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"
        self.auth_message = b""
        self.salted = b""

    def first(self) -> bytes:
        return ("n,," + self.first_bare).encode()

    def final(self, server_first: bytes) -> bytes:
        attrs = dict(kv.split("=", 1) for kv in server_first.decode().split(",") if "=" in kv)
        r, s, i = attrs.get("r", ""), attrs.get("s", ""), int(attrs.get("i", "0"))
        if not r.startswith(self.nonce) or not s or not 0 < i <= 10_000_000:
            raise ProtocolError("upstream sent an invalid SCRAM challenge")
        self.salted = hashlib.pbkdf2_hmac("sha256", self.password, base64.b64decode(s), i)
        client_key = _hmac(self.salted, b"Client Key")
        stored = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={r}"
        self.auth_message = f"{self.first_bare},{server_first.decode()},{without_proof}".encode()
        proof = bytes(a ^ b for a, b in zip(client_key, _hmac(stored, self.auth_message)))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify(self, server_final: bytes):
        attrs = dict(kv.split("=", 1) for kv in server_final.decode().split(",") if "=" in kv)
        want = _hmac(_hmac(self.salted, b"Server Key"), self.auth_message)
        if not hmac.compare_digest(base64.b64decode(attrs.get("v", "")), want):
            raise ProtocolError("the upstream's SCRAM signature does not match (not the server we meant?)")


SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)


class ScramServer:
    """The server side of SCRAM-SHA-256 as PostgreSQL speaks it (RFC 5802 / 7677, no channel binding):
    the client proves it knows the gateway password without sending it."""

    def __init__(self, secret):
        self.salt, self.iterations, self.stored_key, self.server_key = secret
        self.nonce = ""
        self.first_bare = self.server_first = ""
        self.gs2 = ""

    def first(self, client_first: bytes) -> bytes:
        try:
            text = client_first.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("SCRAM client-first-message is not UTF-8") from None
        if text.startswith("p="):
            raise ProtocolError("SCRAM channel binding was requested but is not offered")
        if not text.startswith(("n,", "y,")) or text.count(",") < 3:
            raise ProtocolError("malformed SCRAM client-first-message")
        gs2_flag, authzid, bare = text.split(",", 2)
        self.gs2 = f"{gs2_flag},{authzid},"
        attrs = dict(kv.split("=", 1) for kv in bare.split(",") if "=" in kv)
        cnonce = attrs.get("r", "")
        if not cnonce or any(c in cnonce for c in ", \x00"):
            raise ProtocolError("malformed SCRAM client nonce")
        self.first_bare = bare
        self.nonce = cnonce + base64.b64encode(secrets.token_bytes(18)).decode()
        self.server_first = f"r={self.nonce},s={base64.b64encode(self.salt).decode()},i={self.iterations}"
        return self.server_first.encode()

    def final(self, client_final: bytes) -> bytes | None:
        """The server-final-message (``v=``) when the proof is right, else None."""
        try:
            text = client_final.decode("utf-8")
        except UnicodeDecodeError:
            return None
        without_proof, sep, proof64 = text.rpartition(",p=")
        attrs = dict(kv.split("=", 1) for kv in without_proof.split(",") if "=" in kv)
        if not sep or attrs.get("r") != self.nonce or \
                attrs.get("c") != base64.b64encode(self.gs2.encode()).decode():
            return None
        try:
            proof = base64.b64decode(proof64, validate=True)
        except ValueError:
            return None
        if len(proof) != 32:
            return None
        auth = f"{self.first_bare},{self.server_first},{without_proof}".encode()
        client_key = bytes(a ^ b for a, b in zip(proof, _hmac(self.stored_key, auth)))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), self.stored_key):
            return None
        return b"v=" + base64.b64encode(_hmac(self.server_key, auth))


def _md5_password(user: str, password: str, salt: bytes) -> bytes:
    inner = hashlib.md5((password + user).encode()).hexdigest()
    return b"md5" + hashlib.md5(inner.encode() + salt).hexdigest().encode()


# --- configuration -----------------------------------------------------------------------------

class Upstream:
    """Where the gateway logs in: from ``[databases.NAME]`` (password from the vault, never shown)."""

    def __init__(self, name, host, port, user, database, password=None, socket=None, sslmode="prefer",
                 sslrootcert=None, gateway_user=None, gateway_password=None, gateway_tls=None, guard_url=None,
                 guard_password=None):
        self.name, self.host, self.port, self.user, self.database = name, host, int(port or 5432), user, database
        self.password, self.socket, self.sslmode, self.sslrootcert = password, socket, sslmode, sslrootcert
        self.gateway_user, self.gateway_password = gateway_user, gateway_password
        self.gateway_tls = gateway_tls          # (cert path, key path): TLS offered to clients
        self.guard_url, self.guard_password = guard_url, guard_password  # writes the in-database guard's grants
        self._scram_secret = None

    def psycopg_kwargs(self) -> dict:
        sock = self.socket and (os.path.dirname(self.socket) if ".s.PGSQL." in os.path.basename(self.socket)
                                else self.socket)
        kw = {"host": sock or self.host or "localhost", "port": self.port, "user": self.user,
              "dbname": self.database, "sslmode": self.sslmode}
        if self.password:
            kw["password"] = self.password
        if self.sslrootcert:
            kw["sslrootcert"] = self.sslrootcert
        return kw

    @property
    def url(self) -> str:
        """What statements are judged against (no password)."""
        where = self.host or "localhost"
        return f"postgresql://{self.user or ''}@{where}:{self.port}/{self.database or ''}"

    @property
    def where(self) -> str:
        return self.socket or f"{self.host or 'localhost'}:{self.port}"

    @classmethod
    def from_policy(cls, name, policy, env) -> "Upstream":
        from ..safeguards import connect as C

        sec = C.policy_sections(policy).get(name)
        if sec is None:
            names = ", ".join(sorted(C.policy_sections(policy))) or "none"
            raise GatewayConfigError(f"no [databases.{name}] in the policy (declared: {names})")
        conn = C.from_url(sec.get("url") or "", f"policy [databases.{name}]")
        if conn is None or conn.dialect != C.POSTGRES:
            raise GatewayConfigError(f"[databases.{name}] needs url = \"postgresql://USER@HOST:PORT/DB\"")
        password = conn.password
        if sec.get("password_vault"):
            password = _vault_get(sec["password_vault"], env, f"[databases.{name}].password_vault")
        elif sec.get("password_env") and env.get(sec["password_env"]):
            password = env[sec["password_env"]]
        gw_password = None
        if sec.get("gateway_password_vault"):
            gw_password = _vault_get(sec["gateway_password_vault"], env,
                                     f"[databases.{name}].gateway_password_vault")
        tls = None
        if sec.get("gateway_tls_cert") or sec.get("gateway_tls_key"):
            cert, key = sec.get("gateway_tls_cert"), sec.get("gateway_tls_key")
            if not (cert and key):
                raise GatewayConfigError(f"[databases.{name}] needs both gateway_tls_cert and gateway_tls_key")
            tls = (os.path.expanduser(cert), os.path.expanduser(key))
            try:
                server_ssl_context(tls)
            except (OSError, ssl.SSLError) as e:
                raise GatewayConfigError(f"[databases.{name}] gateway_tls_cert / gateway_tls_key: cannot load "
                                         f"them ({type(e).__name__}: {e})") from None
        guard_password = None
        if sec.get("guard_password_vault"):
            guard_password = _vault_get(sec["guard_password_vault"], env, f"[databases.{name}].guard_password_vault")
        host = conn.host if not (conn.host or "").startswith("/") else None
        sock = conn.socket or ((conn.host or "") if (conn.host or "").startswith("/") else None)
        return cls(name, host or ("127.0.0.1" if not sock else None), conn.port, conn.user or "postgres",
                   conn.database or conn.user or "postgres", password, sock, sec.get("sslmode") or "prefer",
                   sec.get("sslrootcert"), sec.get("gateway_user"), gw_password, tls, sec.get("guard_url"),
                   guard_password)

    def scram_secret(self):
        """(salt, iterations, StoredKey, ServerKey) of the gateway password: derived once per start."""
        if self._scram_secret is None:
            salt, i = secrets.token_bytes(16), SCRAM_ITERATIONS
            salted = hashlib.pbkdf2_hmac("sha256", self.gateway_password.encode("utf-8"), salt, i)
            self._scram_secret = (salt, i, hashlib.sha256(_hmac(salted, b"Client Key")).digest(),
                                  _hmac(salted, b"Server Key"))
        return self._scram_secret


def server_ssl_context(tls):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(tls[0], tls[1])
    return ctx


def _vault_get(entry, env, where):
    from ..vault import Vault

    v = Vault(env).get(entry)
    if not v:
        raise GatewayConfigError(f"{where}: vault entry {entry!r} not found (interlock secrets vault add {entry})")
    return v


# --- the judge -------------------------------------------------------------------------------

class Verdict:
    __slots__ = ("allow", "text", "message", "detail", "hint", "decision", "send", "approval_id", "grant")

    def __init__(self, allow, text=None, message=None, detail=None, hint=None, decision="allow", send=None,
                 approval_id=None, grant=None):
        self.allow, self.text, self.message, self.detail, self.hint = allow, text, message, detail, hint
        self.decision = decision
        self.send = send        # an approved statement's text with the guard's grant in front (simple Query)
        self.approval_id = approval_id
        self.grant = grant      # an approved bound statement's grant, set just before its Execute


ALLOWED = Verdict(True)
#: Rules a statement may carry and still be run to be measured by the in-database guard (its reach is
#: what is unknown; the guard's triggers count the rows it touched and roll it back past their limits).
_MEASURABLE = frozenset({"db.change-unbounded", "db.write"})
#: How long a statement allowed by its text stays asked about after the in-database guard refused it.
GUARD_ASK_SECONDS = 600
#: What a measured statement may do without an approval: rows per table, and share of a table.
MEASURE_MAX_ROWS, MEASURE_MIN_ROWS, MEASURE_MAX_PERCENT = 1000, 10, 20.0
_STATS = ("SELECT s.relid::regclass::text, s.n_tup_del, s.n_tup_upd, greatest(c.reltuples, 0)::bigint, "
          "coalesce(u.n_live_tup, 0) FROM pg_catalog.pg_stat_xact_user_tables s JOIN pg_catalog.pg_class c ON "
          "c.oid = s.relid LEFT JOIN pg_catalog.pg_stat_user_tables u ON u.relid = s.relid "
          "WHERE s.n_tup_del + s.n_tup_upd > 0")


def _measurable(text: str) -> bool:
    """One top-level DELETE / UPDATE / MERGE (what the gateway can run and count on its own)."""
    from ..analysis.sql import split

    try:
        pieces = split(text, "postgres")
    except Exception:  # noqa: BLE001
        return False
    return len(pieces) == 1 and pieces[0].kind == "sql" and pieces[0].toks[0].up in ("DELETE", "UPDATE", "MERGE")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A standard-conforming string literal (``E''`` never: the value's backslashes are its own)."""
    return "'" + value.replace("'", "''") + "'"


def _judge_rows(before: dict, after: dict) -> tuple[bool, str]:
    """(within the limits, what was measured) from two pg_stat_xact_user_tables readings."""
    parts, ok = [], True
    for rel, (d, u, est, live) in after.items():
        d0, u0 = before.get(rel, (0, 0, 0, 0))[:2]
        n = (d - d0) + (u - u0)
        if n <= 0:
            continue
        total = max(est, live, n)
        what = "deleted" if d - d0 >= u - u0 else "updated"
        share = 100.0 * n / total if total else 100.0
        parts.append(f"{rel}: {n} row{'s' if n != 1 else ''} {what} (~{share:.0f}% of ~{total})")
        if n > MEASURE_MAX_ROWS or (n >= MEASURE_MIN_ROWS and share > MEASURE_MAX_PERCENT):
            ok = False
    return ok, "; ".join(parts) or "no rows"
_CACHE_MAX = 50_000
_CACHE_TEXT_MAX = 16_384


class Judge:
    """Statement text → Verdict, with the hook's analysis, policy, approvals and safeguards."""

    # (empty until the guard refuses something; every instance gets its own in __init__)
    must_ask: dict = {}
    must_ask_raw: dict = {}
    must_ask_until: dict = {}

    def __init__(self, upstream: Upstream, cwd=None, env=None):
        self.upstream = upstream
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd or os.getcwd()
        self.exact: dict[str, bool] = {}
        self.shapes: dict[str, bool] = {}
        self.exact_raw: dict[bytes, bool] = {}   # the same, keyed by the UTF-8 bytes a client sends
        self.shapes_raw: dict[bytes, bool] = {}
        self.zeroed: dict[bytes, bytes] = {}      # a shape without digits, by its texts' bytes with every digit a 0
        #: allowed statements of words only that start or end a transaction (``BEGIN;``, ``END;``) and name nothing that
        #: moves search_path, judged under the login's search_path: their bytes → their words, which the session
        #: still follows (SearchPath.observe_transaction)
        self.tx_raw: dict[bytes, str] = {}
        self.must_ask: dict[str, str] = {}   # statement → what the guard measured when it refused it
        self.must_ask_raw: dict[bytes, float] = {}   # the same statements' bytes: kept out of the raw caches
        self.must_ask_until: dict[str, float] = {}   # statements allowed by their text, refused by the guard: until
        self._types: dict = {}                # (statement, client oids) → its parameters' (oid, type name)
        self.stats = {"judged": 0, "cached": 0, "allowed": 0, "asked": 0, "denied": 0}
        self._lock = threading.RLock()
        self._generation = 0                  # bumped by forget(): a verdict reached under an older policy isn't kept
        self._policy_raw = None
        self._checked = 0.0
        self.ctx = None
        self._audit_pool = ThreadPoolExecutor(1, thread_name_prefix="interlock-audit")
        self.rehearse = None  # set by ``interlock sandbox``: the branch's statement log (sandbox.dbbranch)
        self.native = None    # the native relay's verdict cache (pgnative): a subset of the raw caches
        self.refresh(force=True)
        if pgnative.wanted(self.env):
            self.native = pgnative.NativeCache(self)

    def refresh(self, force=False):
        """Reload the policy when a policy file changed (checked at most every 2 s)."""
        now = time.monotonic()
        if not force and now - self._checked < 2.0:
            return
        self._checked = now
        from ..engine import Context
        from ..policy import policy_paths
        from ..analysis.paths import find_workspace

        raw = []
        for p in policy_paths(find_workspace(self.cwd, None), self.env):
            try:
                with open(p or "", "rb") as f:
                    raw.append(f.read())
            except OSError:
                raw.append(None)
        if force or raw != self._policy_raw:
            ctx = Context(self.cwd, env=self.env)
            with self._lock:
                self.ctx, self._policy_raw = ctx, raw
                self.forget()

    def forget(self):
        """Empty the verdict caches: every statement is judged again (and a judgement begun before is not cached)."""
        with self._lock:
            self._generation += 1
            for memo in (self.exact, self.shapes, self.exact_raw, self.shapes_raw, self.zeroed, self.tx_raw):
                memo.clear()
            if self.native is not None:
                self.native.clear()

    def keep_fresh(self):
        """Run every 2 s off the loop (see :func:`serve`): a policy change reaches statements answered from the
        cache too, which never call :meth:`refresh` themselves; a policy that can't be loaded empties the caches
        (each statement is then judged, and refused saying why)."""
        try:
            self.refresh()
        except Exception as e:  # noqa: BLE001 - fail closed: nothing is answered from the cache any more
            self.forget()
            _log(f"the policy could not be reloaded ({type(e).__name__}: {redact(str(e))[:200]}); every statement "
                 "is judged again")

    def action(self, text, where=None):
        """``where``: the session's search_path (pgsearchpath.SearchPath.payload), for previews and snapshots."""
        from ..actions import SQL, Action

        p = {"statement": text, "dialect": "postgres", "url": self.upstream.url, "via": f"gateway {self.upstream.name}"}
        if where:
            p.update(where)
        return Action(SQL, p, agent=AGENT, cwd=self.ctx.cwd, workspace=self.ctx.workspace, tool="postgres")

    @staticmethod
    def _key(text, where):
        return text if not where else "\x00".join(f"{k}={v}" for k, v in sorted(where.items())) + "\x00" + text

    def cached(self, text: str, where=None) -> bool:
        if self.rehearse is not None:
            return False  # a sandbox's branch: every statement is judged and recorded, in order
        if self.must_ask and text in self.must_ask:
            return False  # the in-database guard refused it when it ran: asked about from now on
        if self._key(text, where) in self.exact:
            return True
        if len(text) <= _CACHE_TEXT_MAX and self.shapes:
            sh = shape(text)
            if sh is not None and sh[1] and self._key(sh[0], where) in self.shapes:
                return True
        return False

    def cached_raw(self, raw: bytes) -> bool:
        """:meth:`cached` for a statement as the client sent it (UTF-8 bytes, no terminator), without decoding it:
        its exact bytes (UTF-8 is one-to-one: the same text), or, for ASCII, its shape computed on the bytes (the
        same as on the text: no other digits or word characters than ASCII's).  False sends it the long way."""
        if self.rehearse is not None:
            return False
        if self.must_ask_raw and raw in self.must_ask_raw:
            return False
        if raw in self.exact_raw:
            return True
        if self.shapes_raw and len(raw) <= _CACHE_TEXT_MAX and raw.isascii():
            zeroed = raw.translate(_ZERO_DIGITS)
            sh = self.zeroed.get(zeroed)
            if sh is None:
                t = raw.decode("ascii")   # only to look for these (``in`` on str is far quicker than on bytes)
                if "'" in t or '"' in t or "$" in t or "\\" in t or "--" in t or "/*" in t:
                    return False
                sh, n = _NUMBER_RE_RAW.subn(b"?", raw)
                if not n or sh not in self.shapes_raw:
                    return False
                if len(raw) <= _ZEROED_TEXT_MAX and len(sh.translate(None, _DIGITS)) == len(sh):
                    # every digit of it was in a number: any text with the same non-digits and digits in the same
                    # places has this shape (which bytes are digits, not which digits, decides the matches)
                    remember(self.zeroed, zeroed, sh, _ZEROED_MAX)
                return True
            return sh in self.shapes_raw
        return False

    def cached_tx(self, raw: bytes):
        """The words of an allowed statement that starts or ends a transaction (and names nothing that moves
        search_path), judged under the login's search_path, sent as ``raw``; None when it is not one of those.
        The session follows the block it opens or closes (:meth:`SearchPath.observe_transaction`)."""
        if self.rehearse is not None:
            return None
        return self.tx_raw.get(raw)

    def decide(self, text: str, where=None):
        """The engine's decision, and whether the text (or its shape) may be cached.  Never raises."""
        from ..actions import ALLOW
        from ..engine import evaluate
        from .budget import evaluate as within_budget

        with self._lock:
            ctx, generation = self.ctx, self._generation
        d = within_budget(self.action(text, where), ctx, self.env)
        # the raw caches (looked up on the client's bytes, before the session's state is consulted) hold only
        # statements judged under the login's search_path that neither move it nor open or close a transaction
        raw_ok = not where and not mentions_search_path(text)
        # only a transaction's start or end, in words alone (BEGIN; END;)
        tx = not where and not raw_ok and not mention(text) and _WORDS_ONLY.fullmatch(text)
        if d.decision == ALLOW and not d.error:
            # ``DELETE ... WHERE id > $1``: the bound values decide; judged with the riskiest ones
            for probe in _param_probes(text):
                pd = evaluate(self.action(probe, where), ctx)
                if pd.decision != ALLOW:
                    pd.reasons.insert(0, f"the statement's parameters decide what it touches: judged as "
                                         f"`{redact(probe)[:200]}`")
                    return pd
        if d.decision == ALLOW and not d.error and len(text) <= _CACHE_TEXT_MAX:
            with self._lock:
                if generation != self._generation:   # the policy changed meanwhile: this verdict is not kept
                    return d
                remember(self.exact, self._key(text, where), True, _CACHE_MAX)
                if raw_ok:
                    remember(self.exact_raw, text.encode("utf-8"), True, _CACHE_MAX)
                elif tx:
                    remember(self.tx_raw, text.encode("utf-8"), tx.group(1), _CACHE_MAX)
            sh = shape(text)
            if sh is not None and sh[1]:
                rules = d.rules
                n = sh[1]
                probes = ([0] * n, [1] * n, list(range(1, n + 1)), list(range(n, 0, -1)))
                if all(self._same(_probe(text, p), rules, ctx, where) for p in probes):
                    with self._lock:
                        if generation != self._generation:
                            return d
                        remember(self.shapes, self._key(sh[0], where), True, _CACHE_MAX)
                        if raw_ok:
                            remember(self.shapes_raw, sh[0].encode("utf-8"), True, _CACHE_MAX)
        return d

    def _same(self, text, rules, ctx, where=None) -> bool:
        from ..actions import ALLOW
        from ..engine import evaluate

        d = evaluate(self.action(text, where), ctx)
        return d.decision == ALLOW and not d.error and d.rules == rules

    def judge(self, text: str, simple: bool = False, measured: str | None = None, deferrable: bool = False,
              note: str | None = None, where=None) -> Verdict:
        """Full judgement of one statement (blocking: may wait for a human).  Never raises.
        ``simple``: a simple-protocol Query (the gateway can measure it); ``measured``: what measuring it found;
        ``deferrable``: a Parse with parameters, whose values are judged at its Bind when its text alone would
        be asked about (``decision="defer"``); ``note``: said first among the reasons."""
        try:
            return self._judge(text, simple, measured, deferrable, note, where)
        except Exception as e:  # fail closed: never forward what was not judged
            self.stats["denied"] += 1
            return Verdict(False, text, "Interlock could not judge this statement; it was not run",
                           detail=redact(f"{type(e).__name__}: {e}")[:500], decision="deny")

    def _judge(self, text: str, simple: bool = False, measured_here: str | None = None, deferrable: bool = False,
               note: str | None = None, where=None) -> Verdict:
        import types

        from ..actions import ALLOW, ASK, DENY

        self.refresh()
        self.stats["judged"] += 1
        d = self.decide(text, where)
        action = self.action(text, where)
        if self.rehearse is not None:  # on a sandbox's branch: what acts only inside it runs, and is recorded
            d = self.rehearse.judge(text, d)
            if d.decision != ALLOW:  # the rest is refused there and then: no approval is filed during a rehearsal
                self._audit(action, d)
                self.stats["denied"] += 1
                return Verdict(False, text, f"Interlock sandbox refused this {d.severity} statement [interlock deny]",
                               detail=redact("\n".join(d.reasons))[:3000] or None, decision="deny")
        measured = measured_here or self.must_ask.get(text)
        if d.decision == ALLOW and measured and not measured_here and \
                self.must_ask_until.get(text, float("inf")) < time.monotonic():
            # the guard's refusal of a statement allowed by its text is remembered for GUARD_ASK_SECONDS (its budget
            # window moves on): then the statement runs again, and the guard judges it again
            for memo, key in ((self.must_ask, text), (self.must_ask_until, text),
                              (self.must_ask_raw, text.encode("utf-8"))):
                memo.pop(key, None)
            measured = None
        if d.decision == ALLOW and measured and not measured_here:
            # allowed by its text, refused by the in-database guard when it ran (its budget across transactions,
            # say): asked about from now on, with what the guard said as its impact — an approval's grant lets it
            # through once
            from ..actions import Finding

            d.findings = list(d.findings) + [Finding(
                "db.change-unbounded", "destructive", "delete" if measured.find("DELETE") >= 0 else "overwrite",
                evidence=text[:200], why=f"the in-database guard refused it when it ran: {measured}")]
            d.decision, d.severity = ASK, "destructive"
            d.rules = sorted({f.rule for f in d.findings})
        if d.decision == ALLOW:
            self.stats["allowed"] += 1
            self._audit(action, d, first=True)
            return ALLOWED
        if d.decision == ASK and measured is None and simple and set(d.rules) <= _MEASURABLE and not d.error \
                and _measurable(text):
            # its reach cannot be bounded from the text: run it in a transaction (or savepoint) of its own and
            # count what it did (pg_stat_xact_user_tables: cascades and triggers included) before keeping it
            d.decision = ALLOW
            d.reasons.append("run in a transaction (or savepoint) of its own and measured: kept only within the "
                             "limits, else rolled back and asked")
            self._audit(action, d, first=True)
            return Verdict(False, text, decision="measure")
        if deferrable and d.decision == ASK and not d.error and measured_here is None:
            # what it touches depends on the values bound to it: judged (and approved) with them, at the Bind —
            # measured there by the guard too, with its values: an approval of `id < 81` (80 rows) must not hold
            # for the same text bound to 1000 (every row)
            return Verdict(False, text, decision="defer")
        if d.decision == ASK and measured is None and self.upstream.guard_url and \
                set(d.rules) <= _MEASURABLE and not d.error and self._guard_ready():
            # its reach cannot be bounded from the text, and the database can measure it: the guard's
            # transition-table triggers refuse it (rolled back) past their limits, and then it is asked
            d.decision = ALLOW
            d.reasons.append("run: how many rows it touches is measured by the in-database guard, which rolls it "
                             "back past its limits")
            self.stats["allowed"] += 1
            self._audit(action, d, first=True)
            return Verdict(True, text, decision="measured")
        if note:
            d.reasons.insert(0, note)
        if measured_here:
            d.reasons.insert(0, f"measured by running it and rolling it back: {measured_here}")
        elif measured:
            d.reasons.insert(0, f"measured by the in-database guard (and rolled back): {measured}")
        raw = d.decision
        from ..approvals import hook

        try:
            d = hook.handle(AGENT, types.SimpleNamespace(action=action, name="sql"), d, self.ctx, self.env,
                            started=time.monotonic())
        except Exception as e:  # the store is broken: the statement stays blocked, saying why
            d.reasons.append(redact(f"approvals unavailable: {type(e).__name__}: {e}")[:300])
        self._audit(action, d)
        if d.decision == ALLOW:  # approved by a human (and snapshotted when destructive)
            self.stats["allowed"] += 1
            return self._granted(text, d)
        self.stats["asked" if raw == ASK else "denied"] += 1
        from ..display import block, line

        body = "\n".join(line(r, limit=1000) for r in d.reasons)  # a psql terminal prints it: rendered safely
        msg = hook.message(d, action, body)
        if msg is not None:
            lines = msg[1].split("\n", 1)
            ap = d.approval or {}
            return Verdict(False, text, f"{lines[0]} [interlock {raw}]", detail=lines[1] if len(lines) > 1 else None,
                           hint=f"interlock approve {ap['id']}" if ap.get("id") else None, decision=raw)
        what = "denied" if d.decision == DENY else "held"
        return Verdict(False, text, f"Interlock {what} this {d.severity} statement [interlock {raw}]",
                       detail=block(redact(body), limit=3000) if body else None, decision=raw)

    def _guard_ready(self) -> bool:
        """The in-database guard is installed, current and on every table (checked at most every 30 s): only
        then is a statement run to be measured by it."""
        now = time.monotonic()
        cached = getattr(self, "_guard_checked", None)
        if cached is not None and now - cached[0] < 30:
            return cached[1]
        ok = False
        try:
            import psycopg

            from ..safeguards.pgguard import status

            up = self.upstream
            kw = {"password": up.guard_password} if up.guard_password else {}
            with psycopg.connect(up.guard_url, connect_timeout=5, **kw) as conn:
                rep = status(conn)
            ok = bool(rep.done) and not any(("not installed" in m or "version" in m or "tables without" in m)
                                            for m in rep.missing)
            if not ok:
                _log("the in-database guard is not complete; unbounded statements are asked about: "
                     + "; ".join(rep.missing)[:300])
        except Exception as e:  # noqa: BLE001 - not measurable: asked about instead
            _log(f"the in-database guard could not be checked: {type(e).__name__}: {redact(str(e))[:200]}")
        self._guard_checked = (now, ok)
        return ok

    def judge_bound(self, text: str, oids: list[int], formats: list[int], values: list, where=None) -> Verdict:
        """A deferred statement at its Bind: judged as the statement with its values in place of ``$n``
        (what the approver sees, what is previewed, what an approval holds for); by its text alone, saying
        why, when the values can't be read.  Never raises."""
        try:
            types = self.param_types(text, oids)
            if len(types) != len(values):
                raise pgvalues.Unreadable(f"{len(values)} values bound to {len(types)} parameters")
            lits = [pgvalues.literal(v, f, oid, name) for v, f, (oid, name) in zip(values, formats, types)]
            concrete = pgvalues.substitute(text, lits)
        except Exception as e:  # noqa: BLE001 - unreadable values: judged as the text, which asks
            why = str(e) if isinstance(e, pgvalues.Unreadable) else type(e).__name__
            return self.judge(text, note=redact(f"the values bound to its parameters could not be read ({why}): "
                                                f"judged, and approved if so, as the statement's text")[:300],
                              where=where)
        if self.must_ask and text in self.must_ask and concrete not in self.must_ask:
            # the guard refused this prepared text with other values (allowed by its text at the Parse): these
            # values are asked about too
            remember(self.must_ask, concrete, self.must_ask[text], 10_000)
            if self.native is not None:
                self.native.deny(concrete.encode("utf-8", "replace"))
            if text in self.must_ask_until:
                remember(self.must_ask_until, concrete, self.must_ask_until[text], 10_000)
        v = self.judge(concrete, where=where)
        if v.send is not None:   # the grant is bound to the prepared text; the session sets it before the Execute
            return self._bound_grant(text, v.approval_id)
        if v is ALLOWED:         # what ran, should the in-database guard refuse it (Session.guard_error)
            return Verdict(True, concrete)
        return v

    def param_types(self, text: str, oids: list[int]) -> list[tuple[int, str]]:
        """(oid, type name) of each parameter, as the server resolves them (asked on a connection of the
        gateway's own, cached)."""
        key = (text, tuple(oids))
        hit = self._types.get(key)
        if hit is not None:
            return hit
        import psycopg

        with psycopg.connect(**self.upstream.psycopg_kwargs(), connect_timeout=5, autocommit=True,
                             application_name="interlock-gateway") as conn:
            pg = conn.pgconn
            r = pg.prepare(b"", text.encode("utf-8"), [o for o in oids] or None)
            if r.status != psycopg.pq.ExecStatus.COMMAND_OK:
                raise RuntimeError((r.error_message or b"").decode("utf-8", "replace")[:200])
            r = pg.describe_prepared(b"")
            if r.status != psycopg.pq.ExecStatus.COMMAND_OK:
                raise RuntimeError((r.error_message or b"").decode("utf-8", "replace")[:200])
            got = [r.param_type(i) for i in range(r.nparams)]
            names = [row[0] for row in conn.execute(
                "SELECT pg_catalog.format_type(o, NULL) FROM unnest(%s::pg_catalog.oid[]) WITH ORDINALITY u(o, i) "
                "ORDER BY i", (got,)).fetchall()] if got else []
        out = list(zip(got, names))
        with self._lock:
            remember(self._types, key, out, 256)
        return out

    def _granted(self, text, d) -> Verdict:
        """An approved statement: with the in-database guard configured (``guard_url``), a single-use grant
        bound to the approval and to the exact text sent, so the guard lets this statement (once) through."""
        ap = d.approval or {}
        up = self.upstream
        if not up.guard_url or not ap.get("id"):
            return ALLOWED
        try:
            import psycopg

            from ..safeguards.pgguard import new_grant

            kw = {"password": up.guard_password} if up.guard_password else {}
            with psycopg.connect(up.guard_url, connect_timeout=10, **kw) as conn:
                send = new_grant(conn, ap["id"], lambda setting: f"{setting}; {text}")
            return Verdict(True, send=send, approval_id=ap["id"])
        except Exception as e:  # noqa: BLE001 - the statement still runs; the guard judges it on its own
            _log(f"no grant written for {ap.get('id')}: {type(e).__name__}: {redact(str(e))[:200]}")
            return ALLOWED

    def _bound_grant(self, text, approval_id) -> Verdict:
        """An approved prepared statement's grant: bound to its text as parsed, set by the session in
        ``interlock.grant`` right before the approved portal's Execute (see :meth:`Session.grant_execute`)."""
        up = self.upstream
        try:
            import psycopg

            from ..safeguards.pgguard import new_bound_grant

            kw = {"password": up.guard_password} if up.guard_password else {}
            with psycopg.connect(up.guard_url, connect_timeout=10, **kw) as conn:
                return Verdict(True, approval_id=approval_id, grant=new_bound_grant(conn, approval_id, text))
        except Exception as e:  # noqa: BLE001 - the statement still runs; the guard judges it on its own
            _log(f"no grant written for {approval_id}: {type(e).__name__}: {redact(str(e))[:200]}")
            return ALLOWED

    def _audit(self, action, decision, first=False):
        def write():
            try:
                from ..audit import AuditLog
                from ..policy import state_dir

                AuditLog(state_dir(self.env)).append(
                    action=action.summary[:2000], decision=decision, agent=AGENT, cwd=action.cwd, tool="postgres",
                    digest=action.digest(), extra={"gateway": self.upstream.name, "upstream": self.upstream.url,
                                                   **({"first_seen": True} if first else {})}, keep=True)
            except Exception as e:  # the decision stands; the failure is reported
                _log(f"audit log not written: {type(e).__name__}: {redact(str(e))[:200]}")
        self._audit_pool.submit(write)


def _log(line: str):
    try:
        sys.stderr.write(f"interlock gateway: {redact(line)}\n")
        sys.stderr.flush()
    except Exception:
        pass


# --- upstream connection -------------------------------------------------------------------------

async def _read_msg(reader, limit=MAX_SMALL) -> tuple[bytes, bytes]:
    head = await reader.readexactly(5)
    n = struct.unpack("!I", head[1:5])[0]
    if n < 4 or n - 4 > limit:
        raise ProtocolError(f"message {head[:1]!r} with a bad length ({n})")
    return head[:1], await reader.readexactly(n - 4)


def _ssl_context(up: Upstream):
    mode = up.sslmode
    if mode in ("verify-ca", "verify-full") or (mode == "require" and up.sslrootcert):
        ctx = ssl.create_default_context(cafile=up.sslrootcert) if up.sslrootcert else ssl.create_default_context()
        ctx.check_hostname = mode == "verify-full"
        return ctx
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def open_upstream(up: Upstream, timeout=10.0):
    """TCP (or unix socket) to the upstream, with TLS as ``sslmode`` asks."""
    if up.socket:
        path = up.socket if up.socket.endswith(f".s.PGSQL.{up.port}") else os.path.join(up.socket,
                                                                                       f".s.PGSQL.{up.port}")
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(path), timeout)
        return reader, writer
    reader, writer = await asyncio.wait_for(asyncio.open_connection(up.host, up.port), timeout)
    if up.sslmode in ("disable", "allow"):
        return reader, writer
    writer.write(struct.pack("!II", 8, SSL_REQUEST))
    await writer.drain()
    answer = await asyncio.wait_for(reader.readexactly(1), timeout)
    if answer == b"S":
        await asyncio.wait_for(writer.start_tls(_ssl_context(up), server_hostname=up.host), timeout)
    elif answer == b"N":
        if up.sslmode in ("require", "verify-ca", "verify-full"):
            writer.close()
            raise ConnectionError(f"the upstream does not offer TLS (sslmode={up.sslmode})")
    else:
        writer.close()
        raise ProtocolError("the upstream answered the SSL request with garbage")
    return reader, writer


def _parse_error(body: bytes) -> dict:
    out = {}
    for part in body.split(b"\x00"):
        if part:
            out[part[:1].decode("latin-1")] = part[1:].decode("utf-8", "replace")
    return out


async def upstream_login(up: Upstream, params: dict, timeout=15.0):
    """Log in to the upstream.  Returns (reader, writer, startup messages to relay, (pid, key))."""
    reader, writer = await open_upstream(up, timeout)
    try:
        body = b""
        for k, v in [("user", up.user), ("database", up.database)] + list(params.items()):
            body += k.encode() + b"\x00" + v.encode() + b"\x00"
        body += b"\x00"
        writer.write(struct.pack("!II", len(body) + 8, PROTOCOL_3) + body)
        await writer.drain()
        scram = None
        relay = []
        key = None
        while True:
            t, b = await asyncio.wait_for(_read_msg(reader, MAX_SMALL), timeout)
            if t == b"R":
                code = struct.unpack("!I", b[:4])[0]
                if code == 0:
                    continue
                if up.password is None:
                    raise ConnectionError("the upstream asks for a password and the vault holds none "
                                          f"(set password_vault in [databases.{up.name}])")
                if code == 3:
                    writer.write(_msg(b"p", up.password.encode() + b"\x00"))
                elif code == 5:
                    writer.write(_msg(b"p", _md5_password(up.user, up.password, b[4:8]) + b"\x00"))
                elif code == 10:
                    mechs = [m for m in b[4:].split(b"\x00") if m]
                    if b"SCRAM-SHA-256" not in mechs:
                        raise ConnectionError(f"upstream offers no supported SASL mechanism ({mechs!r})")
                    scram = Scram(up.password)
                    first = scram.first()
                    writer.write(_msg(b"p", b"SCRAM-SHA-256\x00" + struct.pack("!I", len(first)) + first))
                elif code == 11 and scram is not None:
                    writer.write(_msg(b"p", scram.final(b[4:])))
                elif code == 12 and scram is not None:
                    scram.verify(b[4:])
                    continue
                else:
                    raise ConnectionError(f"upstream asks for an unsupported authentication method ({code})")
                await writer.drain()
            elif t == b"E":
                e = _parse_error(b)
                raise ConnectionError(f"upstream refused the login: {e.get('M', '?')} ({e.get('C', '?')})")
            elif t == b"K":
                if len(b) < 8:
                    raise ProtocolError("bad BackendKeyData")
                key = b
            elif t == b"Z":
                relay.append(_msg(t, b))
                return reader, writer, relay, key
            elif t in (b"S", b"N", b"v"):
                if t != b"v":
                    relay.append(_msg(t, b))
            else:
                raise ProtocolError(f"unexpected message {t!r} from the upstream during login")
    except BaseException:
        writer.close()
        raise


# --- the server ---------------------------------------------------------------------------------

class Gateway:
    def __init__(self, upstream: Upstream, judge: Judge, host="127.0.0.1", port=6432):
        self.upstream, self.judge, self.host, self.port = upstream, judge, host, port
        self.sessions: dict[bytes, "Session"] = {}
        self.server = None
        self.approval_pool = ThreadPoolExecutor(64, thread_name_prefix="interlock-approval")
        self.open = 0
        self.ssl_context = server_ssl_context(upstream.gateway_tls) if upstream.gateway_tls else None

    @property
    def loopback(self) -> bool:
        return self.host in ("127.0.0.1", "::1", "localhost")

    async def start(self):
        self.server = await asyncio.start_server(self._client, self.host, self.port, limit=1 << 20, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self):
        if self.server is not None:
            self.server.close()
            for s in list(self.sessions.values()):
                s.abort()
            await self.server.wait_closed()

    async def _client(self, reader, writer):
        self.open += 1
        s = Session(self, reader, writer)
        try:
            await s.run()
        except Exception as e:  # noqa: BLE001 - one connection's failure never stops the gateway
            _log(f"connection error: {type(e).__name__}: {e}")
        finally:
            self.open -= 1
            s.abort()

    async def cancel(self, body: bytes):
        s = self.sessions.get(body[8:16])
        if s is None or s.upstream_key is None:
            return
        try:
            r, w = await open_upstream(self.upstream, 5)
            w.write(struct.pack("!II", 16, CANCEL_REQUEST) + s.upstream_key[:8])
            await w.drain()
            w.close()
        except Exception as e:  # noqa: BLE001
            _log(f"cancel request not delivered: {type(e).__name__}: {e}")


_WATCHED = b"client_encoding\x00"
_READY = b"Z\x00\x00\x00\x05"      # ReadyForQuery's head
_SEARCH_PATH = b"search_path\x00"
#: SQL ``EXECUTE name(...)``: would run a statement prepared through the protocol without its Bind
_SQL_EXECUTE = re.compile(r"(?i)\bexecute\b")
_EXECUTE_REFUSED = ("Interlock refuses SQL EXECUTE in a session holding statements prepared through the protocol "
                    "whose values decide what they touch: bind them instead (Bind), so the values are judged")
_GUARD = b"MInterlock guard: "


def _ambiguous(name) -> bool:
    from ..analysis.sql import ambiguous_encoding

    return ambiguous_encoding(name)


def _stats(msgs) -> dict:
    """pg_stat_xact_user_tables rows (text format) from a captured response."""
    out = {}
    for t, b in msgs:
        if t != b"D":
            continue
        n = struct.unpack("!H", b[:2])[0]
        p, vals = 2, []
        for _ in range(n):
            ln = struct.unpack("!i", b[p:p + 4])[0]
            p += 4
            vals.append(None if ln < 0 else b[p:p + ln].decode("utf-8", "replace"))
            p += max(ln, 0)
        out[vals[0]] = tuple(int(v or 0) for v in vals[1:5])
    return out


class _Capture:
    """Upstream bytes while the gateway talks to the server itself: passed to the client up to the answer to the
    gateway's marker query (everything before it answers the client's earlier messages), then framed into one
    list of (type, body) per ReadyForQuery for the gateway's own queries."""

    def __init__(self, session):
        self.s = session
        self.buf = bytearray()
        self.marker = b""
        self.synced = False
        self.groups: list = []
        self.cur: list = []
        self.waiter = None

    def feed(self, data: bytes):
        self.buf += data
        if not self.synced:
            i = self.buf.find(self.marker)
            if i < 0:
                if len(self.buf) > 65536:
                    keep = len(self.marker) + 16
                    self.s.ct.write(bytes(self.buf[:-keep]))
                    del self.buf[:-keep]
                return
            start = i - 7                       # 'T', length, field count, then the marker as the column name
            if start < 0 or self.buf[start] != 0x54:
                raise ProtocolError("the gateway's marker query was not answered as expected")
            if start:
                self.s.ct.write(bytes(self.buf[:start]))
            del self.buf[:start]
            self.synced = True
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 5:
            n = int.from_bytes(buf[pos + 1:pos + 5], "big")
            if len(buf) - pos < n + 1:
                break
            t, body = bytes(buf[pos:pos + 1]), bytes(buf[pos + 5:pos + 1 + n])
            pos += n + 1
            self.cur.append((t, body))
            if t == b"Z":
                self.groups.append(self.cur)
                self.cur = []
        del buf[:pos]
        self._wake()

    def fail(self, e):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(e if isinstance(e, Exception) else ProtocolError(str(e)))

    def _wake(self):
        if self.waiter is not None and not self.waiter.done() and self.groups:
            self.waiter.set_result(self.groups.pop(0))

    async def next(self):
        if self.groups:
            return self.groups.pop(0)
        self.waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(self.waiter, 600)

    async def query(self, sql: str):
        self.s.ut.write(_msg(b"Q", sql.encode() + b"\x00"))
        return await self.next()


_WL = len(_WATCHED)
_WATCHED_TAIL = frozenset(_WATCHED[:-1])


def _tail(utail: bytes, data: bytes) -> bytes:
    """What of the upstream's bytes so far could begin a ``client_encoding`` name cut by the next read: nothing
    when the last byte is none of the name's own (a ReadyForQuery's status, most often), else the last bytes."""
    if data[-1] not in _WATCHED_TAIL:
        return b""
    return data[-_WL:] if len(data) >= _WL else (utail + data)[-_WL:]


class _Side(asyncio.Protocol):
    """One socket of a session after login: hands what it reads to the session, and stops the other
    socket's reading while its own write buffer is full."""

    __slots__ = ("s", "up")

    def __init__(self, session: "Session", upstream: bool):
        self.s, self.up = session, upstream

    def data_received(self, data):
        """Upstream → client (the sessions' own sides hand their bytes straight to the session: _ClientSide,
        _UpstreamSide)."""
        self.s.from_upstream_read(data)

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        if self.up:
            self.s.upstream_lost()
        else:
            self.s.client_lost()

    def pause_writing(self):
        if self.up:           # the upstream is not taking more: stop reading the client
            self.s.held = True
            self.s._reading()
        else:                 # the client is not taking more: stop reading the upstream
            self.s.ut.pause_reading()

    def resume_writing(self):
        if self.up:
            self.s.held = False
            self.s._reading()
        elif not self.s.ut.is_closing():
            self.s.ut.resume_reading()


class _ClientSide(_Side):
    """The client's socket: what it reads goes to :meth:`Session.from_client` (bound once: no call in between)."""

    __slots__ = ("data_received",)

    def __init__(self, session: "Session"):
        super().__init__(session, False)
        self.data_received = session.from_client


class _UpstreamSide(_Side):
    """The upstream's socket: what it reads goes to :meth:`Session.from_upstream_read` (bound once)."""

    __slots__ = ("data_received",)

    def __init__(self, session: "Session"):
        super().__init__(session, True)
        self.data_received = session.from_upstream_read


class _UpstreamPath:
    """What the session does with upstream bytes (after the gateway's own answers are taken out)."""

    def from_upstream_read(self, data):
        """Upstream bytes as read: passed on untouched, watched for what changes how statements are read."""
        if self.capture is None and not self.markers and not self.measured and not self.swallows and not self.stail:
            if data.find(_GUARD) >= 0:
                self.guard_error(data)
            if self.utail or data.find(_WATCHED) >= 0:   # the common case (find: quicker than ``in`` on bytes)
                self.watch(data)
            elif data[-1] in _WATCHED_TAIL:
                self.utail = _tail(b"", data)
            if data.find(_SEARCH_PATH) >= 0:
                self.search_path_reported(data)
            self.ct.write(data)
            if self.native_plain and data[-6:-1] == _READY:   # the session waits for its client: native again?
                self._native_try()
            return
        if self.swallows or self.stail:
            data = self.unswallow(data)
            if not data:
                return
        self.from_upstream(data)

    def from_upstream(self, data):
        if self.capture is not None:
            self.watch(data)
            try:
                self.capture.feed(data)
            except Exception as e:  # noqa: BLE001 - the measuring task ends with it (and closes the session)
                self.capture.fail(e)
            return
        if self.measured and _GUARD in data:
            self.guard_refused(data)
        elif _GUARD in data:
            self.guard_error(data)
        if _SEARCH_PATH in data:
            self.search_path_reported(data)
        if self.markers:
            self.upstream_held(data)
            return
        self.watch(data)
        self.ct.write(data)

    # --- an approved prepared statement's grant: set on the session's upstream just before its Execute ----------
    def grant_execute(self, value: str) -> bytes:
        """The gateway's own extended-protocol messages, sent right before the approved portal's Execute in the
        same transaction (the client's implicit one, or its own block): ``set_config('interlock.grant', …, true)``
        in a statement and portal of the gateway's own (the client's unnamed ones are untouched), then closed.
        The server's answers — known to the byte, with a random marker as the one column — are taken out of
        the stream (:meth:`unswallow`), so the client's protocol stream stays exactly its own.  When an earlier
        error makes the server skip them (and the client's Execute with them), no answer comes: nothing to take."""
        g = ("interlock_grant_" + secrets.token_hex(8)).encode()
        mk = ("interlock-granted-" + secrets.token_hex(12)).encode()
        q = (f"SELECT '{mk.decode()}' FROM pg_catalog.set_config('interlock.grant', "
             f"'{value.replace(chr(39), chr(39) * 2)}', true)")
        answer = (b"1\x00\x00\x00\x04" + b"2\x00\x00\x00\x04"
                  + _msg(b"D", struct.pack("!Hi", 1, len(mk)) + mk) + _msg(b"C", b"SELECT 1\x00")
                  + b"3\x00\x00\x00\x04" * 2)
        self.swallows = self.swallows[-7:] + [answer]
        return (_msg(b"P", g + b"\x00" + q.encode() + b"\x00" + struct.pack("!H", 0))
                + _msg(b"B", g + b"\x00" + g + b"\x00" + struct.pack("!HHH", 0, 0, 0))
                + _msg(b"E", g + b"\x00" + struct.pack("!i", 0))
                + _msg(b"C", b"P" + g + b"\x00") + _msg(b"C", b"S" + g + b"\x00"))

    def unswallow(self, data: bytes) -> bytes:
        """Upstream bytes without the answers to the gateway's own messages.  Answers come in order, so finding
        one means every earlier one will never come (skipped after an error).  A tail that could be the start of
        an answer is held until the next bytes (or 1 s: it was not)."""
        buf = self.stail + data
        self.stail = b""
        if self.stimer is not None:
            self.stimer.cancel()
            self.stimer = None
        found = True
        while found and self.swallows:
            found = False
            for k, r in enumerate(self.swallows):
                i = buf.find(r)
                if i >= 0:
                    buf = buf[:i] + buf[i + len(r):]
                    del self.swallows[:k + 1]
                    found = True
                    break
        hold = 0
        for r in self.swallows:
            for k in range(min(len(r) - 1, len(buf)), hold, -1):
                if buf.endswith(r[:k]):
                    hold = k
                    break
        if hold:
            self.stail = buf[-hold:]
            buf = buf[:-hold]
            self.stimer = asyncio.get_running_loop().call_later(1.0, self._release_tail)
        return buf

    def _release_tail(self):
        self.stimer = None
        tail, self.stail = self.stail, b""
        if tail and not self.ct.is_closing():
            self.from_upstream(tail)


class Session(_UpstreamPath, pgnative._NativePath):
    def __init__(self, gw: Gateway, reader, writer):
        self.gw, self.reader, self.writer = gw, reader, writer
        self.judge = gw and gw.judge
        self.ureader = self.uwriter = None
        self.key = None
        self.upstream_key = None
        self.poisoned: set[bytes] = set()   # prepared statements replaced by Interlock's error
        self.terminated = False
        self.tls = False
        self.utail = b""                    # the end of the last upstream chunk (a name split across two)
        self.refusing = None                # why every later statement is refused (the session is unreadable)
        self.markers: dict[bytes, bytes] = {}  # parse-failure marker → Interlock's ErrorResponse in its place
        self.measured: list[str] = []       # statements run to be measured by the in-database guard
        self.last_q: bytes | None = None    # the last simple Query's text the client sent
        self.uhold = bytearray()            # upstream bytes held while a marker's error is awaited
        self.capture = None                 # a _Capture while the gateway measures a statement
        self.deferred: dict[bytes, tuple[str, list[int]]] = {}  # prepared, judged at each Bind with its values
        self.granted: dict[bytes, str] = {}  # portal bound with approved values → its guard grant (at its Execute)
        self.sp = SearchPath()              # what unqualified names resolve to (pgsearchpath)
        self.granted_stmts: dict[bytes, str] = {}  # approved prepared statement → its grant (for its next Bind)
        #: prepared statements that may move search_path → Binds seen since their Parse.  Whether (and when) one
        #: runs is the server's to say — a Parse alone runs nothing, an earlier error in the batch skips it, and it
        #: can be executed again after a plain SET — so its Parse and each of its Binds make the setting unknown
        self.sp_movers: dict[bytes, int] = {}
        self.swallows: list[bytes] = []     # the server's exact answers to the gateway's own messages, not relayed
        self.stail = b""                    # upstream bytes held: they may begin one of those answers
        self.stimer = None

    # --- measuring a statement: the gateway's own round trips on the session's upstream ----------------------
    async def _measure(self, body: bytes, text: str, where=None):
        """Run ``text`` in a transaction (or, inside the client's, a savepoint) of its own, count what it changed
        and keep it, or roll it back and ask with the measured rows as its impact."""
        cap = self.capture = _Capture(self)
        marker = "interlock_sync_" + secrets.token_hex(8)
        cap.marker = marker.encode()
        loop = asyncio.get_running_loop()
        try:
            self.ut.write(_msg(b"Q", f'SELECT 1 AS "{marker}"'.encode() + b"\x00"))
            sync = await cap.next()
            status = sync[-1][1][:1]
            if status == b"E":          # the client's transaction already failed: the server refuses anyway
                self.capture = None
                self.ut.write(_msg(b"Q", body))
                self.busy = False
                self._pump()
                if not self.busy:
                    self._reading()
                return
            began = status == b"I"
            await cap.query("BEGIN" if began else "SAVEPOINT interlock_measure")
            before = _stats(await cap.query(_STATS))
            res = await cap.query(text)
            guard = next((b for t, b in res if t == b"E" and _GUARD in b), None)
            if guard is None and any(t == b"E" for t, _ in res):   # it failed on its own: its own error
                if began:
                    await cap.query("ROLLBACK")
                self._release(res, b"I" if began else b"E")
                return
            if guard is not None:                     # the in-database guard measured it first, and refused
                ok, what = False, _parse_error(guard).get("M", "refused by the in-database guard")
            else:
                ok, what = _judge_rows(before, _stats(await cap.query(_STATS)))
            if ok:
                end = await cap.query("COMMIT" if began else "RELEASE SAVEPOINT interlock_measure")
                errs = [m for m in end if m[0] == b"E"]
                self._release([m for m in res if m[0] != b"Z"] + errs + [end[-1]], None)
                return
            if began:
                await cap.query("ROLLBACK")
            else:
                await cap.query("ROLLBACK TO SAVEPOINT interlock_measure")
                await cap.query("RELEASE SAVEPOINT interlock_measure")
            self.capture = None
            v = await loop.run_in_executor(self.gw.approval_pool,
                                           lambda: self.gw.judge.judge(text, False, f"{what} (rolled back)",
                                                                       where=where))
            if v.allow:
                self.ut.write(_msg(b"Q", (v.send or text).encode() + b"\x00"))
            else:
                self.ut.write(_msg(b"Q", raise_statement(v.message, v.detail, v.hint).encode() + b"\x00"))
        except Exception as e:  # noqa: BLE001 - the session cannot be trusted to be in order any more
            _log(f"measuring failed ({type(e).__name__}: {e}); the connection is closed")
            self.capture = None
            self._violation(f"Interlock could not measure the statement ({type(e).__name__}); it was rolled back "
                            "or never run", [])
            self.ut.close()
            return
        finally:
            self.capture = None
        self.busy = False
        self._pump()
        if not self.busy:
            self._reading()

    def _release(self, msgs, status):
        """Hand a measured statement's own responses to the client (ReadyForQuery's status set to ``status``)."""
        self.capture = None
        out = []
        for t, b in msgs:
            if t == b"Z" and status is not None:
                continue
            out.append(_msg(t, b))
        if status is not None:
            out.append(_msg(b"Z", status))
        self.ct.write(b"".join(out))
        self.busy = False
        self._pump()
        if not self.busy:
            self._reading()

    def guard_refused(self, data: bytes):
        """The in-database guard refused a measured statement: from now on that text is asked about, with
        what the guard measured as its impact."""
        i = data.find(_GUARD)
        j = data.find(b"\x00", i)
        what = data[i + 1:j if j > 0 else i + 300].decode("utf-8", "replace")[:300]
        for text in self.measured:
            remember(self.gw.judge.must_ask, text, what, 10_000)
            if self.gw.judge.native is not None:
                self.gw.judge.native.deny(text.encode("utf-8", "replace"))
        self.measured.clear()

    def guard_error(self, data: bytes):
        """The in-database guard refused a statement the gateway let through by its text (its budget across
        transactions, typically): the client gets the guard's error now, and the same simple Query is asked about
        from now on, with what the guard said as its impact (an approval then carries a grant)."""
        i = data.find(_GUARD)
        if self.last_q is None or data[max(i - 7, 0):i] != b"C42501\x00":
            return    # (an ErrorResponse's SQLSTATE comes just before its message: not a row that says the same)
        try:
            text = self.last_q.decode("utf-8")
        except UnicodeDecodeError:
            return
        j = data.find(b"\x00", i)
        what = data[i + 1:j if j > 0 else i + 300].decode("utf-8", "replace")[:300]
        judge = self.gw.judge
        until = time.monotonic() + GUARD_ASK_SECONDS
        remember(judge.must_ask, text, f"{what} (when it ran)", 10_000)
        remember(judge.must_ask_until, text, until, 10_000)
        remember(judge.must_ask_raw, self.last_q, until, 10_000)
        if judge.native is not None:     # never answered by the native relay either (pgnative)
            judge.native.deny(self.last_q)

    def refuse_parse(self, name: bytes, message, detail=None, hint=None) -> bytes:
        """The Parse sent in place of a refused one (see :func:`parse_marker`)."""
        self.poisoned.add(name)
        marker, stmt = parse_marker()
        self.markers[marker] = error_response(redact(message)[:2000], "42501", detail=detail and redact(detail)[:3000],
                                              hint=hint)
        return _msg(b"P", name + b"\x00" + stmt.encode() + b"\x00" + struct.pack("!H", 0))

    def upstream_held(self, data: bytes):
        """Upstream bytes while a refused Parse's error is awaited: passed on up to that ErrorResponse,
        which is replaced by Interlock's."""
        self.watch(data)
        buf = self.uhold
        buf += data
        while self.markers:
            hit = next(((mk, i) for mk in self.markers if (i := buf.find(mk)) >= 0), None)
            if hit is None:
                if len(buf) > 1 << 18:   # a large result before the error: pass it on, keep a tail
                    self.ct.write(bytes(buf[:-65536]))
                    del buf[:-65536]
                return
            mk, i = hit
            start = None
            for p in range(i - 1, max(-1, i - 2000), -1):
                if buf[p] == 0x45 and p + 5 <= len(buf):
                    n = int.from_bytes(buf[p + 1:p + 5], "big")
                    if p + 1 + n > i and n < 65536 and (b"C22P02\x00" in buf[p + 5:i] or b"C26000\x00" in buf[p + 5:i]):
                        start = p
                        break
            if start is None:   # not where it should be: the server's own error (with the marker) stands
                self.markers.pop(mk)
                continue
            end = start + 1 + int.from_bytes(buf[start + 1:start + 5], "big")
            if end > len(buf):
                return          # the rest of the ErrorResponse is still coming
            self.ct.write(bytes(buf[:start]) + self.markers.pop(mk))
            del buf[:end]
        if buf:
            self.ct.write(bytes(buf))
            buf.clear()

    def search_path_reported(self, data: bytes):
        """What looks like a ParameterStatus for search_path mid-session (servers that report it: PostgreSQL 18+).
        The relayed stream is not framed here, so a result row could carry the same bytes: a report that differs
        from what the statements showed makes the setting unknown (a function set it), never another value."""
        i = data.find(_SEARCH_PATH)
        if i >= 5 and data[i - 5:i - 4] == b"S":
            j = data.find(b"\x00", i + len(_SEARCH_PATH))
            if j > 0:
                value = data[i + len(_SEARCH_PATH):j].decode("utf-8", "replace")
                if value != (self.sp.value or value) and not self.sp.unknown:
                    self.sp.unknown = (f"the server reported search_path {value[:80]!r}, which the statements sent "
                                       "did not show (a function set it)")

    def watch(self, data: bytes):
        """The upstream's next bytes: a ``client_encoding`` ParameterStatus is seen however the reads cut it (its
        name, or its value, split across reads): what could begin one is kept for the next read."""
        tail = self.utail
        if data.find(_WATCHED) >= 0 or (tail and (tail + data[:_WL]).find(_WATCHED) >= 0):
            joined = tail + data
            pending = self.server_params(joined)
            if pending >= 0:
                self.utail = joined[pending:]
                return
        self.utail = _tail(tail, data) if data[-1] in _WATCHED_TAIL else b""

    def server_params(self, data: bytes) -> int:
        """ParameterStatus from the server: a client encoding Interlock cannot tokenize reached the session
        (SET, set_config, a function, ALTER ROLE ... SET): from now on every statement is refused.  Returns
        where a value the bytes cut before its end begins (-1: none), to be read whole with the next bytes."""
        i = data.find(_WATCHED)
        while i >= 0:
            j = data.find(b"\x00", i + len(_WATCHED))
            if j < 0:   # the value goes on in the next read (an encoding's name is short: else not one)
                return i if len(data) - i <= _WL + 64 else -1
            value = data[i + len(_WATCHED):j].decode("latin-1")
            if _ambiguous(value) and self.refusing is None:
                self.refusing = (f"the session's client_encoding became {value}, in which a multibyte character "
                                 "can swallow a quote or backslash: Interlock cannot read the statements, so none "
                                 "is run on this connection (reconnect with UTF8)")
                _log(f"session refused from now on: client_encoding {value}")
            i = data.find(_WATCHED, i + 1)
        return -1

    def abort(self):
        if self.native_stop():   # the native relay holds the sockets: aborted when it hands them back
            return
        if self.key is not None:
            self.gw.sessions.pop(self.key, None)
        for w in (self.writer, self.uwriter):
            if w is not None:
                try:
                    w.close()
                except Exception:  # noqa: BLE001
                    pass

    async def fatal(self, message, code="08006"):
        try:
            self.writer.write(error_response(redact(message)[:2000], code, "FATAL"))
            await self.writer.drain()
        except Exception:  # noqa: BLE001
            pass

    # --- startup --------------------------------------------------------------------------------
    async def _startup(self):
        r = self.reader
        while True:
            head = await asyncio.wait_for(r.readexactly(8), 30)
            n, code = struct.unpack("!II", head)
            if n < 8 or n > MAX_STARTUP:
                raise ProtocolError(f"startup packet with a bad length ({n})")
            body = await asyncio.wait_for(r.readexactly(n - 8), 30)
            if code == SSL_REQUEST and self.gw.ssl_context is not None and not self.tls:
                if r._buffer:  # bytes sent before the handshake would be injected into the TLS session
                    raise ProtocolError("data received before the TLS handshake")
                # the client's ClientHello must stay in the socket for the TLS layer, not in the stream
                self.writer.transport.pause_reading()
                self.writer.write(b"S")
                await self.writer.drain()
                await asyncio.wait_for(self.writer.start_tls(self.gw.ssl_context), 30)
                self.tls = True
                continue
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                self.writer.write(b"N")  # no TLS configured for the client leg (see gateway_tls_cert)
                await self.writer.drain()
                continue
            if self.gw.ssl_context is not None and not self.tls and not self.gw.loopback:
                raise ProtocolError("this gateway accepts TLS connections only (sslmode=require)")
            if code == CANCEL_REQUEST:
                if n == 16:
                    await self.gw.cancel(head + body)
                return None
            if code >> 16 != 3:
                raise ProtocolError(f"unsupported protocol version {code >> 16}.{code & 0xFFFF}")
            parts = body.split(b"\x00")
            if parts[-2:] != [b"", b""] and parts[-1:] != [b""]:
                raise ProtocolError("startup parameters are not terminated")
            params = {}
            items = [p.decode("utf-8", "replace") for p in parts[:-1]]
            if items and items[-1] == "":
                items = items[:-1]
            if len(items) % 2:
                raise ProtocolError("startup parameters are malformed")
            for i in range(0, len(items), 2):
                params[items[i]] = items[i + 1]
            unknown = [k for k in params if k.startswith("_pq_.")]
            if code & 0xFFFF or unknown:
                self.writer.write(_msg(b"v", struct.pack("!II", 0, len(unknown)) +
                                       b"".join(k.encode() + b"\x00" for k in unknown)))
            return params

    async def _authenticate(self, params) -> bool:
        up = self.gw.upstream
        user = params.get("user", "")
        if up.gateway_user and user != up.gateway_user:
            await self.fatal(f'password authentication failed for user "{user}"', "28P01")
            return False
        if up.gateway_password:
            if not await self._scram():
                await self.fatal(f'password authentication failed for user "{user}"', "28P01")
                return False
        elif not self.gw.loopback:
            await self.fatal("this gateway needs gateway_password_vault when it listens beyond the loopback",
                             "28000")
            return False
        return True

    async def _scram(self) -> bool:
        """SCRAM-SHA-256 with the client: the password is proven, never sent."""
        server = ScramServer(self.gw.upstream.scram_secret())
        self.writer.write(_msg(b"R", struct.pack("!I", 10) + b"SCRAM-SHA-256\x00\x00"))
        await self.writer.drain()
        t, b = await asyncio.wait_for(_read_msg(self.reader, 10_000), 60)
        if t != b"p":
            return False
        mech, p = _cstr(b, 0)
        if mech != b"SCRAM-SHA-256" or len(b) < p + 4:
            return False
        n = struct.unpack("!i", b[p:p + 4])[0]
        first = server.first(b[p + 4:p + 4 + n] if n >= 0 else b"")
        self.writer.write(_msg(b"R", struct.pack("!I", 11) + first))
        await self.writer.drain()
        t, b = await asyncio.wait_for(_read_msg(self.reader, 10_000), 60)
        final = server.final(b) if t == b"p" else None
        if final is None:
            return False
        self.writer.write(_msg(b"R", struct.pack("!I", 12) + final))  # AuthenticationOk follows the upstream login
        return True

    def _judge_startup_settings(self, params: dict) -> str | None:
        """Every setting of the startup packet (a parameter, or ``-c name=value`` / ``--name=value`` in its
        options) is what ``SET name TO value`` would do as the session's first statement: judged as that
        statement, and the connection refused, saying why, unless it would be allowed (no approval is filed at
        login: the client can run the SET through the gateway to have it judged and approved).  Options
        Interlock does not read are refused.  Never raises."""
        from ..actions import ALLOW

        try:
            settings = startup_settings(params)
            if isinstance(settings, str):
                return settings
            for name, value in settings:
                if name.lower() in ("client_encoding", "search_path"):  # checked, and tracked, on their own
                    continue
                if name.lower() in ("role", "session_authorization") and self.sp is not None:
                    self.sp.unknown = f'the startup settings set {name.lower()} ("$user" in search_path)'
                text = f"SET {quote_ident(name)} TO {quote_literal(value)}"
                d = self.gw.judge.decide(text)
                if d.decision != ALLOW or d.error:
                    why = "; ".join(d.reasons)[:600] or "not allowed"
                    return (f"the startup setting {name}={value[:80]!r} is what `{text[:200]}` does, which "
                            f"Interlock would {'deny' if d.decision == 'deny' else 'ask about'}: {why} — connect "
                            "without it and run the SET through the gateway, where it is judged")
            return None
        except Exception as e:  # noqa: BLE001 - fail closed
            return redact(f"Interlock could not judge the startup settings: {type(e).__name__}: {e}")[:500]

    async def run(self):
        try:
            params = await self._startup()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            return
        except ProtocolError as e:
            await self.fatal(f"protocol violation: {e}", "08P01")
            return
        if params is None:
            return
        self.sp = SearchPath(params)
        up = self.gw.upstream
        if "replication" in params and params["replication"].lower() not in ("false", "off", "no", "0"):
            await self.fatal("replication connections are not served by the Interlock gateway", "28000")
            return
        db = params.get("database") or params.get("user")
        if db and db not in (up.database, up.name, *getattr(up, "aliases", ())):
            await self.fatal(f'database "{db}" is not served here: this Interlock gateway serves '
                             f'"{up.database}" ({up.name})', "3D000")
            return
        opts = params.get("options") or ""
        if _ambiguous(params.get("client_encoding")) or any(
                _ambiguous(m.group(1)) for m in re.finditer(r"client[_-]encoding\s*=\s*([A-Za-z0-9_-]+)", opts, re.I)):
            await self.fatal("client encodings whose multibyte characters contain quote bytes are refused "
                             "(Interlock could not read the statements reliably): use UTF8", "22021")
            return
        refused = await asyncio.get_running_loop().run_in_executor(
            self.gw.approval_pool, self._judge_startup_settings, params)
        if refused:
            await self.fatal(refused, "42501")
            return
        try:
            if not await self._authenticate(params):
                return
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, ProtocolError):
            return
        forward = {k: v for k, v in params.items() if k not in ("user", "database", "replication")
                   and not k.startswith("_pq_.")}
        try:
            self.ureader, self.uwriter, relay, ukey = await upstream_login(up, forward)
        except Exception as e:  # noqa: BLE001
            await self.fatal(f"Interlock gateway: upstream {up.name} ({up.where}) is unavailable: "
                             f"{type(e).__name__}: {e}", "08001")
            return
        for m in relay:
            if m[:1] == b"S" and m[5:].startswith(_SEARCH_PATH):
                self.sp.reported(m[5 + len(_SEARCH_PATH):].split(b"\x00")[0].decode("utf-8", "replace"))
            if m[:1] == b"S" and _WATCHED in m:
                value = m[5:].split(b"\x00")[1].decode("latin-1", "replace")
                if _ambiguous(value):
                    self.uwriter.close()
                    await self.fatal(f"the session's client_encoding is {value} (from the role's or database's "
                                     "settings, or options): Interlock could not read statements in it; use UTF8",
                                     "22021")
                    return
        self.upstream_key = ukey
        self.key = secrets.token_bytes(8)
        while self.key in self.gw.sessions:
            self.key = secrets.token_bytes(8)
        self.key = bytes([self.key[0] & 0x7F]) + self.key[1:]  # a positive "pid"
        self.gw.sessions[self.key] = self
        out = [_msg(b"R", struct.pack("!I", 0))] + relay[:-1] + [_msg(b"K", self.key)] + relay[-1:]
        self.writer.write(b"".join(out))
        await self.writer.drain()
        try:
            self._relay()
            await self.done
        finally:
            if not self.terminated and self.upstream_key is not None:
                await self.gw.cancel(struct.pack("!II", 16, CANCEL_REQUEST) + self.key)
            self.abort()

    # --- after login: both sockets on plain protocols (no stream objects on the hot path) --------------
    def _relay(self):
        """Switch both transports to :class:`_Side` protocols.  Upstream → client bytes pass through
        untouched; client → upstream bytes are framed and every statement judged (:meth:`_pump`).
        Flow control: a side whose peer's write buffer is full stops reading until it drains."""
        self.done = asyncio.get_running_loop().create_future()
        self.buf = bytearray()
        self.stream_left = 0     # bytes of a large CopyData message still to pass through
        self.busy = False        # a statement is being judged off the loop: later messages wait in buf
        self.held = False        # the upstream's write buffer is full: the client is not read
        self.ct, self.ut = self.writer.transport, self.uwriter.transport
        left = {}
        for name, r in (("client", self.reader), ("upstream", self.ureader)):
            b = getattr(r, "_buffer", None)   # bytes the stream already read past the login
            left[name] = bytes(b) if b else b""
            if b:
                b.clear()
            if r.at_eof() or r.exception() is not None:
                left[name + "_eof"] = True
        self.ct.set_protocol(_ClientSide(self))
        self.ut.set_protocol(_UpstreamSide(self))
        for t in (self.ct, self.ut):  # room for a large CopyData / result chunk before pausing the peer
            t.set_write_buffer_limits(high=1 << 20)
        if left["upstream"]:
            self.ct.write(left["upstream"])
        if left.get("upstream_eof"):
            self.upstream_lost()
            return
        if left["client"]:
            self.from_client(left["client"])
        if left.get("client_eof"):
            self.client_lost()
            return
        for t in (self.ct, self.ut):
            if not t.is_closing() and not t.is_reading():
                t.resume_reading()
        self._native_setup()
        self._native_try()

    def client_lost(self):
        if not self.done.done():
            self.done.set_result(None)

    def upstream_lost(self):
        self.terminated = True  # the upstream ended the session: nothing left to cancel
        if self.stimer is not None:
            self.stimer.cancel()
            self.stimer = None
        if self.capture is not None:
            self.capture.fail(ConnectionError("the upstream closed the connection"))
        self.ct.close()
        if not self.done.done():
            self.done.set_result(None)

    def _reading(self):
        if self.busy or self.held:
            self.ct.pause_reading()
        elif not self.ct.is_closing():
            self.ct.resume_reading()

    # --- client → upstream: framing and judgement -------------------------------------------------
    def from_client(self, data: bytes):
        if not self.busy and not self.buf:
            if self.stream_left:
                # the rest of a large CopyData message: passed on as it comes, without a copy
                take = min(self.stream_left, len(data))
                self.stream_left -= take
                if take == len(data):
                    self.ut.write(data)
                    return
                self.ut.write(data[:take])
                data = data[take:]     # (stream_left is 0 now)
            if len(data) < 5:
                self.buf += data
                return
            t, n = _HEAD_AT(data, 0)
            sp = self.sp
            if t == 0x51 and n + 1 == len(data) and n <= MAX_SMALL and data[-1] == 0 and not self.refusing \
                    and not self.deferred and sp.local is None and sp.session is None and not sp.unknown:
                # (the raw caches hold only statements judged under the login's search_path that don't move it:
                # the session is at it — SearchPath.at_login_default, inlined on the hottest path)
                judge = self.judge
                raw = data[5:-1]
                if judge.rehearse is None:
                    words = judge.tx_raw.get(raw)
                    if words is not None:        # BEGIN; END;: allowed, and the block they open or close followed
                        judge.stats["cached"] += 1
                        sp.observe_transaction(words)
                        self.ut.write(data)
                        return
                if judge.cached_raw(raw):
                    judge.stats["cached"] += 1   # a simple Query whose verdict is cached: the hottest path
                    self.last_q = raw
                    self.ut.write(data)
                    return
            if n + 1 == len(data) and t in CLIENT_TYPES and 4 <= n <= MAX_SMALL:
                # the common case: one whole message in one read, passed on without a copy
                try:
                    out = self._message(t, data)
                except ProtocolError as e:
                    self._violation(e, [])
                    return
                if out is not None:
                    self.ut.write(out)
                return
            if self._plain(data):
                self.ut.write(data)
                return
        self.buf += data
        if not self.busy:
            self._pump()

    def _plain(self, data: bytes) -> bool:
        """``data`` is whole messages of which none is judged or rewritten (Bind, Execute, Describe, Sync, Flush...
        of a prepared statement that is neither replaced nor deferred), each within its size limit: then it is
        passed on as it is (what :meth:`_pump` would send, without its copies).  Anything else — a statement,
        a message cut by the read, a Bind or Close while statements are replaced or deferred — goes through
        :meth:`_pump`."""
        if self.granted or self.granted_stmts:   # an approved portal's Execute carries its grant (_message)
            passing = _PASSING_UNGRANTED
        else:
            passing = _PASSING if not (self.poisoned or self.deferred or self.sp_movers) else _PASSING_NO_BIND
        pos, end = 0, len(data)
        head = _HEAD_AT
        while end - pos >= 5:
            t, n = head(data, pos)
            if t not in passing or n < 4 or n > MAX_SMALL:
                return False
            pos += n + 1
        return pos == end

    def _pump(self):
        buf = self.buf
        out = []
        pos = 0
        end = len(buf)
        try:
            while not self.busy:
                if self.stream_left:
                    take = min(self.stream_left, end - pos)
                    out.append(bytes(buf[pos:pos + take]))
                    pos += take
                    self.stream_left -= take
                    if self.stream_left:
                        break
                if end - pos < 5:
                    break
                t = buf[pos]
                n = int.from_bytes(buf[pos + 1:pos + 5], "big")
                if t not in CLIENT_TYPES:
                    raise ProtocolError(f"unknown message type {bytes([t])!r}")
                limit = MAX_STATEMENT if t in (0x51, 0x50) else (MAX_SMALL if t in _SMALL_TYPES else MAX_MESSAGE)
                if n < 4 or n - 4 > limit:
                    raise ProtocolError(f"message {bytes([t])!r} with a bad length ({n})")
                if end - pos < n + 1:
                    if t == 0x64 and n > 65536:  # CopyData: stream it
                        out.append(bytes(buf[pos:end]))
                        self.stream_left = n + 1 - (end - pos)
                        pos = end
                    break
                msg = bytes(buf[pos:pos + n + 1])
                pos += n + 1
                m = self._message(t, msg)
                if m is not None:
                    out.append(m)
        except ProtocolError as e:
            del buf[:pos]
            self._violation(e, out)
            return
        del buf[:pos]
        if out:
            self.ut.write(b"".join(out) if len(out) > 1 else out[0])

    def _violation(self, e, out):
        if out:
            self.ut.write(b"".join(out))
        self.busy = True  # nothing more is read or forwarded from this client
        self.ct.write(error_response(redact(f"protocol violation: {e}")[:2000], "08P01", "FATAL"))
        self.ct.close()

    def _message(self, t: int, msg: bytes):
        """The bytes to forward for one whole message, or None when it is being judged off the loop
        (then ``busy`` holds every later message back until the verdict is written)."""
        if t == 0x51:    # Q
            self.last_q = msg[5:-1]     # (what the in-database guard may refuse: then asked about, see guard_error)
            if msg[-1] == 0 and not self.refusing and not self.deferred and self.sp.at_login_default() \
                    and self.gw.judge.cached_raw(msg[5:-1]):
                self.gw.judge.stats["cached"] += 1
                return msg
            body = msg[5:]
            try:
                text = body[:-1].decode("utf-8") if body.endswith(b"\x00") else None
            except UnicodeDecodeError:
                text = None
            if text is None or "\x00" in text:
                raise ProtocolError("Query is not a NUL-terminated UTF-8 string")
            if self.refusing:
                return _msg(b"Q", raise_statement(f"Interlock refused this statement: {self.refusing}").encode()
                            + b"\x00")
            if self.deferred and _SQL_EXECUTE.search(text):
                return _msg(b"Q", raise_statement(_EXECUTE_REFUSED).encode() + b"\x00")
            where = self.sp.payload()
            if self.gw.judge.cached(text, where):
                self.gw.judge.stats["cached"] += 1
                self.sp.observe(text)             # what the server is sent, only
                return msg
            return self._judge_later(t, body, text, where=where)
        if t == 0x50:    # P
            body = msg[5:]
            try:
                name, p = _cstr(body, 0)
                raw, p = _cstr(body, p)
                text = raw.decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise ProtocolError("malformed Parse message") from None
            self.last_q = raw
            if self.refusing:
                return self.refuse_parse(name, f"Interlock refused this statement: {self.refusing}")
            if self.deferred and _SQL_EXECUTE.search(text):
                self.deferred.pop(name, None)
                return self.refuse_parse(name, _EXECUTE_REFUSED)
            where = self.sp.payload()
            if self.gw.judge.cached(text, where):
                self.sp.observe(text)
                self._mover(name, text)
                self.gw.judge.stats["cached"] += 1
                self.poisoned.discard(name)
                self.deferred.pop(name, None)
                return msg
            return self._judge_later(t, body, text, name, where)
        if t == 0x45 and self.granted:  # E: an approved portal's grant goes just before it
            try:
                portal = _cstr(msg, 5)[0]
            except ValueError:
                raise ProtocolError("malformed Execute message") from None
            value = self.granted.pop(portal, None)
            return msg if value is None else self.grant_execute(value) + msg
        if t == 0x42 and (self.poisoned or self.deferred or self.granted or self.granted_stmts or self.sp_movers):
            try:
                portal, p = _cstr(msg, 5)
                stmt = _cstr(msg, p)[0]
            except ValueError:
                raise ProtocolError("malformed Bind message") from None
            if stmt in self.sp_movers:
                self.sp_movers[stmt] += 1
                self.sp.unknown = self.sp.unknown or _SP_EXTENDED
            self.granted.pop(portal, None)       # bound again: judged again
            if stmt in self.granted_stmts:       # an approved statement's first execution carries its grant
                self.granted[portal] = self.granted_stmts.pop(stmt)
            if stmt in self.deferred:
                return self._judge_bind_later(msg, stmt)
            return self._bind(msg)
        if t == 0x43 and (self.poisoned or self.deferred or self.granted or self.granted_stmts):  # C(lose)
            if msg[5:6] == b"S":
                name = _cstr(msg, 6)[0]
                self.poisoned.discard(name)
                self.deferred.pop(name, None)
                self.granted_stmts.pop(name, None)
            elif msg[5:6] == b"P":
                self.granted.pop(_cstr(msg, 6)[0], None)
            return msg
        if t == 0x46:  # F: FunctionCall by OID, out of the analysis' sight
            return _msg(b"Q", raise_statement(
                "Interlock refuses function calls by OID (the fast-path protocol): use SELECT "
                "so the statement can be judged").encode() + b"\x00")
        if t == 0x58:  # X
            self.terminated = True
        return msg

    def _mover(self, name: bytes, text: str):
        """A Parse forwarded (after ``self.sp.observe(text)``): one that may move search_path makes it unknown, and
        so does each of its Binds; another forgets the name."""
        if mention(text):                     # names the setting (a transaction's start or end alone does not)
            self.sp_movers[name] = 0
            self.sp.unknown = self.sp.unknown or _SP_EXTENDED
        else:
            self.sp_movers.pop(name, None)

    def _judge_later(self, t, body, text, name=None, where=None):
        self.busy = True
        self._reading()
        self.pending = asyncio.ensure_future(self._judged(t, body, text, name, where))  # the loop keeps weak refs
        return None

    async def _judged(self, t, body, text, name, where=None):
        loop = asyncio.get_running_loop()
        deferrable = t == 0x50 and bool(_param_probes(text))
        try:
            v = await loop.run_in_executor(self.gw.approval_pool, functools.partial(
                self.gw.judge.judge, text, t == 0x51, deferrable=deferrable, where=where))
        except Exception as e:  # noqa: BLE001 - e.g. the pool shut down: nothing is forwarded unjudged
            self._violation(f"the statement could not be judged ({type(e).__name__})", [])
            return
        if v.decision == "measure" and not self.ut.is_closing():
            self.pending = asyncio.ensure_future(self._measure(body, text, where))   # busy until it is done
            return
        if v.decision == "measured":
            self.measured = self.measured[-7:] + [text]
        if t == 0x50:
            self.granted_stmts.pop(name, None)
            if v.send is not None:   # approved with a grant: bound to the parsed text, set before its Execute
                try:
                    g = await loop.run_in_executor(self.gw.approval_pool, self.gw.judge._bound_grant, text,
                                                   v.approval_id)
                except Exception as e:  # noqa: BLE001 - nothing is forwarded unjudged
                    self._violation(f"the statement's grant could not be written ({type(e).__name__})", [])
                    return
                if g.grant:
                    self.granted_stmts[name] = g.grant
        if v.allow:
            self.sp.observe(text)                 # forwarded: its effect on search_path is the session's
            if t == 0x50:
                self._mover(name, text)
        if t == 0x51 and v.send:
            out = _msg(b"Q", v.send.encode() + b"\x00")
        elif t == 0x51:
            out = _msg(b"Q", body) if v.allow else \
                _msg(b"Q", raise_statement(v.message, v.detail, v.hint).encode() + b"\x00")
        elif v.decision == "defer":
            try:
                oids = pgvalues.parse_oids(body, _cstr(body, _cstr(body, 0)[1])[1])
            except (ValueError, struct.error):
                self._violation("malformed Parse message", [])
                return
            self.poisoned.discard(name)
            self.deferred[name] = (text, oids)
            out = _msg(b"P", body)
        elif v.allow:
            self.poisoned.discard(name)
            self.deferred.pop(name, None)
            out = _msg(b"P", body)
        else:
            self.deferred.pop(name, None)
            out = self.refuse_parse(name, v.message, v.detail, v.hint)
        self._resume(out)

    def _resume(self, out: bytes):
        """A held message's verdict is in: send what stands in its place, then go on with the client's next."""
        if self.ut.is_closing():
            return
        self.ut.write(out)
        self.busy = False
        self._pump()
        if not self.busy:
            self._reading()
            if self.native_plain:
                self._native_try()

    def _judge_bind_later(self, msg: bytes, stmt: bytes):
        text, oids = self.deferred[stmt]
        try:
            portal, _, formats, values = pgvalues.parse_bind(msg)
        except (ValueError, struct.error):
            raise ProtocolError("malformed Bind message") from None
        self.busy = True
        self._reading()
        self.pending = asyncio.ensure_future(self._judged_bind(msg, text, oids, portal, formats, values,
                                                               self.sp.payload()))
        return None

    async def _judged_bind(self, msg, text, oids, portal, formats, values, where=None):
        loop = asyncio.get_running_loop()
        try:
            v = await loop.run_in_executor(self.gw.approval_pool, functools.partial(
                self.gw.judge.judge_bound, text, oids, formats, values, where=where))
        except Exception as e:  # noqa: BLE001 - nothing is forwarded unjudged
            self._violation(f"the statement could not be judged ({type(e).__name__})", [])
            return
        if v.decision == "measured" and v.text:
            self.measured = self.measured[-7:] + [v.text]
        if v.allow and v.grant:
            self.granted[portal] = v.grant
        if v.allow and v.text and v.decision == "allow":
            self.last_q = v.text.encode("utf-8")   # its values in place: asked about by that text if the guard refuses
        self._resume(msg if v.allow else self.refuse_bind(portal, v.message, v.detail, v.hint))

    def refuse_bind(self, portal: bytes, message, detail=None, hint=None) -> bytes:
        """The Bind sent in place of a refused one: to a statement that does not exist, named by a marker, so
        the server's error (at the Bind, in order) is swapped for Interlock's."""
        marker = ("interlock-refusal-" + secrets.token_hex(12)).encode()
        self.markers[marker] = error_response(redact(message or "Interlock refused this statement")[:2000], "42501",
                                              detail=detail and redact(detail)[:3000], hint=hint)
        return _msg(b"B", portal + b"\x00" + marker + b"\x00" + struct.pack("!HHH", 0, 0, 0))

    def _bind(self, msg: bytes) -> bytes:
        """A Bind to a replaced statement binds no parameters (the client's no longer fit)."""
        try:
            portal, p = _cstr(msg, 5)
            stmt, p = _cstr(msg, p)
        except ValueError:
            raise ProtocolError("malformed Bind message") from None
        if stmt not in self.poisoned:
            return msg
        return _msg(b"B", portal + b"\x00" + stmt + b"\x00" + struct.pack("!HHH", 0, 0, 0))


async def _keep_fresh(judge: Judge, pool, every: float = 2.0):
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(every)
        try:
            await loop.run_in_executor(pool, judge.keep_fresh)
        except RuntimeError:  # the pool shut down: the gateway is stopping
            return


async def serve(upstream: Upstream, judge: Judge, host: str, port: int, ready=None):
    gw = await Gateway(upstream, judge, host, port).start()
    if ready is not None:
        ready(gw)
    loop = asyncio.get_running_loop()
    fresh = asyncio.ensure_future(_keep_fresh(judge, gw.approval_pool))
    _log(f"postgres gateway for {upstream.name} ({upstream.url}) listening on {host}:{gw.port} "
         f"(event loop: {type(loop).__module__.split('.')[0]}; native relay: "
         f"{'on' if judge.native is not None else 'off' if pgnative.available() else 'not built'})")
    stop = asyncio.Event()
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    await stop.wait()
    fresh.cancel()
    if pgnative.STATS is not None:
        _log(f"native relay: {pgnative.STATS}")
    await gw.close()
    return gw
