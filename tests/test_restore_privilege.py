"""Restore needs CREATEDB on the upstream role: `interlock doctor` says so before a restore fails
(a real PostgreSQL, a role without and then with the privilege)."""

from __future__ import annotations

import json
import subprocess

from conftest import interlock_exe
from helpers import write_policy

PW = "app-pw-7c1d"


def _doctor_db_check(env, workspace):
    p = subprocess.run(interlock_exe() + ["doctor", "--json"], env=env, cwd=workspace, capture_output=True,
                       text=True, timeout=120)
    checks = json.loads(p.stdout)["checks"]
    assert PW not in p.stdout + p.stderr
    return [c for c in checks if c["check"].startswith("database app") and
            any(w in c["check"] for w in ("CREATEDB", "create databases", "restore privilege"))]


def test_doctor_warns_when_the_restore_role_lacks_createdb(env, workspace):
    from servers import PostgresServer

    pg = PostgresServer("pg-admin-pw").start()
    try:
        with pg.connect(autocommit=True) as c:
            c.execute(f"CREATE ROLE app LOGIN PASSWORD '{PW}' NOCREATEDB")
            c.execute("CREATE DATABASE app OWNER app")
        write_policy(env, f'[databases.app]\nurl = "postgresql://app@127.0.0.1:{pg.port}/app"\n'
                          'password_env = "APP_PW"\n')
        e = dict(env, APP_PW=PW)
        [check] = _doctor_db_check(e, workspace)
        assert check["status"] == "warn" and "role app lacks CREATEDB" in check["check"]
        assert 'ALTER ROLE "app" CREATEDB' in check["fix"] and "docs/recovery.md" in check["fix"]
        with pg.connect(autocommit=True) as c:
            c.execute("ALTER ROLE app CREATEDB")
        [check] = _doctor_db_check(e, workspace)
        assert check["status"] == "ok" and "may create databases" in check["check"]
        # unreachable (wrong password): a warning that says so, never the password
        [check] = _doctor_db_check(dict(env, APP_PW="wrong-" + PW), workspace)
        assert check["status"] == "warn" and "not checked" in check["check"]
    finally:
        pg.stop()
