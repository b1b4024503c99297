"""Attack round 11: catastrophic and credential actions written blind, and their benign look-alikes, through every agent's hook.

The corpus is ``bench/chain/round11/cases.jsonl`` (written by ``bench/chain/round11/make.py``), in round 10's format
with one addition: each case says ``why`` it is labelled as it is.  The runner is round 9's, the fix/held-out split
round 10's (a hash of the case id); misses of both halves go to ``bench/results/round11-details.md``.

    python bench/round11.py               # writes bench/results/round11.md and round11-details.md
    python bench/round11.py --part fix    # only the fix half
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402  (the runner: payloads per agent, the real hooks, scoring)
import round10  # noqa: E402  (the split)

CASES = HERE / "chain" / "round11" / "cases.jsonl"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="round11", title="Attack round 11", split=round10.half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
