"""The PostgreSQL wire gateway against a real PostgreSQL, with real clients: psql, psycopg 3,
asyncpg and pgbench; the database corpus judged through the gateway as through the hook; an
agent's script stopped; faults (upstream down, client gone mid-query, garbage bytes, a large
COPY, 200 connections at once)."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import socket
import struct
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from servers import PostgresServer, free_port, pg_bin  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = [sys.executable, "-m", "interlock"]
PW = "upstream-Secret-9f2c"


def _wait_port(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"gateway exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("gateway did not listen")


#: the gateway's two data paths, each against a server of its own: "native" (the compiled relay, pgnative /
#: _pgrelay.c, which must be built: its test fails otherwise) and "python" (INTERLOCK_PG_NATIVE=0). Every test of
#: the modules that take ``pg``/``genv``/``gw`` from here runs on both; INTERLOCK_TEST_PG_PATHS=native (or python)
#: runs one.
PATHS = [p for p in os.environ.get("INTERLOCK_TEST_PG_PATHS", "native,python").split(",") if p]


@pytest.fixture(scope="module", params=PATHS)
def pg(request):
    s = PostgresServer(PW).start()
    s.path = request.param
    with s.connect(autocommit=True) as c:
        c.execute("ALTER SYSTEM SET max_connections = 300")
        c.execute("ALTER SYSTEM SET log_statement = 'all'")
        c.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '")
    subprocess.run(s.prefix + [pg_bin("pg_ctl"), "-D", s.data, "-l", os.path.join(s.base, "log"), "-w", "-t", "60",
                               "restart", "-m", "fast"],
                   check=True, capture_output=True, timeout=90)
    s.create_db("app")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def genv(pg, tmp_path_factory):
    t = tmp_path_factory.mktemp("gw")
    home = t / "home"
    (home / ".config" / "interlock").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG", "XDG_"))}
    env.update(HOME=str(home), INTERLOCK_HOME=str(t / "state"), XDG_CONFIG_HOME=str(home / ".config"),
               INTERLOCK_VAULT_BACKEND="file", INTERLOCK_DAEMON="0", PYTHONPATH=os.path.join(ROOT, "src"),
               INTERLOCK_PG_NATIVE="0" if getattr(pg, "path", "native") == "python" else "1")
    (home / ".config" / "interlock" / "policy.toml").write_text(
        f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\npassword_vault = "app-db"\n'
        f'[databases.down]\nurl = "postgresql://postgres@127.0.0.1:{free_port()}/app"\npassword_vault = "app-db"\n')
    from interlock.vault import Vault

    Vault(env).add("app-db", PW)
    env["_WORK"] = str(t)
    return env


def _start(genv, upstream="app"):
    port = free_port()
    p = subprocess.Popen(EXE + ["gateway", "postgres", "--listen", f"127.0.0.1:{port}", "--upstream", upstream],
                         env=genv, cwd=genv["_WORK"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_port(port, p)
    return p, port


@pytest.fixture(scope="module")
def gw(genv):
    p, port = _start(genv)
    yield port
    p.terminate()
    p.wait(10)
    err = p.stderr.read().decode()
    assert PW not in err  # no secret in the gateway's logs


def _penv(genv, port, **kw):
    e = dict(genv, PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="app", PGUSER="agent")
    e.update(kw)
    return e


def psql(genv, port, sql, **kw):
    return subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql], env=_penv(genv, port, **kw),
                          capture_output=True, text=True, timeout=60)


def direct(pg, sql):
    with pg.connect("app", autocommit=True) as c:
        return c.execute(sql).fetchall()


def execd(pg, sql):
    with pg.connect("app", autocommit=True) as c:
        c.execute(sql)


def _gateway_backends(pg):
    return direct(pg, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'app' AND backend_type = 'client backend' "
                      "AND pid <> pg_backend_pid()")[0][0]


def _settle(pg, want=0, timeout=10):
    end = time.time() + timeout
    n = _gateway_backends(pg)
    while n > want and time.time() < end:
        time.sleep(0.1)
        n = _gateway_backends(pg)
    return n


# --- real clients ------------------------------------------------------------------------------

def test_psql_allow_and_deny(pg, gw, genv):
    r = psql(genv, gw, "CREATE TABLE bookings (id int primary key, who text); "
                       "INSERT INTO bookings SELECT g, 'guest ' || g FROM generate_series(1, 500) g")
    assert r.returncode == 0, r.stderr
    assert psql(genv, gw, "SELECT count(*) FROM bookings").stdout.strip() == "500"
    r = psql(genv, gw, "DROP TABLE bookings")
    assert r.returncode != 0
    assert "approval apr-" in r.stderr and "[interlock ask]" in r.stderr and "500 rows" in r.stderr
    assert direct(pg, "SELECT count(*) FROM bookings") == [(500,)]
    r = psql(genv, gw, "ALTER SYSTEM SET fsync = off")
    assert "[interlock deny]" in r.stderr
    # a transaction keeps a failed statement's state: the block is aborted, nothing committed
    r = psql(genv, gw, "BEGIN; INSERT INTO bookings VALUES (9001, 'x'); TRUNCATE bookings; COMMIT;")
    assert r.returncode != 0
    assert direct(pg, "SELECT count(*) FROM bookings WHERE id = 9001") == [(0,)]


def test_psycopg_extended_pipeline_and_transaction_state(pg, gw, genv):
    import psycopg
    from psycopg import pq

    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent") as c:
        c.execute("CREATE TABLE IF NOT EXISTS items (id int primary key, v text)")
        c.execute("INSERT INTO items VALUES (%s, %s) ON CONFLICT DO NOTHING", (1, "one"))
        assert c.execute("SELECT v FROM items WHERE id = %s", (1,)).fetchone() == ("one",)
        c.commit()
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            c.execute("DELETE FROM items WHERE id > %s", (0,))  # the parameter decides: judged at its riskiest
        assert "approval apr-" in str(e.value)
        assert c.info.transaction_status == pq.TransactionStatus.INERROR
        c.rollback()
        assert c.execute("SELECT count(*) FROM items").fetchone() == (1,)
        with c.pipeline():
            cur = c.cursor()
            for i in range(2, 50):
                cur.execute("INSERT INTO items VALUES (%s, %s)", (i, f"v{i}"))
            cur.execute("SELECT count(*) FROM items")
            n = cur.fetchone()
        assert n == (49,)
        c.commit()
        for _ in range(8):  # prepared after psycopg's threshold: a named Parse, judged from the cache
            c.execute("SELECT v FROM items WHERE id = %s", (3,)).fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with c.pipeline():
                c.execute("SELECT 1")
                c.execute("DROP TABLE items")
        c.rollback()
    assert direct(pg, "SELECT count(*) FROM items") == [(49,)]


def test_asyncpg(pg, gw):
    asyncpg = pytest.importorskip("asyncpg")

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent")
        try:
            await c.execute("CREATE TABLE IF NOT EXISTS notes (id int primary key, body text)")
            await c.executemany("INSERT INTO notes VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                [(i, f"n{i}") for i in range(100)])
            assert await c.fetchval("SELECT count(*) FROM notes WHERE id < $1", 10) == 10
            stmt = await c.prepare("SELECT body FROM notes WHERE id = $1")
            assert await stmt.fetchval(7) == "n7"
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                await c.execute("TRUNCATE notes")
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                await c.fetch("DELETE FROM notes WHERE true RETURNING id")
            async with c.transaction():
                await c.execute("UPDATE notes SET body = 'x' WHERE id = 1")
            assert await c.fetchval("SELECT body FROM notes WHERE id = 1") == "x"
        finally:
            await c.close()
    asyncio.run(go())
    assert direct(pg, "SELECT count(*) FROM notes") == [(100,)]


def test_pgbench_through_the_gateway(pg, gw, genv):
    e = _penv(genv, gw)
    r = subprocess.run(["pgbench", "-i", "-s", "1", "-q"], env=e, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "[interlock ask]" in r.stderr  # its set-up drops and truncates tables: held
    d = dict(genv, PGHOST="127.0.0.1", PGPORT=str(pg.port), PGUSER="postgres", PGPASSWORD=PW, PGDATABASE="app")
    r = subprocess.run(["pgbench", "-i", "-s", "1", "-q"], env=d, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]  # a human's set-up, straight to the database
    for mode in (["-S"], ["-M", "prepared", "-S"], ["-M", "extended"]):
        r = subprocess.run(["pgbench", *mode, "-T", "3", "-c", "4", "-j", "2"], env=e, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr[-2000:]
        assert "tps = " in r.stdout and "number of failed transactions: 0" in r.stdout


def test_both_event_loops(pg, gw, genv):
    """The gateway runs on uvloop when it is installed (the test extra has it) and on the standard
    library's loop with INTERLOCK_GATEWAY_LOOP=asyncio: the same relay, judged the same way."""
    p, port = _start(dict(genv, INTERLOCK_GATEWAY_LOOP="asyncio"))
    try:
        execd(pg, "CREATE TABLE IF NOT EXISTS loops (id int primary key)")
        r = psql(genv, port, "INSERT INTO loops VALUES (1), (2), (3); SELECT count(*) FROM loops")
        assert r.returncode == 0 and r.stdout.split() == ["INSERT", "0", "3", "3"], r.stderr
        r = psql(genv, port, "DROP TABLE loops")
        assert r.returncode != 0 and "[interlock ask]" in r.stderr
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, dbname="app", user="agent", autocommit=True) as c:
            with c.pipeline():
                a = c.execute("SELECT %s::int + 1", (41,))
                b = c.execute("SELECT count(*) FROM loops")
            assert a.fetchone() == (42,) and b.fetchone() == (3,)
        s = socket.create_connection(("127.0.0.1", port))
        body = b"user\x00agent\x00database\x00app\x00\x00"
        s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
        time.sleep(0.5)
        s.sendall(b"\xff\x00\x00\x00\x10garbagegarbage")
        s.settimeout(5)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        assert b"08P01" in data
        s.close()
        assert direct(pg, "SELECT count(*) FROM loops") == [(3,)]
    finally:
        p.terminate()
        p.wait(10)
    assert "event loop: asyncio" in p.stderr.read().decode()
    p2, port2 = _start(genv)
    first = p2.stderr.readline().decode()  # the line saying where it listens (written after the bind)
    p2.terminate()
    p2.wait(10)
    assert "event loop: uvloop" in first, first
    # the native relay is built (the package's C extension) and on, or off on the pure-Python path
    assert ("native relay: on" if pg.path == "native" else "native relay: off") in first, first


def test_cancel_request_reaches_the_upstream(pg, gw):
    import threading

    import psycopg

    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True) as c:
        threading.Timer(0.5, c.cancel).start()
        t = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("SELECT pg_sleep(20)")
        assert time.time() - t < 10


# --- same decisions as the hook -------------------------------------------------------------

def _corpus_sample():
    out = []
    with open(os.path.join(ROOT, "bench", "corpus", "databases.jsonl")) as f:
        for line in f:
            case = json.loads(line)
            try:
                argv = shlex.split(case["command"])
            except ValueError:
                continue
            if len(argv) == 3 and argv[:2] == ["psql", "-c"] and not argv[2].lstrip().startswith("\\") \
                    and "\\" not in argv[2] and ":" not in argv[2].replace("::", ""):
                out.append(argv[2])
    return out


def test_corpus_decisions_match_the_hook(pg, gw, genv):
    """Every ``psql -c 'SQL'`` of the database corpus: the gateway's decision equals the hook's
    (``engine.evaluate`` on ``psql -h HOST -p PORT -d app -c 'SQL'``, the same database)."""
    from interlock.actions import SHELL, Action
    from interlock.engine import Context, evaluate

    sample = _corpus_sample()
    assert len(sample) >= 40
    ctx = Context(genv["_WORK"], env=genv)
    counts = {"allow": 0, "ask": 0, "deny": 0}
    mismatches = []
    for sql in sample:
        hook = evaluate(Action(SHELL, {"command": f"psql -h 127.0.0.1 -p {pg.port} -d app -c {shlex.quote(sql)}"},
                               cwd=ctx.cwd), ctx).decision
        r = psql(genv, gw, f"BEGIN; {sql}\n; ROLLBACK", PGOPTIONS="-c statement_timeout=3000")
        got = "deny" if "[interlock deny]" in r.stderr else "ask" if "[interlock ask]" in r.stderr else "allow"
        counts[got] += 1
        if got != hook and not (hook == "allow" and "cannot run inside a transaction block" in r.stderr):
            mismatches.append((sql, hook, got, r.stderr[:200]))
    assert not mismatches, mismatches
    assert counts["allow"] and counts["ask"] and counts["deny"], counts


def test_no_statement_runs_without_a_decision(pg, gw, genv):
    """The server's own log: every statement from the gateway was allowed text or Interlock's raise."""
    marker = f"/* probe {time.time_ns()} */"
    psql(genv, gw, f"SELECT 1 {marker}", PGAPPNAME="agentprobe")
    psql(genv, gw, f"DROP TABLE bookings {marker}", PGAPPNAME="agentprobe")
    log = open(os.path.join(pg.base, "log"), errors="replace").read()
    # (the impact preview runs the DROP in a rolled-back transaction on Interlock's own connection)
    lines = [ln for ln in log.splitlines() if marker in ln and "statement:" in ln and "app=agentprobe" in ln]
    assert any("SELECT 1" in ln for ln in lines)
    assert not any("DROP TABLE bookings" in ln.split("statement:", 1)[1].split("$m_")[0] for ln in lines)


# --- an agent's own script ------------------------------------------------------------------

def test_agent_script_drop_table_is_stopped(pg, gw, genv, tmp_path):
    execd(pg, "CREATE TABLE IF NOT EXISTS customers (id int primary key, name text); "
               "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING")
    script = tmp_path / "cleanup_db.py"
    script.write_text(
        "import os, psycopg\n"
        "with psycopg.connect(os.environ['DATABASE_URL']) as conn:\n"
        "    conn.execute('DROP TABLE customers')\n"
        "    conn.commit()\n"
        "print('dropped')\n")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                       env=dict(genv, DATABASE_URL=f"postgresql://agent@127.0.0.1:{gw}/app"))
    assert r.returncode != 0 and "dropped" not in r.stdout
    assert "InsufficientPrivilege" in r.stderr and "approval apr-" in r.stderr
    assert direct(pg, "SELECT count(*) FROM customers") == [(1000,)]


def test_approved_drop_runs_once_after_a_snapshot(pg, gw, genv):
    import re

    from interlock.approvals.store import open_store

    execd(pg, "CREATE TABLE scratch_rows AS SELECT g AS id FROM generate_series(1, 50) g")
    r = psql(genv, gw, "DROP TABLE scratch_rows")
    rid = re.search(r"approval (apr-[a-z0-9]+)", r.stderr).group(1)
    from helpers import add_approver

    from interlock.approvals import approvers

    add_approver("alice", "approver-secret-1", genv)
    open_store(genv).approve(rid, "alice", "cli", proof=approvers.authenticate("alice", "approver-secret-1", genv))
    r = psql(genv, gw, "DROP TABLE scratch_rows")
    assert r.returncode == 0, r.stderr
    assert direct(pg, "SELECT to_regclass('scratch_rows') IS NULL") == [(True,)]
    snaps = os.path.join(genv["INTERLOCK_HOME"], "snapshots")
    assert os.path.isdir(snaps) and os.listdir(snaps)
    execd(pg, "CREATE TABLE scratch_rows (id int)")
    r = psql(genv, gw, "DROP TABLE scratch_rows")  # the approval was for once
    assert "approval apr-" in r.stderr


# --- faults ----------------------------------------------------------------------------------

def test_upstream_down_is_a_clear_error(genv):
    p, port = _start(genv, "down")
    try:
        r = psql(genv, port, "SELECT 1")
        assert r.returncode != 0
        assert "upstream down" in r.stderr and "unavailable" in r.stderr and PW not in r.stderr
        r = psql(genv, port, "SELECT 1")  # and the gateway is still there
        assert "unavailable" in r.stderr
    finally:
        p.terminate()
        p.wait(10)


def test_client_gone_mid_query_closes_the_upstream(pg, gw, genv):
    base = _settle(pg)
    c = subprocess.Popen(["psql", "-X", "-c", "SELECT pg_sleep(30)"], env=_penv(genv, gw))
    end = time.time() + 10
    while time.time() < end and not direct(pg, "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"
                                               " AND pid <> pg_backend_pid()"):
        time.sleep(0.1)
    c.kill()
    c.wait()
    assert _settle(pg, base) == base


def test_malformed_bytes_error_and_close(pg, gw):
    def startup(s):
        body = b"user\x00agent\x00database\x00app\x00\x00"
        s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
        data = b""
        while not data.endswith(b"Z\x00\x00\x00\x05I"):
            chunk = s.recv(65536)
            assert chunk
            data += chunk

    def read_all(s):
        s.settimeout(5)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data

    for junk in (b"\xff\x00\x00\x00\x10garbagegarbage", b"Q\x7f\xff\xff\xffSELECT 1", b"Q\x00\x00\x00\x02",
                 b"Q\x00\x00\x00\x09SEL\xff\x00"):
        s = socket.create_connection(("127.0.0.1", gw))
        startup(s)
        s.sendall(junk)
        data = read_all(s)
        s.close()
        assert data[:1] == b"E" and b"08P01" in data, (junk, data[:200])
    s = socket.create_connection(("127.0.0.1", gw))  # a bad startup packet
    s.sendall(struct.pack("!II", 7, 196608))
    assert read_all(s)[:1] == b"E"
    s.close()
    s = socket.create_connection(("127.0.0.1", gw))
    s.sendall(struct.pack("!II", 999_999, 196608))
    assert read_all(s)[:1] == b"E"
    s.close()
    assert _settle(pg) == 0
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent") as c:  # still serving
        assert c.execute("SELECT 42").fetchone() == (42,)


def test_large_copy_streams_both_ways(pg, gw):
    import psycopg

    mb = int(os.environ.get("INTERLOCK_TEST_COPY_MB", "64"))
    row = ("x" * 1000 + "\n").encode()
    n = mb * 1024 * 1024 // len(row)
    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True) as c:
        c.execute("CREATE TABLE big (line text)")
        chunk = row * 1024
        with c.cursor().copy("COPY big (line) FROM STDIN") as cp:
            for _ in range(n // 1024):
                cp.write(chunk)
        got = c.execute("SELECT count(*) FROM big").fetchone()[0]
        assert got == n // 1024 * 1024
        size = 0
        with c.cursor().copy("COPY big TO STDOUT") as cp:
            for data in cp:
                size += len(data)
        assert size == got * len(row)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # a COPY to a program is judged, not run
            c.execute("COPY big TO PROGRAM 'rm -rf ~'")


def test_200_concurrent_connections(pg, gw):
    asyncpg = pytest.importorskip("asyncpg")

    async def one(i):
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent", timeout=60)
        try:
            v = await c.fetchval("SELECT $1::int + 1", i)
            await asyncio.sleep(0.2)  # all open at once
            bad = None
            try:
                await c.execute("DROP TABLE IF EXISTS big")
            except asyncpg.exceptions.InsufficientPrivilegeError as e:
                bad = str(e)
            return v, bad
        finally:
            await c.close()

    async def go():
        return await asyncio.gather(*(one(i) for i in range(200)))
    res = asyncio.run(go())
    assert [v for v, _ in res] == [i + 1 for i in range(200)]
    assert all(b and "[interlock" in b for _, b in res)
    assert _settle(pg) == 0


# --- ORMs ---------------------------------------------------------------------------------------

def test_sqlalchemy_through_the_gateway(pg, gw):
    sa = pytest.importorskip("sqlalchemy")
    eng = sa.create_engine(f"postgresql+psycopg://agent@127.0.0.1:{gw}/app", pool_pre_ping=True)
    meta = sa.MetaData()
    cars = sa.Table("sa_cars", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("plate", sa.Text))
    try:
        meta.create_all(eng)
        with eng.begin() as c:
            c.execute(cars.insert(), [{"id": i, "plate": f"P-{i}"} for i in range(50)])
        with eng.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(cars)).scalar() == 50
            assert c.execute(sa.select(cars.c.plate).where(cars.c.id == 7)).scalar() == "P-7"
        with eng.begin() as c:
            c.execute(cars.update().where(cars.c.id == 3).values(plate="X"))
        with pytest.raises(sa.exc.ProgrammingError, match="Interlock"):
            with eng.begin() as c:
                c.execute(cars.delete())  # DELETE without WHERE: held at the gateway
        with pytest.raises(sa.exc.ProgrammingError, match="Interlock"):
            meta.drop_all(eng)
        with eng.connect() as c:  # the pool's connection is usable after the refusals
            assert c.execute(sa.select(sa.func.count()).select_from(cars)).scalar() == 50
    finally:
        eng.dispose()
    assert direct(pg, "SELECT count(*) FROM sa_cars") == [(50,)]


def test_django_through_the_gateway(pg, gw, genv, tmp_path):
    pytest.importorskip("django")
    script = tmp_path / "dj.py"
    script.write_text(f'''
import django
from django.conf import settings
settings.configure(DATABASES={{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "app",
    "USER": "agent", "HOST": "127.0.0.1", "PORT": "{gw}"}}}}, INSTALLED_APPS=[], USE_TZ=True)
django.setup()
from django.db import connection, models, utils

class Booking(models.Model):
    who = models.TextField()
    class Meta:
        app_label = "rental"
        db_table = "dj_bookings"

with connection.schema_editor() as e:
    e.create_model(Booking)
Booking.objects.bulk_create([Booking(who=f"c{{i}}") for i in range(20)])
assert Booking.objects.filter(who="c3").count() == 1
Booking.objects.filter(pk=1).delete()
try:
    Booking.objects.all().delete()   # DELETE of every row: held at the gateway
    print("DELETED")
except utils.ProgrammingError as e:
    print("REFUSED", "Interlock" in str(e))
print("COUNT", Booking.objects.count())
''')
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                       env={k: v for k, v in genv.items() if not k.startswith("_")})
    assert p.returncode == 0, p.stderr
    assert "REFUSED True" in p.stdout and "COUNT 19" in p.stdout, p.stdout
    assert direct(pg, "SELECT count(*) FROM dj_bookings") == [(19,)]
