"""The command line as a newcomer meets it: --help everywhere, quiet on a closed pipe."""

from __future__ import annotations

import argparse
import json
import subprocess

import pytest

from conftest import interlock_exe


def _commands():
    """Every registered command path (``["secrets", "vault", "add"]``...), walked from the parser."""
    from interlock.cli import build_parser

    out = []

    def walk(parser, path):
        out.append(path)
        for act in parser._actions:
            if isinstance(act, argparse._SubParsersAction):
                seen = set()
                for name, sp in act.choices.items():
                    if id(sp) in seen:  # an alias
                        continue
                    seen.add(id(sp))
                    walk(sp, path + [name])

    walk(build_parser(), [])
    return out


COMMANDS = _commands()


def test_the_walk_finds_the_nested_commands():
    names = {" ".join(c) for c in COMMANDS}
    for c in ("secrets", "secrets scan", "secrets vault", "secrets vault add", "secrets move", "hook", "check",
              "gateway", "approvals", "approve", "snapshots"):
        assert c in names, c
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_and_subcommand_prints_help(flag, capsys):
    """`interlock X [Y [Z]] --help` exits 0 and prints its usage, for every registered parser (the
    real parser, in-process: one walk covers every command another issue adds)."""
    from interlock.cli import main

    bad = []
    for path in COMMANDS:
        try:
            code = main(path + [flag])
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        want = "usage: interlock" + "".join(" " + w for w in path)
        if code not in (0, None) or want not in out:
            bad.append((path, code, out[:200], err[-300:]))
    assert not bad, bad


@pytest.mark.parametrize("args", [["secrets", "--help"], ["secrets", "-h"], ["secrets", "vault", "add", "--help"],
                                  ["secrets", "scan", "-h"], ["mcp-proxy", "--help"], ["gateway", "--help"]])
def test_help_through_the_console_script(env, args):
    """The same through the installed `interlock` (what a user types): exit 0, usage on stdout."""
    p = subprocess.run(interlock_exe() + args, env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and p.stdout.startswith("usage: interlock " + " ".join(a for a in args
                                                                                    if not a.startswith("-"))), p


@pytest.mark.parametrize("agent", ["claude-code", "windsurf"])
def test_hook_help_is_help_but_a_payload_is_still_judged_fail_closed(env, agent):
    p = subprocess.run(interlock_exe() + ["hook", agent, "--help"], env=env, capture_output=True, text=True,
                       timeout=60, input='{"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}')
    assert p.returncode == 0 and p.stdout.startswith("usage: interlock hook") and "stdin" in p.stdout
    # without --help: the same payload is denied; anything else after the agent is not help
    p = subprocess.run(interlock_exe() + ["hook", "claude-code"], env=env, capture_output=True, text=True,
                       timeout=60, input='{"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}, '
                                         '"hook_event_name": "PreToolUse", "cwd": "/tmp"}')
    assert json.loads(p.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    for extra in (["claude-code", "--help", "x"], ["--version"], ["nobody"]):
        p = subprocess.run(interlock_exe() + ["hook"] + extra, env=env, capture_output=True, text=True, timeout=60,
                           input='{"tool_name": "Bash", "tool_input": {"command": "rm -rf ~"}}')
        assert '"deny"' in p.stdout, (extra, p.stdout)


# --- a reader that goes away ---------------------------------------------------------------------

PIPED = [["log"], ["log", "--json"], ["explain", "fs.delete-home"], ["approvals", "--all"], ["stats"], ["rules"],
         ["check", "rm -rf ~"], ["policy"], ["--help"], ["demo", "--commands"]]


def _fill_log(env, n=40):
    from interlock.actions import Decision
    from interlock.audit import open_log

    log = open_log(env["INTERLOCK_HOME"], env)
    for i in range(n):
        log.append(action=f"rm -rf build{i}", decision=Decision("allow", "write"), agent="claude-code")


@pytest.mark.parametrize("args", PIPED, ids=lambda a: " ".join(a))
def test_a_closed_pipe_ends_quietly(env, workspace, args):
    """`interlock log | head -1`: the reader closes before Interlock writes; no traceback, no
    'Exception ignored', and the status a killed-by-SIGPIPE writer has."""
    _fill_log(env)
    import os

    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first byte
    p = subprocess.run(interlock_exe() + args, env=env, cwd=workspace, stdout=w, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=120)
    os.close(w)
    err = p.stderr.decode()
    assert err == "", err  # no traceback, no "Exception ignored ... BrokenPipeError"
    assert p.returncode in (141, 1, 0), p.returncode  # 141 as SIGPIPE would; Rich exits 1, argparse's help 0;
    # never 120, the status of an interpreter whose last flush failed


def test_head_reads_the_first_line_and_the_rest_is_dropped_quietly(env, workspace):
    _fill_log(env, 600)  # ~200 kB of JSON lines: well past a pipe's buffer
    p = subprocess.run(" ".join(interlock_exe()) + " log --json --limit 600 | head -1", shell=True, env=env,
                       cwd=workspace, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert json.loads(p.stdout)["action"].startswith("rm -rf build")
