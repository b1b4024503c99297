"""File tools (Read, Write, Edit, Grep, Glob...): secrets, Interlock's own files, protected paths."""

from __future__ import annotations

from ..actions import FILE_READ, Finding
from .. import rules as _rules
from . import paths as P
from .secrets import is_secret_path, is_token_config


def _finding(rule_id, action, target, effect):
    r = _rules.RULES[rule_id]
    return Finding(rule_id, r.severity, effect, target, f"{action.tool or action.kind} {target}", r.why)


def _session_copy(action, ctx, path):
    """A Read/Grep of a file (or under a directory) the agent copied from a secret store earlier in this session
    (`cp ~/.aws/credentials ./c.txt`, then Read c.txt): a read of the store."""
    from .. import session_memory

    try:
        files = session_memory.load(ctx.env, action.agent, action.session)
        if not files:
            return None
        base = path
        if isinstance(action.payload.get("search"), dict) and isinstance(action.payload["search"].get("base"), str):
            base = action.payload["search"]["base"]
        origin = session_memory.secret_copy(files, P.resolve(base, ctx.pctx), ctx.pctx)
    except Exception:  # memory is a help, never a failure
        return None
    if origin is None:
        return None
    f = _finding("secrets.read-file", action, P.display(P.resolve(base, ctx.pctx), ctx.pctx), "read-secret")
    f.note = f"session memory: a copy of {origin} made in this session"
    return f


def analyze(action, ctx):
    paths = action.payload.get("paths")
    deletes = action.payload.get("deletes")
    if paths is not None or deletes is not None:
        # several files in one action (a Codex apply_patch): judge each
        from ..actions import Action

        out = []
        contents = action.payload.get("contents") or {}
        whole = action.payload.get("whole") or ()
        for p in paths or ():
            one = {"path": p}
            if isinstance(contents.get(p), str) and (contents[p].strip() or p in whole):
                one["content"] = contents[p]  # what the patch adds there (judged where it runs later)
            if p in whole:
                one["whole"] = True  # the file as the patch makes it, whatever it held (Codex's `Add File`)
            out += analyze(Action(action.kind, one, cwd=action.cwd, tool=action.tool), ctx)
        for p in deletes or ():
            out += analyze(Action(action.kind, {"path": p, "op": "delete"}, cwd=action.cwd, tool=action.tool), ctx)
        return out
    path = action.payload.get("path") or ""
    if not path:
        return []
    pctx = ctx.pctx
    findings = []
    if action.kind == FILE_READ and getattr(action, "session", None):
        f = _session_copy(action, ctx, path)
        if f is not None:
            return [f]
    if action.kind == FILE_READ and isinstance(action.payload.get("search"), dict):
        f = _search_hunt(action, ctx, action.payload["search"])
        if f is not None:
            return [f]
        s = action.payload["search"]
        f = _search_prints_token(action, ctx, s)
        if f is not None:
            return [f]
        if names_only(s):
            # a Glob tool, a directory listing, a search that prints only the names of the files that match: it
            # opens none of them to show what they hold (`**/.env*` shows which .env files exist, `~/.ssh/*` which
            # keys, as `ls ~/.ssh` does): a name is never a secret read.  Outside the project, a glob that names
            # secret files (`~/**/*.pem`) is a hunt for them (as _search_hunt's words are)
            f = _names_hunt(action, ctx, s, path)
            return [f] if f is not None else []
    if action.kind == FILE_READ:
        raw = path
        if "*" in raw or "?" in raw:
            # Glob/Grep over a tree: only flag patterns that name secret files
            raw = raw.replace("**/", "").replace("*", "")
        abs_path = P.resolve(raw, pctx)
        from ..selfprotect import is_approval_store
        from ..selfprotect import secret_globs as _secret_globs

        if is_approval_store(abs_path, pctx.home, ctx.env) or is_approval_store(
                P.resolve(path, pctx), pctx.home, ctx.env, glob=True):
            findings.append(_finding("interlock.approvals-store", action, P.display(abs_path, pctx), "read"))
            return findings

        extra, exempt = _secret_globs(ctx)
        real = P.real_outside(abs_path, pctx, follow_last=True) if raw == path else None
        if real is not None and is_secret_path(real, pctx.home, extra, exempt):
            # a link in the workspace that leads to a secret file (`cloud/credentials` → ~/.aws/credentials)
            f = _finding("secrets.read-file", action, P.display(abs_path, pctx), "read-secret")
            f.note = f"it is {P.display(real, pctx)}"
            findings.append(f)
        elif is_secret_path(abs_path, pctx.home, extra, exempt):
            findings.append(_finding("secrets.read-file", action, P.display(abs_path, pctx), "read-secret"))
        elif raw == path:
            from .secrets import file_tokens

            hits = file_tokens(abs_path, exempt)
            if hits:
                f = _finding("secrets.file-token", action, f"{P.display(abs_path, pctx)}:{hits[0].line}", "read-secret")
                f.note = f"{hits[0].kind.replace('-', ' ')} {hits[0].masked}" + (
                    f" and {len(hits) - 1} more" if len(hits) > 1 else "")
                findings.append(f)
            elif is_token_config(real or abs_path, pctx.home):
                findings.append(_finding("secrets.read-token-config", action, P.display(abs_path, pctx), "read-secret"))
        return findings
    place = P.classify(path, pctx, glob=False)
    if action.payload.get("op") != "delete" and place.path and place.kind in (P.WORKSPACE, P.REGENERABLE, P.MISSING):
        real = P.real_outside(place.path, pctx, follow_last=True)  # a write follows a link to its target
        if real is not None and P.classify(real, pctx, glob=False).kind in P.LINK_ESCALATES:
            place = P.classify(real, pctx, glob=False)
    target = P.display(place.path, pctx)
    if action.payload.get("op") == "delete":
        from .shell.programs import _DELETE_RULES

        rule = _DELETE_RULES.get(place.kind)
        if place.path and place.kind != P.SELF and P.holds_self(place.path, pctx):
            rule = "interlock.self-protect"  # a directory that holds Interlock's files (`.claude`, ~/.config)
        if rule == "fs.delete-source" and _git_restores(place, pctx):
            rule = None  # git holds the file as it is: `git checkout` brings it back (as for `rm FILE`)
        if rule:
            findings.append(_finding(rule, action, target, "delete"))
        return findings
    if place.kind == P.SELF:
        from ..selfprotect import is_approval_store

        rule = "interlock.approvals-store" if is_approval_store(place.path, pctx.home, ctx.env) else \
            "interlock.self-protect"
        findings.append(_finding(rule, action, target, "modify"))
    elif place.kind == P.PROTECTED:
        findings.append(_finding("fs.delete-protected", action, target, "overwrite"))
    elif place.kind in (P.SYSTEM, P.ROOT):
        findings.append(_finding("sys.grant-access" if P.is_access_file(place.path, pctx.home)
                                 else "fs.overwrite-system", action, target, "overwrite"))
    elif place.kind == P.DEVICE:
        findings.append(_finding("disk.write-device", action, target, "overwrite"))
    elif place.kind in (P.OUTSIDE, P.HOME) and not P.in_project(place.path, pctx):
        findings += _outside(action, ctx, place, target)
    text = action.payload.get("content")
    if isinstance(text, str) and text.strip() and place.path and place.kind not in (P.SELF, P.PROTECTED):
        findings += _planted(action, ctx, place.path, text)
    if isinstance(text, str) and text.strip() and path.endswith(".ipynb"):
        findings += _notebook(action, ctx, path, text)
    if isinstance(text, str) and path.endswith((".py", ".pth", ".pyw")):
        from .shell.programs import _USES_INTERLOCK

        if _USES_INTERLOCK.search(text):  # a conftest.py or .pth that drives Interlock's own library
            findings.append(_finding("interlock.self-command", action, target, "run"))
    return findings


def _names_hunt(action, ctx, search, path):
    """A names-only search outside the project whose glob, beyond its wildcards, names secret files."""
    pctx = ctx.pctx
    base = search.get("base")
    if not isinstance(base, str) or not base or P.classify(base, pctx, glob=False).kind not in (
            P.HOME, P.ROOT, P.SYSTEM, P.OUTSIDE):
        return None
    raw = path.replace("**/", "").replace("*", "").replace("?", "")
    if P.resolve(raw, pctx).rstrip("/") == P.resolve(base, pctx).rstrip("/"):
        return None  # `*`, `**/*`: every name, none in particular
    from ..selfprotect import secret_globs as _secret_globs

    extra, exempt = _secret_globs(ctx)
    if not is_secret_path(P.resolve(raw, pctx), pctx.home, extra, exempt):
        return None
    where = P.display(P.resolve(base, pctx), pctx)
    f = _finding("secrets.hunt", action, where, "search-secrets")
    what = search.get("glob") or search.get("pattern") or ""
    f.evidence = f"{action.tool or 'search'} {what[:120]!r} in {where}"
    f.note = f"looks for files named like {what[:80]!r} over {where}"
    return f


def names_only(search) -> bool:
    """A search that shows file names, never what the files hold: a glob or a listing (no content pattern), or
    a content search asked for the names of the files that match (Grep's files_with_matches)."""
    return bool(search.get("glob") and not search.get("pattern") or search.get("pattern") and search.get("names_only"))


def _git_restores(place, pctx) -> bool:
    """A file tool's delete (a patch's `Delete File`, Cursor's Delete, VS Code's deleteFile) loses nothing git does
    not hold: the shell's `rm` judgement (shell.programs._git_holds_unchanged), with no remote host."""
    from types import SimpleNamespace

    from .shell.programs import _git_holds_unchanged

    return _git_holds_unchanged(SimpleNamespace(remote=None, pctx=pctx), place)


def _search_prints_token(action, ctx, search):
    """A content search in the project for a secret-looking pattern (a Grep tool printing the lines) whose
    output holds a literal credential: the incident's token, found in a script that had nothing to do with
    the task.  (Over the home directory and elsewhere the search itself is the finding: _search_hunt.)"""
    base, pattern = search.get("base"), search.get("pattern")
    if not isinstance(base, str) or not base or not isinstance(pattern, str) or search.get("names_only"):
        return None
    from .shell.programs import _SECRET_PATTERN
    from .secrets import tree_token_line

    if not _SECRET_PATTERN.search(pattern):
        return None
    pctx = ctx.pctx
    if P.classify(base, pctx, glob=False).kind not in (P.WORKSPACE, P.WORKSPACE_ALL, P.WORKSPACE_ROOT, P.REGENERABLE):
        return None
    root = P.resolve(base, pctx)
    inc = search.get("include")
    # a search tool that honours the repository's ignore files (ripgrep's, VS Code's, git grep's default) never
    # opens a file git ignores — unless told which files to look in (rg's --glob overrides the ignore rules)
    from .secrets import git_ignored

    skip = git_ignored if search.get("vcs_ignore") and not inc else None
    line = tree_token_line(root, pattern, icase=bool(search.get("icase")), exempt=_secret_globs_of(ctx)[1],
                           included=(inc,) if isinstance(inc, str) and inc else (), skip=skip)
    if not line:
        return None
    f = _finding("secrets.file-token", action, P.display(line, pctx), "read-secret")
    f.note = "the search prints this line, and a credential is written in it"
    return f


def _secret_globs_of(ctx):
    from ..selfprotect import secret_globs

    return secret_globs(ctx)


def _search_hunt(action, ctx, search):
    """Grep/Glob tools: a search for credentials over the home directory, another project or a system
    tree (analysis.hunt).  In the workspace the search is judged as before (the path it reads)."""
    pctx = ctx.pctx
    base = search.get("base")
    if not isinstance(base, str) or not base:
        return None
    place = P.classify(base, pctx, glob=False)
    if place.kind not in (P.HOME, P.ROOT, P.SYSTEM, P.OUTSIDE):
        return None
    from . import hunt

    found = None
    try:
        if search.get("pattern"):
            found = hunt.describe([search["pattern"]], search.get("flavor") or "rust", bool(search.get("icase")))
        for g in (search.get("glob"), search.get("include")):  # the names it looks in (Grep's glob, --include)
            w = hunt.path_glob_hunt(g) if found is None and isinstance(g, str) and g else None
            found = f"files named like {w!r}" if w else found
    except Exception as e:  # fail closed: a search outside the workspace we could not judge
        found = f"(could not judge the pattern: {type(e).__name__})"
    if not found:
        return None
    where = P.display(place.path, pctx)
    f = _finding("secrets.hunt", action, where, "search-secrets")
    what = search.get("pattern") or search.get("glob") or ""
    f.evidence = f"{action.tool or 'search'} {what[:120]!r} in {where}"
    f.note = f"looks for {found} over {where}"
    return f


#: File tools that replace the whole file with what they carry (an Edit changes a part of it).
_WHOLE_WRITES = frozenset({"Write", "write", "write_file", "create_file", "writeFile", "createFile", "save_file",
                           "create"})  # (Copilot's `create` writes the whole file)


def _outside(action, ctx, place, target):
    """A file tool writing outside the workspace (and outside the repository the agent runs in):
    emptying a start-up file is refused, overwriting a dotfile or writing into an existing place there
    is asked — the same judgement as a shell redirection (shell.programs.check_overwrite)."""
    pctx = ctx.pctx
    path = place.path
    text = action.payload.get("content")
    whole = action.tool in _WHOLE_WRITES or action.payload.get("whole") is True
    if whole and isinstance(text, str) and not text.strip() and P.is_startup_file(path, pctx.home):
        return [_finding("fs.empty-startup", action, target, "empty")]
    if P.is_access_file(path, pctx.home):
        return [_finding("sys.grant-access", action, target, "write")]
    from .shell.programs import _is_dotconfig
    from .secrets import holds_credentials, holds_private_key

    if whole and pctx.exists(path) and holds_private_key(path):
        return [_finding("fs.overwrite-key", action, target, "overwrite")]  # the key is lost, as by `rm` (refused)
    if whole and pctx.exists(path) and holds_credentials(path, pctx.home):
        # ~/.aws/credentials, ~/.netrc, a token file: what it holds is lost, as by `rm` (refused)
        return [_finding("fs.overwrite-credentials", action, target, "overwrite")]
    if whole and _is_dotconfig(path, pctx.home) and pctx.exists(path):
        return [_finding("fs.overwrite-config", action, target, "overwrite")]
    parent = path.rsplit("/", 1)[0]
    if isinstance(text, str) and text.strip() and _runs_later(path, pctx, text):
        return []  # judged as the commands it is (_planted)
    if pctx.exists(path) or (parent and pctx.exists(parent)):
        return [_finding("fs.write-outside", action, target, "write")]
    # A file tool makes the directories it writes into (Claude Code's Write, Codex's patches, Gemini's
    # write_file): a new tree outside the workspace is still a write there (`~/other/src/x.py`, a new
    # `~/.local/bin/git` before the real one) — unless nothing above it is a place of the user's (`/newdir/x`)
    up = parent
    while up and up != "/" and not pctx.exists(up):
        up = up.rsplit("/", 1)[0]
    if up and up != "/":
        f = _finding("fs.write-outside", action, target, "write")
        f.note = f"creates {P.display(parent, pctx)}/ under {P.display(up, pctx)}"
        return [f]
    return []


def _runs_later(path, pctx, text=None):
    """A shell start-up file or git hook (what programs.planted reads as shell), or a systemd unit, autostart
    entry, launchd agent or session script whose commands can be read out of ``text``."""
    from .shell.programs import _RC_FILES
    from .startup import commands, place_of

    base = path.rsplit("/", 1)[-1]
    if base in _RC_FILES or ("/.git/hooks/" in path and not base.endswith(".sample")) or path.startswith(
            ("/etc/profile.d/", "/etc/zsh/")):
        return True
    got = place_of(path, pctx.home)
    return got is not None and text is not None and commands(got[1], text) is not None


def _planted(action, ctx, path, text):
    """Text a file tool writes where something runs it later (a shell start-up file, a git hook, .envrc, a
    cron table) is judged as the commands it is, as `echo … >> ~/.bashrc` is."""
    from .startup import place_of

    if not (P.is_startup_file(path, ctx.pctx.home) or place_of(path, ctx.pctx.home)
            or path.endswith((".py", ".pth", ".pyw"))):
        return []
    if path.endswith((".py", ".pth", ".pyw")):
        return []  # judged above (interlock.self-command)
    try:
        from .shell.analyzer import Cmd, ShellAnalyzer
        from .shell import programs
        extra, exempt = ctx.policy.secret_globs(ctx.workspace)  # (no engine import: analysis stays below it)
        a = ShellAnalyzer(ctx.pctx, env=ctx.env, user=getattr(ctx, "user", None), secret_extra=tuple(extra),
                          secret_exempt=tuple(exempt),
                          protected_branches=tuple(ctx.policy.protected_branches),
                          resolve_environment=ctx.policy.environment_for)
        cmd = Cmd([action.tool or "write", path], None, text=f"{action.tool or 'write'} {P.display(path, ctx.pctx)}")
        if len(text) > 200_000:
            raise ValueError("more text than Interlock reads")  # never judge a part of it as the whole
        programs.planted(a, cmd, path, text)
        return a.findings
    except Exception as e:  # fail closed: text planted to run later that we could not judge
        f = _finding("shell.too-complex", action, P.display(path, ctx.pctx), "unknown")
        f.note = f"the text written could not be judged ({type(e).__name__})"
        return [f]


from .notebooks import notebook_code  # noqa: E402  (what a notebook cell runs: shared with the VS Code adapter)


def _notebook(action, ctx, path, text):
    """Code written into a notebook is code the agent runs next (a cell's output comes back to it): a cell that
    prints a credential file or the secret part of the environment, or destroys, is that action now.  Only
    what is refused outright (credential, catastrophic) is kept: a cell that deletes `out/` is ordinary."""
    from ..actions import SHELL, Action
    from .dispatch import analyze as _analyze

    if len(text) > 200_000:
        f = _finding("shell.too-complex", action, P.display(path, ctx.pctx), "unknown")
        f.note = "more notebook code than Interlock reads"
        return [f]
    import shlex

    shell, py = notebook_code(text)
    cmds = shell[:64] + ([f"python3 -c {shlex.quote(py)}"] if py.strip() else [])
    out = []
    for c in cmds:
        for f in _analyze(Action(SHELL, {"command": c}, cwd=action.cwd), ctx):
            if f.severity in ("credential", "catastrophic"):
                f.note = f"in the notebook's code ({P.display(path, ctx.pctx)})" + (f"; {f.note}" if f.note else "")
                out.append(f)
    return out
