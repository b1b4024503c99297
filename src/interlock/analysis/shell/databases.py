"""Database clients and framework database tasks (placeholder: filled in by the databases work)."""

HANDLERS = {}
