"""An editor opening a file draws its text on its screen, which an agent's tool output captures (`vim -R ~/.netrc`
without a terminal prints it): the files it opens are read, as a pager's are."""

import pytest

from interlock.engine import check_command


@pytest.mark.parametrize("command", ["vim -R ~/.netrc", "vim ~/.aws/credentials", "view ~/.netrc", "nvim -R ~/.netrc",
                                     "emacs ~/.netrc", "emacs -nw ~/.aws/credentials", "emacs -l init.el ~/.netrc"])
def test_an_editor_opening_a_secret_file_reads_it(workspace, home, command):
    import os

    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    for f in (".netrc", ".aws/credentials"):
        with open(os.path.join(home, f), "w") as fh:
            fh.write("machine api.example.com login x password s3cr3t-value\n")
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "secrets.read-file" in d.rules, (command, d.reasons)


@pytest.mark.parametrize("command", ["vim README.md", "vim +10 src/main.py", "vim -c 'set ft=sh' a.sh",
                                     "emacs --eval '(message 1)' notes.txt", "emacs -nw src/app.py", "view ~/.bashrc"])
def test_an_editor_opening_an_ordinary_file_passes(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)
