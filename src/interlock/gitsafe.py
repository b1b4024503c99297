"""Git, run by Interlock on a repository an agent can write to, with none of the repository's commands.

A repository's configuration names programs git runs on its own: ``core.fsmonitor`` on every ``status``,
the ``clean``/``process`` filters of ``.gitattributes`` drivers whenever a file's stat data looks racy, diff
``textconv``/``command`` drivers, hooks.  When Interlock judges, previews or snapshots, it runs git in the
agent's workspace — so an agent that wrote ``.git/config`` would have its command run by Interlock, unjudged
(tested: ``git status`` after ``touch`` runs ``filter.X.process``).  Every such key is overridden with an
empty value on the command line (read from the configuration first: reading it runs nothing); hooks point at
/dev/null.  ``argv`` is None when the configuration could not be read: callers treat that as git failing."""

from __future__ import annotations

import os
import re
import subprocess

_FIXED = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
          "-c", "core.pager=cat", "-c", "diff.external=", "-c", "core.sshCommand=", "-c", "core.askPass=",
          "-c", "protocol.ext.allow=never")
# the keys whose values are commands git may run during status, diff, ls-files, stash, check-ignore…
_COMMAND_KEY = re.compile(r"^(?:filter\..+\.(?:clean|smudge|process)|diff\..+\.(?:textconv|command)|"
                          r"merge\..+\.driver)$", re.I)


def env(base: dict | None = None, **extra) -> dict:
    """The environment for such a git: no optional index locks, no prompts, the C locale."""
    e = dict(os.environ if base is None else base)
    e.update(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C", **extra)
    return e


def argv(cwd: str, *args: str, environ: dict | None = None, timeout: float = 3) -> list[str] | None:
    """``git -c … -C cwd ARGS`` with every command the configuration names switched off; None when the
    configuration can't be read (a timeout, no git)."""
    try:
        r = subprocess.run(["git", *_FIXED, "-C", cwd, "config", "--null", "--get-regexp", r"^(filter|diff|merge)\."],
                           capture_output=True, timeout=timeout, env=environ if environ is not None else env())
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode not in (0, 1):  # 1: no such key; 128 and others: not a repository, or unreadable
        return ["git", *_FIXED, "-C", cwd, *args] if r.returncode == 128 and b"not a git repository" in r.stderr \
            else None
    off: list[str] = []
    for item in r.stdout.split(b"\0"):
        key = item.split(b"\n", 1)[0].decode("utf-8", "surrogateescape")
        if key and _COMMAND_KEY.match(key):
            off += ["-c", f"{key}="]
    return ["git", *_FIXED, *off, "-C", cwd, *args]


def run(cwd: str, *args: str, timeout: float = 10, environ: dict | None = None, text: bool = False):
    """subprocess.run of ``argv``; raises subprocess.SubprocessError when the configuration can't be read."""
    e = environ if environ is not None else env()
    cmd = argv(cwd, *args, environ=e, timeout=min(timeout, 3))
    if cmd is None:
        raise subprocess.SubprocessError("git: the repository's configuration could not be read")
    return subprocess.run(cmd, capture_output=True, timeout=timeout, env=e, text=text)
