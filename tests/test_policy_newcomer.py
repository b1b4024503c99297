"""A newcomer's policy: an invalid file says which file, which line and what to run; overrides are
listed and name themselves in the decisions they change; a misspelled key gets a did-you-mean."""

from __future__ import annotations

import json
import os
import re

from conftest import run_hook
from helpers import cli, write_policy

TYPO = """# my policy
[[rules]]
id = "git.push-protected"
decison = "allow"
"""


def _policy_file(env):
    return os.path.join(env["XDG_CONFIG_HOME"], "interlock", "policy.toml")


def test_an_invalid_policy_names_file_line_and_the_command_and_still_denies(env, workspace):
    write_policy(env, TYPO)
    p = cli(["check", "ls"], dict(env, COLUMNS="400"), cwd=workspace)
    assert p.returncode == 2, p.stdout + p.stderr  # fail closed: deny
    out = p.stdout
    assert _policy_file(env) in out
    assert "line 4" in out and "unknown key 'decison' (did you mean 'decision'?)" in out
    assert "`interlock policy`" in out and "could not judge" in out
    # not a finding about nothing: no opaque severity, no empty command, no self-protection message
    assert "severity: opaque" not in out and "protects itself" not in out and "command:  \n" not in out
    d = json.loads(cli(["check", "--json", "ls"], env, cwd=workspace).stdout)
    assert d["decision"] == "deny" and "`interlock policy`" in d["error"] and "line 4" in d["error"]
    # the hook: denies, and its reason says the same
    rc, out, _ = run_hook("claude-code", {"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                                          "tool_input": {"command": "ls"}, "cwd": workspace}, env)
    hs = out["hookSpecificOutput"]
    assert hs["permissionDecision"] == "deny"
    assert _policy_file(env) in hs["permissionDecisionReason"] and "line 4" in hs["permissionDecisionReason"]
    assert "`interlock policy`" in hs["permissionDecisionReason"]


def test_interlock_policy_lists_each_problem_with_did_you_mean(env, workspace):
    write_policy(env, TYPO + """
[environments.prod]
hsts = ["*.prod.example.com"]

[approvals]
expiry_minute = 3

[gateways.http.routes.railway]
upstream = "https://backboard.railway.com"
credentail = "railway"
""")
    p = cli(["policy"], env, cwd=workspace)
    assert p.returncode == 2
    err = p.stderr
    assert err.startswith(f"INVALID: {_policy_file(env)}:")
    assert "line 4, field rules[0].decison: unknown key 'decison' (did you mean 'decision'?)" in err
    assert "line 7, field environments.prod.hsts: unknown key 'hsts' (did you mean 'hosts'?)" in err
    assert "line 10, field approvals.expiry_minute: unknown key 'expiry_minute' (did you mean 'expiry_minutes'?)" \
        in err
    assert "field gateways.http.routes.railway.credentail: unknown key 'credentail' (did you mean 'credential'?)" \
        in err
    assert "every hook call is denied" in err


def test_a_key_with_nothing_close_lists_what_is_allowed(env, workspace):
    write_policy(env, '[hook]\nzzz = 1\n')
    err = cli(["policy"], env, cwd=workspace).stderr
    assert "unknown key 'zzz' (expected one of: allow_output, timeout_ms)" in err


OVERRIDES = """[[rules]]
id = "git.push-protected"   # I push to main on this machine
decision = "allow"
reason = "solo repository"

[[rules]]
command = "git reset --hard*"
decision = "deny"
"""


def test_interlock_policy_lists_the_overrides_with_file_and_line(env, workspace):
    write_policy(env, OVERRIDES)
    p = cli(["policy"], env, cwd=workspace)
    assert p.returncode == 0, p.stderr
    f = _policy_file(env)
    assert "[[rules]] overrides: 2" in p.stdout
    assert re.search(rf'allow +\(id = "git.push-protected"\) +— {re.escape(f)}:1 +\(solo repository\)', p.stdout)
    assert re.search(rf'deny +\(command = "git reset --hard\*"\) +— {re.escape(f)}:6', p.stdout)
    write_policy(env, "")
    assert "[[rules]] overrides: none" in cli(["policy"], env, cwd=workspace).stdout


def test_a_decision_an_override_changed_names_the_override(env, workspace):
    write_policy(env, OVERRIDES)
    f = _policy_file(env)
    d = json.loads(cli(["check", "--json", "git push origin main"], env, cwd=workspace).stdout)
    assert d["decision"] == "allow" and d["rules"] == ["git.push-protected"]
    assert len(d["reasons"]) == 1
    assert f'allow by policy: {f} [[rules]] #1 (id = "git.push-protected"): solo repository' in d["reasons"][0]
    text = cli(["check", "git push origin main"], env, cwd=workspace).stdout
    assert "allowed by your policy" in text and "[[rules]] #1" in text
    d = json.loads(cli(["check", "--json", "git reset --hard HEAD~1"], env, cwd=workspace).stdout)
    assert d["decision"] == "deny"  # ask by default; the override made it deny, and says so
    assert f'deny by policy: {f} [[rules]] #2 (command = "git reset --hard*")' in d["reasons"][0]
    # an ordinary allow carries no reasons (nothing to explain)
    assert json.loads(cli(["check", "--json", "git status"], env, cwd=workspace).stdout)["reasons"] == []
