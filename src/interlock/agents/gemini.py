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
