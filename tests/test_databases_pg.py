"""Databases against a real PostgreSQL server, started by these tests (initdb + pg_ctl).

Nothing here is skipped: without ``initdb`` on PATH (or in /usr/lib/postgresql/*/bin) the
fixture fails.  ``scripts/test`` installs PostgreSQL when it is missing.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from conftest import run_hook

SECRET = "s3cr3t-Pw-4242"


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if cands:
        return cands[-1]
    raise AssertionError(f"{name} not found: install PostgreSQL (scripts/test does) to run the database tests")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PG:
    def __init__(self, port, sockdir):
        self.port = port
        self.sockdir = sockdir

    def url(self, db="appdev", host="127.0.0.1"):
        return f"postgresql://postgres:{SECRET}@{host}:{self.port}/{db}"

    def psql(self, sql, db="appdev"):
        p = subprocess.run([_pg_bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                            "-p", str(self.port), "-U", "postgres", "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()


@pytest.fixture(scope="module")
def pg():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    base = tempfile.mkdtemp(prefix="interlock-pg-")
    os.chmod(base, 0o777)
    data, sockdir, log = os.path.join(base, "data"), os.path.join(base, "sock"), os.path.join(base, "log")
    os.makedirs(sockdir)
    os.chmod(sockdir, 0o777)
    prefix = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()
    subprocess.run(prefix + [initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run(prefix + [pg_ctl, "-D", data, "-l", log, "-w", "-t", "60", "-o",
                             f"-p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True, timeout=90)
    server = PG(port, sockdir)
    try:
        server.psql("CREATE DATABASE appdev", db="postgres")
        server.psql("CREATE TABLE items (id int primary key, name text); "
                    "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 50) g")
        yield server
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _cc(command, cwd):
    return {"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": cwd, "permission_mode": "default",
            "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
            "tool_use_id": "toolu_1"}


def _hook(command, workspace, env):
    code, out, err = run_hook("claude-code", _cc(command, workspace), env)
    assert code == 0, err
    decision = "allow" if out is None else out["hookSpecificOutput"]["permissionDecision"]
    reason = "" if out is None else out["hookSpecificOutput"].get("permissionDecisionReason", "")
    blob = json.dumps(out) + err
    assert SECRET not in blob, "a password reached the agent"
    return decision, reason


def _db_env(env):
    e = {k: v for k, v in env.items() if not k.startswith(("PG", "DATABASE", "MYSQL", "REDIS"))}
    return e


HEREDOC = 'psql "$DATABASE_URL" <<SQL\nBEGIN;\nDELETE FROM items;\nCOMMIT;\nSQL'


def test_the_url_is_real(pg):
    # the URL the hook resolves is one psql really connects with
    p = subprocess.run([_pg_bin("psql"), "-X", "-A", "-t", pg.url(), "-c", "SELECT count(*) FROM items"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.strip() == "50", p.stderr


def test_heredoc_with_local_database_url_from_the_hook_environment(pg, workspace, env):
    e = dict(_db_env(env), DATABASE_URL=pg.url())
    decision, reason = _hook(HEREDOC, workspace, e)
    assert decision == "ask", reason
    assert "[local]" in reason and "appdev/items" in reason and "db.delete-all" in reason
    # a bounded delete on the local dev database is allowed
    decision, _ = _hook('psql "$DATABASE_URL" <<SQL\nDELETE FROM items WHERE id = 3;\nSQL', workspace, e)
    assert decision == "allow"
    # DROP DATABASE on the local server is a question, not a refusal
    decision, reason = _hook('psql "$DATABASE_URL" -c "DROP DATABASE appdev"', workspace, e)
    assert decision == "ask" and "db.drop-database" in reason and "[local]" in reason
    assert pg.psql("SELECT count(*) FROM items") == "50"  # judging never ran anything


def test_remote_database_url_counts_as_prod(pg, workspace, env):
    e = dict(_db_env(env), DATABASE_URL=pg.url(host="db1.internal.example.com"))
    decision, reason = _hook(HEREDOC, workspace, e)
    assert decision == "deny", reason
    assert "[prod]" in reason and "db1.internal.example.com/appdev/items" in reason
    assert "db.wipe-table-prod" in reason


def test_database_url_from_the_project_dotenv(pg, workspace, env):
    e = _db_env(env)
    with open(os.path.join(workspace, ".env"), "w") as f:
        f.write(f"# local settings\nexport DATABASE_URL='{pg.url(host='db.prod-eu.example.com')}'\n")
    decision, reason = _hook('psql "$DATABASE_URL" -c "TRUNCATE items"', workspace, e)
    assert decision == "deny" and "[prod]" in reason, reason
    with open(os.path.join(workspace, ".env"), "w") as f:
        f.write(f"DATABASE_URL={pg.url()}\n")
    decision, reason = _hook('psql "$DATABASE_URL" -c "TRUNCATE items"', workspace, e)
    assert decision == "ask" and "[local]" in reason, reason
    # the hook's own environment wins over the file
    e2 = dict(e, DATABASE_URL=pg.url(host="10.20.30.40"))
    decision, reason = _hook('psql "$DATABASE_URL" -c "TRUNCATE items"', workspace, e2)
    assert decision == "deny", reason


def test_mcp_query_with_connection_string(pg, workspace, env):
    payload = {"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": workspace, "permission_mode": "default",
               "hook_event_name": "PreToolUse", "tool_name": "mcp__postgres__query",
               "tool_input": {"sql": "DELETE FROM items", "connectionString": pg.url()}, "tool_use_id": "t"}
    code, out, err = run_hook("claude-code", payload, _db_env(env))
    assert code == 0, err
    reason = out["hookSpecificOutput"]["permissionDecisionReason"]
    # the password pasted into the arguments is itself refused (secrets.literal-token); the SQL is
    # judged on the resolved local target
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "db.delete-all" in reason and "[local]" in reason, reason
    assert SECRET not in json.dumps(out)


# (SELECT ... FOR SHARE is judged read but takes row locks, which do assign a transaction id)
READS = ["SELECT count(*) FROM items", "SELECT * FROM items WHERE id < 3",
         "EXPLAIN SELECT * FROM items", "SHOW work_mem", "WITH x AS (SELECT id FROM items) SELECT count(*) FROM x",
         "SELECT 'DROP TABLE items'", "-- DELETE FROM items\nSELECT 1", "VALUES (1), (2)",
         "SELECT name FROM items ORDER BY id LIMIT 1"]
WRITES = ["DELETE FROM items WHERE id = 1", "UPDATE items SET name = 'x'", "INSERT INTO items VALUES (1000, 'a')",
          "TRUNCATE items", "DROP TABLE items", "CREATE TABLE t2 (a int)",
          "WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone",
          "ALTER TABLE items DROP COLUMN name"]


@pytest.mark.parametrize("sql", READS)
def test_statements_judged_read_really_write_nothing(pg, sql):
    from interlock.analysis import sql as S

    assert all(st.rule is None and st.severity == "read" for st in S.classify(sql, "postgres")), \
        S.classify(sql, "postgres")
    # run it in a transaction that is rolled back: no transaction id means it wrote nothing
    out = pg.psql(f"BEGIN; {sql}; SELECT 'XID=' || coalesce(pg_current_xact_id_if_assigned()::text, 'none'); "
                  "ROLLBACK;")
    assert out.splitlines()[-1] == "XID=none", out


@pytest.mark.parametrize("sql", WRITES)
def test_statements_judged_write_really_write(pg, sql):
    from interlock.analysis import sql as S

    assert any(st.rule for st in S.classify(sql, "postgres"))
    out = pg.psql(f"BEGIN; {sql}; SELECT 'XID=' || coalesce(pg_current_xact_id_if_assigned()::text, 'none'); "
                  "ROLLBACK;")
    assert out.splitlines()[-1] != "XID=none", out
    assert pg.psql("SELECT count(*) FROM items") == "50"


def test_hook_without_sql_does_not_import_the_parser(workspace, env):
    code = (
        "import io, json, sys\n"
        "payload = json.loads(sys.argv[1])\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(json.dumps(payload).encode()))\n"
        "from interlock.adapters import run_hook\n"
        "out = io.StringIO(); real = sys.stdout; sys.stdout = out\n"
        "try:\n    run_hook('claude-code')\nexcept SystemExit:\n    pass\n"
        "sys.stdout = real\n"
        "print(json.dumps({'sqlglot': 'sqlglot' in sys.modules, 'out': out.getvalue()}))\n"
    )
    for command, want in (("git status && ls -la", False), ("rm -rf node_modules", False),
                          ("psql -c 'DELETE FROM items WHERE id = 1 AND (a OR b)'", None)):
        p = subprocess.run([sys.executable, "-c", code, json.dumps(_cc(command, workspace))], capture_output=True,
                           text=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        res = json.loads(p.stdout.strip().splitlines()[-1])
        if want is False:
            assert res["sqlglot"] is False, command
