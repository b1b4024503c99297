"""``interlock backups ...`` (see docs/backups.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration(s: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(s))
    if not m:
        raise ValueError(f"not a duration: {s!r} (e.g. 90s, 30m, 6h, 7d)")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def add_parsers(sub):
    b = sub.add_parser("backups", help="verified, encrypted backups of the policy's databases, out of the agent's "
                                       "reach (add, list, verify, status, restore, drill, run)")
    b.add_argument("--home", default=None, help="the backup home (default $INTERLOCK_BACKUP_HOME or "
                                                "/var/lib/interlock-backup)")
    bs = b.add_subparsers(dest="backups_cmd", metavar="COMMAND")
    b.set_defaults(func=lambda a: (b.print_help(), 2)[1])
    import argparse

    _sub = bs.add_parser

    def add(*a, **kw):  # every sub-command also takes --home after its name
        p = _sub(*a, **kw)
        p.add_argument("--home", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    bs.add_parser = add

    a = bs.add_parser("add", help="back up a database the policy declares ([databases.NAME]); run as root")
    a.add_argument("database")
    a.add_argument("--owner", default=None, help="the OS user that owns the store (default interlock-backup, "
                                                 "created if missing; or UID[:GID])")
    a.add_argument("--every", default="6h", help="how often to back up (default 6h)")
    a.add_argument("--rpo", default="24h", help="alert when the newest verified backup is older (default 24h)")
    a.add_argument("--keep", type=int, default=7, help="always keep the newest N locally (default 7)")
    a.add_argument("--keep-days", type=float, default=30, help="drop older local backups (default 30)")
    a.add_argument("--s3", default=None, help="s3://bucket/prefix: a copy under Object Lock (COMPLIANCE)")
    a.add_argument("--s3-endpoint", default=None, help="an S3-compatible endpoint (MinIO, R2, Ceph...)")
    a.add_argument("--s3-region", default=None)
    a.add_argument("--lock-days", type=float, default=30, help="Object Lock retention (default 30)")
    a.add_argument("--pitr", action="store_true", help="PostgreSQL: point-in-time recovery (WAL streamed by "
                                                       "pg_receivewal, base backups by pg_basebackup)")
    a.add_argument("--base-every", default="24h", help="PITR base backup interval (default 24h)")
    a.add_argument("--drill-every", default="7d", help="restore drill from the remote copy (default 7d)")
    a.add_argument("--webhook", action="append", default=[], help="URL told when the RPO is missed or a verify "
                                                                   "fails (also: the policy's [approvals] webhooks)")
    a.add_argument("--unit-dir", default="/etc/systemd/system", help="where to write interlock-backups.service")
    a.add_argument("--no-run", action="store_true", help="do not take the first backup now")
    a.set_defaults(func=_safe(cmd_add))

    ls = bs.add_parser("list", help="backups in the store (root or the backup user)")
    ls.add_argument("database", nargs="?")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_safe(cmd_list))

    v = bs.add_parser("verify", help="restore backups into a scratch database and compare checksums")
    v.add_argument("what", nargs="?", help="a backup id, or a database (its newest backup); default: every "
                                           "database's newest")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_safe(cmd_verify))

    st = bs.add_parser("status", help="per database: RPO met or not, last verified restore, size (anyone)")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_safe(cmd_status))

    r = bs.add_parser("run", help="the runner: take due backups, verify, copy, prune, drill, alert")
    r.add_argument("--foreground", action="store_true", help="loop (what the systemd unit runs)")
    r.add_argument("--once", action="store_true", help="one pass (default)")
    r.add_argument("--job", default=None)
    r.add_argument("--now", action="store_true", help="back up now even if not due")
    r.add_argument("--interval", type=float, default=60.0, help="seconds between passes (--foreground)")
    r.set_defaults(func=_safe(cmd_run))

    rs = bs.add_parser("restore", help="restore a database from a backup (or to a point in time with --time)")
    rs.add_argument("what", help="a backup id, or a database (its newest verified backup)")
    rs.add_argument("--to", default=None, help="another database name (or a SQLite path) instead of the original")
    rs.add_argument("--time", default=None, help="PostgreSQL with --pitr: recover to this time "
                                                 "(e.g. '2026-12-07 10:15:00+00')")
    rs.add_argument("--force", action="store_true", help="replace a non-empty target (what it replaces is kept)")
    rs.add_argument("--from-s3", action="store_true", help="fetch the backup from the bucket, not the local store")
    rs.add_argument("--yes", action="store_true", help="no typed confirmation (scripts run by root)")
    rs.set_defaults(func=_safe(cmd_restore))

    d = bs.add_parser("drill", help="a restore drill: restore the newest verified backup (from the remote copy "
                                    "when there is one) into a scratch database and measure the RTO")
    d.add_argument("database")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=_safe(cmd_drill))

    u = bs.add_parser("unit", help="print the systemd unit `add` writes")
    u.add_argument("--owner", default="interlock-backup")
    u.set_defaults(func=_safe(cmd_unit))


def _safe(cmd):
    """Any unexpected error is a clear failure (exit 1, redacted), never a traceback."""
    def run(args):
        try:
            return cmd(args)
        except KeyboardInterrupt:
            return _fail("interrupted")
        except Exception as e:  # noqa: BLE001
            return _fail(f"{type(e).__name__}: {e}")

    return run


def _home(args):
    from .home import Home, home_dir

    return Home(home_dir(os.environ, args.home))


def _fail(e) -> int:
    from ..redact import redact

    print(f"interlock backups: {redact(str(e))}", file=sys.stderr)
    return 1


def _when(ts):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def _size(n):
    from ..safeguards.preview_sql import human_bytes

    return human_bytes(n or 0)


def _policy_section(name):
    from .. import policy as P
    from ..safeguards import connect as C

    pol = P.load(None, env=_policy_env())
    secs = C.policy_sections(pol)
    if name not in secs:
        raise ValueError(f"the policy declares no database {name!r} (declared: {', '.join(sorted(secs)) or 'none'}); "
                         f"add [databases.{name}] with its url to the policy first")
    return pol, secs[name]


def _policy_env():
    """Under sudo, the policy is the invoking user's (their ~/.config), not root's."""
    env = dict(os.environ)
    su = env.get("SUDO_USER")
    if os.geteuid() == 0 and su and su != "root" and "XDG_CONFIG_HOME" not in env:
        import pwd

        try:
            env["HOME"] = pwd.getpwnam(su).pw_dir
        except KeyError:
            pass
    return env


def cmd_add(args) -> int:
    from ..approvals.notify import webhooks as policy_webhooks
    from ..safeguards import connect as C
    from . import runner
    from .home import DEFAULT_OWNER, BackupError, Home, NAME_RE, create_user, home_dir, resolve_owner

    name = args.database
    if not NAME_RE.match(name):
        return _fail(f"database name {name!r}: letters, digits, _ . - only")
    if os.geteuid() != 0:
        return _fail("run `backups add` as root (sudo): it creates a store owned by a user of its own, which the "
                     "agent's user cannot touch")
    try:
        every, rpo = duration(args.every), duration(args.rpo)
        base_every, drill_every = duration(args.base_every), duration(args.drill_every)
        pol, sec = _policy_section(name)
        if not sec.get("url"):
            raise ValueError(f"[databases.{name}] has no url")
        conn = C.from_url(sec["url"], f"policy [databases.{name}]")
        if conn is None:
            raise ValueError(f"[databases.{name}] url is not a postgresql://, mysql:// or sqlite:// URL")
        conn = C.with_policy(conn, pol, _policy_env())
        if conn.dialect == C.SQLITE:
            conn.file = os.path.abspath(conn.file or "")
            if conn.file.startswith("//"):  # sqlite:////abs/path (SQLAlchemy's spelling)
                conn.file = "/" + conn.file.lstrip("/")
        if args.pitr and conn.dialect != C.POSTGRES:
            raise ValueError("--pitr is for PostgreSQL only (MySQL/SQLite: logical backups)")
        home = Home(home_dir(os.environ, args.home))
        owner = args.owner
        if owner is None:
            owner = f"{os.stat(home.path).st_uid}" if os.path.isdir(home.path) else DEFAULT_OWNER
        try:
            uid, gid, label = resolve_owner(owner)
        except BackupError:
            if re.fullmatch(r"\d+(:\d+)?", owner):
                raise
            create_user(owner, home.path)
            uid, gid, label = resolve_owner(owner)
        agent_uids = {int(x) for x in (os.environ.get("SUDO_UID"),) if x and x.isdigit()}
        if uid == 0 or uid in agent_uids:
            raise ValueError(f"the store must belong to a user of its own, not uid {uid} (the agent's user or root "
                             f"could delete it)")
        if os.path.isdir(home.path) and os.stat(home.path).st_uid not in (uid, 0):
            raise ValueError(f"{home.path} belongs to uid {os.stat(home.path).st_uid}, not {label}")
        home.create(uid, gid)
        secret = {"password": conn.password} if conn.password else {}
        job = {"name": name, "conn": conn.spec(), "every_s": every, "rpo_s": rpo, "keep": args.keep,
               "keep_days": args.keep_days, "drill_every_s": drill_every, "created": time.time(),
               "webhooks": [{k: v for k, v in h.items() if k in ("url", "format", "retries", "timeout_seconds",
                                                                 "backoff_seconds")}
                            for h in policy_webhooks(pol)] + [{"url": u, "format": "json"} for u in args.webhook]}
        if args.s3:
            from . import s3

            job["s3"] = {"url": args.s3, "endpoint": args.s3_endpoint, "region": args.s3_region,
                         "lock_days": args.lock_days}
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                if os.environ.get(k):
                    secret[k.lower()] = os.environ[k]
            desc = s3.check_bucket(job["s3"], secret)
            print(f"bucket: {desc}")
        if args.pitr:
            from . import pitr

            job["pitr"] = {"base_every_s": base_every}
            print(f"pitr: {pitr.check(conn)}")
        home.write_job(job, secret, uid, gid)
    except (BackupError, ValueError, OSError) as e:
        return _fail(e)
    unit = runner.unit_text(home.path, label)
    unit_path = os.path.join(args.unit_dir, runner.UNIT_NAME)
    try:
        os.makedirs(args.unit_dir, exist_ok=True)
        with open(unit_path, "w") as f:
            f.write(unit)
    except OSError as e:
        return _fail(f"could not write {unit_path}: {e.strerror}")
    print(f"backup job {name}: {conn.label} every {args.every}, RPO {args.rpo}, verified by a restore into a scratch "
          f"database; encrypted (key {home.p('keys', 'backup.key')}, readable only by {label})")
    print(f"store: {home.path} (owner {label}; the agent's user can neither delete, alter nor read it)")
    print(f"runner: {unit_path} runs `interlock backups run --foreground` as {label}; start it with\n"
          f"  systemctl daemon-reload && systemctl enable --now {runner.UNIT_NAME}\n"
          f"or run it in the foreground: sudo -u {label.split(':')[0]} interlock backups run --foreground "
          f"--home {home.path}")
    print("keep a copy of the key somewhere offline: without it the backups cannot be read")
    if args.no_run:
        return 0
    argv = [sys.executable, "-m", "interlock", "backups", "--home", home.path, "run", "--once", "--now", "--job", name]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=7200)
    sys.stderr.write(p.stderr)
    st = home.status(name)
    nv = st.get("newest_verified")
    why = (st.get("last_error") or {}).get("error") or "; ".join((st.get("newest") or {}).get("problems") or [])
    print(f"first backup: verified, {nv['id']}" if nv else f"first backup: FAILED: {why}")
    return p.returncode


def cmd_list(args) -> int:
    from . import engine
    from .home import BackupError

    home = _home(args)
    try:
        home.become_owner()
        bs = engine.list_backups(home, args.database)
    except (BackupError, OSError) as e:
        return _fail(e)
    if args.json:
        print(json.dumps(bs, indent=1, default=str))
        return 0
    rows = [("BACKUP", "TAKEN", "SIZE", "VERIFIED", "RESTORE", "REMOTE")]
    for m in bs:
        v = m["verify"]
        remote = "s3 (locked)" if os.path.exists(os.path.join(m["path"], "s3.json")) else "-"
        rows.append((m["id"], _when(m["created"]), _size(m["size"]),
                     "-" if not v else ("ok" if v.get("ok") else "FAILED"),
                     f"{v['rto_seconds']:.1f} s" if v.get("rto_seconds") is not None else "-", remote))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(x) for c, x in zip(r, w)).rstrip())
    return 0


def cmd_verify(args) -> int:
    from . import engine
    from .home import BackupError

    home = _home(args)
    try:
        home.become_owner()
        jobs = home.jobs()
        targets = []
        if args.what and args.what in jobs:
            m = engine.newest(home, args.what)
            targets = [m] if m else []
        elif args.what:
            targets = [engine.find(home, args.what)]
        else:
            targets = [m for m in (engine.newest(home, j) for j in jobs) if m]
        results = {}
        for m in targets:
            job = jobs.get(m["job"])
            if job is None:
                raise BackupError(f"backup {m['id']} belongs to no configured job")
            r = results[m["id"]] = engine.verify(home, job, home.secret(job["name"]), m)
            from . import runner

            st = home.status(job["name"])
            if not r["ok"]:
                st["alerts"] = runner.alert(home, job, "verify_failed", f"backup {m['id']} did not verify: "
                                            + "; ".join(r["problems"][:3]), st)
            st.update(runner.evaluate(home, job))
            home.update_status(job["name"], **st)
    except (BackupError, OSError) as e:
        return _fail(e)
    if args.json:
        print(json.dumps(results, indent=1, default=str))
    else:
        for bid, r in results.items():
            print(f"{bid}  " + (f"ok: {r['tables']} tables, {r['rows']} rows restored into a scratch database, "
                                f"checksums equal ({r['rto_seconds']:.1f} s)" if r["ok"]
                                else "FAILED: " + "; ".join(r["problems"][:5])))
        if not results:
            print("no backups")
    return 0 if results and all(r["ok"] for r in results.values()) else 1


def cmd_status(args) -> int:
    home = _home(args)
    st = home.all_status()
    if args.json:
        print(json.dumps(st, indent=1, default=str))
        return 0 if all(s.get("rpo_met") for s in st.values()) else 1
    if not st:
        print(f"no backup jobs in {home.path} (sudo interlock backups add DB)")
        return 1
    now = time.time()
    for name, s in st.items():
        nv = s.get("newest_verified")
        from .runner import human_age

        age = f"{human_age(now - nv['at'])} ago" if nv else "never"
        print(f"{name}  {'RPO met' if s.get('rpo_met') else 'RPO MISSED'} (RPO {human_age(s.get('rpo_seconds', 0))})")
        print(f"  newest verified backup: {age}" + (f", {_size(nv['size'])}, restore {nv['rto_seconds']:.1f} s"
                                                    if nv and nv.get('rto_seconds') is not None else ""))
        n = s.get("newest")
        if n and not n.get("verified"):
            print(f"  newest backup {n['id']}: NOT verified: {'; '.join(n.get('problems') or [])[:300]}")
        if s.get("last_error"):
            print(f"  last error ({_when(s['last_error']['at'])}): {s['last_error']['error']}")
        d = s.get("last_drill")
        if d:
            print(f"  last restore drill: {_when(d.get('at'))}, {'ok' if d.get('ok') else 'FAILED'}"
                  + (f", RTO {d['rto_seconds']:.1f} s" if d.get("rto_seconds") is not None else ""))
        stores = ", ".join(s.get("stores") or [])
        print(f"  {s.get('count', 0)} backups, {_size(s.get('total_size'))}; stores: {stores}")
        if s.get("pitr"):
            p = s.get("pitr_state") or {}
            print(f"  point-in-time recovery: WAL received until {_when(p.get('wal_at'))}, base backup "
                  f"{_when(p.get('base_at'))}")
    return 0 if all(s.get("rpo_met") for s in st.values()) else 1


def cmd_run(args) -> int:
    from . import runner
    from .home import BackupError

    try:
        return runner.run(_home(args), once=not args.foreground, only=args.job, interval=args.interval,
                          force=args.now)
    except (BackupError, OSError) as e:
        return _fail(e)


def cmd_restore(args) -> int:
    from ..safeguards import connect as C
    from . import engine
    from .home import BackupError

    home = _home(args)
    fetched = None
    try:
        uid, _ = home.owner()
        if os.geteuid() not in (0, uid):
            raise BackupError("restores run as root (sudo) or the backup user: the agent's user cannot reach the "
                              "backups")
        jobs = home.jobs()
        if args.what in jobs:
            job = jobs[args.what]
            m = None if args.time else engine.newest(home, job["name"], verified=True)
            if m is None and not args.time and not args.from_s3:
                raise BackupError(f"{job['name']} has no verified backup")
        else:
            m = None
            try:
                m = engine.find(home, args.what)
                job = jobs[m["job"]]
            except BackupError:
                if not args.from_s3:
                    raise
                job = next((j for n, j in jobs.items() if args.what.startswith(n + "-")), None)
                if job is None:
                    raise
        if args.from_s3 and not args.time:
            fetched = _fetch_remote(home, job, m["id"] if m else (None if args.what in jobs else args.what), m)
            m = fetched[0]
        secret = home.secret(job["name"])
        target = engine.job_conn(job, secret)
        if args.to:
            other = C.from_url(args.to, "--to")
            if other is not None:
                target = other
            elif target.dialect == C.SQLITE:
                target = target.copy(file=os.path.abspath(args.to))
            else:
                target = target.copy(database=args.to)
        if target.dialect == C.SQLITE:
            f = os.path.abspath(target.file or "")
            if os.path.realpath(f) != f:
                # restores run as root: a link planted at the target would aim root's write elsewhere
                raise BackupError(f"the restore target {f} is (or passes through) a symbolic link to "
                                  f"{os.path.realpath(f)}: restore --to the real path")
            target = target.copy(file=f)
        what = f"{job['name']} as of {args.time}" if args.time else f"backup {m['id']} ({_when(m['created'])})"
        print(f"restore {what} into {target.label}" + (" (--force: what it replaces is kept)" if args.force else ""))
        if not args.yes:
            if not sys.stdin.isatty():
                raise BackupError("restore needs a terminal and a typed confirmation, or --yes")
            if input("type 'restore' to go ahead: ").strip() != "restore":
                print("not restored")
                return 1
        if args.time:
            from . import pitr

            r = pitr.restore(home, job, secret, args.time, target, force=args.force, from_s3=args.from_s3)
        else:
            r = engine.restore_into(home, m, fetched[1] if fetched else m["path"], target, force=args.force,
                                    timeout=float(job.get("timeout_s") or 3600))
        try:
            home.update_status(job["name"], last_restore={"at": time.time(), "ok": r["ok"], "to": target.label,
                                                          "rto_seconds": r["rto_seconds"]})
        except OSError:
            pass
    except (BackupError, OSError, KeyError) as e:
        return _fail(e)
    finally:
        if fetched:
            import shutil

            shutil.rmtree(fetched[1], ignore_errors=True)
    print(r.get("message", ""))
    if r["ok"] and args.time:
        print(f"recovered as of {args.time}: {r['tables']} tables, {r['rows']} rows; RTO {r['rto_seconds']:.1f} s")
        return 0
    if r["ok"]:
        print(f"checksums equal to the backup's: {r['tables']} tables, {r['rows']} rows; RTO {r['rto_seconds']:.1f} s")
        return 0
    print("RESTORED, BUT CHECKSUMS DIFFER: " + "; ".join(r["problems"][:5]))
    return 1


def restore_from_top_level(args) -> int:
    """``interlock restore BACKUP_ID [--to X] [--force]``: a typed confirmation at a terminal."""
    import argparse

    ns = argparse.Namespace(home=None, what=args.snapshot, to=args.to, time=None, force=args.force, from_s3=False,
                            yes=False)
    return cmd_restore(ns)


def _fetch_remote(home, job, bid, local):
    """Fetch a backup from the bucket (the newest there when ``bid`` is None) into a private
    temp dir: (manifest, dir).  The store on this machine may be gone entirely."""
    import tempfile

    from . import engine, s3
    from .home import BackupError

    if not job.get("s3"):
        raise BackupError(f"{job['name']} has no s3 store")
    secret = home.secret(job["name"])
    if bid is None:
        ids = s3.list_remote(job["s3"], secret, job["name"])
        if not ids:
            raise BackupError(f"no backups of {job['name']} in {job['s3']['url']}")
        bid = ids[-1]
    os.makedirs(home.p("tmp"), mode=0o700, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fetch-", dir=home.p("tmp"))
    info = (engine.read_json(os.path.join(local["path"], "s3.json")) or {}) if local else {}
    m = s3.download(job["s3"], secret, job["name"], bid, tmp, info.get("versions"))
    if m.get("job") != job["name"] or m.get("id") != bid:
        raise BackupError(f"the manifest fetched for {bid} names another backup")
    return m, tmp


def cmd_drill(args) -> int:
    from . import runner
    from .home import BackupError

    home = _home(args)
    try:
        home.become_owner()
        job = home.job(args.database)
        r = runner.drill(home, job)
        home.update_status(job["name"], last_drill=r)
    except (BackupError, OSError) as e:
        return _fail(e)
    if args.json:
        print(json.dumps(r, indent=1, default=str))
    else:
        print(f"drill {job['name']} from {r['from']}: {'ok' if r['ok'] else 'FAILED'}; RTO {r['rto_seconds']:.1f} s"
              + ("" if r["ok"] else ": " + "; ".join(r["problems"][:3])))
    return 0 if r["ok"] else 1


def cmd_unit(args) -> int:
    from . import runner

    home = _home(args)
    print(runner.unit_text(home.path, args.owner), end="")
    return 0
