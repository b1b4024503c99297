"""The corpora of commands real agents ran (bench/agentcmds, agentcmds2, agentcmds3, agentcmds4) are well-formed and split as documented.

Fast (well under a second, standard library only, Interlock is not run): every row has its fields and a label of
the four; every non-benign row says why; the split is the README's rule, written out here independently; ids and
commands are unique within a corpus; ``build.py`` reproduces ``commands.jsonl`` from ``raw/`` exactly (so nobody
edited the built file by hand); no command holds a secret in clear; no header line of a raw file leaked into a
command; each later corpus reads none of the earlier corpora's repositories and names a commit for every log.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
CORPORA = ("agentcmds", "agentcmds2", "agentcmds3", "agentcmds4")
LABELS = {"benign", "risky", "destructive", "credential"}
FIELDS = {"id": str, "command": str, "label": str, "why": str, "source": str, "repo": str, "agent": str,
          "project": str, "split": str}
# A token in clear: provider token shapes, private keys, bot tokens, JWTs. Placeholders (<telegram-bot-token>) pass.
SECRET = re.compile(
    r"ghp_[A-Za-z0-9]{30,}|gho_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|sk-ant-api\d\d-[A-Za-z0-9_-]{30,}"
    r"|sk-(?:proj-)?[A-Za-z0-9]{32,}|AKIA[0-9A-Z]{16}|xox[bpas]-\d{6,}-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
    r"|glpat-[0-9A-Za-z_-]{20}|-----BEGIN [A-Z ]*PRIVATE KEY-----|\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
HEADER_LINE = re.compile(r"^# (repo|path|agent|project|home|note):", re.M)


def held_out(repo: str) -> bool:  # the README's rule, written out here independently of build.py
    return int(hashlib.sha256(repo.encode()).hexdigest(), 16) % 3 == 0


def _load_build(corpus: str):
    spec = importlib.util.spec_from_file_location(f"{corpus}_build_under_test", BENCH / corpus / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rows(corpus: str) -> list[dict]:
    path = BENCH / corpus / "commands.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module", params=CORPORA)
def corpus(request) -> tuple[str, list[dict]]:
    return request.param, _rows(request.param)


def test_rows_have_their_fields_and_a_known_label(corpus):
    name, rows = corpus
    assert rows, name
    for r in rows:
        for key, typ in FIELDS.items():
            assert isinstance(r.get(key), typ), (name, r.get("id"), key)
        assert r["label"] in LABELS, (name, r["id"], r["label"])
        assert r["command"].strip() == r["command"] and r["command"], (name, r["id"])
        assert r["source"].startswith(r["repo"] + "/"), (name, r["id"], r["source"])
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", r["repo"]), (name, r["id"], r["repo"])
        if r["label"] != "benign":
            assert r["why"].strip(), (name, r["id"], "a non-benign label says why")


def test_split_is_the_documented_rule(corpus):
    name, rows = corpus
    for r in rows:
        assert r["split"] == ("held-out" if held_out(r["repo"]) else "tune"), (name, r["id"], r["repo"])
    assert {r["split"] for r in rows} == {"tune", "held-out"}, name


def test_ids_and_commands_are_unique(corpus):
    name, rows = corpus
    ids = [r["id"] for r in rows]
    cmds = [r["command"] for r in rows]
    assert len(ids) == len(set(ids)), name
    assert len(cmds) == len(set(cmds)), name


def test_build_reproduces_the_committed_corpus(corpus):
    name, rows = corpus
    built = _load_build(name).build()
    assert built == rows, f"bench/{name}/commands.jsonl differs from what build.py makes of raw/ — rebuild it"


def test_no_secret_in_clear(corpus):
    name, rows = corpus
    for r in rows:
        m = SECRET.search(r["command"])
        assert not m, (name, r["id"], "replace the token with a placeholder", m.group(0)[:12] + "…")
    for raw in (BENCH / name / "raw").glob("*.txt"):
        m = SECRET.search(raw.read_text(encoding="utf-8"))
        assert not m, (raw.name, m.group(0)[:12] + "…")


def test_no_raw_header_leaked_into_a_command(corpus):
    # A header line the parser does not recognise (e.g. "# project:" with nothing after it) ends the header and
    # becomes the first command's text, taking the lines below it along.
    name, rows = corpus
    for r in rows:
        assert not HEADER_LINE.search(r["command"]), (name, r["id"])


def test_agentcmds2_is_independent_and_names_its_commits():
    first = {r["repo"] for r in _rows("agentcmds")}
    second = _rows("agentcmds2")
    assert not first & {r["repo"] for r in second}, "bench/agentcmds2 must read only repositories agentcmds did not"
    for raw in sorted((BENCH / "agentcmds2" / "raw").glob("*.txt")):
        head = raw.read_text(encoding="utf-8").split("\n%%\n", 1)[0]
        note = re.search(r"^# note: (.*)$", head, re.M)
        assert note and re.search(r"@[0-9a-f]{40}\b", note.group(1)), (raw.name, "the note names the commit read")
        agent = re.search(r"^# agent: (.*)$", head, re.M)
        assert agent and re.match(r"(Codex CLI|Cursor|Gemini CLI|GitHub Copilot|Aider|OpenCode|Grok CLI|Claude Code)",
                                  agent.group(1)), (raw.name, "the agent field names the agent first")


@pytest.mark.parametrize("later", CORPORA[2:])
def test_a_later_corpus_reads_no_earlier_corpus_repository_and_names_its_commits(later):
    earlier = {r["repo"].lower() for c in CORPORA[:CORPORA.index(later)] for r in _rows(c)}
    rows = _rows(later)
    assert not earlier & {r["repo"].lower() for r in rows}, f"bench/{later} must read only repositories no earlier corpus read"
    for raw in sorted((BENCH / later / "raw").glob("*.txt")):
        head = raw.read_text(encoding="utf-8").split("\n%%\n", 1)[0]
        note = re.search(r"^# note: (.*)$", head, re.M)
        assert note and re.search(r"@[0-9a-f]{40}\b", note.group(1)), (raw.name, "the note names the commit read")
        agent = re.search(r"^# agent: (.*)$", head, re.M)
        assert agent and re.match(r"(Codex CLI|Claude Code)", agent.group(1)), (raw.name, "the agent field names the agent")


def _agentcmds2_run():
    spec = importlib.util.spec_from_file_location("agentcmds2_run_under_test", BENCH / "agentcmds2" / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_agentcmds2_maps_both_spellings_of_a_windows_project_and_names_the_agent_family():
    run = _agentcmds2_run()
    ws, home = Path("/fixture/ws"), Path("/fixture/home")
    cmd = 'cd "c:\\Users\\x\\p" && bash "c:/Users/x/p/s.sh" && ls c:/Users/x/p_team'
    out = run.localise(cmd, "c:\\Users\\x\\p|c:/Users/x/p", "", ws, home)
    assert out == 'cd "/fixture/ws" && bash "/fixture/ws/s.sh" && ls /fixture/ws_team'  # a sibling stays a sibling
    assert run.localise("cat ~/.zshrc /Users/jo/.zshrc", "/Users/jo/app", "", ws, home) == "cat ~/.zshrc /fixture/home/.zshrc"
    assert run.family("Cursor IDE (agent claude-4.6-opus; SpecStory export)") == "Cursor"
    assert run.family("OpenCode (claude-opus-4.6) and Cursor (SpecStory exports)") == "OpenCode"  # the first named
    assert run.family("Claude Code harness (model shown as ...)") == "Claude Code"
    assert run.family("a shell script") == "other"
    families = {run.family(r["agent"]) for r in _rows("agentcmds2")}
    assert "other" not in families and {"Codex CLI", "Cursor", "Claude Code"} <= families
