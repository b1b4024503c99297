"""``interlock sandbox -- AGENT…`` and ``interlock sandbox status|diff|promote|discard``."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from .store import SandboxError

SUBCOMMANDS = ("run", "status", "diff", "promote", "discard")


def add_parsers(sub):
    s = sub.add_parser("sandbox", help="rehearse first: run an agent on disposable copies of the workspace, "
                                       "its databases and cloud APIs; review the change set and promote what "
                                       "you approve (interlock sandbox -- claude; status|diff|promote|discard)",
                       add_help=False)
    s.add_argument("rest", nargs=argparse.REMAINDER)
    s.set_defaults(func=main)


def _parser():
    p = argparse.ArgumentParser(prog="interlock sandbox", description="Rehearse an agent's task on disposable "
                                "copies; promote what a human approves. See docs/sandbox.md.")
    sp = p.add_subparsers(dest="sub", metavar="COMMAND")
    r = sp.add_parser("run", help="start an agent in a (new or existing) sandbox: interlock sandbox -- AGENT...")
    r.add_argument("--id", help="re-enter this sandbox (its changes so far are kept)")
    r.add_argument("--copy", action="store_true", help="copy the workspace instead of an overlay")
    r.add_argument("--no-gateways", action="store_true", help="start no gateway (no network at all)")
    r.add_argument("--max-branch-mb", type=float, default=20_000, metavar="MB",
                   help="do not branch a database larger than this (default 20000)")
    r.add_argument("--keep", action="append", default=[], metavar="VAR",
                   help="keep this variable although it looks secret (repeatable; your responsibility)")
    r.add_argument("--sample", type=int, default=None, metavar="ROWS",
                   help="branch PostgreSQL databases as a sample: the schema and at most ROWS rows per table")
    r.add_argument("argv", nargs=argparse.REMAINDER)
    st = sp.add_parser("status", help="the sandboxes and what each holds")
    st.add_argument("--json", action="store_true")
    d = sp.add_parser("diff", help="the change set: files, SQL statements, API mutations")
    d.add_argument("id", nargs="?")
    d.add_argument("--stat", action="store_true", help="one line per changed path")
    d.add_argument("--json", action="store_true")
    pr = sp.add_parser("promote", help="apply the approved changes to the real workspace (all, or the PATHs)")
    pr.add_argument("paths", nargs="*", metavar="PATH")
    pr.add_argument("--id")
    pr.add_argument("--dry-run", action="store_true")
    pr.add_argument("--api", metavar="N[,M…]|all", help="also send these recorded API mutations, through the real "
                                                       "gateway (judged again)")
    pr.add_argument("--sql", metavar="N[,M…]|all", help="also run these SQL statements on the real database, "
                                                       "through the real gateway (judged again, snapshots first)")
    pr.add_argument("--mysql", metavar="N[,M…]|all", help="also run these MySQL statements on the real database "
                    "(judged again: approvals, snapshots first; numbers from `diff`)")
    pr.add_argument("--no-files", action="store_true", help="promote no file change")
    ds = sp.add_parser("discard", help="remove every copy the sandbox holds")
    ds.add_argument("id", nargs="?")
    return p


def main(args) -> int:
    return main_argv(list(args.rest))


def main_argv(rest: list[str]) -> int:
    rest = list(rest)
    if not rest or rest[0] in ("-h", "--help"):
        _parser().print_help()
        return 0 if rest else 64
    if rest[0] not in SUBCOMMANDS:  # interlock sandbox [--copy] -- AGENT...
        rest = ["run"] + rest
    a = _parser().parse_args(rest)
    env = dict(os.environ)
    try:
        return {"run": cmd_run, "status": cmd_status, "diff": cmd_diff, "promote": cmd_promote,
                "discard": cmd_discard}[a.sub](a, env)
    except SandboxError as e:
        print(f"interlock sandbox: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        from ..redact import redact

        print(f"interlock sandbox: {redact(str(e))[:400]}", file=sys.stderr)
        return 1


def _home(env):
    return env.get("HOME") or os.path.expanduser("~")


def _workspace(cwd):
    from ..analysis.paths import find_workspace

    return os.path.realpath(find_workspace(cwd, None) or cwd)


def _audit(env, sb, action, extra, decision="allow", reason=""):
    from ..actions import Decision
    from ..audit import open_log
    from ..policy import state_dir

    d = Decision(decision, "write", reasons=[reason] if reason else [])
    open_log(state_dir(env), env).append(action=action, decision=d, agent="sandbox", cwd=sb.workspace,
                                         tool=f"sandbox {sb.id}", extra={"sandbox": sb.id, **extra})


# --- run -------------------------------------------------------------------------------------------

def cmd_run(a, env) -> int:
    from . import confine, store
    from ..gateways import run as R

    argv = list(a.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("interlock sandbox: give the agent to run after --, e.g. interlock sandbox -- claude", file=sys.stderr)
        return 64
    confine.require_bwrap()
    from .. import policy as P

    try:
        pol = P.load(None, env)
    except P.PolicyError as e:
        print(f"interlock sandbox: the policy is invalid, not starting: {e}", file=sys.stderr)
        return 1
    cwd = os.path.realpath(os.getcwd())
    home = _home(env)
    if a.id:
        sb = store.load(env, a.id)
        if sb.running_pid():
            raise SandboxError(f"{sb.id} is already running (pid {sb.running_pid()})")
        if not (cwd == sb.workspace or cwd.startswith(sb.workspace + "/")):
            cwd = sb.workspace
    else:
        ws = _workspace(cwd)
        if ws in ("/", os.path.realpath(home)):
            raise SandboxError(f"the workspace would be {ws}: run it from a project directory")
        t0 = time.monotonic()
        sb = store.create(ws, env)
        try:
            confine.prepare(sb, home, force_copy=a.copy)
        except BaseException:
            store.remove(sb)
            raise
        print(f"interlock sandbox: {sb.id}: {sb.workspace} ({sb.mode}"
              f"{', ' + str(len(sb.meta['masked'])) + ' secret file(s) hidden' if sb.meta['masked'] else ''}; "
              f"{time.monotonic() - t0:.2f}s)", file=sys.stderr)
    started, point, standins, myruns, egress_port = [], {}, [], [], None
    if not a.no_gateways:
        try:
            t1 = time.monotonic()
            extra = _branches(sb, pol, env, a.max_branch_mb, a.sample)
            from . import standin

            standins, sargs = standin.start(sb, pol, env)
            extra["http"] += sargs
            from . import mybranch

            regs = (pol.user.sandbox or {}).get("registries") or []
            if regs:
                from .egress import Proxy, allowed_from

                try:
                    allowed = allowed_from(regs)
                except ValueError as ve:
                    raise SandboxError(str(ve)) from None
                egress_port = Proxy(allowed, sb.sub("network.jsonl")).start()
                print(f"interlock sandbox: package registries reachable through its proxy: "
                      f"{', '.join(sorted(f'{h}:{p}' for h, p in allowed))}", file=sys.stderr)
            for name, sec in mybranch.declared(pol).items():
                myruns.append(mybranch.start(sb, name, sec, pol, env, home, a.max_branch_mb))
                print(f"interlock sandbox: database {name}: a local mariadbd with a copy of it "
                      f"({myruns[-1].database}, reached at 127.0.0.1:{myruns[-1].port} inside; "
                      f"{sb.meta['databases'][name].get('seconds', 0):.2f}s)", file=sys.stderr)
            t2 = time.monotonic()
            # fresh ports of its own: a port the policy names may be served by `interlock run`'s gateway, which
            # leads to the real database — the sandbox must never be pointed at that one
            listen = {"http": "127.0.0.1:0"}
            listen.update({k: f"127.0.0.1:{_free_port()}" for k in extra if k.startswith("postgres:")})
            started, point = R.start_gateways(pol, env, extra_args=extra, https_proxy=False, listen=listen)
            if started:
                print(f"interlock sandbox: gateways started in {time.monotonic() - t2:.2f}s"
                      + (f" (databases branched in {t2 - t1:.2f}s)" if len(extra) > 1 else ""), file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - nothing runs; a sandbox made for this run is removed again
            from ..redact import redact
            from .mybranch import stop as stop_my
            from .standin import stop

            stop(standins)
            for r in myruns:
                stop_my(r)
            if not a.id:
                _remove_quietly(sb, env)
            if isinstance(e, SandboxError):
                raise
            print(f"interlock sandbox: {redact(str(e))[:400]}", file=sys.stderr)
            return 1
    extra_targets = {}
    for r in myruns:  # the agent's MySQL client keeps its address: 127.0.0.1 and the real server's port
        point.setdefault("DATABASE_URL", f"mysql://root@127.0.0.1:{r.port}/{r.database}")
        point.setdefault("MYSQL_HOST", "127.0.0.1")
        point.setdefault("MYSQL_TCP_PORT", str(r.port))
        extra_targets[r.port] = ("unix", r.socket)
    if egress_port:  # the package registries the user policy allows, through the CONNECT-only proxy
        if egress_port in extra_targets:
            raise SandboxError(f"port {egress_port} is taken by a MySQL branch inside the sandbox")
        extra_targets[egress_port] = ("127.0.0.1", egress_port)
        url = f"http://127.0.0.1:{egress_port}"
        for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            point[k] = url
    try:
        return _run_in(sb, argv, cwd, env, home, started, point, a.keep, extra_targets)
    finally:
        for g in started:
            R._stop(g.proc)
        from . import mybranch
        from .standin import stop

        stop(standins)
        for r in myruns:
            mybranch.measure(sb, r, pol, env)
            mybranch.stop(r)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _remove_quietly(sb, env):
    from . import dbbranch, store

    try:
        dbbranch.drop_all(sb, env)
    except Exception:  # noqa: BLE001
        print(f"interlock sandbox: could not drop {sb.id}'s database branches: "
              f"interlock sandbox discard {sb.id}", file=sys.stderr)
        return
    store.remove(sb)


def _branches(sb, pol, env, max_mb=None, sample=None) -> dict:
    """Branch each database a PostgreSQL gateway serves (once per sandbox); the gateways' extra arguments
    that point them at the branches and make the HTTP gateway record mutations instead of sending them."""
    from . import dbbranch

    gws = pol.user.gateways or {}
    extra = {"http": ["--record", sb.sub("mutations.jsonl")]}
    if (gws.get("http") or {}).get("proxy_listen"):
        print("interlock sandbox: the HTTPS proxy is not started in a sandbox (its requests are not recorded "
              "yet): only the routes of [gateways.http] are reachable", file=sys.stderr)
    for name, spec in (gws.get("postgres") or {}).items():
        upstream = spec.get("upstream") or name
        info = (sb.meta.get("databases") or {}).get(upstream)
        if info is None:
            try:
                info = dbbranch.create_pg(sb, upstream, pol, env, max_mb, sample)
            except SandboxError:
                raise
            except Exception as e:  # noqa: BLE001 - no branch, no database access at all
                from ..redact import redact

                raise SandboxError(f"could not branch database {upstream}: {redact(str(e))[:300]}") from None
            print(f"interlock sandbox: database {upstream}: branch {info['branch']} ({info['method']}, "
                  f"{info.get('seconds', 0):.2f}s)", file=sys.stderr)
            if info.get("sampled") is not None:
                print(f"interlock sandbox: database {upstream} is a SAMPLE: at most {info['sample_rows']:,} rows per "
                      f"table ({sum(info['sampled'].values()):,} rows in {len(info['sampled'])} table(s))"
                      + (f"; constraints left out (their rows are not in the sample): {', '.join(info['left_out'])}"
                         if info.get("left_out") else ""), file=sys.stderr)
        extra[f"postgres:{name}"] = ["--branch", info["branch"], "--record", sb.sub("sql.jsonl"),
                                     "--branch-user", info["role"], "--branch-password-vault", info["role_vault"]]
    return extra


def _loopback_targets(started) -> dict[int, tuple[str, int]]:
    from urllib.parse import urlsplit

    out = {}
    for g in started:
        u = urlsplit(g.url if "://" in g.url else "tcp://" + g.url)
        if u.hostname in ("127.0.0.1", "localhost", "::1") and u.port:
            out[u.port] = ("127.0.0.1" if u.hostname == "localhost" else u.hostname, u.port)
    return out


def _run_in(sb, argv, cwd, env, home, started, point, keep, extra_targets=None) -> int:
    import shutil
    import tempfile

    from .forward import serve_outside

    targets = _loopback_targets(started)
    for port, target in (extra_targets or {}).items():
        if port in targets:
            raise SandboxError(f"port {port} is taken by a gateway inside the sandbox: {target[0]} not forwarded")
        targets[port] = target
    # the sockets live in a short private directory (a Unix socket's path has at most 107 bytes)
    sock_dir = tempfile.mkdtemp(prefix="interlock-sbx-")
    try:
        if targets:
            serve_outside(sock_dir, targets)
        return _run_confined(sb, argv, cwd, env, home, point, keep, targets, sock_dir)
    finally:
        shutil.rmtree(sock_dir, ignore_errors=True)


def _run_confined(sb, argv, cwd, env, home, point, keep, targets, sock_dir) -> int:
    from . import confine
    from ..gateways import run as R
    from ..policy import state_dir

    child_env, removed = R.scrub_env(env)
    for k in keep:
        if k in env:
            child_env[k] = env[k]
    for k in R._PROXY_VARS:
        child_env.pop(k, None)
    child_env["NO_PROXY"] = child_env["no_proxy"] = "127.0.0.1,localhost,::1"
    child_env.update(point)
    for k in ("TMPDIR", "XDG_RUNTIME_DIR", "SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS"):
        child_env.pop(k, None)  # all point at hidden places
    child_env["INTERLOCK_HOME"] = confine.INNER_STATE
    child_env["INTERLOCK_SANDBOX"] = sb.id
    if removed:
        print(f"interlock sandbox: removed from the agent's environment: {', '.join(removed)}", file=sys.stderr)
    inner = [sys.executable, "-I", "-B", "-m", "interlock.sandbox.inner"]
    for port in targets:
        inner += ["--forward", str(port)]
    inner += ["--"] + argv
    bargs = confine.bwrap_argv(sb, home=home, state_dir=state_dir(env), cwd=cwd, inner=inner, sock_dir=sock_dir)
    full = confine.launch_argv(sb, bargs)
    _audit(env, sb, f"sandbox run {os.path.basename(argv[0])}", {"mode": sb.mode, "workspace": sb.workspace,
                                                                  "databases": sb.meta.get("databases") or {}})
    try:
        proc = subprocess.Popen(full, env=child_env)
    except OSError as e:
        print(f"interlock sandbox: cannot start the sandbox: {e.strerror or e}", file=sys.stderr)
        return 127
    sb.meta.update(pid=os.getpid(), state="running")
    sb.meta.setdefault("runs", []).append({"argv0": os.path.basename(argv[0]), "started": time.time()})
    sb.save()
    code = R._wait_forwarding(proc)
    sb.meta.update(pid=None, state="ready")
    sb.save()
    try:
        from .changes import file_changes

        n = len(file_changes(sb))
        print(f"interlock sandbox: {sb.id}: the agent exited ({code}); {n} file change(s) held in the sandbox, "
              f"nothing applied. Review: interlock sandbox diff {sb.id}; apply: interlock sandbox promote "
              f"--id {sb.id} [PATH...]; drop: interlock sandbox discard {sb.id}", file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return code


# --- status / diff ---------------------------------------------------------------------------------

def cmd_status(a, env) -> int:
    from . import store
    from .changes import file_changes

    items = []
    for sb in store.all_sandboxes(env):
        try:
            n = len(file_changes(sb)) if sb.meta.get("mode") else 0
        except Exception:  # noqa: BLE001
            n = None
        items.append({"id": sb.id, "workspace": sb.workspace, "mode": sb.mode, "running": sb.running_pid(),
                      "created": sb.meta.get("created"), "file_changes": n,
                      "databases": sorted((sb.meta.get("databases") or {}).keys()),
                      "mutations": len(_mutations(sb))})
    if a.json:
        print(json.dumps(items, indent=2))
        return 0
    if not items:
        print("no sandboxes (start one: interlock sandbox -- AGENT...)")
    for i in items:
        run = f"running (pid {i['running']})" if i["running"] else "stopped"
        print(f"{i['id']}  {i['workspace']}  {i['mode']}  {run}  {i['file_changes']} file change(s)"
              + (f", {i['mutations']} API mutation(s) recorded" if i["mutations"] else "")
              + (f", databases: {', '.join(i['databases'])}" if i["databases"] else ""))
    return 0


def _mutations(sb) -> list[dict]:
    from .record import load

    return load(sb)


def cmd_diff(a, env) -> int:
    from . import store
    from .changes import _show, render_file_diff
    from .changeset import gather

    sb = store.load(env, a.id, _workspace(os.getcwd()) if not a.id else None)
    cs = gather(sb, env, _home(env))
    changes = cs.pop("_changes")
    stmts, effect, effect_error, muts = cs["sql"], cs["tables"], cs["tables_error"], cs["api_mutations"]
    if a.json:
        print(json.dumps(cs, indent=2))
        return 0
    print(f"# sandbox {sb.id} of {sb.workspace} ({sb.mode}): {len(changes)} file change(s)")
    if a.stat:
        for c in changes:
            print(f"{c.kind[0].upper()} {_show(c.path)}{'/' if c.type == 'dir' else ''}")
    else:
        sys.stdout.write(render_file_diff(sb, changes, _home(env)))
    for name, info in (sb.meta.get("databases") or {}).items():
        print(f"# database {name}: branch {info['branch']} of {info['source']} ({info['method']})")
    ran = [x for x in stmts if x.get("decision") == "allow" and x.get("severity") not in ("read", None)]
    if ran:
        print(f"# SQL statements run on the branches ({len(ran)} that change something, in order):")
        for x in ran:
            tag = " (rehearsed: " + ", ".join(x.get("rules") or []) + ")" if x.get("rehearsed") else ""
            print(f"  {x['number']}. {x['statement'][:500]}{tag}")
    refused = [x for x in stmts if x.get("decision") != "allow"]
    if refused:
        print(f"# SQL statements refused on the branches ({len(refused)}):")
        for x in refused:
            print(f"  {x['number']}. {x['statement'][:300]}  [{x.get('decision')}: {', '.join(x.get('rules') or [])}]")
    mys = cs.get("mysql_sql") or []
    if mys:
        print(f"# MySQL statements sent to the branches ({len(mys)} that may change something, in order; "
              f"promote --mysql N replays one through the policy):")
        for i, x in enumerate(mys, 1):
            print(f"  {i}. {x['database']}: {x['statement'][:500]}")
    if effect:
        print("# effect on the branches (rows: real -> branch):")
        for t in effect:
            print(f"  {t['database']} {t['table']}: {_n(t['real'])}"
                  f"{' (sample)' if t.get('baseline') == 'sample' else ''} -> {_n(t['branch'])}"
                  + (f" ({t['state']})" if t["state"] != "changed" else ""))
    if effect_error:
        print(f"# effect on the branches: could not be measured ({effect_error})")
    if muts:
        print(f"# API mutations recorded, not sent ({len(muts)}):")
        for i, m in enumerate(muts, 1):
            print(f"  {i}. {m.get('summary') or ''}  [outside the sandbox: {m.get('decision')}"
                  f"{' ' + ','.join(m.get('rules') or []) if m.get('rules') else ''}; {m.get('method')} "
                  f"{m.get('url')}]" + (f" — taken for a change: {m['why']}" if m.get("why") and
                                        not m["why"].startswith("it changes something") else ""))
    return 0


def _n(x):
    return "-" if x is None else f"{x:,}"


# --- promote / discard -----------------------------------------------------------------------------

def cmd_promote(a, env) -> int:
    from . import store
    from .changes import file_changes, select

    sb = store.load(env, a.id, _workspace(os.getcwd()) if not a.id else None)
    if sb.running_pid():
        raise SandboxError(f"{sb.id} is running (pid {sb.running_pid()}): promote after the agent exits")
    code = 0
    chosen = [] if a.no_files else select(file_changes(sb), a.paths, sb.workspace)
    if chosen:
        code = _promote_files(a, env, sb, chosen)
        if code:
            return code
    elif not (a.api or a.sql or getattr(a, "mysql", None)):
        print(f"interlock sandbox: nothing to promote from {sb.id}" + (f" under {', '.join(a.paths)}" if a.paths
                                                                        else ""))
        return 0
    if a.sql:
        code = _promote_statements(a, env, sb, "sql") or code
    if a.api:
        code = _promote_api(a, env, sb) or code
    if getattr(a, "mysql", None):
        code = _promote_statements(a, env, sb, "mysql") or code
    return code


def _numbers(spec: str, total: int) -> list[int]:
    if spec == "all":
        return list(range(1, total + 1))
    try:
        out = sorted({int(x) for x in spec.split(",") if x.strip()})
    except ValueError:
        raise SandboxError(f"expected numbers like 1,3 or all, got {spec!r}") from None
    for n in out:
        if not 1 <= n <= total:
            raise SandboxError(f"no #{n}: the sandbox recorded {total}")
    return out


def _promote_api(a, env, sb) -> int:
    from . import record

    nums = _numbers(a.api, len(record.load(sb)))
    if a.dry_run:
        for n in nums:
            print(f"would send API mutation #{n}")
        return 0
    results = record.replay(sb, nums, env)
    _audit(env, sb, f"sandbox promote {len(results)} API mutation(s)", {"api": results},
           reason="API mutations the user chose, sent through the HTTP gateway (each judged again)")
    bad = 0
    for r in results:
        ok = 200 <= r["status"] < 300
        bad += not ok
        print(f"API mutation #{r['number']} ({r['summary']}): {'sent' if ok else 'not sent'}, HTTP {r['status']}"
              + ("" if ok else f": {r['answer'][:300]}"))
    return 1 if bad else 0


#: The two kinds of recorded SQL promote replays: (option, label, module, how they reach the real database).
_SQL_KINDS = {
    "sql": ("SQL", "dbbranch", "run through the PostgreSQL gateway (each judged again: approvals, snapshots first)"),
    "mysql": ("MySQL", "mybranch", "each judged again (approvals, snapshots first), run on the real database"),
}


def _promote_statements(a, env, sb, kind) -> int:
    """``--sql`` / ``--mysql``: the chosen recorded statements on the real databases, through the same policy."""
    import importlib

    label, module, how = _SQL_KINDS[kind]
    mod = importlib.import_module(f".{module}", __package__)
    stmts = mod.statements(sb)
    nums = _numbers(getattr(a, kind), len(stmts))
    if a.dry_run:
        for n in nums:
            print(f"would run {label} #{n}: {stmts[n - 1]['statement'][:200]}")
        return 0
    results = mod.replay(sb, nums, env)
    _audit(env, sb, f"sandbox promote {len(results)} {label} statement(s)", {kind: results},
           reason=f"statements the user chose, {how}")
    bad = 0
    for r in results:
        bad += not r["ok"]
        print(f"{label} #{r['number']}: {'ran' if r['ok'] else 'not run'}"
              + (f" ({r['rows']} row(s))" if r.get("rows") is not None else "")
              + (f", approved ({r['approval']})" if r["ok"] and r.get("approval") else "")
              + ("" if r["ok"] else f": {r['error'][:800]}"))
        if r.get("snapshot"):
            print(f"  snapshot {r['snapshot']} was taken first (undo: interlock restore {r['snapshot']})")
    return 1 if bad else 0


def _promote_files(a, env, sb, chosen) -> int:
    from .changes import apply, conflicts
    from .changes import judge

    problems = conflicts(sb, chosen, _home(env))
    problems += judge(sb, chosen, env, [os.path.normpath(x).strip("/") for x in a.paths or ()])
    if problems:
        _audit(env, sb, f"sandbox promote {len(chosen)} change(s)", {"refused": problems[:50]}, decision="deny",
               reason="the real workspace changed meanwhile, or a change cannot be applied safely")
        print(f"interlock sandbox: promote refused, nothing was applied ({len(problems)} problem(s)):",
              file=sys.stderr)
        for p in problems[:50]:
            print(f"  - {p}", file=sys.stderr)
        return 1
    if a.dry_run:
        for c in chosen:
            print(f"would apply: {c.kind} {c.path}")
        return 0
    snap = _snapshot_before(sb, chosen, env)
    # no record, no change: what is about to be applied is in the audit log first
    _audit(env, sb, f"sandbox promote: applying {len(chosen)} change(s) to {sb.workspace}",
           {"chosen": [c.to_dict() for c in chosen], "snapshot": snap},
           reason="promoted by the user from the sandbox's change set")
    done = apply(sb, chosen)
    if snap:
        print(f"interlock sandbox: the files it replaced or deleted are in snapshot {snap} "
              f"(undo: interlock restore {snap})")
    _audit(env, sb, f"sandbox promote {len(done)} change(s) to {sb.workspace}", {"applied": done},
           reason="promoted by the user from the sandbox's change set")
    for d in done:
        print(f"promoted: {d['change']} {d['path']}")
    return 0


def _snapshot_before(sb, chosen, env) -> str | None:
    """A verified snapshot of every real file the promotion replaces or deletes (``interlock restore`` undoes
    it); raises when one is needed and cannot be taken: nothing is applied then."""
    import shlex

    from ..actions import SHELL, Action
    from ..engine import Context
    from ..safeguards import snapshot
    from ..safeguards.model import SnapshotError

    paths = sorted({c.path for c in chosen if c.kind != "added" and c.type != "dir"})
    paths = [p for p in paths if os.path.lexists(os.path.join(sb.workspace, p))]
    if not paths:
        return None
    cmd = "rm -rf -- " + " ".join(shlex.quote(p) for p in paths)  # what the promotion destroys, in shell terms
    action = Action(SHELL, {"command": cmd}, agent="sandbox", cwd=sb.workspace, workspace=sb.workspace,
                    tool="sandbox promote")
    try:
        snap = snapshot(action, None, Context(sb.workspace, env=env), approver="sandbox promote", progress=None)
    except SnapshotError as e:
        raise SandboxError(f"promote refused, nothing was applied: the files it would replace could not be "
                           f"snapshotted first ({e})") from None
    return snap.id if snap else None


def cmd_discard(a, env) -> int:
    from . import store

    sb = store.load(env, a.id, _workspace(os.getcwd()) if not a.id else None)
    if sb.running_pid():
        raise SandboxError(f"{sb.id} is running (pid {sb.running_pid()}): stop the agent first")
    from . import dbbranch

    dropped = dbbranch.drop_all(sb, env)
    store.remove(sb)
    _audit(env, sb, f"sandbox discard {sb.id}", {"databases_dropped": dropped})
    print(f"interlock sandbox: {sb.id} discarded" + (f" (branches dropped: {', '.join(dropped)})" if dropped else ""))
    return 0
