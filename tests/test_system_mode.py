"""System mode with real OS users and processes: a service user owns Interlock's state and runs the
daemon; an "agent" OS user tries to read, change, approve, impersonate and unpin — and the OS says no,
whatever the analysis would have said.  Needs root (CI runs as root)."""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import interlock_exe

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="system mode needs root to create users")

SECRET = "alice-system-secret-1"
REACH = []
VAULT_VALUE = "rw-tok-" + secrets.token_hex(12)
MAX_CHILDREN = 6  # the daemon's cap on calls judged at once (init --system writes it)


def _reach(base):
    """argv prefix that lets other users run this interpreter.  When it lives under a directory only
    root may enter (a pyenv under /root), the command runs in a private mount namespace where that
    directory is replaced by a 0755 one holding just the interpreter's tree; the host is untouched."""
    real = os.path.realpath(sys.executable)
    parts = real.split("/")
    for i in range(2, len(parts)):
        d = "/".join(parts[:i])
        if not os.stat(d).st_mode & 0o001:
            child = parts[i]
            fake = os.path.join(base, "reach")
            os.makedirs(os.path.join(fake, child), exist_ok=True)
            os.chmod(fake, 0o755)
            script = (f'mount --bind "{d}/{child}" "{fake}/{child}" && mount --rbind "{fake}" "{d}" && exec "$@"')
            prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"]
            if subprocess.run(prefix + ["true"], capture_output=True).returncode != 0:
                pytest.skip(f"the interpreter under {d} (mode 0700) is out of other users' reach and this "
                            "machine allows no private mount namespace: install Python where users can run it")
            return prefix
    return []


def _anchor_receiver():
    """An off-machine receiver of audit heads (a local HTTP server standing in for one): the posts it got."""
    import http.server
    import threading

    got = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return got, srv


def _useradd(name, home):
    subprocess.run(["useradd", "--no-user-group", "-g", "nogroup", "-M", "-d", home, "-s", "/bin/sh", name],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def system():
    """A system installation under a private root: users, init --system, a running daemon."""
    tag = secrets.token_hex(3)
    svc, agent = f"ilks{tag}", f"ilka{tag}"
    base = tempfile.mkdtemp(prefix="ilk-system-", dir="/tmp")
    os.chmod(base, 0o755)
    global REACH
    REACH = _reach(base)
    agent_home = os.path.join(base, "home", agent)
    ws = os.path.join(agent_home, "proj")
    os.makedirs(os.path.join(ws, "src"))
    with open(os.path.join(ws, "src", "app.py"), "w") as f:
        f.write("print('hi')\n")
    os.makedirs(os.path.join(ws, ".git"))
    _useradd(agent, agent_home)
    a = pwd.getpwnam(agent)
    for root, dirs, files in os.walk(agent_home):
        for n in dirs + files + [""]:
            os.chown(os.path.join(root, n), a.pw_uid, a.pw_gid)
    os.chmod(os.path.join(base, "home"), 0o755)
    config = os.path.join(base, "etc", "interlock", "system.toml")
    anchors, anchor_srv = _anchor_receiver()
    root_env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    root_env.update(INTERLOCK_SYSTEM_ROOT=base, INTERLOCK_SYSTEM_CONFIG=config, INTERLOCK_SERVICE_USER=svc,
                    INTERLOCK_AUDIT_ANCHOR=f"http://127.0.0.1:{anchor_srv.server_address[1]}/anchor",
                    INTERLOCK_AUDIT_ANCHOR_EVERY="0.5", INTERLOCK_SYSTEM_MAX_CHILDREN=str(MAX_CHILDREN))
    p = subprocess.run(interlock_exe() + ["init", "--system"], env=root_env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    svc_pw = pwd.getpwnam(svc)
    put = subprocess.run(REACH + ["setpriv", f"--reuid={svc_pw.pw_uid}", f"--regid={svc_pw.pw_gid}", "--clear-groups",
                                  "--", sys.executable, "-c",
                                  "import os; from interlock.vault import Vault; "
                                  "Vault(os.environ).add('RAILWAY_TOKEN', os.environ.pop('V'))"],
                         env={"PATH": os.environ["PATH"], "INTERLOCK_HOME": os.path.join(base, "var/lib/interlock"),
                              "INTERLOCK_VAULT_BACKEND": "file", "V": VAULT_VALUE, "HOME": "/"},
                         capture_output=True, text=True)
    assert put.returncode == 0, put.stderr
    daemon = subprocess.Popen(REACH + interlock_exe() + ["daemon", "--system"], env=root_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    sock = os.path.join(base, "run", "interlock", "hookd.sock")
    deadline = time.monotonic() + 60
    while not os.path.exists(sock):
        assert daemon.poll() is None, daemon.stderr.read().decode()
        assert time.monotonic() < deadline, "the daemon did not start"
        time.sleep(0.1)
    agent_env = {"PATH": os.environ["PATH"], "HOME": agent_home, "INTERLOCK_SYSTEM_CONFIG": config,
                 "LANG": "C.UTF-8"}
    info = {"base": base, "svc": svc, "agent": agent, "agent_uid": a.pw_uid, "svc_uid": pwd.getpwnam(svc).pw_uid,
            "config": config, "state": os.path.join(base, "var", "lib", "interlock"), "sock": sock, "ws": ws,
            "root_env": root_env, "agent_env": agent_env, "daemon": daemon, "home": agent_home, "anchors": anchors}
    yield info
    anchor_srv.shutdown()
    os.killpg(daemon.pid, signal.SIGTERM)
    daemon.wait(timeout=10)
    for u in (agent, svc):
        subprocess.run(["userdel", u], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def as_agent(system, argv, input=None, env=None, cwd=None):
    """Run ``argv`` as the agent's OS user (setpriv: its uid and gid, no supplementary groups)."""
    cmd = REACH + ["setpriv", f"--reuid={system['agent_uid']}", f"--regid={pwd.getpwnam(system['agent']).pw_gid}",
           "--clear-groups", "--"] + argv
    return subprocess.run(cmd, input=input, env=env or system["agent_env"], capture_output=True, timeout=120,
                          cwd=cwd or system["ws"])


def hook(system, command, env=None):
    payload = json.dumps({"hook_event_name": "PreToolUse", "session_id": "s1", "cwd": system["ws"],
                          "tool_name": "Bash", "tool_input": {"command": command}}).encode()
    p = as_agent(system, interlock_exe() + ["hook", "claude-code"], input=payload, env=env)
    out = json.loads(p.stdout or b"{}")
    hs = out.get("hookSpecificOutput") or {}
    return hs.get("permissionDecision", "allow"), hs.get("permissionDecisionReason", ""), p


def test_layout_is_owned_by_the_service_user(system):
    st = os.stat(system["state"])
    assert st.st_uid == system["svc_uid"] and st.st_mode & 0o777 == 0o700
    run = os.stat(os.path.dirname(system["sock"]))
    assert run.st_uid == system["svc_uid"] and run.st_mode & 0o022 == 0
    cfg = os.stat(system["config"])
    assert cfg.st_uid == 0 and cfg.st_mode & 0o022 == 0
    unit = open(os.path.join(system["base"], "etc/systemd/system/interlock.service")).read()
    assert f"User={system['svc']}" in unit and "daemon --system" in unit
    managed = json.load(open(os.path.join(system["base"], "etc/claude-code/managed-settings.json")))
    cmds = [h["command"] for g in managed["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert any("hook claude-code" in c for c in cmds)
    gem = json.load(open(os.path.join(system["base"], "etc/gemini-cli/settings.json")))
    assert any("hook gemini" in h["command"] for g in gem["hooks"]["BeforeTool"] for h in g["hooks"])


def test_the_daemon_judges_for_the_agent_and_records_its_uid(system):
    assert hook(system, "ls -la")[0] == "allow"
    d, why, _ = hook(system, "rm -rf ~")
    assert d == "deny", why
    import sqlite3

    con = sqlite3.connect(os.path.join(system["state"], "audit.db"))
    extra = [r[0] for r in con.execute("SELECT extra FROM records WHERE action = 'rm -rf ~'")]
    con.close()
    assert extra and f"uid {system['agent_uid']} {system['agent']}" in extra[-1]


def test_the_agent_environment_cannot_move_the_state_or_policy(system):
    """INTERLOCK_HOME, XDG_CONFIG_HOME, HOME set by the agent are not what the daemon judges with."""
    evil = os.path.join(system["home"], "evil")
    os.makedirs(os.path.join(evil, "interlock"), exist_ok=True)
    with open(os.path.join(evil, "interlock", "policy.toml"), "w") as f:
        f.write('[decisions]\ncatastrophic = "allow"\n[[rules]]\nid = "fs.*"\ndecision = "allow"\n')
    env = dict(system["agent_env"], XDG_CONFIG_HOME=evil, INTERLOCK_HOME=evil, HOME="/tmp",
               INTERLOCK_DAEMON="0", INTERLOCK_SYSTEM_CONFIG=system["config"])
    assert hook(system, "rm -rf ~", env=env)[0] == "deny"
    # and a config path that is not root's is refused: deny, never single-user mode
    fake = os.path.join(system["home"], "system.toml")
    with open(fake, "w") as f:
        f.write(f'user = "{system["agent"]}"\n')
    d, why, _ = hook(system, "ls", env=dict(env, INTERLOCK_SYSTEM_CONFIG=fake))
    assert d == "deny" and "must be owned by root" in why


ATTACKS = [
    # (what the agent tries, a shell command run as the agent's OS user)
    ("read the approvals database", "cat {state}/approvals.db"),
    ("write the approvals database", "sqlite3 {state}/approvals.db \"UPDATE requests SET state='approved'\""),
    ("edit the audit log", "sqlite3 {state}/audit.db \"DELETE FROM records\""),
    ("read the audit key", "cat {state}/audit.key"),
    ("read the approvers", "cat {state}/approvers.json"),
    ("list the vault", "ls {state}/vault"),
    ("replace the state directory", "mv {state} {state}.off"),
    ("bind the daemon socket", "python3 -c \"import socket,os; s=socket.socket(socket.AF_UNIX); "
                               "os.unlink('{sock}') if os.path.exists('{sock}') else 0; s.bind('{sock}')\""),
    ("remove the daemon socket", "rm -f {sock}"),
    ("approve through the library", "{py} -c \"import os; os.environ['INTERLOCK_HOME']='{state}'; "
                                    "from interlock.approvals.store import open_store; "
                                    "print(open_store().pending())\""),
    ("read the vault through the library", "{py} -c \"import os; os.environ['INTERLOCK_HOME']='{state}'; "
                                           "from interlock.vault import Vault; print(Vault().get('RAILWAY_TOKEN'))\""),
    ("read the vault files", "cat {state}/vault/key {state}/vault/*"),
    ("rewrite the system configuration", "sh -c 'echo user=\\\"{agent}\\\" > {config}'"),
    ("unpin Claude Code's hook", "sh -c 'echo {{}} > {base}/etc/claude-code/managed-settings.json'"),
    ("unpin Gemini CLI's hook", "rm {base}/etc/gemini-cli/settings.json"),
    ("stop the daemon", "kill -TERM {daemon_pid}"),
]


@pytest.mark.parametrize("what,cmd", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_the_agent_user_cannot_reach_state_socket_config_or_daemon(system, what, cmd):
    line = cmd.format(state=system["state"], sock=system["sock"], py=sys.executable, agent=system["agent"],
                      config=system["config"], base=system["base"], daemon_pid=system["daemon"].pid)
    p = as_agent(system, ["sh", "-c", line])
    assert p.returncode != 0, (what, p.stdout, p.stderr)
    assert VAULT_VALUE.encode() not in p.stdout + p.stderr
    err = (p.stderr + p.stdout).decode(errors="replace").lower()
    assert "permission denied" in err or "operation not permitted" in err or "unable to open" in err \
        or "readonly" in err or "not permitted" in err, (what, err)
    assert system["daemon"].poll() is None and os.path.exists(system["sock"])


def test_approving_needs_the_human_secret_verified_by_the_daemon(system):
    root_env = system["root_env"]

    def cli(args, env, secret=None, user=None):
        fds = ()
        if secret is not None:
            r, w = os.pipe()
            os.write(w, secret.encode() + b"\n")
            os.close(w)
            fds = (r,)
            args = args + ["--secret-fd", str(r)]
        pre = []
        if user:
            pre = REACH + ["setpriv", f"--reuid={system['agent_uid']}", f"--regid={pwd.getpwnam(system['agent']).pw_gid}",
                   "--clear-groups", "--"]
        try:
            return subprocess.run(pre + interlock_exe() + args, env=env, capture_output=True, text=True, timeout=60,
                                  pass_fds=fds, stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            for fd in fds:
                os.close(fd)

    # the agent cannot create the first approver; root can
    p = cli(["approvers", "add", "mallory"], system["agent_env"], secret="mallory-secret-1", user=True)
    assert p.returncode == 1 and "added by root" in p.stderr, p.stderr
    p = cli(["approvers", "add", "alice"], root_env, secret=SECRET)
    assert p.returncode == 0, p.stderr
    # the agent files a request
    d, why, _ = hook(system, "rm -rf src")
    assert d in ("ask", "deny") and "apr-" in why, why
    rid = re.search(r"apr-[a-z0-9]+", why).group(0)
    # ... and tries to approve it: no secret, a wrong one, the library in its own process
    for secret in ("", "guess-guess-1"):
        p = cli(["approve", rid, "--as", "alice"], system["agent_env"], secret=secret, user=True)
        assert p.returncode == 1 and "wrong secret" in p.stderr, p.stderr
    p = cli(["approvers", "add", "mallory"], system["agent_env"], secret="mallory-secret-1", user=True)
    assert p.returncode == 1
    pending = json.loads(cli(["approvals", "--json"], root_env).stdout)
    assert [r["state"] for r in pending if r["id"] == rid] == ["pending"]
    assert hook(system, "rm -rf src")[0] in ("ask", "deny")
    # the person approves with the secret (from any account: the daemon checks the secret)
    p = cli(["approve", rid, "--as", "alice"], system["agent_env"], secret=SECRET, user=True)
    assert p.returncode == 0 and "approved" in p.stdout, p.stderr
    assert hook(system, "rm -rf src")[0] == "allow"
    assert hook(system, "rm -rf src")[0] in ("ask", "deny")  # once


def test_a_listener_that_is_not_the_service_user_is_never_believed(system, tmp_path):
    """A configuration whose socket directory an agent could bind in: its fake 'allow' is refused."""
    fake_run = os.path.join(system["home"], "fake-run")
    os.makedirs(fake_run, exist_ok=True)
    os.chown(fake_run, system["agent_uid"], -1)
    conf_dir = tempfile.mkdtemp(dir="/tmp")
    os.chmod(conf_dir, 0o755)
    conf = os.path.join(conf_dir, "system.toml")
    with open(conf, "w") as f:
        f.write(f'user = "{system["svc"]}"\nstate = "{system["state"]}"\nrun = "{fake_run}"\n')
    fake = os.path.join(fake_run, "hookd.sock")
    server = ("import socket,json,os\n"
              f"s=socket.socket(socket.AF_UNIX); s.bind({fake!r}); os.chmod({fake!r},0o666); s.listen(5)\n"
              "while True:\n"
              "  c,_=s.accept(); c.recv(1<<20)\n"
              "  h=json.dumps({'code':0}).encode()\n"
              "  c.sendall(b'ILS1'+len(h).to_bytes(4,'big')+h+b'{}'); c.close()\n")
    srv = subprocess.Popen(REACH + ["setpriv", f"--reuid={system['agent_uid']}", "--regid=65534", "--clear-groups", "--",
                            sys.executable, "-c", server], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(fake):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        d, why, _ = hook(system, "rm -rf ~", env=dict(system["agent_env"], INTERLOCK_SYSTEM_CONFIG=conf))
        assert d == "deny" and "not the Interlock service's socket" in why, why
    finally:
        os.killpg(srv.pid, signal.SIGTERM)
        srv.wait()
        shutil.rmtree(conf_dir, ignore_errors=True)


def test_no_daemon_means_deny(system):
    """Stopped daemon: no in-process fallback, every call denies (also `ls`)."""
    conf_dir = tempfile.mkdtemp(dir="/tmp")
    os.chmod(conf_dir, 0o755)
    conf = os.path.join(conf_dir, "system.toml")
    empty_run = os.path.join(conf_dir, "run")
    os.makedirs(empty_run)
    with open(conf, "w") as f:
        f.write(f'user = "{system["svc"]}"\nstate = "{system["state"]}"\nrun = "{empty_run}"\n')
    try:
        d, why, _ = hook(system, "ls", env=dict(system["agent_env"], INTERLOCK_SYSTEM_CONFIG=conf))
        assert d == "deny" and "did not answer" in why, why
    finally:
        shutil.rmtree(conf_dir, ignore_errors=True)


def test_over_its_cap_of_children_the_daemon_answers_busy_never_allow(system):
    """Callers that connect and hold their call open (a flood, or hooks waiting for a human) fill
    the daemon's cap: the next hook call is denied "busy" — even `ls` — and once they go, it is
    judged again.  The daemon is never stuck reading a caller."""
    assert f"max_children = {MAX_CHILDREN}" in open(system["config"]).read()
    held = []
    try:
        for _ in range(MAX_CHILDREN):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(system["sock"])
            held.append(s)
        time.sleep(0.5)
        for cmd in ("ls -la", "rm -rf ~"):
            d, why, p = hook(system, cmd)
            assert d == "deny" and "busy" in why and f"cap is {MAX_CHILDREN}" in why, (cmd, why, p.stderr)
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 10
    while True:
        d, why, _ = hook(system, "ls -la")
        if d == "allow" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert d == "allow", why
    assert system["daemon"].poll() is None


def test_one_user_cannot_take_the_last_slots(system):
    """The agent's user floods the daemon: its own calls are then denied "busy", but it cannot take
    the reserved slots — root's `interlock approvals` still goes through the daemon."""
    n = MAX_CHILDREN - min(8, MAX_CHILDREN // 4)
    hold = ("import socket, sys, time\nss = []\nfor _ in range(int(sys.argv[2])):\n"
            "    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); ss.append(s)\n"
            "print('held', flush=True)\ntime.sleep(60)\n")
    holder = subprocess.Popen(REACH + ["setpriv", f"--reuid={system['agent_uid']}",
                                       f"--regid={pwd.getpwnam(system['agent']).pw_gid}", "--clear-groups", "--",
                                       sys.executable, "-c", hold, system["sock"], str(n)],
                              env=system["agent_env"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        time.sleep(0.5)
        d, why, _ = hook(system, "ls -la")
        assert d == "deny" and "busy" in why and f"{n} of them yours" in why, why
        p = subprocess.run(interlock_exe() + ["approvals", "--json"], env=system["root_env"], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0 and "busy" not in p.stdout + p.stderr, p.stdout + p.stderr
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while hook(system, "ls -la")[0] != "allow":
        assert time.monotonic() < deadline, "the daemon did not recover after the flood"
        time.sleep(0.3)


def _recording_upstream():
    """A local API standing in for Railway: the Authorization headers it received."""
    import http.server
    import threading

    got = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            got.append(self.headers.get("Authorization"))
            body = b'{"data": {"me": {"id": "u1"}}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return got, srv


def test_the_vault_reaches_only_the_service_run_gateway(system):
    """`interlock gateway http --system`, started by root, drops to the service user and reads the
    vault there; the agent's user reaches the API through it (the credential injected upstream) and
    `interlock run` points the agent at it without reading the vault — no value ever reaches the
    agent's user, from the gateway, its process or any CLI path."""
    unit = open(os.path.join(system["base"], "etc/systemd/system/interlock-gateway-http.service")).read()
    assert f"User={system['svc']}" in unit and "gateway http --system" in unit
    units = os.path.join(system["base"], "etc/systemd/system")
    assert "gateway https-proxy --system" in open(os.path.join(units, "interlock-gateway-https-proxy.service")).read()
    assert "gateway mcp --system --name %i" in open(os.path.join(units, "interlock-gateway-mcp@.service")).read()
    assert "gateway postgres --system --upstream %i" in open(os.path.join(units,
                                                                       "interlock-gateway-postgres@.service")).read()
    got, srv = _recording_upstream()
    policy = os.path.join(os.path.dirname(system["config"]), "policy.toml")
    before = open(policy).read() if os.path.exists(policy) else None
    with open(policy, "a") as f:
        f.write(f"""
[gateways.http]
listen = "127.0.0.1:0"
[gateways.http.routes.railway]
upstream = "http://127.0.0.1:{srv.server_address[1]}"
credential = "RAILWAY_TOKEN"
env = {{ RAILWAY_API_URL = "/v1/me" }}
""")
    os.chmod(policy, 0o644)
    gw = subprocess.Popen(REACH + interlock_exe() + ["gateway", "http", "--system"], env=system["root_env"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = gw.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert m, (line, gw.stderr.read() if gw.poll() is not None else "")
        url = m.group(1)
        published = os.path.join(os.path.dirname(system["sock"]), "gateways", "http.json")
        info = json.load(open(published))
        gpid = info["pid"]
        assert os.stat(published).st_uid == system["svc_uid"]
        status = open(f"/proc/{gpid}/status").read()
        assert re.search(rf"^Uid:\s+{system['svc_uid']}\s", status, re.M), status  # runs as the service user
        assert VAULT_VALUE not in open(published).read()

        # the agent's user, straight through the gateway: the credential is injected upstream only
        fetch = "import os, sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())"
        p = as_agent(system, [sys.executable, "-c", fetch, f"{url}/railway/v1/me"])
        assert p.returncode == 0 and b'"u1"' in p.stdout, p.stderr
        assert got[-1] == f"Bearer {VAULT_VALUE}"
        assert VAULT_VALUE.encode() not in p.stdout + p.stderr

        # `interlock run` as the agent's user: pointed at the service's gateway, no value in its environment
        n = len(got)
        p = as_agent(system, interlock_exe() + ["run", "--", sys.executable, "-c",
                                               "import os, json, urllib.request; u = os.environ['RAILWAY_API_URL'];"
                                               "print('URL', u); print(json.dumps(dict(os.environ)));"
                                               "print(urllib.request.urlopen(u).read().decode())"])
        out = p.stdout + p.stderr
        assert p.returncode == 0, out
        assert f"URL {url}/railway/v1/me".encode() in p.stdout, out
        assert len(got) == n + 1 and got[-1] == f"Bearer {VAULT_VALUE}"
        assert VAULT_VALUE.encode() not in out

        # nothing the agent's user can do prints the value: the vault, the gateway's memory and environment
        for argv in (["sh", "-c", f"cat /proc/{gpid}/environ"], ["sh", "-c", f"head -c 64 /proc/{gpid}/mem"],
                     ["sh", "-c", f"cat {system['state']}/vault/*"],
                     interlock_exe() + ["secrets", "vault", "list"],
                     [sys.executable, "-c", "import os; from interlock.vault import Vault; "
                      f"print(Vault(dict(os.environ, INTERLOCK_HOME='{system['state']}', "
                      "INTERLOCK_VAULT_BACKEND='file')).get('RAILWAY_TOKEN'))"]):
            p = as_agent(system, argv, env=dict(system["agent_env"], INTERLOCK_HOME=system["state"]))
            assert VAULT_VALUE.encode() not in p.stdout + p.stderr, argv
            assert p.returncode != 0 or b"RAILWAY_TOKEN" not in p.stdout, argv
        # nor can the agent's user start a "system" gateway of its own (it cannot become the service user)
        p = as_agent(system, interlock_exe() + ["gateway", "http", "--system", "--listen", "127.0.0.1:0"])
        assert p.returncode != 0 and b"must run as" in p.stderr and VAULT_VALUE.encode() not in p.stdout + p.stderr
    finally:
        if gw.poll() is None:
            os.killpg(gw.pid, signal.SIGTERM)
        gw.wait(timeout=10)
        srv.shutdown()
        if before is None:
            os.unlink(policy)
        else:
            with open(policy, "w") as f:
                f.write(before)


def _service_vault_add(system, name, value):
    svc = pwd.getpwnam(system["svc"])
    p = subprocess.run(REACH + ["setpriv", f"--reuid={svc.pw_uid}", f"--regid={svc.pw_gid}", "--clear-groups", "--",
                                sys.executable, "-c", "import os, sys; from interlock.vault import Vault; "
                                "Vault(os.environ).add(sys.argv[1], os.environ.pop('V'))", name],
                       env={"PATH": os.environ["PATH"], "INTERLOCK_HOME": system["state"],
                            "INTERLOCK_VAULT_BACKEND": "file", "V": value, "HOME": "/"},
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_the_postgres_gateway_runs_as_the_service_user(system):
    """`interlock gateway postgres --system`: the database password from the service's vault, the
    agent's user reaches the database through `interlock run` (DATABASE_URL/PG* point at the
    gateway), never the password; a DROP is still judged."""
    from servers import PostgresServer, free_port

    pw = "pg-" + secrets.token_hex(10)
    pg = PostgresServer(pw).start()
    pg.create_db("app")
    port = free_port()
    _service_vault_add(system, "app-db", pw)
    policy = os.path.join(os.path.dirname(system["config"]), "policy.toml")
    before = open(policy).read() if os.path.exists(policy) else None
    with open(policy, "a") as f:
        f.write(f'\n[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\n'
                f'password_vault = "app-db"\n[gateways.postgres.app]\nenv = ["APP_DB_URL"]\nlisten = "127.0.0.1:{port}"\n')
    os.chmod(policy, 0o644)
    # as its unit starts it: no --listen, the policy's address
    gw = subprocess.Popen(REACH + interlock_exe() + ["gateway", "postgres", "--system", "--upstream", "app"],
                          env=system["root_env"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    published = os.path.join(os.path.dirname(system["sock"]), "gateways", "postgres-app.json")
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(published):
            assert gw.poll() is None, gw.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        info = json.load(open(published))
        status = open(f"/proc/{info['pid']}/status").read()
        assert re.search(rf"^Uid:\s+{system['svc_uid']}\s", status, re.M), status
        with pg.connect("app", autocommit=True) as c:
            c.execute("CREATE TABLE bookings (id int)")
        p = as_agent(system, interlock_exe() + ["run", "--", "sh", "-c",
                                               'echo "$APP_DB_URL"; psql -X -Atc "select 41 + 1"; env'])
        out = (p.stdout + p.stderr).decode()
        assert p.returncode == 0, out
        assert f"127.0.0.1:{port}/app" in out and "\n42\n" in out, out
        assert pw not in out
        p = as_agent(system, interlock_exe() + ["run", "--", "psql", "-X", "-Atc", "DROP TABLE bookings"])
        assert p.returncode != 0 and pw not in (p.stdout + p.stderr).decode()
        assert b"Interlock" in p.stderr, p.stderr  # refused by the gateway, not a failed connection
        with pg.connect("app", autocommit=True) as c:
            assert c.execute("SELECT count(*) FROM bookings").fetchone() == (0,)  # the table is still there
    finally:
        try:
            if gw.poll() is None:
                os.killpg(gw.pid, signal.SIGTERM)
            gw.wait(timeout=10)
            err = gw.stderr.read().decode()
        finally:
            pg.stop()
        if before is None:
            os.unlink(policy)
        else:
            with open(policy, "w") as f:
                f.write(before)
    assert pw not in err


def test_doctor_reports_system_mode_and_pinned_hooks(system):
    env = dict(system["root_env"])
    from interlock import system_cli

    got = []
    old = dict(os.environ)
    os.environ["INTERLOCK_SYSTEM_CONFIG"] = system["config"]
    try:
        system_cli.doctor_checks(lambda *a: got.append(a), root=system["base"])
    finally:
        os.environ.clear()
        os.environ.update(old)
    statuses = {a[1]: a[0] for a in got}
    assert statuses[f"system daemon answers as {system['svc']}"] == "ok", got
    assert any(k.startswith("claude-code: hook pinned") and v == "ok" for k, v in statuses.items()), got
    assert any(k.startswith("gemini: hook pinned") and v == "ok" for k, v in statuses.items()), got
    del env


def test_doctor_flags_a_gemini_settings_file_that_disables_the_hook(tmp_path):
    from interlock import system_cli

    home = tmp_path / "h"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text('{"hooksConfig": {"disabled": ["interlock"]}}')
    got = []
    system_cli.doctor_checks(lambda *a: got.append(a), root=str(tmp_path), home=str(home), cwd=str(tmp_path))
    assert any(a[0] == "FAIL" and "disables Interlock's hook" in a[1] for a in got), got


@pytest.mark.parametrize("how", ["bash {f}", "source {f}", "python3 {f}", "sh -c '. {f}'", "cat {f}",
                                 "tar xf {f}", "git apply {f}"])
def test_the_daemon_reads_for_the_agent_only_what_the_agent_could_read(system, how):
    """A confused deputy: the daemon runs as the service user and could read its own key files; naming
    them in a command must not make it read them on the agent's behalf (nor quote them in a reason)."""
    secrets_ = []
    for name in ("audit.key", "approvers.json"):
        p = os.path.join(system["state"], name)
        if os.path.exists(p):
            with open(p) as f:
                secrets_.append((p, f.read()))
    assert secrets_
    for path, text in secrets_:
        d, why, p = hook(system, how.format(f=path))
        blob = (p.stdout + p.stderr).decode(errors="replace")
        for chunk in re.findall(r"[0-9a-f]{16,}", text):
            assert chunk[:16] not in blob, (how, path)



def test_the_audit_head_is_anchored_off_the_machine_and_rewritten_history_shows(system, tmp_path):
    """Even someone holding the service's MAC key (a compromised service user, root) who rewrites a record,
    re-hashes and re-MACs everything after it, cannot match a head already posted elsewhere."""
    for i in range(3):
        hook(system, f"ls -la /tmp/{i}")
    deadline = time.monotonic() + 30
    while not system["anchors"] and time.monotonic() < deadline:
        hook(system, "ls")
        time.sleep(0.5)
    assert system["anchors"], "no head was posted"
    head = system["anchors"][-1]
    assert set(head) >= {"seq", "hash", "mac", "host"} and len(head["mac"]) == 64
    copy = tmp_path / "copy"
    shutil.copytree(system["state"], copy, ignore=shutil.ignore_patterns("vault", "snapshots", "run", "warm"))
    anchor = f"{head['seq']}:{head['hash']}"

    def verify(*extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
        env["INTERLOCK_HOME"] = str(copy)
        return subprocess.run(interlock_exe() + ["log", "--verify", *extra], env=env, capture_output=True, text=True)

    assert verify("--anchor", anchor).returncode == 0
    # rewrite record `seq`, then re-hash and re-MAC it and every later one with the key
    import hmac
    import sqlite3

    from interlock.audit import record_hash

    key = bytes.fromhex(json.load(open(copy / "audit.key"))["key"])
    con = sqlite3.connect(copy / "audit.db")
    con.row_factory = sqlite3.Row
    con.execute("DROP TRIGGER IF EXISTS records_no_update")
    rows = [dict(r) for r in con.execute("SELECT * FROM records ORDER BY seq")]
    prev = None
    for r in rows:
        if r["seq"] == head["seq"]:
            r["decision"], r["action"] = "allow", "(rewritten)"
        if r["seq"] >= head["seq"]:
            if prev is not None:
                r["prev_hash"] = prev
            r["hash"] = record_hash(r)
            r["mac"] = hmac.new(key, b"interlock-audit\0" + r["hash"].encode(), "sha256").hexdigest()
            con.execute("UPDATE records SET decision=?, action=?, prev_hash=?, hash=?, mac=? WHERE seq=?",
                        (r["decision"], r["action"], r["prev_hash"], r["hash"], r["mac"], r["seq"]))
        prev = r["hash"]
    con.commit()
    con.close()
    (copy / "audit.head").write_text(f"{rows[-1]['seq']:020d} {rows[-1]['hash']}\n")
    assert verify().returncode == 0  # with the key, the rewrite passes on its own...
    p = verify("--anchor", anchor)
    assert p.returncode == 1 and f"record {head['seq']}: does not match the anchored head" in p.stdout, p.stdout



def test_log_verify_goes_through_the_daemon_for_any_user(system):
    """The agent's user cannot read the log, but may ask the daemon (the state's owner) to verify it."""
    p = as_agent(system, interlock_exe() + ["log", "--verify"])
    assert p.returncode == 0 and b"chain intact" in p.stdout, p.stdout + p.stderr


def _policy_with(system, text):
    """Append ``text`` to the system policy; a function that puts the policy back."""
    policy = os.path.join(os.path.dirname(system["config"]), "policy.toml")
    before = open(policy).read() if os.path.exists(policy) else None
    with open(policy, "a") as f:
        f.write(text)
    os.chmod(policy, 0o644)

    def restore():
        if before is None:
            os.unlink(policy)
        else:
            with open(policy, "w") as f:
                f.write(before)
    return restore


def _wait_published(system, gw, kind, timeout=90):
    published = os.path.join(os.path.dirname(system["sock"]), "gateways", f"{kind}.json")
    deadline = time.monotonic() + timeout
    while not os.path.exists(published):
        assert gw.poll() is None, gw.stderr.read()
        assert time.monotonic() < deadline, f"the {kind} gateway published nothing"
        time.sleep(0.1)
    info = json.load(open(published))
    assert os.stat(published).st_uid == system["svc_uid"] and os.stat(published).st_mode & 0o777 == 0o644
    status = open(f"/proc/{info['pid']}/status").read()
    assert re.search(rf"^Uid:\s+{system['svc_uid']}\s+{system['svc_uid']}\s", status, re.M), status
    return published, info


def _stop(gw):
    if gw.poll() is None:
        os.killpg(gw.pid, signal.SIGTERM)
    try:
        gw.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(gw.pid, signal.SIGKILL)
        gw.wait(timeout=5)


def service_sql(system, sql, *params):
    """Rows of ``sql`` on the service's audit log, read as the service user (root would leave files
    of its own beside the WAL database that the service then could not open)."""
    if not os.path.exists(os.path.join(system["state"], "audit.db")):
        return []
    svc = pwd.getpwnam(system["svc"])
    code = ("import json, sqlite3, sys; con = sqlite3.connect(sys.argv[1]); "
            "print(json.dumps(con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))")
    p = subprocess.run(REACH + ["setpriv", f"--reuid={svc.pw_uid}", f"--regid={svc.pw_gid}", "--clear-groups", "--",
                                sys.executable, "-c", code, os.path.join(system["state"], "audit.db"), sql,
                                json.dumps(list(params))], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [tuple(r) for r in json.loads(p.stdout)]


def _audit_rows(system, needle):
    return service_sql(system, "SELECT action, decision, extra FROM records WHERE action LIKE ? ORDER BY seq",
                       f"%{needle}%")


HTTPS_CLIENT = r"""
import json, os, sys, urllib.request, urllib.error
def post(url, obj):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:   # HTTPS_PROXY and SSL_CERT_FILE from `interlock run`
            return [r.status, json.loads(r.read())]
    except urllib.error.HTTPError as e:
        return [e.code, json.loads(e.read())]
    except Exception as e:
        return ["ERR", type(e).__name__ + ": " + str(e)]
print(json.dumps({"read": post(sys.argv[1], {"query": "query { me { name } }"}),
                  "delete": post(sys.argv[1], {"query": 'mutation { volumeDelete(volumeId: "%s") }'}),
                  "env": {k: v for k, v in os.environ.items() if "PROXY" in k.upper() or "CERT" in k or "CA" in k}}))
"""


def test_the_https_proxy_runs_as_the_service_user_with_a_ca_key_the_agent_cannot_read(system):
    """`interlock gateway https-proxy --system`: started by root, it drops to the service user, keeps its
    CA key in the service's state, publishes its address and the public trust bundle; the agent's user,
    through `interlock run`, reads with the vault's token injected upstream and has its volumeDelete
    denied and audited — and cannot read the CA key, replace what is published, or start its own."""
    import ssl

    from interlock.standins.railway import VOLUME_ID, RailwayStandIn
    from test_gateway_https_proxy import HOST, _make_certs

    certs = os.path.join(system["base"], "upstream-certs")
    os.makedirs(certs, exist_ok=True)
    upstream_ca, cert, key = _make_certs(certs)
    for p in (certs, upstream_ca):
        os.chmod(p, 0o755 if p == certs else 0o644)
    railway = RailwayStandIn(token=VAULT_VALUE, host=HOST)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    railway.server.socket = ctx.wrap_socket(railway.server.socket, server_side=True)
    https = f"https://{HOST}:{railway.server.server_address[1]}"
    restore = _policy_with(system, f'\n[gateways.http]\nlisten = "127.0.0.1:0"\nproxy_listen = "127.0.0.1:0"\n'
                                   f'proxy_upstream_ca = "{upstream_ca}"\n[gateways.http.routes.railway]\n'
                                   f'upstream = "{https}"\njudge_as = "https://backboard.railway.com"\n'
                                   'credential = "RAILWAY_TOKEN"\n')
    gw = subprocess.Popen(REACH + interlock_exe() + ["gateway", "https-proxy", "--system"], env=system["root_env"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        published, info = _wait_published(system, gw, "https-proxy")
        point = info["point"]
        assert VAULT_VALUE not in open(published).read()
        ca_key = os.path.join(system["state"], "https-proxy", "mitmproxy-ca.pem")
        assert os.path.exists(ca_key) and os.stat(ca_key).st_uid == system["svc_uid"]
        gwdir = os.path.dirname(published)
        assert os.path.dirname(point["SSL_CERT_FILE"]) == gwdir and os.path.dirname(point["NODE_EXTRA_CA_CERTS"]) == gwdir

        # the agent's user, through `interlock run`: pointed at the service's proxy, trusting its CA
        p = as_agent(system, interlock_exe() + ["run", "--", sys.executable, "-c",
                                               HTTPS_CLIENT % VOLUME_ID, f"{https}/graphql/v2"])
        out = (p.stdout + p.stderr).decode()
        assert p.returncode == 0, out
        res = json.loads(p.stdout.decode().strip().splitlines()[-1])
        assert res["env"]["HTTPS_PROXY"] == info["url"] and res["env"]["SSL_CERT_FILE"] == point["SSL_CERT_FILE"]
        assert res["read"] == [200, {"data": {"me": {"name": "Rental Ops"}}}], res  # the vault's token upstream
        assert res["delete"][0] == 403, res
        assert "Deletes a Railway volume" in res["delete"][1]["errors"][0]["message"], res
        assert VOLUME_ID in railway.volumes and len(railway.calls) == 1  # the read only
        assert VAULT_VALUE not in out
        rows = [r for r in _audit_rows(system, "POST https://backboard.railway.com/graphql/v2") if '"https-proxy"' in r[2]]
        assert [r[1] for r in rows] == ["allow", "deny"], rows  # the read, then the delete: denied and recorded

        # the agent's user: the CA key, the service's proxy directory, the published files — out of reach
        agent_env = dict(system["agent_env"], INTERLOCK_HOME=system["state"])
        for argv in (["cat", ca_key], ["ls", os.path.dirname(ca_key)],
                     ["sh", "-c", f"echo '{{}}' > {published}"], ["sh", "-c", f"mv {published} {published}.x"],
                     ["sh", "-c", f"cp /etc/hostname {point['SSL_CERT_FILE']}"],
                     ["sh", "-c", f"ln -sf /tmp/evil.pem {gwdir}/https-proxy-ca-cert.pem.x"],
                     ["sh", "-c", f"cat /proc/{info['pid']}/environ"]):
            p = as_agent(system, argv, env=agent_env)
            assert p.returncode != 0, (argv, p.stdout)
            assert b"PRIVATE KEY" not in p.stdout and VAULT_VALUE.encode() not in p.stdout
        # nor start a "system" proxy of its own, nor have it print the CA
        for extra in ([], ["--print-ca"]):
            p = as_agent(system, interlock_exe() + ["gateway", "https-proxy", "--system", "--listen",
                                                   "127.0.0.1:0"] + extra)
            assert p.returncode != 0 and b"must run as" in p.stderr, p.stderr
        # a fake system configuration pointing `interlock run` at the agent's own gateways is refused
        fake_dir = os.path.join(system["home"], "fake-etc")
        os.makedirs(os.path.join(fake_dir, "run", "gateways"), exist_ok=True)
        with open(os.path.join(fake_dir, "system.toml"), "w") as f:
            f.write(f'user = "{system["agent"]}"\nrun = "{fake_dir}/run"\n')
        with open(os.path.join(fake_dir, "run", "gateways", "https-proxy.json"), "w") as f:
            json.dump({"kind": "https-proxy", "pid": 1, "url": "http://127.0.0.1:1",
                       "point": {"HTTPS_PROXY": "http://127.0.0.1:1"}}, f)
        subprocess.run(["chown", "-R", str(system["agent_uid"]), fake_dir], check=True)
        p = as_agent(system, interlock_exe() + ["run", "--", "env"],
                     env=dict(system["agent_env"], INTERLOCK_SYSTEM_CONFIG=os.path.join(fake_dir, "system.toml")))
        assert p.returncode != 0 and b"must be owned by root" in p.stderr and b"127.0.0.1:1" not in p.stdout
    finally:
        _stop(gw)
        err = gw.stderr.read()
        railway.close()
        restore()
    assert VAULT_VALUE not in err
    assert not os.path.exists(published)  # withdrawn when it stops


MCP_CLIENT = r"""
import json, os, sys
import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

async def main():
    # (the test's system configuration is not /etc's: its path is passed on as an MCP config's env would)
    params = StdioServerParameters(command=sys.argv[1], args=sys.argv[2:],
                                   env={"INTERLOCK_SYSTEM_CONFIG": os.environ["INTERLOCK_SYSTEM_CONFIG"]})
    async with Client(params) as c:
        tools = sorted(t.name for t in (await c.list_tools()).tools)
        listed = await c.call_tool("list_bookings", {})
        drop = await c.call_tool("run_sql", {"sql": "DROP TABLE bookings"})
        print(json.dumps({"tools": tools, "listed": [listed.is_error, listed.content[0].text],
                          "drop": [drop.is_error, drop.content[0].text]}))
anyio.run(main)
"""


def test_the_mcp_gateway_runs_the_server_as_the_service_user_with_the_vaults_secret(system):
    """`interlock gateway mcp --system --name rentals`: started by root, it drops to the service user
    and runs the policy's MCP server there with a secret from the service's vault; the agent's user,
    through the official SDK's client and `interlock mcp-proxy --system`, lists and reads, has its DROP
    TABLE refused and audited with its uid — and cannot read the server's secret, bind or replace the
    gateway's socket, or be pointed at a listener of its own."""
    pytest.importorskip("mcp")
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import mcp_rental_server

    data = os.path.join(system["base"], "mcp-data")
    os.makedirs(data, exist_ok=True)
    db = os.path.join(data, "rentals.db")
    mcp_rental_server.seed(db)
    svc = pwd.getpwnam(system["svc"])
    for p in (data, db):
        os.chown(p, svc.pw_uid, svc.pw_gid)
    os.chmod(data, 0o700)  # the server's data: the service's, out of the agent's reach
    server = [sys.executable, os.path.join(here, "mcp_rental_server.py")]
    restore = _policy_with(system, f'\n[gateways.mcp.rentals]\ncommand = {json.dumps(server)}\n'
                                   f'env = {{ RENTAL_DB = "{db}" }}\nvault_env = {{ RENTAL_TOKEN = "RAILWAY_TOKEN" }}\n')
    gw = subprocess.Popen(REACH + interlock_exe() + ["gateway", "mcp", "--system", "--name", "rentals"],
                          env=system["root_env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          start_new_session=True)
    script = os.path.join(system["base"], "mcp_client.py")
    with open(script, "w") as f:
        f.write(MCP_CLIENT)
    os.chmod(script, 0o644)
    proxy = interlock_exe() + ["mcp-proxy", "--system", "--name", "rentals"]
    try:
        published, info = _wait_published(system, gw, "mcp-rentals")
        sock = info["socket"]
        assert os.stat(sock).st_uid == system["svc_uid"]
        p = as_agent(system, [sys.executable, script] + proxy, env=system["agent_env"])
        out = (p.stdout + p.stderr).decode()
        assert p.returncode == 0, out
        res = json.loads(p.stdout.decode().strip().splitlines()[-1])
        assert "run_sql" in res["tools"] and res["listed"][0] is False and len(json.loads(res["listed"][1])) == 5
        assert res["drop"][0] is True and "Interlock" in res["drop"][1], res
        assert mcp_rental_server_rows(db) == 5  # the table is intact
        assert VAULT_VALUE not in out
        rows = [r for r in _audit_rows(system, "mcp rentals/") if '"gateway": "mcp"' in r[2]]
        assert [r[1] for r in rows][-2:] == ["allow", "deny"], rows
        assert f"uid {system['agent_uid']} {system['agent']}" in rows[-1][2], rows

        # the server ran as the service user with the vault's value; nothing of it reaches the agent's user
        holder = subprocess.Popen(REACH + ["setpriv", f"--reuid={system['agent_uid']}",
                                           f"--regid={pwd.getpwnam(system['agent']).pw_gid}", "--clear-groups", "--",
                                           sys.executable, "-c", MCP_HOLD, *proxy], env=system["agent_env"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=system["ws"])
        assert holder.stdout.readline().strip() == b"up", holder.stderr.read()  # a live session: its server runs
        srv_pids = [int(x) for x in os.listdir("/proc") if x.isdigit() and _cmdline(x).endswith("mcp_rental_server.py")
                    and "bwrap" not in _cmdline(x) and _descends(int(x), info["pid"])]
        assert srv_pids
        for spid in srv_pids:
            assert re.search(rf"^Uid:\s+{system['svc_uid']}\s", open(f"/proc/{spid}/status").read(), re.M)
            assert f"RENTAL_TOKEN={VAULT_VALUE}".encode() in open(f"/proc/{spid}/environ", "rb").read()
            # someone else's code as the service user: Interlock's state and sockets are not in its world
            assert os.listdir(f"/proc/{spid}/root{system['state']}") == []
            assert os.listdir(f"/proc/{spid}/root{os.path.dirname(system['sock'])}") == []
            assert os.path.exists(f"/proc/{spid}/root{db}")
            # ... nor the daemon and the gateways (the same user's processes): its own PID namespace
            nspid = re.search(r"^NSpid:\s+(.*)$", open(f"/proc/{spid}/status").read(), re.M).group(1).split()
            assert len(nspid) >= 2, nspid
            seen = [x for x in os.listdir(f"/proc/{spid}/root/proc") if x.isdigit()]
            assert len(seen) <= 3, seen  # bubblewrap's init and the server: no daemon, no gateway to signal
            q = as_agent(system, ["sh", "-c", f"cat /proc/{spid}/environ; cat /proc/{gw.pid}/environ"])
            assert VAULT_VALUE.encode() not in q.stdout
        holder.stdin.close() if holder.stdin else None
        holder.wait(timeout=30)
        agent_env = dict(system["agent_env"], INTERLOCK_HOME=system["state"])
        gwdir = os.path.dirname(sock)
        for argv in (["cat", db], ["sh", "-c", f"rm -f {sock}"], ["sh", "-c", f"echo '{{}}' > {published}"],
                     [sys.executable, "-c", f"import socket; s = socket.socket(socket.AF_UNIX); s.bind('{gwdir}/x.sock')"],
                     interlock_exe() + ["gateway", "mcp", "--system", "--name", "rentals"]):
            q = as_agent(system, argv, env=agent_env)
            assert q.returncode != 0, (argv, q.stdout)
            assert VAULT_VALUE.encode() not in q.stdout + q.stderr
        # `interlock init --mcp` as the agent's user: the server the system policy runs becomes a client of the
        # service's gateway (the command it named no longer started by this user); uninstall puts it back
        mcp_json = os.path.join(system["ws"], ".mcp.json")
        original = json.dumps({"mcpServers": {"rentals": {"command": "python3", "args": ["rentals.py"]},
                                              "other": {"command": "other-server"}}}, indent=2) + "\n"
        with open(mcp_json, "w") as f:
            f.write(original)
        os.chown(mcp_json, system["agent_uid"], -1)
        q = as_agent(system, interlock_exe() + ["init", "--mcp", "--agent", "claude-code"])
        assert q.returncode == 0, q.stdout + q.stderr
        servers = json.load(open(mcp_json))["mcpServers"]
        assert servers["rentals"]["args"][-4:] == ["mcp-proxy", "--system", "--name", "rentals"], servers
        assert servers["other"]["args"][-3:] == ["other", "--", "other-server"], servers  # not the service's
        entry = servers["rentals"]
        q = as_agent(system, [sys.executable, script, entry["command"], *entry["args"]])
        assert q.returncode == 0 and '"run_sql"' in q.stdout.decode(), q.stderr
        q = as_agent(system, interlock_exe() + ["uninstall", "--agent", "claude-code"])
        assert q.returncode == 0 and open(mcp_json).read() == original, q.stdout + q.stderr
        # the socket itself judges, not the client: raw JSON-RPC, no initialize, straight to tools/call
        raw = ("import json, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
               "s.sendall((json.dumps({'jsonrpc': '2.0', 'id': 7, 'method': 'tools/call', 'params': {'name': "
               "'run_sql', 'arguments': {'sql': 'DROP TABLE bookings'}}}) + '\\n').encode()); "
               "f = s.makefile(); print(f.readline())")
        q = as_agent(system, [sys.executable, "-c", raw, sock])
        answer = json.loads(q.stdout.decode().strip().splitlines()[-1])
        assert answer["id"] == 7 and answer["result"]["isError"] is True, answer
        assert mcp_rental_server_rows(db) == 5
        # a look-alike configuration naming the agent's own listener is never believed
        fake_dir = os.path.join(system["home"], "fake-mcp")
        os.makedirs(os.path.join(fake_dir, "gateways"), exist_ok=True)
        with open(os.path.join(fake_dir, "system.toml"), "w") as f:
            f.write(f'user = "{system["agent"]}"\nrun = "{fake_dir}"\n')
        subprocess.run(["chown", "-R", str(system["agent_uid"]), fake_dir], check=True)
        q = as_agent(system, proxy, input=b"", env=dict(system["agent_env"],
                                                        INTERLOCK_SYSTEM_CONFIG=os.path.join(fake_dir, "system.toml")))
        assert q.returncode != 0 and b"must be owned by root" in q.stderr, q.stderr
    finally:
        _stop(gw)
        err = gw.stderr.read()
        restore()
    assert VAULT_VALUE not in err
    assert not os.path.exists(published) and not os.path.exists(sock)


MCP_HOLD = r"""
import subprocess, sys, time, json
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
p.stdin.write((json.dumps(init) + "\n").encode()); p.stdin.flush()
p.stdout.readline()   # the server is up: the test looks at it now
print("up", flush=True)
time.sleep(3)
p.stdin.close(); p.wait(10)
"""


def _descends(pid, ancestor):
    while pid > 1:
        try:
            pid = int(re.search(r"^PPid:\s+(\d+)", open(f"/proc/{pid}/status").read(), re.M).group(1))
        except (OSError, AttributeError):
            return False
        if pid == ancestor:
            return True
    return False


def _cmdline(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def mcp_rental_server_rows(db):
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM bookings").fetchone()[0]
    finally:
        con.close()
