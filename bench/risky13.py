"""Session 13's blind round of risky (ask-level) agent actions and their ordinary look-alikes, through every agent's hook.

The corpus is ``bench/chain/risky13/cases.jsonl`` (written by ``bench/chain/risky13/make.py`` before reading the
analysis code, in spellings and tools not in tests/ or bench/ before it), in round 10's format.  A case falls into
one half by a hash of its id: ``fix`` (the tune half, the round's fixes were made from) or ``heldout`` (measured,
never read or fixed from).  Risky cases are labelled ``destructive`` (asked or denied is right), look-alikes
``read`` (allowed is right).

    python bench/risky13.py               # writes bench/results/risky13.md and risky13-details.md
    python bench/risky13.py --part fix    # only the tune half
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402  (the runner: payloads per agent, the real hooks, scoring)

CASES = HERE / "chain" / "risky13" / "cases.jsonl"


def half(case: dict) -> str:
    return "heldout" if int(hashlib.sha256(case["id"].encode()).hexdigest(), 16) % 2 else "fix"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="risky13", title="Risky round 13 (blind)", split=half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
