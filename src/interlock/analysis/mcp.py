"""MCP tool calls seen by agent hooks: a first judgement by tool name and arguments.

The MCP gateway (a later piece) sees far more; this keeps the hook path honest
about what it can tell from a name such as ``mcp__postgres__drop_table``, runs
shell commands found in arguments through the shell analysis, and judges SQL found
in arguments (``mcp__postgres__query {"sql": ...}``, ``mcp__supabase__execute_sql``,
``mcp__neon__run_sql``, ``mcp__mysql__*``, ``mcp__sqlite__write_query``, ...) exactly as
SQL sent through ``psql -c`` is judged (``interlock.analysis.shell.databases.run_sql``).
"""

from __future__ import annotations

import re

from ..actions import Finding

_DESTRUCTIVE = re.compile(r"(?i)(^|[_\-.])(delete|drop|destroy|remove|truncate|purge|wipe|erase|terminate|"
                          r"reset|revoke|rm|kill|force_push|overwrite)([_\-.]|$)")

#: Argument keys that always hold SQL.
_SQL_KEYS = ("sql", "sql_query", "sqlQuery", "sql_statement", "statement", "statements", "queries", "sqls",
             "raw_sql", "rawSql")
#: Keys that hold SQL when the tool is a database tool or the text reads as SQL.
_MAYBE_SQL_KEYS = ("query", "q", "script", "command", "input", "code", "text")
_SQL_START = re.compile(r"(?is)^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(?\s*(SELECT|INSERT|UPDATE|DELETE|DROP|TRUNCATE|"
                        r"ALTER|CREATE|WITH|GRANT|REVOKE|BEGIN|START\s+TRANSACTION|COPY|DO|EXPLAIN|SHOW|VACUUM|"
                        r"REINDEX|MERGE|REPLACE|CALL|PRAGMA|USE|DESCRIBE|DESC|COMMENT|RENAME|LOCK|ANALYZE|CLUSTER|"
                        r"REFRESH|UPSERT|ATTACH|DETACH|SET|RESET|REASSIGN|SELECT)\b")
_STRONG_SQL = re.compile(r"(?is)^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(SELECT\b.+\bFROM\s|INSERT\s+INTO\s|"
                         r"UPDATE\s+[\w.\"`]+\s+SET\s|DELETE\s+FROM\s|DROP\s+(TABLE|DATABASE|SCHEMA|VIEW|INDEX|"
                         r"OWNED)\s|TRUNCATE\s+(TABLE\s+)?[\w.\"`]+\s*(;|$|,|CASCADE)|ALTER\s+(TABLE|SYSTEM)\s|"
                         r"CREATE\s+(TABLE|INDEX|DATABASE)\s|WITH\s+\w+\s+AS\s*\()")
_DB_SERVER = re.compile(r"(?i)(postgres|pg|sql|supabase|neon|mysql|maria|sqlite|duckdb|motherduck|clickhouse|"
                        r"cockroach|planetscale|turso|libsql|d1|snowflake|bigquery|redshift|database|db|mssql|"
                        r"oracle|timescale|tidb|singlestore|xata|prisma)")
_URL_KEYS = ("connectionString", "connection_string", "connection", "url", "database_url", "databaseUrl", "dsn",
             "uri", "db_url")
_HOSTED = re.compile(r"(?i)(supabase|neon|planetscale|turso|libsql|d1|snowflake|bigquery|redshift|motherduck|"
                     r"xata|tidb|singlestore|cockroach|aiven|rds|aurora|cloudsql|azure)")
_LOCAL_FILE = re.compile(r"(?i)(sqlite|duckdb)")


def _dialect(server):
    s = (server or "").lower()
    for words, d in (((("mysql", "maria", "planetscale", "tidb", "singlestore")), "mysql"),
                     (("sqlite", "turso", "libsql", "d1"), "sqlite"), (("duckdb", "motherduck"), "duckdb"),
                     (("clickhouse",), "clickhouse"),
                     (("postgres", "pg", "supabase", "neon", "cockroach", "timescale", "redshift", "xata"), "postgres")):
        if any(w in s for w in words):
            return d
    return None


def _sql_texts(server, tool, args):
    """(key, sql) pairs carried by the arguments."""
    dbish = bool(_DB_SERVER.search(server or "") or _DB_SERVER.search(tool or ""))
    out = []

    def walk(obj, prefix, depth):
        # nested objects too ({"params": {"sql": ...}}): a statement one level down runs all the same
        if depth > 8 or len(out) > 200:
            return
        for key, v in obj.items():
            if not isinstance(key, str):
                continue
            vals = v if isinstance(v, list) else [v]
            strs = [x for x in vals if isinstance(x, str) and x.strip()]
            name = prefix + key
            if key in _SQL_KEYS or key.lower().endswith("sql"):
                out.extend((name, x) for x in strs)
            elif key in _MAYBE_SQL_KEYS:
                out.extend((name, x) for x in strs if (dbish and _SQL_START.match(x)) or _STRONG_SQL.match(x))
            for x in vals:
                if isinstance(x, dict):
                    walk(x, name + ".", depth + 1)

    walk(args, "", 0)
    return out


def _target(a, cmd, server, tool, args):
    from .shell import databases as D

    url = next((args[k] for k in _URL_KEYS if isinstance(args.get(k), str) and "://" in args[k]), None)
    db = next((args[k] for k in ("database", "db", "dbname", "database_name", "databaseName", "project_id",
                                 "projectId", "branch", "branchId", "db_path", "path", "file")
               if isinstance(args.get(k), str) and args[k]), None)
    if url and url.startswith("jdbc:"):
        url = url[5:]
    tgt = D.Target(None, db, url)
    hosted = bool(_HOSTED.search(server or ""))
    local_file = bool(_LOCAL_FILE.search(server or "")) and not hosted
    if url or db:
        tgt = D._resolve_target(a, cmd, tgt, implicit_local=False)
    if tgt.env is None:
        # the server's own name and configuration: a hosted database is remote → prod;
        # an SQLite / DuckDB server works on a local file; anything else is unknown.
        e = a.environment_of("host", server) if server else None
        if e:
            tgt.env = e
        elif server and D.S.is_prod_name(server):
            tgt.env = "prod"
        elif hosted:
            tgt.env = "prod"
        elif local_file:
            tgt.env = "local"
    if not tgt.label:
        tgt.label = server or None
    return tgt


def _sql_findings(action, ctx, server, tool, pairs):
    from ..selfprotect import secret_globs as _secret_globs
    from .shell import databases as D
    from .shell.analyzer import Cmd, Scope, ShellAnalyzer

    extra, exempt = _secret_globs(ctx)
    a = ShellAnalyzer(ctx.pctx, env=ctx.env, protected_branches=ctx.policy.protected_branches,
                      resolve_environment=ctx.policy.environment_for, secret_extra=extra, secret_exempt=exempt)
    name = f"mcp {server}/{tool}"
    cmd = Cmd(["mcp", f"{server}/{tool}"], text=name)
    scope = Scope(a._base_vars(), {}, ctx.cwd)
    tgt = _target(a, cmd, server, tool, action.payload.get("arguments") or {})
    dialect = _dialect(server) or _dialect(tool)
    for key, text in pairs:
        if len(text) > 10_000_000:
            a.emit("db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
                   note=f"arguments.{key} is too large to analyse ({len(text)} characters)")
            continue
        D.run_sql(a, cmd, scope, text, dialect, tgt, source=(f"arguments.{key}", 0))
    return a.findings


def analyze(action, ctx):
    tool = action.payload.get("tool") or ""
    server = action.payload.get("server") or ""
    out = []
    if _DESTRUCTIVE.search(tool):
        out.append(Finding("mcp.destructive-tool", "destructive", "unknown", f"{server}/{tool}",
                           f"mcp {server}/{tool}",
                           "An MCP tool whose name says it deletes or destroys something."))
    try:  # cloud providers' tools (volumes, projects, GraphQL/HTTP in arguments): analysis/mcp_cloud.py
        from . import mcp_cloud
    except ImportError:
        mcp_cloud = None
    if mcp_cloud is not None:
        out.extend(mcp_cloud.analyze(action, ctx))
    args = action.payload.get("arguments")
    judged = False  # the arguments carried a statement or command that was judged on its own
    if isinstance(args, dict):
        pairs = _sql_texts(server, tool, args)
        judged = bool(pairs) or any(isinstance(args.get(k), str) and args[k].strip()
                                    for k in ("command", "cmd", "script", "shell"))
        if pairs:
            out.extend(_sql_findings(action, ctx, server, tool, pairs))
        sql_keys = {k for k, _ in pairs}
        for key in ("command", "cmd", "script", "shell"):
            v = args.get(key)
            if key not in sql_keys and isinstance(v, str) and v.strip():
                from .dispatch import analyze as _analyze
                from ..actions import Action, SHELL

                out.extend(_analyze(Action(SHELL, {"command": v}, cwd=ctx.cwd), ctx))
        found, judged_paths = _path_findings(action, ctx, tool, args)
        if judged_paths and _DELETE_VERB.search(tool):
            # the paths it deletes were judged (a build output is not a home directory): that
            # judgement replaces the guess from the tool's name
            out = [f for f in out if f.rule != "mcp.destructive-tool"]
            judged = True
        if found:
            judged = True
            out.extend(found)
    out.extend(_hinted(action, server, tool, judged, out))
    return out


# What a filesystem-like tool does to the paths in its arguments, by the verbs of its name.
_READ_VERB = re.compile(r"(?i)(^|[_\-.])(read|get|view|cat|open|load|head|tail|show|download|export|dump|"
                        r"print|fetch|search|grep|find|copy|cp)([_\-.s]|$)")
_WRITE_VERB = re.compile(r"(?i)(^|[_\-.])(write|create|save|put|edit|update|append|patch|replace|upload|"
                         r"set|insert|modify|move|rename|mv)([_\-.s]|$)")
_DELETE_VERB = re.compile(r"(?i)(^|[_\-.])(delete|remove|rm|unlink|trash|erase|wipe|purge)([_\-.s]|$)")
_PATH_KEYS = ("path", "paths", "file", "files", "file_path", "filePath", "filename", "fileName", "filepath",
              "source", "src", "destination", "dest", "target", "directory", "dir", "folder", "uri")


def _path_findings(action, ctx, tool, args):
    """`filesystem/read_file {"path": "~/.aws/credentials"}` reads a secret, `delete_file` of `~/.ssh`
    deletes the home's keys: judged as Interlock's own Read/Write/delete analysis judges them."""
    if not (_READ_VERB.search(tool) or _WRITE_VERB.search(tool) or _DELETE_VERB.search(tool)):
        return [], False
    from ..actions import FILE_READ, FILE_WRITE, Action
    from . import files

    paths = []
    for k in _PATH_KEYS:
        v = args.get(k)
        for p in (v if isinstance(v, list) else [v]):
            if isinstance(p, str) and p.strip() and len(p) < 4096:
                p = p[7:] if p.startswith("file://") else p
                if "://" not in p:
                    paths.append((k, p))
    out = []
    for k, p in paths[:16]:
        if _DELETE_VERB.search(tool):
            act = Action(FILE_WRITE, {"path": p, "op": "delete"}, cwd=ctx.cwd, tool=tool)
        elif _WRITE_VERB.search(tool) and not (k in ("source", "src") and _READ_VERB.search(tool)):
            act = Action(FILE_WRITE, {"path": p}, cwd=ctx.cwd, tool=tool)
            if k in ("source", "src"):  # move_file: the source is read (and goes away)
                act = Action(FILE_READ, {"path": p}, cwd=ctx.cwd, tool=tool)
        else:
            act = Action(FILE_READ, {"path": p}, cwd=ctx.cwd, tool=tool)
        out.extend(files.analyze(act, ctx))
    return out, bool(paths)


def _hinted(action, server, tool, judged, found):
    """The server's own ``destructiveHint`` (only the MCP gateway sees annotations): it can make a
    call stricter, never looser, and gives way to a finding that judged the statement or command
    the arguments carry (a SELECT through a tool marked destructive stays a read)."""
    ann = action.payload.get("annotations")
    if not isinstance(ann, dict) or ann.get("destructiveHint") is not True or ann.get("readOnlyHint") is True:
        return []
    if judged or any(f.severity in ("destructive", "catastrophic") for f in found):
        return []
    return [Finding("mcp.destructive-hint", "destructive", "unknown", f"{server}/{tool}", f"mcp {server}/{tool}",
                    "The MCP server marks this tool destructive (its destructiveHint annotation).")]
