"""The one bounded memo the analysis uses for its pure functions (text or path → answer)."""

from __future__ import annotations


def remember(memo: dict, key, value, limit: int):
    """Store ``value`` under ``key`` and return it; a memo that reached ``limit`` entries starts
    over (cheaper than an LRU, and the working set — one session's commands and paths — is small)."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
