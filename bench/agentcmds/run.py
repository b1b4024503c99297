"""Commands real coding agents ran (public logs), judged in-process: false alarms and catches.

    python bench/agentcmds/run.py [--jobs 2] [--split tune|held-out|all] [--out DIR]
    python bench/run.py --agentcmds              (the same, both splits)

Every command of ``bench/agentcmds/commands.jsonl`` (built by ``build.py`` from ``raw/``; see
README.md) goes through ``interlock.engine.check_command`` exactly as ``bench/external.py`` calls
it (its ``judge``: child processes, the bench fixture as HOME and workspace). The log's project
directory is mapped onto the fixture's workspace and the log's home directory onto the fixture's
HOME, so ``/Users/jo/app/src`` in a log is ``<workspace>/src`` here, and the log's repository (the
project's own: the log was committed there) onto the workspace's origin (``gh issue create --repo
owner/repo`` in owner/repo's own log) — the agent worked in that project, as the judged agent works
in the workspace.

Reported per split (a source is held out when ``sha256(repo) % 3 == 0``):
- false alarms: benign commands asked or denied; false hard denies: benign commands denied;
- risky caught (ask or deny), destructive/credential denied.
Details (each false alarm with Interlock's reason) are written for the tune split only; held-out
commands are for measuring, never for reading. Output: ``bench/results/agentcmds-<date>.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import external as X  # noqa: E402  (bench/external.py: judge(), pct())
import run as R  # noqa: E402  (bench/run.py: the fixture)

CORPUS = HERE / "commands.jsonl"
_HOME = re.compile(r"^(/Users/[^/]+|/home/[^/]+|[A-Za-z]:/Users/[^/]+|/mnt/[a-z]/Users/[^/]+)(?=/|$)")


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


FIXTURE_REPO = "example/app"  # the bench workspace's origin (bench/run.py build_template)


def localise(cmd: str, project: str, homes: str, ws: Path, home: Path, repo: str = "") -> str:
    """The log's project directory -> the fixture workspace; the log's home -> the fixture HOME; the log's
    repository (the project's own: the log was committed there) -> the workspace's origin."""
    if repo and "/" in repo:  # only where a repository is named: --repo X, -R X, github.com/X
        cmd = re.sub(r"(?i)((?:--repo[= ]|-R |github\.com[/:])['\"]?)" + re.escape(repo) + r"(?![\w.-])",
                     lambda m: m.group(1) + FIXTURE_REPO, cmd)
    if project:
        cmd = cmd.replace(project.rstrip("/"), str(ws))
        m = _HOME.match(project)
        if m:
            homes = "|".join(filter(None, [homes, m.group(1)]))
    for h in filter(None, (x.strip() for x in homes.split("|"))):
        cmd = re.sub(re.escape(h) + r"(?=/|\\|\b)", str(home), cmd)
    return cmd


def scores(rows: list[dict]) -> dict:
    return X.split_scores(rows)


def render(rows: list[dict], sc: dict, meta: dict) -> str:
    L = [f"# Commands real agents ran — {meta['when']}", "",
         f"Corpus: `bench/agentcmds/commands.jsonl`, {len(rows)} distinct commands from "
         f"{len({r['repo'] for r in rows})} public logs (see bench/agentcmds/README.md). Commit {meta['commit']}; "
         f"{meta['seconds']:.0f} s wall, {meta['cpu']:.1f} s CPU in the judging children ({meta['jobs']} worker(s)). "
         "One command: `python bench/agentcmds/run.py`.", "",
         "| split | commands | benign | false alarms (ask+deny) | false hard denies | risky caught | destructive/credential denied (allowed) |",
         "|---|---:|---:|---:|---:|---:|---:|"]
    for split in ("tune", "held-out", "all"):
        s = sc[split]
        L.append(f"| {split} | {s['n']} | {s['benign']} | {X.pct(s['false_alarms'], s['benign'])} | "
                 f"{X.pct(s['false_denies'], s['benign'])} | {X.pct(s['risky_caught'], s['risky'])} | "
                 f"{X.pct(s['hard_denied'], s['hard'])} ({s['hard_allowed']}) |")
    t, h = sc["tune"], sc["held-out"]
    if t["benign"] and h["benign"]:
        L += ["", f"Gap (held-out minus tune false-alarm rate): "
                  f"{100 * (h['false_alarms'] / h['benign'] - t['false_alarms'] / t['benign']):+.2f} points."]
    L += tune_lists(rows)
    return "\n".join(L)


def tune_lists(rows) -> list[str]:
    """The tune split's false alarms and misses as Markdown lines (held-out rows are counted, never listed)."""
    L = ["", "## Tune split: benign commands flagged", "", "| decision | command | reason | source |", "|---|---|---|---|"]
    for r in rows:
        if r["split"] == "tune" and r["label"] == "benign" and r["decision"] != "allow":
            L.append(f"| {r['decision']} | `{X.md(r['command'], 160)}` | {X.md(r['reason'], 200)} | {r['source']} |")
    L += ["", "## Tune split: risky or worse commands allowed", "", "| label | command | why labelled | source |", "|---|---|---|---|"]
    for r in rows:
        if r["split"] == "tune" and r["label"] != "benign" and r["decision"] == "allow":
            L.append(f"| {r['label']} | `{X.md(r['command'], 160)}` | {X.md(r['why'], 160)} | {r['source']} |")
    L += ["", "Held-out commands are counted above and never listed.", ""]
    return L


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--split", choices=("tune", "held-out", "all"), default="all")
    ap.add_argument("--out", type=Path, default=R.RESULTS)
    ap.add_argument("--workdir", type=Path, default=R.ANCHORS / "work")
    ap.add_argument("--tag", default="", help="suffix of the results file name (e.g. -before)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rows = [r for r in load() if args.split == "all" or r["split"] == args.split]
    args.workdir.mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix="agentcmds-", dir=args.workdir)).resolve()
    try:
        fx = R.make_fixtures(run_root, ["interlock"])["interlock"]
        commands = [localise(r["command"], r["project"], r.get("home", ""), fx.ws, fx.home, r.get("repo", ""))
                    for r in rows]
        results, cpu = X.judge(commands, fx, run_root, args.jobs)
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
    for r, res in zip(rows, results):
        r.update(decision=res[0], reason=res[1], rules=res[2])
    sc = scores(rows)
    meta = {"when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "jobs": args.jobs, "cpu": cpu,
            "seconds": time.perf_counter() - started, "commit": X.git_commit()}
    text = render(rows, sc, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"agentcmds-{_dt.date.today().isoformat()}{args.tag}.md"
    dest.write_text(text, encoding="utf-8")
    print(text.split("## Tune split")[0])
    print(f"[agentcmds] written {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
