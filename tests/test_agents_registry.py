"""One registry, one module per agent (docs/agents.md "Adding an agent").

``interlock.agents.REGISTRY`` is the one list of agents: every agent in it has a module with every
part Interlock needs (the hook's parse/render/emergency, the settings writer and where it writes,
the crash fallback, doctor's probe), and every other part of Interlock — the CLI, init/uninstall,
doctor, the hook daemon and system mode (through ``ADAPTERS``), the policy schema, ``interlock run``
and self-protection — lists exactly the registry's agents.  The round trips run each agent's own
code: its reply to a deny, read back the way the agent (and doctor) reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from interlock import agents
from interlock.actions import ASK, DENY, Decision

NAMES = list(agents.REGISTRY)


def test_the_registry_lists_the_agents_once_each():
    assert NAMES == ["claude-code", "cursor", "codex", "gemini", "copilot", "vscode", "windsurf"]
    assert agents.AGENTS == tuple(NAMES)
    assert len({e.module for e in agents.REGISTRY.values()}) == len(NAMES)


def _registered_timeouts(obj):
    """Every hook timeout an Interlock handler registers in a settings structure, in seconds as written
    (Gemini's ``timeout`` is in milliseconds: its module converts; the caller compares both)."""
    if isinstance(obj, dict):
        if any(isinstance(v, str) and " hook " in v for v in obj.values()):
            for k in ("timeout", "timeoutSec"):
                if k in obj:
                    yield obj[k]
        for v in obj.values():
            yield from _registered_timeouts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _registered_timeouts(v)


@pytest.mark.parametrize("name", NAMES)
def test_the_approval_wait_stays_under_the_hook_timeout_init_registers(name):
    """Past its timeout the agent kills the hook and (every driven agent) runs the tool: a hook waiting
    for a human longer than that fails open (measured: Codex ran `git reset --hard` with wait_seconds =
    60 under the old 540 s cap and a 30 s timeout)."""
    m = agents.module(name)
    written = list(_registered_timeouts(m.INSTALL.writer({}, "/usr/bin/interlock")))
    if not hasattr(m, "HOOK_TIMEOUT_S"):
        assert not written, (name, written)  # no timeout registered: the agent's own applies
        return
    assert written and all(t in (m.HOOK_TIMEOUT_S, m.HOOK_TIMEOUT_S * 1000) for t in written), (name, written)
    assert 0 < m.APPROVAL_WAIT_CAP_S <= m.HOOK_TIMEOUT_S - agents.APPROVAL_MARGIN_S


@pytest.mark.parametrize("name", NAMES)
def test_every_agent_module_has_every_part(name):
    m = agents.module(name)
    assert m.__name__ == f"interlock.agents.{agents.REGISTRY[name].module}"
    for part in ("parse", "render", "emergency", "hooks" if hasattr(m, "hooks") else "settings", "doctor_payload",
                 "doctor_verdict"):
        assert callable(getattr(m, part)), (name, part)
    assert hasattr(m, "FALLBACK")
    assert 0 < m.APPROVAL_WAIT_CAP_S <= 600  # how long its hook may wait for a human (under its hook timeout)
    inst = m.INSTALL
    assert inst.name == name and inst.label and inst.project_file and inst.user_file and callable(inst.writer)
    assert agents.REGISTRY[name].protects, name
    # the old import path is the same module object
    old = __import__(f"interlock.adapters.{agents.REGISTRY[name].module}", fromlist=["x"])
    assert old is m


@pytest.mark.parametrize("name", NAMES)
def test_every_agents_writer_installs_its_own_hook_and_uninstall_removes_it(name):
    from interlock import doctor

    m = agents.module(name)
    written = m.INSTALL.writer({"other": 1}, "/opt/bin/interlock")
    cmds = doctor._commands(written)
    assert any(f"/opt/bin/interlock hook {name}" in c for c in cmds), cmds
    assert all(doctor._hook_agent(c) == name for c in cmds if "interlock" in c)
    if m.FALLBACK:  # the shell fallback when the hook's process dies
        assert any(c.endswith(f"|| {m.FALLBACK}") for c in cmds), cmds
    assert m.INSTALL.writer(written, "/opt/bin/interlock", remove=True) in ({"other": 1}, {"other": 1, "version": 1},
                                                                            {"other": 1, "version": 1, "hooks": {}})
    # the settings file it writes is one self-protection keeps every agent from editing
    from interlock.selfprotect import AGENT_SETTINGS

    assert m.INSTALL.project_file in AGENT_SETTINGS and m.INSTALL.user_file in AGENT_SETTINGS


@pytest.mark.parametrize("name", NAMES)
def test_every_agents_reply_reads_back_as_its_decision(name):
    """The module's render and its doctor_verdict agree: a deny blocks, an allow passes, an
    ask is ask or a deny (agents without ask), and the crash reply blocks."""
    m = agents.module(name)
    ev = m.parse(json.loads(json.dumps(m.doctor_payload("rm -rf ~", "/tmp"))), {})
    assert ev.action is not None and ev.action.payload.get("command") == "rm -rf ~"

    def read(out):
        if isinstance(out, tuple):  # (stdout, stderr, exit code)
            return m.doctor_verdict(out[2], out[0])
        return m.doctor_verdict(0, out or "")

    deny = Decision(DENY, reasons=["deletes the home directory"], severity="catastrophic")
    ask = Decision(ASK, reasons=["asks"], severity="high")
    assert read(m.render(deny, ev, None)) == "deny"
    assert read(m.render(ask, ev, None)) in ("ask", "deny")
    assert read(m.render(None, ev, None)) == "allow"
    assert read(m.emergency("boom")) == "deny"


def test_the_rest_of_interlock_lists_exactly_the_registrys_agents():
    from interlock import adapters, install, selfprotect
    from interlock.cli import build_parser
    from interlock.gateways import run as grun
    from interlock.policy import schema

    assert list(adapters.ADAPTERS) == NAMES  # hookd and system mode check agents against ADAPTERS
    assert all(adapters.ADAPTERS[n] == agents.module(n).__name__ for n in NAMES)
    assert list(install.REGISTRY) == NAMES and install.AGENTS == tuple(NAMES)
    assert set(install.FALLBACKS) == {n for n in NAMES if agents.module(n).FALLBACK}
    assert set(selfprotect.AGENT_SETTINGS) == {p for e in agents.REGISTRY.values() for p in e.protects}
    assert list(schema.Agent.__args__) == NAMES
    from interlock import system_cli
    from interlock.gateways import mcp_config

    assert mcp_config.FILES == {n: e.mcp for n, e in agents.REGISTRY.items() if e.mcp} and "cursor" in mcp_config.FILES
    assert set(selfprotect.mcp_configs("/h", "/w")) == {f"/h/{u}" for _, u in mcp_config.FILES.values()} | {
        f"/w/{p}" for p, _ in mcp_config.FILES.values()}
    assert list(system_cli.managed()) == ["claude-code", "gemini"]  # the agents with settings users cannot change
    for n in NAMES:
        assert grun.agent_of(f"/usr/bin/{n}") == n
        for prog in agents.module(n).INSTALL.programs:
            assert grun.agent_of(prog) == n

    def choices(parser, *path):
        for name in path:
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = sub.choices[name]
        return parser

    p = build_parser()
    hook = choices(p, "hook")
    assert list(next(a for a in hook._actions if a.dest == "agent").choices) == NAMES
    for cmd in ("init", "uninstall"):
        assert list(next(a for a in choices(p, cmd)._actions if a.dest == "agent").choices) == NAMES


def test_the_hook_path_loads_the_registry_and_nothing_heavier(tmp_path):
    """``interlock hook AGENT`` imports the registry (data only), the agent's module and the runner,
    never the driver (subprocess) nor install."""
    code = ("import sys, io, os\nos.environ['INTERLOCK_DAEMON'] = 'off'\n"
            "from interlock.adapters import run_hook\n"
            "run_hook('windsurf', stdin=io.BytesIO(b'{}'), stdout=io.StringIO())\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('interlock'))))")
    env = dict(os.environ, HOME=str(tmp_path), INTERLOCK_HOME=str(tmp_path / "state"))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    mods = set(p.stdout.split())
    assert "interlock.agents" in mods and "interlock.agents.windsurf" in mods, p.stdout + p.stderr
    assert not mods & {"interlock.agents.driver", "interlock.install", "interlock.agents.settings",
                       "interlock.agents.claude_code", "interlock.doctor"}, mods


def test_the_driver_names_stay_on_the_package():
    assert agents.DRIVEN == ("claude-code", "codex", "gemini")
    assert callable(agents.run) and callable(agents.find_binary) and agents.PACKAGES["codex"][2] == "codex"
    with pytest.raises(AttributeError):
        agents.no_such_name  # noqa: B018
