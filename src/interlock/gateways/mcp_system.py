"""The MCP gateway in system mode: the MCP server and its secrets stay with the service user.

``interlock gateway mcp --system --name NAME`` (started by root, or by a unit as the service
user) drops to the service user and serves ``[gateways.mcp.NAME]`` of the system policy on a
socket in the service's directory, ``<run>/gateways/mcp-NAME.sock``: each connection gets its
own forked relay (``mcp.Proxy``, the same judging as ``interlock mcp-proxy``) and its own MCP
server process, started as the service user with the policy's ``env`` and, from the service's
vault, ``vault_env`` — so the server's credentials are never in a process or file of the agent's
user — in a mount namespace (bubblewrap) where Interlock's state and sockets are empty
directories, in its own PID namespace: the server is someone else's code, and must not be a way
to the service's files or processes.  Every call is judged with the system policy and recorded in the service's audit log with
the caller's uid (SO_PEERCRED).  It publishes itself in ``<run>/gateways/mcp-NAME.json`` like the
other gateways (``http.publish``).

``interlock mcp-proxy --system --name NAME``, the entry in the agent's MCP configuration, is a
thin stdio client: it connects to that socket only when the socket file and its peer are the
service user's (``system.connect``), and relays bytes.  No gateway, or anyone else's: it exits
with the reason on stderr — the agent gets no tools, never an unjudged server.
"""

from __future__ import annotations

import os
import re
import sys

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def add_parser(gsub):
    """``interlock gateway mcp`` on the ``gateway`` sub-parsers (system mode only)."""
    g = gsub.add_parser("mcp", help="system mode: serve [gateways.mcp.NAME]'s MCP server as the service user, "
                                    "every tool call judged; agents connect with interlock mcp-proxy --system")
    g.add_argument("--system", action="store_true", required=True,
                   help="run as the service user (started as root it drops to it)")
    g.add_argument("--name", required=True, help="the [gateways.mcp.NAME] of the system policy")
    g.set_defaults(func=cmd_gateway)


def socket_path(cfg, name) -> str:
    return os.path.join(cfg.run, "gateways", f"mcp-{name}.sock")


def _err(msg) -> int:
    from ..redact import redact

    sys.stderr.write(f"interlock gateway mcp: {redact(str(msg))[:500]}\n")
    sys.stderr.flush()
    return 1


def cmd_gateway(args) -> int:
    from ..system import SystemError_
    from . import http as H

    name = args.name
    if not _NAME.match(name or ""):
        return _err(f"--name {name!r}: letters, digits, _ . -")
    try:
        import mcp  # noqa: F401
    except ImportError:
        return _err("needs the MCP SDK: pip install 'interlock[mcp]'")
    try:
        env, cfg = H.system_env("mcp")
    except (OSError, SystemError_, H.GatewayError) as e:
        return _err(f"system mode: {e}")
    from .. import policy as P

    try:
        spec = ((P.load(None, env).user.gateways or {}).get("mcp") or {}).get(name)
    except P.PolicyError as e:
        return _err(e)
    if not spec or not spec.get("command"):
        return _err(f"no [gateways.mcp.{name}] with a command in the system policy")
    server_env = {str(k): str(v) for k, v in (spec.get("env") or {}).items()}
    try:
        from ..vault import Vault

        vault = Vault(env)
        for var, entry in (spec.get("vault_env") or {}).items():
            value = vault.get(entry)
            if value is None:
                return _err(f"the service's vault has no {entry!r} (for {var}): "
                            f"sudo -u {cfg.user} env INTERLOCK_HOME={cfg.state} interlock secrets vault add {entry}")
            server_env[str(var)] = value
    except Exception as e:  # noqa: BLE001 - no value in the message
        return _err(f"the service's vault could not be read ({type(e).__name__})")
    return serve(cfg, name, isolated(cfg, list(spec["command"])), env, server_env, spec.get("cwd") or "/")


def isolated(cfg, argv) -> list:
    """The server's command line, run where Interlock's own state and sockets are not: it runs as
    the service user, which owns them, and it is someone else's code — an MCP tool that opens a file
    or a database would otherwise be a way to the approvals, the vault and the audit key.  bubblewrap
    (unprivileged user namespaces) puts an empty tmpfs over the state and run directories and gives it
    its own PID namespace; without it the server does not start (fail closed)."""
    import shutil

    bwrap = shutil.which("bwrap") or "bwrap"
    return [bwrap, "--dev-bind", "/", "/", "--tmpfs", cfg.state, "--tmpfs", cfg.run,
            # its own process and IPC namespaces: the daemon and the gateways, the same user's processes,
            # are out of its sight — it cannot signal them or read their memory
            "--unshare-pid", "--proc", "/proc", "--unshare-ipc", "--die-with-parent", "--", *argv]


def serve(cfg, name, argv, env, server_env, cwd) -> int:
    """Accept agents on the socket; each connection is relayed by a forked child."""
    import signal
    import socket

    from ..system import _peer, _reap, _reserve
    from . import http as H

    path = socket_path(cfg, name)
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o666)  # every user may connect (judged); only the service answers (the directory is its own)
    srv.listen(64)
    published = H.publish(cfg, f"mcp-{name}", {"kind": "mcp", "pid": os.getpid(), "name": name,
                                               "socket": path})
    print(f"interlock mcp gateway {name}: {path} (as {cfg.user}; agents: interlock mcp-proxy --system --name {name})",
          flush=True)
    children: dict[int, int] = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    srv.settimeout(0.5)
    try:
        while not stop:
            _reap(children)
            try:
                conn, _ = srv.accept()
            except (TimeoutError, socket.timeout, InterruptedError):
                continue
            except OSError:
                if stop:
                    break
                continue
            try:
                pid, uid, _ = _peer(conn)
            except OSError:
                conn.close()
                continue
            mine = sum(1 for u in children.values() if u == uid)
            if len(children) >= cfg.max_children or (uid != 0 and mine >= cfg.max_children - _reserve(cfg)):
                sys.stderr.write(f"interlock gateway mcp {name}: busy ({len(children)} sessions): refused uid {uid}\n")
                conn.close()
                continue
            try:
                child = os.fork()
            except OSError:
                conn.close()
                continue
            if child == 0:
                code = 1
                try:
                    srv.close()
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    code = _session(name, argv, env, server_env, cwd, conn, pid, uid)
                except BaseException:
                    code = 1
                finally:
                    os._exit(code)
            children[child] = uid
            conn.close()
    finally:
        srv.close()
        for p in (published, path):
            try:
                os.unlink(p)
            except OSError:
                pass
        for child in list(children):
            try:
                os.kill(child, signal.SIGTERM)
            except OSError:
                pass
    return 0


def _session(name, argv, env, server_env, cwd, conn, pid, uid) -> int:
    """One agent's MCP session: the connection becomes this child's stdin/stdout, relayed by the
    same judging proxy as ``interlock mcp-proxy``, to a server of its own."""
    import pwd

    import anyio

    from .mcp import Proxy

    try:
        who = pwd.getpwuid(uid).pw_name
    except KeyError:
        who = str(uid)
    fd = conn.fileno()
    os.dup2(fd, 0)
    os.dup2(fd, 1)
    conn.close()
    proxy = Proxy(name, argv, env=env, cwd=cwd, server_env=server_env)
    proxy.judge.caller = f"uid {uid} {who}, pid {pid}"
    proxy.judge.session = f"mcp-{name}-uid{uid}-{os.getpid()}"
    return anyio.run(proxy.serve)


def client(name) -> int:
    """``interlock mcp-proxy --system --name NAME``: relay stdio to the service's MCP gateway."""
    import selectors
    import socket

    from .. import system as S

    def fail(msg):
        sys.stderr.write(f"interlock mcp-proxy: system mode: {msg}\n")
        sys.stderr.flush()
        return 1

    if not _NAME.match(name or ""):
        return fail(f"--name {name!r}: letters, digits, _ . -")
    try:
        cfg = S.load_config()
    except S.SystemError_ as e:
        return fail(e)
    if cfg is None:
        return fail(f"no system configuration ({S.DEFAULT_CONFIG}): --system needs `sudo interlock init --system`")
    from .run import system_published

    if not system_published(cfg, f"mcp-{name}.json"):
        return fail(f"no MCP gateway {name!r} is running as {cfg.user} "
                    f"(start it: sudo interlock gateway mcp --system --name {name}); no tools")
    try:
        s = S.connect(cfg, socket_path(cfg, name), timeout_s=10.0)
    except OSError as e:
        return fail(f"{e}; no tools")
    s.settimeout(None)
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, "in")
    sel.register(s, selectors.EVENT_READ, "sock")
    try:
        while True:
            for key, _ in sel.select():
                if key.data == "in":
                    data = os.read(0, 65536)
                    if not data:
                        sel.unregister(0)
                        s.shutdown(socket.SHUT_WR)
                    else:
                        s.sendall(data)
                else:
                    data = s.recv(65536)
                    if not data:
                        return 0
                    view = memoryview(data)
                    while view:
                        view = view[os.write(1, view):]
    except (OSError, KeyboardInterrupt):
        return 0
    finally:
        s.close()
