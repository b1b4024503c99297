"""MySQL/MariaDB branches: a throwaway local ``mariadbd`` holding a dump of the real database.

Each ``[databases.NAME]`` whose ``url`` is ``mysql://`` or ``mariadb://`` gets, when the sandbox is
created, its own server: ``mariadb-install-db`` into the sandbox's directory, then the real database
dumped (``mariadb-dump --single-transaction``, the credentials from the policy/vault in a 0600 option
file) and loaded under the same name.  On every run the server is started for the agent and stopped
when it exits; its data stays in the sandbox until ``discard``.

The server is a copy the agent may do anything to, so it runs with ``--skip-grant-tables`` (any user
and password the agent's client sends is accepted), but it is itself confined, because it runs outside
the agent's sandbox: under bubblewrap with no network (its own network namespace: FEDERATED/CONNECT or
replication cannot reach the real server), the file system read-only but for its own data directory,
the home directory an empty tmpfs, ``secure_file_priv`` an empty directory (no ``LOAD_FILE``,
``INTO OUTFILE``, ``LOAD DATA INFILE`` elsewhere), an empty ``plugin_dir`` (no plugin or UDF can be
loaded).  It listens only on a Unix socket in a private directory, which the sandbox forwards to
``127.0.0.1:PORT`` inside — the port of the real server's URL, so the agent's configuration keeps its form.

Every statement the agent sends is in the server's general log (``statements.log``), shown by ``diff``;
the effect (rows per table, real → branch) is measured when the agent exits.  ``promote --mysql`` replays the
chosen statements on the real database through the same policy (``replay``): approvals, snapshots first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

from .store import SandboxError

#: Who files the approval requests of MySQL statements promoted from a sandbox (out-of-band: `interlock approve`).
AGENT = "sandbox-promote"


def declared(pol) -> dict:
    """{name: [databases.NAME] section} of the MySQL/MariaDB databases the policy declares."""
    from ..safeguards.connect import from_url

    out = {}
    for name, sec in (pol.user.databases or {}).items():
        sec = sec if isinstance(sec, dict) else sec.model_dump()
        c = from_url(sec.get("url") or "") if sec.get("url") else None
        if c is not None and c.dialect == "mysql":
            out[name] = sec
    return out


def _bin(*names):
    for n in names:
        p = shutil.which(n) or (f"/usr/sbin/{n}" if os.path.exists(f"/usr/sbin/{n}") else None)
        if p:
            return p
    raise SandboxError(f"{names[0]} is not installed: a MySQL/MariaDB branch needs mariadb-server "
                       "(apt-get install mariadb-server)")


def _conn(name, sec, pol, env):
    from ..safeguards.connect import from_url, with_policy

    conn = with_policy(from_url(sec["url"], f"policy [databases.{name}]"), pol, env)
    if not conn.database:
        raise SandboxError(f"[databases.{name}] names no database in its url: nothing to branch")
    return conn


class Running:
    def __init__(self, name, proc, sock_dir, socket, port, database):
        self.name, self.proc, self.sock_dir, self.socket, self.port, self.database = (
            name, proc, sock_dir, socket, port, database)


def _server_argv(d: str, sock: str, bwrap: str, home: str) -> list[str]:
    data, files, plugins = os.path.join(d, "data"), os.path.join(d, "files"), os.path.join(d, "plugins")
    user = ["--user=root"] if os.geteuid() == 0 else []
    server = [_bin("mariadbd", "mysqld"), "--no-defaults", f"--datadir={data}", f"--socket={sock}",
              "--skip-networking", "--skip-grant-tables", f"--secure-file-priv={files}", f"--plugin-dir={plugins}",
              f"--pid-file={d}/mysqld.pid", f"--log-error={d}/error.log", "--general-log",
              f"--general-log-file={d}/statements.log", "--innodb-flush-log-at-trx-commit=0",
              "--innodb-buffer-pool-size=32M", "--skip-log-bin", "--local-infile=0", *user]
    confined = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--tmpfs", "/run", "--bind", d, d, "--bind", os.path.dirname(sock), os.path.dirname(sock),
                "--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL"]
    if home and home != "/" and os.path.isdir(home) and not d.startswith(home.rstrip("/") + "/"):
        confined += ["--tmpfs", home]
    return confined + ["--", *server]


def start(sb, name, sec, pol, env, home, max_mb=None) -> Running:
    """Create the branch (first time) and start its server; raises SandboxError (nothing left running)."""
    from .confine import require_bwrap

    bwrap = require_bwrap()
    conn = _conn(name, sec, pol, env)
    d = sb.sub(f"mysql-{name}")
    first = not os.path.isdir(os.path.join(d, "data"))
    info = (sb.meta.get("databases") or {}).get(name)
    if first:
        from ..safeguards.dbsnap import my_estimate

        try:
            size = my_estimate(conn)
        except Exception as e:  # noqa: BLE001
            from ..redact import redact

            raise SandboxError(f"could not reach MySQL database {name}: {redact(str(e))[:300]}") from None
        if max_mb is not None and size > max_mb * 1e6:
            raise SandboxError(f"database {name} is {size / 1e6:,.0f} MB, over the branch limit of {max_mb:,.0f} MB "
                               f"(--max-branch-mb): not branched, the sandbox was not started")
        for sub in ("", "files", "plugins"):
            os.makedirs(os.path.join(d, sub), mode=0o700, exist_ok=True)
        user = ["--user=root"] if os.geteuid() == 0 else []
        p = subprocess.run([_bin("mariadb-install-db", "mysql_install_db"), "--no-defaults",
                            f"--datadir={d}/data", "--auth-root-authentication-method=normal", "--skip-test-db",
                            *user], capture_output=True, timeout=300)
        if p.returncode != 0:
            raise SandboxError("mariadb-install-db failed: " + p.stderr.decode(errors="replace")[-300:])
        info = {"kind": "mysql", "upstream": name, "source": conn.database, "branch": conn.database,
                "method": "dump into a local mariadbd", "server": conn.label, "bytes": size,
                "port": int(conn.port or 3306)}
        sb.meta.setdefault("databases", {})[name] = info
        sb.save()
    sock_dir = tempfile.mkdtemp(prefix="ilmy-")  # short: a Unix socket's path has at most 107 bytes
    sock = os.path.join(sock_dir, "s.sock")
    t0 = time.monotonic()
    proc = subprocess.Popen(_server_argv(d, sock, bwrap, home), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    run = Running(name, proc, sock_dir, sock, info["port"], conn.database)
    try:
        _wait(run, d)
        if first:
            _load(conn, run, d, env)
    except BaseException:
        stop(run)
        raise
    info["seconds"] = round(time.monotonic() - t0, 3)
    sb.save()
    return run


def _client(run, database=None):
    import pymysql

    return pymysql.connect(unix_socket=run.socket, user="root", database=database, autocommit=True,
                           connect_timeout=5, charset="utf8mb4")


def _wait(run, d, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            _client(run).close()
            return
        except Exception:  # noqa: BLE001
            if run.proc.poll() is not None or time.monotonic() > deadline:
                log = ""
                try:
                    with open(os.path.join(d, "error.log"), errors="replace") as f:
                        log = f.read()[-300:]
                except OSError:
                    pass
                raise SandboxError(f"the branch's mariadbd did not start: {log}") from None
            time.sleep(0.2)


def _load(conn, run, d, env):
    from ..redact import redact

    c = _client(run)
    with c.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{run.database.replace('`', '``')}` CHARACTER SET utf8mb4")
    c.close()
    cnf = conn.mysql_defaults_file(d)
    try:
        dump = subprocess.Popen([_bin("mariadb-dump", "mysqldump"), f"--defaults-extra-file={cnf}",
                                 "--single-transaction", "--routines", "--triggers", "--hex-blob", "--no-tablespaces",
                                 "--default-character-set=utf8mb4", conn.database], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        load = subprocess.run([_bin("mariadb", "mysql"), "--no-defaults", f"--socket={run.socket}", "--user=root",
                               "--default-character-set=utf8mb4", run.database], stdin=dump.stdout,
                              capture_output=True, timeout=3600)
        dump.stdout.close()
        dump.wait(timeout=60)
    finally:
        os.unlink(cnf)
    if dump.returncode != 0 or load.returncode != 0:
        raise SandboxError("copying the MySQL database into its branch failed: "
                           + redact((dump.stderr.read() or b"").decode(errors="replace")
                                    + load.stderr.decode(errors="replace"))[:400])
    # the load itself is not the agent's doing
    try:
        os.truncate(os.path.join(d, "statements.log"), 0)
    except OSError:
        pass


def _counts(cur, db) -> dict:
    cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                "TABLE_TYPE = 'BASE TABLE'", (db,))
    out = {}
    for (t,) in cur.fetchall():
        try:
            cur.execute(f"SELECT COUNT(*) FROM `{db.replace('`', '``')}`.`{t.replace('`', '``')}`")
            out[t] = cur.fetchone()[0]
        except Exception:  # noqa: BLE001
            out[t] = None
    return out


def measure(sb, run, pol, env):
    """Rows per table, real → branch, stored in the sandbox (the server stops when the agent exits)."""
    import pymysql

    info = sb.meta["databases"][run.name]
    try:
        conn = _conn(run.name, declared(pol)[run.name], pol, env)
        c = _client(run)
        with c.cursor() as cur:
            br = _counts(cur, run.database)
        c.close()
        r = pymysql.connect(**conn.mysql_kwargs(timeout=5))
        with r.cursor() as cur:
            real = _counts(cur, conn.database)
        r.close()
        out = []
        for t in sorted(set(real) | set(br)):
            if real.get(t) != br.get(t) or (t in real) != (t in br):
                out.append({"database": run.name, "table": t, "real": real.get(t), "branch": br.get(t),
                            "state": "dropped" if t not in br else "created" if t not in real else "changed"})
        info["effect"], info["measured"] = out, time.time()
        info.pop("effect_error", None)
    except Exception as e:  # noqa: BLE001 - said in the diff, never a crash
        from ..redact import redact

        info["effect_error"] = redact(f"{type(e).__name__}: {e}")[:300]
    sb.save()


def stop(run):
    if run.proc.poll() is None:
        try:
            os.killpg(run.proc.pid, 15)
        except OSError:
            run.proc.terminate()
        try:
            run.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.proc.pid, 9)
            run.proc.wait(timeout=10)
    shutil.rmtree(run.sock_dir, ignore_errors=True)


_SKIP = ("select", "show", "set ", "use ", "select@@", "/*!", "commit", "rollback", "start transaction", "begin",
         "describe", "explain", "ping")


def statements(sb) -> list[dict]:
    """The statements the agent sent to its MySQL branches that may change something, in order."""
    import re

    out = []
    for name, info in (sb.meta.get("databases") or {}).items():
        if info.get("kind") != "mysql":
            continue
        try:
            with open(sb.sub(f"mysql-{name}", "statements.log"), encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for m in re.finditer(r"^\s*(?:\d{6}\s+[\d:]+\s+)?\d+\s+Query\t(.*?)(?=^\s*(?:\d{6}\s+[\d:]+\s+)?\d+\s+\w+|\Z)",
                             text, re.M | re.S):
            q = m.group(1).strip()
            if q and not q.lower().startswith(_SKIP):
                out.append({"database": name, "statement": q[:2000]})
    return out


def replay(sb, numbers: list[int], env) -> list[dict]:
    """Run the MySQL statements ``numbers`` (1-based, in order) on the real databases through the same policy
    as any statement: each judged as the statement it is, against the real database's URL.

    * allowed: run (a destructive one — the policy lets it through — after a verified snapshot);
    * asked (or a ``deny`` the policy lets a human approve): an approval request is filed, exactly as the
      PostgreSQL gateway files one (``approvals.hook.handle``: bound to the statement and its previewed impact);
      once a human has approved it (``interlock approve ID``) the same promotion runs it — after a verified
      snapshot of the database (``interlock restore ID`` undoes it); no snapshot, no run;
    * denied: not run, with the reason.
    """
    import types

    import pymysql

    from .. import policy as P
    from ..actions import ALLOW, SQL, Action
    from ..approvals import hook
    from ..engine import Context, evaluate
    from ..redact import redact
    from ..safeguards.connect import from_url

    stmts = statements(sb)
    for n in numbers:
        if not 1 <= n <= len(stmts):
            raise SandboxError(f"no MySQL statement #{n} (the sandbox holds {len(stmts)})")
    pol = P.load(None, env)
    dbs = declared(pol)
    out = []
    for n in sorted(numbers):
        s = stmts[n - 1]
        sec = dbs.get(s["database"])
        if sec is None:
            out.append({"number": n, "ok": False, "error": f"[databases.{s['database']}] is no longer in the policy"})
            continue
        shown = from_url(sec["url"]).copy(password=None)
        url = f"mysql://{shown.user + '@' if shown.user else ''}{shown.host or '127.0.0.1'}:{shown.port or 3306}/" \
              f"{shown.database}"
        action = Action(SQL, {"statement": s["statement"], "dialect": "mysql", "url": url,
                              "via": "interlock sandbox promote"}, agent="sandbox", cwd=sb.workspace,
                        workspace=sb.workspace, tool="sandbox promote")
        ctx = Context(sb.workspace, env=env)
        try:
            d = evaluate(action, ctx)
            raw = d.decision
            if d.decision == ALLOW:
                d = hook._guarded(d, action, d, ctx)  # destructive yet allowed: a snapshot first all the same
            else:  # the approvals' own flow: a request filed, or a human's approval redeemed (snapshot first)
                d = hook.handle(AGENT, types.SimpleNamespace(action=action, name="sql"), d, ctx, env,
                                started=time.monotonic(), wait_seconds=0)
        except Exception as e:  # noqa: BLE001 - fail closed
            out.append({"number": n, "ok": False, "error": f"could not be judged ({type(e).__name__}: "
                                                          f"{redact(str(e))[:200]})"})
            continue
        ap = d.approval or {}
        if d.decision != ALLOW:
            r = {"number": n, "ok": False, "decision": raw, "rules": d.rules,
                 "statement": s["statement"][:500]}
            why = "; ".join(redact(x) for x in d.reasons[:2] if not x.startswith("approval "))
            if ap.get("snapshot_error"):
                r["error"] = (f"approved, but the snapshot before it failed: not run "
                              f"({redact(ap['snapshot_error'])[:300]})")
            elif ap.get("id") and ap.get("state") in ("pending", "approved"):
                r["approval"] = ap["id"]
                r["error"] = (f"approval {ap['id']} filed — once a human approves it (interlock approve {ap['id']}), "
                              f"promote it again: it runs after a snapshot. Interlock would {raw} it: {why[:600]}")
            else:
                r["error"] = f"Interlock would {raw} it: {why[:600]}"
            out.append(r)
            continue
        try:
            conn = _conn(s["database"], sec, pol, env)
            c = pymysql.connect(**dict(conn.mysql_kwargs(timeout=10), autocommit=True))
            try:
                with c.cursor() as cur:
                    rows = cur.execute(s["statement"])
            finally:
                c.close()
            r = {"number": n, "ok": True, "rows": rows, "statement": s["statement"][:500]}
            if ap.get("id"):
                r["approval"] = ap["id"]
            if ap.get("snapshot"):
                r["snapshot"] = ap["snapshot"]
            out.append(r)
        except Exception as e:  # noqa: BLE001
            out.append({"number": n, "ok": False, "error": redact(f"{type(e).__name__}: {e}")[:300],
                        **({"snapshot": ap["snapshot"]} if ap.get("snapshot") else {})})
    return out
