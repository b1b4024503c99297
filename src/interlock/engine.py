"""The decision core: Action → Findings (analysis: facts) → weighed once (``weighing``: severity
from the catalogue, the target's environment) → Decision (policy).

Every entry point (agent hooks, ``interlock check``, the gateways, the MCP proxy) calls
``evaluate``.  It is pure apart from reading files the action names (scripts it
runs, the policy) and never raises: a failure becomes a fail-closed Decision.
"""

from __future__ import annotations

import os

from . import knowledge
from .actions import (ALLOW, ASK, DECISION_RANK, DEFAULT_DECISIONS, DENY, OPAQUE, READ, SHELL, Action, Decision,
                      Finding, worst_severity)
from .analysis import dispatch as _dispatch
from .analysis.paths import PathContext, find_workspace
from .redact import redact
from .selfprotect import (AGENT_SETTINGS, APPROVAL_FILES, _linkable, _lmtimes, _mtimes,  # noqa: F401  (re-exported)
                          approval_store_paths, installed_code, is_approval_store, mcp_configs, self_paths)
from .selfprotect import secret_globs as _secret_globs  # noqa: F401  (re-exported)

_SELF_CACHE = {}


def _self_paths_cached(home, workspace, env):
    key = (home, workspace, env.get("INTERLOCK_HOME"), env.get("XDG_CONFIG_HOME"), env.get("XDG_STATE_HOME"),
           env.get("PATH"),  # where a program named `interlock` would shadow Interlock's
           _mtimes(mcp_configs(home, workspace)),  # init --mcp changes what is protected
           _lmtimes(_linkable(home, workspace, env)[:5]))  # a policy, config or state dir made a symlink
    globs = _SELF_CACHE.get(key)
    if globs is None:
        from .analysis.paths import _GlobSet

        if len(_SELF_CACHE) > 64:
            _SELF_CACHE.clear()
        globs = _SELF_CACHE[key] = _GlobSet(self_paths(home, workspace, env))
    return globs


def _login_name():
    """The user this process runs as, when the environment does not say (no USER under cron, CI, sudo -i)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        return None


class Context:
    """Where an action runs: resolved once per action."""

    __slots__ = ("cwd", "home", "workspace", "env", "user", "policy", "pctx", "_secret_globs", "_shell", "facts")

    def __init__(self, cwd, home=None, workspace=None, env=None, policy=None):
        env = os.environ if env is None else env
        self.env = env
        self.user = env.get("USER") or env.get("LOGNAME") or _login_name()
        self.home = (home or env.get("HOME") or os.path.expanduser("~")).rstrip("/") or "/"
        self.cwd = cwd or os.getcwd()
        self.workspace = find_workspace(self.cwd, workspace)
        if policy is None:
            from . import policy as _policy

            policy = _policy.load(self.workspace, env, self.home)
        self.policy = policy
        self.pctx = PathContext(self.cwd, self.home, self.workspace,
                                protected=policy.protected_paths(self.workspace),
                                self_paths=_self_paths_cached(self.home, self.workspace, env))
        self._secret_globs = None
        self._shell = None
        self.facts = None  # what the analysis read and ran (approvals bind an approval to it)


def analyze(action: Action, ctx: Context) -> list[Finding]:
    """What the action does (analysis' facts), weighed once: severity from the catalogue and the
    target's environment (``interlock.weighing``) — the one place every entry point goes through."""
    with knowledge.watch() as tripped:
        findings = _dispatch.analyze(action, ctx)
    for err in tripped:  # a knowledge file that could not be read was needed: fail closed, saying which
        name, _, why = redact(str(err)).partition(": ")
        if not any(f.rule == "interlock.error" and name in (f.why or "") + (f.note or "") for f in findings):
            findings.append(Finding("interlock.error", OPAQUE, "unknown", target=name,
                                    why=f"Interlock's knowledge file {name} could not be read ({why[:160]}), "
                                        "so this action could not be judged; it fails closed"))
    if findings:  # most actions have none: the weighing loads on first use
        global _WEIGH
        if _WEIGH is None:
            from .weighing import weigh as _WEIGH
        _WEIGH(findings)
    return findings


_WEIGH = None


def decide(findings, policy) -> Decision:
    if not findings:
        return Decision(ALLOW, READ)
    verdict = ALLOW
    reasons = []
    hints = []
    blocking = []
    overridden = []  # findings a [[rules]] override let through: the allow names it
    for f in findings:
        d, override = policy.decide(f)
        if DECISION_RANK[d] > DECISION_RANK[verdict]:
            verdict = d
        if d != ALLOW:
            blocking.append(f)
            _redact_finding(f)  # shown to the agent and the user: never with a secret in them
            reasons.append(_reason(f, d, override))
            if override is None:
                hints.append(_hint(f))
        elif override is not None and DEFAULT_DECISIONS.get(f.severity, ALLOW) != ALLOW:
            _redact_finding(f)
            overridden.append(_reason(f, d, override))
    severity = worst_severity(f.severity for f in (blocking or findings))
    return Decision(verdict, severity, findings, reasons or overridden, policy_hints=hints)


def _redact_finding(f: Finding):
    f.evidence = redact(f.evidence) if f.evidence else f.evidence
    f.target = redact(f.target) if isinstance(f.target, str) else f.target
    f.note = redact(f.note) if f.note else f.note


def _reason(f: Finding, decision: str, override) -> str:
    where = f" in {f.location}" if f.location else ""
    target = f" → {f.target}" if f.target else ""
    env = f" [{f.environment}]" if f.environment else ""
    note = f" ({f.note})" if f.note else ""
    by = ""
    if override is not None:
        by = f" ({decision} by policy: {override.describe()}{': ' + override.reason if override.reason else ''})"
    # evidence, target and note are redacted already (_redact_finding); the rest is Interlock's own text
    return f"{f.severity}{env} — {f.why} `{f.evidence}`{target}{where}{note} [{f.rule}]{by}"


def _hint(f: Finding) -> str:
    return (f"to allow, a human can add to ~/.config/interlock/policy.toml: "
            f"[[rules]] id = \"{f.rule}\" decision = \"allow\"")


def evaluate(action: Action, ctx: Context | None = None) -> Decision:
    """Judge one action.  Never raises."""
    try:
        if ctx is None:
            ctx = Context(action.cwd)
        findings = analyze(action, ctx)
        d = decide(findings, ctx.policy)
        if d.decision != ALLOW and "INTERLOCK_SANDBOX" in ctx.env:  # inside `interlock sandbox`: the copies
            from .sandbox.inside import rehearse

            d = rehearse(d, ctx)
        return d
    except Exception as e:  # fail closed
        return failure(e)


#: What an invalid policy's decisions tell the agent and the human (the file and line are in the error).
POLICY_FIX = "a human can see what is wrong with `interlock policy`; until it is fixed every action is denied"


def failure(e: BaseException) -> Decision:
    """The fail-closed decision for an error met while judging, worded once for every entry point:
    an invalid policy denies, naming the file, the line and the command that explains it."""
    from .policy import PolicyError

    if isinstance(e, PolicyError):
        return Decision.failure(f"the Interlock policy is invalid: {redact(str(e))} — {POLICY_FIX}", DENY)
    return Decision.failure(f"{type(e).__name__}: {redact(str(e))[:300]}", ASK)


def check_command(command: str, cwd: str | None = None, home: str | None = None,
                  workspace: str | None = None, policy=None, env=None) -> Decision:
    """Convenience for scripts and benchmarks: judge one shell command."""
    cwd = cwd or os.getcwd()
    try:
        ctx = Context(cwd, home=home, workspace=workspace, env=env, policy=policy)
    except Exception as e:
        d = failure(e)
        d.decision = DENY
        return d
    return evaluate(Action(SHELL, {"command": command}, cwd=cwd, workspace=ctx.workspace), ctx)


__all__ = ["Context", "evaluate", "check_command", "analyze", "decide", "failure", "DENY", "ASK", "ALLOW"]
