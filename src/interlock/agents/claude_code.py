"""Claude Code: how to drive the real binary with a scripted model (tests, bench, doctor --live).

``ANTHROPIC_BASE_URL`` points it at the scripted Messages API; ``-p`` runs one headless turn with
``--output-format json`` (whose ``permission_denials`` lists the tool calls it refused).  As root,
``--dangerously-skip-permissions`` is refused, so the tools are allowed by name instead.
"""

from __future__ import annotations

import json
import os

from . import CRASH_MESSAGE, Install

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
                                                     "timeout": 10})(existing, base_cmd, remove=remove)


def _post(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import grouped

    return grouped("PostToolUse", REDACT_MATCHER, lambda b: {"type": "command", "command": f"{b} hook claude-code",
                                                             "timeout": 10})(existing, base_cmd, remove=remove)


def settings(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    s = _pre(existing, base_cmd, remove=remove)
    # the optional PostToolUse hook that masks secrets in tool output
    return _post(s, base_cmd, remove=remove or not redact_output)


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
