"""What a program in any language does to files and processes: the floor under the languages without an
analysis of their own, beside ``anylang`` (which finds the requests a program can send).

``effects(text)`` finds the calls catalogued in ``anyeffects.toml`` — command lines handed to a shell
(``os.execute``, ``io.popen``, ``Runtime.exec``, ``exec.Command("sh", "-c", …)``…), directories deleted with
everything in them (``os.RemoveAll``, ``fs::remove_dir_all``, ``FileUtils.rm_rf``, a tree walk that deletes
what it visits…) — and computes their arguments from literals, the home directory however the language
spells it, path constructors and variables assigned earlier.  It returns ``inline.Effect`` values, judged by
the shell analysis like those of Python or Node code.  Pure: no I/O beyond the TOML.
"""

from __future__ import annotations

import re
import shlex

from .paths import UNKNOWN_MARK as U

_DATA = None
_MAX_TEXT = 1 << 20
_MAX_EFFECTS = 32


class _D:
    def __init__(self, raw):
        def alt(names):
            return re.compile(r"(?<![\w$])(?:" + "|".join(names) + r")\s*\(" if names else r"(?!x)x")

        self.home = re.compile("|".join(f"(?:{h})" for h in raw["home"]))
        self.paths = re.compile(r"(?:" + "|".join(raw["paths"]) + r")\Z")
        self.shell = alt(raw["shell"])
        self.argv = alt(raw["argv"])
        self.rmtree = alt(raw["rmtree"])
        self.walks = alt(raw["walks"])
        self.deletes = re.compile("|".join(raw["deletes"]))
        self.reads = alt(raw["reads"])
        self.environ = re.compile("|".join(raw["environ"]))
        self.stores = re.compile("|".join(raw["stores"]))
        self.examples = raw.get("examples", [])
        self.store_calls = [(re.compile(rx), rule) for rx, rule in raw.get("store_calls", [])]


def data() -> _D:
    global _DATA
    if _DATA is None:
        import tomllib
        from pathlib import Path

        _DATA = _D(tomllib.loads((Path(__file__).with_name("anyeffects.toml")).read_text(encoding="utf-8")))
    return _DATA


# --- reading expressions ----------------------------------------------------------------------------

_STR = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`]*`')
_TRAIL = re.compile(r"(?:\s*\.\s*(?:unwrap|expect|to_string|toString|to_owned|as_str|into|clone|path|toFile|"
                    r"toAbsolutePath|normalize|toPath|getPath|getAbsolutePath|string|String|trim|strip|chomp)"
                    r"\s*\((?:[^()]|\([^()]*\))*\)|\s*\?|\s*!)+\Z")
_IDENT = re.compile(r"[$@]?[A-Za-z_]\w*\Z")
_ASSIGN = re.compile(r"(?m)(?:\b(?:let|var|local|my|our|const|val|auto|final|String|string|Path|PathBuf|File|def)"
                     r"\s+(?:mut\s+)?)?([$@]?[A-Za-z_]\w*)\s*(?:,\s*[A-Za-z_]\w*\s*)?(?::\s*[\w:<>&]+\s*)?"
                     r"(?::=|=(?![=~>])|<-)\s*([^;\n]+)")
_LONG = re.compile(r"\[(=*)\[(.*?)\]\1\]", re.S)
_ARG_CHAIN = re.compile(r"\s*\.\s*(arg|args)\s*\(")
_LABEL = re.compile(r"^[A-Za-z_]\w*\s*:\s*(?!:)")


def _split_top(s: str, seps) -> list[str]:
    """``s`` split at top-level separators (outside quotes and brackets)."""
    out, depth, cur, i, n = [], 0, [], 0, len(s)
    while i < n:
        c = s[i]
        if c in "\"'`":
            m = _STR.match(s, i)
            if m:
                cur.append(m.group(0))
                i = m.end()
                continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if depth == 0:
            hit = next((sep for sep in seps if s.startswith(sep, i) and _sep_ok(s, i, sep)), None)
            if hit:
                out.append("".join(cur))
                cur = []
                i += len(hit)
                continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def _sep_ok(s, i, sep):
    if sep != ".":
        return True
    if s.startswith("..", i) or (i and s[i - 1] == "."):
        return False  # Lua's ..: a separator of its own
    before = s[:i].rstrip()[-1:]
    after = s[i + 1:].lstrip()[:1]
    return before in "\"')}" and after in "\"'$" and before != "" and after != ""


def _close(text: str, i: int) -> int:
    """Index of the bracket closing the one opened just before ``i`` (or len(text))."""
    depth = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            m = _STR.match(text, i)
            if m:
                i = m.end()
                continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


class _Eval:
    def __init__(self, text):
        self.text = text
        self.d = data()
        self.vars: dict[str, str | None] = {}
        for m in _ASSIGN.finditer(text):
            name, expr = m.group(1), m.group(2).strip().rstrip(";")
            if name in self.vars and self.vars[name] != expr:
                self.vars[name] = None  # assigned twice: not a constant
            else:
                self.vars[name] = expr

    def value(self, expr: str, depth=0) -> str:
        """The expression's value, with U for what is not known."""
        expr = _LABEL.sub("", expr.strip())
        if not expr or depth > 6:
            return U
        prev = None
        while prev != expr:
            prev = expr
            expr = _TRAIL.sub("", expr).strip()
            if expr.startswith("(") and _close(expr, 1) == len(expr) - 1:
                expr = expr[1:-1].strip()
        if self.d.home.fullmatch(expr) or expr in ("~", "$HOME"):
            return "~"
        m = _STR.fullmatch(expr)
        if m:
            return _unquote(expr)
        m = _LONG.fullmatch(expr)
        if m:  # Lua's long string, [[…]] or [==[…]==]: no escapes, a first newline dropped
            return m.group(2).removeprefix("\n")
        parts = _split_top(expr, ("..", "+", "<>", "&", "."))
        if len(parts) > 1:
            return "".join(self.value(p, depth + 1) for p in parts)
        call = re.match(r"([\w.:$-]+(?:\s+[\w.:$-]+)?)\s*\(", expr)
        if call and _close(expr, call.end()) == len(expr) - 1 and self.d.paths.search(call.group(1)):
            args = _split_top(expr[call.end():-1], (",",))
            return "/".join(self.value(x, depth + 1) for x in args if x.strip())
        if _IDENT.match(expr):
            v = self.vars.get(expr)
            return self.value(v, depth + 1) if v else U
        hm = self.d.home.search(expr)
        if hm and hm.start() == 0:
            return "~"
        return U

    def args(self, open_paren: int) -> list[str]:
        end = _close(self.text, open_paren)
        return [x for x in _split_top(self.text[open_paren:end], (",",)) if x.strip()]


def _unquote(lit: str) -> str:
    from .anylang import _unescape

    body = lit[1:-1]
    if lit[0] == "`":
        return body
    # interpolation ("#{x}", "${x}", "$x") is not a constant
    body = re.sub(r"#\{[^}]*\}|\$\{[^}]*\}" if lit[0] == '"' else r"(?!x)x", U, body)
    return _unescape(body)


def _line(text, i):
    return text.count("\n", 0, i) + 1


# line-comment markers by runner; a language not listed keeps every line (a marker that is an operator in
# it — Lua's `#t`, Go's nothing — must not hide the rest of a line)
_COMMENTS = {"lua": ("--",), "luajit": ("--",), "go": ("//",), "cargo": ("//",), "rustc": ("//",), "java": ("//",),
             "jshell": ("//",), "kotlinc": ("//",), "kotlin": ("//",), "dotnet": ("//",), "swift": ("//",),
             "scala": ("//",), "groovy": ("//",), "dart": ("//",), "zig": ("//",), "pwsh": ("#",),
             "powershell": ("#",), "Rscript": ("#",), "julia": ("#",), "elixir": ("#",), "crystal": ("#",),
             "nim": ("#",), "tclsh": ("#",), "gawk": ("#",)}


_TS_LANG = {"go": "go", "cargo": "rust", "rustc": "rust", "java": "java", "jshell": "java", "kotlinc": "kotlin",
            "kotlin": "kotlin", "dotnet": "csharp", "lua": "lua", "luajit": "lua"}


def _ts_without_comments(text: str, runner):
    """The text with every comment (line and block) blanked, by the language's tree-sitter grammar (the
    grammars anylang uses); None without a grammar or when the text does not parse."""
    from .anylang import _ts_parser

    lang = _TS_LANG.get(runner or "")
    p = _ts_parser(lang) if lang else None
    if p is None:
        return None
    try:
        raw = text.encode("utf-8", "replace")
        tree = p.parse(raw)
        if tree.root_node.has_error:
            return None
        spans, stack = [], [tree.root_node]
        while stack:
            n = stack.pop()
            if "comment" in n.type:
                spans.append((n.start_byte, n.end_byte))
                continue
            stack.extend(n.children)
        if not spans:
            return text
        buf = bytearray(raw)
        for a, b in spans:
            buf[a:b] = bytes(c if c == 0x0A else 0x20 for c in buf[a:b])
        return buf.decode("utf-8", "replace")
    except Exception:
        return None


def _strip_comments(text: str, markers=("//", "--", "#")) -> str:
    """Line comments dropped outside strings, so commented-out calls are not calls."""
    out = []
    for line in text.split("\n"):
        i, n, cut = 0, len(line), None
        while i < n:
            c = line[i]
            if c in "\"'`":
                m = _STR.match(line, i)
                if m:
                    i = m.end()
                    continue
            if any(m != "#" and line.startswith(m, i) for m in markers) and (i == 0 or line[i - 1] in " \t;"):
                cut = i
                break
            if c == "#" and "#" in markers and (i == 0 or line[i - 1] in " \t") and not line.startswith("#{", i) and \
                    not line.startswith(("#!", "#include", "#[", "#define"), i):
                cut = i
                break
            i += 1
        out.append(line if cut is None else line[:cut])
    return "\n".join(out)


def effects(text: str, runner: str | None = None):
    """[inline.Effect] — "shell" (a command line) and "delete" (recursive; target None when not known).
    ``runner``: the program that runs the text (its comment syntax); None keeps every line."""
    from .inline import Effect

    d = data()
    text = text[:_MAX_TEXT]
    parsed = _ts_without_comments(text, runner)
    if parsed is not None:
        text = parsed
    elif runner in _COMMENTS:
        text = _strip_comments(text, _COMMENTS[runner])
    ev = _Eval(text)
    out = []

    def ident(m):
        return text[m.start():min(len(text), _close(text, m.end()) + 1)][:160]

    for m in d.shell.finditer(text):
        a = ev.args(m.end())
        if a:
            out.append(Effect("shell", ev.value(a[0]), _line(text, m.start()), ident(m)))
    for m in d.argv.finditer(text):
        a = ev.args(m.end())
        words = [ev.value(x) for x in a]
        if a and a[0].strip().startswith("["):  # ProcessBuilder(["rm", …]) / System.cmd("rm", ["-rf", h])
            words = [ev.value(x) for x in _split_top(a[0].strip()[1:-1], (",",))]
        elif len(a) == 2 and a[1].strip().startswith("["):
            words = [words[0]] + [ev.value(x) for x in _split_top(a[1].strip()[1:-1], (",",))]
        # Command::new("rm").arg("-rf").arg(h) / .args(["-rf", h])
        end = _close(text, m.end()) + 1
        pos = end
        while True:
            mm = _ARG_CHAIN.match(text, pos)
            if not mm:
                break
            inner = ev.args(mm.end())
            if mm.group(1) == "args" and inner and inner[0].strip().startswith("["):
                words += [ev.value(x) for x in _split_top(inner[0].strip()[1:-1], (",",))]
            else:
                words += [ev.value(x) for x in inner]
            pos = _close(text, mm.end()) + 1
        if not words:
            continue
        if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash", "zsh", "dash") and words[1] == "-c":
            line = words[2]
        elif len(words) >= 3 and words[0].lower() in ("cmd", "cmd.exe") and words[1].lower() == "/c":
            line = words[2]
        else:
            line = " ".join(w if U in w or w == "~" or w.startswith("~/") else shlex.quote(w) for w in words)
        out.append(Effect("shell", line, _line(text, m.start()), ident(m)))
    for m in d.rmtree.finditer(text):
        a = ev.args(m.end())
        if a:
            v = ev.value(a[0])
            out.append(Effect("delete", None if v.strip(U + "/") == "" else v, _line(text, m.start()), ident(m),
                              recursive=True))
    if d.deletes.search(text):
        for m in d.walks.finditer(text):
            a = ev.args(m.end())
            if a:
                v = ev.value(a[0])
                v = re.sub(r"/\*\*?(?:/.*)?$", "", v)  # Dir.glob("~/x/**/*"): the tree is ~/x
                out.append(Effect("delete", None if v.strip(U + "/") == "" else v, _line(text, m.start()),
                                  ident(m), recursive=True))
    for m in d.reads.finditer(text):
        a = ev.args(m.end())
        if a:
            v = ev.value(a[0])
            if v.strip(U) and not v.startswith(U):
                out.append(Effect("read", v, _line(text, m.start()), ident(m)))
    return out[:_MAX_EFFECTS]


def environment_dump(text: str, runner: str | None = None) -> str | None:
    """The call by which the program reads every environment variable at once (``System.getenv()``,
    ``os.Environ()``, Julia's ``ENV``…), as written, else None."""
    d = data()
    text = text[:_MAX_TEXT]
    if runner in _COMMENTS:
        text = _strip_comments(text, _COMMENTS[runner])
    m = d.environ.search(text)
    return m.group(0).strip()[:60] if m else None


def secret_store(text: str) -> str | None:
    """The call by which the program takes a secret out of the OS keyring or a password store, else None."""
    m = data().stores.search(text[:_MAX_TEXT])
    return m.group(0).strip()[:60] if m else None


#: cheap words one of which a program reading a secret store names (the gate before the TOML is read)
STORE_WORDS = ("keyring", "keytar", "secretstorage", "get_secret", "SecKeychain", "SecItem", "CredRead",
               "StoredCredential", "kwallet")


def describe(text: str, runner: str | None = None) -> str:
    """One line per effect, for the catalogue's examples ("shell: rm -rf ~", "rmtree: ~")."""
    got = []
    for e in effects(text, runner):
        t = (e.target or "?").replace(U, "?")
        got.append(f"shell: {t}" if e.kind == "shell" else f"read: {t}" if e.kind == "read" else f"rmtree: {t}")
    return "; ".join(got)


def store_calls(text: str):
    """[(rule, environment or None)]: the destructive calls of a data store's client library in ``text``
    (anyeffects.toml store_calls), with "prod" when a host literal of the text has a production name."""
    d = data()
    found = [rule for rx, rule in d.store_calls if rx.search(text or "")]
    if not found:
        return []
    from .anylang import literals
    from .sql import is_prod_name

    env = "prod" if any(("." in x or "://" in x) and len(x) < 300 and is_prod_name(x) for x in literals(text, 400)) \
        else None
    return [(r, env) for r in dict.fromkeys(found)]
