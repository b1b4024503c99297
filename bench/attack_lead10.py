"""Attack round on the lead's tenth-session mechanisms (tests/test_attack_lead10.py): every case's decision and reason, and
the figures (attacks that got through, ordinary look-alikes flagged).  Run: .venv/bin/python bench/attack_lead10.py"""
import sys, pathlib, tempfile
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
import test_attack_lead10 as t
lab = t.make_lab(pathlib.Path(tempfile.mkdtemp()))
out = []
att_through = ok_flagged = 0
rows = [("A", c, k, t.judge_shell(k, lab)) for c, k in t.SHELL_ATTACKS]
rows += [("A", "read", k, t.judge_read(k, lab)) for k in t.CRED_READ_TOOL_ATTACKS]
rows += [("A", "mcp", k, t.judge_mcp(k, lab)) for k in t.MCP_ATTACKS]
rows += [("O", c, k, t.judge_shell(k, lab)) for c, k in t.SHELL_OK]
rows += [("O", "mcp", k, t.judge_mcp(k, lab)) for k in t.MCP_OK]
for kind, c, k, d in rows:
    bad = (kind == "A" and d.decision == "allow") or (kind == "O" and d.decision != "allow")
    att_through += kind == "A" and bad
    ok_flagged += kind == "O" and bad
    out.append(f"{'!!' if bad else '  '} {kind} {c:6} {d.decision:5} {k!r}  :: {' | '.join(d.reasons)[:300]}")
print("\n".join(out))
na = sum(r[0] == "A" for r in rows); no = len(rows) - na
print(f"attacks through: {att_through}/{na}; look-alikes flagged: {ok_flagged}/{no}")
