"""Reading a file the agent may control, without letting it hold Interlock up.

A path an agent names (a script, ``.env``, ``.git/HEAD``, a policy file) may be a FIFO, whose
``open`` blocks until something writes to it, or a device, where even an ``open`` can act
(a tape rewinds, a watchdog arms).  Only regular files are opened, non-blocking, and checked
again on the open descriptor."""

from __future__ import annotations

import os
import stat

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegular(OSError):
    """The path exists but is not a regular file."""


#: System mode: (uid, gids) of the hook's caller.  The daemon runs as the service user and could read
#: its own state; what it reads *for* a caller must be what that caller could read itself, or a path
#: the agent names (`bash /var/lib/interlock/vault/key`) would make Interlock read it on the agent's
#: behalf and quote it in a reason.
AS_CALLER = None


def caller_may_read(path: str) -> bool:
    """True unless ``AS_CALLER`` is set and the caller could not read ``path`` (mode bits of the file
    and search bits of every directory above it, symlinks resolved)."""
    if AS_CALLER is None:
        return True
    uid, gids = AS_CALLER
    if uid == 0:
        return True
    real = os.path.realpath(path)

    def allowed(st, bits):
        if st.st_uid == uid:
            return bool(st.st_mode & (bits << 6))
        if st.st_gid in gids:
            return bool(st.st_mode & (bits << 3))
        return bool(st.st_mode & bits)

    try:
        if not allowed(os.stat(real), 4):
            return False
        d = os.path.dirname(real)
        while True:
            if not allowed(os.stat(d), 1):
                return False
            if d == "/":
                return True
            d = os.path.dirname(d)
    except OSError:
        return False


def read_regular(path: str, limit: int) -> bytes:
    """The first ``limit`` bytes of the regular file at ``path`` (symlinks followed).
    Raises ``FileNotFoundError`` and other ``OSError``s as ``open`` would, and
    :class:`NotRegular` for a FIFO, socket, device or directory."""
    if AS_CALLER is not None and os.path.exists(path) and not caller_may_read(path):
        raise PermissionError(13, "the caller may not read this file", path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegular(f"{path} is not a regular file")
    fd = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
            raise NotRegular(f"{path} is not a regular file")
        parts = []
        left = limit
        while left > 0:
            b = os.read(fd, min(left, 1 << 20))
            if not b:
                break
            parts.append(b)
            left -= len(b)
        return b"".join(parts)
    finally:
        os.close(fd)


def is_special(path: str) -> bool:
    """The path exists and is neither a regular file nor a directory (a FIFO, socket or device)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
