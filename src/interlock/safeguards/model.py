"""The values safeguards hand back: Impact (a preview), Snapshot (a verified copy), and errors."""

from __future__ import annotations


class SafeguardError(Exception):
    """Base of safeguard errors.  Messages are redacted and meant for a human."""


class SnapshotError(SafeguardError):
    """A snapshot could not be taken or verified: the action must not run."""


class RestoreError(SafeguardError):
    """A restore refused or failed; the target was left as it was."""


class Impact:
    """What an action would do, as far as Interlock could tell before it ran.

    ``lines`` are for humans ("DROP TABLE bookings: 48,213 rows, 12 MB, 3 dependent views"),
    ``data`` is the same per target for machines, ``known`` is False when any part could
    not be previewed, and then ``error`` says why.  An unknown impact is never shown as
    zero: ``summary()`` says "impact unknown".
    """

    __slots__ = ("lines", "data", "known", "error", "elapsed_ms")

    def __init__(self, lines=(), data=(), known=True, error=None, elapsed_ms=0.0):
        self.lines = list(lines)
        self.data = list(data)
        self.known = known
        self.error = error
        self.elapsed_ms = elapsed_ms

    def add(self, other: "Impact"):
        self.lines += other.lines
        self.data += other.data
        if not other.known:
            self.known = False
            self.error = "; ".join(x for x in (self.error, other.error) if x)

    def summary(self) -> str:
        """One block of text for a prompt, a CLI or a webhook."""
        out = list(self.lines)
        if not self.known and not any(l.startswith("impact unknown") for l in out):
            out.append(f"impact unknown: {self.error or 'no preview'}")
        return "\n".join(out)

    def to_dict(self) -> dict:
        return {"known": self.known, "error": self.error, "lines": self.lines, "data": self.data,
                "elapsed_ms": round(self.elapsed_ms, 1)}

    def __repr__(self):
        return f"Impact(known={self.known}, {self.lines!r})"


class Snapshot:
    """A verified snapshot in the store (its manifest, loaded)."""

    __slots__ = ("id", "path", "manifest")

    def __init__(self, id, path, manifest):
        self.id, self.path, self.manifest = id, path, manifest

    kind = property(lambda self: self.manifest["kind"])
    target = property(lambda self: self.manifest["target"])
    size = property(lambda self: self.manifest["size"])
    created = property(lambda self: self.manifest["created"])

    def to_dict(self) -> dict:
        return dict(self.manifest, path=self.path)

    def __repr__(self):
        return f"Snapshot({self.id!r}, {self.kind}, {self.target!r}, {self.size} bytes)"
