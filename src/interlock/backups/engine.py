"""Logical backups, their verification and restores (PostgreSQL, MySQL/MariaDB, SQLite).

A backup is a dump (``pg_dump -Fc`` / ``mysqldump --single-transaction`` / SQLite's backup
API) plus *reference checksums*: per table, the row count and an order-independent sum of
each row's MD5, computed by the server itself.

* PostgreSQL: the checksums are computed in the very snapshot ``pg_dump`` dumps
  (``pg_export_snapshot()`` + ``pg_dump --snapshot``), so they are exact under live writes.
* MySQL/MariaDB: computed in consistent-snapshot transactions just before and just after
  the dump; tables that changed in between are marked and verified by their presence only.
* SQLite: computed on the backup API's copy.

Every backup is verified by restoring it into a scratch database (``dbsnap``'s restore,
the same code a real restore runs) and comparing the scratch's checksums to the
reference.  The dump is encrypted (``crypto``) into the backup user's store; plaintext
exists only in the store's private ``tmp/`` while it is written or restored.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
import time

from ..redact import redact
from ..safeguards import connect as C
from ..safeguards import dbsnap
from ..safeguards.model import SafeguardError
from . import crypto
from .home import BackupError, Home, read_json, write_json

PAYLOAD = {C.POSTGRES: "dump.pgc", C.MYSQL: "dump.sql", C.SQLITE: "db.sqlite"}


# --- reference checksums --------------------------------------------------------------------------------

def pg_checksums(c) -> dict:
    # a row's text must not depend on the session: the source and the scratch may differ in settings
    for setting in ("TimeZone = 'UTC'", "DateStyle = 'ISO, YMD'", "IntervalStyle = 'postgres'",
                    "extra_float_digits = 3", "bytea_output = 'hex'"):
        c.execute(f"SET {setting}")
    rows = c.execute("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n "
                     "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' "
                     "AND n.nspname !~ '^pg_' ORDER BY 1").fetchall()
    out = {}
    for (t,) in rows:
        n, s = c.execute(f"SELECT count(*), coalesce(sum(('x' || left(md5(ROW(r.*)::text), 16))::bit(64)::bigint"
                         f"::numeric), 0)::text FROM ONLY {t} r").fetchone()
        out[t] = [int(n), s]
    return out


def my_checksums(cur, db) -> dict:
    cur.execute("SET time_zone = '+00:00'")
    cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                "TABLE_TYPE = 'BASE TABLE' ORDER BY 1", (db,))
    out = {}
    for (t,) in cur.fetchall():
        cur.execute("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                    "ORDER BY ORDINAL_POSITION", (db, t))
        cols = [r[0] for r in cur.fetchall()]
        expr = "CONCAT_WS(',', " + ", ".join(f"QUOTE({dbsnap._myident(x)})" for x in cols) + ")"
        cur.execute(f"SELECT COUNT(*), COALESCE(SUM(CAST(CONV(LEFT(MD5({expr}), 16), 16, 10) AS DECIMAL(65, 0))), 0) "
                    f"FROM {dbsnap._myident(db)}.{dbsnap._myident(t)}")
        n, s = cur.fetchone()
        out[t] = [int(n), str(int(s))]
    return out


def lite_checksums(path) -> dict:
    import sqlite3

    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                         "'sqlite_%' ORDER BY 1")]
        out = {}
        for t in names:
            n = s = 0
            for row in c.execute('SELECT * FROM "' + t.replace('"', '""') + '"'):
                s += int.from_bytes(hashlib.md5(repr(row).encode()).digest()[:8], "big")
                n += 1
            out[t] = [n, str(s)]
        return out
    finally:
        c.close()


def checksums_of(conn) -> dict:
    """The checksums of a live database (after a restore)."""
    if conn.dialect == C.POSTGRES:
        import psycopg

        with psycopg.connect(**conn.pg_kwargs(timeout=10), autocommit=True) as c:
            return pg_checksums(c)
    if conn.dialect == C.MYSQL:
        import pymysql

        c = pymysql.connect(**conn.mysql_kwargs(timeout=10))
        try:
            with c.cursor() as cur:
                return my_checksums(cur, conn.database)
        finally:
            c.close()
    return lite_checksums(conn.file)


def compare(reference: dict, got: dict, changed=()) -> list[str]:
    problems = []
    for t in sorted(set(reference) - set(got)):
        problems.append(f"table {t} is missing after the restore")
    for t in sorted(set(got) - set(reference)):
        problems.append(f"table {t} appeared in the restore but not in the source")
    for t in sorted(set(reference) & set(got)):
        if t in changed:
            continue
        if reference[t][0] != got[t][0]:
            problems.append(f"{t}: {got[t][0]} rows restored, {reference[t][0]} in the source")
        elif reference[t][1] != got[t][1]:
            problems.append(f"{t}: same row count ({got[t][0]}) but the checksums differ")
    return problems


# --- dumps ----------------------------------------------------------------------------------------------------

def _run(argv, env, timeout, what, stdin=None):
    try:
        return dbsnap._run(argv, env, timeout, what, BackupError, stdin=stdin)
    except BackupError:
        raise


def dump(conn, out_dir, timeout) -> dict:
    """Dump ``conn`` into ``out_dir/PAYLOAD``; return reference checksums and facts."""
    out = os.path.join(out_dir, PAYLOAD[conn.dialect])
    t0 = time.time()
    if conn.dialect == C.POSTGRES:
        import psycopg

        pg_dump = dbsnap._tool(["pg_dump"], None, "back up PostgreSQL", BackupError)
        try:
            c = psycopg.connect(**conn.pg_kwargs(timeout=10))
        except Exception as e:
            raise BackupError(f"cannot connect to {redact(conn.label)}: {dbsnap._explain(str(e))}") from None
        with c:
            c.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            c.read_only = True
            snap = c.execute("SELECT pg_export_snapshot()").fetchone()[0]
            _run([pg_dump, "-Fc", "-Z", "1", "--no-password", f"--snapshot={snap}", "-f", out], conn.pg_env(),
                 timeout, f"pg_dump of {redact(conn.label)}")
            ref = pg_checksums(c)
            version = c.info.server_version
            c.rollback()
        return {"reference": ref, "consistency": "exact (the dump's own snapshot)", "changed": [],
                "server_version": version, "dump_seconds": round(time.time() - t0, 3)}
    if conn.dialect == C.MYSQL:
        import pymysql

        def snapshot_sums():
            c = pymysql.connect(**conn.mysql_kwargs(timeout=10))
            try:
                with c.cursor() as cur:
                    cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                    s = my_checksums(cur, conn.database)
                    cur.execute("ROLLBACK")
                    return s
            finally:
                c.close()

        try:
            before = snapshot_sums()
        except pymysql.MySQLError as e:
            raise BackupError(f"cannot read {redact(conn.label)}: {dbsnap._explain(str(e))}") from None
        dump_bin = dbsnap._tool(["mariadb-dump", "mysqldump"], None, "back up MySQL/MariaDB", BackupError)
        cnf = conn.mysql_defaults_file(out_dir)
        try:
            _run([dump_bin, f"--defaults-extra-file={cnf}", "--single-transaction", "--routines", "--triggers",
                  "--events", "--hex-blob", "--no-tablespaces", "--default-character-set=utf8mb4",
                  f"--result-file={out}", conn.database], None, timeout, f"mysqldump of {redact(conn.label)}")
        finally:
            os.unlink(cnf)
        with open(out, "rb") as f:
            f.seek(max(0, os.path.getsize(out) - 200))
            if b"Dump completed" not in f.read():
                raise BackupError("the MySQL dump is incomplete (no 'Dump completed' marker)")
        after = snapshot_sums()
        changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
        return {"reference": after, "consistency": "before = after" if not changed else
                f"{len(changed)} table(s) changed during the dump", "changed": changed,
                "dump_seconds": round(time.time() - t0, 3)}
    import sqlite3

    if not conn.file or not os.path.exists(conn.file):
        raise BackupError(f"the SQLite database {conn.file} does not exist")
    try:
        src = sqlite3.connect(f"file:{conn.file}?mode=ro", uri=True, timeout=10)
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as e:
        raise BackupError(f"SQLite backup of {conn.file} failed: {e}") from None
    if ok != "ok":
        raise BackupError(f"the SQLite copy does not pass quick_check: {ok}")
    return {"reference": lite_checksums(out), "consistency": "exact (the backup API's copy)", "changed": [],
            "dump_seconds": round(time.time() - t0, 3)}


# --- the store ---------------------------------------------------------------------------------------------

class _Shim:
    """What ``dbsnap``'s restores expect of a snapshot: ``path/data/<payload>`` and an id."""

    def __init__(self, path, sid):
        self.path, self.id = path, sid


def job_conn(job, secret) -> C.Conn:
    c = C.Conn.from_spec(job["conn"], source=f"backup job {job['name']}")
    c.password = secret.get("password") or None
    return c


def new_id(job_name) -> str:
    return f"{job_name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"


def backup(home: Home, job: dict, secret: dict) -> dict:
    """Take one backup of ``job`` into the local store; returns its manifest (not yet verified)."""
    conn = job_conn(job, secret)
    bid = new_id(job["name"])
    tmp = tempfile.mkdtemp(prefix=f"{bid}-", dir=home.p("tmp"))
    final = os.path.join(home.job_dir(job["name"]), bid)
    staging = os.path.join(home.job_dir(job["name"]), f".staging-{bid}")
    try:
        os.makedirs(home.job_dir(job["name"]), mode=0o700, exist_ok=True)
        facts = dump(conn, tmp, float(job.get("timeout_s") or 3600))
        os.makedirs(staging, mode=0o700)
        plain = os.path.join(tmp, PAYLOAD[conn.dialect])
        t0 = time.time()
        enc = crypto.encrypt_file(plain, os.path.join(staging, "payload.enc"), home.key(),
                                  compress=conn.dialect != C.POSTGRES)
        manifest = {"id": bid, "job": job["name"], "dialect": conn.dialect, "target": conn.label,
                    "created": time.time(), "payload": PAYLOAD[conn.dialect], "size": enc["bytes"],
                    "plain_size": enc["plain_bytes"], "sha256": enc["sha256"], "compressed": enc["compressed"],
                    "encryption": "xchacha20poly1305-secretstream", "key_id": crypto.key_id(home.key()),
                    "encrypt_seconds": round(time.time() - t0, 3), "format": 1, **facts}
        write_json(os.path.join(staging, "manifest.json"), manifest, 0o400)
        os.chmod(os.path.join(staging, "payload.enc"), 0o400)
        os.rename(staging, final)
        return dict(manifest, path=final, verify={})
    except (SafeguardError, crypto.CryptoError, OSError) as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, BackupError):
            raise
        raise BackupError(redact(str(e))) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def list_backups(home: Home, job_name=None) -> list[dict]:
    out = []
    jobs = [job_name] if job_name else sorted(os.listdir(home.p("store")))
    for j in jobs:
        d = home.job_dir(j)
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            if n.startswith("."):
                continue
            m = read_json(os.path.join(d, n, "manifest.json"))
            if m:
                m["verify"] = read_json(os.path.join(d, n, "verify.json")) or {}
                m["path"] = os.path.join(d, n)
                out.append(m)
    out.sort(key=lambda m: (m.get("created", 0), m["id"]))
    return out


def find(home: Home, bid: str) -> dict:
    if not bid or "/" in bid or bid.startswith("."):
        raise BackupError(f"no backup {bid!r}")
    allb = list_backups(home)
    hits = [m for m in allb if m["id"] == bid] or [m for m in allb if m["id"].startswith(bid)]
    if len(hits) != 1:
        raise BackupError(f"no backup {bid!r}" if not hits else f"{bid!r} names {len(hits)} backups")
    return hits[0]


def newest(home: Home, job_name, verified=False) -> dict | None:
    bs = [m for m in list_backups(home, job_name) if not verified or m["verify"].get("ok")]
    return bs[-1] if bs else None


def _decrypt_to(home, m, src_dir, dest_dir) -> str:
    """Check the payload's SHA-256, decrypt it into ``dest_dir/data/PAYLOAD``."""
    enc = os.path.join(src_dir, "payload.enc")
    got = _sha256(enc)
    if got != m.get("sha256"):
        raise BackupError(f"backup {m['id']}: the stored payload does not match its checksum (altered or damaged)")
    if m.get("key_id") != crypto.key_id(home.key()):
        raise BackupError(f"backup {m['id']} was encrypted with another key ({m.get('key_id')})")
    os.makedirs(os.path.join(dest_dir, "data"), mode=0o700, exist_ok=True)
    out = os.path.join(dest_dir, "data", m["payload"])
    try:
        crypto.decrypt_file(enc, out, home.key())
    except crypto.CryptoError as e:
        raise BackupError(f"backup {m['id']}: {e}") from None
    return out


def _sha256(path) -> str:
    from ..safeguards.store import sha256_file

    return sha256_file(path)


def restore_into(home, m, src_dir, conn, force=False, timeout=3600) -> dict:
    """Decrypt backup ``m`` and restore it into ``conn`` (dbsnap's all-or-nothing restore),
    then compare the restored tables to the reference.  Returns what happened, with RTO."""
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix=f"restore-{m['id']}-", dir=home.p("tmp") if os.access(home.p("tmp"), os.W_OK)
                           else None)
    try:
        _decrypt_to(home, m, src_dir, tmp)
        t_dec = time.time() - t0
        if conn.dialect == C.SQLITE and conn.file and not os.path.isabs(conn.file):
            conn = conn.copy(file=os.path.abspath(conn.file))
        part = {"dir": "", "scope": "database", "tables": sorted(m.get("reference") or {})}
        try:
            msg = dbsnap.RESTORE[m["dialect"]](_Shim(tmp, m["id"]), part, conn, None, force, timeout)
        except SafeguardError as e:
            raise BackupError(str(e)) from None
        got = checksums_of(conn)
        problems = compare(m.get("reference") or {}, got, set(m.get("changed") or ()))
        return {"ok": not problems, "problems": problems, "message": msg, "rto_seconds": round(time.time() - t0, 3),
                "decrypt_seconds": round(t_dec, 3), "tables": len(got), "rows": sum(v[0] for v in got.values())}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scratch_conn(job, secret, m) -> C.Conn:
    conn = job_conn(job, secret)
    v = job.get("verify_conn")
    if v:
        conn = C.Conn.from_spec(v)
        conn.password = secret.get("verify_password") or secret.get("password")
    short = m["id"].rsplit("-", 1)[-1]
    if conn.dialect == C.SQLITE:
        return conn.copy(file=None)
    return conn.copy(database=f"interlock_verify_{job['name'][:30]}_{short}".lower().replace("-", "_")
                     .replace(".", "_"))


def drop_scratch(conn):
    try:
        if conn.dialect == C.POSTGRES:
            import psycopg

            with psycopg.connect(**conn.copy(database="postgres").pg_kwargs(timeout=10), autocommit=True) as c:
                for (name,) in c.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                         (conn.database[:40] + "%",)).fetchall():
                    c.execute(f"DROP DATABASE IF EXISTS {dbsnap._ident(name)} WITH (FORCE)")
        elif conn.dialect == C.MYSQL:
            import pymysql

            c = pymysql.connect(**dict(conn.copy(database=None).mysql_kwargs(timeout=10), autocommit=True))
            try:
                with c.cursor() as cur:
                    cur.execute("SHOW DATABASES")
                    for (name,) in cur.fetchall():
                        if name.startswith(conn.database[:40]):
                            cur.execute(f"DROP DATABASE IF EXISTS {dbsnap._myident(name)}")
            finally:
                c.close()
    except Exception:  # noqa: BLE001 - a leftover scratch database is named interlock_verify_*; not fatal
        pass


def verify(home: Home, job: dict, secret: dict, m: dict, src_dir=None) -> dict:
    """Restore backup ``m`` into a scratch database, compare checksums, drop the scratch.
    The result is written next to the backup (``verify.json``) when it came from the store."""
    conn = scratch_conn(job, secret, m)
    tmpfile = None
    if conn.dialect == C.SQLITE:
        fd, tmpfile = tempfile.mkstemp(prefix="verify-", suffix=".sqlite", dir=home.p("tmp"))
        os.close(fd)
        os.unlink(tmpfile)
        conn = conn.copy(file=tmpfile)
    t0 = time.time()
    try:
        drop_scratch(conn)
        r = restore_into(home, m, src_dir or m["path"], conn, force=False, timeout=float(job.get("timeout_s") or 3600))
    except BackupError as e:
        r = {"ok": False, "problems": [str(e)], "rto_seconds": round(time.time() - t0, 3)}
    finally:
        drop_scratch(conn)
        if tmpfile:
            for suffix in ("", "-journal", "-wal", "-shm"):
                try:
                    os.unlink(tmpfile + suffix)
                except OSError:
                    pass
    r.update(at=time.time(), id=m["id"], source="local store" if src_dir is None else "remote copy")
    r["problems"] = [redact(p) for p in r.get("problems", [])]
    if src_dir is None:
        write_json(os.path.join(m["path"], "verify.json"), r, 0o600)
    return r


def prune(home: Home, job: dict) -> list[str]:
    """Local retention: backups older than ``keep_days`` go, but never the newest ``keep``
    nor the newest verified one."""
    bs = list_backups(home, job["name"])
    keep_n = int(job.get("keep") or 7)
    days = float(job.get("keep_days") or 30)
    now = time.time()
    newest_ok = next((m["id"] for m in reversed(bs) if m["verify"].get("ok")), None)
    doomed = [m for m in bs[:-keep_n] if now - m.get("created", now) > days * 86400 and m["id"] != newest_ok]
    for m in doomed:
        for root, dirs, files in os.walk(m["path"]):
            for n in files:
                try:
                    os.chmod(os.path.join(root, n), 0o600)
                except OSError:
                    pass
        shutil.rmtree(m["path"], ignore_errors=True)
    return [m["id"] for m in doomed]
