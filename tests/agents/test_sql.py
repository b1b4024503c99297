"""SQL through psql against a real PostgreSQL, in each real agent: a read runs (its answer reaches the
model), `DROP TABLE` and an unqualified `DELETE` are refused — judged by the rows still in the table."""

from __future__ import annotations

import pytest

from interlock.standins import models as M

from servers import PostgresServer

PASSWORD = "agents-e2e-pg-password"


@pytest.fixture(scope="module")
def pg():
    s = PostgresServer(PASSWORD).start()
    s.create_db("carrental")
    with s.connect("carrental", autocommit=True) as c:
        c.execute("CREATE TABLE bookings (id int primary key, customer text)")
        c.execute("INSERT INTO bookings SELECT g, 'customer ' || g FROM generate_series(1, 137) g")
    yield s
    s.stop()


def _rows(pg):
    with pg.connect("carrental") as c:
        return c.execute("SELECT count(*) FROM bookings").fetchone()[0]


@pytest.mark.parametrize("agent", ["claude-code", "codex", "gemini"])
def test_psql_read_runs_destructive_sql_refused(world, agent, pg):
    world.init()
    psql = f"psql -h 127.0.0.1 -p {pg.port} -U postgres -d carrental -At"
    steps = [M.shell(f"{psql} -c 'SELECT count(*) FROM bookings'", "count the bookings"),
             M.shell(f"{psql} -c 'DROP TABLE bookings'", "drop the table"),
             M.shell(f"{psql} -c 'DELETE FROM bookings'", "empty the table")]
    s = world.run(steps, overrides={"PGPASSWORD": PASSWORD})
    assert _rows(pg) == 137, s
    assert "137" in world.model.result_texts()[0], world.model.results  # the read ran, its answer came back
    recs = [r for r in world.audit() if r.get("decision") in ("deny", "ask")]
    assert any("DROP TABLE" in str(r) for r in recs) and any("DELETE FROM" in str(r) for r in recs), recs[-3:]
