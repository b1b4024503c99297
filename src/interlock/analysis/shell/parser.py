"""The bash parser (tree-sitter-bash), loaded once and only when a shell command needs it."""

from __future__ import annotations

_PARSER = None


def _binding(package: str):
    """Import ``package._binding`` (a compiled extension) without running the package's
    ``__init__``: tree_sitter's imports typing (~2.5 ms) and tree_sitter_bash's imports
    importlib.resources (~7 ms), on every hook call, for things we never use.  The bare
    package module registered instead re-exports everything the binding has, so later
    ``import tree_sitter`` users in the same process see the documented names."""
    import os
    import sys
    import types

    if package in sys.modules:
        return sys.modules[package]
    for base in sys.path:
        d = os.path.join(base or ".", package)
        if os.path.isfile(os.path.join(d, "__init__.py")):
            pkg = types.ModuleType(package)
            pkg.__path__ = [d]
            pkg.__file__ = os.path.join(d, "__init__.py")
            sys.modules[package] = pkg
            try:
                mod = __import__(package + "._binding", fromlist=["_binding"])
            except ImportError:
                del sys.modules[package]
                break
            for k in dir(mod):
                if not k.startswith("__"):
                    setattr(pkg, k, getattr(mod, k))
            return pkg
    return __import__(package)


def parser():
    global _PARSER
    if _PARSER is None:
        ts = _binding("tree_sitter")
        lang = _binding("tree_sitter_bash").language()
        _PARSER = ts.Parser(ts.Language(lang))
    return _PARSER


def parse(source: str):
    """Parse ``source`` and return its tree (error-tolerant: never raises on bad shell).

    A newline is added when the source does not end with one: the same program to a shell, and
    tree-sitter-bash then decides a pipeline of three or more stages without the lookahead it
    otherwise spends at the end of input (``a | b | c``: 49 µs → 3.6 µs).  Every node keeps its
    byte offsets in ``source``."""
    data = source.encode("utf-8", "surrogateescape")
    if not data.endswith(b"\n"):
        data += b"\n"
    return parser().parse(data)
