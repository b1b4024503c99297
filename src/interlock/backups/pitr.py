"""PostgreSQL point-in-time recovery: WAL streamed by ``pg_receivewal`` (through a
replication slot, so the server keeps WAL the runner has not received yet) and base
backups by ``pg_basebackup``, both run by the backup user into its own store.

A restore to a time T never touches the production server until the very end: the
newest base backup taken before T is unpacked into a private directory, a throwaway
PostgreSQL (the backup user's, on a unix socket in that directory, ``hot_standby =
off``) replays the archived WAL up to T and promotes, the database is dumped from it
and restored into the target with the same all-or-nothing swap as every other restore.

Base backups are encrypted like logical ones; the WAL archive is kept as PostgreSQL
writes it (in the backup user's 0700 directory).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from ..redact import redact
from ..safeguards import connect as C
from ..safeguards import dbsnap
from . import crypto
from .home import BackupError, Home, read_json, write_json

_RECEIVERS: dict[str, subprocess.Popen] = {}


def pg_bin(name, major=None) -> str:
    if major:
        p = f"/usr/lib/postgresql/{major}/bin/{name}"
        if os.path.exists(p):
            return p
    found = shutil.which(name)
    if found:
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4])
                   if p.split("/")[4].isdigit() else 0)
    if cands:
        return cands[-1]
    raise BackupError(f"{name} is not installed: point-in-time recovery needs the PostgreSQL server binaries")


def slot_name(job) -> str:
    return re.sub(r"[^a-z0-9_]", "_", f"interlock_{job['name'].lower()}")[:63]


def _conn(job, secret):
    from .engine import job_conn

    return job_conn(job, secret)


def check(conn) -> str:
    import psycopg

    try:
        with psycopg.connect(**conn.pg_kwargs(timeout=10), autocommit=True) as c:
            wal_level = c.execute("SHOW wal_level").fetchone()[0]
            rep = c.execute("SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"
                            ).fetchone()[0]
            senders = int(c.execute("SHOW max_wal_senders").fetchone()[0])
            major = c.info.server_version // 10000
    except Exception as e:
        raise BackupError(f"cannot connect to {redact(conn.label)}: {dbsnap._explain(str(e))}") from None
    problems = []
    if wal_level not in ("replica", "logical"):
        problems.append(f"wal_level is {wal_level} (needs replica: ALTER SYSTEM SET wal_level = replica; restart)")
    if not rep:
        problems.append(f"{conn.user or 'the user'} may not replicate (ALTER ROLE ... REPLICATION)")
    if senders < 2:
        problems.append("max_wal_senders < 2")
    if problems:
        raise BackupError("point-in-time recovery is not possible yet: " + "; ".join(problems))
    for b in ("pg_receivewal", "pg_basebackup", "postgres", "pg_ctl"):
        pg_bin(b, major)
    return f"WAL streamed by pg_receivewal (slot interlock_*), base backups by pg_basebackup; PostgreSQL {major}"


def _dirs(home, job):
    base = home.p("pitr", job["name"])
    wal, bases = os.path.join(base, "wal"), os.path.join(base, "base")
    for d in (base, wal, bases):
        os.makedirs(d, mode=0o700, exist_ok=True)
    return wal, bases


def _env(conn):
    e = conn.pg_env()
    e["PGAPPNAME"] = "interlock-backups"
    return e


def _conn_args(conn):
    return ["--no-password"]  # host, port, user, password travel in the environment


def create_slot(conn, slot):
    """A physical slot that reserves WAL from now on (pg_receivewal --create-slot would not
    until its first use: a checkpoint before then recycles WAL the archive never got)."""
    import psycopg

    try:
        with psycopg.connect(**conn.pg_kwargs(timeout=10), autocommit=True) as c:
            if c.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone() is None:
                c.execute("SELECT pg_create_physical_replication_slot(%s, true)", (slot,))
    except Exception as e:
        raise BackupError(f"cannot create the replication slot {slot}: {dbsnap._explain(str(e))}") from None


def ensure_receiver(home, job, secret, major=None) -> str | None:
    name = job["name"]
    p = _RECEIVERS.get(name)
    if p is not None and p.poll() is None:
        return None
    conn = _conn(job, secret)
    wal, _ = _dirs(home, job)
    recv = pg_bin("pg_receivewal", major)
    slot = slot_name(job)
    create_slot(conn, slot)
    log = open(os.path.join(home.p("pitr", name), "receivewal.log"), "ab")
    _RECEIVERS[name] = subprocess.Popen([recv, "-D", wal, "--slot", slot, "--synchronous", "-n", *_conn_args(conn)],
                                        env=_env(conn), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    return "pg_receivewal " + ("restarted" if p is not None else "started")


def stop_all():
    for name, p in list(_RECEIVERS.items()):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        _RECEIVERS.pop(name, None)


def list_bases(home, job) -> list[dict]:
    _, bases = _dirs(home, job)
    out = []
    for n in os.listdir(bases):
        m = read_json(os.path.join(bases, n, "manifest.json"))
        if m:
            m["path"] = os.path.join(bases, n)
            out.append(m)
    return sorted(out, key=lambda m: m["created"])


def base_backup(home: Home, job, secret) -> dict:
    conn = _conn(job, secret)
    import psycopg

    with psycopg.connect(**conn.pg_kwargs(timeout=10), autocommit=True) as c:
        major = c.info.server_version // 10000
        version = c.info.server_version
    _, bases = _dirs(home, job)
    bid = f"{job['name']}-base-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    tmp = tempfile.mkdtemp(prefix="base-", dir=home.p("tmp"))
    out = os.path.join(bases, bid)
    try:
        started = time.time()
        dbsnap._run([pg_bin("pg_basebackup", major), "-D", os.path.join(tmp, "b"), "-Ft", "-z", "-X", "stream",
                     "-c", "fast", *_conn_args(conn)], _env(conn), float(job.get("timeout_s") or 3600),
                    "pg_basebackup", BackupError)
        os.makedirs(out + ".partial", mode=0o700)
        files = {}
        for n in sorted(os.listdir(os.path.join(tmp, "b"))):
            r = crypto.encrypt_file(os.path.join(tmp, "b", n), os.path.join(out + ".partial", n + ".enc"), home.key())
            files[n] = r["sha256"]
        m = {"id": bid, "job": job["name"], "started": started, "created": time.time(), "server_version": version,
             "major": major, "files": files, "key_id": crypto.key_id(home.key())}
        write_json(os.path.join(out + ".partial", "manifest.json"), m, 0o400)
        os.rename(out + ".partial", out)
    except (BackupError, crypto.CryptoError, OSError) as e:
        shutil.rmtree(out + ".partial", ignore_errors=True)
        raise BackupError(f"base backup failed: {redact(str(e))}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # WAL older than the oldest kept base backup is no longer needed; keep two base backups
    olds = list_bases(home, job)[:-2]
    for o in olds:
        shutil.rmtree(o["path"], ignore_errors=True)
    return m


_SEGMENT = re.compile(r"^[0-9A-F]{24}$|^[0-9A-F]{8}\.history$")


def s3_sync(home: Home, job, secret) -> list[str]:
    """Copy base backups and completed WAL segments (encrypted) to the bucket under lock, so a
    point in time survives losing this machine; switch WAL segments at most every
    ``wal_switch_s`` (5 min) so a quiet server's WAL does not wait for 16 MB."""
    if not job.get("s3"):
        return []
    from . import s3

    state_path = home.p("pitr", job["name"], "s3-sent.json")
    sent = read_json(state_path) or {"bases": [], "wal": [], "switched": 0}
    wal, _ = _dirs(home, job)
    name = job["name"]
    n_base = n_wal = 0
    for b in list_bases(home, job):
        if b["id"] in sent["bases"]:
            continue
        for f in sorted(os.listdir(b["path"])):
            s3.put_locked(job["s3"], secret, f"{name}/pitr/base/{b['id']}/{f}", os.path.join(b["path"], f))
        sent["bases"].append(b["id"])
        n_base += 1
    for seg in sorted(os.listdir(wal)):
        if not _SEGMENT.match(seg) or seg in sent["wal"]:
            continue
        tmp = os.path.join(home.p("tmp"), f"wal-{seg}-{os.getpid()}.enc")
        try:
            crypto.encrypt_file(os.path.join(wal, seg), tmp, home.key(), compress=True)
            s3.put_locked(job["s3"], secret, f"{name}/pitr/wal/{seg}.enc", tmp)
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        sent["wal"].append(seg)
        n_wal += 1
    partial = [p for p in glob.glob(os.path.join(wal, "*.partial"))]
    every = float((job.get("pitr") or {}).get("wal_switch_s") or 300)
    if partial and time.time() - float(sent.get("switched") or 0) >= every:
        try:  # needs superuser or GRANT EXECUTE ON FUNCTION pg_switch_wal() TO the backup's user
            import psycopg

            with psycopg.connect(**_conn(job, secret).pg_kwargs(timeout=10), autocommit=True) as c:
                c.execute("SELECT pg_switch_wal()")
        except Exception:  # noqa: BLE001 - the segment then reaches the bucket when it fills
            pass
        sent["switched"] = time.time()
    write_json(state_path, sent, 0o600)
    return [f"copied {n_base} base backup(s) and {n_wal} WAL segment(s) to {job['s3']['url']}"] if n_base or n_wal \
        else []


def tick(home: Home, job, secret) -> list[str]:
    events = []
    e = ensure_receiver(home, job, secret)
    if e:
        events.append(e)
    bases = list_bases(home, job)
    every = float((job.get("pitr") or {}).get("base_every_s") or 86400)
    if not bases or time.time() - bases[-1]["created"] >= every:
        m = base_backup(home, job, secret)
        events.append(f"base backup {m['id']}")
        bases = list_bases(home, job)
    events += s3_sync(home, job, secret)
    wal, _ = _dirs(home, job)
    walfiles = [os.path.join(wal, n) for n in os.listdir(wal)]
    wal_at = max((os.path.getmtime(p) for p in walfiles), default=None)
    p = _RECEIVERS.get(job["name"])
    home.update_status(job["name"], pitr_state={"receiving": p is not None and p.poll() is None, "wal_at": wal_at,
                                                "base_at": bases[-1]["created"] if bases else None,
                                                "bases": len(bases)})
    return events


def _epoch(when: str, conn) -> float:
    import datetime as dt

    try:
        d = dt.datetime.fromisoformat(when.strip())
        if d.tzinfo is None:
            d = d.astimezone()
        return d.timestamp()
    except ValueError:
        pass
    try:
        import psycopg

        with psycopg.connect(**conn.copy(database="postgres").pg_kwargs(timeout=5), autocommit=True) as c:
            return float(c.execute("SELECT extract(epoch FROM %s::timestamptz)", (when,)).fetchone()[0])
    except Exception:
        raise BackupError(f"cannot read the time {when!r} (e.g. '2026-12-07 10:15:00+00:00')") from None


def _remote_archive(home, job, secret, work, t_epoch):
    """From the bucket: the base backups' manifests, the newest base before T, every WAL
    segment (decrypted into a private archive).  Returns (bases, wal_dir)."""
    from . import s3

    rem = os.path.join(work, "remote")
    os.makedirs(rem, mode=0o700)
    s3.fetch_tree(job["s3"], secret, f"{job['name']}/pitr/base", os.path.join(rem, "base"))
    bases = []
    for n in sorted(os.listdir(os.path.join(rem, "base"))) if os.path.isdir(os.path.join(rem, "base")) else []:
        m = read_json(os.path.join(rem, "base", n, "manifest.json"))
        if m and m.get("id") == n:
            m["path"] = os.path.join(rem, "base", n)
            bases.append(m)
    encs = os.path.join(rem, "wal.enc")
    s3.fetch_tree(job["s3"], secret, f"{job['name']}/pitr/wal", encs)
    wal = os.path.join(rem, "wal")
    os.makedirs(wal, mode=0o700)
    for n in sorted(os.listdir(encs)) if os.path.isdir(encs) else []:
        if n.endswith(".enc") and _SEGMENT.match(n[:-4]):
            try:
                crypto.decrypt_file(os.path.join(encs, n), os.path.join(wal, n[:-4]), home.key())
            except crypto.CryptoError as e:
                raise BackupError(f"WAL segment {n[:-4]} from the bucket: {e}") from None
    shutil.rmtree(encs, ignore_errors=True)
    return sorted(bases, key=lambda m: m["created"]), wal


def restore(home: Home, job, secret, when: str, target, force=False, from_s3=False) -> dict:
    """Recover ``job``'s database as of ``when`` and restore it into ``target`` (from the
    bucket's base backups and WAL with ``from_s3``)."""
    from .engine import _Shim, checksums_of

    t0 = time.time()

    def _stop(*_):  # a killed restore still stops its recovery server and removes its files
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    conn = _conn(job, secret)
    t_epoch = _epoch(when, conn)
    uid, gid = home.owner()
    work = tempfile.mkdtemp(prefix="pitr-", dir=home.p("tmp"))
    wal = None
    try:
        if from_s3:
            if not job.get("s3"):
                raise BackupError(f"{job['name']} has no s3 store")
            all_bases, wal = _remote_archive(home, job, secret, work, t_epoch)
        else:
            all_bases = list_bases(home, job)
        bases = [b for b in all_bases if b["created"] < t_epoch]
        if not bases:
            raise BackupError(f"no base backup of {job['name']} was finished before {when}")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    base = bases[-1]
    if base.get("key_id") != crypto.key_id(home.key()):
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError("the base backup was encrypted with another key")
    major = base["major"]
    data, sock = os.path.join(work, "data"), os.path.join(work, "sock")
    prefix = home.owner_prefix()
    pg_ctl = pg_bin("pg_ctl", major)
    started = False
    try:
        import tarfile

        os.makedirs(os.path.join(data, "pg_wal"), mode=0o700)
        os.makedirs(sock, mode=0o700)
        for n, digest in base["files"].items():
            enc = os.path.join(base["path"], n + ".enc")
            from .engine import _sha256

            if _sha256(enc) != digest:
                raise BackupError(f"base backup {base['id']}: {n} does not match its checksum")
            plain = os.path.join(work, n)
            crypto.decrypt_file(enc, plain, home.key())
            if n.endswith(".tar.gz") or n.endswith(".tar"):
                dest = os.path.join(data, "pg_wal") if n.startswith("pg_wal") else data
                with tarfile.open(plain) as tf:
                    if hasattr(tarfile, "data_filter"):
                        tf.extractall(dest, filter="data")
                    else:
                        tf.extractall(dest)
            os.unlink(plain)
        if wal is None:
            wal, _ = _dirs(home, job)
        for f in ("postgresql.auto.conf", "postgresql.conf", "pg_hba.conf", "pg_ident.conf", "standby.signal"):
            try:
                os.replace(os.path.join(data, f), os.path.join(work, f + ".orig"))
            except FileNotFoundError:
                pass
        q = when.replace("'", "''")
        with open(os.path.join(data, "postgresql.conf"), "w") as f:
            f.write(f"listen_addresses = ''\nport = 5432\nunix_socket_directories = '{sock}'\n"
                    f"hot_standby = off\narchive_mode = off\nmax_connections = 20\nshared_buffers = 64MB\n"
                    f"restore_command = 'cp {wal}/%f \"%p\" 2>/dev/null || cp {wal}/%f.partial \"%p\"'\n"
                    f"recovery_target_time = '{q}'\nrecovery_target_action = 'promote'\n"
                    f"logging_collector = off\n")
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n")  # a socket in a 0700 directory: only the backup user reaches it
        open(os.path.join(data, "pg_ident.conf"), "w").close()
        open(os.path.join(data, "recovery.signal"), "w").close()
        for root, dirs, files in os.walk(work):
            for n in dirs + files:
                os.lchown(os.path.join(root, n), uid, gid)
        os.chown(work, uid, gid)
        os.chmod(data, 0o700)
        log = os.path.join(work, "recovery.log")
        p = subprocess.run(prefix + [pg_ctl, "-D", data, "-l", log, "-w", "-t", str(int(job.get("timeout_s") or 3600)),
                                     "start"], capture_output=True, text=True, timeout=float(job.get("timeout_s") or
                                                                                               3600) + 30)
        started = True

        def log_tail():
            try:
                lines = open(log).read().splitlines()
            except OSError:
                return ""
            fatal = [x for x in lines if "FATAL" in x]
            return " / ".join(fatal[-2:] + lines[-2:])

        deadline = time.time() + float(job.get("timeout_s") or 3600)
        isready = pg_bin("pg_isready", major)
        while True:  # replaying WAL: hot_standby is off, so connections wait for the promotion
            tail = log_tail()
            if "before configured recovery target was reached" in tail:
                raise BackupError(f"the archived WAL ends before {when}: recover to an earlier time "
                                  f"({redact(tail)[:300]})")
            if p.returncode != 0 or not os.path.exists(os.path.join(data, "postmaster.pid")):
                raise BackupError(f"the recovery server stopped: {redact(tail or p.stderr)[:400]}")
            r = subprocess.run(prefix + [isready, "-h", sock, "-p", "5432", "-U", conn.user or "postgres", "-d",
                                         "postgres"], capture_output=True, timeout=30)
            if r.returncode == 0:
                break
            if time.time() > deadline:
                raise BackupError(f"recovery did not finish in time: {redact(tail)[:300]}")
            time.sleep(0.3)
        # dump the database as of T from the recovered server, restore it like any backup
        dump_dir = os.path.join(work, "dump")
        os.makedirs(os.path.join(dump_dir, "data"), mode=0o700)
        os.chown(dump_dir, uid, gid)
        os.chown(os.path.join(dump_dir, "data"), uid, gid)
        out = os.path.join(dump_dir, "data", "dump.pgc")
        src = C.Conn(C.POSTGRES, socket=sock, port=5432, user=conn.user, database=conn.database)
        dbsnap._run(prefix + [pg_bin("pg_dump", major), "-Fc", "-Z", "1", "--no-password", "-f", out], src.pg_env(),
                    float(job.get("timeout_s") or 3600), "pg_dump of the recovered database", BackupError)
        try:
            msg = dbsnap.pg_restore(_Shim(dump_dir, base["id"] + "-" + os.urandom(2).hex()), {"dir": "", "scope":
                                    "database", "tables": []}, target, None, force, float(job.get("timeout_s") or 3600))
        except Exception as e:  # noqa: BLE001 - a RestoreError's message is already clear
            raise BackupError(str(e)) from None
        got = checksums_of(target)
        return {"ok": True, "problems": [], "message": msg + f" (as of {when}, from base backup {base['id']} and "
                                                             f"the archived WAL)",
                "rto_seconds": round(time.time() - t0, 3), "tables": len(got), "rows": sum(v[0] for v in got.values())}
    finally:
        if started:
            subprocess.run(prefix + [pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)
