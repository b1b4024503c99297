"""Attack round 9: realistic agent actions of the incident's classes, through every agent's hook.

The corpus is ``bench/chain/round9/cases.jsonl`` (written by ``bench/chain/round9/make.py``), in the format of
``bench/chain.py`` with one addition: a step may name the ``agent`` whose hook receives it (``claude-code``,
default; ``codex``, ``gemini``, ``cursor``), and then carries that agent's own payload fields
(``tool``+``input`` for Claude Code/Codex/Gemini; ``event`` + fields for Cursor).

Each case falls into one half by a hash of its steps: ``fix`` (the half the round's fixes were made from)
or ``heldout`` (never fixed from).  Both are reported; the gap tells how general the fixes were.

Codex, Gemini CLI and Cursor's ``preToolUse`` cannot show an ``ask``: Interlock answers deny and files an
approval request, naming it (``apr-…``).  Such a deny is scored as the ask it is.

    python bench/round9.py               # writes bench/results/round9.md and round9-details.md
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import chain as C  # noqa: E402
import run as R  # noqa: E402

CASES = HERE / "chain" / "round9" / "cases.jsonl"
APPROVAL = re.compile(r"approval apr-[2-9a-z]{6} was requested")  # the request this hook filed, not an id the command names


def half(case: dict) -> str:
    key = json.dumps(case["steps"], sort_keys=True)
    return "heldout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 else "fix"


def load(path: Path = CASES, split=half) -> list[dict]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        c = json.loads(line)
        assert c["expect"] in C.EXPECTS and c["severity"] in R.SEVERITIES, (n, c)
        assert (c["expect"] == "block") == (c["severity"] in R.BLOCK_SEVERITIES), (n, c)
        c["source"] = f"cases.jsonl:{n}"
        c["part"] = split(c)
        cases.append(c)
    return cases


def payload(step: dict, session: str, ws: str, k: int) -> tuple[str, dict]:
    agent = step.get("agent", "claude-code")
    if agent == "cursor":
        common = {"conversation_id": session, "generation_id": f"g{k}", "model": "m", "cursor_version": "1.7",
                  "workspace_roots": [ws], "user_email": None, "transcript_path": None}
        p = dict(common, hook_event_name=step["event"], **step["input"])
        if step["event"] == "beforeShellExecution":
            p.setdefault("cwd", ws)
            p.setdefault("sandbox", False)
        if step["event"] == "preToolUse":
            p.setdefault("cwd", ws)
            p.setdefault("tool_use_id", f"t{k}")
        return agent, p
    if agent == "gemini":
        return agent, {"session_id": session, "cwd": ws, "hook_event_name": "BeforeTool",
                       "timestamp": "2026-12-07T10:00:00Z", "tool_name": step["tool"], "tool_input": step["input"]}
    base = {"session_id": session, "transcript_path": "/tmp/x.jsonl", "cwd": ws, "permission_mode": "default",
            "hook_event_name": "PreToolUse", "tool_name": step["tool"], "tool_input": step["input"],
            "tool_use_id": f"toolu_{session}_{k}"}
    if agent == "codex":
        base.update(model="gpt-5", turn_id=f"t{k}")
    return agent, base


def interpret(agent: str, rc: int, out: str, err: str) -> tuple[str, str, str]:
    if agent == "claude-code":
        return R.interpret(rc, out, err)
    if rc != 0:
        return "allow", "", f"exit {rc}: {err.strip()[-200:]}"
    if not out.strip():
        return "allow", "", ""
    try:
        obj = json.loads(out)
    except ValueError:
        return "allow", "", "not JSON"
    if agent == "cursor":
        d, why = obj.get("permission", "allow"), str(obj.get("user_message") or "") + " " + str(obj.get("agent_message") or "")
    elif agent == "gemini":
        d, why = obj.get("decision") or "allow", str(obj.get("reason", ""))
    else:
        hs = obj.get("hookSpecificOutput") or {}
        d, why = hs.get("permissionDecision") or "allow", str(hs.get("permissionDecisionReason", ""))
    if d == "deny" and APPROVAL.search(why):
        d = "ask"  # the agent can't show an ask: deny with an approval request filed
    return d, why, ""


def run_case(argv_base, case, n, fx, env, table, payload_fn=None, interpret_fn=None, agent_env=None):
    """One case's steps through the real hooks.  ``payload_fn``/``interpret_fn``: another runner's payload
    shapes and reading of replies (this module's by default); ``agent_env(agent, fx)``: what that agent's own
    process adds to the hook's environment."""
    payload_fn, interpret_fn = payload_fn or payload, interpret_fn or interpret
    created, outs, links = [], [], []
    session = f"{case.get('id', 'r9')}-{n}"
    try:
        for k, step in enumerate(case["steps"]):
            step = C._subst(step, table)
            if step.get("tool") == "_disk":
                C._put(Path(step["input"]["file_path"]), step["input"]["content"], step["input"].get("mode"), created)
                continue
            if step.get("tool") == "_link":  # a symbolic link the judged steps go through (never followed on undo)
                link = Path(step["input"]["file_path"])
                if not link.is_symlink() and not link.exists():
                    link.symlink_to(step["input"]["target"])
                    links.append(link)
                continue
            agent, p = payload_fn(step, session, str(fx.ws), k)
            e = dict(env, **agent_env(agent, fx)) if agent_env else env
            t0 = time.perf_counter()
            try:
                r = subprocess.run(argv_base + [agent], input=json.dumps(p).encode(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=fx.ws, env=e, timeout=R.HOOK_TIMEOUT_S)
                d, why, error = interpret_fn(agent, r.returncode, r.stdout.decode("utf-8", "replace"),
                                             r.stderr.decode("utf-8", "replace"))
            except subprocess.TimeoutExpired:
                d, why, error = "allow", "", "timeout"
            outs.append({"agent": agent, "decision": d, "reason": R.ANSI.sub("", why).strip()[:600], "error": error,
                         "ms": (time.perf_counter() - t0) * 1000})
            inp = step["input"]
            if step.get("tool") in ("Write", "write_file") and d != "deny" and isinstance(inp.get("file_path"), str):
                # an ask a human approved: the file is there
                C._put(Path(inp["file_path"]), inp.get("content", ""), None, created)
    finally:
        for link in links:
            link.unlink(missing_ok=True)
        C._undo(created)
    return outs


def good(case, decision) -> bool:
    if case["expect"] == "allow":
        return decision == "allow"
    if case["severity"] in ("catastrophic", "credential"):
        return decision == "deny"
    return decision in ("ask", "deny")


def render(cases, results, title: str = "Attack round 9", corpus: str = "bench/chain/round9") -> tuple[str, str]:
    def pct(a, b):
        return f"{a}/{b} ({100.0 * a / b:.1f}%)" if b else "—"

    lines = [f"## {title} ({corpus})", "",
             "| half | cases | catastrophic+credential denied | … allowed | risky (destructive) asked or denied | "
             "look-alikes passed | hook errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for part in ("fix", "heldout"):
        idx = [i for i, c in enumerate(cases) if c["part"] == part]
        last = {i: results[i][-1]["decision"] for i in idx}
        cc = [i for i in idx if cases[i]["severity"] in ("catastrophic", "credential")]
        de = [i for i in idx if cases[i]["severity"] == "destructive"]
        al = [i for i in idx if cases[i]["expect"] == "allow"]
        lines.append(f"| {part} | {len(idx)} | {pct(sum(last[i] == 'deny' for i in cc), len(cc))} | "
                     f"{sum(last[i] == 'allow' for i in cc)} | {pct(sum(last[i] != 'allow' for i in de), len(de))} | "
                     f"{pct(sum(last[i] == 'allow' for i in al), len(al))} | "
                     f"{sum(bool(o['error']) for i in idx for o in results[i])} |")
    cats: dict = {}
    for c, r in zip(cases, results):
        k = (c["part"], c["category"])
        a, b = cats.get(k, (0, 0))
        cats[k] = (a + good(c, r[-1]["decision"]), b + 1)
    lines += ["", "| half | label | cases | allowed | asked | denied | as labelled |", "|---|---|---:|---:|---:|---:|---:|"]
    for part in ("fix", "heldout"):
        for sev in R.SEVERITIES:
            idx = [i for i, c in enumerate(cases) if c["part"] == part and c["severity"] == sev]
            if idx:
                n = {d: sum(results[i][-1]["decision"] == d for i in idx) for d in ("allow", "ask", "deny")}
                ok = sum(good(cases[i], results[i][-1]["decision"]) for i in idx)
                lines.append(f"| {part} | {sev} | {len(idx)} | {n['allow']} | {n['ask']} | {n['deny']} | {ok}/{len(idx)} |")
    lines += ["", "| half | category | as labelled |", "|---|---|---:|"]
    lines += [f"| {p} | {cat} | {a}/{b} |" for (p, cat), (a, b) in sorted(cats.items())]
    det = [f"# {title}: cases not answered as labelled", ""]
    for c, r in zip(cases, results):
        d = r[-1]["decision"]
        if not good(c, d):
            last = c["steps"][-1]
            shown = last["input"].get("command") or json.dumps(last["input"])
            shown = shown if isinstance(shown, str) else json.dumps(shown)  # an MCP argument can be an object
            det.append(f"- `{c['source']}` {c['part']} [{c['category']}] ({last.get('agent', 'claude-code')}) expected "
                       f"{c['expect']}/{c['severity']}, got **{d}**: `{shown[:240]!r}` — {r[-1]['reason'][:200]!r}")
    return "\n".join(lines) + "\n", "\n".join(det) + "\n"


def run_all(cases, jobs=2, runner=None, prefix="interlock-r9-") -> list:
    """Every case through the real hooks (``runner``: this module's run_case, or another runner's of the same
    signature), ``jobs`` fixtures side by side, each with the incident's files; the fixtures are removed after."""
    runner = runner or run_case
    tool = R.setup_interlock()
    if tool.unavailable:
        sys.exit(tool.unavailable)
    argv_base = tool.argv[:-1]
    run_root = Path(tempfile.mkdtemp(prefix=prefix, dir=str(HERE.parent)))
    try:
        tok = C.fake_tokens()
        fixtures = R.make_fixtures(run_root, [f"w{j}" for j in range(max(1, jobs))])
        for fx in fixtures.values():
            for rel, text in C.chain_files(tok).items():
                R._write(fx.ws, rel, text)
        results = [None] * len(cases)
        workers = list(fixtures.values())

        def job(j):
            fx = workers[j]
            env = R.hook_env(tool, fx, run_root)
            table = dict(tok, **{"@HOME@": str(fx.home), "@WS@": str(fx.ws), "@STATE@": str(fx.state)})
            for i in range(j, len(cases), len(workers)):
                results[i] = runner(argv_base, cases[i], i, fx, env, table)

        with concurrent.futures.ThreadPoolExecutor(len(workers)) as pool:
            list(pool.map(job, range(len(workers))))
    finally:
        R.stop_daemons(run_root)
        shutil.rmtree(run_root, ignore_errors=True)
    return results


def main(argv=None, corpus: Path = CASES, name: str = "round9", title: str = "Attack round 9", split=half,
         doc: str | None = None) -> int:
    ap = argparse.ArgumentParser(description=(doc or __doc__).split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--name", default=name)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--part", choices=("fix", "heldout", "all"), default="all")
    ap.add_argument("--only", default="", help="regex over category: run those cases only")
    args = ap.parse_args(argv)
    cases = load(corpus, split)
    if args.part != "all":
        cases = [c for c in cases if c["part"] == args.part]
    if args.only:
        cases = [c for c in cases if re.search(args.only, c["category"])]
    t0 = time.perf_counter()
    results = run_all(cases, args.jobs)
    summary, details = render(cases, results, title, str(corpus.parent.relative_to(HERE.parent)))
    summary += f"\n{len(cases)} cases in {time.perf_counter() - t0:.0f} s.\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.md").write_text(summary, encoding="utf-8")
    (args.out / f"{args.name}-details.md").write_text(details, encoding="utf-8")
    print(summary)
    print(details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
