"""The hook runner: an agent's hook payload → Action (its module's ``parse``), and a Decision → the
agent's reply (its ``render``); each agent's module is ``interlock.agents.<name>``.

``run_hook`` is the shared runner: read stdin, judge within a time budget, record in
the audit log, answer.  It never raises and never exits non-zero: both Claude Code
and Cursor treat a crash or exit 1 as "proceed", so every failure becomes an
explicit answer (deny or ask) carrying the error.
"""

from __future__ import annotations

import os
import sys

MAX_STDIN = 4 * 1024 * 1024
DEFAULT_BUDGET_MS = 2000

# the agents' hook modules (interlock.agents.<name>: parse, render, emergency), from the one registry
from ..agents import REGISTRY as _REGISTRY  # noqa: E402

ADAPTERS = {name: f"interlock.agents.{e.module}" for name, e in _REGISTRY.items()}


VIA = None  # "hookd" when the resident daemon judges (recorded in the audit log)
CALLER = None  # system mode: "uid N NAME, pid P" of the hook process (SO_PEERCRED), recorded in the audit log


class Deferred(BaseException):
    """In the hook daemon: this call would wait for a human, so its own hook process judges
    it (the daemon answers one call at a time and must never queue others behind a wait)."""


class BadPayload(Exception):
    """The agent sent something we cannot read: answered with a clear fail-closed reply."""


class HookTimeout(Exception):
    pass


class Event:
    """What an adapter understood of one hook call."""

    __slots__ = ("action", "name", "reply_kind", "info", "skip")

    def __init__(self, action=None, name="", reply_kind="", info=None, skip=False):
        self.action = action        # interlock.actions.Action, or None when nothing to judge
        self.name = name            # the agent's event name
        self.reply_kind = reply_kind
        self.info = info or {}
        self.skip = skip            # an event/tool we deliberately do not judge


def _load(name):
    import importlib

    return importlib.import_module(ADAPTERS[name])


def _alarm(ms):
    import signal

    def on_alarm(signum, frame):
        raise HookTimeout(f"analysis did not finish within its {ms} ms budget")

    try:
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, ms / 1000.0)
        return True
    except (ValueError, AttributeError, OSError):
        return False


def _cancel_alarm():
    import signal

    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
    except Exception:
        pass


def run_hook(agent: str, stdin=None, stdout=None, env=None) -> int:
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout
    env = os.environ if env is None else env
    adapter = _load(agent)
    event = None
    decision = None
    ctx = None
    budget = DEFAULT_BUDGET_MS
    try:
        budget = int(env.get("INTERLOCK_HOOK_BUDGET_MS") or DEFAULT_BUDGET_MS)
    except ValueError:
        pass
    armed = _alarm(budget)
    try:
        from ..actions import ASK, DENY, Decision

        try:
            raw = stdin.read(MAX_STDIN + 1)
            if len(raw) > MAX_STDIN:
                raise BadPayload(f"hook input larger than {MAX_STDIN // (1024 * 1024)} MB")
            payload = _parse_json(raw)
            event = adapter.parse(payload, env)
            if event.skip or event.action is None:
                decision = None
            else:
                from ..engine import Context, evaluate

                a = event.action
                ti = payload.get("tool_input", payload.get("toolArgs"))
                if ti is not None:  # every field the tool receives is bound by an approval (Action.canonical)
                    a.meta["tool_input"] = ti
                ctx = Context(a.cwd, workspace=a.workspace, env=env)
                a.workspace = ctx.workspace
                decision = evaluate(a, ctx)
        except BadPayload as e:
            decision = Decision.failure(f"bad hook input: {e}", DENY)
        except HookTimeout as e:
            decision = Decision.failure(str(e), ASK)
        except RecursionError:
            decision = Decision.failure("input nested too deeply to analyse", ASK)
        except Exception as e:
            from ..engine import failure

            decision = failure(e)
        _cancel_alarm()
        armed = False
        if decision is not None and decision.decision != "allow" and ctx is not None:
            decision = _approvals(agent, event, decision, ctx, env)
        if decision is not None:
            _audit(agent, event, decision, ctx, env)
        out = adapter.render(decision, event, ctx)
    except Deferred:
        if armed:
            _cancel_alarm()
        raise
    except BaseException as e:  # last line of defence: still answer
        if armed:
            _cancel_alarm()
        try:
            out = adapter.emergency(f"{type(e).__name__}: {e}")
        except Exception:
            out = '{"error": "interlock failed"}'
    code = 0
    if isinstance(out, tuple):  # (stdout, stderr, exit code) for agents that read exit codes (Windsurf)
        out, err, code = out
        if err:
            try:
                sys.stderr.write(err if err.endswith("\n") else err + "\n")
                sys.stderr.flush()
            except Exception:
                pass
    if out:
        try:
            stdout.write(out if out.endswith("\n") else out + "\n")
            stdout.flush()
        except Exception:
            pass
    return code


def _approvals(agent, event, decision, ctx, env):
    """File or redeem a human approval (interlock.approvals.hook) for an ask/deny: after the
    analysis alarm, under its own alarm (the policy's wait plus a margin).  Fails closed: any
    error leaves the decision as it was, with the error in the reasons."""
    import time

    started = time.monotonic()
    try:
        from ..approvals import hook

        wait = hook.settings(ctx.policy).wait_seconds
        if wait > 0 and VIA:
            raise Deferred()
        armed = _alarm(int((min(wait, hook.wait_cap(agent)) + 5) * 1000))
        try:
            return hook.handle(agent, event, decision, ctx, env, started)
        finally:
            if armed:
                _cancel_alarm()
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit, Deferred)):
            raise
        from ..redact import redact

        decision.reasons.append(f"(approval request not filed: {type(e).__name__}: {redact(str(e))[:200]})")
        return decision


def _parse_json(raw: bytes):
    import json

    if not raw or not raw.strip():
        raise BadPayload("empty input: expected one JSON object on stdin")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadPayload(f"input is not valid UTF-8 (byte {e.start})") from None
    try:
        payload = json.loads(text)
    except ValueError as e:
        raise BadPayload(f"input is not JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    if not isinstance(payload, dict):
        raise BadPayload(f"expected a JSON object, got {type(payload).__name__}")
    return payload


def _extra(event):
    extra = {"event": event.name} if event else {}
    if VIA:
        extra["via"] = VIA
    if CALLER:
        extra["caller"] = CALLER
    return extra or None


def _audit(agent, event, decision, ctx, env):
    from ..policy import state_dir

    log = None
    try:
        from ..audit import open_log

        a = event.action if event else None
        record = dict(action=a.summary if a else "(unreadable hook input)",
                      decision=decision, agent=agent, session=(a.session if a else None),
                      cwd=(a.cwd if a else None), tool=(a.tool if a else None),
                      digest=(a.digest() if a else None), extra=_extra(event), keep=True)
        log = open_log(state_dir(env), env)
        log.append(**record)
    except Exception as e:
        from ..redact import redact

        # The decision stands (never turned into allow); the failure is reported.
        why = f"{type(e).__name__}: {redact(str(e))}"
        decision.reasons.append(f"(audit log not written: {why})")
        from ..audit import AuditLog

        if log is not None and not isinstance(log, AuditLog):  # shared log unreachable: keep it on this machine
            try:
                record["extra"] = dict(record["extra"] or {}, shared_log_error=why[:300])
                AuditLog(state_dir(env)).append(**record)
            except Exception:
                pass
        try:
            sys.stderr.write(f"interlock: audit log not written: {why}\n")
        except Exception:
            pass


def nonempty_str(v):
    """``v`` when it is a non-empty string, else None (agents omit or null optional fields)."""
    return v if isinstance(v, str) and v else None


def opt_str(d, key):
    return nonempty_str(d.get(key))


def str_field(d, key, required=True):
    v = d.get(key)
    if v is None:
        if required:
            raise BadPayload(f"missing field {key!r}")
        return None
    if not isinstance(v, str):
        raise BadPayload(f"field {key!r} must be a string, got {type(v).__name__}")
    return v


def dict_field(d, key):
    v = d.get(key)
    if not isinstance(v, dict):
        raise BadPayload(f"field {key!r} must be an object, got {type(v).__name__ if v is not None else 'nothing'}")
    return v


def summarize(decision, limit=6):
    """Reasons as a short, readable block."""
    from ..display import line

    rs = decision.reasons[:limit]
    more = len(decision.reasons) - len(rs)
    text = "\n".join(f"- {line(r, limit=1000)}" for r in rs)  # reasons quote agent text: shown safely
    if more > 0:
        text += f"\n- … and {more} more"
    return text


def approval_message(decision, event, body):
    """(kind, text) when the decision filed or names a human approval request, else None."""
    if getattr(decision, "approval", None) is None:
        return None
    from ..approvals.hook import message

    return message(decision, event.action if event is not None else None, body)
