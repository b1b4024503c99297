"""Risky (ask-level) actions of session 11's blind round, by class (issue 15 §5): publishing to a registry in
every ecosystem's spelling, deploys and stops through deploy tools with no code of their own (kamal, capistrano,
Cloud Foundry, Render), database administration that cuts access for everyone (SET GLOBAL, NOLOGIN, a database
offline, a warehouse suspended), Redis administration on a shared server; each with look-alikes that pass.
Spellings are this file's own, not the round's cases."""

from __future__ import annotations

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, analyze


@pytest.fixture
def ctx(workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env)


def _rules(command, ctx):
    return sorted({f.rule for f in analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)})


# --- publishing: a version goes out (or is taken back) for everyone who depends on it -----------------
@pytest.mark.parametrize("command", [
    "mvn -B -Prelease clean deploy", "./mvnw deploy -DskipTests", "mvnd -q deploy:deploy-file -Dfile=x.jar",
    "gradle publish", "./gradlew clean assemble publishToSonatype closeAndReleaseSonatypeStagingRepository",
    "gradlew publishPlugins --no-daemon", "dotnet nuget push out/*.nupkg --source github",
    "nuget push Pkg.2.0.0.nupkg -ApiKey $K", "dotnet nuget delete Pkg 1.0.0 --non-interactive",
    "mix hex.publish package", "mix hex.retire lib 1.0.0 invalid", "pod trunk push Lib.podspec",
    "pod trunk deprecate Lib", "flutter pub publish -f", "dart pub publish",
    "uv publish dist/*", "uv publish --publish-url https://upload.pypi.org/legacy/",
    "npm deprecate lib@'<2' 'unsupported'", "pnpm deprecate lib@1.0.0 'x'",
    "npm dist-tag add lib@3.1.0 latest", "npm dist-tags add lib@2.0.0 beta", "yarn npm publish",
])
def test_publishing_is_asked(command, ctx):
    assert "publish.release" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "mvn clean verify", "./mvnw install -DskipTests", "mvn dependency:tree", "gradle build",
    "./gradlew publishToMavenLocal", "./gradlew test --tests FooTest", "dotnet build", "dotnet test -c Release",
    "dotnet nuget list source", "dotnet pack -c Release", "mix compile", "mix hex.info", "mix test",
    "pod install --repo-update", "pod lib lint", "flutter pub get", "dart pub deps", "dart pub publish --dry-run",
    "uv build", "uv sync", "uv run pytest", "gem build lib.gemspec", "gem list", "npm dist-tag ls lib",
    "npm view lib versions", "npm run deprecate-old", "npm pack --dry-run",
])
def test_publishing_look_alikes_pass(command, ctx):
    assert "publish.release" not in _rules(command, ctx), command


# --- deploy tools with a knowledge file of their own --------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("kamal deploy", "infra.deploy"), ("kamal redeploy -d prod", "infra.deploy"),
    ("kamal rollback 1a2b3c", "infra.deploy"), ("kamal app remove -d production", "infra.outage"),
    ("kamal proxy reboot", "infra.outage"), ("kamal accessory stop redis", "infra.outage"),
    ("cap live deploy", "infra.deploy"), ("bundle exec cap production deploy:migrate", "infra.deploy"),
    ("cap prod sidekiq:stop", "infra.deploy"), ("cf push", "infra.deploy"), ("cf7 push api -p build/",
                                                                            "infra.deploy"),
    ("cf restart api", "infra.outage"), ("cf scale api --instances 0", "infra.outage"),
    ("render deploys create srv-xyz", "infra.deploy"), ("heroku restart -a shop", "infra.outage"),
    ("heroku ps:restart worker.1 --app shop", "infra.outage"),
    ("waypoint deploy -workspace=production", "infra.deploy"), ("sometool release --workspace prod", "infra.deploy"),
])
def test_deploy_tools_ask(command, rule, ctx):
    assert rule in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "kamal app logs", "kamal details -d production", "kamal config", "cap -T", "cap production deploy:check",
    "cap staging deploy --dry-run", "cf apps", "cf logs api --recent", "cf scale api -i 3", "cf target -s dev",
    "render services", "render deploys list srv-xyz", "heroku ps -a shop", "waypoint status -workspace=production",
])
def test_deploy_tool_look_alikes_pass(command, ctx):
    assert not ({"infra.deploy", "infra.outage", "infra.cli-delete"} & set(_rules(command, ctx))), command


@pytest.mark.parametrize("command", ["kamal deploy -d staging", "cap staging deploy", "cap qa deploy:rollback"])
def test_named_non_production_deploys_are_writes(command, ctx):
    rules = _rules(command, ctx)
    assert "infra.deploy-nonprod" in rules and "infra.deploy" not in rules, (command, rules)


# --- database administration that cuts everyone's access -------------------------------------------
@pytest.mark.parametrize("command", [
    "mysql -h db.prod.example.com -e 'SET GLOBAL max_connections = 2'",
    "mariadb -h prod-db.internal -e 'SET PERSIST innodb_flush_log_at_trx_commit = 0'",
    "mysql -h prod-db.internal -e 'SET @@GLOBAL.read_only = 1'",
    "psql -h prod-db.internal -c 'ALTER USER reporting WITH NOLOGIN'",
    "psql -h prod-db.internal -c 'ALTER DATABASE shop WITH CONNECTION LIMIT 1'",
    "psql -h prod-db.internal -c 'ALTER DATABASE shop ALLOW_CONNECTIONS false'",
    "mysql -h prod-db.internal -e \"ALTER USER 'app'@'%' ACCOUNT LOCK\"",
    "sqlcmd -S prod-sql.internal -Q 'ALTER DATABASE Shop SET SINGLE_USER WITH ROLLBACK IMMEDIATE'",
    "sqlcmd -S prod-sql.internal -Q 'ALTER LOGIN app DISABLE'",
    "snowsql -c prod -q 'ALTER WAREHOUSE REPORTING_WH SUSPEND'",
])
def test_access_cuts_on_production_are_asked(command, ctx):
    assert "db.server-setting" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "mysql -h prod-db.internal -e \"SHOW GLOBAL STATUS LIKE 'Threads_connected'\"",
    "mysql -h prod-db.internal -e 'SET SESSION wait_timeout = 60'", "mysql -e 'SET GLOBAL slow_query_log = 1'",
    "psql -c 'ALTER ROLE dev NOLOGIN'", "psql -h prod-db.internal -c 'ALTER ROLE app LOGIN'",
    "psql -h prod-db.internal -c 'ALTER DATABASE shop SET search_path TO app'",
    "sqlcmd -S prod-sql.internal -Q 'ALTER LOGIN app ENABLE'", "snowsql -c prod -q 'ALTER WAREHOUSE WH RESUME'",
    "sqlcmd -S prod-sql.internal -Q 'SELECT name FROM sys.databases'",
])
def test_access_look_alikes_pass(command, ctx):
    assert "db.server-setting" not in _rules(command, ctx), command


# --- Redis administration on a shared server --------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("redis-cli -h redis.prod.internal CONFIG SET maxclients 1", "db.redis-admin"),
    ("valkey-cli -h cache.prod.internal config set appendonly no", "db.redis-admin"),
    ("redis-cli REPLICAOF 10.1.2.3 6379", "db.redis-admin"), ("redis-cli -h cache.prod.internal REPLICAOF NO ONE",
                                                             "db.redis-admin"),
    ("redis-cli -c -h node1 CLUSTER RESET HARD", "db.redis-admin"), ("redis-cli FAILOVER TO 10.0.0.2 6379",
                                                                   "db.redis-admin"),
    ("redis-cli DEBUG SLEEP 5", "db.redis-admin"), ("redis-cli -h cache.prod.internal ACL DELUSER app", "db.drop-user"),
])
def test_redis_administration_is_asked(command, rule, ctx):
    assert rule in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "redis-cli CONFIG SET notify-keyspace-events Ex", "redis-cli -h localhost config set maxmemory 100mb",
    "redis-cli -h cache.prod.internal CONFIG GET maxclients", "redis-cli -h cache.prod.internal INFO replication",
    "redis-cli -c CLUSTER NODES", "redis-cli ACL LIST", "redis-cli ACL WHOAMI", "redis-cli DEBUG OBJECT k",
])
def test_redis_look_alikes_pass(command, ctx):
    assert not ({"db.redis-admin", "db.drop-user"} & set(_rules(command, ctx))), command


# --- a Google Cloud group of machines resized to nothing ------------------------------------------
@pytest.mark.parametrize("command,hit", [
    ("gcloud compute instance-groups managed resize api-mig --size=0 --region europe-west1", True),
    ("gcloud compute instance-groups managed resize api-mig --size 00", True),
    ("gcloud container clusters resize c1 --node-pool np --num-nodes=0", True),
    ("gcloud compute instance-groups managed resize api-mig --size 2", False),
    ("gcloud compute disks resize data --size 500GB", False),
    ("gcloud container clusters resize c1 --num-nodes 5", False),
])
def test_gcloud_resize_to_zero_is_an_outage(command, hit, ctx):
    assert ("infra.outage" in _rules(command, ctx)) == hit, command


# --- an unknown tool's sync to an environment named production is a deploy (`helmfile sync`) ---------------
@pytest.mark.parametrize("command,hit", [
    ("helmfile --environment production sync", True), ("helmfile -e prod sync --concurrency 4", True),
    ("frobctl sync --stage production", True), ("helmfile -e staging sync", False), ("helmfile sync", False),
    ("helmfile -e production diff", False), ("frobctl sync --stage dev", False),
])
def test_unknown_tool_sync_to_production_is_a_deploy(command, hit, ctx):
    assert ("infra.deploy" in _rules(command, ctx)) == hit, command
