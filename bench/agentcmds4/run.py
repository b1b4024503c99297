"""Commands real agents ran, fourth corpus (bench/agentcmds4), judged in-process: false alarms and catches per split.

    python bench/agentcmds4/run.py [--jobs 2] [--split tune|held-out|all] [--out DIR] [--tag -x] [--json FILE]

bench/agentcmds2/run.py's ``main`` (its ``localise``, ``family`` and report, and through it bench/agentcmds/run.py's
mapping of the log's project and home onto the bench fixture, bench/run.py's fixture and bench/external.py's ``judge``
and ``split_scores``) run on this corpus — imported, not copied. Held-out commands are counted, never listed.
Output: ``bench/results/agentcmds4-<date><tag>.md``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "commands.jsonl"
_spec = importlib.util.spec_from_file_location("agentcmds2_run", HERE.parent / "agentcmds2" / "run.py")
C2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C2)


def main(argv: list[str] | None = None) -> int:
    return C2.main(argv, corpus=CORPUS, name="agentcmds4")


if __name__ == "__main__":
    sys.exit(main())
