"""Hiding Interlock's files from a command matters when what runs could read them: a coding agent (its hook
settings gone), Interlock itself, a shell or a program only known when it runs.  A named ordinary program in a
private home (`firejail --private firefox`) is judged as itself."""

import pytest

from interlock.engine import check_command


@pytest.mark.parametrize("command", [
    "firejail --private bash", "firejail --private claude -p go", "firejail --private", "firejail --tmpfs=~/.config sh",
    "bwrap --dev-bind / / --tmpfs ~ claude -p go", "bwrap --dev-bind / / --tmpfs ~ -- sh -c 'claude -p x'",
    "bwrap --dev-bind / / --tmpfs ~ env codex exec go", "bwrap --dev-bind / / --tmpfs ~ ./run.sh",
    "bwrap --dev-bind / / --tmpfs ~/.config/interlock interlock approve 1", "bwrap --dev-bind / / --tmpfs ~ $AGENT",
])
def test_hiding_from_what_could_read_interlocks_files_is_refused(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "interlock.hide" in d.rules, (command, d.rules)


@pytest.mark.parametrize("command", [
    "firejail --seccomp --private --private-dev --private-tmp --protocol=inet firefox --new-instance",
    "firejail --private vlc movie.mkv", "bwrap --dev-bind / / --tmpfs ~ make test",
    "bwrap --ro-bind / / --tmpfs ~ --unshare-net pytest -q",
])
def test_a_private_home_for_an_ordinary_program_passes(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert "interlock.hide" not in d.rules, (command, d.reasons)
