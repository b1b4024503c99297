"""Tool knowledge as data: ``clis/<tool>.toml`` (one file per command-line tool, with its own
examples), ``generic.toml`` (the verb model for tools without a file) and the catalogues beside them
(processes, secret paths, what programs do with files…), each with its own examples.  ``model`` is the
one loader of a catalogue; ``clis/`` files are read by ``interlock.analysis.shell.clis``; see docs/knowledge.md."""

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


class KnowledgeError(ValueError):
    """A knowledge file that does not follow the schema (the message names file and entry)."""


_MODELS: dict = {}

# The broken knowledge files met while one action is judged.  A caller may answer "no finding" when its
# file cannot be read (it can't tell what the file would have said); the engine turns every trip recorded
# here into a fail-closed ``interlock.error``, so a broken file never silently means allow.
import contextvars as _cv

_TRIPPED: _cv.ContextVar = _cv.ContextVar("interlock_knowledge_tripped", default=None)


class watch:
    """``with watch() as tripped:`` — ``tripped`` is the list of KnowledgeErrors raised while inside."""

    def __enter__(self):
        self._list = []
        self._token = _TRIPPED.set(self._list)
        return self._list

    def __exit__(self, *exc):
        _TRIPPED.reset(self._token)
        return False


def trip(err: "KnowledgeError") -> "KnowledgeError":
    """Record that ``err`` was met (for the engine's fail-closed finding) and return it, to be raised."""
    seen = _TRIPPED.get()
    if seen is not None and all(str(e) != str(err) for e in seen):
        seen.append(err)
    return err


def _load_model(name, cls):
    """A model file of knowledge/ read once: the model, or the KnowledgeError that says why it can't be (kept, so
    every later call fails closed with the same reason)."""
    import tomllib

    try:
        return cls(load(name))
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as e:
        return KnowledgeError(f"{name}: {e}")


def model(name: str, cls):
    """The model ``cls`` of knowledge file ``name``, read once; a broken file raises its KnowledgeError on
    every call (the caller fails closed)."""
    m = _MODELS.get(name)
    if m is None:
        m = _MODELS[name] = _load_model(name, cls)
    if isinstance(m, KnowledgeError):
        raise trip(m)
    return m
