"""VS Code agent hooks (Copilot Chat agent, Preview) ``PreToolUse``: ``interlock hook vscode``.

VS Code uses Claude Code's hook format: the same ``hookSpecificOutput`` reply
(``permissionDecision`` allow/ask/deny, most restrictive wins, exit 2 blocks), so
the reply is the Claude Code adapter's.  What differs is the input: VS Code's own
tool names (``run_in_terminal`` / ``runTerminalCommand``, ``read_file``,
``create_file``, ``replace_string_in_file``, ``editFiles``, ``fetch_webpage``,
``mcp_<server>_<tool>``…), camelCase common fields (``sessionId``,
``hookEventName``), and matchers that VS Code ignores, so every tool call arrives.

VS Code reads ``.github/hooks/*.json`` and Claude Code's settings files, and Copilot
CLI reads ``.github/hooks/*.json`` too (a ``PreToolUse`` entry gets VS Code-style
snake_case input with Copilot's tool names).  So this adapter also knows Copilot's
and Claude's tool names, and its reply carries Copilot's top-level
``permissionDecision`` beside ``hookSpecificOutput``: whichever agent runs the
file reads a decision in its own terms.

Fails closed in VS Code's terms: malformed input → ``deny``; a tool Interlock does
not know → ``ask`` (VS Code shows its confirmation with the reason).
"""

from __future__ import annotations

import json
import os

from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, Action
from . import APPROVAL_MARGIN_S, CRASH_MESSAGE, Install
from ..adapters import BadPayload, Event
from ..adapters import nonempty_str as _str
from . import claude_code as _claude

SHELL_TOOLS = frozenset({"run_in_terminal", "runTerminalCommand", "runInTerminal", "run_in_terminal_command",
                         "bash", "powershell"})
READ_TOOLS = frozenset({"read_file", "readFile", "view", "read_notebook_cell_output", "copilot_getNotebookSummary",
                        "getNotebookSummary"})
# Tools that run a notebook's cell: judged as the code of that cell, read from the notebook on disk
RUN_CELL_TOOLS = frozenset({"run_notebook_cell", "runNotebookCell", "runCell"})
WRITE_TOOLS = frozenset({"create_file", "createFile", "replace_string_in_file", "multi_replace_string_in_file",
                         "insert_edit_into_file", "edit_file", "editFiles", "edit_notebook_file", "create_new_jupyter_notebook",
                         "create", "edit", "write"})
DELETE_TOOLS = frozenset({"deleteFile", "delete_file"})
SEARCH_TOOLS = frozenset({"grep_search", "file_search", "textSearch", "fileSearch", "glob", "grep"})
FETCH_TOOLS = frozenset({"fetch_webpage", "fetch", "web_fetch"})
# Tools that change nothing outside the conversation or only look at the workspace's code index.
PASS_TOOLS = frozenset({
    "semantic_search", "codebase", "search", "list_dir", "listDirectory", "get_errors", "problems", "changes",
    "get_changed_files", "test_failure", "testFailure", "usages", "list_code_usages", "think", "todos",
    "manage_todo_list", "vscodeAPI", "get_vscode_api", "extensions", "githubRepo", "github_repo",
    "open_simple_browser", "openSimpleBrowser", "get_terminal_output", "terminal_last_command",
    "terminal_selection", "terminalLastCommand", "terminalSelection", "create_directory", "runSubagent",
    "task", "ask_user", "report_intent", "get_project_setup_info", "get_search_view_results", "selection",
})
KNOWN = RUN_CELL_TOOLS | SHELL_TOOLS | READ_TOOLS | WRITE_TOOLS | DELETE_TOOLS | SEARCH_TOOLS | FETCH_TOOLS | PASS_TOOLS


class UnknownTool(Exception):
    """A tool Interlock does not know: the hook runner answers ``ask`` (fail closed, not deny)."""


def _abs(path, cwd):
    return path if path.startswith("/") else os.path.join(cwd, path)


def _abs_glob(pat, env):
    """(directory, rest of the glob) of an include pattern that names an absolute or home path
    (`/home/u/.aws/**` → (/home/u/.aws, **)), else None."""
    if not isinstance(pat, str) or not pat.startswith(("/", "~/")):
        return None
    if pat.startswith("~/"):
        pat = (env.get("HOME") or os.path.expanduser("~")).rstrip("/") + pat[1:]
    parts = pat.split("/")
    fixed = []
    for i, part in enumerate(parts):
        if any(c in part for c in "*?[{"):
            return "/".join(fixed) or "/", "/".join(parts[i:])
        fixed.append(part)
    return "/".join(fixed) or "/", ""


def _cell_command(ti, cwd, env):
    """The shell command a notebook cell amounts to (its `!` lines, `%%bash` body, and its Python as
    `python3 -c`), read from the notebook on disk: the cell named by cellId (its id, or its index), else every
    code cell.  A notebook that cannot be read is an UnknownTool (asked): its code is not known."""
    import shlex

    from ..analysis.notebooks import notebook_code

    path = _str(ti.get("filePath")) or _str(ti.get("notebookPath")) or _str(ti.get("path"))
    if not path:
        raise BadPayload("run_notebook_cell: no notebook path in tool_input")
    try:
        with open(_abs(path, cwd), encoding="utf-8") as f:
            nb = json.loads(f.read(4 << 20))
        cells = [c for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type", "code") == "code"]
    except (OSError, ValueError, AttributeError) as e:
        raise UnknownTool(f"the notebook {path!r} whose cell would run could not be read ({type(e).__name__}): "
                          "its code is not known; approve it only if you know what it does") from None
    want = ti.get("cellId") if ti.get("cellId") is not None else ti.get("cell_id")
    chosen = [c for c in cells if want is not None and str(want) in (str(c.get("id")), str((c.get("metadata") or {}).get("id")))]
    if not chosen and isinstance(want, int) and 0 <= want < len(cells):
        chosen = [cells[want]]
    chosen = chosen or cells
    src = "\n\n".join("".join(c.get("source")) if isinstance(c.get("source"), list) else str(c.get("source") or "")
                       for c in chosen)
    shell, py = notebook_code(src)
    return "\n".join(shell[:64] + ([f"python3 -c {shlex.quote(py)}"] if py.strip() else [])) or "true"


def parse(payload: dict, env) -> Event:
    name = payload.get("hookEventName") or payload.get("hook_event_name") or "PreToolUse"
    if name != "PreToolUse":
        raise BadPayload(f"unsupported VS Code hook event {name!r}: register interlock for PreToolUse")
    tool = payload.get("tool_name") or payload.get("toolName")
    if not isinstance(tool, str) or not tool:
        raise BadPayload("missing field 'tool_name'")
    if tool not in KNOWN and not tool.startswith("mcp"):
        # Claude Code's tool names (a payload through .claude/settings.json from another agent)
        try:
            return _claude.parse(dict(payload, hook_event_name="PreToolUse"), env)
        except BadPayload as e:
            if str(e).startswith("unknown tool"):
                raise UnknownTool(f"VS Code tool {tool!r} is not known to Interlock; approve it only if you "
                                  "know what it does") from None
            raise
    return parse_tool(tool, payload, env)


def parse_tool(tool: str, payload: dict, env) -> Event:
    """A VS Code or Copilot tool call → Event (also used by the Claude Code and Copilot adapters)."""
    cwd = _str(payload.get("cwd")) or env.get("CLAUDE_PROJECT_DIR") or os.getcwd()
    session = _str(payload.get("sessionId")) or _str(payload.get("session_id"))
    common = dict(agent="vscode", session=session, cwd=cwd, tool=tool)
    name = "PreToolUse"
    if tool in PASS_TOOLS:
        return Event(None, name, skip=True)
    ti = payload.get("tool_input") if "tool_input" in payload else payload.get("toolArgs")
    if isinstance(ti, str):
        try:
            ti = json.loads(ti) if ti.strip() else {}
        except ValueError:
            raise BadPayload("tool_input is not valid JSON") from None
    if ti is None:
        ti = {}
    if not isinstance(ti, dict):
        raise BadPayload(f"field 'tool_input' must be an object, got {type(ti).__name__}")
    if tool in SHELL_TOOLS:
        cmd = ti.get("command")
        if not isinstance(cmd, str):
            raise BadPayload(f"{tool}: tool_input.command must be a string")
        return Event(Action(SHELL, {"command": cmd}, **common), name)
    if tool in FETCH_TOOLS:
        urls = ti.get("urls") if isinstance(ti.get("urls"), list) else [ti.get("url")]
        urls = [u for u in urls if isinstance(u, str) and u]
        if not urls:
            raise BadPayload(f"{tool}: no url in tool_input")
        return Event(Action(HTTP, {"method": "GET", "url": urls[0][:4000], "urls": [u[:4000] for u in urls[:20]]},
                            **common), name)
    if tool in RUN_CELL_TOOLS:
        return Event(Action(SHELL, {"command": _cell_command(ti, cwd, env)}, **common), name)
    if tool in SEARCH_TOOLS and _abs_glob(ti.get("includePattern"), env):
        # `includePattern: "/home/u/.aws/**"`: a search of that tree, not of the workspace
        base, pat = _abs_glob(ti.get("includePattern"), env)
        search = {"base": base}
        q = _str(ti.get("query"))
        if q and tool in ("grep_search", "textSearch", "grep"):
            search.update(pattern=q, flavor="rust" if ti.get("isRegexp") else "fixed")
        elif pat:
            search.update(glob=pat)
        return Event(Action(FILE_READ, {"path": base.rstrip("/") + ("/" + pat if pat else ""), "search": search},
                            **common), name)
    if tool in SEARCH_TOOLS:
        pat = _str(ti.get("includePattern")) or _str(ti.get("query") if tool in ("file_search", "fileSearch",
                                                                                   "glob") else None)
        base = _str(ti.get("path")) or cwd
        path = base.rstrip("/") + "/" + pat if pat else base
        search = {"base": _abs(base, cwd)}
        q = _str(ti.get("query"))
        if q and tool in ("grep_search", "textSearch", "grep"):
            search.update(pattern=q, flavor="rust" if ti.get("isRegexp") else "fixed", vcs_ignore=True)
        elif q:
            search.update(glob=q)
        return Event(Action(FILE_READ, {"path": _abs(path, cwd), "search": search}, **common), name)
    if tool.startswith("mcp"):
        if tool.startswith("mcp__"):
            parts = tool.split("__")
            server, tname = (parts[1], "__".join(parts[2:])) if len(parts) > 2 else ("", tool[5:])
        else:
            rest = tool[4:] if tool.startswith("mcp_") else tool[3:]
            server, _, tname = rest.partition("_")
            tname = tname or rest
        return Event(Action(MCP_CALL, {"server": server, "tool": tname, "arguments": ti}, **common), name)
    paths = []
    for key in ("filePath", "file_path", "path", "notebookPath"):
        if _str(ti.get(key)):
            paths.append(ti[key])
            break
    if isinstance(ti.get("files"), list):
        paths += [p for p in ti["files"] if isinstance(p, str) and p]
    if isinstance(ti.get("replacements"), list):  # multi_replace_string_in_file
        paths += [r["filePath"] for r in ti["replacements"] if isinstance(r, dict) and _str(r.get("filePath"))]
    paths = [_abs(p, cwd) for p in dict.fromkeys(paths)]
    if tool in READ_TOOLS:
        if not paths:
            raise BadPayload(f"{tool}: no file path in tool_input")
        return Event(Action(FILE_READ, {"path": paths[0]}, **common), name)
    if tool in DELETE_TOOLS:
        if not paths:
            raise BadPayload(f"{tool}: no file path in tool_input")
        return Event(Action(FILE_WRITE, {"path": paths[0], "deletes": paths}, **common), name)
    # WRITE_TOOLS
    if not paths:
        raise BadPayload(f"{tool}: no file path in tool_input")
    text = next((ti[k] for k in ("content", "newString", "new_string", "code", "newCode", "file_text", "new_str")
                 if isinstance(ti.get(k), str) and ti.get(k)), None)
    if isinstance(ti.get("replacements"), list):
        text = "\n".join(r.get("newString", "") for r in ti["replacements"] if isinstance(r, dict)
                         and isinstance(r.get("newString"), str))
    p2 = {"path": paths[0]}
    if len(paths) > 1:
        p2 = {"path": paths[0], "paths": paths}
    elif text:
        p2["content"] = text
    return Event(Action(FILE_WRITE, p2, **common), name)


def render(decision, event, ctx) -> str:
    out = _claude.render(decision, event, ctx)
    if not out:
        return out
    return _both(json.loads(out))


def _both(reply: dict) -> str:
    hso = reply.get("hookSpecificOutput") or {}
    reply["permissionDecision"] = hso.get("permissionDecision", "deny")
    reply["permissionDecisionReason"] = hso.get("permissionDecisionReason", "")
    return json.dumps(reply, ensure_ascii=False)


def emergency(message: str) -> str:
    return _both(json.loads(_claude.emergency(message)))


# --- installing: ``interlock init --agent vscode`` -------------------------------------------------------

# VS Code reads hookSpecificOutput, Copilot CLI (which reads .github/hooks/ too) the top-level field
FALLBACK = ("echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", \"permissionDecision\": "
            "\"deny\", \"permissionDecisionReason\": \"" + CRASH_MESSAGE + "\"}, \"permissionDecision\": \"deny\", "
            "\"permissionDecisionReason\": \"" + CRASH_MESSAGE + "\"}'")


def hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    """.github/hooks/interlock-vscode.json: VS Code's format (flat handler list; VS Code ignores matchers)."""
    from .settings import fresh, set_flat, tidy

    s, hooks = fresh(existing)
    set_flat(hooks, "PreToolUse", None if remove else {
        "type": "command", "command": f"{base_cmd} hook vscode || {FALLBACK}", "timeout": HOOK_TIMEOUT_S})
    return tidy(s, remove)


#: VS Code runs Claude Code's hooks too (it reads Claude Code's settings files): doctor counts it protected
PROTECTED_BY = ("claude-code",)

# VS Code's user-level hooks live in ~/.claude/settings.json (it reads Claude Code's files), so the
# user scope is the Claude Code entry: that adapter understands VS Code's tool names.
INSTALL = Install("vscode", "VS Code agent hooks", (".vscode", ".config/Code", "Library/Application Support/Code"),
                  ("code", "code-insiders"), (".vscode",),
                  ".github/hooks/interlock-vscode.json", ".claude/settings.json", hooks,
                  "VS Code agent hooks are a Preview feature: check Chat > Diagnostics lists Interlock's hook.")


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    return {"hookEventName": "PreToolUse", "sessionId": "interlock-doctor", "cwd": root,
            "tool_name": "run_in_terminal", "tool_input": {"command": command}}


def doctor_verdict(returncode: int, stdout: str) -> str:
    return _claude.doctor_verdict(returncode, stdout)  # VS Code reads hookSpecificOutput


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the hook's timeout init registers, and the approval wait under it
HOOK_TIMEOUT_S = 30
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S


def approval_mode(event, env) -> str:
    from ..approvals import PROMPT

    return PROMPT  # VS Code shows its own confirmation for a hook's "ask"


def install_files(root, home, user, remove, read_text=None, short=None):
    """VS Code's user-level hooks are ~/.claude/settings.json's: Claude Code's writer there."""
    return [(INSTALL.settings_path(root, home, user), _claude.settings if user else hooks)], []

