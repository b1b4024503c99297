"""git: which sub-commands lose work or rewrite shared history."""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase

from ...fsread import read_regular
from ...memo import FileMemo
from .. import paths as P
from ..paths import UNKNOWN_MARK as U

_GLOBAL_WITH_ARG = ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--super-prefix",
                    "--config-env", "--list-cmds")


def _is_protected(a, branch):
    if not branch or U in branch:
        return False
    b = branch
    for prefix in ("refs/heads/", "origin/", "refs/remotes/origin/"):
        if b.startswith(prefix):
            b = b[len(prefix):]
    return any(fnmatchcase(b, pat) for pat in a.protected_branches)


def current_branch(start):
    """The checked-out branch of the repository containing ``start`` (reads .git/HEAD)."""
    gd = _git_dir(start)
    if gd is None:
        return None
    try:
        ref = read_regular(gd + "/HEAD", 4096).decode("utf-8", "replace").strip()
    except OSError:
        return None
    return ref[16:] if ref.startswith("ref: refs/heads/") else None


def git(a, cmd, scope):
    args = cmd.args
    i = 0
    cwd = scope.cwd
    hooks_path = None
    aliases = getattr(a, "git_aliases", None)
    if aliases is None:
        aliases = a.git_aliases = {}
    while i < len(args):
        x = args[i]
        if x in _GLOBAL_WITH_ARG:
            if x == "-C" and i + 1 < len(args):
                to = args[i + 1]
                if cwd != scope.cwd and U not in cwd and not to.startswith(("/", "~")):
                    to = os.path.join(cwd, to)  # `git -C ../other -C src`: each -C is relative to the one before
                cwd = P.resolve(to, a._scope_ctx(scope)) if U not in to else U
            if x == "-c" and i + 1 < len(args) and args[i + 1].startswith("alias."):
                k, _, v = args[i + 1][6:].partition("=")
                aliases[k] = v
            elif x == "-c" and i + 1 < len(args):
                k, _, v = args[i + 1].partition("=")
                if k.lower() == "core.hookspath":
                    hooks_path = v
                if _p().git_command_key(k) and not k.lower().startswith("credential."):
                    _p().command_value(a, cmd, scope, k, v)
                from . import settings

                if settings.kind_of(k) in ("source", "include", "credential"):
                    settings.judge_setting(a, cmd, scope, k, v)
            i += 2
            continue
        if x.startswith("-"):
            i += 1
            continue
        break
    for k, v in list(cmd.assigns.items()):  # GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n: `-c` by the environment
        if k.startswith("GIT_CONFIG_KEY_"):
            val = cmd.assigns.get("GIT_CONFIG_VALUE_" + k[len("GIT_CONFIG_KEY_"):], "")
            if v.lower() == "core.hookspath":
                hooks_path = val
            elif _p().git_command_key(v):
                _p().command_value(a, cmd, scope, v, val)
    if i >= len(args):
        return
    sub, rest = args[i], args[i + 1:]
    if sub == "clone":
        # `git clone URL ~/.claude/skills/x`: what the agent loads in every session comes from there
        ops, skip = [], False
        for x in rest:
            if skip:
                skip = False
            elif x in ("-b", "--branch", "-o", "--origin", "--depth", "-c", "--config", "--reference", "-u",
                       "--upload-pack", "--template", "--separate-git-dir", "-j", "--jobs", "--filter"):
                skip = True
            elif not x.startswith("-"):
                ops.append(x)
        if len(ops) >= 2 and ops[1] and U not in ops[1]:
            place = a.place(ops[1], scope)
            if place.kind in (P.OUTSIDE, P.REGENERABLE):
                _p()._agent_config_write(a, cmd, place, ops[1], scope)
    if sub == "remote" and U not in cwd and ("-v" in rest or "--verbose" in rest or
                                             [x for x in rest if not x.startswith("-")][:1] in (["get-url"], ["show"])):
        # the remotes' URLs, printed: a token written into one (https://user:TOKEN@host/…) with them
        _emit_config_token(a, cmd, config_files(a, cwd, "local"), "url", "git remote prints the remotes' URLs written in this file")
    if sub == "remote" and U not in cwd:
        words = [x for x in rest if not x.startswith("-")]
        if words[:1] == ["set-url"] and len(words) >= 3 and U not in words[-1] and (
                words[1] == "origin" or _remote_config(cwd, words[1]).get("url")):
            # a remote the project has (origin, or one its configuration holds) pointed at a repository that is
            # none of its remotes' — a fork remote being set up (`git remote add fork … || git remote set-url fork
            # …`) is ordinary work
            path = re.sub(r"^[a-z+]+://[^/]+/|^[^@/]+@[^:]+:", "", words[-1].strip("'\""))
            name = "/".join(path.rstrip("/").removesuffix(".git").split("/")[-2:]).lower()
            if name not in remote_repos(cwd):
                a.emit("git.remote-redirect", cmd, target=f"remote {words[1]} → {words[-1][:80]}", effect="redirect",
                       note="--push: pushes go there" if "--push" in rest else None)
    if sub == "config" and rest:
        ops, skip = [], False
        for x in rest:  # the operands, option values (`-f FILE`, `--type bool`) left out
            if skip:
                skip = False
            elif x in ("-f", "--file", "--blob", "-t", "--type", "--default", "--comment", "--value"):
                skip = True
            elif not x.startswith("-"):
                ops.append(x)
        if ops[:1] == ["set"]:  # git config set KEY VALUE (git 2.46+)
            ops = ops[1:]
        elif U not in cwd:
            _config_read(a, cmd, rest, ops, cwd)
        if len(ops) >= 2 and not ops[0].startswith("alias."):
            from . import settings  # where fetches go, what is included, who gets the credentials

            if settings.kind_of(ops[0]) in ("source", "include", "credential"):
                settings.judge_setting(a, cmd, scope, ops[0], ops[1])
        before = len(a.findings)
        if len(ops) >= 2 and ops[0].startswith("alias."):
            aliases[ops[0][6:]] = ops[1]
            if ops[1].startswith("!"):  # a shell alias: what `git NAME` will run
                _p().command_value(a, cmd, scope, ops[0], ops[1])
        elif len(ops) >= 2 and _p().git_command_key(ops[0]) and not ops[0].lower().startswith("credential."):
            _p().command_value(a, cmd, scope, ops[0], ops[1])  # git config core.pager 'cmd': runs on every log
        if len(a.findings) > before:  # a command stored in the configuration runs later by itself
            where = "~/.gitconfig" if {"--global", "--system"} & set(rest) else (
                cwd.rstrip("/") + "/.git/config" if U not in cwd else ".git/config")
            _p()._planted_download(a, cmd, where, a.findings[before:])
        elif len(ops) >= 2 and ops[0].lower() == "core.hookspath":
            planted_hooks_path(a, cmd, scope, ops[1], cwd)  # the hooks there run on the next plain `git commit`
        return
    if sub not in aliases and sub not in _SUB and sub not in _BUILTIN_VERBS and U not in cwd:
        got = configured_alias(a, cwd, sub)  # `git wipe`: an alias an earlier command configured
        if got is not None:
            aliases[sub] = got
    if sub in aliases and sub not in _SUB:
        body = aliases.pop(sub)  # expand once (an alias naming itself must not loop)
        if body.startswith("!"):
            a.nested_shell(body[1:] + "".join(" " + _q(x) for x in rest), cmd, scope)
        else:
            a.dispatch(cmd.derive(["git"] + body.split() + rest), scope)
        aliases[sub] = body
        return
    if sub in _WRITES and U not in cwd and not any(x in ("-h", "--help", "-n", "--dry-run") for x in rest) and \
            not _reads_only(sub, rest):
        # `cd ~/code/other && git commit -am x`, `git -C ../site merge main`: another of the user's repositories
        # changes — its history, index or files — though the agent was given this one
        place = a.place(cwd, scope)
        if place.kind in (P.OUTSIDE, P.HOME) and place.path and _git_dir(place.path):
            _p().write_outside(a, cmd, place, effect=sub)
    h = _SUB.get(sub)
    if h:
        h(a, cmd, scope, rest, cwd)
    elif sub and sub not in _BUILTIN_VERBS and _EXTERNAL_SUB.match(sub):
        _external(a, cmd, scope, sub, rest)
    if sub in _HOOKS:
        _run_hooks(a, cmd, scope, sub, rest, cwd, hooks_path)


#: Sub-commands that change a repository's history, index or files (judged where the repository is).
_WRITES = frozenset({"commit", "add", "rm", "mv", "merge", "rebase", "cherry-pick", "revert", "am", "apply", "pull",
                     "reset", "restore", "checkout", "switch", "stash", "clean", "tag", "notes"})


def _reads_only(sub, rest):
    """A write sub-command given only its listing or showing form: `git stash list`, `git tag --list`, `git tag`,
    `git notes show`."""
    ops = [x for x in rest if not x.startswith("-")]
    if sub in ("stash", "notes"):
        return bool(ops) and ops[0] in ("list", "show")
    if sub == "tag":
        return not ops or any(x in ("-l", "--list", "-v", "--verify", "--contains", "--points-at") or
                              x.startswith(("--list=", "--contains=", "--points-at=", "--sort=")) for x in rest)
    return False


#: Built-in sub-commands whose names hold a verb of the generic model but are judged by their own rules
#: (`git rm` deletes tracked files, ordinary work; `git prune` is git.gc-prune's business).
_BUILTIN_VERBS = frozenset({"rm", "prune", "prune-packed", "remote", "worktree", "stash", "branch", "tag"})
_EXTERNAL_SUB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _external(a, cmd, scope, sub, rest):
    """`git X` runs the program `git-X` when X is not built in (git-extras, legit, git-secret...): judged as
    that program — its knowledge file (knowledge/clis/git-extras.toml), else a verb in its own name
    (`git delete-branch`, `git obliterate`) through the generic verb model."""
    from . import clis

    name = "git-" + sub
    try:
        known = clis.tool_for(name) is not None or clis.generic_model().program_verb(name)
    except clis.KnowledgeError:
        known = True  # clis.handler asks, with the reason
    if known:
        clis.handler(a, cmd.derive([name] + list(rest)), scope)


# the hooks each command runs (those skipped by --no-verify / -n marked)
_HOOKS = {
    "commit": (("pre-commit", True), ("prepare-commit-msg", False), ("commit-msg", True), ("post-commit", False)),
    "push": (("pre-push", True), ("reference-transaction", False)),
    "merge": (("pre-merge-commit", True), ("post-merge", False)),
    "pull": (("post-merge", False), ("post-checkout", False)),
    "checkout": (("post-checkout", False),), "switch": (("post-checkout", False),),
    "rebase": (("pre-rebase", True), ("post-rewrite", False)),
    "am": (("applypatch-msg", True), ("pre-applypatch", True), ("post-applypatch", False)),
    "clone": (), "gc": (("pre-auto-gc", False),), "cherry-pick": (("post-rewrite", False),),
}


def _git_dir(start):
    """The .git directory of the repository containing ``start``, or None."""
    d = start
    for _ in range(40):
        g = d + "/.git"
        if os.path.isdir(g):
            return g
        if os.path.isfile(g):
            try:
                line = read_regular(g, 4096).decode("utf-8", "replace").strip()
            except OSError:
                return None
            gd = line.split(":", 1)[1].strip() if line.startswith("gitdir:") else ""
            return os.path.normpath(os.path.join(d, gd)) if gd else None
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
    return None


def _run_hooks(a, cmd, scope, sub, rest, cwd, hooks_path):
    """`git commit` runs .git/hooks/pre-commit (or core.hooksPath's): what it would run is judged."""
    if U in cwd or a.remote:
        return
    no_verify = "--no-verify" in rest or (sub == "commit" and "-n" in rest)
    ws = a.pctx.workspace
    gd = ws + "/.git" if ws and cwd == ws and os.path.isdir(ws + "/.git") else _git_dir(cwd)
    if gd is None:
        return
    if hooks_path is None:  # the repository's own setting, else the user's (read again only when a file changes)
        for conf in (gd + "/config", a.pctx.home + "/.gitconfig", a.pctx.home + "/.config/git/config"):
            try:
                hooks_path = _CONFIG_HOOKS.get(conf, os.stat(conf), _config_hooks_path)
            except OSError:
                hooks_path = None
            if isinstance(hooks_path, _Included):
                hooks_path = hooks_path.resolve(a.pctx.home)
            if hooks_path:
                break
    base = _hooks_base(a, gd, hooks_path)
    _judge_hooks(a, cmd, scope, base, [name for name, skippable in _HOOKS[sub] if not (no_verify and skippable)])


def _hooks_base(a, gd, hooks_path):
    if not hooks_path:
        return gd + "/hooks"
    if hooks_path.startswith("~"):
        return a.pctx.home + hooks_path[1:]
    return os.path.join(os.path.dirname(gd), hooks_path)  # relative to the work tree


def _judge_hooks(a, cmd, scope, base, names):
    try:  # the names in the hooks directory (most hold only *.sample), kept while the directory is unchanged
        present = _HOOK_NAMES.get(base, os.stat(base), _hook_names)
    except OSError:
        return
    for name in dict.fromkeys(names):
        if name not in present:
            continue
        path = os.path.join(base, name)
        if os.access(path, os.X_OK) and os.path.isfile(path):
            _p().run_script_path(a, cmd.derive([path]), scope, anywhere=True)


#: Every hook some git command runs (what a hooks directory set now can run later).
_ALL_HOOKS = tuple(dict.fromkeys(n for hooks in _HOOKS.values() for n, _ in hooks))


def planted_hooks_path(a, cmd, scope, value, cwd=None):
    """`git config core.hooksPath DIR` (or the same line written into a git configuration file): the next
    plain `git commit`, `push`, `checkout`… runs DIR's hooks.  What they run is judged now, as if those
    commands ran; a directory only known when it runs could hold anything."""
    if a.remote:
        return
    value = (value or "").strip().strip('"')
    if not value or value in ("/dev/null", "/dev/null/"):
        return
    if U in value or (cwd is not None and U in cwd):
        a.emit("shell.opaque-eval", cmd, effect="run",
               note="git hooks taken from a directory only known when it runs (core.hooksPath)")
        return
    start = cwd or scope.cwd
    gd = _git_dir(start) if start and U not in start else None
    if value.startswith("/") or value.startswith("~"):
        base = a.pctx.home + value[1:] if value.startswith("~") else value
    elif gd is not None:
        base = os.path.join(os.path.dirname(gd), value)
    else:
        base = os.path.join(start or a.pctx.cwd, value)
    base = os.path.normpath(base)
    if not os.path.isdir(base):
        # nothing there to judge now, and what is put there later runs on every commit, the user's own too
        a.emit("shell.opaque-eval", cmd, effect="run",
               note=f"git hooks taken from {P.display(base, a.pctx)}, which does not exist yet: what they will run "
                    "is not known now")
        return
    _judge_hooks(a, cmd, scope, base, _ALL_HOOKS)


def _config_hooks_path(path):
    try:
        conf = read_regular(path, 65536).decode("utf-8", "replace")
    except OSError:
        return None
    m = re.search(r"(?im)^\s*hookspath\s*=\s*(.+?)\s*$", conf)
    if m:
        return m.group(1).strip('"')
    inc = re.findall(r'(?im)^\s*path\s*=\s*"?(.+?)"?\s*$', conf) if re.search(r"(?im)^\s*\[\s*include", conf) else []
    if inc:  # `[include] path = …`: the setting may be in a file the configuration pulls in (read each time)
        return _Included(os.path.dirname(path), tuple(inc[:4]))
    return None


class _Included(str):
    """A configuration that includes other files: its core.hooksPath is theirs (`resolve`), read afresh."""

    def __new__(cls, base, paths):
        self = super().__new__(cls, "")
        self.base, self.paths = base, paths
        return self

    def resolve(self, home):
        for p in self.paths:
            p = home + p[1:] if p.startswith("~") else p if p.startswith("/") else os.path.join(self.base, p)
            try:
                conf = read_regular(p, 65536).decode("utf-8", "replace")
            except OSError:
                continue
            m = re.search(r"(?im)^\s*hookspath\s*=\s*(.+?)\s*$", conf)
            if m:
                return m.group(1).strip('"')
        return None


def _hook_names(path):
    try:
        return frozenset(n for n in os.listdir(path) if not n.endswith(".sample"))
    except OSError:
        return frozenset()


_CONFIG_HOOKS = FileMemo(64)
_HOOK_NAMES = FileMemo(64)


def _p():
    from . import programs

    return programs


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def _rm(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "--cached" not in f and "-n" not in f and "--dry-run" not in f:
        _self_files(a, cmd, scope, _operands(rest), "delete")
    if ("-f" in f or "--force" in f) and "--cached" not in f and "-n" not in f and "--dry-run" not in f:
        a.emit("git.rm-force", cmd, target=" ".join(_operands(rest)), effect="discard")


def _mv(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "-n" not in f and "--dry-run" not in f:
        ops = _operands(rest)
        _self_files(a, cmd, scope, ops[:-1], "move")  # what it moves away (the last operand is where to)
        _self_files(a, cmd, scope, ops[-1:], "overwrite")


def _self_files(a, cmd, scope, ops, effect):
    """`git rm .interlock/policy.toml`, `git mv .claude/settings.json x`: git deletes or moves the working-tree
    file like rm and mv do — Interlock's own files (policy, hook settings) are judged as such."""
    for x in ops:
        place = a.place(x, scope)
        path = place.path
        if path and (place.kind == P.SELF or P.holds_self(path, a.pctx)):
            a.emit("interlock.self-protect", cmd, target=P.display(path, a.pctx), effect=effect)
            return


def _read_tree(a, cmd, scope, rest, cwd):
    if "--reset" in rest and "-u" in rest:
        a.emit("git.discard-changes", cmd, target="working tree", effect="discard")


def _flags(rest):
    out = set()
    for x in rest:
        if x == "--":
            break
        if x.startswith("--"):
            out.add(x.split("=", 1)[0])
        elif x.startswith("-") and len(x) > 1:
            for c in x[1:]:
                out.add("-" + c)
    return out


def _operands(rest, with_arg=()):
    ops = []
    skip = False
    for j, x in enumerate(rest):
        if skip:
            skip = False
            continue
        if x == "--":
            ops.extend(rest[j + 1:])
            break
        if x in with_arg:
            skip = True
            continue
        if x.startswith("-"):
            continue
        ops.append(x)
    return ops


def _reset(a, cmd, scope, rest, cwd):
    if "--hard" in rest or "--merge" in rest or "--keep" in rest and False:
        a.emit("git.reset-hard", cmd, target="working tree", effect="discard")


def _clean(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "-n" in f or "--dry-run" in f or "-i" in f or "--interactive" in f:
        return
    if "-f" in f or "--force" in f:
        a.emit("git.clean", cmd, target="untracked files" + (" and ignored files" if "-x" in f else ""),
               effect="delete")


def _self_pathspecs(a, cmd, scope, paths):
    """`git checkout REV -- .claude/settings.json`, `git restore --source=X .interlock`: an old or other
    version written over Interlock's own files (or a directory holding them)."""
    for x in paths:
        if x.startswith("-") or U in x:
            continue
        place = a.place(x, scope)
        if place.kind == P.SELF or P.holds_self(place.path, a.pctx):
            a.emit("interlock.self-protect", cmd, target=P.display(place.path, a.pctx), effect="overwrite")
            return True
        if place.path == a.pctx.workspace and x in (".", ":/", "*"):  # the whole tree: only if ours changed
            line = _p().uncommitted_self(a)
            if line:
                a.emit("interlock.self-protect", cmd, target=line, effect="overwrite",
                       note="would revert an uncommitted change to Interlock's hook settings")
                return True
    return False


def _checkout(a, cmd, scope, rest, cwd):
    if "--" in rest and _self_pathspecs(a, cmd, scope, rest[rest.index("--") + 1:]):
        return
    f = _flags(rest)
    if "-B" in f:
        ops = _operands(rest, ("-B",))
        b = rest[rest.index("-B") + 1] if "-B" in rest and rest.index("-B") + 1 < len(rest) else None
        if b and (_is_protected(a, b) or _branch_exists(cwd, b)):
            a.emit("git.branch-force-move", cmd, target=b, effect="rewrite")
            return
    if "-b" in f or "-B" in f or "--orphan" in f:
        if "-f" not in f and "--force" not in f:
            return
    if "-f" in f or "--force" in f:
        a.emit("git.discard-changes", cmd, target="working tree", effect="discard")
        return
    if "--" in rest:
        paths = rest[rest.index("--") + 1:]
        if paths:
            a.emit("git.discard-changes", cmd, target=" ".join(paths), effect="discard")
        return
    ops = _operands(rest)
    if ops and ops[0] in (".", "*", ":/") or any(o.startswith(("./", "src/")) or o == "." for o in ops):
        a.emit("git.discard-changes", cmd, target=" ".join(ops), effect="discard")
        return
    # `git checkout FILE` also discards; tell files from branches by existence
    if ops and len(ops) == 1 and U not in ops[0] and U not in cwd:
        path = P.resolve(ops[0], a._scope_ctx(scope))
        if os.path.isfile(path):
            a.emit("git.discard-changes", cmd, target=ops[0], effect="discard")


def _restore(a, cmd, scope, rest, cwd):
    if _self_pathspecs(a, cmd, scope, _operands(rest, with_arg=("-s", "--source"))):
        return
    f = _flags(rest)
    if ("-S" in f or "--staged" in f) and not ("-W" in f or "--worktree" in f):
        return
    if _operands(rest, with_arg=("-s", "--source")):
        a.emit("git.discard-changes", cmd, target=" ".join(_operands(rest, ("-s", "--source"))), effect="discard")


def _switch(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "-f" in f or "--force" in f or "--discard-changes" in f:
        a.emit("git.discard-changes", cmd, target="working tree", effect="discard")


def _stash(a, cmd, scope, rest, cwd):
    if rest and rest[0] in ("drop", "clear"):
        a.emit("git.stash-drop", cmd, target=" ".join(rest[1:]) or "stash", effect="delete")
    _p().git_stash(a, cmd, scope, rest, cwd)


def _branch(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if ("-f" in f or "--force" in f) and not ("-d" in f or "--delete" in f or "-D" in f):
        ops = _operands(rest)
        if len(ops) >= 2:
            a.emit("git.branch-force-move", cmd, target=ops[0], effect="rewrite")
            return
    if "-D" in f or (("-d" in f or "--delete" in f) and ("-f" in f or "--force" in f)):
        a.emit("git.branch-force-delete", cmd, target=" ".join(_operands(rest)), effect="delete")


def _tag(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "-d" in f or "--delete" in f:
        a.emit("git.tag-delete", cmd, target=" ".join(_operands(rest)), effect="delete")


_PUSH_WITH_ARG = ("-o", "--push-option", "--repo", "--receive-pack", "--exec", "--signed")


def _common_dir(cwd):
    """The repository's common git directory (a worktree's refs live in the main one), or None."""
    if not cwd or U in cwd:
        return None
    gd = _git_dir(cwd)
    if gd is None:
        return None
    try:
        common = read_regular(gd + "/commondir", 4096).decode("utf-8", "replace").strip()
        return os.path.normpath(os.path.join(gd, common))
    except OSError:
        return gd


def _refs(cwd, prefix, limit=5000):
    """Branch names under ``prefix`` (``refs/heads/``, ``refs/remotes/origin/``): loose and packed refs.
    None when the repository cannot be read."""
    gd = _common_dir(cwd)
    if gd is None:
        return None
    out = set()
    base = os.path.join(gd, prefix)
    for root, _dirs, files in os.walk(base):
        for fn in files:
            out.add(os.path.relpath(os.path.join(root, fn), base).replace(os.sep, "/"))
            if len(out) > limit:
                return out
    try:
        packed = read_regular(gd + "/packed-refs", 4 << 20).decode("utf-8", "replace")
    except OSError:
        packed = ""
    for line in packed.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith(prefix):
            out.add(parts[1][len(prefix):])
    return out


def _remote_config(cwd, remote):
    """{key: [values]} of ``[remote "<name>"]`` in the repository's config (mirror, push...)."""
    gd = _common_dir(cwd)
    if gd is None or not remote or U in remote:
        return {}
    try:
        text = read_regular(gd + "/config", 1 << 20).decode("utf-8", "replace")
    except OSError:
        return {}
    section, out = None, {}
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r'^\[\s*remote\s+"(.*)"\s*\]', line)
        if m:
            section = m.group(1)
            continue
        if line.startswith("["):
            section = None
        elif section == remote and "=" in line:
            k, _, v = line.partition("=")
            out.setdefault(k.strip().lower(), []).append(v.strip().strip('"'))
    return out


def remote_repos(cwd) -> set[str]:
    """``owner/name`` of every remote of the repository at ``cwd`` (``git@github.com:o/n.git``,
    ``https://github.com/o/n``), lower-cased; empty outside a repository."""
    gd = _common_dir(cwd)
    if gd is None:
        return set()
    try:
        text = read_regular(gd + "/config", 1 << 20).decode("utf-8", "replace")
    except OSError:
        return set()
    out = set()
    for m in re.finditer(r"(?m)^\s*url\s*=\s*(\S+)", text):
        path = re.sub(r"^[a-z+]+://[^/]+/|^[^@/]+@[^:]+:", "", m.group(1).strip('"'))
        parts = path.rstrip("/").removesuffix(".git").split("/")
        if len(parts) >= 2:
            out.add("/".join(parts[-2:]).lower())
    return out


def _remote_is_mirror(cwd, remote):
    """``remote.<name>.mirror = true`` (``git remote add --mirror=push``): every push to it mirrors."""
    return any(v.lower() in ("true", "yes", "on", "1") for v in _remote_config(cwd, remote).get("mirror", []))


def _protected_among(a, names):
    return sorted(b for b in names if _is_protected(a, b))


def _push_every_branch(a, cmd, cwd, remote, what, mirror):
    """A push that rewrites every branch (``--mirror``, ``--all --force``, ``+refs/heads/*:...``): a
    protected branch among the repository's branches (or, for a mirror, among the remote's, which a
    mirror deletes when they are gone here) makes it a protected-branch rewrite."""
    local = _refs(cwd, "refs/heads/")
    names = set(local or ())
    if mirror and remote and U not in remote and "/" not in remote and ":" not in remote:
        names |= _refs(cwd, f"refs/remotes/{remote}/") or set()
    prot = _protected_among(a, names)
    if prot:
        a.emit("git.push-protected-rewrite", cmd, target=", ".join(prot[:6]), effect="rewrite",
               note=f"{what}, and {', '.join(prot[:6])} {'is' if len(prot) == 1 else 'are'} among them")
        return
    note = None if local is not None else "the repository's branches could not be read"
    if mirror:
        a.emit("git.push-mirror", cmd, target="all refs", effect="overwrite", note=note)
    else:
        a.emit("git.push-force", cmd, target="all branches", effect="rewrite", note=note)


def _push(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if "-n" in f or "--dry-run" in f:
        return
    force = bool({"-f", "--force", "--force-with-lease", "--force-if-includes"} & f)
    # `--force-with-lease` alone refuses when the remote branch moved since it was last fetched: nobody's work
    # is overwritten unseen (a rebased feature branch pushed back).  Still a rewrite of a protected branch.
    leased = force and not ({"-f", "--force"} & f) and not any(x.startswith("--force=") for x in f)
    delete = "-d" in f or "--delete" in f
    ops = _operands(rest, _PUSH_WITH_ARG)
    remote = ops[0] if ops else None
    if "--mirror" in f or (not ops[1:] and _remote_is_mirror(cwd, remote or "origin")):
        _push_every_branch(a, cmd, cwd, remote or "origin", "a mirror push overwrites and deletes every ref",
                           mirror=True)
        return
    refspecs = ops[1:] if ops else []
    if not refspecs:
        if "--all" in f or "--branches" in f or "--tags" in f:
            if force and ("--all" in f or "--branches" in f):
                _push_every_branch(a, cmd, cwd, remote, "a forced push of every branch", mirror=False)
            elif force:
                a.emit("git.push-force", cmd, target="all tags", effect="rewrite")
            return
        configured = _remote_config(cwd, remote or "origin").get("push", [])
        branch = current_branch(cwd) if U not in cwd else None
        # remote.<name>.push refspecs are what a bare `git push` pushes (`+refs/heads/*:refs/heads/*`)
        refspecs = configured[:16] or ([branch] if branch else [])
        if not refspecs and force and not leased:
            a.emit("git.push-force", cmd, target="current branch", effect="rewrite")
            return
    for ref in refspecs:
        plus = ref.startswith("+")
        r = ref[1:] if plus else ref
        src, colon, dst = r.partition(":")
        if not colon:
            dst = src
        if "*" in src and (force or plus or "--prune" in f):
            # a pattern refspec: every local branch it matches is rewritten on the remote
            _push_pattern(a, cmd, cwd, src, dst, ref, remote if "--prune" in f else None, force or plus)
            continue
        if dst == "HEAD" or dst == "@":
            dst = (current_branch(cwd) if U not in cwd else None) or dst
        is_delete = delete or (colon and src == "")
        prot = _is_protected(a, dst)
        if (force or plus or is_delete) and prot:
            a.emit("git.push-protected-rewrite", cmd, target=dst, effect="delete" if is_delete else "rewrite")
        elif is_delete:
            a.emit("git.push-delete", cmd, target=dst, effect="delete")
        elif plus or force and not leased:
            a.emit("git.push-force", cmd, target=dst, effect="rewrite")
        elif prot:
            a.emit("git.push-protected", cmd, target=dst, effect="push")


def _push_pattern(a, cmd, cwd, src, dst, ref, prune_remote=None, force=True):
    """``+refs/heads/*:refs/heads/*``, ``+refs/*:refs/*``: the local branches the pattern matches are
    rewritten on the remote under the mapped names; with ``--prune`` the remote's branches (its
    tracking refs here) that match and are gone here are deleted."""
    from fnmatch import fnmatchcase

    def full(p):
        return p if p.startswith("refs/") else "refs/heads/" + p

    src_f, dst_f = full(src), full(dst or src)
    head, _, tail = src_f.partition("*")
    local = _refs(cwd, "refs/heads/")
    hit = []
    for b in sorted(local or ()):
        name = "refs/heads/" + b
        if fnmatchcase(name, src_f):
            middle = name[len(head):len(name) - len(tail) if tail else None]
            mapped = dst_f.replace("*", middle, 1)
            if force and _is_protected(a, mapped):
                hit.append(mapped)
    if prune_remote and U not in prune_remote and "/" not in prune_remote and ":" not in prune_remote:
        dhead, _, dtail = dst_f.partition("*")
        for b in sorted(_refs(cwd, f"refs/remotes/{prune_remote}/") or ()):
            name = "refs/heads/" + b
            if fnmatchcase(name, dst_f) and b not in (local or ()) and _is_protected(a, b):
                hit.append(name)
    hit = [h[len("refs/heads/"):] if h.startswith("refs/heads/") else h for h in hit]
    if hit:
        a.emit("git.push-protected-rewrite", cmd, target=", ".join(hit[:6]), effect="rewrite",
               note=f"the pattern {ref} covers {', '.join(hit[:6])}")
    elif force:
        a.emit("git.push-force", cmd, target=dst, effect="rewrite",
               note=None if local is not None else "the repository's branches could not be read")


def _filter(a, cmd, scope, rest, cwd):
    a.emit("git.history-rewrite", cmd, effect="rewrite")
    for i, x in enumerate(rest[:-1]):  # filter-branch --tree-filter 'CMD': run for every commit
        if x in ("--tree-filter", "--index-filter", "--msg-filter", "--env-filter", "--commit-filter",
                 "--parent-filter", "--tag-name-filter"):
            _p().command_value(a, cmd, scope, x, rest[i + 1])


def _reflog(a, cmd, scope, rest, cwd):
    if rest and rest[0] in ("expire", "delete"):
        a.emit("git.reflog-expire", cmd, effect="delete")


def _gc(a, cmd, scope, rest, cwd):
    if any(x in ("--prune=now", "--prune=all") or x.startswith("--prune=now") for x in rest):
        a.emit("git.gc-prune", cmd, effect="delete")


def _prune(a, cmd, scope, rest, cwd):
    if "-n" not in rest and "--dry-run" not in rest:
        a.emit("git.gc-prune", cmd, effect="delete")


def _update_ref(a, cmd, scope, rest, cwd):
    if "-d" in rest or "--delete" in rest:
        a.emit("git.update-ref-delete", cmd, target=" ".join(_operands(rest)), effect="delete")
        return
    ops = _operands(rest, ("-m",))
    if ops and ops[0].startswith("refs/heads/") and _is_protected(a, ops[0]):
        a.emit("git.branch-force-move", cmd, target=ops[0], effect="rewrite")


def _branch_exists(cwd, name):
    if not cwd or U in cwd:
        return False
    d = cwd
    for _ in range(40):
        if os.path.isdir(d + "/.git"):
            return os.path.exists(f"{d}/.git/refs/heads/{name}")
        parent = os.path.dirname(d)
        if parent == d:
            return False
        d = parent
    return False


def _rebase(a, cmd, scope, rest, cwd):
    f = _flags(rest)
    if {"--abort", "--continue", "--skip", "--quit", "--edit-todo", "--show-current-patch"} & f:
        return
    for i, x in enumerate(rest):  # rebase -x 'CMD': run after every commit
        if x in ("-x", "--exec") and i + 1 < len(rest):
            _p().command_value(a, cmd, scope, x, rest[i + 1])
        elif x.startswith("--exec="):
            _p().command_value(a, cmd, scope, "--exec", x[7:])
    ops = _operands(rest, ("--onto", "-s", "--strategy", "-X", "--strategy-option", "-x", "--exec"))
    branch = ops[1] if len(ops) >= 2 else (current_branch(cwd) if U not in cwd else None)
    if _is_protected(a, branch):
        a.emit("git.rebase-protected", cmd, target=branch, effect="rewrite")


def _worktree(a, cmd, scope, rest, cwd):
    if rest and rest[0] == "remove" and ("--force" in rest or "-f" in rest):
        a.emit("git.worktree-remove-force", cmd, target=" ".join(_operands(rest[1:])), effect="delete")


def _submodule(a, cmd, scope, rest, cwd):
    if rest and rest[0] == "deinit" and ("-f" in rest or "--force" in rest):
        a.emit("git.submodule-deinit-force", cmd, effect="delete")
    ops = [x for x in rest if not x.startswith("-")]
    if ops[:1] == ["foreach"] and len(ops) > 1:  # submodule foreach 'CMD': a shell line in each submodule
        _p().command_value(a, cmd, scope, "foreach", " ".join(ops[1:]))


def _bisect(a, cmd, scope, rest, cwd):
    if rest[:1] == ["run"] and len(rest) > 1:  # bisect run CMD ARGS: run at every step
        a.dispatch(cmd.derive(list(rest[1:])), scope)


_NO_CONTENT = frozenset({"--stat", "--name-only", "--name-status", "--shortstat", "--numstat", "--quiet", "--summary",
                         "-s", "--no-patch", "--dirstat", "-t", "-e"})


def _content(a, cmd, scope, rest, cwd, sub=None):
    """``git diff --no-index .env.example .env``, ``git show HEAD:.env``, ``git log -p -- .env``,
    ``git cat-file -p main:.env``: the content of a secret file, now or in history, is printed."""
    if _NO_CONTENT.intersection(rest):
        return
    if sub == "log" and not {"-p", "-u", "--patch"}.intersection(rest):
        return
    from .programs import check_read

    for x in rest:
        if x.startswith("-"):
            continue
        # REV:path — the revision may be known only when it runs (`$(git rev-list -n1 --all -- .env)^:.env`),
        # the path after it is still the file whose content is printed
        path = (x.rsplit(":", 1)[1] if U in x else x.split(":", 1)[1]) if ":" in x else x
        if not path or U in path:
            continue
        if check_read(a, cmd, path, scope):
            return
        if sub in ("show", "cat-file", "log") and _p().check_file_tokens(a, cmd, P.resolve(path, a._scope_ctx(scope))):
            return  # `git show HEAD~2:config/payments.conf`: the file holds a literal token now, and in the revision


def _hunt_log(a, cmd, scope, rest):
    from .hunting import git_log

    return git_log(a, cmd, scope, rest)


def _hunt_grep(a, cmd, scope, rest):
    from .hunting import grep_like

    if not grep_like(a, cmd.derive(["git-grep"] + list(rest)), scope, name="git-grep"):
        _p().search_prints_token(a, cmd, scope, "git-grep", list(rest))


_SUB = {
    "diff": _content, "show": lambda a, cmd, scope, rest, cwd: _content(a, cmd, scope, rest, cwd, "show"),
    "cat-file": lambda a, cmd, scope, rest, cwd: _content(a, cmd, scope, rest, cwd, "cat-file"),
    "log": lambda a, cmd, scope, rest, cwd: _hunt_log(a, cmd, scope, rest) or _content(a, cmd, scope, rest, cwd, "log"),
    "grep": lambda a, cmd, scope, rest, cwd: _hunt_grep(a, cmd, scope, rest),
    "reset": _reset, "clean": _clean, "checkout": _checkout, "restore": _restore, "switch": _switch,
    "stash": _stash, "branch": _branch, "tag": _tag, "push": _push, "filter-branch": _filter,
    "filter-repo": _filter, "reflog": _reflog, "gc": _gc, "prune": _prune, "update-ref": _update_ref,
    "symbolic-ref": lambda a, cmd, scope, rest, cwd: ("-d" in rest or "--delete" in rest) and _update_ref(a, cmd, scope, rest, cwd),
    "rebase": _rebase, "worktree": _worktree, "submodule": _submodule, "rm": _rm, "mv": _mv, "read-tree": _read_tree,
    "bisect": _bisect, "apply": lambda a, cmd, scope, rest, cwd: _p().git_apply(a, cmd, scope, rest, cwd),
    "am": lambda a, cmd, scope, rest, cwd: _p().git_apply(a, cmd, scope, rest, cwd),
}


_CONFIG_LISTS = frozenset({"-l", "--list", "--get-regexp", "--get-all", "--get", "--get-urlmatch"})


def _config_read(a, cmd, rest, ops, cwd):
    """``git config --list``, ``--get-regexp url``, ``git config list``: what it prints includes the literal
    credential written in a configuration file it reads (a token in a remote's URL, an http.extraHeader)."""
    import os

    lists = bool({"-l", "--list"}.intersection(rest)) or ops[:1] == ["list"]
    if not (lists or _CONFIG_LISTS.intersection(rest) or ops[:1] == ["get"]):
        return
    key = None if lists else ((ops[1:] if ops[:1] == ["get"] else ops)[:1] or [""])[0]
    key = key.rsplit(".", 1)[-1].strip("^$*.\\") if key is not None else None
    if "--file" in rest or "-f" in rest:
        k = rest.index("--file") if "--file" in rest else rest.index("-f")
        f = rest[k + 1] if k + 1 < len(rest) else ""
        files = [P.resolve(f, a.pctx)] if f and U not in f else []
    else:
        files = config_files(a, cwd, "global" if "--global" in rest else "local" if "--local" in rest else None)
    _emit_config_token(a, cmd, files, key, "git config prints this file's settings")


def _emit_config_token(a, cmd, files, key, says):
    """A literal credential in one of ``files`` on a line naming ``key`` (any line when None): printed."""
    import os

    from ..secrets import file_tokens

    for f in files:
        if not os.path.isfile(f):
            continue
        hits = file_tokens(f, a.secret_exempt)
        if hits and key is not None:
            lines = (a.read_file(f) or "").splitlines()
            hits = [h for h in hits if 0 < h.line <= len(lines) and key and key.lower() in lines[h.line - 1].lower()]
        if hits:
            a.emit("secrets.file-token", cmd, target=f"{P.display(f, a.pctx)}:{hits[0].line}", effect="read-secret",
                   note=f"{says}, {hits[0].kind.replace('-', ' ')} {hits[0].masked} among them")
            return


def config_files(a, cwd, scope=None):
    """The git configuration files a `git` run in ``cwd`` reads, the repository's first: its .git/config (a
    worktree's too), then ~/.config/git/config and ~/.gitconfig (``scope``: "local" or "global" only)."""
    import os
    import re as _re

    files = []
    d = cwd
    for _ in range(64):
        g = os.path.join(d, ".git")
        if os.path.isdir(g):
            files.append(os.path.join(g, "config"))
            break
        if os.path.isfile(g):
            text = a.read_file(g) or ""
            m = _re.match(r"gitdir:\s*(.+)", text.strip())
            if m:
                gd = m.group(1).strip()
                gd = gd if gd.startswith("/") else os.path.normpath(os.path.join(d, gd))
                files += [os.path.join(gd, "config"), os.path.join(os.path.dirname(os.path.dirname(gd)), "config")]
            break
        up = os.path.dirname(d)
        if up == d:
            break
        d = up
    home = a.pctx.home
    if scope == "global":
        files = []
    if scope != "local":
        files += [os.path.join(home, ".config", "git", "config"), os.path.join(home, ".gitconfig")]
    return files


def configured_alias(a, cwd, name):
    """The body of ``alias.NAME`` in the git configuration a `git` run in ``cwd`` reads (the repository's
    .git/config, then ~/.gitconfig and ~/.config/git/config), or None.  Read as text, no git run."""
    import os
    import re as _re

    files = config_files(a, cwd)
    for f in files:  # the repository's own value wins over the user's
        text = a.read_file(f) if os.path.isfile(f) else None
        if not text:
            continue
        section = None
        for line in text.splitlines():
            t = line.strip()
            if not t or t[0] in "#;":
                continue
            m = _re.match(r"\[\s*([A-Za-z0-9.-]+)(?:\s+\"[^\"]*\")?\s*\]\s*(.*)$", t)
            if m:
                section = m.group(1).lower()
                t = m.group(2).strip()
                if not t:
                    continue
            if section != "alias":
                continue
            k, eq, v = t.partition("=")
            if eq and k.strip().lower() == name.lower():
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] == '"':
                    v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                return v
    return None
