"""Gemini CLI: what makes its hook actually run, and how to drive it with a scripted model.

Gemini CLI ignores a project's ``.gemini/settings.json`` — hooks included — in a workspace it
does not trust (and with ``--skip-trust``), and then runs the tool unchecked; a hook in the user's
``~/.gemini/settings.json`` still runs (observed with gemini-cli 0.61).  So a project that may run
untrusted needs Interlock's hook at user level too (``interlock init --agent gemini --user``).

Driving it: ``GOOGLE_GEMINI_BASE_URL`` points it at the scripted ``streamGenerateContent`` server,
``GEMINI_API_KEY`` plus ``security.auth.selectedType = "gemini-api-key"`` select API-key auth.
"""

from __future__ import annotations

import json
import os

from . import CRASH_MESSAGE, Install


def configure(home: str, model_url: str, env=None):
    path = os.path.join(home, ".gemini", "settings.json")
    try:
        with open(path) as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {}
    s.setdefault("security", {}).setdefault("auth", {})["selectedType"] = "gemini-api-key"
    s.setdefault("general", {})["disableAutoUpdate"] = True
    s.setdefault("privacy", {})["usageStatisticsEnabled"] = False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(s, f, indent=2)


def argv(binary: str, prompt: str) -> list[str]:
    return [binary, "--yolo", "-o", "json", "-p", prompt]


def env_vars(model_url: str) -> dict:
    return {"GOOGLE_GEMINI_BASE_URL": model_url, "GEMINI_API_KEY": "scripted-not-a-key",
            "GEMINI_CLI_TRUST_WORKSPACE": "true", "GEMINI_CLI_NO_RELAUNCH": "true"}


def fail_open(root: str, home: str, env) -> list[tuple[str, str]]:
    """Settings that make Gemini CLI skip Interlock's hook."""
    paths = [os.path.join(home, ".gemini", "settings.json"), os.path.join(root, ".gemini", "settings.json"),
             env.get("GEMINI_CLI_SYSTEM_SETTINGS_PATH") or "/etc/gemini-cli/settings.json"]
    out = []
    for path in dict.fromkeys(paths):
        try:
            with open(path) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        hc = s.get("hooksConfig") if isinstance(s, dict) else None
        if not isinstance(hc, dict):
            continue
        if hc.get("enabled") is False:
            out.append((path, "hooksConfig.enabled is false: Gemini CLI runs no hook, Interlock's included"))
        dis = hc.get("disabled")
        if isinstance(dis, list) and any(isinstance(d, str) and ("interlock" in d) for d in dis):
            out.append((path, "hooksConfig.disabled lists Interlock's hook: Gemini CLI skips it"))
    return out


def policy_text() -> str:
    """``~/.gemini/policies/interlock.toml``: the backstop under Interlock's BeforeTool hook — deny rules
    Gemini CLI's policy engine applies itself (user tier: above ``--yolo``'s allow-all), so they hold
    when the hook times out or is skipped.  The commands are Codex's ``forbidden`` rules (each one
    something Interlock itself denies); ``commandPrefix`` matches the prefix followed by a space or the
    end of the command, so ``rm -rf ~`` does not cover ``rm -rf ~/proj/build``."""
    from .codex import RULES

    out = ["# Written by `interlock init`; `interlock uninstall --user` deletes this file.",
           "# A second layer under Interlock's BeforeTool hook: Gemini CLI applies these itself.", ""]
    for pattern, decision, why, _match, _not_match in RULES:
        if decision != "forbidden":
            continue
        out += ["[[rule]]", 'toolName = "run_shell_command"', f"commandPrefix = {json.dumps(' '.join(pattern))}",
                'decision = "deny"', "priority = 900", f"denyMessage = {json.dumps('Interlock: ' + why)}", ""]
    return "\n".join(out)


# --- installing: ``interlock init --agent gemini`` -------------------------------------------------------

FALLBACK = "echo '{\"decision\": \"deny\", \"reason\": \"" + CRASH_MESSAGE + "\"}'"
MATCHER = "run_shell_command|read_file|read_many_files|write_file|replace|glob|grep_search|web_fetch|mcp_.*"


def settings(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import grouped

    return grouped("BeforeTool", MATCHER,
                   lambda b: {"name": "interlock", "type": "command", "command": f"{b} hook gemini || {FALLBACK}",
                              "timeout": 10000})(existing, base_cmd, remove=remove)


INSTALL = Install("gemini", "Gemini CLI", (".gemini",), ("gemini",), (".gemini",),
                  ".gemini/settings.json", ".gemini/settings.json", settings)
