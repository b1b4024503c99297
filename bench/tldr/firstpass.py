"""First pass over the tldr corpus: a label from the description's first verb.

Imported by label.py (which applies the hand rules on top) and by the tests.
Standard library only.
"""

from __future__ import annotations

import hashlib
import re

#: Words skipped before the verb: "Forcefully delete", "Recursively remove", "[f]orce stop".
ADVERBS = {"force", "forcefully", "forcibly", "recursively", "permanently", "interactively", "automatically",
           "securely", "quickly", "completely", "immediately", "safely", "silently", "also", "then", "just",
           "non-interactively", "manually", "selectively", "gracefully", "instantly", "irreversibly", "entirely"}

DESTRUCTIVE_VERBS = {
    # the list (582 examples in the session-5 measurement)
    "delete", "destroy", "drop", "wipe", "erase", "terminate", "purge", "overwrite", "truncate", "format", "shred",
    # the brief's additions
    "remove", "kill", "stop", "reset", "revoke", "uninstall",
    # the same effects under other verbs
    "prune", "flush", "discard", "deregister", "unregister", "undefine", "unset", "shutdown", "reboot",
    "halt", "poweroff", "evict", "nuke", "zap", "rm", "unlink", "deprovision", "decommission", "expunge",
}

READ_VERBS = {
    "list", "show", "display", "print", "get", "view", "search", "find", "check", "count", "query",
    "describe", "inspect", "read", "locate", "lookup", "look", "browse", "preview", "retrieve", "output",
}


def first_verb(description: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z-]*", description.lower())
    for w in words[:4]:
        if w in ADVERBS:
            continue
        if w == "shut" or w == "power":  # "Shut down", "Power off"
            return {"shut": "shutdown", "power": "poweroff"}[w] if len(words) > 1 else w
        return w
    return ""


def first_pass(description: str) -> str:
    """destructive-described | read-described | other."""
    v = first_verb(description)
    if v in DESTRUCTIVE_VERBS:
        return "destructive-described"
    if v in READ_VERBS:
        return "read-described"
    return "other"


def held_out(page: str) -> bool:
    """The split every helper uses: a page is held out when sha256(page) % 5 == 0."""
    return int(hashlib.sha256(page.encode()).hexdigest(), 16) % 5 == 0
