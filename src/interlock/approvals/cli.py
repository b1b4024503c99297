"""``interlock approvals | approve | reject | approvers``: the human's side, in their own terminal.

Approving needs a named approver's secret, read from the controlling terminal
(``/dev/tty``, not echoed) — or, for scripted setups, from a file descriptor the
human opened (``--secret-fd N``) or ``$INTERLOCK_APPROVER_SECRET_FILE`` (a 0600 file of
the user's, outside every workspace).  Without any of these, it refuses: an agent
has no terminal and never sees the secret.  See docs/approvals.md.
"""

from __future__ import annotations

import os
import sys
import time

from . import ONCE, ONCE_ANY, SESSION, WINDOW, ApprovalError
from . import approvers as A


def add_parsers(sub):
    """Register the approval sub-commands on ``interlock``'s argparse sub-parsers."""
    ls = sub.add_parser("approvals", help="pending approval requests, with full detail (read-only)")
    ls.add_argument("sub", nargs="?", choices=["show"], help="show one request: interlock approvals show ID [--full]")
    ls.add_argument("rid", nargs="?", metavar="ID")
    ls.add_argument("--all", action="store_true", help="recent requests in every state, not only pending")
    ls.add_argument("--full", action="store_true", help="the whole action and every finding, not a bounded view")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_approvals)

    ap = sub.add_parser("approve", help="approve a request: interlock approve apr-7f3k9q [--as NAME]")
    ap.add_argument("id")
    ap.add_argument("--as", dest="approver", help="approver name (default: the only approver)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--for", dest="minutes", type=float, metavar="MINUTES",
                   help="valid for the same exact action for N minutes (never for catastrophic/credential)")
    g.add_argument("--session", action="store_true",
                   help="valid for this exact action for the rest of the agent's session (low-risk asks only)")
    g.add_argument("--any-session", action="store_true",
                   help="once, but usable by any session of the same agent (default: only the session that asked)")
    ap.add_argument("--secret-fd", type=int, metavar="N", help="read the approver secret from file descriptor N")
    ap.set_defaults(func=cmd_approve)

    rj = sub.add_parser("reject", help="reject a request: interlock reject apr-7f3k9q --reason TEXT")
    rj.add_argument("id")
    rj.add_argument("--reason", required=True)
    rj.add_argument("--as", dest="approver")
    rj.add_argument("--secret-fd", type=int, metavar="N")
    rj.set_defaults(func=cmd_reject)

    who = sub.add_parser("approvers", help="named approvers: interlock approvers add|list|remove NAME")
    who.add_argument("action", choices=["add", "list", "remove"])
    who.add_argument("name", nargs="?")
    who.add_argument("--by", help="an existing approver who authorises the change (when there are several)")
    who.add_argument("--secret-fd", type=int, metavar="N", help="read the new approver's secret from fd N")
    who.set_defaults(func=cmd_approvers)


def _failure(e) -> str:
    from ..redact import redact

    return f"failed: {type(e).__name__}: {redact(str(e))[:300]}"


def _err(msg) -> int:
    print(f"interlock: {msg}", file=sys.stderr)
    return 1


# --- reading a secret through a path the agent does not have ------------------------------------------

class NoTerminal(ApprovalError):
    pass


def _tty_ok() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _from_fd(fd) -> str:
    chunks = []
    while True:
        b = os.read(fd, 4096)
        if not b:
            break
        chunks.append(b)
        if sum(map(len, chunks)) > 8192:
            break
    return b"".join(chunks).decode("utf-8", "replace").rstrip("\r\n")


def _from_env_file(path) -> str:
    from ..analysis.paths import find_workspace

    real = os.path.realpath(path)
    st = os.stat(real)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise ApprovalError("INTERLOCK_APPROVER_SECRET_FILE must be yours and private (chmod 600)")
    ws = find_workspace(os.getcwd())
    if ws and ws != "/" and (real == ws or real.startswith(ws.rstrip("/") + "/")):
        raise ApprovalError("INTERLOCK_APPROVER_SECRET_FILE is inside a workspace, where an agent could read it")
    with open(real, encoding="utf-8") as f:
        return f.read(8192).rstrip("\r\n")


def read_secret(prompt, fd=None, env=None, allow_env_file=True):
    """(secret, channel).  Never echoes; refuses without a terminal or an explicit non-agent path."""
    env = os.environ if env is None else env
    if fd is not None:
        return _from_fd(fd), "cli:fd"
    f = env.get("INTERLOCK_APPROVER_SECRET_FILE") if allow_env_file else None
    if f:
        return _from_env_file(f), "cli:file"
    if not _tty_ok():
        raise NoTerminal("no terminal to read the approver secret from: run this in your own terminal "
                         "(or pass --secret-fd N / INTERLOCK_APPROVER_SECRET_FILE; see docs/approvals.md)")
    import getpass

    return getpass.getpass(prompt), "cli:tty"


def _tty_input(prompt) -> str:
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, prompt.encode())
        line = b""
        while not line.endswith(b"\n") and len(line) < 200:
            b = os.read(fd, 1)
            if not b:
                break
            line += b
        return line.decode("utf-8", "replace").strip()
    finally:
        os.close(fd)


def _new_secret(name, fd=None) -> str:
    if fd is not None:
        return _from_fd(fd)
    if not _tty_ok():
        raise NoTerminal("a new approver secret is typed at a terminal (or given with --secret-fd N)")
    import getpass

    s1 = getpass.getpass(f"new secret for approver {name} (at least {A.MIN_SECRET} characters, not echoed): ")
    s2 = getpass.getpass("again: ")
    if s1 != s2:
        raise ApprovalError("the two secrets differ; nothing was changed")
    return s1


def _pick_approver(name, env) -> str:
    names = A.names(env)
    if name:
        if name not in names:
            raise ApprovalError(f"no approver named {name!r} (see `interlock approvers list`)")
        return name
    if len(names) == 1:
        return names[0]
    raise ApprovalError(f"several approvers exist ({', '.join(names)}): say which with --as NAME")


def _first_approver(env, fd):
    """No approver yet: guide the human through creating one (on a terminal only)."""
    if fd is not None or not _tty_ok():
        raise ApprovalError("no approvers are configured: create one in your own terminal with "
                            "`interlock approvers add NAME` (see docs/approvals.md)")
    print("No approvers are configured yet. An approval needs a named person with a secret the agent never sees.",
          file=sys.stderr)
    name = _tty_input("Create an approver now — your name (e.g. alice), or empty to stop: ")
    if not name:
        raise ApprovalError("no approver created; nothing was approved")
    A.add(A.check_name(name), _new_secret(name), env)  # the first: person_check inside
    print(f"approver {name} created ({A.where(env)})", file=sys.stderr)
    return name


def authenticate(name, fd, env, store=None, req=None, verb="approve"):
    """(approver's ``Proof``, channel) after the approver's secret checks out."""
    if not A.names(env):
        name = _first_approver(env, fd)
    name = _pick_approver(name, env)
    secret, channel = read_secret(f"secret for approver {name} (not echoed): ", fd, env)
    proof = A.authenticate(name, secret, env, ttl_s=600)
    if proof is None:
        if store is not None and req is not None:
            store.record("refused", req, approver=name, channel=channel, note=f"{verb}: wrong approver secret")
        raise ApprovalError(f"wrong secret for approver {name}; nothing was {verb}d")
    return proof, channel


# --- commands ----------------------------------------------------------------------------------------------

def _pending(store, request_id, already=""):
    """The pending request ``request_id`` names; ``ApprovalError`` when there is none or it was decided."""
    req = store.get(request_id)
    if req is None:
        raise ApprovalError(f"no approval request {request_id[:40]!r} (see `interlock approvals`)")
    if req.state != "pending":
        raise ApprovalError(f"{req.id} is already {req.state}{already}")
    return req


def _system_mode():
    """(system configuration or None, error or None): in system mode the daemon decides."""
    from .. import system_cli

    try:
        return system_cli.active(), None
    except Exception as e:
        return None, str(e)


def cmd_approve(args) -> int:
    cfg, bad = _system_mode()
    if cfg or bad:
        from .. import system_cli

        return system_cli.approve(cfg, args, "approve") if cfg else _err(bad)
    from . import settings
    from ..policy import load
    from .store import open_store

    env = os.environ
    try:
        store = open_store(env)
        req = _pending(store, args.id, "; nothing to approve")
        scope, minutes = ONCE, None
        s = settings(load(req.workspace, env))
        if args.session:
            scope, minutes = SESSION, s.session_hours * 60
        elif args.minutes is not None:
            if args.minutes <= 0 or args.minutes > s.max_window_minutes:
                return _err(f"--for must be between 0 and {s.max_window_minutes:g} minutes "
                            "(policy approvals.max_window_minutes)")
            scope, minutes = WINDOW, args.minutes
        elif getattr(args, "any_session", False):
            scope = ONCE_ANY
        if scope in (WINDOW, SESSION):
            from .store import not_reusable

            why = not_reusable(req)
            if why:
                return _err(f"{req.id} {why}: approve it once instead (no --for / --session)")
        _show(req)
        print(f"  approving:   {grant_scope(req, scope)}", file=sys.stderr)
        proof, channel = authenticate(args.approver, args.secret_fd, env, store, req, "approve")
        name = proof.name
        req = store.approve(req.id, name, channel, scope, minutes, proof=proof)
    except ApprovalError as e:
        return _err(str(e))
    except Exception as e:  # never a traceback (nor a secret) on the approver's screen
        return _err(_failure(e))
    if req.state == "approved":
        until = time.strftime("%H:%M:%S", time.localtime(req.valid_until))
        how = {"window": f"for {minutes or 0:g} min", "session": "for this session",
               ONCE_ANY: "once, any session"}.get(req.scope, "once")
        print(f"approved {req.id} by {', '.join(req.approvers)} ({how}): the agent may retry the identical "
              f"action until {until}.")
    else:
        need = (req.required or 1) - len(req.approvers)
        print(f"recorded {name}'s approval of {req.id}: {need} more distinct approver(s) needed.")
    return 0


def cmd_reject(args) -> int:
    cfg, bad = _system_mode()
    if cfg or bad:
        from .. import system_cli

        return system_cli.approve(cfg, args, "reject") if cfg else _err(bad)
    from .store import open_store

    env = os.environ
    try:
        store = open_store(env)
        req = _pending(store, args.id)
        proof, channel = authenticate(args.approver, args.secret_fd, env, store, req, "reject")
        name = proof.name
        req = store.reject(req.id, name, channel, args.reason)
    except ApprovalError as e:
        return _err(str(e))
    except Exception as e:
        return _err(_failure(e))
    print(f"rejected {req.id} ({name}): the agent is told your reason.")
    return 0


def cmd_approvers(args) -> int:
    cfg, bad = _system_mode()
    if cfg or bad:
        from .. import system_cli

        return system_cli.approvers(cfg, args) if cfg else _err(bad)
    env = os.environ
    try:
        if args.action == "list":
            rows = A.listing(env)
            if not rows:
                print("no approvers yet: interlock approvers add NAME")
            for r in rows:
                print(f"{r['name']:24} added {r['added']}")
            return 0
        if not args.name:
            return _err(f"interlock approvers {args.action} NAME")
        existing = A.names(env)
        if args.action == "add":
            A.check_name(args.name)
            proof = None
            if existing:  # only an existing approver may add another
                proof, _ = authenticate(args.by, None, env, verb="authorise")
            by = proof.name if proof else None
            A.add(args.name, _new_secret(args.name, args.secret_fd), env, by=proof)
            print(f"approver {args.name} added" + (f" (authorised by {by})" if by else "") + f" ({A.where(env)})")
            _audit_approvers("approver-add", args.name, by, env)
            return 0
        if args.name not in existing:
            return _err(f"no approver named {args.name!r}")
        proof, _ = authenticate(args.by, None, env, verb="authorise")
        by = proof.name
        A.remove(args.name, env, by=proof)
        print(f"approver {args.name} removed (authorised by {by})")
        _audit_approvers("approver-remove", args.name, by, env)
        return 0
    except ApprovalError as e:
        return _err(str(e))
    except Exception as e:
        return _err(_failure(e))


def _audit_approvers(event, name, by, env):
    from ..actions import Decision
    from ..audit import open_log
    from ..policy import state_dir

    open_log(state_dir(env), env).append(
        action=f"interlock approvers {event.split('-')[1]} {name}",
        decision=Decision("allow", "write", [], [f"{event} {name} by {by or 'first setup'}"]),
        agent="human", tool="interlock-approvers", extra={"approval": {"event": event, "approver": by, "name": name}})


# --- listing --------------------------------------------------------------------------------------------

def _ago(t):
    s = int(abs(time.time() - t))
    txt = f"{s // 60}m{s % 60:02d}s" if s < 3600 else f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return txt


#: Characters of an action shown in a listing or before the secret prompt (head and tail kept;
#: the cut says where the whole action is).  ``interlock approvals show ID --full`` shows all of it.
ACTION_VIEW = 1500
FIELD_VIEW = 300
FINDINGS_VIEW = 20
BOUND_VIEW = 12


def full_hint(req) -> str:
    return f"interlock approvals show {req.id} --full"


def grant_scope(req, scope=None) -> str:
    """Who may use this request's approval, in words every channel shows (``scope``: the one being
    chosen; else the request's own, or the default ``once``)."""
    from .. import display as D

    scope = scope or req.scope or ONCE
    agent = D.line(req.agent or "?", 80)
    who = f"agent {agent}" + (f", session {D.line(req.session, 120)}" if req.session else "")
    if scope == WINDOW:
        return f"any session of {agent}, repeatedly, until the window ends (same action, inputs and impact)"
    if scope == SESSION:
        return f"only {who}, repeatedly, for the rest of that session"
    if scope == ONCE_ANY:
        return f"once, by any session of {agent} (the approver's choice)"
    return (f"once, only by {who}" if req.session else
            f"once, by {agent} (it sent no session id)") + " — same action, inputs and impact"


def _show(req, out=sys.stderr, full=False):
    """A request as the approver reads it: every agent-controlled field through ``display``."""
    from .. import display as D

    now = time.time()
    exp = f"expires in {_ago(req.expires)}" if req.expires > now else "expired"
    shown = []

    def L(v, n=FIELD_VIEW):
        r = D.render(v if v not in (None, "") else "-", limit=None if full else n, full=full_hint(req))
        shown.append(r)
        return r.text

    print(f"{req.id}  {req.state}  {req.severity}  asked {_ago(req.created)} ago, {exp}  "
          f"(needs {req.required} approver{'s' if (req.required or 1) > 1 else ''}; "
          f"{len(req.approvers)} so far{': ' + ', '.join(req.approvers) if req.approvers else ''})", file=out)
    act = D.render(req.action or "", multiline=True, limit=None if full else ACTION_VIEW, full=full_hint(req))
    shown.append(act)
    print(D.gutter(act.text, "  action:    │ ", "             │ "), file=out)
    print(f"  agent:       {L(req.agent)}" + (f"   session: {L(req.session)}" if req.session else "")
          + (f"   tool: {L(req.tool)}" if req.tool else "") + f"   via: {req.mode}", file=out)
    print(f"  cwd:         {L(req.cwd)}" + (f"   workspace: {L(req.workspace)}" if req.workspace else ""), file=out)
    targets = []
    for f in req.findings or []:
        t = f.get("target")
        if t and t not in targets:
            targets.append(t)
    print(f"  targets:     {len(targets)}: " + ("; ".join(L(t) for t in targets) if targets else "-")
          + f"   environment: {L(req.environment)}", file=out)
    fs = by_severity(req.findings)
    for f in fs if full else fs[:FINDINGS_VIEW]:
        env_ = f" [{L(f['environment'])}]" if f.get("environment") else ""
        where = f" in {L(f['location'])}" if f.get("location") else ""
        note = f" ({L(f['note'])})" if f.get("note") else ""
        tgt = f" → {L(f['target'])}" if f.get("target") else ""
        print(f"  finding:     {L(f.get('severity'))}{env_} {L(f.get('rule'))} — {L(f.get('why'))} "
              f"`{L(f.get('evidence'), 600)}`{tgt}{where}{note}", file=out)
        for i, ln in enumerate(f.get("impact") or []):
            print(f"  {'impact:' if i == 0 else '':<12} {L(ln)}", file=out)
    if not full and len(fs) > FINDINGS_VIEW:
        print(f"  finding:     … {len(fs) - FINDINGS_VIEW} more finding(s) not shown: {full_hint(req)}", file=out)
    bound = sorted((req_inputs(req) or {}).items())
    for k, v in bound if full else bound[:BOUND_VIEW]:
        print(f"  bound to:    {L(k)}: {L(v)}", file=out)
    if not full and len(bound) > BOUND_VIEW:
        print(f"  bound to:    … {len(bound) - BOUND_VIEW} more input(s): {full_hint(req)}", file=out)
    if full:
        _show_files(bound, out, shown)
    if req.reason:
        print(f"  reason:      {L(req.reason)}", file=out)
    if req.state in ("pending", "approved"):
        print(f"  grant:       {grant_scope(req)}", file=out)
    print(f"  hash:        {req.digest[:16]}…", file=out)
    n = D.note(*shown)
    if n:
        print(f"  note:        {n}", file=out)
    cut = sum(s.cut for s in shown)
    if cut:
        print(f"  shown:       a bounded view ({cut:,} characters not shown); the whole request: {full_hint(req)}",
              file=out)


def _show_files(bound, out, shown, limit=20_000):
    """With --full: the text of each file the action runs or reads (a script, a SQL file), as it is
    now, and whether it is still what the request was bound to."""
    from .. import display as D
    from .inputs import file_digest

    for k, v in bound:
        if not k.startswith("file:") or not str(v).startswith("sha256:"):
            continue
        path = k[len("file:"):]
        now = file_digest(path)
        if not now.startswith("sha256:"):  # gone, or no longer a regular file (a FIFO must not hang this)
            print(f"  file:        {D.line(path, 300)} (CHANGED since the request: now {now})", file=out)
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
            with os.fdopen(fd, "rb") as f:
                data = f.read(limit + 1)
        except OSError:
            continue
        if b"\0" in data[:4096]:
            continue
        r = D.render(data.decode("utf-8", "replace"), multiline=True, limit=limit,
                     full=f"the file itself ({len(data):,}+ bytes)")
        shown.append(r)
        same = "unchanged since the request" if now == v else "CHANGED since the request: the approval would not apply"
        print(D.gutter(r.text, f"  file:        {D.line(path, 300)} ({same})\n             │ ", "             │ "),
              file=out)


def by_severity(findings) -> list:
    """Findings worst first: a bounded view never hides the worst one behind harmless ones."""
    from ..actions import SEVERITY_RANK

    fs = [f for f in findings or [] if isinstance(f, dict)]
    return sorted(fs, key=lambda f: -SEVERITY_RANK.get(f.get("severity"), 0))


def req_inputs(req) -> dict:
    """What the approval is bound to besides the action's text (``approvals.inputs``), as stored."""
    for f in req.findings or []:
        if isinstance(f, dict) and f.get("bound"):
            return f["bound"]
    return {}


def cmd_approvals(args) -> int:
    import json

    from .store import open_store

    cfg, bad = _system_mode()
    if cfg or bad:
        from .. import system_cli

        return system_cli.approvals(cfg, args) if cfg else _err(bad)
    try:
        store = open_store()
        if getattr(args, "sub", None) == "show" or getattr(args, "rid", None):
            r = store.get(args.rid or "")
            if r is None:
                return _err(f"no approval request {str(args.rid or '')[:40]!r} (see `interlock approvals`)")
            reqs = [r]
        else:
            reqs = store.recent(200) if args.all else store.pending()
    except ApprovalError as e:
        return _err(str(e))
    if args.json:  # ASCII-escaped: a terminal never interprets what an agent wrote
        print(json.dumps([r.to_dict() for r in reqs], indent=2, ensure_ascii=True))
        return 0
    if not reqs:
        print("no pending approval requests" if not args.all else "no approval requests")
        return 0
    for r in reqs:
        _show(r, sys.stdout, full=bool(getattr(args, "full", False)))
        if r.state == "pending":
            print(f"  approve:     interlock approve {r.id}      reject: interlock reject {r.id} --reason '...'")
        print()
    return 0


# --- fatigue: per-rule counts from the audit log -----------------------------------------------------------

def stats(records) -> dict:
    """{rule: Counter(asked, approved, rejected, timed_out)} from approval events in audit records."""
    import json
    from collections import Counter, defaultdict

    per = defaultdict(Counter)
    for r in records:
        ap = approval_event(r)
        if not ap:
            continue
        key = {"create": "asked", "reject": "rejected"}.get(ap.get("event"))
        if ap.get("event") == "approve" and ap.get("state") == "approved":
            key = "approved"
        if ap.get("event") == "expire" and ap.get("timed_out"):
            key = "timed_out"
        if key:
            for rule in json.loads(r["rules"] or "[]"):
                per[rule][key] += 1
    return per


def approval_event(record):
    """The ``approval`` part of an audit record's extra, or None for an ordinary decision."""
    import json

    extra = record.get("extra")
    if not extra or '"approval"' not in extra:
        return None
    try:
        return json.loads(extra).get("approval")
    except ValueError:
        return None
