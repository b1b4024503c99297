"""Gemini CLI ``BeforeTool`` hook: ``interlock hook gemini``.

Reply: ``{"decision": "deny", "reason": ...}``; an allow prints nothing.  Gemini's
``ask`` is implemented in its source but undocumented, so ``ask`` is sent as a deny
that tells the agent to hand the action to the user (failing closed, not open).

Gemini CLI: what makes its hook actually run, and how to drive it with a scripted model.

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

from . import APPROVAL_MARGIN_S, CRASH_MESSAGE, Install, TextFile
from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, Action
from ..adapters import BadPayload, Event, approval_message, dict_field, opt_str, str_field, summarize

# --- the hook: the agent's payload → Action, a Decision → its reply (``interlock hook gemini``) ---

_URL = __import__("re").compile(r"(?i)\b(?:https?|file)://[^\s<>\"'`]+")
READ_TOOLS = ("read_file", "read_many_files", "glob", "grep_search", "search_file_content", "list_directory")
WRITE_TOOLS = ("write_file", "replace", "edit")
PASS_TOOLS = ("google_web_search", "save_memory", "write_todos", "ask_user")


def parse(payload: dict, env) -> Event:
    name = payload.get("hook_event_name", "BeforeTool")
    if name != "BeforeTool":
        raise BadPayload(f"unsupported Gemini CLI hook event {name!r}: register interlock for BeforeTool")
    tool = str_field(payload, "tool_name")
    cwd = opt_str(payload, "cwd") or os.getcwd()
    ws = env.get("GEMINI_PROJECT_DIR") or None
    common = dict(agent="gemini", session=opt_str(payload, "session_id"), cwd=cwd, workspace=ws, tool=tool)
    if tool in PASS_TOOLS:
        return Event(None, name, skip=True)
    ti = payload.get("tool_input")
    if tool == "run_shell_command":
        ti = dict_field(payload, "tool_input")
        d = ti.get("dir_path") or ti.get("directory")
        if isinstance(d, str) and d:
            common["cwd"] = d if d.startswith("/") else os.path.join(cwd, d)
        return Event(Action(SHELL, {"command": str_field(ti, "command")}, **common), name)
    if tool in READ_TOOLS or tool in WRITE_TOOLS:
        ti = dict_field(payload, "tool_input")
        path = ti.get("file_path") or ti.get("absolute_path") or ti.get("path") or ti.get("dir_path")
        if tool == "read_many_files" and isinstance(ti.get("paths"), list) and ti["paths"]:
            path = str(ti["paths"][0])
        if tool in ("glob", "grep_search", "search_file_content") and isinstance(ti.get("pattern"), str) \
                and tool == "glob":
            path = os.path.join(path or cwd, ti["pattern"])
        if not isinstance(path, str) or not path:
            if tool in READ_TOOLS:
                return Event(None, name, skip=True)
            raise BadPayload(f"{tool}: no file path in tool_input")
        path = path if path.startswith("/") else os.path.join(cwd, path)
        if tool in ("grep_search", "search_file_content", "glob") and isinstance(ti.get("pattern"), str):
            base = ti.get("path") or ti.get("dir_path") or cwd
            base = base if base.startswith("/") else os.path.join(cwd, base)
            search = {"base": base, "pattern": ti["pattern"], "flavor": "ere", "vcs_ignore": True} if tool != "glob" else \
                {"base": base, "glob": ti["pattern"]}
            return Event(Action(FILE_READ, {"path": path, "search": search}, **common), name)
        if tool == "list_directory":  # the names in a directory, not what the files hold
            return Event(Action(FILE_READ, {"path": path, "search": {"base": path, "glob": "*"}}, **common), name)
        if tool in READ_TOOLS:
            return Event(Action(FILE_READ, {"path": path}, **common), name)
        content = ti.get("content") if isinstance(ti.get("content"), str) else ti.get("new_string")
        p2 = {"path": path}
        if isinstance(content, str) and content:
            p2["content"] = content
        return Event(Action(FILE_WRITE, p2, **common), name)
    if tool == "web_fetch":
        ti = ti if isinstance(ti, dict) else {}
        # web_fetch takes a prompt that names up to 20 URLs ("Summarise https://… and https://…"): each is fetched
        text = str(ti.get("url") or ti.get("prompt") or "")[:20000]
        urls = [u.rstrip(".,;:!?)]}'\"") for u in _URL.findall(text)][:20] or [text[:4000]]
        return Event(Action(HTTP, {"method": "GET", "url": urls[0][:4000], "urls": [u[:4000] for u in urls]},
                            **common), name)
    if tool.startswith("mcp_"):
        mc = payload.get("mcp_context") if isinstance(payload.get("mcp_context"), dict) else {}
        server = mc.get("server_name") or tool[4:].split("_", 1)[0]
        tname = mc.get("tool_name") or (tool[4:].split("_", 1)[1] if "_" in tool[4:] else tool[4:])
        return Event(Action(MCP_CALL, {"server": server, "tool": tname, "arguments": ti if isinstance(ti, dict)
                                       else {}}, **common), name)
    raise BadPayload(f"unknown tool {tool!r}: Interlock does not know what it does")


def render(decision, event, ctx) -> str:
    if decision is None or decision.decision == "allow":
        return ""
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        reason = ap[1]
    elif decision.decision == "ask":
        reason = (f"Interlock: this needs a human's approval ({decision.severity}).\n{body}\nStop and tell the user "
                  "what you want to run and why; they can run it themselves. Do not retry a variant.")
    else:
        reason = (f"Interlock blocked this ({decision.severity}).\n{body}\nDo not retry this or a variant of it.")
    return json.dumps({"decision": "deny", "reason": reason[:9500], "systemMessage": _system_message(decision)},
                      ensure_ascii=False)


def _system_message(decision) -> str:
    """The one line Gemini CLI's terminal UI shows the user for a refused tool (it shows the model's
    ``reason`` nowhere): with an approval request filed, its id and how to approve it, so a human at
    the terminal can let the identical retry through without waiting for the model to relay it."""
    msg = f"Interlock blocked a {decision.severity} action"
    ap = getattr(decision, "approval", None) or {}
    rid = ap.get("id")
    if rid and ap.get("mode") != "granted":
        from ..approvals import REJECTED

        if ap.get("state") == REJECTED:
            return f"{msg}: a human rejected it ({rid})"
        return (f"{msg}: approval {rid} requested; `interlock approve {rid}` in your terminal lets the identical "
                "retry run once")
    return msg


def emergency(message: str) -> str:
    return json.dumps({"decision": "deny", "reason": f"Interlock failed and blocks by default: {message[:500]}"})


# --- the agent itself: what makes its hook run, how to drive its binary ------------------------------

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
                              "timeout": HOOK_TIMEOUT_S * 1000})(existing, base_cmd, remove=remove)


INSTALL = Install("gemini", "Gemini CLI", (".gemini",), ("gemini",), (".gemini",),
                  ".gemini/settings.json", ".gemini/settings.json", settings)


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    return {"hook_event_name": "BeforeTool", "session_id": "interlock-doctor", "cwd": root,
            "tool_name": "run_shell_command", "tool_input": {"command": command}}


def doctor_verdict(returncode: int, stdout: str) -> str:
    from .probe import json_verdict

    return json_verdict(returncode, stdout, lambda d: {"block": "deny"}.get(d.get("decision"), d.get("decision")))


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the hook's timeout init registers (Gemini counts milliseconds), and the approval wait under it: past it
#: Gemini CLI runs the tool (measured: wait_seconds = 60 under the old 10 s timeout ran `git reset --hard`)
HOOK_TIMEOUT_S = 60
TIMEOUT_IN_MS = True
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S


# --- system mode: the settings its users cannot change --------------------------------------------------

MANAGED = ("etc/gemini-cli/settings.json",
           "system settings override user and project settings; hooks are merged, so user settings add "
           "hooks but cannot remove this one")


def managed_settings(existing: dict, base_cmd: str) -> dict:
    s = settings(existing, base_cmd)
    s.setdefault("hooksConfig", {})["enabled"] = True
    return s


POLICY_FILE = TextFile(lambda: policy_text(), "a Gemini CLI policy (deny rules, a second layer)", "Gemini policy")


def install_files(root, home, user, remove, read_text, short):
    """(files, lines to say) for ``interlock init``/``uninstall``."""
    files = [(INSTALL.settings_path(root, home, user), settings)]
    said = []
    if user or not remove:
        # the backstop: deny rules Gemini CLI's policy engine applies itself (user tier, above --yolo)
        files.append((os.path.join(home, ".gemini", "policies", "interlock.toml"), POLICY_FILE))
    user_path = INSTALL.settings_path(root, home, True)
    if not user and not remove:
        # Gemini CLI ignores a project's settings (hooks included) in an untrusted folder or with
        # --skip-trust and then runs every tool unchecked: the user-level hook still runs (Gemini
        # runs an identical hook once)
        files.append((user_path, settings))
    elif not user and remove and " hook gemini" in (read_text(user_path) or ""):
        said.append(f"{short(user_path)}: the user-level hook stays (it protects every project; "
                    "`interlock uninstall --agent gemini --user` removes it)")
    return files, said


# --- doctor: its own checks ------------------------------------------------------------------------------

def doctor_hook(add, path, root, home, env, noted):
    if path == INSTALL.settings_path(root, home, False):
        noted.append(path)  # the project's settings hold Interlock's hook


def doctor_after(add, noted, root, home):
    """A hook only in the project's settings is skipped in an untrusted folder: the user-level one must be there."""
    from ..doctor import _has_hook

    user_path = INSTALL.settings_path(root, home, True)
    if noted and user_path not in noted and not _has_hook(user_path, "gemini"):
        add("FAIL", "gemini: Interlock's hook is only in the project's .gemini/settings.json",
            "Gemini CLI ignores a project's settings, hooks included, in an untrusted folder or with --skip-trust, "
            "and then runs every tool unchecked",
            "interlock init --agent gemini   (also writes the hook to ~/.gemini/settings.json)")

