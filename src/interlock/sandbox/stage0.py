"""Stage 0, run by root inside ``unshare --mount --propagation private``: mount the workspace's overlay in
this private mount namespace, then become bubblewrap (which binds it into the sandbox).  The mount is
never visible outside this namespace and goes away with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main(spec_path: str) -> int:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    from .confine import empty_workdir

    empty_workdir(spec["workdir"])
    r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o", spec["options"], spec["workspace"]],
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        print("interlock sandbox: could not mount the workspace's overlay; nothing was started", file=sys.stderr)
        return 125
    os.execv(spec["bwrap"], [spec["bwrap"]] + spec["args"])
    return 126


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
