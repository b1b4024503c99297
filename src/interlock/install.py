"""``interlock init`` / ``uninstall``: register the hooks in agents' settings files.

Merges with what is there (other hooks and settings are preserved), is idempotent,
shows a diff with ``--dry-run``, and ``uninstall`` removes only entries whose
command runs ``interlock hook``.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import shutil
import sys

MARK = " hook "
CLAUDE_MATCHER = "Bash|PowerShell|Read|Write|Edit|MultiEdit|NotebookEdit|NotebookRead|Grep|Glob|WebFetch|mcp__.*"
REDACT_MATCHER = "Bash|Read|Grep|WebFetch|mcp__.*"
CURSOR_EVENTS = {
    "beforeShellExecution": None,
    "beforeMCPExecution": None,
    "beforeReadFile": None,
    "preToolUse": "Write|Edit|Delete",
}


# If the interpreter itself dies (a signal, a missing venv), Claude Code would read the
# non-zero exit as "proceed": the shell answers deny instead.
CRASH_FALLBACK = ("echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", "
                  "\"permissionDecision\": \"deny\", \"permissionDecisionReason\": "
                  "\"Interlock could not run (its process failed); blocked by default. Tell the user.\"}}'")


_MSG = "Interlock could not run (its process failed); blocked by default. Tell the user."
# The same fallback in each agent's own terms (exit 2 alone does not block Codex JSON, Copilot, Gemini).
FALLBACKS = {
    "codex": CRASH_FALLBACK,
    "gemini": "echo '{\"decision\": \"deny\", \"reason\": \"" + _MSG + "\"}'",
    "copilot": "echo '{\"permissionDecision\": \"deny\", \"permissionDecisionReason\": \"" + _MSG + "\"}'",
    "windsurf": "{ echo '" + _MSG + "' >&2; exit 2; }",
}


def interlock_command() -> str:
    """An absolute command line that runs this installation of interlock."""
    exe = shutil.which("interlock")
    if exe:
        return shlex.quote(os.path.realpath(exe)) if " " not in exe else shlex.quote(exe)
    return f"{shlex.quote(sys.executable)} -m interlock"


AGENTS = ("claude-code", "cursor", "codex", "gemini", "copilot", "windsurf")


def _is_ours(cmd: str) -> bool:
    return isinstance(cmd, str) and "interlock" in cmd and any(f" hook {a}" in cmd for a in AGENTS)


def _grouped(event, matcher, handler):
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
            hs = [h for h in g.get("hooks", []) if not _is_ours(h.get("command", ""))]
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


_claude_pre = _grouped("PreToolUse", CLAUDE_MATCHER,
                       lambda b: {"type": "command", "command": f"{b} hook claude-code || {CRASH_FALLBACK}",
                                  "timeout": 10})
_claude_post = _grouped("PostToolUse", REDACT_MATCHER,
                        lambda b: {"type": "command", "command": f"{b} hook claude-code", "timeout": 10})
codex_hooks = _grouped("PreToolUse", "^(Bash|apply_patch|Edit|Write|mcp__.*)$",
                       lambda b: {"type": "command", "command": f"{b} hook codex || {FALLBACKS['codex']}",
                                  "timeout": 30,
                                  "statusMessage": "Interlock"})
gemini_settings = _grouped("BeforeTool",
                           "run_shell_command|read_file|read_many_files|write_file|replace|glob|grep_search|"
                           "web_fetch|mcp_.*",
                           lambda b: {"name": "interlock", "type": "command",
                                      "command": f"{b} hook gemini || {FALLBACKS['gemini']}",
                                      "timeout": 10000})


def copilot_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    """.github/hooks/interlock.json: a file of our own."""
    s = json.loads(json.dumps(existing))
    s.setdefault("version", 1)
    hooks = s.setdefault("hooks", {})
    entries = [e for e in hooks.get("preToolUse", []) if isinstance(e, dict)]
    others = [e for e in entries if not _is_ours(e.get("bash", "") or e.get("command", ""))]
    if remove:
        if others:
            hooks["preToolUse"] = others
        else:
            hooks.pop("preToolUse", None)
        if not hooks:
            s.pop("hooks")
        return s
    if len(others) == len(entries):
        others.append({"type": "command", "bash": f"{base_cmd} hook copilot || {FALLBACKS['copilot']}",
                       "timeoutSec": 30})
        hooks["preToolUse"] = others
    return s


def windsurf_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = json.loads(json.dumps(existing))
    hooks = s.setdefault("hooks", {})
    for event in ("pre_run_command", "pre_read_code", "pre_write_code", "pre_mcp_tool_use"):
        entries = [e for e in hooks.get(event, []) if isinstance(e, dict)]
        others = [e for e in entries if not _is_ours(e.get("command", ""))]
        if remove:
            if others:
                hooks[event] = others
            else:
                hooks.pop(event, None)
            continue
        if len(others) == len(entries):
            others.append({"command": f"{base_cmd} hook windsurf || {FALLBACKS['windsurf']}", "show_output": True})
            hooks[event] = others
    if remove and not hooks:
        s.pop("hooks")
    return s


def claude_settings(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = _claude_pre(existing, base_cmd, remove=remove)
    # the optional PostToolUse hook that masks secrets in tool output
    return _claude_post(s, base_cmd, remove=remove or not redact_output)


def cursor_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = json.loads(json.dumps(existing))
    s.setdefault("version", 1)
    hooks = s.setdefault("hooks", {})
    for event, matcher in CURSOR_EVENTS.items():
        entries = [e for e in hooks.get(event, []) if isinstance(e, dict)]
        ours = [e for e in entries if _is_ours(e.get("command", ""))]
        others = [e for e in entries if not _is_ours(e.get("command", ""))]
        if remove:
            if others:
                hooks[event] = others
            else:
                hooks.pop(event, None)
            continue
        if not ours:
            entry = {"command": f"{base_cmd} hook cursor", "failClosed": True, "timeout": 10}
            if matcher:
                entry["matcher"] = matcher
            others.append(entry)
            hooks[event] = others
        else:
            hooks[event] = entries
    if remove and not hooks:
        s.pop("hooks")
    return s


def _load(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None, ""
    if not text.strip():
        return {}, text
    try:
        data = json.loads(text)
    except ValueError as e:
        raise SystemExit(f"interlock: {path} is not valid JSON ({e}); fix it first, nothing was changed") from None
    if not isinstance(data, dict):
        raise SystemExit(f"interlock: {path} does not hold a JSON object; nothing was changed")
    return data, text


def run(args, remove: bool) -> int:
    from .analysis.paths import find_workspace

    home = os.path.expanduser("~")
    if args.user:
        root = home
    else:
        root = os.path.abspath(args.project) if args.project else find_workspace(os.getcwd())
    agents = args.agent or ["claude-code", "cursor"]
    base_cmd = interlock_command()
    targets = []
    if "claude-code" in agents:
        targets.append((os.path.join(root, ".claude", "settings.json"), claude_settings))
    if "cursor" in agents:
        targets.append((os.path.join(root, ".cursor", "hooks.json"), cursor_hooks))
    if "codex" in agents:
        targets.append((os.path.join(root, ".codex", "hooks.json"), codex_hooks))
    if "gemini" in agents:
        targets.append((os.path.join(root, ".gemini", "settings.json"), gemini_settings))
    if "copilot" in agents:
        targets.append((os.path.join(home, ".copilot", "hooks", "interlock.json") if args.user else
                        os.path.join(root, ".github", "hooks", "interlock.json"), copilot_hooks))
    if "windsurf" in agents:
        targets.append((os.path.join(home, ".codeium", "windsurf", "hooks.json") if args.user else
                        os.path.join(root, ".windsurf", "hooks.json"), windsurf_hooks))
    changed = 0
    for path, fn in targets:
        data, old_text = _load(path)
        if data is None and remove:
            print(f"{path}: not present, nothing to remove")
            continue
        new = fn(data or {}, base_cmd, remove=remove, redact_output=getattr(args, "redact_output", False))
        new_text = json.dumps(new, indent=2) + "\n"
        if data is not None and json.loads(new_text) == data:
            print(f"{path}: already {'clean' if remove else 'installed'}, no change")
            continue
        changed += 1
        if args.dry_run:
            diff = difflib.unified_diff(old_text.splitlines(True), new_text.splitlines(True),
                                        fromfile=path + (" (missing)" if data is None else ""), tofile=path)
            sys.stdout.writelines(diff)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".interlock.tmp"
        with open(tmp, "w") as f:
            f.write(new_text)
        os.replace(tmp, path)
        print(f"{path}: {'removed Interlock hooks' if remove else 'installed Interlock hooks'}")
    if args.dry_run and changed:
        print("(dry run: nothing written)")
    if not remove and not args.dry_run and changed:
        if "claude-code" in agents:
            print("Claude Code picks up the change automatically; Cursor may need a restart.")
        if "codex" in agents:
            print("Codex runs a new hook only after you trust it: open /hooks in Codex and approve Interlock's.")
    return 0
