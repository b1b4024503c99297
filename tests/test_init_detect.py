"""`interlock init` detects agents, writes real settings files next to other tools' settings, the
Claude Code / Codex backstop, and `uninstall` takes back exactly what was added."""

from __future__ import annotations

import json
import os
import shlex
import subprocess

import pytest

from conftest import interlock_exe
from interlock import install


def run(args, env, cwd):
    return subprocess.run(interlock_exe() + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def fake_programs(tmp_path, env, *names):
    """Agents' programs on PATH (a stub script each), and nothing else of theirs."""
    b = tmp_path / "fakebin"
    b.mkdir(exist_ok=True)
    for n in names:
        (b / n).write_text("#!/bin/sh\nexit 0\n")
        (b / n).chmod(0o755)
    env["PATH"] = f"{b}:/usr/bin:/bin"
    return str(b)


def snapshot(root):
    """Every file under root (but .git) with its parsed content."""
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".git"]
        rel = os.path.relpath(d, root)
        out[rel + "/"] = None
        for f in files:
            p = os.path.join(d, f)
            text = open(p).read()
            try:
                out[os.path.relpath(p, root)] = json.loads(text)
            except ValueError:
                out[os.path.relpath(p, root)] = text
    return out


def test_detects_agents_from_dirs_and_programs_and_installs_only_those(tmp_path, workspace, home, env):
    os.makedirs(os.path.join(home, ".codex"))                 # Codex configured
    os.makedirs(os.path.join(workspace, ".cursor"))           # Cursor used in this project
    fake_programs(tmp_path, env, "gemini")                    # Gemini CLI installed
    p = run(["init"], env, workspace)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "Detected agents:" in out
    assert "codex        ~/.codex exists" in out
    assert "cursor       project has .cursor/" in out
    assert "gemini       `gemini` on PATH" in out
    assert "Not detected: claude-code, copilot, vscode, windsurf" in out
    assert os.path.exists(os.path.join(workspace, ".codex", "hooks.json"))
    assert os.path.exists(os.path.join(workspace, ".codex", "rules", "interlock.rules"))
    assert os.path.exists(os.path.join(workspace, ".cursor", "hooks.json"))
    assert os.path.exists(os.path.join(workspace, ".gemini", "settings.json"))
    assert not os.path.exists(os.path.join(workspace, ".claude"))
    assert not os.path.exists(os.path.join(workspace, ".windsurf"))
    assert "trusted the hook (trusted_hash) and the project" in out  # Codex skips untrusted hooks
    # idempotent: nothing changes the second time
    before = snapshot(workspace)
    p = run(["init"], env, workspace)
    # (4 project files, the user-level Gemini hook and policy; the Codex trust: "already trusted, no change")
    assert p.returncode == 0 and p.stdout.count("already installed, no change") == 6
    assert snapshot(workspace) == before


def test_nothing_detected_says_what_to_do(tmp_path, workspace, env):
    fake_programs(tmp_path, env)
    p = run(["init"], env, workspace)
    assert p.returncode == 1
    assert "No agent detected" in p.stdout and "--agent NAME" in p.stdout
    assert not os.path.exists(os.path.join(workspace, ".claude"))


def test_dry_run_shows_a_unified_diff_per_file_and_writes_nothing(workspace, env):
    os.makedirs(os.path.join(workspace, ".gemini"))
    gem = os.path.join(workspace, ".gemini", "settings.json")
    with open(gem, "w") as f:
        json.dump({"theme": "dark"}, f, indent=2)
    before = snapshot(workspace)
    p = run(["init", "--dry-run", "--agent", "gemini", "vscode", "codex"], env, workspace)
    assert p.returncode == 0, p.stderr
    assert f"--- {gem}\n+++ {gem}\n" in p.stdout
    assert '-  "theme": "dark"\n' in p.stdout and '+  "hooks": {' in p.stdout
    vs = os.path.join(workspace, ".github", "hooks", "interlock-vscode.json")
    assert f"--- /dev/null\n+++ {vs}\n" in p.stdout
    assert "+prefix_rule(" in p.stdout  # the Codex rules file
    assert "(dry run: nothing written)" in p.stdout
    assert snapshot(workspace) == before


AGENT_FILES = {
    # agent: (user settings path, pre-existing content from the user and other tools)
    "claude-code": (".claude/settings.json", {
        "model": "opus", "env": {"FOO": "1"},
        "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(**/.env)", "Bash(curl *)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "safety-net hook"}]}],
                  "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]}}),
    "cursor": (".cursor/hooks.json", {"version": 1, "hooks": {
        "beforeShellExecution": [{"command": "./hooks/audit.sh", "timeout": 5}],
        "afterFileEdit": [{"command": "./hooks/format.sh"}]}}),
    "codex": (".codex/hooks.json", {"hooks": {"PreToolUse": [
        {"matcher": "^Bash$", "hooks": [{"type": "command", "command": "python3 ~/policy.py", "timeout": 30}]}],
        "SessionStart": [{"hooks": [{"type": "command", "command": "echo hi"}]}]}}),
    "gemini": (".gemini/settings.json", {"theme": "GitHub", "general": {"vimMode": True}, "hooks": {
        "BeforeTool": [{"matcher": "write_file", "hooks": [{"type": "command", "command": "scan.sh",
                                                          "timeout": 5000}]}]}}),
    "copilot": (".copilot/hooks/interlock.json", None),
    "windsurf": (".codeium/windsurf/hooks.json", {"hooks": {"post_write_code": [{"command": "fmt.sh",
                                                                                  "show_output": True}],
                                                            "pre_run_command": [{"command": "log.sh"}]}}),
}


def test_user_scope_keeps_every_other_setting_and_uninstall_restores_it(tmp_path, workspace, home, env):
    for agent, (rel, content) in AGENT_FILES.items():
        if content is not None:
            os.makedirs(os.path.dirname(os.path.join(home, rel)), exist_ok=True)
            with open(os.path.join(home, rel), "w") as f:
                json.dump(content, f)
    other = os.path.join(home, ".copilot", "hooks", "other-tool.json")
    os.makedirs(os.path.dirname(other), exist_ok=True)
    with open(other, "w") as f:
        json.dump({"version": 1, "hooks": {"preToolUse": [{"type": "command", "bash": "other.sh"}]}}, f)
    fake_programs(tmp_path, env)
    before = snapshot(home)
    p = run(["init", "--user"], env, workspace)  # detected from ~/.claude, ~/.cursor, ~/.codex, ...
    assert p.returncode == 0, p.stderr
    for agent in ("claude-code", "cursor", "codex", "gemini", "copilot", "windsurf"):
        assert agent in p.stdout
    c = json.load(open(os.path.join(home, ".claude", "settings.json")))
    orig = AGENT_FILES["claude-code"][1]
    assert c["model"] == "opus" and c["env"] == {"FOO": "1"} and c["hooks"]["Stop"] == orig["hooks"]["Stop"]
    assert c["hooks"]["PreToolUse"][0] == orig["hooks"]["PreToolUse"][0]
    assert c["permissions"]["allow"] == ["Bash(npm test)"]
    deny = c["permissions"]["deny"]
    assert deny[:2] == ["Read(**/.env)", "Bash(curl *)"] and deny.count("Read(**/.env)") == 1
    assert "Read(~/.ssh/id_ed25519)" in deny and "Bash(git push --force * main)" in deny
    g = json.load(open(os.path.join(home, ".gemini", "settings.json")))
    assert g["theme"] == "GitHub" and g["general"] == {"vimMode": True}
    assert g["hooks"]["BeforeTool"][0] == AGENT_FILES["gemini"][1]["hooks"]["BeforeTool"][0]
    w = json.load(open(os.path.join(home, ".codeium", "windsurf", "hooks.json")))
    assert w["hooks"]["post_write_code"] == AGENT_FILES["windsurf"][1]["hooks"]["post_write_code"]
    assert w["hooks"]["pre_run_command"][0] == {"command": "log.sh"} and len(w["hooks"]["pre_run_command"]) == 2
    assert os.path.exists(os.path.join(home, ".codex", "rules", "interlock.rules"))

    p = run(["uninstall", "--user"], env, workspace)
    assert p.returncode == 0, p.stderr
    assert snapshot(home) == before  # exactly what was there: user's own deny rule kept, created files gone


def test_backstop_opt_out_and_untracked_rules_are_left_alone(workspace, env, tmp_path):
    p = run(["init", "--agent", "claude-code", "codex", "--no-backstop"], env, workspace)
    assert p.returncode == 0, p.stderr
    c = json.load(open(os.path.join(workspace, ".claude", "settings.json")))
    assert "permissions" not in c
    assert not os.path.exists(os.path.join(workspace, ".codex", "rules"))
    assert "skipped (--no-backstop)" in p.stdout
    run(["init", "--agent", "claude-code"], env, workspace)
    assert "Read(**/.env)" in json.load(open(os.path.join(workspace, ".claude", "settings.json")))["permissions"]["deny"]
    # another state directory does not know these rules were Interlock's: uninstall keeps them and says so
    env2 = dict(env, INTERLOCK_HOME=str(tmp_path / "other-state"))
    p = run(["uninstall"], env2, workspace)
    assert "were left in place" in p.stdout
    c = json.load(open(os.path.join(workspace, ".claude", "settings.json")))
    assert "hooks" not in c and "Read(**/.env)" in c["permissions"]["deny"]


def _check(cmd, env, cwd):
    p = run(["check", "--json", cmd], env, cwd)
    return json.loads(p.stdout)["decision"]


def test_every_backstop_rule_stands_for_something_interlock_denies(workspace, env):
    """The backstop must not block what the hook would allow: each rule's example is a deny."""
    lines = "\n".join(json.dumps({"command": ex, "cwd": workspace}) for _, ex in install.CLAUDE_BACKSTOP)
    p = subprocess.run(interlock_exe() + ["check", "--jsonl"], input=lines, env=env, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    got = [json.loads(x)["decision"] for x in p.stdout.splitlines()]
    assert got == ["deny"] * len(install.CLAUDE_BACKSTOP), list(zip(install.CLAUDE_BACKSTOP, got))
    for rule, _ in install.CLAUDE_BACKSTOP:
        assert rule.startswith(("Read(", "Bash(")) and rule.endswith(")")
        # a trailing glob without a word boundary would reach far beyond the example (rm -rf /tmp/x)
        assert not rule.endswith("/*)") and not rule.endswith("~/*)")


def test_codex_rules_examples_hold(workspace, env):
    text = install.codex_rules_text()
    assert text.count("prefix_rule(") == len(install.CODEX_RULES)
    checks = []
    for pattern, decision, why, match, not_match in install.CODEX_RULES:
        assert decision in ("forbidden", "prompt")
        for m in match:
            assert shlex.split(m)[:len(pattern)] == pattern, m
            checks.append((m, decision))
        for m in not_match:
            assert shlex.split(m)[:len(pattern)] != pattern, m
    lines = "\n".join(json.dumps({"command": m, "cwd": workspace}) for m, _ in checks)
    p = subprocess.run(interlock_exe() + ["check", "--jsonl"], input=lines, env=env, cwd=workspace,
                       capture_output=True, text=True, timeout=60)
    for (m, decision), line in zip(checks, p.stdout.splitlines()):
        got = json.loads(line)["decision"]
        # forbidden only where Interlock denies; prompt never where it would allow
        assert got == "deny" if decision == "forbidden" else got != "allow", (m, got)


def test_installed_files_are_protected_from_the_agent(workspace, env):
    run(["init", "--agent", "vscode", "codex"], env, workspace)
    for rel in (".github/hooks/interlock-vscode.json", ".codex/rules/interlock.rules"):
        assert _check(f"rm {rel}", env, workspace) == "deny", rel


@pytest.mark.parametrize("scope", ["project", "user"])
def test_vscode_install_and_the_installed_command_answers(scope, workspace, home, env):
    args = ["init", "--agent", "vscode"] + (["--user"] if scope == "user" else [])
    p = run(args, env, workspace)
    assert p.returncode == 0, p.stderr
    if scope == "project":
        path = os.path.join(workspace, ".github", "hooks", "interlock-vscode.json")
        entry = json.load(open(path))["hooks"]["PreToolUse"][0]
        assert entry["type"] == "command" and entry["timeout"] == 30 and " hook vscode || " in entry["command"]
    else:  # VS Code's user hooks are Claude Code's user settings
        path = os.path.join(home, ".claude", "settings.json")
        entry = json.load(open(path))["hooks"]["PreToolUse"][0]["hooks"][0]
    cmd = entry["command"]
    payload = {"timestamp": "2026-02-09T10:30:00.000Z", "cwd": workspace, "sessionId": "s1",
               "hookEventName": "PreToolUse", "transcript_path": "/tmp/t.json", "tool_name": "run_in_terminal",
               "tool_input": {"command": "rm -rf ~", "explanation": "clean", "isBackground": False},
               "tool_use_id": "tool-123"}
    r = subprocess.run(cmd, shell=True, input=json.dumps(payload), capture_output=True, text=True, env=env)
    assert json.loads(r.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    # the interpreter gone: the shell fallback still refuses, in VS Code's terms
    broken = cmd.replace(cmd.split(" hook ")[0], "/nonexistent/interlock", 1)
    r = subprocess.run(broken, shell=True, input="{}", capture_output=True, text=True)
    assert json.loads(r.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    p = run(["uninstall", "--agent", "vscode"] + (["--user"] if scope == "user" else []), env, workspace)
    assert not os.path.exists(path)
