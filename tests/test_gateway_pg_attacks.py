"""Issue 16's attack round against the PostgreSQL gateway: real clients (psql, psycopg 3, asyncpg) through
``interlock gateway postgres`` to a real PostgreSQL, nothing approved.  Every attack must leave the table
exactly as it was: zero rows lost or changed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_gateway_pg import _penv, _start, direct, execd, genv, gw, pg, psql  # noqa: E402,F401

ROWS = 100


@pytest.fixture
def bookings(pg):
    execd(pg, "DROP TABLE IF EXISTS bookings CASCADE; DROP TABLE IF EXISTS cars CASCADE; "
              "DROP FUNCTION IF EXISTS wipe(); DROP FUNCTION IF EXISTS enc_sjis();"
              "CREATE TABLE cars (id int primary key, name text); INSERT INTO cars VALUES (1, 'a'), (2, 'b');"
              "CREATE TABLE bookings (id int primary key, customer text, car_id int);"
              f"INSERT INTO bookings SELECT g, 'guest ' || g, 1 + g % 2 FROM generate_series(1, {ROWS}) g")
    yield
    assert _intact(pg), "rows were lost or changed without approval"


def _intact(pg) -> bool:
    rows = direct(pg, "SELECT count(*), coalesce(sum(id), 0), count(DISTINCT customer) FROM bookings "
                      "WHERE customer = 'guest ' || id AND car_id = 1 + id % 2")
    return rows == [(ROWS, ROWS * (ROWS + 1) // 2, ROWS)]


# --- parameterized WHEREs that match everything (asyncpg, the extended protocol) -------------------------

PARAMETERIZED = [
    ("DELETE FROM bookings WHERE id <> $1", (-1,)),
    ("DELETE FROM bookings WHERE customer LIKE $1", ("%",)),
    ("DELETE FROM bookings WHERE id = ANY($1)", (list(range(1, ROWS + 1)),)),
    ("DELETE FROM bookings WHERE id BETWEEN $1 AND $2", (0, 10 ** 6)),
    ("DELETE FROM bookings WHERE $1::int = 1", (1,)),
    ("DELETE FROM bookings WHERE id IS DISTINCT FROM $1", (0,)),
    ("UPDATE bookings SET customer = 'x' WHERE id > $1", (-5,)),
]


def test_parameterized_wheres_are_held_at_the_parse_with_interlocks_reason(pg, gw, bookings):
    asyncpg = pytest.importorskip("asyncpg")

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent")
        try:
            for sql, args in PARAMETERIZED:
                with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e:
                    await c.execute(sql, *args)
                msg = str(e.value)
                assert "[interlock ask]" in msg and "expects" not in msg, (sql, msg)
                assert "interlock approve apr-" in (e.value.hint or "") or "apr-" in msg, (sql, msg, e.value.hint)
                # the connection is still usable, in order
                assert await c.fetchval("SELECT count(*) FROM bookings") == ROWS
            # prepared, it is judged when values are bound to it — with them — not with a parameter-count error
            st = await c.prepare("DELETE FROM bookings WHERE id <> $1")
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e:
                await st.fetch(-1)
            assert "[interlock ask]" in str(e.value)
            # and SQL EXECUTE of it (which would skip the Bind) is refused
            name = await c.fetchval("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'DELETE%'")
            assert name
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e:
                await c.execute(f'EXECUTE "{name}"(-1)')
            assert "EXECUTE" in str(e.value)
        finally:
            await c.close()
    asyncio.run(go())


ALWAYS_TRUE = ["id != 0", "id > 1-1", "EXISTS (SELECT 1)", "(SELECT true)", "coalesce(null, true)", "random() >= 0",
               "id IN (SELECT id FROM bookings)", "customer <> 'zzz'", "customer ~ ''", "id < 99999999"]


@pytest.mark.parametrize("where", ALWAYS_TRUE)
def test_wheres_that_are_always_true_are_held(pg, gw, genv, bookings, where):
    r = psql(genv, gw, f"DELETE FROM bookings WHERE {where}")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr, (where, r.stderr)


@pytest.mark.parametrize("sql", [
    "COPY (DELETE FROM bookings RETURNING id) TO STDOUT",
    "MERGE INTO bookings b USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE",
    "DELETE FROM bookings USING cars",
    "DELETE FROM bookings USING cars WHERE bookings.car_id = cars.id",
    "WITH gone AS (DELETE FROM bookings WHERE id > 0 RETURNING id) SELECT count(*) FROM gone",
    "ALTER TABLE bookings ALTER COLUMN customer TYPE text USING NULL",
    "CREATE RULE r AS ON INSERT TO cars DO ALSO DELETE FROM bookings",
    "CREATE FUNCTION wipe() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM bookings; END",
])
def test_statements_that_hide_a_wipe_are_held(pg, gw, genv, bookings, sql):
    r = psql(genv, gw, sql)
    assert r.returncode != 0 and "[interlock" in r.stderr, (sql, r.stderr)
    assert direct(pg, "SELECT count(*) FROM pg_rules WHERE rulename = 'r'") == [(0,)]
    assert direct(pg, "SELECT count(*) FROM pg_proc WHERE proname = 'wipe'") == [(0,)]


def test_ordinary_work_still_passes(pg, gw, genv, bookings):
    r = psql(genv, gw, "SELECT count(*) FROM bookings WHERE id <> 0 AND customer LIKE 'guest%'")
    assert r.returncode == 0 and r.stdout.strip() == str(ROWS), r.stderr
    r = psql(genv, gw, "UPDATE bookings SET customer = customer WHERE id = 5; "
                       "DELETE FROM bookings WHERE id IN (1000, 1001); INSERT INTO cars VALUES (3, 'c')")
    assert r.returncode == 0, r.stderr
    execd(pg, "DELETE FROM cars WHERE id = 3")


# --- protocol state: what changes how the text reads -------------------------------------------------------

def test_standard_conforming_strings_off_cannot_hide_a_drop(pg, gw, genv, bookings):
    attack = "SELECT 'a\\' ; SELECT '; DROP TABLE bookings; --'"
    r = psql(genv, gw, "SET standard_conforming_strings = off; " + attack)
    assert r.returncode != 0 and "db.drop-table" in r.stderr or "[interlock" in r.stderr, r.stderr
    # the same through options at connect, and psycopg's simple-query cursor
    r = psql(genv, gw, attack, PGOPTIONS="-c standard_conforming_strings=off")
    assert r.returncode != 0 and "[interlock" in r.stderr, r.stderr
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True,
                         options="-c standard_conforming_strings=off") as c:
        cur = psycopg.ClientCursor(c)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute(attack)
    assert direct(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'bookings'") == [(1,)]


SJIS_ATTACK = "SELECT E'\u8868\\'; DROP TABLE bookings; --'"  # 表 is 0x95 0x5C in SJIS: it swallows the backslash


def test_ambiguous_encodings_are_refused_whenever_they_are_set(pg, gw, genv, bookings):
    # SET in the session
    r = psql(genv, gw, "SET client_encoding TO 'SJIS'")
    assert r.returncode != 0 and "[interlock" in r.stderr, r.stderr
    r = psql(genv, gw, "SELECT set_config('client_encoding', 'BIG5', false)")
    assert r.returncode != 0 and "[interlock" in r.stderr, r.stderr
    # at connect: the startup parameter, and options=-c
    for kw in ({"PGCLIENTENCODING": "SJIS"}, {"PGOPTIONS": "-c client_encoding=SJIS"}):
        r = psql(genv, gw, "SELECT 1", **kw)
        assert r.returncode != 0 and "client_encoding" in r.stderr.lower() or "encoding" in r.stderr, (kw, r.stderr)
    # from the role's settings
    execd(pg, "ALTER ROLE postgres IN DATABASE app SET client_encoding = 'GBK'")
    try:
        r = psql(genv, gw, "SELECT 1")
        assert r.returncode != 0 and "GBK" in r.stderr, r.stderr
    finally:
        execd(pg, "ALTER ROLE postgres IN DATABASE app RESET client_encoding")
    # from a function the analysis cannot see into: the server's ParameterStatus turns the session off
    execd(pg, "CREATE FUNCTION enc_sjis() RETURNS text LANGUAGE sql AS "
              "$$ SELECT set_config('client_' || 'encoding', 'SJIS', false) $$")
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True) as c:
        c.execute("SELECT enc_sjis()")
        with pytest.raises(psycopg.Error) as e:
            c.execute("SELECT 1")
        assert "client_encoding" in str(e.value)
    assert direct(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'bookings'") == [(1,)]


def test_sjis_attack_bytes_never_drop(pg, gw, genv, bookings):
    r = subprocess.run(["psql", "-X", "-Atc", "SET client_encoding TO 'SJIS'", "-c", SJIS_ATTACK],
                       env=_penv(genv, gw), capture_output=True, timeout=60)
    assert b"[interlock ask]" in r.stderr  # the SET is held; the attack then reads (and runs) as UTF-8 text
    assert direct(pg, "SELECT count(*) FROM pg_tables WHERE tablename = 'bookings'") == [(1,)]


def test_status_lists_the_running_postgres_gateway(pg, gw, genv):
    r = subprocess.run([sys.executable, "-m", "interlock", "status"], env=genv, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"gateway postgres" in r.stdout and f":{gw}/app" in r.stdout, r.stdout


def test_a_loop_of_bounded_deletes_is_unbounded(pg, gw, genv, bookings):
    r = psql(genv, gw, "DO $$ BEGIN FOR i IN 1..1000 LOOP DELETE FROM bookings WHERE id = i; END LOOP; END $$")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr, r.stderr
    r = psql(genv, gw, "DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM bookings LOOP "
                       "UPDATE bookings SET customer = 'x' WHERE id = r.id; END LOOP; END $$")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr, r.stderr


@pytest.mark.parametrize("sql", [
    "UPDATE bookings SET customer = 'x' FROM cars WHERE cars.id = 1",        # the equality bounds cars, not bookings
    "DELETE FROM bookings USING cars WHERE cars.id = 1",
    "CREATE FUNCTION wipe() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DEL' || 'ETE FROM bookings'; END $$",
])
def test_attack_round_findings_are_held(pg, gw, genv, bookings, sql):
    r = psql(genv, gw, sql)
    assert r.returncode != 0 and "[interlock" in r.stderr, (sql, r.stderr)
    assert direct(pg, "SELECT count(*) FROM pg_proc WHERE proname = 'wipe'") == [(0,)]


# --- statements judged by what they did: measured at the gateway -----------------------------------------------

def test_an_unbounded_statement_is_measured_and_kept_when_small(pg, gw, genv, bookings):
    execd(pg, "DROP TABLE IF EXISTS events; CREATE TABLE events (id int primary key, at int); "
              "INSERT INTO events SELECT g, g FROM generate_series(1, 200) g; ANALYZE events")
    r = psql(genv, gw, "DELETE FROM events WHERE at > 197")            # 3 rows: kept, with its own tag
    assert r.returncode == 0 and r.stdout.strip() == "DELETE 3", r.stderr
    assert direct(pg, "SELECT count(*) FROM events") == [(197,)]
    r = psql(genv, gw, "UPDATE events SET at = at WHERE at < 5 RETURNING id")
    assert r.returncode == 0 and r.stdout.split() == ["1", "2", "3", "4", "UPDATE", "4"], (r.stdout, r.stderr)
    # inside the client's own transaction: a savepoint, and the transaction goes on
    r = psql_each(genv, gw, "BEGIN", "INSERT INTO events VALUES (1000, 1000)", "DELETE FROM events WHERE at >= 1000",
                  "SELECT count(*) FROM events", "COMMIT")
    assert r.returncode == 0 and "DELETE 1" in r.stdout and "197" in r.stdout, (r.stdout, r.stderr)


def psql_each(genv, port, *statements):
    """One psql session, one Query message per statement (the client's own transaction spans them)."""
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At"]
    for st in statements:
        args += ["-c", st]
    return subprocess.run(args, env=_penv(genv, port), capture_output=True, text=True, timeout=60)


def test_an_unbounded_statement_measured_large_is_rolled_back_and_asked(pg, gw, genv, bookings):
    r = psql(genv, gw, "DELETE FROM bookings WHERE customer <> 'nobody'")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr, r.stderr
    assert "measured by running it and rolling it back" in r.stderr and "100 rows deleted" in r.stderr, r.stderr
    # in the client's transaction: rolled back to the savepoint, then the transaction fails as on any error
    r = psql_each(genv, gw, "BEGIN", "INSERT INTO cars VALUES (7, 'x')",
                  "UPDATE bookings SET customer = customer WHERE car_id > 0", "COMMIT")
    assert r.returncode != 0 and "[interlock ask]" in r.stderr and "100 rows updated" in r.stderr, r.stderr
    assert direct(pg, "SELECT count(*) FROM cars WHERE id = 7") == [(0,)]


def test_a_cascade_is_measured_too(pg, gw, genv):
    execd(pg, "DROP TABLE IF EXISTS lines; DROP TABLE IF EXISTS orders; "
              "CREATE TABLE orders (id int primary key, region text); INSERT INTO orders VALUES (1, 'eu'), (2, 'us');"
              "CREATE TABLE lines (id int primary key, order_id int REFERENCES orders ON DELETE CASCADE);"
              "INSERT INTO lines SELECT g, 1 FROM generate_series(1, 300) g; ANALYZE lines")
    r = psql(genv, gw, "DELETE FROM orders WHERE region <> 'us'")     # 1 order, 300 lines with it
    assert r.returncode != 0 and "[interlock ask]" in r.stderr and "lines: 300 rows" in r.stderr, r.stderr
    assert direct(pg, "SELECT count(*) FROM lines") == [(300,)]
