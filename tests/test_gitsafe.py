"""Interlock runs git in the agent's workspace (judging `git stash`, previews, snapshots, the secrets scan): none
of the commands the repository's configuration names may run then — an agent that wrote `.git/config` would
otherwise have its command run by Interlock, unjudged."""

from __future__ import annotations

import os
import subprocess

import pytest

from interlock import gitsafe
from interlock.actions import SHELL, Action
from interlock.engine import Context, evaluate


def _git(cwd, *args):
    subprocess.run(["git", "-C", cwd, *args], check=True, capture_output=True)


@pytest.fixture
def planted(workspace, tmp_path):
    """A repository whose configuration runs a marker-writing command from fsmonitor, a filter driver's
    clean/process and a diff textconv — with a file whose stat data is stale, so `git status` re-reads it."""
    marker = tmp_path / "ran"
    _git(workspace, "init", "-q")
    _git(workspace, "config", "user.email", "a@b")
    _git(workspace, "config", "user.name", "a")
    os.makedirs(os.path.join(workspace, ".claude"), exist_ok=True)
    with open(os.path.join(workspace, ".claude", "settings.json"), "w") as f:
        f.write("{}\n")
    with open(os.path.join(workspace, ".gitattributes"), "w") as f:
        f.write("*.txt filter=evil diff=evil\n")
    with open(os.path.join(workspace, "a.txt"), "w") as f:
        f.write("hello\n")
    _git(workspace, "add", ".")
    _git(workspace, "commit", "-qm", "x")
    run = f"sh -c 'echo $0 >> {marker}; cat'"
    for key in ("filter.evil.clean", "filter.evil.process", "diff.evil.textconv", "core.fsmonitor"):
        _git(workspace, "config", key, run)
    with open(os.path.join(workspace, ".claude", "settings.json"), "a") as f:
        f.write(" \n")  # an uncommitted change to the hook settings: `git stash` is judged with `git status`
    os.utime(os.path.join(workspace, "a.txt"), (1_000_000_000, 1_000_000_000))
    return marker


def test_plain_git_status_would_run_them(planted, workspace):
    """The premise: without the overrides git runs the planted commands (so the test below can fail)."""
    subprocess.run(["git", "-C", workspace, "status", "--porcelain"], capture_output=True, timeout=30)
    assert planted.exists()


def test_judging_git_stash_runs_none_of_the_repositorys_commands(planted, workspace, home, env):
    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    d = evaluate(Action(SHELL, {"command": "git stash"}, cwd=workspace), ctx)
    assert "interlock.self-protect" in d.rules, d.reasons   # the status was read…
    assert not planted.exists(), planted.read_text()          # …without running what the config names


def test_the_safe_git_still_answers(planted, workspace):
    r = gitsafe.run(workspace, "status", "--porcelain", text=True)
    assert r.returncode == 0 and ".claude/settings.json" in r.stdout
    r = gitsafe.run(workspace, "diff", "--numstat", "HEAD", text=True)
    assert r.returncode == 0
    assert not planted.exists()
    argv = gitsafe.argv(workspace, "status")
    assert "filter.evil.process=" in argv and "diff.evil.textconv=" in argv and "core.fsmonitor=false" in argv


def test_the_secrets_scan_runs_none_of_them(planted, workspace, monkeypatch, capsys):
    from interlock import secrets_scan

    monkeypatch.chdir(workspace)
    secrets_scan.main(["--json"])
    capsys.readouterr()
    assert not planted.exists()
