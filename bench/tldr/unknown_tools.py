#!/usr/bin/env python3
"""The tune split judged as if each example's tool had no knowledge file: a proxy for held-out pages.

    .venv/bin/python bench/tldr/unknown_tools.py [--misses] [--flagged] [--label destructive]

The held-out gap (bench/results/tldr-*.md) comes from tools that have a knowledge file on tune pages and
none on held-out pages.  Held-out pages must not be read, so this measures the same thing on the tune
split: for every example, the knowledge files (``knowledge/clis/*.toml``) that name any word of its
command are set aside — the tool is judged by the generic verb model and the mechanisms in code, as a
tool Interlock never heard of would be.  Handlers in code stay (they are mechanisms or common tools).

Prints caught/flagged per label for the tune split, with and without the knowledge files; ``--misses``
lists the destructive examples allowed without them, ``--flagged`` the benign/read/other ones flagged.
Single process, standard library plus the package under test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from firstpass import held_out  # noqa: E402

import run as R  # noqa: E402

CORPUS = Path(os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="list destructive examples allowed without the files")
    ap.add_argument("--flagged", action="store_true", help="list non-destructive examples flagged without the files")
    ap.add_argument("--label", action="append", default=None,
                    help="labels to judge (default destructive, benign, read, ordinary-delete, other)")
    ap.add_argument("--dump", type=Path, help="write every judged example (id, label, both decisions) as JSON lines")
    args = ap.parse_args(argv)
    labels = {}
    for line in (HERE / "labels.jsonl").read_text().splitlines():
        r = json.loads(line)
        labels[r["id"]] = r
    want = set(args.label or ["destructive", "benign", "read", "ordinary-delete", "other"])
    rows = []
    for line in CORPUS.read_text().splitlines():
        ex = json.loads(line)
        lab = labels[ex["id"]]
        if held_out(ex["page"]) or lab["label"] not in want:
            continue  # held-out pages are never read here
        rows.append((ex, lab["label"], lab.get("cmd", ex["cmd"])))

    root = Path(tempfile.mkdtemp(prefix="unknown-tools-"))
    try:
        fx = R.make_fixtures(root, ["interlock"])["interlock"]
        os.environ.update(HOME=str(fx.home), INTERLOCK_HOME=str(fx.state), CLAUDE_PROJECT_DIR=str(fx.ws),
                          GIT_CEILING_DIRECTORIES=str(root), INTERLOCK_DAEMON="0")
        os.chdir(fx.ws)
        from interlock.analysis.shell import clis
        from interlock.engine import check_command

        real_tool_for = clis.tool_for
        blocked: set[str] = set()

        def tool_for(name):
            return None if name in blocked else real_tool_for(name)

        idx = clis.index()
        out = {}
        for mode in ("with files", "without"):
            clis.tool_for = real_tool_for if mode == "with files" else tool_for
            res = []
            for ex, label, cmd in rows:
                blocked.clear()
                blocked.update(w for w in cmd.replace("'", " ").replace('"', " ").split() if w in idx)
                try:
                    d = check_command(cmd, cwd=str(fx.ws), home=str(fx.home), workspace=str(fx.ws))
                    dec = str(getattr(d.decision, "value", d.decision)).lower()
                    why = " | ".join(str(r) for r in (d.reasons or []))[:500]
                except Exception as e:  # counted against Interlock both ways
                    dec, why = "error", repr(e)[:160]
                res.append((dec, why))
            out[mode] = res
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("tune split, caught/flagged (ask or deny) per label:")
    for label in sorted(want):
        sel = [i for i, r in enumerate(rows) if r[1] == label]
        line = [f"{label:16}"]
        for mode in ("with files", "without"):
            n = sum(out[mode][i][0] in ("ask", "deny", "error") for i in sel)
            line.append(f"{mode}: {n}/{len(sel)} ({100 * n / max(1, len(sel)):.1f}%)")
        print("  " + "   ".join(line))
    if args.dump:
        with open(args.dump, "w") as fh:
            for i, (ex, label, cmd) in enumerate(rows):
                fh.write(json.dumps({"id": ex["id"], "label": label, "cmd": cmd, "with": out["with files"][i],
                                     "without": out["without"][i]}) + "\n")
    if args.misses:
        print("\ndestructive, allowed without the knowledge files:")
        for i, (ex, label, cmd) in enumerate(rows):
            if label == "destructive" and out["without"][i][0] not in ("ask", "deny"):
                print(f"  [{ex['page']}] {cmd}  — {ex['description'][:70]}")
    if args.flagged:
        print("\nnot destructive, flagged without the knowledge files:")
        for i, (ex, label, cmd) in enumerate(rows):
            if label != "destructive" and out["without"][i][0] in ("ask", "deny", "error"):
                print(f"  {label:8} [{ex['page']}] {cmd}  — {out['without'][i][1][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
