"""``interlock run -- AGENT…`` and ``interlock status``: an agent that holds no credentials.

``run`` starts the gateways the user policy declares (``[gateways.http]``: ``interlock gateway
http``; ``[gateways.postgres]``: ``interlock gateway postgres``, each a subprocess by its CLI),
launches the agent with an environment scrubbed of secrets and pointed at the gateways, checks
that the agent's Interlock hooks are installed (a warning, not a refusal), forwards signals, and
stops every gateway when the agent exits.  The agent's exit status is ``run``'s.

Scrubbed: every variable the credential rules call secret (``*TOKEN*``, ``*SECRET*``,
``*PASSWORD*``, ``*API_KEY*``, ``*AUTH*``, ``DATABASE_URL``…), every ``AWS_*``, ``PG*``
credentials, any value holding a literal token (provider token shapes) or a URL with a password.
Set: each route's ``env`` variables (e.g. ``RAILWAY_API_URL`` → ``http://127.0.0.1:PORT/railway/graphql/v2``),
``DATABASE_URL``/``PGHOST``/``PGPORT`` → the PostgreSQL gateway, ``INTERLOCK_RUN`` (the run's id).
With ``[gateways.http] proxy_listen``, ``interlock gateway https-proxy`` is started too and
``HTTPS_PROXY``/``HTTP_PROXY`` (both cases) point at it, ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE``, ``GIT_SSL_CAINFO`` at the system's CAs plus Interlock's, ``NODE_EXTRA_CA_CERTS`` at
Interlock's CA.  ``NO_PROXY`` stays loopback, so the route and PostgreSQL gateways are reached directly.

``status`` lists what is running from the state files in ``$INTERLOCK_HOME/run/`` (each
gateway and each run writes one, removed on exit; a dead process's file is reported stale and
removed) and the hook daemon (``interlock.hookd.daemon_pid``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from ..policy import HTTP_GATEWAY_LISTEN, POSTGRES_GATEWAY_LISTEN

#: Variables an agent keeps even though their names look secret: Interlock's own, display and locale.
_KEEP = re.compile(r"^(INTERLOCK_(HOME|DAEMON|STORE|VAULT_BACKEND)|XDG_[A-Z_]+|SSH_AUTH_SOCK|"
                   r"DBUS_SESSION_BUS_ADDRESS|XAUTHORITY)$")
_ALWAYS = re.compile(r"^(AWS_.*|PG(PASSWORD|PASSFILE|USER|SERVICE|SERVICEFILE|SSLKEY|SSLCERT|HOST|HOSTADDR|PORT|"
                     r"DATABASE)|GOOGLE_APPLICATION_CREDENTIALS|GOOGLE_GHA_CREDS_PATH|AZURE_CLIENT_.*|ARM_CLIENT_.*|"
                     r"KUBECONFIG|DOCKER_AUTH_CONFIG|NETRC|CLOUDSDK_AUTH_.*|RAILWAY_.*|MYSQL_PWD|REDIS_URL|"
                     r"MONGO(DB)?_UR[IL])$")
_URL_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def scrub_env(env: dict) -> tuple[dict, list[str]]:
    """(the agent's environment, names removed).  Values are never returned or printed."""
    from ..analysis.literal_secrets import find_secrets
    from ..analysis.shell.credentials import NOT_SECRET_VAR, SECRET_VAR

    out, removed = {}, []
    for k, v in env.items():
        if _KEEP.match(k):
            out[k] = v
            continue
        secret_name = bool(SECRET_VAR.search(k)) and not NOT_SECRET_VAR.match(k)
        if secret_name or _ALWAYS.match(k) or _URL_PASSWORD.search(v or "") or (v and find_secrets(v[:4096])):
            removed.append(k)
            continue
        out[k] = v
    return out, sorted(removed)


def agent_of(argv0: str) -> str | None:
    """The agent a program name stands for (its hooks are checked): an agent's name, or one of the
    programs its module names (``INSTALL.programs``, e.g. ``claude``, ``cursor-agent``, ``code``)."""
    from .. import agents

    prog = os.path.basename(argv0)
    for name in agents.AGENTS:
        if prog == name or prog in agents.module(name).INSTALL.programs:
            return name
    return None


def hooks_installed(agent: str, root: str, home: str) -> list[str]:
    """The settings files that register Interlock's hook for ``agent`` (empty: not installed)."""
    from ..doctor import _settings_files

    found = []
    for a, path in _settings_files(root, home):
        if a != agent or not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        if "interlock" in text and f" hook {agent}" in text:
            found.append(path)
    return found


# --- state files ------------------------------------------------------------------------------------

def run_dir(env) -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(env), "run")


def _write_json(path, obj):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, ValueError, TypeError):
        return False


def running(env) -> list[dict]:
    """Every state file's content, with ``alive``; stale files are removed."""
    d = run_dir(env)
    out = []
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return out
    for n in names:
        if not n.endswith(".json"):
            continue
        p = os.path.join(d, n)
        try:
            with open(p) as f:
                info = json.load(f)
        except (OSError, ValueError):
            continue
        info["alive"] = _alive(info.get("pid"))
        info["file"] = p
        if not info["alive"]:
            try:
                os.unlink(p)
            except OSError:
                pass
        out.append(info)
    return out


# --- starting gateways --------------------------------------------------------------------------------

def _interlock_argv():
    exe = os.path.join(os.path.dirname(sys.executable), "interlock")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "interlock"]


class Started:
    __slots__ = ("kind", "proc", "url", "info")

    def __init__(self, kind, proc, url, info=None):
        self.kind, self.proc, self.url, self.info = kind, proc, url, info or {}


def _start(kind, argv, env, timeout=20.0) -> Started:
    """Start one gateway; its first stdout line must carry its ``http://`` or ``postgresql://`` address."""
    import selectors

    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None,
                            start_new_session=True)  # the terminal's Ctrl-C goes to the agent; we stop these
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline and b"\n" not in line:
        if not sel.select(max(0.05, deadline - time.monotonic())):
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        line += chunk
    sel.close()
    text = line.decode("utf-8", "replace")
    m = re.search(r"\b((?:http|postgres(?:ql)?)://[^\s]+)", text)
    if m is None:
        _stop(proc)
        raise RuntimeError(f"interlock gateway {kind} did not start" + (f": {text.strip()[:200]}" if text else
                                                                         f" (exit {proc.poll()})"))
    # keep draining its stdout so it never blocks on a full pipe
    import threading

    def drain():
        try:
            while os.read(proc.stdout.fileno(), 65536):
                pass
        except OSError:
            pass
    threading.Thread(target=drain, daemon=True).start()
    return Started(kind, proc, m.group(1).rstrip("/"))


def _stop(proc, grace=5.0):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        try:
            proc.terminate()
        except OSError:
            return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait(5)


def start_gateways(pol, env, err=sys.stderr, extra_args=None, https_proxy=True,
                   listen=None) -> tuple[list[Started], dict]:
    """Start what ``[gateways]`` declares, all at once; (started, variables pointing the agent at them).
    ``extra_args``: more arguments per gateway (``"http"``, ``"postgres:NAME"``); ``listen``: addresses
    used instead of the policy's, by the same keys (``interlock sandbox``: fresh ports of its own).
    If one cannot start, every other one is stopped and the error raised."""
    from concurrent.futures import ThreadPoolExecutor

    gws = pol.user.gateways or {}
    extra_args = extra_args or {}
    overrides = listen or {}
    jobs = []  # (what, start function): started in parallel (each is mostly Python's start-up)
    http = gws.get("http")
    if http and http.get("routes"):
        addr = overrides.get("http") or http.get("listen") or HTTP_GATEWAY_LISTEN
        argv = _interlock_argv() + ["gateway", "http", "--listen", addr] + extra_args.get("http", [])
        jobs.append((("http",), lambda argv=argv: _start("http", argv, env)))
    if http and http.get("proxy_listen") and https_proxy:
        argv = _interlock_argv() + ["gateway", "https-proxy", "--listen", http["proxy_listen"]]
        jobs.append((("https-proxy",), lambda argv=argv: _start("https-proxy", argv, env)))
    for name, spec in (gws.get("postgres") or {}).items():
        upstream = spec.get("upstream") or name
        addr = overrides.get(f"postgres:{name}") or spec.get("listen") or POSTGRES_GATEWAY_LISTEN
        argv = _interlock_argv() + ["gateway", "postgres", "--listen", addr, "--upstream", upstream,
                                    "--cwd", os.getcwd()] + extra_args.get(f"postgres:{name}", [])
        jobs.append((("postgres", spec, upstream),
                     lambda argv=argv, addr=addr: _start_listening("postgres", argv, env, addr)))
    started, point, errors = [], {}, []
    if jobs:
        with ThreadPoolExecutor(len(jobs)) as ex:
            futures = [(what, ex.submit(fn)) for what, fn in jobs]
        results = []
        for what, f in futures:
            try:
                results.append((what, f.result()))
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        started = [g for _, g in results]
        if errors:
            for g in started:
                _stop(g.proc)
            raise errors[0]
    first_db = True
    for what, g in results if jobs else ():
        if what[0] == "http":
            for name, r in http["routes"].items():
                for var, suffix in (r.get("env") or {}).items():
                    point[var] = f"{g.url}/{name}" + ("/" + suffix.lstrip("/") if suffix else "")
        elif what[0] == "https-proxy":
            from .https_proxy import agent_env

            point.update(agent_env(g.url, env))
        else:
            _, spec, upstream = what
            db = (pol.user.databases or {}).get(upstream) or {}
            g.url = _pg_url(g.url, db)
            if spec.get("database_url", True) and first_db:
                point.update(_pg_vars(g.url))
                first_db = False
            for var in spec.get("env") or ():
                point[var] = g.url
    return started, point


def _start_listening(kind, argv, env, listen, timeout=20.0) -> Started:
    """Start a gateway that says nothing on stdout: ready when ``listen`` accepts a connection."""
    import socket

    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:  # something answering already is another program: readiness would be read from it
        with socket.create_connection((host, int(port)), timeout=0.5):
            raise RuntimeError(f"{listen} is already in use by another program: interlock gateway {kind} "
                               f"cannot listen there")
    except OSError:
        pass
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"interlock gateway {kind} exited ({proc.returncode}) before listening on {listen}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return Started(kind, proc, f"tcp://{listen}")
        except OSError:
            time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"interlock gateway {kind} did not listen on {listen} within {timeout:.0f}s")


def _pg_url(addr, db: dict) -> str:
    """``postgresql://USER@HOST:PORT/DB`` for the gateway at ``tcp://HOST:PORT`` (no password: the
    gateway holds the upstream's; on loopback it trusts the local user)."""
    from urllib.parse import urlsplit

    hostport = addr.split("://", 1)[1]
    user = database = None
    if db.get("url"):
        try:
            u = urlsplit(db["url"])
            user, database = u.username, (u.path or "/").lstrip("/") or None
        except ValueError:
            pass
    user = db.get("gateway_user") or user
    return f"postgresql://{(user + '@') if user else ''}{hostport}/{database or ''}"


def _pg_vars(url):
    """DATABASE_URL and PG* for the gateway at ``url``."""
    from urllib.parse import urlsplit

    u = urlsplit(url)
    out = {"DATABASE_URL": url, "PGHOST": u.hostname or "127.0.0.1", "PGPORT": str(u.port or 5432)}
    if u.path.lstrip("/"):
        out["PGDATABASE"] = u.path.lstrip("/")
    if u.username:
        out["PGUSER"] = u.username
    return out


# --- the commands -------------------------------------------------------------------------------------

def add_parsers(sub):
    r = sub.add_parser("run", help="run an agent with no credentials in its environment, through the policy's "
                                   "gateways: interlock run -- claude", add_help=True)
    r.add_argument("--no-gateways", action="store_true", help="only scrub the environment (start no gateway)")
    r.add_argument("--keep", action="append", default=[], metavar="VAR",
                   help="keep this variable although it looks secret (repeatable; your responsibility)")
    r.add_argument("argv", nargs="*", metavar="-- AGENT [ARGS...]")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("status", help="gateways and agents `interlock run` started, and the hook daemon")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)


def system_gateways(cfg) -> dict:
    """The variables pointing an agent at the gateways the service runs (``<run>/gateways/*.json``,
    believed only when the service user wrote them in its own directory)."""
    d = os.path.join(cfg.run, "gateways")
    point = {}
    try:
        names = sorted(os.listdir(d))
    except OSError:
        names = []
    for n in names:
        info = system_published(cfg, n)
        if info is None:
            continue
        try:
            for name, r in (info.get("routes") or {}).items():
                for var, suffix in (r.get("env") or {}).items():
                    point[str(var)] = str(r["url"]) + ("/" + str(suffix).lstrip("/") if suffix else "")
            for var, val in (info.get("point") or {}).items():  # PostgreSQL: DATABASE_URL, PG*; the HTTPS proxy: HTTPS_PROXY, CAs
                point.setdefault(str(var), str(val))
        except (OSError, ValueError, KeyError, AttributeError):
            continue
    if not point:
        print("interlock run: system mode: no service-run gateway is published in "
              f"{d} (start one: sudo interlock gateway http --system); the agent gets no credentials",
              file=sys.stderr)
    return point


def system_published(cfg, name) -> dict | None:
    """What a service-run gateway published in ``<run>/gateways/NAME`` — believed only when the
    service user wrote it, in its own directory that no one else can write, and the process it
    names runs as the service user; else None."""
    d = os.path.join(cfg.run, "gateways")
    p = os.path.join(d, name)
    try:
        for path in (d, p):
            st = os.lstat(path)
            if st.st_uid != cfg.uid or st.st_mode & 0o022:
                return None
        import stat as _st

        if not name.endswith(".json") or not _st.S_ISREG(st.st_mode) or not _alive_file(p, cfg.uid):
            return None
        with open(p) as f:
            info = json.load(f)
        return info if isinstance(info, dict) else None
    except (OSError, ValueError):
        return None


def _alive_file(path, uid=None) -> bool:
    """The gateway a published file names is running — and, with ``uid``, runs as that user (a
    stale file whose pid another user's process took over is not believed)."""
    import json

    try:
        with open(path) as f:
            pid = int(json.load(f).get("pid") or 0)
        if pid <= 0:
            return False
        if uid is not None:  # /proc/PID's owner is root for a process that dropped from root: its status says
            with open(f"/proc/{pid}/status") as f:
                uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
            return bool(uids) and all(int(u) == uid for u in uids)
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True  # the service user's process: there, not ours to signal
    except (OSError, ValueError, AttributeError):
        return False


def cmd_run(args) -> int:
    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("interlock run: give the agent to run after --, e.g. interlock run -- claude", file=sys.stderr)
        return 64
    from .. import policy as P

    env = dict(os.environ)
    try:
        pol = P.load(None, env)
    except P.PolicyError as e:
        print(f"interlock run: the policy is invalid, not starting: {e}", file=sys.stderr)
        return 1
    agent = agent_of(argv[0])
    if agent:
        root = _project_root(os.getcwd())
        home = env.get("HOME") or os.path.expanduser("~")
        if not hooks_installed(agent, root, home):
            print(f"interlock run: warning: Interlock's hook is not installed for {agent} here: its commands and "
                  f"file edits are not judged. Install it: interlock init --agent {agent}", file=sys.stderr)
    started, point = [], {}
    from .. import system as S

    try:
        syscfg = S.load_config(env)
    except S.SystemError_ as e:
        print(f"interlock run: system mode is broken, not starting: {e}", file=sys.stderr)
        return 1
    if syscfg is not None and not args.no_gateways:
        # system mode: the gateways run as the service user (they alone read the vault); point the
        # agent at them, start none here and read no credential
        point = system_gateways(syscfg)
    elif not args.no_gateways:
        try:
            started, point = start_gateways(pol, env)
        except Exception as e:  # noqa: BLE001
            from ..redact import redact

            print(f"interlock run: {redact(str(e))[:400]}", file=sys.stderr)
            return 1
    child_env, removed = scrub_env(env)
    for k in args.keep:
        if k in env:
            child_env[k] = env[k]
    if point:
        for k in _PROXY_VARS:  # the gateways are local; an inherited proxy would route around them
            child_env.pop(k, None)
        child_env["NO_PROXY"] = child_env["no_proxy"] = "127.0.0.1,localhost,::1"
    child_env.update(point)
    run_id = f"run-{os.getpid()}"
    child_env["INTERLOCK_RUN"] = run_id
    if removed:
        print(f"interlock run: removed from the agent's environment: {', '.join(removed)}", file=sys.stderr)
    for k, v in sorted(point.items()):
        print(f"interlock run: {k}={v}", file=sys.stderr)
    state = os.path.join(run_dir(env), f"{run_id}.json")
    try:
        proc = subprocess.Popen(argv, env=child_env)
    except OSError as e:
        for g in started:
            _stop(g.proc)
        print(f"interlock run: cannot start {argv[0]}: {e.strerror or e}", file=sys.stderr)
        return 127
    try:
        _write_json(state, {"kind": "run", "pid": os.getpid(), "agent": os.path.basename(argv[0]),
                            "agent_pid": proc.pid, "started": time.time(), "cwd": os.getcwd(),
                            "gateways": [{"kind": g.kind, "pid": g.proc.pid, "url": g.url} for g in started]})
    except OSError:
        pass
    code = _wait_forwarding(proc)
    for g in started:
        _stop(g.proc)
    try:
        os.unlink(state)
    except OSError:
        pass
    return code


def _wait_forwarding(proc) -> int:
    """Wait for the agent, passing on the signals ``run`` receives.  SIGINT from a terminal already
    reaches the agent (same foreground process group), so it is passed on only without a terminal."""
    tty = os.isatty(0)
    forwarded = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGINT]
    old = {}

    def fwd(signum, frame):
        if signum == signal.SIGINT and tty:
            return
        try:
            proc.send_signal(signum)
        except OSError:
            pass
    for s in forwarded:
        try:
            old[s] = signal.signal(s, fwd)
        except (OSError, ValueError):
            pass
    try:
        while True:
            try:
                rc = proc.wait()
                break
            except InterruptedError:
                continue
    finally:
        for s, h in old.items():
            try:
                signal.signal(s, h)
            except (OSError, ValueError):
                pass
    return 128 - rc if rc < 0 else rc


def _project_root(cwd):
    from ..analysis.paths import find_workspace

    return find_workspace(cwd, None) or cwd


def cmd_status(args) -> int:
    env = dict(os.environ)
    from ..hookd import daemon_pid

    items = running(env)
    dpid = None
    try:
        dpid = daemon_pid(env)
    except Exception:
        pass
    if args.json:
        print(json.dumps({"hook_daemon": {"pid": dpid, "running": dpid is not None}, "running": items}, indent=2))
        return 0
    print(f"hook daemon: {'running (pid ' + str(dpid) + ')' if dpid else 'not running (hooks judge in-process)'}")
    live = [i for i in items if i["alive"]]
    stale = [i for i in items if not i["alive"]]
    if not live:
        print("gateways: none running" + (" (start one: interlock run -- AGENT, or interlock gateway http)"))
    for i in live:
        if i.get("kind") == "run":
            gws = ", ".join(f"{g['kind']} {g['url']}" for g in i.get("gateways") or []) or "no gateways"
            print(f"run {i['pid']}: {i.get('agent')} (pid {i.get('agent_pid')}) in {i.get('cwd')}; {gws}")
        else:
            routes = i.get("routes") or {}
            extra = ("; routes: " + ", ".join(f"{r['url']} -> {r['upstream']}" for r in routes.values())) \
                if routes else ""
            print(f"gateway {i.get('kind')} (pid {i['pid']}): {i.get('url') or i.get('listen')}{extra}")
    for i in stale:
        print(f"stale: {os.path.basename(i['file'])} (pid {i.get('pid')} is gone; removed)")
    return 0
