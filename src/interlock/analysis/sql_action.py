"""SQL actions (``Action(SQL, {"statement", "url", "dialect"})``): statements a gateway sees on the wire.

Judged by exactly the path ``psql -h HOST -d DB -c '...'`` takes in the shell analysis
(``analysis/shell/databases.run_sql``), with the target resolved from the URL the statement
runs against (never holding a password), so a gateway and a hook agree on every statement.
"""

from __future__ import annotations


def analyze(action, ctx):
    from ..selfprotect import secret_globs as _secret_globs
    from .shell import databases as D
    from .shell.analyzer import Cmd, Scope, ShellAnalyzer

    p = action.payload
    text = p.get("statement") or ""
    url = p.get("url") or None
    dialect = p.get("dialect") or "postgres"
    extra, exempt = _secret_globs(ctx)
    a = ShellAnalyzer(ctx.pctx, env=ctx.env, protected_branches=ctx.policy.protected_branches,
                      resolve_environment=ctx.policy.environment_for, secret_extra=extra, secret_exempt=exempt)
    shown = " ".join(text.split())
    cmd = Cmd([shown], text=shown[:300] + ("…" if len(shown) > 300 else ""))
    scope = Scope(a._base_vars(), {}, ctx.cwd)
    tgt = D._resolve_target(a, cmd, D.Target(None, p.get("database"), url))
    if len(text) > 10_000_000:
        a.emit("db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note=f"the statement is too large to analyse ({len(text)} characters)")
    else:
        D.run_sql(a, cmd, scope, text, dialect, tgt)
    return a.findings
