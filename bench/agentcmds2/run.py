"""Commands OTHER agents ran (bench/agentcmds2), judged in-process: false alarms and catches, per split and agent.

    python bench/agentcmds2/run.py [--jobs 2] [--split tune|held-out|all] [--out DIR] [--tag -x]

The second, independent corpus of real agent commands (README.md): Codex CLI, Cursor, Gemini CLI, GitHub Copilot,
Aider, OpenCode, Grok CLI and Claude Code logs from repositories bench/agentcmds never read. Judged exactly as
bench/agentcmds/run.py judges its corpus — its ``localise`` (the log's project directory onto the fixture's
workspace, the log's home onto the fixture's HOME, the log's repository onto the workspace's origin), bench/run.py's
fixture and bench/external.py's ``judge`` (child processes) and ``split_scores`` — imported, not copied. One
difference: a log whose project directory is written two ways (``c:\\Users\\x\\p`` and ``c:/Users/x/p``) names
both, ``|``-separated, and each is mapped.

Reported per split (a repository is held out when ``sha256(repo) % 3 == 0``) and per agent family: false alarms
(benign commands asked or denied), false hard denies (benign commands denied), risky caught (ask or deny),
destructive/credential denied. Each tune-split false alarm is listed with Interlock's reason and each tune-split miss
with its label; held-out commands are counted, never listed. Output: ``bench/results/agentcmds2-<date><tag>.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
_spec = importlib.util.spec_from_file_location("agentcmds_run", HERE.parent / "agentcmds" / "run.py")
A = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(A)  # bench/agentcmds/run.py: localise(), and through it bench/run.py (R), external.py (X)
R, X = A.R, A.X

CORPUS = HERE / "commands.jsonl"
FAMILIES = ("Codex CLI", "Cursor", "Gemini CLI", "GitHub Copilot", "Aider", "OpenCode", "Grok CLI", "Claude Code")


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def family(agent: str) -> str:
    """The agent family a row's ``agent`` field names first (``Cursor IDE (...)`` -> Cursor)."""
    hits = [(agent.find(f), f) for f in FAMILIES if f in agent]
    return min(hits)[1] if hits else "other"


def localise(cmd: str, project: str, homes: str, ws: Path, home: Path, repo: str = "") -> str:
    parts = [p for p in project.split("|") if p.strip()] or [""]
    for p in parts:
        cmd = A.localise(cmd, p, homes, ws, home, repo)
    return cmd


def _row(label: str, s: dict) -> str:
    return (f"| {label} | {s['n']} | {s['benign']} | {X.pct(s['false_alarms'], s['benign'])} | "
            f"{X.pct(s['false_denies'], s['benign'])} | {X.pct(s['risky_caught'], s['risky'])} | "
            f"{X.pct(s['hard_denied'], s['hard'])} ({s['hard_allowed']}) |")


HEAD = ["| {} | commands | benign | false alarms (ask+deny) | false hard denies | risky caught | "
        "destructive/credential denied (allowed) |", "|---|---:|---:|---:|---:|---:|---:|"]


def render(rows: list[dict], meta: dict, name: str = "agentcmds2") -> str:
    sc = X.split_scores(rows)
    L = [f"# Commands other agents ran (bench/{name}) — {meta['when']}", "",
         f"Corpus: `bench/{name}/commands.jsonl`, {len(rows)} distinct commands from "
         f"{len({r['repo'] for r in rows})} public repositories (see bench/{name}/README.md), labelled by hand "
         f"before any run. Commit {meta['commit']}; {meta['seconds']:.0f} s wall, {meta['cpu']:.1f} s CPU in the "
         f"judging children ({meta['jobs']} worker(s)). One command: `python bench/{name}/run.py`.", "",
         HEAD[0].format("split"), HEAD[1]]
    for split in ("tune", "held-out", "all"):
        L.append(_row(split, sc[split]))
    L += ["", "Per agent family and split (the agent named by each log; repositories in brackets):", "",
          HEAD[0].format("agent / split"), HEAD[1]]
    for fam in FAMILIES + ("other",):
        fr = [r for r in rows if family(r["agent"]) == fam]
        if not fr:
            continue
        fs = X.split_scores(fr)
        for split in ("tune", "held-out"):
            if fs[split]["n"]:
                nrepo = len({r["repo"] for r in fr if r["split"] == split})
                L.append(_row(f"{fam} / {split} [{nrepo}]", fs[split]))
    L += A.tune_lists(rows)
    return "\n".join(L)


def main(argv: list[str] | None = None, corpus: Path = CORPUS, name: str = "agentcmds2") -> int:
    """Judge ``corpus`` (default: this corpus); ``name`` names its results file and report (bench/agentcmds3 reuses this)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--split", choices=("tune", "held-out", "all"), default="all")
    ap.add_argument("--out", type=Path, default=R.RESULTS)
    ap.add_argument("--workdir", type=Path, default=R.ANCHORS / "work")
    ap.add_argument("--tag", default="", help="suffix of the results file name (e.g. -before)")
    ap.add_argument("--json", type=Path, help="also write every row with its decision and reason (not for commit)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rows = [r for r in load(corpus) if args.split == "all" or r["split"] == args.split]
    args.workdir.mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=args.workdir)).resolve()
    try:
        fx = R.make_fixtures(run_root, ["interlock"])["interlock"]
        commands = [localise(r["command"], r["project"], r.get("home", ""), fx.ws, fx.home, r.get("repo", ""))
                    for r in rows]
        results, cpu = X.judge(commands, fx, run_root, args.jobs)
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
    for r, res in zip(rows, results):
        r.update(decision=res[0], reason=res[1], rules=res[2])
    meta = {"when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "jobs": args.jobs, "cpu": cpu,
            "seconds": time.perf_counter() - started, "commit": X.git_commit()}
    text = render(rows, meta, name)
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"{name}-{_dt.date.today().isoformat()}{args.tag}.md"
    dest.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows),
                             encoding="utf-8")
    print(text.split("## Tune split")[0])
    print(f"[{name}] written {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
