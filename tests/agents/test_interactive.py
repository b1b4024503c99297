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
            # Yes; a key pressed while the dialog is still settling can be lost (seen under load): press
            # again while the dialog is still there and nothing ran
            end = time.monotonic() + 30
            while not os.path.exists(world.path("resets.log")) and time.monotonic() < end:
                if "Do you want to proceed?" in _screen(name):
                    subprocess.run(["tmux", "send-keys", "-t", name, "1"], check=True)
                step = time.monotonic() + 3
                while not os.path.exists(world.path("resets.log")) and time.monotonic() < step:
                    time.sleep(0.2)
            _wait_for(name, "Done.")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    assert open(world.path("resets.log")).read() == "reset\n"
    assert "unsaved work" not in open(world.path("src/app.py")).read()


# --- Codex's and Gemini CLI's terminal UIs: no dialog for a hook's ask, so Interlock denies with the approval ---

SECRET = "alice's approver secret, typed by a human"


class Tui:
    """The agent's terminal UI in a tmux session of its own (killed on exit)."""

    def __init__(self, world, argv, env):
        self.home = world.home
        self.name = "interlock-" + uuid.uuid4().hex[:8]
        cmd = ["env", "-i"] + [f"{k}={v}" for k, v in env.items()] + argv
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "200", "-y", "60", "-c", world.project,
                        subprocess.list2cmdline(cmd)], check=True)

    def screen(self):
        return _screen(self.name)

    def wait_for(self, needle, timeout=60):
        return _wait_for(self.name, needle, timeout)

    def type(self, text):
        """Type a line, wait until the UI shows it, then press Enter (a burst of keys ending in Enter
        can read as a paste, where Enter is a newline, not a submit)."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)
        self.wait_for(text)
        subprocess.run(["tmux", "send-keys", "-t", self.name, "Enter"], check=True)

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)
        _reap(self.home)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _reap(home):
    """End what the UI left running from this test's throwaway HOME: Codex's TUI starts a shared
    app-server daemon (copied to ~/.codex/packages/…) that outlives the session."""
    import signal

    def ours():
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv0 = f.read().split(b"\0", 1)[0].decode("utf-8", "replace")
            except OSError:
                continue
            if argv0.startswith(home + "/"):
                out.append(int(pid))
        return out

    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = ours()
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + 5
        while pids and time.monotonic() < end:
            pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
            time.sleep(0.1)
        if not pids:
            return


def _until(cond, what, tui, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.3)
    raise AssertionError(f"{what}: never happened; the screen:\n{tui.screen()}")


def _tui_argv(agent, binary):
    # the agent's own approvals are out of the way (as --allowedTools Bash is for Claude Code above), so
    # only the hook can stop the command: Codex "-a never" in full access, Gemini CLI --yolo
    return {"codex": [binary, "-s", "danger-full-access", "-a", "never"], "gemini": [binary, "--yolo"]}[agent]


READY = {"codex": "? for shortcuts", "gemini": "Type your message"}


def _pending(world):
    return [r for r in _approvals(world) if CMD in json.dumps(r) and r.get("state") == "pending"]


def _approvals(world):
    from .harness import interlock

    p = interlock("approvals", "--json", env=world.env, cwd=world.project)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    return data if isinstance(data, list) else data.get("requests", data.get("pending", []))


def _resets(world):
    try:
        return open(world.path("resets.log")).read().count("reset")
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_tui_ask_is_a_deny_naming_the_approval_then_the_identical_retry_runs_once(world, agent):
    """Nobody at the keyboard: the UI shows Interlock's refusal naming approval ID, and nothing ran.  A
    human approves it out of band; the model (held until then) retries the identical command in the same
    session: it runs once — the grant belongs to this session, no widening needed — and a second identical
    retry is refused with a new request."""
    import threading

    from helpers import add_approver, cli

    assert shutil.which("tmux"), "tmux is needed (apt-get install tmux)"
    world.init()
    add_approver("alice", SECRET, world.env)
    approved = threading.Event()
    steps = [M.shell(CMD, "clean the tree"), M.shell(CMD, "retry after approval", gate=approved),
             M.shell(CMD, "and once more")]
    with M.ScriptedModel(steps) as model:
        mod = agents.module(agent)
        mod.configure(world.home, model.url)
        env = agents.clean_env(world.home, world.env)
        env.update(mod.env_vars(model.url), TERM="xterm-256color")
        with Tui(world, _tui_argv(agent, world.binary), env) as tui:
            tui.wait_for(READY[agent])
            tui.type("clean up the tree")
            (req,) = _until(lambda: _pending(world), "an approval request", tui)
            # what the agent shows, with nobody at the keyboard: the refusal, naming the request
            tui.wait_for(req["id"])
            _until(lambda: model.results, "the refusal reaching the model", tui)
            assert req["id"] in model.results[0]["output"] and _resets(world) == 0
            assert "unsaved work" in open(world.path("src/app.py")).read()

            p = cli(["approve", req["id"]], world.env, fd_secret=SECRET, cwd=world.project)
            assert p.returncode == 0, p.stdout + p.stderr
            approved.set()
            _until(lambda: len(model.results) >= 3, "the retry and the second retry", tui, timeout=90)
            tui.wait_for(model.final_text)
    assert _resets(world) == 1, [r["output"][:300] for r in model.results]  # ran exactly once
    assert "unsaved work" not in open(world.path("src/app.py")).read()
    (again,) = _pending(world)                       # the second identical retry filed a new request
    assert again["id"] != req["id"] and again["id"] in model.results[2]["output"]


@pytest.mark.parametrize("agent", ["codex", "gemini"])
def test_what_the_tui_does_with_a_hooks_raw_ask(world, agent, tmp_path):
    """Why Interlock never answers `ask` to these two (a probe hook in its place, as in the failure table):
    Codex's UI reports the hook as failed and runs the command; Gemini CLI's shows its own confirmation
    dialog — even under --yolo — without the hook's reason, and waits for a person who is not there."""
    from interlock.agents import failmodes

    assert shutil.which("tmux"), "tmux is needed (apt-get install tmux)"
    probes = tmp_path / "probes"
    probes.mkdir()
    failmodes.install_probe(agent, failmodes.probe_script(agent, "ask", str(probes)), world.project, world.home)
    with M.ScriptedModel([M.shell(CMD, "clean the tree")]) as model:
        mod = agents.module(agent)
        mod.configure(world.home, model.url)
        env = agents.clean_env(world.home, world.env)
        env.update(mod.env_vars(model.url), TERM="xterm-256color")
        with Tui(world, _tui_argv(agent, world.binary), env) as tui:
            tui.wait_for(READY[agent])
            tui.type("clean up the tree")
            if agent == "codex":
                screen = tui.wait_for(model.final_text)
                assert "unsupported permissionDecision:ask" in screen
                assert _resets(world) == 1                         # it ran
            else:
                screen = tui.wait_for("Allow execution of [Shell]?")
                assert "probe asks" not in screen and _resets(world) == 0   # waiting, the reason not shown
