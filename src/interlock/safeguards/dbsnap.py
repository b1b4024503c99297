"""Database snapshots and restores: pg_dump / pg_restore, mysqldump / mysql, SQLite's backup API.

Restores never half-happen: PostgreSQL and MySQL restore into a scratch database first and
swap it in only once it loaded completely (the replaced database, or its tables, are kept
under a ``_pre_restore_`` name); SQLite copies with the backup API in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from ..redact import redact
from . import connect as C
from .model import RestoreError, SnapshotError


def _which(name, env):
    found = shutil.which(name, path=(env or os.environ).get("PATH", os.defpath))
    return found


def _tool(names, env, what, err=SnapshotError):
    for n in names:
        p = _which(n, env)
        if p:
            return p
    raise err(f"{names[0]} is not installed (or not on PATH): Interlock needs it to {what}")


def _run(argv, env, timeout, what, err=SnapshotError, stdin=None):
    try:
        p = subprocess.run(argv, env=env, capture_output=True, timeout=timeout, stdin=stdin)
    except subprocess.TimeoutExpired:
        raise err(f"{what} timed out after {timeout:g} s") from None
    except OSError as e:
        raise err(f"{what} could not start: {e.strerror or e}") from None
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip()
        raise err(f"{what} failed: {_explain(msg)}")
    return p


def _explain(msg: str) -> str:
    low = msg.lower()
    lines = [l for l in msg.splitlines() if l.strip()]
    tail = redact(" / ".join(lines[-3:]))[:400]
    if "connection refused" in low or "can't connect" in low or "could not connect" in low:
        return f"connection refused ({tail})"
    if "no space left" in low:
        return f"the snapshot store is full (no space left on device; {tail})"
    if "password authentication failed" in low or "access denied" in low:
        return f"authentication failed ({tail})"
    return tail or "no error output"


def _ident(name):
    return '"' + name.replace('"', '""') + '"'


def _myident(name):
    return "`" + name.replace("`", "``") + "`"


def _scratch_name(base, sid, tag):
    short = sid.rsplit("-", 1)[-1]
    return f"{base[:40]}_{tag}_{short}"


# --- PostgreSQL ---------------------------------------------------------------------------------

def pg_snapshot(conn, staging, env, timeout, tables=None) -> dict:
    pg_dump = _tool(["pg_dump"], env, "snapshot PostgreSQL")
    out = os.path.join(staging.data, "dump.pgc")
    # the in-database guard's schema (interlock protect) is not the application's data: its grants must never
    # come back with a restore, and an agent role may not read it
    argv = [pg_dump, "-Fc", "-Z", "1", "--no-password", "-f", out, "--exclude-schema=interlock"]
    for t in tables or ():
        argv += ["-t", t]
    _run(argv, conn.pg_env(env), timeout, f"pg_dump of {redact(conn.label)}")
    pg_restore = _tool(["pg_restore"], env, "verify the PostgreSQL snapshot")
    toc = _run([pg_restore, "-l", out], env, 120, "reading the dump back").stdout.decode("utf-8", "replace")
    # schema-qualified outside public: a schema's table of the same name as public's is another table
    data = sorted({m.group(2) if m.group(1) == "public" else f"{m.group(1)}.{m.group(2)}"
                   for m in re.finditer(r"TABLE DATA (\S+) (\S+) ", toc)})
    if not data and not tables:
        tables_present = "TABLE " in toc
        if tables_present:
            raise SnapshotError("the dump has tables but no table data")
    return {"format": "pg_dump -Fc", "tables": data, "scope": "tables" if tables else "database"}


def _pg_admin(conn):
    import psycopg

    return psycopg.connect(**conn.copy(database="postgres").pg_kwargs(timeout=5), autocommit=True)


def pg_restore_privilege(conn) -> tuple[bool, str]:
    """(can this role restore a whole database, what it is): restore builds the database anew under a
    scratch name and renames it into place, so the role needs ``CREATEDB`` (or superuser) on the server
    — and owning the database it replaces.  Raises (redacted) when it cannot connect."""
    import psycopg

    try:
        with psycopg.connect(**conn.pg_kwargs(timeout=5), autocommit=True) as c:
            user, can = c.execute("SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
                                  "WHERE rolname = current_user").fetchone()
    except Exception as e:
        raise RestoreError(f"cannot connect to {redact(conn.label)}: {_explain(str(e))}") from None
    return bool(can), str(user)


def pg_estimate(conn) -> int:
    try:
        import psycopg

        with psycopg.connect(**conn.pg_kwargs(timeout=5), autocommit=True) as c:
            return int(c.execute("SELECT pg_database_size(current_database())").fetchone()[0] // 3)
    except ImportError:
        return 0
    except Exception as e:  # connection refused and the like: say so now, clearly
        raise SnapshotError(f"cannot connect to {redact(conn.label)}: {_explain(str(e))}") from None


def _pg_use_list(pg_restore_bin, dump, env) -> list[str]:
    """``-L LIST`` without the in-database guard's triggers and its C extension (``interlock protect``): the
    dump leaves the ``interlock`` schema out, so they would name functions that are not there and fail the
    restore.  A restored database gets the guard again from ``interlock protect`` (see docs/database-guard.md)."""
    import tempfile

    toc = _run([pg_restore_bin, "-l", dump], env, 120, "reading the dump", RestoreError).stdout
    toc = toc.decode("utf-8", "replace")
    guard = re.compile(r"\s*\d+;\s*\d+\s+\d+\s+(?:(?:EVENT TRIGGER\s+-|TRIGGER\s+\S+\s+\S+)\s+interlock_guard_"
                       r"|(?:EXTENSION\s+-|COMMENT\s+-\s+EXTENSION)\s+interlock_guard\s*$"
                       r"|ACL\s+interlock\s)")
    keep = [ln for ln in toc.splitlines() if not guard.match(ln)]
    if len(keep) == len(toc.splitlines()):
        return []
    fd, path = tempfile.mkstemp(prefix="interlock-restore-", suffix=".list")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(keep) + "\n")
    return ["-L", path]


def pg_restore(snap, part, conn, env, force, timeout) -> str:
    pg_restore_bin = _tool(["pg_restore"], env, "restore PostgreSQL", RestoreError)
    dump = os.path.join(snap.path, "data", part.get("dir", ""), "dump.pgc")
    use = _pg_use_list(pg_restore_bin, dump, env)
    try:
        return _pg_restore(pg_restore_bin, dump, use, snap, part, conn, env, force, timeout)
    finally:
        if use:
            os.unlink(use[1])


def _pg_restore(pg_restore_bin, dump, use, snap, part, conn, env, force, timeout) -> str:
    target = conn.database
    try:
        admin = _pg_admin(conn)
    except Exception as e:
        raise RestoreError(f"cannot connect to {redact(conn.label)}: {_explain(str(e))}") from None
    import psycopg

    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone() is not None
        n_tables = 0
        if exists:

            with psycopg.connect(**conn.pg_kwargs(timeout=5), autocommit=True) as c:
                n_tables = c.execute("SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p', 'v', 'm') AND "
                                     "relnamespace NOT IN ('pg_catalog'::regnamespace, "
                                     "'information_schema'::regnamespace) AND relnamespace::regnamespace::text "
                                     "NOT LIKE 'pg_toast%%'").fetchone()[0]
        if part.get("scope") == "tables" and exists:
            return _pg_restore_tables(pg_restore_bin, dump, part, conn, env, force, timeout, use)
        if n_tables and not force:
            raise RestoreError(f"the target database {target} is not empty ({n_tables} tables and views): restore "
                               f"--to a new database, or --force to replace it (the current one is kept, renamed)")
        scratch = _scratch_name(target, snap.id, "restore")
        admin.execute(f"DROP DATABASE IF EXISTS {_ident(scratch)}")
        try:
            admin.execute(f"CREATE DATABASE {_ident(scratch)} TEMPLATE template0")
        except psycopg.errors.InsufficientPrivilege:
            raise RestoreError(f"the role {conn.user or 'in use'} may not create databases, and restore builds the "
                               f"database anew before swapping it in: a superuser can grant it with "
                               f"ALTER ROLE {_ident(conn.user or 'ROLE')} CREATEDB (see docs/recovery.md)") from None
        try:
            _run([pg_restore_bin, "--single-transaction", "--exit-on-error", "--no-password", *use, "-d", scratch,
                  dump],
                 conn.copy(database=scratch).pg_env(env), timeout, "pg_restore", RestoreError)
        except RestoreError:
            admin.execute(f"DROP DATABASE IF EXISTS {_ident(scratch)}")
            raise
        kept = None
        if exists:
            kept = _scratch_name(target, snap.id, "pre_restore")
            sessions = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                     (target,)).fetchone()[0]
            if sessions:
                admin.execute(f"DROP DATABASE IF EXISTS {_ident(scratch)}")
                raise RestoreError(f"{sessions} session(s) are connected to {target}: close them, or restore --to "
                                   f"another database")
            admin.execute(f"ALTER DATABASE {_ident(target)} RENAME TO {_ident(kept)}")
        try:
            admin.execute(f"ALTER DATABASE {_ident(scratch)} RENAME TO {_ident(target)}")
        except Exception:
            if kept:
                admin.execute(f"ALTER DATABASE {_ident(kept)} RENAME TO {_ident(target)}")
            admin.execute(f"DROP DATABASE IF EXISTS {_ident(scratch)}")
            raise
    msg = f"restored {len(part.get('tables', []))} tables into database {target}"
    if kept:
        msg += f"; the database it replaced is kept as {kept}"
    return msg


def _pg_restore_tables(pg_restore_bin, dump, part, conn, env, force, timeout, use=()):
    import psycopg

    tables = part.get("tables") or []
    with psycopg.connect(**conn.pg_kwargs(timeout=5), autocommit=True) as c:
        present = [t for t in tables if c.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is not None]
    if present and not force:
        raise RestoreError(f"table(s) {', '.join(present)} still exist in {conn.database}: restore --to a new "
                           f"database, or --force to replace them (in one transaction)")
    argv = [pg_restore_bin, "--single-transaction", "--exit-on-error", "--no-password", *use, "-d", conn.database]
    if present:
        argv += ["--clean", "--if-exists"]
    _run(argv + [dump], conn.pg_env(env), timeout, "pg_restore", RestoreError)
    return f"restored table(s) {', '.join(tables)} into {conn.database} in one transaction"


# --- MySQL / MariaDB ----------------------------------------------------------------------------------

def my_snapshot(conn, staging, env, timeout, tables=None) -> dict:
    dump_bin = _tool(["mariadb-dump", "mysqldump"], env, "snapshot MySQL/MariaDB")
    if not conn.database:
        raise SnapshotError("which MySQL database to snapshot is not known")
    cnf = conn.mysql_defaults_file(os.path.dirname(staging.data))
    out = os.path.join(staging.data, "dump.sql")
    try:
        argv = [dump_bin, f"--defaults-extra-file={cnf}", "--single-transaction", "--routines", "--triggers",
                "--hex-blob", "--no-tablespaces", "--default-character-set=utf8mb4", f"--result-file={out}",
                conn.database, *(tables or ())]
        _run(argv, env, timeout, f"mysqldump of {redact(conn.label)}")
    finally:
        os.unlink(cnf)
    with open(out, "rb") as f:
        f.seek(max(0, os.path.getsize(out) - 200))
        if b"Dump completed" not in f.read():
            raise SnapshotError("the MySQL dump is incomplete (no 'Dump completed' marker)")
    with open(out, "rb") as f:
        names = sorted({m.decode() for m in re.findall(rb"\nCREATE TABLE `([^`]+)`", f.read())})
    return {"format": "mysqldump", "tables": names, "scope": "tables" if tables else "database"}


def my_estimate(conn) -> int:
    try:
        import pymysql
    except ImportError:
        return 0
    try:
        c = pymysql.connect(**conn.mysql_kwargs(timeout=5))
    except Exception as e:
        raise SnapshotError(f"cannot connect to {redact(conn.label)}: {_explain(str(e))}") from None
    try:
        with c.cursor() as cur:
            cur.execute("SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = %s", (conn.database,))
            return int(cur.fetchone()[0])
    finally:
        c.close()


def my_restore(snap, part, conn, env, force, timeout) -> str:
    import pymysql

    mysql_bin = _tool(["mariadb", "mysql"], env, "restore MySQL/MariaDB", RestoreError)
    dump = os.path.join(snap.path, "data", part.get("dir", ""), "dump.sql")
    target = conn.database
    try:
        c = pymysql.connect(**dict(conn.copy(database=None).mysql_kwargs(timeout=5), autocommit=True))
    except Exception as e:
        raise RestoreError(f"cannot connect to {redact(conn.label)}: {_explain(str(e))}") from None
    scratch = _scratch_name(target, snap.id, "restore")
    kept = None
    try:
        cur = c.cursor()

        def objects(db):
            cur.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (db,))
            return cur.fetchall()

        current = objects(target)
        if part.get("scope") == "tables":
            clash = [t for t, _ in current if t in (part.get("tables") or [])]
        else:
            clash = [t for t, _ in current]
        if clash and not force:
            raise RestoreError(f"the target database {target} is not empty ({len(clash)} tables and views): restore "
                               f"--to a new database, or --force to replace it (what it replaces is kept)")
        cur.execute(f"DROP DATABASE IF EXISTS {_myident(scratch)}")
        cur.execute(f"CREATE DATABASE {_myident(scratch)} CHARACTER SET utf8mb4")
        import tempfile

        tmpd = tempfile.mkdtemp(prefix="interlock-my-")
        try:
            cnf = conn.mysql_defaults_file(tmpd)
            with open(dump, "rb") as f:
                _run([mysql_bin, f"--defaults-extra-file={cnf}", "--default-character-set=utf8mb4", scratch], env,
                     timeout, "loading the MySQL dump", RestoreError, stdin=f)
        except RestoreError:
            cur.execute(f"DROP DATABASE IF EXISTS {_myident(scratch)}")
            raise
        finally:
            shutil.rmtree(tmpd, ignore_errors=True)
        loaded = objects(scratch)
        base = [t for t, typ in loaded if typ == "BASE TABLE"]
        views = [t for t, typ in loaded if typ != "BASE TABLE"]
        view_sql = []
        for v in views:
            cur.execute(f"SHOW CREATE VIEW {_myident(scratch)}.{_myident(v)}")
            sql = cur.fetchone()[1]
            sql = sql.replace(f"{_myident(scratch)}.", "")
            sql = re.sub(r"DEFINER=\S+\s", "", sql)
            view_sql.append((v, sql))
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {_myident(target)} CHARACTER SET utf8mb4")
        moves = []
        replaced = [t for t, typ in current if t in base or t in views]
        if replaced:
            kept = _scratch_name(target, snap.id, "pre_restore")
            cur.execute(f"CREATE DATABASE {_myident(kept)} CHARACTER SET utf8mb4")
            for t, typ in current:
                if typ == "BASE TABLE" and t in replaced:
                    moves.append(f"{_myident(target)}.{_myident(t)} TO {_myident(kept)}.{_myident(t)}")
        moves += [f"{_myident(scratch)}.{_myident(t)} TO {_myident(target)}.{_myident(t)}" for t in base]
        try:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            cur.execute("RENAME TABLE " + ", ".join(moves))  # atomic: all tables move, or none
        except pymysql.MySQLError as e:
            cur.execute(f"DROP DATABASE IF EXISTS {_myident(scratch)}")
            if kept:
                cur.execute(f"DROP DATABASE IF EXISTS {_myident(kept)}")
            raise RestoreError(f"swapping the restored tables in failed, nothing changed: {redact(str(e))}") from None
        for v, sql in view_sql:
            if any(t == v for t, typ in current if typ != "BASE TABLE"):
                cur.execute(f"USE {_myident(target)}")
                cur.execute(f"SHOW CREATE VIEW {_myident(v)}")
                old = cur.fetchone()[1]
                if kept:
                    cur.execute(f"USE {_myident(kept)}")
                    try:
                        cur.execute(re.sub(r"DEFINER=\S+\s", "", old))
                    except pymysql.MySQLError:
                        pass
                cur.execute(f"DROP VIEW {_myident(target)}.{_myident(v)}")
            cur.execute(f"USE {_myident(target)}")
            cur.execute(sql)
        cur.execute(f"DROP DATABASE IF EXISTS {_myident(scratch)}")
    finally:
        c.close()
    msg = f"restored {len(part.get('tables', []))} tables into database {target}"
    if kept:
        msg += f"; the tables it replaced are kept in database {kept}"
    return msg


# --- SQLite ----------------------------------------------------------------------------------------------

def lite_snapshot(conn, staging, env, timeout, tables=None) -> dict:
    import sqlite3

    path = conn.file
    if not path or not os.path.exists(path):
        raise SnapshotError(f"the SQLite database {path} does not exist")
    out = os.path.join(staging.data, "db.sqlite")
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA quick_check").fetchone()[0]
            names = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as e:
        raise SnapshotError(f"SQLite backup of {path} failed: {e}") from None
    if ok != "ok":
        raise SnapshotError(f"the SQLite copy does not pass quick_check: {ok}")
    return {"format": "sqlite backup", "tables": names, "scope": "database"}


def lite_restore(snap, part, conn, env, force, timeout) -> str:
    import sqlite3

    src_path = os.path.join(snap.path, "data", part.get("dir", ""), "db.sqlite")
    target = conn.file
    kept = None
    if os.path.exists(target):
        try:
            c = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            n = c.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
            c.close()
        except sqlite3.Error as e:
            raise RestoreError(f"cannot read the target {target}: {e}") from None
        if n and not force:
            raise RestoreError(f"the target {target} is not empty ({n} tables, views and indexes): restore --to "
                               f"another file, or --force to replace it (the current file is kept)")
        if n:
            kept = f"{target}.pre-restore-{snap.id.rsplit('-', 1)[-1]}"
            s, d = sqlite3.connect(target), sqlite3.connect(kept)
            try:
                s.backup(d)
            finally:
                s.close()
                d.close()
    try:
        s = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
        d = sqlite3.connect(target, timeout=10)
        try:
            s.backup(d)  # one step: the destination changes in a single transaction
        finally:
            s.close()
            d.close()
    except sqlite3.Error as e:
        raise RestoreError(f"SQLite restore into {target} failed (the target is unchanged): {e}") from None
    return f"restored {target}" + (f"; the file it replaced is kept as {kept}" if kept else "")


SNAPSHOT = {C.POSTGRES: pg_snapshot, C.MYSQL: my_snapshot, C.SQLITE: lite_snapshot}
RESTORE = {C.POSTGRES: pg_restore, C.MYSQL: my_restore, C.SQLITE: lite_restore}
