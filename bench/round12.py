"""Attack round 12: the incident's classes written blind in other languages, channels and indirections, and their look-alikes.

The corpus is ``bench/chain/round12/cases.jsonl`` (written by ``bench/chain/round12/make.py``), in round 11's format
(each case says ``why`` it is labelled as it is).  The runner is round 9's, the fix/held-out split round 10's (a hash
of the case id); misses of both halves go to ``bench/results/round12-details.md`` (held-out lines: read only the
summary table).

    python bench/round12.py --out DIR               # writes DIR/round12.md and DIR/round12-details.md
    python bench/round12.py --part fix --out DIR    # only the fix (tune) half
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402  (the runner: payloads per agent, the real hooks, scoring)
import round10  # noqa: E402  (the split)

CASES = HERE / "chain" / "round12" / "cases.jsonl"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="round12", title="Attack round 12", split=round10.half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
