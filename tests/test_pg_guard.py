"""The guard inside PostgreSQL (issue 16): ``interlock protect postgres URL`` against a real server.  A direct
psycopg connection with the agent role — or with the table owner's credentials an agent found — cannot wipe,
empty, rewrite or drop a protected table, nor turn the guard off; with a grant Interlock wrote, the approved
statement runs, once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from servers import PostgresServer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PW = "guard-Admin-7c1e"
AGENT_PW = "agent-Pw-42aa"
OWNER_PW = "owner-Pw-9d0b"
ROWS = 100


@pytest.fixture(scope="module")
def server():
    s = PostgresServer(PW).start()
    s.create_db("shop")
    with s.connect("shop", autocommit=True) as c:
        c.execute(f"CREATE ROLE app_owner LOGIN PASSWORD '{OWNER_PW}'")
        c.execute("GRANT CREATE, USAGE ON SCHEMA public TO app_owner")
    yield s
    s.stop()


def _connect(server, user, pw, autocommit=True):
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=server.port, user=user, password=pw, dbname="shop",
                           autocommit=autocommit)


def owner(server):
    return _connect(server, "app_owner", OWNER_PW)


def agent(server):
    return _connect(server, "interlock_agent", AGENT_PW)


def protect(server, *extra):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.run([sys.executable, "-m", "interlock", "protect", "postgres", server.url("shop"), *extra],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def guarded(server):
    with owner(server) as c:
        c.execute("CREATE TABLE cars (id int primary key, name text)")
        c.execute("INSERT INTO cars VALUES (1, 'a'), (2, 'b')")
        c.execute("CREATE TABLE bookings (id serial primary key, customer text, car_id int)")
        c.execute(f"INSERT INTO bookings (customer, car_id) SELECT 'guest ' || g, 1 + g % 2 "
                  f"FROM generate_series(1, {ROWS}) g")
        c.execute("ANALYZE bookings")
    r = protect(server)
    assert r.returncode == 0, r.stderr
    assert "MISSING" not in r.stdout, r.stdout
    assert PW not in r.stdout + r.stderr
    r = protect(server)                      # idempotent
    assert r.returncode == 0, r.stderr
    with server.connect("shop", autocommit=True) as c:
        c.execute(f"ALTER ROLE interlock_agent PASSWORD '{AGENT_PW}'")
    return server


def _count(server, table="bookings"):
    with server.connect("shop", autocommit=True) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_check_says_everything_is_installed(guarded):
    r = protect(guarded, "--check")
    assert r.returncode == 0 and "MISSING" not in r.stdout, r.stdout
    assert "event triggers" in r.stdout and "agent role interlock_agent (owns nothing)" in r.stdout


@pytest.mark.parametrize("sql", [
    "DELETE FROM bookings",
    "DELETE FROM bookings WHERE id <> -1",
    "UPDATE bookings SET customer = 'x'",
    "WITH gone AS (DELETE FROM bookings RETURNING id) SELECT count(*) FROM gone",
    "MERGE INTO bookings b USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE",
    "TRUNCATE bookings",
    "DROP TABLE bookings",
    "CREATE RULE r AS ON INSERT TO cars DO ALSO DELETE FROM bookings",
    "CREATE TRIGGER t AFTER INSERT ON cars EXECUTE FUNCTION interlock.check_truncate()",
    "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM bookings; END",
    "ALTER TABLE bookings ALTER COLUMN customer TYPE text USING NULL",
    "ALTER TABLE bookings DISABLE TRIGGER ALL",
    "SET interlock.\"grant\" = 'apr-x:guess'; DELETE FROM bookings",
])
def test_the_agent_role_cannot_wipe_or_drop(guarded, sql):
    import psycopg

    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute(sql)
    assert _count(guarded) == ROWS


def test_copy_of_a_delete_is_refused_too(guarded):
    import psycopg

    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            with c.cursor().copy("COPY (DELETE FROM bookings RETURNING id) TO STDOUT") as cp:
                for _ in cp:
                    pass
    assert _count(guarded) == ROWS


@pytest.mark.parametrize("sql", [
    "DELETE FROM bookings",
    "DELETE FROM bookings WHERE id > 0",
    "UPDATE bookings SET customer = 'x' WHERE car_id IN (1, 2)",
    "TRUNCATE bookings",
    "DROP TABLE bookings",
    "DROP TABLE bookings CASCADE",
    "ALTER TABLE bookings DROP COLUMN customer",
    "ALTER TABLE bookings ALTER COLUMN customer TYPE text USING NULL",
    "ALTER TABLE bookings DISABLE TRIGGER ALL",
    "ALTER TABLE bookings DISABLE TRIGGER interlock_guard_delete",
    "ALTER TABLE bookings ENABLE REPLICA TRIGGER interlock_guard_delete",
    "DROP TRIGGER interlock_guard_delete ON bookings",
    "ALTER TRIGGER interlock_guard_delete ON bookings RENAME TO x",
    "DO $$ BEGIN EXECUTE 'ALTER TABLE bookings DIS' || 'ABLE TRIGGER ALL'; END $$",
    "SET interlock.installing = 'on'; DROP TABLE bookings",
    "DROP OWNED BY app_owner",
])
def test_the_owners_credentials_cannot_wipe_drop_or_turn_the_guard_off(guarded, sql):
    import psycopg

    with owner(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute(sql)
        assert "Interlock guard" in str(e.value) or "permission denied" in str(e.value), str(e.value)
    assert _count(guarded) == ROWS
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'interlock_guard%' AND tgenabled = 'A' "
                         "AND tgrelid = 'bookings'::regclass").fetchone()[0] == 3


def test_ordinary_work_passes(guarded):
    with agent(guarded) as c:
        c.execute("INSERT INTO cars VALUES (3, 'c')")
        c.execute("UPDATE cars SET name = 'cc' WHERE id = 3")
        c.execute("UPDATE bookings SET customer = customer WHERE id IN (1, 2, 3)")
        c.execute("DELETE FROM cars WHERE id = 3")
        assert c.execute("SELECT count(*) FROM bookings WHERE customer LIKE 'guest%'").fetchone()[0] == ROWS
    with owner(guarded) as c:     # a table created later is guarded too (the event trigger)
        c.execute("CREATE TABLE later (id int)")
        c.execute("INSERT INTO later SELECT generate_series(1, 50)")
    import psycopg

    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute("DELETE FROM later")
    assert _count(guarded, "later") == 50


def test_a_grant_lets_the_approved_statement_run_once(guarded):
    import psycopg

    from interlock.safeguards import pgguard

    with owner(guarded) as c:
        c.execute("CREATE TABLE ledger (id int)")
        c.execute("INSERT INTO ledger SELECT generate_series(1, 60)")
    with guarded.connect("shop") as admin:
        text = pgguard.new_grant(admin, "apr-test01", lambda setting: f"{setting}; DELETE FROM ledger WHERE id > 0")
        other = pgguard.new_grant(admin, "apr-test02", lambda setting: f"{setting}; DELETE FROM bookings")
    assert "apr-test01" in text
    with agent(guarded) as c:
        # bound to the statement: the grant's token with another statement is refused
        forged = other.replace("DELETE FROM bookings", "UPDATE bookings SET customer = 'x'")
        with pytest.raises(psycopg.Error):
            c.execute(forged)
        c.execute(text)                       # the approved one runs
        assert c.execute("SELECT count(*) FROM ledger").fetchone()[0] == 0
        c.execute("INSERT INTO ledger SELECT generate_series(1, 60)")
        with pytest.raises(psycopg.Error) as e:    # once
            c.execute(text)
        assert "Interlock guard" in str(e.value)
    assert _count(guarded, "ledger") == 60
    assert _count(guarded) == ROWS
    with guarded.connect("shop", autocommit=True) as admin:
        used = admin.execute("SELECT used_at IS NOT NULL FROM interlock.grants WHERE approval_id = 'apr-test01'"
                             ).fetchone()
        assert used == (True,)
    # the agent cannot write a grant for itself
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute("INSERT INTO interlock.grants (approval_id, token_sha256, statement_sha256) "
                      "VALUES ('mine', 'x', 'y')")


def test_remove_takes_it_out(server, guarded):
    r = protect(server, "--remove")
    assert r.returncode == 0, r.stderr
    with server.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'interlock_guard%'").fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM pg_event_trigger").fetchone() == (0,)
        assert c.execute("SELECT to_regnamespace('interlock')").fetchone() == (None,)
    r = protect(server, "--check")
    assert r.returncode == 1 and "not installed" in r.stdout
    r = protect(server)                       # and back
    assert r.returncode == 0 and "MISSING" not in r.stdout, r.stdout
