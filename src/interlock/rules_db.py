"""Rules for database clients, SQL statements and framework tasks (handlers in analysis/shell/databases.py).

Same shape as ``interlock.rules``: every rule has hits and misses, run by tests/test_rules.py.
SQL is judged statement by statement by ``interlock.analysis.sql``; a host, database or
URL whose environment is ``prod`` turns a whole-table loss into ``db.wipe-table-prod``.
"""

from __future__ import annotations

from .rule import Rule as _R

#: Program names the handlers module registers (looked up lazily by programs.py).
PROGRAMS = (
    # SQL clients
    "psql", "pgcli", "usql", "cockroach", "mycli", "mysql", "mariadb", "sqlite3", "sqlite", "duckdb", "cqlsh", "clickhouse-client", "clickhouse",
    # other data stores
    "mongosh", "mongo", "redis-cli", "valkey-cli", "keydb-cli",
    # server tools, dump and restore
    "dropdb", "dropuser", "mysqladmin", "mariadb-admin", "pg_restore", "pg_dump", "pg_dumpall", "mysqldump",
    "mariadb-dump", "mongodump", "mongorestore", "mongoimport", "mysqlimport", "pg_ctl",
    # framework database tasks
    "rails", "rake", "bundle", "manage.py", "django-admin", "artisan", "prisma", "supabase", "alembic", "knex",
    "sequelize", "sequelize-cli", "flyway", "liquibase", "typeorm", "dbmate", "goose", "migrate", "sqlx", "diesel", "mix",
    "atlas", "dotnet", "flask", "drizzle-kit",
    # warehouse and edge-database CLIs (analysis/warehouses.toml)
    "bq", "snowsql", "dbsqlcli", "databricks", "wrangler", "sqlcmd", "turso",
)

RULES = [
    # --- whole databases ----------------------------------------------------------------
    _R("db.drop-database", "catastrophic", "Drops a whole database (or keyspace): every table and row in it.",
       ["psql -c 'DROP DATABASE app'", "mysql -e 'DROP DATABASE shop'", "dropdb app_production",
        "mysqladmin -u root -f drop shop", "mongosh --eval 'db.dropDatabase()'",
        "docker exec -i db psql -U app -c 'DROP DATABASE app'", "ssh root@db1 'dropdb app_production'",
        "cqlsh -e 'DROP KEYSPACE shop'", "clickhouse-client -q 'DROP DATABASE analytics'",
        "psql -h prod-db.internal -c 'DROP DATABASE app_test'"],
       ["psql -c 'SELECT datname FROM pg_database'", "echo 'DROP DATABASE app'",
        "psql -c \"SELECT 'DROP DATABASE app'\"", "createdb app", "dropdb app_test"]),
    _R("db.drop-test-database", "destructive",
       "Drops a database whose name marks it as a test or development database.",
       ["dropdb app_test", "psql -c 'DROP DATABASE IF EXISTS myapp_test'", "mysqladmin -f drop shop_dev"],
       ["dropdb app_production", "psql -c 'CREATE DATABASE app_test'", "dropdb --help"]),
    _R("db.drop-schema", "destructive", "Drops a database schema and the objects in it.",
       ["psql -c 'DROP SCHEMA tenant_42'"],
       ["psql -c 'CREATE SCHEMA tenant_42'", "psql -c 'DROP SCHEMA public CASCADE'"]),
    _R("db.drop-schema-cascade", "catastrophic",
       "Drops the public schema, or a schema with CASCADE: every table in it goes.",
       ["psql -c 'DROP SCHEMA public CASCADE'", "psql app -c 'DROP SCHEMA IF EXISTS billing CASCADE'"],
       ["psql -c 'DROP SCHEMA tenant_42'", "psql -c 'CREATE SCHEMA IF NOT EXISTS public'"]),
    _R("db.drop-owned", "catastrophic", "DROP OWNED drops every object a role owns, in every schema.",
       ["psql -c 'DROP OWNED BY app_user'"], ["psql -c 'REASSIGN OWNED BY old_owner TO new_owner'"]),
    # --- tables and objects -----------------------------------------------------------------
    _R("db.drop-table", "destructive", "Drops a table (or collection) with its rows.",
       ["sqlite3 app.db 'DROP TABLE users'", "psql -c 'DROP TABLE IF EXISTS users CASCADE'",
        "mysql app -e 'DROP TABLE sessions'", "mongosh app --eval 'db.users.drop()'",
        "psql app <<'EOF'\nBEGIN;\nDROP TABLE users;\nCOMMIT;\nEOF", "echo 'DROP TABLE users;' | psql app",
        "pgcli app -e 'DROP TABLE users'", "usql pg://localhost/app -c 'DROP TABLE users'",
        "cockroach sql --insecure -e 'DROP TABLE users'", "duckdb app.duckdb 'DROP TABLE events'"],
       ["psql -c \"SELECT 'DROP TABLE users'\"", "psql -c $'-- DROP TABLE users\\nSELECT 1'",
        "mysql -e 'DROP TEMPORARY TABLE tmp_ids'", "rg 'DROP TABLE' migrations/",
        "printf 'DROP TABLE %s;\\n' users > migrations/0002_drop.sql"]),
    _R("db.drop-object", "destructive",
       "Drops a view, index, function, sequence, type or other schema object.",
       ["psql -c 'DROP VIEW active_users'", "psql -c 'DROP INDEX idx_users_email'",
        "psql -c 'DROP FUNCTION refresh_stats()'", "mongosh app --eval 'db.users.dropIndexes()'"],
       ["psql -c 'CREATE INDEX idx_users_email ON users (email)'", "psql -c 'REINDEX INDEX idx_users_email'"]),
    _R("db.drop-extension-cascade", "catastrophic",
       "DROP EXTENSION ... CASCADE also drops every column, table and function that uses it.",
       ["psql -c 'DROP EXTENSION postgis CASCADE'"],
       ["psql -c 'DROP EXTENSION IF EXISTS pg_trgm'", "psql -c 'CREATE EXTENSION postgis'"]),
    _R("db.drop-many-tables", "catastrophic", "Drops or empties many tables at once.",
       ["psql -c 'DROP TABLE users, orders, invoices'", "psql -c 'TRUNCATE users, orders, invoices'",
        "psql app <<'EOF'\nSELECT format('DROP TABLE %I CASCADE', tablename) FROM pg_tables "
        "WHERE schemaname = 'public'\n\\gexec\nEOF",
        "mongosh app --eval 'db.getCollectionNames().forEach(c => db[c].drop())'"],
       ["psql -c 'DROP TABLE users, orders'", "psql app_test -c 'TRUNCATE users, orders, invoices'",
        "psql -c 'SELECT tablename FROM pg_tables'"]),
    _R("db.truncate", "destructive", "Empties a table (TRUNCATE): every row goes, and no WHERE can limit it.",
       ["mysql -e 'TRUNCATE TABLE sessions' app", "psql -c 'TRUNCATE users'",
        "clickhouse-client --query 'TRUNCATE TABLE events'"],
       ["psql -c 'SELECT count(*) FROM users'", "truncate -s 0 logs/app.log"]),
    _R("db.truncate-cascade", "catastrophic",
       "TRUNCATE ... CASCADE also empties every table that references the named ones.",
       ["psql \"$DATABASE_URL\" -c 'TRUNCATE users CASCADE'"], ["psql -c 'TRUNCATE users'"]),
    _R("db.delete-all", "destructive", "Deletes every row of a table: no WHERE clause, or one that is always true.",
       ["psql -c \"DELETE FROM orders\"", "psql -c 'DELETE FROM orders WHERE 1=1'",
        "mysql app -e 'DELETE FROM users WHERE id > 0'", "mongosh app --eval 'db.users.deleteMany({})'",
        "sqlite3 app.db 'DELETE FROM sessions WHERE true'",
        "psql -c 'WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone'",
        "psql -c 'BEGIN; DELETE FROM orders; ROLLBACK'", "psql -c 'EXPLAIN ANALYZE DELETE FROM orders'"],
       ["psql -c 'DELETE FROM orders WHERE id = 5'", "mongosh app --eval 'db.users.deleteMany({active: false})'",
        "psql -c \"SELECT 'DELETE FROM orders'\"", "psql -c 'EXPLAIN DELETE FROM orders'"]),
    _R("db.update-all", "destructive",
       "Updates every row of a table: no WHERE clause, or one that is always true.",
       ["psql -c 'UPDATE users SET admin = true'",
        "mysql -e \"UPDATE users SET email = 'x' WHERE name = 'a' OR 1=1\" app",
        "mongosh app --eval 'db.users.updateMany({}, {$set: {admin: true}})'"],
       ["psql -c 'UPDATE users SET admin = true WHERE id = 42'",
        "psql -c 'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1'"]),
    _R("db.change-unbounded", "destructive",
       "Deletes or updates rows chosen by a WHERE (or MERGE ... ON, or a join) that Interlock cannot bound from "
       "the text — a comparison, pattern, parameter, function or subquery rather than an equality with a "
       "value: it may touch every row.",
       ["psql -c \"DELETE FROM bookings WHERE customer <> 'zzz'\"", "psql -c 'DELETE FROM bookings WHERE id != 0'",
        "psql -c 'UPDATE bookings SET paid = true WHERE EXISTS (SELECT 1)'",
        "psql -c 'DELETE FROM bookings USING cars WHERE bookings.car_id = cars.id'",
        "psql -c 'DELETE FROM bookings WHERE id IN (SELECT id FROM bookings)'",
        "psql -c 'MERGE INTO bookings b USING cars c ON b.car_id = c.id WHEN MATCHED THEN DELETE'"],
       ["psql -c 'DELETE FROM bookings WHERE id = 5'", "psql -c \"UPDATE bookings SET paid = true WHERE id IN (1, 2)\"",
        "psql -c \"DELETE FROM sessions WHERE user_id = 7 AND created < now()\"",
        "psql -c 'SELECT * FROM bookings WHERE id <> 0'"]),
    _R("db.wipe-table-prod", "catastrophic",
       "Empties, drops or rewrites a whole table (or restores over it) in a production database.",
       ["psql -h prod-db.internal -c 'DELETE FROM orders'",
        "mysql -h db.production.example.com -e 'TRUNCATE TABLE sessions' shop",
        "ssh prod-db \"psql -c 'DROP TABLE users'\"", "PGHOST=db-prod psql -c 'UPDATE users SET admin = true'",
        "psql -h db.internal.example.com -c 'TRUNCATE orders'",
        "usql postgres://app@10.1.2.3/shop -c 'DELETE FROM orders'",
        "cockroach sql --url postgres://root@crdb.example.com:26257/app -e 'DROP TABLE users'",
        "sqlite3 /var/lib/app/data.db 'DELETE FROM events'"],
       ["psql -h localhost -c 'DELETE FROM orders'", "psql -h /var/run/postgresql -c 'DELETE FROM orders'",
        "sqlite3 /work/proj/app.db 'DELETE FROM events'", "psql -h 127.0.0.1 -c 'TRUNCATE orders'", "psql -h prod-db.internal -c 'DELETE FROM orders WHERE id = 5'",
        "psql -h prod-db.internal -c 'SELECT count(*) FROM orders'"]),
    _R("db.alter-drop", "destructive", "ALTER ... DROP removes a column, constraint or partition (and its data).",
       ["psql -c 'ALTER TABLE users DROP COLUMN email'", "mysql app -e 'ALTER TABLE users DROP COLUMN email'"],
       ["psql -c 'ALTER TABLE users ADD COLUMN email text'",
        "psql -c 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL'"]),
    _R("db.rename-table", "destructive",
       "Renames a live table: every query and application that uses the old name breaks.",
       ["psql -c 'ALTER TABLE orders RENAME TO orders_old'", "mysql app -e 'RENAME TABLE orders TO orders_old'"],
       ["psql -c 'ALTER TABLE orders RENAME COLUMN a TO b'", "psql -c 'ALTER INDEX idx_a RENAME TO idx_b'",
        "psql -c \"SELECT 'ALTER TABLE orders RENAME TO x'\""]),
    _R("db.heavy-maintenance", "destructive",
       "VACUUM FULL or REINDEX DATABASE/SYSTEM on production: rewrites under exclusive locks that stall the "
       "application.",
       ["psql -h prod-db.internal -c 'VACUUM FULL orders'", "psql -h db.example.com -c 'REINDEX DATABASE shop'"],
       ["psql -c 'VACUUM FULL orders'", "psql -h prod-db.internal -c 'VACUUM ANALYZE orders'",
        "psql -h db.example.com -c 'REINDEX INDEX idx_a'"]),
    _R("db.backup-table", "catastrophic",
       "Deletes, empties, drops or changes a table that holds backups or an audit trail.",
       ["psql -c 'DROP TABLE users_backup'", "psql -c 'TRUNCATE audit_log'",
        "psql -c \"DELETE FROM audit_events WHERE created_at < now() - interval '30 days'\""],
       ["psql -c 'INSERT INTO audit_log (event) VALUES (1)'", "psql -c 'SELECT * FROM users_backup'"]),
    # --- permissions, sessions, server ------------------------------------------------------
    _R("db.grant-broad", "destructive",
       "Grants to PUBLIC, grants every privilege everywhere or superuser, or revokes every privilege.",
       ["psql -c 'GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC'",
        "mysql -e \"GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'\"", "psql -c 'ALTER ROLE app SUPERUSER'"],
       ["psql -c 'GRANT SELECT ON users TO reporting'", "psql -c 'REVOKE ALL ON users FROM PUBLIC'"]),
    _R("db.disable-trigger", "destructive",
       "Turns off triggers (audit, integrity checks) for a table or the session.",
       ["psql -c 'ALTER TABLE orders DISABLE TRIGGER ALL'", "psql -c 'SET session_replication_role = replica'"],
       ["psql -c 'ALTER TABLE orders ENABLE TRIGGER ALL'"]),
    _R("db.redefine-operator", "destructive",
       "Creates an operator, operator class or family, cast or conversion: it changes what comparisons in later "
       "statements mean (an `=` of one's own can match every row of `WHERE id = 5.0`).",
       ["psql -c 'CREATE OPERATOR public.= (leftarg = int, rightarg = numeric, function = always_true)'",
        "psql -c 'CREATE OPERATOR CLASS lying FOR TYPE int USING btree AS OPERATOR 3 =, FUNCTION 1 cmp0(int, int)'",
        "psql -c 'CREATE CAST (text AS int) WITH FUNCTION to_one(text) AS IMPLICIT'",
        "psql -c \"CREATE DEFAULT CONVERSION c FOR 'LATIN1' TO 'UTF8' FROM my_conv\""],
       ["psql -c 'SELECT oprname FROM pg_operator'", "psql -c 'CREATE INDEX ON orders (id)'",
        "psql -c 'CREATE EXTENSION IF NOT EXISTS pgcrypto'"]),
    _R("db.terminate-backend", "destructive", "Kills other sessions' database connections.",
       ["psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'app'\"",
        "mysql -e 'KILL 42'", "mysqladmin kill 42"],
       ["psql -c 'SELECT pid, query FROM pg_stat_activity'", "psql -c 'SELECT pg_cancel_backend(42)'"]),
    _R("db.replication", "catastrophic",
       "Drops a replication slot or resets the binary logs that replicas and point-in-time recovery need.",
       ["psql -c \"SELECT pg_drop_replication_slot('debezium')\"", "mysql -e 'RESET MASTER'"],
       ["psql -c 'SELECT * FROM pg_replication_slots'"]),
    _R("db.alter-system", "catastrophic", "ALTER SYSTEM rewrites the server configuration for every database.",
       ["psql -c 'ALTER SYSTEM SET max_connections = 5'"],
       ["psql -c 'SHOW max_connections'", "psql -c \"SET work_mem = '64MB'\""]),
    _R("db.server-setting", "destructive",
       "Changes a production database server for everyone who uses it: a global setting (SET GLOBAL/PERSIST), "
       "a role that can no longer log in, a database taken offline, read-only or limited in connections, a "
       "warehouse suspended.",
       ["mysql -h prod-db.internal -e 'SET GLOBAL read_only = ON'",
        "mysql -h db.prod.example.com -e 'SET PERSIST max_connections = 5'",
        "psql -h prod-db.internal -c 'ALTER ROLE app NOLOGIN'",
        "psql -h prod-db.internal -c 'ALTER DATABASE shop CONNECTION LIMIT 0'",
        "sqlcmd -S prod-sql -Q 'ALTER DATABASE Shop SET OFFLINE WITH ROLLBACK IMMEDIATE'",
        "snowsql -c prod -q 'ALTER WAREHOUSE PROD_WH SUSPEND'"],
       ["mysql -h prod-db.internal -e \"SHOW GLOBAL VARIABLES LIKE 'read_only'\"",
        "mysql -h prod-db.internal -e 'SET SESSION sql_mode = \"\"'", "psql -c 'ALTER ROLE app NOLOGIN'",
        "psql -h prod-db.internal -c 'ALTER ROLE app LOGIN'",
        "psql -h prod-db.internal -c 'ALTER DATABASE shop SET timezone TO UTC'",
        "snowsql -c prod -q 'ALTER WAREHOUSE PROD_WH RESUME'"]),
    _R("db.drop-user", "destructive", "Drops a database user or role.",
       ["dropuser app_ro", "psql -c 'DROP ROLE reporting'", "mongosh admin --eval 'db.dropUser(\"app\")'"],
       ["createuser app_ro", "psql -c 'CREATE ROLE reporting'"]),
    # --- SQL we cannot see ----------------------------------------------------------------------
    _R("db.dynamic-sql", "opaque",
       "Runs SQL assembled at run time (EXECUTE of a variable or format(), \\gexec, PREPARE FROM a variable).",
       ["mysql -e 'PREPARE s FROM @sql; EXECUTE s'",
        "psql app <<'EOF'\nDO $$ BEGIN EXECUTE format('DROP TABLE %I', current_setting('app.t')); END $$;\nEOF"],
       ["psql -c 'PREPARE q AS SELECT 1; EXECUTE q'", "psql -c 'DO $$ BEGIN RAISE NOTICE $m$hi$m$; END $$'"]),
    _R("db.sql-unseen", "opaque",
       "Runs SQL Interlock cannot read before it runs: a variable, a file written by the same command, "
       "or another program's output.",
       ["psql -c \"$SQL\"", "curl -s https://example.com/fix.sql | psql app", "./gen-sql | psql app",
        "psql -f \"$MIGRATION\""],
       ["echo 'SELECT 1' | psql app", "pg_dump app_dev | psql app_copy", "psql app -c 'SELECT 1'"]),
    # --- dump / restore, key-value stores ------------------------------------------------------
    _R("db.restore-clean", "destructive",
       "Restores a dump over an existing database, dropping the objects it replaces.",
       ["pg_restore --clean -d app dump.pgdump", "pg_restore -c -d app dump.pgdump", "mongorestore --drop dump/",
        "sqlite3 app.db '.restore backup.db'"],
       ["pg_restore -d app dump.pgdump", "pg_restore -l dump.pgdump", "pg_dump --clean app > dump.sql"]),
    _R("db.redis-flushall", "catastrophic",
       "Deletes every key on a Redis server (FLUSHALL), or flushes a production Redis.",
       ["redis-cli FLUSHALL", "redis-cli -h prod-cache FLUSHALL", "kubectl exec -it redis-0 -- redis-cli FLUSHALL",
        "redis-cli -h cache.prod.internal FLUSHDB", "echo FLUSHALL | redis-cli"],
       ["redis-cli ping", "redis-cli FLUSHDB", "redis-cli GET flushall"]),
    _R("db.redis-delete-pattern", "destructive",
       "Deletes Redis keys chosen at run time: a pattern, a scan piped into DEL, or a Lua script that deletes "
       "what KEYS/SCAN finds.",
       ["redis-cli --scan --pattern 'session:*' | xargs redis-cli del",
        "redis-cli KEYS 'user:*' | xargs redis-cli UNLINK",
        "redis-cli EVAL \"for _,k in ipairs(redis.call('keys','cache:*')) do redis.call('del',k) end\" 0"],
       ["redis-cli DEL session:42", "redis-cli --scan --pattern 'session:*'",
        "redis-cli EVAL \"return redis.call('get', KEYS[1])\" 1 foo"]),
    _R("db.redis-admin", "destructive",
       "Reconfigures where Redis writes its data file (CONFIG SET dir/dbfilename), crashes, blocks or restarts it "
       "(DEBUG), stops it without saving (SHUTDOWN NOSAVE), changes a production server's settings (CONFIG SET), "
       "makes it a replica of another or a primary (REPLICAOF/SLAVEOF: a replica "
       "drops its data), or fails a cluster over or resets it.",
       ["redis-cli CONFIG SET dir /var/spool/cron", "redis-cli CONFIG SET dbfilename authorized_keys",
        "redis-cli SHUTDOWN NOSAVE", "redis-cli DEBUG SEGFAULT", "redis-cli -h cache.prod.internal CONFIG SET "
        "maxmemory-policy noeviction", "redis-cli REPLICAOF 10.0.0.5 6379", "redis-cli -h cache.prod.internal "
        "SLAVEOF NO ONE", "redis-cli DEBUG SLEEP 60", "redis-cli -c CLUSTER FAILOVER TAKEOVER"],
       ["redis-cli CONFIG GET dir", "redis-cli CONFIG SET maxmemory 2gb", "redis-cli DEBUG OBJECT mykey",
        "redis-cli SHUTDOWN", "redis-cli -h cache.prod.internal CONFIG GET maxmemory",
        "redis-cli -h cache.prod.internal ROLE", "redis-cli CLUSTER INFO", "redis-cli -h localhost CONFIG SET appendonly yes"]),
    _R("db.redis-flush", "destructive", "Deletes every key of one Redis database (FLUSHDB).",
       ["redis-cli FLUSHDB", "redis-cli -n 2 flushdb async"], ["redis-cli DBSIZE", "redis-cli FLUSHALL"]),
    # --- framework tasks --------------------------------------------------------------------------
    _R("db.framework-reset", "destructive",
       "A framework task that drops, resets, wipes or fully rolls back the application's database.",
       ["rails db:drop", "bin/rails db:reset", "rake db:schema:load", "bundle exec rails db:purge",
        "./manage.py flush --noinput", "django-admin reset_db", "prisma migrate reset --force",
        "npx prisma db push --force-reset", "supabase db reset", "./artisan migrate:fresh", "alembic downgrade base",
        "knex migrate:rollback --all", "sequelize db:drop", "mix ecto.reset", "typeorm schema:drop",
        "dotnet ef database drop -f"],
       ["rails db:migrate", "rails db:migrate:status", "./manage.py sqlflush", "prisma migrate deploy",
        "prisma generate", "alembic downgrade -1", "knex migrate:rollback", "supabase db push", "rails routes"]),
    _R("db.framework-reset-prod", "catastrophic",
       "A framework task that drops or resets the database, aimed at production or a linked remote project.",
       ["RAILS_ENV=production rails db:drop", "supabase db reset --linked", "rake db:reset RAILS_ENV=production",
        "./manage.py flush --settings=config.settings.production",
        "DISABLE_DATABASE_ENVIRONMENT_CHECK=1 RAILS_ENV=production bin/rails db:schema:load",
        "knex migrate:rollback --all --env production"],
       ["RAILS_ENV=test rails db:reset", "supabase db reset --local", "RAILS_ENV=production rails db:migrate"]),
    _R("db.schema-wipe", "catastrophic",
       "Drops every object in the configured schemas (flyway clean, liquibase dropAll, atlas schema clean).",
       ["flyway clean", "flyway -url=jdbc:postgresql://db/app clean", "liquibase dropAll",
        "atlas schema clean -u postgres://localhost/app"],
       ["flyway migrate", "flyway info", "liquibase update"]),
    _R("db.migrate-rollback", "destructive",
       "Rolls applied migrations back: their down steps usually drop the tables and columns (and data) "
       "the up steps added.",
       ["alembic downgrade -1", "dbmate rollback", "goose -dir db/migrations postgres 'dbname=app' down",
        "liquibase rollbackCount 3", "liquibase rollback --tag=v1.2", "flyway undo"],
       ["alembic upgrade head", "dbmate up", "goose up", "liquibase update", "liquibase rollbackSQL --tag=v1",
        "alembic history"]),
    _R("db.migrate-prod", "destructive",
       "Applies or steps back schema migrations against production: the schema live traffic runs on changes "
       "(locks taken, columns dropped or rewritten) without a reviewed rollout.",
       ["RAILS_ENV=production rails db:migrate", "knex migrate:latest --env production",
        "./manage.py migrate --settings=config.settings.production"],
       ["rails db:migrate", "RAILS_ENV=test rails db:migrate", "knex migrate:latest --env development"]),
    _R("db.migrate", "write", "Applies (or steps back) schema migrations.",
       ["rails db:migrate", "alembic upgrade head", "prisma migrate deploy", "./manage.py migrate",
        "knex migrate:latest"],
       ["rails db:drop", "alembic history", "prisma generate"]),
    _R("db.write", "write", "Changes rows or schema in a bounded way (INSERT, UPDATE/DELETE with WHERE, CREATE, ...).",
       ["psql -c \"INSERT INTO users (name) VALUES ('a')\"", "pgcli -h localhost app -e 'DELETE FROM t WHERE id = 1'",
        "usql pg://localhost/app -c 'UPDATE t SET a = 1 WHERE id = 2'", "cockroach sql -e 'INSERT INTO t VALUES (1)'", "psql -c 'DELETE FROM orders WHERE id = 5'",
        "sqlite3 app.db 'CREATE TABLE t (a int)'", "redis-cli DEL session:42"],
       ["psql -c 'SELECT 1'", "sqlite3 app.db .tables", "redis-cli GET session:42"]),
]

# --- weighing by environment (applied once, by interlock.weighing, to every finding of these rules) ---------------
# A database's environment is resolved by analysis from the policy, the name, else the place: a remote
# host is ``prod``, this machine (localhost, a socket, a file) is ``local`` (analysis/shell/databases.py).

#: What a finding becomes when its environment is production.
IN_PROD = {
    **{r: "db.wipe-table-prod" for r in ("db.delete-all", "db.update-all", "db.truncate", "db.drop-table",
                                         "db.restore-clean", "db.truncate-cascade")},
    "db.drop-test-database": "db.drop-database",  # a test-looking name in production is production's
    "db.framework-reset": "db.framework-reset-prod",
    "db.migrate": "db.migrate-prod",  # production's schema changes under live traffic: a question, not a refusal
}

#: What a finding becomes outside production: only production traffic waits on the lock.
OUTSIDE_PROD = {"db.heavy-maintenance": "db.write", "db.server-setting": "db.write"}

#: Catastrophic rules that weigh only ``destructive`` (ask, not deny) on a ``local`` database: DROP
#: DATABASE on your own machine is a question, not a refusal.  Backups, replication and server
#: configuration stay catastrophic everywhere.
LOCAL_DESTRUCTIVE = frozenset({"db.drop-database", "db.drop-schema-cascade", "db.drop-owned", "db.drop-many-tables",
                               "db.truncate-cascade", "db.drop-extension-cascade", "db.redis-flushall",
                               "db.schema-wipe"})
