"""The whole action, as every approval channel stores and shows it.

``Action.summary`` is one line ("Edit src/app.py", "mcp db/drop_table"); an approver must see
what will run: a Write's content, an Edit's old → new text and ``replace_all``, every edit of a
MultiEdit, an MCP tool's arguments, an HTTP request's body.  ``describe`` is that text (not
redacted, not truncated: callers redact, and ``display`` bounds what a screen shows and says
where the rest is).
"""

from __future__ import annotations

import json

from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, SQL


def _json(v) -> str:
    return json.dumps(v, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _edit(e, n=None) -> list:
    head = f"edit {n}" if n else "edit"
    out = [f"--- {head}: replace_all = {'yes' if e.get('replace_all') else 'no'}", "--- old text:"]
    out.append(str(e.get("old_string", "")))
    out.append("+++ new text:")
    out.append(str(e.get("new_string", "")))
    return out


def describe(action) -> str:
    p = action.payload or {}
    ti = (action.meta or {}).get("tool_input")
    if action.kind == SHELL:
        return str(p.get("command", ""))
    if action.kind == SQL:
        return str(p.get("statement", ""))
    if action.kind in (FILE_READ, FILE_WRITE):
        lines = [f"{action.tool or action.kind} {p.get('path', '')}"]
        if action.kind == FILE_READ:
            return lines[0]
        shown = {"file_path", "notebook_path", "path"}
        if isinstance(ti, dict):
            if isinstance(ti.get("edits"), list):
                for i, e in enumerate(ti["edits"], 1):
                    lines += _edit(e if isinstance(e, dict) else {"new_string": _json(e)}, i)
                shown.add("edits")
            elif "old_string" in ti or "new_string" in ti:
                lines += _edit(ti)
                shown |= {"old_string", "new_string", "replace_all"}
            for k in ("content", "new_source"):
                if isinstance(ti.get(k), str):
                    lines += [f"--- {k} ({len(ti[k]):,} characters):", ti[k]]
                    shown.add(k)
            for k, v in ti.items():  # every other field, too (a patch's text as text)
                if k not in shown:
                    lines += [f"--- {k}:", v if isinstance(v, str) else _json(v)]
        elif isinstance(p.get("content"), str):
            lines += [f"--- content ({len(p['content']):,} characters):", p["content"]]
        return "\n".join(lines)
    if action.kind == MCP_CALL:
        args = p.get("arguments")
        return f"mcp {p.get('server', '')}/{p.get('tool', '')}\narguments: " + _json(args if args is not None else {})
    if action.kind == HTTP:
        out = [f"{p.get('method', 'GET')} {p.get('url', '')}"]
        for k in ("headers", "body", "query", "variables"):
            if p.get(k):
                out.append(f"{k}: " + (p[k] if isinstance(p[k], str) else _json(p[k])))
        return "\n".join(out)
    return action.summary


def redact_whole(text: str, chunk=60_000) -> str:
    """``redact`` for text of any length: in pieces cut at whitespace (``redact`` itself keeps only
    the first 64 KiB of one string), so a stored action is whole and still free of secrets."""
    from ..redact import redact

    if len(text) <= chunk:
        return redact(text)
    out, i = [], 0
    while i < len(text):
        j = min(len(text), i + chunk)
        if j < len(text):
            k = max(text.rfind(c, i + chunk // 2, j) for c in " \n\t;|&")
            if k > i:
                j = k + 1
        out.append(redact(text[i:j]))
        i = j
    return "".join(out)
