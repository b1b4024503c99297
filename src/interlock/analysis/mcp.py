"""MCP tool calls seen by agent hooks: a first judgement by tool name and arguments.

The MCP gateway (a later piece) sees far more; this keeps the hook path honest
about what it can tell from a name such as ``mcp__postgres__drop_table``.
"""

from __future__ import annotations

import re

from ..actions import Finding

_DESTRUCTIVE = re.compile(r"(?i)(^|[_\-.])(delete|drop|destroy|remove|truncate|purge|wipe|erase|terminate|"
                          r"reset|revoke|rm|kill|force_push|overwrite)([_\-.]|$)")


def analyze(action, ctx):
    tool = action.payload.get("tool") or ""
    out = []
    if _DESTRUCTIVE.search(tool):
        out.append(Finding("mcp.destructive-tool", "destructive", "unknown", f"{action.payload.get('server')}/{tool}",
                           f"mcp {action.payload.get('server')}/{tool}",
                           "An MCP tool whose name says it deletes or destroys something."))
    args = action.payload.get("arguments")
    if isinstance(args, dict):
        for key in ("command", "cmd", "script", "shell"):
            v = args.get(key)
            if isinstance(v, str) and v.strip():
                from ..engine import analyze as _analyze
                from ..actions import Action, SHELL

                out.extend(_analyze(Action(SHELL, {"command": v}, cwd=ctx.cwd), ctx))
    return out
