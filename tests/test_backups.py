"""`interlock backups` end to end: real PostgreSQL and MariaDB servers (tests/servers.py), real
processes as other OS users (setpriv), moto's S3 server as the stand-in for the cloud API.

The backup store belongs to a uid of its own (BACKUP_UID); the agent is another unprivileged
uid (AGENT_UID).  Row counts are small here; bench/backups.py measures 100k and 1M rows.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import interlock_exe
from servers import MariaDBServer, PostgresServer, free_port, pg_bin_dir

SECRET = "Bk-S3cret-Pw-77"
BACKUP_UID = 61901
AGENT_UID = 61902


@pytest.fixture(scope="module")
def pg():
    s = PostgresServer(SECRET).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def my():
    s = MariaDBServer(SECRET).start()
    yield s
    s.stop()


@pytest.fixture
def box():
    """A world-traversable scratch directory (pytest's tmp_path is 0700, closed to other uids)."""
    d = tempfile.mkdtemp(prefix="interlock-bk-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def benv(box, tmp_path):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("INTERLOCK_", "PG", "DATABASE", "MYSQL", "XDG_", "AWS_", "SUDO_"))}
    e["HOME"] = str(tmp_path / "home")
    e["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    e["INTERLOCK_HOME"] = str(tmp_path / "state")
    e["INTERLOCK_BACKUP_HOME"] = os.path.join(box, "backup-home")
    e["PATH"] = os.path.dirname(interlock_exe()[0]) + os.pathsep + pg_bin_dir() + os.pathsep + e.get("PATH", "")
    e["DB_PASSWORD"] = SECRET
    os.makedirs(os.path.join(e["XDG_CONFIG_HOME"], "interlock"), exist_ok=True)
    return e


def policy(env, text):
    with open(os.path.join(env["XDG_CONFIG_HOME"], "interlock", "policy.toml"), "w") as f:
        f.write(text)


def il(env, *argv, ok=True, prefix=(), timeout=300, cwd=None):
    p = subprocess.run(list(prefix) + interlock_exe() + list(argv), env=env, capture_output=True, text=True,
                       timeout=timeout, cwd=cwd or "/")
    assert SECRET not in p.stdout + p.stderr, "a password leaked"
    if ok is True:
        assert p.returncode == 0, p.stdout + p.stderr
    elif ok is False:
        assert p.returncode != 0, p.stdout + p.stderr
    return p


def as_agent(*argv, env=None):
    """A real process as the agent's unprivileged uid."""
    return subprocess.run(["setpriv", f"--reuid={AGENT_UID}", f"--regid={AGENT_UID}", "--clear-groups", "--",
                           *argv], capture_output=True, text=True, timeout=60, env=env, cwd="/")


def add(env, db, *extra):
    return il(env, "backups", "add", db, "--owner", f"{BACKUP_UID}", "--unit-dir",
              os.path.join(os.path.dirname(env["INTERLOCK_BACKUP_HOME"]), "units"), *extra)


def status(env, db):
    p = il(env, "backups", "status", "--json", ok=None)
    return json.loads(p.stdout)[db]


def pg_load(pg, db, n=2000):
    pg.create_db(db)
    with pg.connect(db) as c:
        c.execute("CREATE TABLE customers (id int PRIMARY KEY, name text, email text, born date)")
        c.execute("CREATE TABLE bookings (id bigserial PRIMARY KEY, customer int REFERENCES customers(id), "
                  "price numeric(10,2), at timestamptz, note text, data jsonb, raw bytea)")
        c.execute("INSERT INTO customers SELECT g, 'name ' || g, 'c' || g || '@example.com', "
                  "date '1970-01-01' + g FROM generate_series(1, %s) g", (n // 4,))
        c.execute("INSERT INTO bookings (customer, price, at, note, data, raw) SELECT 1 + g %% %s, g * 1.25, "
                  "timestamptz '2026-01-01' + g * interval '1 minute', CASE WHEN g %% 7 = 0 THEN NULL ELSE "
                  "'n' || g END, jsonb_build_object('g', g), decode(md5(g::text), 'hex') FROM generate_series(1, %s) g",
                  (n // 4, n))
        c.execute("CREATE VIEW big AS SELECT * FROM bookings WHERE price > 100")


def pg_table_sums(pg, db):
    with pg.connect(db) as c:
        return {t: c.execute(f"SELECT count(*), md5(string_agg(r::text, '|' ORDER BY r.id)) FROM {t} r").fetchone()
                for t in ("customers", "bookings")}


# --- PostgreSQL: back up, verify, drop the database, restore ------------------------------------------------

def test_pg_backup_verify_drop_database_restore(pg, benv, box):
    pg_load(pg, "shop")
    policy(benv, f'[databases.shop]\nurl = "{pg.url("shop", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    before = pg_table_sums(pg, "shop")
    p = add(benv, "shop", "--every", "1h", "--rpo", "2h")
    assert "first backup: verified" in p.stdout, p.stdout + p.stderr
    units = os.path.join(box, "units", "interlock-backups.service")
    unit = open(units).read()
    assert f"User={BACKUP_UID}" in unit and "backups run --foreground" in unit
    home = benv["INTERLOCK_BACKUP_HOME"]
    st = os.stat(home)
    assert st.st_uid == BACKUP_UID and st.st_mode & 0o777 == 0o711
    s = status(benv, "shop")
    assert s["rpo_met"] and s["newest_verified"]["rto_seconds"] > 0 and s["count"] == 1
    # the store holds no plaintext: the password and the data are not in any file
    for root, _d, files in os.walk(home):
        for n in files:
            blob = open(os.path.join(root, n), "rb").read()
            assert SECRET.encode() not in blob or n == "shop.secret.json"
            assert b"c17@example.com" not in blob, n
    p = il(benv, "backups", "list", "shop")
    assert "ok" in p.stdout and "shop-" in p.stdout
    p = il(benv, "backups", "verify", "shop")
    assert "checksums equal" in p.stdout and "2 tables" in p.stdout, p.stdout
    # disaster: the whole database goes
    with pg.connect(autocommit=True) as c:
        c.execute('DROP DATABASE shop WITH (FORCE)')
    p = il(benv, "backups", "restore", "shop", "--yes")
    assert "checksums equal to the backup's" in p.stdout, p.stdout
    assert pg_table_sums(pg, "shop") == before
    with pg.connect("shop") as c:
        assert c.execute("SELECT count(*) FROM big").fetchone()[0] > 0  # the view came back too
    s = status(benv, "shop")
    assert s["last_restore"]["ok"] and s["last_restore"]["rto_seconds"] > 0
    # restoring over a non-empty database needs --force, and keeps what it replaced
    p = il(benv, "backups", "restore", "shop", "--yes", ok=False)
    assert "not empty" in p.stderr
    with pg.connect("shop", autocommit=True) as c:
        c.execute("DELETE FROM bookings WHERE id % 3 = 0")
    p = il(benv, "backups", "restore", "shop", "--yes", "--force")
    assert "kept as" in p.stdout and pg_table_sums(pg, "shop") == before
    # no leftover scratch databases
    with pg.connect() as c:
        names = [r[0] for r in c.execute("SELECT datname FROM pg_database")]
    assert not [n for n in names if n.startswith("interlock_verify")], names
