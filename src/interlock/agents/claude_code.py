"""Claude Code ``PreToolUse`` hook: ``interlock hook claude-code``.

Reply: ``hookSpecificOutput.permissionDecision`` allow/ask/deny with
``permissionDecisionReason``.  A routine ``allow`` prints nothing by default, which
defers to the user's own permission settings (an explicit allow would skip Claude
Code's prompts); set ``[hook] allow_output = "explicit"`` to print it.

Claude Code: how to drive the real binary with a scripted model (tests, bench, doctor --live).

``ANTHROPIC_BASE_URL`` points it at the scripted Messages API; ``-p`` runs one headless turn with
``--output-format json`` (whose ``permission_denials`` lists the tool calls it refused).  As root,
``--dangerously-skip-permissions`` is refused, so the tools are allowed by name instead.
"""

from __future__ import annotations

import json
import os

from . import APPROVAL_MARGIN_S, CRASH_MESSAGE, Install
from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, Action
from ..adapters import BadPayload, Event, approval_message, dict_field, opt_str, str_field, summarize

# --- the hook: the agent's payload → Action, a Decision → its reply (``interlock hook claude-code``) ---

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
            search.update(pattern=ti["pattern"], icase=bool(ti.get("-i")), flavor="rust", vcs_ignore=True,
                          # Claude Code's Grep prints file names unless asked for the matching lines
                          names_only=ti.get("output_mode", "files_with_matches") != "content")
            if isinstance(ti.get("glob"), str) and ti["glob"]:
                search["include"] = ti["glob"].rsplit("/", 1)[-1]
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


# --- the agent itself: what makes its hook run, how to drive its binary ------------------------------

TOOLS = "Bash,Read,Grep,Glob,Write,Edit"


def configure(home: str, model_url: str, env=None):
    pass  # everything is in the environment and the argv


def argv(binary: str, prompt: str) -> list[str]:
    return [binary, "-p", prompt, "--allowedTools", TOOLS, "--output-format", "json", "--model", "claude-sonnet-4-5"]


def env_vars(model_url: str) -> dict:
    return {"ANTHROPIC_BASE_URL": model_url, "ANTHROPIC_API_KEY": "sk-ant-scripted-not-a-key",
            "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1", "CLAUDE_CODE_DISABLE_TERMINAL_TITLE": "1"}


def denials(stdout: str) -> list[dict]:
    """The tool calls Claude Code reports it refused (its JSON result's ``permission_denials``)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict) and "permission_denials" in d:
            return d.get("permission_denials") or []
    return []


def _settings_paths(root, home, env):
    from ..install import REGISTRY  # noqa: F401  (the managed path lives with issue 21's work)

    paths = [os.path.join(home, ".claude", "settings.json"), os.path.join(root, ".claude", "settings.json"),
             os.path.join(root, ".claude", "settings.local.json"), "/etc/claude-code/managed-settings.json"]
    return list(dict.fromkeys(paths))


def fail_open(root: str, home: str, env) -> list[tuple[str, str]]:
    """Settings that make Claude Code skip every hook, Interlock's included."""
    out = []
    for path in _settings_paths(root, home, env):
        try:
            with open(path) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(s, dict):
            continue
        if s.get("disableAllHooks") is True:
            out.append((path, "disableAllHooks is true: Claude Code runs no hook, Interlock's included"))
        if s.get("allowManagedHooksOnly") is True and not path.startswith("/etc/"):
            out.append((path, "allowManagedHooksOnly is true: only managed hooks run, not Interlock's in user or "
                              "project settings"))
    return out


# --- installing: ``interlock init --agent claude-code`` --------------------------------------------------

MATCHER = "Bash|PowerShell|Read|Write|Edit|MultiEdit|NotebookEdit|NotebookRead|Grep|Glob|WebFetch|mcp__.*"
REDACT_MATCHER = "Bash|Read|Grep|WebFetch|mcp__.*"

# If the interpreter itself dies (a signal, a missing venv), Claude Code would read the
# non-zero exit as "proceed": the shell answers deny instead.
FALLBACK = ("echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", "
            "\"permissionDecision\": \"deny\", \"permissionDecisionReason\": "
            "\"" + CRASH_MESSAGE + "\"}}'")


def _pre(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import grouped

    return grouped("PreToolUse", MATCHER, lambda b: {"type": "command", "command": f"{b} hook claude-code || {FALLBACK}",
                                                     "timeout": HOOK_TIMEOUT_S})(existing, base_cmd, remove=remove)


def _post(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import grouped

    return grouped("PostToolUse", REDACT_MATCHER, lambda b: {"type": "command", "command": f"{b} hook claude-code",
                                                             "timeout": 10})(existing, base_cmd, remove=remove)


def settings(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = _pre(existing, base_cmd, remove=remove)
    # the optional PostToolUse hook that masks secrets in tool output
    return _post(s, base_cmd, remove=remove or not redact_output)


#: other files Claude Code reads hooks from (doctor checks them too)
MORE_SETTINGS = (".claude/settings.local.json",)

INSTALL = Install("claude-code", "Claude Code", (".claude",), ("claude",), (".claude",),
                  ".claude/settings.json", ".claude/settings.json", settings,
                  "Claude Code picks up the change on its own (its settings are watched).")


# --- the backstop: rules the agent itself enforces, for when the hook cannot --------------------------
#
# Claude Code evaluates permissions.deny whatever a hook answers, and a hook that times out or dies
# before answering lets the call through; PreToolUse does not fire for @file mentions at all.  So
# `init` also writes deny rules for what Interlock always denies anyway (every example below is a
# deny in Interlock's own catalogue — tests/test_init_detect.py checks it), never for what it would
# merely ask about: the backstop must not add false alarms.

BACKSTOP = (
    # (rule, a command Interlock denies that the rule stands for)
    ("Read(**/.env)", "cat .env"),
    ("Read(**/.env.local)", "cat .env.local"),
    ("Read(**/.env.production)", "cat .env.production"),
    ("Read(**/.env.development)", "cat .env.development"),
    ("Read(~/.ssh/id_rsa)", "cat ~/.ssh/id_rsa"),
    ("Read(~/.ssh/id_ed25519)", "cat ~/.ssh/id_ed25519"),
    ("Read(~/.ssh/id_ecdsa)", "cat ~/.ssh/id_ecdsa"),
    ("Read(~/.aws/credentials)", "cat ~/.aws/credentials"),
    ("Read(~/.config/gcloud/application_default_credentials.json)",
     "cat ~/.config/gcloud/application_default_credentials.json"),
    ("Read(~/.kube/config)", "cat ~/.kube/config"),
    ("Read(~/.docker/config.json)", "cat ~/.docker/config.json"),
    ("Read(~/.netrc)", "cat ~/.netrc"),
    ("Read(~/.git-credentials)", "cat ~/.git-credentials"),
    ("Read(~/.config/gh/hosts.yml)", "cat ~/.config/gh/hosts.yml"),
    ("Read(~/.railway/config.json)", "cat ~/.railway/config.json"),
    ("Read(~/.pgpass)", "cat ~/.pgpass"),
    ("Bash(git push --force * main)", "git push --force origin main"),
    ("Bash(git push -f * main)", "git push -f origin main"),
    ("Bash(git push --force * master)", "git push --force origin master"),
    ("Bash(git push -f * master)", "git push -f origin master"),
    ("Bash(rm -rf /)", "rm -rf /"),
    ("Bash(rm -rf / *)", "rm -rf / --no-preserve-root"),
    ("Bash(rm -rf ~)", "rm -rf ~"),
    ("Bash(rm -rf ~/)", "rm -rf ~/"),
)


def backstop_rules(env=os.environ, home=None) -> list:
    """The deny rules, plus Edit rules over Interlock's own policy and state (self-protection)."""
    from ..policy import config_dir, state_dir

    home = (home or env.get("HOME") or os.path.expanduser("~")).rstrip("/")
    rules = [r for r, _ in BACKSTOP]
    for d in dict.fromkeys((config_dir(env), state_dir(env))):
        d = d.rstrip("/")
        spec = "~" + d[len(home):] if d.startswith(home + "/") else "/" + d  # gitignore-style: //abs/path
        rules.append(f"Edit({spec}/**)")
    return rules


def add_backstop(settings: dict, rules: list) -> tuple[dict, dict]:
    """Add the rules missing from permissions.deny; return (new settings, record of what was added)."""
    s = json.loads(json.dumps(settings))
    created = []
    perms = s.get("permissions")
    if not isinstance(perms, dict):
        if perms is not None:
            raise SystemExit("interlock: permissions in Claude Code settings is not an object; nothing was changed")
        perms = s["permissions"] = {}
        created.append("permissions")
    deny = perms.get("deny")
    if not isinstance(deny, list):
        if deny is not None:
            raise SystemExit("interlock: permissions.deny in Claude Code settings is not a list; nothing was changed")
        deny = perms["deny"] = []
        created.append("permissions.deny")
    added = [r for r in rules if r not in deny]
    deny.extend(added)
    return s, {"deny": added, "created": created}


def remove_backstop(settings: dict, record: dict) -> dict:
    s = json.loads(json.dumps(settings))
    perms = s.get("permissions")
    if not isinstance(perms, dict) or not isinstance(perms.get("deny"), list):
        return s
    ours = set(record.get("deny") or ())
    perms["deny"] = [r for r in perms["deny"] if r not in ours]
    created = record.get("created") or ()
    if not perms["deny"] and "permissions.deny" in created:
        perms.pop("deny")
    if not perms and "permissions" in created:
        s.pop("permissions")
    return s


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    """A documented PreToolUse payload running ``command`` (``interlock doctor``'s probe)."""
    return {"hook_event_name": "PreToolUse", "session_id": "interlock-doctor", "cwd": root, "tool_name": "Bash",
            "tool_input": {"command": command}}


def doctor_verdict(returncode: int, stdout: str) -> str:
    from .probe import json_verdict

    return json_verdict(returncode, stdout, lambda d: (d.get("hookSpecificOutput") or {}).get("permissionDecision"))


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the PreToolUse hook's timeout init registers (Claude Code's own default), and the approval wait under it
HOOK_TIMEOUT_S = 60
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S
NON_INTERACTIVE = ("bypassPermissions", "dontAsk")  # permission modes in which nobody sees an ask


def approval_mode(event, env) -> str:
    """Claude Code shows a hook's ``ask`` to the human, except in its non-interactive permission modes
    and when run through the SDK: then the approval is requested out of band."""
    from ..approvals import OUT_OF_BAND, PROMPT

    pm = (event.action.meta or {}).get("permission_mode")
    entry = env.get("CLAUDE_CODE_ENTRYPOINT") or ""
    return OUT_OF_BAND if pm in NON_INTERACTIVE or entry.startswith("sdk") else PROMPT


# --- system mode: the managed settings its users cannot change ------------------------------------------

MANAGED = ("etc/claude-code/managed-settings.json",
           "managed settings: user, project and local settings cannot disable managed hooks "
           "(their disableAllHooks only drops their own hooks); allowManagedHooksOnly additionally "
           "ignores every non-managed hook")


def managed_settings(existing: dict, base_cmd: str) -> dict:
    """The managed settings with Interlock's hook and the backstop's deny rules (not the Edit rules
    over a user's own state: the service user's state is out of the agent's reach anyway)."""
    s = settings(existing, base_cmd)
    perms = s.setdefault("permissions", {})
    deny = perms.setdefault("deny", [])
    cfg_rules = [r for r in backstop_rules() if not r.startswith("Edit(")]
    deny += [r for r in cfg_rules if r not in deny]
    return s


# --- doctor: its own checks ------------------------------------------------------------------------------

def doctor_file(add, path, where, data, ours, env, home):
    """A settings file holding Interlock's hook: is the permissions.deny backstop there too?"""
    if not path.endswith("settings.json") or not ours:
        return
    deny = (data.get("permissions") or {}).get("deny") if isinstance(data.get("permissions"), dict) else None
    have = [r for r in backstop_rules(env, home) if r in (deny or [])]
    add("ok" if have else "info", f"claude-code: permissions.deny backstop in {where}",
        f"{len(have)} of Interlock's rules" if have else "none (installed with --no-backstop?)",
        "" if have else "interlock init --agent claude-code   (adds rules Claude Code enforces itself "
                        "if the hook times out)")


class _PermissionsDeny:
    """The backstop in Claude Code's settings (``permissions.deny``), as ``interlock init`` merges it:
    the writer carries it (``settings.backstop``), wherever that writer is used (VS Code's user scope too)."""

    rules = staticmethod(lambda: backstop_rules())
    add = staticmethod(lambda s, rules: add_backstop(s, rules))
    remove = staticmethod(lambda s, record: remove_backstop(s, record))

    @staticmethod
    def present(s: dict) -> list:
        """Rules like the backstop's in these settings (left alone when not recorded as Interlock's)."""
        return [r for r in backstop_rules() if r in ((s.get("permissions") or {}).get("deny") or [])]


settings.backstop = _PermissionsDeny()

