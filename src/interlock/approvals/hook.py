"""What the agent hook does with an ``ask`` or an approvable ``deny``.

``handle`` is called by ``adapters.run_hook`` after the analysis budget's alarm is
cancelled, only for non-allow decisions.  Two flows:

* **prompt** — an interactive Claude Code or Cursor session: the answer stays ``ask``, so
  the agent's own dialog asks the user; the reason says what, target, environment and
  impact.  A request is still filed, so the human may approve the exact action for the
  session (``interlock approve ID --session``) instead of clicking again and again.
* **out-of-band** — agents that cannot ask (Codex, Gemini, Copilot, Windsurf), Claude Code
  in ``bypassPermissions``/``dontAsk``/``-p``, Cursor when the policy says so, and every
  approvable ``deny``: the answer is ``deny`` naming approval ``<id>``; the human runs
  ``interlock approve <id>`` in their own terminal; the identical action (same hash)
  is then allowed once.

Every failure here leaves the decision at ask/deny, with the error in the reason.
"""

from __future__ import annotations

import time

from ..actions import ALLOW, DENY, SEVERITY_RANK, Decision
from . import APPROVED, NEVER_REUSED, OUT_OF_BAND, PROMPT, REJECTED, settings

#: Longest a gateway may wait for a verdict (an agent's is its module's ``APPROVAL_WAIT_CAP_S``: under
#: that agent's hook timeout; see :func:`wait_cap`).
WAIT_CAP_S = {"http-gateway": 3600, "postgres-gateway": 3600}


def wait_cap(agent) -> float:
    """Longest ``agent``'s hook (or a gateway) may wait for a human's verdict; 20 s when unknown."""
    from .. import agents

    if agent in agents.REGISTRY:
        return getattr(agents.module(agent), "APPROVAL_WAIT_CAP_S", 20)
    return WAIT_CAP_S.get(agent, 20)


def approvable(decision, policy, s) -> bool:
    """Whether a human may let this decision through: every ``ask``, and a ``deny`` whose every
    blocking finding has a severity the policy lists in ``approvals.approvable``.  Interlock's
    self-protection and its own errors are never approvable."""
    if decision.decision == ALLOW or decision.error:
        return False
    blocking = [f for f in decision.findings if policy.decide(f)[0] != ALLOW]
    if not blocking or any(f.rule.startswith("interlock.") for f in blocking):
        return False
    if decision.decision == DENY:
        return all(f.severity in s.approvable for f in blocking if policy.decide(f)[0] == DENY)
    return True


def mode_for(agent, event, decision, s, env) -> str:
    """PROMPT when the agent itself will show the human an ``ask`` for this call (its module's
    ``approval_mode``), else OUT_OF_BAND (a request to approve elsewhere)."""
    if decision.decision == DENY or agent in s.out_of_band:
        return OUT_OF_BAND
    from .. import agents

    ask = getattr(agents.module(agent), "approval_mode", None) if agent in agents.REGISTRY else None
    return ask(event, env) if ask is not None else OUT_OF_BAND


def handle(agent, event, decision, ctx, env, started=None, wait_seconds=None):
    """The decision to answer with: allowed (an approval was redeemed), or the same ask/deny
    carrying ``decision.approval`` (the request filed), turned into deny when out-of-band.

    ``wait_seconds`` overrides ``[approvals] wait_seconds`` (a gateway's own setting)."""
    action = event.action
    s = settings(ctx.policy)
    if not approvable(decision, ctx.policy, s):
        return decision
    if _severe(decision):
        from .. import adapters

        if adapters.VIA:  # the hook daemon answers one call at a time: a preview or a snapshot
            raise adapters.Deferred()  # (seconds, on a big target) runs in the hook's own process
    from .store import open_store

    mode = mode_for(agent, event, decision, s, env)
    digest, bound, impact = bind(action, decision, ctx)
    store = open_store(env)
    grant = store.redeem(digest, action.agent, action.session)
    if grant is not None:
        return _guarded(_allowed(decision, grant), action, decision, ctx)
    findings = [f.to_dict() for f in decision.findings]
    if findings:
        if impact:
            findings[0]["impact"] = impact  # shown by `interlock approvals`, the dashboard and webhooks
        findings[0]["bound"] = bound  # what the approval is bound to besides the text (shown too)
    req = store.file(digest=digest, action=action, findings=findings, decision=decision,
                     severity=decision.severity, mode=mode, required=s.required_approvers(decision.findings),
                     expiry_minutes=s.expiry_minutes)
    from .notify import on_filed  # [approvals] webhooks: a detached sender; never waits, never raises

    on_filed(req, ctx.policy, env)
    wait = s.wait_seconds if wait_seconds is None else wait_seconds
    changed = None
    if mode == OUT_OF_BAND and wait > 0 and req.state not in (REJECTED,):
        spent = time.monotonic() - started if started else 0.0
        req = store.wait(req.id, min(wait, wait_cap(agent) - spent)) or req
        if req.state == APPROVED:
            again, _, _ = bind(action, decision, ctx)  # what runs now, not what ran when the request was filed
            if again == digest:
                grant = store.redeem(digest, action.agent, action.session)
                if grant is not None:
                    return _guarded(_allowed(decision, grant), action, decision, ctx)
            else:
                changed = ("its inputs or impact changed while it waited for approval: the approval does not "
                           "apply; retry to file a new request")
    decision.approval = {"id": req.id, "mode": mode, "state": req.state, "expires": req.expires,
                         "required": req.required, "approvers": req.approvers, "reason": req.reason,
                         "session_ok": _session_ok(decision, action) and not bound.get("unbound"),
                         "impact": impact, "bound": bound}
    decision.reasons.append(f"approval {req.id}: {req.state}" + (f" ({mode})" if req.state != REJECTED else ""))
    if changed:
        decision.reasons.append(changed)
    if mode == OUT_OF_BAND:
        decision.decision = DENY
    elif req.state != REJECTED:
        # The agent's own dialog decides, and Interlock never hears the answer: keep the copy now
        # (once per request: an identical retry while nothing changed reuses it).
        decision = _guarded(decision, action, decision, ctx, request=req.id)
    return decision


def bind(action, decision, ctx):
    """(approval hash, bound inputs, impact lines): the action's text and findings, its effective
    inputs (``inputs.collect``) and, for a destructive action, the digest of its impact preview —
    all recomputed on every try, so an approval given for one state never matches another."""
    from ..actions import sha256_hex
    from . import inputs as I

    bound = I.collect(action, ctx)
    lines, key = _preview(action, decision, ctx)
    if key is not None:
        bound = dict(bound, impact=key)
    digest = sha256_hex(f"{action.digest(decision.findings)}|{I.digest(bound)}".encode())
    return digest, bound, lines


# --- safeguards: the impact before approval, a snapshot before it runs ------------------------------

def _severe(decision) -> bool:
    from ..actions import CATASTROPHIC, DESTRUCTIVE

    return any(f.severity in (DESTRUCTIVE, CATASTROPHIC) for f in decision.findings)


def _preview(action, decision, ctx):
    """(lines of impact for the request — "DROP TABLE bookings: 48,213 rows, ..." — or None when
    there is nothing Interlock can preview; the digest of what the preview found, or None).
    Never raises (an unseen impact says so)."""
    if not _severe(decision):
        return None, None
    try:
        from .. import safeguards

        imp = safeguards.preview(action, decision, ctx)
    except Exception as e:  # noqa: BLE001 - a preview never blocks the request
        from ..redact import redact

        return [f"impact unknown: {redact(str(e))[:200]}"], "unknown"
    if not imp.lines and not imp.known and imp.error == "Interlock cannot preview this action":
        return None, None
    if not imp.known:  # a partial count differs from one try to the next: bound as "unknown"
        return (imp.summary().splitlines() or None), "unknown"
    import json

    from ..actions import sha256_hex

    key = "sha256:" + sha256_hex(json.dumps([imp.known, imp.data], sort_keys=True, default=str,
                                            ensure_ascii=False).encode("utf-8", "surrogatepass"))[:32]
    return (imp.summary().splitlines() or None), key


def _guarded(result, action, decision, ctx, request=None):
    """Before a destructive action is let through (or handed to the agent's own dialog): a
    verified snapshot of what it would destroy.  If that fails, the policy's ``on_failure``
    (default deny) decides; the reason says why."""
    if not _severe(decision):
        return result
    from .. import safeguards

    approver = ", ".join((result.approval or {}).get("approvers") or []) or None
    # the request it protects: the dialog's pending one, or the approval being used (a window or
    # session grant used again on unchanged targets reuses its copy; changed targets get a new one)
    request = request or (result.approval or {}).get("id")
    try:
        snap = safeguards.snapshot(action, decision, ctx, approver=approver, request=request)
    except safeguards.SnapshotError as e:
        env = next((f.environment for f in decision.findings if f.environment), None)
        verdict = safeguards.on_failure(ctx.policy, env)
        msg = f"snapshot before this action failed: {e}"
        if verdict == "allow":
            result.reasons.append(msg + " (the policy allows it to run anyway)")
            return result
        d = Decision(DENY, decision.severity, decision.findings, [msg] + decision.reasons)
        d.approval = dict(result.approval or {}, snapshot_error=str(e))
        return d
    if snap is not None:
        note = (f"snapshot {snap.id} of {snap.target} ({snap.size:,} bytes) taken first; "
                f"`interlock restore {snap.id}` brings it back")
        if result.decision == ALLOW:
            result.reasons.insert(0, note)  # the audit record of the allowed action names its snapshot
        result.approval = dict(result.approval or {}, snapshot=snap.id, snapshot_note=note)
    return result


def _session_ok(decision, action) -> bool:
    return bool(action.session) and decision.decision != DENY and decision.severity not in NEVER_REUSED and \
        not any(f.environment == "prod" for f in decision.findings)


def _allowed(decision, grant) -> Decision:
    who = ", ".join(grant.approvers) or "?"
    d = Decision(ALLOW, decision.severity, decision.findings,
                 [f"approved by {who} ({grant.id}, {grant.scope})"] + decision.reasons)
    d.approval = {"id": grant.id, "mode": "granted", "state": grant.state, "approvers": grant.approvers,
                  "scope": grant.scope}
    return d


# --- what the human and the agent read --------------------------------------------------------------

def _top(decision):
    fs = [f for f in decision.findings if f.rule != "interlock.error"] or decision.findings
    return max(fs, key=lambda f: SEVERITY_RANK.get(f.severity, 0)) if fs else None


def _what(decision, action):
    """What, every target, environment, impact and grant, as the human reads them in the agent's
    dialog or is told by the agent: agent-controlled text through ``display`` (bounded; the cut
    says where the whole request is)."""
    from .. import display as D
    from ..redact import redact

    ap = getattr(decision, "approval", None) or {}
    full = f"interlock approvals show {ap['id']} --full" if ap.get("id") else "interlock approvals"
    shown = []

    def L(v, n=300, multiline=False):
        r = D.render(redact(str(v)), multiline=multiline, limit=n, full=full)
        shown.append(r)
        return r.text

    f = _top(decision)
    lines = []
    if action is not None:
        from .describe import describe

        text = L(describe(action), 1200, multiline=True)
        lines.append(f"What: `{text}`" if "\n" not in text else D.gutter(text, "What:\n  │ ", "  │ "))
    targets = []
    for x in decision.findings:
        if x.target and x.target not in targets:
            targets.append(x.target)
    if targets:
        lines.append(("Target: " if len(targets) == 1 else f"Targets ({len(targets)}): ")
                     + "; ".join(L(t, 200) for t in targets[:10]) + (f"; … {len(targets) - 10} more ({full})"
                                                                    if len(targets) > 10 else ""))
    if f is not None:
        lines.append(f"Environment: {L(f.environment, 80) if f.environment else 'not resolved (local or unknown)'}")
    imp = ap.get("impact")
    lines.append("Impact: " + ("\n  ".join(L(x, 300) for x in imp) if imp else "no preview for this kind of action"))
    if ap.get("snapshot_note"):
        lines.append("Snapshot: " + ap["snapshot_note"])
    if ap.get("id") and ap.get("mode") == OUT_OF_BAND:
        who = f"the agent session that asked ({L(action.session, 80)})" if action is not None and action.session \
            else "this agent"
        lines.append(f"Grant: once, usable only by {who}, with the same inputs and impact")
    n = D.note(*shown)
    if n:
        lines.append("Note: " + n)
    return "\n".join(x for x in lines if x)


def prompt_reason(decision, action, body) -> str:
    """The reason shown in the agent's own approval dialog (Claude Code, Cursor)."""
    ap = decision.approval or {}
    text = f"Interlock: approve this {decision.severity} action?\n{_what(decision, action)}\nWhy:\n{body}"
    if ap.get("id") and ap.get("session_ok"):
        text += (f"\n(Tired of this one? `interlock approve {ap['id']} --session` in your terminal allows this "
                 "exact action for the rest of this session.)")
    return text


def out_of_band_reason(decision, action, body) -> str:
    """The deny reason that names the approval and tells the agent what to do."""
    ap = decision.approval or {}
    rid = ap.get("id", "?")
    if ap.get("state") == REJECTED:
        return (f"Interlock: a human rejected this action ({rid}): {ap.get('reason') or 'no reason given'}.\n"
                f"{_what(decision, action)}\nDo not retry it or a variant of it; ask the user how to proceed.")
    mins = max(1, round((ap.get("expires", time.time()) - time.time()) / 60))
    need = ap.get("required") or 1
    people = f"{need} different approvers must each run" if need > 1 else "a human approves it by running"
    return (f"Interlock: this {decision.severity} action needs a human's approval: approval {rid} was requested.\n"
            f"{_what(decision, action)}\nWhy:\n{body}\n"
            f"Tell the user: {people} `interlock approve {rid}` in their own terminal (or "
            f"`interlock reject {rid} --reason ...`); it expires in {mins} min. "
            "After they approve, retry the identical command, byte for byte — any change needs a new approval. "
            "Do not retry a variant, do not try another way to do the same thing, and do not try to approve it "
            "yourself (you cannot).")


def message(decision, action, body):
    """(kind, text) for adapters: kind "deny" (out-of-band) or "ask" (prompt); None when the
    decision carries no approval request."""
    ap = decision.approval
    if not ap or decision.decision == ALLOW:
        return None
    if ap.get("mode") == PROMPT and decision.decision != DENY:
        return "ask", prompt_reason(decision, action, body)
    return "deny", out_of_band_reason(decision, action, body)
