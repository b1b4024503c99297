"""The tamper-evident audit log: an append-only, hash-chained SQLite table.

Each record stores the SHA-256 of its own canonical content plus the previous
record's hash, so editing, deleting, inserting or reordering records breaks the
chain at the first affected record.  A separate head file (count and last hash)
catches truncation of the newest records.  Everything written is redacted.

The chain alone can be rebuilt by anyone who can write the file: edit a record, re-hash
every later one, append.  So each record also carries a MAC of its hash under a key only
the state's owner holds (``audit.key``, 0600 in the state directory — in system mode a
directory of the service user the agent cannot read): re-hashing without the key breaks
the MAC of the first edited record, and ``interlock log --verify`` says so.  Records
written before the key existed (an older Interlock) are checked by their chain only.

``open_log`` is the factory: this SQLite log in the state directory, or — when
``INTERLOCK_STORE`` names PostgreSQL — one chain shared by a team's machines
(``approvals.store_pg.PostgresAuditLog``, same records, same hashes).
"""

from __future__ import annotations

import json
import os
import time

from .actions import sha256_hex
from .redact import redact

GENESIS = "0" * 64
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    agent TEXT, session TEXT, cwd TEXT, tool TEXT,
    action TEXT NOT NULL,
    digest TEXT,
    decision TEXT NOT NULL,
    severity TEXT,
    rules TEXT,
    reasons TEXT,
    findings TEXT,
    extra TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS records_ts ON records(ts);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
_FIELDS = ("seq", "ts", "agent", "session", "cwd", "tool", "action", "digest", "decision", "severity", "rules",
           "reasons", "findings", "extra", "prev_hash")


def db_path(state_dir: str) -> str:
    return os.path.join(state_dir, "audit.db")


def record_hash(rec: dict) -> str:
    blob = json.dumps([rec.get(k) for k in _FIELDS], separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(blob.encode("utf-8", "surrogatepass"))


def build_record(seq, prev, *, action, decision, agent=None, session=None, cwd=None, tool=None, digest=None,
                 extra=None) -> dict:
    """The record that follows ``prev`` as number ``seq``, redacted, with its hash."""
    rec = {
        "seq": seq, "ts": round(time.time(), 6), "agent": agent, "session": redact(session) if session else None,
        "cwd": cwd, "tool": tool, "action": redact(action), "digest": digest,
        "decision": decision.decision, "severity": decision.severity,
        "rules": json.dumps(decision.rules),
        "reasons": json.dumps(redact(decision.reasons), ensure_ascii=False),
        "findings": json.dumps(redact([f.to_dict() for f in decision.findings]), ensure_ascii=False),
        "extra": json.dumps(redact(extra), ensure_ascii=False) if extra else None,
        "prev_hash": prev,
    }
    rec["hash"] = record_hash(rec)
    return rec


def check_chain(rows, keep_seq=None):
    """Walk records (dicts, in storage order).  Returns (ok, count, problem or None, last hash,
    the hash of record ``keep_seq`` if seen)."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    kept = None
    for rec in rows:
        n += 1
        seq = rec["seq"]
        if seq != expected_seq:
            kind = "deleted" if seq > expected_seq else "inserted or reordered"
            return False, n, f"record {seq}: expected record {expected_seq} here (a record was {kind})", prev, kept
        if rec["prev_hash"] != prev:
            return False, n, f"record {seq}: does not follow record {seq - 1} (inserted, deleted or reordered)", \
                prev, kept
        if record_hash(rec) != rec["hash"]:
            return False, n, f"record {seq}: content was edited (hash mismatch)", prev, kept
        prev = rec["hash"]
        if seq == keep_seq:
            kept = prev
        expected_seq += 1
    return True, n, None, prev, kept


KEY_FILE = "audit.key"


_KEYS = {}  # path -> ((inode, mtime), (key, since)): the key is read again only when its file changes


def _read_key(path):
    """(key bytes, first keyed seq) or None when there is no key file."""
    try:
        st = os.stat(path)
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        got = _KEYS.get(path)
        if got is not None and got[0] == sig:
            return got[1]
        with open(path, "rb") as f:
            d = json.loads(f.read(4096))
        val = (bytes.fromhex(d["key"]), int(d["since"]))
        _KEYS[path] = (sig, val)
        return val
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OSError(f"unreadable audit key {path}: {type(e).__name__}") from None


def _make_key(path, since):
    """Create the key (first keyed record ``since``); the key an earlier racer made wins."""
    blob = json.dumps({"key": os.urandom(32).hex(), "since": since}).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
    return _read_key(path)


def record_mac(key: bytes, h: str) -> str:
    import hmac

    return hmac.new(key, b"interlock-audit\0" + h.encode(), "sha256").hexdigest()


def write_head(head_path, seq, h):
    # fixed width, written in place: a reader never sees a partial line
    line = f"{seq:020d} {h}\n".encode()
    try:
        fd = os.open(head_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.pwrite(fd, line, 0)
        finally:
            os.close(fd)
    except OSError:
        pass


def open_log(state_dir: str, env=None):
    """The audit log to write and read: the shared PostgreSQL chain when ``INTERLOCK_STORE`` is a
    PostgreSQL URL, else ``AuditLog(state_dir)``.  psycopg is imported only in the first case."""
    spec = ((os.environ if env is None else env).get("INTERLOCK_STORE") or "").strip()
    if spec.split(":", 1)[0] in ("postgresql", "postgres"):
        from .approvals.store_pg import open_log as pg_log

        return pg_log(spec, os.environ if env is None else env, state_dir)
    return AuditLog(state_dir)


def _connect(path):
    try:
        import _sqlite3 as sqlite3  # the C module alone: sqlite3/__init__ adds datetime adapters we don't use
    except ImportError:
        import sqlite3

    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    new = not os.path.exists(path)
    con = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    if new:
        con.execute("PRAGMA journal_mode=WAL")  # persistent in the file: set once
    con.execute("PRAGMA synchronous=NORMAL")
    return con


_KEPT = {}  # path -> (connection, inode): reused by long-lived writers (the hook daemon)


def _kept_connection(path):
    """A connection kept open across appends; reopened when the file was replaced or removed."""
    try:
        ino = os.stat(path).st_ino
    except OSError:
        ino = None
    kept = _KEPT.get(path)
    if kept is not None and ino is not None and kept[1] == ino:
        return kept[0]
    if kept is not None:
        _KEPT.pop(path, None)
        try:
            kept[0].close()
        except Exception:
            pass
    con = _connect(path)
    if len(_KEPT) > 16:
        for c, _ in _KEPT.values():
            try:
                c.close()
            except Exception:
                pass
        _KEPT.clear()
    _KEPT[path] = (con, os.stat(path).st_ino)
    return con


class AuditLog:
    def __init__(self, state_dir: str):
        self.state_dir = state_dir
        self.path = db_path(state_dir)
        self.head_path = os.path.join(state_dir, "audit.head")
        self.key_path = os.path.join(state_dir, KEY_FILE)

    def append(self, *, action, decision, agent=None, session=None, cwd=None, tool=None, digest=None,
               extra=None, keep=False) -> dict:
        """Append one decision; returns the stored record.  Raises OSError/sqlite3.Error on failure.

        ``keep`` reuses one open connection per log across calls (a hook process exits
        without closing it; the daemon keeps it for the next call)."""
        con = _kept_connection(self.path) if keep else _connect(self.path)
        try:
            con.executescript(_SCHEMA) if not _has_table(con) else None
            _add_mac_column(con, self.path)
            con.execute("BEGIN IMMEDIATE")
            row = con.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
            key = _read_key(self.key_path) or _make_key(self.key_path, seq)
            rec = build_record(seq, prev, action=action, decision=decision, agent=agent, session=session, cwd=cwd,
                               tool=tool, digest=digest, extra=extra)
            if seq >= key[1]:
                rec["mac"] = record_mac(key[0], rec["hash"])
            cols = ",".join(rec)
            con.execute(f"INSERT INTO records ({cols}) VALUES ({','.join('?' * len(rec))})", list(rec.values()))
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except Exception:
                pass
            raise
        finally:
            if not keep:
                con.close()
        write_head(self.head_path, seq, rec["hash"])
        return rec

    def records(self, *, decision=None, since=None, session=None, limit=50):
        if not os.path.exists(self.path):
            return []
        con = _connect(self.path)
        try:
            if not _has_table(con):
                return []
            cur = con.execute(*records_query("records", "?", decision=decision, since=since, session=session,
                                             limit=limit))
            names = [c[0] for c in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()][::-1]
        finally:
            con.close()

    def verify(self, anchor=None):
        """Check the whole chain.  Returns (ok, count, problem or None).  ``anchor``: (seq, hash) of a
        head posted off the machine earlier — the record there must still have that hash."""
        if not os.path.exists(self.path):
            return True, 0, None
        con = _connect(self.path)
        try:
            if not _has_table(con):
                return True, 0, None
            cur = con.execute("SELECT * FROM records ORDER BY rowid")
            names = [c[0] for c in cur.description]
            try:
                key = _read_key(self.key_path)
            except OSError as e:
                return False, 0, str(e)
            rows = [dict(zip(names, row)) for row in cur]
            ok, n, problem, last_hash, _ = check_chain(rows)
            if not ok:
                return False, n, problem
            if key is None and any(r.get("mac") for r in rows):
                return False, n, "the audit key is missing: the records' MACs cannot be checked"
            if key is not None:
                for r in rows:
                    if r["seq"] >= key[1] and not _mac_ok(key[0], r):
                        return False, n, (f"record {r['seq']}: its MAC does not match (edited and re-hashed "
                                          "without Interlock's key)")
            if anchor is not None:
                aseq, ahash = int(anchor[0]), str(anchor[1])
                got = next((r["hash"] for r in rows if r["seq"] == aseq), None)
                if got is None:
                    return False, n, f"record {aseq} (anchored) is missing: the log was cut"
                if got != ahash:
                    return False, n, f"record {aseq}: does not match the anchored head (history was rewritten)"
        finally:
            con.close()
        try:
            with open(self.head_path) as f:
                hseq, hhash = f.read().split()
            hseq = int(hseq)
            if hseq > n:
                return False, n, f"the log ends at record {n} but record {hseq} was written: newest records deleted"
            if hseq == n and hhash != last_hash:
                return False, n, f"record {n}: does not match the recorded head of the log"
        except (OSError, ValueError):
            if n:
                return False, n, "the head file is missing or unreadable; the newest records cannot be checked"
        return True, n, None


def records_query(table, mark, *, decision=None, since=None, session=None, limit=50):
    """(query, args) behind ``records()`` on any backend (``mark``: its placeholder): the newest
    ``limit`` records with that decision, since that time, in that session."""
    q, args = f"SELECT * FROM {table} WHERE 1=1", []
    if decision:
        q += f" AND decision = {mark}"
        args.append(decision)
    if since is not None:
        q += f" AND ts >= {mark}"
        args.append(since)
    if session:
        q += f" AND session = {mark}"
        args.append(session)
    return q + f" ORDER BY seq DESC LIMIT {mark}", args + [limit]


def _mac_ok(key, rec) -> bool:
    import hmac

    return bool(rec.get("mac")) and hmac.compare_digest(rec["mac"], record_mac(key, rec["hash"]))


_HAS_MAC = set()  # (path, inode) of logs known to have the column


def _add_mac_column(con, path=None):
    """A log made by an older Interlock gets the ``mac`` column (once)."""
    try:
        key = (path, os.stat(path).st_ino) if path else None
    except OSError:
        key = None
    if key is not None and key in _HAS_MAC:
        return
    cols = {r[1] for r in con.execute("PRAGMA table_info(records)")}
    if "mac" in cols:
        if key is not None:
            if len(_HAS_MAC) > 64:
                _HAS_MAC.clear()
            _HAS_MAC.add(key)
        return
    if "mac" not in cols:
        try:
            con.execute("ALTER TABLE records ADD COLUMN mac TEXT")
        except Exception:
            pass  # a concurrent writer added it


def _has_table(con) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='records'").fetchone() is not None
