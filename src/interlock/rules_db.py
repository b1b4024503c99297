"""Rules for database clients, SQL statements and framework tasks (handlers in analysis/shell/databases.py).

Same shape as ``interlock.rules``: every rule has hits and misses, run by tests/test_rules.py.
"""

from __future__ import annotations

from .rules import Rule as _R  # noqa: F401  (rules.py imports this module at the end of its own import)

#: Program names the handlers module registers (looked up lazily by programs.py).
PROGRAMS = ()

RULES = [
]
