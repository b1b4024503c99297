"""``interlock init`` / ``uninstall``: register the hooks in agents' settings files.

Without ``--agent``, ``init`` detects which agents this machine or project uses
(their config directories, their programs on PATH) and installs into each.  It
merges with what is there (other hooks and settings are preserved), is idempotent,
shows a unified diff of every file with ``--dry-run``, and ``uninstall`` removes only
what ``init`` added: entries whose command runs ``interlock hook``, the Claude Code
``permissions.deny`` backstop rules it recorded as its own, and its Codex rules file.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import shutil
import sys

from . import agents
from .agents import claude_code as _claude
from .agents import codex as _codex
from .agents import TextFile
from .agents import module as _agent_module
from .agents import settings as _settings

MARK = " hook "


def interlock_command() -> str:
    """An absolute command line that runs this installation of interlock."""
    exe = shutil.which("interlock")
    if exe:
        return shlex.quote(os.path.realpath(exe)) if " " not in exe else shlex.quote(exe)
    return f"{shlex.quote(sys.executable)} -m interlock"


# --- agents: each one's module (interlock.agents.<name>) says where it keeps its settings, how to tell it
# is used here and how to write its hook; the names below stay for older imports ----------------------

REGISTRY = {name: agents.module(name).INSTALL for name in agents.AGENTS}
Agent = agents.Install
FALLBACKS = {name: agents.module(name).FALLBACK for name in agents.AGENTS if agents.module(name).FALLBACK}
CRASH_FALLBACK = _claude.FALLBACK
_MSG = agents.CRASH_MESSAGE
CLAUDE_MATCHER, REDACT_MATCHER = _claude.MATCHER, _claude.REDACT_MATCHER
CURSOR_EVENTS = agents.module("cursor").EVENTS
_is_ours, _grouped, _set_flat, _fresh, _tidy = _settings.is_ours, _settings.grouped, _settings.set_flat, \
    _settings.fresh, _settings.tidy
claude_settings, _claude_pre, _claude_post = _claude.settings, _claude._pre, _claude._post
codex_hooks = _codex.hooks
gemini_settings = agents.module("gemini").settings
copilot_hooks = agents.module("copilot").hooks
windsurf_hooks = agents.module("windsurf").hooks
cursor_hooks = agents.module("cursor").hooks
vscode_hooks = agents.module("vscode").hooks
CLAUDE_BACKSTOP, claude_backstop_rules = _claude.BACKSTOP, _claude.backstop_rules
add_backstop, remove_backstop = _claude.add_backstop, _claude.remove_backstop
CODEX_RULES, codex_rules_text = _codex.RULES, _codex.rules_text
AGENTS = agents.AGENTS


def _manifest_path(env=os.environ):
    from .policy import state_dir

    return os.path.join(state_dir(env), "installed.json")


def _read_manifest(env=os.environ) -> dict:
    try:
        with open(_manifest_path(env)) as f:
            d = json.load(f)
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_manifest(m: dict, env=os.environ):
    path = _manifest_path(env)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = path + f".{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(m, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def _which(prog, path_env):
    return shutil.which(prog, path=path_env)


def detect(root: str, home: str, path_env: str | None = None) -> dict:
    """{agent: [reasons]} for every agent this machine or project shows signs of."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    found = {}
    for a in REGISTRY.values():
        why = []
        for d in a.home_dirs:
            if os.path.isdir(os.path.join(home, d)):
                why.append(f"~/{d} exists")
        for prog in a.programs:
            exe = _which(prog, path_env)
            if exe:
                why.append(f"`{prog}` on PATH ({exe})")
        if root and root != home:
            for d in a.project_dirs:
                if os.path.isdir(os.path.join(root, d)):
                    why.append(f"project has {d}/")
        if why:
            found[a.name] = why
    return found


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


def _short(path, home, root=None):
    if root and root != home and path.startswith(root + "/"):
        return path[len(root) + 1:]
    return "~" + path[len(home):] if path.startswith(home + "/") else path


def run(args, remove: bool) -> int:
    from .analysis.paths import find_workspace

    home = os.path.expanduser("~").rstrip("/")
    user = bool(args.user)
    root = home if user else (os.path.abspath(args.project) if args.project else find_workspace(os.getcwd()))
    backstop = not getattr(args, "no_backstop", False)
    base_cmd = interlock_command()
    chosen = list(dict.fromkeys(args.agent or ()))
    if chosen:
        agents = chosen
    elif remove:
        agents = list(REGISTRY)  # uninstall looks everywhere it could have installed
    else:
        found = detect(root, home)
        if not found:
            print("No agent detected: none of ~/.claude, ~/.cursor, ~/.codex, ~/.gemini, ~/.copilot, VS Code, "
                  "~/.codeium/windsurf exists, and none of their programs is on PATH.\n"
                  f"Choose one explicitly: interlock init --agent NAME   (NAME: {', '.join(REGISTRY)})")
            return 1
        print("Detected agents:")
        for name, why in found.items():
            print(f"  {name:<12} {'; '.join(why)}")
        missing = [n for n in REGISTRY if n not in found]
        if missing:
            print(f"Not detected: {', '.join(missing)}   (add one with --agent NAME)")
        print()
        agents = list(found)

    scope = "user settings (every project)" if user else f"project {root}"
    print(f"{'Removing from' if remove else 'Installing into'} {scope}{' (dry run)' if args.dry_run else ''}:")
    manifest = _read_manifest()
    created = manifest.setdefault("created", {})  # settings path -> [files and directories init created]
    manifest_changed = False
    changed = 0
    seen = set()
    notes = []
    kept_rules = []
    for name in agents:
        a = REGISTRY[name]
        plan = getattr(_agent_module(name), "install_files", None)  # the agent's own files beyond its settings
        if plan is None:
            files, said = [(a.settings_path(root, home, user), a.writer)], []
        else:
            files, said = plan(root, home, user, remove, read_text=_read_text, short=lambda p: _short(p, home))
        for line in said:
            print(f"  {name:<12} {line}")
        for path, writer in files:
            if path in seen:
                continue
            seen.add(path)
            label = f"{name:<12} {_short(path, home, root)}"
            if isinstance(writer, TextFile):  # a backstop file of the agent's own (Codex rules, a Gemini policy)
                if not remove and not backstop:
                    print(f"  {label}: skipped (--no-backstop)")
                    continue
                old_text = _read_text(path)
                new_text = None if remove else writer.text()
                if new_text == old_text:
                    if old_text is not None:
                        print(f"  {label}: already installed, no change")
                    continue
                changed += 1
                if args.dry_run:
                    _diff(path, old_text, new_text)
                    continue
                if new_text is None:
                    os.remove(path)
                    _cleanup(path, created.pop(path, []), True)
                    print(f"  {label}: removed Interlock's {writer.name}")
                else:
                    made = _atomic_write(path, new_text)
                    if made:
                        created[path] = made
                    print(f"  {label}: wrote {writer.what}")
                manifest_changed = True
                continue
            data, old_text = _load(path)
            if data is None and remove:
                continue
            new = writer(data or {}, base_cmd, remove=remove, redact_output=getattr(args, "redact_output", False))
            extra = ""
            bs = getattr(writer, "backstop", None)  # deny rules the agent enforces itself, in its settings
            if bs is not None:
                rec = manifest.setdefault("backstop", {}).get(path)
                if remove:
                    if rec:
                        new = bs.remove(new, rec)
                        manifest["backstop"].pop(path, None)
                        manifest_changed = True
                    else:
                        leftover = bs.present(new)
                        if leftover:
                            kept_rules.append((path, leftover))
                elif backstop:
                    new, added = bs.add(new, bs.rules())
                    if added["deny"]:
                        extra = f" + {len(added['deny'])} permissions.deny backstop rules"
                        if rec:  # earlier rules recorded as ours stay ours
                            added = {"deny": list(dict.fromkeys(rec.get("deny", []) + added["deny"])),
                                     "created": rec.get("created", [])}
                        manifest["backstop"][path] = added
                        manifest_changed = True
            new_text = json.dumps(new, indent=2) + "\n"
            if data is not None and json.loads(new_text) == data:
                print(f"  {label}: {'nothing of Interlock' if remove else 'already installed, no change'}")
                continue
            changed += 1
            if args.dry_run:
                _diff(path, old_text if data is not None else None, new_text)
                continue
            made = _atomic_write(path, new_text)
            if remove:
                _cleanup(path, created.pop(path, []), new in _SCAFFOLD)
                manifest_changed = True
            elif made:
                created[path] = made
                manifest_changed = True
            print(f"  {label}: {'removed Interlock' if remove else 'installed the hook' + extra}")
        if not remove and a.note and a.note not in notes:
            notes.append(a.note)
    for name in agents:  # an agent's step after its files (Codex: trust its project and hook, or it skips them)
        after = getattr(_agent_module(name), "after_install", None)
        if after is not None:
            n = after(root, home, user, remove, args.dry_run, manifest)
            changed += n
            manifest_changed = manifest_changed or bool(n)
    if remove or getattr(args, "mcp", False):  # stdio MCP servers through `interlock mcp-proxy`
        from .gateways import mcp_config

        n = mcp_config.apply(agents, root, home, user, base_cmd, remove, args.dry_run, manifest)
        changed += n
        manifest_changed = manifest_changed or bool(n)
    _remove_empty_dirs()
    if manifest_changed and not args.dry_run:
        _write_manifest(manifest)
    for path, rules in kept_rules:
        print(f"\n{_short(path, home)}: {len(rules)} permissions.deny rules like Interlock's backstop were left in "
              f"place: they were not recorded as added by `interlock init` here ({_manifest_path()}). "
              "Remove them by hand if you do not want them.")
    if args.dry_run:
        print("\n(dry run: nothing written)" if changed else "\n(dry run: nothing to change)")
    elif not remove and notes:
        print("\nNext:")
        for n in notes:
            print(f"  - {n}")
    if not remove and not args.dry_run:
        print("Check it works: interlock doctor")
    return 0


def _read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def _diff(path, old_text, new_text):
    diff = difflib.unified_diff((old_text or "").splitlines(True), (new_text or "").splitlines(True),
                                fromfile=path if old_text is not None else "/dev/null",
                                tofile=path if new_text is not None else "/dev/null")
    sys.stdout.writelines(diff)


def _atomic_write(path, text) -> list:
    """Write atomically; return the directories and the file this created (for uninstall)."""
    made = []
    d = os.path.dirname(path)
    while d and not os.path.isdir(d):
        made.append(d)
        d = os.path.dirname(d)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        made.insert(0, path)
    tmp = path + ".interlock.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    try:
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
    except FileNotFoundError:
        pass
    os.replace(tmp, path)
    return made


_SCAFFOLD = ({}, {"version": 1}, {"version": 1, "hooks": {}}, {"hooks": {}})


def _cleanup(path, created: list, now_empty: bool):
    """After uninstall: delete a file and directories that init created, if nothing else is in them now."""
    if path in created and now_empty:
        try:
            os.remove(path)
        except OSError:
            pass
    _EMPTIED_DIRS.extend(d for d in created if d != path)


_EMPTIED_DIRS = []


def _remove_empty_dirs():
    for d in sorted(set(_EMPTIED_DIRS), key=lambda p: -p.count("/")):
        try:
            os.rmdir(d)  # only when empty
        except OSError:
            pass
    _EMPTIED_DIRS.clear()
