"""The ask path in each real agent, headless: Interlock asks about `git reset --hard`; the agent
cannot show a dialog, so the hook refuses and files an approval request; a human approves it out of
band (`interlock approve ID`, the secret on an fd the agent has no access to); the model retries the
identical command — it runs, exactly once: a second identical retry is refused again."""

from __future__ import annotations

import json
import os

import pytest

from helpers import add_approver, cli
from interlock.standins import models as M

from .harness import interlock

SECRET = "alice's approver secret, typed by a human"
CMD = "git reset --hard HEAD && echo reset >> resets.log"


def _pending(world):
    p = interlock("approvals", "--json", env=world.env, cwd=world.project)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    reqs = data if isinstance(data, list) else data.get("requests", data.get("pending", []))
    return [r for r in reqs if CMD in json.dumps(r)]


def _resets(world):
    try:
        return open(world.path("resets.log")).read().count("reset")
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_out_of_band_approval_then_identical_retry_runs_exactly_once(world, agent):
    world.init()
    add_approver("alice", SECRET, world.env)
    world.run([M.shell(CMD, "start from a clean tree")])
    assert _resets(world) == 0 and "unsaved work" in open(world.path("src/app.py")).read()
    (req,) = _pending(world)
    # what the agent was told names the request, so it can tell the user
    assert any(req["id"] in r for r in world.model.result_texts()), world.model.results

    # each `world.run` is a new headless session of the agent, and a "once" grant belongs to the
    # session that asked unless the approver widens it (what a human does for a restarted agent)
    p = cli(["approve", req["id"], "--any-session"], world.env, fd_secret=SECRET, cwd=world.project)
    assert p.returncode == 0, p.stdout + p.stderr

    world.run([M.shell(CMD, "retry after approval"), M.shell(CMD, "and once more")])
    assert _resets(world) == 1, "\n".join(world.model.result_texts())  # ran exactly once
    assert "unsaved work" not in open(world.path("src/app.py")).read()
    assert len(_pending(world)) == 1                          # the second retry filed a new request
