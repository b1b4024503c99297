"""What Interlock protects about itself: its policy, state, approvals, hook registrations and
the code that runs the hook (``self_paths``), the approval store (``approval_store_paths``) and
the secret globs a policy adds (``secret_globs``).

A layer below analysis and the engine: analysis asks it whether a path is Interlock's own, the
engine builds each action's Context from it.  It imports only ``interlock.policy`` (for the
config and state directories), lazily, and the agents' registry (data only), and nothing above.
"""

from __future__ import annotations

import os

# the hook-settings files of every agent (each one's registry line, interlock.agents.REGISTRY)
from .agents import PROTECTED_SETTINGS as AGENT_SETTINGS  # noqa: E402


def self_paths(home: str, workspace: str | None, env=os.environ):
    """Globs of everything an agent must not change: policy, state, hook registrations."""
    from .policy import config_dir, state_dir

    default_state = state_dir({"HOME": home})
    out = [config_dir(env) + "/**", config_dir(env), state_dir(env) + "/**", state_dir(env),
           default_state + "/**", default_state, f"{home}/.config/interlock/**", f"{home}/.config/interlock",
           "/etc/claude-code/**", "/etc/cursor/hooks.json", "/Library/Application Support/ClaudeCode/**"]
    out += [state_dir(env) + "/snapshots", state_dir(env) + "/snapshots/**"]  # safeguards' snapshot store
    backups = env.get("INTERLOCK_BACKUP_HOME") or "/var/lib/interlock-backup"  # `interlock backups`' store, unit
    out += [backups, backups + "/**", "/etc/systemd/system/interlock-backups.service"]
    for rel in AGENT_SETTINGS:
        out.append(f"{home}/{rel}")
    out.append(f"{home}/.claude/settings*.json")
    if workspace:
        out += [f"{workspace}/.interlock/**", f"{workspace}/.interlock"]
        for rel in AGENT_SETTINGS:
            if rel != ".vscode/settings.json":
                out.append(f"{workspace}/{rel}")
        out.append(f"{workspace}/.claude/settings*.json")
    out += [p for p in mcp_configs(home, workspace) if _routes_through_interlock(p)]
    out += installed_code()
    out += shadow_paths(home, env)
    out += _link_targets(_linkable(home, workspace, env))
    return out


#: The ports Interlock's own servers listen on by default: the approvals dashboard (interlock.approvals'
#: DASHBOARD_PORT) and the HTTP, HTTPS and PostgreSQL gateways (interlock.policy's *_LISTEN); a test keeps
#: them equal.  Killing whatever holds one (`fuser -k 7717/tcp`) stops Interlock.
OWN_PORTS = ("7717", "8788", "8789", "6432")
#: A process, a unit or a pattern that names Interlock (`pkill -f 'interlock serve'`, `interlock-gateway-pg`).
OWN_NAME = "interlock"


def names_interlock(text: str) -> bool:
    return OWN_NAME in (text or "").lower()


def shadow_paths(home: str, env=os.environ) -> list:
    """Where a program named ``interlock`` would stand in for Interlock's own: every directory on the
    ``PATH`` the agent runs with, and the user's bin directories a start-up file usually puts there.
    A person types ``interlock approve`` and an approver's secret into whatever is found first, and
    an agent's hook registered by name runs it: planting one is replacing Interlock."""
    dirs = [d for d in (env.get("PATH") or "").split(os.pathsep) if d.startswith("/")][:64]
    dirs += [f"{home}/.local/bin", f"{home}/bin", f"{home}/.bin", "/usr/local/bin", "/opt/homebrew/bin"]
    return [f"{d.rstrip('/')}/interlock" for d in dict.fromkeys(dirs)]


def _linkable(home, workspace, env):
    """Interlock's own files and directories that may be symlinks (a dotfile manager's, or an
    agent's): what they point to is as much Interlock's as they are."""
    from .policy import config_dir, state_dir

    out = [config_dir(env), os.path.join(config_dir(env), "policy.toml"), state_dir(env),
           f"{home}/.config", f"{home}/.claude"]
    out += [f"{home}/{rel}" for rel in AGENT_SETTINGS]
    if workspace:
        out += [f"{workspace}/.interlock", f"{workspace}/.interlock/policy.toml", f"{workspace}/.claude"]
        out += [f"{workspace}/{rel}" for rel in AGENT_SETTINGS if rel != ".vscode/settings.json"]
    return out


def _link_targets(paths) -> list:
    out = []
    for p in paths:
        try:
            if not os.path.islink(p):
                continue
            real = os.path.realpath(p)
        except OSError:
            continue
        out += [real, real + "/**"]
    return out


def _lmtimes(paths) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.lstat(p)
            out.append((st.st_ino, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def installed_code() -> list:
    """Globs of the code that runs the hook: this package, the interpreter environment's entry
    point and start-up hooks (``*.pth``, sitecustomize), and a system-mode configuration.  Code the
    agent could change is a hook it could rewrite (an editable install's source tree included:
    develop Interlock with a separate install guarding the agent)."""
    import sys

    pkg = os.path.dirname(os.path.abspath(__file__))
    ver = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    out = [pkg, pkg + "/**", "/etc/interlock", "/etc/interlock/**", "/etc/gemini-cli/settings.json",
           "/etc/systemd/system/interlock.service"]
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        site = f"{prefix}/lib/{ver}/site-packages"
        out += [f"{site}/*.pth", f"{site}/sitecustomize.py", f"{site}/usercustomize.py", f"{site}/interlock*",
                f"{site}/interlock*/**", f"{site}/__editable__*interlock*", f"{prefix}/bin/interlock",
                f"{prefix}/bin/python*", f"{prefix}/pyvenv.cfg"]
    return out


def mcp_configs(home: str, workspace: str | None) -> list:
    """Agents' MCP server lists that `interlock init --mcp` may have routed through the proxy."""
    from .agents import REGISTRY

    files = [e.mcp for e in REGISTRY.values() if e.mcp]
    out = [f"{home}/{user}" for _, user in files]
    if workspace:
        out += [f"{workspace}/{project}" for project, _ in files]
    return out


def _routes_through_interlock(path: str) -> bool:
    """An MCP config that sends servers through `interlock mcp-proxy` is Interlock's to keep: an
    agent that rewrote it would take its tools around the gateway.  (One that doesn't is the
    user's and the agent's: adding an MCP server is ordinary work.)"""
    try:
        with open(path, "rb") as f:
            return b"mcp-proxy" in f.read(4 << 20)
    except OSError:
        return False


def _mtimes(paths) -> tuple:
    out = []
    for p in paths:
        try:
            out.append(os.stat(p).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


#: Interlock's approval state: reading it helps an agent approve itself (approver secret hashes
#: to guess offline, request ids and hashes), writing it would forge an approval.
APPROVAL_FILES = ("approvals.db", "approvals.db-wal", "approvals.db-shm", "approvals.db-journal", "approvers.json",
                  "dashboard.key",  # dashboard.key signs `interlock serve` session cookies
                  "pgpass")  # the shared store's password in team mode (approvals.store_pg)
_APPROVAL_CACHE = {}


def approval_store_paths(home: str, env=os.environ) -> tuple:
    """The approvals database and approver secrets (and the state directories holding them)."""
    key = (home, env.get("INTERLOCK_HOME"), env.get("XDG_STATE_HOME"), env.get("INTERLOCK_STORE"))
    got = _APPROVAL_CACHE.get(key)
    if got is None:
        from .policy import state_dir

        dirs = sorted({state_dir(env).rstrip("/"), state_dir({"HOME": home}).rstrip("/")})
        files = [f"{d}/{n}" for d in dirs for n in APPROVAL_FILES]
        store = env.get("INTERLOCK_STORE") or ""
        if store.startswith("sqlite:///"):
            files += [store[len("sqlite://"):] + s for s in ("", "-wal", "-shm", "-journal")]
        got = _APPROVAL_CACHE[key] = (tuple(files), tuple(dirs))
    return got


def is_approval_store(path: str, home: str, env=os.environ, glob=False, paths=None) -> bool:
    """``paths``: ``approval_store_paths(home, env)`` already computed (once per analysis)."""
    files, dirs = paths or approval_store_paths(home, env)
    if glob:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(f, path) for f in files)
    return path in files or path in dirs


def secret_globs(ctx):
    """The policy's extra/exempt secret globs plus the vault (once per Context: cached on ``ctx``)."""
    if ctx._secret_globs is None:
        from .policy import state_dir

        extra, exempt = ctx.policy.secret_globs(ctx.workspace)
        vaults = [state_dir(ctx.env) + "/vault", state_dir({"HOME": ctx.home}) + "/vault"]
        ctx._secret_globs = (extra + vaults + [v + "/**" for v in vaults], exempt)
    return ctx._secret_globs
