"""What ``interlock doctor`` says about each database the policy declares: is it backed up
out of the agent's reach, is the RPO met, when was a restore last verified."""

from __future__ import annotations

import time


def checks(root, env, add):
    from .. import policy as P
    from ..doctor import FAIL, INFO, OK, WARN
    from ..safeguards import connect as C
    from .home import Home, home_dir
    from .runner import human_age

    try:
        pol = P.load(root, env=env, use_cache=False)
    except P.PolicyError:
        return
    dbs = C.policy_sections(pol)
    home = Home(home_dir(env))
    status = home.all_status()
    for name in sorted(set(dbs) | set(status)):
        s = status.get(name)
        if not s:
            add(WARN if name in dbs else INFO, f"backups: {name}: no backups",
                "declared in the policy, but nothing keeps a copy out of the agent's reach",
                f"sudo interlock backups add {name}")
            continue
        now = time.time()
        nv = s.get("newest_verified")
        stores = ", ".join(s.get("stores") or [])
        detail = (f"newest verified backup {human_age(now - nv['at'])} ago"
                  + (f", verified by a restore in {nv['rto_seconds']:.1f} s" if nv.get("rto_seconds") is not None
                     else "") if nv else "no verified backup")
        detail += f"; {s.get('count', 0)} backups; stores: {stores}"
        if s.get("pitr"):
            p = s.get("pitr_state") or {}
            detail += f"; point-in-time recovery: WAL until {time.strftime('%H:%M:%S', time.localtime(p['wal_at']))}" \
                if p.get("wal_at") else "; point-in-time recovery: no WAL received yet"
        newest = s.get("newest") or {}
        problems = []
        if newest and newest.get("verified") is False:
            problems.append(f"the newest backup did not verify ({'; '.join(newest.get('problems') or [])[:200]})")
        if s.get("last_error"):
            problems.append(f"last run failed: {s['last_error'].get('error', '')[:200]}")
        if (s.get("last_drill") or {}).get("ok") is False:
            problems.append("the last restore drill failed")
        updated = float(s.get("updated") or 0)
        if updated and now - updated > max(3 * float(s.get("every_seconds") or 0), 3600):
            problems.append(f"the runner last ran {human_age(now - updated)} ago: is {home.path}'s runner running?")
        rpo = human_age(s.get("rpo_seconds") or 0)
        if not s.get("rpo_met"):
            add(FAIL, f"backups: {name}: RPO {rpo} MISSED", "; ".join(problems + [detail]),
                "sudo systemctl status interlock-backups; interlock backups status")
        elif problems:
            add(WARN, f"backups: {name}: RPO {rpo} met, but " + "; ".join(problems), detail,
                "interlock backups status")
        else:
            add(OK, f"backups: {name}: RPO {rpo} met", detail)
