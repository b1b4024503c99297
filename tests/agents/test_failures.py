"""Failure paths with the real binaries (the full table: bench/agents.py → docs/agents.md).  Here are
the cells Interlock relies on: the `|| fallback` init writes answers deny when the interlock program
is gone; when the hook times out, the backstop the agent enforces itself (Claude Code
permissions.deny, Codex rules, the Gemini CLI policy) still stops the worst case (failmodes.WORST) — and without it, it happens; and
doctor fails on every setting that makes an agent skip its hooks."""

from __future__ import annotations

import json
import os

import pytest

from interlock import agents
from interlock.agents import failmodes

from .harness import World, interlock


def cell(agent, column, tmp_path):
    b = agents.find_binary(agent)
    from .conftest import _binary_or_fail

    _binary_or_fail(agent)
    return failmodes.run_cell(agent, column, b, str(tmp_path / column))


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_interlock_program_missing_still_refuses(agent, tmp_path):
    assert cell(agent, "missing-init", tmp_path)["outcome"] == "refused"


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_hook_timeout_backstop_stops_the_worst_case(agent, tmp_path):
    assert cell(agent, "timeout-backstop", tmp_path)["outcome"] == "refused"
    # the control: the same timeout without the backstop, and it happens (failmodes.WORST)
    assert cell(agent, "timeout-no-backstop", tmp_path)["outcome"] == "ran"


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_a_probe_hook_that_denies_is_obeyed_and_garbage_is_not(agent, tmp_path):
    """The measurement itself can tell: a deny refuses, a garbage answer lets the command run."""
    assert cell(agent, "deny", tmp_path)["outcome"] == "refused"
    assert cell(agent, "garbage", tmp_path)["outcome"] == "ran"


FAIL_OPEN = {
    "claude-code": [(".claude/settings.local.json", {"disableAllHooks": True}, "disableAllHooks")],
    "gemini": [("~/.gemini/settings.json", {"hooksConfig": {"enabled": False}}, "hooksConfig.enabled"),
               (".gemini/settings.json", {"hooksConfig": {"disabled": ["interlock"]}}, "hooksConfig.disabled")],
}


@pytest.mark.parametrize("agent", ["claude-code", "gemini"])
def test_doctor_fails_on_settings_that_turn_hooks_off(world, agent):
    world.init()
    for rel, extra, needle in FAIL_OPEN[agent]:
        path = os.path.join(world.home, rel[2:]) if rel.startswith("~/") else world.path(rel)
        try:
            d = json.load(open(path))
        except (OSError, ValueError):
            d = {}
        d.update(extra)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        json.dump(d, open(path, "w"))
        assert [c for c in world.doctor()["checks"] if c["status"] == "FAIL" and needle in c["check"]], needle


@pytest.mark.parametrize("agent", ["codex"])
def test_codex_hooks_feature_off_skips_the_hook_and_doctor_fails(world, agent):
    world.init()
    cfg = os.path.join(world.home, ".codex", "config.toml")
    # the driver rewrites config.toml with tomlkit, keeping this table
    with open(cfg, "a") as f:
        f.write("\n[features]\nhooks = false\n")
    assert [c for c in world.doctor()["checks"] if c["status"] == "FAIL" and "hooks = false" in c["check"]]
    from .harness import incident

    world.run(incident(world.project))
    assert world.received("volumeDelete")  # what the doctor check is about: the hook never ran
