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


def _sql_texts(server, tool, args, roles=None):
    """(key, sql) pairs carried by the arguments (``roles``: argument name → "sql" / "shell" from the
    tool's input schema, when the MCP gateway knows it)."""
    roles = roles or {}
    if re.search(r"(?i)(^|[_\-.])(search|find|lookup|docs?|documentation|web|ask)([_\-.]|$)", tool or "") \
            and not _DB_SERVER.search(server or ""):
        roles = {k: r for k, r in roles.items() if r != "sql"}
        args = {k: v for k, v in args.items() if roles.get(k) == "sql" or k not in ("query", "q", "text")}
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
            if roles.get(key) == "shell":
                pass
            elif key in _SQL_KEYS or key.lower().endswith("sql") or roles.get(key) == "sql":
                out.extend((name, x) for x in strs)
            elif key in _MAYBE_SQL_KEYS and roles.get(key) != "data":
                out.extend((name, x) for x in strs if (dbish and _SQL_START.match(x)) or _STRONG_SQL.match(x))
            for x in vals:
                if isinstance(x, dict):
                    walk(x, name + ".", depth + 1)

    walk(args, "", 0)
    host = next((args[k] for k in _HOST_KEYS if isinstance(args.get(k), str) and args[k].strip()), None)
    if host and out and _REMOTE_TOOL.search(f"{server} {tool}"):
        # `ssh/exec {"host": "prod-db-1", "command": "dropdb app"}`: the command runs on that host, as `ssh HOST CMD`
        import shlex

        out = [(k, "ssh " + shlex.quote(host) + " " + shlex.quote(t)) for k, t in out]
    return out


_HOST_KEYS = ("host", "hostname", "remote_host", "remoteHost", "target_host", "server_host", "machine", "address")
_REMOTE_TOOL = re.compile(r"(?i)ssh|remote|sftp")


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


# --- what a tool's name says (mcp_tools.toml with the generic verb model's verbs) -------------------

_NAMES = None
_NAME_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


class _Names:
    def __init__(self, raw):
        from .shell.clis import generic_model

        g = generic_model()  # a broken knowledge file raises: the caller fails closed
        self.delete = set(raw["verbs"]) | set(g.verbs) | set(g.compound)
        for whole, parts in (g.kinds["reset"],):
            self.delete |= set(whole) | set(parts)
        self.object_verbs = frozenset(raw["object_verbs"])
        self.data_objects = frozenset(raw["data_objects"])
        self.outage_verbs = frozenset(raw["outage_verbs"])
        self.outage_objects = frozenset(raw["outage_objects"])
        self.read_words = frozenset(raw["read_words"])
        self.joins = frozenset(raw.get("joins", []))
        self.numbers = dict(raw.get("numbers", {}))
        self.phrases = tuple(tuple(p) for p in raw.get("phrases", []))
        seen, shown = raw.get("confusables", ["", ""])
        if len(seen) != len(shown):
            raise ValueError("mcp_tools.toml: confusables' two strings differ in length")
        self.confusables = str.maketrans(dict(zip(seen, shown)))
        self.examples = raw.get("examples", [])
        self.force_args = frozenset(a.lower() for a in raw.get("force_args", []))
        self.force_objects = frozenset(raw.get("force_objects", []))
        self.force_examples = raw.get("force_examples", [])
        self.known = {(k["server"], k["tool"]): k for k in raw.get("known", [])}
        self.irreversible = frozenset(raw.get("irreversible_verbs", []))
        self.irreversible_args = [(str(k).lower(), v, e) for k, v, e in raw.get("irreversible_args", [])]
        self.irreversible_examples = raw.get("irreversible_examples", [])
        self.containers = frozenset(raw.get("containers", []))
        self.container_examples = raw.get("container_examples", [])


def tool_names():
    global _NAMES
    if _NAMES is None:
        import tomllib
        from pathlib import Path

        _NAMES = _Names(tomllib.loads(Path(__file__).with_name("mcp_tools.toml").read_text(encoding="utf-8")))
    return _NAMES


def tool_words(tool: str) -> list[str]:
    """`deleteProject` → [delete, project]; `DeleteDBInstance` → [delete, db, instance]; `flush_db`.  Letters
    of other alphabets that look like Latin ones (mcp_tools.toml confusables: a Cyrillic `е` in `dеlete`) are
    read as the letters they show."""
    return [w.lower() for w in _NAME_SPLIT.findall((tool or "").translate(tool_names().confusables))]


def _glued(n, w):
    """A lowercase word that is two glued words, a verb and what it acts on (`deleteproject`, `volumedelete`,
    `cleardb`, `dropdatabase`): the two words, else None."""
    for k in range(2, len(w) - 1):
        for verb, obj in ((w[:k], w[k:]), (w[k:], w[:k])):
            if (verb in n.delete and len(verb) > 2 or verb in n.object_verbs) and obj in n.data_objects:
                return [verb, obj]
            if verb in n.outage_verbs and obj in n.outage_objects - {"all", "zero"}:
                return [verb, obj]
    return None


def tool_effect(tool: str) -> str:
    """What an MCP tool's name says it does: "delete", "outage" or "" (nothing the name tells).  A name that
    joins two actions (`get_and_delete_item`, `listThenPurge`, `getOrDelete`) is judged on each: a read word
    first makes only its own part a read."""
    n = tool_names()
    words = [n.numbers.get(w, w) for w in tool_words(tool)]
    parts, cur = [], []
    for w in words:
        if w in n.joins:
            parts.append(cur)
            cur = []
        else:
            cur.append(w)
    parts.append(cur)
    worst = ""
    for k, part in enumerate(parts):
        effect = _part_effect(n, part)
        if effect == "delete":
            return "delete"
        worst = worst or effect
    return worst


def _part_effect(n, words):
    if not words or words[0] in n.read_words:
        return ""
    words = [x for w in words for x in (_glued(n, w) if w not in n.delete and w not in n.data_objects and
                                        w not in n.outage_objects else None) or [w]]
    if any(w in n.delete for w in words) or any(
            tuple(words[i:i + len(p)]) == p for p in n.phrases for i in range(len(words) - len(p) + 1)):
        return "delete"
    if any(w in n.object_verbs for w in words) and any(w in n.data_objects for w in words):
        return "delete"
    if any(w in n.outage_verbs for w in words) and any(w in n.outage_objects for w in words):
        return "outage"
    return ""


def _scaled_to_zero(tool, args) -> bool:
    """A tool that is not a read (its first word) given a capacity of zero in its arguments."""
    words = tool_words(tool)
    if not isinstance(args, dict) or not words or words[0] in tool_names().read_words:
        return False
    from .shell.capacity import zero_argument

    return zero_argument(args) is not None


def _arg_matches(v, want) -> bool:
    if isinstance(want, bool) or isinstance(v, bool):
        return v is want
    if want == "*":
        return v not in (None, "", 0, False)
    return isinstance(v, str) and v.strip().lower().replace(" ", "") in str(want).lower().split("|")


def irreversible_effect(tool: str, args) -> str:
    """"irreversible" (a refund, a cancellation, a revocation), "public" (what was private made anyone's) or ""
    — by the tool's words and its arguments (mcp_tools.toml irreversible_verbs, irreversible_args).  A tool
    whose first word reads (`list_refunds`, `get_repository`) is a read whatever its arguments."""
    n = tool_names()
    words = tool_words(tool)
    if not words or words[0] in n.read_words:
        return ""
    worst = ""
    if isinstance(args, dict):
        for k, v in args.items():
            for key, want, effect in n.irreversible_args:
                if str(k).lower() == key and _arg_matches(v, want):
                    if effect == "public":
                        return "public"
                    worst = effect
    if any(w in n.irreversible for w in words):
        worst = "irreversible"
    return worst


def deletes_container(tool: str) -> str:
    """The container (project, team, organization, repository…: mcp_tools.toml containers) a tool whose name
    deletes names last — `jira_delete_project` → project — or ""."""
    n = tool_names()
    words = tool_words(tool)
    if len(words) < 2 or words[0] in n.read_words or words[-1] not in n.containers:
        return ""
    return words[-1] if tool_effect(tool) == "delete" else ""


def call_effect(server: str, tool: str, args) -> str:
    """What a call says it does, by its tool's name (tool_effect) and its arguments: a known server's tool
    whose name misleads (mcp_tools.toml [[known]]), a `force` argument on a tool over refs or pushes."""
    n = tool_names()
    args = args if isinstance(args, dict) else {}
    known = n.known.get((server, tool))
    if known is not None and not any(k in args for k in known.get("unless", ())):
        return known.get("effect", "")
    effect = tool_effect(tool)
    if not effect and any(str(k).lower() in n.force_args and v is True for k, v in args.items()) and \
            any(w in n.force_objects for w in tool_words(tool)):
        return "delete"  # a force push by another name: the remote's history is overwritten
    return effect


def analyze(action, ctx):
    tool = action.payload.get("tool") or ""
    server = action.payload.get("server") or ""
    out = []
    effect = call_effect(server, tool, action.payload.get("arguments"))
    if effect == "delete":
        out.append(Finding("mcp.destructive-tool", "destructive", "unknown", f"{server}/{tool}",
                           f"mcp {server}/{tool}",
                           "An MCP tool whose name says it deletes or destroys something."))
    elif effect == "outage":
        out.append(Finding("mcp.outage-tool", "destructive", "stop", f"{server}/{tool}", f"mcp {server}/{tool}",
                           "An MCP tool whose name says it stops, suspends or scales down a service, machine or "
                           "database."))
    elif _scaled_to_zero(tool, action.payload.get("arguments")):
        # `kubectl_scale {replicas: 0}`, `update_service {desiredCount: 0}`: the tool's arguments set a capacity
        # to zero (the one reader of capacities: analysis/shell/capacity.py)
        out.append(Finding("mcp.outage-tool", "destructive", "stop", f"{server}/{tool}", f"mcp {server}/{tool}",
                           "An MCP tool whose arguments scale a service to zero: it stops serving."))
    irrev = irreversible_effect(tool, action.payload.get("arguments"))
    if irrev == "public":
        out.append(Finding("mcp.makes-public", "catastrophic", "share", f"{server}/{tool}", f"mcp {server}/{tool}",
                           "An MCP call that makes something private public (a repository, a file, a project's "
                           "data): once anyone has read or cloned it, it cannot be taken back."))
    elif irrev:
        out.append(Finding("mcp.irreversible-tool", "destructive", "unknown", f"{server}/{tool}",
                           f"mcp {server}/{tool}", "An MCP call that refunds, cancels, revokes or voids something for "
                           "a customer or a user: the agent cannot take it back."))
    try:  # cloud providers' tools (volumes, projects, GraphQL/HTTP in arguments): analysis/mcp_cloud.py
        from . import mcp_cloud
    except ImportError:
        mcp_cloud = None
    if mcp_cloud is not None:
        out.extend(mcp_cloud.analyze(action, ctx))
    box = deletes_container(tool)
    if box and not any(f.rule == "mcp.cloud-catastrophic" for f in out):  # any server, not only a cloud's
        out.append(Finding("mcp.cloud-catastrophic", "catastrophic", "delete", f"{server}/{tool}",
                           f"mcp {server}/{tool}", f"The MCP tool {server}/{tool} deletes a {box.rstrip('s')}, "
                           "and with it everything it holds."))
    args = action.payload.get("arguments")
    roles = action.payload.get("roles") if isinstance(action.payload.get("roles"), dict) else {}
    judged = False  # the arguments carried a statement or command that was judged on its own
    if isinstance(args, dict):
        pairs = _sql_texts(server, tool, args, roles)
        if pairs:
            judged = True
            out.extend(_sql_findings(action, ctx, server, tool, pairs))
        sql_keys = {k for k, _ in pairs}
        commands = [(k, c) for k, c in _command_texts(server, tool, args, roles) if k not in sql_keys]
        kube = _kube_command(server, tool, args)
        if kube:
            commands.append(("(kubernetes tool)", kube))
        if commands:
            judged = True
            from .dispatch import analyze as _analyze
            from ..actions import Action, SHELL

            for key, text in commands[:16]:
                for f in _analyze(Action(SHELL, {"command": text}, cwd=ctx.cwd), ctx):
                    f.note = f"arguments.{key} of {server}/{tool}" + (f"; {f.note}" if f.note else "")
                    out.append(f)
            if kube and any(f.rule.startswith("infra.") for f in out):
                # the kubectl command it amounts to was judged: that replaces the guess from the name
                out = [f for f in out if f.rule != "mcp.destructive-tool"]
        found, judged_paths = _path_findings(action, ctx, tool, args)
        if judged_paths and _DELETE_VERB.search(tool):
            # the paths it deletes were judged (a build output is not a home directory): that
            # judgement replaces the guess from the tool's name
            out = [f for f in out if f.rule != "mcp.destructive-tool"]
            judged = True
        if found:
            judged = True
            out.extend(found)
        if not judged_paths:
            out.extend(_file_urls(action, ctx, tool, args))
    out.extend(_hinted(action, server, tool, judged, out))
    return out


# --- shell commands carried in arguments ------------------------------------------------------------

def _norm(key):
    return re.sub(r"[^a-z0-9]", "", key.lower())


#: Argument names that hold a shell command line (compared without case, '_' or '-').
_CMD_NAMES = frozenset({"cmd", "command", "commands", "clicommand", "commandline", "cmdline", "shell",
                        "shellcommand", "bash", "bashcommand", "sh", "zsh", "script", "shellscript",
                        "terminalcommand", "runcommand", "execcommand", "cli", "awscli", "commandstring"})
#: Argument names that hold prose or data, never something that runs.
_PROSE = frozenset({"title", "body", "description", "message", "text", "content", "comment", "note", "notes",
                    "summary", "prompt", "question", "answer", "name", "label", "subject", "reason", "explanation",
                    "query", "q", "search", "pattern", "keyword", "keywords", "topic", "fact", "memory",
                    "observation", "observations", "thought", "instructions", "goal", "task", "context"})
#: Tools that run what they are given (by a word of the tool's or the server's name).
_EXECISH = re.compile(r"(?i)(^|[_\-.\s])(run|runs|exec|execute|executes|call|invoke|shell|terminal|cli|bash|"
                      r"command|commands|cmd|sh|console|ssh|process|start)([_\-.\s]|$)")
_ARGV_KEYS = ("args", "argv", "arguments", "params", "parameters")


def _first_word(text):
    import shlex

    try:
        words = shlex.split(text[:4096], comments=False)
    except ValueError:
        words = text.split()
    i = 0
    while i < len(words) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i]):
        i += 1  # FOO=bar cmd
    if i < len(words) and words[i] in ("sudo", "env", "nohup", "time", "exec", "command"):
        i += 1
    return words[i].rsplit("/", 1)[-1] if i < len(words) else ""


def _known_program(text):
    """The string starts with a program Interlock knows what it can do (a handler exists)."""
    from .shell import programs

    w = _first_word(text)
    return bool(w) and (w in programs.HANDLERS or w in ("rm", "dd", "mkfs", "shred", "git", "chmod", "chown",
                                                        "mv", "cp", "truncate", "sudo", "curl", "wget"))


def _as_command(v):
    import shlex

    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return shlex.join(v)
    return None


def _command_texts(server, tool, args, roles=None):
    """(key, command line) pairs the arguments carry: by the argument's name
    (``command``, ``cli_command``, ``commandLine``, ``cmd`` + ``args``...), by the role the tool's
    schema gives it (the MCP gateway knows ``inputSchema``), and, for a tool that runs what it is
    given, by content: a string that starts with a program Interlock knows."""
    roles = roles or {}
    execish = bool(_EXECISH.search(_split_camel(tool)) or _EXECISH.search(_split_camel(server)))
    prog = _tool_program(server, tool)
    runner = _code_runner(server, tool) if execish else None
    if execish and runner is None and isinstance(args, dict) and any(_norm(k) in _CODE_KEYS for k in args):
        # a sandbox that runs code (`e2b/run_code {"code": …}`): the language it names, else Python, the one such
        # sandboxes run by default — its code judged as that language's, not left unread
        lang = next((str(args[k]).lower() for k in ("language", "lang", "kernel", "runtime") if args.get(k)), "python")
        runner = _CODE_RUNNERS.get(re.split(r"[^a-z]", lang)[0] or "python", "python3" if "py" in lang else None)
    out = []

    def with_program(text):
        # `call_aws {"cli_command": "rds delete-db-instance ..."}`, `run_gcloud_command {"args": [...]}`:
        # the program the server is named after, when the text does not start with a program
        if prog and not _known_program(text) and _first_word(text) != prog:
            if prog == "mongosh":  # a MongoDB server's command is JavaScript for the shell
                import shlex

                return "mongosh --eval " + shlex.quote(text)
            return prog + " " + text
        return text

    def walk(obj, prefix, depth):
        if depth > 8 or len(out) > 32:
            return
        for key, v in obj.items():
            if not isinstance(key, str):
                continue
            name, nk = prefix + key, _norm(key)
            if nk in ("commands", "cmds", "scripts", "steps", "commandlist") and isinstance(v, list):
                # a list of command lines, each run on its own ({"commands": ["ls", "rm -rf ~"]})
                lines = [x for x in v if isinstance(x, str) and x.strip()]
                if lines and any(" " in x for x in lines):
                    out.extend((f"{name}[{i}]", with_program(x)) for i, x in enumerate(lines[:32]))
                    continue
            text = _as_command(v)
            by_name = nk in _CMD_NAMES or (nk.endswith(("command", "cmd")) and nk not in ("subcommand",))
            if text is None and by_name and prog == "mongosh" and isinstance(v, dict) and v:
                import json

                text = "db.runCommand(" + json.dumps(v, default=str)[:100_000] + ")"  # {"command": {"dropDatabase": 1}}
            if text and (by_name or roles.get(key) == "shell"):
                if isinstance(v, str):  # {"command": "kubectl", "args": ["delete", ...]}: one argv
                    extra = next((obj[k] for k in _ARGV_KEYS if isinstance(obj.get(k), list)
                                  and all(isinstance(x, str) for x in obj[k])), None)
                    if extra is not None and len(text.split()) == 1:
                        import shlex

                        text = shlex.join([text] + extra)
                out.append((name, with_program(text)))
            elif isinstance(v, list) and text and (nk == "argv" or (execish and nk in _ARGV_KEYS)) \
                    and not any(_norm(k) in _CMD_NAMES for k in obj if isinstance(k, str)):
                out.append((name, with_program(text)))  # {"argv": ["git", "push", ...]}
            elif isinstance(v, str) and v.strip() and runner and nk in _CODE_KEYS and roles.get(key) != "data":
                import shlex

                out.append((name, shlex.join([runner, "-e" if runner in ("node", "ruby") else "-c", v])))
            elif isinstance(v, str) and v.strip() and prog and execish and nk in _ARGV_KEYS:
                out.append((name, with_program(v)))  # run_terraform {"args": "destroy -auto-approve"}
            elif isinstance(v, str) and execish and nk not in _PROSE and roles.get(key) not in ("sql", "data") \
                    and 0 < len(v) < 100_000 and _known_program(v):
                out.append((name, v))
            for x in (v if isinstance(v, list) else [v]):
                if isinstance(x, dict):
                    walk(x, name + ".", depth + 1)

    walk(args, "", 0)
    host = next((args[k] for k in _HOST_KEYS if isinstance(args.get(k), str) and args[k].strip()), None)
    if host and out and _REMOTE_TOOL.search(f"{server} {tool}"):
        # `ssh/exec {"host": "prod-db-1", "command": "dropdb app"}`: the command runs on that host, as `ssh HOST CMD`
        import shlex

        out = [(k, "ssh " + shlex.quote(host) + " " + shlex.quote(t)) for k, t in out]
    return out


_HOST_KEYS = ("host", "hostname", "remote_host", "remoteHost", "target_host", "server_host", "machine", "address")
_REMOTE_TOOL = re.compile(r"(?i)ssh|remote|sftp")


_NAMED_PROGRAMS = ("aws", "gcloud", "gsutil", "az", "kubectl", "oc", "helm", "docker", "podman", "terraform", "gh",
                   "git", "psql", "bq", "wrangler", "heroku", "flyctl", "fly", "vercel", "doctl", "railway",
                   "supabase", "netlify", "firebase", "redis-cli", "mongosh", "mysql", "snowsql", "databricks")


#: Servers named after a store whose commands are the store's own language, not a shell's.
_STORE_CLIENTS = {"redis": "redis-cli", "valkey": "valkey-cli", "keydb": "keydb-cli", "mongo": "mongosh",
                  "mongodb": "mongosh"}
#: Servers that run code in a language: the code is judged as `python3 -c CODE` (…) would be.
_CODE_RUNNERS = {"python": "python3", "jupyter": "ipython", "ipython": "ipython", "notebook": "ipython",
                 "node": "node", "nodejs": "node", "deno": "deno", "ruby": "ruby"}
_CODE_KEYS = frozenset({"code", "source", "python", "pythoncode", "snippet", "cell", "cellsource", "program"})


def _tool_program(server, tool):
    """The CLI a server or tool is named after (``aws``, ``gcloud``, ``kubectl``, a Redis server's
    ``redis-cli``...), if any."""
    from .shell import programs

    words = re.split(r"[^a-z0-9\-]+", (_split_camel(server) + " " + _split_camel(tool)).lower())
    for w in words:
        for part in [w] + w.split("-"):
            if part in _NAMED_PROGRAMS and part in programs.HANDLERS:
                return part
            if part in _STORE_CLIENTS and _STORE_CLIENTS[part] in programs.HANDLERS:
                return _STORE_CLIENTS[part]
    return None


def _code_runner(server, tool):
    words = re.split(r"[^a-z0-9]+", (_split_camel(server) + " " + _split_camel(tool)).lower())
    return next((_CODE_RUNNERS[w] for w in words if w in _CODE_RUNNERS), None)


def _split_camel(s):
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s or "")


from .mcp_roles import argument_roles  # noqa: E402,F401  (the gateway reads roles without the analysis)


# --- Kubernetes tools: the kubectl command they amount to ---------------------------------------------

_KUBE_SERVER = re.compile(r"(?i)kube|k8s|openshift|\bocp\b|kubectl")
_KUBE_KINDS = ("namespace", "pod", "deployment", "statefulset", "daemonset", "service", "pvc",
               "persistentvolumeclaim", "persistentvolume", "secret", "configmap", "job", "cronjob", "node",
               "ingress", "replicaset", "crd", "customresourcedefinition", "project")


def _kube_command(server, tool, args):
    """``resources_delete {kind: Namespace, name: production}``, ``kubectl_delete {resourceType, name,
    namespace}``, ``pods_delete``, ``delete_namespace``, ``helm_uninstall``: judged as the kubectl /
    helm command line they amount to, so a channel is never weaker than the CLI."""
    import shlex

    if not (_KUBE_SERVER.search(server or "") or _KUBE_SERVER.search(tool or "")):
        return None
    words = [w for w in re.split(r"[^a-z0-9]+", _split_camel(tool).lower()) if w]

    def arg(*names):
        for n in names:
            v = args.get(n)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return None

    ns = arg("namespace", "ns", "namespaceName")
    context = arg("context", "kubeContext", "kube_context", "cluster")
    every_ns = any(args.get(k) is True for k in ("allNamespaces", "all_namespaces", "allnamespaces"))
    tail = (["-n", ns] if ns else []) + (["-A"] if every_ns else []) + (["--context", context] if context else [])
    if "helm" in words and ("uninstall" in words or "delete" in words):
        release = arg("name", "release", "releaseName", "release_name")
        return shlex.join(["helm", "uninstall", release or "RELEASE"] + tail) if release else None
    verb = arg("command", "verb", "action", "operation", "subcommand")
    if verb and len(verb.split()) == 1:
        words.append(verb.lower())  # kubectl_generic {"command": "delete", "resourceType": ...}
    if not ({"delete", "remove", "destroy"} & set(words)):
        # kubectl_get {resourceType: secrets, output: yaml}: reading Secrets is `kubectl get secret … -o yaml`
        kind = arg("kind", "resourceType", "resource_type", "resource", "type") or next(
            (k for w in words for k in ("secret",) if w in (k, k + "s")), None)
        if kind and kind.lower() in ("secret", "secrets") and ({"get", "describe", "read", "view", "list", "show"}
                                                                 & set(words)):
            name = arg("name", "resourceName", "resource_name")
            # a get tool answers with the objects themselves (JSON) unless it asks for names
            out = arg("output", "outputFormat", "format", "o") or (None if {"describe", "list"} & set(words) else "json")
            verb = "describe" if "describe" in words else "get"
            return shlex.join(["kubectl", verb, "secret"] + ([name] if name else []) + tail +
                              (["-o", out] if out and verb == "get" else []))
        return None
    kind = arg("kind", "resourceType", "resource_type", "resource", "type")
    if not kind:
        kind = next((k for w in words for k in _KUBE_KINDS if w in (k, k + "s")), None)
    if not kind:
        return None
    name = arg("name", "resourceName", "resource_name") or (ns if kind.lower() in ("namespace", "ns") else None)
    names = [name] if name else []
    if isinstance(args.get("names"), list):
        names += [x for x in args["names"] if isinstance(x, str)]
    every = args.get("all") is True or (not names and arg("labelSelector", "label_selector", "selector") is None)
    sel = arg("labelSelector", "label_selector", "selector")
    if kind.lower() in ("namespace", "namespaces", "ns"):
        tail = [t for t in tail if t not in ("-n", ns)] if name == ns else tail
    argv = ["kubectl", "delete", kind.lower()] + names + (["-l", sel] if sel else []) + \
        (["--all"] if every and not names and not sel else []) + tail
    return shlex.join(argv)


# What a filesystem-like tool does to the paths in its arguments, by the verbs of its name.
_READ_VERB = re.compile(r"(?i)(^|[_\-.])(read|get|view|cat|open|load|head|tail|show|download|export|dump|"
                        r"print|fetch|search|grep|find|copy|cp)([_\-.s]|$)")
_WRITE_VERB = re.compile(r"(?i)(^|[_\-.])(write|create|save|put|edit|update|append|patch|replace|upload|"
                         r"set|insert|modify|move|rename|mv)([_\-.s]|$)")
_DELETE_VERB = re.compile(r"(?i)(^|[_\-.])(delete|remove|rm|unlink|trash|erase|wipe|purge)([_\-.s]|$)")
_MOVE_VERB = re.compile(r"(?i)(^|[_\-.])(move|rename|mv)([_\-.s]|$)")
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
            text = _written_text(args)
            if text is not None and k not in ("source", "src"):
                # what it writes there is judged as the agents' own Write/Edit tools' text is (a line planted in
                # ~/.bashrc, a key added to authorized_keys, a start-up file emptied)
                act.payload["content"] = text
            if k in ("source", "src"):  # move_file: the source is read (and goes away)
                act = Action(FILE_READ, {"path": p}, cwd=ctx.cwd, tool=tool)
                if _MOVE_VERB.search(tool):  # ... and where it goes away from Interlock's own files (a hook
                    gone = files.analyze(Action(FILE_WRITE, {"path": p, "op": "delete"}, cwd=ctx.cwd, tool=tool),
                                         ctx)  # directory moved aside) or a catastrophic place, it is that
                    out.extend(f for f in gone if f.severity == "catastrophic")
        else:
            act = Action(FILE_READ, {"path": p}, cwd=ctx.cwd, tool=tool)
            pat = next((args[x] for x in _SEARCH_KEYS if isinstance(args.get(x), str) and args[x]), None)
            if pat and _SEARCH_VERB.search(tool):
                # `search_files {"path": "~", "pattern": "id_rsa"}`: a search, judged as the agents' own Grep and
                # Glob tools are (a hunt for secrets' names or contents outside the project, analysis.hunt)
                by_content = bool(_CONTENT_SEARCH.search(tool))
                act = Action(FILE_READ, {"path": p, "search": {"base": p, "pattern": pat, "flavor": "rust"} if by_content
                                         else {"base": p, "glob": pat}}, cwd=ctx.cwd, tool=tool)
        out.extend(files.analyze(act, ctx))
    return out, bool(paths)


_TEXT_KEYS = ("content", "contents", "text", "data", "file_text", "body", "new_content", "newContent")
_EDIT_KEYS = ("newText", "new_text", "new_string", "newString", "replacement", "new_str")


def _file_urls(action, ctx, tool, args):
    """A file:// URL in any argument (a browser told to open `file:///home/u/.aws/credentials`: the page it
    shows is the file) is a read of that file, judged as the agents' Read tool is."""
    from ..actions import FILE_READ, Action
    from . import files
    from .dispatch import _file_url_path

    out = []
    vals = [v for v in args.values() if isinstance(v, str)] + [
        x for v in args.values() if isinstance(v, list) for x in v[:20] if isinstance(x, str)]
    for v in vals[:32]:
        if v[:7].lower() == "file://" and len(v) < 4096:
            out.extend(files.analyze(Action(FILE_READ, {"path": _file_url_path(v)}, cwd=ctx.cwd, tool=tool), ctx))
    return out


def _written_text(args):
    """The text a file-writing MCP tool puts in the file: the whole content, or what its edits add (the
    filesystem server's `edit_file` `edits[].newText`); None when the arguments carry none."""
    for k in _TEXT_KEYS:
        if isinstance(args.get(k), str):
            return args[k]
    edits = args.get("edits")
    if isinstance(edits, list):
        added = [e.get(k) for e in edits if isinstance(e, dict) for k in _EDIT_KEYS if isinstance(e.get(k), str)]
        return "\n".join(added) if added else None
    for k in _EDIT_KEYS:
        if isinstance(args.get(k), str):
            return args[k]
    return None


_SEARCH_VERB = re.compile(r"(?i)(^|[_\-.])(search|find|grep|glob)([_\-.s]|$)")
_CONTENT_SEARCH = re.compile(r"(?i)(^|[_\-.])(grep|content|contents|code|text)([_\-.s]|$)")
_SEARCH_KEYS = ("pattern", "glob", "query", "regex", "name")


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
