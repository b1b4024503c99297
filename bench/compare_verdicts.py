"""Compare this checkout's verdicts with another checkout's, command by command, on the bench corpus and
the tldr-pages corpus (in-process `check_command`, the bench's fixture: fake HOME, project at
~/projects/app).  Prints every command whose decision differs, with the tldr part (tuning / held-out).

    python bench/compare_verdicts.py --other /work/main/src [--tldr $TLDR_CORPUS]

Each side runs in its own process (PYTHONPATH=<src>); nothing is tuned here, it only lists differences.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import run as bench
from interlock.engine import check_command
root, tldr, out = sys.argv[2], sys.argv[3], sys.argv[4]
home = os.path.join(root, "home"); ws = os.path.join(home, "projects", "app")
res = {"bench": {}, "tldr": {}}
for c in bench.load_corpus():
    try:
        d = check_command(c.command, cwd=ws, home=home, workspace=ws)
        res["bench"][c.command] = [str(getattr(d.decision, "value", d.decision)), c.expect]
    except Exception as e:
        res["bench"][c.command] = ["error:" + type(e).__name__, c.expect]
if tldr and os.path.exists(tldr):
    for line in open(tldr, encoding="utf-8"):
        e = json.loads(line)
        cmd = e.get("cmd") or ""
        if not cmd:
            continue
        try:
            d = check_command(cmd, cwd=ws, home=home, workspace=ws)
            res["tldr"][cmd] = [str(getattr(d.decision, "value", d.decision)), e.get("page", "")]
        except Exception as ex:
            res["tldr"][cmd] = ["error:" + type(ex).__name__, e.get("page", "")]
json.dump(res, open(out, "w"))
"""


def _run(src, root, tldr, out):
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    subprocess.run([sys.executable, "-c", _CHILD, str(HERE), root, tldr or "", out], env=env, check=True)
    with open(out) as fh:
        return json.load(fh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--other", required=True, help="src directory of the checkout to compare with")
    ap.add_argument("--tldr", default=os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import run as bench

    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "fx")
        bench.build_template(Path(root))
        mine = _run(None, root, args.tldr, os.path.join(tmp, "mine.json"))
        other = _run(args.other, root, args.tldr, os.path.join(tmp, "other.json"))
    for part in ("bench", "tldr"):
        a, b = mine[part], other[part]
        diffs = [k for k in a if k in b and a[k][0] != b[k][0]]
        print(f"{part}: {len(a)} commands, {len(diffs)} differ")
        if part == "bench":
            fa = lambda d: sum(1 for v in d.values() if v[1] == "allow" and v[0] != "allow")  # noqa: E731
            caught = lambda d: sum(1 for v in d.values() if v[1] != "allow" and v[0] != "allow")  # noqa: E731
            print(f"  false alarms: this {fa(a)}, other {fa(b)} of {sum(1 for v in a.values() if v[1] == 'allow')}; "
                  f"caught: this {caught(a)}, other {caught(b)} of {sum(1 for v in a.values() if v[1] != 'allow')}")
        for k in diffs:
            extra = ""
            if part == "tldr":
                held = int(hashlib.sha256(a[k][1].encode()).hexdigest(), 16) % 5 == 0
                extra = " (held-out)" if held else " (tuning part)"
            print(f"  {b[k][0]} -> {a[k][0]}{extra}: {k[:120]}")


if __name__ == "__main__":
    main()
