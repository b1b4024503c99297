"""The decision core: Action → Findings (analysis) → Decision (policy).

Every entry point (agent hooks, ``interlock check``, the gateways, the MCP proxy) calls
``evaluate``.  It is pure apart from reading files the action names (scripts it
runs, the policy) and never raises: a failure becomes a fail-closed Decision.
"""

from __future__ import annotations

import json
import os

from .actions import (ALLOW, ASK, DECISION_RANK, DEFAULT_DECISIONS, DENY, FILE_READ, FILE_WRITE, HTTP, MCP_CALL, READ,
                      SHELL, SQL, Action, Decision, Finding, worst_severity)
from .analysis.paths import PathContext, find_workspace
from .redact import redact

AGENT_SETTINGS = (".claude/settings.json", ".claude/settings.local.json", ".cursor/hooks.json",
                  ".codex/hooks.json", ".codex/config.toml", ".gemini/settings.json",
                  ".github/hooks/interlock.json", ".copilot/hooks/interlock.json", ".windsurf/hooks.json",
                  ".codeium/windsurf/hooks.json", ".vscode/settings.json", ".github/hooks/interlock-vscode.json",
                  ".codex/rules/interlock.rules")


def self_paths(home: str, workspace: str | None, env=os.environ):
    """Globs of everything an agent must not change: policy, state, hook registrations."""
    from .policy import config_dir, state_dir

    default_state = state_dir({"HOME": home})
    out = [config_dir(env) + "/**", config_dir(env), state_dir(env) + "/**", state_dir(env),
           default_state + "/**", default_state, f"{home}/.config/interlock/**", f"{home}/.config/interlock",
           "/etc/claude-code/**", "/etc/cursor/hooks.json", "/Library/Application Support/ClaudeCode/**"]
    out += [state_dir(env) + "/snapshots", state_dir(env) + "/snapshots/**"]  # safeguards' snapshot store
    backups = env.get("INTERLOCK_BACKUP_HOME") or "/var/lib/interlock-backup"  # `interlock backups`' store, unit
    out += [backups, backups + "/**", "/etc/systemd/system/interlock-backups.service"]
    for rel in AGENT_SETTINGS:
        out.append(f"{home}/{rel}")
    out.append(f"{home}/.claude/settings*.json")
    if workspace:
        out += [f"{workspace}/.interlock/**", f"{workspace}/.interlock"]
        for rel in AGENT_SETTINGS:
            if rel != ".vscode/settings.json":
                out.append(f"{workspace}/{rel}")
        out.append(f"{workspace}/.claude/settings*.json")
    out += [p for p in mcp_configs(home, workspace) if _routes_through_interlock(p)]
    out += installed_code()
    out += _link_targets(_linkable(home, workspace, env))
    return out


def _linkable(home, workspace, env):
    """Interlock's own files and directories that may be symlinks (a dotfile manager's, or an
    agent's): what they point to is as much Interlock's as they are."""
    from .policy import config_dir, state_dir

    out = [config_dir(env), os.path.join(config_dir(env), "policy.toml"), state_dir(env),
           f"{home}/.config", f"{home}/.claude"]
    out += [f"{home}/{rel}" for rel in AGENT_SETTINGS]
    if workspace:
        out += [f"{workspace}/.interlock", f"{workspace}/.interlock/policy.toml", f"{workspace}/.claude"]
        out += [f"{workspace}/{rel}" for rel in AGENT_SETTINGS if rel != ".vscode/settings.json"]
    return out


def _link_targets(paths) -> list:
    out = []
    for p in paths:
        try:
            if not os.path.islink(p):
                continue
            real = os.path.realpath(p)
        except OSError:
            continue
        out += [real, real + "/**"]
    return out


def _lmtimes(paths) -> tuple:
    out = []
    for p in paths:
        try:
            st = os.lstat(p)
            out.append((st.st_ino, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def installed_code() -> list:
    """Globs of the code that runs the hook: this package, the interpreter environment's entry
    point and start-up hooks (``*.pth``, sitecustomize), and a system-mode configuration.  Code the
    agent could change is a hook it could rewrite (an editable install's source tree included:
    develop Interlock with a separate install guarding the agent)."""
    import sys

    pkg = os.path.dirname(os.path.abspath(__file__))
    ver = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    out = [pkg, pkg + "/**", "/etc/interlock", "/etc/interlock/**", "/etc/gemini-cli/settings.json",
           "/etc/systemd/system/interlock.service"]
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        site = f"{prefix}/lib/{ver}/site-packages"
        out += [f"{site}/*.pth", f"{site}/sitecustomize.py", f"{site}/usercustomize.py", f"{site}/interlock*",
                f"{site}/interlock*/**", f"{site}/__editable__*interlock*", f"{prefix}/bin/interlock",
                f"{prefix}/bin/python*", f"{prefix}/pyvenv.cfg"]
    return out


def mcp_configs(home: str, workspace: str | None) -> list:
    """Agents' MCP server lists that `interlock init --mcp` may have routed through the proxy."""
    out = [f"{home}/.claude.json", f"{home}/.cursor/mcp.json"]
    if workspace:
        out += [f"{workspace}/.mcp.json", f"{workspace}/.cursor/mcp.json"]
    return out


def _routes_through_interlock(path: str) -> bool:
    """An MCP config that sends servers through `interlock mcp-proxy` is Interlock's to keep: an
    agent that rewrote it would take its tools around the gateway.  (One that doesn't is the
    user's and the agent's: adding an MCP server is ordinary work.)"""
    try:
        with open(path, "rb") as f:
            return b"mcp-proxy" in f.read(4 << 20)
    except OSError:
        return False


def _mtimes(paths) -> tuple:
    out = []
    for p in paths:
        try:
            out.append(os.stat(p).st_mtime_ns)
        except OSError:
            out.append(None)
    return tuple(out)


#: Interlock's approval state: reading it helps an agent approve itself (approver secret hashes
#: to guess offline, request ids and hashes), writing it would forge an approval.
APPROVAL_FILES = ("approvals.db", "approvals.db-wal", "approvals.db-shm", "approvals.db-journal", "approvers.json",
                  "dashboard.key",  # dashboard.key signs `interlock serve` session cookies
                  "pgpass")  # the shared store's password in team mode (approvals.store_pg)
_APPROVAL_CACHE = {}


def approval_store_paths(home: str, env=os.environ) -> tuple:
    """The approvals database and approver secrets (and the state directories holding them)."""
    key = (home, env.get("INTERLOCK_HOME"), env.get("XDG_STATE_HOME"), env.get("INTERLOCK_STORE"))
    got = _APPROVAL_CACHE.get(key)
    if got is None:
        from .policy import state_dir

        dirs = sorted({state_dir(env).rstrip("/"), state_dir({"HOME": home}).rstrip("/")})
        files = [f"{d}/{n}" for d in dirs for n in APPROVAL_FILES]
        store = env.get("INTERLOCK_STORE") or ""
        if store.startswith("sqlite:///"):
            files += [store[len("sqlite://"):] + s for s in ("", "-wal", "-shm", "-journal")]
        got = _APPROVAL_CACHE[key] = (tuple(files), tuple(dirs))
    return got


def is_approval_store(path: str, home: str, env=os.environ, glob=False, paths=None) -> bool:
    """``paths``: ``approval_store_paths(home, env)`` already computed (once per analysis)."""
    files, dirs = paths or approval_store_paths(home, env)
    if glob:
        from fnmatch import fnmatchcase

        return any(fnmatchcase(f, path) for f in files)
    return path in files or path in dirs


_SELF_CACHE = {}


def _self_paths_cached(home, workspace, env):
    key = (home, workspace, env.get("INTERLOCK_HOME"), env.get("XDG_CONFIG_HOME"), env.get("XDG_STATE_HOME"),
           _mtimes(mcp_configs(home, workspace)),  # init --mcp changes what is protected
           _lmtimes(_linkable(home, workspace, env)[:5]))  # a policy, config or state dir made a symlink
    globs = _SELF_CACHE.get(key)
    if globs is None:
        from .analysis.paths import _GlobSet

        if len(_SELF_CACHE) > 64:
            _SELF_CACHE.clear()
        globs = _SELF_CACHE[key] = _GlobSet(self_paths(home, workspace, env))
    return globs


class Context:
    """Where an action runs: resolved once per action."""

    __slots__ = ("cwd", "home", "workspace", "env", "user", "policy", "pctx", "_secret_globs", "_shell", "facts")

    def __init__(self, cwd, home=None, workspace=None, env=None, policy=None):
        env = os.environ if env is None else env
        self.env = env
        self.user = env.get("USER")
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


def _secret_globs(ctx):
    """The policy's extra/exempt secret globs plus the vault (once per Context)."""
    if ctx._secret_globs is None:
        from .policy import state_dir

        extra, exempt = ctx.policy.secret_globs(ctx.workspace)
        vaults = [state_dir(ctx.env) + "/vault", state_dir({"HOME": ctx.home}) + "/vault"]
        ctx._secret_globs = (extra + vaults + [v + "/**" for v in vaults], exempt)
    return ctx._secret_globs


def analyze(action: Action, ctx: Context) -> list[Finding]:
    findings = _analyze_kind(action, ctx)
    findings.extend(_literal_tokens(action))
    return findings


_LITERAL = None
_SHELL_ANALYZER = None


def _literal_tokens(action: Action) -> list[Finding]:
    """A token pasted into a command, file, URL or tool argument (the incident's shape)."""
    p = action.payload
    if action.kind == SHELL:  # the hot path: a command is the only text
        v = p.get("command")
        texts = [v] if isinstance(v, str) and v else []
    else:
        texts = [v for v in (p.get(k) for k in ("command", "url", "content", "new_string", "statement", "body"))
                 if isinstance(v, str) and v]
    if action.kind == MCP_CALL and p.get("arguments"):
        import json

        texts.append(json.dumps(p.get("arguments"), ensure_ascii=False, default=str))
    if not texts:
        return []
    global _LITERAL
    if _LITERAL is None:  # loaded on first use; a function-level import costs ~1 µs on every call
        from .analysis.literal_secrets import find_secrets
        from .rules import RULES

        _LITERAL = (find_secrets, RULES["secrets.literal-token"])
    find_secrets, rule = _LITERAL
    out = []
    for text in texts:
        for hit in find_secrets(text[:200_000])[:5]:
            out.append(Finding(rule.id, rule.severity, "send-secret", hit.kind,
                               f"{hit.kind} {hit.masked}", rule.why, note=f"line {hit.line}" if hit.line > 1 else None))
    return out


def _analyze_kind(action: Action, ctx: Context) -> list[Finding]:
    kind = action.kind
    if kind == SHELL:
        global _SHELL_ANALYZER
        if _SHELL_ANALYZER is None:
            from .analysis.shell.analyzer import ShellAnalyzer

            _SHELL_ANALYZER = ShellAnalyzer
        if ctx._shell is None:  # what every shell analysis in this Context shares, computed once
            extra, exempt = _secret_globs(ctx)
            ctx._shell = dict(env=ctx.env, user=ctx.user, protected_branches=tuple(ctx.policy.protected_branches),
                              resolve_environment=ctx.policy.environment_for, secret_extra=tuple(extra),
                              secret_exempt=tuple(exempt), approval_paths=approval_store_paths(ctx.home, ctx.env))
        a = _SHELL_ANALYZER(ctx.pctx, **ctx._shell)
        ctx.facts = a  # .reads / .ran: facts approvals.inputs binds an approval to
        if action.session:  # what this agent wrote earlier in its session (session_memory.py)
            a.session_files = _memory().load(ctx.env, action.agent, action.session)
        found = a.analyze(action.payload.get("command", ""), ctx.cwd)
        if action.session and (a.written_text or a.aliases):
            _learn(action, ctx, a)
        return found
    if kind in (FILE_READ, FILE_WRITE):
        from .analysis import files

        found = files.analyze(action, ctx)
        if kind == FILE_WRITE and action.session:
            _learn(action, ctx, None)
        return found
    if kind == MCP_CALL:
        from .analysis import mcp

        found = mcp.analyze(action, ctx)
        args = action.payload.get("arguments")
        if args and "approv" in str(args):  # a fetch/browser tool aimed at the approval endpoints
            from .analysis.http import approval_endpoint

            v = approval_endpoint(json.dumps(args, default=str))
            if v is not None:
                found.append(_verdict_finding(v, action))
        return found
    if kind == SQL:  # statements seen by a database gateway (gateways/postgres.py)
        from .analysis import sql_action

        return sql_action.analyze(action, ctx)
    if kind == HTTP:  # a request a gateway (or an agent's fetch tool) is about to send
        from .analysis.http import analyze_payload

        return analyze_payload(action.payload, ctx.policy.environment_for)
    return []


def _memory():
    from . import session_memory

    return session_memory


def _learn(action, ctx, analyzer):
    """Remember what the action wrote, for later runs of those files in this session; never fails the call."""
    try:
        _memory().learn(action, ctx, analyzer)
    except Exception:
        pass


def _verdict_finding(v, action) -> Finding:
    from .rules import RULES

    r = RULES[v.rule]
    return Finding(r.id, r.severity, "http", v.target, action.summary[:300], r.why, note=v.note)


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
