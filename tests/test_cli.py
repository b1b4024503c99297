"""The `interlock` command as a user runs it."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import interlock_exe


def run(args, env, cwd=None, stdin=None):
    return subprocess.run(interlock_exe() + args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("cmd,code", [("ls -la", 0), ("rm -rf src", 1), ("rm -rf ~", 2)])
def test_check_exit_codes(cmd, code, workspace, env):
    p = run(["check", "--cwd", workspace, cmd], env)
    assert p.returncode == code, p.stderr


def test_check_explains(workspace, env):
    p = run(["check", "--cwd", workspace, "X=rm; $X -rf ~"], env)
    assert "DENY" in p.stdout and "fs.delete-home" in p.stdout and "rm -rf ~" in p.stdout
    assert "policy.toml" in p.stdout  # the policy line that would change it
    p = run(["check", "--cwd", workspace, "--json", "git reset --hard"], env)
    d = json.loads(p.stdout)
    assert d["decision"] == "ask" and d["rules"] == ["git.reset-hard"]
    assert d["findings"][0]["evidence"] == "git reset --hard"


def test_check_jsonl_keeps_order_and_shapes(workspace, env):
    lines = [
        json.dumps({"command": "ls", "cwd": workspace}),
        json.dumps({"session_id": "x", "cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "Bash",
                    "tool_input": {"command": "rm -rf ~"}}),
        "not json",
        json.dumps({"command": "git clean -fdx", "cwd": workspace}),
        "",
    ]
    p = run(["check", "--jsonl"], env, stdin="\n".join(lines) + "\n")
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["decision"] for o in out] == ["allow", "deny", "deny", "ask"]
    assert out[1]["rules"] == ["fs.delete-home"] and out[1]["severity"] == "catastrophic"
    assert "line 3" in out[2]["error"]
    assert set(out[0]) >= {"decision", "severity", "rules", "reasons"}


def test_rules_and_explain(env):
    p = run(["rules", "--json"], env)
    rules = json.loads(p.stdout)
    assert any(r["id"] == "git.push-force" for r in rules)
    p = run(["explain", "git.push-force"], env)
    assert "git push --force origin feature" in p.stdout and "look-alikes" in p.stdout
    p = run(["explain", "git.push-forc"], env)
    assert p.returncode != 0 and "did you mean" in p.stderr


def test_demo_and_help(env):
    p = run(["demo", "--commands"], env)
    assert p.returncode == 0 and "DENY" in p.stdout and "allow" in p.stdout
    lines = {ln.split(None, 1)[1].split("  ")[0].strip(): ln.split()[0] for ln in p.stdout.splitlines()
             if ln.startswith("  ") and ln.split()}
    assert lines["rm -rf src"] == "ASK" and lines["rm -rf node_modules dist"] == "allow"
    p = run([], env)
    assert "check" in p.stdout and "init" in p.stdout


def test_doctor_before_and_after_init(workspace, env):
    p = run(["doctor", "--json"], env, cwd=workspace)
    d = json.loads(p.stdout)
    assert p.returncode == 1 and d["status"] == "FAIL" and any("no agent hooks" in c["check"] for c in d["checks"])
    assert any(c["check"].startswith("hook round trip") and c["status"] == "ok" for c in d["checks"])
    run(["init", "--agent", "claude-code"], env, cwd=workspace)
    d = json.loads(run(["doctor", "--json"], env, cwd=workspace).stdout)
    assert d["status"] == "ok", d
    import os

    with open(os.path.join(env["XDG_CONFIG_HOME"], "interlock", "policy.toml") if os.path.isdir(
            os.path.join(env["XDG_CONFIG_HOME"], "interlock")) else _mk(env), "w") as f:
        f.write("[decisions]\nwrite = 'sometimes'\n")
    p = run(["doctor"], env, cwd=workspace)
    assert p.returncode == 1 and "policy invalid" in p.stdout


@pytest.mark.parametrize("agent,rel", [("claude-code", ".claude/settings.json"), ("gemini", ".gemini/settings.json"),
                                       ("codex", ".codex/hooks.json")])
def test_doctor_fails_when_the_approval_wait_outlasts_the_registered_hook_timeout(workspace, env, agent, rel):
    """Settings from an older init (Claude Code's and Gemini's hooks were registered with 10 s) and a policy
    that waits for a human longer than that: the agent would kill the waiting hook and run the tool."""
    import os

    assert run(["init", "--agent", agent], env, cwd=workspace).returncode == 0
    with open(_mk(env), "w") as f:
        f.write("[approvals]\nwait_seconds = 60\n")

    def waits():
        d = json.loads(run(["doctor", "--json"], env, cwd=workspace).stdout)
        return [c for c in d["checks"] if "wait_seconds" in c["check"]]

    assert waits() == []  # as init registers it, the wait stays under the timeout
    path = os.path.join(workspace, rel)
    text = open(path).read()
    old = {"claude-code": '"timeout": 60', "gemini": '"timeout": 60000', "codex": '"timeout": 30'}[agent]
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, old.split(":")[0] + ": " + ("10000" if agent == "gemini" else "10")))
    (c,) = waits()
    assert c["status"] == "FAIL" and "10 s timeout" in c["check"] and "interlock init" in c["fix"], c


def _mk(env):
    import os

    d = os.path.join(env["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, "policy.toml")


def test_stats_counts_rules(workspace, env):
    for cmd in ("rm -rf src", "rm -rf src", "rm -rf ~", "ls"):
        run(["hook", "claude-code"], env, stdin=json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                                                            "cwd": workspace, "tool_input": {"command": cmd}}))
    d = json.loads(run(["stats", "--json"], env).stdout)
    assert d["records"] == 4
    # the two identical asks filed one approval request (the second reused it)
    assert d["rules"]["fs.delete-source"] == {"ask": 2, "asked": 1} and d["rules"]["fs.delete-home"] == {"deny": 1}
