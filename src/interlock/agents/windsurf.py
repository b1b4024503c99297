"""Windsurf (Cascade) ``pre_*`` hooks: ``interlock hook windsurf``.

Windsurf reads only the exit code: 0 proceeds, 2 blocks (stderr is shown to the
agent).  There is no ``ask``: anything but allow exits 2 with the reason.
"""

from __future__ import annotations

import os

from ..actions import FILE_READ, FILE_WRITE, MCP_CALL, SHELL, Action
from . import CRASH_MESSAGE, Install
from ..adapters import BadPayload, Event, approval_message, opt_str, summarize


def parse(payload: dict, env) -> Event:
    name = payload.get("agent_action_name")
    info = payload.get("tool_info")
    if not isinstance(name, str):
        raise BadPayload("missing agent_action_name")
    if not isinstance(info, dict):
        raise BadPayload("missing tool_info")
    cwd = opt_str(info, "cwd") or os.getcwd()
    common = dict(agent="windsurf", session=str(payload.get("trajectory_id") or "") or None, cwd=cwd, tool=name)
    if name == "pre_run_command":
        cmd = info.get("command_line")
        if not isinstance(cmd, str):
            raise BadPayload("pre_run_command without tool_info.command_line")
        return Event(Action(SHELL, {"command": cmd}, **common), name)
    if name in ("pre_read_code", "pre_write_code"):
        path = info.get("file_path")
        if not isinstance(path, str) or not path:
            raise BadPayload(f"{name} without tool_info.file_path")
        if name == "pre_read_code":
            return Event(Action(FILE_READ, {"path": path}, **common), name)
        edits = info.get("edits") if isinstance(info.get("edits"), list) else []
        text = "\n".join(e.get("new_string", "") for e in edits if isinstance(e, dict)
                         and isinstance(e.get("new_string"), str))
        p2 = {"path": path}
        if text:
            p2["content"] = text
        return Event(Action(FILE_WRITE, p2, **common), name)
    if name == "pre_mcp_tool_use":
        server = info.get("mcp_server_name")
        if not isinstance(server, str) or not server:
            raise BadPayload("pre_mcp_tool_use without mcp_server_name")
        args = info.get("mcp_tool_arguments") if isinstance(info.get("mcp_tool_arguments"), dict) else {}
        return Event(Action(MCP_CALL, {"server": server, "tool": str(info.get("mcp_tool_name") or ""),
                                       "arguments": args}, **common), name)
    if name.startswith("post_") or name in ("pre_user_prompt",):
        return Event(None, name, skip=True)
    raise BadPayload(f"unsupported Windsurf hook {name!r}")


def render(decision, event, ctx):
    if decision is None or decision.decision == "allow":
        return ("", "", 0)
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        return ("", ap[1], 2)
    what = "needs a human's approval" if decision.decision == "ask" else "is blocked"
    msg = (f"Interlock: this {what} ({decision.severity}).\n{body}\n"
           "Do not retry a variant; tell the user what you wanted to do and why.")
    return ("", msg, 2)


def emergency(message: str):
    return ("", f"Interlock failed and blocks by default: {message[:500]}", 2)


# --- installing: ``interlock init --agent windsurf`` ----------------------------------------------------

FALLBACK = "{ echo '" + CRASH_MESSAGE + "' >&2; exit 2; }"


def hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import fresh, set_flat, tidy

    s, hooks = fresh(existing)
    for event in ("pre_run_command", "pre_read_code", "pre_write_code", "pre_mcp_tool_use"):
        set_flat(hooks, event, None if remove else {
            "command": f"{base_cmd} hook windsurf || {FALLBACK}", "show_output": True})
    return tidy(s, remove)


INSTALL = Install("windsurf", "Windsurf", (".codeium/windsurf",), ("windsurf",), (".windsurf",),
                  ".windsurf/hooks.json", ".codeium/windsurf/hooks.json", hooks)


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    return {"agent_action_name": "pre_run_command", "trajectory_id": "interlock-doctor",
            "tool_info": {"command_line": command, "cwd": root}}


def doctor_verdict(returncode: int, stdout: str) -> str:
    """Windsurf reads only the exit code."""
    return "deny" if returncode == 2 else "allow" if returncode == 0 else "broken"


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: under the agent's own hook timeout
APPROVAL_WAIT_CAP_S = 20
