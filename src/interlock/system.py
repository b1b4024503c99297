"""System mode: Interlock's decisions, approvals, vault and audit behind an OS boundary.

In single-user mode the agent runs as the same OS user that owns Interlock's state and
code, so self-protection is only as good as the command analysis.  System mode
(``interlock init --system``, as root) moves the boundary into the OS:

* a dedicated service user (default ``interlock``) owns the state directory
  (``/var/lib/interlock``, 0700: approvals, approvers, vault, audit and its key,
  snapshots) and runs the daemon (``interlock daemon --system``: a systemd unit, or in
  the foreground in a container; started as root it drops to the service user);
* the policy is ``/etc/interlock/policy.toml`` (root's); a project file still only tightens;
* the hook is a thin client that only talks to the daemon's socket
  (``/run/interlock/hookd.sock``): it checks the socket file and the peer (SO_PEERCRED)
  are the service user's, and when no daemon answers it denies — there is no
  in-process fallback;
* the daemon records each caller's uid and pid, judges with the caller's cwd and
  environment minus everything that says where Interlock's state or policy is, and
  ``HOME`` from the caller's passwd entry;
* approving, rejecting and adding approvers go through the daemon, which verifies the
  approver's secret itself; the first approver is added by root only;
* vault values never leave the daemon towards the agent's user (there is no request for them).

The configuration is ``/etc/interlock/system.toml``; ``INTERLOCK_SYSTEM_CONFIG`` may name
another one (tests, several installations), but only a file owned by root and writable by
no one else, in a directory likewise, is ever honoured — and the default file, when it
exists, always is: no environment variable turns system mode off.
"""

from __future__ import annotations

import os
import sys

DEFAULT_CONFIG = "/etc/interlock/system.toml"
MAGIC = b"ILS1"
MAX_MSG = 8 << 20
DEFAULT_MAX_CHILDREN = 64
# Variables of the caller never passed to the judging: they say where Interlock's state,
# policy and code are, or change how it decides.
_DROP_PREFIXES = ("INTERLOCK_",)
_DROP = {"XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
         "PYTHONUSERBASE", "LD_PRELOAD", "LD_LIBRARY_PATH"}


class SystemError_(Exception):
    pass


class Config:
    __slots__ = ("path", "user", "uid", "gid", "state", "run", "socket", "policy_dir", "home", "anchor_url",
                 "anchor_every", "max_children")

    def __init__(self, path, d):
        import pwd

        self.path = path
        self.user = d.get("user", "interlock")
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        self.state = d.get("state", "/var/lib/interlock")
        self.run = d.get("run", "/run/interlock")
        self.socket = os.path.join(self.run, "hookd.sock")
        self.policy_dir = d.get("policy_dir", "/etc/interlock")  # holds policy.toml
        # the audit log's head, posted off the machine: re-writing history then shows against it
        self.anchor_url = d.get("anchor_url") or None
        self.anchor_every = float(d.get("anchor_every", 60))
        # calls judged at once (each a forked child, some waiting for a human): over it, "busy"
        self.max_children = max(1, int(d.get("max_children", DEFAULT_MAX_CHILDREN)))


def _root_owned(path) -> bool:
    try:
        for p in (path, os.path.dirname(path)):
            st = os.stat(p)
            if st.st_uid != 0 or st.st_mode & 0o022:
                return False
        return True
    except OSError:
        return False


def config_path(env=os.environ) -> str | None:
    """The system configuration in force, or None (single-user mode).  The default file, when
    it exists, always wins; another one named by ``INTERLOCK_SYSTEM_CONFIG`` must be root's
    (``load_config`` refuses it otherwise: the hook then denies)."""
    if os.path.lexists(DEFAULT_CONFIG):
        return DEFAULT_CONFIG
    return env.get("INTERLOCK_SYSTEM_CONFIG") or None


def load_config(env=os.environ) -> Config | None:
    """The configuration, or None.  A system configuration that exists but cannot be read or
    is not root's raises: the callers deny."""
    path = config_path(env)
    if path is None:
        return None
    import tomllib

    if not _root_owned(path):
        raise SystemError_(f"{path} must be owned by root and writable by no one else")
    try:
        with open(path, "rb") as f:
            return Config(path, tomllib.load(f))
    except (OSError, ValueError, KeyError) as e:
        raise SystemError_(f"cannot read {path}: {type(e).__name__}: {e}") from None


# --------------------------------------------------------------------------- wire


def _peer(sock):
    import socket
    import struct

    pid, uid, gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    return pid, uid, gid


def _recv_all(sock, limit):
    chunks, n = [], 0
    while True:
        try:
            b = sock.recv(1 << 16)
        except ConnectionResetError:
            if not chunks:
                raise
            b = b""  # the peer answered and closed before reading all we sent (a busy daemon)
        if not b:
            return b"".join(chunks)
        chunks.append(b)
        n += len(b)
        if n > limit:
            raise OSError("message too large")


def _pack(header: dict, body: bytes = b"") -> bytes:
    import json

    h = json.dumps(header).encode()
    return MAGIC + len(h).to_bytes(4, "big") + h + body


def _unpack(data: bytes):
    if len(data) < 8 or data[:4] != MAGIC:
        raise OSError("not an Interlock message")
    n = int.from_bytes(data[4:8], "big")
    if 8 + n > len(data):
        raise OSError("short message")
    import json

    return json.loads(data[8:8 + n]), data[8 + n:]


def connect(cfg: Config, path: str, timeout_s: float | None = 30.0):
    """A connection to one of the service's sockets (the daemon's, a gateway's): refused unless the
    socket file and the peer on it (SO_PEERCRED, the kernel's word) are the service user's."""
    import socket
    import stat as _st

    st = os.lstat(path)
    if not _st.S_ISSOCK(st.st_mode) or st.st_uid != cfg.uid:
        raise OSError(f"{path} is not the Interlock service's socket (owner uid {st.st_uid})")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout_s)
        s.connect(path)
        _, uid, _ = _peer(s)
        if uid != cfg.uid:
            raise OSError(f"the listener on {path} runs as uid {uid}, not the service user {cfg.user}")
    except BaseException:
        s.close()
        raise
    return s


def request(cfg: Config, header: dict, body: bytes = b"", timeout_s: float = 30.0):
    """Send one request to the system daemon; (reply header, reply body).  Raises OSError when
    the daemon is not there, or the socket or its peer is not the service user's."""
    import socket

    s = connect(cfg, cfg.socket, timeout_s)
    try:
        try:
            s.sendall(_pack(header, body))
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a daemon at its cap answers "busy" without reading: its answer is still there
        return _unpack(_recv_all(s, MAX_MSG))
    finally:
        s.close()


# --------------------------------------------------------------------------- the hook (client)


def hook_client(agent: str, cfg: Config | None, error: str | None = None) -> int:
    """The hook in system mode: the daemon's answer, or deny.  Never judges in-process."""
    from .adapters import DEFAULT_BUDGET_MS, MAX_STDIN, _load

    def deny(why):
        try:
            out = _load(agent).emergency(f"system mode: {why}")
        except Exception:
            out = '{"error": "interlock failed"}'
        if isinstance(out, tuple):
            out, err, code = out
            sys.stderr.write(err + "\n")
        else:
            code = 0
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        sys.stdout.flush()
        return code

    if cfg is None:
        return deny(error or "no configuration")
    try:
        raw = sys.stdin.buffer.read(MAX_STDIN + 1)
    except Exception:
        raw = b""
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "/"
    env = {k: v for k, v in os.environ.items()}
    try:
        budget = int(env.get("INTERLOCK_HOOK_BUDGET_MS") or DEFAULT_BUDGET_MS)
    except ValueError:
        budget = DEFAULT_BUDGET_MS
    try:
        head, body = request(cfg, {"op": "hook", "agent": agent, "cwd": cwd, "env": env}, raw,
                             timeout_s=budget / 1000.0 + 600)
    except (OSError, ValueError) as e:
        return deny(f"the Interlock daemon did not answer ({type(e).__name__}: {str(e)[:200]}): denied. "
                    "Start it: systemctl start interlock (or interlock daemon --system)")
    if head.get("busy"):
        return deny(str(head["busy"])[:300])
    err = head.get("err") or ""
    if err:
        sys.stderr.write(err)
        sys.stderr.flush()
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
    return int(head.get("code") or 0)


# --------------------------------------------------------------------------- the daemon


def _prepare_dirs(cfg: Config):
    for d, mode in ((cfg.state, 0o700), (cfg.run, 0o755)):
        os.makedirs(d, mode=mode, exist_ok=True)
        st = os.stat(d)
        if os.getuid() == 0:
            os.chown(d, cfg.uid, cfg.gid)
        elif st.st_uid != os.getuid():
            raise SystemError_(f"{d} belongs to uid {st.st_uid}, not to the service user")
        os.chmod(d, mode)


def _drop_privileges(cfg: Config):
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(cfg.gid)
        os.setuid(cfg.uid)
    if os.getuid() != cfg.uid:
        raise SystemError_(f"the daemon must run as {cfg.user} (uid {cfg.uid}), not uid {os.getuid()}")


def _service_env(cfg: Config) -> dict:
    return {"INTERLOCK_HOME": cfg.state, "XDG_CONFIG_HOME": os.path.dirname(cfg.policy_dir.rstrip("/")),
            "INTERLOCK_VAULT_BACKEND": "file", "INTERLOCK_DAEMON": "0", "INTERLOCK_SYSTEM": "1",
            "HOME": cfg.state, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def serve(cfg: Config, ready=None) -> int:
    """Accept requests; each is handled in a forked child (its own cwd, environment, waits)."""
    import signal
    import socket

    _prepare_dirs(cfg)
    _drop_privileges(cfg)
    os.umask(0o077)
    os.environ.clear()
    os.environ.update(_service_env(cfg))
    os.chdir(cfg.state)
    from . import hookd

    hookd._warm(dict(os.environ, INTERLOCK_HOME=os.path.join(cfg.state, "warm")))
    from . import audit

    for con, _ in audit._KEPT.values():
        con.close()
    audit._KEPT.clear()
    try:
        os.unlink(cfg.socket)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(cfg.socket)
    os.chmod(cfg.socket, 0o666)  # every user may ask; only the daemon answers (the dir is the service's)
    srv.listen(128)
    children: dict[int, int] = {}  # pid -> caller uid; reaped below, so the cap counts only the live ones
    if ready:
        ready()
    sys.stderr.write(f"interlock: system daemon as {cfg.user} on {cfg.socket}\n")
    sys.stderr.flush()
    import select

    anchored = [None, 0.0]  # last (seq, hash) posted, when
    while True:
        if cfg.anchor_url:
            _maybe_anchor(cfg, anchored)
        _reap(children)
        try:
            wait = min(15.0, cfg.anchor_every) if cfg.anchor_url else None
            if children:
                wait = 0.5 if wait is None else min(wait, 0.5)
            ready, _, _ = select.select([srv], [], [], wait)
            if not ready:
                continue
            conn, _ = srv.accept()
        except InterruptedError:
            continue
        except OSError:
            continue
        _reap(children)
        try:
            uid = _peer(conn)[1]
        except OSError:
            conn.close()
            continue
        # one user (an agent's, flooding) never takes the last slots: root's `interlock approve`
        # and other users still get through; root is limited by the total only
        mine = sum(1 for u in children.values() if u == uid)
        if len(children) >= cfg.max_children or (uid != 0 and mine >= cfg.max_children - _reserve(cfg)):
            _busy(conn, f"the Interlock daemon is busy ({len(children)} calls in progress, {mine} of them yours; "
                  f"its cap is {cfg.max_children}): denied — retry shortly")
            continue
        try:
            pid = os.fork()
        except OSError:
            _busy(conn, "the Interlock daemon cannot start a worker (fork failed): denied — retry shortly")
            continue
        if pid == 0:
            code = 0
            try:
                srv.close()
                _handle(cfg, conn)
            except BaseException:
                code = 1
            finally:
                try:
                    conn.close()
                finally:
                    os._exit(code)
        children[pid] = uid
        conn.close()


def _reserve(cfg) -> int:
    """Slots no single non-root user may take (a quarter of the cap, at most 8)."""
    return min(8, cfg.max_children // 4)


def _reap(children: dict):
    while True:  # also the anchor's posting children
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.pop(pid, None)


def _busy(conn, why):
    """Answer without reading the request (the parent never waits on a caller): the hook denies
    with ``why``; the human's commands report it."""
    try:
        conn.settimeout(1.0)
        conn.sendall(_pack({"busy": why, "ok": False, "error": why}))
    except OSError:
        pass
    finally:
        conn.close()


def _maybe_anchor(cfg, anchored):
    """Post the audit log's head ({seq, hash, mac, host, ts}) to ``anchor_url`` when it moved and
    ``anchor_every`` seconds passed — from a forked child, so a slow receiver never holds up a call."""
    import time

    now = time.time()
    if now - anchored[1] < cfg.anchor_every:
        return
    from .audit import _read_key, open_log, record_mac

    log = open_log(cfg.state, dict(os.environ))  # the local log, or the team store's chain (its own head and key)
    try:
        with open(log.head_path) as f:
            seq, h = f.read().split()
        head = (int(seq), h)
    except (OSError, ValueError):
        return
    if head == anchored[0]:
        return
    anchored[0], anchored[1] = head, now
    try:
        key = _read_key(log.key_path)
    except OSError:
        key = None
    body = {"seq": head[0], "hash": head[1], "mac": record_mac(key[0], head[1]) if key else None,
            "host": os.uname().nodename, "ts": round(now, 3)}
    try:
        pid = os.fork()
    except OSError:
        return
    if pid == 0:
        code = 1
        try:
            import json
            import urllib.request

            req = urllib.request.Request(cfg.anchor_url, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(req, timeout=10):
                code = 0
        except BaseException:
            pass
        os._exit(code)


def _reply(conn, header, body=b""):
    conn.sendall(_pack(header, body))


def _handle(cfg: Config, conn):
    import pwd

    conn.settimeout(30.0)
    pid, uid, gid = _peer(conn)
    head, body = _unpack(_recv_all(conn, MAX_MSG))
    op = head.get("op")
    try:
        caller = pwd.getpwuid(uid)
        cname, chome = caller.pw_name, caller.pw_dir
    except KeyError:
        cname, chome = str(uid), "/"
    if op == "hook":
        return _reply_hook(cfg, conn, head, body, pid, uid, cname, chome)
    try:
        out = _ops(cfg, op, head, uid, cname)
    except Exception as e:
        from .redact import redact

        out = {"ok": False, "error": redact(str(e))[:500]}
    _reply(conn, out)


def pwd_gid(uid):
    import pwd

    return pwd.getpwuid(uid).pw_gid


def _reply_hook(cfg, conn, head, body, pid, uid, cname, chome):
    import io

    from . import adapters

    agent = str(head.get("agent") or "")
    if agent not in adapters.ADAPTERS:
        return _reply(conn, {"code": 0}, b'{"error": "unknown agent"}')
    env = {str(k): str(v) for k, v in (head.get("env") or {}).items()
           if isinstance(k, str) and not k.startswith(_DROP_PREFIXES) and k not in _DROP}
    env.update(_service_env(cfg))
    env["HOME"] = chome
    env["PATH"] = str((head.get("env") or {}).get("PATH") or "/usr/bin:/bin")
    try:
        os.chdir(str(head.get("cwd") or "/"))
    except OSError:
        os.chdir("/")
    os.environ.clear()
    os.environ.update(env)
    adapters.CALLER = f"uid {uid} {cname}, pid {pid}"  # this child waits for a human itself: no VIA/deferral
    from . import fsread

    try:
        gids = set(os.getgrouplist(cname, pwd_gid(uid)))
    except (OSError, KeyError):
        gids = set()
    fsread.AS_CALLER = (uid, gids)  # read for the caller only what the caller could read
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        code = adapters.run_hook(agent, stdin=io.BytesIO(body), stdout=out, env=os.environ)
    finally:
        sys.stderr = saved
    _reply(conn, {"code": code, "err": err.getvalue()}, out.getvalue().encode("utf-8", "surrogateescape"))


def _ops(cfg, op, head, uid, cname) -> dict:
    """The human's side through the daemon: every secret is verified here."""
    from .approvals import ONCE, SESSION, WINDOW
    from .approvals import approvers as A
    from .approvals.store import open_store

    env = dict(os.environ)
    if op == "approvals":
        store = open_store(env)
        reqs = store.recent(200) if head.get("all") else store.pending()
        return {"ok": True, "requests": [r.to_dict() for r in reqs]}
    if op == "approvers":
        return {"ok": True, "approvers": A.listing(env)}
    if op in ("approve", "reject"):
        store = open_store(env)
        name = str(head.get("approver") or "")
        if not name:
            names = A.names(env)
            if len(names) != 1:
                raise ValueError("say which approver with --as NAME" if names else
                                 "no approvers are configured: root adds the first (interlock approvers add NAME)")
            name = names[0]
        proof = A.authenticate(name, str(head.get("secret") or ""), env, ttl_s=60)
        req = store.get(str(head.get("id") or ""))
        if proof is None:
            if req is not None:
                store.record("refused", req, approver=name, channel=f"system:uid {uid}",
                             note=f"{op}: wrong approver secret")
            raise ValueError(f"wrong secret for approver {name}; nothing was {op}d")
        if req is None:
            raise ValueError("no such approval request")
        if op == "reject":
            req = store.reject(req.id, name, f"system:uid {uid}", str(head.get("reason") or "rejected"))
        else:
            scope = head.get("scope") or ONCE
            if scope not in (ONCE, WINDOW, SESSION):
                raise ValueError("unknown scope")
            req = store.approve(req.id, name, f"system:uid {uid}", scope, head.get("minutes"), proof=proof)
        return {"ok": True, "request": req.to_dict()}
    if op == "approvers-add":
        name = A.check_name(str(head.get("name") or ""))
        existing = A.names(env)
        proof = None
        if existing:
            by = str(head.get("by") or (existing[0] if len(existing) == 1 else ""))
            proof = A.authenticate(by, str(head.get("by_secret") or ""), env, ttl_s=60)
            if proof is None:
                raise ValueError(f"wrong secret for approver {by}; nobody was added")
        elif uid != 0:
            raise ValueError("the first approver is added by root (sudo interlock approvers add NAME)")
        if proof is None:
            _add_first(name, str(head.get("secret") or ""), env)
        else:
            A.add(name, str(head.get("secret") or ""), env, by=proof)
        return {"ok": True, "added": name, "by": proof.name if proof else f"root (uid {uid})"}
    if op == "verify":
        from .audit import open_log

        a = str(head.get("anchor") or "")
        ok, n, problem = open_log(cfg.state, env).verify(anchor=tuple(a.split(":", 1)) if ":" in a else None)
        return {"ok": ok, "count": n, "problem": problem}
    raise ValueError(f"unknown request {str(op)[:40]!r}")


def _add_first(name, secret, env):
    """The first approver, asked for by root through the socket (the peer uid is the kernel's word)."""
    from .approvals import approvers as A

    A._write_first(name, secret, env)


# --------------------------------------------------------------------------- the human's CLI


def cli_request(cfg, header) -> dict:
    head, _ = request(cfg, header)
    return head
