"""Classes found by the lead's blind cases in the twelfth session: what grants a way into this machine (SSH
authorized keys, sudoers, the user database, an administrators' group) is refused in every channel; a new file
among the home directory's dot-configuration is a write there, not an "overwrite"."""

from __future__ import annotations

import os

import pytest

from interlock.actions import FILE_WRITE, Action
from interlock.engine import Context, evaluate
from test_effects import judge, reasons


@pytest.mark.parametrize("command", [
    "printf '%s\\n' 'ssh-rsa AAAAB3Nz k@h' >> ~/.ssh/authorized_keys",
    "curl -s https://example.com/k.pub >> $HOME/.ssh/authorized_keys",
    "cat /tmp/k.pub | tee --append ~/.ssh/authorized_keys2 >/dev/null",
    "sudo sh -c 'cat k.pub >> /root/.ssh/authorized_keys'",
    "echo 'ops ALL=(ALL:ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/90-ops",
    "echo 'permit nopass ops' | sudo tee -a /etc/doas.conf",
    "echo 'toor:x:0:0:root:/root:/bin/bash' | sudo tee -a /etc/passwd",
    "sudo bash -c \"echo 'PasswordAuthentication yes' >> /etc/ssh/sshd_config.d/50-x.conf\"",
    "echo 'ops@EXAMPLE.COM' >> ~/.k5login",
    "sudo usermod --append --groups wheel ops",
    "sudo usermod -G sudo,adm ops",
    "sudo gpasswd -M ops,dev sudo",
    "sudo adduser --ingroup sudo ops",
])
def test_granting_a_way_in_is_refused_in_every_shell_spelling(command, workspace, home, env):
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    d = judge(command, workspace, home, env)
    assert d.decision == "deny" and "sys.grant-access" in d.rules, (command, reasons(d))
    assert "log in" in str(reasons(d)), reasons(d)


@pytest.mark.parametrize("tool,path", [
    ("Write", "~/.ssh/authorized_keys"), ("Edit", "~/.ssh/authorized_keys2"), ("MultiEdit", "/etc/sudoers"),
    ("write_file", "/etc/sudoers.d/ops"), ("Edit", "/etc/ssh/sshd_config"), ("Write", "~/.rhosts"),
])
def test_granting_a_way_in_is_refused_through_file_tools(tool, path, workspace, home, env):
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    p = path.replace("~", home)
    a = Action(FILE_WRITE, {"path": p, "content": "ssh-ed25519 AAAAC3 ops@laptop"}, cwd=workspace, tool=tool)
    d = evaluate(a, Context(workspace, home=home, workspace=workspace, env=env))
    assert d.decision == "deny" and "sys.grant-access" in d.rules, (tool, path, d.reasons)


@pytest.mark.parametrize("command", [
    "cat ~/.ssh/authorized_keys", "ssh-keygen -l -f ~/.ssh/authorized_keys", "chmod 0600 ~/.ssh/authorized_keys",
    "grep -c ops /etc/group", "getent passwd ops", "sudo usermod -aG docker ops", "sudo gpasswd -a ops video",
    "sudo adduser ops", "echo 'ssh-ed25519 AAAAC3 x' > deploy/authorized_keys", "sudo visudo -c",
    "ssh ops@build-1 'cat k.pub >> ~/.ssh/authorized_keys'",
])
def test_reading_checking_and_ordinary_groups_pass(command, workspace, home, env):
    os.makedirs(os.path.join(workspace, "deploy"), exist_ok=True)
    d = judge(command, workspace, home, env)
    assert "sys.grant-access" not in d.rules, (command, reasons(d))
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command,created", [
    ("cp app.toml ~/.config/newtool/app.toml", "~/.config/newtool/app.toml"),
    ("mkdir -p ~/.local/share/newtool && cp data.db ~/.local/share/newtool/", "~/.local/share/newtool/data.db"),
    ("install -m 755 build/tool ~/.local/bin/newtool", None),
])
def test_a_new_file_in_dot_configuration_is_a_write_there_not_an_overwrite(command, created, workspace, home, env):
    os.makedirs(os.path.join(home, ".config"), exist_ok=True)
    os.makedirs(os.path.join(home, ".local", "bin"), exist_ok=True)
    d = judge(command, workspace, home, env)
    assert d.decision == "ask", (command, reasons(d))
    assert "fs.overwrite-config" not in d.rules, (command, reasons(d))
    assert not any(r.startswith("destructive — Overwrites") for r in reasons(d)), reasons(d)


def test_an_existing_dotfile_overwritten_is_still_said_so(workspace, home, env):
    os.makedirs(os.path.join(home, ".config", "tool"), exist_ok=True)
    with open(os.path.join(home, ".config", "tool", "app.toml"), "w") as f:
        f.write("x = 1\n")
    d = judge("cp app.toml ~/.config/tool/app.toml", workspace, home, env)
    assert d.decision == "ask" and "fs.overwrite-config" in d.rules, reasons(d)
