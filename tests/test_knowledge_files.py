"""Knowledge is data, and every data file's examples are checked: a walk of every ``*.toml`` the package
ships (``knowledge/``, ``knowledge/clis/``, ``analysis/``, the package's own), each one either a CLI file
(tests/test_knowledge.py runs its examples), or registered here with the test that runs its examples, or
registered as carrying none with the reason.  A new data file that is neither fails; so does a registered one
that lost its examples or whose checking test is gone.  The examples of the catalogues that have no test of
their own elsewhere (processes, documents, node_packages, file_use, regenerable, secret_paths, and
sandbox/rehearsable.toml) are run here."""

from __future__ import annotations

import ast
import os
import tomllib

import pytest

import interlock
from interlock.actions import SHELL, SQL, Action
from interlock.analysis.shell import clis
from interlock.engine import Context, analyze, evaluate

PKG = os.path.dirname(os.path.abspath(interlock.__file__))
TESTS = os.path.dirname(os.path.abspath(__file__))

#: data file (relative to the package) → the test that runs its examples (file::function)
CHECKED_BY = {
    "knowledge/access.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/agent_config.toml": "test_agentcmds_classes_s8.py::test_agent_config_examples",
    "knowledge/caches.toml": "test_agentcmds_classes_s8.py::test_cache_tree_examples",
    "knowledge/capacity.toml": "test_risky12.py::test_capacity_examples",  # large_examples: test_risky13.py
    "knowledge/cloud_changes.toml": "test_risky13.py::test_cloud_changes_examples",
    "knowledge/sdk_calls.toml": "test_risky13.py::test_sdk_calls_examples",
    "knowledge/exposure.toml": "test_risky12.py::test_exposure_examples",
    "knowledge/cloud_data.toml": "test_knowledge.py::test_cloud_data_file_examples",
    "knowledge/wire_protocols.toml": "test_attack_round13.py::test_wire_protocol_examples",
    "knowledge/collections.toml": "test_leftovers.py::test_producer_examples",
    "knowledge/documents.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/file_use.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/generic.toml": "test_generic_verbs.py::test_every_generic_example_holds",
    "knowledge/images.toml": "test_attack_round10.py::test_image_entrypoint_examples",
    "knowledge/node_packages.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/packages.toml": "test_leftovers.py::test_package_examples",
    "knowledge/processes.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/regenerable.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/remote_shells.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/ssh_users.toml": "test_knowledge_files.py::test_catalogue_examples",
    "knowledge/root.toml": "test_longtail_s10.py::test_root_knowledge_examples",
    "knowledge/runners.toml": "test_leftovers.py::test_runner_examples",
    "knowledge/settings.toml": "test_risky12.py::test_settings_examples",
    "knowledge/secret_paths.toml": "test_knowledge_files.py::test_secret_path_examples",
    "knowledge/startup.toml": "test_leftovers.py::test_startup_place_examples",
    "knowledge/wrappers.toml": "test_leftovers9.py::test_wrapper_examples",
    "analysis/anyeffects.toml": "test_attack_round9.py::test_the_floor_catalogue_examples",
    "analysis/chain.toml": "test_chain.py::test_runner_examples_in_the_data_read_their_program",
    "analysis/http_catalogue.toml": "test_http.py::test_catalogue_examples",
    "analysis/mcp_tools.toml": "test_mcp_tool_names.py::test_the_knowledge_files_examples",
    "analysis/warehouses.toml": "test_classes_mcp_docker_git_dw.py::test_warehouse_catalogue_examples",
    "sandbox/rehearsable.toml": "test_knowledge_files.py::test_rehearsable_examples",
}

#: data files that carry no examples of their own, and why
WITHOUT_EXAMPLES = {
    "analysis/secret_patterns.toml": "gitleaks' patterns, copied; tests/test_literal_secrets.py tests the "
                                     "scanner on tokens of each provider",
    "display.toml": "look-alike characters (a table, not judgements); tests/test_display.py",
    "agent_sessions.toml": "what an agent's session looks like; tests/test_self_protection_attacks.py",
    "approvals/inputs.toml": "files a program reads unasked, bound into an approval; tests/test_approval_attacks.py",
    "sandbox/registries.toml": "package registries' hosts for the sandbox's egress; tests/test_sandbox.py",
    "sandbox/standins.toml": "cloud APIs with a local stand-in; tests/test_gateway_http.py",
}

_EXAMPLE_KEYS = ("examples", "example", "hits", "misses")


def _data_files():
    out = set()
    for root, dirs, files in os.walk(PKG):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".toml"):
                out.add(os.path.relpath(os.path.join(root, f), PKG).replace(os.sep, "/"))
    return out


def _count_examples(obj):
    if isinstance(obj, dict):
        return sum(len(v) if k in _EXAMPLE_KEYS and isinstance(v, (list, str)) else _count_examples(v)
                   for k, v in obj.items())
    if isinstance(obj, list):
        return sum(_count_examples(x) for x in obj)
    return 0


def _load(rel):
    with open(os.path.join(PKG, rel), "rb") as fh:
        return tomllib.load(fh)


def test_every_data_file_is_a_cli_file_or_registered():
    files = _data_files()
    assert len(files) > 100
    cli_dir = os.path.relpath(clis.CLIS, PKG).replace(os.sep, "/") + "/"
    loose = {f for f in files if not f.startswith(cli_dir)}
    assert not set(CHECKED_BY) & set(WITHOUT_EXAMPLES)
    unregistered = loose - set(CHECKED_BY) - set(WITHOUT_EXAMPLES)
    assert not unregistered, f"data files whose examples no test is known to check: {sorted(unregistered)}"
    gone = (set(CHECKED_BY) | set(WITHOUT_EXAMPLES)) - loose
    assert not gone, f"registered data files that do not exist: {sorted(gone)}"


@pytest.mark.parametrize("name", sorted(f for f in os.listdir(clis.CLIS) if f.endswith(".toml")))
def test_every_cli_file_carries_examples(name):
    assert clis.load_file(os.path.join(clis.CLIS, name)).examples, name


@pytest.mark.parametrize("rel", sorted(CHECKED_BY))
def test_every_registered_file_has_examples_and_its_test_exists(rel):
    assert _count_examples(_load(rel)) > 0, f"{rel} carries no examples"
    test_file, func = CHECKED_BY[rel].split("::")
    with open(os.path.join(TESTS, test_file)) as fh:
        tree = ast.parse(fh.read())
    assert any(isinstance(n, ast.FunctionDef) and n.name == func for n in tree.body), CHECKED_BY[rel]


# --- the catalogues whose examples are [command, decision] or [command, decision, rule] ----------------

def _catalogue_cases():
    out = []
    for rel in sorted(r for r, t in CHECKED_BY.items() if t == "test_knowledge_files.py::test_catalogue_examples"):
        for e in _load(rel)["examples"]:
            out.append(pytest.param(e[0], e[1], e[2] if len(e) > 2 else None, id=f"{rel}:{e[0][:50]}"))
    return out


@pytest.mark.parametrize("command,want,rule", _catalogue_cases())
def test_catalogue_examples(command, want, rule, workspace, home, env):
    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    d = evaluate(Action(SHELL, {"command": command}, cwd=workspace), ctx)
    assert d.decision == want, (command, d.decision, d.reasons)
    if rule:
        assert rule in d.rules, (command, d.rules)


_PROD = " (on a production host)"


@pytest.mark.parametrize("entry", _load("sandbox/rehearsable.toml")["rehearsable"], ids=lambda e: e["rule"])
def test_rehearsable_examples(entry, workspace, home, env):
    """Each rule a sandbox's database branch may rehearse is what its example statement is judged as, on this
    machine's database or on a production one (`(on a production host)`, and heavy maintenance, which only
    locks production traffic)."""
    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    sql = entry["example"].removesuffix(_PROD)
    urls = ["postgres://u@db.prod.example.com/app"] if entry["example"].endswith(_PROD) else \
        [None, "postgres://u@db.prod.example.com/app"]
    got = {f.rule for url in urls for f in analyze(Action(SQL, {"statement": sql, "dialect": "postgres", "url": url},
                                                          cwd=workspace), ctx)}
    assert entry["rule"] in got, (entry, got)


def test_secret_path_examples():
    from interlock.analysis.secrets import glob_aims_at_secrets, is_secret_path, secret_paths

    home = "/home/dev"
    known = secret_paths()
    assert known.examples and known.name_examples
    for path, holds in known.examples:
        full = home + path[1:] if path.startswith("~") else path
        assert is_secret_path(full, home) is holds, (path, holds)
    for pattern, aimed in known.name_examples:
        assert glob_aims_at_secrets(pattern, home) is aimed, (pattern, aimed)
