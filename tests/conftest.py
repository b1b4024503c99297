"""Shared fixtures: a real git workspace and a fake home, isolated per test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Hooks started by tests judge in-process (no resident daemon left behind per test);
# tests/test_hookd.py turns the daemon on and checks it answers the same.
os.environ["INTERLOCK_DAEMON"] = "0"
RAILWAY_VAULT_TOKEN = "rw-vault-5b1d7c2e-8f3a-4e6b-9c0d-1a2b3c4d5e6f"  # what the vault holds for route "railway"


@pytest.fixture(scope="session", autouse=True)
def default_ports_taken():
    """Hold every default port Interlock listens on (the gateways', the dashboard's) for the whole
    session, as a developer's own running gateway or dashboard would: a test that leaned on a
    default instead of picking a free port fails on every machine, not only on a busy one.
    A port something else already holds is left to it (it is taken either way)."""
    from interlock.approvals import DASHBOARD_PORT
    from interlock.policy import HTTP_GATEWAY_LISTEN, HTTPS_PROXY_LISTEN, POSTGRES_GATEWAY_LISTEN

    import socket

    held = []
    for listen in (HTTP_GATEWAY_LISTEN, HTTPS_PROXY_LISTEN, POSTGRES_GATEWAY_LISTEN, f"127.0.0.1:{DASHBOARD_PORT}"):
        host, _, port = listen.rpartition(":")
        s = socket.socket()
        try:
            s.bind((host, int(port)))
            s.listen(1)
            held.append(s)
        except OSError:
            s.close()
    yield [s.getsockname()[1] for s in held]
    for s in held:
        s.close()


def interlock_exe():
    """The installed console script next to the running python (what agents run)."""
    cand = os.path.join(os.path.dirname(sys.executable), "interlock")
    if os.path.exists(cand):
        return [cand]
    return [sys.executable, "-m", "interlock"]


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home" / "dev"
    (h / ".ssh").mkdir(parents=True)
    (h / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n")
    (h / ".ssh" / "id_ed25519.pub").write_text("ssh-ed25519 AAAA fake\n")
    (h / ".bashrc").write_text("export PATH=$PATH\n")
    (h / "Documents").mkdir()
    return str(h)


@pytest.fixture
def workspace(tmp_path):
    w = tmp_path / "work" / "proj"
    (w / "src" / "lib").mkdir(parents=True)
    (w / "src" / "app.py").write_text("print('hi')\n")
    (w / "src" / "lib" / "util.py").write_text("X = 1\n")
    (w / "README.md").write_text("# proj\n")
    (w / "node_modules" / "x").mkdir(parents=True)
    (w / "dist").mkdir()
    (w / "build").mkdir()
    (w / "scripts").mkdir()
    (w / "scripts" / "ok.sh").write_text("#!/bin/sh\necho ok\nls -la\n")
    # the incident's shape: a script for another job that holds a live token
    (w / "scripts" / "add_domain.sh").write_text(
        "#!/bin/sh\n# add the custom domain\ncurl -s https://backboard.railway.com/graphql/v2 "
        "-H \"Authorization: Bearer 7c1e9a42-55b1-4d0e-9f3a-2b6c8d1e4f70\" -d @domain.json\n")
    (w / ".env").write_text("RAILWAY_TOKEN=4f6d2a1e-9b7c-4e3f-8a2d-1c5b6e7f8a9b\nDEBUG=1\n")
    (w / "scripts" / "cleanup.sh").write_text("#!/bin/bash\nset -e\necho cleaning\nrm -rf build\nrm -rf \"$HOME\"\n")
    (w / "cleanup.py").write_text("import shutil, os\nshutil.rmtree('build', ignore_errors=True)\n")
    (w / "reset.py").write_text("import os\nimport shutil\n\nshutil.rmtree(os.path.expanduser('~'))\n")
    (w / "package.json").write_text('{"scripts": {"clean": "rm -rf dist build", "nuke": "rm -rf ~/", '
                                    '"test": "pytest -q"}}\n')
    subprocess.run(["git", "init", "-q", "-b", "main", str(w)], check=True)
    return str(w)


@pytest.fixture
def env(tmp_path, home, workspace):
    e = dict(os.environ)
    for k in list(e):
        if k.startswith(("INTERLOCK_", "CLAUDE_", "CURSOR_")) or k in ("XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            del e[k]
    e["HOME"] = home
    e["INTERLOCK_HOME"] = str(tmp_path / "state")
    e["INTERLOCK_DAEMON"] = "0"  # each test judges in-process; tests/test_hookd.py covers the daemon
    e["XDG_CONFIG_HOME"] = str(tmp_path / "home" / "dev" / ".config")
    return e


@pytest.fixture
def railway():
    """The Railway GraphQL stand-in, accepting the vault's token (tests/test_gateway_http.py, test_run.py)."""
    from interlock.standins.railway import RailwayStandIn

    s = RailwayStandIn(token=RAILWAY_VAULT_TOKEN)
    yield s
    s.close()


def run_hook(agent, payload, env, raw=None, timeout=20):
    import json

    data = raw if raw is not None else json.dumps(payload).encode()
    p = subprocess.run(interlock_exe() + ["hook", agent], input=data, capture_output=True, env=env,
                       timeout=timeout)
    out = p.stdout.decode()
    parsed = json.loads(out) if out.strip() else None
    return p.returncode, parsed, p.stderr.decode()


def pretool(tool, tool_input, workspace, env, agent="claude-code", session="t"):
    """One PreToolUse call through the real hook (a long budget: the answer is checked, not the speed): the
    decision and its reason as the agent would get them."""
    payload = {"hook_event_name": "PreToolUse", "session_id": session, "cwd": workspace, "tool_name": tool,
               "tool_input": tool_input}
    code, out, err = run_hook(agent, payload, dict(env, INTERLOCK_HOOK_BUDGET_MS="30000"), timeout=120)
    assert code == 0, err
    hs = (out or {}).get("hookSpecificOutput") or {}
    return hs.get("permissionDecision", "allow"), hs.get("permissionDecisionReason", "")
