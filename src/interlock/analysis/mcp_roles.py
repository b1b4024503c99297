"""What each argument of an MCP tool holds, from the tool's ``inputSchema``: facts the MCP gateway reads
from ``tools/list`` and passes on with every call (payload ``roles``) — no judgement here, so the gateway
imports this without reaching the analysis (only the engine does)."""

from __future__ import annotations

import re

_ROLE_SHELL = re.compile(r"(?i)\b(shell|bash|zsh|command[- ]line|cli command|terminal|command to (run|execute)|"
                         r"(run|execute)s? (a |the )?command|aws cli|gcloud|kubectl)\b")
_ROLE_SQL = re.compile(r"(?i)\b(sql|dml|ddl)\b|(run|execute)s? (a |the )?(query|statement)|query to (run|execute)")
_ROLE_DATA = re.compile(r"(?i)\b(search|natural[- ]language|free[- ]text|question|prompt|keywords?|description|"
                        r"title|message|comment|notes?)\b")


def argument_roles(schema) -> dict:
    """{argument: "shell" | "sql" | "data"} from a tool's ``inputSchema`` (``tools/list``): what each
    property's own name, title and description say it holds.  The MCP gateway passes it on with every
    call (payload ``roles``), so ``{"input": "rm -rf ~"}`` under a property described as "the shell
    command to run" is judged as the command it is, and a "search query" is not read as SQL."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    out = {}
    for name, p in list(props.items())[:200]:
        if not isinstance(name, str) or not isinstance(p, dict):
            continue
        text = " ".join(str(p.get(k) or "") for k in ("title", "description"))[:2000]
        if _ROLE_SQL.search(text) and not _ROLE_SHELL.search(text):
            out[name] = "sql"
        elif _ROLE_SHELL.search(text):
            out[name] = "shell"
        elif _ROLE_DATA.search(text):
            out[name] = "data"
    return out
