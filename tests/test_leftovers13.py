"""Session 13: the lead's own fixes (fail-closed knowledge, true reasons, classes left from session 12)."""

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
