"""The change set of a sandbox, its diff, and promotion to the real workspace.

Files: in overlay mode the changes are exactly what the upper directory holds (a whiteout is a
deletion, an opaque directory replaces the one below); in copy mode they are what differs from the
copy's state right after copying.  Each change is then compared with the real workspace *now*: a
file the agent rewrote with the same bytes is no change.

``promote`` applies selected changes to the real workspace, and refuses — before touching anything —
when a real file it would touch changed since the sandbox started (its type, size, mtime, ctime or
inode differ from the manifest), when a path would lead through a symbolic link, or when the change
is to one of the secret files the sandbox hid.  Written files are replaced atomically (a temporary
file in the same directory, then ``rename``); nothing follows a link in the real workspace.
"""

from __future__ import annotations

import difflib
import json
import os
import stat

from .store import Sandbox, SandboxError, entry, walk

_OPAQUE = (b"trusted.overlay.opaque", b"user.overlay.opaque")
MAX_DIFF_BYTES = 1 << 20


class Change:
    __slots__ = ("path", "kind", "type", "old_type", "merged")

    def __init__(self, path, kind, type_, old_type=None):
        self.path, self.kind, self.type, self.old_type = path, kind, type_, old_type
        self.merged = None  # promote: (the real file's bytes merged against, the three-way merge's result)

    def to_dict(self):
        return {"path": self.path, "change": self.kind, "type": self.type}

    def __repr__(self):
        return f"Change({self.path!r}, {self.kind}, {self.type})"


def _whiteout(st) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _opaque(path) -> bool:
    for name in _OPAQUE:
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


def _type(st):
    m = st.st_mode
    return "dir" if stat.S_ISDIR(m) else "symlink" if stat.S_ISLNK(m) else "file" if stat.S_ISREG(m) else "other"


def _lstat(p):
    try:
        return os.lstat(p)
    except OSError:
        return None


def _rlstat(ws: str, rel: str):
    """lstat of ``ws/rel`` in the real workspace, None when absent or reached only through a link: nothing on
    the real side is ever read through a link in a parent directory."""
    cur = ws
    for p in rel.split("/")[:-1]:
        cur = os.path.join(cur, p)
        st = _lstat(cur)
        if st is None or not stat.S_ISDIR(st.st_mode):
            return None
    return _lstat(os.path.join(ws, rel))


def _same(a: str, b: str, sa, sb) -> bool:
    """Same type and content (and mode, for files)."""
    if _type(sa) != _type(sb):
        return False
    t = _type(sa)
    if t == "symlink":
        return os.readlink(a) == os.readlink(b)
    if t == "dir":
        return stat.S_IMODE(sa.st_mode) == stat.S_IMODE(sb.st_mode)
    if t != "file":
        return False
    if sa.st_size != sb.st_size or stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def file_changes(sb: Sandbox) -> list[Change]:
    """Every file-system change the sandbox holds, compared with the real workspace now, sorted by path."""
    ws, masked = sb.workspace, set(sb.meta.get("masked") or ())
    raw = _raw_overlay(sb) if sb.mode == "overlay" else _raw_copy(sb)
    out = []
    for rel, kind in raw:
        real = os.path.join(ws, rel)
        new = os.path.join(sb.view, rel)
        sr, sn = _rlstat(ws, rel), (_lstat(new) if kind != "deleted" else None)
        if kind == "deleted":
            if sr is None:
                continue
            out.append(Change(rel, "deleted", _type(sr)))
            continue
        if sn is None:
            continue
        if sr is None:
            out.append(Change(rel, "added", _type(sn)))
        elif _type(sr) == "dir" and _type(sn) == "dir":
            if stat.S_IMODE(sr.st_mode) != stat.S_IMODE(sn.st_mode):
                out.append(Change(rel, "modified", "dir"))
        elif not _same(new, real, sn, sr):
            out.append(Change(rel, "modified", _type(sn), _type(sr)))
    # a secret file the sandbox hid and the agent did not replace is no change
    out = [c for c in out if not (c.path in masked and c.kind == "deleted")]
    out.sort(key=lambda c: c.path)
    return out


def _raw_overlay(sb: Sandbox):
    """(rel, added|modified|deleted) from the upper directory; ``deleted`` covers whole lower subtrees."""
    up, ws = sb.sub("upper"), sb.workspace
    stack = [""]
    while stack:
        rel = stack.pop()
        d = os.path.join(up, rel) if rel else up
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            r = f"{rel}/{n}" if rel else n
            p = os.path.join(up, r)
            st = _lstat(p)
            if st is None:
                continue
            if _whiteout(st):
                yield from _deleted_subtree(ws, r)
                continue
            lower = _rlstat(ws, r)
            if stat.S_ISDIR(st.st_mode):
                if lower is not None and stat.S_ISDIR(lower.st_mode) and _opaque(p):
                    # the directory was replaced: what is below only in the lower one is gone
                    present = {x for x, _ in walk(p)}
                    for x, _ in walk(os.path.join(ws, r)):
                        if x not in present:
                            yield f"{r}/{x}", "deleted"
                if lower is not None and not stat.S_ISDIR(lower.st_mode):
                    yield r, "deleted"
                yield r, "added" if lower is None else "modified"
                stack.append(r)
            else:
                if lower is not None and stat.S_ISDIR(lower.st_mode):
                    yield from _deleted_subtree(ws, r)
                yield r, "added" if lower is None else "modified"


def _deleted_subtree(ws, rel):
    p = os.path.join(ws, rel)
    st = _rlstat(ws, rel)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        for x, _ in walk(p):
            yield f"{rel}/{x}", "deleted"
    yield rel, "deleted"


def _raw_copy(sb: Sandbox):
    with open(sb.sub("copy-manifest.json"), encoding="utf-8") as f:
        before = json.load(f)
    copy = sb.sub("copy")
    seen = set()
    for rel, st in walk(copy):
        seen.add(rel)
        link = os.readlink(os.path.join(copy, rel)) if stat.S_ISLNK(st.st_mode) else None
        e = entry(st, link)
        b = before.get(rel)
        if b is None:
            yield rel, "added"
        elif b[0] != e[0] or (e[0] != "d" and b[1:5] != e[1:5]) or (e[0] == "d" and b[1] != e[1]) or \
                b[6:] != e[6:]:
            yield rel, "modified"
    for rel in before:
        if rel not in seen:
            yield rel, "deleted"


# --- showing ---------------------------------------------------------------------------------------

def _is_secret(sb: Sandbox, rel: str, home: str) -> bool:
    from ..analysis.secrets import is_secret_path

    return rel in set(sb.meta.get("masked") or ()) or is_secret_path(os.path.join(sb.workspace, rel), home)


def _text(path) -> list[str] | None:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DIFF_BYTES + 1)
    except OSError:
        return []
    if len(data) > MAX_DIFF_BYTES or b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def render_file_diff(sb: Sandbox, changes: list[Change], home: str) -> str:
    """A unified diff of the file changes; secret files and binary files are named, never shown."""
    from ..redact import redact

    out = []
    for c in changes:
        real, new = os.path.join(sb.workspace, c.path), os.path.join(sb.view, c.path)
        if c.type == "dir" or (c.kind == "deleted" and c.type == "dir"):
            out.append(f"{'+' if c.kind == 'added' else '-' if c.kind == 'deleted' else '~'} directory {_show(c.path)}/\n")
            continue
        if _is_secret(sb, c.path, home):
            out.append(f"{c.kind} {_show(c.path)}: a secret file (contents not shown)\n")
            continue
        if c.type == "other" or c.old_type == "other":
            out.append(f"{c.kind} {_show(c.path)}: a special file (FIFO, socket or device): never promoted\n")
            continue
        if runs_later(c.path) and c.kind != "deleted":
            out.append(f"# {_show(c.path)} runs later (a git hook or a shell start-up file): judged as a script "
                       f"on promote\n")
        if c.type == "symlink" or c.old_type == "symlink":
            old = os.readlink(real) if c.kind != "added" and _rlstat(sb.workspace, c.path) is not None and \
                os.path.islink(real) else None
            nw = os.readlink(new) if c.kind != "deleted" and os.path.islink(new) else None
            out.append(f"{c.kind} symlink {_show(c.path)}: {_show(old or '-')} -> {_show(nw or '-')}\n")
            continue
        if c.kind != "added" and _rlstat(sb.workspace, c.path) is None:
            out.append(f"{c.kind} {_show(c.path)}: the real path is behind a link (not read)\n")
            continue
        a = [] if c.kind == "added" else _text(real)
        b = [] if c.kind == "deleted" else _text(new)
        if a is None or b is None:
            sa, sn = _lstat(real), _lstat(new)
            out.append(f"{c.kind} {_show(c.path)}: binary or large file ({sa.st_size if sa else 0:,} -> "
                       f"{sn.st_size if sn and c.kind != 'deleted' else 0:,} bytes)\n")
            continue
        fa = "/dev/null" if c.kind == "added" else f"a/{_show(c.path)}"
        fb = "/dev/null" if c.kind == "deleted" else f"b/{_show(c.path)}"
        d = list(difflib.unified_diff(a, b, fa, fb))
        if not d:
            out.append(f"{c.kind} {_show(c.path)}: mode {oct(stat.S_IMODE(os.lstat(new).st_mode))}\n")
            continue
        out.append("".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in d))
    return redact("".join(out))


# --- promoting -------------------------------------------------------------------------------------

def select(changes: list[Change], paths: list[str] | None, workspace: str) -> list[Change]:
    """The changes at or below each of ``paths`` (relative to the workspace, or absolute inside it)."""
    if not paths:
        return list(changes)
    rels = []
    for p in paths:
        if os.path.isabs(p):
            p = os.path.relpath(os.path.normpath(p), workspace)
        p = os.path.normpath(p).strip("/")
        if p.startswith("..") or p == ".":
            p = "" if p == "." else p
            if p.startswith(".."):
                raise SandboxError(f"{p!r} is outside the workspace {workspace}")
        rels.append(p)
    return [c for c in changes if any(r == "" or c.path == r or c.path.startswith(r + "/") for r in rels)]


def conflicts(sb: Sandbox, chosen: list[Change], home: str) -> list[str]:
    """Why each chosen change cannot be applied safely (empty: every one can)."""
    man, ws = sb.manifest, sb.workspace
    out = []
    for c in chosen:
        if _is_secret(sb, c.path, home):
            out.append(f"{_show(c.path)}: a secret file; promote never writes or deletes one (edit it yourself)")
            continue
        if c.kind != "deleted" and c.type == "other":
            out.append(f"{_show(c.path)}: a special file (FIFO, socket or device); never promoted")
            continue
        # every parent must be a real directory inside the workspace, not a link
        parts = c.path.split("/")
        cur = ws
        for p in parts[:-1]:
            cur = os.path.join(cur, p)
            st = _lstat(cur)
            if st is not None and not stat.S_ISDIR(st.st_mode):
                out.append(f"{c.path}: {os.path.relpath(cur, ws)} is not a directory in the real workspace "
                           f"(a link or a file); not followed")
                break
        real = os.path.join(ws, c.path)
        st = _lstat(real)
        before = man.get(c.path)
        if st is None and before is None:
            continue  # added here, absent there: fine
        if st is None:
            out.append(f"{c.path}: deleted in the real workspace since the sandbox started")
            continue
        if before is None:
            out.append(f"{c.path}: created in the real workspace since the sandbox started")
            continue
        now = entry(st, os.readlink(real) if stat.S_ISLNK(st.st_mode) else None)
        if now[0] == "d" and before[0] == "d":
            if now[1] != before[1]:
                out.append(f"{c.path}/: its mode changed in the real workspace since the sandbox started")
            continue
        if now[:6] != before[:6] or now[6:] != before[6:]:
            why = _merge(sb, c, real, now, before)
            if why:
                out.append(f"{_show(c.path)}: changed in the real workspace since the sandbox started; {why}")
    # a directory to delete must hold nothing that the promotion does not delete too
    deleting = {c.path for c in chosen if c.kind == "deleted"}
    for c in chosen:
        if c.kind == "deleted" and c.type == "dir":
            real = os.path.join(ws, c.path)
            for x, _ in walk(real):
                if f"{c.path}/{x}" not in deleting:
                    out.append(f"{c.path}/: would have to delete {c.path}/{x}, which is not in this promotion")
                    break
    return out


def _merge(sb: Sandbox, c: Change, real: str, now, before) -> str | None:
    """A text file changed both in the real workspace and in the sandbox: three-way merged (base: the
    file as the sandbox started) into ``c.merged``; None when it merged cleanly, else why not."""
    from . import base

    if not (c.kind == "modified" and c.type == "file" and now[0] == "f" and before[0] == "f"):
        return "not merged (only a file modified on both sides is merged)"
    b = base.blob(sb, c.path)
    if b is None:
        return "its starting content was not kept (larger than 1 MB, ignored by git, or binary), so it cannot be merged"
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            ours = f.read(base.MAX_FILE + 1)
        with open(os.path.join(sb.view, c.path), "rb") as f:
            theirs = f.read(base.MAX_FILE + 1)
    except OSError as e:
        return f"not merged ({e.strerror})"
    ok, res = base.merge(b, ours, theirs, c.path)
    if not ok:
        return res
    c.merged = (ours, res)
    return None


#: Files something runs later (git hooks, shell start-up files, direnv): their new content is judged as a script.
_RUNS_LATER_NAMES = frozenset({".envrc", ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".zshenv"})


def runs_later(rel: str) -> bool:
    base = rel.rsplit("/", 1)[-1]
    return (rel.startswith(".git/hooks/") and not base.endswith(".sample")) or base in _RUNS_LATER_NAMES


def judge(sb: Sandbox, chosen: list[Change], env, named: list[str] | None) -> list[str]:
    """Each change judged by Interlock's policy as the write or delete it will be in the real workspace
    (a promotion is an action on the real workspace like any other).  A deny refuses the promotion; so
    does an ``ask`` about what a file will run later (a git hook, ``.envrc``) unless its path was named."""
    from ..actions import ALLOW, DENY, FILE_WRITE, SHELL, Action
    from ..engine import Context, evaluate

    ctx = Context(sb.workspace, env=env)
    out = []
    named = named or []
    for c in chosen:
        real = os.path.join(sb.workspace, c.path)
        payload = {"path": real, "op": "delete"} if c.kind == "deleted" else {"path": real}
        d = evaluate(Action(FILE_WRITE, payload, agent="sandbox", cwd=sb.workspace, workspace=sb.workspace,
                            tool="sandbox promote"), ctx)
        if d.decision == DENY:
            out.append(f"{c.path}: Interlock denies {'deleting' if c.kind == 'deleted' else 'writing'} it: "
                       + "; ".join(d.reasons[:2]))
            continue
        if c.kind != "deleted" and (c.path == ".git/config" or c.path.endswith("/.git/config")) and \
                c.path not in named:
            out.append(f"{_show(c.path)}: git's configuration can name commands git runs later (core.pager, "
                       f"core.fsmonitor, core.sshCommand, aliases, filters): name the path to promote it")
            continue
        if c.kind != "deleted" and c.type == "file" and runs_later(c.path):
            text = _text(os.path.join(sb.view, c.path))
            if text is None:
                out.append(f"{c.path}: runs later and is binary or large: not promoted (copy it yourself)")
                continue
            d = evaluate(Action(SHELL, {"command": "".join(text)}, agent="sandbox", cwd=sb.workspace,
                                workspace=sb.workspace, tool="sandbox promote"), ctx)
            if d.decision == DENY or (d.decision != ALLOW and c.path not in named):
                out.append(f"{c.path}: runs later, and Interlock would {d.decision} what it runs: "
                           + "; ".join(d.reasons[:2]) + ("" if d.decision == DENY else
                                                         " (name the path to promote it anyway)"))
    return out


def _show(rel: str) -> str:
    """A path as printed: control characters escaped (a file name cannot forge a line of the diff)."""
    return rel if rel.isprintable() else repr(rel)


def apply(sb: Sandbox, chosen: list[Change]) -> list[dict]:
    """Apply ``chosen`` (already checked by ``conflicts``) to the real workspace; returns what was done."""
    ws, view = sb.workspace, sb.view
    done = []
    # creations and modifications parents first; deletions deepest first, after
    writes = sorted((c for c in chosen if c.kind != "deleted"), key=lambda c: c.path.count("/"))
    dels = sorted((c for c in chosen if c.kind == "deleted"), key=lambda c: -c.path.count("/"))
    for c in dels:
        if c.type == "dir":
            continue
        real = os.path.join(ws, c.path)
        st = _lstat(real)
        if st is not None and stat.S_ISDIR(st.st_mode):
            continue
        if c.type != "dir" and any(w.path == c.path for w in writes):
            continue  # replaced by a write below
        _unlink(real)
        done.append({"path": c.path, "change": "deleted"})
    for c in dels:
        real = os.path.join(ws, c.path)
        st = _lstat(real)
        if st is not None and stat.S_ISDIR(st.st_mode) and not any(w.path == c.path for w in writes):
            os.rmdir(real)
            done.append({"path": c.path, "change": "deleted", "type": "dir"})
    for c in writes:
        src, dst = os.path.join(view, c.path), os.path.join(ws, c.path)
        st = os.lstat(src)
        old = _lstat(dst)
        if stat.S_ISDIR(st.st_mode):
            if old is not None and not stat.S_ISDIR(old.st_mode):
                _unlink(dst)
                old = None
            if old is None:
                os.mkdir(dst, stat.S_IMODE(st.st_mode) & 0o777)
            os.chmod(dst, stat.S_IMODE(st.st_mode) & 0o777)
            done.append({"path": c.path, "change": c.kind, "type": "dir"})
            continue
        if old is not None and stat.S_ISDIR(old.st_mode):
            _rmtree_checked(dst)
        tmp = os.path.join(os.path.dirname(dst), f".interlock-promote.{os.getpid()}.{os.path.basename(dst)}")
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(src)
            os.symlink(target, tmp)
            os.replace(tmp, dst)
            done.append({"path": c.path, "change": c.kind, "type": "symlink", "target": target})
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        import hashlib

        mode = stat.S_IMODE(st.st_mode) & 0o777  # never set-user-ID, set-group-ID or sticky
        if c.merged is not None:  # three-way merged: written only if the real file is still what was merged
            ours, merged = c.merged
            try:
                fd = os.open(dst, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                raise SandboxError(f"{_show(c.path)} changed again in the real workspace while promoting") from None
            with os.fdopen(fd, "rb") as f:
                if f.read(len(ours) + 1) != ours:
                    raise SandboxError(f"{_show(c.path)} changed again in the real workspace while promoting")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(merged)
                os.chmod(tmp, mode)
                os.replace(tmp, dst)
            except BaseException:
                _unlink(tmp)
                raise
            done.append({"path": c.path, "change": "merged", "type": "file",
                         "sha256": hashlib.sha256(merged).hexdigest(), "bytes": len(merged)})
            continue
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        h, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as f:  # streamed: a huge file is no memory problem
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            os.chmod(tmp, mode)
            os.replace(tmp, dst)
        except BaseException:
            _unlink(tmp)
            raise
        done.append({"path": c.path, "change": c.kind, "type": "file", "sha256": h.hexdigest(), "bytes": size})
    # the promoted paths are now the real workspace's state: later promotions compare against it
    man = sb.manifest
    for d in done:
        real = os.path.join(ws, d["path"])
        st = _lstat(real)
        if st is None:
            man.pop(d["path"], None)
        else:
            man[d["path"]] = entry(st, os.readlink(real) if stat.S_ISLNK(st.st_mode) else None)
    # parents whose ctime/mtime the writes changed
    for d in done:
        parent = os.path.dirname(d["path"])
        while parent:
            st = _lstat(os.path.join(ws, parent))
            if st is not None and parent in man:
                man[parent] = entry(st)
            parent = os.path.dirname(parent)
    sb.save_manifest()
    return done


def _unlink(p):
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass


def _rmtree_checked(p):
    import shutil

    shutil.rmtree(p)
