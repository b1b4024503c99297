"""Issue 16's second attack round against the in-database guard (session 7) and the gateway's grants: a direct
psycopg connection with the agent role, and approved statements through ``interlock gateway postgres`` whose
values or portals differ from what a human approved."""

from __future__ import annotations

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_pg_guard import (_count, _grant_used, _psycopg_run, _table, agent, gateway, guarded,  # noqa: E402,F401
                           owner, server)


def _approval(port, sql, args):
    import psycopg

    for _ in range(2):
        with pytest.raises(psycopg.Error) as e:
            _psycopg_run(port, sql, args)
    return re.search(r"approval (apr-[a-z0-9]+)", str(e.value) + str(e.value.diag.message_hint or "")).group(1), \
        str(e.value) + (e.value.diag.message_detail or "")


def test_an_approval_for_80_rows_does_not_delete_160_with_another_value(guarded, gateway):
    """The human approved `DELETE … WHERE id < $1` measured with 81 (80 rows of 160); the client then binds
    1000: the approval must not carry the other value's 160 rows."""
    import psycopg

    port, approve = gateway
    _table(guarded, "bound_values", 160)
    sql = "DELETE FROM bound_values WHERE id < %s"
    rid, said = _approval(port, sql, (81,))
    approve(rid)
    try:
        got = _psycopg_run(port, sql, (1000,))
    except psycopg.Error as e:
        got = str(e)
    assert _count(guarded, "bound_values") == 160, (got, said)
    rid2, said = _approval(port, sql, (1000,))        # the other value: measured and asked about on its own
    assert rid2 != rid and "160 rows" in said, said
    assert _psycopg_run(port, sql, (81,)) == "DELETE 80"   # the approved value runs, with its grant, once
    assert _count(guarded, "bound_values") == 80
    assert _grant_used(guarded, rid) == (True,)


# --- the guard alone: a direct connection with the agent role ------------------------------------------------

@pytest.mark.parametrize("kind", ["partition", "inherits"])
def test_a_child_addressed_directly_is_guarded_too(guarded, kind):
    """A statement-level trigger on a parent does not fire for a statement that names a partition (or an
    inheritance child) directly: the child must carry the guard's triggers of its own."""
    import psycopg

    p, ch = f"direct_{kind}", f"direct_{kind}_c"
    with owner(guarded) as c:
        if kind == "inherits":
            c.execute(f"CREATE TABLE {p} (id int)")
            c.execute(f"CREATE TABLE {ch} () INHERITS ({p})")
        else:
            c.execute(f"CREATE TABLE {p} (id int) PARTITION BY RANGE (id)")
            c.execute(f"CREATE TABLE {ch} PARTITION OF {p} FOR VALUES FROM (0) TO (1000)")
        c.execute(f"INSERT INTO {ch} SELECT generate_series(1, 50)")
    with agent(guarded) as c:
        for sql in (f"DELETE FROM {ch}", f"UPDATE {ch} SET id = id + 1", f"DELETE FROM ONLY {p}"):
            try:
                c.execute(sql)
            except psycopg.Error as e:
                assert "Interlock guard" in str(e) or "permission denied" in str(e), (sql, str(e))
    assert _count(guarded, p) == 50 and _count(guarded, ch) == 50
    assert guarded.connect("shop", autocommit=True).execute(f"SELECT sum(id) FROM {ch}").fetchone() == (1275,)


@pytest.mark.parametrize("sql", [
    "INSERT INTO {t} SELECT id, 1 FROM {t} ON CONFLICT (id) DO UPDATE SET v = excluded.v",   # an upsert rewrite
    "WITH gone AS (DELETE FROM {t} RETURNING id) SELECT count(*) FROM gone",
    "MERGE INTO {t} USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE",
    "DO $$ BEGIN FOR i IN 1..100 LOOP DELETE FROM {t} WHERE id = i; END LOOP; END $$",
    "SELECT pg_catalog.pg_stat_reset()",
    "SELECT pg_catalog.pg_stat_reset_single_table_counters('{t}'::regclass)",
    "SET track_counts = off",
    "SET session_replication_role = replica",
    "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "CREATE TEMP TABLE keep AS SELECT 1; DELETE FROM {t}",
    "LOCK TABLE {t}; DELETE FROM {t}",
])
def test_the_agent_role_cannot_empty_a_table_on_a_direct_connection(guarded, sql):
    import psycopg

    import zlib

    t = f"direct_t{zlib.crc32(sql.encode())}"     # a table of its own: a guarded table can't be dropped to reuse
    _table(guarded, t, 100)
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute(sql.format(t=t))
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute(f"SELECT count(*), sum(v) FROM {t}").fetchone() == (100, 0)


def test_a_cursor_and_many_small_statements_in_one_transaction_add_up(guarded):
    import psycopg

    _table(guarded, "direct_cur", 100)
    with agent(guarded) as c:
        with pytest.raises(psycopg.Error) as e:
            with c.transaction():
                c.execute("DECLARE cur CURSOR FOR SELECT id FROM direct_cur FOR UPDATE")
                for _ in range(100):
                    c.execute("FETCH cur")
                    c.execute("SAVEPOINT s")
                    c.execute("DELETE FROM direct_cur WHERE CURRENT OF cur")
                    c.execute("RELEASE SAVEPOINT s")
        assert "Interlock guard" in str(e.value)
    assert _count(guarded, "direct_cur") == 100


def test_a_grant_read_back_in_a_rolled_back_transaction_cannot_be_reused(guarded, gateway):
    """The approved prepared DELETE runs inside the client's own transaction, which reads
    `current_setting('interlock.grant')` and rolls back (undoing the grant's "used" mark with it); then, in a new
    transaction, sets that grant itself and binds the approved text to another value: every row."""
    import psycopg

    port, approve = gateway
    _table(guarded, "bound_steal", 160)
    sql = "DELETE FROM bound_steal WHERE id < %s"
    rid, _ = _approval(port, sql, (81,))
    approve(rid)
    stolen = None
    with psycopg.connect(host="127.0.0.1", port=port, dbname="shop", user="agent", autocommit=True) as c:
        with c.transaction(force_rollback=True):
            assert c.execute(sql, (81,)).statusmessage == "DELETE 80"
            stolen = c.execute("SELECT current_setting('interlock.grant', true)").fetchone()[0]
    assert _count(guarded, "bound_steal") == 160
    for via in ("gateway", "direct"):
        try:
            if via == "gateway":
                conn = psycopg.connect(host="127.0.0.1", port=port, dbname="shop", user="agent", autocommit=True)
            else:
                conn = agent(guarded)
            with conn as c:
                with c.transaction():
                    c.execute("SELECT set_config('interlock.grant', %s, true)", (stolen or "",))
                    c.execute(sql, (1000,))
        except psycopg.Error:
            pass
        assert _count(guarded, "bound_steal") == 160, (via, stolen and stolen[:12])

