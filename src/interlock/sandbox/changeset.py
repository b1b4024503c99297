"""One reviewable change set of a sandbox: what ``interlock sandbox diff`` and the dashboard show."""

from __future__ import annotations


def gather(sb, env, home, with_diff=False) -> dict:
    """Files (and, with ``with_diff``, their unified diff), SQL statements, rows per table, API mutations."""
    from . import dbbranch, record
    from .changes import file_changes, render_file_diff

    changes = file_changes(sb)
    out = {"id": sb.id, "workspace": sb.workspace, "mode": sb.mode, "running": sb.running_pid(),
           "created": sb.meta.get("created"), "files": [c.to_dict() for c in changes],
           "sql": [dict(s, number=i) for i, s in enumerate(dbbranch.statements(sb), 1)],
           "databases": sb.meta.get("databases") or {}, "tables": [], "tables_error": None,
           "api_mutations": [dict(m, number=i) for i, m in enumerate(record.load(sb), 1)]}
    if out["databases"]:
        try:
            out["tables"] = dbbranch.effect(sb, env)
        except Exception as e:  # noqa: BLE001
            from ..redact import redact

            out["tables_error"] = redact(f"{type(e).__name__}: {e}")[:300]
    from . import mybranch

    out["mysql_sql"] = mybranch.statements(sb)  # not replayable: shown for review
    for name, info in out["databases"].items():
        if info.get("kind") == "mysql":
            out["tables"] += info.get("effect") or []
            if info.get("effect_error"):
                out["tables_error"] = info["effect_error"]
    if with_diff:
        out["diff"] = render_file_diff(sb, changes, home)
    out["_changes"] = changes
    return out
