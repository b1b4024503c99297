"""How ``interlock doctor`` reads a hook's answer as the agent would: each agent module's
``doctor_verdict`` is :func:`json_verdict` with the field its agent reads."""

from __future__ import annotations

import json


def json_verdict(returncode: int, stdout: str, field, exit2_blocks=True) -> str:
    """allow / ask / deny as the agent would read a JSON hook answer; 'broken' if it reads none.
    ``field(reply)`` is the decision in the agent's terms; exit 2 blocks where ``exit2_blocks``."""
    if returncode == 2 and exit2_blocks:
        return "deny"
    if returncode != 0:
        return "broken"  # a non-blocking error: the agent proceeds
    out = stdout.strip()
    if not out:
        return "allow"
    try:
        d = json.loads(out)
    except ValueError:
        return "broken"
    if not isinstance(d, dict):
        return "broken"
    v = field(d)
    return v if v in ("allow", "ask", "deny") else "allow" if v is None else "broken"
