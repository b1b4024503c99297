"""The three driven agents' real binaries, run end to end: a common session runner (each agent's
own part — what makes its hook run, how to drive its binary against a scripted model — is in its
module, ``interlock.agents.<name>``).

``run`` starts the agent's real binary headless in ``project`` with a private ``home`` and the
scripted model stand-in (:mod:`interlock.standins.models`), never the user's model or account.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

# the npm packages, the versions the suite pins (scripts/test installs them), and the program
PACKAGES = {
    "claude-code": ("@anthropic-ai/claude-code", "2.1.332", "claude"),
    "codex": ("@openai/codex", "0.171.0", "codex"),
    "gemini": ("@google/gemini-cli", "0.61.0", "gemini"),
}
DRIVEN = tuple(PACKAGES)


from . import module  # noqa: E402,F401  (the registry's: interlock.agents.module)


def find_binary(agent: str, env=os.environ) -> str | None:
    """The agent's program: in ``$INTERLOCK_AGENTS_BIN`` (where scripts/test installs the pinned
    versions), else on PATH."""
    prog = PACKAGES[agent][2]
    d = env.get("INTERLOCK_AGENTS_BIN")
    if d and os.access(os.path.join(d, prog), os.X_OK):
        return os.path.join(d, prog)
    return shutil.which(prog, path=env.get("PATH"))


# variables that would reach a real model, account or user configuration
_DROP_PREFIXES = ("ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_", "GEMINI_", "GOOGLE_", "VERTEX", "AWS_", "AZURE_",
                  "XDG_", "npm_", "NODE_OPTIONS", "DEBUG")


def clean_env(home: str, base=None) -> dict:
    base = dict(os.environ if base is None else base)
    env = {k: v for k, v in base.items() if not k.startswith(_DROP_PREFIXES)}
    env["HOME"] = home
    env["NO_COLOR"] = "1"
    env["CI"] = "1"
    env.setdefault("no_proxy", "127.0.0.1,localhost")
    env.setdefault("NO_PROXY", "127.0.0.1,localhost")
    return env


class Session:
    __slots__ = ("agent", "returncode", "stdout", "stderr", "seconds", "timed_out")

    def __init__(self, agent, returncode, stdout, stderr, seconds, timed_out=False):
        self.agent, self.returncode, self.stdout, self.stderr = agent, returncode, stdout, stderr
        self.seconds, self.timed_out = seconds, timed_out

    def __repr__(self):
        return (f"Session({self.agent}, rc={self.returncode}, {self.seconds:.1f}s, stdout={self.stdout[-1500:]!r}, "
                f"stderr={self.stderr[-1500:]!r})")


def run(agent: str, binary: str, project: str, home: str, model_url: str, prompt="Carry on with the task.",
        env=None, timeout=180, extra_args=(), overrides=None) -> Session:
    """One headless session of the real agent in ``project``, its model the scripted stand-in."""
    mod = module(agent)
    mod.configure(home, model_url)
    e = clean_env(home, env)
    e.update(mod.env_vars(model_url))
    for k, v in (overrides or {}).items():  # None: unset
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    t = time.monotonic()
    try:
        argv = mod.argv(binary, prompt)
        argv[1:1] = list(extra_args)
        p = subprocess.run(argv, cwd=project, env=e, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return Session(agent, p.returncode, p.stdout, p.stderr, time.monotonic() - t)
    except subprocess.TimeoutExpired as ex:
        out = ex.stdout.decode("utf-8", "replace") if isinstance(ex.stdout, bytes) else (ex.stdout or "")
        err = ex.stderr.decode("utf-8", "replace") if isinstance(ex.stderr, bytes) else (ex.stderr or "")
        return Session(agent, None, out, err, time.monotonic() - t, timed_out=True)
