"""Ordinary shell one-liners written by people (NL2Bash), judged in-process: false alarms and catches.

    python bench/nl2bash/run.py [--corpus DIR] [--part windows|rest|all] [--jobs 2] [--split tune|held-out|all] [--dump-flagged]

The corpus is NOT in this repository: it is read from ``--corpus`` (default
``/work/shared/corpora/nl2bash``, or ``$NL2BASH_CORPUS``) — text files ``all.cm.<offset>.txt``, one
command a line, each a transcription of the 16,000 characters of NL2Bash's ``data/bash/all.cm``
from that character offset (see FETCH.md beside this file for where and how). Commands are
de-duplicated; a command's id is the first 12 hex digits of ``sha256(command)``, and it is
HELD-OUT when ``int(sha256(command).hexdigest(), 16) % 5 == 0`` (20%).

Labels: ``rules.py`` gives a first pass by the written rules (RULES.md); ``labels.jsonl`` (id,
label, why — no command text) holds the hand labels, which win. Every command without either is
``benign``. Each command goes through ``interlock.engine.check_command`` as bench/external.py
calls it (child processes, the bench fixture as HOME and workspace, the workspace as cwd).

Reported per split (label ``outside`` — a write or delete outside the project into a place the
bench machine does not have — apart: Interlock asks those only where the place exists): false alarms (benign asked or denied), false hard denies (benign denied),
risky caught (asked or denied), destructive/credential denied, and allowed. Details (each false
alarm with Interlock's reason) are written for the tune split only.
Output: ``bench/results/nl2bash-<date>.md``. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import external as X  # noqa: E402  (bench/external.py: judge(), pct(), md())
import run as R  # noqa: E402  (bench/run.py: the fixture)
import rules as RL  # noqa: E402  (bench/nl2bash/rules.py: the first-pass labels)

DEFAULT = Path(os.environ.get("NL2BASH_CORPUS", "/work/shared/corpora/nl2bash"))
LABELS = HERE / "labels.jsonl"


def cid(cmd: str) -> str:
    return hashlib.sha256(cmd.encode()).hexdigest()[:12]


def held_out(cmd: str) -> bool:
    return int(hashlib.sha256(cmd.encode()).hexdigest(), 16) % 5 == 0


WINDOW_OFFSETS = (0, 36000, 72000, 144000, 216000, 288000, 360000, 396000, 432000)


def _whole_file(corpus: Path) -> Path | None:
    for cand in (corpus / "all.cm.all.txt", corpus / "full" / "all.cm.all.txt"):
        if cand.exists():
            return cand
    return None


def _rows(lines, name: str, seen: set) -> list[dict]:
    rows = []
    for line in lines:
        cmd = line.strip()
        if not cmd or cmd in seen:
            continue
        seen.add(cmd)
        rows.append({"id": cid(cmd), "command": cmd, "chunk": name,
                     "split": "held-out" if held_out(cmd) else "tune"})
    return rows


def load(corpus: Path, part: str = "windows") -> list[dict]:
    """``windows``: the nine 16,000-character windows (files ``all.cm.<offset>.txt``, or cut from the whole
    file by FETCH.md's rule) -- the figures every earlier session reported. ``rest``: every other command of
    the whole file (``all.cm.all.txt`` in the corpus directory or its ``full/``), commands that also occur in a
    window left out. ``all``: both. Ids and the held-out split are by command text, whatever the part."""
    if not corpus.exists():
        sys.exit(f"NL2Bash corpus not found: {corpus} (see bench/nl2bash/FETCH.md; --corpus or NL2BASH_CORPUS)")
    if corpus.is_file():
        return _rows(corpus.read_text(encoding="utf-8").splitlines(), corpus.name, set())
    seen: set = set()
    windows: list[dict] = []
    files = sorted(f for f in corpus.glob("all.cm.*.txt") if f.name.split(".")[2].isdigit())
    whole = _whole_file(corpus)
    if files:
        for f in files:
            windows += _rows(f.read_text(encoding="utf-8").splitlines(), f.name, seen)
    elif whole is not None:
        text = whole.read_text(encoding="utf-8")
        for off in WINDOW_OFFSETS:
            lines = text[off:off + 16000].split("\n")[1 if off else 0:-1]
            windows += _rows(lines, f"all.cm.{off:06d}", seen)
    if part == "windows":
        return windows
    if whole is None:
        sys.exit(f"--part {part} needs the whole file all.cm.all.txt in {corpus} or {corpus / 'full'} (FETCH.md)")
    rest = _rows(whole.read_text(encoding="utf-8").splitlines(), "rest", seen)
    return rest if part == "rest" else windows + rest


def load_labels(path: Path = LABELS) -> dict[str, dict]:
    if not path.exists():
        return {}
    return {r["id"]: r for r in (json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip())}


def label(rows: list[dict], hand: dict[str, dict]) -> None:
    for r in rows:
        if r["id"] in hand:
            r["label"], r["why"], r["by"] = hand[r["id"]]["label"], hand[r["id"]].get("why", ""), "hand"
        else:
            r["label"], r["why"] = RL.first_pass(r["command"])
            r["by"] = "rule"


def scores(rows: list[dict]) -> dict:
    return X.split_scores(rows)


def table(sc: dict) -> list[str]:
    L = ["| split | commands | benign | false alarms (ask+deny) | false hard denies | risky caught | "
         "destructive/credential denied | … caught (ask or deny) | … allowed | outside, place absent here: asked |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for split in ("tune", "held-out", "all"):
        s = sc[split]
        L.append(f"| {split} | {s['n']} | {s['benign']} | {X.pct(s['false_alarms'], s['benign'])} | "
                 f"{X.pct(s['false_denies'], s['benign'])} | {X.pct(s['risky_caught'], s['risky'])} | "
                 f"{X.pct(s['hard_denied'], s['hard'])} | {X.pct(s['hard_caught'], s['hard'])} | {s['hard_allowed']} | "
                 f"{X.pct(s['outside_caught'], s['outside'])} |")
    t, h = sc["tune"], sc["held-out"]
    if t["benign"] and h["benign"]:
        L += ["", f"Gap (held-out minus tune false-alarm rate): "
                  f"{100 * (h['false_alarms'] / h['benign'] - t['false_alarms'] / t['benign']):+.2f} points."]
    return L


def render(rows: list[dict], sc: dict, meta: dict) -> str:
    L = [f"# Shell one-liners written by people (NL2Bash) — {meta['when']}", "",
         f"Corpus: {len(rows)} distinct commands of NL2Bash's `data/bash/all.cm`, part `{meta['part']}` "
         f"({'the nine 16,000-character windows' if meta['part'] == 'windows' else 'the rest of the file' if meta['part'] == 'rest' else 'the whole file'}, "
         "see bench/nl2bash/FETCH.md), labelled by bench/nl2bash/RULES.md. "
         f"Commit {meta['commit']}; {meta['seconds']:.0f} s wall, {meta['cpu']:.1f} s CPU in the judging children. "
         "One command: `python bench/nl2bash/run.py --corpus DIR`. Commands quoted below are NL2Bash's "
         "(MIT licence, Copyright (c) 2020 NL2Bash dataset).", ""]
    L += table(sc)
    L += ["", "## Tune split: benign commands flagged", "", "| decision | id | command | reason |", "|---|---|---|---|"]
    for r in rows:
        if r["split"] == "tune" and r["label"] == "benign" and r["decision"] != "allow":
            L.append(f"| {r['decision']} | {r['id']} | `{X.md(r['command'], 140)}` | {X.md(r['reason'], 220)} |")
    L += ["", "## Tune split: risky or worse commands allowed", "", "| label | id | command | why labelled |", "|---|---|---|---|"]
    for r in rows:
        if r["split"] == "tune" and r["label"] not in ("benign", "outside") and r["decision"] == "allow":
            L.append(f"| {r['label']} | {r['id']} | `{X.md(r['command'], 140)}` | {X.md(r['why'], 140)} |")
    L += ["", "Held-out commands are counted above and never listed.", ""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--split", choices=("tune", "held-out", "all"), default="all")
    ap.add_argument("--part", choices=("windows", "rest", "all"), default="windows",
                    help="windows: the nine windows measured since the start; rest: the rest of the file (new); all: both")
    ap.add_argument("--out", type=Path, default=R.RESULTS)
    ap.add_argument("--workdir", type=Path, default=R.ANCHORS / "work")
    ap.add_argument("--tag", default="")
    ap.add_argument("--dump-flagged", type=Path, default=None,
                    help="write the tune split's rows (command, label, decision, reason) as JSONL for labelling")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rows = [r for r in load(args.corpus, args.part) if args.split == "all" or r["split"] == args.split]
    label(rows, load_labels())
    args.workdir.mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix="nl2bash-", dir=args.workdir)).resolve()
    try:
        fx = R.make_fixtures(run_root, ["interlock"])["interlock"]
        results, cpu = X.judge([r["command"] for r in rows], fx, run_root, args.jobs)
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
    for r, res in zip(rows, results):
        r.update(decision=res[0], reason=res[1], rules=res[2])
    sc = scores(rows)
    meta = {"when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": cpu, "commit": X.git_commit(),
            "seconds": time.perf_counter() - started, "chunks": len({r["chunk"] for r in rows}), "part": args.part}
    if args.dump_flagged:
        args.dump_flagged.write_text("".join(json.dumps({k: r[k] for k in ("id", "command", "label", "why", "by", "decision", "reason", "rules")}) + "\n"
                                             for r in rows if r["split"] == "tune"), encoding="utf-8")
    text = render(rows, sc, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    part = "" if args.part == "windows" else f"-{args.part}"
    dest = args.out / f"nl2bash-{_dt.date.today().isoformat()}{part}{args.tag}.md"
    dest.write_text(text, encoding="utf-8")
    print(text.split("## Tune split")[0])
    print(f"[nl2bash] written {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
