"""The guard inside PostgreSQL (issue 16): ``interlock protect postgres URL`` against a real server.  A direct
psycopg connection with the agent role — or with the table owner's credentials an agent found — cannot wipe,
empty, rewrite or drop a protected table, nor turn the guard off; with a grant Interlock wrote, the approved
statement runs, once."""

from __future__ import annotations

import os
import re
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


@pytest.fixture(scope="module", params=["plpgsql", "c"])
def server(request):
    """A server per implementation of the row-count triggers: PL/pgSQL, and C (the interlock_guard extension,
    ext/postgres, which scripts/test builds and installs on the machine's PostgreSQL)."""
    s = PostgresServer(PW).start()
    s.impl = request.param
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
    if "--remove" not in extra and "--check" not in extra and not any(x.startswith("--implementation") for x in extra):
        extra = (*extra, f"--implementation={server.impl}")
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
                         "AND tgrelid = 'bookings'::regclass").fetchone()[0] == 4


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


def test_small_statements_add_up_within_one_transaction(guarded):
    """The limit is the transaction's: a loop of one-row DELETEs in one transaction is a wipe too, while the
    same rows one transaction at a time (autocommit, each far under the limits) pass."""
    import psycopg

    with owner(guarded) as c:
        c.execute("CREATE TABLE trips (id int primary key)")
        c.execute("INSERT INTO trips SELECT generate_series(1, 40)")
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            with c.transaction():
                for i in range(1, 41):
                    c.execute("DELETE FROM trips WHERE id = %s", (i,))
        assert "Interlock guard" in str(e.value) and "trips" in str(e.value)
    assert _count(guarded, "trips") == 40
    with agent(guarded) as c:                 # ordinary work: a few rows per transaction
        for i in range(1, 4):
            c.execute("DELETE FROM trips WHERE id = %s", (i,))
        with c.transaction():
            c.execute("UPDATE trips SET id = id + 100 WHERE id IN (4, 5)")
            c.execute("DELETE FROM trips WHERE id = 6")
    assert _count(guarded, "trips") == 36


def test_a_grant_counts_in_the_transaction_and_later_small_statements_pass(guarded):
    from interlock.safeguards import pgguard

    with owner(guarded) as c:
        c.execute("CREATE TABLE stock (id int)")
        c.execute("INSERT INTO stock SELECT generate_series(1, 50)")
    with guarded.connect("shop") as admin:
        text = pgguard.new_grant(admin, "apr-test03", lambda setting: f"{setting}; DELETE FROM stock WHERE id > 10")
    with agent(guarded) as c:
        with c.transaction():
            c.execute(text)                   # approved: 40 rows
            c.execute("DELETE FROM stock WHERE id = 1")   # then one more: counted from the grant on
    assert _count(guarded, "stock") == 9


def test_max_rows_below_min_rows_still_refuses(guarded):
    import psycopg

    with guarded.connect("shop", autocommit=True) as admin:
        admin.execute("INSERT INTO interlock.settings VALUES ('max_rows', '5') "
                      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
    try:
        with owner(guarded) as c:
            c.execute("CREATE TABLE parcels (id int)")       # guarded with the limits of now
            c.execute("INSERT INTO parcels SELECT generate_series(1, 1000)")
        with agent(guarded) as c:
            c.execute("DELETE FROM parcels WHERE id <= 5")
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM parcels WHERE id <= 12")
            assert "at most 5 rows" in str(e.value)
    finally:
        with guarded.connect("shop", autocommit=True) as admin:
            admin.execute("DELETE FROM interlock.settings WHERE key = 'max_rows'")
    assert _count(guarded, "parcels") == 995


# --- the fast path (guard version 3): a trigger function that runs as the caller and calls the judge only past
# the row floor; none of it may be a way around the limits ------------------------------------------------

def _table(server, name, rows):
    with owner(server) as c:
        c.execute(f"DROP TABLE IF EXISTS {name}")
        c.execute(f"CREATE TABLE {name} (id int primary key, v int)")
        c.execute(f"INSERT INTO {name} SELECT g, 0 FROM generate_series(1, {rows}) g")
        c.execute(f"ANALYZE {name}")


def test_small_updates_add_up_too_and_savepoints_do_not_hide_rows(guarded):
    import psycopg

    _table(guarded, "seats", 40)
    with agent(guarded) as c:                  # one-row UPDATEs in one transaction: the floor is crossed mid-loop
        with pytest.raises(psycopg.Error) as e:
            with c.transaction():
                for i in range(1, 41):
                    c.execute("UPDATE seats SET v = 1 WHERE id = %s", (i,))
        assert "Interlock guard: UPDATE" in str(e.value)
        with pytest.raises(psycopg.Error) as e:   # rows of a rolled-back savepoint are still counted
            with c.transaction():
                for lo in range(1, 40, 5):
                    with pytest.raises(psycopg.errors.DivisionByZero):
                        with c.transaction():
                            c.execute("DELETE FROM seats WHERE id BETWEEN %s AND %s", (lo, lo + 4))
                            c.execute("SELECT 1/0")
                c.execute("DELETE FROM seats WHERE id = 40")
        assert "Interlock guard: DELETE" in str(e.value)
    assert _count(guarded, "seats") == 40
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM seats WHERE v <> 0").fetchone() == (0,)


def test_earlier_transactions_counts_do_not_refuse_later_ones(guarded):
    """Counters the session has not flushed yet belong to earlier transactions: every statement asks for the
    flush, so quick one-row transactions — 30 updates of a 10-row table in well under a second, TPC-B's
    branches — never add up to a refusal, and a following small transaction still passes.  (The owner's session:
    the agent role's are budgeted across transactions too, see test_pg_guard_budget.py.)"""
    _table(guarded, "branches", 10)
    with owner(guarded) as c:
        for i in range(30):
            c.execute("UPDATE branches SET v = v + 1 WHERE id = %s", (1 + i % 10,))
        for i in range(1, 10):
            c.execute("DELETE FROM branches WHERE id = %s", (i,))
    assert _count(guarded, "branches") == 1


def test_a_table_that_shrank_is_judged_by_its_rows_now(guarded):
    """reltuples stays at 200 until the next ANALYZE while the table is down to 50 rows: 30 rows are 60% of it,
    not 15%."""
    import psycopg

    _table(guarded, "fares", 200)
    with guarded.connect("shop", autocommit=True) as c:
        c.execute("ALTER TABLE fares SET (autovacuum_enabled = off)")
    with owner(guarded) as c:                    # (not budgeted across transactions, as the agent role is)
        for lo in range(51, 201, 9):             # under the row floor each time: never judged
            c.execute("DELETE FROM fares WHERE id BETWEEN %s AND %s", (lo, min(lo + 8, 200)))
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT reltuples FROM pg_class WHERE relname = 'fares'").fetchone() == (200,)
    assert _count(guarded, "fares") == 50
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM fares WHERE id > 20")
        assert "Interlock guard: DELETE of 30 rows" in str(e.value)
    assert _count(guarded, "fares") == 50


def test_percentages_on_a_small_table(guarded):
    import psycopg

    _table(guarded, "gates", 12)
    with agent(guarded) as c:
        for sql in ("DELETE FROM gates WHERE id <= 10", "UPDATE gates SET v = 2 WHERE id <= 10",
                    "UPDATE gates SET v = 2 WHERE id <= 5; UPDATE gates SET v = 3 WHERE id > 7"):
            with pytest.raises(psycopg.Error) as e:
                c.execute(sql)
            assert "Interlock guard" in str(e.value), sql
        c.execute("DELETE FROM gates WHERE id <= 9")        # under min_rows: never refused
    assert _count(guarded, "gates") == 3


def test_a_role_with_nothing_but_dml_is_guarded_by_the_guard_not_by_a_permission_error(guarded):
    import psycopg

    _table(guarded, "lanes", 100)
    with guarded.connect("shop", autocommit=True) as c:
        c.execute("DROP ROLE IF EXISTS app_rw")
        c.execute("CREATE ROLE app_rw LOGIN PASSWORD 'rw-Pw-1'")
        c.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON lanes TO app_rw")
    with _connect(guarded, "app_rw", "rw-Pw-1") as c:
        c.execute("UPDATE lanes SET v = 1 WHERE id <= 5")
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM lanes WHERE id > 50")
        assert "Interlock guard: DELETE of 50 rows" in str(e.value)
    assert _count(guarded, "lanes") == 100


@pytest.mark.parametrize("sql", [
    "SELECT interlock.fast_functions()",
    "SELECT interlock.protect_table('bookings')",
    "SELECT interlock.check_rows_xact('bookings'::regclass, 'DELETE', 0)",
    "SELECT interlock.granted('DELETE')",
    "SELECT interlock.rows_within('bookings'::regclass, 'DELETE', 0)",
    "CREATE OR REPLACE FUNCTION interlock.count_delete() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; "
    "END$$",
    "CREATE FUNCTION interlock.x() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "UPDATE interlock.settings SET value = '100000' WHERE key = 'max_rows'",
    "INSERT INTO interlock.counted VALUES (pg_current_xact_id(), 'bookings'::regclass, 'DELETE', 1000000)",
    "SET track_counts = off",
    "ALTER FUNCTION interlock.count_delete() SECURITY DEFINER",
])
def test_the_fast_path_cannot_be_changed_or_skipped(guarded, sql):
    """The schema is usable by everyone now (the trigger functions run as the caller and call
    interlock.over_limit): nothing else in it is theirs to call, write or replace; and the counters cannot be
    turned off."""
    import psycopg

    for who in (agent, owner):
        with who(guarded) as c:
            with pytest.raises(psycopg.Error):
                c.execute(sql)


def test_calling_the_judge_directly_judges_only_the_callers_own_rows(guarded):
    import psycopg

    with agent(guarded) as c:
        c.execute("SELECT interlock.over_limit('bookings'::regclass, 'DELETE')")   # nothing done: nothing refused
        with pytest.raises(psycopg.Error):
            c.execute("SELECT interlock.over_limit('bookings'::regclass, 'TRUNCATE')")


def test_the_floor_follows_the_settings(guarded):
    """The row floor is written into the trigger functions; changing interlock.settings rewrites them."""
    import psycopg

    _table(guarded, "docks", 1000)
    with guarded.connect("shop", autocommit=True) as admin:
        admin.execute("INSERT INTO interlock.settings VALUES ('max_rows', '5') "
                      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
    try:
        with agent(guarded) as c:
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM docks WHERE id <= 7")         # under the old floor (10), over max_rows
            assert "at most 5 rows" in str(e.value)
    finally:
        with guarded.connect("shop", autocommit=True) as admin:
            admin.execute("DELETE FROM interlock.settings WHERE key = 'max_rows'")
    with agent(guarded) as c:
        c.execute("DELETE FROM docks WHERE id <= 7")
    assert _count(guarded, "docks") == 993


@pytest.mark.parametrize("kind", ["inherits", "partition"])
def test_a_parent_whose_children_hold_the_rows_is_guarded(guarded, kind):
    """Counters are per table: a DELETE on a parent removes its children's rows, so a parent — whether it got
    its child before or after the guard — is guarded by a transition table of the statement's rows."""
    import psycopg

    p, ch = f"fleet_{kind}", f"fleet_{kind}_c"
    with owner(guarded) as c:
        if kind == "inherits":
            c.execute(f"CREATE TABLE {p} (id int)")
            c.execute(f"CREATE TABLE {ch} () INHERITS ({p})")       # after the guard: the event trigger
        else:
            c.execute(f"CREATE TABLE {p} (id int) PARTITION BY RANGE (id)")
            c.execute(f"CREATE TABLE {ch} PARTITION OF {p} FOR VALUES FROM (0) TO (1000)")
        c.execute(f"INSERT INTO {ch} SELECT generate_series(1, 50)")
    with agent(guarded) as c:
        for sql in (f"DELETE FROM {p}", f"UPDATE {p} SET id = id + 1"):
            with pytest.raises(psycopg.Error) as e:
                c.execute(sql)
            assert "Interlock guard" in str(e.value)
        c.execute(f"DELETE FROM {p} WHERE id = 1")          # ordinary work still passes
    assert _count(guarded, p) == 49
    with guarded.connect("shop", autocommit=True) as c:
        q = ("SELECT t.tgfoid::regproc::text, t.tgoldtable IS NOT NULL FROM pg_trigger t WHERE t.tgrelid = "
             "%s::regclass AND t.tgname = 'interlock_guard_delete'")
        c_impl = guarded.impl == "c"
        assert c.execute(q, (p,)).fetchone() == (
            "interlock.guard_rows" if c_impl else "interlock.check_rows", True)       # a transition table
        assert c.execute(q, ("bookings",)).fetchone() == (
            "interlock.guard_rows" if c_impl else "interlock.count_delete", False)    # the counters


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


# --- through the gateway: an approved statement carries its grant ------------------------------------------

def _policy_env(guarded, tmp_path):
    from interlock.vault import Vault

    home = tmp_path / "home"
    (home / ".config" / "interlock").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG", "XDG_"))}
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(home / ".config"),
               INTERLOCK_VAULT_BACKEND="file", INTERLOCK_DAEMON="0", PYTHONPATH=os.path.join(ROOT, "src"))
    (home / ".config" / "interlock" / "policy.toml").write_text(
        f'[databases.shop]\nurl = "postgresql://interlock_agent@127.0.0.1:{guarded.port}/shop"\n'
        'password_vault = "agent-db"\n'
        f'guard_url = "postgresql://postgres@127.0.0.1:{guarded.port}/shop"\nguard_password_vault = "guard-db"\n')
    Vault(env).add("agent-db", AGENT_PW)
    Vault(env).add("guard-db", PW)
    return env


def test_doctor_says_what_the_guard_and_restores_need(guarded, tmp_path):
    env = _policy_env(guarded, tmp_path)
    r = subprocess.run([sys.executable, "-m", "interlock", "doctor"], env=env, cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=120)
    assert "database shop: in-database guard installed" in r.stdout, r.stdout
    assert "budget across transactions for interlock_agent: 1000 rows or 20% of a table" in r.stdout, r.stdout
    assert ("row-count triggers in C (extension interlock_guard 1.0)" if guarded.impl == "c" else
            "row-count triggers in PL/pgSQL (the C extension interlock_guard is on the server") in r.stdout, r.stdout
    assert re.search(r"database shop: role \S+ lacks CREATEDB", r.stdout), r.stdout
    assert PW not in r.stdout + r.stderr and AGENT_PW not in r.stdout + r.stderr


def test_the_gateway_runs_an_approved_statement_with_its_grant_once(guarded, tmp_path):
    import re
    import socket
    import time

    from servers import free_port

    from helpers import add_approver
    from interlock.approvals import approvers
    from interlock.approvals.store import open_store

    env = _policy_env(guarded, tmp_path)
    SECRET = "alice's approver secret"
    add_approver("alice", SECRET, env)
    with owner(guarded) as c:
        c.execute("DROP TABLE IF EXISTS old_events")
        c.execute("CREATE TABLE old_events (id int)")
        c.execute("INSERT INTO old_events SELECT generate_series(1, 80)")
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "interlock", "gateway", "postgres", "--listen", f"127.0.0.1:{port}",
                          "--upstream", "shop"], env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        end = time.time() + 20
        while time.time() < end:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        penv = dict(env, PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="shop", PGUSER="agent")

        def psql(sql):
            return subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql], env=penv,
                                  capture_output=True, text=True, timeout=60)

        # judged by what it did: an unbounded DELETE runs, measured by the guard — small, it stays done
        r = psql("DELETE FROM old_events WHERE id > 76")
        assert r.returncode == 0 and r.stdout.strip() == "DELETE 4", r.stderr
        assert _count(guarded, "old_events") == 76
        # large: rolled back (the guard refuses it inside the gateway's measurement); the gateway asks, with what
        # was measured as the impact
        r = psql("DELETE FROM old_events WHERE id < 1000")
        assert r.returncode != 0 and "[interlock ask]" in r.stderr, r.stderr
        assert "DELETE of 76 rows" in r.stderr, r.stderr
        assert _count(guarded, "old_events") == 76
        r = psql("DELETE FROM old_events WHERE id < 1000")
        assert r.returncode != 0 and "[interlock ask]" in r.stderr, r.stderr
        rid = re.search(r"approval (apr-[a-z0-9]+)", r.stderr).group(1)
        open_store(env).approve(rid, "alice", "cli", proof=approvers.authenticate("alice", SECRET, env))
        r = psql("DELETE FROM old_events WHERE id < 1000")
        assert r.returncode == 0, r.stderr
        assert _count(guarded, "old_events") == 0
        with guarded.connect("shop", autocommit=True) as admin:
            assert admin.execute("SELECT used_at IS NOT NULL FROM interlock.grants WHERE approval_id = %s",
                                 (rid,)).fetchone() == (True,)
        # the extended protocol (parameters bound later): run, measured by the guard, refused; then asked
        import psycopg

        with owner(guarded) as c:
            c.execute("INSERT INTO old_events SELECT generate_series(1, 80)")
        with psycopg.connect(host="127.0.0.1", port=port, dbname="shop", user="agent", autocommit=True) as c:
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM old_events WHERE id < %s", (1000,))
            assert "Interlock guard: DELETE of 80 rows" in str(e.value)
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
                c.execute("DELETE FROM old_events WHERE id < %s", (1000,))
            assert "[interlock ask]" in str(e.value) and "80 rows" in str(e.value.diag.message_detail or "")
        assert _count(guarded, "old_events") == 80
    finally:
        p.terminate()
        p.wait(10)
        err = p.stderr.read().decode()
    assert PW not in err and AGENT_PW not in err


# --- an approved bound (extended-protocol) statement carries its grant too --------------------------------

@pytest.fixture
def gateway(guarded, tmp_path):
    """``interlock gateway postgres`` in front of the guarded database (upstream login: the agent role, grants
    written with the privileged login); yields (port, approve) where approve(approval_id) approves as alice."""
    import socket
    import time

    from servers import free_port

    from helpers import add_approver
    from interlock.approvals import approvers
    from interlock.approvals.store import open_store

    env = _policy_env(guarded, tmp_path)
    secret = "alice's approver secret"
    add_approver("alice", secret, env)
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "interlock", "gateway", "postgres", "--listen", f"127.0.0.1:{port}",
                          "--upstream", "shop"], env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    end = time.time() + 20
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)

    def approve(rid):
        open_store(env).approve(rid, "alice", "cli", proof=approvers.authenticate("alice", secret, env))
    try:
        yield port, approve
    finally:
        p.terminate()
        p.wait(10)
        err = p.stderr.read().decode()
        assert PW not in err and AGENT_PW not in err
        assert "Traceback" not in err, err[-2000:]


def _grant_used(server, rid):
    with server.connect("shop", autocommit=True) as admin:
        return admin.execute("SELECT used_at IS NOT NULL FROM interlock.grants WHERE approval_id = %s",
                             (rid,)).fetchone()


def _psycopg_run(port, sql, args, transaction=None):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, dbname="shop", user="agent", autocommit=True) as c:
        if transaction:
            with c.transaction():
                for s, a in transaction:
                    c.execute(s, a)
            return None
        return c.execute(sql, args).statusmessage


def _asyncpg_run(port, sql, args, transaction=None):
    import asyncio

    import asyncpg

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=port, database="shop", user="agent")
        try:
            return await c.execute(sql.replace("%s", "$1"), *args)
        finally:
            await c.close()
    return asyncio.run(go())


@pytest.mark.parametrize("client", ["psycopg", "asyncpg"])
def test_an_approved_bound_statement_runs_once_with_its_grant(guarded, gateway, client):
    """The gateway sets the grant in the client's transaction right before the approved portal's Execute (its
    own Parse/Bind/Execute, whose answers never reach the client): the approved parameterized DELETE runs
    once; the same statement again is refused; on a direct connection the guard refuses it regardless."""
    import psycopg

    port, approve = gateway
    run = _psycopg_run if client == "psycopg" else _asyncpg_run
    table = f"bound_{client}"
    _table(guarded, table, 80)
    sql = f"DELETE FROM {table} WHERE id < %s"
    with pytest.raises(Exception) as e:            # measured by the guard: refused, rolled back
        run(port, sql, (1000,))
    assert "Interlock guard: DELETE of 80 rows" in str(e.value)
    with pytest.raises(Exception) as e:            # from then on asked about
        run(port, sql, (1000,))
    rid = re.search(r"approval (apr-[a-z0-9]+)", str(e.value) + str(getattr(e.value, "hint", "") or "")
                    + str(getattr(getattr(e.value, "diag", None), "message_hint", "") or ""))
    assert rid, str(e.value)
    rid = rid.group(1)
    assert _count(guarded, table) == 80
    approve(rid)
    assert run(port, sql, (1000,)) == "DELETE 80"  # the client's stream is its own: its tag, nothing else
    assert _count(guarded, table) == 0
    assert _grant_used(guarded, rid) == (True,)
    with owner(guarded) as c:
        c.execute(f"INSERT INTO {table} SELECT g, 0 FROM generate_series(1, 80) g")
    with pytest.raises(Exception):                  # once
        run(port, sql, (1000,))
    assert _count(guarded, table) == 80
    with agent(guarded) as c:                       # a direct connection: the guard alone
        with pytest.raises(psycopg.Error) as e:
            c.execute(sql, (1000,))
        assert "Interlock guard" in str(e.value)
    assert _count(guarded, table) == 80


def test_a_bound_grant_is_one_executions_not_the_transactions(guarded, gateway):
    """The grant is set for the rest of the client's transaction and bound to the prepared text, which the same
    transaction may execute again with other values: it holds for one statement only."""
    import psycopg

    port, approve = gateway
    _table(guarded, "bound_twice", 160)
    sql = "DELETE FROM bound_twice WHERE id < %s"
    for _ in range(2):
        with pytest.raises(psycopg.Error) as e:
            _psycopg_run(port, sql, (81,))
    rid = re.search(r"approval (apr-[a-z0-9]+)", str(e.value) + str(e.value.diag.message_hint or "")).group(1)
    approve(rid)
    with pytest.raises(psycopg.Error) as e:
        _psycopg_run(port, None, None, transaction=[(sql, (81,)), (sql, (1000,))])
    assert "Interlock guard: DELETE of 80 rows" in str(e.value)   # the second execution: no grant of its own
    assert _count(guarded, "bound_twice") == 160
    with pytest.raises(psycopg.Error) as e:          # the approval was used: a new one
        _psycopg_run(port, sql, (81,))
    approve(re.search(r"approval (apr-[a-z0-9]+)", str(e.value)).group(1))
    with psycopg.connect(host="127.0.0.1", port=port, dbname="shop", user="agent", autocommit=True) as c:
        with c.transaction():                        # the approved one alone, then an ordinary small one
            assert c.execute(sql, (81,)).statusmessage == "DELETE 80"
            c.execute("DELETE FROM bound_twice WHERE id = %s", (81,))
            assert c.execute("SELECT count(*) FROM bound_twice").fetchone() == (79,)
    assert _count(guarded, "bound_twice") == 79


def _raw_session(port):
    import socket
    import struct

    s = socket.create_connection(("127.0.0.1", port))
    body = b"user\x00agent\x00database\x00shop\x00\x00"
    s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
    data = b""
    while not data.endswith(b"Z\x00\x00\x00\x05I"):
        chunk = s.recv(65536)
        assert chunk
        data += chunk
    return s


def _raw_exchange(s, msgs: bytes) -> list:
    """Send ``msgs`` (ending with a Sync); the server's answers up to ReadyForQuery as (type, body) pairs."""
    import struct

    s.sendall(msgs)
    s.settimeout(20)
    data, out = b"", []
    while True:
        while len(data) >= 5 and len(data) >= 1 + struct.unpack("!I", data[1:5])[0]:
            n = struct.unpack("!I", data[1:5])[0]
            out.append((data[:1], data[5:1 + n]))
            data = data[1 + n:]
            if out[-1][0] == b"Z":
                assert not data, data
                return out
        chunk = s.recv(65536)
        assert chunk
        data += chunk


def _m(t, body):
    import struct

    return t + struct.pack("!I", len(body) + 4) + body


def _parse(name, sql):
    import struct

    return _m(b"P", name + b"\x00" + sql.encode() + b"\x00" + struct.pack("!HI", 1, 23))


def _bind(portal, stmt, value):
    import struct

    return _m(b"B", portal + b"\x00" + stmt + b"\x00" + struct.pack("!HHI", 0, 1, len(value)) + value
              + struct.pack("!H", 0))


def _execute(portal):
    import struct

    return _m(b"E", portal + b"\x00" + struct.pack("!I", 0))


def test_an_approved_statements_grant_goes_to_its_portal_only_and_the_stream_stays_the_clients(guarded, gateway):
    """Raw protocol: the approved statement bound to two portals, the other executed first — that one has no
    grant (the guard refuses it, the whole batch is gone); alone, the approved execution answers exactly
    ParseComplete, BindComplete, CommandComplete, ReadyForQuery — the gateway's own messages leave no trace."""
    import psycopg

    port, approve = gateway
    _table(guarded, "bound_portals", 160)
    sql = "DELETE FROM bound_portals WHERE id < $1"

    def approval():
        # approved with its value (bound as the raw sessions below bind it: text '81', declared int4): an approval
        # holds for the statement with that value, not for its text with any other (tests/test_pg_guard_attacks2.py)
        for _ in range(2):
            s = _raw_session(port)
            try:
                got = _raw_exchange(s, _parse(b"", sql) + _bind(b"", b"", b"81") + _execute(b"") + _m(b"S", b""))
            finally:
                s.close()
            errs = [b for t, b in got if t == b"E"]
            assert errs and _count(guarded, "bound_portals") == 160, got
        approve(re.search(rb"approval (apr-[a-z0-9]+)", errs[0]).group(1).decode())
    approval()
    s = _raw_session(port)
    try:
        got = _raw_exchange(s, _parse(b"s1", sql) + _bind(b"p1", b"s1", b"81") + _bind(b"p2", b"s1", b"1000")
                            + _execute(b"p2") + _execute(b"p1") + _m(b"S", b""))
    finally:
        s.close()
    assert [t for t, _ in got] == [b"1", b"2", b"2", b"E", b"Z"], got
    assert b"Interlock guard: DELETE of 160 rows" in got[3][1]
    assert _count(guarded, "bound_portals") == 160
    s = _raw_session(port)
    try:
        got = _raw_exchange(s, _parse(b"s1", sql) + _bind(b"", b"s1", b"81") + _execute(b"") + _m(b"S", b""))
        assert [t for t, _ in got] != [b"1", b"2", b"C", b"Z"]     # the approval was used up above: asked
        assert _count(guarded, "bound_portals") == 160
    finally:
        s.close()
    approval()
    s = _raw_session(port)
    try:
        got = _raw_exchange(s, _parse(b"s1", sql) + _bind(b"", b"s1", b"81") + _execute(b"") + _m(b"S", b""))
        assert got == [(b"1", b""), (b"2", b""), (b"C", b"DELETE 80\x00"), (b"Z", b"I")], got
        got = _raw_exchange(s, _m(b"Q", b"SELECT count(*) FROM bound_portals\x00"))   # the session goes on
        assert [t for t, _ in got] == [b"T", b"D", b"C", b"Z"] and got[1][1].endswith(b"80")
    finally:
        s.close()
    assert _count(guarded, "bound_portals") == 80


def test_a_revoked_flush_is_said_and_protect_rewrites_the_functions_as_definer(guarded):
    """A DBA revokes EXECUTE on pg_stat_force_next_flush from PUBLIC: DELETEs fail closed, --check says why, and
    protect writes the trigger functions SECURITY DEFINER so ordinary work passes again — still guarded."""
    import psycopg

    _table(guarded, "flushes", 100)
    with guarded.connect("shop", autocommit=True) as admin:
        admin.execute("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_force_next_flush() FROM PUBLIC")
    if guarded.impl == "c":   # the C function calls the flush directly: nothing changes, nothing to say
        try:
            with agent(guarded) as c:
                c.execute("DELETE FROM flushes WHERE id = 1")
                with pytest.raises(psycopg.Error) as e:
                    c.execute("DELETE FROM flushes WHERE id > 50")
                assert "Interlock guard: DELETE of 50 rows" in str(e.value)
            r = protect(guarded, "--check")
            assert r.returncode == 0 and "row-count triggers in C" in r.stdout, r.stdout
        finally:
            with guarded.connect("shop", autocommit=True) as admin:
                admin.execute("GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_force_next_flush() TO PUBLIC")
        assert _count(guarded, "flushes") == 99
        return
    try:
        with agent(guarded) as c:
            with pytest.raises(psycopg.Error):
                c.execute("DELETE FROM flushes WHERE id = 1")
        r = protect(guarded, "--check")
        assert r.returncode == 1 and "pg_stat_force_next_flush" in r.stdout, r.stdout
        assert protect(guarded).returncode == 0
        with agent(guarded) as c:
            c.execute("DELETE FROM flushes WHERE id = 1")
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM flushes WHERE id > 50")
            assert "Interlock guard: DELETE of 50 rows" in str(e.value)
    finally:
        with guarded.connect("shop", autocommit=True) as admin:
            admin.execute("GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_force_next_flush() TO PUBLIC")
        assert protect(guarded).returncode == 0
    with guarded.connect("shop", autocommit=True) as admin:
        assert admin.execute("SELECT bool_or(prosecdef) FROM pg_proc WHERE proname IN ('count_delete', "
                             "'count_update')").fetchone() == (False,)
    assert _count(guarded, "flushes") == 99


def test_a_snapshot_of_a_guarded_database_restores(guarded, tmp_path):
    """Snapshots leave the interlock schema out; the guard's triggers and event triggers, which name its
    functions, are left out of the restore too — else every restore of a guarded database failed."""
    import types

    from interlock.safeguards import connect as C
    from interlock.safeguards import dbsnap

    _table(guarded, "restorable", 30)
    conn = C.from_url(guarded.url("shop"))
    data = tmp_path / "snap" / "data" / "0"
    data.mkdir(parents=True)
    info = dbsnap.pg_snapshot(conn, types.SimpleNamespace(id="t", data=str(data)), dict(os.environ), 120)
    assert "restorable" in info["tables"]
    snap = types.SimpleNamespace(id="20261207-000000-postgres-abcdef", path=str(tmp_path / "snap"))
    msg = dbsnap.pg_restore(snap, dict(info, dir="0"), conn.copy(database="shop_restored"), dict(os.environ),
                            False, 120)
    assert "shop_restored" in msg
    with guarded.connect("shop_restored", autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM restorable").fetchone() == (30,)
        assert c.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'interlock_guard%'").fetchone() == (0,)
    r = subprocess.run([sys.executable, "-m", "interlock", "protect", "postgres", guarded.url("shop_restored")],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ,
                                                                              PYTHONPATH=os.path.join(ROOT, "src")))
    assert r.returncode == 0, r.stderr            # and the guard goes back on with protect
    with guarded.connect("shop", autocommit=True) as c:
        c.execute('DROP DATABASE "shop_restored" WITH (FORCE)')
