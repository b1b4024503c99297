"""The demo as a newcomer reads it: nothing swallowed by Rich markup, boxes that say what the
heading says, an audit excerpt that is never cut inside a quote and reads as one story."""

from __future__ import annotations

import io
import re
import sys


def test_the_demo_reads_right_without_postgresql_drivers(env, tmp_path, monkeypatch):
    """In-process (psycopg hidden, as on a machine without the databases extra): the hint names the
    extra in full, step 4's box says the agent is denied while a human is asked, and the audit
    excerpt shows whole commands and approval events as events."""
    for k in list(env):
        monkeypatch.setenv(k, env[k])
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError
    monkeypatch.chdir(tmp_path)
    from interlock import demo

    buf = io.StringIO()
    assert demo.run(fast=True, out=buf) == 0, buf.getvalue()
    out = buf.getvalue()
    flat = " ".join(out.split())
    assert "pip install 'interlock[databases]', then --pg-url URL" in flat  # was: 'interlock', then ...
    # step 4: headed "held for a human" and boxed as what the agent gets, saying both
    assert re.search(r"4\. A destructive statement is held for a human", out)
    assert re.search(r"Interlock: DENY to the agent · held for a human as apr-[0-9a-z]{6}", out), out
    # the rule ids in the reasons survive (Rich would have eaten "[db.drop-table]" as a tag)
    assert "[db.drop-table]" in out
    excerpt = out.split("$ interlock log ", 1)[1].split("Every step", 1)[0]
    rows = [ln for ln in excerpt.splitlines() if re.match(r"\s+\d+ ", ln)]
    assert len(rows) >= 8
    for ln in rows:
        assert ln.count("'") % 2 == 0 and ln.count('"') % 2 == 0, ln  # never cut inside a quote
    labels = [ln.split()[1] for ln in rows]
    # after the approval: the human's APPROVE, the approval used, its snapshot, the allowed drop; the
    # drop once more: a new request filed and that call's deny
    assert labels[labels.index("APPROVE"):] == ["APPROVE", "use", "snapshot", "allow", "request", "deny", "restore"], \
        excerpt
    approve = next(ln for ln in rows if " APPROVE " in ln)
    assert " human " in approve and "claude-code" not in approve
