"""MCP tool calls through `interlock mcp-proxy`, in the real Claude Code, Codex and Gemini CLI: a stdio
MCP server (rental bookings in SQLite, the official Python SDK's) configured where each agent reads it
(Claude Code `.mcp.json`, Codex `.codex/config.toml` `[mcp_servers.rentals]`, Gemini CLI
`.gemini/settings.json` `mcpServers`) and routed through the proxy by `interlock init --mcp`.  The model
lists the bookings and adds one (both run: the answer comes back, the row is in the file) and drops the
table (refused) — judged by the SQLite file, not by the hook's reply.  The control: the same calls
without Interlock drop the table."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

import pytest

from interlock.standins import models as M

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENTAL = os.path.join(HERE, "mcp_rental_server.py")
INSERT = "INSERT INTO bookings (customer, day) VALUES ('walk-in customer', '2026-08-01')"


def _tables(db):
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def _customers(db):
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT customer FROM bookings ORDER BY id")]
    finally:
        con.close()


def _configure(world, agent, db):
    """The rentals server where the agent reads its MCP servers (what a user has before `init --mcp`);
    returns (the file, extra arguments for the agent's run)."""
    entry = {"command": sys.executable, "args": [RENTAL], "env": {"RENTAL_DB": db}}
    if agent == "claude-code":
        path = world.path(".mcp.json")
        with open(path, "w") as f:
            json.dump({"mcpServers": {"rentals": entry}}, f)
        os.makedirs(world.path(".claude"), exist_ok=True)
        with open(world.path(".claude/settings.local.json"), "w") as f:
            json.dump({"enableAllProjectMcpServers": True}, f)
        return path, ["--allowedTools", "mcp__rentals"]
    if agent == "codex":
        path = world.path(".codex/config.toml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"[mcp_servers.rentals]\ncommand = {json.dumps(sys.executable)}\nargs = [{json.dumps(RENTAL)}]\n"
                    f"env = {{ RENTAL_DB = {json.dumps(db)} }}\nrequired = true\n")
        return path, []
    path = world.path(".gemini/settings.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"mcpServers": {"rentals": entry}}, f)
    return path, []


def _trust_codex_project(world):
    """Without Interlock, Codex reads a project's .codex/config.toml only in a trusted project (as
    `interlock init` leaves it): the control trusts it the same way."""
    from interlock.agents import failmodes

    failmodes._codex_trust(world.home, world.project, {})


def _seeded(world):
    sys.path.insert(0, HERE)
    from mcp_rental_server import seed

    db = os.path.join(world.project, "rentals.db")
    seed(db)
    return db


# (Codex starts MCP servers alongside its first request; `required = true` above makes it wait for them)
WARM = M.shell("echo ready > ready.txt", "an ordinary step")


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_mcp_through_the_proxy_ordinary_calls_run_drop_refused(world, agent):
    db = _seeded(world)
    path, extra = _configure(world, agent, db)
    world.init("--mcp")
    assert "mcp-proxy" in open(path).read()
    s = world.run([WARM,
                   M.mcp("rentals", "list_bookings", {}, "list"),
                   M.mcp("rentals", "run_sql", {"sql": INSERT}, "add a booking"),
                   M.mcp("rentals", "drop_table", {"name": "bookings"}, "drop")],
                  extra_args=extra)
    assert "bookings" in _tables(db), s                                  # destructive: refused
    assert _customers(db)[-1] == "walk-in customer", (world.model.results, s)  # ordinary: ran
    assert any("customer 1" in t for t in world.model.result_texts()), (world.model.results, s)
    # refused by Interlock's MCP gateway (the proxy the agent started), named in the audit
    audit = world.audit()
    assert any("drop_table" in json.dumps(r) for r in audit if r.get("decision") in ("deny", "ask"))
    # the ordinary calls went through the proxy, which judged them with the hook's policy and state
    # (Codex strips a stdio server's environment: init forwards Interlock's variables by name)
    proxied = {r.get("tool") for r in audit if r.get("agent") == "mcp" and r.get("decision") == "allow"}
    assert {"mcp__rentals__list_bookings", "mcp__rentals__run_sql"} <= proxied, audit


# the setting that makes each agent skip every hook (doctor fails on each): the proxy still stands
HOOKS_OFF = {"claude-code": (".claude/settings.local.json", {"disableAllHooks": True}),
             "codex": ("~/.codex/config.toml", "[features]\nhooks = false\n"),
             "gemini": ("~/.gemini/settings.json", {"hooksConfig": {"enabled": False}})}


def _hooks_off(world, agent):
    rel, what = HOOKS_OFF[agent]
    path = os.path.join(world.home, rel[2:]) if rel.startswith("~/") else world.path(rel)
    if isinstance(what, str):
        with open(path, "a") as f:
            f.write("\n" + what)
        return
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        data = {}
    data.update(what)
    with open(path, "w") as f:
        json.dump(data, f)


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_mcp_proxy_alone_refuses_the_drop_when_the_agent_skips_its_hooks(world, agent):
    db = _seeded(world)
    _, extra = _configure(world, agent, db)
    world.init("--mcp")
    _hooks_off(world, agent)
    s = world.run([WARM, M.mcp("rentals", "drop_table", {"name": "bookings"}, "drop")], extra_args=extra)
    assert "bookings" in _tables(db), s
    audit = world.audit()
    assert not [r for r in audit if r.get("agent") == agent], audit  # the hook really was skipped
    if agent == "claude-code":
        # the proxy's tools/list marks drop_table as needing a human (destructiveHint and
        # anthropic/requiresUserInteraction): Claude Code itself then asks — headless, refused, before the
        # call reaches the proxy (without the proxy, hooks off, the same call drops the table)
        assert "requires permission" in world.model.results[-1]["output"], world.model.results
        return
    assert any(r.get("agent") == "mcp" and r.get("decision") == "deny" and "drop_table" in r.get("tool", "")
               for r in audit), (audit, world.model.results, s)


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_mcp_control_without_interlock_the_table_is_dropped(world, agent):
    db = _seeded(world)
    _, extra = _configure(world, agent, db)
    if agent == "codex":
        _trust_codex_project(world)
    s = world.run([WARM, M.mcp("rentals", "drop_table", {"name": "bookings"}, "drop")], extra_args=extra)
    assert "bookings" not in _tables(db), s
