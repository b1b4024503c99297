"""Issue 16: a parameterized statement whose reach depends on its values is judged when the client binds
them — with the values in place (previewed, shown, approved) — through ``interlock gateway postgres`` to a
real PostgreSQL, with real clients (asyncpg binary values, psycopg text values).  An approval holds for the
values it showed, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import os
import re
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_gateway_pg import direct, execd, genv, gw, pg  # noqa: E402,F401

from interlock.gateways import pgvalues  # noqa: E402

ROWS = 100


@pytest.fixture
def parcels(pg):
    execd(pg, "DROP TABLE IF EXISTS parcels; CREATE TABLE parcels (id int primary key, owner text, "
              "weight numeric, sent timestamptz); "
              f"INSERT INTO parcels SELECT g, 'owner ' || g, g * 1.5, timestamptz '2026-01-01' + g * interval '1 day' "
              f"FROM generate_series(1, {ROWS}) g")
    yield


def _count(pg):
    return direct(pg, "SELECT count(*) FROM parcels")[0][0]


def _request(genv, rid):
    from interlock.approvals.store import open_store

    return open_store(genv).get(rid)


def _approve(genv, rid):
    from helpers import add_approver

    from interlock.approvals import approvers
    from interlock.approvals.store import open_store

    add_approver("alice", "approver-secret-1", genv)
    open_store(genv).approve(rid, "alice", "cli", proof=approvers.authenticate("alice", "approver-secret-1", genv))


def _asyncpg(gw, sql, *args):
    asyncpg = pytest.importorskip("asyncpg")

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent")
        try:
            return await c.execute(sql, *args)
        finally:
            await c.close()
    return asyncio.run(go())


def test_binary_values_are_judged_previewed_and_approved_with_the_statement(pg, gw, genv, parcels):
    asyncpg = pytest.importorskip("asyncpg")
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e:
        _asyncpg(gw, "DELETE FROM parcels WHERE id <> $1", 7)
    rid = re.search(r"apr-[a-z0-9]+", str(e.value) + (e.value.hint or "")).group(0)
    assert _count(pg) == ROWS
    req = _request(genv, rid)
    assert "id <> (7::integer)" in req.action            # what the approver sees: the value in place
    impact = " ".join(line for f in req.findings for line in f.get("impact") or [])
    assert "99 rows" in impact and "no parameter" not in impact
    _approve(genv, rid)
    # the approval holds for the values it showed: another value is asked about anew
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e2:
        _asyncpg(gw, "DELETE FROM parcels WHERE id <> $1", -1)
    assert rid not in str(e2.value) + (e2.value.hint or "")
    assert _count(pg) == ROWS
    assert _asyncpg(gw, "DELETE FROM parcels WHERE id <> $1", 7) == "DELETE 99"   # the approved one, once
    assert direct(pg, "SELECT id FROM parcels") == [(7,)]
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):   # once
        _asyncpg(gw, "DELETE FROM parcels WHERE id <> $1", 7)
    snaps = os.path.join(genv["INTERLOCK_HOME"], "snapshots")
    assert os.path.isdir(snaps) and os.listdir(snaps)     # snapshotted before it ran


def test_text_values_from_psycopg_and_arrays_from_asyncpg(pg, gw, genv, parcels):
    import psycopg

    asyncpg = pytest.importorskip("asyncpg")
    with psycopg.connect(f"postgresql://agent@127.0.0.1:{gw}/app", autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            c.execute("UPDATE parcels SET owner = 'x' WHERE owner LIKE %s", ("owner 1%",))
        assert "[interlock ask]" in str(e.value)
        assert c.execute("SELECT count(*) FROM parcels").fetchone()[0] == ROWS   # the session goes on
        assert c.execute("UPDATE parcels SET owner = 'x' WHERE id = %s", (3,)).rowcount == 1  # bounded: runs
    rid = re.search(r"apr-[a-z0-9]+", str(e.value) + (e.value.diag.message_hint or "")).group(0)
    req = _request(genv, rid)
    assert "owner LIKE ('owner 1%'" in req.action
    impact = " ".join(line for f in req.findings for line in f.get("impact") or [])
    assert "12 rows" in impact                              # owner 1, owner 10..19, owner 100
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError) as e:
        _asyncpg(gw, "DELETE FROM parcels WHERE id = ANY($1)", list(range(1, 51)))
    rid = re.search(r"apr-[a-z0-9]+", str(e.value) + (e.value.hint or "")).group(0)
    req = _request(genv, rid)
    assert "ARRAY[1, 2, 3" in req.action and "50]::integer[]" in req.action
    impact = " ".join(line for f in req.findings for line in f.get("impact") or [])
    assert "50 rows" in impact
    assert _count(pg) == ROWS


def test_sql_execute_cannot_run_a_deferred_statement_without_its_bind(pg, gw, genv, parcels):
    asyncpg = pytest.importorskip("asyncpg")

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent")
        try:
            st = await c.prepare("DELETE FROM parcels WHERE id > $1")
            name = await c.fetchval("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'DELETE%'")
            for sql in (f'EXECUTE "{name}"(0)', f'/* x */ execute "{name}" (0)'):
                with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                    await c.execute(sql)
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                await st.fetch(0)
            await c.execute("DEALLOCATE ALL")
        finally:
            await c.close()
    asyncio.run(go())
    assert _count(pg) == ROWS


# --- the values, decoded: every literal evaluated by the real server equals the value the client sent ---

VALUES = [
    (True, "boolean"), (False, "boolean"), (-7, "smallint"), (2 ** 31 - 1, "integer"), (-(2 ** 63), "bigint"),
    (1.5, "double precision"), (float("inf"), "double precision"), (float("nan"), "double precision"),
    (decimal.Decimal("0"), "numeric"), (decimal.Decimal("-12345.6789"), "numeric"),
    (decimal.Decimal("0.000012"), "numeric"), (decimal.Decimal("1e20"), "numeric"),
    (decimal.Decimal("123456789012345678901234567890.5"), "numeric"), (decimal.Decimal("NaN"), "numeric"),
    ("it's -- not a comment; DROP TABLE x", "text"), ("", "text"), ("ünï ☃", "text"),
    (uuid.UUID("12345678-1234-5678-1234-567812345678"), "uuid"), (b"\x00\xff'x", "bytea"),
    (dt.date(1999, 12, 31), "date"), (dt.date(2026, 12, 7), "date"),
    (dt.datetime(2026, 12, 7, 3, 4, 5, 123456), "timestamp without time zone"),
    (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), "timestamp with time zone"),
    ([1, None, 3], "integer[]"), ([[1, 2], [3, 4]], "integer[]"), (["a", "b'c"], "text[]"), ([], "integer[]"),
]


@pytest.mark.parametrize("value,type_name", VALUES, ids=[f"{t}-{i}" for i, (_, t) in enumerate(VALUES)])
def test_binary_literals_round_trip_through_the_server(pg, value, type_name):
    import psycopg
    from psycopg.adapt import PyFormat, Transformer

    with psycopg.connect(pg.url("app"), autocommit=True) as c:
        oid = c.execute(f"SELECT '{type_name}'::regtype::oid").fetchone()[0]
        if type_name.endswith("[]"):
            dumper = Transformer(c).get_dumper(value, PyFormat.BINARY)
        else:
            dumper = c.adapters.get_dumper_by_oid(oid, psycopg.pq.Format.BINARY)(type(value), c)
        raw = dumper.dump(value)
        lit = pgvalues.literal(bytes(raw), int(dumper.format), oid, type_name)
        same = c.execute(f"SELECT ({lit})::{type_name} IS NOT DISTINCT FROM %s::{type_name}",
                         (value,)).fetchone()[0]
        if isinstance(value, float) and value != value:
            same = c.execute(f"SELECT ({lit})::{type_name} = 'NaN'::{type_name}").fetchone()[0]
        assert same, (value, lit)


def test_unreadable_values_and_parameters_inside_strings():
    with pytest.raises(pgvalues.Unreadable):
        pgvalues.literal(b"\x00\x01", 1, 600, "point")            # a binary type not decoded: unreadable
    with pytest.raises(pgvalues.Unreadable):
        pgvalues.literal(b"\xff\xfe", 0, 25, "text")              # not UTF-8
    with pytest.raises(pgvalues.Unreadable):
        pgvalues.literal(b"1", 1, 23, "integer")                  # bad length
    with pytest.raises(pgvalues.Unreadable):
        pgvalues.substitute("SELECT $2", ["1"])                   # no value for $2
    with pytest.raises(pgvalues.Unreadable):
        pgvalues.substitute("SELECT E'\\' $1 '", ["1"])          # quotes this scan can't follow
    assert pgvalues.substitute("SELECT '$1', \"$1\", $1 -- $1\n, $tag$ $1 $tag$, /* $1 */ $1", ["7"]) == \
        "SELECT '$1', \"$1\", (7) -- $1\n, $tag$ $1 $tag$, /* $1 */ (7)"
    assert pgvalues.parse_bind(b"B" + b"\x00\x00\x00\x00" + b"p\x00s\x00" + b"\x00\x01\x00\x01" +
                               b"\x00\x02" + b"\x00\x00\x00\x04\x00\x00\x00\x07" + b"\xff\xff\xff\xff" +
                               b"\x00\x00") == (b"p", b"s", [1, 1], [b"\x00\x00\x00\x07", None])
