"""VS Code agent hooks through a real subprocess (documented payloads), and `interlock doctor`
against real installs: probes, failures named with a next step, state dir, gateways."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest

from conftest import interlock_exe, run_hook


def vscode(tool, tool_input, cwd, **extra):
    # the common fields VS Code sends (hooks.md, "Common input fields") plus PreToolUse's
    return dict({"timestamp": "2026-02-09T10:30:00.000Z", "cwd": cwd, "sessionId": "session-1",
                 "hookEventName": "PreToolUse", "transcript_path": "/tmp/transcript.json", "tool_name": tool,
                 "tool_input": tool_input, "tool_use_id": "tool-123"}, **extra)


@pytest.mark.parametrize("tool,tool_input,expected", [
    ("run_in_terminal", {"command": "npm test", "explanation": "tests", "isBackground": False}, None),
    ("runTerminalCommand", {"command": "rm -rf src"}, "ask"),
    ("run_in_terminal", {"command": "X=rm; $X -rf ~"}, "deny"),
    ("read_file", {"filePath": "{home}/.ssh/id_ed25519", "startLine": 1, "endLine": 20}, "deny"),
    ("read_file", {"filePath": "{ws}/src/app.py"}, None),
    ("create_file", {"filePath": "{ws}/src/new.py", "content": "print(1)\n"}, None),
    ("replace_string_in_file", {"filePath": "{ws}/.claude/settings.json", "oldString": "a", "newString": "b"},
     "deny"),
    ("editFiles", {"files": ["{ws}/src/app.py", "{ws}/.github/hooks/interlock-vscode.json"]}, "deny"),
    ("fetch_webpage", {"urls": ["https://example.com/docs"], "query": "x"}, None),
    ("mcp_db_execute_sql", {"sql": "DROP TABLE users"}, "ask"),
    ("semantic_search", {"query": "rm -rf"}, None),
    ("grep_search", {"query": "TOKEN", "includePattern": ".env"}, "deny"),
    ("frobnicate", {}, "ask"),  # unknown tool: VS Code asks the user, never a silent allow
])
def test_vscode_payloads(tool, tool_input, expected, workspace, home, env):
    ti = json.loads(json.dumps(tool_input).replace("{home}", home).replace("{ws}", workspace))
    code, out, _ = run_hook("vscode", vscode(tool, ti, workspace), env)
    assert code == 0
    got = out["hookSpecificOutput"]["permissionDecision"] if out else None
    if expected == "ask" and got == "deny":
        # an approvable ask may be turned into an out-of-band approval request (interlock approve ID)
        assert "approv" in out["hookSpecificOutput"]["permissionDecisionReason"].lower(), out
    else:
        assert got == expected, out
    if out:
        # Copilot CLI reads .github/hooks/ too: the same decision at the top level
        assert out["permissionDecision"] == got and out["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
        assert out["permissionDecisionReason"].startswith("Interlock")


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'{"hookEventName": "PreToolUse"}',
                                 b'{"hookEventName": "PreToolUse", "tool_name": "run_in_terminal", "tool_input": 3}'])
def test_vscode_bad_input_is_denied(raw, env):
    code, out, _ = run_hook("vscode", None, env, raw=raw)
    assert code == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_claude_and_copilot_hooks_understand_vscode_payloads(workspace, env):
    """VS Code runs the hooks in .claude/settings.json and .github/hooks/interlock.json too."""
    p = vscode("run_in_terminal", {"command": "rm -rf ~"}, workspace)
    code, out, _ = run_hook("claude-code", p, env)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    code, out, _ = run_hook("copilot", p, env)
    assert out["permissionDecision"] == "deny" and out["hookSpecificOutput"]["permissionDecision"] == "deny"
    code, out, _ = run_hook("claude-code", vscode("run_in_terminal", {"command": "ls"}, workspace), env)
    assert out is None


def doctor(env, cwd):
    p = subprocess.run(interlock_exe() + ["doctor", "--json"], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=180)
    return p.returncode, json.loads(p.stdout)


def by_check(d, prefix):
    return [c for c in d["checks"] if c["check"].startswith(prefix)]


def test_doctor_probes_every_installed_agent(workspace, env):
    agents = ["claude-code", "cursor", "codex", "gemini", "copilot", "vscode", "windsurf"]
    p = subprocess.run(interlock_exe() + ["init", "--agent"] + agents, env=env, cwd=workspace, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    code, d = doctor(env, workspace)
    assert code == 0 and d["status"] == "ok", [c for c in d["checks"] if c["status"] != "ok"]
    for a in agents:
        found = by_check(d, f"{a}: hook in ")
        assert len(found) == (2 if a == "gemini" else 1)  # Gemini: the project's and the user-level hook
        for c in found:
            assert c["status"] == "ok"
            assert "`rm -rf ~` → deny (" in c["detail"] and "`git status` → allow (" in c["detail"]
            assert "malformed input → deny" in c["detail"]
    assert by_check(d, "claude-code: permissions.deny backstop")[0]["status"] == "ok"
    assert by_check(d, "codex: the project and Interlock's hook are trusted")[0]["status"] == "ok"
    assert by_check(d, "state directory private")[0]["status"] == "ok"
    assert by_check(d, "vault")[0]["status"] == "ok"
    assert by_check(d, "gateways: none declared")[0]["status"] == "info"


def test_doctor_names_what_is_wrong_and_exits_1(workspace, env):
    subprocess.run(interlock_exe() + ["init", "--agent", "claude-code", "windsurf"], env=env, cwd=workspace,
                   capture_output=True, timeout=120)
    # a hook that exits 1 (the agent would proceed), and a command that no longer exists
    path = os.path.join(workspace, ".windsurf", "hooks.json")
    w = json.load(open(path))
    w["hooks"]["pre_run_command"][0]["command"] = "/bin/sh -c 'exit 1' # interlock hook windsurf"
    json.dump(w, open(path, "w"))
    cpath = os.path.join(workspace, ".claude", "settings.json")
    c = json.load(open(cpath))
    c["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = "/nonexistent/bin/interlock hook claude-code"
    json.dump(c, open(cpath, "w"))
    os.makedirs(env["INTERLOCK_HOME"], exist_ok=True)
    os.chmod(env["INTERLOCK_HOME"], 0o755)
    code, d = doctor(env, workspace)
    assert code == 1 and d["status"] == "FAIL"
    bad = {c["check"]: c for c in d["checks"] if c["status"] == "FAIL"}
    (ws,) = [c for k, c in bad.items() if k.startswith("windsurf: hook in")]
    assert "`rm -rf ~` was answered broken, not deny" in ws["check"] and "fail closed" in ws["check"]
    (cc,) = [c for k, c in bad.items() if k.startswith("claude-code: hook in")]
    assert "command is missing" in cc["check"] and "interlock init" in cc["fix"]
    (sd,) = [c for k, c in bad.items() if k.startswith("state directory permissions")]
    assert "0o755" in sd["check"] and sd["fix"].startswith("chmod 700 ")
    text = subprocess.run(interlock_exe() + ["doctor"], env=env, cwd=workspace, capture_output=True,
                          text=True, timeout=180).stdout
    assert "next: chmod 700" in text and "problems found (exit 1)" in text


def test_doctor_gateway_reachability(tmp_path):
    from interlock import doctor as D

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    cfg = tmp_path / "config"
    (cfg / "interlock").mkdir(parents=True)
    (cfg / "interlock" / "policy.toml").write_text(
        f'[gateways.postgres]\nlisten = "127.0.0.1:{port}"\n\n'
        f'[gateways.http]\nurl = "http://127.0.0.1:{closed_port}/"\n\n[gateways.odd]\nkind = "mcp"\n')
    checks = []
    D._gateway_checks(str(tmp_path), {"XDG_CONFIG_HOME": str(cfg), "HOME": str(tmp_path)},
                      lambda s, w, d="", f="": checks.append((s, w, d, f)))
    srv.close()
    got = {w: (s, f) for s, w, d, f in checks}
    assert got["gateway postgres reachable"][0] == "ok"
    assert got["gateway http not reachable"] == ("FAIL", "start the gateway, or remove it from the policy")
    assert got["gateway odd: no address to check"][0] == "FAIL"
    checks.clear()
    D._gateway_checks(str(tmp_path), {"XDG_CONFIG_HOME": str(tmp_path / "none"), "HOME": str(tmp_path)},
                      lambda s, w, d="", f="": checks.append((s, w)))
    assert checks == [("info", "gateways: none declared in the policy (skipped)")]
