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


@pytest.mark.parametrize("agent", ["codex"])
def test_the_hook_waits_for_a_human_only_as_long_as_the_agent_lets_it(world, agent):
    """`[approvals] wait_seconds` makes the hook hold the call while a human decides.  Codex kills a hook at
    the timeout init registers (30 s) and then runs the command: with the old 540 s cap, `wait_seconds = 300`
    and nobody approving, `git reset --hard` ran after 30 s.  Now the wait stops under the timeout and the
    call is refused naming the request; a human approving during the next wait lets the identical retry run
    in that same call."""
    import threading
    import time

    from interlock import agents

    world.init()
    add_approver("alice", SECRET, world.env)
    cfg = os.path.join(world.home, ".config", "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write("[approvals]\nwait_seconds = 300\n")
    out = {}
    with M.ScriptedModel([M.shell(CMD, "clean the tree"), M.shell(CMD, "retry")]) as model:
        def go():
            t = time.monotonic()
            out["session"] = agents.run(agent, world.binary, world.project, world.home, model.url, env=world.env,
                                        timeout=150)
            out["seconds"] = time.monotonic() - t

        th = threading.Thread(target=go)
        th.start()
        try:
            end = time.monotonic() + 90
            while not model.results and time.monotonic() < end:  # the first call: nobody approves
                time.sleep(0.3)
            assert model.results and _resets(world) == 0, model.results
            first = model.results[0]["output"]
            (req,) = [r for r in _pending(world) if r["id"] in first]
            while time.monotonic() < end:  # the retry is waiting on its request: approve that one
                waiting = [r for r in _pending(world) if r["id"] != req["id"]] or \
                    ([req] if len(model.calls) > 1 else [])
                if waiting:
                    p = cli(["approve", waiting[0]["id"]], world.env, fd_secret=SECRET, cwd=world.project)
                    assert p.returncode == 0, p.stdout + p.stderr
                    break
                time.sleep(0.3)
        finally:
            th.join(160)
    assert _resets(world) == 1, [r["output"][:200] for r in model.results]  # ran once, in the waiting call
    assert len(model.results) == 2 and "approval" not in model.results[1]["output"], model.results
    assert out["seconds"] < 120, out
