"""What an action would touch, in a shape previews and snapshots can act on.

The shell analyzer already unwraps a command line (sudo, ``bash -c``, pipes, here-docs,
variables, ``.env`` files); a ``_Collector`` rides along with it and records each database
client, ``rm``/``find``/``git`` call it meets, with its arguments resolved.  The options
tables are the analyzer's own (``analysis/shell/databases.py``), so the two agree on
what ``psql -d X -c Y`` means.
"""

from __future__ import annotations

import os

from ..actions import SHELL, SQL
from . import connect as C

_DB_PROGRAMS = {"psql": C.POSTGRES, "mysql": C.MYSQL, "mariadb": C.MYSQL, "sqlite3": C.SQLITE, "sqlite": C.SQLITE}
_FS_PROGRAMS = {"rm", "find", "git"}
_INFRA_PROGRAMS = {"terraform", "tofu", "kubectl", "oc"}
MAX_SQL = 1_000_000


class SqlTarget:
    """SQL that would run against one database."""

    __slots__ = ("conn", "sql", "dialect", "evidence", "error")

    def __init__(self, conn, sql, dialect, evidence="", error=None):
        self.conn, self.sql, self.dialect, self.evidence, self.error = conn, sql, dialect, evidence, error

    def __repr__(self):
        return f"SqlTarget({self.conn!r}, {self.sql[:60]!r})"


class PathTarget:
    """Files a command would delete: ``rm`` operands, ``find ... -delete``, ``git clean``."""

    __slots__ = ("op", "cwd", "paths", "args", "evidence")

    def __init__(self, op, cwd, paths=(), args=(), evidence=""):
        self.op, self.cwd, self.paths, self.args, self.evidence = op, cwd, list(paths), list(args), evidence

    def __repr__(self):
        return f"PathTarget({self.op}, {self.paths or self.args})"


class GitTarget:
    """Work a git command would discard: ``reset --hard``, ``checkout -- .``, ``restore``, ``stash drop``."""

    __slots__ = ("op", "cwd", "args", "evidence")

    def __init__(self, op, cwd, args=(), evidence=""):
        self.op, self.cwd, self.args, self.evidence = op, cwd, list(args), evidence

    def __repr__(self):
        return f"GitTarget({self.op}, {self.args})"


def extract(action, ctx) -> list:
    """Targets of ``action`` (an ``interlock.actions.Action``) in the context ``ctx``."""
    if action.kind == SQL:
        p = action.payload
        url = p.get("url") or p.get("database_url")
        conn = C.from_url(url, "action") if url else C.from_environment(ctx.env, p.get("dialect"))
        dialect = conn.dialect if conn else (p.get("dialect") or C.POSTGRES)
        if conn is not None and p.get("search_path"):   # the gateway's session: names resolve in its search_path
            conn.search_path = p["search_path"]
        t = SqlTarget(conn, p.get("statement", ""), dialect, p.get("statement", "")[:200])
        if p.get("search_path_unknown") and not t.error:
            t.error = (f"the session's search_path is not known ({p['search_path_unknown']}): which tables its "
                       "names are is not known")
        return [t]
    if action.kind != SHELL:
        return []
    command = action.payload.get("command", "")
    if not any(w in command for w in ("psql", "mysql", "mariadb", "sqlite", "rm", "find", "git", "terraform", "tofu",
                                      "kubectl", "oc ")):
        return []
    from ..analysis.shell.analyzer import ShellAnalyzer
    from ..analysis.paths import UNKNOWN_MARK

    targets = []

    class _Collector(ShellAnalyzer):
        def dispatch(self, cmd, scope):
            try:
                name = cmd.argv[0].rsplit("/", 1)[-1] if cmd.argv else ""
                if name in _INFRA_PROGRAMS:
                    from .preview_infra import target_for

                    cwd = scope.cwd if isinstance(scope.cwd, str) and UNKNOWN_MARK not in scope.cwd else ctx.cwd
                    t = target_for(name, cmd.args, cwd, cmd.evidence())
                    if t is not None:
                        targets.append(t)
                elif name in _DB_PROGRAMS or name in _FS_PROGRAMS:
                    t = _target(self, name, cmd, scope, ctx, UNKNOWN_MARK)
                    if t is not None:
                        targets.append(t)
            finally:
                super().dispatch(cmd, scope)

    extra, exempt = ctx.policy.secret_globs(ctx.workspace)
    a = _Collector(ctx.pctx, env=ctx.env, protected_branches=ctx.policy.protected_branches,
                   resolve_environment=ctx.policy.environment_for, secret_extra=extra, secret_exempt=exempt)
    a.analyze(command, ctx.cwd)
    return targets


def _target(a, name, cmd, scope, ctx, U):
    from ..analysis.shell import databases as D

    ev = cmd.evidence()
    cwd = scope.cwd if isinstance(scope.cwd, str) and U not in scope.cwd else ctx.cwd
    if name in ("rm",):
        ops = []
        end = False
        for x in cmd.args:
            if not end and x == "--":
                end = True
            elif not end and x.startswith("-") and len(x) > 1:
                continue
            else:
                ops.append(x)
        if any(U in x for x in ops):
            return PathTarget("rm", cwd, [], ops, ev)
        return PathTarget("rm", cwd, [os.path.normpath(os.path.join(cwd, os.path.expanduser(x))) for x in ops],
                          ops, ev)
    if name == "find":
        if "-delete" not in cmd.args:
            return None
        return PathTarget("find", cwd, [], cmd.args, ev)
    if name == "git":
        args = list(cmd.args)
        gcwd = cwd
        while args and args[0].startswith("-"):
            if args[0] == "-C" and len(args) > 1:
                gcwd = os.path.normpath(os.path.join(gcwd, args[1]))
                args = args[2:]
            elif args[0] in ("-c", "--git-dir", "--work-tree") and len(args) > 1:
                args = args[2:]
            else:
                args = args[1:]
        if not args:
            return None
        sub, rest = args[0], args[1:]
        if sub == "clean" and any(x.startswith("-") and "f" in x and not x.startswith("--") or x == "--force"
                                  for x in rest):
            return PathTarget("git-clean", gcwd, [], rest, ev)
        if sub == "reset" and "--hard" in rest:
            return GitTarget("reset-hard", gcwd, rest, ev)
        if sub == "checkout" and ("--" in rest or "." in rest or "-f" in rest or "--force" in rest):
            return GitTarget("checkout", gcwd, rest, ev)
        if sub == "restore" and "--staged" not in rest or sub == "restore" and "--worktree" in rest:
            return GitTarget("restore", gcwd, rest, ev)
        if sub == "stash" and rest[:1] in (["drop"], ["clear"]):
            return GitTarget("stash-" + rest[0], gcwd, rest[1:], ev)
        return None
    dialect = _DB_PROGRAMS[name]
    try:
        if dialect == C.POSTGRES:
            return _psql(a, cmd, scope, ctx, D, U, ev)
        if dialect == C.MYSQL:
            return _mysql(a, cmd, scope, ctx, D, U, ev)
        return _sqlite(a, cmd, scope, ctx, D, U, ev, cwd)
    except Exception as e:  # a preview that cannot find its target says so
        from ..redact import redact

        return SqlTarget(None, "", dialect, ev, error=redact(f"{type(e).__name__}: {e}")[:200])


def _sql_sources(a, cmd, scope, vals, ctx, U, sql_keys, file_keys, cwd):
    parts = []
    for k, v in vals:
        if k in sql_keys:
            parts.append(v)
        elif k in file_keys:
            parts.append(_read(os.path.join(cwd, os.path.expanduser(v)), U))
    if not parts and cmd.stdin is not None:
        kind = cmd.stdin[0]
        if kind == "text":
            parts.append(cmd.stdin[1])
        elif kind == "file":
            parts.append(_read(os.path.join(cwd, os.path.expanduser(cmd.stdin[1])), U))
        else:
            parts.append(U)
    return parts


def _read(path, U):
    try:
        with open(path, "rb") as f:
            return f.read(MAX_SQL).decode("utf-8", "replace")
    except OSError:
        return U


def _finish(conn, parts, dialect, ev, U):
    if any(U in p for p in parts):
        return SqlTarget(conn, "", dialect, ev, error="the SQL is only known when the command runs")
    if conn is not None and any(U in str(getattr(conn, k) or "") for k in ("host", "database", "user", "file")):
        return SqlTarget(None, "", dialect, ev, error="the database is only known when the command runs")
    return SqlTarget(conn, "\n;\n".join(parts), dialect, ev)


def _psql(a, cmd, scope, ctx, D, U, ev):
    flags, vals, ops = D.parse(cmd.args, short="cdfhpUvoLTFRP", long=D._PSQL_LONG)
    cwd = scope.cwd if isinstance(scope.cwd, str) else ctx.cwd
    db = D._deref(a, cmd, scope, D._get(vals, "-d", "--dbname") or (ops[0] if ops else None))
    env = dict(a.env or {})
    env.update(scope.vars or {})
    env.update(cmd.assigns or {})
    conn = None
    if db and "://" in db:
        conn = C.from_url(db, "command")
    elif db and "=" in db:
        kv = dict(x.split("=", 1) for x in db.split() if "=" in x)
        conn = C.Conn(C.POSTGRES, kv.get("host"), kv.get("port"), kv.get("user"), kv.get("password"),
                      kv.get("dbname"))
    else:
        conn = C.Conn(C.POSTGRES, database=db)
    host = D._deref(a, cmd, scope, D._get(vals, "-h", "--host"), D._HOSTISH)
    conn.host = host or conn.host or env.get("PGHOST")
    if conn.host and conn.host.startswith("/"):
        conn.socket, conn.host = conn.host, None
    conn.port = D._get(vals, "-p", "--port") or conn.port or env.get("PGPORT")
    conn.user = D._get(vals, "-U", "--username") or (ops[1] if len(ops) > 1 else None) or conn.user \
        or env.get("PGUSER")
    conn.database = conn.database or env.get("PGDATABASE") or conn.user or env.get("USER")
    conn.password = conn.password or env.get("PGPASSWORD")
    variables = D._psql_vars(vals)
    parts = [D._subst(p, variables) for p in
             _sql_sources(a, cmd, scope, vals, ctx, U, ("-c", "--command"), ("-f", "--file"), cwd)]
    return _finish(conn, parts, C.POSTGRES, ev, U)


def _mysql(a, cmd, scope, ctx, D, U, ev):
    flags, vals, ops = D.parse(cmd.args, short="hPuDeS", short_opt="pO", long=D._MYSQL_LONG)
    cwd = scope.cwd if isinstance(scope.cwd, str) else ctx.cwd
    db = D._deref(a, cmd, scope, D._get(vals, "-D", "--database") or (ops[0] if ops else None))
    if db and "://" in db:
        conn = C.from_url(db, "command")
    else:
        conn = C.Conn(C.MYSQL, database=db)
    env = dict(a.env or {})
    env.update(cmd.assigns or {})
    conn.host = D._deref(a, cmd, scope, D._get(vals, "-h", "--host"), D._HOSTISH) or conn.host \
        or env.get("MYSQL_HOST")
    conn.port = D._get(vals, "-P", "--port") or conn.port or env.get("MYSQL_TCP_PORT")
    conn.user = D._get(vals, "-u", "--user") or conn.user or env.get("USER")
    conn.socket = D._get(vals, "-S", "--socket") or conn.socket
    pw = D._get(vals, "-p", "--password")
    conn.password = pw or conn.password or env.get("MYSQL_PWD")
    parts = _sql_sources(a, cmd, scope, vals, ctx, U, ("-e", "--execute"), (), cwd)
    return _finish(conn, parts, C.MYSQL, ev, U)


def _sqlite(a, cmd, scope, ctx, D, U, ev, cwd):
    flags, vals, ops = D.parse(cmd.args, single_dash_long=D._SQLITE_LONG)
    db = ops[0] if ops else None
    if not db or db == ":memory:":
        return None
    if db.startswith("file:"):
        db = db[5:].split("?", 1)[0]
    conn = C.Conn(C.SQLITE, file=os.path.normpath(os.path.join(cwd, os.path.expanduser(db))) if U not in db else db)
    parts = [v for k, v in vals if k in ("-cmd", "-c", "-s")] + list(ops[1:])
    if not parts and cmd.stdin is not None:
        parts = _sql_sources(a, cmd, scope, [], ctx, U, (), (), cwd)
    return _finish(conn, parts, C.SQLITE, ev, U)
