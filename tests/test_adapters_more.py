"""Codex, Gemini CLI, Copilot and Windsurf hooks, run as those agents run them."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import interlock_exe


def hook(agent, payload, env, raw=None, cwd=None):
    data = raw if raw is not None else json.dumps(payload).encode()
    p = subprocess.run(interlock_exe() + ["hook", agent], input=data, capture_output=True, env=env, timeout=30,
                       cwd=cwd)
    out = p.stdout.decode()
    return p.returncode, (json.loads(out) if out.strip() else None), p.stderr.decode()


@pytest.mark.parametrize("command,expected", [("pytest -q", None), ("rm -rf src", "deny"), ("rm -rf ~", "deny")])
def test_codex_never_answers_ask(command, expected, workspace, env):
    code, out, _ = hook("codex", {"session_id": "s", "cwd": workspace, "hook_event_name": "PreToolUse",
                                  "model": "gpt-5", "permission_mode": "default", "turn_id": "t", "tool_name": "Bash",
                                  "tool_use_id": "c1", "tool_input": {"command": command}}, env)
    assert code == 0
    got = out["hookSpecificOutput"]["permissionDecision"] if out else None
    assert got == expected
    if command == "rm -rf src":
        assert "approval" in out["hookSpecificOutput"]["permissionDecisionReason"]


def test_codex_apply_patch_judges_each_file(workspace, env):
    patch = ("*** Begin Patch\n*** Update File: src/app.py\n@@\n-print('hi')\n+print('bye')\n"
             "*** Add File: .claude/settings.json\n+{}\n*** End Patch\n")
    code, out, _ = hook("codex", {"cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
                                  "tool_input": {"command": patch}}, env)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "interlock.self-protect" in out["hookSpecificOutput"]["permissionDecisionReason"]
    ok = "*** Begin Patch\n*** Update File: src/app.py\n@@\n-a\n+b\n*** End Patch\n"
    code, out, _ = hook("codex", {"cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
                                  "tool_input": {"command": ok}}, env)
    assert out is None


@pytest.mark.parametrize("tool,tool_input,expected", [
    ("run_shell_command", {"command": "npm test", "dir_path": "."}, None),
    ("run_shell_command", {"command": "git reset --hard"}, "deny"),
    ("read_file", {"file_path": "{home}/.aws/credentials"}, "deny"),
    ("write_file", {"file_path": "{ws}/notes.md", "content": "hello"}, None),
    ("replace", {"file_path": "{ws}/.gemini/settings.json", "old_string": "a", "new_string": "b"}, "deny"),
    ("google_web_search", {"query": "rm -rf"}, None),
])
def test_gemini(tool, tool_input, expected, workspace, home, env):
    ti = {k: v.replace("{home}", home).replace("{ws}", workspace) for k, v in tool_input.items()}
    code, out, _ = hook("gemini", {"session_id": "s", "cwd": workspace, "hook_event_name": "BeforeTool",
                                   "timestamp": "2026-11-26T10:00:00Z", "tool_name": tool, "tool_input": ti}, env)
    assert code == 0
    assert (out["decision"] if out else None) == expected
    if out:
        assert out["reason"].startswith("Interlock")


@pytest.mark.parametrize("payload,expected", [
    ({"toolName": "bash", "toolArgs": json.dumps({"command": "ls -la"})}, None),
    # an ask goes out of band (the cloud agent turns "ask" into a plain deny): deny naming an approval id
    ({"toolName": "bash", "toolArgs": json.dumps({"command": "rm -rf src"})}, "deny"),
    ({"toolName": "bash", "toolArgs": {"command": "sudo rm -rf /"}}, "deny"),
    ({"hook_event_name": "PreToolUse", "tool_name": "bash", "tool_input": {"command": "cat .env"}}, "deny"),
    ({"toolName": "view", "toolArgs": {"path": ".env.example"}}, None),
    ({"toolName": "bash", "toolArgs": "{broken"}, "deny"),
])
def test_copilot_answers_in_json_never_exit_2(payload, expected, workspace, env):
    code, out, _ = hook("copilot", dict(payload, cwd=workspace, sessionId="s", timestamp=1), env)
    assert code == 0  # exit 2 does not block preToolUse in Copilot
    assert (out["permissionDecision"] if out else None) == expected


@pytest.mark.parametrize("payload,code_expected", [
    ({"agent_action_name": "pre_run_command", "tool_info": {"command_line": "npm install x", "cwd": "{ws}"}}, 0),
    ({"agent_action_name": "pre_run_command", "tool_info": {"command_line": "rm -rf ~", "cwd": "{ws}"}}, 2),
    ({"agent_action_name": "pre_read_code", "tool_info": {"file_path": "{home}/.ssh/id_ed25519"}}, 2),
    ({"agent_action_name": "pre_write_code", "tool_info": {"file_path": "{ws}/src/app.py",
                                                           "edits": [{"old_string": "a", "new_string": "b"}]}}, 0),
    ({"agent_action_name": "pre_mcp_tool_use", "tool_info": {"mcp_server_name": "db", "mcp_tool_name": "drop_table",
                                                             "mcp_tool_arguments": {"table": "users"}}}, 2),
    ({"agent_action_name": "pre_run_command"}, 2),
])
def test_windsurf_exit_codes(payload, code_expected, workspace, home, env):
    raw = json.dumps(payload).replace("{ws}", workspace).replace("{home}", home).encode()
    # Windsurf's payloads name no directory: its hooks run in the project (the process's cwd)
    code, out, err = hook("windsurf", None, env, raw=raw, cwd=workspace)
    assert code == code_expected
    if code == 2:
        assert err.startswith("Interlock")


@pytest.mark.parametrize("agent", ["codex", "gemini", "copilot"])
@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b"\xff\xfe"])
def test_bad_input_fails_closed_in_each_agents_terms(agent, raw, env):
    code, out, _ = hook(agent, None, env, raw=raw)
    assert code == 0
    text = json.dumps(out)
    assert "deny" in text and "Interlock" in text
