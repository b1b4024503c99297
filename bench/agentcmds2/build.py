"""Build bench/agentcmds2/commands.jsonl from raw/ — the same format, labels and split rule as bench/agentcmds.

    python bench/agentcmds2/build.py

A second, independent corpus of commands real coding agents ran (see README.md): Codex CLI, Cursor, Gemini CLI,
GitHub Copilot, OpenCode, Grok CLI and Claude Code logs from repositories bench/agentcmds never read. The raw
format, the ``#label:`` lines, the rule-3 relabel of pushes to main/master and the split (a repository is
HELD-OUT when ``int(sha256(repo).hexdigest(), 16) % 3 == 0``) are bench/agentcmds/build.py's own — imported,
not copied. Commands are de-duplicated within this corpus only (its figures stand alone). Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "agentcmds"))
import build as B  # noqa: E402  (bench/agentcmds/build.py: parse(), held_out(), LABELS)

RAW = HERE / "raw"
OUT = HERE / "commands.jsonl"


def build(raw: Path = RAW) -> list[dict]:
    """Rows from ``raw``/*.txt (default: this corpus's raw/; bench/agentcmds3 passes its own), de-duplicated within it."""
    rows, seen = [], set()
    for path in sorted(raw.glob("*.txt")):
        head, entries = B.parse(path)
        for k, e in enumerate(entries):
            if e["command"] in seen:
                continue
            seen.add(e["command"])
            rows.append({"id": f"{path.stem}:{k}", "command": e["command"], "label": e["label"], "why": e["why"],
                         "source": f"{head['repo']}/{head['path']}", "repo": head["repo"], "agent": head["agent"],
                         "project": head.get("project", ""), "home": head.get("home", ""),
                         "split": "held-out" if B.held_out(head["repo"]) else "tune"})
    return rows


def main(raw: Path = RAW, out: Path = OUT) -> int:
    rows = build(raw)
    OUT_ = out
    OUT_.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    by: dict = {}
    for r in rows:
        by[(r["split"], r["label"])] = by.get((r["split"], r["label"]), 0) + 1
    print(f"{len(rows)} distinct commands from {len({r['repo'] for r in rows})} repositories -> "
          f"{OUT_.relative_to(HERE.parent.parent)}")
    for k in sorted(by):
        print(f"  {k[0]:9} {k[1]:12} {by[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
