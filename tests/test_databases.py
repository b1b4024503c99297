"""Database knowledge: SQL classification (interlock.analysis.sql) and whole commands
through the engine (clients, dump/restore tools, framework tasks, environments)."""

from __future__ import annotations

import sys

import pytest

from interlock.analysis import sql as S
from interlock.engine import check_command
from interlock.policy import Layer, Policy

# --- sql.classify: statement by statement -------------------------------------------------------

# (sql, dialect, [(rule, target), ...] for every statement that hits a rule, in order)
CLASSIFY = [
    # reads and look-alikes
    ("SELECT * FROM users LIMIT 5", "postgres", []),
    ("select count(*) from users", None, []),
    ("SELECT 'DROP TABLE x'", "postgres", []),
    ("-- DROP TABLE users\nSELECT 1", "postgres", []),
    ("/* DELETE FROM users */ SELECT 1", "mysql", []),
    ("# DROP DATABASE shop\nSELECT 1", "mysql", []),
    ('SELECT "drop" FROM t', "postgres", []),
    ("SHOW TABLES", "mysql", []),
    ("DESCRIBE users", "mysql", []),
    ("EXPLAIN DELETE FROM users", "postgres", []),
    ("\\d users", "postgres", []),
    ("\\dt+", "postgres", []),
    (".tables", "sqlite", []),
    ("SELECT * FROM t FOR UPDATE", "postgres", []),
    ("BEGIN; SELECT 1; COMMIT;", "postgres", []),
    ("SELECT $$DROP TABLE x$$", "postgres", []),
    ("SELECT E'it\\'s; DROP TABLE x'", "postgres", []),
    # bounded writes
    ("DELETE FROM users WHERE id = 5", "postgres", [("db.write", "users")]),
    ("DELETE FROM users WHERE deleted_at IS NOT NULL", "postgres", [("db.change-unbounded", "users")]),
    ("DELETE FROM t WHERE (a = 1 OR 1 = 1) AND b = 2", "postgres", [("db.write", "t")]),
    ("UPDATE users SET admin = true WHERE id = 42", "postgres", [("db.write", "users")]),
    ("INSERT INTO users (name) VALUES ('DROP TABLE users')", "postgres", [("db.write", "users")]),
    ("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1", "postgres", [("db.write", "t")]),
    ("CREATE INDEX idx_users_email ON users (email)", "postgres", [("db.write", "idx_users_email")]),
    ("ALTER TABLE users ADD COLUMN email text", "postgres", [("db.write", "users")]),
    ("ALTER TABLE users ALTER COLUMN email DROP NOT NULL", "postgres", [("db.write", "users")]),
    ("DELETE FROM t LIMIT 10", "mysql", [("db.write", "t")]),
    ("DELETE t1 FROM t1 JOIN t2 ON t1.a = t2.a", "mysql", [("db.change-unbounded", "t1")]),
    ("GRANT SELECT ON users TO reporting", "postgres", [("db.write", "reporting")]),
    ("REVOKE ALL ON users FROM PUBLIC", "postgres", [("db.write", "PUBLIC")]),
    ("DROP TEMPORARY TABLE tmp_ids", "mysql", [("db.write", "tmp_ids")]),
    ("ALTER TABLE t DELETE WHERE day < '2020-01-01'", "clickhouse", [("db.write", "t")]),
    # whole tables
    ("DELETE FROM orders", "postgres", [("db.delete-all", "orders")]),
    ("DELETE FROM orders WHERE 1=1", None, [("db.delete-all", "orders")]),
    ("DELETE FROM orders WHERE true", "sqlite", [("db.delete-all", "orders")]),
    ("delete from users where id is not null", "postgres", [("db.delete-all", "users")]),
    ("DELETE FROM users WHERE id > 0", "mysql", [("db.delete-all", "users")]),
    ("DELETE FROM users WHERE user_id IS NOT NULL", "postgres", [("db.delete-all", "users")]),
    ("DELETE FROM t WHERE name = 'x' OR 1=1", "postgres", [("db.delete-all", "t")]),
    ("DELETE FROM t WHERE x LIKE '%'", "postgres", [("db.delete-all", "t")]),
    ("DELETE FROM s.t", "postgres", [("db.delete-all", "s.t")]),
    ("UPDATE users SET admin = true", "postgres", [("db.update-all", "users")]),
    ("UPDATE users SET a = 1 WHERE id = id", "postgres", [("db.update-all", "users")]),
    ("WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone", "postgres",
     [("db.delete-all", "orders")]),
    ("EXPLAIN ANALYZE DELETE FROM orders", "postgres", [("db.delete-all", "orders")]),
    ("EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1", "postgres", [("db.update-all", "t")]),
    ("ALTER TABLE events DELETE WHERE 1", "clickhouse", [("db.delete-all", "events")]),
    ("TRUNCATE users", "postgres", [("db.truncate", "users")]),
    ("TRUNCATE TABLE sessions", "mysql", [("db.truncate", "sessions")]),
    ("TRUNCATE users CASCADE", "postgres", [("db.truncate-cascade", "users")]),
    ("DROP TABLE users", "sqlite", [("db.drop-table", "users")]),
    ("DROP TABLE IF EXISTS `users`;", "mysql", [("db.drop-table", "users")]),
    ('DROP TABLE "Users" CASCADE', "postgres", [("db.drop-table", "Users")]),
    ("CREATE OR REPLACE TABLE t (a int)", "snowflake", [("db.drop-table", "t")]),
    ("DROP VIEW active_users", "postgres", [("db.drop-object", "view active_users")]),
    ("DROP INDEX idx ON users", "mysql", [("db.drop-object", "index idx")]),
    ("ALTER TABLE users DROP COLUMN email", "postgres", [("db.alter-drop", "users")]),
    ("ALTER TABLE users DROP CONSTRAINT users_email_key", "postgres", [("db.alter-drop", "users")]),
    ("ALTER TABLE users DROP email", "mysql", [("db.alter-drop", "users")]),
    # many tables at once
    ("TRUNCATE a, b, c", "postgres", [("db.truncate", "a, b, c"), ("db.drop-many-tables", "a, b, c")]),
    ("DROP TABLE a; DROP TABLE b; DROP TABLE c;", "postgres",
     [("db.drop-table", "a"), ("db.drop-table", "b"), ("db.drop-table", "c"), ("db.drop-many-tables", "a, b, c")]),
    # databases and schemas
    ("DROP DATABASE app", "postgres", [("db.drop-database", "app")]),
    ("DROP DATABASE IF EXISTS app_test", "postgres", [("db.drop-test-database", "app_test")]),
    ("DROP DATABASE app_prod_test", "postgres", [("db.drop-database", "app_prod_test")]),
    ("DROP SCHEMA shop", "mysql", [("db.drop-database", "shop")]),
    ("DROP KEYSPACE shop", "cql", [("db.drop-database", "shop")]),
    ("DROP SCHEMA tenant_42", "postgres", [("db.drop-schema", "tenant_42")]),
    ("DROP SCHEMA public CASCADE", "postgres", [("db.drop-schema-cascade", "public")]),
    ("DROP SCHEMA billing CASCADE", "postgres", [("db.drop-schema-cascade", "billing")]),
    ("DROP OWNED BY app_user", "postgres", [("db.drop-owned", "app_user")]),
    ("DROP EXTENSION postgis CASCADE", "postgres", [("db.drop-extension-cascade", "postgis")]),
    ("DROP EXTENSION pg_trgm", "postgres", [("db.drop-object", "extension pg_trgm")]),
    ("TRUNCATE DATABASE analytics", "clickhouse", [("db.drop-database", "analytics")]),
    # backups and audit trails
    ("DROP TABLE users_backup", "postgres", [("db.backup-table", "users_backup")]),
    ("TRUNCATE audit_log", "postgres", [("db.backup-table", "audit_log")]),
    ("DELETE FROM audit_events WHERE id = 1", "postgres", [("db.backup-table", "audit_events")]),
    ("UPDATE audit_log SET actor = 'x' WHERE id = 1", "postgres", [("db.backup-table", "audit_log")]),
    ("INSERT INTO audit_log (event) VALUES ('login')", "postgres", [("db.write", "audit_log")]),
    # permissions, sessions, server
    ("GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC", "postgres", [("db.grant-broad", "PUBLIC")]),
    ("GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'", "mysql", [("db.grant-broad", "app %")]),
    ("REVOKE ALL ON DATABASE app FROM app_user", "postgres", [("db.grant-broad", "app_user")]),
    ("ALTER ROLE app SUPERUSER", "postgres", [("db.grant-broad", "app")]),
    ("ALTER TABLE orders DISABLE TRIGGER ALL", "postgres", [("db.disable-trigger", "orders")]),
    ("SET session_replication_role = replica", "postgres", [("db.disable-trigger", None)]),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "postgres", [("db.terminate-backend", None)]),
    ("KILL 42", "mysql", [("db.terminate-backend", "42")]),
    ("SELECT pg_drop_replication_slot('debezium')", "postgres", [("db.replication", None)]),
    ("RESET MASTER", "mysql", [("db.replication", None)]),
    ("ALTER SYSTEM SET max_connections = 5", "postgres", [("db.alter-system", None)]),
    ("DROP ROLE reporting", "postgres", [("db.drop-user", "reporting")]),
    ("SHUTDOWN", "mysql", [("sys.service-stop", "database server")]),
    # dynamic SQL and bodies
    ("DO $$ BEGIN DELETE FROM x; END $$", "postgres", [("db.delete-all", "x")]),
    ("DO $$ BEGIN IF true THEN DELETE FROM x WHERE id = 1; END IF; END $$", "postgres", [("db.write", "x")]),
    ("EXECUTE format('DROP TABLE %I', t)", "postgres", [("db.dynamic-sql", None), ("db.drop-table", "<dynamic>")]),
    ("PREPARE s FROM @sql", "mysql", [("db.dynamic-sql", None)]),
    ("PREPARE s FROM 'DELETE FROM t'", "mysql", [("db.delete-all", "t")]),
    ("PREPARE q AS SELECT 1; EXECUTE q", "postgres", []),
    ("CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM x $$ LANGUAGE sql", "postgres",
     [("db.write", "f"), ("db.delete-all", "x")]),
    # values only known at run time
    ("\x00", "postgres", [("db.sql-unseen", None)]),
    ("DELETE FROM users WHERE id = \x00", "postgres", [("db.write", "users")]),
    ("DROP TABLE \x00", "postgres", [("db.drop-table", "$?")]),
]


@pytest.mark.parametrize("sql,dialect,expected", CLASSIFY, ids=[f"{c[1]}:{c[0][:50]}" for c in CLASSIFY])
def test_classify(sql, dialect, expected):
    got = [(st.rule, st.target) for st in S.classify(sql, dialect) if st.rule]
    assert got == expected


def test_classify_severity_and_kind():
    [st] = S.classify("DELETE FROM orders", "postgres")
    assert (st.kind, st.effect, st.severity, st.tables) == ("delete", "delete", "destructive", ("orders",))
    assert st.notes == ["no WHERE clause: every row"]
    [st] = S.classify("SELECT 1", "postgres")
    assert (st.kind, st.severity, st.rule) == ("select", "read", None)
    [st] = S.classify("DROP DATABASE app", "postgres")
    assert (st.severity, st.evidence) == ("catastrophic", "DROP DATABASE app")


def test_classify_lines_and_evidence():
    stmts = S.classify("SELECT 1;\n\nDELETE FROM t\n  WHERE true;\n", "postgres")
    assert [(s.kind, s.line) for s in stmts] == [("select", 0), ("delete", 2)]
    assert stmts[1].evidence == "DELETE FROM t WHERE true"


def test_rollback_is_noted_not_forgiven():
    stmts = S.classify("BEGIN; DELETE FROM orders; ROLLBACK;", "postgres")
    [st] = [s for s in stmts if s.rule]
    assert st.rule == "db.delete-all" and st.severity == "destructive"
    assert any("ROLLBACK" in n for n in st.notes)


def test_unparseable_falls_back_to_keywords():
    # sqlglot cannot parse this; the keyword scan still sees a DELETE without WHERE
    [st] = S.classify("DELETE FROM orders RETURNING *, ~~", "postgres")
    assert st.rule == "db.delete-all"
    assert any("judged by keywords" in n for n in st.notes)
    [st] = S.classify("UPDATE t SET a = WHERE 1=1", "postgres")
    assert st.rule == "db.update-all" and "judged by keywords" in st.notes[-1]


def test_gexec_over_catalog_is_many_tables():
    sql = "SELECT format('DROP TABLE %I CASCADE', tablename) FROM pg_tables WHERE schemaname = 'public'\n\\gexec\n"
    rules = [s.rule for s in S.classify(sql, "postgres") if s.rule]
    assert rules == ["db.dynamic-sql", "db.drop-table", "db.drop-many-tables"]


def test_do_loop_over_catalog_is_many_tables():
    sql = ("DO $$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
           "LOOP EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE'; END LOOP; END $$;")
    rules = [s.rule for s in S.classify(sql, "postgres") if s.rule]
    assert rules == ["db.dynamic-sql", "db.drop-table", "db.drop-many-tables"]


def test_client_meta_commands():
    [st] = S.classify("\\i setup.sql", "postgres")
    assert (st.effect, st.include) == ("include", "setup.sql")
    [st] = S.classify(".read x.sql", "sqlite")
    assert st.include == "x.sql"
    [st] = S.classify("source /tmp/dump.sql", "mysql")
    assert st.include == "/tmp/dump.sql"
    [_, st] = S.classify("SELECT 1; \\! rm -rf /tmp/x", "postgres")
    assert st.shell == ("rm -rf /tmp/x",)
    [st] = S.classify("COPY t TO PROGRAM 'gzip > /tmp/t.gz'", "postgres")
    assert st.shell == ("gzip > /tmp/t.gz",) and st.rule is None
    [st] = S.classify("\\o /tmp/out.txt", "postgres")
    assert st.output == "/tmp/out.txt"
    stmts = S.classify("DELIMITER //\nCREATE PROCEDURE p() BEGIN DELETE FROM t; END//\nDELIMITER ;\nSELECT 1;",
                       "mysql")
    assert [s.kind for s in stmts] == ["create", "delete", "select"]  # the body's DELETE, when it is called


def test_mysql_executable_comments_are_code():
    stmts = S.classify("/*!40101 SET NAMES utf8 */;\n/*!40000 DROP TABLE t */;", "mysql")
    assert [s.rule for s in stmts if s.rule] == ["db.drop-table"]


def test_names():
    assert S.is_prod_name("prod-db.internal") and S.is_prod_name("app_production")
    assert not S.is_prod_name("products") and not S.is_prod_name("reproduce")
    assert S.is_scratch_name("app_test") and S.is_scratch_name("shop_dev")
    assert not S.is_scratch_name("app_prod_test") and not S.is_scratch_name("latest")
    assert S.is_backup_name("users_backup") and S.is_backup_name("public.audit_log")
    assert not S.is_backup_name("users")


def test_sqlglot_is_only_imported_for_dml():
    import subprocess

    code = ("import sys; from interlock.analysis import sql as S; "
            "S.classify('SELECT 1; DROP TABLE t; TRUNCATE u; ALTER TABLE v DROP COLUMN c', 'postgres'); "
            "a = 'sqlglot' in sys.modules; S.classify('DELETE FROM t WHERE id = 1', 'postgres'); "
            "print(a, 'sqlglot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


# --- whole commands ------------------------------------------------------------------------------

_DB_VARS = ("PGHOST", "PGDATABASE", "DATABASE_URL", "MYSQL_HOST", "RAILS_ENV", "RACK_ENV", "NODE_ENV", "APP_ENV",
            "MIX_ENV", "FLASK_ENV", "ENVIRONMENT", "STAGE", "DJANGO_SETTINGS_MODULE", "ASPNETCORE_ENVIRONMENT",
            "DOTNET_ENVIRONMENT")


@pytest.fixture
def db_env(env):
    e = dict(env)
    for k in _DB_VARS:
        e.pop(k, None)
    return e


def _check(command, workspace, home, env, policy=None):
    return check_command(command, cwd=workspace, home=home, env=env, policy=policy)


# (command, decision, rule that must be among the findings, or None for no db finding at all)
COMMANDS = [
    # reads stay silent
    ("psql -h localhost -U dev -d app_dev -c 'select count(*) from users'", "allow", None),
    ("sqlite3 app.db '.tables'", "allow", None),
    ("sqlite3 app.db \"SELECT * FROM users LIMIT 5\"", "allow", None),
    ("docker exec db psql -U app -c 'select 1'", "allow", None),
    ("sudo -u postgres psql -c '\\l'", "allow", None),
    ("redis-cli ping", "allow", None),
    ("redis-cli GET flushall", "allow", None),
    ("psql -l", "allow", None),
    ("psql --version", "allow", None),
    ("mysql -e 'SHOW DATABASES'", "allow", None),
    ("mongosh app --eval 'db.users.find().limit(5)'", "allow", None),
    ("mongosh --eval 'print(\"db.dropDatabase()\")'", "allow", None),
    ("pg_dump app > dump.sql", "allow", None),
    ("pg_restore -l dump.pgdump", "allow", None),
    ("echo 'DROP TABLE users'", "allow", None),
    ("rg 'DELETE FROM' migrations/", "allow", None),
    ("cqlsh -e 'DESCRIBE KEYSPACES'", "allow", None),
    ("clickhouse-client -q 'SELECT count() FROM events'", "allow", None),
    ("duckdb -c 'SELECT 42'", "allow", None),
    ("./manage.py sqlflush", "allow", None),
    ("rails routes", "allow", None),
    ("bundle install", "allow", None),
    ("mix test", "allow", None),
    ("dotnet build", "allow", None),
    # bounded writes are allowed, but recorded
    ("psql -c 'DELETE FROM orders WHERE id = 5'", "allow", "db.write"),
    ("mysql -Bse 'DELETE FROM t WHERE id = 1' shop", "allow", "db.write"),
    ("redis-cli DEL session:42", "allow", "db.write"),
    ("pg_dump app_dev | psql app_copy", "allow", "db.write"),
    ("rails db:migrate", "allow", "db.migrate"),
    ("alembic upgrade head", "allow", "db.migrate"),
    ("RAILS_ENV=production rails db:migrate", "ask", "db.migrate-prod"),  # session 13: production named
    ("alembic downgrade -1", "ask", "db.migrate-rollback"),
    # destructive → ask
    ("psql -c \"DELETE FROM orders\"", "ask", "db.delete-all"),
    ("sqlite3 app.db 'DROP TABLE users'", "ask", "db.drop-table"),
    ("mysql -e 'TRUNCATE TABLE sessions' app", "ask", "db.truncate"),
    ("mysql -uroot -psecret -e 'DELETE FROM t' shop", "ask", "db.delete-all"),
    ("echo 'DROP TABLE t' | mysql shop", "ask", "db.drop-table"),
    ("mysql shop <<< 'DROP TABLE t'", "ask", "db.drop-table"),
    ("psql app <<'EOF'\nSELECT 1;\nDELETE FROM users;\nEOF", "ask", "db.delete-all"),
    ("psql -v tbl=users -c 'DROP TABLE :tbl'", "ask", "db.drop-table"),
    ("psql -c 'SELECT 1' -c 'DROP TABLE x'", "ask", "db.drop-table"),
    ("clickhouse client -q 'DROP TABLE events'", "ask", "db.drop-table"),
    ("duckdb x.db -c 'DROP TABLE t'", "ask", "db.drop-table"),
    ("cqlsh -k shop -e 'TRUNCATE orders'", "ask", "db.truncate"),
    ("mongosh app --eval 'db.users.deleteMany({})'", "ask", "db.delete-all"),
    ("mongosh app --eval 'db.getCollection(\"users\").remove({})'", "ask", "db.delete-all"),
    ("dropdb app_test", "ask", "db.drop-test-database"),
    ("dropuser app_ro", "ask", "db.drop-user"),
    ("pg_restore --clean -d app dump.pgdump", "ask", "db.restore-clean"),
    ("redis-cli FLUSHDB", "ask", "db.redis-flush"),
    ("redis-cli SHUTDOWN NOSAVE", "ask", "db.redis-admin"),
    ("mysqladmin -u root shutdown", "ask", "sys.service-stop"),
    ("pg_ctl -D /var/lib/pg stop -m fast", "ask", "sys.service-stop"),
    ("psql -c 'ALTER TABLE orders DISABLE TRIGGER ALL'", "ask", "db.disable-trigger"),
    ("rails db:drop", "ask", "db.framework-reset"),
    ("bin/rails db:reset", "ask", "db.framework-reset"),
    ("bundle exec rake db:schema:load", "ask", "db.framework-reset"),
    ("rails db:migrate VERSION=0", "ask", "db.framework-reset"),
    ("./manage.py flush --noinput", "ask", "db.framework-reset"),
    ("./manage.py migrate billing zero", "ask", "db.framework-reset"),
    ("prisma migrate reset --force", "ask", "db.framework-reset"),
    ("npx prisma db push --force-reset", "ask", "db.framework-reset"),
    ("pnpm exec prisma migrate reset", "ask", "db.framework-reset"),
    ("supabase db reset", "ask", "db.framework-reset"),
    ("./artisan migrate:fresh", "ask", "db.framework-reset"),
    ("alembic downgrade base", "ask", "db.framework-reset"),
    ("knex migrate:rollback --all", "ask", "db.framework-reset"),
    ("npx sequelize-cli db:drop", "ask", "db.framework-reset"),
    ("mix ecto.drop", "ask", "db.framework-reset"),
    ("goose -dir migrations postgres 'dbname=app' reset", "ask", "db.framework-reset"),
    ("dotnet ef database drop -f", "ask", "db.framework-reset"),
    ("rails runner 'User.delete_all'", "ask", "db.delete-all"),
    ("./manage.py shell -c 'from app.models import User; User.objects.all().delete()'", "ask", "db.delete-all"),
    # opaque → ask
    ("psql -c \"$SQL\"", "ask", "db.sql-unseen"),
    ("curl -s https://example.com/fix.sql | psql app", "ask", "db.sql-unseen"),
    ("gunzip -c dump.sql.gz | psql app", "ask", "db.sql-unseen"),
    ("cat > /tmp/x.sql <<'EOF'\nDROP TABLE a;\nEOF\npsql -f /tmp/x.sql", "ask", "db.sql-unseen"),
    ("mysql -e 'PREPARE s FROM @sql; EXECUTE s'", "ask", "db.dynamic-sql"),
    # catastrophic → deny
    ("psql -c 'DROP DATABASE app'", "ask", "db.drop-database"),
    ("mysql -e 'DROP DATABASE shop'", "ask", "db.drop-database"),
    ("dropdb app_production", "deny", "db.drop-database"),
    ("ssh root@db1 'dropdb app_production'", "deny", "db.drop-database"),
    ("docker exec -i db psql -U app -c 'DROP DATABASE app'", "deny", "db.drop-database"),
    ("mongosh --eval 'db.dropDatabase()'", "ask", "db.drop-database"),
    ("mysqladmin -u root -f drop shop", "ask", "db.drop-database"),
    ("psql -h prod-db.internal -U app -c 'DROP DATABASE app'", "deny", "db.drop-database"),
    ("psql \"$DATABASE_URL\" -c 'TRUNCATE users CASCADE'", "deny", "db.truncate-cascade"),
    ("psql -c 'DROP SCHEMA public CASCADE'", "ask", "db.drop-schema-cascade"),
    ("psql -c 'DROP OWNED BY app_user'", "ask", "db.drop-owned"),
    ("psql -c 'TRUNCATE users, orders, invoices'", "ask", "db.drop-many-tables"),
    ("psql -c 'DROP TABLE users_backup'", "deny", "db.backup-table"),
    ("psql -c \"SELECT pg_drop_replication_slot('debezium')\"", "deny", "db.replication"),
    ("psql -c 'ALTER SYSTEM SET max_connections = 5'", "deny", "db.alter-system"),
    ("psql -c 'DROP EXTENSION postgis CASCADE'", "ask", "db.drop-extension-cascade"),
    ("redis-cli FLUSHALL", "ask", "db.redis-flushall"),
    ("redis-cli -h prod-cache FLUSHALL", "deny", "db.redis-flushall"),
    ("redis-cli -u redis://prod-cache.example.com:6379 FLUSHDB", "deny", "db.redis-flushall"),
    ("kubectl exec -it redis-0 -- redis-cli FLUSHALL", "deny", "db.redis-flushall"),
    ("echo FLUSHALL | redis-cli", "ask", "db.redis-flushall"),
    ("supabase db reset --linked", "deny", "db.framework-reset-prod"),
    ("RAILS_ENV=production rails db:drop", "deny", "db.framework-reset-prod"),
    ("MIX_ENV=prod mix ecto.reset", "deny", "db.framework-reset-prod"),
    ("NODE_ENV=production npx knex migrate:rollback --all", "deny", "db.framework-reset-prod"),
    ("alembic -x env=production downgrade base", "deny", "db.framework-reset-prod"),
    ("flyway clean", "deny", "db.schema-wipe"),
    ("liquibase dropAll", "deny", "db.schema-wipe"),
    # prod targets: a whole-table loss becomes catastrophic
    ("psql -h prod-db.internal -c 'DELETE FROM orders'", "deny", "db.wipe-table-prod"),
    ("psql postgres://app:secret@prod-db.example.com:5432/shop -c 'DELETE FROM orders'", "deny",
     "db.wipe-table-prod"),
    ("psql 'host=prod-db dbname=shop' -c 'TRUNCATE orders'", "deny", "db.wipe-table-prod"),
    ("PGDATABASE=shop_production psql -c 'DELETE FROM orders'", "deny", "db.wipe-table-prod"),
    ("ssh prod-db \"psql -c 'DROP TABLE users'\"", "deny", "db.wipe-table-prod"),
    ("mongosh 'mongodb+srv://u:p@cluster0.prod.mongodb.net/shop' --eval 'db.orders.deleteMany({})'", "deny",
     "db.wipe-table-prod"),
    ("psql -h prod-db.internal -c 'DELETE FROM orders WHERE id = 5'", "allow", "db.write"),
    # shell commands run by the database client
    ("psql -c \"COPY t FROM PROGRAM 'rm -rf ~'\"", "deny", "fs.delete-home"),
    ("psql <<'EOF'\n\\! rm -rf ~\nEOF", "deny", "fs.delete-home"),
    ("sqlite3 app.db '.shell rm -rf ~'", "deny", "fs.delete-home"),
    ("mysql -e 'system rm -rf ~'", "deny", "fs.delete-home"),
    ("pg_dump -f /etc/hosts app", "deny", "fs.overwrite-system"),
    ("pg_dump -f /etc/passwd app", "deny", "sys.grant-access"),  # the user database: who can log in
    ("psql -f ~/.ssh/id_ed25519", "deny", "secrets.read-file"),
]


@pytest.mark.parametrize("command,decision,rule", COMMANDS, ids=[c[0][:60] for c in COMMANDS])
def test_command(command, decision, rule, workspace, home, db_env):
    d = _check(command, workspace, home, db_env)
    rules = {f.rule for f in d.findings}
    assert d.decision == decision, (d.decision, d.reasons, sorted(rules))
    if rule is None:
        assert not {r for r in rules if r.startswith("db.")}, sorted(rules)
    else:
        assert rule in rules, sorted(rules)


def _write(workspace, rel, text):
    import os

    path = os.path.join(workspace, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def test_sql_files_are_read(workspace, home, db_env):
    _write(workspace, "db/migrate.sql", "BEGIN;\nALTER TABLE users ADD COLUMN x int;\nDROP TABLE sessions;\nCOMMIT;\n")
    for command in ("psql -f db/migrate.sql", "psql app < db/migrate.sql", "cat db/migrate.sql | psql app",
                    "psql -c '\\i db/migrate.sql'", "mysql app -e 'source db/migrate.sql'"):
        d = _check(command, workspace, home, db_env)
        [f] = [f for f in d.findings if f.rule == "db.drop-table"]
        assert d.decision == "ask", command
        assert f.target.endswith("sessions")
        assert "db/migrate.sql:3" in f.note and "DROP TABLE sessions" in f.note


def test_sql_file_includes_relative(workspace, home, db_env):
    _write(workspace, "db/all.sql", "\\ir parts/one.sql\n")
    _write(workspace, "db/parts/one.sql", "DELETE FROM orders;\n")
    d = _check("psql -f db/all.sql", workspace, home, db_env)
    assert {f.rule for f in d.findings} == {"db.delete-all"}


def test_read_only_sql_file_is_allowed(workspace, home, db_env):
    _write(workspace, "db/report.sql", "-- DROP TABLE users;\nSELECT count(*) FROM users;\n")
    d = _check("psql app -f db/report.sql", workspace, home, db_env)
    assert d.decision == "allow" and not d.findings


def test_mongo_script_file(workspace, home, db_env):
    _write(workspace, "db/cleanup.js", "use shop\ndb.carts.drop();\nprint('db.dropDatabase()')\n")
    d = _check("mongosh db/cleanup.js", workspace, home, db_env)
    assert [(f.rule, f.target) for f in d.findings] == [("db.drop-table", "shop/carts")]


def test_redis_commands_file(workspace, home, db_env):
    _write(workspace, "flush.txt", "SET a 1\nFLUSHDB\n")
    d = _check("redis-cli < flush.txt", workspace, home, db_env)
    assert {f.rule for f in d.findings} == {"db.redis-flush"}


def test_environment_from_policy(workspace, home, db_env):
    policy = Policy(Layer({"environments": {"prod": {"hosts": ["db1*"], "databases": ["shop"]},
                                            "staging": {"hosts": ["stage-*"]}}}, "test"), home=home)
    d = _check("psql -h db1.internal -c 'DELETE FROM orders'", workspace, home, db_env, policy)
    [f] = d.findings
    assert (d.decision, f.rule, f.environment) == ("deny", "db.wipe-table-prod", "prod")
    d = _check("mysql -e 'TRUNCATE TABLE sessions' shop", workspace, home, db_env, policy)
    assert d.findings[0].rule == "db.wipe-table-prod"
    # a policy environment wins over the name: prod-looking host tagged staging stays destructive
    policy2 = Policy(Layer({"environments": {"staging": {"hosts": ["prod-copy*"]}}}, "test"), home=home)
    d = _check("psql -h prod-copy-1 -c 'DELETE FROM orders'", workspace, home, db_env, policy2)
    [f] = d.findings
    assert (d.decision, f.rule, f.environment) == ("ask", "db.delete-all", "staging")


def test_environment_decisions_apply(workspace, home, db_env):
    policy = Policy(Layer({"environments": {"staging": {"hosts": ["stage-*"],
                                                        "decisions": {"destructive": "deny"}}}}, "test"), home=home)
    d = _check("psql -h stage-db -c 'DROP TABLE users'", workspace, home, db_env, policy)
    assert d.decision == "deny"
    d = _check("psql -h localhost -c 'DROP TABLE users'", workspace, home, db_env, policy)
    assert d.decision == "ask"


def test_policy_can_allow_a_db_rule(workspace, home, db_env):
    policy = Policy(Layer({"rules": [{"id": "db.drop-test-database", "decision": "allow"}]}, "test"), home=home)
    assert _check("dropdb app_test", workspace, home, db_env, policy).decision == "allow"
    assert _check("dropdb app_production", workspace, home, db_env, policy).decision == "deny"


def test_environment_variables_of_the_agent(workspace, home, db_env):
    e = dict(db_env, RAILS_ENV="production")
    assert _check("rails db:reset", workspace, home, e).findings[0].rule == "db.framework-reset-prod"
    e = dict(db_env, PGHOST="db.production.internal")
    assert _check("psql -c 'TRUNCATE orders'", workspace, home, e).findings[0].rule == "db.wipe-table-prod"


def test_target_and_note(workspace, home, db_env):
    d = _check("psql -h db.example.com -d shop -c 'SELECT 1; DELETE FROM orders'", workspace, home, db_env)
    [f] = d.findings
    assert f.target == "db.example.com/shop/orders"
    assert f.evidence == "psql -h db.example.com -d shop -c 'SELECT 1; DELETE FROM orders'"
    assert "statement: DELETE FROM orders" in f.note and "no WHERE" in f.note


def test_password_not_in_findings(workspace, home, db_env):
    d = _check("psql postgres://app:s3cretpw@prod-db.example.com/shop -c 'DELETE FROM orders'",
               workspace, home, db_env)
    assert {x.rule for x in d.findings} == {"db.wipe-table-prod", "secrets.literal-token"}
    for f in d.findings:
        for text in (f.target, f.note, f.evidence, f.why):
            assert "s3cretpw" not in (text or "")
    assert all("s3cretpw" not in r for r in d.reasons)


# --- which database: environment resolution -------------------------------------------------------

ENVIRONMENTS = [
    # (command, decision, rule, environment)
    ("psql -h db.example.com -d shop -c 'DELETE FROM orders'", "deny", "db.wipe-table-prod", "prod"),
    ("psql -h 10.0.3.7 -c 'TRUNCATE orders'", "deny", "db.wipe-table-prod", "prod"),
    ("psql -h localhost -c 'DELETE FROM orders'", "ask", "db.delete-all", "local"),
    ("psql -h ::1 -c 'DELETE FROM orders'", "ask", "db.delete-all", "local"),
    ("psql -h /var/run/postgresql -c 'DROP DATABASE app'", "ask", "db.drop-database", "local"),
    ("psql 'postgresql:///app?host=/tmp' -c 'DROP DATABASE app'", "ask", "db.drop-database", "local"),
    ("psql -h db.example.com -c 'DROP DATABASE app'", "deny", "db.drop-database", "prod"),
    ("psql -h localhost -c 'DELETE FROM orders WHERE id = 5'", "allow", "db.write", "local"),
    ("psql -h db.example.com -c 'DELETE FROM orders WHERE id = 5'", "allow", "db.write", "prod"),
    ("mysql -h mysql.example.com shop -e 'DROP TABLE t'", "deny", "db.wipe-table-prod", "prod"),
    ("mysql -h 127.0.0.1 shop -e 'DROP DATABASE shop'", "ask", "db.drop-database", "local"),
    ("redis-cli -h cache.example.com FLUSHDB", "deny", "db.redis-flushall", "prod"),
    ("redis-cli -h 127.0.0.1 FLUSHALL", "ask", "db.redis-flushall", "local"),
    ("mongosh mongodb://mongo.example.com/app --eval 'db.users.drop()'", "deny", "db.wipe-table-prod", "prod"),
    ("sqlite3 /var/lib/app/data.db 'DELETE FROM events'", "deny", "db.wipe-table-prod", "prod"),
    ("sqlite3 db/app.db 'DELETE FROM events'", "ask", "db.delete-all", "local"),
    ("sqlite3 /tmp/scratch.db 'DROP TABLE t'", "ask", "db.drop-table", "local"),
    ("ssh db1.example.com \"psql -c 'DROP TABLE users'\"", "deny", "db.wipe-table-prod", "prod"),
    ("kubectl --context kind-dev exec -it pg-0 -- psql -c 'DROP TABLE users'", "ask", "db.drop-table", "local"),
    ("DATABASE_URL=postgres://app@db.example.com/shop psql \"$DATABASE_URL\" -c 'TRUNCATE orders'", "deny",
     "db.wipe-table-prod", "prod"),
    ("usql pg://app@db.example.com/shop -c 'DELETE FROM orders'", "deny", "db.wipe-table-prod", "prod"),
    ("pgcli -h localhost app -e 'DROP TABLE users'", "ask", "db.drop-table", "local"),
    ("cockroach sql --url postgresql://root@crdb.example.com:26257/app -e 'TRUNCATE t'", "deny",
     "db.wipe-table-prod", "prod"),
    # unknown target (a variable nobody set): the severity's own default
    ("psql \"$DATABASE_URL\" -c 'DROP DATABASE app'", "deny", "db.drop-database", None),
    ("psql \"$DATABASE_URL\" -c 'DELETE FROM orders'", "ask", "db.delete-all", None),
]


@pytest.mark.parametrize("command,decision,rule,environment", ENVIRONMENTS, ids=[c[0][:60] for c in ENVIRONMENTS])
def test_environment_resolution(command, decision, rule, environment, workspace, home, db_env):
    d = _check(command, workspace, home, db_env)
    [f] = [f for f in d.findings if f.rule == rule]
    assert (d.decision, f.environment) == (decision, environment), d.reasons
    if environment:
        assert f"[{environment}]" in " ".join(d.reasons) or decision == "allow"


def test_policy_declares_a_remote_host_dev(workspace, home, db_env):
    policy = Policy(Layer({"environments": {"dev": {"hosts": ["*.dev.example.com"]}}}, "test"), home=home)
    d = _check("psql -h pg.dev.example.com -c 'DELETE FROM orders'", workspace, home, db_env, policy)
    [f] = d.findings
    assert (d.decision, f.rule, f.environment) == ("ask", "db.delete-all", "dev")


def test_database_url_from_hook_env_and_dotenv(workspace, home, db_env):
    import os

    cmd = "psql \"$DATABASE_URL\" -c 'TRUNCATE orders'"
    e = dict(db_env, DATABASE_URL="postgresql://app:pw-in-env-123@db.example.com/shop")
    d = _check(cmd, workspace, home, e)
    assert d.decision == "deny" and d.findings[0].target == "db.example.com/shop/orders"
    with open(os.path.join(workspace, ".env"), "w") as f:
        f.write("# comment\nexport DATABASE_URL=\"postgresql://app:pw-in-file-456@127.0.0.1:5432/app_dev\"\n")
    d = _check(cmd, workspace, home, db_env)
    [f] = d.findings
    assert (d.decision, f.environment, f.target) == ("ask", "local", "app_dev/orders")
    blob = repr([x.to_dict() for x in d.findings]) + " ".join(d.reasons)
    assert "pw-in-file-456" not in blob and "pw-in-env-123" not in blob
    # the hook's environment wins over the file
    assert _check(cmd, workspace, home, e).decision == "deny"


def test_sqlite_file_is_real(workspace, home, db_env):
    import os
    import sqlite3

    path = os.path.join(workspace, "app.db")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (id int)")
    con.commit()
    con.close()
    d = _check("sqlite3 app.db 'DROP TABLE users'", workspace, home, db_env)
    [f] = d.findings
    assert (d.decision, f.environment, f.target) == ("ask", "local", "app.db/users")


# --- MCP database tools ---------------------------------------------------------------------------------

MCP = [
    ("postgres", "query", {"sql": "SELECT * FROM users LIMIT 5"}, "allow", None),
    ("postgres", "query", {"sql": "DROP TABLE users"}, "ask", "db.drop-table"),
    ("postgres", "query", {"sql": "-- DROP TABLE users\nSELECT 1"}, "allow", None),
    ("supabase", "execute_sql", {"project_id": "abcd", "query": "DELETE FROM orders"}, "deny", "db.wipe-table-prod"),
    ("supabase", "execute_sql", {"project_id": "abcd", "query": "DELETE FROM orders WHERE id = 3"}, "allow",
     "db.write"),
    ("neon", "run_sql", {"projectId": "p", "sql": "DROP DATABASE app"}, "deny", "db.drop-database"),
    ("mysql", "mysql_query", {"sql": "TRUNCATE TABLE sessions"}, "ask", "db.truncate"),
    ("sqlite", "write_query", {"query": "DELETE FROM t"}, "ask", "db.delete-all"),
    ("sqlite", "read_query", {"query": "SELECT 'DROP TABLE t'"}, "allow", None),
    ("anything", "run", {"statements": ["SELECT 1", "DROP SCHEMA public CASCADE"]}, "deny", "db.drop-schema-cascade"),
    ("github", "search_issues", {"query": "DELETE label bug"}, "allow", None),
    ("postgres", "drop_table", {"table": "users"}, "ask", "mcp.destructive-tool"),
]


@pytest.mark.parametrize("server,tool,args,decision,rule", MCP, ids=[f"{m[0]}-{m[1]}-{i}" for i, m in enumerate(MCP)])
def test_mcp_database_tools(server, tool, args, decision, rule, workspace, home, db_env):
    from interlock.actions import MCP_CALL, Action
    from interlock.engine import Context, evaluate

    ctx = Context(workspace, home=home, workspace=workspace, env=db_env, policy=Policy(home=home))
    d = evaluate(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, cwd=workspace), ctx)
    assert d.decision == decision, d.reasons
    if rule:
        assert rule in {f.rule for f in d.findings}


# --- SQL in program code ----------------------------------------------------------------------------------

def test_sql_from_code():
    f = S.sql_from_code
    assert f("python", "cur.execute('DELETE FROM orders')\nprint('DROP TABLE x')") == [("DELETE FROM orders", 1)]
    assert f("python", "session.execute(text(\"TRUNCATE users\"))") == [("TRUNCATE users", 1)]
    assert [s for s, _ in f("node", "await knex.raw('DROP TABLE users'); await prisma.$executeRaw`DELETE FROM t`;"
                                    " await sequelize.query(\"UPDATE users SET a = 1\")")] == \
        ["DROP TABLE users", "DELETE FROM t", "UPDATE users SET a = 1"]
    assert f("python", "x = 1\nprint('hello')") == []
    assert f("python", "cur.execute('DELETE FROM t ' 'WHERE id = 1')") == [("DELETE FROM t WHERE id = 1", 1)]


# --- error paths: a clear decision, no crash, no secret -------------------------------------------------------

def test_error_paths(workspace, home, db_env):
    import os

    big = os.path.join(workspace, "big.sql")
    with open(big, "w") as f:
        f.write("INSERT INTO t VALUES (1);\n" * 420_000 + "DROP TABLE users;\n")  # > 10 MB
    assert os.path.getsize(big) > 10_000_000
    with open(os.path.join(workspace, "bin.sql"), "wb") as f:
        f.write(bytes(range(256)) * 4000)
    with open(os.path.join(workspace, "bad.sql"), "wb") as f:
        f.write(b"SELECT 1;\nDELETE FROM t; -- \xff\xfe\xc3\x28\n")
    cases = [
        ("psql -f big.sql", "ask", "db.sql-unseen"),
        ("cat big.sql | psql app", "ask", "db.sql-unseen"),
        ("psql -f bin.sql", "ask", "db.sql-unseen"),
        ("psql -f bad.sql", "ask", "db.delete-all"),
        ("psql -c 'SELEC FROM (((( WHERE'", "allow", None),
        ("psql -c 'DELETE FROM'", "ask", "db.delete-all"),
        ("psql -c $'\\x01\\x02 DROP TABLE x'", None, None),
        ("psql postgres://admin:Hunter2-Secret@db.example.com/app -c 'DROP TABLE x'", "deny", "db.wipe-table-prod"),
        ("mysql -h db.example.com -u root -pHunter2-Secret -e 'DROP DATABASE shop'", "deny", "db.drop-database"),
    ]
    for command, decision, rule in cases:
        d = _check(command, workspace, home, db_env)
        assert d.decision in ("allow", "ask", "deny") and d.error is None, (command, d.reasons)
        if decision:
            assert d.decision == decision, (command, d.reasons)
        if rule:
            assert rule in {f.rule for f in d.findings}, (command, d.rules)
        blob = repr(d.to_dict())
        assert "Hunter2-Secret" not in blob, command


def test_sqlite_on_a_secret_file_is_a_credential_read(workspace, home, db_env):
    d = _check("sqlite3 ~/.config/google-chrome/Default/'Login Data' 'select origin_url from logins'",
               workspace, home, db_env)
    assert d.decision == "deny" and "secrets.read-file" in d.rules
