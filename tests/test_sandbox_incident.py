"""The incident rehearsed in ``interlock sandbox`` (issue 17, item 4), with a real PostgreSQL, the real
gateways and the Railway stand-in: the agent wipes the workspace, drops the branch's tables and sends
``volumeDelete``; the real workspace, database and stand-in are untouched; promoting an approved subset
(one file, one statement, one API mutation) applies exactly that subset.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import vault_env

pytestmark = pytest.mark.skipif(not __import__("shutil").which("bwrap"), reason="bubblewrap is not installed")

PG_PW = "upstream-Secret-sbx-7c2d"

AGENT = r"""
import json, os, shutil, socket, sys, urllib.request
out = {}
# 1. the workspace: everything deleted, one useful file written
for n in os.listdir('.'):
    if n == '.git':
        continue
    shutil.rmtree(n) if os.path.isdir(n) and not os.path.islink(n) else os.unlink(n)
open('fix.py', 'w').write('print("the fix")\n')
# 2. the database, through what DATABASE_URL says (the sandbox's gateway, on the branch)
import psycopg
con = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True)
def sql(q):
    try:
        cur = con.execute(q)
        return 'ok' if cur.description is None else cur.fetchall()
    except Exception as e:
        return 'refused: ' + str(e).splitlines()[0]
out['count'] = sql('SELECT count(*) FROM bookings')
out['insert'] = sql("INSERT INTO cars (id, model) VALUES (99, 'sandbox car')")
out['drop'] = sql('DROP TABLE bookings')
out['after'] = sql('SELECT count(*) FROM bookings')
out['dropdb'] = sql('DROP DATABASE app')
out['alter_system'] = sql("ALTER SYSTEM SET work_mem = '1GB'")
# what the analysis calls an ordinary write but would reach beyond the branch: the database refuses it
# (the branch is reached as a role of its own, owner of the branch and nothing else)
out['beyond'] = {q: sql(q) for q in ("ALTER DATABASE app RENAME TO app_old", "COPY cars TO '/tmp/cars.csv'",
                                     "CREATE EXTENSION dblink", "SELECT pg_read_file('/etc/hostname')",
                                     "CREATE ROLE intruder SUPERUSER LOGIN", "ALTER ROLE postgres PASSWORD 'x'",
                                     "CREATE DATABASE other")}
out['whoami'] = sql('SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)')
try:
    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3)
    out['direct'] = 'CONNECTED'
except OSError as e:
    out['direct'] = 'refused ' + type(e).__name__
# 3. Railway, through RAILWAY_API_URL (the sandbox's HTTP gateway)
def gql(q):
    req = urllib.request.Request(os.environ['RAILWAY_API_URL'], data=json.dumps({'query': q}).encode(),
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
out['me'] = gql('query { me { name } }')
out['volumeDelete'] = gql('mutation { volumeDelete(volumeId: "%s") }' % sys.argv[2])
out['redeploy'] = gql('mutation { serviceInstanceRedeploy(serviceId: "svc-1", environmentId: "env-1") }')
out['volumes_after'] = gql('query { project(id: "%s") { volumes { edges { node { id } } } } }' % sys.argv[3])
print('RESULT ' + json.dumps(out))
"""


READ_BACK = r"""
import json, os, sys, urllib.request
q = 'query { project(id: "%s") { volumes { edges { node { id } } } } }' % sys.argv[1]
req = urllib.request.Request(os.environ['RAILWAY_API_URL'], data=json.dumps({'query': q}).encode(),
                             headers={'Content-Type': 'application/json'})
print(urllib.request.urlopen(req, timeout=20).read().decode())
"""


@pytest.fixture
def pg():
    sys.path.insert(0, os.path.dirname(__file__))
    from servers import PostgresServer

    s = PostgresServer(PG_PW).start()
    try:
        s.create_db("app")
        with s.connect("app", autocommit=True) as c:
            c.execute("CREATE TABLE bookings (id int PRIMARY KEY, car int)")
            c.execute("INSERT INTO bookings SELECT g, g % 20 FROM generate_series(1, 500) g")
            c.execute("CREATE TABLE cars (id int PRIMARY KEY, model text)")
            c.execute("INSERT INTO cars SELECT g, 'model ' || g FROM generate_series(1, 20) g")
        yield s
    finally:
        s.stop()


def _counts(pg):
    with pg.connect("app") as c:
        tables = {r[0] for r in c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables)}


def test_the_incident_rehearsed_nothing_real_touched_and_a_subset_promoted(env, workspace, railway, pg):
    from servers import free_port

    from interlock.standins.railway import PROJECT_ID, VOLUME_ID

    e = vault_env(env, RAILWAY_VAULT_TOKEN)
    assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"], env=e, input=PG_PW + "\n",
                          capture_output=True, text=True, timeout=60).returncode == 0
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(textwrap.dedent(f"""
            [databases.app]
            url = "postgresql://postgres@127.0.0.1:{pg.port}/app"
            password_vault = "app-db"
            [gateways.postgres.app]
            listen = "127.0.0.1:{free_port()}"
            [gateways.http]
            listen = "127.0.0.1:0"
            [gateways.http.routes.railway]
            upstream = "{railway.base}"
            judge_as = "https://backboard.railway.com"
            credential = "railway"
            env = {{ RAILWAY_API_URL = "/graphql/v2" }}
        """))
    real_files = sorted(os.listdir(workspace))
    readme = open(os.path.join(workspace, "README.md")).read()
    volumes = railway.query_volumes()
    before = _counts(pg)

    p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", AGENT, str(pg.port), VOLUME_ID, PROJECT_ID],
                       env=dict(e, DATABASE_URL=pg.url("app"), PGPASSWORD=PG_PW), cwd=workspace,
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
    res = json.loads(p.stdout.split("RESULT ", 1)[1])
    assert PG_PW not in p.stdout + p.stderr and RAILWAY_VAULT_TOKEN not in p.stdout + p.stderr
    # inside: the branch behaved like the database, and the dangerous things stayed refused
    assert res["count"] == [[500]]
    assert res["insert"] == "ok" and res["drop"] == "ok"
    assert res["after"].startswith("refused") and "does not exist" in res["after"]
    assert res["dropdb"].startswith("refused") and "interlock" in res["dropdb"].lower()
    assert res["alter_system"].startswith("refused")
    assert res["direct"].startswith("refused")
    for q, r in res["beyond"].items():
        assert r.startswith("refused"), (q, r)
    assert res["whoami"][0][1] is False and res["whoami"][0][0].startswith("app__sbx_")
    with pg.connect() as c:
        assert not c.execute("SELECT 1 FROM pg_roles WHERE rolname = 'intruder'").fetchone()
        assert c.execute("SELECT 1 FROM pg_database WHERE datname = 'app'").fetchone()
    assert res["me"][0] == 200 and res["me"][1]["data"]["me"]["name"] == "Rental Ops"  # reads
    # volumeDelete: recorded, not sent to the real API, answered by the sandbox's private Railway stand-in
    status, body = res["volumeDelete"]
    assert status == 200 and body["data"] == {"volumeDelete": True}, body
    note = body["extensions"]["interlock"]
    assert note["code"] == "INTERLOCK_SANDBOX_RECORDED" and note["decision"] == "deny"
    assert "recorded, not sent to the real API" in note["message"]
    assert res["redeploy"][1]["data"] == {"serviceInstanceRedeploy": True}
    # a later read through the sandbox sees the effect (on the stand-in)
    assert res["volumes_after"][1]["data"]["project"]["volumes"]["edges"] == []
    assert "answered by a private railway stand-in" in p.stderr
    # re-entered, the sandbox's stand-in is brought back to where the agent left it (its mutations applied again)
    again = subprocess.run(interlock_exe() + ["sandbox", "--id", sid, "--", sys.executable, "-c", READ_BACK,
                                              PROJECT_ID], env=e, cwd=workspace, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["data"]["project"]["volumes"]["edges"] == []

    # outside: nothing real changed
    assert sorted(os.listdir(workspace)) == real_files
    assert open(os.path.join(workspace, "README.md")).read() == readme
    assert _counts(pg) == before == {"bookings": 500, "cars": 20}
    assert railway.query_volumes() == volumes
    assert not railway.received("volumeDelete") and not railway.received("serviceInstanceRedeploy")

    # the change set
    d = subprocess.run(interlock_exe() + ["sandbox", "diff", sid], env=e, capture_output=True, text=True,
                       timeout=60)
    assert d.returncode == 0, d.stderr
    assert "+++ b/fix.py" in d.stdout and "--- a/README.md" in d.stdout
    assert "DROP TABLE bookings (rehearsed: db.drop-table)" in d.stdout
    assert "app public.bookings: 500 -> - (dropped)" in d.stdout
    assert "app public.cars: 20 -> 21" in d.stdout
    assert "DROP DATABASE app  [deny" in d.stdout, d.stdout
    assert "mutation volumeDelete  [outside the sandbox: deny http.graphql-catastrophic; POST" in d.stdout
    j = json.loads(subprocess.run(interlock_exe() + ["sandbox", "diff", sid, "--json"], env=e,
                                  capture_output=True, text=True, timeout=60).stdout)
    insert = next(s["number"] for s in j["sql"] if s["statement"].startswith("INSERT"))
    drop = next(s["number"] for s in j["sql"] if s["statement"] == "DROP TABLE bookings")
    redeploy = next(m["number"] for m in j["api_mutations"] if "serviceInstanceRedeploy" in m["summary"])
    vdel = next(m["number"] for m in j["api_mutations"] if "volumeDelete" in m["summary"])

    # promote the approved subset: one file, the INSERT, the redeploy
    pr = subprocess.run(interlock_exe() + ["sandbox", "promote", "--id", sid, "fix.py", "--sql", str(insert),
                                           "--api", str(redeploy)],
                        env=e, capture_output=True, text=True, timeout=120)
    assert pr.returncode == 0, pr.stdout + pr.stderr
    assert open(os.path.join(workspace, "fix.py")).read() == 'print("the fix")\n'
    assert sorted(os.listdir(workspace)) == sorted(real_files + ["fix.py"])
    assert _counts(pg) == {"bookings": 500, "cars": 21}
    assert len(railway.received("serviceInstanceRedeploy")) == 1
    assert railway.query_volumes() == volumes and not railway.received("volumeDelete")

    # what the policy refuses stays refused on promote: volumeDelete through the real gateway, DROP TABLE held
    pr = subprocess.run(interlock_exe() + ["sandbox", "promote", "--id", sid, "--no-files", "--api", str(vdel),
                                           "--sql", str(drop)],
                        env=e, capture_output=True, text=True, timeout=120)
    assert pr.returncode == 1
    assert "not sent, HTTP 403" in pr.stdout and "not run" in pr.stdout
    assert railway.query_volumes() == volumes and not railway.received("volumeDelete")
    assert _counts(pg) == {"bookings": 500, "cars": 21}

    # discard: the branch is dropped
    branch = j["databases"]["app"]["branch"]
    with pg.connect() as c:
        assert c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (branch,)).fetchone()
    dc = subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True, text=True,
                        timeout=60)
    assert dc.returncode == 0, dc.stderr
    with pg.connect() as c:
        assert c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (branch,)).fetchone() is None
        assert c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (branch,)).fetchone() is None
    log = subprocess.run(interlock_exe() + ["log", "--json", "--limit", "200"], env=e, capture_output=True,
                         text=True, timeout=60).stdout
    assert "sandbox promote 1 SQL statement" in log and "sandbox promote 1 API mutation" in log
    assert PG_PW not in log and RAILWAY_VAULT_TOKEN not in log


def test_a_database_over_the_branch_limit_is_not_branched_and_nothing_starts(env, workspace, pg):
    from servers import free_port

    assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"],
                          env=dict(env, INTERLOCK_VAULT_BACKEND="file"), input=PG_PW + "\n",
                          capture_output=True, text=True, timeout=60).returncode == 0
    e = dict(env, INTERLOCK_VAULT_BACKEND="file")
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\npassword_vault = "app-db"\n'
                f'[gateways.postgres.app]\nlisten = "127.0.0.1:{free_port()}"\n')
    p = subprocess.run(interlock_exe() + ["sandbox", "--max-branch-mb", "1", "--", "sh", "-c", "echo RAN"],
                       env=e, cwd=workspace, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "RAN" not in p.stdout
    assert "over the branch limit of 1 MB" in p.stderr
    with pg.connect() as c:
        assert not c.execute("SELECT datname FROM pg_database WHERE datname LIKE 'app__sbx_%'").fetchall()
    assert not os.listdir(os.path.join(e["INTERLOCK_HOME"], "sandboxes"))


def test_a_database_in_use_is_branched_by_dump_and_restore(env, workspace, pg):
    from servers import free_port

    e = dict(env, INTERLOCK_VAULT_BACKEND="file")
    assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"], env=e, input=PG_PW + "\n",
                          capture_output=True, text=True, timeout=60).returncode == 0
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\npassword_vault = "app-db"\n'
                f'[gateways.postgres.app]\nlisten = "127.0.0.1:{free_port()}"\n')
    agent = ("import psycopg, os; c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); "
             "print('rows', c.execute('SELECT count(*) FROM bookings').fetchone()[0]); "
             "c.execute('TRUNCATE bookings'); print('after', c.execute('SELECT count(*) FROM bookings').fetchone()[0])")
    with pg.connect("app") as busy:  # another session on the database: TEMPLATE is refused
        busy.execute("SELECT 1")
        p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", agent], env=e, cwd=workspace,
                           capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "(dump," in p.stderr and "rows 500" in p.stdout and "after 0" in p.stdout
    assert _counts(pg) == {"bookings": 500, "cars": 20}
    sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
    assert subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True,
                          timeout=60).returncode == 0


def test_the_sandbox_never_uses_a_port_another_gateway_holds(env, workspace, pg):
    """`interlock run`'s gateway on the policy's port leads to the real database: the sandbox's gateway
    listens on a fresh port of its own, and `interlock run` refuses a port someone else answers on."""
    import socket

    e = dict(env, INTERLOCK_VAULT_BACKEND="file")
    assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"], env=e, input=PG_PW + "\n",
                          capture_output=True, text=True, timeout=60).returncode == 0
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(5)
    port = other.getsockname()[1]
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\npassword_vault = "app-db"\n'
                f'[gateways.postgres.app]\nlisten = "127.0.0.1:{port}"\n')
    agent = ("import psycopg, os; print('URL', os.environ['DATABASE_URL']); "
             "c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); c.execute('TRUNCATE bookings'); "
             "print('branch', c.execute('SELECT current_database()').fetchone()[0])")
    try:
        p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", agent], env=e, cwd=workspace,
                           capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stdout + p.stderr
        assert f":{port}/" not in p.stdout and "branch app__sbx_" in p.stdout
        assert _counts(pg) == {"bookings": 500, "cars": 20}
        r = subprocess.run(interlock_exe() + ["run", "--", sys.executable, "-c", "print('RAN')"], env=e,
                           cwd=workspace, capture_output=True, text=True, timeout=120)
        assert r.returncode == 1 and "RAN" not in r.stdout and "already in use" in r.stderr
    finally:
        other.close()


def _app_policy(env, pg):
    from servers import free_port

    e = dict(env, INTERLOCK_VAULT_BACKEND="file")
    assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "app-db"], env=e, input=PG_PW + "\n",
                          capture_output=True, text=True, timeout=60).returncode == 0
    cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "policy.toml"), "w") as f:
        f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\npassword_vault = "app-db"\n'
                f'[gateways.postgres.app]\nlisten = "127.0.0.1:{free_port()}"\n')
    return e


def test_a_large_database_is_branched_as_a_sample_and_the_size_limit_still_holds(env, workspace, pg):
    with pg.connect("app", autocommit=True) as c:  # a foreign key the sample cannot keep: its parents are not in it
        c.execute("CREATE TABLE trips (id serial PRIMARY KEY, car int CONSTRAINT trips_car_fk REFERENCES cars(id))")
        c.execute("INSERT INTO trips (car) SELECT 20 FROM generate_series(1, 300)")
    e = _app_policy(env, pg)
    agent = ("import psycopg, os, json; c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); "
             "print('COUNTS', json.dumps({t: c.execute(f'SELECT count(*) FROM {t}').fetchone()[0] "
             "for t in ('bookings', 'cars', 'trips')})); c.execute('DELETE FROM bookings WHERE id <= 5'); "
             "print('NEXT', c.execute(\"SELECT nextval('trips_id_seq')\").fetchone()[0])")
    p = subprocess.run(interlock_exe() + ["sandbox", "--sample", "10", "--", sys.executable, "-c", agent], env=e,
                       cwd=workspace, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout.split("COUNTS ", 1)[1].splitlines()[0]) == {"bookings": 10, "cars": 10, "trips": 10}
    assert "NEXT 301" in p.stdout  # sequences continue where the real ones are
    assert "is a SAMPLE: at most 10 rows per table" in p.stderr and "trips_car_fk" in p.stderr
    assert _counts(pg) == {"bookings": 500, "cars": 20, "trips": 300}
    sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
    d = subprocess.run(interlock_exe() + ["sandbox", "diff", sid], env=e, capture_output=True, text=True, timeout=60)
    assert "app public.bookings: 10 (sample) -> 5" in d.stdout, d.stdout
    assert "public.cars" not in d.stdout  # the sample is the baseline: untouched tables are no change
    assert subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True,
                          timeout=60).returncode == 0
    # the size limit holds for the sample too: a branch over it is removed and nothing runs
    p = subprocess.run(interlock_exe() + ["sandbox", "--sample", "10", "--max-branch-mb", "1", "--", "sh", "-c",
                                          "echo RAN"], env=e, cwd=workspace, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "RAN" not in p.stdout and "the sample of database app is" in p.stderr
    with pg.connect() as c:
        assert not c.execute("SELECT datname FROM pg_database WHERE datname LIKE 'app__sbx_%'").fetchall()


MY_PW = "shop-Secret-sbx-91ab"

MY_AGENT = r"""
import json, os, sys, pymysql
out = {}
c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app', password='guess', database='shop',
                    autocommit=True)
def sql(q):
    try:
        with c.cursor() as cur:
            cur.execute(q)
            return cur.fetchall() if cur.description else 'ok'
    except Exception as e:
        return 'refused: ' + str(e)[:200]
out['count'] = sql('SELECT COUNT(*) FROM orders')
out['insert'] = sql('INSERT INTO orders VALUES (999, 3)')
out['delete'] = sql('DELETE FROM orders')
out['drop'] = sql('DROP TABLE customers')
out['env'] = os.environ.get('DATABASE_URL')
# the branch's server runs outside the agent's sandbox: it must not reach files, plugins or the network
out['load_file'] = sql("SELECT LOAD_FILE('/etc/hostname')")
out['outfile'] = sql("SELECT 'x' INTO OUTFILE '/tmp/escape-%s.txt'" % sys.argv[2])
out['plugin'] = sql("INSTALL SONAME 'ha_federatedx'")
out['log_file'] = sql("SET GLOBAL general_log_file = '/root/escape-%s.log'" % sys.argv[2])
print('RESULT ' + json.dumps(out, default=str))
"""


def test_a_mysql_database_is_branched_into_a_local_mariadbd_nothing_real_touched(env, workspace):
    sys.path.insert(0, os.path.dirname(__file__))
    from servers import MariaDBServer

    my = MariaDBServer(MY_PW).start()
    try:
        my.create_db("shop")
        with my.connect("shop", autocommit=True) as c, c.cursor() as cur:
            cur.execute("CREATE TABLE customers (id int PRIMARY KEY, name text)")
            cur.execute("INSERT INTO customers VALUES " + ",".join(f"({i}, 'c{i}')" for i in range(1, 11)))
            cur.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int)")
            cur.execute("INSERT INTO orders VALUES " + ",".join(f"({i}, {i % 10 + 1})" for i in range(1, 51)))
        e = dict(env, INTERLOCK_VAULT_BACKEND="file")
        assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "shop-db"], env=e, input=MY_PW + "\n",
                              capture_output=True, text=True, timeout=60).returncode == 0
        cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(f'[databases.shop]\nurl = "mysql://app@127.0.0.1:{my.port}/shop"\npassword_vault = "shop-db"\n')
        tag = os.urandom(4).hex()
        p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", MY_AGENT, str(my.port), tag],
                           env=e, cwd=workspace, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        res = json.loads(p.stdout.split("RESULT ", 1)[1])
        assert res["count"] == [[50]] and res["delete"] == "ok" and res["drop"] == "ok"
        assert res["env"] == f"mysql://root@127.0.0.1:{my.port}/shop"
        assert res["load_file"] == [[None]]
        assert res["outfile"].startswith("refused") and res["plugin"].startswith("refused")
        assert not os.path.exists(f"/tmp/escape-{tag}.txt") and not os.path.exists(f"/root/escape-{tag}.log")
        assert MY_PW not in p.stdout + p.stderr
        # the real database is untouched
        with my.connect("shop") as c, c.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            assert cur.fetchone()[0] == 50
            cur.execute("SELECT COUNT(*) FROM customers")
            assert cur.fetchone()[0] == 10
        sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
        d = subprocess.run(interlock_exe() + ["sandbox", "diff", sid], env=e, capture_output=True, text=True,
                           timeout=60)
        assert "shop orders: 50 -> 0" in d.stdout, d.stdout
        assert "shop customers: 10 -> - (dropped)" in d.stdout
        assert "shop: DELETE FROM orders" in d.stdout and "shop: DROP TABLE customers" in d.stdout
        # promote: a statement the policy allows runs on the real database; a destructive one waits for approval
        num = {m.group(2): m.group(1) for m in re.finditer(r"^  (\d+)\. shop: (.*)$", d.stdout, re.M)}
        pr = subprocess.run(interlock_exe() + ["sandbox", "promote", "--id", sid, "--no-files", "--mysql",
                                               num["INSERT INTO orders VALUES (999, 3)"]],
                            env=e, capture_output=True, text=True, timeout=120)
        assert pr.returncode == 0 and "ran (1 row(s))" in pr.stdout, pr.stdout + pr.stderr
        pr = subprocess.run(interlock_exe() + ["sandbox", "promote", "--id", sid, "--no-files", "--mysql",
                                               f"{num['DELETE FROM orders']},{num['DROP TABLE customers']}"],
                            env=e, capture_output=True, text=True, timeout=120)
        # (held for a human's approval: tests/test_sandbox_incident.py's promote test approves and runs them)
        assert pr.returncode == 1 and pr.stdout.count("filed — once a human approves it") == 2, pr.stdout + pr.stderr
        with my.connect("shop") as c, c.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM orders")
            assert cur.fetchone()[0] == 51
            cur.execute("SELECT COUNT(*) FROM customers")
            assert cur.fetchone()[0] == 10
        # re-entered: the branch kept what the agent did
        again = subprocess.run(interlock_exe() + ["sandbox", "--id", sid, "--", sys.executable, "-c",
                                                  "import pymysql, sys; c = pymysql.connect(host='127.0.0.1', "
                                                  f"port={my.port}, user='x', database='shop'); cur = c.cursor(); "
                                                  "cur.execute('SELECT COUNT(*) FROM orders'); print('ORDERS', "
                                                  "cur.fetchone()[0])"],
                               env=e, cwd=workspace, capture_output=True, text=True, timeout=120)
        assert "ORDERS 0" in again.stdout, again.stdout + again.stderr
        assert subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True,
                              timeout=60).returncode == 0
        assert not os.path.exists(os.path.join(e["INTERLOCK_HOME"], "sandboxes", sid))
    finally:
        my.stop()


MY_PROMOTE_AGENT = r"""
import pymysql, sys
c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app', database='shop', autocommit=True)
cur = c.cursor()
for q in ('DELETE FROM orders WHERE id <= 10', 'DROP TABLE customers', 'TRUNCATE notes', 'DELETE FROM orders',
          "INSERT INTO notes VALUES (7, 'rehearsed')"):
    cur.execute(q)
print('DONE')
"""


def test_mysql_promote_of_an_approved_subset_runs_it_after_a_snapshot_and_nothing_else(env, workspace):
    """Issue 17 (promote): the approved part of a MySQL session's statements, asked about by the policy, runs on
    the real database after a verified snapshot (restorable); what was not chosen, and what the policy denies,
    stays untouched."""
    sys.path.insert(0, os.path.dirname(__file__))
    from helpers import SECRET_A, add_approver, cli
    from servers import MariaDBServer

    my = MariaDBServer(MY_PW).start()
    try:
        my.create_db("shop")
        with my.connect("shop", autocommit=True) as c, c.cursor() as cur:
            cur.execute("CREATE TABLE customers (id int PRIMARY KEY, name text)")
            cur.execute("INSERT INTO customers VALUES " + ",".join(f"({i}, 'c{i}')" for i in range(1, 11)))
            cur.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int)")
            cur.execute("INSERT INTO orders VALUES " + ",".join(f"({i}, {i % 10 + 1})" for i in range(1, 51)))
            cur.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
            cur.execute("INSERT INTO notes VALUES (1, 'keep'), (2, 'keep too')")

        def real():
            with my.connect("shop") as c, c.cursor() as cur:
                cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'")
                out = {}
                for (t,) in sorted(cur.fetchall()):
                    cur.execute(f"SELECT COUNT(*) FROM `{t}`")
                    out[t] = cur.fetchone()[0]
                return out

        e = dict(env, INTERLOCK_VAULT_BACKEND="file")
        assert subprocess.run(interlock_exe() + ["secrets", "vault", "add", "shop-db"], env=e, input=MY_PW + "\n",
                              capture_output=True, text=True, timeout=60).returncode == 0
        add_approver("alice", SECRET_A, e)
        cfg = os.path.join(e["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(f'[databases.shop]\nurl = "mysql://app@127.0.0.1:{my.port}/shop"\npassword_vault = "shop-db"\n'
                    '[[rules]]\nid = "db.truncate"\ndecision = "deny"\nreason = "never truncate here"\n')
        p = subprocess.run(interlock_exe() + ["sandbox", "--", sys.executable, "-c", MY_PROMOTE_AGENT, str(my.port)],
                           env=e, cwd=workspace, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0 and "DONE" in p.stdout, p.stdout + p.stderr
        sid = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr).group(1)
        before = real()
        assert before == {"customers": 10, "notes": 2, "orders": 50}
        d = subprocess.run(interlock_exe() + ["sandbox", "diff", sid], env=e, capture_output=True, text=True,
                           timeout=60).stdout
        num = {m.group(2): m.group(1) for m in re.finditer(r"^  (\d+)\. shop: (.*)$", d, re.M)}
        delete10, drop, trunc = (num["DELETE FROM orders WHERE id <= 10"], num["DROP TABLE customers"],
                                 num["TRUNCATE notes"])
        chosen = ["sandbox", "promote", "--id", sid, "--no-files", "--mysql", f"{delete10},{drop},{trunc}"]

        # 1. the first promotion files an approval for each statement the policy asks about; nothing runs
        pr = subprocess.run(interlock_exe() + chosen, env=e, capture_output=True, text=True, timeout=120)
        assert pr.returncode == 1, pr.stdout + pr.stderr
        ids = re.findall(r"approval (\S+) filed", pr.stdout)
        assert len(ids) == 2, pr.stdout  # the DELETE and the DROP; the TRUNCATE is denied, not approvable
        assert f"MySQL #{trunc}: not run: Interlock would deny it" in pr.stdout and "never truncate here" in pr.stdout
        assert real() == before

        # 2. a human approves them; the same promotion runs exactly those, each after a verified snapshot
        for rid in ids:
            a = cli(["approve", rid], e, fd_secret=SECRET_A)
            assert a.returncode == 0, a.stdout + a.stderr
        pr = subprocess.run(interlock_exe() + chosen, env=e, capture_output=True, text=True, timeout=300)
        assert pr.returncode == 1, pr.stdout + pr.stderr  # the TRUNCATE still refused
        assert f"MySQL #{delete10}: ran (10 row(s)), approved" in pr.stdout, pr.stdout + pr.stderr
        assert f"MySQL #{drop}: ran" in pr.stdout and f"MySQL #{trunc}: not run" in pr.stdout
        snaps = re.findall(r"snapshot (\S+) was taken first \(undo: interlock restore \1\)", pr.stdout)
        assert len(snaps) == 2, pr.stdout
        # exactly the approved subset: 10 orders gone, customers dropped; notes (denied) and the unchosen
        # `DELETE FROM orders` / INSERT untouched
        assert real() == {"notes": 2, "orders": 40}
        assert MY_PW not in pr.stdout + pr.stderr
        # an approval is used once: promoting again files new requests instead of running twice
        again = subprocess.run(interlock_exe() + ["sandbox", "promote", "--id", sid, "--no-files", "--mysql", delete10],
                               env=e, capture_output=True, text=True, timeout=120)
        assert again.returncode == 1 and "filed" in again.stdout, again.stdout
        assert real() == {"notes": 2, "orders": 40}

        # 3. the snapshot taken before the DROP brings the table back (`interlock restore` asks a person at a
        # terminal to confirm; the library call underneath it)
        from interlock.safeguards import restore

        restore(snaps[1], force=True, env=e)
        assert real() == {"customers": 10, "notes": 2, "orders": 40}
        # 4. no snapshot, no run: with the snapshot store unwritable an approved statement is not run
        with open(os.path.join(cfg, "policy.toml"), "a") as f:
            f.write('[snapshots]\npath = "/proc/interlock-no-store"\n')
        wipe = ["sandbox", "promote", "--id", sid, "--no-files", "--mysql", num["DELETE FROM orders"]]
        pr = subprocess.run(interlock_exe() + wipe, env=e, capture_output=True, text=True, timeout=120)
        (rid,) = re.findall(r"approval (\S+) filed", pr.stdout)
        assert cli(["approve", rid], e, fd_secret=SECRET_A).returncode == 0
        pr = subprocess.run(interlock_exe() + wipe, env=e, capture_output=True, text=True, timeout=120)
        assert pr.returncode == 1 and "the snapshot before it failed: not run" in pr.stdout, pr.stdout + pr.stderr
        assert real() == {"customers": 10, "notes": 2, "orders": 40}
        log = subprocess.run(interlock_exe() + ["log", "--json", "--limit", "200"], env=e, capture_output=True,
                             text=True, timeout=60).stdout
        assert "sandbox promote 3 MySQL statement" in log and MY_PW not in log
        assert subprocess.run(interlock_exe() + ["sandbox", "discard", sid], env=e, capture_output=True,
                              timeout=60).returncode == 0
    finally:
        my.stop()
