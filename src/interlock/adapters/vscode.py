"""Moved: the agent's module is :mod:`interlock.agents.vscode` (this name stays for old imports; it is
the same module object)."""

import sys

from ..agents import vscode as _module

sys.modules[__name__] = _module
