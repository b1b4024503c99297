"""The hook daemon: same answers as in-process, the caller's cwd and environment, and
every failure of it falls back to judging in-process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from interlock import hookd

from conftest import run_hook

PAYLOADS = [
    ("claude-code", {"tool_name": "Bash", "tool_input": {"command": "ls -la && git status"}}),
    ("claude-code", {"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}),
    ("claude-code", {"tool_name": "Bash", "tool_input": {"command": "git reset --hard HEAD~3"}}),
    ("claude-code", {"tool_name": "Bash", "tool_input": {"command": "psql -h prod-db.example.com -c 'DROP TABLE bookings'"}}),
    ("claude-code", {"tool_name": "Bash", "tool_input": {"command": "rm -rf node_modules dist && pytest -q"}}),
    ("claude-code", {"tool_name": "Read", "tool_input": {"file_path": "~/.ssh/id_ed25519"}}),
    ("cursor", {"hook_event_name": "beforeShellExecution", "command": "rm -rf ~/Documents"}),
    ("codex", {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}),
]


def _payload(agent, extra, workspace):
    if agent == "claude-code":
        return {"session_id": "s1", "transcript_path": "/dev/null", "cwd": workspace, "permission_mode": "default",
                "hook_event_name": "PreToolUse", **extra}
    if agent == "cursor":
        return {"conversation_id": "c1", "generation_id": "g1", "cwd": workspace, "workspace_roots": [workspace],
                **extra}
    return {"session_id": "s1", "cwd": workspace, "model": "gpt", "permission_mode": "default", "turn_id": "t1",
            "tool_use_id": "u1", **extra}


def _same(result):
    """A hook result with approval ids (random per request) made comparable."""
    import re

    return json.loads(re.sub(r"apr-[0-9a-z]+", "apr-ID", json.dumps(result)))


def _wait_for(pred, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def _audit_vias(env):
    from interlock.audit import AuditLog

    recs = AuditLog(env["INTERLOCK_HOME"]).records(limit=1000)
    extras = [json.loads(r["extra"]) if r["extra"] else {} for r in recs]
    return [x.get("via") for x in extras if "event" in x]  # hook decisions (not approval records)


@pytest.fixture
def denv(env):
    """Environment with the daemon on, and the daemon it starts stopped afterwards."""
    e = dict(env, INTERLOCK_DAEMON="1", INTERLOCK_DAEMON_IDLE="60")
    yield e
    pid = hookd.daemon_pid(e)
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _start(denv, workspace):
    """First call judges in-process and starts the daemon; wait until it listens."""
    code, out, _ = run_hook("claude-code", _payload("claude-code", PAYLOADS[0][1], workspace), denv)
    assert code == 0 and out is None  # allow: Claude Code reads empty output as "no opinion"
    assert _wait_for(lambda: os.path.exists(hookd.socket_path(denv)) and hookd.daemon_pid(denv)), \
        "the first hook call did not start a daemon"


def test_daemon_gives_the_same_answers_as_in_process(denv, env, workspace):
    _start(denv, workspace)
    for agent, extra in PAYLOADS:
        p = _payload(agent, extra, workspace)
        via_daemon = run_hook(agent, p, denv)
        in_process = run_hook(agent, p, dict(env, INTERLOCK_HOME=denv["INTERLOCK_HOME"] + "-inproc"))
        assert _same(via_daemon[:2]) == _same(in_process[:2]), (agent, extra)
    vias = _audit_vias(denv)
    # the start-up call was in-process; every later one was answered by the daemon, except the
    # approvable destructive one (`git reset --hard`: preview and snapshot run in the hook's process)
    assert vias[0] is None and vias[1:] == ["hookd" if "reset" not in json.dumps(x) else None for _, x in PAYLOADS]
    decisions = [run_hook(a, _payload(a, x, workspace), denv) for a, x in PAYLOADS[1:4]]
    assert [d[1]["hookSpecificOutput"]["permissionDecision"] for d in decisions] == ["deny", "ask", "deny"]


def test_bad_input_through_the_daemon_still_fails_closed(denv, workspace):
    _start(denv, workspace)
    for raw in (b"{not json", b"\xff\xfe", b"[1, 2]", b"{}"):
        code, out, _ = run_hook("claude-code", None, denv, raw=raw)
        assert code == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny", raw
    # windsurf answers with exit code 2 only: the daemon relays it
    p = subprocess.run(["interlock", "hook", "windsurf"], input=json.dumps(
        {"agent_action_name": "pre_run_command", "trajectory_id": "t", "execution_id": "e",
         "tool_info": {"command_line": "rm -rf ~", "cwd": workspace}}).encode(), capture_output=True, env=denv)
    assert p.returncode == 2 and b"rm -rf ~" in p.stderr
    assert _audit_vias(denv)[-1] == "hookd"


def test_each_call_is_judged_with_its_own_cwd_and_environment(denv, workspace, tmp_path):
    _start(denv, workspace)
    cfg_a, cfg_b = tmp_path / "cfg-a", tmp_path / "cfg-b"
    (cfg_b / "interlock").mkdir(parents=True)
    (cfg_b / "interlock" / "policy.toml").write_text(
        '[[rules]]\nid = "git.reset-hard"\ndecision = "deny"\nreason = "never discard work here"\n')
    p = _payload("claude-code", {"tool_name": "Bash", "tool_input": {"command": "git reset --hard"}}, workspace)
    a = run_hook("claude-code", p, dict(denv, XDG_CONFIG_HOME=str(cfg_a)))
    b = run_hook("claude-code", p, dict(denv, XDG_CONFIG_HOME=str(cfg_b)))
    assert a[1]["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert b[1]["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "never discard work here" in b[1]["hookSpecificOutput"]["permissionDecisionReason"]
    # a relative path means what it means in the hook's cwd, not the daemon's
    def cursor_from(cwd):
        r = subprocess.run(["interlock", "hook", "cursor"], cwd=cwd, env=denv, capture_output=True, input=json.dumps(
            {"hook_event_name": "beforeShellExecution", "command": "cat id_ed25519", "cwd": ""}).encode())
        return json.loads(r.stdout)["permission"]

    assert cursor_from(workspace) == "allow"
    assert cursor_from(os.path.join(denv["HOME"], ".ssh")) == "deny"
    assert _audit_vias(denv)[-2:] == ["hookd", "hookd"]  # both cursor calls answered by the daemon


def test_a_broken_daemon_means_in_process_judging(env, workspace, tmp_path):
    """Whatever listens on the socket, a bad or missing reply never becomes an answer."""
    e = dict(env, INTERLOCK_DAEMON="1")
    path = hookd.socket_path(e)
    os.makedirs(os.path.dirname(path), mode=0o700)
    import fcntl

    lock = os.open(path[:-5] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # the daemons the fallback starts find it taken and leave
    with open(os.open(path[:-5] + ".key", os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
        f.write(os.urandom(32))  # a daemon's key the fake does not hold
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    allow = b"\x00" + (0).to_bytes(4, "big")  # code 0, no output: "allow" to Claude Code
    replies = [b"", b"garbage", b"ILR2" + bytes(32) + b"\x00\x00\x00\xff\xff", b"ILR2" + bytes(32) + allow,
               b"ILR1" + allow, b"ILR2" + os.urandom(32) + allow]
    served = []

    def fake():
        for r in replies:
            c, _ = srv.accept()
            c.recv(1 << 20)
            c.sendall(r)
            c.close()
            served.append(r)

    t = threading.Thread(target=fake, daemon=True)
    t.start()
    try:
        for _ in replies:
            code, out, _ = run_hook("claude-code", _payload("claude-code", PAYLOADS[1][1], workspace), e)
            assert code == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny"
        t.join(5)
        assert served == replies
    finally:
        srv.close()
        os.close(lock)


def test_daemon_off_means_no_daemon(env, workspace):
    code, out, _ = run_hook("claude-code", _payload("claude-code", PAYLOADS[1][1], workspace), env)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    time.sleep(0.5)
    assert not os.path.exists(os.path.dirname(hookd.socket_path(env)))


def test_daemon_exits_when_idle_and_when_its_state_dir_goes(env, tmp_path):
    e = dict(env, INTERLOCK_DAEMON_IDLE="0.5")
    p = subprocess.Popen([sys.executable, "-P", "-m", "interlock.hookd", e["INTERLOCK_HOME"]], env=e)
    assert p.wait(timeout=60) == 0
    e2 = dict(env, INTERLOCK_HOME=str(tmp_path / "state2"), INTERLOCK_DAEMON_IDLE="600")
    p2 = subprocess.Popen([sys.executable, "-P", "-m", "interlock.hookd", e2["INTERLOCK_HOME"]], env=e2)
    assert _wait_for(lambda: os.path.exists(hookd.socket_path(e2)), 60)
    os.unlink(hookd.socket_path(e2))
    assert p2.wait(timeout=30) == 0


def test_only_one_daemon_per_state_dir(env):
    e = dict(env, INTERLOCK_DAEMON_IDLE="600")
    p1 = subprocess.Popen([sys.executable, "-P", "-m", "interlock.hookd", e["INTERLOCK_HOME"]], env=e)
    try:
        assert _wait_for(lambda: hookd.daemon_pid(e) == p1.pid, 60)
        p2 = subprocess.Popen([sys.executable, "-P", "-m", "interlock.hookd", e["INTERLOCK_HOME"]], env=e)
        assert p2.wait(timeout=60) == 0  # the lock is held: it leaves at once
        assert p1.poll() is None
    finally:
        p1.terminate()
        p1.wait(10)


def test_stale_code_is_detected(tmp_path, monkeypatch):
    f = tmp_path / "m.py"
    f.write_text("x = 1\n")
    stamp = [(str(f), os.stat(f).st_mtime_ns)]
    assert not hookd._stale(stamp)
    os.utime(f, ns=(0, stamp[0][1] + 1_000_000))
    assert hookd._stale(stamp)
    f.unlink()
    assert hookd._stale(stamp)
    assert hookd._code_stamp() and all(p.endswith((".py", ".toml")) for p, _ in hookd._code_stamp())


def test_peer_uid_is_read_from_the_kernel():
    a, b = socket.socketpair(socket.AF_UNIX)
    try:
        assert hookd._peer_uid(a) == os.getuid()
    finally:
        a.close()
        b.close()


def test_a_call_that_waits_for_a_human_is_judged_by_its_own_hook_process(denv, workspace, tmp_path):
    """With approvals.wait_seconds set, the daemon hands ask/deny calls back (it answers one
    call at a time and must not queue every other hook behind a wait)."""
    _start(denv, workspace)
    cfg = tmp_path / "cfg"
    (cfg / "interlock").mkdir(parents=True)
    (cfg / "interlock" / "policy.toml").write_text("[approvals]\nwait_seconds = 1\n")
    e = dict(denv, XDG_CONFIG_HOME=str(cfg))
    allowed = run_hook("claude-code", _payload("claude-code", PAYLOADS[0][1], workspace), e)
    denied = run_hook("claude-code", _payload("claude-code", PAYLOADS[1][1], workspace), e)
    assert allowed[1] is None
    assert denied[1]["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert _audit_vias(e)[-2:] == ["hookd", None]  # the allow by the daemon; the deny in-process
    assert hookd.daemon_pid(e)  # and the daemon is still there for the next call


def test_a_daemon_is_started_at_most_once_per_backoff(env):
    """A daemon that cannot start (or keeps dying) must not cost every hook call a spawn."""
    e = dict(env, INTERLOCK_DAEMON="1", INTERLOCK_DAEMON_IDLE="30")
    mark = hookd.socket_path(e)[:-5] + ".started"
    os.makedirs(os.path.dirname(mark), mode=0o700)
    open(mark, "w").close()  # a start attempt just now
    hookd.start_daemon(e)
    time.sleep(1.5)
    assert hookd.daemon_pid(e) is None and not os.path.exists(hookd.socket_path(e))
    old = time.time() - hookd.RESTART_BACKOFF_S - 1
    os.utime(mark, (old, old))
    hookd.start_daemon(e)
    try:
        assert _wait_for(lambda: hookd.daemon_pid(e) is not None, 60)
        assert os.stat(mark).st_mtime > old + 1  # the attempt was recorded
    finally:
        pid = hookd.daemon_pid(e)
        if pid:
            os.kill(pid, signal.SIGTERM)
