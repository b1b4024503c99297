"""``interlock doctor``: is Interlock really protecting this machine and project?

For every agent: is the hook registered (project and user settings), does the exact
registered command run, how fast does it answer, does it refuse ``rm -rf ~`` and
does it fail closed on a malformed payload (deny or ask, in that agent's own terms,
never a crash the agent would read as "proceed")?  Then the policy, the shell
parser, the state directory's permissions, the audit chain, the vault backend and
any gateways the policy declares.  Every problem comes with the next step; the exit
status is 1 when anything is wrong.  Nothing secret is printed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

OK, INFO, WARN, FAIL = "ok", "info", "warn", "FAIL"
PROBE_DENY = "rm -rf ~"
PROBE_ALLOW = "git status"
MALFORMED = b'{"tool_name": "Bash", "tool_input": '  # truncated JSON


def _payload(agent: str, command: str, root: str) -> bytes:
    """A documented PreToolUse-style payload for ``agent`` running ``command`` (its module's)."""
    from . import agents

    return json.dumps(agents.module(agent).doctor_payload(command, root)).encode()


def verdict(agent: str, returncode: int, stdout: str) -> str:
    """allow / ask / deny as the agent would read this hook's answer; 'broken' if it reads none."""
    from . import agents

    return agents.module(agent).doctor_verdict(returncode, stdout)


def _probe(agent, command_line, payload: bytes, env, root):
    t = time.perf_counter()
    p = subprocess.run(command_line, shell=True, input=payload, capture_output=True, timeout=30, env=env, cwd=root)
    ms = (time.perf_counter() - t) * 1000
    return verdict(agent, p.returncode, p.stdout.decode("utf-8", "replace")), ms


def _settings_files(root, home):
    """(agent, path) for every settings file an agent could run Interlock from, project first."""
    from . import agents as _agents
    from .install import REGISTRY

    out, seen = [], set()
    for user in (False, True):
        for a in REGISTRY.values():
            path = a.settings_path(root, home, user)
            if path not in seen:
                seen.add(path)
                out.append((a.name, path))
        for a in REGISTRY.values():  # other files the agent reads hooks from (Claude Code's settings.local.json)
            for rel in getattr(_agents.module(a.name), "MORE_SETTINGS", ()):
                p = os.path.join(home if user else root, rel)
                if p not in seen:
                    seen.add(p)
                    out.append((a.name, p))
    return out


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


def _timeouts(obj, cmd):
    """The timeouts the handlers running ``cmd`` are registered with (as written: Gemini's in ms)."""
    out = []
    if isinstance(obj, dict):
        if cmd in (obj.get("command"), obj.get("bash")):
            out += [obj[k] for k in ("timeout", "timeoutSec") if isinstance(obj.get(k), (int, float))]
        for v in obj.values():
            out += _timeouts(v, cmd)
    elif isinstance(obj, list):
        for v in obj:
            out += _timeouts(v, cmd)
    return out


def _wait_problem(agent, data, cmd, root, env):
    """Whether the policy's approval wait can outlast the timeout this hook is registered with (settings
    written by an older init, or edited): the agent would kill the waiting hook and run the tool."""
    from . import agents
    from . import policy as P
    from .agents import APPROVAL_MARGIN_S
    from .approvals import settings as approval_settings

    try:
        wait = approval_settings(P.load(root, env=env, use_cache=False)).wait_seconds
    except Exception:  # noqa: BLE001 - an invalid policy is doctor's own check below
        return None
    registered = _timeouts(data, cmd)
    if wait <= 0 or not registered:
        return None
    m = agents.module(agent)
    timeout = min(registered) / (1000 if getattr(m, "TIMEOUT_IN_MS", False) else 1)
    held = min(wait, getattr(m, "APPROVAL_WAIT_CAP_S", 20))
    if held + APPROVAL_MARGIN_S <= timeout:
        return None
    return (f"[approvals] wait_seconds = {wait:g}: the hook may hold a call {held:g} s waiting for a human, but it "
            f"is registered with a {timeout:g} s timeout; past it {agent} kills the hook and runs the tool")


def _has_hook(path, agent) -> bool:
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return False
    return any("interlock" in c and _hook_agent(c) == agent for c in _commands(data))


def _hook_agent(cmd: str) -> str | None:
    from .agents import AGENTS

    head = cmd.split("||")[0]
    for a in AGENTS:
        if f" hook {a}" in head + " ":
            return a
    return None


def run(root: str, home: str, as_json=False, env=None) -> int:
    env = dict(os.environ if env is None else env)
    checks = []

    def add(status, what, detail="", fix=""):
        checks.append({"status": status, "check": what, "detail": detail, "fix": fix})

    from . import agents
    from . import policy as P
    from .install import detect

    # 1. every agent: registered? runs? fast? fails closed?
    # probes are judged and logged under a state directory of their own, not in the real audit log
    try:
        os.makedirs(P.state_dir(env), mode=0o700, exist_ok=True)
    except OSError:
        pass
    probe_env = dict(env, INTERLOCK_HOME=os.path.join(P.state_dir(env), "doctor"))
    installed = set()
    probed = {}  # agent -> what its doctor_hook noted (each agent's own)
    for agent, path in _settings_files(root, home):
        if not os.path.exists(path):
            continue
        where = "~" + path[len(home):] if path.startswith(home + "/") else path
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            add(FAIL, f"{agent}: {where} is unreadable", f"{type(e).__name__}: {e}",
                "fix the file (it must be valid JSON), then run: interlock init")
            continue
        ours = []
        for c in _commands(data):
            a = _hook_agent(c) if "interlock" in c else None
            if a and c not in ours:
                ours.append((a, c))
        check_file = getattr(agents.module(agent), "doctor_file", None)  # the agent's own checks of the file
        if check_file is not None:
            check_file(add, path, where, data, ours, env, home)
        seen_cmds = set()
        for hook_agent, cmd in ours:
            if (hook_agent, cmd.split("||")[0]) in seen_cmds:
                continue
            seen_cmds.add((hook_agent, cmd.split("||")[0]))
            installed.add(agent)
            label = f"{agent}: hook in {where}" + (f" (runs `hook {hook_agent}`)" if hook_agent != agent else "")
            try:
                exe = shlex.split(cmd.split("||")[0])[0]
            except ValueError:
                exe = ""
            if not (os.path.isabs(exe) and os.access(exe, os.X_OK) or (not os.path.isabs(exe) and exe and
                                                                      _which(exe))):
                add(FAIL, f"{label}: its command is missing", exe or cmd[:80],
                    "re-run: interlock init   (the interpreter or venv it points to is gone)")
                continue
            try:
                v_deny, ms_deny = _probe(hook_agent, cmd, _payload(hook_agent, PROBE_DENY, root), probe_env, root)
                v_allow, ms_allow = _probe(hook_agent, cmd, _payload(hook_agent, PROBE_ALLOW, root), probe_env, root)
                v_bad, _ = _probe(hook_agent, cmd, MALFORMED, probe_env, root)
            except subprocess.TimeoutExpired:
                add(FAIL, f"{label}: the hook did not answer within 30 s", cmd[:120],
                    "the agent would give up and let the call through; run the command by hand to see why")
                continue
            except OSError as e:
                add(FAIL, f"{label}: the hook could not be started", f"{type(e).__name__}: {e}",
                    "re-run: interlock init")
                continue
            problems = []
            if v_deny != "deny":
                problems.append(f"`{PROBE_DENY}` was answered {v_deny}, not deny")
            if v_allow not in ("allow",):
                problems.append(f"`{PROBE_ALLOW}` was answered {v_allow}, not allow")
            if v_bad not in ("deny", "ask"):
                problems.append(f"a malformed payload was answered {v_bad}: it must fail closed (deny or ask)")
            detail = (f"runs: `{PROBE_DENY}` → {v_deny} ({ms_deny:.0f} ms), `{PROBE_ALLOW}` → {v_allow} "
                      f"({ms_allow:.0f} ms), malformed input → {v_bad}")
            if problems:
                add(FAIL, f"{label}: " + "; ".join(problems), detail,
                    "check `interlock policy` and run the hook command by hand with a payload on stdin")
            else:
                slow = max(ms_deny, ms_allow) > 1500
                add(WARN if slow else OK, label, detail + ("  — slow: the agent may time out and proceed" if slow
                                                          else ""),
                    "see `python -X importtime -m interlock check ls`" if slow else "")
            waits = _wait_problem(hook_agent, data, cmd, root, env)
            if waits:
                add(FAIL, f"{label}: {waits}", where, "re-run: interlock init   (registers the timeout the wait needs)")
            check_hook = getattr(agents.module(agent), "doctor_hook", None)  # its own hook that answered
            if hook_agent == agent and check_hook is not None:
                check_hook(add, path, root, home, env, probed.setdefault(agent, []))
    for name in agents.AGENTS:  # settings that make an agent skip its hooks (fail open)
        fail_open = getattr(agents.module(name), "fail_open", None)
        if name in installed and fail_open is not None:
            for where, problem in fail_open(root, home, env):
                add(FAIL, f"{name}: {problem}", where, f"remove that setting from {where}")
    for name in agents.AGENTS:  # what an agent's hooks, taken together, still miss
        check_all = getattr(agents.module(name), "doctor_after", None)
        if check_all is not None:
            check_all(add, probed.get(name, []), root, home)
    for name, why in detect(root, home, env.get("PATH", "")).items():
        if name not in installed and not set(getattr(agents.module(name), "PROTECTED_BY", ())) & installed:
            add(WARN, f"{name}: detected ({'; '.join(why)}) but not protected", "",
                f"interlock init --agent {name}   (or --user for every project)")
    if not installed:
        add(FAIL, "no agent hooks registered for this project or user", "",
            "interlock init   (detects your agents; --user for every project)")
        # still show that the hook itself works, so the only step left is registering it
        cmd = f"{shlex.quote(sys.executable)} -m interlock hook claude-code"
        try:
            v, ms = _probe("claude-code", cmd, _payload("claude-code", PROBE_DENY, root), probe_env, root)
            add(OK if v == "deny" else FAIL, f"hook round trip (unregistered): `{PROBE_DENY}` → {v}", f"{ms:.0f} ms",
                "" if v == "deny" else "reinstall: pip install .")
        except (OSError, subprocess.TimeoutExpired) as e:
            add(FAIL, "hook round trip failed", f"{type(e).__name__}: {e}", "reinstall: pip install .")

    # 2. policy
    try:
        pol = P.load(root, env=env, use_cache=False)
        src = [x for x in (pol.user.source if pol.user.source != "defaults" else "",
                           pol.project.source if pol.project else "") if x]
        add(OK, "policy valid", ", ".join(src) or "no policy file: the defaults apply")
    except P.PolicyError as e:
        add(FAIL, "policy invalid: every hook call is denied until fixed", str(e),
            "fix the named line, then check with: interlock policy")

    # 3. parser
    try:
        from .analysis.shell import parser as sp

        sp.parse("ls")
        add(OK, "shell parser (tree-sitter-bash) loads")
    except Exception as e:
        add(FAIL, "shell parser unavailable: every shell command will be asked", f"{type(e).__name__}: {e}",
            "reinstall: pip install .")

    # 4. state directory
    sd = P.state_dir(env)
    _state_dir_check(sd, add)

    # 5. audit chain
    from .audit import open_log

    try:
        ok, n, problem = open_log(sd, env).verify()
        add(OK if ok else FAIL, f"audit log chain ({n} records)", problem or sd,
            "" if ok else "the log was edited or damaged: keep a copy and investigate (interlock log --verify)")
    except Exception as e:
        add(FAIL, "audit log unreadable", f"{type(e).__name__}: {e}", f"check {sd}")

    # 6. vault
    _vault_check(env, add)
    _daemon_check(env, add)

    # 7. gateways
    _gateway_checks(root, env, add)
    from .safeguards.pgguard import doctor_checks  # databases: the in-database guard, restore's CREATEDB

    doctor_checks(root, env, add, OK, WARN, INFO)

    # 8. databases the policy names: can a snapshot of them be restored?
    _restore_privilege_checks(root, env, add)
    # 9. system mode: the OS boundary, and hooks pinned where the agent's user cannot change them
    from .system_cli import doctor_checks

    doctor_checks(lambda st, *a: add({"ok": OK, "info": INFO, "warn": WARN}.get(st, st), *a))

    # 8. backups of the declared databases
    try:
        from .backups.doctor import checks as backup_checks

        backup_checks(root, env, add)
    except Exception as e:  # noqa: BLE001 - the report goes on
        add(WARN, "backups: could not be checked", f"{type(e).__name__}: {e}", "")

    worst = FAIL if any(c["status"] == FAIL for c in checks) else WARN if any(
        c["status"] == WARN for c in checks) else OK
    if as_json:
        print(json.dumps({"status": worst, "checks": checks}, indent=2))
    else:
        for c in checks:
            print(f"[{c['status']:>4}] {c['check']}")
            if c["detail"]:
                print(f"       {c['detail']}")
            if c["fix"] and c["status"] != OK:
                print(f"       next: {c['fix']}")
        print(f"\n{'all good' if worst == OK else 'problems found (exit 1)' if worst == FAIL else 'works, with warnings'}")
    return 1 if worst == FAIL else 0


def _restore_privilege_checks(root, env, add):
    """Each PostgreSQL ``[databases.NAME]``: restore needs CREATEDB on the role it logs in as (it
    builds the database under a scratch name and swaps it in); say so before a restore fails."""
    from . import policy as P

    try:
        pol = P.load(root, env=env, use_cache=False)
    except P.PolicyError:
        return  # reported above
    from .safeguards import connect as C

    for name, sec in sorted(C.policy_sections(pol).items()):
        base = C.from_url(sec.get("url") or "", f"policy [databases.{name}]")
        if base is None or base.dialect != C.POSTGRES:
            continue
        conn = C.with_policy(base, pol, env, "snapshot")
        try:
            from .safeguards.dbsnap import pg_restore_privilege

            ok, user = pg_restore_privilege(conn)
        except ImportError:
            add(INFO, f"database {name}: restore privilege not checked", "psycopg is not installed",
                "pip install 'interlock[databases]'")
            continue
        except Exception as e:  # noqa: BLE001 - unreachable now: say so, do not fail the doctor
            add(WARN, f"database {name}: restore privilege not checked", str(e)[:300],
                "start the database, or fix [databases." + name + "] url / password_env")
            continue
        if ok:
            add(OK, f"database {name}: role {user} may create databases (restore can rebuild it)")
        else:
            add(WARN, f"database {name}: role {user} lacks CREATEDB: `interlock restore` of a database snapshot "
                      "will fail", "restore builds the database under a scratch name and swaps it in",
                f"as a superuser: ALTER ROLE \"{user}\" CREATEDB;  (see docs/recovery.md)")


def _state_dir_check(sd, add):
    try:
        st = os.stat(sd)
    except FileNotFoundError:
        add(INFO, "state directory not created yet", sd, "it is created (0700) on the first hook call")
        return
    problems = []
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        problems.append(f"owned by uid {st.st_uid}, not you ({os.getuid()})")
    if st.st_mode & 0o077:
        problems.append(f"mode {oct(st.st_mode & 0o777)}: other users can read or enter it")
    if problems:
        add(FAIL, "state directory permissions: " + "; ".join(problems), sd,
            f"chmod 700 {shlex.quote(sd)}" + (f" && chown {os.getuid()} {shlex.quote(sd)}" if "owned" in
                                              problems[0] else ""))
    else:
        add(OK, "state directory private (0700, yours)", sd)


def _daemon_check(env, add):
    from . import hookd

    if not hookd.enabled(env):
        add(INFO, "hook daemon off (INTERLOCK_DAEMON=0)", "every hook call imports and judges in its own process",
            "unset INTERLOCK_DAEMON for ~2× faster hook calls")
        return
    pid = hookd.daemon_pid(env)
    if pid:
        add(OK, f"hook daemon running (pid {pid})", hookd.socket_path(env))
    else:
        add(INFO, "hook daemon not running", "the next hook call judges in-process and starts it")


def _vault_check(env, add):
    try:
        from .vault import Vault, VaultError
    except ImportError as e:  # pragma: no cover
        add(WARN, "vault unavailable", str(e))
        return
    try:
        v = Vault(env=env)
        n = len(v.list())
        detail = f"{v.backend} backend, {n} secret(s) stored (names only: interlock secrets vault list)"
        if v.backend == "file":
            key = os.path.join(v.dir, "key")
            if os.path.exists(key) and os.stat(key).st_mode & 0o077:
                add(FAIL, "vault key file is readable by others", key, f"chmod 600 {shlex.quote(key)}")
                return
            detail += "; values encrypted in a file under the state directory (no OS keyring found)"
        add(OK, "vault", detail)
    except VaultError as e:
        add(FAIL, "vault unusable", str(e), "see docs/secrets.md")
    except Exception as e:
        add(WARN, "vault could not be checked", f"{type(e).__name__}: {e}")


def _gateway_checks(root, env, add):
    """Gateways the policy files declare (a ``gateways`` table or array): is each one reachable?"""
    from . import policy as P

    try:
        import tomllib
    except ImportError:  # pragma: no cover
        return
    declared = []
    for path in P.policy_paths(root, env):
        if not path or not os.path.exists(path):
            continue
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, ValueError):
            continue  # reported by the policy check
        g = data.get("gateways")
        if isinstance(g, dict):
            g = [dict(v, name=k) if isinstance(v, dict) else {"name": k, "listen": v} for k, v in g.items()]
        for item in g if isinstance(g, list) else ():
            if isinstance(item, dict):
                declared.append(item)
    if not declared:
        add(INFO, "gateways: none declared in the policy (skipped)")
        return
    for g in declared:
        name = str(g.get("name") or g.get("kind") or "gateway")
        addr = g.get("listen") or g.get("url") or g.get("address")
        hostport = _hostport(addr)
        if hostport is None:
            add(FAIL, f"gateway {name}: no address to check", f"declared as {sorted(g)}",
                "give it listen = \"127.0.0.1:PORT\" or url = \"http://HOST:PORT\"")
            continue
        import socket

        t = time.perf_counter()
        try:
            with socket.create_connection(hostport, timeout=1.5):
                pass
            add(OK, f"gateway {name} reachable", f"{hostport[0]}:{hostport[1]} ({(time.perf_counter() - t) * 1000:.0f} ms)")
        except OSError as e:
            add(FAIL, f"gateway {name} not reachable", f"{hostport[0]}:{hostport[1]}: {e.strerror or e}",
                "start the gateway, or remove it from the policy")


def _hostport(addr):
    if not isinstance(addr, str) or not addr:
        return None
    from urllib.parse import urlsplit

    if "://" in addr:
        u = urlsplit(addr)
        if not u.hostname:
            return None
        port = u.port or {"https": 443, "http": 80, "postgres": 5432, "postgresql": 5432}.get(u.scheme)
        return (u.hostname, port) if port else None
    host, _, port = addr.rpartition(":")
    if not port.isdigit():
        return None
    return (host.strip("[]") or "127.0.0.1", int(port))


def _which(name):
    import shutil

    return shutil.which(name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(os.getcwd(), os.path.expanduser("~")))
