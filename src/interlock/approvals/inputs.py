"""What an approval is bound to besides the action's text: its effective inputs.

The text of ``psql -f drop.sql`` or ``terraform apply`` says little about what runs: the file,
the configuration, the commit a ref names, the symlink a path goes through, a shell function in
``~/.bashrc`` that shadows the program.  ``collect`` gathers, in one place, from facts the
analysis already reported (``ctx.facts``: the files it read, the commands it resolved) and a
data table (``inputs.toml``: what a program reads without being told):

* ``file:PATH``     the SHA-256 of every file the analysis read as code or data, every file named
                    on a command line, and the files the program's table entry lists
* ``link:PATH``     the resolved target of every path through a symlink (globs expanded)
* ``ref:NAME``      the commit a git ref names (and ``HEAD``), read from the repository's files;
                    with git's config files and hooks (``gitconfig:``, ``githook:``)
* ``program:NAME``  where PATH resolves a program (and, for a script, its hash)
* ``startup:PATH``  the hash of each shell start-up file that could define a function or alias
* ``unbound``       why some input could not be bound (then no reusable grant is offered)

``digest`` hashes the result; the hook folds it into the action's hash, so a retry whose inputs
differ is a different action: a new request, and the old approval is left unused.

Never raises: an error is an ``unbound`` entry (and still a deterministic value).
"""

from __future__ import annotations

import json
import os
import time

MAX_FILES = 200
MAX_HASH_BYTES = 4 << 20    # larger files are bound by size, mtime and inode instead
MAX_GLOB = 200
BUDGET_S = 3.0
_TABLE = None


def _table():
    global _TABLE
    if _TABLE is None:
        import tomllib

        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "inputs.toml"), "rb") as f:
            _TABLE = tomllib.load(f)
    return _TABLE


def file_digest(path: str) -> str:
    """``sha256:…`` of a regular file's content (``stat:…`` past MAX_HASH_BYTES); ``missing``,
    ``dir`` or ``special`` otherwise.  Never follows into a FIFO or device."""
    import stat as S

    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    if S.S_ISDIR(st.st_mode):
        return "dir"
    if not S.S_ISREG(st.st_mode):
        return "special"
    if st.st_size > MAX_HASH_BYTES:
        return f"stat:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    import hashlib

    h = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        return f"unreadable:{e.errno}"
    try:
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            h.update(b)
    finally:
        os.close(fd)
    return "sha256:" + h.hexdigest()[:32]


class _Collector:
    def __init__(self, cwd, home, env):
        self.cwd = cwd or "/"
        self.home = home or env.get("HOME") or os.path.expanduser("~")
        self.env = env
        self.out = {}
        self.deadline = time.monotonic() + BUDGET_S
        self.files = 0

    def late(self) -> bool:
        if time.monotonic() > self.deadline:
            self.out["unbound"] = f"collecting the inputs took over {BUDGET_S:g} s"
            return True
        return False

    def abspath(self, raw, cwd=None):
        p = os.path.expanduser(raw) if raw.startswith("~") else raw
        return os.path.normpath(os.path.join(cwd or self.cwd, p))

    def file(self, path, label="file"):
        key = f"{label}:{path}"
        if key in self.out:
            return
        if self.files >= MAX_FILES:
            self.out["unbound"] = f"more than {MAX_FILES} input files"
            return
        self.files += 1
        self.out[key] = file_digest(path)

    def link(self, path):
        """The resolved target when ``path`` goes through a symlink anywhere along it."""
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            return
        if real != path:
            self.out[f"link:{path}"] = real

    def path_word(self, word, cwd):
        """A command-line word that names an existing path: its symlinks, and a file's content."""
        if not word or word.startswith("-") and "=" not in word:
            return
        if word.startswith("-") and "=" in word:  # --var-file=x.tfvars, -f=x
            word = word.split("=", 1)[1]
            if not word:
                return
        if "\0" in word or len(word) > 4096:
            return
        p = self.abspath(word, cwd)
        if any(c in word for c in "*?["):
            import glob

            from itertools import islice

            hits = sorted(islice(glob.iglob(p), MAX_GLOB + 1))
            if len(hits) > MAX_GLOB:
                self.out["unbound"] = f"{word[:80]} matches more than {MAX_GLOB} paths"
                hits = hits[:MAX_GLOB]
            for h in hits:
                self.link(h)
            self.link(os.path.dirname(p))
            if hits:
                self.out[f"glob:{p}"] = str(len(hits))
            return
        if not os.path.lexists(p):
            self.link(os.path.dirname(p))
            return
        self.link(p)
        if os.path.isfile(p):
            self.file(os.path.realpath(p))

    def program(self, name):
        """Where PATH resolves a bare program name; a script's hash too."""
        if "/" in name or f"program:{name}" in self.out:
            return
        import shutil

        found = shutil.which(name, path=self.env.get("PATH") or os.defpath)
        if not found:
            return
        real = os.path.realpath(found)
        val = real
        try:
            with open(real, "rb") as f:
                head = f.read(2)
            if head == b"#!":
                val += " " + file_digest(real)
            else:
                st = os.stat(real)
                val += f" size {st.st_size} mtime {st.st_mtime_ns}"
        except OSError:
            pass
        self.out[f"program:{name}"] = val

    def program_files(self, argv, cwd):
        """The files ``inputs.toml`` says the program reads in its working directory."""
        prog = os.path.basename(argv[0])
        if prog == "docker" and len(argv) > 1 and argv[1] == "compose":
            prog = "docker-compose"
        entry = (_table().get("programs") or {}).get(prog)
        if not entry:
            return
        d = cwd
        opts = entry.get("chdir") or []
        for i, w in enumerate(argv[1:], 1):
            for o in opts:
                if o.endswith("=") and w.startswith(o):
                    d = self.abspath(w[len(o):], cwd)
                elif w == o and i + 1 < len(argv):
                    d = self.abspath(argv[i + 1], cwd)
        import glob

        for g in entry.get("files") or []:
            from itertools import islice

            for hit in sorted(islice(glob.iglob(os.path.join(glob.escape(d), g)), MAX_GLOB)):
                self.file(hit)
        if entry.get("refs"):
            self.git_refs(argv, cwd)
        if entry.get("bin"):
            name = next((w for w in argv[1:] if not w.startswith("-")), None)
            if name and "/" not in name:
                p = os.path.join(d, entry["bin"], name)
                if os.path.lexists(p):
                    self.link(p)
                    self.file(os.path.realpath(p))

    def git_refs(self, argv, cwd):
        args = list(argv[1:])
        d = cwd
        i = 0
        while i < len(args) and args[i].startswith("-"):  # git's own options before the subcommand
            if args[i] == "-C" and i + 1 < len(args):
                d = self.abspath(args[i + 1], d)
                i += 2
                continue
            i += 2 if args[i] in ("-c", "--git-dir", "--work-tree", "--namespace") else 1
        repo = git_dirs(d)
        if repo is None:
            return
        head = resolve_ref(repo, "HEAD")
        self.out[f"ref:{d}:HEAD"] = head or "unborn"
        # what git runs besides itself: hooks, and config values that are commands (core.pager,
        # core.hooksPath, core.fsmonitor, aliases...), in the repository and the user's own config
        gd, common = repo
        for cfg in (os.path.join(common, "config"), os.path.join(gd, "config.worktree"),
                    os.path.join(self.home, ".gitconfig"), os.path.join(self.home, ".config", "git", "config")):
            if os.path.lexists(cfg):
                self.file(cfg, "gitconfig")
        hooks = os.path.join(common, "hooks")
        try:
            names = sorted(n for n in os.listdir(hooks) if not n.endswith(".sample"))[:50]
        except OSError:
            names = []
        for n in names:
            self.file(os.path.join(hooks, n), "githook")
        for w in args[i + 1:]:
            if w.startswith("-"):
                w = w.split("=", 1)[1] if "=" in w else ""
            if not w or "/" in w and os.path.exists(self.abspath(w, d)):
                continue
            base = w
            for sep in ("~", "^", "@{", ":"):
                base = base.split(sep, 1)[0] if sep in base[1:] else base
            if "..." in base or ".." in base:
                for part in base.replace("...", "..").split(".."):
                    sha = resolve_ref(repo, part) if part else None
                    if sha:
                        self.out[f"ref:{d}:{part}"] = sha
                continue
            sha = resolve_ref(repo, base)
            if sha:
                self.out[f"ref:{d}:{base}"] = sha

    def startup(self):
        for raw in (_table().get("shell") or {}).get("startup") or []:
            if raw.startswith("$"):
                var, _, rest = raw[1:].partition("/")
                val = self.env.get(var)
                if not val:
                    continue
                raw = os.path.join(val, rest) if rest else val
            p = self.abspath(raw.replace("~", self.home, 1) if raw.startswith("~") else raw)
            self.startup_file(p, 0)

    def startup_file(self, p, depth):
        """A start-up file's hash, and (two levels deep) the files it sources."""
        if f"startup:{p}" in self.out or not os.path.lexists(p):
            return
        self.link(p)
        self.out[f"startup:{p}"] = file_digest(p)
        if depth >= 2 or not os.path.isfile(p):
            return
        import re

        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                text = f.read(1 << 20)
        except OSError:
            return
        for m in re.finditer(r"(?m)^\s*(?:if\s+\[.*?\]\s*;\s*then\s+)?(?:source|\.)\s+[\"']?([^\s\"';&|]+)", text):
            raw = m.group(1).replace("$HOME", self.home).replace("${HOME}", self.home)
            if "$" in raw:
                self.out[f"startup:{p}:sources"] = f"{raw} (not resolved)"
                continue
            q = raw.replace("~", self.home, 1) if raw.startswith("~") else raw
            self.startup_file(self.abspath(q, self.home), depth + 1)


def git_dirs(start):
    """(git dir, common dir) of the repository ``start`` is in, read from the files (no git run)."""
    d = os.path.abspath(start)
    for _ in range(64):
        g = os.path.join(d, ".git")
        if os.path.isdir(g):
            gd = g
            break
        if os.path.isfile(g):
            try:
                with open(g, encoding="utf-8", errors="replace") as f:
                    line = f.read(4096).strip()
            except OSError:
                return None
            if not line.startswith("gitdir:"):
                return None
            gd = os.path.normpath(os.path.join(d, line[7:].strip()))
            break
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
    else:
        return None
    common = gd
    try:
        with open(os.path.join(gd, "commondir"), encoding="utf-8") as f:
            common = os.path.normpath(os.path.join(gd, f.read(4096).strip()))
    except OSError:
        pass
    return gd, common


def resolve_ref(repo, name, depth=0):
    """The commit ``name`` points to (gitrevisions' order), from loose refs and packed-refs."""
    import re

    if depth > 5 or not name or len(name) > 400 or ".." in name or name.startswith("/"):
        return None
    if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", name):
        return name
    gd, common = repo
    cands = [name] if name in ("HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD") or name.startswith("refs/") else []
    cands += [f"refs/{name}", f"refs/tags/{name}", f"refs/heads/{name}", f"refs/remotes/{name}",
              f"refs/remotes/{name}/HEAD"]
    packed = None
    for ref in cands:
        for base in ((gd,) if ref in ("HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD") else (gd, common)):
            p = os.path.join(base, ref)
            if os.path.isfile(p):
                try:
                    with open(p, encoding="utf-8", errors="replace") as f:
                        val = f.read(4096).strip()
                except OSError:
                    continue
                if val.startswith("ref:"):
                    return _symbolic(repo, val, depth)
                return val.split()[0] if val else None
        if packed is None:
            packed = {}
            try:
                with open(os.path.join(common, "packed-refs"), encoding="utf-8", errors="replace") as f:
                    for ln in f:
                        parts = ln.split()
                        if len(parts) == 2 and not ln.startswith(("#", "^")):
                            packed[parts[1]] = parts[0]
            except OSError:
                pass
        if ref in packed:
            return packed[ref]
    return None


def _symbolic(repo, val, depth):
    target = val[4:].strip()
    got = resolve_ref(repo, target, depth + 1)
    return got or f"unborn {target}"


def collect(action, ctx) -> dict:
    """{label: value} of the action's effective inputs (see the module's docstring)."""
    from ..actions import FILE_READ, FILE_WRITE, SHELL

    env = getattr(ctx, "env", None) or os.environ
    c = _Collector(action.cwd or getattr(ctx, "cwd", None), getattr(ctx, "home", None), env)
    try:
        if action.kind == SHELL:
            facts = getattr(ctx, "facts", None)
            if facts is None:
                c.out["unbound"] = "the analysis reported no facts about this command"
            else:
                for p in list(getattr(facts, "reads", ()) or ()):
                    if isinstance(p, str) and p.startswith("/") and not p.startswith(("/proc/", "/dev/", "/sys/")):
                        c.link(p)
                        c.file(os.path.realpath(p))
                    if c.late():
                        break
                for cwd, argv in list(getattr(facts, "ran", ()) or ()):
                    if not argv or c.late():
                        continue
                    c.program(argv[0])
                    for w in argv[1:]:
                        if c.late():
                            break
                        c.path_word(w, cwd)
                    c.program_files(argv, cwd)
                if len(getattr(facts, "ran", ())) >= 256 or len(getattr(facts, "reads", ())) >= 512:
                    c.out["unbound"] = "more commands or files than Interlock binds"
            c.startup()
        elif action.kind in (FILE_WRITE, FILE_READ):
            p = action.payload.get("path")
            if isinstance(p, str) and p:
                ap = c.abspath(p)
                c.link(ap)
                c.link(os.path.dirname(ap))
                c.file(os.path.realpath(ap))
    except Exception as e:  # noqa: BLE001 - an input that cannot be bound says so
        c.out["unbound"] = f"{type(e).__name__}: {str(e)[:200]}"
    return c.out


def digest(inputs: dict) -> str:
    from ..actions import sha256_hex

    return sha256_hex(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def bindable(inputs: dict) -> bool:
    return "unbound" not in inputs
