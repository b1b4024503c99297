"""The bounded memos the analysis uses: pure functions (text or path → answer), and what was
derived from a file while that file is unchanged."""

from __future__ import annotations

import os
import time

_TABLES: list = []  # every memo made by table() or FileMemo, for clear_all()


def table() -> dict:
    """A new memo (a plain dict, used with :func:`remember`), emptied by :func:`clear_all`."""
    d: dict = {}
    _TABLES.append(d)
    return d


def clear_all() -> None:
    """Forget every memoized answer (the benchmark measures analysis with nothing reused this way)."""
    for d in _TABLES:
        d.clear()


def remember(memo: dict, key, value, limit: int):
    """Store ``value`` under ``key`` and return it; a memo that reached ``limit`` entries starts
    over (cheaper than an LRU, and the working set — one session's commands and paths — is small)."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value


def recall(memo: dict, key, compute, limit: int):
    """``memo[key]``, computing and remembering it (``compute()``) the first time."""
    got = memo.get(key)
    if got is None:
        got = remember(memo, key, compute(), limit)
    return got


#: A file modified this recently may be modified again within the file system's timestamp
#: granularity without its stat changing (git's "racy" entries): what is read from it is not kept.
SETTLE_NS = 2_000_000_000


class FileMemo:
    """``path → compute(path)``, reused only while the file's identity, size, mtime and ctime (all
    nanoseconds) are those it had when it was read — the check git's index makes — and only for
    files that had settled by then.  The caller passes the ``os.stat`` result it already has."""

    __slots__ = ("_memo", "_limit")

    def __init__(self, limit: int = 256):
        self._memo = table()
        self._limit = limit

    def get(self, path: str, st: os.stat_result, compute):
        sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        got = self._memo.get(path)
        if got is not None and got[0] == sig:
            return got[1]
        value = compute(path)
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLE_NS:
            remember(self._memo, path, (sig, value), self._limit)
        return value
