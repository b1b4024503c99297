"""A regular expression compiled on first use.

Modules on the hook's import path keep their patterns as data at module level without
paying for ``re.compile`` on every hook call: most patterns are needed by few commands.
"""

import re


class LazyRe:
    __slots__ = ("args", "rx")

    def __init__(self, *args):
        self.args = args
        self.rx = None

    def __getattr__(self, name):
        if self.rx is None:
            object.__setattr__(self, "rx", re.compile(*self.args))
        return getattr(self.rx, name)
