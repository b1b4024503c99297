"""Cloud and infrastructure CLIs (placeholder: filled in by the infra work)."""

HANDLERS = {}
