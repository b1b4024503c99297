#!/usr/bin/env python3
"""The real agents, measured: (1) what Claude Code, Codex and Gemini CLI do when their pre-tool hook
denies, asks, times out, crashes, prints garbage or is missing; (2) a 20-step scripted session per
agent with and without Interlock's hook, and the wall-time ratio.

    python bench/agents.py                 # both, every agent
    python bench/agents.py --table         # only the behaviour table
    python bench/agents.py --overhead --runs 3 --agents codex

Needs the agents (./scripts/test installs the pinned versions; or INTERLOCK_AGENTS_BIN / PATH).
Everything runs in throwaway HOMEs and projects against a scripted model stand-in; nothing reaches a
real model or account.  Prints markdown (docs/agents.md holds the latest run's tables) and writes
bench/results/agents.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

from interlock import agents  # noqa: E402
from interlock.agents import failmodes  # noqa: E402
from interlock.standins import models as M  # noqa: E402


def table(names, columns):
    cells = {}
    for a in names:
        binary = agents.find_binary(a)
        for col in columns:
            with tempfile.TemporaryDirectory(prefix=f"bench-{a}-{col}-") as d:
                t = time.monotonic()
                cells[(a, col)] = failmodes.run_cell(a, col, binary, d)
                print(f"  {a:<12} {col:<17} {cells[(a, col)]['outcome']:<8} {time.monotonic() - t:5.1f}s",
                      file=sys.stderr)
    head = "| agent | " + " | ".join(failmodes.LABELS[c] for c in columns) + " |"
    out = [head, "|" + "---|" * (len(columns) + 1)]
    for a in names:
        row = []
        for c in columns:
            cell = cells[(a, c)]
            word = cell["outcome"] if not c.startswith("timeout-") else (
                "stopped" if cell["outcome"] == "refused" else "ran")
            if c.startswith("timeout"):
                word += f" ({cell['seconds']:.0f} s)"
            row.append(word)
        out.append(f"| {a} | " + " | ".join(row) + " |")
    return "\n".join(out), [dict(v) for v in cells.values()]


def _session_steps(project, n=20):
    """Ordinary work: reads, searches, writes, builds — what a session mostly is."""
    steps = []
    for i in range(n):
        k = i % 5
        if k == 0:
            steps.append(M.shell(f"mkdir -p out && echo step{i} > out/s{i}.txt"))
        elif k == 1:
            steps.append(M.shell("ls -la src && git status --short"))
        elif k == 2:
            steps.append(M.shell(f"grep -rn 'def ' src | head -5; echo {i}"))
        elif k == 3:
            steps.append(M.shell(f"python3 -c 'print({i} * 2)'"))
        else:
            steps.append(M.shell(f"cat README.md && echo done{i} >> out/log.txt"))
    return steps


def _warm_daemon(agent, exe, env, project):
    """Start the resident hook daemon before the timed session, as it is once a working day has begun
    (it stays up INTERLOCK_DAEMON_IDLE, 15 min by default): the first call judges in-process and starts
    it; calls go through it once it answers."""
    from interlock import hookd
    from interlock.doctor import _payload

    payload = _payload(agent, "git status", project)
    for _ in range(60):
        subprocess.run([exe, "hook", agent], input=payload, env=env, cwd=project, capture_output=True, timeout=60)
        if hookd.daemon_pid(env):
            break
        time.sleep(0.5)
    subprocess.run([exe, "hook", agent], input=payload, env=env, cwd=project, capture_output=True, timeout=60)


def _session(agent, binary, with_hook, workdir, latency=0.0, warm=True):
    home = os.path.join(workdir, "home")
    project = os.path.join(workdir, "project")
    os.makedirs(os.path.join(project, "src"), exist_ok=True)
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(project, "src", "app.py"), "w") as f:
        f.write("def main():\n    return 1\n")
    with open(os.path.join(project, "README.md"), "w") as f:
        f.write("# app\n")
    subprocess.run(["git", "init", "-q", project], check=True)
    env = agents.clean_env(home)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["INTERLOCK_HOME"] = os.path.join(workdir, "state")
    env.pop("INTERLOCK_DAEMON", None)  # as users run it: the resident hook daemon on (its default)
    env["INTERLOCK_DAEMON_IDLE"] = "60"
    if with_hook:
        exe = os.path.join(os.path.dirname(sys.executable), "interlock")
        p = subprocess.run([exe, "init", "--agent", agent], env=env, cwd=project, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        if warm:
            _warm_daemon(agent, exe, env, project)
    steps = _session_steps(project)
    with M.ScriptedModel(steps, latency=latency) as model:
        s = agents.run(agent, binary, project, home, model.url, env=env, timeout=900)
        made = len(model.calls)
    if with_hook:  # the daemon this session started: stopped, not left behind
        from interlock import hookd

        pid = hookd.daemon_pid(env)
        if pid:
            os.kill(pid, 15)
    ran = len(os.listdir(os.path.join(project, "out"))) if os.path.isdir(os.path.join(project, "out")) else 0
    if made != len(steps) or ran < 4:
        raise RuntimeError(f"{agent}: the session did not run its {len(steps)} steps ({made} calls): {s}")
    return s.seconds


def overhead(names, runs, latency=0.0, warm=True):
    rows, raw = [], []
    for a in names:
        binary = agents.find_binary(a)
        times = {False: [], True: []}
        for r in range(runs):
            for with_hook in (False, True):  # interleaved, so drift hits both alike
                with tempfile.TemporaryDirectory(prefix=f"bench-{a}-session-") as d:
                    times[with_hook].append(_session(a, binary, with_hook, d, latency, warm))
        base, hooked = statistics.median(times[False]), statistics.median(times[True])
        per_call = (hooked - base) / 20 * 1000
        rows.append(f"| {a} | {latency:g} s | {base:.1f} s | {hooked:.1f} s | {per_call:+.0f} ms | {hooked / base:.3f} |")
        raw.append({"agent": a, "latency": latency, "without": times[False], "with": times[True],
                    "ratio": hooked / base})
        print(f"  {a:<12} latency {latency:g}s without {base:.1f}s  with {hooked:.1f}s  ratio {hooked / base:.3f}",
              file=sys.stderr)
    head = ["| agent | model think time per step | without Interlock (median) | with Interlock's hook (median) "
            "| per tool call | ratio |", "|---|---|---|---|---|---|"]
    return "\n".join(head + rows), raw


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", default=",".join(agents.DRIVEN))
    ap.add_argument("--table", action="store_true", help="only the behaviour table")
    ap.add_argument("--overhead", action="store_true", help="only the 20-step sessions")
    ap.add_argument("--columns", default=",".join(failmodes.COLUMNS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true",
                    help="no warm hook daemon before each session (its first calls then judge in-process)")
    ap.add_argument("--latency", default="0,1",
                    help="the scripted model's think time per step, in seconds (comma-separated: one table row set "
                         "per value; 0 = the agent and the hook alone)")
    a = ap.parse_args(argv)
    names = [n for n in a.agents.split(",") if n]
    missing = [n for n in names if not agents.find_binary(n)]
    if missing:
        sys.exit(f"not installed: {', '.join(missing)} (./scripts/test installs them; or set INTERLOCK_AGENTS_BIN)")
    versions = {n: subprocess.run([agents.find_binary(n), "--version"], capture_output=True, text=True,
                                  timeout=60).stdout.strip().splitlines()[-1] for n in names}
    result = {"versions": versions}
    print("Agents: " + ", ".join(f"{n} {v}" for n, v in versions.items()) + "\n")
    both = not a.table and not a.overhead
    if a.table or both:
        md, cells = table(names, [c for c in a.columns.split(",") if c])
        result["table"] = cells
        print("What the agent did when its hook …\n")
        print(md + "\n")
    if a.overhead or both:
        mds, raw = [], []
        for i, lat in enumerate(float(x) for x in a.latency.split(",") if x):
            md, r = overhead(names, a.runs, lat, not a.cold)
            mds.append(md if i == 0 else "\n".join(md.splitlines()[2:]))
            raw += r
        md = "\n".join(mds)
        result["overhead"] = raw
        print("20-step scripted session, wall time:\n")
        print(md + "\n")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "agents.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
