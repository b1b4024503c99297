"""The shapes agents' JSON hook-settings files share, for each agent module's settings writer: the
Claude-shaped grouped form (event → [{matcher, hooks: [handler]}], Claude Code, Codex, Gemini CLI)
and flat handler lists (Cursor, Copilot, VS Code, Windsurf).  Every writer merges: other tools'
entries are kept, ours is added once or removed."""

from __future__ import annotations

import json

from . import AGENTS


def is_ours(cmd: str) -> bool:
    return isinstance(cmd, str) and "interlock" in cmd and any(f" hook {a}" in cmd for a in AGENTS)


def grouped(event, matcher, handler):
    """Claude-shaped settings (event → [{matcher, hooks: [handler]}]), used by Codex and Gemini CLI too."""
    def fn(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
        s = json.loads(json.dumps(existing))
        hooks = s.get("hooks") if isinstance(s.get("hooks"), dict) else None
        if hooks is None:
            if remove:
                return s
            hooks = s["hooks"] = {}
        kept, present = [], False
        for g in hooks.get(event, []):
            if not isinstance(g, dict):
                kept.append(g)
                continue
            hs = [h for h in g.get("hooks", []) if not is_ours(h.get("command", ""))]
            if len(hs) != len(g.get("hooks", [])):
                present = True
                if remove:
                    if hs:
                        kept.append(dict(g, hooks=hs))
                    continue
            kept.append(g)
        if not remove and not present:
            kept.append({"matcher": matcher, "hooks": [handler(base_cmd)]})
        if kept:
            hooks[event] = kept
        else:
            hooks.pop(event, None)
        if not hooks:
            s.pop("hooks", None)
        return s
    return fn


def set_flat(hooks: dict, event: str, entry: dict | None, cmd_keys=("command",)):
    """One event's flat list of handlers: ours removed (``entry`` None) or added once; other
    tools' handlers kept as they are."""
    entries = [e for e in hooks.get(event, []) if isinstance(e, dict)]
    others = [e for e in entries if not any(is_ours(e.get(k) or "") for k in cmd_keys)]
    if entry is None:
        if others:
            hooks[event] = others
        else:
            hooks.pop(event, None)
    elif len(others) == len(entries):
        hooks[event] = others + [entry]


def fresh(existing: dict, version=None):
    s = json.loads(json.dumps(existing))
    if version is not None:
        s.setdefault("version", version)
    return s, s.setdefault("hooks", {})


def tidy(s: dict, remove: bool) -> dict:
    if remove and not s.get("hooks"):
        s.pop("hooks", None)
    return s
