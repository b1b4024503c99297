"""The workspace as the sandbox started, kept for three-way merges on promote.

The overlay's lower layer *is* the real workspace (it changes with it) and a copy is changed in place
by the agent, so neither keeps the starting content.  When a sandbox is created, the regular files of
the workspace that could be merged — text-sized (at most ``MAX_FILE`` bytes), not secret, not ignored
by git when the workspace is a git repository, at most ``MAX_FILES`` of them — are stored by content
in a private bare git repository inside the sandbox (``git hash-object -w --no-filters``: no
attribute filter or hook of the workspace runs), and ``base.json`` maps each path to its blob.

A file without a stored base (larger, ignored, beyond the count) is refused on promote when the real
one changed meanwhile, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

MAX_FILE = 1 << 20
MAX_FILES = 20_000


def _env(sb) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_DIR=sb.sub("base.git"), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               LC_ALL="C")
    return env


def _candidates(ws: str, man: dict, masked: set) -> list[str]:
    rels = [r for r, e in man.items() if e[0] == "f" and e[2] <= MAX_FILE]
    git = shutil.which("git")
    if git and os.path.exists(os.path.join(ws, ".git")):
        from .. import gitsafe  # none of the repository's own commands (hooks, fsmonitor, filter drivers) run

        env = gitsafe.env({k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
        try:
            cmd = gitsafe.argv(ws, "ls-files", "-z", "--cached", "--others", "--exclude-standard", environ=env)
            if cmd is None:
                raise subprocess.SubprocessError("git: the repository's configuration could not be read")
            p = subprocess.run(cmd, capture_output=True, timeout=60, env=env)
            if p.returncode == 0:
                listed = set(p.stdout.decode("utf-8", "surrogateescape").split("\0"))
                rels = [r for r in rels if r in listed]
        except (OSError, subprocess.SubprocessError):
            pass
    rels = [r for r in rels if r not in masked and not any(r.startswith(m + "/") for m in masked)
            and not r.startswith(".git/")]
    return sorted(rels)[:MAX_FILES]


def capture(sb, man: dict, masked) -> int:
    """Store the base of each mergeable file; returns how many (0 when git is missing: nothing merges)."""
    git = shutil.which("git")
    if not git:
        return 0
    ws = sb.workspace
    rels = _candidates(ws, man, set(masked))
    env = _env(sb)
    try:
        subprocess.run([git, "init", "-q", "--bare", sb.sub("base.git")], env=env, check=True,
                       capture_output=True, timeout=60)
        if not rels:
            return 0
        paths = "\n".join(os.path.join(ws, r) for r in rels if "\n" not in r) + "\n"
        p = subprocess.run([git, "hash-object", "-w", "--no-filters", "--stdin-paths"], input=paths.encode(
            "utf-8", "surrogateescape"), env=env, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return 0
    if p.returncode != 0:
        return 0
    shas = p.stdout.decode().split()
    rels = [r for r in rels if "\n" not in r]
    if len(shas) != len(rels):
        return 0
    with open(sb.sub("base.json"), "w", encoding="utf-8") as f:
        json.dump(dict(zip(rels, shas)), f)
    return len(rels)


def blob(sb, rel: str) -> bytes | None:
    """The file's content as the sandbox started, None when it was not kept."""
    try:
        with open(sb.sub("base.json"), encoding="utf-8") as f:
            sha = json.load(f).get(rel)
    except (OSError, ValueError):
        return None
    if not sha:
        return None
    try:
        p = subprocess.run(["git", "cat-file", "blob", sha], env=_env(sb), capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout if p.returncode == 0 else None


def _texty(b: bytes) -> bool:
    return b"\0" not in b and len(b) <= MAX_FILE


def merge(base: bytes, ours: bytes, theirs: bytes, name: str) -> tuple[bool, bytes | str]:
    """(True, merged bytes) for a clean merge; (False, why — with the conflict shown) otherwise."""
    import tempfile

    if not (_texty(base) and _texty(ours) and _texty(theirs)):
        return False, "a binary or large file changed both here and in the sandbox: not merged"
    with tempfile.TemporaryDirectory(prefix="interlock-merge-") as d:
        files = []
        for label, data in (("real", ours), ("base", base), ("sandbox", theirs)):
            p = os.path.join(d, label)
            with open(p, "wb") as f:
                f.write(data)
            files.append(p)
        try:
            p = subprocess.run(["git", "merge-file", "-p", "-L", f"real {name}", "-L", "as the sandbox started",
                                "-L", f"sandbox {name}", *files], capture_output=True, timeout=60,
                               env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"})
        except (OSError, subprocess.SubprocessError) as e:
            return False, f"git merge-file could not run ({type(e).__name__})"
    if p.returncode == 0:
        return True, p.stdout
    if 0 < p.returncode <= 127:
        shown = "".join(ch if ch.isprintable() or ch in "\n\t" else repr(ch)[1:-1]  # no terminal escapes
                        for ch in p.stdout.decode("utf-8", "replace"))
        if len(shown) > 4000:
            shown = shown[:4000] + "\n[… the rest not shown]"
        return False, (f"changed both here and in the sandbox, and the changes conflict "
                       f"({p.returncode} conflict(s)); the three-way merge:\n" + shown)
    return False, f"git merge-file failed ({p.stderr.decode('utf-8', 'replace').strip()[:200]})"
