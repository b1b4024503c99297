"""The ``interlock`` command.

``interlock hook AGENT`` is dispatched before argparse or anything else is
imported: it runs before every tool call an agent makes.
"""

from __future__ import annotations

import os
import sys

from .agents import AGENTS  # the registry (data only: the hook's fast path reads it too)

EXIT = {"allow": 0, "ask": 1, "deny": 2}

USAGE_EXAMPLES = """\
examples:
  interlock check 'rm -rf ~'               explain a decision (exit 0 allow, 1 ask, 2 deny)
  interlock check --jsonl < corpus.jsonl   judge one command or hook payload per line
  interlock init --dry-run                 show what would be added to agent settings
  interlock log --decision deny --since 1d recent decisions
  interlock log --verify                   check the audit chain
  interlock rules / interlock explain ID   the rule catalogue
  interlock approvals                      pending approval requests; approve one: interlock approve ID
  interlock serve                          the approval dashboard on http://127.0.0.1:7717/
"""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hook"] and not _asks_for_help(argv[1:]):
        from .adapters import ADAPTERS

        if len(argv) < 2 or argv[1] not in ADAPTERS:
            # still answer in a shape both agents read as "no": fail closed
            sys.stdout.write('{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", '
                             '"permissionDecisionReason": "interlock hook: unknown agent; expected one of: '
                             + ", ".join(ADAPTERS) + '"}, "permission": "deny"}\n')
            return 0
        cfg = why = None
        if os.path.lexists("/etc/interlock/system.toml") or os.environ.get("INTERLOCK_SYSTEM_CONFIG"):
            from . import system  # (system.DEFAULT_CONFIG; checked first so single-user hooks skip the import)

            try:
                cfg = system.load_config()
            except Exception as e:  # a system configuration that is not root's, or unreadable: deny
                why = str(e)
            if cfg is None and not why:
                why = "system mode is configured but its configuration could not be loaded"
        if cfg is not None or why:
            from . import system

            code = system.hook_client(argv[1], cfg, why)  # system mode: the daemon answers, or deny
        else:
            from .hookd import run_client

            code = run_client(argv[1])
        # Skip interpreter teardown (and SQLite's WAL checkpoint on close): the answer is
        # already written and flushed, every record is committed.
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    if argv[:1] == ["sandbox"]:  # its own options come before `--` (argparse's REMAINDER drops them)
        from .sandbox.cli import main_argv

        return main_argv(argv[1:])
    try:
        code = _cli(argv)
        sys.stdout.flush()  # a buffered write to a closed pipe fails here, inside the guard
        return code
    except BrokenPipeError:
        if not _stdout_closed():
            raise  # a socket's, not ours: not a reader going away
        # The reader went away (`interlock log | head -1`): stop quietly, as CLIs do. Point stdout at
        # /dev/null so the interpreter's last flush has nowhere to fail, and exit as SIGPIPE would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + 13


def _asks_for_help(args) -> bool:
    """``interlock hook [AGENT] --help``: a human asking, never an agent (agents pass no options, and
    the hook's answer to anything else stays the fail-closed one)."""
    return bool(args) and args[-1] in ("-h", "--help") and len(args) <= 2


def _stdout_closed() -> bool:
    """Is stdout a pipe (or socket) whose reading end has closed?"""
    import select

    try:
        fd = sys.stdout.fileno()
        p = select.poll()
        p.register(fd, select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in p.poll(0))
    except (OSError, ValueError, AttributeError):
        return True  # stdout is gone altogether


def build_parser():
    """The ``interlock`` argument parser with every command registered (tests walk it)."""
    import argparse

    from . import __version__

    p = argparse.ArgumentParser(
        prog="interlock",
        description="Interlock judges what AI coding agents are about to do: allow, ask a human, or deny.",
        epilog=USAGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"interlock {__version__}")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    c = sub.add_parser("check", help="judge a shell command and explain the decision")
    c.add_argument("command", nargs="?", help="the shell command (quote it)")
    c.add_argument("--cwd", default=None, help="directory the command runs in (default: current)")
    c.add_argument("--json", action="store_true", help="print the decision as JSON")
    c.add_argument("--jsonl", action="store_true",
                   help="read one hook payload or {\"command\", \"cwd\"} per line on stdin; print one decision per line")

    h = sub.add_parser("hook", help="run as an agent hook (reads the agent's JSON on stdin)",
                       description="The entry point an agent's pre-tool hook runs: reads the agent's JSON "
                                   "payload on stdin and answers allow, ask or deny in that agent's terms. Any "
                                   "bad input is answered with a deny; `interlock init` registers it and "
                                   "`interlock doctor` checks it.")
    h.add_argument("agent", choices=list(AGENTS))

    rl = sub.add_parser("rules", help="list the rule catalogue")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--markdown", action="store_true", help="the docs page (docs/rules.md) generated from the catalogue")
    e = sub.add_parser("explain", help="print one rule with its examples")
    e.add_argument("rule_id")

    lg = sub.add_parser("log", help="show recent audit records, or verify the chain")
    lg.add_argument("--decision", choices=["allow", "ask", "deny"])
    lg.add_argument("--since", help="e.g. 30m, 2h, 1d, or an ISO date")
    lg.add_argument("--session")
    lg.add_argument("--limit", type=int, default=30)
    lg.add_argument("--json", action="store_true")
    lg.add_argument("--verify", action="store_true", help="verify the hash chain; exit 1 if broken")
    lg.add_argument("--anchor", metavar="SEQ:HASH", help="with --verify: a head posted off the machine "
                    "(system mode's anchor_url) that record SEQ must still match")

    for name, helptext in (("init", "install Interlock's hooks into every agent detected here (or --agent NAME...)"),
                           ("uninstall", "remove what `init` added (and nothing else)")):
        i = sub.add_parser(name, help=helptext)
        i.add_argument("--user", action="store_true", help="the user's settings (~/.claude, ~/.cursor, ...) "
                                                           "instead of the project's")
        i.add_argument("--project", default=None, help="project directory (default: git top-level of cwd)")
        i.add_argument("--agent", action="extend", nargs="+", metavar="NAME",
                       choices=list(AGENTS),
                       help="only these agents (default: " + ("every agent detected on this machine or project"
                                                              if name == "init" else "wherever Interlock is") + ")")
        i.add_argument("--dry-run", action="store_true", help="show a unified diff of each file without writing")
        if name == "init":
            i.add_argument("--redact-output", action="store_true",
                           help="also add a Claude Code PostToolUse hook that masks secrets in tool output")
            i.add_argument("--no-backstop", action="store_true",
                           help="skip the Claude Code permissions.deny rules and the Codex .rules file that "
                                "back the hook up when it cannot run")
            i.add_argument("--mcp", action="store_true", help="also route the agents' stdio MCP servers "
                           "(.mcp.json, .cursor/mcp.json, .gemini/settings.json, .codex/config.toml) through "
                           "`interlock mcp-proxy`; uninstall restores them")
            i.add_argument("--system", action="store_true", help="system mode, as root: a service user owns "
                           "Interlock's state and runs the daemon; hooks pinned in the agents' managed settings "
                           "(the setup for any machine with production access; docs/system-mode.md)")

    _secrets_parsers(sub)

    doc = sub.add_parser("doctor", help="is every agent's hook installed, running, fast and failing closed? "
                                        "policy, state, vault, gateways")
    doc.add_argument("--json", action="store_true")
    doc.add_argument("--live", nargs="?", const="all", metavar="AGENT",
                     help="run the installed agent (claude-code, codex, gemini; default: each found) through a short "
                          "scripted session in a throwaway HOME, with a scripted model, and report what ran")
    st = sub.add_parser("stats", help="how often each rule asked or denied (to tune the policy)")
    st.add_argument("--since", help="e.g. 7d, 24h")
    st.add_argument("--json", action="store_true")

    dm = sub.add_parser("demo", help="replay the incident on this machine against local stand-ins (nothing "
                                     "outside a temp dir is touched)")
    dm.add_argument("--fast", action="store_true", help="a smaller database (10k rows instead of 100k)")
    dm.add_argument("--commands", action="store_true", help="only show how a few sample commands are judged")
    dm.add_argument("--pg-url", metavar="URL", help="a PostgreSQL server to use (a scratch database is created "
                                                   "and dropped); default: a local one if it answers, else SQLite")
    dm.add_argument("--sqlite", action="store_true", help="use SQLite even if a PostgreSQL server answers")
    dm.add_argument("--sandbox", action="store_true", help="replay it inside `interlock sandbox` (bubblewrap): "
                                                           "ends with the change set a human would refuse")
    pol = sub.add_parser("policy", help="validate and show the effective policy")
    pol.add_argument("--cwd", default=None)
    from .system_cli import add_parsers as system_parsers

    system_parsers(sub)
    from .approvals.cli import add_parsers as approval_parsers

    approval_parsers(sub)
    from .safeguards.cli import add_parsers as safeguard_parsers

    safeguard_parsers(sub)
    from .safeguards.pgguard import add_parser as protect_parser  # psycopg only when `protect` runs

    protect_parser(sub)
    from .backups.cli import add_parsers as backup_parsers

    backup_parsers(sub)
    from .approvals.web import add_parser as serve_parser  # stdlib only until `serve` runs

    serve_parser(sub)
    _gateway_parsers(sub)
    from .gateways.mcp import add_parser as mcp_proxy_parser  # stdlib only until `mcp-proxy` runs

    mcp_proxy_parser(sub)
    from .standins import add_parser as standin_parser  # stdlib only until `standin` runs

    from .sandbox.cli import add_parsers as sandbox_parsers  # stdlib only until `sandbox` runs

    sandbox_parsers(sub)

    standin_parser(sub)
    return p


def _cli(argv) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    if args.cmd is None:
        p.print_help()
        return 0
    if args.cmd == "hook":
        from .adapters import run_hook

        return run_hook(args.agent)
    if getattr(args, "func", None):
        return args.func(args)
    return globals()["_cmd_" + args.cmd](args)


def _gateway_parsers(sub):
    """``interlock gateway KIND`` (each gateway module registers its own ``add_parser``), ``run``, ``status``."""
    import importlib

    gw = sub.add_parser("gateway", help="run a runtime gateway (http: API routes with the vault's credentials; "
                                        "https-proxy: the same as an HTTPS_PROXY; postgres: the database wire "
                                        "gateway)")
    gsub = gw.add_subparsers(dest="gateway", metavar="KIND")
    for kind in ("http", "https_proxy", "postgres", "mcp_system"):
        try:
            mod = importlib.import_module(f".gateways.{kind}", __package__)
        except ImportError:
            continue
        if hasattr(mod, "add_parser"):
            mod.add_parser(gsub)
    gw.set_defaults(func=lambda a: (gw.print_help(), 2)[1])
    from .gateways.run import add_parsers as run_parsers

    run_parsers(sub)


# --- check ------------------------------------------------------------------------------------

def _cmd_check(args) -> int:
    if args.jsonl:
        return _check_jsonl(args)
    if args.command is None:
        print("interlock check: give a command, e.g. interlock check 'rm -rf build'  (or --jsonl)", file=sys.stderr)
        return 64
    from .engine import check_command

    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    d = check_command(args.command, cwd=cwd)
    if args.json:
        import json

        print(json.dumps(d.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_decision(d, args.command)
    return EXIT[d.decision]


def _print_decision(d, command):
    from .redact import redact
    from . import rules as R

    try:
        from rich.console import Console

        con = Console(highlight=False)
        out = con.print
        color = {"allow": "green", "ask": "yellow", "deny": "red"}[d.decision]
        out(f"[bold {color}]{d.decision.upper()}[/]  " + ("[bold]Interlock could not judge this[/]" if d.error else
                                                             f"severity: [bold]{d.severity}[/]"))
    except ImportError:  # rich is a dependency, but check must work without it
        out = print
        out(f"{d.decision.upper()}  " + ("Interlock could not judge this" if d.error else f"severity: {d.severity}"))
    _out(out, f"command: {redact(command)}")
    if d.error:  # Interlock could not judge: say why and what to do, not a finding about nothing
        _out(out, f"error: {d.error}")
        _out(out, f"\nInterlock could not judge this command, so it answers {d.decision} (fail closed)."
                  + ("" if "`interlock policy`" in d.error else
                     " If this persists, `interlock doctor` checks the installation."))
        return
    for f in d.findings:
        _out(out, f"\n  {f.severity:<12} {f.rule}")
        _out(out, f"    why:      {f.why}")
        _out(out, f"    command:  {redact(f.evidence)}")
        if f.target:
            _out(out, f"    target:   {f.target}")
        if f.location:
            _out(out, f"    where:    {f.location}")
        if f.environment:
            _out(out, f"    env:      {f.environment}")
        if f.note:
            _out(out, f"    note:     {f.note}")
    if not d.findings:
        _out(out, "  nothing destructive, secret or opaque found")
    if d.decision == "allow" and d.reasons:  # a [[rules]] override let it through: which one
        _out(out, "\nallowed by your policy, not by default:")
        for r in d.reasons:
            _out(out, f"  {r}")
    if d.decision != "allow" and d.rules:
        rid = next((r for r in d.rules if not r.startswith("interlock.")), None)
        if rid:
            _out(out, f"\nto change this decision, add to ~/.config/interlock/policy.toml:\n"
                      f"  [[rules]]\n  id = \"{rid}\"\n  decision = \"allow\"   # or \"ask\"")
        else:
            _out(out, "\nInterlock protects itself: no policy can allow this from an agent.")
    del R


def _out(out, text):
    if out is print:
        print(text)
    else:
        out(text, markup=False)


def _check_jsonl(args) -> int:
    import json

    from .actions import Decision
    from .engine import Context, evaluate
    from .redact import redact

    base_cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    ctx_cache = {}
    worst = 0
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            if "tool_name" in obj:
                from .adapters import claude_code

                ev = claude_code.parse(obj, os.environ)
                action = ev.action
                if action is None:
                    d = None
            else:
                from .actions import SHELL, Action

                cmd = obj.get("command")
                if not isinstance(cmd, str):
                    raise ValueError("missing string field 'command'")
                action = Action(SHELL, {"command": cmd}, cwd=obj.get("cwd") or base_cwd)
            if action is not None:
                key = (action.cwd, action.workspace)
                ctx = ctx_cache.get(key)
                if ctx is None:
                    ctx = ctx_cache[key] = Context(action.cwd, workspace=action.workspace)
                d = evaluate(action, ctx)
        except Exception as e:
            d = Decision.failure(f"line {lineno}: {redact(str(e))}", "deny")
        if d is None:
            out = {"decision": "allow", "severity": "read", "rules": [], "reasons": []}
        else:
            out = {"decision": d.decision, "severity": d.severity, "rules": d.rules, "reasons": d.reasons}
            if d.error:
                out["error"] = d.error
        worst = max(worst, EXIT[out["decision"]])
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


# --- rules --------------------------------------------------------------------------------------

def _cmd_rules(args) -> int:
    from .rules import RULES

    if args.json:
        import json

        print(json.dumps([r.to_dict() for r in RULES.values()], indent=2))
        return 0
    if args.markdown:
        from .rules import markdown

        sys.stdout.write(markdown())
        return 0
    try:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"Interlock rules ({len(RULES)})")
        t.add_column("id")
        t.add_column("severity")
        t.add_column("why")
        from rich.text import Text

        for r in RULES.values():  # cells as Text: a [bracketed] word in a rule is not Rich markup
            t.add_row(Text(r.id), Text(r.severity), Text(r.why))
        Console().print(t)
    except ImportError:
        for r in RULES.values():
            print(f"{r.id:32} {r.severity:12} {r.why}")
    return 0


def _cmd_explain(args) -> int:
    from .rules import RULES

    r = RULES.get(args.rule_id)
    if r is None:
        import difflib

        close = difflib.get_close_matches(args.rule_id, list(RULES), n=3)
        print(f"interlock explain: no rule {args.rule_id!r}" + (f"; did you mean: {', '.join(close)}?" if close else
                                                                "; see `interlock rules`"), file=sys.stderr)
        return 64
    print(f"{r.id}  ({r.severity})\n\n{r.why}\n")
    if r.hits:
        print("catches:")
        for h in r.hits:
            print(f"  {h}")
    if r.misses:
        print("\nleaves alone (look-alikes):")
        for m in r.misses:
            print(f"  {m}")
    from .actions import DEFAULT_DECISIONS

    print(f"\ndefault decision: {DEFAULT_DECISIONS[r.severity]}")
    if not r.id.startswith("interlock."):
        print(f"change it in ~/.config/interlock/policy.toml:\n  [[rules]]\n  id = \"{r.id}\"\n  decision = \"ask\"")
    return 0


# --- log -----------------------------------------------------------------------------------------

def _parse_since(s):
    import time

    if not s:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if s[-1] in units and s[:-1].replace(".", "", 1).isdigit():
        return time.time() - float(s[:-1]) * units[s[-1]]
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise SystemExit(f"interlock log: --since {s!r}: use e.g. 30m, 2h, 1d, or 2026-11-26T10:00") from None
    return dt.timestamp()


def _cmd_log(args) -> int:
    import json

    from .audit import open_log
    from .policy import state_dir

    if args.verify and (os.path.lexists("/etc/interlock/system.toml") or os.environ.get("INTERLOCK_SYSTEM_CONFIG")):
        from . import system  # system mode: the daemon (the state's owner) verifies

        try:
            cfg = system.load_config()
            out = system.cli_request(cfg, {"op": "verify", "anchor": args.anchor}) if cfg else None
        except Exception as e:
            print(f"audit log not verified: {type(e).__name__}: {e}"[:300])
            return 1
        if out is not None:
            print(f"audit log OK: {out['count']} records, chain intact" if out.get("ok")
                  else f"audit log BROKEN: {out.get('problem')}")
            return 0 if out.get("ok") else 1
    log = open_log(state_dir())
    if args.verify:
        try:
            anchor = tuple(args.anchor.split(":", 1)) if getattr(args, "anchor", None) else None
            ok, n, problem = log.verify(anchor=anchor) if anchor else log.verify()
        except Exception as e:  # the shared store unreachable: say so, never a traceback (or a password)
            from .redact import redact

            print(f"audit log not verified: {redact(str(e))[:300]}")
            return 1
        if ok:
            print(f"audit log OK: {n} records, chain intact ({log.path})")
            return 0
        print(f"audit log BROKEN at {problem} ({n} records read; {log.path})")
        return 1
    recs = log.records(decision=args.decision, since=_parse_since(args.since), session=args.session,
                       limit=args.limit)
    if args.json:
        for r in recs:
            r = dict(r)
            for k in ("rules", "reasons", "findings", "extra"):
                if r.get(k):
                    r[k] = json.loads(r[k])
            print(json.dumps(r, ensure_ascii=True))  # escaped: a terminal never interprets what an agent wrote
        return 0
    if not recs:
        print("no records")
        return 0
    from datetime import datetime

    for r in recs:
        ts = datetime.fromtimestamp(r["ts"]).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{r['seq']:>6} {ts} {log_line(r)}")
        note = log_note(r)
        if note:  # who approved, rejected or used what
            print(f"{'':>26} ↳ {note}")
    return 0


#: How an approval event reads in the log (the decision column holds a verdict; these are events).
_APPROVAL_LABEL = {"create": "request", "approve": "APPROVE", "reject": "REJECT", "consume": "use", "expire": "expire",
                   "refused": "refused", "notify": "notify", "notify-failed": "notify!"}


def log_label(r) -> str:
    """What a record is: the decision (allow/ask/deny) of an agent's action, or the event it records
    (an approval requested, a human's APPROVE, a snapshot...), so a human's approval never reads
    like an agent's allow."""
    import json

    from .approvals.cli import approval_event

    ap = approval_event(r)
    if ap:
        ev = str(ap.get("event") or "approval")
        return "approver" if ev.startswith("approver-") else _APPROVAL_LABEL.get(ev, ev)
    extra = r.get("extra")
    if extra and '"event"' in extra:
        try:
            ev = json.loads(extra).get("event")
        except ValueError:
            ev = None
        if isinstance(ev, str) and ev.startswith(("snapshot", "restore")):  # the safeguards' own records
            return ev
    return r["decision"]


def log_note(r) -> str | None:
    import json

    from .approvals.cli import approval_event

    if not approval_event(r):
        return None
    from .display import line  # agent-controlled text: never raw on a terminal

    rs = json.loads(r["reasons"] or "[]")
    return line(rs[0], 400) if rs else None


def log_line(r, width=70) -> str:
    """One audit record on one line (without its number and time): what, who, the action."""
    import json

    from .display import line  # agent-controlled text: never raw on a terminal

    rules = ",".join(json.loads(r["rules"] or "[]"))
    return (f"{log_label(r):<8} {r['severity'] or '':<12} {line(r['agent'] or '', 11):<11} "
            f"{line(r['action'] or '', width, 'interlock log --json')}" + (f"  [{rules}]" if rules else ""))


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters, cut between words (never inside a
    quoted string, so what is shown is never a different command) and marked with …"""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    import shlex

    try:
        lex = shlex.shlex(text, posix=False)
        lex.whitespace_split = True
        words = list(lex)
    except ValueError:  # unbalanced quotes: plain words
        words = text.split(" ")
    out = ""
    for w in words:
        if len(out) + len(w) + (1 if out else 0) > width - 2:
            break
        out += (" " if out else "") + w
    return (out or text[:width - 1]) + " …"


# --- init / uninstall --------------------------------------------------------------------------------

def _cmd_init(args) -> int:
    from . import install

    if getattr(args, "system", False):
        from .system_cli import cmd_init_system

        return cmd_init_system(args)

    return install.run(args, remove=False)


def _cmd_uninstall(args) -> int:
    from . import install

    return install.run(args, remove=True)


# --- demo / policy ------------------------------------------------------------------------------------

DEMO = [
    "pytest -q",
    "rm -rf node_modules dist",
    "git push origin feature/login",
    "grep -r 'rm -rf' .",
    "rm -rf src",
    "git reset --hard HEAD~3",
    "X=rm; $X -rf ~",
    "bash -c \"sudo rm -rf --no-preserve-root /\"",
    "echo cm0gLXJmIH4= | base64 -d | sh",
    "cat ~/.aws/credentials",
    "git push --force origin main",
]


def _secrets_parsers(sub):
    """``interlock secrets scan|vault|move``: argparse all the way down, so every level has --help."""
    from .secrets_scan import add_arguments as scan_arguments

    sec = sub.add_parser("secrets", help="find stray credentials and keep them in the vault: "
                                         "interlock secrets scan|vault|move (--help for more)",
                         description="Find stray credentials (secrets scan) and keep them in the vault "
                                     "(secrets vault, secrets move).")
    ssub = sec.add_subparsers(dest="secrets_cmd", metavar="COMMAND")
    sec.set_defaults(func=lambda a: (sec.print_help(), 2)[1])
    sc = ssub.add_parser("scan", help="find stray credentials (tokens in files, secret files by name) and say "
                                      "what the hook answers an agent reading them; exit 1 when anything is found")
    scan_arguments(sc)
    sc.set_defaults(func=_secrets_scan)
    v = ssub.add_parser("vault", help="the vault: add, list, rm")
    vsub = v.add_subparsers(dest="vault_cmd", metavar="COMMAND")
    v.set_defaults(func=lambda a: (v.print_help(), 2)[1])
    va = vsub.add_parser("add", help="store a secret (value from a prompt, or stdin; never argv)")
    va.add_argument("name")
    va.set_defaults(func=_vault_add)
    vl = vsub.add_parser("list", help="names and when they were added (never values)")
    vl.set_defaults(func=_vault_list)
    vr = vsub.add_parser("rm", aliases=["remove"], help="delete one")
    vr.add_argument("name")
    vr.set_defaults(func=_vault_rm)
    mv = ssub.add_parser("move", help="move the secrets found in FILE into the vault and rewrite it with "
                                      "interlock-vault://NAME references")
    mv.add_argument("file")
    mv.set_defaults(func=_vault_move)


def _secrets_scan(args) -> int:
    from .secrets_scan import opts_from, run_opts

    return run_opts(opts_from(args))


def _vault_call(what, fn) -> int:
    from .vault import Vault, VaultError

    try:
        return fn(Vault())
    except VaultError as e:
        print(f"interlock secrets {what}: {e}", file=sys.stderr)
        return 1


def _vault_add(args) -> int:
    def add(v):
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass(f"value for {args.name} (not echoed): ")
        else:
            value = sys.stdin.read()
            value = value[:-1] if value.endswith("\n") else value
        v.add(args.name, value)
        print(f"stored {args.name} ({v.backend} backend)")
        return 0

    return _vault_call("vault", add)


def _vault_list(args) -> int:
    def show(v):
        items = v.list()
        if not items:
            print(f"the vault is empty ({v.backend} backend)")
        for name, meta in sorted(items.items()):
            print(f"{name:40} added {meta.get('added', '?')}" + (f"  from {meta['source']}" if meta.get("source")
                                                                  else ""))
        return 0

    return _vault_call("vault", show)


def _vault_rm(args) -> int:
    def rm(v):
        if v.remove(args.name):
            print(f"removed {args.name}")
            return 0
        print(f"interlock secrets vault: no secret named {args.name!r}", file=sys.stderr)
        return 1

    return _vault_call("vault", rm)


def _vault_move(args) -> int:
    from .vault import Vault, VaultError, move_file

    try:
        moved = move_file(args.file, Vault())
    except (OSError, VaultError) as e:
        print(f"interlock secrets move: {e}", file=sys.stderr)
        return 1
    if not moved:
        print(f"{args.file}: no secrets found, unchanged")
        return 0
    for m in moved:
        print(f"{args.file}:{m['line']}: moved to the vault as {m['name']}")
    print(f"{len(moved)} secret(s) moved; the file now holds interlock-vault:// references")
    return 0


def _cmd_doctor(args) -> int:
    from . import doctor
    from .analysis.paths import find_workspace

    if getattr(args, "live", None):
        from .agents import live

        return live.main(args.live, as_json=args.json)
    return doctor.run(find_workspace(os.getcwd()), os.path.expanduser("~"), as_json=args.json)


def _cmd_stats(args) -> int:
    import json
    from collections import Counter, defaultdict

    from .audit import open_log
    from .policy import state_dir

    from .approvals.cli import approval_event, stats as approval_stats

    recs = open_log(state_dir()).records(since=_parse_since(args.since), limit=10_000_000)
    per = defaultdict(Counter)
    for c in (approval_stats(recs)).items():
        per[c[0]].update(c[1])
    recs = [r for r in recs if not approval_event(r)]  # approval events are counted above, not as decisions
    recs = [r for r in recs if '"event": "snapshot' not in (r.get("extra") or "")
            and '"event": "restore' not in (r.get("extra") or "")]  # safeguards' own records
    for r in recs:
        for rule in json.loads(r["rules"] or "[]"):
            per[rule][r["decision"]] += 1
    rows = sorted(per.items(), key=lambda kv: -(kv[1]["ask"] + kv[1]["deny"] + kv[1]["asked"]))
    if args.json:
        print(json.dumps({"records": len(recs), "rules": {k: dict(v) for k, v in rows}}, indent=2))
        return 0
    print(f"{len(recs)} decisions" + (f" since {args.since}" if args.since else ""))
    print(f"{'rule':36} {'ask':>6} {'deny':>6} {'allow':>6} {'asked':>6} {'approved':>8} {'rejected':>8} "
          f"{'timed out':>9}")
    for rule, c in rows:
        print(f"{rule:36} {c['ask']:>6} {c['deny']:>6} {c['allow']:>6} {c['asked']:>6} {c['approved']:>8} "
              f"{c['rejected']:>8} {c['timed_out']:>9}")
    if rows:
        print("\nA rule that asks often for work you always approve: give it a [[rules]] entry in your policy.")
    return 0


def _cmd_demo(args) -> int:
    import tempfile

    if getattr(args, "sandbox", False):
        from .sandbox.demo import run as run_sandboxed

        return run_sandboxed(fast=args.fast)
    if not args.commands:
        from .demo import run

        return run(fast=args.fast, pg_url=args.pg_url, sqlite=args.sqlite)

    from .engine import check_command

    # a throwaway project, so "rm -rf src" has a src/ to lose and node_modules/ is there to clean
    with tempfile.TemporaryDirectory(prefix="interlock-demo-") as tmp:
        ws = os.path.join(tmp, "app")
        for d in ("src", "node_modules/left-pad", "dist", ".git"):
            os.makedirs(os.path.join(ws, d))
        with open(os.path.join(ws, "src", "main.py"), "w") as f:
            f.write("print('hello')\n")
        with open(os.path.join(ws, ".git", "HEAD"), "w") as f:
            f.write("ref: refs/heads/feature/login\n")
        return _demo_in(ws, check_command)


def _demo_in(ws, check_command) -> int:
    print("Interlock judging commands an agent might send in a sample project (nothing is executed):\n")
    for cmd in DEMO:
        d = check_command(cmd, cwd=ws, workspace=ws)
        mark = {"allow": "allow", "ask": "ASK  ", "deny": "DENY "}[d.decision]
        rule = d.rules[0] if d.decision != "allow" and d.rules else ""
        print(f"  {mark}  {cmd:<48} {d.severity:<12} {rule}")
    print("\nexplain one: interlock check 'rm -rf src'   install: interlock init")
    return 0


def _cmd_policy(args) -> int:
    from . import policy as P
    from .analysis.paths import find_workspace

    cwd = os.path.abspath(args.cwd) if args.cwd else os.getcwd()
    ws = find_workspace(cwd)
    user, project = P.policy_paths(ws)
    try:
        pol = P.load(ws, use_cache=False)
    except P.PolicyError as e:
        head, sep, problems = str(e).partition(": invalid policy: ")
        print(f"INVALID: {head}" + (":" if sep else ""), file=sys.stderr)
        for problem in (problems.split("; ") if sep else []):
            print(f"  {problem}", file=sys.stderr)
        print("Until it is fixed, every hook call is denied (fail closed); run `interlock policy` again to check.",
              file=sys.stderr)
        return 2
    print(f"user policy:    {user} ({'found' if os.path.exists(user) else 'none; defaults apply'})")
    print(f"project policy: {project} ({'found' if project and os.path.exists(project) else 'none'})"
          + (" — trusted: may loosen" if pol.trusted else " — may only tighten"))
    from .actions import DEFAULT_DECISIONS

    for sev in DEFAULT_DECISIONS:
        print(f"  {sev:<13} → {pol.user.decisions.get(sev, DEFAULT_DECISIONS[sev])}")
    overrides = [(layer, o) for layer in (pol.user, pol.project) if layer is not None for o in layer.overrides]
    print(f"[[rules]] overrides: {len(overrides) or 'none'}" + (" (first match wins; the project's first)"
                                                                 if overrides else ""))
    lines = {}
    for layer, o in overrides:
        if layer.source not in lines:
            lines[layer.source] = _table_lines(layer.source, "rules")
        n = int(o.origin.rsplit("#", 1)[1]) - 1
        at = f":{lines[layer.source][n]}" if n < len(lines[layer.source]) else ""
        keys = o.describe()[len(o.origin) + 1:]
        print(f"  {o.decision:<5} {keys}  — {layer.source}{at}" + (f"  ({o.reason})" if o.reason else "")
              + ("  [project, untrusted: may only tighten]" if layer is pol.project and not pol.trusted else ""))
    print(f"protected branches: {', '.join(pol.protected_branches)}")
    return 0


def _table_lines(path, name) -> list[int]:
    """Line numbers of each ``[[name]]`` table in a TOML file (for pointing at an override)."""
    import re

    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    header = re.compile(r"^\s*\[\[\s*" + re.escape(name) + r"\s*\]\]")
    return [i for i, ln in enumerate(text.splitlines(), 1) if header.match(ln)]


if __name__ == "__main__":
    sys.exit(main())
