"""``interlock init --mcp`` / ``uninstall``: route agents' stdio MCP servers through ``interlock mcp-proxy``.

Each stdio entry of ``mcpServers`` (Claude Code ``.mcp.json`` / ``~/.claude.json``, Cursor
``.cursor/mcp.json`` / ``~/.cursor/mcp.json``, Gemini CLI ``.gemini/settings.json`` /
``~/.gemini/settings.json``) or of Codex's ``[mcp_servers.NAME]`` tables (``.codex/config.toml`` /
``~/.codex/config.toml``, edited with tomlkit so the user's comments stay) becomes
``interlock mcp-proxy --name NAME -- COMMAND ARGS...`` with every other key (env, cwd, type...) kept.  HTTP/SSE entries (``url``)
are left alone: the proxy speaks stdio.  In system mode an entry whose name the system policy
serves (``[gateways.mcp.NAME]``) becomes ``interlock mcp-proxy --system --name NAME``: a client of
the service's MCP gateway, the server and its token the service's.  Idempotent: a wrapped entry is not wrapped again.
The original entry, and the file's text, are kept in Interlock's install manifest so that
``uninstall`` puts back exactly what was there; without the manifest the original command is
still read back from the wrapped one.  Stdlib only (tomlkit for a Codex config.toml).
"""

from __future__ import annotations

import json
import os
import shlex

from ..agents import REGISTRY

#: agent -> (project file, user file): the registry's (interlock.agents.REGISTRY, an Entry's ``mcp``)
FILES = {name: e.mcp for name, e in REGISTRY.items() if e.mcp}
SUBCOMMAND = "mcp-proxy"

#: what tells Interlock where its policy, state, approvals and vault are: an agent that starts MCP
#: servers with a stripped environment (Codex: only its own short list plus the entry's ``env``) would
#: otherwise start the proxy on another policy and state than its hook's, so a Codex entry forwards
#: these by name (``env_vars``; an unset one is skipped)
INTERLOCK_ENV = ("INTERLOCK_HOME", "INTERLOCK_STORE", "INTERLOCK_STORE_TIMEOUT", "INTERLOCK_BACKUP_HOME",
                 "INTERLOCK_SYSTEM_CONFIG", "INTERLOCK_VAULT_BACKEND", "INTERLOCK_DAEMON", "XDG_CONFIG_HOME",
                 "XDG_STATE_HOME")


def config_paths(agents, root, home, user) -> list:
    out = []
    for a in agents:
        if a in FILES:
            rel = FILES[a][1 if user else 0]
            p = os.path.join(home if user else root, rel)
            if p not in out:
                out.append(p)
    return out


def is_wrapped(entry) -> bool:
    args = entry.get("args") if isinstance(entry, dict) else None
    return isinstance(args, list) and SUBCOMMAND in args and ("--" in args[args.index(SUBCOMMAND):] or
                                                              _is_system(entry))


def _is_system(entry) -> bool:
    """``mcp-proxy --system --name NAME``: the server is the service's (system mode)."""
    args = entry.get("args") if isinstance(entry, dict) else None
    return isinstance(args, list) and SUBCOMMAND in args and "--system" in args[args.index(SUBCOMMAND):]


def system_servers() -> set:
    """The ``[gateways.mcp.NAME]`` of the system policy when system mode is on (their servers run as
    the service user, its vault's tokens with them); empty otherwise."""
    from .. import system as S

    try:
        cfg = S.load_config()
    except S.SystemError_:
        return set()
    if cfg is None:
        return set()
    import tomllib

    try:
        with open(os.path.join(cfg.policy_dir, "policy.toml"), "rb") as f:
            return set(((tomllib.load(f).get("gateways") or {}).get("mcp") or {}))
    except (OSError, ValueError):
        return set()


def wrap_entry(name, entry, base_cmd, system=(), forward_env=False):
    """The proxied entry, or None when it is not a stdio server (or is already wrapped by this
    Interlock, with none of Interlock's own variables in its ``env``).  A server the
    system policy runs (``system``: its names) becomes a client of the service's MCP gateway: the
    command it named is no longer started by the agent's user."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str) or not entry["command"]:
        return None
    if entry.get("type") not in (None, "stdio") or "url" in entry:
        return None
    base = shlex.split(base_cmd)
    if is_wrapped(entry):
        if _by(entry, base):  # this Interlock's proxy already: only its environment is set right
            new = dict(entry)
            if ours_in_env(entry):
                new["env"] = {k: v for k, v in entry["env"].items() if k not in INTERLOCK_ENV}
            if forward_env:
                new["env_vars"] = _forwarded(entry)
            return None if new == entry else new
        # "mcp-proxy" in the arguments of another program (one a repository ships, or an Interlock at
        # another path): not a proxy of ours — what it says it proxies is the server, else the whole entry
        inner = unwrap_entry(entry)
        if inner is not entry and not is_wrapped(inner) and isinstance(inner.get("command"), str):
            entry = inner
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    new = {}
    for k, v in entry.items():  # same keys, same order
        new[k] = v
    new["command"] = base[0]
    if isinstance(entry.get("env"), dict) and ours_in_env(entry):
        # the proxy is this entry's process: its policy and state are the agent's (as the hook's are),
        # never a server entry's — one a repository ships could point them at a policy of its own
        new["env"] = {k: v for k, v in entry["env"].items() if k not in INTERLOCK_ENV}
    if forward_env:
        new["env_vars"] = _forwarded(entry)
    if name in system:
        new["args"] = base[1:] + [SUBCOMMAND, "--system", "--name", str(name)]
        return new
    new["args"] = base[1:] + [SUBCOMMAND, "--name", str(name), "--", entry["command"]] + [str(a) for a in args]
    return new


def _by(entry, base) -> bool:
    """Whether ``entry`` runs this Interlock (``base``: its command, split) — not merely a program with
    "mcp-proxy" among its arguments."""
    args = entry.get("args")
    return entry.get("command") == base[0] and isinstance(args, list) and args[:len(base) - 1] == base[1:]


def _forwarded(entry) -> list:
    """A Codex entry's ``env_vars`` with Interlock's variables forwarded by name (plain, last): an entry
    of the user's own that names one of them (``{name = ..., source = ...}`` too) is replaced."""
    return [v for v in entry.get("env_vars") or () if _var_name(v) not in INTERLOCK_ENV] + list(INTERLOCK_ENV)


def _var_name(v):
    """A Codex ``env_vars`` entry's variable: ``"NAME"`` or ``{name = "NAME", source = ...}``."""
    return v.get("name") if isinstance(v, dict) else v


def ours_in_env(entry) -> list:
    """Interlock's own variables an entry's ``env`` sets (``wrap_entry`` drops them)."""
    env = entry.get("env") if isinstance(entry, dict) else None
    return [k for k in env if k in INTERLOCK_ENV] if isinstance(env, dict) else []


def unwrap_entry(entry, original=None):
    if not is_wrapped(entry):
        return entry
    if original is not None and wrap_entry_like(original, entry):
        return original
    if _is_system(entry):
        return entry  # the original command is not in it: only the manifest can put it back
    args = entry["args"]
    rest = args[args.index("--", args.index(SUBCOMMAND)) + 1:]
    if not rest:
        return entry
    out = {}
    for k, v in entry.items():
        out[k] = v
    out["command"] = rest[0]
    out["args"] = rest[1:]
    if isinstance(out.get("env_vars"), list):  # what wrap_entry forwarded
        kept = [v for v in out["env_vars"] if _var_name(v) not in INTERLOCK_ENV]
        if kept:
            out["env_vars"] = kept
        else:
            del out["env_vars"]
    return out


def wrap_entry_like(original, wrapped) -> bool:
    """Whether ``wrapped`` is ``original`` as init wrapped it, unchanged since (any base command)."""
    args = wrapped.get("args") or []
    if _is_system(wrapped):
        same_cmd = True  # nothing of the command is left to compare
    else:
        rest = args[args.index("--", args.index(SUBCOMMAND)) + 1:]
        same_cmd = rest == [original.get("command")] + list(original.get("args") or [])
    skip = ("command", "args", "env_vars", "env")
    others = {k: v for k, v in wrapped.items() if k not in skip}
    same_env = [v for v in wrapped.get("env_vars") or () if _var_name(v) not in INTERLOCK_ENV] == \
        [v for v in original.get("env_vars") or () if _var_name(v) not in INTERLOCK_ENV]

    def env(e):
        x = e.get("env")
        return {k: v for k, v in x.items() if k not in INTERLOCK_ENV} if isinstance(x, dict) else x

    return same_cmd and same_env and env(wrapped) == env(original) and \
        others == {k: v for k, v in original.items() if k not in skip}


class _Json:
    """An MCP server list in a JSON file: ``{"mcpServers": {NAME: entry}}``."""

    forward_env = False  # Claude Code, Cursor and Gemini CLI give a stdio server their environment

    def __init__(self, path):
        from .. import install as I

        self.data, self.text = I._load(path)

    def servers(self):
        s = self.data.get("mcpServers") if self.data is not None else None
        return s if isinstance(s, dict) else None

    def render(self, new_servers):
        new = {k: (new_servers if k == "mcpServers" else v) for k, v in self.data.items()}
        return json.dumps(new, indent=2) + "\n", new

    @staticmethod
    def same(text, new):
        try:
            return json.loads(text) == new
        except ValueError:
            return False


class _Toml:
    """Codex's ``config.toml``: ``[mcp_servers.NAME]`` tables (``command``, ``args``, ``env``...)."""

    forward_env = True  # Codex starts a stdio server with a stripped environment

    def __init__(self, path):
        import tomlkit

        try:
            with open(path) as f:
                self.text = f.read()
        except FileNotFoundError:
            self.doc = self.data = None
            self.text = ""
            return
        try:
            self.doc = tomlkit.parse(self.text)
        except Exception as e:  # noqa: BLE001 - tomlkit's parse errors have no common base worth naming
            raise SystemExit(f"interlock: {path} is not valid TOML ({e}); fix it first, nothing was changed") from None
        self.data = self.doc

    def servers(self):
        s = self.doc.get("mcp_servers") if self.doc is not None else None
        return {k: v.unwrap() if hasattr(v, "unwrap") else v for k, v in s.items()} if hasattr(s, "items") else None

    def render(self, new_servers):
        import tomlkit

        table = self.doc["mcp_servers"]
        for name, entry in new_servers.items():
            if table.get(name) is not None and table[name].unwrap() == entry:
                continue  # untouched: keep it as the user wrote it
            t = tomlkit.table()
            for k, v in entry.items():
                t[k] = v
            table[name] = t
        return tomlkit.dumps(self.doc), self.doc.unwrap()

    @staticmethod
    def same(text, new):
        import tomlkit

        try:
            return tomlkit.parse(text).unwrap() == new
        except Exception:  # noqa: BLE001
            return False


def apply(agents, root, home, user, base_cmd, remove, dry_run, manifest) -> int:
    """Rewrite (or restore) every MCP config of ``agents``; returns how many files changed."""
    from .. import install as I

    record = manifest.setdefault("mcp", {})  # path -> {"text": original file text, "servers": {name: entry}}
    changed = 0
    system = set() if remove else system_servers()
    for path in config_paths(agents, root, home, user):
        cfg = (_Toml if path.endswith(".toml") else _Json)(path)
        if cfg.data is None:
            continue
        old_text = cfg.text
        servers = cfg.servers()
        if not isinstance(servers, dict):
            continue
        rec = record.get(path) or {}
        new_servers = {}
        touched = []
        for name, entry in servers.items():
            if remove:
                orig = (rec.get("servers") or {}).get(name)
                e = unwrap_entry(entry, orig)
            else:
                e = wrap_entry(name, entry, base_cmd, system, cfg.forward_env) or entry
                dropped = ours_in_env(entry) if e is not entry else []
                if dropped:
                    print(f"  mcp          {I._short(path, home, root)}: {name}: dropped {', '.join(dropped)} from its "
                          "env (Interlock's own: the proxy uses the agent's, as the hook does)")
            if e is not entry:
                touched.append(name)
            new_servers[name] = e
        label = I._short(path, home, root)
        if not touched:
            print(f"  mcp          {label}: {'no proxied MCP server' if remove else 'every stdio MCP server already goes through interlock mcp-proxy'}")
            continue
        new_text, new = cfg.render(new_servers)
        if remove and rec.get("text") is not None and cfg.same(rec["text"], new):
            new_text = rec["text"]  # byte for byte what was there before init
        changed += 1
        if dry_run:
            I._diff(path, old_text, new_text)
            continue
        I._atomic_write(path, new_text)
        if remove:
            record.pop(path, None)
        else:
            if path not in record:
                record[path] = {"text": old_text, "servers": {}}
            for n in touched:
                record[path]["servers"].setdefault(n, servers[n])
        verb = "restored" if remove else "now through interlock mcp-proxy"
        print(f"  mcp          {label}: {', '.join(touched)} {verb}")
    if not record:
        manifest.pop("mcp", None)
    return changed
