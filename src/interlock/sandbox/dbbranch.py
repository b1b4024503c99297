"""Database branches for a sandbox.

PostgreSQL: each ``[gateways.postgres.NAME]`` the policy declares gets a branch on the same server —
``CREATE DATABASE "<db>__sbx_<id>" TEMPLATE "<db>"`` (a file-level copy: seconds for a large
database), or, when the template has other sessions (PostgreSQL refuses to copy a database in use),
``pg_dump -Fc | pg_restore`` into a new database.  The sandbox's PostgreSQL gateway logs in to the
branch while the agent still names the original database, judges every statement with the same
policy, runs on the branch what acts only inside it (``rehearsable.toml``) and records every
statement in order (``sql.jsonl``).  ``discard`` drops the branches.

SQLite: a database file inside the workspace is part of the overlay (or the copy): the agent writes
its own copy, the change set shows the file, and ``promote`` replaces it only if the real one did not
change meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time

from .store import SandboxError

_RULES = None


def rehearsable_rules() -> frozenset:
    global _RULES
    if _RULES is None:
        import tomllib

        with open(os.path.join(os.path.dirname(__file__), "rehearsable.toml"), "rb") as f:
            _RULES = frozenset(r["rule"] for r in tomllib.load(f)["rehearsable"])
    return _RULES


class Rehearsal:
    """In the PostgreSQL gateway of a sandbox: which refused statements run on the branch; the log."""

    def __init__(self, log_path: str | None, branch: str, upstream: str | None = None):
        self.log_path, self.branch, self.upstream = log_path, branch, upstream
        self.rules = rehearsable_rules()
        self.lock = threading.Lock()

    def judge(self, text: str, d):
        from ..actions import ALLOW, CATASTROPHIC, CREDENTIAL, DENY, DESTRUCTIVE, OPAQUE, Decision
        from ..redact import redact

        rehearsed = False
        if d.decision != ALLOW and not d.error:
            risky = [f for f in d.findings if f.severity in (DESTRUCTIVE, CATASTROPHIC, OPAQUE, CREDENTIAL)]
            if risky and all(f.rule in self.rules for f in risky):
                d = Decision(ALLOW, d.severity, d.findings,
                             [f"rehearsed on the sandbox's branch {self.branch} (nothing real is at stake); "
                              f"recorded for the change set"] + list(d.reasons))
                rehearsed = True
            else:  # it could reach beyond the branch (or cannot be seen into): refused during a rehearsal
                d = Decision(DENY, d.severity, d.findings,
                             [f"refused in the sandbox: on the branch {self.branch} only statements that act inside "
                              f"it run; this one could reach beyond it (it was {d.decision} outside)"]
                             + list(d.reasons))
        if self.log_path:
            rec = {"ts": time.time(), "database": self.upstream, "statement": redact(text)[:20000], "decision": d.decision,
                   "severity": d.severity, "rules": d.rules, "rehearsed": rehearsed}
            with self.lock:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec) + "\n")
        return d


def branch_name(database: str, sid: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
    return f"{base}__sbx_{sid.rsplit('-', 1)[-1]}"


def _connect(up, database, timeout=10):
    try:
        import psycopg
    except ImportError:
        raise SandboxError("PostgreSQL branches need psycopg: pip install 'interlock[databases]'") from None
    kw = {"host": up.socket or up.host, "port": up.port, "user": up.user, "dbname": database,
          "connect_timeout": timeout, "autocommit": True}
    if up.password:
        kw["password"] = up.password
    return psycopg.connect(**kw)


def create_pg(sb, name: str, policy, env, max_mb: float | None = None, sample: int | None = None) -> dict:
    """Branch the database of ``[databases.NAME]``; recorded in the sandbox's metadata.  A database larger
    than ``max_mb`` is not branched (the sandbox then does not start) — unless ``sample`` rows per table
    are copied instead (a *sample*, not the database: the branch itself must then fit in ``max_mb``)."""
    from psycopg import errors, sql

    from ..gateways.pgwire import Upstream

    up = Upstream.from_policy(name, policy, env)
    branch = branch_name(up.database, sb.id)
    t0 = time.monotonic()
    method = "template" if sample is None else "sample"
    with _connect(up, "postgres") as con:
        size = con.execute("SELECT pg_database_size(%s)", (up.database,)).fetchone()[0]
        if sample is None and max_mb is not None and size > max_mb * 1e6:
            raise SandboxError(f"database {name} is {size / 1e6:,.0f} MB, over the branch limit of {max_mb:,.0f} MB "
                               f"(--max-branch-mb): not branched, the sandbox was not started (--sample ROWS "
                               f"branches a sample of each table instead)")
        if sample is not None:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(branch)))
        else:
            try:
                con.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(branch),
                                                                           sql.Identifier(up.database)))
            except errors.ObjectInUse:
                method = "dump"
                con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(branch)))
    role = branch  # the branch's own login: a role that can do nothing beyond it
    info = {"kind": "postgres", "upstream": name, "source": up.database, "branch": branch, "method": method,
            "server": up.where, "role": role, "role_vault": f"sandbox-{sb.id}", "bytes": size}
    sb.meta.setdefault("databases", {})[name] = info
    sb.save()
    if method == "dump":
        _dump_restore(up, branch, env)
    elif method == "sample":
        info.update(_sample(up, branch, env, sample))
        with _connect(up, "postgres") as con:
            bsize = con.execute("SELECT pg_database_size(%s)", (branch,)).fetchone()[0]
        info["branch_bytes"] = bsize
        sb.save()
        if max_mb is not None and bsize > max_mb * 1e6:
            raise SandboxError(f"the sample of database {name} is {bsize / 1e6:,.0f} MB, over the branch limit of "
                               f"{max_mb:,.0f} MB (--max-branch-mb): the sandbox was not started")
    _restricted_owner(up, branch, role, info["role_vault"], env)
    info["seconds"] = round(time.monotonic() - t0, 3)
    sb.save()
    return info


def _restricted_owner(up, branch, role, vault_name, env):
    """The agent reaches its branch as a role of its own — no superuser, no CREATEDB/CREATEROLE/REPLICATION,
    owner of the branch and of every object in it — so the database itself refuses what would reach beyond
    the branch: other databases (ALTER/DROP DATABASE), roles, server files (COPY TO a file, pg_read_file),
    extensions that open connections (dblink, postgres_fdw), other sessions.  Its password is random and
    kept in the vault, never on a command line."""
    import secrets as _secrets

    from psycopg import sql

    from ..vault import Vault

    pw = _secrets.token_urlsafe(24)
    Vault(env).add(vault_name, pw, source="interlock sandbox")
    with _connect(up, "postgres") as con:
        con.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                            "PASSWORD {}").format(sql.Identifier(role), sql.Literal(pw)))
        con.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(branch), sql.Identifier(role)))
    with _connect(up, branch) as b:
        user_ns = ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                   "AND n.nspname NOT LIKE 'pg_temp%'")
        objs = [("SCHEMA", sql.Identifier(ns)) for (ns,) in b.execute(
            f"SELECT n.nspname FROM pg_namespace n WHERE {user_ns}").fetchall()]
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                 "S": "SEQUENCE"}
        for ns, rel, kind in b.execute(
                f"SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                f"WHERE {user_ns} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') "
                f"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'e', 'i')) "
                f"ORDER BY c.relkind = 'S'").fetchall():
            objs.append((kinds[kind], sql.Identifier(ns, rel)))
        for ns, fn, args in b.execute(
                f"SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
                f"JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {user_ns} AND NOT EXISTS "
                f"(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')").fetchall():
            objs.append(("ROUTINE", sql.SQL("{}({})").format(sql.Identifier(ns, fn), sql.SQL(args))))
        for kind, ident in objs:
            try:
                b.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), ident, sql.Identifier(role)))
            except Exception:  # noqa: BLE001 - an object the role cannot own (an extension's): it stays as it is
                continue


def _pg_tool(name):
    import shutil

    found = shutil.which(name)
    if found:
        return found
    import glob

    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if cands:
        return cands[-1]
    raise SandboxError(f"{name} is not installed: the database is in use, so its branch needs pg_dump/pg_restore")


def _dump_restore(up, branch, env):
    penv = {k: v for k, v in env.items() if not k.startswith("PG")}
    if up.password:
        penv["PGPASSWORD"] = up.password
    common = ["-h", up.socket or up.host, "-p", str(up.port), "-U", up.user]
    dump = subprocess.Popen([_pg_tool("pg_dump"), *common, "-Fc", "-d", up.database], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=penv)
    rest = subprocess.run([_pg_tool("pg_restore"), *common, "--no-owner", "-d", branch], stdin=dump.stdout,
                          capture_output=True, env=penv)
    dump.stdout.close()
    dump.wait()
    if dump.returncode != 0 or rest.returncode != 0:
        from ..redact import redact

        raise SandboxError("copying the database into its branch failed: "
                           + redact((dump.stderr.read() or b"").decode(errors="replace")
                                    + rest.stderr.decode(errors="replace"))[:400])


def _sample(up, branch, env, rows: int) -> dict:
    """A sample of the database into ``branch``: its schema (pg_dump's pre-data), the first ``rows`` rows of
    each table (``COPY (SELECT … LIMIT rows)``), then indexes and constraints (post-data).  A foreign key
    whose referenced rows are not in the sample cannot be created: it is left out and listed."""
    from psycopg import sql

    from ..redact import redact

    penv = {k: v for k, v in env.items() if not k.startswith("PG")}
    if up.password:
        penv["PGPASSWORD"] = up.password
    common = ["-h", up.socket or up.host, "-p", str(up.port), "-U", up.user]

    def section(name, strict):
        dump = subprocess.run([_pg_tool("pg_dump"), *common, "-Fc", f"--section={name}", "-d", up.database],
                              capture_output=True, env=penv, timeout=600)
        if dump.returncode != 0:
            raise SandboxError("pg_dump of the schema failed: " + redact(dump.stderr.decode(errors="replace"))[:300])
        rest = subprocess.run([_pg_tool("pg_restore"), *common, "--no-owner", "-d", branch]
                              + (["--exit-on-error"] if strict else []), input=dump.stdout, capture_output=True,
                              env=penv, timeout=600)
        if strict and rest.returncode != 0:
            raise SandboxError("restoring the schema into the sample failed: "
                               + redact(rest.stderr.decode(errors="replace"))[:300])
        return rest.stderr.decode(errors="replace")

    section("pre-data", True)
    tables = {}
    q = ("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', "
         "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2")
    with _connect(up, up.database) as src, _connect(up, branch) as dst:
        src.execute("SET default_transaction_read_only = on")
        for ns, rel in src.execute(q).fetchall():
            t = sql.SQL("{}.{}").format(sql.Identifier(ns), sql.Identifier(rel))
            n = 0
            with src.cursor().copy(sql.SQL("COPY (SELECT * FROM {} LIMIT {}) TO STDOUT").format(
                    t, sql.Literal(int(rows)))) as out, dst.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(t)) as inn:
                for chunk in out:
                    inn.write(chunk)
                    n += bytes(chunk).count(b"\n")
            tables[f"{ns}.{rel}"] = n
        # sequences continue after the sampled ids, as on the real database
        for (ns, seq, last) in src.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences "
                                           "WHERE last_value IS NOT NULL").fetchall():
            dst.execute(sql.SQL("SELECT setval({}, {})").format(sql.Literal(f'"{ns}"."{seq}"'), sql.Literal(last)))
    errs = section("post-data", False)
    left_out = sorted(set(re.findall(r'constraint "([^"]+)"', errs)))
    return {"sample_rows": int(rows), "sampled": tables, "left_out": left_out}


def drop_all(sb, env) -> list[str]:
    """Drop every branch the sandbox made; the names dropped."""
    dropped = []
    dbs = sb.meta.get("databases") or {}
    if not dbs:
        return dropped
    from psycopg import sql

    from .. import policy as P
    from ..gateways.pgwire import Upstream

    pol = P.load(None, env)
    for name, info in dbs.items():
        if info.get("kind") != "postgres":
            continue
        up = Upstream.from_policy(name, pol, env)
        if info["branch"] == up.database or "__sbx_" not in info["branch"]:
            raise SandboxError(f"refusing to drop {info['branch']!r}: not a sandbox branch")
        with _connect(up, "postgres") as con:
            con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(info["branch"])))
            if info.get("role"):
                con.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(info["role"])))
        if info.get("role_vault"):
            from ..vault import Vault

            Vault(env).remove(info["role_vault"])
        dropped.append(info["branch"])
    return dropped


def statements(sb) -> list[dict]:
    from .store import read_jsonl

    return read_jsonl(sb.sub("sql.jsonl"))


def effect(sb, env) -> list[dict]:
    """Per branch and table: rows in the real database and on the branch (dropped and new tables too)."""
    dbs = sb.meta.get("databases") or {}
    if not dbs:
        return []
    from psycopg import sql

    from .. import policy as P
    from ..gateways.pgwire import Upstream

    pol = P.load(None, env)
    out = []
    q = ("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
         "AND n.nspname NOT LIKE 'pg_toast%'")

    def counts(con):
        con.execute("SET statement_timeout = '20s'")
        res = {}
        for ns, rel in con.execute(q).fetchall():
            try:
                n = con.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(ns),
                                                                           sql.Identifier(rel))).fetchone()[0]
            except Exception:  # noqa: BLE001
                n = None
            res[f"{ns}.{rel}"] = n
        return res
    for name, info in dbs.items():
        if info.get("kind") != "postgres":
            continue
        up = Upstream.from_policy(name, pol, env)
        with _connect(up, info["source"]) as c1, _connect(up, info["branch"]) as c2:
            # a sampled branch is compared with the sample it started as, not with the whole real table
            real, br = (dict(info["sampled"]) if info.get("sampled") is not None else counts(c1)), counts(c2)
        for t in sorted(set(real) | set(br)):
            if real.get(t) != br.get(t) or (t in real) != (t in br):
                out.append({"database": name, "table": t, "real": real.get(t), "branch": br.get(t),
                            "state": "dropped" if t not in br else "created" if t not in real else "changed",
                            **({"baseline": "sample"} if info.get("sampled") is not None else {})})
    return out


def replay(sb, numbers: list[int], env) -> list[dict]:
    """Run the recorded statements ``numbers`` (in order) on the real databases, each through a normal
    PostgreSQL gateway: judged again, approvals and snapshots as for any statement, audited."""
    import socket

    from .. import policy as P
    from ..gateways import run as R
    from ..gateways.pgwire import Upstream

    stmts = statements(sb)
    pol = P.load(None, env)
    gws, out = {}, []
    try:
        for n in sorted(numbers):
            st = stmts[n - 1]
            name = st.get("database") or next(iter(sb.meta.get("databases") or {}), None)
            if name is None:
                raise SandboxError(f"SQL #{n}: which database it ran on is not recorded")
            if name not in gws:
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
                s.close()
                listen = f"127.0.0.1:{port}"
                g = R._start_listening("postgres", R._interlock_argv() + ["gateway", "postgres", "--listen", listen,
                                                                           "--upstream", name, "--cwd", sb.workspace],
                                       env, listen)
                up = Upstream.from_policy(name, pol, env)
                import psycopg

                con = psycopg.connect(host="127.0.0.1", port=port, user=up.gateway_user or up.user,
                                      dbname=up.database, autocommit=True, connect_timeout=10)
                gws[name] = (g, con)
            con = gws[name][1]
            try:
                cur = con.execute(st["statement"])
                out.append({"number": n, "database": name, "ok": True, "rows": cur.rowcount if cur.rowcount >= 0
                            else None})
            except Exception as e:  # noqa: BLE001 - the gateway's refusal, or the database's error
                from ..redact import redact

                out.append({"number": n, "database": name, "ok": False, "error": redact(str(e))[:600]})
    finally:
        for g, con in gws.values():
            try:
                con.close()
            except Exception:  # noqa: BLE001
                pass
            R._stop(g.proc)
    return out
