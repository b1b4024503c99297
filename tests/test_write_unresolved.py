"""A write whose file name is only known when it runs (`> /etc/$(cat f)`, `cp a ~/.ssh/$X`): into a directory
where any name could be one that matters it is asked; anywhere the script's own files live it passes."""

import pytest

from interlock.engine import check_command


@pytest.mark.parametrize("command", [
    "echo x > /etc/$(date +%s)", "cp a /etc/$NAME", "mv a /usr/lib/$X", "tee /usr/local/bin/$T < a",
    "echo k | sudo tee -a /etc/$X", "install -m 644 a /etc/$NAME", "echo k >> ~/.ssh/$(cat f)",
    "cp key ~/.config/$APP/x", "echo x > ~/$X", "printf x > ~/.$NAME", "ln -sf a /etc/$X",
])
def test_an_unknown_name_in_a_place_where_names_matter_is_asked(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision in ("ask", "deny"), (command, d.reasons)
    assert d.decision == "deny" or "fs.write-unresolved" in d.rules or "fs.overwrite-system" in d.rules, d.rules


@pytest.mark.parametrize("command", [
    "echo x > \"$OUT\"", "echo x >> \"$LOG\"", "echo x > build/$X.log", "cp a \"$TMPDIR/x\"", "echo x > /tmp/$X",
    "echo x > ~/notes-$(date +%s).txt", "cp a dist/$NAME", "tee logs/$(date +%F).log < a",
    "for f in *.md; do cp \"$f\" backup/\"$f\"; done",
])
def test_an_unknown_name_among_the_scripts_own_files_passes(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)


def test_the_reason_names_the_directory_not_a_file(workspace, home):
    d = check_command("cp a /etc/$NAME", cwd=workspace, home=home, workspace=workspace)
    assert any("/etc/…" in r for r in d.reasons), d.reasons

