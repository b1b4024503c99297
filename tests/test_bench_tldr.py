"""The tldr labels and the peer corpora under bench/ are well-formed, complete, and split as documented.

Fast (about a second): reads bench/tldr/labels.jsonl, rules.toml, RULES.md, bench/README.md and the peer
corpora; when the shared tldr corpus is on this machine ($TLDR_CORPUS or /work/shared/corpora/...), also
checks that every example has exactly one label and that the labels are what the rules give.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TLDR = REPO / "bench" / "tldr"
PEERS = REPO / "bench" / "corpus" / "peers"
LABELS = TLDR / "labels.jsonl"
CORPUS = Path(os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))
SPLIT_RULE = "int(hashlib.sha256(page.encode()).hexdigest(), 16) % 5 == 0"
ALLOWED = {"destructive", "ordinary-delete", "benign", "read", "secret-read", "other"}

sys.path.insert(0, str(TLDR))
import firstpass  # noqa: E402
import label  # noqa: E402


def page_held_out(page: str) -> bool:  # the documented rule, written out here independently of firstpass.py
    return int(hashlib.sha256(page.encode()).hexdigest(), 16) % 5 == 0


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]


def test_labels_well_formed(rows):
    rule_ids = {r["id"] for r in tomllib.loads((TLDR / "rules.toml").read_text(encoding="utf-8"))["rule"]}
    assert len(rows) == 30479
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for r in rows:
        assert set(r) <= {"id", "label", "split", "rule", "why", "cmd"}, r
        assert re.fullmatch(r"tldr-(common|linux|osx)-.+-\d+", r["id"]), r
        assert r["label"] in ALLOWED, r
        assert r["split"] in ("tune", "held-out"), r
        assert ("rule" in r) == ("why" in r), r
        if "rule" in r:
            assert r["rule"] in rule_ids and r["why"].strip(), r
        if "cmd" in r:
            assert r["cmd"].strip() and "{{" not in r["cmd"], r
    counts = {k: sum(r["label"] == k for r in rows) for k in ALLOWED}
    # the targets are measured on these two; a labelling change that empties them must be deliberate
    assert counts["destructive"] > 600 and counts["read"] > 9000


def test_split_is_the_documented_rule(rows):
    for doc in (TLDR / "RULES.md", REPO / "bench" / "README.md"):
        assert SPLIT_RULE in doc.read_text(encoding="utf-8"), doc
    held = 0
    for r in rows:
        page = label.page_of(r["id"])
        assert r["split"] == ("held-out" if page_held_out(page) else "tune"), r
        assert firstpass.held_out(page) == page_held_out(page)
        held += r["split"] == "held-out"
    assert 0.15 < held / len(rows) < 0.25  # about a fifth of the pages


def test_first_pass_and_alternatives():
    assert firstpass.first_pass("Delete a dataset") == "destructive-described"
    assert firstpass.first_pass("Forcefully remove a container") == "destructive-described"
    assert firstpass.first_pass("List running containers") == "read-described"
    assert firstpass.first_pass("Create a bucket") == "other"
    assert label.alternatives_fixed("kubectl completion {{bash|zsh|fish}}") == "kubectl completion bash"
    assert label.alternatives_fixed("rm {{[-r|--recursive]}} {{path/to/dir}}") is None
    assert label.alternatives_fixed("docker inspect -f '\\{\\{json .Config\\}\\}' {{container}}") is None


@pytest.mark.skipif(not CORPUS.exists(), reason=f"the shared tldr corpus is not on this machine ({CORPUS})")
def test_labels_cover_the_corpus_and_match_the_rules(rows):
    corpus = label.load_corpus(CORPUS)
    assert sorted(ex["id"] for ex in corpus) == [r["id"] for r in rows]
    for ex in corpus:
        assert label.page_of(ex["id"]) == ex["page"]
    assert label.build(corpus, label.load_rules()) == rows, "labels.jsonl is stale: run bench/tldr/label.py"


def test_peer_corpora_well_formed():
    dirs = sorted(p for p in PEERS.iterdir() if p.is_dir())
    assert [d.name for d in dirs] == ["cc-safety-net", "rampart"]
    for d in dirs:
        assert (d / "LICENSE").is_file() and (d / "NOTICE.md").is_file(), d
        seen = set()
        files = sorted(d.glob("*.jsonl"))
        assert files, d
        for f in files:
            for line in f.read_text(encoding="utf-8").splitlines():
                obj = json.loads(line)
                assert set(obj) == {"command", "their_label", "expect", "category", "id"}, obj
                assert obj["expect"] in ("allow", "block", None), obj
                assert obj["command"].strip() and obj["command"] not in seen, obj
                seen.add(obj["command"])


def test_scores_split_and_count_errors_against_interlock():
    sys.path.insert(0, str(REPO / "bench"))
    import external

    def row(label, split, decision, first_pass="other", verb="x"):
        return {"label": label, "split": split, "decision": decision, "first_pass": first_pass, "verb": verb}

    rows = [row("destructive", "tune", "ask"), row("destructive", "tune", "allow"),
            row("destructive", "tune", "error"), row("destructive", "held-out", "deny"),
            row("read", "tune", "allow"), row("read", "tune", "error"), row("read", "held-out", "allow")]
    s = external.tldr_scores(rows)
    assert s["destructive"] == {"tune": (1, 3), "held-out": (1, 1), "all": (2, 4)}
    assert s["read"] == {"tune": (1, 2), "held-out": (0, 1), "all": (1, 3)}
    assert s["errors"] == 2
    assert external.gap(s["destructive"]["tune"], s["destructive"]["held-out"]) == "+66.67 pts"
    assert external.pct(1, 400) == "1/400 (0.25%)" and external.pct(0, 0) == "–"
