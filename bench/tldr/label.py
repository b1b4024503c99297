#!/usr/bin/env python3
"""Label the tldr corpus: the first pass by description verb, then the hand rules.

    python bench/tldr/label.py [--corpus PATH] [--out bench/tldr/labels.jsonl] [--check]

Reads /work/shared/corpora/tldr-examples.jsonl (or --corpus, or $TLDR_CORPUS), applies
firstpass.first_pass() and rules.toml, and writes labels.jsonl (one line per example id,
sorted by id): {"id", "label", "split"} plus {"rule", "why"} when a hand rule set the label
(no "rule": the first-pass default for the description's verb), and "cmd" when the corpus's command
read `{{a|b|c}}` alternatives as a pipeline (then "cmd" is the command with the first alternative). --check regenerates in memory and exits 1 if labels.jsonl differs.
Standard library only (Python >= 3.11 for tomllib). See RULES.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from firstpass import first_pass, held_out  # noqa: E402

DEFAULT_CORPUS = Path(os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))
RULES = HERE / "rules.toml"
LABELS = HERE / "labels.jsonl"
LABELS_ALLOWED = ("destructive", "ordinary-delete", "benign", "read", "secret-read", "other")
DEFAULTS = {"destructive-described": "destructive", "read-described": "read", "other": "other"}


def load_rules(path: Path = RULES) -> list[dict]:
    rules = tomllib.loads(path.read_text(encoding="utf-8"))["rule"]
    seen = set()
    for r in rules:
        if r["id"] in seen:
            raise ValueError(f"duplicate rule id {r['id']}")
        seen.add(r["id"])
        if r["label"] not in LABELS_ALLOWED:
            raise ValueError(f"rule {r['id']}: unknown label {r['label']}")
        r["_pages"] = set(r.get("pages", ()))
        for k in ("cmd", "desc", "not_cmd"):
            if k in r:
                r["_" + k] = re.compile(r[k])
        r["_applies"] = set(r.get("applies", ["destructive-described"]))
    return rules


PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")  # tldr escapes literal braces as \{\{ … \}\}, which never hold "{{"


def alternatives_fixed(template: str) -> str | None:
    """The command with each bare `{{a|b|c}}` placeholder as its first alternative, or None if there is none.

    The corpus turns `{{[a|b]}}` into `a` but leaves `{{bash|zsh|fish}}` as `bash|zsh|fish`, which reads
    as a pipeline into `zsh` and `fish`; the shared README says to drop or fix those. We fix them the
    way the corpus treats bracketed alternatives (and drop `...` as it does)."""
    if not any("|" in m.group(1) and not (m.group(1).startswith("[") and m.group(1).endswith("]"))
               for m in PLACEHOLDER.finditer(template)):
        return None

    def first(m):
        inner = m.group(1)
        if inner.startswith("[") and inner.endswith("]") and "|" in inner:
            inner = inner[1:-1].split("|")[0]
        elif "|" in inner:
            inner = inner.split("|")[0]
        return inner.replace(" ...", "").replace("...", "")

    return PLACEHOLDER.sub(first, template)


def match(rule: dict, ex: dict, fp: str) -> bool:
    if fp not in rule["_applies"]:
        return False
    if rule["_pages"] and ex["page"] not in rule["_pages"]:
        return False
    if "_cmd" in rule and not rule["_cmd"].search(ex["cmd"]):
        return False
    if "_desc" in rule and not rule["_desc"].search(ex["description"]):
        return False
    if "_not_cmd" in rule and rule["_not_cmd"].search(ex["cmd"]):
        return False
    return True


def label_one(ex: dict, rules: list[dict]) -> dict:
    fp = first_pass(ex["description"])
    row = {"id": ex["id"], "label": DEFAULTS[fp], "split": "held-out" if held_out(ex["page"]) else "tune"}
    fixed = alternatives_fixed(ex.get("template", ""))
    if fixed is not None and fixed != ex["cmd"]:
        row["cmd"] = fixed  # the command the bench judges (and the rules read) instead of the corpus's
        ex = dict(ex, cmd=fixed)
    for r in rules:
        if match(r, ex, fp):
            row.update(label=r["label"], rule=r["id"], why=r["why"])
            break
    return row


def page_of(example_id: str) -> str:
    """The page inside an id `tldr-<platform>-<page>-<n>` (platforms have no '-'; pages may)."""
    return example_id.split("-", 2)[2].rsplit("-", 1)[0]


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build(corpus: list[dict], rules: list[dict]) -> list[dict]:
    return sorted((label_one(ex, rules) for ex in corpus), key=lambda r: r["id"])


def dumps(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=LABELS)
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from a fresh labelling")
    args = ap.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (set --corpus or TLDR_CORPUS)", file=sys.stderr)
        return 2
    rows = build(load_corpus(args.corpus), load_rules())
    text = dumps(rows)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("labels up to date" if same else f"{args.out} differs from a fresh labelling", file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    print(f"{len(rows)} labels -> {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
