"""The shipped digest of shell completions' descriptions (knowledge/option_digest.json, analysis/shell/digest.py,
built by bench/option_digest.py): for a program that is not installed, what its options and sub-commands delete.

Most tests build a digest of their own from a temporary fish-completions-like directory of made-up programs
(`quarn`, `plimb`, `vexo` exist nowhere), through the generator's own reader, so they don't depend on the
shipped data; no man page is reachable (the man tree is empty) unless a test writes one.  The last tests read
the shipped digest."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sys

import pytest

from interlock.analysis.shell import clis, digest, manuals
from interlock.engine import Context
from test_generic_verbs import _decision, _findings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FISH = {
    "quarn.fish": r"""
complete -c quarn -s l -l list -d 'List every user of the store'
complete -c quarn -s D -l drop-user -d 'Delete the given user and everything it owns'
complete -c quarn -s x -d 'Remove trailing whitespace from the output'
complete -c quarn -s k -r -d 'Removes the specified key from the keyring'
complete -c quarn -s o -d 'Remove the options for the named destination and instance'
complete -c quarn -l recheck -d 'Delete device map if it already exists'
complete -c quarn -s C -d 'Remove all generated files'
complete -c quarn -s v -d 'Verbose output'
complete -c quarn -o purgeall -d 'Purges every snapshot of the pool'
""",
    "plimb.fish": r"""
set -l commands d t ls show new
complete -c plimb -f -n "not __fish_seen_subcommand_from $commands" -a d -d 'Delete a published repository'
complete -c plimb -f -n __fish_use_subcommand -a t -d 'Destroy a draft database'
complete -c plimb -f -n __fish_use_subcommand -a ls -d 'List the posts'
complete -c plimb -f -n __fish_use_subcommand -a new -d 'Create a post'
complete -c plimb -f -n '__fish_seen_subcommand_from volume' -a zap -d 'Wipe a volume'
complete -c plimb -n '__fish_seen_subcommand_from owner' -s r -l remove -d 'Remove the given user as an owner'
complete -c plimb -n '__fish_seen_subcommand_from owner' -s a -l add -d 'Add the given user as an owner'
""",
    "vexo.fish": r"""
complete -c vexo -n '__vexo_using sync' -l zap -d 'Wipe every bucket'
complete -c vexo -n '__vexo_using push' -l zap -d 'Wipe the progress bar'
complete -c vexo -n '__vexo_using prune' -s P -d 'Purge the named database'
complete -c vexo -s r -d 'Refresh the index of the named mirror'
complete -c vexo -s x -d 'Remove the named user'
""",
}


def _generator():
    spec = importlib.util.spec_from_file_location("option_digest_gen", os.path.join(ROOT, "bench", "option_digest.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("option_digest_gen", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def built(tmp_path):
    """The digest the generator builds from the fixture completions: {program: entry}."""
    gen = _generator()
    d = tmp_path / "completions"
    d.mkdir()
    for name, text in FISH.items():
        (d / name).write_text(text)
    g = clis.generic_model()
    opts, subs, letters = gen.read_fish(g, sorted(str(p) for p in d.iterdir()))
    return gen.assemble(opts, subs, letters)


@pytest.fixture
def ctx(workspace, home, env, built, tmp_path, monkeypatch):
    root = tmp_path / "man"
    (root / "man1").mkdir(parents=True)
    monkeypatch.setattr(manuals, "MAN_DIRS", (str(root),))
    monkeypatch.setattr(manuals, "_FOUND", {})
    monkeypatch.setattr(manuals, "_CACHE", {})
    monkeypatch.setattr(digest, "_DATA", built)
    return Context(workspace, home=home, workspace=workspace, env=env)


# --- the generator: facts, not text ---------------------------------------------------------------------

def test_the_generator_keeps_facts_only(built):
    q = built["quarn"]["o"]
    assert q["-D"] == [[[], "delete", "user"]] and q["--drop-user"] == q["-D"]
    assert q["-k"] == [[[], "remove", "key"]]
    assert q["-purgeall"] == [[[], "purge", "snapshot"]]           # fish's old-style option (`-o`)
    for benign in ("-l", "-x", "-o", "--recheck", "-C", "-v"):     # a read; output; options; a map; generated files
        assert benign not in q, benign
    assert "D" in built["quarn"]["l"] and "v" in built["quarn"]["l"]
    p = built["plimb"]
    assert p["s"]["d"] == [[[], "delete", "repository"]] and p["s"]["t"] == [[[], "destroy", "database"]]
    assert p["s"]["zap"] == [[["volume"], "wipe", "volume"]]        # under its parent sub-command
    assert "ls" not in p["s"] and "new" not in p["s"]
    assert p["o"]["-r"] == [[["owner"], "remove", "user"]] and "-a" not in p["o"]
    v = built["vexo"]["o"]
    assert "--zap" not in v        # harmless under another condition of the script's own: ambiguous, dropped
    assert v["-P"] == [[[], "purge", "database"]]                   # described once, destructive: kept
    text = json.dumps(built)
    assert "given user" not in text and "keyring" not in text      # no description text is stored


def test_the_fish_reader_reads_the_usual_spellings():
    gen = _generator()
    c = gen.parse_fish_line("complete -c foo -s d -l delete -d 'Delete it'")
    assert c["command"] == ["foo"] and c["short"] == ["d"] and c["long"] == ["delete"]
    c = gen.parse_fish_line("complete -xc foo -n '__fish_seen_subcommand_from a b' -a 'x y' --description='Wipe'")
    assert c["command"] == ["foo"] and c["arguments"] == "x y" and c["description"] == "Wipe"
    assert gen._fish_context(c["condition"]) == ("sub", ["a", "b"])
    assert gen._fish_context("__fish_use_subcommand") == ("top", None)
    assert gen._fish_context("__foo_needs_command") == ("other", None)
    assert gen.parse_fish_line("complete -c foo -d 'unterminated") is None


# --- judged through the analysis ------------------------------------------------------------------------

@pytest.mark.parametrize("command,word", [
    ("quarn -D alice", "-D"),
    ("quarn --drop-user alice", "--drop-user"),
    ("quarn --drop-user=alice", "--drop-user"),
    ("quarn -vD alice", "-D"),                       # a cluster of known letters
    ("quarn -k ABCD1234", "-k"),
    ("quarn -purgeall tank", "-purgeall"),
    ("sudo quarn -D alice", "-D"),
    ("plimb d", "d"),                                # a sub-command whose name says nothing
    ("plimb t mydraft", "t"),
    ("plimb volume zap vol0", "zap"),
    ("plimb owner -r bob mycrate", "-r"),
    ("vexo -P db1", "-P"),
])
def test_what_the_completions_describe_as_deleting_asks(command, word, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert "completions describe" in fs[0].note and "no knowledge file" in fs[0].note
    assert word.split("=")[0] in fs[0].note or word in fs[0].note
    assert _decision(command, ctx) == "ask"


def test_the_reason_names_the_option_and_what_it_does(ctx):
    f = _findings("quarn -D alice", ctx)[0]
    assert "quarn's option '-D'" in f.note and "deletes (user)" in f.note and "fish" in f.note
    f = _findings("plimb d", ctx)[0]
    assert "plimb's sub-command 'd'" in f.note and "deletes (repository)" in f.note


@pytest.mark.parametrize("command", [
    "quarn -l", "quarn -x", "quarn -o printer1", "quarn --recheck", "quarn -C", "quarn -v",
    "quarn -D --help", "quarn --help",
    "quarn -Dq alice",                  # `q` is no letter quarn has: not a cluster of its options
    "quarn -D old.txt",                 # the option edits a file the command names
    "quarn -D ./users/alice",
    "plimb ls", "plimb new post", "plimb show d",   # `d` as a value further in, not the sub-command
    "plimb zap vol0",                   # zap is a sub-command of `volume` only
    "plimb -r bob", "plimb add -r bob", # -r removes an owner only under `owner`
    "plimb owner -a bob",
    "vexo --zap x",                     # ambiguous in the source
    "zzunknown -D alice",               # not in the digest: unknown stays as before
])
def test_look_alikes_stay_allowed(command, ctx):
    assert [f.rule for f in _findings(command, ctx)] == [], command


@pytest.mark.parametrize("command,rules", [
    ("sudo vexo -r mirror1", []),                               # described, no delete verb: known, no delete
    ("sudo vexo -d alice", ["sys.root-unknown"]),               # not described: what many system tools mean
    ("sudo vexo -x alice", ["infra.cli-delete"]),               # described as removing a user: the digest says so
    ("sudo zzunknown -r alice", ["sys.root-unknown"]),          # not in the digest: as before
])
def test_a_root_run_letter_the_completions_describe(command, rules, ctx, built):
    assert built["vexo"]["k"] == "r"
    assert sorted({f.rule for f in _findings(command, ctx)}) == rules, command


def test_an_installed_manual_decides_the_options_it_describes(ctx, tmp_path):
    page = ".TH QUARN 1\n.SH OPTIONS\n.TP\n.B \\-D\nDisplay the users.\n.TP\n.B \\-v\nVerbose.\n"
    p = tmp_path / "man" / "man1" / "quarn.1.gz"
    p.write_bytes(gzip.compress(page.encode()))
    assert _findings("quarn -D alice", ctx) == []              # the manual says -D displays
    fs = _findings("quarn -k ABCD", ctx)                       # the manual says nothing of -k: the digest does
    assert [f.rule for f in fs] == ["infra.cli-delete"] and "completions" in fs[0].note


def test_a_sub_command_that_is_a_verb_is_the_verb_models(ctx, monkeypatch, built):
    built = dict(built, plimb=dict(built["plimb"], s=dict(built["plimb"]["s"], delete=[[[], "delete", "repository"]])))
    monkeypatch.setattr(digest, "_DATA", built)
    fs = _findings("plimb delete repo1", ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"] and "its verb 'delete'" in fs[0].note


def test_a_fact_the_current_model_no_longer_holds_does_not_count(ctx, monkeypatch, built):
    built = dict(built, quarn=dict(built["quarn"], o={"-D": [[[], "delete", "whatever"]]}))
    monkeypatch.setattr(digest, "_DATA", built)
    assert _findings("quarn -D alice", ctx) == []   # `whatever` is no object of manual_objects


def test_an_unreadable_digest_asks_with_the_reason(ctx, monkeypatch):
    monkeypatch.setattr(digest, "_DATA", digest.DigestError("option_digest.json: JSONDecodeError: ..."))
    fs = _findings("zzunknown -D alice", ctx)
    assert [f.rule for f in fs] == ["interlock.error"] and "could not be read" in fs[0].note
    assert _decision("zzunknown -D alice", ctx) in ("ask", "deny")
    with pytest.raises(digest.DigestError):
        digest.load(os.path.join(str(ctx.cwd), "missing.json"))


# --- the shipped digest ---------------------------------------------------------------------------------

def _shipped():
    with open(digest.PATH, encoding="utf-8") as fh:
        return json.load(fh)


def test_the_shipped_digest_says_where_it_comes_from():
    raw = _shipped()
    assert os.path.getsize(digest.PATH) < 300_000
    about = raw["about"]
    assert about["sources"]["fish"]["licence"] and about["sources"]["fish"]["version"]
    assert "bench/option_digest.py" in about["regenerate"]
    assert len(raw["programs"]) >= 40


def test_every_shipped_fact_holds_under_the_model():
    g = clis.generic_model()
    for prog, e in _shipped()["programs"].items():
        assert set(e) <= {"o", "s", "l", "k", "src"}, prog
        for table in (e.get("o", {}), e.get("s", {})):
            for word, facts in table.items():
                for subs, verb, obj in facts:
                    assert verb in g.manual_verbs and obj in g.manual_objects and obj not in g.manual_keeps, \
                        (prog, word)
                    assert isinstance(subs, list)


@pytest.mark.parametrize("command,word", [
    # (`diskutil eraseDisk`, `apfs deleteContainer`: since session 13 the verb model reads lower camelCase verbs
    # itself, so they are asked by their verb — tests/test_s13_longtail.py — and are no longer the digest's alone)
    ("tmutil deletelocalsnapshots 2024-01-01", "deletelocalsnapshots"),
    ("lppasswd -x bob", "-x"),
])
def test_the_shipped_digest_catches_what_only_it_knows(command, word, workspace, home, env, tmp_path, monkeypatch):
    monkeypatch.setattr(manuals, "MAN_DIRS", (str(tmp_path / "noman"),))
    monkeypatch.setattr(manuals, "_FOUND", {})
    monkeypatch.setattr(digest, "_DATA", None)
    c = Context(workspace, home=home, workspace=workspace, env=env)
    fs = _findings(command, c)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert word in fs[0].note and "completions describe" in fs[0].note


@pytest.mark.parametrize("command", ["diskutil list", "diskutil info disk2", "tmutil listbackups", "lppasswd bob",
                                     "latexmk -C", "lzop -U a.txt"])
def test_the_shipped_digest_leaves_reads_and_tidying_alone(command, workspace, home, env, tmp_path, monkeypatch):
    monkeypatch.setattr(manuals, "MAN_DIRS", (str(tmp_path / "noman"),))
    monkeypatch.setattr(manuals, "_FOUND", {})
    monkeypatch.setattr(digest, "_DATA", None)
    c = Context(workspace, home=home, workspace=workspace, env=env)
    assert [f.rule for f in _findings(command, c)] == [], command


def test_the_shipped_digest_is_what_the_generator_makes_from_its_sources():
    """Where the same versions of the sources are installed, regenerating gives the shipped bytes."""
    gen = _generator()
    about = _shipped()["about"]["sources"]
    if not os.path.isdir(gen.FISH_DIR) or gen._version("fish") != about["fish"]["version"] or \
            gen._version("zsh-common") != about["zsh"]["version"]:
        pytest.skip("fish/zsh completions of the digest's versions are not installed here")
    with open(digest.PATH, encoding="utf-8") as fh:
        assert gen.dump(gen.build()) == fh.read()
