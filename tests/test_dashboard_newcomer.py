"""The dashboard in a newcomer's words: how a request was asked, the snapshot of an approved
destructive action with the command that restores it, ids that never wrap (real server, real hook
processes, Debian's chromium through Playwright)."""

from __future__ import annotations

import re

import pytest

from helpers import SECRET_A, add_approver, file_request
from test_dashboard import browser, dashboard, hook_decision  # noqa: F401 - fixtures

pytest.importorskip("starlette")


def _login(browser, dashboard, width):  # noqa: F811
    ctx = browser.new_context(viewport={"width": width, "height": 700})
    page = ctx.new_page()
    page.goto(dashboard + "/login")
    page.fill("input[name=approver]", "alice")
    page.fill("input[name=secret]", SECRET_A)
    page.click("button[type=submit]")
    page.wait_for_url(dashboard + "/")
    return ctx, page


def _lines(page, selector):
    """How many lines the first element matching ``selector`` is laid out on."""
    return page.eval_on_selector(selector, "e => e.getClientRects().length")


def test_approved_destructive_action_shows_its_snapshot_and_restore_command(browser, dashboard,  # noqa: F811
                                                                            workspace, env):
    add_approver("alice", SECRET_A, env)
    rid, _ = file_request("rm -rf src", workspace, env)
    ctx, page = _login(browser, dashboard, 1200)
    page.goto(f"{dashboard}/requests/{rid}")
    how = page.inner_text("#how")
    assert "told no until a human approves it here or with `interlock approve`" in how
    assert "out-of-band" not in page.inner_text("main") and " via " not in how
    page.click("button#approve")
    page.wait_for_url(f"{dashboard}/requests/{rid}?done=approved")
    assert hook_decision("rm -rf src", workspace, env) == "allow"  # the retry: snapshot, then it runs
    page.goto(f"{dashboard}/requests/{rid}")
    snap = page.inner_text("dd.snapshot")
    sid = re.search(r"\d{8}-\d{6}-files-[0-9a-f]+", snap).group(0)
    assert f"interlock restore {sid}" in snap and "src" in snap
    # Recently decided, in a narrow window: the id and the restore command each on one line
    ctx2, narrow = _login(browser, dashboard, 640)
    narrow.goto(dashboard + "/recent")
    assert f"interlock restore {sid}" in narrow.inner_text("table.recent")
    assert _lines(narrow, f"table.recent a[href='/requests/{rid}']") == 1
    assert _lines(narrow, "table.recent code.id") == 1
    ctx.close()
    ctx2.close()


def test_a_prompt_request_reads_as_the_agents_own_dialog(browser, dashboard, workspace, env):  # noqa: F811
    from conftest import run_hook
    from helpers import ID, claude, reason

    add_approver("alice", SECRET_A, env)
    code, out, _ = run_hook("claude-code", claude("rm -rf src", workspace), env)
    assert out["hookSpecificOutput"]["permissionDecision"] == "ask"
    rid = ID.findall(reason(out))[0]
    ctx, page = _login(browser, dashboard, 1200)
    page.goto(f"{dashboard}/requests/{rid}")
    assert "asked in the agent's own approval dialog" in page.inner_text("#how")
    # the copy taken before the dialog asked is there too, with its restore command
    assert "interlock restore" in page.inner_text("dd.snapshot")
    ctx.close()
