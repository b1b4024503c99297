"""``interlock doctor``: is Interlock really protecting this machine and project?

Checks, each with a clear verdict and what to do: the hook registrations for every
agent (and whether the command they run exists), the policy, the parsers, the audit
chain, and a real hook round trip with its latency.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

OK, WARN, FAIL = "ok", "warn", "FAIL"


def _settings_files(root, home):
    return [
        ("claude-code", os.path.join(root, ".claude", "settings.json")),
        ("claude-code", os.path.join(root, ".claude", "settings.local.json")),
        ("claude-code", os.path.join(home, ".claude", "settings.json")),
        ("cursor", os.path.join(root, ".cursor", "hooks.json")),
        ("cursor", os.path.join(home, ".cursor", "hooks.json")),
        ("codex", os.path.join(root, ".codex", "hooks.json")),
        ("codex", os.path.join(home, ".codex", "hooks.json")),
        ("gemini", os.path.join(root, ".gemini", "settings.json")),
        ("gemini", os.path.join(home, ".gemini", "settings.json")),
        ("copilot", os.path.join(root, ".github", "hooks", "interlock.json")),
        ("copilot", os.path.join(home, ".copilot", "hooks", "interlock.json")),
        ("windsurf", os.path.join(root, ".windsurf", "hooks.json")),
        ("windsurf", os.path.join(home, ".codeium", "windsurf", "hooks.json")),
    ]


def _commands(obj):
    """Every hook command string in a settings structure."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("command", "bash") and isinstance(v, str):
                out.append(v)
            else:
                out.extend(_commands(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(_commands(v))
    return out


def run(root: str, home: str, as_json=False) -> int:
    checks = []

    def add(status, what, detail=""):
        checks.append({"status": status, "check": what, "detail": detail})

    # 1. hook registrations
    found_any = False
    for agent, path in _settings_files(root, home):
        if not os.path.exists(path):
            continue
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            add(FAIL, f"{agent}: {path}", f"unreadable: {e}")
            continue
        ours = [c for c in _commands(data) if "interlock" in c and " hook " in c]
        if not ours:
            continue
        found_any = True
        exe = shlex.split(ours[0].split("||")[0])[0] if ours[0].strip() else ""
        resolvable = os.path.isabs(exe) and os.access(exe, os.X_OK) or (not os.path.isabs(exe) and exe and
                                                                          _which(exe))
        if resolvable:
            add(OK, f"{agent}: hook registered", path)
        else:
            add(FAIL, f"{agent}: hook registered but its command is missing", f"{exe} (re-run interlock init)")
    if not found_any:
        add(WARN, "no agent hooks registered here", "run: interlock init   (or interlock init --user)")

    # 2. policy
    from . import policy as P

    try:
        pol = P.load(root, use_cache=False)
        add(OK, "policy valid", "defaults" if pol.user.source == "defaults" and pol.project is None else
            ", ".join(x for x in (pol.user.source if pol.user.source != "defaults" else "",
                                  pol.project.source if pol.project else "") if x))
    except P.PolicyError as e:
        add(FAIL, "policy invalid: every hook call is denied until fixed", str(e))

    # 3. parsers
    try:
        from .analysis.shell import parser as sp

        sp.parse("ls")
        add(OK, "shell parser (tree-sitter-bash) loads")
    except Exception as e:
        add(FAIL, "shell parser unavailable: every shell command will be asked", f"{type(e).__name__}: {e}")

    # 4. audit chain
    from .audit import AuditLog

    ok, n, problem = AuditLog(P.state_dir()).verify()
    add(OK if ok else FAIL, f"audit log chain ({n} records)", problem or P.state_dir())

    # 5. a real hook round trip
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": root,
                          "tool_input": {"command": "rm -rf ~"}}).encode()
    exe = [sys.executable, "-m", "interlock", "hook", "claude-code"]
    try:
        times = []
        out = b""
        for _ in range(3):
            t = time.perf_counter()
            p = subprocess.run(exe, input=payload, capture_output=True, timeout=20,
                               env=dict(os.environ, INTERLOCK_HOME=os.path.join(P.state_dir(), "doctor")))
            times.append((time.perf_counter() - t) * 1000)
            out = p.stdout
        verdict = json.loads(out)["hookSpecificOutput"]["permissionDecision"]
        add(OK if verdict == "deny" else FAIL, "hook round trip denies `rm -rf ~`",
            f"{min(times):.0f} ms per call (best of 3)")
    except Exception as e:
        add(FAIL, "hook round trip failed", f"{type(e).__name__}: {e}")

    worst = FAIL if any(c["status"] == FAIL for c in checks) else WARN if any(
        c["status"] == WARN for c in checks) else OK
    if as_json:
        print(json.dumps({"status": worst, "checks": checks}, indent=2))
    else:
        for c in checks:
            print(f"[{c['status']:>4}] {c['check']}" + (f"\n       {c['detail']}" if c["detail"] else ""))
        print(f"\n{'all good' if worst == OK else 'problems found' if worst == FAIL else 'works, with warnings'}")
    return 1 if worst == FAIL else 0


def _which(name):
    import shutil

    return shutil.which(name)
