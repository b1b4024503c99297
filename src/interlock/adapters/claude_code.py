"""Claude Code ``PreToolUse`` hook: ``interlock hook claude-code``.

Reply: ``hookSpecificOutput.permissionDecision`` allow/ask/deny with
``permissionDecisionReason``.  A routine ``allow`` prints nothing by default, which
defers to the user's own permission settings (an explicit allow would skip Claude
Code's prompts); set ``[hook] allow_output = "explicit"`` to print it.
"""

from __future__ import annotations

import json
import os

from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, Action
from . import BadPayload, Event, approval_message, dict_field, opt_str, str_field, summarize

SHELL_TOOLS = ("Bash", "PowerShell")
READ_TOOLS = ("Read", "NotebookRead")
WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
# Tools that change nothing outside the conversation: not judged.
PASS_TOOLS = frozenset({"TodoWrite", "Task", "Agent", "WebSearch", "ExitPlanMode", "EnterPlanMode", "BashOutput",
                        "KillShell", "KillBash", "SlashCommand", "Skill", "AskUserQuestion", "ListMcpResourcesTool",
                        "ReadMcpResourceTool", "LS", "TaskOutput", "TaskStop"})


def parse(payload: dict, env) -> Event:
    event_name = payload.get("hook_event_name", "PreToolUse")
    if event_name == "PostToolUse":
        # opt-in (interlock init --redact-output): mask secrets a tool printed before Claude reads them
        return Event(None, event_name, reply_kind="redact", info={"response": payload.get("tool_response")},
                     skip=True)
    if event_name != "PreToolUse":
        raise BadPayload(f"unsupported hook event {event_name!r}: register interlock for PreToolUse")
    tool = str_field(payload, "tool_name")
    cwd = opt_str(payload, "cwd")
    cwd = cwd or env.get("CLAUDE_PROJECT_DIR") or os.getcwd()
    ti = payload.get("tool_input")
    common = dict(agent="claude-code", session=opt_str(payload, "session_id"), cwd=cwd, workspace=env.get("CLAUDE_PROJECT_DIR") or None,
        tool=tool, meta={"permission_mode": payload.get("permission_mode")})
    if tool in PASS_TOOLS:
        return Event(None, event_name, skip=True)
    if tool in SHELL_TOOLS:
        ti = dict_field(payload, "tool_input")
        return Event(Action(SHELL, {"command": str_field(ti, "command")}, **common), event_name)
    if tool in READ_TOOLS or tool in WRITE_TOOLS:
        ti = dict_field(payload, "tool_input")
        path = ti.get("file_path") or ti.get("notebook_path")
        if not isinstance(path, str) or not path:
            raise BadPayload(f"{tool}: tool_input.file_path must be a non-empty string")
        kind = FILE_READ if tool in READ_TOOLS else FILE_WRITE
        payload = {"path": path}
        if kind == FILE_WRITE:
            text = ti.get("content") if isinstance(ti.get("content"), str) else ti.get("new_string")
            if tool == "MultiEdit" and isinstance(ti.get("edits"), list):
                text = "\n".join(e.get("new_string", "") for e in ti["edits"] if isinstance(e, dict)
                                 and isinstance(e.get("new_string"), str))
            if tool == "NotebookEdit" and isinstance(ti.get("new_source"), str):
                text = ti["new_source"]
            if isinstance(text, str) and (text or tool == "Write"):
                payload["content"] = text  # (a Write of "" empties the file: analysis.files judges that)
        return Event(Action(kind, payload, **common), event_name)
    if tool in ("Grep", "Glob"):
        ti = dict_field(payload, "tool_input")
        base = ti.get("path") if isinstance(ti.get("path"), str) and ti.get("path") else cwd
        pat = ti.get("glob") if tool == "Grep" else ti.get("pattern")
        if isinstance(pat, str) and pat.startswith(("/", "~")):  # an absolute glob names its own tree
            root = pat.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
            base = root.rsplit("/", 1)[0] or "/" if "/" in root else root
            path = pat
        else:
            path = base.rstrip("/") + "/" + pat if isinstance(pat, str) and pat else base
        search = {"base": base}  # what the search looks for, judged by analysis.hunt (files.analyze)
        if tool == "Grep" and isinstance(ti.get("pattern"), str):
            search.update(pattern=ti["pattern"], icase=bool(ti.get("-i")), flavor="rust")
        elif tool == "Glob" and isinstance(ti.get("pattern"), str):
            search.update(glob=ti["pattern"])
        return Event(Action(FILE_READ, {"path": path, "search": search}, **common), event_name)
    if tool == "WebFetch":
        ti = dict_field(payload, "tool_input")
        return Event(Action(HTTP, {"method": "GET", "url": str_field(ti, "url")}, **common), event_name)
    if tool.startswith("mcp__"):
        parts = tool.split("__")
        server = parts[1] if len(parts) > 2 else ""
        name = "__".join(parts[2:]) if len(parts) > 2 else tool[5:]
        args = ti if isinstance(ti, dict) else {}
        return Event(Action(MCP_CALL, {"server": server, "tool": name, "arguments": args}, **common), event_name)
    # VS Code reads .claude/settings.json too and sends its own tool names (its reply format is this one)
    from . import vscode

    if tool in vscode.KNOWN or tool.startswith("mcp_"):
        return vscode.parse_tool(tool, payload, env)
    raise BadPayload(f"unknown tool {tool!r}: Interlock does not know what it does")


def _reply(decision: str, reason: str) -> str:
    return json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                              "permissionDecisionReason": reason[:9500]}}, ensure_ascii=False)


def _mask(value):
    from ..analysis.literal_secrets import mask_secrets

    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    return value


def render(decision, event, ctx) -> str:
    if event is not None and event.reply_kind == "redact":
        response = event.info.get("response")
        masked = _mask(response)
        if masked == response:
            return ""
        return json.dumps({"hookSpecificOutput": {"hookEventName": "PostToolUse", "updatedToolOutput": masked}},
                          ensure_ascii=False)
    if decision is None:
        return ""
    if decision.decision == "allow":
        explicit = ctx is not None and ctx.policy.hook_setting("allow_output", "silent") == "explicit"
        return _reply("allow", "Interlock: no destructive effect found") if explicit else ""
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        return _reply(*ap)
    if decision.decision == "deny":
        reason = (f"Interlock blocked this ({decision.severity}).\n{body}\n"
                  "Do not retry this or a variant of it, and do not look for another way to do the same thing. "
                  "If it is really needed, tell the user what you wanted to do and why; only they can run it "
                  "or change the Interlock policy.")
        return _reply("deny", reason)
    reason = f"Interlock: this needs your approval ({decision.severity}).\n{body}"
    return _reply("ask", reason)


def emergency(message: str) -> str:
    return _reply("deny", f"Interlock failed and blocks by default: {message[:500]}")
