"""Shell analysis: walk the bash syntax tree, resolve words, unwrap, and hand each
simple command to the program knowledge in ``programs.py``.

What it sees through: lists, pipelines, subshells, brace groups, ``$(...)``,
backticks, process substitution, functions defined and called in the same command,
variables assigned earlier (``X=rm; $X -rf ~``), quoting tricks (``r''m``, ``\\rm``),
wrappers (sudo, env, xargs, find -exec, ssh, ...), nested shells at any depth
(bounded), heredocs, here-strings, ``echo ... | sh``, scripts on disk, and inline
interpreter code.
"""

from __future__ import annotations

import os
import re

from ...actions import Finding
from ... import rules as _rules
from ...fsread import read_regular
from ...lazyre import LazyRe
from ...memo import FileMemo
from ..paths import LINK_ESCALATES, UNKNOWN_MARK, PathContext, classify, display, resolve
from . import flows
from . import parser as _parser

U = UNKNOWN_MARK

#: Variables that steer Interlock: where its state, policy and daemon are.  XDG_* only when set for the
#: rest of the session (export, or a plain assignment), not for one command (`XDG_CONFIG_HOME=tmp pytest`).
_STEERING = ("INTERLOCK_HOME", "INTERLOCK_DAEMON", "INTERLOCK_STORE", "INTERLOCK_SYSTEM_CONFIG",
             "INTERLOCK_APPROVER_SECRET_FILE", "INTERLOCK_HOOK_BUDGET_MS", "XDG_CONFIG_HOME", "XDG_STATE_HOME")


_AGENT_HOSTS = None


def agent_hosts():
    """(agent host program names, variables that redirect a nested one's settings), from
    ``agent_sessions.toml``."""
    global _AGENT_HOSTS
    if _AGENT_HOSTS is None:
        import os
        import tomllib

        with open(os.path.join(os.path.dirname(__file__), "..", "..", "agent_sessions.toml"), "rb") as f:
            d = tomllib.load(f)
        _AGENT_HOSTS = (frozenset(x for x in d["programs"] if not x.startswith("@")), frozenset(d["nested_env"]))
    return _AGENT_HOSTS


def steers(name: str, persistent=False, glob=False) -> bool:
    """Does setting ``name`` steer Interlock?  ``glob``: the name has unknown parts (U), and some
    steering variable fits it — but a name that is wholly unknown says nothing."""
    if glob:
        from fnmatch import fnmatchcase

        pat = name.replace(U, "*")
        if pat.strip("*") == "":
            return False
        return any(fnmatchcase(n, pat) for n in _STEERING if persistent or n.startswith("INTERLOCK_"))
    return name.startswith("INTERLOCK_") or (persistent and name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME"))
MAX_DEPTH = 12          # nested shells / scripts / function calls
MAX_COMMANDS = 4000     # simple commands analysed per action
MAX_SCRIPT_BYTES = 512 * 1024
MAX_LOOP_VALUES = 16

_SEP_TYPES = frozenset({";", "&&", "||", "&", "|", "|&", "\n", "(", ")", "{", "}", "do", "done",
                        "then", "fi", "if", "elif", "else", "while", "until", "for", "in", "case",
                        "esac", ";;", "comment", "!"})


# programs that may print or hand over secrets (interlock.analysis.shell.credentials.PROGRAMS)
_CRED_PROGRAMS = frozenset({"terraform", "tofu", "rails", "ansible-vault", "sops", "gpg", "firebase", "trufflehog",
    "gitleaks", "ps", "jq", "awk", "gawk", "python", "python3", "node", "ruby", "perl", "php", "deno", "bun", "nodejs",
    "pypy3",
    "gh", "aws", "gcloud", "az", "kubectl", "oc", "docker", "podman", "heroku", "railway", "vercel", "netlify", "fly",
    "flyctl", "op", "vault", "doppler", "supabase", "git", "security", "secret-tool", "keyring", "pass", "npm", "stripe", "helm", "env", "printenv",
    "keyctl", "chamber", "infisical", "glab", "gopass", "bw", "lpass", "kwallet-query",
    "export", "declare", "typeset", "set", "compgen", "echo", "printf", "print"})


# words of a program that reads the OS keyring (analysis.anyeffects.STORE_WORDS; kept here so that the module is
# not imported for every command)
_STORE_WORDS = ("keyring", "keytar", "secretstorage", "get_secret", "SecKeychain", "SecItem", "CredRead",
                "StoredCredential", "kwallet")


class TooComplex(Exception):
    pass


class Cmd:
    """One simple command after word resolution."""

    __slots__ = ("argv", "node", "stdin", "redirects", "assigns", "origin", "text", "sudo", "remote")

    def __init__(self, argv, node=None, stdin=None, redirects=(), assigns=None, origin=None,
                 text=None, sudo=False, remote=None):
        self.argv = argv
        self.node = node
        self.stdin = stdin          # None | ("text", s) | ("file", raw) | ("opaque", rule, why) | ("paths", [raw])
        self.redirects = redirects  # [(op, raw_target)]
        self.assigns = assigns or {}
        self.origin = origin        # "scripts/x.sh:12" when inside a file
        self.text = text
        self.sudo = sudo
        self.remote = remote        # host / container name when run elsewhere

    @property
    def name(self):
        return self.argv[0] if self.argv else ""

    @property
    def args(self):
        return self.argv[1:]

    def evidence(self):
        if self.text is not None:
            return self.text
        return " ".join(_show(a) for a in self.argv)

    def derive(self, argv, **kw):
        c = Cmd(argv, self.node, kw.get("stdin", self.stdin), kw.get("redirects", ()),
                self.assigns, self.origin, None, kw.get("sudo", self.sudo), kw.get("remote", self.remote))
        return c


_NEEDS_QUOTES = frozenset(" \t\n'\"$`;&|<>()")


def _show(word: str) -> str:
    """A word as a person reads it: unknown parts as ``$?``, quoted when the shell would need it."""
    if U in word:
        word = flows.show(word)  # every member of a collection: what the word stands for
    return _quote(word.replace(U, "$?"))


def _node_text(node) -> str:
    return node.text.decode("utf-8", "replace")


#: names a start-up file must not define as an alias or function: a person types `interlock approve`
#: (and an approver's secret) into whatever the shell finds under that name
SHADOWED = frozenset({"interlock"})


_PY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([\w, \t*()]+)|import[ \t]+([\w., \t]+))",
                        re.M)
_JS_IMPORT = re.compile(r"""(?:require\s*\(\s*|import\s*\(\s*|\bfrom\s*|^\s*import\s*)['"](\.{1,2}/[^'"\n]{1,300})['"]""",
                        re.M)
_JS_EXTS = ("", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", "/index.js", "/index.ts", "/index.mjs")


def local_module_files(src: str, language: str, base: str) -> list:
    """Files next to a program that its imports name (Python modules and packages, relative JavaScript
    specifiers) and that exist: the project's own code the program runs."""
    out = []
    if language == "python":
        for m in _PY_IMPORT.finditer(src[:400_000]):
            if m.group(1) is not None:
                mod = m.group(1)
                dots = len(mod) - len(mod.lstrip("."))
                root = base
                for _ in range(max(dots - 1, 0)):
                    root = os.path.dirname(root)
                mod = mod.lstrip(".")
                names = [mod] if mod else []
                names += [f"{mod}.{n.strip()}" if mod else n.strip()
                          for n in m.group(2).replace("(", "").replace(")", "").split(",") if n.strip() not in ("", "*")]
            else:
                root = base
                names = [n.strip().split()[0] for n in m.group(3).split(",") if n.strip()]
            for n in names:
                rel = n.replace(".", "/")
                for cand in (os.path.join(root, rel + ".py"), os.path.join(root, rel, "__init__.py")):
                    if os.path.isfile(cand):
                        out.append(cand)
    elif language in ("node", "deno", "javascript", "typescript"):
        for m in _JS_IMPORT.finditer(src[:400_000]):
            spec = os.path.normpath(os.path.join(base, m.group(1)))
            for ext in _JS_EXTS:
                if os.path.isfile(spec + ext):
                    out.append(spec + ext)
                    break
    return list(dict.fromkeys(out))


class Scope:
    """Shell variables and functions known at a point of the walk."""

    __slots__ = ("vars", "funcs", "cwd")

    def __init__(self, vars, funcs, cwd):
        self.vars = vars
        self.funcs = funcs
        self.cwd = cwd

    def child(self):
        return Scope(dict(self.vars), dict(self.funcs), self.cwd)


_UNSET = object()


class ShellAnalyzer:
    def __init__(self, pctx: PathContext, *, env=None, protected_branches=None,
                 resolve_environment=None, read_file=None, secret_extra=(), secret_exempt=(), user=_UNSET,
                 approval_paths=None):
        self.pctx = pctx
        self.written = set()        # paths this command line writes (a script it then runs is unknown)
        self.kube_redefined = set()  # kube context/cluster names this command line renamed or redefined
        self.judged_text = set()    # start-up files whose planted text this command line had judged
        self.generated = set()      # ... that it writes anew (>, tee, cp, -o): deleting them loses nothing more
        self.written_text = {}      # path -> text, when this command line writes a known text to it
        self._sources = []          # source bytes of what is being walked (for here-documents)
        self._recovered = []        # here-document ranges re-read from the source, per source
        self.secret_extra = tuple(secret_extra)
        self.secret_exempt = tuple(secret_exempt)
        self.findings: list[Finding] = []
        self.env = env or {}
        self.user = user if user is not _UNSET else self.env.get("USER")
        self._approval_paths = approval_paths  # selfprotect.approval_store_paths(home, env), when the caller has it
        self.protected_branches = tuple(protected_branches or ("main", "master", "production", "release*"))
        self.resolve_environment = resolve_environment
        self._read = read_file or _read_file
        self.reads = []             # facts for approvals: every file the analysis read as code or data
        self.ran = []               # ... and every command it resolved: [(cwd, argv)] (bounded)
        self.count = 0
        self.depth = 0
        self.call_stack: list[str] = []
        self.origin_stack: list[tuple[str, int]] = []  # (file display name, line offset)
        self.remote: str | None = None
        self._seen = set()
        self.as_root = False  # inside text a root shell runs (`sudo sh -c '…'`, `su -c '…'`, `sudo -i …`)
        self.aliases = None         # path -> the file it really is (mv .env x; ln -s .env x), from this line
        self.links = None           # symbolic link made by this line -> where it leads (ln -s /etc e)
        self.collection_files = None  # file this line filled with a whole listing -> the collection (flows.py)
        self.session_files = None   # path -> what the agent wrote there this session (session_memory.py)
        self.planting = False       # analysing text written into a file that runs later (programs.planted)

    def read_file(self, path):
        """A file's text, through the reader given (recorded: an approval is bound to what was read)."""
        if len(self.reads) < 512:
            self.reads.append(path)
        return self._read(path)

    def approval_paths(self):
        """Interlock's approval files and directories for this home and environment (once)."""
        if self._approval_paths is None:
            from ...selfprotect import approval_store_paths

            self._approval_paths = approval_store_paths(self.pctx.home, self.env)
        return self._approval_paths

    # --- findings ------------------------------------------------------------------
    def environment_of(self, kind, value):
        """Which environment (prod, staging, ...) a host / database / kube context / ... is in."""
        if not value or U in value or not self.resolve_environment:
            return None
        return self.resolve_environment(kind, value)

    def emit(self, rule_id, cmd, target=None, effect="", note=None, why=None, environment=None):
        rule = _rules.RULES[rule_id]
        evidence = cmd.evidence() if isinstance(cmd, Cmd) else str(cmd)
        if isinstance(cmd, Cmd) and cmd.text is not None and cmd.argv and cmd.argv[0] != "redirect" and (
                "$" in cmd.text or "\\" in cmd.text or not cmd.text.startswith(cmd.argv[0])):
            # show what runs after expansion and unquoting, and what was written
            resolved = " ".join(_show(a) for a in cmd.argv)
            if resolved != cmd.text:
                written = cmd.text if len(cmd.text) <= 120 else cmd.text[:117] + "..."
                note = f"written as: {written}" + (f"; {note}" if note else "")
                evidence = resolved
        if "__interlock_unknown__" in evidence + str(note or "") + str(target or ""):
            # the word a runtime value stands as inside nested code (nested_shell) is shown as any unknown part
            evidence = evidence.replace("${__interlock_unknown__}", "$?").replace("$__interlock_unknown__", "$?")
            note = note and note.replace("${__interlock_unknown__}", "$?").replace("$__interlock_unknown__", "$?")
            target = target.replace("$__interlock_unknown__", "$?") if isinstance(target, str) else target
        if U in evidence or (isinstance(target, str) and U in target):
            # a person reads these: every member of a collection said as such, other unknown parts as `$?`
            evidence = flows.show(evidence).replace(U, "$?")
            target = flows.show(target).replace(U, "$?") if isinstance(target, str) else target
        if len(evidence) > 300:
            evidence = evidence[:297] + "..."
        location = cmd.origin if isinstance(cmd, Cmd) else None
        remote = cmd.remote if isinstance(cmd, Cmd) else self.remote
        if remote:
            note = f"on {remote}" + (f"; {note}" if note else "")
            if self.resolve_environment and environment is None:
                environment = self.resolve_environment("host", remote.split(":", 1)[-1].split("@")[-1])
        key = (rule_id, evidence, target, location)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(Finding(rule_id, rule.severity, effect, target, evidence,
                                     why or rule.why, location=location, note=note,
                                     environment=environment))

    # --- entry points --------------------------------------------------------------
    def new_scope(self, cwd: str | None = None) -> "Scope":
        """A fresh scope at the start of a command line (or of a file that runs on its own)."""
        return Scope(self._base_vars(), {}, cwd or self.pctx.cwd)

    def analyze(self, source: str, cwd: str | None = None):
        scope = self.new_scope(cwd)
        try:
            self.run_source(source, scope)
        except (TooComplex, RecursionError) as e:
            self.emit("shell.too-complex", source[:200], effect="unknown",
                      note=str(e) or "too deeply nested")
        return self.findings

    def _base_vars(self):
        home = self.pctx.home
        v = {"HOME": home, "PWD": self.pctx.cwd, "TMPDIR": "/tmp", "TMP": "/tmp", "TEMP": "/tmp"}
        user = self.user
        if user:
            v["USER"] = user
        # where Interlock's state and policy are, as the shell that runs the command would expand
        # them (found by the attack round: `cat "$INTERLOCK_HOME"/vault/*` printed the vault's key)
        for name in ("INTERLOCK_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            val = (self.env or {}).get(name)
            if val and val.startswith("/"):
                v[name] = val
        return v

    def run_source(self, source: str, scope: Scope, origin=None):
        """Parse and walk a piece of shell source (a command line, -c string, script)."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels")
            if origin:
                self.origin_stack.append(origin)
            self._walk_text(source, scope)
        finally:
            self.depth -= 1
            if origin:
                self.origin_stack.pop()

    def _walk_text(self, source: str, scope: Scope):
        """Parse ``source`` and walk it; recover here-documents tree-sitter cut short and
        salvage what parses when the rest does not."""
        tree = _parser.parse(source)
        if "`" in source and source.count("`") >= 4 and _joined_backticks(tree.root_node):
            fixed = _backticks_to_dollar(source)
            if fixed is not None:
                tree2 = _parser.parse(fixed)
                if not tree2.root_node.has_error or tree.root_node.has_error:
                    source, tree = fixed, tree2
        if tree.root_node.has_error and "<>" in source:
            fixed = _read_write_redirects(source, tree.root_node)
            if fixed is not None:
                tree2 = _parser.parse(fixed)
                if not tree2.root_node.has_error:
                    source, tree = fixed, tree2
        src = source.encode("utf-8", "surrogateescape")
        self._sources.append(src)
        self._recovered.append([])
        try:
            self.walk(tree.root_node, scope)
            recovered = self._recovered[-1]
        finally:
            self._sources.pop()
            self._recovered.pop()
        if tree.root_node.has_error:
            if recovered and _errors_within(tree.root_node, recovered):
                # tree-sitter ended a here-document early; we re-read it ourselves
                end = max(e for _, e in recovered)
                rest = src[end:].decode("utf-8", "surrogateescape")
                if rest.strip():
                    self.walk(_parser.parse(rest).root_node, scope)
            else:
                self._salvage(source, scope)

    def _salvage(self, source, scope):
        """The source does not parse cleanly (bash may still run parts of it, e.g. its
        ``((`` fallback to nested subshells): analyse every piece that does parse, and
        if a piece that does not names a destructive program, say so."""
        import re

        before = len(self.findings)
        pieces = [p.strip() for p in re.split(r"[;&|(){}`\n]+|\$\(", source) if p.strip()]
        unparsed = []
        for piece in pieces[:200]:
            if piece == source.strip():
                unparsed.append(piece)
                continue
            tree = _parser.parse(piece)
            if tree.root_node.has_error:
                unparsed.append(piece)
                continue
            self.walk(tree.root_node, scope.child())
        if len(self.findings) == before and unparsed:
            for piece in unparsed:
                words = {w.strip("'\"\\").rsplit("/", 1)[-1] for w in piece.split()}
                hit = words & programs.DESTRUCTIVE_PROGRAMS
                if "find" in hit and not _find_acts(piece):
                    hit = hit - {"find"}  # `find . -user <userid>`: a find that only lists names changes nothing
                if hit:
                    self.emit("shell.unparseable", Cmd([], None, text=piece[:300], remote=self.remote),
                              effect="unknown", note=f"mentions {', '.join(sorted(hit))}")
                    return

    def _origin(self, node):
        if not self.origin_stack:
            return None
        name, offset = self.origin_stack[-1]
        if offset <= -10**8:  # a text with no lines of its own (a package.json script)
            return name
        return f"{name}:{node.start_point[0] + 1 + offset}"

    # --- tree walk -------------------------------------------------------------------
    def walk(self, node, scope: Scope, stdin=None):
        t = node.type
        if t == "command":
            self.command(node, scope, stdin)
        elif t == "pipeline":
            self.pipeline(node, scope)
        elif t == "redirected_statement":
            self.redirected(node, scope, stdin)
        elif t == "variable_assignment":
            self.assignment(node, scope, export=False)
        elif t == "variable_assignments":
            for ch in node.named_children:
                self.assignment(ch, scope, export=False)
        elif t == "declaration_command":
            self.declaration(node, scope)
        elif t == "unset_command":
            for ch in node.named_children:
                self._walk_substitutions(ch, scope)  # unset $(cmd) runs cmd
                name = self.word(ch, scope)
                if name.startswith("INTERLOCK_"):
                    self.emit("interlock.env-tamper", self._cmd(node, ["unset", name]), target=name, effect="unset")
                scope.vars.pop(name, None)
        elif t == "function_definition":
            name_node = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name_node is not None and body is not None:
                scope.funcs[_node_text(name_node)] = (body, self.origin_stack[-1] if self.origin_stack else None)
                if self.planting and _node_text(name_node) in SHADOWED:
                    self.emit("interlock.self-protect", self._cmd(node, [_node_text(name_node) + "()"]),
                              target=_node_text(name_node), effect="overwrite",
                              note="a function planted in a start-up file takes the place of Interlock's command")
                if self.planting:  # a function planted in a start-up file runs whenever its name is typed
                    self.walk(body, scope.child())
        elif t == "subshell":
            inner = scope.child()
            for ch in node.named_children:
                self.walk(ch, inner)
        elif t == "for_statement":
            self.for_loop(node, scope)
        elif t == "while_statement":
            cond = node.child_by_field_name("condition")
            body = node.child_by_field_name("body")
            ctext = _node_text(cond).strip().rstrip(";").strip() if cond is not None else ""
            if body is not None and ctext in ("true", ":", "[ 1 ]", "((1))", "[[ 1 ]]") and _spawns_background(body):
                self.emit("shell.fork-bomb", Cmd([], node, text=_node_text(node)[:300], origin=self._origin(node),
                                                  remote=self.remote), effect="exhaust",
                          note="an endless loop starting background processes")
            coll = flows.stdin_collection(stdin)
            if coll and ctext.split()[:1] == ["read"]:
                # `kubectl get ns -o name | while read ns; do …; done`: each line is a member of the collection
                for w in ctext.split()[1:]:
                    if not w.startswith("-") and w.isidentifier():
                        scope.vars[w] = flows.mark(coll)
            for ch in node.named_children:
                self.walk(ch, scope)
        elif t in ("comment", "heredoc_body", "heredoc_start", "heredoc_end"):
            return
        elif t == "command_substitution" or t == "process_substitution":
            inner = scope.child()
            for ch in node.named_children:
                if ch.type == "file_redirect":
                    # $(< file): bash reads the file
                    _, reds = self._redirects([ch], inner)
                    self._check_redirect_targets(reds, Cmd(["cat"], ch, text=_node_text(node)[:300],
                                                           origin=self._origin(node), remote=self.remote), inner)
                else:
                    self.walk(ch, inner)
        elif t in ("word", "string", "raw_string", "concatenation", "simple_expansion", "expansion",
                   "number", "ansi_c_string", "arithmetic_expansion", "translated_string"):
            self._walk_substitutions(node, scope)
        else:
            for ch in node.named_children:
                self.walk(ch, scope)

    def _walk_substitutions(self, node, scope):
        """Analyse command substitutions buried in words ($(...), backticks, <(...))."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("command_substitution", "process_substitution"):
                self.walk(n, scope)
            else:
                stack.extend(n.named_children)

    def pipeline(self, node, scope, first_stdin=None):
        prev = None
        prev_in = None  # what the previous stage reads: its output may be computed from it (decode.py)
        stages = [c for c in node.named_children]
        # `cat f | sh -i 2>&1 | nc H P > f`: a shell reading what a network client receives
        netshell.pipeline(self, [_node_text(st).split() for st in stages], _node_text(node))
        for i, st in enumerate(stages):
            stdin = first_stdin if i == 0 else None
            if i > 0:
                stdin = self._stage_output(prev, scope, piped=prev_in)
                if stdin is not None and stdin[0] == "file" and self.file_collection(stdin[1], scope):
                    stdin = ("unknown", _stage_name(prev), self.file_collection(stdin[1], scope))
                elif stdin is None or stdin[0] in ("opaque", "unknown"):
                    # unknown text, unless it is every member of a collection (flows.py): `kubectl get ns -o
                    # name | awk '{print $1}' | xargs …` hands on the names kubectl listed
                    coll = flows.stage(self._plain_argv(prev, scope), flows.stdin_collection(prev_in))
                    if coll:
                        stdin = ("unknown", _stage_name(prev), coll)
                    elif stdin is None:
                        stdin = ("unknown", _stage_name(prev))
            prev_in = stdin
            nxt = _node_text(stages[i + 1]).split() if i + 1 < len(stages) else []
            j = i + 1
            while nxt and nxt[0] in ("sort", "uniq", "tac") and all(w.startswith("-") for w in nxt[1:]) and \
                    j + 1 < len(stages):  # `env | uniq | sort -r | grep PATH`: the filter after the reordering
                j += 1
                nxt = _node_text(stages[j]).split()
            self.suppress_env_dump = bool(nxt) and (nxt[0] == "wc" or (nxt[0] == "cut" and "-f1" in nxt and (
                "-d=" in nxt or "-d'='" in nxt or '-d"="' in nxt)) or (nxt[0] == "grep" and "-c" in nxt) or (
                nxt[0] in ("grep", "egrep", "fgrep", "rg", "sed") and _env_filter(self, nxt) == "names"))
            # `echo $TOKEN | wc -c`: only a count comes out of the pipeline's next stage
            self.count_only_next = bool(nxt) and (nxt[0] == "wc" or nxt[0] in ("grep", "egrep", "fgrep") and (
                "-c" in nxt or "--count" in nxt or "-q" in nxt or "--quiet" in nxt))
            self.env_grep = _env_filter(self, nxt) if nxt and nxt[0] in ("grep", "egrep", "fgrep", "rg", "sed") and \
                not self.suppress_env_dump else None
            # `env | grep -E '^[^ ]+ x'`, `env | sed -n /"$U"/p`: a filter whose pattern Interlock cannot
            # read — some lines come out, which is only known when it runs
            self.env_filtered = bool(nxt) and not self.suppress_env_dump and self.env_grep is None and \
                not _env_filter_reveals(nxt) and (
                nxt[0] in ("grep", "egrep", "fgrep", "rg") and not any(
                    w == "--invert-match" or w.startswith("-") and not w.startswith("--") and "v" in w
                    for w in nxt[1:]) or nxt[0] == "sed" and "-n" in nxt and _one_line_selection(nxt))
            # `grep ^DB_ .env | cut -d= -f1`, `cat .env | wc -l`, `grep -v '^#' .env | grep = | sed 's/=.*//'`:
            # what the rest of the pipeline prints is names or counts only
            # `seq 10 | xargs -i bash -c "echo {}"`: what this stage reads is numbers or a name, never code
            outer_plain, outer_null = getattr(self, "plain_stdin", False), getattr(self, "null_entries", False)
            # `find /var/tmp/x -mtime +90 -print0 | xargs -0 rm`: each item is one entry below find's start
            pa = self._plain_argv(prev, scope) if i > 0 else []
            self.null_entries = bool(pa) and pa[0].rsplit("/", 1)[-1] == "find" and "-print0" in pa and \
                not any(x in ("-L", "-H", "-follow", "-printf", "-fprint0") for x in pa)
            cur = _node_text(st).split()
            self.plain_stdin = i > 0 and (plain_word_producer(self._plain_argv(prev, scope)) or (
                # (find is run here only for what hands its names to a shell: `| xargs -I{} sh -c '…{}…'`)
                bool(cur) and cur[0].rsplit("/", 1)[-1] in ("xargs", "parallel") and
                any(w.rsplit("/", 1)[-1] in programs.SHELLS for w in cur[1:]) and
                self._plain_names(prev, scope) and "names"))
            self.keys_only_next = _keys_only_after([_node_text(x).split() for x in stages[i + 1:]])
            self.filtered_next = programs.filtered_after([_node_text(x).split() for x in stages[i + 1:]])
            if self.keys_only_next:  # `env | cut -d = -f 1 | xargs`, `env | awk -F= '{print $1}'`: names only
                self.suppress_env_dump = True
            if self.suppress_env_dump and _names_looked_up([_node_text(x).split() for x in stages[i + 1:]]):
                self.suppress_env_dump = False  # … `| xargs -I{} printenv {}`: the names looked up again
            try:
                self.walk(st, scope, stdin=stdin)
            finally:
                self.plain_stdin = outer_plain
                self.null_entries = outer_null
                self.suppress_env_dump = False
                self.count_only_next = False
                self.env_grep = None
                self.env_filtered = False
                self.keys_only_next = False
                self.filtered_next = False
            prev = st

    def redirected(self, node, scope, stdin):
        body = node.child_by_field_name("body")
        redirects = []
        for ch in node.children:
            if ch.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                redirects.append(ch)
        stdin2, reds = self._redirects(redirects, scope)
        if stdin2 is not None:
            stdin = stdin2
            if stdin[0] == "file" and body is not None and body.type != "command" and U not in stdin[1]:
                # `while read -r l; do …; done < f`, `{ read a; read b; } < f`: the loop's variables hold f
                programs.stdin_read(self, Cmd(["<", stdin[1]], node, text=_node_text(node)[:300],
                                              origin=self._origin(node)), stdin[1], scope)
            if stdin[0] == "file" and self.file_collection(stdin[1], scope):
                stdin = ("unknown", stdin[1], self.file_collection(stdin[1], scope))  # `… done < ns.txt`
        if body is not None and body.type == "pipeline" and reds:
            coll = self._collection_of(body, scope)  # `kubectl get ns -o name | grep -v kube- > ns.txt`
            if coll:
                self._note_collection_file([(op, self._in_scope(t, scope)) for op, t in reds], coll)
        if body is None:
            # a bare redirect such as `> file` or `: > file`
            self._check_redirect_targets(reds, Cmd([":"], node, text=_node_text(node), origin=self._origin(node)), scope)
            return
        if body.type == "command":
            self.command(body, scope, stdin, extra_redirects=reds, stmt_node=node)
        elif body.type == "list" and stdin is not None:
            # tree-sitter hangs `a && b <<EOF` on the whole list; the here-doc feeds b
            kids = body.named_children
            for ch in kids[:-1]:
                self.walk(ch, scope)
            if kids:
                self.walk(kids[-1], scope, stdin=stdin)
            self._check_redirect_targets(reds, Cmd(["redirect"], node, text=_node_text(node)[:300],
                                                   origin=self._origin(node)), scope)
        else:
            self.walk(body, scope, stdin=stdin)
            rcmd = Cmd(["redirect"], node, text=_node_text(node)[:300], origin=self._origin(node))
            if body.type == "pipeline" and reds:  # echo … | base64 -d > x.sh: what the pipeline writes is known
                out = self._static_pipeline(body, scope)
                if U not in out:
                    for op, target in reds:
                        if op in (">", ">|", "&>") and U not in target:
                            self.written_text[resolve(target, self.pctx)] = out + "\n"
                        if op in (">", ">|", "&>", ">>", "&>>"):
                            programs.planted(self, rcmd, target, out + "\n")
            self._check_redirect_targets(reds, rcmd, scope)

    def _redirects(self, nodes, scope):
        """Turn redirect nodes into (stdin, [(op, target)])."""
        stdin = None
        out = []
        for r in nodes:
            if r.type == "heredoc_redirect":
                body = None
                for ch in r.children:
                    if ch.type == "heredoc_body":
                        body = ch
                if body is not None:
                    # an unquoted delimiter: bash expands the body first, running every $(...) in it
                    self._walk_substitutions(body, scope)
                    text = self._heredoc_text(r, body)
                    if U not in text:
                        stdin = ("text", text, body.start_point[0])
                    else:
                        stdin = ("opaque", "shell.opaque-eval", "here-document with unknown values")
                # pipelines/redirects chained after the heredoc start: `cat <<EOF > f`
                for ch in r.named_children:
                    if ch.type in ("file_redirect",):
                        _, more = self._redirects([ch], scope)
                        out.extend(more)
                    elif ch.type == "pipeline" and r.parent is not None and \
                            (r.parent.child_by_field_name("body") or r.parent).type == "command":
                        # `cat <<'EOF' | sh`: tree-sitter hangs the rest of the pipeline on the here-document; its
                        # first stage reads what the command given the here-document writes
                        owner = r.parent.child_by_field_name("body")
                        argv = self.argv(owner, scope) if owner is not None else None
                        feed = programs.stage_output(self, argv, stdin) if argv and stdin is not None else None
                        if feed is None or feed[0] not in ("text", "unknown", "opaque", "file"):
                            feed = ("unknown", (argv or ["?"])[0])
                        self.pipeline(ch, scope, first_stdin=feed)
                    elif ch.type in ("pipeline", "command", "list", "redirected_statement"):
                        self.walk(ch, scope)
            elif r.type == "herestring_redirect":
                val = None
                for ch in r.named_children:
                    self._walk_substitutions(ch, scope)  # cat <<< $(cmd) runs cmd
                    val = self.word(ch, scope)
                if val is not None:
                    stdin = ("text", val, r.start_point[0]) if U not in val else (
                        "opaque", "shell.opaque-eval", "here-string with unknown values")
            else:
                op = None
                dest = None
                for ch in r.children:
                    if ch.type in (">", ">>", ">|", "&>", "&>>", "<", ">&", "<&", "<>", ">&-", "<&-"):
                        op = ch.type
                dnode = r.child_by_field_name("destination")
                if dnode is not None:
                    if dnode.type in ("command_substitution", "process_substitution"):
                        self.walk(dnode, scope)
                    dest = self.word(dnode, scope)
                if op is None or dest is None:
                    continue
                if op == "<":
                    stdin = ("file", dest)
                    out.append(("<", dest))
                    if U not in dest and len(self.reads) < 512:  # what a command reads on its stdin is an input
                        self.reads.append(resolve(dest, self._scope_ctx(scope)))  # an approval is bound to
                elif op in (">&", "<&") and (dest.isdigit() or dest == "-"):
                    continue
                else:
                    out.append((op, dest))
        return stdin, out

    def _heredoc_text(self, redirect, body):
        """The here-document body, read from the source up to the line that is exactly the
        delimiter (tree-sitter-bash can stop early, e.g. at a line ``EOF'``)."""
        text = _node_text(body)
        if not self._sources:
            return text
        start = None
        dash = False
        ts_end = None
        for ch in redirect.children:
            if ch.type == "heredoc_start":
                start = _node_text(ch)
            elif ch.type == "<<-":
                dash = True
            elif ch.type == "heredoc_end":
                ts_end = ch.start_byte
        if not start:
            return text
        delim = start.strip().strip("'\"").replace("\\", "")
        src = self._sources[-1]
        pos = body.start_byte
        if pos > len(src):
            return text
        lines = src[pos:].split(b"\n")
        out = []
        offset = pos
        for ln in lines:
            cand = ln.lstrip(b"\t") if dash else ln
            if cand.decode("utf-8", "replace").rstrip("\r") == delim:
                ours = b"\n".join(out).decode("utf-8", "replace") + ("\n" if out else "")
                if ts_end is None or offset != ts_end:
                    self._recovered[-1].append((body.start_byte, offset + len(ln)))
                return ours
            out.append(ln)
            offset += len(ln) + 1
        return text

    def _in_scope(self, target, scope):
        """A redirection's target as the shell opens it: relative to the scope's working directory
        (after `cd DIR &&`, `pushd`, a subshell's cd), not the payload's."""
        if scope is None or scope.cwd == self.pctx.cwd or not target or target.startswith(("/", "~")):
            return target
        if U in scope.cwd:
            return U + "/" + target
        return scope.cwd.rstrip("/") + "/" + target

    def file_collection(self, raw, scope=None):
        """The collection a file holds every member of, when this command line wrote a listing into it
        (`kubectl get ns -o name > ns.txt; xargs -a ns.txt kubectl delete`)."""
        if not self.collection_files or not raw or U in raw:
            return None
        return self.collection_files.get(resolve(self._in_scope(raw, scope), self.pctx))

    def _note_collection_file(self, reds, coll):
        for op, target in reds:
            if op in (">", ">|", "&>", ">>", "&>>") and U not in target:
                if self.collection_files is None:
                    self.collection_files = {}
                self.collection_files[resolve(target, self.pctx)] = coll

    def _check_redirect_targets(self, reds, cmd, scope=None):
        reds = [(op, self._in_scope(t, scope) if op not in ("<<", "<<-", "<<<") else t) for op, t in reds]
        if cmd.argv and cmd.argv[0] != "redirect" and U not in cmd.argv[0]:
            coll = flows.stage(cmd.argv, flows.stdin_collection(cmd.stdin))
            if coll:
                self._note_collection_file(reds, coll)
        out = None
        if cmd.argv and cmd.argv[0] in ("echo", "printf", "cat", "jq") and cmd.stdin is None or (
                cmd.argv[:1] in (["cat"], ["base64"], ["base32"], ["xxd"], ["rev"], ["tr"], ["openssl"])
                and cmd.stdin and cmd.stdin[0] == "text"):  # (jq -n '…' > body.json; base64 -d <<< … > x.sh)
            out = programs.stage_output(self, cmd.argv, cmd.stdin) if cmd.argv else None
            if out and out[0] == "text":
                for op, target in reds:
                    if op in (">", ">|", "&>") and U not in target:
                        self.written_text[resolve(target, self.pctx)] = out[1]
                    if op in (">", ">|", "&>", ">>", "&>>"):
                        programs.planted(self, cmd, target, out[1])  # echo 'cmd' >> ~/.bashrc
        if cmd.argv[:1] in ([":"], ["true"]) or cmd.argv[:2] == ["cat", "/dev/null"] or (
                cmd.argv[:1] in (["echo"], ["printf"]) and cmd.stdin is None and out is not None
                and out[0] == "text" and not out[1].strip()):
            for op, target in reds:  # `: > f`, `echo '' > f`: the file is left empty
                if op in (">", ">|", "&>"):
                    programs.empties(self, cmd, target)
        if scope is not None and cmd.argv and cmd.argv[0] == "cat" and cmd.stdin is None:
            srcs = [x for x in cmd.argv[1:] if not x.startswith("-")]
            outs = [t for op, t in reds if op in (">", ">|", "&>")]
            if len(srcs) == 1 and len(outs) == 1 and len(cmd.argv) == 2:
                programs._record_alias(self, cmd, scope, srcs[0], outs[0])  # `cat ~/.netrc > n.txt`: n.txt holds it
        net = netshell.redirect(self, cmd, reds)  # `bash -i >& /dev/tcp/H/P`: a connection, not a file
        for op, target in reds:
            if target in net:
                continue
            if op == "<":
                programs.check_read(self, cmd, target)
            elif op in (">>", "&>>"):
                programs.check_append(self, cmd, target)
            else:
                programs.check_overwrite(self, cmd, target, how="redirect")

    def _stage_output(self, node, scope, piped=None):
        """What a pipeline stage writes to the next stage's stdin, when we can tell (``piped``: what the
        stage itself reads from the pipe)."""
        if node is None:
            return None
        n = node
        own_stdin = None
        if n.type == "redirected_statement":
            body = n.child_by_field_name("body")
            own_stdin, _ = self._redirects([c for c in n.children if c.type.endswith("redirect")], scope)
            n = body
        if n is not None and n.type == "command":  # `base64 -d <<< X | sh`: the here-string hangs on the command
            here = [c for c in n.children if c.type in ("herestring_redirect", "heredoc_redirect")]
            if here:
                own_stdin, _ = self._redirects(here, scope)
        if own_stdin is None:
            own_stdin = piped
        if n is None or n.type != "command":
            return None
        argv = self.argv(n, scope)
        if not argv:
            return None
        return programs.stage_output(self, argv, own_stdin)

    def _plain_names(self, node, scope) -> bool:
        """The stage is a find that only lists names, nothing before it in the command line writes, and every name
        it prints, on disk now, is a plain word (`find . -maxdepth 1 -type d -print0 | xargs -0 -I {} sh -c 'echo
        {}'`): no other file can be there by then (programs.find_selection_now)."""
        argv = self._plain_argv(node, scope)
        if not argv or argv[0].rsplit("/", 1)[-1] != "find":
            return False
        from types import SimpleNamespace

        starts = []
        for x in argv[1:]:
            if x.startswith(("-", "(", "!")) or x == ")":
                break
            starts.append(x)
        got = programs.find_selection_now(self, SimpleNamespace(args=argv[1:], node=node), scope, starts or ["."],
                                          handed="print")
        return got is not None and all(programs._PLAIN_NAME_CHARS.fullmatch(x) for x in got)

    def _plain_argv(self, node, scope):
        """A pipeline stage's words when it is a simple command (redirections aside), else []."""
        if node is not None and node.type == "redirected_statement":
            node = node.child_by_field_name("body")
        if node is None or node.type != "command":
            return []
        try:
            return self.argv(node, scope)
        except Exception:
            return []

    def _collection_of(self, node, scope):
        """A substitution's command or pipeline that prints every member of a collection: its id."""
        stages = node.named_children if node.type == "pipeline" else [node]
        coll = None
        for st in stages[:16]:
            coll = flows.stage(self._plain_argv(st, scope), coll)
            if coll is None:
                return None
        return coll

    def assignment(self, node, scope, export):
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _node_text(name_node) if name_node is not None else ""
        if "[" in name:  # x[$(cmd)]=$(cmd2): both run; the array's values are not followed
            for n in (name_node, value_node):
                if n is not None:
                    self._walk_substitutions(n, scope)
            return
        value = self.word(value_node, scope, assignment=True) if value_node is not None else ""
        if value_node is not None and value_node.type not in ("word", "raw_string", "number"):
            self._walk_substitutions(value_node, scope)  # x=$(rm -rf ~) runs rm
        if steers(name, persistent=True):
            self.emit("interlock.env-tamper", self._cmd(node, None), target=name, effect="set")
        if name in programs.COMMAND_VARS and export:  # export PAGER='…': what git or man runs later
            programs.command_value(self, self._cmd(node, None), scope, name, value)
        if name in programs.LOADER_VARS and export:  # export NODE_OPTIONS='--require …': loaded by every start
            programs.loader_value(self, self._cmd(node, None), scope, name, value)
        if value_node is not None and ("$" in value or U in value or "`" in _node_text(value_node)):
            from . import lifts  # TOKEN=$(grep -oP … file): where an extracted value came from

            lifts.note(self, self._cmd(node, None), name, _node_text(value_node), export)
        scope.vars[name] = value

    def declaration(self, node, scope):
        kw = node.children[0].type if node.children else ""
        args = [_node_text(c) for c in node.named_children]
        if kw in ("export", "declare", "typeset") and all(x.startswith("-") for x in args):
            from . import credentials

            credentials.check(self, Cmd([kw] + args, node, text=_node_text(node), origin=self._origin(node),
                                        remote=self.remote), scope)
        nameref = any(x.startswith("-") and "n" in x[1:] for x in args)
        for ch in node.named_children:
            if ch.type == "variable_assignment":
                self.assignment(ch, scope, export=True)
                if nameref:  # declare -n r=HOME: $r is $HOME
                    nm = ch.child_by_field_name("name")
                    name = _node_text(nm) if nm is not None else ""
                    target = scope.vars.get(name, "")
                    scope.vars[name] = scope.cwd if target == "PWD" else scope.vars.get(target, U)
                    if target and (steers(target, persistent=True) or (U in target and steers(
                            target, persistent=True, glob=True))):  # r=/tmp then sets INTERLOCK_HOME
                        self.emit("interlock.env-tamper", self._cmd(node, None), target=target.replace(U, "$?"),
                                  effect="set", note=f"`{name}` is a name reference: assigning to it sets {target}")
            else:  # `export $(cat .env | xargs)`, `export "$(cmd)"`: bash runs what is substituted
                self._walk_substitutions(ch, scope)
                # `export "INTERLOCK_"HOME=x`, `export ${X}_HOME=x`: the name is what the word says
                # `export $(echo SU5U… | base64 -d)`: what a substitution outputs, when it can be known, is
                # split into words and each is a NAME=value the shell exports
                word = self.word(ch, scope)
                words = word.split() if ch.type == "command_substitution" and word != U else [word]
                for word in words:
                    name = word.partition("=")[0] if "=" in word else ""
                    if name and (steers(name, persistent=True) or (U in name and steers(name, persistent=True,
                                                                                       glob=True))):
                        self.emit("interlock.env-tamper", self._cmd(node, None), target=name.replace(U, "$?"),
                                  effect="set")

    def for_loop(self, node, scope):
        var = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values = []
        for ch in node.children_by_field_name("value"):
            self._walk_substitutions(ch, scope)
            values.append(self.word(ch, scope))
        name = _node_text(var) if var is not None else ""
        if body is None:
            return
        if not values:
            values = [U]
        # word splitting of a variable holding a list: `for d in $DIRS`
        split = []
        for v in values:
            split.extend(v.split() if (" " in v and U not in v) else [v])
        for v in split[:MAX_LOOP_VALUES]:
            scope.vars[name] = v
            self.walk(body, scope)

    # --- words ---------------------------------------------------------------------
    def word(self, node, scope, assignment=False) -> str:
        """Resolve a word to its static value; parts we cannot know become U."""
        t = node.type
        if t == "word":
            s = _node_text(node)
            if "\\" in s:
                s = _unescape(s)
            if assignment and (s == "~" or s.startswith("~/")):
                s = self.pctx.home + s[1:]
            return s
        if t == "raw_string":
            return _node_text(node)[1:-1]
        if t == "string":
            parts = []
            raw = node.text
            base = node.start_byte
            pos = base + 1  # after the opening quote
            for ch in node.named_children:
                if ch.start_byte > pos:
                    # tree-sitter leaves newlines between content pieces out of the nodes
                    parts.append(raw[pos - base:ch.start_byte - base].decode("utf-8", "replace"))
                if ch.type == "string_content":
                    s = _node_text(ch)
                    parts.append(_unescape_dq(s) if "\\" in s else s)
                else:
                    parts.append(self.word(ch, scope))
                pos = ch.end_byte
            end = node.end_byte - 1
            if end > pos:
                parts.append(raw[pos - base:end - base].decode("utf-8", "replace"))
            return "".join(parts)
        if t == "concatenation":
            return "".join(self.word(ch, scope, assignment) for ch in node.children)
        if t == "simple_expansion":
            name = _node_text(node)[1:]
            return scope.vars.get(name, U) if name != "PWD" else scope.cwd
        if t == "expansion":
            return self._expansion(node, scope)
        if t == "ansi_c_string":
            return _ansi_c(_node_text(node)[2:-1])
        if t in ("command_substitution",):
            return self._static_output(node, scope)
        if t in ("number", "variable_name", "string_content", "special_variable_name"):
            return _node_text(node)
        if t == "process_substitution":
            # `bash <(base64 -d <<< …)`, `source <(echo … | base64 -d)`: the file the command reads holds the
            # substitution's output; when that is knowable (the decoding and printing stages), its text is kept
            # for whatever reads the file (a shell running it as a script is judged on that text)
            fd = f"/dev/fd/{63 - len(self.__dict__.setdefault('_procsub_fds', []))}"
            self._procsub_fds.append(fd)
            if _node_text(node).startswith("<("):
                got = self._static_output(node, scope)
                if got != U and U not in got:
                    self.written_text[fd] = got if got.endswith("\n") else got + "\n"
            return fd
        if t == "translated_string":
            return self.word(node.named_children[0], scope) if node.named_children else ""
        if t == "brace_expression":
            return _node_text(node)
        if t == "$":  # `user@host$ cmd`, `a$`: a `$` that begins no expansion is itself
            return "$"
        return U

    def _static_output(self, node, scope):
        """The output of a command substitution, when it is knowable without running
        anything: $(pwd), $(echo X), $(printf '%s' X), $(dirname X), $(basename X),
        $(realpath X), $(readlink -f X), $(cd X && pwd), $(git rev-parse --show-toplevel),
        $(cat FILE) of a small readable file.  Anything else is unknown (U)."""
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return U
        n = inner[0]
        if n.type == "list":
            kids = n.named_children
            if len(kids) == 2 and all(k.type == "command" for k in kids) and _node_text(n).count("&&") == 1:
                first = self.argv(kids[0], scope)
                second = self.argv(kids[1], scope)
                if first[:1] == ["cd"] and second == ["pwd"]:
                    target = first[1] if len(first) > 1 else "~"
                    return U if U in target else resolve(target, self._scope_ctx(scope))
            return U
        if n.type in ("pipeline", "redirected_statement"):  # $(echo … | base64 -d), $(xxd -r -p <<< …)
            got = self._static_pipeline(n, scope)
            if got == U:
                coll = self._collection_of(n, scope)  # $(kubectl get ns -o name | grep -v kube-)
                if coll:
                    return flows.mark(coll)
            return got
        if n.type != "command":
            return U
        argv = self.argv(n, scope)
        if not argv or U in argv[0]:
            return U
        coll = flows.produces(argv)  # $(docker ps -aq): every container
        if coll:
            return flows.mark(coll)
        prog, args = argv[0].rsplit("/", 1)[-1], argv[1:]
        ctx = self._scope_ctx(scope)
        try:
            if prog == "pwd":
                return scope.cwd
            if prog == "echo":
                words = [a for a in args if a not in ("-n", "-e", "-E")]
                return " ".join(words)
            if prog == "printf" and args:
                fmt, rest = args[0], args[1:]
                if fmt in ("%s", "%s\\n", "%s\\0") and rest:
                    return " ".join(rest)
                if not rest and "%" not in fmt:
                    return _ansi_c(fmt)
                from .decode import printf_format

                got = printf_format(fmt, rest)
                return U if got is None else got.rstrip("\n")
            ops = [a for a in args if not a.startswith("-")]
            if prog in ("dirname", "basename", "realpath", "readlink") and len(ops) == 1 and U not in ops[0]:
                import posixpath

                if prog == "dirname":
                    return posixpath.dirname(resolve(ops[0], ctx))
                if prog == "basename":
                    return posixpath.basename(ops[0].rstrip("/"))
                if prog == "realpath" or "-f" in args or "-e" in args or "-m" in args:
                    return resolve(ops[0], ctx)
                return U
            if prog == "git" and args[-1:] == ["--show-toplevel"] and "rev-parse" in args:
                from ..paths import find_workspace

                return find_workspace(scope.cwd) if U not in scope.cwd else U
            if prog == "cat" and len(ops) == 1 and U not in ops[0] and len(args) == 1:
                coll = self.file_collection(ops[0], scope)
                if coll:
                    return flows.mark(coll)  # $(cat ns.txt) of a listing this line wrote
                path = resolve(ops[0], ctx)
                from ..secrets import is_secret_path

                if self.session_files:  # bash -c "$(cat f)" / eval "$(cat f)": f as the agent wrote it
                    self.remembered(path, Cmd(["cat", ops[0]], node, text=_node_text(node)[:300],
                                              origin=self._origin(node)), how="runs the text of")
                if not is_secret_path(path, self.pctx.home):
                    text = self.written_text.get(path)
                    if text is None:
                        text = self.read_file(path) if not path.startswith(("/dev/", "/proc/")) else None
                    if text is not None and len(text) <= 65536:
                        return text.rstrip("\n")
            if prog in ("jq", "base64", "base32", "xxd", "rev", "tr", "openssl"):
                got = self._stage_output(n, scope)  # (with its here-string: $(base64 -d <<< X))
                if got is not None and got[0] == "text":
                    return got[1].rstrip("\n")
        except Exception:
            return U
        return U

    def _static_pipeline(self, node, scope):
        """The output of a pipeline (or a redirected command) made of stages whose output is computable."""
        try:
            stages = node.named_children if node.type == "pipeline" else [node]
            if len(stages) > 16:
                return U
            out = None
            for st in stages:
                out = self._stage_output(st, scope, piped=out)
                if out is None or out[0] != "text":
                    return U
            return out[1].rstrip("\n")
        except Exception:
            return U

    def _expansion(self, node, scope):
        text = _node_text(node)
        inner = text[2:-1]
        if not inner or inner[0] in "#!":
            return U
        name = ""
        i = 0
        while i < len(inner) and (inner[i].isalnum() or inner[i] == "_"):
            i += 1
        name, rest = inner[:i], inner[i:]
        if not name:
            return U
        val = scope.vars.get(name, U) if name != "PWD" else scope.cwd
        if not rest:
            return val
        if rest[:2] in (":-", ":=") or rest[:1] in ("-", "="):
            default = rest[2:] if rest[:1] == ":" else rest[1:]
            if val == U or flows.every(val) or (rest[:1] == ":" and val == ""):
                # (a listing's output may be empty: `${X:-/}` may be the default)
                # resolve the default word with a tiny parse
                return self._default_word(default, scope)
            return val
        if rest[:2] == ":?" or rest[:1] == "?":
            return val
        if rest[:1] in ("%", "#") and val != U and U not in val:
            # literal suffix/prefix removal: ${HOME%/}, ${X#./}
            pat = rest.lstrip("%#")
            if pat and not any(c in pat for c in "*?[$`"):
                if rest[0] == "%" and val.endswith(pat):
                    return val[: -len(pat)]
                if rest[0] == "#" and val.startswith(pat):
                    return val[len(pat):]
                return val
        return U

    def _default_word(self, text, scope):
        if not text:
            return ""
        if text.startswith("~"):
            text = self.pctx.home + text[1:] if text == "~" or text.startswith("~/") else text
        if "$" not in text and "`" not in text:
            return text.strip("\"'")
        try:
            tree = _parser.parse("x " + text)
            cmd = tree.root_node.named_children[0]
            args = cmd.children_by_field_name("argument")
            return "".join(self.word(a, scope) for a in args)
        except Exception:
            return U

    def argv(self, node, scope, args=None, name=_UNSET):
        """``args`` / ``name``: the node's argument and name children, when the caller has them."""
        out = []
        name = node.child_by_field_name("name") if name is _UNSET else name
        if name is not None:
            kids = name.named_children
            first = kids[0] if kids else None
            if first is not None and first.type == "simple_expansion" and first.text[1:2].isspace():
                # `$ ls -la` (a prompt copied with the command): bash reads a lone `$` as itself, tree-sitter
                # as the expansion of the next word; the words are `$` and the program
                out += ["$", _node_text(first)[1:].strip()]
            elif first is not None and first.type in ("simple_expansion", "expansion"):
                out.extend(self._split(self.word(first, scope), scope))
            else:
                out.append(self.word(first, scope) if first is not None else _node_text(name))
        prev_end = None
        for a in (node.children_by_field_name("argument") if args is None else args):
            t = a.type
            if t == "word":  # the common case, as word() reads it
                w = a.text.decode("utf-8", "replace")
                ws = [_unescape(w) if "\\" in w else w]
            elif t in ("simple_expansion", "expansion"):
                if _node_text(a) in ("$@", "$*", "${@}", "${*}"):
                    ws = self._positional(scope)
                else:
                    ws = self._split(self.word(a, scope), scope)  # unquoted: word-split
            elif t == "string" and _node_text(a) in ('"$@"', '"${@}"'):
                ws = self._positional(scope)
            elif t in ("concatenation", "brace_expression"):
                w = self.word(a, scope)
                if "{" in w and "}" in w and not _QUOTED.intersection(_node_text(a)):
                    ws = _brace_expand(w)  # rm -rf {~,/tmp/x}: bash expands braces first
                else:
                    ws = [w]
            else:
                ws = [self.word(a, scope)]
            if prev_end is not None and a.start_byte == prev_end and out and ws:
                # no blank between two argument nodes (tree-sitter splits `X=a` from `` `cmd`:0 ``): bash
                # reads one word
                out[-1] += ws[0]
                ws = ws[1:]
            out.extend(ws)
            prev_end = a.end_byte
        return out

    def _positional(self, scope):
        n = scope.vars.get("#")
        if n is None or not n.isdigit():
            return [U]
        return [scope.vars.get(str(i), U) for i in range(1, int(n) + 1)]

    def _split(self, value, scope):
        """Field splitting of an unquoted expansion on $IFS (default: blanks)."""
        ifs = scope.vars.get("IFS", " \t\n")
        if U in ifs:
            return [value]
        if not ifs:
            return [value] if value else []
        parts = [value]
        for sep in ifs:
            parts = [q for p in parts for q in p.split(sep)]
        return [p for p in parts if p] or ([] if value == "" else [value])

    def _cmd(self, node, argv, **kw):
        return Cmd(argv or [], node, text=_node_text(node)[:300], origin=self._origin(node), remote=self.remote, **kw)

    # --- commands ----------------------------------------------------------------------
    def command(self, node, scope, stdin, extra_redirects=(), stmt_node=None):
        self.count += 1
        if self.count > MAX_COMMANDS:
            raise TooComplex(f"more than {MAX_COMMANDS} commands")
        assigns = {}
        reds_nodes = []
        for ch in node.children:
            ct = ch.type
            if ct == "variable_assignment":
                nm = ch.child_by_field_name("name")
                val = ch.child_by_field_name("value")
                name = _node_text(nm) if nm is not None else ""
                assigns[name] = self.word(val, scope, assignment=True) if val is not None else ""
                if val is not None:
                    self._walk_substitutions(val, scope)
                if name in programs.COMMAND_VARS:  # GIT_SSH_COMMAND='…' git fetch runs it
                    programs.command_value(self, self._cmd(node, None), scope, name, assigns[name])
                if name in programs.LOADER_VARS:  # LD_PRELOAD=/tmp/x.so ls: loaded into the program
                    programs.loader_value(self, self._cmd(node, None), scope, name, assigns[name])
                if name.startswith("INTERLOCK_"):
                    self.emit("interlock.env-tamper", self._cmd(node, None), target=name, effect="set")
                if val is not None and ("$" in _node_text(val) or "`" in _node_text(val)):
                    from . import lifts  # TOKEN=$(grep -oP … file) / GH_TOKEN=$tok gh …

                    lifts.note(self, self._cmd(node, None), name, _node_text(val))
            elif ct in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                reds_nodes.append(ch)
        args = node.children_by_field_name("argument")
        name_node0 = node.child_by_field_name("name")
        feeds = stdin is not None and name_node0 is not None and _node_text(name_node0).rsplit("/", 1)[-1] == "tee"
        for a in args:
            if feeds and a.type == "process_substitution" and _node_text(a).startswith(">("):
                # `… | tee >(sh)`: what tee reads goes into the substitution's command too
                inner = scope.child()
                for ch in a.named_children:
                    self.walk(ch, inner, stdin=stdin)
            elif a.type not in ("word", "raw_string", "number"):
                self._walk_substitutions(a, scope)
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            kids = name_node.named_children
            if len(kids) != 1 or kids[0].type != "word":  # a word is a leaf: nothing runs inside it
                self._walk_substitutions(name_node, scope)
        argv = self.argv(node, scope, args, name_node)
        reds = list(extra_redirects)
        if reds_nodes:
            s2, more = self._redirects(reds_nodes, scope)
            reds.extend(more)
            if s2 is not None:
                stdin = s2
                if stdin[0] == "file" and self.file_collection(stdin[1], scope):
                    stdin = ("unknown", stdin[1], self.file_collection(stdin[1], scope))  # xargs … < ns.txt
        text = _node_text(stmt_node or node)
        cmd = Cmd(argv, node, stdin, reds, assigns, self._origin(node), text[:300] if len(text) > 300 else text,
                  remote=self.remote)
        if reds:
            self._check_redirect_targets(reds, cmd, scope)
        elif getattr(self, "net_fds", False):  # `sh <&5 >&5` after `exec 5<>/dev/tcp/…`: descriptors, not files
            netshell.redirect(self, cmd, ())
        if not argv:
            return
        if len(assigns) and not argv:
            scope.vars.update(assigns)
        self.dispatch(cmd, scope)

    def dispatch(self, cmd: Cmd, scope: Scope):
        """Judge one resolved simple command (also used for unwrapped inner commands)."""
        if not cmd.argv:
            return
        t = cmd.text
        if t and (("$" in t or "`" in t or "{}" in t) and (getattr(self, "lifts", None) or "$(" in t or "`" in t
                                                           or "{}" in t or self._session_lifts())
                  or "--with-token" in t or "-stdin" in t):
            from . import lifts  # a value extracted from a file, used as a credential

            lifts.check_use(self, cmd)
        if cmd.argv[0] in ("read", "mapfile", "readarray") and cmd.stdin and cmd.stdin[0] == "file":
            from . import lifts  # read -r T < file: T holds the file's first line

            lifts.note_read(self, cmd)
            programs.stdin_read(self, cmd, cmd.stdin[1], scope)
        name = cmd.argv[0]
        if name in ("$", "%", "#") and len(cmd.argv) > 1 and U not in cmd.argv[1] and not _is_program(self, name, scope):
            # a copied prompt (`$ npm test`): bash finds no program `$`; what follows is judged as the
            # command the agent meant (what runs if the prompt is dropped)
            self.dispatch(cmd.derive(cmd.argv[1:]), scope)
            return
        if len(self.ran) < 256 and not self.remote:
            self.ran.append((scope.cwd, [w for w in cmd.argv if U not in w]))
        if cmd.assigns and name.rsplit("/", 1)[-1] in agent_hosts()[0]:
            bad = next((k for k in cmd.assigns if k in agent_hosts()[1] or steers(k, persistent=True)), None)
            if bad:  # a nested agent that would load other settings than the hooked ones
                self.emit("interlock.env-tamper", cmd, target=bad, effect="set",
                          note=f"{name.rsplit('/', 1)[-1]} started with {bad} changed loads other settings "
                               "(and hooks) than this session's")
        if U in name:
            programs.dynamic_command(self, cmd, scope)
            return
        if name in scope.funcs and "/" not in name:
            self.call_function(cmd, scope)
            return
        base = name.rsplit("/", 1)[-1] if "/" in name else name
        if "/" in name and name.endswith(".sh") or (("/" in name) and base not in programs.HANDLERS):
            if programs.run_script_path(self, cmd, scope):
                return
        if base in _CRED_PROGRAMS and (
                base not in ("git", "echo", "printf", "print", "set", "python", "python3", "node", "ruby", "perl",
                             "jq", "awk", "gawk", "ps", "npm", "docker", "podman")
                or (base == "npm" and ("token" in cmd.argv or "config" in cmd.argv))
                or (base in ("docker", "podman") and "inspect" in cmd.argv)
                or (base in ("python", "python3", "node", "ruby", "perl") and (
                    "env" in (cmd.text or "").lower() or any(w in (cmd.text or "") for w in _STORE_WORDS)))
                or (base in ("jq", "awk", "gawk") and "env" in (cmd.text or "").lower())
                or (base == "ps" and len(cmd.argv) > 1)
                or (base == "git" and any(x.startswith("credential") for x in cmd.argv))
                or (base == "set" and len(cmd.argv) == 1)
                or (base in ("echo", "printf", "print") and "$" in (cmd.text or ""))):
            from . import credentials

            credentials.check(self, cmd if base == name else cmd.derive([base] + cmd.argv[1:]), scope)
        elif base.startswith(("git-credential-", "docker-credential-")):
            from . import credentials  # a credential helper (`docker-credential-pass get`): its get prints the secret

            credentials.check(self, cmd if base == name else cmd.derive([base] + cmd.argv[1:]), scope)
        elif any(x.startswith(("--show-", "--reveal", "--with-decryption", "--unmask", "--decrypt-", "--plaintext-"))
                 for x in cmd.argv[1:]):
            from . import credentials  # `pulumi stack output --show-secrets`, `mytool get x --reveal`: any program

            flag = credentials.reveal_flag(cmd.argv[1:])
            if flag:
                self.emit("secrets.tool-output", cmd, target=f"what {flag} shows", effect="reveal-secret")
        if "-o" in cmd.argv or "--output" in (cmd.text or ""):
            programs.note_outputs(self, cmd if base == name else cmd.derive([base] + cmd.argv[1:]), scope)
        if base in netshell.INTERPRETERS and cmd.text and len(cmd.argv) > 1:
            # the whole line, whatever spelling hands it the code (`ruby -e'…'`, `zsh -c '…ztcp…'`): a connection
            # joined to a shell in the text is a shell for the peer
            netshell.code(self, base, cmd.text, cmd)
        handler = programs.HANDLERS.get(base)
        if handler is None:
            handler = programs.prefix_handler(base)
        if handler is None:
            plain = programs.unversioned(base)  # `lua5.4`, `php8.3`, `ruby3.2`, `node22`: the program itself
            handler = programs.HANDLERS.get(plain) if plain else None
            if handler is not None:
                base = plain
        if handler is not None:
            if base != name:
                cmd = cmd.derive([base] + cmd.argv[1:])
                cmd.text = None
            handler(self, cmd, scope)
        else:
            programs.unknown_program(self, cmd, scope)

    def call_function(self, cmd, scope):
        name = cmd.argv[0]
        body, origin = scope.funcs[name]
        if isinstance(body, str):  # an alias: its text, then the words after the name
            del scope.funcs[name]  # bash does not expand an alias inside its own expansion
            try:
                self.nested_shell(body + "".join(" " + _quote(x) for x in cmd.argv[1:]), cmd, scope)
            finally:
                scope.funcs[name] = (body, origin)
            return
        key = (name, body.start_byte, body.end_byte, id(body.tree) if hasattr(body, "tree") else 0)
        if key in self.call_stack:
            # recursion: a fork bomb if it calls itself in the background or a pipe
            if _self_pipes(body, name):
                self.emit("shell.fork-bomb", cmd, target=name, effect="exhaust")
            return
        self.call_stack.append(key)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels")
            inner = scope.child()
            for i, a in enumerate(cmd.argv[1:10], 1):
                inner.vars[str(i)] = a
            inner.vars["#"] = str(min(len(cmd.argv) - 1, 9))
            if origin:
                self.origin_stack.append(origin)
            try:
                self.walk(body, inner, stdin=cmd.stdin)
            finally:
                if origin:
                    self.origin_stack.pop()
        finally:
            self.depth -= 1
            self.call_stack.pop()

    # --- nested sources ----------------------------------------------------------------
    def nested_shell(self, source: str, cmd: Cmd, scope: Scope, remote=None, origin=None, cwd=None, root=False):
        """Analyse a string that a shell will run (bash -c, eval, ssh host 'cmd', ...).  ``root``: the shell runs
        as root (`su -c`, `sudo -i`); a command run through sudo that starts a shell passes its root on too."""
        plain, self.plain_words = getattr(self, "plain_words", False), False  # for this source only, not below
        if U in source and (plain or _only_parameters(
                cmd, source, self._sources[0] if self._sources else None)):
            # `ssh host "mkdir -p $2"`, `watch "ls /proc/$PID/fd"`, `sh -c "/bin/true $(seq 1 9)"`, `seq 10 | xargs
            # -i bash -c "echo {}"`: a positional or special parameter, a variable nothing in this command line
            # sets (an agent's command cannot have set it in an earlier one: its value is the user's), or the
            # output of a program that prints only numbers or a name (seq, wc, date, hostname…) stands where a
            # word is: it stays an unknown word for the analysis of the inner command (rm -rf $2 is still an
            # unresolved delete, `$CMD` as the program is still opaque)
            source = source.replace(U, "${__interlock_unknown__}")
        if U in source:
            stripped = source.replace(U, "")
            self.emit("shell.opaque-eval", cmd, effect="run",
                      note="part of the command is only known when it runs")
            if not stripped.strip():
                return
            source = source.replace(U, "UNKNOWN_VALUE")
        inner = scope.child()
        prev_remote, prev_ctx, prev_root = self.remote, self.pctx, self.as_root
        if root or (isinstance(cmd, Cmd) and cmd.sudo):
            # True (root), or the user `sudo -u alice sh -c '…'` runs the shell as (truthy, named in reasons)
            self.as_root = cmd.sudo if not root and isinstance(cmd, Cmd) and isinstance(cmd.sudo, str) else True
        if cwd:
            inner.cwd = cwd
        if remote:
            self.remote = remote
            user_home = "/root" if remote.startswith("root@") else "/home/" + (
                remote.split("@", 1)[0] if "@" in remote else "remote")
            self.pctx = PathContext(user_home, user_home, None, (), (), project=None)
            inner.cwd = user_home
            inner.vars["HOME"] = user_home
        try:
            self.run_source(source, inner, origin=origin)
        finally:
            self.remote, self.pctx, self.as_root = prev_remote, prev_ctx, prev_root

    def remote_dispatch(self, cmd: Cmd, scope: Scope, argv, remote):
        """Run an argv on another machine or container (docker exec, kubectl exec)."""
        prev_remote, prev_ctx = self.remote, self.pctx
        self.remote = remote
        home = "/root"
        self.pctx = PathContext(home, home, None, (), (), project=None)
        inner = scope.child()
        inner.cwd = home
        inner.vars["HOME"] = home
        try:
            self.dispatch(cmd.derive(list(argv), remote=remote), inner)
        finally:
            self.remote, self.pctx = prev_remote, prev_ctx

    def _session_lifts(self) -> bool:
        """Whether an earlier command of this session exported a lifted value (session memory)."""
        sf = self.session_files
        return bool(sf) and any(k.startswith("$env:") for k in sf)

    def secret_copy(self, path: str):
        """Where ``path`` was copied from, shown, when the agent copied a file that holds secrets there earlier in
        this session (or copied a directory above it, and the path in the source is such a file); else None."""
        from ...session_memory import secret_copy

        return secret_copy(self.session_files, path, self.pctx)

    def remembered(self, path: str, cmd: Cmd, how="runs") -> bool:
        """A file the agent wrote earlier in this session (session memory): what it held then counts, when
        the file on disk is not exactly what Interlock saw written."""
        sf = self.session_files
        if not sf or not path or UNKNOWN_MARK in path:
            return False
        entry = sf.get(path)
        if entry is None and self.aliases and path in self.aliases:
            entry = sf.get(self.aliases[path])
        if not entry or not entry.get("facts"):
            return False
        sha = entry.get("sha")
        if sha:
            disk = self.written_text.get(path)
            if disk is None:
                disk = self.read_file(path)
            if disk is not None:
                from ...actions import sha256_hex

                if sha256_hex(disk.encode("utf-8", "replace")) == sha:
                    return False  # exactly what was seen: the analysis of the file says it all
        shown = display(entry.get("origin") or path, self.pctx)
        got = False
        for fact in entry["facts"]:
            if fact.get("rule") not in _rules.RULES:
                continue
            self.emit(fact["rule"], cmd, target=fact.get("target"), effect="run",
                      note=f"session memory: {how} {shown}, which the agent wrote in this session holding "
                           f"`{fact.get('evidence') or ''}`; the file on disk changed since")
            got = True
        return got

    def script_file(self, raw_path: str, cmd: Cmd, scope: Scope, language="shell", args=()):
        """Read a script the command runs and analyse it. Returns False if it can't be read."""
        path = resolve(raw_path, self._scope_ctx(scope))
        if self.session_files:
            self.remembered(path, cmd)
        if programs.planted_elsewhere(self, cmd, scope, raw_path):
            return True  # a start-up line running a file anyone may rewrite: judged as that (not as it reads now)
        src = self.written_text.get(path)
        if src is None and path.startswith(("/dev/", "/proc/", "/sys/")) or self.remote:
            return False
        if src is None:
            src = self.read_file(path)
        if src is None:
            return False
        name = display(path, self.pctx)
        if language == "shell":
            inner = scope.child()
            for i, a in enumerate(args[:9], 1):
                inner.vars[str(i)] = a
            inner.vars["#"] = str(min(len(args), 9))
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise TooComplex(f"nesting deeper than {MAX_DEPTH} levels")
                self.origin_stack.append((name, 0))
                try:
                    self._walk_text(src, inner)
                finally:
                    self.origin_stack.pop()
            finally:
                self.depth -= 1
        else:
                programs.inline_code(self, language, src, cmd, scope, origin=(name, 0))
                self._local_modules(path, src, language, cmd, scope)
        return True

    def _local_modules(self, path, src, language, cmd, scope):
        """The project's own modules a Python or JavaScript program imports (``import helper``,
        ``require('./h')``) run with it: each is read and judged as part of the program (and so an
        approval is bound to it), up to a bound; a module found elsewhere (site-packages) is not."""
        followed = self.__dict__.setdefault("_modules_followed", set())
        base = os.path.dirname(path)
        for cand in local_module_files(src, language, base)[:32]:
            if cand in followed or len(followed) >= 24:
                continue
            followed.add(cand)
            self.script_file(cand, cmd, scope, language=language)

    def _scope_ctx(self, scope):
        if scope.cwd == self.pctx.cwd:
            return self.pctx
        return PathContext(scope.cwd, self.pctx.home, self.pctx.workspace, self.pctx.protected,
                           self.pctx.self_paths, self.pctx.exists, project=self.pctx.project)

    def place(self, raw: str, scope: Scope):
        """Classify a path argument, relative to the scope's cwd."""
        if U in scope.cwd and not raw.startswith(("/", "~")):
            raw = U + "/" + raw
        got = classify(raw, self._scope_ctx(scope))
        if self.links and got.path:
            real = self.linked(got.path, follow_last=raw.endswith("/"))
            if real is not None:
                p = classify(real, self._scope_ctx(scope))
                if p.kind in LINK_ESCALATES:  # following a link never makes a path weigh less
                    return type(got)(p.kind, p.path, raw, got.glob)
        return got

    def linked(self, path, follow_last=False):
        """Where ``path`` leads through a symbolic link this same command line made (`ln -s /etc e && rm -rf
        e/*`): the link is not on disk yet when the line is judged.  None when no such link is on the way."""
        for link, target in (self.links or {}).items():
            if path.startswith(link + "/"):
                return target.rstrip("/") + path[len(link):]
            if follow_last and path == link:
                return target
        return None


def _read_write_redirects(source: str, root):
    """``exec 5<>/dev/tcp/H/P``, ``3<>file``: bash opens the file for reading and writing, an operator the grammar
    does not know (it leaves an ERROR where the ``>`` is).  The source with each such ``<>`` read as ``< `` (a
    redirect from that file, the same length, so positions hold) — or None when no error sits on one.  Only an
    operator the grammar rejected is touched: ``<>`` in quotes, a here-document or SQL (``a <> b``) parses and stays."""
    src = source.encode("utf-8", "surrogateescape")
    errors = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR":
            errors.append((n.start_byte, n.end_byte))
        elif n.has_error:
            stack.extend(n.children)
    out = bytearray(src)
    changed = False
    i = src.find(b"<>")
    while i >= 0:
        if any(s < i + 2 and i < e or s == e == i + 1 for s, e in errors) and src[i + 2:i + 3] not in (b"<", b">", b"&"):
            out[i + 1:i + 2] = b" "
            changed = True
        i = src.find(b"<>", i + 2)
    return bytes(out).decode("utf-8", "surrogateescape") if changed else None


def _errors_within(root, ranges) -> bool:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            if not any(a <= n.start_byte and n.end_byte <= b for a, b in ranges):
                return False
            continue
        if n.has_error:
            stack.extend(n.children)
    return True


def _spawns_background(body) -> bool:
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "&":
            return True
        stack.extend(n.children)
    return False


def _self_pipes(body, name) -> bool:
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type in ("pipeline",):
            for c in n.named_children:
                if c.type == "command":
                    nm = c.child_by_field_name("name")
                    if nm is not None and _node_text(nm) == name:
                        return True
        if n.type == "&":
            return True
        stack.extend(n.children)
    return False


_PARAMS = LazyRe(r"\$(?:\{[0-9#?$!@*-]+\}|[0-9#?$!@*-])")
_ANY_EXPANSION = LazyRe(r"\$(?:\{|\(|[A-Za-z_0-9#?$!@*-])|`")


#: Programs whose output is numbers, a date or a name — never a shell metacharacter — whatever they read:
#: their output spliced into code is a word.  (`date +FORMAT` prints the format's text: only %-specs and
#: plain separators there; `wc` with file operands prints their names: only without operands.)
PLAIN_WORD_PRODUCERS = frozenset({"seq", "nproc", "whoami", "hostname", "uname", "id", "date", "wc", "arch",
                                  "getconf", "logname", "tty"})
_PLAIN_FORMAT = LazyRe(r"^\+['\"]?(?:%[a-zA-Z]|[-:/ ._,T])*['\"]?$")


def plain_word_producer(argv) -> bool:
    """A command whose output is a plain word or number (PLAIN_WORD_PRODUCERS, as it is called here)."""
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    if name not in PLAIN_WORD_PRODUCERS:
        return False
    ops = [x for x in argv[1:] if not x.startswith("-")]
    if name == "wc":
        return not ops
    if name == "date":
        return all(_PLAIN_FORMAT.match(x) for x in ops if x.startswith("+")) and \
            not any(x.startswith(("-f", "--file", "-r", "--reference")) for x in argv[1:])
    if name == "getconf":
        return len(ops) == 1 and ops[0].isupper()
    return name != "seq" or all(re.fullmatch(r"-?[0-9.e+]+", x) for x in ops)


def _plain_substitution(inner) -> bool:
    """`$(seq 1 100)`, `` `date +%s` ``, `$(find . | wc -l)`: a substitution whose last stage prints a plain word;
    the stages before it (whose output it only counts) are walked and judged as the commands they are."""
    if any(c in inner for c in ";&<>`\n") or "$(" in inner:
        return False
    import shlex

    try:
        last = shlex.split(inner.rsplit("|", 1)[-1])
    except ValueError:
        return False
    return plain_word_producer(last)


def _expansions(text):
    """The expansions the shell makes in ``text`` (outside single quotes): ("param", t), ("var", name),
    ("subst", inner) or ("other", t)."""
    out, i, n, quote = [], 0, len(text), None
    while i < n:
        c = text[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if c == "'" and quote != '"':
            quote = None if quote == "'" else "'"
        elif c == '"' and quote != "'":
            quote = None if quote == '"' else '"'
        elif quote == "'":
            pass
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                return [("other", text[i:])]
            out.append(("subst", text[i + 1:j]))
            i = j + 1
            continue
        elif c == "$" and i + 1 < n:
            m = _PARAMS.match(text, i)
            if m:
                out.append(("param", m.group(0)))
                i = m.end()
                continue
            m = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))").match(text, i)
            if m:
                out.append(("var", m.group(1) or m.group(2)))
                i = m.end()
                continue
            if text.startswith("$(", i) and not text.startswith("$((", i):
                depth, j = 0, i + 1
                while j < n:
                    if text[j] == "(":
                        depth += 1
                    elif text[j] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                if j >= n:
                    return [("other", text[i:])]
                out.append(("subst", text[i + 2:j]))
                i = j + 1
                continue
            if text[i + 1] in "{(":
                out.append(("other", text[i:i + 2]))
        i += 1
    return out


def _set_in(name, full) -> bool:
    """``full`` (the whole command line) assigns the variable ``name`` somewhere (or reads it, loops over it…)."""
    return bool(re.search(r"(?<![\w$])" + name + r"\+?=|\b(?:read|mapfile|readarray|declare|typeset|local|export|let|"
                          r"getopts|printf\s+-v|for|select)\b[^;&|\n]*\b" + name + r"\b", full))


def _only_parameters(cmd, source, full=None) -> bool:
    """Every unknown part of a nested command's text comes from a positional or special parameter
    (`$2`, `${1}`, `$$`), a variable that nothing in the whole command line sets (its value is the user's
    environment's, not this command's: `watch "ls /proc/$PYTHONPID/fd"`), or a substitution that prints a plain
    word (`$(seq 1 9)`); none sits inside single quotes of the inner text (where it would be read back as
    literal text), and the written command has no other expansion or substitution."""
    text = cmd.text if isinstance(cmd, Cmd) else None
    if not text and isinstance(cmd, Cmd) and getattr(cmd, "node", None) is not None and \
            cmd.argv and cmd.argv[0] in ("sh", "bash", "dash", "zsh", "ksh"):
        text = _node_text(cmd.node)  # `/bin/sh -c "…"`: the written command, as the shell it names was found
    if not text or "{}" in text:
        return False  # `xargs -I{} sh -c 'echo {}'`, `-exec sh -c '… {}'`: a name find or xargs splices in is data
    if isinstance(full, bytes):
        full = full.decode("utf-8", "replace")
    for kind, v in _expansions(text):
        if kind == "param":
            continue
        if kind == "var" and full is not None and not v.startswith("__") and not _set_in(v, full):
            continue
        if kind == "subst" and _plain_substitution(v):
            continue
        return False
    quoted = False
    for ch in source:
        if ch == "'":
            quoted = not quoted
        elif ch == U and quoted:
            return False
    return True


def _find_acts(text) -> bool:
    """The text of a find (that does not parse) holds an action that changes something: -delete, -fprint…,
    or an -exec/-ok of a program that is not a mere reader (`-exec ls -l {}` only lists)."""
    from .programs import _FIND_READERS

    words = [w.strip("'\"\\") for w in text.split()]
    for i, w in enumerate(words):
        if w in ("-delete", "-fprint", "-fprint0", "-fprintf", "-fls"):
            return True
        if w in ("-exec", "-execdir", "-ok", "-okdir"):
            nxt = words[i + 1].rsplit("/", 1)[-1] if i + 1 < len(words) else ""
            if nxt not in _FIND_READERS:
                return True
    return False


def _joined_backticks(root) -> bool:
    """tree-sitter-bash reads `` `a` `b` `` as one substitution running from the first backtick to the
    last: a backtick substitution whose text holds another backtick that is not escaped."""
    stack = [root]
    n = 0
    while stack and n < 20000:
        node = stack.pop()
        n += 1
        if node.type == "command_substitution" and node.text[:1] == b"`":
            inner = node.text[1:-1]
            if b"`" in inner.replace(b"\\`", b""):
                return True
        stack.extend(node.children)
    return False


def _backticks_to_dollar(source: str):
    """`` `cmd` `` → ``$(cmd)`` as bash pairs backticks (outside single quotes; inside double quotes they
    still substitute).  None when they do not pair."""
    out = []
    stack = []  # '"' or '`'
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        top = stack[-1] if stack else None
        if c == "\\":
            out.append(source[i:i + 2])
            i += 2
            continue
        if c == "'" and top != '"':
            j = source.find("'", i + 1)
            if j < 0:
                return None
            out.append(source[i:j + 1])
            i = j + 1
            continue
        if c == '"':
            if top == '"':
                stack.pop()
            else:
                stack.append('"')
            out.append(c)
        elif c == "`":
            if top == "`":
                stack.pop()
                out.append(")")
            else:
                stack.append("`")
                out.append("$(")
        else:
            out.append(c)
        i += 1
    return None if stack else "".join(out)


def _is_program(a, name, scope) -> bool:
    """A file by this name that the shell would run: written by this command line, in the working
    directory, or on PATH (then `$ x` is no copied prompt)."""
    import os
    import shutil

    if any(w and w.rsplit("/", 1)[-1] == name for w in a.written):
        return True
    if U not in scope.cwd and os.path.lexists(os.path.join(scope.cwd, name)):
        return True
    try:
        return shutil.which(name, path=(a.env or {}).get("PATH") or os.defpath) is not None
    except (OSError, ValueError):
        return True


def _one_line_selection(words) -> bool:
    """`sed -n /"$U"/p`: one script that prints the lines one address selects — not a range (`/^B/,/^}/p`, which
    runs on through every line after its start) nor several commands."""
    import shlex

    try:
        ws = shlex.split(" ".join(words))
    except ValueError:
        return False
    scripts = [w for w in ws[1:] if not w.startswith("-")]
    return len(scripts) == 1 and re.fullmatch(r"/[^/,;]+/p", scripts[0]) is not None


def _env_filter_reveals(words):
    from .credentials import env_filter_reveals

    return env_filter_reveals(words)


def _env_filter(a, words):
    from .credentials import env_filter

    return env_filter(a, words)


def _stage_name(node) -> str:
    t = _node_text(node).strip().split()
    return t[0] if t else "a command"


def _read_file(path: str):
    """A script's text (its first MAX_SCRIPT_BYTES), or None: unreadable, binary, not a regular file."""
    import os
    import stat

    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device: reading could block or never end
        return None
    return _SCRIPTS.get(path, st, _read_text)


def _read_text(path: str):
    try:
        data = read_regular(path, MAX_SCRIPT_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(data) > MAX_SCRIPT_BYTES:
        data = data[:MAX_SCRIPT_BYTES]
    if b"\x00" in data[:4096]:
        return None
    return data.decode("utf-8", "replace")


_SCRIPTS = FileMemo(256)


_UNESCAPE = LazyRe(r"(?s)\\\n|\\(.)")             # unquoted: \x is x, \<newline> joins lines
_UNESCAPE_DQ = LazyRe(r'\\\n|\\([$`"\\])')        # in double quotes only these are escapes


_QUOTED = frozenset("'\"\\")
_BRACE_MAX = 64


def _brace_expand(word: str) -> list:
    """Bash's brace expansion of an unquoted word: ``a{b,c}d`` → abd acd, ``{1..3}`` → 1 2 3 (at
    most 64 words; a word without a well-formed list or sequence is left as it is)."""
    if word.count("{") > 32:
        return [U]  # more than we expand: what it names is unknown (never the word as written)
    depth, start = 0, -1
    for i, c in enumerate(word):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                inner = word[start + 1:i]
                alts = _brace_alternatives(inner)
                if alts is None:
                    continue
                head, tail = word[:start], word[i + 1:]
                out = []
                for alt in alts:
                    for w in _brace_expand(head + alt + tail):
                        if len(out) >= _BRACE_MAX:
                            return out + [U]  # the rest is not expanded: unknown, not absent
                        out.append(w)
                return out
    return [word]


def _brace_alternatives(inner: str):
    parts, depth, cur = [], 0, []
    for c in inner:
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        depth += (c == "{") - (c == "}")
        cur.append(c)
    parts.append("".join(cur))
    if len(parts) > 1:
        return parts
    m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?|([a-zA-Z])\.\.([a-zA-Z])", inner) if ".." in inner else None
    if m is None:
        return None
    if m.group(4):
        a, b = ord(m.group(4)), ord(m.group(5))
        step = 1 if b >= a else -1
        return [chr(x) for x in range(a, b + step, step)]  # at most 52
    a, b = int(m.group(1)), int(m.group(2))
    step = abs(int(m.group(3) or 1)) or 1
    step = step if b >= a else -step
    # a range object is lazy: only the first words are made, whatever the bounds (`{1..1000000000}`)
    r = range(a, b + (1 if step > 0 else -1), step)
    return [str(x) for x in r[:_BRACE_MAX]] + ([U] if len(r) > _BRACE_MAX else [])


def _quote(word: str) -> str:
    return word if word and _NEEDS_QUOTES.isdisjoint(word) else "'" + word.replace("'", "'\\''") + "'"


def _unescape(s: str) -> str:
    return _UNESCAPE.sub(r"\1", s)


def _unescape_dq(s: str) -> str:
    return _UNESCAPE_DQ.sub(r"\1", s)


def _ansi_c(s: str) -> str:
    if "\\" not in s:
        return s
    try:
        import codecs

        return codecs.decode(s.encode("latin-1", "backslashreplace"), "unicode_escape")
    except Exception:
        return U


#: Stages that print some of the lines they read, each unchanged (or reordered), and nothing else.
_LINE_FILTERS = frozenset({"grep", "egrep", "fgrep", "rg", "head", "tail", "sort", "uniq"})


def _passes_lines(words) -> bool:
    """A stage that only selects, reorders or de-duplicates whole lines of its input (`grep =`, `grep -v
    '^#'`, `head -20`, `sort`): what reaches the next stage is lines of the input, unchanged.  Not one
    that prints parts of lines (`grep -o`), reads a file of its own (a second operand) or a pattern file."""
    ws = [w.strip("'\"") for w in words]
    if not ws or ws[0] not in _LINE_FILTERS:
        return False
    ops, skip = [], False
    for w in ws[1:]:
        if skip:
            skip = False
            continue
        if w in ("-e", "--regexp", "-n", "--lines", "-m", "--max-count", "-k", "-t"):
            skip = True
        elif w.startswith("--"):
            if w.startswith(("--only-matching", "--file", "--replace", "--output", "--files", "--passthru")):
                return False
        elif w.startswith("-") and len(w) > 1:
            if ws[0] in ("grep", "egrep", "fgrep", "rg") and any(c in w[1:] for c in "ofrRlLcr"):
                return False  # parts of lines, patterns from a file, a recursive search, names or counts
            if ws[0] == "sort" and "o" in w[1:]:
                return False
        else:
            ops.append(w)
    allowed = 1 if ws[0] in ("grep", "egrep", "fgrep", "rg") and "-e" not in ws and "--regexp" not in ws else 0
    return len(ops) <= allowed


def _names_looked_up(stages) -> bool:
    """A stage after the names-only one that could turn the names back into values (`| xargs -I{}
    printenv {}`, `| sh`): a shell, an interpreter, printenv, or xargs running anything but echo."""
    k = next((i for i, words in enumerate(stages) if _keys_only(words)), None)
    for words in stages[k + 1:] if k is not None else ():
        w0 = words[0].rsplit("/", 1)[-1] if words else ""
        if w0 == "xargs":
            rest = [w for w in words[1:] if not w.startswith("-") and w not in ("{}",)]
            if rest and rest[0] != "echo":
                return True
        elif w0 in ("sh", "bash", "zsh", "dash", "ksh", "eval", "source", ".", "printenv", "env", "parallel",
                    "while", "python", "python3", "perl", "ruby", "node", "awk", "gawk", "sed"):
            return True
    return False


def _keys_only_after(stages):
    """What the rest of a pipeline lets through of a stage's output: "count" or "names" (see
    ``_keys_only``) when, past any stages that only select whole lines, the first other stage keeps
    counts or the text before `=`; False otherwise."""
    for words in stages:
        kind = _keys_only(words)
        if kind:
            return kind
        if not _passes_lines(words):
            return False
    return False


def _sed_drops_values(script: str) -> bool:
    """`s/=.*//`, `s/=.*$/=<set>/`, `s|=.*||g`: a substitution that replaces everything from the first
    `=` to the end of the line by a fixed text (no `&` or back-reference): only the text before `=`
    remains.  A line without `=` passes whole, as with `cut -d= -f1`."""
    if len(script) < 6 or script[0] != "s":
        return False
    d = script[1]
    if d.isalnum() or d in "\\\n ":
        return False
    parts = script[2:].split(d)
    if len(parts) != 3:
        return False
    pat, repl, flags = parts
    return pat in ("=.*", "=.*$") and "&" not in repl and "\\" not in repl and set(flags) <= set("gI")


def _keys_only(words):
    """A pipeline stage that lets only counts ("count": `wc -l`) or the text before `=` ("names":
    `cut -d= -f1`, `cut -d '=' -f 1`) through; False otherwise.  (`cut` prints a line without `=` whole:
    the reader checks the file's lines.)"""
    ws = [w.strip("'\"") for w in words]
    if not ws:
        return False
    ws[0] = ws[0].rsplit("/", 1)[-1]  # /usr/bin/cut
    if ws[0] in ("awk", "gawk", "mawk"):
        # `awk -F= '{print $1}'`, `awk -F '=' '/^\w/ {print $1}'`: only the text before the first `=`
        m = re.fullmatch(r"""-F\s*(['"]?)=\1\s+'((?:/[^/']*/\s*)?\{\s*print\s+\$1\s*;?\s*\})'""", " ".join(words[1:]))
        if m:
            return "names"
        # `awk -F= '{if($1 ~ /X/) print $1}'`: whatever the condition, the one thing printed is $1
        m = re.fullmatch(r"""-F\s*(['"]?)=\1\s+'([^']*)'""", " ".join(words[1:]))
        prog = m.group(2) if m else ""
        return "names" if m and re.findall(r"\bprint\w*\b[^;}]*", prog) and all(
            re.fullmatch(r"print\s*\(?\s*\$1\s*\)?\s*", x) for x in re.findall(r"\bprint\w*\b[^;}]*", prog)) and \
            not re.search(r"\$(?:[02-9]|NF|\(|[A-Za-z_])|\bgetline\b|\bsystem\b|>", prog) else False
    if ws[0] == "wc":
        return "count" if all(w in ("-l", "-c", "-w", "-m", "--lines", "--bytes", "--words", "--chars")
                              for w in ws[1:]) else False
    if ws[0] in ("grep", "egrep", "fgrep", "rg") and any(
            w in ("--count", "--quiet", "--silent") or (w.startswith("-") and not w.startswith("--") and
                                                        ("c" in w[1:] or "q" in w[1:])) for w in ws[1:]):
        return "count"  # `| grep -c =`, `| grep -q KEY`: a count or an exit status
    if ws[0] == "sed":
        rest = [w for w in ws[1:] if w not in ("-e", "-E", "-r", "--expression", "--regexp-extended")]
        return "names" if len(rest) == 1 and _sed_drops_values(rest[0]) else False
    if ws[0] != "cut":
        return False
    delim = fields = None
    i = 1
    while i < len(ws):
        w = ws[i]
        if w in ("-d", "-f") and i + 1 < len(ws):
            delim, fields = (ws[i + 1], fields) if w == "-d" else (delim, ws[i + 1])
            i += 2
            continue
        if w.startswith("-d") and len(w) > 2:
            delim = w[2:].strip("'\"")
        elif w.startswith("-f") and len(w) > 2:
            fields = w[2:]
        else:
            return False
        i += 1
    return "names" if delim == "=" and fields == "1" else False


# The program handlers import this module (Cmd, Scope): imported last, once, instead of inside the
# functions that dispatch to them (a function-level import costs ~1 µs on every call).
from . import netshell  # noqa: E402
from . import programs  # noqa: E402
