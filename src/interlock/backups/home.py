"""The backup home: a directory owned by a separate OS user (``interlock-backup``).

::

    HOME/                 0711  owner: the backup user (others may only traverse)
      config/             0700  jobs/<name>.json (no secrets), jobs/<name>.secret.json (0600)
      keys/               0700  backup.key (0400): the encryption key
      store/<job>/<id>/   0700  payload.enc + manifest.json, both 0400 once written
      pitr/<job>/         0700  wal/ (pg_receivewal), base/<id>/ (pg_basebackup)
      tmp/                0700  plaintext only while a dump is encrypted or a restore runs
      public/             0755  status/<job>.json (0644): what `status` and `doctor` show anyone

The agent's OS user owns none of it: it can neither delete, overwrite nor read a
backup or the key (the kernel enforces it, not Interlock).  Only root and the backup
user can; commands that read the store drop to the backup user when run as root.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import time

DEFAULT_HOME = "/var/lib/interlock-backup"
DEFAULT_OWNER = "interlock-backup"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class BackupError(Exception):
    """A backup, verify or restore failed; the message says why (never a secret)."""


def home_dir(env=os.environ, explicit=None) -> str:
    return os.path.abspath(explicit or env.get("INTERLOCK_BACKUP_HOME") or DEFAULT_HOME)


def resolve_owner(owner: str) -> tuple[int, int, str]:
    """A user name or a numeric uid (``uid`` or ``uid:gid``) → (uid, gid, label)."""
    if re.fullmatch(r"\d+(:\d+)?", owner or ""):
        uid, _, gid = owner.partition(":")
        return int(uid), int(gid or uid), owner
    try:
        pw = pwd.getpwnam(owner)
    except KeyError:
        raise BackupError(f"no OS user {owner!r}") from None
    return pw.pw_uid, pw.pw_gid, owner


def create_user(name: str, home: str):
    import subprocess

    p = subprocess.run(["useradd", "--system", "--home-dir", home, "--no-create-home", "--shell",
                        "/usr/sbin/nologin", "--user-group", name], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise BackupError(f"could not create the OS user {name}: {p.stderr.strip()[:200]}")


class Home:
    def __init__(self, path: str):
        self.path = path

    # --- layout ---------------------------------------------------------------------------
    def p(self, *parts) -> str:
        return os.path.join(self.path, *parts)

    def job_dir(self, job):
        return self.p("store", job)

    def owner(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise BackupError(f"no backup home at {self.path}: run `sudo interlock backups add DB` first") from None
        return st.st_uid, st.st_gid

    def create(self, uid: int, gid: int):
        """Create (or repair) the layout, owned by uid:gid.  Run as root."""
        for d, mode in ((".", 0o711), ("config", 0o700), ("config/jobs", 0o700), ("keys", 0o700), ("store", 0o700),
                        ("pitr", 0o700), ("tmp", 0o700), ("public", 0o755), ("public/status", 0o755)):
            full = os.path.normpath(self.p(d))
            os.makedirs(full, exist_ok=True)
            os.chown(full, uid, gid)
            os.chmod(full, mode)
        key = self.p("keys", "backup.key")
        if not os.path.exists(key):
            from .crypto import new_key

            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "wb") as f:
                f.write(new_key())
            os.chown(key, uid, gid)

    def key(self) -> bytes:
        try:
            with open(self.p("keys", "backup.key"), "rb") as f:
                k = f.read()
        except PermissionError:
            raise BackupError("the backup key is not readable by this user: run as root or the backup user") \
                from None
        except OSError as e:
            raise BackupError(f"the backup key is missing: {e.strerror}") from None
        if len(k) != 32:
            raise BackupError("the backup key is damaged (not 32 bytes)")
        return k

    # --- privileges -------------------------------------------------------------------------
    def become_owner(self):
        """Run the rest of this process as the backup user (from root); refuse anyone else."""
        uid, gid = self.owner()
        me = os.geteuid()
        if me == uid:
            return
        if me != 0:
            raise BackupError(f"the backups in {self.path} belong to uid {uid}: run this as root (sudo) or as the "
                              f"backup user — the agent's user cannot reach them, by design")
        warm_imports()
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        os.environ["HOME"] = self.path
        os.umask(0o077)

    def owner_prefix(self) -> list[str]:
        """argv prefix that runs a program as the backup user (empty when we are it)."""
        uid, gid = self.owner()
        if os.geteuid() == uid:
            return []
        if os.geteuid() != 0:
            raise BackupError("only root or the backup user can run this")
        return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]

    # --- jobs ------------------------------------------------------------------------------------
    def jobs(self) -> dict:
        out = {}
        d = self.p("config", "jobs")
        try:
            names = sorted(os.listdir(d))
        except PermissionError:
            raise BackupError(f"{d} is not readable by this user: run as root (sudo) or the backup user") from None
        except FileNotFoundError:
            return {}
        for n in names:
            if n.endswith(".json") and not n.endswith(".secret.json"):
                j = read_json(os.path.join(d, n))
                if j and j.get("name"):
                    out[j["name"]] = j
        return out

    def job(self, name) -> dict:
        j = self.jobs().get(name)
        if j is None:
            raise BackupError(f"no backup job {name!r} in {self.path} (interlock backups add {name})")
        return j

    def secret(self, name) -> dict:
        return read_json(self.p("config", "jobs", f"{name}.secret.json")) or {}

    def write_job(self, job: dict, secret: dict, uid: int, gid: int):
        d = self.p("config", "jobs")
        write_json(os.path.join(d, f"{job['name']}.json"), job, 0o600, uid, gid)
        write_json(os.path.join(d, f"{job['name']}.secret.json"), secret, 0o600, uid, gid)

    # --- status (public) ---------------------------------------------------------------------------
    def status(self, name) -> dict:
        return read_json(self.p("public", "status", f"{name}.json")) or {}

    def all_status(self) -> dict:
        d = self.p("public", "status")
        out = {}
        try:
            names = sorted(os.listdir(d))
        except OSError:
            return {}
        for n in names:
            if n.endswith(".json"):
                s = read_json(os.path.join(d, n))
                if s:
                    out[n[:-5]] = s
        return out

    def update_status(self, name, **fields) -> dict:
        s = self.status(name)
        s.update(fields)
        s["updated"] = time.time()
        uid, gid = self.owner() if os.geteuid() == 0 else (None, None)
        write_json(self.p("public", "status", f"{name}.json"), s, 0o644, uid, gid)
        return s


_WARM = ("dataclasses", "json", "hashlib", "zlib", "struct", "tempfile", "shutil", "subprocess", "socket", "ssl",
         "selectors", "signal", "threading", "decimal", "datetime", "uuid", "base64", "ipaddress", "zoneinfo",
         "sqlite3", "http.client", "urllib.request", "urllib.parse", "urllib.error", "email.message",
         "email.parser", "email.utils", "logging", "concurrent.futures", "queue", "codecs", "encodings.idna",
         "encodings.utf_8", "encodings.latin_1", "encodings.ascii", "textwrap", "copy", "fnmatch", "platform",
         "getpass", "pwd", "grp", "weakref", "contextlib", "functools", "io", "glob", "asyncio", "tarfile",
         "gzip", "psycopg", "psycopg.pq", "psycopg.types", "pymysql", "nacl.bindings", "pydantic",
         "interlock.safeguards.dbsnap", "interlock.safeguards.store", "interlock.safeguards.preview_sql",
         "interlock.approvals.notify", "interlock.backups.engine", "interlock.backups.runner",
         "interlock.backups.pitr", "interlock.backups.s3", "boto3", "botocore.client", "botocore.config",
         "botocore.httpchecksum", "s3transfer.manager")


def warm_imports():
    """Import what a runner needs before dropping to the backup user: the interpreter's own
    files may live where that user cannot read (a pyenv under /root, for one)."""
    import importlib

    for name in _WARM:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional part (boto3, PyNaCl) may be absent
            pass
    try:  # boto3 loads its models lazily: build one client while files are readable
        import boto3

        boto3.session.Session().client("s3", region_name="us-east-1", aws_access_key_id="x",
                                       aws_secret_access_key="x")
    except Exception:  # noqa: BLE001
        pass


def write_json(path, obj, mode=0o600, uid=None, gid=None):
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True, default=str)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    if uid is not None and os.geteuid() == 0:
        os.chown(tmp, uid, gid)
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
