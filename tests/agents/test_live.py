"""`interlock doctor --live AGENT`: the installed binary, a throwaway HOME, a scripted model — what ran
and what was refused, as observed."""

from __future__ import annotations

import json
import os

import pytest

from interlock import agents

from .harness import interlock


@pytest.mark.parametrize("agent", ["codex", "claude-code"])
def test_doctor_live_reports_what_ran_and_what_was_refused(agent, tmp_path):
    from .conftest import _binary_or_fail

    _binary_or_fail(agent)
    home = str(tmp_path / "userhome")
    os.makedirs(home)
    env = agents.clean_env(home)
    env["INTERLOCK_AGENTS_BIN"] = os.path.dirname(agents.find_binary(agent))
    p = interlock("doctor", "--live", agent, "--json", env=env, cwd=str(tmp_path), timeout=240)
    assert p.returncode == 0, p.stdout + p.stderr
    (r,) = json.loads(p.stdout)
    assert r["ok"] and r["agent"] == agent
    assert [(s["observed"], s["step"].split(" ")[0]) for s in r["steps"]] == [
        ("ran", "ordinary:"), ("refused", "rm"), ("refused", "volumeDelete")]
    assert os.listdir(home) == []  # the user's HOME was not touched


def test_doctor_live_unknown_agent(tmp_path):
    p = interlock("doctor", "--live", "cursor", env=dict(os.environ), cwd=str(tmp_path))
    assert p.returncode == 2 and "no live scenario for cursor" in p.stdout
