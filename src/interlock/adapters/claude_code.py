"""Moved: the agent's module is :mod:`interlock.agents.claude_code` (this name stays for old imports; it is
the same module object)."""

import sys

from ..agents import claude_code as _module

sys.modules[__name__] = _module
