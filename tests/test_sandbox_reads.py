"""Cloud API reads in a sandbox (issue 17): forwarded to the real API with the route's read-only token, never
with its credential; mutations recorded and answered by the stand-in (or "recorded, not sent"); what the
agent deleted is left out of what it reads back; anything unclear is recorded, never sent.

The "real API" is a Railway stand-in (a real HTTP server, accepting only the read-only token) and a small
recording REST server; the agent is a real process inside a real sandbox, going through the real gateway.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import vault_env

READ_TOKEN = "rw-read-only-0c9e4b7a-31d2-4f58-a6e0-7b2d9c1f3e84"
PLAIN_TOKEN = "plain-write-Secret-6f1a2b3c4d5e"
PLAIN_READ = "plain-read-Secret-9e8d7c6b5a4f"
REAL_ONLY = "a9e1c3b5-7d2f-4e6a-8b0c-1d3f5e7a9b2c"  # a volume the real account has and the stand-in's fixture has not

AGENT = r"""
import json, os, sys, urllib.request, urllib.error
API = os.environ['RAILWAY_API_URL']
base = API.rsplit('/railway/', 1)[0]
out = {}
def call(url, data=None, method=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=dict({'Content-Type': 'application/json'},
                                                                               **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()
def gql(q, **kw):
    s, h, b = call(API, json.dumps(dict({'query': q}, **kw)).encode(), headers={'Authorization': 'Bearer agent-guess'})
    return s, h.get('x-interlock-sandbox'), json.loads(b)
VOLS = 'query { project(id: "%s") { volumes { edges { node { id name volumeInstances { edges { node { volumeId } } } } } } } }' % sys.argv[1]
out['me'] = gql('query { me { name } }')
out['before'] = gql(VOLS)
out['delete'] = gql('mutation { volumeDelete(volumeId: "%s") }' % sys.argv[2])
out['after'] = gql(VOLS)
out['by_variable'] = gql('mutation Del($v: String!) { volumeDelete(volumeId: $v) }', variables={'v': sys.argv[3]})
out['after2'] = gql(VOLS)
# not reads, however they are dressed
from urllib.parse import quote
out['get_mutation'] = call(API + '?query=' + quote('mutation { volumeDelete(volumeId: "%s") }' % sys.argv[3]))[0:3:2]
out['mixed'] = gql('query A { me { name } } mutation B { volumeDelete(volumeId: "%s") }' % sys.argv[3], operationName='A')
s, h, b = call(API, b'{"query": "mutation { volumeDelete(volumeId: ')  # unreadable
out['unreadable'] = (s, b)
out['get_body'] = call(API, json.dumps({'query': 'mutation { volumeDelete(volumeId: "x") }'}).encode(), method='GET')[0:3:2]
# a REST API with a read-only token
out['item1'] = call(base + '/plain/items/1', headers={'Authorization': 'Bearer agent-guess'})[0:3:2]
out['del1'] = call(base + '/plain/items/1', method='DELETE')[0:3:2]
out['item1_after'] = call(base + '/plain/items/1')[0:3:2]
out['item1_sub'] = call(base + '/plain/items/1/notes')[0:3:2]
out['item2'] = call(base + '/plain/items/2')[0:3:2]
out['override'] = call(base + '/plain/items/3', headers={'X-HTTP-Method-Override': 'DELETE'})[0:3:2]
out['variables'] = gql('query { ...V } fragment V on Query { variables(projectId: "p", environmentId: "e") }')
out['persisted'] = call(API + '?extensions=%7B%22persistedQuery%22%3A%7B%22sha256Hash%22%3A%22ab%22%7D%7D')[0:3:2]
# a route with a credential and no read-only token: nothing is sent
out['noread'] = call(base + '/noread/items/1')[0:3:2]
print('RESULT ' + json.dumps(out))
"""


class Recorder:
    """A REST API that records every request (method, path, Authorization) and answers JSON."""

    def __init__(self):
        self.calls = []
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _do(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode() if n else ""
                outer.calls.append({"method": self.command, "path": self.path, "body": body,
                                    "authorization": self.headers.get("Authorization")})
                raw = json.dumps({"path": self.path, "real": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstreams():
    from interlock.standins.railway import PROJECT_ID, RailwayStandIn

    real = RailwayStandIn(token=READ_TOKEN)  # the real API: it accepts only the read-only token here
    real.volumes[REAL_ONLY] = {
        "id": REAL_ONLY, "name": "real-only-volume", "projectId": PROJECT_ID, "createdAt": "2026-01-01T00:00:00.000Z",
        "sizeMB": 100, "instance": {"id": "inst-real-only", "volumeId": REAL_ONLY, "mountPath": "/data",
                                    "state": "READY", "sizeMB": 100, "currentSizeMB": 1.0,
                                    "environmentId": "env-real"},
        "backups": []}
    rest = Recorder()
    yield real, rest
    real.close()
    rest.close()


def _vault_add(e, key, value):
    p = subprocess.run(interlock_exe() + ["secrets", "vault", "add", key], env=e, input=value + "\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def _policy(e, text):
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(textwrap.dedent(text))


@pytest.mark.skipif(not __import__("shutil").which("bwrap"), reason="bubblewrap is not installed")
def test_reads_go_to_the_real_api_with_the_read_token_and_no_mutation_ever_does(env, workspace, upstreams):
    from interlock.standins.railway import PROJECT_ID, VOLUME_ID

    real, rest = upstreams
    e = vault_env(env, RAILWAY_VAULT_TOKEN)
    _vault_add(e, "railway-read", READ_TOKEN)
    _vault_add(e, "plain", PLAIN_TOKEN)
    _vault_add(e, "plain-read", PLAIN_READ)
    _policy(e, f"""
        [gateways.http]
        listen = "127.0.0.1:0"
        [gateways.http.routes.railway]
        upstream = "{real.base}"
        judge_as = "https://backboard.railway.com"
        credential = "railway"
        read_credential = "railway-read"
        env = {{ RAILWAY_API_URL = "/graphql/v2" }}
        [gateways.http.routes.plain]
        upstream = "{rest.base}/api"
        credential = "plain"
        read_credential = "plain-read"
        [gateways.http.routes.noread]
        upstream = "{rest.base}/private"
        credential = "plain"
    """)
    p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", AGENT, PROJECT_ID, REAL_ONLY,
                                          VOLUME_ID], env=e, cwd=workspace, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(p.stdout.split("RESULT ", 1)[1])
    sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
    assert "route railway: reads forwarded to the real API with its read-only token 'railway-read'" in p.stderr
    assert "route noread: reads are NOT forwarded (no read_credential configured" in p.stderr

    def ids(r):
        return [ed["node"]["id"] for ed in r[2]["data"]["project"]["volumes"]["edges"]]
    # reads: the real API's answers (its volume the stand-in's fixture does not have), through the read token
    assert res["me"][2]["data"]["me"]["name"] == "Rental Ops"
    assert sorted(ids(res["before"])) == sorted([VOLUME_ID, REAL_ONLY])
    # the mutation: recorded, not sent; answered by the sandbox's (lenient) stand-in in Railway's shape
    status, hdr, body = res["delete"]
    assert status == 200 and body["data"] == {"volumeDelete": True}, body
    assert body["extensions"]["interlock"]["code"] == "INTERLOCK_SANDBOX_RECORDED"
    # the agent's view stays consistent: the volume it deleted is gone from the real API's next answer
    assert ids(res["after"]) == [VOLUME_ID] and "1 object(s) the sandbox deleted hidden" in res["after"][1]
    assert res["after"][2]["extensions"]["interlock"]["code"] == "INTERLOCK_SANDBOX_OVERLAY"
    assert res["by_variable"][2]["data"] == {"volumeDelete": True}  # an id passed in a variable
    assert ids(res["after2"]) == []
    # not reads, however dressed: recorded, never sent
    for k in ("get_mutation", "mixed", "unreadable", "get_body"):
        assert "INTERLOCK_SANDBOX_RECORDED" in json.dumps(res[k]), (k, res[k])
    # REST: reads forwarded with the read token; the DELETE recorded; what it deleted answers 404 from Interlock
    assert res["item1"][0] == 200 and json.loads(res["item1"][1]) == {"path": "/api/items/1", "real": True}
    assert res["del1"][0] == 202 and "recorded, not sent" in res["del1"][1]
    for k in ("item1_after", "item1_sub"):
        assert res[k][0] == 404 and "interlock_sandbox_deleted" in res[k][1], res[k]
    assert res["item2"][0] == 200
    assert res["override"][0] == 202 and "recorded, not sent" in res["override"][1]  # a GET that would delete
    assert res["variables"][0] == 403 and res["variables"][2]["errors"][0]["extensions"]["code"] == \
        "INTERLOCK_SANDBOX_SECRET_READ"  # a credential read (through a fragment): never sent
    assert "INTERLOCK_SANDBOX_RECORDED" in res["persisted"][1]  # a stored GraphQL operation: unclassifiable
    assert res["noread"][0] == 503 and "interlock_sandbox_no_read_credential" in res["noread"][1]
    assert "do not look for another credential" in res["noread"][1]

    # what reached the real APIs: reads only, each with the read-only token and nothing else
    assert real.calls and all(c["headers"].get("authorization") == f"Bearer {READ_TOKEN}" for c in real.calls)
    assert not real.received("mutation") and not real.received("volumeDelete") and not real.received("variables")
    assert REAL_ONLY in real.volumes and VOLUME_ID in real.volumes
    assert [(c["method"], c["path"]) for c in rest.calls] == [("GET", "/api/items/1"), ("GET", "/api/items/2")]
    assert all(c["authorization"] == f"Bearer {PLAIN_READ}" for c in rest.calls)

    # the change set holds the mutations; no secret anywhere
    d = subprocess.run(interlock_exe() + ["sandbox", "diff", sid, "--json"], env=e, capture_output=True, text=True,
                       timeout=60)
    muts = json.loads(d.stdout)["api_mutations"]
    assert sum("volumeDelete" in (m.get("summary") or "") for m in muts) >= 2
    assert any(m["method"] == "DELETE" and m["path"].endswith("items/1") for m in muts)
    text = subprocess.run(interlock_exe() + ["sandbox", "diff", sid], env=e, capture_output=True, text=True,
                          timeout=60).stdout
    assert "taken for a change: it asks the server to take another method (a method-override header)" in text
    log = subprocess.run(interlock_exe() + ["log", "--json", "--limit", "300"], env=e, capture_output=True,
                         text=True, timeout=60).stdout
    assert "read forwarded with route railway's read-only token" in log
    sbdir = os.path.join(e["INTERLOCK_HOME"], "sandboxes", sid)
    recorded = open(os.path.join(sbdir, "mutations.jsonl")).read()
    for secret in (RAILWAY_VAULT_TOKEN, READ_TOKEN, PLAIN_TOKEN, PLAIN_READ):
        for text in (p.stdout, p.stderr, d.stdout, log, recorded):
            assert secret not in text

    # re-entered: the recorded deletions still hide the volumes from the real API's answers
    again = subprocess.run(interlock_exe() + ["sandbox", "--id", sid, "--", sys.executable, "-c",
                                              "import json, os, urllib.request; q = 'query { project(id: \"%s\") "
                                              "{ volumes { edges { node { id } } } } }'; print(urllib.request.urlopen("
                                              "urllib.request.Request(os.environ['RAILWAY_API_URL'], data=json.dumps("
                                              "{'query': q}).encode(), headers={'Content-Type': 'application/json'}), "
                                              "timeout=20).read().decode())" % PROJECT_ID],
                           env=e, cwd=workspace, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["data"]["project"]["volumes"]["edges"] == []
    assert not real.received("mutation")
    assert subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True,
                          timeout=60).returncode == 0


def test_a_read_token_that_is_the_routes_own_credential_is_not_used(env):
    from interlock.sandbox.standin import read_credential

    e = vault_env(env, RAILWAY_VAULT_TOKEN)
    _vault_add(e, "railway-copy", RAILWAY_VAULT_TOKEN)
    _vault_add(e, "railway-read", READ_TOKEN)
    route = {"upstream": "https://backboard.railway.com", "credential": "railway"}
    assert read_credential("r", dict(route, read_credential="railway"), e)[0] is None
    key, said = read_credential("r", dict(route, read_credential="railway-copy"), e)
    assert key is None and "same token as its credential" in said and RAILWAY_VAULT_TOKEN not in said
    key, said = read_credential("r", dict(route, read_credential="missing"), e)
    assert key is None and "vault has no 'missing'" in said
    assert read_credential("r", route, e) == (None, "no read_credential configured")
    assert read_credential("r", dict(route, read_credential="railway-read"), e)[0] == "railway-read"


@pytest.mark.parametrize("method,body,graphql,query,is_read", [
    ("GET", b"", False, "", True),
    ("GET", b"", False, "q=volumes", True),
    ("POST", b'{"query": "query { me { name } }"}', True, "", True),
    ("POST", b'{"query": "{ me { name } }"}', True, "", True),
    ("POST", b'{"query": "mutation { volumeDelete(volumeId: \\"v\\") }"}', True, "", False),
    ("POST", b'{"query": "query A { me { id } } mutation B { volumeDelete(volumeId: \\"v\\") }", '
             b'"operationName": "A"}', True, "", False),
    ("POST", b'{"query": "subscription { x }"}', True, "", False),
    ("POST", b"{not json", True, "", False),
    ("GET", b"", False, "query=mutation%20%7B%20volumeDelete(volumeId%3A%20%22v%22)%20%7D", False),  # not a GraphQL path
    ("GET", b"", True, "query=mutation%20%7B%20broken", False),
    ("GET", b'{"query": "mutation { a }"}', True, "", False),   # a body on a read method
    ("POST", b"{}", False, "", False), ("PUT", b"{}", False, "", False), ("DELETE", b"", False, "", False),
    # the analysis sees a deletion in a GET (AWS query API): a change, recorded
    ("GET", b"", False, "Action=DeleteDBInstance&DBInstanceIdentifier=prod", False),
    # attack round: a GET the server takes as another method; a stored GraphQL operation; a persisted query
    ("GET", b"", False, "_method=DELETE", False),
    ("GET", b"", False, "OVERRIDE", False),
    ("GET", b"", True, "extensions=%7B%22persistedQuery%22%3A%7B%22sha256Hash%22%3A%22ab%22%7D%7D", False),
    ("POST", b'{"extensions": {"persistedQuery": {"sha256Hash": "ab"}}}', True, "", False),
    ("HEAD", b"", True, "query=mutation%20%7B%20a%20%7D", False),
    # ordinary look-alikes stay reads: a search for the word, a GraphQL query naming a field "mutations"
    ("GET", b"", False, "query=mutation%20testing%20tools", True),
    ("POST", b'{"query": "query { mutations { id } }"}', True, "", True),
])
def test_what_a_sandbox_sends_as_a_read(method, body, graphql, query, is_read, env):
    from interlock.gateways.http import build_action
    from interlock.sandbox.reads import classify

    headers = [("Content-Type", "application/json")]
    if query == "OVERRIDE":
        query, headers = "", headers + [("X-HTTP-Method-Override", "DELETE")]
    host = "https://rds.us-east-1.amazonaws.com/" if "Action=" in query else \
        "https://backboard.railway.com/graphql/v2" if graphql or method != "GET" else "https://api.example.com/search"
    url = host + ("?" + query if query else "")
    action = build_action(method, url, body, headers, "/tmp")
    why = classify(method, body, graphql, query, action, env, headers)
    assert (why is None) is is_read, why


def test_recorded_deletions_are_hidden_from_forwarded_answers(tmp_path):
    from interlock.sandbox.reads import deleted_ids, deleted_paths, hide, under_deleted

    rec = tmp_path / "mutations.jsonl"
    rows = [{"route": "railway", "method": "POST", "path": "graphql/v2",
             "body": json.dumps({"query": 'mutation { volumeDelete(volumeId: "v1") }'})},
            {"route": "railway", "method": "POST", "path": "graphql/v2",
             "body": json.dumps({"query": "mutation D($b: String!) { volumeInstanceBackupDelete("
                                          "volumeInstanceBackupId: $b, volumeInstanceId: \"i2\") }",
                                 "variables": {"b": "b9"}})},
            {"route": "other", "method": "POST", "path": "graphql/v2",
             "body": json.dumps({"query": 'mutation { volumeDelete(volumeId: "v2") }'})},
            {"route": "rest", "method": "DELETE", "path": "things/7"}]
    rec.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    deletes = {"volumeDelete": "volumeId", "volumeInstanceBackupDelete": "volumeInstanceBackupId"}
    ids = deleted_ids(str(rec), "railway", deletes)
    assert ids == {"v1", "b9"}
    answer = {"data": {"project": {"id": "p", "volumes": {"edges": [{"node": {"id": "v1"}}, {"node": {"id": "v2"}}]}},
                       "volume": {"id": "v1", "name": "x"},
                       "instances": [{"id": "i1", "volumeId": "v1"}, {"id": "i2", "volumeId": "v2"}],
                       "backups": [{"id": "b9"}, {"id": "b8"}]}}
    assert hide(answer, ids, ["id", "volumeId"]) == 4
    assert answer["data"] == {"project": {"id": "p", "volumes": {"edges": [{"node": {"id": "v2"}}]}}, "volume": None,
                              "instances": [{"id": "i2", "volumeId": "v2"}], "backups": [{"id": "b8"}]}
    gone = deleted_paths(str(rec), "rest")
    assert gone == ["/things/7"]
    assert under_deleted("things/7", gone) and under_deleted("/things/7/notes/", gone)
    assert under_deleted("things/70", gone) is None and under_deleted("things", gone) is None


def test_a_secret_read_is_found_at_any_depth_and_an_unreadable_one_counts():
    from interlock.sandbox.reads import secret_fields

    names = ["variables"]
    assert secret_fields("POST", b'{"query": "query { me { name } }"}', "", names) == []
    assert secret_fields("POST", b'{"query": "{ a: variables(projectId: \\"p\\") }"}', "", names) == ["variables"]
    assert secret_fields("POST", b'[{"query": "{ me { id } }"}, {"query": "{ variables }"}]', "", names) == ["variables"]
    assert secret_fields("GET", b"", "query=%7B%20variables%20%7D", names) == ["variables"]
    assert secret_fields("POST", b'{"query": "{ broken', "", names) == ["variables"]
    assert secret_fields("POST", b'{"query": "{ variables }"}', "", []) == []
