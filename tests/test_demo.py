"""`interlock demo --fast`: the incident replayed through the real hook, every step asserted."""

from __future__ import annotations

import os
import re
import subprocess

from conftest import interlock_exe


def test_the_incident_demo_steps_all_come_out_right(env, tmp_path):
    p = subprocess.run(interlock_exe() + ["demo", "--fast", "--sqlite"], capture_output=True, text=True, env=dict(
        env, COLUMNS="200"), cwd=str(tmp_path), timeout=300)
    out = p.stdout
    assert p.returncode == 0, out + p.stderr
    verdicts = re.findall(r"Interlock: (DENY|ALLOW|ASK)", out)
    # token hunt (grep, the Grep tool over home, git history, a Go program), token in a script, volumeDelete,
    # DROP held for approval, the approved retry
    assert verdicts == ["DENY"] * 7 + ["ALLOW"], verdicts
    assert "GraphQL" in out or "volumeDelete" in out
    # named, never shown (and "[masked]" is printed: Rich markup no longer swallows bracketed text)
    assert re.search(r"railway token[\s│]+7c1e…\[masked\]", out) and "7c1e9a42-55b1" not in out
    assert "Deletes a Railway volume" in out
    rows = re.search(r"bookings: ([\d,]+) rows", out).group(1)
    assert re.search(rf"DROP TABLE bookings: bookings: {rows} rows", out)  # the preview's exact count
    assert re.search(r"approved apr-[0-9a-z]+ by you", out)
    assert re.search(r"snapshot \S+ verified", out)
    assert "table gone" in out and "→ DENY (an approval is single-use)" in out
    assert re.search(rf"bookings: {rows} rows; every table's checksum matches the original", out)
    assert "volumeDelete calls received: 0" in out and "still there with 3 backups" in out
    assert "chain intact" in out and "Every step came out as it should." in out


def test_the_demo_on_postgresql(env, tmp_path):
    """With a PostgreSQL server (here: a throwaway one), the demo runs on it: psql's DROP TABLE is
    previewed with the exact row count, snapshotted with pg_dump, restored with pg_restore; the
    scratch databases are dropped afterwards."""
    from servers import PostgresServer, pg_bin_dir

    pg = PostgresServer("demo-pw-1").start()
    try:
        e = dict(env, COLUMNS="200", PATH=pg_bin_dir() + os.pathsep + env["PATH"])
        p = subprocess.run(interlock_exe() + ["demo", "--fast", "--pg-url", pg.url()], capture_output=True,
                           text=True, env=e, cwd=str(tmp_path), timeout=300)
        out = p.stdout
        assert p.returncode == 0, out + p.stderr
        assert "database: PostgreSQL" in out and "demo-pw-1" not in out
        rows = re.search(r"bookings: ([\d,]+) rows", out).group(1)
        assert re.search(rf"DROP TABLE bookings CASCADE: bookings: {rows} rows", out), out
        assert re.search(rf"bookings: {rows} rows; every table's checksum matches the original", out)
        with pg.connect(autocommit=True) as c:
            left = c.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'interlock_demo_%'").fetchone()[0]
        assert left == 0
    finally:
        pg.stop()
