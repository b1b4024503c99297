"""The bash parser (tree-sitter-bash), loaded once and only when a shell command needs it."""

from __future__ import annotations

_PARSER = None


def _load_language():
    # tree_sitter_bash/__init__.py imports importlib.resources (~7 ms) only to
    # serve query files we never use; load the compiled binding directly.
    import importlib.machinery
    import importlib.util
    import os

    spec = importlib.util.find_spec("tree_sitter_bash")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("tree-sitter-bash is not installed")
    pkg_dir = list(spec.submodule_search_locations)[0]
    for fname in os.listdir(pkg_dir):
        if fname.startswith("_binding") and fname.endswith((".so", ".pyd")):
            loader = importlib.machinery.ExtensionFileLoader(
                "tree_sitter_bash._binding", os.path.join(pkg_dir, fname))
            bspec = importlib.util.spec_from_file_location(
                "tree_sitter_bash._binding", os.path.join(pkg_dir, fname), loader=loader)
            mod = importlib.util.module_from_spec(bspec)
            loader.exec_module(mod)
            return mod.language()
    import tree_sitter_bash  # fall back to the documented way

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
