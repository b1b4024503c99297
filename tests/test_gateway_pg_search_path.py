"""Issue 16: the PostgreSQL gateway follows the session's search_path — startup options, SET, SET LOCAL (until
its transaction ends), set_config(), RESET — so a preview, a snapshot and an approval name the table the
statement really touches: a schema ``shadow`` holds a table with the same name as one in ``public``.  What it
cannot follow (a computed set_config, a DO block) makes the impact unknown, said so — never the wrong table."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_gateway_pg import direct, execd, genv, gw, pg  # noqa: E402,F401


@pytest.fixture
def lookalikes(pg):
    execd(pg, "DROP SCHEMA IF EXISTS shadow CASCADE; CREATE SCHEMA shadow; DROP TABLE IF EXISTS public.lookalike; "
              "CREATE TABLE public.lookalike (id int primary key); "
              "INSERT INTO public.lookalike SELECT generate_series(1, 100); "
              "CREATE TABLE shadow.lookalike (id int primary key); "
              "INSERT INTO shadow.lookalike SELECT generate_series(1, 7)")
    yield


def _counts(pg):
    return (direct(pg, "SELECT count(*) FROM public.lookalike")[0][0],
            direct(pg, "SELECT count(*) FROM shadow.lookalike")[0][0])


def _connect(gw, **kw):
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True, **kw)


def _asked(c, sql):
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
        c.execute(sql)
    assert "[interlock ask]" in str(e.value), str(e.value)
    return e.value.diag.message_detail or "", re.search(r"apr-[a-z0-9]+", e.value.diag.message_hint or "").group(0)


_APPROVERS: set = set()


def _approve(genv, rid):
    from helpers import add_approver
    from interlock.approvals import approvers
    from interlock.approvals.store import open_store

    if genv["INTERLOCK_HOME"] not in _APPROVERS:          # once per state directory (a second add asks)
        add_approver("alice", "approver-secret-1", genv)
        _APPROVERS.add(genv["INTERLOCK_HOME"])
    open_store(genv).approve(rid, "alice", "cli", proof=approvers.authenticate("alice", "approver-secret-1", genv))


def _impact(detail):
    return detail.split("Impact:", 1)[1].split("Why:", 1)[0] if "Impact:" in detail else ""


def test_set_search_path_then_delete_names_the_shadow_table(pg, gw, genv, lookalikes):
    with _connect(gw) as c:
        c.execute("SET search_path TO shadow")
        detail, rid = _asked(c, "DELETE FROM lookalike")
    impact = _impact(detail)
    assert "shadow.lookalike" in impact and "7 rows" in impact, impact
    assert "100 rows" not in impact, impact
    assert _counts(pg) == (100, 7)
    _approve(genv, rid)
    snaps = os.path.join(genv["INTERLOCK_HOME"], "snapshots")
    before = set(os.listdir(snaps)) if os.path.isdir(snaps) else set()
    with _connect(gw) as c:
        c.execute("SET search_path TO shadow")
        c.execute("DELETE FROM lookalike")
    assert _counts(pg) == (100, 0)
    new = set(os.listdir(snaps)) - before
    assert new, "snapshotted before it ran"
    manifest = json.load(open(os.path.join(snaps, sorted(new)[-1], "manifest.json")))
    assert "shadow.lookalike" in manifest["parts"][0]["tables"], manifest   # the dump holds it, named as such


def test_startup_options_and_set_config_and_reset(pg, gw, lookalikes):
    with _connect(gw, options="-c search_path=shadow") as c:
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow.lookalike" in impact and "7 rows" in impact, impact
        c.execute("RESET search_path")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow" not in impact and "100 rows" in impact, impact
        c.execute("SELECT set_config('search_path', 'shadow, public', false)")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow.lookalike" in impact and "7 rows" in impact, impact
    assert _counts(pg) == (100, 7)


def test_set_local_lasts_until_its_transaction_ends(pg, gw, lookalikes):
    with _connect(gw) as c:
        c.execute("BEGIN")
        c.execute("SET LOCAL search_path TO shadow")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow.lookalike" in impact and "7 rows" in impact, impact
        c.execute("ROLLBACK")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow" not in impact and "100 rows" in impact, impact
        assert c.execute("SHOW search_path").fetchone()[0] == '"$user", public'
    assert _counts(pg) == (100, 7)


def test_a_search_path_it_cannot_follow_makes_the_impact_unknown_not_wrong(pg, gw, lookalikes):
    with _connect(gw) as c:
        c.execute("SELECT set_config('search_path', 'sha' || 'dow', false)")
        detail, _ = _asked(c, "DELETE FROM lookalike")
        assert "search_path is not known" in detail, detail
        assert "100 rows" not in detail and "7 rows" not in detail, detail
        c.execute("SET search_path TO public")             # set plainly again: known again
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "100 rows" in impact, impact
    assert _counts(pg) == (100, 7)


def test_an_approval_under_one_search_path_does_not_run_under_another(pg, gw, genv, lookalikes):
    """Approved as public.lookalike, the same text after SET search_path TO shadow is another action: asked
    again, nothing deleted there; a SET earlier in the same query string is previewed as such."""
    import psycopg

    with _connect(gw) as c:
        _, rid = _asked(c, "DELETE FROM lookalike")
    _approve(genv, rid)
    with _connect(gw) as c:
        c.execute("SET search_path TO shadow")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow.lookalike" in impact, impact
    assert _counts(pg) == (100, 7)
    with _connect(gw) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            c.execute(psycopg.sql.SQL("SET search_path TO shadow; DELETE FROM lookalike"))
        impact = _impact(e.value.diag.message_detail or "")
        assert "shadow.lookalike" in impact and "7 rows" in impact, impact
    assert _counts(pg) == (100, 7)
    with _connect(gw) as c:                     # where it was approved, it runs
        c.execute("DELETE FROM lookalike")
    assert _counts(pg) == (0, 7)


def test_a_refused_string_that_sets_search_path_never_moved_it(pg, gw, lookalikes):
    """Attack: `SET search_path TO shadow; DROP TABLE …` is refused — the server never ran the SET, so the next
    DELETE is still previewed as public's table (the one it would delete), not shadow's 7 rows."""
    import psycopg

    with _connect(gw) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(psycopg.sql.SQL("SET search_path TO shadow; DROP TABLE lookalike"))
        assert c.execute("SHOW search_path").fetchone()[0] == '"$user", public'
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow" not in impact and "100 rows" in impact, impact
    assert _counts(pg) == (100, 7)


@pytest.mark.parametrize("texts,value,unknown", [
    (["BEGIN", "SET search_path TO shadow", "ROLLBACK"], None, False),         # undone with the block
    (["BEGIN", "SET search_path TO shadow", "COMMIT"], "shadow", True),        # holds only if it committed
    (["BEGIN", "SET search_path TO shadow", "SAVEPOINT a", "ROLLBACK TO a"], "shadow", True),
    (["SET search_path TO shadow; SELECT 1/0"], "shadow", True),                # a failing statement undoes it
    (["SET search_path TO shadow"], "shadow", False),
    (["SET search_path TO shadow", "BEGIN", "SET LOCAL search_path TO x", "COMMIT"], "shadow", False),
    (["SET LOCAL search_path TO x"], None, False),                              # outside a block: nothing
    (["SET /* hidden */ search_path TO shadow"], None, True),
    (["SET search_path TO U&\"sh\\0061dow\""], None, True),
    (["DO $$ BEGIN SET search_path TO shadow; END $$"], None, True),
    (["CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = shadow AS 'SELECT 1'"], None, True),
    (["ALTER ROLE agent SET search_path = shadow"], None, False),
    (["SET search_path TO \"Shadow\", 'public'"], '"Shadow", public', False),
    (["SET search_path TO shadow", "SET search_path TO DEFAULT"], None, False),
    # AND CHAIN: a new block begins at once, and its own ROLLBACK undoes what was set in it
    (["BEGIN", "COMMIT AND CHAIN", "SET search_path TO shadow", "ROLLBACK"], None, False),
    (["BEGIN", "SET search_path TO shadow", "ROLLBACK AND CHAIN", "SET search_path TO x", "ABORT"], None, False),
    (["BEGIN", "END AND CHAIN", "SET search_path TO shadow", "COMMIT"], "shadow", True),
    (["BEGIN", "COMMIT AND NO CHAIN", "SET search_path TO shadow", "ROLLBACK"], "shadow", False),
    (["COMMIT AND CHAIN", "SET search_path TO shadow", "ROLLBACK"], "shadow", False),   # no block: refused, none
])
def test_search_path_tracking(texts, value, unknown):
    from interlock.gateways.pgsearchpath import SearchPath

    sp = SearchPath()
    for t in texts:
        sp.observe(t)
    assert (sp.value, bool(sp.unknown)) == (value, unknown), sp.unknown


def test_result_bytes_that_look_like_a_report_cannot_move_it(pg, gw, lookalikes):
    """A binary result row carrying ParameterStatus-like bytes for search_path (the relayed stream is not framed)
    can only make it unknown — never point previews at another table."""
    import struct

    fake = b"S" + struct.pack("!I", 4 + 12 + 7) + b"search_path\x00shadow\x00"
    with _connect(gw) as c:
        c.execute("SET search_path TO public")
        got = c.execute("SELECT %s::bytea", (fake,), binary=True).fetchone()[0]
        assert bytes(got) == fake
        detail, _ = _asked(c, "DELETE FROM lookalike")
        assert "7 rows" not in detail and "shadow.lookalike" not in detail, detail
    assert _counts(pg) == (100, 7)


def test_an_approved_delete_under_an_unknown_search_path_does_not_run_without_its_snapshot(pg, gw, genv,
                                                                                          lookalikes):
    import psycopg

    with _connect(gw) as c:
        c.execute("SELECT set_config('search_path', 'sha' || 'dow', false)")
        _, rid = _asked(c, "DELETE FROM lookalike")
        _approve(genv, rid)
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM lookalike")
        assert "search_path" in str(e.value) + str(e.value.diag.message_detail or ""), str(e.value)
    assert _counts(pg) == (100, 7)


def test_a_chained_block_rolled_back_undoes_its_search_path(pg, gw, lookalikes):
    """Attack round (session 8): COMMIT AND CHAIN begins a new block at once; a SET search_path in it is undone by
    its ROLLBACK — the gateway followed it as set (previewed shadow's 7 rows while the server would delete
    public's 100)."""
    with _connect(gw) as c:
        c.execute("BEGIN")
        c.execute("COMMIT AND CHAIN")
        c.execute("SET search_path TO shadow")
        c.execute("ROLLBACK")
        assert c.execute("SHOW search_path").fetchone()[0] == '"$user", public'
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "shadow" not in impact and "100 rows" in impact, impact
    assert _counts(pg) == (100, 7)
