"""GitHub Copilot CLI / cloud agent ``preToolUse`` hook: ``interlock hook copilot``.

Two payload styles (camelCase ``toolName``/``toolArgs``, where ``toolArgs`` may be a
JSON string; and VS Code-style ``tool_name``/``tool_input``).  Reply: top-level
``permissionDecision`` + ``permissionDecisionReason``.  Exit code 2 does NOT block
``preToolUse`` in Copilot, so every answer is JSON on stdout with exit 0.
"""

from __future__ import annotations

import json
import os

from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, Action
from . import APPROVAL_MARGIN_S, CRASH_MESSAGE, Install
from ..adapters import BadPayload, Event, approval_message, opt_str, summarize

SHELL_TOOLS = ("bash", "powershell", "shell")
READ_TOOLS = ("view", "glob", "grep", "read")
WRITE_TOOLS = ("create", "edit", "write")
PASS_TOOLS = ("task", "ask_user", "report_intent", "think")


def parse(payload: dict, env) -> Event:
    tool = payload.get("toolName") or payload.get("tool_name")
    if not isinstance(tool, str) or not tool:
        raise BadPayload("missing toolName")
    args = payload.get("toolArgs") if "toolArgs" in payload else payload.get("tool_input")
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            raise BadPayload("toolArgs is not valid JSON") from None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise BadPayload("toolArgs must be an object")
    cwd = opt_str(payload, "cwd") or os.getcwd()
    common = dict(agent="copilot", session=str(payload.get("sessionId") or payload.get("session_id") or "") or None,
                  cwd=cwd, tool=tool)
    low = tool.lower()
    if low in PASS_TOOLS:
        return Event(None, "preToolUse", skip=True)
    if low in SHELL_TOOLS:
        cmd = args.get("command")
        if not isinstance(cmd, str):
            raise BadPayload(f"{tool}: toolArgs.command must be a string")
        return Event(Action(SHELL, {"command": cmd}, **common), "preToolUse")
    if low in READ_TOOLS or low in WRITE_TOOLS:
        path = args.get("path") or args.get("file_path") or args.get("filePath")
        if not isinstance(path, str) or not path:
            if low in READ_TOOLS:
                return Event(None, "preToolUse", skip=True)
            raise BadPayload(f"{tool}: no path in toolArgs")
        path = path if path.startswith("/") else os.path.join(cwd, path)
        if low in ("grep", "glob") and isinstance(args.get("pattern"), str):
            search = {"base": path, "pattern": args["pattern"], "flavor": "rust", "vcs_ignore": True} if low == "grep" else \
                {"base": path, "glob": args["pattern"]}
            return Event(Action(FILE_READ, {"path": path, "search": search}, **common), "preToolUse")
        if low in READ_TOOLS:
            return Event(Action(FILE_READ, {"path": path}, **common), "preToolUse")
        content = args.get("file_text") or args.get("new_str") or args.get("content")
        p2 = {"path": path}
        if isinstance(content, str) and content:
            p2["content"] = content
        elif low == "create" and isinstance(args.get("file_text", args.get("content")), str):
            p2["content"] = ""  # a file created empty: what it held is gone (analysis.files judges that)
        return Event(Action(FILE_WRITE, p2, **common), "preToolUse")
    if low == "web_fetch":
        return Event(Action(HTTP, {"method": "GET", "url": str(args.get("url") or "")}, **common), "preToolUse")
    if "/" in tool or tool.startswith("mcp"):
        server, _, name = tool.partition("/") if "/" in tool else ("", "", tool)
        return Event(Action(MCP_CALL, {"server": server, "tool": name, "arguments": args}, **common), "preToolUse")
    # VS Code runs Copilot's hook files too, with its own tool names
    from . import vscode

    if tool in vscode.KNOWN:
        return vscode.parse_tool(tool, payload, env)
    raise BadPayload(f"unknown tool {tool!r}: Interlock does not know what it does")


def _reply(decision, reason):
    # hookSpecificOutput too: VS Code runs this hook from .github/hooks/ and reads that shape
    reason = reason[:9500]
    return json.dumps({"permissionDecision": decision, "permissionDecisionReason": reason,
                       "hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                              "permissionDecisionReason": reason}}, ensure_ascii=False)


def render(decision, event, ctx) -> str:
    if decision is None or decision.decision == "allow":
        return ""
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        return _reply("deny", ap[1])
    if decision.decision == "ask":
        return _reply("ask", f"Interlock: this needs your approval ({decision.severity}).\n{body}")
    return _reply("deny", f"Interlock blocked this ({decision.severity}).\n{body}\n"
                          "Do not retry this or a variant of it; tell the user what you wanted to do and why.")


def emergency(message: str) -> str:
    return _reply("deny", f"Interlock failed and blocks by default: {message[:500]}")


# --- installing: ``interlock init --agent copilot`` ------------------------------------------------------

FALLBACK = "echo '{\"permissionDecision\": \"deny\", \"permissionDecisionReason\": \"" + CRASH_MESSAGE + "\"}'"


def hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    """.github/hooks/interlock.json: a file of our own."""
    from .settings import fresh, set_flat, tidy

    s, hooks = fresh(existing, 1)
    set_flat(hooks, "preToolUse", None if remove else {
        "type": "command", "bash": f"{base_cmd} hook copilot || {FALLBACK}", "timeoutSec": HOOK_TIMEOUT_S},
        ("bash", "command"))
    return tidy(s, remove)


INSTALL = Install("copilot", "GitHub Copilot CLI", (".copilot",), ("copilot",), (".github/copilot",),
                  ".github/hooks/interlock.json", ".copilot/hooks/interlock.json", hooks,
                  "Commit .github/hooks/interlock.json for the Copilot cloud agent.")


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    import time

    return {"sessionId": "interlock-doctor", "timestamp": int(time.time() * 1000), "cwd": root, "toolName": "bash",
            "toolArgs": json.dumps({"command": command})}


def doctor_verdict(returncode: int, stdout: str) -> str:
    from .probe import json_verdict

    # exit 2 does not block preToolUse in Copilot: only the JSON answer does
    return json_verdict(returncode, stdout, lambda d: d.get("permissionDecision"), exit2_blocks=False)


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the hook's timeout init registers, and the approval wait under it
HOOK_TIMEOUT_S = 30
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S
