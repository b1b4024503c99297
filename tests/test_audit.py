"""The audit chain detects edits, deletions, insertions and reordering made directly in SQLite."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from conftest import interlock_exe
from interlock.actions import DENY, Decision, Finding
from interlock.audit import AuditLog


def _fill(state, n=5):
    log = AuditLog(state)
    for i in range(n):
        f = Finding("fs.delete-home", "catastrophic", "delete", "~", f"rm -rf ~ #{i}", "why")
        log.append(action=f"rm -rf ~ #{i}", decision=Decision(DENY, "catastrophic", [f], ["r"]), agent="claude-code",
                   session="s1", cwd="/w", tool="Bash")
    return log


def _tamper(state, *sql):
    con = sqlite3.connect(f"{state}/audit.db")
    con.execute("DROP TRIGGER IF EXISTS records_no_update")
    con.execute("DROP TRIGGER IF EXISTS records_no_delete")
    for q in sql:
        con.execute(q)
    con.commit()
    con.close()


def test_intact_chain_verifies(tmp_path):
    log = _fill(str(tmp_path))
    assert log.verify() == (True, 5, None)


def test_append_only_triggers(tmp_path):
    _fill(str(tmp_path))
    con = sqlite3.connect(f"{tmp_path}/audit.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE records SET decision='allow' WHERE seq=2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM records WHERE seq=2")


@pytest.mark.parametrize("sql,first_broken", [
    (["UPDATE records SET decision='allow' WHERE seq=3"], "record 3"),
    (["UPDATE records SET action='ls' WHERE seq=1"], "record 1"),
    (["DELETE FROM records WHERE seq=2"], "record 3"),
    (["UPDATE records SET seq=seq+100 WHERE seq=2", "UPDATE records SET seq=2 WHERE seq=4",
      "UPDATE records SET seq=4 WHERE seq=102"], "record 2"),
    (["INSERT INTO records (seq, ts, action, decision, prev_hash, hash) "
      "SELECT 6, ts, 'fake', 'allow', hash, hash FROM records WHERE seq=5"], "record 6"),
    (["DELETE FROM records WHERE seq=5"], "newest records deleted"),
])
def test_tampering_is_detected_at_first_broken_record(tmp_path, sql, first_broken):
    log = _fill(str(tmp_path))
    _tamper(str(tmp_path), *sql)
    ok, n, problem = log.verify()
    assert not ok
    assert first_broken in problem


def test_cli_verify_exit_codes(tmp_path, env):
    env = dict(env, INTERLOCK_HOME=str(tmp_path / "st"))
    _fill(env["INTERLOCK_HOME"])
    p = subprocess.run(interlock_exe() + ["log", "--verify"], env=env, capture_output=True, text=True)
    assert p.returncode == 0 and "5 records" in p.stdout
    _tamper(env["INTERLOCK_HOME"], "UPDATE records SET decision='allow' WHERE seq=4")
    p = subprocess.run(interlock_exe() + ["log", "--verify"], env=env, capture_output=True, text=True)
    assert p.returncode == 1 and "record 4" in p.stdout


def test_cli_log_filters(tmp_path, env):
    env = dict(env, INTERLOCK_HOME=str(tmp_path / "st"))
    _fill(env["INTERLOCK_HOME"], 3)
    p = subprocess.run(interlock_exe() + ["log", "--json", "--decision", "deny", "--since", "1h"], env=env,
                       capture_output=True, text=True)
    import json

    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(lines) == 3 and all(x["decision"] == "deny" for x in lines)
    p = subprocess.run(interlock_exe() + ["log", "--json", "--decision", "allow"], env=env, capture_output=True,
                       text=True)
    assert p.stdout.strip() == ""
    p = subprocess.run(interlock_exe() + ["log", "--since", "yesterday-ish"], env=env, capture_output=True, text=True)
    assert p.returncode != 0 and "--since" in p.stderr
