"""Safeguards end to end on real servers: impact previews, snapshots, restores, and faults.

PostgreSQL and MariaDB are started by these tests (tests/servers.py) on temp data
directories; the car-rental dataset (100k rows) is loaded once per session and copied per
test.  Nothing is skipped: ``scripts/test`` installs the servers when they are missing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from servers import MariaDBServer, PostgresServer, free_port, pg_bin_dir

from interlock import safeguards
from interlock.actions import Action
from interlock.engine import Context, evaluate
from interlock.safeguards import RestoreError, SnapshotError, sample_data as sd

SECRET = "Rental-S3cret-99"
ROWS = 100_000
N = sd.sizes(ROWS)


# --- servers and data, once per session -------------------------------------------------------------

@pytest.fixture(scope="session")
def pg():
    s = PostgresServer(SECRET).start()
    try:
        s.create_db("rental_tpl")
        with s.connect("rental_tpl") as c:
            sd.load("postgres", c, ROWS)
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def my():
    s = MariaDBServer(SECRET).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def lite_tpl(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("lite") / "rental.db")
    c = sqlite3.connect(path)
    sd.load("sqlite", c, ROWS)
    c.close()
    return path


def pg_db(pg, name):
    with pg.connect(autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE rental_tpl')
    return name


def my_db(my, name, rows=ROWS):
    my.create_db(name)
    c = my.connect(name)
    sd.load("mysql", c, rows)
    c.close()
    return name


@pytest.fixture
def senv(tmp_path, home, workspace):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("INTERLOCK_", "PG", "DATABASE", "MYSQL", "XDG_"))}
    e["HOME"] = home
    e["INTERLOCK_HOME"] = str(tmp_path / "state")
    e["XDG_CONFIG_HOME"] = str(tmp_path / "home" / "dev" / ".config")
    e["PATH"] = pg_bin_dir() + os.pathsep + e.get("PATH", "")
    return e


def judge(command, workspace, env):
    ctx = Context(workspace, home=env["HOME"], env=env)
    action = Action("shell", {"command": command}, agent="claude-code", cwd=workspace)
    return action, evaluate(action, ctx), ctx


def no_secret(*texts):
    for t in texts:
        assert SECRET not in str(t), "a password leaked"


def pg_sums(pg, db):
    with pg.connect(db) as c:
        return sd.checksums(c)


def run(argv, env, **kw):
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, **kw)
    assert p.returncode == 0, p.stderr
    return p.stdout


# --- PostgreSQL ---------------------------------------------------------------------------------------

def test_pg_drop_table_end_to_end(pg, workspace, senv):
    db = pg_db(pg, "e2e_drop")
    before = pg_sums(pg, db)
    assert before["bookings"][0] == N["bookings"]
    # a plain DROP TABLE: the preview states the exact rows, its dependents, and that it would fail
    senv = dict(senv, DATABASE_URL=pg.url(db))
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "DROP TABLE bookings"', workspace, senv)
    assert decision.decision == "ask", decision.reasons
    imp = safeguards.preview(action, decision, ctx)
    text = imp.summary()
    assert f"bookings: {N['bookings']:,} rows" in text, text
    assert "3 dependent views" in text and "1 foreign key" in text and "would fail" in text, text
    no_secret(text, imp.to_dict())
    # the agent drops it with CASCADE: preview, snapshot (verified), run, restore
    cmd = 'psql "$DATABASE_URL" -c "DROP TABLE bookings CASCADE"'
    action, decision, ctx = judge(cmd, workspace, senv)
    imp = safeguards.preview(action, decision, ctx)
    assert imp.known and f"DROP TABLE bookings CASCADE: bookings: {N['bookings']:,} rows" in imp.summary(), imp
    assert pg_sums(pg, db) == before  # the preview changed nothing
    snap = safeguards.snapshot(action, decision, ctx, approver="alice", progress=None)
    assert snap is not None and snap.kind == "postgres" and snap.manifest["approver"] == "alice"
    assert safeguards.verify(snap.id, env=senv) == {snap.id: []}
    no_secret(open(os.path.join(snap.path, "manifest.json")).read())
    run(["psql", "-X", "-v", "ON_ERROR_STOP=1", pg.url(db), "-c", "DROP TABLE bookings CASCADE"], senv)
    assert pg_sums(pg, db)["bookings"] is None
    # into the original: it is not empty (customers...), so --force, which keeps the old one
    with pytest.raises(RestoreError, match="not empty"):
        safeguards.restore(snap.id, env=dict(senv, PGPASSWORD=SECRET), progress=None)
    report = safeguards.restore(snap.id, env=dict(senv, PGPASSWORD=SECRET), force=True, progress=None)
    assert "kept as" in report
    assert pg_sums(pg, db) == before
    with pg.connect(db) as c:  # views and foreign keys came back too
        assert c.execute("SELECT count(*) FROM active_bookings").fetchone()[0] > 0
        assert c.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0] == 3


def test_pg_delete_all_end_to_end_and_restore_elsewhere(pg, workspace, senv):
    db = pg_db(pg, "e2e_delete")
    before = pg_sums(pg, db)
    cmd = f'psql "$DATABASE_URL" <<SQL\nBEGIN;\nDELETE FROM bookings;\nCOMMIT;\nSQL'
    env = dict(senv, DATABASE_URL=pg.url(db))
    action, decision, ctx = judge(cmd, workspace, env)
    assert decision.decision == "ask"
    imp = safeguards.preview(action, decision, ctx)
    text = imp.summary()
    assert imp.known and f"DELETE FROM bookings: {N['bookings']:,} rows" in text, text
    assert f"payments: {N['payments']:,} rows" in text, text  # ON DELETE CASCADE
    assert "rolled back" in text
    no_secret(text)
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    run(["psql", "-X", pg.url(db), "-c", "DELETE FROM bookings"], env)
    assert pg_sums(pg, db)["bookings"][0] == 0
    # into another database: no --force needed, the original stays as it is
    safeguards.restore(snap.id, to="e2e_delete_back", env=dict(senv, PGPASSWORD=SECRET), progress=None)
    assert pg_sums(pg, "e2e_delete_back") == before
    assert pg_sums(pg, db)["bookings"][0] == 0
    # a second restore into that (now non-empty) database is refused, and it is left intact
    with pytest.raises(RestoreError, match="not empty"):
        safeguards.restore(snap.id, to=pg.url("e2e_delete_back"), env=senv, progress=None)
    assert pg_sums(pg, "e2e_delete_back") == before


def test_pg_drop_database_is_previewed_from_the_catalog_only(pg, workspace, senv):
    db = pg_db(pg, "e2e_dropdb")
    env = dict(senv, DATABASE_URL=pg.url("postgres"))
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "DROP DATABASE e2e_dropdb"', workspace, env)
    imp = safeguards.preview(action, decision, ctx)
    assert "4 tables" in imp.summary() and "not executed" in imp.summary(), imp.summary()
    assert pg_sums(pg, db)["bookings"][0] == N["bookings"]


def test_pg_preview_times_out_on_a_held_lock(pg, workspace, senv):
    db = pg_db(pg, "e2e_lock")
    holder = pg.connect(db)
    holder.execute("LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE")
    try:
        env = dict(senv, DATABASE_URL=pg.url(db))
        action, decision, ctx = judge('psql "$DATABASE_URL" -c "DELETE FROM bookings"', workspace, env)
        imp = safeguards.preview(action, decision, ctx)
        assert not imp.known and "lock" in imp.error, imp
        assert "impact unknown" in imp.summary() and "0 rows" not in imp.summary()
        assert imp.elapsed_ms < 8000
    finally:
        holder.rollback()
        holder.close()


def test_pg_connection_refused(workspace, senv):
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{free_port()}/nope"
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "DROP TABLE bookings"', workspace,
                                  dict(senv, DATABASE_URL=url))
    imp = safeguards.preview(action, decision, ctx)
    assert not imp.known and "connection refused" in imp.error, imp.error
    assert "impact unknown" in imp.summary()
    with pytest.raises(SnapshotError, match="connection refused") as e:
        safeguards.snapshot(action, decision, ctx, progress=None)
    no_secret(imp.summary(), e.value)


def test_pg_dump_missing(pg, workspace, senv):
    db = pg_db(pg, "e2e_nodump")
    env = dict(senv, PATH="/nonexistent", DATABASE_URL=pg.url(db))
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "TRUNCATE payments"', workspace, env)
    with pytest.raises(SnapshotError, match="pg_dump is not installed"):
        safeguards.snapshot(action, decision, ctx, progress=None)
    assert safeguards.list_snapshots(env=env) == []


def test_snapshot_store_unwritable(pg, workspace, senv, tmp_path):
    db = pg_db(pg, "e2e_store")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    env = dict(senv, INTERLOCK_HOME=str(blocker / "state"), DATABASE_URL=pg.url(db))
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "TRUNCATE payments"', workspace, env)
    with pytest.raises(SnapshotError, match="not writable"):
        safeguards.snapshot(action, decision, ctx, progress=None)


def test_snapshot_store_full(pg, workspace, senv, monkeypatch):
    db = pg_db(pg, "e2e_full")
    senv = dict(senv, DATABASE_URL=pg.url(db))
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "TRUNCATE payments"', workspace, senv)
    from interlock.safeguards import store

    real = shutil.disk_usage
    monkeypatch.setattr(store.shutil, "disk_usage", lambda p: real(p)._replace(free=4096))
    with pytest.raises(SnapshotError, match="full"):
        safeguards.snapshot(action, decision, ctx, progress=None)
    monkeypatch.setattr(store.shutil, "disk_usage", real)
    # the policy's size cap: the same clear error, and nothing half-written is left behind
    cfg = os.path.join(senv["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write("[snapshots]\nmax_size_mb = 1\n")
    action, decision, ctx = judge('psql "$DATABASE_URL" -c "TRUNCATE payments"', workspace, senv)
    with pytest.raises(SnapshotError, match="full"):
        safeguards.snapshot(action, decision, ctx, progress=None)
    root = os.path.join(senv["INTERLOCK_HOME"], "snapshots")
    assert [n for n in os.listdir(root) if not n.startswith(".")] == []
    assert not [n for n in os.listdir(root) if n.startswith(".staging")]


def test_policy_connection_and_retention(pg, workspace, senv):
    db = pg_db(pg, "e2e_policy")
    cfg = os.path.join(senv["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[databases.rental]\nurl = "{pg.url(db, password=False)}"\npassword_env = "RENTAL_PW"\n'
                f'scope = "tables"\n\n[snapshots]\nkeep = 2\n')
    env = dict(senv, RENTAL_PW=SECRET)
    # no password in the command: the policy's connection supplies it
    cmd = f"psql -h 127.0.0.1 -p {pg.port} -U postgres -d {db} -c 'TRUNCATE payments'"
    action, decision, ctx = judge(cmd, workspace, env)
    imp = safeguards.preview(action, decision, ctx)
    assert imp.known and f"payments: {N['payments']:,} rows" in imp.summary(), imp.summary()
    ids = [safeguards.snapshot(action, decision, ctx, progress=None).id for _ in range(3)]
    left = [s.id for s in safeguards.list_snapshots(env=env, policy=ctx.policy)]
    assert left == ids[1:]
    snap = safeguards.list_snapshots(env=env, policy=ctx.policy)[-1]
    assert snap.manifest["parts"][0]["scope"] == "tables" and snap.manifest["parts"][0]["tables"] == ["payments"]
    before = pg_sums(pg, db)
    run(["psql", "-X", pg.url(db), "-c", "TRUNCATE payments"], env)
    # table scope: the table still exists, so --force (one transaction)
    with pytest.raises(RestoreError, match="still exist"):
        safeguards.restore(snap.id, env=env, policy=ctx.policy, progress=None)
    safeguards.restore(snap.id, env=env, policy=ctx.policy, force=True, progress=None)
    assert pg_sums(pg, db) == before


# --- MariaDB ------------------------------------------------------------------------------------------

def my_sums(my, db):
    c = my.connect(db)
    try:
        return sd.checksums(c)
    finally:
        c.close()


def test_mysql_drop_and_delete_end_to_end(my, workspace, senv):
    db = my_db(my, "rental")
    before = my_sums(my, db)
    # DELETE without WHERE: counted in a rolled-back transaction, with the cascade
    senv = dict(senv, MYSQL_PWD=SECRET)
    cmd = f"mysql -h 127.0.0.1 -P {my.port} -u app {db} -e 'DELETE FROM bookings'"
    action, decision, ctx = judge(cmd, workspace, senv)
    assert decision.decision == "ask", decision.reasons
    imp = safeguards.preview(action, decision, ctx)
    assert imp.known and f"DELETE FROM bookings: {N['bookings']:,} rows" in imp.summary(), imp.summary()
    assert f"payments: {N['payments']:,} rows" in imp.summary()
    no_secret(imp.summary(), imp.to_dict())
    assert my_sums(my, db) == before
    # DROP TABLE: from the catalog (MySQL DDL commits implicitly: never executed)
    drop = f"mysql -h 127.0.0.1 -P {my.port} -u app {db} -e 'DROP TABLE bookings'"
    action2, decision2, ctx2 = judge(drop, workspace, senv)
    imp2 = safeguards.preview(action2, decision2, ctx2)
    assert f"bookings: {N['bookings']:,} rows" in imp2.summary() and "not executed" in imp2.summary(), imp2
    assert "1 foreign key" in imp2.summary() and "3 dependent views" in imp2.summary(), imp2.summary()
    snap = safeguards.snapshot(action2, decision2, ctx2, progress=None)
    assert snap.kind == "mysql" and safeguards.verify(snap.id, env=senv) == {snap.id: []}
    no_secret(open(os.path.join(snap.path, "manifest.json")).read())
    c = my.connect(db, autocommit=True)
    with c.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        cur.execute("DROP TABLE bookings")
    c.close()
    assert my_sums(my, db)["bookings"] is None
    with pytest.raises(RestoreError, match="not empty"):
        safeguards.restore(snap.id, env=dict(senv, MYSQL_PWD=SECRET), progress=None)
    report = safeguards.restore(snap.id, env=dict(senv, MYSQL_PWD=SECRET), force=True, progress=None)
    assert "kept in database" in report
    assert my_sums(my, db) == before
    # and the delete, restored into another database
    snap2 = safeguards.snapshot(action, decision, ctx, progress=None)
    c = my.connect(db, autocommit=True)
    with c.cursor() as cur:
        cur.execute("DELETE FROM bookings")
    c.close()
    safeguards.restore(snap2.id, to="rental_back", env=dict(senv, MYSQL_PWD=SECRET), progress=None)
    assert my_sums(my, "rental_back") == before
    c = my.connect("rental_back")
    with c.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM active_bookings")
        assert cur.fetchone()[0] > 0
    c.close()


# --- SQLite -------------------------------------------------------------------------------------------

def lite_sums(path):
    c = sqlite3.connect(path)
    try:
        return sd.checksums(c)
    finally:
        c.close()


@pytest.mark.parametrize("statement", ["DROP TABLE bookings", "DELETE FROM bookings"])
def test_sqlite_end_to_end(lite_tpl, workspace, senv, statement):
    path = os.path.join(workspace, "rental.db")
    shutil.copy(lite_tpl, path)
    before = lite_sums(path)
    action, decision, ctx = judge(f'sqlite3 rental.db "{statement}"', workspace, senv)
    assert decision.decision == "ask"
    imp = safeguards.preview(action, decision, ctx)
    assert imp.known and f"{N['bookings']:,} rows" in imp.summary(), imp.summary()
    if statement.startswith("DROP"):
        assert "3 dependent views" in imp.summary() and "1 foreign key" in imp.summary(), imp.summary()
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    assert snap.kind == "sqlite" and safeguards.verify(snap.id, env=senv) == {snap.id: []}
    c = sqlite3.connect(path)
    c.execute(statement)
    c.commit()
    c.close()
    assert lite_sums(path) != before
    with pytest.raises(RestoreError, match="not empty"):
        safeguards.restore(snap.id, env=senv, progress=None)
    report = safeguards.restore(snap.id, env=senv, force=True, progress=None)
    assert "kept as" in report
    assert lite_sums(path) == before


def test_sqlite_preview_timeout_on_a_locked_big_file(lite_tpl, workspace, senv, monkeypatch):
    from interlock.safeguards import preview_sql

    path = os.path.join(workspace, "rental.db")
    shutil.copy(lite_tpl, path)
    monkeypatch.setattr(preview_sql, "SQLITE_COPY_MAX", 0)  # preview in place, as for a big file
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        action, decision, ctx = judge('sqlite3 rental.db "DELETE FROM bookings"', workspace, senv)
        imp = safeguards.preview(action, decision, ctx)
        assert not imp.known and "lock" in imp.error, imp
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# --- files and git ------------------------------------------------------------------------------------

def _tree(root):
    out = {}
    for d, _dirs, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


def test_rm_rf_data_end_to_end(workspace, senv):
    data = os.path.join(workspace, "data")
    os.makedirs(os.path.join(data, "exports"))
    with open(os.path.join(data, "bookings.csv"), "wb") as f:
        f.write(b"id,customer\n" + b"1,ana\n" * 50_000)
    with open(os.path.join(data, "exports", "q1.json"), "w") as f:
        f.write('{"rows": 12}\n')
    with open(os.path.join(data, "notes.txt"), "w") as f:
        f.write("keep me\n")
    before = _tree(data)
    action, decision, ctx = judge("rm -rf ./data", workspace, senv)
    assert decision.decision == "ask", decision.reasons
    imp = safeguards.preview(action, decision, ctx)
    text = imp.summary()
    assert imp.known and "3 files" in text and text.index("bookings.csv") < text.index("q1.json"), text
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    assert snap.kind == "files" and safeguards.verify(snap.id, env=senv) == {snap.id: []}
    subprocess.run(["rm", "-rf", "./data"], cwd=workspace, check=True)
    os.makedirs(data)
    with open(os.path.join(data, "new.txt"), "w") as f:
        f.write("written after\n")
    with pytest.raises(RestoreError, match="not empty"):
        safeguards.restore(snap.id, env=senv, progress=None)
    assert _tree(data) == {"new.txt": b"written after\n"}  # untouched by the refusal
    safeguards.restore(snap.id, env=senv, force=True, progress=None)
    assert _tree(data) == before
    assert any(n.startswith("data.pre-restore-") for n in os.listdir(workspace))
    # and into another path
    safeguards.restore(snap.id, to=os.path.join(workspace, "..", "elsewhere"), env=senv, progress=None)
    assert _tree(os.path.join(workspace, "..", "elsewhere", "data")) == before


def _git(ws, *args):
    return subprocess.run(["git", "-C", ws, *args], capture_output=True, text=True, check=True,
                          env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x", GIT_COMMITTER_NAME="t",
                                   GIT_COMMITTER_EMAIL="t@x")).stdout


def test_git_reset_hard_with_uncommitted_work(workspace, senv):
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-q", "-m", "base")
    app = os.path.join(workspace, "src", "app.py")
    with open(app, "a") as f:
        f.write("def book(car):\n    return reserve(car)\n")
    with open(os.path.join(workspace, "README.md"), "a") as f:
        f.write("staged line\n")
    _git(workspace, "add", "README.md")
    want_app, want_readme = open(app).read(), open(os.path.join(workspace, "README.md")).read()
    action, decision, ctx = judge("git reset --hard", workspace, senv)
    assert decision.decision == "ask"
    imp = safeguards.preview(action, decision, ctx)
    assert imp.known and "2 files" in imp.summary() and "src/app.py" in imp.summary(), imp.summary()
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    assert snap.kind == "git" and safeguards.verify(snap.id, env=senv) == {snap.id: []}
    assert "refs/interlock" not in _git(workspace, "for-each-ref")  # no trace left in the repo
    _git(workspace, "reset", "-q", "--hard")
    assert "reserve" not in open(app).read()
    safeguards.restore(snap.id, env=senv, progress=None)
    assert open(app).read() == want_app and open(os.path.join(workspace, "README.md")).read() == want_readme
    assert "README.md" in _git(workspace, "diff", "--cached", "--name-only")  # the index came back too


def test_git_stash_drop_and_checkout(workspace, senv):
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-q", "-m", "base")
    with open(os.path.join(workspace, "src", "app.py"), "a") as f:
        f.write("stashed = True\n")
    _git(workspace, "stash", "push", "-q", "-m", "half-done pricing")
    action, decision, ctx = judge("git stash drop", workspace, senv)
    imp = safeguards.preview(action, decision, ctx)
    assert "half-done pricing" in imp.summary() and "1 file" in imp.summary(), imp.summary()
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    _git(workspace, "stash", "drop", "-q")
    assert _git(workspace, "stash", "list") == ""
    safeguards.restore(snap.id, env=senv, progress=None)
    assert "half-done pricing" in _git(workspace, "stash", "list")
    with open(os.path.join(workspace, "README.md"), "a") as f:
        f.write("edit\n")
    action, decision, ctx = judge("git checkout -- .", workspace, senv)
    assert "README.md" in safeguards.preview(action, decision, ctx).summary()


# --- the store and the CLI ----------------------------------------------------------------------------

def test_tampered_snapshot_fails_verify_and_is_never_restored(workspace, senv):
    os.makedirs(os.path.join(workspace, "data"))
    with open(os.path.join(workspace, "data", "a.txt"), "w") as f:
        f.write("original\n")
    action, decision, ctx = judge("rm -rf data", workspace, senv)
    snap = safeguards.snapshot(action, decision, ctx, progress=None)
    stored = os.path.join(snap.path, "data", "0", "rel", "data", "a.txt")
    with open(stored, "w") as f:
        f.write("tampered\n")
    assert safeguards.verify(snap.id, env=senv)[snap.id] == ["checksum mismatch: 0/rel/data/a.txt"]
    shutil.rmtree(os.path.join(workspace, "data"))
    with pytest.raises(RestoreError, match="does not verify"):
        safeguards.restore(snap.id, env=senv, progress=None)
    assert not os.path.exists(os.path.join(workspace, "data"))


def test_store_is_self_protected(workspace, senv):
    store = os.path.join(senv["INTERLOCK_HOME"], "snapshots")
    for cmd in (f"rm -rf {store}", f"echo '{{}}' > {store}/x/manifest.json", f"cp /dev/null {store}/x/data/dump.pgc"):
        _a, decision, _c = judge(cmd, workspace, senv)
        assert decision.decision == "deny", (cmd, decision.reasons)


def test_nothing_to_snapshot_and_unknown_preview(workspace, senv):
    action, decision, ctx = judge("ls -la", workspace, senv)
    assert safeguards.snapshot(action, decision, ctx, progress=None) is None
    imp = safeguards.preview(action, decision, ctx)
    assert not imp.known and "impact unknown" in imp.summary()


def test_cli_lists_verifies_and_refuses_restore_without_a_tty(workspace, senv):
    from conftest import interlock_exe

    os.makedirs(os.path.join(workspace, "data"))
    with open(os.path.join(workspace, "data", "a.txt"), "w") as f:
        f.write("x\n")
    action, decision, ctx = judge("rm -rf data", workspace, senv)
    snap = safeguards.snapshot(action, decision, ctx, approver="alice", progress=None)
    p = subprocess.run(interlock_exe() + ["snapshots"], env=senv, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and snap.id in p.stdout and "alice" in p.stdout and "rm -rf data" in p.stdout, p
    p = subprocess.run(interlock_exe() + ["snapshots", "verify"], env=senv, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0 and "ok" in p.stdout, p
    p = subprocess.run(interlock_exe() + ["restore", snap.id], env=senv, capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and "terminal" in p.stderr, p
    assert os.path.exists(os.path.join(workspace, "data", "a.txt"))


# --- through the agent's hook: approval, snapshot, run, restore --------------------------------------

def _hook(cmd, workspace, env, mode="bypassPermissions"):
    import json

    from conftest import interlock_exe

    payload = {"session_id": "s-rec", "transcript_path": "/dev/null", "cwd": workspace, "permission_mode": mode,
               "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": cmd}}
    p = subprocess.run(interlock_exe() + ["hook", "claude-code"], input=json.dumps(payload), capture_output=True,
                       text=True, env=dict(env, INTERLOCK_DAEMON="0"), timeout=120)
    out = json.loads(p.stdout) if p.stdout.strip() else {}
    hs = out.get("hookSpecificOutput") or {}
    return hs.get("permissionDecision", "allow"), hs.get("permissionDecisionReason", ""), p.stderr


def _cli_with_secret(args, env, secret="approver-secret-1"):
    from conftest import interlock_exe

    if args[:2] == ["approvers", "add"]:  # the first approver: a person at a terminal
        from helpers import cli

        return cli(args, env, fd_secret=secret, terminal=True)
    r, w = os.pipe()
    os.write(w, (secret + "\n").encode())
    os.close(w)
    try:
        return subprocess.run(interlock_exe() + args + ["--secret-fd", str(r)], pass_fds=(r,), env=env,
                              capture_output=True, text=True, timeout=60)
    finally:
        os.close(r)


def test_pg_delete_through_the_hook_approval_snapshot_restore(pg, workspace, senv):
    import re

    db = pg_db(pg, "e2e_hook")
    before = pg_sums(pg, db)
    env = dict(senv, DATABASE_URL=pg.url(db))
    cmd = 'psql "$DATABASE_URL" -c "DELETE FROM bookings"'
    decision, reason, _ = _hook(cmd, workspace, env)
    assert decision == "deny" and f"DELETE FROM bookings: {N['bookings']:,} rows" in reason, reason
    rid = re.search(r"approval (apr-[0-9a-z]+)", reason).group(1)
    no_secret(reason)
    assert pg_sums(pg, db) == before  # previewed in a rolled-back transaction
    assert _cli_with_secret(["approvers", "add", "alice"], env).returncode == 0
    p = _cli_with_secret(["approve", rid, "--as", "alice"], env)
    assert p.returncode == 0, p.stderr
    decision, reason, err = _hook(cmd, workspace, env)
    assert decision == "allow", reason
    snap_id = re.search(r"snapshot (\S+) verified", err).group(1)
    assert safeguards.verify(snap_id, env=env) == {snap_id: []}
    assert _hook(cmd, workspace, env)[0] == "deny"  # single-use
    run(["psql", "-X", "-v", "ON_ERROR_STOP=1", pg.url(db), "-c", "DELETE FROM bookings"], senv)
    assert pg_sums(pg, db)["bookings"][0] == 0
    safeguards.restore(snap_id, env=dict(env, PGPASSWORD=SECRET), force=True, progress=None)
    assert pg_sums(pg, db) == before


def test_a_failed_snapshot_denies_the_approved_action(workspace, senv, tmp_path):
    """The store cannot be written: the approval is not enough, the action does not run."""
    import re

    data = os.path.join(workspace, "data")
    os.makedirs(data)
    with open(os.path.join(data, "bookings.csv"), "w") as f:
        f.write("id,customer\n" + "".join(f"{i},c{i}\n" for i in range(500)))
    cfg = os.path.join(senv["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the store should be\n")
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[snapshots]\npath = "{blocked}/store"\n')
    decision, reason, _ = _hook("rm -rf ./data", workspace, senv)
    assert decision == "deny", reason
    rid = re.search(r"approval (apr-[0-9a-z]+)", reason).group(1)
    assert _cli_with_secret(["approvers", "add", "alice"], senv).returncode == 0
    assert _cli_with_secret(["approve", rid, "--as", "alice"], senv).returncode == 0
    decision, reason, err = _hook("rm -rf ./data", workspace, senv)
    assert decision == "deny" and "snapshot before this action failed" in reason, (reason, err)
    assert os.path.exists(os.path.join(data, "bookings.csv"))


# --- infrastructure: the tools' own plans -----------------------------------------------------------

def test_terraform_destroy_preview_names_what_the_plan_destroys(workspace, senv):
    tf = shutil.which("terraform") or shutil.which("tofu")
    if tf is None:
        pytest.skip("neither terraform nor tofu is installed (the preview then says 'impact unknown')")
    infra = os.path.join(workspace, "infra")
    os.makedirs(infra)
    with open(os.path.join(infra, "main.tf"), "w") as f:
        f.write('resource "terraform_data" "bookings_db" {\n  input = "db"\n}\n'
                'resource "terraform_data" "backups" {\n  input = "backups"\n}\n')
    env = dict(senv, TF_IN_AUTOMATION="1")
    for args in (["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]):
        subprocess.run([tf, f"-chdir={infra}", *args], env=env, capture_output=True, check=True, timeout=120)
    name = os.path.basename(tf)
    action, decision, ctx = judge(f"{name} -chdir=infra destroy -auto-approve", workspace, senv)
    assert decision.decision == "deny" and "infra.terraform-destroy" in decision.rules
    imp = safeguards.preview(action, decision, ctx)
    text = imp.summary()
    assert imp.known and "2 to destroy" in text, text
    assert "terraform_data.bookings_db" in text and "terraform_data.backups" in text
    action, decision, ctx = judge(f"{name} -chdir=infra destroy -target=terraform_data.backups", workspace, senv)
    assert "1 to destroy: terraform_data.backups" in safeguards.preview(action, decision, ctx).summary()
    with open(os.path.join(infra, "main.tf"), "a") as f:
        f.write("this is not HCL\n")
    action, decision, ctx = judge(f"{name} -chdir=infra destroy", workspace, senv)
    imp = safeguards.preview(action, decision, ctx)
    assert not imp.known and "impact unknown" in imp.summary()  # never "nothing"


def test_kubectl_delete_preview_without_a_reachable_cluster_is_unknown(workspace, senv, tmp_path):
    cfg = tmp_path / "kubeconfig"
    cfg.write_text("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
                   "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n"
                   "users:\n- name: u\n  user:\n    token: x\n")
    env = dict(senv, KUBECONFIG=str(cfg))
    action, decision, ctx = judge("kubectl delete statefulset postgres -n staging", workspace, env)
    assert decision.decision in ("ask", "deny")
    imp = safeguards.preview(action, decision, ctx)
    assert not imp.known and "impact unknown" in imp.summary(), imp.summary()


def test_second_copy_to_an_s3_bucket_with_object_lock(workspace, senv, monkeypatch):
    """An S3-compatible store (moto's server: a stand-in for S3's API) gets every file of the
    snapshot, checksummed, under object lock; an unreachable one fails the snapshot."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(k, v)
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="snaps", ObjectLockEnabledForBucket=True)
        cfg = os.path.join(senv["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(f'[snapshots]\ncopy_to = "s3://snaps/interlock"\ncopy_to_endpoint = "{endpoint}"\n'
                    'copy_to_lock_days = 7\n')
        data = os.path.join(workspace, "data")
        os.makedirs(data)
        with open(os.path.join(data, "bookings.csv"), "w") as f:
            f.write("id\n" + "".join(f"{i}\n" for i in range(1000)))
        action, decision, ctx = judge("rm -rf ./data", workspace, senv)
        snap = safeguards.snapshot(action, decision, ctx, progress=None)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="snaps", Prefix=f"interlock/{snap.id}/")["Contents"]]
        local = [os.path.relpath(os.path.join(r, n), snap.path) for r, _, fs in os.walk(snap.path) for n in fs]
        assert sorted(k.split(f"{snap.id}/", 1)[1] for k in keys) == sorted(local)
        head = s3.head_object(Bucket="snaps", Key=keys[0])
        assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"]
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(f'[snapshots]\ncopy_to = "s3://snaps/interlock"\ncopy_to_endpoint = "http://127.0.0.1:{free_port()}"\n')
        action, decision, ctx = judge("rm -rf ./data", workspace, senv)
        with pytest.raises(SnapshotError, match="second copy to s3://snaps"):
            safeguards.snapshot(action, decision, ctx, progress=None)
    finally:
        server.stop()
