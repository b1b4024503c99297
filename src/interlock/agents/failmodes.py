"""What each real agent does when its pre-tool hook denies, asks, times out, crashes, prints
garbage or is missing — measured, not assumed (bench/agents.py prints the table in docs/agents.md;
tests/agents/test_failures.py holds the cells Interlock relies on).

A probe hook stands in for Interlock's; the model asks for one shell command that writes a
marker file, and the outcome is read from the world: the marker exists (``ran``) or not
(``refused``).  Two more columns use Interlock's own installation (``interlock init``):
``missing (init's command)`` — the interlock program gone, its ``|| fallback`` answering — and
``timeout, backstop`` — the hook timing out on the worst case (``WORST``: ``rm -rf ~`` in a throwaway
HOME), where only the rules the agent enforces itself (Claude Code ``permissions.deny``, Codex rules,
Gemini CLI policy) can stop it — and the same with ``init --no-backstop``.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys

MODES = ("deny", "ask", "timeout", "crash", "garbage", "missing", "exit2")
EXTRA = ("missing-init", "timeout-backstop", "timeout-no-backstop")
COLUMNS = MODES + EXTRA
LABELS = {"deny": "deny", "ask": "ask", "timeout": "timeout", "crash": "crash (exit 1)", "garbage": "garbage",
          "missing": "missing", "exit2": "exit 2", "missing-init": "missing (init's command)",
          "timeout-backstop": "timeout on the worst case, backstop", "timeout-no-backstop": "same, --no-backstop"}
HOOK_TIMEOUT_S = 3
# the worst case each backstop covers, where the agent itself would let it through: Claude Code refuses
# `rm -rf ~` on its own, so its permissions.deny is shown on reading a private SSH key; Codex refuses
# `rm -rf ~` too, so its rules are shown on `railway volume delete` (a stand-in `railway` that deletes
# the throwaway HOME's file); Gemini CLI's is its policy engine (~/.gemini/policies/interlock.toml)
KEY_TEXT = "-----BEGIN OPENSSH PRIVATE KEY----- probe"
WORST = {"claude-code": "read ~/.ssh/id_ed25519", "codex": "railway volume delete --volume pg-data",
         "gemini": "rm -rf ~"}

_REPLY = {
    "deny": {"claude-code": {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                                    "permissionDecisionReason": "probe denies"}},
             "codex": {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                              "permissionDecisionReason": "probe denies"}},
             "gemini": {"decision": "deny", "reason": "probe denies"}},
    "ask": {"claude-code": {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask",
                                                   "permissionDecisionReason": "probe asks"}},
            "codex": {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "ask",
                                             "permissionDecisionReason": "probe asks"}},
            "gemini": {"decision": "ask", "reason": "probe asks"}},
}


def probe_script(agent: str, mode: str, directory: str) -> str:
    """A hook command behaving as ``mode``; returns the command line."""
    if mode == "missing":
        return os.path.join(directory, "no-such-hook")
    deny = json.dumps(_REPLY["deny"][agent])
    body = {
        "deny": f"cat >/dev/null; printf '%s\\n' {shlex.quote(deny)}",
        "ask": f"cat >/dev/null; printf '%s\\n' {shlex.quote(json.dumps(_REPLY['ask'][agent]))}",
        "timeout": f"cat >/dev/null; sleep {HOOK_TIMEOUT_S * 4}; printf '%s\\n' {shlex.quote(deny)}",
        "crash": "cat >/dev/null; echo 'Traceback (most recent call last): probe crashed' >&2; exit 1",
        "garbage": "cat >/dev/null; echo 'this is not JSON {'",
        "exit2": "cat >/dev/null; echo 'probe blocks with exit 2' >&2; exit 2",
    }[mode]
    path = os.path.join(directory, f"probe-{mode}.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def install_probe(agent: str, command: str, project: str, home: str):
    """Register ``command`` as the agent's only pre-tool hook for shell commands (trusted, so it runs)."""
    if agent == "claude-code":
        _merge_json(os.path.join(project, ".claude", "settings.json"), {"hooks": {"PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": command, "timeout": HOOK_TIMEOUT_S}]}]}})
    elif agent == "codex":
        from . import codex

        path = os.path.join(project, ".codex", "hooks.json")
        handler = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT_S}
        _merge_json(path, {"hooks": {"PreToolUse": [{"matcher": "^Bash$", "hooks": [handler]}]}})
        _codex_trust(home, project, {f"{path}:pre_tool_use:0:0": codex.hook_hash("PreToolUse", "^Bash$", handler)})
    elif agent == "gemini":
        _merge_json(os.path.join(home, ".gemini", "settings.json"), {"hooks": {"BeforeTool": [
            {"matcher": "run_shell_command", "hooks": [{"name": "probe", "type": "command", "command": command,
                                                        "timeout": HOOK_TIMEOUT_S * 1000}]}]}})


def _merge_json(path, extra):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        d = {}
    d.update(extra)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(d, f, indent=2)


def _codex_trust(home, project, states: dict):
    import tomlkit

    from . import codex

    path = codex.config_path({"HOME": home}, home)
    doc = codex._load_doc(path)
    codex._table(doc, "projects")[project] = {"trust_level": "trusted"}
    state = codex._table(codex._table(doc, "hooks"), "state")
    for k, v in states.items():
        state[k] = {"trusted_hash": v}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(tomlkit.dumps(doc))


def _interlock(args, env, cwd):
    exe = os.path.join(os.path.dirname(sys.executable), "interlock")
    argv = [exe] if os.path.exists(exe) else [sys.executable, "-m", "interlock"]
    return subprocess.run(argv + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def run_cell(agent: str, column: str, binary: str, workdir: str, base_env=None) -> dict:
    """One cell of the table: set up a fresh HOME and project under ``workdir``, run, observe."""
    from ..standins import models as M
    from . import clean_env, run

    home = os.path.join(workdir, "home")
    project = os.path.join(workdir, "project")
    probes = os.path.join(workdir, "probes")
    for d in (home, project, probes):
        os.makedirs(d, exist_ok=True)
    subprocess.run(["git", "init", "-q", project], check=True)
    with open(os.path.join(home, "keep.txt"), "w") as f:
        f.write("the home directory's files\n")
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    with open(os.path.join(home, ".ssh", "id_ed25519"), "w") as f:
        f.write(KEY_TEXT + "\n")
    env = clean_env(home, base_env)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("INTERLOCK_HOME", os.path.join(workdir, "state"))
    env["INTERLOCK_DAEMON"] = "0"
    command = "echo ran > marker.txt"
    if column in EXTRA:
        extra = ["--no-backstop"] if column == "timeout-no-backstop" else []
        p = _interlock(["init", "--agent", agent] + extra, env, project)
        if p.returncode != 0:
            raise RuntimeError(p.stdout + p.stderr)
        if column == "missing-init":  # the interlock program is gone: the command's `|| fallback` answers
            _rewrite_interlock_command(agent, project, home, lambda cmd: cmd.replace(
                cmd.split(" hook ")[0], os.path.join(probes, "gone", "interlock"), 1))
        else:  # the hook never answers in time; rm -rf ~ (a throwaway HOME) is what is left to stop
            script = probe_script(agent, "timeout", probes)
            _rewrite_interlock_command(agent, project, home, lambda cmd: script, timeout=HOOK_TIMEOUT_S)
            assert home.startswith(workdir) and env["HOME"] == home
            command = WORST[agent]
            fake = os.path.join(probes, "bin")
            os.makedirs(fake, exist_ok=True)
            with open(os.path.join(fake, "railway"), "w") as f:
                f.write('#!/bin/sh\nrm -f "$HOME/keep.txt"\n')
            os.chmod(os.path.join(fake, "railway"), 0o755)
            env["PATH"] = fake + os.pathsep + env["PATH"]
            with open(os.path.join(home, ".profile"), "w") as f:  # Codex runs commands in a login shell
                f.write(f'PATH="{fake}:$PATH"\n')
    else:
        install_probe(agent, probe_script(agent, column, probes), project, home)
    step = M.read(os.path.join(home, ".ssh", "id_ed25519")) if command.startswith("read ") else \
        M.shell(command, "the probe step")
    with M.ScriptedModel([step]) as model:
        s = run(agent, binary, project, home, model.url, env=env, timeout=120)
    if command.startswith("read "):
        happened = any(KEY_TEXT in r for r in model.result_texts())
    elif column.startswith("timeout-"):
        happened = not os.path.exists(os.path.join(home, "keep.txt"))
    else:
        happened = os.path.exists(os.path.join(project, "marker.txt"))
    return {"agent": agent, "column": column, "outcome": "ran" if happened else "refused",
            "seconds": round(s.seconds, 1), "returncode": s.returncode, "timed_out": s.timed_out,
            "tool_results": len(model.results)}


def _rewrite_interlock_command(agent, project, home, fn, timeout=None):
    """Change Interlock's installed hook command in place (and, for Codex, re-trust it as it is now)."""
    from . import codex

    paths = {"claude-code": [os.path.join(project, ".claude", "settings.json")],
             "codex": [os.path.join(project, ".codex", "hooks.json")],
             "gemini": [os.path.join(project, ".gemini", "settings.json"),
                        os.path.join(home, ".gemini", "settings.json")]}[agent]
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        states = {}
        for event, groups in d.get("hooks", {}).items():
            for gi, g in enumerate(groups):
                for hi, h in enumerate(g.get("hooks", [])):
                    if " hook " in h.get("command", "") and "interlock" in h.get("command", ""):
                        h["command"] = fn(h["command"])
                        if timeout is not None:
                            h["timeout"] = timeout * 1000 if agent == "gemini" else timeout
                        if agent == "codex":
                            states[f"{path}:{codex.EVENT_LABELS[event]}:{gi}:{hi}"] = codex.hook_hash(
                                event, g.get("matcher"), h)
        with open(path, "w") as f:
            json.dump(d, f, indent=2)
        if states:
            _codex_trust(home, project, states)
