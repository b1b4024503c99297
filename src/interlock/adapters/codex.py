"""Moved: the agent's module is :mod:`interlock.agents.codex` (this name stays for old imports; it is
the same module object)."""

import sys

from ..agents import codex as _module

sys.modules[__name__] = _module
