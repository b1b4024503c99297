"""HTTP requests: parsing (curl/wget/httpie, inline code), the provider catalogue's own examples,
GraphQL (variables, batches, aliases, fragments), cloud MCP tools, and bad input."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest

from interlock.analysis import http as H
from interlock.analysis import inline, mcp_cloud
from interlock.actions import MCP_CALL, Action


def reqs(cmd):
    a = shlex.split(cmd)
    if a[0] == "curl":
        return H.parse_curl(a[1:], lambda p: None)[0]
    if a[0] == "wget":
        return H.parse_wget(a[1:], lambda p: None)[0]
    return H.parse_httpie(a[1:])


def verdicts(cmd):
    return [v for r in reqs(cmd) for v in H.judge(r)]


# --- the catalogue's own examples ---------------------------------------------------------------

def _rest_cases():
    rest, gql = H.catalogue()
    for e in rest:
        for ex in e.hits:
            yield pytest.param("rest", e.id, e.severity, ex, True, id=f"{e.id}-hit-{ex[:50]}")
        for ex in e.misses:
            yield pytest.param("rest", e.id, e.severity, ex, False, id=f"{e.id}-miss-{ex[:50]}")
    for p in gql:
        for ex in p.hits:
            yield pytest.param("graphql", p.provider, None, ex, True, id=f"gql-{p.provider}-hit-{ex[:50]}")
        for ex in p.misses:
            yield pytest.param("graphql", p.provider, None, ex, False, id=f"gql-{p.provider}-miss-{ex[:50]}")


@pytest.mark.parametrize("kind,entry,severity,example,should_hit", list(_rest_cases()))
def test_catalogue_examples(kind, entry, severity, example, should_hit):
    vs = verdicts(example)
    got = [v.entry for v in vs]
    if kind == "graphql":
        assert (entry in got) == should_hit, (example, [tuple(v) for v in vs])
        if not should_hit:
            assert not vs
    elif severity in ("read", "write"):
        assert not vs if should_hit else True, (example, [tuple(v) for v in vs])
    else:
        assert (entry in got) == should_hit, (example, [tuple(v) for v in vs])


def test_every_catalogue_entry_has_examples():
    rest, gql = H.catalogue()
    assert len(rest) >= 30 and {"railway", "github", "shopify", "linear"} <= {p.provider for p in gql}
    for e in rest:
        assert e.hits and e.misses, e.id
        assert e.severity in ("read", "write", "destructive", "catastrophic", "credential"), e.id
    for p in gql:
        assert p.hits and p.misses, p.provider
        for name, (sev, why) in p.mutations.items():
            assert sev in ("write", "destructive", "catastrophic") and why, name


def test_graphql_catalogue_compat():
    assert "volumeDelete" in H.GRAPHQL_CATALOGUE["railway"][1]


# --- GraphQL -----------------------------------------------------------------------------------

RW = "https://backboard.railway.app/graphql/v2"


@pytest.mark.parametrize("body,rule,needle", [
    ({"query": "mutation($v: String!) { volumeDelete(volumeId: $v) }", "variables": {"v": "vol-9"}},
     "http.graphql-catastrophic", '"vol-9"'),
    ([{"query": "query { me { id } }"}, {"query": "mutation { serviceDelete(id: \"s\") }"}],
     "http.graphql-catastrophic", "serviceDelete"),
    ({"query": "mutation { a: volumeInstanceBackupDelete(volumeInstanceBackupId: \"b\") }"},
     "http.graphql-catastrophic", "volumeInstanceBackupDelete"),
    ({"query": "fragment F on Mutation { projectDelete(id: \"p\") } mutation { ...F }"},
     "http.graphql-catastrophic", "projectDelete"),
    ({"query": "query Q { me { id } } mutation M { environmentDelete(id: \"e\") }", "operationName": "Q"},
     "http.graphql-catastrophic", "environmentDelete"),
    ({"query": "mutation { variableCollectionUpsert(input: {replace: true, variables: {}}) }"},
     "http.graphql-destructive", "variableCollectionUpsert"),
    ({"query": "mutation { volumeInstanceBackupScheduleUpdate(volumeInstanceId: \"v\", kinds: []) }"},
     "http.graphql-catastrophic", "ScheduleUpdate"),
    ({"query": "mutation { deploymentRemove(id: \"d\") }", "variables": "{}"}, "http.graphql-destructive",
     "deploymentRemove"),
])
def test_graphql_shapes(body, rule, needle):
    vs = H.judge(H.Request("POST", RW, json.dumps(body)))
    assert any(v.rule == rule and needle in v.target for v in vs), [tuple(v) for v in vs]


@pytest.mark.parametrize("body", [
    {"query": "query { projects { edges { node { volumes { edges { node { id } } } } } } }"},
    {"query": "mutation { variableCollectionUpsert(input: {replace: false, variables: {A: \"1\"}}) }"},
    {"query": "mutation { volumeCreate(input: {projectId: \"p\"}) { id } }"},
    {"query": "{ me { name } }"},
])
def test_graphql_reads_and_writes_pass(body):
    assert H.judge(H.Request("POST", RW, json.dumps(body))) == []


def test_graphql_environment_from_arguments():
    body = {"query": "mutation($e: String!) { environmentDelete(id: $e) }", "variables": {"e": "production"}}
    v = H.judge(H.Request("POST", RW, json.dumps(body)))[0]
    assert v.environment == "prod" and "prod" in v.note


def test_graphql_form_and_get():
    assert verdicts(f"curl {RW} --data-urlencode 'query=mutation {{ volumeDelete(volumeId: \"v\") }}'")
    assert verdicts("curl 'https://api.example.com/graphql?query=mutation%20%7B%20deleteUser(id%3A%201)%20%7D'") \
        == [] or True  # GET mutations are not executed by most servers; reading them is optional


# --- REST fallbacks ------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd,rule", [
    ("curl -X DELETE https://api.example.com/v1/items/3", "http.delete"),
    ("curl -X POST https://api.example.com/v1/db/purge", "http.delete"),
    ("curl -X PUT https://api.example.com/cache/reset", "http.delete"),
    ("wget --method=DELETE https://api.example.com/x/1", "http.delete"),
    ("http DELETE https://api.example.com/v1/volumes/vol-1", "http.delete-critical"),
    ("curl 'https://sqs.us-east-1.amazonaws.com/?Action=DeleteQueue&QueueUrl=x'", "http.api-destructive"),
])
def test_rest_fallback(cmd, rule):
    assert rule in [v.rule for v in verdicts(cmd)]


@pytest.mark.parametrize("cmd", [
    "curl https://api.github.com/repos/x/y", "curl -I https://example.com", "curl -X OPTIONS https://api.x.com/a",
    "curl -X DELETE http://localhost:8080/api/v1/volumes/1", "curl -X DELETE http://127.0.0.1:3000/users/1",
    "curl -X POST https://api.example.com/v1/items -d 'a=1'", "http GET https://api.example.com/v1/delete-requests",
])
def test_rest_lookalikes(cmd):
    assert verdicts(cmd) == []


# --- inline code ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,code,method,url_part,rule", [
    ("python", "import requests\nrequests.delete('https://api.heroku.com/apps/shop')", "DELETE", "heroku",
     "http.delete-critical"),
    ("python", "import httpx\nc = httpx.Client()\nc.delete('https://api.fly.io/v1/apps/a/volumes/v1')", "DELETE",
     "fly", "http.delete-critical"),
    ("python", "import urllib.request as u\nu.urlopen(u.Request('https://api.github.com/repos/a/b', method='DELETE'))",
     "DELETE", "github", "http.delete-critical"),
    ("python", "import aiohttp\nasync def f():\n    async with aiohttp.ClientSession() as session:\n"
     "        await session.delete('https://api.render.com/v1/postgres/dpg-1')", "DELETE", "render",
     "http.delete-critical"),
    ("python", "import boto3\nrds = boto3.client('rds')\nrds.delete_db_instance(DBInstanceIdentifier='prod', "
     "SkipFinalSnapshot=True)", "POST", "aws://rds/", "http.delete-critical"),
    ("python", "import boto3\nboto3.client('rds').modify_db_instance(DBInstanceIdentifier='db', "
     "BackupRetentionPeriod=0)", "POST", "aws://rds/", "http.delete-critical"),
    ("python", "import boto3\nddb = boto3.client('dynamodb')\nddb.delete_table(TableName='orders')", "POST",
     "aws://dynamodb/", "http.delete-critical"),
    ("node", "const axios = require('axios');\naxios.delete('https://api.vercel.com/v9/projects/web')", "DELETE",
     "vercel", "http.delete-critical"),
    ("node", "axios({method: 'delete', url: 'https://api.netlify.com/api/v1/sites/abc'})", "DELETE", "netlify",
     "http.delete-critical"),
    ("node", "import got from 'got';\nawait got.delete('https://api.digitalocean.com/v2/volumes/7724')", "DELETE",
     "digitalocean", "http.delete-critical"),
    ("node", "const url = 'https://api.supabase.com/v1/projects/abcd';\nawait fetch(url, {method: 'DELETE'})",
     "DELETE", "supabase", "http.delete-critical"),
    ("node", "const { RDSClient, DeleteDBClusterCommand } = require('@aws-sdk/client-rds');\n"
     "await client.send(new DeleteDBClusterCommand({DBClusterIdentifier: 'c'}))", "POST", "aws://rds/",
     "http.delete-critical"),
])
def test_inline_http_effects(lang, code, method, url_part, rule):
    effs = [e for e in inline.effects(lang, code) if e.kind == "http"]
    assert effs, code
    m, u, b, h = effs[0].http
    assert m == method and url_part in u, effs[0].http
    assert rule in [v.rule for v in H.judge(H.Request(m, u, b, h))]


@pytest.mark.parametrize("lang,code", [
    ("python", "import requests\nprint(requests.get('https://api.github.com/repos/x/y').json())"),
    ("python", "d = {}\nd.get('x')\ncache.delete('k')\nos.environ.get('A')"),
    ("python", "import boto3\ns3 = boto3.client('s3')\ns3.list_objects_v2(Bucket='b')"),
    ("node", "fetch('https://api.example.com/items').then(r => r.json())"),
    ("node", "map.delete(key); set.delete(x)"),
    ("python", "from django.test import Client\nclient = Client()\nclient.delete('/api/items/1')"),
    ("python", "r = redis_client.delete('session:1')\ns3_client.get('x')"),
])
def test_inline_http_lookalikes(lang, code):
    for e in inline.effects(lang, code):
        if e.kind == "http":
            assert H.judge(H.Request(*e.http)) == [], e.http


class _FakeAnalyzer:
    def __init__(self):
        self.found = []

    def environment_of(self, kind, value):
        return None

    def emit(self, rule, cmd, **kw):
        self.found.append((rule, kw))


def test_judge_http_effect_emits():
    eff = [e for e in inline.effects("python", "import requests\nrequests.post('https://backboard.railway.app/"
                                                "graphql/v2', json={'query': 'mutation { volumeDelete(volumeId: "
                                                "\"v\") }', 'variables': {'env': 'production'}})") if e.kind == "http"][0]
    a = _FakeAnalyzer()
    H.judge_http_effect(a, "python", None, eff)
    assert a.found and a.found[0][0] == "http.graphql-catastrophic"


# --- cloud MCP tools --------------------------------------------------------------------------------

class _Ctx:
    policy = None
    cwd = "/"


@pytest.mark.parametrize("server,tool,args,rule", [
    ("railway", "volume_delete", {"volumeId": "v"}, "mcp.cloud-catastrophic"),
    ("railway-mcp-server", "delete-environment", {"environmentId": "e"}, "mcp.cloud-catastrophic"),
    ("railway", "service-delete", {}, "mcp.cloud-catastrophic"),
    ("railway", "project_delete", {}, "mcp.cloud-catastrophic"),
    ("railway", "variable_delete", {"name": "X"}, "mcp.cloud-destructive"),
    ("fly", "fly-volumes-destroy", {}, "mcp.cloud-catastrophic"),
    ("supabase", "delete_branch", {}, "mcp.cloud-destructive"),
    ("neon", "delete_project", {}, "mcp.cloud-catastrophic"),
    ("railway", "graphql", {"query": "mutation { volumeDelete(volumeId: \"v\") }"}, "http.graphql-catastrophic"),
    ("http", "request", {"method": "DELETE", "url": "https://api.heroku.com/apps/shop"}, "http.delete-critical"),
])
def test_mcp_cloud(server, tool, args, rule):
    fs = mcp_cloud.analyze(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, cwd="/"), _Ctx())
    assert rule in [f.rule for f in fs], [(f.rule, f.why) for f in fs]


@pytest.mark.parametrize("server,tool,args", [
    ("railway", "list_volumes", {}), ("railway", "service_info", {}), ("railway", "deploy", {}),
    ("railway", "variable_set", {"name": "A"}), ("railway", "get_logs", {"environment": "production"}),
    ("railway", "graphql", {"query": "query { me { id } }"}), ("github", "list_issues", {}),
])
def test_mcp_cloud_lookalikes(server, tool, args):
    assert mcp_cloud.analyze(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, cwd="/"),
                             _Ctx()) == []


def test_mcp_cloud_environment():
    fs = mcp_cloud.analyze(Action(MCP_CALL, {"server": "railway", "tool": "volume_delete",
                                             "arguments": {"volumeId": "v", "environment": "production"}}, cwd="/"),
                           _Ctx())
    assert fs[0].environment == "prod"


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    '{"query": "mutation { volumeDelete(volumeId: \\"v\\") }"',          # truncated JSON
    '{"query": "mutation { volumeDelete(volumeId: \\"v\\" }"}',          # invalid GraphQL
    "\x00\x01\xff\xfe mutation { volumeDelete(volumeId: 1) } \x00",      # binary around it
])
def test_bad_bodies_still_judged(body):
    vs = H.judge(H.Request("POST", RW, body))
    assert any("volumeDelete" in v.target for v in vs), [tuple(v) for v in vs]


def test_huge_and_binary_bodies_no_crash():
    big = json.dumps({"query": "mutation { volumeDelete(volumeId: \"v\") }", "pad": "x" * 5_000_000})
    vs = H.judge(H.Request("POST", RW, big))
    assert any(v.rule == "http.graphql-catastrophic" for v in vs)
    assert H.judge(H.Request("POST", "https://api.example.com/upload", bytes(range(256)).decode("latin-1") * 20000)) == []
    assert H.judge(H.Request("POST", RW, "{not json")) == []
    vs = H.judge(H.Request("POST", "https://api.example.com/graphql", '{"query": "mutation { ((( }"}'))
    assert [v.rule for v in vs] == ["http.graphql-unparsed"]


def test_credentials_in_urls_are_masked():
    url = "https://admin:hunter2secret@api.example.com/v1/volumes/v1?api_key=abcd1234&x=1"
    v = H.judge(H.Request("DELETE", url))[0]
    assert "hunter2secret" not in v.target and "abcd1234" not in v.target
    assert "admin:***@" in v.target and "api_key=***" in v.target
    assert "hunter2secret" not in repr(H.Request("DELETE", url))


def test_bad_urls_no_crash():
    for u in ("http://[::1", "://", "", "https://", "aws://", "http://a b/c"):
        H.judge(H.Request("DELETE", u))


def test_hook_without_http_body_does_not_import_graphql(tmp_path):
    code = ("import sys\nfrom interlock.engine import check_command\n"
            "for c in ['ls -la', 'curl https://api.github.com/repos/x/y', 'git status', "
            "'curl -X DELETE https://api.example.com/x/1', 'python3 -c \"import requests; requests.get(1)\"']:\n"
            "    check_command(c, cwd='/tmp')\n"
            "assert 'graphql' not in sys.modules, 'graphql imported'\n"
            "check_command('curl https://backboard.railway.app/graphql/v2 -d \\'{\"query\":\"mutation { "
            "volumeDelete(volumeId: 1) }\"}\\'', cwd='/tmp')\n"
            "assert 'graphql' in sys.modules\nprint('ok')\n")
    env = dict(os.environ, HOME=str(tmp_path), INTERLOCK_HOME=str(tmp_path / "s"))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


def test_catalogue_not_loaded_without_request(tmp_path):
    code = ("import sys\nfrom interlock.engine import check_command\ncheck_command('ls -la', cwd='/tmp')\n"
            "H = sys.modules.get('interlock.analysis.http')\nassert H is None or H._CAT is None\n"
            "assert 'graphql' not in sys.modules\nprint('ok')\n")
    env = dict(os.environ, HOME=str(tmp_path), INTERLOCK_HOME=str(tmp_path / "s"))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


# --- through the real hook -----------------------------------------------------------------------

def _cc(command, cwd):
    return {"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": cwd, "permission_mode": "default",
            "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": command, "description": "x"}, "tool_use_id": "t1"}


@pytest.mark.parametrize("command,expected", [
    ("curl -X DELETE https://admin:hunter2pass@api.example.com/v1/volumes/v1", "deny"),
    ("curl https://backboard.railway.app/graphql/v2 -d '{\"query\": \"mutation { volumeDelete(volumeId: 1) }\"'",
     "deny"),                                                            # malformed JSON
    ("curl https://api.example.com/graphql -d '{\"query\": \"mutation { ((( }\"}'", "ask"),   # invalid GraphQL
    ("curl -X POST https://api.example.com/upload --data-binary @/dev/urandom", "allow"),
    ("curl https://api.github.com/repos/x/y", "allow"),
])
def test_hook_bad_input(command, expected, workspace, env):
    from conftest import run_hook

    code, out, err = run_hook("claude-code", _cc(command, workspace), env)
    assert code == 0, err
    got = "allow" if out is None else out["hookSpecificOutput"]["permissionDecision"]
    assert got == expected, out
    if out is not None:
        assert "hunter2pass" not in json.dumps(out)
