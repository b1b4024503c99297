"""Every limit fails closed (issue 16): a request that reaches a size, depth, batch, token, encoding,
content-type or time limit is asked about (or denied) naming the limit — never allowed.  Each test puts the
incident's ``volumeDelete`` (or a DROP) behind the limit and asserts that nothing reached the stand-in /
the database.  Real processes: ``interlock gateway http`` and ``interlock gateway postgres``."""

from __future__ import annotations

import gzip
import json
import os
import socket
import struct
import sys
import urllib.error
import urllib.request
import zlib

import pytest

from conftest import RAILWAY_VAULT_TOKEN
from helpers import GatewayProcess, railway_policy, vault_env

from interlock.standins.railway import VOLUME_ID

sys.path.insert(0, os.path.dirname(__file__))

MUTATION = 'mutation { volumeDelete(volumeId: "%s") }' % VOLUME_ID
DELETE = {"query": MUTATION}


class Gateway(GatewayProcess):
    def __init__(self, env):
        super().__init__(["gateway", "http"], env, r"(http://127\.0\.0\.1:\d+)/")
        self.url = self.match.group(1)
        self.railway = self.url + "/railway/graphql/v2"


def _start(env, railway, extra=""):
    railway_policy(env, railway.base, extra=extra)
    return Gateway(env)


@pytest.fixture
def genv(env):
    return vault_env(env, RAILWAY_VAULT_TOKEN)


@pytest.fixture
def gateway(genv, railway):
    g = _start(genv, railway)
    yield g
    g.stop()


def send(url, data: bytes, headers=None, timeout=60):
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _refused(status, body, railway, want=None):
    assert status in (403, 400, 413, 415), (status, body)
    msg = json.dumps(body)
    assert railway.calls == [] and VOLUME_ID in railway.volumes, "the mutation reached the stand-in"
    if want:
        assert want in msg, msg
    return body


def _asked(status, body, railway, limit_words):
    _refused(status, body, railway)
    ext = body["errors"][0]["extensions"]
    assert ext["decision"] in ("ask", "deny"), ext
    assert "http.request-unread" in ext["rules"] or "http.graphql-catastrophic" in ext["rules"], ext
    assert limit_words in body["errors"][0]["message"], body["errors"][0]["message"]


# --- body size ------------------------------------------------------------------------------------------

def test_a_million_spaces_before_the_mutation_is_still_read(gateway, railway):
    """The incident's bypass: the analysis read only the first 1 MB of a body the gateway accepted (32 MB)."""
    for body in ('{"query": "' + " " * 1_000_000 + MUTATION + '"}',
                 "{" + " " * 1_000_000 + json.dumps(DELETE)[1:]):
        status, obj = send(gateway.railway, body.encode())
        _refused(status, obj, railway)
        assert obj["errors"][0]["extensions"]["decision"] in ("deny", "ask")


def test_a_body_over_the_size_limit_is_refused(genv, railway):
    g = _start(genv, railway, extra="max_body_mb = 1")
    try:
        status, obj = send(g.railway, json.dumps({"query": MUTATION, "pad": "x" * (2 * 1024 * 1024)}).encode())
        _refused(status, obj, railway, "over 1 MB")
        assert status == 413
    finally:
        g.stop()


def test_a_graphql_document_over_the_document_limit_is_asked(gateway, railway):
    status, obj = send(gateway.railway, json.dumps({"query": MUTATION + " " * 1_100_000}).encode())
    _asked(status, obj, railway, "document limit")


# --- content encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, br"])
def test_encoded_bodies_are_decoded_and_judged(gateway, railway, encoding):
    data = json.dumps(DELETE).encode()
    for enc in [e.strip() for e in encoding.split(",")]:
        if enc == "gzip":
            data = gzip.compress(data)
        elif enc == "deflate":
            data = zlib.compress(data)
        else:
            brotli = pytest.importorskip("brotli")
            data = brotli.compress(data)
    status, obj = send(gateway.railway, data, {"Content-Encoding": encoding})
    _refused(status, obj, railway)
    assert status == 403 and "http.graphql-catastrophic" in obj["errors"][0]["extensions"]["rules"], obj


def test_an_encoded_read_is_decoded_and_passes(gateway, railway):
    status, obj = send(gateway.railway, gzip.compress(b'{"query": "query { me { name } }"}'),
                       {"Content-Encoding": "gzip"})
    assert status == 200 and obj["data"]["me"]["name"], obj
    assert "content-encoding" not in {k.lower() for k in railway.calls[-1]["headers"]}


@pytest.mark.parametrize("encoding,data,status", [
    ("zstd", b"(\xb5/\xfd" + b"\x00" * 20, 415),              # an encoding Interlock does not read
    ("compress", b"\x1f\x9d\x90" + b"x" * 20, 415),
    ("gzip", b"\x1f\x8b\x08\x00garbage", 400),                  # a corrupt body
    ("gzip", gzip.compress(json.dumps(DELETE).encode())[:-12], 400),   # truncated
])
def test_unreadable_encodings_are_refused(gateway, railway, encoding, data, status):
    got, obj = send(gateway.railway, data, {"Content-Encoding": encoding})
    _refused(got, obj, railway)
    assert got == status, (got, obj)


def test_a_compression_bomb_is_refused_at_the_size_limit(genv, railway):
    g = _start(genv, railway, extra="max_body_mb = 1")
    try:
        bomb = gzip.compress(json.dumps({"query": MUTATION, "pad": " " * (3 * 1024 * 1024)}).encode())
        assert len(bomb) < 1024 * 1024
        status, obj = send(g.railway, bomb, {"Content-Encoding": "gzip"})
        _refused(status, obj, railway, "decodes to over 1 MB")
        assert status == 413
    finally:
        g.stop()


# --- content types, batches, depth, tokens, persisted queries -------------------------------------------------

def test_an_unknown_content_type_on_a_graphql_endpoint_is_asked(gateway, railway):
    boundary = "XyZ"
    ops = json.dumps({"query": MUTATION, "variables": {}})
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{ops}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n--{boundary}--\r\n")
    status, obj = send(gateway.railway, body.encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    _asked(status, obj, railway, "does not read")


def test_a_batch_over_the_batch_limit_is_asked(gateway, railway):
    batch = [{"query": "query { me { name } }"}] * 100 + [DELETE]
    status, obj = send(gateway.railway, json.dumps(batch).encode())
    _asked(status, obj, railway, "batch limit")


def test_fragments_nested_past_the_depth_limit_are_asked(gateway, railway):
    depth = 30
    q = "mutation { " + "... on Mutation { " * depth + f'volumeDelete(volumeId: "{VOLUME_ID}")' + " }" * depth + " }"
    status, obj = send(gateway.railway, json.dumps({"query": q}).encode())
    _refused(status, obj, railway)
    assert "depth limit" in obj["errors"][0]["message"] or \
        "http.graphql-catastrophic" in obj["errors"][0]["extensions"]["rules"]


def test_json_nested_past_the_parsers_depth_is_asked(gateway, railway):
    body = '{"query": "' + MUTATION + '", "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    status, obj = send(gateway.railway, body.encode())
    _refused(status, obj, railway)


def test_a_document_over_the_token_limit_is_asked(gateway, railway):
    q = "mutation { " + " ".join(f"f{i}" for i in range(60_000)) + f' volumeDelete(volumeId: "{VOLUME_ID}") }}'
    status, obj = send(gateway.railway, json.dumps({"query": q}).encode())
    _refused(status, obj, railway)
    ext = obj["errors"][0]["extensions"]
    assert "http.request-unread" in ext["rules"] or "http.graphql-catastrophic" in ext["rules"], ext


def test_a_persisted_query_without_its_document_is_asked(gateway, railway):
    body = {"operationName": "Wipe", "variables": {"volumeId": VOLUME_ID},
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}
    status, obj = send(gateway.railway, json.dumps(body).encode())
    _asked(status, obj, railway, "persisted query")


# --- the time budget ----------------------------------------------------------------------------------------

def test_the_time_budget_asks_instead_of_allowing(genv, railway):
    g = _start(dict(genv, INTERLOCK_ANALYSIS_SECONDS="0.000001"), railway)
    try:
        status, obj = send(g.railway, json.dumps(DELETE).encode())
        _refused(status, obj, railway, "time budget")
        status, obj = send(g.railway, b'{"query": "query { me { name } }"}')
        assert status == 403 and "time budget" in json.dumps(obj), obj   # even a read: never allowed unjudged
    finally:
        g.stop()


# --- the PostgreSQL gateway: message size and time budget -----------------------------------------------------

from test_gateway_pg import _start as pg_start, direct, execd, genv as pg_genv, pg  # noqa: E402,F401


def _startup(port):
    s = socket.create_connection(("127.0.0.1", port), 10)
    body = b"user\x00agent\x00database\x00app\x00\x00"
    s.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
    buf = b""
    while not buf.endswith(b"Z\x00\x00\x00\x05I"):
        chunk = s.recv(65536)
        assert chunk, buf
        buf += chunk
    return s


def _read_all(s, timeout=30):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if out.endswith(b"Z\x00\x00\x00\x05I") or out.endswith(b"Z\x00\x00\x00\x05E"):
                break
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def test_a_statement_over_the_message_limit_is_refused_and_never_forwarded(pg, pg_genv):
    execd(pg, "DROP TABLE IF EXISTS keepme; CREATE TABLE keepme (id int); INSERT INTO keepme VALUES (1)")
    p, port = pg_start(pg_genv)
    try:
        s = _startup(port)
        q = b"DROP TABLE keepme; --" + b"x" * (64 * 1024 * 1024 + 10) + b"\x00"
        try:
            s.sendall(b"Q" + struct.pack("!I", len(q) + 4) + q[:1 << 20])
        except OSError:
            pass
        out = _read_all(s)
        assert b"08P01" in out and b"bad length" in out, out[:300]
        s.close()
    finally:
        p.terminate()
        p.wait(10)
    assert direct(pg, "SELECT count(*) FROM keepme") == [(1,)]


def test_the_pg_time_budget_holds_statements(pg, pg_genv):
    execd(pg, "DROP TABLE IF EXISTS keepme; CREATE TABLE keepme (id int); INSERT INTO keepme VALUES (1)")
    p, port = pg_start(dict(pg_genv, INTERLOCK_ANALYSIS_SECONDS="0.000001"))
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, dbname="app", user="agent", autocommit=True) as c:
            with pytest.raises(psycopg.Error) as e:
                c.execute("DROP TABLE keepme")
            assert "time budget" in str(e.value) or "time budget" in (e.value.diag.message_detail or "")
    finally:
        p.terminate()
        p.wait(10)
    assert direct(pg, "SELECT count(*) FROM keepme") == [(1,)]


# --- the MCP proxy: the time budget ------------------------------------------------------------------------

def test_the_mcp_time_budget_refuses_the_call(env, workspace, tmp_path):
    pytest.importorskip("mcp")
    from mcp import Client

    import test_gateway_mcp as M

    sys.path.insert(0, M.HERE)
    import mcp_rental_server

    db = str(tmp_path / "rentals.db")
    mcp_rental_server.seed(db)

    async def go():
        params = M.proxied(dict(env, INTERLOCK_ANALYSIS_SECONDS="0.000001"), workspace, "rentals",
                           [sys.executable, M.RENTAL], RENTAL_DB=db)
        async with Client(params, mode="legacy") as c:
            return (await c.call_tool("run_sql", {"sql": "DELETE FROM bookings"}),
                    await c.call_tool("run_sql", {"sql": "SELECT count(*) AS n FROM bookings"}))

    wipe, read = M.run(go)
    for r in (wipe, read):
        assert r.is_error and "time budget" in M.text(r), M.text(r)
    assert M.rows(db) == 5


# --- the attack round's findings ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    '{"query": "' + MUTATION.replace('"', '\\"') + '", "query": "query { me { name } }"}',   # duplicate keys
    json.dumps({"query": [MUTATION]}),                                                        # a non-string document
    json.dumps([[{"query": MUTATION}]]),                                                      # a nested batch
])
def test_bodies_servers_may_read_differently_are_asked(gateway, railway, body):
    status, obj = send(gateway.railway, body.encode())
    _refused(status, obj, railway)
    assert obj["errors"][0]["extensions"]["decision"] in ("ask", "deny"), obj


def test_sql_nested_in_mcp_arguments_is_judged(workspace, env):
    from interlock.actions import MCP_CALL, Action
    from interlock.engine import Context, evaluate

    ctx = Context(str(workspace), env=env)
    for args in ({"params": {"sql": "DROP TABLE bookings"}}, {"batch": [{"statement": "TRUNCATE bookings"}]}):
        a = Action(MCP_CALL, {"server": "postgres", "tool": "run", "arguments": args}, agent="mcp",
                   cwd=str(workspace), workspace=str(workspace))
        d = evaluate(a, ctx)
        assert d.decision != "allow", (args, d)
    a = Action(MCP_CALL, {"server": "postgres", "tool": "run", "arguments": {"params": {"sql": "SELECT 1"}}},
               agent="mcp", cwd=str(workspace), workspace=str(workspace))
    assert evaluate(a, ctx).decision == "allow"
