"""Issue 15, the sixth session's leftovers, each fixed as a class: the environment terraform and docker act
on, collections listed by one command and fed into a destructive one, package runners that wrap the real
command, symlinks out of the workspace, start-up files of systemd/XDG/launchd, and package removals.

Each class: the risky members (several spellings), and the ordinary look-alikes that must stay silent."""

from __future__ import annotations

import os

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, analyze, evaluate
from interlock.policy import Layer, Policy

PROD_DENIES = {"environments": {"prod": {"decisions": {"destructive": "deny"}}}}


def _ctx(workspace, home, env, policy=None, cwd=None):
    pol = Policy(Layer(policy, "test"), home=home) if policy is not None else None
    if pol is None:
        return Context(cwd or workspace, home=home, workspace=workspace, env=env)
    return Context(cwd or workspace, home=home, workspace=workspace, env=env, policy=pol)


def judge(command, workspace, home, env, policy=None, cwd=None):
    ctx = _ctx(workspace, home, env, policy, cwd)
    a = Action(SHELL, {"command": command}, cwd=cwd or workspace)
    return evaluate(a, ctx), analyze(a, ctx)


# --- 1. terraform's environment: workspace, directory, var files, -var env=... -------------------------

@pytest.fixture
def tf(workspace):
    for d in ("envs/staging", "envs/prod", "live/dev/vpc"):
        os.makedirs(os.path.join(workspace, d, ".terraform"), exist_ok=True)
    with open(os.path.join(workspace, "envs/staging/.terraform/environment"), "w") as f:
        f.write("staging\n")
    return workspace


@pytest.mark.parametrize("command,want", [
    ("terraform -chdir=envs/staging apply -replace=aws_instance.web", "staging"),
    ("TF_WORKSPACE=dev terraform apply -replace=aws_instance.web", "dev"),
    ("export TF_WORKSPACE=qa; tofu apply -replace=aws_instance.web", "qa"),
    ("terraform workspace select staging && terraform apply -replace=aws_instance.web", "staging"),
    ("terraform workspace new sandbox-7 && terraform apply -replace aws_instance.web", "sandbox"),
    ("terraform apply -replace=aws_instance.web -var-file=envs/staging.tfvars", "staging"),
    ("terraform apply -replace=aws_instance.web -var env=dev", "dev"),
    ("terraform apply -replace=aws_instance.web -var='environment=test'", "test"),
    ("cd live/dev/vpc && terragrunt apply -replace=aws_instance.web", "dev"),
])
def test_terraform_environment_outside_production(command, want, tf, home, env):
    d, found = judge(command, tf, home, env, policy=PROD_DENIES)
    assert d.decision == "ask", (command, d.reasons)
    assert {f.environment for f in found} == {want}, [(f.rule, f.environment, f.note) for f in found]
    assert all("not resolved" not in (f.note or "") for f in found)


@pytest.mark.parametrize("command", [
    "terraform apply -replace=aws_instance.web -var-file=prod.tfvars",
    "terraform -chdir=envs/prod apply -replace=aws_instance.web",
    "TF_WORKSPACE=production terraform apply -replace=aws_instance.web",
    "terraform workspace select prod && terraform apply -replace=aws_instance.web",
    # one source saying production is enough, whatever the others say
    "TF_WORKSPACE=staging terraform -chdir=envs/prod apply -replace=aws_instance.web",
    "terraform -chdir=envs/staging apply -replace=aws_instance.web -var env=prod",
])
def test_terraform_production_environment(command, tf, home, env):
    d, found = judge(command, tf, home, env, policy=PROD_DENIES)
    assert d.decision == "deny", (command, d.reasons)
    assert any(f.rule == "infra.delete-prod" for f in found)
    assert all("not resolved" not in (f.note or "") for f in found), [f.note for f in found]


@pytest.mark.parametrize("command", [
    "terraform apply -replace=aws_instance.web",              # nothing says where: the policy's unknown weighting
    "terraform workspace select default && terraform apply -replace=aws_instance.web",
    "terraform apply -replace=aws_instance.web -var region=eu-west-1",
])
def test_terraform_unresolved_is_weighed_as_unknown(command, tf, home, env):
    d, found = judge(command, tf, home, env, policy=PROD_DENIES)
    assert d.decision == "deny"
    assert any("not resolved" in (f.note or "") for f in found)


def test_terraform_destroy_stays_catastrophic_outside_production(tf, home, env):
    d, found = judge("terraform -chdir=envs/staging destroy", tf, home, env)
    assert d.decision == "deny" and found[0].environment == "staging"
    d, found = judge("terraform -chdir=envs/staging plan -destroy", tf, home, env)
    assert d.decision == "allow" and not found
