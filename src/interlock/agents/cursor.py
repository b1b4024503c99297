"""Cursor hooks: ``interlock hook cursor`` for beforeShellExecution, beforeMCPExecution,
beforeReadFile and preToolUse.  Reply: ``permission`` allow/deny/ask with
``user_message`` and ``agent_message``.  Events that cannot ``ask`` (beforeReadFile,
preToolUse) get ``deny`` with the reason instead.
"""

from __future__ import annotations

import json
import os

from ..actions import FILE_READ, FILE_WRITE, MCP_CALL, SHELL, Action
from . import APPROVAL_MARGIN_S, Install
from ..adapters import BadPayload, Event, approval_message, opt_str, str_field, summarize

CAN_ASK = ("beforeShellExecution", "beforeMCPExecution")


def parse(payload: dict, env) -> Event:
    name = payload.get("hook_event_name")
    if not isinstance(name, str):
        raise BadPayload("missing field 'hook_event_name'")
    roots = payload.get("workspace_roots")
    ws = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else None
    ws = ws or env.get("CURSOR_PROJECT_DIR") or None
    cwd = opt_str(payload, "cwd") or ws or os.getcwd()
    common = dict(agent="cursor", session=opt_str(payload, "conversation_id"), cwd=cwd, workspace=ws)
    if name == "beforeShellExecution":
        return Event(Action(SHELL, {"command": str_field(payload, "command")}, tool="Shell", **common), name)
    if name == "beforeMCPExecution":
        server = payload.get("mcp_server_name")
        if not isinstance(server, str) or not server:
            raise BadPayload("beforeMCPExecution without mcp_server_name")
        tool = str_field(payload, "tool_name")
        raw = payload.get("tool_input")
        if isinstance(raw, str):
            try:
                args = json.loads(raw) if raw.strip() else {}
            except ValueError:
                raise BadPayload("beforeMCPExecution tool_input is not valid JSON") from None
        elif isinstance(raw, dict) or raw is None:
            args = raw or {}
        else:
            raise BadPayload("beforeMCPExecution tool_input must be a JSON string")
        return Event(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, tool=f"MCP:{tool}",
                            **common), name)
    if name == "beforeReadFile":
        return Event(Action(FILE_READ, {"path": str_field(payload, "file_path")}, tool="Read", **common), name)
    if name == "preToolUse":
        tool = str_field(payload, "tool_name")
        ti = payload.get("tool_input")
        if isinstance(ti, str):
            try:
                ti = json.loads(ti)
            except ValueError:
                raise BadPayload("preToolUse tool_input is not valid JSON") from None
        if not isinstance(ti, dict):
            raise BadPayload("preToolUse tool_input must be an object")
        if tool == "Shell":
            cwd2 = ti.get("working_directory") if isinstance(ti.get("working_directory"), str) else None
            if cwd2:
                common["cwd"] = cwd2
            return Event(Action(SHELL, {"command": str_field(ti, "command")}, tool=tool, **common), name)
        path = ti.get("file_path") or ti.get("path") or ti.get("target_file")
        if tool in ("Grep", "Glob"):  # a search: what it looks for is judged too (analysis.hunt)
            base = path if isinstance(path, str) and path else common.get("cwd")
            pat = ti.get("pattern") if tool == "Grep" else (ti.get("glob_pattern") or ti.get("pattern"))
            search = {"base": base}
            if isinstance(pat, str) and pat:
                search.update({"pattern": pat, "flavor": "rust", "vcs_ignore": True} if tool == "Grep" else {"glob": pat})
            if base:
                return Event(Action(FILE_READ, {"path": base, "search": search}, tool=tool, **common), name)
            return Event(None, name, skip=True)
        if tool in ("Read",):
            if isinstance(path, str) and path:
                return Event(Action(FILE_READ, {"path": path}, tool=tool, **common), name)
            return Event(None, name, skip=True)
        if tool in ("Write", "Edit", "Delete", "MultiEdit"):
            if not isinstance(path, str) or not path:
                raise BadPayload(f"{tool}: no file path in tool_input")
            payload2 = {"path": path, "op": "delete" if tool == "Delete" else "write"}
            text = _written(ti) if tool != "Delete" else None
            if text is not None:
                payload2["content"] = text  # what lands in the file is judged where it runs later (analysis.files)
            return Event(Action(FILE_WRITE, payload2, tool=tool, **common), name)
        if tool.startswith("MCP:"):
            return Event(Action(MCP_CALL, {"server": "", "tool": tool[4:], "arguments": ti}, tool=tool, **common), name)
        return Event(None, name, skip=True)
    raise BadPayload(f"unsupported Cursor hook event {name!r}")


def _written(ti: dict):
    """The text a Write/Edit/MultiEdit puts in the file: the whole content, or what its edits add."""
    for k in ("contents", "content", "new_string", "code_edit", "file_text"):
        if isinstance(ti.get(k), str):
            return ti[k]
    edits = ti.get("edits")
    if isinstance(edits, list):
        added = [e.get("new_string") for e in edits if isinstance(e, dict) and isinstance(e.get("new_string"), str)]
        return "\n".join(added) if added else None
    return None


def _reply(permission, user_message=None, agent_message=None) -> str:
    out = {"continue": True, "permission": permission}
    if user_message:
        out["user_message"] = user_message[:4000]
    if agent_message:
        out["agent_message"] = agent_message[:4000]
    return json.dumps(out, ensure_ascii=False)


def render(decision, event, ctx) -> str:
    if decision is None or decision.decision == "allow":
        return _reply("allow")
    body = summarize(decision)
    can_ask = event is not None and event.name in CAN_ASK
    ap = approval_message(decision, event, body)
    if ap and ap[0] == "ask" and can_ask:
        return _reply("ask", ap[1], f"Interlock asked the user to approve this ({decision.severity}).")
    if ap:
        return _reply("deny", ap[1], ap[1])
    if decision.decision == "ask" and can_ask:
        return _reply("ask", f"Interlock: this needs your approval ({decision.severity}).\n{body}",
                      f"Interlock asked the user to approve this ({decision.severity}).")
    user = f"Interlock blocked this ({decision.severity}).\n{body}"
    agent = (f"Interlock blocked this action ({decision.severity}).\n{body}\n"
             "Do not retry it or a variant of it. If it is really needed, tell the user what you wanted to do "
             "and why; only they can run it or change the Interlock policy.")
    return _reply("deny", user, agent)


def emergency(message: str) -> str:
    return _reply("deny", f"Interlock failed and blocks by default: {message[:500]}",
                  "Interlock failed and blocked this action; tell the user.")


# --- installing: ``interlock init --agent cursor`` -------------------------------------------------------

FALLBACK = None  # Cursor's own failClosed: a hook that dies blocks
EVENTS = {
    "beforeShellExecution": None,
    "beforeMCPExecution": None,
    "beforeReadFile": None,
    "preToolUse": "Write|Edit|Delete",
}


def hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import fresh, set_flat, tidy

    s, hooks = fresh(existing, 1)
    for event, matcher in EVENTS.items():
        entry = {"command": f"{base_cmd} hook cursor", "failClosed": True, "timeout": HOOK_TIMEOUT_S}
        if matcher:
            entry["matcher"] = matcher
        set_flat(hooks, event, None if remove else entry)
    return tidy(s, remove)


INSTALL = Install("cursor", "Cursor", (".cursor",), ("cursor", "cursor-agent"), (".cursor",),
                  ".cursor/hooks.json", ".cursor/hooks.json", hooks, "Restart Cursor if it is open.")


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    return {"hook_event_name": "beforeShellExecution", "conversation_id": "interlock-doctor", "command": command,
            "cwd": root, "workspace_roots": [root]}


def doctor_verdict(returncode: int, stdout: str) -> str:
    from .probe import json_verdict

    return json_verdict(returncode, stdout, lambda d: d.get("permission"))


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the hook's timeout init registers, and the approval wait under it
HOOK_TIMEOUT_S = 30
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S


def approval_mode(event, env) -> str:
    from ..approvals import OUT_OF_BAND, PROMPT

    return PROMPT if event.name in CAN_ASK else OUT_OF_BAND
