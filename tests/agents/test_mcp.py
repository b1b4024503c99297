"""MCP tool calls through `interlock mcp-proxy`, in the real Claude Code: a stdio MCP server (rental
bookings in SQLite) that `interlock init --mcp` routed through the proxy; the model lists the bookings
(runs, its answer comes back) and drops the table (refused) — judged by the table still in the file."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

import pytest

from interlock.standins import models as M

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENTAL = os.path.join(HERE, "mcp_rental_server.py")


def _tables(db):
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


@pytest.mark.parametrize("agent", ["claude-code"])
def test_mcp_through_the_proxy_read_runs_drop_refused(world, agent):
    sys.path.insert(0, HERE)
    from mcp_rental_server import seed

    db = os.path.join(world.project, "rentals.db")
    seed(db)
    with open(world.path(".mcp.json"), "w") as f:
        json.dump({"mcpServers": {"rentals": {"command": sys.executable, "args": [RENTAL],
                                              "env": {"RENTAL_DB": db}}}}, f)
    world.init("--mcp")
    assert "mcp-proxy" in open(world.path(".mcp.json")).read()
    with open(world.path(".claude/settings.local.json"), "w") as f:
        json.dump({"enableAllProjectMcpServers": True}, f)
    s = world.run([M.mcp("rentals", "list_bookings", {}, "list"),
                   M.mcp("rentals", "drop_table", {"name": "bookings"}, "drop")],
                  extra_args=["--allowedTools", "mcp__rentals"])
    assert "bookings" in _tables(db), s
    texts = world.model.result_texts()
    assert any("customer 1" in t for t in texts), (world.model.results, s)
    assert any("drop_table" in str(r) for r in world.audit() if r.get("decision") in ("deny", "ask"))


@pytest.mark.parametrize("agent", ["claude-code"])
def test_mcp_control_without_interlock_the_table_is_dropped(world, agent):
    sys.path.insert(0, HERE)
    from mcp_rental_server import seed

    db = os.path.join(world.project, "rentals.db")
    seed(db)
    with open(world.path(".mcp.json"), "w") as f:
        json.dump({"mcpServers": {"rentals": {"command": sys.executable, "args": [RENTAL],
                                              "env": {"RENTAL_DB": db}}}}, f)
    os.makedirs(world.path(".claude"), exist_ok=True)
    with open(world.path(".claude/settings.local.json"), "w") as f:
        json.dump({"enableAllProjectMcpServers": True}, f)
    s = world.run([M.mcp("rentals", "drop_table", {"name": "bookings"}, "drop")],
                  extra_args=["--allowedTools", "mcp__rentals"])
    assert "bookings" not in _tables(db), s
