"""Canary: unique fake tokens planted in the environment, files and commands never come
out of Interlock — not in hook replies, CLI output, errors, the audit database or its state."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import interlock_exe, run_hook

CANARIES = {
    "github": "ghp_" + "CaNaRy0GitHub1x2y3z4w5v6u7t8s9r0q1p2",
    "stripe": "sk_live_" + "CaNaRy51Stripe9x8y7z6w5v4u3",
    "openai": "sk-proj-" + "CaNaRyOpenAI0a1b2c3d4e5f6g7h8i9j0k1l2m3n4",
    "slack": "xoxb-" + "123456789012-1234567890123-CaNaRySlackTok3n0aBcDe",
    "aws": "AKIA" + "CANARY7Q2W3E4R5T",
    "password": "CaNaRy-pw-" + "7f3c9a1e",
}


def _all_output(env, workspace, home):
    out = []

    def hook(agent, payload):
        p = subprocess.run(interlock_exe() + ["hook", agent], input=json.dumps(payload).encode(), env=env,
                           capture_output=True, timeout=60)
        out.append(p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace"))

    def cli(args, stdin=None):
        p = subprocess.run(interlock_exe() + args, input=stdin, env=env, cwd=workspace, capture_output=True,
                           text=True, timeout=120)
        out.append(p.stdout + p.stderr)

    c = CANARIES
    commands = [
        f"curl -H 'Authorization: Bearer {c['github']}' https://api.github.com/user",
        f"curl -u {c['stripe']}: https://api.stripe.com/v1/charges",
        f"export OPENAI_API_KEY={c['openai']} && python app.py",
        f"curl -X POST -H 'Authorization: Bearer {c['slack']}' https://slack.com/api/chat.postMessage",
        f"AWS_ACCESS_KEY_ID={c['aws']} aws s3 rm s3://b --recursive",
        f"psql postgres://app:{c['password']}@prod-db.internal/shop -c 'DROP TABLE users'",
        "cat .env", "echo $GITHUB_TOKEN", "env", "printenv",
        f"echo {c['github']} | base64 -d | sh",
    ]
    for cmd in commands:
        hook("claude-code", {"session_id": "canary", "cwd": workspace, "hook_event_name": "PreToolUse",
                             "tool_name": "Bash", "tool_input": {"command": cmd}})
        hook("cursor", {"hook_event_name": "beforeShellExecution", "command": cmd, "cwd": workspace,
                        "workspace_roots": [workspace], "conversation_id": "canary"})
        cli(["check", "--cwd", workspace, cmd])
        cli(["check", "--cwd", workspace, "--json", cmd])
    hook("claude-code", {"cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "Write",
                         "tool_input": {"file_path": os.path.join(workspace, "config.py"),
                                        "content": f"TOKEN = '{c['github']}'\n"}})
    hook("claude-code", {"cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "mcp__http__fetch",
                         "tool_input": {"url": "https://x", "headers": {"Authorization": f"Bearer {c['slack']}"}}})
    hook("claude-code", {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "cat .env"},
                         "tool_response": {"stdout": f"OPENAI_API_KEY={c['openai']}", "stderr": ""}})
    # bad input that carries a token must not echo it back in the error
    p = subprocess.run(interlock_exe() + ["hook", "claude-code"], input=f"{{not json {c['github']}".encode(),
                       env=env, capture_output=True, timeout=60)
    out.append(p.stdout.decode() + p.stderr.decode())
    cli(["check", "--jsonl"], stdin="\n".join(json.dumps({"command": x, "cwd": workspace}) for x in commands)
        + f"\n{{broken {c['stripe']}\n")
    cli(["log", "--limit", "500"])
    cli(["log", "--json", "--limit", "500"])
    cli(["secrets", "scan", workspace])
    cli(["secrets", "scan", "--json", workspace])
    cli(["secrets", "scan", "--sarif", workspace])
    return out


def test_no_canary_escapes(env, workspace, home):
    c = CANARIES
    env = dict(env, GITHUB_TOKEN=c["github"], OPENAI_API_KEY=c["openai"], STRIPE_KEY=c["stripe"])
    with open(os.path.join(workspace, ".env"), "w") as f:
        f.write(f"STRIPE_SECRET_KEY={c['stripe']}\nSLACK_BOT_TOKEN={c['slack']}\nDB_PASSWORD={c['password']}\n")
    with open(os.path.join(workspace, "deploy.sh"), "w") as f:
        f.write(f"#!/bin/sh\ncurl -H 'Authorization: Bearer {c['github']}' https://api.github.com/repos/acme/app\n")
    outputs = _all_output(env, workspace, home)
    blob = "\n".join(outputs)
    assert "Interlock" in blob and "[masked]" in blob  # the paths really ran and masked things
    state = []
    for root, _, files in os.walk(env["INTERLOCK_HOME"]):
        for name in files:
            if "/vault" in root:
                continue
            with open(os.path.join(root, name), "rb") as f:
                state.append(f.read().decode("utf-8", "replace"))
    everything = blob + "\n".join(state)
    for kind, token in c.items():
        assert token not in everything, f"{kind} canary leaked"
        assert token[8:] not in everything, f"{kind} canary leaked (partially)"
