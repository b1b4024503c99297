"""Action, Finding and Decision: the vocabulary every part of Interlock speaks.

Plain values with no I/O.  They are deliberately hand-written classes with
``__slots__`` rather than dataclasses: this module is on the hook's import path,
which runs before every tool call an agent makes.
"""

from __future__ import annotations

import json


def sha256_hex(data: bytes) -> str:
    """SHA-256 without loading OpenSSL (hashlib's import costs ~5 ms on every hook call)."""
    try:
        from _sha256 import sha256  # CPython <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256
    return sha256(data).hexdigest()

# --- severity ---------------------------------------------------------------

READ = "read"
WRITE = "write"
DESTRUCTIVE = "destructive"
CATASTROPHIC = "catastrophic"
CREDENTIAL = "credential"
OPAQUE = "opaque"

#: Damage severities, lowest first.  ``credential`` and ``opaque`` are not about
#: damage; they rank for display only (see ``SEVERITY_RANK``).
SEVERITIES = (READ, WRITE, DESTRUCTIVE, CATASTROPHIC, CREDENTIAL, OPAQUE)
SEVERITY_RANK = {READ: 0, WRITE: 1, OPAQUE: 2, DESTRUCTIVE: 3, CREDENTIAL: 4, CATASTROPHIC: 5}

# --- decisions --------------------------------------------------------------

ALLOW = "allow"
ASK = "ask"
DENY = "deny"
DECISIONS = (ALLOW, ASK, DENY)
DECISION_RANK = {ALLOW: 0, ASK: 1, DENY: 2}

#: What each severity gets when no policy says otherwise (docs/architecture.md, "Defaults").
DEFAULT_DECISIONS = {
    READ: ALLOW,
    WRITE: ALLOW,
    DESTRUCTIVE: ASK,
    CATASTROPHIC: DENY,
    CREDENTIAL: DENY,
    OPAQUE: ASK,
}


def stricter(a: str, b: str) -> str:
    """The stricter of two decisions."""
    return a if DECISION_RANK[a] >= DECISION_RANK[b] else b


def worst_severity(severities) -> str:
    worst = READ
    for s in severities:
        if SEVERITY_RANK[s] > SEVERITY_RANK[worst]:
            worst = s
    return worst


# --- action kinds -----------------------------------------------------------

SHELL = "shell"
#: Fields of an agent's shell tool that describe the command and never change what runs.
SHELL_NARRATIVE = frozenset({"description", "justification"})
SQL = "sql"
HTTP = "http"
FILE_READ = "file_read"
FILE_WRITE = "file_write"
MCP_CALL = "mcp_call"
KINDS = (SHELL, SQL, HTTP, FILE_READ, FILE_WRITE, MCP_CALL)


class Action:
    """What an agent asked to do, independent of which agent asked.

    ``payload`` carries the kind-specific part: ``{"command": ...}`` for shell,
    ``{"path": ..., "content": ...}`` for file writes, ``{"server", "tool",
    "arguments"}`` for MCP calls, and so on.
    """

    __slots__ = ("kind", "payload", "agent", "session", "cwd", "workspace", "tool", "meta")

    def __init__(self, kind, payload, *, agent="cli", session=None, cwd=None,
                 workspace=None, tool=None, meta=None):
        if kind not in KINDS:
            raise ValueError(f"unknown action kind {kind!r}")
        self.kind = kind
        self.payload = payload
        self.agent = agent
        self.session = session
        self.cwd = cwd
        self.workspace = workspace
        self.tool = tool
        self.meta = meta or {}

    @property
    def summary(self) -> str:
        """One line saying what the action is (not redacted: callers redact)."""
        p = self.payload
        if self.kind == SHELL:
            return p.get("command", "")
        if self.kind in (FILE_READ, FILE_WRITE):
            return f"{self.tool or self.kind} {p.get('path', '')}"
        if self.kind == MCP_CALL:
            return f"mcp {p.get('server', '')}/{p.get('tool', '')}"
        if self.kind == HTTP:
            return f"{p.get('method', 'GET')} {p.get('url', '')}"
        if self.kind == SQL:
            return p.get("statement", "")
        return self.kind

    def canonical(self, findings=None) -> dict:
        """The fields an approval is bound to, in a stable shape.

        With ``findings``, what analysis resolved is bound too (rule, severity, target,
        environment): an approval given for ``staging`` never matches the same text
        that now resolves to ``prod``.
        """
        d = {
            "kind": self.kind,
            "agent": self.agent,
            "workspace": self.workspace,
            "cwd": self.cwd,
            "tool": self.tool,
            "payload": self.payload,
        }
        ti = self.meta.get("tool_input") if self.meta else None
        if ti is not None:  # every field of the agent's tool call (an Edit's old_string, replace_all...)
            if self.kind == SHELL and isinstance(ti, dict):
                # but a shell tool's narrative (Bash's `description`) is the model's words about the
                # command, not what runs: it changes from one retry to the next
                ti = {k: v for k, v in ti.items() if k not in SHELL_NARRATIVE}
            d["tool_input"] = ti
        if findings is not None:
            d["findings"] = sorted({(f.rule, f.severity, str(f.target or ""), str(f.environment or ""))
                                    for f in findings})
        return d

    def digest(self, findings=None) -> str:
        """SHA-256 of the canonical action: the one hasher of actions."""
        blob = json.dumps(self.canonical(findings), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str)
        return sha256_hex(blob.encode("utf-8", "surrogatepass"))

    def __repr__(self):
        return f"Action({self.kind!r}, {self.summary[:80]!r})"


class Finding:
    """One thing analysis learned about an action."""

    __slots__ = ("rule", "severity", "effect", "target", "evidence", "why",
                 "reversible", "environment", "location", "note", "weighed")

    def __init__(self, rule, severity, effect, target=None, evidence="", why="",
                 reversible=None, environment=None, location=None, note=None):
        self.rule = rule              # rule id, e.g. "fs.rm-home"
        self.severity = severity      # one of SEVERITIES
        self.effect = effect          # "delete", "overwrite", "history-rewrite", ...
        self.target = target          # path, branch, host, table...
        self.evidence = evidence      # the exact sub-command after unwrapping
        self.why = why                # one line a human reads
        self.reversible = reversible
        self.environment = environment  # "prod", "staging"... when resolved
        self.location = location      # "scripts/x.sh:12" when found inside a file
        self.note = note
        self.weighed = False          # set by interlock.weighing (the engine weighs a finding once)

    def to_dict(self) -> dict:
        d = {"rule": self.rule, "severity": self.severity, "effect": self.effect,
             "target": self.target, "evidence": self.evidence, "why": self.why}
        for k in ("reversible", "environment", "location", "note"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d

    def __repr__(self):
        return f"Finding({self.rule!r}, {self.severity!r}, target={self.target!r}, evidence={self.evidence!r})"


class Decision:
    """The verdict on an action, with every reason a human needs."""

    __slots__ = ("decision", "severity", "findings", "reasons", "rules", "error", "policy_hints", "approval")

    def __init__(self, decision, severity, findings=(), reasons=(), error=None, policy_hints=()):
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        self.decision = decision
        self.severity = severity
        self.findings = list(findings)
        self.reasons = list(reasons)
        fs = self.findings
        self.rules = [fs[0].rule] if len(fs) == 1 else sorted({f.rule for f in fs})
        self.error = error
        self.policy_hints = list(policy_hints)
        self.approval = None          # set by interlock.approvals.hook: the request this decision filed or used

    @classmethod
    def failure(cls, message: str, decision: str = DENY) -> "Decision":
        """A fail-closed verdict for when Interlock itself could not judge."""
        f = Finding("interlock.error", OPAQUE, "unknown", why=message)
        return cls(decision, OPAQUE, [f], [f"Interlock could not judge this action: {message}"], error=message)

    def to_dict(self) -> dict:
        from .redact import redact  # every finding shown anywhere is redacted

        d = {"decision": self.decision, "severity": self.severity, "rules": self.rules,
             "reasons": self.reasons, "findings": [redact(f.to_dict()) for f in self.findings]}
        if self.error:
            d["error"] = self.error
        return d

    def __repr__(self):
        return f"Decision({self.decision!r}, {self.severity!r}, rules={self.rules})"
