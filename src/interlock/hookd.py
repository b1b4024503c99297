"""The hook daemon: a warm Interlock that answers hook calls over a Unix socket.

Every agent tool call starts ``interlock hook AGENT``: a fresh Python process.  Most of
its time would go to importing the analysis (tree-sitter, the rule tables, SQLite,
sqlglot for SQL) rather than to judging.  So the hook first tries a resident process
of the same Interlock, started on demand and private to the user:

* the hook (the *client*, below: stdlib C modules only) reads the agent's payload,
  sends it with its cwd and environment over ``$INTERLOCK_HOME/run/hookd-<tag>.sock``
  and relays the daemon's answer byte for byte (stdout, stderr, exit code);
* when no daemon answers — none running, a stale one, a crash, a timeout — the hook
  judges in-process exactly as before (same code, same answer), then starts a daemon
  in the background for the next call.  The daemon is an accelerator, never a
  dependency: every failure of it falls back to the in-process path, which itself
  fails closed.

Safety: the socket lives in a 0700 directory of the user's state dir; both ends check
the peer's uid (SO_PEERCRED), so another user can neither ask nor answer.  A listener of
the *same* user bound in the daemon's place (a fake daemon answering allow) is not
believed either: each daemon writes a fresh key (``hookd-<tag>.key``, 0600) before it
listens, the client sends a nonce, and only a reply carrying HMAC(key, nonce + reply) is
relayed — anything else is judged in-process.  The client also refuses a socket file or
run directory that is not its own and private.  (In system mode none of this is used:
``system.py``'s daemon runs as another user, and the OS draws the line.)  The daemon
judges with the client's cwd and environment, one call at a time, and exits when its
own code changes on disk (an upgrade), when its socket is removed, or after
``INTERLOCK_DAEMON_IDLE`` seconds without calls (default 900).  ``INTERLOCK_DAEMON=0``
turns it off (every call then judges in-process).
"""

from __future__ import annotations

import os
import sys

MAGIC = b"ILK2"
REPLY = b"ILR2"
MAC_LEN = 32
STALE = 255              # reply code: "my code changed, judge yourself"
DEFER = 254              # reply code: "this call waits for a human: judge it in your own process"
MAX_HEADER = 1 << 20
DEFAULT_IDLE_S = 900
_OFF = ("0", "off", "no", "false")


# --------------------------------------------------------------------------- shared


def _state_dir(env) -> str:
    d = env.get("INTERLOCK_HOME")
    if d:
        return d
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "interlock")


def _tag() -> str:
    """Which Interlock this is: version, install location and interpreter."""
    import zlib

    from . import __version__

    where = (os.path.dirname(os.path.abspath(__file__)) + "\0" + sys.prefix).encode("utf-8", "surrogateescape")
    return f"{__version__}-{zlib.crc32(where):08x}"


def socket_path(env) -> str:
    return os.path.join(_state_dir(env), "run", f"hookd-{_tag()}.sock")


def daemon_pid(env) -> int | None:
    """The running daemon's pid (from its lock file), or None."""
    import fcntl

    try:
        fd = os.open(socket_path(env)[:-5] + ".lock", os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return None  # nobody holds it
        except OSError:
            pass
        try:
            return int(os.pread(fd, 32, 0).split()[0])
        except (ValueError, IndexError, OSError):
            return None
    finally:
        os.close(fd)


def _client_key(path) -> bytes | None:
    """The running daemon's key, when the socket, its directory and the key file are ours and private."""
    import stat

    try:
        run = os.path.dirname(path)
        me = os.getuid()
        st = os.lstat(run)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != me or st.st_mode & 0o077:
            return None
        st = os.lstat(path)
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != me:
            return None
        fd = os.open(path[:-5] + ".key", os.O_RDONLY | os.O_NOFOLLOW)
        try:
            st = os.fstat(fd)
            if st.st_uid != me or st.st_mode & 0o077 or not stat.S_ISREG(st.st_mode):
                return None
            key = os.read(fd, 64)
        finally:
            os.close(fd)
        return key if len(key) == 32 else None
    except OSError:
        return None


def _send(conn, key, nonce, rest: bytes):
    """A reply: REPLY, HMAC(key, nonce + REPLY + rest), rest."""
    import hmac

    conn.sendall(REPLY + hmac.new(key, nonce + REPLY + rest, "sha256").digest() + rest)


def _peer_uid(sock) -> int:
    import _socket

    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred: pid, uid, gid
    return int.from_bytes(creds[4:8], sys.byteorder)


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def _connect_unix(sock, path):
    """connect()/bind() to a path, even one longer than sun_path's 108 bytes (via its directory)."""
    if len(path.encode("utf-8", "surrogateescape")) < 100:
        return sock.connect(path)
    d, name = os.path.split(path)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return sock.connect(f"/proc/self/fd/{fd}/{name}")
    finally:
        os.close(fd)


def _recv_all(sock, limit: int) -> bytes:
    chunks = []
    n = 0
    while True:
        b = sock.recv(1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)
        n += len(b)
        if n > limit:
            raise OSError("message too large")


# --------------------------------------------------------------------------- client


def enabled(env) -> bool:
    return (env.get("INTERLOCK_DAEMON") or "").strip().lower() not in _OFF and hasattr(os, "getuid")


def ask_daemon(agent: str, raw: bytes, env, timeout_s: float):
    """(stdout bytes, stderr bytes, exit code) from the daemon; None (no usable daemon) or
    DEFER (the call waits for a human) to judge in-process."""
    import _socket

    path = socket_path(env)
    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        sock.settimeout(timeout_s)
        try:
            _connect_unix(sock, path)
        except OSError:
            return None
        if _peer_uid(sock) != os.getuid():
            return None  # not ours: never trust its answer
        key = _client_key(path)
        if key is None:
            return None
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = "/"
        nonce = os.urandom(16).hex().encode()
        envb = b"\0".join(k + b"=" + v for k, v in os.environb.items()) if env is os.environ else \
            b"\0".join(f"{k}={v}".encode("utf-8", "surrogateescape") for k, v in env.items())
        header = agent.encode() + b"\0" + cwd.encode("utf-8", "surrogateescape") + b"\0" + nonce + b"\0" + envb
        sock.sendall(MAGIC + _u32(len(header)) + header + raw)
        sock.shutdown(_socket.SHUT_WR)
        reply = _recv_all(sock, len(raw) + MAX_HEADER + (1 << 22))
    except OSError:
        return None
    finally:
        sock.close()
    if len(reply) < 4 + MAC_LEN + 5 or reply[:4] != REPLY:
        return None
    import hmac

    mac, reply = reply[4:4 + MAC_LEN], reply[:4] + reply[4 + MAC_LEN:]
    if not hmac.compare_digest(mac, hmac.new(key, nonce + reply, "sha256").digest()):
        return None  # not the daemon that holds this state dir's key: never relay it
    code = reply[4]
    if code == DEFER:
        return DEFER
    if code == STALE:
        return None
    n = int.from_bytes(reply[5:9], "big")
    if 9 + n > len(reply):
        return None
    return reply[9:9 + n], reply[9 + n:], code


RESTART_BACKOFF_S = 30.0


def start_daemon(env) -> None:
    """Start a daemon in the background (detached, quiet); never raises.  At most one start
    per 30 s: a daemon that cannot start (or keeps dying) never costs every hook call a spawn."""
    try:
        import time

        state = _state_dir(env)
        run = os.path.join(state, "run")
        os.makedirs(run, mode=0o700, exist_ok=True)
        mark = socket_path(env)[:-5] + ".started"
        try:
            if time.time() - os.stat(mark).st_mtime < RESTART_BACKOFF_S:
                return
        except OSError:
            pass
        with open(mark, "w"):
            pass
        null = os.open(os.devnull, os.O_RDWR)
        try:
            # -P: never import from the agent's cwd.  The daemon chdirs to its run dir.
            argv = [sys.executable, "-P", "-m", "interlock.hookd", state]
            denv = dict(env)
            denv.pop("INTERLOCK_DAEMON", None)
            os.posix_spawn(sys.executable, argv, denv,
                           file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1),
                                         (os.POSIX_SPAWN_DUP2, null, 2)],
                           setsid=True)
        finally:
            os.close(null)
    except Exception:
        pass


def run_client(agent: str, env=os.environ) -> int:
    """The hook's entry point: ask the daemon, else judge in-process and start one."""
    from .adapters import DEFAULT_BUDGET_MS, MAX_STDIN, run_hook

    stdin = sys.stdin.buffer
    use = enabled(env)
    if not use:
        return run_hook(agent)
    try:
        raw = stdin.read(MAX_STDIN + 1)
    except Exception:
        raw = b""
    try:
        budget = int(env.get("INTERLOCK_HOOK_BUDGET_MS") or DEFAULT_BUDGET_MS)
    except ValueError:
        budget = DEFAULT_BUDGET_MS
    got = ask_daemon(agent, raw, env, budget / 1000.0 + 1.0) if raw else None
    if got is not None and got != DEFER:
        out, err, code = got
        if err:
            try:
                sys.stderr.buffer.write(err)
                sys.stderr.flush()
            except Exception:
                pass
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
        return code
    import io

    code = run_hook(agent, stdin=io.BytesIO(raw))
    try:
        sys.stdout.flush()
    except Exception:
        pass
    if got != DEFER:
        start_daemon(env)  # none answered (or a stale one): the next call finds a warm one
    return code


# --------------------------------------------------------------------------- daemon


def _code_stamp():
    """(path, mtime) of every file of this Interlock: a change on disk retires the daemon."""
    out = []
    top = os.path.dirname(os.path.abspath(__file__))
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith((".py", ".toml")):
                p = os.path.join(root, f)
                try:
                    out.append((p, os.stat(p).st_mtime_ns))
                except OSError:
                    pass
    return out


def _stale(stamp) -> bool:
    for f, m in stamp:
        try:
            if os.stat(f).st_mtime_ns != m:
                return True
        except OSError:
            if m is not None:
                return True
    return False


_WARM = (
    '{"session_id":"warm","transcript_path":"/dev/null","cwd":"/","permission_mode":"default",'
    '"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":%s}}'
)


def _warm(agent_env):
    """Load the analysis (parsers, rule tables, SQL) before the first real call."""
    import io
    import json

    from .adapters import run_hook

    home = agent_env.get("HOME") or "/"
    warm_env = {"HOME": home, "INTERLOCK_HOME": os.path.join(_state_dir(agent_env), "run", "warm"),
                "PATH": agent_env.get("PATH", "")}
    for cmd in ("ls -la && git status", "rm -rf build", "psql -c 'DELETE FROM t WHERE id = 1'",
                "python -c 'import os; os.remove(\"x\")'", "curl -X POST https://api.example.com/graphql -d '{}'"):
        try:
            run_hook("claude-code", stdin=io.BytesIO((_WARM % json.dumps(cmd)).encode()), stdout=io.StringIO(),
                     env=warm_env)
        except Exception:
            pass


def _handle(conn, key=b"") -> None:
    import io

    from .adapters import MAX_STDIN, run_hook

    conn.settimeout(10.0)
    data = _recv_all(conn, MAX_STDIN + MAX_HEADER + 8)
    if len(data) < 8 or data[:4] != MAGIC:
        return
    hlen = int.from_bytes(data[4:8], "big")
    if hlen > MAX_HEADER or 8 + hlen > len(data):
        return
    parts = data[8:8 + hlen].split(b"\0")
    raw = data[8 + hlen:]
    if len(parts) < 3:
        return
    agent = parts[0].decode("ascii", "replace")
    cwd = parts[1].decode("utf-8", "surrogateescape")
    nonce = parts[2]
    env = {}
    for kv in parts[3:]:
        k, sep, v = kv.partition(b"=")
        if sep and k:
            env[k.decode("utf-8", "surrogateescape")] = v.decode("utf-8", "surrogateescape")
    from . import adapters
    from .adapters import ADAPTERS

    if agent not in ADAPTERS:
        return
    # Judge as the hook process would have: its cwd, its environment (one call at a time).
    try:
        os.chdir(cwd)
    except OSError:
        os.chdir("/")
    os.environ.clear()
    os.environ.update(env)
    out = io.StringIO()
    err = io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        code = run_hook(agent, stdin=io.BytesIO(raw), stdout=out, env=os.environ)
    except adapters.Deferred:
        _send(conn, key, nonce, bytes([DEFER]) + _u32(0))
        return
    finally:
        sys.stderr = saved
    body = out.getvalue().encode("utf-8", "surrogateescape")
    _send(conn, key, nonce, bytes([code & 0xFF]) + _u32(len(body)) + body + err.getvalue().encode("utf-8", "replace"))


def serve(state: str, idle_s: float | None = None) -> int:
    """Accept hook calls and judge them one at a time in this warm process (about half a
    millisecond each).  A call that would wait for a human (policy approvals.wait_seconds)
    is handed back to its hook process, so no caller ever queues behind a wait."""
    import fcntl
    import select
    import socket

    run = os.path.join(state, "run")
    os.makedirs(run, mode=0o700, exist_ok=True)
    st = os.stat(run)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        try:
            os.chmod(run, 0o700)
        except OSError:
            return 1
        if os.stat(run).st_uid != os.getuid():
            return 1
    os.chdir(run)
    env = dict(os.environ)
    path = socket_path(env)
    name = os.path.basename(path)
    lock = os.open(name[:-5] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another daemon of this Interlock serves this state dir
    os.ftruncate(lock, 0)
    os.pwrite(lock, f"{os.getpid()}\n".encode(), 0)
    if idle_s is None:
        try:
            idle_s = float(env.get("INTERLOCK_DAEMON_IDLE") or DEFAULT_IDLE_S)
        except ValueError:
            idle_s = DEFAULT_IDLE_S
    _warm(env)
    from . import adapters

    adapters.VIA = "hookd"
    from . import audit

    for con, _ in audit._KEPT.values():  # the warm-up's own log
        con.close()
    audit._KEPT.clear()
    stamp = _code_stamp()
    key = os.urandom(32)  # a fresh key per daemon, written before the socket exists
    kname = name[:-5] + ".key"
    ktmp = f"{kname}.{os.getpid()}"
    kfd = os.open(ktmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(kfd, key)
    finally:
        os.close(kfd)
    os.replace(ktmp, kname)
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        srv.bind(name)  # relative: cwd is the run dir, so long state paths work
    finally:
        os.umask(old)
    srv.listen(128)
    ino = os.stat(name).st_ino
    import time

    last = time.monotonic()
    checked = 0.0
    try:
        while True:
            ready, _, _ = select.select([srv], [], [], min(5.0, max(idle_s, 0.2)))
            if not ready:
                try:
                    if os.stat(path).st_ino != ino:
                        return 0  # replaced or state dir removed
                except OSError:
                    return 0
                if time.monotonic() - last > idle_s or _stale(stamp):
                    return 0
                continue
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            last = time.monotonic()
            try:
                if _peer_uid(conn) == os.getuid():
                    if last - checked > 1.0:  # stat the package's files at most once a second
                        if _stale(stamp):
                            conn.sendall(REPLY + bytes(MAC_LEN) + bytes([STALE]) + _u32(0))  # unsigned: judged in-process anyway
                            return 0  # upgraded on disk: the next hook call starts the new code
                        checked = last
                    _handle(conn, key)
            except Exception:
                pass  # the client sees a short reply and judges in-process
            finally:
                conn.close()
                try:
                    os.chdir(run)
                except OSError:
                    return 0
    finally:
        try:
            if os.stat(name).st_ino == ino:
                os.unlink(name)
        except OSError:
            pass


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m interlock.hookd STATE_DIR (started by `interlock hook`)\n")
        sys.exit(2)
    sys.exit(serve(sys.argv[1]))
