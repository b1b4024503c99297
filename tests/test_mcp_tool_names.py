"""What an MCP tool's name says it does (analysis/mcp_tools.toml with the generic verb model's verbs): names in
any spelling — camelCase, PascalCase, snake, kebab, dotted — and verbs beyond delete (flush, clear a database,
stop an instance).  Before, only separator-delimited words of one fixed list counted: `deleteProject`,
`destroyService`, `flushall` and `scale_to_zero` passed silently."""

from __future__ import annotations

import pytest

from interlock.actions import MCP_CALL, Action
from interlock.analysis.mcp import tool_effect, tool_names, tool_words
from interlock.engine import Context, evaluate


@pytest.mark.parametrize("tool,effect", [tuple(e) for e in tool_names().examples])
def test_the_knowledge_files_examples(tool, effect):
    assert tool_effect(tool) == effect, (tool, tool_words(tool))


@pytest.mark.parametrize("tool,args,effect", [tuple(e) for e in tool_names().force_examples])
def test_the_knowledge_files_force_examples(tool, args, effect):
    import json

    from interlock.analysis.mcp import call_effect

    assert call_effect("anyserver", tool, json.loads(args)) == effect, (tool, args)


@pytest.mark.parametrize("key,args,want", [
    (key, a, want) for key, k in tool_names().known.items() for want, lst in (("hit", k["hits"]), ("miss", k["misses"]))
    for a in lst])
def test_the_knowledge_files_known_tools(key, args, want):
    """A known server's tool is read as the file says (a hit) unless an argument brings back its name's reading."""
    import json

    from interlock.analysis.mcp import call_effect, tool_effect

    got = call_effect(key[0], key[1], json.loads(args))
    known = tool_names().known[key].get("effect", "")
    assert got == (known if want == "hit" else tool_effect(key[1])), (key, args, got)


@pytest.mark.parametrize("tool,words", [("deleteProject", ["delete", "project"]),
                                        ("DeleteDBInstance", ["delete", "db", "instance"]),
                                        ("flush_db", ["flush", "db"]), ("project.delete", ["project", "delete"]),
                                        ("drop-collection", ["drop", "collection"]), ("", [])])
def test_names_split_into_words_in_every_spelling(tool, words):
    assert tool_words(tool) == words


def judge(server, tool, args, tmp_path):
    w = tmp_path / "proj"
    w.mkdir(exist_ok=True)
    env = {"HOME": str(tmp_path), "INTERLOCK_HOME": str(tmp_path / "state"), "INTERLOCK_DAEMON": "0"}
    ctx = Context(str(w), home=str(tmp_path), workspace=str(w), env=env)
    return evaluate(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, cwd=str(w)), ctx)


@pytest.mark.parametrize("server,tool,rule", [
    ("acme", "deleteProject", "mcp.destructive-tool"), ("store", "DeleteItem", "mcp.destructive-tool"),
    ("cache", "flushall", "mcp.destructive-tool"), ("kv", "clearDatabase", "mcp.destructive-tool"),
    ("s3ish", "empty_bucket", "mcp.destructive-tool"), ("ops", "destroyService", "mcp.destructive-tool"),
    ("cloud", "stopInstance", "mcp.outage-tool"), ("paas", "suspend-service", "mcp.outage-tool"),
    ("paas", "scaleToZero", "mcp.outage-tool"), ("k", "drain_node", "mcp.outage-tool"),
])
def test_unknown_servers_tools_are_asked_by_what_their_name_says(server, tool, rule, tmp_path):
    d = judge(server, tool, {"id": "x"}, tmp_path)
    if tool in ("deleteProject", "clearDatabase", "empty_bucket"):
        # a container of the service's data named last (mcp_tools.toml containers): refused on any server
        assert d.decision == "deny" and {rule, "mcp.cloud-catastrophic"} <= set(d.rules), (tool, d.rules)
        return
    assert d.decision == "ask" and rule in d.rules, (tool, d.rules)


@pytest.mark.parametrize("server,tool", [
    ("github", "create_pull_request"), ("github", "get_file_contents"), ("playwright", "browser_close"),
    ("playwright", "browser_tab_close"), ("devtools", "clear_console"), ("obs", "stop_recording"),
    ("media", "pause_video"), ("tracker", "list_deleted_items"), ("tracker", "getDeletedIssues"),
    ("cache", "empty_cache"), ("notes", "undelete"), ("jobs", "get_delete_status"), ("fs", "list_directory"),
    ("browser", "clearSelection"), ("dev", "restart_dev_server"), ("sql", "explain_query"),
])
def test_ordinary_tools_pass(server, tool, tmp_path):
    d = judge(server, tool, {}, tmp_path)
    assert d.decision == "allow", (tool, d.rules)
