"""One severity path: the same rule in the same environment gets the same decision, whatever module
emitted it and whatever channel the action came through.

The table: every rule whose target lives in an environment (every ``rules_infra`` rule, the
database rules the environment changes, the HTTP and MCP cloud rules) × every example of it in the
catalogue × three environment setups, under a policy that denies destructive actions in production:

* ``declared-prod``: the policy declares every host, context, namespace, project, account... prod;
* ``declared-dev``: it declares all of them dev;
* ``undeclared``: it declares nothing (names that say prod are prod, the rest unresolved).

Each finding's decision must be the one its (severity, environment) calls for; an unresolved
environment is prod and says so; a deletion in a resolved production environment is escalated.
"""

from __future__ import annotations

import json

import pytest

from interlock import rules, rules_db, rules_infra, weighing
from interlock.actions import DEFAULT_DECISIONS, HTTP, MCP_CALL, SHELL, Action, Finding
from interlock.engine import Context, analyze, evaluate
from interlock.policy import Layer, Policy, is_production

KINDS = ("hosts", "databases", "kube_contexts", "cloud_projects", "cloud_accounts", "railway_environments", "urls",
         "namespaces")
PROD_DENY = {"decisions": {"destructive": "deny"}}
SETUPS = {
    "undeclared": {"environments": {"prod": PROD_DENY}},
    "declared-prod": {"environments": {"prod": {**PROD_DENY, **{k: ["*"] for k in KINDS}}}},
    "declared-dev": {"environments": {"prod": PROD_DENY, "dev": {k: ["*"] for k in KINDS}}},
}
IN_PROD = {**rules.IN_PROD, **rules_infra.IN_PROD, **rules_db.IN_PROD}

#: Examples beyond the catalogue's, naming an environment, for rules whose own examples name none.
EXTRA = {
    "db.migrate": ["RAILS_ENV=production rails db:migrate"],
    "infra.terraform-replace": ["terraform apply -replace=aws_instance.web -var-file=prod.tfvars",
                                "TF_WORKSPACE=dev terraform apply -replace=aws_instance.web"],
    "infra.terraform-workspace-delete": ["terraform -chdir=envs/prod workspace delete old",
                                         "terraform -chdir=envs/dev workspace delete old"],
    "infra.kube-delete": ["kubectl delete deployment api -n production", "kubectl --context prod-eu delete svc api"],
    "infra.kube-replace-force": ["kubectl replace --force -f deploy.yaml -n production",
                                 "kubectl replace --force -f deploy.yaml -n dev"],
    "infra.kube-apply-prune": ["kubectl apply --prune -l app=web -f k8s/ --context prod-eu",
                               "kubectl apply --prune -l app=web -f k8s/ --context kind-dev"],
    "infra.kube-disrupt-prod": ["kubectl drain node-1 --context kind-dev"],
    "infra.aws-s3-delete": ["aws s3 rm s3://bucket/one.txt --profile prod", "aws s3 rm s3://bucket/one.txt --profile dev"],
    "infra.aws-delete": ["aws lambda delete-function --function-name x --profile staging",
                         "aws lambda delete-function --function-name x --profile prod"],
    "infra.aws-delete-data": ["aws dynamodb delete-table --table-name orders --profile prod",
                              "aws dynamodb delete-table --table-name orders --profile staging"],
    "infra.gcp-delete": ["gcloud run services delete api --project shop-prod",
                         "gcloud run services delete api --project shop-dev"],
    "infra.docker-image-prune-all": ["docker --context prod image prune -a -f"],
    "infra.docker-volume-rm": ["docker -H ssh://prod-1 volume rm pgdata", "docker --context prod volume rm pgdata"],
    "infra.docker-volume-prune": ["docker --context prod volume prune -f"],
    "infra.docker-prune-volumes": ["docker --context prod system prune --volumes"],
    "infra.compose-down-volumes": ["docker --context prod compose down -v"],
    "infra.docker-rm-force": ["docker --context prod rm -fv db"],
    "infra.platform-delete": ["heroku config:unset KEY -a shop-prod", "vercel remove my-app --yes"],
    "infra.restart": ["docker --context prod-eu restart web", "docker restart web"],
    "db.drop-test-database": ["dropdb -h prod-db.internal app_test", "dropdb app_test"],
    "db.framework-reset": ["RAILS_ENV=production rails db:reset", "rails db:reset"],
    "db.truncate-cascade": ["psql -h prod-db.internal -c 'TRUNCATE orders CASCADE'"],
    "mcp.cloud-catastrophic": ['@MCP railway/volume_delete {"volumeId": "v1", "environment": "production"}',
                               '@MCP railway/volume_delete {"volumeId": "v1", "environment": "staging"}'],
    "mcp.cloud-destructive": ['@MCP railway/variable_delete {"name": "KEY", "environment": "production"}',
                              '@MCP railway/variable_delete {"name": "KEY", "environment": "staging"}'],
}

#: Rules whose handler resolves no environment from any example, in any setup: judged as production
#: every time.  Terraform's (-chdir, TF_WORKSPACE, var files are not read) and Docker's local daemon (a
#: --context or -H naming prod is read; none is not "local") — findings, not goals.  A handler that
#: learns to read its tool's environment leaves this list; a rule that joins it is a finding to look at.
NEVER_RESOLVED = set()  # (terraform resolves its environment since the seventh session)


def expected(severity, environment):
    """Under SETUPS' policy: destructive in prod is denied, everything else has its default."""
    if severity == "destructive" and environment == "prod":
        return "deny"
    return DEFAULT_DECISIONS[severity]


def _table_rules():
    out = [r.id for r in rules_infra.RULES if r.id not in rules_infra.NOT_IN_AN_ENVIRONMENT]
    out += sorted(rules.IN_AN_ENVIRONMENT)
    out += sorted(set(rules_db.IN_PROD) | set(rules_db.OUTSIDE_PROD) | set(rules_db.LOCAL_DESTRUCTIVE)
                  | set(rules_infra.LOCAL_DESTRUCTIVE))
    return list(dict.fromkeys(out))


def _action(example, workspace):
    if example.startswith("@MCP "):  # @MCP server/tool [JSON arguments]
        server, tool = example[5:].split("/", 1)
        tool, _, args = tool.partition(" ")
        return Action(MCP_CALL, {"server": server, "tool": tool, "arguments": json.loads(args) if args.startswith("{")
                                 else {}}, cwd=workspace)
    return Action(SHELL, {"command": example}, cwd=workspace)


def _ctx(setup, workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env, policy=Policy(Layer(SETUPS[setup], "t"),
                                                                                     home=home))


def _of_rule(findings, rule_id):
    """The findings of ``rule_id`` after weighing: itself, or what it became (its note says from what)."""
    return [f for f in findings if f.rule == rule_id or (
        f.rule in (IN_PROD.get(rule_id), rules_db.OUTSIDE_PROD.get(rule_id)) and f.note and f.note.startswith(rule_id))]


def _one_path(f, rule_id, example, setup, ctx, scoped):
    """One finding of ``rule_id`` (or what it became) weighed as its severity and environment call for: the
    catalogue's severity, the decision of (severity, environment), an unresolved environment treated as prod and
    never escalated, a resolved production one escalated.  What it saw: "unresolved", "prod", "other"."""
    seen = set()
    where = (rule_id, example, setup, f.rule, f.severity, f.environment, f.note)
    local = f.environment == "local" and weighing.weighs_less_locally(f.rule)
    assert f.severity == ("destructive" if local else rules.RULES[f.rule].severity), where
    assert ctx.policy.decide(f)[0] == expected(f.severity, f.environment), where
    unresolved = bool(f.note and weighing.UNRESOLVED_NOTE in f.note)
    if unresolved:
        assert scoped and f.environment == "prod" and f.rule == rule_id, where  # tagged, never escalated
        seen.add("unresolved")
    elif scoped and f.severity in ("destructive", "catastrophic"):
        assert f.environment is not None, where
    if f.environment and not unresolved:
        seen.add("prod" if is_production(f.environment) else "other")
        if is_production(f.environment) and rule_id in IN_PROD:
            assert f.rule == IN_PROD[rule_id], where  # a deletion in production is escalated
        elif f.rule != rule_id:
            assert f.rule == rules_db.OUTSIDE_PROD.get(rule_id), where
    return seen


@pytest.mark.parametrize("rule_id", _table_rules())
def test_one_decision_per_severity_and_environment(rule_id, workspace, home, env):
    rule = rules.RULES[rule_id]
    assert rule.hits, f"{rule_id}: no example emits it"
    scoped = weighing.in_an_environment(rule_id)
    seen = set()
    for example in rule.hits + tuple(EXTRA.get(rule_id, ())):
        example = example.replace("/work/proj", workspace).replace("/home/dev", home)
        for setup in SETUPS:
            ctx = _ctx(setup, workspace, home, env)
            found = _of_rule(analyze(_action(example, workspace), ctx), rule_id)
            # the catalogue's example emits it as written; declared otherwise, a handler may pick another
            # rule by what the target is (`delete --all` in a namespace declared dev is no longer "all of prod")
            assert found or setup != "undeclared", f"{rule_id}: {example!r} does not emit it"
            for f in found:
                seen |= _one_path(f, rule_id, example, setup, ctx, scoped)
    if rule_id in NEVER_RESOLVED:
        assert seen <= {"unresolved"}, (rule_id, seen, "resolves now: take it out of NEVER_RESOLVED")
    elif rule_id in IN_PROD:  # the escalation is exercised by at least one example
        assert "prod" in seen, (rule_id, seen, "no example resolves a production environment")


def _knowledge_examples():
    """Every example of every CLI knowledge file (knowledge/clis/*.toml, walked) and of the generic verb model
    whose rule lives in an environment: the same rules, reached through each tool's own words."""
    import os

    from interlock.analysis.shell import clis

    out, table = [], set(_table_rules())
    files = sorted(f for f in os.listdir(clis.CLIS) if f.endswith(".toml"))
    for name, examples in [(f, clis.load_file(os.path.join(clis.CLIS, f)).examples) for f in files] + [
            ("generic.toml", clis.generic_model().examples)]:
        mine = [(cmd, rule) for cmd, rule in examples if rule in table]
        if mine:
            out.append(pytest.param(name, mine, id=name))
    assert len(out) > 50
    return out


@pytest.mark.parametrize("name,examples", _knowledge_examples())
def test_every_knowledge_files_environment_rule_is_one_decision(name, examples, workspace, home, env):
    """The table over the knowledge files: each example that emits an environment rule, in the three setups
    under the prod-deny policy, gets the decision its (severity, environment) calls for — `vercel remove`,
    `supabase branches delete`, `netlify sites:delete`, `doctl apps delete` as `railway down` does."""
    ctxs = {setup: _ctx(setup, workspace, home, env) for setup in SETUPS}
    for command, rule_id in examples:
        command = command.replace("/work/proj", workspace).replace("/home/dev", home)
        scoped = weighing.in_an_environment(rule_id)
        for setup, ctx in ctxs.items():
            found = _of_rule(analyze(_action(command, workspace), ctx), rule_id)
            assert found or setup != "undeclared", f"{name}: {command!r} does not emit {rule_id}"
            for f in found:
                _one_path(f, rule_id, command, setup, ctx, scoped)
                if setup == "declared-prod" and scoped and f.severity in ("destructive", "catastrophic"):
                    assert ctx.policy.decide(f)[0] == "deny", (name, command, f.rule, f.environment)


def test_the_issues_examples_are_one_decision(workspace, home, env):
    """The same rule through different CLIs' handlers: the same decision (they used to split deny/ask)."""
    ctx = _ctx("undeclared", workspace, home, env)
    for cmd in ("railway down -y", "fly machines destroy 1781 --force", "heroku config:unset KEY -a shop",
                "vercel remove my-app --yes", "supabase branches delete feature-x", "netlify sites:delete abc",
                "doctl apps delete 1234", "doctl compute firewall delete f1", "supabase functions delete hello"):
        d = evaluate(Action(SHELL, {"command": cmd}, cwd=workspace), ctx)
        assert d.decision == "deny", (cmd, d.reasons)
        assert any("environment not resolved: treated as prod" in r and "[prod]" in r for r in d.reasons), d.reasons
    default = Context(workspace, home=home, workspace=workspace, env=env, policy=Policy(Layer({}, "t"), home=home))
    for cmd in ("vercel remove my-app --yes", "railway down -y", "supabase branches delete feature-x"):
        assert evaluate(Action(SHELL, {"command": cmd}, cwd=workspace), default).decision == "ask", cmd
    for cmd in ("netlify sites:delete abc", "vercel project rm web", "heroku apps:destroy shop"):
        # a whole site, project or app: destroyed whatever the environment
        assert evaluate(Action(SHELL, {"command": cmd}, cwd=workspace), default).decision == "deny", cmd
    # resolved production: escalated the same way by every handler
    for cmd in ("heroku config:unset KEY -a shop-prod", "kubectl delete deployment api -n production",
                "aws lambda delete-function --function-name x --profile prod"):
        d = evaluate(Action(SHELL, {"command": cmd}, cwd=workspace), default)
        assert d.decision == "deny" and d.findings[0].rule == "infra.delete-prod", (cmd, d.reasons)


def test_one_decision_whatever_the_channel(workspace, home, env):
    """A DELETE to an API: by curl in a shell, through the HTTP gateway, through an MCP fetch tool."""
    for setup, want in (("undeclared", "deny"), ("declared-dev", "ask")):
        ctx = _ctx(setup, workspace, home, env)
        got = []
        for action in (Action(SHELL, {"command": "curl -X DELETE https://api.example.com/v1/items/1"}, cwd=workspace),
                       Action(HTTP, {"method": "DELETE", "url": "https://api.example.com/v1/items/1"}, cwd=workspace),
                       Action(MCP_CALL, {"server": "fetch", "tool": "fetch", "arguments": {
                           "url": "https://api.example.com/v1/items/1", "method": "DELETE"}}, cwd=workspace)):
            d = evaluate(action, ctx)
            got.append((d.decision, [(f.rule, f.environment) for f in d.findings]))
        assert {g[0] for g in got} == {want}, (setup, got)
    # a cloud MCP tool and the CLI deleting the same kind of thing: the same weighing, the same decision
    ctx = _ctx("undeclared", workspace, home, env)
    for args, want in (({"name": "KEY"}, "deny"), ({"name": "KEY", "environment": "staging"}, "ask")):
        mcp = analyze(Action(MCP_CALL, {"server": "railway", "tool": "variable_delete", "arguments": args},
                             cwd=workspace), ctx)
        flag = f" --environment {args['environment']}" if "environment" in args else ""
        cli = analyze(Action(SHELL, {"command": "railway variable delete KEY" + flag}, cwd=workspace), ctx)
        m = next(f for f in mcp if f.rule == "mcp.cloud-destructive")
        c = next(f for f in cli if f.rule == "infra.platform-delete")
        assert (m.severity, m.environment) == (c.severity, c.environment), (m, c)
        assert ctx.policy.decide(m)[0] == ctx.policy.decide(c)[0] == want, (m.environment, want)


def test_weighing_happens_once(workspace, home, env):
    f = Finding("infra.platform-delete", "read", "delete", "vercel x", "vercel rm x", "")
    weighing.weigh([f])
    assert (f.severity, f.environment, f.note) == ("destructive", "prod", weighing.UNRESOLVED_NOTE)
    weighing.weigh([f])  # the assumed prod is not a resolved one: never escalated on a second pass
    assert (f.rule, f.severity, f.note) == ("infra.platform-delete", "destructive", weighing.UNRESOLVED_NOTE)
    g = Finding("db.drop-database", "catastrophic", "drop", "app", "psql", "", environment="local")
    weighing.weigh([g])
    assert g.severity == "destructive" and "on this machine" in g.note
    h = Finding("infra.kube-disrupt", "write", "scale-to-zero", "deploy/api", "kubectl", "", environment="production")
    weighing.weigh([h])
    assert h.rule == "infra.kube-disrupt-prod" and h.severity == "destructive" and h.note == "infra.kube-disrupt in production"


def test_not_in_an_environment_is_not_weighed(workspace, home, env):
    """This machine's disks, network and services, and a code host, are nobody's production."""
    ctx = _ctx("undeclared", workspace, home, env)
    for cmd in ("ip link set eth0 down", "gh release delete v1.0 --yes", "brew rm -f python@3.12"):
        d = evaluate(Action(SHELL, {"command": cmd}, cwd=workspace), ctx)
        assert d.decision == "ask" and all(f.environment is None for f in d.findings), (cmd, d.reasons)


def test_every_table_names_catalogue_rules():
    for table in (rules.IN_PROD, rules_infra.IN_PROD, rules_db.IN_PROD, rules_db.OUTSIDE_PROD):
        for a, b in table.items():
            assert a in rules.RULES and b in rules.RULES, (a, b)
    local = rules_db.LOCAL_DESTRUCTIVE | rules_infra.LOCAL_DESTRUCTIVE
    for r in rules.IN_AN_ENVIRONMENT | rules_infra.NOT_IN_AN_ENVIRONMENT | local:
        assert r in rules.RULES, r
    assert all(rules.RULES[r].severity == "catastrophic" for r in local)


def test_the_reason_says_the_environment_was_assumed(workspace, home, env):
    """The note the weighing adds reaches the reason the agent and the human read, and the JSON."""
    ctx = _ctx("undeclared", workspace, home, env)
    d = evaluate(Action(SHELL, {"command": "vercel remove my-app --yes"}, cwd=workspace), ctx)
    assert d.decision == "deny" and "[prod]" in d.reasons[0] and weighing.UNRESOLVED_NOTE in d.reasons[0], d.reasons
    assert weighing.UNRESOLVED_NOTE in json.dumps(d.to_dict())


def test_every_entry_point_goes_through_the_one_path(workspace, home, env, tmp_path):
    """`interlock check`, the agent hook (real subprocesses), the HTTP gateway's and the MCP gateway's
    judges (their own functions, in-process): the same policy file, the same decision and reason."""
    import subprocess

    from conftest import interlock_exe, run_hook
    from helpers import write_policy

    from interlock.gateways import http as http_gateway
    from interlock.gateways import mcp as mcp_gateway

    write_policy(env, '[environments.prod]\ndecisions = { destructive = "deny" }\n')
    p = subprocess.run(interlock_exe() + ["check", "--cwd", workspace, "--json", "netlify sites:delete abc"],
                       capture_output=True, text=True, env=env, timeout=60)
    d = json.loads(p.stdout)
    assert d["decision"] == "deny" and weighing.UNRESOLVED_NOTE in json.dumps(d), p.stdout
    payload = {"session_id": "s", "cwd": workspace, "hook_event_name": "PreToolUse", "tool_name": "Bash",
               "tool_input": {"command": "supabase branches delete feature-x"}, "tool_use_id": "t1"}
    code, out, err = run_hook("claude-code", payload, env)
    assert code == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny", (out, err)
    assert weighing.UNRESOLVED_NOTE in out["hookSpecificOutput"]["permissionDecisionReason"]
    # the gateways' judges, as they run for a request or a tool call (no approval wait)
    action = Action(HTTP, {"method": "DELETE", "url": "https://api.example.com/v1/items/1"}, cwd=workspace,
                    workspace=workspace)
    d = http_gateway.judge(action, env, 0)
    assert d.decision == "deny" and any(weighing.UNRESOLVED_NOTE in r for r in d.reasons), d.reasons
    judge = mcp_gateway.Judge("railway", env, workspace)
    _, d, _ = judge.evaluate("variable_delete", {"name": "KEY"}, {})
    assert d.decision == "deny" and any(weighing.UNRESOLVED_NOTE in r for r in d.reasons), d.reasons
    _, d, _ = judge.evaluate("variable_delete", {"name": "KEY", "environment": "staging"}, {})
    assert d.decision == "ask", d.reasons


@pytest.mark.parametrize("server,tool,args,rule", [
    # an environment the agent adds to the arguments does not take a production target out of production
    ("fetch", "fetch", {"url": "https://api.prod.example.com/v1/items/1", "method": "DELETE",
                        "environment": "staging"}, "infra.delete-prod"),
    ("railway", "variable_delete", {"name": "KEY", "environment": "staging", "env": "production"},
     "infra.delete-prod"),
    # a command in a tool's arguments is weighed like the same command in a shell (once)
    ("shell", "run", {"command": "vercel remove my-app --yes"}, "infra.platform-delete"),
    ("shell", "run", {"command": "kubectl delete deploy api -n production"}, "infra.delete-prod"),
])
def test_attack_an_mcp_call_cannot_lower_the_weight(server, tool, args, rule, workspace, home, env):
    ctx = _ctx("undeclared", workspace, home, env)
    d = evaluate(Action(MCP_CALL, {"server": server, "tool": tool, "arguments": args}, cwd=workspace), ctx)
    assert d.decision == "deny" and rule in {f.rule for f in d.findings}, d.reasons
    f = next(f for f in d.findings if f.rule == rule)
    assert f.environment == "prod", f.note
    assert f.note.count(weighing.UNRESOLVED_NOTE) + f.note.count(" in prod") == 1, f.note  # weighed once


@pytest.mark.parametrize("command", [
    "kubectl delete deploy api -n dev --context prod-eu", "helm uninstall api -n staging --kube-context prod",
    "aws lambda delete-function --function-name x --profile dev --profile prod",
    "AWS_PROFILE=prod aws lambda delete-function --function-name x",
    "gcloud run services delete api --project=dev --project=prod",
])
def test_attack_a_dev_name_beside_a_prod_one_is_prod(command, workspace, home, env):
    d = evaluate(Action(SHELL, {"command": command}, cwd=workspace), _ctx("undeclared", workspace, home, env))
    assert d.decision == "deny" and d.findings[0].rule == "infra.delete-prod", d.reasons
