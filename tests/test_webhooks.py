"""Webhooks, end to end: a real hook process files a request, a detached sender POSTs it to a
local HTTP server (Slack-compatible and generic JSON), retries a failing endpoint with backoff,
and never makes the hook wait — an unreachable or hanging endpoint is logged, not waited for."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import helpers
from helpers import audit_events, write_policy

SLACK_TOKEN_PATH = "/services/T0001/B0001/XyZsecretWebhookToken123"


class Receiver:
    """A local webhook endpoint: records every POST; per path, a script of status codes."""

    def __init__(self, script=None, hang_s=0.0):
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.hang_s = hang_s
        self.got = []  # (path, status answered, body, time)
        rec = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                if self.path.startswith("/hang"):
                    time.sleep(rec.hang_s)
                codes = rec.script.get(self.path.split("?")[0]) or [200]
                code = codes.pop(0) if len(codes) > 1 else codes[0]
                rec.got.append((self.path, code, json.loads(body), time.monotonic(),
                                self.headers.get("Content-Type")))
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting (the /hang case)
                    pass

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n, timeout=20.0, path=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [g for g in self.got if path is None or g[0] == path]
            if len(got) >= n:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {n} POSTs to {path or 'any path'}, got {self.got}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def file_request(cmd, workspace, env):
    """(the request's id, how long the hook took to file it)."""
    t0 = time.monotonic()
    rid, _ = helpers.file_request(cmd, workspace, env)
    return rid, time.monotonic() - t0


def notify_log(env, until=None, timeout=20.0):
    p = os.path.join(env["INTERLOCK_HOME"], "notify.log")
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = open(p).read() if os.path.exists(p) else ""
        if until is None or until in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{until!r} never logged; notify.log: {text!r}")


def test_slack_and_json_webhooks_receive_a_new_request(workspace, env, receiver):
    r = receiver()
    write_policy(env, f"""
[approvals]
dashboard_url = "http://127.0.0.1:7717"
webhooks = [{{url = "{r.url}{SLACK_TOKEN_PATH}", format = "slack"}},
            {{url = "{r.url}/generic", format = "json"}}]
""")
    cmd = "rm -rf src && echo AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
    rid, _ = file_request(cmd, workspace, env)
    slack = r.wait(1, path=SLACK_TOKEN_PATH)[0]
    generic = r.wait(1, path="/generic")[0]

    s = slack[2]
    assert slack[4] == "application/json"
    assert rid in s["text"] and "destructive" in s["text"] and f"http://127.0.0.1:7717/requests/{rid}" in s["text"]
    assert isinstance(s["blocks"], list) and s["blocks"][0]["type"] == "header"
    assert any(b["type"] == "section" and "rm -rf src" in json.dumps(b) for b in s["blocks"])

    g = generic[2]
    assert g["event"] == "approval.requested" and g["request"]["id"] == rid
    assert g["request"]["state"] == "pending" and g["request"]["agent"] == "codex"
    assert g["request"]["target"] and g["request"]["findings"]
    assert g["dashboard"] == f"http://127.0.0.1:7717/requests/{rid}"
    assert g["approve"] == f"interlock approve {rid}"

    for body in (s, g):  # the secret in the command never leaves the machine
        assert "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY" not in json.dumps(body)

    log = notify_log(env, until="delivered to", timeout=10)
    log = notify_log(env, until="(json) after", timeout=10)
    assert f"{rid} webhook delivered to {r.url} (slack) after 1 attempt(s)" in log
    assert "XyZsecretWebhookToken123" not in log  # a Slack webhook URL is a credential
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len([e for e in audit_events(env) if e["event"] == "notify"]) < 2:
        time.sleep(0.05)
    notes = [e["note"] for e in audit_events(env) if e["event"] == "notify" and e["id"] == rid]
    assert len(notes) == 2 and all("XyZsecret" not in n for n in notes)

    # the identical action retried: the same request, not announced again
    rid2, _ = file_request(cmd, workspace, env)
    assert rid2 == rid
    time.sleep(1.0)
    assert len(r.got) == 2


def test_failing_endpoint_is_retried_with_backoff(workspace, env, receiver):
    r = receiver(script={"/flaky": [500, 503, 200]})
    write_policy(env, f"""
[approvals]
webhooks = [{{url = "{r.url}/flaky", retries = 4, backoff_seconds = 0.3}}]
""")
    rid, _ = file_request("rm -rf src", workspace, env)
    got = r.wait(3, path="/flaky")
    assert [g[1] for g in got] == [500, 503, 200]
    gaps = [got[i + 1][3] - got[i][3] for i in range(2)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.55, gaps  # 0.3 s, then doubled
    assert all(g[2]["request"]["id"] == rid for g in got)
    log = notify_log(env, until="after 3 attempt(s)")
    assert f"{rid} webhook delivered to {r.url} (json) after 3 attempt(s): HTTP 200" in log


def test_unreachable_endpoint_does_not_delay_the_hook_and_is_logged(workspace, env, receiver):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    r = receiver(hang_s=6.0)
    # a baseline without webhooks, so "promptly" is measured on this machine
    baseline_env = dict(env, INTERLOCK_HOME=env["INTERLOCK_HOME"] + "-baseline")
    write_policy(baseline_env, "")
    _, base = file_request("rm -rf src", workspace, baseline_env)
    write_policy(env, f"""
[approvals]
webhooks = [{{url = "http://127.0.0.1:{dead}/hook", retries = 2, backoff_seconds = 0.2}},
            {{url = "{r.url}/hang", retries = 0, timeout_seconds = 2}}]
""")
    rid, took = file_request("rm -rf src", workspace, env)
    # the sender needs ≥ 0.6 s of backoff and 2 s of timeout; the hook waits for none of it
    assert took < base + 1.0, (took, base)
    log = notify_log(env, until=f"failed for http://127.0.0.1:{dead} (json) after 3 attempt(s)")
    assert "ConnectionRefusedError" in log
    log = notify_log(env, until=f"failed for {r.url} (json) after 1 attempt(s)", timeout=15)
    assert "timed out" in log or "TimeoutError" in log
    events = [e for e in audit_events(env) if e["event"] == "notify-failed" and e["id"] == rid]
    assert len(events) == 2


def test_no_webhooks_no_sender(workspace, env):
    rid, _ = file_request("rm -rf src", workspace, env)
    time.sleep(0.5)
    assert not os.path.exists(os.path.join(env["INTERLOCK_HOME"], "notify.log"))
    assert not os.path.exists(os.path.join(env["INTERLOCK_HOME"], "notify", rid))


def test_untrusted_project_policy_cannot_add_a_webhook(workspace, env, receiver):
    r = receiver()
    os.makedirs(os.path.join(workspace, ".interlock"), exist_ok=True)
    with open(os.path.join(workspace, ".interlock", "policy.toml"), "w") as f:
        f.write(f'[approvals]\nwebhooks = [{{url = "{r.url}/exfil"}}]\n')
    file_request("rm -rf src", workspace, env)
    time.sleep(1.5)
    assert r.got == []


def test_webhook_policy_is_validated():
    from interlock.policy import PolicyError
    from interlock.policy.schema import validate

    ok = validate(b'[approvals]\nwebhooks = [{url = "https://hooks.slack.com/services/x", format = "slack"}]\n', "p")
    assert ok["approvals"]["webhooks"][0]["format"] == "slack"
    for bad in (b'[approvals]\nwebhooks = [{url = "file:///etc/passwd"}]\n',
                b'[approvals]\nwebhooks = [{url = "https://x", format = "teams"}]\n',
                b'[approvals]\nwebhooks = [{url = "https://x", retries = 99}]\n'):
        with pytest.raises(PolicyError):
            validate(bad, "p")
