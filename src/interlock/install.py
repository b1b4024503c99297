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
    # VS Code reads hookSpecificOutput, Copilot CLI (which reads .github/hooks/ too) the top-level field
    "vscode": "echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", \"permissionDecision\": "
              "\"deny\", \"permissionDecisionReason\": \"" + _MSG + "\"}, \"permissionDecision\": \"deny\", "
              "\"permissionDecisionReason\": \"" + _MSG + "\"}'",
}


def interlock_command() -> str:
    """An absolute command line that runs this installation of interlock."""
    exe = shutil.which("interlock")
    if exe:
        return shlex.quote(os.path.realpath(exe)) if " " not in exe else shlex.quote(exe)
    return f"{shlex.quote(sys.executable)} -m interlock"


AGENTS = ("claude-code", "cursor", "codex", "gemini", "copilot", "vscode", "windsurf")


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


def _set_flat(hooks: dict, event: str, entry: dict | None, cmd_keys=("command",)):
    """One event's flat list of handlers: ours removed (``entry`` None) or added once; other
    tools' handlers kept as they are."""
    entries = [e for e in hooks.get(event, []) if isinstance(e, dict)]
    others = [e for e in entries if not any(_is_ours(e.get(k) or "") for k in cmd_keys)]
    if entry is None:
        if others:
            hooks[event] = others
        else:
            hooks.pop(event, None)
    elif len(others) == len(entries):
        hooks[event] = others + [entry]


def _fresh(existing: dict, version=None):
    s = json.loads(json.dumps(existing))
    if version is not None:
        s.setdefault("version", version)
    return s, s.setdefault("hooks", {})


def _tidy(s: dict, remove: bool) -> dict:
    if remove and not s.get("hooks"):
        s.pop("hooks", None)
    return s


def copilot_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    """.github/hooks/interlock.json: a file of our own."""
    s, hooks = _fresh(existing, 1)
    _set_flat(hooks, "preToolUse", None if remove else {
        "type": "command", "bash": f"{base_cmd} hook copilot || {FALLBACKS['copilot']}", "timeoutSec": 30},
        ("bash", "command"))
    return _tidy(s, remove)


def windsurf_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s, hooks = _fresh(existing)
    for event in ("pre_run_command", "pre_read_code", "pre_write_code", "pre_mcp_tool_use"):
        _set_flat(hooks, event, None if remove else {
            "command": f"{base_cmd} hook windsurf || {FALLBACKS['windsurf']}", "show_output": True})
    return _tidy(s, remove)


def claude_settings(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = _claude_pre(existing, base_cmd, remove=remove)
    # the optional PostToolUse hook that masks secrets in tool output
    return _claude_post(s, base_cmd, remove=remove or not redact_output)


def cursor_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s, hooks = _fresh(existing, 1)
    for event, matcher in CURSOR_EVENTS.items():
        entry = {"command": f"{base_cmd} hook cursor", "failClosed": True, "timeout": 10}
        if matcher:
            entry["matcher"] = matcher
        _set_flat(hooks, event, None if remove else entry)
    return _tidy(s, remove)


def vscode_hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    """.github/hooks/interlock-vscode.json: VS Code's format (flat handler list; VS Code ignores matchers)."""
    s, hooks = _fresh(existing)
    _set_flat(hooks, "PreToolUse", None if remove else {
        "type": "command", "command": f"{base_cmd} hook vscode || {FALLBACKS['vscode']}", "timeout": 30})
    return _tidy(s, remove)


# --- the backstop: rules the agent itself enforces, for when the hook cannot --------------------------
#
# Claude Code evaluates permissions.deny whatever a hook answers, and a hook that times out or dies
# before answering lets the call through; PreToolUse does not fire for @file mentions at all.  So
# `init` also writes deny rules for what Interlock always denies anyway (every example below is a
# deny in Interlock's own catalogue — tests/test_init_detect.py checks it), never for what it would
# merely ask about: the backstop must not add false alarms.

CLAUDE_BACKSTOP = (
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


def claude_backstop_rules(env=os.environ, home=None) -> list:
    """The deny rules, plus Edit rules over Interlock's own policy and state (self-protection)."""
    from .policy import config_dir, state_dir

    home = (home or env.get("HOME") or os.path.expanduser("~")).rstrip("/")
    rules = [r for r, _ in CLAUDE_BACKSTOP]
    for d in dict.fromkeys((config_dir(env), state_dir(env))):
        d = d.rstrip("/")
        spec = "~" + d[len(home):] if d.startswith(home + "/") else "/" + d  # gitignore-style: //abs/path
        rules.append(f"Edit({spec}/**)")
    return rules


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


# Codex rules (execpolicy, Starlark): a second layer under the PreToolUse hook.  They govern
# commands Codex would run outside its sandbox; `match`/`not_match` are checked by Codex itself
# when it loads the file (and by tests/test_init_detect.py against Interlock's own decisions).
CODEX_RULES = (
    # (pattern, decision, why, match, not_match)
    (["rm", "-rf", "/"], "forbidden", "deletes the whole filesystem", ["rm -rf /", "rm -rf / --no-preserve-root"],
     ["rm -rf ./build"]),
    (["rm", "-rf", "~"], "forbidden", "deletes the home directory", ["rm -rf ~"], ["rm -rf ./node_modules"]),
    (["railway", "volume", "delete"], "forbidden", "deletes a Railway volume and the backups stored with it",
     ["railway volume delete"], ["railway volume list"]),
    (["git", "push", "--force"], "prompt", "rewrites a remote branch's history", ["git push --force origin main"],
     ["git push origin feature"]),
    (["git", "push", "-f"], "prompt", "rewrites a remote branch's history", ["git push -f origin main"],
     ["git push origin main"]),
    (["git", "reset", "--hard"], "prompt", "discards uncommitted work", ["git reset --hard HEAD~1"],
     ["git reset HEAD~1"]),
    (["terraform", "destroy"], "prompt", "destroys managed infrastructure", ["terraform destroy"],
     ["terraform plan"]),
    (["kubectl", "delete", "namespace"], "prompt", "deletes a namespace and everything in it",
     ["kubectl delete namespace prod"], ["kubectl get namespace"]),
    (["dropdb"], "prompt", "drops a PostgreSQL database", ["dropdb app"], ["createdb app"]),
)


def codex_rules_text() -> str:
    out = ["# Written by `interlock init`; `interlock uninstall` deletes this file.",
           "# A second layer under Interlock's PreToolUse hook (see ../hooks.json): Codex applies these",
           "# itself to commands it would run outside the sandbox, even if the hook is not trusted yet.", ""]
    for pattern, decision, why, match, not_match in CODEX_RULES:
        out += ["prefix_rule(",
                f"    pattern = {json.dumps(pattern)},",
                f"    decision = {json.dumps(decision)},",
                f"    justification = {json.dumps('Interlock: ' + why)},",
                f"    match = {json.dumps(match)},",
                f"    not_match = {json.dumps(not_match)},",
                ")", ""]
    return "\n".join(out)


# --- agents: where each one keeps its settings, and how to tell it is used here ----------------------

class Agent:
    __slots__ = ("name", "label", "home_dirs", "programs", "project_dirs", "project_file", "user_file", "writer",
                 "note")

    def __init__(self, name, label, home_dirs, programs, project_dirs, project_file, user_file, writer, note=""):
        self.name, self.label = name, label
        self.home_dirs, self.programs, self.project_dirs = home_dirs, programs, project_dirs
        self.project_file, self.user_file, self.writer, self.note = project_file, user_file, writer, note

    def settings_path(self, root: str, home: str, user: bool) -> str:
        return os.path.join(home, self.user_file) if user else os.path.join(root, self.project_file)


REGISTRY = {a.name: a for a in (
    Agent("claude-code", "Claude Code", (".claude",), ("claude",), (".claude",),
          ".claude/settings.json", ".claude/settings.json", claude_settings,
          "Claude Code picks up the change on its own (its settings are watched)."),
    Agent("cursor", "Cursor", (".cursor",), ("cursor", "cursor-agent"), (".cursor",),
          ".cursor/hooks.json", ".cursor/hooks.json", cursor_hooks, "Restart Cursor if it is open."),
    Agent("codex", "OpenAI Codex", (".codex",), ("codex",), (".codex",),
          ".codex/hooks.json", ".codex/hooks.json", codex_hooks,
          "Codex runs a hook only while its project and the hook are trusted (written to ~/.codex/config.toml; "
          "re-run `interlock init` after editing .codex/hooks.json)."),
    Agent("gemini", "Gemini CLI", (".gemini",), ("gemini",), (".gemini",),
          ".gemini/settings.json", ".gemini/settings.json", gemini_settings),
    Agent("copilot", "GitHub Copilot CLI", (".copilot",), ("copilot",), (".github/copilot",),
          ".github/hooks/interlock.json", ".copilot/hooks/interlock.json", copilot_hooks,
          "Commit .github/hooks/interlock.json for the Copilot cloud agent."),
    # VS Code's user-level hooks live in ~/.claude/settings.json (it reads Claude Code's files), so the
    # user scope is the Claude Code entry: that adapter understands VS Code's tool names.
    Agent("vscode", "VS Code agent hooks", (".vscode", ".config/Code", "Library/Application Support/Code"),
          ("code", "code-insiders"), (".vscode",),
          ".github/hooks/interlock-vscode.json", ".claude/settings.json", vscode_hooks,
          "VS Code agent hooks are a Preview feature: check Chat > Diagnostics lists Interlock's hook."),
    Agent("windsurf", "Windsurf", (".codeium/windsurf",), ("windsurf",), (".windsurf",),
          ".windsurf/hooks.json", ".codeium/windsurf/hooks.json", windsurf_hooks),
)}


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
        writer = a.writer
        path = a.settings_path(root, home, user)
        if name == "vscode" and user:
            writer = claude_settings  # VS Code's user hooks are ~/.claude/settings.json's
        files = [(path, writer)]
        if name == "codex":
            files.append((os.path.join(os.path.dirname(path), "rules", "interlock.rules"), "codex-rules"))
        if name == "gemini" and (user or not remove):
            # the backstop: deny rules Gemini CLI's policy engine applies itself (user tier, above --yolo)
            files.append((os.path.join(home, ".gemini", "policies", "interlock.toml"), "gemini-policy"))
        if name == "gemini" and not user and not remove:
            # Gemini CLI ignores a project's settings (hooks included) in an untrusted folder or with
            # --skip-trust and then runs every tool unchecked: the user-level hook still runs (Gemini
            # runs an identical hook once)
            files.append((a.settings_path(root, home, True), writer))
        elif name == "gemini" and not user and remove and " hook gemini" in (_read_text(a.settings_path(root, home,
                                                                                                      True)) or ""):
            print(f"  {name:<12} {_short(a.settings_path(root, home, True), home)}: the user-level hook stays (it "
                  "protects every project; `interlock uninstall --agent gemini --user` removes it)")
        for path, writer in files:
            if path in seen:
                continue
            seen.add(path)
            label = f"{name:<12} {_short(path, home, root)}"
            if writer in ("codex-rules", "gemini-policy"):
                if not remove and not backstop:
                    print(f"  {label}: skipped (--no-backstop)")
                    continue
                old_text = _read_text(path)
                if writer == "codex-rules":
                    new_text = None if remove else codex_rules_text()
                else:
                    from .agents.gemini import policy_text

                    new_text = None if remove else policy_text()
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
                    print(f"  {label}: removed Interlock's {'Codex rules' if writer == 'codex-rules' else 'Gemini policy'}")
                else:
                    made = _atomic_write(path, new_text)
                    if made:
                        created[path] = made
                    print(f"  {label}: wrote " + ("Codex rules (forbidden/prompt prefix rules, a second layer)"
                                                 if writer == "codex-rules" else
                                                 "a Gemini CLI policy (deny rules, a second layer)"))
                manifest_changed = True
                continue
            data, old_text = _load(path)
            if data is None and remove:
                continue
            new = writer(data or {}, base_cmd, remove=remove, redact_output=getattr(args, "redact_output", False))
            extra = ""
            if writer is claude_settings:
                rec = manifest.setdefault("backstop", {}).get(path)
                if remove:
                    if rec:
                        new = remove_backstop(new, rec)
                        manifest["backstop"].pop(path, None)
                        manifest_changed = True
                    else:
                        leftover = [r for r in claude_backstop_rules()
                                    if r in ((new.get("permissions") or {}).get("deny") or [])]
                        if leftover:
                            kept_rules.append((path, leftover))
                elif backstop:
                    new, added = add_backstop(new, claude_backstop_rules())
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
    if "codex" in agents:  # Codex runs a project's hooks only once the project and the hook are trusted
        from .agents import codex as codex_agent

        n = codex_agent.apply_trust(REGISTRY["codex"].settings_path(root, home, user), None if user else root,
                                    remove, args.dry_run, manifest, home=home)
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
