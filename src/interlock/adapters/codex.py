"""OpenAI Codex ``PreToolUse`` hook: ``interlock hook codex``.

Claude-Code-shaped JSON, but Codex treats ``ask`` as a failed hook and runs the tool,
so every non-allow decision is a ``deny`` whose reason says how a human can let it
through.  ``apply_patch`` (matcher aliases Edit/Write) carries the patch text in
``tool_input.command``: the files it adds, updates, moves or deletes are judged.
"""

from __future__ import annotations

import json
import os
import re

from ..actions import FILE_WRITE, MCP_CALL, SHELL, Action
from . import BadPayload, Event, approval_message, dict_field, opt_str, str_field, summarize

_PATCH_FILE = re.compile(r"^\*\*\* (Add File|Update File|Delete File|Move to): (.+?)\s*$", re.M)


def parse(payload: dict, env) -> Event:
    name = payload.get("hook_event_name", "PreToolUse")
    if name != "PreToolUse":
        raise BadPayload(f"unsupported Codex hook event {name!r}: register interlock for PreToolUse")
    tool = str_field(payload, "tool_name")
    cwd = opt_str(payload, "cwd") or os.getcwd()
    common = dict(agent="codex", session=opt_str(payload, "session_id"), cwd=cwd, tool=tool)
    ti = payload.get("tool_input")
    if tool in ("Bash", "shell", "local_shell", "exec_command"):
        ti = dict_field(payload, "tool_input")
        cmd = ti.get("command")
        if isinstance(cmd, list):  # some Codex versions send argv
            import shlex

            cmd = shlex.join(str(c) for c in cmd)
        if not isinstance(cmd, str):
            raise BadPayload("tool_input.command must be a string")
        return Event(Action(SHELL, {"command": cmd}, **common), name)
    if tool in ("apply_patch", "Edit", "Write"):
        ti = dict_field(payload, "tool_input")
        patch = ti.get("command") if isinstance(ti.get("command"), str) else ti.get("input")
        if not isinstance(patch, str):
            raise BadPayload("apply_patch without patch text")
        files = [(op, p) for op, p in _PATCH_FILE.findall(patch)]
        if not files:
            raise BadPayload("apply_patch: no file headers found in the patch")
        paths = [os.path.join(cwd, p) if not p.startswith("/") else p for op, p in files if op != "Delete File"]
        deletes = [os.path.join(cwd, p) if not p.startswith("/") else p for op, p in files if op == "Delete File"]
        payload2 = {"path": (paths or deletes)[0], "paths": paths, "deletes": deletes, "content": patch}
        return Event(Action(FILE_WRITE, payload2, **common), name)
    if tool.startswith("mcp__"):
        parts = tool.split("__")
        return Event(Action(MCP_CALL, {"server": parts[1] if len(parts) > 2 else "",
                                       "tool": "__".join(parts[2:]) if len(parts) > 2 else tool[5:],
                                       "arguments": ti if isinstance(ti, dict) else {}}, **common), name)
    raise BadPayload(f"unknown tool {tool!r}: Interlock does not know what it does")


def _deny(reason: str) -> str:
    return json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                              "permissionDecisionReason": reason[:9500]}}, ensure_ascii=False)


def render(decision, event, ctx) -> str:
    if decision is None or decision.decision == "allow":
        return ""
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        return _deny(ap[1])
    if decision.decision == "ask":
        return _deny(f"Interlock: this needs a human's approval ({decision.severity}), and Codex cannot ask in a "
                     f"hook.\n{body}\nStop and tell the user exactly what you want to run and why; they can run it "
                     "themselves or allow it in the Interlock policy. Do not retry a variant.")
    return _deny(f"Interlock blocked this ({decision.severity}).\n{body}\nDo not retry this or a variant of it. "
                 "If it is really needed, tell the user what you wanted to do and why.")


def emergency(message: str) -> str:
    return _deny(f"Interlock failed and blocks by default: {message[:500]}")
