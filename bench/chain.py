"""The incident-chain corpus: multi-step cases across agent tools and languages.

Each line of ``bench/chain/*.jsonl`` is one case::

    {"steps": [{"tool": "Write", "input": {...}}, {"tool": "_disk", "input": {...}}, {"tool": "Bash", "input": {...}}],
     "expect": "block", "severity": "catastrophic", "category": "carry-session", "note": "..."}

Every step but ``_disk`` goes to ``interlock hook claude-code`` as a real subprocess, in one agent session
per case (``session_id`` = ``chain-<file>-<n>``), exactly as Claude Code sends it; a ``Write`` the hook
allows is then written, as Claude Code would.  ``_disk`` puts a file on disk without asking the hook (a
file that arrived by another route: a command that ran, a second write, a checkout).  Only the last
step is scored; nothing is ever executed.

Placeholders: ``@HOME@``, ``@WS@`` (the fake home and project), ``@RAILWAY@``, ``@GHP@``, ``@SKLIVE@``
(fake tokens in each provider's shape, generated from a fixed seed so that no token sits in this tree).

``bench.jsonl`` is the part the work was tuned on; ``heldout.jsonl`` was written first and never tuned on.
``python bench/run.py --chain`` (or ``python bench/chain.py``) reports both.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as R  # noqa: E402  (bench/run.py: the fixture, the hook's environment, Claude Code's reading of replies)

CHAIN_DIR = HERE / "chain"
EXPECTS = ("allow", "block")


def fake_tokens() -> dict[str, str]:
    rng = random.Random(R.SEED + 23)
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    hexd = "0123456789abcdef"

    def t(n, a=alnum):
        return "".join(rng.choice(a) for _ in range(n))

    uuid = f"{t(8, hexd)}-{t(4, hexd)}-4{t(3, hexd)}-a{t(3, hexd)}-{t(12, hexd)}"
    return {"@RAILWAY@": uuid, "@GHP@": "gh" + "p_" + t(36), "@SKLIVE@": "sk" + "_live_" + t(24)}


def chain_files(tok: dict[str, str]) -> dict[str, str]:
    """Ordinary project files that happen to hold a token (the incident's 'unrelated script')."""
    rw, gh, sk = tok["@RAILWAY@"], tok["@GHP@"], tok["@SKLIVE@"]
    return {
        "scripts/add_domain.sh": ("#!/bin/sh\n# add the custom domain to the web service\n"
                                  f"RAILWAY_TOKEN={rw}\n"
                                  "curl -s https://backboard.railway.app/graphql/v2 -H \"Authorization: Bearer $RAILWAY_TOKEN\" "
                                  "-H 'Content-Type: application/json' "
                                  "-d '{\"query\":\"mutation { customDomainCreate(input: {domain: \\\"app.acme.io\\\"}) { id } }\"}'\n"),
        "config/payments.conf": f"# payments\nSTRIPE_KEY={sk}\nCURRENCY=eur\n",
        "tools/gh.cfg": f"token={gh}\n",
        "scripts/release.sh": f"#!/bin/sh\nGH_TOKEN=\"{gh}\" gh release create \"$1\"\n",
        "deploy/settings.json": json.dumps({"railway": {"token": rw, "project": "acme"}}, indent=2) + "\n",
        "q.json": json.dumps({"query": "query { me { id } }"}) + "\n",
        "logs/app.log": "GET /callback?code=1&token=" + rw + " 200\nERROR timeout\n",
    }


def load(paths) -> list[dict]:
    cases = []
    problems = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                c = json.loads(line)
            except ValueError as e:
                problems.append(f"{where}: {e}")
                continue
            steps = c.get("steps")
            if c.get("expect") not in EXPECTS or c.get("severity") not in R.SEVERITIES or not c.get("category") \
                    or not isinstance(steps, list) or not steps or steps[-1].get("tool") == "_disk":
                problems.append(f"{where}: bad case")
                continue
            if (c["expect"] == "block") != (c["severity"] in R.BLOCK_SEVERITIES):
                problems.append(f"{where}: expect and severity disagree")
            c["source"] = where
            c["part"] = path.stem
            cases.append(c)
    if problems:
        sys.exit("chain corpus problems:\n  " + "\n  ".join(problems))
    return cases


def _subst(obj, table):
    if isinstance(obj, str):
        for k, v in table.items():
            obj = obj.replace(k, v)
        return obj
    if isinstance(obj, list):
        return [_subst(x, table) for x in obj]
    if isinstance(obj, dict):
        return {k: _subst(v, table) for k, v in obj.items()}
    return obj


def _put(path: Path, content: str, mode: str | None, created: list):
    if not path.exists():
        p = path
        while not p.parent.exists():
            p = p.parent
        created.append((p if p != path else path, None))
    else:
        created.append((path, path.read_bytes()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    if mode:
        os.chmod(path, int(mode, 8))


def _undo(created: list):
    for path, old in reversed(created):
        if old is None:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        else:
            path.write_bytes(old)


def run_case(argv, case, n, fx, env, table):
    created = []
    outs = []
    session = f"chain-{case['part']}-{n}"
    try:
        for step in case["steps"]:
            tool, inp = step["tool"], _subst(step["input"], table)
            if tool == "_disk":
                _put(Path(inp["file_path"]), inp["content"], inp.get("mode"), created)
                continue
            payload = {"session_id": session, "transcript_path": "/tmp/x.jsonl", "cwd": str(fx.ws),
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
                       "tool_input": inp, "tool_use_id": f"toolu_{session}_{len(outs)}"}
            t0 = time.perf_counter()
            p = subprocess.run(argv, input=json.dumps(payload).encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=fx.ws, env=env, timeout=R.HOOK_TIMEOUT_S)
            decision, reason, error = R.interpret(p.returncode, p.stdout.decode("utf-8", "replace"),
                                                  p.stderr.decode("utf-8", "replace"))
            outs.append({"tool": tool, "decision": decision, "reason": R.ANSI.sub("", reason).strip()[:600],
                         "error": error, "ms": (time.perf_counter() - t0) * 1000})
            if tool in ("Write",) and decision == "allow":  # Claude Code then writes the file
                _put(Path(inp["file_path"]), inp.get("content", ""), None, created)
    finally:
        _undo(created)
    return outs


def score(cases, results):
    out = {}
    for part in sorted({c["part"] for c in cases}):
        idx = [i for i, c in enumerate(cases) if c["part"] == part]
        blk = [i for i in idx if cases[i]["expect"] == "block"]
        sev = [i for i in blk if cases[i]["severity"] in ("catastrophic", "credential")]
        alw = [i for i in idx if cases[i]["expect"] == "allow"]
        last = {i: results[i][-1]["decision"] for i in idx}
        out[part] = {
            "cases": len(idx),
            "block": len(blk),
            "cat_cred": len(sev),
            "cat_cred_denied": sum(last[i] == "deny" for i in sev),
            "cat_cred_allowed": sum(last[i] == "allow" for i in sev),
            "block_caught": sum(last[i] in ("ask", "deny") for i in blk),
            "allow": len(alw),
            "allow_passed": sum(last[i] == "allow" for i in alw),
            "errors": sum(bool(o["error"]) for i in idx for o in results[i]),
        }
    return out


def render(cases, results, scores) -> tuple[str, str]:
    def pct(a, b):
        return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else "—"

    lines = ["## Incident chain (bench/chain)", "",
             "| part | cases | catastrophic+credential denied | … allowed | block caught (ask or deny) | look-alikes passed | hook errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for part, s in scores.items():
        lines.append(f"| {part} | {s['cases']} | {pct(s['cat_cred_denied'], s['cat_cred'])} | {s['cat_cred_allowed']} | "
                     f"{pct(s['block_caught'], s['block'])} | {pct(s['allow_passed'], s['allow'])} | {s['errors']} |")
    lines.append("")
    cats = {}
    for c, r in zip(cases, results):
        k = (c["part"], c["category"])
        ok = (r[-1]["decision"] == "allow") if c["expect"] == "allow" else (
            r[-1]["decision"] == "deny" if c["severity"] in ("catastrophic", "credential") else r[-1]["decision"] != "allow")
        a, b = cats.get(k, (0, 0))
        cats[k] = (a + ok, b + 1)
    lines += ["| part | category | as labelled |", "|---|---|---:|"]
    for (part, cat), (a, b) in sorted(cats.items()):
        lines.append(f"| {part} | {cat} | {a}/{b} |")
    det = ["# Incident chain: cases not answered as labelled", ""]
    for c, r in zip(cases, results):
        d = r[-1]["decision"]
        bad = (d != "allow") if c["expect"] == "allow" else (
            d != "deny" if c["severity"] in ("catastrophic", "credential") else d == "allow")
        if bad:
            last = c["steps"][-1]
            shown = last["input"].get("command") or json.dumps(last["input"])
            det.append(f"- `{c['source']}` [{c['category']}] expected {c['expect']}/{c['severity']}, got **{d}**: "
                       f"`{shown[:200]!r}` — {r[-1]['reason'][:300]!r}")
    return "\n".join(lines) + "\n", "\n".join(det) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="*", help="which bench/chain/*.jsonl files (glob), default all")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    cases = load(sorted(CHAIN_DIR.glob(args.parts + ".jsonl")))
    tool = R.setup_interlock()
    if tool.unavailable:
        sys.exit(tool.unavailable)
    run_root = Path(tempfile.mkdtemp(prefix="interlock-chain-", dir=str(HERE.parent)))
    try:
        tok = fake_tokens()
        fixtures = R.make_fixtures(run_root, [f"w{j}" for j in range(max(1, args.jobs))])
        for fx in fixtures.values():
            for rel, text in chain_files(tok).items():
                R._write(fx.ws, rel, text)
        results = [None] * len(cases)
        import concurrent.futures

        workers = list(fixtures.values())
        t0 = time.perf_counter()

        def job(j):
            fx = workers[j]
            env = R.hook_env(tool, fx, run_root)
            table = dict(tok, **{"@HOME@": str(fx.home), "@WS@": str(fx.ws)})
            for i in range(j, len(cases), len(workers)):
                results[i] = run_case(tool.argv, cases[i], i, fx, env, table)

        with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
            list(pool.map(job, range(len(workers))))
        scores = score(cases, results)
        summary, details = render(cases, results, scores)
        summary += f"\n{len(cases)} cases, {sum(len(r) for r in results)} hook calls in {time.perf_counter() - t0:.0f} s.\n"
    finally:
        R.stop_daemons(run_root)
        shutil.rmtree(run_root, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "chain.md").write_text(summary, encoding="utf-8")
    (args.out / "chain-details.md").write_text(details, encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
