"""The dashboard's view of sandboxes (``interlock serve``: /sandboxes): each change set, read-only."""

from __future__ import annotations

import os


def sandbox_list(env) -> list[dict]:
    from . import store
    from .changeset import gather

    out = []
    for sb in store.all_sandboxes(env):
        try:
            cs = gather(sb, env, env.get("HOME") or os.path.expanduser("~"))
        except Exception as e:  # noqa: BLE001 - one broken sandbox does not hide the others
            out.append({"id": sb.id, "workspace": sb.workspace, "error": f"{type(e).__name__}"})
            continue
        cs.pop("_changes", None)
        out.append(cs)
    return out


def sandbox_detail(env, sid: str) -> dict | None:
    from . import store
    from .changeset import gather

    try:
        sb = store.load(env, sid)
    except store.SandboxError:
        return None
    cs = gather(sb, env, env.get("HOME") or os.path.expanduser("~"), with_diff=True)
    cs.pop("_changes", None)
    return cs
