"""Judging inside a sandbox: the agent's own hooks allow what only harms the sandbox's copies.

``engine.evaluate`` calls ``rehearse`` when ``INTERLOCK_SANDBOX`` is in the environment.  The variable
alone proves nothing, so the operating system must agree: the root file system is mounted read-only
and Interlock's state directory is the sandbox's private one (``/run/interlock/state``).  Then an
``ask`` or ``deny`` whose every risky finding is a rule of ``rehearsable.toml`` (the workspace and its
git repository — the copy — and statements acting inside one database, which the sandbox can reach
only through its branch) is allowed, saying so.  Everything else keeps its decision: pushes, the home
directory, system paths, secrets, opaque commands.
"""

from __future__ import annotations

import os

_RULES = None


def rules() -> frozenset:
    global _RULES
    if _RULES is None:
        import tomllib

        with open(os.path.join(os.path.dirname(__file__), "rehearsable.toml"), "rb") as f:
            data = tomllib.load(f)
        _RULES = frozenset(r["rule"] for r in data.get("rehearsable", []) + data.get("in_workspace", []))
    return _RULES


def in_sandbox(env) -> bool:
    from ..policy import state_dir
    from .confine import INNER_STATE

    if not env.get("INTERLOCK_SANDBOX"):
        return False
    try:
        return bool(os.statvfs("/").f_flag & os.ST_RDONLY) and os.path.realpath(state_dir(env)) == INNER_STATE
    except OSError:
        return False


def rehearse(decision, ctx):
    from ..actions import ALLOW, CATASTROPHIC, CREDENTIAL, DESTRUCTIVE, OPAQUE, Decision

    if decision.decision == ALLOW or decision.error or not in_sandbox(ctx.env):
        return decision
    risky = [f for f in decision.findings if f.severity in (DESTRUCTIVE, CATASTROPHIC, OPAQUE, CREDENTIAL)]
    if not risky or not all(f.rule in rules() for f in risky):
        return decision
    return Decision(ALLOW, decision.severity, decision.findings,
                    [f"rehearsed in sandbox {ctx.env.get('INTERLOCK_SANDBOX')}: it acts on the sandbox's copy, "
                     f"nothing real is at stake; review it with `interlock sandbox diff`"] + list(decision.reasons))
