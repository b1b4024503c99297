"""The one path resolver: where a path points and what kind of place that is.

Every analyzer asks the same two questions of a path an action touches: what does
it resolve to (against the action's cwd, ``~``/``$HOME`` and the workspace root),
and how bad is it to lose it.  ``Place`` answers both.
"""

from __future__ import annotations

import os
import posixpath
from fnmatch import fnmatchcase
from typing import NamedTuple

from ..memo import remember

UNKNOWN_MARK = "\x00"  # stands for a part of a word we cannot know statically

# Place kinds, roughly from harmless to terrible.
MISSING = "missing"            # inside the workspace and does not exist: nothing to lose
TEMP = "temp"                  # under /tmp, /var/tmp, /dev/shm
REGENERABLE = "regenerable"    # build outputs, caches, dependencies
DEVNULL = "devnull"
WORKSPACE = "workspace"        # project files (source)
WORKSPACE_ALL = "workspace-all"  # every file of the workspace (`./*` at its root)
UNKNOWN = "unknown"            # could not be resolved statically
OUTSIDE = "outside"            # outside the workspace
WORKSPACE_ROOT = "workspace-root"
HOME = "home"                  # the home directory itself, or all of it
SYSTEM = "system"              # /etc, /usr, ...
ROOT = "root"                  # / or everything in it
DEVICE = "device"              # block devices, /dev/*
PROTECTED = "protected"        # policy says so
SELF = "self"                  # Interlock's own policy, state, hook registrations

#: The real system trees: everything below them belongs to the operating system or its installed
#: software, so writing or deleting there is a system change (/var's temp dir aside).
SYSTEM_TREES = frozenset({
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc",
    "/root", "/run", "/sbin", "/sys", "/usr", "/var", "/snap", "/nix", "/System", "/Library",
    "/private",
})
#: Top-level directories that hold every user's or the whole machine's data: the directory itself (or all
#: of it) is as bad to lose as a system tree, but a path *below* one is just outside the workspace
#: (/srv/archive/x.log, /mnt/data/out, /home/other/notes).
DATA_TOPS = frozenset({"/home", "/Users", "/mnt", "/media", "/srv", "/data", "/backup", "/backups", "/Volumes",
                       "/Applications"})
SYSTEM_DIRS = SYSTEM_TREES | DATA_TOPS  # every top-level directory named above
TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/", "/private/tmp/", "/private/var/folders/")
HARMLESS_DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero",
                              "/dev/random", "/dev/urandom", "/dev/fd/1", "/dev/fd/2"})
#: /dev/fd/N is an open file descriptor: a pipe or a file the shell opened (`tee >(awk …)` writes to
#: the process substitution's pipe, /dev/fd/63), never a block device.
_FD_PATH = ("/dev/fd/", "/proc/self/fd/")
#: Terminals (`tee /dev/pts/2`, `> /dev/tty1`, /dev/console): text shown on a screen, never a disk.
def _terminal(path: str) -> bool:
    rest = path[5:] if path.startswith("/dev/") else ""
    if rest.startswith(("pts/", "pty/")):
        return rest[4:].isalnum()
    return rest in ("console", "stdin") or (rest.startswith(("tty", "pty")) and (rest[3:] == "" or rest[3:].isalnum()))
GLOB_CHARS = frozenset("*?[")


class PathContext:
    """What a path is resolved against for one action."""

    __slots__ = ("cwd", "home", "workspace", "protected", "self_paths", "exists", "_project")

    def __init__(self, cwd, home, workspace, protected=(), self_paths=(), exists=None, project=False):
        self.cwd = cwd or "/"
        self.home = (home or "/root").rstrip("/") or "/"
        ws = workspace.rstrip("/") if workspace else None
        # A workspace at / or $HOME would make everything "project source".
        self.workspace = None if ws in (None, "", "/", self.home) else ws
        self.protected = protected if isinstance(protected, _GlobSet) else _GlobSet(protected)
        self.self_paths = self_paths if isinstance(self_paths, _GlobSet) else _GlobSet(self_paths)
        self.exists = exists or os.path.lexists
        self._project = project  # False: not looked up yet

    @property
    def project(self):
        """The git repository the action runs in, when it is not the configured workspace (an agent
        started in one project working in another of its own checkouts): writes there are the agent's
        own work, not writes outside.  None when there is none, or it is /, home or the workspace."""
        if self._project is False:
            root = find_workspace(self.cwd) if self.cwd and self.cwd != "/" else None
            if root and (not os.path.isdir(root + "/.git") and not os.path.isfile(root + "/.git")):
                root = None  # no git repository above cwd: find_workspace fell back to cwd itself
            if root in (None, "/", self.home, self.workspace) or _under(self.home, root) or (
                    self.workspace and _under(self.workspace, root)) or (
                    _under(root, self.home) and root[len(self.home) + 1:].startswith(".")):
                root = None  # never a tree holding home or the workspace, nor a dot-directory of home (~/.ssh)
            self._project = root
        return self._project


def in_project(path: str | None, ctx: PathContext) -> bool:
    """``path`` lies in the repository the agent runs in (``PathContext.project``)."""
    pr = ctx.project if path else None
    return bool(pr) and _under(path, pr)


class Place:
    __slots__ = ("kind", "path", "raw", "glob")

    def __init__(self, kind, path, raw, glob=False):
        self.kind = kind
        self.path = path
        self.raw = raw
        self.glob = glob

    def __repr__(self):
        return f"Place({self.kind!r}, {self.path!r})"


def expand_user(raw: str, home: str) -> str:
    if raw == "~" or raw.startswith("~/"):
        return home + raw[1:]
    if raw.startswith("~") and UNKNOWN_MARK not in raw.split("/", 1)[0]:
        user, _, rest = raw[1:].partition("/")
        if user in ("+",):
            return raw
        base = "/root" if user == "root" else f"/home/{user}"
        return base + ("/" + rest if rest else "")
    return raw


def resolve(raw: str, ctx: PathContext) -> str:
    p = expand_user(raw, ctx.home)
    if not p.startswith("/"):
        p = ctx.cwd.rstrip("/") + "/" + p
    p = posixpath.normpath(p)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    return p


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


class Regenerable:
    """knowledge/regenerable.toml: build outputs, caches and dependency directories by name, and files by glob."""

    def __init__(self, raw):
        import re
        from fnmatch import translate

        self.dirs = frozenset(raw["dirs"])
        self.globs = re.compile("|".join(f"(?:{translate(g)})" for g in raw["globs"]))
        self.examples = raw["examples"]


def is_regenerable(path: str, base: str | None = None) -> bool:
    """A build output, cache or dependency directory (or a file inside one)."""
    rel = path[len(base):] if base and _under(path, base) else path
    parts = [p for p in rel.split("/") if p]
    if not parts:
        return False
    from ..knowledge import model

    known = model("regenerable.toml", Regenerable)
    for part in parts[:-1]:
        if part in known.dirs or part.endswith(".egg-info"):
            return True
    last = parts[-1]
    if last in known.dirs:
        return True
    return known.globs.match(last) is not None


class AgentConfiguration(NamedTuple):
    """knowledge/agent_config.toml, paths relative to the home directory."""
    trees: tuple
    state: tuple
    token_files: tuple


def _agent_configuration_of(raw) -> AgentConfiguration:
    return AgentConfiguration(*(_home_trees({"trees": raw[k]}) for k in AgentConfiguration._fields))


def agent_configuration() -> AgentConfiguration:
    """Coding agents' own configuration in the home directory (knowledge/agent_config.toml), read once."""
    from ..knowledge import model

    return model("agent_config.toml", _agent_configuration_of)


def agent_config(path: str, home: str) -> bool:
    """``path`` is a coding agent's own configuration in the home directory (knowledge/agent_config.toml:
    ~/.claude, ~/.claude.json, ~/.codex, ~/.gemini, ~/.cursor…), not one of the records the agent keeps
    there itself (transcripts, to-do lists, plans, project memory)."""
    if not path or not home or home == "/" or not _under(path, home) or path == home:
        return False
    trees, state, _ = agent_configuration()
    rel = path[len(home.rstrip("/")) + 1:]

    def within(ts):
        return any(rel == t or rel.startswith(t + "/") for t in ts)

    return within(trees) and not within(state)


def _linked_below(base: str, path: str, follow_last=False) -> bool:
    """A symbolic link on the way from ``base`` down to ``path`` (the last component too when the command
    goes through it: `DIR/`, `DIR/*`): a cache tree's entry that leads elsewhere is not a cache."""
    rel = path[len(base.rstrip("/")) + 1:].split("/")
    comps = rel if follow_last else rel[:-1]
    cur = base.rstrip("/")
    try:
        for c in comps:
            if any(ch in c for ch in GLOB_CHARS):
                break
            cur = cur + "/" + c
            if os.path.islink(cur):
                return True
    except (OSError, ValueError):
        return True
    return False


def home_cache(path: str, home: str) -> bool:
    """``path`` is at or below a cache tree of the home directory (knowledge/caches.toml: ~/Library/Caches,
    ~/.npm/_cacache, ~/.cargo/registry…): what is there is fetched or rebuilt again when it is gone."""
    if not home or home == "/" or not _under(path, home) or path == home:
        return False
    from ..knowledge import model

    trees = model("caches.toml", _home_trees)
    rel = path[len(home.rstrip("/")) + 1:]
    return any(rel == t or rel.startswith(t + "/") for t in trees)


def _home_trees(raw) -> tuple:
    return tuple(t[2:] for t in raw["trees"] if t.startswith("~/"))


def matches_any(path: str, globs) -> bool:
    if isinstance(globs, _GlobSet):
        return globs.match(path)
    lp = path.lower()  # case folded, as _GlobSet does
    for g in globs:
        lg = g.lower()
        if fnmatchcase(lp, lg) or (lg.endswith("/**") and _under(lp, lg[:-3])):
            return True
    return False


class _GlobSet:
    """A set of absolute path globs (``/**`` = the directory and everything below),
    compiled to one regular expression on first use.

    Matched without regard to case: the file system a path is on may fold case (macOS and Windows by
    default, a vfat/exFAT/NTFS volume or an ext4 ``casefold`` directory anywhere, a path that does not
    exist yet on none we could ask), and there ``.CLAUDE/settings.json`` *is* ``.claude/settings.json``.
    On a file system that keeps case apart the only cost is a name nobody uses for anything else."""

    __slots__ = ("globs", "_re", "_seen", "_prefixes", "_lower")

    def __init__(self, globs=()):
        self.globs = tuple(globs.globs if isinstance(globs, _GlobSet) else globs)
        self._re = None
        self._seen = {}  # path -> answer (a pure function of the path: no file system)
        self._prefixes = ()
        self._lower = ()

    def __iter__(self):
        return iter(self.globs)

    def __bool__(self):
        return bool(self.globs)

    def __len__(self):
        return len(self.globs)

    def match(self, path: str) -> bool:
        if not self.globs:
            return False
        if self._re is None:
            import re
            from fnmatch import translate

            parts = []
            for g in self.globs:
                parts.append(translate(g))
                if g.endswith("/**"):
                    base = re.escape(g[:-3])
                    parts.append(f"(?s:{base}(?:/.*)?)\\Z")
            self._re = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
            # what every match starts with: the glob up to its first wildcard (a path that starts with
            # none of these cannot match, and most paths are settled by this one C-level test)
            self._prefixes = tuple(sorted({_literal_prefix(g) for g in self.globs}))
            self._lower = tuple(sorted({p.lower() for p in self._prefixes}))
        hit = self._seen.get(path)
        if hit is None:
            hit = remember(self._seen, path, path.lower().startswith(self._lower) and
                           self._re.match(path) is not None, 4096)
        return hit


    def holds(self, path: str) -> bool:
        """True when something these globs name lies *below* ``path`` (a directory that holds a
        protected entry: moving, deleting, re-permissioning or unpacking over it reaches the entry)."""
        if not self.globs or not path:
            return False
        if self._re is None:
            self.match("/")  # compiles the prefixes
        d = path.rstrip("/").lower() + "/"
        return any(p.startswith(d) and len(p) > len(d) for p in self._lower)


def holds_self(path: str, ctx) -> bool:
    """A directory below home/workspace/root holding one of Interlock's own paths (``.claude`` for
    ``.claude/settings.json``, ``~/.config`` for ``~/.config/interlock``).  A path with unknown parts
    (``~/.config/$X``) holds one when some such directory fits it, component by component."""
    if not path:
        return False
    p = path.rstrip("/") or "/"
    if p in ("/", ctx.home, ctx.workspace):
        return False  # these have stronger rules of their own
    if UNKNOWN_MARK not in p:
        return ctx.self_paths.holds(p)
    from fnmatch import fnmatchcase

    comps = p.replace(UNKNOWN_MARK, "*").split("/")
    if all(c.strip("*") == "" for c in comps[1:]):
        return False  # wholly unknown: says nothing
    ctx.self_paths.match("/")
    for lp in ctx.self_paths._prefixes:
        lc = lp.rstrip("/").split("/")
        if len(lc) >= len(comps) and all(lc[i] and fnmatchcase(lc[i], comps[i]) and (comps[i].strip("*") or
                                                                                  lc[i] == comps[i])
                                         for i in range(1, len(comps))):
            return True
    return False


def _literal_prefix(glob: str) -> str:
    if glob.endswith("/**"):
        glob = glob[:-3]  # the directory itself matches too
    cut = min((i for i in (glob.find("*"), glob.find("?"), glob.find("[")) if i >= 0), default=len(glob))
    return glob[:cut]


_LISTING_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._,/~+@-")


def listing(argv):
    """The entries of one directory a command prints, as a collection id (analysis.shell.flows): `ls DIR`
    prints their names (``fs-names:DIR``), `ls -d DIR/*` their paths (``fs-paths:DIR``).  Never `.` or `..`
    (not with -a, which lists them), never anything but names (not -l, -R, -F, -p)."""
    if not argv or argv[0].rsplit("/", 1)[-1] != "ls":
        return None
    flags, ops = [], []
    for x in argv[1:]:
        if x == "--":
            continue
        (flags if x.startswith("-") and len(x) > 1 else ops).append(x)
    letters = "".join(f[1:] for f in flags if not f.startswith("--"))
    longs = [f for f in flags if f.startswith("--")]
    if set(letters) - set("1Ad") or any(f not in ("--almost-all", "--directory") for f in longs):
        return None  # -a lists . and .., -l/-R/-F/-p print more than names: not a list of entries
    ops = ops or ["."]
    if len(ops) != 1 or UNKNOWN_MARK in ops[0] or not set(ops[0]) <= _LISTING_SAFE | set("*"):
        return None
    op = ops[0].rstrip("/") or "/"
    if "d" in letters or "--directory" in longs:
        if op.endswith("/*") and "*" not in op[:-2] and op[:-2]:
            return "fs-paths:" + op[:-2]
        return None
    if "*" in op or not op:
        return None
    return "fs-names:" + op


def _listed_entry(raw, prefix, ctx):
    """``DIR/<an entry of DIR>`` where the unknown part is a name `ls DIR` printed (or a path `ls -d DIR/*`
    printed, alone): one of DIR's entries, never `..` — the contents of DIR.  None otherwise."""
    import re

    m = re.fullmatch(re.escape(prefix) + UNKNOWN_MARK + r"every:fs-(names|paths):([^" + UNKNOWN_MARK + r"]+)" +
                     UNKNOWN_MARK + "/?", raw)
    if m is None:
        return None
    kind, listed = m.group(1), resolve(m.group(2), ctx)
    if kind == "paths":
        return listed if not prefix else None
    # `ls DIR` prints DIR's entry names — or DIR itself when it is a file: below PREFIX either way, as long
    # as DIR climbs nowhere; alone, only the entries of the directory the command runs in
    if prefix:
        return resolve(prefix, ctx) if ".." not in m.group(2).split("/") else None
    return listed if (resolve(".", ctx).rstrip("/") or "/") == (listed.rstrip("/") or "/") else None


def classify(raw: str, ctx: PathContext, *, glob: bool | None = None, check_exists=True) -> Place:
    """Say what kind of place ``raw`` (as the agent wrote it, resolved) is."""
    if glob is None:
        glob = any(c in GLOB_CHARS for c in raw)
    if UNKNOWN_MARK in raw:
        prefix = raw.split(UNKNOWN_MARK, 1)[0]
        listed = _listed_entry(raw, prefix, ctx) if "every:fs-" in raw else None
        if listed is not None:  # `for d in $(ls ~/.cache); do rm -rf ~/.cache/$d`: every entry of the directory
            return classify(listed.rstrip("/") + "/*", ctx, glob=True, check_exists=check_exists)
        rest = raw[len(prefix):]
        if "every:" in rest:  # a collection's word is one unknown part here
            import re

            rest = re.sub(UNKNOWN_MARK + "every:[^" + UNKNOWN_MARK + "]*" + UNKNOWN_MARK, UNKNOWN_MARK, rest)
        comp = rest.split("/", 1)[0]
        if (prefix.endswith("/") or not prefix) and comp.replace(UNKNOWN_MARK, "") == "" or \
                ".." in rest.split("/")[1:]:
            # a whole component only known when it runs (`~/.cache/$(cat f)`) could be `..` or empty, and a
            # `..` after the unknown part climbs out: nothing is known of where it lands
            return Place(UNKNOWN, None, raw, glob)
        if "/" in prefix:
            base = resolve(prefix[:prefix.rindex("/") + 1] or "/", ctx)
            if _is_temp(base, ctx):
                return Place(TEMP, base, raw, glob)
            if base != ctx.home and is_regenerable(base, ctx.workspace if ctx.workspace and _under(
                    base, ctx.workspace) else None):
                return Place(REGENERABLE, base, raw, glob)
        return Place(UNKNOWN, None, raw, glob)

    path = resolve(raw, ctx)
    # "everything in a directory": the base of a trailing glob component
    contents_of = None
    if glob:
        head, _, last = path.rpartition("/")
        head = head or "/"
        if not any(c in GLOB_CHARS for c in head) and last in ("*", ".*", "*.*", "{*,.*}", ".[!.]*", "..?*"):
            contents_of = head

    if ctx.self_paths and matches_any(path, ctx.self_paths):
        return Place(SELF, path, raw, glob)
    if ctx.protected and matches_any(path, ctx.protected):
        return Place(PROTECTED, path, raw, glob)
    if path in HARMLESS_DEVICES or (path.startswith(_FD_PATH) and path.rsplit("/", 1)[1].isdigit()) or \
            _terminal(path):
        return Place(DEVNULL, path, raw, glob)
    if path.startswith("/dev/"):
        return Place(DEVICE, path, raw, glob)
    if path == "/" or contents_of == "/":
        return Place(ROOT, path, raw, glob)
    home = ctx.home
    if path == home or contents_of == home or (home != "/" and _under(home, path)):
        # the home directory, all of it, or a directory that contains it
        return Place(HOME if path not in SYSTEM_DIRS or path == home else SYSTEM, path, raw, glob)
    ws = ctx.workspace
    # Under a temp dir, but not the workspace, its siblings (a workspace living in /tmp
    # makes /tmp a projects folder) or the home directory.
    follow = raw.endswith(("/", "/.")) or raw == "." or contents_of is not None  # the link's target, not the link
    if _is_temp(path, ctx):
        if check_exists and ctx.exists is os.path.lexists:
            # a symbolic link in a scratch directory that leads out of it (`ln -s ~ /tmp/h; rm -rf /tmp/h/`,
            # `find /tmp/h/ -delete`): what the path reaches is where it really is, as in the workspace
            root = next(t for t in TEMP_DIRS if path.startswith(t)).rstrip("/")
            real = _real_below(path, root, follow, stays=lambda r: _is_temp(r, ctx))
            if real is not None:
                place = classify(real, ctx, glob=glob, check_exists=check_exists)
                if place.kind in LINK_ESCALATES:  # a link only ever makes a path weigh more, never less
                    return Place(place.kind, place.path, raw, glob)
        return Place(TEMP, path, raw, glob)
    if ws and _under(path, ws):
        if path != ws and check_exists and ctx.exists is os.path.lexists:
            # a symbolic link inside the workspace that leads out of it (`ln -s /etc conf; rm -rf conf/*`):
            # what the path reaches is where it really is
            real = real_outside(path, ctx, follow_last=follow)
            if real is not None:
                place = classify(real, ctx, glob=glob, check_exists=check_exists)
                if place.kind in LINK_ESCALATES:  # a link only ever makes a path weigh more, never less
                    return Place(place.kind, place.path, raw, glob)
        if path == ws:
            return Place(WORKSPACE_ROOT, path, raw, glob)
        if contents_of == ws:
            return Place(WORKSPACE_ALL, path, raw, glob)
        if is_regenerable(path, ws):
            return Place(REGENERABLE, path, raw, glob)
        if check_exists and not glob and not ctx.exists(path):
            return Place(MISSING, path, raw, glob)
        return Place(WORKSPACE, path, raw, glob)
    if ws and _under(ws, path):
        # a parent of the workspace
        return Place(OUTSIDE, path, raw, glob)
    top = "/" + path.split("/", 2)[1]
    # System = the real system trees (and the data tops themselves).  Any other absolute path — one that
    # does not exist (`/path/sub/*`, `/target`), another top-level directory — is outside the workspace.
    if top in SYSTEM_TREES and not _under(path, home) and not (top == "/var" and _under(path, "/var/tmp")) or (
            top in DATA_TOPS and (path == top or contents_of == top)) or path == "/tmp":
        return Place(SYSTEM, path, raw, glob)
    if _under(path, home):
        anchor = home
        if home_cache(path, home) and not _linked_below(home, path, follow_last=raw.endswith("/") or glob):
            return Place(REGENERABLE, path, raw, glob)
    elif ws and _under(path, posixpath.dirname(ws)):
        anchor = posixpath.dirname(ws)
    else:
        anchor = top
    if is_regenerable(path, anchor):
        return Place(REGENERABLE, path, raw, glob)
    return Place(OUTSIDE, path, raw, glob)


#: Kinds a workspace path takes when a symbolic link leads it there (a link to /tmp or to a cache keeps the
#: workspace's own weight: following a link never makes a path weigh less).
LINK_ESCALATES = frozenset({OUTSIDE, HOME, SYSTEM, ROOT, DEVICE, SELF, PROTECTED, UNKNOWN})


def real_outside(path: str, ctx: PathContext, follow_last=False, _limit=64) -> str | None:
    """Where a workspace path really is when a symbolic link in it leads out of the workspace, else None.

    Directories on the way are always followed (as the kernel does); the last component only when
    ``follow_last`` (a write into it, `link/`): `rm -rf link` removes the link itself.  Only the
    components below the workspace root are looked at (lstat each, stopping at the first that does not
    exist); a link found there is resolved with realpath, which follows the links it leads to."""
    return _real_below(path, ctx.workspace, follow_last, _limit)


def _real_below(path: str, ws: str | None, follow_last=False, _limit=64, stays=None) -> str | None:
    """real_outside's walk below any directory ``ws`` (the workspace, a scratch directory such as /tmp); ``stays``
    says whether a real path is still the same kind of place (default: below ``ws``)."""
    if not ws or not _under(path, ws) or path == ws or UNKNOWN_MARK in path:
        return None
    rel = path[len(ws) + 1:].split("/")
    if not follow_last:
        rel = rel[:-1]
    cur = ws
    try:
        for i, part in enumerate(rel[:_limit]):
            cur = cur + "/" + part
            if os.path.islink(cur):
                real = os.path.realpath(path if follow_last else posixpath.dirname(path))
                if not follow_last:
                    real = real.rstrip("/") + "/" + path.rsplit("/", 1)[1]
                if stays(real) if stays else (_under(real, ws) or _under(real, os.path.realpath(ws))):
                    return None
                return real
            if not os.path.lexists(cur):
                return None
    except (OSError, ValueError):
        return None
    return None


def _is_temp(path, ctx) -> bool:
    ws = ctx.workspace
    if (ws and _under(path, posixpath.dirname(ws))) or _under(path, ctx.home):
        return False
    return any(path.startswith(t) for t in TEMP_DIRS)


#: Files that logins and sessions run or depend on: shell start-up files, direnv's .envrc, SSH's
#: authorized_keys, git hooks, cron tables.  Emptying one is refused; text planted in one is judged
#: as the commands it is (shell.programs.planted).
STARTUP_NAMES = frozenset({".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin",
                           ".zlogout", ".bash_login", ".bash_logout", ".kshrc", ".mkshrc", ".envrc", ".cshrc",
                           ".tcshrc", ".login", "config.fish", "authorized_keys", "authorized_keys2",
                           ".bash_aliases", ".bash_functions", ".aliases", ".zsh_aliases"})  # sourced by rc files
STARTUP_TREES = ("/etc/profile", "/etc/profile.d/", "/etc/bash.bashrc", "/etc/zsh/", "/etc/environment",
                 "/etc/crontab", "/etc/cron.d/", "/var/spool/cron/", "/etc/sudoers", "/etc/passwd",
                 "/etc/shadow", "/etc/group", "/etc/fstab", "/etc/hosts")


def is_startup_file(path: str, home: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    if base in STARTUP_NAMES:
        return True
    if "/.git/hooks/" in path and not base.endswith(".sample"):
        return True
    if path.startswith(STARTUP_TREES):
        return True
    from .startup import place_of  # systemd units, XDG autostart, launchd agents, session scripts (data)

    return place_of(path, home, emptying=True) is not None


_ACCESS: dict = {}  # home -> compiled regex of knowledge/access.toml's files


def is_access_file(path: str, home: str) -> bool:
    """A file that decides who can log in to this machine or act as root on it (``knowledge/access.toml``):
    SSH authorized keys, sudoers, the user and group databases, sshd's and PAM's configuration.  A broken
    knowledge file counts every path under ``~/.ssh`` and ``/etc`` as one (fail closed)."""
    if not path:
        return False
    rx = _ACCESS.get(home)
    if rx is None:
        import re

        from .. import knowledge

        try:
            globs = [str(g) for g in knowledge.load("access.toml")["files"]]
        except Exception:  # noqa: BLE001 - fail closed: the places that matter most
            globs = ["~/.ssh/*", "/etc/*", "/etc/*/*"]
        parts = []
        for g in globs:
            g = home.rstrip("/") + g[1:] if g.startswith("~/") else g
            parts.append(re.escape(g).replace(r"\*", "[^/]+"))
        rx = _ACCESS[home] = re.compile("(?:" + "|".join(parts) + ")\\Z")
    return rx.match(path) is not None


def display(path: str | None, ctx: PathContext) -> str:
    """A path as a human reads it: relative to the workspace, or with ~."""
    if path is None:
        return "<unresolved>"
    ws = ctx.workspace
    if ws and _under(path, ws) and path != ws:
        return path[len(ws) + 1:]
    if ctx.home != "/" and _under(path, ctx.home):
        return "~" + path[len(ctx.home):]
    return path


def find_workspace(cwd: str, explicit: str | None = None, limit: int = 40) -> str:
    """The workspace root: explicit (agent-given) root, else git top-level of cwd, else cwd."""
    if explicit:
        return explicit
    d = cwd
    for _ in range(limit):
        if os.path.exists(d + "/.git"):
            return d
        parent = posixpath.dirname(d)
        if parent == d:
            break
        d = parent
    return cwd
