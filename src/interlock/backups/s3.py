"""A copy of every backup in an S3-compatible bucket under Object Lock (boto3).

The bucket must have versioning and Object Lock enabled (checked before the first
upload: without them a write credential could delete or overwrite backups, so the copy
is refused rather than silently unprotected).  Each object is written in COMPLIANCE
mode with a retain-until date: within retention no credential — not the runner's own,
not the provider account's — can delete that version or shorten its lock; an overwrite
only adds a newer version.  Objects are the already-encrypted payload and the manifest,
each sent with a SHA-256 checksum S3 verifies, then read back (size and checksum).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os

from ..redact import redact
from .home import BackupError


def parse_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://") or len(url) <= 5:
        raise BackupError(f"not an s3:// URL: {url!r}")
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix.strip("/")


def client(conf: dict, secret: dict):
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise BackupError("an s3:// store needs boto3: pip install 'interlock[backups]'") from None
    kw = {}
    if secret.get("aws_access_key_id"):
        kw.update(aws_access_key_id=secret["aws_access_key_id"],
                  aws_secret_access_key=secret.get("aws_secret_access_key"))
    return boto3.client("s3", endpoint_url=conf.get("endpoint") or None, region_name=conf.get("region") or "us-east-1",
                        config=Config(retries={"max_attempts": 3}, connect_timeout=5, read_timeout=120), **kw)


def _err(e) -> str:
    return redact(f"{type(e).__name__}: {e}")[:300]


def check_bucket(conf: dict, secret: dict) -> str:
    """Fail unless the bucket keeps versions under Object Lock; returns a description."""
    bucket, _ = parse_url(conf["url"])
    try:
        s3 = client(conf, secret)
        ver = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        try:
            lock = (s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}) \
                .get("ObjectLockEnabled")
        except Exception:  # noqa: BLE001 - no lock configuration at all
            lock = None
    except BackupError:
        raise
    except Exception as e:
        raise BackupError(f"cannot reach s3://{bucket}: {_err(e)}") from None
    if ver != "Enabled" or lock != "Enabled":
        raise BackupError(f"s3://{bucket} has versioning {ver or 'off'} and object lock {lock or 'off'}: any write "
                          f"credential could delete its backups — create the bucket with Object Lock enabled")
    return f"s3://{bucket} (versioning, object lock; COMPLIANCE {conf.get('lock_days', 30):g} days)"


def _digest(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode()


def upload(conf: dict, secret: dict, m: dict, src_dir: str) -> dict:
    """Copy one backup (payload.enc, manifest.json) under COMPLIANCE lock; read back; return
    the versions written and the retain-until date."""
    bucket, prefix = parse_url(conf["url"])
    base = "/".join(x for x in (prefix, m["job"], m["id"]) if x)
    until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=float(conf.get("lock_days") or 30))
    out = {"bucket": bucket, "prefix": base, "retain_until": until.isoformat(), "versions": {}}
    try:
        s3 = client(conf, secret)
        for name in ("payload.enc", "manifest.json"):
            path = os.path.join(src_dir, name)
            digest = _digest(path)
            with open(path, "rb") as f:
                r = s3.put_object(Bucket=bucket, Key=f"{base}/{name}", Body=f, ChecksumAlgorithm="SHA256",
                                  ChecksumSHA256=digest, ObjectLockMode="COMPLIANCE",
                                  ObjectLockRetainUntilDate=until)
            vid = r.get("VersionId")
            head = s3.head_object(Bucket=bucket, Key=f"{base}/{name}", VersionId=vid, ChecksumMode="ENABLED")
            if head.get("ContentLength") != os.path.getsize(path) or head.get("ChecksumSHA256", digest) != digest:
                raise BackupError(f"the copy of {name} in s3://{bucket} does not match the backup")
            if head.get("ObjectLockMode") != "COMPLIANCE":
                raise BackupError(f"s3://{bucket} did not lock {name}")
            out["versions"][name] = vid
    except BackupError:
        raise
    except Exception as e:
        raise BackupError(f"copying {m['id']} to s3://{bucket}/{base} failed: {_err(e)}") from None
    return out


def put_locked(conf: dict, secret: dict, rel: str, path: str) -> str:
    """Upload one file to ``prefix/rel`` under COMPLIANCE lock, read it back; its version id."""
    bucket, prefix = parse_url(conf["url"])
    key = "/".join(x for x in (prefix, rel) if x)
    until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=float(conf.get("lock_days") or 30))
    try:
        s3 = client(conf, secret)
        digest = _digest(path)
        with open(path, "rb") as f:
            r = s3.put_object(Bucket=bucket, Key=key, Body=f, ChecksumAlgorithm="SHA256", ChecksumSHA256=digest,
                              ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
        head = s3.head_object(Bucket=bucket, Key=key, VersionId=r.get("VersionId"), ChecksumMode="ENABLED")
        if head.get("ContentLength") != os.path.getsize(path) or head.get("ChecksumSHA256", digest) != digest:
            raise BackupError(f"the copy of {rel} in s3://{bucket} does not match")
        return r.get("VersionId")
    except BackupError:
        raise
    except Exception as e:
        raise BackupError(f"copying {rel} to s3://{bucket} failed: {_err(e)}") from None


def fetch_tree(conf: dict, secret: dict, rel: str, dest: str) -> list[str]:
    """Download every object under ``prefix/rel/`` into ``dest`` — for each key its *oldest*
    version (what the runner wrote; a newer one can only be someone else's overwrite)."""
    bucket, prefix = parse_url(conf["url"])
    base = "/".join(x for x in (prefix, rel) if x) + "/"
    try:
        s3 = client(conf, secret)
        first = {}
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=base):
            for v in sorted(page.get("Versions") or [], key=lambda v: v["LastModified"]):
                first.setdefault(v["Key"], v["VersionId"])
        out = []
        for key, vid in sorted(first.items()):
            name = key[len(base):]
            if not name or name.startswith("/") or ".." in name.split("/"):
                continue
            path = os.path.join(dest, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            s3.download_file(bucket, key, path, ExtraArgs={"VersionId": vid})
            out.append(name)
        return out
    except Exception as e:
        raise BackupError(f"fetching s3://{bucket}/{base} failed: {_err(e)}") from None


def download(conf: dict, secret: dict, job: str, bid: str, dest: str, versions=None) -> dict:
    """Fetch a backup's manifest and payload into ``dest``.  With the versions recorded at
    upload, those; without them (this machine's store is gone), the versions that match:
    a manifest naming this backup, and the payload whose SHA-256 the manifest records —
    so a newer object a write credential put over it (or a delete marker) is passed over."""
    import json

    bucket, prefix = parse_url(conf["url"])
    base = "/".join(x for x in (prefix, job, bid) if x)
    mpath, ppath = os.path.join(dest, "manifest.json"), os.path.join(dest, "payload.enc")
    try:
        s3 = client(conf, secret)
        if versions and versions.get("manifest.json") and versions.get("payload.enc"):
            s3.download_file(bucket, f"{base}/manifest.json", mpath, ExtraArgs={"VersionId": versions["manifest.json"]})
            s3.download_file(bucket, f"{base}/payload.enc", ppath, ExtraArgs={"VersionId": versions["payload.enc"]})
            with open(mpath) as f:
                return json.load(f)
        listing = s3.list_object_versions(Bucket=bucket, Prefix=f"{base}/").get("Versions") or []
        by_key = {}
        for v in sorted(listing, key=lambda v: v["LastModified"]):  # oldest first: what was written at backup
            by_key.setdefault(v["Key"].rsplit("/", 1)[1], []).append(v["VersionId"])
        m = None
        for vid in by_key.get("manifest.json", []):
            s3.download_file(bucket, f"{base}/manifest.json", mpath, ExtraArgs={"VersionId": vid})
            try:
                with open(mpath) as f:
                    cand = json.load(f)
            except ValueError:
                continue
            if cand.get("id") == bid and cand.get("job") == job:
                m = cand
                break
        if m is None:
            raise BackupError(f"no manifest for {bid} in s3://{bucket}/{base}")
        for vid in by_key.get("payload.enc", []):
            s3.download_file(bucket, f"{base}/payload.enc", ppath, ExtraArgs={"VersionId": vid})
            if _digest(ppath) == base64.b64encode(bytes.fromhex(m.get("sha256", ""))).decode():
                return m
        raise BackupError(f"no version of {bid}'s payload in s3://{bucket} matches its manifest")
    except BackupError:
        raise
    except Exception as e:
        raise BackupError(f"fetching {bid} from s3://{bucket}/{base} failed: {_err(e)}") from None


def list_remote(conf: dict, secret: dict, job: str) -> list[str]:
    bucket, prefix = parse_url(conf["url"])
    base = "/".join(x for x in (prefix, job) if x) + "/"
    try:
        s3 = client(conf, secret)
        ids = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
            for o in page.get("Contents") or []:
                rest = o["Key"][len(base):]
                if rest.endswith("/manifest.json"):
                    ids.add(rest.split("/", 1)[0])
        return sorted(ids)
    except Exception as e:
        raise BackupError(f"listing s3://{bucket}/{base} failed: {_err(e)}") from None
