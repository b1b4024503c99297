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
