"""The PostgreSQL gateway's hot path (what makes it keep up with PgBouncer) judges exactly what the full path
judges: a statement's shape computed the quick way is the one the full scan computes; a batch of messages
passed on in one piece never carries a statement past its judgement; a cached allow is never reused for a
statement that differs by more than its numbers.  Real gateway, real PostgreSQL, raw protocol bytes."""

from __future__ import annotations

import os
import random
import socket
import struct
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_gateway_pg import _penv, direct, execd, genv, gw, pg, psql  # noqa: E402,F401

from interlock.gateways import pgwire  # noqa: E402

# --- shapes: the quick way is the full scan's answer ---------------------------------------------------

SHAPES = [
    "SELECT abalance FROM pgbench_accounts WHERE aid = 123456;",
    "UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 7;",
    "SELECT * FROM t1 WHERE a = 1", "SELECT x.5, 1.5, 1e5, 1E+3, 2e-7, 12.e3, .5, 5. FROM t",
    "SELECT $1, $2 + 3", "SELECT 'a1', \"t2\", 3", "SELECT 1 -- 2\n, 3", "SELECT 1 /* 2 */", "SELECT E'\\'' , 4",
    "SELECT $a1$ 5 $a1$, 6", "SELECT é1, ١٢, x١, 7", "DELETE FROM b WHERE id > 0", "DELETE FROM b WHERE id > 0 OR 1=1",
    "SELECT 'unterminated 5", "SELECT a-1, a - -1, a--1", "", "1", "a1b2c3 4d5", "SELECT 0x1F, 0b101, 1_000",
]


def _random_text(rng):
    alphabet = "0123456789" * 3 + "aeE_t$.'\"-+/* \n\\()=,;" + "é١٢٣߀"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def test_the_quick_shape_is_the_full_scans():
    rng = random.Random(1617)
    texts = SHAPES + [_random_text(rng) for _ in range(20_000)]
    for t in texts:
        assert pgwire.shape(t) == pgwire._shape_slow(t), t


def test_a_shape_replaces_only_numbers():
    assert pgwire.shape("SELECT * FROM t1 WHERE a = 12 AND b = x.5") == ("SELECT * FROM t1 WHERE a = ? AND b = x.5", 1)
    assert pgwire.shape("SELECT ١٢ + 3") == ("SELECT ? + ?", 2)   # what the full scan says of a Unicode digit
    assert pgwire.shape("SELECT 'x' || 5 -- 6") == ("SELECT 'x' || ? -- 6", 1)
    assert pgwire.shape("SELECT '\\' , 5") is None


# --- batches passed on in one piece ------------------------------------------------------------------------

def _msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def _parse(name, sql):
    return _msg(b"P", name + b"\x00" + sql.encode() + b"\x00" + struct.pack("!H", 0))


def _bind(name, portal=b""):
    return _msg(b"B", portal + b"\x00" + name + b"\x00" + struct.pack("!HHH", 0, 0, 0))


def _execute(portal=b""):
    return _msg(b"E", portal + b"\x00" + struct.pack("!I", 0))


SYNC = _msg(b"S")


def _session(port):
    s = socket.create_connection(("127.0.0.1", port))
    body = b"user\x00agent\x00database\x00app\x00\x00"
    s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
    _until_ready(s, 1)
    return s


def _until_ready(s, n):
    """Everything up to the n-th ReadyForQuery."""
    s.settimeout(20)
    data = b""
    while data.count(b"Z\x00\x00\x00\x05") < n:
        chunk = s.recv(65536)
        assert chunk, data[-500:]
        data += chunk
    return data


@pytest.fixture
def victim(pg):
    execd(pg, "DROP TABLE IF EXISTS fp_victim; CREATE TABLE fp_victim (id int primary key);"
              "INSERT INTO fp_victim SELECT generate_series(1, 50)")
    yield
    assert direct(pg, "SELECT count(*) FROM fp_victim") == [(50,)], "rows were lost without approval"


def test_a_statement_inside_a_batch_of_binds_is_still_judged(pg, gw, victim):
    s = _session(gw)
    try:
        s.sendall(_parse(b"ok", "SELECT count(*) FROM fp_victim") + SYNC)
        assert b"1\x00\x00\x00\x04" in _until_ready(s, 1)           # ParseComplete
        # Bind/Execute/Sync of the allowed statement, then a Parse of a wipe, in one write
        s.sendall(_bind(b"ok") + _execute() + SYNC + _parse(b"", "DELETE FROM fp_victim") + _bind(b"")
                  + _execute() + SYNC)
        data = _until_ready(s, 2)
        assert b"D\x00" in data and b"42501" in data and b"interlock" in data, data[-800:]
        # a simple Query behind Binds in the same write is judged too
        s.sendall(_bind(b"ok") + _execute() + SYNC + _msg(b"Q", b"TRUNCATE fp_victim\x00"))
        data = _until_ready(s, 2)
        assert b"42501" in data, data[-800:]
        # and a batch that only Binds, Executes and Syncs still answers in order
        s.sendall((_bind(b"ok") + _execute() + SYNC) * 3)
        data = _until_ready(s, 3)
        assert data.count(b"C\x00\x00\x00\x0dSELECT 1\x00") == 3, data[-800:]
    finally:
        s.close()


def test_a_bind_to_a_refused_statement_inside_a_batch_is_rewritten(pg, gw, victim):
    s = _session(gw)
    try:
        s.sendall(_parse(b"wipe", "DELETE FROM fp_victim") + SYNC)
        assert b"42501" in _until_ready(s, 1)
        # the statement was replaced: its Binds, even batched with nothing else, never run the client's text
        s.sendall((_bind(b"wipe") + _execute() + SYNC) * 2)
        data = _until_ready(s, 2)
        assert b"DELETE " not in data and data.count(b"E\x00") >= 2, data[-800:]
    finally:
        s.close()


def test_a_batch_cut_by_the_read_is_framed_whole(pg, gw, victim):
    """A batch whose last message is cut goes through the full framing: the Parse of a wipe arriving in two
    pieces is judged once whole."""
    s = _session(gw)
    try:
        wipe = _parse(b"", "DELETE FROM fp_victim") + _bind(b"") + _execute() + SYNC
        s.sendall(_parse(b"ok", "SELECT 1") + SYNC + wipe[:9])
        import time

        time.sleep(0.3)
        s.sendall(wipe[9:])
        data = _until_ready(s, 2)
        assert b"42501" in data, data[-800:]
    finally:
        s.close()


# --- the verdict cache: an allow is reused only for the same statement with other numbers ----------------

@pytest.mark.parametrize("allowed, dangerous", [
    ("DELETE FROM fp_victim WHERE id = 5", "DELETE FROM fp_victim WHERE id = 5 OR 1 = 1"),
    ("DELETE FROM fp_victim WHERE id = 5", "DELETE FROM fp_victim WHERE id > 5"),
    ("DELETE FROM fp_victim WHERE id = 5", "DELETE FROM fp_victim WHERE id = 5 OR id > 0"),
    ("SELECT * FROM fp_victim WHERE id = 5 LIMIT 1", "DELETE FROM fp_victim WHERE id > 0"),
    ("SELECT 1", "SELECT 1; DROP TABLE fp_victim"),
    ("SELECT 1", "SELECT 1 -- \nDROP TABLE fp_victim"),
])
def test_a_cached_allow_is_not_reused_for_a_different_statement(pg, gw, genv, victim, allowed, dangerous):
    for n in range(3):   # cached by text and by shape
        r = psql(genv, gw, allowed.replace("5", str(5 + n * 1000)) if "5" in allowed else allowed)
        assert r.returncode == 0, r.stderr
        execd(pg, "INSERT INTO fp_victim SELECT generate_series(1, 50) ON CONFLICT DO NOTHING")
    r = psql(genv, gw, dangerous)
    assert r.returncode != 0 and "[interlock" in r.stderr, (dangerous, r.stdout, r.stderr)


# --- the upstream's bytes: a client_encoding change is seen however the reads cut it ------------------------

class _Sink:
    def __init__(self):
        self.out = b""

    def write(self, data):
        self.out += data

    def is_closing(self):
        return False


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 15, 16, 17, 40])
def test_a_client_encoding_change_cut_by_any_read_is_seen(size):
    ps = _msg(b"S", b"client_encoding\x00SJIS\x00")
    stream = _msg(b"C", b"SET\x00") + ps + _msg(b"Z", b"I")
    for start in range(len(stream)):   # the first cut anywhere, then reads of `size` bytes
        s = pgwire.Session(None, None, None)
        s.ct = _Sink()
        side = pgwire._Side(s, True)
        chunks = [stream[:start]] + [stream[i:i + size] for i in range(start, len(stream), size)]
        for c in chunks:
            if c:
                side.data_received(c)
        assert s.refusing and "SJIS" in s.refusing, (size, start)
        assert s.ct.out == stream


def test_the_shape_of_a_statements_bytes_is_its_texts():
    rng = random.Random(1618)
    ascii_texts = [t for t in SHAPES if t.isascii()] + [
        "".join(rng.choice("0123456789" * 3 + "aeE_t.-+ ()=,;xyz") for _ in range(rng.randint(0, 60)))
        for _ in range(20_000)]
    for t in ascii_texts:
        sh = pgwire.shape(t)
        if sh is None or "'" in t or '"' in t or "$" in t or "--" in t:
            continue
        assert pgwire._NUMBER_RE_RAW.subn(b"?", t.encode()) == (sh[0].encode(), sh[1]), t


def test_the_raw_cache_answers_as_the_text_cache():
    j = pgwire.Judge.__new__(pgwire.Judge)
    j.rehearse = None
    j.exact, j.shapes, j.exact_raw, j.shapes_raw, j.zeroed = {}, {}, {}, {}, {}
    for text in ("SELECT abalance FROM pgbench_accounts WHERE aid = 1;", "SELECT 'é' || 2", "BEGIN;"):
        sh = pgwire.shape(text)
        j.exact[text] = j.exact_raw[text.encode()] = True
        if sh and sh[1]:
            j.shapes[sh[0]] = j.shapes_raw[sh[0].encode()] = True
    acc = "SELECT abalance FROM pgbench_accounts"
    probes = [f"{acc} WHERE aid = 77;", f"{acc} WHERE aid = 7x;", f"{acc} WHERE aid = 1; DROP TABLE t",
              "SELECT 'é' || 3", "BEGIN;", f"{acc} WHERE aid = ١;", f"{acc}\x00WHERE aid = 1;",
              f"{acc} WHERE aid = 1.5e3;", f"{acc} WHERE aid = -1;"]
    for _ in range(2):   # the second time through the memo of digit-less shapes
        for p in probes:
            if j.cached_raw(p.encode()):   # the raw cache may say less, never more
                assert j.cached(p), p
    assert j.cached_raw(probes[0].encode()) and not j.cached_raw(probes[2].encode())
    assert j.zeroed and all(v in j.shapes_raw for v in j.zeroed.values())   # only allowed shapes are memoized
    memo = dict(j.zeroed)
    for i in range(300):   # statements that miss the cache never fill the memo
        assert not j.cached_raw(f"DELETE FROM t WHERE id > {i} + {i}".encode())
    assert j.zeroed == memo
    assert not j.cached_raw(probes[6].encode())   # a NUL never matches: the long way refuses it


def test_texts_with_digits_in_the_same_places_share_a_digitless_shape():
    """The memo behind the raw cache: a shape with no digit left is shared by every text whose bytes are the same
    but for which digits sit where (the number regex sees digits, never which ones)."""
    rng = random.Random(1619)
    alphabet = "0123456789" * 4 + "aeE_tx.-+ ()=,;" + "é١"
    shared = 0
    for _ in range(20_000):
        t1 = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 50)))
        t2 = "".join(rng.choice("0123456789") if c in "0123456789" else c for c in t1)
        sh = pgwire.shape(t1)
        if sh is None or not sh[1] or not t1.isascii() or any(c.isdigit() for c in sh[0]):
            continue
        shared += 1
        assert pgwire.shape(t2) == sh, (t1, t2)
    assert shared > 1000


def test_a_shape_with_digits_left_is_never_shared_by_other_digits():
    j = pgwire.Judge.__new__(pgwire.Judge)
    j.rehearse = None
    j.exact, j.shapes, j.exact_raw, j.zeroed = {}, {}, {}, {}
    j.shapes_raw = {pgwire.shape(t)[0].encode(): True for t in (
        "SELECT * FROM t1 WHERE id = 5", "DELETE FROM b2 WHERE id = 7", "SELECT x.5 FROM t WHERE id = 3")}
    for _ in range(2):
        assert j.cached_raw(b"SELECT * FROM t1 WHERE id = 6")
        assert not j.cached_raw(b"SELECT * FROM t2 WHERE id = 6")
        assert j.cached_raw(b"DELETE FROM b2 WHERE id = 9")
        assert not j.cached_raw(b"DELETE FROM b3 WHERE id = 9")
        assert not j.cached_raw(b"SELECT x.6 FROM t WHERE id = 3")
    assert not j.zeroed   # none of these shapes is digit-less: nothing memoized


# --- a policy change reaches statements answered from the cache ----------------------------------------------

def test_a_tightened_policy_reaches_cached_statements(pg, genv, tmp_path):
    """Statements answered from the cache never reload the policy themselves: the gateway reloads it every 2 s,
    so a rule added by the user stops a statement the cache used to allow."""
    import time

    from test_gateway_pg import _start

    cfg = tmp_path / "config"
    (cfg / "interlock").mkdir(parents=True)
    policy = cfg / "interlock" / "policy.toml"
    base = (f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\n'
            f'password_vault = "app-db"\n')
    policy.write_text(base)
    env = dict(genv, XDG_CONFIG_HOME=str(cfg))
    execd(pg, "DROP TABLE IF EXISTS fp_pol; CREATE TABLE fp_pol (id int)")
    p, port = _start(env)
    try:
        for i in range(3):
            r = psql(env, port, f"INSERT INTO fp_pol VALUES ({i})")
            assert r.returncode == 0, r.stderr
        policy.write_text('[[rules]]\nid = "db.write"\ndecision = "deny"\n' + base)
        time.sleep(4.5)
        r = psql(env, port, "INSERT INTO fp_pol VALUES (7)")
        assert r.returncode != 0 and "[interlock deny]" in r.stderr, (r.stdout, r.stderr)
        policy.write_text("[decisions\nbroken = \n" + base)   # a policy that can't be read: nothing from the cache
        time.sleep(4.5)
        r = psql(env, port, "INSERT INTO fp_pol VALUES (8)")
        assert r.returncode != 0 and "interlock" in r.stderr.lower(), (r.stdout, r.stderr)
    finally:
        p.terminate()
        p.wait(10)
    assert direct(pg, "SELECT count(*) FROM fp_pol") == [(3,)]


def test_a_verdict_reached_under_an_older_policy_is_not_cached(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "interlock").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG", "XDG_"))}
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(home / ".config"))
    up = pgwire.Upstream("app", "127.0.0.1", 5432, "postgres", "app")
    j = pgwire.Judge(up, str(tmp_path), env)
    assert j.decide("SELECT * FROM t WHERE id = 5").decision == "allow"
    assert j.exact and j.shapes and j.exact_raw and j.shapes_raw          # cached, as usual
    j.forget()
    real = j.action
    j.action = lambda text, where=None: (j.forget(), real(text, where))[1]   # the policy changes while the statement is judged
    assert j.decide("SELECT * FROM t WHERE id = 6").decision == "allow"
    assert not (j.exact or j.shapes or j.exact_raw or j.shapes_raw)


def test_the_raw_caches_hold_only_statements_that_leave_the_login_search_path(tmp_path):
    """The raw-bytes path is taken before the session's search_path is consulted: it may answer only statements
    judged under the login's search_path that neither move the setting nor open or close a transaction."""
    from interlock.gateways.pgsearchpath import SearchPath

    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ)
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(home / ".config"))
    up = pgwire.Upstream("app", "127.0.0.1", 5432, "postgres", "app")
    j = pgwire.Judge(up, str(tmp_path), env)
    for text in ("SET search_path TO shadow", "select set_config('search_path', 'shadow', false)", "BEGIN",
                 "COMMIT", "RESET ALL", "SELECT 1 FROM t WHERE search_path = 2"):
        assert j.decide(text).decision == "allow", text
        assert not j.cached_raw(text.encode()), text
    assert j.decide("SELECT * FROM t WHERE id = 5", {"search_path": "shadow"}).decision == "allow"
    assert not j.cached_raw(b"SELECT * FROM t WHERE id = 5") and not j.cached_raw(b"SELECT * FROM t WHERE id = 7")
    assert j.cached("SELECT * FROM t WHERE id = 7", {"search_path": "shadow"})
    assert j.decide("SELECT * FROM t WHERE id = 5").decision == "allow"
    assert j.cached_raw(b"SELECT * FROM t WHERE id = 7")
    sp = SearchPath()
    assert sp.at_login_default()
    sp.observe("SET search_path TO shadow")
    assert not sp.at_login_default()


def test_the_transaction_cache_holds_only_allowed_words_only_starts_and_ends(tmp_path):
    """``BEGIN;`` / ``END;`` are answered from a cache of their own (their words, which the session still
    follows); nothing that names search_path, holds more than words, or was judged under another search_path
    gets in — and nothing in it is in the raw verdict caches, whose hits the session does not observe."""
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ)
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(home / ".config"))
    j = pgwire.Judge(pgwire.Upstream("app", "127.0.0.1", 5432, "postgres", "app"), str(tmp_path), env)
    for text, words in (("BEGIN;", "BEGIN"), ("END;", "END"), (" commit work ;", "commit work"),
                        ("START TRANSACTION", "START TRANSACTION"), ("ROLLBACK", "ROLLBACK")):
        assert j.decide(text).decision == "allow", text
        assert j.tx_raw.get(text.encode()) == words and not j.cached_raw(text.encode()), text
    for text in ("BEGIN; SET search_path TO shadow", "BEGIN; SELECT 1", "COMMIT; RESET ALL", "BEGIN -- x",
                 "BEGIN ISOLATION LEVEL READ COMMITTED, READ ONLY", "ROLLBACK TO SAVEPOINT a1"):
        j.decide(text)
        assert text.encode() not in j.tx_raw, text
    j.decide("ABORT", {"search_path": "shadow"})
    assert b"ABORT" not in j.tx_raw
    j.forget()
    assert not j.tx_raw
    j.rehearse = object()             # a sandbox's branch: every statement judged and recorded
    assert j.decide("BEGIN;").decision == "allow" and j.cached_tx(b"BEGIN;") is None


def test_a_block_opened_and_closed_from_the_cache_is_followed(pg, gw, victim):
    """BEGIN / COMMIT / ROLLBACK answered from the transaction cache (sent once before, so judged and cached)
    still move the session's view: a SET search_path undone by ROLLBACK leaves the login's, one committed in a
    block is unknown — never the wrong table, never a cached verdict taken under the wrong setting."""
    import psycopg

    execd(pg, "CREATE SCHEMA IF NOT EXISTS fp_shadow; CREATE TABLE IF NOT EXISTS fp_shadow.fp_victim (id int); "
              "TRUNCATE fp_shadow.fp_victim; INSERT INTO fp_shadow.fp_victim SELECT generate_series(1, 7)")
    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True) as c:
        for _ in range(2):
            for t in ("BEGIN", "ROLLBACK", "BEGIN", "COMMIT"):
                c.execute(t)
        c.execute("BEGIN")
        c.execute("SET search_path TO fp_shadow")
        c.execute("ROLLBACK")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            c.execute("DELETE FROM fp_victim")
        detail = e.value.diag.message_detail or ""
        assert "fp_shadow" not in detail and "search_path is not known" not in detail, detail
        c.execute("BEGIN")
        c.execute("SET search_path TO fp_shadow")
        c.execute("COMMIT")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as e:
            c.execute("DELETE FROM fp_victim")
        assert "search_path is not known" in (e.value.diag.message_detail or ""), e.value.diag.message_detail
    assert direct(pg, "SELECT count(*) FROM fp_shadow.fp_victim") == [(7,)]
    execd(pg, "DROP SCHEMA fp_shadow CASCADE")


def test_the_quick_mention_check_is_the_regexs():
    """pgsearchpath.mention skips the search_path regex (~7 µs a statement, on every Parse and every Query not
    answered from the raw caches) only where it cannot match: the same answer as the regex, on texts built from
    its own words in every case and glued every way, and on random text."""
    import string

    from interlock.gateways.pgsearchpath import _MENTION, mention

    rng = random.Random(7)
    words = ["set", "SET", "Reset", "all", "ALL", "discard", "search_path", "SEARCH_PATH", "schema", "role",
             "session", "authorization", "u&'x'", 'U&"y"', "set_config", "SET_CONFIG", "(", "'search_path'", "'other'",
             ",", "local", "sel", "ect", "off", "_", "se", "t", '"', "'", "&", "u", "x1", "offset", "$1", "ſet", "K"]
    texts = ["".join(rng.choice(words) + rng.choice(["", " ", "\n", "\t"]) for _ in range(rng.randint(1, 8)))
             for _ in range(30_000)]
    texts += ["".join(rng.choice(string.printable) for _ in range(rng.randint(1, 60))) for _ in range(10_000)]
    hits = 0
    for t in texts:
        a, b = _MENTION.search(t), mention(t)
        assert (a and a.span()) == (b and b.span()), t
        hits += bool(a)
    assert hits > 5_000


# --- the native relay (_pgrelay.c): what it passes on by itself, and what it hands back ----------------------
# Driven directly on socket pairs (deterministic reads), then through the gateway with real clients.  The rule it
# must keep: a Query is passed on only when its exact bytes (or its bytes with digits zeroed) are a key the Python
# path's raw caches hold; a Parse, a FunctionCall, a Terminate, any other Query, a bad length: never — they come
# back to Python, in order, with everything after them.

def _native():
    from interlock.gateways import _pgrelay   # built with the package (setuptools ext-modules): must import
    return _pgrelay


class _Rig:
    """A relay with one session: the test is the client (``c``) and the upstream (``u``)."""

    ids = iter(range(1, 1 << 30))

    def __init__(self, cache=None, client=b"", tail=b"", maxtx=64, relay=None):
        import select

        self.m = _native()
        self.cache = cache or self.m.Cache()
        self.relay = relay or self.m.Relay(self.cache)
        self.c, cg = socket.socketpair()
        ug, self.u = socket.socketpair()
        for s in (cg, ug):
            s.setblocking(False)
        self.id = next(self.ids)
        self.relay.start(self.id, os.dup(cg.fileno()), os.dup(ug.fileno()), client, tail, maxtx)
        cg.close()
        ug.close()
        self.select = select
        self.result = None

    def got(self, sock, wait=0.3):
        sock.settimeout(wait)
        data = b""
        try:
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                data += chunk
                sock.settimeout(0.1)
        except (TimeoutError, BlockingIOError):
            pass
        return data

    def back(self, wait=5.0, stop=True, first=0.5):
        """The session handed back: (reason, errno, client_rest, upstream_rest, to_client, to_upstream, tail, tx,
        cached, passed)."""
        if self.result is None:
            if not self.select.select([self.relay.fileno()], [], [], first)[0] and stop:
                self.relay.stop(self.id)
            assert self.select.select([self.relay.fileno()], [], [], wait)[0], "the relay did not hand back"
            done = dict(self.relay.results())
            self.result = done[self.id]
        return self.result

    def running(self) -> bool:
        return not self.select.select([self.relay.fileno()], [], [], 0.05)[0]


def _q(sql):
    return _msg(b"Q", sql.encode() + b"\x00")


def test_native_passes_binds_and_stops_before_a_parse():
    r = _Rig()
    batch = _bind(b"ok") + _execute() + SYNC
    r.c.sendall(batch + _parse(b"", "DELETE FROM t") + batch)
    assert r.got(r.u) == batch                           # the Parse and all after it: not passed on
    reason, _, crest, *_rest = r.back()
    assert reason == "message" and crest == _parse(b"", "DELETE FROM t") + batch


@pytest.mark.parametrize("sql", ["DROP TABLE t", "SELECT 1", "select 1", "SELECT 1 ", "SELECT 12"])
def test_native_passes_no_query_the_cache_does_not_hold(sql):
    cache = _native().Cache()
    cache.add(_native().EXACT, b"SELECT 2")
    r = _Rig(cache)
    r.c.sendall(_q(sql))
    assert r.got(r.u) == b""
    reason, _, crest, *_ = r.back()
    assert reason == "message" and crest == _q(sql)


def test_native_passes_a_cached_query_exact_or_by_its_digits():
    m = _native()
    cache = m.Cache()
    cache.add(m.EXACT, b"BEGIN;")
    cache.add(m.ZEROED, b"SELECT abalance FROM a WHERE aid = 000;")
    r = _Rig(cache)
    ok = _q("BEGIN;") + _q("SELECT abalance FROM a WHERE aid = 417;") + _q("SELECT abalance FROM a WHERE aid = 999;")
    r.c.sendall(ok)
    assert r.got(r.u) == ok
    # same digits' places, other non-digits; more digits; a non-ASCII digit; a NUL inside: all handed back
    for bad in ("SELECT abalance FROM a WHERE aid > 417;", "SELECT abalance FROM a WHERE aid = 4170;",
                "SELECT abalance FROM a WHERE aid = ٤17;", "SELECT abalance FROM a WHERE aid = 41;"):
        r2 = _Rig(cache)
        r2.c.sendall(_q(bad))
        assert r2.got(r2.u) == b"", bad
        assert r2.back()[2] == _q(bad)
    r3 = _Rig(cache)
    r3.c.sendall(_msg(b"Q", b"BEGIN;\x00DROP TABLE t\x00"))
    assert r3.got(r3.u) == b""
    assert r.back()[8] == 3      # counted as answered from the cache


def test_native_frames_messages_cut_anywhere():
    """Byte by byte: a cached Query is passed on once whole; an uncached one behind it never, not even a byte."""
    m = _native()
    cache = m.Cache()
    cache.add(m.EXACT, b"SELECT 1")
    r = _Rig(cache)
    stream = _q("SELECT 1") + _q("DROP TABLE t")
    import time

    for i in range(len(stream)):
        r.c.send(stream[i:i + 1])
        time.sleep(0.002)
    assert r.got(r.u) == _q("SELECT 1")
    assert r.back()[2] == _q("DROP TABLE t")


@pytest.mark.parametrize("head", [b"Q\x7f\xff\xff\xff", b"Q\x00\x00\x00\x03", b"B\x00\x10\x00\x05", b"\x00\x00\x00\x00\x08",
                                  b"F\x00\x00\x00\x08", b"X\x00\x00\x00\x04", b"P\x00\x00\x00\x08"])
def test_native_hands_back_bad_lengths_and_unknown_types(head):
    m = _native()
    cache = m.Cache()
    cache.add(m.EXACT, b"SELECT 1")
    r = _Rig(cache)
    r.c.sendall(_q("SELECT 1") + head + b"\x00" * 4)
    assert r.got(r.u) == _q("SELECT 1")
    reason, _, crest, *_ = r.back()
    assert crest.startswith(head) and reason in ("length", "message"), reason


def test_native_a_message_larger_than_its_buffer_straddles_whole():
    """A cached 100 kB Query (larger than the relay's first buffer) cut at every buffer size, then a DROP."""
    m = _native()
    big = "SELECT '" + "x" * 100_000 + "'"
    cache = m.Cache()
    cache.add(m.EXACT, big.encode())
    r = _Rig(cache)
    stream = _q(big) + _q("DROP TABLE t")
    for cut in (16383, 16384, 16385, 65536):
        pass
    r.c.sendall(stream[:16384])
    r.c.sendall(stream[16384:65537])
    r.c.sendall(stream[65537:])
    assert r.got(r.u, wait=1.0) == _q(big)
    assert r.back()[2] == _q("DROP TABLE t")


def test_native_hands_back_a_watched_server_parameter_however_cut():
    """The server's ParameterStatus for client_encoding or search_path is never passed on by the relay (the
    Python path reads it: an ambiguous encoding refuses the session) — in one read, or cut by two."""
    for name in (b"client_encoding", b"search_path"):
        ps = _msg(b"S", name + b"\x00SJIS\x00")
        stream = _msg(b"C", b"SET\x00") + ps + _msg(b"Z", b"I")
        at = stream.index(name)
        for cut in [1, at - 1] + list(range(at, at + len(name) + 2)) + [len(stream) - 1]:   # every cut of the name
            r = _Rig()
            r.u.sendall(stream[:cut])
            first = r.got(r.c, wait=0.05)
            second, sent = b"", stream[:cut]
            if r.running():               # not handed back yet: the rest comes in a second read
                r.u.sendall(stream[cut:])
                second, sent = r.got(r.c, wait=0.05), stream
            reason, _, _, urest, to_c, _, tail, *_ = r.back()
            passed = first + second + to_c
            # what was passed on holds no whole name; what was handed back completes the stream, in order
            assert name + b"\x00" not in passed and passed + urest == sent, (name, cut, passed, urest)
            assert reason == "watched", (name, cut, reason)


def test_native_logs_transactions_and_stops_when_its_log_is_full():
    m = _native()
    cache = m.Cache()
    cache.add(m.TX, b"BEGIN;", 0)
    cache.add(m.TX, b"END;", 1)
    r = _Rig(cache, maxtx=3)
    r.c.sendall(_q("BEGIN;") + _q("END;") + _q("BEGIN;") + _q("END;"))
    assert r.got(r.u) == _q("BEGIN;") + _q("END;") + _q("BEGIN;")
    reason, _, crest, _, _, _, _, tx, cached, passed, _ = r.back()
    assert tx == [0, 1, 0] and crest == _q("END;") and reason == "message" and passed == 3


def test_native_cache_cleared_answers_nothing():
    m = _native()
    cache = m.Cache()
    cache.add(m.EXACT, b"SELECT 1")
    assert cache.get(m.EXACT, b"SELECT 1") == 0 and cache.get(m.ZEROED, b"SELECT 1") is None and len(cache) == 1
    cache.clear()
    r = _Rig(cache)
    r.c.sendall(_q("SELECT 1"))
    assert r.got(r.u) == b"" and r.back()[2] == _q("SELECT 1")
    with pytest.raises(ValueError):
        cache.add(7, b"x")


def test_native_ends_and_stops_say_why():
    r = _Rig()
    r.c.close()
    assert r.back(stop=False)[0] == "client_eof"
    r = _Rig()
    r.u.close()
    assert r.back(stop=False)[0] == "upstream_eof"
    r = _Rig()
    assert r.running()
    assert r.back()[0] == "wake"          # stop(): handed back now
    r = _Rig(client=_parse(b"", "SELECT 1"))
    assert r.back(stop=False)[0] == "message"    # bytes given at the start are framed before anything is read


def test_native_holds_back_when_the_peer_does_not_read():
    """Flow control: a client that does not read stops the relay reading the upstream (nothing is lost, and the
    relay's buffer stays one read); what it could not send comes back to Python in order."""
    r = _Rig()
    r.c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    blob = bytes(range(256)) * 8192          # 2 MB of server bytes the client never reads (no watched name)
    r.u.setblocking(False)
    sent = 0
    try:
        while sent < len(blob):
            sent += r.u.send(blob[sent:sent + 65536])
    except BlockingIOError:
        pass
    reason, _, _, urest, to_c, *_ = r.back()
    got = r.got(r.c, wait=0.5)
    assert reason == "wake" and (got + to_c + urest) == blob[:sent][:len(got + to_c + urest)]
    assert got and len(to_c) <= 256 * 1024       # at most one read held (then the upstream is not read)


# --- through the gateway, with the cache warm (on the native path the relay answers these itself) -----------

def _warm(s, sql, times=3):
    for _ in range(times):
        s.sendall(_q(sql))
        data = _until_ready(s, 1)
        assert b"42501" not in data, data[-500:]


def _refusals(data):
    return data.count(b"42501")


def test_native_attack_a_wipe_pipelined_behind_cached_queries(pg, gw, victim):
    s = _session(gw)
    try:
        _warm(s, "SELECT count(*) FROM fp_victim")
        s.sendall(_q("SELECT count(*) FROM fp_victim") + _q("DELETE FROM fp_victim") + _q("TRUNCATE fp_victim")
                  + _q("SELECT count(*) FROM fp_victim") + _msg(b"Q", b"DROP TABLE fp_victim\x00"))
        data = _until_ready(s, 5)
        assert _refusals(data) == 3 and data.count(b"D\x00\x00\x00\x0c\x00\x01\x00\x00\x00\x0250") == 2, data[-900:]
    finally:
        s.close()


def test_native_attack_split_into_one_byte_segments(pg, gw, victim):
    s = _session(gw)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        _warm(s, "SELECT 1")
        import time

        stream = _q("SELECT 1") + _q("DELETE FROM fp_victim")
        for i in range(len(stream)):
            s.send(stream[i:i + 1])
            time.sleep(0.001)
        data = _until_ready(s, 2)
        assert _refusals(data) == 1 and b"SELECT 1\x00" in data, data[-900:]
    finally:
        s.close()


def test_native_attack_huge_and_short_lengths(pg, gw, victim):
    for head in (b"Q\x7f\xff\xff\xff", b"Q\x00\x00\x00\x02", b"D\x10\x00\x00\x00", b"\x01\x00\x00\x00\x08"):
        s = _session(gw)
        try:
            _warm(s, "SELECT 1")
            s.sendall(_q("SELECT 1") + head + b"DROP TABLE fp_victim\x00")
            s.settimeout(10)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert b"08P01" in data, (head, data[-600:])     # a protocol violation: closed, nothing after it run
        finally:
            s.close()


def test_native_attack_a_wipe_behind_a_message_straddling_buffers(pg, gw, victim):
    big = "SELECT length('" + "x" * 100_000 + "')"
    s = _session(gw)
    try:
        _warm(s, big)
        stream = _q(big) + _q("DELETE FROM fp_victim")
        for cut in (16383, 16385):
            s.sendall(stream[:cut])
            import time

            time.sleep(0.05)
            s.sendall(stream[cut:])
            data = _until_ready(s, 2)
            assert _refusals(data) == 1 and b"100000" in data, data[-600:]
    finally:
        s.close()


def test_native_attack_a_bounded_delete_warm_then_one_that_is_not(pg, gw, victim):
    """Same statement, other numbers: the verdict cache's zeroed key is the same for ``id < 12`` and ``id < 99``
    — only the Python path's probes, which prove the numbers do not matter before a shape is cached, keep it out."""
    s = _session(gw)
    try:
        for _ in range(3):
            s.sendall(_q("DELETE FROM fp_victim WHERE id = 12") + _q("DELETE FROM fp_victim WHERE id < 12"))
            _until_ready(s, 2)
            execd(pg, "INSERT INTO fp_victim SELECT generate_series(1, 50) ON CONFLICT DO NOTHING")
        s.sendall(_q("DELETE FROM fp_victim WHERE id < 99") + _q("DELETE FROM fp_victim WHERE id = 12 OR id > 0"))
        data = _until_ready(s, 2)
        assert _refusals(data) == 2, data[-900:]
    finally:
        s.close()
        execd(pg, "INSERT INTO fp_victim SELECT generate_series(1, 50) ON CONFLICT DO NOTHING")


def test_native_attack_copy_then_a_wipe(pg, gw, victim):
    import psycopg

    execd(pg, "DROP TABLE IF EXISTS fp_copy; CREATE TABLE fp_copy (id int, note text)")
    with psycopg.connect(host="127.0.0.1", port=gw, dbname="app", user="agent", autocommit=True) as c:
        for _ in range(3):
            c.execute("SELECT count(*) FROM fp_victim")
        with c.cursor().copy("COPY fp_copy FROM STDIN") as cp:
            for i in range(5000):
                cp.write_row((i, "n"))
            cp.write_row((-1, "y" * 1_500_000))        # one CopyData larger than the relay's message limit
        assert c.execute("SELECT count(*), max(length(note)) FROM fp_copy").fetchone() == (5001, 1_500_000)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("DELETE FROM fp_victim")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("COPY (DELETE FROM fp_victim RETURNING id) TO STDOUT")
    execd(pg, "DROP TABLE fp_copy")


def test_native_attack_gssenc_and_ssl_requests_then_a_wipe(pg, gw, victim):
    for code in (80877104, 80877103):         # GSSENCRequest, SSLRequest: refused ("N"), then a plain session
        s = socket.create_connection(("127.0.0.1", gw))
        try:
            s.sendall(struct.pack("!II", 8, code))
            assert s.recv(1) == b"N"
            body = b"user\x00agent\x00database\x00app\x00\x00"
            s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
            _until_ready(s, 1)
            _warm(s, "SELECT 1")
            s.sendall(_q("SELECT 1") + _q("DELETE FROM fp_victim"))
            assert _refusals(_until_ready(s, 2)) == 1
        finally:
            s.close()


def test_native_attack_encodings_set_mid_stream(pg, gw, victim):
    """client_encoding changed mid-session, in a session whose statements the cache answers: the server's
    ParameterStatus reaches the Python path (it is never relayed natively), the session goes on in LATIN1, and
    SJIS / BIG5 — by SET, set_config or behind cached statements in one write — are refused, as is the wipe."""
    s = _session(gw)
    try:
        _warm(s, "SELECT 1")
        s.sendall(_q("SELECT 1") + _q("SET client_encoding TO 'LATIN1'") + _q("SELECT 1"))
        data = _until_ready(s, 3)
        assert b"client_encoding\x00LATIN1" in data and _refusals(data) == 0, data[-600:]
        for attack in ("SET client_encoding TO 'SJIS'", "SELECT set_config('client_encoding', 'BIG5', false)"):
            s.sendall(_q("SELECT 1") + _q(attack) + _q("SELECT 1") + _q("DELETE FROM fp_victim"))
            data = _until_ready(s, 4)
            assert _refusals(data) >= 2 and b"client_encoding\x00SJIS" not in data, data[-900:]
            assert b"client_encoding\x00BIG5" not in data
    finally:
        s.close()


def test_native_attack_asyncpg_prepared_then_parameters_that_match_everything(pg, gw, victim):
    import asyncio

    import asyncpg

    async def go():
        c = await asyncpg.connect(host="127.0.0.1", port=gw, database="app", user="agent")
        try:
            st = await c.prepare("SELECT count(*) FROM fp_victim WHERE id > $1")
            for i in range(20):
                assert await st.fetchval(i) == 50 - i
            for sql, arg in (("DELETE FROM fp_victim WHERE id <> $1", -1), ("DELETE FROM fp_victim WHERE id > $1", 0)):
                with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                    await c.execute(sql, arg)
        finally:
            await c.close()
    asyncio.run(go())


def test_native_attack_psql_many_statements_then_a_wipe(pg, gw, genv, victim):
    sql = "; ".join(["SELECT count(*) FROM fp_victim"] * 20 + ["BEGIN", "SELECT 1", "END"] * 5)
    r = psql(genv, gw, sql)
    assert r.returncode == 0, r.stderr
    r = psql(genv, gw, sql + "; DELETE FROM fp_victim")
    assert r.returncode != 0 and "[interlock" in r.stderr


def test_the_native_cache_learns_only_what_the_raw_caches_hold_and_forgets_with_them(tmp_path):
    """pgnative.NativeCache.learn copies a key only from the judge's raw caches (exact, zeroed shape whose shape is
    cached, transaction words), never under a sandbox's branch, and Judge.forget() (a policy change) empties it."""
    m = _native()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ)
    env.pop("INTERLOCK_PG_NATIVE", None)
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(home / ".config"))
    j = pgwire.Judge(pgwire.Upstream("app", "127.0.0.1", 5432, "postgres", "app"), str(tmp_path), env)
    nc = j.native
    assert nc is not None
    zero = bytes.maketrans(b"0123456789", b"0" * 10)
    for text in ("SELECT abalance FROM a WHERE aid = 17", "BEGIN;", "DELETE FROM b WHERE id > 5",
                 "SET search_path TO shadow", "DROP TABLE b"):
        j.decide(text)
        j.cached_raw(text.encode())       # (as the Python path looks it up: memoizes the zeroed shape)
        nc.learn(text.encode(), zero)
    assert nc.cache.get(m.EXACT, b"SELECT abalance FROM a WHERE aid = 17") == 0
    other = b"SELECT abalance FROM a WHERE aid = 42"     # the same shape, other numbers: its zeroed key
    assert j.cached_raw(other)
    nc.learn(other, zero)
    assert nc.cache.get(m.ZEROED, b"SELECT abalance FROM a WHERE aid = 00") == 0
    assert nc.cache.get(m.TX, b"BEGIN;") is not None
    for never in (b"DELETE FROM b WHERE id > 5", b"DELETE FROM b WHERE id > 0", b"SET search_path TO shadow",
                  b"DROP TABLE b"):
        assert all(nc.cache.get(k, never) is None and nc.cache.get(k, never.translate(zero)) is None
                   for k in (m.EXACT, m.ZEROED, m.TX)), never
    assert len(nc.cache) == 3
    j.forget()
    assert len(nc.cache) == 0
    j.decide("SELECT 1")
    j.rehearse = object()
    nc.learn(b"SELECT 1", zero)
    assert len(nc.cache) == 0
    assert pgwire.Judge(pgwire.Upstream("app", "127.0.0.1", 5432, "postgres", "app"), str(tmp_path),
                        dict(env, INTERLOCK_PG_NATIVE="0")).native is None


def test_without_the_extension_the_pure_python_path_runs(tmp_path):
    """An install without a compiler: the package imports, the judge has no native cache, sessions stay in Python."""
    import subprocess

    code = ("import sys; sys.modules['interlock.gateways._pgrelay'] = None\n"
            "from interlock.gateways import pgnative, pgwire\n"
            "assert not pgnative.available() and not pgnative.wanted({})\n"
            "j = pgwire.Judge(pgwire.Upstream('app', '127.0.0.1', 5432, 'postgres', 'app'), sys.argv[1])\n"
            "assert j.native is None and j.decide('SELECT 1').decision == 'allow'\n"
            "print('ok')\n")
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), INTERLOCK_HOME=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(home / ".config"))
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_native_a_large_message_cut_behind_passed_ones_loses_nothing():
    """Messages passed on, then a large one cut by the read (the relay's buffer grows for it): every byte arrives,
    in order — the ones before are sent before the buffer is replaced."""
    m = _native()
    big = "SELECT '" + "y" * 60_000 + "'"
    cache = m.Cache()
    cache.add(m.EXACT, big.encode())
    cache.add(m.EXACT, b"SELECT 1")
    r = _Rig(cache)
    stream = _q("SELECT 1") * 3 + _bind(b"ok") + _execute() + SYNC + _q(big) + _q("SELECT 1")
    r.c.sendall(stream[:10_000])
    import time

    time.sleep(0.1)
    r.c.sendall(stream[10_000:])
    assert r.got(r.u, wait=1.0) == stream
    assert r.back()[0] == "wake"


def test_native_random_streams_pass_only_whole_allowed_messages():
    """Random streams of messages (cached and uncached Queries, Parse, FunctionCall, Terminate, Binds, bad lengths,
    unknown types), cut at random: what reaches the upstream is always the longest prefix of whole messages that
    each pass the rule, and what comes back is exactly the rest — nothing lost, nothing reordered, nothing more."""
    import time

    m = _native()
    cache = m.Cache()
    cached = [b"SELECT 1", b"BEGIN;", b"SELECT a FROM t WHERE id = 00"]
    cache.add(m.EXACT, cached[0])
    cache.add(m.EXACT, cached[1])
    cache.add(m.ZEROED, cached[2])
    relay = m.Relay(cache)
    rng = random.Random(2016)
    kinds = [lambda: _q("SELECT 1"), lambda: _q("BEGIN;"), lambda: _q(f"SELECT a FROM t WHERE id = {rng.randint(10, 99)}"),
             lambda: _q("SELECT 2"), lambda: _q("DROP TABLE t"), lambda: _q(f"SELECT a FROM t WHERE id = {rng.randint(100, 999)}"),
             lambda: _parse(b"", "SELECT 1"), lambda: _parse(b"s", "DROP TABLE t"),
             lambda: _parse(b"s", f"SELECT a FROM t WHERE id = {rng.randint(10, 99)}"),
             lambda: _msg(b"P", b"s\x00SELECT 1\x00\x00\x02\x00\x00\x00\x17"),     # two types announced, one sent
             lambda: _bind(b"s"), _execute, lambda: SYNC, lambda: _msg(b"H"),
             lambda: _msg(b"d", b"x" * rng.randint(0, 3000)), lambda: _msg(b"F", b"\x00" * 10), lambda: _msg(b"X"),
             lambda: b"Q\x00\x00\x00\x02", lambda: b"Z\x00\x00\x00\x04", lambda: b"E\x7f\xff\xff\xff"]

    def passes(msg):
        t = msg[:1]
        if t in (b"B", b"C", b"D", b"E", b"H", b"S", b"c", b"d", b"f"):
            return 4 <= int.from_bytes(msg[1:5], "big") <= 1 << 20
        if t == b"Q":
            raw = msg[5:-1]
        elif t == b"P":
            name, raw, rest = msg[5:].split(b"\x00", 2)
            if len(rest) != 2 + 4 * int.from_bytes(rest[:2], "big"):
                return False
        else:
            return False
        return raw in cached[:2] or raw.translate(bytes.maketrans(b"0123456789", b"0" * 10)) == cached[2]

    for _ in range(80):
        msgs = [rng.choice(kinds)() for _ in range(rng.randint(1, 12))]
        stream = b"".join(msgs)
        expect = b""
        for msg in msgs:
            if not passes(msg):
                break
            expect += msg
        r = _Rig(cache, relay=relay)
        cuts = sorted(rng.sample(range(1, len(stream)), min(3, len(stream) - 1))) if len(stream) > 1 else []
        pos = 0
        for c in cuts + [len(stream)]:
            if not r.running():
                break
            try:
                r.c.sendall(stream[pos:c])
            except BrokenPipeError:
                break
            pos = c
            time.sleep(0.002)
        got = r.got(r.u, wait=0.05)
        reason, _, crest, _, _, to_u, *_ = r.back(first=0.02)
        sent = stream[:pos]
        assert got + to_u == expect[:len(got + to_u)], msgs
        assert got + to_u + crest == sent or (reason == "wake" and expect == stream), (msgs, reason)
        if len(expect) < len(sent):
            assert got + to_u == expect, (msgs, reason)


def test_native_passes_a_parse_only_of_a_cached_text_well_formed():
    """A Parse is passed on only when its text is a key exactly or by its zeroed digits — never a transaction's
    words (the Python path follows a parsed BEGIN), never a malformed one (the Python path refuses it)."""
    m = _native()
    cache = m.Cache()
    cache.add(m.EXACT, b"SELECT abalance FROM a WHERE aid = $1")
    cache.add(m.ZEROED, b"SELECT 0 + $0")
    cache.add(m.TX, b"BEGIN", 0)
    ok = (_parse(b"", "SELECT abalance FROM a WHERE aid = $1") + _bind(b"") + _execute() + SYNC
          + _parse(b"s1", "SELECT 7 + $1"))
    r = _Rig(cache)
    r.c.sendall(ok)
    assert r.got(r.u) == ok
    for bad in (_parse(b"", "BEGIN"), _parse(b"", "SELECT abalance FROM a WHERE aid = $2"),
                _parse(b"", "SELECT 7 + $1 "), _parse(b"", "SELECT ٧ + $1"),
                _msg(b"P", b"\x00SELECT abalance FROM a WHERE aid = $1\x00\x00\x01"),          # cut parameter count
                _msg(b"P", b"\x00SELECT abalance FROM a WHERE aid = $1\x00\x00\x01\x00\x00\x00"),  # cut type
                _msg(b"P", b"\x00SELECT abalance FROM a WHERE aid = $1\x00\x00\x00\x00"),      # bytes after it
                _msg(b"P", b"\x00SELECT abalance FROM a WHERE aid = $1"),                       # no terminator
                _msg(b"P", b"SELECT abalance FROM a WHERE aid = $1\x00")):                     # no name
        r = _Rig(cache)
        r.c.sendall(bad + SYNC)
        assert r.got(r.u) == b"", bad
        assert r.back()[2] == bad + SYNC, bad


def test_native_hands_back_a_guard_refusal_with_the_query_it_follows_and_denies():
    """The in-database guard's refusal (guard_error: the statement is asked about from then on) is never relayed
    natively: the read comes back with the last simple Query the relay passed on; a denied text is never answered
    by the relay again, even through a zeroed key its shape taught it."""
    m = _native()
    cache = m.Cache()
    cache.add(m.ZEROED, b"DELETE FROM t WHERE id < 00")
    r = _Rig(cache)
    r.c.sendall(_q("DELETE FROM t WHERE id < 12"))
    assert r.got(r.u) == _q("DELETE FROM t WHERE id < 12")
    err = _msg(b"E", b"SERROR\x00C42501\x00MInterlock guard: too many rows\x00\x00") + _msg(b"Z", b"I")
    r.u.sendall(err[:20])
    time_ = __import__("time")
    time_.sleep(0.05)
    if r.running():
        r.u.sendall(err[20:])
    reason, _, _, urest, to_c, *_, lastq = r.back()
    assert reason == "watched" and b"Interlock guard: " not in r.got(r.c, wait=0.05) + to_c[:0]
    assert lastq == b"DELETE FROM t WHERE id < 12"
    assert cache.add(m.DENY, b"DELETE FROM t WHERE id < 12") is True
    r2 = _Rig(cache)
    r2.c.sendall(_q("DELETE FROM t WHERE id < 12"))
    assert r2.got(r2.u) == b""
    assert r2.back()[2] == _q("DELETE FROM t WHERE id < 12")
    r3 = _Rig(cache)
    r3.c.sendall(_q("DELETE FROM t WHERE id < 13"))     # the same shape, not denied: still answered
    assert r3.got(r3.u) == _q("DELETE FROM t WHERE id < 13")
