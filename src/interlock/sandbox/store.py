"""A sandbox on disk: ``$INTERLOCK_HOME/sandboxes/ID/``.

``meta.json``      id, workspace, mode (``overlay`` | ``copy``), masked secret files, databases, state
``manifest.json``  the real workspace when the sandbox was created: per path its type, mode, size,
                   mtime and ctime (ns) and inode — what ``promote`` compares the real files against
``upper/ work/``   the overlay's upper and work directories (overlay mode)
``copy/``          the workspace copy (copy mode) and ``copy-manifest.json`` (its state after copying)
``state/``         the sandboxed agent's own ``INTERLOCK_HOME`` (its hooks' audit log and approvals)
``sock/``          the Unix sockets leading to the gateways
``mutations.jsonl`` API mutations the HTTP gateway recorded instead of sending
``sql.jsonl``      statements the PostgreSQL gateway ran on the branch

The directory is 0700 in the (0700) state directory, which the sandbox hides from the agent.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import time


class SandboxError(Exception):
    """A sandbox operation cannot proceed; the message says why."""


def root(env) -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(env), "sandboxes")


def _write_json(path, obj):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


class Sandbox:
    def __init__(self, path: str):
        self.path = path
        self.id = os.path.basename(path)
        with open(os.path.join(path, "meta.json"), encoding="utf-8") as f:
            self.meta = json.load(f)
        self._manifest = None

    # --- paths
    def sub(self, *names) -> str:
        return os.path.join(self.path, *names)

    @property
    def workspace(self) -> str:
        return self.meta["workspace"]

    @property
    def mode(self) -> str:
        return self.meta["mode"]

    @property
    def view(self) -> str:
        """Where the sandbox's changes live: the overlay's upper directory, or the copy."""
        return self.sub("upper") if self.mode == "overlay" else self.sub("copy")

    def save(self):
        _write_json(self.sub("meta.json"), self.meta)

    @property
    def manifest(self) -> dict:
        if self._manifest is None:
            with open(self.sub("manifest.json"), encoding="utf-8") as f:
                self._manifest = json.load(f)
        return self._manifest

    def save_manifest(self):
        _write_json(self.sub("manifest.json"), self._manifest)

    def running_pid(self):
        pid = self.meta.get("pid")
        if not pid:
            return None
        try:
            os.kill(int(pid), 0)
        except (OSError, ValueError):
            return None
        return int(pid)


def read_jsonl(path: str) -> list[dict]:
    """The records of a sandbox's JSON-lines log (``sql.jsonl``, ``mutations.jsonl``); a torn line is
    skipped, a missing file is empty."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
    except OSError:
        pass
    return out


def entry(st: os.stat_result, link: str | None = None) -> list:
    """A manifest entry: [type, mode, size, mtime_ns, ctime_ns, ino(, link target)]."""
    m = st.st_mode
    t = "d" if stat.S_ISDIR(m) else "l" if stat.S_ISLNK(m) else "f" if stat.S_ISREG(m) else "o"
    e = [t, stat.S_IMODE(m), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    if link is not None:
        e.append(link)
    return e


def walk(top: str, limit: int = 2_000_000):
    """(relative path, lstat) of everything under ``top`` (not following links), parents first."""
    stack = [""]
    n = 0
    while stack:
        rel = stack.pop()
        try:
            it = os.scandir(os.path.join(top, rel) if rel else top)
        except OSError:
            continue
        with it:
            for de in it:
                r = f"{rel}/{de.name}" if rel else de.name
                try:
                    st = de.stat(follow_symlinks=False)
                except OSError:
                    continue
                n += 1
                if n > limit:
                    raise SandboxError(f"{top} holds more than {limit:,} entries: too large to sandbox")
                yield r, st
                if stat.S_ISDIR(st.st_mode):
                    stack.append(r)


def manifest_of(top: str) -> dict:
    out = {}
    for rel, st in walk(top):
        link = None
        if stat.S_ISLNK(st.st_mode):
            try:
                link = os.readlink(os.path.join(top, rel))
            except OSError:
                link = ""
        out[rel] = entry(st, link)
    return out


def create(workspace: str, env) -> Sandbox:
    base = root(env)
    os.makedirs(base, mode=0o700, exist_ok=True)
    os.chmod(base, 0o700)
    sid = "sbx-" + time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
    path = os.path.join(base, sid)
    os.mkdir(path, 0o700)
    for d in ("state", "sock"):
        os.mkdir(os.path.join(path, d), 0o700)
    _write_json(os.path.join(path, "meta.json"), {"id": sid, "workspace": workspace, "mode": None,
                                                  "created": time.time(), "state": "new", "masked": [],
                                                  "databases": {}, "runs": []})
    return Sandbox(path)


def load(env, sid: str | None = None, workspace: str | None = None) -> Sandbox:
    """The sandbox ``sid``, or the newest one of ``workspace`` (or anywhere)."""
    base = root(env)
    if sid:
        if "/" in sid or sid.startswith(".") or not sid.startswith("sbx-"):
            raise SandboxError(f"not a sandbox id: {sid!r}")
        p = os.path.join(base, sid)
        if not os.path.exists(os.path.join(p, "meta.json")):
            raise SandboxError(f"no sandbox {sid} (interlock sandbox status lists them)")
        return Sandbox(p)
    found = all_sandboxes(env)
    if workspace:
        mine = [s for s in found if s.workspace == workspace or workspace.startswith(s.workspace + "/")]
        found = mine or found
    if not found:
        raise SandboxError("no sandbox here (start one: interlock sandbox -- AGENT...)")
    if workspace and len({s.workspace for s in found}) > 1:
        raise SandboxError("several sandboxes of other workspaces exist; name one: "
                           + ", ".join(s.id for s in found[-5:]))
    return found[-1]


def all_sandboxes(env) -> list[Sandbox]:
    base = root(env)
    out = []
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return out
    for n in names:
        if n.startswith("sbx-") and os.path.exists(os.path.join(base, n, "meta.json")):
            try:
                out.append(Sandbox(os.path.join(base, n)))
            except (OSError, ValueError):
                continue
    out.sort(key=lambda s: s.meta.get("created") or 0)
    return out


def remove(sb: Sandbox):
    """Delete every file of the sandbox (the overlay's upper dir holds whiteouts root made: rmtree copes)."""
    def onerror(func, path, exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            func(path)
        except OSError:
            pass
    shutil.rmtree(sb.path, onerror=onerror)
    if os.path.exists(sb.path):
        raise SandboxError(f"could not remove every file of {sb.path}")
