"""The vault (file backend), `secrets move`, and the PostToolUse output redaction."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from conftest import interlock_exe, run_hook

STRIPE = "sk_live_51Hq" + "Zt7KbW2xYc9RvP3mNa8LdQe"
GH = "ghp_" + "Q7r8A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"


def run(args, env, cwd=None, stdin=None):
    return subprocess.run(interlock_exe() + args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_vault_add_list_rm_never_shows_values(env, tmp_path):
    env = dict(env, INTERLOCK_VAULT_BACKEND="file")
    p = run(["secrets", "vault", "add", "railway/prod"], env, stdin="tok-" + "9f8e7d6c5b4a39281706\n")
    assert p.returncode == 0 and "stored railway/prod" in p.stdout
    p = run(["secrets", "vault", "list"], env)
    assert "railway/prod" in p.stdout and "tok-9f8e" not in p.stdout
    vdir = os.path.join(env["INTERLOCK_HOME"], "vault")
    for name in os.listdir(vdir):
        mode = stat.S_IMODE(os.stat(os.path.join(vdir, name)).st_mode)
        assert mode == 0o600, (name, oct(mode))
        with open(os.path.join(vdir, name), "rb") as f:
            assert b"tok-9f8e7d6c5b4a39281706" not in f.read()  # encrypted at rest
    from interlock.vault import Vault

    assert Vault(env, backend="file").get("railway/prod") == "tok-9f8e7d6c5b4a39281706"
    p = run(["secrets", "vault", "rm", "railway/prod"], env)
    assert p.returncode == 0
    assert "railway/prod" not in run(["secrets", "vault", "list"], env).stdout
    p = run(["secrets", "vault", "add", "bad name!"], env, stdin="x")
    assert p.returncode == 1 and "invalid name" in p.stderr


def test_secrets_move_rewrites_file_with_references(env, workspace):
    env = dict(env, INTERLOCK_VAULT_BACKEND="file")
    path = os.path.join(workspace, ".env")
    with open(path, "w") as f:
        f.write(f"DEBUG=1\nSTRIPE_SECRET_KEY={STRIPE}\nexport DB_PASSWORD=\"hunter2hunter2\"\n# {GH}\n")
    p = run(["secrets", "move", path], env)
    assert p.returncode == 0, p.stderr
    assert STRIPE not in p.stdout and "3 secret(s) moved" in p.stdout
    text = open(path).read()
    assert STRIPE not in text and GH not in text and "hunter2hunter2" not in text
    assert "STRIPE_SECRET_KEY=interlock-vault://env/STRIPE_SECRET_KEY" in text
    assert 'DB_PASSWORD="interlock-vault://env/DB_PASSWORD"' in text and "DEBUG=1" in text
    from interlock.vault import Vault

    v = Vault(env, backend="file")
    assert v.get("env/STRIPE_SECRET_KEY") == STRIPE and v.get("env/DB_PASSWORD") == "hunter2hunter2"


def test_agent_is_denied_the_vault(env, workspace):
    for cmd in ("interlock secrets vault list", "interlock secrets vault add x", "interlock secrets move .env",
                f"cat {env['INTERLOCK_HOME']}/vault/key", f"cp -r {env['INTERLOCK_HOME']}/vault /tmp/v"):
        code, out, _ = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": workspace,
                                                "tool_input": {"command": cmd}}, env)
        assert out["hookSpecificOutput"]["permissionDecision"] == "deny", cmd
    code, out, _ = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": workspace,
                                            "tool_input": {"command": "interlock secrets scan ."}}, env)
    assert out is None  # scanning shows masked values only


def test_post_tool_use_redaction(env, workspace):
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "cat notes"},
               "tool_response": {"stdout": f"token: {GH}\nok", "stderr": "", "interrupted": False}}
    code, out, _ = run_hook("claude-code", payload, env)
    upd = out["hookSpecificOutput"]["updatedToolOutput"]
    assert out["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    assert GH not in json.dumps(out) and upd["stdout"].startswith("token: ghp_") and upd["stderr"] == ""
    payload["tool_response"] = {"stdout": "all clean", "stderr": ""}
    code, out, _ = run_hook("claude-code", payload, env)
    assert out is None


def test_init_redact_output_adds_and_removes_post_hook(env, workspace):
    p = run(["init", "--agent", "claude-code", "--redact-output"], env, cwd=workspace)
    assert p.returncode == 0, p.stderr
    s = json.load(open(os.path.join(workspace, ".claude", "settings.json")))
    assert "hook claude-code" in s["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
    run(["uninstall", "--agent", "claude-code"], env, cwd=workspace)
    # init created the file, so uninstall removes it (it would hold nothing else)
    assert not os.path.exists(os.path.join(workspace, ".claude", "settings.json"))
