"""One rule of the catalogue (``interlock.rules``, ``rules_db``, ``rules_infra``): its id, severity,
why, and the examples it must catch and leave alone.  Imports nothing, so every catalogue
module imports on its own."""

from __future__ import annotations


class Rule:
    __slots__ = ("id", "severity", "why", "hits", "misses", "fix")

    def __init__(self, id, severity, why, hits, misses, fix=""):
        self.id, self.severity, self.why = id, severity, why
        self.hits, self.misses, self.fix = tuple(hits), tuple(misses), fix

    def to_dict(self):
        return {"id": self.id, "severity": self.severity, "why": self.why,
                "hits": list(self.hits), "misses": list(self.misses), "fix": self.fix}
