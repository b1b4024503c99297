"""Session 11 precision classes, found on the NL2Bash rest-of-file tune part and fixed by mechanism.

1. `ps`: only the BSD flag `e` (dashless: `ps eww`, `ps auxe`) or a format naming `environ` prints process
   environments; `-e` means every process, and the words after `-o`, `--pid`, `p` are a format or a pid
   list (`ps -eo pcpu,pid,user,args`, `ps -o sess --pid 21709`): an `e` in them is no flag.
2. `env | grep '^\\(GOBIN\\|PATH=\\)'`: a group of plain names behind one anchor is those names.
3. find over a scratch root (/tmp) whose tests never select the start (`-type f`, `-mindepth 1`) or that
   selects by age or size deletes entries below /tmp, as `rm /tmp/*` — not "a system directory"."""

from __future__ import annotations

import pytest

from test_effects import judge, reasons


@pytest.mark.parametrize("command", [
    "ps -eo pcpu,pid,user,args", "ps -o sess --no-heading --pid 21709", "ps -o pid,bsdtime --no-header -p 12",
    "ps -eo pid,comm", "ps -u alice -o pid,user", "ps axo pid,user,args", "ps -ww -eo args", "ps -e", "ps -ef",
    "ps aux", "ps --sort=-pcpu -eo pid,user", "ps -opid,user -p 1",
])
def test_ps_formats_and_every_process_are_no_environment_dump(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.env-dump" not in d.rules, (command, reasons(d))
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command", [
    "ps eww", "ps auxe", "ps axeww", "ps e -p 1", "ps -p 1 e", "ps ewwp 1", "ps -o pid,environ",
    "ps --format=pid,environ", "ps -eo pid,environ",
])
def test_ps_that_prints_environments_is_still_caught(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.env-dump" in d.rules, (command, reasons(d))


@pytest.mark.parametrize("command", [
    "env | grep '^\\(GOBIN\\|PATH=\\)'", "env | egrep '^(HOME=|PATH=)'", "printenv | grep -E '^(LANG|LC_ALL)'",
])
def test_env_filtered_to_a_group_of_plain_names(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.env-dump" not in d.rules, (command, reasons(d))


@pytest.mark.parametrize("command", [
    "env | grep '^\\(GITHUB_TOKEN\\|PATH\\)'", "env | grep -E '^(SECRET|HOME)'", "env | egrep '^(AWS|PATH=)'",
    "env", "env | grep -v PATH",
])
def test_env_filter_naming_a_secret_is_still_caught(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny"), (command, reasons(d))


@pytest.mark.parametrize("command", [
    "find /tmp -maxdepth 1 -type f -delete", "find /tmp -size 0 -atime +10 -exec rm -f {} \\;",
    "find /tmp -type f -mtime +30 -exec rm -f {} \\;", "find /tmp/ -ctime +15 -type f -exec rm {} \\;",
    "find /tmp/ -type f -mtime +1 -delete", "find /tmp/ -type f -mtime +1 -exec rm {} +",
    "find /tmp -mindepth 1 -mmin +60 -delete",
])
def test_find_deleting_below_tmp_is_a_scratch_delete_not_a_system_directory(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "fs.delete-system" not in d.rules, (command, reasons(d))
    assert d.decision != "deny", (command, reasons(d))


@pytest.mark.parametrize("command,rules", [
    ("find /tmp -delete", "deny"), ("find /tmp -exec rm -rf {} +", "deny"),
    ("find /tmp -type d -exec rm -rf {} +", "deny"),
    ("find /etc -type f -delete", {"fs.delete-system"}), ("find /etc -type f -mtime +1 -exec rm {} \\;", {"fs.delete-system"}),
    ("find /var/log -type f -mtime +7 -delete", {"fs.delete-system"}),
    ("find ~ -type f -delete", {"fs.delete-home"}), ("find / -type f -mtime +30 -delete", {"fs.delete-root"}),
    ("find -L /tmp -type f -delete", None), ("find -L /tmp -type f -exec rm {} \\;", None),
    ("find /tmp -type f -mtime +1 -exec mv {} ~/old \\;", None),
])
def test_deletes_of_tmp_itself_or_system_trees_are_still_caught(command, rules, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny"), (command, reasons(d))
    if rules == "deny":  # (/tmp: the rule named depends on where the test's home directory lies)
        assert d.decision == "deny", (command, reasons(d))
    elif rules:
        assert rules & set(d.rules), (command, reasons(d))


@pytest.mark.parametrize("command", [
    "find . -empty -exec rm {} \\;", "find . -empty -exec rm '{}' \\;", "find . -type d -empty -exec rmdir {} +",
    "find . -empty -ok rm {} \\;", "find src -type f -empty -exec unlink {} \\;", "find . -empty -delete",
])
def test_removing_the_projects_empty_entries_loses_nothing(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command", [
    "find / ! -empty -delete", "find ~ -not -empty -delete", "find /etc -empty -o -name x -delete",
    "find . ! -empty -exec rm {} \\;", "find ~ -empty -exec rm -rf {} \\;", "find /etc -empty -exec rm {} \\;",
    "find . -empty -exec rm -rf {}/.. \\;",
])
def test_a_negated_or_alternative_empty_test_or_a_delete_outside_is_still_caught(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny"), (command, reasons(d))


@pytest.mark.parametrize("command", ["kill -0 1", "kill -s 0 1", "kill -0 $pid", "kill -0 -1", "kill --signal 0 1"])
def test_signal_zero_only_asks_whether_a_process_exists(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "proc.kill-all" not in d.rules and d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command", ["kill 1", "kill -9 -1", "kill -9 1", "kill -s 9 1", "kill -HUP 1", "kill -- -1"])
def test_killing_init_or_every_process_is_still_denied(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "deny", (command, reasons(d))


@pytest.mark.parametrize("command", ["find . -type d -delete", "find src -type d -delete",
                                     "find . -mindepth 1 -type d -delete", "find /tmp -type d -delete"])
def test_deleting_only_directories_removes_the_empty_ones(command, workspace, home, env):
    # -delete removes a directory as rmdir does: .git and every directory holding a file stay
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command", [
    "find ~ -type d -delete", "find / -type d -delete", "find /etc -type d -delete",
    "find -L . -type d -delete", "find . -type d -exec rm -rf {} +", "find . -type d ! -name x -delete",
    "find . -type f -delete", "find . -delete",
])
def test_deleting_directories_of_the_system_or_with_their_content_is_still_caught(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny"), (command, reasons(d))


@pytest.mark.parametrize("command", ["find . -maxdepth 1 -type f -delete", "find . -maxdepth 1 -type f -mtime +3 -delete",
                                     "find -maxdepth 1 -type f -newermt 'Nov 22' -delete"])
def test_deleting_the_top_files_is_asked_and_not_called_the_whole_workspace(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "ask", (command, reasons(d))
    assert "fs.delete-workspace" not in d.rules, (command, reasons(d))


@pytest.mark.parametrize("command", ["find ~ -maxdepth 1 -type f -delete", "find / -maxdepth 1 -type f -delete",
                                     "find . -maxdepth 2 -type f -delete"])
def test_deleting_top_files_of_home_or_root_or_deeper_is_still_denied(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "deny", (command, reasons(d))


@pytest.mark.parametrize("command", ["env -i", "env - A=1", "env -i FOO=bar", "env --ignore-environment"])
def test_env_with_an_emptied_environment_prints_only_what_is_written(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.env-dump" not in d.rules, (command, reasons(d))


@pytest.mark.parametrize("command", ["env", "env -0", "sudo env", "env -u PATH", "env -C /tmp", "env FOO=1",
                                     "env --unset=PATH", "env -i sh -c env"])
def test_env_printing_the_environment_is_still_caught(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.env-dump" in d.rules or d.decision != "allow", (command, reasons(d))
