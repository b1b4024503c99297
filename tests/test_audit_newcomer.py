"""The audit log as a newcomer reads it: a human's approval is recorded as the human's approval
event (never like the agent's own allow), and one approved action takes one snapshot however often
the identical ask is retried."""

from __future__ import annotations

import json
import os
import re

from conftest import interlock_exe, run_hook
from helpers import SECRET_A, add_approver, claude, cli, codex, decision, file_request


def _records(env):
    p = cli(["log", "--json", "--limit", "200"], env)
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_a_humans_approval_is_recorded_as_the_humans_approval_event(workspace, env):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env)
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "allow"
    recs = _records(env)
    approve = [r for r in recs if (r.get("extra") or {}).get("approval", {}).get("event") == "approve"]
    assert len(approve) == 1
    assert approve[0]["agent"] == "human"  # not "codex": the agent did not approve anything
    assert approve[0]["extra"]["approval"]["approver"] == "alice"
    assert [r["agent"] for r in recs if r["agent"] != "codex"] == ["human", "human"]  # approvers add; approve
    text = cli(["log", "--limit", "50"], env).stdout
    assert re.search(rf"\bAPPROVE\s+destructive\s+human\s+rm -rf src\s.*\n\s+↳ approval {rid}: approve by alice "
                     r"via cli:\w+ \(once\)", text), text
    assert not re.search(r"\ballow\s+destructive\s+human\b", text)
    # the other approval events read as events too: filed (request) and used (use), then the allow
    labels = [ln.split()[3] for ln in text.splitlines() if re.match(r"\s+\d+ ", ln)]
    assert labels == ["request", "deny", "approver", "APPROVE", "use", "snapshot", "allow"], text


def test_log_never_cuts_a_command_inside_its_quotes(env):
    from interlock.actions import Decision
    from interlock.audit import open_log

    cmd = ("curl -X POST https://backboard.railway.com/graphql/v2 -H 'Content-Type: application/json' "
           "-d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"3d2c42fb\\\") }\"}'")
    open_log(env["INTERLOCK_HOME"], env).append(action=cmd, decision=Decision("deny", "catastrophic"),
                                                agent="claude-code")
    line = cli(["log"], env).stdout.splitlines()[-1]
    shown = line.split("claude-code", 1)[1].strip()
    # a bounded view never passes for the whole command: it keeps the head and the tail and says, at the
    # cut, how much is not shown and where the whole text is (display.line)
    head, rest = shown.split(" ⟨… ", 1)
    cut, tail = rest.split("⟩", 1)
    assert cmd.startswith(head) and cmd.endswith(tail.strip())
    n = int(cut.split(" characters not shown")[0])
    assert len(head) + n + len(tail.strip()) >= len(cmd) - 2 and "interlock log --json" in cut


def _snapshots(env):
    p = __import__("subprocess").run(interlock_exe() + ["snapshots", "--json"], env=env, capture_output=True,
                                     text=True, timeout=60)
    return json.loads(p.stdout) if p.stdout.strip().startswith("[") else p.stdout


def test_identical_retries_of_an_ask_take_one_snapshot_until_the_target_changes(workspace, env):
    """Claude Code asking in its own dialog: Interlock never hears the answer, so it snapshots before
    handing the ask over — once per request, not once per identical retry."""
    for _ in range(3):
        code, out, err = run_hook("claude-code", claude("rm -rf src", workspace), env)
        assert decision(out) == "ask", (out, err)
    snaps = _snapshots(env)
    assert isinstance(snaps, list) and len(snaps) == 1, snaps
    ids = set(re.findall(r"snapshot (\S+) of", json.dumps(out)))
    assert ids == {snaps[0]["id"]}, out  # the reason names the one snapshot, retry after retry
    # the target changes (the human said no, the agent edited src): the next ask copies it again
    with open(os.path.join(workspace, "src", "app.py"), "a") as f:
        f.write("print('changed')\n")
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), env)
    assert decision(out) == "ask"
    assert len(_snapshots(env)) == 2
    # an edit disguised: same size, mtime set back (`touch -r`): ctime still tells, a new copy
    path = os.path.join(workspace, "src", "lib", "util.py")
    st = os.stat(path)
    with open(path, "w") as f:
        f.write("X = 2\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), env)
    assert decision(out) == "ask"
    assert len(_snapshots(env)) == 3
