"""The snapshot store: ``$INTERLOCK_HOME/snapshots/<id>/`` with a manifest and checksums.

A snapshot is written into a hidden staging directory, checksummed (``SHA256SUMS`` over
every payload file, its own hash in ``manifest.json``), re-read and verified, and only
then renamed into place: a snapshot that is listed is complete.  The store lives in
Interlock's state directory, outside every workspace and inside self-protection, so an
agent cannot reach it.  Retention (keep N / days / total size) runs after each snapshot;
an optional second copy goes to another path.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import time

from ..redact import redact
from .model import Snapshot, SnapshotError

DEFAULTS = {"keep": 50, "days": 30, "max_size_mb": 0, "copy_to": None, "copy_to_endpoint": None,
            "copy_to_lock_days": None, "timeout_s": 600, "scope": "database", "on_failure": "deny", "path": None}
SUMS = "SHA256SUMS"


def settings(policy=None) -> dict:
    """``[snapshots]`` from the user policy (and a trusted project's), over the defaults."""
    out = dict(DEFAULTS)
    if policy is None:
        return out
    layers = [getattr(policy, "user", None)]
    if getattr(policy, "trusted", False):
        layers.append(getattr(policy, "project", None))
    for layer in layers:
        s = getattr(layer, "snapshots", None) if layer is not None else None
        if s:
            out.update({k: v for k, v in s.items() if v is not None})
    return out


def store_dir(env=os.environ, policy=None) -> str:
    from ..policy import state_dir

    s = settings(policy)
    return os.path.expanduser(s["path"]) if s.get("path") else os.path.join(state_dir(env), "snapshots")


def sha256_file(path, bufsize=1 << 20) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(bufsize)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _payload_files(d):
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(root, name)
            if not os.path.islink(p):
                yield os.path.relpath(p, d)


def _du(d) -> int:
    total = 0
    for root, _dirs, files in os.walk(d):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class Staging:
    """A snapshot being written: ``data`` is where the payload goes."""

    def __init__(self, store, sid, path):
        self.store, self.id, self.path = store, sid, path
        self.data = os.path.join(path, "data")


class Store:
    def __init__(self, root: str, conf: dict | None = None):
        self.root = root
        self.conf = dict(DEFAULTS, **(conf or {}))

    @classmethod
    def for_context(cls, ctx) -> "Store":
        return cls(store_dir(ctx.env, ctx.policy), settings(ctx.policy))

    # --- writing -------------------------------------------------------------------------
    def begin(self, kind: str, estimate: int = 0) -> Staging:
        try:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
            probe = os.path.join(self.root, f".probe-{os.getpid()}")
            with open(probe, "wb") as f:
                f.write(b"x")
            os.unlink(probe)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise SnapshotError(f"the snapshot store {self.root} is full (no space left on device)") from None
            raise SnapshotError(f"the snapshot store {self.root} is not writable: {e.strerror or e}") from None
        self.check_space(estimate)
        sid = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + f"-{kind}-{secrets.token_hex(3)}"
        path = os.path.join(self.root, f".staging-{sid}")
        os.makedirs(os.path.join(path, "data"), mode=0o700)
        return Staging(self, sid, path)

    def check_space(self, estimate: int):
        need = int(estimate * 1.1) + (1 << 20)
        try:
            free = shutil.disk_usage(self.root).free
        except OSError as e:
            raise SnapshotError(f"cannot check free space in the snapshot store {self.root}: {e}") from None
        if free < need:
            raise SnapshotError(f"the snapshot store {self.root} is full: the snapshot needs about "
                                f"{_mb(need)}, {_mb(free)} free")
        cap = int(self.conf.get("max_size_mb") or 0) << 20
        if cap and estimate > cap:
            raise SnapshotError(f"the snapshot store is full: this snapshot (about {_mb(estimate)}) is larger than "
                                f"the policy's max_size_mb = {self.conf['max_size_mb']}")

    def commit(self, st: Staging, manifest: dict) -> Snapshot:
        """Checksum, verify and publish a staged snapshot; on any failure nothing is published."""
        try:
            sums = []
            size = 0
            for rel in _payload_files(st.data):
                p = os.path.join(st.data, rel)
                sums.append(f"{sha256_file(p)}  {rel}")
                size += os.lstat(p).st_size
            sums_text = "\n".join(sums) + "\n"
            with open(os.path.join(st.path, SUMS), "w") as f:
                f.write(sums_text)
            from ..actions import sha256_hex

            manifest = dict(manifest, id=st.id, size=size, files=len(sums),
                            sums_sha256=sha256_hex(sums_text.encode()), created=manifest.get("created") or time.time(),
                            format=1)
            _write_json(os.path.join(st.path, "manifest.json"), manifest)
            problems = verify_dir(st.path)
            if problems:
                raise SnapshotError("the snapshot did not verify after writing: " + "; ".join(problems[:3]))
            cap = int(self.conf.get("max_size_mb") or 0) << 20
            if cap and size > cap:
                raise SnapshotError(f"the snapshot store is full: this snapshot ({_mb(size)}) is larger than the "
                                    f"policy's max_size_mb = {self.conf['max_size_mb']}")
            final = os.path.join(self.root, st.id)
            os.rename(st.path, final)
        except SnapshotError:
            self.abort(st)
            raise
        except OSError as e:
            self.abort(st)
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise SnapshotError(f"the snapshot store {self.root} is full (no space left on device)") from None
            raise SnapshotError(f"could not write the snapshot: {redact(str(e))}") from None
        snap = Snapshot(st.id, final, manifest)
        self._second_copy(snap)
        self.prune(keep_id=st.id)
        return snap

    def abort(self, st: Staging):
        shutil.rmtree(st.path, ignore_errors=True)

    def _second_copy(self, snap: Snapshot):
        dest_root = self.conf.get("copy_to")
        if not dest_root:
            return
        if dest_root.startswith("s3://"):
            return _s3_copy(snap, dest_root, self.conf)
        dest_root = os.path.expanduser(dest_root)
        dest = os.path.join(dest_root, snap.id)
        try:
            os.makedirs(dest_root, mode=0o700, exist_ok=True)
            shutil.copytree(snap.path, dest + ".partial", symlinks=True)
            problems = verify_dir(dest + ".partial")
            if problems:
                raise OSError("; ".join(problems[:2]))
            os.rename(dest + ".partial", dest)
        except OSError as e:
            shutil.rmtree(dest + ".partial", ignore_errors=True)
            raise SnapshotError(f"snapshot {snap.id} is stored, but its second copy to {dest_root} failed: "
                                f"{redact(str(e))}") from None

    # --- reading -------------------------------------------------------------------------
    def list(self) -> list[Snapshot]:
        out = []
        try:
            names = os.listdir(self.root)
        except OSError:
            return []
        for name in names:
            if name.startswith("."):
                continue
            m = _read_json(os.path.join(self.root, name, "manifest.json"))
            if m is not None:
                out.append(Snapshot(name, os.path.join(self.root, name), m))
        out.sort(key=lambda s: (s.manifest.get("created", 0), s.id))
        return out

    def get(self, sid: str) -> Snapshot:
        from .model import RestoreError

        if not sid or "/" in sid or sid.startswith("."):
            raise RestoreError(f"no snapshot {sid!r}")
        path = os.path.join(self.root, sid)
        m = _read_json(os.path.join(path, "manifest.json"))
        if m is None:
            matches = [s for s in self.list() if s.id.startswith(sid) or s.id.endswith(sid)]
            if len(matches) == 1:
                return matches[0]
            raise RestoreError(f"no snapshot {sid!r} in {self.root}")
        return Snapshot(sid, path, m)

    def verify(self, sid: str) -> list[str]:
        return verify_dir(self.get(sid).path)

    # --- retention -------------------------------------------------------------------------
    def prune(self, keep_id=None) -> list[str]:
        snaps = self.list()
        keep_n = int(self.conf.get("keep") or 0)
        days = float(self.conf.get("days") or 0)
        cap = int(self.conf.get("max_size_mb") or 0) << 20
        now = time.time()
        doomed = set()
        if keep_n and len(snaps) > keep_n:
            doomed.update(s.id for s in snaps[:len(snaps) - keep_n])
        if days:
            doomed.update(s.id for s in snaps if now - s.manifest.get("created", now) > days * 86400)
        if cap:
            total = sum(s.manifest.get("size", 0) for s in snaps if s.id not in doomed)
            for s in snaps:
                if total <= cap:
                    break
                if s.id not in doomed and s.id != keep_id:
                    doomed.add(s.id)
                    total -= s.manifest.get("size", 0)
        doomed.discard(keep_id)
        for sid in doomed:
            shutil.rmtree(os.path.join(self.root, sid), ignore_errors=True)
        return sorted(doomed)


def verify_dir(path) -> list[str]:
    """Problems found re-checking a snapshot directory's checksums (empty: it verifies)."""
    from ..actions import sha256_hex

    m = _read_json(os.path.join(path, "manifest.json"))
    if m is None:
        return ["manifest.json is missing or unreadable"]
    try:
        with open(os.path.join(path, SUMS), "rb") as f:
            sums_text = f.read()
    except OSError:
        return [f"{SUMS} is missing"]
    problems = []
    if sha256_hex(sums_text) != m.get("sums_sha256"):
        problems.append(f"{SUMS} does not match the manifest")
    listed = {}
    for line in sums_text.decode("utf-8", "surrogateescape").splitlines():
        if line.strip():
            digest, _, rel = line.partition("  ")
            listed[rel] = digest
    data = os.path.join(path, "data")
    present = set(_payload_files(data)) if os.path.isdir(data) else set()
    for rel in sorted(set(listed) - present):
        problems.append(f"missing: {rel}")
    for rel in sorted(present - set(listed)):
        problems.append(f"not in the checksums: {rel}")
    for rel in sorted(set(listed) & present):
        try:
            if sha256_file(os.path.join(data, rel)) != listed[rel]:
                problems.append(f"checksum mismatch: {rel}")
        except OSError as e:
            problems.append(f"unreadable: {rel} ({e.strerror})")
    return problems


def _mb(n) -> str:
    from .preview_sql import human_bytes

    return human_bytes(n)


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True, default=str)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _s3_copy(snap: Snapshot, url: str, conf: dict):
    """Copy a snapshot's files to ``s3://bucket/prefix/<id>/`` (an S3-compatible store, boto3:
    the optional extra ``interlock[s3]``), each with a SHA-256 checksum S3 verifies on receipt,
    under object lock (``copy_to_lock_days``, COMPLIANCE mode) when the bucket has it enabled.
    Every object is then read back (size and checksum) before the copy counts."""
    import base64
    import datetime as _dt
    import hashlib

    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise SnapshotError("copy_to is an s3:// URL but boto3 is not installed: pip install 'interlock[s3]'") \
            from None
    bucket, _, prefix = url[5:].partition("/")
    prefix = "/".join(x for x in (prefix.strip("/"), snap.id) if x)
    try:
        s3 = boto3.client("s3", endpoint_url=conf.get("copy_to_endpoint") or None,
                          config=Config(retries={"max_attempts": 3}, connect_timeout=5, read_timeout=60))
        lock_days = conf.get("copy_to_lock_days")
        locked = False
        if lock_days:
            try:
                cfg = s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
                locked = cfg.get("ObjectLockEnabled") == "Enabled"
            except Exception:  # the bucket has no object lock: copy without it
                locked = False
        until = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=float(lock_days or 0))
        sent = []
        for root, _dirs, files in os.walk(snap.path):
            for name in sorted(files):
                path = os.path.join(root, name)
                key = prefix + "/" + os.path.relpath(path, snap.path)
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                digest = base64.b64encode(h.digest()).decode()
                extra = {"ChecksumAlgorithm": "SHA256", "ChecksumSHA256": digest}
                if locked:
                    extra.update(ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
                with open(path, "rb") as f:
                    s3.put_object(Bucket=bucket, Key=key, Body=f, **extra)
                sent.append((key, os.path.getsize(path), digest))
        for key, size, digest in sent:  # read back what S3 says it holds
            head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            if head.get("ContentLength") != size or head.get("ChecksumSHA256", digest) != digest:
                raise SnapshotError(f"the copy of {key} in s3://{bucket} does not match the snapshot")
    except SnapshotError:
        raise
    except Exception as e:
        raise SnapshotError(f"snapshot {snap.id} is stored, but its second copy to s3://{bucket}/{prefix} failed: "
                            f"{redact(f'{type(e).__name__}: {e}')[:300]}") from None
