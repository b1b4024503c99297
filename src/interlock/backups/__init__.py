"""``interlock backups``: verified, encrypted backups of the policy's databases, kept where
neither the agent's OS user nor the provider's token can delete them.

* ``home``: the store's layout, owned by a separate OS user; privilege drop.
* ``engine``: dumps with reference checksums, verify-by-restore, restores, retention.
* ``crypto``: encryption at rest (libsodium secretstream via PyNaCl).
* ``s3``: a copy in an S3-compatible bucket under Object Lock (COMPLIANCE).
* ``pitr``: PostgreSQL point-in-time recovery (pg_receivewal + pg_basebackup).
* ``runner``: the scheduled pass, RPO alerts (webhooks), restore drills, the systemd unit.
* ``cli``: ``interlock backups add|list|verify|status|run|restore|drill``.

See docs/backups.md.
"""
