"""Build bench/agentcmds4/commands.jsonl from raw/ — the same format, labels and split rule as bench/agentcmds.

    python bench/agentcmds4/build.py

A fourth, independent corpus of commands real coding agents ran (README.md), from repositories none of
bench/agentcmds, agentcmds2 and agentcmds3 read. bench/agentcmds2/build.py's ``build``/``main`` (and through them
bench/agentcmds/build.py's parser, ``#label:`` lines, main/master relabel and split) run on this corpus's raw/ —
imported, not copied. Standard library only.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("agentcmds2_build", HERE.parent / "agentcmds2" / "build.py")
C2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C2)
build = lambda: C2.build(HERE / "raw")  # noqa: E731  (the corpus test calls build())

if __name__ == "__main__":
    sys.exit(C2.main(HERE / "raw", HERE / "commands.jsonl"))
