"""Tool knowledge as data: ``clis/<tool>.toml`` (one file per command-line tool, with its own
examples) and ``generic.toml`` (the verb model for tools without a file).  Read by
``interlock.analysis.shell.clis``; see docs/knowledge.md."""

import os as _os

DIR = _os.path.dirname(__file__)


def path(name: str) -> str:
    """The knowledge file ``name`` (e.g. ``"runners.toml"``)."""
    return _os.path.join(DIR, name)


def load(name: str) -> dict:
    """The knowledge file ``name``, parsed (callers keep what they derive from it: read once)."""
    import tomllib

    with open(path(name), "rb") as fh:
        return tomllib.load(fh)
