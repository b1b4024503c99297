"""Cloud and infrastructure CLIs: decisions, rule ids, targets and environments beyond the rule examples."""

from __future__ import annotations

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, analyze, check_command
from interlock.policy import Layer, Policy


def _decide(command, workspace, home, env, policy=None):
    return check_command(command, cwd=workspace, home=home, env=env, policy=policy)


def _findings(command, workspace, home, env, policy=None):
    policy = policy or Policy(Layer({}, "test"), home=home)
    ctx = Context(workspace, home=home, workspace=workspace, env=env, policy=policy)
    return analyze(Action(SHELL, {"command": command}, cwd=workspace), ctx)


CASES = [
    # terraform / tofu / terragrunt
    ("terraform destroy -auto-approve", "deny", "infra.terraform-destroy"),
    ("terraform apply -destroy -auto-approve", "deny", "infra.terraform-destroy"),
    ("terragrunt run-all destroy --terragrunt-non-interactive", "deny", "infra.terraform-destroy"),
    ("terraform plan -destroy", "allow", None),
    ("terraform plan -destroy -out destroy.tfplan", "allow", None),
    ("terraform apply -replace=aws_db_instance.main", "ask", "infra.terraform-replace"),
    ("terraform state rm aws_db_instance.main", "ask", "infra.terraform-state-edit"),
    ("terraform state mv a b", "allow", None),
    ("terraform workspace delete staging", "ask", "infra.terraform-workspace-delete"),
    ("terraform force-unlock -force 1234", "ask", "infra.terraform-force-unlock"),
    ("terraform init && terraform validate && terraform plan", "allow", None),
    # kubernetes
    ("kubectl delete namespace production", "deny", "infra.kube-delete-data"),
    ("kubectl delete pvc --all -n prod", "deny", "infra.kube-delete-data"),
    ("kubectl delete statefulsets.apps postgres -n dev", "deny", "infra.kube-delete-data"),
    ("kubectl delete pods --all -A", "deny", "infra.kube-delete-all"),
    ("kubectl delete pods --all -n dev", "ask", "infra.kube-delete"),
    ("kubectl delete deployment api -n staging", "ask", "infra.kube-delete"),
    ("kubectl delete deployment api -n production", "deny", "infra.delete-prod"),
    ("kubectl -n production delete deploy/api", "deny", "infra.delete-prod"),
    ("kubectl delete -f k8s/ -n production", "deny", "infra.delete-prod"),
    ("kubectl delete -f k8s/", "ask", "infra.kube-delete"),
    ("kubectl delete deployment api -n production --dry-run=server", "allow", None),
    ("kubectl delete ns staging --dry-run=client", "allow", None),
    ("kubectl delete deployment api --dry-run=none", "ask", "infra.kube-delete"),
    ("kubectl get ns", "allow", None),
    ("kubectl diff -f k8s/", "allow", None),
    ("kubectl apply -f k8s/", "allow", None),
    ("kubectl apply --prune -l app=web -f k8s/", "ask", "infra.kube-apply-prune"),
    ("kubectl replace --force -f deploy.yaml", "ask", "infra.kube-replace-force"),
    ("kubectl drain worker-2 --ignore-daemonsets", "ask", "infra.kube-disrupt-prod"),
    # scaled to nothing where the context is not resolved: an outage wherever it points (issue 15, as ECS's is)
    ("kubectl scale deploy/api --replicas=0", "ask", "infra.kube-disrupt-prod"),
    ("kubectl --context kind-dev scale deploy/api --replicas=0", "allow", "infra.kube-disrupt"),
    ("kubectl scale deploy/api --replicas=2", "allow", None),
    ("kubectl rollout undo deploy/api", "allow", "infra.kube-disrupt"),
    ("kubectl logs deploy/api -n production --tail=200", "allow", None),
    ("oc delete project shop", "deny", "infra.kube-delete-data"),
    ("kubectl --context prod-eu -n shop exec api-0 -- rm -rf /data", "deny", None),
    ("helm uninstall api -n production", "deny", "infra.delete-prod"),
    ("helm uninstall api -n staging", "ask", "infra.helm-uninstall"),
    ("helm uninstall api --dry-run", "allow", None),
    ("helm rollback api 3", "allow", "infra.kube-disrupt"),
    ("helm upgrade --install api charts/app -n production", "ask", "infra.terraform-apply-unreviewed"),
    # containers
    # a named volume on this machine's engine: asked, as a local database dropped is; every volume at once, or
    # on another engine, is refused
    ("docker volume rm pgdata", "ask", "infra.docker-volume-rm"),
    ("docker --context prod volume rm pgdata", "deny", "infra.docker-volume-rm"),
    ("docker volume rm $(docker volume ls -q)", "deny", "infra.docker-volume-rm-all"),
    ("docker volume prune -f", "ask", "infra.docker-volume-prune"),
    ("docker volume prune --all -f", "deny", "infra.docker-prune-volumes"),
    ("docker system prune -a --volumes -f", "deny", "infra.docker-prune-volumes"),
    ("docker system prune -af", "allow", "infra.docker-cleanup"),
    ("docker image prune -f", "allow", "infra.docker-cleanup"),
    ("docker rmi -f app:dev", "allow", "infra.docker-cleanup"),
    ("docker rm old-container", "allow", "infra.docker-cleanup"),
    ("docker rm -f $(docker ps -aq)", "ask", "infra.docker-rm-force"),
    ("docker compose down -v", "ask", "infra.compose-down-volumes"),
    ("docker compose down", "allow", None),
    ("docker-compose down --volumes", "ask", "infra.compose-down-volumes"),
    ("docker ps -a", "allow", None),
    ("sudo docker ps", "allow", None),
    ("docker volume ls", "allow", None),
    ("docker run --rm -p 8000:8000 app:dev", "allow", None),
    ("docker run --rm alpine rm -rf /", "allow", None),
    ("docker run --rm -v \"$PWD\":/src -w /src node:20 npm test", "allow", None),
    ("docker run --rm -v /:/host alpine rm -rf /host/etc", "deny", "infra.container-mount-destroy"),
    ("docker run --rm -v /:/host:ro alpine rm -rf /host/etc", "allow", None),
    ("docker run --rm -v $HOME:/h alpine sh -c 'rm -rf /h/*'", "deny", "infra.container-mount-destroy"),
    ("docker run --rm -v /:/host alpine chroot /host rm -rf /var/lib/postgresql", "deny",
     "infra.container-mount-destroy"),
    ("docker run --rm --entrypoint rm -v /:/host alpine -rf /host/etc", "deny", "infra.container-mount-destroy"),
    ("docker run --rm -v pgdata:/data alpine rm -rf /data", "deny", "infra.container-mount-destroy"),
    # a workspace mount maps back to the workspace's own rules
    ("docker run --rm -v $PWD:/src alpine rm -rf /src/node_modules", "allow", "fs.delete-regenerable"),
    ("docker run --rm -v $PWD:/src -w /src alpine rm -rf src", "ask", "fs.delete-source"),
    ("docker run --rm -v $PWD:/src alpine rm -rf /src", "deny", "infra.container-mount-destroy"),
    ("docker --context prod exec db sh -c 'rm -rf /var/lib/postgresql/data'", "deny", "fs.delete-system"),
    # AWS
    ("aws s3 ls s3://my-bucket/reports/", "allow", None),
    ("aws s3 rm s3://company-backups --recursive", "deny", "infra.aws-s3-delete-all"),
    ("aws s3 rm s3://company-backups --recursive --dryrun", "allow", None),
    ("aws s3 rb s3://company-backups --force", "deny", "infra.aws-s3-delete-all"),
    ("aws s3 rm s3://b/one-file", "ask", "infra.aws-s3-delete"),
    ("aws s3api delete-bucket --bucket b", "deny", "infra.aws-s3-delete-all"),
    ("aws rds delete-db-instance --db-instance-identifier prod-db --skip-final-snapshot", "deny",
     "infra.aws-delete-data"),
    ("aws dynamodb delete-table --table-name orders", "deny", "infra.aws-delete-data"),
    ("aws ec2 terminate-instances --instance-ids i-0abc", "deny", "infra.aws-delete-data"),
    ("aws ec2 terminate-instances --instance-ids i-0abc --dry-run", "allow", None),
    ("aws kms schedule-key-deletion --key-id k", "deny", "infra.aws-delete-data"),
    ("aws lambda delete-function --function-name x", "ask", "infra.aws-delete"),
    ("aws --profile production lambda delete-function --function-name x", "deny", "infra.delete-prod"),
    ("AWS_PROFILE=prod aws lambda delete-function --function-name x", "deny", "infra.delete-prod"),
    ("aws ec2 describe-instances", "allow", None),
    ("aws ec2 stop-instances --instance-ids i-1", "ask", "infra.outage"),  # an outage, no data lost
    # Google Cloud
    ("gcloud projects delete my-project --quiet", "deny", "infra.gcp-delete-data"),
    ("gcloud sql instances delete prod-sql --quiet", "deny", "infra.gcp-delete-data"),
    ("gcloud beta container clusters delete main", "deny", "infra.gcp-delete-data"),
    ("gcloud storage rm -r gs://b", "deny", "infra.gcp-delete-data"),
    ("gcloud run services delete api", "ask", "infra.gcp-delete"),
    ("gcloud run services delete api --project shop-prod", "deny", "infra.delete-prod"),
    ("gcloud compute instances list", "allow", None),
    ("gsutil -m rm -r gs://b/2024", "deny", "infra.gcp-delete-data"),
    ("gsutil rb gs://b", "deny", "infra.gcp-delete-data"),
    ("gsutil rm gs://b/x.txt", "ask", "infra.gcp-delete"),
    # Azure
    ("az group delete -n prod-rg --yes", "deny", "infra.azure-delete-data"),
    ("az aks delete -g rg -n k8s", "deny", "infra.azure-delete-data"),
    ("az webapp delete -g rg -n app", "ask", "infra.azure-delete"),
    ("az vm list", "allow", None),
    # platforms
    ("heroku apps:destroy --app myapp --confirm myapp", "deny", "infra.platform-destroy"),
    ("heroku pg:reset DATABASE_URL --confirm app", "deny", "infra.platform-destroy"),
    ("heroku logs --tail", "allow", None),
    ("flyctl apps destroy my-app -y", "deny", "infra.platform-destroy"),
    ("fly volumes destroy vol_1 -y", "deny", "infra.platform-destroy"),
    ("fly machines destroy 123 --force", "ask", "infra.platform-delete"),
    ("vercel remove my-app --yes", "ask", "infra.platform-delete"),
    ("vercel deploy --prod", "ask", "infra.deploy"),  # production: Claude Code's auto mode asks too
    ("vercel deploy", "allow", None),  # a preview
    ("netlify sites:delete abc", "deny", "infra.platform-destroy"),  # a whole site
    ("railway volume delete -v data", "deny", "infra.platform-destroy"),
    ("railway environment delete production", "deny", "infra.platform-destroy"),
    ("railway delete -y", "deny", "infra.platform-destroy"),
    ("railway down", "ask", "infra.platform-delete"),
    ("railway up", "ask", "infra.deploy"),
    ("railway up -e staging", "allow", "infra.deploy-nonprod"),
    ("firebase firestore:delete --all-collections --force", "deny", "infra.platform-destroy"),
    ("firebase hosting:disable", "ask", "infra.platform-delete"),
    ("firebase deploy", "ask", "infra.deploy"),
    ("firebase hosting:channel:deploy pr-1", "allow", None),
    ("supabase projects delete abc", "deny", "infra.platform-destroy"),
    ("supabase start", "allow", None),
    ("doctl databases delete 1234 --force", "deny", "infra.platform-destroy"),
    ("doctl apps delete 1234", "ask", "infra.platform-delete"),
    # GitHub
    ("gh repo delete example/app --yes", "deny", "infra.github-repo-delete"),
    ("gh api -X DELETE repos/example/app", "deny", "infra.github-repo-delete"),
    ("gh api -X DELETE repos/example/app/releases/1", "ask", "infra.github-delete"),
    ("gh release delete v1.0 --yes", "ask", "infra.github-delete"),
    ("gh repo archive example/app -y", "ask", "infra.github-delete"),
    ("gh pr view 42", "allow", None),
    ("gh api repos/example/app", "allow", None),
    # disks and the system
    ("blkdiscard /dev/nvme0n1", "deny", "infra.disk-destroy"),
    ("lvremove -f vg0/data", "deny", "infra.disk-destroy"),
    ("zfs destroy -r tank/data", "deny", "infra.disk-destroy"),
    ("zfs destroy -nv tank/data", "allow", None),
    ("zpool destroy tank", "deny", "infra.disk-destroy"),
    ("cryptsetup luksErase /dev/sdb1", "deny", "infra.disk-destroy"),
    ("ip link set eth0 down", "ask", "infra.net-down"),
    ("ip link set eth0 up", "allow", None),
    ("launchctl unload -w /Library/LaunchDaemons/com.docker.vmnetd.plist", "ask", "infra.launchd-unload"),
    ("brew uninstall --force --ignore-dependencies openssl", "ask", "infra.brew-uninstall-force"),
    ("brew uninstall jq", "allow", None),
]


@pytest.mark.parametrize("command,decision,rule", CASES, ids=[c[0][:60] for c in CASES])
def test_decision_and_rule(command, decision, rule, workspace, home, env):
    d = _decide(command, workspace, home, env)
    got = [f.rule for f in d.findings]
    assert d.decision == decision, f"{command!r}: {d.decision} {got}"
    if rule is None:
        if decision == "allow":
            assert not [r for r in got if r.startswith("infra.")], got
    else:
        assert rule in got, f"{command!r}: {got}"


@pytest.mark.parametrize("command,environment", [
    ("kubectl delete deployment api -n production", "prod"),
    ("kubectl --context prod-cluster delete pod web-0", "prod"),
    ("helm uninstall api -n prod", "prod"),
    ("kubectl delete namespace production", "prod"),
    ("gcloud projects delete acme-prod", "prod"),
    ("railway environment delete -e production", "prod"),
    ("kubectl delete deployment api -n staging", "staging"),
    ("kubectl delete deployment api -n products", "prod"),  # not resolved: treated as prod, and says so
])
def test_environment_is_recorded(command, environment, workspace, home, env):
    fs = [f for f in _findings(command, workspace, home, env) if f.rule.startswith("infra.")]
    assert fs and fs[0].environment == environment
    if command.endswith("products"):
        assert "treated as prod" in fs[0].note and fs[0].rule == "infra.kube-delete"  # tagged, not escalated


def test_kube_current_context_resolves_environment(workspace, home, env):
    import os

    os.makedirs(os.path.join(home, ".kube"), exist_ok=True)
    with open(os.path.join(home, ".kube", "config"), "w") as f:
        f.write("apiVersion: v1\ncurrent-context: prod-eu\ncontexts: []\n")
    fs = _findings("kubectl delete deployment api", workspace, home, env)
    assert fs[0].rule == "infra.delete-prod" and fs[0].environment == "prod"
    with open(os.path.join(home, ".kube", "config"), "w") as f:
        f.write("current-context: kind-dev\n")
    fs = _findings("kubectl delete deployment api", workspace, home, env)
    assert fs[0].rule == "infra.kube-delete" and fs[0].environment == "local" and not fs[0].note


def test_policy_environment_tags_escalate(workspace, home, env):
    policy = Policy(Layer({"environments": {"prod": {"kube_contexts": ["blue-cluster"]},
                                            "staging": {"cloud_projects": ["prod-mirror"]}}}, "test"), home=home)
    fs = _findings("kubectl --context blue-cluster delete deploy api", workspace, home, env, policy)
    assert [f.rule for f in fs] == ["infra.delete-prod"] and fs[0].environment == "prod"
    assert "infra.kube-delete" in fs[0].note
    # the policy's own tag wins over a prod-looking name
    fs = _findings("gcloud run services delete api --project prod-mirror", workspace, home, env, policy)
    assert [f.rule for f in fs] == ["infra.gcp-delete"] and fs[0].environment == "staging"
    assert _decide("kubectl --context blue-cluster delete deploy api", workspace, home, env,
                   policy).decision == "deny"


def test_targets_and_notes(workspace, home, env):
    fs = _findings("aws rds delete-db-instance --db-instance-identifier prod-db --skip-final-snapshot",
                   workspace, home, env)
    assert fs[0].rule == "infra.aws-delete-data" and fs[0].target == "rds prod-db"
    assert "--skip-final-snapshot" in fs[0].note
    fs = _findings("kubectl delete pvc --all -n prod", workspace, home, env)
    assert fs[0].target == "pvc --all -n prod"
    fs = _findings("docker run --rm -v $HOME:/h alpine sh -c 'rm -rf /h/*'", workspace, home, env)
    assert [f.rule for f in fs] == ["infra.container-mount-destroy"] and fs[0].target == "~/*"
    fs = _findings("terraform destroy -target=aws_instance.web", workspace, home, env)
    assert fs[0].target == "aws_instance.web"


def test_read_only_infra_commands_stay_silent(workspace, home, env):
    for c in ("terraform plan", "terraform fmt -check", "terraform validate", "kubectl get pods -n staging",
              "kubectl describe pod web-7d9f -n staging", "kubectl rollout status deploy/api -n staging",
              "kubectl port-forward svc/api 8080:80", "kubectl apply --dry-run=server -f k8s/", "helm lint charts/app",
              "docker images", "docker compose ps", "docker compose logs -f api", "docker build -t app:dev .",
              "docker stop web", "docker exec web ls /app", "gcloud config list", "aws s3 ls", "gh issue list",
              "zpool status", "ip addr", "launchctl list", "brew install fd"):
        assert _findings(c, workspace, home, env) == [], c
