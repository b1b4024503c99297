"""A rental-bookings MCP server for the MCP gateway's tests: the SDK's MCPServer (FastMCP in 1.x)
over a SQLite file, with read tools, SQL, and tools that delete.  ``RENTAL_DB`` names the file."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field
from mcp_types import ToolAnnotations

DB = os.environ.get("RENTAL_DB") or (sys.argv[1] if len(sys.argv) > 1 else "rentals.db")
app = MCPServer("rentals", instructions="Bookings of a small rental business.")


def _db():
    con = sqlite3.connect(DB)
    con.row_factory = sqlite3.Row
    return con


def seed(path, rows=5):
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE IF NOT EXISTS bookings (id INTEGER PRIMARY KEY, customer TEXT, day TEXT);"
                      "CREATE TABLE IF NOT EXISTS audit_trail (id INTEGER PRIMARY KEY, note TEXT);")
    con.executemany("INSERT INTO bookings (customer, day) VALUES (?, ?)",
                    [(f"customer {i}", f"2026-07-{i + 1:02d}") for i in range(rows)])
    con.commit()
    con.close()


@app.tool()
def list_bookings() -> str:
    """Every booking, as JSON."""
    with _db() as con:
        return json.dumps([dict(r) for r in con.execute("SELECT * FROM bookings ORDER BY id")])


@app.tool()
def run_sql(sql: str) -> str:
    """Run one SQL statement; rows come back as JSON."""
    con = _db()
    try:
        cur = con.execute(sql)
        rows = [dict(r) for r in cur.fetchall()]
        con.commit()
        return json.dumps(rows)
    finally:
        con.close()


@app.tool()
def maintenance(operation: Annotated[str, Field(description="The SQL statement to execute on the bookings "
                                                            "database")]) -> str:
    """Housekeeping: an argument whose name says nothing; its schema says it is SQL."""
    return run_sql(operation)


@app.tool()
def delete_booking(id: int) -> str:
    """Delete one booking."""
    with _db() as con:
        n = con.execute("DELETE FROM bookings WHERE id = ?", (id,)).rowcount
    return f"deleted {n}"


@app.tool()
def drop_table(name: str) -> str:
    """Drop a table."""
    with _db() as con:
        con.execute(f'DROP TABLE "{name}"')
    return f"dropped {name}"


@app.tool(annotations=ToolAnnotations(destructive_hint=True, read_only_hint=False))
def archive_bookings(before: str) -> str:
    """Move old bookings out of the table (the name does not say it deletes; the annotation does)."""
    with _db() as con:
        n = con.execute("DELETE FROM bookings WHERE day < ?", (before,)).rowcount
    return f"archived {n}"


@app.tool()
def report(kind: str = "daily") -> str:
    """A report; kind "crash" makes the server die mid-call (for the fault tests)."""
    if kind == "crash":
        os._exit(3)
    return f"{kind} report: ok"


@app.resource("rentals://schema")
def schema() -> str:
    """The database schema."""
    with _db() as con:
        return "\n".join(r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))


@app.prompt()
def summarize(period: str = "week") -> str:
    """Ask for a summary of bookings."""
    return f"Summarize this {period}'s bookings."


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--seed":
        seed(DB)
    app.run()
