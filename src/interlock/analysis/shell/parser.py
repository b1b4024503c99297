"""The bash parser (tree-sitter-bash), loaded once and only when a shell command needs it."""

from __future__ import annotations

_PARSER = None


def _load_language():
    # tree_sitter_bash/__init__.py imports importlib.resources (~7 ms, on every hook
    # call) only to serve query files we never use.  Load the compiled binding alone by
    # registering a bare package module first; it gets the documented ``language``.
    import os
    import sys
    import types

    if "tree_sitter_bash" not in sys.modules:
        for base in sys.path:
            d = os.path.join(base or ".", "tree_sitter_bash")
            if os.path.isfile(os.path.join(d, "__init__.py")):
                pkg = types.ModuleType("tree_sitter_bash")
                pkg.__path__ = [d]
                pkg.__file__ = os.path.join(d, "__init__.py")
                sys.modules["tree_sitter_bash"] = pkg
                try:
                    from tree_sitter_bash import _binding
                except ImportError:
                    del sys.modules["tree_sitter_bash"]
                    break
                pkg.language = _binding.language
                return _binding.language()
    import tree_sitter_bash  # the documented way

    return tree_sitter_bash.language()


def parser():
    global _PARSER
    if _PARSER is None:
        from tree_sitter import Language, Parser

        _PARSER = Parser(Language(_load_language()))
    return _PARSER


def parse(source: str):
    """Parse ``source`` and return its tree (error-tolerant: never raises on bad shell)."""
    return parser().parse(source.encode("utf-8", "surrogateescape"))
