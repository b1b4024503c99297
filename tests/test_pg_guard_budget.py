"""The in-database guard's budget across transactions (guard version 5): the agent role's sessions may delete or
update at most ``budget_rows`` rows, or ``budget_percent`` % of a table, per ``budget_window`` — however many
transactions they split it into, on a direct connection with the agent role, whichever implementation (C or
PL/pgSQL) counts the per-transaction limit.  The table's baseline leaves out what the role itself inserted lately,
so padding a table first does not make its real rows a small share.  Rolled-back work is not charged; an approved
statement (its grant) is not charged either; the agent can neither read nor reset the budget."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_pg_guard import _count, _table, agent, gateway, guarded, owner, server  # noqa: E402,F401


def _set(server, **kw):
    with server.connect("shop", autocommit=True) as c:
        for k, v in kw.items():
            c.execute("INSERT INTO interlock.settings VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                      "EXCLUDED.value", (k, str(v)))


def _unset(server, *keys):
    with server.connect("shop", autocommit=True) as c:
        c.execute("DELETE FROM interlock.settings WHERE key = ANY(%s)", (list(keys),))


def _salami(server, table, sql_of, steps):
    """Run ``sql_of(i)`` for i in steps, one autocommit transaction each, as the agent role; the index of the
    first refused one (and its message), or (None, None)."""
    import psycopg

    with agent(server) as c:
        for i in steps:
            try:
                c.execute(sql_of(i))
            except psycopg.Error as e:
                return i, str(e)
    return None, None


def test_many_small_deletes_in_their_own_transactions_add_up(guarded):
    _table(guarded, "b_del", 100)
    at, msg = _salami(guarded, "b_del", lambda i: f"DELETE FROM b_del WHERE id BETWEEN {i} AND {i + 4}",
                      range(1, 101, 5))
    # five rows a transaction, under every per-transaction limit; 20% of 100 rows per hour: the fifth is refused
    assert at == 21, msg
    assert "Interlock guard: DELETE of 5 more rows of public.b_del refused: over its budget (25 rows of public.b_del" \
        " in 01:00:00: more than 20% of its 100 rows" in msg, msg
    assert _count(guarded, "b_del") == 80


def test_many_small_updates_add_up_too(guarded):
    _table(guarded, "b_upd", 100)
    at, msg = _salami(guarded, "b_upd", lambda i: f"UPDATE b_upd SET v = NULL WHERE id = {i}", range(1, 101))
    assert at == 21 and "UPDATE of 1 more rows" in msg and "over its budget (21 rows" in msg, (at, msg)
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM b_upd WHERE v IS NULL").fetchone() == (20,)


def test_padding_the_table_first_does_not_make_its_rows_a_small_share(guarded):
    import psycopg

    _table(guarded, "b_pad", 100)
    with agent(guarded) as c:
        c.execute("INSERT INTO b_pad SELECT g, 0 FROM generate_series(1000, 5999) g")   # 5,000 rows of padding
        c.execute("INSERT INTO b_pad SELECT g, 0 FROM generate_series(6000, 6099) g")   # in two transactions
        with pytest.raises(psycopg.Error) as e:                 # 100 rows of 5,200: 2%, but 100% of the real ones
            c.execute("DELETE FROM b_pad WHERE id <= 100")
        assert "over its budget" in str(e.value) and "less 5100 that role inserted" in str(e.value), str(e.value)
    at, msg = _salami(guarded, "b_pad", lambda i: f"DELETE FROM b_pad WHERE id BETWEEN {i} AND {i + 4}",
                      range(1, 101, 5))
    assert at == 21, msg
    assert _count(guarded, "b_pad") == 5200 - 20


def test_a_rolled_back_transaction_is_not_charged(guarded):
    _table(guarded, "b_rb", 100)
    with agent(guarded) as c:
        for _ in range(10):                                     # 150 rows deleted and rolled back
            with c.transaction(force_rollback=True):
                c.execute("DELETE FROM b_rb WHERE id <= 15")
        with c.transaction():
            c.execute("SAVEPOINT s")
            c.execute("DELETE FROM b_rb WHERE id > 95")
            c.execute("ROLLBACK TO SAVEPOINT s")
        c.execute("DELETE FROM b_rb WHERE id <= 15")            # still within: 15 of 100 (plus the 5 rolled back
    assert _count(guarded, "b_rb") == 85                        # in a savepoint, charged: the counters keep them)
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT spent FROM interlock.budget WHERE rel = 'b_rb'::regclass AND op = 'DELETE'"
                         ).fetchone()[0] in (15, 20)


def test_concurrent_sessions_share_one_budget(guarded):
    """Two agent sessions, each deleting 15 rows of 100 in a transaction of its own at the same time: the second
    waits for the first (the budget row is locked until it ends), then sees its 15 and is refused."""
    _table(guarded, "b_conc", 100)
    import psycopg

    a = agent(guarded)
    a.autocommit = False
    a.execute("DELETE FROM b_conc WHERE id <= 15")
    result = {}

    def other():
        try:
            with agent(guarded) as b:
                b.execute("DELETE FROM b_conc WHERE id > 85")
            result["b"] = "ok"
        except psycopg.Error as e:
            result["b"] = str(e)
    t = threading.Thread(target=other)
    t.start()
    time.sleep(1.0)
    assert "b" not in result            # waiting on the budget row
    a.commit()
    a.close()
    t.join(30)
    assert "over its budget (30 rows" in result.get("b", ""), result
    assert _count(guarded, "b_conc") == 85


def test_an_approved_statement_passes_once_and_is_not_charged(guarded):
    import psycopg

    from interlock.safeguards import pgguard

    _table(guarded, "b_grant", 100)
    at, _ = _salami(guarded, "b_grant", lambda i: f"DELETE FROM b_grant WHERE id = {i}", range(1, 30))
    assert at == 21
    with guarded.connect("shop") as admin:
        text = pgguard.new_grant(admin, "apr-budget1", lambda s: f"{s}; DELETE FROM b_grant WHERE id = (SELECT min(id) FROM b_grant)")
    with agent(guarded) as c:
        c.execute(text)                                         # approved: runs, over the budget
        with pytest.raises(psycopg.Error) as e:                 # once
            c.execute(text)
        assert "over its budget" in str(e.value)
    assert _count(guarded, "b_grant") == 79
    with guarded.connect("shop", autocommit=True) as c:         # and not charged
        assert c.execute("SELECT spent FROM interlock.budget WHERE rel = 'b_grant'::regclass AND op = 'DELETE'"
                         ).fetchone() == (20,)


@pytest.mark.parametrize("sql", [
    "UPDATE interlock.budget SET spent = 0",
    "DELETE FROM interlock.budget",
    "TRUNCATE interlock.budget",
    "INSERT INTO interlock.settings VALUES ('budget_roles', '') ON CONFLICT (key) DO UPDATE SET value = ''",
    "SELECT interlock.budget()",
    "SELECT * FROM interlock.budget",
])
def test_the_agent_cannot_read_reset_or_turn_off_its_budget(guarded, sql):
    import psycopg

    with agent(guarded) as c:
        with pytest.raises(psycopg.Error):
            c.execute(sql)
    with guarded.connect("shop", autocommit=True) as c:
        assert c.execute("SELECT value FROM interlock.settings WHERE key = 'budget_roles'").fetchone() == \
            ("interlock_agent",)


def test_the_owner_is_not_budgeted_and_the_window_ends(guarded):
    _table(guarded, "b_own", 100)
    with owner(guarded) as c:                                   # the application's own work: no budget
        for i in range(1, 51, 5):
            c.execute(f"DELETE FROM b_own WHERE id BETWEEN {i} AND {i + 4}")
    assert _count(guarded, "b_own") == 50
    _table(guarded, "b_win", 100)
    _set(guarded, budget_window="2 seconds")
    try:
        at, _ = _salami(guarded, "b_win", lambda i: f"DELETE FROM b_win WHERE id BETWEEN {i} AND {i + 4}",
                        range(1, 101, 5))
        assert at == 21
        time.sleep(2.5)                                         # a new window
        at, _ = _salami(guarded, "b_win", lambda i: f"DELETE FROM b_win WHERE id BETWEEN {i} AND {i + 4}",
                        range(21, 101, 5))
        assert at == 36                                         # 15 of the 80 left: 20% of (80 + 15) is 19
    finally:
        _unset(guarded, "budget_window")
    assert _count(guarded, "b_win") == 65


def test_a_parent_with_partitions_is_budgeted_by_its_statements_rows(guarded):
    with owner(guarded) as c:
        c.execute("CREATE TABLE b_part (id int, v int) PARTITION BY RANGE (id)")
        c.execute("CREATE TABLE b_part_1 PARTITION OF b_part FOR VALUES FROM (0) TO (1000)")
        c.execute("INSERT INTO b_part SELECT g, 0 FROM generate_series(1, 100) g")
    at, msg = _salami(guarded, "b_part", lambda i: f"DELETE FROM b_part WHERE id BETWEEN {i} AND {i + 4}",
                      range(1, 101, 5))
    assert at == 21 and "over its budget" in msg, msg
    at, msg = _salami(guarded, "b_part_1", lambda i: f"DELETE FROM b_part_1 WHERE id BETWEEN {i} AND {i + 4}",
                      range(21, 101, 5))
    assert at is not None and "over its budget" in msg, msg
    assert _count(guarded, "b_part") >= 60


def test_check_says_the_budget_is_installed(guarded):
    from test_pg_guard import protect

    r = protect(guarded, "--check")
    assert r.returncode == 0, r.stdout
    assert "budget across transactions for interlock_agent: 1000 rows or 20% of a table" in r.stdout, r.stdout


def test_a_managed_service_login_installs_the_budget_and_check_says_what_is_missing(guarded):
    """A database owner that is neither a superuser nor may create roles (a managed service's login): protect
    installs the budget with the rest it can, says what it could not (event triggers), and --check says both."""
    import subprocess

    import psycopg

    from test_pg_guard import AGENT_PW, ROOT

    with guarded.connect("postgres", autocommit=True) as c:
        c.execute("CREATE ROLE dbowner2 LOGIN PASSWORD 'dbowner2-Pw-1'")
        c.execute("CREATE DATABASE managed2 OWNER dbowner2")
    url = f"postgresql://dbowner2:dbowner2-Pw-1@127.0.0.1:{guarded.port}/managed2"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE TABLE things (id int primary key, v int)")
        c.execute("INSERT INTO things SELECT g, 0 FROM generate_series(1, 100) g")

    def run(*extra):
        return subprocess.run([sys.executable, "-m", "interlock", "protect", "postgres", url, *extra],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src")))
    r = run("--implementation=plpgsql")
    assert r.returncode == 0, r.stderr
    assert "installed: budget across transactions for interlock_agent: 1000 rows or 20% of a table deleted / " \
           "updated per 01:00:00" in r.stdout, r.stdout
    assert "MISSING:   event triggers" in r.stdout and "dbowner2-Pw-1" not in r.stdout + r.stderr
    r = run("--check")
    assert r.returncode == 1 and "installed: budget across transactions for interlock_agent" in r.stdout, r.stdout
    assert "MISSING:   event triggers" in r.stdout, r.stdout
    agent_url = url.replace("dbowner2:dbowner2-Pw-1", f"interlock_agent:{AGENT_PW}")
    with psycopg.connect(agent_url, autocommit=True) as c:
        refused = None
        for i in range(1, 101, 5):
            try:
                c.execute(f"DELETE FROM things WHERE id BETWEEN {i} AND {i + 4}")
            except psycopg.Error as e:
                refused = str(e)
                break
    assert refused and "over its budget (25 rows" in refused, refused
    with psycopg.connect(url, autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM things").fetchone() == (80,)
        c.execute("UPDATE interlock.settings SET value = 'interlock_agent, nobody_here' WHERE key = 'budget_roles'")
    r = run("--check")
    assert r.returncode == 1 and "MISSING:   budgeted roles that do not exist: nobody_here" in r.stdout, r.stdout
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("UPDATE interlock.settings SET value = '' WHERE key = 'budget_roles'")
    r = run("--check")
    assert "MISSING:   the budget across transactions: no role is budgeted" in r.stdout, r.stdout


def test_through_the_gateway_a_query_the_budget_refused_is_asked_about_from_then_on(guarded, gateway):
    """Salami deletes through the gateway as simple Queries, answered from its verdict caches (by the native relay
    when it is built: the shape is cached after the first few): when the guard's budget refuses one, the gateway
    reads the refusal (it is never relayed natively) and asks about that statement from then on."""
    import socket
    import struct

    port, _ = gateway
    _table(guarded, "b_gw", 100)

    def q(sql):
        body = sql.encode() + b"\x00"
        return b"Q" + struct.pack("!I", len(body) + 4) + body

    def until_ready(s):
        data = b""
        while b"Z\x00\x00\x00\x05" not in data:
            chunk = s.recv(65536)
            assert chunk, data[-500:]
            data += chunk
        return data

    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    try:
        body = b"user\x00agent\x00database\x00shop\x00\x00"
        s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
        until_ready(s)
        refused = None
        for i in range(1, 41):     # one row each, an equality: allowed by its text, its shape cached
            s.sendall(q(f"DELETE FROM b_gw WHERE id = {i}"))
            data = until_ready(s)
            if b"Interlock guard: " in data:
                refused = i
                break
        assert refused is not None
        assert refused == 21           # 20% of 100 rows per hour
        s.sendall(q(f"DELETE FROM b_gw WHERE id = {refused}"))
        data = until_ready(s)
        assert b"[interlock ask]" in data and b"Interlock guard: " in data, data[-800:]
    finally:
        s.close()
    assert _count(guarded, "b_gw") == 80
