"""``interlock run -- AGENT`` and ``interlock status`` (issue 8, item 4), with real processes.

The "agent" is a small Python script: it reports the environment it was given, asks
``interlock status``, reads through the HTTP gateway and tries the incident's volumeDelete.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import railway_policy, vault_env

from interlock.standins.railway import VOLUME_ID

VAULT_TOKEN = RAILWAY_VAULT_TOKEN
SECRETS = {"RAILWAY_TOKEN": "4f6d2a1e-9b7c-4e3f-8a2d-1c5b6e7f8a9b",
           "GITHUB_TOKEN": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
           "AWS_ACCESS_KEY_ID": "AKIA" + "IOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY",
           "DATABASE_URL": "postgresql://app:hunter2-db-pass@db.prod.internal:5432/carrental",
           "OPENAI_API_KEY": "sk-proj-" + "x" * 40, "PGPASSWORD": "hunter2-db-pass",
           "SOME_SETTING": "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2",   # a token under a harmless name
           "CACHE_URL": "redis://default:cachepass99@cache.internal:6379"}

AGENT = r"""
import json, os, subprocess, sys, urllib.request, urllib.error
out = {"env": dict(os.environ)}
st = subprocess.run(sys.argv[1:] + ["status", "--json"], capture_output=True, text=True)
out["status"] = json.loads(st.stdout)
url = os.environ.get("RAILWAY_API_URL")
def post(q):
    req = urllib.request.Request(url, data=json.dumps({"query": q}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
if url:
    out["read"] = post("{ me { name } }")
    out["delete"] = post('mutation { volumeDelete(volumeId: "%s") }')
print(json.dumps(out))
sys.exit(7)
""" % VOLUME_ID


@pytest.fixture
def renv(env):
    return vault_env(env, VAULT_TOKEN, drop=("RAILWAY", "AWS_", "PG"))


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def test_run_scrubs_the_environment_and_points_the_agent_at_the_gateway(renv, railway, tmp_path, workspace):
    railway_policy(renv, railway.base)
    agent = tmp_path / "agent.py"
    agent.write_text(AGENT)
    p = subprocess.run(interlock_exe() + ["run", "--", sys.executable, str(agent)] + interlock_exe(),
                       env=dict(renv, **SECRETS), cwd=workspace, capture_output=True, text=True, timeout=120)
    assert p.returncode == 7, p.stderr  # the agent's exit status is run's
    out = json.loads(p.stdout)
    env = out["env"]
    for name, value in SECRETS.items():
        assert name not in env or name == "DATABASE_URL" and value not in env[name]
        assert value not in p.stdout and value not in p.stderr
    assert VAULT_TOKEN not in p.stdout + p.stderr
    assert env["RAILWAY_API_URL"].startswith("http://127.0.0.1:") and \
        env["RAILWAY_API_URL"].endswith("/railway/graphql/v2")
    assert env["INTERLOCK_HOME"] == renv["INTERLOCK_HOME"] and env["PATH"] == renv["PATH"]
    assert "removed from the agent's environment" in p.stderr and "RAILWAY_TOKEN" in p.stderr
    # through the gateway: the read works with the vault's token, the delete never reaches Railway
    assert out["read"] == [200, {"data": {"me": {"name": "Rental Ops"}}}]
    assert out["delete"][0] == 403 and out["delete"][1]["errors"][0]["extensions"]["code"] == "INTERLOCK_DENIED"
    assert len(railway.calls) == 1 and railway.calls[0]["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"
    assert VOLUME_ID in railway.volumes
    # status (asked by the agent while it ran) showed the run and its gateway; after exit all is stopped
    running = out["status"]["running"]
    gw = [r for r in running if r.get("kind") == "http" and r["alive"]]
    run = [r for r in running if r.get("kind") == "run" and r["alive"]]
    assert len(gw) == 1 and len(run) == 1 and run[0]["gateways"][0]["pid"] == gw[0]["pid"]
    time.sleep(0.2)
    assert not _alive(gw[0]["pid"])
    st = subprocess.run(interlock_exe() + ["status"], env=renv, capture_output=True, text=True, timeout=60)
    assert "gateways: none running" in st.stdout and "hook daemon:" in st.stdout
    assert os.listdir(os.path.join(renv["INTERLOCK_HOME"], "run")) == []


def test_run_env_as_the_agent(renv, railway, workspace):
    """`interlock run -- env`: what any agent would see."""
    railway_policy(renv, railway.base)
    p = subprocess.run(interlock_exe() + ["run", "--", "env"], env=dict(renv, **SECRETS), cwd=workspace,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = dict(x.split("=", 1) for x in p.stdout.splitlines() if "=" in x)
    assert not any(k.startswith("AWS_") for k in lines) and "RAILWAY_TOKEN" not in lines
    assert "CACHE_URL" not in lines and "SOME_SETTING" not in lines and "PGPASSWORD" not in lines
    assert "DATABASE_URL" not in lines  # no PostgreSQL gateway declared: no database at all
    assert lines["RAILWAY_API_URL"].startswith("http://127.0.0.1:")


def test_run_without_gateways_and_exit_codes(renv, workspace):
    p = subprocess.run(interlock_exe() + ["run", "--", "sh", "-c", "echo ${RAILWAY_TOKEN:-none}; exit 3"],
                       env=dict(renv, **SECRETS), cwd=workspace, capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and p.stdout.strip() == "none"
    p = subprocess.run(interlock_exe() + ["run", "--", "no-such-agent-xyz"], env=renv, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 127 and "cannot start no-such-agent-xyz" in p.stderr
    p = subprocess.run(interlock_exe() + ["run"], env=renv, capture_output=True, text=True, timeout=60)
    assert p.returncode == 64


def test_signals_are_forwarded_and_gateways_stopped(renv, railway, tmp_path, workspace):
    railway_policy(renv, railway.base)
    marker = tmp_path / "got-term"
    agent = tmp_path / "agent.py"
    agent.write_text("import signal, sys, time\n"
                     f"def h(s, f):\n    open({str(marker)!r}, 'w').write(str(s)); sys.exit(0)\n"
                     "signal.signal(signal.SIGTERM, h)\nprint('ready', flush=True)\ntime.sleep(60)\n")
    p = subprocess.Popen(interlock_exe() + ["run", "--", sys.executable, str(agent)], env=renv, cwd=workspace,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    st = json.loads(subprocess.run(interlock_exe() + ["status", "--json"], env=renv, capture_output=True,
                                   text=True, timeout=60).stdout)
    gw_pids = [r["pid"] for r in st["running"] if r.get("kind") == "http"]
    assert len(gw_pids) == 1 and _alive(gw_pids[0])
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 0
    assert marker.read_text() == str(int(signal.SIGTERM))
    time.sleep(0.2)
    assert not _alive(gw_pids[0])


def test_missing_hooks_are_warned_about(renv, tmp_path, workspace):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "claude"
    fake.write_text("#!/bin/sh\necho fake claude\n")
    fake.chmod(0o755)
    e = dict(renv, PATH=f"{bin_dir}:{renv['PATH']}")
    p = subprocess.run(interlock_exe() + ["run", "--no-gateways", "--", "claude"], env=e, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "fake claude" in p.stdout
    assert "hook is not installed for claude-code" in p.stderr and "interlock init --agent claude-code" in p.stderr
    assert subprocess.run(interlock_exe() + ["init", "--agent", "claude-code"], env=e, cwd=workspace,
                          capture_output=True, text=True, timeout=60).returncode == 0
    p = subprocess.run(interlock_exe() + ["run", "--no-gateways", "--", "claude"], env=e, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "not installed" not in p.stderr


def test_a_gateway_that_cannot_start_stops_the_run(renv, workspace):
    cfg = os.path.join(renv["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write('[gateways.http]\nlisten = "203.0.113.1:1"\n[gateways.http.routes.x]\nupstream = "https://x.example"\n')
    p = subprocess.run(interlock_exe() + ["run", "--", "sh", "-c", "echo AGENT-RAN"], env=renv, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "AGENT-RAN" not in p.stdout and "did not start" in p.stderr


def test_scrub_env_unit():
    from interlock.gateways.run import scrub_env

    env = dict(SECRETS, PATH="/usr/bin", HOME="/home/u", LANG="C.UTF-8", INTERLOCK_HOME="/s", EDITOR="vim",
               GIT_AUTHOR_NAME="A", TERM="xterm", SSH_AUTH_SOCK="/tmp/agent.sock")
    out, removed = scrub_env(env)
    assert set(out) == {"PATH", "HOME", "LANG", "INTERLOCK_HOME", "EDITOR", "GIT_AUTHOR_NAME", "TERM",
                        "SSH_AUTH_SOCK"}
    assert removed == sorted(SECRETS)


def test_postgres_gateway_variables_unit():
    from interlock.gateways.run import _pg_url, _pg_vars

    url = _pg_url("tcp://127.0.0.1:6432", {"url": "postgresql://app@db.prod.internal:5432/carrental"})
    assert url == "postgresql://app@127.0.0.1:6432/carrental"
    assert _pg_vars(url) == {"DATABASE_URL": url, "PGHOST": "127.0.0.1", "PGPORT": "6432",
                             "PGDATABASE": "carrental", "PGUSER": "app"}


def test_run_points_psql_at_the_postgres_gateway(renv, tmp_path, workspace):
    """[gateways.postgres.app]: the agent's DATABASE_URL/PG* lead to the gateway (no password anywhere in
    its environment); a read passes, a DROP TABLE is refused and the table is intact."""
    import shutil

    sys.path.insert(0, os.path.dirname(__file__))
    from servers import PostgresServer, free_port, pg_bin

    try:
        pg_bin("initdb")
    except Exception:
        pytest.skip("PostgreSQL binaries not available")
    if shutil.which("psql") is None:
        pytest.skip("psql not available")
    pw = "upstream-Secret-run-4d1e"
    s = PostgresServer(pw).start()
    try:
        s.create_db("app")
        with s.connect("app", autocommit=True) as c:
            c.execute("CREATE TABLE bookings (id int)")
            c.execute("INSERT INTO bookings SELECT generate_series(1, 50)")
        port = free_port()
        cfg = os.path.join(renv["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{s.port}/app"\n'
                    f'password_vault = "app-db"\n'
                    f'[gateways.postgres.app]\nlisten = "127.0.0.1:{port}"\n')
        assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"], env=renv, input=pw + "\n",
                              capture_output=True, text=True, timeout=60).returncode == 0
        script = ('echo "URL=$DATABASE_URL PW=${PGPASSWORD:-none}"; psql -X -Atc "SELECT count(*) FROM bookings"; '
                  'psql "$DATABASE_URL" -X -Atc "DROP TABLE bookings"; echo "drop=$?"')
        p = subprocess.run(interlock_exe() + ["run", "--", "sh", "-c", script],
                           env=dict(renv, DATABASE_URL=s.url("app"), PGPASSWORD=pw), cwd=workspace,
                           capture_output=True, text=True, timeout=120)
        assert f"URL=postgresql://postgres@127.0.0.1:{port}/app PW=none" in p.stdout, p.stdout + p.stderr
        assert "\n50\n" in p.stdout and "drop=1" in p.stdout, p.stdout + p.stderr
        assert pw not in p.stdout + p.stderr
        with s.connect("app") as c:
            assert c.execute("SELECT count(*) FROM bookings").fetchone()[0] == 50
        with pytest.raises(OSError):
            import socket

            socket.create_connection(("127.0.0.1", port), timeout=1).close()  # stopped with the agent
    finally:
        s.stop()
