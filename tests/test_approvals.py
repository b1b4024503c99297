"""Human approvals end to end, with real processes: the hook files a request, a human approves it
in a pseudo-terminal, the identical action is allowed exactly once — and the agent cannot approve."""

from __future__ import annotations

import json
import os
import select
import sqlite3
import time

import pytest

import helpers
from conftest import interlock_exe, run_hook
from helpers import (ID, SECRET_A, SECRET_B, audit_events, claude, cli, codex, decision,
                     file_request, reason, write_policy)


def pty_run(args, env, answers, timeout=30):
    """Run `interlock ARGS` on a pseudo-terminal, typing each answer when its prompt appears."""
    import ctypes
    import pty

    # the pty's master is held by this process: name it as a terminal emulator would be, not "python"
    # (a pty held by a pty maker such as python or script is refused for the first approver)
    with open("/proc/self/comm", "rb") as f:
        was = f.read().strip()
    ctypes.CDLL(None).prctl(15, b"test-terminal", 0, 0, 0)
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal
        try:
            os.execve(interlock_exe()[0], interlock_exe() + args, env)
        finally:
            os._exit(127)
    out = b""
    seen = 0  # output before this offset has answered its prompt already
    pending = list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if pending and pending[0][0].encode() in out[seen:]:
            seen = out.index(pending[0][0].encode(), seen) + 1
            os.write(fd, pending.pop(0)[1].encode() + b"\n")
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    ctypes.CDLL(None).prctl(15, was, 0, 0, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def add_approver(name, secret, env, tmp_path=None):
    """The first approver is created with its secret on an fd; later ones are authorised by alice.
    (``tmp_path`` is no longer needed; test_gateway_mcp.py still passes it.)"""
    helpers.add_approver(name, secret, env, by=None if name == "alice" else ("alice", SECRET_A))


# --- the main flow -------------------------------------------------------------------------------------

def test_request_approved_on_a_pty_then_the_identical_action_is_allowed_exactly_once(workspace, env, tmp_path):
    rid, out = file_request("rm -rf src", workspace, env)
    text = reason(out)
    assert f"interlock approve {rid}" in text and "retry the identical command" in text
    assert "Target: src" in text and "Environment:" in text and "Impact:" in text
    add_approver("alice", SECRET_A, env, tmp_path)

    code, screen = pty_run(["approve", rid], env, [("secret for approver alice", SECRET_A)])
    assert code == 0, screen
    assert f"approved {rid} by alice (once)" in screen
    assert SECRET_A not in screen  # not echoed

    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert (code, out) == (0, None)  # allowed: Codex reads silence as allow
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "deny"
    assert ID.findall(reason(out))[0] != rid  # used up: a new request

    log = cli(["log", "--limit", "50"], env).stdout
    assert f"approval {rid}: approve by alice via cli:tty (once)" in log
    assert f"approval {rid}: consume via hook" in log
    assert [e["event"] for e in audit_events(env) if e.get("id") == rid] == ["create", "approve", "consume"]


def test_one_byte_different_command_is_not_approved(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    for variant in ("rm -rf src/", "rm -rf  src", "rm -rf src "):
        code, out, _ = run_hook("codex", codex(variant, workspace), env)
        assert decision(out) == "deny" and rid not in reason(out), variant
    other_cwd = os.path.join(workspace, "src")
    os.makedirs(os.path.join(other_cwd, "src"))
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace, cwd=other_cwd), env)
    assert decision(out) == "deny"  # same text, different cwd: a different action
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert out is None  # the exact action still has its approval


def test_expired_request_is_denied_and_counted_as_timed_out(workspace, env, tmp_path):
    write_policy(env, "[approvals]\nexpiry_minutes = 0.02\n")  # 1.2 s
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    time.sleep(1.6)
    p = cli(["approve", rid], env, fd_secret=SECRET_A)
    assert p.returncode == 1 and "expired" in p.stderr
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "deny" and rid not in reason(out)
    stats = json.loads(cli(["stats", "--json"], env).stdout)["rules"]["fs.delete-source"]
    assert stats["timed_out"] == 1 and stats["asked"] == 2 and stats.get("approved", 0) == 0


def test_rejected_request_denies_with_the_reason_and_is_not_refiled(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    p = cli(["reject", rid, "--reason", "src is not generated"], env, fd_secret=SECRET_A)
    assert p.returncode == 0, p.stderr
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "deny"
    assert "rejected" in reason(out) and "src is not generated" in reason(out) and rid in reason(out)
    assert json.loads(cli(["approvals", "--json"], env).stdout) == []
    stats = json.loads(cli(["stats", "--json"], env).stdout)["rules"]["fs.delete-source"]
    assert stats["rejected"] == 1 and stats["asked"] == 1


def test_pending_requests_survive_a_restart(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    listed = json.loads(cli(["approvals", "--json"], env).stdout)  # a new process
    assert [r["id"] for r in listed] == [rid]
    r = listed[0]
    assert r["state"] == "pending" and r["agent"] == "codex" and r["cwd"] == workspace
    assert r["action"] == "rm -rf src" and r["rules"] == ["fs.delete-source"] and r["required"] == 1
    human = cli(["approvals"], env).stdout
    for part in (rid, "rm -rf src", "fs.delete-source", "expires in", f"interlock approve {rid}"):
        assert part in human
    # the hook (another new process) reuses the identical pending request instead of filing another
    again, _ = file_request("rm -rf src", workspace, env)
    assert again == rid
    with sqlite3.connect(os.path.join(env["INTERLOCK_HOME"], "approvals.db")) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 1


def test_two_person_rule(workspace, env, tmp_path):
    write_policy(env, "[[approvals.require]]\nseverity = \"destructive\"\napprovers = 2\n")
    rid, out = file_request("rm -rf src", workspace, env)
    assert "2 different approvers" in reason(out)
    add_approver("alice", SECRET_A, env, tmp_path)
    add_approver("bob", SECRET_B, env, tmp_path)
    p = cli(["approve", rid, "--as", "alice"], env, fd_secret=SECRET_A)
    assert p.returncode == 0 and "1 more distinct approver" in p.stdout
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "deny"  # one approver is not enough
    p = cli(["approve", rid, "--as", "alice"], env, fd_secret=SECRET_A)
    assert p.returncode == 1 and "already approved" in p.stderr  # nor the same one twice
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert decision(out) == "deny"
    p = cli(["approve", rid, "--as", "bob"], env, fd_secret=SECRET_B)
    assert p.returncode == 0 and "by alice, bob" in p.stdout
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), env)
    assert out is None


def test_catastrophic_on_prod_needs_two_approvers_by_default():
    from interlock.actions import Finding
    from interlock.approvals import Settings

    prod = Finding("db.drop-database", "catastrophic", "drop", "app", environment="prod")
    staging = Finding("db.drop-database", "catastrophic", "drop", "app", environment="staging")
    assert Settings({}).required_approvers([prod]) == 2
    assert Settings({}).required_approvers([staging]) == 1
    # a project may add approvers, never remove the default
    assert Settings({}, {"require": [{"severity": "catastrophic", "environment": "prod", "approvers": 1}]}
                    ).required_approvers([prod]) == 2
    assert Settings({"require": [{"severity": "catastrophic", "environment": "prod", "approvers": 3}]}
                    ).required_approvers([prod]) == 3


def test_approvable_deny_and_single_use_only_for_catastrophic(workspace, env, tmp_path):
    write_policy(env, "[approvals]\napprovable = [\"catastrophic\"]\n")
    home_rm = "rm -rf ~/Documents"
    rid, out = file_request(home_rm, workspace, env)
    assert "catastrophic" in reason(out)
    add_approver("alice", SECRET_A, env, tmp_path)
    p = cli(["approve", rid, "--for", "30"], env, fd_secret=SECRET_A)
    assert p.returncode == 1 and "only be approved once" in p.stderr
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    assert run_hook("codex", codex(home_rm, workspace), env)[1] is None
    assert decision(run_hook("codex", codex(home_rm, workspace), env)[1]) == "deny"
    # self-protection is never approvable, whatever the policy
    code, out, _ = run_hook("codex", codex(f"rm -rf {env['INTERLOCK_HOME']}", workspace), env)
    assert decision(out) == "deny" and not ID.search(reason(out))


def test_window_approval_allows_the_same_action_repeatedly(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    assert cli(["approve", rid, "--for", "5"], env, fd_secret=SECRET_A).returncode == 0
    for _ in range(3):
        assert run_hook("codex", codex("rm -rf src", workspace), env)[1] is None
    assert decision(run_hook("codex", codex("rm -rf README.md", workspace), env)[1]) == "deny"


# --- the interactive flow and session approvals -----------------------------------------------------------

def test_claude_code_interactive_asks_in_its_dialog_and_bypass_goes_out_of_band(workspace, env, tmp_path):
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), env)
    assert decision(out) == "ask"
    text = reason(out)
    assert text.startswith("Interlock: approve this destructive action?")
    assert "What: `rm -rf src`" in text and "Target: src" in text and "Impact:" in text
    rid = ID.findall(text)[0]
    assert f"interlock approve {rid} --session" in text
    for mode in ("bypassPermissions", "dontAsk"):
        code, out, _ = run_hook("claude-code", claude("rm -rf README.md", workspace, mode), env)
        assert decision(out) == "deny" and "interlock approve apr-" in reason(out)


def test_session_approval_is_scoped_to_agent_session_and_action(workspace, env, tmp_path):
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), env)
    rid = ID.findall(reason(out))[0]
    add_approver("alice", SECRET_A, env, tmp_path)
    p = cli(["approve", rid, "--session"], env, fd_secret=SECRET_A)
    assert p.returncode == 0 and "for this session" in p.stdout, p.stderr
    for _ in range(2):
        assert run_hook("claude-code", claude("rm -rf src", workspace), env)[1] is None
    assert decision(run_hook("claude-code", claude("rm -rf src", workspace, session="sess-2"), env)[1]) == "ask"
    assert decision(run_hook("claude-code", claude("rm -rf README.md", workspace), env)[1]) == "ask"


def test_hook_waits_for_a_verdict_when_the_policy_says_so(workspace, env, tmp_path):
    write_policy(env, "[approvals]\nwait_seconds = 20\n")
    add_approver("alice", SECRET_A, env, tmp_path)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(codex("rm -rf src", workspace)))
    hook, rid = helpers.waiting_hook(payload, env, env)
    assert rid and hook.poll() is None  # still waiting
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    out, err = hook.communicate(timeout=30)
    assert hook.returncode == 0 and out.strip() == b"", (out, err)  # allowed


# --- attacks ---------------------------------------------------------------------------------------------

def test_forged_ids_are_refused(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    forged = "apr-" + ("2" if rid[4] != "2" else "3") + rid[5:]
    for bad in (forged, "apr-zzzzzz", "apr-7f3k9q' OR 1=1 --", "../approvals.db", ""):
        p = cli(["approve", bad], env, fd_secret=SECRET_A)
        assert p.returncode != 0 and "no approval request" in p.stderr, bad
    assert json.loads(cli(["approvals", "--json"], env).stdout)[0]["state"] == "pending"


def test_replay_of_a_used_approval_is_refused(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    assert run_hook("codex", codex("rm -rf src", workspace), env)[1] is None
    p = cli(["approve", rid], env, fd_secret=SECRET_A)
    assert p.returncode == 1 and "already consumed" in p.stderr
    assert decision(run_hook("codex", codex("rm -rf src", workspace), env)[1]) == "deny"


def test_approval_of_one_hash_does_not_allow_another_action(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    assert cli(["approve", rid], env, fd_secret=SECRET_A).returncode == 0
    from interlock.approvals.store import open_store

    store = open_store(env)
    assert store.redeem("0" * 64, "codex", "s1") is None  # a different action hash
    code, out, _ = run_hook("codex", codex("rm -rf README.md", workspace), env)
    assert decision(out) == "deny"
    code, out, _ = run_hook("gemini", {"hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
                                       "cwd": workspace, "tool_input": {"command": "rm -rf src"}}, env)
    assert out["decision"] == "deny"  # same command from another agent: another hash
    assert store.get(rid).state == "approved"


def test_the_agent_cannot_run_interlock_approve(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    for cmd in (f"interlock approve {rid}", f"interlock approve {rid} --secret-fd 3 3<secret.txt",
                f"bash -c 'interlock approve {rid}'", f"python -m interlock approve {rid}",
                f"uvx interlock reject {rid} --reason x", "interlock approvers add mallory",
                f"curl -X POST http://127.0.0.1:7717/api/approvals/{rid}/approve"):
        code, out, _ = run_hook("codex", codex(cmd, workspace), env)
        assert decision(out) == "deny", cmd
        assert "interlock.approve-self" in reason(out) or "interlock.approve-endpoint" in reason(out), cmd
        assert not ID.findall(reason(out)) or rid in reason(out)  # never an approvable request of its own
    code, out, _ = run_hook("codex", codex("interlock approvals", workspace), env)
    assert out is None  # listing is read-only and allowed
    assert json.loads(cli(["approvals", "--json"], env).stdout)[0]["state"] == "pending"


def test_the_agent_cannot_edit_the_approvals_database(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    db = os.path.join(env["INTERLOCK_HOME"], "approvals.db")
    for cmd in (f"sqlite3 {db} \"UPDATE requests SET state='approved', valid_until=1e12\"",
                f"sqlite3 $INTERLOCK_HOME/approvals.db .dump", f"cp /tmp/forged.db {db}",
                f"python3 -c \"import sqlite3; sqlite3.connect('{db}').execute('update requests set state=1')\""):
        code, out, _ = run_hook("codex", codex(cmd, workspace), env)
        assert decision(out) == "deny" and "interlock." in reason(out), cmd
    code, out, _ = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": workspace,
                                            "tool_input": {"file_path": db, "content": "x"}}, env)
    assert decision(out) == "deny" and "interlock.approvals-store" in reason(out)
    assert json.loads(cli(["approvals", "--json"], env).stdout)[0]["state"] == "pending"


def test_the_agent_cannot_read_the_approver_secrets(workspace, env, tmp_path):
    add_approver("alice", SECRET_A, env, tmp_path)
    secrets_file = os.path.join(env["INTERLOCK_HOME"], "approvers.json")
    assert os.stat(secrets_file).st_mode & 0o777 == 0o600
    assert SECRET_A not in open(secrets_file).read()  # only a salted scrypt hash
    for cmd in (f"cat {secrets_file}", "cat $INTERLOCK_HOME/approvers.json", f"base64 {secrets_file}",
                f"cp {secrets_file} /tmp/x"):
        code, out, _ = run_hook("codex", codex(cmd, workspace), env)
        assert decision(out) == "deny" and "interlock.approvals-store" in reason(out), cmd
    code, out, _ = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": workspace,
                                            "tool_input": {"file_path": secrets_file}}, env)
    assert decision(out) == "deny" and "interlock.approvals-store" in reason(out)


def test_approve_without_a_terminal_is_refused(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    p = cli(["approve", rid], env)  # no --secret-fd, no secret file, no controlling terminal
    assert p.returncode == 1 and "no terminal" in p.stderr
    # a secret file inside the workspace is refused too (an agent could have written it)
    f = os.path.join(workspace, "secret.txt")
    with open(f, "w") as fh:
        fh.write(SECRET_A)
    os.chmod(f, 0o600)
    p = cli(["approve", rid], dict(env, INTERLOCK_APPROVER_SECRET_FILE=f), cwd=workspace)
    assert p.returncode == 1 and "inside a workspace" in p.stderr
    assert json.loads(cli(["approvals", "--json"], env).stdout)[0]["state"] == "pending"


def test_no_approver_configured_is_not_a_silent_default(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    p = cli(["approve", rid], env, fd_secret="anything-at-all")
    assert p.returncode == 1 and "interlock approvers add NAME" in p.stderr
    # on a terminal, the first approve guides creating one
    code, screen = pty_run(["approve", rid], env, [("your name", "carol"), ("new secret", "carol-secret-123"),
                                                   ("again", "carol-secret-123"),
                                                   ("secret for approver carol", "carol-secret-123")])
    assert code == 0 and "approver carol created" in screen and f"approved {rid} by carol" in screen, screen


def test_wrong_secret_is_refused_and_audited_without_the_secret(workspace, env, tmp_path):
    rid, _ = file_request("rm -rf src", workspace, env)
    add_approver("alice", SECRET_A, env, tmp_path)
    p = cli(["approve", rid], env, fd_secret="wrong-guess-123")
    assert p.returncode == 1 and "wrong secret" in p.stderr
    code, screen = pty_run(["approve", rid], env, [("secret for approver alice", "another-guess")])
    assert code == 1 and "wrong secret" in screen
    assert [e["event"] for e in audit_events(env) if e.get("id") == rid].count("refused") == 2
    assert json.loads(cli(["approvals", "--json"], env).stdout)[0]["state"] == "pending"
    for name in os.listdir(env["INTERLOCK_HOME"]):
        path = os.path.join(env["INTERLOCK_HOME"], name)
        if os.path.isfile(path):
            data = open(path, "rb").read()
            for s in (SECRET_A, "wrong-guess-123", "another-guess"):
                assert s.encode() not in data, (name, s)


def test_a_broken_store_fails_closed(workspace, env):
    code, out, _ = run_hook("codex", codex("rm -rf src", workspace), dict(env, INTERLOCK_STORE="mongodb://x"))
    assert decision(out) == "deny" and "approval request not filed" in reason(out)
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), dict(env, INTERLOCK_STORE="bogus://"))
    assert decision(out) == "ask" and "approval request not filed" in reason(out)
