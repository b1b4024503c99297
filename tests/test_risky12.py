"""Session 12's risky round (bench/risky12.py): the classes its tune half showed, each fixed by a mechanism and
tested here by the class, in spellings and tools the fixes were not developed on.

- capacity set to zero: one effect (analysis/shell/capacity.py, knowledge/capacity.toml, the `capacity` key of
  knowledge/clis/*.toml) for every tool that sizes what serves.
"""

from __future__ import annotations

import pytest

from interlock.analysis.shell import capacity
from interlock.engine import check_command


def _judge(cmd):
    return check_command(cmd)


def _asks(cmd, rule=None):
    d = _judge(cmd)
    assert d.decision in ("ask", "deny"), (cmd, d)
    if rule:
        assert rule in d.rules, (cmd, d.rules)
    return d


def _allows(cmd):
    d = _judge(cmd)
    assert d.decision == "allow", (cmd, d, d.reasons)


# --- capacity set to zero: one reader ----------------------------------------------------------

def test_capacity_examples():
    """knowledge/capacity.toml's examples: each value read as zero or not."""
    m = capacity._model()
    assert len(m.examples) > 20
    for value, zero in m.examples:
        assert capacity.is_zero(value) is zero, value


@pytest.mark.parametrize("value", ["000", "-00", "+0.0", "api=000", "worker=-0:performance-l", "0.",
                                   "desiredSize=0,minSize=0", '{"spec": {"replicas": "0"}}',
                                   "spec:\n  replicas: 00\n", '[{"op": "add", "path": "/spec/replicas", "value": 0}]',
                                   "x.y.maxReplicas=0"])
def test_zero_in_any_spelling(value):
    assert capacity.is_zero(value), value


@pytest.mark.parametrize("value", ["20", "1.5", "web=1", "web=20:standard-1x", "0x0", "minReplicas=0",
                                   '{"spec":{"minReplicas":0,"maxReplicas":2}}', "v0", "0s", "10.0.0.0/8",
                                   '[{"op":"remove","path":"/spec/replicas"}]', "minSize=0", "min_count=0"])
def test_not_zero(value):
    assert not capacity.is_zero(value), value


@pytest.mark.parametrize("cmd", [
    "kubectl scale sts/kafka --replicas=000 -n data",
    "kubectl scale --replicas +0 deployment/web",
    """kubectl patch deploy web --type=json -p='[{"op":"add","path":"/spec/replicas","value":0}]'""",
    "kubectl patch deploy web -p 'spec:\n  replicas: 00'",
    "kubectl autoscale deployment web --min=0 --max=0",
    "oc scale deploymentconfig/api --replicas=-0",
    "docker service scale api=000",
    "docker service update --replicas=+0 worker",
    "aws ecs update-service --cluster c1 --service s1 --desired-count=-0",
    "aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --max-size 00",
    "aws eks update-nodegroup-config --cluster-name c --nodegroup-name n --scaling-config desiredSize=0,maxSize=0",
    "aws application-autoscaling register-scalable-target --service-namespace ecs --resource-id service/c/s "
    "--scalable-dimension ecs:service:DesiredCount --max-capacity 0",
    "az vmss scale -g rg -n ss --new-capacity 00",
    "az aks nodepool update -g rg --cluster-name k -n np --max-count 0 --min-count 0",
    "az webapp update -g rg -n api --set siteConfig.numberOfWorkers=0",
    "gcloud compute instance-groups managed resize mig1 --size 00 --region us-east1",
    "gcloud container clusters resize c1 --node-pool p1 --num-nodes=+0",
    "gcloud container node-pools update p2 --cluster c2 --max-nodes=0 --min-nodes=0",
    "heroku ps:scale worker=0:performance-m -a app",
    "heroku ps:scale web=00 --app app",
    "flyctl scale count 00 --app app",
    "fly scale count worker=-0 -a app",
    "dokku ps:scale app worker=000",
    "cf scale app --instances 00",
    "eksctl scale nodegroup --cluster c --name n --nodes=00",
    "nomad job scale -detach web web 00",
    "doctl k8s cluster node-pool update c1 p1 --count=0",
    "helm upgrade web ./chart --reuse-values --set replicaCount=00",
    "helm upgrade web ./chart --set-string autoscaling.maxReplicas=0,autoscaling.minReplicas=0",
])
def test_capacity_zero_is_asked_in_every_tool(cmd):
    d = _asks(cmd)
    assert set(d.rules) & {"infra.outage", "infra.kube-disrupt", "infra.kube-disrupt-prod"}, (cmd, d.rules)


@pytest.mark.parametrize("cmd", [
    "docker service scale api=10",
    "heroku ps:scale web=10:standard-2x -a app",
    "fly scale count 10 -a app",
    "dokku ps:scale app web=20",
    "cf scale app -i 10",
    "aws ecs update-service --cluster c1 --service s1 --desired-count 10",
    "aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --min-size 0 --max-size 10",
    "az vmss scale -g rg -n ss --new-capacity 10",
    "gcloud compute instance-groups managed resize mig1 --size 10 --zone z",
    "gcloud run services update api --min-instances 0 --region r",
    "doctl k8s cluster node-pool update c1 p1 --count 10",
    "helm upgrade web ./chart --set replicaCount=10 --dry-run",
    "docker compose up -d --scale worker=0",
])
def test_capacity_not_zero_passes(cmd):
    _allows(cmd)


def test_a_go_style_option_with_an_h_is_not_help():
    """`-detach` split into letters holds an `h`: the tool's knowledge still applies (a help option only as written)."""
    _asks("nomad job scale -detach api web 0", "infra.outage")
    _allows("nomad job scale -h")
