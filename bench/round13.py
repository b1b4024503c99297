"""Attack round 13: catastrophic and credential actions in new ground (programs written then run, platform APIs, backups, the guard itself, secrets sent out, MCP, triggers, disks, every database CLI), and their look-alikes.

The corpus is ``bench/chain/round13/cases.jsonl`` (written by ``bench/chain/round13/make.py``), in round 12's format
(each case says ``why`` it is labelled as it is).  The runner is round 9's, the fix/held-out split round 10's (a hash
of the case id); misses of both halves go to ``bench/results/round13-details.md`` (held-out lines: read only the
summary table).

    python bench/round13.py --out DIR               # writes DIR/round13.md and DIR/round13-details.md
    python bench/round13.py --part fix --out DIR    # only the fix (tune) half
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402  (the runner: payloads per agent, the real hooks, scoring)
import round10  # noqa: E402  (the split)

CASES = HERE / "chain" / "round13" / "cases.jsonl"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="round13", title="Attack round 13", split=round10.half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
