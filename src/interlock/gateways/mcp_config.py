"""``interlock init --mcp`` / ``uninstall``: route agents' stdio MCP servers through ``interlock mcp-proxy``.

Each stdio entry of ``mcpServers`` (Claude Code ``.mcp.json`` / ``~/.claude.json``, Cursor
``.cursor/mcp.json`` / ``~/.cursor/mcp.json``) becomes ``interlock mcp-proxy --name NAME --
COMMAND ARGS...`` with every other key (env, cwd, type...) kept.  HTTP/SSE entries (``url``)
are left alone: the proxy speaks stdio.  In system mode an entry whose name the system policy
serves (``[gateways.mcp.NAME]``) becomes ``interlock mcp-proxy --system --name NAME``: a client of
the service's MCP gateway, the server and its token the service's.  Idempotent: a wrapped entry is not wrapped again.
The original entry, and the file's text, are kept in Interlock's install manifest so that
``uninstall`` puts back exactly what was there; without the manifest the original command is
still read back from the wrapped one.  Stdlib only.
"""

from __future__ import annotations

import json
import os
import shlex

from ..agents import REGISTRY

#: agent -> (project file, user file): the registry's (interlock.agents.REGISTRY, an Entry's ``mcp``)
FILES = {name: e.mcp for name, e in REGISTRY.items() if e.mcp}
SUBCOMMAND = "mcp-proxy"


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


def wrap_entry(name, entry, base_cmd, system=()):
    """The proxied entry, or None when it is not a stdio server (or is already wrapped).  A server the
    system policy runs (``system``: its names) becomes a client of the service's MCP gateway: the
    command it named is no longer started by the agent's user."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str) or not entry["command"]:
        return None
    if entry.get("type") not in (None, "stdio") or "url" in entry or is_wrapped(entry):
        return None
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    base = shlex.split(base_cmd)
    new = {}
    for k, v in entry.items():  # same keys, same order
        new[k] = v
    new["command"] = base[0]
    if name in system:
        new["args"] = base[1:] + [SUBCOMMAND, "--system", "--name", str(name)]
        return new
    new["args"] = base[1:] + [SUBCOMMAND, "--name", str(name), "--", entry["command"]] + [str(a) for a in args]
    return new


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
    return out


def wrap_entry_like(original, wrapped) -> bool:
    """Whether ``wrapped`` is ``original`` as init wrapped it, unchanged since (any base command)."""
    args = wrapped.get("args") or []
    if _is_system(wrapped):
        same_cmd = True  # nothing of the command is left to compare
    else:
        rest = args[args.index("--", args.index(SUBCOMMAND)) + 1:]
        same_cmd = rest == [original.get("command")] + list(original.get("args") or [])
    others = {k: v for k, v in wrapped.items() if k not in ("command", "args")}
    return same_cmd and others == {k: v for k, v in original.items() if k not in ("command", "args")}


def apply(agents, root, home, user, base_cmd, remove, dry_run, manifest) -> int:
    """Rewrite (or restore) every MCP config of ``agents``; returns how many files changed."""
    from .. import install as I

    record = manifest.setdefault("mcp", {})  # path -> {"text": original file text, "servers": {name: entry}}
    changed = 0
    system = set() if remove else system_servers()
    for path in config_paths(agents, root, home, user):
        data, old_text = I._load(path)
        if data is None:
            continue
        servers = data.get("mcpServers")
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
                e = wrap_entry(name, entry, base_cmd, system) or entry
            if e is not entry:
                touched.append(name)
            new_servers[name] = e
        label = I._short(path, home, root)
        if not touched:
            print(f"  mcp          {label}: {'no proxied MCP server' if remove else 'every stdio MCP server already goes through interlock mcp-proxy'}")
            continue
        new = {k: (new_servers if k == "mcpServers" else v) for k, v in data.items()}
        new_text = json.dumps(new, indent=2) + "\n"
        if remove and rec.get("text") is not None:
            try:
                if json.loads(rec["text"]) == new:
                    new_text = rec["text"]  # byte for byte what was there before init
            except ValueError:
                pass
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
