"""Moved: the agent's module is :mod:`interlock.agents.cursor` (this name stays for old imports; it is
the same module object)."""

import sys

from ..agents import cursor as _module

sys.modules[__name__] = _module
