"""The approval dashboard (``interlock serve``), end to end: a real server process, a real hook
process filing requests, and Debian's chromium driven by Playwright — plus the attacks a local
web endpoint must refuse (CSRF, no session, forged ids, replays, login brute force, rebinding).

Never downloads a browser: /usr/bin/chromium or the browser tests are skipped (scripts/test
installs it).  ``INTERLOCK_UPDATE_SCREENSHOT=1`` refreshes docs/dashboard.png.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, interlock_exe, run_hook
from helpers import SECRET_A, SECRET_B, add_approver, audit_events, codex, decision, file_request, write_policy

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


# --- helpers ------------------------------------------------------------------------------------------------

def hook_decision(cmd, workspace, env):
    return decision(run_hook("codex", codex(cmd, workspace), env)[1])


def _request_json(env, rid):
    from interlock.approvals.store import open_store

    return open_store(env).get(rid).to_dict()


def audit_text(env):
    import sqlite3

    con = sqlite3.connect(os.path.join(env["INTERLOCK_HOME"], "audit.db"))
    try:
        return "\n".join(json.dumps(r) for r in con.execute("SELECT * FROM records"))
    finally:
        con.close()


@pytest.fixture
def dashboard(env):
    """`interlock serve --port 0` as a real process; yields its base URL."""
    p = subprocess.Popen(interlock_exe() + ["serve", "--port", "0"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = p.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not m:
        p.kill()
        raise AssertionError(f"serve did not start: {line!r} {p.stderr.read()}")
    url = m.group(0).rstrip("/")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # listening before it printed; wait until it answers
        try:
            urllib.request.urlopen(url + "/login", timeout=2).read()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


class Client:
    """A plain HTTP client with its own cookie jar (what a script or another site could send)."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def call(self, method, path, form=None, json_body=None, headers=None):
        data = None
        h = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)

    def csrf(self, path="/login"):
        status, body, _ = self.call("GET", path)
        return re.search(r'name="csrf" value="([^"]+)"', body).group(1)

    def login(self, name, secret):
        token = self.csrf()
        return self.call("POST", "/login", form={"csrf": token, "approver": name, "secret": secret})

    def logged_in(self, name, secret):
        status, body, headers = self.login(name, secret)
        assert status == 303 and headers.get("location") == "/", (status, body)
        return self.csrf("/")


# --- the browser flow ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (apt-get install chromium); a browser is never downloaded")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_browser_login_live_pending_approve_then_hook_allows_exactly_once(browser, dashboard, workspace, env,
                                                                         tmp_path):
    add_approver("alice", SECRET_A, env)
    ctx = browser.new_context(viewport={"width": 1200, "height": 480})
    page = ctx.new_page()
    page.goto(dashboard + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=approver]", "alice")
    page.fill("input[name=secret]", SECRET_A)
    page.click("button[type=submit]")
    page.wait_for_url(dashboard + "/")
    assert "Nothing is waiting" in page.inner_text("#pending")
    cookie = next(c for c in ctx.cookies() if c["name"] == "interlock_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    page.evaluate("window.__notReloaded = true")
    rid, _ = file_request("rm -rf src", workspace, env)           # a real hook process files it
    other, _ = file_request("git reset --hard HEAD~3", workspace, env)
    page.wait_for_selector(f"li.request[data-id='{rid}']", timeout=15000)
    page.wait_for_selector(f"li.request[data-id='{other}']", timeout=15000)
    assert page.evaluate("window.__notReloaded") is True        # appeared live, without a reload
    item = page.inner_text(f"li.request[data-id='{rid}']")
    assert "rm -rf src" in item and "destructive" in item and "codex" in item
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("INTERLOCK_UPDATE_SCREENSHOT") == "1":
        page.screenshot(path=os.path.join(ROOT, "docs", "dashboard.png"), full_page=True)
    assert shot.stat().st_size > 10_000

    page.click(f"li.request[data-id='{rid}'] a.open")
    page.wait_for_url(f"{dashboard}/requests/{rid}")
    page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)
    body = page.inner_text("main")
    assert "rm -rf src" in body and "Findings" in body and "Audit trail" in body
    preview = page.inner_text("#impact-section")  # the safeguards' preview when they made one
    impact = [line for f in _request_json(env, rid)["findings"] for line in f.get("impact") or []]
    assert all(line in preview for line in impact) if impact else "no preview" in preview
    assert "create" in page.inner_text("table.trail")
    page.check("input[name=scope][value=once]")
    page.click("button#approve")
    page.wait_for_url(f"{dashboard}/requests/{rid}?done=approved")
    assert page.inner_text("#state") == "approved"
    trail = page.inner_text("table.trail")
    assert "approve" in trail and "alice" in trail and "web" in trail

    assert hook_decision("rm -rf src", workspace, env) == "allow"   # the identical retry: once
    assert hook_decision("rm -rf src", workspace, env) == "deny"    # and only once
    assert hook_decision("git reset --hard HEAD~3", workspace, env) == "deny"  # the other is still pending

    page.goto(dashboard + "/recent")
    row = page.inner_text(f"table.recent >> text={rid}")
    assert rid in row and "consumed" in page.inner_text("table.recent")
    page.goto(f"{dashboard}/requests/{rid}")
    trail = page.inner_text("table.trail")
    assert "consume" in trail and "hook: deny" in trail
    assert not page.query_selector("button#approve")  # decided: nothing to approve any more

    ev = [e for e in audit_events(env, limit=2000) if e.get("id") == rid]
    assert [e["event"] for e in ev] == ["create", "approve", "consume"]
    assert ev[1]["approver"] == "alice" and ev[1]["channel"] == "web"
    assert SECRET_A not in audit_text(env)
    ctx.close()


def test_browser_reject_with_reason(browser, dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(dashboard + "/login")
    page.fill("input[name=approver]", "alice")
    page.fill("input[name=secret]", SECRET_A)
    page.click("button[type=submit]")
    page.wait_for_url(dashboard + "/")
    page.goto(f"{dashboard}/requests/{rid}")
    page.fill("textarea[name=reason]", "use git clean on build/ instead")
    page.click("button#reject")
    page.wait_for_url(f"{dashboard}/requests/{rid}?done=rejected")
    assert page.inner_text("#state") == "rejected"
    _, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert "use git clean on build/ instead" in out["hookSpecificOutput"]["permissionDecisionReason"]
    ctx.close()


# --- attacks -----------------------------------------------------------------------------------------------

def test_csrf_token_is_required_on_every_post(dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    c = Client(dashboard)
    # login itself needs the token of the session that loaded the form
    c.call("GET", "/login")
    status, _, _ = c.call("POST", "/login", form={"approver": "alice", "secret": SECRET_A})
    assert status == 403
    token = c.logged_in("alice", SECRET_A)
    for form, headers in (({}, {}), ({"csrf": "x" * 43}, {}), ({}, {"X-CSRF-Token": "forged"})):
        status, body, _ = c.call("POST", f"/api/approvals/{rid}/approve", form=form, headers=headers)
        assert status == 403 and "CSRF" in body, (form, headers)
    status, _, _ = c.call("POST", f"/api/approvals/{rid}/approve", json_body={"scope": "once"})
    assert status == 403
    # a valid token from another session is not this session's token
    other = Client(dashboard)
    other_token = other.logged_in("alice", SECRET_A)
    status, _, _ = c.call("POST", f"/api/approvals/{rid}/approve", json_body={},
                          headers={"X-CSRF-Token": other_token})
    assert status == 403
    # the right token from a cross-site page is still refused
    status, _, _ = c.call("POST", f"/api/approvals/{rid}/approve", form={"csrf": token},
                          headers={"Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = c.call("POST", "/logout", form={})
    assert status == 403
    assert hook_decision("rm -rf src", workspace, env) == "deny"  # nothing was approved
    # and with the token in the header, the JSON API works
    status, body, _ = c.call("POST", f"/api/approvals/{rid}/approve", json_body={"scope": "once"},
                             headers={"X-CSRF-Token": token})
    assert status == 200 and json.loads(body)["state"] == "approved"


def test_approve_without_a_session_is_refused(dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    anon = Client(dashboard)
    anon_token = anon.csrf()  # an anonymous session's own (valid) token
    for c, headers in ((Client(dashboard), {}), (anon, {"X-CSRF-Token": anon_token})):
        status, body, _ = c.call("POST", f"/api/approvals/{rid}/approve", json_body={}, headers=headers)
        assert status == 401 and "log in" in body
        status, _, _ = c.call("POST", f"/api/approvals/{rid}/reject", json_body={"reason": "x"}, headers=headers)
        assert status == 401
    # a forged or tampered cookie is no session
    c = Client(dashboard)
    token = c.logged_in("alice", SECRET_A)
    cookie = next(k for k in c.jar if k.name == "interlock_session")
    import base64

    body, sig = cookie.value.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["who"] = "mallory"
    fb = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    for value in (f"{fb}.{sig}", body + "." + sig[:-2] + "AA", "garbage"):
        status, _, _ = Client(dashboard).call("POST", f"/api/approvals/{rid}/approve", json_body={},
                                              headers={"X-CSRF-Token": token,
                                                       "Cookie": f"interlock_session={value}"})
        assert status == 401, value
    status, _, headers = Client(dashboard).call("GET", f"/requests/{rid}")
    assert status == 303 and headers["location"] == "/login"
    assert Client(dashboard).call("GET", "/fragments/pending")[0] == 401
    assert hook_decision("rm -rf src", workspace, env) == "deny"
    key = os.path.join(env["INTERLOCK_HOME"], "dashboard.key")
    assert os.stat(key).st_mode & 0o777 == 0o600


def test_forged_ids_are_404(dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    c = Client(dashboard)
    token = c.logged_in("alice", SECRET_A)
    forged = "apr-" + ("2" if rid[4] != "2" else "3") + rid[5:]
    for bad in (forged, "apr-zzzzzz", "apr-7f3k9q'%20OR%201=1%20--", "..%2Fapprovals.db", "x" * 300):
        status, _, _ = c.call("POST", f"/api/approvals/{bad}/approve", json_body={}, headers={"X-CSRF-Token": token})
        assert status == 404, bad
        assert c.call("GET", f"/requests/{bad}")[0] == 404, bad
    assert c.call("POST", f"/api/approvals/{rid}/delete", json_body={}, headers={"X-CSRF-Token": token})[0] == 404
    assert json.loads(c.call("GET", "/api/pending")[1])[0]["state"] == "pending"


def test_replay_of_a_decided_or_used_approval_is_refused(dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    c = Client(dashboard)
    token = c.logged_in("alice", SECRET_A)
    form = {"csrf": token, "scope": "once"}
    status, _, headers = c.call("POST", f"/api/approvals/{rid}/approve", form=form)
    assert status == 303 and headers["location"] == f"/requests/{rid}?done=approved"
    status, body, _ = c.call("POST", f"/api/approvals/{rid}/approve", form=form)  # the same POST again
    assert status == 409 and "already approved" in body
    assert hook_decision("rm -rf src", workspace, env) == "allow"
    status, body, _ = c.call("POST", f"/api/approvals/{rid}/approve", json_body={"scope": "once"},
                             headers={"X-CSRF-Token": token})
    assert status == 409 and "already consumed" in json.loads(body)["error"]
    status, body, _ = c.call("POST", f"/api/approvals/{rid}/reject", json_body={"reason": "late"},
                             headers={"X-CSRF-Token": token})
    assert status == 409
    assert hook_decision("rm -rf src", workspace, env) == "deny"


def test_login_brute_force_is_rate_limited_and_audited(dashboard, workspace, env):
    add_approver("alice", SECRET_A, env)
    c = Client(dashboard)
    statuses = []
    t0 = time.monotonic()
    for i in range(5):
        status, body, _ = c.login("alice", f"guess-number-{i}")
        statuses.append(status)
    assert statuses == [401, 401, 401, 401, 429]
    assert time.monotonic() - t0 >= 4.5  # every wrong guess costs a second
    status, body, _ = c.login("alice", SECRET_A)  # even the right secret waits out the lockout
    assert status == 429 and "Too many failed logins" in body
    status, body, _ = Client(dashboard).login("bob", "another-name-same-client")  # per client, too
    assert status == 429
    ev = audit_events(env, limit=2000)
    assert [e["event"] for e in ev].count("login-failed") == 5
    locked = [e for e in ev if e["event"] == "login-locked"]
    assert locked and locked[0]["approver"] == "alice" and locked[0]["channel"] == "web"
    text = audit_text(env)
    assert "guess-number" not in text and SECRET_A not in text


def test_two_person_rule_holds_in_the_dashboard(dashboard, workspace, env):
    write_policy(env, '[approvals]\nrequire = [{approvers = 2, severity = "destructive"}]\n')
    add_approver("alice", SECRET_A, env)
    add_approver("bob", SECRET_B, env, by=("alice", SECRET_A))
    rid, _ = file_request("rm -rf src", workspace, env)
    a = Client(dashboard)
    ta = a.logged_in("alice", SECRET_A)
    status, body, _ = a.call("POST", f"/api/approvals/{rid}/approve", json_body={}, headers={"X-CSRF-Token": ta})
    assert status == 200 and json.loads(body)["state"] == "pending"
    status, body, _ = a.call("POST", f"/api/approvals/{rid}/approve", json_body={}, headers={"X-CSRF-Token": ta})
    assert status == 409 and "already approved" in body  # the same person twice does not count
    assert hook_decision("rm -rf src", workspace, env) == "deny"
    b = Client(dashboard)
    tb = b.logged_in("bob", SECRET_B)
    status, body, _ = b.call("POST", f"/api/approvals/{rid}/approve", json_body={}, headers={"X-CSRF-Token": tb})
    assert status == 200 and json.loads(body)["approvers"] == ["alice", "bob"]
    assert hook_decision("rm -rf src", workspace, env) == "allow"


def test_unexpected_host_header_is_refused(dashboard, env):
    c = Client(dashboard)
    status, _, _ = c.call("GET", "/login", headers={"Host": "attacker.example:7717"})
    assert status == 400
    status, _, headers = c.call("GET", "/login", headers={"Host": "localhost"})
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]


# --- pieces, and refusing to start unsafely --------------------------------------------------------------

def test_lockout_doubles_and_forgets_after_success():
    from interlock.approvals.web import LOCK_BASE_S, MAX_FAILURES, Throttle

    now = [1000.0]
    t = Throttle(clock=lambda: now[0])
    keys = ["approver:alice", "client:127.0.0.1"]
    locks = [t.failed(keys) for _ in range(MAX_FAILURES + 2)]
    assert locks == [0.0] * (MAX_FAILURES - 1) + [LOCK_BASE_S, 2 * LOCK_BASE_S, 4 * LOCK_BASE_S]
    assert t.locked(["approver:alice"]) == 4 * LOCK_BASE_S and t.locked(["approver:bob"]) == 0
    now[0] += 4 * LOCK_BASE_S + 1
    assert t.locked(keys) == 0
    t.succeeded(keys)
    assert t.failed(keys) == 0.0


def test_session_cookies_are_signed_and_expire():
    from interlock.approvals.web import SESSION_MAX_AGE_S, Sessions

    s = Sessions(b"k" * 32)
    cookie, sess = s.issue("alice")
    assert s.read(cookie)["who"] == "alice"
    assert Sessions(b"x" * 32).read(cookie) is None           # another key
    assert s.read(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
    s.revoke(sess)
    assert s.read(cookie) is None
    old = Sessions(b"k" * 32)
    import time as _t

    real = _t.time
    try:
        _t.time = lambda: real() - SESSION_MAX_AGE_S - 10
        stale, _ = old.issue("alice")
    finally:
        _t.time = real
    assert old.read(stale) is None


def test_serve_refuses_unsafe_setups(env):
    p = subprocess.run(interlock_exe() + ["serve", "--host", "0.0.0.0", "--port", "0"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "plain HTTP" in p.stderr
    os.makedirs(env["INTERLOCK_HOME"], mode=0o700, exist_ok=True)
    key = os.path.join(env["INTERLOCK_HOME"], "dashboard.key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(key, 0o644)
    p = subprocess.run(interlock_exe() + ["serve", "--port", "0"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 1 and "chmod 600" in p.stderr


def test_impact_preview_lines_come_from_the_findings():
    from interlock.approvals.store import Request
    from interlock.approvals.web import impact_of

    r = Request(id="apr-2222aa", findings=[{"rule": "sql.delete", "impact": ["would delete 1,204 rows of bookings",
                                                                           "snapshot: pg_dump of bookings"]},
                                           {"rule": "x", "impact": ["would delete 1,204 rows of bookings"]}])
    assert impact_of(r) == ["would delete 1,204 rows of bookings", "snapshot: pg_dump of bookings"]
    assert impact_of(Request(id="apr-2222ab", findings=[{"rule": "fs.delete-source"}])) == []
