"""Classes found by the lead's blind cases in the eleventh session: octal modes written short, recursive
permission changes outside the workspace judged by their harm, Cloud SQL stopped through its activation
policy."""

from __future__ import annotations

import os

import pytest

from test_effects import judge, reasons


@pytest.mark.parametrize("command", ["chmod -R 0 src", "chmod -R 00 src", "chmod -R 70 src", "chmod -R 5 .",
                                     "chmod -R a= src", "chmod -R go-rwx,u-rwx src"])
def test_lockout_modes_in_every_spelling_are_asked_over_the_workspace(command, workspace, home, env):
    os.makedirs(os.path.join(workspace, "src"), exist_ok=True)
    d = judge(command, workspace, home, dict(env, USER="dev"))
    assert d.decision == "ask" and "fs.perm-workspace" in d.rules, (command, reasons(d))
    assert any("no longer" in (f.note or "") for f in d.findings), [f.note for f in d.findings]


@pytest.mark.parametrize("command", ["chmod -R 755 src", "chmod -R 644 src", "chmod -R 8 src", "chmod -R u+rwX src"])
def test_modes_that_keep_the_owners_rights_pass_over_the_workspace(command, workspace, home, env):
    os.makedirs(os.path.join(workspace, "src"), exist_ok=True)
    d = judge(command, workspace, home, dict(env, USER="dev"))
    assert d.decision == "allow", (command, reasons(d))


@pytest.fixture
def other(home):
    d = os.path.join(home, "Sites", "blog")  # another project of the user's, outside the workspace
    os.makedirs(os.path.join(d, "assets"))
    return d


@pytest.mark.parametrize("command", ["chmod -R og-rwx {o}", "chmod -R 755 {o}", "chmod -R go-w {o}", "chmod og-rwx {o}",
                                     "chmod -R u+rwX {o}"])
def test_harmless_permission_changes_outside_the_workspace_pass(command, other, workspace, home, env):
    d = judge(command.format(o=other), workspace, home, dict(env, USER="dev"))
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command,note", [("chmod -R 000 {o}", "no longer read"), ("chmod -R a-rwx {o}", "no longer read"),
                                          ("chmod -R 777 {o}", "every user can write"), ("chmod 0 {o}", "no longer read"),
                                          ("chown -R nobody {o}", "nobody")])
def test_harmful_permission_changes_outside_the_workspace_are_asked_with_the_harm(command, note, other, workspace,
                                                                                  home, env):
    d = judge(command.format(o=other), workspace, home, dict(env, USER="dev"))
    assert d.decision == "ask" and "fs.perm-outside" in d.rules, (command, reasons(d))
    assert any(note in (f.note or "") for f in d.findings), [f.note for f in d.findings]


@pytest.mark.parametrize("command", ["gcloud sql instances patch prod-db --activation-policy NEVER",
                                     "gcloud sql instances patch db1 --activation-policy=never --project acme-prod",
                                     "gcloud beta sql instances patch db1 --quiet --activation-policy NEVER"])
def test_stopping_a_cloud_sql_instance_is_an_outage(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "ask" and d.rules == ["infra.outage"], (command, reasons(d))
    assert any("activation policy" in (f.note or "") for f in d.findings)


@pytest.mark.parametrize("command", ["gcloud sql instances patch db1 --activation-policy ALWAYS",
                                     "gcloud sql instances patch db1 --tier db-custom-2-7680",
                                     "gcloud sql instances describe db1"])
def test_other_cloud_sql_patches_pass(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


# --- file tools make the directories they write into -----------------------------------------------------

def _tool_write(tool, path, workspace, home, env, content="x = 1\n"):
    from interlock.actions import FILE_WRITE, Action
    from interlock.engine import Context, evaluate

    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    return evaluate(Action(FILE_WRITE, {"path": path, "content": content}, cwd=workspace, tool=tool), ctx)


@pytest.mark.parametrize("tool", ["Write", "write_file", "create_file"])
@pytest.mark.parametrize("rel", ["other-project/src/config.py", ".local/bin/git", "Sites/new/a/b/index.html",
                                 ".config/newtool/settings.json"])
def test_a_file_tool_writing_a_new_tree_outside_the_workspace_is_asked(tool, rel, workspace, home, env):
    """A file tool creates missing directories: a new tree under the home directory is a write outside the
    workspace, as a write into an existing directory there is — the reason names what it creates."""
    d = _tool_write(tool, os.path.join(home, rel), workspace, home, env)
    assert d.decision == "ask" and "fs.write-outside" in d.rules, (tool, rel, reasons(d))
    assert any("creates" in (f.note or "") for f in d.findings), [f.note for f in d.findings]


@pytest.mark.parametrize("path", ["{ws}/new/pkg/mod.py", "{ws}/src/lib/new.py"])
def test_a_file_tool_writing_a_new_tree_in_the_workspace_passes(path, workspace, home, env):
    d = _tool_write("Write", path.format(ws=workspace), workspace, home, env)
    assert d.decision == "allow", reasons(d)


def test_a_new_tree_where_nothing_above_is_the_users_is_not_asked_as_their_place(workspace, home, env):
    """`/zz-nowhere/x`: no place of the user's is written (nothing above it exists but /)."""
    d = _tool_write("Write", "/zz-interlock-nowhere/a/x.txt", workspace, home, env)
    assert "fs.write-outside" not in d.rules, reasons(d)


# --- outages: scaled to nothing in every CLI's spelling -------------------------------------------------

@pytest.mark.parametrize("command", [
    "kubectl patch deployment api -p '{\"spec\":{\"replicas\":0}}'",
    "kubectl patch sts db --patch '{\"spec\": {\"replicas\": 0}}' -n shop",
    "kubectl patch deploy/api --type merge -p 'spec: {replicas: 0}'",
    "kubectl scale deploy/web --replicas=0",
    "az aks scale -g rg -n main --node-count 0",
    "az aks nodepool scale -g rg --cluster-name main -n np1 --node-count=0",
    "az webapp update -g rg -n api --number-of-workers 0",
    "docker service scale api=0",
    "docker service scale web=2 api=0",
    "docker service update --replicas 0 api",
])
def test_scaling_to_nothing_is_asked_whatever_the_cli(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "ask", (command, reasons(d))
    assert set(d.rules) & {"infra.outage", "infra.kube-disrupt-prod"}, d.rules


@pytest.mark.parametrize("command", [
    "kubectl patch deployment api -p '{\"spec\":{\"replicas\":10}}'",
    "kubectl patch deploy api -p '{\"metadata\":{\"labels\":{\"tier\":\"0\"}}}'",
    "kubectl --context kind-dev scale deploy/web --replicas=0",
    "az aks scale -g rg -n main --node-count 3",
    "az aks nodepool update -g rg --cluster-name c -n np1 --min-count 0 --max-count 5",
    "docker service scale api=3",
    "docker service update --image app:2 api",
    "kubectl logs -p api-123",
])
def test_other_sizes_and_local_clusters_pass(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


# --- an unknown tool's deploy to an environment named production ---------------------------------------

@pytest.mark.parametrize("command", ["shipit deploy --stage production", "zdeploy -e prod apply",
                                     "zdeploy --environment=production release", "zdeploy rollout --env prod api"])
def test_an_unknown_tools_deploy_to_production_is_asked(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "ask" and d.rules == ["infra.deploy"], (command, reasons(d))
    assert any("named production" in (f.note or "") for f in d.findings)


@pytest.mark.parametrize("command", ["shipit deploy --stage dev", "shipit deploy", "zdeploy -e prod diff",
                                     "zdeploy logs --env production", "zdeploy deploy --stage production --dry-run",
                                     "zdeploy help deploy --env prod"])
def test_an_unknown_tools_other_deploys_and_reads_pass(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


# --- data on this machine: one weight whatever the path -------------------------------------------------

@pytest.mark.parametrize("command", ["docker volume rm pgdata", "docker volume rm -f app_db_data",
                                     "kubectl --context kind-dev delete ns test",
                                     "kubectl --context minikube delete namespace production",
                                     "kubectl --context kind-dev delete pvc data-db-0"])
def test_data_on_this_machines_engine_or_cluster_is_asked_as_a_local_database_is(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "ask", (command, reasons(d))
    assert any("on this machine" in (f.note or "") for f in d.findings), [f.note for f in d.findings]


@pytest.mark.parametrize("command", ["docker volume rm $(docker volume ls -q)", "docker volume rm --all",
                                     "docker -H ssh://db-1 volume rm pgdata", "kubectl --context prod-eu delete ns test",
                                     "kubectl delete ns shop", "docker system prune -a --volumes -f"])
def test_every_volume_or_data_elsewhere_is_still_refused(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "deny", (command, reasons(d))


@pytest.mark.parametrize("command", ["http DELETE :8080/todos/1", "xh delete :3000/api/items/4", "http DELETE :/api/x",
                                     "https DELETE :8443/session"])
def test_httpies_localhost_shorthand_is_this_machine(command, workspace, home, env):
    """`:8080/todos` is httpie's and xh's way of writing localhost: a local dev server, as `curl -X DELETE
    localhost:8080/todos` is."""
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))


@pytest.mark.parametrize("command", ["http DELETE api.example.com/todos/1", "xh delete https://api.example.com/v1/x"])
def test_httpie_deletes_elsewhere_are_still_asked(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision in ("ask", "deny") and "http.delete" in d.rules, (command, reasons(d))


# --- a broad name pattern over home selects a credential store only when the store is there -------------

@pytest.mark.parametrize("command", ["find ~ -name '*.txt' -print0 | xargs -0 cat", "find ~ -name '*.yml' | xargs grep -l image",
                                     "find $HOME -name '*.toml' -exec head -1 {} \\;"])
def test_a_broad_pattern_reads_no_store_that_is_not_there(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert "secrets.read-file" not in d.rules, (command, reasons(d))


@pytest.mark.parametrize("rel,command", [(".config/sops/age/keys.txt", "find ~ -name '*.txt' -print0 | xargs -0 cat"),
                                         (".config/gh/hosts.yml", "find ~ -name '*.yml' | xargs cat"),
                                         (".config/gh/hosts.yml", "find ~ -name hosts.yml | xargs cat")])
def test_a_pattern_that_selects_a_store_that_is_there_reads_it(rel, command, workspace, home, env):
    path = os.path.join(home, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("secret-ish\n")
    d = judge(command, workspace, home, env)
    assert d.decision == "deny" and "secrets.read-file" in d.rules, (command, reasons(d))


def test_a_store_named_whole_is_aimed_at_even_when_absent(workspace, home, env):
    d = judge("find ~ -name hosts.yml | xargs cat", workspace, home, env)
    assert d.decision == "deny" and "secrets.read-file" in d.rules, reasons(d)


@pytest.mark.parametrize("name,prod", [("non-prod", False), ("pre-prod", False), ("not_prod", False), ("nonprod", False),
                                       ("preprod", False), ("prod", True), ("eu-prod", True), ("prod-eu", True),
                                       ("my-prod-db", True), ("production", True), ("live", True)])
def test_a_name_that_says_not_production_is_not_production(name, prod):
    from interlock.policy import is_production

    assert is_production(name) is prod, name


@pytest.mark.parametrize("command", ["shipit deploy --stage non-prod", "shipit deploy --stage pre-prod",
                                     "shipit deploy --env nonprod"])
def test_an_unknown_tools_deploy_to_a_non_production_stage_passes(command, workspace, home, env):
    d = judge(command, workspace, home, env)
    assert d.decision == "allow", (command, reasons(d))
