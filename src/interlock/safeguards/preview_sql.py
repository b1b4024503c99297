"""SQL impact previews: run the statements in a transaction, count, roll back.

Never commits: every connection is opened without autocommit, each statement runs inside
a savepoint, and the transaction is rolled back before the connection closes.  Statements
that cannot be undone by a rollback are never executed and are judged from the catalog
instead: ``DROP DATABASE``-class statements, MySQL DDL (it commits implicitly), and
anything that acts outside the transaction (``COPY``, ``DO``, ``CALL``, ``VACUUM``,
``pg_terminate_backend()``, ``dblink``...).  ``statement_timeout`` and ``lock_timeout``
(``max_statement_time`` / ``innodb_lock_wait_timeout`` on MariaDB/MySQL, a progress
handler and busy timeout on SQLite) bound the time a preview can hold or wait for locks.
"""

from __future__ import annotations

import os
import re
import time

from ..redact import redact
from . import connect as C
from .model import Impact

STATEMENT_TIMEOUT_S = 5.0
LOCK_TIMEOUT_S = 2.0
SQLITE_COPY_MAX = 256 * 1024 * 1024

_TX = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT"}
_READS = {"SELECT", "SHOW", "VALUES", "TABLE", "DESCRIBE", "DESC", "EXPLAIN", "USE"}
_DML = {"INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT"}
_DDL = {"DROP", "TRUNCATE", "ALTER", "CREATE", "RENAME", "COMMENT", "GRANT", "REVOKE"}
_OUTSIDE = re.compile(r"(?i)\b(pg_terminate_backend|pg_cancel_backend|dblink\w*|lo_export|lo_import|lo_unlink|"
                      r"pg_file_write|pg_file_unlink|pg_file_rename|pg_read_file|pg_read_binary_file|pg_reload_conf|"
                      r"pg_rotate_logfile|pg_promote|pg_switch_wal|pg_create_restore_point|pg_notify|"
                      r"pg_advisory_lock\w*|pg_logical_emit_message|sys_exec|sys_eval|load_file|"
                      r"into\s+outfile|into\s+dumpfile|sleep|pg_sleep|benchmark)\b")
_NO_TX_PG = re.compile(r"(?is)^\s*(create|drop|alter)\s+(database|tablespace|role|user|group|subscription)\b|"
                       r"\bconcurrently\b|^\s*(vacuum|alter\s+system|reindex\s+(system|database)|checkpoint|"
                       r"cluster|copy|do|call|lock|listen|notify|unlisten|prepare\s+transaction|"
                       r"commit\s+prepared|discard|load|security\s+label|import\s+foreign)\b")


def human_bytes(n) -> str:
    if n is None:
        return "size unknown"
    n = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.0f} {unit}" if n >= 10 else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.0f} TB"


def _plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _first_words(raw):
    words = re.findall(r"[A-Za-z_]+", re.sub(r"--[^\n]*|/\*.*?\*/", " ", raw, flags=re.S))[:4]
    return [w.upper() for w in words]


def _short(raw, n=80):
    s = " ".join(raw.split())
    return s if len(s) <= n else s[:n - 3] + "..."


class _Timeout(Exception):
    pass


class _LockWait(Exception):
    pass


def preview_sql(target, ctx, statement_timeout=STATEMENT_TIMEOUT_S, lock_timeout=LOCK_TIMEOUT_S) -> Impact:
    """Preview one ``SqlTarget``.  Never raises: a failure is an unknown impact with the reason."""
    t0 = time.monotonic()
    try:
        imp = _preview(target, ctx, statement_timeout, lock_timeout)
    except _Timeout as e:
        imp = _unknown(target, f"the preview timed out after {statement_timeout:g} s ({e})")
    except _LockWait as e:
        imp = _unknown(target, f"another session holds a lock the statement needs (waited {lock_timeout:g} s; {e})")
    except ImportError as e:
        imp = _unknown(target, f"the database driver is not installed ({e.name}): pip install 'interlock[databases]'")
    except Exception as e:
        imp = _unknown(target, f"{_error_text(e)}")
    imp.elapsed_ms = (time.monotonic() - t0) * 1000
    return imp


def _error_text(e) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    low = msg.lower()
    if "connection refused" in low or "can't connect" in low or "could not connect" in low or "2003" in low:
        msg = f"connection refused ({msg})"
    return redact(msg)[:300]


def _unknown(target, why) -> Impact:
    label = target.conn.label if target.conn else "database"
    return Impact([f"impact unknown on {redact(label)}: {why}"], [{"target": redact(label), "known": False,
                                                                  "error": why}], known=False, error=why)


def _preview(target, ctx, st_to, lock_to) -> Impact:
    if target.error:
        return _unknown(target, target.error)
    if target.conn is None:
        return _unknown(target, "Interlock has no connection to this database (give it one in the command, "
                                "DATABASE_URL, or the policy's [databases] section)")
    if not target.sql.strip():
        return _unknown(target, "no SQL to preview")
    conn = C.with_policy(target.conn, ctx.policy, ctx.env, "preview")
    from ..analysis import sql as S

    dialect = conn.dialect
    pieces = [p for p in S.split(target.sql, {"postgres": "postgres", "mysql": "mysql"}.get(dialect, "sqlite"))]
    runner = {C.POSTGRES: _PG, C.MYSQL: _My, C.SQLITE: _Lite}[dialect](conn, st_to, lock_to)
    lines, data, unknown = [], [], []
    try:
        runner.open()
        for p in pieces:
            if p.kind != "sql":
                if p.meta and p.meta.lstrip("\\.").split()[0:1] and p.meta.lstrip("\\.").lower().startswith(
                        ("c ", "connect", "i", "read", "ir", "include", "open")):
                    unknown.append(f"`{_short(p.raw, 40)}` switches database or runs a file: not previewed")
                continue
            raw = p.raw.strip().rstrip(";")
            if not raw:
                continue
            words = _first_words(raw)
            if not words or words[0] in _TX or (words[0] == "SET" and dialect != C.POSTGRES):
                continue
            st = S.classify(raw, {"postgres": "postgres", "mysql": "mysql"}.get(dialect, "sqlite"))
            st = st[0] if st else None
            severe = bool(st and st.severity in ("destructive", "catastrophic"))
            line, d = runner.statement(raw, words, st)
            if d.get("known") is False and severe:
                unknown.append(d.get("error") or f"`{_short(raw, 40)}` not previewed")
            if line:
                lines.append("  " + line)
                data.append(d)
    finally:
        runner.close()
    head = f"{redact(conn.label)} — {runner.how}:"
    imp = Impact([head] + lines, [{"target": redact(conn.label), "dialect": dialect, "via": runner.how,
                                   "statements": data}])
    if not lines:
        imp.lines.append("  no statement changes data")
    if unknown:
        imp.known = False
        imp.error = "; ".join(unknown)
        imp.lines.append("impact unknown for part of it: " + imp.error)
    return imp


# --- PostgreSQL -----------------------------------------------------------------------------------

class _PG:
    how = "ran in a transaction and rolled back"

    def __init__(self, conn, st_to, lock_to):
        self.conn, self.st_to, self.lock_to = conn, st_to, lock_to
        self.con = None

    def open(self):
        import psycopg

        self.psycopg = psycopg
        self.con = psycopg.connect(**self.conn.pg_kwargs(timeout=min(5, self.st_to + 1)), autocommit=False,
                                   application_name="interlock-preview")
        with self.con.cursor() as cur:
            cur.execute(f"SET LOCAL statement_timeout = {int(self.st_to * 1000)}")
            cur.execute(f"SET LOCAL lock_timeout = {int(self.lock_to * 1000)}")
            cur.execute(f"SET LOCAL idle_in_transaction_session_timeout = {int((self.st_to + 30) * 1000)}")

    def close(self):
        if self.con is not None:
            try:
                self.con.rollback()  # never commit
            finally:
                self.con.close()

    def _raise_for(self, e):
        errors = self.psycopg.errors
        if isinstance(e, errors.LockNotAvailable):
            raise _LockWait(_error_text(e)) from None
        if isinstance(e, errors.QueryCanceled):
            raise _Timeout(_error_text(e)) from None
        if isinstance(e, self.psycopg.OperationalError):
            raise e

    def _q(self, sql, params=()):
        with self.con.cursor() as cur:
            cur.execute("SAVEPOINT interlock_q")
            try:
                cur.execute(sql, params)
                rows = cur.fetchall() if cur.description else []
                cur.execute("RELEASE SAVEPOINT interlock_q")
                return rows
            except Exception as e:
                cur.execute("ROLLBACK TO SAVEPOINT interlock_q")
                self._raise_for(e)
                raise

    def table_info(self, name):
        from psycopg import sql as psql

        rows = self._q("SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)", (name,))
        if not rows:
            return None
        oid, nsp, rel, relkind, est = rows[0]
        info = {"table": rel if nsp == "public" else f"{nsp}.{rel}", "kind": relkind}
        if relkind in ("r", "p", "m"):
            try:
                info["rows"] = self._q(psql.SQL("SELECT count(*) FROM {}").format(psql.Identifier(nsp, rel)))[0][0]
            except _Timeout:
                info["rows_estimate"] = max(int(est), 0)
            info["bytes"] = self._q("SELECT pg_total_relation_size(%s)", (oid,))[0][0]
        info["views"] = [r[0] for r in self._q(
            "SELECT DISTINCT v.oid::regclass::text FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
            "JOIN pg_class v ON v.oid = r.ev_class WHERE d.classid = 'pg_rewrite'::regclass "
            "AND d.refobjid = %s AND v.oid <> %s ORDER BY 1", (oid, oid))]
        info["foreign_keys"] = [f"{r[1]}.{r[0]}" for r in self._q(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = %s "
            "AND conrelid <> %s ORDER BY 2, 1", (oid, oid))]
        return info

    def cascade_children(self, name):
        return [r[0] for r in self._q("SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                                      "AND confdeltype = 'c' AND confrelid = to_regclass(%s) AND conrelid <> confrelid",
                                      (name,))]

    def count(self, name):
        from psycopg import sql as psql

        return self._q(psql.SQL("SELECT count(*) FROM {}").format(psql.Identifier(*name.split(".")[-2:])))[0][0]

    def database_info(self, name):
        rows = self._q("SELECT pg_database_size(datname), (SELECT count(*) FROM pg_stat_activity a "
                       "WHERE a.datname = d.datname AND a.pid <> pg_backend_pid()) FROM pg_database d WHERE datname = %s", (name,))
        if not rows:
            return {"database": name, "exists": False}
        info = {"database": name, "bytes": rows[0][0], "sessions": rows[0][1]}
        try:
            import psycopg

            with psycopg.connect(**self.conn.copy(database=name).pg_kwargs(timeout=5), autocommit=True) as c2:
                r = c2.execute("SELECT count(*), coalesce(sum(greatest(reltuples, 0)), 0)::bigint FROM pg_class "
                               "WHERE relkind IN ('r', 'p') AND relnamespace NOT IN "
                               "('pg_catalog'::regnamespace, 'information_schema'::regnamespace)").fetchone()
                info["tables"], info["rows_estimate"] = r[0], r[1]
        except Exception:
            pass
        return info

    def execute(self, raw):
        with self.con.cursor() as cur:
            cur.execute("SAVEPOINT interlock_s")
            try:
                cur.execute(raw)
                n = cur.rowcount
                cur.execute("RELEASE SAVEPOINT interlock_s")
                return n, None
            except Exception as e:
                cur.execute("ROLLBACK TO SAVEPOINT interlock_s")
                self._raise_for(e)
                return None, _error_text(e)

    def statement(self, raw, words, st):
        return _statement(self, raw, words, st, can_run=not _NO_TX_PG.search(raw) and not _OUTSIDE.search(raw),
                          ddl_runs=True, db_words=("DATABASE",))


def _statement(r, raw, words, st, can_run, ddl_runs, db_words):
    """One statement: catalog facts for what it drops, then (when safe) run it and count."""
    short = _short(raw)
    first = words[0]
    d = {"statement": redact(short)}
    if first in _READS or (first == "WITH" and not re.search(r"(?i)\b(insert|update|delete|merge)\b", raw)):
        return None, d
    tables = list(st.tables) if st is not None else []
    drops_db = first == "DROP" and len(words) > 1 and words[1] in db_words
    if drops_db:
        name = (st.target if st is not None and st.target else (words[-1] if len(words) > 2 else "")).strip('"`')
        info = r.database_info(name.split("/")[-1])
        d.update(info, mode="catalog")
        if not info.get("exists", True):
            return f"{short}: database {name} does not exist (the statement would fail)", d
        parts = [human_bytes(info.get("bytes"))]
        if "tables" in info:
            parts.insert(0, f"{_plural(info['tables'], 'table')}, ~{info['rows_estimate']:,} rows")
        if info.get("sessions"):
            parts.append(f"{_plural(info['sessions'], 'open session')}")
        return f"{short}: {', '.join(parts)} (from the catalog; not executed)", d
    infos = []
    if first in ("DROP", "TRUNCATE") or (st is not None and st.rule in ("db.delete-all",)):
        for t in tables:
            info = r.table_info(t)
            if info is not None:
                infos.append(info)
    d["objects"] = infos
    runs = can_run and (first in _DML or first == "WITH" or first == "SET" or ddl_runs)
    if first in _DDL and not ddl_runs:
        runs = False
    before = {}
    if runs and first == "DELETE":
        for t in tables:  # rows that ON DELETE CASCADE takes with them
            for child in r.cascade_children(t):
                before[child] = r.count(child)
    n, err = (r.execute(raw) if runs else (None, None))
    facts = [_describe(info) for info in infos]
    if err:
        d.update(known=True, error=err, would_fail=True)
        return f"{short}: would fail — {err}" + (f" ({'; '.join(facts)})" if facts else ""), d
    cascaded = {c: b - r.count(c) for c, b in before.items()}
    cascaded = {c: k for c, k in cascaded.items() if k}
    if cascaded:
        d["cascaded"] = cascaded
        facts.append("cascades to " + ", ".join(f"{c}: {_plural(k, 'row')}" for c, k in cascaded.items()))
    if runs:
        d["mode"] = "executed and rolled back"
        if first in _DML or first == "WITH":
            d["rows"] = n
            return f"{short}: {_plural(n, 'row')}" + (f" ({'; '.join(facts)})" if facts else ""), d
        if facts:
            return f"{short}: " + "; ".join(facts), d
        return f"{short}: ok (would succeed)", d
    d["mode"] = "catalog"
    if first in ("DROP", "TRUNCATE") and infos:
        return f"{short}: " + "; ".join(facts) + " (from the catalog; not executed)", d
    if first in ("DROP", "TRUNCATE") and tables and not infos:
        return f"{short}: {', '.join(tables)} not found (the statement would fail)", d
    if first == "DELETE" and infos:
        d["rows"] = infos[0].get("rows")
        return f"{short}: {_plural(infos[0].get('rows', 0), 'row')} (counted; not executed)", d
    d.update(known=False, error=f"`{short}` was not executed: it cannot be rolled back or acts outside the transaction")
    return f"{short}: not previewed (cannot be rolled back or acts outside a transaction)", d


def _describe(info) -> str:
    rows = info.get("rows")
    what = f"{_plural(rows, 'row')}" if rows is not None else (
        f"~{info['rows_estimate']:,} rows (estimate: counting timed out)" if "rows_estimate" in info else None)
    parts = [x for x in (what, human_bytes(info["bytes"]) if info.get("bytes") is not None else None) if x]
    if info.get("views"):
        parts.append(_plural(len(info["views"]), "dependent view") + f" ({', '.join(info['views'][:5])})")
    if info.get("foreign_keys"):
        parts.append(_plural(len(info["foreign_keys"]), "foreign key") + f" ({', '.join(info['foreign_keys'][:5])})")
    return f"{info['table']}: " + ", ".join(parts)


# --- MySQL / MariaDB ----------------------------------------------------------------------------------

class _My:
    how = "DML ran in a transaction and rolled back; DDL judged from the catalog"

    def __init__(self, conn, st_to, lock_to):
        self.conn, self.st_to, self.lock_to = conn, st_to, lock_to
        self.con = None

    def open(self):
        import pymysql

        self.pymysql = pymysql
        self.con = pymysql.connect(**self.conn.mysql_kwargs(timeout=5), read_timeout=int(self.st_to) + 5)
        with self.con.cursor() as cur:
            for s in (f"SET SESSION innodb_lock_wait_timeout = {max(1, int(self.lock_to))}",
                      f"SET SESSION lock_wait_timeout = {max(1, int(self.lock_to))}",
                      f"SET SESSION max_statement_time = {self.st_to}",       # MariaDB (seconds)
                      f"SET SESSION max_execution_time = {int(self.st_to * 1000)}"):  # MySQL (ms, SELECT)
                try:
                    cur.execute(s)
                except pymysql.MySQLError:
                    pass
            cur.execute("SET autocommit = 0")
            cur.execute("START TRANSACTION")
        self.db = self.conn.database or self._q("SELECT DATABASE()")[0][0]

    def close(self):
        if self.con is not None:
            try:
                self.con.rollback()
            finally:
                self.con.close()

    def _raise_for(self, e):
        code = e.args[0] if getattr(e, "args", None) else None
        if code == 1205:
            raise _LockWait(_error_text(e)) from None
        if code in (1969, 3024, 1317):
            raise _Timeout(_error_text(e)) from None
        if code in (2003, 2006, 2013):
            raise e

    def _q(self, sql, params=None):
        with self.con.cursor() as cur:
            try:
                cur.execute(sql, params)
            except self.pymysql.MySQLError as e:
                self._raise_for(e)
                raise
            return cur.fetchall()

    def _split(self, name):
        name = name.replace("`", "")
        return name.split(".", 1) if "." in name else (self.db, name)

    def table_info(self, name):
        db, t = self._split(name)
        rows = self._q("SELECT ENGINE, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH, TABLE_TYPE FROM information_schema.TABLES "
                       "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s", (db, t))
        if not rows:
            return None
        engine, est, size, ttype = rows[0]
        info = {"table": t if db == self.db else f"{db}.{t}", "engine": engine, "bytes": size}
        if ttype == "BASE TABLE":
            try:
                info["rows"] = self._q(f"SELECT COUNT(*) FROM `{db}`.`{t}`")[0][0]
            except _Timeout:
                info["rows_estimate"] = int(est or 0)
        views = self._q("SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
                        "WHERE VIEW_DEFINITION LIKE %s", (f"%{t}%",))
        info["views"] = [v[1] for v in views if re.search(rf"`{re.escape(t)}`|\b{re.escape(t)}\b", v[2] or "")]
        info["foreign_keys"] = [f"{r[0]}.{r[1]}" for r in self._q(
            "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
            "WHERE UNIQUE_CONSTRAINT_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s AND TABLE_NAME <> %s "
            "ORDER BY 1, 2", (db, t, t))]
        return info

    def cascade_children(self, name):
        db, t = self._split(name)
        return [f"{r[0]}" if r[1] == self.db else f"{r[1]}.{r[0]}" for r in self._q(
            "SELECT DISTINCT TABLE_NAME, CONSTRAINT_SCHEMA FROM information_schema.REFERENTIAL_CONSTRAINTS "
            "WHERE UNIQUE_CONSTRAINT_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s AND DELETE_RULE = 'CASCADE' "
            "AND TABLE_NAME <> %s", (db, t, t))]

    def count(self, name):
        db, t = self._split(name)
        return self._q(f"SELECT COUNT(*) FROM `{db}`.`{t}`")[0][0]

    def database_info(self, name):
        rows = self._q("SELECT COUNT(*), COALESCE(SUM(TABLE_ROWS), 0), COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) "
                       "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (name.strip("`"),))
        exists = self._q("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name.strip("`"),))
        if not exists:
            return {"database": name, "exists": False}
        return {"database": name, "tables": rows[0][0], "rows_estimate": int(rows[0][1]), "bytes": int(rows[0][2])}

    def execute(self, raw):
        with self.con.cursor() as cur:
            cur.execute("SAVEPOINT interlock_s")
            try:
                n = cur.execute(raw)
                cur.execute("RELEASE SAVEPOINT interlock_s")
                return n, None
            except self.pymysql.MySQLError as e:
                try:
                    cur.execute("ROLLBACK TO SAVEPOINT interlock_s")
                except self.pymysql.MySQLError:
                    pass
                self._raise_for(e)
                return None, _error_text(e)

    def _transactional(self, tables):
        for t in tables:
            db, name = self._split(t)
            rows = self._q("SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                           (db, name))
            if rows and (rows[0][0] or "").upper() not in ("INNODB", "XTRADB", "ROCKSDB"):
                return False
        return True

    def statement(self, raw, words, st):
        tables = list(st.tables) if st is not None else []
        if not tables and st is not None and st.target:
            tables = [x.strip() for x in st.target.split(",")]
        safe = not _OUTSIDE.search(raw) and self._transactional(tables)
        return _statement(self, raw, words, st, can_run=safe, ddl_runs=False, db_words=("DATABASE", "SCHEMA"))


# --- SQLite -------------------------------------------------------------------------------------------

class _Lite:
    def __init__(self, conn, st_to, lock_to):
        self.conn, self.st_to, self.lock_to = conn, st_to, lock_to
        self.con = None
        self.how = "ran in a transaction and rolled back"

    def open(self):
        import sqlite3

        self.sqlite3 = sqlite3
        path = self.conn.file
        if not path or not os.path.exists(path):
            raise FileNotFoundError(f"SQLite database {path} does not exist")
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=self.lock_to)
        if os.path.getsize(path) <= SQLITE_COPY_MAX:
            # small enough: preview on a private in-memory copy, the file is only read
            self.con = sqlite3.connect(":memory:", isolation_level=None)
            try:
                src.backup(self.con)
            except sqlite3.OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    raise _LockWait(str(e)) from None
                raise
            finally:
                src.close()
            self.how = "ran on a private copy and discarded"
        else:
            src.close()
            self.con = sqlite3.connect(path, timeout=self.lock_to, isolation_level=None)
        deadline = time.monotonic() + self.st_to
        self.con.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        self.con.execute("BEGIN")

    def close(self):
        if self.con is not None:
            try:
                self.con.execute("ROLLBACK")
            except Exception:
                pass
            self.con.close()

    def _q(self, sql, params=()):
        try:
            return self.con.execute(sql, params).fetchall()
        except self.sqlite3.OperationalError as e:
            if "interrupted" in str(e):
                raise _Timeout(str(e)) from None
            if "locked" in str(e):
                raise _LockWait(str(e)) from None
            raise

    def table_info(self, name):
        t = name.strip('"`[]').split(".")[-1]
        rows = self._q("SELECT type, name FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')",
                       (t,))
        if not rows:
            return None
        typ, t = rows[0]
        info = {"table": t}
        if typ == "table":
            info["rows"] = self._q(f'SELECT count(*) FROM "{t}"')[0][0]
            try:
                info["bytes"] = self._q("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (t,))[0][0]
            except self.sqlite3.Error:
                info["bytes"] = None
        pat = re.compile(rf'(?i)(?<![\w"`]){re.escape(t)}(?![\w"`])|["`\[]{re.escape(t)}["`\]]')
        info["views"] = [n for n, sql in self._q("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
                         if n != t and pat.search(sql or "")]
        fks = []
        for (other,) in self._q("SELECT name FROM sqlite_master WHERE type = 'table'"):
            if other == t:
                continue
            for fk in self._q(f'PRAGMA foreign_key_list("{other}")'):
                if fk[2].lower() == t.lower():
                    fks.append(f"{other}.{fk[3]}")
        info["foreign_keys"] = sorted(set(fks))
        return info

    def cascade_children(self, name):
        return []  # the sqlite3 shell runs with foreign_keys off: nothing cascades

    def count(self, name):
        return self._q(f'SELECT count(*) FROM "{name}"')[0][0]

    def database_info(self, name):
        return {"database": name, "exists": False}

    def execute(self, raw):
        self._q("SAVEPOINT interlock_s")
        try:
            before = self.con.total_changes
            self.con.execute(raw)
            n = self.con.total_changes - before
            self._q("RELEASE interlock_s")
            return n, None
        except self.sqlite3.Error as e:
            self._q("ROLLBACK TO interlock_s")
            if "interrupted" in str(e):
                raise _Timeout(str(e)) from None
            if "locked" in str(e):
                raise _LockWait(str(e)) from None
            return None, _error_text(e)

    def statement(self, raw, words, st):
        bad = re.match(r"(?i)\s*(attach|detach|vacuum|pragma|\.)", raw) or _OUTSIDE.search(raw)
        return _statement(self, raw, words, st, can_run=not bad, ddl_runs=True, db_words=())
