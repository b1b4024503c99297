"""Trying the gateways as a newcomer: `interlock standin railway` gives something that is not
production to point them at, and the HTTP gateway's answers carry one Date header."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import GatewayProcess, railway_policy, vault_env
from test_gateway_http import DELETE, READ, Gateway

pytest.importorskip("httpx")


class StandIn(GatewayProcess):
    def __init__(self, env, *args):
        super().__init__(["standin", "railway", *args], env, r"Railway stand-in at (http://127\.0\.0\.1:\d+)/graphql/v2",
                         "stand-in")
        self.base = self.match.group(1)


def _post(url, obj, headers=None):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        r = urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        r = e
    with r:
        return r.status, json.loads(r.read()), r.headers


def test_standin_railway_serves_until_stopped_and_reports_what_reached_it(env):
    s = StandIn(env)
    status, body, _ = _post(s.base + "/graphql/v2", READ)
    assert status == 200 and body["data"]["me"]["name"] == "Rental Ops"
    s.proc.send_signal(signal.SIGTERM)
    out, err = s.proc.communicate(timeout=30)
    assert s.proc.returncode == 0, err
    assert "stopped: 1 request(s) received, volumeDelete calls: 0; the volume is still there" in out


def test_standin_with_a_token_refuses_others(env):
    s = StandIn(dict(env, STANDIN_TOKEN="tok-1234567890abcdef"), "--token-env", "STANDIN_TOKEN")
    try:
        assert _post(s.base + "/graphql/v2", READ)[1]["errors"][0]["message"] == "Not Authorized"
        ok = _post(s.base + "/graphql/v2", READ, {"Authorization": "Bearer tok-1234567890abcdef"})[1]
        assert ok["data"]["me"]["name"] == "Rental Ops"
    finally:
        s.stop()


def test_the_gateway_in_front_of_the_standin_answers_with_one_date_header(env):
    """The README's path for trying the gateway: the stand-in, a route to it, the gateway. Every
    answer — forwarded or refused — has exactly one Date (the upstream's is not passed on twice)."""
    genv = vault_env(env, RAILWAY_VAULT_TOKEN)
    s = StandIn(dict(genv, TOK=RAILWAY_VAULT_TOKEN), "--token-env", "TOK")
    try:
        railway_policy(genv, s.base)
        g = Gateway(genv)
        try:
            status, body, headers = _post(g.railway, READ)
            assert status == 200 and body["data"]["me"]["name"] == "Rental Ops"  # the vault's token was injected
            assert len(headers.get_all("date")) == 1, headers.get_all("date")
            assert len(headers.get_all("server") or []) <= 1
            status, body, headers = _post(g.railway, DELETE)
            assert body["errors"] and "volumeDelete" in json.dumps(body)
            assert len(headers.get_all("date")) == 1
        finally:
            g.stop()
    finally:
        s.proc.send_signal(signal.SIGTERM)
        out, _ = s.proc.communicate(timeout=30)
    assert re.search(r"stopped: 1 request\(s\) received, volumeDelete calls: 0", out), out
