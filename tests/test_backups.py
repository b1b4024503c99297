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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def agent_python():
    """An interpreter the agent's uid can run (this venv's may live under a 0700 /root)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if as_agent(py, "-c", "import json").returncode == 0:
            return py
    raise AssertionError("no Python interpreter the unprivileged test user can run")


def as_agent(*argv, env=None):
    """A real process as the agent's unprivileged uid."""
    return subprocess.run(["setpriv", f"--reuid={AGENT_UID}", f"--regid={AGENT_UID}", "--clear-groups", "--",
                           *argv], capture_output=True, text=True, timeout=60, env=env, cwd="/")


def add(env, db, *extra, ok=True):
    return il(env, "backups", "add", db, "--owner", f"{BACKUP_UID}", "--unit-dir",
              os.path.join(os.path.dirname(env["INTERLOCK_BACKUP_HOME"]), "units"), *extra, ok=ok)


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
        c.execute("SET TimeZone = 'UTC'")
        return {t: c.execute(f"SELECT count(*), md5(string_agg(r::text, '|' ORDER BY r.id)) FROM {t} r").fetchone()
                for t in ("customers", "bookings")}


# --- PostgreSQL: back up, verify, drop the database, restore ------------------------------------------------

def test_pg_backup_verify_drop_database_restore(pg, benv, box):
    pg_load(pg, "shop")
    with pg.connect(autocommit=True) as c:  # a session default the restored scratch does not inherit
        c.execute("ALTER DATABASE shop SET TimeZone = 'Asia/Tokyo'")
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


# --- MariaDB and SQLite -------------------------------------------------------------------------------------

def my_load(my, db, n=1500):
    my.create_db(db)
    c = my.connect(db, autocommit=True)
    with c.cursor() as cur:
        cur.execute("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(80), born DATE, score DOUBLE) "
                    "ENGINE=InnoDB")
        cur.execute("CREATE TABLE bookings (id INT AUTO_INCREMENT PRIMARY KEY, customer INT, price DECIMAL(10,2), "
                    "note TEXT NULL, raw VARBINARY(16), FOREIGN KEY (customer) REFERENCES customers(id)) ENGINE=InnoDB")
        cur.executemany("INSERT INTO customers VALUES (%s, %s, %s, %s)",
                        [(i, f"name {i} ü", f"19{70 + i % 30}-01-{1 + i % 28:02d}", i / 7) for i in range(1, n // 4)])
        cur.executemany("INSERT INTO bookings (customer, price, note, raw) VALUES (%s, %s, %s, %s)",
                        [(1 + i % (n // 4 - 1), i * 1.25, None if i % 5 == 0 else f"n{i}", os.urandom(16))
                         for i in range(n)])
    c.close()


def my_sums(my, db):
    c = my.connect(db)
    out = {}
    with c.cursor() as cur:
        for t in ("customers", "bookings"):
            cur.execute(f"SELECT * FROM {t} ORDER BY id")
            out[t] = repr(cur.fetchall())
    c.close()
    return out


def test_mariadb_backup_verify_drop_database_restore(my, benv):
    my_load(my, "rental")
    policy(benv, f'[databases.rental]\nurl = "{my.url("rental", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    before = my_sums(my, "rental")
    p = add(benv, "rental")
    assert "first backup: verified" in p.stdout, p.stdout + p.stderr
    s = status(benv, "rental")
    assert s["rpo_met"] and s["dialect"] == "mysql"
    c = my.connect(autocommit=True)
    with c.cursor() as cur:
        cur.execute("DROP DATABASE rental")
        cur.execute("SHOW DATABASES")
        assert not [r[0] for r in cur.fetchall() if r[0].startswith("interlock_verify")]
    c.close()
    p = il(benv, "backups", "restore", "rental", "--yes")
    assert "checksums equal to the backup's: 2 tables" in p.stdout, p.stdout
    assert my_sums(my, "rental") == before


def test_sqlite_backup_and_restore_to_another_file(benv, box):
    src = os.path.join(box, "app.db")
    c = sqlite3.connect(src)
    c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, n REAL, b BLOB)")
    c.executemany("INSERT INTO notes VALUES (?, ?, ?, ?)", [(i, f"note {i}", i / 3, os.urandom(8)) for i in range(500)])
    c.commit()
    c.close()
    os.chmod(src, 0o644)  # the backup user reads it (a group of its own works too)
    policy(benv, f'[databases.notes]\nurl = "sqlite:///{src}"\n')
    p = add(benv, "notes")
    assert "first backup: verified" in p.stdout, p.stdout + p.stderr
    os.unlink(src)
    p = il(benv, "backups", "restore", "notes", "--yes")
    assert "checksums equal" in p.stdout, p.stdout
    c = sqlite3.connect(src)
    assert c.execute("SELECT count(*), sum(n) FROM notes").fetchone()[0] == 500
    c.close()
    # attack: the agent swaps its database for a link aimed where root should never write
    victim = os.path.join(box, "victim", "crontab")
    os.makedirs(os.path.dirname(victim))
    os.unlink(src)
    os.symlink(victim, src)
    p = il(benv, "backups", "restore", "notes", "--yes", "--force", ok=False)
    assert "symbolic link" in p.stderr and not os.path.exists(victim), p.stderr


# --- out of the agent's reach -------------------------------------------------------------------------------

def test_the_agents_user_can_neither_delete_alter_nor_read_a_backup(pg, benv, box):
    pg_load(pg, "crm", 400)
    policy(benv, f'[databases.crm]\nurl = "{pg.url("crm", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    add(benv, "crm")
    # the store may not belong to the user who ran sudo (the agent's), nor to root; only declared databases
    p = add(dict(benv, SUDO_UID=str(BACKUP_UID)), "crm", ok=False)
    assert "must belong to a user of its own" in p.stderr, p.stderr
    p = il(benv, "backups", "add", "crm", "--owner", "0", ok=False)
    assert "must belong to a user of its own" in p.stderr, p.stderr
    p = add(benv, "payroll", ok=False)
    assert "declares no database 'payroll'" in p.stderr and "crm" in p.stderr, p.stderr
    home = benv["INTERLOCK_BACKUP_HOME"]
    bdir = os.path.join(home, "store", "crm")
    bid = os.listdir(bdir)[0]
    payload = os.path.join(bdir, bid, "payload.enc")
    before = open(payload, "rb").read()
    attempts = [
        ["rm", "-rf", os.path.join(home, "store")],
        ["rm", "-f", payload],
        ["mv", os.path.join(bdir, bid), os.path.join(box, "stolen")],
        ["truncate", "-s", "0", payload],
        ["cp", "/dev/null", payload],
        ["chmod", "777", home],
        ["cat", os.path.join(home, "keys", "backup.key")],
        ["cat", os.path.join(home, "config", "jobs", "crm.secret.json")],
        ["ls", os.path.join(home, "store")],
        ["/usr/bin/python3", "-c", f"open({payload!r}, 'r+b').write(b'x')"],
        ["/usr/bin/python3", "-c", f"import os; os.rename({os.path.join(home, 'public')!r}, '/tmp/x')"],
        ["touch", os.path.join(home, "public", "status", "crm.json")],
    ]
    for argv in attempts:
        p = as_agent(*argv)
        assert p.returncode != 0, (argv, p.stdout)
        assert "Permission denied" in p.stderr or "Operation not permitted" in p.stderr or "PermissionError" in \
            p.stderr, (argv, p.stderr)
    assert open(payload, "rb").read() == before
    # the agent runs interlock itself: every command that reads or restores backups is refused
    py = agent_python()
    agent_env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "INTERLOCK_BACKUP_HOME": home,
                 "PYTHONPATH": os.path.join(ROOT, "src"), "DB_PASSWORD": SECRET}
    for argv, why in ((["list"], "run this as root"), (["verify", "crm"], "run this as root"),
                      (["restore", "crm", "--yes"], "restores run as root"), (["run", "--once"], "run this as root"),
                      (["drill", "crm"], "run this as root"), (["add", "crm"], "run `backups add` as root")):
        p = as_agent(py, "-m", "interlock", "backups", *argv, env=agent_env)
        assert p.returncode != 0 and why in p.stderr, (argv, p.stdout, p.stderr)
    p = as_agent(py, "-m", "interlock", "backups", "status", env=agent_env)
    assert "crm  RPO met" in p.stdout, p.stdout + p.stderr
    # `interlock restore BACKUP_ID` (the snapshots' command) takes backup ids too, at a terminal only
    p = il(benv, "restore", bid, ok=False)
    assert "needs a terminal" in p.stderr, p.stderr
    # the status anyone may read
    p = as_agent("cat", os.path.join(home, "public", "status", "crm.json"))
    assert p.returncode == 0 and json.loads(p.stdout)["rpo_met"] is True
    # an altered backup never verifies (as root: only root or the backup user could alter it)
    data = bytearray(before)
    data[len(data) // 2] ^= 1
    os.chmod(payload, 0o600)
    open(payload, "wb").write(bytes(data))
    p = il(benv, "backups", "verify", bid, ok=False)
    assert "does not match its checksum" in p.stdout, p.stdout


# --- S3 with Object Lock (moto's server as the stand-in for the cloud API) ----------------------------------

@pytest.fixture
def moto(box):
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    import socket

    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.time() < deadline and proc.poll() is None, "moto_server did not start"
            time.sleep(0.2)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def s3client(endpoint):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="writer",
                        aws_secret_access_key="writer-secret")


def test_s3_copy_under_object_lock_cannot_be_deleted_within_retention(pg, benv, moto):
    import botocore.exceptions

    s3 = s3client(moto)
    s3.create_bucket(Bucket="plain-bucket")
    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True)
    pg_load(pg, "ledger", 400)
    before = pg_table_sums(pg, "ledger")
    policy(benv, f'[databases.ledger]\nurl = "{pg.url("ledger", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    env = dict(benv, AWS_ACCESS_KEY_ID="writer", AWS_SECRET_ACCESS_KEY="writer-secret")
    # a bucket without object lock is refused: its write credentials could delete the backups
    p = add(env, "ledger", "--s3", "s3://plain-bucket/db", "--s3-endpoint", moto, ok=False)
    assert "object lock off" in p.stderr and "could delete" in p.stderr, p.stderr
    p = add(env, "ledger", "--s3", "s3://locked-bucket/db", "--s3-endpoint", moto, "--lock-days", "7")
    assert "first backup: verified" in p.stdout, p.stdout + p.stderr
    drill = status(env, "ledger")["last_drill"]  # the runner's scheduled drill ran from the bucket copy
    assert drill["ok"] and drill["from"] == "s3" and drill["rto_seconds"] > 0, drill
    objs = s3.list_object_versions(Bucket="locked-bucket", Prefix="db/ledger/")["Versions"]
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in objs) == ["manifest.json", "payload.enc"]
    payload = next(o for o in objs if o["Key"].endswith("payload.enc"))
    head = s3.head_object(Bucket="locked-bucket", Key=payload["Key"], VersionId=payload["VersionId"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].timestamp() > time.time() + 6 * 86400
    body = s3.get_object(Bucket="locked-bucket", Key=payload["Key"])["Body"].read()
    assert b"example.com" not in body  # encrypted before it left
    # the store's own write credentials cannot delete the locked version, even bypassing governance
    for kw in ({}, {"BypassGovernanceRetention": True}):
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
            s3.delete_object(Bucket="locked-bucket", Key=payload["Key"], VersionId=payload["VersionId"], **kw)
    # an overwrite or a plain delete only adds a version / a delete marker: the locked one stays
    s3.put_object(Bucket="locked-bucket", Key=payload["Key"], Body=b"garbage")
    s3.delete_object(Bucket="locked-bucket", Key=payload["Key"])
    kept = s3.get_object(Bucket="locked-bucket", Key=payload["Key"], VersionId=payload["VersionId"])["Body"].read()
    assert kept == body
    # a restore drill from the bucket measures the RTO
    p = il(env, "backups", "drill", "ledger")
    assert "drill ledger from s3: ok; RTO" in p.stdout, p.stdout + p.stderr
    # the machine's store is lost entirely: restore from the bucket's locked versions
    shutil.rmtree(os.path.join(benv["INTERLOCK_BACKUP_HOME"], "store", "ledger"))
    with pg.connect(autocommit=True) as c:
        c.execute("DROP DATABASE ledger WITH (FORCE)")
    # attack: whoever holds the bucket's write credentials plants a newer "backup" of their own
    s3.put_object(Bucket="locked-bucket", Key="db/ledger/ledger-20991231-235959-beef/manifest.json",
                  Body=json.dumps({"id": "ledger-20991231-235959-beef", "job": "ledger", "dialect": "postgres",
                                   "payload": "dump.pgc", "sha256": "00" * 32, "key_id": "forged",
                                   "created": time.time()}).encode())
    s3.put_object(Bucket="locked-bucket", Key="db/ledger/ledger-20991231-235959-beef/payload.enc", Body=b"x" * 64)
    p = il(env, "backups", "restore", "ledger", "--from-s3", "--yes", ok=False)
    assert "matches its manifest" in p.stderr or "another key" in p.stderr, p.stderr
    with pg.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_database WHERE datname = 'ledger'").fetchone()[0] == 0
    bid = payload["Key"].split("/")[2]
    p = il(env, "backups", "restore", bid, "--from-s3", "--yes")
    assert "checksums equal" in p.stdout, p.stdout + p.stderr
    assert pg_table_sums(pg, "ledger") == before


# --- RPO, alerts, doctor ------------------------------------------------------------------------------------

@pytest.fixture
def hooksink():
    import http.server
    import threading

    got = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", got
    srv.shutdown()


def test_rpo_missed_and_verify_failed_are_announced(pg, benv, hooksink):
    url, got = hooksink
    pg_load(pg, "billing", 200)
    policy(benv, f'[databases.billing]\nurl = "{pg.url("billing", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    add(benv, "billing", "--every", "1h", "--rpo", "12s", "--webhook", url)
    s = status(benv, "billing")
    assert s["rpo_met"] and not got
    time.sleep(max(0.0, s["newest_verified"]["at"] + 12.5 - time.time()))
    p = il(benv, "backups", "run", "--once", ok=False)  # nothing due; the RPO is missed
    s = status(benv, "billing")
    assert not s["rpo_met"]
    assert [g["event"] for g in got] == ["backup.rpo_missed"], got
    assert got[0]["database"] == "billing" and "RPO missed" in got[0]["detail"]
    p = il(benv, "backups", "status", ok=False)
    assert "RPO MISSED" in p.stdout
    il(benv, "backups", "run", "--once", ok=False)
    assert len(got) == 1  # not repeated on every pass
    # a backup that no longer verifies is announced
    home = benv["INTERLOCK_BACKUP_HOME"]
    bdir = os.path.join(home, "store", "billing")
    bid = os.listdir(bdir)[0]
    payload = os.path.join(bdir, bid, "payload.enc")
    os.chmod(payload, 0o600)
    with open(payload, "r+b") as f:
        f.seek(100)
        f.write(b"\0\0\0\0")
    p = il(benv, "backups", "verify", "billing", ok=False)
    assert got[-1]["event"] == "backup.verify_failed" and bid in got[-1]["detail"], got
    assert SECRET not in json.dumps(got)


def test_doctor_reports_protection_per_database(pg, benv):
    pg_load(pg, "orders", 200)
    policy(benv, f'[databases.orders]\nurl = "{pg.url("orders", password=False)}"\npassword_env = "DB_PASSWORD"\n'
                 f'[databases.unprotected]\nurl = "{pg.url("nothere", password=False)}"\n')
    add(benv, "orders", "--rpo", "2h")
    p = il(benv, "doctor", ok=None)
    assert "backups: orders" in p.stdout and "RPO 2.0 h met" in p.stdout, p.stdout
    assert "backups: unprotected: no backups" in p.stdout, p.stdout


# --- PostgreSQL point-in-time recovery ----------------------------------------------------------------------

def test_pitr_to_just_before_a_delete_brings_exactly_the_deleted_rows_back(pg, benv, box, moto):
    pg_load(pg, "events", 1200)
    policy(benv, f'[databases.events]\nurl = "{pg.url("events", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    s3 = s3client(moto)
    s3.create_bucket(Bucket="wal-bucket", ObjectLockEnabledForBucket=True)
    benv = dict(benv, AWS_ACCESS_KEY_ID="writer", AWS_SECRET_ACCESS_KEY="writer-secret")
    p = add(benv, "events", "--pitr", "--every", "1h", "--s3", "s3://wal-bucket/pg", "--s3-endpoint", moto)
    assert "pitr: WAL streamed" in p.stdout, p.stdout + p.stderr
    runner = subprocess.Popen(interlock_exe() + ["backups", "run", "--foreground", "--interval", "1"], env=benv,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/")
    try:
        deadline = time.time() + 60
        while not (status(benv, "events").get("pitr_state") or {}).get("receiving"):
            assert time.time() < deadline and runner.poll() is None, "the runner did not start pg_receivewal"
            time.sleep(0.5)
        with pg.connect("events", autocommit=True) as c:
            c.execute("INSERT INTO bookings (customer, price, note) SELECT 1, g, 'after the base backup' "
                      "FROM generate_series(1, 50) g")
            time.sleep(1.2)
            t = c.execute("SELECT clock_timestamp()::text").fetchone()[0]
            before = sorted(c.execute("SELECT id, customer, price, note FROM bookings").fetchall())
            time.sleep(1.2)
            deleted = sorted(c.execute("DELETE FROM bookings WHERE id % 10 = 3 OR note = 'after the base backup' "
                                       "RETURNING id, customer, price, note").fetchall())
            c.execute("UPDATE customers SET name = 'overwritten'")
            lsn = c.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
            segment = c.execute("SELECT pg_walfile_name(%s)", (lsn,)).fetchone()[0]
            deadline = time.time() + 60
            while not c.execute("SELECT bool_or(flush_lsn >= %s) FROM pg_stat_replication WHERE application_name = "
                                "'interlock-backups'", (lsn,)).fetchone()[0]:
                assert time.time() < deadline, "the WAL did not reach the archive"
                time.sleep(0.3)
            c.execute("SELECT pg_switch_wal()")  # the segment is complete: the runner copies it to the bucket
            key = f"pg/events/pitr/wal/{segment}.enc"
            while not s3.list_objects_v2(Bucket="wal-bucket", Prefix=key).get("KeyCount"):
                assert time.time() < deadline + 30, "the WAL segment did not reach the bucket"
                time.sleep(0.5)
    finally:
        runner.terminate()
        runner.wait(timeout=30)
    wal = os.path.join(benv["INTERLOCK_BACKUP_HOME"], "pitr", "events", "wal")
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if wal.encode() in f.read():
                    left.append(pid)
        except OSError:
            pass
    assert not left, "pg_receivewal outlived the runner"
    assert os.stat(wal).st_uid == BACKUP_UID and os.listdir(wal)
    assert len(deleted) > 100
    p = il(benv, "backups", "restore", "events", "--time", t, "--to", "events_asof", "--yes")
    assert "recovered as of" in p.stdout, p.stdout + p.stderr
    with pg.connect("events_asof") as c:
        restored = sorted(c.execute("SELECT id, customer, price, note FROM bookings").fetchall())
        names = {r[0] for r in c.execute("SELECT DISTINCT name FROM customers")}
    with pg.connect("events") as c:
        now = set(c.execute("SELECT id, customer, price, note FROM bookings").fetchall())
    assert restored == before
    assert sorted(set(restored) - now) == deleted  # exactly the deleted rows come back
    assert "overwritten" not in names
    # a time past the archived WAL is refused with the reason, nothing restored
    p = il(benv, "backups", "restore", "events", "--time", "2099-01-01 00:00:00+00", "--to", "events_future", "--yes",
           ok=False)
    assert "WAL ends before" in p.stderr or "recover to an earlier time" in p.stderr, p.stderr
    # the WAL reached the bucket under Object Lock.  (Recovering from the bucket alone, `--from-s3 --time`,
    # is not asserted here: in the merged suite it intermittently ends before the target time — a known
    # defect, docs/backups.md "Known limits".)
    head = s3.head_object(Bucket="wal-bucket", Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"


# --- encryption at rest -------------------------------------------------------------------------------------

def test_encrypted_files_fail_closed_on_any_change(tmp_path):
    import struct

    from interlock.backups import crypto

    key, other = crypto.new_key(), crypto.new_key()
    src = tmp_path / "plain"
    src.write_bytes(os.urandom(1 << 20) + b"customer@example.com" * 100_000)  # > 2 chunks once compressed
    enc, out = str(tmp_path / "enc"), str(tmp_path / "out")
    r = crypto.encrypt_file(str(src), enc, key, compress=True)
    assert r["plain_bytes"] == src.stat().st_size and b"customer@example.com" not in open(enc, "rb").read()
    crypto.decrypt_file(enc, out, key)
    assert open(out, "rb").read() == src.read_bytes()
    blob = open(enc, "rb").read()
    hlen = 5 + 1 + 24
    (n1,) = struct.unpack(">I", blob[hlen:hlen + 4])
    first, rest = blob[hlen:hlen + 4 + n1], blob[hlen + 4 + n1:]
    (n2,) = struct.unpack(">I", rest[:4])
    second, tail = rest[:4 + n2], rest[4 + n2:]
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0x40
    cases = {"bit flip": bytes(flipped), "truncated": blob[:-100], "last chunk dropped": blob[:hlen] + first,
             "chunks swapped": blob[:hlen] + second + first + tail, "appended": blob + blob[hlen:hlen + 4 + n1],
             "not ours": b"hello world" * 10}
    for why, data in cases.items():
        open(enc, "wb").write(data)
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt_file(enc, out, key)
        assert not os.path.exists(out), why  # nothing half-written is left behind
    open(enc, "wb").write(blob)
    with pytest.raises(crypto.CryptoError, match="key"):
        crypto.decrypt_file(enc, out, other)


# --- the hook: an agent (even one running as root) is stopped before it touches the backups -----------------

@pytest.mark.parametrize("command, decision", [
    ("rm -rf /var/lib/interlock-backup", "deny"),
    ("rm -f /var/lib/interlock-backup/store/app/app-20261207-101500-ab12/payload.enc", "deny"),
    ("echo '' > /etc/systemd/system/interlock-backups.service", "deny"),
    ("sudo interlock backups restore app --yes", "deny"),
    ("interlock backups run --once", "deny"),
    ("interlock backups add app --owner 0", "deny"),
    ("interlock backups status", "allow"),  # the public status is read-only
    ("cat /var/lib/interlock-backup/public/status/app.json", "allow"),
])
def test_the_hook_guards_the_backups(command, decision, env, workspace):
    p = subprocess.run(interlock_exe() + ["check", "--cwd", workspace, command], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == {"allow": 0, "ask": 1, "deny": 2}[decision], p.stdout + p.stderr


# --- under live writes --------------------------------------------------------------------------------------

def test_backups_taken_under_live_writes_verify(pg, my, benv):
    import threading

    pg_load(pg, "live", 2000)
    my_load(my, "livemy", 800)
    policy(benv, f'[databases.live]\nurl = "{pg.url("live", password=False)}"\npassword_env = "DB_PASSWORD"\n'
                 f'[databases.livemy]\nurl = "{my.url("livemy", password=False)}"\npassword_env = "DB_PASSWORD"\n')
    add(benv, "live", "--no-run")
    add(benv, "livemy", "--no-run")
    stop = threading.Event()
    writes = {"pg": 0, "my": 0}

    def writer():
        c = pg.connect("live", autocommit=True)
        m = my.connect("livemy", autocommit=True)
        while not stop.is_set():
            c.execute("INSERT INTO bookings (customer, price, note) VALUES (1, 1, 'live')")
            c.execute("DELETE FROM bookings WHERE id = (SELECT min(id) FROM bookings)")
            writes["pg"] += 1
            with m.cursor() as cur:
                cur.execute("INSERT INTO bookings (customer, price, note) VALUES (1, 1, 'live')")
            writes["my"] += 1
        c.close()
        m.close()

    th = threading.Thread(target=writer)
    th.start()
    try:
        il(benv, "backups", "run", "--once", "--now")
    finally:
        stop.set()
        th.join()
    assert writes["pg"] > 10 and writes["my"] > 10
    live, livemy = status(benv, "live"), status(benv, "livemy")
    assert live["rpo_met"] and livemy["rpo_met"], (live, livemy)
    p = il(benv, "backups", "list", "--json")
    by_job = {m["job"]: m for m in json.loads(p.stdout)}
    # PostgreSQL's reference checksums come from the dump's own snapshot: exact, whatever was written
    assert by_job["live"]["consistency"].startswith("exact") and by_job["live"]["verify"]["ok"]
    # MySQL's are bracketed by two snapshots: a table written during the dump is named, not guessed at
    assert by_job["livemy"]["changed"] == ["bookings"] and by_job["livemy"]["verify"]["ok"]
