"""Effects of inline interpreter code (``python -c``, ``node -e``, ``perl -e`` ...).

``effects(language, code)`` returns what a snippet would do to the machine, as a list
of :class:`Effect`: deletions, writes, reads, shell commands it starts, and "opaque"
execution (``eval`` of something we cannot see).  The shell analyzer judges each one.

Python is read with :mod:`ast` (imported lazily).  The other languages -- and Python
that does not parse -- go through a pragmatic scanner: comments are blanked, string
literals are masked so that look-alikes in strings (``print("os.remove(x)")``) do not
count, and a table of known calls is matched against what is left.

Paths are reported as written, with the home directory written as ``~``
(``Path.home() / "x"`` -> ``"~/x"``).  ``None`` means "computed, not known".

Nothing here raises: any internal failure falls back to the scanner, and a failure
there yields ``[]``.  Only ``re`` is imported at module level.
"""

import re

from ..memo import recall, table

__all__ = ("Effect", "effects", "LANGUAGES")

LANGUAGES = frozenset(("python", "node", "perl", "ruby", "php", "deno"))
_LANG_ALIASES = {"python3": "python", "python2": "python", "py": "python", "pypy": "python",
                 "pypy3": "python", "js": "node", "javascript": "node", "nodejs": "node",
                 "bun": "node", "rb": "ruby", "pl": "perl"}

#: calls that decode a constant (their last name, lowercased) → the encoding: what they return is computed here
_DECODERS = {"base64_decode": "base64", "atob": "base64", "b64decode": "base64", "decodebytes": "base64",
             "decode64": "base64", "decode_base64": "base64", "strict_decode64": "base64", "urlsafe_b64decode": "base64",
             "frombase64string": "base64", "hex2bin": "hex", "fromhex": "hex", "unhexlify": "hex", "str_rot13": "rot13"}


def _decode_const(kind, v):
    import base64
    import binascii
    import codecs

    try:
        if kind == "base64":
            raw = base64.b64decode(v.strip() + "=" * (-len(v.strip()) % 4), altchars=b"-_" if "-" in v or "_" in v else None)
        elif kind == "hex":
            raw = binascii.unhexlify(v.strip())
        else:
            return codecs.decode(v, "rot13")
        return raw.decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


class _lazy:
    """A regular expression compiled on first use (keeps the import cheap)."""

    def __init__(self, pattern, flags=0):
        self._p = pattern
        self._f = flags

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        c = re.compile(self._p, self._f)
        # bind the compiled methods on the instance: later lookups skip __getattr__
        for k in ("match", "fullmatch", "search", "finditer", "sub", "split", "findall"):
            setattr(self, k, getattr(c, k))
        return getattr(c, name)


_MAX_DEPTH = 4          # nested exec/eval of literal code
_EVIDENCE_MAX = 160


class Effect:
    """One thing the code would do.

    kind: "delete" | "write" | "shell" | "opaque" | "read" | "http" | "unpickle" (a pickle file loaded)
    target: the path (delete/write/read), the command string (shell), the URL (http), or None
    http: for kind "http", (method, url, body or None, headers) -- see analysis/http.py
    recursive: a whole tree is deleted
    line: 1-based line in the analysed code
    evidence: source text of the call, at most 160 characters
    """

    __slots__ = ("kind", "target", "recursive", "line", "evidence", "http")

    def __init__(self, kind, target, line, evidence, recursive=False):
        self.http = None        # kind "http": (method, url, body or None, headers)
        self.kind = kind
        self.target = target
        self.line = line
        self.evidence = evidence
        self.recursive = recursive

    def _key(self):
        return (self.kind, self.target, self.recursive, self.line, self.evidence)

    def __eq__(self, other):
        if not isinstance(other, Effect):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "Effect(%r, %r, line=%r, recursive=%r, evidence=%r)" % (
            self.kind, self.target, self.line, self.recursive, self.evidence)


def effects(language, code):
    """Effects of ``code`` written in ``language``; ``[]`` for an unknown language.

    A pure function of its two arguments (paths stay symbolic: ``~``, ``$HOME``, relative), so a
    snippet seen again — the same ``python -c`` or script run twice — is answered from a memo."""
    try:
        lang = str(language or "").strip().lower()
        lang = _LANG_ALIASES.get(lang, lang)
        if lang not in LANGUAGES or not isinstance(code, str) or not code.strip():
            return []
    except Exception:
        return []
    if len(code) > 65536:  # a big script: not kept (the memo stays small)
        return _effects(lang, code)
    return list(recall(_MEMO, (lang, code), lambda: tuple(_effects(lang, code)), 256))


_MEMO = table()


def _effects(lang, code):
    try:
        if lang == "python":
            found = _py_effects(code, 0)
        else:
            found = _rx_effects(lang, code, 0)
        try:
            found = found + _http_effects(lang, code)
        except Exception:  # never lose the other effects to the HTTP scanner
            pass
        return _finish(found)
    except Exception:
        try:
            return _finish(_rx_effects(lang, code, 0))
        except Exception as e:  # fail closed: code that could not be read is code that could do anything
            return [Effect("opaque", None, 1, f"code Interlock could not analyse ({type(e).__name__})")]


def _finish(found):
    seen = set()
    out = []
    for e in found:
        k = e._key()
        if k not in seen:
            seen.add(k)
            out.append(e)
    out.sort(key=lambda e: e.line)
    return out


# --- small helpers ----------------------------------------------------------------------

class _Ref:
    """A module, class or function (``os``, ``shutil.rmtree``), not a value."""
    __slots__ = ("q",)

    def __init__(self, q):
        self.q = q


class _P(str):
    """A pathlib.Path value."""
    __slots__ = ()


class _B(str):
    """A bytes value, held as latin-1 text."""
    __slots__ = ()


def _plain(v):
    if isinstance(v, _B):
        try:
            return v.encode("latin-1").decode("utf-8", "replace")
        except Exception:
            return str(v)
    return str(v)


_NL_RUN = _lazy(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*")


def _trim(s):
    s = _NL_RUN.sub(" ", s.strip())
    if len(s) > _EVIDENCE_MAX:
        s = s[:_EVIDENCE_MAX - 3] + "..."
    return s


def _join(parts):
    """Join path parts like os.path.join; None if any part is unknown."""
    out = None
    for p in parts:
        if not isinstance(p, str):
            return None
        p = _plain(p)
        if out is None or p.startswith("/") or not out:
            out = p
        elif not p:
            out = out if out.endswith("/") else out + "/"
        elif out.endswith("/"):
            out += p
        else:
            out = out + "/" + p
    return out


def _parent(p):
    s = _plain(p).rstrip("/")
    if not s:
        return "/"
    if "/" not in s:
        if s.startswith("~") or s in (".", ".."):
            return s + "/.." if s != "." else ".."
        return "."
    if s.endswith("/..") or s.endswith("/."):
        return s + "/.."
    return s.rsplit("/", 1)[0] or "/"


def _shjoin(seq):
    import shlex
    return shlex.join([_plain(x) for x in seq])


#: What an argument only known at run time is written as for the shell analysis: a variable no command sets, so
#: one unknown word (``U``) — quoted, as an argv element is one argument that no shell splits, globs or runs.
_RUNTIME_ARG = '"$__interlock_runtime_argument"'


def _project_script(prog) -> bool:
    """``prog`` names a script of the project by a relative path (``scripts/x.sh``, ``./bin/tool``): no bare name
    found on PATH, no absolute, home or parent path."""
    return isinstance(prog, str) and "/" in prog and not prog.startswith(("/", "~", "-")) and \
        ".." not in prog.split("/") and not any(c in prog for c in "$`\n")


def _argv_text(seq):
    """The shell text of an argv (a program and its arguments, no shell between them): every element known, or
    a project script with some arguments known only at run time (``_argv_with_runtime_values``); else None."""
    if seq and all(isinstance(x, str) for x in seq):
        return _shjoin(seq)
    if seq and _project_script(seq[0]):
        return _argv_with_runtime_values(seq)
    return None


def _argv_with_runtime_values(seq) -> str:
    """``subprocess.run(["scripts/new.sh", "--json", text])`` with ``text`` known only when it runs: the argv
    form hands each element to the program as one argument — none is parsed by a shell — so the command is the
    project's script run with some arguments unknown, judged as the shell judges `scripts/new.sh --json "$v"`
    (the script's own text is read and judged; one it cannot read stays as the shell leaves it)."""
    import shlex
    return " ".join(shlex.quote(_plain(x)) if isinstance(x, str) else _RUNTIME_ARG for x in seq)


_ENV_VALUES = {"HOME": "~", "USERPROFILE": "~", "PWD": "."}


def _envvar(k):
    return _ENV_VALUES.get(k) if isinstance(k, str) else None


# --- Python (ast) -------------------------------------------------------------------------

_PY_RMTREE = frozenset(("shutil.rmtree", "distutils.dir_util.remove_tree",
                        "setuptools._distutils.dir_util.remove_tree"))
_PY_DELETE = frozenset(("os.remove", "os.unlink", "os.rmdir", "os.removedirs",
                        "pathlib.Path.unlink", "pathlib.Path.rmdir"))
_PY_SHELL = frozenset((
    "os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4",
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput",
    "commands.getoutput", "commands.getstatusoutput", "pty.spawn",
    "asyncio.create_subprocess_shell", "platform.popen"))
_PY_EXECFAM = frozenset(["os." + n for n in (
    "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
    "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "posix_spawn", "posix_spawnp")])
_PY_OPAQUE = frozenset((
    "pickle.loads", "pickle.load", "_pickle.loads", "_pickle.load", "cPickle.loads",
    "cPickle.load", "dill.loads", "dill.load", "cloudpickle.loads", "cloudpickle.load",
    "marshal.loads", "marshal.load", "jsonpickle.decode", "runpy.run_path", "runpy.run_module",
    "types.FunctionType", "types.CodeType", "code.interact", "code.InteractiveInterpreter",
    "code.InteractiveConsole", "ctypes.CDLL", "ctypes.cdll.LoadLibrary", "ctypes.CFUNCTYPE"))
_PY_UNPICKLE = frozenset(("pickle.load", "_pickle.load", "cPickle.load", "dill.load", "cloudpickle.load"))
_PY_DECODERS = frozenset((
    "base64.b64decode", "base64.standard_b64decode", "base64.urlsafe_b64decode",
    "base64.b32decode", "base64.b16decode", "base64.b85decode", "base64.a85decode",
    "base64.decodebytes", "base64.decodestring", "binascii.unhexlify", "binascii.a2b_hex",
    "binascii.a2b_base64", "bytes.fromhex", "codecs.decode", "zlib.decompress",
    "gzip.decompress"))
_PY_COPY = frozenset(("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree"))
_PY_MOVE = frozenset(("shutil.move", "os.rename", "os.replace", "os.renames"))
_PY_WRITE1 = frozenset(("pathlib.Path.write_text", "pathlib.Path.write_bytes",
                        "pathlib.Path.touch", "os.truncate", "send2trash"))
_PY_READ1 = frozenset(("pathlib.Path.read_text", "pathlib.Path.read_bytes"))
_FILE_NAME = _lazy(r"[\w.-]+\.[A-Za-z0-9]{1,8}$")  # setup.cfg, credentials.ini
# python-dotenv: the values of a .env file as a dict (load_dotenv only fills os.environ)
_PY_DOTENV = frozenset(("dotenv.dotenv_values", "dotenv.main.dotenv_values"))
_PY_IDENT = frozenset(("os.path.expanduser", "os.path.abspath", "os.path.realpath",
                       "os.path.normpath", "os.fspath", "os.fsdecode", "os.fsencode", "str"))
_PY_VALUE_FUNCS = frozenset(("os.path.join", "os.path.expandvars", "os.path.dirname",
                             "os.path.basename", "pathlib.Path", "pathlib.Path.home",
                             "pathlib.Path.cwd", "os.getcwd", "os.getcwdb", "os.getenv",
                             "os.environ.get", "shlex.join", "shlex.quote", "os.environ"))
_PY_KNOWN = (_PY_RMTREE | _PY_DELETE | _PY_SHELL | _PY_EXECFAM | _PY_OPAQUE | _PY_DECODERS
             | _PY_COPY | _PY_MOVE | _PY_WRITE1 | _PY_READ1 | _PY_DOTENV | _PY_IDENT | _PY_VALUE_FUNCS
             | frozenset(("open", "os.open")))
_PY_BUILTINS = frozenset(("open", "exec", "eval", "compile", "__import__", "getattr", "str",
                          "bytes", "execfile", "vars"))
_PY_CONSTS = {"os.sep": "/", "os.curdir": ".", "os.pardir": "..", "os.path.sep": "/",
              "sys.executable": "python3"}  # the interpreter running the code: `subprocess.run([sys.executable, "-m", "pytest"])`
_PY_MUTATORS = frozenset(("append", "extend", "insert", "pop", "clear", "update", "add",
                          "discard", "setdefault", "remove", "sort", "reverse"))
_PY_PATH_METHODS = frozenset(("unlink", "rmdir", "rmtree", "write_text", "write_bytes",
                              "read_text", "read_bytes", "open", "touch", "rename", "replace",
                              "move", "move_into", "copy", "copy_into", "symlink_to",
                              "hardlink_to"))
_PY_DANGEROUS_MODS = frozenset(("os", "subprocess", "shutil", "builtins", "pty", "posix", "nt"))
_PATHLIB_CLASSES = frozenset(("PosixPath", "WindowsPath", "PurePath", "PurePosixPath",
                              "PureWindowsPath", "Path"))
_WRITE_FLAGS = _lazy(r"O_(?:WRONLY|RDWR|CREAT|TRUNC|APPEND)")
_FMT_UNSAFE = _lazy(r"\{[^{}]*[.\[][^{}]*\}")


def _norm(q):
    head, _, rest = q.partition(".")
    if head in ("posixpath", "ntpath", "genericpath"):
        return "os.path" + ("." + rest if rest else "")
    if head in ("posix", "nt"):
        return "os" + ("." + rest if rest else "")
    if head in ("builtins", "__builtin__", "__builtins__") and rest:
        return rest
    if head in ("io", "_io", "codecs") and rest == "open":
        return "open"
    if head == "pathlib" and rest:
        cls, _, more = rest.partition(".")
        if cls in _PATHLIB_CLASSES:
            return "pathlib.Path" + ("." + more if more else "")
    if head == "send2trash":
        return "send2trash"
    return q


def _py_effects(code, depth):
    import ast
    import warnings

    try:
        with warnings.catch_warnings():  # the agent's code, not ours: its invalid escapes are not our warnings
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(code)
    except Exception:  # SyntaxError, ValueError (NUL bytes), RecursionError, ...
        return _rx_effects("python", code, depth)
    w = _PyWalk(ast, code, depth)
    try:
        w.visit(tree)
    except Exception:
        w.failed = True
    if w.failed:
        return w.out + _rx_effects("python", code, depth)
    return w.out


def _bslice(line, c0, c1):
    if line.isascii():
        return line[c0:c1]
    return line.encode("utf-8")[c0:c1].decode("utf-8", "replace")


class _PyWalk:
    def __init__(self, ast, code, depth):
        self.A = ast
        self.code = code
        self.depth = depth
        self.scopes = [{}]
        self.opened = {}  # name -> the path `with open(PATH) as name` opened (while no other value is bound)
        self.stars = []
        self.out = []
        self.skip = set()
        self.lines = None
        self.decoded = False
        self.failed = False

    # -- traversal ------------------------------------------------------------------------
    def visit(self, node):
        m = getattr(self, "v_" + node.__class__.__name__, None)
        if m is None:
            for c in self.A.iter_child_nodes(node):
                self.visit(c)
        else:
            m(node)

    def generic(self, node):
        for c in self.A.iter_child_nodes(node):
            self.visit(c)

    def visit_all(self, nodes):
        for n in nodes:
            if n is not None:
                self.visit(n)

    # -- scopes ---------------------------------------------------------------------------
    def bind(self, name, v):
        self.scopes[-1][name] = v
        self.opened.pop(name, None)

    def look(self, name):
        for s in reversed(self.scopes):
            if name in s:
                return True, s[name]
        return False, None

    def bind_target(self, t, v=None, vnode=None):
        k = t.__class__.__name__
        if k == "Name":
            self.bind(t.id, v)
        elif k in ("Tuple", "List"):
            elts = t.elts
            if (vnode is not None and vnode.__class__.__name__ in ("Tuple", "List")
                    and len(vnode.elts) == len(elts)
                    and not any(e.__class__.__name__ == "Starred" for e in elts + vnode.elts)):
                for te, ve in zip(elts, vnode.elts):
                    self.bind_target(te, self.ev(ve), ve)
            elif isinstance(v, tuple) and len(v) == len(elts) and \
                    not any(e.__class__.__name__ == "Starred" for e in elts):
                for te, x in zip(elts, v):
                    self.bind_target(te, x)
            else:
                for te in elts:
                    self.bind_target(te, None)
        elif k == "Starred":
            self.bind_target(t.value, None)
        else:
            self.visit(t)

    @staticmethod
    def _argnames(a):
        names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        if a.vararg:
            names.append(a.vararg.arg)
        if a.kwarg:
            names.append(a.kwarg.arg)
        return names

    # -- statements -----------------------------------------------------------------------
    def v_Import(self, n):
        for a in n.names:
            if a.asname:
                self.bind(a.asname, _Ref(a.name))
            else:
                top = a.name.split(".")[0]
                self.bind(top, _Ref(top))

    def v_ImportFrom(self, n):
        mod = ("." * (n.level or 0)) + (n.module or "")
        for a in n.names:
            if a.name == "*":
                self.stars.append(mod)
            else:
                self.bind(a.asname or a.name, _Ref(mod + "." + a.name))

    def v_Assign(self, n):
        self.visit(n.value)
        v = self.ev(n.value)
        for t in n.targets:
            self.bind_target(t, v, n.value)

    def v_AnnAssign(self, n):
        if n.value is not None:
            self.visit(n.value)
            self.bind_target(n.target, self.ev(n.value), n.value)

    def v_AugAssign(self, n):
        self.visit(n.value)
        t = n.target
        if t.__class__.__name__ == "Name":
            _, cur = self.look(t.id)
            self.bind(t.id, self.binop(n.op.__class__.__name__, cur, self.ev(n.value)))
        else:
            self.visit(t)

    def v_NamedExpr(self, n):
        self.visit(n.value)
        self.bind_target(n.target, self.ev(n.value))

    def v_For(self, n):
        self.visit(n.iter)
        vals = self.ev(n.iter)
        if isinstance(vals, (tuple, list)) and 0 < len(vals) <= 16 and all(isinstance(x, str) for x in vals):
            # `for d in ('~/Documents', '~/projects'): shutil.rmtree(…d…)`: the body runs with each literal
            for x in vals:
                self.bind_target(n.target, x)
                self.visit_all(n.body)
        else:
            self.bind_target(n.target, None)
            self.visit_all(n.body)
        self.visit_all(n.orelse)

    v_AsyncFor = v_For

    def v_With(self, n):
        for it in n.items:
            self.visit(it.context_expr)
            if it.optional_vars is not None:
                v = None
                ce = it.context_expr
                if ce.__class__.__name__ == "Call":
                    r = self.ref(ce.func)
                    if r is not None and _norm(r.q) == "tempfile.TemporaryDirectory":
                        v = self.ev(ce)
                self.bind_target(it.optional_vars, v)
                if ce.__class__.__name__ == "Call" and getattr(ce.func, "id", None) == "open" and ce.args and \
                        it.optional_vars.__class__.__name__ == "Name" and isinstance(self.ev(ce.args[0]), str):
                    self.opened[it.optional_vars.id] = self.ev(ce.args[0])  # (after bind, which clears it)
        self.visit_all(n.body)

    v_AsyncWith = v_With

    def v_FunctionDef(self, n):
        self.visit_all(n.decorator_list)
        self.visit(n.args)
        self.bind(n.name, None)
        self.scopes.append(dict.fromkeys(self._argnames(n.args)))
        opened, self.opened = self.opened, {}  # a parameter named like an opened file is not that file
        try:
            self.visit_all(n.body)
        finally:
            self.opened = opened
        self.scopes.pop()

    v_AsyncFunctionDef = v_FunctionDef

    def v_Lambda(self, n):
        self.visit(n.args)
        self.scopes.append(dict.fromkeys(self._argnames(n.args)))
        opened, self.opened = self.opened, {}
        try:
            self.visit(n.body)
        finally:
            self.opened = opened
        self.scopes.pop()

    def v_ClassDef(self, n):
        self.visit_all(n.decorator_list)
        self.visit_all(n.bases)
        self.visit_all([k.value for k in n.keywords])
        self.bind(n.name, None)
        self.scopes.append({})
        self.visit_all(n.body)
        self.scopes.pop()

    def _comp(self, n, elts):
        self.scopes.append({})
        for g in n.generators:
            self.visit(g.iter)
            self.bind_target(g.target, None)
            self.visit_all(g.ifs)
        self.visit_all(elts)
        self.scopes.pop()

    def v_ListComp(self, n):
        self._comp(n, [n.elt])

    v_SetComp = v_GeneratorExp = v_ListComp

    def v_DictComp(self, n):
        self._comp(n, [n.key, n.value])

    def v_ExceptHandler(self, n):
        if n.type is not None:
            self.visit(n.type)
        if n.name:
            self.bind(n.name, None)
        self.visit_all(n.body)

    def v_Call(self, n):
        if id(n) not in self.skip:
            try:
                self.call(n)
            except Exception:
                self.failed = True
        self.generic(n)

    # -- effects --------------------------------------------------------------------------
    def evidence(self, n):
        try:
            if self.lines is None:
                self.lines = self.code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            l0 = n.lineno - 1
            l1 = (n.end_lineno or n.lineno) - 1
            c1 = n.end_col_offset
            if l0 == l1:
                s = _bslice(self.lines[l0], n.col_offset, c1)
            else:
                parts = [_bslice(self.lines[l0], n.col_offset, None)]
                total = len(parts[0])
                k = l0 + 1
                while k < l1 and total < 400:
                    parts.append(self.lines[k])
                    total += len(self.lines[k])
                    k += 1
                if k == l1:
                    parts.append(_bslice(self.lines[l1], 0, c1))
                s = "\n".join(parts)
            return _trim(s)
        except Exception:
            return ""

    def add(self, kind, v, n, rec=False):
        tgt = _plain(v) if isinstance(v, str) else None
        self.out.append(Effect(kind, tgt, n.lineno, self.evidence(n), rec))

    def call(self, n):
        f = n.func
        r = self.ref(f)
        if r is not None:
            self.call_q(_norm(r.q), n)
        elif f.__class__.__name__ == "Attribute":
            self.call_method(f, n)
        # dangerous functions handed to another call: map(os.remove, files)
        for a in n.args:
            if a.__class__.__name__ in ("Name", "Attribute"):
                ra = self.ref(a)
                if ra is None:
                    continue
                q = _norm(ra.q)
                if q in _PY_RMTREE:
                    self.add("delete", None, n, True)
                elif q in _PY_DELETE:
                    self.add("delete", None, n)
                elif q in _PY_SHELL or q in _PY_EXECFAM or q in ("exec", "eval"):
                    self.add("opaque", None, n)

    def call_q(self, q, n):
        A = n.args
        kw = {k.arg: k.value for k in n.keywords if k.arg}

        def arg(i, *names):
            if i < len(A) and A[i].__class__.__name__ != "Starred":
                return A[i]
            for nm in names:
                if nm in kw:
                    return kw[nm]
            return None

        if q in _PY_RMTREE:
            self.add("delete", self.ev(arg(0, "path", "directory")), n, True)
        elif q in _PY_DELETE:
            self.add("delete", self.ev(arg(0, "path", "self")), n)
        elif q in _PY_SHELL:
            self.shell(arg(0, "args", "cmd", "command"), n)
        elif q in _PY_EXECFAM:
            self.execfam(q, n)
        elif q == "asyncio.create_subprocess_exec":
            if any(a.__class__.__name__ == "Starred" for a in A):
                self.add("opaque", None, n)
            else:
                self.shell_val(tuple(self.ev(a) for a in A), n)
        elif q == "runpy.run_path" and isinstance(self.ev(arg(0, "path_name")), str):
            self.add("run", self.ev(arg(0, "path_name")), n)  # runs that file as __main__: judged as its text
        elif q in ("exec", "eval", "compile", "execfile"):
            self.exec_(q, arg(0, "source", "object"), n)
        elif q in _PY_UNPICKLE and A and A[0].__class__.__name__ == "Call" and \
                getattr(A[0].func, "id", None) == "open" and A[0].args and isinstance(self.ev(A[0].args[0]), str):
            # pickle.load(open('model.pkl', 'rb')): a file whose pickle is read before it runs (programs.unpickled)
            self.add("unpickle", self.ev(A[0].args[0]), n)
        elif q in _PY_UNPICKLE and A and A[0].__class__.__name__ == "Name" and A[0].id in self.opened:
            self.add("unpickle", self.opened[A[0].id], n)  # with open('model.pkl', 'rb') as f: pickle.load(f)
        elif q in _PY_OPAQUE:
            self.add("opaque", None, n)
        elif q in ("__import__", "importlib.import_module", "importlib.__import__"):
            if not isinstance(self.ev(arg(0, "name")), str):
                self.add("opaque", None, n)
        elif q == "getattr" and len(A) >= 2:
            base = self.ref(A[0])
            if (base is not None and _norm(base.q).split(".")[0] in _PY_DANGEROUS_MODS
                    and not isinstance(self.ev(A[1]), str)):
                self.add("opaque", None, n)
        elif q == "open" or q == "os.open":
            self.open_(q, arg(0, "file", "path"), arg(1, "mode", "flags"), n)
        elif q in _PY_WRITE1:
            self.add("write", self.ev(arg(0, "self", "path", "paths")), n)
        elif q in _PY_READ1:
            self.add("read", self.ev(arg(0, "self", "path")), n)
        elif q in _PY_DOTENV:
            p = arg(0, "dotenv_path")
            self.add("read", self.ev(p) if p is not None else ".env", n)
        elif q in _PY_COPY:
            self.add("read", self.ev(arg(0, "src")), n)
            self.add("write", self.ev(arg(1, "dst")), n)
        elif q in _PY_MOVE:
            self.add("write", self.ev(arg(0, "src")), n)
            self.add("write", self.ev(arg(1, "dst")), n)
        elif q.startswith("sh.") and q.count(".") == 1:
            prog = q[3:]
            if prog and not prog.startswith("_") and prog not in (
                    "Command", "ErrorReturnCode", "RunningCommand", "glob", "cd", "pushd",
                    "contrib", "which"):
                if any(a.__class__.__name__ == "Starred" for a in A):
                    self.add("opaque", None, n)
                else:
                    self.shell_val(tuple([prog.replace("_", "-")] + [self.ev(a) for a in A]), n)

    def shell(self, cmd, n):
        if cmd is None:
            self.add("opaque", None, n)
        else:
            self.shell_val(self.ev(cmd), n)

    def shell_val(self, v, n):
        if isinstance(v, str) and v.strip():
            self.add("shell", v, n)
        elif isinstance(v, tuple) and _argv_text(v):
            self.add("shell", _argv_text(v), n)
        else:
            self.add("opaque", None, n)

    def execfam(self, q, n):
        A = n.args
        if any(a.__class__.__name__ == "Starred" for a in A):
            return self.add("opaque", None, n)
        vals = [self.ev(a) for a in A]
        name = q[3:]
        if name.startswith("posix_spawn"):
            path = vals[0] if vals else None
            argv = vals[1] if len(vals) > 1 else None
        else:
            base, suf = (0, name[4:]) if name.startswith("exec") else (1, name[5:])
            path = vals[base] if len(vals) > base else None
            rest = vals[base + 1:]
            if "v" in suf:
                argv = rest[0] if rest else None
            else:
                if "e" in suf:
                    rest = rest[:-1]
                argv = tuple(rest)
        if isinstance(argv, tuple) and argv and all(isinstance(x, str) for x in argv):
            argv = list(argv)
            if isinstance(path, str):
                argv[0] = path
            return self.add("shell", _shjoin(argv), n)
        self.add("opaque", None, n)

    def exec_(self, q, src, n):
        if src is None:
            return self.add("opaque", None, n)
        inner = src
        if q != "compile" and inner.__class__.__name__ == "Call" and inner.args:
            r = self.ref(inner.func)
            if r is not None and _norm(r.q) == "compile":
                self.skip.add(id(inner))
                inner = inner.args[0]
        if q == "execfile":
            self.add("read", self.ev(inner), n)
            return self.add("opaque", None, n)
        ran = self._file_text_of(inner)
        if ran is not None:  # exec(open('x.py').read()), exec(Path('x.py').read_text()): runs that file's text
            return self.add("run", ran, n)
        self.decoded = False
        v = self.ev(inner)
        obfuscated = self.decoded
        if isinstance(v, str) and self.depth < _MAX_DEPTH:
            multiline = (inner.__class__.__name__ == "Constant"
                         and (inner.end_lineno or inner.lineno) > inner.lineno)
            for e in _py_effects(_plain(v), self.depth + 1):
                # lines of a multi-line literal map onto the source; anything else is
                # reported on the line of the call
                e.line = e.line + inner.lineno - 1 if multiline else n.lineno
                self.out.append(e)
            if obfuscated:
                self.add("opaque", None, n)
        else:
            self.add("opaque", None, n)

    def _file_text_of(self, node):
        """The literal path P when ``node`` is ``open(P).read()`` or ``Path(P).read_text()``, else None."""
        if node.__class__.__name__ != "Call" or node.args or node.func.__class__.__name__ != "Attribute":
            return None
        inner = node.func.value
        if node.func.attr not in ("read", "read_text") or inner.__class__.__name__ != "Call" or not inner.args:
            return None
        r = self.ref(inner.func)
        q = _norm(r.q) if r is not None else ""
        if (node.func.attr == "read" and q in ("open", "io.open")) or \
                (node.func.attr == "read_text" and q in ("pathlib.Path", "pathlib.PurePath", "Path")):
            v = self.ev(inner.args[0])
            return v if isinstance(v, str) else None
        return None

    def _mode_kind(self, mode):
        if mode is None:
            return "read"
        m = self.ev(mode)
        if isinstance(m, str):
            return "write" if any(c in m for c in "wax+") else "read"
        return "write"

    def open_(self, q, p, mode, n):
        target = self.ev(p) if p is not None else None
        if q == "os.open":
            kind = "write" if mode is not None and _WRITE_FLAGS.search(self.evidence(mode)) else "read"
        else:
            kind = self._mode_kind(mode)
        self.add(kind, target, n)

    def call_method(self, f, n):
        m = f.attr
        recv_node = f.value
        if m == "read" and n.args and len(n.args) == 1:
            # ConfigParser().read('~/.aws/credentials'): a read of the named files; f.read(1024) names none
            v = self.ev(n.args[0])
            for x in (v if isinstance(v, tuple) else (v,)):
                if isinstance(x, str) and (x[:1] in ("~", "/", ".") or "/" in x or _FILE_NAME.match(x)):
                    self.add("read", x, n)
            return
        if m in _PY_MUTATORS and recv_node.__class__.__name__ == "Name":
            found, v = self.look(recv_node.id)
            if found and not isinstance(v, _Ref):
                self.bind(recv_node.id, None)
            return
        if m not in _PY_PATH_METHODS:
            return
        recv = self.ev(recv_node)
        if isinstance(recv, _Ref):
            return
        A = n.args
        kw = {k.arg: k.value for k in n.keywords if k.arg}
        if m in ("unlink", "rmdir"):
            self.add("delete", recv, n)
        elif m == "rmtree":
            self.add("delete", recv, n, True)
        elif m in ("write_text", "write_bytes"):
            self.add("write", recv, n)
        elif m in ("read_text", "read_bytes"):
            self.add("read", recv, n)
        elif not isinstance(recv, _P):
            return
        elif m == "open":
            self.add(self._mode_kind(A[0] if A else kw.get("mode")), recv, n)
        elif m in ("touch", "symlink_to", "hardlink_to"):
            self.add("write", recv, n)
        elif m in ("rename", "replace", "move", "move_into"):
            self.add("write", recv, n)
            self.add("write", self.ev(A[0]) if A else None, n)
        elif m in ("copy", "copy_into"):
            self.add("read", recv, n)
            self.add("write", self.ev(A[0]) if A else None, n)

    # -- name and value resolution --------------------------------------------------------
    def ref(self, n):
        k = n.__class__.__name__
        if k == "Name":
            found, v = self.look(n.id)
            if found:
                return v if isinstance(v, _Ref) else None
            if n.id in _PY_BUILTINS:
                return _Ref(n.id)
            for m in self.stars:
                if _norm(m + "." + n.id) in _PY_KNOWN:
                    return _Ref(m + "." + n.id)
            return None
        if k == "Attribute":
            b = self.ref(n.value)
            return _Ref(b.q + "." + n.attr) if b is not None else None
        if k == "Call":
            f = self.ref(n.func)
            if f is None:
                return None
            q = _norm(f.q)
            if q in ("__import__", "importlib.import_module", "importlib.__import__") and n.args:
                v = self.ev(n.args[0])
                if isinstance(v, str) and v:
                    v = _plain(v)
                    if q.endswith("__import__") and not n.keywords and len(n.args) < 4:
                        v = v.split(".")[0]
                    return _Ref(v)
            elif q == "getattr" and len(n.args) >= 2:
                b = self.ref(n.args[0])
                s = self.ev(n.args[1])
                if b is not None and isinstance(s, str):
                    return _Ref(b.q + "." + _plain(s))
            return None
        if k == "Subscript":
            v = n.value
            b = self.ref(v)
            s = None
            if b is not None and _norm(b.q) == "sys.modules":
                s = self.ev(n.slice)
                if isinstance(s, str):
                    return _Ref(_plain(s))
            # os.__dict__["system"], vars(os)["system"]
            base = None
            if v.__class__.__name__ == "Attribute" and v.attr == "__dict__":
                base = self.ref(v.value)
            elif v.__class__.__name__ == "Call" and v.args and self.ref(v.func) is not None \
                    and _norm(self.ref(v.func).q) == "vars":
                base = self.ref(v.args[0])
            if base is not None:
                s = self.ev(n.slice)
                if isinstance(s, str):
                    return _Ref(base.q + "." + _plain(s))
        return None

    def ev(self, n, d=0):
        if n is None or d > 60:
            return None
        k = n.__class__.__name__
        if k == "Constant":
            v = n.value
            if isinstance(v, str):
                return v
            if isinstance(v, bytes):
                return _B(v.decode("latin-1"))
            return None
        if k == "JoinedStr":
            parts = []
            for p in n.values:
                pk = p.__class__.__name__
                if pk == "Constant":
                    parts.append(str(p.value))
                elif pk == "FormattedValue":
                    if p.format_spec is not None:
                        return None
                    v = self.ev(p.value, d + 1)
                    if not isinstance(v, str):
                        return None
                    v = _plain(v)
                    parts.append(repr(v) if p.conversion == 114 else v)
                else:
                    return None
            return "".join(parts)
        if k == "Name":
            found, v = self.look(n.id)
            if found:
                return v
            return self.ref(n)
        if k == "Attribute":
            r = self.ref(n)
            if r is not None:
                c = _PY_CONSTS.get(_norm(r.q))
                return c if c is not None else r
            base = self.ev(n.value, d + 1)
            if isinstance(base, _P):
                if n.attr == "parent":
                    return _P(_parent(base))
                if n.attr == "name":
                    return _plain(base).rstrip("/").rsplit("/", 1)[-1]
            return None
        if k == "BinOp":
            return self.binop(n.op.__class__.__name__, self.ev(n.left, d + 1),
                              self.ev(n.right, d + 1))
        if k == "BoolOp":
            if n.op.__class__.__name__ == "Or":
                for x in n.values:
                    v = self.ev(x, d + 1)
                    if v is not None:
                        return v
            return None
        if k in ("List", "Tuple"):
            out = []
            for e in n.elts:
                if e.__class__.__name__ == "Starred":
                    v = self.ev(e.value, d + 1)
                    if isinstance(v, tuple):
                        out.extend(v)
                        continue
                    return None
                out.append(self.ev(e, d + 1))
            return tuple(out)
        if k == "Subscript":
            r = self.ref(n.value)
            if r is not None and _norm(r.q) == "os.environ":
                key = self.ev(n.slice, d + 1)
                return _envvar(_plain(key)) if isinstance(key, str) else None
            base = self.ev(n.value, d + 1)
            sl = n.slice
            if (isinstance(base, tuple) and sl.__class__.__name__ == "Constant"
                    and isinstance(sl.value, int)):
                try:
                    return base[sl.value]
                except IndexError:
                    return None
            return None
        if k == "Call":
            return self.ev_call(n, d)
        if k == "NamedExpr":
            return self.ev(n.value, d + 1)
        return None

    def binop(self, op, l, r):
        if op == "Add":
            if isinstance(l, str) and isinstance(r, str):
                if isinstance(l, _B) and isinstance(r, _B):
                    return _B(str(l) + str(r))
                return _plain(l) + _plain(r)
            if isinstance(l, tuple) and isinstance(r, tuple):
                return l + r
        elif op == "Div":
            if (isinstance(l, _P) and isinstance(r, str)) or (isinstance(r, _P) and isinstance(l, str)):
                j = _join([l, r])
                return _P(j) if j is not None else None
        elif op == "Mod":
            if isinstance(l, str) and not isinstance(l, _P):
                args = r if isinstance(r, tuple) else (r,)
                if all(isinstance(x, str) for x in args):
                    try:
                        return _plain(l) % tuple(_plain(x) for x in args)
                    except Exception:
                        return None
        return None

    def ev_call(self, n, d):
        r = self.ref(n)
        if r is not None:
            return r
        f = n.func
        A = n.args
        if any(a.__class__.__name__ == "Starred" for a in A):
            return None
        rf = self.ref(f)
        if rf is not None:
            q = _norm(rf.q)
            if q in _PY_IDENT:
                v = self.ev(A[0], d + 1) if A else None
                return _plain(v) if isinstance(v, str) else None
            if q == "os.path.expandvars":
                v = self.ev(A[0], d + 1) if A else None
                if isinstance(v, str):
                    return re.sub(r"\$(?:HOME|\{HOME\})(?![\w])", "~", _plain(v))
                return None
            if q == "os.path.join":
                return _join([self.ev(a, d + 1) for a in A])
            if q == "os.path.dirname":
                v = self.ev(A[0], d + 1) if A else None
                return _parent(v) if isinstance(v, str) else None
            if q == "os.path.basename":
                v = self.ev(A[0], d + 1) if A else None
                return _plain(v).rsplit("/", 1)[-1] if isinstance(v, str) else None
            if q == "pathlib.Path":
                if not A:
                    return _P(".")
                j = _join([self.ev(a, d + 1) for a in A])
                return _P(j) if j is not None else None
            if q == "pathlib.Path.home":
                return _P("~")
            if q == "pathlib.Path.cwd":
                return _P(".")
            if q == "tempfile.gettempdir":
                return "/tmp"
            if q in ("tempfile.mkdtemp", "tempfile.mkstemp", "tempfile.TemporaryDirectory"):
                return self.tempname(q, n, d)
            if q in ("os.getcwd", "os.getcwdb"):
                return "."
            if q in ("os.getenv", "os.environ.get", "os.getenvb"):
                key = self.ev(A[0], d + 1) if A else None
                return _envvar(_plain(key)) if isinstance(key, str) else None
            if q in _PY_DECODERS:
                return self.decode(q, n, d)
            if q == "shlex.join":
                v = self.ev(A[0], d + 1) if A else None
                if isinstance(v, tuple) and all(isinstance(x, str) for x in v):
                    return _shjoin(v)
                return None
            if q == "shlex.quote":
                v = self.ev(A[0], d + 1) if A else None
                if isinstance(v, str):
                    import shlex
                    return shlex.quote(_plain(v))
            return None
        if f.__class__.__name__ != "Attribute":
            return None
        m = f.attr
        recv = self.ev(f.value, d + 1)
        if isinstance(recv, _P):
            if m in ("expanduser", "resolve", "absolute"):
                return recv
            if m in ("as_posix", "__fspath__", "__str__"):
                return _plain(recv)
            if m == "joinpath":
                j = _join([recv] + [self.ev(a, d + 1) for a in A])
                return _P(j) if j is not None else None
            return None
        if isinstance(recv, str):
            if m == "decode":
                return _plain(recv)
            if m == "encode":
                return _B(_plain(recv).encode("utf-8").decode("latin-1"))
            if m in ("strip", "lstrip", "rstrip") and not A:
                return getattr(str, m)(_plain(recv))
            if m == "format":
                vals = [self.ev(a, d + 1) for a in A]
                kws = {k.arg: self.ev(k.value, d + 1) for k in n.keywords if k.arg}
                if (all(isinstance(x, str) for x in vals) and all(isinstance(x, str) for x in kws.values())
                        and not _FMT_UNSAFE.search(recv) and len(n.keywords) == len(kws)):
                    try:
                        return _plain(recv).format(*[_plain(x) for x in vals],
                                                   **{a: _plain(b) for a, b in kws.items()})
                    except Exception:
                        return None
                return None
            if m == "join" and A:
                v = self.ev(A[0], d + 1)
                if isinstance(v, tuple) and all(isinstance(x, str) for x in v):
                    return _plain(recv).join(_plain(x) for x in v)
                return None
            if m == "replace" and len(A) >= 2:
                a, b = self.ev(A[0], d + 1), self.ev(A[1], d + 1)
                if isinstance(a, str) and isinstance(b, str):
                    return _plain(recv).replace(_plain(a), _plain(b))
        return None

    def tempname(self, q, n, d):
        kw = {k.arg: k.value for k in n.keywords if k.arg}
        A = n.args
        parts = {}
        for i, key in enumerate(("suffix", "prefix", "dir")):
            node = A[i] if i < len(A) else kw.get(key)
            if node is not None:
                v = self.ev(node, d + 1)
                if not isinstance(v, str):
                    return None
                parts[key] = _plain(v)
        name = parts.get("prefix", "tmp") + "XXXXXX" + parts.get("suffix", "")
        path = _join([parts.get("dir", "/tmp"), name])
        if q == "tempfile.mkstemp":
            return (None, path)
        return path

    def decode(self, q, n, d):
        A = n.args
        v = self.ev(A[0], d + 1) if A else None
        if not isinstance(v, str) or len(v) > 500000:
            return None
        raw = v.encode("latin-1") if isinstance(v, _B) else _plain(v).encode("utf-8", "replace")
        try:
            if q.startswith("base64."):
                import base64
                out = getattr(base64, q[7:])(raw)
            elif q in ("binascii.unhexlify", "binascii.a2b_hex", "bytes.fromhex"):
                out = bytes.fromhex(raw.decode("ascii"))
            elif q == "binascii.a2b_base64":
                import base64
                out = base64.b64decode(raw)
            elif q in ("zlib.decompress", "gzip.decompress"):
                import zlib
                dec = zlib.decompressobj(47 if q == "gzip.decompress" else 15)
                out = dec.decompress(raw, 2000000)
            elif q == "codecs.decode":
                enc = self.ev(A[1], d + 1) if len(A) > 1 else None
                if enc is None:
                    for k in n.keywords:
                        if k.arg == "encoding":
                            enc = self.ev(k.value, d + 1)
                if not isinstance(enc, str):
                    return None
                enc = _plain(enc).lower().replace("-", "_")
                if enc in ("rot13", "rot_13"):
                    import codecs
                    self.decoded = True
                    return codecs.decode(_plain(v), "rot13")
                if enc not in ("base64", "base_64", "hex", "zlib", "zip", "hex_codec",
                               "base64_codec", "zlib_codec"):
                    return None
                import codecs
                out = codecs.decode(raw, enc)
            else:
                return None
        except Exception:
            return None
        self.decoded = True
        return _B(out.decode("latin-1"))


# --- scanner for everything else ----------------------------------------------------------

_BR = {"(": ")", "[": "]", "{": "}", "<": ">"}
_PERL_QOP = _lazy(r"(qq|qw|qx|qr|tr|q|m|s|y)\s*([^\w\s,;=)\]}>#])")
_RUBY_PCT = _lazy(r"%([qQwWiIx]?)([^\w\s=])")
_KW_BEFORE_REGEX = frozenset((
    "return", "typeof", "when", "if", "unless", "and", "or", "not", "case", "in", "of", "split",
    "grep", "elsif", "while", "until", "yield", "void", "delete", "instanceof", "new", "do",
    "else", "map", "join", "throw"))
_ESC_RE = _lazy(r"\\(.)", re.S)
_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\n": "", "\\": "\\", "'": "'", '"': '"',
        "`": "`", "$": "$", "{": "{", "}": "}", "@": "@", "#": "#", "/": "/", " ": " "}
_PERL_INTERP = _lazy(
    r"\\(.)|\$ENV\{\s*['\"]?(\w+)['\"]?\s*\}|\$\{(\w+)\}|\$(\w+)|@(\w+)", re.S)
_PHP_INTERP = _lazy(
    r"\\(.)|\{?\$_(?:SERVER|ENV)\[['\"]?(\w+)['\"]?\]\}?|\{\$(\w+)\}|\$\{(\w+)\}|\$(\w+)", re.S)
_FUNC_HEAD = _lazy(r"([A-Za-z_$][\w$]*(?:\s*(?:\.|::|->)\s*[A-Za-z_$][\w$]*)*)\s*\(")
_WS = _lazy(r"\s+")

_VAR_ASSIGN = {
    "python": _lazy(r"(?:^|;)[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)", re.M),
    "node": _lazy(r"(?<![\w$.])(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*=(?![=>])"),
    "perl": _lazy(r"(?<![\w$@%])(?:(?:my|our|local)\s*)?([$@][A-Za-z_]\w*)\s*=(?![=~>])"),
    "ruby": _lazy(r"(?<![\w@$.:])(@{0,2}[a-z_]\w*|\$\w+)\s*=(?![=~>])"),
    "php": _lazy(r"(?<![\w$>:])(\$\w+)\s*=(?![=>])"),
}


class _Cfg:
    __slots__ = ("concat", "home", "cwd", "join", "ident", "var", "suffix_ident", "tmp")

    def __init__(self, concat, home, cwd, join, ident, var, suffix_ident, tmp=None):
        self.concat = concat
        self.home = _lazy(home)
        self.cwd = _lazy(cwd) if cwd else None
        self.tmp = _lazy(tmp) if tmp else None
        self.join = frozenset(join)
        self.ident = frozenset(ident)
        self.var = _lazy(var)
        self.suffix_ident = frozenset(suffix_ident)


_CFG = {
    "python": _Cfg(
        "+",
        r"(?:pathlib\.)?Path\.home\(\)|os\.environ\[(['\"])(?:HOME|USERPROFILE)\1\]"
        r"|os\.(?:environ\.get|getenv)\((['\"])(?:HOME|USERPROFILE)\2\)",
        r"os\.getcwd\(\)|(?:pathlib\.)?Path\.cwd\(\)",
        ("os.path.join", "posixpath.join", "path.join", "Path", "pathlib.Path", "PurePath",
         "PosixPath"),
        ("os.path.expanduser", "os.path.abspath", "os.path.realpath", "os.path.normpath",
         "str", "os.fspath", "expanduser", "abspath", "path.expanduser"),
        r"[A-Za-z_]\w*",
        ("expanduser", "resolve", "absolute"),
        r"tempfile\.gettempdir\(\)"),
    "node": _Cfg(
        "+",
        r"(?:[\w$]+\.)?homedir\(\)|process\.env(?:\.HOME|\.USERPROFILE|\[(['\"`])(?:HOME|USERPROFILE)\1\])"
        r"|Deno\.env\.get\((['\"])HOME\2\)",
        r"process\.cwd\(\)|Deno\.cwd\(\)",
        ("path.join", "path.resolve", "path.posix.join", "path.posix.resolve", "join", "resolve"),
        ("path.normalize", "String", "fs.realpathSync", "realpathSync", "path.normalize"),
        r"[A-Za-z_$][\w$]*",
        ("toString",),
        r"(?:[\w$]+\.)?tmpdir\(\)|Deno\.makeTempDirSync\(\)"),
    "perl": _Cfg(
        ".",
        r"\$ENV\{(['\"]?)HOME\1\}|File::HomeDir->my_home(?:\(\))?|\(getpwuid\(\$<\)\)\[7\]",
        r"(?:Cwd::)?(?:getcwd|cwd)(?:\(\))?",
        ("File::Spec->catfile", "File::Spec->catdir", "catfile", "catdir"),
        ("glob", "abs_path", "Cwd::abs_path", "realpath"),
        r"[$@][A-Za-z_]\w*",
        (),
        r"File::Spec->tmpdir(?:\(\))?"),
    "ruby": _Cfg(
        "+",
        r"Dir\.home(?:\(\))?|ENV\[(['\"])HOME\1\]|ENV\.fetch\((['\"])HOME\2(?:,[^()]*)?\)"
        r"|Etc\.getpwuid\.dir|Gem\.user_home",
        r"Dir\.pwd|Dir\.getwd|FileUtils\.pwd",
        ("File.join",),
        ("File.expand_path", "Pathname.new", "Pathname", "File.absolute_path", "String",
         "File.realpath"),
        r"@{0,2}[a-z_]\w*|\$\w+",
        ("to_s", "to_path", "expand_path"),
        r"Dir\.tmpdir(?:\(\))?|Dir\.mktmpdir(?:\(\))?"),
    "php": _Cfg(
        ".",
        r"getenv\((['\"])HOME\1\)|\$_(?:SERVER|ENV)\[(['\"])HOME\2\]",
        r"getcwd\(\)",
        (),
        ("realpath",),
        r"\$\w+",
        (),
        r"sys_get_temp_dir\(\)"),
}


class _Tok:
    __slots__ = ("end", "olen", "clen", "dq", "kind", "interps")

    def __init__(self, olen, clen, dq, kind):
        self.end = -1
        self.olen = olen
        self.clen = clen
        self.dq = dq
        self.kind = kind
        self.interps = []


def _rx_effects(lang, code, depth):
    if lang == "deno":
        lang = "node"
    rx = _Rx(lang, code, depth)
    rx.run()
    return rx.out


class _Rx:
    def __init__(self, lang, code, depth):
        self.lang = lang
        self.orig = code
        self.depth = depth
        self.out = []
        self.cfg = _CFG[lang]
        self._scan()
        self.alias = {}
        self.named = {}
        if lang == "node":
            self._js_imports()
        self._collect_vars()

    # -- lexing ---------------------------------------------------------------------------
    def _scan(self):
        code = self.orig
        lang = self.lang
        n = len(code)
        out = list(code)
        mask = bytearray(n)
        toks = {}
        js = lang == "node"
        hashc = not js
        slashc = js or lang == "php"
        stack = []
        depth = 0
        st = None
        i = 0

        def blank(a, b):
            for k in range(a, b):
                if out[k] != "\n":
                    out[k] = " "

        while i < n:
            c = code[i]
            if st is None:
                if c.isalnum() or c == "_":
                    if lang == "perl" and c in "qmsty":
                        op = self._opener(code, i, c)
                        if op is not None:
                            st = self._open_tok(toks, i, op)
                            for k in range(i + 1, min(n, i + op[0])):
                                mask[k] = 1
                            i += op[0]
                            continue
                    j = i + 1
                    while j < n and (code[j].isalnum() or code[j] == "_"):
                        j += 1
                    i = j
                    continue
                if c in " \t\r\n":
                    i += 1
                    continue
                if slashc and c == "/" and i + 1 < n and code[i + 1] in "/*":
                    if code[i + 1] == "/":
                        j = code.find("\n", i)
                        j = n if j < 0 else j
                    else:
                        j = code.find("*/", i + 2)
                        j = n if j < 0 else j + 2
                    blank(i, j)
                    i = j
                    continue
                if hashc and c == "#" and not (lang == "perl" and i > 0 and code[i - 1] == "$"):
                    j = code.find("\n", i)
                    j = n if j < 0 else j
                    blank(i, j)
                    i = j
                    continue
                if (c == "=" and lang in ("perl", "ruby") and (i == 0 or code[i - 1] == "\n")
                        and i + 1 < n and code[i + 1].isalpha()):
                    end = "\n=cut" if lang == "perl" else "\n=end"
                    j = code.find(end, i)
                    if j < 0:
                        j = n
                    else:
                        j = code.find("\n", j + 1)
                        j = n if j < 0 else j
                    blank(i, j)
                    i = j
                    continue
                op = self._opener(code, i, c)
                if op is not None:
                    st = self._open_tok(toks, i, op)
                    for k in range(i + 1, min(n, i + op[0])):
                        mask[k] = 1
                    i += op[0]
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0 and stack:
                        st, depth = stack.pop()
                        st[6].interps[-1][1] = i
                        mask[i] = 1
                        i += 1
                        continue
                    if depth:
                        depth -= 1
                i += 1
                continue
            # inside a string-like token
            closer, opener, nest, interp, parts, single, rec = st
            if single and c == "\n":
                rec.end = i
                st = None
                continue
            mask[i] = 1
            if c == "\\":
                if i + 1 < n:
                    mask[i + 1] = 1
                i += 2
                continue
            if interp is not None and code.startswith(interp, i):
                for k in range(i, min(n, i + len(interp))):
                    mask[k] = 1
                rec.interps.append([i + len(interp), None])
                stack.append((st, depth))
                st = None
                depth = 0
                i += len(interp)
                continue
            if opener is not None and c == opener:
                st[2] += 1
                i += 1
                continue
            if code.startswith(closer, i):
                if nest:
                    st[2] -= 1
                    i += 1
                    continue
                for k in range(i, min(n, i + len(closer))):
                    mask[k] = 1
                i += len(closer)
                st[4] -= 1
                if st[4] > 0:
                    if opener is not None:
                        j = i
                        while j < n and code[j] in " \t\r\n":
                            j += 1
                        if j < n and code[j] in _BR:
                            for k in range(i, j + 1):
                                mask[k] = 1
                            st[0] = _BR[code[j]]
                            st[1] = code[j]
                            st[2] = 0
                            i = j + 1
                            continue
                        rec.end = i
                        st = None
                    continue
                rec.end = i
                st = None
                continue
            i += 1
        for rec in toks.values():
            if rec.end < 0:
                rec.end = n
            for it in rec.interps:
                if it[1] is None:
                    it[1] = n
        self.text = "".join(out)
        self.mask = mask
        self.toks = toks

    @staticmethod
    def _open_tok(toks, i, op):
        olen, closer, opener, dq, interp, kind, parts, single = op
        rec = _Tok(olen, len(closer), dq, kind)
        toks[i] = rec
        return [closer, opener, 0, interp, parts, single, rec]

    def _opener(self, code, i, c):
        lang = self.lang
        if lang == "python":
            if c == "'" or c == '"':
                if code.startswith(c * 3, i):
                    return (3, c * 3, None, True, None, "str", 1, False)
                return (1, c, None, True, None, "str", 1, True)
            return None
        if lang == "node":
            if c == "'" or c == '"':
                return (1, c, None, True, None, "str", 1, True)
            if c == "`":
                return (1, "`", None, True, "${", "str", 1, False)
            if c == "/" and self._regex_ok(code, i):
                return (1, "/", None, False, None, "regex", 1, True)
            return None
        ruby = lang == "ruby"
        if c == "'":
            return (1, "'", None, False, None, "str", 1, False)
        if c == '"':
            return (1, '"', None, True, "#{" if ruby else None, "str", 1, False)
        if c == "`":
            return (1, "`", None, True, "#{" if ruby else None, "shell", 1, False)
        if lang == "perl":
            if c in "qmsty":
                prev = code[i - 1] if i else ""
                if prev and (prev.isalnum() or prev in "_$@%&:>-{"):
                    return None
                m = _PERL_QOP.match(code, i)
                if m is None:
                    return None
                op, dl = m.group(1), m.group(2)
                kind = {"qw": "words", "qx": "shell", "q": "str", "qq": "str"}.get(op, "regex")
                parts = 2 if op in ("s", "tr", "y") else 1
                return (m.end() - i, _BR.get(dl, dl), dl if dl in _BR else None,
                        op in ("qq", "qx"), None, kind, parts, False)
            if c == "/" and self._regex_ok(code, i):
                return (1, "/", None, False, None, "regex", 1, False)
            return None
        if ruby:
            if c == "%":
                m = _RUBY_PCT.match(code, i)
                if m is not None and (m.group(1) or self._regex_ok(code, i)):
                    letter, dl = m.group(1), m.group(2)
                    if letter and letter in "wWiI":
                        kind = "words"
                    elif letter == "x":
                        kind = "shell"
                    else:
                        kind = "str"
                    dq = letter in ("Q", "", "x", "W", "I")
                    return (m.end() - i, _BR.get(dl, dl), dl if dl in _BR else None, dq,
                            "#{" if dq else None, kind, 1, False)
                return None
            if c == "/" and self._regex_ok(code, i):
                return (1, "/", None, False, "#{", "regex", 1, True)
        return None

    def _regex_ok(self, code, i):
        nxt = code[i + 1] if i + 1 < len(code) else ""
        if nxt in ("", " ", "\t", "\n", "=", "\r"):
            return False
        j = i - 1
        while j >= 0 and code[j] in " \t":
            j -= 1
        if j < 0 or code[j] == "\n":
            return True
        p = code[j]
        if p in "(,=:[!&|?{};+-*%<>~^":
            return True
        if p.isalnum() or p == "_":
            k = j
            while k >= 0 and (code[k].isalnum() or code[k] == "_"):
                k -= 1
            return code[k + 1:j + 1] in _KW_BEFORE_REGEX
        return False

    # -- structure helpers ------------------------------------------------------------------
    def _close(self, i):
        t, m = self.text, self.mask
        d = 0
        for k in range(i, len(t)):
            if m[k]:
                continue
            ch = t[k]
            if ch in "([{":
                d += 1
            elif ch in ")]}":
                d -= 1
                if d <= 0:
                    return k
        return -1

    def _open(self, k):
        t, m = self.text, self.mask
        d = 0
        while k >= 0:
            if not m[k]:
                ch = t[k]
                if ch in ")]}":
                    d += 1
                elif ch in "([{":
                    d -= 1
                    if d <= 0:
                        return k
            k -= 1
        return -1

    def _strip(self, a, b):
        t = self.text
        while a < b and t[a].isspace():
            a += 1
        while b > a and t[b - 1].isspace():
            b -= 1
        return a, b

    def _split(self, a, b, sep=","):
        t, m = self.text, self.mask
        d = 0
        parts = []
        s = a
        for k in range(a, b):
            if m[k]:
                continue
            ch = t[k]
            if ch in "([{":
                d += 1
            elif ch in ")]}":
                d -= 1
            elif d == 0 and ch == sep:
                parts.append((s, k))
                s = k + 1
        parts.append((s, b))
        out = [self._strip(x, y) for x, y in parts]
        if out and out[-1][0] >= out[-1][1] and len(out) > 1:
            out.pop()
        if len(out) == 1 and out[0][0] >= out[0][1]:
            return []
        return out

    def _line_end(self, i):
        j = self.text.find("\n", i)
        return len(self.text) if j < 0 else j

    def _call_args(self, i, parenless=False):
        """Arguments of a call whose name ends at i: (spans, end) or None."""
        t = self.text
        n = len(t)
        j = i
        while j < n and t[j] in " \t":
            j += 1
        if j < n and t[j] == "(" and not self.mask[j]:
            k = self._close(j)
            if k < 0:
                k = self._line_end(j)
                return self._split(j + 1, k), k
            return self._split(j + 1, k), k + 1
        if not parenless:
            return None
        if j >= n or t[j] in "\n\r;)]}=,.:?|&+*/<>":
            return [], j
        e = self._stmt_end(j)
        return self._split(j, e), e

    _STOP_WORDS = _lazy(r"(?:or|and|if|unless|do|while|until|then|rescue)\b")

    def _stmt_end(self, j):
        t, m = self.text, self.mask
        n = len(t)
        d = 0
        k = j
        while k < n:
            if not m[k]:
                ch = t[k]
                if ch in "([{":
                    d += 1
                elif ch in ")]}":
                    if d == 0:
                        return k
                    d -= 1
                elif d == 0:
                    if ch == ";":
                        return k
                    if ch == "\n":
                        p = t[j:k].rstrip()
                        if not p.endswith((",", "\\")):
                            return k
                    elif ch in "|&" and t.startswith(ch * 2, k):
                        return k
                    elif ch.isalpha() and (k == 0 or not (t[k - 1].isalnum() or t[k - 1] in "_$@")):
                        if self._STOP_WORDS.match(t, k) and k > j:
                            return k
            k += 1
        return n

    def _expr_end(self, j):
        t, m = self.text, self.mask
        n = len(t)
        k = j
        while k < n and t[k] in " \t\r\n":
            k += 1
        start = k
        d = 0
        while k < n:
            if not m[k]:
                ch = t[k]
                if ch in "([{":
                    d += 1
                elif ch in ")]}":
                    if d == 0:
                        break
                    d -= 1
                elif d == 0 and (ch == ";" or ch == "\n" or (ch == "," and self.lang != "perl")):
                    break
            k += 1
        return start, k

    def _line(self, pos):
        return self.orig.count("\n", 0, pos) + 1

    def _add(self, kind, target, s, e, rec=False):
        if isinstance(target, list):
            if not target:
                target = None
            else:
                for x in target:
                    self._add(kind, x, s, e, rec)
                return
        tgt = target if isinstance(target, str) else None
        self.out.append(Effect(kind, tgt, self._line(s), _trim(self.orig[s:e]), rec))

    # -- variables --------------------------------------------------------------------------
    def _collect_vars(self):
        self.vars = {}
        t, mk = self.text, self.mask
        for m in _VAR_ASSIGN[self.lang].finditer(t):
            s = m.start(1)
            if mk[s]:
                continue
            a, b = self._expr_end(m.end())
            self.vars.setdefault(m.group(1), []).append((s, a, b))

    def _lookup(self, name, pos, d):
        best = None
        for ent in self.vars.get(name, ()):
            if ent[0] < pos:
                best = ent
            else:
                break
        if best is None:
            return None
        return self._val(best[1], best[2], best[0], d + 1)

    # -- values -----------------------------------------------------------------------------
    def _unesc(self, s, dq):
        if "\\" not in s:
            return s
        if not dq:
            return s.replace("\\\\", "\\").replace("\\'", "'")
        return _ESC_RE.sub(lambda m: _ESC.get(m.group(1), "\\" + m.group(1)), s)

    def _interp_vars(self, body, pos, d):
        """Perl/PHP double-quoted interpolation; None when a variable is unknown."""
        failed = []
        perl = self.lang == "perl"

        def sub(m):
            if m.group(1) is not None:
                return _ESC.get(m.group(1), m.group(1) if perl else "\\" + m.group(1))
            if perl:
                env, braced, plain, arr = m.group(2), m.group(3), m.group(4), m.group(5)
                if env is not None:
                    v = _envvar(env)
                elif arr is not None:
                    if "@" + arr not in self.vars:
                        return m.group(0)
                    v = self._lookup("@" + arr, pos, d)
                    if isinstance(v, list) and all(isinstance(x, str) for x in v):
                        v = " ".join(v)
                else:
                    v = self._lookup("$" + (braced or plain), pos, d)
            else:
                env, curly, braced, plain = m.group(2), m.group(3), m.group(4), m.group(5)
                if env is not None:
                    v = _envvar(env)
                else:
                    v = self._lookup("$" + (curly or braced or plain), pos, d)
            if not isinstance(v, str):
                failed.append(m.group(0))
                return ""
            return v

        out = (_PERL_INTERP if perl else _PHP_INTERP).sub(sub, body)
        return None if failed else out

    def _lit(self, a, b, pos, d, shell=False):
        t = self.text
        k = a
        prefix = ""
        if self.lang == "python":
            while k < b and k - a < 2 and t[k] in "rRbBuUfF":
                k += 1
            prefix = t[a:k].lower()
        rec = self.toks.get(k)
        if rec is None or rec.end != b:
            return False, None
        if rec.kind == "regex" or (rec.kind == "shell" and not shell):
            return True, None
        body_a = k + rec.olen
        body_b = max(body_a, b - rec.clen)
        if rec.kind == "words":
            return True, t[body_a:body_b].split()
        if "f" in prefix and "{" in t[body_a:body_b]:
            return True, None
        if rec.interps:
            pieces = []
            cur = body_a
            for s, e in rec.interps:
                ilen = 2
                pieces.append(self._unesc(t[cur:s - ilen], rec.dq))
                v = self._val(s, e, pos, d + 1)
                if not isinstance(v, str):
                    return True, None
                pieces.append(v)
                cur = e + 1
            pieces.append(self._unesc(t[cur:body_b], rec.dq))
            return True, "".join(pieces)
        body = t[body_a:body_b]
        if rec.dq and self.lang in ("perl", "php"):
            return True, self._interp_vars(body, pos, d)
        return True, self._unesc(body, rec.dq and "r" not in prefix)

    def _val(self, a, b, pos, d=0):
        a, b = self._strip(a, b)
        if a >= b or d > 12:
            return None
        t = self.text
        lang = self.lang
        cfg = self.cfg
        ok, v = self._lit(a, b, pos, d)
        if ok:
            return v
        c = t[a]
        if c in "([" and not self.mask[a] and self._close(a) == b - 1:
            parts = self._split(a + 1, b - 1)
            if c == "(" and len(parts) == 1:
                return self._val(parts[0][0], parts[0][1], pos, d + 1)
            items = []
            for s, e in parts:
                v = self._val(s, e, pos, d + 1)
                if isinstance(v, list) and lang == "perl":
                    items.extend(v)
                else:
                    items.append(v)
            return items
        parts = self._split(a, b, cfg.concat)
        if len(parts) > 1:
            vals = [self._val(s, e, pos, d + 1) for s, e in parts]
            if all(isinstance(x, str) for x in vals):
                return "".join(vals)
            return None
        if lang == "python":
            parts = self._split(a, b, "/")
            if len(parts) > 1:
                return _join([self._val(s, e, pos, d + 1) for s, e in parts])
        compact = _WS.sub("", t[a:b])
        if cfg.home.fullmatch(compact):
            return "~"
        if cfg.cwd is not None and cfg.cwd.fullmatch(compact):
            return "."
        if cfg.tmp is not None and cfg.tmp.fullmatch(compact):
            return "/tmp/tmpXXXXXX" if "mk" in compact or "make" in compact else "/tmp"
        if t[b - 1] == ")" and not self.mask[b - 1]:
            m = _FUNC_HEAD.match(t, a, b)
            if m is not None and self._close(m.end() - 1) == b - 1:
                fname = _WS.sub("", m.group(1))
                args = self._split(m.end(), b - 1)
                if fname in cfg.join:
                    return _join([self._val(s, e, pos, d + 1) for s, e in args])
                dec = _DECODERS.get(fname.lower().rsplit("::", 1)[-1].rsplit(".", 1)[-1]) if args else None
                if dec is not None:
                    # `passthru(base64_decode("cm0gLXJmIH4="))`, `system(Base64.decode64(...))`: a constant decoded
                    v = self._val(args[0][0], args[0][1], pos, d + 1)
                    return _decode_const(dec, v) if isinstance(v, str) else None
                if fname in cfg.ident and args:
                    if fname == "File.expand_path" and len(args) > 1:
                        return _join([self._val(args[1][0], args[1][1], pos, d + 1),
                                      self._val(args[0][0], args[0][1], pos, d + 1)])
                    v = self._val(args[0][0], args[0][1], pos, d + 1)
                    return v if isinstance(v, str) else None
                if lang == "node" and fname.split(".")[-1] in ("mkdtempSync", "mkdtemp") and args:
                    v = self._val(args[0][0], args[0][1], pos, d + 1)
                    return v + "XXXXXX" if isinstance(v, str) else None
                if lang == "php" and fname.lower() == "array":
                    return [self._val(s, e, pos, d + 1) for s, e in args]
            # method suffix: <recv>.expanduser() / .joinpath(...) / .to_s
            o = self._open(b - 1)
            if o > a:
                j = o - 1
                while j > a and t[j] in " \t":
                    j -= 1
                k = j
                while k > a and (t[k - 1].isalnum() or t[k - 1] == "_"):
                    k -= 1
                meth = t[k:j + 1]
                dot = k - 1
                while dot > a and t[dot] in " \t":
                    dot -= 1
                if dot > a and t[dot] == "." and meth:
                    if meth in cfg.suffix_ident and self._split(o + 1, b - 1) == []:
                        return self._val(a, dot, pos, d + 1)
                    if meth == "joinpath" and lang == "python":
                        base = self._val(a, dot, pos, d + 1)
                        return _join([base] + [self._val(s, e, pos, d + 1)
                                               for s, e in self._split(o + 1, b - 1)])
        elif lang == "ruby":
            m = re.fullmatch(r"(.+?)\s*\.\s*(to_s|to_path|expand_path)", t[a:b], re.S)
            if m is not None:
                return self._val(a, a + len(m.group(1)), pos, d + 1)
        name = t[a:b]
        if cfg.var.fullmatch(name):
            return self._lookup(name, pos, d)
        return None

    def _arg(self, args, i, pos):
        if i < len(args):
            return self._val(args[i][0], args[i][1], pos)
        return None

    def _text(self, span):
        return self.text[span[0]:span[1]]

    def _shell_args(self, vals, s, e):
        """Emit a shell effect for an argument list: one string -> itself, else joined."""
        if len(vals) == 1 and isinstance(vals[0], str):
            v = vals[0]
        else:
            flat = []
            for x in vals:
                if isinstance(x, list):
                    flat.extend(x)
                else:
                    flat.append(x)
            if flat and all(isinstance(x, str) for x in flat):
                v = flat[0] if len(flat) == 1 else _shjoin(flat)
            else:
                v = None
        if isinstance(v, str) and v.strip():
            self._add("shell", v, s, e)
        else:
            self._add("opaque", None, s, e)

    def _eval_span(self, span, s, e, lang=None):
        """eval()-like: literal code is analysed, anything else is opaque."""
        v = self._val(span[0], span[1], s) if span is not None else None
        if isinstance(v, str) and self.depth < _MAX_DEPTH:
            rec = self.toks.get(span[0])
            multiline = rec is not None and rec.end == span[1] and \
                "\n" in self.orig[span[0]:span[1]]
            first = self._line(span[0])
            call_line = self._line(s)
            lang = lang or self.lang
            sub = _py_effects(v, self.depth + 1) if lang == "python" else \
                _rx_effects(lang, v, self.depth + 1)
            for eff in sub:
                eff.line = eff.line + first - 1 if multiline else call_line
                self.out.append(eff)
        else:
            self._add("opaque", None, s, e)

    def _shell_tokens(self):
        for start, rec in list(self.toks.items()):
            if rec.kind != "shell" or self.mask[start]:
                continue
            ok, v = self._lit(start, rec.end, start, 0, shell=True)
            if isinstance(v, str) and v.strip():
                self._add("shell", v, start, rec.end)
            else:
                self._add("opaque", None, start, rec.end)

    def run(self):
        getattr(self, "_r_" + self.lang)()

    def _live(self, rx, definition=None, back=0):
        """(match, start) of ``rx`` in live code — not inside a string or comment (the mask) —
        skipping a match the ``definition`` pattern says is being defined (``sub system``,
        ``def system``) in the ``back`` characters before it."""
        t, mk = self.text, self.mask
        for m in rx.finditer(t):
            s = m.start()
            if mk[s] or definition is not None and re.search(definition, t[max(0, s - back):s]):
                continue
            yield m, s

    # -- JavaScript (node, deno) --------------------------------------------------------
    _JS_MODS = {"fs": "fs", "fs/promises": "fs", "graceful-fs": "fs", "fs-extra": "fse",
                "child_process": "child_process", "shelljs": "shell", "rimraf": "rimraf",
                "del": "del", "execa": "execa", "os": "os", "path": "path", "vm": "vm",
                "zx": "zx"}
    _JS_DEFAULT_ALIAS = {"fs": "fs", "fsp": "fs", "fsPromises": "fs", "fse": "fse",
                         "fsExtra": "fse", "fsx": "fse", "cp": "child_process",
                         "child_process": "child_process", "childProcess": "child_process",
                         "shell": "shell", "shelljs": "shell", "rimraf": "rimraf",
                         "execa": "execa", "vm": "vm", "Deno": "Deno", "path": "path",
                         "os": "os"}
    _JS_REQ = _lazy(r"(?<![\w$])require\s*\(\s*(['\"`])(?:node:)?([\w@./-]+)\1\s*\)")
    _JS_DEFAULT = _lazy(
        r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?(?:require|import)"
        r"\s*\(\s*['\"`](?:node:)?([\w@./-]+)['\"`]\s*\)")
    _JS_DESTRUCT = _lazy(
        r"(?<![\w$.])(?:const|let|var)\s*\{([^}]*)\}\s*=\s*(?:await\s+)?(?:require|import)"
        r"\s*\(\s*['\"`](?:node:)?([\w@./-]+)['\"`]\s*\)")
    _JS_ES = _lazy(
        r"\bimport\s+(?:(?:\*\s*as\s+)?([A-Za-z_$][\w$]*)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*"
        r"['\"](?:node:)?([\w@./-]+)['\"]")
    _JS_CALL = _lazy(
        r"(?<![\w$])([A-Za-z_$][\w$]*(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)\s*(?:\?\.\s*)?\(")

    def _js_imports(self):
        t = self.orig
        alias = dict(self._JS_DEFAULT_ALIAS)
        named = {}
        mods = self._JS_MODS

        def add_named(spec, mod, es):
            for part in spec.split(","):
                part = part.strip()
                if not part:
                    continue
                sep = r"\s+as\s+" if es else r"\s*:\s*"
                bits = re.split(sep, part)
                orig = bits[0].strip()
                local = bits[-1].strip()
                if orig == "default" or orig == "*":
                    alias[local] = mod
                elif orig:
                    named[local] = (mod, orig)

        for m in self._JS_DEFAULT.finditer(t):
            if m.group(2) in mods:
                alias[m.group(1)] = mods[m.group(2)]
        for m in self._JS_DESTRUCT.finditer(t):
            if m.group(2) in mods:
                add_named(m.group(1), mods[m.group(2)], False)
        for m in self._JS_ES.finditer(t):
            mod = mods.get(m.group(3))
            if mod is None:
                continue
            if m.group(1):
                alias[m.group(1)] = mod
            if m.group(2):
                add_named(m.group(2), mod, True)
        self.alias = alias
        self.named = named
        self.fs_imported = bool(re.search(
            r"['\"`](?:node:)?(?:fs|fs/promises|fs-extra|graceful-fs)['\"`]", t)) or "Deno." in t
        self.cp_imported = "child_process" in t
        # require('x') -> x, keeping offsets, so that require('fs').rmSync(...) reads as fs.rmSync
        text = list(self.text)
        for m in self._JS_REQ.finditer(self.text):
            s = m.start()
            if self.mask[s]:
                continue
            canon = mods.get(m.group(2))
            if canon is None:
                continue
            e = m.end()
            repl = canon.ljust(e - s)
            text[s:e] = repl
            for k in range(s, e):
                self.mask[k] = 0
                self.toks.pop(k, None)
        for m in self._JS_INDEX.finditer(self.text):
            s = m.start()
            if self.mask[s] or s == 0:
                continue
            p = self.text[s - 1]
            if not (p.isalnum() or p in "_$)]"):
                continue
            e = m.end()
            text[s:e] = ("." + m.group(2)).ljust(e - s)
            for k in range(s, e):
                self.mask[k] = 0
                self.toks.pop(k, None)
        self.text = "".join(text)

    _JS_INDEX = _lazy(r"\[\s*(['\"`])([A-Za-z_$][\w$]*)\1\s*\]")

    def _r_node(self):
        t = self.text
        mk = self.mask
        for m, s in self._live(self._JS_CALL):
            chain = _WS.sub("", m.group(1)).replace("?", "").split(".")
            name = chain.pop()
            j = s - 1
            while j >= 0 and t[j] in " \t\r\n":
                j -= 1
            if j >= 0 and t[j] == ".":
                chain = ["?"] + chain
            if chain:
                chain[0] = self.alias.get(chain[0], chain[0])
            elif name in self.named:
                mod, name = self.named[name]
                chain = [mod]
            open_ = m.end() - 1
            close = self._close(open_)
            if close < 0:
                close = self._line_end(open_)
                args = self._split(open_ + 1, close)
                e = close
            else:
                args = self._split(open_ + 1, close)
                e = close + 1
            try:
                self._js_call(chain, name, args, s, e)
            except Exception:
                self._add("opaque", None, s, e)
        # zx: await $`rm -rf ${dir}`
        for start, rec in list(self.toks.items()):
            if (t[start] == "`" and rec.kind == "str" and start > 0 and t[start - 1] == "$"
                    and not mk[start] and (start < 2 or not (t[start - 2].isalnum() or t[start - 2] in "_$.")
                                           or t[max(0, start - 5):start - 1] == "Bun.")):
                ok, v = self._lit(start, rec.end, start, 0)
                if isinstance(v, str) and v.strip():
                    self._add("shell", v, start - 1, rec.end)
                else:
                    self._add("opaque", None, start - 1, rec.end)

    _JS_WRITE = frozenset(("writeFileSync", "writeFile", "appendFileSync", "appendFile",
                           "createWriteStream", "outputFileSync", "outputFile", "outputJsonSync",
                           "outputJson", "writeJsonSync", "writeJson", "truncateSync", "truncate",
                           "writeTextFile", "writeTextFileSync"))
    _JS_READ = frozenset(("readFileSync", "readFile", "createReadStream", "readJsonSync",
                          "readJson", "readTextFile", "readTextFileSync"))
    _JS_COPY = frozenset(("copyFileSync", "copyFile", "cpSync", "cp", "copySync", "copy"))
    _JS_MOVE = frozenset(("renameSync", "rename", "moveSync", "move"))

    def _js_call(self, chain, name, args, s, e):
        head = chain[0] if chain else ""
        bare = not chain
        fsish = head in ("fs", "fse", "Deno") or (len(chain) >= 2 and chain[-1] == "promises")
        fs_ok = fsish or (bare and self.fs_imported)
        ctext = self.text[s:e]
        rec_true = re.search(r"recursive\s*:\s*(?:true|!0|1)\b", ctext) is not None

        def val(i):
            return self._arg(args, i, s)

        if name in ("rmSync", "rmdirSync"):
            self._add("delete", val(0), s, e, rec_true)
        elif name in ("rm", "rmdir") and head == "shell":
            self._shelljs_rm(args, s, e)
        elif name in ("rm", "rmdir") and fs_ok:
            self._add("delete", val(0), s, e, rec_true)
        elif name == "unlinkSync" or (name == "unlink" and fs_ok):
            self._add("delete", val(0), s, e)
        elif (head == "rimraf" or name in ("rimraf", "rimrafSync")
              or (name in ("deleteSync", "deleteAsync") and (bare or head == "del"))):
            self._add("delete", val(0), s, e, True)
        elif name in ("removeSync", "emptyDirSync", "emptyDir", "emptydir") or \
                (name == "remove" and head == "fse"):
            self._add("delete", val(0), s, e, True)
        elif head == "Deno" and name in ("remove", "removeSync"):
            self._add("delete", val(0), s, e, rec_true)
        elif head == "Deno" and name == "Command":
            self._js_argv(val(0), args[1] if len(args) > 1 else None, "args", s, e)
        elif head == "Deno" and name == "run":
            self._js_argv(None, args[0] if args else None, "cmd", s, e)
        elif name in ("exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync") and (
                head == "child_process" or (bare and (self.cp_imported or name.endswith("Sync")))):
            if name in ("exec", "execSync"):
                self._shell_args([val(0)], s, e)
            else:
                self._js_spawn(args, s, e)
        elif head == "shell" and name == "exec":
            self._shell_args([val(0)], s, e)
        elif head == "Bun" and name in ("spawn", "spawnSync"):
            self._shell_args([val(0)], s, e)  # Bun.spawnSync(["railway", "volume", "delete", …]): one argv
        elif name in ("execa", "execaSync") and (bare or head == "execa"):
            self._js_spawn(args, s, e)
        elif name in ("execaCommand", "execaCommandSync") and (bare or head == "execa"):
            self._shell_args([val(0)], s, e)
        elif name == "eval" and (bare or head in ("window", "globalThis", "global", "self")):
            self._eval_span(args[0] if args else None, s, e)
        elif name == "Function" and (bare or head in ("window", "globalThis", "global")):
            self._eval_span(args[-1] if args else None, s, e)
        elif head == "vm" and name in ("runInThisContext", "runInNewContext", "runInContext",
                                        "Script", "compileFunction"):
            self._eval_span(args[0] if args else None, s, e)
        elif name in ("setTimeout", "setInterval", "setImmediate") and bare and args:
            rec = self.toks.get(args[0][0])
            if rec is not None and rec.end == args[0][1]:
                self._eval_span(args[0], s, e)
        elif name in self._JS_WRITE and (fs_ok or name.endswith("Sync") or head == "Deno"):
            self._add("write", val(0), s, e)
        elif name in self._JS_READ and (fs_ok or name.endswith("Sync") or head == "Deno") or \
                name == "file" and head == "Bun":  # Bun.file(p).text()
            self._add("read", val(0), s, e)
        elif name in self._JS_COPY and fs_ok:
            self._add("read", val(0), s, e)
            self._add("write", val(1), s, e)
        elif name in self._JS_MOVE and fs_ok:
            self._add("write", val(0), s, e)
            self._add("write", val(1), s, e)

    def _shelljs_rm(self, args, s, e):
        vals = [self._val(a, b, s) for a, b in args]
        rec = False
        if vals and isinstance(vals[0], str) and vals[0].startswith("-"):
            rec = "r" in vals[0].lower()
            vals = vals[1:]
        if not vals:
            self._add("delete", None, s, e, rec)
        for v in vals:
            self._add("delete", v, s, e, rec)

    def _js_spawn(self, args, s, e):
        prog = self._arg(args, 0, s)
        if not isinstance(prog, str):
            return self._add("opaque", None, s, e)
        if len(args) > 1:
            txt = self._text(args[1])
            argv = self._val(args[1][0], args[1][1], s)
            if isinstance(argv, list):
                text = _argv_text([prog] + argv)
                return self._add("shell", text, s, e) if text else self._add("opaque", None, s, e)
            if not txt.startswith("{"):
                return self._add("opaque", None, s, e)
        self._add("shell", prog, s, e)

    def _js_argv(self, prog, span, key, s, e):
        argv = []
        if span is not None:
            txt = self._text(span)
            m = re.search(r"\b" + key + r"\s*:\s*\[", txt)
            if not txt.startswith("{"):
                argv = None
            elif m is not None:
                o = span[0] + m.end() - 1
                c = self._close(o)
                argv = self._val(o, c + 1, s) if c > 0 else None
            elif key == "cmd" or re.search(r"\b" + key + r"\b", txt):
                argv = None
        if prog is not None:
            argv = [prog] + argv if isinstance(argv, list) else None
        elif key == "args":
            argv = None
        text = _argv_text(argv) if isinstance(argv, list) else None
        if text:
            self._add("shell", text, s, e)
        else:
            self._add("opaque", None, s, e)

    # -- Perl ---------------------------------------------------------------------------
    _PERL_CALL = _lazy(
        r"(?<![\w$@%&>:])(?:CORE::(?:GLOBAL::)?|File::Path::)?"
        r"(system|exec|unlink|rmdir|rmtree|remove_tree|open|eval)\b(?!\s*=>)")

    def _r_perl(self):
        t = self.text
        for m, s in self._live(self._PERL_CALL, r"\bsub\s+$", 8):
            name = m.group(1)
            j = m.end()
            while j < len(t) and t[j] in " \t\r\n":
                j += 1
            if name == "eval" and j < len(t) and t[j] == "{":
                continue
            if name in ("system", "exec") and j < len(t) and t[j] == "{":
                # system { $prog } @args -- indirect object: the program is computed
                self._add("opaque", None, s, self._stmt_end(j))
                continue
            r = self._call_args(m.end(), parenless=True)
            if r is None:
                continue
            args, e = r
            try:
                self._perl_call(name, args, s, e)
            except Exception:
                self._add("opaque", None, s, e)
        self._shell_tokens()

    def _perl_call(self, name, args, s, e):
        if name in ("system", "exec"):
            if not args:
                return self._add("opaque", None, s, e)
            self._shell_args([self._val(a, b, s) for a, b in args], s, e)
        elif name in ("unlink", "rmdir", "rmtree", "remove_tree"):
            rec = name in ("rmtree", "remove_tree")
            spans = [x for x in args if not self._text(x).startswith("{")]
            if not spans:
                return self._add("delete", None, s, e, rec)
            for a, b in spans:
                self._add("delete", self._val(a, b, s), s, e, rec)
        elif name == "open":
            self._perl_open(args, s, e)
        elif name == "eval":
            self._eval_span(args[0] if args else None, s, e)

    def _perl_open(self, args, s, e):
        if len(args) < 2:
            return
        mode = self._val(args[1][0], args[1][1], s)
        if len(args) >= 3:
            if not isinstance(mode, str):
                return self._add("opaque", None, s, e)
            mode = mode.strip()
            if "|" in mode:
                return self._shell_args([self._val(a, b, s) for a, b in args[2:]], s, e)
            kind = "write" if (">" in mode or "+" in mode) else "read"
            return self._add(kind, self._val(args[2][0], args[2][1], s), s, e)
        if not isinstance(mode, str):
            return self._add("opaque", None, s, e)
        spec = mode.strip()
        if spec.startswith("|"):
            return self._add("shell", spec[1:].strip(), s, e)
        if spec.endswith("|"):
            return self._add("shell", spec[:-1].strip(), s, e)
        if spec.startswith((">", "+<", "+>")):
            return self._add("write", spec.lstrip("+<>").strip(), s, e)
        self._add("read", spec.lstrip("<").strip(), s, e)

    # -- Ruby ---------------------------------------------------------------------------
    _RB_CALL = _lazy(
        r"(?<![\w@$.:])(?:(Kernel|Process|FileUtils|File|Dir|IO|Open3|PTY)\s*(?:\.|::)\s*)?"
        r"(system|exec|spawn|popen|capture2e|capture2|capture3|popen2e|popen2|popen3|"
        r"pipeline_rw|pipeline_r|pipeline_w|pipeline_start|pipeline|rm_rf|rm_r|rm_f|rmtree|"
        r"remove_dir|remove_entry_secure|remove_entry|remove_file|remove|rm|rmdir|safe_unlink|"
        r"delete|unlink|write|binwrite|open|new|read|binread|readlines|foreach|touch|cp_r|cp|"
        r"copy_file|copy|install|mv|move|rename|eval)(?![\w?!])")
    _RB_SHELL = {("", "system"), ("", "exec"), ("", "spawn"), ("Kernel", "system"),
                 ("Kernel", "exec"), ("Kernel", "spawn"), ("Process", "spawn"), ("Process", "exec"),
                 ("IO", "popen"), ("PTY", "spawn")}
    _RB_FU_REC = frozenset(("rm_rf", "rm_r", "rmtree", "remove_dir", "remove_entry",
                            "remove_entry_secure"))
    _RB_FU_DEL = frozenset(("rm", "rm_f", "remove", "remove_file", "safe_unlink", "rmdir"))
    _RB_SEND = _lazy(r"(?<![\w@$])(?:send|public_send|__send__)(?=\s*\(?\s*(?::|['\"])"
                     r"(?:system|exec|spawn|eval|instance_eval|`)\b)")
    _RB_METH = _lazy(r"\.\s*(instance_eval|class_eval|module_eval|instance_exec|eval|rmtree|"
                          r"rmdir|delete|unlink)(?![\w?!])")

    def _r_ruby(self):
        t = self.text
        for m, s in self._live(self._RB_CALL, r"\bdef\s+(?:self\.)?$", 10):
            recv = m.group(1) or ""
            name = m.group(2)
            r = self._call_args(m.end(), parenless=True)
            if r is None:
                continue
            args, e = r
            try:
                self._rb_call(recv, name, args, s, e)
            except Exception:
                self._add("opaque", None, s, e)
        for m, s in self._live(self._RB_SEND):
            r = self._call_args(m.end(), parenless=True)
            if r is None or not r[0]:
                continue
            args, e = r
            name = self._text(args[0]).lstrip(":").strip("'\"")
            if name in ("system", "exec", "spawn", "`"):
                self._rb_shell(args[1:], s, e)
            elif name.endswith("eval"):
                self._eval_span(args[1] if len(args) > 1 else None, s, e)
        for m, s in self._live(self._RB_METH):
            name = m.group(1)
            j = m.end()
            while j < len(t) and t[j] in " \t":
                j += 1
            if t.startswith("{", j) or re.match(r"do\b", t[j:j + 3]):
                continue
            r = self._call_args(m.end(), parenless=True)
            if r is None:
                continue
            args, e = r
            if name.endswith("eval") or name == "instance_exec":
                if name != "instance_exec":
                    self._eval_span(args[0] if args else None, s, e)
                continue
            recv = self._recv_span(s)
            if recv is None:
                continue
            rtext = self._text(recv)
            if name != "rmtree" and not rtext.startswith("Pathname"):
                continue
            target = None
            pm = re.match(r"Pathname(?:\s*\.\s*new)?\s*\(", rtext)
            if pm is not None:
                o = recv[0] + pm.end() - 1
                c = self._close(o)
                if c > 0:
                    inner = self._split(o + 1, c)
                    target = self._arg(inner, 0, recv[0])
            else:
                target = self._val(recv[0], recv[1], recv[0])
            self._add("delete", target, recv[0], e, name == "rmtree")
        self._shell_tokens()

    def _rb_shell(self, args, s, e):
        spans = [x for x in args
                 if not re.match(r"\{|[a-z_]\w*:\s|:\w+\s*=>", self._text(x))]
        if not spans:
            return self._add("opaque", None, s, e)
        self._shell_args([self._val(a, b, s) for a, b in spans], s, e)

    def _rb_targets(self, args, s, e, kind, rec=False):
        spans = [x for x in args if not re.match(r"[a-z_]\w*:\s|\{", self._text(x))]
        if not spans:
            return self._add(kind, None, s, e, rec)
        for a, b in spans:
            self._add(kind, self._val(a, b, s), s, e, rec)

    def _rb_call(self, recv, name, args, s, e):
        key = (recv, name)
        val = lambda i: self._arg(args, i, s)  # noqa: E731
        if key in self._RB_SHELL or recv == "Open3":
            self._rb_shell(args, s, e)
        elif recv == "FileUtils" and name in self._RB_FU_REC:
            self._rb_targets(args, s, e, "delete", True)
        elif (recv == "FileUtils" and name in self._RB_FU_DEL) or \
                (recv == "File" and name in ("delete", "unlink")) or \
                (recv == "Dir" and name in ("delete", "rmdir", "unlink")):
            self._rb_targets(args, s, e, "delete")
        elif recv in ("File", "IO") and name in ("write", "binwrite"):
            self._add("write", val(0), s, e)
        elif recv == "FileUtils" and name == "touch":
            self._rb_targets(args, s, e, "write")
        elif (recv == "File" and name in ("open", "new")) or key == ("", "open") or \
                key == ("Kernel", "open"):
            p = val(0)
            if recv != "File" and isinstance(p, str) and p.startswith("|"):
                return self._add("shell", p[1:].strip(), s, e)
            if recv != "File" and p is None and args:
                return self._add("opaque", None, s, e)
            mode = val(1) if len(args) > 1 else None
            if len(args) > 1 and not isinstance(mode, str) and not \
                    re.match(r"[a-z_]\w*:\s", self._text(args[1])):
                kind = "write"
            else:
                kind = "write" if isinstance(mode, str) and any(c in mode for c in "wax+") \
                    else "read"
            self._add(kind, p, s, e)
        elif recv in ("File", "IO") and name in ("read", "binread", "readlines", "foreach"):
            self._add("read", val(0), s, e)
        elif recv == "FileUtils" and name in ("cp", "cp_r", "copy", "copy_file", "install"):
            self._add("read", val(0), s, e)
            self._add("write", val(1), s, e)
        elif (recv == "FileUtils" and name in ("mv", "move")) or key == ("File", "rename"):
            self._add("write", val(0), s, e)
            self._add("write", val(1), s, e)
        elif name == "eval" and recv in ("", "Kernel"):
            self._eval_span(args[0] if args else None, s, e)

    def _recv_span(self, dot):
        """Span of the receiver expression that ends just before position ``dot``."""
        t = self.text
        k = dot - 1
        while k >= 0 and t[k] in " \t":
            k -= 1
        if k < 0:
            return None
        end = k + 1
        if t[k] in ")]" and not self.mask[k]:
            o = self._open(k)
            if o < 0:
                return None
            k = o - 1
        elif self.mask[k]:
            # a string literal receiver
            for start, rec in self.toks.items():
                if rec.end == end:
                    return (start, end)
            return None
        while k >= 0 and (t[k].isalnum() or t[k] in "_.:$@"):
            k -= 1
        start = k + 1
        return (start, end) if start < end else None

    # -- PHP ----------------------------------------------------------------------------
    _PHP_CALL = _lazy(
        r"(?<![\w$>:\\])\\?(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|unlink|"
        r"rmdir|eval|create_function|assert|file_put_contents|fopen|file_get_contents|readfile|"
        r"file|copy|rename|touch|call_user_func|call_user_func_array|array_map|array_walk)\s*\(",
        re.I)

    def _r_php(self):
        for m, s in self._live(self._PHP_CALL, r"(?i)\bfunction\s+&?$", 12):
            name = m.group(1).lower()
            open_ = m.end() - 1
            close = self._close(open_)
            if close < 0:
                close = self._line_end(open_)
                e = close
            else:
                e = close + 1
            args = self._split(open_ + 1, close)
            try:
                self._php_call(name, args, s, e)
            except Exception:
                self._add("opaque", None, s, e)
        self._shell_tokens()

    def _php_call(self, name, args, s, e):
        val = lambda i: self._arg(args, i, s)  # noqa: E731
        if name in ("system", "exec", "shell_exec", "passthru", "popen", "proc_open"):
            v = val(0)
            if isinstance(v, list):
                if v and all(isinstance(x, str) for x in v):
                    return self._add("shell", _shjoin(v), s, e)
                return self._add("opaque", None, s, e)
            self._shell_args([v], s, e)
        elif name == "pcntl_exec":
            prog, argv = val(0), val(1) if len(args) > 1 else []
            if isinstance(prog, str) and isinstance(argv, list) and \
                    all(isinstance(x, str) for x in argv):
                return self._add("shell", _shjoin([prog] + argv), s, e)
            self._add("opaque", None, s, e)
        elif name in ("unlink", "rmdir"):
            self._add("delete", val(0), s, e)
        elif name == "eval":
            self._eval_span(args[0] if args else None, s, e)
        elif name in ("call_user_func", "call_user_func_array", "array_map", "array_walk"):
            cb_pos = 1 if name == "array_walk" else 0
            cb = self._arg(args, cb_pos, s)
            if not isinstance(cb, str):
                return
            cb = cb.lower().lstrip("\\")
            rest = args[1:] if cb_pos == 0 else args[:1]
            if name == "call_user_func" and cb in ("system", "exec", "shell_exec", "passthru"):
                return self._shell_args([self._arg(rest, 0, s)], s, e)
            if cb in ("system", "exec", "shell_exec", "passthru", "eval", "assert",
                      "create_function", "proc_open", "popen"):
                return self._add("opaque", None, s, e)
            if cb in ("unlink", "rmdir"):
                v = self._arg(rest, 0, s) if name == "call_user_func" else None
                return self._add("delete", v, s, e)
        elif name == "create_function":
            self._add("opaque", None, s, e)
        elif name == "assert":
            if args and self.toks.get(args[0][0]) is None and \
                    re.match(r"\$\w+$", self._text(args[0])):
                self._add("opaque", None, s, e)
        elif name in ("file_put_contents", "touch"):
            self._add("write", val(0), s, e)
        elif name == "fopen":
            mode = val(1)
            kind = "write" if not isinstance(mode, str) or any(c in mode for c in "waxc+") \
                else "read"
            self._add(kind, val(0), s, e)
        elif name in ("file_get_contents", "readfile", "file"):
            self._add("read", val(0), s, e)
        elif name == "copy":
            self._add("read", val(0), s, e)
            self._add("write", val(1), s, e)
        elif name == "rename":
            self._add("write", val(0), s, e)
            self._add("write", val(1), s, e)

    # -- Python that did not parse ------------------------------------------------------
    _PY_CALL = _lazy(r"(?<![\w])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(")
    _PY_IMPORT = _lazy(r"(?:^|;)[ \t]*import[ \t]+([\w., \t]+)", re.M)
    _PY_FROM = _lazy(r"(?:^|;)[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w, \t*]+)", re.M)
    _PY_EXECWORD = _lazy(r"(?<![\w.])(exec|eval|__import__|compile|execfile)\b")
    _PY_MODS = frozenset(("os", "shutil", "subprocess", "pathlib", "sys", "io", "builtins",
                          "pickle", "marshal", "base64", "codecs", "importlib", "posix", "pty",
                          "runpy", "send2trash", "commands", "asyncio", "sh", "zlib"))

    def _r_python(self):
        t, mk = self.text, self.mask
        aliases = {}
        stars = []
        for m in self._PY_IMPORT.finditer(t):
            if mk[m.start(1)]:
                continue
            for part in m.group(1).split(","):
                bits = part.split()
                if not bits:
                    continue
                if len(bits) >= 3 and bits[1] == "as":
                    aliases[bits[2]] = bits[0]
                else:
                    aliases[bits[0].split(".")[0]] = bits[0].split(".")[0]
        for m in self._PY_FROM.finditer(t):
            if mk[m.start(1)]:
                continue
            mod = m.group(1)
            for part in m.group(2).split(","):
                bits = part.split()
                if not bits:
                    continue
                if bits[0] == "*":
                    stars.append(mod)
                elif len(bits) >= 3 and bits[1] == "as":
                    aliases[bits[2]] = mod + "." + bits[0]
                else:
                    aliases[bits[0]] = mod + "." + bits[0]
        for m, s in self._live(self._PY_CALL):
            raw = m.group(1)
            chain = _WS.sub("", raw).split(".")
            name = chain[-1]
            open_ = m.end() - 1
            close = self._close(open_)
            if close < 0:
                close = self._line_end(open_)
                e = close
            else:
                e = close + 1
            args = self._split(open_ + 1, close)
            j = s - 1
            while j >= 0 and t[j] in " \t":
                j -= 1
            try:
                if j >= 0 and t[j] == "." and not mk[j]:
                    recv = self._recv_span(j)
                    if recv is not None and len(chain) > 1:
                        recv = (recv[0], s + raw.rfind("."))
                    self._py_method(name, recv, args, recv[0] if recv else s, e)
                    continue
                head = chain[0]
                if len(chain) > 1 and head not in aliases and head not in self._PY_MODS:
                    self._py_method(name, (s, s + raw.rfind(".")), args, s, e)
                    continue
                if len(chain) == 1:
                    qual = aliases.get(name, name)
                    if qual == name and name not in _PY_BUILTINS:
                        for st in stars:
                            if _norm(st + "." + name) in _PY_KNOWN:
                                qual = st + "." + name
                                break
                else:
                    qual = ".".join([aliases.get(head, head)] + chain[1:])
                self._py_call(_norm(qual), args, s, e)
            except Exception:
                self._add("opaque", None, s, e)
        if not self.out:
            m = self._PY_EXECWORD.search(t)
            while m is not None and mk[m.start()]:
                m = self._PY_EXECWORD.search(t, m.end())
            if m is not None:
                self._add("opaque", None, m.start(), self._line_end(m.start()))

    def _py_call(self, q, args, s, e):
        val = lambda i: self._arg(args, i, s)  # noqa: E731
        if q in _PY_RMTREE:
            self._add("delete", val(0), s, e, True)
        elif q in _PY_DELETE:
            self._add("delete", val(0), s, e)
        elif q in _PY_SHELL:
            v = val(0)
            if isinstance(v, list):
                if v and all(isinstance(x, str) for x in v):
                    return self._add("shell", _shjoin(v), s, e)
                return self._add("opaque", None, s, e)
            self._shell_args([v], s, e)
        elif q in _PY_EXECFAM:
            self._add("opaque", None, s, e)
        elif q in ("exec", "eval", "compile"):
            self._eval_span(args[0] if args else None, s, e, "python")
        elif q in _PY_OPAQUE or q in ("__import__", "importlib.import_module", "execfile"):
            self._add("opaque", None, s, e)
        elif q in ("open", "os.open"):
            mode = self._text(args[1]) if len(args) > 1 else ""
            if q == "os.open":
                kind = "write" if _WRITE_FLAGS.search(mode) else "read"
            elif not mode:
                kind = "read"
            else:
                mv = val(1)
                kind = ("write" if any(c in mv for c in "wax+") else "read") \
                    if isinstance(mv, str) else "write"
            self._add(kind, val(0), s, e)
        elif q in _PY_WRITE1:
            self._add("write", val(0), s, e)
        elif q in _PY_READ1:
            self._add("read", val(0), s, e)
        elif q in _PY_COPY:
            self._add("read", val(0), s, e)
            self._add("write", val(1), s, e)
        elif q in _PY_MOVE:
            self._add("write", val(0), s, e)
            self._add("write", val(1), s, e)

    def _py_method(self, name, recv, args, s, e):
        if name not in ("unlink", "rmdir", "rmtree", "write_text", "write_bytes", "read_text",
                        "read_bytes", "open", "touch"):
            return
        target = self._val(recv[0], recv[1], s) if recv is not None else None
        if name in ("unlink", "rmdir"):
            self._add("delete", target, s, e)
        elif name == "rmtree":
            self._add("delete", target, s, e, True)
        elif name in ("write_text", "write_bytes"):
            self._add("write", target, s, e)
        elif name in ("read_text", "read_bytes"):
            self._add("read", target, s, e)
        elif target is not None and name == "touch":
            self._add("write", target, s, e)
        elif target is not None and name == "open":
            mv = self._arg(args, 0, s)
            kind = "read" if not args else (
                ("write" if any(c in mv for c in "wax+") else "read") if isinstance(mv, str)
                else "write")
            self._add(kind, target, s, e)


# --- HTTP requests made by the code ----------------------------------------------------------
# A pragmatic scanner shared by Python and JavaScript: calls of known HTTP clients
# (requests, httpx, urllib, aiohttp, fetch, axios, got, ...) and AWS SDK calls (boto3,
# AWS SDK v2/v3) become ``http`` effects carrying (method, url, body, headers); the shell
# analyzer judges them with analysis/http.py.  AWS SDK calls get a synthetic URL
# ``aws://SERVICE/Operation``.  Values are literals or simple variables; anything else is
# the unknown mark, so a request to a known host with an unknown body is still seen.

_HTTP_HINT = _lazy(r"https?:|requests|httpx|urllib|aiohttp|fetch|axios|\bgot\b|boto|aws-sdk|AWS\.|superagent|stripe|slack|"
                   r"pubsub|kubernetes|"
                   r"\bky\b|urlopen")
_UNKNOWN = "\x00"   # == paths.UNKNOWN_MARK (kept literal: no import on this path)
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_HTTP_MODULES = {"requests", "httpx", "axios", "got", "ky", "superagent", "needle", "urllib3", "aiohttp"}
_HTTP_RECV = _lazy(r"(?i)^(self\.)?(_?session|sess|s|client|http|http_client|api|conn|rs|c|ac|pool|req|agent|"
                   r"instance|axiosInstance|ax|httpClient|cli|api_client|gql)$")
_CALL_VERB = _lazy(r"(?<![\w$])((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*|require\(\s*['\"][\w@/.-]+['\"]\s*\))"
                   r"\s*\.\s*(get|post|put|patch|delete|head|"
                   r"options|request|fetch|send)\s*\(")
_CALL_FREE = _lazy(r"(?<![\w$.])(?:(?:urllib\.request|urllib2|request|req|ur|u)\.(?=urlopen|Request))?"
                   r"(fetch|axios|got|ky|urlopen|Request)\s*\(")
_BOTO_CLIENT = _lazy(r"(?:([A-Za-z_][\w.]*)\s*=\s*)?(?:boto3|aioboto3|session|[A-Za-z_]\w*)\s*\.\s*(?:client|resource|"
                     r"create_client)\s*\(\s*(?:service_name\s*=\s*)?['\"]([\w-]+)['\"]")
_BOTO_CALL = _lazy(r"(?<![\w$])([A-Za-z_][\w.]*)\s*\.\s*([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[A-Z]\w*)\s*\(")
_AWS_V3 = _lazy(r"new\s+(?:\(\s*(?:require\(\s*['\"][^'\"]*['\"]\s*\)|[A-Za-z_$][\w$]*)\s*\.\s*)?([A-Z]\w*?)Command\s*\)?\s*\(")
_AWS_V2 = _lazy(r"([A-Za-z_$][\w$]*)\s*=\s*new\s+AWS\.(\w+)\s*\(")
_AWS_OP = _lazy(r"^(delete|terminate|remove|modify|update|purge|deregister|disable|revoke|detach|cancel|put|"
                r"schedule|stop|reboot|restore)", re.I)
_STR_START = _lazy(r"([rRbBfFuU]{0,2})('''|\"\"\"|'|\"|`)")


class _SdkCalls:
    def __init__(self, raw):
        self.calls = [(e["hint"], re.compile(e["call"]), e["method"].upper(), e["url"]) for e in raw.get("call", [])]
        self.examples = [tuple(x) for x in raw.get("examples", [])]


def _http_effects(lang, code):
    if lang not in ("python", "node", "deno") or len(code) > 2_000_000 or not _HTTP_HINT.search(code):
        return []
    return _HttpScan(lang, code).run()


class _HttpScan:
    def __init__(self, lang, code):
        self.lang, self.code = lang, code
        self.out = []

    # -- low-level scanning ---------------------------------------------------------------
    def _skip_str(self, i):
        """Index after the string literal that starts at i (its prefix already skipped)."""
        c = self.code
        q = c[i:i + 3] if c[i:i + 3] in ("'''", '"""') else c[i]
        j = i + len(q)
        while j < len(c):
            if c[j] == "\\":
                j += 2
                continue
            if c.startswith(q, j):
                return j + len(q)
            if c[j] == "\n" and len(q) == 1 and q != "`":
                return j
            j += 1
        return len(c)

    def _close(self, i, stops=",)]}"):
        """First index >= i of a char in stops at bracket depth 0 (strings and brackets skipped)."""
        c = self.code
        depth = 0
        j = i
        n = len(c)
        while j < n:
            ch = c[j]
            if ch in "'\"`":
                j = self._skip_str(j)
                continue
            if ch == "#" and self.lang == "python":
                k = c.find("\n", j)
                j = n if k < 0 else k
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    return j if ch in stops else j
                depth -= 1
            elif depth == 0 and ch in stops:
                return j
            j += 1
        return n

    def _args(self, open_paren):
        """[(start, end)] of the top-level arguments of the call whose '(' is at open_paren."""
        out = []
        i = open_paren + 1
        end = self._close(i, ")")
        while i < end:
            j = min(self._close(i, ",)"), end)
            if self.code[i:j].strip():
                out.append((i, j))
            i = j + 1
        return out, end

    # -- values ---------------------------------------------------------------------------
    def _unesc(self, s):
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s, flags=re.S)

    def _assign(self, name, pos):
        """Source text of the last assignment to ``name`` before pos (or anywhere)."""
        if not re.match(r"^[A-Za-z_$][\w$]*$", name):
            return None
        pat = re.compile(r"(?m)^[ \t]*(?:(?:const|let|var|export\s+const)\s+)?" + re.escape(name)
                         + r"\s*(?::\s*[\w\[\], ]+)?=(?!=)\s*")
        best = None
        for m in pat.finditer(self.code):
            if best is None or m.start() < pos:
                best = m
        if best is None:
            return None
        s = best.end()
        e = self._close(s, ";\n" if self.lang != "python" else "\n")
        # a multi-line literal or bracket continues past the newline: _close already skipped it
        return (s, e)

    def val(self, span, d=0):
        """A string value for a source span: literal, f-string/template, concatenation, variable."""
        if span is None or d > 6:
            return None
        s, e = span
        text = self.code[s:e].strip()
        if not text:
            return None
        off = s + (len(self.code[s:e]) - len(self.code[s:e].lstrip()))
        text = re.sub(r"\.encode\([^)]*\)\s*$", "", text)
        text = re.sub(r"\.(strip|trim)\(\)\s*$", "", text)
        # concatenation at top level
        parts = self._split_top(off, off + len(text), "+")
        if len(parts) > 1:
            vals = [self.val(p, d + 1) for p in parts]
            return "".join(v if isinstance(v, str) else _UNKNOWN for v in vals)
        m = _STR_START.match(text)
        if m and self._skip_str(off + m.end(1)) >= off + len(text):
            pre, q = m.group(1).lower(), m.group(2)
            body = text[m.end():len(text) - len(q)]
            if "r" not in pre:
                body = self._unesc(body)
            if "f" in pre or q == "`":
                rx = r"\$\{([^}]*)\}" if q == "`" else r"\{([^{}]*)\}"
                body = re.sub(rx, lambda mm: self._name_val(mm.group(1).strip(), s, d), body)
                if "f" in pre:
                    body = body.replace("{{", "{").replace("}}", "}")
            return body
        if re.match(r"^[A-Za-z_$][\w$]*$", text):
            return self._name_val(text, s, d)
        m = re.match(r"^(?:str|String)\((.*)\)$", text, re.S)
        if m:
            return self.val((off + m.start(1), off + m.end(1)), d + 1)
        return None

    def _name_val(self, name, pos, d):
        a = self._assign(name, pos)
        if a is None:
            return _UNKNOWN
        v = self.val(a, d + 1)
        return v if isinstance(v, str) else _UNKNOWN

    def _split_top(self, s, e, sep):
        out = []
        i = s
        while i < e:
            j = min(self._close(i, sep + ",;\n" if sep == "+" else sep), e)
            if j < e and self.code[j] != sep:
                return [(s, e)]
            out.append((i, j))
            i = j + 1
        return out or [(s, e)]

    def _deref(self, span, d=0):
        """Follow a bare variable name to the span of what was assigned to it."""
        while span is not None and d < 4:
            t = self.code[span[0]:span[1]].strip()
            if re.match(r"^[A-Za-z_$][\w$]*$", t):
                a = self._assign(t, span[0])
                if a is None:
                    return span
                span = a
                d += 1
                continue
            m = re.match(r"^(json\.dumps|JSON\.stringify)\s*\(", t)
            if m:
                s0 = span[0] + (len(self.code[span[0]:span[1]]) - len(self.code[span[0]:span[1]].lstrip()))
                args, _ = self._args(s0 + m.end() - 1)
                span = args[0] if args else None
                d += 1
                continue
            return span
        return span

    def _key(self, span, *names):
        """The span of a key's value inside a dict/object literal or keyword arguments."""
        if span is None:
            return None
        s, e = span
        seg = self.code[s:e]
        for nm in names:
            for m in re.finditer(r"(?:(?<=[{,(\s])|^)[\"']?" + re.escape(nm) + r"[\"']?\s*(?::|=(?!=))\s*", seg):
                vs = s + m.end()
                ve = min(self._close(vs, ",)}"), e)
                return (vs, ve)
        return None

    def _obj(self, span):
        """A dict/object literal as Python data where it is literal (variables dict)."""
        span = self._deref(span)
        if span is None:
            return {}
        t = self.code[span[0]:span[1]].strip()
        if not t.startswith("{"):
            return {}
        try:
            import ast
            v = ast.literal_eval(t)
            return v if isinstance(v, dict) else {}
        except Exception:
            pass
        try:
            import json
            j = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', t.replace("'", '"'))
            v = json.loads(re.sub(r",\s*([}\]])", r"\1", j))
            return v if isinstance(v, dict) else {}
        except Exception:
            return {}

    def body(self, span):
        """The request body as text: GraphQL {query, variables} JSON when a query is found, else strings."""
        import json
        span = self._deref(span)
        if span is None:
            return None
        t = self.code[span[0]:span[1]].strip()
        if t.startswith(("{", "dict(")):
            qv = self._key(span, "query", "mutation")
            if qv is not None:
                q = self.val(self._deref(qv))
                if isinstance(q, str):
                    vars_ = self._obj(self._key(span, "variables"))
                    d = {"query": q, "variables": vars_}
                    on = self._key(span, "operationName")
                    if on is not None:
                        d["operationName"] = self.val(on)
                    return json.dumps(d)
            if t.startswith("{"):
                o = self._obj(span)
                if o:
                    return json.dumps(o, default=str)
            return " ".join(x for x in (self.val((m.start(), self._skip_str(m.start() + len(m.group(1)))))
                                        for m in _STR_START.finditer(self.code, span[0], span[1]))
                            if isinstance(x, str))[:100_000] or _UNKNOWN
        v = self.val(span)
        return v if isinstance(v, str) else _UNKNOWN

    def headers(self, span):
        span = self._deref(span)
        if span is None:
            return []
        seg = self.code[span[0]:span[1]]
        return [f"{k}: {v}" for k, v in re.findall(r"[\"']([\w-]+)[\"']\s*:\s*[\"']([^\"']*)[\"']", seg)]

    # -- calls ----------------------------------------------------------------------------
    def add(self, method, url, body, headers, s, e):
        ev = re.sub(r"\s+", " ", self.code[s:e + 1])[:160]
        line = self.code.count("\n", 0, s) + 1
        eff = Effect("http", url, line, ev)
        eff.http = ((method or "GET").upper(), url or _UNKNOWN, body, tuple(headers or ()))
        self.out.append(eff)

    def run(self):
        c = self.code
        for m in _CALL_VERB.finditer(c):
            recv, verb = m.group(1), m.group(2)
            root = recv.split(".")[0]
            if recv.startswith("require("):
                root = recv = re.sub(r"^require\(\s*['\"]([\w@/.-]+)['\"]\s*\)$", r"\1", recv)
            known = root in _HTTP_MODULES or _HTTP_RECV.match(recv) or recv.endswith(("session", "Session",
                                                                                       "client", "Client"))
            args, end = self._args(m.end() - 1)
            if verb in ("request", "fetch", "send") and not known:
                continue
            if verb == "request":
                if args and self.code[args[0][0]:args[0][1]].strip().startswith("{"):
                    self._config(args[0], None, m.start(), end)
                    continue
                method = self.val(args[0]) if args else None
                rest = args[1:]
            elif verb in ("fetch", "send"):
                method, rest = None, args
            else:
                method, rest = verb, args
            url = self.val(self._key_or_pos(rest, 0, "url"))
            if not isinstance(url, str):
                continue
            if not known and "://" not in url:
                continue
            if "://" not in url and not url.startswith(_UNKNOWN):
                continue    # relative URLs: test clients (Django, Flask, FastAPI) or an unknown base_url
            self._finish(method, url, rest, m.start(), end, root)
        for m in _CALL_FREE.finditer(c):
            name = m.group(1)
            args, end = self._args(m.end() - 1)
            if not args:
                continue
            first = self.code[args[0][0]:args[0][1]].strip()
            if name in ("axios", "got", "ky") and first.startswith("{"):
                self._config(args[0], None, m.start(), end)
                continue
            url = self.val(args[0])
            if not isinstance(url, str) or ("://" not in url and not url.startswith(_UNKNOWN)):
                continue
            if name == "Request" and self.lang == "python":
                mt = self.val(self._key_or_pos(args[1:], 99, "method"))
                data = self._key_or_pos(args[1:], 0, "data")
                method = mt if isinstance(mt, str) else ("POST" if data else "GET")
                self.add(method, url, self.body(data) if data else None,
                         self.headers(self._key_or_pos(args[1:], 1, "headers")), m.start(), end)
            elif name == "urlopen":
                data = self._key_or_pos(args[1:], 0, "data")
                self.add("POST" if data else "GET", url, self.body(data) if data else None, [], m.start(), end)
            else:
                opts = self._deref(args[1]) if len(args) > 1 else None
                mt = self.val(self._key(opts, "method")) if opts else None
                bspan = self._key(opts, "body", "json", "data") if opts else None
                b = self.body(bspan) if bspan else None
                self.add(mt if isinstance(mt, str) else ("POST" if b else "GET"), url, b,
                         self.headers(self._key(opts, "headers")) if opts else [], m.start(), end)
        self._aws()
        self._sdk()
        return self.out

    def _key_or_pos(self, args, i, *names):
        for a in args:
            seg = self.code[a[0]:a[1]]
            for nm in names:
                mm = re.match(r"\s*" + re.escape(nm) + r"\s*=(?!=)\s*", seg)
                if mm:
                    return (a[0] + mm.end(), a[1])
        pos = [a for a in args if not re.match(r"\s*\w+\s*=(?!=)", self.code[a[0]:a[1]])]
        return pos[i] if i < len(pos) else None

    def _finish(self, method, url, rest, s, e, root):
        if self.lang == "python":
            bspan = self._key_or_pos(rest, 99, "json", "data", "content", "body")
            if bspan is None and (method or "").lower() in ("post", "put", "patch") and root not in ("httpx",):
                bspan = self._key_or_pos(rest, 1)
            hspan = self._key_or_pos(rest, 99, "headers")
        else:
            bspan = rest[1] if len(rest) > 1 and (method or "").lower() in ("post", "put", "patch") else None
            opts = rest[2] if bspan is not None and len(rest) > 2 else (rest[1] if len(rest) > 1 and bspan is None
                                                                         else None)
            if opts is not None:
                o = self._deref(opts)
                if method in (None, "fetch", "send"):
                    mt = self.val(self._key(o, "method"))
                    method = mt if isinstance(mt, str) else None
                if bspan is None:
                    bspan = self._key(o, "body", "json", "data")
                hspan = self._key(o, "headers")
            else:
                hspan = None
        b = self.body(bspan) if bspan is not None else None
        if not isinstance(method, str) or method.lower() in ("fetch", "send"):
            method = "POST" if b else "GET"
        self.add(method, url, b, self.headers(hspan), s, e)

    def _config(self, span, _, s, e):
        o = self._deref(span)
        url = self.val(self._key(o, "url", "uri"))
        if not isinstance(url, str):
            return
        mt = self.val(self._key(o, "method"))
        bspan = self._key(o, "data", "body", "json")
        self.add(mt if isinstance(mt, str) else "GET", url, self.body(bspan) if bspan else None,
                 self.headers(self._key(o, "headers")), s, e)

    def _sdk(self):
        """SaaS SDK calls read as the request they send (knowledge/sdk_calls.toml): judged by the HTTP catalogue."""
        from ..knowledge import KnowledgeError, model

        try:
            calls = model("sdk_calls.toml", _SdkCalls).calls
        except KnowledgeError:
            return
        c = self.code
        for hint, rx, method, url in calls:
            if hint not in c:
                continue
            for m in rx.finditer(c):
                end = self._close(m.end(), ")") if c[m.end() - 1:m.end()] == "(" else m.end()
                try:
                    u = m.expand(url)
                except (re.error, IndexError):
                    u = url
                self.add(method, u, c[m.end():end][:100_000], [], m.start(), end)

    def _aws(self):
        c = self.code
        if "boto" in c or "create_client" in c:
            svc_of = {}
            for m in _BOTO_CLIENT.finditer(c):
                if m.group(1):
                    svc_of[m.group(1)] = m.group(2)
                # boto3.client('rds').delete_db_instance(...)
                after = self._close(m.end(), ")")
                mm = re.match(r"\)\s*\.\s*(\w+)\s*\(", c[after:])
                if mm:
                    self._aws_call(m.group(2), mm.group(1), after + mm.end() - 1, m.start())
            for m in _BOTO_CALL.finditer(c):
                var, op = m.group(1), m.group(2)
                if var in svc_of:
                    self._aws_call(svc_of[var], op, m.end() - 1, m.start())
        if "aws-sdk" in c or "AWS." in c:
            svc = re.search(r"@aws-sdk/client-([\w-]+)", c)
            for m in _AWS_V3.finditer(c):
                self._aws_call(svc.group(1) if svc else "aws", m.group(1), m.end() - 1, m.start())
            v2 = {m.group(1): m.group(2).lower() for m in _AWS_V2.finditer(c)}
            for m in _BOTO_CALL.finditer(c):
                if m.group(1) in v2:
                    self._aws_call(v2[m.group(1)], m.group(2), m.end() - 1, m.start())

    def _aws_call(self, service, op, open_paren, s):
        if not _AWS_OP.match(op):
            return
        action = "".join(p[:1].upper() + p[1:] for p in op.split("_")) if "_" in op else op[:1].upper() + op[1:]
        args, end = self._args(open_paren) if self.code[open_paren:open_paren + 1] == "(" else ([], open_paren)
        body = self.code[open_paren + 1:end][:100_000]
        self.add("POST", f"aws://{service.lower()}/{action}", body, [], s, end)
