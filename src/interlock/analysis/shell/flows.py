"""Data flow of whole collections: a command that lists every member of a collection (every namespace,
container, bucket...) feeding a command that consumes the list.

What such a producer prints is unknown text, but not any unknown text: it is *every* member of the
collection.  The words it stands for carry that fact — an unknown word (it still holds
``UNKNOWN_MARK``, so everything that does not know the mark treats it as unknown, as before) tagged
with the collection's id — through every channel the shell hands output on: ``| xargs CMD``, ``$(…)``
and backticks in arguments, ``for x in $(…)``, ``… | while read x``.  The consumer's handler sees the
tag and judges the command as its explicit all-form (``kubectl delete namespaces --all``).

Producers and the stages that keep a whole collection are data: ``knowledge/collections.toml``.
"""

from __future__ import annotations


from ...lazyre import LazyRe
from ..paths import UNKNOWN_MARK as U

_data = None
_MARK = LazyRe("\x00" + r"every:([A-Za-z0-9:._,/~+@-]+)" + "\x00")  # (UNKNOWN_MARK around the id)


def _load():
    global _data
    if _data is None:
        import re
        from ...knowledge import load

        raw = load("collections.toml")
        producers = []
        for p in raw.get("producer", []):
            producers.append((re.compile(p["match"]), re.compile(p["unless"]) if p.get("unless") else None,
                              p["collection"], p.get("label", "every member of " + p["collection"]),
                              p.get("hits", []), p.get("misses", [])))
        ps = raw.get("pass", {})
        _data = {"producers": producers, "programs": frozenset(ps.get("programs", [])),
                 "forms": [re.compile(f) for f in ps.get("forms", [])], "labels": {},
                 "pass_hits": ps.get("hits", []), "pass_misses": ps.get("misses", [])}
    return _data


def mark(collection: str) -> str:
    """The word standing for every member of ``collection``."""
    return U + "every:" + collection + U


def every(word) -> str | None:
    """The collection a word stands for every member of, or None."""
    if not word or U not in word:
        return None
    m = _MARK.search(word)
    return m.group(1) if m else None


def label(collection: str) -> str:
    """`every namespace kubectl lists` for kube:namespace."""
    if collection.startswith(("fs-names:", "fs-paths:")):
        return "every entry of " + collection.split(":", 1)[1]
    d = _load()
    got = d["labels"].get(collection)
    if got is None:
        got = "every member of " + collection
        kind = collection.split(":", 1)[1] if ":" in collection else ""
        for rx, _, coll, lab, _, _ in d["producers"]:
            if coll == collection or (coll.endswith("{type}") and collection.startswith(coll[:-6])):
                got = lab.replace("{type}", kind)
                break
        d["labels"][collection] = got
    return got


def show(text: str) -> str:
    """Text with every collection word written as what it stands for: `<every namespace kubectl lists>`."""
    if not text or U not in text:
        return text
    return _MARK.sub(lambda m: "<" + label(m.group(1)) + ">", text)


def _text(argv) -> str:
    name = argv[0].rsplit("/", 1)[-1]
    return " ".join([name] + [x.replace(U, "$?") for x in argv[1:]])


def produces(argv) -> str | None:
    """The collection a command lists in whole (its id), or None."""
    if not argv or U in argv[0]:
        return None
    from ..paths import listing

    got = listing(argv)  # `ls DIR`, `ls -d DIR/*`: the entries of a directory (paths.listing)
    if got:
        return got
    text = _text(argv)
    for rx, unless, coll, _, _, _ in _load()["producers"]:
        m = rx.search(text)
        if m and not (unless and unless.search(text)):
            kind = m.groupdict().get("type")
            if kind is not None:
                if "$?" in kind:
                    return None
                kind = kind.split(",")[0].split(".")[0].lower()
                return coll.replace("{type}", kind)
            return coll
    return None


def passes(argv) -> bool:
    """Does this stage hand on every line it reads (in some shape)?"""
    if not argv or U in argv[0]:
        return False
    d = _load()
    name = argv[0].rsplit("/", 1)[-1]
    if name in d["programs"]:
        return True
    text = _text(argv)
    return any(f.search(text) for f in d["forms"])


def stage(argv, piped=None) -> str | None:
    """The collection a pipeline stage's output stands for: it lists one, or hands on the one it reads."""
    if not argv:
        return None
    if piped is not None and passes(argv):
        return piped
    name = argv[0].rsplit("/", 1)[-1]
    if name in ("sudo", "command", "env", "nice", "time", "timeout") and len(argv) > 1:
        k = 1
        while k < len(argv) and (argv[k].startswith("-") or "=" in argv[k] or (name == "timeout" and k == 1)):
            k += 1
        return stage(argv[k:], piped)
    return produces(argv)


def stdin_collection(stdin) -> str | None:
    """The collection a command's stdin carries (a pipe from a producer), or None."""
    if stdin and stdin[0] == "unknown" and len(stdin) > 2:
        return stdin[2]
    return None
