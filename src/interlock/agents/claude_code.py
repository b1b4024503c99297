"""Claude Code: how to drive the real binary with a scripted model (tests, bench, doctor --live).

``ANTHROPIC_BASE_URL`` points it at the scripted Messages API; ``-p`` runs one headless turn with
``--output-format json`` (whose ``permission_denials`` lists the tool calls it refused).  As root,
``--dangerously-skip-permissions`` is refused, so the tools are allowed by name instead.
"""

from __future__ import annotations

import json

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
