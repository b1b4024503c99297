"""Safeguards: show what an action would destroy, and keep a copy the agent can't touch.

The simplest calls::

    from interlock import safeguards
    impact = safeguards.preview(action, decision, ctx)      # Impact: lines, data, known, error
    snap = safeguards.snapshot(action, decision, ctx, approver="alice")  # Snapshot | None
    safeguards.restore(snap.id)                              # back as it was (a human runs this)

``preview`` never raises (an impact it cannot see is ``known=False`` with the reason);
``snapshot`` raises ``SnapshotError`` when a snapshot was needed and could not be taken
and verified — the caller then does not let the action run.  Nothing here is imported
on the hook's hot path until a destructive action needs it.
"""

from __future__ import annotations

import os
import sys
import time

from ..actions import CATASTROPHIC, DESTRUCTIVE
from .model import Impact, RestoreError, SafeguardError, Snapshot, SnapshotError

__all__ = ["preview", "snapshot", "restore", "list_snapshots", "verify", "on_failure", "Impact", "Snapshot",
           "SnapshotError", "RestoreError", "SafeguardError"]

_SEVERE = (DESTRUCTIVE, CATASTROPHIC)


def _context(action, ctx):
    if ctx is not None:
        return ctx
    from ..engine import Context

    return Context(action.cwd)


def _families(decision):
    if decision is None:
        return None
    return {f.rule.split(".", 1)[0] for f in decision.findings if f.severity in _SEVERE}


def _relevant(targets, decision):
    from .preview_infra import InfraTarget
    from .targets import GitTarget, PathTarget, SqlTarget

    fam = _families(decision)
    if fam is None:
        return targets
    out = []
    for t in targets:
        if isinstance(t, InfraTarget) and "infra" in fam:
            out.append(t)
        elif isinstance(t, SqlTarget) and "db" in fam:
            out.append(t)
        elif isinstance(t, PathTarget) and ("fs" in fam or (t.op == "git-clean" and "git" in fam)):
            out.append(t)
        elif isinstance(t, GitTarget) and "git" in fam:
            out.append(t)
    return out


def preview(action, decision=None, ctx=None) -> Impact:
    """What ``action`` would destroy.  Never raises; never commits; bounded in time.

    ``decision`` (the engine's) narrows the preview to the parts it found destructive;
    without it everything previewable in the action is previewed."""
    t0 = time.monotonic()
    try:
        ctx = _context(action, ctx)
        from .targets import GitTarget, PathTarget, SqlTarget, extract

        targets = _relevant(extract(action, ctx), decision)
        if not targets:
            return Impact([], [], known=False, error="Interlock cannot preview this action",
                          elapsed_ms=(time.monotonic() - t0) * 1000)
        out = Impact()
        for t in targets:
            if isinstance(t, SqlTarget):
                from .preview_sql import preview_sql

                out.add(preview_sql(t, ctx))
            elif isinstance(t, PathTarget):
                from .preview_fs import preview_paths

                out.add(preview_paths(t))
            elif isinstance(t, GitTarget):
                from .preview_fs import preview_git

                out.add(preview_git(t))
            else:
                from .preview_infra import preview_infra

                out.add(preview_infra(t, ctx.env))
    except Exception as e:  # fail honest: unknown, never zero
        from ..redact import redact

        why = redact(f"{type(e).__name__}: {e}")[:300]
        out = Impact([f"impact unknown: {why}"], [], known=False, error=why)
    out.elapsed_ms = (time.monotonic() - t0) * 1000
    return out


def _progress(msg, stream):
    if stream is not None:
        try:
            stream.write(f"interlock: {msg}\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def _fingerprint(plans) -> str | None:
    """What the targets look like now, cheaply, so an earlier snapshot of the same request is reused
    only while what it copied is unchanged: each file's inode, size, mode and ctime (which, unlike
    mtime, no `touch` can set back) — for files and SQLite databases.  None when that cannot be told
    cheaply and for certain (a database server, git work): then a new snapshot is always taken."""
    import json

    from ..actions import sha256_hex

    parts = []
    for kind, _t, extra, est in plans:
        if kind == "files":
            seen = []
            for top in extra:
                for root, dirs, files in os.walk(top) if os.path.isdir(top) and not os.path.islink(top) else \
                        [(os.path.dirname(top), [], [os.path.basename(top)])]:
                    dirs.sort()
                    for name in sorted(files + dirs):
                        try:
                            st = os.lstat(os.path.join(root, name))
                        except OSError:
                            continue
                        seen.append((os.path.join(root, name), st.st_ino, st.st_size, st.st_mode,
                                     st.st_mtime_ns, st.st_ctime_ns))
            parts.append(["files", seen])
        elif kind == "sqlite" and getattr(extra, "file", None):
            sig = []
            for f in (extra.file, extra.file + "-wal", extra.file + "-journal"):
                try:
                    st = os.stat(f)
                    sig.append((f, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
                except OSError:
                    sig.append((f, None))
            parts.append(["sqlite", sig])
        else:  # a server's data can change without a trace we could read this cheaply: copy again
            return None
    return sha256_hex(json.dumps(parts, default=str).encode())


def _reusable(store, key, digest, fingerprint):
    """A verified snapshot this request already took of targets that have not changed since."""
    if not key or not fingerprint:
        return None
    for snap in reversed(store.list()):
        m = snap.manifest
        if m.get("request") == key and (m.get("action") or {}).get("digest") == digest and \
                m.get("fingerprint") == fingerprint:
            return snap
    return None


def snapshots_by_request(env=None, policy=None) -> dict:
    """{approval request id: [its snapshots, newest first]}: what the dashboard shows beside an
    approved action (with the command that restores it).  Never raises: an unreadable store is empty."""
    from .store import Store, settings, store_dir

    env = os.environ if env is None else env
    out = {}
    try:
        snaps = Store(store_dir(env, policy), settings(policy)).list()
    except Exception:  # noqa: BLE001 - a view, never a reason to fail the page
        return out
    for snap in reversed(snaps):
        rid = snap.manifest.get("request")
        if rid:
            out.setdefault(rid, []).append(snap)
    return out


def snapshot(action, decision=None, ctx=None, *, approver=None, progress=sys.stderr,
             request=None) -> Snapshot | None:
    """Copy what ``action`` would destroy into the snapshot store, verified, before it runs.

    ``request``: the approval request this snapshot protects.  An identical retry of the same
    request (an ask answered in the agent's own dialog, asked again) reuses the snapshot it took
    while the targets are unchanged: one snapshot per approved action, not one per retry.

    Returns None when the action touches nothing Interlock knows how to snapshot.  Raises
    ``SnapshotError`` (clear, redacted message) when a snapshot was needed and failed: the
    caller must not let the action run (see ``on_failure`` for per-environment policy)."""
    ctx = _context(action, ctx)
    from ..redact import redact
    from . import connect as C
    from . import dbsnap, fssnap
    from .store import Store
    from .targets import GitTarget, PathTarget, SqlTarget, extract

    try:
        targets = _relevant(extract(action, ctx), decision)
    except Exception as e:
        raise SnapshotError(f"could not tell what the action touches: {redact(str(e))[:200]}") from None
    if not targets:
        return None
    store = Store.for_context(ctx)
    conf = store.conf
    timeout = float(conf.get("timeout_s") or 600)
    plans = []  # (kind, target, conn, estimate)
    for t in targets:
        if isinstance(t, SqlTarget):
            if t.error or t.conn is None:
                raise SnapshotError(f"cannot snapshot the database: {t.error or 'Interlock has no connection to it'}")
            if not _sql_destroys(t):
                continue
            conn = C.with_policy(t.conn, ctx.policy, ctx.env, "snapshot")
            est = {C.POSTGRES: dbsnap.pg_estimate, C.MYSQL: dbsnap.my_estimate}.get(
                conn.dialect, lambda c: os.path.getsize(c.file) if c.file and os.path.exists(c.file) else 0)(conn)
            plans.append((conn.dialect, t, conn, est))
        elif isinstance(t, PathTarget):
            from .preview_fs import deleted_paths

            try:
                paths = deleted_paths(t)
            except Exception as e:
                raise SnapshotError(f"cannot tell which files `{redact(t.evidence[:80])}` deletes: "
                                    f"{redact(str(e))[:200]}") from None
            paths = [p for p in paths if os.path.lexists(p)]
            if paths:
                plans.append(("files", t, paths, fssnap.files_estimate(paths)))
        elif isinstance(t, GitTarget):
            plans.append(("git", t, None, 0))
    if not plans:
        return None
    fingerprint = _fingerprint(plans) if request else None
    again = _reusable(store, request, action.digest(), fingerprint)
    if again is not None:
        _progress(f"snapshot {again.id} of this request is still current: not taken again", progress)
        return again
    kinds = sorted({p[0] for p in plans})
    staging = store.begin("+".join(kinds), sum(p[3] for p in plans))
    parts = []
    try:
        for i, (kind, t, extra, _est) in enumerate(plans):
            sub = f"{i}"
            os.makedirs(os.path.join(staging.data, sub), exist_ok=True)

            class _S:
                id = staging.id
                data = os.path.join(staging.data, sub)
            if kind in (C.POSTGRES, C.MYSQL, C.SQLITE):
                conn = extra
                sec = C.section_for(conn, ctx.policy)
                scope = sec.get("scope") or conf.get("scope") or "database"
                tables = _tables(t) if scope == "tables" else None
                _progress(f"snapshotting {redact(conn.label)} ({scope})...", progress)
                info = dbsnap.SNAPSHOT[kind](conn, _S, ctx.env, timeout, tables)
                parts.append(dict(info, kind=kind, dir=sub, target=redact(conn.label), spec=conn.spec()))
            elif kind == "files":
                _progress(f"snapshotting {len(extra)} path(s)...", progress)
                info = fssnap.files_snapshot(extra, t.cwd, _S, timeout)
                if info:
                    parts.append(dict(info, kind="files", dir=sub,
                                      target=", ".join(e["path"] for e in info["entries"][:3])
                                      + (" ..." if len(info["entries"]) > 3 else "")))
            else:
                _progress(f"snapshotting git work in {t.cwd}...", progress)
                info = fssnap.git_snapshot(t, _S, timeout)
                if info:
                    parts.append(dict(info, kind="git", dir=sub, target=f"git:{info['repo']}"))
        if not parts:
            store.abort(staging)
            return None
        manifest = {"kind": "+".join(sorted({p["kind"] for p in parts})),
                    "target": "; ".join(p["target"] for p in parts), "parts": parts,
                    "action": {"digest": action.digest(), "summary": redact(action.summary)[:300],
                               "agent": action.agent, "cwd": action.cwd},
                    "approver": approver, "created": time.time(), "request": request,
                    "fingerprint": fingerprint,
                    "findings": [f.rule for f in (decision.findings if decision else []) if f.severity in _SEVERE]}
        snap = store.commit(staging, manifest)
    except SnapshotError as e:
        store.abort(staging)
        _audit(ctx.env, f"snapshot failed: {action.summary}", "deny", action, {"event": "snapshot-failed",
                                                                              "error": str(e)})
        raise
    except Exception as e:
        store.abort(staging)
        raise SnapshotError(f"snapshot failed: {redact(f'{type(e).__name__}: {e}')[:300]}") from None
    _progress(f"snapshot {snap.id} verified ({_size(snap.size)})", progress)
    _audit(ctx.env, f"snapshot {snap.id}: {snap.target}", "allow", action,
           {"event": "snapshot", "snapshot": snap.id, "sums_sha256": snap.manifest["sums_sha256"],
            "size": snap.size, "approver": approver})
    return snap


def _size(n):
    from .preview_sql import human_bytes

    return human_bytes(n)


def _sql_destroys(t) -> bool:
    from ..analysis import sql as S

    try:
        return any(st.severity in _SEVERE for st in S.classify(t.sql, t.dialect if t.dialect != "sqlite" else "sqlite"))
    except Exception:
        return True


def _tables(t):
    from ..analysis import sql as S

    out = []
    for st in S.classify(t.sql, t.dialect):
        for name in st.tables:
            if name not in out:
                out.append(name)
    return out or None


def restore(snapshot_id: str, to: str | None = None, *, force: bool = False, env=None, policy=None,
            progress=sys.stderr) -> str:
    """Bring a snapshot back into its original place, or ``to`` (a database name or URL, or a path).

    Refuses a non-empty target unless ``force`` (and then keeps what it replaces).  Never
    half-restores.  Returns a one-line report; raises ``RestoreError``.  Human-only: the CLI
    checks for a TTY and confirmation before it calls this."""
    env = os.environ if env is None else env
    from ..redact import redact
    from . import connect as C
    from . import dbsnap, fssnap
    from .store import Store, settings, store_dir, verify_dir

    if policy is None:
        from .. import policy as _policy

        policy = _policy.load(None, env)
    store = Store(store_dir(env, policy), settings(policy))
    snap = store.get(snapshot_id)
    problems = verify_dir(snap.path)
    if problems:
        raise RestoreError(f"snapshot {snap.id} does not verify, refusing to restore it: {'; '.join(problems[:3])}")
    parts = snap.manifest.get("parts") or []
    if to and len(parts) > 1:
        raise RestoreError("this snapshot has several parts: restore it without --to")
    timeout = float(store.conf.get("timeout_s") or 600)
    reports = []
    for part in parts:
        kind = part["kind"]
        _progress(f"restoring {part.get('target')} from {snap.id}...", progress)
        try:
            if kind in (C.POSTGRES, C.MYSQL, C.SQLITE):
                conn = C.Conn.from_spec(part["spec"])
                if to:
                    u = C.from_url(to, "--to") if "://" in to or to.startswith("sqlite:") else None
                    if u is not None:
                        if u.dialect != kind:
                            raise RestoreError(f"--to {redact(to)} is not a {kind} database")
                        conn = u if u.password or kind == C.SQLITE else C.with_policy(u, policy, env).copy(
                            password=u.password or C.with_policy(u, policy, env).password)
                    elif kind == C.SQLITE:
                        conn = conn.copy(file=os.path.abspath(os.path.expanduser(to)))
                    else:
                        conn = conn.copy(database=to)
                if kind != C.SQLITE:
                    filled = C.with_policy(conn, policy, env)
                    if not filled.password:
                        filled.password = env.get("PGPASSWORD" if kind == C.POSTGRES else "MYSQL_PWD")
                    conn = filled
                reports.append(dbsnap.RESTORE[kind](snap, part, conn, env, force, timeout))
            elif kind == "files":
                reports.append(fssnap.files_restore(snap, part, to, force))
            elif kind == "git":
                reports.append(fssnap.git_restore(snap, part, to, force))
            else:
                raise RestoreError(f"unknown snapshot kind {kind}")
        except ImportError as e:
            raise RestoreError(f"the database driver is not installed ({e.name}): "
                               f"pip install 'interlock[databases]'") from None
        except RestoreError:
            raise
        except Exception as e:
            raise RestoreError(f"restore failed: {redact(f'{type(e).__name__}: {e}')[:300]}") from None
    report = "; ".join(reports)
    _audit(env, f"restore {snap.id}" + (f" --to {redact(to)}" if to else ""), "allow", None,
           {"event": "restore", "snapshot": snap.id, "to": redact(to) if to else None, "force": force,
            "report": report})
    return report


def list_snapshots(env=None, policy=None) -> list[Snapshot]:
    from .store import Store, settings, store_dir

    env = os.environ if env is None else env
    return Store(store_dir(env, policy), settings(policy)).list()


def verify(snapshot_id=None, env=None, policy=None) -> dict:
    """{snapshot id: [problems]} (an empty list: it verifies)."""
    from .store import Store, settings, store_dir, verify_dir

    env = os.environ if env is None else env
    store = Store(store_dir(env, policy), settings(policy))
    snaps = [store.get(snapshot_id)] if snapshot_id else store.list()
    return {s.id: verify_dir(s.path) for s in snaps}


def on_failure(policy, environment=None) -> str:
    """What the policy says to do when a needed snapshot fails: "deny" (default), "ask" or "allow"."""
    from .store import settings

    s = settings(policy)
    per_env = s.get("on_failure_environments") or {}
    return per_env.get(environment) or s.get("on_failure") or "deny"


def _audit(env, text, verdict, action, extra):
    try:
        from ..actions import ALLOW, DENY, READ, Decision
        from ..audit import open_log
        from ..policy import state_dir

        d = Decision(ALLOW if verdict == "allow" else DENY, READ, reasons=[text])
        open_log(state_dir(env), env).append(action=text, decision=d,
                                             agent=getattr(action, "agent", None) or "interlock",
                                             cwd=getattr(action, "cwd", None),
                                             digest=action.digest() if action else None, tool="safeguards",
                                             extra=extra)
    except Exception as e:  # the snapshot stands; say the log could not take it
        try:
            sys.stderr.write(f"interlock: could not write the audit record ({type(e).__name__})\n")
        except Exception:
            pass
