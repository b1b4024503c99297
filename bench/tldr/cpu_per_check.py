#!/usr/bin/env python3
"""CPU per ``check_command`` on the tldr tune split (one example in ten), in-process — load-independent.

    .venv/bin/python bench/tldr/cpu_per_check.py [label]
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/tldr/cpu_per_check.py base

Run it for two checkouts side by side (the PYTHONPATH one is imported first) and compare; best of three passes.
Held-out pages are skipped.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from firstpass import held_out  # noqa: E402

CORPUS = Path(os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))


def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    label = (argv or sys.argv[1:] or ["this checkout"])[0]
    cmds = []
    for i, line in enumerate(CORPUS.read_text().splitlines()):
        e = json.loads(line)
        if i % 10 == 0 and not held_out(e["page"]):
            cmds.append(e["cmd"])
    root = Path(tempfile.mkdtemp(prefix="cpu-per-check-"))
    home = root / "home"
    ws = home / "projects" / "app"
    ws.mkdir(parents=True)
    os.environ.update(HOME=str(home), INTERLOCK_HOME=str(root / "state"), INTERLOCK_DAEMON="0")
    import interlock
    from interlock.engine import check_command

    for c in cmds[:200]:  # warm the caches
        check_command(c, cwd=str(ws), home=str(home), workspace=str(ws))
    best = None
    for _ in range(3):
        t = _cpu()
        for c in cmds:
            check_command(c, cwd=str(ws), home=str(home), workspace=str(ws))
        d = _cpu() - t
        best = d if best is None else min(best, d)
    print(f"{label} ({Path(interlock.__file__).parent}): {len(cmds)} commands, "
          f"{1000 * best / len(cmds):.3f} ms CPU per check_command (best of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
