"""The confinement: bubblewrap around an overlay (or a copy) of the workspace.

Why bubblewrap: it is Debian's (and Flatpak's) maintained tool for exactly this — new user, mount,
PID, IPC, UTS, cgroup and network namespaces, every capability dropped, ``no_new_privs``, the
sandbox killed with its parent, no nested user namespaces (``--disable-userns``, so the agent cannot
get the capabilities to remount).  bubblewrap 0.8 (Debian 12) has no ``--overlay``, so in overlay
mode the overlay is mounted first, by root, in a private mount namespace of its own
(``unshare --mount`` → ``interlock.sandbox.stage0``), and bubblewrap binds it in.

What the agent sees:

* ``/`` read-only; a fresh ``/dev`` and ``/proc`` (its own PID namespace: Interlock's processes do
  not exist for it); empty private ``/tmp``, ``/var/tmp``, ``/run``, ``/dev/shm``;
* the workspace, writable: the overlay (writes go to the sandbox's ``upper/``) or the copy;
  the workspace's secret files (``.env*``, keys, …: ``analysis.secrets``) are absent — whiteouts in
  the overlay, not copied in copy mode;
* the home directory's credential stores (``~/.ssh``, ``~/.aws``, ``~/.railway``, ``~/.kube``,
  ``~/.config/gh``, ``~/.netrc``, …: the same catalogue) replaced by empty ones, and Interlock's
  state directory (audit log, approvals, vault, the sandboxes) hidden;
* every Unix socket bound on the host when the sandbox starts (``/proc/net/unix``) masked by an
  empty file: the database's socket, Docker's, the hook daemon's;
* a network namespace with only ``lo``: no route anywhere; the gateways' ports on its loopback are
  forwarded to Unix sockets that lead to Interlock's gateways (``forward``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

from .store import Sandbox, SandboxError, entry, manifest_of, walk

#: Where the sandbox's own directories appear inside it (``/run`` is a private tmpfs there).
INNER_STATE = "/run/interlock/state"
INNER_SOCK = "/run/interlock/gw"


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def require_bwrap() -> str:
    p = bwrap_path()
    if not p:
        raise SandboxError("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; "
                           "Fedora: dnf install bubblewrap): without it nothing is confined, so nothing runs")
    return p


# --- secrets the agent must not see -----------------------------------------------------------------

def secret_home_paths(home: str) -> list[str]:
    """The home directory's credential stores that exist (directories and files), from the secrets catalogue."""
    from ..analysis.secrets import is_secret_path, secret_paths

    out = set()
    if not home or not os.path.isdir(home):
        return []
    known = secret_paths()
    for rel in set(known.home_dirs) | {t.rstrip("/") for t in known.home_trees if not t.endswith("_")}:
        p = os.path.join(home, rel)
        if os.path.lexists(p):
            out.add(p)
    # files and directories named as secrets at the top of home and of ~/.config (.netrc, .pgpass, .npmrc…)
    for d in (home, os.path.join(home, ".config")):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            if is_secret_path(p, home):
                out.add(p)
    # .ssh keys are covered by hiding ~/.ssh whole
    return sorted(out)


def workspace_secrets(manifest: dict, workspace: str, home: str) -> list[str]:
    """Relative paths of the workspace's secret files (.env*, keys, credentials.json, tfstate…)."""
    from ..analysis.secrets import is_secret_path

    return sorted(rel for rel, e in manifest.items()
                  if e[0] in ("f", "l", "o") and is_secret_path(os.path.join(workspace, rel), home))


def host_unix_sockets() -> list[str]:
    """Paths of the Unix sockets bound in this network namespace (``/proc/net/unix``)."""
    out = []
    try:
        with open("/proc/net/unix", encoding="utf-8", errors="replace") as f:
            next(f, None)
            for line in f:
                parts = line.split(None, 7)
                if len(parts) == 8 and parts[7].startswith("/"):
                    out.append(parts[7].rstrip("\n"))
    except OSError:
        pass
    return sorted(set(out))


# --- preparing the workspace view ------------------------------------------------------------------

def overlay_options(sb: Sandbox) -> str:
    def esc(p):  # the mount option separators
        return p.replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:")
    # volatile: no syncfs of the whole upper file system when the sandbox ends (seconds on a busy disk); the
    # sandbox is disposable, and stage0 empties the work directory before every mount.
    # redirect_dir=off, metacopy=off (whatever the kernel's defaults): every change is whole in the upper
    # directory — a renamed directory is copied, a chmod copies the data — so the change set read from it is
    # complete (a metacopy would hold no data, a redirect no files).
    return (f"lowerdir={esc(sb.workspace)},upperdir={esc(sb.sub('upper'))},workdir={esc(sb.sub('work'))},"
            f"redirect_dir=off,metacopy=off,index=off,volatile")


def overlay_works(sb: Sandbox) -> bool:
    """Can this process mount the overlay (root, a kernel with overlayfs, an upper dir it accepts)?"""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        return False
    try:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "mount", "-t", "overlay",
                            "overlay", "-o", overlay_options(sb), sb.workspace],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        empty_workdir(sb.sub("work"))
    return r.returncode == 0


def empty_workdir(path):
    """The overlay's work directory holds only the kernel's scratch state (and, after a volatile mount, a
    marker that forbids mounting again): emptied before every mount."""
    if os.path.isdir(path) and not os.path.islink(path):
        for n in os.listdir(path):
            p = os.path.join(path, n)
            if os.path.isdir(p) and not os.path.islink(p):
                for root, dirs, files in os.walk(p):
                    os.chmod(root, 0o700)
                shutil.rmtree(p)
            else:
                os.unlink(p)


def prepare(sb: Sandbox, home: str, force_copy: bool = False) -> None:
    """Record the manifest, choose overlay or copy, and hide the workspace's secret files."""
    ws = sb.workspace
    man = manifest_of(ws)
    with open(sb.sub("manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f)
    masked = workspace_secrets(man, ws, home)
    from .base import capture

    capture(sb, man, masked)  # the starting content of mergeable files (three-way merges on promote)
    os.mkdir(sb.sub("upper"), 0o755)
    os.mkdir(sb.sub("work"), 0o700)
    mode = "overlay" if not force_copy and overlay_works(sb) else "copy"
    if mode == "overlay":
        for rel in masked:  # whiteouts: the secret files do not exist in the sandbox's view
            _mkparents(ws, sb.sub("upper"), rel)
            os.mknod(os.path.join(sb.sub("upper"), rel), stat.S_IFCHR | 0o000, os.makedev(0, 0))
    else:
        os.rmdir(sb.sub("upper"))
        os.rmdir(sb.sub("work"))
        _copy_tree(ws, sb.sub("copy"), man, set(masked))
        cm = {rel: entry(st, os.readlink(os.path.join(sb.sub("copy"), rel)) if stat.S_ISLNK(st.st_mode) else None)
              for rel, st in walk(sb.sub("copy"))}
        with open(sb.sub("copy-manifest.json"), "w", encoding="utf-8") as f:
            json.dump(cm, f)
    sb.meta.update(mode=mode, masked=masked, state="ready")
    sb.save()


def _mkparents(lower, upper, rel):
    """Create ``rel``'s parent directories in ``upper`` with the lower directories' mode and owner."""
    parts = rel.split("/")[:-1]
    cur = ""
    for p in parts:
        cur = f"{cur}/{p}" if cur else p
        u = os.path.join(upper, cur)
        if os.path.isdir(u):
            continue
        st = os.lstat(os.path.join(lower, cur))
        os.mkdir(u, stat.S_IMODE(st.st_mode))
        try:
            os.chown(u, st.st_uid, st.st_gid)
            os.utime(u, ns=(st.st_atime_ns, st.st_mtime_ns))
        except OSError:
            pass


def _copy_tree(src, dst, man, skip):
    os.mkdir(dst, stat.S_IMODE(os.stat(src).st_mode))
    for rel, e in sorted(man.items()):
        if rel in skip or any(rel.startswith(s + "/") for s in skip):
            continue
        s, d = os.path.join(src, rel), os.path.join(dst, rel)
        try:
            if e[0] == "d":
                os.mkdir(d, e[1])
            elif e[0] == "l":
                os.symlink(e[6], d)
            elif e[0] == "f":
                shutil.copy2(s, d, follow_symlinks=False)
            # sockets, FIFOs and devices are not copied
        except FileNotFoundError:
            continue


# --- the command line -------------------------------------------------------------------------------

def _visible(path: str, rebound: list[str]) -> bool:
    """Is ``path`` visible in the sandbox (not under a private tmpfs, unless bound back)?"""
    for t in ("/tmp", "/var/tmp", "/run", "/var/run", "/dev", "/proc", "/sys"):
        if path == t or path.startswith(t + "/"):
            return any(path == r or path.startswith(r + "/") for r in rebound)
    return True


def _program_dirs(inner: list[str]) -> list[str]:
    """Directories of code the sandboxed processes run: this interpreter's prefix, Interlock's package
    root, the agent program's directory and PATH's entries (resolved)."""
    import interlock

    out = [sys.prefix, os.path.dirname(os.path.dirname(os.path.abspath(interlock.__file__)))]
    if inner:
        prog = inner[0] if os.path.isabs(inner[0]) else shutil.which(inner[0])
        if prog:
            out.append(os.path.dirname(os.path.abspath(prog)))
    out += [d for d in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(d)]
    seen = []
    for d in out:
        for q in (os.path.normpath(d), os.path.realpath(d)):
            if q not in seen:
                seen.append(q)
    return seen


def bwrap_argv(sb: Sandbox, *, home: str, state_dir: str, cwd: str, inner: list[str],
               sock_dir: str | None = None) -> list[str]:
    """bubblewrap's arguments (after the program name) for running ``inner`` in ``sb``."""
    ws = sb.workspace
    empty = sb.sub("empty")
    if not os.path.exists(empty):
        with open(empty, "w"):
            pass
        os.chmod(empty, 0)
    a = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
         "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for t in ("/tmp", "/var/tmp", "/run", "/dev/shm"):
        if os.path.isdir(t) and not os.path.islink(t):
            a += ["--tmpfs", t]
    rebound = []
    home_hidden = home and not _visible(home, [])
    if home_hidden and os.path.isdir(home) and not (ws == home or home.startswith(ws + "/")):
        a += ["--ro-bind", home, home]  # a home under /tmp (tests, CI) stays readable
        rebound.append(home)
    # the programs the agent and its hooks run (Interlock's own venv and source, the agent's program,
    # PATH's directories) stay readable when they live under a private tmpfs (a checkout in /tmp)
    for p in _program_dirs(inner):
        if _visible(p, rebound) or not os.path.isdir(p) or p in ("/tmp", "/var/tmp", "/run", "/dev/shm"):
            continue
        if any(x == p or x.startswith(p + "/") for x in (ws, sb.path, state_dir, home) if x):
            continue  # never a directory that holds the workspace, the sandbox, Interlock's state or home
        a += ["--ro-bind", p, p]
        rebound.append(p)
    hide = set(secret_home_paths(home))
    try:  # the account's own home too, when $HOME says otherwise
        import pwd

        real_home = pwd.getpwuid(os.geteuid()).pw_dir
        if real_home and real_home != home:
            hide.update(secret_home_paths(real_home))
    except (KeyError, ImportError):
        pass
    if os.path.lexists(state_dir):
        hide.add(state_dir)
    hidden = []
    for p in sorted(hide):
        real = os.path.realpath(p)
        for q in sorted({p, real}):
            if not _visible(q, rebound) or not os.path.lexists(q) or q == ws or ws.startswith(q + "/"):
                continue
            if any(q.startswith(h + "/") for h in hidden):
                continue  # already inside a hidden directory
            hidden.append(q)
            if os.path.isdir(q):
                a += ["--tmpfs", q]
            else:
                a += ["--ro-bind", empty, q]
    rebound.append(ws)
    # the workspace: the overlay mounted by stage0 (same path) or the copy
    a += ["--bind", ws if sb.mode == "overlay" else sb.sub("copy"), ws]
    for s in host_unix_sockets():
        if _visible(s, rebound) and os.path.lexists(s) and not s.startswith(sb.path + "/"):
            try:
                if stat.S_ISSOCK(os.lstat(s).st_mode):
                    a += ["--ro-bind", empty, s]
            except OSError:
                pass
    a += ["--dir", "/run/interlock", "--bind", sb.sub("state"), INNER_STATE,
          "--ro-bind", sock_dir or sb.sub("sock"), INNER_SOCK,
          "--chdir", cwd if (cwd == ws or cwd.startswith(ws + "/")) else ws, "--"]
    return a + inner


def launch_argv(sb: Sandbox, bwrap_args: list[str]) -> list[str]:
    """The full command: through stage0 (which mounts the overlay) in overlay mode, bwrap directly in copy mode."""
    bw = require_bwrap()
    if sb.mode != "overlay":
        return [bw] + bwrap_args
    spec = sb.sub("launch.json")
    with open(spec, "w", encoding="utf-8") as f:
        json.dump({"bwrap": bw, "args": bwrap_args, "workspace": sb.workspace, "options": overlay_options(sb),
                   "workdir": sb.sub("work")}, f)
    return ["unshare", "--mount", "--propagation", "private", "--", sys.executable, "-I", "-m",
            "interlock.sandbox.stage0", spec]
