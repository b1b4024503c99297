"""Claude Code: how to drive the real binary with a scripted model (tests, bench, doctor --live).

``ANTHROPIC_BASE_URL`` points it at the scripted Messages API; ``-p`` runs one headless turn with
``--output-format json`` (whose ``permission_denials`` lists the tool calls it refused).  As root,
``--dangerously-skip-permissions`` is refused, so the tools are allowed by name instead.
"""

from __future__ import annotations

import json
import os

TOOLS = "Bash,Read,Grep,Glob,Write,Edit"


def configure(home: str, model_url: str, env=None):
    pass  # everything is in the environment and the argv


def argv(binary: str, prompt: str) -> list[str]:
    return [binary, "-p", prompt, "--allowedTools", TOOLS, "--output-format", "json", "--model", "claude-sonnet-4-5"]


def env_vars(model_url: str) -> dict:
    return {"ANTHROPIC_BASE_URL": model_url, "ANTHROPIC_API_KEY": "sk-ant-scripted-not-a-key",
            "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1", "CLAUDE_CODE_DISABLE_TERMINAL_TITLE": "1"}


def denials(stdout: str) -> list[dict]:
    """The tool calls Claude Code reports it refused (its JSON result's ``permission_denials``)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and "permission_denials" in d:
            return d.get("permission_denials") or []
    return []


def _settings_paths(root, home, env):
    from ..install import REGISTRY  # noqa: F401  (the managed path lives with issue 21's work)

    paths = [os.path.join(home, ".claude", "settings.json"), os.path.join(root, ".claude", "settings.json"),
             os.path.join(root, ".claude", "settings.local.json"), "/etc/claude-code/managed-settings.json"]
    return list(dict.fromkeys(paths))


def fail_open(root: str, home: str, env) -> list[tuple[str, str]]:
    """Settings that make Claude Code skip every hook, Interlock's included."""
    out = []
    for path in _settings_paths(root, home, env):
        try:
            with open(path) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(s, dict):
            continue
        if s.get("disableAllHooks") is True:
            out.append((path, "disableAllHooks is true: Claude Code runs no hook, Interlock's included"))
        if s.get("allowManagedHooksOnly") is True and not path.startswith("/etc/"):
            out.append((path, "allowManagedHooksOnly is true: only managed hooks run, not Interlock's in user or "
                              "project settings"))
    return out
