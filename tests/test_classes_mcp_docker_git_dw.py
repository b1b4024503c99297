"""Issue 15, item 5: classes that passed — warehouse / edge databases, MCP arguments that carry
commands or SQL, containers as a way to the host, and the severity of pushes that rewrite every branch.

Each class is tested by its mechanism: several spellings of each, and ordinary look-alikes that pass.
"""

from __future__ import annotations

import os
import tomllib

import pytest

from interlock.actions import MCP_CALL, SHELL, Action
from interlock.engine import Context, analyze, evaluate
from interlock.policy import Layer, Policy


def _ctx(workspace, home, env, policy=None):
    policy = policy or Policy(Layer({}, "test"), home=home)
    return Context(workspace, home=home, workspace=workspace, env=env, policy=policy)


def _shell(command, workspace, home, env, policy=None):
    ctx = _ctx(workspace, home, env, policy)
    a = Action(SHELL, {"command": command}, cwd=workspace)
    return evaluate(a, ctx).decision, {f.rule for f in analyze(a, ctx)}


def _mcp(server, tool, args, workspace, home, env, policy=None, annotations=None):
    ctx = _ctx(workspace, home, env, policy)
    payload = {"server": server, "tool": tool, "arguments": args}
    if annotations is not None:
        payload["annotations"] = annotations
    a = Action(MCP_CALL, payload, cwd=workspace)
    return evaluate(a, ctx).decision, {f.rule for f in analyze(a, ctx)}


# --- warehouse and edge databases: every example of analysis/warehouses.toml ---------------------------

_WAREHOUSES = os.path.join(os.path.dirname(__file__), "..", "src", "interlock", "analysis", "warehouses.toml")


def _warehouse_examples():
    with open(_WAREHOUSES, "rb") as f:
        raw = tomllib.load(f)
    out = []
    for prog, spec in raw["programs"].items():
        for c in spec.get("command", []):
            assert c.get("hits"), f"{prog} {c.get('path') or c.get('paths')}: no hits"
            for ex in c.get("hits", []) + c.get("misses", []):
                decision, _, command = ex.partition("\t")
                out.append(pytest.param(command, decision, id=command[:60]))
    return out


@pytest.fixture
def sql_files(workspace):
    with open(os.path.join(workspace, "WIPE_SQL"), "w") as f:
        f.write("-- nightly\nDROP TABLE users;\n")
    with open(os.path.join(workspace, "schema.sql"), "w") as f:
        f.write("CREATE TABLE IF NOT EXISTS users (id integer primary key);\n")
    return workspace


@pytest.mark.parametrize("command,expected", _warehouse_examples())
def test_warehouse_catalogue_examples(command, expected, sql_files, home, env):
    decision, rules = _shell(command, sql_files, home, env)
    assert decision == expected, (command, rules)


@pytest.mark.parametrize("command,expected", [
    ("bq query --use_legacy_sql=false < WIPE_SQL", "deny"),            # SQL on stdin, from a file
    ("bq query --use_legacy_sql=false <<'EOF'\nDELETE FROM ds.users WHERE 1=1;\nEOF", "deny"),
    ("cat WIPE_SQL | snowsql -c analytics", "deny"),                   # piped: cat of a file is the file
    ("snowsql -f WIPE_SQL", "deny"),
    ("snowsql --filename=schema.sql", "allow"),
    ("bq query < schema.sql", "allow"),
    ("echo 'bq rm -r -f ds' >> NOTES.md", "allow"),                     # words about it, not the act
    ("wrangler d1 execute shop --remote --command \"$SQL\"", "ask"),    # SQL known only when it runs
    ("bq rm -r -f ds_test_tmp", "deny"),  # hosted: weighed as production, as psql -h remote is
])
def test_warehouse_sql_channels(command, expected, sql_files, home, env):
    decision, rules = _shell(command, sql_files, home, env)
    assert decision == expected, (command, rules)
