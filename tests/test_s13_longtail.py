"""Session 13, the long tail: a program Interlock has no knowledge file for is judged by what its words say.

Every program here is invented (`qorvex`, `plimsoll-agent`, `Vexify-...`: names that exist nowhere), so no
knowledge file, handler, manual or completion digest can speak for it; only the generic verb model
(knowledge/generic.toml, read by analysis/shell/clis.py) does.  Destructive verbs in every position and
spelling are asked (never denied under the default policy) with a reason naming the word they were judged
by; the read verbs and the look-alikes beside them pass."""

from __future__ import annotations

import pytest
from test_generic_verbs import _decision, _findings, ctx  # noqa: F401  (ctx: the fixture, shared)

from interlock.analysis.shell import clis


def _one(command, ctx, rule):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == [rule], (command, [(f.rule, f.note) for f in fs])
    assert _decision(command, ctx) == "ask", command  # destructive and unknown: asked, not denied
    return fs[0]


# --- the verb wherever it sits ----------------------------------------------------------------------

@pytest.mark.parametrize("command,word", [
    ("qorvex erase tank-7", "erase"),                             # the first word
    ("qorvex --zone b2 reservoirs erase tank-7", "erase"),       # after options and a group
    ("qorvex reservoirs tank-erase tank-7", "tank-erase"),        # object-verb, hyphenated
    ("qorvex obliterate_reservoir tank-7", "obliterate_reservoir"),  # verb-object, underscored
    ("qorvex reservoir:purge tank-7", "reservoir:purge"),         # a colon path
    ("qorvex reservoir.destroy tank-7", "reservoir.destroy"),     # a dotted method
    ("qorvex ReservoirDelete tank-7", "ReservoirDelete"),          # not CamelCase verb-first: see below
])
def test_verb_positions(command, word, ctx):
    if word == "ReservoirDelete":  # an API action names its verb first; an object first is no verb
        assert _findings(command, ctx) == []
        return
    f = _one(command, ctx, "infra.cli-delete")
    assert f"'{word}'" in f.note and "no knowledge file for qorvex" in f.note
    assert "tank-7" in f.target


@pytest.mark.parametrize("command,word", [
    ("qorvex reservoirs deleteReservoir tank-7", "deleteReservoir"),  # lower camelCase, verb first
    ("qorvex purgeAll", "purgeAll"),
    ("qorvex tanks DESTROY tank-7", "DESTROY"),                         # capitals
    ("qorvex tanks Wipe tank-7", "Wipe"),
    ("qorvex node deprovision n4", "deprovision"),                      # verbs added this session
    ("qorvex mail expunge 42", "expunge"),
    ("qorvex rmdir remote:archive", "rmdir"),
])
def test_verbs_in_other_casings_and_new_verbs(command, word, ctx):
    f = _one(command, ctx, "infra.cli-delete")
    assert f"'{word}'" in f.note


def test_lower_camel_verbs_known_to_the_completions_digest_are_the_verbs(ctx):
    # diskutil's `eraseDisk` is in the shipped completions digest too: a word the verb model knows is its to judge
    f = _one("diskutil eraseDisk JHFS+ Untitled disk2", ctx, "infra.cli-delete")
    assert "'eraseDisk'" in f.note and "disk2" in f.target


@pytest.mark.parametrize("command", [
    "qorvex reservoirs list", "qorvex reservoirs ls --all", "qorvex reservoir get tank-7",
    "qorvex reservoir describe tank-7", "qorvex show tank-7", "qorvex status", "qorvex reservoir info tank-7",
    "qorvex help erase", "qorvex reservoirs erase tank-7 --dry-run", "qorvex erase --help",
    # API names led by a read verb: what they name is read, not deleted
    "qorvex get-delete-marker tank-7", "qorvex describe-purge-job j1", "qorvex list_removed_tanks",
    "qorvex getDeleteStatus 4", "qorvex ListDeletedTanks",
    # look-alikes of the new verbs
    "qorvex rmdir.txt", "qorvex open expunged.log", "qorvex clear", "qorvex config reset",
    "qorvex reset", "qorvex history clear",
])
def test_read_verbs_and_look_alikes_pass(command, ctx):
    assert _findings(command, ctx) == [], command
    assert _decision(command, ctx) == "allow"


# --- a store emptied: clear, flush, empty, unset, reset after a store of credentials or data -----------

@pytest.mark.parametrize("command,rule,word", [
    ("qorvex fido reset", "infra.cli-reset", "reset"),         # a security key's credentials wiped
    ("qorvex piv reset", "infra.cli-reset", "reset"),
    ("qorvex secrets clear", "infra.cli-delete", "clear"),
    ("qorvex tokens flush", "infra.cli-delete", "flush"),
    ("qorvex sql flush", "infra.cli-delete", "flush"),
    ("qorvex queue empty jobs-high", "infra.cli-delete", "empty"),
    ("plimsoll-secrets clear svc user", "infra.cli-delete", "clear"),  # the program's name names the store
    ("plimsoll_keyring unset github", "infra.cli-delete", "unset"),
])
def test_store_emptied(command, rule, word, ctx):
    f = _one(command, ctx, rule)
    assert f"'{word}'" in f.note


@pytest.mark.parametrize("command", [
    "qorvex cache clear", "qorvex config unset color", "qorvex screen clear", "qorvex filters reset",
    "qorvex theme reset", "plimsoll-tool clear", "qorvex stats flush",
])
def test_store_verbs_elsewhere_pass(command, ctx):
    assert _findings(command, ctx) == [], command


# --- PowerShell cmdlets by their approved verb --------------------------------------------------------

@pytest.mark.parametrize("command,rule", [
    ("Clear-Vexpool -Name pool1", "infra.cli-delete"),
    ("Unregister-VexTask -TaskName nightly", "infra.cli-delete"),
    ("Revoke-VexGrant -Id 4", "infra.cli-delete"),
    ("Format-Volume -DriveLetter Q", "infra.cli-reset"),
    ("Reset-VexAccount -Name ops", "infra.cli-reset"),
    ("Stop-Computer -Force", "infra.cli-stop"),
    ("Restart-Computer", "infra.cli-stop"),
    ("Stop-VexService", "infra.cli-stop"),  # (a noun ending in a service word is no service: see below)
])
def test_cmdlets(command, rule, ctx):
    if command == "Stop-VexService":
        assert _findings(command, ctx) == []
        return
    f = _one(command, ctx, rule)
    assert command.split()[0] in f.note


@pytest.mark.parametrize("command", [
    "Format-Table -AutoSize", "Format-List", "Clear-Host", "Stop-Process -Name vexd", "Restart-Service vexd",
    "Get-VexTask", "Uninstall-Module Vexify", "Set-VexPool -Name p1", "Clear-History",
])
def test_cmdlets_that_pass(command, ctx):
    assert _findings(command, ctx) == [], command


def test_stop_service_cmdlet_asks(ctx):
    f = _one("Stop-Service vexd", ctx, "infra.cli-stop")
    assert "Stop-Service" in f.note


# --- where the target is: a server an option names, an account, an HTTP method -------------------------

@pytest.mark.parametrize("command,server", [
    ("qorvex --server build-3 shutdown", "build-3"),
    ("qorvex -s https://ci.example.org halt", "https://ci.example.org"),
    ("qorvex --endpoint=https://hub.example.net stop", "https://hub.example.net"),
])
def test_stop_on_a_named_server(command, server, ctx):
    f = _one(command, ctx, "infra.cli-stop")
    assert f"the server it names ({server})" in f.note


@pytest.mark.parametrize("command", [
    "qorvex stop", "qorvex --host localhost stop", "qorvex --url http://127.0.0.1:8080 shutdown",
    "qorvex --server build-3 status", "qorvex -s https://ci.example.org restart",
])
def test_stop_of_own_process_or_local_server_passes(command, ctx):
    assert _findings(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "qorvex-http -X DELETE https://api.example.org/v2/tanks/7",
    "qorvex-http --method=delete https://api.example.org/v2/tanks/7",
    "qorvex-http --request DELETE https://api.example.org/v2/tanks/7",
])
def test_unknown_http_client_delete(command, ctx):
    f = _one(command, ctx, "http.delete")
    assert "api.example.org" in f.target


@pytest.mark.parametrize("command", [
    "qorvex-http -X DELETE http://localhost:8080/tanks/7", "qorvex-http -X GET https://api.example.org/v2/tanks",
    "qorvex-http -X DELETE", "qorvex --chain -j DROP",
])
def test_http_look_alikes_pass(command, ctx):
    assert _findings(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "qorvex.py -remove -computer-name WS7$ corp/admin:Winter2026",
    "qorvex.py -delete corp/admin@dc2",
])
def test_account_operand_is_no_file(command, ctx):
    f = _one(command, ctx, "infra.cli-delete")
    assert "--" in f.note  # judged by its option, read as `--remove`/`--delete`


def test_a_file_operand_still_edits(ctx):
    assert _findings("qorvex --remove-tag artist path/to/song.flac", ctx) == []


# --- run as root: the delete letter as the command's mode, the next option naming the thing ---------------

@pytest.mark.parametrize("command,named", [
    ("sudo qorvexadm port -d -p tcp 8443", "-p tcp"),
    ("sudo qorvexadm -x -u mallory", "-u mallory"),
    ("sudo qorvexpart -d 2 /dev/sdq", "2 of /dev/sdq"),
])
def test_root_delete_letter_as_mode(command, named, ctx):
    f = _one(command, ctx, "sys.root-unknown")
    assert named in f.target


@pytest.mark.parametrize("command", [
    "sudo qorvexadm -d -n packages",              # -n rehearses
    "sudo qorvexadm -i wlan0 -r -t host-a",      # after other options: one more modifier
    "sudo qorvexadm -d -c /etc/qorvex.conf",     # the next option's value is a path
    "sudo qorvexadm -d 5",                        # a number with no device: a setting
])
def test_root_delete_letter_look_alikes(command, ctx):
    assert _findings(command, ctx) == [], command


# --- the data is the knowledge: the model reads it ------------------------------------------------------

def test_verb_lists_are_data():
    g = clis.generic_model()
    assert {"deprovision", "expunge", "rmdir"} <= g.verbs
    assert {"clear", "flush", "empty", "unset", "reset"} <= g.store_verbs
    assert {"fido", "secrets", "sql"} <= g.store_words
    assert g.cmdlet_verbs["clear"] == "delete" and g.cmdlet_verbs["stop"] == "stop"
    assert "table" in g.cmdlet_keeps and "-X" in g.method_options and "--server" in g.server_options


def test_a_store_word_taken_out_of_the_data_stops_counting(ctx, monkeypatch):
    g = clis.generic_model()
    monkeypatch.setattr(g, "store_words", g.store_words - {"fido"})
    assert _findings("qorvex fido reset", ctx) == []
    monkeypatch.setattr(g, "store_words", g.store_words | {"fido"})
    assert [f.rule for f in _findings("qorvex fido reset", ctx)] == ["infra.cli-reset"]


def test_cmdlet_verbs_must_name_a_kind():
    from interlock.knowledge import KnowledgeError

    with pytest.raises(KnowledgeError):
        clis.Generic({"verbs": [], "compound_verbs": [], "not_programs": [], "local_programs": [],
                      "cmdlet_verbs": {"clear": "obliterate"}})
