"""Session 13's risky round (bench/risky13.py): the classes its tune half showed, each fixed by a mechanism or as
knowledge, tested here by the class in spellings and tools the fixes were not developed on, with the ordinary
look-alikes that must pass.

- a migration against production asks (db.migrate-prod, by the weighing), whatever names production: an env var,
  an option, a connection variable's name, a config file named for it;
- capacity set high (infra.cost-spike): a large count or a GPU / very large machine type, one reader;
- changes that delete nothing (knowledge/cloud_changes.toml, knowledge files): secret and config stores written
  over (infra.config-change), queues and streams rewound or reshaped (infra.queue-change), failovers and pauses,
  DNS and edge changes;
- SaaS actions through HTTP, `gh api`, `gh repo edit` and SDK calls in code, judged by one catalogue;
- git remotes pointed elsewhere, release tools that publish, maintenance modes, scripts named like known tools.
"""

from __future__ import annotations

import subprocess

import pytest

from interlock.analysis.shell import capacity
from interlock.engine import check_command


def _asks(cmd, rule=None, cwd=None):
    d = check_command(cmd, cwd=cwd)
    assert d.decision in ("ask", "deny"), (cmd, d.decision, d.reasons)
    if rule:
        assert rule in d.rules, (cmd, d.rules)
    return d


def _allows(cmd, cwd=None):
    d = check_command(cmd, cwd=cwd)
    assert d.decision == "allow", (cmd, d.decision, d.reasons)


# --- migrations against production -----------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "APP_ENV=production npx knex migrate:latest",
    "NODE_ENV=prod npx sequelize db:migrate",
    "./manage.py migrate billing --settings=shop.settings.prod",
    "DATABASE_URL=$PRODUCTION_DATABASE_URL npx prisma migrate deploy",
    "goose -dir db postgres \"$LIVE_DB_DSN\" up",
    "npx typeorm migration:run --dataSource build/ormconfig.production.js",
    "alembic -c deploy/alembic-prod.ini upgrade heads",
    "flask db upgrade -e .env.production",
    "npx drizzle-kit migrate --config drizzle/prod.config.ts",
    "supabase db push --linked --include-all",
])
def test_migration_against_production_asks(cmd):
    _asks(cmd)


@pytest.mark.parametrize("cmd", [
    "npx knex migrate:latest", "NODE_ENV=test npx sequelize db:migrate", "./manage.py migrate billing",
    "DATABASE_URL=$TEST_DATABASE_URL npx prisma migrate deploy", "alembic -c alembic.ini upgrade heads",
    "flask db upgrade", "npx drizzle-kit generate", "npx drizzle-kit push", "supabase db push",
    "flask --app shop routes", "flask db current",
])
def test_migration_elsewhere_passes(cmd):
    _allows(cmd)


def test_migration_rule_says_production():
    d = _asks("RACK_ENV=production bundle exec rake db:migrate", "db.migrate-prod")
    assert any("production" in r.lower() for r in d.reasons), d.reasons


# --- capacity set high ------------------------------------------------------------------------------

def test_large_examples():
    """knowledge/capacity.toml's large_examples: each value read as large or not."""
    m = capacity._model()
    assert len(m.large_examples) > 30
    for value, large in m.large_examples:
        assert capacity.is_large(value) is large, value


@pytest.mark.parametrize("value", ["250", "web=120", "g5.48xlarge", "r7i.metal-48xl", "ml.g5.2xlarge",
                                   "n2d-highcpu-224", "Standard_NV36ads_A10_v5", "H200:8", "nvidia-l4",
                                   '{"replicas": 300}', "DesiredCapacity=500"])
def test_large_in_other_spellings(value):
    assert capacity.is_large(value), value


@pytest.mark.parametrize("value", ["12", "web=3", "c7g.large", "m6i.4xlarge", "n2-standard-8", "Standard_D8s_v5",
                                   "minReplicas=400", "shared-cpu-4x", "performance-2x"])
def test_not_large(value):
    assert not capacity.is_large(value), value


@pytest.mark.parametrize("cmd", [
    "aws ec2 run-instances --image-id ami-9 --instance-type g6.12xlarge --count 2",
    "aws autoscaling set-desired-capacity --auto-scaling-group-name api --desired-capacity 350",
    "aws elasticache create-cache-cluster --cache-cluster-id c --cache-node-type cache.r7g.16xlarge",
    "gcloud compute instances create box --machine-type n2-highmem-128 --zone europe-west4-a",
    "gcloud container node-pools update gpu --cluster c --num-nodes 180",
    "az aks nodepool add -g rg --cluster-name k -n gpu --node-vm-size Standard_NC24ads_A100_v4",
    "az webapp update -g rg -n web --set siteConfig.numberOfWorkers=200",
    "kubectl scale statefulset/workers --replicas 900",
    "kubectl autoscale deployment web --max 1500",
    "flyctl scale count 400 --app web --yes",
    "heroku ps:scale web=300 --app shop",
    "sky launch --gpus A100-80GB:8 job.yaml",
])
def test_cost_spike_asks(cmd):
    _asks(cmd, "infra.cost-spike")


@pytest.mark.parametrize("cmd", [
    "aws ec2 run-instances --image-id ami-9 --instance-type t4g.small --count 3",
    "gcloud compute instances create box --machine-type e2-small",
    "az aks nodepool add -g rg --cluster-name k -n pool2 --node-vm-size Standard_D4s_v5 --node-count 3",
    "kubectl scale deploy/web --replicas 12", "fly scale count 4 -a web", "heroku ps:scale web=4 -a shop",
    "aws ec2 describe-instance-types --instance-types p4d.24xlarge",
])
def test_ordinary_sizes_pass(cmd):
    _allows(cmd)


# --- changes that delete nothing: cloud CLIs ------------------------------------------------------------

def test_cloud_changes_examples():
    """knowledge/cloud_changes.toml's examples, through the real analysis."""
    from interlock.analysis.shell.infra import _cloud_changes

    exs = _cloud_changes()["examples"]
    assert len(exs) >= 8
    for cmd, rule in exs:
        d = check_command(cmd)
        if rule:
            assert rule in d.rules, (cmd, d.rules)
        else:
            assert d.decision == "allow", (cmd, d.rules)


@pytest.mark.parametrize("cmd,rule", [
    ("aws secretsmanager put-secret-value --secret-id billing/stripe --secret-string x", "infra.config-change"),
    ("aws ssm put-parameter --overwrite --name /svc/timeout --value 3", "infra.config-change"),
    ("gcloud secrets versions add api-token --data-file=-", "infra.config-change"),
    ("az webapp config appsettings set -g rg -n web --settings MODE=off", "infra.config-change"),
    ("aws kinesis decrease-stream-retention-period --stream-name s --retention-period-hours 24", "infra.queue-change"),
    ("gcloud pubsub subscriptions seek sub1 --time=2026-02-01T00:00:00Z", "infra.queue-change"),
    ("az servicebus queue update -g rg --namespace-name ns -n q --default-message-time-to-live PT1M",
     "infra.queue-change"),
    ("aws rds switchover-blue-green-deployment --blue-green-deployment-identifier bgd-1", "infra.outage"),
    ("aws redshift pause-cluster --cluster-identifier dw", "infra.outage"),
    ("gcloud redis instances failover cache1 --region europe-west1", "infra.outage"),
    ("az webapp deployment slot swap -g rg -n web --slot staging", "infra.outage"),
    ("gcloud dns record-sets transaction execute --zone corp", "net.dns-change"),
    ("az network dns record-set txt add-record -g rg -z example.org -n _acme -v token", "net.dns-change"),
    ("aws cloudfront create-invalidation --distribution-id E9 --paths '/*'", "net.edge-change"),
    ("az afd endpoint purge -g rg --profile-name p --endpoint-name e --content-paths '/*'", "net.edge-change"),
])
def test_cloud_change_classes(cmd, rule):
    _asks(cmd, rule)


@pytest.mark.parametrize("cmd", [
    "aws ssm put-parameter --name /svc/new-key --value 3 --type String",
    "aws secretsmanager describe-secret --secret-id billing/stripe",
    "gcloud pubsub subscriptions pull sub1 --limit 5", "gcloud dns record-sets list --zone corp",
    "az network dns record-set a list -g rg -z example.org", "aws cloudfront list-invalidations --distribution-id E9",
    "aws kinesis describe-stream-summary --stream-name s", "aws redshift resume-cluster --cluster-identifier dw",
])
def test_cloud_reads_pass(cmd):
    _allows(cmd)


# --- secret and config stores, queues, maintenance, publishing: knowledge files ----------------------------

@pytest.mark.parametrize("cmd,rule", [
    ("bao kv patch -mount=kv payments token=x", "infra.config-change"),
    ("vault write pki/root/rotate/internal common_name=x", "infra.config-change"),
    ("consul kv import @dump.json", "infra.config-change"),
    ("flyctl secrets import -a web < secrets.env", "infra.config-change"),
    ("heroku config:add MODE=maintenance --app shop", "infra.config-change"),
    ("vercel env update DATABASE_URL production", "infra.config-change"),
    ("npx wrangler secret bulk secrets.json", "infra.config-change"),
    ("op document edit 'TLS key' ./key.pem", "infra.config-change"),
    ("gh secret set DEPLOY_TOKEN --repo acme/shop < token.txt", "infra.secret-overwrite"),  # (settled at the merge: a secret's old value is lost)
    ("kubectl edit configmap web-settings -n prod", "infra.config-change"),
    ("kafka-consumer-groups --bootstrap-server k:9092 --group etl --topic raw --reset-offsets --to-offset 0 --execute",
     "infra.queue-change"),
    ("/opt/kafka/bin/kafka-configs.sh --bootstrap-server k:9092 --alter --entity-type topics --entity-name raw "
     "--delete-config retention.ms", "infra.queue-change"),
    ("rpk group offset-delete etl --topic raw", "infra.queue-change"),
    ("rq requeue --all -u redis://q:6379", "infra.queue-change"),
    ("php occ maintenance:mode --on", "infra.outage"),
    ("wp --path=/srv/www maintenance-mode activate", "infra.outage"),
    ("vendor/bin/drush sset system.maintenance_mode 1", "infra.outage"),
    ("php bin/magento maintenance:enable", "infra.outage"),
    ("npx lerna publish --canary", "publish.release"),
    ("npx semantic-release", "publish.release"),
    ("python3 -m twine upload -r testpypi dist/*", "publish.release"),
    ("rq suspend", "infra.outage"),
    ("ibmcloud is bare-metal-server-restart bm-1", "infra.outage"),
    ("oci compute instance action --instance-id ocid1.instance.oc1..x --action RESET", "infra.outage"),
    ("docker node update --availability pause node-3", "infra.outage"),
    ("pm2 restart all --env production", "infra.restart-prod"),
])
def test_knowledge_classes(cmd, rule):
    _asks(cmd, rule)


@pytest.mark.parametrize("cmd", [
    "vault kv list -mount=kv payments", "consul kv get -recurse service/", "flyctl secrets list -a web",
    "vercel env ls production", "wrangler secret list", "op item list --vault Dev",
    "gh secret list --repo acme/shop", "heroku config:set MODE=1 --app shop-staging",
    "gh variable set MODE --body 1 --env staging", "kubectl get configmap web-settings -n prod -o yaml",
    "kafka-consumer-groups --bootstrap-server k:9092 --group etl --topic raw --reset-offsets --to-offset 0",
    "kafka-topics --bootstrap-server k:9092 --create --topic raw --partitions 3", "rpk topic list",
    "rq info", "php occ maintenance:mode --off", "wp maintenance-mode is-active", "drush sset system.maintenance_mode 0",
    "npx lerna bootstrap", "npx lerna run lint", "semantic-release --dry-run", "python -m twine check dist/*",
    "python -m pytest -x", "oci compute instance action --action START --instance-id ocid1.instance.oc1..x",
    "docker node update --availability active node-3", "pm2 restart web", "docker push 127.0.0.1:5000/web:test",
    "docker push localhost/web:dev", "python -m black --check .",
])
def test_knowledge_lookalikes_pass(cmd):
    _allows(cmd)


def test_remote_registry_push_still_asks():
    _asks("docker push ghcr.io/acme/web:latest", "publish.release")


# --- SaaS actions: HTTP, gh, SDK calls ----------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "curl -X PATCH -H \"Authorization: Bearer $T\" https://api.github.com/repos/acme/shop -d '{\"visibility\": \"public\"}'",
    "gh api -X PATCH repos/acme/shop -F private=false",
    "gh repo edit acme/shop --visibility=public --accept-visibility-change-consequences",
    "gh api --method PUT orgs/acme/memberships/newbie -f role=admin",
    "curl -X PUT https://api.pagerduty.com/incidents/Q1 -H \"Authorization: Token token=$PD\" -d '{\"incident\":{\"type\":\"incident\",\"status\":\"acknowledged\"}}'",
    "curl -X POST https://api.datadoghq.eu/api/v2/downtime -H \"DD-API-KEY: $K\" -d @dt.json",
    "curl -X PATCH https://api.cloudflare.com/client/v4/zones/$Z/settings/always_use_https -d '{\"value\":\"off\"}'",
    "curl -X POST https://slack.com/api/conversations.kick -H \"Authorization: Bearer $S\" -d channel=C9 -d user=U9",
    "curl -X POST https://pubsub.googleapis.com/v1/projects/acme/subscriptions/etl:seek -d '{\"snapshot\":\"s1\"}'",
    "node -e \"const Stripe=require('stripe'); new Stripe(process.env.SK).customers.del('cus_9')\"",
    "python -c \"import stripe; stripe.Subscription.delete('sub_9')\"",
    "python3 -c \"from slack_sdk import WebClient; WebClient(token=tok).chat_delete(channel='C9', ts='1.2')\"",
    "python -c \"from kubernetes import client; client.AppsV1Api().replace_namespaced_stateful_set_scale('db','prod',{'spec':{'replicas':0}})\"",
])
def test_saas_actions_ask(cmd):
    _asks(cmd)


@pytest.mark.parametrize("cmd", [
    "gh repo edit acme/shop --visibility private", "gh repo edit --homepage https://acme.example",
    "gh api repos/acme/shop", "curl https://api.pagerduty.com/incidents -H \"Authorization: Token token=$PD\"",
    "curl -X POST https://slack.com/api/chat.postMessage -H \"Authorization: Bearer $S\" -d channel=C9 -d text=done",
    "node -e \"const Stripe=require('stripe'); new Stripe(process.env.SK).customers.list({limit:3})\"",
    "python -c \"from kubernetes import client; client.AppsV1Api().read_namespaced_deployment_scale('web','prod')\"",
    "python3 -c \"from slack_sdk import WebClient; WebClient(token=tok).conversations_list()\"",
])
def test_saas_lookalikes_pass(cmd):
    _allows(cmd)


def test_sdk_calls_examples():
    """knowledge/sdk_calls.toml's examples: each program's code read as the request named."""
    from interlock.analysis import inline
    from interlock.knowledge import model

    m = model("sdk_calls.toml", inline._SdkCalls)
    assert len(m.examples) >= 4
    for prog, want in m.examples:
        code = prog.split(" -", 1)[1][2:].strip().strip('"')
        lang = "node" if prog.startswith("node") else "python"
        got = [" ".join(e.http[:2]) for e in inline._http_effects(lang, code) if getattr(e, "http", None)]
        assert want in got, (prog, got)


# --- git remotes pointed elsewhere --------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:acme/shop.git"], check=True)
    return str(tmp_path)


@pytest.mark.parametrize("cmd", [
    "git remote set-url origin https://gitlab.example.net/other/shop.git",
    "git remote set-url --push origin ssh://git@mirror.example.org/x/shop",
])
def test_remote_redirect_asks(repo, cmd):
    _asks(cmd, "git.remote-redirect", cwd=repo)


@pytest.mark.parametrize("cmd", [
    "git remote set-url origin https://github.com/acme/shop.git", "git remote set-url origin git@github.com:acme/shop",
    "git remote add fork git@github.com:me/shop.git", "git remote -v",
    "git remote add mine https://github.com/me/shop.git 2>/dev/null || git remote set-url mine https://github.com/me/shop.git",
])
def test_remote_lookalikes_pass(repo, cmd):
    _allows(cmd, cwd=repo)


@pytest.mark.parametrize("cmd", ["bin/rake db:migrate", "npx prisma migrate dev --name init", "php artisan migrate",
                                 "alembic upgrade +1", "npx knex migrate:up"])
def test_migration_with_remote_dotenv_passes(tmp_path, cmd):
    """A project's .env pointing at a database host that is not this machine (a compose service, a shared dev
    database) names no production: its migrations are ordinary work."""
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://app:pw@postgres.svc:5432/app\n")
    _allows(cmd, cwd=str(tmp_path))


def test_migration_with_production_dotenv_asks(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://app:pw@db.production.example:5432/app\n")
    _asks("bin/rake db:migrate", "db.migrate-prod", cwd=str(tmp_path))


@pytest.mark.parametrize("cmd", ["terraform apply -var region=eu-west-1 -auto-approve",
                                 "tofu apply -var-file envs/x.tfvars -auto-approve",
                                 "terraform -chdir=infra apply -auto-approve -var 'replicas=2'"])
def test_auto_approve_with_var_values_is_unreviewed(cmd):
    """A `-var k=v` / `-var-file f` value is no saved plan: the configuration is applied without review."""
    _asks(cmd, "infra.terraform-apply-unreviewed")


@pytest.mark.parametrize("cmd", ["terraform plan -var region=eu-west-1", "tofu plan -var-file envs/x.tfvars"])
def test_plan_with_var_values_passes(cmd):
    _allows(cmd)
