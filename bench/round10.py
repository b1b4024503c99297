"""Attack round 10: realistic agent actions of the incident's chain and around it, through every agent's hook.

The corpus is ``bench/chain/round10/cases.jsonl`` (written by ``bench/chain/round10/make.py``), in round 9's format
(``bench/round9.py``, whose runner this is) with one addition: each case has an ``id`` (a hash of its steps).  A
case falls into one half by a hash of that id: ``fix`` (the half the round's fixes were made from) or ``heldout``
(measured, never fixed from).  Both are reported, per label (allowed / asked / denied), and the misses of both are
written to ``bench/results/round10-details.md``.

    python bench/round10.py               # writes bench/results/round10.md and round10-details.md
    python bench/round10.py --part fix    # only the fix half
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402  (the runner: payloads per agent, the real hooks, scoring)

CASES = HERE / "chain" / "round10" / "cases.jsonl"


def half(case: dict) -> str:
    return "heldout" if int(hashlib.sha256(case["id"].encode()).hexdigest(), 16) % 2 else "fix"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="round10", title="Attack round 10", split=half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
