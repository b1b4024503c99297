"""Which analysis judges an action: the shell walk, file tools, MCP calls, SQL a gateway saw,
HTTP requests — plus a token pasted into any of them.

Analysis reports facts (rule, effect, target, environment when resolved); it never decides.
``interlock.engine.analyze`` calls ``analyze`` here and weighs what it returns once
(``interlock.weighing``); an analysis that judges a nested action (an MCP tool's command
argument) calls ``analyze`` here, and the outer action's weighing covers it.
"""

from __future__ import annotations

import json

from ..actions import FILE_READ, FILE_WRITE, HTTP, MCP_CALL, SHELL, SQL, Action, Finding
from ..selfprotect import approval_store_paths
from ..selfprotect import secret_globs as _secret_globs


def analyze(action: Action, ctx) -> list[Finding]:
    findings = _analyze_kind(action, ctx)
    findings.extend(_literal_tokens(action))
    return findings


_LITERAL = None
_SHELL_ANALYZER = None


def _literal_tokens(action: Action) -> list[Finding]:
    """A token pasted into a command, file, URL or tool argument (the incident's shape)."""
    p = action.payload
    if action.kind == SHELL:  # the hot path: a command is the only text
        v = p.get("command")
        texts = [v] if isinstance(v, str) and v else []
    else:
        texts = [v for v in (p.get(k) for k in ("command", "url", "content", "new_string", "statement", "body"))
                 if isinstance(v, str) and v]
    if action.kind == MCP_CALL and p.get("arguments"):
        texts.append(json.dumps(p.get("arguments"), ensure_ascii=False, default=str))
    if not texts:
        return []
    global _LITERAL
    if _LITERAL is None:  # loaded on first use; a function-level import costs ~1 µs on every call
        from .literal_secrets import find_secrets
        from ..rules import RULES

        _LITERAL = (find_secrets, RULES["secrets.literal-token"])
    find_secrets, rule = _LITERAL
    out = []
    for text in texts:
        for hit in find_secrets(text[:200_000])[:5]:
            out.append(Finding(rule.id, rule.severity, "send-secret", hit.kind,
                               f"{hit.kind} {hit.masked}", rule.why, note=f"line {hit.line}" if hit.line > 1 else None))
    return out


def _analyze_kind(action: Action, ctx) -> list[Finding]:
    kind = action.kind
    if kind == SHELL:
        global _SHELL_ANALYZER
        if _SHELL_ANALYZER is None:
            from .shell.analyzer import ShellAnalyzer

            _SHELL_ANALYZER = ShellAnalyzer
        if ctx._shell is None:  # what every shell analysis in this Context shares, computed once
            extra, exempt = _secret_globs(ctx)
            ctx._shell = dict(env=ctx.env, user=ctx.user, protected_branches=tuple(ctx.policy.protected_branches),
                              resolve_environment=ctx.policy.environment_for, secret_extra=tuple(extra),
                              secret_exempt=tuple(exempt), approval_paths=approval_store_paths(ctx.home, ctx.env))
        a = _SHELL_ANALYZER(ctx.pctx, **ctx._shell)
        ctx.facts = a  # .reads / .ran: facts approvals.inputs binds an approval to
        if action.session:  # what this agent wrote earlier in its session (session_memory.py)
            a.session_files = _memory().load(ctx.env, action.agent, action.session)
        found = a.analyze(action.payload.get("command", ""), ctx.cwd)
        if action.session and (a.written_text or a.aliases or getattr(a, "exported_lifts", None)):
            _learn(action, ctx, a)
        return found
    if kind in (FILE_READ, FILE_WRITE):
        from . import files

        found = files.analyze(action, ctx)
        if kind == FILE_WRITE and action.session:
            _learn(action, ctx, None)
        return found
    if kind == MCP_CALL:
        from . import mcp

        found = mcp.analyze(action, ctx)
        args = action.payload.get("arguments")
        if args and "approv" in str(args):  # a fetch/browser tool aimed at the approval endpoints
            from .http import approval_endpoint

            v = approval_endpoint(json.dumps(args, default=str))
            if v is not None:
                found.append(_verdict_finding(v, action))
        return found
    if kind == SQL:  # statements seen by a database gateway (gateways/postgres.py)
        from . import sql_action

        return sql_action.analyze(action, ctx)
    if kind == HTTP:  # a request a gateway (or an agent's fetch tool) is about to send
        from .http import analyze_payload

        urls = action.payload.get("urls")
        urls = [u for u in urls if isinstance(u, str)][:20] if isinstance(urls, list) else [action.payload.get("url")]
        found = []
        for u in urls:  # a fetch tool given several pages (Gemini's web_fetch, VS Code's fetch_webpage) reads each
            if isinstance(u, str) and u[:7].lower() == "file://":
                # a local file by URL: read as the agents' Read tool reads it (a key, a credentials file)
                from . import files

                found += files.analyze(Action(FILE_READ, {"path": _file_url_path(u)}, cwd=action.cwd,
                                              tool=action.tool or "fetch"), ctx)
            else:
                found += analyze_payload(dict(action.payload, url=u or ""), ctx.policy.environment_for)
        return found
    return []


def _file_url_path(url: str) -> str:
    """The path a file:// URL names (`file:///home/u/.aws/credentials`, `file://localhost/etc/passwd`)."""
    from urllib.parse import unquote

    rest = url[7:]
    if rest.startswith("localhost/"):
        rest = rest[9:]
    return unquote(rest.split("?", 1)[0].split("#", 1)[0]) or "/"


def _memory():
    from .. import session_memory

    return session_memory


def _learn(action, ctx, analyzer):
    """Remember what the action wrote, for later runs of those files in this session; never fails the call."""
    try:
        _memory().learn(action, ctx, analyzer)
    except Exception:
        pass


def _verdict_finding(v, action) -> Finding:
    from ..rules import RULES

    r = RULES[v.rule]
    return Finding(r.id, r.severity, "http", v.target, action.summary[:300], r.why, note=v.note)
