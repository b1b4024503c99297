"""Every rule's own examples: each `hit` must produce the rule, each `miss` must not."""

from __future__ import annotations

import pytest

from interlock import rules as R
from interlock.actions import FILE_READ, FILE_WRITE, MCP_CALL, SHELL, Action
from interlock.engine import Context, analyze
from interlock.policy import Layer, Policy

CASES = []
for rule in R.RULES.values():
    for ex in rule.hits:
        CASES.append(pytest.param(rule.id, ex, True, id=f"{rule.id}-hit-{ex[:40]}"))
    for ex in rule.misses:
        CASES.append(pytest.param(rule.id, ex, False, id=f"{rule.id}-miss-{ex[:40]}"))


def test_every_rule_has_evidence():
    for rule in R.RULES.values():
        if rule.id in ("shell.too-complex", "interlock.error"):
            continue  # raised by the analyzer's limits, tested in test_bad_input
        assert rule.hits, f"{rule.id} has no hits"
        assert rule.misses, f"{rule.id} has no misses"
        assert rule.severity in ("read", "write", "destructive", "catastrophic", "credential", "opaque")
        assert rule.why.endswith("."), rule.id


_FAKE = {"{GHP}": "gh" + "p_" + "Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4"}  # a token-shaped value, never a real one


def _action(example, workspace, home):
    ex = example.replace("/work/proj", workspace).replace("/home/dev", home)
    if ex.startswith("@file "):  # `@file PATH=TEXT; EXAMPLE`: the machine holds that file first
        import os

        spec, ex = ex[6:].split("; ", 1)
        path, text = spec.split("=", 1)
        for k, v in _FAKE.items():
            text = text.replace(k, v)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text.replace("\\n", "\n"))
    if ex.startswith("@Read "):
        return Action(FILE_READ, {"path": ex[6:]}, cwd=workspace, tool="Read")
    if ex.startswith(("@Grep ", "@Glob ")):  # @Grep PATH PATTERN: Claude Code's search tools
        tool, rest = ex[1:].split(" ", 1)
        path, _, pattern = rest.partition(" ")
        from interlock.adapters.claude_code import parse

        ti = {"pattern": pattern, "path": path}
        return parse({"tool_name": tool, "tool_input": ti, "cwd": workspace}, {}).action
    if ex.startswith(("@Write ", "@Edit ")):
        tool, rest = ex[1:].split(" ", 1)
        path, _, content = rest.partition(" ")
        payload = {"path": path}
        if content:
            payload["content"] = content
        return Action(FILE_WRITE, payload, cwd=workspace, tool=tool)
    if ex.startswith("@MCP "):
        import json

        server, tool = ex[5:].split("/", 1)
        tool, _, args = tool.partition(" {")  # `@MCP srv/tool {"k": "v"}`: the call's arguments
        tool, *hints = tool.split(" !")  # "!destructiveHint": the annotation the MCP gateway passes on
        payload = {"server": server, "tool": tool, "arguments": json.loads("{" + args) if args else {}}
        if hints:
            payload["annotations"] = {h: True for h in hints}
        return Action(MCP_CALL, payload, cwd=workspace)
    return Action(SHELL, {"command": ex}, cwd=workspace)


@pytest.mark.parametrize("rule_id,example,should_hit", CASES)
def test_rule_examples(rule_id, example, should_hit, workspace, home, env):
    policy = Policy(Layer({"protect": {"paths": ["data/**"]}}, "test"), home=home)
    ctx = Context(workspace, home=home, workspace=workspace, env=env, policy=policy)
    findings = analyze(_action(example, workspace, home), ctx)
    got = {f.rule for f in findings}
    if should_hit:
        assert rule_id in got, f"{example!r} should hit {rule_id}, got {sorted(got)}"
    else:
        assert rule_id not in got, f"{example!r} must not hit {rule_id}, got {sorted(got)}"


def test_docs_page_is_generated_from_the_catalogue():
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "docs", "rules.md")
    with open(path) as f:
        assert f.read() == R.markdown(), "docs/rules.md is stale: run `interlock rules --markdown > docs/rules.md`"


def test_credential_program_list_matches_its_module():
    """The analyzer keeps a copy of credentials.PROGRAMS so it need not import the module."""
    from interlock.analysis.shell import analyzer, credentials

    assert set(analyzer._CRED_PROGRAMS) == set(credentials.PROGRAMS)
