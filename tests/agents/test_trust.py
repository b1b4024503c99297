"""Trust, so the hook cannot be skipped silently.  Codex runs a project's hook only while the project
and the hook (its exact handler, by hash) are trusted in ~/.codex/config.toml; Gemini CLI ignores a
project's settings in an untrusted folder or with --skip-trust.  Each case is shown with the real
binary: skipped → the volume is deleted; as `interlock init` leaves it → refused; doctor tells."""

from __future__ import annotations

import json
import os

import pytest

from interlock.agents import codex as codex_agent

from .harness import incident

UNTRUSTED = {"GEMINI_CLI_TRUST_WORKSPACE": None}  # the harness trusts the workspace by default


def _doctor_fails(world, needle):
    d = world.doctor()
    bad = [c for c in d["checks"] if c["status"] == "FAIL" and needle in c["check"]]
    return bad


@pytest.mark.parametrize("agent", ["codex"])
def test_codex_hook_trusted_as_codex_computes_it_and_retrusted_after_a_rewrite(world, agent):
    world.init()
    hooks_json = world.path(".codex/hooks.json")
    listed = codex_agent.list_hooks(world.binary, world.project, world.env)
    ours = [h for h in listed if "hook codex" in h["command"]]
    assert len(ours) == 1 and ours[0]["trustStatus"] == "trusted", listed
    assert ours[0]["currentHash"] == codex_agent.our_hooks(hooks_json)[0][1]
    assert not _doctor_fails(world, "codex")

    # hooks.json rewritten (here: its timeout): Codex now skips the hook without a word...
    data = json.load(open(hooks_json))
    data["hooks"]["PreToolUse"][0]["hooks"][0]["timeout"] = 25
    json.dump(data, open(hooks_json, "w"), indent=2)
    assert [h["trustStatus"] for h in codex_agent.list_hooks(world.binary, world.project, world.env)
            if "hook codex" in h["command"]] == ["modified"]
    assert _doctor_fails(world, "not trusted by Codex")
    world.run(incident(world.project))
    assert world.received("volumeDelete") and not world.volume_present()

    # ...until `interlock init` trusts the handler as it now is
    world.railway.volumes.clear()
    w2_before = len(world.received("volumeDelete"))
    p = world.init()
    assert "trusted the hook" in p.stdout
    assert not _doctor_fails(world, "codex")
    world.run(incident(world.project))
    assert len(world.received("volumeDelete")) == w2_before


@pytest.mark.parametrize("agent", ["codex"])
def test_codex_untrusted_project_runs_everything_and_doctor_fails(world, agent):
    world.init()
    cfg = codex_agent.config_path(home=world.home, env={"HOME": world.home})
    text = open(cfg).read()
    assert f'[projects."{world.project}"]' in text
    open(cfg, "w").write(text.replace(f'[projects."{world.project}"]\ntrust_level = "trusted"\n', ""))
    assert [c for c in _doctor_fails(world, "codex") if "is not trusted" in c["check"]]
    world.run(incident(world.project))
    assert world.received("volumeDelete")  # the hook AND the rules backstop were ignored


@pytest.mark.parametrize("agent", ["codex"])
def test_codex_edited_handler_is_not_trusted_by_init(world, agent):
    """A handler edited to do something else (still mentioning `interlock hook codex`) is not what
    init wrote: init does not trust it, doctor fails."""
    world.init()
    hooks_json = world.path(".codex/hooks.json")
    data = json.load(open(hooks_json))
    data["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = "true # interlock hook codex"
    json.dump(data, open(hooks_json, "w"), indent=2)
    world.init()
    status = [h["trustStatus"] for h in codex_agent.list_hooks(world.binary, world.project, world.env)
              if "hook codex" in h["command"]]
    assert status and status != ["trusted"]
    assert _doctor_fails(world, "codex")


@pytest.mark.parametrize("agent", ["gemini"])
def test_gemini_untrusted_folder_ignores_project_hooks_user_hook_still_runs(world, agent):
    world.init()
    user_settings = os.path.join(world.home, ".gemini", "settings.json")
    assert "hook gemini" in open(user_settings).read()  # init also wrote the user-level hook
    assert not _doctor_fails(world, "gemini")
    world.run(incident(world.project), extra_args=["--skip-trust"], overrides=UNTRUSTED)
    assert not world.received("volumeDelete") and world.volume_present()

    # the project-only install an older init left: --skip-trust ignores it, and the volume goes
    s = json.load(open(user_settings))
    s.pop("hooks")
    json.dump(s, open(user_settings, "w"))
    assert _doctor_fails(world, "only in the project")
    world.run(incident(world.project), extra_args=["--skip-trust"], overrides=UNTRUSTED)
    assert world.received("volumeDelete") and not world.volume_present()
