"""Attack round on the lead's eleventh-session mechanisms: realistic agent actions through every agent's hook.

The corpus is ``bench/chain/attack_lead11/cases.jsonl`` (written by ``bench/chain/attack_lead11/make.py``), in
round 10's format (``bench/round9.py`` is the runner).  A case falls into one half by a hash of its id: ``fix``
(the half the round's fixes were made from) or ``heldout`` (measured, never fixed from).

    python bench/attack_lead11.py      # writes bench/results/attack_lead11.md and attack_lead11-details.md
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import round9  # noqa: E402
from round10 import half  # noqa: E402  (the same split: a hash of the case id)

CASES = HERE / "chain" / "attack_lead11" / "cases.jsonl"


def main(argv=None) -> int:
    return round9.main(argv, corpus=CASES, name="attack_lead11", title="Attack round on the lead's session-11 mechanisms",
                       split=half, doc=__doc__)


if __name__ == "__main__":
    sys.exit(main())
