"""The long tail, session 10: tools Interlock never heard of (issue 15, items 3 and 7), by class, on made-up
programs (`zorbctl` and friends exist nowhere), each with the ordinary look-alikes that must stay silent.

- an unknown program run as root with a short option many system tools delete with (-d -D -x -r) on a thing
  it names asks (sys.root-unknown, knowledge/root.toml), whatever wrapper puts it there; its installed manual,
  when it says what the letter does, decides;
- an installed script named for an uninstall (`k3s-uninstall.sh`) resets what it installed;
- a long delete option written with one dash (`-delete`) is read as `--delete`.
"""

from __future__ import annotations

import gzip

import pytest

from interlock.analysis.shell import clis, manuals
from test_generic_verbs import _decision, _findings, _rules, ctx  # noqa: F401  (ctx: the fixture)


# --- knowledge/root.toml: loads, and its examples hold --------------------------------------------------

@pytest.mark.parametrize("command,rule", clis.root_model().examples)
def test_root_knowledge_examples(command, rule, ctx):
    got = _rules(command, ctx)
    if rule:
        assert rule in got, f"{command!r} should hit {rule}, got {got}"
    else:
        assert got == [], f"{command!r} should produce nothing, got {got}"


def test_a_broken_root_model_asks(monkeypatch, ctx):
    monkeypatch.setitem(clis._MODELS, "root.toml", clis.KnowledgeError("root.toml: broken"))
    assert _decision("sudo zorbctl -x alice", ctx) == "ask"
    assert "interlock.error" in _rules("sudo zorbctl -x alice", ctx)


def test_root_model_rejects_a_long_delete_letter():
    with pytest.raises(clis.KnowledgeError):
        clis.Root({"delete_letters": ["--delete"]})


# --- an unknown program run as root with a delete letter ------------------------------------------------

@pytest.mark.parametrize("command,opt,what", [
    ("sudo zorbctl -x alice", "-x", "alice"),
    ("sudo zorbctl login -d alice", "-d", "alice"),
    ("sudo zorbctl -r zorb_module", "-r", "zorb_module"),
    ("sudo zorbctl -D INPUT 3", "-D", "INPUT"),
    ("sudo zorbctl -u alice -x", "-x", "alice"),      # the letter last: what it acts on was named before it
    ("sudo zorbctl -x \"$1\"", "-x", "$?"),            # a value only known when it runs is a name too
])
def test_root_delete_letter_asks_and_says_what_is_known(command, opt, what, ctx):
    fs = [f for f in _findings(command, ctx) if f.rule == "sys.root-unknown"]
    assert fs, command
    assert _decision(command, ctx) == "ask"  # asked, never denied: nothing says it destroys
    note = fs[0].note
    assert f"runs zorbctl as root with '{opt}' on '{what}'" in note
    assert "no knowledge of what zorbctl does" in note


def test_the_other_user_sudo_runs_as_is_named(ctx):
    fs = [f for f in _findings("sudo -u postgres zorbctl -x alice", ctx) if f.rule == "sys.root-unknown"]
    assert fs and "as postgres" in fs[0].note and "as root" not in fs[0].note
    fs = [f for f in _findings("sudo -u root zorbctl -x alice", ctx) if f.rule == "sys.root-unknown"]
    assert fs and "as root" in fs[0].note


@pytest.mark.parametrize("command", [
    "zorbctl -x alice",                    # not root: a user's own tool
    "sudo zorbctl",                        # no delete letter
    "sudo zorbctl start web",
    "sudo zorbctl -v -a web",
    "sudo zorbctl -d /srv/profiles",       # the letter's value is a directory, a number, a host, a yes/no
    "sudo zorbctl -d ~/profiles",
    "sudo zorbctl -d 5",
    "sudo zorbctl -r 0x1f",
    "sudo zorbctl -d sub.example.com",
    "sudo zorbctl -x y /dev/sdz1",
    "sudo zorbctl -r pkg.tgz",             # a file it reads
    "sudo zorbctl -r s0-s0:c0.c1023 alice",
    "sudo zorbctl -d -v",                  # a flag, nothing named
    "sudo zorbctl -x",
    "sudo zorbctl -l -d alice",            # it only lists
    "sudo zorbctl --help -x alice",
    "sudo zorbctl list -x alice",          # a read word first
    "sudo zorbctl -x alice -n",            # a dry run (a last -n)
    "sudo zorbadd -r svc",                 # a program that adds: -r makes a system account
    "sudo zorbit-create -d distro",
    "sudo certbot --nginx -d www.example.com",
    "sudo lsblk", "sudo dmesg", "sudo tcpdump -i eth0", "sudo fdisk -l", "sudo iotop -o", "sudo smartctl -a /dev/sda",
])
def test_root_look_alikes_stay_silent(command, ctx):
    assert "sys.root-unknown" not in _rules(command, ctx), command


# every way an adversary found to run the unknown program as root still asks
@pytest.mark.parametrize("command", [
    "doas zorbctl -x alice", "pkexec zorbctl -x alice", "run0 zorbctl -x alice",
    "sudo -E zorbctl -x alice", "sudo -n zorbctl -x alice", "sudo -H -u root zorbctl -x alice",
    "sudo --preserve-env zorbctl -x alice", "sudo -- zorbctl -x alice", "doas -u root zorbctl -x alice",
    "sudo /usr/sbin/zorbctl -x alice", "sudo ./zorbctl -x alice",
    "command sudo zorbctl -x alice", "nice sudo zorbctl -x alice", "exec sudo zorbctl -x alice",
    "sudo nice -n 5 zorbctl -x alice", "sudo env A=1 zorbctl -x alice", "sudo VAR=1 zorbctl -x alice",
    "sudo timeout 5 zorbctl -x alice", "sudo stdbuf -oL zorbctl -x alice", "sudo ionice -c3 zorbctl -x alice",
    "sudo chroot /mnt zorbctl -x alice", "sudo systemd-run zorbctl -x alice",
    "sudo sh -c 'zorbctl -x alice'", "sudo bash -c \"zorbctl -x alice\"", "su -c 'zorbctl -x alice'",
    "su root -c 'zorbctl -x alice'", "sudo su -c 'zorbctl -x alice'", "sudo -i zorbctl -x alice",
    "sudo -s zorbctl -x alice", "echo alice | xargs sudo zorbctl -x", "U=alice; sudo zorbctl -x \"$U\"",
    "ssh host sudo zorbctl -x alice",
])
def test_root_wrappers_do_not_hide_it(command, ctx):
    assert _decision(command, ctx) in ("ask", "deny"), command
    assert "sys.root-unknown" in _rules(command, ctx), command


MAN_DAEMON = """.TH ZORBD 8
.SH OPTIONS
.TP
.B \\-d
Run as a daemon in the background.
.TP
.B \\-x
Delete the named user and its mailbox.
"""


@pytest.fixture
def man(tmp_path, monkeypatch):
    root = tmp_path / "man"
    (root / "man8").mkdir(parents=True)
    monkeypatch.setattr(manuals, "MAN_DIRS", (str(root),))
    monkeypatch.setattr(manuals, "_FOUND", {})
    monkeypatch.setattr(manuals, "_CACHE", {})
    (root / "man8" / "zorbd.8.gz").write_bytes(gzip.compress(MAN_DAEMON.encode()))
    return root


def test_the_installed_manual_decides_what_the_letter_does(man, ctx):
    assert "sys.root-unknown" not in _rules("sudo zorbd -d worker1", ctx)   # "Run as a daemon"
    assert _decision("sudo zorbd -x alice", ctx) == "ask"                    # "Delete the named user"


def test_an_unreadable_manual_leaves_the_letter_unknown(man, ctx):
    (man / "man8" / "zorbd.8.gz").write_bytes(b"\x1f\x8b not gzip")
    assert _decision("sudo zorbd -d worker1", ctx) == "ask"


# --- an installed script named for an uninstall ---------------------------------------------------------

@pytest.mark.parametrize("command", ["zorbit-uninstall.sh", "sudo zorbit-uninstall.sh", "zorbit_uninstall.py --all"])
def test_an_uninstall_script_resets(command, ctx):
    assert "infra.cli-reset" in _rules(command, ctx)
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", ["zorbit-uninstall.sh --help", "cleanup.sh", "uninstall.sh", "zorbit-install.sh",
                                     "zorbit-killall.sh", "zorbit-start.py"])
def test_other_scripts_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


# --- a long delete option written with one dash ----------------------------------------------------------

@pytest.mark.parametrize("command", ["zorbit -delete web-1", "zorbit -remove-user bob", "zorbit -s srv -purge-all"])
def test_one_dash_long_delete_options(command, ctx):
    fs = [f for f in _findings(command, ctx) if f.rule == "infra.cli-delete"]
    assert fs, command
    assert "judged by its option '--" in fs[0].note


@pytest.mark.parametrize("command", ["zorbit -delay 5 start", "zorbit -deleted", "zorbit -delete a.txt", "zorbit -rm x",
                                     "zorbit -dry -v run", "zorbit -delete-keep-alive web-1 --help"])
def test_one_dash_look_alikes_stay_silent(command, ctx):
    assert "infra.cli-delete" not in _rules(command, ctx), command


# --- a program named for a whole verb after a short stem -------------------------------------------------

@pytest.mark.parametrize("command", ["zwipe -m zero disk1", "qgshred secrets.img", "zpurge --all", "sudo zqerase vol1"])
def test_a_name_ending_in_a_whole_verb(command, ctx):
    fs = [f for f in _findings(command, ctx) if f.rule == "infra.cli-delete"]
    assert fs and "judged by its name" in fs[0].note, command


@pytest.mark.parametrize("command", ["zwipe -V", "zwipe --version", "zwipe", "confirm x", "perform y", "uniform z",
                                     "xrm 3", "swipe-gesture --help"])
def test_names_that_only_end_like_a_verb(command, ctx):
    assert "infra.cli-delete" not in _rules(command, ctx), command


@pytest.mark.parametrize("command,user", [
    ("sudo -u alice sh -c 'zorbctl -x bob'", "alice"),
    ("runuser -u alice -- zorbctl -x bob", "alice"),
    ("pkexec --user alice zorbctl -x bob", "alice"),
    ("pkexec zorbctl -x bob", "root"),
    ("sudo -u alice sh -c 'sudo zorbctl -x bob'", "root"),          # the nearest wrapper decides
    ("sudo -u alice bash -c 'sudo -u carol zorbctl -x bob'", "carol"),
    ("sudo sh -c 'zorbctl -x bob'", "root"),
])
def test_the_reason_names_the_user_it_runs_as(command, user, ctx):
    fs = [f for f in _findings(command, ctx) if f.rule == "sys.root-unknown"]
    assert fs and f"runs zorbctl as {user} with" in fs[0].note, (command, [f.note for f in fs])
