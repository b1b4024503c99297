"""Database branches for a sandbox (PostgreSQL ``CREATE DATABASE … TEMPLATE``; SQLite file copies)."""

from __future__ import annotations


def drop_all(sb, env) -> list[str]:
    """Drop every branch the sandbox made; the names dropped."""
    return []
