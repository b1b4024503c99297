"""Tool knowledge as data: every knowledge file loads, and every example it carries (hits and
misses) holds through the real analysis; the generic verb model, by class."""

from __future__ import annotations

import os

import pytest

from interlock.actions import SHELL, Action
from interlock.analysis.shell import clis
from interlock.engine import Context, analyze, evaluate

FILES = sorted(f for f in os.listdir(clis.CLIS) if f.endswith(".toml"))


def _tool(f):
    return clis.load_file(os.path.join(clis.CLIS, f))


def _cases():
    out = []
    for f in FILES:
        for cmd, rule in _tool(f).examples:
            out.append(pytest.param(cmd, rule, id=f"{f}:{cmd[:50]}"))
    for cmd, rule in clis.generic_model().examples:
        out.append(pytest.param(cmd, rule, id=f"generic:{cmd[:50]}"))
    return out


@pytest.fixture
def ctx(workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env)


def _rules(command, ctx):
    return sorted({f.rule for f in analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)})


def test_every_file_loads_and_is_indexed():
    assert len(FILES) >= 14
    idx = clis.index()
    for f in FILES:
        t = _tool(f)  # raises KnowledgeError on the first schema error
        for n in t.names:
            assert idx.get(n) == os.path.join(clis.CLIS, f), f"{n} of {f} is not in the names index"


@pytest.mark.parametrize("command,rule", _cases())
def test_knowledge_examples(command, rule, ctx):
    got = _rules(command, ctx)
    if rule:
        assert rule in got, f"{command!r} should hit {rule}, got {got}"
    else:
        assert got == [], f"{command!r} should produce nothing, got {got}"


def test_the_moved_hosting_clis_are_knowledge_files():
    for name in ("heroku", "fly", "flyctl", "vercel", "netlify", "railway", "firebase", "supabase", "doctl",
                 "pulumi", "cdk", "serverless", "sls", "neonctl", "neon", "pscale", "glab"):
        assert name in clis.index(), name
    from interlock.analysis.shell import infra

    for gone in ("heroku", "fly", "vercel", "netlify", "railway", "firebase", "supabase", "doctl", "deploy_tools"):
        assert not hasattr(infra, gone), f"infra.{gone} still holds CLI knowledge in code"


# --- schema errors: loud in tests, closed at run time ----------------------------------------------

BAD = [
    ('names = ["x"]\n[[commands]]\npath = "a"\neffect = "explode"\nrule = "infra.cli-delete"\n', "effect"),
    ('names = ["x"]\n[[commands]]\npath = "a"\neffect = "delete"\nrule = "no.such-rule"\n', "catalogue"),
    ('names = ["x"]\n[[commands]]\npath = "a"\neffect = "delete"\n', "needs a rule"),
    ('names = ["x"]\ncolour = 1\n', "unknown keys"),
    ('names = ["x"]\n[[commands]]\npath = "a"\neffect = "delete"\nrule = "infra.cli-delete"\n', "examples"),
    ('names = ["x"]\nenv = { kind = "planet", from = ["-p"] }\n', "env kind"),
    ('names = ["x"\n', "x.toml"),
    ('names = ["x"]\n[[commands]]\npath = "run"\neffect = "runs-command"\nmechanism = "teleport"\n', "mechanism"),
    ('names = ["x"]\n[[commands]]\npath = "run"\neffect = "runs-command"\nmechanism = "remote-shell"\n', "command"),
]


@pytest.mark.parametrize("text,msg", BAD)
def test_a_schema_error_is_loud(tmp_path, text, msg):
    p = tmp_path / "x.toml"
    p.write_text(text)
    with pytest.raises(clis.KnowledgeError, match=msg):
        clis.load_file(str(p))


def test_a_broken_file_at_run_time_asks_with_the_reason(tmp_path, monkeypatch, ctx):
    (tmp_path / "zorp.toml").write_text('names = ["zorp"]\n[[commands]]\npath = "a"\neffect = "explode"\n')
    monkeypatch.setattr(clis, "CLIS", str(tmp_path))
    monkeypatch.setattr(clis, "_index", None)
    monkeypatch.setattr(clis, "_loaded", {})
    d = evaluate(Action(SHELL, {"command": "zorp list"}, cwd=ctx.cwd), ctx)
    assert d.decision in ("ask", "deny")
    assert any(f.rule == "interlock.error" and "zorp.toml" in (f.note or "") for f in d.findings)


def test_a_broken_generic_model_asks(monkeypatch, ctx):
    monkeypatch.setitem(clis._MODELS, "generic.toml", clis.KnowledgeError("generic.toml: broken"))
    d = evaluate(Action(SHELL, {"command": "frobctl things delete x"}, cwd=ctx.cwd), ctx)
    assert d.decision in ("ask", "deny")


# --- the generic verb model, by class ---------------------------------------------------------------

VERBS = ["delete", "destroy", "rm", "remove", "purge", "drop", "terminate", "undefine", "wipe", "erase", "revoke"]


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("shape", [
    "frobctl {v} thing-1",                       # verb first
    "frobctl widgets {v} thing-1",               # group verb
    "frobctl cloud widgets {v} thing-1",         # two groups
    "frobctl --region=eu widgets {v} thing-1",   # --x=v before
    "frobctl --region eu widgets {v} thing-1",   # --x v before
    "frobctl -y widgets {v} thing-1",            # a known switch before
    "frobctl widgets {v} --force thing-1",
])
def test_generic_verbs_by_position_and_option_form(verb, shape, ctx):
    command = shape.format(v=verb)
    fs = analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert f"'{verb}'" in fs[0].note and "frobctl" in fs[0].target
    assert evaluate(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx).decision == "ask"


@pytest.mark.parametrize("command", [
    "frobctl users admin-delete-user alice", "frobctl delete-bucket --bucket b", "frobctl dns records-delete 1 2",
    "frobctl deregister-target --id t",
])
def test_generic_compound_verbs(command, ctx):
    assert _rules(command, ctx) == ["infra.cli-delete"]


@pytest.mark.parametrize("command", [
    "frobctl widgets list", "frobctl widgets describe delete-me", "frobctl help delete", "frobctl delete --help",
    "frobctl widgets delete thing --dry-run", "frobctl --query delete search", "frobctl get deleted-items",
    "frobctl widgets show removed", "frobctl deletion-policy get", "frobctl one two three four delete x",
    "frobctl remove.txt", "frobctl ./delete", "frobctl 'delete the widget'",
    # data-first programs and local tools
    "grep -r delete .", "rg remove src", "sed -n /delete/p f", "echo delete", "man rm", "tldr rm", "which rm",
    "cat remove", "uv remove requests", "poetry remove requests", "cargo remove serde", "npm rm left-pad",
    "pip uninstall -y requests", "pdm remove click", "bun remove react", "gem uninstall rails",
    "rustup toolchain remove nightly", "pyenv uninstall 3.10.0", "ollama rm llama3", "pixi remove numpy",
    "conda remove numpy", "flatpak remove --user org.gimp.GIMP", "mise uninstall node@18",
])
def test_generic_look_alikes_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command,rule", [
    # AWS, gcloud and az by verb over any service
    ("aws cognito-idp admin-delete-user --username u --user-pool-id p", "infra.aws-delete"),
    ("aws apigateway delete-rest-api --rest-api-id x", "infra.aws-delete"),
    ("aws someservice purge-everything --id x", "infra.aws-delete"),
    ("aws rds stop-db-instance --db-instance-identifier d", "infra.outage"),
    ("aws ecs update-service --cluster c --service s --desired-count 0", "infra.outage"),
    ("gcloud compute instances stop vm-1", "infra.outage"),
    ("gcloud some-new-service widgets delete w1", "infra.gcp-delete"),
    ("az vm stop -g rg -n vm1", "infra.outage"),
    ("az some-new-service widget delete -n w", "infra.azure-delete"),
])
def test_cloud_clis_by_verb(command, rule, ctx):
    assert rule in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "aws cognito-idp admin-get-user --username u --user-pool-id p", "aws rds describe-db-instances",
    "aws ec2 start-instances --instance-ids i-1", "aws ecs update-service --cluster c --service s --desired-count 2",
    "gcloud compute instances start vm-1", "gcloud compute instances list", "az vm start -g rg -n vm1",
    "aws s3api get-bucket-policy --bucket b", "aws iam get-role --role-name r",
])
def test_cloud_reads_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


def test_deleting_a_whole_hosting_project_is_denied(ctx):
    for command in ("vercel project rm web", "netlify sites:delete abc", "heroku apps:destroy --app shop"):
        d = evaluate(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)
        assert d.decision == "deny" and "infra.platform-destroy" in {f.rule for f in d.findings}, command


# --- attack round: ways around the generic model and the knowledge files ------------------------------

@pytest.mark.parametrize("command,rule", [
    ("frobctl --yes-really delete prod-db", "infra.cli-delete"),     # an unknown switch hiding the verb
    ("frobctl delete -n prod thing", "infra.cli-delete"),            # -n is a namespace here, not a dry run
    ("frobctl -h db.example.com delete thing", "infra.cli-delete"),  # -h is a host here, not help
    ("frobctl DELETE thing", "infra.cli-delete"),
    ("frobctl 'delete' thing", "infra.cli-delete"),
    ("frobctl del\\ete thing", "infra.cli-delete"),
    ("/opt/tools/bin/frobctl widgets delete w1", "infra.cli-delete"),
    ("env FOO=1 frobctl widgets delete w1", "infra.cli-delete"),
    ("sudo frobctl widgets delete w1", "infra.cli-delete"),
    ("/usr/local/bin/heroku apps:destroy --app shop", "infra.platform-destroy"),
    ("sudo -E fly apps destroy shop -y", "infra.platform-destroy"),
    ("heroku --app shop apps:destroy", "infra.platform-destroy"),
    ("heroku apps:destroy --app=shop", "infra.platform-destroy"),
    ("vercel --unknown-flag x project rm web", "infra.platform-delete"),  # unparsed: still asked, by verb
    ("bash -c 'netlify sites:delete abc'", "infra.platform-destroy"),
    ("/usr/sbin/lxc-destroy -n web", "infra.vm-destroy"),
])
def test_attacks_on_the_verb_model_are_caught(command, rule, ctx):
    assert rule in _rules(command, ctx), command


def test_a_crash_inside_the_interpreter_fails_closed(monkeypatch, ctx):
    def boom(*a, **k):
        raise KeyError("x")

    tool = clis.tool_for("heroku")
    monkeypatch.setattr(tool, "match", boom)
    d = evaluate(Action(SHELL, {"command": "heroku apps:destroy --app shop"}, cwd=ctx.cwd), ctx)
    assert d.decision in ("ask", "deny") and any(f.rule == "interlock.error" for f in d.findings)


def test_prod_policy_denies_every_knowledge_destructive_rule_the_same_way(workspace, home, env):
    """One decision per effect: under a policy that denies destructive actions in production, every
    destructive finding of a knowledge file aimed at production is denied, whatever the tool."""
    from interlock.policy import Layer, Policy

    policy = Policy(Layer({"environments": {"prod": {"decisions": {"destructive": "deny"}}}}, "test"), home=home)
    c = Context(workspace, home=home, workspace=workspace, env=env, policy=policy)
    for command in ("vercel remove my-app --yes", "supabase branches delete preview-1", "doctl apps delete 1234",
                    "netlify env:unset API_URL", "railway down -y", "fly machine destroy 1781",
                    "heroku config:unset X -a shop-prod", "frobctl widgets delete w1"):
        d = evaluate(Action(SHELL, {"command": command}, cwd=workspace), c)
        assert d.decision == "deny", (command, d.decision, [f.rule for f in d.findings])


@pytest.mark.parametrize("command", ["fprintd-delete", "crane delete -h", "aws s3 rm help", "frobctl delete --help",
                                     "sudo arptables -A INPUT -s 10.0.0.1 -j DROP"])
def test_help_and_bare_invocations_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command,target", [
    ("stackr delete --stack-name app", "stackr stack-name app"),   # (sam and eb have knowledge files now)
    ("beanr terminate prod-env", "beanr prod-env"),
    ("frobctl widgets delete --widget-id w-1", "frobctl widgets widget-id w-1"),
    ("frobctl widgets delete w-1 w-2", "frobctl widgets w-1 w-2"),
])
def test_generic_names_verb_and_target(command, target, ctx):
    fs = analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)
    assert [f.target for f in fs if f.rule == "infra.cli-delete"] == [target]


def test_cloud_data_file_examples(ctx):
    """knowledge/cloud_data.toml: which AWS/gcloud/az deletes lose data; its examples hold."""
    from interlock.analysis.shell import infra

    data = infra._cloud_data()
    assert data["aws"]["rds"] and ("sql", "instances") in data["gcloud"] and ("group",) in data["az"]
    assert data["examples"]
    for command, rule in data["examples"]:
        got = _rules(command, ctx)
        assert (rule in got) if rule else got == [], (command, got)


@pytest.mark.parametrize("command,rule", [
    ("npx vercel project rm web", "infra.platform-destroy"),
    ("npx netlify-cli sites:delete abc", "infra.platform-destroy"),
    ("bunx netlify sites:delete x", "infra.platform-destroy"),
    ("npx firebase-tools firestore:delete -r users", "infra.platform-destroy"),
    ("npx aws-cdk destroy --force", "infra.platform-destroy"),
    ("H=heroku; $H apps:destroy -a shop", "infra.platform-destroy"),
    ("timeout 60 openstack server delete web", "infra.cli-delete"),
    ("xargs -n1 openstack server delete < ids.txt", "infra.cli-delete"),
])
def test_knowledge_through_runners_and_variables(command, rule, ctx):
    assert rule in _rules(command, ctx), command


@pytest.mark.parametrize("command,hit", [
    ("twilio api:core:messages:remove --sid SM1", True), ("task db:drop", True), ("stripe customers delete cus_1", True),
    ("celery -A app purge", True), ("frobctl image:latest", False), ("frobctl host:8080 list", False),
    ("frobctl api:core:messages:list", False),
])
def test_generic_colon_commands(command, hit, ctx):
    assert (_rules(command, ctx) == ["infra.cli-delete"]) == hit, command


@pytest.mark.parametrize("command,hit", [
    ("frobctl services scale api --instances 0", True), ("frobctl scale web=0", True),
    ("frobctl apps scale api --replicas=0", True), ("frobctl services scale api --instances 2", False),
    ("frobctl scale web=1", False), ("frobctl images scale-down img.png 0.5", False),
])
def test_generic_scale_to_zero_is_an_outage(command, hit, ctx):
    assert (_rules(command, ctx) == ["infra.outage"]) == hit, command


def test_every_knowledge_name_reaches_its_file():
    """A name whose program has a handler in code would never consult its file (dead knowledge)."""
    from interlock import rules_infra
    from interlock.analysis.shell import infra, programs

    for name in clis.index():
        if getattr(programs.HANDLERS.get(name), "judges_args", True) is False or programs.HANDLERS.get(name) is \
                programs._runner:
            continue  # a runner (cargo, poetry) whose own words only its knowledge file judges: it reads the file
        from interlock.analysis.shell import databases

        if getattr(databases.HANDLERS.get(name), "knowledge_fallback", False) or \
                getattr(programs.HANDLERS.get(name), "knowledge_fallback", False):
            continue  # a handler that gives its knowledge file every command it does not judge (wrangler deploy)
        if name in programs.HANDLERS:
            assert name in rules_infra.PROGRAMS, f"{name} has a code handler: its knowledge file is never read"
            assert infra.HANDLERS[name].__closure__ and clis.handler in [
                c.cell_contents for c in infra.HANDLERS[name].__closure__], f"infra handles {name} in code"


def test_a_remote_shell_runner_is_one_file(tmp_path, monkeypatch, ctx):
    """A new parallel/remote shell tool is data: `mechanism = "remote-shell"` and where its line is."""
    (tmp_path / "zorsh.toml").write_text(
        'names = ["zorsh"]\nvalue_options = ["-w"]\n[[commands]]\npath = "exec"\neffect = "runs-command"\n'
        'mechanism = "remote-shell"\ncommand = ["$*"]\ntarget = ["-w"]\n'
        '[[examples]]\ncmd = "zorsh -w h exec uptime"\nrule = ""\n'
        '[[examples]]\ncmd = "zorsh -w h exec rm -rf /srv/data"\nrule = "fs.delete-outside-workspace"\n')
    monkeypatch.setattr(clis, "CLIS", str(tmp_path))
    monkeypatch.setattr(clis, "_index", None)
    monkeypatch.setattr(clis, "_loaded", {})
    d = evaluate(Action(SHELL, {"command": "zorsh -w web1 exec rm -rf /srv/data"}, cwd=ctx.cwd), ctx)
    assert d.decision == "deny", [(f.rule, f.note) for f in d.findings]
    assert any("zorsh:web1" in (f.note or "") for f in d.findings), [f.note for f in d.findings]
    assert evaluate(Action(SHELL, {"command": "zorsh -w web1 exec uptime"}, cwd=ctx.cwd), ctx).decision == "allow"
