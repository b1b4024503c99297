"""find's walk over symbolic links: what a delete through find removes, said truly.

`find -L`, `-follow` or an `rm -r {}/` walk into what links point to — anywhere, the home directory
included — so such a delete is asked whatever the start; `-type l` selects the links themselves, which is
neither the whole start (the old reason: "deletes the whole workspace") nor what they point to; `-xtype l`
selects dangling links, nothing behind them.  find's leading options (-H -L -P -D -O) are not its start."""

from __future__ import annotations

import os

import pytest

from test_effects import judge, reasons


@pytest.mark.parametrize("command", [
    "find . -type l -exec rm -rf {}/ \\;", "find src -type l -exec rm -rf {}/ +", "find -L src -type d -exec rm -rf {} +",
    "find -L . -mindepth 1 -delete", "find . -follow -type d -exec rm -r {} \\;", "find src -exec rm -fr {}/ \\;",
    "find -H -L src -exec rm --recursive {} +",
])
def test_a_delete_that_walks_into_link_targets_is_asked_as_unresolved(command, workspace, home, env):
    os.symlink(home, os.path.join(workspace, "src", "h"))  # a link out of the project, into the home directory
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny"), (command, reasons(d))
    assert any(f.rule == "fs.delete-unresolved" and "symbolic links" in (f.target or "") for f in d.findings), \
        (command, [(f.rule, f.target) for f in d.findings])


@pytest.mark.parametrize("command", ["find . -type l -delete", "find . -type l -exec rm {} \\;",
                                     "find src -type l -exec rm -f {} +"])
def test_deleting_the_links_of_the_workspace_is_asked_not_called_the_whole_workspace(command, workspace, home, env):
    os.symlink("lib/util.py", os.path.join(workspace, "src", "u.py"))  # a link git does not hold
    d = judge(command, workspace, home, env)
    assert d.decision == "ask", (command, reasons(d))
    assert "fs.delete-workspace" not in d.rules and "fs.delete-source" not in d.rules, d.rules


@pytest.mark.parametrize("command", ["find . -xtype l -delete", "find src -xtype l -exec rm {} +",
                                     "find -L . -name node_modules -exec rm -rf {} +", "find -L . -name '*.pyc' -delete",
                                     "find -L . -name '*.py'", "find -P . -type f -name '*.md'",
                                     "find -P . -type l -exec echo -n '{} -> ' \\; -exec readlink {} \\;",
                                     "find . -type l -ls", "find . -type l -exec ls -l {} +"])
def test_dangling_links_and_regenerable_names_pass(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command,rule", [("find / -type l -delete", "fs.delete-system"),
                                          ("find /etc -type l -exec rm {} +", "fs.delete-system"),
                                          ("find ~ -type l -delete", "fs.delete-outside-workspace"),
                                          ("find ~ -xtype l -delete", "fs.delete-outside-workspace"),
                                          ("find . -type f -delete", "fs.delete-workspace"),
                                          ("find . ! -type l -delete", "fs.delete-workspace")])
def test_links_outside_the_workspace_and_other_types_keep_their_judgement(command, rule, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "deny" and rule in d.rules, (command, d.rules)


def test_leading_options_are_not_the_start(workspace, home, env):
    """`find -L src …` starts at src, not at `.`: deleting src's directories is not deleting the workspace."""
    d = judge("find -L src -type d -name old -exec rm -rf {} +", workspace, home, env)
    assert "fs.delete-workspace" not in d.rules, d.rules
    d = judge("find -L / -name x -delete", workspace, home, env)
    assert d.decision == "deny", reasons(d)


def test_deleting_links_when_there_are_none_passes(workspace, home, env):
    """What find selects on disk now is nothing: the delete loses nothing (the precision pass's on-disk check)."""
    d = judge("find . -type l -delete", workspace, home, env)
    assert d.decision == "allow", reasons(d)
