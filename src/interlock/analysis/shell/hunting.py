"""Credential hunting in shell commands: grep/rg/ag/ack/git grep, git log -S/-G, find, code that walks a tree.

A search whose pattern looks for credentials (``analysis.hunt``) over the home directory, another project,
a system tree or git history is ``secrets.hunt`` (credential).  In the workspace the older rule stays: a
credential search is a read of the secret files the tree holds (``secrets.read-file``).
"""

from __future__ import annotations

import re

from .. import paths as P
from ..paths import UNKNOWN_MARK as U

OUTSIDE_KINDS = (P.HOME, P.ROOT, P.SYSTEM, P.OUTSIDE)

# option letters that take a value, per program (short and long)
_SHORT_ARG = {"grep": "efABCmdD", "rg": "efABCmMjgtTE", "ag": "ABCGgm", "ack": "ABCm", "git-grep": "efABCmO"}
_LONG_ARG = ("--regexp", "--file", "--include", "--exclude", "--exclude-dir", "--glob", "--iglob", "--type",
             "--type-not", "--max-count", "--context", "--after-context", "--before-context", "--max-depth",
             "--color", "--colour", "--ignore-file", "--file-search-regex", "--encoding", "--threads", "--max-filesize",
             "--devices", "--directories", "--binary-files", "--label", "--pre", "--sort", "--sortr", "--type-add")


class Search:
    __slots__ = ("patterns", "operands", "flavor", "icase", "word", "recursive", "hidden", "pattern_file")

    def __init__(self):
        self.patterns, self.operands = [], []
        self.flavor, self.icase, self.word, self.recursive, self.hidden = "bre", False, False, False, True
        self.pattern_file = False


def parse(name: str, args) -> Search:
    s = Search()
    s.flavor = {"grep": "bre", "egrep": "ere", "fgrep": "fixed", "rg": "rust", "ag": "pcre", "ack": "pcre",
                "git-grep": "bre", "zgrep": "bre"}.get(name, "ere")
    if name in ("rg", "ag", "ack"):
        s.recursive = True
        s.hidden = name == "ack"
    key = "git-grep" if name == "git-grep" else ("grep" if name not in _SHORT_ARG else name)
    short_arg = _SHORT_ARG.get(key, "")
    explicit = False
    i = 0
    ops = []
    while i < len(args):
        x = args[i]
        if x == "--":
            ops += args[i + 1:]
            break
        if x.startswith("--"):
            k, eq, v = x.partition("=")
            if k in ("--regexp",):
                val = v if eq else (args[i + 1] if i + 1 < len(args) else "")
                s.patterns.append(val)
                explicit = True
                i += 1 if eq else 2
                continue
            if k == "--file":
                s.pattern_file = explicit = True
            if k in ("--ignore-case",):
                s.icase = True
            elif k in ("--extended-regexp",):
                s.flavor = "ere"
            elif k in ("--perl-regexp", "--pcre2"):
                s.flavor = "pcre"
            elif k in ("--fixed-strings", "--literal"):
                s.flavor = "fixed"
            elif k == "--word-regexp":
                s.word = True
            elif k in ("--recursive", "--dereference-recursive"):
                s.recursive = True
            elif k in ("--hidden", "--no-ignore", "--unrestricted", "--all-types", "--no-ignore-vcs"):
                s.hidden = True
            if k in _LONG_ARG and not eq:
                i += 2
                continue
            i += 1
            continue
        if x.startswith("-") and len(x) > 1:
            j = 1
            while j < len(x):
                c = x[j]
                if c in short_arg:
                    val = x[j + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if not x[j + 1:]:
                        i += 1
                    if c == "e":
                        s.patterns.append(val)
                        explicit = True
                    elif c == "f" and name != "ag":
                        s.pattern_file = explicit = True
                    elif c == "d" and key == "grep" and val == "recurse":
                        s.recursive = True
                    break
                if c in "iy":
                    s.icase = True
                elif c == "S" and name == "rg":
                    s.icase = "smart"
                elif c == "E" and name != "rg":
                    s.flavor = "ere"
                elif c == "P":
                    s.flavor = "pcre"
                elif c == "F" or (c == "Q" and name in ("ag", "ack")):
                    s.flavor = "fixed"
                elif c == "G" and key == "grep":
                    s.flavor = "bre"
                elif c == "w":
                    s.word = True
                elif c in "rR" and key == "grep":
                    s.recursive = True
                elif c == "u" and name == "rg":
                    s.hidden = True
                j += 1
            i += 1
            continue
        ops.append(x)
        i += 1
    if not explicit and ops:
        s.patterns.append(ops[0])
        ops = ops[1:]
    s.operands = ops
    if s.icase == "smart":
        s.icase = all(not c.isupper() for p in s.patterns for c in p)
    return s


def _only(s: Search, p):
    t = Search()
    t.patterns, t.flavor, t.icase, t.word = [p], s.flavor, s.icase, s.word
    return t


def _describe(s: Search, strength="any"):
    from ..hunt import describe

    pats = [p.replace(U, "") for p in s.patterns if p]
    try:
        return describe(pats, s.flavor, bool(s.icase), s.word, strength=strength)
    except Exception as e:  # never crash the hook: a search we could not judge outside the workspace asks
        return f"(could not judge the pattern: {type(e).__name__})"


def _emit(a, cmd, where, found, history=False):
    what = f"looks for {found}" if found else "looks for credentials"
    where_txt = "in git history" if history else f"over {where}"
    a.emit("secrets.hunt", cmd, target=where if not history else "git history", effect="search-secrets",
           note=f"{what} {where_txt}")


def previous_stage_text(cmd) -> str:
    """The text of the pipeline stage feeding this command (``git log -p | grep ...``), or ''."""
    node = cmd.node
    try:
        for _ in range(3):
            if node is None:
                return ""
            parent = node.parent
            if parent is not None and parent.type == "pipeline":
                kids = [c for c in parent.named_children]
                for k, c in enumerate(kids):
                    if c.start_byte <= node.start_byte and node.end_byte <= c.end_byte:
                        if k == 0:
                            return ""
                        return kids[k - 1].text.decode("utf-8", "replace")
                return ""
            node = parent
    except Exception:
        return ""
    return ""


_HISTORY = re.compile(r"^\s*(?:xargs\s+(?:-\S+\s+)*)?(?:\S*/)?git\b(?:\s+-\S+(?:\s+\S+)?)*\s+(?:log\b.*(?:\s-p\b|\s-u\b|--patch|\s-S|\s-G)|"
                      r"show\b|diff\b|rev-list\b|reflog\b.*\s-p\b|format-patch\b.*--stdout|stash\s+show\s+-p)")


def history_stage(text: str) -> bool:
    return bool(text) and bool(_HISTORY.search(text))


def grep_like(a, cmd, scope, name=None) -> bool:
    """grep/rg/ag/ack (and git grep): a credential search outside the workspace, or over git history.
    True when a finding was emitted."""
    name = name or cmd.name
    s = parse(name, cmd.args)
    if s.pattern_file:  # grep -f FILE: the patterns are the file's lines
        s.patterns += _pattern_file_lines(a, cmd, scope)
    if not s.patterns:
        return False
    ops = s.operands
    if name == "git-grep":
        # operands are revisions, then paths: any revision (or one computed, `$(git rev-list --all)`) is history
        revs = [x for x in ops if x != "--" and (U in x or not _is_path(a, x, scope))]
        if revs or "--all" in cmd.args:
            found = _describe(s)
            if found:
                _emit(a, cmd, None, found, history=True)
                return True
        return False
    if not ops and not s.recursive:
        st = cmd.stdin
        prev = previous_stage_text(cmd)
        if st is not None and st[0] == "unknown" and history_stage(prev) and not _own_paths_only(a, prev, scope):
            found = _describe(s)
            if found:
                _emit(a, cmd, None, found, history=True)
                return True
        if prev and re.match(r"^\s*(?:history|fc\s+-l)\b", prev):  # the shell's own history
            found = _describe(s)
            if found:
                a.emit("secrets.hunt", cmd, target="shell history", effect="search-secrets",
                       note=f"looks for {found} in the shell history")
                return True
        fed = _fed_files(prev)  # cat ~/projects/*/scripts/*.sh | grep -i token
        if fed:
            ops = fed
        else:
            return False
    if name in ("rg", "ag", "grep") and _secret_globs(a, cmd, scope, ops):
        return True
    unknown_pattern = any(U in p for p in s.patterns)
    for raw in ops or ["."]:
        if U in raw and raw.replace(U, "") in ("", "/"):
            root = _listing_root(cmd)  # `find ~ -type f | xargs grep …`: the files come from that tree
            if root is None:
                continue
            raw = root + "/" + U
        place = a.place(raw.split(U, 1)[0].rstrip("/") or "/" if U in raw else raw, scope)
        if place.kind not in OUTSIDE_KINDS:
            continue
        tree = s.recursive or any(c in raw for c in "*?[") or U in raw
        if tree and unknown_pattern and all(p.replace(U, "") == "" or _describe(_only(s, p)) is None
                                            for p in s.patterns):
            a.emit("shell.opaque-eval", cmd, target=P.display(place.path, a.pctx), effect="search-secrets",
                   note="searches a tree outside the workspace for a pattern only known when it runs")
            return True
        found = _describe(s, "any" if tree else "shape")
        if found:
            _emit(a, cmd, P.display(place.path, a.pctx), found)
            return True
    return False


def _own_paths_only(a, prev, scope) -> bool:
    """`git log -p -- src/auth.py | grep token`: history limited to the project's own non-secret files."""
    try:
        import shlex

        words = shlex.split(prev)
    except ValueError:
        return False
    if "--" not in words:
        return False
    paths = words[words.index("--") + 1:]
    if not paths:
        return False
    from ..secrets import is_secret_path

    for x in paths:
        place = a.place(x, scope)
        if U in x or place.kind in OUTSIDE_KINDS or is_secret_path(place.path or "", a.pctx.home) or \
                any(c in x for c in "*?["):
            return False
        if place.path and _holds_literal_token(place.path, a):
            return False  # `git log -p -- scripts/ | grep Bearer`: what its history holds, the tree still does
    return True


def _holds_literal_token(path, a, limit=1000) -> bool:
    """A file, or a file below a directory (up to ``limit`` files), that is a secret file or holds a literal
    token now."""
    import os

    from ..secrets import file_tokens, is_secret_path

    if os.path.isfile(path):
        files = [path]
    elif os.path.isdir(path):
        files = []
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if d not in (".git", "node_modules", ".venv", "venv", "__pycache__")]
            files += [os.path.join(root, n) for n in names]
            if len(files) > limit:
                return True  # more than Interlock reads: not known to be the project's own harmless files
    else:
        return False
    return any(is_secret_path(f, a.pctx.home) or file_tokens(f, a.secret_exempt) for f in files[:limit])


def _fed_files(prev: str):
    """Files a feeding `cat/head/tail/strings/less F…` stage prints, or None."""
    if not prev:
        return None
    try:
        import shlex

        words = shlex.split(prev)
    except ValueError:
        return None
    if not words or words[0].rsplit("/", 1)[-1] not in ("cat", "head", "tail", "strings", "less", "more", "zcat",
                                                         "bat", "nl", "tac"):
        return None
    ops = [w for w in words[1:] if not w.startswith("-") and not w.isdigit() and not w.startswith("+")]
    return ops or None


def _secret_globs(a, cmd, scope, ops) -> bool:
    """rg -g '*.env' / grep --include='*.pem' over a tree outside the workspace: reads the secret files it selects."""
    from ..secrets import glob_may_name_secret

    args = cmd.args
    globs = []
    for i, x in enumerate(args):
        if x in ("-g", "--glob", "--iglob", "--include") and i + 1 < len(args):
            globs.append(args[i + 1])
        elif x.startswith(("--glob=", "--iglob=", "--include=")):
            globs.append(x.split("=", 1)[1])
    globs = [g for g in globs if not g.startswith("!") and U not in g]
    if not globs:
        return False
    from .programs import lists_names_only

    if lists_names_only(cmd):
        return False  # `grep -ril NAME ~/.claude --include='*.json'`: names of files, no line of them
    for raw in ops or ["."]:
        place = a.place(raw.split(U, 1)[0].rstrip("/") or "/" if U in raw else raw, scope)
        if not place.path:
            continue
        if place.kind not in OUTSIDE_KINDS:
            # in the workspace: the files the globs select, as they are on disk (`grep -r postgres .
            # --include='*.env*'` prints the lines of .env that mention it)
            reads_hidden = cmd.name not in ("rg", "ag") or any(
                x in ("-uu", "-uuu", "--hidden", "--no-ignore", "-u", "--unrestricted") for x in args)
            if place.kind in (P.TEMP, P.DEVNULL, P.DEVICE, P.MISSING) or not reads_hidden or U in raw:
                continue
            from ..secrets import glob_aims_at_secrets, tree_secret

            # only globs aimed at credential files (`*.env*`, `*.pem`), not broad ones that a secret's
            # name also fits (`*.yaml`, `*.json`): those read no more than the same search without them
            aimed = [g.rsplit("/", 1)[-1] for g in globs if glob_aims_at_secrets(g.rsplit("/", 1)[-1], a.pctx.home)]
            hit = aimed and tree_secret(place.path, a.pctx.home, a.secret_extra, a.secret_exempt, included=aimed)
            if hit:
                from fnmatch import fnmatchcase

                g = next((g for g in aimed if fnmatchcase(hit.rsplit("/", 1)[-1], g)), aimed[0])
                a.emit("secrets.read-file", cmd, target=P.display(hit, a.pctx), effect="read-secret",
                       note=f"the search prints its lines that match; the glob {g!r} selects it")
                return True
            continue
        for g in globs:
            if glob_may_name_secret(place.path.rstrip("/") + "/**/" + g.lstrip("/"), a.pctx.home,
                                    a.secret_extra, a.secret_exempt):
                a.emit("secrets.read-file", cmd, target=P.display(place.path, a.pctx) + "/**/" + g,
                       effect="search-secrets", note="the search selects files that hold secrets")
                return True
    return False


def _listing_root(cmd):
    """The tree a feeding `find ROOT …` / `fd … ROOT` / `ls -R ROOT` lists, or None."""
    prev = previous_stage_text(cmd)
    if not prev:
        return None
    try:
        import shlex

        words = shlex.split(prev)
    except ValueError:
        return None
    if not words or words[0].rsplit("/", 1)[-1] not in ("find", "fd", "fdfind", "ls", "locate", "rg", "git"):
        return None
    ops = [w for w in words[1:] if not w.startswith("-")]
    if words[0].endswith("find"):
        return ops[0] if ops else "."
    return ops[-1] if ops else "."


def _is_path(a, x, scope) -> bool:
    import os

    place = a.place(x, scope)
    return bool(place.path) and os.path.exists(place.path)


def _history_prints_token(a, cmd, scope, paths, pats, regex) -> bool:
    """`git log -p -S sk_live_ -- config/`: the pickaxe over the project's own files, judged as searching them is —
    a literal credential on a line it matches in a file under those paths (as they are now) is printed with its
    commit's diff."""
    import os
    import re as _re

    from ..hunt import to_python
    from ..secrets import tree_token_line

    for x in paths[:8]:
        path = a.place(x, scope).path
        if not path or not os.path.exists(path):
            continue
        for flag, p in pats:
            if flag == "--grep" or U in p:
                continue
            rx = to_python(p, "ere") if (flag == "-G" or regex) else _re.escape(p)
            line = tree_token_line(path, rx, exempt=a.secret_exempt)
            if line:
                a.emit("secrets.file-token", cmd, target=P.display(line, a.pctx), effect="read-secret",
                       note="the history search prints the changes that hold this line, and a credential is written in it")
                return True
    return False


def git_log(a, cmd, scope, rest) -> bool:
    """git log -S/-G PATTERN (the pickaxe searches every commit's diff): a hunt when it looks for credentials."""
    pats = []
    regex = "--pickaxe-regex" in rest
    i = 0
    while i < len(rest):
        x = rest[i]
        for flag in ("-S", "-G", "--grep"):
            if x == flag and i + 1 < len(rest):
                pats.append((flag, rest[i + 1]))
                i += 1
                break
            if x.startswith(flag) and len(x) > len(flag) and flag != "--grep":
                pats.append((flag, x[len(flag):]))
                break
            if flag == "--grep" and x.startswith("--grep="):
                pats.append((flag, x[7:]))
                break
        i += 1
    if not pats:
        return False
    if not {"-p", "-u", "--patch", "--patch-with-stat", "--patch-with-raw"}.intersection(rest) and \
            not any(x.startswith(("-U", "--unified")) for x in rest):
        return False  # only which commits (--oneline, --stat): no content is printed
    if "--" in rest:  # limited to paths: history of the project's own files is like searching them
        paths = rest[rest.index("--") + 1:]
        if paths and all(U not in x and a.place(x, scope).kind not in OUTSIDE_KINDS for x in paths):
            from ..secrets import is_secret_path

            if not any(is_secret_path(a.place(x, scope).path or "", a.pctx.home) for x in paths):
                return _history_prints_token(a, cmd, scope, paths, pats, regex)
    from ..hunt import describe

    icase = "-i" in rest or "--regexp-ignore-case" in rest
    for flag, p in pats:
        if flag == "--grep":
            continue  # commit messages, not content
        flavor = "ere" if (flag == "-G" or regex) else "fixed"
        found = describe([p.replace(U, "")], flavor, icase)
        if found:
            _emit(a, cmd, None, found, history=True)
            return True
    return False


def find_hunt(a, cmd, scope, starts, globs, actions) -> bool:
    """find over the home directory or a system tree, selecting files whose names say credentials
    (``-path '*railway*'``, ``-name '*token*'``) or running a credential search on what it finds."""
    from ..hunt import path_glob_hunt

    outside = []
    for s0 in starts:
        place = a.place(s0, scope)
        if place.kind in OUTSIDE_KINDS:
            outside.append(P.display(place.path, a.pctx))
    if not outside:
        return False
    word = next((w for w in (path_glob_hunt(g) for g in globs if g) if w), None)
    if word is None:
        from ..hunt import data
        from .. import literal_secrets as L

        provs = set(data()["hunt"]["providers"]) | {rid.split("-", 1)[0] for rid, _k, _s in L.rules()}
        readers = set(data()["hunt"]["content_readers"])
        reads = any(kind == "exec" and inner and inner[0].rsplit("/", 1)[-1] in readers for kind, inner in actions)
        if reads:
            for g in globs:
                low = (g or "").lower()
                hit = next((p for p in provs if len(p) > 3 and p in low), None)
                if hit:
                    word = hit
                    break
    if word:
        a.emit("secrets.hunt", cmd, target=outside[0], effect="search-secrets",
               note=f"looks for files named like {word!r} over {outside[0]}")
        return True
    return False


def inline(a, language, code, cmd) -> bool:
    """Code (any language) that walks the home directory or a system tree with a credential pattern."""
    from ..hunt import code_hunt

    try:
        found = code_hunt(code)
    except Exception as e:
        found = f"(could not judge: {type(e).__name__})" if "walk" in code else None
    if found:
        a.emit("secrets.hunt", cmd, target="~", effect="search-secrets",
               note=f"{language} code walks the home directory or a system tree and looks for {found}")
        return True
    return False


def _pattern_file_lines(a, cmd, scope):
    args = cmd.args
    for i, x in enumerate(args):
        val = None
        if x in ("-f", "--file") and i + 1 < len(args):
            val = args[i + 1]
        elif x.startswith("--file="):
            val = x[7:]
        elif x.startswith("-f") and len(x) > 2 and not x.startswith("--"):
            val = x[2:]
        if val and U not in val:
            path = P.resolve(val, a._scope_ctx(scope))
            text = a.written_text.get(path) or a.read_file(path)
            if text:
                return [ln for ln in text.splitlines() if ln.strip()][:200]
    return []


_SLASHED = re.compile(r"(?:^|[\s(!~&|;{])/((?:[^/\\\n]|\\.)+)/")


def program_search(a, cmd, scope, code, operands) -> bool:
    """awk/sed/perl -ne/ruby -ne programs whose /regex/ looks for credentials, over files outside the workspace."""
    pats = [m.group(1) for m in _SLASHED.finditer(code or "")][:20]
    if not pats:
        return False
    for raw in operands or ():
        if raw.startswith("-"):
            continue
        place = a.place(raw.split(U, 1)[0].rstrip("/") or "/" if U in raw else raw, scope)
        if place.kind not in OUTSIDE_KINDS:
            continue
        tree = any(c in raw for c in "*?[") or U in raw or place.kind in (P.HOME, P.ROOT)
        from ..hunt import describe

        found = describe([p.replace(U, "") for p in pats], "ere", False, strength="any" if tree else "shape")
        if found:
            _emit(a, cmd, P.display(place.path, a.pctx), found)
            return True
    return False


def _regex_as_glob(pat):
    """fd's pattern (a regular expression searched in the name) as a glob of the names it matches, for the
    simple ones (`^\\.env`, `token`, `\\.pem$`, `id_.*`); anything else matches any name (`*`)."""
    import re as _re

    body = pat
    start = body.startswith("^")
    end = body.endswith("$") and not body.endswith("\\$")
    body = body[1 if start else 0:len(body) - 1 if end else len(body)]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in ".-_/+":
            out.append(body[i + 1])
            i += 2
            continue
        if body.startswith(".*", i) or body.startswith(".+", i):
            out.append("*")
            i += 2
            continue
        if c == ".":
            out.append("?")
        elif _re.match(r"[\w-]", c):
            out.append(c)
        else:
            return "*"
        i += 1
    g = "".join(out)
    return ("" if start else "*") + g + ("" if end else "*")


def fd_exec(a, cmd, scope):
    """fd [PATTERN] [ROOT] -x/-X CMD…: CMD runs on what fd finds under ROOT."""
    args = cmd.args
    for i, x in enumerate(args):
        if x in ("-x", "--exec", "-X", "--exec-batch"):
            inner = [w for w in args[i + 1:] if w not in (";", "\\;")]
            before = args[:i]
            break
    else:
        return False
    ops = []
    exts = []
    glob = False
    j = 0
    while j < len(before):
        x = before[j]
        if x in ("-g", "--glob"):  # a switch: the pattern is a glob, not a regular expression
            glob = True
        elif x in ("-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude", "--min-depth",
                   "--exact-depth", "-S", "--size", "-c", "--color", "-j", "--threads", "--changed-within",
                   "--changed-before", "-o", "--owner", "--base-directory", "--search-path") and j + 1 < len(before):
            if x in ("-e", "--extension"):
                exts.append(before[j + 1])
            elif x in ("--base-directory", "--search-path"):
                ops[1:1] = [] if ops else [""]
                ops.append(before[j + 1])
            j += 2
            continue
        elif not x.startswith("-"):
            ops.append(x)
        j += 1
    root = ops[1] if len(ops) > 1 and ops[1] else "."
    pat = ops[0] if ops else ""
    if not inner:
        return False
    name = "*." + exts[0] if exts else (pat if glob and pat else _regex_as_glob(pat) if pat and pat != "." else "*")
    target = root.rstrip("/") + "/**/" + name if name != "*" else root.rstrip("/") + "/" + U
    argv = [w.replace("{}", target) for w in inner]
    if not any("{}" in w for w in inner):
        argv.append(target)
    a.dispatch(cmd.derive(argv), scope)
    return True
