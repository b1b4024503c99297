"""Commands real agents ran, fourth corpus (bench/agentcmds4), judged in-process: false alarms and catches per split.

    python bench/agentcmds4/run.py [--jobs 2] [--split tune|held-out|all] [--out DIR] [--tag=-x] [--json FILE]

bench/agentcmds2/run.py's ``main`` (its report, and through it bench/agentcmds/run.py's mapping of the log's project
and home onto the bench fixture and bench/external.py's ``judge``) run on this corpus — imported, not copied.
Held-out commands are counted, never listed. Output: ``bench/results/agentcmds4-<date><tag>.md``.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("agentcmds2_run", HERE.parent / "agentcmds2" / "run.py")
C2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C2)

if __name__ == "__main__":
    sys.exit(C2.main(None, corpus=HERE / "commands.jsonl", name="agentcmds4"))
