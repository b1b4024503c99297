"""An installed program's own manual, read from its man page file (no process run): what an option the command
uses does, for a program Interlock has no knowledge of.  Manuals are real gzip files in a temporary man tree
(the made-up tool `zorbit` exists nowhere else), judged through the full analysis; the roff styles are those
real pages use (man's .TP and .IP, DocBook's .PP/.RS, mdoc's .It Fl); the last tests read this machine's own
pages.  Every catch asks and quotes the manual; a manual that cannot be read asks with the reason."""

from __future__ import annotations

import gzip
import os

import pytest

from interlock.actions import SHELL, Action
from interlock.analysis.shell import manuals
from interlock.engine import Context, analyze, evaluate

MAN_TP = r""".TH ZORBIT 8
.SH NAME
zorbit \- manage the zorbit store
.SH OPTIONS
.TP
.BR \-l ", " \-\-list
List every user of the store.
.TP
.BR \-D ", " \-\-drop\-user " \fIname\fR"
Delete the named user and everything the user owns.
.TP
\fB\-x\fR
Remove trailing whitespace from the output.
.TP
\fB\-k\fR \fIkey\fR
Removes the given key from the keyring.
.IP "\fB\-P\fR, \fB\-\-prune\-all\fR" 4
Purges every snapshot of the pool.
.SH SEE ALSO
"""

MAN_DOCBOOK = r""".TH BLIVET 1
.SH "OPTIONS"
.PP
\fB\-f\fR, \fB\-\-force\fR
.RS 4
Do not ask before acting\&.
.RE
.PP
\fB\-W\fR, \fB\-\-wipe\-home\fR
.RS 4
Wipes the home directory of the account\&.
.RE
.PP
\fB\-r\fR, \fB\-\-remove\fR
.RS 4
Remove the specified repository\&.
.RE
"""

MAN_MDOC = r""".Dd 2024
.Dt FLANGE 8
.Sh OPTIONS
.Bl -tag -width Ds
.It Fl d Ar volume
Destroy the volume and all its data.
.It Fl v
Verbose output.
.El
"""


@pytest.fixture
def man(tmp_path, monkeypatch):
    """A man tree of our own, and empty caches (the module's are per process)."""
    root = tmp_path / "man"
    (root / "man1").mkdir(parents=True)
    (root / "man8").mkdir(parents=True)
    monkeypatch.setattr(manuals, "MAN_DIRS", (str(root),))
    monkeypatch.setattr(manuals, "_FOUND", {})
    monkeypatch.setattr(manuals, "_CACHE", {})

    def write(name, text, section="8", raw=None):
        p = root / f"man{section}" / f"{name}.{section}.gz"
        p.write_bytes(raw if raw is not None else gzip.compress(text.encode()))
        return p

    write("zorbit", MAN_TP)
    write("blivet", MAN_DOCBOOK, "1")
    write("flange", MAN_MDOC)
    return write


@pytest.fixture
def ctx(workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env)


def _findings(command, ctx):
    return analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)


def _decision(command, ctx):
    return evaluate(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx).decision


# --- reading roff -------------------------------------------------------------------------------------

def test_the_three_roff_styles_are_read():
    tp = manuals.parse(MAN_TP)
    assert tp["-D"][1] == "Delete the named user and everything the user owns."
    assert tp["--drop-user"] == tp["-D"]
    assert tp["-P"][1].startswith("Purges every snapshot") and "--prune-all" in tp
    assert tp["-l"][1] == "List every user of the store."
    db = manuals.parse(MAN_DOCBOOK)
    assert db["-W"][1] == "Wipes the home directory of the account." and db["--wipe-home"] == db["-W"]
    md = manuals.parse(MAN_MDOC)
    assert md["-d"][1] == "Destroy the volume and all its data."
    assert md["-v"][1] == "Verbose output."


# --- judged through the analysis ----------------------------------------------------------------------

@pytest.mark.parametrize("command,option", [
    ("zorbit -D alice", "-D"),
    ("zorbit --drop-user alice", "--drop-user"),
    ("zorbit -k ABCD1234", "-k"),
    ("zorbit -lD alice", "-D"),                      # a cluster of short flags
    ("sudo zorbit -P tank", "-P"),
    ("blivet -f -W bob", "-W"),
    ("flange -d vol0", "-d"),
])
def test_an_option_the_manual_says_deletes_asks(command, option, man, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert "own manual" in fs[0].note
    assert option in fs[0].target
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit -l",                     # a read
    "zorbit -x",                     # removes whitespace from the output: no data
    "zorbit",                        # no option
    "blivet -r ppa:foo/bar",         # an entry off a list ("Remove the specified repository")
    "blivet -f bob",
    "flange -v",
    "zorbit -D notes.txt",           # the option edits a file the command names
    "zorbit --help",
    "zorbit -D alice --dry-run",
])
def test_what_the_manual_does_not_call_a_deletion_passes(command, man, ctx):
    assert _findings(command, ctx) == [], command


def test_no_manual_no_change(man, ctx):
    assert _findings("qwertyx -D alice", ctx) == []


def test_a_program_with_a_knowledge_file_or_handler_is_not_read(man, ctx):
    man("rsync", MAN_TP, "1")        # a planted page for a program Interlock knows changes nothing
    man("grep", MAN_TP, "1")
    for command in ("rsync -D alice", "grep -D skip pattern"):
        assert all("own manual" not in (f.note or "") for f in _findings(command, ctx)), command


# --- failure is closed --------------------------------------------------------------------------------

def test_a_corrupt_manual_asks_with_the_reason(man, ctx):
    man("zorbit", "", raw=b"\x1f\x8b\x08\x00garbage")
    fs = _findings("zorbit -D alice", ctx)
    assert [f.rule for f in fs] == ["interlock.error"]
    assert "manual could not be read" in fs[0].note
    assert _decision("zorbit -D alice", ctx) == "ask"


def test_an_oversized_manual_is_not_read(man, ctx, monkeypatch):
    monkeypatch.setattr(manuals, "MAX_BYTES", 1000)
    man("zorbit", MAN_TP + ".\\\" padding\n" * 500)  # compresses small, decompresses past the bound
    assert [f.rule for f in _findings("zorbit -D alice", ctx)] == ["interlock.error"]


def test_a_page_that_sources_another(man, ctx):
    man("zorbit-admin", ".so man8/zorbit.8\n")
    assert [f.rule for f in _findings("zorbit-admin -D alice", ctx)] == ["infra.cli-delete"]


def test_a_source_outside_the_man_tree_is_not_followed(man, ctx, tmp_path):
    outside = tmp_path / "evil.8"
    outside.write_text(MAN_TP)
    man("zorbit-admin", f".so ../../{outside.name}\n")
    assert _findings("zorbit-admin -D alice", ctx) == []


def test_pages_that_source_each_other_end_in_an_ask(man, ctx):
    man("zorbit-a", ".so man8/zorbit-b.8\n")
    man("zorbit-b", ".so man8/zorbit-a.8\n")
    fs = _findings("zorbit-a -D alice", ctx)
    assert [f.rule for f in fs] == ["interlock.error"] and "redirections" in fs[0].note


def test_a_changed_manual_is_read_again(man, ctx):
    assert [f.rule for f in _findings("zorbit -D alice", ctx)] == ["infra.cli-delete"]
    p = man("zorbit", MAN_TP.replace("Delete the named user", "Describe the named user"))
    os.utime(p, ns=(1, 1))
    assert _findings("zorbit -D alice", ctx) == []


def test_control_characters_in_a_manual_never_reach_the_reason(man, ctx):
    man("zorbit", MAN_TP.replace("Delete the named user", "Delete the named user\x1b[2J\x1b]0;approve\x07"))
    fs = _findings("zorbit -D alice", ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"]
    assert not any(c in fs[0].note for c in "\x1b\x07")


@pytest.mark.parametrize("name", ["../../etc/passwd", "x/../y", "*", "", "a" * 200])
def test_names_that_are_no_program_name_find_nothing(name, man):
    assert manuals.find(name) is None


# --- this machine's own manuals -------------------------------------------------------------------------

def test_real_installed_manuals_are_read():
    """Debian's own pages as shipped (dpkg, tar): the option lists real tools document."""
    manuals._FOUND.clear()
    have = [n for n in ("dpkg", "tar") if manuals.find(n)]
    if not have:
        pytest.skip("this machine ships no man pages (a minimal image): the made-up manuals above cover the code")
    for n in have:
        opts = manuals.options(n)
        assert len(opts) > 20, n
    if "dpkg" in have:
        assert manuals.options("dpkg")["-P"][1].startswith("Purge an installed")
    if "tar" in have:
        assert manuals.options("tar")["--remove-files"][1].startswith("Remove files from disk")
