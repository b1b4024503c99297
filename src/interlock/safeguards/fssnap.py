"""Snapshots of files (copies, reflinked where the filesystem can) and of git work
(a bundle of every ref plus the uncommitted changes, captured like ``git stash create``).

Restores stage everything first and only then move it into place with renames; whatever
they replace is kept beside it (``*.pre-restore-ID``), never deleted.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ..redact import redact
from .model import RestoreError, SnapshotError
from .preview_fs import git as _git

_BATCH = 400


def _cp(sources, dest_dir, cwd, timeout):
    """cp -a --reflink=auto --parents: copy-on-write where the filesystem supports it."""
    for i in range(0, len(sources), _BATCH):
        argv = ["cp", "-a", "--reflink=auto", "--parents", "-t", dest_dir, "--", *sources[i:i + _BATCH]]
        try:
            p = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SnapshotError(f"copying the files timed out after {timeout:g} s") from None
        if p.returncode != 0:
            err = p.stderr.decode("utf-8", "replace").strip()
            if "No space left" in err:
                raise SnapshotError(f"the snapshot store is full (no space left on device): {redact(err)[:200]}")
            raise SnapshotError(f"copying the files failed: {redact(err)[:300]}")


def files_estimate(paths) -> int:
    from .preview_fs import Tally

    t = Tally()
    for p in paths:
        t.add(p)
    return t.bytes


def files_snapshot(paths, root, staging, timeout) -> dict:
    """Copy ``paths`` (absolute) into the snapshot, keeping their place relative to ``root``."""
    rel_in, abs_out = [], []
    for p in paths:
        if not os.path.lexists(p):
            continue
        rel = os.path.relpath(p, root)
        if rel.startswith(".."):
            abs_out.append(p.lstrip("/"))
        else:
            rel_in.append(rel)
    entries = []
    if rel_in:
        os.makedirs(os.path.join(staging.data, "rel"), exist_ok=True)
        _cp(rel_in, os.path.join(staging.data, "rel"), root, timeout)
        entries += [{"path": os.path.join(root, r), "stored": "rel/" + r} for r in rel_in]
    if abs_out:
        os.makedirs(os.path.join(staging.data, "abs"), exist_ok=True)
        _cp(abs_out, os.path.join(staging.data, "abs"), "/", timeout)
        entries += [{"path": "/" + r, "stored": "abs/" + r} for r in abs_out]
    if not entries:
        return {}
    return {"root": root, "entries": entries}


def _nonempty(p):
    if os.path.isdir(p) and not os.path.islink(p):
        return bool(os.listdir(p))
    return os.path.lexists(p)


def files_restore(snap, part, to, force) -> str:
    root = part["root"]
    base = os.path.abspath(os.path.expanduser(to)) if to else root
    plan = []
    for e in part["entries"]:
        src = os.path.join(snap.path, "data", part.get("dir", ""), e["stored"])
        dest = os.path.join(base, os.path.relpath(e["path"], root)) if to or not e["stored"].startswith("abs/") \
            else e["path"]
        if to and e["stored"].startswith("abs/"):
            dest = os.path.join(base, e["stored"][4:])
        plan.append((src, dest))
    busy = [d for _, d in plan if _nonempty(d)]
    if busy and not force:
        raise RestoreError(f"the target is not empty: {', '.join(busy[:3])}{' ...' if len(busy) > 3 else ''} "
                           f"exist(s); restore --to another path, or --force (what is there is kept as "
                           f"*.pre-restore-ID)")
    tag = snap.id.rsplit("-", 1)[-1]
    staged = []
    try:
        for i, (src, dest) in enumerate(plan):  # 1: copy everything next to its destination
            parent = os.path.dirname(dest)
            os.makedirs(parent, exist_ok=True)
            tmp = os.path.join(parent, f".interlock-restore-{tag}-{i}")
            p = subprocess.run(["cp", "-a", "--reflink=auto", "--", src, tmp], capture_output=True, timeout=3600)
            if p.returncode != 0:
                raise RestoreError(f"copying {src} back failed: {p.stderr.decode('utf-8', 'replace').strip()[:300]}")
            staged.append((tmp, dest))
    except (OSError, subprocess.TimeoutExpired) as e:
        for tmp, _ in staged:
            shutil.rmtree(tmp, ignore_errors=True) if os.path.isdir(tmp) else _unlink(tmp)
        raise RestoreError(f"restore failed before anything changed: {e}") from None
    except RestoreError:
        for tmp, _ in staged:
            shutil.rmtree(tmp, ignore_errors=True) if os.path.isdir(tmp) else _unlink(tmp)
        raise
    done, kept = [], []
    try:  # 2: renames only
        for tmp, dest in staged:
            if os.path.lexists(dest):
                k = f"{dest}.pre-restore-{tag}"
                if os.path.isdir(dest) and not os.listdir(dest):
                    os.rmdir(dest)
                else:
                    os.rename(dest, k)
                    kept.append((k, dest))
            os.rename(tmp, dest)
            done.append(dest)
    except OSError as e:
        for k, dest in reversed(kept):
            if dest in done:
                shutil.rmtree(dest, ignore_errors=True) if os.path.isdir(dest) else _unlink(dest)
            os.rename(k, dest)
        raise RestoreError(f"restore failed and was rolled back: {e}") from None
    msg = f"restored {len(done)} path(s) under {base}"
    if kept:
        msg += f"; what they replaced is kept as *.pre-restore-{tag}"
    return msg


def _unlink(p):
    try:
        os.unlink(p)
    except OSError:
        pass


# --- git -------------------------------------------------------------------------------------------------

def git_snapshot(t, staging, timeout) -> dict | None:
    try:
        top = _git(t.cwd, "rev-parse", "--show-toplevel").strip()
        head = _git(top, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        if not head:
            return None  # no commit yet: reset/checkout/stash have nothing of git's to lose (they fail)
        branch = _git(top, "symbolic-ref", "-q", "--short", "HEAD", check=False).strip() or None
        work = _git(top, "stash", "create", "interlock snapshot").strip() or None
        stash = None
        if t.op == "stash-drop":
            ref = next((a for a in t.args if not a.startswith("-")), "stash@{0}")
            stash = _git(top, "rev-parse", "--verify", "-q", ref, check=False).strip() or None
            msg = _git(top, "log", "-1", "--format=%gs", "-g", ref, check=False).strip()
            stashes = [(ref, stash, msg)] if stash else []
        elif t.op == "stash-clear":
            stashes = []
            for line in _git(top, "stash", "list", "--format=%gd%x00%H%x00%gs", check=False).splitlines():
                ref, sha, msg = (line.split("\0") + ["", ""])[:3]
                stashes.append((ref, sha, msg))
        else:
            stashes = []
        refs = {}
        pin = f"refs/interlock/snap-{staging.id}"
        if work:
            refs[f"{pin}/worktree"] = work
        refs[f"{pin}/head"] = head
        for i, (_ref, sha, _msg) in enumerate(stashes):
            refs[f"{pin}/stash-{i}"] = sha
        for r, sha in refs.items():
            _git(top, "update-ref", r, sha)
        try:
            out = os.path.join(staging.data, "repo.bundle")
            _git(top, "bundle", "create", out, "--all", timeout=timeout)
            _git(top, "bundle", "verify", out, timeout=timeout)
        finally:
            for r in refs:
                _git(top, "update-ref", "-d", r, check=False)
    except SnapshotError:
        raise
    except subprocess.TimeoutExpired:
        raise SnapshotError(f"git bundle timed out after {timeout:g} s") from None
    except (OSError, RuntimeError) as e:
        raise SnapshotError(f"git snapshot failed: {redact(str(e))[:300]}") from None
    return {"repo": top, "head": head, "branch": branch, "worktree": work, "pin": pin,
            "stashes": [{"ref": r, "sha": s, "message": m} for r, s, m in stashes], "op": t.op}


def git_restore(snap, part, to, force) -> str:
    bundle = os.path.join(snap.path, "data", part.get("dir", ""), "repo.bundle")
    repo = os.path.abspath(os.path.expanduser(to)) if to else part["repo"]
    try:
        if to and not os.path.exists(os.path.join(repo, ".git")):
            if os.path.exists(repo) and os.listdir(repo):
                raise RestoreError(f"{repo} exists and is not a git repository: restore --to an empty path")
            subprocess.run(["git", "clone", "-q", "--no-checkout", bundle, repo], check=True, capture_output=True,
                           timeout=600)
            _git(repo, "checkout", "-q", "-B", part.get("branch") or "restored", part["head"])
        return _git_apply(repo, bundle, part, force, snap.id)
    except subprocess.CalledProcessError as e:
        raise RestoreError(f"git restore failed: {e.stderr.decode('utf-8', 'replace').strip()[:300]}") from None
    except RuntimeError as e:
        raise RestoreError(f"git restore failed: {e}") from None


def _git_apply(repo, bundle, part, force, sid):
    tag = sid.rsplit("-", 1)[-1]
    _git(repo, "fetch", "-q", bundle, f"+{part['pin']}/*:refs/interlock/restore-{tag}/*", timeout=600)
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no").strip()
    head = _git(repo, "rev-parse", "HEAD").strip()
    notes = []
    try:
        if dirty and part.get("worktree"):
            if not force:
                raise RestoreError(f"{repo} has uncommitted changes: commit or stash them, restore --to another "
                                   f"path, or --force (they are kept as refs/interlock/pre-restore-{tag})")
            keep = _git(repo, "stash", "create", "interlock pre-restore").strip()
            _git(repo, "update-ref", f"refs/interlock/pre-restore-{tag}", keep)
            _git(repo, "reset", "-q", "--hard")
            notes.append(f"the changes it replaced are kept as refs/interlock/pre-restore-{tag}")
        if part["op"] in ("reset-hard",) and head != part["head"]:
            ancestor = subprocess.run(["git", "-C", repo, "merge-base", "--is-ancestor", head, part["head"]],
                                      capture_output=True, timeout=60).returncode == 0
            if not ancestor and not force:
                raise RestoreError(f"the branch moved on since the snapshot (HEAD is {head[:10]}, the snapshot's is "
                                   f"{part['head'][:10]}): --force to move it back (the current HEAD is kept as "
                                   f"refs/interlock/pre-restore-{tag}-head)")
            _git(repo, "update-ref", f"refs/interlock/pre-restore-{tag}-head", head)
            _git(repo, "reset", "-q", "--hard", part["head"])
            notes.append(f"HEAD moved back to {part['head'][:10]}")
        if part.get("worktree"):
            before = _git(repo, "rev-parse", "HEAD").strip()
            p = subprocess.run(["git", "-C", repo, "stash", "apply", "--index", part["worktree"]],
                               capture_output=True, timeout=300)
            if p.returncode != 0:
                _git(repo, "reset", "-q", "--hard", before)
                raise RestoreError("re-applying the uncommitted changes failed (the working tree was reset to "
                                   f"where it was): {p.stderr.decode('utf-8', 'replace').strip()[:300]}")
            notes.append("uncommitted changes re-applied")
        for s in reversed(part.get("stashes") or []):
            _git(repo, "stash", "store", "-m", s.get("message") or "restored by interlock", s["sha"])
            notes.append(f"stash restored ({s.get('message') or s['sha'][:10]})")
    finally:
        for line in _git(repo, "for-each-ref", "--format=%(refname)", f"refs/interlock/restore-{tag}",
                         check=False).splitlines():
            _git(repo, "update-ref", "-d", line, check=False)
    return f"restored git work in {repo}: " + ("; ".join(notes) or "nothing to re-apply")
