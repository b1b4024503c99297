"""Attacks on the approval flow, with real hook processes and a rendered terminal (pyte): what the
human sees is what runs, and an approval holds only for the inputs and impact it was given for.

Each test is one attack an agent (which writes every command, path and argument) can make:
forging the display, changing what the approved command reads, scope creep, hidden arguments."""

from __future__ import annotations

import json
import os
import subprocess

import pyte
import pytest

from conftest import run_hook
from helpers import ID, SECRET_A, SECRET_B, add_approver, cli, codex, decision, file_request, reason
from interlock import display as D


def seen(out: str, cols=250, rows=400) -> str:
    """What a person sees after ``out`` is printed on a terminal."""
    screen = pyte.Screen(cols, rows)
    pyte.Stream(screen).feed(out.replace("\n", "\r\n"))
    return "\n".join(ln.rstrip() for ln in screen.display if ln.strip())


def approve(rid, env, *extra, secret=SECRET_A, who="alice"):
    p = cli(["approve", rid, "--as", who, *extra], env, fd_secret=secret)
    return p


def hook(cmd, workspace, env, session="s1"):
    code, out, err = run_hook("codex", codex(cmd, workspace, session_id=session), env)
    assert code == 0, err
    return out


def allowed(out) -> bool:
    return out is None or decision(out) == "allow"


@pytest.fixture
def alice(env):
    add_approver("alice", SECRET_A, env)
    return env


def git(ws, *args):
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=ws, check=True,
                   capture_output=True)


# --- 1. the display cannot be forged ---------------------------------------------------------------

FORGED = "rm -rf lib; : '\r\x1b[2Kgit reset --hard   # nothing uncommitted to lose\n\x1b[1;2r'"


def test_terminal_forgery_with_cr_and_csi_renders_as_the_real_command(workspace, alice):
    env = alice
    os.makedirs(os.path.join(workspace, "lib"))
    rid, out = file_request(FORGED, workspace, env)
    p = cli(["approvals"], env)
    assert "\x1b" not in p.stdout and "\r" not in p.stdout  # nothing for a terminal to interpret
    screen = seen(p.stdout)
    action = next(ln for ln in screen.splitlines() if "action:" in ln)
    assert "rm -rf lib;" in action and "⟨CR⟩⟨ESC⟩[2Kgit reset --hard" in action
    assert "note:" in screen and "⟨" in screen
    # the approver's own prompt shows the same, on a real pseudo-terminal
    from test_approvals import pty_run

    code, tty = pty_run(["approve", rid, "--as", "alice"], env, [("secret for approver alice", SECRET_A)])
    assert code == 0, tty
    shown = seen(tty)
    assert "rm -rf lib;" in shown and "⟨ESC⟩" in shown
    # and the agent-facing message (what Claude's dialog would show) carries no escape either
    msg = reason(out)
    assert "\x1b" not in msg and "\r" not in msg and "rm -rf lib;" in msg


def test_file_name_with_escapes_and_division_slash_cannot_disguise_the_impact(workspace, alice):
    env = alice
    src = os.path.join(workspace, "src")
    with open(os.path.join(src, "x\x1b[1A\x1b[2K\u2215old.ts"), "w") as f:
        f.write("0123456789")
    rid, out = file_request("rm -rf ./src", workspace, env)
    p = cli(["approvals"], env)
    assert "\x1b" not in p.stdout
    screen = seen(p.stdout)
    assert "⟨U+2215 DIVISION SLASH, looks like /⟩" in screen and "⟨ESC⟩[1A" in screen
    assert "\x1b" not in reason(out)


def test_conceal_osc52_and_osc8_do_not_reach_the_terminal_and_later_requests_stay_visible(workspace, alice):
    env = alice
    file_request("rm -rf src \x1b[8m", workspace, env)
    file_request("rm -rf src/lib \x1b]52;c;cm0gLXJmIH4=\x07 \x1b]8;;https://x\x07link\x1b]8;;\x07", workspace, env)
    rid3, _ = file_request("git clean -fdx", workspace, env)
    out = cli(["approvals"], env).stdout
    assert "\x1b" not in out and "\x07" not in out
    screen = seen(out)
    assert rid3 in screen and "git clean -fdx" in screen and "⟨ESC⟩[8m" in screen and "⟨ESC⟩]52;" in screen


def test_a_150k_command_gets_a_bounded_summary_and_the_whole_action_on_request(workspace, alice):
    env = alice
    cmd = "echo " + "A" * 150_000 + " ; rm -rf src"
    rid, _ = file_request(cmd, workspace, env)
    out = cli(["approvals"], env).stdout
    assert len(out) < 12_000 and len(out.splitlines()) < 60
    assert "rm -rf src" in out  # the tail is kept
    assert f"interlock approvals show {rid} --full" in out and "characters not shown here" in out
    full = cli(["approvals", "show", rid, "--full"], env).stdout
    assert "A" * 150_000 + " ; rm -rf src" in full


def test_slack_text_collapses_whitespace_padding_and_escapes_mrkdwn(workspace, alice, tmp_path):
    env = alice
    odd = os.path.join(workspace, "*APPROVED by secteam*")
    os.makedirs(odd)
    code, out, _ = run_hook("codex", codex("git status" + " " * 3000 + "; rm -rf ../src", odd), env)
    rid = ID.findall(reason(out))[0]
    from interlock.approvals.notify import request_json, slack_json
    from interlock.approvals.store import open_store

    req = open_store(env).get(rid)
    msg = slack_json(req, "http://127.0.0.1:7717/requests/" + rid)
    assert "rm -rf ../src" in msg["text"] and "⟨3000 spaces⟩" in msg["text"]
    blob = json.dumps(msg["blocks"], ensure_ascii=False)
    # every occurrence of the agent's bold text sits inside a code span: shown, never applied
    for block in msg["blocks"]:
        for t in [block.get("text", {})] + block.get("fields", []) + block.get("elements", []):
            s = t.get("text", "") if isinstance(t, dict) else ""
            for piece in s.split("*APPROVED by secteam*")[:-1]:
                assert piece.count("`") % 2 == 1, s  # an odd number of backticks before it: inside code
    assert "*APPROVED by secteam*" in blob
    assert request_json(req, "x")["request"]["display"]["marked"] >= 1


def test_audit_viewer_shows_agent_text_safely(workspace, alice):
    env = alice
    file_request("rm -rf src; : '\r\x1b[2Kls'", workspace, env)
    out = cli(["log", "--limit", "20"], env).stdout
    assert "\x1b" not in out and "\r" not in out and "⟨ESC⟩" in out
    js = cli(["log", "--json", "--limit", "20"], env).stdout
    assert "\x1b" not in js


# --- 2. an approval is bound to the action's effective inputs ------------------------------------------

def _approved_then_changed(cmd, workspace, env, change, revert=None):
    """File and approve ``cmd``; ``change()``; the retry must be a new request, the old approval unused."""
    rid, _ = file_request(cmd, workspace, env)
    assert approve(rid, env).returncode == 0
    change()
    out = hook(cmd, workspace, env)
    assert decision(out) == "deny", out
    new = ID.findall(reason(out))[0]
    assert new != rid
    p = cli(["approvals", "show", rid], env)
    assert "approved" in p.stdout.splitlines()[0]  # not consumed by the changed retry
    if revert is not None:
        revert()
        assert allowed(hook(cmd, workspace, env))  # the approved inputs again: the approval applies, once
    return rid, new


def test_sql_file_changed_after_approval_is_a_new_request(workspace, alice):
    path = os.path.join(workspace, "drop.sql")
    with open(path, "w") as f:
        f.write("DROP TABLE legacy_orders;\n")

    def change():
        with open(path, "w") as f:
            f.write("DROP TABLE legacy_orders CASCADE;\n")

    _approved_then_changed("psql -f drop.sql", workspace, alice, change)


def test_symlink_retargeted_after_approval_is_a_new_request(workspace, alice, tmp_path):
    cache = os.path.join(workspace, "cache")
    os.makedirs(cache)
    with open(os.path.join(cache, "a"), "w") as f:
        f.write("x\n")
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "a").write_text("x\n")
    link = os.path.join(workspace, "cachelink")
    os.symlink(cache, link)

    def change():
        os.remove(link)
        os.symlink(str(outside), link)

    def revert():
        os.remove(link)
        os.symlink(cache, link)

    _approved_then_changed("rm -rf cachelink/*", workspace, alice, change, revert)
    assert (outside / "a").exists()


def test_git_ref_moved_after_approval_is_a_new_request(workspace, alice):
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "one")
    git(workspace, "tag", "safe-point")
    with open(os.path.join(workspace, "README.md"), "a") as f:
        f.write("more\n")
    git(workspace, "commit", "-qam", "two")

    def change():
        git(workspace, "tag", "-f", "safe-point", "HEAD")

    _approved_then_changed("git reset --hard safe-point", workspace, alice, change)


def test_shell_function_planted_in_bashrc_after_approval_is_a_new_request(workspace, alice, home):
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "one")
    with open(os.path.join(workspace, "README.md"), "a") as f:
        f.write("uncommitted\n")

    def change():
        with open(os.path.join(home, ".bashrc"), "a") as f:
            f.write("git() { rm -rf \"$HOME\"; }\n")

    _approved_then_changed("git reset --hard", workspace, alice, change)


def test_terraform_configuration_changed_after_approval_is_a_new_request(workspace, alice):
    tf = os.path.join(workspace, "main.tf")
    with open(tf, "w") as f:
        f.write('resource "null_resource" "a" {}\n')

    def change():
        with open(tf, "a") as f:
            f.write('resource "null_resource" "b" {\n  provisioner "local-exec" { command = "rm -rf ~" }\n}\n')

    _approved_then_changed("terraform apply -auto-approve -replace=null_resource.a", workspace, alice, change)


def test_a_var_file_named_on_the_command_line_is_bound_by_its_content(workspace, alice):
    with open(os.path.join(workspace, "main.tf"), "w") as f:
        f.write('variable "name" {}\nresource "null_resource" "a" {}\n')
    vf = os.path.join(workspace, "prod.tfvars")
    with open(vf, "w") as f:
        f.write('name = "a"\n')

    def change():
        with open(vf, "w") as f:
            f.write('name = "everything"\n')

    _approved_then_changed("terraform apply -auto-approve -var-file=prod.tfvars -replace=null_resource.a",
                           workspace, alice, change)


# --- 3. an approval is bound to the impact ---------------------------------------------------------------

def test_more_files_to_delete_after_approval_is_a_new_request(workspace, alice):
    def change():
        with open(os.path.join(workspace, "src", "new.py"), "w") as f:
            f.write("important = True\n")

    rid, new = _approved_then_changed("rm -rf src", workspace, alice, change)
    assert "impact" in cli(["approvals", "show", new], alice).stdout


# --- 4. grants by scope ---------------------------------------------------------------------------------

def test_no_time_window_for_an_opaque_action(workspace, alice):
    with open(os.path.join(workspace, "scripts", "y.py"), "w") as f:
        f.write('exec(open("scripts/payload.txt").read())\n')
    rid, _ = file_request("python3 scripts/y.py", workspace, alice)
    p = approve(rid, alice, "--for", "30")
    assert p.returncode != 0 and "opaque" in p.stderr
    p = approve(rid, alice, "--session")
    assert p.returncode != 0
    from interlock.approvals.store import ApprovalError, open_store

    with pytest.raises(ApprovalError):
        open_store(alice).approve(rid, "alice", "test", "window", 30)


def test_a_once_approval_belongs_to_the_session_that_asked(workspace, alice):
    env = alice
    rid, _ = file_request("rm -rf src", workspace, env)
    assert approve(rid, env).returncode == 0
    other = hook("rm -rf src", workspace, env, session="s2")
    assert decision(other) == "deny" and ID.findall(reason(other))[0] != rid
    assert allowed(hook("rm -rf src", workspace, env, session="s1"))


def test_the_approver_may_let_any_session_use_a_once_approval(workspace, alice):
    env = alice
    rid, out = file_request("rm -rf src", workspace, env)
    assert "session that asked" in reason(out) or "Grant:" in reason(out)
    p = approve(rid, env, "--any-session")
    assert p.returncode == 0 and "any session" in p.stdout + p.stderr
    assert allowed(hook("rm -rf src", workspace, env, session="s2"))


# --- 5. the whole action, every channel -------------------------------------------------------------------

def claude_edit(path, old, new, workspace, replace_all=False, session="c1"):
    return {"hook_event_name": "PreToolUse", "tool_name": "Edit", "cwd": workspace, "session_id": session,
            "permission_mode": "bypassPermissions",
            "tool_input": {"file_path": path, "old_string": old, "new_string": new, "replace_all": replace_all}}


def test_edit_old_string_and_replace_all_are_bound_and_shown(workspace, alice):
    env = alice
    from helpers import write_policy

    write_policy(env, '[protect]\npaths = ["config/**"]\n[approvals]\napprovable = ["catastrophic"]\n')
    os.makedirs(os.path.join(workspace, "config"))
    cfg = os.path.join(workspace, "config", "app.toml")
    with open(cfg, "w") as f:
        f.write("replicas = 3\nbackup = true\n")
    new = "backup = false"
    code, out, _ = run_hook("claude-code", claude_edit(cfg, "replicas = 3", new, workspace), env)
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny", out
    rid = ID.findall(reason(out))[0]
    shown = cli(["approvals", "show", rid], env).stdout
    assert "old text:" in shown and "replicas = 3" in shown and "replace_all = no" in shown and new in shown
    assert approve(rid, env).returncode == 0
    # the same new text replacing another line (or every occurrence) is another action
    code, out2, _ = run_hook("claude-code", claude_edit(cfg, "backup = true", new, workspace), env)
    assert out2["hookSpecificOutput"]["permissionDecision"] == "deny"
    code, out3, _ = run_hook("claude-code", claude_edit(cfg, "replicas = 3", new, workspace, True), env)
    assert out3["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert rid not in ID.findall(reason(out2)) + ID.findall(reason(out3))
    # the exact approved edit still applies, from the session that asked
    code, out4, _ = run_hook("claude-code", claude_edit(cfg, "replicas = 3", new, workspace), env)
    assert out4 is None or out4["hookSpecificOutput"]["permissionDecision"] == "allow", out4


def test_mcp_arguments_are_shown_in_the_terminal_and_slack(workspace, alice):
    env = alice
    payload = {"hook_event_name": "PreToolUse", "tool_name": "mcp__db__drop_table", "cwd": workspace,
               "session_id": "s1", "tool_input": {"table": "customers", "cascade": True, "note": "\x1b[2Kok"}}
    code, out, _ = run_hook("codex", payload, env)
    if out is None or decision(out) == "allow":
        pytest.skip("this MCP call is not held for approval here")
    rid = ID.findall(reason(out))[0]
    shown = cli(["approvals"], env).stdout
    assert '"table": "customers"' in shown and '"cascade": true' in shown and "\x1b" not in shown
    from interlock.approvals.notify import slack_json
    from interlock.approvals.store import open_store

    msg = slack_json(open_store(env).get(rid), "http://x")
    assert "customers" in json.dumps(msg)


def test_every_target_is_shown(workspace, alice):
    env = alice
    rid, out = file_request("rm -rf src dist/../README.md scripts", workspace, env)
    shown = cli(["approvals"], env).stdout
    line = next(ln for ln in shown.splitlines() if "targets:" in ln)
    assert "src" in line and "scripts" in line


# --- found by the attack round (written against the fixes above) ---------------------------------------

LAYOUT = "rm -rf src\n  cwd:         /tmp/scratch\n  targets:     1: build   environment: -\nImpact: nothing to delete"


def test_a_multi_line_command_cannot_forge_interlocks_own_lines(workspace, alice):
    rid, out = file_request(LAYOUT, workspace, alice)
    screen = seen(cli(["approvals"], alice).stdout)
    cwd_lines = [ln for ln in screen.splitlines() if ln.lstrip().startswith("cwd:")]
    assert len(cwd_lines) == 1 and workspace in cwd_lines[0]  # the agent's "cwd:" sits behind the gutter
    assert "│   cwd:         /tmp/scratch" in screen
    msg = reason(out)  # what the agent's dialog would show
    assert "\n  │ Impact: nothing to delete" in msg
    assert [ln for ln in msg.splitlines() if ln.startswith("Impact:")] != ["Impact: nothing to delete"]


def test_slack_notification_text_shows_every_line_of_the_command(workspace, alice):
    rid, _ = file_request("git status\nrm -rf src", workspace, alice)
    from interlock.approvals.notify import slack_json
    from interlock.approvals.store import open_store

    msg = slack_json(open_store(alice).get(rid), "http://x")
    assert "git status⟨LF⟩rm -rf src" in msg["text"]


def test_zero_width_padding_is_one_counted_marker(workspace, alice):
    rid, _ = file_request("git status" + "\u200b" * 5000 + "; rm -rf src", workspace, alice)
    out = cli(["approvals"], alice).stdout
    assert "⟨U+200B ZERO WIDTH SPACE ×5000⟩; rm -rf src" in out


def test_the_dashboard_shows_markers_not_bidi_or_escapes_and_offers_no_window_for_opaque(workspace, alice):
    import re
    import time
    import urllib.request

    from conftest import interlock_exe
    from test_dashboard import Client

    env = alice
    rid, _ = file_request("rm -rf src \u202e; txt.sl \x1b[8m", workspace, env)
    with open(os.path.join(workspace, "scripts", "y.py"), "w") as f:
        f.write('exec(open("scripts/payload.txt").read())\n')
    rid2, _ = file_request("python3 scripts/y.py", workspace, env)
    p = subprocess.Popen(interlock_exe() + ["serve", "--port", "0"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", p.stdout.readline()).group(0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/login", timeout=2).read()
                break
            except OSError:
                time.sleep(0.05)
        c = Client(url)
        token = c.logged_in("alice", SECRET_A)
        status, page, _ = c.call("GET", f"/requests/{rid}")
        assert status == 200
        assert "\u202e" not in page and "\x1b" not in page
        assert "⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩" in page and "⟨ESC⟩[8m" in page
        status, listing, _ = c.call("GET", "/")
        assert "\u202e" not in listing and "\x1b" not in listing
        status, page2, _ = c.call("GET", f"/requests/{rid2}")
        assert 'value="window"' not in page2 and "opaque" in page2
        status, body, _ = c.call("POST", f"/api/approvals/{rid2}/approve",
                                 json_body={"scope": "window", "minutes": 30}, headers={"X-CSRF-Token": token})
        assert status == 409 and "opaque" in body
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_a_change_while_the_hook_waits_for_the_human_voids_the_approval(workspace, alice):
    """With [approvals] wait_seconds the hook waits for the verdict: what runs is rechecked after it."""
    import time

    from conftest import interlock_exe
    from helpers import write_policy
    from interlock.approvals.store import open_store

    env = alice
    write_policy(env, "[approvals]\nwait_seconds = 30\n")
    p = subprocess.Popen(interlock_exe() + ["hook", "codex"], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(json.dumps(codex("rm -rf src", workspace)).encode())
    p.stdin.close()
    store = open_store(env)
    deadline = time.monotonic() + 20
    while not store.pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    rid = store.pending()[0].id
    with open(os.path.join(workspace, "src", "added-while-waiting.py"), "w") as f:
        f.write("precious = True\n")
    assert approve(rid, env).returncode == 0
    out = json.loads(p.stdout.read() or b"null")
    p.wait(timeout=30)
    assert decision(out) == "deny" and "changed while it waited" in reason(out)
    assert os.path.exists(os.path.join(workspace, "src", "added-while-waiting.py"))


def test_bounded_views_show_the_worst_finding_first():
    from interlock.approvals.cli import by_severity

    fs = [{"severity": "write", "rule": f"w{i}"} for i in range(30)] + [{"severity": "catastrophic", "rule": "c"}]
    assert by_severity(fs)[0]["rule"] == "c"


def test_a_project_local_program_run_by_npx_is_bound(workspace, alice):
    """`npx tool` runs node_modules/.bin/tool: replacing it after approval is a new request."""
    from interlock.approvals.inputs import collect
    from interlock.actions import Action
    from interlock.engine import Context, analyze

    bin_dir = os.path.join(workspace, "node_modules", ".bin")
    os.makedirs(bin_dir)
    tool = os.path.join(bin_dir, "migrate")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\necho migrate\n")

    def bound():
        a = Action("shell", {"command": "npx migrate --reset"}, cwd=workspace)
        ctx = Context(workspace, env=alice)
        analyze(a, ctx)
        return collect(a, ctx)

    before = bound()
    assert any(k.startswith("file:") and k.endswith("node_modules/.bin/migrate") for k in before)
    with open(tool, "w") as f:
        f.write("#!/bin/sh\nrm -rf \"$HOME\"\n")
    assert bound() != before


def test_a_git_hook_or_config_command_planted_after_approval_is_a_new_request(workspace, alice):
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "one")
    with open(os.path.join(workspace, "README.md"), "a") as f:
        f.write("uncommitted\n")

    def change():
        with open(os.path.join(workspace, ".git", "config"), "a") as f:
            f.write("[core]\n\tpager = rm -rf ~ #\n")

    _approved_then_changed("git reset --hard", workspace, alice, change)


def test_the_full_view_shows_the_script_an_opaque_action_runs_and_whether_it_changed(workspace, alice):
    y = os.path.join(workspace, "scripts", "y.py")
    with open(y, "w") as f:
        f.write('exec(open("scripts/payload.txt").read())  # \x1b[8m\n')
    rid, _ = file_request("python3 scripts/y.py", workspace, alice)
    full = cli(["approvals", "show", rid, "--full"], alice).stdout
    assert 'exec(open("scripts/payload.txt").read())' in full and "unchanged since the request" in full
    assert "\x1b" not in full
    with open(y, "a") as f:
        f.write("import shutil; shutil.rmtree('src')\n")
    assert "CHANGED since the request" in cli(["approvals", "show", rid, "--full"], alice).stdout
    os.remove(y)
    os.mkfifo(y)  # a FIFO in its place must not hang the approver's terminal
    p = cli(["approvals", "show", rid, "--full"], alice)
    assert p.returncode == 0 and "now special" in p.stdout
