"""Database connections for previews and snapshots: where a target is and how to log in.

A ``Conn`` comes from the command (psql/mysql flags, a URL), the environment (``PG*``,
``DATABASE_URL``), or the policy (``[databases.NAME]``, optionally with separate preview
credentials).  Passwords live only in ``Conn.password``: every display goes through
``label`` (never the password) and every message through ``interlock.redact``.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from urllib.parse import parse_qs, unquote, urlsplit

POSTGRES, MYSQL, SQLITE = "postgres", "mysql", "sqlite"
_SCHEMES = {"postgres": POSTGRES, "postgresql": POSTGRES, "mysql": MYSQL, "mariadb": MYSQL, "sqlite": SQLITE}
_LOCAL = {"localhost", "127.0.0.1", "::1", ""}


class Conn:
    """How to reach one database.  ``file`` for SQLite; ``socket`` for a unix socket."""

    __slots__ = ("dialect", "host", "port", "user", "password", "database", "socket", "file", "source",
                 "search_path")

    def __init__(self, dialect, host=None, port=None, user=None, password=None, database=None, socket=None,
                 file=None, source="command", search_path=None):
        self.dialect = dialect
        self.host, self.port, self.user, self.password = host, port, user, password
        self.database, self.socket, self.file, self.source = database, socket, file, source
        self.search_path = search_path  # PostgreSQL: the session's, when not the login's default (the gateway)

    def pg_options(self) -> str | None:
        """``-c search_path=…`` for libpq's options (spaces and backslashes escaped), or None."""
        if self.search_path is None:
            return None
        v = self.search_path.replace("\\", "\\\\").replace(" ", "\\ ")
        return f"-c search_path={v}"

    def copy(self, **kw) -> "Conn":
        c = Conn(self.dialect)
        for k in self.__slots__:
            setattr(c, k, kw.get(k, getattr(self, k)))
        return c

    @property
    def label(self) -> str:
        """postgres://user@host:port/db (never the password)."""
        if self.dialect == SQLITE:
            return f"sqlite:{self.file}"
        where = self.host or (f"[{self.socket}]" if self.socket else "localhost")
        port = f":{self.port}" if self.port else ""
        user = f"{self.user}@" if self.user else ""
        return f"{self.dialect}://{user}{where}{port}/{self.database or ''}"

    def spec(self) -> dict:
        """What a snapshot manifest records to find the database again (no password)."""
        return {k: getattr(self, k) for k in ("dialect", "host", "port", "user", "database", "socket", "file")
                if getattr(self, k) is not None}

    @classmethod
    def from_spec(cls, d: dict, source="manifest") -> "Conn":
        return cls(d["dialect"], d.get("host"), d.get("port"), d.get("user"), None, d.get("database"),
                   d.get("socket"), d.get("file"), source)

    def pg_kwargs(self, timeout=5) -> dict:
        kw = {"dbname": self.database or "postgres", "connect_timeout": max(1, int(timeout))}
        if self.host or self.socket:
            kw["host"] = self.host or self.socket
        for k, v in (("port", self.port), ("user", self.user), ("password", self.password),
                     ("options", self.pg_options())):
            if v:
                kw[k] = v
        return kw

    def pg_env(self, base=None) -> dict:
        """Environment for pg_dump / pg_restore / psql: the password never goes on argv."""
        e = dict(base if base is not None else os.environ)
        for k in list(e):
            if k.startswith("PG") and k not in ("PGSSLMODE", "PGSSLROOTCERT"):
                del e[k]
        if self.host or self.socket:
            e["PGHOST"] = self.host or self.socket
        if self.port:
            e["PGPORT"] = str(self.port)
        if self.user:
            e["PGUSER"] = self.user
        if self.password:
            e["PGPASSWORD"] = self.password
        e["PGDATABASE"] = self.database or "postgres"
        e["PGCONNECT_TIMEOUT"] = "5"
        if self.pg_options():
            e["PGOPTIONS"] = self.pg_options()
        return e

    def mysql_kwargs(self, timeout=5) -> dict:
        kw = {"connect_timeout": max(1, int(timeout)), "autocommit": False, "charset": "utf8mb4"}
        if self.socket and not self.host:
            kw["unix_socket"] = self.socket
        else:
            kw["host"] = self.host or "127.0.0.1"
            kw["port"] = int(self.port or 3306)
        if self.user:
            kw["user"] = self.user
        if self.password:
            kw["password"] = self.password
        if self.database:
            kw["database"] = self.database
        return kw

    def mysql_defaults_file(self, directory) -> str:
        """A 0600 option file for mysqldump / mysql (keeps the password off argv)."""
        path = os.path.join(directory, ".interlock-my.cnf")
        lines = ["[client]"]
        if self.socket and not self.host:
            lines.append(f"socket={self.socket}")
        else:
            lines += [f"host={self.host or '127.0.0.1'}", f"port={int(self.port or 3306)}", "protocol=tcp"]
        if self.user:
            lines.append(f"user={self.user}")
        if self.password:
            lines.append(f'password="{self.password}"')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def __repr__(self):
        return f"Conn({self.label!r}, from {self.source})"


def from_url(url: str, source="command") -> Conn | None:
    """postgres://u:p@h:5432/db, mysql://..., sqlite:///path → Conn (None when not a database URL)."""
    try:
        u = urlsplit(url)
    except ValueError:
        return None
    scheme = u.scheme.split("+", 1)[0].lower()
    dialect = _SCHEMES.get(scheme)
    if dialect is None:
        return None
    if dialect == SQLITE:
        path = url.split(":", 1)[1]
        path = path[2:] if path.startswith("//") else path
        return Conn(SQLITE, file=path or None, source=source)
    q = {k: v[-1] for k, v in parse_qs(u.query).items()}
    try:
        port = u.port
    except ValueError:
        port = None
    host = unquote(u.hostname) if u.hostname else None
    c = Conn(dialect, host, port, unquote(u.username) if u.username else None,
             unquote(u.password) if u.password is not None else None,
             unquote(u.path.lstrip("/")) or None, source=source)
    if q.get("host"):
        if q["host"].startswith("/"):
            c.socket = q["host"]
            c.host = None if not host else host
        else:
            c.host = q["host"]
    if q.get("dbname") or q.get("database"):
        c.database = q.get("dbname") or q.get("database")
    if q.get("user"):
        c.user = q["user"]
    if q.get("password"):
        c.password = q["password"]
    if q.get("port", "").isdigit():
        c.port = int(q["port"])
    if q.get("unix_socket") or q.get("socket"):
        c.socket = q.get("unix_socket") or q.get("socket")
    return c


def _is_local(host):
    return (host or "").lower() in _LOCAL or (host or "").startswith("/")


def policy_sections(policy) -> dict:
    """``[databases.NAME]`` from every policy layer (project first, then user: the user's wins)."""
    out = {}
    for layer in (getattr(policy, "project", None), getattr(policy, "user", None)):
        if layer is None:
            continue
        out.update(getattr(layer, "databases", None) or {})
    return out


def _section_matches(sec: dict, conn: Conn) -> bool:
    pats = list(sec.get("match") or [])
    base = from_url(sec["url"], "policy") if sec.get("url") else None
    if base is not None and base.dialect == conn.dialect:
        if base.dialect == SQLITE:
            return bool(conn.file) and os.path.abspath(conn.file) == os.path.abspath(base.file or "")
        same_host = (base.host or "localhost") == (conn.host or "localhost") or (
            _is_local(base.host) and _is_local(conn.host))
        same_port = not conn.port or not base.port or int(conn.port) == int(base.port)
        if same_host and same_port and (conn.database or None) == (base.database or None):
            return True
    keys = [x for x in (f"{conn.host or 'localhost'}/{conn.database or ''}", conn.database or "", conn.file or "")
            if x]
    return any(fnmatchcase(k, p) for p in pats for k in keys)


def with_policy(conn: Conn, policy, env, purpose="snapshot") -> Conn:
    """Fill in credentials the policy holds for this database (``purpose="preview"`` prefers
    the section's preview credentials)."""
    for name, sec in policy_sections(policy).items():
        if not _section_matches(sec, conn):
            continue
        url = sec.get("preview_url") if purpose == "preview" and sec.get("preview_url") else sec.get("url")
        base = from_url(url, f"policy [databases.{name}]") if url else None
        out = conn.copy(source=f"policy [databases.{name}]")
        if base is not None:
            for k in ("host", "port", "user", "password", "database", "socket", "file"):
                v = getattr(base, k)
                if v is not None:
                    setattr(out, k, v)
        pw_env = sec.get("preview_password_env") if purpose == "preview" and sec.get("preview_password_env") \
            else sec.get("password_env")
        if pw_env and env.get(pw_env):
            out.password = env[pw_env]
        elif sec.get("password_vault") and not (purpose == "preview" and sec.get("preview_url")):
            try:  # the gateway's upstream credentials: in the vault, never in the agent's environment
                from ..vault import Vault

                out.password = Vault(env).get(sec["password_vault"]) or out.password
            except Exception:  # noqa: BLE001 - a missing vault leaves the password unset (the login says so)
                pass
        return out
    return conn


def section_for(conn: Conn, policy) -> dict:
    for sec in policy_sections(policy).values():
        if _section_matches(sec, conn):
            return sec
    return {}


def from_environment(env, dialect=None) -> Conn | None:
    """``DATABASE_URL`` (any dialect), else ``PG*`` variables for PostgreSQL."""
    url = env.get("DATABASE_URL")
    if url:
        c = from_url(url, "environment DATABASE_URL")
        if c is not None and (dialect is None or c.dialect == dialect):
            return c
    if dialect in (None, POSTGRES) and (env.get("PGHOST") or env.get("PGDATABASE")):
        return Conn(POSTGRES, env.get("PGHOST"), env.get("PGPORT"), env.get("PGUSER"), env.get("PGPASSWORD"),
                    env.get("PGDATABASE"), source="environment PG*")
    return None
