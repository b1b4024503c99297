"""The backup runner: takes due backups, verifies them, copies them out, prunes, drills,
checks the RPO and tells humans when it is missed — as the backup user.

``interlock backups run --once`` does one pass; ``--foreground`` loops (what the systemd
unit runs) and keeps ``pg_receivewal`` running for jobs with point-in-time recovery.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time

from ..redact import redact
from . import engine
from .home import BackupError, Home

UNIT_NAME = "interlock-backups.service"


def _log(msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + redact(msg), file=sys.stderr, flush=True)


def human_age(s: float) -> str:
    s = float(s)
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} min"
    if s < 72 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def public_stores(job) -> list[str]:
    out = ["local (owned by the backup user; encrypted)"]
    if job.get("s3"):
        out.append(f"{job['s3']['url']} (object lock COMPLIANCE {float(job['s3'].get('lock_days') or 30):g} d)")
    return out


def evaluate(home: Home, job: dict, now=None) -> dict:
    """RPO met or not, from the store (the public status is rewritten from it)."""
    now = now or time.time()
    bs = engine.list_backups(home, job["name"])
    ok = [m for m in bs if m["verify"].get("ok")]
    newest_v = ok[-1] if ok else None
    last = bs[-1] if bs else None
    rpo = float(job.get("rpo_s") or 86400)
    age = now - newest_v["created"] if newest_v else None
    return {
        "job": job["name"], "dialect": job["conn"]["dialect"], "target": engine.job_conn(job, {}).label,
        "rpo_seconds": rpo, "every_seconds": float(job.get("every_s") or 21600),
        "rpo_met": bool(newest_v) and age <= rpo,
        "newest_verified": None if not newest_v else {
            "id": newest_v["id"], "at": newest_v["created"], "size": newest_v["size"],
            "verified_at": newest_v["verify"].get("at"), "rto_seconds": newest_v["verify"].get("rto_seconds")},
        "newest": None if not last else {"id": last["id"], "at": last["created"], "size": last["size"],
                                         "verified": last["verify"].get("ok"),
                                         "problems": last["verify"].get("problems") or []},
        "count": len(bs), "total_size": sum(m["size"] for m in bs),
        "stores": public_stores(job), "encrypted": True, "pitr": bool(job.get("pitr")),
    }


def alert(home, job, kind, detail, status) -> dict:
    """Send ``kind`` to the job's webhooks unless the same alert went out recently."""
    sent = dict(status.get("alerts") or {})
    again = max(3600.0, min(float(job.get("rpo_s") or 86400), 6 * 3600))  # hourly at most, 6-hourly at least
    if time.time() - float(sent.get(kind) or 0) < again:
        return sent
    from ..approvals.notify import post, where

    hooks = job.get("webhooks") or []
    for h in hooks:
        text = f"Interlock backups: {job['name']}: {detail}"
        body = {"text": text} if h.get("format") == "slack" else {
            "event": f"backup.{kind}", "database": job["name"], "detail": detail,
            "rpo_seconds": status.get("rpo_seconds"), "newest_verified": status.get("newest_verified")}
        ok, what = False, ""
        for attempt in range(int(h.get("retries", 3)) + 1):
            if attempt:
                time.sleep(min(30.0, float(h.get("backoff_seconds", 1.0)) * 2 ** (attempt - 1)))
            ok, again_, what = post(h["url"], redact(body), float(h.get("timeout_seconds", 10)))
            if ok or not again_:
                break
        _log(f"{job['name']}: alert {kind} {'sent to' if ok else 'NOT delivered to'} {where(h['url'])}: {what}")
    if hooks:
        sent[kind] = time.time()
    return sent


def run_job(home: Home, job: dict, force=False) -> dict:
    """One pass for one job; never raises (failures are recorded and alerted)."""
    name = job["name"]
    secret = home.secret(name)
    status = home.status(name)
    now = time.time()
    last = engine.newest(home, name)
    every = float(job.get("every_s") or 21600)
    events = []
    if force or last is None or now - last["created"] >= every:
        try:
            m = engine.backup(home, job, secret)
            events.append(f"backup {m['id']} ({m['size']} bytes, dump {m['dump_seconds']:.1f} s)")
            v = engine.verify(home, job, secret, m)
            events.append(f"verify {'ok' if v['ok'] else 'FAILED'} (restore {v['rto_seconds']:.1f} s)")
            if not v["ok"]:
                status["alerts"] = alert(home, job, "verify_failed", f"backup {m['id']} did not verify: "
                                         + "; ".join(v["problems"][:3]), status)
            elif job.get("s3"):
                from . import s3

                r = s3.upload(job["s3"], secret, m, m["path"])
                engine.write_json(os.path.join(m["path"], "s3.json"), r, 0o600)
                events.append(f"copied to s3://{r['bucket']}/{r['prefix']} (locked until {r['retain_until']})")
            gone = engine.prune(home, job)
            if gone:
                events.append(f"pruned {len(gone)}")
            status["last_error"] = None
        except BackupError as e:
            status["last_error"] = {"at": now, "error": redact(str(e))}
            events.append(f"FAILED: {e}")
            status["alerts"] = alert(home, job, "backup_failed", redact(str(e)), status)
        except Exception as e:  # noqa: BLE001 - recorded; the runner keeps going
            status["last_error"] = {"at": now, "error": redact(f"{type(e).__name__}: {e}")}
            events.append(f"FAILED: {type(e).__name__}: {e}")
    drill_every = float(job.get("drill_every_s") or 7 * 86400)
    if job.get("s3") and now - float((status.get("last_drill") or {}).get("at") or 0) >= drill_every:
        try:
            status["last_drill"] = drill(home, job)
            events.append(f"drill {'ok' if status['last_drill']['ok'] else 'FAILED'} "
                          f"(RTO {status['last_drill']['rto_seconds']:.1f} s)")
            if not status["last_drill"]["ok"]:
                status["alerts"] = alert(home, job, "drill_failed", "; ".join(status["last_drill"]["problems"][:3]),
                                         status)
        except BackupError as e:
            status["last_drill"] = {"at": now, "ok": False, "problems": [redact(str(e))]}
    if job.get("pitr"):
        try:
            from . import pitr

            events += pitr.tick(home, job, secret)
        except BackupError as e:
            events.append(f"pitr FAILED: {e}")
            status["pitr_error"] = {"at": now, "error": redact(str(e))}
    ev = evaluate(home, job)
    status.update(ev)
    if not ev["rpo_met"]:
        age = "no verified backup" if not ev["newest_verified"] else \
            f"the newest verified backup is {human_age(now - ev['newest_verified']['at'])} old"
        status["alerts"] = alert(home, job, "rpo_missed", f"RPO missed: {age} (RPO {human_age(ev['rpo_seconds'])})",
                                 status)
    home.update_status(name, **status)
    for e in events:
        _log(f"{name}: {e}")
    return status


def drill(home: Home, job: dict, bid=None) -> dict:
    """A restore drill: fetch the newest verified backup from the remote copy (the one that
    survives losing this machine), restore it into a scratch database, time it (RTO)."""
    secret = home.secret(job["name"])
    m = engine.find(home, bid) if bid else engine.newest(home, job["name"], verified=True)
    if m is None:
        raise BackupError(f"{job['name']} has no verified backup to drill")
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="drill-", dir=home.p("tmp"))
    try:
        src = m["path"]
        if job.get("s3"):
            from . import s3

            info = engine.read_json(os.path.join(m["path"], "s3.json")) or {}
            remote = s3.download(job["s3"], secret, job["name"], m["id"], tmp, info.get("versions"))
            if remote.get("sha256") != m.get("sha256"):
                raise BackupError("the remote manifest does not match the local one")
            src = tmp
        r = engine.verify(home, job, secret, dict(m), src_dir=src)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r["rto_seconds"] = round(time.time() - t0, 3)
    r["from"] = "s3" if job.get("s3") else "local"
    return r


def run(home: Home, once=True, only=None, interval=60.0, force=False) -> int:
    home.become_owner()
    stop = {"now": False}

    def _term(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)
    failed = 0
    try:
        while True:
            jobs = home.jobs()
            if only:
                if only not in jobs:
                    raise BackupError(f"no backup job {only!r}")
                jobs = {only: jobs[only]}
            for job in jobs.values():
                st = run_job(home, job, force=force)
                failed += bool(st.get("last_error")) or not st.get("rpo_met")
            if once:
                return 1 if failed else 0
            force = False
            t_end = time.time() + interval
            while not stop["now"] and time.time() < t_end:
                time.sleep(min(1.0, interval))
            if stop["now"]:
                return 0
    finally:
        try:
            from . import pitr

            pitr.stop_all()
        except Exception:  # noqa: BLE001
            pass


def unit_text(home: str, owner_label: str, exe: str | None = None) -> str:
    exe = exe or (shutil.which("interlock") or f"{sys.executable} -m interlock")
    user = owner_label.split(":")[0]
    return f"""# written by `interlock backups add` — see docs/backups.md
[Unit]
Description=Interlock backups: verified, encrypted copies out of the agent's reach
After=network-online.target postgresql.service mariadb.service mysql.service
Wants=network-online.target

[Service]
Type=simple
# a user of its own: the agent's user can neither delete, alter nor read what it writes
User={user}
Environment=INTERLOCK_BACKUP_HOME={home}
ExecStart={exe} backups run --foreground --home {home}
Restart=always
RestartSec=30
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths={home}
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
"""
