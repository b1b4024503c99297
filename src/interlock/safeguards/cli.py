"""``interlock snapshots``, ``interlock snapshots verify`` and ``interlock restore``.

Restores are for humans: ``restore`` needs a terminal and a typed confirmation, so an
agent (whose tool calls have no terminal) cannot run one.
"""

from __future__ import annotations

import json
import sys
import time


def add_parsers(sub):
    s = sub.add_parser("snapshots", help="list the snapshots taken before destructive actions; "
                                         "`snapshots verify` re-checks their checksums")
    s.add_argument("what", nargs="?", choices=["list", "verify"], default="list")
    s.add_argument("snapshot", nargs="?", help="only this snapshot (verify)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_snapshots)
    r = sub.add_parser("restore", help="bring a snapshot back (a human at a terminal confirms)")
    r.add_argument("snapshot", help="snapshot id (or a unique prefix/suffix)")
    r.add_argument("--to", default=None, help="another database (name or URL) or path instead of the original")
    r.add_argument("--force", action="store_true", help="replace a non-empty target (what it replaces is kept)")
    r.set_defaults(func=cmd_restore)


def _policy():
    from .. import policy as _p

    try:
        return _p.load(None)
    except _p.PolicyError as e:
        print(f"interlock: {e}", file=sys.stderr)
        return None


def _when(ts):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "?"


def cmd_snapshots(args) -> int:
    from . import list_snapshots, verify
    from .preview_sql import human_bytes

    policy = _policy()
    if args.what == "verify":
        try:
            results = verify(args.snapshot, policy=policy)
        except Exception as e:
            print(f"interlock: {e}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(results, indent=1))
        else:
            for sid, problems in results.items():
                print(f"{sid}  " + ("ok" if not problems else "FAILED: " + "; ".join(problems[:5])))
            if not results:
                print("no snapshots")
        return 1 if any(results.values()) else 0
    snaps = list_snapshots(policy=policy)
    if args.json:
        print(json.dumps([s.to_dict() for s in snaps], indent=1, default=str))
        return 0
    if not snaps:
        print("no snapshots")
        return 0
    rows = [("SNAPSHOT", "TAKEN", "KIND", "SIZE", "TARGET", "ACTION", "APPROVER")]
    for s in snaps:
        m = s.manifest
        rows.append((s.id, _when(m.get("created")), m.get("kind", "?"), human_bytes(m.get("size", 0)),
                     _cut(m.get("target", ""), 40), _cut((m.get("action") or {}).get("summary", ""), 50),
                     m.get("approver") or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0


def _cut(s, n):
    from ..display import line  # agent-controlled text: never raw on a terminal

    s = line(" ".join(str(s).split()))
    return s if len(s) <= n else s[:n - 1] + "…"


def cmd_restore(args) -> int:
    from ..redact import redact
    from . import restore
    from .model import SafeguardError
    from .store import Store, settings, store_dir

    import re

    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*-\d{8}-\d{6}-[0-9a-f]{4}", args.snapshot or ""):
        from ..backups.cli import restore_from_top_level  # a backup id (interlock backups), not a snapshot

        return restore_from_top_level(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("interlock restore needs a terminal: a human confirms every restore, and an agent may not run one.",
              file=sys.stderr)
        return 2
    policy = _policy()
    try:
        snap = Store(store_dir(policy=policy), settings(policy)).get(args.snapshot)
    except SafeguardError as e:
        print(f"interlock: {e}", file=sys.stderr)
        return 1
    m = snap.manifest
    print(f"snapshot  {snap.id}  ({_when(m.get('created'))}, {m.get('kind')})")
    from ..display import line

    print(f"taken before: {line((m.get('action') or {}).get('summary', '?'), 2000, 'interlock snapshots --json')}")
    print(f"restore into: {line(redact(args.to) if args.to else m.get('target'), 2000)}")
    if args.force:
        print("--force: a non-empty target is replaced; what it replaces is kept beside it")
    try:
        answer = input("type 'restore' to go ahead: ")
    except EOFError:
        answer = ""
    if answer.strip() != "restore":
        print("not restored")
        return 1
    try:
        report = restore(snap.id, to=args.to, force=args.force, policy=policy)
    except SafeguardError as e:
        print(f"interlock: {e}", file=sys.stderr)
        return 1
    print(report)
    return 0
