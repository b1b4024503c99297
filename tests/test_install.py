"""`interlock init` / `uninstall` against real settings files: merge, idempotence, dry run, clean removal."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import interlock_exe


def run(args, env, cwd):
    return subprocess.run(interlock_exe() + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


EXISTING_CLAUDE = {
    "permissions": {"allow": ["Bash(npm test)"]},
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/local/bin/audit.sh"}]}],
              "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --write"}]}]},
}
EXISTING_CURSOR = {"version": 1, "hooks": {"beforeShellExecution": [{"command": "./hooks/audit.sh"}],
                                           "stop": [{"command": "./hooks/stop.sh"}]}}


def test_init_merges_is_idempotent_and_uninstall_restores(workspace, env):
    os.makedirs(os.path.join(workspace, ".claude"))
    os.makedirs(os.path.join(workspace, ".cursor"))
    cpath = os.path.join(workspace, ".claude", "settings.json")
    kpath = os.path.join(workspace, ".cursor", "hooks.json")
    with open(cpath, "w") as f:
        json.dump(EXISTING_CLAUDE, f)
    with open(kpath, "w") as f:
        json.dump(EXISTING_CURSOR, f)

    p = run(["init", "--dry-run"], env, workspace)
    assert p.returncode == 0 and "+" in p.stdout and "hook claude-code" in p.stdout
    assert json.load(open(cpath)) == EXISTING_CLAUDE  # dry run wrote nothing

    p = run(["init"], env, workspace)
    assert p.returncode == 0, p.stderr
    c = json.load(open(cpath))
    assert c["permissions"]["allow"] == EXISTING_CLAUDE["permissions"]["allow"]
    assert "Read(**/.env)" in c["permissions"]["deny"]  # the backstop (removed again by uninstall)
    assert c["hooks"]["PostToolUse"] == EXISTING_CLAUDE["hooks"]["PostToolUse"]
    pre = c["hooks"]["PreToolUse"]
    assert pre[0] == EXISTING_CLAUDE["hooks"]["PreToolUse"][0]
    ours = [h for g in pre for h in g["hooks"] if "hook claude-code" in h["command"]]
    assert len(ours) == 1 and "Bash" in pre[1]["matcher"] and "mcp__" in pre[1]["matcher"]
    k = json.load(open(kpath))
    assert k["hooks"]["stop"] == EXISTING_CURSOR["hooks"]["stop"]
    shell = k["hooks"]["beforeShellExecution"]
    assert shell[0] == {"command": "./hooks/audit.sh"}
    assert shell[1]["failClosed"] is True and shell[1]["command"].endswith("hook cursor")
    for ev in ("beforeMCPExecution", "beforeReadFile", "preToolUse"):
        assert k["hooks"][ev][-1]["failClosed"] is True

    before = (open(cpath).read(), open(kpath).read())
    p = run(["init"], env, workspace)
    assert "no change" in p.stdout
    assert (open(cpath).read(), open(kpath).read()) == before

    # the installed command really works as a hook
    hook_cmd = ours[0]["command"]
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": workspace,
                          "tool_input": {"command": "rm -rf ~"}})
    out = subprocess.run(hook_cmd, shell=True, input=payload, capture_output=True, text=True, env=env)
    assert json.loads(out.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"

    p = run(["uninstall"], env, workspace)
    assert p.returncode == 0
    assert json.load(open(cpath)) == EXISTING_CLAUDE
    assert json.load(open(kpath)) == EXISTING_CURSOR


def test_init_user_scope_creates_files(workspace, env, home):
    p = run(["init", "--user", "--agent", "claude-code"], env, workspace)
    assert p.returncode == 0, p.stderr
    c = json.load(open(os.path.join(home, ".claude", "settings.json")))
    assert "hook claude-code" in c["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert not os.path.exists(os.path.join(home, ".cursor", "hooks.json"))


def test_init_refuses_broken_json(workspace, env):
    os.makedirs(os.path.join(workspace, ".claude"))
    with open(os.path.join(workspace, ".claude", "settings.json"), "w") as f:
        f.write("{broken")
    p = run(["init", "--agent", "claude-code"], env, workspace)
    assert p.returncode != 0 and "not valid JSON" in p.stderr
    assert open(os.path.join(workspace, ".claude", "settings.json")).read() == "{broken"


def test_init_other_agents_roundtrip(workspace, env):
    os.makedirs(os.path.join(workspace, ".gemini"))
    gem = os.path.join(workspace, ".gemini", "settings.json")
    with open(gem, "w") as f:
        json.dump({"theme": "dark", "hooks": {"BeforeTool": [{"matcher": "write_file",
                                                               "hooks": [{"type": "command", "command": "x.sh"}]}]}}, f)
    before = json.load(open(gem))
    args = ["--agent", "codex", "--agent", "gemini", "--agent", "copilot", "--agent", "windsurf"]
    p = run(["init"] + args, env, workspace)
    assert p.returncode == 0, p.stderr
    assert "/hooks" in p.stdout  # the Codex trust reminder
    codex = json.load(open(os.path.join(workspace, ".codex", "hooks.json")))
    assert " hook codex || " in codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    g = json.load(open(gem))
    assert g["theme"] == "dark" and g["hooks"]["BeforeTool"][0]["matcher"] == "write_file"
    assert g["hooks"]["BeforeTool"][1]["hooks"][0]["timeout"] == 60000
    cop = json.load(open(os.path.join(workspace, ".github", "hooks", "interlock.json")))
    assert cop["version"] == 1 and " hook copilot || " in cop["hooks"]["preToolUse"][0]["bash"]
    # if the interpreter itself dies, each agent still reads a refusal in its own terms
    for agent, cmd_str, check in (
            ("copilot", cop["hooks"]["preToolUse"][0]["bash"], lambda r: json.loads(r.stdout)["permissionDecision"]),
            ("codex", codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
             lambda r: json.loads(r.stdout)["hookSpecificOutput"]["permissionDecision"]),
            ("gemini", g["hooks"]["BeforeTool"][1]["hooks"][0]["command"], lambda r: json.loads(r.stdout)["decision"])):
        broken = cmd_str.replace(cmd_str.split(" hook ")[0], "/nonexistent/interlock", 1)
        r = subprocess.run(broken, shell=True, capture_output=True, text=True, input="{}")
        assert check(r) == "deny", (agent, r.stdout, r.stderr)
    ws = json.load(open(os.path.join(workspace, ".windsurf", "hooks.json")))
    assert set(ws["hooks"]) == {"pre_run_command", "pre_read_code", "pre_write_code", "pre_mcp_tool_use"}
    # idempotent
    p = run(["init"] + args, env, workspace)
    # four hook files, the Codex rules file, the user-level Gemini hook and policy, the Codex trust
    assert p.stdout.count("no change") == 8
    # the installed Windsurf command really blocks with exit 2
    cmd = ws["hooks"]["pre_run_command"][0]["command"]
    broken = cmd.replace(cmd.split(" hook ")[0], "/nonexistent/interlock", 1)
    assert subprocess.run(broken, shell=True, capture_output=True, text=True, input="{}").returncode == 2
    r = subprocess.run(cmd, shell=True, env=env, capture_output=True, text=True,
                       input=json.dumps({"agent_action_name": "pre_run_command",
                                         "tool_info": {"command_line": "rm -rf ~", "cwd": workspace}}))
    assert r.returncode == 2
    codex_cfg = os.path.join(env["HOME"], ".codex", "config.toml")
    assert f'[projects."{workspace}"]' in open(codex_cfg).read() and "trusted_hash" in open(codex_cfg).read()
    assert "hook gemini" in open(os.path.join(env["HOME"], ".gemini", "settings.json")).read()
    assert 'commandPrefix = "rm -rf ~"' in open(os.path.join(env["HOME"], ".gemini", "policies", "interlock.toml")).read()
    p = run(["uninstall"] + args, env, workspace)
    assert json.load(open(gem)) == before
    assert not os.path.exists(codex_cfg)  # the trust init added is taken back (the file was init's)
    # files and directories init created are gone again; the pre-existing Gemini file is restored
    for created in (".codex", ".github", ".windsurf"):
        assert not os.path.exists(os.path.join(workspace, created)), created
