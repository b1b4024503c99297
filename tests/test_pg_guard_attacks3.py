"""Issue 16's third attack round (session 9) against the in-database guard and its budget across transactions:
a direct connection with the agent role (what the guard must hold by itself), and real clients (psql, psycopg 3,
asyncpg, SQLAlchemy) through ``interlock gateway postgres``.  Each attack spreads a wipe over many statements,
transactions, sessions or routes, each small; none may lose or change more than the budget (20 rows of 100).

Found in this round (and fixed): on a first ``interlock protect`` — the one that creates the agent role — the C
triggers named the budgeted roles by OID before the role existed, so the agent role was never budgeted until a
second run; the roles are now named, and resolved when a statement runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from servers import PostgresServer  # noqa: E402
from test_pg_guard import (AGENT_PW, ROOT, _count, _table, agent, gateway, guarded, owner,  # noqa: E402,F401
                           server)

BUDGET = 20      # 20% of 100 rows per hour


def _intact(server, table, col="v", rows=100):
    """(rows left, rows changed): a table of ``rows`` rows whose ``col`` was 0."""
    with server.connect("shop", autocommit=True) as c:
        return c.execute(f"SELECT count(*), count(*) FILTER (WHERE {col} IS DISTINCT FROM 0) FROM {table}").fetchone()


def _lost(server, table, col="v", rows=100):
    n, changed = _intact(server, table, col, rows)
    return rows - n + changed


def _each(server, stmts, new_session=False):
    """Run every statement as the agent role, each on its own (autocommit; or a new session each); errors
    (the guard's refusals) are collected, the rest goes on."""
    import psycopg

    errors = []
    c = None if new_session else agent(server)
    try:
        for s in stmts:
            try:
                if new_session:
                    with agent(server) as one:
                        one.execute(s)
                else:
                    c.execute(s)
            except psycopg.Error as e:
                errors.append(str(e).splitlines()[0])
                if c is not None and c.info.transaction_status != 0:
                    c.execute("ROLLBACK")
    finally:
        if c is not None:
            c.close()
    return errors


def _five(table):
    return [f"DELETE FROM {table} WHERE id BETWEEN {i} AND {i + 4}" for i in range(1, 101, 5)]


def test_on_delete_cascade_from_parents_deleted_one_at_a_time(guarded):
    _table(guarded, "a3_par", 100)
    with owner(guarded) as c:
        c.execute("CREATE TABLE a3_kid (id int primary key, v int, p int REFERENCES a3_par(id) ON DELETE CASCADE)")
        c.execute("INSERT INTO a3_kid SELECT g, 0, g FROM generate_series(1, 100) g")
        c.execute("CREATE TABLE a3_kid2 (id int primary key, v int, p int REFERENCES a3_par(id) ON DELETE SET NULL)")
        c.execute("INSERT INTO a3_kid2 SELECT g, 0, g FROM generate_series(1, 100) g")
        c.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON a3_kid, a3_kid2 TO interlock_agent")
    errors = _each(guarded, [f"DELETE FROM a3_par WHERE id = {i}" for i in range(1, 101)])
    assert any("over its budget" in e for e in errors), errors[:3]
    assert _lost(guarded, "a3_kid") <= BUDGET
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT count(*) FILTER (WHERE p IS NULL) FROM a3_kid2").fetchone()[0] <= BUDGET


@pytest.mark.parametrize("kind, stmts", [
    ("upsert", [f"INSERT INTO {{t}} VALUES ({i}, 7) ON CONFLICT (id) DO UPDATE SET v = 7" for i in range(1, 101)]),
    ("merge", [f"MERGE INTO {{t}} USING (SELECT {i} AS id) s ON {{t}}.id = s.id WHEN MATCHED THEN DELETE"
               for i in range(1, 101)]),
    ("nulls", [f"UPDATE {{t}} SET v = NULL WHERE id = {i}" for i in range(1, 101)]),
    ("one query, many transactions", ["; ".join(f"BEGIN; DELETE FROM {{t}} WHERE id BETWEEN {i} AND {i + 4}; COMMIT"
                                                for i in range(1, 101, 5))]),
    ("savepoints", ["BEGIN"] + [x for i in range(1, 101, 5) for x in (
        f"SAVEPOINT a{i}", f"DELETE FROM {{t}} WHERE id BETWEEN {i} AND {i + 4}", f"RELEASE SAVEPOINT a{i}")]
     + ["COMMIT"]),
    ("the judge's own entry points called first", [
        "SELECT interlock.budget_self('{t}'::regclass, 'INSERT')", "SELECT interlock.budget_self('{t}'::regclass, "
        "'DELETE')", "SELECT interlock.over_limit('{t}'::regclass, 'DELETE')"] + _five("{t}")),
    ("a temp table of the same name, padded", [
        "CREATE TEMP TABLE {t} (id int primary key, v int)",
        "INSERT INTO pg_temp.{t} SELECT g, 0 FROM generate_series(1, 5000) g"] +
     [s.replace("FROM {t}", "FROM public.{t}") for s in _five("{t}")]),
    ("pg_temp shadowing what the guard's functions name", [
        "CREATE FUNCTION pg_temp.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'",
        "CREATE TEMP TABLE budget (rel oid, op text, window_start timestamptz, spent bigint, last_xid xid8, "
        "last_n bigint)", "CREATE TEMP TABLE settings (key text, value text)",
        "INSERT INTO pg_temp.settings VALUES ('budget_roles', ''), ('max_percent', '100')",
        "SET search_path = pg_temp, public, interlock"] + _five("{t}")),
    ("a statement timeout that may cancel the judge", ["SET statement_timeout = '1ms'"] + _five("{t}")),
    ("roles it cannot take", ["SET ROLE app_owner", "SET SESSION AUTHORIZATION app_owner",
                              "SELECT set_config('role', 'app_owner', false)"] + _five("{t}")),
])
def test_a_wipe_spread_over_small_statements_stays_within_the_budget(guarded, kind, stmts):
    import zlib

    t = f"a3_{zlib.crc32(kind.encode())}"
    _table(guarded, t, 100)
    errors = _each(guarded, [s.format(t=t) for s in stmts])
    assert _lost(guarded, t) <= BUDGET, (kind, errors[:3])
    # (under load a 1 ms timeout may cancel every statement before the guard is reached: then nothing ran)
    assert any("Interlock guard" in e for e in errors) or (
        kind.startswith("a statement timeout") and errors and all("statement timeout" in e for e in errors)), \
        (kind, errors[:5])


def test_a_session_per_statement_and_two_sessions_at_once_share_one_budget(guarded):
    _table(guarded, "a3_sess", 100)
    errors = _each(guarded, _five("a3_sess"), new_session=True)
    assert _lost(guarded, "a3_sess") == BUDGET and len(errors) == 16, errors[:3]
    import psycopg

    _table(guarded, "a3_rr", 100)
    x, y = agent(guarded), agent(guarded)
    try:
        for c in (x, y):
            c.autocommit = False
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            c.execute("SELECT 1")                                       # both snapshots taken
        x.execute("DELETE FROM a3_rr WHERE id <= 15")
        x.commit()
        with pytest.raises(psycopg.Error) as e:                         # its snapshot can't see the 15: closed
            y.execute("DELETE FROM a3_rr WHERE id > 85")
        assert "could not serialize" in str(e.value)
    finally:
        x.close()
        y.close()
    assert _count(guarded, "a3_rr") == 85


def test_a_view_over_the_table_and_threads_deleting_at_once(guarded):
    _table(guarded, "a3_base", 100)
    with owner(guarded) as c:
        c.execute("CREATE VIEW a3_view AS SELECT * FROM a3_base")
        c.execute("GRANT SELECT, UPDATE, DELETE ON a3_view TO interlock_agent")
    errors = _each(guarded, [f"UPDATE a3_view SET v = NULL WHERE id = {i}" for i in range(1, 51)])
    assert _lost(guarded, "a3_base") == BUDGET and errors, errors[:3]
    _table(guarded, "a3_threads", 100)
    out = []

    def run(lo):
        out.extend(_each(guarded, [f"DELETE FROM a3_threads WHERE id BETWEEN {i} AND {i + 1}"
                                   for i in range(lo, lo + 50, 2)]))
    ts = [threading.Thread(target=run, args=(lo,)) for lo in (1, 51)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert _lost(guarded, "a3_threads") == BUDGET, out[:3]


def test_a_partition_and_its_parent_are_one_budget(guarded):
    """Deleting through the partition, then through the parent (or padding the partition directly, then deleting
    through the parent): a child's rows are its parent's too."""
    with owner(guarded) as c:
        c.execute("CREATE TABLE a3_p (id int, v int) PARTITION BY RANGE (id)")
        c.execute("CREATE TABLE a3_p1 PARTITION OF a3_p FOR VALUES FROM (0) TO (100000)")
        c.execute("INSERT INTO a3_p SELECT g, 0 FROM generate_series(1, 100) g")
    errors = _each(guarded, _five("a3_p1")[:3] + _five("a3_p")[3:])
    assert _lost(guarded, "a3_p") == BUDGET, errors[:3]
    with owner(guarded) as c:
        c.execute("CREATE TABLE a3_q (id int, v int) PARTITION BY RANGE (id)")
        c.execute("CREATE TABLE a3_q1 PARTITION OF a3_q FOR VALUES FROM (0) TO (100000)")
        c.execute("INSERT INTO a3_q SELECT g, 0 FROM generate_series(1, 100) g")
    errors = _each(guarded, ["INSERT INTO a3_q1 SELECT g, 0 FROM generate_series(1000, 5999) g",
                             "DELETE FROM a3_q WHERE id <= 100"])
    assert errors and "over its budget" in errors[-1], errors
    assert _count(guarded, "a3_q") == 5100


def test_the_budget_holds_on_the_first_protect_that_creates_the_agent_role():
    """The finding of this round: the first protect writes the triggers before it creates the agent role."""
    import psycopg

    s = PostgresServer("first-Admin-5e").start()
    try:
        s.create_db("shop")
        with s.connect("shop", autocommit=True) as c:
            for impl in ("c", "plpgsql"):
                c.execute(f"CREATE TABLE first_{impl} (id int primary key, v int)")
                c.execute(f"INSERT INTO first_{impl} SELECT g, 0 FROM generate_series(1, 100) g")
        for impl in ("c", "plpgsql"):
            r = subprocess.run([sys.executable, "-m", "interlock", "protect", "postgres", s.url("shop"),
                                f"--implementation={impl}"], capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src")))
            assert r.returncode == 0, r.stderr
            if impl == "c":
                with s.connect("shop", autocommit=True) as c:
                    c.execute(f"ALTER ROLE interlock_agent PASSWORD '{AGENT_PW}'")
            refused = []
            with psycopg.connect(host="127.0.0.1", port=s.port, user="interlock_agent", password=AGENT_PW,
                                 dbname="shop", autocommit=True) as c:
                for i in range(1, 101):
                    try:
                        c.execute(f"UPDATE first_{impl} SET v = 1 WHERE id = {i}")
                    except psycopg.Error as e:
                        refused.append(str(e))
            with s.connect("shop", autocommit=True) as c:
                assert c.execute(f"SELECT count(*) FROM first_{impl} WHERE v = 1").fetchone() == (BUDGET,), \
                    (impl, refused[:1])
    finally:
        s.stop()


# --- through the gateway, with real clients ---------------------------------------------------------------

def test_salami_through_the_gateway_with_psql_asyncpg_and_sqlalchemy(guarded, gateway):
    """Small DELETEs through the gateway (each allowed or measured as small): the guard's budget refuses past
    20 rows, whichever client sends them; what reaches the client names the budget."""
    import asyncio

    import asyncpg
    import sqlalchemy

    port, _ = gateway
    _table(guarded, "a3_gw", 100)
    penv = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="shop", PGUSER="agent")
    said = []
    for i in range(1, 31, 5):                                   # psql: 30 rows in six statements
        r = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc",
                            f"DELETE FROM a3_gw WHERE id BETWEEN {i} AND {i + 4}"], env=penv, capture_output=True,
                           text=True, timeout=60)
        if r.returncode:
            said.append(r.stderr)
    assert _count(guarded, "a3_gw") == 80 and said and "over its budget" in said[0], said[:1]

    async def go():                                             # asyncpg: prepared, parameters bound
        c = await asyncpg.connect(host="127.0.0.1", port=port, database="shop", user="agent")
        try:
            for i in range(31, 41):
                try:
                    await c.execute("DELETE FROM a3_gw WHERE id = $1", i)
                except asyncpg.PostgresError as e:
                    said.append(str(e))
        finally:
            await c.close()
    asyncio.run(go())
    engine = sqlalchemy.create_engine(f"postgresql+psycopg://agent@127.0.0.1:{port}/shop")
    for i in range(41, 51):                                     # SQLAlchemy (psycopg 3 under it)
        try:
            with engine.begin() as c:
                c.execute(sqlalchemy.text("DELETE FROM a3_gw WHERE id = :i"), {"i": i})
        except sqlalchemy.exc.DBAPIError as e:
            said.append(str(e.orig))
    engine.dispose()
    assert _count(guarded, "a3_gw") == 80, said[-3:]
    assert sum("over its budget" in x or "[interlock ask]" in x for x in said) >= 20, said[-3:]


def test_a_statement_allowed_by_its_text_and_refused_by_the_budget_is_asked_about_then(guarded, gateway):
    """`DELETE … WHERE id = 21` is one row by its text (allowed without measuring); over the budget the guard
    refuses it; the same statement again is an approval request naming what the guard said, and once approved
    it runs with its grant (not charged)."""
    import re

    port, approve = gateway
    _table(guarded, "a3_gw2", 100)
    penv = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="shop", PGUSER="agent")

    def psql(sql):
        return subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql], env=penv, capture_output=True,
                              text=True, timeout=60)
    for i in range(1, 21):
        assert psql(f"DELETE FROM a3_gw2 WHERE id = {i}").returncode == 0
    r = psql("DELETE FROM a3_gw2 WHERE id = 21")
    assert r.returncode != 0 and "over its budget" in r.stderr, r.stderr
    r = psql("DELETE FROM a3_gw2 WHERE id = 21")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr and "over its budget" in r.stderr, r.stderr
    rid = re.search(r"approval (apr-[a-z0-9]+)", r.stderr).group(1)
    approve(rid)
    r = psql("DELETE FROM a3_gw2 WHERE id = 21")
    assert r.returncode == 0 and r.stdout.strip().endswith("DELETE 1"), r.stderr
    assert _count(guarded, "a3_gw2") == 79
    assert psql("DELETE FROM a3_gw2 WHERE id = 22").returncode != 0        # the budget still holds
    assert _count(guarded, "a3_gw2") == 79


@pytest.mark.parametrize("client", ["psycopg", "asyncpg"])
def test_a_bound_statement_refused_by_the_budget_is_asked_about_with_its_values(guarded, gateway, client):
    """The same through the extended protocol: `DELETE … WHERE id = $1` bound to 21 is refused by the guard,
    then asked about as `… WHERE id = 21` (its values in place), approved, and runs once with its grant."""
    import re

    from test_pg_guard import _asyncpg_run, _psycopg_run

    port, approve = gateway
    t = f"a3_bound_{client}"
    _table(guarded, t, 100)
    run = _psycopg_run if client == "psycopg" else _asyncpg_run
    sql = f"DELETE FROM {t} WHERE id = %s"
    for i in range(1, 21):
        assert run(port, sql, (i,)) == "DELETE 1"

    def refused():
        try:
            run(port, sql, (21,))
        except Exception as e:  # noqa: BLE001 - psycopg.Error or asyncpg.PostgresError
            return str(e) + str(getattr(getattr(e, "diag", None), "message_detail", "") or "") + \
                str(getattr(e, "detail", "") or "") + str(getattr(e, "hint", "") or "") + \
                str(getattr(getattr(e, "diag", None), "message_hint", "") or "")
        return None
    first = refused()
    assert first and "over its budget" in first, first
    again = refused()
    assert again and "[interlock ask]" in again and "over its budget" in again, again
    rid = re.search(r"apr-[a-z0-9]+", again).group(0)
    approve(rid)
    assert run(port, sql, (21,)) == "DELETE 1"
    assert _count(guarded, t) == 79
    assert refused() is not None                                   # the budget still holds for the next one
    assert _count(guarded, t) == 79
