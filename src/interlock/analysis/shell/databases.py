"""Database clients, dump / restore tools and framework database tasks.

Loaded on first use (``programs._lazy``) for the names in ``interlock.rules_db.PROGRAMS``.
Each handler finds *what SQL runs* (``-c``/``-e``/``-q`` strings, ``-f`` files, here-docs
and pipes on stdin, files included with ``\\i`` / ``.read`` / ``source``) and *where*
(host, database, URL, the remote a command runs on), asks ``interlock.analysis.sql`` what
each statement does, and reports it with the target's environment (the policy's, a name that
says prod, else the place: remote is ``prod``, this machine ``local``).  The engine weighs it
(``interlock.weighing`` with ``rules_db``'s tables): in ``prod`` the loss of a whole table is
``db.wipe-table-prod``; on a ``local`` database a dropped database weighs ``destructive``.  A
database named like a test database makes dropping it ``destructive`` rather than ``catastrophic``.
"""

from __future__ import annotations

import os
import posixpath
import re

from ...fsread import read_regular
from .. import paths as P
from .. import sql as S
from ..paths import UNKNOWN_MARK as U
from . import programs as _p
from ...lazyre import LazyRe as _LazyRe
from .programs import registrar as _registrar


HANDLERS = {}

MAX_INCLUDE_DEPTH = 4
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", ""}
_DUMPERS = {"pg_dump", "pg_dumpall", "mysqldump", "mariadb-dump", "sqlite3", "mongodump", "cat", "zcat", "gunzip",
            "gzip", "xzcat", "zstdcat", "bzcat", "psql", "mysql"}


def _prod(env):
    return env in ("prod", "production", "prd", "live")




_MYSQL_PW = _LazyRe(r"(\b(?:mysql|mariadb|mycli|mysqldump|mariadb-dump|mysqladmin|mariadb-admin|mysqlimport)\b"
                       r"[^|;&\n]*?\s)-p(?!\s|\*\*\*)(\S+)")


def _emit(a, rule, cmd, target=None, effect="", note=None, why=None, environment=None):
    """``a.emit`` with mysql-family passwords masked.  The environment's weight (a local database,
    production) is the engine's: ``interlock.weighing`` with ``rules_db``'s tables."""
    before = len(a.findings)
    a.emit(rule, cmd, target=target, effect=effect, note=note, why=why, environment=environment)
    if len(a.findings) > before:
        f = a.findings[-1]
        for attr in ("evidence", "note"):
            v = getattr(f, attr)
            if v and "-p" in v:
                # mysql-family -pSECRET (the shared redactor knows URLs and --password=)
                setattr(f, attr, _MYSQL_PW.sub(r"\1-p***", v))


handles = _registrar(HANDLERS)


# --- options -------------------------------------------------------------------------------

parse = _p.parse_opts  # the one option parser (programs.parse_opts)


def _get(vals, *names):
    v = None
    for k, x in vals:
        if k in names:
            v = x
    return v


# --- where SQL runs -------------------------------------------------------------------------

class Target:
    """Where statements run: host, database, URL, and the environment they belong to."""

    __slots__ = ("host", "database", "url", "env", "label", "remote_host", "file")

    def __init__(self, host=None, database=None, url=None, file=None):
        self.host, self.database, self.url = host, database, url
        self.file = file
        self.env = None
        self.label = None
        self.remote_host = None

    @property
    def scratch(self):
        return S.is_scratch_name(self.database) and not _prod(self.env)


def parse_url(u):
    """postgres://user:pass@host:5432/db?x=y → (host, database); also mysql://, mongodb://, redis://."""
    m = re.match(r"^[A-Za-z][\w+.-]*://(?:[^@/]*@)?(\[[^\]]*\]|[^/?#:,]*)(?::\d+)?(?:,[^/?#]*)?(?:/([^?#]*))?"
                 r"(?:\?([^#]*))?", u)
    if not m:
        return None, None
    host, db, query = m.group(1) or None, m.group(2) or None, m.group(3) or ""
    for kv in query.split("&"):
        k, _, v = kv.partition("=")
        if k == "host" and v:
            host = v
        if k in ("dbname", "database") and v:
            db = v
    return host, (db.split("/", 1)[0] if db else None)


def _strip_password(url):
    return re.sub(r"^([A-Za-z][\w+.-]*://[^:@/]*):[^@/]*@", r"\1:***@", url)


def _conninfo(s):
    """'host=x dbname=y' → (host, database)."""
    kv = dict((k, v.strip("'")) for k, v in re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", s))
    return kv.get("host") or kv.get("hostaddr"), kv.get("dbname")


def _var(a, cmd, scope, name, dotenv=False):
    """A variable's value: the command's own assignments, the shell's, the hook's environment,
    and (``dotenv``) the project's ``.env`` files, read by Interlock and never shown."""
    for src in (cmd.assigns or {}, scope.vars, a.env or {}):
        v = src.get(name)
        if v and U not in v:
            return v
    if dotenv:
        return _dotenv_pick(_dotenv(a).get(name))
    return None


def _dotenv_pick(values):
    """Several .env files may set the variable (.env, .env.local, .env.development, ...); which one
    a tool loads depends on the tool.  Weigh the worst: a remote target if any file names one."""
    values = [v for v in values or () if v]
    for v in values:
        h = parse_url(v)[0] if "://" in v else None
        if h and not _is_local_host(h):
            return v
    return values[-1] if values else None


_DOTENV_FILES = (".env", ".env.local", ".env.development", ".env.development.local")


def _dotenv(a):
    """KEY → [values] of the workspace's .env files, in file order, cached per analysis."""
    cached = getattr(a, "_interlock_dotenv", None)
    if cached is not None:
        return cached
    out = {}
    ws = getattr(a.pctx, "workspace", None)
    if ws:
        for name in _DOTENV_FILES:
            try:
                raw = read_regular(posixpath.join(ws, name), 65536)
            except (OSError, ValueError):
                continue
            for line in raw.decode("utf-8", "replace").splitlines():
                m = re.match(r"^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(.*?)\s*$", line)
                if not m:
                    continue
                v = m.group(2)
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                    v = v[1:-1]
                elif " #" in v:
                    v = v.split(" #", 1)[0].rstrip()
                out.setdefault(m.group(1), []).append(v)
    try:
        a._interlock_dotenv = out
    except AttributeError:
        pass
    return out


_REF = _LazyRe(r"\$\{?([A-Za-z_]\w*)")
_URLISH = _LazyRe(r"(?i)(URL|URI|DSN|CONN|DATABASE|_DB$)")
_HOSTISH = _LazyRe(r"(?i)(HOST|SERVER|ADDR)")


def _deref(a, cmd, scope, value, pattern=_URLISH):
    """An argument that is only known at run time (``"$DATABASE_URL"``): the value of the
    variable it names, from the hook's environment or the project's .env files."""
    if not value or U not in value:
        return value
    names = [n for n in _REF.findall(cmd.text or "") if pattern.search(n)]
    for n in names:
        v = _var(a, cmd, scope, n, dotenv=True)
        if v:
            return v
    return value


def _is_local_host(h):
    h = (h or "").strip().strip("[]").lower()
    return h in _LOCAL_HOSTS or h.startswith("/") or h.startswith("@") or h.endswith(".localhost") \
        or h.startswith("127.")


def _default_env(a, tgt, remote, implicit_local=True):
    """No policy declaration and no production name: a target that is not this machine counts
    as ``prod``; localhost, a unix socket, or a file in the workspace is ``local``."""
    if remote:
        kind, _, rest = remote.partition(":")
        if kind == "container":
            return None  # a container on some docker host: unknown
        if kind == "pod":
            ctx = rest.partition("@")[2]
            if ctx and U not in ctx:
                e = a.environment_of("kube_context", ctx)
                if e:
                    return e
                if re.match(r"(?i)^(kind-|minikube|docker-desktop|rancher-desktop|k3d-|colima|orbstack)", ctx):
                    return "local"
                return "prod"
            return None
        h = remote.split("@")[-1]
        if U in h:
            return None
        return "local" if _is_local_host(h) else "prod"
    if tgt.url and U in tgt.url:
        return None
    if tgt.host:
        if U in tgt.host:
            return None
        return "local" if _is_local_host(tgt.host) else "prod"
    if tgt.file:
        if U in tgt.file:
            return None
        f = tgt.file
        ws = getattr(a.pctx, "workspace", None)
        if f in (":memory:", "") or f.startswith(("/tmp/", "/dev/shm/")) or (ws and (f == ws or f.startswith(ws + "/"))):
            return "local"
        return "prod"
    return "local" if implicit_local else None


#: variables that hold a connection (a URL, DSN, host or database name), by name
_CONN_VAR = _LazyRe(r"\$\{?([A-Za-z_]*(?:URL|URI|DSN|HOST|DB|DATABASE|CONN|CONNECTION|ENDPOINT|SERVER)[A-Za-z0-9_]*)")


def _resolve_target(a, cmd, tgt: Target, implicit_local=True):
    """Fill ``env`` and ``label``: the environment the policy declares, else 'prod' by name,
    else by place (``_default_env``: remote → prod, this machine → local)."""
    cands = []
    if tgt.url and U not in tgt.url:
        h, d = parse_url(tgt.url)
        tgt.host = tgt.host or h
        tgt.database = tgt.database or d
        cands.append(("url", _strip_password(tgt.url)))
    if tgt.host:
        cands.append(("host", tgt.host))
    if tgt.database:
        cands.append(("database", tgt.database))
    remote = getattr(cmd, "remote", None) or a.remote
    if remote:
        rh = remote.split(":", 1)[-1].split("@")[-1]
        tgt.remote_host = rh
        cands.append(("host", rh))
    for kind, v in cands:
        if v and U not in v:
            e = a.environment_of(kind, v)
            if e:
                tgt.env = e
                break
    if tgt.env is None:
        for kind, v in cands:
            if v and U not in v and S.is_prod_name(v):
                tgt.env = "prod"
                break
    if tgt.env is None and (not cands or any(U in (v or "") for _, v in cands) or tgt.url and U in tgt.url):
        # the connection comes from a variable whose value is not known here: its name says which environment
        # (`psql "$PROD_DATABASE_URL"`, `mongosh "$MONGO_PROD_URI"`, `-h "$PRODUCTION_DB_HOST"`)
        names = _CONN_VAR.findall(getattr(cmd, "text", None) or "")
        if any(S.is_prod_name(n) for n in names):
            tgt.env = "prod"
    if tgt.env is None:
        tgt.env = _default_env(a, tgt, remote, implicit_local)
    host = tgt.host if tgt.host and tgt.host not in _LOCAL_HOSTS else None
    db = tgt.database
    label = "/".join(x for x in (host, db) if x) or None
    tgt.label = label.replace(U, "$?") if label else None
    return tgt


# --- running SQL ------------------------------------------------------------------------------

#: SQL that reads a file of the machine the database runs on: SQLite's readfile(), PostgreSQL's pg_read_file /
#: pg_read_binary_file / lo_import / COPY … FROM 'file', MySQL's LOAD_FILE / LOAD DATA INFILE.
_SQL_FILE_READS = _LazyRe(r"""(?i)\b(?:readfile|pg_read_file|pg_read_binary_file|load_file|lo_import)\s*\(\s*'([^']+)'|"""
                          r"""\bLOAD\s+DATA\s+(?:LOCAL\s+)?INFILE\s+'([^']+)'|\bCOPY\s+[\w."]+(?:\s*\([^)]*\))?\s+FROM\s+'([^']+)'""")


def run_sql(a, cmd, scope, text, dialect, tgt, source=None, base_dir=None, depth=0, readonly=False):
    """Classify ``text`` and report.  ``source``: (display name, line offset) when the SQL came
    from a file or stdin rather than the command line."""
    if U in text and not text.replace(U, "").strip():
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note="the SQL is only known when it runs")
        return
    if "(" in text or "INFILE" in text.upper() or "FROM '" in text.upper():
        for m in _SQL_FILE_READS.finditer(text):
            path = next(g for g in m.groups() if g)
            local = not tgt.host or tgt.host in _LOCAL_HOSTS or "LOCAL" in m.group(0).upper()
            if local and not a.remote and U not in path and (_p.check_read(a, cmd, path, scope) or _p.check_file_tokens(
                    a, cmd, P.resolve(path, a._scope_ctx(scope)))):
                return  # `sqlite3 :memory: "select readfile('/home/dev/.netrc')"`: the file comes back as a value
    try:
        stmts = S.classify(text, dialect)
    except Exception as e:  # never crash the hook, never silently allow
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note=f"could not analyse the SQL: {type(e).__name__}: {e}"[:200])
        return
    n_real = sum(1 for st in stmts if st.kind not in ("many-tables",) and (st.rule or st.kind != "meta"))
    for st in stmts:
        if st.database and st.kind in ("use", "meta"):
            tgt = _resolve_target(a, cmd, Target(tgt.host, st.database, None))
        for c in st.shell:
            if U in c:
                _emit(a, "shell.opaque-eval", cmd, effect="run", note="a shell command only known when it runs")
                continue
            remote = None
            if st.kind == "copy" and tgt.host and tgt.host not in _LOCAL_HOSTS and U not in tgt.host:
                remote = tgt.host
            a.nested_shell(c, cmd, scope, remote=remote)
        if st.output:
            _p.check_overwrite(a, cmd, st.output, scope=scope)
        if st.include:
            run_file(a, cmd, scope, st.include, dialect, tgt, depth=depth + 1,
                     base_dir=base_dir if st.notes and "relative" in st.notes[0] else None)
        if st.rule and not (readonly and st.rule != "db.sql-unseen"):
            _report(a, cmd, st, tgt, source, show_statement=n_real > 1 or source is not None)


def _report(a, cmd, st, tgt, source, show_statement):
    rule = st.rule
    env = tgt.env
    if rule == "db.drop-many-tables" and tgt.scratch:
        return  # a test database: each statement is still reported on its own
    # in prod a whole-table loss becomes db.wipe-table-prod, heavy maintenance outside prod a write:
    # the engine's weighing (rules_db.IN_PROD, OUTSIDE_PROD)
    if rule in ("db.drop-database", "db.drop-test-database"):
        host = tgt.host if tgt.host and tgt.host not in _LOCAL_HOSTS else None
        target = "/".join(x for x in (host, st.target) if x) or tgt.label
    elif st.target and tgt.label:
        target = f"{tgt.label}/{st.target}"
    else:
        target = st.target or tgt.label
    parts = []
    if show_statement and st.evidence:
        parts.append(f"statement: {st.evidence}")
    if source:
        parts.append(f"in {source[0]}:{st.line + 1 + source[1]}")
    parts.extend(st.notes)
    _emit(a, rule, cmd, target=target.replace(U, "$?") if target else None, effect=st.effect,
           note="; ".join(parts) or None, environment=env)


def run_file(a, cmd, scope, raw, dialect, tgt, depth=0, base_dir=None, runner=None):
    """SQL from a file (``-f``, ``< file``, ``\\i``, ``.read``, ``source``)."""
    if raw in ("-", "/dev/stdin") and depth == 0:
        return run_stdin(a, cmd, scope, dialect, tgt, runner=runner)
    if U in raw:
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note="the SQL file is only known when it runs")
        return
    if depth > MAX_INCLUDE_DEPTH:
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note=f"{raw}: includes nested deeper than {MAX_INCLUDE_DEPTH}")
        return
    if _p.check_read(a, cmd, raw, scope):
        return
    ctx = a._scope_ctx(scope)
    if base_dir and not raw.startswith(("/", "~")):
        path = P.resolve(posixpath.join(base_dir, raw), ctx)
    else:
        path = P.resolve(raw, ctx)
    text = a.read_file(path)
    size = _size(path)
    if text is None:
        if path in a.written:
            _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
                  note=f"{raw} is written by this same command")
        elif size:
            _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
                  note=f"{P.display(path, a.pctx)} is binary or unreadable: its statements cannot be judged")
        return
    if size and size > _MAX_SEEN and size > len(text.encode("utf-8", "surrogateescape")) + 4096:
        # judge what can be seen, and say what could not
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
              note=f"{P.display(path, a.pctx)} is {size // 1024} KiB: only the first "
                   f"{len(text) // 1024} KiB were judged")
    if runner is not None:
        runner(text, (P.display(path, a.pctx), 0))
        return
    run_sql(a, cmd, scope, text, dialect, tgt, source=(P.display(path, a.pctx), 0),
            base_dir=posixpath.dirname(path), depth=depth)


_MAX_SEEN = 256 * 1024


def _size(path):
    try:
        import os

        return os.path.getsize(path)
    except (OSError, TypeError, ValueError):
        return 0


def run_stdin(a, cmd, scope, dialect, tgt, runner=None, what="SQL"):
    st = cmd.stdin
    if st is None:
        return
    kind = st[0]
    if kind == "text" and not st[1].strip() and cmd.text and "<<" in cmd.text:
        # tree-sitter-bash loses a here-document body whose first line starts with a backslash
        # (`psql <<'EOF'` + `\! cmd`): take it from the command text
        m = re.search(r"<<-?[ \t]*(['\"]?)(\w+)\1[^\n]*\n(.*?)\n[ \t]*\2[ \t]*(?:\n|$)", cmd.text, re.S)
        if m and m.group(3).strip():
            st = ("text", m.group(3) + "\n", st[2] if len(st) > 2 else 0)
    if kind == "text":
        src = ("<stdin>", st[2] if len(st) > 2 and st[2] else 0)
        if runner is not None:
            runner(st[1], src)
        else:
            run_sql(a, cmd, scope, st[1], dialect, tgt, source=src)
    elif kind == "file":
        run_file(a, cmd, scope, st[1], dialect, tgt, depth=1, runner=runner)
    elif kind == "opaque":
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note=f"{what} from {st[2]}")
    elif kind == "unknown":
        prog = (st[1] or "").rsplit("/", 1)[-1]
        if prog in _DUMPERS:
            _emit(a, "db.write", cmd, target=tgt.label, effect="load", environment=tgt.env,
                   note=f"loads the output of {prog}")
        else:
            _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
                   note=f"{what} produced by {prog}")


def _help(args):
    return any(x in ("--help", "-?", "--version", "-V") for x in args)


# --- PostgreSQL -------------------------------------------------------------------------------

_PSQL_LONG = ("--command", "--dbname", "--file", "--host", "--port", "--username", "--set", "--variable",
              "--output", "--log-file", "--table-attr", "--field-separator", "--record-separator", "--pset")


def _pg_target(a, cmd, scope, vals, ops, db_opts=("-d", "--dbname"), first_operand_is_db=True):
    db = _get(vals, *db_opts) or (ops[0] if ops and first_operand_is_db else None)
    db = _deref(a, cmd, scope, db)
    host = _deref(a, cmd, scope, _get(vals, "-h", "--host"), _HOSTISH) or _var(a, cmd, scope, "PGHOST")
    url = None
    if db and re.match(r"^postgres(ql)?://", db):
        url, db = db, None
    elif db and "=" in db:
        h, d = _conninfo(db)
        host, db = host or h, d
    if not db and not url:
        db = _var(a, cmd, scope, "PGDATABASE")
    unknown = any(x and U in x for x in (db, url, host))
    return _resolve_target(a, cmd, Target(host, db, url), implicit_local=not unknown)


def _psql_vars(vals):
    out = {}
    for k, v in vals:
        if k in ("-v", "--set", "--variable") and "=" in v:
            name, _, val = v.partition("=")
            out[name] = val
    return out


def _subst(sql, variables):
    """psql variables: :name, :'name', :"name" (not ::casts)."""
    if not variables or ":" not in sql:
        return sql

    def sub(m):
        q, name = m.group(1), m.group(2)
        if name not in variables:
            return m.group(0)
        v = variables[name]
        return f"'{v}'" if q == "'" else f'"{v}"' if q == '"' else v
    return re.sub(r"(?<![:\w]):(['\"]?)([A-Za-z_]\w*)\1", sub, sql)


@handles("psql")
def psql(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="cdfhpUvoLTFRP", long=_PSQL_LONG)
    tgt = _pg_target(a, cmd, scope, vals, ops)
    variables = _psql_vars(vals)
    if "-o" in dict(vals) or "--output" in dict(vals):
        _p.check_overwrite(a, cmd, _get(vals, "-o", "--output"), scope=scope)
    sources = [(k, v) for k, v in vals if k in ("-c", "--command", "-f", "--file")]
    if "-l" in flags or "--list" in flags:
        return
    for k, v in sources:
        if k in ("-c", "--command"):
            run_sql(a, cmd, scope, _subst(v, variables), "postgres", tgt)
        else:
            run_file(a, cmd, scope, v, "postgres", tgt)
    if not sources:
        run_stdin(a, cmd, scope, "postgres", tgt)


@handles("dropdb")
def dropdb(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hpU", long=("--host", "--port", "--username", "--maintenance-db"))
    if not ops:
        return
    tgt = _resolve_target(a, cmd, Target(_get(vals, "-h", "--host") or _var(a, cmd, scope, "PGHOST"), ops[0]))
    name = ops[0]
    rule = "db.drop-test-database" if S.is_scratch_name(name) else "db.drop-database"  # in prod: weighing
    _emit(a, rule, cmd, target=tgt.label or name, effect="drop", environment=tgt.env,
           note="the name marks it as a test / development database" if rule == "db.drop-test-database" else None)


@handles("dropuser")
def dropuser(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hpU", long=("--host", "--port", "--username"))
    if ops:
        tgt = _resolve_target(a, cmd, Target(_get(vals, "-h", "--host"), None))
        _emit(a, "db.drop-user", cmd, target=ops[0], effect="drop", environment=tgt.env)


@handles("pg_restore")
def pg_restore(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="dfFIjLnNPStThpU",
                             long=("--dbname", "--file", "--format", "--index", "--jobs", "--use-list", "--schema",
                                   "--exclude-schema", "--function", "--superuser", "--table", "--trigger", "--host",
                                   "--port", "--username", "--role", "--section", "--exclude-table"))
    out = _get(vals, "-f", "--file")
    if out and out != "-":
        _p.check_overwrite(a, cmd, out, scope=scope)
    db = _get(vals, "-d", "--dbname")
    if not db or "-l" in flags or "--list" in flags:
        return
    tgt = _pg_target(a, cmd, scope, vals, [], first_operand_is_db=False)
    if "-c" in flags or "--clean" in flags:
        note = "-C/--create also drops and recreates the database itself" if ("-C" in flags or "--create" in flags) \
            else None
        rule = "db.restore-clean"  # in prod: db.wipe-table-prod (the engine's weighing)
        _emit(a, rule, cmd, target=tgt.label, effect="restore", note=note, environment=tgt.env)
    else:
        _emit(a, "db.write", cmd, target=tgt.label, effect="restore", environment=tgt.env)


@handles("pg_dump", "pg_dumpall", "mysqldump", "mariadb-dump", "mongodump")
def dumper(a, cmd, scope):
    """Dumps read the database; only the file they write matters."""
    if cmd.name in ("mysqldump", "mariadb-dump"):
        flags, vals, ops = parse(cmd.args, short="hPuSr", short_opt="p",
                                 long=("--host", "--port", "--user", "--socket", "--result-file"))
        out = _get(vals, "-r", "--result-file")
    elif cmd.name == "mongodump":
        flags, vals, ops = parse(cmd.args, short="hdcuop", long=("--host", "--db", "--collection", "--out", "--uri"))
        out = None
    else:
        flags, vals, ops = parse(cmd.args, short="dfFhpUnNtTjEZ",
                                 long=("--file", "--format", "--host", "--port", "--username", "--dbname",
                                       "--schema", "--exclude-schema", "--table", "--exclude-table", "--jobs"))
        out = _get(vals, "-f", "--file")
    if out and out != "-":
        _p.check_overwrite(a, cmd, out, scope=scope)


@handles("pg_ctl")
def pg_ctl(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, short="DlmotUNPSe", long=("--pgdata", "--log", "--mode", "--options",
                                                                     "--timeout"))
    if any(o in ("stop", "kill") for o in ops):
        _emit(a, "sys.service-stop", cmd, target="postgres", effect="stop")


@handles("pgcli")
def pgcli(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hpUdWwe",
                             long=("--host", "--port", "--username", "--dbname", "--execute", "--command",
                                   "--pgclirc", "--dsn", "--prompt", "--log-file"))
    tgt = _pg_target(a, cmd, scope, vals, ops)
    _run_client_sql(a, cmd, scope, vals, "postgres", tgt, ("-e", "--execute", "--command"), ())


_USQL_DIALECT = {"pg": "postgres", "postgres": "postgres", "postgresql": "postgres", "pgsql": "postgres",
                 "my": "mysql", "mysql": "mysql", "maria": "mysql", "mariadb": "mysql", "sq": "sqlite",
                 "sqlite": "sqlite", "sqlite3": "sqlite", "file": "sqlite", "ch": "clickhouse",
                 "clickhouse": "clickhouse", "cr": "postgres", "cockroach": "postgres", "cockroachdb": "postgres",
                 "dk": "duckdb", "duckdb": "duckdb", "ms": "tsql", "sqlserver": "tsql", "mssql": "tsql"}


@handles("usql")
def usql(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="cfoUwWJv",
                             long=("--command", "--file", "--out", "--username", "--set", "--variable", "--config"))
    url = _deref(a, cmd, scope, ops[0]) if ops else None
    dialect = None
    tgt = Target()
    if url and U not in url:
        scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
        dialect = _USQL_DIALECT.get(scheme)
        if "://" in url:
            tgt = Target(None, None, url)
        else:
            tgt = Target(None, url.split(":", 1)[-1], file=url.split(":", 1)[-1])
    tgt = _resolve_target(a, cmd, tgt, implicit_local=bool(url) and U not in (url or ""))
    _run_client_sql(a, cmd, scope, vals, dialect, tgt, ("-c", "--command"), ("-f", "--file"))


@handles("cockroach")
def cockroach(a, cmd, scope):
    args = cmd.args
    if not args or args[0] not in ("sql", "demo") or _help(args):
        return
    flags, vals, ops = parse(args[1:], short="eduf", long=("--execute", "--database", "--url", "--host", "--user",
                                                           "--port", "--certs-dir", "--file", "--format",
                                                           "--set"))
    url = _deref(a, cmd, scope, _get(vals, "--url")) or _var(a, cmd, scope, "COCKROACH_URL")
    host = _get(vals, "--host") or _var(a, cmd, scope, "COCKROACH_HOST")
    db = _get(vals, "-d", "--database") or _var(a, cmd, scope, "COCKROACH_DATABASE")
    if host and ":" in host and not host.startswith("["):
        host = host.rsplit(":", 1)[0]
    unknown = any(x and U in x for x in (url, host, db))
    tgt = _resolve_target(a, cmd, Target(host, db, url if url and U not in url else None),
                          implicit_local=not unknown and args[0] != "demo")
    if args[0] == "demo":
        tgt.env = "local"
    _run_client_sql(a, cmd, scope, vals, "postgres", tgt, ("-e", "--execute"), ("-f", "--file"))



def _run_client_sql(a, cmd, scope, vals, dialect, tgt, sql_keys, file_keys):
    """The SQL a client runs: its statement options, its file options, else what comes on stdin."""
    done = False
    for k, v in vals:
        if k in sql_keys:
            run_sql(a, cmd, scope, v, dialect, tgt)
            done = True
        elif k in file_keys:
            run_file(a, cmd, scope, v, dialect, tgt)
            done = True
    if not done:
        run_stdin(a, cmd, scope, dialect, tgt)

# --- MySQL / MariaDB -----------------------------------------------------------------------------

_MYSQL_LONG = ("--host", "--port", "--user", "--database", "--execute", "--socket", "--init-command",
               "--default-character-set", "--login-path", "--tee", "--prompt")


def _mysql_target(a, cmd, scope, vals, ops):
    db = _get(vals, "-D", "--database") or (ops[0] if ops else None)
    host = _deref(a, cmd, scope, _get(vals, "-h", "--host"), _HOSTISH) or _var(a, cmd, scope, "MYSQL_HOST")
    url = None
    if db and re.match(r"^(mysql|mariadb)(\+\w+)?://", db):
        url, db = db, None
    unknown = any(x and U in x for x in (db, host))
    return _resolve_target(a, cmd, Target(host, db, url), implicit_local=not unknown)


@handles("mysql", "mariadb", "mycli")
def mysql(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hPuDeS", short_opt="pO", long=_MYSQL_LONG)
    tgt = _mysql_target(a, cmd, scope, vals, ops)
    sources = [v for k, v in vals if k in ("-e", "--execute", "--init-command")]
    for v in sources:
        run_sql(a, cmd, scope, v, "mysql", tgt)
    if not any(k in ("-e", "--execute") for k, _ in vals):
        run_stdin(a, cmd, scope, "mysql", tgt)


@handles("mysqladmin", "mariadb-admin")
def mysqladmin(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hPuSicw", short_opt="pO",
                             long=("--host", "--port", "--user", "--socket", "--count", "--sleep", "--wait"))
    host = _get(vals, "-h", "--host")
    i = 0
    while i < len(ops):
        verb = ops[i].lower()
        arg = ops[i + 1] if i + 1 < len(ops) else None
        if verb == "drop" and arg:
            tgt = _resolve_target(a, cmd, Target(host, arg))
            rule = "db.drop-test-database" if S.is_scratch_name(arg) else "db.drop-database"  # in prod: weighing
            _emit(a, rule, cmd, target=tgt.label or arg, effect="drop", environment=tgt.env)
            i += 2
            continue
        if verb == "kill" and arg:
            _emit(a, "db.terminate-backend", cmd, target=arg, effect="kill")
            i += 2
            continue
        if verb == "shutdown":
            _emit(a, "sys.service-stop", cmd, target=host or "mysqld", effect="stop")
        if verb in ("create", "password", "old-password"):
            i += 2
            continue
        i += 1


@handles("mysqlimport")
def mysqlimport(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, short="hPuS", short_opt="p", long=("--host", "--port", "--user", "--socket"))
    if "-d" in flags or "--delete" in flags:
        tgt = _resolve_target(a, cmd, Target(_get(vals, "-h", "--host"), ops[0] if ops else None))
        _emit(a, "db.restore-clean", cmd, target=tgt.label,
               effect="replace", note="--delete empties each table before importing", environment=tgt.env)


# --- SQLite, DuckDB ---------------------------------------------------------------------------------

_SQLITE_LONG = ("cmd", "init", "separator", "newline", "nullvalue", "mmap", "vfs", "maxsize", "escape", "A",
                "c", "s", "lookaside", "pagecache", "heap")


@handles("sqlite3", "sqlite", "duckdb")
def sqlite(a, cmd, scope):
    if _help(cmd.args) or "-version" in cmd.args:
        return
    flags, vals, ops = parse(cmd.args, single_dash_long=_SQLITE_LONG)
    dialect = "duckdb" if cmd.name == "duckdb" else "sqlite"
    db = ops[0] if ops else None
    if db and db != ":memory:" and _p.check_read(a, cmd, db[5:].split("?", 1)[0] if db.startswith("file:") else db,
                                                 scope):
        return  # a file that holds secrets (browser logins, cloud CLI credentials): reading it is the finding
    if db and db.startswith("file:"):
        db = db[5:].split("?", 1)[0]
    label = posixpath.basename(db) if db and U not in db else db
    path = db
    if db and U not in db and db != ":memory:":
        try:
            path = P.resolve(db, a._scope_ctx(scope)) or db
        except Exception:
            path = db
    tgt = _resolve_target(a, cmd, Target(None, label, file=path))
    readonly = bool(flags & {"-readonly", "--readonly"})
    init = _get(vals, "-init")
    if init:
        run_file(a, cmd, scope, init, dialect, tgt)
    for k, v in vals:
        if k in ("-cmd", "-c", "-s"):
            run_sql(a, cmd, scope, v, dialect, tgt, readonly=readonly)
    sql_args = ops[1:]
    for s in sql_args:
        run_sql(a, cmd, scope, s, dialect, tgt, readonly=readonly)
    if not sql_args and not any(k in ("-c", "-s") for k, _ in vals):
        run_stdin(a, cmd, scope, dialect, tgt)


# --- Cassandra, ClickHouse ----------------------------------------------------------------------------

@handles("cqlsh")
def cqlsh(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="efkup", long=("--execute", "--file", "--keyspace", "--username",
                                                             "--password", "--cqlshrc", "--cqlversion",
                                                             "--encoding", "--request-timeout",
                                                             "--connect-timeout"))
    tgt = _resolve_target(a, cmd, Target(ops[0] if ops else None, _get(vals, "-k", "--keyspace")))
    _run_client_sql(a, cmd, scope, vals, "cql", tgt, ("-e", "--execute"), ("-f", "--file"))


@handles("clickhouse-client", "clickhouse")
def clickhouse(a, cmd, scope):
    args = cmd.args
    if cmd.name == "clickhouse":
        if not args or args[0] not in ("client", "local"):
            return
        args = args[1:]
    if _help(args):
        return
    flags, vals, ops = parse(args, short="qhdufcC", long=("--query", "--host", "--port", "--user", "--password",
                                                          "--database", "--format", "--config-file",
                                                          "--queries-file", "--connection"))
    tgt = _resolve_target(a, cmd, Target(_get(vals, "-h", "--host"), _get(vals, "-d", "--database")))
    _run_client_sql(a, cmd, scope, vals, "clickhouse", tgt, ("-q", "--query"), ("--queries-file",))


# --- MongoDB ----------------------------------------------------------------------------------------------

_COLL = (r"\bdb\s*(?:\.\s*getSiblingDB\s*\(\s*['\"](?P<sib>[^'\"]*)['\"]\s*\)\s*)?"
         r"(?:\.\s*getCollection\s*\(\s*['\"](?P<c2>[^'\"]+)['\"]\s*\)|\[\s*['\"](?P<c3>[^'\"]+)['\"]\s*\]|"
         r"\[\s*(?P<c4>[A-Za-z_$][\w$]*)\s*\]|\.\s*(?P<c>[A-Za-z_$][\w$]*))")
_MONGO = [
    (re.compile(r"\.\s*dropDatabase\s*\(|\bdropDatabase\s*:\s*(?:1|true)\b"), "db.drop-database", "drop"),
    (re.compile(r"\b(?:runCommand|adminCommand)\s*\(\s*\{\s*drop\s*:\s*['\"]"), "db.drop-table", "drop"),
    (re.compile(r"getCollectionNames\s*\(\s*\)[\s\S]*?\.\s*(drop|deleteMany|remove)\s*\("), "db.drop-many-tables",
     "drop"),
    (re.compile(_COLL + r"\s*\.\s*drop\s*\(\s*\)"), "db.drop-table", "drop"),
    (re.compile(_COLL + r"\s*\.\s*(deleteMany|remove)\s*\(\s*(\{\s*\})?\s*[,)]"), "db.delete-all", "delete"),
    (re.compile(_COLL + r"\s*\.\s*updateMany\s*\(\s*\{\s*\}"), "db.update-all", "update"),
    (re.compile(r"\.\s*(dropUser|dropAllUsers|dropRole|dropAllRoles)\s*\("), "db.drop-user", "drop"),
    (re.compile(_COLL + r"\s*\.\s*(dropIndex|dropIndexes)\s*\("), "db.drop-object", "drop"),
    (re.compile(r"\.\s*shutdownServer\s*\(|\bshutdown\s*:\s*1"), "sys.service-stop", "stop"),
    (re.compile(_COLL + r"\s*\.\s*(insertOne|insertMany|insert|updateOne|updateMany|update|replaceOne|deleteOne|"
                r"deleteMany|remove|findOneAndDelete|findOneAndUpdate|findOneAndReplace|bulkWrite|createIndex|"
                r"renameCollection)\s*\("), "db.write", "write"),
]
_CODE_CONNECT = _LazyRe(r"""\b(?:connect|MongoClient|Mongo)\s*\(\s*(?:process\.env\.|process\.env\[\s*['"]|\$)"""
                        r"""([A-Za-z_]\w*)""")
_QUOTED_KEY = _LazyRe(r"""(["'])([A-Za-z_$][\w$]*)\1(\s*:)""")
_MONGO_USE = _LazyRe(r"(?m)^\s*use\s+([\w-]+)")
_JS_STRING = _LazyRe(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`(?:[^`\\]|\\.)*`")


def mongo_js(a, cmd, code, tgt, source=None):
    """Judge mongosh JavaScript by the shell methods it calls."""
    if U in code and not code.replace(U, "").strip():
        _emit(a, "db.sql-unseen", cmd, target=tgt.label, effect="run", environment=tgt.env,
               note="the script is only known when it runs")
        return
    # an object's quoted keys are its keys (`db.runCommand({"dropDatabase": 1})` is `{dropDatabase: 1}`)
    code = _QUOTED_KEY.sub(r"\2\3", code)
    # look-alikes inside print("db.dropDatabase()") — blank strings that are not collection names
    blanked = _JS_STRING.sub(lambda m: m.group(0) if re.search(r"(getCollection|getSiblingDB|\[)\s*\(?\s*$",
                                                               code[max(0, m.start() - 40):m.start()]) else
                             m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], code)
    taken = []
    use = _MONGO_USE.search(blanked)
    database = use.group(1) if use else tgt.database
    if not _prod(tgt.env):
        # `db = connect(process.env.MONGO_PROD_URL)`: the script connects where a variable says — its name says prod
        m = _CODE_CONNECT.search(code)
        if m and S.is_prod_name(m.group(1)):
            t2 = Target(tgt.host, tgt.database, tgt.url, file=tgt.file)
            t2.env, t2.label, t2.remote_host = "prod", tgt.label or "$" + m.group(1), tgt.remote_host
            tgt = t2
    for rx, rule, effect in _MONGO:
        for m in rx.finditer(blanked):
            if any(s <= m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            gd = m.groupdict()
            coll = gd.get("c") or gd.get("c2") or gd.get("c3") or (("<" + gd["c4"] + ">") if gd.get("c4") else None)
            if coll in ("getCollectionNames", "getSiblingDB", "runCommand", "adminCommand", "getCollection"):
                coll = None
            db = gd.get("sib") or database
            r = rule
            env = tgt.env
            if db and db != tgt.database and not _prod(env):
                env = a.environment_of("database", db) or ("prod" if S.is_prod_name(db) else env)
            if rule == "db.drop-database":
                if db and S.is_scratch_name(db):  # in prod: db.drop-database (the weighing)
                    r = "db.drop-test-database"
                target = db or tgt.label
            else:
                target = "/".join(x for x in (db or tgt.label, coll) if x) or None
                if coll and S.is_backup_name(coll) and rule in ("db.drop-table", "db.delete-all", "db.update-all"):
                    r = "db.backup-table"
            note = f"in {source[0]}" if source else None
            _emit(a, r, cmd, target=target, effect=effect, note=note, environment=env)


@handles("mongosh", "mongo")
def mongosh(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="fup", long=(
        "--host", "--port", "--eval", "--file", "--username", "--password", "--authenticationDatabase",
        "--authenticationMechanism", "--tlsCAFile", "--tlsCertificateKeyFile", "--tlsCertificateKeyFilePassword",
        "--apiVersion", "--awsAccessKeyId", "--awsSecretAccessKey", "--awsSessionToken", "--gssapiServiceName",
        "--sslCAFile", "--sslPEMKeyFile", "--keyVaultNamespace", "--kmsURL", "--db"))
    host = _get(vals, "--host")
    db = _get(vals, "--db")
    url = None
    files = []
    for op in ops:
        op = _deref(a, cmd, scope, op)
        if re.match(r"^mongodb(\+srv)?://", op) or U in op:
            url = op
        elif op.endswith((".js", ".mongodb")):
            files.append(op)
        elif db is None and url is None:
            if "/" in op:
                host, _, db = op.partition("/")
            else:
                db = op
    unknown = any(x and U in x for x in (host, db, url))
    tgt = _resolve_target(a, cmd, Target(host, db, url), implicit_local=not unknown)
    done = False
    for k, v in vals:
        if k == "--eval":
            mongo_js(a, cmd, v, tgt)
            done = True
        elif k in ("-f", "--file"):
            files.append(v)
    for f in files:
        run_file(a, cmd, scope, f, None, tgt, runner=lambda text, src: mongo_js(a, cmd, text, tgt, src))
        done = True
    if not done:
        run_stdin(a, cmd, scope, None, tgt, runner=lambda text, src: mongo_js(a, cmd, text, tgt, src),
                  what="a script")


@handles("mongorestore", "mongoimport")
def mongorestore(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, short="hdcup", long=("--host", "--db", "--collection", "--uri", "--nsInclude",
                                                             "--file", "--type", "--mode"))
    tgt = _resolve_target(a, cmd, Target(_get(vals, "-h", "--host"), _get(vals, "-d", "--db"),
                                         _get(vals, "--uri")))
    if "--drop" in flags or _get(vals, "--mode") == "delete":
        _emit(a, "db.restore-clean", cmd, target=tgt.label,
               effect="replace", environment=tgt.env,
               note="--drop drops each collection before restoring it" if "--drop" in flags else None)


# --- Redis -------------------------------------------------------------------------------------------------

_REDIS_LONG = ("--user", "--pass", "--sni", "--cacert", "--cacertdir", "--cert", "--key", "--tls-ciphers",
               "--tls-ciphersuites", "--eval", "--pattern", "--quoted-pattern", "--count", "--rdb", "--functions-rdb",
               "--pipe-timeout", "--memkeys-samples", "--cluster", "--intrinsic-latency", "--lru-test",
               "--replica-of", "--eval-ro")
_LUA_BULK_DEL = _LazyRe(r"(?is)(['\"](keys|scan)['\"].*['\"](del|unlink)['\"]|['\"](del|unlink)['\"].*"
                           r"['\"](keys|scan)['\"]|unpack\s*\(\s*redis\.call\s*\(\s*['\"]keys)")
_REDIS_DELETES = {"DEL", "UNLINK", "HDEL", "SREM", "ZREM", "LREM", "XDEL", "XTRIM", "ZREMRANGEBYSCORE",
                  "ZREMRANGEBYRANK", "ZREMRANGEBYLEX", "LTRIM", "GETDEL", "EXPIRE", "PEXPIRE", "RENAME"}


def redis_command(a, cmd, words, tgt):
    if not words:
        return
    verb = words[0].upper()
    if verb == "SHUTDOWN" and any(w.upper() == "NOSAVE" for w in words[1:]):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis-server", effect="stop", environment=tgt.env,
              note="SHUTDOWN NOSAVE stops the server and loses every write since the last snapshot")
        return
    if verb in ("FLUSHALL",) or (verb == "FLUSHDB" and _prod(tgt.env)):
        _emit(a, "db.redis-flushall", cmd, target=tgt.label or "redis", effect="flush", environment=tgt.env)
    elif verb == "FLUSHDB":
        _emit(a, "db.redis-flush", cmd, target=tgt.label or "redis", effect="flush", environment=tgt.env)
    elif verb == "SHUTDOWN":
        _emit(a, "sys.service-stop", cmd, target=tgt.label or "redis-server", effect="stop", environment=tgt.env)
    elif verb == "CLIENT" and len(words) > 1 and words[1].upper() == "KILL":
        _emit(a, "db.terminate-backend", cmd, target=tgt.label or "redis", effect="kill", environment=tgt.env)
    elif verb in ("EVAL", "EVAL_RO", "FCALL") and len(words) > 1:
        script = words[1]
        if re.search(r"(?i)['\"]flushall['\"]", script):
            _emit(a, "db.redis-flushall", cmd, target=tgt.label or "redis", effect="flush", environment=tgt.env,
                   note="inside a Lua script")
        elif re.search(r"(?i)['\"]flushdb['\"]", script):
            _emit(a, "db.redis-flush", cmd, target=tgt.label or "redis", effect="flush", environment=tgt.env,
                   note="inside a Lua script")
        elif _LUA_BULK_DEL.search(script):
            _emit(a, "db.redis-delete-pattern", cmd, target=tgt.label or "redis", effect="delete",
                  environment=tgt.env, note="a Lua script that deletes the keys it finds")
    elif verb == "CONFIG" and len(words) > 2 and words[1].upper() == "SET" and words[2].lower() in (
            "dir", "dbfilename", "appendfilename", "appenddirname"):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="reconfigure", environment=tgt.env,
              note=f"CONFIG SET {words[2]} moves where Redis writes its data file: it can overwrite any file "
                   "the server may write")
    elif verb == "CONFIG" and len(words) > 3 and words[1].upper() == "SET" and (
            words[2].lower() == "save" and words[3].strip("'\" ") == ""
            or words[2].lower() == "appendonly" and words[3].lower() == "no"):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="reconfigure", environment=tgt.env,
              note="CONFIG SET save \"\" turns snapshots off: without an append-only file, a restart loses every "
                   "write" if words[2].lower() == "save" else
                   "CONFIG SET appendonly no turns the append-only file off: a restart loses the writes since the "
                   "last snapshot")
    elif verb == "CONFIG" and len(words) > 2 and words[1].upper() == "SET" and _prod(tgt.env):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="reconfigure", environment=tgt.env,
              note=f"CONFIG SET {words[2]} changes the running production server for every client")
    elif verb in ("REPLICAOF", "SLAVEOF") and len(words) > 2:
        no_one = words[1].upper() == "NO" and words[2].upper() == "ONE"
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="reconfigure", environment=tgt.env,
              note="promotes the replica to a primary: its clients and the old primary part ways" if no_one else
              "makes the server a replica of another: it drops its own data and copies the other's")
    elif verb == "FAILOVER" or (verb == "CLUSTER" and len(words) > 1 and words[1].upper() in (
            "FAILOVER", "RESET", "FORGET", "FLUSHSLOTS", "DELSLOTS", "DELSLOTSRANGE")):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="reconfigure", environment=tgt.env,
              note=" ".join(w.upper() for w in words[:2]) + " changes which server holds the data")
    elif verb == "ACL" and len(words) > 2 and words[1].upper() == "DELUSER":
        _emit(a, "db.drop-user", cmd, target=" ".join(words[2:4]), effect="drop", environment=tgt.env)
    elif verb == "DEBUG" and len(words) > 1 and words[1].upper() in ("SEGFAULT", "RESTART", "CRASH-AND-RECOVER",
                                                                     "RELOAD", "FLUSHALL", "SET-ACTIVE-EXPIRE",
                                                                     "CHANGE-REPL-ID", "POPULATE", "OOM", "PANIC",
                                                                     "SLEEP"):
        _emit(a, "db.redis-admin", cmd, target=tgt.label or "redis", effect="debug", environment=tgt.env,
              note=f"DEBUG {words[1].upper()}")
    elif verb in ("SCRIPT", "FUNCTION") and len(words) > 1 and words[1].upper() == "FLUSH":
        _emit(a, "db.write", cmd, target=tgt.label or "redis", effect="delete", environment=tgt.env)
    elif verb in ("EVAL", "EVAL_RO", "FCALL", "EVALSHA") and len(words) > 1 and _LUA_BULK_DEL.search(words[1]):
        _emit(a, "db.redis-delete-pattern", cmd, target=tgt.label or "redis", effect="delete", environment=tgt.env,
              note="a Lua script that deletes the keys it finds")
    elif verb in ("DEL", "UNLINK") and (len(words) < 2 or any(U in w for w in words[1:])) and _scans_every_key(cmd):
        # `redis-cli --scan --pattern '*' | xargs redis-cli DEL`: every key the server holds — FLUSHALL by other means
        _emit(a, "db.redis-flushall", cmd, target=tgt.label or "redis", effect="flush", environment=tgt.env,
              note="deletes every key a scan of the whole keyspace lists")
    elif verb in ("DEL", "UNLINK") and (len(words) < 2 or any(U in w or "*" in w or "?" in w for w in words[1:])):
        _emit(a, "db.redis-delete-pattern", cmd, target=tgt.label or "redis", effect="delete", environment=tgt.env,
              note="deletes keys only known when it runs (a pattern, or another command's output)")
    elif verb in _REDIS_DELETES:
        key = words[1] if len(words) > 1 else None
        _emit(a, "db.write", cmd, target="/".join(x for x in (tgt.label, key) if x).replace(U, "$?") or None,
               effect="delete" if verb not in ("EXPIRE", "PEXPIRE", "RENAME") else "write", environment=tgt.env)


def _scans_every_key(cmd) -> bool:
    """The stage feeding this one lists every key: `redis-cli --scan` with no pattern or `*`, `KEYS *`."""
    from .hunting import previous_stage_text

    prev = previous_stage_text(cmd) or ""
    if not re.search(r"\b(?:redis|valkey|keydb)-cli\b", prev):
        return False
    m = re.search(r"--pattern[ =]\s*(['\"]?)([^'\"\s]*)\1", prev)
    if "--scan" in prev:
        return m is None or m.group(2) == "*"
    k = re.search(r"(?i)\bKEYS\s+(['\"]?)([^'\"\s]*)\1", prev)
    return bool(k) and k.group(2) == "*"


_WIRE = None
#: netcat's options that take a value (the next word): they are no HOST or PORT
_NC_VALUE_OPTIONS = frozenset({"-p", "-s", "-w", "-i", "-q", "-x", "-X", "-e", "-c", "-I", "-O", "-T", "-V", "-M", "-m",
                               "--source", "--source-port", "--wait", "--proxy", "--proxy-type", "-g", "-G"})


def _wire_ports():
    global _WIRE
    if _WIRE is None:
        from ...knowledge import load

        raw = load("wire_protocols.toml")
        _WIRE = {int(k): v for k, v in raw["ports"].items()}
    return _WIRE


def wire_protocol(a, cmd, scope):
    """A raw socket client (nc HOST PORT) connected to a store that reads plain-text commands
    (knowledge/wire_protocols.toml): the text it sends is that store's commands, judged as its own client's."""
    ops, i, args = [], 0, list(cmd.args)
    while i < len(args):
        x = args[i]
        if x in _NC_VALUE_OPTIONS:
            i += 2
            continue
        if not x.startswith("-"):
            ops.append(x)
        i += 1
    if len(ops) < 2 or not ops[-1].isdigit() or _wire_ports().get(int(ops[-1])) != "redis":
        return
    host = _deref(a, cmd, scope, ops[-2], _HOSTISH) or ops[-2]
    tgt = _resolve_target(a, cmd, Target(host, None, None), implicit_local=U not in host)

    def lines(text, src):
        for line in text.replace("\\r", "").replace("\\n", "\n").replace("\r", "").splitlines()[:2000]:
            words = line.split()
            if words:
                redis_command(a, cmd, words, tgt)
    run_stdin(a, cmd, scope, None, tgt, runner=lines, what="commands")


@handles("redis-cli", "valkey-cli", "keydb-cli")
def redis_cli(a, cmd, scope):
    if _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short="hpsaurindD", long=_REDIS_LONG)
    url = _deref(a, cmd, scope, _get(vals, "-u"))
    host = _deref(a, cmd, scope, _get(vals, "-h"), _HOSTISH) or _var(a, cmd, scope, "REDISCLI_HOST")
    unknown = any(x and U in x for x in (url, host))
    tgt = _resolve_target(a, cmd, Target(host, None, url), implicit_local=not unknown)
    if _get(vals, "--cluster") == "call" and len(ops) >= 2:
        ops = ops[1:]
    elif _get(vals, "--cluster"):
        return
    script = _get(vals, "--eval")
    if script:
        run_file(a, cmd, scope, script, None, tgt,
                 runner=lambda text, src: redis_command(a, cmd, ["EVAL", text], tgt))
    if ops:
        redis_command(a, cmd, ops, tgt)
        return
    if flags & {"--scan", "--bigkeys", "--memkeys", "--hotkeys", "--stat", "--latency", "--latency-history",
                "--latency-dist", "--rdb", "--functions-rdb"}:
        return

    def lines(text, src):
        for line in text.splitlines()[:2000]:
            words = line.split()
            if words:
                redis_command(a, cmd, words, tgt)
    run_stdin(a, cmd, scope, None, tgt, runner=lines, what="commands")


# --- framework tasks ------------------------------------------------------------------------------------

_ENV_VARS = ("RAILS_ENV", "RACK_ENV", "NODE_ENV", "APP_ENV", "MIX_ENV", "FLASK_ENV", "ENVIRONMENT", "STAGE",
             "DJANGO_SETTINGS_MODULE", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT")


#: Options that hand a migration task its configuration file (drizzle-kit, typeorm, alembic, flyway, knex...)
_CONFIG_OPTIONS = frozenset({"-c", "--config", "-d", "--dataSource", "--data-source", "--config-file", "--knexfile",
                             "-configFiles", "--defaults-file", "--settings-file"})


def _task_env(a, cmd, scope, args=(), extra=(), named=False):
    """'prod' when the task is aimed at production (RAILS_ENV=production, --env production, ...); ``named``: only
    a production something names (a remote database in the project's .env is not one by default)."""
    vals = []
    for name in _ENV_VARS:
        v = _var(a, cmd, scope, name)
        if v:
            vals.append(v)
    for i, x in enumerate(args):
        if "=" in x and x.split("=", 1)[0].lstrip("-") in ("env", "environment", "settings", "stage") + tuple(
                v.lower() for v in _ENV_VARS):
            vals.append(x.split("=", 1)[1])
        elif x.split("=", 1)[0] in _ENV_VARS:
            vals.append(x.split("=", 1)[1])
        elif x in ("--env", "--environment", "-e", "--settings", "--stage") and i + 1 < len(args):
            vals.append(args[i + 1])
    vals.extend(v for v in extra if v)
    for v in vals:
        if U in v:
            continue
        e = a.environment_of("database", v) or a.environment_of("host", v)
        if e:
            return e
        if S.is_prod_name(v.replace("_", "-").rsplit(".", 1)[-1]) or S.is_prod_name(v):
            return "prod"
    # a configuration file the task is given, named for production (`-d dist/data-source.prod.js`,
    # `--config drizzle.prod.config.ts`, `-c alembic.production.ini`): its name's parts say which environment
    for i, x in enumerate(args):
        name, eq, v = x.partition("=")
        if name in _CONFIG_OPTIONS and (eq or i + 1 < len(args)):
            v = v if eq else args[i + 1]
            parts = re.split(r"[._/-]+", os.path.basename(v).lower()) if U not in v else []
            if any(S.is_prod_name(p) for p in parts):
                return "prod"
    e = _remote_task_env(a, cmd, named)
    if e:
        return e
    # the connection comes from a variable whose value is not known here: its name says which environment
    # (`DATABASE_URL=$PROD_DATABASE_URL prisma migrate deploy`, `atlas schema apply --url "$PRODUCTION_DSN"`)
    if any(S.is_prod_name(n) for n in _CONN_VAR.findall(_command_text(cmd))):
        return "prod"
    url = _var(a, cmd, scope, "DATABASE_URL", dotenv=True)
    if url and U not in url:
        if named:
            # only an environment the policy declares or a name says: a project's .env pointing at a host that is
            # not this machine (`db:5432` of a compose file, a shared dev database) is not production by default
            host, db = parse_url(url)[:2] if "://" in url else (None, None)
            for kind, v in (("host", host), ("database", db)):
                e = v and (a.environment_of(kind, v) or ("prod" if S.is_prod_name(v) else None))
                if e:
                    return e
            return None
        t = _resolve_target(a, cmd, Target(None, None, url))
        if t.env:
            return t.env
    return None


_NOT_PROD = _LazyRe(r"(?i)(^|[^a-z])(stag|staging|dev|develop|development|test|testing|qa|preview|review|sandbox|"
                    r"demo|local|ci)([^a-z]|$)")


def _remote_task_env(a, cmd, named=False):
    """A task run inside the deployed app (``heroku run``, ``fly ssh console -C``, ``kubectl exec``)
    runs against that app's database: its environment is the app's, the pod's namespace's or the kube
    context's (policy, then the name); a deployed app whose name says nothing is production."""
    remote = getattr(cmd, "remote", None) or a.remote
    if not remote:
        return None
    kind, _, rest = remote.partition(":")
    names = []
    if kind in ("heroku", "fly"):
        names = [rest]
    elif kind == "pod":
        ctx = rest.partition("@")[2]
        names = [n for n in (_pod_namespace(cmd), ctx) if n]
    else:
        return None
    names = [n for n in names if n and U not in n and n != "app"]
    for n in names:
        e = a.environment_of("host", n) or a.environment_of("kube_context", n) or a.environment_of("database", n)
        if e:
            return e
    if any(S.is_prod_name(n) for n in names):
        return "prod"
    if kind in ("heroku", "fly") and names and not _NOT_PROD.search(names[0]) and not named:
        return "prod"  # (a deployed app whose name says nothing: production by default, but not a named one)
    return None


def _command_text(cmd):
    """The command as written, its own assignments included (``DATABASE_URL=$PROD_DATABASE_URL npx …``)."""
    try:
        from .analyzer import _node_text

        if cmd.node is not None:
            return _node_text(cmd.node)
    except Exception:
        pass
    return getattr(cmd, "text", None) or ""


def _pod_namespace(cmd):
    """The namespace of the kubectl command a pod's command came from (``-n X``, ``--namespace=X``)."""
    try:
        from .analyzer import _node_text

        words = _node_text(cmd.node).split() if cmd.node is not None else []
    except Exception:
        return None
    words = words[:words.index("--")] if "--" in words else words
    for i, w in enumerate(words):
        if w in ("-n", "--namespace") and i + 1 < len(words):
            return words[i + 1].strip("'\"")
        if w.startswith("--namespace="):
            return w.split("=", 1)[1].strip("'\"")
        if w.startswith("-n") and len(w) > 2 and not w.startswith("--"):
            return w[2:]
    return None


def framework(a, cmd, scope, level, task, args=(), note=None, extra_env=(), env=None, remote=False):
    """level: 'reset' (drops / resets the app database), 'wipe' (drops every object), 'migrate'.
    ``remote``: aimed at a remote (linked) project: weighs like production."""
    # a migration asks only where production is named (db.migrate-prod); a reset also where the .env points away
    env = env or _task_env(a, cmd, scope, args, extra_env, named=level in ("migrate", "rollback"))
    target = f"{cmd.name} {task}"
    if level == "wipe":
        _emit(a, "db.schema-wipe", cmd, target=target, effect="drop", note=note, environment=env)
    elif level == "reset":
        # a remote (linked) project weighs like production; in production: the weighing
        rule = "db.framework-reset-prod" if remote else "db.framework-reset"
        _emit(a, rule, cmd, target=target, effect="reset", note=note, environment=env)
    elif level == "rollback":
        _emit(a, "db.migrate-rollback", cmd, target=target, effect="rollback", environment=env,
              note=note or "down migrations usually drop the tables and columns the up steps added")
    elif level == "migrate":
        # a remote (linked) project's schema weighs like production's (`supabase db push --linked`)
        _emit(a, "db.migrate", cmd, target=target, effect="migrate", note=note,
              environment=env or ("prod" if remote else None))


_RAILS_RESET = {"db:drop", "db:drop:all", "db:reset", "db:reset:all", "db:schema:load", "db:structure:load",
                "db:purge", "db:purge:all", "db:migrate:reset", "db:seed:replant", "db:truncate_all", "db:setup",
                "db:schema:load:all"}
_RAILS_MIGRATE = {"db:migrate", "db:rollback", "db:migrate:up", "db:migrate:down", "db:migrate:redo", "db:prepare",
                  "db:forward"}


@handles("rails", "rake")
def rails(a, cmd, scope):
    args = cmd.args
    if not args or _help(args):
        return
    if cmd.name == "rake":  # `rake deploy:production`: a deploy task naming production (the generic deploy reader)
        from .clis import _generic_deploy

        _generic_deploy(a, cmd, args)
    if args[0] in ("runner", "r") and len(args) > 1 and cmd.name == "rails":
        code = next((x for x in args[1:] if not x.startswith("-")), None)
        if code:
            if code.endswith(".rb") and a.script_file(code, cmd, scope, language="ruby"):
                return
            orm_code(a, cmd, scope, "ruby", code)
        return
    version_zero = any(x in ("VERSION=0", "VERSION=00") for x in args)
    for x in args:
        task = x.split("[", 1)[0]
        if task in _RAILS_RESET or (task.startswith("db:") and task.split(":")[-1] in ("drop", "purge")
                                    and not task.startswith("db:test")):
            framework(a, cmd, scope, "reset", task, args)
        elif task in _RAILS_MIGRATE or (task.startswith("db:migrate:") and task not in ("db:migrate:status",)):
            if version_zero and task in ("db:migrate", "db:migrate:down"):
                framework(a, cmd, scope, "reset", task, args, note="VERSION=0 rolls back every migration")
            else:
                framework(a, cmd, scope, "migrate", task, args)


@handles("bundle")
def bundle(a, cmd, scope):
    args = cmd.args
    if args and args[0] in ("exec", "ex") and len(args) > 1:
        _, inner = _p._first_cmd(args[1:], long_with_arg=("--gemfile",))
        if inner:
            a.dispatch(cmd.derive(list(inner)), scope)
        return
    _p.unknown_program(a, cmd, scope)


@handles("manage.py", "django-admin")
def django(a, cmd, scope):
    args = cmd.args
    flags, vals, ops = parse(args, long=("--settings", "--database", "--pythonpath", "--verbosity"))
    if not ops or _help(args):
        return
    verb = ops[0]
    settings = _get(vals, "--settings")
    database = _get(vals, "--database")
    extra = (settings, database)
    if verb in ("flush", "reset_db", "reset_schema", "drop_test_database"):
        framework(a, cmd, scope, "reset", verb, args, extra_env=extra)
    elif verb == "migrate":
        if len(ops) >= 3 and ops[2] == "zero":
            framework(a, cmd, scope, "reset", f"migrate {ops[1]} zero", args, extra_env=extra,
                      note="unapplies every migration of the app, dropping its tables")
        else:
            framework(a, cmd, scope, "migrate", "migrate", args, extra_env=extra)
    elif verb == "dbshell":
        tgt = _resolve_target(a, cmd, Target(None, database))
        tgt.env = tgt.env or _task_env(a, cmd, scope, args, extra)
        if "--" in args:
            rest = args[args.index("--") + 1:]
            f2, v2, _ = parse(rest, short="ce", long=("--command", "--execute"))
            for k, v in v2:
                if k in ("-c", "-e", "--command", "--execute"):
                    run_sql(a, cmd, scope, v, None, tgt)
            return
        run_stdin(a, cmd, scope, None, tgt)
    elif verb in ("shell", "shell_plus"):
        code = _get(vals, "-c", "--command")
        if code is None:
            f2, v2, _ = parse(args, short="ci", long=("--command", "--interface"))
            code = _get(v2, "-c", "--command")
        if code:
            orm_code(a, cmd, scope, "python", code)
        elif cmd.stdin and cmd.stdin[0] == "text":
            orm_code(a, cmd, scope, "python", cmd.stdin[1])


@handles("artisan")
def artisan(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, long=("--env", "--database", "--path", "--execute"))
    if not ops:
        return
    verb = ops[0]
    extra = (_get(vals, "--env"), _get(vals, "--database"))
    if verb in ("migrate:fresh", "migrate:reset", "migrate:refresh", "db:wipe", "schema:drop"):
        framework(a, cmd, scope, "reset", verb, cmd.args, extra_env=extra)
    elif verb.startswith("migrate"):
        framework(a, cmd, scope, "migrate", verb, cmd.args, extra_env=extra)
    elif verb == "tinker" and _get(vals, "--execute"):
        orm_code(a, cmd, scope, "php", _get(vals, "--execute"))
    elif verb == "down":  # Laravel's maintenance switch: every visitor gets the maintenance page until `up`
        _emit(a, "infra.outage", cmd, target="the site (maintenance mode)", effect="outage",
              environment=_task_env(a, cmd, scope, cmd.args, extra, named=True))


@handles("prisma")
def prisma(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, long=("--schema", "--url", "--file", "--name"))
    if len(ops) < 2:
        return
    pair = (ops[0], ops[1])
    url = _get(vals, "--url")
    extra = (url,)
    if pair == ("migrate", "reset"):
        framework(a, cmd, scope, "reset", "migrate reset", cmd.args, extra_env=extra)
    elif pair == ("db", "push") and flags & {"--force-reset", "--accept-data-loss"}:
        framework(a, cmd, scope, "reset", "db push " + " ".join(sorted(flags & {"--force-reset",
                                                                                 "--accept-data-loss"})),
                  cmd.args, extra_env=extra)
    elif pair in (("migrate", "deploy"), ("migrate", "dev"), ("db", "push"), ("migrate", "resolve")):
        framework(a, cmd, scope, "migrate", " ".join(pair), cmd.args, extra_env=extra)
    elif pair == ("db", "execute"):
        tgt = _resolve_target(a, cmd, Target(None, None, url))
        f = _get(vals, "--file")
        if f:
            run_file(a, cmd, scope, f, None, tgt)
        elif "--stdin" in flags:
            run_stdin(a, cmd, scope, None, tgt)


@handles("supabase")
def supabase(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, long=("--db-url", "--project-ref", "--workdir", "--version"))
    if len(ops) < 2 or ops[0] != "db":
        return
    url = _get(vals, "--db-url")
    remote = "--linked" in flags or bool(url and (U in url or (parse_url(url)[0] or "") not in _LOCAL_HOSTS))
    if ops[1] == "reset":
        framework(a, cmd, scope, "reset", "db reset", cmd.args, remote=remote,
                  note="--linked resets the remote project's database" if "--linked" in flags else None)
    elif ops[1] in ("push",):
        framework(a, cmd, scope, "migrate", "db push", cmd.args, remote=remote)


@handles("alembic")
def alembic(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, short="cnx", long=("--config", "--name", "--raw"))
    if len(ops) < 1:
        return
    extra = tuple(v for k, v in vals if k == "-x")
    if ops[0] in ("downgrade", "upgrade") and len(ops) == 1:
        k = cmd.args.index(ops[0]) if ops[0] in cmd.args else -1
        if 0 <= k < len(cmd.args) - 1:
            ops = ops + [cmd.args[k + 1]]  # `downgrade -1`
    if ops[0] == "downgrade" and len(ops) > 1:
        if ops[1] in ("base", "0") or ops[1].startswith("base"):
            framework(a, cmd, scope, "reset", "downgrade base", cmd.args, extra_env=extra,
                      note="rolls back every migration")
        else:
            framework(a, cmd, scope, "rollback", f"downgrade {ops[1]}", cmd.args, extra_env=extra)
    elif ops[0] == "upgrade":
        framework(a, cmd, scope, "migrate", "upgrade " + " ".join(ops[1:2]), cmd.args, extra_env=extra)


@handles("flask")
def flask_migrate(a, cmd, scope):
    """Flask-Migrate (`flask db upgrade|downgrade|stamp`): Alembic's migrations through the app's own CLI; the
    app's environment from `--env`/`-e` (an env file) or FLASK_ENV/APP_ENV."""
    flags, vals, ops = parse(cmd.args, short="Ae", long=("--app", "--env-file", "--env", "--directory", "-d", "-x"))
    if ops[:1] != ["db"] or len(ops) < 2:
        return
    extra = tuple(v for k, v in vals if k in ("-e", "--env-file", "--env", "-x"))
    if ops[1] == "downgrade":
        target = ops[2] if len(ops) > 2 else "-1"
        level = "reset" if target in ("base", "0") else "rollback"
        framework(a, cmd, scope, level, "db downgrade " + target, cmd.args, extra_env=extra)
    elif ops[1] == "upgrade":
        framework(a, cmd, scope, "migrate", "db upgrade", cmd.args, extra_env=extra)


@handles("drizzle-kit")
def drizzle_kit(a, cmd, scope):
    """drizzle-kit `push` (the schema applied to the database as it is, no migration files) and `migrate`; its
    database from the config file (`--config drizzle.prod.config.ts`) or a connection variable."""
    flags, vals, ops = parse(cmd.args, long=("--config", "--dialect", "--schema", "--url", "--out"))
    if ops[:1] in (["push"], ["migrate"]) or [o.split(":")[0] for o in ops[:1]] in (["push"], ["migrate"]):
        framework(a, cmd, scope, "migrate", ops[0], cmd.args, extra_env=(_get(vals, "--url"),))


@handles("knex")
def knex(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, long=("--env", "--knexfile", "--cwd", "--client", "--connection"))
    if not ops:
        return
    verb = ops[0]
    extra = (_get(vals, "--env"), _get(vals, "--connection"))
    if verb == "migrate:rollback" and "--all" in flags:
        framework(a, cmd, scope, "reset", "migrate:rollback --all", cmd.args, extra_env=extra)
    elif verb.startswith("migrate:") and verb not in ("migrate:make", "migrate:list", "migrate:status",
                                                        "migrate:currentVersion"):
        framework(a, cmd, scope, "migrate", verb, cmd.args, extra_env=extra)


@handles("sequelize", "sequelize-cli")
def sequelize(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, long=("--env", "--url", "--config", "--to", "--name"))
    if not ops:
        return
    verb = ops[0]
    extra = (_get(vals, "--env"), _get(vals, "--url"))
    if verb in ("db:drop", "db:migrate:undo:all") and not _get(vals, "--to"):
        framework(a, cmd, scope, "reset", verb, cmd.args, extra_env=extra)
    elif verb.startswith("db:migrate"):
        framework(a, cmd, scope, "migrate", verb, cmd.args, extra_env=extra)


def _dash_kv(args, key):
    for x in args:
        if x.startswith(f"-{key}=") or x.startswith(f"--{key}="):
            return x.split("=", 1)[1]
    return None


@handles("flyway", "liquibase")
def flyway(a, cmd, scope):
    ops = [x for x in cmd.args if not x.startswith("-")]
    url = _dash_kv(cmd.args, "url")
    env = None
    if url:
        m = re.match(r"^jdbc:(.*)$", url)
        tgt = _resolve_target(a, cmd, Target(None, None, m.group(1) if m and "://" in m.group(1) else None))
        env = tgt.env
    env = env or _task_env(a, cmd, scope, cmd.args)
    for verb in ops[:2]:
        v = verb.lower().replace("-", "")
        if (cmd.name == "flyway" and v == "clean") or (cmd.name == "liquibase" and v == "dropall"):
            framework(a, cmd, scope, "wipe", verb, env=env)
            return
        if v.startswith("rollback") and cmd.name == "liquibase" and not v.endswith("sql"):
            framework(a, cmd, scope, "rollback", verb, env=env)
            return
        if v == "undo" and cmd.name == "flyway":
            framework(a, cmd, scope, "rollback", verb, env=env)
            return
        if v in ("migrate", "update", "updatecount", "updatetotag", "rollback", "rollbackcount", "undo",
                 "rollbacktodate"):
            framework(a, cmd, scope, "migrate", verb, env=env)
            return


@handles("atlas")
def atlas(a, cmd, scope):
    flags, vals, ops = parse(cmd.args, short="u", long=("--url", "--env", "--to", "--dev-url"))
    if len(ops) >= 2 and ops[:2] == ["schema", "clean"]:
        url = _get(vals, "-u", "--url")
        tgt = _resolve_target(a, cmd, Target(None, None, url)) if url else None
        framework(a, cmd, scope, "wipe", "schema clean", env=tgt.env if tgt else None)
    elif len(ops) >= 2 and ops[1] == "apply":
        framework(a, cmd, scope, "migrate", " ".join(ops[:2]), cmd.args)
    elif ops[:1] not in (["schema"], ["migrate"]):
        # not Ariga's schema tool's words: MongoDB's Atlas CLI is `atlas` too (`atlas clusters delete prod`) —
        # what it does is judged by the generic verb model, as any program without knowledge of its own
        from . import clis

        clis.handler(a, cmd, scope)


atlas.knowledge_fallback = True  # what is not Ariga's schema tool goes to its knowledge file (MongoDB's Atlas CLI)


_GOLANG_MIGRATE_VALUES = ("-path", "-database", "-source", "-lock-timeout", "-prefetch", "-verbose-level")


@handles("typeorm", "dbmate", "goose", "sqlx", "diesel", "migrate")
def migrators(a, cmd, scope):
    if cmd.name == "migrate":  # golang-migrate: one-dash long options with a value (-path DIR -database URL)
        args, ops, k, url = list(cmd.args), [], 0, None
        while k < len(args):
            x = args[k]
            if x in _GOLANG_MIGRATE_VALUES and k + 1 < len(args):
                url = args[k + 1] if x == "-database" else url
                k += 2
                continue
            if x.startswith("-database="):
                url = x.split("=", 1)[1]
            if not x.startswith("-"):
                ops.append(x)
            k += 1
        flags, vals = {x for x in args if x.startswith("-")}, [("--url", url)] if url else []
    else:
        flags, vals, ops = parse(cmd.args, short="udc", long=("--url", "--env", "--dataSource", "--config",
                                                               "--database-url", "--dir", "--migrations-dir"))
    name = cmd.name
    words = [o.lower() for o in ops]
    extra = (_get(vals, "-u", "--url", "--database-url"),)
    reset = migrate = rollback = None
    if name == "migrate":
        if words[:1] == ["drop"]:
            reset = "drop"  # every table of the database, migrations or not
        elif words[:1] == ["down"] and (len(words) == 1 or "-all" in flags):
            reset = "down (every migration)"
        elif words[:1] == ["down"]:
            rollback = "down " + words[1]
        elif words[:1] in (["up"], ["goto"]):
            migrate = " ".join(words[:2])
    elif name == "typeorm":
        if "schema:drop" in words:
            reset = "schema:drop"
        elif "schema:sync" in words:
            reset = "schema:sync"
        elif any(w.startswith("migration:run") or w.startswith("migration:revert") for w in words):
            migrate = next(w for w in words if w.startswith("migration:"))
    elif name == "dbmate":
        if "drop" in words:
            reset = "drop"
        elif set(words) & {"rollback", "down"}:
            rollback = next(w for w in words if w in ("rollback", "down"))
        elif set(words) & {"up", "migrate"}:
            migrate = next(w for w in words if w in ("up", "migrate"))
    elif name == "goose":
        if "reset" in words or ("down-to" in words and words[words.index("down-to") + 1:][:1] == ["0"]):
            reset = "reset" if "reset" in words else "down-to 0"
        elif set(words) & {"down", "down-to"}:
            rollback = next(w for w in words if w in ("down", "down-to"))
        elif set(words) & {"up", "up-to", "redo"}:
            migrate = next(w for w in words if w in ("up", "up-to", "redo"))
    elif name in ("sqlx", "diesel"):
        if len(words) >= 2 and words[0] == "database" and words[1] in ("drop", "reset"):
            reset = "database " + words[1]
        elif len(words) >= 2 and words[0] in ("migrate", "migration") and words[1] in ("run", "revert", "redo"):
            migrate = " ".join(words[:2])
    if reset:
        framework(a, cmd, scope, "reset", reset, cmd.args, extra_env=extra,
                  note="may drop columns and tables that the entities no longer have" if reset == "schema:sync"
                  else None)
    elif rollback:
        framework(a, cmd, scope, "rollback", rollback, cmd.args, extra_env=extra)
    elif migrate:
        framework(a, cmd, scope, "migrate", migrate, cmd.args, extra_env=extra)


@handles("mix")
def mix(a, cmd, scope):
    ops = [x for x in cmd.args if not x.startswith("-")]
    if not ops:
        return
    verb = ops[0]
    if verb in ("ecto.drop", "ecto.reset") or (verb == "ecto.rollback" and "--all" in cmd.args):
        framework(a, cmd, scope, "reset", verb + (" --all" if "--all" in cmd.args else ""), cmd.args)
    elif verb in ("ecto.migrate", "ecto.rollback"):
        framework(a, cmd, scope, "migrate", verb, cmd.args)
    else:
        _rest_of_runner(a, cmd, scope)


mix.knowledge_fallback = True  # what it does not judge goes to its knowledge file (`mix hex.publish`)


def _rest_of_runner(a, cmd, scope):
    """Words a framework runner's handler does not judge: the program's own fallback, then its knowledge file
    (`mix hex.publish`, `dotnet nuget push`: knowledge/clis/package-pushers.toml)."""
    _p.unknown_program(a, cmd, scope)
    from . import clis

    if cmd.name in clis.index():
        clis.handler(a, cmd, scope)


@handles("dotnet")
def dotnet(a, cmd, scope):
    ops = [x for x in cmd.args if not x.startswith("-")]
    if ops[:3] == ["ef", "database", "drop"]:
        framework(a, cmd, scope, "reset", "ef database drop", cmd.args)
    elif ops[:3] == ["ef", "database", "update"]:
        if ops[3:4] == ["0"]:
            framework(a, cmd, scope, "reset", "ef database update 0", cmd.args,
                      note="migration 0 rolls back every migration")
        else:
            framework(a, cmd, scope, "migrate", "ef database update", cmd.args)
    elif not ops or ops[0] != "ef":
        _rest_of_runner(a, cmd, scope)


dotnet.knowledge_fallback = True  # what it does not judge goes to its knowledge file (`dotnet nuget push`)


# --- ORM one-liners (rails runner, manage.py shell -c, artisan tinker) ------------------------------------

_ORM_ALL = _LazyRe(r"\b([A-Z]\w*)(?:\.objects(?:\.all\(\))?|\.all|\.unscoped|::query\(\))?\s*"
                      r"(?:\.|->)\s*(delete_all|destroy_all|delete\(\)|truncate\(\))")
_ORM_SQL = _LazyRe(r"\b(?:execute|exec_query|exec_delete|statement|unprepared|raw)\s*\(\s*(?:[rRbBuU]?)"
                      r"(['\"])((?:(?!\1).)+)\1")


def orm_code(a, cmd, scope, language, code):
    """Code a framework console runs: the language's own analysis, plus the ORM calls that
    wipe a table (``User.delete_all``, ``Model.objects.all().delete()``) and raw SQL strings."""
    if language in ("python", "ruby", "php"):
        _p.inline_code(a, language, code, cmd, scope)
    tgt = _resolve_target(a, cmd, Target(None, None))
    tgt.env = tgt.env or _task_env(a, cmd, scope, cmd.args)
    for m in _ORM_ALL.finditer(code):
        rule = "db.delete-all"  # in prod: db.wipe-table-prod (the engine's weighing)
        if S.is_backup_name(m.group(1)):
            rule = "db.backup-table"
        _emit(a, rule, cmd, target=m.group(1), effect="delete", environment=tgt.env,
               note=f"{m.group(0)} deletes every row")
    for m in _ORM_SQL.finditer(code):
        run_sql(a, cmd, scope, m.group(2), None, tgt)


# ORM calls in any program's code that drop the whole schema or empty a model's table (the data-layer
# equivalents of `rails db:reset` and `DELETE FROM t`), as (regex, what it does)
_ORM_SCHEMA_WIPES = (
    (_LazyRe(r"\b(?:metadata|db)\s*\.\s*drop_all\s*\("), "SQLAlchemy drop_all drops every table"),
    (_LazyRe(r"\.\s*sync\s*\(\s*\{[^}]*\bforce\s*:\s*true"), "Sequelize sync({force: true}) drops and recreates every table"),
    (_LazyRe(r"\.\s*(?:synchronize\s*\(\s*true\s*\)|dropDatabase\s*\(\s*\)|dropSchema\s*\()"),
     "TypeORM drops the schema"),
    (_LazyRe(r"call_command\s*\(\s*['\"](?:flush|reset_db|sqlflush)['\"]"), "Django's flush empties every table"),
    (_LazyRe(r"\bmigrate\s*\.\s*rollback\s*\([^)]*\btrue\b|\bdowngrade\s*\([^)]*['\"]base['\"]"),
     "rolls every migration back"),
)
_ORM_MODEL_WIPE = _LazyRe(r"\b(?:prisma|db|client)\s*\.\s*(\w+)\s*\.\s*deleteMany\s*\(\s*(?:\{\s*\})?\s*\)"
                          r"|\.\s*(\w+)\s*\.\s*deleteMany\s*\(\s*(?:\{\s*\})?\s*\)")


def orm_inline(a, language, code, cmd, scope):
    """ORM calls in inline code (python -c, node -e, a script run): dropping every table is a framework
    reset (weighed by the environment), a model's deleteMany({}) / delete_all empties its table."""
    if not any(k in code for k in ("drop_all", "sync", "synchronize", "dropDatabase", "dropSchema", "call_command",
                                   "deleteMany", "delete_all", "destroy_all", ".delete()", "rollback", "downgrade")):
        return
    for rx, what in _ORM_SCHEMA_WIPES:
        m = rx.search(code)
        if m:
            framework(a, cmd, scope, "reset", m.group(0).strip()[:60], cmd.args, note=what)
            break
    tgt = _resolve_target(a, cmd, Target(None, None))
    env = tgt.env or _task_env(a, cmd, scope, cmd.args)
    seen = set()
    for m in list(_ORM_MODEL_WIPE.finditer(code)) + list(_ORM_ALL.finditer(code)):
        model = next((g for g in m.groups() if g), m.group(0))
        if model in seen:
            continue
        seen.add(model)
        _emit(a, "db.delete-all", cmd, target=model, effect="delete", environment=env,
              note=f"{m.group(0).strip()[:80]} deletes every row")


# --- SQL inside python -c / node -e code ------------------------------------------------------------------

_CODE_URL = _LazyRe(r"""(?:postgres(?:ql)?|mysql|mariadb|cockroachdb)(?:\+\w+)?://[^'"`\s)]+""")
_CODE_SQLITE = _LazyRe(r"""(?:sqlite3?\.connect|new\s+(?:Database|sqlite3\.Database)|better-sqlite3['"]\)\()\s*\(?\s*['"]([^'"]+)['"]""")
#: sqlite3.connect(os.environ['X'] + '/app.db'), os.getenv('X'), os.environ.get('X'), os.path.join(ENV, 'app.db'),
#: f"{os.environ['X']}/app.db", new Database(process.env.X + '/app.db'): a file under a directory the environment names
_ENV_REF = r"""(?:os\.environ\[['"](\w+)['"]\]|os\.(?:getenv|environ\.get)\(['"](\w+)['"][^)]*\)|process\.env\.(\w+)|ENV\[['"](\w+)['"]\])"""
_CODE_SQLITE_ENV = _LazyRe(r"""(?:sqlite3?\.connect|new\s+(?:Database|sqlite3\.Database))\s*\(\s*(?:f?['"]\{\s*"""
                           + _ENV_REF + r"""\s*\}([^'"]*)['"]|(?:os\.path\.join\(\s*)?""" + _ENV_REF
                           + r"""\s*(?:\+|,)\s*['"]([^'"]+)['"])""")
_CODE_ENV = _LazyRe(r"""\b([A-Z][A-Z0-9_]*(?:DATABASE_URL|_URL|_DSN|_URI))\b""")


def inline_sql(a, language, code, cmd, scope):
    """Judge the SQL that inline code hands to a database driver (``S.sql_from_code``), against
    the database the code connects to: a URL literal, an SQLite file, or ``$DATABASE_URL``-style
    variables from the hook's environment or the project's .env files."""
    try:
        found = S.sql_from_code(language, code)
    except Exception as e:  # never crash the hook
        _emit(a, "db.sql-unseen", cmd, effect="run", note=f"could not read the SQL in the code: {type(e).__name__}")
        return
    if not found:
        return
    url = file = None
    m = _CODE_URL.search(code)
    if m:
        url = m.group(0)
    else:
        m = _CODE_SQLITE.search(code)
        me = None if m else _CODE_SQLITE_ENV.search(code)
        if m:
            file = m.group(1)
        elif me:
            g = me.groups()
            name = next(x for x in g[:4] + g[5:9] if x)
            rest = g[4] if any(g[:4]) else g[9]
            base = _var(a, cmd, scope, name)
            if base:  # the directory the variable names in the hook's environment (or the command's own)
                file = base.rstrip("/") + "/" + rest.lstrip("/")
        else:
            for name in _CODE_ENV.findall(code):
                v = _var(a, cmd, scope, name, dotenv=True)
                if v:
                    url = v
                    break
    if file and file != ":memory:":
        try:
            file = P.resolve(file, a._scope_ctx(scope)) or file
        except Exception:
            pass
        if _p.check_read(a, cmd, file, scope):
            return  # Interlock's approvals database, or a file that holds secrets
        tgt = _resolve_target(a, cmd, Target(None, posixpath.basename(file), file=file))
    else:
        tgt = _resolve_target(a, cmd, Target(None, None, url), implicit_local=bool(file))
    dialect = "sqlite" if file else ("mysql" if url and url.startswith(("mysql", "mariadb")) else
                                     "postgres" if url else None)
    for sql, line in found:
        run_sql(a, cmd, scope, sql, dialect, tgt, source=(f"{language} code", line - 1))


__all__ = ["HANDLERS", "parse", "parse_url", "run_sql", "Target", "inline_sql"]


# --- warehouse and edge-database CLIs (knowledge in analysis/warehouses.toml) ---------------------------

_WAREHOUSES = None


def warehouses():
    """{program: spec} from ``analysis/warehouses.toml`` (aliases included), loaded once."""
    global _WAREHOUSES
    if _WAREHOUSES is None:
        import os
        import tomllib

        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "warehouses.toml")
        with open(path, "rb") as f:
            raw = tomllib.load(f)
        table = {}
        for name, spec in raw.get("programs", {}).items():
            for cmd_spec in spec.get("command", []):
                cmd_spec["_paths"] = [list(p) for p in cmd_spec.get("paths", [])] or [list(cmd_spec.get("path", []))]
            table[name] = spec
            for alias in spec.get("aliases", []):
                table[alias] = spec
        _WAREHOUSES = table
    return _WAREHOUSES


def _warehouse_match(spec, ops):
    """The command entry whose subcommand path the operands start with (the longest), and the rest."""
    best, rest = None, None
    for c in spec.get("command", []):
        for p in c["_paths"]:
            if ops[:len(p)] == p and (best is None or len(p) > best[1]):
                best, rest = (c, len(p)), ops[len(p):]
    return (best[0], rest) if best else (None, None)


def warehouse(a, cmd, scope):
    """bq, snowsql, dbsqlcli, databricks, wrangler, sqlcmd, turso: the SQL they run is judged as SQL (``run_sql``),
    their plain delete verbs by the rule their entry names, both weighed by the target's environment; a cloud
    CLI among them (bq) is also read for safeguards it turns off (shell/exposure.py: a table's expiry)."""
    _warehouse(a, cmd, scope)
    from . import exposure

    if cmd.name in exposure.programs():
        exposure.judge(a, cmd, scope)


def _warehouse(a, cmd, scope):
    spec = warehouses().get(cmd.name)
    if spec is None or _help(cmd.args):
        return
    flags, vals, ops = parse(cmd.args, short=spec.get("short", ""), long=tuple(spec.get("long", ())))
    # `wrangler kv:namespace delete` and `--recursive=true`: values of boolean flags given with '='
    for k, v in vals:
        if v.lower() in ("true", "1", "yes"):
            flags.add(k)
        elif v.lower() in ("false", "0", "no"):
            flags.discard(k)
    c, rest = _warehouse_match(spec, ops)
    if c is None:
        from . import clis

        if cmd.name in clis.index():  # `wrangler deploy`: what the tool's knowledge file says of the rest
            clis.handler(a, cmd, scope)
        else:  # a subcommand the catalogue does not name, given destructive SQL (`databricks api post … --json`)
            clis.sql_arguments(a, cmd, scope)
        return
    if any(f in flags or f in dict(vals) for f in c.get("dry_run", ())):
        return
    # where: the target's name and the flags that say where it runs
    names = [v for k, v in vals if k in spec.get("target_options", ())]
    ti = c.get("target_operand")
    if ti is not None and len(rest) > ti:
        names.insert(0, rest[ti])
    # the policy's word on the name, then a flag that says where it runs, then a production name
    known = [x for x in names if U not in x]
    env = next((e for e in (a.environment_of("database", x) or a.environment_of("host", x) for x in known) if e),
               None)
    if env is None:
        env = next((e for flag, e in spec.get("env_flags", {}).items() if flag in flags), None)
    if env is None and any(S.is_prod_name(x) for x in known):
        env = "prod"
    assumed = env is None  # only the catalogue's default for where this service runs: not resolved
    if env is None:
        env = c.get("default_env") or spec.get("env")
    tgt = Target(None, names[0] if names else None)
    tgt.env = env
    tgt.label = f"{cmd.name} " + (names[0].replace(U, "$?") if names else "")
    tgt.label = tgt.label.strip()
    dialect = spec.get("dialect")
    if c.get("rule"):
        rule = c["rule"]
        for flag, stronger in c.get("rule_flags", {}).items():
            if flag in flags:
                rule = stronger
        if rule == "db.drop-database" and tgt.scratch:
            rule = "db.drop-test-database"
        shown = " ".join(_show_word(x) for x in rest) or tgt.label
        # a hosted service's object deleted where its environment was not resolved: weighed as unresolved
        # (production's decisions, not escalated to infra.delete-prod), as every other CLI's delete is
        _emit(a, rule, cmd, target=f"{cmd.name} {shown}".strip(), effect=c.get("effect", "delete"),
              environment=None if assumed and rule.startswith("infra.") and env == "prod" else env)
        return
    if c.get("overwrite_flags") and any(x in flags for x in c["overwrite_flags"]):
        where = c.get("overwrite_target")
        table = _get(vals, where) if isinstance(where, str) else (
            rest[where] if isinstance(where, int) and -len(rest) <= where < len(rest) else None)
        rule = c.get("overwrite_rule", "db.truncate")  # in production: weighing.IN_PROD → db.wipe-table-prod
        _emit(a, rule, cmd, target=f"{cmd.name} {_show_word(table or tgt.label or '')}".strip(),
              effect="overwrite", environment=env, note="replaces the table's rows")
    done = False
    for k, v in vals:
        if k in c.get("sql_options", ()):
            run_sql(a, cmd, scope, v, dialect, tgt)
            done = True
        elif k in c.get("sql_files", ()):
            run_file(a, cmd, scope, v, dialect, tgt)
            done = True
    if c.get("sql_operands"):
        sql = rest[(ti + 1) if ti is not None else 0:]
        if sql:
            run_sql(a, cmd, scope, " ".join(sql), dialect, tgt)
            done = True
    if not done and c.get("stdin"):
        run_stdin(a, cmd, scope, dialect, tgt)


def _show_word(x):
    return x.replace(U, "$?")


warehouse.knowledge_fallback = True  # what warehouses.toml does not name goes to the tool's knowledge file
for _name in ("bq", "snowsql", "dbsqlcli", "databricks", "wrangler", "sqlcmd", "turso"):
    HANDLERS[_name] = warehouse
