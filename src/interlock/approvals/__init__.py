"""Human approvals: requests bound to the exact action's hash, approved by named humans.

Layout:

* ``store``     — where requests live (``ApprovalStore`` interface; SQLite by default,
                  ``$INTERLOCK_HOME/approvals.db``; ``INTERLOCK_STORE`` picks another backend)
* ``store_pg``  — team mode: requests, approvers and the audit chain on a shared PostgreSQL
* ``approvers`` — named approvers and their secrets (scrypt hashes), checked by every channel
* ``hook``      — what the agent hook does with an ``ask`` or approvable ``deny``
* ``cli``       — ``interlock approvals | approve | reject | approvers``

Imported only when a decision is ``ask`` or ``deny``: never on the hook's allow path.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

#: Default port and URL shape of the local dashboard's approval endpoints.  The agent
#: is refused any request to them (rule ``interlock.approve-endpoint``).
DASHBOARD_PORT = 7717
APPROVE_PATH = "/api/approvals/{id}/approve"
REJECT_PATH = "/api/approvals/{id}/reject"

PENDING, APPROVED, REJECTED, EXPIRED, CONSUMED = "pending", "approved", "rejected", "expired", "consumed"
STATES = (PENDING, APPROVED, REJECTED, EXPIRED, CONSUMED)
ONCE, WINDOW, SESSION = "once", "window", "session"
#: A single-use grant any session of the same agent may use (the approver's explicit choice; a plain
#: ``once`` belongs to the agent session that asked).
ONCE_ANY = "once-any-session"
PROMPT, OUT_OF_BAND = "prompt", "out-of-band"

#: Severities for which an approval is always single-use (never a window or a session).
NEVER_REUSED = ("catastrophic", "credential")


class ApprovalError(Exception):
    """An approval operation was refused; the message says why (never contains a secret)."""


class Settings:
    """The ``[approvals]`` policy table, user layer first; a project may only tighten it."""

    __slots__ = ("expiry_minutes", "wait_seconds", "approvable", "out_of_band", "max_window_minutes",
                 "session_hours", "require", "project_require")

    def __init__(self, user: dict, project: dict | None = None, trusted: bool = False):
        u = user or {}
        p = project or {}
        self.expiry_minutes = float(u.get("expiry_minutes", 10))
        self.wait_seconds = float(u.get("wait_seconds", 0))
        self.approvable = set(u.get("approvable") or ())
        self.out_of_band = set(u.get("out_of_band") or ())
        self.max_window_minutes = float(u.get("max_window_minutes", 60))
        self.session_hours = float(u.get("session_hours", 12))
        self.require = list(u.get("require") or ())
        self.project_require = []
        if p:
            self.expiry_minutes = min(self.expiry_minutes, float(p.get("expiry_minutes", self.expiry_minutes)))
            self.max_window_minutes = min(self.max_window_minutes,
                                          float(p.get("max_window_minutes", self.max_window_minutes)))
            self.session_hours = min(self.session_hours, float(p.get("session_hours", self.session_hours)))
            self.out_of_band |= set(p.get("out_of_band") or ())
            self.project_require = list(p.get("require") or ())  # may only add approvers
            if trusted:
                self.approvable = set(p.get("approvable") or self.approvable)
                self.wait_seconds = float(p.get("wait_seconds", self.wait_seconds))

    def required_approvers(self, findings) -> int:
        """Distinct approvers a request needs: the largest any ``require`` rule (or the built-in
        default: catastrophic on prod needs 2) asks for; at least 1."""
        n = 1
        rules = list(self.require)
        if not any(r.get("severity") == "catastrophic" and r.get("environment") == "prod" and not r.get("rule")
                   for r in rules):  # the user's own entry replaces the default
            rules.append({"approvers": 2, "severity": "catastrophic", "environment": "prod"})
        rules += self.project_require
        for f in findings:
            for r in rules:
                if r.get("severity") and f.severity != r["severity"]:
                    continue
                if r.get("environment") and f.environment != r["environment"]:
                    continue
                if r.get("rule") and not fnmatchcase(f.rule, r["rule"]):
                    continue
                n = max(n, int(r.get("approvers", 2)))
        return n


def settings(policy) -> Settings:
    project = policy.project.approvals if policy.project is not None else None
    return Settings(policy.user.approvals, project, policy.trusted)


def store_for(env=None):
    """The approval store this environment points at (``INTERLOCK_STORE``, else SQLite)."""
    from .store import open_store

    return open_store(env)
