"""Helpers the test files share: agents' hook payloads, ``interlock`` with an approver secret on a
pipe fd, approvers, filed requests, the user's policy file and the audit trail of approvals."""

from __future__ import annotations

import os
import sys
import re
import subprocess

from conftest import interlock_exe, run_hook

SECRET_A = "alice-correct-horse-42"
SECRET_B = "bob-battery-staple-77"
ID = re.compile(r"apr-[2-9a-z]{6}")


# --- what an agent's hook receives ---------------------------------------------------------------------------

def codex(cmd, workspace, **kw):
    """A Codex PreToolUse payload for a shell command."""
    return dict({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": workspace, "session_id": "s1",
                 "tool_input": {"command": cmd}}, **kw)


def claude(cmd, workspace, mode="default", session="sess-1"):
    """A Claude Code PreToolUse payload for a shell command, in permission mode ``mode``."""
    return {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": workspace, "session_id": session,
            "permission_mode": mode, "tool_input": {"command": cmd}}


def decision(out):
    return out["hookSpecificOutput"]["permissionDecision"] if out else "allow"


def reason(out):
    return out["hookSpecificOutput"]["permissionDecisionReason"]


def file_request(cmd, workspace, env):
    """Codex tries ``cmd``; the hook denies it and files an approval request: (its id, the hook's output)."""
    code, out, err = run_hook("codex", codex(cmd, workspace), env)
    assert code == 0 and decision(out) == "deny", (out, err)
    ids = ID.findall(reason(out))
    assert ids, reason(out)
    return ids[0], out


# --- the human's side ------------------------------------------------------------------------------------------

def cli(args, env, fd_secret=None, cwd=None, terminal=False):
    """Run `interlock ARGS` without a controlling terminal (``terminal``: on a fresh pty held by
    tests/terminal.py, as a person's terminal would be); an optional secret through a pipe fd."""
    fds = ()
    if fd_secret is not None:
        r, w = os.pipe()
        os.write(w, fd_secret.encode() + b"\n")
        os.close(w)
        fds = (r,)
        args = args + ["--secret-fd", str(r)]
    try:
        pre = [sys.executable, os.path.join(os.path.dirname(__file__), "terminal.py")] if terminal else []
        return subprocess.run(pre + interlock_exe() + args, env=env, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, start_new_session=True, pass_fds=fds, cwd=cwd)
    finally:
        for fd in fds:
            os.close(fd)


def add_approver(name, secret, env, by=None):
    """`interlock approvers add NAME`, its secret on an fd; ``by`` = (name, secret) of the approver who
    authorises it (that secret in a 0600 file next to ``$INTERLOCK_HOME``)."""
    e = dict(env)
    args = ["approvers", "add", name]
    if by:
        path = os.path.join(os.path.dirname(env["INTERLOCK_HOME"]), f"secret-{by[0]}")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(by[1] + "\n")
        e["INTERLOCK_APPROVER_SECRET_FILE"] = path
        args += ["--by", by[0]]
    p = cli(args, e, fd_secret=secret, terminal=not by)  # the first approver: a person at a terminal
    assert p.returncode == 0, p.stdout + p.stderr
    return p


# --- configuration and the audit log ------------------------------------------------------------------------

def write_policy(env, text):
    """The user's policy file (``$XDG_CONFIG_HOME/interlock/policy.toml``) is ``text``."""
    d = os.path.join(env["XDG_CONFIG_HOME"], "interlock")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "policy.toml"), "w") as f:
        f.write(text)


def audit_events(env, limit=1000):
    """The approval events in this machine's audit log, oldest first."""
    from interlock.approvals.cli import approval_event
    from interlock.audit import AuditLog

    return [approval_event(r) for r in AuditLog(env["INTERLOCK_HOME"]).records(limit=limit) if approval_event(r)]


# --- the HTTP gateway in front of the Railway stand-in ----------------------------------------------------------

def railway_policy(env, upstream, extra="", listen='listen = "127.0.0.1:0"',
                   route_env='env = { RAILWAY_API_URL = "/graphql/v2" }'):
    """A policy routing ``/railway`` through the HTTP gateway to ``upstream`` with the vault's
    ``railway`` credential (``extra``: more [gateways.http] lines; ``listen``: where the gateway
    listens — the HTTPS proxy's tests give ``proxy_listen`` lines instead)."""
    write_policy(env, f"""
[gateways.http]
{listen}
{extra}
[gateways.http.routes.railway]
upstream = "{upstream}"
judge_as = "https://backboard.railway.com"
credential = "railway"
{route_env}
""")


def vault_env(env, token, drop=("RAILWAY",)):
    """``env`` with the file vault holding ``token`` as ``railway``; proxies and variables starting
    with ``drop`` removed."""
    e = dict(env, INTERLOCK_VAULT_BACKEND="file")
    for k in list(e):
        if k.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY") or k.startswith(tuple(drop)):
            del e[k]
    p = subprocess.run(interlock_exe() + ["secrets", "vault", "add", "railway"], env=e, input=token + "\n",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return e


class GatewayProcess:
    """An ``interlock gateway ...`` command in its own process; ``match`` is the first stdout line's
    match of ``pattern`` (the gateway prints its address there when it is ready)."""

    def __init__(self, args, env, pattern, what="gateway"):
        import re
        import subprocess

        from conftest import interlock_exe

        self.proc = subprocess.Popen(interlock_exe() + args, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.match = re.search(pattern, line)
        if self.match is None:
            self.proc.kill()
            raise AssertionError(f"{what} did not start: {line!r} {self.proc.stderr.read()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        out, err = self.proc.communicate(timeout=15)
        return out, err


def assert_token_nowhere(env, token, *texts):
    """``token`` is in none of ``texts`` nor anywhere in the audit database's bytes."""
    import os

    for t in texts:
        assert token not in t
    with open(os.path.join(env["INTERLOCK_HOME"], "audit.db"), "rb") as f:
        assert token.encode() not in f.read()


def waiting_hook(payload, hook_env, list_env, agent="codex"):
    """``interlock hook AGENT`` started on ``payload`` (a file) with ``hook_env``, and the id of the
    approval request it filed as ``interlock approvals`` lists it with ``list_env`` (None if none
    appeared within 10 s).  The hook is left waiting for its verdict."""
    import json
    import subprocess
    import time

    from conftest import interlock_exe

    hook = subprocess.Popen(interlock_exe() + ["hook", agent], env=hook_env, stdin=open(payload, "rb"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(100):
        listed = json.loads(cli(["approvals", "--json"], list_env).stdout or "[]")
        if listed:
            return hook, listed[0]["id"]
        time.sleep(0.1)
    return hook, None
