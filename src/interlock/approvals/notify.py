"""Webhooks: tell humans a new approval request is waiting (Slack incoming webhook or generic JSON).

The hook never sends anything itself.  When it files a *new* pending request and the policy
lists ``[approvals] webhooks``, ``on_filed`` spawns a detached process
(``python -P -m interlock.approvals.notify REQUEST_ID``: its own session, stdio on /dev/null)
and returns at once; that process POSTs to every webhook, retrying with exponential backoff,
and writes each delivery or failure to the audit log and ``$INTERLOCK_HOME/notify.log``.

What is sent is the stored request (already redacted, and redacted again here) and the
dashboard link — never a secret.  A webhook URL is itself a credential (Slack's carry a
token in their path), so logs name only its scheme and host.

This module's top level imports nothing beyond ``os`` and ``sys``: it is imported on the
hook's path.
"""

from __future__ import annotations

import os
import sys

DEFAULT_DASHBOARD = "http://127.0.0.1:7717"
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF_S = 2.0
DEFAULT_TIMEOUT_S = 10.0
MAX_DELAY_S = 300.0


def webhooks(policy) -> list[dict]:
    """The webhooks a policy configures: the user's, plus a trusted project's (an untrusted
    project could otherwise send the user's approval requests anywhere)."""
    hooks = list(policy.user.approvals.get("webhooks") or [])
    if policy.project is not None and policy.trusted:
        hooks += [h for h in policy.project.approvals.get("webhooks") or [] if h not in hooks]
    return [h for h in hooks if isinstance(h, dict) and h.get("url")]


def dashboard_url(policy) -> str:
    return (policy.user.approvals.get("dashboard_url") or DEFAULT_DASHBOARD).rstrip("/")


def on_filed(req, policy, env) -> bool:
    """Called by the hook after filing ``req``: spawn the sender once per request when webhooks
    are configured.  Never raises and never waits: the decision must not depend on it."""
    try:
        if req.state != "pending" or not webhooks(policy):
            return False
        from ..policy import state_dir

        d = os.path.join(state_dir(env), "notify")
        os.makedirs(d, mode=0o700, exist_ok=True)
        try:  # the first filing of this id sends; a retried identical action does not re-send
            os.close(os.open(os.path.join(d, req.id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            return False
        spawn(req.id, env)
        return True
    except Exception as e:  # noqa: BLE001 - logged, never propagated into the decision
        _log(env, f"{getattr(req, 'id', '?')} not sent: could not start the sender: {type(e).__name__}: {e}")
        return False


def spawn(request_id: str, env) -> int:
    """Start the sender fully detached (new session, no inherited stdio) and return its pid."""
    devnull = os.devnull
    actions = [(os.POSIX_SPAWN_OPEN, 0, devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, devnull, os.O_WRONLY, 0)]
    argv = [sys.executable, "-P", "-m", "interlock.approvals.notify", request_id]
    pid = os.posix_spawn(sys.executable, argv, dict(env), file_actions=actions, setsid=True)
    # a hook process exits right away (init reaps the sender); a long-lived hook daemon must
    # reap it itself, without waiting for it
    import threading

    threading.Thread(target=_reap, args=(pid,), daemon=True).start()
    return pid


def _reap(pid):
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass


# --- the sender process -------------------------------------------------------------------------------

def where(url: str) -> str:
    """A webhook URL as it may be logged: scheme and host only."""
    from urllib.parse import urlsplit

    try:
        u = urlsplit(url)
        return f"{u.scheme}://{u.hostname}" + (f":{u.port}" if u.port else "")
    except ValueError:
        return "(unparsable URL)"


def _when(ts) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts)) if ts else None


def request_json(req, link) -> dict:
    """The generic JSON payload: the request (redacted) and where to decide it."""
    from ..redact import redact

    r = req.to_dict()
    keep = ("id", "state", "severity", "decision", "mode", "agent", "tool", "kind", "workspace", "cwd", "action",
            "target", "environment", "rules", "findings", "reasons", "required", "created", "expires", "digest")
    body = {k: r.get(k) for k in keep}
    body["created_at"], body["expires_at"] = _when(req.created), _when(req.expires)
    body["approvers"] = req.approvers
    from ..display import render
    from .cli import full_hint, grant_scope

    shown = render(req.action, multiline=True, limit=4000, full=full_hint(req))
    body["display"] = {"action": shown.text, "cut": shown.cut, "marked": shown.marked,
                       "grant": grant_scope(req)}  # for receivers that show it to people
    impact = getattr(req, "impact", None)
    if impact:
        body["impact"] = impact
    return redact({"event": "approval.requested", "request": body, "dashboard": link,
                   "approve": f"interlock approve {req.id}", "reject": f"interlock reject {req.id} --reason '...'"})


def _md(s, n=300, link=None) -> str:
    """Agent text inside Slack mrkdwn: one safe rendering (``display``) in an inline code span, so
    ``* _ ~ ` < > &``, links and mentions show literally; a cut says so and where the rest is."""
    from ..display import slack_code

    return slack_code(s if s not in (None, "") else "-", limit=n, full=link)


def slack_json(req, link) -> dict:
    """A Slack incoming-webhook message: ``text`` (notifications, fallbacks) and ``blocks``.  Every
    agent-controlled value goes through ``display`` (markers for hidden or look-alike characters,
    whitespace runs collapsed with their length, nothing cut without saying so)."""
    from ..display import slack_pre
    from ..redact import redact
    from .cli import by_severity, grant_scope, req_inputs

    need = req.required or 1
    env_ = req.environment or "unresolved"
    head = f"Interlock: approval {req.id} requested for a {req.severity} action by {_md(req.agent or 'an agent', 60)}"
    text = f"{head}: {_md(req.action, 200, link)} (target {_md(req.target or '-', 80, link)}, environment " \
           f"{_md(env_, 40)}). Review: {link}"
    targets = []
    for f in req.findings or []:
        if f.get("target") and f["target"] not in targets:
            targets.append(f["target"])
    fields = [("Severity", req.severity), ("Environment", env_),
              (f"Targets ({len(targets)})", "; ".join(str(t) for t in targets) or "-"),
              ("Agent", (req.agent or "?") + (f" ({req.tool})" if req.tool else "")
               + (f", session {req.session}" if req.session else "")),
              ("Approvers needed", str(need)), ("Expires", _when(req.expires) or "-")]
    findings = "\n".join(f"• {_md(f.get('severity'), 20)} {_md(f.get('rule'), 60)} — {_md(f.get('why'), 200)} "
                         f"{_md(f.get('evidence'), 300, link)}" + (f" → {_md(f.get('target'), 120, link)}"
                                                                   if f.get("target") else "")
                         for f in by_severity(req.findings)[:8]) or "-"
    if len(req.findings or []) > 8:
        findings += f"\n… {len(req.findings) - 8} more finding(s): {link}"
    impact = [ln for f in req.findings or [] for ln in (f.get("impact") or [])]
    bound = req_inputs(req)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Approval {req.id}: {req.severity} action"[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_pre(req.action, 2500, link)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{_md(v, 200, link)}"} for k, v in fields]},
        {"type": "section", "text": {"type": "mrkdwn", "text": _fit(f"*Findings*\n{findings}", link)}},
    ]
    if impact:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _fit(
            "*Impact*\n" + "\n".join(_md(x, 300, link) for x in impact[:10]), link)}})
    if bound:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(
            f"Bound to {len(bound)} input(s) besides the text (files, links, refs, start-up files"
            + (", impact" if "impact" in bound else "") + "): a retry with any of them changed is a new request",
            link)}]})
    blocks += [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Grant: {_md(grant_scope(req), 400)}"}]},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"<{link}|Review in the dashboard> · or run "
                                             f"`interlock approve {req.id}` / `interlock reject {req.id}`"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"cwd {_md(req.cwd or '-', 200, link)}"}]},
    ]
    return redact({"text": text, "blocks": blocks})


def _fit(text, link, n=2900) -> str:
    """Slack caps a text object at 3,000 characters: cut at a line, saying so."""
    if len(text) <= n:
        return text
    cut = text[:n].rsplit("\n", 1)[0]
    return cut + f"\n… cut here ({len(text) - len(cut):,} characters): the whole request at {link}"


def payload(req, hook, link) -> dict:
    return slack_json(req, link) if hook.get("format") == "slack" else request_json(req, link)


def post(url, body: dict, timeout) -> tuple[bool, bool, str]:
    """(delivered, worth retrying, what happened) for one POST."""
    import json
    import urllib.error
    import urllib.request

    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    r = urllib.request.Request(url, data=data, method="POST",
                               headers={"Content-Type": "application/json", "User-Agent": "interlock-webhook/1"})
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            resp.read(4096)
            return True, False, f"HTTP {resp.status}"
    except urllib.error.HTTPError as e:
        return False, e.code >= 500 or e.code in (408, 425, 429), f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return False, True, f"{type(reason).__name__}: {reason}".replace(url, where(url))


def deliver(req, hook, link, sleep=None) -> tuple[bool, int, str]:
    """POST one webhook with retries and exponential backoff: (delivered, attempts, last outcome)."""
    import time

    sleep = sleep or time.sleep
    url = hook["url"]
    retries = int(hook.get("retries", DEFAULT_RETRIES))
    backoff = float(hook.get("backoff_seconds", DEFAULT_BACKOFF_S))
    timeout = float(hook.get("timeout_seconds", DEFAULT_TIMEOUT_S))
    body = payload(req, hook, link)
    what = "no attempt"
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(MAX_DELAY_S, backoff * 2 ** (attempt - 1)))
        ok, again, what = post(url, body, timeout)
        if ok:
            return True, attempt + 1, what
        if not again:
            return False, attempt + 1, what
    return False, retries + 1, what


def _log(env, line):
    """One line in ``$INTERLOCK_HOME/notify.log`` (0600); redacted; never raises."""
    try:
        import time

        from ..policy import state_dir
        from ..redact import redact

        d = state_dir(env)
        os.makedirs(d, mode=0o700, exist_ok=True)
        fd = os.open(os.path.join(d, "notify.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {redact(line)}\n")
    except Exception:
        pass


def send(request_id, env=None) -> int:
    """Deliver every configured webhook for one request; 0 when all were delivered."""
    from ..policy import load
    from .store import open_store

    env = os.environ if env is None else env
    store = open_store(env)
    req = store.get(request_id)
    if req is None:
        _log(env, f"{request_id[:40]} not sent: no such request")
        return 1
    policy = load(req.workspace, env)
    link = f"{dashboard_url(policy)}/requests/{req.id}"
    failed = 0
    for hook in webhooks(policy):
        ok, attempts, what = deliver(req, hook, link)
        dest = f"{where(hook['url'])} ({hook.get('format') or 'json'})"
        note = f"{'delivered to' if ok else 'failed for'} {dest} after {attempts} attempt(s): {what}"
        failed += not ok
        try:  # recorded before the log line, so the line means "done" to whoever watches the log
            store.record("notify" if ok else "notify-failed", req, channel="webhook", note=note)
        except Exception as e:  # the state-dir log line below still says what happened
            _log(env, f"{req.id} audit record failed: {type(e).__name__}")
        _log(env, f"{req.id} webhook {note}")
    return 1 if failed else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m interlock.approvals.notify REQUEST_ID", file=sys.stderr)
        return 2
    try:
        return send(argv[0])
    except Exception as e:  # noqa: BLE001 - a detached process: the log is the only place to say it
        _log(os.environ, f"{argv[0][:40]} not sent: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
