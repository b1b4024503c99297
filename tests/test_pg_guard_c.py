"""The in-database guard's row-count trigger in C (the interlock_guard extension, ext/postgres; issue 16's
"guard overhead on a direct TPC-B run <= 5%"): it fails closed, ``interlock protect`` picks it or PL/pgSQL and
says which, and an attack round (session 8) against both implementations with the table owner's credentials.

scripts/test builds and installs the extension into the machine's PostgreSQL; nothing here is skipped."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_pg_guard import (PW, _count, _table, agent, guarded, owner, protect,  # noqa: E402,F401
                           server)


# --- an attack round with the owner's credentials (an agent found them), both implementations ------------------

@pytest.mark.parametrize("sql", [
    # a larger floor written into the guard's own trigger
    "CREATE OR REPLACE TRIGGER interlock_guard_delete AFTER DELETE ON {t} FOR EACH STATEMENT "
    "EXECUTE FUNCTION interlock.guard_rows('100000000')",
    "CREATE OR REPLACE TRIGGER interlock_guard_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS o "
    "FOR EACH STATEMENT EXECUTE FUNCTION interlock.check_rows('100000000')",
    # the UPDATE counter judging DELETEs (never more than zero)
    "CREATE OR REPLACE TRIGGER interlock_guard_delete AFTER DELETE ON {t} FOR EACH STATEMENT "
    "EXECUTE FUNCTION interlock.count_update()",
    # the guard's trigger replaced by the owner's own function that does nothing
    "CREATE FUNCTION nop_{t}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'; "
    "CREATE OR REPLACE TRIGGER interlock_guard_delete AFTER DELETE ON {t} FOR EACH STATEMENT "
    "EXECUTE FUNCTION nop_{t}()",
    # moved to another event
    "CREATE FUNCTION nop2_{t}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'; "
    "CREATE OR REPLACE TRIGGER interlock_guard_delete AFTER INSERT ON {t} FOR EACH STATEMENT "
    "EXECUTE FUNCTION nop2_{t}()",
    "DROP EXTENSION IF EXISTS interlock_guard CASCADE",
    "ALTER EXTENSION interlock_guard DROP FUNCTION interlock.guard_rows()",
    "ALTER FUNCTION interlock.guard_rows() RENAME TO x",
    # a child whose rows the plain table's counters do not see, attached after the guard
    "CREATE TABLE {t}_kid (id int primary key, v int); INSERT INTO {t}_kid SELECT g, 0 FROM "
    "generate_series(1000, 1099) g; ALTER TABLE {t}_kid INHERIT {t}",
])
def test_the_owners_credentials_cannot_loosen_or_swap_the_row_trigger(guarded, sql):
    """Each statement, sent with the table owner's credentials, is refused — or, if it ran, the guard still
    refuses the DELETE of every row that follows."""
    import psycopg
    import zlib

    t = f"swap_{guarded.impl}_{zlib.crc32(sql.encode())}"
    _table(guarded, t, 100)
    with owner(guarded) as c:
        try:
            c.execute(sql.format(t=t))
        except psycopg.Error:
            pass
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute(f"DELETE FROM {t}")
        assert "Interlock guard" in str(e.value), str(e.value)
    with owner(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute(f"DELETE FROM {t}")
    assert _count(guarded, t) >= 100
    with guarded.connect("shop", autocommit=True) as c:
        fn = c.execute("SELECT tgfoid::regproc::text, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND "
                       "tgname = 'interlock_guard_delete'", (t,)).fetchone()
    assert fn[1] == "A" and fn[0] in ("interlock.guard_rows", "interlock.count_delete", "interlock.check_rows"), fn
    assert (fn[0] == "interlock.guard_rows") == (guarded.impl == "c")


@pytest.mark.parametrize("action", ["DELETE FROM {p} WHERE id = 1",
                                    "UPDATE {p} SET id = 2 WHERE id = 1"])
def test_one_parent_row_cannot_take_its_children_with_it(guarded, action):
    """ON DELETE / ON UPDATE CASCADE: one row of the parent, 100 rows of the child changed by the foreign key's
    own queries — the child's triggers count them."""
    import psycopg

    p, ch = f"fk_{guarded.impl}_{'d' if action.startswith('DELETE') else 'u'}", None
    ch = p + "_kids"
    with owner(guarded) as c:
        c.execute(f"CREATE TABLE {p} (id int primary key)")
        c.execute(f"INSERT INTO {p} VALUES (1)")
        c.execute(f"CREATE TABLE {ch} (id int primary key, parent int REFERENCES {p} ON DELETE CASCADE "
                  "ON UPDATE CASCADE)")
        c.execute(f"INSERT INTO {ch} SELECT g, 1 FROM generate_series(1, 100) g")
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute(action.format(p=p))
        assert "Interlock guard" in str(e.value), str(e.value)
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute(f"SELECT count(*), min(parent), max(parent) FROM {ch}").fetchone() == (100, 1, 1)


# --- the C function itself: one server, guarded in C -------------------------------------------------------

@pytest.fixture(scope="module")
def cguard():
    from servers import PostgresServer

    s = PostgresServer(PW).start()
    s.impl = "c"
    s.create_db("shop")
    with s.connect("shop", autocommit=True) as c:
        c.execute("CREATE ROLE app_owner LOGIN PASSWORD 'owner-Pw-9d0b'")
        c.execute("GRANT CREATE, USAGE ON SCHEMA public TO app_owner")
        c.execute("CREATE ROLE interlock_agent LOGIN PASSWORD 'agent-Pw-42aa'")
    with owner(s) as c:      # the owner's tables: the agent gets DML on those it creates later too
        c.execute("CREATE TABLE first (id int)")
    r = protect(s)
    assert r.returncode == 0 and "row-count triggers in C (extension interlock_guard 1.0)" in r.stdout, r.stdout
    yield s
    s.stop()


def _admin(s, *stmts):
    with s.connect("shop", autocommit=True) as c:
        c.execute("SET interlock.installing = 'on'")       # (a superuser's, for the guard's event triggers)
        for x in stmts:
            c.execute(x)


def test_without_its_judge_the_c_trigger_refuses(cguard):
    """Past the floor the C function hands the count to interlock.check_rows_xact; if that is gone (or fails),
    the statement fails — it is never let through.  Below the floor nothing is asked: small work goes on."""
    import psycopg

    _table(cguard, "judged", 100)
    _admin(cguard, "ALTER FUNCTION interlock.check_rows_xact(oid, text, bigint) RENAME TO gone")
    try:
        with agent(cguard) as c:
            c.execute("DELETE FROM judged WHERE id = 1")
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM judged WHERE id <= 50")
            assert "check_rows_xact" in str(e.value)
    finally:
        _admin(cguard, "ALTER FUNCTION interlock.gone(oid, text, bigint) RENAME TO check_rows_xact")
    assert _count(cguard, "judged") == 99


@pytest.mark.parametrize("trigger, message", [
    ("AFTER DELETE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION interlock.guard_rows('ten')", "bad row floor"),
    ("AFTER DELETE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION interlock.guard_rows('-1')", "bad row floor"),
    ("AFTER DELETE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION interlock.guard_rows()", "no row floor"),
    ("BEFORE DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION interlock.guard_rows('10')", "FOR EACH STATEMENT"),
    ("AFTER INSERT ON {t} FOR EACH STATEMENT EXECUTE FUNCTION interlock.guard_rows('10')", "only for DELETE"),
])
def test_a_c_trigger_written_wrong_refuses(cguard, trigger, message):
    import psycopg
    import zlib

    t = f"wrong_{zlib.crc32(trigger.encode())}"
    _table(cguard, t, 10)
    _admin(cguard, f"CREATE TRIGGER interlock_guard_x {trigger.format(t=t)}",
           f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER interlock_guard_x")
    with agent(cguard) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute(f"DELETE FROM {t} WHERE id = 1" if "INSERT" not in trigger else
                      f"INSERT INTO {t} VALUES (11, 0)")
        assert message in str(e.value), str(e.value)
    assert _count(cguard, t) == 10


def test_the_c_function_is_a_trigger_only(cguard):
    import psycopg

    for who in (agent, owner):
        with who(cguard) as c:
            with pytest.raises(psycopg.Error):
                c.execute("SELECT interlock.guard_rows()")


def test_switching_implementations_and_check_says_which(cguard):
    """--implementation plpgsql drops the extension and writes every trigger for PL/pgSQL; --check says the
    extension is on the server; back to C (auto)."""
    import psycopg

    q = ("SELECT count(*) FILTER (WHERE tgfoid = coalesce(to_regprocedure('interlock.guard_rows()'), 0)), count(*) "
         "FROM pg_trigger WHERE tgname IN ('interlock_guard_delete', 'interlock_guard_update')")
    _table(cguard, "switched", 100)
    try:
        r = protect(cguard, "--implementation=plpgsql")
        assert r.returncode == 0 and "row-count triggers in PL/pgSQL (as asked)" in r.stdout, r.stdout
        with cguard.connect("shop", autocommit=True) as c:
            assert c.execute(q).fetchone()[0] == 0
            assert c.execute("SELECT count(*) FROM pg_extension WHERE extname = 'interlock_guard'").fetchone() == (0,)
        r = protect(cguard, "--check")
        assert r.returncode == 0 and "row-count triggers in PL/pgSQL (the C extension interlock_guard is on the " \
                                     "server" in r.stdout, r.stdout
        with agent(cguard) as c:
            with pytest.raises(psycopg.Error):
                c.execute("DELETE FROM switched")
    finally:
        r = protect(cguard, "--implementation=auto")
        assert r.returncode == 0 and "row-count triggers in C" in r.stdout, r.stdout
    with cguard.connect("shop", autocommit=True) as c:
        n, total = c.execute(q).fetchone()
        assert n == total > 0
    with agent(cguard) as c:
        c.execute("DELETE FROM switched WHERE id = 1")
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM switched")
        assert "Interlock guard: DELETE of 99 rows" in str(e.value)
    r = protect(cguard, "--check")
    assert r.returncode == 0 and "row-count triggers in C (extension interlock_guard 1.0)" in r.stdout, r.stdout


def test_a_login_that_may_not_create_the_extension_gets_plpgsql_or_a_clear_refusal(cguard):
    """A database owner that is no superuser (a managed service's login): auto installs the PL/pgSQL triggers
    and says why; --implementation c fails saying what to do, and installs nothing."""
    import psycopg

    with cguard.connect("postgres", autocommit=True) as c:
        c.execute("CREATE ROLE dbowner LOGIN CREATEROLE PASSWORD 'dbowner-Pw-1'")
        c.execute("CREATE DATABASE managed OWNER dbowner")
    url = f"postgresql://dbowner:dbowner-Pw-1@127.0.0.1:{cguard.port}/managed"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE TABLE things (id int primary key, v int)")
        c.execute("INSERT INTO things SELECT g, 0 FROM generate_series(1, 100) g")
    import subprocess

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "interlock", "protect", "postgres", url, *extra],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(
                                  os.path.abspath(__file__))), "src")))
    r = run("--implementation=c")
    assert r.returncode == 1 and "CREATE EXTENSION interlock_guard failed" in r.stderr, r.stderr
    assert "dbowner-Pw-1" not in r.stdout + r.stderr
    with psycopg.connect(url, autocommit=True) as c:
        assert c.execute("SELECT to_regnamespace('interlock')").fetchone() == (None,)
    r = run()
    assert r.returncode == 0, r.stderr
    assert "row-count triggers in PL/pgSQL (the C extension interlock_guard could not be created: permission " \
           "denied" in r.stdout, r.stdout
    with psycopg.connect(url.replace("dbowner:dbowner-Pw-1", "interlock_agent:agent-Pw-42aa"), autocommit=True) as c:
        c.execute("DELETE FROM things WHERE id = 1")
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM things")
        assert "Interlock guard" in str(e.value)
    # a superuser (the DBA) creates the extension: the owner may not attach its function until the DBA lets it
    with cguard.connect("managed", autocommit=True) as c:
        c.execute("CREATE EXTENSION interlock_guard SCHEMA interlock")
    r = run()
    assert r.returncode == 0 and "row-count triggers in PL/pgSQL (the C extension interlock_guard is there, but " \
        "this login may not attach its function to triggers: as a superuser, GRANT EXECUTE ON FUNCTION " \
        'interlock.guard_rows() TO "dbowner"' in r.stdout, r.stdout
    with cguard.connect("managed", autocommit=True) as c:
        c.execute("GRANT EXECUTE ON FUNCTION interlock.guard_rows() TO dbowner")
    r = run()
    assert r.returncode == 0 and "row-count triggers in C (extension interlock_guard 1.0)" in r.stdout, r.stdout
    with psycopg.connect(url, autocommit=True) as c:
        assert c.execute("SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgrelid = 'things'::regclass AND "
                         "tgname = 'interlock_guard_delete'").fetchone() == ("interlock.guard_rows",)
    with psycopg.connect(url.replace("dbowner:dbowner-Pw-1", "interlock_agent:agent-Pw-42aa"), autocommit=True) as c:
        c.execute("DELETE FROM things WHERE id = 2")
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM things")
        assert "Interlock guard: DELETE of 98 rows" in str(e.value)


def test_a_library_that_no_longer_loads_refuses_everything_is_said_and_protect_falls_back(cguard):
    """The extension was created, then the server lost its library (upgraded without it): every DELETE /
    UPDATE on a guarded table fails — closed, never let through; --check says so; protect (auto) drops the
    extension and writes the PL/pgSQL triggers; protect again once it loads brings C back."""
    import psycopg

    _table(cguard, "orphaned", 100)
    _admin(cguard, "UPDATE pg_proc SET probin = '$libdir/interlock_guard_not_installed' "
                   "WHERE oid IN ('interlock.guard_rows()'::regprocedure, 'interlock.guard_version()'::regprocedure)")
    try:
        with agent(cguard) as c:
            for sql in ("DELETE FROM orphaned WHERE id = 1", "DELETE FROM orphaned"):
                with pytest.raises(psycopg.Error) as e:
                    c.execute(sql)
                assert "interlock_guard_not_installed" in str(e.value)
        r = protect(cguard, "--check")
        assert r.returncode == 1 and "its library does not load" in r.stdout, r.stdout
        r = protect(cguard, "--implementation=auto")
        assert r.returncode == 0 and "was there but its library does not load" in r.stdout, r.stdout
        with agent(cguard) as c:
            c.execute("DELETE FROM orphaned WHERE id = 1")
            with pytest.raises(psycopg.Error) as e:
                c.execute("DELETE FROM orphaned")
            assert "Interlock guard: DELETE of 99 rows" in str(e.value)
    finally:
        r = protect(cguard, "--implementation=auto")
    assert r.returncode == 0 and "row-count triggers in C (extension" in r.stdout, r.stdout
    assert _count(cguard, "orphaned") == 99
