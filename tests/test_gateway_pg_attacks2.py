"""Issue 16's second attack round against the PostgreSQL gateway (session 7), written as an outsider from the
docs: real psql / psycopg through ``interlock gateway postgres`` to a real PostgreSQL, nothing approved.
Every attack must leave ``bookings`` exactly as it was."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_gateway_pg import _penv, _start, direct, execd, genv, gw, pg, psql  # noqa: E402,F401

ROWS = 100


@pytest.fixture
def bookings(pg):
    execd(pg, "DROP TABLE IF EXISTS bookings CASCADE; DROP SCHEMA IF EXISTS shadow CASCADE; "
              "DROP OPERATOR IF EXISTS public.= (int, numeric); DROP OPERATOR IF EXISTS public.= (int, int); "
              "DROP FUNCTION IF EXISTS public.always(int, numeric); DROP FUNCTION IF EXISTS public.always(int, int);"
              "CREATE TABLE bookings (id int primary key, customer text, car_id int);"
              f"INSERT INTO bookings SELECT g, 'guest ' || g, 1 + g % 2 FROM generate_series(1, {ROWS}) g")
    yield
    rows = direct(pg, "SELECT count(*), coalesce(sum(id), 0) FROM bookings WHERE customer = 'guest ' || id")
    execd(pg, "DROP SCHEMA IF EXISTS shadow CASCADE; DROP OPERATOR IF EXISTS public.= (int, numeric); "
              "DROP OPERATOR IF EXISTS public.= (int, int); DROP FUNCTION IF EXISTS public.always(int, numeric);"
              "DROP FUNCTION IF EXISTS public.always(int, int)")
    assert rows == [(ROWS, ROWS * (ROWS + 1) // 2)], "rows were lost or changed without approval"


# --- redefining what `=` means: an operator (or a cast) of one's own ---------------------------------------

@pytest.mark.parametrize("setup,attack", [
    # an exact match for (int, numeric) in public beats pg_catalog's, which needs a cast
    ("CREATE FUNCTION public.always(int, numeric) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT true'; "
     "CREATE OPERATOR public.= (leftarg = int, rightarg = numeric, function = public.always)",
     "DELETE FROM bookings WHERE id = 5.0"),
    # the same signature as pg_catalog's, found first once pg_catalog is placed after public
    ("CREATE FUNCTION public.always(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT true'; "
     "CREATE OPERATOR public.= (leftarg = int, rightarg = int, function = public.always)",
     "SET search_path = public, pg_catalog; DELETE FROM bookings WHERE id = 5"),
])
def test_an_operator_of_ones_own_cannot_turn_an_equality_into_a_wipe(pg, gw, genv, bookings, setup, attack):
    """Found in this round: the operator was created (allowed as an ordinary write) and `DELETE FROM bookings
    WHERE id = 5.0` — one row by its text, allowed without measuring — deleted all 100.  Creating an operator,
    operator class or family, cast or conversion is now asked about (db.redefine-operator)."""
    r = psql(genv, gw, setup)
    assert r.returncode != 0 and "[interlock ask]" in r.stderr and "db.redefine-operator" in r.stderr, r.stderr
    assert direct(pg, "SELECT count(*) FROM pg_operator WHERE oprnamespace = 'public'::regnamespace") == [(0,)]
    r = psql(genv, gw, "BEGIN; " + attack + "; ROLLBACK")     # and so `=` is pg_catalog's: one row, rolled back
    assert r.returncode == 0 and "DELETE 1" in r.stdout, (r.stdout, r.stderr)


@pytest.mark.parametrize("sql", [
    "CREATE OPERATOR CLASS lying FOR TYPE int USING btree AS OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int)",
    "CREATE OPERATOR FAMILY lying USING btree",
    "ALTER OPERATOR FAMILY integer_ops USING btree ADD OPERATOR 3 = (int, numeric)",
    "CREATE CAST (text AS int) WITH FUNCTION length(text) AS IMPLICIT",
    "CREATE DEFAULT CONVERSION c FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8",
])
def test_what_changes_the_meaning_of_comparisons_is_asked_about(pg, gw, genv, bookings, sql):
    r = psql(genv, gw, sql)
    assert r.returncode != 0 and "[interlock ask]" in r.stderr, (sql, r.stderr)


# --- moving search_path without naming it: previews and snapshots of the wrong table -----------------------

from test_gateway_pg_search_path import _asked, _connect, _counts, _impact, lookalikes  # noqa: E402,F401


@pytest.mark.parametrize("move", [
    "SET SCHEMA 'shadow'",                                       # SET SCHEMA is SET search_path's other name
    "SET SESSION SCHEMA 'shadow'",
    "SET U&\"search\\005fpath\" TO shadow",                      # the setting's name in Unicode escapes
    "SELECT set_config('search' || '_path', 'shadow', false)",   # the name computed
    "SELECT pg_catalog.set_config(E'search\\137path', 'shadow', false)",
    "SELECT \"set_config\"(lower('SEARCH_PATH'), 'shadow', false)",
])
def test_moving_search_path_without_naming_it_makes_the_preview_unknown_not_wrong(pg, gw, lookalikes, move):
    """Found in this round: each of these moved the session to `shadow` (the server ran it) while the gateway
    kept previewing `DELETE FROM lookalike` as public.lookalike, 100 rows — the snapshot an approval takes would
    have been of the wrong table.  Now each makes search_path unknown: said so, no rows counted on a guess."""
    with _connect(gw) as c:
        c.execute(move)
        assert c.execute("SELECT current_schemas(false)").fetchone()[0] == ["shadow"]
        detail, _ = _asked(c, "DELETE FROM lookalike")
        assert "search_path is not known" in detail and "100 rows" not in detail, detail
    assert _counts(pg) == (100, 7)


def test_set_role_moves_dollar_user_and_is_followed_as_unknown(pg, gw, lookalikes):
    """`"$user"` in the default search_path follows SET ROLE / SET SESSION AUTHORIZATION: a role named like a
    schema sends unqualified names there."""
    execd(pg, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shadow') THEN CREATE ROLE shadow; "
              "END IF; END $$; GRANT USAGE ON SCHEMA shadow TO shadow; GRANT ALL ON shadow.lookalike TO shadow")
    for move in ("SET ROLE shadow", "SET SESSION AUTHORIZATION shadow"):
        with _connect(gw) as c:
            c.execute(move)
            assert c.execute("SELECT current_schemas(false)").fetchone()[0][0] == "shadow"
            detail, _ = _asked(c, "DELETE FROM lookalike")
            assert "search_path is not known" in detail and "100 rows" not in detail, (move, detail)
    assert _counts(pg) == (100, 7)


def test_ordinary_set_config_and_set_role_reset_leave_the_search_path_known(pg, gw, lookalikes):
    with _connect(gw) as c:
        c.execute("SELECT set_config('work_mem', '8MB', false)")
        impact = _impact(_asked(c, "DELETE FROM lookalike")[0])
        assert "100 rows" in impact, impact
    assert _counts(pg) == (100, 7)


def _raw(port, db="app"):
    import socket
    import struct

    s = socket.create_connection(("127.0.0.1", port))
    body = b"user\x00agent\x00database\x00" + db.encode() + b"\x00\x00"
    s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
    data = b""
    while not data.endswith(b"Z\x00\x00\x00\x05I"):
        chunk = s.recv(65536)
        assert chunk
        data += chunk
    return s


def _m(t, body):
    import struct

    return t + struct.pack("!I", len(body) + 4) + body


def _exchange(s, msgs):
    import struct

    s.sendall(msgs)
    s.settimeout(30)
    data, out = b"", []
    while True:
        while len(data) >= 5 and len(data) >= 1 + struct.unpack("!I", data[1:5])[0]:
            n = struct.unpack("!I", data[1:5])[0]
            out.append((data[:1], data[5:1 + n]))
            data = data[1 + n:]
            if out[-1][0] == b"Z":
                return out
        chunk = s.recv(65536)
        assert chunk
        data += chunk


def _pbe(name, sql, execute=True):
    import struct

    out = _m(b"P", name + b"\x00" + sql.encode() + b"\x00" + struct.pack("!H", 0))
    if execute:
        out += _m(b"B", b"\x00" + name + b"\x00" + struct.pack("!HHH", 0, 0, 0)) + _m(b"E", b"\x00" + struct.pack("!I", 0))
    return out + _m(b"S", b"")


def _q(sql):
    return _m(b"Q", sql.encode() + b"\x00")


def test_a_prepared_set_search_path_executed_later_is_followed(pg, gw, lookalikes):
    """A named prepared `SET search_path TO shadow` is observed when it is parsed; executed again after a plain
    `SET search_path TO public`, it moves the session back to shadow — the gateway must not keep previewing
    public's table."""
    s = _raw(gw)
    try:
        _exchange(s, _pbe(b"mover", "SET search_path TO shadow"))
        _exchange(s, _q("SET search_path TO public"))
        got = _exchange(s, _m(b"B", b"\x00mover\x00\x00\x00\x00\x00\x00\x00") + _m(b"E", b"\x00\x00\x00\x00\x00")
                        + _m(b"S", b""))
        assert [t for t, _ in got] == [b"2", b"C", b"Z"], got
        got = _exchange(s, _q("SELECT current_schemas(false)::text"))
        assert b"{shadow}" in b"".join(b for t, b in got if t == b"D"), got
        got = _exchange(s, _q("DELETE FROM lookalike"))
        err = b"".join(b for t, b in got if t == b"E").decode("utf-8", "replace")
        assert "[interlock ask]" in err, got
        assert "100 rows" not in err and ("search_path is not known" in err or "shadow.lookalike" in err), err
    finally:
        s.close()
    assert _counts(pg) == (100, 7)


@pytest.mark.parametrize("never_runs", ["parse-only", "skipped-after-an-error"])
def test_a_prepared_set_search_path_that_never_ran_does_not_move_it(pg, gw, lookalikes, never_runs):
    """`SET search_path TO shadow` parsed but never executed (or skipped by the server after an earlier error
    in the same batch): the server stays at public — the preview must not name shadow's 7 rows."""
    import struct

    s = _raw(gw)
    try:
        if never_runs == "parse-only":
            _exchange(s, _pbe(b"mover", "SET search_path TO shadow", execute=False))
        else:
            fail = _pbe(b"", "SELECT 1/0", execute=True)[:-5]          # its Sync comes after the mover's Execute
            mover = _pbe(b"mover", "SET search_path TO shadow")
            _exchange(s, fail + mover)
        got = _exchange(s, _q("SELECT current_schemas(false)::text"))
        assert b"{public}" in b"".join(b for t, b in got if t == b"D"), got
        got = _exchange(s, _q("DELETE FROM lookalike"))
        err = b"".join(b for t, b in got if t == b"E").decode("utf-8", "replace")
        assert "[interlock ask]" in err, got
        assert "7 rows" not in err and "shadow.lookalike" not in err, err
    finally:
        s.close()
    assert _counts(pg) == (100, 7)
    del struct


# --- a share of a table padded beforehand: the in-database guard's budget ----------------------------------

@pytest.fixture(scope="module")
def padded_gw(pg, genv):
    """A database of its own with the in-database guard (``interlock protect``), and a gateway in front of it
    whose upstream login is the agent role (``guard_url``: the privileged login that writes grants)."""
    import subprocess

    from test_gateway_pg import EXE, PW
    from interlock.vault import Vault

    pg.create_db("padding")
    execd_ = pg.connect("padding", autocommit=True)
    execd_.execute("CREATE TABLE padded (id int primary key, customer text); "
                   "INSERT INTO padded SELECT g, 'guest ' || g FROM generate_series(1, 100) g; ANALYZE padded")
    execd_.close()
    env = dict(genv)
    r = subprocess.run(EXE + ["protect", "postgres", pg.url("padding")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    with pg.connect("padding", autocommit=True) as c:
        c.execute("ALTER ROLE interlock_agent PASSWORD 'agent-Padding-3e1'")
    Vault(env).add("padding-agent", "agent-Padding-3e1")
    policy = os.path.join(env["XDG_CONFIG_HOME"], "interlock", "policy.toml")
    with open(policy, "a") as f:
        f.write(f'[databases.padding]\nurl = "postgresql://interlock_agent@127.0.0.1:{pg.port}/padding"\n'
                'password_vault = "padding-agent"\n'
                f'guard_url = "postgresql://postgres@127.0.0.1:{pg.port}/padding"\nguard_password_vault = "app-db"\n')
    p, port = _start(env, "padding")
    yield port
    p.terminate()
    p.wait(10)
    assert PW not in p.stderr.read().decode()


def test_padding_a_table_first_does_not_make_its_real_rows_a_small_share(pg, genv, padded_gw):
    """Found in session 7: 5,000 rows inserted (committed) first made the 100 real ones 2% of the table, within
    the limits (at most 1000 rows, 20%), and they were deleted without an approval.  The in-database guard's
    budget leaves what the agent role inserted lately out of the table's size: refused by the database, and the
    gateway asks with what it measured."""
    gw = padded_gw

    def rows():
        with pg.connect("padding", autocommit=True) as c:
            return c.execute("SELECT count(*) FROM padded WHERE customer LIKE 'guest%'").fetchone()[0]

    r = psql(genv, gw, "INSERT INTO padded SELECT g, 'pad' FROM generate_series(1000, 5999) g", PGDATABASE="padding")
    assert r.returncode == 0, r.stderr
    r = psql(genv, gw, "DELETE FROM padded WHERE customer LIKE 'guest%'", PGDATABASE="padding")
    assert rows() == 100, (r.stdout, r.stderr)
    assert r.returncode != 0 and "[interlock ask]" in r.stderr and "over its budget" in r.stderr, r.stderr
    # and in small pieces, each far under every per-statement limit
    for i in range(1, 101, 5):
        r = psql(genv, gw, f"DELETE FROM padded WHERE id BETWEEN {i} AND {i + 4}", PGDATABASE="padding")
        if r.returncode != 0:
            break
    assert rows() == 80, (r.stdout, r.stderr)
    assert "over its budget" in r.stderr, r.stderr
    assert "[interlock ask]" in r.stderr and "DELETE of 5 more rows" in r.stderr, r.stderr


# --- startup parameters: settings the statements would be asked about --------------------------------------

@pytest.mark.parametrize("opts", ["-c session_replication_role=replica", "--session_replication_role=replica",
                                  "-c session_replication_role=REPLICA -c work_mem=8MB"])
def test_startup_options_cannot_turn_triggers_off(pg, gw, genv, bookings, opts):
    """`SET session_replication_role = replica` is asked about (db.disable-trigger: triggers and foreign keys
    off); the same setting in the startup packet's options must not pass unjudged."""
    execd(pg, "CREATE OR REPLACE FUNCTION keep_rows() RETURNS trigger LANGUAGE plpgsql AS "
              "$$BEGIN RAISE EXCEPTION 'bookings are kept'; END$$; "
              "CREATE TRIGGER keep BEFORE DELETE ON bookings FOR EACH ROW EXECUTE FUNCTION keep_rows()")
    r = psql(genv, gw, "SHOW session_replication_role", PGOPTIONS=opts)
    assert r.returncode != 0 or r.stdout.strip() == "origin", (r.stdout, r.stderr)
    r = psql(genv, gw, "DELETE FROM bookings WHERE id = 5", PGOPTIONS=opts)
    assert r.returncode != 0, r.stdout


def test_ordinary_startup_settings_still_connect_and_unread_switches_are_refused(pg, gw, genv, bookings):
    r = psql(genv, gw, "SHOW statement_timeout", PGOPTIONS=r"-c statement_timeout=5s --work-mem=8MB -capplication_name=a\ b",
             PGAPPNAME="tests")
    assert r.returncode == 0 and r.stdout.strip() == "5s", (r.stdout, r.stderr)
    r = psql(genv, gw, "SELECT 1", PGOPTIONS="-B 100")
    assert r.returncode != 0 and "does not read" in r.stderr, (r.stdout, r.stderr)
    r = psql(genv, gw, "SELECT 1", PGOPTIONS="-c session_replication_role=replica")
    assert r.returncode != 0 and "session_replication_role" in r.stderr and "SET" in r.stderr, r.stderr


def test_startup_options_are_split_as_the_server_splits_them():
    from interlock.gateways.pgsearchpath import startup_settings

    got = startup_settings({"user": "u", "database": "d", "application_name": "x",
                            "options": r"-c a=1  -cb=two\ words --c-d=3"})
    assert got == [("application_name", "x"), ("a", "1"), ("b", "two words"), ("c_d", "3")]
    assert isinstance(startup_settings({"options": "-c nameonly"}), str)
    assert isinstance(startup_settings({"options": "-d 5"}), str)
