"""Previews for files and git: what ``rm``, ``find -delete``, ``git clean``, ``git reset --hard``,
``git checkout -- .``/``restore`` and ``git stash drop|clear`` would lose.  Read-only."""

from __future__ import annotations

import heapq
import os
import subprocess
import time

from ..redact import redact
from .model import Impact
from .preview_sql import human_bytes

WALK_SECONDS = 3.0
WALK_MAX = 500_000
_FIND_UNSAFE = {"-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"}


def git(cwd, *args, timeout=10, check=True, env=None):
    """Run git read-only (no optional index locks); returns stdout text."""
    from .. import gitsafe  # none of the repository's configured commands run (fsmonitor, filters, hooks)

    e = gitsafe.env(env)
    try:
        p = gitsafe.run(cwd, *args, timeout=timeout, environ=e)
    except subprocess.SubprocessError as err:  # the configuration could not be read: as git failing
        raise RuntimeError(f"git {args[0]}: {err}") from err
    if check and p.returncode != 0:
        raise RuntimeError(f"git {args[0]}: {p.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return p.stdout.decode("utf-8", "surrogateescape")


class Tally:
    """Files and bytes under some paths, largest first; ``complete`` is False past the limits."""

    def __init__(self, deadline=None):
        self.files = 0
        self.dirs = 0
        self.bytes = 0
        self.top = []  # min-heap of (size, path)
        self.complete = True
        self.deadline = deadline or (time.monotonic() + WALK_SECONDS)

    def add_file(self, path, size):
        self.files += 1
        self.bytes += size
        if len(self.top) < 5:
            heapq.heappush(self.top, (size, path))
        elif size > self.top[0][0]:
            heapq.heapreplace(self.top, (size, path))

    def add(self, path):
        try:
            st = os.lstat(path)
        except OSError:
            return False
        import stat

        if not stat.S_ISDIR(st.st_mode):
            self.add_file(path, st.st_size)
            return True
        stack = [path]
        while stack:
            d = stack.pop()
            self.dirs += 1
            try:
                it = os.scandir(d)
            except OSError:
                continue
            with it:
                for e in it:
                    if self.files + self.dirs > WALK_MAX or time.monotonic() > self.deadline:
                        self.complete = False
                        return True
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        else:
                            self.add_file(e.path, e.stat(follow_symlinks=False).st_size)
                    except OSError:
                        continue
        return True

    def largest(self, base):
        out = []
        for size, p in sorted(self.top, reverse=True):
            rel = os.path.relpath(p, base) if base else p
            out.append(f"{rel} ({human_bytes(size)})")
        return out

    def describe(self, base) -> str:
        s = f"{self.files:,} file{'s' if self.files != 1 else ''}, {human_bytes(self.bytes)}"
        if not self.complete:
            s = "at least " + s + f" (stopped counting after {WALK_SECONDS:g} s)"
        if self.top:
            s += " — largest: " + ", ".join(self.largest(base))
        return s


def preview_paths(t) -> Impact:
    """``rm`` / ``find -delete`` / ``git clean``: files and bytes that would go."""
    try:
        paths = deleted_paths(t)
    except Exception as e:
        why = redact(f"{type(e).__name__}: {e}")[:300]
        return Impact([f"{t.evidence[:80]}: impact unknown: {why}"], [{"op": t.op, "known": False, "error": why}],
                      known=False, error=why)
    tally = Tally()
    missing = []
    for p in paths:
        if not tally.add(p):
            missing.append(p)
    ev = redact(t.evidence if len(t.evidence) <= 80 else t.evidence[:77] + "...")
    data = {"op": t.op, "paths": paths[:100], "files": tally.files, "bytes": tally.bytes,
            "largest": tally.largest(t.cwd), "complete": tally.complete}
    if not paths or (missing and len(missing) == len(paths)):
        line = f"{ev}: nothing to delete" + (" (no such path)" if missing else "")
    else:
        line = f"{ev}: {tally.describe(t.cwd)}"
    imp = Impact([line], [data], known=tally.complete,
                 error=None if tally.complete else "too many files to count in time")
    return imp


def deleted_paths(t) -> list[str]:
    """Absolute paths the command would delete (top-level entries for rm and git clean)."""
    if t.op == "rm":
        if not t.paths and t.args:
            raise ValueError("the paths are only known when the command runs")
        out = []
        import glob

        for p in t.paths:
            hits = glob.glob(p) if any(c in p for c in "*?[") else [p]
            out.extend(hits)
        return out
    if t.op == "find":
        args = list(t.args)
        if _FIND_UNSAFE & set(args):
            raise ValueError("find runs other commands too: not previewed")
        args = ["-print0" if a == "-delete" else a for a in args]
        p = subprocess.run(["find", *args], cwd=t.cwd, capture_output=True, timeout=10)
        return [os.path.normpath(os.path.join(t.cwd, x.decode("utf-8", "surrogateescape")))
                for x in p.stdout.split(b"\0") if x]
    if t.op == "git-clean":
        flags = ["-n"]
        rest = list(t.args)
        i = 0
        pathspec = []
        while i < len(rest):
            a = rest[i]
            if a == "--":
                pathspec += rest[i + 1:]
                break
            if a in ("-e", "--exclude") and i + 1 < len(rest):
                flags += [a, rest[i + 1]]
                i += 2
                continue
            if a.startswith("--exclude="):
                flags.append(a)
            elif a.startswith("-") and not a.startswith("--"):
                flags += [f"-{c}" for c in a[1:] if c in "dxX"]
            elif not a.startswith("-"):
                pathspec.append(a)
            i += 1
        out = git(t.cwd, "clean", *flags, "--", *pathspec)
        top = git(t.cwd, "rev-parse", "--show-prefix").strip()
        base = t.cwd
        res = []
        for line in out.splitlines():
            if line.startswith("Would remove "):
                res.append(os.path.normpath(os.path.join(base, line[len("Would remove "):])))
        del top
        return res
    raise ValueError(f"unknown operation {t.op}")


def preview_git(t) -> Impact:
    """Uncommitted changes or commits a git command would discard."""
    try:
        lines, data = _git_loss(t)
        return Impact(lines, [data])
    except Exception as e:
        why = redact(f"{type(e).__name__}: {e}")[:300]
        return Impact([f"{redact(t.evidence[:80])}: impact unknown: {why}"], [{"op": t.op, "known": False,
                                                                             "error": why}],
                      known=False, error=why)


def _stat_files(diff_numstat):
    files, add, rem = [], 0, 0
    for line in diff_numstat.splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            a, r, f = parts
            files.append(f)
            add += int(a) if a.isdigit() else 0
            rem += int(r) if r.isdigit() else 0
    return files, add, rem


def _git_loss(t):
    ev = redact(t.evidence if len(t.evidence) <= 80 else t.evidence[:77] + "...")
    data = {"op": t.op, "repo": t.cwd}
    if t.op == "reset-hard":
        ops = [a for a in t.args if not a.startswith("-")]
        ref = ops[0] if ops else "HEAD"
        files, add, rem = _stat_files(git(t.cwd, "diff", "--numstat", "HEAD"))
        data.update(files=files, added=add, removed=rem)
        parts = []
        if files:
            parts.append(f"uncommitted changes to {len(files)} file{'s' if len(files) != 1 else ''} "
                         f"(+{add} -{rem} lines): {', '.join(files[:5])}{' ...' if len(files) > 5 else ''}")
        if ref != "HEAD":
            lost = git(t.cwd, "log", "--format=%h %s", f"{ref}..HEAD", "-n", "50").splitlines()
            data["commits"] = lost
            if lost:
                parts.append(f"{len(lost)} commit{'s' if len(lost) != 1 else ''} leave the branch "
                             f"(kept in the reflog): {'; '.join(lost[:3])}")
        if not parts:
            return [f"{ev}: nothing uncommitted to lose"], data
        return [f"{ev}: " + "; ".join(parts)], data
    if t.op in ("checkout", "restore"):
        args = list(t.args)
        spec = args[args.index("--") + 1:] if "--" in args else [a for a in args if not a.startswith("-")]
        before = args[:args.index("--")] if "--" in args else []
        tree = [a for a in before if not a.startswith("-")]
        src = next((a.split("=", 1)[1] for a in args if a.startswith("--source=")), None)
        base = src or (tree[0] if tree else None)
        diff = git(t.cwd, "diff", "--numstat", *([base] if base else []), "--", *(spec or ["."]))
        files, add, rem = _stat_files(diff)
        data.update(files=files, added=add, removed=rem)
        if not files:
            return [f"{ev}: no uncommitted changes there to lose"], data
        return [f"{ev}: uncommitted changes to {len(files)} file{'s' if len(files) != 1 else ''} "
                f"(+{add} -{rem} lines): {', '.join(files[:5])}{' ...' if len(files) > 5 else ''}"], data
    if t.op == "stash-drop":
        ref = next((a for a in t.args if not a.startswith("-")), "stash@{0}")
        subject = git(t.cwd, "log", "-1", "--format=%gs%n%s", "-g", ref, check=False).strip().splitlines()
        files, add, rem = _stat_files(git(t.cwd, "stash", "show", "--numstat", ref))
        data.update(stash=ref, files=files, added=add, removed=rem)
        what = subject[0] if subject else ref
        return [f"{ev}: {ref} ({what}): changes to {len(files)} file{'s' if len(files) != 1 else ''} "
                f"(+{add} -{rem} lines)"], data
    if t.op == "stash-clear":
        stashes = git(t.cwd, "stash", "list").splitlines()
        data["stashes"] = stashes
        return [f"{ev}: {len(stashes)} stash{'es' if len(stashes) != 1 else ''}: {'; '.join(stashes[:3])}"], data
    raise ValueError(f"unknown git operation {t.op}")
