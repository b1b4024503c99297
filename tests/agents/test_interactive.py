"""The ask path in Claude Code's terminal UI (driven in tmux): Interlock's `ask` becomes Claude Code's own
dialog, carrying what, target, impact and the snapshot taken first; the user answers Yes and the
command runs, once.  `--allowedTools Bash` is given, so a dialog can only come from the hook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

from interlock import agents
from interlock.standins import models as M

CMD = "git reset --hard HEAD && echo reset >> resets.log"
KEY = "sk-ant-scripted-not-a-key"


def _screen(name):
    return subprocess.run(["tmux", "capture-pane", "-t", name, "-p", "-J"], capture_output=True, text=True).stdout


def _wait_for(name, needle, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = _screen(name)
        if needle in s:
            return s
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} never appeared:\n{_screen(name)}")


@pytest.mark.parametrize("agent", ["claude-code"])
def test_claude_code_dialog_shows_interlocks_reason_and_yes_runs_once(world, agent):
    assert shutil.which("tmux"), "tmux is needed (apt-get install tmux)"
    world.init()
    # a first run's onboarding, trust and API-key questions, answered as a user would have
    with open(os.path.join(world.home, ".claude.json"), "w") as f:
        json.dump({"hasCompletedOnboarding": True, "theme": "dark",
                   "customApiKeyResponses": {"approved": [KEY[-20:]], "rejected": []},
                   "projects": {world.project: {"hasTrustDialogAccepted": True}}}, f)
    name = "interlock-" + uuid.uuid4().hex[:8]
    with M.ScriptedModel([M.shell(CMD, "clean the tree")]) as model:
        env = dict(world.env)
        env.update(agents.module(agent).env_vars(model.url), ANTHROPIC_API_KEY=KEY, TERM="xterm-256color")
        cmd = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + [
            world.binary, "--model", "claude-sonnet-4-5", "--allowedTools", "Bash"]
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "60", "-c", world.project,
                        subprocess.list2cmdline(cmd)], check=True)
        try:
            _wait_for(name, "? for shortcuts")
            subprocess.run(["tmux", "send-keys", "-t", name, "clean up the tree", "Enter"], check=True)
            screen = _wait_for(name, "Do you want to proceed?")
            assert "Interlock: approve this destructive action?" in screen
            assert "git reset --hard HEAD" in screen and "uncommitted changes" in screen and "Snapshot:" in screen
            assert not os.path.exists(world.path("resets.log"))  # nothing ran while the dialog waits
            subprocess.run(["tmux", "send-keys", "-t", name, "1"], check=True)
            end = time.monotonic() + 30
            while not os.path.exists(world.path("resets.log")) and time.monotonic() < end:
                time.sleep(0.3)
            _wait_for(name, "Done.")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    assert open(world.path("resets.log")).read() == "reset\n"
    assert "unsaved work" not in open(world.path("src/app.py")).read()
