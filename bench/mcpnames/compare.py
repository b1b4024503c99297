"""What MCP tool names are judged to do, in this checkout and (with --other SRC) in another one, side by side.

Names: ``real_servers.txt`` (real MCP servers' tools: GitHub, filesystem, Postgres, Supabase, Railway, Vercel,
AWS, Cloudflare, Kubernetes, Docker, Slack, Linear, Notion, Stripe…) and every MCP tool name the tests and
the benches use (``mcp__server__tool``, ``"tool": "…"``, ``("server", "tool", …)`` in the MCP tests).  For each:
what the name says (``analysis.mcp.tool_effect``: delete / outage / nothing) and the decision of a call with
no arguments under the default policy.  Each checkout runs in its own interpreter.

    python bench/mcpnames/compare.py --other /path/to/other/src
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
_MCP = re.compile(r"mcp__([A-Za-z0-9-]+)__([A-Za-z0-9_.\-]+)")
_TOOL_KEY = re.compile(r"\"tool\"\s*:\s*\"([A-Za-z0-9_.\-]+)\"")
_PAIR = re.compile(r"\(\"([A-Za-z0-9_.\-]+)\",\s*\"([A-Za-z0-9_.\-]+)\",")
_MCP_TESTS = ("test_mcp_tool_names.py", "test_classes_mcp_docker_git_dw.py", "test_gateway_mcp.py",
              "agents/test_mcp.py", "test_weighing.py")


def names() -> list[tuple[str, str, str]]:
    out = set()
    for line in (HERE / "real_servers.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            s, t = line.split()
            out.add(("real", s, t))
    for root in (REPO / "tests", REPO / "bench"):
        for p in root.rglob("*"):
            if p.suffix not in (".py", ".json", ".jsonl", ".yaml", ".md", ".toml") or "results" in p.parts:
                continue
            text = p.read_text(errors="replace")
            for s, t in _MCP.findall(text):
                out.add(("suite", s, t))
            if "mcp" in text.lower():
                for t in _TOOL_KEY.findall(text):
                    out.add(("suite", "x", t))
            if any(str(p).endswith(n) for n in _MCP_TESTS):
                for s, t in _PAIR.findall(text):
                    out.add(("suite", s, t))
    return sorted(out)


_CHILD = r"""
import json, sys, tempfile, os
from interlock.actions import MCP_CALL, Action
from interlock.analysis.mcp import tool_effect
from interlock.engine import Context, evaluate
rows = json.load(sys.stdin)
tmp = tempfile.mkdtemp()
w = os.path.join(tmp, "proj"); os.mkdir(w)
env = {"HOME": tmp, "INTERLOCK_HOME": os.path.join(tmp, "state"), "INTERLOCK_DAEMON": "0", "PATH": os.environ["PATH"]}
ctx = Context(w, home=tmp, workspace=w, env=env)
out = []
for kind, s, t in rows:
    d = evaluate(Action(MCP_CALL, {"server": s, "tool": t, "arguments": {}}, cwd=w), ctx)
    out.append([tool_effect(t), d.decision, sorted({f.rule for f in d.findings})])
print(json.dumps(out))
"""


def judge(src: str, rows) -> list:
    env = dict(os.environ, PYTHONPATH=src)
    p = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(rows), env=env, capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--other", metavar="SRC", help="another checkout's src/ to compare with")
    args = ap.parse_args(argv)
    rows = names()
    here = judge(str(REPO / "src"), rows)
    other = judge(args.other, rows) if args.other else None
    real = sum(1 for r in rows if r[0] == "real")
    print(f"{len(rows)} tool names ({real} of real servers, {len(rows) - real} from the tests and benches)")
    for label, res in (("this checkout", here), ("other", other)):
        if res is None:
            continue
        eff = {e: sum(1 for r in res if r[0] == e) for e in ("delete", "outage", "")}
        dec = {d: sum(1 for r in res if r[1] == d) for d in ("allow", "ask", "deny")}
        print(f"{label}: name says delete {eff['delete']}, outage {eff['outage']}, nothing {eff['']}; "
              f"decisions allow {dec['allow']}, ask {dec['ask']}, deny {dec['deny']}")
    if other is not None:
        diff = [(r, o, h) for r, o, h in zip(rows, other, here) if o != h]
        print(f"differences: {len(diff)}")
        for (kind, s, t), o, h in diff:
            print(f"  {kind} {s}/{t}: {o[0] or '-'} {o[1]} → {h[0] or '-'} {h[1]}  {h[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
