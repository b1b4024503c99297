"""What programs do: wrappers to unwrap, shells and interpreters to look into, and the
programs that destroy things.  Each handler is ``handler(analyzer, cmd, scope)``.

Rule ids and their severities live in ``interlock.rules``; this module decides
which rule an exact, resolved command hits.
"""

from __future__ import annotations

import posixpath
import os
import re

from .. import paths as P
from ..paths import UNKNOWN_MARK as U
from ..secrets import holds_credentials, holds_private_key, is_secret_path, is_token_config
from .analyzer import Cmd

HANDLERS = {}

from ... import gitsafe
from ... import selfprotect as _selfprotect
from ...lazyre import LazyRe as _LazyRe

# Named in the fallback for commands that do not parse (see ShellAnalyzer._salvage).
DESTRUCTIVE_PROGRAMS = frozenset({
    "rm", "rimraf", "shred", "srm", "unlink", "dd", "mkfs", "wipefs", "fdisk", "sfdisk", "parted", "truncate",
    "git", "chmod", "chown", "rsync", "find", "kill", "pkill", "killall", "shutdown", "reboot", "crontab",
    "systemctl", "iptables", "userdel", "eval", "bash", "sh", "zsh", "sudo", "mv", "dropdb", "psql", "mysql",
})


def registrar(table):
    """``@handles("rm", "rimraf")`` registers a handler in ``table`` for those program names."""
    def handles(*names):
        def deco(fn):
            for n in names:
                table[n] = fn
            return fn
        return deco
    return handles


handles = registrar(HANDLERS)


# --- option parsing -------------------------------------------------------------------

def parse_opts(args, short="", short_opt="", long=(), single_dash_long=(), stop_at_operand=False):
    """argv → (flags, [(option, value)], operands).

    ``short``: letters taking a value (attached or next word); ``short_opt``: letters whose
    value can only be attached (mysql ``-pSECRET``); ``long``: ``--opts`` taking a value as the
    next word (``--opt=value`` always works); ``single_dash_long``: sqlite3-style ``-cmd X``;
    ``stop_at_operand``: everything from the first operand on is an operand (a wrapper's command).
    Combined short flags (``-rf``) are split; ``--`` ends options.
    """
    flags, vals, ops = set(), [], []
    i, n = 0, len(args)
    while i < n:
        a = args[i]
        if a == "--":
            ops.extend(args[i + 1:])
            break
        if single_dash_long and a.startswith("-") and len(a) > 1 \
                and a.lstrip("-").split("=", 1)[0] in single_dash_long:
            bare = a.lstrip("-")
            name = bare.split("=", 1)[0]
            if "=" in bare:
                vals.append(("-" + name, bare.split("=", 1)[1]))
            elif i + 1 < n:
                vals.append(("-" + name, args[i + 1]))
                i += 1
            i += 1
            continue
        if a.startswith("--") and len(a) > 2:
            name, eq, v = a.partition("=")
            if eq:
                vals.append((name, v))
            elif name in long and i + 1 < n:
                vals.append((name, args[i + 1]))
                i += 1
            else:
                flags.add(name)
        elif a.startswith("-") and len(a) > 1 and not single_dash_long:
            j = 1
            while j < len(a):
                c = a[j]
                if c in short:
                    v = a[j + 1:]
                    if not v and i + 1 < n:
                        v = args[i + 1]
                        i += 1
                    vals.append(("-" + c, v))
                    break
                if c in short_opt:
                    vals.append(("-" + c, a[j + 1:]))
                    break
                flags.add("-" + c)
                j += 1
        elif a.startswith("-") and len(a) > 1:
            flags.add(a)
        else:
            ops.append(a)
            if stop_at_operand:
                ops.extend(args[i + 1:])
                break
        i += 1
    return flags, vals, ops


def split_opts(args, with_arg="", long_with_arg=(), stop_at_operand=False):
    """(flags, {option: value}, operands): ``with_arg`` short and ``long_with_arg`` long options
    take a value (the last one given wins)."""
    flags, vals, ops = parse_opts(args, short=with_arg, long=long_with_arg, stop_at_operand=stop_at_operand)
    return flags, dict(vals), ops


def _first_cmd(args, with_arg="", long_with_arg=(), flags_with_optional=()):
    """For wrappers: skip options and return (options, inner argv)."""
    i = 0
    n = len(args)
    opts = []
    while i < n:
        a = args[i]
        if a == "--":
            return opts, args[i + 1:]
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            opts.append(a)
            if "=" not in a and name in long_with_arg and i + 1 < n:
                opts.append(args[i + 1])
                i += 1
            i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            opts.append(a)
            # the last option letter of a cluster may take a value
            for j in range(1, len(a)):
                if a[j] in with_arg:
                    if j == len(a) - 1 and i + 1 < n:
                        opts.append(args[i + 1])
                        i += 1
                    break
            i += 1
            continue
        return opts, args[i:]
    return opts, []


# --- shared judgements ------------------------------------------------------------------

_DELETE_RULES = {
    P.SELF: "interlock.self-protect",
    P.PROTECTED: "fs.delete-protected",
    P.DEVICE: "fs.delete-device",
    P.ROOT: "fs.delete-root",
    P.HOME: "fs.delete-home",
    P.SYSTEM: "fs.delete-system",
    P.OUTSIDE: "fs.delete-outside-workspace",
    P.WORKSPACE_ROOT: "fs.delete-workspace",
    P.WORKSPACE_ALL: "fs.delete-workspace-all",
    P.WORKSPACE: "fs.delete-source",
    P.UNKNOWN: "fs.delete-unresolved",
    P.REGENERABLE: "fs.delete-regenerable",
    P.TEMP: "fs.delete-temp",
    P.MISSING: "fs.delete-missing",
}


_STRONGER = frozenset((P.SELF, P.ROOT, P.HOME, P.SYSTEM))  # kinds with a catastrophic rule of their own


def judge_delete(a, cmd, raw, scope, effect="delete"):
    place = a.place(raw, scope)
    if place.kind not in _STRONGER and P.holds_self(place.path if U not in raw else P.resolve(raw, a._scope_ctx(scope)),
                                                     a.pctx):
        # (a tree that holds Interlock's files or an agent's settings among others: refused for those, and judged
        # for what else it deletes too — `rm -rf ~/Library` is the home's Library, not only VS Code's settings)
        a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect=effect)
    rule = _DELETE_RULES.get(place.kind)
    if rule == "fs.delete-unresolved" and getattr(a, "generated_words", None) and \
            _source_word(a, cmd, raw) in a.generated_words:
        # `for a in $(find . -name '*.py'); do cp "$a" "$a.cp"; …; rm "$a.cp"; done`: the same word, over
        # variables nothing else assigns, names the file this command line made a moment before
        a.emit("fs.delete-regenerable", cmd, target=raw.replace(U, "$?"), effect=effect, note="made by this same command")
        return place
    if rule == "fs.delete-source" and place.path in a.generated:
        # `gcc -o app app.c && ./app && rm app`, `pytest > out.txt; rm out.txt`: this same command made the
        # file anew (what it held before was replaced then): deleting it loses nothing more
        a.emit("fs.delete-regenerable", cmd, target=P.display(place.path, a.pctx), effect=effect,
               note="made by this same command")
        return place
    if rule == "fs.delete-source" and effect == "delete" and _git_holds_unchanged(a, place):
        return place  # `rm -f src/App.css README.md`: git holds these files as they are; `git checkout` restores them
    if rule == "fs.delete-source" and effect == "delete" and place.glob and place.path and \
            _glob_deletes_recoverable(a, place.path):
        return place  # `rm -f heapdump*` with no such file, `rm src/*.py` of files git holds as they are
    if rule:
        a.emit(rule, cmd, target=P.display(place.path, a.pctx) if place.path else _shown(raw),
               effect=effect)
    return place


_SRC_VAR = _LazyRe(r"\$\{?([A-Za-z_]\w*)\}?")


def _source_word(a, cmd, raw):
    """The word of ``cmd``'s source text that resolved to ``raw`` (``"$a.cp"`` for ``$?.cp``), when every
    variable in it is set by nothing in the whole command line but a ``for NAME in`` loop; else None."""
    node = getattr(cmd, "node", None)
    if node is None or not a._sources:
        return None
    import shlex

    try:
        words = shlex.split(node.text.decode("utf-8", "replace"))
        full = a._sources[0].decode("utf-8", "replace") if isinstance(a._sources[0], bytes) else str(a._sources[0])
    except (ValueError, AttributeError):
        return None
    for w in words:
        names = _SRC_VAR.findall(w)
        if not names or "$(" in w or "`" in w or _SRC_VAR.sub(U, w) != raw:
            continue
        for n in names:
            if re.search(r"(?<![\w$])" + n + r"\+?=|\b(?:read|mapfile|readarray|declare|typeset|local|export|let|"
                         r"getopts|printf\s+-v)\b[^;&|\n]*\b" + n + r"\b", full) or \
                    len(re.findall(r"\bfor\s+" + n + r"\s+in\b", full)) > 1:
                return None
        return w
    return None


def _recoverable(a, paths) -> bool:
    """Every path is a file (or tree) git holds exactly as it is on disk (``_git_holds_unchanged``)."""
    return all(_git_holds_unchanged(a, P.classify(x, a.pctx, glob=False)) for x in paths)


def _glob_deletes_recoverable(a, pattern, limit=200) -> bool:
    """A delete of a shell glob in the workspace, as the shell expands it now: no match (the word is passed as
    it is, naming no file: nothing is deleted), or only files git holds unchanged.  Any doubt (another host,
    names find printed, this command line writing there first, too many matches): no."""
    hits = _expand_in_workspace(a, pattern, limit)
    if hits is None:
        return False
    if not hits:
        hits = [pattern] if os.path.lexists(pattern) else []  # a file whose name is the pattern itself
    return _recoverable(a, hits)


#: find's tests, operators and options that select or order entries and change nothing (GNU findutils); an
#: expression holding anything else is not run here.  Tests of age (-mtime, -mmin, -atime, -newermt…) are left
#: out on purpose: what they select grows as files age (`find . -mtime +31 -delete` in a fresh checkout selects
#: nothing today and half the project next month, .git's objects included) — such a delete stays judged by
#: the tests it has, not by today's disk.
_FIND_PURE = frozenset({
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
    "-type", "-xtype", "-newer", "-anewer", "-cnewer",
    "-size", "-user", "-group", "-uid", "-gid", "-perm", "-empty", "-links",
    "-inum", "-samefile", "-nouser", "-nogroup", "-readable", "-writable", "-executable", "-true",
    "-false", "-maxdepth", "-mindepth", "-depth", "-d", "-mount", "-xdev", "-daystart", "-regextype", "-noleaf",
    "-ignore_readdir_race", "-noignore_readdir_race", "-not", "!", "(", ")", "-a", "-and", "-o", "-or", "-prune",
    "-print", "-print0", "-ls", "-printf", "-quit", "-fstype", "-context", "-warn", "-nowarn"})
#: ... of which these take a value.
_FIND_VALUED = frozenset({
    "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
    "-type", "-xtype", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-anewer", "-cnewer",
    "-newermt", "-newerct", "-newerat", "-newermm", "-neweraa", "-newercc", "-newerma", "-newermc", "-neweram",
    "-newerac", "-newerca", "-newercm", "-size", "-user", "-group", "-uid", "-gid", "-perm", "-links", "-inum",
    "-samefile", "-used", "-maxdepth", "-mindepth", "-regextype", "-printf", "-fstype", "-context"})


def find_selection_now(a, cmd, scope, starts, limit=2000, handed=None):
    """What this find's deleting actions (-delete, -exec rm {} …) would be handed, computed now by running find
    itself with each of them replaced by -print0 (the rest of its expression, which only tests and selects, as
    written): the absolute paths, or None when that cannot be known here — another host, links followed, an
    unknown value, an -exec that is not a delete (it may be a test: `-exec grep -q x {} \\; -delete`), any
    option or test that is not plainly side-effect-free, a start outside the workspace and the scratch
    directories (find is not run over / or ~ here), find failing to start, more than ``limit`` entries, or
    taking longer than half a second.  ``handed``: the -exec (its words) whose entries are wanted instead of
    the deleting actions', or "print": what find prints as names (a find with no other action)."""
    import subprocess

    args = cmd.args
    if a.remote or U in " ".join(args) or any(x in ("-L", "-H", "-follow", "-files0-from") or x.startswith("-D")
                                              for x in args):
        return None
    roots = []
    for s0 in starts:
        place = a.place(s0, scope)
        if not place.path or U in place.path or place.glob:
            return None
        if not os.path.lexists(place.path):
            continue  # a start that is not there yields nothing
        if place.kind not in (P.WORKSPACE, P.WORKSPACE_ROOT, P.REGENERABLE, P.TEMP):
            return None  # find is run here over the workspace or a scratch directory only, never over / or ~
        roots.append(place.path)
    if not roots:
        return []
    if not _nothing_written_before(a, cmd) or any(w and any(P._under(w, r) for r in roots) for w in a.written):
        return None  # this command line may write there first: what is there then is not on disk now
    i = 0
    while i < len(args) and not args[i].startswith(("-", "(", "!")) and args[i] != ")":
        i += 1
    expr, out, j = args[i:], [], 0
    listing = handed == "print"
    while j < len(expr):
        x = expr[j]
        if x == "-delete" and not listing:
            out.append("-print0")
        elif listing and x in ("-print", "-print0"):
            out.append("-print0")
        elif listing and x in ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-printf", "-ls", "-quit"):
            return None  # `-printf '$(x)\n'` prints text of its own
        elif x in ("-exec", "-execdir", "-ok", "-okdir"):
            k = j + 1
            while k < len(expr) and expr[k] not in (";", "+", "\\;"):
                k += 1
            if expr[j + 1:k] != handed and (handed is not None or not _find_deleter("exec", expr[j + 1:k])):
                return None
            out.append("-print0")
            j = k
        elif x in ("-print", "-print0", "-ls"):
            out.append("-true")
        elif x == "-printf":
            out.append("-true")
            j += 1
        elif x in _FIND_PURE:
            out.append(x)
            if x in _FIND_VALUED:
                if j + 1 >= len(expr):
                    return None
                out.append(expr[j + 1])
                j += 1
        else:
            return None
        j += 1
    if listing and "-print0" not in out:
        out = ["(", *out, ")", "-print0"] if out else ["-print0"]  # the default action, over the whole expression
    cwd = scope.cwd if scope is not None and U not in scope.cwd else a.pctx.cwd
    try:
        r = subprocess.run(["find", "-P", *roots, *out], cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=0.5, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    got = [x for x in r.stdout.decode("utf-8", "surrogateescape").split("\0") if x]
    if len(got) > limit:
        return None
    return [x if x.startswith("/") else os.path.join(cwd, x) for x in got]


def _name_fits(name, pattern, icase) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(name.lower(), pattern.lower()) if icase else fnmatchcase(name, pattern)


def _git_holds_unchanged(a, place) -> bool:
    """Every file at ``place`` (a file, or a directory and all below it) is tracked by git and the same in
    the working tree, the index and HEAD — nothing modified, staged, untracked or ignored there — so deleting
    it loses nothing a `git checkout` does not bring back.  Git is asked only for what it recorded
    (`ls-files -s`, `ls-tree`: no filters, hooks or fsmonitor of the repository run); the files on disk are
    hashed here.  Any doubt (no repository, a pattern, a link, a submodule, a filtered file, too many files,
    git failing or slow) is no."""
    path = place.path
    if not path or U in path or place.glob or a.remote or os.path.islink(path) or not os.path.lexists(path):
        return False
    if "/.git/" in path + "/":
        return False
    import hashlib
    import subprocess

    parent = path if os.path.isdir(path) else os.path.dirname(path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_OPTIONAL_LOCKS": "0", "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": a.pctx.home, "LC_ALL": "C"}

    def git(*args):
        try:
            r = gitsafe.run(parent, *args, timeout=3, environ=env)
        except subprocess.SubprocessError as e:
            raise ValueError("git failed") from e
        if r.returncode != 0:
            raise ValueError("git failed")
        return r.stdout

    try:
        top = os.path.realpath(git("rev-parse", "--show-toplevel").decode().strip())
        index, head = {}, {}
        for entry in filter(None, git("ls-files", "-s", "-z", "--full-name", "--", path).split(b"\0")):
            meta, name = entry.split(b"\t", 1)
            mode, sha, stage = meta.split()
            if stage != b"0" or mode not in (b"100644", b"100755", b"120000"):
                return False  # a conflict, a submodule
            index[os.path.join(top, name.decode())] = (mode, sha.decode())
        for entry in filter(None, git("ls-tree", "-r", "-z", "--full-name", "HEAD", "--", path).split(b"\0")):
            meta, name = entry.split(b"\t", 1)
            mode, _kind, sha = meta.split()
            head[os.path.join(top, name.decode())] = (mode, sha.decode())
    except (OSError, subprocess.SubprocessError, ValueError, UnicodeDecodeError):
        return False
    if not index or index != head or len(index) > 5000:
        return False  # nothing tracked there, or staged changes
    algo = hashlib.sha256 if len(next(iter(index.values()))[1]) == 64 else hashlib.sha1
    on_disk = [path] if not os.path.isdir(path) else [
        os.path.join(root, f) for root, dirs, files in os.walk(path) for f in files + [d for d in dirs
                                                                                    if os.path.islink(os.path.join(root, d))]]
    if len(on_disk) > 5000:
        return False
    budget = 64 << 20
    for f in on_disk:
        rec = index.get(os.path.join(os.path.realpath(os.path.dirname(f)), os.path.basename(f)))
        if rec is None:
            return False  # untracked or ignored: not in git
        try:
            if os.path.islink(f):
                data = os.readlink(f).encode()
                if rec[0] != b"120000":
                    return False
            else:
                if rec[0] == b"120000" or os.path.getsize(f) > budget:
                    return False
                with open(f, "rb") as fh:
                    data = fh.read()
                budget -= len(data)
        except OSError:
            return False
        if algo(b"blob %d\0" % len(data) + data).hexdigest() != rec[1]:
            return False  # changed since it was committed (or stored through a filter)
    return True


#: Programs whose -o is not the file they write.
_O_NOT_OUTPUT = frozenset({"ssh", "scp", "sftp", "autossh", "mount", "tar", "ps", "pgrep", "pkill", "lsblk", "findmnt",
                           "git", "sudo", "xargs", "ls", "rsync", "kubectl", "docker", "grep", "rg", "egrep", "nc",
                           "sshfs", "journalctl", "npm", "yarn", "pnpm", "helm", "oc", "make", "ocamlfind"})


def note_outputs(a, cmd, scope):
    """The file a program writes anew through -o / --output (compilers, curl, sort, pandoc…)."""
    args = cmd.args
    if cmd.name in _O_NOT_OUTPUT or "-o" not in args and not any(x.startswith("--output") for x in args):
        return
    for i, x in enumerate(args):
        val = None
        if x in ("-o", "--output") and i + 1 < len(args):
            val = args[i + 1]
        elif x.startswith("--output="):
            val = x.split("=", 1)[1]
        if val and U not in val and not val.startswith("-") and val != "/dev/null":
            a.generated.add(P.resolve(val, a._scope_ctx(scope)))


def _is_dotconfig(path, home):
    if not path.startswith(home + "/"):
        return False
    rel = path[len(home) + 1:]
    return rel.startswith(".") or "/." in rel or rel.startswith(("Library/", "AppData/"))


def _through_link(a, place):
    """A write to a workspace path that is a symbolic link leading out of the workspace lands on its target."""
    if place.path and place.kind in (P.WORKSPACE, P.REGENERABLE, P.MISSING) and not a.remote:
        real = P.real_outside(place.path, a.pctx, follow_last=True) or a.linked(place.path, follow_last=True)
        if real is not None:
            got = P.classify(real, a.pctx)
            if got.kind in P.LINK_ESCALATES:
                return P.Place(got.kind, got.path, place.raw, place.glob)
    return place


def _directory_here(a, place, raw) -> bool:
    """The path is an existing directory on this machine (not a remote host or container, no glob, no
    unknown part): a redirection onto it fails ("Is a directory") before anything is written."""
    return bool(place.path) and not place.glob and U not in raw and not a.remote and os.path.isdir(place.path) \
        and not os.path.islink(place.path)


def check_overwrite(a, cmd, raw, how="write", scope=None):
    place = _through_link(a, a.place(raw, scope) if scope is not None else P.classify(raw, a.pctx))
    k = place.kind
    target = P.display(place.path, a.pctx) if place.path else raw
    a.written.add(place.path or raw)
    if how != "dir" and place.path and k in (P.WORKSPACE, P.MISSING):
        a.generated.add(place.path)  # written anew by this command line (not appended to)
    elif how != "dir" and U in raw:
        word = _source_word(a, cmd, raw)
        if word:  # `cp "$a" "$a.cp"`: a name only known when it runs, written anew here
            a.generated_words = (getattr(a, "generated_words", None) or frozenset()) | {word}
    if k == P.SELF:
        a.emit("interlock.self-protect", cmd, target=target, effect="overwrite")
    elif k == P.PROTECTED:
        a.emit("fs.delete-protected", cmd, target=target, effect="overwrite")
    elif k == P.DEVICE:
        a.emit("disk.write-device", cmd, target=target, effect="overwrite")
    elif how != "dir" and not a.remote and P.is_access_file(place.path, a.pctx.home):
        a.emit("sys.grant-access", cmd, target=target, effect="overwrite")
    elif k in (P.SYSTEM, P.ROOT) and how == "redirect" and _directory_here(a, place, raw):
        pass  # `> /`, `> /etc`: the shell cannot open a directory for writing, so nothing is written
    elif k in (P.SYSTEM, P.ROOT):
        a.emit("fs.overwrite-system", cmd, target=target, effect="overwrite")
    elif how != "dir" and _agent_config_write(a, cmd, place, raw, scope):
        pass
    elif k == P.UNKNOWN and how != "dir" and _write_unresolved(a, cmd, raw, scope):
        pass
    elif k in (P.OUTSIDE, P.HOME) and not P.in_project(place.path, a.pctx):
        if how == "dir":
            pass  # a directory things are put into: what lands in it is judged on its own
        elif a.pctx.exists(place.path) and holds_private_key(place.path):
            a.emit("fs.overwrite-key", cmd, target=target, effect="overwrite")  # lost as by `rm` (refused)
        elif a.pctx.exists(place.path) and holds_credentials(place.path, a.pctx.home):
            a.emit("fs.overwrite-credentials", cmd, target=target, effect="overwrite")  # lost as by `rm` (refused)
        elif _is_dotconfig(place.path, a.pctx.home) and a.pctx.exists(place.path):
            a.emit("fs.overwrite-config", cmd, target=target, effect="overwrite")
        elif _is_dotconfig(place.path, a.pctx.home):
            # a new file among the home directory's dot-configuration (`cp app.conf ~/.config/app/`, a new
            # `~/.local/bin/tool`): nothing is overwritten, but it is a write there, asked even when the same
            # line makes its directory (`mkdir -p ~/.config/autostart && cp x.desktop ~/.config/autostart/`)
            if not write_outside(a, cmd, place, effect="write") and place.path not in a.judged_text:
                a.emit("fs.write-outside", cmd, target=target, effect="write", note=f"creates {target}")
        else:
            write_outside(a, cmd, place, effect="overwrite" if a.pctx.exists(place.path) else "write")
    return place


def _write_unresolved(a, cmd, raw, scope=None):
    """A write whose file name is only known when it runs, into a directory where any name could be one that
    matters: a system tree (`> /etc/$(cat f)` may be /etc/passwd), Interlock's own files, a protected place,
    or the home directory's dot-configuration (`~/.ssh/$X` may be authorized_keys).  A path unknown from its
    start (`> "$OUT"`) or under the workspace, a temp or another ordinary directory stays the script's own."""
    if not raw or U not in raw:
        return False
    head = raw.split(U, 1)[0]
    if "/" not in head:
        return False
    ctx = a._scope_ctx(scope) if scope is not None else a.pctx
    d = P.classify(head[:head.rindex("/") + 1] or "/", ctx)
    if not d.path:
        return False
    shown = P.display(d.path, a.pctx).rstrip("/") + "/…"
    if d.kind == P.SELF:
        a.emit("interlock.self-protect", cmd, target=shown, effect="overwrite")
    elif d.kind in (P.SYSTEM, P.ROOT, P.PROTECTED, P.DEVICE) or (
            d.kind in (P.HOME, P.OUTSIDE) and not P.in_project(d.path, a.pctx) and (
                _is_dotconfig(d.path + "/", a.pctx.home)
                # in the home directory itself, a name that may be a dot-file (`~/$X`, `~/.$X`, not `~/notes-$X`)
                or d.path == a.pctx.home and head[head.rindex("/") + 1:][:1] in ("", "."))):
        a.emit("fs.write-unresolved", cmd, target=shown, effect="overwrite")
    else:
        return False
    return True


def _agent_config_write(a, cmd, place, raw, scope=None, effect="write"):
    """A write into a coding agent's own configuration (knowledge/agent_config.toml): its settings, hooks,
    plugins, MCP servers — loaded in every session, in every project.  A path with an unknown part counts
    when the directory before that part is such configuration (`~/.claude/backups/x-$(date +%s)`)."""
    home = a.pctx.home
    path = place.path
    if place.kind == P.UNKNOWN and raw and U in raw:
        head = raw.split(U, 1)[0]
        if "/" not in head:
            return False
        path = P.resolve(head[:head.rindex("/") + 1] or "/", a._scope_ctx(scope) if scope is not None else a.pctx)
    elif place.kind not in (P.OUTSIDE, P.HOME, P.REGENERABLE):
        return False
    if not path or not P.agent_config(path, home) or P.in_project(path, a.pctx):
        return False
    shown = P.display(path, a.pctx) + ("/…" if place.kind == P.UNKNOWN else "")
    a.emit("agent.config-change", cmd, target=shown, effect=effect)
    return True


def write_outside(a, cmd, place, effect="write"):
    """A write outside the workspace (and outside the repository the agent runs in) into a place that
    exists: another project, the home directory, a shared directory.  A path whose directory does not
    exist names nothing there to change (the write fails: `cp x /path/to/dest/`)."""
    path = place.path
    if not path or U in path or place.kind not in (P.OUTSIDE, P.HOME) or P.in_project(path, a.pctx):
        return False
    if path in a.judged_text:
        return False  # a start-up line whose text was judged as the commands it is (programs.planted)
    parent = path.rsplit("/", 1)[0]
    if not (a.pctx.exists(path) or (parent and a.pctx.exists(parent))):
        return False  # (a new entry at / itself: an unknown absolute path, no place of the user's)
    a.emit("fs.write-outside", cmd, target=P.display(path, a.pctx), effect=effect)
    return True


def check_append(a, cmd, raw, scope=None):
    place = _through_link(a, a.place(raw, scope) if scope is not None else P.classify(raw, a.pctx))
    a.written.add(place.path or raw)
    if place.kind == P.SELF:
        a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="modify")
    elif place.kind == P.DEVICE:
        a.emit("disk.write-device", cmd, target=place.path, effect="overwrite")
    elif not a.remote and P.is_access_file(place.path, a.pctx.home):
        # a key appended to authorized_keys, a sudoers line, a user with uid 0: a way in
        a.emit("sys.grant-access", cmd, target=P.display(place.path, a.pctx), effect="append")
    elif place.kind in (P.SYSTEM, P.ROOT) and _directory_here(a, place, raw):
        pass  # `>> /`, `tee -a /etc`: a directory cannot be opened for appending; nothing is written
    elif place.kind in (P.SYSTEM, P.ROOT) and place.path:
        # appending keeps what the file held (`echo '127.0.0.1 dev' | sudo tee -a /etc/hosts`): asked, not
        # refused like overwriting it; planted text (/etc/profile.d, cron) is judged as what it runs
        a.emit("fs.write-outside", cmd, target=P.display(place.path, a.pctx), effect="append",
               note="appends to a system file")
    elif _agent_config_write(a, cmd, place, raw, scope, effect="append"):
        pass
    elif place.kind == P.UNKNOWN and _write_unresolved(a, cmd, raw, scope):
        pass  # `>> ~/.ssh/$(cat f)`: could be authorized_keys
    else:
        write_outside(a, cmd, place, effect="append")
    return place


def empties(a, cmd, raw, scope=None):
    """``raw`` is left empty (`: > f`, `echo '' > f`, `truncate -s0 f`, `cp /dev/null f`): a file logins or
    sessions depend on (paths.is_startup_file) is refused whatever the rule for overwriting it says."""
    if not raw or U in raw:
        return False
    place = _through_link(a, a.place(raw, scope) if scope is not None else P.classify(raw, a.pctx))
    if place.path and P.is_startup_file(place.path, a.pctx.home):
        a.emit("fs.empty-startup", cmd, target=P.display(place.path, a.pctx), effect="empty")
        return True
    return False


#: Programs that print the whole content of every file they are given.
DUMPERS = frozenset({"cat", "head", "tail", "less", "more", "bat", "batcat", "nl", "tac", "strings", "xxd", "od",
                     "hexdump", "base64", "zcat", "bzcat", "xzcat", "pr"})


def reads_tree(a, cmd, raw, scope=None, prints_all=False) -> bool:
    """``raw`` is DIR/<unknown>: the program prints files below DIR whose names are only known when it runs
    (`find ~ -type f -exec cat {} +`, `fd . ~ -x cat`, `find / -type f | xargs cat`).  When DIR holds
    credential files — the home directory and / always do — that is a read of them."""
    prefix = raw.split(U, 1)[0]
    if (cmd.name not in DUMPERS and not prints_all) or "/" not in prefix or a.remote:
        return False
    if getattr(a, "keys_only_next", False) == "count" and not any(
            op.startswith(">") for op, _ in (cmd.redirects or ())):
        return False  # `find . -type f | xargs cat | wc -l`: only a count leaves the pipeline
    base = P.resolve(prefix[:prefix.rindex("/") + 1] or "/", a._scope_ctx(scope) if scope is not None else a.pctx)
    place = P.classify(base, a.pctx, glob=False)
    shown = P.display(base, a.pctx)
    found = None
    if is_secret_path(base.rstrip("/") or "/", a.pctx.home, a.secret_extra, a.secret_exempt):
        found = "the credentials it holds"
    elif place.kind in (P.HOME, P.ROOT) or (base != "/" and P._under(a.pctx.home, base)):
        found = "its credential files (~/.ssh, ~/.aws…)"
    elif place.kind in (P.SYSTEM, P.SELF) and any(t.startswith(base.rstrip("/") + "/") or P._under(t, base)
                                                  for t in ("/etc/shadow", "/etc/ssh/", "/root/", "/run/secrets",
                                                            "/var/run/secrets")):
        found = "the system's credential files (/etc/shadow, host keys…)"
    elif place.kind not in (P.TEMP, P.DEVNULL, P.DEVICE, P.MISSING) and place.path:
        from ..secrets import tree_secret

        hit = tree_secret(place.path, a.pctx.home, a.secret_extra, a.secret_exempt)
        if hit:
            found = P.display(hit, a.pctx)
    if not found:
        return False
    if getattr(a, "filtered_next", False) and not any(op.startswith(">") for op, _ in (cmd.redirects or ())):
        a.emit("secrets.read-filtered", cmd, target=shown, effect="read-secret",
               note=f"prints every file it finds under {shown}, {found} among them, into {a.filtered_next}")
        return True
    a.emit("secrets.read-file", cmd, target=shown, effect="read-secret",
           note=f"prints every file it finds under {shown}, {found} among them")
    return True


#: Stages that only reshape, select or count the lines they read, and send nothing anywhere.
_PIPE_PLAIN = frozenset({"tr", "cut", "sort", "uniq", "head", "tail", "rev", "nl", "column", "wc", "less", "more",
                         "fold", "paste", "expand"})
_MATCH_ALL = frozenset({"", ".", "^", "$", ".*", "^.*", ".*$", "^.*$", "-"})


def _grep_filter(ws):
    """A grep stage that prints only the input lines matching one pattern of its own (not inverted, no
    pattern file, no files of its own, a pattern that matches something less than every line and does not
    look for secrets): the pattern, else None."""
    pats, ops, skip = [], [], None
    for w in ws[1:]:
        if skip:
            if skip != "n":
                pats.append(w)
            elif not w.isdigit() or int(w) > 2:
                return None  # `grep -A 50 BEGIN`: the context carries what follows a match out whole
            skip = None
            continue
        if w in ("-e", "--regexp"):
            skip = w
        elif w.startswith("--regexp="):
            pats.append(w.split("=", 1)[1])
        elif w in ("-A", "-B", "-C", "-m", "--max-count"):
            skip = "n"
        elif w.startswith("--"):
            if w.startswith(("--invert", "--file", "--recursive", "--dereference", "--files", "--null-data",
                             "--only-matching")):
                return None
            if re.fullmatch(r"--(?:after-|before-)?context=\d+", w) and int(w.rsplit("=", 1)[1]) > 2:
                return None
        elif re.fullmatch(r"-[ABC]\d+", w):
            if int(re.sub(r"\D", "", w)) > 2:
                return None
        elif w.startswith("-") and len(w) > 1:
            if any(c in w[1:] for c in "vfrRlLzo"):  # inverted, from a file, recursive, names, parts of lines
                return None
        else:
            ops.append(w)
    if not pats and ops:
        pats, ops = [ops[0]], ops[1:]
    fixed = ws[0] == "fgrep" or any(w == "--fixed-strings" or (w.startswith("-") and not w.startswith("--")
                                                                 and "F" in w[1:]) for w in ws[1:])
    if ops or len(pats) != 1 or pats[0] in _MATCH_ALL or _SECRET_PATTERN.search(pats[0]) or \
            _pattern_passes_all(pats[0], fixed) or any(
            int(n) >= 12 for n in re.findall(r"\{(\d+)", pats[0])):  # a token's shape: `[A-Za-z0-9]{40}`
        return None
    return pats[0]


def _pattern_passes_all(pat, fixed) -> bool:
    """The pattern can match an empty stretch of any line (`a|`, `x*`, `(|y)`, `.?`): it lets every line
    through.  Read as a Python expression (BRE's `\\|`, `\\(` as ERE's); one that does not compile counts as
    matching everything."""
    if fixed:
        return pat == ""
    py = pat
    for bre, ere in (("\\|", "|"), ("\\(", "("), ("\\)", ")"), ("\\{", "{"), ("\\}", "}"), ("\\+", "+"),
                     ("\\?", "?")):
        py = py.replace(bre, ere)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return re.search(py, "") is not None
    except (re.error, RecursionError, OverflowError):
        return True


def filtered_after(stages):
    """What the rest of a pipeline does with a stage's output, when every later stage only reshapes,
    selects or counts lines and one of them is a grep keeping lines that match a pattern (`| grep -B1
    '^catalina'`, `| tr -c '.[:digit:]' '\\n' | grep '^[0-9.]*$'`): "grep PATTERN"; False otherwise (a tee, an
    upload, a file written, an interpreter or a filter that lets everything through).  A program Interlock knows
    nothing of before the filter (`| wordfrequency | grep yourword`) is named in what is returned."""
    found = False
    via = []
    for words in stages:
        ws = [w.strip("'\"") for w in words]
        if not ws or any(">" in w and w not in ("2>/dev/null", "2>&1") for w in ws):
            return False
        name = ws[0].rsplit("/", 1)[-1]
        if name in ("grep", "egrep", "fgrep"):
            pat = _grep_filter(ws)
            if pat is None and not found:
                return False
            found = found or f"grep {pat}"
            if pat is None and any(c in w[1:] for w in ws[1:] if w.startswith("-") and not w.startswith("--")
                                   for c in "frR"):
                return False
        elif name == "sed" and not any(w.startswith(("-i", "--in-place", "-s")) for w in ws[1:]) and not \
                re.search(r"(^|[;{}\s/])[wWeEr]\b|/[wWe]\s", " ".join(ws[1:])):
            continue
        elif name in _PIPE_PLAIN or (name == "cat" and len(ws) == 1):
            continue
        elif _unknown_transform(name):
            via.append(name)  # `| wordfrequency | grep yourword`: judged by the filter after it, as asked
            continue
        else:
            return False
    return f"{', then '.join(via)}, then {found}" if found and via else found


#: Programs that send, store, run or hand on what they read: never a mere transform before a filter.
_NOT_TRANSFORMS = frozenset({"tee", "xargs", "parallel", "mail", "mailx", "sendmail", "mutt", "ftp", "sftp", "telnet",
                             "xclip", "xsel", "pbcopy", "wl-copy", "logger", "write", "wall", "env", "nohup",
                             "timeout", "nice", "sudo", "doas", "su", "time", "stdbuf", "watch", "script", "expect"})


def _unknown_transform(name) -> bool:
    """A pipeline stage running a program Interlock has no knowledge of at all (`wordfrequency`): its
    output is not known, so a tree of secrets dumped into it is no plain read, but neither is it shown
    unfiltered when a grep keeps only some lines after it — the pipeline is asked (secrets.read-filtered),
    not denied.  Anything known (a handler, a sender, a shell, an interpreter, a CLI's knowledge file, a
    path) is judged as what it is."""
    if not re.fullmatch(r"[A-Za-z][\w.+-]*", name) or name in HANDLERS or name in file_use().send or name in SHELLS or \
            name in _NOT_TRANSFORMS or name in DUMPERS:
        return False
    from . import clis, credentials

    if name in credentials.PROGRAMS:
        return False
    try:
        return clis.tool_for(name) is None
    except Exception:  # noqa: BLE001 - any doubt: not unknown
        return False


#: programs that copy, move or archive the files they are given, showing none of them
_PATTERN_COPIERS = frozenset({"cp", "mv", "install", "tar", "bsdtar", "gtar", "zip", "7z", "rsync"})
_ARCHIVERS = frozenset({"tar", "bsdtar", "gtar", "zip", "7z"})


def check_read(a, cmd, raw, scope=None, token_configs=True):
    if not raw or raw.startswith("-"):
        return False
    if U in raw:
        if reads_tree(a, cmd, raw, scope):
            return True
        if "/proc/" in raw and raw.endswith("/environ"):  # /proc/$$/environ, /proc/$(pgrep x)/environ
            a.emit("secrets.read-file", cmd, target=raw.replace(U, "*"), effect="read-secret")
            return True
        from ...selfprotect import APPROVAL_FILES

        if "/" in raw and raw.rsplit("/", 1)[1] in APPROVAL_FILES:  # $INTERLOCK_HOME/approvers.json
            a.emit("interlock.approvals-store", cmd, target=raw.replace(U, "*"), effect="read")
            return True
        return False
    path = P.resolve(raw, a._scope_ctx(scope) if scope is not None else a.pctx)
    is_glob = any(c in path for c in "*?[")
    origin = a.secret_copy(path) if a.session_files and not is_glob else None
    if origin is not None:
        # `cp ~/.aws/credentials ./c.txt` earlier in this session, then `cat c.txt`: the copy is the secret
        a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret",
               note=f"session memory: a copy of {origin} made in this session")
        return True
    store = a.approval_paths()
    if _selfprotect.is_approval_store(path, a.pctx.home, a.env, glob=is_glob, paths=store) or \
            is_glob and _selfprotect.is_approval_store(path, a.pctx.home, a.env, paths=store):
        a.emit("interlock.approvals-store", cmd, target=P.display(path, a.pctx), effect="read")
        return True
    if is_glob and _plain_search(cmd) and _pattern_broad(path, a) and (
            not P._under(path, a.pctx.home) or a.pctx.workspace and P._under(path, a.pctx.workspace)):
        # `find /etc -type f | xargs grep nameserver`, `grep String ./*`: a search of many files for a text that
        # names no secret prints the lines holding that text — judged as `grep -r` is (_search_secrets), not as a
        # read of each file the pattern reaches
        return False
    if getattr(a, "by_name", False) and "/" in path.rstrip("/") and "/**/" not in path and \
            (not a.pctx.workspace or not P._under(path, a.pctx.workspace)) and not lists_names_only(cmd):
        # a name find printed: its -name matches at any depth below the start (`find ~ -name hosts.yml | xargs
        # cat` reads ~/.config/gh/hosts.yml)
        from ..secrets import glob_may_name_secret

        d, _, base = path.rstrip("/").rpartition("/")
        if base and glob_may_name_secret((d or "") + "/**/" + base, a.pctx.home, a.secret_extra, a.secret_exempt):
            if cmd.name in _PATTERN_COPIERS and _pattern_broad(path, a):
                a.emit("secrets.copy-among", cmd, target=P.display((d or "/") + "/**/" + base, a.pctx),
                       effect="read-secret", note="files that hold secrets among the files find selects by this name")
                return True
            a.emit("secrets.read-file", cmd, target=P.display((d or "/") + "/**/" + base, a.pctx), effect="read-secret",
                   note="find selects files by this name at any depth below it, files that hold secrets among them")
            return True
    if any(c in path for c in "*?["):
        from ..secrets import glob_may_name_secret

        on_disk = _expand_in_workspace(a, path)
        if on_disk is not None:  # the files the shell will pass: judged as they are
            hit = next((m for m in on_disk if is_secret_path(m, a.pctx.home, a.secret_extra, a.secret_exempt)), None)
            if hit is None:  # `cat scripts/*.sh` reveals what each file holds, a literal token included
                return cmd.name in file_use().reveal and any(check_file_tokens(a, cmd, m) for m in on_disk[:64]
                                                     if os.path.isfile(m))
            if cmd.name in _ARCHIVERS and _pattern_broad(path, a) and any(
                    not is_secret_path(m, a.pctx.home, a.secret_extra, a.secret_exempt) for m in on_disk):
                # `tar czf all.tgz ./*`: files archived by a pattern, a secret among the others — where the archive
                # goes decides (`cp * /tmp`, `mv * /tmp/x/` come here only when the secret leaves the project: denied)
                a.emit("secrets.copy-among", cmd, target=P.display(path, a.pctx), effect="read-secret",
                       note=f"{P.display(hit, a.pctx)} among what it matches")
                return True
            a.emit("secrets.read-file", cmd, target=P.display(hit, a.pctx), effect="read-secret",
                   note=f"{P.display(path, a.pctx)} matches it")
            return True
        if glob_may_name_secret(path, a.pctx.home, a.secret_extra, a.secret_exempt) and not lists_names_only(cmd):
            if cmd.name in _PATTERN_COPIERS and _pattern_broad(path, a):
                # `find . -name '*e*' | xargs mv -t /tmp/other`: the pattern fits ordinary files and secrets alike
                a.emit("secrets.copy-among", cmd, target=P.display(path, a.pctx), effect="read-secret",
                       note="the pattern matches files that hold secrets among others")
                return True
            a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret",
                   note="the pattern matches files that hold secrets")
            return True
        return False
    if is_secret_path(path, a.pctx.home, a.secret_extra, a.secret_exempt):
        if _keys_reach_only(a, cmd, path):
            return False  # `grep ^DB_ .env | cut -d= -f1`, `cat .env | wc -l`: names or a count, no value
        clean = _grep_prints_no_secret(a, cmd, path)
        if clean == "unseen":
            # `grep AWS_REGION .env.local` where that file is not here to look at (not there yet, or not readable
            # by Interlock): which lines it prints is only known when it runs — asked, not a known read
            a.emit("secrets.grep-unseen", cmd, target=P.display(path, a.pctx), effect="read-secret")
            return True
        if clean:
            return False  # `grep AWS_REGION .env.local`: the lines it prints, as the file is, hold no secret
        a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret")
        return True
    if cmd.name in _TREE_COPIERS and not a.remote and os.path.isdir(path) and \
            P.classify(path, a.pctx, glob=False).kind in (P.HOME, P.OUTSIDE, P.REGENERABLE):
        from ..secrets import tree_secret

        # `cp -r ~/.codex /tmp/x`, `tar czf x.tgz ~/.gemini`: a directory whose own name is no secret, copied
        # or archived whole with a credential file inside (an agent's auth.json, a token store)
        hit = tree_secret(path, a.pctx.home, a.secret_extra, a.secret_exempt, limit=2000)
        if hit and P.classify(path, a.pctx, glob=False).kind == P.HOME:
            # `tar uvf backup.tar ~/`, `rsync -a ~ /mnt/backup`: a backup of the whole home directory — its
            # credentials go with it, a small part of what it copies; where the copy goes decides: asked
            a.emit("secrets.copy-home", cmd, target=P.display(path, a.pctx), effect="read-secret",
                   note=f"{P.display(hit, a.pctx)} among what it copies")
            return True
        if hit:
            a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret",
                   note=f"copies every file under {P.display(path, a.pctx)}, {P.display(hit, a.pctx)} among them")
            return True
    use = file_use()
    real = _alias_of(a, path, on_disk=cmd.name in use.reveal or cmd.name in use.send)
    if real is not None and is_secret_path(real, a.pctx.home, a.secret_extra, a.secret_exempt):
        a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret",
               note=f"it is {P.display(real, a.pctx)}")
        return True
    if cmd.name in use.reveal and check_file_tokens(a, cmd, path if real is None or not os.path.isfile(real) else real):
        return True  # (`cp tools/gh.cfg /tmp/x && cat /tmp/x`: the copy holds what the file holds)
    if token_configs and (cmd.name in use.reveal or cmd.name in use.send or cmd.name in _SCREEN_EDITORS):
        if is_token_config(real or path, a.pctx.home) and not _keys_reach_only(a, cmd, path):
            # `cat ~/.claude.json`, `jq .mcpServers ~/.cursor/mcp.json`: the MCP servers' tokens, in clear
            a.emit("secrets.read-token-config", cmd, target=P.display(path, a.pctx), effect="read-secret")
            return True
    return False


#: programs that copy, archive or send a whole directory they are given
_TREE_COPIERS = frozenset({"cp", "scp", "rsync", "tar", "zip", "7z", "rclone"})


def _expand_in_workspace(a, path, limit=2000):
    """A glob as the shell expands it: the files on this machine it matches (`*` does not match a leading
    dot, as in bash); none when its directory does not exist (`mv /path/sub/* /path/`).  None — judged
    by name instead — on another host or in a container, for what find or ls printed (a -name matches at
    any depth), for a recursive `**` outside the workspace, when this command line writes below it
    first, or when there are more than ``limit`` matches."""
    if U in path or a.remote or getattr(a, "by_name", False):
        return None
    ws = a.pctx.workspace
    inside = (ws and P._under(path, ws)) or P.in_project(path, a.pctx)
    if "**" in path and not inside:
        return None
    cut = min((i for i in (path.find("*"), path.find("?"), path.find("[")) if i >= 0), default=len(path))
    base = path[:cut].rsplit("/", 1)[0] or "/"
    if any(w and P._under(w, base) for w in a.written):
        return None  # `cp ~/.ssh/id_rsa lib/ && cat lib/*`: what is there then is not on disk yet
    import glob as _glob
    import itertools

    try:
        got = list(itertools.islice(_glob.iglob(path, recursive="**" in path), limit + 1))
    except (OSError, ValueError, RecursionError):
        return None
    return None if len(got) > limit else got





def _alias_of(a, path, on_disk=True):
    """What ``path`` really is: a file this same command line moved or linked there (``mv .env x``,
    ``ln -s .env x``), or (``on_disk``) where a symbolic link on disk points.  None when it is itself."""
    if a.aliases and path in a.aliases:
        return a.aliases[path]
    if a.links:
        real = a.linked(path)  # `ln -s ~/.aws a && cat a/credentials`
        if real is not None:
            return real
    if not on_disk:
        return None
    import os

    try:
        if os.path.islink(path):
            return os.path.realpath(path)
        real = P.real_outside(path, a.pctx)  # a directory on the way that is a link out of the workspace
        return real
    except (OSError, ValueError):
        return None


def _record_alias(a, cmd, scope, src, dest):
    """``mv SRC DEST`` / ``ln -s SRC DEST`` / ``cp SRC DEST`` in this command line: DEST now holds SRC."""
    if U in src or U in dest:
        return
    import os

    ctx = a._scope_ctx(scope)
    s, d = P.resolve(src, ctx), P.resolve(dest, ctx)
    if dest.endswith("/") or os.path.isdir(d):  # into a directory: under the source's own name
        d = d.rstrip("/") + "/" + s.rsplit("/", 1)[-1]
    if a.aliases is None:
        a.aliases = {}
    a.aliases[d] = a.aliases.get(s, s)


_ELSEWHERE = _LazyRe(r"^([A-Za-z0-9_.@-]+(?:/[A-Za-z0-9_.@-]+)?):(/.*|~.*)$")  # ctr:/p, ns/pod:/p, host:~/p


def check_sent(a, cmd, raw, scope) -> bool:
    """A file an upload or copy sends on (``aws s3 cp .env s3://…``, ``gh gist create .env``,
    ``docker cp web:/app/.env .``): a secret file is read.  Paths inside a container, a pod or
    another host are judged by their name (``/app/.env``, ``/root/.ssh/id_rsa``)."""
    if not raw or raw == "-" or raw.startswith("-") or "://" in raw:
        return False
    m = _ELSEWHERE.match(raw) if U not in raw else None
    if m is None:
        return check_read(a, cmd, raw, scope)
    where, path = m.groups()
    if path.startswith("~"):
        path = "/root" + path[1:]
    if is_secret_path(path, "/nonexistent-home", a.secret_extra, a.secret_exempt):
        a.emit("secrets.read-file", cmd, target=raw, effect="read-secret", note=f"copied from {where}")
        return True
    return False





class FileUse:
    """knowledge/file_use.toml: programs that show a file's content, that copy or send it, that only look at names."""

    def __init__(self, raw):
        self.reveal = frozenset(raw["reveal"])
        self.send = frozenset(raw["send"])
        self.names_only = frozenset(raw["names_only"])
        self.output_options = frozenset(raw.get("output_options", ()))
        self.examples = raw["examples"]


def file_use() -> FileUse:
    from ...knowledge import model

    return model("file_use.toml", FileUse)


def stdin_read(a, cmd, raw, scope) -> bool:
    """A file on the stdin of what keeps its text (``read``/``mapfile`` into variables, a ``while read``
    loop): a read of the file, whose literal token then sits in the shell's variables.  A configuration that
    may keep tokens (secrets.read-token-config) is not judged here: a program that parses one (`node -e
    "JSON.parse(fs.readFileSync(HOME + '/.claude.json'))"`) shows nothing of it by that."""
    if check_read(a, cmd, raw, scope, token_configs=False):
        return True
    if U in raw:
        return False
    return check_file_tokens(a, cmd, P.resolve(raw, a._scope_ctx(scope)))


def check_file_tokens(a, cmd, path) -> bool:
    """``cat scripts/add_domain.sh`` where the script holds a literal token."""
    from ..secrets import file_tokens

    hits = file_tokens(path, a.secret_exempt)
    if not hits:
        return False
    if cmd.name == "jq" and _jq_path_misses_tokens(cmd, path):
        return False  # `jq -r .railway.project deploy/settings.json`: the one value it prints holds no token
    h = hits[0]
    more = f" and {len(hits) - 1} more" if len(hits) > 1 else ""
    a.emit("secrets.file-token", cmd, target=f"{P.display(path, a.pctx)}:{h.line}", effect="read-secret",
           note=f"{h.kind.replace('-', ' ')} {h.masked}{more}")
    return True





def _bare_file(a, arg, scope) -> bool:
    """A bare word names a file only when one exists (``cat id_ed25519`` run in ~/.ssh)."""
    import os

    ctx = a._scope_ctx(scope) if scope is not None else a.pctx
    return os.path.lexists(os.path.join(ctx.cwd, arg))


_APPROVAL_NAMES = tuple("/" + n for n in ("approvals.db", "approvals.db-wal", "approvals.db-shm", "approvals.db-journal",
                                          "approvers.json", "pgpass"))  # selfprotect.APPROVAL_FILES


GLOB_META = frozenset("*?[")


def _may_name_a_secret(a, scope, arg) -> bool:
    """Whether a path whose last name is partly unknown (`~/.ssh/id_$K`, `./$F.env`) could be a secret's:
    its known parts, with the unknown part as any text, fit a secret's name or place."""
    path = P.resolve(arg.replace(U, "x"), a._scope_ctx(scope))
    return any(is_secret_path(path.replace("/x", "/" + fill, 1) if "/x" in path else path.replace("x", fill),
                              a.pctx.home, a.secret_extra, a.secret_exempt)
               for fill in ("x", "", "id_rsa"))


def _new_output(a, scope, prev, arg):
    """``arg`` is the value of an output option (`-out key.pem`, `--keyout=key.pem`; knowledge/file_use.toml) naming a
    file that does not exist yet: the program writes it, there is nothing in it to read.  The value, or None.  (A
    file that exists is still judged as a read: an option some program takes without a value, `od -o FILE`, must
    not turn a secret read into a write.)"""
    opts = file_use().output_options
    if prev in opts:
        value = arg
    elif arg.startswith("-") and "=" in arg and arg.split("=", 1)[0] in opts:
        value = arg.split("=", 1)[1]
    else:
        return None
    if not value or U in value or set(value) & GLOB_META:
        return None
    place = a.place(value, scope)
    if not place.path or os.path.lexists(place.path) or a.pctx.exists(place.path):
        return None
    return value


def check_args_for_secrets(a, cmd, scope, args=None):
    prev = None
    for arg in (cmd.args if args is None else args):
        prev, before = arg, prev
        out = _new_output(a, scope, before, arg)
        if out:
            # `openssl genrsa -out certs/key.pem`: a key generated, not a secret read; written outside the project
            # (`-out ~/.ssh/new.pem`) it is judged as the write it is
            check_overwrite(a, cmd, out, "write", scope)
            continue
        head, _, last = arg.rpartition("/")
        if U in last and U not in head and last.replace(U, "").strip(".-_") and not set(last) & GLOB_META and \
                cmd.name in DUMPERS and not _may_name_a_secret(a, scope, arg):
            # `cat ${TMP}/${NAME}.kb`: one file of that directory whose name ends (or starts) so — the files
            # that fit `*.kb` there, not everything below it
            if check_read(a, cmd, (head + "/" if head or arg.startswith("/") else "") + last.replace(U, "*"), scope):
                return True
            continue
        segs = arg.split("/")
        if U in head and U not in last and last and not set(arg) & GLOB_META and arg.startswith("/") and \
                U not in segs[1] and all(x == U or U not in x for x in segs) and cmd.name in DUMPERS:
            # `cat /proc/$$/cmdline`, `cat /proc/$PID/status`: one file in each directory the value names, not a
            # tree — the files that fit /proc/*/cmdline (`/proc/$$/environ` fits a secret's place)
            if check_read(a, cmd, arg.replace(U, "*"), scope):
                return True
            continue
        if U in arg and cmd.name in DUMPERS and reads_tree(a, cmd, arg, scope):
            return True
        if U in arg and (("/proc/" in arg and arg.endswith("/environ")) or arg.endswith(_APPROVAL_NAMES)):
            if check_read(a, cmd, arg, scope):
                return True
            continue
        if not arg or arg[0] == "-" or U in arg:
            if arg.startswith("--") and "=" in arg:
                arg = arg.split("=", 1)[1]
            else:
                continue
        if arg.startswith("@"):
            arg = arg[1:]
        if "/" not in arg and "." not in arg and not arg.startswith("~") and not _bare_file(a, arg, scope) \
                and not a.aliases:
            continue
        if check_read(a, cmd, arg, scope):
            return True
    return False


# --- what a pipeline stage produces ------------------------------------------------------

_DECODERS = {"base64", "base32", "basenc", "xxd", "openssl", "gunzip", "zcat", "gzip", "bzcat",
             "bzip2", "xzcat", "xz", "unxz", "zstdcat", "zstd", "uudecode", "rev", "tr", "gpg"}
_DOWNLOADERS = {"curl", "wget", "fetch", "http", "https", "xh", "curlie", "aria2c", "lynx", "links"}
_ENV_SETUP = _LazyRe(r"[$<]\(\s*(?:command\s+)?(?:ssh-agent|pyenv|rbenv|nodenv|goenv|jenv|direnv|starship|"
                        r"zoxide|brew|opam|conda|mamba|micromamba|fnm|mise|rtx|rustup|dircolors|"
                        r"keychain|thefuck|atuin|gh|kubectl|helm|npm|uv|poetry|pipenv)\b[^()&;|\n`$]*\)")
# (one simple command, its output the code: `$(brew shellenv; echo rm -rf ~)` is no set-up program's output)


def _env_setup_only(text: str) -> bool:
    """Every value ``text`` leaves to run time is a shell set-up program's output (`eval "$(ssh-agent -s)"`,
    `source <(kubectl completion bash)`): one such substitution at least, and no other substitution or
    variable beside it (`eval "$(ssh-agent -s)" "$(echo …)"` runs what the second prints)."""
    return bool(_ENV_SETUP.search(text)) and not re.search(r"[$`]|<\(", _ENV_SETUP.sub("", text))


# Programs that run the command after their options: name -> (short options taking a value, long ones,
# operands before the command).  Data: knowledge/wrappers.toml (one entry per wrapper, with its examples);
# the wrapper handlers below and stage_output read this one table.


def _load_wrappers():
    from ...knowledge import load

    table, stage, own = {}, [], set()
    for w in load("wrappers.toml")["wrapper"]:
        spec = (w.get("short_values", ""), tuple(w.get("long_values", ())), int(w.get("skip", 0)))
        for n in w["names"]:
            table[n] = spec
            if w.get("stage"):
                stage.append(n)
            if w.get("own_handler"):
                own.add(n)
    return table, tuple(stage), frozenset(own)


WRAPPERS, _STAGE_WRAPPERS, _OWN_WRAPPER_HANDLERS = _load_wrappers()


def stage_output(a, argv, own_stdin):
    name = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if name in _STAGE_WRAPPERS and args:
        with_arg, long_with_arg, skip = WRAPPERS[name]
        _, inner = _first_cmd(args, with_arg=with_arg, long_with_arg=long_with_arg)
        while name == "env" and inner and "=" in inner[0]:
            inner = inner[1:]
        inner = inner[skip:]
        if inner:
            return stage_output(a, inner, own_stdin)
    if name in ("printf", "jq", "python", "python3", "node") or name in _DECODERS:
        from .decode import stage

        got = stage(a, name, args, own_stdin)
        if got is not None:
            return got
    if name in ("echo", "printf"):
        words = [x for x in args if not (name == "echo" and x in ("-n", "-e", "-E", "-ne", "-en"))]
        text = " ".join(words)
        if U in text:
            return ("opaque", "shell.opaque-eval", "a value only known when it runs")
        if name == "echo" and "-e" in args or name == "printf":
            from .analyzer import _ansi_c

            text = _ansi_c(text) if "\\" in text else text
            if U in text:
                return ("opaque", "shell.opaque-decoded", "escaped text only known when it runs")
        return ("text", text, 0)
    if name == "yes" and not any(x.startswith("--") for x in args):
        # `yes 'printf x' | bash`: the same line of text, again and again — the code is there as text
        text = " ".join(args) or "y"
        if U in text:
            return ("opaque", "shell.opaque-eval", "a value only known when it runs")
        return ("text", text + "\n", 0)
    if name == "cat":
        ops = [x for x in args if not x.startswith("-")]
        if not ops and own_stdin is not None:
            return own_stdin
        if len(ops) == 1:
            return ("file", ops[0])
        return None
    if name in _DOWNLOADERS:
        return ("opaque", "shell.opaque-download", f"code downloaded by {name}")
    if name in _DECODERS:
        return ("opaque", "shell.opaque-decoded", f"data decoded or transformed by {name}")
    if name == "find":
        starts = []
        pats = []
        for i, x in enumerate(args):
            if x.startswith(("-", "(", "!")):
                break
            starts.append(x)
        for i, x in enumerate(args[:-1]):
            if x in ("-name", "-iname"):
                pats.append(args[i + 1])
            if x in ("-path", "-ipath", "-wholename"):
                pats.append(None)
        starts = starts or ["."]
        out = []
        for s in starts:
            if pats and pats[0]:
                out.append(s.rstrip("/") + "/" + pats[0])
            else:
                out.append(s.rstrip("/") + "/" + U)
        return ("paths", out)
    if name in ("ls", "fd", "fdfind"):
        ops = [x for x in args if not x.startswith("-")]
        if name == "ls" and ops and all(any(c in x for c in "*?[") for x in ops):
            return ("paths", ops)  # `ls .env*` prints the matching paths themselves
        # entry names of the listed directory (never `..`): every entry of it (paths.listing), else unknown
        coll = P.listing(argv)
        if coll:
            return ("unknown", name, coll)
        return ("paths", [U])
    if name in ("python", "python3", "node", "perl", "ruby", "php", "jq", "awk", "sed", "yq"):
        return ("opaque", "shell.opaque-decoded", f"commands generated by {name}")
    return None


# --- wrappers ---------------------------------------------------------------------------------

_ASSIGN_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _unwrap(a, cmd, scope, inner, assigns=False, **kw):
    """Run ``inner`` as the wrapped command; ``assigns``: the wrapper takes NAME=VALUE words before the command
    (`sudo DOCKER_HOST=ssh://prod docker …`, doas): they are the command's environment, as env's are."""
    inner = list(inner)
    extra = {}
    while assigns and inner and _ASSIGN_WORD.match(inner[0]):
        k, _, v = inner.pop(0).partition("=")
        extra[k] = v
    if inner:
        c = cmd.derive(inner, **kw)
        if extra:
            c.assigns = {**cmd.assigns, **extra}
        a.dispatch(c, scope)


@handles("sudo")
def sudo(a, cmd, scope):
    with_arg, long_with_arg, _ = WRAPPERS["sudo"]
    opts, inner = _first_cmd(cmd.args, with_arg=with_arg, long_with_arg=long_with_arg)
    if any(o in ("-e", "--edit") for o in opts):
        for f in inner:
            check_overwrite(a, cmd, f, scope=scope)
        return
    if inner and any(o in ("-s", "-i", "--shell", "--login") for o in opts):
        a.nested_shell(" ".join(inner), cmd, scope, root=True)
        return
    _unwrap(a, cmd, scope, inner, assigns=True, sudo=_target_user(opts))


def _target_user(opts):
    """True (root) or the other user's name a sudo runs as (`-u postgres`, `--user=www-data`): still truthy."""
    for k, o in enumerate(opts):
        v = None
        if o in ("-u", "--user") and k + 1 < len(opts):
            v = opts[k + 1]
        elif o.startswith("--user="):
            v = o.split("=", 1)[1]
        elif o.startswith("-u") and len(o) > 2:
            v = o[2:]
        if v is not None:
            return True if v in ("root", "0", "#0") else v
    return True


@handles("doas")
def doas(a, cmd, scope):
    opts, inner = _first_cmd(cmd.args, with_arg=WRAPPERS["doas"][0])
    _unwrap(a, cmd, scope, inner, assigns=True, sudo=_target_user(opts))


@handles("pkexec", "runuser", "gosu", "su-exec", "sg", "run0")
def run_as(a, cmd, scope):
    args = cmd.args
    if cmd.name in ("gosu", "su-exec", "sg") and args:
        args = args[1:]
    if cmd.name == "runuser":
        f, v, ops = split_opts(args, with_arg="ugcl", long_with_arg=("--user", "--group", "--command"))
        if "-c" in v or "--command" in v:
            a.nested_shell(v.get("-c") or v.get("--command"), cmd, scope, root=True)
            return
    opts, inner = _first_cmd(args, with_arg="ug", long_with_arg=("--user",))
    _unwrap(a, cmd, scope, inner, sudo=_target_user(opts))


@handles("env")
def env(a, cmd, scope):
    args = cmd.args
    i = 0
    assigns = {}
    chdir = None
    while i < len(args):
        x = args[i]
        if x in ("-i", "-0", "-v", "--ignore-environment", "--null", "--debug", "-"):
            i += 1
        elif x in ("-u", "--unset", "-C", "--chdir", "-P"):
            if x in ("-C", "--chdir") and i + 1 < len(args):
                chdir = args[i + 1]  # `env -C ../other git commit`: the command runs there
            if x in ("-u", "--unset") and i + 1 < len(args) and args[i + 1].startswith("INTERLOCK_"):
                a.emit("interlock.env-tamper", cmd, target=args[i + 1], effect="unset")
            i += 2
        elif x.startswith(("--unset=", "--chdir=")) or (x.startswith("-u") and len(x) > 2):
            if x.startswith("--chdir="):
                chdir = x.split("=", 1)[1]
            i += 1
        elif x in ("-S", "--split-string") or x.startswith(("-S", "--split-string=")):
            s = args[i + 1] if x in ("-S", "--split-string") and i + 1 < len(args) else x.split("=", 1)[-1][
                (2 if x.startswith("-S") else 0):]
            rest = args[i + 2:] if x in ("-S", "--split-string") else args[i + 1:]
            a.nested_shell(" ".join([s] + [_q(r) for r in rest]), cmd, scope)
            return
        elif "=" in x and not x.startswith("-") and x.split("=", 1)[0].replace("_", "").isalnum():
            k, _, v = x.partition("=")
            if k.startswith("INTERLOCK_"):
                a.emit("interlock.env-tamper", cmd, target=k, effect="set")
            assigns[k] = v
            i += 1
        elif x.startswith("-") and x != "--":
            i += 1
        else:
            if x == "--":
                i += 1
            break
    if args[i:]:
        c = cmd.derive(list(args[i:]))
        c.assigns = {**cmd.assigns, **assigns}  # env RAILS_ENV=production rails ... keeps them
        if chdir is not None:
            scope = scope.child()
            scope.cwd = U if U in chdir else P.resolve(chdir, a._scope_ctx(scope))
        if any(x in ("-i", "--ignore-environment", "-") for x in args[:i]) or any(
                x in ("-u", "--unset") or x.startswith(("--unset=", "-u")) for x in args[:i]):
            from .analyzer import agent_hosts

            if args[i].rsplit("/", 1)[-1] in agent_hosts()[0]:  # a nested agent without this session's settings
                a.emit("interlock.env-tamper", cmd, target="the environment", effect="unset",
                       note=f"{args[i]} started with its environment cleared loads other settings (and hooks)")
        a.dispatch(c, scope)


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _simple_wrapper(with_arg="", long_with_arg=(), skip_operands=0):
    def handler(a, cmd, scope):
        opts, inner = _first_cmd(cmd.args, with_arg=with_arg, long_with_arg=long_with_arg)
        if cmd.name == "command" and any(o in ("-v", "-V") for o in opts):
            return
        if cmd.name == "ionice" and any(o.startswith("-p") or o == "--pid" for o in opts):
            return
        if cmd.name == "taskset" and any(o.startswith("-p") for o in opts):
            return
        inner = inner[skip_operands:]
        _unwrap(a, cmd, scope, inner)
    return handler


for _n, (_short, _long, _skip) in WRAPPERS.items():
    if _n not in _OWN_WRAPPER_HANDLERS:  # sudo, doas, env have handlers of their own (reading the same entry)
        HANDLERS[_n] = _simple_wrapper(with_arg=_short, long_with_arg=_long, skip_operands=_skip)


@handles("busybox", "toybox")
def busybox(a, cmd, scope):
    if cmd.args:
        _unwrap(a, cmd, scope, cmd.args)


@handles("watch")
def watch(a, cmd, scope):
    opts, inner = _first_cmd(cmd.args, with_arg="nqs", long_with_arg=("--interval", "--equexit"))
    if not inner:
        return
    if any(o in ("-x", "--exec") for o in opts):
        _unwrap(a, cmd, scope, inner)
    else:
        a.nested_shell(" ".join(inner), cmd, scope)


@handles("flock")
def flock(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="wEc", long_with_arg=("--timeout", "--conflict-exit-code",
                                                                     "--command"), stop_at_operand=True)
    if "-c" in v or "--command" in v:
        a.nested_shell(v.get("-c") or v.get("--command"), cmd, scope)
    elif len(ops) > 1:
        if len(ops) > 2 and ops[1] == "-c":
            a.nested_shell(ops[2], cmd, scope)
        else:
            _unwrap(a, cmd, scope, ops[1:])


@handles("su")
def su(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="csg", long_with_arg=("--command", "--shell", "--group"))
    c = v.get("-c") or v.get("--command")
    if c:
        a.nested_shell(c, cmd, scope, root=not ops or ops[0] in ("root", "-"))


@handles("script")
def script_cmd(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="cEIOTBm", long_with_arg=("--command",))
    c = v.get("-c") or v.get("--command")
    if c:
        a.nested_shell(c, cmd, scope)


@handles("xargs")
def xargs(a, cmd, scope):
    args = cmd.args
    i = 0
    repl = None
    arg_file = None
    with_arg = set("IiEeLlnPsdaR")
    while i < len(args):
        x = args[i]
        if x == "--":
            i += 1
            break
        if x.startswith("--"):
            if x.startswith("--replace"):
                repl = x.split("=", 1)[1] if "=" in x else "{}"
            elif "=" not in x and x in ("--max-args", "--max-procs", "--delimiter", "--arg-file",
                                         "--max-lines", "--eof", "--max-chars"):
                if x == "--arg-file" and i + 1 < len(args):
                    check_read(a, cmd, args[i + 1], scope)
                    arg_file = args[i + 1]
                i += 1
            elif x.startswith("--arg-file="):
                check_read(a, cmd, x.split("=", 1)[1], scope)
                arg_file = x.split("=", 1)[1]
            i += 1
            continue
        if x.startswith("-") and len(x) > 1:
            c = x[1]
            if c in with_arg:
                val = x[2:]
                if not val and c not in "ie" and i + 1 < len(args):
                    val = args[i + 1]
                    i += 1
                if c == "I":
                    repl = val
                elif c == "i":
                    repl = val or "{}"
                elif c == "a":  # xargs -a FILE: the file's words become arguments (echo prints them)
                    check_read(a, cmd, val, scope)
                    arg_file = val
            i += 1
            continue
        break
    inner = args[i:] or ["echo"]
    items = [U]
    from . import flows

    coll = a.file_collection(arg_file, scope) if arg_file else flows.stdin_collection(cmd.stdin)
    if coll:  # `kubectl get ns -o name | xargs kubectl delete`: the items are every member of the collection
        items = [flows.mark(coll)]
    elif cmd.stdin and cmd.stdin[0] == "paths":
        items = cmd.stdin[1][:4]
        a.by_name = True  # names find or ls printed (a find -name matches at any depth): judged by name
        if getattr(a, "null_entries", False) and any(x in ("-0", "--null") or (x.startswith("-") and not
                                                                                x.startswith("--") and "0" in x)
                                                      for x in args[:i]) and not repl and inner and \
                inner[0].rsplit("/", 1)[-1] in ("rm", "unlink", "rmdir") and \
                not any(x in ("-r", "-R", "--recursive") or (x.startswith("-") and not x.startswith("--") and
                                                             ("r" in x or "R" in x)) for x in inner[1:]):
            # `find /var/tmp/stuff -mtime +90 -print0 | xargs -0 rm`: NUL-separated, each item is exactly one
            # entry below find's start (never split at a blank into another path), and rm of an entry removes a
            # link, not what it points to — entries of a scratch directory are judged as such
            items = [it[:-1] + "*" if it.endswith("/" + U) and _scratch_start(a, a.place(it[:-2], scope)) else it
                     for it in items]
    elif cmd.stdin and cmd.stdin[0] == "text":
        text = cmd.stdin[1]
        # with -I each input line is one item; otherwise items are blank-separated
        items = ([ln.strip() for ln in text.split("\n") if ln.strip()] if repl else text.split())[:8] or [U]
    # `seq 10 | xargs -i bash -c "echo start {}"`: each item is a number or a name (the producer prints nothing
    # else), so a shell's code it is spliced into reads it as a word (analyzer.nested_shell)
    plain = getattr(a, "plain_stdin", False) if not coll and not any(U in w for w in inner) else False
    if plain == "names":  # names a find lists while this runs: the code must make no new one meanwhile
        plain = reads_only(next((inner[k + 1] for k, w in enumerate(inner[:-1]) if w == "-c"), "")) or \
            inner[0].rsplit("/", 1)[-1] not in SHELLS
    try:
        for item in items:
            if repl:
                argv = [w.replace(repl, item) for w in inner]
            else:
                argv = list(inner) + [item]
            a.plain_words = plain
            a.dispatch(cmd.derive(argv, stdin=None), scope)
    finally:
        a.by_name = False
        a.plain_words = False


@handles("parallel")
def parallel(a, cmd, scope):
    args = cmd.args
    if ":::" in args:
        k = args.index(":::")
        template, values = args[:k], [x for x in args[k + 1:] if x not in (":::", "::::")]
    else:
        template, values = args, [U]
    _, template = _first_cmd(template, with_arg="jSIa", long_with_arg=("--jobs", "--sshlogin", "--joblog"))
    if not template:  # `parallel ::: 'cmd1' 'cmd2'`, `… | parallel`: each value is a command line
        if cmd.stdin and cmd.stdin[0] == "text":
            values = [ln for ln in cmd.stdin[1].split("\n") if ln.strip()]
        for v in values[:8]:
            if v != U:
                a.nested_shell(v, cmd, scope)
        return
    for v in values[:8]:
        if any("{}" in w for w in template):
            argv = [w.replace("{}", v) for w in template]
        else:
            argv = template + [v]
        if len(argv) == 1 and " " in argv[0]:
            a.nested_shell(argv[0], cmd, scope)
        else:
            a.dispatch(cmd.derive(argv), scope)


@handles("find")
def find(a, cmd, scope):
    args = cmd.args
    starts = []
    i = 0
    follows = False  # -L (or -follow below): what a link points to is walked, wherever it is
    named = False  # -H or -L: a start that is a symbolic link is walked where it points
    while i < len(args) and (args[i] in ("-H", "-L", "-P", "-D") or re.match(r"^-(O\d*|D\w+)$", args[i])):
        follows = follows or args[i] == "-L"
        named = (named or args[i] in ("-H", "-L")) and args[i] != "-P"
        i += 2 if args[i] == "-D" else 1
    if i < len(args) and args[i] == "--":
        i += 1  # `find -- ~ -delete`: the starts follow
    while i < len(args) and not args[i].startswith(("-", "(", "!")) and args[i] not in (")",):
        starts.append(args[i])
        i += 1
    if named:
        starts = [s.rstrip("/") + "/" if U not in s and os.path.islink(P.resolve(s, a._scope_ctx(scope)) or "")
                  else s for s in starts]
    starts = starts or ["."]
    expr = args[i:]
    names = []
    inames = []
    paths_ = []
    empty = False
    j = 0
    actions = []
    types = []
    while j < len(expr):
        x = expr[j]
        if x in ("-not", "!") and j + 2 < len(expr) and expr[j + 1] in ("-name", "-iname", "-path", "-ipath",
                                                                        "-wholename", "-iwholename"):
            j += 3  # an exclusion does not select what is deleted
            continue
        if x in ("-name", "-iname") and j + 1 < len(expr):
            names.append(expr[j + 1])
            if x == "-iname":
                inames.append(expr[j + 1])
            j += 2
            continue
        if x in ("-path", "-ipath", "-wholename", "-iwholename") and j + 1 < len(expr):
            paths_.append(expr[j + 1])
            j += 2
            continue
        if x == "-empty" and not (j and expr[j - 1] in ("-not", "!")):
            empty = True  # (`! -empty` selects every file that holds something)
        if x in ("-exec", "-execdir", "-ok", "-okdir"):
            k = j + 1
            inner = []
            while k < len(expr) and expr[k] not in (";", "+", "\\;"):
                inner.append(expr[k])
                k += 1
            actions.append(("exec", inner))
            j = k + 1
            continue
        if x == "-delete":
            actions.append(("delete", None))
        if x == "-follow":
            follows = True
        if x in ("-type", "-xtype") and j + 1 < len(expr) and not (j and expr[j - 1] in ("-not", "!")):
            types.append((x, expr[j + 1]))
            j += 2
            continue
        if x in ("-fprint", "-fprintf", "-fls", "-fprint0") and j + 1 < len(expr):
            check_overwrite(a, cmd, expr[j + 1], scope=scope)
        j += 1
    if (names or paths_) and actions and _actions_unfiltered(expr):
        # `find . -exec rm {} \; -o -name x`: the action stands in a branch of -o with no name test of its own —
        # it acts on every entry the other branch does not take, not on what the names select
        names, paths_, inames = [], [], []
        if not any(x in _FIND_SELECTS for x in expr):
            expr = expr + ["-links"]  # (judged as a selection below the start: which entries is not known)
    targets = []
    for s in starts:
        if paths_ and not names:
            p = paths_[0]
            targets.append(p if p.startswith(("/", "~", ".")) else s.rstrip("/") + "/" + p)
        elif names:
            for nm in names[:4]:
                targets.append((s.rstrip("/") or "/") + "/" + nm if s != "/" else "/" + nm)
        else:
            targets.append(s)
    for kind, inner in actions:
        if kind == "exec" and inner and inner[0].rsplit("/", 1)[-1] in _GREPS and \
                search_prints_token(a, cmd, scope, inner[0].rsplit("/", 1)[-1],
                                    [x for x in inner[1:] if x != "{}"], roots=starts, included=names):
            break  # `find . -name '*.sh' -exec grep -H TOKEN= {} +`: the lines grep prints of the files find selects
    before_hunt = len(a.findings)
    if (names or paths_) and not any(k == "delete" for k, _ in actions):
        from .hunting import find_hunt

        n = len(a.findings)
        if names:
            _find_secret_search(a, cmd, scope, starts, names, actions, inames)
        if len(a.findings) == n:
            # `find ~ -name '*.md' -path '*vault*'`: the files it selects are notes, sources or media by their
            # extension — a directory word on the way (an Obsidian vault, a `tokens` design folder) only says where
            docs = names and all(documents().match(x) for x in names)
            find_hunt(a, cmd, scope, starts, names if docs else names + paths_, actions)
    # (a search for credentials is judged by what it aims at, whether or not the tree is there)
    if len(a.findings) == before_hunt and _nothing_written_before(a, cmd) and _starts_absent(a, scope, starts):
        return  # `find *.1 -exec tar … --remove-files \;` where nothing is named so: find visits nothing, runs nothing
    if _find_reaches_self(a, cmd, scope, starts, names, paths_, actions):
        return
    # only symbolic links are selected (not when an alternative, `-type l -o -delete`, selects others too)
    links = bool(types) and all(v == "l" for _, v in types) and not any(x in ("-o", "-or", ",") for x in expr)
    through = follows or any(kind == "exec" and any(w.startswith("{}/") for w in inner) for kind, inner in actions)
    if not through and not ((names or paths_) and all(P.is_regenerable(t) for t in targets)) and \
            _find_deletes_recoverable(a, cmd, scope, starts, actions):
        # `find . -name heapdump* -exec rm {} \;`, `find . -type f -inum 314167125 -delete`: what it selects here
        # now is nothing, or files git holds as they are (`git checkout` restores them) — not when the delete goes
        # through links (-L, -follow, `rm -r {}/`): what a link git holds points to is no file git holds
        actions = [(k, inner) for k, inner in actions if not _find_deleter(k, inner)]
    if empty and any(x in ("-o", "-or", ",") for x in expr):
        empty = False  # `find /etc -empty -o -name x -delete`: the action stands in the other branch
    dirs_only = bool(types) and all(k == "-type" and v == "d" for k, v in types) and \
        not any(x in ("-o", "-or", ",", "!", "-not") for x in expr) and \
        all(_project_or_scratch(a, scope, s) for s in starts)  # (an empty /var/empty or mount point matters)
    for kind, inner in actions:
        if empty and kind == "exec" and inner and inner[0].rsplit("/", 1)[-1] in ("rm", "rmdir", "unlink") and \
                not _find_follows(cmd.args) and all(w == "{}" for w in inner[1:] if "{}" in w) and \
                all(_project_or_scratch(a, scope, s) for s in starts):
            # `find . -empty -exec rm {} \;`, `find . -type d -empty -exec rmdir {} +`: as `-empty -delete`,
            # the empty files and directories of the project — nothing they held is lost
            continue
        deep = kind == "delete" or bool(inner) and inner[0].rsplit("/", 1)[-1] == "rm" and any(
            w.startswith("-") and not w.startswith("--") and ("r" in w or "R" in w) or w == "--recursive"
            for w in inner[1:])
        if deep and not any(P.is_regenerable(t) for t in targets) and (
                follows or kind == "exec" and any(w.startswith("{}/") for w in inner)) or \
                _find_deleter(kind, inner) and any(x in ("-L", "-follow") for x in cmd.args) and not all(
                    a.place(s, scope).kind in (P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE) for s in starts):
            # (and any delete that follows links found below a start outside the project — /tmp, $TMPDIR, a
            # cache: anyone may leave a link there, and `-L` deletes what it points to, regenerable names or not)
            # `find -L . -type d -exec rm -rf {} +`, `find . -type l -exec rm -rf {}/ \;`: the trees removed are
            # what the links point to — anywhere, the home directory included — not only what is under the start
            a.emit("fs.delete-unresolved", cmd, target="what the symbolic links under " + ", ".join(starts[:3])
                   + " point to", effect="delete", note="find follows links into trees it does not start in")
        if links and (kind == "delete" or bool(inner) and inner[0].rsplit("/", 1)[-1] in ("rm", "unlink", "rmdir",
                                                                                           "shred")):
            # `find . -type l -delete`, `find . -xtype l -exec rm {} \;`: the links themselves, whichever are
            # found when it runs — not the start, and never what they point to
            broken = all(k == "-xtype" for k, _ in types)  # dangling links: nothing they point to is there
            for t in targets:
                kind_ = a.place(t, scope).kind
                shown = P.display(a.place(t, scope).path, a.pctx) or t
                if kind_ in (P.SELF, P.PROTECTED, P.TEMP, P.REGENERABLE, P.MISSING, P.DEVICE):
                    judge_delete(a, cmd, t, scope)
                elif kind_ in (P.ROOT, P.SYSTEM):
                    # every link below / or /etc: /lib64's loader, /etc/alternatives — the system stops working
                    a.emit("fs.delete-system", cmd, target=shown, effect="delete", note="the symbolic links in it")
                elif kind_ in (P.HOME, P.OUTSIDE):
                    a.emit("fs.delete-outside-workspace", cmd, target=shown, effect="delete",
                           note="the symbolic links in it")
                elif not broken:
                    judge_delete(a, cmd, t.rstrip("/") + "/" + U, scope)
            continue
        if kind == "delete":
            if empty or dirs_only and not through:
                # `find . -type d -delete`: -delete removes a directory as rmdir does — only one left empty once
                # what it held is gone, and find deletes no file here: the empty directories, nothing they held
                continue
            a.by_name = True  # a -name matches at any depth: judged by name, never as the shell's glob here
            try:
                _find_delete(a, cmd, scope, expr, targets, names, paths_)
            finally:
                a.by_name = False
        else:
            _find_exec(a, cmd, scope, expr, targets, names, paths_, inner)


def _find_delete(a, cmd, scope, expr, targets, names, paths_):
    """find's -delete over its targets (each start, or start/NAME for each -name filter)."""
    selects = any(x in _FIND_SELECTS for x in expr)
    for t in targets:
        if not names and not paths_ and (selects or _find_spares_start(cmd.args)) and \
                _scratch_start(a, a.place(t, scope)):
            # `find /tmp -type f -mtime +1 -delete`, `find /tmp -maxdepth 1 -type f -delete`: entries below the
            # scratch directory (files older than a day, or every file) — never /tmp itself, which the tests
            # (a -type that is no directory, -mindepth 1) do not select: as `rm /tmp/*`
            judge_delete(a, cmd, t.rstrip("/") + "/*", scope)
        elif not names and not paths_ and _find_maxdepth(cmd.args) == 1 and _find_spares_start(cmd.args) and \
                a.place(t, scope).kind in (P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE):
            # `find . -maxdepth 1 -type f -delete`: the files directly in the directory, as `rm ./*` — not the
            # subdirectories, .git among them (-delete removes no directory that still holds something)
            judge_delete(a, cmd, t.rstrip("/") + "/*", scope)
        elif not names and not paths_ and selects and a.place(t, scope).kind in (
                P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE):
            # `find . -mtime +31 -delete`, `find . -inum N -delete`: the entries the tests select,
            # somewhere below — which ones is only known when it runs; not the workspace itself
            judge_delete(a, cmd, t.rstrip("/") + "/" + U, scope)
        elif not names and not paths_:
            judge_delete(a, cmd, t, scope)
        else:
            place = a.place(t, scope)
            if place.kind in (P.ROOT, P.HOME, P.SYSTEM, P.WORKSPACE_ROOT, P.WORKSPACE_ALL):
                # a name filter inside a broad tree: judge by what the filter selects
                base = a.place(t.rsplit("/", 1)[0] or "/", scope)
                if P.is_regenerable(place.path or t):
                    a.emit("fs.delete-regenerable", cmd, target=t, effect="delete")
                elif base.kind in (P.WORKSPACE_ROOT, P.WORKSPACE):
                    a.emit("fs.delete-source", cmd, target=t, effect="delete")
                else:
                    judge_delete(a, cmd, t.rsplit("/", 1)[0] or "/", scope)
            else:
                judge_delete(a, cmd, t, scope)


def _find_exec(a, cmd, scope, expr, targets, names, paths_, inner):
    """find's -exec/-ok: the program run on what find hands it, judged with {} as those entries."""
    if not inner:
        return
    selective = not names and not paths_ and any(x in _FIND_SELECTS for x in expr)
    dumps = not names and not paths_ and inner[0].rsplit("/", 1)[-1] in DUMPERS
    # `find . -exec sh -c 'echo {}' \;`: each name find yields becomes part of the code a shell runs — names
    # only known when it runs (a file named `$(…)` is code there), never the start alone
    coded = inner[0].rsplit("/", 1)[-1] in SHELLS and any("{}" in w and w != "{}" for w in inner[1:])
    plain = False
    code = next((inner[k + 1] for k, w in enumerate(inner[:-1]) if w == "-c"), "")
    if coded and not any(U in w for w in inner):
        # (find_selection_now: nothing written before it; reads_only: the code makes no name while find lists)
        # … unless every name it would hand the code, on disk now, is a plain word (letters, digits, `._-/+@,:%`
        # and blanks: no quote, `$`, backtick or other character the shell reads as code there) — or there is
        # no such name at all: the code is never run, so no name it would write can be handed back to it either
        # (`find . -name '*.zip' -exec sh -c 'unzip -d "$(dirname {})" {}' \;` where no archive is there). The
        # code is still judged, with {} as a plain unknown name: what it would do to such a name is its effect.
        starts = [t.rsplit("/", 1)[0] if names or paths_ else t for t in targets]
        got = find_selection_now(a, cmd, scope, list(dict.fromkeys(starts)), handed=inner)
        plain = got is not None and (not got or reads_only(code) and
                                     all(_PLAIN_NAME_CHARS.fullmatch(x) for x in got))
    for t in targets[:4]:
        if coded and U not in t:
            t = (t.rsplit("/", 1)[0] if names or paths_ else t).rstrip("/") + "/" + U
            a.plain_words = plain
        elif dumps or selective and a.place(t, scope).kind not in (P.ROOT, P.HOME, P.SYSTEM, P.SELF,
                                                                 P.PROTECTED) or \
                not names and not paths_ and (selective or _find_spares_start(cmd.args)) and \
                _scratch_start(a, a.place(t, scope)):
            # (a scratch root such as /tmp is a system directory itself, but what the tests select below it —
            # `find /tmp -type f -mtime +30 -exec rm -f {} \;` — is scratch files, not /tmp)
            # `find . -type d -mtime 0 -exec mv {} /target \;`: {} is each entry the tests select,
            # some entries below the start whose names are only known when it runs — not the start
            start = a.place(t, scope)
            t = t.rstrip("/") + "/" + U
            if _scratch_start(a, start) and not any(x in ("-L", "-H", "-follow") for x in cmd.args) \
                    and inner[0].rsplit("/", 1)[-1] in ("rm", "unlink", "rmdir") \
                    and all(w == "{}" for w in inner if "{}" in w):
                # deleting below a scratch directory (`find /var/tmp/stuff -mtime +90 -exec rm {} \;`):
                # what find yields never climbs out of its start, and `rm` of an entry (not `{}/`)
                # removes a link, not what it points to — entries of the scratch directory
                t = t[:-1] + "*"
        argv = [w.replace("{}", t) if "{}" in w else w for w in inner]
        if inner[0].rsplit("/", 1)[-1] in _PERM_PROGRAMS and "{}" in inner and not names \
                and not paths_ and "-maxdepth" not in expr and "-R" not in inner:
            # `find . -type f -exec chmod 666 {} +`: every entry under the start, as `chmod -R 666 .`
            argv = [inner[0], "-R"] + [w.replace("{}", t.rsplit("/" + U, 1)[0] if t.endswith("/" + U)
                                                 else t) if "{}" in w else w for w in inner[1:]]
        a.by_name = True  # t stands for what -name selects at any depth: judged by name, not on disk
        try:
            a.dispatch(cmd.derive(argv), scope)
        finally:
            a.by_name = False
            a.plain_words = False


_PLAIN_NAME_CHARS = _LazyRe(r"[A-Za-z0-9._/+@,:% -]*")


#: Programs that read and print, and create no file: code made only of them cannot make a new name while find
#: is still listing (a name it would then hand on).
_READ_ONLY_CODE = frozenset({"echo", "printf", "cat", "ls", "wc", "grep", "egrep", "fgrep", "head", "tail", "file",
                             "stat", "du", "basename", "dirname", "realpath", "readlink", "test", "[", "[[", "pwd",
                             "cd", "sort", "uniq", "cut", "tr", "md5sum", "sha1sum", "sha256sum", "true", "false",
                             "expr", "seq", "date", "nl", "rev", "column", "find"})


def reads_only(code) -> bool:
    """Shell code (the text of an `sh -c`) whose every command is a reader from _READ_ONLY_CODE, with no
    redirection into a file and no find action that writes: while it runs, no file is created."""
    if not code or re.search(r"(?<![0-9&<])>{1,2}(?!\s*(?:/dev/null|&[0-9]))|-fprint|-fls|-delete|-exec|-ok|\bsed\b", code):
        return False
    for seg in re.split(r"&&|\|\||[;|\n`]|\$\(|^\s*\(", code):
        words = [w for w in seg.replace(")", " ").split() if not re.match(r"^[A-Za-z_]\w*=", w)]
        if words and words[0].strip("'\"").rsplit("/", 1)[-1] not in _READ_ONLY_CODE and words[0] not in ("do", "done", "then", "fi", "else"):
            return False
    return True


_INERT = frozenset({"cd", "pushd", "pwd", "true", ":", "echo", "printf", "sleep", "date", "ls", "which", "type"})


def _nothing_written_before(a, cmd) -> bool:
    """Nothing this command line runs before ``cmd`` changes files: it is the first command, or only `cd`, `echo`,
    `ls` and the like come before it, with no redirection or substitution (`cd app && find . -name x -delete`).
    Whatever is judged from the disk as it is now (what find selects, whether a start exists) holds then."""
    node = getattr(cmd, "node", None)
    if node is None or len(a._sources) != 1:
        return False
    src = a._sources[0]
    src = src if isinstance(src, bytes) else str(src).encode()
    before = src[:node.start_byte].decode("utf-8", "replace")
    if any(c in before for c in "<>`$(){}\\"):
        return False
    if not all(not part.strip() or part.split()[0] in _INERT for part in re.split(r"&&|\|\||[;|&\n]", before)):
        return False
    # … nor alongside it: nothing in the background, and the rest of its pipeline only reads what it prints
    after = src[node.end_byte:].decode("utf-8", "replace")
    if re.search(r"(?<![&>|])&(?![&>])", after):
        return False
    for stage in re.split(r"&&|\|\||[;\n]", after, maxsplit=1)[0].split("|")[1:]:
        words = stage.split()
        if words and words[0].rsplit("/", 1)[-1] not in _PIPE_READERS:
            return False
    return True


#: What may read a find's output in the same pipeline (it runs while find lists).
_PIPE_READERS = frozenset({"xargs", "sort", "uniq", "head", "tail", "wc", "less", "more", "cat", "grep", "tr", "cut",
                           "nl", "column", "rev"})


_FIND_ACTIONS = frozenset({"-delete", "-exec", "-execdir", "-ok", "-okdir"})
_FIND_NAME_TESTS = frozenset({"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"})


def _actions_unfiltered(expr) -> bool:
    """Some branch of find's top-level -o (or `,`) holds an action but no name or path test of its own
    (`-exec rm {} \\; -o -name x`, `-name a -o -delete`): what it acts on is not bounded by the name filters.
    Alternatives inside parentheses (`\\( -name a -o -name b \\) -delete`) are one branch.  An -exec's own
    words are not tests."""
    branches, cur, depth, skip = [], [], 0, False
    for i, x in enumerate(expr):
        if skip:
            if x in (";", "+", "\\;"):
                skip = False
            continue
        if x in ("-exec", "-execdir", "-ok", "-okdir"):
            cur.append(x)
            skip = True
            continue
        if x == "(":
            depth += 1
        elif x == ")":
            depth -= 1
        if depth == 0 and x in ("-o", "-or", ","):
            branches.append(cur)
            cur = []
            continue
        cur.append(x)
    branches.append(cur)
    if len(branches) < 2:
        return False
    for b in branches:
        named = [k for k, x in enumerate(b) if x in _FIND_NAME_TESTS and not (k and b[k - 1] in ("!", "-not"))]
        if any(x in _FIND_ACTIONS for x in b) and not named:
            return True
    return False


def _starts_absent(a, scope, starts) -> bool:
    """None of find's starts is there (a path that does not exist, a glob that matches nothing and names no
    file as written), and nothing before it in this command line writes there: find visits no entry, so none
    of its actions runs.  Another host, an unknown part: no."""
    if a.remote:
        return False
    for s0 in starts:
        if U in s0:
            return False
        place = a.place(s0, scope)
        if not place.path or U in place.path:
            return False
        if place.glob and _glob_any(place.path):
            return False
        if os.path.lexists(place.path) or any(w and (w == place.path or P._under(w, place.path)
                                                     or P._under(place.path, w)) for w in a.written):
            return False
    return True


def _find_deleter(kind, inner) -> bool:
    """A find action that deletes what it is handed and nothing else: -delete, -exec rm|unlink|rmdir {}."""
    if kind == "delete":
        return True
    return bool(inner) and inner[0].rsplit("/", 1)[-1] in ("rm", "unlink", "rmdir") and \
        all(w == "{}" or (w.startswith("-") and w != "--") for w in inner[1:]) and "{}" in inner


def _find_deletes_recoverable(a, cmd, scope, starts, actions) -> bool:
    """What this find's deleting actions would be handed, on disk now (``find_selection_now``), is nothing, or
    only files of the workspace that git holds unchanged (`git checkout` restores them)."""
    if not any(_find_deleter(k, inner) for k, inner in actions):
        return False
    sel = find_selection_now(a, cmd, scope, starts)
    if sel is None or len(sel) > 200:
        return False
    if not sel:
        return True  # nothing there to delete, wherever the start is
    kinds = [P.classify(x, a.pctx, glob=False).kind for x in sel]
    # build outputs, caches, scratch files, or project files git holds as they are
    return all(k in (P.REGENERABLE, P.TEMP, P.MISSING, P.WORKSPACE) for k in kinds) and \
        _recoverable(a, [x for x, k in zip(sel, kinds) if k == P.WORKSPACE])


def _scratch_start(a, start) -> bool:
    """find's start is a scratch directory here, as it really is (a link into the home directory is not)."""
    if not start.path or a.remote or U in start.path:
        return False
    real = os.path.realpath(start.path)
    return real.rstrip("/") + "/" in P.TEMP_DIRS or P.classify(real, a.pctx).kind == P.TEMP


_FIND_READERS = frozenset(("cat", "grep", "egrep", "rg", "ls", "head", "tail", "wc", "stat", "file", "echo", "printf",
                           "md5sum", "sha1sum", "sha256sum", "du", "basename", "dirname", "realpath", "jq", "less"))


def _find_reaches_self(a, cmd, scope, starts, names, paths_, actions):
    """`find . -name settings.json -delete` / `-exec sed -i … {} +`: a name filter matches at any depth,
    so a start directory holding one of Interlock's files that fits the filter is reached."""
    acting = [k for k, inner in actions if k == "delete" or (inner and inner[0] not in _FIND_READERS and
                                                             not _shell_code_reads_only(inner))]
    if not acting:
        return False
    from fnmatch import fnmatchcase

    depth = _find_maxdepth(cmd.args)
    for s0 in starts:
        sp = a.place(s0, scope)
        if not sp.path or U in sp.path:
            continue
        base = sp.path.rstrip("/") + "/"
        for g in a.pctx.self_paths:
            if not g.startswith(base) or g.endswith("/**"):
                continue
            if depth is not None and g[len(base):].count("/") + 1 > depth:
                continue  # `-maxdepth 0` tests the start alone; a file deeper than N levels is never reached
            leaf = g.rsplit("/", 1)[-1]
            if names and not any(fnmatchcase(x, n) or fnmatchcase(n, leaf) for n in names if U not in n
                                 for x in _glob_instances(g)):
                continue
            if paths_ and not any(fnmatchcase(g, p if p.startswith("/") else "*" + p.lstrip(".")) for p in paths_):
                continue
            if not names and not paths_:
                continue  # no filter: judged as a delete of the tree itself
            a.emit("interlock.self-protect", cmd, target=P.display(g, a.pctx), effect="delete"
                   if "delete" in acting else "overwrite")
            return True
    return False


def _shell_code_reads_only(inner) -> bool:
    r"""`-exec sh -c 'echo "$0"' {} \;`: a shell given code made only of readers (reads_only) changes no file."""
    if not inner or inner[0].rsplit("/", 1)[-1] not in SHELLS:
        return False
    code = next((inner[k + 1] for k, w in enumerate(inner[:-1]) if w == "-c"), "")
    return bool(code) and reads_only(code)


def _project_or_scratch(a, scope, start) -> bool:
    """find's start lies in the project (or a scratch directory): its empty entries are the project's own."""
    place = a.place(start, scope)
    return place.kind in (P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE, P.TEMP, P.REGENERABLE, P.MISSING) or \
        _scratch_start(a, place)


def _find_follows(args) -> bool:
    return any(x in ("-L", "-H", "-follow") for x in args)


def _find_spares_start(args) -> bool:
    """find's tests never select the start directory itself: `-mindepth 1` (or more), or a `-type` that is
    no directory (`-type f`, `-type l`) with no alternative (`-o`) or negation beside it."""
    for i, x in enumerate(args[:-1]):
        if x == "-mindepth" and args[i + 1].isdigit() and int(args[i + 1]) >= 1:
            return True
    if any(x in ("-o", "-or", ",", "!", "-not") for x in args):
        return False
    types = [args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-type", "-xtype")]
    return bool(types) and all(v and "d" not in v for v in types)


def _find_maxdepth(args):
    """find's `-maxdepth N` (a global option wherever it stands; the smallest when given twice), or None."""
    out = None
    for i, x in enumerate(args[:-1]):
        if x == "-maxdepth" and args[i + 1].isdigit():
            out = min(int(args[i + 1]), out if out is not None else 1 << 30)
    return out


def _glob_instances(g):
    """The names a protected path's leaf stands for, to test a find name filter against: the leaf itself when
    it is a plain name; for a glob (`settings*.json`) the names it is written for (`settings.json`,
    `settings.local.json`) and every name on disk it matches now — never the glob's own text, whose `*` is
    no character of a real file name (`-name '*[*]*'` selects no settings file)."""
    leaf = g.rsplit("/", 1)[-1]
    if not any(c in leaf for c in "*?["):
        return [leaf]
    import glob as _glob

    out = {leaf.replace("*", ""), leaf.replace("*", ".local")}
    try:
        out.update(os.path.basename(x) for x in _glob.glob(g)[:64])
    except OSError:
        pass
    return sorted(out)


def _find_secret_search(a, cmd, scope, starts, names, actions=(), icase=()):
    """`find ~ -name '.env*'`: hunting for credential files outside the workspace.  A find that only lists
    names (no -exec, or one that shows names: ls, stat, echo…) reads no file: it is a hunt only when its
    pattern aims at credential files (secrets.glob_aims_at_secrets), not when a broad pattern
    (`find / -iname '*python*'`, `find ~ -name '.*'`) merely fits a secret's name too.  What an -exec
    does with the files is judged on its own (the command is dispatched with the files it gets)."""
    from ..secrets import glob_aims_at_secrets, glob_may_name_secret

    named = [n for n in names if U not in n and n]
    lists = all(inner and inner[0].rsplit("/", 1)[-1] in _FIND_LISTERS for kind, inner in actions if kind == "exec")
    if lists:
        aimed = next((n for n in named if glob_aims_at_secrets(n, a.pctx.home, n in icase)), None)
    else:
        aimed = next((n for n in named if glob_may_name_secret("/x/" + n, a.pctx.home) or glob_may_name_secret(
            "/x/." + n.lstrip("."), a.pctx.home)), None)
    if aimed is None:
        return
    for s0 in starts:
        place = a.place(s0, scope)
        if place.kind in (P.HOME, P.ROOT, P.SYSTEM, P.OUTSIDE):
            where = P.display(place.path, a.pctx)
            if lists:
                a.emit("secrets.hunt", cmd, target=where, effect="search-secrets",
                       note=f"lists files named like {aimed!r} over {where}: a search for credential files")
            else:
                a.emit("secrets.read-file", cmd, target=where, effect="search-secrets",
                       note=f"runs a program on the files named like {aimed!r} it finds over {where}")
            return


#: find tests that select some entries by time, size, owner or mode (not every entry below the start).
_FIND_SELECTS = frozenset(("-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-anewer", "-cnewer",
                           "-newermt", "-newerct", "-size", "-user", "-group", "-uid", "-gid", "-perm", "-empty",
                           "-links", "-inum", "-samefile", "-regex", "-iregex", "-nouser", "-nogroup", "-used"))


class _Documents:
    """knowledge/documents.toml: a -name glob that selects documents, sources or media by extension."""

    def __init__(self, raw):
        self.glob = re.compile(r"^\*\.(" + "|".join(raw["extensions"]) + r")$", re.I)
        self.examples = raw["examples"]


def documents():
    """The pattern of a -name glob that selects only documents, sources or media (`*.md`, `*.PNG`)."""
    from ...knowledge import model

    return model("documents.toml", _Documents).glob


#: Programs an -exec may run on what find finds that show names or metadata, not contents.
_FIND_LISTERS = frozenset(("ls", "stat", "echo", "printf", "basename", "dirname", "realpath", "readlink", "du",
                           "file", "wc", "md5sum", "sha1sum", "sha256sum", "touch", "test", "[", "chmod"))


# --- shells, eval, source, scripts ---------------------------------------------------------------

SHELLS = ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "yash", "posh", "rbash")


def _opaque_from_text(a, cmd, default="shell.opaque-eval"):
    t = cmd.evidence()
    if re.search(r"\b(curl|wget|fetch|iwr|Invoke-WebRequest)\b", t):
        a.emit("shell.opaque-download", cmd, effect="run")
    elif re.search(r"\b(base64|base32|xxd|openssl|gunzip|zcat)\b", t):
        a.emit("shell.opaque-decoded", cmd, effect="run")
    else:
        a.emit(default, cmd, effect="run")


def _run_stdin(a, cmd, scope, language):
    st = cmd.stdin
    if st is None:
        return
    kind = st[0]
    if kind == "text":
        if language == "shell":
            a.nested_shell(st[1], cmd, scope, origin=("<stdin>", st[2]) if st[2] else None)
        else:
            inline_code(a, language, st[1], cmd, scope)
    elif kind == "file":
        if U in st[1]:
            a.emit("shell.opaque-eval", cmd, effect="run")
        elif not a.script_file(st[1], cmd, scope, language=language):
            if check_read(a, cmd, st[1], scope):
                return
    elif kind == "opaque":
        a.emit(st[1], cmd, effect="run", note=st[2])
    elif kind == "unknown":
        a.emit("shell.opaque-stdin", cmd, effect="run", note=f"input produced by {st[1]}")


@handles(*SHELLS)
def shell(a, cmd, scope):
    args = cmd.args
    i = 0
    command_string = None
    has_c = False
    while i < len(args):
        x = args[i]
        if x == "--":
            i += 1
            break
        if x in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if x.startswith("--"):
            i += 1
            continue
        if x.startswith(("-", "+")) and len(x) > 1:
            if "c" in x[1:] and x[0] == "-":
                has_c = True
            i += 1
            continue
        break
    operands = args[i:]
    opts = args[:i]
    if any(o.startswith("-") and not o.startswith("--") and "n" in o[1:] for o in opts) and not has_c:
        return  # bash -n: syntax check only, runs nothing
    if any(o.startswith("-") and not o.startswith("--") and "s" in o[1:] for o in opts) and not has_c:
        _run_stdin(a, cmd, scope, "shell")  # bash -s ARGS: the script comes on stdin
        return
    if has_c:
        if not operands:
            return
        command_string = operands[0]
        if command_string == U or (U in command_string and not command_string.replace(U, "").strip()):
            _opaque_from_text(a, cmd)
            return
        a.nested_shell(command_string, cmd, scope)
        return
    if operands:
        script = operands[0]
        if U in script or script.startswith("/dev/fd/") and script not in a.written_text:
            _opaque_from_text(a, cmd, "shell.opaque-stdin")
            return
        if any(o[:1] == "-" and not o.startswith("--") and ("x" in o or "v" in o) for o in opts) or \
                any(opts[k] in ("-o", "+o") and k + 1 < len(opts) and opts[k + 1] in ("xtrace", "verbose")
                    for k in range(len(opts))):
            if check_read(a, cmd, script, scope):  # bash -x .env traces every line, values expanded
                return
        if not a.script_file(script, cmd, scope, language="shell", args=operands[1:]):
            _unreadable_script(a, cmd, scope, script)
        return
    _run_stdin(a, cmd, scope, "shell")


def _unreadable_script(a, cmd, scope, script):
    """A script we could not read: written by this same command, or out of sight."""
    path = P.resolve(script, a._scope_ctx(scope))
    if path in a.written:
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"{script} is written by this same command")
    elif not a.pctx.exists(path):
        ws = a.pctx.workspace or a.pctx.cwd
        if not path.startswith(ws.rstrip("/") + "/"):
            a.emit("shell.opaque-stdin", cmd, effect="run", note=f"{script} is not on disk to be checked")
    else:
        _pipe_script(a, cmd, script, path)


def _pipe_script(a, cmd, raw, path):
    """A script that is a FIFO or socket: another process writes what runs (it is never opened here)."""
    from ...fsread import is_special

    if is_special(path):
        a.emit("shell.opaque-stdin", cmd, effect="run",
               note=f"{raw} is not a regular file: what it holds is known only when it runs")


@handles("eval")
def eval_(a, cmd, scope):
    src = " ".join(cmd.args)
    if U in src:
        if _env_setup_only(cmd.evidence()):
            return
        _opaque_from_text(a, cmd)
        return
    a.nested_shell(src, cmd, scope)


@handles("source", ".")
def source(a, cmd, scope):
    if not cmd.args:
        return
    f = cmd.args[0]
    if U in f or f.startswith("/dev/fd/") and f not in a.written_text:  # <(…) whose output is known: read
        if _env_setup_only(cmd.evidence()):
            return  # `source <(kubectl completion bash)`: a shell set-up program's output, as `eval "$(…)"`
        _opaque_from_text(a, cmd)
        return
    place = a.place(f, scope)
    own = place.kind == P.WORKSPACE and place.path and not place.glob and \
        is_secret_path(place.path, a.pctx.home, a.secret_extra, a.secret_exempt) and _own_dotenv(a, place.path)
    # `set -a; source .env; set +a; node app.js`: the project's own settings loaded into the shell, shown to
    # no one; printing or sending them afterwards is judged where it happens (secrets.env-dump, send-env).
    # Another project's or the home's secrets stay a credential read: the agent was not given those.
    if not own and check_read(a, cmd, f, scope):
        return
    if not a.script_file(f, cmd, scope, language="shell", args=cmd.args[1:]):
        _pipe_script(a, cmd, f, P.resolve(f, a._scope_ctx(scope)))


def planted_elsewhere(a, cmd, scope, script) -> bool:
    """A start-up line (`echo 'source /tmp/x.sh' >> ~/.zshrc`) that runs a script in a directory anyone may write
    (/tmp, /var/tmp, /dev/shm): what runs at every start is whatever that file holds then, not what can be read now.
    (A script of the user's own, `. "$HOME/.cargo/env"`, is read now if it is there; writing it later is judged then.)"""
    if not getattr(a, "planting", False):
        return False
    place = a.place(script, scope)
    if not place.path or not (place.kind == P.TEMP or place.path.startswith("/dev/shm/")):
        return False
    why = f"{script} is in a directory anyone may write: what runs at every start is whatever it holds then"
    a.emit("shell.opaque-stdin", cmd, target=P.display(place.path, a.pctx), effect="run-later", note=why)
    return True


_ASSIGNMENT_LINE = _LazyRe(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=\S*(?:\s*#.*)?$|^\s*(?:#.*)?$|"
                           r"""^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(?:"[^"`$]*"|'[^']*')\s*(?:#.*)?$""")


def _own_dotenv(a, path) -> bool:
    """A settings file of the project itself that only assigns variables: a regular file inside the
    workspace (a link out of it is the file it leads to) whose every line is `NAME=value`, a comment or
    blank. Anything else, sourced, would print its lines in the shell's errors (`-----BEGIN…: command not
    found`) or run them: that stays a read of the secret."""
    try:
        real = os.path.realpath(path)
        ws = os.path.realpath(a.pctx.workspace or a.pctx.cwd)
        if not real.startswith(ws.rstrip("/") + "/") or not os.path.isfile(real) or os.path.getsize(real) > 1 << 20:
            return False
        text = a.read_file(real)
    except (OSError, ValueError):
        return False
    if text is None:
        return False
    return all(_ASSIGNMENT_LINE.match(line) for line in text.splitlines())


_SHEBANG_LANG = (("python", "python"), ("node", "node"), ("deno", "deno"), ("bun", "node"), ("perl", "perl"),
                 ("ruby", "ruby"), ("php", "php"), ("bash", "shell"), ("zsh", "shell"), ("sh", "shell"),
                 ("ksh", "shell"), ("dash", "shell"))
_EXT_LANG = {".sh": "shell", ".bash": "shell", ".zsh": "shell", ".py": "python", ".js": "node", ".mjs": "node",
             ".cjs": "node", ".ts": "node", ".pl": "perl", ".rb": "ruby", ".php": "php"}


def script_language(path, text):
    if text.startswith("#!"):
        line = text.split("\n", 1)[0]
        for key, lang in _SHEBANG_LANG:
            if key in line:
                return lang
    ext = posixpath.splitext(path)[1]
    return _EXT_LANG.get(ext)


def run_script_path(a, cmd, scope, anywhere=False):
    """``./deploy.sh`` and friends: read the file and analyse it in its language.  ``anywhere``: also
    outside the workspace (a git hook under core.hooksPath)."""
    raw = cmd.argv[0]
    path = P.resolve(raw, a._scope_ctx(scope))
    ws = a.pctx.workspace or a.pctx.cwd
    if not anywhere and not path.startswith(ws.rstrip("/") + "/"):
        return False
    text = a.read_file(path)
    if text is None:
        if path in a.written:
            a.emit("shell.opaque-eval", cmd, effect="run", note=f"{raw} is written by this same command")
            return True
        return False
    lang = script_language(path, text)
    if lang is None:
        return _shebang_command(a, cmd, scope, raw, text)
    return a.script_file(raw, cmd, scope, language=lang, args=cmd.args)


def _shebang_command(a, cmd, scope, raw, text):
    """A script whose `#!` line names no language Interlock reads directly (`#!/usr/bin/env -S uv run --script`,
    `#!/usr/bin/env -S deno run -A`, `#!/usr/local/bin/my-runner`): the kernel runs that line with the script's
    path (and arguments) after it — judged as that command."""
    import shlex

    if not text.startswith("#!"):
        return False
    words = text.split("\n", 1)[0][2:].split()
    if words and words[0].rsplit("/", 1)[-1] == "env":
        words = [w for w in words[1:] if w not in ("-S", "--split-string")]
    if not words:
        return False
    a.nested_shell(" ".join(words + [shlex.quote(x) for x in [raw] + list(cmd.args)]), cmd, scope)
    return True


MAX_PICKLE = 64 << 20


def _whole_pickles(data: bytes) -> bool:
    """``data`` is one or more well-formed pickles, end to end (pickletools reads every opcode)."""
    import io
    import pickletools

    if not data:
        return False
    bio = io.BytesIO(data)
    try:
        while bio.tell() < len(data):
            start = bio.tell()
            for _ in pickletools.genops(bio):
                pass
            if bio.tell() == start:
                return False
    except Exception:
        return False
    return True


def unpickled(a, cmd, raw, scope):
    """Code loads a pickle file (`pickle.load(open('model.pkl', 'rb'))`): unpickling calls whatever the file
    names.  A file that is not there loads nothing; one on this machine is read first (picklescan) and
    only what calls something dangerous (os.system, eval, subprocess…), cannot be read, or is too large
    to read within the hook stays an opaque payload."""
    why = None
    if not raw or U in raw or a.remote:
        why = "a pickle file Interlock cannot read first"
    else:
        path = P.resolve(raw, a._scope_ctx(scope))
        if path in a.written:
            why = f"{raw} is written by this same command"
        elif not a.pctx.exists(path):
            return  # nothing to load: the call fails
        else:
            try:
                import os as _os

                if not _os.path.isfile(path) or _os.path.getsize(path) > MAX_PICKLE:
                    why = f"{raw} is not a regular file under {MAX_PICKLE >> 20} MB that can be read first"
                else:
                    import io

                    from picklescan.scanner import SafetyLevel, scan_pickle_bytes

                    from ...fsread import read_regular

                    data = read_regular(path, MAX_PICKLE + 1)  # read once: what is scanned is what is checked
                    if len(data) > MAX_PICKLE or not _whole_pickles(data):
                        # bytes that are not pickles hide what a seek could reach (the scanner stops there)
                        why = f"{raw} holds more than well-formed pickles"
                    else:
                        res = scan_pickle_bytes(io.BytesIO(data), raw)
                        base = _os.path.dirname(path)
                        bad = [f"{g.module}.{g.name}" for g in res.globals if g.safety == SafetyLevel.Dangerous or (
                            # a callable of a module beside the file or in the workspace: code picklescan does not
                            # know, which unpickling imports and calls (installed libraries are the user's)
                            g.safety != SafetyLevel.Innocuous and any(
                                _os.path.exists(_os.path.join(d, g.module.split(".")[0]) + ext)
                                for d in {base, a.pctx.cwd, a.pctx.workspace or base} for ext in (".py", "")))]
                        if res.scan_err or bad or res.issues_count:
                            why = f"the pickle {raw} calls {', '.join(bad[:3])}" if bad else \
                                f"the pickle {raw} could not be read"
            except Exception as e:  # fail closed
                why = f"the pickle {raw} could not be read ({type(e).__name__})"
    if why:
        a.emit("shell.opaque-decoded", cmd, effect="run", note=why)


# --- interpreters -----------------------------------------------------------------------------

def inline_code(a, language, code, cmd, scope, origin=None):
    from .. import inline
    from .decode import fold_js, fold_perl_ruby, fold_python

    folded = fold_python(code) if language == "python" else fold_js(code) if language in ("node", "deno") else \
        fold_perl_ruby(code) if language in ("perl", "ruby") else None
    if folded is not None:  # decoding calls on literals (bytes.fromhex, codecs, base64, Buffer.from, atob)
        code = folded
    try:
        effects = inline.effects(language, code)
    except Exception as e:  # the analyzer must never crash the hook
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"could not analyse {language} code: {e}")
        return
    from .hunting import inline as _hunt

    n_before = len(a.findings)
    _hunt(a, language, code, cmd)
    from . import netshell

    netshell.code(a, language, code, cmd)  # a connection handed to a shell: a reverse shell in any language
    if a.session_files and language in ("python", "node", "ruby", "deno"):
        _imported_files(a, language, code, cmd, scope)
    apply_effects(a, language, effects, cmd, scope, origin)
    if not any(f.rule.startswith(("http.", "cloud.")) and f.severity != "opaque" for f in a.findings[n_before:]):
        from .runners_any import scan_and_emit  # the floor under every language: requests the text can send

        scan_and_emit(a, cmd, code, lang=language if language in ("ruby", "php", "lua") else None)
    _code_uses_interlock(a, cmd, language, code)
    low = code.lower()
    if any(k in low for k in ("execute", "exec", "query", "raw", "sql", ".run(", "prepare", "statement")):
        from .databases import inline_sql

        inline_sql(a, language, code, cmd, scope)  # SQL executed from code: cursor.execute("DROP TABLE …")
    from .databases import orm_inline

    orm_inline(a, language, code, cmd, scope)  # ORM calls that drop the schema or empty a table


#: standard-library modules whose command line prints the files it is given
_PY_PRINTERS = frozenset({"json.tool", "base64", "quopri", "uu", "tokenize", "zipfile", "tarfile", "gzip"})

#: calls in inline code that print or send what the program holds (a parsed config included)
_SHOWS = re.compile(r"\b(?:console\.(?:log|dir|info|warn|error|table)|print|println|printf|puts|pp|p|echo|"
                    r"process\.stdout\.write|sys\.stdout\.write|pprint|writeFileSync|writeFile|copyFileSync|"
                    r"copyFile|fetch|json\.dump|JSON\.stringify|say)\s*\(|\bputs\s|\bprint\s")


_LITERAL_ONLY = re.compile(r"""\s*(?:'[^'\\]*'|"[^"\\]*"|`[^`$\\]*`)\s*\)""")


def _shows(code):
    """Inline code that prints or sends something other than a fixed string (`console.log('valid JSON')` shows
    nothing of what it parsed; `console.log(cfg.mcpServers)`, `print(json.load(f))` do)."""
    for m in _SHOWS.finditer(code):
        if not m.group(0).endswith("(") or not _LITERAL_ONLY.match(code, m.end()):
            return True
    return False


def apply_effects(a, language, effects, cmd, scope, origin=None):
    """Judge what code does (inline.Effect values: deletes, shell lines, reads, writes, requests)."""
    for eff in effects:
        loc = f"{origin[0]}:{eff.line + origin[1]}" if origin else (cmd.origin or None)
        sub = Cmd([language], cmd.node, None, (), None, loc, eff.evidence, cmd.sudo, cmd.remote)
        if eff.kind == "delete":
            if eff.target is None:
                a.emit("fs.delete-unresolved", sub, target="<computed path>", effect="delete")
            else:
                judge_delete(a, sub, eff.target, scope)
        elif eff.kind == "shell":
            if eff.target:
                prev = a.origin_stack
                a.nested_shell(eff.target, sub, scope)
                a.origin_stack = prev
        elif eff.kind == "opaque":
            ev = eff.evidence or ""
            rule = "shell.opaque-decoded" if re.search(r"b64|base64|decode|codecs|pickle|marshal|zlib", ev) \
                else "shell.opaque-eval"
            a.emit(rule, sub, effect="run")
        elif eff.kind == "unpickle":
            unpickled(a, sub, eff.target, scope)
        elif eff.kind == "run":  # runpy.run_path('x.py'), exec(open('x.py').read()): that file's code runs here
            if not eff.target or U in eff.target or not a.script_file(eff.target, sub, scope, language=language):
                a.emit("shell.opaque-eval", sub, effect="run", note=f"runs {eff.target or 'a file'}, which Interlock cannot read first")
        elif eff.kind == "write" and eff.target:
            check_overwrite(a, sub, eff.target, scope=scope)
        elif eff.kind == "read" and eff.target:
            # the program holds the text (a literal token included); a config that may keep tokens is judged
            # only when the code also prints or sends something (`console.log(JSON.parse(…).mcpServers)`) —
            # parsing it alone shows nothing
            if not stdin_read(a, sub, eff.target, scope) and not origin and \
                    _shows(" ".join(x for x in cmd.args if " " in x or "(" in x)):
                check_read(a, sub, eff.target, scope)
        elif eff.kind == "http":
            from .. import http as H

            H.judge_http_effect(a, sub, scope, eff)
            cli = _aws_sdk_as_cli(eff.http)
            if cli:  # an AWS SDK call is the AWS CLI's operation of the same name: one judgement for both
                prev = a.origin_stack
                a.nested_shell(cli, sub, scope)
                a.origin_stack = prev


_SDK_KV = _LazyRe(r"""([A-Za-z_]\w*)\s*[=:]\s*('[^']*'|"[^"]*"|\[[^\]]*\]|[\w.-]+)""")
_KEBAB = _LazyRe(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _aws_sdk_as_cli(http):
    """`boto3.client('ecs').update_service(desiredCount=0)` / `new StopInstancesCommand({InstanceIds: […]})`
    (an ``aws://SERVICE/Operation`` request with the call's arguments as its body) as the AWS CLI command
    that does the same: `aws ecs update-service --desired-count 0`, `aws ec2 stop-instances --instance-ids …`."""
    import shlex

    try:
        method, url, body, _h = http
    except (TypeError, ValueError):
        return None
    if not isinstance(url, str) or not url.startswith("aws://"):
        return None
    svc, _, op = url[6:].partition("/")
    if not re.fullmatch(r"[\w-]+", svc or "") or not re.fullmatch(r"\w+", op or ""):
        return None
    words = ["aws", svc.lower(), _KEBAB.sub("-", op).lower()]
    for m in _SDK_KV.finditer((body or "")[:20000]):
        k, v = m.group(1), m.group(2)
        if v.startswith("["):
            vals = [x.strip().strip("'\"") for x in v[1:-1].split(",") if x.strip()]
        else:
            vals = [v.strip("'\"")]
        words.append("--" + _KEBAB.sub("-", k).replace("_", "-").lower())
        words += vals or [""]
    return " ".join(shlex.quote(w) for w in words[:64])


_IMPORT = {"python": _LazyRe(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))", re.M),
           "node": _LazyRe(r"""(?:require\(|import\(|from\s+)\s*['"](\.{1,2}/[^'"]+)['"]"""),
           "deno": _LazyRe(r"""(?:import\(|from\s+)\s*['"](\.{1,2}/[^'"]+)['"]"""),
           "ruby": _LazyRe(r"""require_relative\s*\(?\s*['"]([^'"]+)['"]""")}


def _imported_files(a, language, code, cmd, scope):
    """Modules the code imports from the working tree: files the agent may have written this session."""
    import posixpath

    base = scope.cwd if U not in scope.cwd else a.pctx.cwd
    names = []
    for m in _IMPORT[language].finditer(code[:200_000]):
        for g in m.groups():
            if g:
                names += [x.strip() for x in g.split(",")]
    for n in names[:32]:
        if language == "python":
            rel = n.replace(".", "/")
            cands = [rel + ".py", rel + "/__init__.py"]
        elif language == "ruby":
            cands = [n if n.endswith(".rb") else n + ".rb"]
        else:
            cands = [n] + [n + e for e in (".js", ".mjs", ".cjs", ".ts", "/index.js")]
        for c in cands:
            a.remembered(posixpath.normpath(posixpath.join(base, c)), cmd, how="imports")


# Code that drives Interlock's own library (approve, add an approver, read the vault, write the
# audit log: every one of them in-process, where no hook sees the step), or that changes the
# variables steering Interlock for what it starts (os.environ[...] = , env={..., 'INTERLOCK_X': },
# dict(os.environ, XDG_CONFIG_HOME=...), process.env.INTERLOCK_X = , delete process.env.X).
_USES_INTERLOCK = _LazyRe(r"(?m)(?:^|[;\s(])(?:from\s+interlock(?:\.|\s+import)|import\s+interlock\b)"
                          r"|(?:__import__|import_module|find_spec|spec_from_file_location)\(\s*['\"]interlock\b"
                          r"|['\"/]interlock/(?:approvals|vault|audit|hookd|policy)\b"
                          r"|get_password\(\s*['\"]interlock['\"]")  # the vault's values in the OS keyring
_STEERING = r"(?:INTERLOCK_[A-Za-z0-9_]*|XDG_CONFIG_HOME|XDG_STATE_HOME)"
_SETS_STEERING = _LazyRe(r"(?<![A-Za-z0-9_])(" + _STEERING + r")['\"]?\s*(?:[\]}]\s*=(?!=)|:(?!:)|=(?!=)|,\s*['\"])"
                         r"|(?:pop|unsetenv|putenv|setenv|delete\s+process\.env\.?|del\s+os\.environ)\W{0,6}"
                         r"(" + _STEERING + r")")


_DYNAMIC_IMPORT = _LazyRe(r"(?:__import__|import_module)\(\s*(?!['\"][\w.]+['\"]\s*[,)])")


# adjacent string literals joined by a language's concatenation ('INTERLOCK_' + 'HOME', "INTER"."LOCK_HOME",
# 'XDG_' 'CONFIG_HOME'): the name the program builds is the joined text
_LITERAL_JOIN = _LazyRe(r"""(['"])\s*(?:\+|\.\.?|~|<>|&)?\s*\1""")


def _code_uses_interlock(a, cmd, language, code):
    joined = _LITERAL_JOIN.sub("", code[:400_000])
    if joined != code:
        code = code + "\n" + joined
    if language == "python" and _DYNAMIC_IMPORT.search(code):
        a.emit("shell.opaque-eval", cmd, effect="run",
               note="imports a module whose name is only known when it runs (it could be Interlock's own)")
    m = _USES_INTERLOCK.search(code)
    if m:
        a.emit("interlock.self-command", cmd, target="the interlock package", effect="run",
               note=f"{language} code uses Interlock's own library: `{m.group(0).strip()[:60]}`")
    for m in _SETS_STEERING.finditer(code):
        a.emit("interlock.env-tamper", cmd, target=m.group(1) or m.group(2), effect="set")
        break


_INTERP = {"python": "python", "pypy": "python", "pypy3": "python", "node": "node", "nodejs": "node",
           "perl": "perl", "ruby": "ruby", "php": "php", "deno": "deno", "bun": "node", "ts-node": "node",
           "tsx": "node"}
_CODE_FLAG = {"python": ("-c",), "node": ("-e", "--eval", "-p", "--print"), "perl": ("-e", "-E"),
              "ruby": ("-e",), "php": ("-r",), "deno": ()}
_ARG_FLAGS = {"python": "WXQ", "node": "r", "perl": "IMmx", "ruby": "IrCFx", "php": "cdzt", "deno": ""}


def interpreter(a, cmd, scope):
    name = cmd.name
    if name in ("perl", "ruby"):
        edits_in_place(a, cmd, scope)
    lang = _INTERP.get(name)
    if lang is None:
        base = name.rstrip("0123456789.")
        lang = _INTERP.get(base, "python")
    args = cmd.args
    if lang == "deno" and any(x.startswith(("http://", "https://", "npm:", "jsr:")) and not x.startswith("-")
                              for x in args[1:] if args[:1] == ["run"]) or \
            name in ("bun", "deno") and any(x.startswith(("http://", "https://")) for x in args):
        a.emit("shell.opaque-download", cmd, effect="run", note="code downloaded when it runs")
        return
    if lang == "deno" or name == "bun":
        if args and args[0] in ("eval", "-e"):
            if len(args) > 1:
                inline_code(a, "node" if name == "bun" else "deno", args[-1], cmd, scope)
            return
        if args and args[0] == "run":
            args = args[1:]
    code_flags = _CODE_FLAG.get(lang, ())
    arg_flags = _ARG_FLAGS.get(lang, "")
    if lang == "python" and any(x.startswith("-m") and len(x) > 2 for x in args):
        k = next(j for j, x in enumerate(args) if x.startswith("-m") and len(x) > 2)
        args = args[:k] + ["-m", args[k][2:]] + args[k + 1:]  # `python -mjson.tool` is `python -m json.tool`
    i = 0
    while i < len(args):
        x = args[i]
        if x == "-m" and lang == "python":
            rest = args[i + 1:]
            if rest and re.match(r"^[A-Za-z_][\w.]*$", rest[0]) and U not in scope.cwd:
                import os

                for cand in (rest[0].replace(".", "/") + ".py", rest[0].replace(".", "/") + "/__main__.py"):
                    path = P.resolve(cand, a._scope_ctx(scope))
                    if path.startswith((a.pctx.workspace or a.pctx.cwd).rstrip("/") + "/") and (
                            os.path.isfile(path) or path in a.written_text or (a.session_files or {}).get(path)):
                        # python -m scripts.fix runs the project's own file
                        if not a.script_file(cand, cmd, scope, language="python", args=rest[1:]) and a.session_files:
                            a.remembered(path, cmd)
                        return
            if rest[:1] in (["interlock"], ["interlock.cli"]):
                _unwrap(a, cmd, scope, ["interlock"] + rest[1:])
                return
            if rest[:1] and rest[0] in _PY_PRINTERS:
                # `python -m json.tool ~/.claude.json`, `python3 -m base64 key`: the module prints the file
                for y in rest[1:]:
                    if not y.startswith("-") and check_read(a, cmd, y, scope):
                        break
                return
            if rest[:1] in (["dotenv"], ["pip"]):  # python -m dotenv list: the module's own CLI
                a.dispatch(cmd.derive(rest), scope)
                return
            from . import clis

            if rest[:1] and rest[0] not in ("venv", "virtualenv") and (rest[0] in clis.index() or (
                    rest[0] in HANDLERS and rest[0] not in ("python", "python3"))):
                # `python -m twine upload dist/*`, `python3 -m celery -A app purge`: a module whose command-line
                # program Interlock knows by name does what that program does
                a.dispatch(cmd.derive(rest), scope)
                return
            if rest[:1] in (["venv"], ["virtualenv"]):  # python -m venv --clear DIR
                for y in rest[1:]:
                    if not y.startswith("-"):
                        _rewrites_environment(a, cmd, scope, y)
                return
            if rest[:1] == ["http.server"]:
                for j, y in enumerate(rest):
                    if y in ("--directory", "-d") and j + 1 < len(rest):
                        check_read(a, cmd, rest[j + 1], scope)
            return
        if x in code_flags or x.startswith("--eval=") or x.startswith("--print="):
            code = x.split("=", 1)[1] if "=" in x else (args[i + 1] if i + 1 < len(args) else "")
            extras = args[i + 1:] if "=" in x else args[i + 2:]
            _analyse_code(a, lang, bind_argv(lang, code, extras), cmd, scope)
            return
        cluster = _switch_cluster(lang, x, args[i + 1] if i + 1 < len(args) else None) \
            if lang in ("perl", "ruby") else None
        if cluster is not None:
            # `perl -ne CODE`, `perl -lnE'CODE'`, `perl -l40pe0`, `ruby -e'CODE'`: the program is in the
            # arguments (the switches before it taken one by one), what comes on stdin is data
            code, taken, switches = cluster
            files = args[i + 1 + taken:]
            prints = "p" in switches or re.search(r"\b(print|printf|say|puts|p)\b", code)
            for f in files:  # perl -ne 'print' FILE reads FILE
                # (and, printing what it matched, shows a literal token the file holds, as grep -o would)
                if not check_read(a, cmd, f, scope) and prints and not f.startswith("-") and U not in f:
                    path = P.resolve(f, a._scope_ctx(scope))
                    if not _loop_filter_misses_tokens(a, code, path):
                        check_file_tokens(a, cmd, path)
            from .hunting import program_search

            program_search(a, cmd, scope, code, files)  # perl -ne 'print if /TOKEN/' ~/…
            _analyse_code(a, lang, code if "n" in switches or "p" in switches else bind_argv(lang, code, files),
                          cmd, scope)
            return
        if lang == "python" and x.startswith("-c") and len(x) > 2:
            _analyse_code(a, lang, x[2:], cmd, scope)
            return
        if x == "-":
            _run_stdin(a, cmd, scope, lang)
            return
        if x.startswith("-"):
            if len(x) == 2 and x[1] in arg_flags:
                i += 1
            i += 1
            continue
        base = x.rsplit("/", 1)[-1]
        if base in ("manage.py", "artisan") and U not in x:
            # framework task runners: their sub-commands are known (flush, migrate:fresh, ...)
            _lazy("databases", base)(a, cmd.derive([base] + args[i + 1:]), scope)
            return
        from . import clis

        if U not in x and "." not in base and base not in HANDLERS and base in clis.index():
            # an application's console script known by name (`php occ maintenance:mode --on`, `php bin/magento
            # maintenance:enable`): judged by its knowledge file too, beside what its text does
            sub = cmd.derive([base] + args[i + 1:])
            sub.text = None
            clis.handler(a, sub, scope)
        # a script file
        if U in x or x.startswith("/dev/fd/") and x not in a.written_text:
            _opaque_from_text(a, cmd, "shell.opaque-stdin")
            return
        if not a.script_file(x, cmd, scope, language=lang if lang != "deno" else "node", args=args[i + 1:]):
            check_read(a, cmd, x, scope)
        return
    _run_stdin(a, cmd, scope, lang)


#: how inline code names its own command-line arguments, per language: (regex of the subscript, the index of the
#: first argument after the code)
_ARGV = {"node": (r"process\.argv\s*\[\s*(\d+)\s*\]", 1), "python": (r"sys\.argv\s*\[\s*(\d+)\s*\]", 1),
         "ruby": (r"(?<![\w$])ARGV\s*\[\s*(\d+)\s*\]", 0), "perl": (r"\$ARGV\s*\[\s*(\d+)\s*\]", 0),
         "deno": (r"Deno\.args\s*\[\s*(\d+)\s*\]", 0), "php": (r"\$argv\s*\[\s*(\d+)\s*\]", 1)}


def bind_argv(lang, code, extras):
    """Inline code with its own arguments written in (`node -e "execSync(process.argv[1])" 'rm -rf ~'`,
    `python -c "os.system(sys.argv[1])" CMD`): each subscript of the program's argv that names a word given on the
    command line becomes that word, as a string literal — what the code does with it is then judged."""
    import json

    spec = _ARGV.get(lang)
    if not spec or not extras or not code:
        return code
    rx, first = spec

    def lit(m):
        k = int(m.group(1)) - first
        if 0 <= k < len(extras) and U not in extras[k]:
            return json.dumps(extras[k])
        return m.group(0)
    return re.sub(rx, lit, code)


#: perl's and ruby's switches that take the rest of their argument as a value (`-F'(.{1,3})'`, `-i.bak`,
#: `-MList::Util`, `-rjson`), and the letter that takes it as the program (perlrun, ruby(1))
_SWITCH_REST = {"perl": "FiIMmxdDC", "ruby": "FiIrCxEKW"}
_SWITCH_CODE = {"perl": "eE", "ruby": "e"}


def _switch_cluster(lang, x, nxt):
    """A perl or ruby switch cluster that carries the program: (code, arguments taken after it, the
    switches before it), or None.  Switches are read one by one as the interpreter reads them: `-0` and
    `-l` take the octal digits that follow (`-l40`, `-0777`, `-0x1ff`), a switch of _SWITCH_REST the rest of the word, and
    the code letter the rest of the word (`-e'CODE'`, `-anE'CODE'`) or, when that is empty, the next
    argument (`-ne CODE`)."""
    if not x.startswith("-") or x.startswith("--") or len(x) < 2:
        return None
    j = 1
    while j < len(x):
        c = x[j]
        if c in _SWITCH_CODE[lang]:
            rest = x[j + 1:]
            if rest:
                return rest, 0, x[1:j]
            return (nxt or "", 1, x[1:j]) if nxt is not None else ("", 0, x[1:j])
        if c in _SWITCH_REST[lang]:
            return None
        j += 1
        if c == "0" and x[j:j + 1] in ("x", "X"):  # -0xHHH
            j += 1
            while j < len(x) and x[j] in "0123456789abcdefABCDEF":
                j += 1
        elif c in "0l":  # -0777, -l40
            while j < len(x) and x[j] in "01234567":
                j += 1
        elif not c.isalpha():
            return None
    return None


_LOOP_FILTER = _LazyRe(r"^\s*(?:print|say|puts)(?:\s+\$(?:1|&|_))?\s+if\s+/((?:[^/\\]|\\.)+)/([imx]*)\s*;?\s*$")


def _loop_filter_misses_tokens(a, code, path) -> bool:
    """`perl -ne 'print if /ERROR/' logs/app.log`: the loop prints only the lines its pattern matches; when no line
    of the file that holds a literal token matches it, no token is printed.  Any other code, a pattern Python's
    re does not read the same way, or a file that cannot be read: False (judged as printing the file)."""
    from ..secrets import file_tokens

    m = _LOOP_FILTER.match(code)
    if not m:
        return False
    try:
        rx = re.compile(m.group(1), re.I if "i" in m.group(2) else 0)
        hits = file_tokens(path, a.secret_exempt)
        if not hits:
            return False
        from ...fsread import read_regular

        lines = read_regular(path, 256 * 1024).decode("utf-8", "replace").split("\n")
        return not any(rx.search(lines[h.line - 1]) for h in hits if 0 < h.line <= len(lines))
    except Exception:
        return False


def _analyse_code(a, lang, code, cmd, scope):
    if U in code:
        a.emit("shell.opaque-eval", cmd, effect="run", note="the code is only known when it runs")
        code = code.replace(U, "None")
    inline_code(a, lang, code, cmd, scope)


for _n in ("python", "python2", "python3", "pypy", "pypy3", "node", "nodejs", "perl", "ruby", "php",
           "deno", "bun", "ts-node", "tsx"):
    HANDLERS[_n] = interpreter


_PREFIXES = (("python", interpreter), ("mkfs", None), ("pypy", interpreter))


# --- notebooks and IPython: Python cells with shell escapes ---------------------------------------------

_IPY_SHELL = _LazyRe(r"^\s*(?:[A-Za-z_]\w*\s*=\s*)?(?:!!?|%(?:sx|system)\s+)(.+)$")
_IPY_CELL_SHELL = _LazyRe(r"^\s*%%(?:bash|sh|script\s+(?:ba|z)?sh|system)\b")


def ipython_split(code):
    """IPython text as (the Python it runs, the shell lines it runs): `!cmd`, `x = !cmd`, `%sx cmd`,
    `%system cmd`, and whole `%%bash`/`%%sh` cells are shell; other magics are left out of the Python."""
    if _IPY_CELL_SHELL.match(code.split("\n", 1)[0]):
        return "", [ln for ln in code.split("\n")[1:] if ln.strip()]
    py, sh = [], []
    for ln in code.split("\n"):
        m = _IPY_SHELL.match(ln)
        if m:
            sh.append(m.group(1))
            py.append("")
        elif ln.lstrip().startswith("%"):
            py.append("")
        else:
            py.append(ln)
    return "\n".join(py), sh


def ipython_code(a, code, cmd, scope, origin=None):
    py, sh = ipython_split(code)
    for line in sh[:64]:
        prev = a.origin_stack
        a.nested_shell(line, cmd, scope)
        a.origin_stack = prev
    if py.strip():
        inline_code(a, "python", py, cmd, scope, origin=origin)


def notebook_file(a, cmd, scope, raw):
    """Run a notebook's code cells (nbconvert --execute, papermill, jupyter execute, ipython X.ipynb): each
    cell is judged as the IPython it is.  A notebook that cannot be read runs what Interlock cannot see."""
    import json as _json

    if U in raw:
        a.emit("shell.opaque-eval", cmd, effect="run", note="a notebook only known when it runs")
        return
    path = P.resolve(raw, a._scope_ctx(scope))
    if a.session_files:
        a.remembered(path, cmd)
    text = a.written_text.get(path) or a.read_file(path)
    if text is None:
        if a.pctx.exists(path):
            a.emit("shell.opaque-eval", cmd, effect="run", note=f"{raw} could not be read")
        return
    try:
        nb = _json.loads(text)
        cells = [c for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (ValueError, AttributeError):
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"{raw} is not a notebook Interlock can read")
        return
    name = P.display(path, a.pctx)
    for n, c in enumerate(cells[:256], 1):
        src = c.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        ipython_code(a, src, cmd, scope, origin=(f"{name} cell {n}", 0))


@handles("ipython", "ipython3", "jupyter", "papermill", "runipy", "jupytext")
def notebooks(a, cmd, scope):
    args = list(cmd.args)
    nbs = [x for x in args if x.endswith((".ipynb", ".ipy")) and not x.startswith("-")]
    if cmd.name in ("ipython", "ipython3"):
        code = _code_arg(cmd, ("-c",))
        if code:
            ipython_code(a, code, cmd, scope)
        if nbs and nbs[0].endswith(".ipynb"):
            notebook_file(a, cmd, scope, nbs[0])
        elif nbs:
            text = a.read_file(P.resolve(nbs[0], a._scope_ctx(scope))) if U not in nbs[0] else None
            if text is not None:
                ipython_code(a, text, cmd, scope)
        elif not code:  # `ipython scripts/fix.py`: runs the file as Python
            files = [x for x in args if not x.startswith("-")]
            if files and (U in files[0] or not a.script_file(files[0], cmd, scope, language="python", args=files[1:])):
                check_read(a, cmd, files[0], scope)
        return
    runs = (cmd.name in ("papermill", "runipy") or
            cmd.name == "jupyter" and args[:1] in (["execute"], ["run"]) or
            cmd.name == "jupyter" and args[:1] == ["nbconvert"] and ("--execute" in args or any(
                x.startswith("--ExecutePreprocessor.enabled=") and x.endswith(("True", "true")) for x in args)) or
            cmd.name == "jupytext" and "--execute" in args)
    if runs:
        for nb in (nbs[:1] if cmd.name == "papermill" else nbs[:8]):  # papermill IN OUT: OUT is written
            if nb.endswith(".ipynb"):
                notebook_file(a, cmd, scope, nb)


_VERSIONED = re.compile(r"([a-z][a-z_+]*?[a-z])-?v?\d+(?:\.\d+)*")


def unversioned(base):
    """The program a versioned name installs (`lua5.4` → lua, `php8.3` → php, `ruby-3.2` → ruby, `node22` → node),
    or None: distributions name interpreters so, and each runs what the plain name does."""
    m = _VERSIONED.fullmatch(base)
    return m.group(1) if m else None


def prefix_handler(base):
    if base.startswith("python") and base[6:].replace(".", "").isdigit():
        return interpreter
    if base.startswith(("mkfs.", "mkfs")) or base in ("mke2fs", "mkswap", "mkdosfs", "mkntfs", "mkexfatfs"):
        return mkfs
    return None


# --- package runners: look into the script they run ---------------------------------------------------

_INSTALL_VERBS = frozenset({"install", "i", "ci", "add", "rebuild", "isntall", "in", "ins", "inst", "insta", "instal"})
# what `npm install` runs of the project's own package.json, in order
_INSTALL_LIFECYCLE = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")


#: npm/pnpm/yarn options that take a value (the word after them is not the command).
_NPM_VALUE_OPTS = frozenset({"-w", "--workspace", "--prefix", "-C", "--dir", "--registry", "--tag", "--access",
                             "--otp", "--filter", "-F", "--cwd", "--userconfig", "--cache", "--loglevel"})


_DIST_TAG_CHANGES = frozenset({"add", "set"})  # (`dist-tag rm`: a removal, infra.cli-delete)


def _npm_verb(args):
    """The command word of an npm/pnpm/yarn line, past options and their values (`npm -w api publish`)."""
    skip = False
    for x in args:
        if skip:
            skip = False
        elif x in _NPM_VALUE_OPTS:
            skip = True
        elif not x.startswith("-"):
            return x
    return None


@handles("npm", "pnpm", "yarn")
def npm(a, cmd, scope):
    args = [x for x in cmd.args if not x.startswith("-")]
    if (not args and cmd.name == "yarn") or (args and args[0] in _INSTALL_VERBS and len(args) == 1):
        # installing the project itself runs its lifecycle scripts (not with --ignore-scripts)
        if "--ignore-scripts" not in cmd.args:
            _package_script(a, cmd, scope, None, keys=_INSTALL_LIFECYCLE)
        return
    if not args:
        return
    if (_npm_verb(cmd.args) == "publish" or (cmd.name == "yarn" and args[:2] == ["npm", "publish"])) and not (
            "--dry-run" in cmd.args or "--help" in cmd.args or "-h" in cmd.args):
        # `npm publish`, `pnpm publish`, `yarn npm publish`: the package goes to the registry for everyone
        a.emit("publish.release", cmd, target=f"{cmd.name} package", effect="publish")
        return
    verb = _npm_verb(cmd.args)
    if verb in ("pkg", "set-script") and cmd.name in ("npm", "pnpm"):
        _set_package_scripts(a, cmd, scope, verb, cmd.args)
        return
    if (verb == "deprecate" or (verb in ("dist-tag", "dist-tags") and len(args) > 1 and args[1] in _DIST_TAG_CHANGES)) \
            and not ("--dry-run" in cmd.args or "--help" in cmd.args or "-h" in cmd.args):
        # what everyone who installs the package gets: a deprecation warning, or `latest` moved to another version
        a.emit("publish.release", cmd, target=f"{cmd.name} package " + " ".join(args[1:3] if verb == "deprecate"
                                                                                else args[2:4]),
               effect="publish", note="deprecates a published version" if verb == "deprecate" else
               "moves a dist-tag (`latest`: what `npm install` gives everyone)")
        return
    if args[0] in ("run", "run-script", "rum", "urn") and len(args) > 1:
        name = args[1]
    elif args[0] in ("test", "t", "tst", "start", "stop", "restart"):
        name = {"t": "test", "tst": "test"}.get(args[0], args[0])
    elif cmd.name == "yarn" and args[0] not in node_packages().yarn_commands:
        name = args[0]
    elif cmd.name == "pnpm" and args[0] not in node_packages().pnpm_commands:
        name = args[0]  # `pnpm wrangler …`: a script of that name, else the package's binary (pnpm exec)
    elif args[0] in ("exec", "x", "dlx"):
        return  # the command it runs: knowledge/runners.toml
    else:
        if args[0] in ("uninstall", "remove", "rm", "un", "unlink") and "-g" in cmd.args and cmd.sudo:
            a.emit("pkg.remove-system", cmd, effect="remove")
        elif args[0] == "unpublish" and "--dry-run" not in cmd.args:
            a.emit("infra.cli-delete", cmd, target=f"{cmd.name} unpublish " + " ".join(args[1:2]), effect="delete",
                   note="removes published versions from the registry for everyone who depends on them")
        elif len(args) > 1 and args[1] in node_packages().registry.get(args[0], ()):
            # the registry's shared state: a team, token, owner, access grant, dist-tag, hook
            a.emit("infra.cli-delete", cmd, target=f"{cmd.name} {args[0]} " + " ".join(args[2:4]), effect="delete",
                   note="on the package registry, for everyone who uses it")
        return
    _package_script(a, cmd, scope, name)


class NodePackages:
    """knowledge/node_packages.toml: npm's, pnpm's and yarn's own commands, and the registry's groups."""

    def __init__(self, raw):
        self.pnpm_commands = frozenset(raw["pnpm_commands"])
        self.yarn_commands = frozenset(raw["yarn_commands"])
        self.registry = {k: frozenset(v) for k, v in raw["registry"].items()}
        self.examples = raw["examples"]


def node_packages() -> NodePackages:
    from ...knowledge import model

    return model("node_packages.toml", NodePackages)


def _set_package_scripts(a, cmd, scope, verb, args):
    """`npm pkg set scripts.wipe='…'`, `npm set-script wipe '…'`: the package's scripts as this command line leaves
    them, so that a `npm run wipe` after it runs what was just set (not what package.json held before)."""
    import json

    if U in scope.cwd:
        return
    words = [x for x in args if not x.startswith("-")]
    sets = {}
    if verb == "set-script" and len(words) >= 3:
        sets[words[1]] = words[2]
    elif words[:2] == ["pkg", "set"]:
        for w in words[2:]:
            k, eq, v = w.partition("=")
            if eq and k.startswith("scripts.") and len(k) > 8:
                sets[k[8:]] = v
    if not sets:
        return
    pj = P.resolve("package.json", a._scope_ctx(scope))
    text = a.written_text.get(pj) or a.read_file(pj)
    try:
        obj = json.loads(text) if text else {}
    except ValueError:
        obj = {}
    if not isinstance(obj, dict):
        obj = {}
    scripts = obj.get("scripts") if isinstance(obj.get("scripts"), dict) else {}
    scripts.update(sets)
    obj["scripts"] = scripts
    a.written_text[pj] = json.dumps(obj)


def _package_script(a, cmd, scope, name, keys=None):
    import json

    d = scope.cwd
    pj = P.resolve("package.json", a._scope_ctx(scope)) if U not in d else None
    text = (a.written_text.get(pj) or a.read_file(pj)) if pj else None
    try:
        scripts = (json.loads(text).get("scripts") or {}) if text else {}
    except Exception:
        scripts = {}
    if not isinstance(scripts, dict):
        scripts = {}
    if keys is not None:
        for key in keys:
            body = scripts.get(key)
            if isinstance(body, str) and body:
                a.nested_shell(body, cmd, scope, origin=(f"package.json scripts.{key}", -10**9))
        return
    if name not in scripts and cmd.name in ("yarn", "pnpm", "bun"):
        # `yarn prisma migrate reset`: no such script, so yarn runs the package's binary
        args = cmd.args
        k = args.index(name) if name in args else 0
        a.dispatch(cmd.derive([name] + args[k + 1:]), scope)
        return
    for key in ("pre" + name, name, "post" + name):
        body = scripts.get(key)
        if isinstance(body, str) and body:
            a.nested_shell(body, cmd, scope, origin=(f"package.json scripts.{key}", -10**9))


# --- deleting and overwriting ---------------------------------------------------------------------

def _self_only(a, cmd, raw, how="write", scope=None):
    place = a.place(raw, scope)
    if place.kind == P.SELF:
        a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
    return place


def into(a, cmd, scope, srcs, dest, into_dir=False, tree=False, self_only=False):
    """A program puts ``srcs`` at ``dest`` (cp, mv, ln, install, rsync): what each lands on.  Into an
    existing directory (or ``dest/``, or several sources, or -t) that is ``dest/NAME``; a directory
    tree copied over ``dest`` reaches everything below it."""
    check_overwrite = _self_only if self_only else globals()["check_overwrite"]
    dplace = a.place(dest, scope)
    dpath = dplace.path
    is_dir = into_dir or dest.endswith("/") or len(srcs) > 1 or (
        dpath and U not in dpath and os.path.isdir(dpath))
    if not is_dir or not dpath or U in dpath:
        check_overwrite(a, cmd, dest, scope=scope)
        if len(srcs) == 1 and (dpath or _python_startup(dest)) and not self_only:
            # (a Python start-up file is one by its name, in a site-packages only known when it runs too)
            copied_plant(a, cmd, scope, srcs[0], dpath or dest, link=cmd.name == "ln")
        if tree and dpath and P.holds_self(dpath, a.pctx):
            a.emit("interlock.self-protect", cmd, target=P.display(dpath, a.pctx), effect="overwrite")
        return
    if dpath.rstrip("/") + "/" not in P.TEMP_DIRS:  # into /tmp itself: each file lands in the temp dir
        check_overwrite(a, cmd, dest, how="dir", scope=scope)  # the directory itself (a config dir, a system one)
    if P.holds_self(dpath, a.pctx) and (tree or not srcs):
        a.emit("interlock.self-protect", cmd, target=P.display(dpath, a.pctx), effect="overwrite")
        return
    for s_ in srcs:
        name = s_.rstrip("/").rsplit("/", 1)[-1]
        if name == "." or (tree and s_.endswith("/") and not into_dir and a.place(s_, scope).path):
            # `cp -r SRC/. DEST`: SRC's contents land in DEST itself
            sp = a.place(s_, scope)
            if sp.path and U not in sp.path and _tree_reaches_self(a, sp.path, dpath):
                a.emit("interlock.self-protect", cmd, target=P.display(dpath, a.pctx), effect="overwrite")
                return
            if name == ".":
                continue
        if not name or U in name:
            if P.holds_self(dpath, a.pctx):  # an unknown name put into a directory that holds ours
                a.emit("interlock.self-protect", cmd, target=P.display(dpath, a.pctx), effect="overwrite")
                return
            continue
        target = dpath.rstrip("/") + "/" + name
        check_overwrite(a, cmd, target, scope=scope)
        if not self_only:
            copied_plant(a, cmd, scope, s_, target, link=cmd.name == "ln")
        sp = a.place(s_, scope)
        if (tree or sp.path and U not in sp.path and os.path.isdir(sp.path)) and P.holds_self(target, a.pctx):
            a.emit("interlock.self-protect", cmd, target=P.display(target, a.pctx), effect="overwrite")


def _python_startup(path) -> bool:
    """A file every Python start runs: sitecustomize.py / usercustomize.py wherever they land on the path (a
    site-packages only known when it runs included), a .pth file in a site-packages or dist-packages (its
    `import` lines run)."""
    base = path.rsplit("/", 1)[-1]
    return U not in base and (base in ("sitecustomize.py", "usercustomize.py") or base.endswith(".pth") and (
        "/site-packages/" in path or "/dist-packages/" in path))


def _runs_later_path(path, home) -> bool:
    """A place whose text something runs later: a git hook, a shell start-up file, a start-up place, a Python
    start-up file."""
    base = path.rsplit("/", 1)[-1]
    if ("/.git/hooks/" in path and not base.endswith(".sample")) or base in _RC_FILES or \
            path.startswith(("/etc/profile.d/", "/etc/zsh/")) or _python_startup(path):
        return True
    from .. import startup

    return startup.place_of(path, home) is not None


_HOME_PARENTS = ("/home/", "/Users/", "/var/lib/", "/var/home/")


def _idle_startup_name(path, home) -> bool:
    """`ln -s .bashrc .bash_profile` in a project: a shell start-up file runs from a home directory (a user's,
    root's, /etc's, /etc/skel's copied into new ones), never from where a project keeps its copy of it; the
    name alone plants nothing.  direnv's .envrc runs wherever it is, a git hook or a start-up place by its
    own rules (not this)."""
    base = path.rsplit("/", 1)[-1]
    if base not in _RC_FILES or base == ".envrc" or not path.startswith("/"):
        return False
    d = posixpath.dirname(path)
    if U in d or d in (home.rstrip("/") if home else "", "/root", "/etc", "/etc/skel", "/") or d.startswith("/etc/"):
        return False
    return not any(d.startswith(pp) and "/" not in d[len(pp):] for pp in _HOME_PARENTS)


def copied_plant(a, cmd, scope, src, target, link=False):
    """`cp evil.sh .git/hooks/pre-commit`, `install -m755 x ~/.bashrc`, `ln -s ../../x.sh .git/hooks/pre-push`:
    a file copied or linked where something runs it later is judged as the commands it is, as its text
    written there would be (programs.planted)."""
    if not target or U in target and not _python_startup(target) or a.remote or a.planting or \
            not _runs_later_path(target, a.pctx.home) or _idle_startup_name(target, a.pctx.home):
        return
    if U in src:
        a.emit("shell.opaque-eval", cmd, effect="run",
               note=f"{P.display(target, a.pctx)} runs later a file only known when this command runs")
        return
    if link and not src.startswith(("/", "~")):
        spath = posixpath.normpath(posixpath.join(posixpath.dirname(target), src))  # relative to the link
    else:
        spath = P.resolve(src, a._scope_ctx(scope))
    text = a.written_text.get(spath)
    if text is None and os.path.isfile(spath):
        text = a.read_file(spath)
    if text:
        planted(a, cmd, target, text)
    elif text is None and U not in spath:
        # what runs later is a file whose text cannot be read now (missing here, unreadable, not a file): unknown
        # code planted where it runs by itself is not a harmless copy
        a.emit("shell.opaque-eval", cmd, effect="run",
               note=f"{P.display(target, a.pctx) if U not in target else target.rsplit('/', 1)[-1]} runs later "
                    f"{P.display(spath, a.pctx)}, whose text cannot be read now")


def _tree_reaches_self(a, src, dest, limit=20000):
    """Copying the tree ``src`` into ``dest``: does some file land on one of Interlock's own paths?"""
    if not os.path.isdir(src):
        return False
    n = 0
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        base = dest.rstrip("/") if rel == "." else dest.rstrip("/") + "/" + rel
        for x in dirs + files:
            n += 1
            if n > limit:
                return a.pctx.self_paths.holds(dest.rstrip("/") or "/")  # too big to walk: holds ours?
            if a.pctx.self_paths.match(base + "/" + x):
                return True
    return False


MAX_ARCHIVE_LIST = 64 << 20


def archive_members(path):
    """The member names of a tar or zip archive (None when it cannot be read: missing, too big,
    not an archive).  Reading a listing is what `tar t` / `unzip -l` show a person."""
    import tarfile
    import zipfile

    from ...fsread import caller_may_read

    try:
        if os.path.getsize(path) > MAX_ARCHIVE_LIST or not caller_may_read(path):
            return None
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                return z.namelist()[:100000]
        with tarfile.open(path, "r:*") as t:
            return [m.name for m in t.getmembers()[:100000]]
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError):
        return None


def writes_into(a, cmd, dest, scope):
    """Files put into an existing directory outside the workspace (rsync DEST, tar -C DEST, unzip -d DEST):
    a write outside, asked like one file is (write_outside)."""
    if not dest or U in dest or ":" in dest.split("/", 1)[0]:
        return False
    place = a.place(dest, scope)
    if place.kind in (P.OUTSIDE, P.REGENERABLE) and _agent_config_write(a, cmd, place, dest, scope):
        return True  # `unzip plugin.zip -d ~/.claude/plugins/x`, `git clone URL ~/.claude/skills/x`
    if place.kind not in (P.OUTSIDE, P.HOME) or not place.path or not a.pctx.exists(place.path):
        return False
    return write_outside(a, cmd, place)


def unpacked(a, cmd, scope, archive, dest, kind):
    """An archive unpacked into ``dest``: each member lands at dest/NAME.  A member on one of
    Interlock's own paths is refused; an archive we cannot list, unpacked over a directory that
    holds one, is refused too (it could carry anything)."""
    dplace = a.place(dest, scope)
    if not dplace.path or U in dplace.path:
        return
    base = dplace.path.rstrip("/")
    below = P.holds_self(base, a.pctx)
    if not (below or base in (a.pctx.workspace, a.pctx.home) and a.pctx.self_paths.holds(base)):
        return
    names = None
    ap = None
    if archive and archive != "-" and U not in archive:
        ap = a.place(archive, scope)
        if ap.path:
            names = archive_members(ap.path)
    if names is None:
        # Unpacked right over a directory of Interlock's own files, or made in this same command
        # (nothing to list yet): ask.  An archive that is simply missing unpacks nothing.
        made_here = ap is not None and (ap.path in a.written or ap.raw in a.written)
        if below or made_here or not archive or archive == "-" or U in archive:
            a.emit("interlock.unpack-unknown", cmd, target=P.display(base, a.pctx), effect="overwrite")
        return
    for n in names:
        n = n.lstrip("./") if n.startswith("./") else n
        if not n or n.startswith("/") or ".." in n.split("/"):
            a.emit("interlock.self-protect", cmd, target=P.display(base, a.pctx), effect="overwrite",
                   note=f"a member outside the directory: {n[:80]}")
            return
        target = base + "/" + n.rstrip("/")
        if a.pctx.self_paths.match(target) or P.holds_self(target, a.pctx):
            a.emit("interlock.self-protect", cmd, target=P.display(target, a.pctx), effect="overwrite")
            return


@handles("unzip")
def unzip(a, cmd, scope):
    args = cmd.args
    if any(x in ("-l", "-v", "-t", "-Z", "-p", "-c") for x in args):
        return
    dest = "."
    ops = []
    skip = False
    for i, x in enumerate(args):
        if skip:
            skip = False
            continue
        if x == "-d" and i + 1 < len(args):
            dest = args[i + 1]
            skip = True
        elif x in ("-x", "-P"):
            skip = True
        elif not x.startswith("-"):
            ops.append(x)
    writes_into(a, cmd, dest, scope)
    unpacked(a, cmd, scope, ops[0] if ops else None, dest, "zip")


@handles("sponge")
def sponge(a, cmd, scope):
    f, v, ops = split_opts(cmd.args)
    for op in ops:
        if "-a" in f:
            check_append(a, cmd, op, scope)
        else:
            check_overwrite(a, cmd, op, scope=scope)


@handles("rm", "rimraf", "del", "del-cli", "trash-empty")
def rm(a, cmd, scope):
    if cmd.name == "trash-empty":
        return
    if cmd.name == "del" and cmd_builtin_delete(a, cmd, scope):
        return  # cmd's `del /s /q …`
    f, v, ops = split_opts(cmd.args)
    for op in ops:
        if op:
            judge_delete(a, cmd, op, scope)


#: Secure deletion: programs whose point is that nothing can recover what they overwrite; with their
#: options that take a value, and the options that make them touch only free space (benign).
_SECURE_DELETE = {"shred": ("ns", ("--iterations", "--size", "--random-source", "--remove"), ()),
                  "srm": ("", (), ()),
                  "scrub": ("psbD", ("--pattern", "--blocksize", "--device-size", "--dirent"), ("-X", "--freespace")),
                  "wipe": ("SlpkKx", (), ())}


@handles("unlink", *_SECURE_DELETE)
def unlink(a, cmd, scope):
    if cmd.name == "unlink":
        f, v, ops = split_opts(cmd.args)
        for op in ops:
            judge_delete(a, cmd, op, scope, effect="delete")
        return
    short, long_, free = _SECURE_DELETE[cmd.name]
    f, v, ops = split_opts(cmd.args, with_arg=short, long_with_arg=long_)
    if any(x in f or x in v for x in free) or any(x in ("--help", "-h", "--version", "-V") for x in cmd.args):
        return
    for op in ops:
        place = judge_delete(a, cmd, op, scope, effect="destroy")
        if place.kind in (P.WORKSPACE, P.MISSING, P.UNKNOWN) and place.path not in a.generated:
            # beyond what judge_delete said: overwritten in place, no copy (snapshot, trash, git object) helps
            a.emit("fs.shred", cmd, target=P.display(place.path, a.pctx) if place.path else op.replace(U, "$?"),
                   effect="destroy")


@handles("bleachbit")
def bleachbit(a, cmd, scope):
    """``bleachbit -s FILE`` shreds files; ``--wipe-free-space`` only free space; cleaners (``-c``) clear caches."""
    if any(x in ("-s", "--shred") for x in cmd.args):
        for op in [x for x in cmd.args if not x.startswith("-")]:
            unlink(a, cmd.derive(["shred", op]), scope)


@handles("truncate")
def truncate(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="sr", long_with_arg=("--size", "--reference"))
    size = (v.get("-s") or v.get("--size") or "").strip()
    for op in ops:
        place = a.place(op, scope)
        if size in ("0", "-0", "0K", "0M", "0B") or (size == "" and not v.get("-r") and not v.get("--reference")):
            if empties(a, cmd, op, scope):
                continue
        if place.kind == P.WORKSPACE:
            a.emit("fs.delete-source", cmd, target=P.display(place.path, a.pctx), effect="truncate")
        else:
            check_overwrite(a, cmd, op, scope=scope)


@handles("tee")
def tee(a, cmd, scope):
    f, v, ops = split_opts(cmd.args)
    text = cmd.stdin[1] if cmd.stdin and cmd.stdin[0] == "text" else None
    for op in ops:
        if text:
            planted(a, cmd, op, text)
        if "-a" in f or "--append" in f:
            check_append(a, cmd, op, scope)
        else:
            check_overwrite(a, cmd, op, scope=scope)
            if U not in op and not ("-a" in f or "--append" in f):  # tee f <<EOF … EOF: f holds the text
                a.written_text[P.resolve(op, a._scope_ctx(scope))] = text


def _secret_stays_secret(a, scope, src, dest, into_dir=False) -> bool:
    """`cp .env.local .claude/worktrees/web/.env.local`: a secret file copied to a place in the workspace
    whose name is a secret file's too — nothing is printed or sent, and the copy is guarded as the
    original is.  Not a copy out of the workspace, into a build output, or under a name Interlock does not
    guard (`cp .env notes.txt`, then `cat notes.txt`)."""
    if a.remote or not src or not dest or U in src or U in dest or any(c in dest for c in "*?["):
        return False
    ctx = a._scope_ctx(scope) if scope is not None else a.pctx
    if any(c in src for c in "*?["):
        # `cp * .hiddendir -R`: each file the pattern matches keeps its name in the directory
        spath = P.resolve(src, ctx)
        dpath = P.resolve(dest, ctx)
        got = _expand_in_workspace(a, spath) if P.classify(dpath, a.pctx).kind in (P.WORKSPACE, P.MISSING) and \
            not os.path.isfile(dpath) and not os.path.islink(dpath) else None
        return bool(got) and all(_secret_stays_secret(a, scope, m, dest, into_dir=True) for m in got
                                 if is_secret_path(m, a.pctx.home, a.secret_extra, a.secret_exempt))
    spath = P.resolve(src, ctx)
    if not is_secret_path(spath, a.pctx.home, a.secret_extra, a.secret_exempt) or \
            P.classify(spath, a.pctx).kind != P.WORKSPACE or os.path.islink(spath):
        return False  # a credential from elsewhere (~/.ssh/id_rsa) brought into the project is still a read
    dpath = P.resolve(dest, ctx)
    if into_dir or dest.endswith("/") or os.path.isdir(dpath):
        dpath = dpath.rstrip("/") + "/" + spath.rsplit("/", 1)[-1]
    place = P.classify(dpath, a.pctx)
    if place.kind not in (P.WORKSPACE, P.MISSING) or os.path.islink(dpath):
        return False
    return is_secret_path(place.path, a.pctx.home, a.secret_extra, a.secret_exempt)


@handles("cp", "install")
def cp(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="tSm", long_with_arg=("--target-directory", "--suffix", "--mode"))
    dest = v.get("-t") or v.get("--target-directory")
    srcs = ops
    if dest is None:
        if len(ops) < 2:
            return
        srcs, dest = ops[:-1], ops[-1]
    for s in srcs:
        if not _secret_stays_secret(a, scope, s, dest, into_dir=bool(v.get("-t") or v.get("--target-directory"))):
            check_read(a, cmd, s, scope)
    if srcs == ["/dev/null"]:
        empties(a, cmd, dest, scope)
    if len(srcs) == 1:  # cp a b: b now holds a (session memory follows a file the agent wrote)
        _record_alias(a, cmd, scope, srcs[0], dest)
    if "-n" in f or "--no-clobber" in f or "--backup" in f or "-b" in f:
        return
    into(a, cmd, scope, srcs, dest, into_dir=bool(v.get("-t") or v.get("--target-directory")),
         tree=any(x in f for x in ("-r", "-R", "-a", "--recursive", "--archive")) or any(
             x.startswith("-") and not x.startswith("--") and any(c in x for c in "rRa") for x in f))


@handles("mv")
def mv(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="tS", long_with_arg=("--target-directory", "--suffix"))
    dest = v.get("-t") or v.get("--target-directory")
    srcs = ops
    if dest is None:
        if len(ops) < 2:
            return
        srcs, dest = ops[:-1], ops[-1]
    dplace = a.place(dest, scope)
    leaves = dplace.kind in (P.TEMP, P.OUTSIDE, P.HOME, P.SYSTEM, P.ROOT, P.UNKNOWN) and not P.in_project(
        dplace.path, a.pctx)
    for s in srcs:
        sp = a.place(s, scope)
        if leaves:  # `mv .env.production /tmp/`: a secret file moved where others can read it is sent there
            check_read(a, cmd, s, scope)
        if dplace.kind == P.DEVNULL:
            a.emit("fs.move-to-devnull", cmd, target=P.display(sp.path, a.pctx), effect="delete")
            continue
        if sp.kind in (P.ROOT, P.HOME, P.SYSTEM, P.SELF, P.PROTECTED, P.WORKSPACE_ROOT, P.DEVICE) or \
                P.holds_self(sp.path, a.pctx):
            judge_delete(a, cmd, s, scope, effect="move-away")
    if dplace.kind != P.DEVNULL and not ("-n" in f or "--no-clobber" in f or "-b" in f):
        into(a, cmd, scope, srcs, dest, into_dir=bool(v.get("-t") or v.get("--target-directory")))
    for src in srcs:
        _record_alias(a, cmd, scope, src, dest)


@handles("ln")
def ln(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="tS", long_with_arg=("--target-directory", "--suffix"))
    if len(ops) >= 2:
        for src in ops[:-1]:  # a later `cat LINK` reads SRC
            _record_alias(a, cmd, scope, src, ops[-1])
    dest = v.get("-t") or v.get("--target-directory")
    if dest is None and len(ops) < 2:
        return
    srcs, dest = (ops, dest) if dest else (ops[:-1], ops[-1])
    # a new link at a protected path is a new file there (`ln -s /tmp/evil.json .claude/settings.local.json`)
    into(a, cmd, scope, srcs, dest, into_dir=bool(v.get("-t") or v.get("--target-directory")))
    symbolic = "-s" in f or "--symbolic" in f or any(x.startswith("-") and not x.startswith("--") and "s" in x
                                                     for x in f)
    if symbolic and len(ops) == 2 and U not in ops[0] and U not in ops[1] and not a.remote:
        # a later `rm -rf LINK/*` or `echo x > LINK/f` reaches the target (analyzer.linked)
        import os
        import posixpath

        ctx = a._scope_ctx(scope)
        link = P.resolve(ops[1], ctx)
        if os.path.isdir(link) and not os.path.islink(link):
            link = link.rstrip("/") + "/" + ops[0].rstrip("/").rsplit("/", 1)[-1]
        target = ops[0] if ops[0].startswith(("/", "~")) else posixpath.join(posixpath.dirname(link), ops[0])
        if a.links is None:
            a.links = {}
        a.links[link] = P.resolve(target, ctx)


@handles("dd")
def dd(a, cmd, scope):
    if "if=/dev/null" in cmd.args and not any(x.startswith(("seek=", "conv=notrunc")) for x in cmd.args):
        for x in cmd.args:
            if x.startswith("of="):
                empties(a, cmd, x[3:], scope)  # dd if=/dev/null of=f leaves f empty
    for x in cmd.args:
        if x.startswith("of="):
            target = x[3:]
            place = a.place(target, scope)
            if place.kind == P.DEVICE:
                a.emit("disk.write-device", cmd, target=place.path, effect="overwrite")
            else:
                check_overwrite(a, cmd, target, scope=scope)
        elif x.startswith("if="):
            check_read(a, cmd, x[3:], scope)


@handles("cpio")
def cpio(a, cmd, scope):
    """`cpio -o` archives the files whose names it reads on stdin (`cpio -o <<< ~/.pypirc`, `echo ~/.netrc | cpio
    -o`): each name it is given is read."""
    args = cmd.args
    if not any(x in ("-o", "--create") or (x.startswith("-") and not x.startswith("--") and "o" in x[1:]) for x in args):
        return
    if cmd.stdin is not None and cmd.stdin[0] == "text":
        for name in cmd.stdin[1].split("\n")[:64]:
            if name.strip() and U not in name and check_read(a, cmd, name.strip(), scope):
                return


@handles("rsync")
def rsync(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="efBT", long_with_arg=("--exclude", "--include", "--filter",
                                                                       "--rsh", "--backup-dir", "--password-file"))
    if "-n" in f or "--dry-run" in f or "--list-only" in f:
        return
    rsh = v.get("-e") or v.get("--rsh")
    if rsh:  # the remote shell rsync starts (normally `ssh -p N`)
        command_value(a, cmd, scope, "-e", rsh)
    deletes = any(x.startswith("--del") for x in f | set(v))
    if len(ops) >= 2 and not deletes:
        copy_to_host(a, cmd, ops[-1])
    if len(ops) >= 2:
        for s in ops[:-1]:
            check_read(a, cmd, s, scope)
        if ":" not in ops[-1].split("/", 1)[0]:
            if len(ops) == 2 and ":" not in ops[0].split("/", 1)[0]:
                _record_alias(a, cmd, scope, ops[0].rstrip("/") if ops[0].endswith("/") and len(ops[0]) > 1 else ops[0],
                              ops[1].rstrip("/") if ops[0].endswith("/") else ops[1])  # (`a/ b/`: b holds what a holds)
            writes_into(a, cmd, ops[-1], scope)
            into(a, cmd, scope, [x for x in ops[:-1] if not x.endswith("/")] or ops[:-1], ops[-1], self_only=True,
                 tree=any(x.endswith("/") for x in ops[:-1]) or "-r" in f or "-a" in f or "--recursive" in f
                 or "--archive" in f or any(x.startswith("-") and not x.startswith("--") and ("a" in x or "r" in x)
                                            for x in f))
    if "--remove-source-files" in f:
        a.emit("fs.remove-source-files", cmd, target=" ".join(ops[:-1]) or None, effect="delete")
    if deletes and ops:
        dest = ops[-1]
        if ":" in dest.split("/", 1)[0]:
            a.emit("fs.rsync-delete", cmd, target=dest, effect="delete")
            return
        place = a.place(dest, scope)
        if place.kind in (P.HOME, P.ROOT, P.SYSTEM, P.WORKSPACE_ROOT, P.SELF, P.PROTECTED):
            a.emit("fs.rsync-delete-broad", cmd, target=P.display(place.path, a.pctx), effect="delete")
        elif place.kind not in (P.TEMP, P.REGENERABLE, P.MISSING, P.DEVNULL):
            a.emit("fs.rsync-delete", cmd, target=P.display(place.path, a.pctx) if place.path else dest,
                   effect="delete")


@handles("tar", "bsdtar", "gtar")
def tar(a, cmd, scope):
    args = cmd.args
    tar_commands(a, cmd, scope)
    if any(x == "--remove-files" for x in args):
        a.emit("fs.remove-source-files", cmd, effect="delete")
    first = args[0] if args else ""
    extract = any(x in ("-x", "--extract", "--get") for x in args) or (
        first and not first.startswith("--") and "x" in first.lstrip("-"))
    if extract:
        dest = None
        for i, x in enumerate(args):
            if x in ("-C", "--directory") and i + 1 < len(args):
                dest = args[i + 1]
            elif x.startswith("--directory="):
                dest = x.split("=", 1)[1]
        if dest is not None:
            place = a.place(dest, scope)
            scratch = bool(place.path) and place.path.rstrip("/") + "/" in P.TEMP_DIRS  # `tar -x -C /tmp`
            if place.kind in (P.ROOT, P.SYSTEM, P.HOME, P.SELF) and not scratch:
                a.emit("fs.extract-over", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
            else:
                writes_into(a, cmd, dest, scope)
        archive = None
        for i, x in enumerate(args):
            if x in ("-f", "--file") and i + 1 < len(args):
                archive = args[i + 1]
            elif x.startswith("--file="):
                archive = x.split("=", 1)[1]
            elif not x.startswith("-") and i == 0 and "f" in x and len(args) > 1:
                archive = args[1]
            elif x.startswith("-") and not x.startswith("--") and x.endswith("f") and i + 1 < len(args):
                archive = args[i + 1]
        if archive in (None, "-") and cmd.stdin is not None:
            # `zcat x.tar.gz | tar x`, `gzip -dc x.tgz | tar -xvf -`: the archive is the file decompressed
            piped = _piped_archive(a, cmd, scope)
            if piped is not None:
                archive = piped or None
                if not piped:
                    return  # the file it decompresses is not there: nothing is unpacked
        unpacked(a, cmd, scope, archive, dest or ".", "tar")
        return
    check_args_for_secrets(a, cmd, scope)


_DECOMPRESS_STAGE = _LazyRe(r"^(?:zcat|gzcat|bzcat|xzcat|zstdcat|lzcat|cat|gunzip\s+-c|gunzip\s+-dc|"
                            r"gzip\s+-(?:dc|cd)|gzip\s+-d\s+--stdout|gzip\s+--decompress\s+--stdout|bzip2\s+-(?:dc|cd)|"
                            r"xz\s+-(?:dc|cd)|zstd\s+-(?:dc|cd)|pv)(?:\s+-[qv])?\s+(\S+)$")


_STDIN_DECOMPRESSOR = _LazyRe(r"^(?:zcat|gzcat|bzcat|xzcat|zstdcat|lzcat|cat|pv|(?:gunzip|bunzip2|unxz|unzstd)\s+-c|"
                              r"(?:gunzip|gzip|bzip2|xz|zstd)\s+-(?:dc|cd))(?:\s+-[qv])?(?:\s+-)?$")


def _piped_archive(a, cmd, scope):
    """The one file a decompressor hands to ``tar x`` on its stdin (``zcat x.tar.gz | tar x``): its raw
    path (tarfile lists a gzip, bzip2 or xz tar itself); "" when that file does not exist; None when
    the stream is anything else (several files, a download, a file this command line wrote)."""
    from .lifts import _pipeline_before

    before = _pipeline_before(cmd)
    if not before or "$" in before or "`" in before:
        return None
    first, *rest = before.split("|")
    if any(not _STDIN_DECOMPRESSOR.match(x.strip()) for x in rest):
        return None  # `cat x.tar.gz | gunzip -c | tar x`: only decompressors of their stdin after the file's reader
    m = _DECOMPRESS_STAGE.match(first.strip())
    if not m:
        return None
    raw = m.group(1).strip("'\"")
    place = a.place(raw, scope)
    if not place.path or U in place.path or place.glob or place.path in a.written or raw in a.written:
        if place.glob and place.path and U not in place.path and not _glob_any(place.path):
            return ""  # `cat www-backup.tar.* | …` where nothing matches
        return None
    return raw if os.path.lexists(place.path) else ""


def _glob_any(pattern: str) -> bool:
    import glob as _glob

    try:
        return next(_glob.iglob(pattern), None) is not None
    except (OSError, ValueError, RecursionError):
        return True


@handles("zip", "7z", "rar")
def zip_(a, cmd, scope):
    f, v, ops = split_opts(cmd.args)
    if cmd.name == "zip" and ("-m" in f or "--move" in f):
        a.emit("fs.remove-source-files", cmd, effect="delete")
    check_args_for_secrets(a, cmd, scope, ops[1:] if ops else [])


#: chmod modes that set the set-user-ID bit (`u+s`, `+s`, `a=rwxs`, `4755`, `6755`); setgid alone (`g+s`, a shared
#: directory's usual mode) is not one
_SETUID = _LazyRe(r"^(?:[ua]*[+=][rwxXt]*s[rwxXt]*(?:,.*)?|[0-7]?[4-7][0-7]{3})$")
_SETUID_INTERPRETERS = ("python", "python3", "perl", "ruby", "php", "node", "lua", "env", "busybox", "find", "vim",
                        "vi", "less", "awk", "gawk", "tclsh", "expect", "socat", "nc", "ncat")

_PERM_DANGEROUS_MODES = _LazyRe(r"^(0{1,4}|0?777|a?[+-=]rwx|[ugoa]*-[rwx]+|o\+w|a\+w)$")


def _shown(raw):
    """An unresolved argument as a person reads it: a listing's words as what they stand for."""
    if "every:" in raw:
        from .flows import show

        raw = show(raw)
    return raw.replace(U, "$?")


_PERM_PROGRAMS = frozenset(("chmod", "chown", "chgrp", "chattr", "setfacl"))


@handles(*_PERM_PROGRAMS)
def perms(a, cmd, scope):
    args = cmd.args
    recursive = False
    ops = []
    skip = False
    for i, x in enumerate(args):
        if skip:
            skip = False
            continue
        if x in ("-R", "--recursive") or (x.startswith("-") and not x.startswith("--") and "R" in x
                                          and cmd.name != "chattr"):
            recursive = True
            continue
        if cmd.name == "chattr" and x == "-R":
            recursive = True
            continue
        if cmd.name == "setfacl" and x in ("-m", "-x", "-M", "-X", "--modify", "--remove", "--set"):
            skip = True
            if x in ("-m", "--modify", "--set") and i + 1 < len(args):
                ops.append(("acl", args[i + 1]))
            continue
        if cmd.name == "setfacl" and x.startswith(("--modify=", "--set=")):
            ops.append(("acl", x.split("=", 1)[1]))
            continue
        if cmd.name == "chattr" and re.match(r"^[+\-=][aAcCdDeFijmPsStTux]+$", x):
            ops.append(("mode", x))
            continue
        if x.startswith("--reference="):
            continue
        if x == "--reference":
            skip = True
            continue
        if x.startswith("-") and not re.match(r"^-[rwxXst]+$", x):
            continue
        ops.append(("op", x))
    operands = [x for k, x in ops if k == "op"]
    mode = None
    reference = _perm_reference(a, cmd, scope)
    if reference is not None and cmd.name in ("chown", "chgrp"):
        mode = reference  # `chown -R --reference=/etc/passwd ~`: the reference file's owner and group
    elif reference is not None and cmd.name == "chmod":
        mode = _reference_mode(a, cmd, scope)  # `chmod -R --reference=/tmp ~`: the reference file's mode (1777)
    elif cmd.name in ("chmod", "chown", "chgrp") and operands:
        mode, operands = operands[0], operands[1:]
        if U in mode and cmd.name in ("chown", "chgrp") and _own_identity(a, cmd):
            mode = a.user  # `chown -R "$(whoami)" ~`, `chown -R $(id -u):$(id -g) ~/.npm`: the user's own
    elif cmd.name == "setfacl":
        mode = ",".join(x for k, x in ops if k == "acl") or None
    elif cmd.name == "chattr":
        mode = " ".join(x for k, x in ops if k == "mode") or None
    for t in operands:
        place = a.place(t, scope)
        target = P.display(place.path, a.pctx) if place.path else t
        if place.kind == P.SELF or place.kind not in _STRONGER and P.holds_self(place.path, a.pctx):
            a.emit("interlock.self-protect", cmd, target=target, effect="chmod")
        elif cmd.name == "chmod" and mode and _SETUID.match(mode) and not (place.path and os.path.isdir(place.path)) \
                and (place.kind in (P.SYSTEM, P.ROOT) or cmd.sudo or
                     t.rsplit("/", 1)[-1] in SHELLS + _SETUID_INTERPRETERS):
            # `chmod u+s /bin/bash`, `sudo chmod 4755 /tmp/rootsh`: whoever runs it acts as its owner (root)
            a.emit("sys.grant-access", cmd, target=target, effect="setuid",
                   note=f"mode {mode} sets the set-user-ID bit: whoever runs it acts as its owner")
        elif cmd.name == "chmod" and mode and _adds_exec_or_write(mode) and place.kind in (P.OUTSIDE, P.REGENERABLE) \
                and P.agent_config(place.path, a.pctx.home) and not P.in_project(place.path, a.pctx):
            # `chmod +x ~/.claude/hooks/x.js`: a hook the agent runs on every action becomes runnable
            a.emit("agent.config-change", cmd, target=target, effect="permissions")
        elif cmd.name in ("chmod", "setfacl") and mode and U not in mode and place.path and \
                _opens_read(mode, cmd.name) and place.kind in (P.OUTSIDE, P.HOME) and \
                not P.in_project(place.path, a.pctx) and (
                    not os.path.isdir(place.path) and is_secret_path(place.path, a.pctx.home, a.secret_extra,
                                                                      a.secret_exempt)
                    or recursive and _holds_secret(a, place.path)):
            # `chmod 644 ~/.ssh/id_ed25519`, `chmod o+r ~/.aws/credentials`, `chmod -R 755 ~/.ssh`, `setfacl -m
            # o::r KEY`: every user of the machine (or the one named) can read it
            what = "a file that holds secrets" if not os.path.isdir(place.path) else "a tree that holds secrets"
            a.emit("fs.perm-home" if place.kind == P.HOME else "fs.perm-outside", cmd, target=target,
                   effect="permissions",
                   note=_locks_out(a, cmd.name, mode, dirs=recursive or os.path.isdir(place.path)) or
                   f"{'ACL' if cmd.name == 'setfacl' else 'mode'} {mode}: {what} becomes readable by other users")
        elif place.kind == P.HOME:
            # the home directory is the user's, not the system's: what a change does to it is asked, and only
            # when it is harmful — `chmod -R 700 ~`, `chown -R me ~` (the user's own name) only tighten or
            # restore; `chown -R nobody ~`, `chmod -R 000 ~`, `chmod 777 ~` lock the user out or open it to all
            harm = _locks_out(a, cmd.name, mode, dirs=True) if mode else None
            if mode and U in mode and (cmd.name != "chmod" or reference is not None):
                harm = f"owner {_shown(mode)}: known only when it runs"
            if harm is None and cmd.name in ("chattr", "setfacl") and (recursive or cmd.name == "chattr"):
                harm = f"{cmd.name} {mode or ''}".strip()
            if harm:
                a.emit("fs.perm-home", cmd, target=target, effect="permissions", note=harm)
        elif place.kind in (P.ROOT, P.SYSTEM):
            if recursive or place.kind == P.ROOT and (
                    cmd.name != "chmod" or (mode and _PERM_DANGEROUS_MODES.match(mode))):
                a.emit("fs.perm-broad", cmd, target=target, effect="permissions")
            elif place.kind == P.SYSTEM:
                a.emit("fs.perm-system", cmd, target=target, effect="permissions")
        elif place.kind in (P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE) and recursive and mode and \
                _locks_out(a, cmd.name, mode):
            a.emit("fs.perm-workspace", cmd, target=target, effect="permissions",
                   note=_locks_out(a, cmd.name, mode))
        elif place.kind in (P.WORKSPACE_ROOT, P.WORKSPACE_ALL, P.WORKSPACE) and recursive and \
                cmd.name == "chattr" and mode and re.search(r"(^|\s)[+=][^\s]*[ia]", mode):
            # `chattr -R +i src`: no one, the owner included, can change or delete those files until root undoes it
            a.emit("fs.perm-workspace", cmd, target=target, effect="permissions",
                   note=f"chattr {mode}: the files can no longer be changed or deleted, by anyone, until root undoes it")
        elif place.kind == P.OUTSIDE and not (cmd.name == "chown" and mode and a.user not in (None, "root")
                                              and mode.split(":", 1)[0].split(".", 1)[0] == a.user) and (
                # a recursive change outside the workspace is asked when it harms (as over home): `chmod -R
                # og-rwx ~/.ssh` only tightens, `chmod -R 755 ../site` keeps the owner's rights
                (recursive or mode and _PERM_DANGEROUS_MODES.match(mode))
                and (not mode or U in mode or cmd.name not in ("chmod", "chown", "chgrp")
                     or _locks_out(a, cmd.name, mode, dirs=recursive))
                or cmd.name == "chattr"
                or (cmd.name in ("chown", "chgrp") and _is_dotconfig(place.path, a.pctx.home))):
            harm = _locks_out(a, cmd.name, mode, dirs=recursive) if mode and cmd.name in ("chmod", "chown", "chgrp") \
                else None
            a.emit("fs.perm-outside", cmd, target=target, effect="permissions", note=harm)


_OWN_IDENTITY = re.compile(r"""\$\((?:whoami|logname|id -u|id -un|id -nu|id -g|id -gn|id -ng|id -u -n|id -g -n)\)|"""
                           r"""`(?:whoami|logname|id -u|id -un|id -g|id -gn)`|\$\{?(?:USER|LOGNAME|UID)\}?""")


def _own_identity(a, cmd):
    """The owner written as the user's own identity, only known when it runs: `$(whoami)`, `$(id -u):$(id -g)`,
    `` `id -un` ``."""
    text = cmd.text or ""
    m = re.search(r"\b(?:chown|chgrp)\s+(?:-{1,2}[\w-]+(?:=\S*)?\s+)*(\S+(?:\s+-\w+\))?(?:[:.]\S+(?:\s+-\w+\))?)?)",
                  text)
    if not m or not a.user or a.user == "root":
        return False
    word = _OWN_IDENTITY.sub("", m.group(1).strip("'\""))
    return word.strip(":.'\"") == ""


def _reference_file(cmd):
    """The FILE of chmod's, chown's or chgrp's ``--reference=FILE`` / ``--reference FILE``, or None."""
    args = list(cmd.args)
    ref = None
    for i, x in enumerate(args):
        if x.startswith("--reference="):
            ref = x.split("=", 1)[1]
        elif x == "--reference" and i + 1 < len(args):
            ref = args[i + 1]
    return ref


def _perm_reference(a, cmd, scope):
    """The owner:group of chown's/chgrp's --reference=FILE (by name where this machine knows it), None without
    one, or the unknown mark when the file cannot be read."""
    ref = _reference_file(cmd)
    if ref is None:
        return None
    if U in ref:
        return U
    try:
        import grp
        import pwd

        st = os.stat(P.resolve(ref, a._scope_ctx(scope)))
        try:
            owner = pwd.getpwuid(st.st_uid).pw_name
        except KeyError:
            owner = str(st.st_uid)
        try:
            group = grp.getgrgid(st.st_gid).gr_name
        except KeyError:
            group = str(st.st_gid)
        return f"{owner}:{group}"
    except (OSError, ImportError):
        return U


_SYMBOLIC = _LazyRe(r"^([ugoa]*)([-+=])([rwxXst]*)$")


def _opens_read(mode: str, name: str = "chmod") -> bool:
    """A chmod mode that lets the group or every user read (`644`, `o+r`, `a+r`, `+r`, `go=r`, `4` — octal modes
    written short fill from the right), or a setfacl entry that lets other users, another user or a group read
    (`o::r`, `u:nobody:r`, `g:users:rx`)."""
    if name == "setfacl":
        for entry in mode.split(","):
            parts = entry.strip().split(":")
            if parts and parts[0] in ("d", "default"):
                parts = parts[1:]
            if len(parts) >= 3 and "r" in parts[2] and (
                    parts[0] in ("o", "other") or parts[0] in ("u", "user", "g", "group") and parts[1]):
                return True
        return False
    for part in mode.split(","):
        if part.isdigit() and len(part) <= 4 and not set(part) - set("01234567"):
            d = part.zfill(3)[-3:]
            if int(d[1]) & 4 or int(d[2]) & 4:
                return True
            continue
        m = _SYMBOLIC.match(part)
        if m and m.group(2) in "+=" and "r" in m.group(3) and (not m.group(1) or set(m.group(1)) & set("goa")):
            return True
    return False


def _adds_exec_or_write(mode: str) -> bool:
    """A chmod mode that makes a file executable or writable (`+x`, `u+x`, `755`, `a+w`), not one that only
    takes rights away or sets read-only ones (`600`, `go-rwx`, `444`)."""
    if mode.isdigit():
        owner, group, other = (int(d) for d in mode[-3:].rjust(3, "0"))
        return bool(owner & 1 or group & 3 or other & 3)
    for part in mode.split(","):
        m = _SYMBOLIC.match(part)
        if m is None:
            return True  # not understood: counts
        if m.group(2) in "+=" and any(c in m.group(3) for c in "xXw"):
            return True
    return False


def _locks_out(a, name, mode, dirs=False):
    """What a recursive mode or owner does to a tree of the user's files, when it is harmful: the owner can
    no longer read them, everyone can write them, or another user (root) owns them.  None otherwise.
    ``dirs``: the mode reaches directories (recursive, or the target is one): a mode that takes the owner's
    search right (x) away (`chmod -R 600 ~`, `chmod -R a-x ~`, `chmod -R =r ~`) leaves every directory closed to
    them, and one that takes the owner's write right away (`444`, `555`) leaves nothing changeable."""
    if U in mode:
        return None
    if name == "setfacl":
        for entry in mode.split(","):
            parts = entry.strip().split(":")
            if parts and parts[0] in ("d", "default"):
                parts = parts[1:]
            if len(parts) < 3:
                continue
            kind, who, perms_ = parts[0], parts[1], parts[2]
            if kind in ("o", "other") and "w" in perms_:
                return f"ACL {entry}: every user can write the files"
            if kind in ("u", "user") and not who and "r" not in perms_:
                return f"ACL {entry}: the owner can no longer read the files"
            if kind in ("u", "user", "g", "group") and who and "w" in perms_:
                return f"ACL {entry}: {who} can write the files"
        return None
    if name == "chmod":
        for part in mode.split(","):
            if part.isdigit() and len(part) <= 4 and not set(part) - set("01234567"):
                d = part.zfill(3)[-3:]  # `chmod 0` is 000, `chmod 70` is 070: octal digits fill from the right
                if int(d[0]) < 4:
                    return f"mode {mode}: the owner can no longer read the files"
                if int(d[2]) in (2, 3, 6, 7):
                    return f"mode {mode}: every user can write the files"
                if dirs and not int(d[0]) & 1:
                    return f"mode {mode}: the owner can no longer open the directories (no x)"
                if dirs and not int(d[0]) & 2:
                    return f"mode {mode}: the owner can no longer change the files"
                continue
            m = _SYMBOLIC.match(part)
            if not m:
                continue
            who, op, perms_ = m.groups()
            if op == "-" and "r" in perms_ and (not who or "u" in who or "a" in who):
                return f"mode {mode}: the owner can no longer read the files"
            if op == "-" and "w" in perms_ and (not who or "u" in who or "a" in who):
                return f"mode {mode}: the owner can no longer change the files"
            if op == "=" and (not who or "u" in who or "a" in who) and "r" not in perms_:
                return f"mode {mode}: the owner can no longer read the files"
            if op in "+=" and "w" in perms_ and ("o" in who or "a" in who):
                return f"mode {mode}: every user can write the files"
            if dirs and (not who or "u" in who or "a" in who) and (
                    op == "-" and "x" in perms_ or op == "=" and not set(perms_) & set("xX")):
                return f"mode {mode}: the owner can no longer open the directories (no x)"
            if dirs and op == "=" and (not who or "u" in who or "a" in who) and "w" not in perms_:
                return f"mode {mode}: the owner can no longer change the files"
        return None
    if name in ("chown", "chgrp"):
        owner, _, group = mode.partition(":") if name == "chown" else ("", "", mode)
        if name == "chown" and not group and "." in owner and not owner.replace(".", "").isdigit():
            owner, _, group = owner.partition(".")
        user = a.user
        uid, groups = _user_ids(user)
        if owner and owner == user and owner not in ("root", "0"):
            pass  # the user's own name: the files stay theirs (not root's: an agent run as root)
        elif owner in ("root", "0"):
            return f"owner {owner}: the files belong to root"
        elif owner.isdigit() and owner != uid:
            return f"owner {owner}: the files belong to the user with that number" + (
                f" (yours is {uid})" if uid else "")
        elif owner and user and owner != user and not owner.isdigit():
            return f"owner {owner}: the files belong to another user"
        if group and group != user and group not in groups and group not in _USERS_GROUPS:
            return f"group {group}: its members get the group's access to the files"
    return None


def _reference_mode(a, cmd, scope):
    """chmod's --reference=FILE as an octal mode (`1777` for /tmp), or the unknown mark when it cannot be read."""
    ref = _reference_file(cmd)
    if not ref or U in ref:
        return U
    try:
        return "%04o" % (os.stat(P.resolve(ref, a._scope_ctx(scope))).st_mode & 0o7777)
    except OSError:
        return U


def _holds_secret(a, path, limit=400) -> bool:
    """A directory of the user's that holds a file with secrets (a key, a token file), looked for by name two
    levels down (at most ``limit`` entries): the home directory always does."""
    if path.rstrip("/") == a.pctx.home.rstrip("/") or is_secret_path(path, a.pctx.home, a.secret_extra,
                                                                     a.secret_exempt):
        return True
    seen = 0
    todo = [(path, 0)]
    while todo:
        d, depth = todo.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            seen += 1
            if seen > limit:
                return False
            if is_secret_path(e.path, a.pctx.home, a.secret_extra, a.secret_exempt) or \
                    is_token_config(e.path, a.pctx.home):
                return True
            if depth < 1 and e.is_dir(follow_symlinks=False):
                todo.append((e.path, depth + 1))
    return False


_USERS_GROUPS = frozenset({"staff", "users"})  # the group every user is in by default (macOS, many Linuxes)


def _user_ids(user):
    """The user's number and the names and numbers of their groups, as this machine knows them ("", set())."""
    if not user:
        return "", set()
    try:
        import grp
        import pwd

        pw = pwd.getpwnam(user)
        groups = {g.gr_name for g in grp.getgrall() if user in g.gr_mem}
        try:
            groups.add(grp.getgrgid(pw.pw_gid).gr_name)
        except KeyError:
            pass
        return str(pw.pw_uid), groups | {str(pw.pw_gid)}
    except (KeyError, ImportError, OSError):
        return "", set()


# --- disks ------------------------------------------------------------------------------------

def mkfs(a, cmd, scope):
    if any(x in ("-V", "--version", "--help", "-h") for x in cmd.args) or not cmd.args:
        return
    ops = [x for x in cmd.args if not x.startswith("-")]
    target = ops[-1] if ops else None
    if target and U not in target and not target.startswith("/dev/"):
        place = a.place(target, scope)
        if place.kind in (P.WORKSPACE, P.MISSING, P.TEMP, P.REGENERABLE):
            return  # formatting an image file in the project: mkfs.ext4 -F disk.img
    a.emit("disk.format", cmd, target=target, effect="format")


HANDLERS["mkfs"] = mkfs


@handles("wipefs")
def wipefs(a, cmd, scope):
    if any(x in ("-a", "--all", "-o", "--offset") or (x.startswith("-") and "a" in x and not x.startswith("--"))
           for x in cmd.args) and not any(x in ("-n", "--no-act") for x in cmd.args):
        a.emit("disk.format", cmd, target=next((x for x in cmd.args if x.startswith("/dev/")), None), effect="wipe")


@handles("fdisk", "sfdisk", "gdisk", "sgdisk", "cfdisk", "parted", "partx")
def partition(a, cmd, scope):
    args = cmd.args
    readonly = {"-l", "--list", "-d", "--dump", "-V", "--verify", "-s", "--show-size", "-p", "--print",
                "-v", "--version", "-h", "--help", "print", "-i", "--info", "-g", "--list-free", "-J", "--json"}
    if cmd.name == "sgdisk":
        readonly |= {"-L", "--list-types", "-P", "--pretend"}
    if not args or any(x in readonly for x in args):
        if not any(x in ("rm", "mklabel", "mkpart", "resizepart", "-Z", "--zap-all", "-o", "--clear", "-d",
                         "--delete") and x not in ("-d",) for x in args if cmd.name in ("parted", "sgdisk")):
            return
    a.emit("disk.partition", cmd, target=next((x for x in args if x.startswith("/dev/")), None), effect="partition")


# --- processes and the system ---------------------------------------------------------------------

class Processes:
    """knowledge/processes.toml: which process names are services, which a coding agent starts and stops itself
    (interpreters, dev servers, watchers, test runners, build tools), which of those words are ordinary words,
    and the sub-commands that name a tool's own dev server (`pkill -f "wrangler dev"`)."""

    def __init__(self, raw):
        def whole(words, flags=0):
            return re.compile(r"^(" + "|".join(words) + r")$", flags)

        self.services = whole(raw["services"])
        self.dev = whole(raw["dev_processes"] + raw["generic_words"], re.I)
        self.generic_words = whole(raw["generic_words"], re.I)
        self.dev_subcommands = whole(raw["dev_subcommands"], re.I)
        self.examples = raw["examples"]


def processes() -> Processes:
    from ...knowledge import model

    return model("processes.toml", Processes)


_SCRIPT = _LazyRe(r"\.(py|js|mjs|cjs|ts|tsx|jsx|rb|php|go|rs|java|jar|sh|pl|lua|exs?)$")


#: Signals that do not end a process (a progress report, a reload, a pause, a check).
_GENTLE_SIGNAL = _LazyRe(r"^-{0,2}(s(ignal)?[ =]?)?(SIG)?(USR1|USR2|HUP|CONT|WINCH|INFO|0|1|10|12|18|28)$", re.I)


def _gentle(args):
    for i, x in enumerate(args):
        if x in ("-s", "--signal", "-n") and i + 1 < len(args):
            x = args[i + 1]
        elif x.startswith("--signal="):
            x = x.split("=", 1)[1]
        elif not x.startswith("-"):
            continue
        if _GENTLE_SIGNAL.match(x):
            return True
    return False


def judge_kill_by_name(a, cmd, pattern):
    """`pkill NAME`, `killall NAME`, `kill $(pidof NAME)`: a service, a dev process, or anything else."""
    if _gentle(cmd.args):
        return
    if _selfprotect.names_interlock(pattern) or _pattern_hits_interlock(pattern):
        a.emit("interlock.kill", cmd, target=pattern, effect="kill")
        return
    words = [w for w in re.split(r"[\s/|()'\"=:,]+", pattern) if w and not w.startswith("-")]
    if not words:
        return
    known = processes()
    if any(known.services.match(w) for w in words):
        a.emit("proc.kill-service", cmd, target=pattern, effect="kill")
        return
    if "-f" in cmd.args and pattern.strip("'\" ") in (".", ".*", ".+", "^", "^.*", "^.", "$"):
        a.emit("proc.kill-all", cmd, target=f"every process of the user (pattern {pattern})", effect="kill")
        return
    # every alternative of the pattern (`a|b`) must start with a dev process's word; a pattern that matches
    # (almost) anything (`.`, `.*`, `^`) or is only known when it runs is asked
    for alt in pattern.replace("\\|", "|").split("|"):
        first = next((w for w in alt.split() if not w.startswith("-")), "")
        if U in first or len(re.sub(r"[^A-Za-z0-9]", "", first)) < 2:
            break
        base = first.rsplit("/", 1)[-1].strip("'\"^$")
        if "-f" in cmd.args and known.generic_words.match(base) and len(alt.split()) == 1:
            break  # `pkill -f dev`: the word anywhere in any command line (`postgres: dev db`, `sshd: dev`)
        if not (known.dev.match(base) or _SCRIPT.search(base) or first.startswith(("./", "bin/", "node_modules/"))
                or "-f" in cmd.args and any(known.dev_subcommands.match(w.strip("'\"^$")) for w in alt.split()[1:3])
                or _names_own_program(a, base)):
            break
    else:
        return
    if _started_again(a, cmd, pattern):
        return  # `pkill -f my-server; cargo run -p my-server &`: a restart of what this command line runs
    a.emit("proc.kill-by-name", cmd, target=pattern.replace(U, "$?"), effect="kill")


_ENV_PREFIX = r"(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*"

_MANIFEST_NAME = (("package.json", r'^\s*"name"\s*:\s*"(?:@[^/"]+/)?([^"]+)"'),
                  ("Cargo.toml", r'^\s*name\s*=\s*"([^"]+)"'),
                  ("pyproject.toml", r'^\s*name\s*=\s*"([^"]+)"'))


def project_names(a) -> set[str]:
    """The names this project goes by (lower-case, three characters or more): its directory's, its git
    remotes' repository names, and the names its manifests declare (package.json, Cargo.toml and
    pyproject.toml at the workspace's top, the first ``name`` of each). Facts read from the workspace;
    nothing outside it."""
    ws = a.pctx.workspace or a.pctx.cwd
    if not ws:
        return set()
    from .git import remote_repos

    names = {os.path.basename(os.path.realpath(ws).rstrip("/"))}
    names |= {r.rsplit("/", 1)[-1] for r in remote_repos(ws)}
    for fname, pat in _MANIFEST_NAME:
        path = os.path.join(ws, fname)
        try:
            text = a.read_file(path) if os.path.isfile(path) and os.path.getsize(path) < 1 << 20 else None
        except (OSError, ValueError):
            text = None
        m = re.search(pat, text or "", re.M)
        if m:
            names.add(m.group(1))
    return {n.lower() for n in names if len(n) >= 3 and U not in n}


def _names_own_program(a, name) -> bool:
    """``name`` is a program of this project by its name: the project's own name, or it followed by ``-``,
    ``_`` or ``.`` and more (``presenter-server`` in the ``presenter`` repository, ``shop_worker`` in a project
    whose package.json is named ``shop``). Killing every process of that name stops the project's own
    servers and workers, which the agent starts and stops itself — a restart, not another program's end.
    Only a plain name counts (letters, digits, ``-_.``)."""
    n = name.lower()
    if U in name or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{2,}", n):
        return False
    try:
        own = project_names(a)
    except Exception:  # noqa: BLE001 - a fact that cannot be read is no fact: the kill stays asked
        return False
    return any(n == p or n.startswith(p) and n[len(p)] in "-_." for p in own)


def _started_again(a, cmd, pattern) -> bool:
    """The rest of this command line starts the program the kill names again (a restart of the project's
    own program): by a path (`pkill -f srv; PORT=1 ./target/release/srv &`) or as what a build tool runs
    (`cargo run -p srv`, `cargo run --bin srv`, `go run ./cmd/srv`) — not a program found on PATH
    (`pkill firefox; firefox &` is still asked).  Only a plain name (letters, digits, `-_.`) counts."""
    node = getattr(cmd, "node", None)
    sources = getattr(a, "_sources", None)
    name = pattern.strip("'\" ^$")
    if node is None or not sources or U in pattern or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,}", name):
        return False
    rest = sources[-1][getattr(node, "end_byte", len(sources[-1])):].decode("utf-8", "replace")
    n = re.escape(name)
    # a program of the project (a path: ./target/release/srv, bin/srv), not one on PATH (`firefox &`)
    as_command = rf"(?:^|[;&|(\n]|&&|\|\|)\s*(?:nohup\s+|setsid\s+|exec\s+)?{_ENV_PREFIX}\S*/{n}(?=\s|$|[;&|)])"
    as_target = rf"\b(?:cargo\s+run\b[^;&|\n]*?(?:-p|--package|--bin)[ =]|go\s+run\s+\S*/){n}(?=\s|$|[;&|)])"
    return bool(re.search(as_command, rest) or re.search(as_target, rest))


@handles("kill")
def kill(a, cmd, scope):
    args = cmd.args
    if not args or args[0] in ("-l", "-L", "--list", "-t", "--table"):
        return
    if args[0] in ("-0", "-SIG0") or len(args) > 1 and args[0] in ("-s", "-n", "--signal") and args[1] == "0" or \
            args[0] == "--signal=0":
        return  # `kill -0 1`, `kill -s 0 $pid`: signal 0 is never sent — it only asks whether the process exists
    targets = []
    i = 0
    sig_seen = False
    while i < len(args):
        x = args[i]
        if x in ("-s", "-n", "--signal"):
            i += 2
            sig_seen = True
            continue
        if x.startswith("-") and not sig_seen and len(args) > 1 and i == 0:
            sig_seen = True
            i += 1
            continue
        if x == "--":
            i += 1
            continue
        targets.append(x)
        i += 1
    text = cmd.text or ""
    if _kills_interlock_by_pid(a, cmd, scope, text):
        return
    sources = getattr(a, "_sources", None)
    line = sources[-1].decode("utf-8", "replace") if sources else ""
    for m in _PIPED_KILL.finditer(line):  # `pgrep -f interlock | xargs kill`: the pids the listing printed
        names = " ".join(w for w in m.group(2).split() if not w.startswith("-"))
        if names and (_selfprotect.names_interlock(names) or _pattern_hits_interlock(names)):
            a.emit("interlock.kill", cmd, target=names, effect="kill")
            return
    for m in _PIPED_PORT_KILL.finditer(line):  # `lsof -ti :7717 | xargs kill`
        port = _own_port(m.group(2))
        if port:
            a.emit("interlock.kill", cmd, target=f"port {port}", effect="kill",
                   note=f"whatever listens on port {port}: one of Interlock's own servers by default")
            return
    for m in re.finditer(r"\$\(\s*(pgrep|pidof)\s+([^)]*)\)", text):
        words = m.group(2).split()
        if m.group(1) == "pgrep" and any(w in ("-u", "-U") for w in words) and any(w in ("root", "0") for w in words):
            a.emit("proc.kill-all", cmd, target="every root process", effect="kill")
        else:
            names = [w for w in words if not w.startswith("-")]
            if names:
                judge_kill_by_name(a, cmd, " ".join(names))
    for t in targets:
        if t in ("-1", "1", "-9", "0") and not (t == "-9" and len(targets) > 1):
            if t in ("-1", "1") or (t == "0" and False):
                a.emit("proc.kill-all", cmd, target="all processes" if t == "-1" else "init (pid 1)",
                       effect="kill")


def _pattern_hits_interlock(pattern) -> bool:
    """pkill/pgrep patterns are regular expressions: `[i]nterlock`, `interloc.`, `'inter''lock'` match
    Interlock's processes without holding its name.  Counted when the pattern matches five letters or more
    of the name (`lock`, `er` alone are too common a piece of other names)."""
    p = pattern.strip("'\" ")
    if U in p or not p:
        return False
    try:
        m = re.search(p, _selfprotect.OWN_NAME, re.I)
        anything = re.search(p, "node /srv/app.js --port 3000; python3 -m http.server", re.I)
    except re.error:
        return False
    # a pattern that fits any process (`.*`, `.`) is proc.kill-all's business, not a kill aimed at Interlock
    return m is not None and m.end() - m.start() >= 5 and anything is None


_PIPED_KILL = _LazyRe(r"\b(pgrep|pidof)\s+([^|;&]*)\|\s*(?:sudo\s+)?xargs\s+(?:-\S+\s+)*(?:sudo\s+)?kill\b")
_PIPED_PORT_KILL = _LazyRe(r"\b(lsof|fuser)\b([^|;&]*)\|\s*(?:sudo\s+)?xargs\s+(?:-\S+\s+)*(?:sudo\s+)?kill\b")


def _kills_interlock_by_pid(a, cmd, scope, text) -> bool:
    """`kill $(cat ~/.local/state/interlock/x.pid)`, `kill $(< $INTERLOCK_HOME/hookd.pid)`,
    `kill $(lsof -ti :7717)`, `kill $(fuser 7717/tcp)`: a pid read from Interlock's own state, or the
    holder of one of its ports."""
    for m in re.finditer(r"\$\(\s*(?:cat\s+|<\s*|head\s+(?:-n\s*1\s+|-1\s+)?)([^)\s]+)\s*\)", text):
        place = a.place(m.group(1), scope)
        if place.kind == P.SELF:  # a pid file in Interlock's state (not any path that holds the word)
            a.emit("interlock.kill", cmd, target=P.display(place.path, a.pctx), effect="kill",
                   note="the process whose pid Interlock's own state holds")
            return True
    for m in re.finditer(r"\$\(\s*(lsof|fuser)\b([^)]*)\)", text):
        port = _own_port(m.group(2))
        if port:
            a.emit("interlock.kill", cmd, target=f"port {port}", effect="kill",
                   note=f"whatever listens on port {port}: one of Interlock's own servers by default")
            return True
    return False


def _own_port(text):
    for p in re.findall(r"(?<![\d.])(\d{2,5})(?:/tcp|/udp)?\b", text or ""):
        if p in _selfprotect.OWN_PORTS:
            return p
    return None


@handles("fuser")
def fuser(a, cmd, scope):
    """`fuser -k 7717/tcp`: kills whatever holds the port or file; Interlock's own ports and state are its."""
    if not any(x == "-k" or (x.startswith("-") and not x.startswith("--") and "k" in x) or x == "--kill"
               for x in cmd.args):
        return
    net = any(x in ("-n", "--namespace") for x in cmd.args)  # `fuser -k -n tcp 7717`
    for x in cmd.args:
        if x.startswith("-") or x in ("tcp", "udp", "file"):
            continue
        if (re.fullmatch(r"\d+/(tcp|udp)", x) or (net and x.isdigit())) and _own_port(x):
            a.emit("interlock.kill", cmd, target=f"port {x}", effect="kill",
                   note=f"whatever listens on {x}: one of Interlock's own servers by default")
            return
        place = a.place(x, scope)
        if place.kind == P.SELF or (place.path and P.holds_self(place.path, a.pctx)):
            a.emit("interlock.kill", cmd, target=P.display(place.path, a.pctx), effect="kill",
                   note="every process using Interlock's own files")
            return


@handles("killall5")
def killall5(a, cmd, scope):
    a.emit("proc.kill-all", cmd, target="all processes", effect="kill")


@handles("pkill", "killall", "pgrep")
def pkill(a, cmd, scope):
    if cmd.name == "pgrep":
        return
    f, v, ops = split_opts(cmd.args, with_arg="sugtPGFUn", long_with_arg=("--signal", "--euid", "--uid",
                                                                           "--group", "--parent", "--user"))
    if "-u" in v or "--user" in v or "--uid" in v or "--euid" in v:
        if not ops:
            a.emit("proc.kill-all", cmd, target=f"all processes of {v.get('-u') or v.get('--user')}", effect="kill")
            return
    if any(x in ("-h", "--help", "-V", "--version", "-l", "--list") for x in cmd.args):
        return
    for op in ops:
        name = op.split()[0].rsplit("/", 1)[-1] if op.split() else op
        if processes().services.match(name) or (cmd.remote and U not in name):
            # on a server or in a container, the process killed is usually the service itself
            a.emit("proc.kill-service", cmd, target=name, effect="kill")
        else:
            judge_kill_by_name(a, cmd, op)


@handles("crontab")
def crontab(a, cmd, scope):
    for x in cmd.args:
        if x.startswith("-") and not x.startswith("--") and "r" in x:
            a.emit("sys.crontab-remove", cmd, effect="delete")
            return
    ops = [x for x in cmd.args if x == "-" or not x.startswith("-")]
    if any(x in ("-l", "-e") for x in cmd.args) and not ops:
        return
    # installing a table: what its lines will run, every day (crontab FILE, ... | crontab -)
    if ops and ops[0] != "-":
        text = None if U in ops[0] else a.read_file(P.resolve(ops[0], a._scope_ctx(scope)))
        name = ops[0]
    else:
        text = cmd.stdin[1] if cmd.stdin and cmd.stdin[0] == "text" else None
        name = "<crontab>"
        if text is None and cmd.stdin and cmd.stdin[0] == "file" and U not in cmd.stdin[1]:
            text, name = a.read_file(P.resolve(cmd.stdin[1], a._scope_ctx(scope))), cmd.stdin[1]
        elif text is None and (cmd.stdin is None or cmd.stdin[0] in ("opaque", "unknown")) and \
                (ops == ["-"] or cmd.stdin is not None):
            a.emit("shell.opaque-stdin", cmd, effect="run", note="a crontab whose lines are only known when it runs")
            return
    for no, line in enumerate((text or "").split("\n")):
        job = _cron_command(line)
        if job:
            a.nested_shell(job, cmd, scope, origin=(name, no))


def _cron_command(line):
    s = line.strip()
    if not s or s.startswith("#") or re.match(r"^[A-Za-z_]\w*\s*=", s):
        return None
    if s.startswith("@"):
        parts = s.split(None, 1)
        return parts[1] if len(parts) > 1 else None
    parts = s.split(None, 5)
    return parts[5] if len(parts) == 6 else None


@handles("systemctl")
def systemctl(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="HMptnos", long_with_arg=("--host", "--machine", "--property",
                                                                          "--type", "--signal", "--state"))
    if not ops:
        return
    verb = ops[0]
    if verb == "kill" and (v.get("-s") or v.get("--signal") or "") in ("help", "list"):
        return  # `systemctl kill -s help` lists the signals
    if verb in ("enable", "reenable", "link", "start", "restart") and len(ops) > 1 and not a.remote:
        # what runs from now on (at every login or boot): the unit's commands
        _enabled_unit(a, cmd, scope, ops[1:], user="--user" in f)
    if verb in ("stop", "disable", "mask", "kill") and any(_selfprotect.names_interlock(u) for u in ops[1:]):
        a.emit("interlock.kill", cmd, target=" ".join(ops[1:]), effect=verb)
        return
    if verb in ("stop", "disable", "mask", "kill", "isolate", "preset", "preset-all"):
        a.emit("sys.service-stop", cmd, target=" ".join(ops[1:]) or None, effect=verb)
    elif verb in _RESTART_VERBS and len(ops) > 1:
        # a restart: silent here (infra.restart weighs write), an outage on a production host (`ssh prod-1 …`)
        a.emit("infra.restart", cmd, target=" ".join(ops[1:]), effect=verb)
    elif verb in ("poweroff", "reboot", "halt", "kexec", "emergency", "rescue", "suspend", "hibernate",
                  "soft-reboot"):
        a.emit("sys.power", cmd, effect=verb)


#: systemctl's and service's verbs that restart what runs (judged infra.restart: weighed by where)
_RESTART_VERBS = frozenset({"restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart",
                            "force-reload", "condrestart"})


@handles("service")
def service(a, cmd, scope):
    ops = [x for x in cmd.args if not x.startswith("-")]
    if len(ops) >= 2 and ops[1] in ("stop", "disable"):
        a.emit("sys.service-stop", cmd, target=ops[0], effect=ops[1])
    elif len(ops) >= 2 and ops[1] in _RESTART_VERBS:
        a.emit("infra.restart", cmd, target=ops[0], effect=ops[1])


@handles("shutdown", "reboot", "halt", "poweroff")
def power(a, cmd, scope):
    if any(x in ("-c", "--help", "--version", "-k") for x in cmd.args):
        return
    a.emit("sys.power", cmd, effect=cmd.name)


@handles("init", "telinit")
def init(a, cmd, scope):
    if cmd.args and cmd.args[0] in ("0", "6", "1", "s", "S"):
        a.emit("sys.power", cmd, effect="runlevel " + cmd.args[0])


@handles("iptables", "ip6tables", "iptables-legacy", "iptables-nft", "ip6tables-legacy")
def iptables(a, cmd, scope):
    for i, x in enumerate(cmd.args):
        if x in ("-F", "--flush", "-X", "--delete-chain") or (x.startswith("-") and not x.startswith("--")
                                                                 and "F" in x and len(x) <= 4):
            a.emit("net.firewall-flush", cmd, effect="flush")
            return
        if x in ("-P", "--policy") and i + 2 < len(cmd.args) and cmd.args[i + 2] == "DROP":
            a.emit("net.firewall-flush", cmd, effect="policy-drop")
            return
        if x in ("-D", "--delete"):
            a.emit("sys.config-remove", cmd, target="firewall rule " + " ".join(cmd.args[i + 1:i + 3]),
                   effect="delete")
            return
    from . import exposure

    exposure.iptables(a, cmd)


@handles("nft")
def nft(a, cmd, scope):
    if "flush" in cmd.args or ("delete" in cmd.args and "table" in cmd.args):
        a.emit("net.firewall-flush", cmd, effect="flush")
    else:
        from . import exposure

        exposure.nft(a, cmd)


@handles("ufw")
def ufw(a, cmd, scope):
    if any(x in ("disable", "reset") for x in cmd.args):
        a.emit("net.firewall-flush", cmd, effect="disable")

    elif [x for x in cmd.args if not x.startswith("-")][:1] == ["delete"]:
        a.emit("sys.config-remove", cmd, target="ufw rule " + " ".join(cmd.args[1:]), effect="delete")
    else:
        from . import exposure

        exposure.ufw(a, cmd)


@handles("userdel", "deluser", "groupdel", "delgroup")
def userdel(a, cmd, scope):
    if any(x in ("-r", "--remove", "--remove-home", "--remove-all-files", "-f") for x in cmd.args) \
            and cmd.name in ("userdel", "deluser"):
        a.emit("sys.userdel-home", cmd, target=(cmd.args or [""])[-1], effect="delete")
    elif any(not x.startswith("-") for x in cmd.args):
        a.emit("sys.userdel", cmd, target=(cmd.args or [""])[-1], effect="delete")


#: The package managers of knowledge/packages.toml without a handler of their own (brew, pip and pipx call the
#: model from theirs); tests/test_leftovers.py checks the two lists agree.
PKG_MANAGERS = ("apt", "apt-get", "aptitude", "yum", "dnf", "microdnf", "zypper", "tdnf", "apk", "snap", "port",
                "pacman", "rpm", "dpkg", "flatpak")


@handles(*PKG_MANAGERS)
def pkg(a, cmd, scope):
    """Package removal: one model, knowledge/packages.toml (shell/packages.py)."""
    from . import packages

    packages.judge(a, cmd, scope)


_PKG_INTERLOCK = _LazyRe(r"^(?:interlock(?:[\[=<>~!;@ ].*)?|.*/interlock(?:-[0-9][^/]*)?(?:\.tar\.gz|\.whl|\.zip)?/?)$",
                         re.I)


def _rewrites_environment(a, cmd, scope, raw):
    """A Python environment a command creates anew, clears or installs into (``python -m venv --clear
    DIR``, ``uv venv DIR``, ``pip install --target/--prefix/--root DIR``, ``uv pip --python PY``): where
    that is Interlock's own, the code that runs the hook is replaced."""
    if not raw or U in raw:
        return
    place = a.place(raw, scope)
    if place.path and (place.kind == P.SELF or P.holds_self(place.path, a.pctx)):
        a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite",
               note="rewrites the Python environment Interlock runs from")


_ENV_DEST_OPTS = ("--target", "-t", "--prefix", "--root", "--python", "-p", "--path")


def _environment_destinations(a, cmd, scope, args):
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name in _ENV_DEST_OPTS:
            _rewrites_environment(a, cmd, scope, val if eq else (args[i + 1] if i + 1 < len(args) else ""))


@handles("virtualenv")
def virtualenv(a, cmd, scope):
    for x in cmd.args:
        if not x.startswith("-"):
            _rewrites_environment(a, cmd, scope, x)


@handles("pip", "pip3", "uv", "pipx")
def pip(a, cmd, scope):
    args = cmd.args
    if cmd.name == "uv" and args[:1] == ["publish"]:  # uploads to a package index: its knowledge file says so
        from . import clis

        clis.handler(a, cmd, scope)
        return
    if cmd.name == "uv" and args[:1] == ["venv"]:  # uv venv DIR: made anew (an existing one is emptied)
        ops = [x for x in args[1:] if not x.startswith("-")]
        _rewrites_environment(a, cmd, scope, ops[0] if ops else ".venv")
    if (cmd.name in ("pip", "pip3") and args[:1] == ["install"]) or (cmd.name == "uv" and args[:2] == ["pip", "install"]):
        _environment_destinations(a, cmd, scope, args)
    verbs = args[1:2] if cmd.name == "uv" and args[:1] == ["pip"] else args[:1]
    if cmd.name == "uv" and args[:1] == ["tool"]:
        verbs = args[1:2]
    if verbs and verbs[0] in ("install", "uninstall", "upgrade", "reinstall", "sync", "remove"):
        ops = [x for x in args if not x.startswith("-")]
        if any(_PKG_INTERLOCK.match(x) for x in ops[1:]):
            a.emit("interlock.self-command", cmd, target="the interlock package", effect="run",
                   note="replaces or removes the code that runs the hook")
    if cmd.name == "pipx":
        from . import packages

        packages.judge(a, cmd, scope)  # (`pipx run PKG ...`: knowledge/runners.toml)
        return
    if cmd.name != "uv" and args[:1] == ["install"] or cmd.name == "uv" and args[:2] == ["pip", "install"]:
        _local_setup_py(a, cmd, scope, args)
    if cmd.name == "uv":
        if args[:2] == ["pip", "uninstall"] and "--system" in args:  # (`uv run CMD`: knowledge/runners.toml)
            a.emit("pkg.remove-system", cmd, effect="remove")
        return
    if args and args[0] == "uninstall":
        from . import packages  # knowledge/packages.toml: sudo or --break-system-packages reach the system's

        packages.judge(a, cmd, scope)


pip.knowledge_fallback = True  # `uv publish` goes to its knowledge file (python-publishers.toml)

@handles("history")
def history(a, cmd, scope):
    if any(x.startswith("-") and "c" in x for x in cmd.args):
        a.emit("shell.history-clear", cmd, effect="delete")


# --- git ------------------------------------------------------------------------------------------

@handles("git")
def git(a, cmd, scope):
    from . import git as G

    G.git(a, cmd, scope)


# --- remote execution --------------------------------------------------------------------------

@handles("ssh")
def ssh(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="BbcDEeFIiJLlmOoPpQRSWw", stop_at_operand=True)
    ssh_options(a, cmd, scope, cmd.args[:len(cmd.args) - len(ops) + 1] if ops else cmd.args)
    if not ops:
        return
    host = ops[0]
    if "-l" in v and "@" not in host:
        host = v["-l"] + "@" + host
    remote_cmd = ops[1:]
    forced = _forced_program(host.split("@", 1)[0]) if "@" in host else None
    if forced and remote_cmd:
        remote_cmd = [forced] + remote_cmd  # `ssh dokku@h apps:destroy x`: that login runs `dokku apps:destroy x`
    if remote_cmd:
        if cmd.stdin and cmd.stdin[0] == "file" and remote_cmd[0].rsplit("/", 1)[-1] in SHELLS and len(remote_cmd) == 1:
            _ssh_stdin_script(a, cmd, scope, host)  # ssh host bash < job.sh
        a.nested_shell(" ".join(remote_cmd), cmd, scope, remote=host)
    elif cmd.stdin and cmd.stdin[0] == "text":
        _run_stdin(a, cmd.derive(cmd.argv, remote=host), scope, "shell")
    elif cmd.stdin and cmd.stdin[0] == "file":
        _ssh_stdin_script(a, cmd, scope, host)  # ssh host < job.sh: the remote shell runs the file


class _SshUsers:
    def __init__(self, raw):
        self.programs = {}
        for u in raw.get("user", []):
            if not isinstance(u.get("name"), str) or not isinstance(u.get("program"), str):
                raise ValueError("each [[user]] needs name and program")
            self.programs[u["name"]] = u["program"]
        self.examples = [tuple(e) for e in raw.get("examples", [])]


def _forced_program(user):
    """The program an ssh login's forced command runs (knowledge/ssh_users.toml), or None."""
    from ...knowledge import KnowledgeError, model

    try:
        return model("ssh_users.toml", _SshUsers).programs.get(user)
    except KnowledgeError:
        return None  # (the engine fails closed on the broken file: knowledge.trip)


def _ssh_stdin_script(a, cmd, scope, host):
    raw = cmd.stdin[1]
    if U in raw:
        a.emit("shell.opaque-stdin", cmd, effect="run", note="a script only known when it runs")
        return
    text = a.read_file(P.resolve(raw, a._scope_ctx(scope)))
    if text:
        a.nested_shell(text, cmd, scope, remote=host, origin=(raw, 0))


@handles("scp", "sftp")
def scp(a, cmd, scope):
    ssh_options(a, cmd, scope, cmd.args)
    f, v, ops = split_opts(cmd.args, with_arg="cDFiJlmoPsSX")
    if v.get("-S"):  # the program used instead of ssh
        command_value(a, cmd, scope, "-S", v["-S"])
    if check_args_for_secrets(a, cmd, scope):
        return
    if cmd.name == "scp" and len(ops) >= 2:
        copy_to_host(a, cmd, ops[-1])


_HOST_DEST = _LazyRe(r"^(?:rsync://|(?:[^\s/:@]+@)?[A-Za-z0-9_][A-Za-z0-9_.$<>{}-]+::?)")


def copy_to_host(a, cmd, dest):
    """``rsync -av dist/ deploy@web1:/var/www``, ``scp app.tgz host:``: files copied to another machine —
    a deploy or a transfer out of this one (a copy *from* a host, ``scp host:x .``, is a download)."""
    host = dest.split(":", 1)[0] if ":" in dest else ""
    if not host or dest.startswith(("/", "./", "../", "~")) or "/" in host or (len(host) == 1 and host.isalpha()) or \
            not (_HOST_DEST.match(dest) or U in host):  # C:/path; `$1:~/x` (a host only known when it runs)
        return
    name = host.rsplit("@", 1)[-1]
    env = a.environment_of("host", name)
    if env is None and U not in name and "." not in name and _NONPROD_HOST.search(name):
        # a bare name (an ssh alias the user set up: `deploy@staging`) that says staging, dev or test; a
        # dotted name is anyone's (`staging.attacker.example`): only the policy can say it is not production
        env = "staging"
    if env is not None and not _is_production(env):
        return  # `scp dist/app.tgz deploy@staging:/tmp/`: a staging, dev or test machine
    a.emit("net.copy-to-host", cmd, target=dest.replace(U, "$?"), effect="send", environment=env)


_NONPROD_HOST = _LazyRe(r"(?i)(?:^|[.@_-])(?:staging|stage|stg|dev|develop|test|testing|qa|sandbox|preview|localhost)"
                        r"(?:[.\d_-]|$)|^127\.|^localhost$")


def _is_production(env: str) -> bool:
    from ...policy import is_production

    return is_production(env)


@handles("docker", "podman", "nerdctl")
def docker(a, cmd, scope):
    args = cmd.args
    if not args or args[0] != "exec":
        _lazy("infra", cmd.name)(a, cmd, scope)
        return
    _, rest = _first_cmd(args[1:], with_arg="euwd", long_with_arg=("--env", "--user", "--workdir", "--env-file",
                                                                   "--detach-keys"))
    if len(rest) >= 2:
        container, inner = rest[0], rest[1:]
        a.remote_dispatch(cmd, scope, inner, f"container:{container}")


@handles("kubectl", "oc")
def kubectl(a, cmd, scope):
    args = cmd.args
    if "exec" not in args[:3] or "--" not in args:
        _lazy("infra", cmd.name)(a, cmd, scope)
        return
    k = args.index("--")
    inner = args[k + 1:]
    ctx = next((x.split("=", 1)[1] for x in args[:k] if x.startswith("--context=")), None)
    if ctx is None and "--context" in args[:k]:
        j = args.index("--context")
        ctx = args[j + 1] if j + 1 < k else None
    pod = next((x for x in args[args.index("exec") + 1:k] if not x.startswith("-")), "pod")
    a.remote_dispatch(cmd, scope, inner, f"pod:{pod}" + (f"@{ctx}" if ctx else ""))


# --- Interlock itself -------------------------------------------------------------------------

SAFE_INTERLOCK = frozenset({"check", "log", "rules", "explain", "doctor", "version", "--version", "--help", "-h",
                            "help", "hook", "status", "pending", "stats", "demo", "policy",
                            "approvals",   # listing requests is read-only: the agent may show the user an id
                            "snapshots"})  # listing and verifying snapshots is read-only; `restore` is not
APPROVING = frozenset({"approve", "reject", "approvers"})


@handles("interlock")
def interlock_cmd(a, cmd, scope):
    ops = [x for x in cmd.args if not x.startswith("-")]
    sub = ops[0] if ops else (cmd.args[0] if cmd.args else "help")
    if sub == "secrets" and len(ops) > 1 and ops[1] == "scan":
        return  # scanning for stray credentials reveals only masked values
    if sub in APPROVING:
        a.emit("interlock.approve-self", cmd, target=f"interlock {sub}", effect="approve")
        return
    if sub == "backups" and ops[1:2] in (["status"], ["unit"]):
        return  # the public status of the backups (RPO met or not) and the unit text are read-only
    if sub in SAFE_INTERLOCK:
        if sub == "log" and any(x in ("--prune", "--clear", "--truncate") for x in cmd.args):
            a.emit("interlock.self-command", cmd, target="interlock log", effect="modify")
        return
    a.emit("interlock.self-command", cmd, target=f"interlock {sub}", effect="self")


# --- everything else ---------------------------------------------------------------------------

READERS_WITH_PATTERN = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "awk", "gawk", "sed", "jq", "yq",
                                  "zgrep", "zegrep", "bzgrep", "xzgrep"})


#: Programs that rewrite their file operands in place: name -> (options that say so, or None when
#: they always do; how many leading operands are not files — a sed/yq expression, a perl script).
IN_PLACE = {"sed": (("-i", "--in-place"), 1), "gsed": (("-i", "--in-place"), 1), "yq": (("-i", "--inplace"), 1),
            "perl": (("-i",), 1), "ruby": (("-i",), 1), "sd": (None, 2), "dos2unix": (None, 0),
            "unix2dos": (None, 0), "ed": (None, 0), "ex": (None, 0), "prettier": (("--write", "-w"), 0),
            "black": (None, 0), "ruff": (("format", "--fix"), 0), "npx": (None, 0)}


def edits_in_place(a, cmd, scope):
    """An in-place edit of one of Interlock's own files (`perl -pi -e … .claude/settings.json`)."""
    spec = IN_PLACE.get(cmd.name)
    if spec is None or cmd.name == "npx":
        return
    flags, skip = spec
    args = cmd.args
    if flags is not None and not any(
            x in flags or x.startswith(tuple(f + "=" for f in flags if f.startswith("--")))
            or (x.startswith("-") and not x.startswith("--") and "-i" in flags and "i" in x[1:].split(".")[0])
            for x in args):
        return
    ops = [x for x in args if not x.startswith("-")]
    if cmd.name in ("perl", "ruby") and any(x == "-e" or (x.startswith("-") and not x.startswith("--")
                                                          and x.endswith("e")) for x in args):
        skip = 1  # the -e code is an operand here
    if cmd.name in ("ruff",):
        ops = [x for x in ops if x not in ("format", "check")]
    for f in ops[skip:]:
        place = a.place(f, scope)
        if place.kind == P.SELF:
            a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="edit")
            return
        if place.kind in (P.OUTSIDE, P.HOME) and U not in f:
            check_overwrite(a, cmd, f, scope=scope)  # an in-place edit of a file outside the workspace


# compressors that, without -c/--stdout, write each file's (de)compressed form beside it
_COMPRESSORS = frozenset({"gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "lzma", "unlzma", "zstd", "unzstd",
                          "lz4", "lzip", "pigz", "pbzip2", "compress", "uncompress"})


_COMPRESSED_EXT = {"gzip": ".gz", "pigz": ".gz", "bzip2": ".bz2", "pbzip2": ".bz2", "xz": ".xz", "lzma": ".lzma",
                   "zstd": ".zst", "lz4": ".lz4", "lzip": ".lz", "compress": ".Z"}


def unknown_program(a, cmd, scope):
    """Programs without specific knowledge: judge by their arguments."""
    name = cmd.name
    if name in file_use().names_only:
        return
    from . import clis  # a knowledge file for this program, else the generic verb model

    clis.unknown(a, cmd, scope)
    args = cmd.args
    if name == "ssh-keygen" and any(x.startswith("-") and not x.startswith("--") and set(x[1:]) & set("lpcyeBK")
                                    for x in args):
        return  # `ssh-keygen -pf key` (passphrase), `-lf` (fingerprint), `-y` (the public half): no private key shown
    if name == "ssh-keygen":
        _, v, _ops = split_opts(args, with_arg="tbCNfaomZPw")
        made = v.get("-f")
        if made and U not in made and all(x.startswith("-") and set(x[1:]) <= set("tbCNfaomZPwqv") or
                                          i and args[i - 1] in ("-t", "-b", "-C", "-N", "-f", "-a", "-o", "-m", "-Z",
                                                                "-P", "-w") for i, x in enumerate(args)) and \
                not os.path.lexists(P.resolve(made, a._scope_ctx(scope))):
            return  # `ssh-keygen -t ed25519 -f ~/.ssh/deploy`: a new key written where none is, nothing read
    if name in _COMPRESSORS and not any(x in ("--stdout", "--to-stdout") or (
            x.startswith("-") and not x.startswith("--") and "c" in x[1:]) for x in args):
        for f in (x for x in args if not x.startswith("-") and U not in x):
            ext = _COMPRESSED_EXT.get(name)
            if ext and not any(x in ("-d", "--decompress") or (x.startswith("-") and not x.startswith("--") and
                                                              "d" in x[1:]) for x in args):
                _record_alias(a, cmd, scope, f, f + ext)  # `gzip -k .env && cat .env.gz`: the secret, compressed
        return  # `bzip2 -kv */*`, `gzip big.log`: each file (de)compressed beside itself, nothing shown or sent
    if name in IN_PLACE:
        edits_in_place(a, cmd, scope)
    if name in READERS_WITH_PATTERN and name in ("grep", "egrep", "rg", "ag", "ack") and _matches_every_line(name, args):
        # `grep -r . ~`, `rg '' /`: every line of every file under the tree is printed
        ops = [x for x in args if not x.startswith("-")][1:] or ["."]
        for op in ops:
            if U not in op and reads_tree(a, cmd, op.rstrip("/") + "/" + U, scope, prints_all=True):
                return
    if name in READERS_WITH_PATTERN:
        if name in ("sed",) and any(x.startswith("-i") or x == "--in-place" for x in args):
            ops = [x for x in args if not x.startswith("-")]
            for f in ops[1:]:
                place = a.place(f, scope)
                if place.kind == P.SELF:
                    a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="edit")
        _search_secrets(a, cmd, scope)
        if name == "jq":  # `jq '.env' package.json`: the first operand is the filter, not a file
            check_args_for_secrets(a, cmd, scope, _jq_files(args))
            return
        # the first operand is the pattern (`grep -rn 'process.env' src/`), unless -e/-f gave it; an option's
        # value is no operand (`grep -zom 1 '.*'` reads its input for the pattern `.*`)
        ops = [x for x in args if not x.startswith("-")] if name not in _GREP_ARITY else \
            split_opts(args, with_arg=_GREP_ARITY[name][0], long_with_arg=_GREP_ARITY[name][1])[2]
        if ops and not any(x in ("-e", "-f", "--regexp", "--file") or x.startswith(("--regexp=", "-e"))
                           for x in args if x.startswith("-")) and name not in ("jq", "yq", "awk", "gawk", "sed"):
            check_args_for_secrets(a, cmd, scope, ops[1:])
            return
    check_args_for_secrets(a, cmd, scope)


#: grep's options that take a value (short letters, long names): their values are not operands
_GREP_ARITY = {g: ("efmABCdD", ("--regexp", "--file", "--max-count", "--after-context", "--before-context",
                                "--context", "--directories", "--devices", "--label", "--include", "--exclude",
                                "--exclude-dir", "--binary-files"))
               for g in ("grep", "egrep", "fgrep")}


_JQ_STEP = _LazyRe(r"""\.(?:([A-Za-z_][\w-]*)|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\])|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]""")


def _jq_path_misses_tokens(cmd, path) -> bool:
    """A jq filter that is one plain path (`.a.b`, `.a["b"]`, `.[0].name`) selects one value of the JSON file: when
    that value, as the file is now, holds no literal credential, jq prints none.  Any other filter, a file that is
    not JSON, a path that is not there: False (judged as printing the file)."""
    import json

    ops = [x for x in cmd.args if not x.startswith("-")]
    if len(ops) != 2 or any(x.startswith(("--arg", "--slurp", "--raw-input", "-s", "-R", "-f", "--from-file",
                                          "--rawfile", "--args", "--jsonargs")) for x in cmd.args):
        return False
    filt = ops[0].strip()
    if not filt.startswith(".") or filt == ".":
        return False
    steps, pos = [], 0
    for m in _JQ_STEP.finditer(filt):
        if m.start() != pos:
            return False
        pos = m.end()
        key = next((g for g in (m.group(1), m.group(2), m.group(4)) if g is not None), None)
        steps.append(key if key is not None else int(m.group(3) or m.group(5)))
    if pos != len(filt) or not steps:
        return False
    try:
        from ...fsread import read_regular
        from ..secrets import file_tokens

        raw = read_regular(path, 256 * 1024).decode("utf-8")
        tokens = [raw[h.start:h.end] for h in file_tokens(path)]
        v = json.loads(raw)
        for k in steps:
            v = v[k] if isinstance(k, str) and isinstance(v, dict) or isinstance(k, int) and isinstance(v, list) \
                else None
            if v is None:
                return False
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    from ..literal_secrets import find_secrets

    text = json.dumps(v)
    if any(str(k) and _SECRET_PATTERN.search(str(k)) for k in steps):
        return False  # `.railway.token`: a key named as a secret is one
    return not any(t and t in text for t in tokens) and not find_secrets(text) and not _SECRET_PATTERN.search(text)


def _jq_files(args):
    """The files jq reads: its operands after the filter (all of them with -f/--from-file, whose value is read
    too), and the files of --slurpfile/--rawfile; not --arg/--argjson values nor what follows --args/--jsonargs."""
    files, ops, from_file, i = [], [], False, 0
    while i < len(args):
        x = args[i]
        if x in ("--arg", "--argjson", "--slurpfile", "--rawfile"):
            if x in ("--slurpfile", "--rawfile") and i + 2 < len(args):
                files.append(args[i + 2])
            i += 3
            continue
        if x in ("--indent",):
            i += 2
            continue
        if x in ("-f", "--from-file") and i + 1 < len(args):
            from_file = True
            files.append(args[i + 1])
            i += 2
            continue
        if x in ("--args", "--jsonargs"):
            break
        if x == "--":
            ops += args[i + 1:]
            break
        if not x.startswith("-") or x == "-":
            ops.append(x)
        i += 1
    return files + (ops if from_file else ops[1:])


_EVERY_LINE = frozenset({"", ".", "^", "$", ".*", "^.*", ".*$", "^.*$", "^.*$", "\\w*", "[\\s\\S]*", "(.*)", ".?"})


#: ordinary file names: a pattern fitting one of them reaches ordinary files, not only secrets
_ORDINARY_NAMES = ("notes.txt", "a.t", "main.c", "index.html", "app.js", "README", "x", "data.json", "a.md", "a.r")


def _pattern_broad(path, a=None) -> bool:
    """A glob whose last name also fits ordinary files (`*`, `*.[txt|TXT]`, `x*`), not one made for a secret's
    name (`*.pem`, `.env*`, `id_*`) — nor one in a directory where every file is a secret (`~/.ssh/*`)."""
    import fnmatch

    d, _, base = path.rstrip("/").rpartition("/")
    return any(fnmatch.fnmatchcase(n, base) and (a is None or not is_secret_path(
        (d or ".") + "/" + n, a.pctx.home, a.secret_extra, a.secret_exempt)) for n in _ORDINARY_NAMES)


def _plain_search(cmd) -> bool:
    """`grep String FILES`: a search for one pattern given as the first operand that is not every line, not
    inverted, without context lines, and names no secret (_SECRET_PATTERN)."""
    name, args = cmd.name, cmd.args
    if name not in _GREP_ARITY:
        return False
    f, v, ops = split_opts(args, with_arg=_GREP_ARITY[name][0], long_with_arg=_GREP_ARITY[name][1])
    if any(k in v for k in ("-e", "-f", "--regexp", "--file", "-A", "-B", "-C", "--after-context",
                            "--before-context", "--context")) or any(
            x in ("--invert-match",) or x.startswith(("--regexp=", "--file=", "--context")) or
            (x.startswith("-") and not x.startswith("--") and "v" in x) for x in f):
        return False
    return bool(ops) and ops[0] not in _EVERY_LINE and U not in ops[0] and not _SECRET_PATTERN.search(ops[0])


def _matches_every_line(name, args) -> bool:
    """A recursive search whose pattern every line fits (`grep -r . DIR`): a dump of the files, not a search."""
    recursive = name in ("rg", "ag", "ack") or any(x in ("-r", "-R", "--recursive", "-d", "recurse") or (
        x.startswith("-") and not x.startswith("--") and ("r" in x or "R" in x)) for x in args)
    if not recursive or any(x in ("-l", "-c", "-L", "--files-with-matches", "--count", "--files", "-q", "--quiet")
                            or (x.startswith("-") and not x.startswith("--") and any(c in x for c in "lcLq"))
                            for x in args):
        return False
    pats = [args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-e", "--regexp")]
    if not pats:
        ops = [x for x in args if not x.startswith("-")]
        pats = ops[:1]
    return bool(pats) and all(p in _EVERY_LINE for p in pats)


_SECRET_PATTERN = _LazyRe(r"(?i)(token|secret|passw|api.{0,6}key|apikey|credential|private.{0,6}key|aws_|bearer|"
                          r"client.{0,3}secret|auth)|AKIA|ghp_|gho_|github_pat|sk_live|sk-|xox[abp]|glpat|"
                          r"BEGIN.{0,12}PRIVATE")


_GREPS = frozenset({"grep", "egrep", "fgrep", "zgrep", "zegrep", "bzgrep", "xzgrep", "rg", "ag", "ack"})


def _keys_reach_only(a, cmd, path) -> bool:
    """A printer of a secret file whose output the next pipeline stage cuts to counts (`| wc -l`) or to
    the names before `=` (`| cut -d= -f1`) — the latter only when every line of the file, as it is on
    disk, is blank, a comment or KEY=…: `cut` prints a line without `=` whole (a PEM body, a multi-line
    value), so such a file is still a read."""
    kind = getattr(a, "keys_only_next", False)
    if not kind or (cmd.name not in DUMPERS and cmd.name not in _GREPS) or a.remote or \
            any(op.startswith(">") for op, _ in (cmd.redirects or ())):
        return False
    if kind == "count":
        return True
    text = _small_text(path)
    if text is None:
        return False
    for line in text.splitlines():
        t = line.strip()
        if t and not t.startswith("#") and "=" not in t:
            return False
    return True


def _small_text(path, limit=256 * 1024) -> str | None:
    """A regular file's text as it is on disk, when it is under ``limit`` bytes and holds no NUL; None
    otherwise (unreadable, too large, binary): the callers then keep the read a read."""
    from ...fsread import read_regular

    try:
        data = read_regular(path, limit)
    except (OSError, ValueError):
        return None
    if len(data) >= limit or b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


_PLAIN_NAME = _LazyRe(r"^\^?([A-Za-z_][A-Za-z0-9_]*)(=?)$")
#: Words in a variable's name that say it holds a secret (AWS_REGION does not; AWS_SECRET_ACCESS_KEY does).
_SECRET_NAME = _LazyRe(r"(?i)(token|secret|passw|pwd|key|credential|auth|private|bearer|session|cookie|salt|"
                       r"signature|cert|dsn|webhook)")


def _grep_prints_no_secret(a, cmd, path) -> bool:
    """`grep AWS_REGION .env.local`, `grep -E '^PORT=' .env`: a search of a secret file for one plain variable
    name that is not a secret's name, where every line it matches in the file as it is on disk is NAME=VALUE
    with neither a secret's name nor a literal secret: it prints no secret.  Context lines
    (-A/-B/-C), inverted or several patterns, a pattern from a file, a file this command line writes first: no
    (False).  "unseen" when the search would be judged so but the file cannot be looked at here (missing, not
    readable by Interlock): the caller asks."""
    if cmd.name not in ("grep", "egrep", "fgrep", "rg") or a.remote:
        return False
    pats, icase, anchored = [], False, False
    skip = False
    for x in cmd.args:
        if skip:
            skip = False
            continue
        if x in ("-e", "--regexp"):
            return False  # (patterns given with -e: one form only, below)
        if x.startswith("--"):
            if x in ("--ignore-case",):
                icase = True
            elif x not in ("--color", "--color=never", "--color=auto", "--no-filename", "--with-filename",
                           "--line-number", "--extended-regexp", "--fixed-strings", "--word-regexp"):
                return False
        elif x.startswith("-") and len(x) > 1:
            flags = x[1:]
            if any(c not in "iEFwnHhs" for c in flags):
                return False  # -v, -A/-B/-C, -f, -r, -o, -z…
            icase = icase or "i" in flags
        else:
            pats.append(x)
    if len(pats) != 2:
        return False  # PATTERN FILE
    m = _PLAIN_NAME.match(pats[0])
    if not m or _SECRET_NAME.search(m.group(1)):
        return False
    name, anchored = m.group(1), pats[0].startswith("^")
    from ..literal_secrets import find_secrets

    if path in a.written or path in a.generated:
        return False  # this command line writes it first: what it holds then is not what is on disk now
    text = _small_text(path)
    if text is None:
        return "unseen" if not os.path.isfile(path) or not os.access(path, os.R_OK) else False
    needle = name.lower() if icase else name
    matched = 0
    for line in text.splitlines():
        hay = line.lower() if icase else line
        if not (hay.startswith(needle) if anchored else needle in hay):
            continue
        matched += 1
        key, eq, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if not eq or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key) or _SECRET_NAME.search(key) or \
                find_secrets(line) or "://" in value and "@" in value:
            return False  # a line that is not NAME=VALUE, a secret's name, a literal secret, a URL with a login
    return matched > 0  # a name the file does not hold says nothing of what it is where the search runs


def lists_names_only(cmd) -> bool:
    """A search that prints names, counts or an exit status, never a line of the files it reads
    (`grep -rl PATTERN`, `grep -c`, `grep -q`, `rg -l`), for a pattern that does not aim at credentials:
    it reveals no secret of the files it opens.  (`rg -L` follows links; it is not `grep -L`.)"""
    if cmd.name not in _GREPS:
        return False
    args = cmd.args
    short = "lcq" if cmd.name in ("rg", "ag") else "lcqL"
    names = False
    pats, ops = [], []
    skip = False
    for i, x in enumerate(args):
        if skip:
            skip = False
            continue
        if x in ("-e", "--regexp"):
            if i + 1 < len(args):
                pats.append(args[i + 1])
            skip = True
        elif x.startswith("--regexp="):
            pats.append(x.split("=", 1)[1])
        elif x in ("-f", "--file") or x.startswith("--file="):
            return False  # patterns from a file: not known here
        elif x in ("--files-with-matches", "--files-without-match", "--count", "--quiet", "--silent", "-l", "-c",
                   "-q") or (x == "-L" and cmd.name not in ("rg", "ag")):
            names = True
        elif x.startswith("-") and not x.startswith("--") and len(x) > 1:
            names = names or any(c in short for c in x[1:])
        elif not x.startswith("-"):
            ops.append(x)
    if not pats and ops:
        pats = ops[:1]
    return names and bool(pats) and U not in "".join(pats) and not any(_SECRET_PATTERN.search(p) for p in pats)


def _names_only(args) -> bool:
    """grep/rg options that print names or counts, never a matching line."""
    for x in args:
        if x in ("-l", "-L", "-c", "-q", "--files-with-matches", "--files-without-match", "--count", "--quiet",
                 "--silent", "--files"):
            return True
        if x.startswith("-") and not x.startswith("--") and any(c in "lLcq" for c in x[1:]):
            return True
    return False


def _icase(args) -> bool:
    return any(x in ("--ignore-case", "-i") or (x.startswith("-") and not x.startswith("--") and "i" in x[1:])
               for x in args)


def _search_secrets(a, cmd, scope):
    """``grep -r TOKEN ~``: hunting for credentials outside the workspace; else what the search prints."""
    n = len(a.findings)
    _search_secret_files(a, cmd, scope)
    if len(a.findings) == n and cmd.name in _GREPS:
        search_prints_token(a, cmd, scope, cmd.name, cmd.args)


def _search_secret_files(a, cmd, scope):
    from .hunting import grep_like

    if cmd.name in ("grep", "egrep", "fgrep", "zgrep", "zegrep", "bzgrep", "xzgrep", "rg", "ag", "ack") and \
            grep_like(a, cmd, scope):
        return
    args = cmd.args
    if not any(x.startswith("-") and ("r" in x or "R" in x) for x in args if not x.startswith("--")) and \
            not any(x in ("--recursive", "-uu", "-uuu", "--hidden", "--no-ignore") for x in args) and \
            cmd.name not in ("rg", "ag", "ack"):
        return
    ops = [x for x in args if not x.startswith("-")]
    if len(ops) < 1 or not _SECRET_PATTERN.search(ops[0]):
        return
    # rg/ag skip hidden and git-ignored files (where .env lives) unless told otherwise
    reads_hidden = cmd.name not in ("rg", "ag") or any(
        x in ("-uu", "-uuu", "--hidden", "--no-ignore", "-u", "--unrestricted", "--all-types") for x in args)
    excluded = [x.split("=", 1)[1] for x in args if x.startswith(("--exclude=", "--exclude-dir="))]
    for p in ops[1:] or ["."]:
        place = a.place(p, scope)
        if place.kind in (P.HOME, P.ROOT, P.SYSTEM, P.OUTSIDE):
            a.emit("secrets.read-file", cmd, target=P.display(place.path, a.pctx), effect="search-secrets",
                   note="searches for credentials outside the workspace")
            return
        if reads_hidden and place.path:
            from ..secrets import tree_secret

            found = tree_secret(place.path, a.pctx.home, a.secret_extra, a.secret_exempt, excluded)
            if found:
                a.emit("secrets.read-file", cmd, target=P.display(found, a.pctx), effect="search-secrets",
                       note=f"a search for credentials over {P.display(place.path, a.pctx)} reads this file")
                return
        if place.path and U not in place.path and not _names_only(args):
            from ..secrets import tree_token_line

            # the lines it prints: one of them holds a literal token (the incident's script in the project)
            only = any(x == "--only-matching" or (x.startswith("-") and not x.startswith("--") and "o" in x[1:])
                       for x in args)
            line = tree_token_line(place.path, ops[0], icase=_icase(args), exempt=a.secret_exempt, hidden=reads_hidden,
                                   only_matching=only)
            if line:
                a.emit("secrets.file-token", cmd, target=P.display(line, a.pctx), effect="read-secret",
                       note="the search prints this line, and a credential is written in it")
                return


#: a pattern that matches a run of a token's characters: a class, \w \S \d \x or . repeated (`[0-9a-f]{8}`, `\S+`, `.*`)
_TOKEN_SHAPED = _LazyRe(r"(?:\[[^\]]*\]|\\[wSdxW]|\.)\s*(?:[*+]|\\?\{\d*,?\d*\\?\})")


def search_prints_token(a, cmd, scope, name, args, roots=None, included=()) -> bool:
    """What a content search prints, whatever its pattern looks like: a line (with -o, the match) holding a literal
    credential in a file the search reaches under a directory of the workspace (``grep -rEo '[0-9a-f-]{36}' scripts``,
    ``git grep --no-index -ho 'sk_live_[0-9A-Za-z]+'``, ``find . -name '*.sh' -exec grep TOKEN= {} +``): the search
    lifts the token into the agent's output.  A plain file operand is judged as a read of it elsewhere; names,
    counts and exit statuses (-l, -c, -q) print nothing of a line.  ``roots``: the trees a feeding find lists."""
    import os

    from ..hunt import to_python
    from ..secrets import tree_printed_token
    from .hunting import parse

    if a.remote or _names_only(args):
        return False
    s = parse(name, list(args))
    if not s.patterns or s.pattern_file or any(U in p for p in s.patterns):
        return False
    if roots is None:
        if name == "git-grep":
            ops = [x for x in s.operands if x != "--"]
            if any(U in x or not os.path.exists(P.resolve(x, a._scope_ctx(scope))) for x in ops):
                return False  # a revision: history is the hunt's to judge
            roots = ops or ["."]
        else:
            roots = s.operands or (["."] if s.recursive else [])
    only = any(x == "--only-matching" or (x.startswith("-") and not x.startswith("--") and "o" in x[1:])
               for x in args)
    if not only and not any(_TOKEN_SHAPED.search(p) or _SECRET_PATTERN.search(p) for p in s.patterns):
        return False  # `grep -rn TODO .`: a plain word, not a token's shape nor a secret's name — no walk of the tree
    for raw in roots[:8]:
        if U in raw:
            continue
        path = P.resolve(raw, a._scope_ctx(scope))
        if not os.path.isdir(path) or not a.pctx.workspace or not P._under(path, a.pctx.workspace):
            continue
        for pat in s.patterns[:4]:
            try:
                rx = to_python(pat, s.flavor)
            except Exception:  # a pattern not read here: not judged by this
                continue
            line = tree_printed_token(path, rx, icase=bool(s.icase), exempt=a.secret_exempt, hidden=s.hidden,
                                      only_matching=only, included=included)
            if line:
                a.emit("secrets.file-token", cmd, target=P.display(line, a.pctx), effect="read-secret",
                       note="the search prints this line" + (" 's match" if only else "") +
                       ", and a credential is written in it")
                return True
    return False


_TOOL_VARS = frozenset({"EDITOR", "VISUAL", "PAGER", "PYTHON", "PYTHON3", "NODE", "NPM", "NPX", "YARN", "PNPM", "CC",
                        "CXX", "LD", "AR", "MAKE", "GO", "CARGO", "RUSTC", "JAVA", "JAVAC", "MVN", "GRADLE", "DOCKER",
                        "KUBECTL", "GIT", "PIP", "PYTEST", "RUBY", "BUNDLE", "PERL", "PHP", "COMPOSER", "UV", "POETRY",
                        "BROWSER", "SHELL", "BASH", "TERRAFORM", "HELM", "JQ", "CURL", "OPEN", "VENV_PYTHON", "PY"})


#: the program a tool variable conventionally holds, when its value is not known here
_TOOL_VAR_DEFAULT = {"SHELL": "sh", "BASH": "bash", "PYTHON": "python3", "PYTHON3": "python3", "PY": "python3",
                     "VENV_PYTHON": "python3", "NODE": "node", "NPM": "npm", "NPX": "npx", "YARN": "yarn", "PNPM": "pnpm",
                     "GIT": "git", "DOCKER": "docker", "KUBECTL": "kubectl", "CURL": "curl", "TERRAFORM": "terraform",
                     "HELM": "helm", "JQ": "jq", "RUBY": "ruby", "PERL": "perl", "PHP": "php", "GO": "go",
                     "CARGO": "cargo", "PIP": "pip", "UV": "uv", "POETRY": "poetry", "MAKE": "make"}


def _tool_var_program(a, var):
    import os

    val = (a.env or {}).get(var)
    if val and U not in val and "/" in val or val and re.fullmatch(r"[\w.+-]+", val or ""):
        return os.path.basename(val.split()[0]) if val.split() else None
    return _TOOL_VAR_DEFAULT.get(var.upper())


def dynamic_command(a, cmd, scope):
    """The program name is only known when it runs (``$CMD args``)."""
    m = re.match(r"""^["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)""", (cmd.text or "").lstrip())
    var = m.group(1) if m else None
    if var is None or (var.upper() not in _TOOL_VARS and not var.upper().endswith(("_BIN", "_CMD_PATH", "_EXE"))):
        a.emit("shell.opaque-eval", cmd, target=f"${var}" if var else None, effect="run",
               note="the program is only known when it runs")
        return
    prog = _tool_var_program(a, var)
    if prog is not None and not getattr(a, "_in_tool_var", False):
        # `$SHELL -c 'rm -rf ~'`, `$PYTHON -c …`, `$GIT push -f`: the variable names a program of a known kind (its
        # value here, else the program it conventionally holds): judged as that program with these words
        a._in_tool_var = True
        try:
            a.dispatch(cmd.derive([prog] + list(cmd.args)), scope)
        finally:
            a._in_tool_var = False
        return
    for x in cmd.args:
        if x.startswith("-") or U in x:
            continue
        place = a.place(x, scope)
        if place.kind in (P.ROOT, P.HOME, P.SYSTEM, P.OUTSIDE, P.WORKSPACE_ROOT, P.SELF):
            a.emit("shell.opaque-eval", cmd, target=P.display(place.path, a.pctx), effect="run",
                   note="the program is only known when it runs")
            return


@handles("cd", "pushd")
def cd(a, cmd, scope):
    ops = [x for x in cmd.args if not (x.startswith("-") and len(x) > 1)]
    target = ops[0] if ops else "~"
    if target == "-" or U in target:
        scope.cwd = U
        return
    if U in scope.cwd and not target.startswith(("/", "~")):
        return
    scope.cwd = P.resolve(target, a._scope_ctx(scope))


# --- handlers that live in their own modules, imported on first use ----------------------------

def _lazy(module, name):
    def handler(a, cmd, scope):
        import importlib

        mod = importlib.import_module(f"interlock.analysis.shell.{module}")
        fn = mod.HANDLERS.get(name)
        if fn is not None:
            fn(a, cmd, scope)
        else:
            unknown_program(a, cmd, scope)
    return handler


def _register_lazy():
    from ... import rules_db, rules_infra

    for module, names in (("infra", rules_infra.PROGRAMS), ("databases", rules_db.PROGRAMS)):
        for n in names:
            if n not in HANDLERS:
                HANDLERS[n] = _lazy(module, n)


_register_lazy()


@handles("trap")
def trap(a, cmd, scope):
    """trap 'cmd' SIGNALS: the handler runs later, in this shell."""
    args = [x for x in cmd.args if x not in ("--",)]
    if len(args) >= 2 and not args[0].startswith("-") and args[0] not in ("-", ""):
        a.nested_shell(args[0], cmd, scope)


@handles("at", "batch")
def at(a, cmd, scope):
    """at/batch read the commands to run later from stdin or -f FILE."""
    f, v, ops = split_opts(cmd.args, with_arg="qftM", long_with_arg=())
    if any(x in f for x in ("-l", "-r", "-d", "-c")):
        return
    if "-f" in v:
        if not a.script_file(v["-f"], cmd, scope, language="shell"):
            _unreadable_script(a, cmd, scope, v["-f"])
        return
    _run_stdin(a, cmd, scope, "shell")


def _embedded_shell(a, cmd, scope, code, pattern):
    for m in re.finditer(pattern, code):
        lit = m.group(2)
        if lit:
            a.nested_shell(lit, cmd, scope)


@handles("awk", "gawk", "mawk", "nawk")
def awk(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="fvF", long_with_arg=("--file", "--assign", "--field-separator"))
    if ops:
        prog = ops[0]
        _embedded_shell(a, cmd, scope, prog, r"""system\s*\(\s*(["'])(.*?)\1\s*\)""")
        _embedded_shell(a, cmd, scope, prog, r"""(["'])([^"']+)\1\s*\|\s*getline""")
        if U in prog and "system" in prog:
            a.emit("shell.opaque-eval", cmd, effect="run", note="awk system() of a value only known when it runs")
        for m in re.finditer(r'\bgetline\b[^<\n;]*<\s*\(?\s*"([^"]+)"', prog):  # getline l < "FILE": read
            if U not in m.group(1) and (check_read(a, cmd, m.group(1), scope) or check_file_tokens(
                    a, cmd, P.resolve(m.group(1), a._scope_ctx(scope)))):
                break
        from .hunting import program_search

        program_search(a, cmd, scope, prog, ops[1:])  # awk '/TOKEN=/' over the home directory
        check_args_for_secrets(a, cmd, scope, ops[1:])


@handles("lua", "luajit")
def lua(a, cmd, scope):
    args = cmd.args
    for i, x in enumerate(args[:-1]):
        if x == "-e":
            code = args[i + 1]
            from . import netshell

            netshell.code(a, "lua", code, cmd)
            _embedded_shell(a, cmd, scope, code, r"""os\.execute\s*\(\s*(["'])(.*?)\1\s*\)""")
            _embedded_shell(a, cmd, scope, code, r"""io\.popen\s*\(\s*(["'])(.*?)\1""")
            for m in re.finditer(r"""os\.remove\s*\(\s*(["'])(.*?)\1""", code):
                judge_delete(a, cmd, m.group(2), scope)


@handles("sed", "gsed")
def sed(a, cmd, scope):
    args = cmd.args
    inplace = any(x.startswith("-i") or x.startswith("--in-place") or (x.startswith("-") and not x.startswith("--")
                                                                       and "i" in x[1:] and "e" not in x[1:])
                  for x in args)
    f, v, ops = split_opts([x for x in args if not x.startswith("-i") and not x.startswith("--in-place")],
                           with_arg="ef", long_with_arg=("--expression", "--file"))
    has_script_opt = "-e" in v or "--expression" in v or "-f" in v or "--file" in v
    files = ops if has_script_opt else ops[1:]
    scripts = [args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-e", "--expression")]
    scripts += [x.split("=", 1)[1] for x in args if x.startswith("--expression=")]
    if not has_script_opt and ops:
        scripts.append(ops[0])
    sed_commands(a, cmd, scope, scripts)
    if not inplace:
        from .hunting import program_search

        program_search(a, cmd, scope, " ".join(scripts), files)  # sed -n '/TOKEN/p' ~/other/*.sh
    for fpath in files:
        if inplace:
            place = a.place(fpath, scope)
            if place.kind in (P.SELF, P.SYSTEM, P.ROOT, P.PROTECTED, P.OUTSIDE, P.HOME):
                check_overwrite(a, cmd, fpath, scope=scope)  # (outside: only what exists, not the agent's repo)
        else:
            check_read(a, cmd, fpath, scope)


# --- HTTP clients ------------------------------------------------------------------------------

def _curlrc(a, cmd, scope):
    """The config file curl reads by itself (``$CURL_HOME/.curlrc``, ``$XDG_CONFIG_HOME/.curlrc``,
    ``~/.curlrc``): the first that exists, as curl picks it; a name that can't be known is unknown."""
    def var(name):
        v = cmd.assigns.get(name) if name in cmd.assigns else scope.vars.get(name, a.env.get(name))
        return v
    for base in (var("CURL_HOME"), var("XDG_CONFIG_HOME"), var("HOME") or a.pctx.home):
        if not base:
            continue
        if U in str(base):
            return U
        path = os.path.join(str(base), ".curlrc")
        if os.path.isfile(path):
            return path
    return None


@handles("curl", "wget", "http", "https", "xh", "xhs", "curlie")
def http_client(a, cmd, scope):
    from .. import http as H

    def read_at(raw):
        if U in raw:
            return None
        if check_read(a, cmd, raw, scope):
            return None
        p = P.resolve(raw, a._scope_ctx(scope))
        return a.written_text.get(p) or a.read_file(p)  # a body written earlier in this same command

    stdin_text = cmd.stdin[1] if cmd.stdin and cmd.stdin[0] == "text" else None
    if cmd.name == "curl":
        reqs, reads, writes = H.parse_curl(cmd.args, read_at, stdin_text, _curlrc(a, cmd, scope))
    elif cmd.name == "wget":
        reqs, reads, writes = H.parse_wget(cmd.args, read_at)
    else:
        reqs, reads, writes = H.parse_httpie(cmd.args, read_at), [], []
        if cmd.name == "curlie" and any(x.startswith(("-d", "--data", "--json", "-X", "--request", "-K", "--config"))
                                        for x in cmd.args):
            # curlie takes curl's options beside httpie's items: both readings are judged
            more, reads, writes = H.parse_curl(cmd.args, read_at, stdin_text, _curlrc(a, cmd, scope))
            reqs = reqs + more
    for r in reads:
        check_read(a, cmd, r, scope)
    for w in writes:
        if w not in ("-", "/dev/null"):
            check_overwrite(a, cmd, w, scope=scope)
    for req in reqs:
        H.emit_request(a, cmd, req)
    if reqs and "$" in (cmd.text or ""):
        from .credentials import sent_to_wrong_host

        sent_to_wrong_host(a, cmd, [r.host for r in reqs])


@handles("alias")
def alias(a, cmd, scope):
    """`alias x='rm -rf ~'`: a later `x` on this command line runs that text (when the shell expands
    aliases, as agent shells that load the user's configuration do)."""
    for arg in cmd.args:
        name, eq, body = arg.partition("=")
        if eq and name and U not in name and not name.startswith("-"):
            scope.funcs[name] = (body, None)
            from .analyzer import SHADOWED

            if a.planting and name in SHADOWED:
                a.emit("interlock.self-protect", cmd, target=name, effect="overwrite",
                       note="an alias planted in a start-up file takes the place of Interlock's command")
            if a.planting and body and U not in body:
                a.nested_shell(body, cmd, scope)  # in a start-up file: it runs whenever the user types NAME


@handles("coproc")
def coproc(a, cmd, scope):
    """`coproc rm -rf ~`, `coproc NAME { …; }`: bash runs the command in the background."""
    argv = list(cmd.args)
    if len(argv) > 1 and argv[1] in ("{", "("):
        argv = argv[2:]
    elif argv and argv[0] in ("{", "("):
        argv = argv[1:]
    if argv:
        a.dispatch(cmd.derive(argv), scope)


@handles("set")
def set_(a, cmd, scope):
    """`set -- a b c` sets the positional parameters $1.. (used by "$@")."""
    args = cmd.args
    if "--" in args:
        vals = args[args.index("--") + 1:]
    elif args and not args[0].startswith(("-", "+")):
        vals = args
    else:
        return
    for k in [k for k in scope.vars if k.isdigit() and k != "0"]:
        del scope.vars[k]
    for i, v in enumerate(vals[:64], 1):
        scope.vars[str(i)] = v
    scope.vars["#"] = str(min(len(vals), 64))


@handles("locate", "plocate", "mlocate", "slocate")
def locate(a, cmd, scope):
    """locate lists the paths whose names fit its patterns: a hunt for credential files only when a pattern
    aims at them (`locate .env`, `locate id_rsa`), not a broad one a secret's name also fits
    (`locate '*python*'`).  It reads no file."""
    from ..secrets import glob_aims_at_secrets

    icase = any(x in ("-i", "--ignore-case") for x in cmd.args)
    for x in cmd.args:
        if x.startswith("-") or U in x or not x:
            continue
        base = x.rstrip("/").rsplit("/", 1)[-1] or x
        pat = base if any(c in base for c in "*?[") else f"*{base}*"  # a plain word fits anywhere in a name
        if glob_aims_at_secrets(pat, a.pctx.home, icase) or glob_aims_at_secrets(base, a.pctx.home, icase):
            a.emit("secrets.hunt", cmd, target="/", effect="search-secrets",
                   note=f"lists files named like {x!r} over the whole filesystem: a search for credential files")
            return


# --- programs that run a command given as an option or as their operands ---------------------------

# (flatpak-spawn, valgrind, unshare, proot: knowledge/wrappers.toml, with the others)

# bwrap options and how many values each takes (the command follows the last one)
_BWRAP_ARITY = {"--bind": 2, "--ro-bind": 2, "--dev-bind": 2, "--bind-try": 2, "--ro-bind-try": 2,
                "--dev-bind-try": 2, "--symlink": 2, "--setenv": 2, "--file": 2, "--bind-data": 2,
                "--ro-bind-data": 2, "--chmod": 2, "--dev": 1, "--proc": 1, "--tmpfs": 1, "--mqueue": 1,
                "--dir": 1, "--chdir": 1, "--unsetenv": 1, "--lock-file": 1, "--sync-fd": 1, "--info-fd": 1,
                "--uid": 1, "--gid": 1, "--hostname": 1, "--seccomp": 1, "--exec-label": 1, "--file-label": 1,
                "--remount-ro": 1, "--argv0": 1, "--cap-add": 1, "--cap-drop": 1, "--perms": 1, "--size": 1,
                "--userns": 1, "--userns2": 1, "--pidns": 1, "--block-fd": 1, "--userns-block-fd": 1,
                "--json-status-fd": 1, "--add-seccomp-fd": 1, "--args": 1,
                "--overlay-src": 1, "--overlay": 3, "--tmp-overlay": 1, "--ro-overlay": 1}


# the options whose (last) value is a place in the sandbox's file system view: what the command inside sees there
_BWRAP_MOUNTS = frozenset({"--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try", "--dev-bind-try",
                           "--symlink", "--file", "--bind-data", "--ro-bind-data", "--tmpfs", "--dir", "--dev",
                           "--proc", "--mqueue", "--remount-ro", "--overlay", "--tmp-overlay", "--ro-overlay"})


@handles("bwrap")
def bwrap(a, cmd, scope):
    args, i = cmd.args, 0
    while i < len(args) and args[i].startswith("--"):
        if args[i] == "--":
            i += 1
            break
        n = _BWRAP_ARITY.get(args[i], 0)
        if args[i] in _BWRAP_MOUNTS and n and i + n < len(args):
            # `--tmpfs ~/.config/interlock`, `--bind /tmp/x .claude`: the command runs with Interlock's policy,
            # state or hook settings replaced (the host's own copy untouched, the guard gone all the same)
            dest = args[i + n]
            same = n == 2 and "bind" in args[i] and a.place(args[i + 1], scope).path == a.place(dest, scope).path
            if not same and _hiding_matters(args[_bwrap_command_at(args, i + 1 + n):]):  # (--bind W W: the same)
                hides_self(a, cmd, dest, scope)
        i += 1 + n
    if args[i:]:
        a.dispatch(cmd.derive(list(args[i:])), scope)


def _bwrap_command_at(args, i):
    """Where bwrap's command starts, from option index ``i`` on."""
    while i < len(args) and args[i].startswith("--"):
        if args[i] == "--":
            return i + 1
        i += 1 + _BWRAP_ARITY.get(args[i], 0)
    return i


def _hiding_matters(inner):
    """Hiding Interlock's files matters to what reads them: a coding agent (its hook settings gone, it runs
    unguarded), Interlock itself, a shell or a program only known when it runs (either could start one), or
    nothing named (an interactive shell).  A named ordinary program (`firejail --private firefox`, `bwrap …
    make test`) is judged as itself; an empty home changes nothing Interlock guards for it."""
    words = [w for w in inner if w != "--"]
    if not words or U in words[0]:
        return True
    from .analyzer import agent_hosts

    name = words[0].rsplit("/", 1)[-1]
    return name in agent_hosts()[0] or name == "interlock" or name in SHELLS or name in WRAPPERS or \
        words[0].startswith(("./", "../", "/", "~"))


def hides_self(a, cmd, dest, scope, what="the sandboxed command") -> bool:
    """A mount over ``dest`` (a tmpfs, a bind of something else, a private home): what runs below it sees
    something else there.  When ``dest`` is, or holds, Interlock's policy, state or hook settings — the
    home directory, the workspace, ``/`` or any directory above them included — the guard is gone for it
    (the host's copy untouched).  A place only known when it runs could be any of them."""
    place = a.place(dest, scope)
    p = (place.path or "").rstrip("/") or ("/" if place.path else "")
    ctx = a.pctx
    if not p:
        hit = place.kind == P.UNKNOWN
    else:
        above = [x for x in (ctx.home, ctx.workspace) if x and (x == p or x.startswith(p.rstrip("/") + "/"))]
        hit = place.kind == P.SELF or bool(above) or P.holds_self(p, ctx)
    if hit and place.path:
        a.emit("interlock.hide", cmd, target=P.display(place.path, ctx), effect="hide",
               note=f"{what} sees something else in place of Interlock's own files (its policy, state or hook "
                    f"settings) at or below {P.display(place.path, ctx)}")
    elif hit:
        a.emit("interlock.hide-unknown", cmd, target=dest.replace(U, "$?"), effect="hide",
               note=f"{what} gets a mount over a place only known when it runs")
    return hit


@handles("mount")
def mount(a, cmd, scope):
    """`mount -t tmpfs none ~`, `mount --bind /tmp/empty ~/.claude` (in `unshare -m` or as root): the mount
    point's contents are replaced for everything that runs afterwards."""
    f, v, ops = split_opts(cmd.args, with_arg="tOoLUBMTN", long_with_arg=(
        "--types", "--options", "--test-opts", "--label", "--uuid", "--source", "--target", "--fstab",
        "--namespace"))
    if any(x in ("-l", "--show-labels", "-h", "--help", "-V", "--version", "-a", "--all") for x in cmd.args):
        return
    target = v.get("--target") or (ops[-1] if ops else None)
    if target and (len(ops) >= 2 or "--target" in v or any(x in ("-t", "--types", "--bind", "-B", "--rbind",
                                                                  "--move", "-M") for x in cmd.args)):
        hides_self(a, cmd, target, scope, what="what runs after the mount")


_FIREJAIL_HIDE = ("--private", "--tmpfs", "--blacklist", "--whitelist", "--private-home", "--bind")


def _firejail(a, cmd, scope):
    """firejail's own file system options: `--private` (an empty home), `--private=DIR` (DIR as home),
    `--tmpfs=DIR`, `--blacklist=DIR`, `--whitelist=DIR` (the rest of home hidden), `--bind=SRC,DEST`."""
    first = next((i for i, x in enumerate(cmd.args) if not x.startswith("-")), len(cmd.args))
    if not _hiding_matters(cmd.args[first:]):
        return
    for x in cmd.args:
        if not x.startswith("--"):
            break
        name, eq, val = x.partition("=")
        if name not in _FIREJAIL_HIDE:
            continue
        if name in ("--private", "--private-home") or (name == "--whitelist" and val.startswith(("~", "${HOME}", "$HOME", a.pctx.home))):
            hides_self(a, cmd, "~", scope, what="the jailed command")
        elif eq and val:
            hides_self(a, cmd, val.split(",")[-1], scope, what="the jailed command")


_SYSTEMD_HIDE = _LazyRe(r"^(ProtectHome|TemporaryFileSystem|InaccessiblePaths|BindPaths|BindReadOnlyPaths|"
                        r"RootDirectory|RootImage)=(.*)$")


def _systemd_run(a, cmd, scope):
    """`systemd-run -p ProtectHome=tmpfs`, `-p TemporaryFileSystem=~/.config`, `-p InaccessiblePaths=…`."""
    args = cmd.args
    for i, x in enumerate(args):
        val = args[i + 1] if x in ("-p", "--property") and i + 1 < len(args) else \
            x[len("--property="):] if x.startswith("--property=") else x[2:] if x.startswith("-p") and len(x) > 2 else None
        m = _SYSTEMD_HIDE.match(val or "")
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "ProtectHome":
            if value.lower() in ("yes", "true", "1", "tmpfs", "on"):
                hides_self(a, cmd, "~", scope, what="the unit's command")
        elif key in ("RootDirectory", "RootImage"):
            hides_self(a, cmd, "/", scope, what="the unit's command")
        else:
            for item in value.split():
                dest = item.lstrip("-+").split(":")[1 if key.startswith("Bind") and ":" in item else 0]
                if key.startswith("Bind") and ":" not in item:
                    continue
                hides_self(a, cmd, dest, scope, what="the unit's command")


def _proot(a, cmd, scope):
    """proot's `-b SRC:DEST` / `--bind=SRC:DEST` / `-m` mount SRC over DEST (a path alone binds itself: nothing
    hidden) and `-r ROOTFS` / `-R ROOTFS` puts another tree at `/` for the command it runs."""
    args, i, dests = cmd.args, 0, []
    while i < len(args):
        x = args[i]
        name, eq, val = x.partition("=")
        if name in ("-b", "--bind", "-m", "--mount") and (eq or i + 1 < len(args)):
            spec = val if eq else args[i + 1]
            if ":" in spec:
                dests.append(spec.split(":", 1)[1])
            i += 1 if eq else 2
            continue
        if name in ("-r", "-R", "--rootfs") and (eq or i + 1 < len(args)):
            dests.append("/")
            i += 1 if eq else 2
            continue
        if not x.startswith("-"):
            break
        i += 2 if x in ("-w", "--cwd", "-q", "--qemu", "-k", "--kernel-release") else 1
    if dests and _hiding_matters(args[i:]):
        for d in dests:
            if hides_self(a, cmd, d, scope, what="the command under proot"):
                return


def _hiding_wrapper(check, inner_handler):
    def handler(a, cmd, scope):
        check(a, cmd, scope)
        inner_handler(a, cmd, scope)
    return handler


HANDLERS["firejail"] = _hiding_wrapper(_firejail, HANDLERS["firejail"])
HANDLERS["systemd-run"] = _hiding_wrapper(_systemd_run, HANDLERS["systemd-run"])
HANDLERS["proot"] = _hiding_wrapper(_proot, HANDLERS["proot"])


#: screen's options that take the next word as a value (screen(1)); -d, -D, -r, -R and -x name a session to
#: attach or detach, -X sends the words after it to a running session as a screen command
_SCREEN_VALUE = frozenset({"-c", "-e", "-h", "-p", "-S", "-s", "-t", "-T", "-Logfile"})
#: screen commands (sent with -X) that start a program, and those that only steer the session
_SCREEN_RUNS = frozenset({"screen", "exec"})
_SCREEN_STEERS = frozenset({"quit", "kill", "detach", "select", "title", "windows", "info", "number", "clear",
                            "redisplay", "sessionname", "next", "prev", "other", "remove", "only", "split",
                            "focus", "resize", "msgwait", "width", "height", "wall", "echo", "bell_msg"})
#: screen commands whose last word names a file screen writes
_SCREEN_WRITES = frozenset({"hardcopy", "logfile", "bufferfile"})


@handles("screen")
def screen(a, cmd, scope):
    """`screen -dmS job CMD ARGS` runs CMD in a detached session; `screen -x NAME` and `screen -r NAME`
    attach to the session NAME (no program starts); `screen -S NAME -X stuff TEXT` types TEXT into it."""
    args, i = cmd.args, 0
    attach, session = False, None
    # `-d -m`, `-dm`, `-Dm`: a new detached session, whatever else is given
    starts = any(x[:1] == "-" and x[1:2] != "-" and "m" in x for x in args)
    while i < len(args):
        x = args[i]
        if x == "-X":
            _screen_command(a, cmd, scope, list(args[i + 1:]))
            return
        if not x.startswith("-") or x == "-":
            if attach and session is None:  # the session attached to, not a program
                session = x
                i += 1
                continue
            break
        if x in _SCREEN_VALUE or (x not in ("-ls", "-list", "-wipe") and len(x) > 2 and x[-1] in "S"):
            i += 1  # takes a value
        elif x in ("-ls", "-list", "-wipe") or (not starts and x[1:2] != "-" and any(c in x for c in "dDrRx")):
            attach = True
        i += 1
    if args[i:]:
        a.dispatch(cmd.derive(list(args[i:])), scope)


def _screen_command(a, cmd, scope, words):
    """A screen command sent to a running session: `stuff TEXT` types TEXT (read as a shell line),
    `screen CMD`/`exec CMD` start CMD, steering commands (`quit`, `select 2`) run nothing; any other is
    read as a program, as before."""
    if not words:
        return
    sub = words[0]
    if sub == "stuff":
        text = " ".join(words[1:]).rstrip("\r\n").removesuffix("^M").removesuffix("\\n").removesuffix("\\r")
        if text.strip():
            a.nested_shell(text, cmd, scope)
    elif sub in _SCREEN_RUNS:
        rest = words[1:]
        if sub == "exec" and rest and rest[0][:1] in ("!", ".", "|") and len(rest) > 1:
            rest = rest[1:]  # exec's file-descriptor pattern
        if rest:
            a.dispatch(cmd.derive(list(rest)), scope)
    elif sub in _SCREEN_WRITES:
        names = [w for w in words[1:] if not w.startswith("-")]
        if names:  # `hardcopy FILE`, `logfile FILE`, `bufferfile FILE`: screen writes that file
            check_overwrite(a, cmd, names[-1], scope=scope)
    elif sub not in _SCREEN_STEERS:
        a.dispatch(cmd.derive(list(words)), scope)


_TMUX_SHELL = frozenset({"new", "new-session", "new-window", "neww", "split-window", "splitw", "respawn-pane",
                         "respawnp", "respawn-window", "respawnw", "run-shell", "run", "display-popup", "popup"})
_TMUX_VALUE = frozenset("ceFfLlnSstxy")          # options of new/split-window/respawn/run that take a value
_TMUX_POPUP_VALUE = frozenset("bcdehSsTtwxy")      # display-popup's


@handles("tmux")
def tmux(a, cmd, scope):
    """`tmux new -d 'rm -rf ~'`: the words after the options are a shell command; `send-keys` types one."""
    f, v, ops = split_opts(cmd.args, with_arg="LSf")
    if not ops:
        return
    sub = ops[0]
    rest = cmd.args[cmd.args.index(sub) + 1:]
    words, i = [], 0
    while i < len(rest):
        x = rest[i]
        if x.startswith("-") and not words and len(x) > 1:
            values = _TMUX_POPUP_VALUE if sub in ("display-popup", "popup") else (
                frozenset("tN") if sub in ("send-keys", "send") else _TMUX_VALUE)
            if x[-1] in values:
                i += 1
            i += 1
            continue
        words.append(x)
        i += 1
    if sub in _TMUX_SHELL and words:
        a.nested_shell(" ".join(words), cmd, scope)
    elif sub in ("send-keys", "send") and words:
        typed = [w for w in words if w not in ("Enter", "C-m", "KPEnter", "C-j")]
        if typed and len(typed) < len(words):  # typed and entered
            a.nested_shell(" ".join(typed), cmd, scope)


@handles("gdb", "lldb")
def gdb(a, cmd, scope):
    """`gdb -batch -ex run --args PROG ARGS` runs PROG."""
    args = cmd.args
    marker = "--args" if "--args" in args else ("--" if cmd.name == "lldb" and "--" in args else None)
    inner = args[args.index(marker) + 1:] if marker else []
    if inner:
        a.dispatch(cmd.derive(list(inner)), scope)


# Environment variables whose value a program runs with `sh -c` (git, ssh, pagers, editors, bash).
COMMAND_VARS = frozenset({"GIT_SSH_COMMAND", "GIT_PAGER", "PAGER", "GIT_EDITOR", "EDITOR", "VISUAL",
                          "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND", "MANPAGER",
                          "LESSOPEN", "LESSCLOSE", "PROMPT_COMMAND", "GIT_SEQUENCE_EDITOR", "SUDO_ASKPASS",
                          "SYSTEMD_PAGER", "BROWSER", "DIFFTOOL"})
#: variables whose value names a file of code every start of a program loads (Python's start-up file, Node's
#: --require/--import, the dynamic loader's preloads, bash's BASH_ENV, a Java agent, Ruby's -r)
LOADER_VARS = frozenset({"PYTHONSTARTUP", "NODE_OPTIONS", "LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "ENV",
                         "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "RUBYOPT", "PERL5OPT"})
_LOADER_FLAG = re.compile(r"(?:--require|-r|--import|--loader|--experimental-loader|-javaagent:|-agentpath:)[= ]?(\S+)")


def loader_value(a, cmd, scope, name, value):
    """`export NODE_OPTIONS='--require /tmp/p.js'`, `export PYTHONSTARTUP=/tmp/s.py`, `LD_PRELOAD=/tmp/x.so`: code
    from that file runs in every later start of the program.  A file in the workspace (the project's own) or
    under the system's trees passes; one elsewhere, or only known when it runs, is asked."""
    if not value:
        return
    if name in ("NODE_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "RUBYOPT"):
        files = [m.group(1).split("=", 1)[0] for m in _LOADER_FLAG.finditer(value)]
        if name == "RUBYOPT":
            files = [f for f in files if "/" in f]  # `-rbundler/setup` is a library on the load path
    elif name == "PERL5OPT":
        return  # -M names a module on the library path, not a file
    else:
        files = [f for f in re.split(r"[\s:]+", value) if f]
    ws = a.pctx.workspace
    for f in files:
        path = P.resolve(f, a._scope_ctx(scope)) if U not in f and "/" in f else (U if U in f else None)
        if path is None:
            continue  # a module or library name, found on its own search path
        if U not in path and (ws and path.startswith(ws.rstrip("/") + "/") or
                              path.startswith(("/usr/", "/lib/", "/lib64/", "/opt/homebrew/", "/nix/store/"))):
            continue
        lang = {"PYTHONSTARTUP": "python", "BASH_ENV": "shell", "ENV": "shell"}.get(name)
        text = a.read_file(path) if lang and U not in path and os.path.isfile(path) else None
        if text is not None:  # a start-up file that is there: judged as the code it is
            if lang == "python":
                inline_code(a, "python", text, cmd, scope, origin=(P.display(path, a.pctx), 0))
            else:
                a.nested_shell(text, cmd, a.new_scope(), origin=(P.display(path, a.pctx), 0))
            continue
        a.emit("shell.opaque-eval", cmd, effect="run",
               note=f"{name}: every later start loads {P.display(path, a.pctx) if U not in path else f}, "
                    "whose code is not checked")
        return


# git configuration keys whose value is a shell command
GIT_COMMAND_KEYS = frozenset({"core.pager", "core.editor", "core.sshcommand", "core.fsmonitor", "core.askpass",
                              "diff.external", "sequence.editor", "pager.log", "pager.diff", "pager.show",
                              "pager.branch", "credential.helper", "gpg.program", "gpg.ssh.program",
                              "uploadpack.packobjectshook", "web.browser"})


def git_command_key(key: str) -> bool:
    """A git setting whose value git runs as a command (and filter.NAME.clean, diff.NAME.textconv, …)."""
    k = key.lower()
    return k in GIT_COMMAND_KEYS or (k.startswith(("filter.", "diff.")) and
                                     k.endswith((".clean", ".smudge", ".process", ".command", ".textconv")))


def command_value(a, cmd, scope, name, value):
    """A variable or setting whose value is a command line: analyse that line."""
    if not value or value == U:
        return
    if value.startswith("!"):  # git's "!cmd" form
        value = value[1:]
    a.nested_shell(value, cmd, scope)


_SSH_COMMAND_OPTS = ("proxycommand", "localcommand", "knownhostscommand", "remotecommand")


def ssh_options(a, cmd, scope, args):
    """`ssh -o ProxyCommand='…'` (and LocalCommand, KnownHostsCommand, RemoteCommand): a local command."""
    for i, x in enumerate(args):
        opt = None
        if x == "-o" and i + 1 < len(args):
            opt = args[i + 1]
        elif x.startswith("-o") and len(x) > 2:
            opt = x[2:]
        if not opt:
            continue
        k, sep, val = opt.replace("=", " ", 1).partition(" ")
        if sep and k.strip().lower() in _SSH_COMMAND_OPTS:
            command_value(a, cmd, scope, k, val.strip())


_TAR_COMMAND = ("--checkpoint-action=exec=", "--to-command=", "--use-compress-program=", "--info-script=",
                "--new-volume-script=", "--rsh-command=")


def tar_commands(a, cmd, scope):
    args = cmd.args
    for i, x in enumerate(args):
        for p in _TAR_COMMAND:
            if x.startswith(p):
                command_value(a, cmd, scope, p, x[len(p):])
        if x in ("-I", "-F", "--to-command", "--use-compress-program", "--info-script") and i + 1 < len(args):
            command_value(a, cmd, scope, x, args[i + 1])


_SED_EXEC = _LazyRe(r"(?:^|[;\n{}])\s*(?:[0-9$,/\\^.*\[\]a-zA-Z!~+-]*?)\s*e\s+([^;\n}]+)")


def sed_commands(a, cmd, scope, scripts):
    """GNU sed runs a command with `e CMD` (and the pattern space with `s///e`)."""
    for s in scripts:
        if U in s or "e" not in s:
            continue
        for m in _SED_EXEC.finditer(s):
            command_value(a, cmd, scope, "e", m.group(1).strip())
        if re.search(r"(?:^|;)\s*[^;]*s(.).*\1.*\1[gpiImMw0-9]*e[gpiImMw0-9]*(?:$|;)", s):
            a.emit("shell.opaque-eval", cmd, effect="run", note="sed's s///e runs the substituted line as a command")


_VIM_CMD = frozenset(("-c", "--cmd"))
_VIM_VALUE = frozenset("cSuiTwWrt")  # short options that take a value (-c CMD, -S FILE, -u VIMRC, …)


def _vim_opts(args):
    """(batch, [ex commands], {indexes of option values}) of a vim/ex command line; short options may be
    clustered (`ex -sc '%p|q'`, `vim -Esc …`: the last letter takes the value)."""
    batch, cmds, skip = False, [], set()
    for i, x in enumerate(args):
        if i in skip:
            continue
        if x in ("--headless",):
            batch = True
        elif x in _VIM_CMD:
            if i + 1 < len(args):
                cmds.append(args[i + 1])
            skip.add(i + 1)
        elif x.startswith("+") and len(x) > 1:
            cmds.append(x[1:])
        elif re.fullmatch(r"-[A-Za-z]+", x):
            letters = x[1:]
            if set(letters) & set("esE"):
                batch = True  # ex mode / silent batch mode: what it prints is read
            if letters[-1] in _VIM_VALUE and len(letters) > 0:
                if letters[-1] == "c" and i + 1 < len(args):
                    cmds.append(args[i + 1])
                skip.add(i + 1)
    return batch, cmds, skip


#: An ex command that writes: `w`, `wq`, `x`, `wall`, `xa`, `update`, `saveas`, `exit` (a range and a `!` allowed),
#: with the file it writes to when one is named (`w /tmp/out`, not `w !cmd`: that one runs a command).
_EX_WRITE = _LazyRe(r"^(?:[%.$,0-9]|'[a-z<>])*\s*(?:w|wq|wqa|wqall|wa|wall|x|xa|xall|xit|exi|exit|up|update|sav|saveas|wn|wnext)"
                    r"!?(?:\s+(?!!)(\S+))?\s*$")


@handles("vim", "vi", "nvim", "ex", "view", "gvim", "mvim", "vimdiff")
def vim(a, cmd, scope):
    """`vim -c ':!rm -rf ~' -c q`: an ex `!` command runs a shell command.  Its files are read: in ex or batch
    mode (`ex`, `vim -es`, `-Es`, `--headless`) it prints what its commands ask for, and opened on a screen (an
    agent's tool output, `vim -R ~/.netrc`) it draws their text."""
    args = cmd.args
    batch, cmds, skip = _vim_opts(args)
    for i, x in enumerate(args):
        if i not in skip and not x.startswith(("-", "+")) and check_read(a, cmd, x, scope):
            break
    files = [x for i, x in enumerate(args) if i not in skip and not x.startswith(("-", "+"))]
    for c in cmds:
        for w in re.split(r"\s*\|\s*", c):  # `%s/deny/allow/g|x`: an ex command that writes its buffer back
            m = _EX_WRITE.match(w.lstrip(":").strip())
            if m:
                for f in ([m.group(1)] if m.group(1) else files):  # `:w FILE` writes FILE; `:wq`, `:x` the file opened
                    check_overwrite(a, cmd, f, scope=scope)
        for c in re.split(r"\s*\|\s*(?=!|r(?:ead)?\s*!|w(?:rite)?\s*!)", c):  # `%p|!cmd`: ex's | separates commands
            c = c.lstrip(":").strip()
            if c.startswith("!"):
                command_value(a, cmd, scope, "!", c[1:])
            elif re.match(r"(?:r(?:ead)?|w(?:rite)?)\s*!", c):
                command_value(a, cmd, scope, "!", c.split("!", 1)[1])
            elif re.search(r"\bsystem\(|\bsystemlist\(|\bjobstart\(|\bterm(?:inal)?\b", c):
                a.emit("shell.opaque-eval", cmd, effect="run", note="an editor command runs a program")
        # the files its commands read: `readfile(expand("~/.netrc"))`, `:r ~/.netrc`, `:e FILE` (in batch mode printed)
        for f in _string_args(c, r"\b(?:readfile|readblob)\s*\(\s*(?:expand|fnamemodify)?") + \
                re.findall(r"(?:^|\|)\s*:?\s*(?:r|read|e|edit|sp|split|vs|vsplit|tabe|tabedit|view)!?\s+([^\s|!]+)", c):
            if check_read(a, cmd, f, scope):
                break


_NANO_VALUE = frozenset(("-T", "-Y", "-o", "-r", "-s", "-X", "-Q", "-C", "--tabsize", "--syntax", "--operatingdir",
                         "--fill", "--speller", "--wordchars", "--quotestr", "--backupdir", "--rcfile", "-f"))


@handles("nano", "pico", "rnano", "micro", "joe", "jed", "ne", "mcedit", "kak", "hx", "helix", "mg", "vis")
def screen_editor(a, cmd, scope):
    """A terminal editor opening files (`nano ~/.netrc`, `micro ~/.claude.json`): their text is drawn on its
    screen — what an agent's tool output shows — so they are read, as vim's and emacs's are."""
    args, skip = cmd.args, False
    for x in args:
        if skip:
            skip = False
        elif x in _NANO_VALUE:
            skip = True
        elif not x.startswith(("-", "+")) and check_read(a, cmd, x, scope):
            break


_SCREEN_EDITORS = frozenset({"vim", "vi", "nvim", "ex", "view", "gvim", "mvim", "vimdiff", "emacs", "emacsclient",
                             "nano", "pico", "rnano", "micro", "joe", "jed", "ne", "mcedit", "kak", "hx", "helix",
                             "mg", "vis"})


def _string_args(code, fn_pattern):
    """The literal string arguments of calls such as system("…") in a snippet of another language."""
    out = []
    for m in re.finditer(fn_pattern + r"""\s*\(?\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""", code):
        out.append((m.group(1) if m.group(1) is not None else m.group(2)).replace('\\"', '"'))
    return out


def _code_arg(cmd, flags):
    args = cmd.args
    for i, x in enumerate(args[:-1]):
        if x in flags:
            return args[i + 1]
    return None


@handles("osascript")
def osascript(a, cmd, scope):
    code = _code_arg(cmd, ("-e",))
    if code:
        for s in _string_args(code, r"do shell script"):
            a.nested_shell(s, cmd, scope)


_EMACS_VALUE = frozenset(("--eval", "-eval", "--execute", "-l", "--load", "-f", "--funcall", "-L", "--directory",
                          "--insert", "-s", "--socket-name", "-a", "--alternate-editor", "-t", "--tty-type",
                          "--chdir", "--init-directory", "-u", "--user", "-d", "--display", "-T", "--title"))


@handles("emacs", "emacsclient")
def emacs(a, cmd, scope):
    args, i = cmd.args, 0
    while i < len(args):  # the files it opens are drawn on its screen (or printed in batch mode): read
        x = args[i]
        if x in _EMACS_VALUE:
            i += 2
            continue
        if not x.startswith(("-", "+")) and check_read(a, cmd, x, scope):
            break
        i += 1
    code = _code_arg(cmd, ("--eval", "-eval", "--execute"))
    funcs = [args[j + 1] for j, x in enumerate(args[:-1]) if x in ("-f", "--funcall")]
    if re.search(r"\((?:save-buffer|save-some-buffers|basic-save-buffer)\b", code or "") or \
            any(f in ("save-buffer", "save-some-buffers", "basic-save-buffer") for f in funcs):
        for j, x in enumerate(args):  # the files it visits are written back
            if not x.startswith(("-", "+")) and not (j and args[j - 1] in _EMACS_VALUE):
                check_overwrite(a, cmd, x, scope=scope)
    for target in _string_args(code or "", r"\((?:write-file|write-region[^\"']*?)"):  # (write-file "PATH")
        check_overwrite(a, cmd, target, scope=scope)
    for f in _string_args(code or "", r"\((?:insert-file-contents(?:-literally)?|insert-file|find-file(?:-noselect|"
                                      r"-read-only|-literally)?|view-file|f-read(?:-text|-bytes)?)"):
        if check_read(a, cmd, f, scope):  # (insert-file-contents "~/.netrc"): the file's text, printed in batch mode
            break
    if code:
        for s in _string_args(code, r"\((?:shell-command|async-shell-command|shell-command-to-string)"):
            a.nested_shell(s, cmd, scope)
        if re.search(r"\((?:call-process|start-process|make-process|delete-directory|delete-file)", code):
            a.emit("shell.opaque-eval", cmd, effect="run", note="Emacs Lisp that runs programs or deletes files")


@handles("Rscript", "R")
def rscript(a, cmd, scope):
    code = _code_arg(cmd, ("-e", "--expr"))
    if not code:
        return
    for s in _string_args(code, r"\b(?:system|system2|shell)"):
        a.nested_shell(s, cmd, scope)
    if re.search(r"\bunlink\s*\([^)]*recursive\s*=\s*T(?:RUE)?\b|\bfile\.remove\s*\(", code):
        a.emit("shell.opaque-eval", cmd, effect="run", note="R code that deletes files")


@handles("julia")
def julia(a, cmd, scope):
    code = _code_arg(cmd, ("-e", "--eval", "-E", "--print"))
    if not code:
        return
    for m in re.finditer(r"`([^`]*)`", code):  # run(`cmd`): a command literal
        a.nested_shell(re.sub(r"\$\(?[\w.()]*\)?", U, m.group(1)), cmd, scope)
    if re.search(r"\brm\s*\([^)]*recursive\s*=\s*true", code):
        a.emit("shell.opaque-eval", cmd, effect="run", note="Julia code that deletes a tree")


@handles("expect")
def expect(a, cmd, scope):
    code = _code_arg(cmd, ("-c",))
    if code:
        for m in re.finditer(r"(?:^|[;\n\[])\s*(?:spawn|exec)\s+([^;\n\]]+)", code):
            a.nested_shell(m.group(1), cmd, scope)


_PWSH_DELETE = frozenset({"remove-item", "rm", "del", "erase", "rd", "rmdir", "ri"})


_PWSH_HOME = re.compile(r"(?i)\$(?:env:)?(?:HOME|USERPROFILE)\b|\[Environment\]::GetFolderPath\(\s*['\"]?UserProfile['\"]?\s*\)")
_PWSH_JOIN = re.compile(r"(?i)\(\s*Join-Path\s+(?:-Path\s+)?(\S+)\s+(?:-ChildPath\s+)?(\S+)\s*\)")
_PWSH_READ = frozenset({"get-content", "gc", "cat", "type"})
_PWSH_LIST = frozenset({"get-childitem", "gci", "ls", "dir"})
_PWSH_GREP = frozenset({"select-string", "sls"})


def _pwsh_as_shell(code):
    """PowerShell pipelines that read, search or delete files, as the POSIX commands that do the same, for
    the shell analysis to judge: `Get-Content (Join-Path $HOME .fly/config.yml)` is `cat ~/.fly/config.yml`,
    `Get-ChildItem $HOME -Recurse -Include *.env | Get-Content` is `find ~ -name '*.env' -exec cat {} +`,
    `Get-ChildItem ~/Documents | Remove-Item -Recurse` is `rm -rf ~/Documents/*`."""
    import shlex

    code = _PWSH_HOME.sub("~", code)
    for _ in range(3):
        code = _PWSH_JOIN.sub(lambda m: m.group(1).strip("'\"").rstrip("/\\") + "/" + m.group(2).strip("'\""), code)
    out = []
    for stmt in re.split(r"[;\n]", code)[:64]:
        segs = []
        for seg in stmt.split("|"):
            try:
                words = shlex.split(seg.replace("\\", "/").replace("`", ""), posix=True)
            except ValueError:
                words = seg.split()
            if words:
                segs.append(words)
        if not segs:
            continue
        first = segs[0]
        if first[0] in ("&", ".") and len(first) > 1 or first[0].lower() in ("invoke-expression", "iex") and \
                len(first) == 2 or _pwsh_native(first[0]):
            # `& railway volume delete x`, `railway …`, `Invoke-Expression "railway …"`: a native program's
            # command line, as a POSIX shell would run it
            body = first[1:] if first[0] in ("&", ".") else first
            if first[0].lower() in ("invoke-expression", "iex"):
                out.extend(_pwsh_as_shell(first[1]) or [first[1]])
            elif body and _pwsh_native(body[0]):
                out.append(" ".join(q_ for q_ in map(shlex.quote, body)))
            continue
        opts, ops = _pwsh_params(segs[0][1:])
        verb = segs[0][0].lower()
        nxt = segs[1][0].lower() if len(segs) > 1 else ""
        q = shlex.quote
        if verb in _PWSH_READ:
            paths = [opts.get("-path") or opts.get("-literalpath")] + ops
            paths = [x for x in paths if x]
            if paths:
                out.append("cat " + " ".join(_pwsh_q(x) for x in paths))
        elif verb in _PWSH_GREP:
            pat, path = opts.get("-pattern"), opts.get("-path") or opts.get("-literalpath")
            if not pat and ops:
                pat, ops = ops[0], ops[1:]
            path = path or (ops[0] if ops else None)
            if pat and path:
                out.append(f"grep -e {q(pat)} {_pwsh_q(path)}")
        elif verb in _PWSH_LIST and nxt:
            root = opts.get("-path") or opts.get("-literalpath") or (ops[0] if ops else ".")
            names = [n for x in (opts.get("-include"), opts.get("-filter")) if x for n in x.split(",") if n]
            depth = "" if "-recurse" in opts else " -maxdepth 1"
            name = (" \\( " + " -o ".join(f"-name {q(n)}" for n in names) + " \\)") if names else ""
            if nxt in _PWSH_READ:
                out.append(f"find {_pwsh_q(root)}{depth}{name} -type f -exec cat {{}} +")
            elif nxt in _PWSH_GREP:
                o2, p2 = _pwsh_params(segs[1][1:])
                pat = o2.get("-pattern") or (p2[0] if p2 else None)
                if pat:
                    out.append(f"find {_pwsh_q(root)}{depth}{name} -type f -exec grep -e {q(pat)} {{}} +")
            elif nxt in _PWSH_DELETE:
                out.append(f"find {_pwsh_q(root)}{depth}{name} -delete" if names else
                           f"rm -rf {_pwsh_q(root.rstrip('/'))}/*")
    return out


#: names PowerShell gives its own cmdlets (aliases that are not the POSIX programs of the same name)
_PWSH_ALIASES = frozenset({"ls", "dir", "cat", "type", "rm", "del", "erase", "rd", "rmdir", "cp", "copy", "mv", "move",
                           "echo", "cd", "pwd", "sort", "tee", "curl", "wget", "ps", "kill", "diff", "man", "mkdir",
                           "sleep", "clear", "history", "set", "gc", "gci", "gi", "iex", "where", "select", "foreach",
                           "if", "else", "for", "while", "function", "return", "param", "write", "start", "sc", "ni"})


def _pwsh_native(word):
    """A native program PowerShell runs as is (one Interlock knows, not a cmdlet, alias, variable or keyword)."""
    w = word.rsplit("/", 1)[-1]
    if not w or w.lower() in _PWSH_ALIASES or not re.fullmatch(r"[A-Za-z][\w.+-]*", w) or \
            re.fullmatch(r"[A-Za-z]+-[A-Za-z]+", w):
        return False
    from . import clis

    return w in HANDLERS or w in clis.index()


def _pwsh_q(path):
    import shlex

    return path if path == "~" or path.startswith("~/") and " " not in path else shlex.quote(path)


def _pwsh_params(words):
    """PowerShell parameters: ({-name: value or True}, positional operands)."""
    opts, ops, i = {}, [], 0
    switches = {"-recurse", "-force", "-file", "-directory", "-hidden", "-raw", "-whatif", "-confirm"}
    while i < len(words):
        w = words[i]
        if w.startswith("-") and len(w) > 1:
            k = w.lower().split(":", 1)[0]
            if k in switches or i + 1 >= len(words) or words[i + 1].startswith("-"):
                opts[k] = True
            else:
                opts[k] = words[i + 1]
                i += 1
        else:
            ops.append(w)
        i += 1
    return opts, ops


@handles("pwsh", "powershell", "powershell.exe", "pwsh.exe")
def pwsh(a, cmd, scope):
    """PowerShell's deletions and Invoke-Expression, read from -c/-Command (its other commands are not)."""
    code = _code_arg(cmd, ("-c", "-Command", "-command", "/c"))
    if code is None:
        if any(x.lower() in ("-encodedcommand", "-enc", "-e", "-ec") for x in cmd.args):
            a.emit("shell.opaque-decoded", cmd, effect="run", note="a base64-encoded PowerShell command")
        return
    for line in _pwsh_as_shell(code):
        a.nested_shell(line, cmd, scope)
    for stmt in re.split(r"[;\n|]", code):
        words = stmt.split()
        if not words:
            continue
        verb = words[0].lower()
        if (verb in ("invoke-expression", "iex") or "iex" in (w.lower() for w in words)) and not (
                len(words) >= 2 and re.fullmatch(r"""(?i)(?:invoke-expression|iex)\s+(['"])[^'"$`]*\1""",
                                                  stmt.strip())):
            a.emit("shell.opaque-eval", cmd, effect="run", note="Invoke-Expression runs a string as code")
        if verb in _PWSH_DELETE:
            for w in words[1:]:
                if w.startswith("-"):
                    continue
                w = w.strip("'\"")
                w = re.sub(r"(?i)^\$(?:HOME|env:HOME|env:USERPROFILE)", "~", w)
                if w:
                    judge_delete(a, cmd, w.replace("\\", "/"), scope)


@handles("cmd", "cmd.exe")
def cmd_exe(a, cmd, scope):
    """Windows' cmd.exe: `cmd /c "taskkill /IM x.exe /F"` (`//c` from Git Bash, `/k`) runs the rest as a command
    line — judged as the commands it is."""
    args = cmd.args
    for i, x in enumerate(args):
        if re.fullmatch(r"(?i)/{1,2}[ck]", x):
            rest = args[i + 1:]
            if not rest:
                return
            line = " ".join(rest) if len(rest) > 1 else rest[0]
            builtins = [stmt.split() for stmt in re.split(r"&&|\|\||&", line)]
            if not any(w and w[0].lower() in _CMD_DELETES for w in builtins):
                a.nested_shell(line, cmd, scope)
                return
            scope = scope.child()
            for words in builtins:
                if not words:
                    continue
                if words[0].lower() in ("cd", "chdir", "pushd"):
                    # `cd /d C:\Users\me && rd /s /q .`: what follows runs there (/d only changes the drive too)
                    to = [w.strip("'\"") for w in words[1:] if not _CMD_SWITCHES.fullmatch(w)]
                    if to:
                        scope.cwd = P.resolve(_windows_path(to[-1]), a._scope_ctx(scope))
                    continue
                if words[0].lower() not in _CMD_DELETES:
                    a.nested_shell(" ".join(words), cmd, scope)
                    continue
                _cmd_delete(a, cmd, words[1:], scope)
            return


_CMD_DELETES = frozenset(("rd", "rmdir", "del", "erase"))
_CMD_SWITCHES = re.compile(r"(/[A-Za-z](:\S*)?)+")


def _cmd_delete(a, cmd, words, scope):
    r"""`rmdir /s /q C:\Users\me\proj`, `del /f /s /q build\*`: cmd's own deletes (its /switches, `/s/q`
    too, are no paths); a drive path under C:\Users\NAME is the home directory, %USERPROFILE% too."""
    for w in words:
        if _CMD_SWITCHES.fullmatch(w) or w in (">", "2>", "nul", "NUL"):
            continue
        judge_delete(a, cmd, _windows_path(w.strip("'\"")), scope)


def cmd_builtin_delete(a, cmd, scope):
    r"""`rd /s /q C:\Users\me`, `del /s /q %USERPROFILE%\*` run directly (an agent on Windows, a Git Bash that
    finds cmd's builtins): cmd's deletes when a /switch, a drive path or a %VARIABLE% says it is cmd's — judged
    on the words as written (backslashes there are separators, not the escapes a POSIX shell would drop).
    Returns whether it judged the command so."""
    words = list(cmd.args)
    text = cmd.text or ""
    if "\\" in text or "%" in text:
        raw = [w.strip('"') for w in re.findall(r'"[^"]*"|\S+', text)]
        low = [w.lower() for w in raw]
        if cmd.name.lower() in low:
            words = raw[low.index(cmd.name.lower()) + 1:]
    if not any(_CMD_SWITCHES.fullmatch(w) or re.match(r"(?i)^([a-z]:|%\w+%)", w) for w in words):
        return False
    _cmd_delete(a, cmd, words, scope)
    return True


def _windows_path(w):
    """A Windows path as the analysis reads paths: `C:\\Users\\me\\x` and `%USERPROFILE%\\x` → `~/x`, another
    drive path → an absolute path, backslashes → slashes."""
    w = w.replace("\\", "/")
    w = re.sub(r"(?i)^(%HOMEDRIVE%)?%(USERPROFILE|HOMEPATH)%", "~", w)
    w = re.sub(r"(?i)^%APPDATA%", "~/AppData/Roaming", w)
    w = re.sub(r"(?i)^%LOCALAPPDATA%", "~/AppData/Local", w)
    m = re.match(r"(?i)^[a-z]:/users/[^/]+(/.*)?$", w)
    if m:
        return "~" + (m.group(1) or "")
    m = re.match(r"(?i)^[a-z]:(/.*)?$", w)
    if m:
        return m.group(1) or "/"
    return w


@handles("rd", "rmdir", "erase")
def windows_rd(a, cmd, scope):
    """cmd's `rd /s /q DIR` and `erase /s FILES` run directly; a POSIX `rmdir DIR` removes only empty
    directories (nothing lost), as does `rd DIR` with no /s."""
    if cmd_builtin_delete(a, cmd, scope) or cmd.name != "erase":
        return
    for w in cmd.args:
        judge_delete(a, cmd, w, scope)


@handles("taskkill", "taskkill.exe", "tskill")
def taskkill(a, cmd, scope):
    """Windows' taskkill: `/IM NAME` kills every process of that image name (as killall does), `/PID N` one
    process (as kill does); `/F` forces it, `/T` takes its children too."""
    args = cmd.args
    for i, x in enumerate(args):
        if re.fullmatch(r"(?i)[/-]im", x) and i + 1 < len(args):
            name = args[i + 1].strip("'\"")
            base = re.sub(r"(?i)\.exe$", "", name)
            if base in ("*", "") or set(base) <= set("*?."):
                a.emit("proc.kill-all", cmd, target=f"every process (image {name})", effect="kill")
            else:
                judge_kill_by_name(a, cmd, base)
        elif re.fullmatch(r"(?i)[/-]fi", x) and i + 1 < len(args):
            a.emit("proc.kill-by-name", cmd, target=args[i + 1], effect="kill",
                   note="a filter selects the processes: which ones is only known when it runs")
    if cmd.name == "tskill" and args and not args[0].isdigit() and not args[0].startswith("/"):
        judge_kill_by_name(a, cmd, args[0])


@handles("trash", "trash-put", "gtrash", "gio", "kioclient5", "kioclient")
def trash(a, cmd, scope):
    """`trash ~`: recoverable from the trash, so only a home, root or system directory counts."""
    args = list(cmd.args)
    if cmd.name in ("gio", "kioclient", "kioclient5"):
        if not args or args[0] not in ("trash", "move", "remove") or (args[0] == "move" and "trash:/" not in args):
            return
        args = [x for x in args[1:] if x != "trash:/"]
    for x in args:
        if x.startswith("-") or not x:
            continue
        place = a.place(x, scope)
        if place.kind in (P.HOME, P.ROOT, P.SYSTEM, P.SELF):
            judge_delete(a, cmd, x, scope)


# --- make: the recipes of the targets it would build ----------------------------------------------

_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_MAKE_DEPTH = 3


@handles("make", "gmake", "remake")
def make(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="fCIjlOoW", long_with_arg=("--file", "--makefile", "--directory",
                                                                          "--jobs", "--include-dir"))
    if {"-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base",
            "-h", "--help", "-v", "--version"} & f:
        return
    d = v.get("-C") or v.get("--directory")
    ctx = a._scope_ctx(scope)
    base = P.resolve(d, ctx) if d and U not in d else scope.cwd
    mf = v.get("-f") or v.get("--file") or v.get("--makefile")
    if mf == "-":
        text = cmd.stdin[1] if cmd.stdin and cmd.stdin[0] == "text" else None
        name = "<stdin makefile>"
        if text is None:
            a.emit("shell.opaque-stdin", cmd, effect="run", note="the makefile is read from standard input")
            return
    else:
        text, name = _task_file(a, [mf] if mf else _MAKEFILES, P.PathContext(base, ctx.home, ctx.workspace))
        if text is None:
            return
    overrides = dict(x.split("=", 1) for x in ops if "=" in x and not x.startswith("="))
    goals = [x for x in ops if "=" not in x]
    rules, variables, first = _parse_makefile(text)
    variables.update(overrides)
    goals = goals or ([first] if first else [])
    seen = set()

    def line(goal, prereqs, text):
        text = text.strip().lstrip("@-+").strip()
        return _make_expand(text, variables, goal, prereqs) if text else ""

    for g in goals[:8]:
        _run_recipes(a, cmd, scope, rules, g, name, line, seen)


def _task_file(a, candidates, ctx):
    """(text, name shown in reasons) of the first of ``candidates`` that exists (a Makefile, a justfile,
    or one written earlier in this command line), else (None, None)."""
    for cand in candidates:
        if U in cand:
            return None, None
        path = P.resolve(cand, ctx)
        text = a.written_text.get(path) or a.read_file(path)
        if text is not None:
            return text, P.display(path, a.pctx)
    return None, None


def _parse_makefile(text):
    rules, variables, first = {}, {}, None
    lines = text.replace("\\\n", " ").split("\n")
    current = None
    for no, line in enumerate(lines, 1):
        if line.startswith("\t"):
            if current is not None:
                for t in current:
                    rules[t][1].append((no, line[1:]))
            continue
        s = line.split("#", 1)[0].rstrip()
        if not s.strip():
            continue
        m = re.match(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(?::{1,3}=|\?=|\+=|=)\s*(.*)$", s)
        if m and ":" not in s.split("=", 1)[0].replace(":=", "").replace("::=", ""):
            variables[m.group(1)] = m.group(2).strip()
            current = None
            continue
        m = re.match(r"^([^:=\t][^:=]*?)\s*::?\s*([^=;]*?)(?:;\s*(.*))?$", s)
        if m and not m.group(1).startswith((".", "%")) or (m and m.group(1).startswith(".") and "/" in m.group(1)):
            targets = m.group(1).split()
            for t in targets:
                rules.setdefault(t, [[], []])
                rules[t][0] += m.group(2).split()
                if m.group(3):
                    rules[t][1].append((no, m.group(3)))
            if first is None and targets:
                first = targets[0]
            current = targets
        else:
            current = None
    return rules, variables, first


def _make_expand(s, variables, target, prereqs, depth=0):
    def sub(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name == "@":
            return target
        if name == "<":
            return prereqs[0] if prereqs else ""
        if name in ("MAKE",):
            return "make"
        if name in variables and depth < 5:
            return _make_expand(variables[name], variables, target, prereqs, depth + 1)
        if name in _MAKE_DEFAULTS:
            return _MAKE_DEFAULTS[name]
        if re.fullmatch(r"[A-Za-z_]\w*", name):  # from the environment, as make reads it: ${NAME} to the shell
            return "${" + name + "}"
        return U
    s = s.replace("$$", "\0")
    s = re.sub(r"\$\(([^()\s]+)\)|\$\{([^{}\s]+)\}|\$([@<^?*%])", sub, s)
    return s.replace("\0", "$")


# make's built-in variables (GNU make's defaults)
_MAKE_DEFAULTS = {"CC": "cc", "CXX": "g++", "CPP": "cc -E", "AR": "ar", "AS": "as", "LD": "ld", "RM": "rm -f",
                  "INSTALL": "install", "YACC": "yacc", "LEX": "lex", "FC": "f77", "PC": "pc", "MAKEFLAGS": "",
                  "CFLAGS": "", "CXXFLAGS": "", "CPPFLAGS": "", "LDFLAGS": "", "LDLIBS": "", "ARFLAGS": "rv",
                  "SHELL": "/bin/sh", "CURDIR": "."}


def _run_recipes(a, cmd, scope, rules, goal, name, line, seen, depth=0):
    """Make's and just's shared walk: a target's prerequisites first, then its recipe lines, each
    turned into a shell line by ``line(goal, prerequisites, text)`` ("": nothing to run; None for the
    first line: the recipe is not shell at all)."""
    if goal in seen or goal not in rules or depth > _MAKE_DEPTH:
        return
    seen.add(goal)
    prereqs, recipe = rules[goal]
    for p in prereqs[:16]:
        _run_recipes(a, cmd, scope, rules, p, name, line, seen, depth + 1)
    for no, text in recipe[:200]:
        shell_line = line(goal, prereqs, text)
        if shell_line is None and no == recipe[0][0]:
            return  # a shebang recipe in another language: not read here
        if shell_line:
            a.nested_shell(shell_line, cmd, scope, origin=(name, no - 1))


# --- task runners with a task file of their own: go-task's Taskfile, poethepoet's pyproject tasks -------------

_TASKFILES = ("Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml", "Taskfile.dist.yml",
              "Taskfile.dist.yaml")


@handles("task", "go-task")
def go_task(a, cmd, scope):
    """`task NAME`: the commands of NAME in the Taskfile (its `deps` and called tasks first)."""
    f, v, ops = split_opts(cmd.args, with_arg="tdo", long_with_arg=("--taskfile", "--dir", "--output"))
    if {"--dry", "-n", "--list", "-l", "--list-all", "-a", "--summary", "--help", "-h", "--init", "-i"} & f:
        return
    tf = v.get("-t") or v.get("--taskfile")
    text, name = _task_file(a, [tf] if tf else list(_TASKFILES), a._scope_ctx(scope))
    if text is None:
        from . import clis

        clis.handler(a, cmd, scope)  # no task file here: the generic verb model judges its words
        return
    try:
        import yaml

        doc = yaml.safe_load(text)
        tasks = doc.get("tasks") or {}
    except Exception:
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"{name} could not be read")
        return
    rules = {}
    for tname, t in (tasks.items() if isinstance(tasks, dict) else ()):
        if isinstance(t, str):
            t = {"cmds": [t]}
        elif isinstance(t, list):
            t = {"cmds": t}
        if not isinstance(t, dict):
            continue
        deps, lines = [], []
        for d in t.get("deps") or []:
            dn = d.get("task") if isinstance(d, dict) else d
            if isinstance(dn, str):
                deps.append(dn)
        for c in (t.get("cmds") or ([t["cmd"]] if isinstance(t.get("cmd"), str) else [])):
            if isinstance(c, dict) and isinstance(c.get("task"), str):
                deps.append(c["task"])  # a called task runs here (its place among the lines is not kept)
            elif isinstance(c, dict) and isinstance(c.get("cmd"), str):
                lines.append(c["cmd"])
            elif isinstance(c, str):
                lines.append(c)
        rules[str(tname)] = (deps, [(1, re.sub(r"\{\{[^}]*\}\}", "${__task_expression}", x)) for x in lines])
    goals = [x for x in ops if "=" not in x and x != "--"]
    if goals and not any(g in rules for g in goals):
        from . import clis

        clis.handler(a, cmd, scope)  # no such task: another `task` (Taskwarrior's `task 3 delete`)
        return
    for goal in (goals or ["default"])[:8]:
        _run_recipes(a, cmd, scope, rules, goal, name, lambda g, p, t: t, set())


@handles("poe")
def poe(a, cmd, scope):
    """`poe NAME`: poethepoet's task from pyproject.toml (`cmd`, `shell`, `sequence`, `ref`)."""
    ops = [x for x in cmd.args if not x.startswith("-")]
    if not ops or {"-h", "--help", "-d", "--dry-run"} & set(cmd.args):
        return
    text, name = _task_file(a, ["pyproject.toml", "poe_tasks.toml"], a._scope_ctx(scope))
    if text is None:
        from . import clis

        clis.handler(a, cmd, scope)
        return
    try:
        import tomllib

        doc = tomllib.loads(text)
        tasks = (doc.get("tool", {}).get("poe", {}) if "tool" in doc else doc).get("tasks", {})
    except Exception:
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"{name} could not be read")
        return
    rules = {}
    for tname, t in tasks.items():
        deps, lines = [], []
        items = t if isinstance(t, list) else [t]
        if isinstance(t, dict) and isinstance(t.get("sequence"), list):
            items = t["sequence"]
        for it in items:
            if isinstance(it, str):
                lines.append(it)
            elif isinstance(it, dict):
                for k in ("cmd", "shell"):
                    if isinstance(it.get(k), str):
                        lines.append(it[k])
                if isinstance(it.get("ref"), str):
                    deps.append(it["ref"].split()[0])
                if isinstance(it.get("script"), str):
                    mod = it["script"].split(":")[0]
                    import shlex

                    lines.append("python3 -c " + shlex.quote(f"import {mod}"))
        rules[str(tname)] = (deps, [(1, x) for x in lines])
    if ops[0] not in rules:
        from . import clis

        clis.handler(a, cmd, scope)
        return
    _run_recipes(a, cmd, scope, rules, ops[0], name, lambda g, p, t: t, set())


@handles("dotenv", "dotenvx")
def dotenv(a, cmd, scope):
    """python-dotenv's `dotenv [-f FILE] list|get KEY` prints values; `dotenv run CMD`, dotenv-cli's
    `dotenv -e FILE -- CMD` and `dotenvx run -- CMD` run CMD with the file loaded."""
    args = list(cmd.args)
    files, i = [], 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        if args[i] in ("-f", "--file", "-e", "-c") and i + 1 < len(args):
            files.append(args[i + 1])
            i += 1
        i += 1
    rest = args[i:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
        if rest:
            _unwrap(a, cmd, scope, rest)
        return
    verb = rest[0] if rest else ""
    if verb in ("list", "get", "keys", "decrypt"):
        for f in files or [".env"]:
            if check_read(a, cmd, f, scope):
                return
    elif verb == "run":
        inner = rest[1:]
        while inner and inner[0].startswith("-") and inner[0] != "--":
            inner = inner[2:] if inner[0] in ("-f", "--file", "-e") else inner[1:]
        if inner[:1] == ["--"]:
            inner = inner[1:]
        if inner:
            _unwrap(a, cmd, scope, inner)
    elif rest and cmd.name == "dotenv" and files:  # dotenv-cli without --: dotenv -e .env CMD
        _unwrap(a, cmd, scope, rest)


# Package, project and secret runners (`npx wrangler …`, `poetry run CMD`, `doppler run -- CMD`,
# `aws-vault exec prof -- CMD`) run another command, often with secrets loaded: what they run is judged as
# what it is.  The one list is data: knowledge/runners.toml.

_RUNNER_SPECS = None


def runner_specs():
    """program → its runner entries (knowledge/runners.toml), read once."""
    global _RUNNER_SPECS
    if _RUNNER_SPECS is None:
        from ...knowledge import load

        raw = load("runners.toml")
        out = {}
        for e in raw.get("runner", []):
            spec = {"verbs": [tuple(v.split()) for v in e.get("verbs", [])],
                    "global_short": e.get("global_short", ""), "global_long": tuple(e.get("global_long", ())),
                    "short": e.get("short_values", ""), "long": tuple(e.get("long_values", ())),
                    "skip": int(e.get("skip", 0)), "separator": bool(e.get("separator")),
                    "command_options": tuple(e.get("command_options", ())),
                    "argv_options": tuple(e.get("argv_options", ())), "package": bool(e.get("package")),
                    "prefix": list(e.get("prefix", ())), "own_too": bool(e.get("own_too")),
                    "command_line": bool(e.get("command_line")), "whole": bool(e.get("whole")),
                    "scripts": {k: list(v) for k, v in e.get("scripts", {}).items()},
                    "script_options": {k: list(v) for k, v in e.get("script_options", {}).items()},
                    "examples": e.get("examples", [])}
            for n in e["names"]:
                out.setdefault(n, []).append(spec)
        _RUNNER_SPECS = out
    return _RUNNER_SPECS


_PKG_SPEC = _LazyRe(r"(?:==|>=|<=|~=|!=|[<>=\[]).*$")


def package_program(word):
    """The program a package spec runs: wrangler@3 → wrangler, @scope/cli@1 → cli, ruff==0.4 → ruff,
    npm:x → x, nixpkgs#x → x, github:o/r → r."""
    w = word.split("#", 1)[1] if "#" in word else word
    if w.startswith("npm:"):
        w = w[4:]
    if w.startswith("@"):
        w = "@" + w[1:].split("@", 1)[0]
    else:
        w = w.split("@", 1)[0]
    w = _PKG_SPEC.sub("", w)
    return w.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or word


def _runner_inner(spec, args):
    """The argv (or ("line", text)) a runner entry runs, or None when the line is not that entry's."""
    if spec["verbs"]:
        _, rest = _first_cmd(args, with_arg=spec["global_short"], long_with_arg=spec["global_long"])
        verb = next((v for v in spec["verbs"] if tuple(rest[:len(v)]) == v), None)
        if verb is None:
            return None
        args = rest[len(verb):]
        if spec["whole"]:  # everything after the verb is the command's argv, its options included
            args = args[1:] if args[:1] == ["--"] else args
            return spec["prefix"] + args if args else None
    for i, x in enumerate(args):  # `nix shell PKG… --command CMD ARGS`: the argv follows, after any operand
        if x == "--":
            break
        if x in spec["argv_options"]:
            return args[i + 1:] or None
    i = 0
    while i < len(args):  # options whose value is a command line, or after which the argv follows
        x = args[i]
        name, eq, val = x.partition("=")
        if name in spec["argv_options"] and not eq:
            return args[i + 1:] or None
        if name in spec["command_options"]:
            line = val if eq else (args[i + 1] if i + 1 < len(args) else "")
            return ("line", line) if line else None
        if x == "--" or (spec["package"] and (not x.startswith("-") or x == "-")):
            break  # (a package runner's command starts at its first operand: `npx foo -c x` is foo's -c)
        if not eq and (name in spec["long"] or (not x.startswith("--") and x[-1] in spec["short"])):
            i += 1  # its value
        i += 1
    opts, inner = _first_cmd(args, with_arg=spec["short"], long_with_arg=spec["long"])
    if spec["separator"] and "--" in inner:  # aws-vault exec PROFILE -- CMD, mise exec TOOL@V -- CMD
        inner = inner[inner.index("--") + 1:]
    else:
        inner = inner[spec["skip"]:]
        if inner[:1] == ["--"]:
            inner = inner[1:]
    if spec["command_line"]:
        return ("line", " ".join(inner)) if inner else None
    sopt = next((o for o in opts if o in spec["script_options"]), None)
    if sopt and inner:  # `uv run --script scripts/wipe`: the file is a script of that language, whatever its name
        return spec["prefix"] + spec["script_options"][sopt] + inner
    ext = next((e for e in spec["scripts"] if inner and inner[0].endswith(e)), None)
    if ext:  # `uv run scripts/x.py`: a file of that kind is run by its interpreter
        return spec["prefix"] + spec["scripts"][ext] + inner
    if inner and spec["package"] and not inner[0].startswith(("./", "../", "/", "~")):
        # (a path is the file it names, run as a program: never its base name as a package)
        inner = [package_program(inner[0])] + (inner[2:] if inner[1:2] == ["--"] else inner[1:])
    return spec["prefix"] + inner if inner else None


def _runner(a, cmd, scope, own=None):
    ran = False
    runs_own = own is None
    for spec in runner_specs().get(cmd.name, ()):
        inner = _runner_inner(spec, list(cmd.args))
        if inner is None:
            continue
        ran = True
        runs_own = runs_own or spec["own_too"]
        if isinstance(inner, tuple):
            a.nested_shell(inner[1], cmd, scope)
        elif inner and any(c in inner[0] for c in " \t;|&"):
            a.nested_shell(" ".join(inner), cmd, scope)  # `npx "rm -rf ~"`: a command line, run by a shell
        else:
            _unwrap(a, cmd, scope, inner)
        break
    if own is not None and (not ran or runs_own):
        own(a, cmd, scope)
    elif own is None and not ran:
        # not running a command: the tool's own sub-commands (`doppler projects delete`, `op item
        # delete`, `aws-vault remove`), judged by its knowledge file or the generic verb model
        from . import clis

        clis.handler(a, cmd, scope)


def _runner_and(own):
    """A program with a handler of its own that also runs commands (`npm exec`, `bundle exec`)."""
    def handler(a, cmd, scope):
        _runner(a, cmd, scope, own)
    handler.knowledge_fallback = getattr(own, "knowledge_fallback", False)
    return handler


def _runner_names():
    """The runners' program names, from the file's `names = [...]` lines only (the file is parsed the first
    time a runner is judged: this runs on every hook's import)."""
    from ...knowledge import path

    with open(path("runners.toml"), encoding="utf-8") as fh:
        text = fh.read()
    return dict.fromkeys(n for line in re.findall(r'(?m)^names\s*=\s*\[([^\]]*)\]', text)
                         for n in re.findall(r'"([^"]+)"', line))


for _n in _runner_names():
    HANDLERS[_n] = _runner_and(HANDLERS[_n]) if _n in HANDLERS else _runner


def _local_setup_py(a, cmd, scope, args):
    """`pip install .` / `pip install -e ./lib`: building a local project runs its setup.py."""
    for i, x in enumerate(args):
        if x.startswith("-") or U in x or (i and args[i - 1] in ("-r", "-c", "--requirement", "--constraint",
                                                                  "-i", "--index-url", "-t", "--target")):
            continue
        if x in (".", "..") or x.startswith(("./", "../", "/")) or x.endswith("/"):
            setup = x.rstrip("/") + "/setup.py"
            a.script_file(setup, cmd, scope, language="python")


# --- justfiles --------------------------------------------------------------------------------------

_JUSTFILES = ("justfile", "Justfile", ".justfile")


@handles("just")
def just(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="fdc", long_with_arg=("--justfile", "--working-directory",
                                                                     "--set", "--shell", "--dotenv-path"))
    if {"--dry-run", "-n", "--list", "-l", "--summary", "--show", "-s", "--evaluate", "--help", "-h"} & f:
        return
    jf = v.get("-f") or v.get("--justfile")
    text, name = _task_file(a, [jf] if jf else _JUSTFILES, a._scope_ctx(scope))
    if text is None:
        return
    recipes, first = _parse_justfile(text)
    goals = [x for x in ops if "=" not in x]
    goal = goals[0] if goals else ("default" if "default" in recipes else first)
    if goal:
        _run_recipes(a, cmd, scope, recipes, goal, name, _just_line, set())


@handles("invoke", "inv", "fab")
def python_tasks(a, cmd, scope):
    """Invoke (`invoke clean`, `inv deploy`) and Fabric (`fab wipe`) run functions of tasks.py / fabfile.py whose
    `c.run("…")`, `c.sudo("…")`, `c.local("…")` lines are shell commands: the module's top level and the tasks
    named are judged as the Python they are, those calls as the commands they run."""
    import ast
    import textwrap

    f, v, ops = split_opts(cmd.args, with_arg="crfH", long_with_arg=("--collection", "--search-root", "--config",
                                                                   "--hosts", "--command"))
    if {"--list", "-l", "--help", "-h", "--dry", "--version", "-V", "--complete"} & f:
        return
    hosts = [h for h in re.split(r"[,\s]+", v.get("-H") or v.get("--hosts") or "") if h]
    env = next((e for e in (a.environment_of("host", h.split("@")[-1]) for h in hosts) if e in ("prod", "production")),
               None)
    if env and any(g.replace("-", "_").split(":")[0].split("_")[0] in ("deploy", "release", "rollout", "update",
                                                                        "upgrade", "restart", "migrate") for g in ops):
        # `fab -H prod-web-1,prod-web-2 deploy`: the task runs on hosts named production
        a.emit("infra.deploy", cmd, target=f"{cmd.name} {' '.join(ops[:2])} on {', '.join(hosts[:3])}",
               effect="deploy", environment=env, note="a task run on production hosts")
    root = v.get("-r") or v.get("--search-root") or "."
    coll = v.get("-c") or v.get("--collection") or ("fabfile" if cmd.name == "fab" else "tasks")
    text, name = _task_file(a, [root.rstrip("/") + "/" + coll + ".py", root.rstrip("/") + "/" + coll + "/__init__.py"],
                            a._scope_ctx(scope))
    if text is None:
        return
    try:
        tree = ast.parse(text)
    except SyntaxError:
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"{name} does not parse: what its tasks run is unknown")
        return
    goals = {g.replace("-", "_") for g in ops if not g.startswith("-")} or {"default"}
    parts = []
    for node in tree.body:
        seg = ast.get_source_segment(text, node) or ""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in goals or "default" in goals and any("default=True" in (ast.get_source_segment(text, d) or "")
                                                                   for d in node.decorator_list):
                ctxname = node.args.args[0].arg if node.args.args else "c"
                body = textwrap.dedent("\n".join(ast.get_source_segment(text, b) or "" for b in node.body))
                body = re.sub(r"\b" + re.escape(ctxname) + r"\.(?:run|sudo|local)\(", "os.system(", body)
                parts.append("import os\n" + body)
        elif not isinstance(node, ast.ClassDef):
            parts.append(seg)
    if parts:
        inline_code(a, "python", "\n".join(parts), cmd, scope, origin=(name, 0))


def _parse_justfile(text):
    recipes, first, current = {}, None, None
    for no, line in enumerate(text.split("\n"), 1):
        if line[:1] in (" ", "\t") and current is not None:
            if line.strip():
                recipes[current][1].append((no, line.strip()))
            continue
        current = None
        m = re.match(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:=]*)?:(?!=)\s*(.*)$", line)
        if m and not line.startswith(("set ", "alias ", "export ", "import ", "mod ")):
            current = m.group(1)
            deps = [d for d in re.findall(r"[A-Za-z_][\w-]*", m.group(2).split("#", 1)[0])]
            recipes[current] = (deps, [])
            first = first or current
    return recipes, first


def _just_line(goal, deps, text):
    if text.startswith("#!"):
        return None
    # {{ expressions }} are known when it runs: a variable to the shell, unknown where it is used
    text = re.sub(r"\{\{\s*([^}]*?)\s*\}\}", lambda m: "${" + (m.group(1) if re.fullmatch(
        r"[A-Za-z_]\w*", m.group(1)) else "__just_expression") + "}", text.lstrip("@-"))
    return "" if text.startswith("#") else text


# Terminal emulators that open a window running a command: `xterm -e CMD`, `gnome-terminal -- CMD`.
_TERMINALS = {"xterm": ("-e",), "uxterm": ("-e",), "konsole": ("-e",), "tilix": ("-e", "--command"),
              "alacritty": ("-e", "--command"), "kitty": (), "foot": (), "st": ("-e",), "urxvt": ("-e",),
              "xfce4-terminal": ("-e", "-x", "--command"), "terminator": ("-e", "-x", "--command"),
              "gnome-terminal": ("-e", "-x", "--command"), "wezterm": (), "mate-terminal": ("-e", "-x", "--command")}


def terminal(a, cmd, scope):
    args = list(cmd.args)
    if "--" in args:  # gnome-terminal -- CMD ARGS, kitty -- CMD, wezterm start -- CMD
        inner = args[args.index("--") + 1:]
        if inner:
            a.dispatch(cmd.derive(inner), scope)
        return
    flags = _TERMINALS[cmd.name]
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name in flags:
            rest = [val] if eq else args[i + 1:]
            if not rest:
                return
            if len(rest) == 1 or name in ("--command",) or cmd.name in ("konsole", "xfce4-terminal") and name == "-e":
                a.nested_shell(" ".join(rest) if name != "--command" else rest[0], cmd, scope)
            else:  # xterm -e PROG ARGS
                a.dispatch(cmd.derive(rest), scope)
            return
    if cmd.name in ("kitty", "foot", "wezterm"):  # kitty CMD ARGS, wezterm start CMD
        ops = [x for x in args if not x.startswith("-")]
        if cmd.name == "wezterm" and ops[:1] == ["start"]:
            ops = ops[1:]
        if ops:
            a.dispatch(cmd.derive(args[args.index(ops[0]):]), scope)


for _n in _TERMINALS:
    HANDLERS.setdefault(_n, terminal)


@handles("ansible")
def ansible(a, cmd, scope):
    """`ansible all -m shell -a 'CMD'`: CMD runs on every host the pattern selects."""
    f, v, ops = split_opts(cmd.args, with_arg="maiuefMtlTBPc", long_with_arg=(
        "--module-name", "--args", "--inventory", "--user", "--extra-vars", "--become-user", "--forks",
        "--limit", "--connection", "--timeout", "--tags", "--module-path", "--private-key"))
    module = v.get("-m") or v.get("--module-name") or "command"
    line = v.get("-a") or v.get("--args")
    host = ops[0] if ops else "all"
    short = module.rsplit(".", 1)[-1]
    before = len(a.findings)
    if line and short in ("shell", "command", "raw", "script"):
        a.nested_shell(line, cmd, scope, remote=f"ansible:{host}")
    if {"-C", "--check", "--list-hosts", "-h", "--help", "--syntax-check"} & f:
        return
    from .infra import ansible_env

    env = ansible_env(a, v, host)
    changes = len(a.findings) > before if short in ("shell", "command", "raw", "script") else not (
        short in _ANSIBLE_READS or short.endswith(("_info", "_facts")))
    if env and changes:
        # an ad-hoc module that changes production hosts, with nothing shown first (`-C` only looks)
        a.emit("infra.terraform-apply-unreviewed", cmd, target=f"ansible {host} -m {module}", effect="deploy",
               environment=env, note="an ad-hoc change on production hosts, not shown first (--check)")


#: ansible modules that only look (and `*_info`, `*_facts`)
_ANSIBLE_READS = frozenset({"ping", "setup", "gather_facts", "debug", "stat", "slurp", "fetch", "assert", "wait_for",
                            "wait_for_connection", "find", "getent", "service_facts", "package_facts", "win_ping",
                            "list_files", "meta", "set_fact", "fail", "pause"})


# --- commands planted to run later ------------------------------------------------------------------

_RC_FILES = frozenset({".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin",
                       ".zlogout", ".bash_login", ".bash_logout", ".kshrc", ".mkshrc", ".envrc", "bash.bashrc",
                       ".bash_aliases", ".bash_functions", ".aliases", ".zsh_aliases",  # sourced by the rc files
                       "profile", "zshrc", "zprofile", "zshenv"})


def planted(a, cmd, raw, text):
    """Text written into a file that something runs later: a shell start-up file (`>> ~/.bashrc`),
    a git hook, direnv's .envrc, a cron table.  What it will run is judged now, with the file named.
    Python written to a file (a conftest.py pytest imports, a .pth the interpreter runs) that uses
    Interlock's own library is refused like `python -c` doing it."""
    if text and raw.endswith((".py", ".pth", ".pyw")) and _USES_INTERLOCK.search(text):
        a.emit("interlock.self-command", cmd, target=P.display(P.resolve(raw, a.pctx), a.pctx) if U not in raw else raw,
               effect="run", note="Python written here uses Interlock's own library")
    if not text or U in raw and not _python_startup(raw) or a.remote or a.planting:
        return
    a.planting = True
    before = len(a.findings)
    try:
        _planted(a, cmd, raw, text)
    finally:
        a.planting = False
    _planted_download(a, cmd, raw, a.findings[before:])


def _planted_download(a, cmd, raw, found):
    """Code downloaded and run (shell.opaque-download), asked when an agent runs it once in front of a human,
    is refused when planted where it runs later by itself: at every start, never seen again."""
    runs = [f for f in found if f.rule == "shell.opaque-download"]
    if runs:
        path = P.resolve(raw, a.pctx)
        a.emit("fs.planted-download", cmd, target=P.display(path, a.pctx), effect="run-later",
               note=f"it will run: {(runs[0].note or runs[0].evidence)[:120]}")


def _planted(a, cmd, raw, text):
    if _python_startup(raw):
        # every Python start runs it: sitecustomize/usercustomize whole, a .pth's `import` lines
        code = text if not raw.endswith(".pth") else "\n".join(
            ln for ln in text.split("\n") if ln.startswith(("import ", "import\t")))
        if code.strip():
            inline_code(a, "python", code, cmd, a.new_scope(), origin=(raw.rsplit("/", 1)[-1], 0))
        return
    path = P.resolve(raw, a.pctx)
    path = P.real_outside(path, a.pctx, follow_last=True) or a.linked(path, follow_last=True) or path  # via a link
    base = path.rsplit("/", 1)[-1]
    shown = P.display(path, a.pctx)
    if ("/.git/hooks/" in path and not base.endswith(".sample")) or base in _RC_FILES or \
            path.startswith(("/etc/profile.d/", "/etc/zsh/")) or ("/.config/fish/" in path and base.endswith(".fish")):
        a.judged_text.add(path)  # what runs later is judged now: the write itself is not asked about
        a.nested_shell(text, cmd, a.new_scope(), origin=(shown, 0))
    elif _planted_place(a, cmd, path, shown, text):
        pass
    elif path.startswith(("/var/spool/cron/", "/etc/cron.d/")) or path == "/etc/crontab":
        system = not path.startswith("/var/spool/cron/")  # /etc/crontab and cron.d lines name a user
        for no, line in enumerate(text.split("\n")):
            job = _cron_command(line)
            if job and system:
                job = job.split(None, 1)[1] if " " in job else None
            if job:
                a.nested_shell(job, cmd, a.new_scope(), origin=(shown, no))


def _planted_place(a, cmd, path, shown, text):
    """A systemd unit, XDG autostart entry, launchd agent or session script (knowledge/startup.toml): the
    commands it will run are judged now.  False when the path is none of those; a file whose commands
    cannot be read (a broken property list) is not marked judged, so its write stays asked."""
    from .. import startup

    got = startup.place_of(path, a.pctx.home)
    if got is None:
        return False
    name, fmt = got
    if fmt == "gitconfig":  # `[core] hooksPath = DIR`: the hooks there run on the next plain git command
        from .git import planted_hooks_path

        repo = path[:-len("/.git/config")] if path.endswith("/.git/config") else None
        for value in startup.hooks_paths(text)[:4]:
            planted_hooks_path(a, cmd, a.new_scope(), value, cwd=repo)
    lines = startup.commands(fmt, text)
    if lines is None:
        return True
    a.judged_text.add(path)
    before = len(a.findings)
    for no, line in lines[:64]:
        a.nested_shell(line, cmd, a.new_scope(), origin=(f"{shown} ({name})", no))
    if startup.keeps_refused_only(name):  # a CI pipeline: what is refused outright, not its ordinary deploys
        a.findings[before:] = [f for f in a.findings[before:] if f.severity in ("credential", "catastrophic")]
    return True


def _enabled_unit(a, cmd, scope, names, user):
    """`systemctl [--user] enable UNIT…`, `launchctl load PLIST`: the file that will run from now on is
    judged as the commands it runs (its text as this command line wrote it, else as it is on disk)."""
    import posixpath

    from .. import startup

    for n in names[:16]:
        if U in n or n.startswith("-"):
            continue
        if "/" in n:
            cands = [P.resolve(n, a._scope_ctx(scope))]
        else:
            unit = n if "." in n else n + ".service"
            cands = [posixpath.join(d, unit) for d in startup.unit_dirs(user, a.pctx.home)]
        for path in cands:
            if path in a.judged_text:
                break  # written by this command line: judged then
            text = a.written_text.get(path)
            if text is None:
                text = a.read_file(path)
            if text is None and a.aliases and path in a.aliases:
                text = a.read_file(a.aliases[path])  # `cp evil.service ~/.config/systemd/user/ && … enable`
            if text is None:
                continue
            got = startup.place_of(path, a.pctx.home)
            fmt = got[1] if got else ("launchd" if path.endswith(".plist") else "systemd")
            lines = startup.commands(fmt, text)
            for no, line in (lines or [])[:64]:
                a.nested_shell(line, cmd, a.new_scope(), origin=(P.display(path, a.pctx), no))
            break


def _register_runners():
    """Runners of source in any language (go run, java X.java, pwsh, lua...): analysis.anylang reads
    their program first; the handlers above still run (runners_any.wrap)."""
    from .runners_any import register

    register(HANDLERS, unknown_program)


_register_runners()


@handles("fd", "fdfind")
def fd(a, cmd, scope):
    """fd … -x CMD: the command runs on what fd finds (a search for credential files when it prints them)."""
    from .hunting import fd_exec

    if not fd_exec(a, cmd, scope):
        unknown_program(a, cmd, scope)


# --- builtins that set a variable by name: an exported one reaches every child --------------------

@handles("printf", "read", "mapfile", "readarray", "getopts")
def sets_variable(a, cmd, scope):
    from .analyzer import steers

    args = cmd.args
    names = []
    if cmd.name == "printf":
        for i, x in enumerate(args[:-1]):
            if x == "-v":
                names.append(args[i + 1])
            elif x.startswith("-v") and len(x) > 2:
                names.append(x[2:])
    elif cmd.name == "getopts":
        names = args[1:2]
    else:
        skip = False
        for x in args:
            if skip:
                skip = False
                continue
            if x in ("-a", "-d", "-n", "-N", "-p", "-t", "-u", "-C", "-c", "-s", "-O"):
                skip = x not in ("-s",) or cmd.name != "read"
                if cmd.name == "read" and x == "-a":
                    skip = False
                continue
            if x.startswith("-"):
                continue
            names.append(x)
    for n in names:
        if steers(n, persistent=True) or (U in n and steers(n, persistent=True, glob=True)):
            a.emit("interlock.env-tamper", cmd, target=n.replace(U, "$?"), effect="set")
            return


# --- patches, stashes and sockets that reach Interlock's own files ---------------------------------

MAX_PATCH = 8 << 20
_PATCH_TARGET = _LazyRe(r"(?m)^(?:\+\+\+ |--- |rename to |copy to |diff --git a/\S+ )(\S+)")


def patch_targets(text):
    """The paths a unified/git diff writes (``a/``/``b/`` prefixes kept and dropped: both are tried)."""
    out = set()
    for m in _PATCH_TARGET.finditer(text):
        t = m.group(1)
        if t == "/dev/null":
            continue
        out.add(t)
        if t.startswith(("a/", "b/")):
            out.add(t[2:])
    return out


def patched(a, cmd, scope, source, base=None):
    """A patch applied under ``base`` (default: the working directory).  ``source``: a path, or None
    when the patch comes from somewhere we cannot read (a pipe): then a tree that holds Interlock's
    files is a question."""
    from ...fsread import read_regular

    bplace = a.place(base or ".", scope)
    bpath = bplace.path
    if not bpath or U in bpath:
        return
    text = None
    if source is not None and U not in source:
        sp = a.place(source, scope)
        try:
            text = read_regular(sp.path, MAX_PATCH).decode("utf-8", "replace") if sp.path else None
        except OSError:
            return  # no such patch: nothing is applied
    if text is None:
        if a.pctx.self_paths.holds(bpath.rstrip("/") or "/"):
            a.emit("interlock.unpack-unknown", cmd, target=P.display(bpath, a.pctx), effect="overwrite")
        return
    for t in sorted(patch_targets(text)):
        target = t if t.startswith("/") else bpath.rstrip("/") + "/" + t
        place = P.classify(target, a.pctx)
        if place.kind == P.SELF:
            a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
            return


@handles("patch")
def patch_(a, cmd, scope):
    args = cmd.args
    base = None
    source = None
    for i, x in enumerate(args):
        if x in ("-d", "--directory") and i + 1 < len(args):
            base = args[i + 1]
        elif x in ("-i", "--input") and i + 1 < len(args):
            source = args[i + 1]
        elif x.startswith("--input="):
            source = x.split("=", 1)[1]
    if source is None:
        for op, t in cmd.redirects:
            if op == "<":
                source = t
    if source is None and cmd.stdin and cmd.stdin[0] == "text":
        text = cmd.stdin[1]
        for t in sorted(patch_targets(text)):
            place = a.place(t, scope)
            if place.kind == P.SELF:
                a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
                return
        return
    patched(a, cmd, scope, source, base)


def git_apply(a, cmd, scope, rest, cwd):
    """`git apply PATCH` / `git am MBOX`: the files the patch writes (read from the patch)."""
    if any(x in ("--check", "--stat", "--numstat", "--summary", "--abort", "--quit", "--show-current-patch")
           or x.startswith("--show-current-patch=") for x in rest):
        return  # nothing applied (`git am --abort` puts the branch back as it was)
    base = None
    ops = []
    skip = False
    for i, x in enumerate(rest):
        if skip:
            skip = False
            continue
        if x == "--directory" and i + 1 < len(rest):
            base = rest[i + 1]
            skip = True
        elif x.startswith("--directory="):
            base = x.split("=", 1)[1]
        elif x in ("-p", "-C", "--exclude", "--include"):
            skip = True
        elif not x.startswith("-"):
            ops.append(x)
    root = cwd if cwd and U not in cwd else scope.cwd
    if base:
        root = root.rstrip("/") + "/" + base
    if not ops:
        src = next((t for op, t in cmd.redirects if op == "<"), None)
        ops = [src]
    from .analyzer import Scope

    sc = Scope(scope.vars, scope.funcs, root) if root != scope.cwd else scope
    for src in ops:
        patched(a, cmd, sc, src if src != "-" else None, ".")


def git_stash(a, cmd, scope, rest, cwd):
    """`git stash` (push) puts uncommitted changes away — to Interlock's hook settings too, reverting a
    hook entry that was never committed; -u/-a also remove untracked (and ignored) files."""
    if rest and rest[0] not in ("push", "save", "-u", "--include-untracked", "-a", "--all", "-k", "--keep-index",
                                "-m", "--message", "-q", "--quiet", "-p", "--patch", "-S", "--staged"):
        return
    line = uncommitted_self(a, untracked=any(x in ("-u", "--include-untracked", "-a", "--all") for x in rest),
                            ignored=any(x in ("-a", "--all") for x in rest))
    if line:
        a.emit("interlock.self-protect", cmd, target=line, effect="overwrite",
               note="git stash would take away an uncommitted change to Interlock's hook settings")


def uncommitted_self(a, untracked=False, ignored=False):
    """The first of Interlock's own files in the workspace with a change git does not hold (the path),
    or None.  ``untracked``: count untracked files; ``ignored``: and ignored ones."""
    ws = a.pctx.workspace
    if not ws:
        return None
    import subprocess

    mine = [g for g in a.pctx.self_paths if g.startswith(ws + "/") and not any(c in g for c in "*?[")]
    mine += [p for g in a.pctx.self_paths if g.startswith(ws + "/") and g.endswith("settings*.json")
             for p in (g.replace("*", ""), g.replace("*", ".local"))]
    existing = [p for p in mine if os.path.isfile(p)]
    if not existing:
        return None
    extra = ["--ignored"] if ignored else []
    try:  # none of the repository's configured commands run (fsmonitor, filters: gitsafe)
        out = gitsafe.run(ws, "status", "--porcelain", "--untracked-files=all", *extra, "--", *existing,
                          timeout=1.5, text=True).stdout
    except (OSError, subprocess.SubprocessError):
        out = "?? (git status failed)"
    for line in out.splitlines():
        st = line[:2]
        if st == "!!" and not ignored or st == "??" and not untracked:
            continue
        return line[3:].strip() or "hook settings"
    return None


@handles("nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "pwncat", "cryptcat")
def netcat(a, cmd, scope):
    """A relay that runs a program on its socket (`nc -e /bin/sh`) is a shell for the peer (netshell.py); the
    rest is judged as any program (what it sends)."""
    from . import netshell

    netshell.relay(a, cmd)
    from . import databases

    databases.wire_protocol(a, cmd, scope)  # `printf 'FLUSHALL\r\n' | nc redis.prod 6379`: the store's own commands
    unknown_program(a, cmd, scope)


#: grpcurl's options that take a value (the next word)
_GRPCURL_VALUE_OPTIONS = frozenset({
    "-d", "-H", "-rpc-header", "-reflect-header", "-import-path", "-proto", "-protoset", "-protoset-out", "-cert",
    "-key", "-cacert", "-servername", "-authority", "-user-agent", "-format", "-connect-timeout", "-max-time",
    "-keepalive-time", "-max-msg-sz", "-expand-headers", "-alts-handshaker-service", "-alts-target-service-account"})
#: an RPC whose method name starts so removes what it names: Google's API design (AIP-135) maps a Delete method
#: to HTTP DELETE, and the other verbs say the same of their object
_RPC_DELETE = re.compile(r"^(Delete|Drop|Destroy|Purge|Remove|Truncate|Erase|Wipe|Flush)[A-Z_]|^(Delete|Drop|Destroy|Purge|Flush)$")


@handles("grpcurl")
def grpcurl(a, cmd, scope):
    """`grpcurl [opts] HOST:PORT pkg.Service/Method`: a method whose name deletes (DeleteInstance, DropDatabase) is
    judged as the HTTP DELETE gRPC transcoding maps it to, at that host (the HTTP catalogue's providers, a
    production host's environment); listing and describing only read."""
    from ..http import Request, emit_request

    ops, body, i, args = [], None, 0, list(cmd.args)
    while i < len(args):
        x = args[i]
        name = x.lstrip("-").split("=", 1)[0]
        if x.startswith("-") and "-" + name in _GRPCURL_VALUE_OPTIONS:
            val = x.split("=", 1)[1] if "=" in x else (args[i + 1] if i + 1 < len(args) else "")
            if name == "d":
                body = val
            i += 1 if "=" in x else 2
            continue
        if not x.startswith("-"):
            ops.append(x)
        i += 1
    if len(ops) < 2 or ops[-1] in ("list", "describe") or (len(ops) >= 2 and ops[-2] in ("list", "describe")):
        return
    symbol = ops[-1]
    method = re.split(r"[/.]", symbol)[-1]
    if not _RPC_DELETE.match(method):
        return
    scheme = "http" if "-plaintext" in args or "--plaintext" in args else "https"
    emit_request(a, cmd, Request("DELETE", f"{scheme}://{ops[-2]}/{symbol.replace('.', '/') if '/' not in symbol else symbol}",
                                 body, (), client="grpcurl"))


@handles("socat")
def socat(a, cmd, scope):
    """socat's addresses name files and sockets: listening on (or creating) one of Interlock's own,
    such as the hook daemon's socket, is taking its place; a program joined to a network address is a shell
    for the peer (netshell.py)."""
    from . import netshell

    netshell.socat(a, cmd)
    for x in cmd.args:
        if x.startswith("-"):
            continue
        kind, sep, rest = x.partition(":")
        if not sep:
            continue
        path = rest.split(",", 1)[0]
        k = kind.upper()
        if k in ("UNIX-LISTEN", "UNIX-L", "UNIX-RECVFROM", "UNIX-RECV", "CREATE", "CREAT", "OPEN", "GOPEN",
                 "FILE", "PIPE", "UNIX-SENDTO", "UNIX-CONNECT", "UNIX-CLIENT", "UNIX"):
            place = a.place(path, scope)
            if place.kind == P.SELF:
                a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
                return
            if k in ("OPEN", "GOPEN", "FILE") or k.startswith("UNIX"):
                check_read(a, cmd, path, scope)
    check_args_for_secrets(a, cmd, scope)


# --- settings that decide what later commands run or fetch (shell/settings.py, knowledge/settings.toml) --------

def _with_settings(fn):
    def handler(a, cmd, scope):
        from . import settings

        settings.judge_cli(a, cmd, scope)
        fn(a, cmd, scope)
    handler.__dict__.update(getattr(fn, "__dict__", {}))  # (judges_args, knowledge_fallback: as the handler's)
    handler.settings_wrapped = True
    return handler


def _register_settings():
    from . import settings

    for n in settings.tools():  # (a tool with no handler in code, or a runner, is read from clis.handler)
        if n in HANDLERS and HANDLERS[n] is not _runner:
            HANDLERS[n] = _with_settings(HANDLERS[n])


_register_settings()
