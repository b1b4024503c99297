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


def _rehash_from(state, seq, **changes):
    """Edit record ``seq`` and rebuild the chain after it, as an attacker with the file (not the key) can."""
    from interlock.audit import record_hash

    _tamper(state)
    con = sqlite3.connect(f"{state}/audit.db")
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM records ORDER BY seq")]
    prev = None
    for r in rows:
        if r["seq"] == seq:
            r.update(changes)
        if r["seq"] >= seq:
            if prev is not None:
                r["prev_hash"] = prev
            r["hash"] = record_hash(r)
            con.execute("UPDATE records SET decision=?, action=?, prev_hash=?, hash=? WHERE seq=?",
                        (r["decision"], r["action"], r["prev_hash"], r["hash"], r["seq"]))
        prev = r["hash"]
    con.commit()
    con.close()
    with open(f"{state}/audit.head", "w") as f:
        f.write(f"{rows[-1]['seq']:020d} {rows[-1]['hash']}\n")


def test_edit_rehash_and_append_is_detected(tmp_path, env):
    """Re-hashing the chain needs no secret; the MAC of every record needs Interlock's key."""
    state = str(tmp_path / "st")
    log = _fill(state)
    _rehash_from(state, 3, decision="allow", action="ls")
    _fill(state, 1)  # Interlock appends one more record after the forgery
    ok, n, problem = log.verify()
    assert not ok and "record 3: its MAC does not match" in problem, problem
    env = dict(env, INTERLOCK_HOME=state)
    p = subprocess.run(interlock_exe() + ["log", "--verify"], env=env, capture_output=True, text=True)
    assert p.returncode == 1 and "record 3" in p.stdout
    # the key is 0600 and removing it does not make the log pass as an older, unkeyed one
    import os
    import stat

    assert stat.S_IMODE(os.stat(f"{state}/audit.key").st_mode) == 0o600
    os.unlink(f"{state}/audit.key")
    assert log.verify()[2] == "the audit key is missing: the records' MACs cannot be checked"


def test_a_log_from_before_the_key_is_checked_by_its_chain_then_keyed(tmp_path):
    import os

    state = str(tmp_path / "st")
    log = _fill(state, 2)
    os.unlink(f"{state}/audit.key")  # as an older Interlock left it: no key, no MACs
    _tamper(state, "UPDATE records SET mac = NULL")
    assert log.verify() == (True, 2, None)
    _fill(state, 2)  # the key is made now: records 3 and 4 carry a MAC
    assert log.verify() == (True, 4, None)
    _rehash_from(state, 4, decision="allow")
    assert "record 4: its MAC" in log.verify()[2]


def test_a_log_of_an_older_interlock_gets_the_mac_column(tmp_path):
    from interlock import audit

    state = str(tmp_path / "old")
    import os

    os.makedirs(state)
    con = sqlite3.connect(f"{state}/audit.db")
    con.executescript(audit._SCHEMA.replace(",\n    mac TEXT", ""))
    con.close()
    assert "mac" not in {r[1] for r in sqlite3.connect(f"{state}/audit.db").execute("PRAGMA table_info(records)")}
    log = _fill(state, 3)
    assert log.verify() == (True, 3, None)
    macs = [r[0] for r in sqlite3.connect(f"{state}/audit.db").execute("SELECT mac FROM records")]
    assert len(macs) == 3 and all(macs)
