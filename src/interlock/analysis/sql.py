"""What SQL statements do: pure classification, no I/O.

``classify(sql, dialect)`` splits a script into statements (quote-, comment- and
dollar-quote-aware, with the client's own meta-commands: psql ``\\...``, sqlite
``.read``, mysql ``source``/``DELIMITER``) and judges each one.

Two layers:

* A small tokenizer judges statements by their keywords.  Strings and comments are
  tokens of their own, so ``SELECT 'DROP TABLE x'`` and ``-- DROP TABLE x`` stay
  reads.  DDL and admin statements (DROP, TRUNCATE, ALTER, GRANT, DROP OWNED,
  ALTER SYSTEM, DO, EXPLAIN ANALYZE, CQL ...) are judged here: sqlglot parses many
  of them only as an opaque ``Command``.
* sqlglot (a real multi-dialect parser, imported only when needed: ~75 ms import,
  ~3 ms first parse per dialect, ~0.3 ms after) judges the statements where
  structure matters: DELETE / UPDATE / MERGE and DML hidden in CTEs or EXPLAIN
  ANALYZE, where the WHERE clause decides between ``write`` (selective) and
  ``destructive`` (missing or always true: ``1=1``, ``true``, ``id IS NOT NULL``,
  ``id > 0``, ``... OR 1=1``).  When sqlglot cannot parse a statement the keyword
  layer judges it conservatively and says so in the statement's notes.

Every statement comes back as a ``Stmt`` (reads too); ``rule`` names the Interlock
rule it hits (``None`` for reads).  The handlers in ``analysis/shell/databases.py``
turn them into findings and apply what only they know (environment, host).
"""

from __future__ import annotations

import re

from ..lazyre import LazyRe as _LazyRe
from ..memo import recall, table


U = "\x00"                   # interlock.analysis.paths.UNKNOWN_MARK (kept literal: no imports on the hook path)
UNKNOWN_WORD = "__unknown__"  # what U becomes inside SQL text

READ, WRITE, DESTRUCTIVE, CATASTROPHIC, OPAQUE = "read", "write", "destructive", "catastrophic", "opaque"

#: rule id → severity (mirrors interlock.rules_db; kept here so this module stays import-free)
SEVERITY = {
    "db.drop-database": CATASTROPHIC,
    "db.drop-test-database": DESTRUCTIVE,
    "db.drop-schema": DESTRUCTIVE,
    "db.drop-schema-cascade": CATASTROPHIC,
    "db.drop-owned": CATASTROPHIC,
    "db.drop-table": DESTRUCTIVE,
    "db.drop-object": DESTRUCTIVE,
    "db.drop-extension-cascade": CATASTROPHIC,
    "db.drop-many-tables": CATASTROPHIC,
    "db.truncate": DESTRUCTIVE,
    "db.truncate-cascade": CATASTROPHIC,
    "db.delete-all": DESTRUCTIVE,
    "db.update-all": DESTRUCTIVE,
    "db.change-unbounded": DESTRUCTIVE,
    "db.alter-drop": DESTRUCTIVE,
    "db.grant-broad": DESTRUCTIVE,
    "db.disable-trigger": DESTRUCTIVE,
    "db.redefine-operator": DESTRUCTIVE,
    "db.terminate-backend": DESTRUCTIVE,
    "db.backup-table": CATASTROPHIC,
    "db.replication": CATASTROPHIC,
    "db.alter-system": CATASTROPHIC,
    "db.drop-user": DESTRUCTIVE,
    "db.dynamic-sql": OPAQUE,
    "db.sql-unseen": OPAQUE,
    "db.restore-clean": DESTRUCTIVE,
    "db.write": WRITE,
    "db.rename-table": DESTRUCTIVE,
    "db.heavy-maintenance": DESTRUCTIVE,
    "db.server-setting": DESTRUCTIVE,
    "sys.service-stop": DESTRUCTIVE,
}

MAX_PARSES = 300          # sqlglot parses per classify() call; beyond, keywords only
MAX_BODY_DEPTH = 4        # DO bodies / EXECUTE strings / EXPLAIN ANALYZE nesting
MANY_TABLES = 3           # this many tables emptied or dropped by one script is "at scale"


class Stmt:
    """One statement's judgement (a plain class: dataclasses cost ~10 ms to import on the hook path)."""

    __slots__ = ("kind", "effect", "severity", "rule", "target", "evidence", "notes", "line", "tables", "shell",
                 "include", "output", "database")

    def __init__(self, kind, effect, severity, rule, target=None, evidence="", notes=None, line=0, tables=(),
                 shell=(), include=None, output=None, database=None):
        self.kind = kind                # select, insert, update, delete, drop, truncate, create, alter, grant, ...
        self.effect = effect            # read, write, drop, delete, truncate, update, alter, grant, run, include, ...
        self.severity = severity
        self.rule = rule
        self.target = target
        self.evidence = evidence
        self.notes = notes if notes is not None else []
        self.line = line                # 0-based line of the statement in the input
        self.tables = tables            # tables whose rows this statement removes (drop / truncate / delete-all)
        self.shell = shell              # shell commands it runs (COPY ... PROGRAM, \\!, .shell, system)
        self.include = include          # a file it runs (\\i, .read, source)
        self.output = output            # a file it writes (\\o, .output, .save, .backup)
        self.database = database        # database it switches to (USE, \\c)

    def __eq__(self, other):
        return isinstance(other, Stmt) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def copy(self) -> "Stmt":
        c = Stmt.__new__(Stmt)
        for k in self.__slots__:
            v = getattr(self, k)
            setattr(c, k, list(v) if isinstance(v, list) else v)
        return c

    def __repr__(self):
        return (f"Stmt({self.kind}/{self.effect}, {self.severity}, {self.rule}, target={self.target!r}, "
                f"{self.evidence!r}{', notes=' + repr(self.notes) if self.notes else ''})")


def _mk(kind, effect, rule, target=None, notes=None, tables=(), severity=None):
    return Stmt(kind, effect, severity or (SEVERITY[rule] if rule else READ), rule, target,
                notes=list(notes or ()), tables=tuple(tables))


# --- names that change the weight of a statement ------------------------------------------

_BACKUP = _LazyRe(r"(?i)(backup|audit|_bak$|^bak_)")
_SCRATCH = _LazyRe(r"(?i)(?<![a-z])(test|tests|testing|tmp|temp|scratch|dev|devel|development|local|ci|e2e|"
                      r"sandbox|demo|example)(?![a-z])")
_PROD = _LazyRe(r"(?i)(?<![a-z])(prod|production|prd|live)(?![a-z])")
_KEY_COLUMNS = {"id", "uuid", "pk", "rowid", "oid", "_id", "ctid", "_rowid_"}


def is_backup_name(name: str | None) -> bool:
    """Tables and databases that hold backups or an audit trail."""
    return bool(name) and bool(_BACKUP.search(name.rsplit(".", 1)[-1].strip('"`[]')))


def is_prod_name(name: str | None) -> bool:
    return bool(name) and bool(_PROD.search(name))


def is_scratch_name(name: str | None) -> bool:
    """Database names that say they are for tests or local development (never when they also say prod)."""
    return bool(name) and not is_prod_name(name) and bool(_SCRATCH.search(name))


# --- tokenizer -----------------------------------------------------------------------------

class Tok:
    __slots__ = ("t", "v", "pos")

    def __init__(self, t, v, pos):
        self.t, self.v, self.pos = t, v, pos    # t: w word, q quoted name, s string, n number, p punct, v param

    @property
    def up(self):
        return self.v.upper() if self.t == "w" else ""

    def __repr__(self):
        return f"{self.t}:{self.v}"


class Piece:
    """One statement (or client meta-command) of a script."""

    __slots__ = ("kind", "raw", "toks", "line", "meta", "arg", "sent_by")

    def __init__(self, kind, raw, toks, line, meta=None, arg="", sent_by=None):
        self.kind, self.raw, self.toks, self.line = kind, raw, toks, line
        self.meta, self.arg, self.sent_by = meta, arg, sent_by


_WORD_START = _LazyRe(r"[A-Za-z_\x80-\uffff]")
_WORD = _LazyRe(r"[A-Za-z0-9_$#@\x80-\uffff]*")
_NUM = _LazyRe(r"\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+")
_DOLLAR = _LazyRe(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_OPS = ("<>", "!=", ">=", "<=", "::", "||", "->>", "->", "=>", ":=")


def _scan_quoted(text, j, close, backslash, doubled):
    """Read a quoted string or identifier from ``text[j]`` to its ``close`` quote.

    Returns (content, index of the closing quote (or len(text)), newlines inside).
    ``backslash``: \\x escapes the next character; ``doubled``: a doubled quote is one quote.
    """
    n = len(text)
    buf = []
    lines = 0
    while j < n:
        ch = text[j]
        if ch == "\\" and backslash and j + 1 < n:
            buf.append(text[j + 1])
            j += 2
            continue
        if ch == close:
            if doubled and text.startswith(close * 2, j):
                buf.append(close)
                j += 2
                continue
            break
        if ch == "\n":
            lines += 1
        buf.append(ch)
        j += 1
    return "".join(buf), j, lines


def split(text: str, dialect: str | None = None, backslash: bool = False) -> list[Piece]:
    """Split a script into statements and meta-commands.  ``backslash``: read ``'...'`` strings as
    PostgreSQL does with ``standard_conforming_strings = off`` (a backslash escapes the next character)."""
    text = text.replace(U, UNKNOWN_WORD)
    pieces: list[Piece] = []
    toks: list[Tok] = []
    n = len(text)
    i = 0
    start = None
    line = 0
    start_line = 0
    delim = ";"
    mysql = dialect in ("mysql", "mariadb")
    backslash_strings = mysql or dialect in ("clickhouse", "cql") or backslash
    dq_string = mysql
    brackets = dialect in ("sqlite", "tsql")
    in_exec_comment = False

    def flush(end, sent_by=None):
        nonlocal toks, start
        if toks:
            pieces.append(Piece("sql", text[start:end].strip(), toks, start_line, sent_by=sent_by))
        toks = []
        start = None

    def add(t, v, pos):
        nonlocal start, start_line
        if start is None:
            start = pos
            start_line = line
        toks.append(Tok(t, v, pos))

    def at_line_start(pos):
        j = pos - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        return j < 0 or text[j] == "\n"

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c in " \t\r\f":
            i += 1
            continue
        # statement delimiter
        if delim != ";" and text.startswith(delim, i):
            flush(i)
            i += len(delim)
            continue
        if c == ";" and delim == ";":
            if toks and ((dialect in ("sqlite", None) and _in_trigger_body(toks)) or _in_atomic_body(toks)):
                add("p", ";", i)
                i += 1
                continue
            flush(i)
            i += 1
            continue
        # comments
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "#" and mysql:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            if mysql and text.startswith("/*!", i):
                j = i + 3
                while j < n and text[j].isdigit():
                    j += 1
                i = j
                in_exec_comment = True
                continue
            depth = 1
            j = i + 2
            while j < n and depth:
                if text.startswith("*/", j):
                    depth -= 1
                    j += 2
                elif text.startswith("/*", j) and dialect == "postgres":
                    depth += 1
                    j += 2
                else:
                    if text[j] == "\n":
                        line += 1
                    j += 1
            i = j
            continue
        if c == "*" and in_exec_comment and text.startswith("*/", i):
            in_exec_comment = False
            i += 2
            continue
        # client meta-commands
        if c == "\\" and dialect in ("postgres", "mysql", "mariadb"):
            j = text.find("\n", i)
            j = n if j < 0 else j
            m = re.match(r"\\([A-Za-z]+|[!.?;])", text[i:j])
            name = m.group(1) if m else ""
            arg = text[i + 1 + len(name):j].strip()
            if dialect == "postgres":
                # `\\` separates meta-commands on one line; psql args end there
                if "\\\\" in arg:
                    arg = arg.split("\\\\", 1)[0].strip()
                if name.startswith("g") and name not in ("gset",) or name == ";":
                    if not toks and name == "gexec" and pieces and pieces[-1].kind == "sql":
                        pieces[-1].sent_by = "\\gexec"
                    flush(i, sent_by="\\" + name)
                    i = i + 1 + len(name)
                    continue
            else:
                if name in ("g", "G"):
                    flush(i)
                    i += 2
                    continue
                if name == "c":       # clear the buffer
                    toks = []
                    start = None
                    i += 2
                    continue
            flush(i)
            pieces.append(Piece("meta", text[i:j].strip(), [], line, meta="\\" + name, arg=arg))
            i = j
            continue
        if c == "." and dialect in ("sqlite", "duckdb") and not toks and at_line_start(i) \
                and i + 1 < n and text[i + 1].isalpha():
            j = text.find("\n", i)
            j = n if j < 0 else j
            m = re.match(r"\.(\w+)", text[i:j])
            pieces.append(Piece("meta", text[i:j].strip(), [], line, meta="." + m.group(1),
                                arg=text[i + len(m.group(0)):j].strip()))
            i = j
            continue
        if mysql and not toks and at_line_start(i):
            m = re.match(r"(?i)(delimiter|source|system)\b[ \t]*", text[i:i + 20])
            if m:
                j = text.find("\n", i)
                j = n if j < 0 else j
                arg = text[i + len(m.group(0)):j].strip()
                word = m.group(1).lower()
                if word == "delimiter":
                    delim = arg.split()[0] if arg.split() else ";"
                else:
                    if arg.endswith(delim):
                        arg = arg[:-len(delim)].rstrip()
                    pieces.append(Piece("meta", text[i:j].strip(), [], line, meta=word, arg=arg))
                i = j
                continue
        if dialect == "tsql" and not toks and at_line_start(i) and re.match(r"(?i)go[ \t]*(\r?\n|$)", text[i:i + 6]):
            i += 2
            continue
        if dialect == "tsql" and toks and at_line_start(i) and re.match(r"(?i)go[ \t]*(\r?\n|$)", text[i:i + 6]):
            flush(i)
            i += 2
            continue
        # strings
        if c == "'" or (c in "eE" and text.startswith("'", i + 1) and dialect in ("postgres", None)):
            esc = backslash_strings or c in "eE"
            body, j, nl = _scan_quoted(text, i + (2 if c != "'" else 1), "'", esc, True)
            line += nl
            add("s", body, i)
            i = j + 1
            continue
        if c == '"' or c == "`" or (c == "[" and brackets):
            close = "]" if c == "[" else c
            body, j, nl = _scan_quoted(text, i + 1, close, dq_string and c == '"', close != "]")
            line += nl
            add("s" if (c == '"' and dq_string) else "q", body, i)
            i = j + 1
            continue
        if c == "$":
            m = _DOLLAR.match(text, i)
            prev_word = i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
            if m and not prev_word:
                tag = m.group(0)
                j = text.find(tag, m.end())
                j = n if j < 0 else j
                body = text[m.end():j]
                line += body.count("\n")
                add("s", body, i)
                toks[-1].t = "$"
                i = j + len(tag)
                continue
            m = re.match(r"\$\d+", text[i:])
            if m:
                add("v", m.group(0), i)
                i += len(m.group(0))
                continue
        # words, numbers, params
        if _WORD_START.match(c):
            m = _WORD.match(text, i + 1)
            add("w", text[i:m.end()], i)
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUM.match(text, i)
            add("n", m.group(0), i)
            i = m.end()
            continue
        if c == ":" and i + 1 < n and not text.startswith("::", i) and not (i > 0 and text[i - 1] == ":"):
            m = re.match(r":(['\"]?)([A-Za-z_]\w*)\1", text[i:])
            if m:
                add("v", m.group(0), i)
                i += len(m.group(0))
                continue
        if c == "@":
            m = re.match(r"@@?[\w.$]+", text[i:])
            if m:
                add("v", m.group(0), i)
                i += len(m.group(0))
                continue
        if c == "?":
            add("v", "?", i)
            i += 1
            continue
        for op in _OPS:
            if text.startswith(op, i):
                add("p", op, i)
                i += len(op)
                break
        else:
            add("p", c, i)
            i += 1
    flush(n)
    return pieces


def _in_trigger_body(toks):
    """sqlite: `CREATE TRIGGER ... BEGIN stmt; stmt; END;` is one statement."""
    if not toks or toks[0].up != "CREATE":
        return False
    head = [t.up for t in toks[:5]]
    if "TRIGGER" not in head:
        return False
    ups = [t.up for t in toks]
    if "BEGIN" not in ups:
        return False
    return ups[-1] != "END"


def _in_atomic_body(toks):
    """PostgreSQL: `CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC stmt; stmt; END` is one statement."""
    if toks[0].up != "CREATE":
        return False
    ups = [t.up for t in toks]
    for i in range(1, len(ups) - 1):
        if ups[i] == "BEGIN" and ups[i + 1] == "ATOMIC":
            rest = ups[i + 2:]
            return 1 + rest.count("CASE") - rest.count("END") > 0
    return False


# --- token helpers -----------------------------------------------------------------------

def _name_at(toks, i):
    """Read a (qualified) name starting at toks[i] → (name, next index)."""
    parts = []
    while i < len(toks) and toks[i].t in ("w", "q", "v", "s"):
        if toks[i].t == "s" and not parts:
            # mysql 'user'@'host' style names
            parts.append(toks[i].v)
        elif toks[i].t == "s":
            break
        else:
            parts.append(toks[i].v)
        i += 1
        if i < len(toks) and toks[i].t == "p" and toks[i].v == "." and i + 1 < len(toks):
            i += 1
            continue
        break
    return ".".join(parts), i


def _names(toks, i, stop=()):
    """Comma-separated names (skipping parenthesised argument lists) → (names, next index)."""
    out = []
    while i < len(toks):
        t = toks[i]
        if t.up in stop:
            break
        if t.t in ("w", "q", "v"):
            name, i = _name_at(toks, i)
            out.append(name)
            continue
        if t.t == "p" and t.v == "(":
            depth = 0
            while i < len(toks):
                if toks[i].t == "p" and toks[i].v == "(":
                    depth += 1
                elif toks[i].t == "p" and toks[i].v == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
            continue
        if t.t == "p" and t.v in (",", "*"):
            i += 1
            continue
        break
    return out, i


def _skip(toks, i, *words):
    while i < len(toks) and toks[i].up in words:
        i += 1
    return i


def _show(name):
    return name.replace(UNKNOWN_WORD, "$?") if name else name


def _evidence(raw, limit=160):
    s = " ".join(raw.replace(UNKNOWN_WORD, "$?").split())
    return s if len(s) <= limit else s[:limit - 3] + "..."


def _top_words(toks):
    """Uppercase words outside parentheses, with their index."""
    depth = 0
    for i, t in enumerate(toks):
        if t.t == "p" and t.v == "(":
            depth += 1
        elif t.t == "p" and t.v == ")":
            depth -= 1
        elif depth == 0 and t.t == "w":
            yield i, t.up


_SQLGLOT_DIALECT = {"postgres": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite",
                    "clickhouse": "clickhouse", "duckdb": "duckdb", "tsql": "tsql", "snowflake": "snowflake",
                    "bigquery": "bigquery"}


# --- classification ----------------------------------------------------------------------

class _Ctx:
    def __init__(self, dialect):
        self.dialect = dialect
        self.parses = 0
        self.depth = 0
        self.backslash = False   # standard_conforming_strings = off
        self.body = 0            # inside a function / rule / trigger body (NEW.x, OLD.x, variables are values)


def classify(sql: str, dialect: str | None = None) -> list[Stmt]:
    """Judge every statement of ``sql``.  ``dialect``: postgres, mysql, sqlite, duckdb,
    clickhouse, cql, tsql or None (generic).  A pure function of its arguments: a statement
    seen again (``psql -c`` rerun, an ORM's repeated query) is answered from a memo, as copies."""
    if len(sql) > 16384:
        return _classify_all(sql, dialect)
    got = recall(_MEMO, (sql, dialect), lambda: tuple(_classify_all(sql, dialect)), 256)
    return [st.copy() for st in got]


_MEMO = table()


def _classify_all(sql, dialect):
    ctx = _Ctx(dialect)
    out = _classify(sql, ctx)
    if dialect in ("postgres", None) and "\\" in sql:
        # with standard_conforming_strings = off (a session can set it: SET, set_config, options,
        # ALTER ROLE ... SET) a backslash escapes a quote, and the same text holds other statements:
        # judged both ways, so neither reading hides one
        alt = _Ctx(dialect)
        alt.backslash = True
        seen = {(st.rule, st.target) for st in out}
        for st in _classify(sql, alt):
            if st.rule and st.severity in (DESTRUCTIVE, CATASTROPHIC, OPAQUE) and (st.rule, st.target) not in seen:
                st.notes.append("read as the server reads it when standard_conforming_strings is off "
                                "(a backslash escapes the quote after it)")
                out.append(st)
                seen.add((st.rule, st.target))
    _many_tables(out)
    return out


def _classify(sql, ctx, line_offset=0):
    out: list[Stmt] = []
    tx_start = None
    for p in split(sql, ctx.dialect, ctx.backslash):
        if p.kind == "meta":
            st = _meta(p, ctx)
            if st is not None:
                st.line = p.line + line_offset
                out.append(st)
            continue
        stmts = _statement(p, ctx)
        if p.sent_by == "\\gexec":
            stmts += _dynamic(_fragments(p.toks), ctx,
                              "\\gexec runs every value the query returns as SQL", p.raw)
        for st in stmts:
            st.line = p.line + line_offset
            if not st.evidence:
                st.evidence = _evidence(p.raw)
            out.append(st)
        head = p.toks[0].up if p.toks else ""
        if head in ("BEGIN", "START") and (len(p.toks) == 1 or p.toks[1].up in ("TRANSACTION", "WORK", "ISOLATION",
                                                                                  "READ", "DEFERRED", "IMMEDIATE",
                                                                                  "EXCLUSIVE")):
            tx_start = len(out)
        elif head in ("COMMIT", "END"):
            tx_start = None
        elif head in ("ROLLBACK", "ABORT") and not any(t.up == "TO" for t in p.toks):
            if tx_start is not None:
                for st in out[tx_start:]:
                    if st.rule and st.severity != READ:
                        st.notes.append("inside BEGIN ... ROLLBACK: judged as if it ran (the rollback may "
                                        "never be reached, and some effects are not transactional)")
            tx_start = None
    return out


def _many_tables(out):
    tables = []
    for st in out:
        for t in st.tables:
            if t not in tables:
                tables.append(t)
    if len(tables) >= MANY_TABLES:
        shown = ", ".join(_show(t) for t in tables[:6]) + (f", ... ({len(tables)} tables)" if len(tables) > 6 else "")
        st = _mk("many-tables", "drop", "db.drop-many-tables", shown,
                 [f"{len(tables)} tables emptied or dropped at once"])
        st.evidence = shown
        st.line = next((s.line for s in out if s.tables), 0)
        out.append(st)


# --- meta-commands of the clients ------------------------------------------------------

def _unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _meta(p, ctx):
    m, arg = p.meta, p.arg
    ev = _evidence(p.raw)
    st = None
    if m in ("\\i", "\\ir", "\\include", "\\include_relative", "\\.", "source", ".read"):
        st = _mk("meta", "include", None)
        st.include = _unquote(arg.split()[0]) if arg.split() else None
        if m in ("\\ir", "\\include_relative"):
            st.notes.append("relative to the including file")
    elif m in ("\\!", "system", ".shell", ".system"):
        st = _mk("meta", "run", None)
        if arg:
            st.shell = (arg,)
    elif m in ("\\o", "\\out", ".output", ".once", ".save", ".backup", ".excel"):
        st = _mk("meta", "write-file", None)
        words = [w for w in arg.split() if not w.startswith("-")]
        if words:
            path = _unquote(words[-1])
            if path.startswith("|"):
                st.shell = (path[1:].strip(),)
            else:
                st.output = path
    elif m in ("\\copy",):
        return _copy_text(arg, ev, ctx)
    elif m == ".restore":
        st = _mk("meta", "restore", "db.restore-clean", None,
                 ["restores a backup file over the database, replacing every table"])
    elif m in (".import",):
        st = _mk("meta", "write", "db.write", arg.split()[-1] if arg.split() else None)
    elif m in ("\\c", "\\connect", "\\u"):
        st = _mk("meta", "connect", None)
        words = arg.split()
        if words:
            st.database = _unquote(words[0])
    else:
        st = _mk("meta", "read", None)
    st.evidence = ev
    return st


def _copy_text(text, ev, ctx):
    """COPY / \\copy: FROM writes into a table, TO reads; PROGRAM runs a shell command."""
    toks = [t for p in split(text, ctx.dialect) for t in p.toks]
    return _copy(toks, ev)


def _copy(toks, ev):
    ups = [t.up for t in toks]
    target, _ = _name_at(toks, 1 if ups and ups[0] == "COPY" else 0)
    frm = "FROM" in ups
    shell = ()
    if "PROGRAM" in ups:
        k = ups.index("PROGRAM")
        if k + 1 < len(toks) and toks[k + 1].t in ("s", "$"):
            shell = (toks[k + 1].v,)
    if frm:
        st = _mk("copy", "write", "db.write", _show(target) or None)
    else:
        st = _mk("copy", "read", None, _show(target) or None)
    st.shell = shell
    if shell:
        st.notes.append("COPY ... PROGRAM runs a shell command on the database server")
    st.evidence = ev
    return st


# --- statements ---------------------------------------------------------------------------

_READ_HEADS = {"SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "VALUES", "TABLE", "PRAGMA", "LIST", "HELP",
               "USE", "LISTEN", "NOTIFY", "UNLISTEN", "FETCH", "MOVE", "CLOSE", "DECLARE", "DEALLOCATE", "DISCARD",
               "RESET", "SET", "PREPARE", "CHECKSUM", "CONSISTENCY", "PAGING", "TRACING", "EXISTS", "WATCH",
               "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "CHECK",
               "EXPAND", "COPY", "WITH"}
_WRITE_HEADS = {"INSERT", "UPSERT", "REPLACE", "MERGE", "CREATE", "ALTER", "RENAME", "COMMENT", "LOCK", "VACUUM",
                "ANALYZE", "ANALYSE", "REINDEX", "CLUSTER", "OPTIMIZE", "REFRESH", "CHECKPOINT", "CALL", "SECURITY",
                "IMPORT", "ATTACH", "DETACH", "EXCHANGE", "SYSTEM", "FLUSH", "INSTALL", "UNINSTALL", "REPAIR",
                "GRANT", "REVOKE", "UNDROP", "PURGE", "BATCH", "APPLY", "SYNC", "CACHE", "UNCACHE", "MSCK",
                "HANDLER", "DO", "EXECUTE", "EXEC", "PERFORM", "RAISE", "RETURN", "LOAD"}
_DML_WORDS = {"DELETE", "UPDATE", "INSERT", "MERGE", "UPSERT", "TRUNCATE", "DROP"}
_FUNC_RULES = {
    "PG_TERMINATE_BACKEND": ("db.terminate-backend", "terminates other sessions"),
    "PG_DROP_REPLICATION_SLOT": ("db.replication", "drops a replication slot (replicas and CDC lose their place)"),
    "PG_REPLICATION_ORIGIN_DROP": ("db.replication", "drops a replication origin"),
    "DBLINK_EXEC": ("db.dynamic-sql", "runs SQL on another database through dblink"),
    "LO_UNLINK": ("db.write", "deletes a large object"),
}
_SUPER_ROLES = {"POSTGRES", "RDS_SUPERUSER", "CLOUDSQLSUPERUSER", "AZURE_PG_ADMIN", "PG_WRITE_ALL_DATA",
                "PG_EXECUTE_SERVER_PROGRAM", "PG_WRITE_SERVER_FILES", "PG_READ_SERVER_FILES", "ROOT", "DBA",
                "SYSADMIN", "DB_OWNER", "SECURITYADMIN", "ACCOUNTADMIN"}


def _statement(p: Piece, ctx) -> list[Stmt]:
    toks = p.toks
    if not toks:
        return []
    head = toks[0].up
    if toks[0].t == "p" and toks[0].v == "(":
        # (SELECT ...) UNION ...
        head = next((t.up for t in toks if t.t == "w"), "")
    out: list[Stmt] = []
    if UNKNOWN_WORD in (toks[0].v if toks[0].t == "w" else ""):
        st = _mk("unknown", "run", "db.sql-unseen", None, ["the statement is only known when it runs"])
        return [st]
    if head == "DROP":
        out.append(_drop(toks, ctx))
    elif head == "TRUNCATE":
        out.append(_truncate(toks, ctx))
    elif head in ("DELETE", "UPDATE", "MERGE") or (
            head in ("WITH", "SELECT", "INSERT", "REPLACE", "UPSERT") and _hidden_dml(toks)):
        out.extend(_dml(p, ctx))
    elif head == "ALTER":
        out.append(_alter(toks, ctx))
    elif head in ("GRANT", "REVOKE"):
        out.append(_grant(toks))
    elif head == "CREATE":
        out.extend(_create(p, ctx))
    elif head == "COPY":
        out.append(_copy(toks, _evidence(p.raw)))
        inner = _paren_text(p, 1)
        if inner and ctx.depth < MAX_BODY_DEPTH:
            # COPY (DELETE ... RETURNING ...) TO STDOUT runs the statement
            ctx.depth += 1
            try:
                for st in _classify(inner, ctx):
                    if st.rule:
                        st.notes.append("COPY ( ... ) TO runs the statement")
                        out.append(st)
            finally:
                ctx.depth -= 1
    elif head == "EXPLAIN":
        out.extend(_explain(p, ctx))
    elif head == "DO":
        out.extend(_do(p, ctx))
    elif head in ("EXECUTE", "EXEC") or (head == "PREPARE" and len(toks) > 2):
        out.extend(_execute(p, ctx))
    elif head == "SET":
        out.append(_set(toks))
    elif head == "KILL":
        if len(toks) > 1 and toks[1].up == "QUERY":
            out.append(_mk("kill", "cancel", "db.write", None, ["cancels a running query"]))
        else:
            out.append(_mk("kill", "terminate", "db.terminate-backend", _show(toks[-1].v) if len(toks) > 1 else None))
    elif head == "RESET" and len(toks) > 1 and toks[1].up in ("MASTER", "BINARY", "REPLICA", "SLAVE"):
        out.append(_mk("reset", "delete", "db.replication", None,
                       ["deletes the binary logs / replication state"]))
    elif head == "SHUTDOWN":
        out.append(_mk("shutdown", "stop", "sys.service-stop", "database server"))
    elif head == "VACUUM" and any(t.up == "FULL" for t in toks[1:4]):
        name = next((t.v for t in toks[1:] if t.t == "w" and t.up not in ("FULL", "ANALYZE", "VERBOSE", "FREEZE")),
                    None)
        out.append(_mk("vacuum", "rewrite", "db.heavy-maintenance", _show(name) if name else None,
                       ["VACUUM FULL rewrites the table under an exclusive lock"]))
    elif head == "REINDEX" and len(toks) > 1 and toks[1].up in ("DATABASE", "SYSTEM"):
        out.append(_mk("reindex", "rewrite", "db.heavy-maintenance", _show(toks[2].v) if len(toks) > 2 else None,
                       [f"REINDEX {toks[1].up} rebuilds every index, locking tables as it goes"]))
    elif head == "RENAME" and len(toks) > 1 and toks[1].up == "TABLE":
        name, _ = _name_at(toks, 2)
        out.append(_mk("rename", "rename", "db.rename-table", _show(name) or None,
                       ["queries and applications that use the old name break"]))
    elif head == "INSERT" or head in ("UPSERT", "REPLACE"):
        out.append(_insert(toks))
    elif head == "USE":
        st = _mk("use", "read", None)
        st.database = _name_at(toks, 1)[0] or None
        out.append(st)
    elif head in _READ_HEADS:
        out.append(_mk(head.lower(), "read", None))
    elif head in _WRITE_HEADS:
        st = _mk(head.lower(), "write", "db.write", None)
        if head == "CALL":
            st.notes.append("runs a stored procedure whose body Interlock does not see")
        out.append(st)
    else:
        out.append(_mk("other", "write", None, None, [f"statement {head or '?'} not recognised"],
                       severity=WRITE))
    # functions that do things whatever statement calls them
    for i, t in enumerate(toks[:-1]):
        if t.t == "w" and toks[i + 1].t == "p" and toks[i + 1].v == "(":
            if t.up == "SET_CONFIG":
                args = toks[i + 2:i + 5]
                name = args[0] if args else None
                if name is None or name.t != "s" or name.v.strip().lower() in ("client_encoding", "names"):
                    val = args[2] if len(args) > 2 and args[1].v == "," else None
                    if name is None or name.t != "s" or val is None or val.t != "s" or ambiguous_encoding(val.v):
                        out.append(_encoding_stmt(val.v if val is not None else "a value known only when it runs",
                                                  "set_config()"))
            r = _FUNC_RULES.get(t.up)
            if r:
                st = _mk("function", t.v.lower(), r[0], None, [r[1]])
                out.append(st)
    return out


def _paren_text(p, i):
    """The raw text inside the parentheses opening at ``p.toks[i]`` (None when there are none)."""
    toks = p.toks
    if i >= len(toks) or toks[i].t != "p" or toks[i].v != "(":
        return None
    depth = 0
    for k in range(i, len(toks)):
        if toks[k].t == "p" and toks[k].v == "(":
            depth += 1
        elif toks[k].t == "p" and toks[k].v == ")":
            depth -= 1
            if depth == 0:
                base = toks[0].pos
                return p.raw[toks[i].pos - base + 1:toks[k].pos - base] if k > i + 1 else ""
    return p.raw[toks[i].pos - toks[0].pos + 1:] if i + 1 < len(toks) else ""


def _hidden_dml(toks):
    """DELETE / UPDATE / MERGE / DROP / TRUNCATE inside another statement (CTEs, subqueries),
    not ``ON DELETE``, ``FOR UPDATE``, ``ON CONFLICT DO UPDATE``, ``ON DUPLICATE KEY UPDATE``."""
    for i in range(1, len(toks)):
        if toks[i].up in ("DELETE", "UPDATE", "MERGE", "DROP", "TRUNCATE") and toks[i - 1].up not in (
                "ON", "FOR", "DO", "KEY", "NO", "OF"):
            return True
    return False


def _drop(toks, ctx) -> Stmt:
    i = 1
    temporary = False
    foreign = False
    while i < len(toks) and toks[i].up in ("TEMPORARY", "TEMP", "MATERIALIZED", "FOREIGN", "GLOBAL", "UNIQUE",
                                           "EXTERNAL", "DYNAMIC", "TRANSIENT", "SECURE"):
        if toks[i].up in ("TEMPORARY", "TEMP"):
            temporary = True
        if toks[i].up in ("FOREIGN", "EXTERNAL"):
            foreign = True
        i += 1
    kind = toks[i].up if i < len(toks) else ""
    if kind in ("EVENT", "ACCESS") and i + 1 < len(toks):
        i += 1
        kind = kind + " " + toks[i].up
    i = _skip(toks, i + 1, "CONCURRENTLY", "IF", "EXISTS", "BY")
    names, j = _names(toks, i, stop=("CASCADE", "RESTRICT", "ON", "FROM", "PURGE", "SYNC", "FORCE", "WITH"))
    rest = {t.up for t in toks[j:]}
    cascade = "CASCADE" in rest
    shown = ", ".join(_show(n) for n in names) or None
    mysql = ctx.dialect in ("mysql", "mariadb")
    if kind == "COLUMNFAMILY":
        kind = "TABLE"
    if kind in ("DATABASE", "KEYSPACE") or (kind == "SCHEMA" and mysql):
        if names and all(is_scratch_name(n) for n in names):
            return _mk("drop", "drop", "db.drop-test-database", shown,
                       ["the name marks it as a test / development database"])
        return _mk("drop", "drop", "db.drop-database", shown)
    if kind == "SCHEMA":
        if cascade or any(n.lower().rsplit(".", 1)[-1] == "public" for n in names):
            return _mk("drop", "drop", "db.drop-schema-cascade", shown,
                       ["CASCADE drops every table in the schema" if cascade else "the public schema holds the "
                        "application's tables"])
        return _mk("drop", "drop", "db.drop-schema", shown)
    if kind == "OWNED":
        return _mk("drop", "drop", "db.drop-owned", shown,
                   ["drops every object the role owns, in every schema"])
    if kind in ("USER", "ROLE", "GROUP", "LOGIN"):
        return _mk("drop", "drop", "db.drop-user", shown)
    if kind == "EXTENSION":
        if cascade:
            return _mk("drop", "drop", "db.drop-extension-cascade", shown,
                       ["CASCADE also drops every column, table and function that uses the extension"])
        return _mk("drop", "drop", "db.drop-object", shown and f"extension {shown}")
    if kind in ("TABLE", "COLLECTION", "DICTIONARY") and not temporary and not foreign:
        if any(is_backup_name(n) for n in names):
            return _mk("drop", "drop", "db.backup-table", shown, ["backup / audit data"], tables=names)
        notes = ["CASCADE also drops views and constraints that depend on it"] if cascade else []
        return _mk("drop", "drop", "db.drop-table", shown, notes, tables=names)
    if kind == "TABLE" and temporary:
        return _mk("drop", "drop", "db.write", shown, ["a temporary table"])
    if kind == "TABLE":
        kind = "FOREIGN TABLE"
    if kind in ("PARTITION",):
        return _mk("drop", "drop", "db.alter-drop", shown)
    return _mk("drop", "drop", "db.drop-object", shown and f"{kind.lower()} {shown}" if kind else shown)


def _truncate(toks, ctx) -> Stmt:
    i = _skip(toks, 1, "TABLE", "ONLY", "IF", "EXISTS")
    if i < len(toks) and toks[i].up in ("DATABASE", "KEYSPACE"):
        names, _ = _names(toks, i + 1)
        return _mk("truncate", "truncate", "db.drop-database", ", ".join(_show(n) for n in names) or None,
                   ["empties every table of the database"])
    if i < len(toks) and toks[i].up == "ALL":
        names, _ = _names(toks, _skip(toks, i + 1, "TABLES", "FROM", "IN"))
        return _mk("truncate", "truncate", "db.drop-many-tables", ", ".join(_show(n) for n in names) or None,
                   ["empties every table of the database"])
    names, j = _names(toks, i, stop=("CASCADE", "RESTRICT", "RESTART", "CONTINUE", "ON", "PARTITION", "SYNC",
                                     "SETTINGS"))
    shown = ", ".join(_show(n) for n in names) or None
    rest = {t.up for t in toks[j:]}
    if any(is_backup_name(n) for n in names):
        return _mk("truncate", "truncate", "db.backup-table", shown, ["backup / audit data"], tables=names)
    if "CASCADE" in rest:
        return _mk("truncate", "truncate", "db.truncate-cascade", shown,
                   ["CASCADE also empties every table that references it"], tables=names)
    return _mk("truncate", "truncate", "db.truncate", shown, tables=names)


def _insert(toks) -> Stmt:
    i = _skip(toks, 1, "INTO", "OR", "IGNORE", "REPLACE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "OVERWRITE",
              "TABLE", "ROLLBACK", "ABORT", "FAIL")
    name, _ = _name_at(toks, i)
    if any(t.up == "OVERWRITE" for t in toks[:4]):
        if is_backup_name(name):
            return _mk("insert", "overwrite", "db.backup-table", _show(name), ["backup / audit data"], tables=[name])
        return _mk("insert", "overwrite", "db.delete-all", _show(name), ["INSERT OVERWRITE replaces every row"],
                   tables=[name])
    return _mk("insert", "write", "db.write", _show(name) or None)


def _alter(toks, ctx) -> Stmt:
    toks = toks[:1] + toks[_skip(toks, 1, "ONLINE", "OFFLINE", "IGNORE"):]
    what = toks[1].up if len(toks) > 1 else ""
    if what == "SYSTEM":
        return _mk("alter", "configure", "db.alter-system", None,
                   ["changes the server's configuration file (postgresql.auto.conf) for every database"])
    if what in ("ROLE", "USER"):
        ups = {t.up for t in toks}
        if ups & {"SUPERUSER", "BYPASSRLS", "REPLICATION"}:
            return _mk("alter", "grant", "db.grant-broad", _show(_name_at(toks, 2)[0]),
                       ["makes the role a superuser or lets it bypass row security"])
        cut = _access_cut(toks)
        if cut:
            return _mk("alter", "configure", "db.server-setting", _show(_name_at(toks, 2)[0]), [cut])
        return _mk("alter", "write", "db.write", _show(_name_at(toks, 2)[0]))
    if what in ("LOGIN", "DATABASE", "WAREHOUSE"):
        cut = _access_cut(toks)
        if cut:
            return _mk("alter", "configure", "db.server-setting", _show(_name_at(toks, 2)[0]) or None, [cut])
    if what == "DEFAULT":
        k = next((i for i, t in enumerate(toks) if t.up in ("GRANT", "REVOKE")), None)
        if k is not None:
            return _grant(toks[k:])
        return _mk("alter", "write", "db.write", None)
    if what == "OPERATOR" and len(toks) > 2 and toks[2].up in ("FAMILY", "CLASS") and \
            any(t.up == "ADD" for t in toks):
        return _mk("alter", "write", "db.redefine-operator", _show(_name_at(toks, 3)[0]) or None,
                   [f"ALTER OPERATOR {toks[2].up} ... ADD changes which operators and comparison functions an index "
                    "uses: a comparison of one's own can make `WHERE id = 5` match every row"])
    if what != "TABLE":
        i = _skip(toks, 1, "MATERIALIZED", "FOREIGN", "ONLINE", "IGNORE")
        name, _ = _name_at(toks, _skip(toks, i + 1, "IF", "EXISTS", "ONLY"))
        return _mk("alter", "write", "db.write", _show(name) or None)
    i = _skip(toks, 2, "IF", "EXISTS", "ONLY")
    name, j = _name_at(toks, i)
    shown = _show(name) or None
    words = list(_top_words(toks[j:]))
    ups = [w for _, w in words]
    for k, (idx, w) in enumerate(words):
        nxt = ups[k + 1] if k + 1 < len(ups) else ""
        prev = ups[k - 1] if k else ""
        if w == "DROP" and nxt not in ("DEFAULT", "NOT", "IDENTITY", "EXPRESSION") and prev not in ("ON",):
            if is_backup_name(name):
                return _mk("alter", "drop", "db.backup-table", shown, ["backup / audit data"])
            what_dropped = {"COLUMN": "a column", "CONSTRAINT": "a constraint", "PARTITION": "a partition and its rows",
                            "INDEX": "an index", "KEY": "an index", "PRIMARY": "the primary key",
                            "FOREIGN": "a foreign key", "CHECK": "a check constraint"}.get(nxt, "a column")
            return _mk("alter", "drop", "db.alter-drop", shown, [f"drops {what_dropped}"])
        if w == "RENAME" and (nxt == "TO" or (nxt == "AS" and k == 0)):
            return _mk("alter", "rename", "db.rename-table", shown,
                       ["queries and applications that use the old name break"])
        if w == "TRUNCATE" and nxt == "PARTITION":
            return _mk("alter", "truncate", "db.truncate", shown, ["empties a partition"])
        if w == "USING" and "TYPE" in ups[:k]:
            return _mk("alter", "update", "db.update-all", shown,
                       ["ALTER COLUMN ... TYPE ... USING rewrites the column in every row with the expression "
                        "(USING NULL empties it)"])
        if w == "DISABLE" and nxt in ("TRIGGER", "RULE"):
            return _mk("alter", "disable", "db.disable-trigger", shown,
                       ["triggers (audit, integrity) stop firing until re-enabled"])
        if w == "DELETE" and prev != "ON":
            where = toks[j + idx + 1:]
            if where and where[0].up == "WHERE":
                if _tokens_always_true(where[1:]):
                    return _wipe("delete", shown, name, "WHERE is always true")
                return _mk("alter", "delete", "db.write", shown, ["deletes the rows the WHERE clause selects"])
        if w == "UPDATE" and prev not in ("ON",) and "WHERE" in ups[k:]:
            where_i = next(ii for ii, ww in words[k:] if ww == "WHERE")
            if _tokens_always_true(toks[j + where_i + 1:]):
                return _wipe("update", shown, name, "WHERE is always true")
            return _mk("alter", "update", "db.write", shown)
    return _mk("alter", "write", "db.write", shown)


def _grant(toks) -> Stmt:
    ups = [t.up for t in toks]
    grant = ups[0] == "GRANT"
    on = ups.index("ON") if "ON" in ups else None
    kw = "TO" if grant else "FROM"
    end = on if on is not None else (ups.index(kw) if kw in ups else len(ups))
    privs = set(ups[1:end])
    grantees = []
    if kw in ups:
        grantees = [t.v for t in toks[ups.index(kw) + 1:] if t.t in ("w", "q", "s")]
    obj = " ".join(t.v for t in toks[on + 1:ups.index(kw)]) if on is not None and kw in ups else ""
    everything = ("*.*" in obj.replace(" ", "") or "ALL TABLES" in obj.upper() or obj.upper().startswith(
        ("DATABASE", "SCHEMA")))
    notes = []
    broad = False
    up_grantees = [g.upper() for g in grantees]
    if grant and "PUBLIC" in up_grantees:
        broad, notes = True, ["granted to PUBLIC: every role, present and future"]
    elif grant and on is None and privs & _SUPER_ROLES:
        broad, notes = True, ["grants a superuser-level role"]
    elif grant and "ALL" in privs and "*.*" in obj.replace(" ", ""):
        broad, notes = True, ["every privilege on every database"]
    elif not grant and "ALL" in privs and everything and "PUBLIC" not in up_grantees:
        broad, notes = True, ["revokes every privilege: applications using the role may stop working"]
    target = " ".join(_show(g) for g in grantees if g.upper() not in ("WITH", "GRANT", "OPTION", "ADMIN")) or None
    if broad:
        return _mk("grant" if grant else "revoke", "grant", "db.grant-broad", target, notes)
    return _mk("grant" if grant else "revoke", "grant", "db.write", target)


#: Client encodings in which a multibyte character can end in a backslash or quote byte: text that reads
#: one way in UTF-8 holds other statements in them (PostgreSQL's own list of client-only encodings).
AMBIGUOUS_ENCODINGS = frozenset({"SJIS", "SHIFTJIS", "SHIFTJIS2004", "MSKANJI", "WINDOWS932", "WIN932", "BIG5",
                                 "WINDOWS950", "WIN950", "GBK", "CP936", "WINDOWS936", "WIN936", "GB18030", "UHC",
                                 "WINDOWS949", "WIN949", "JOHAB", "CP932", "CP949", "CP950"})


def ambiguous_encoding(name) -> bool:
    return re.sub(r"[^A-Z0-9]", "", str(name or "").upper()) in AMBIGUOUS_ENCODINGS


def _encoding_stmt(value, how) -> Stmt:
    return _mk("set", "run", "db.sql-unseen", None,
               [f"{how} switches the client encoding to {value}: in it a multibyte character can swallow a "
                "quote or backslash, so the statements after it cannot be read reliably"])


#: What an ALTER ROLE / LOGIN / DATABASE / WAREHOUSE says that takes access away from everyone who uses it:
#: (words that must all be among its top words, what it does).
_ACCESS_CUTS = (
    (("NOLOGIN",), "the role can no longer log in"),
    (("ACCOUNT", "LOCK"), "the account is locked: it can no longer log in"),
    (("DISABLE",), "the login is disabled"),
    (("CONNECTION", "LIMIT"), "changes how many connections it accepts"),
    (("ALLOW_CONNECTIONS",), "changes whether the database accepts connections"),
    (("OFFLINE",), "takes the database offline"),
    (("SINGLE_USER",), "only one connection may use the database"),
    (("RESTRICTED_USER",), "only administrators may use the database"),
    (("READ_ONLY",), "makes the database read-only: the application's writes fail"),
    (("READ", "ONLY"), "makes the database read-only: the application's writes fail"),
    (("SUSPEND",), "suspends the warehouse: its queries stop"),
)


def _access_cut(toks):
    """What the statement does to everyone's access, or None (``ALTER ROLE app NOLOGIN``, ``ALTER DATABASE
    shop SET OFFLINE``, ``ALTER WAREHOUSE wh SUSPEND``)."""
    ups = {t.up for t in toks[2:]}
    if "ENABLE" in ups and "DISABLE" not in ups:
        return None
    return next((what for words, what in _ACCESS_CUTS if all(w in ups for w in words)), None)


def _set(toks) -> Stmt:
    ups = [t.up or t.v.upper() for t in toks]
    if len(ups) > 1 and (ups[1] in ("GLOBAL", "PERSIST", "PERSIST_ONLY") or
                         ups[1].startswith(("@@GLOBAL", "@@PERSIST"))):
        # MySQL: the setting changes for every session of the server (PERSIST: across restarts too)
        name = next((t.v for t in toks[2:] if t.t == "w"), None) if ups[1] in ("GLOBAL", "PERSIST", "PERSIST_ONLY") \
            else toks[1].v.split(".", 1)[-1]
        return _mk("set", "configure", "db.server-setting", _show(name) if name else None,
                   [f"SET {ups[1].split('.')[0].lstrip('@')} changes the setting for every session of the server"])
    k = 1
    while k < len(ups) and ups[k] in ("SESSION", "LOCAL"):
        k += 1
    if k < len(ups) and ups[k] in ("CLIENT_ENCODING", "NAMES"):
        vals = [t for t in toks[k + 1:] if not (t.t == "p" and t.v == "=") and t.up not in ("TO",)]
        v = vals[0] if vals else None
        if v is None or v.t not in ("s", "w", "q") or ambiguous_encoding(v.v) or U in v.v or UNKNOWN_WORD in v.v:
            return _encoding_stmt(v.v if v is not None else "?", "SET " + toks[k].v)
    if "SESSION_REPLICATION_ROLE" in ups and ("REPLICA" in ups or any(t.t == "s" and t.v.lower() == "replica"
                                                                       for t in toks)):
        return _mk("set", "disable", "db.disable-trigger", None,
                   ["session_replication_role = replica turns off triggers and foreign-key checks"])
    return _mk("set", "read", None)


def _create(p, ctx) -> list[Stmt]:
    toks = p.toks
    ups = [t.up for t in toks[:8]]
    i = _skip(toks, 1, "OR", "REPLACE", "TEMPORARY", "TEMP", "UNIQUE", "MATERIALIZED", "GLOBAL", "LOCAL", "UNLOGGED",
              "EXTERNAL", "TRANSIENT", "SECURE", "RECURSIVE", "DEFINER", "ALGORITHM", "CONSTRAINT", "DEFAULT")
    kind = toks[i].up if i < len(toks) else ""
    name, _ = _name_at(toks, _skip(toks, i + 1, "IF", "NOT", "EXISTS", "CONCURRENTLY"))
    shown = _show(name) or None
    if "REPLACE" in ups and kind == "TABLE":
        return [_mk("create", "drop", "db.drop-table", shown, ["CREATE OR REPLACE TABLE drops the existing table"],
                    tables=[name])]
    if kind in ("ROLE", "USER") and {t.up for t in toks} & {"SUPERUSER", "BYPASSRLS"}:
        return [_mk("create", "grant", "db.grant-broad", shown, ["creates a superuser"])]
    if kind in ("OPERATOR", "CAST", "CONVERSION"):
        # an operator, cast or conversion of one's own changes what later statements mean: `WHERE id = 5.0`
        # finds a `public.=` for (int, numeric) before pg_catalog's (which needs a cast), and it may match every row
        what = " ".join(t.v for t in toks[1:i + 2]).upper() if kind == "OPERATOR" else kind
        return [_mk("create", "write", "db.redefine-operator", shown,
                    [f"CREATE {what} changes what comparisons, casts or text in later statements mean: an `=` "
                     "of one's own can match every row of a WHERE that reads as one row"])]
    out = [_mk("create", "write", "db.write", shown)]
    body = None
    when = "when it is called"
    if kind in ("FUNCTION", "PROCEDURE", "TRIGGER", "RULE") and ctx.depth < MAX_BODY_DEPTH:
        body = next((t.v for t in toks if t.t == "$"), None)
        ups_all = [t.up for t in toks]
        if body is None and kind in ("FUNCTION", "PROCEDURE"):
            k = next((k for k, t in enumerate(toks) if t.up == "AS"), None)
            if k is not None and k + 1 < len(toks) and toks[k + 1].t == "s":
                body = toks[k + 1].v
        if body is None:
            # SQL-standard bodies: BEGIN ATOMIC ... END (PostgreSQL 14+), sqlite's BEGIN ... END
            k = next((k for k in range(len(toks)) if ups_all[k] == "BEGIN"), None)
            if k is not None:
                start = k + 2 if k + 1 < len(toks) and ups_all[k + 1] == "ATOMIC" else k + 1
                end = max((j for j in range(len(toks)) if ups_all[j] == "END"), default=len(toks))
                if start < len(toks):
                    base = toks[0].pos
                    body = p.raw[toks[start].pos - base:toks[end].pos - base if end < len(toks) else len(p.raw)]
        if kind == "RULE":
            # CREATE RULE r AS ON INSERT TO t DO [ALSO | INSTEAD] (stmt; stmt) | stmt | NOTHING
            k = next((k for k in range(len(toks)) if ups_all[k] == "DO" and k > 2), None)
            if k is not None:
                k = _skip(toks, k + 1, "ALSO", "INSTEAD")
                ev = next((ups_all[j + 1] for j in range(len(toks) - 1) if ups_all[j] == "ON"), "event")
                when = f"on every {ev.lower()} the rule matches"
                inner = _paren_text(p, k)
                base = toks[0].pos
                body = inner if inner is not None else (p.raw[toks[k].pos - base:] if k < len(toks) else None)
        elif kind == "TRIGGER":
            when = "whenever the trigger fires"
    lang = next((toks[k + 1].v.lower() for k in range(len(toks) - 1) if toks[k].up == "LANGUAGE"), None)
    if kind in ("FUNCTION", "PROCEDURE") and lang and lang.strip("'\"") not in ("sql", "plpgsql", "internal", "c") \
            and ctx.dialect in (None, "postgres"):
        # plperl / plpython / plv8 ...: a body that can run any SQL, in a language Interlock does not read
        out.append(_mk("create", "run", "db.dynamic-sql", shown,
                       [f"a {kind.lower()} in LANGUAGE {lang}: its body can run any SQL {when}, and Interlock does "
                        "not read it"]))
        return out
    if body:
        for st in _body(body, ctx, p.line):
            # creating a function runs nothing: report only what would destroy data (or SQL built at run time,
            # which could) when it is called
            if st.severity in (DESTRUCTIVE, CATASTROPHIC) or (st.rule == "db.dynamic-sql" and st.effect in (
                    "drop", "truncate", "delete", "run")):
                st.notes.append(f"in the body of {shown}: runs {when}")
                out.append(st)
    return out


def _explain(p, ctx) -> list[Stmt]:
    toks = p.toks
    i = 1
    analyze = False
    if i < len(toks) and toks[i].t == "p" and toks[i].v == "(":
        depth = 0
        opts = []
        while i < len(toks):
            if toks[i].t == "p" and toks[i].v == "(":
                depth += 1
            elif toks[i].t == "p" and toks[i].v == ")":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            else:
                opts.append(toks[i].up)
            i += 1
        if "ANALYZE" in opts or "ANALYSE" in opts:
            k = opts.index("ANALYZE" if "ANALYZE" in opts else "ANALYSE")
            analyze = not (k + 1 < len(opts) and opts[k + 1] in ("FALSE", "OFF", "0"))
    while i < len(toks) and toks[i].up in ("ANALYZE", "ANALYSE", "VERBOSE", "QUERY", "PLAN", "FORMAT", "EXTENDED",
                                           "PARTITIONS", "PIPELINE", "AST", "SYNTAX", "ESTIMATE", "TREE", "JSON",
                                           "TRADITIONAL", "="):
        if toks[i].up in ("ANALYZE", "ANALYSE"):
            analyze = True
        i += 1
    if not analyze or i >= len(toks) or ctx.depth >= MAX_BODY_DEPTH:
        return [_mk("explain", "read", None)]
    inner = p.raw[toks[i].pos - toks[0].pos:] if toks[i].pos >= toks[0].pos else ""
    ctx.depth += 1
    try:
        out = _classify(inner, ctx)
    finally:
        ctx.depth -= 1
    for st in out:
        if st.rule:
            st.notes.append("EXPLAIN ANALYZE runs the statement")
    return out or [_mk("explain", "read", None)]


# --- dynamic SQL: DO blocks, EXECUTE --------------------------------------------------------

_CONTROL = {"BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "EXCEPTION", "ELSIF", "ELSEIF", "AS", "IS"}
_CATALOG = _LazyRe(r"(?i)\b(pg_tables|pg_class|pg_namespace|information_schema\s*\.\s*(tables|schemata)|"
                      r"sqlite_master|sqlite_schema|pg_catalog\s*\.\s*pg_tables|system\s*\.\s*tables)\b")


def _body(body, ctx, line):
    """A PL/pgSQL-ish body: judge the statements in it, best effort."""
    ctx.depth += 1
    ctx.body += 1
    out = []
    try:
        for p in split(body, "postgres" if ctx.dialect in (None, "postgres") else ctx.dialect):
            if p.kind != "sql":
                continue
            toks = p.toks
            # start after the last control keyword: `IF x THEN DELETE ...`, `FOR r IN ... LOOP EXECUTE ...`
            k = 0
            for idx, t in enumerate(toks):
                if t.up in _CONTROL:
                    k = idx + 1
            toks = toks[k:]
            if not toks:
                continue
            head = toks[0].up
            if head not in ("DELETE", "UPDATE", "INSERT", "DROP", "TRUNCATE", "ALTER", "EXECUTE", "PERFORM", "SELECT",
                            "CREATE", "GRANT", "REVOKE", "COPY", "MERGE", "WITH", "SET", "CALL", "REFRESH", "LOCK"):
                continue
            raw = p.raw[toks[0].pos - p.toks[0].pos:]
            if head == "PERFORM":
                toks = [Tok("w", "SELECT", toks[0].pos)] + toks[1:]
                raw = "SELECT" + raw[len("PERFORM"):]
            sub = Piece("sql", raw, toks, p.line)
            for st in _statement(sub, ctx):
                st.line = line + p.line
                if not st.evidence:
                    st.evidence = _evidence(raw)
                out.append(st)
        if re.search(r"(?i)\b(loop|foreach|while)\b", body):
            # a bounded DELETE / UPDATE repeated by a loop reaches what the loop reaches
            for k, st in enumerate(out):
                if st.rule == "db.write" and st.effect in ("delete", "update"):
                    out[k] = _unbounded(st.effect, st.target, "inside a loop, repeated as often as the loop runs")
                    out[k].evidence = st.evidence
                    out[k].line = st.line
        if _CATALOG.search(body) and re.search(r"(?i)\b(loop|foreach)\b", body) and any(
                st.rule == "db.dynamic-sql" and st.effect in ("drop", "truncate", "delete") for st in out):
            st = _mk("many-tables", "drop", "db.drop-many-tables", "every table the loop finds",
                     ["a loop over the catalog runs DROP / TRUNCATE / DELETE on each table it finds"])
            st.evidence = _evidence(body)
            out.append(st)
    finally:
        ctx.depth -= 1
        ctx.body -= 1
    return out


def _do(p, ctx) -> list[Stmt]:
    toks = p.toks
    body = next((t.v for t in toks[1:] if t.t in ("$", "s")), None)
    lang = None
    for i, t in enumerate(toks):
        if t.up == "LANGUAGE" and i + 1 < len(toks):
            lang = toks[i + 1].v.lower()
    if body is None:
        return [_mk("do", "run", "db.dynamic-sql", None, ["a DO block whose body Interlock cannot read"])]
    if lang and lang not in ("plpgsql", "sql"):
        return [_mk("do", "run", "db.dynamic-sql", None, [f"a DO block in {lang}"])]
    if ctx.depth >= MAX_BODY_DEPTH:
        return [_mk("do", "run", "db.dynamic-sql", None, ["nested too deeply"])]
    out = _body(body, ctx, p.line)
    for st in out:
        st.notes.append("inside a DO block")
    return out or [_mk("do", "run", None, None, ["a DO block with nothing Interlock recognises"],
                       severity=WRITE)]


def _execute(p, ctx) -> list[Stmt]:
    """EXECUTE 'sql' / EXECUTE format('...', x) / EXECUTE 'DROP TABLE ' || t / PREPARE s FROM '...'."""
    toks = p.toks
    head = toks[0].up
    i = 1
    if head == "PREPARE":
        k = next((k for k, t in enumerate(toks) if t.up in ("FROM", "AS")), None)
        if k is None:
            return [_mk("prepare", "read", None)]
        if toks[k].up == "AS":
            inner = p.raw[toks[k + 1].pos - toks[0].pos:] if k + 1 < len(toks) else ""
            ctx.depth += 1
            try:
                out = _classify(inner, ctx) if ctx.depth < MAX_BODY_DEPTH else []
            finally:
                ctx.depth -= 1
            for st in out:
                st.notes.append("in a prepared statement")
            return out or [_mk("prepare", "read", None)]
        i = k + 1
    elif i < len(toks) and toks[i].up == "IMMEDIATE":
        i += 1
    rest = toks[i:]
    if not rest:
        return [_mk("execute", "run", None, severity=WRITE)]
    # EXECUTE 'literal' → the literal is the statement
    stop = next((k for k, t in enumerate(rest) if t.up in ("USING", "INTO")), len(rest))
    expr = rest[:stop]
    if len(expr) == 1 and expr[0].t in ("s", "$"):
        ctx.depth += 1
        try:
            out = _classify(expr[0].v, ctx) if ctx.depth < MAX_BODY_DEPTH else []
        finally:
            ctx.depth -= 1
        for st in out:
            st.notes.append("run by EXECUTE")
        return out
    if head in ("EXECUTE", "EXEC") and len(expr) >= 1 and expr[0].t in ("w", "q") and (
            len(expr) == 1 or expr[1].t == "p" and expr[1].v == "(") and expr[0].up not in (
            "FORMAT", "CONCAT", "SP_EXECUTESQL", "REPLACE", "QUOTE_IDENT") and not any(t.t == "p" and t.v == "||"
                                                                                        for t in expr):
        # EXECUTE prepared_name(args): the PREPARE was judged where it was made
        if head == "EXEC" or ctx.depth == 0:
            return [_mk("execute", "run", None, severity=WRITE)]
    return _dynamic(_fragments(expr), ctx, "SQL built at run time")


def _fragments(expr):
    """Literal pieces of a string expression, with ``None`` where a run-time value goes:
    ``'DROP TABLE ' || quote_ident(t)`` → ['DROP TABLE ', None]."""
    out = []
    for t in expr:
        if t.t in ("s", "$"):
            out.append(t.v)
        elif out and out[-1] is not None and t.t == "p" and t.v == "||":
            out.append(None)
    return out


def _dynamic(frags, ctx, why, query_text=""):
    """SQL assembled at run time from literal fragments: judge what the fragments say
    (``'DROP TABLE ' || name`` drops a table), and report that the rest cannot be seen."""
    template = " ".join(" __dynamic__ " if f is None else re.sub(r"%[IsL]|\{\d*\}|%\d\$[IsL]", " __dynamic__ ", f)
                        for f in frags)
    effect = "run"
    out = []
    if template.strip() and ctx.depth < MAX_BODY_DEPTH:
        ctx.depth += 1
        try:
            for st in _classify(template, ctx):
                if st.rule and st.severity != READ and st.rule != "db.sql-unseen":
                    st.notes.append("in dynamic SQL built at run time")
                    if st.target:
                        st.target = st.target.replace("__dynamic__", "<dynamic>")
                    st.evidence = st.evidence.replace("__dynamic__", "<dynamic>")
                    st.tables = ()
                    out.append(st)
                    if st.effect in ("drop", "truncate", "delete"):
                        effect = st.effect
        finally:
            ctx.depth -= 1
    shown = " || ".join("..." if f is None else f"'{' '.join(f.split())[:60]}'" for f in frags[:4]) or None
    out.insert(0, _mk("execute", effect, "db.dynamic-sql", None, [f"{why}{': ' + shown if shown else ''}"]))
    if query_text and _CATALOG.search(query_text) and effect in ("drop", "truncate", "delete"):
        st = _mk("many-tables", "drop", "db.drop-many-tables", "every table the query lists",
                 ["runs DROP / TRUNCATE / DELETE for each table a catalog query returns"])
        out.append(st)
    return out


# --- DML: sqlglot where structure matters ------------------------------------------------------

def _wipe(kind, shown, name, why, tables=None):
    if is_backup_name(name):
        return _mk(kind, kind, "db.backup-table", shown, ["backup / audit data", why],
                   tables=[name] if kind == "delete" else ())
    rule = "db.delete-all" if kind == "delete" else "db.update-all"
    return _mk(kind, kind, rule, shown, [why], tables=[name] if kind == "delete" else ())


_sqlglot = None


def _load_sqlglot():
    global _sqlglot
    if _sqlglot is None:
        import logging

        import sqlglot
        from sqlglot import exp

        logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
        _sqlglot = (sqlglot, exp)
    return _sqlglot


def _dml(p, ctx) -> list[Stmt]:
    raw = p.raw
    if ctx.parses >= MAX_PARSES:
        return _dml_tokens(p, "not parsed (too many statements); judged by keywords")
    ctx.parses += 1
    try:
        sqlglot, exp = _load_sqlglot()
        tree = sqlglot.parse_one(raw, read=_SQLGLOT_DIALECT.get(ctx.dialect))
    except ImportError:
        return _dml_tokens(p, "sqlglot is not installed; judged by keywords")
    except Exception as e:  # ParseError, TokenError, anything: never silently allow
        msg = str(e).split("\n", 1)[0][:80]
        return _dml_tokens(p, f"could not be parsed ({msg}); judged by keywords")
    if tree is None or isinstance(tree, exp.Command) or not isinstance(
            tree, (exp.Select, exp.Union, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Subquery)):
        return _dml_tokens(p, "not parsed as a statement; judged by keywords")
    out = []
    for node in tree.walk():
        if isinstance(node, (exp.Delete, exp.Update)) and node.find_ancestor(exp.When) is not None:
            continue      # a MERGE's WHEN ... THEN UPDATE / DELETE: judged with the MERGE
        if isinstance(node, exp.Delete):
            out.append(_judge_delete(node, exp, ctx))
        elif isinstance(node, exp.Update):
            out.append(_judge_update(node, exp, ctx))
        elif isinstance(node, exp.Merge):
            st = _judge_merge(node, exp, ctx)
            if st is not None:
                out.append(st)
        elif isinstance(node, exp.Insert) and node is not tree:
            out.append(_mk("insert", "write", "db.write", _show(_table_name(node.this, exp)) or None,
                           ["inside another statement"]))
    if isinstance(tree, exp.Insert):
        out.insert(0, _insert(p.toks))
    elif isinstance(tree, exp.Merge) and not any(st.kind == "merge" for st in out):
        out.insert(0, _mk("merge", "write", "db.write", _show(_table_name(tree.this, exp)) or None))
    if not out:
        out.append(_mk("select", "read", None))
    if isinstance(tree, (exp.Select, exp.Union)) and len(out) > 0 and out[0].kind != "select":
        for st in out:
            st.notes.append("in a WITH clause / subquery")
    return out


def _table_name(t, exp):
    if t is None:
        return ""
    if isinstance(t, exp.Alias):
        t = t.this
    if isinstance(t, exp.Table):
        parts = [x for x in (t.catalog, t.db, t.name) if x]
        return ".".join(parts)
    if isinstance(t, exp.Schema):
        return _table_name(t.this, exp)
    return t.sql(copy=False) if hasattr(t, "sql") else str(t)


def _judge_delete(node, exp, ctx=None) -> Stmt:
    tables = node.args.get("tables") or [node.this]
    names = [_table_name(t, exp) for t in tables if t is not None]
    name = names[0] if names else ""
    shown = ", ".join(_show(n) for n in names) or None
    where = node.args.get("where")
    if any(is_backup_name(n) for n in names):
        return _mk("delete", "delete", "db.backup-table", shown, ["backup / audit data"],
                   tables=names if where is None else ())
    if where is None:
        if node.args.get("limit"):
            return _mk("delete", "delete", "db.write", shown, ["no WHERE, but LIMIT bounds it"])
        if _joined(node, exp):
            return _unbounded("delete", shown, "a JOIN ... ON chooses the rows, not an equality with a value")
        return _wipe("delete", shown, name, "no WHERE clause: every row", names)
    if _always_true(where.this, names, exp):
        cond = _evidence(where.this.sql(copy=False), 60)
        return _mk("delete", "delete", "db.delete-all", shown, [f"WHERE {cond} matches every row"], tables=names)
    if not _bounded(where.this, exp, ctx, owners=_owners(node, exp)):
        return _unbounded("delete", shown, _unbounded_why(where.this, exp, node))
    return _mk("delete", "delete", "db.write", shown)


def _judge_update(node, exp, ctx=None) -> Stmt:
    name = _table_name(node.this, exp)
    shown = _show(name) or None
    where = node.args.get("where")
    if is_backup_name(name):
        return _mk("update", "update", "db.backup-table", shown, ["backup / audit data"])
    if where is None:
        if node.args.get("limit"):
            return _mk("update", "update", "db.write", shown, ["no WHERE, but LIMIT bounds it"])
        if _joined(node, exp):
            return _unbounded("update", shown, "a JOIN ... ON chooses the rows, not an equality with a value")
        return _wipe("update", shown, name, "no WHERE clause: every row")
    if _always_true(where.this, [name], exp):
        return _mk("update", "update", "db.update-all", shown,
                   [f"WHERE {_evidence(where.this.sql(copy=False), 60)} matches every row"])
    if not _bounded(where.this, exp, ctx, owners=_owners(node, exp)):
        return _unbounded("update", shown, _unbounded_why(where.this, exp, node))
    return _mk("update", "update", "db.write", shown)


def _judge_merge(node, exp, ctx=None):
    """MERGE ... WHEN MATCHED THEN DELETE / UPDATE: the ON condition chooses the rows."""
    name = _table_name(node.this, exp)
    shown = _show(name) or None
    acts = set()
    for w in node.find_all(exp.When):
        then = w.args.get("then")
        if isinstance(then, exp.Update) or (isinstance(then, exp.Var) and then.name.upper() == "UPDATE"):
            acts.add("update")
        elif isinstance(then, exp.Delete) or (isinstance(then, exp.Var) and then.name.upper() == "DELETE") or \
                "DELETE" in (then.sql(copy=False).upper() if then is not None else ""):
            acts.add("delete")
    if not acts:
        return None
    kind = "delete" if "delete" in acts else "update"
    if is_backup_name(name):
        return _mk("merge", kind, "db.backup-table", shown, ["backup / audit data"])
    on = node.args.get("on")
    if on is None or _always_true(on, [name], exp):
        return _wipe(kind, shown, name, f"MERGE ... ON {_evidence(on.sql(copy=False), 40) if on else '?'} "
                                        f"matches every row, and WHEN MATCHED THEN {kind.upper()}s it")
    if not _bounded(on, exp, ctx, single=True):
        return _unbounded(kind, shown, f"MERGE ... WHEN MATCHED THEN {kind.upper()}: the rows are those the "
                                       f"source matches ON {_evidence(on.sql(copy=False), 60)}", "merge")
    return _mk("merge", kind, "db.write", shown)


def _unbounded(kind, shown, why, stmt_kind=None) -> Stmt:
    return _mk(stmt_kind or kind, kind, "db.change-unbounded", shown,
               [f"{why}: how many rows it {'deletes' if kind == 'delete' else 'changes'} cannot be known from "
                "the text, so it may be every row"])


def _unbounded_why(e, exp, node=None) -> str:
    if e.find(exp.Parameter, exp.Placeholder) is not None:
        return f"WHERE {_evidence(e.sql(copy=False), 60)} depends on parameters (and not as an equality)"
    if e.find(exp.Subquery, exp.Exists, exp.Select) is not None:
        return f"WHERE {_evidence(e.sql(copy=False), 60)} depends on a subquery"
    return f"WHERE {_evidence(e.sql(copy=False), 60)} is not an equality with a value"


def _owners(node, exp):
    """Names a column of the changed table may be qualified with, when the statement also reads other tables
    (``UPDATE ... FROM``, ``DELETE ... USING``, joins): an equality on *their* columns bounds nothing of the
    target.  None when the target is the only table (every column is its own)."""
    others = node.args.get("using") or node.args.get("from_") or node.args.get("from") or node.args.get("joins")
    if not others:
        return None
    t = node.this
    names = set()
    if isinstance(t, exp.Table):
        names.add(t.name.lower())
        if t.alias:
            names.add(t.alias.lower())
    return names


def _value(e, exp, ctx, single=False) -> bool:
    """A single known value: a literal, a bind parameter, a cast of one; in a body, NEW.x / OLD.x / a variable."""
    while isinstance(e, (exp.Paren, exp.Cast, exp.TryCast)):
        e = e.this
    if isinstance(e, exp.Neg):
        e = e.this
    if isinstance(e, (exp.Literal, exp.Parameter, exp.Placeholder)):
        return True
    if isinstance(e, exp.Column) and UNKNOWN_WORD in e.sql(copy=False):
        return True     # a value only known when the command runs ($ID in a shell script)
    if isinstance(e, exp.Column) and ctx is not None and ctx.body and not single:
        return True     # a variable or NEW.x / OLD.x in a function, trigger or rule body
    return False


def _bounded(e, exp, ctx=None, single=False, owners=None) -> bool:
    """A WHERE (or MERGE ON) whose reach is bounded by its text: a conjunction holding an equality of a
    column with one value (or ``IN`` a list of values).  Everything else (comparisons, patterns, functions,
    subqueries, EXISTS, arithmetic, ANY, BETWEEN, IS DISTINCT FROM...) can match every row."""
    def own(col):   # a column of the changed table (qualified by it when other tables are read too)
        return isinstance(col, exp.Column) and (owners is None or (col.table or "").lower() in owners)

    if isinstance(e, exp.Paren):
        return _bounded(e.this, exp, ctx, single, owners)
    if isinstance(e, exp.And):
        return _bounded(e.left, exp, ctx, single, owners) or _bounded(e.right, exp, ctx, single, owners)
    if isinstance(e, exp.Or):
        return _bounded(e.left, exp, ctx, single, owners) and _bounded(e.right, exp, ctx, single, owners)
    if isinstance(e, (exp.EQ, exp.NullSafeEQ)):
        left, right = e.left, e.right
        if own(left) and _value(right, exp, ctx, single) and not (
                isinstance(right, exp.Column) and right.sql(copy=False) == left.sql(copy=False)):
            return True
        if own(right) and _value(left, exp, ctx, single) and not (
                isinstance(left, exp.Column) and right.sql(copy=False) == left.sql(copy=False)):
            return True
        return False
    if isinstance(e, exp.In) and own(e.this) and not e.args.get("query") and \
            not e.args.get("unnest") and e.expressions:
        return all(_value(x, exp, ctx, single) and not isinstance(x, exp.Column) for x in e.expressions)
    return False


def _joined(node, exp):
    """An inner JOIN ... ON / USING restricts the rows (MySQL multi-table DELETE / UPDATE)."""
    for j in node.find_all(exp.Join):
        if (j.args.get("on") is not None or j.args.get("using")) and not _always_true(j.args.get("on"), [], exp) \
                and (j.side or "").upper() not in ("LEFT", "RIGHT", "FULL"):
            return True
    return False


def _key_column(col, tables, exp):
    if not isinstance(col, exp.Column):
        return False
    n = col.name.lower()
    if n in _KEY_COLUMNS:
        return True
    for t in tables:
        base = t.rsplit(".", 1)[-1].lower().strip('"`')
        for stem in (base, base[:-1] if base.endswith("s") else base, base[:-2] if base.endswith("es") else base):
            if n == f"{stem}_id" or n == f"{stem}id":
                return True
    return False


def _lit(e, exp):
    """A literal's Python value, or None."""
    if isinstance(e, exp.Paren):
        return _lit(e.this, exp)
    if isinstance(e, exp.Neg):
        v = _lit(e.this, exp)
        return -v if isinstance(v, (int, float)) else None
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    if isinstance(e, exp.Literal):
        if e.is_string:
            return e.this
        try:
            return float(e.this)
        except ValueError:
            return None
    return None


def _always_true(e, tables, exp) -> bool:
    if e is None:
        return False
    if isinstance(e, exp.Paren):
        return _always_true(e.this, tables, exp)
    if isinstance(e, exp.Or):
        return _always_true(e.left, tables, exp) or _always_true(e.right, tables, exp)
    if isinstance(e, exp.And):
        return _always_true(e.left, tables, exp) and _always_true(e.right, tables, exp)
    if isinstance(e, exp.Not):
        inner = e.this.this if isinstance(e.this, exp.Paren) else e.this
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null) and not inner.args.get("negate"):
            return _key_column(inner.this, tables, exp) or _lit(inner.this, exp) is not None
        return _always_false(e.this, tables, exp)
    if isinstance(e, (exp.Boolean, exp.Literal)):
        v = _lit(e, exp)
        return v is True or (isinstance(v, float) and v != 0)
    if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null) and e.args.get("negate"):
        return _key_column(e.this, tables, exp) or _lit(e.this, exp) is not None
    if isinstance(e, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        left, right = e.left, e.right
        lv, rv = _lit(left, exp), _lit(right, exp)
        if lv is not None and rv is not None and type(lv) is type(rv):
            try:
                return {exp.EQ: lv == rv, exp.NEQ: lv != rv, exp.GT: lv > rv, exp.GTE: lv >= rv,
                        exp.LT: lv < rv, exp.LTE: lv <= rv}[type(e)]
            except TypeError:
                return False
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and \
                left.sql(copy=False) == right.sql(copy=False):
            return isinstance(e, (exp.EQ, exp.GTE, exp.LTE))
        # id > 0, id >= 1, 0 < id
        col, num, op = (left, rv, type(e)) if isinstance(rv, float) else (right, lv, _flip(type(e), exp))
        if isinstance(num, float) and _key_column(col, tables, exp):
            return (op is exp.GT and num <= 0) or (op is exp.GTE and num <= 1) or (op is exp.NEQ and num < 0)
        return False
    if isinstance(e, exp.Like):
        pat = _lit(e.expression, exp)
        return isinstance(pat, str) and pat.strip("%") == "" and pat != ""
    return False


def _flip(op, exp):
    return {exp.GT: exp.LT, exp.LT: exp.GT, exp.GTE: exp.LTE, exp.LTE: exp.GTE}.get(op, op)


def _always_false(e, tables, exp) -> bool:
    if isinstance(e, exp.Paren):
        return _always_false(e.this, tables, exp)
    v = _lit(e, exp)
    if v is False or (isinstance(v, float) and v == 0):
        return True
    if isinstance(e, (exp.EQ, exp.NEQ)):
        lv, rv = _lit(e.left, exp), _lit(e.right, exp)
        if lv is not None and rv is not None and type(lv) is type(rv):
            return (lv != rv) if isinstance(e, exp.EQ) else (lv == rv)
    if isinstance(e, exp.Is) and isinstance(e.expression, exp.Null) and not e.args.get("negate"):
        return _key_column(e.this, tables, exp)
    return False


# --- DML by keywords (fallback) ------------------------------------------------------------------

_TRUE_WHERE = _LazyRe(r"""(?isx)^\s*\(?\s*(
    true | 1 | not\s+false
  | (?P<a>\w+|'[^']*')\s*(=|>=|<=)\s*(?P=a)
  | (id|\w+_id)\s+is\s+not\s+null
  | (id|\w+_id)\s*>\s*0
  | \w+\s+like\s+'%+'
  )\s*\)?\s*$""")
_OR_TRUE = _LazyRe(r"(?is)\bor\s+\(?\s*(true|1\s*=\s*1|'(\w*)'\s*=\s*'\2'|not\s+false)\b")


def _tokens_always_true(toks) -> bool:
    text = " ".join(("'" + t.v + "'") if t.t == "s" else t.v for t in toks
                    if t.up not in ("RETURNING", "ORDER", "LIMIT", "SETTINGS"))
    # cut at clauses after WHERE
    text = re.split(r"(?i)\b(returning|order\s+by|limit|settings)\b", text)[0]
    return bool(_TRUE_WHERE.match(text) or _OR_TRUE.search(text))


def _dml_tokens(p, note) -> list[Stmt]:
    """Conservative keyword judgement of DML sqlglot could not parse: every DELETE / UPDATE
    (and DROP / TRUNCATE hidden inside) counts; a WHERE keeps it a write unless it is always true."""
    toks = p.toks
    out = []
    ups_all = [t.up for t in toks]
    for idx, t in enumerate(toks):
        u = t.up
        if idx and ups_all[idx - 1] in ("ON", "FOR", "DO", "KEY", "NO", "OF"):
            continue
        if u == "DELETE":
            k = idx + 1
            while k < len(toks) and toks[k].up not in ("FROM",) and k < idx + 6:
                k += 1
            name, j = _name_at(toks, k + 1 if k < len(toks) and toks[k].up == "FROM" else idx + 1)
            rest = ups_all[j:]
            st = _where_judge("delete", name, toks[j:], rest)
        elif u == "UPDATE":
            name, j = _name_at(toks, _skip(toks, idx + 1, "ONLY", "LOW_PRIORITY", "IGNORE", "OR"))
            rest = ups_all[j:]
            st = _where_judge("update", name, toks[j:], rest)
        elif u in ("DROP", "TRUNCATE") and idx > 0:
            sub = _drop(toks[idx:], _Ctx(None)) if u == "DROP" else _truncate(toks[idx:], _Ctx(None))
            out.append(sub)
            continue
        else:
            continue
        out.append(st)
    if not out:
        head = toks[0].up if toks else ""
        out.append(_mk(head.lower() or "other", "write" if head != "SELECT" else "read",
                       "db.write" if head != "SELECT" else None))
    for st in out:
        st.notes.append(note)
    return out


def _where_judge(kind, name, rest_toks, rest_ups):
    shown = _show(name) or None
    if "WHERE" not in rest_ups:
        if "LIMIT" in rest_ups:
            return _mk(kind, kind, "db.write", shown, ["no WHERE, but LIMIT bounds it"])
        return _wipe(kind, shown, name, "no WHERE clause: every row")
    w = rest_ups.index("WHERE")
    if is_backup_name(name):
        return _mk(kind, kind, "db.backup-table", shown, ["backup / audit data"])
    if _tokens_always_true(rest_toks[w + 1:]):
        return _wipe(kind, shown, name, "WHERE is always true")
    if not _tokens_bounded(rest_toks[w + 1:]):
        return _unbounded(kind, shown, "WHERE is not an equality with a value")
    return _mk(kind, kind, "db.write", shown)


def _tokens_bounded(toks) -> bool:
    """The keyword layer's `_bounded`: some top-level conjunct is `column = value` or `column IN (values)`."""
    conj, cur, depth = [], [], 0
    for t in toks:
        if depth == 0 and t.up in ("RETURNING", "ORDER", "LIMIT", "SETTINGS"):
            break
        if t.t == "p" and t.v == "(":
            depth += 1
        elif t.t == "p" and t.v == ")":
            depth -= 1
        if depth == 0 and t.up == "OR":
            return False
        if depth == 0 and t.up == "AND":
            conj.append(cur)
            cur = []
            continue
        cur.append(t)
    conj.append(cur)

    def value(ts):
        ts = [t for t in ts if not (t.t == "p" and t.v == "-")]
        if ts and len(ts) >= 3 and ts[-2].t == "p" and ts[-2].v == "::":
            ts = ts[:-2]
        return len(ts) == 1 and ts[0].t in ("s", "n", "v")

    def column(ts):
        return bool(ts) and all(t.t in ("w", "q") if k % 2 == 0 else (t.t == "p" and t.v == ".")
                                for k, t in enumerate(ts)) and len(ts) % 2 == 1 and ts[0].up not in (
            "NOT", "EXISTS", "TRUE", "FALSE", "NULL")

    for c in conj:
        eq = [k for k, t in enumerate(c) if t.t == "p" and t.v == "="]
        if len(eq) == 1:
            a, b = c[:eq[0]], c[eq[0] + 1:]
            if (column(a) and value(b)) or (column(b) and value(a)):
                return True
        ins = [k for k, t in enumerate(c) if t.up == "IN"]
        if len(ins) == 1 and column(c[:ins[0]]) and len(c) > ins[0] + 2 and c[ins[0] + 1].v == "(" and \
                c[-1].v == ")":
            inner = c[ins[0] + 2:-1]
            if inner and all((t.t in ("s", "n", "v") if k % 2 == 0 else t.v == ",") for k, t in enumerate(inner)):
                return True
    return False


__all__ = ["Stmt", "classify", "split", "is_backup_name", "is_prod_name", "is_scratch_name", "SEVERITY"]


# --- SQL inside program code ------------------------------------------------------------------

_CODE_CALL = _LazyRe(
    r"(?:\.\s*(?:execute|executemany|executescript|exec|exec_driver_sql|query|raw|run|all|get|prepare|"
    r"unsafe|statement|unprepared|select|update|delete|insert)|\$(?:executeRaw|queryRaw)(?:Unsafe)?|\btext|"
    r"\bsql|\bexecute)\s*(?:\(\s*)?(?=[rRbBuUfF]{0,2}(?:'''|\"\"\"|'|\"|`))")
_CODE_HINT = _LazyRe(r"(?i)(execute|exec|query|raw|\.run|\.all|\.get|prepare|text\s*\(|sql`|statement|"
                        r"unprepared|executeRaw|queryRaw)")
_CODE_LIT = _LazyRe(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\"|`)")
_LOOKS_SQL = _LazyRe(r"(?is)^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(?\s*(SELECT|INSERT|UPDATE|DELETE|DROP|TRUNCATE|"
                        r"ALTER|CREATE|WITH|GRANT|REVOKE|BEGIN|COPY|DO|EXPLAIN|SHOW|VACUUM|REINDEX|MERGE|REPLACE|"
                        r"CALL|PRAGMA|USE|RENAME|LOCK|ANALYZE|REASSIGN|SET|RESET)\b")


def sql_from_code(language, code):
    """SQL string literals that program code hands to a database: ``cursor.execute("...")``,
    ``conn.execute(...)``, ``session.execute(text("..."))``, ``knex.raw(...)``,
    ``prisma.$executeRaw`...```, ``sequelize.query(...)``, ``db.exec(...)``.

    Returns ``[(sql, line)]`` (line 1-based).  Interpolations (``{x}``, ``${x}``, ``%s``) are kept
    as they are written: the statement's shape (no WHERE, DROP, TRUNCATE) is what matters.
    Never imports a parser; cheap when the code calls nothing that runs SQL.
    """
    if not isinstance(code, str) or not code or not _CODE_HINT.search(code):
        return []
    out = []
    pos = 0
    n = len(code)
    for m in _CODE_CALL.finditer(code):
        if m.start() < pos:
            continue
        lm = _CODE_LIT.match(code, m.end())
        if not lm:
            continue
        quote = lm.group(2)
        start = lm.end()
        i = start
        parts = []
        while i < n:
            c = code[i]
            if c == "\\" and quote != "`" and "r" not in lm.group(1).lower():
                parts.append(code[i:i + 2])
                i += 2
                continue
            if c == "\\" and quote == "`":
                parts.append(code[i:i + 2])
                i += 2
                continue
            if code.startswith(quote, i):
                break
            if len(quote) == 1 and quote != "`" and c == "\n":
                break
            parts.append(c)
            i += 1
        else:
            break
        text = "".join(parts)
        pos = i + len(quote)
        # adjacent literals and "+" concatenations: "DELETE FROM t " "WHERE id = 1"
        while True:
            j = pos
            while j < n and code[j] in " \t\r\n+\\":
                j += 1
            nm = _CODE_LIT.match(code, j)
            if not nm or nm.group(2) != quote or len(quote) != 1:
                break
            k = nm.end()
            seg = []
            while k < n and not code.startswith(quote, k) and code[k] != "\n":
                seg.append(code[k:k + 2] if code[k] == "\\" else code[k])
                k += 2 if code[k] == "\\" else 1
            if k >= n or code[k] == "\n":
                break
            text += "".join(seg)
            pos = k + 1
        if _LOOKS_SQL.match(text):
            out.append((text, code.count("\n", 0, m.start()) + 1))
        if len(out) >= 200:
            break
    return out
