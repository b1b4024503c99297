"""Is a person at the keyboard?  For the few steps only a person may take.

Creating the first approver (``interlock init`` / ``interlock approvers add`` with none yet)
has no existing approver to vouch for it, so it must come from a person at a real terminal,
not from an agent (or from something an agent started).  ``person_check`` refuses when:

* there is no controlling terminal (``/dev/tty``), or stdin is not one;
* this process, or any ancestor whose environment we can read, carries an agent session's
  variables (``agent_sessions.toml``: CLAUDECODE, CODEX_*, GEMINI_CLI, CURSOR_*...), or an
  ancestor is an agent host program;
* the program holding the master side of our terminal is a pty maker (``script``,
  ``expect``, ``python``...) or itself descends from an agent.

This is as well as a process can tell from the inside, no more: an agent running as the
same OS user can still detach and scrub all of it.  In system mode (``interlock init
--system``) the state is owned by another user, and adding an approver needs root or an
existing approver, which is what really holds.
"""

from __future__ import annotations

import os

_DATA = None


def _data() -> dict:
    global _DATA
    if _DATA is None:
        import tomllib

        with open(os.path.join(os.path.dirname(__file__), "agent_sessions.toml"), "rb") as f:
            _DATA = tomllib.load(f)
    return _DATA


class NotAPerson(Exception):
    """Raised (with the reason) when the caller does not look like a person at a terminal."""


def agent_marker(env) -> str | None:
    """The first agent-session variable set in ``env`` (a mapping of str), or None."""
    d = _data()
    names = set(d["env"])
    prefixes = tuple(d["env_prefixes"])
    for k, v in env.items():
        if v is None:
            continue
        if k in names or k.startswith(prefixes):
            return k
    return None


def _read_environ(pid) -> dict:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read(1 << 20)
    except OSError:
        return {}
    out = {}
    for kv in raw.split(b"\0"):
        k, sep, v = kv.partition(b"=")
        if sep:
            out[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return out


def _names(pid) -> list[str]:
    out = []
    try:
        with open(f"/proc/{pid}/comm") as f:
            out.append(f.read().strip())
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read(1 << 16).split(b"\0")[:3]
        for a in argv:
            if a:
                s = a.decode("utf-8", "replace")
                out.append(os.path.basename(s.rstrip("/")))
                out.append(s)
    except OSError:
        pass
    return out


def _ppid(pid) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rpartition(")")[2].split()
        return int(rest[1])
    except (OSError, ValueError, IndexError):
        return None


def ancestry(pid) -> list[int]:
    out = []
    seen = set()
    while pid and pid > 1 and pid not in seen and len(out) < 64:
        seen.add(pid)
        out.append(pid)
        pid = _ppid(pid)
    return out


def _agent_in(pid) -> str | None:
    """Why process ``pid`` (or an ancestor) belongs to an agent session, or None."""
    progs = set(_data()["programs"])
    for p in ancestry(pid):
        m = agent_marker(_read_environ(p))
        if m:
            return f"process {p} runs with the agent session variable {m}"
        for n in _names(p):
            if n in progs or any(n.endswith("/" + x) or ("/" + x + "/") in n for x in progs if x.startswith("@")):
                return f"process {p} is an agent host ({n})"
    return None


def _tty_index() -> int | None:
    """The pts number of our controlling terminal, or None."""
    try:
        with open("/proc/self/stat") as f:
            tty_nr = int(f.read().rpartition(")")[2].split()[4])
    except (OSError, ValueError, IndexError):
        return None
    major = (tty_nr >> 8) & 0xFFF
    minor = (tty_nr & 0xFF) | ((tty_nr >> 12) & 0xFFF00)
    if 136 <= major <= 143:
        return (major - 136) * 256 + minor
    return None


def pty_holder(index) -> int | None:
    """The pid holding the master side of /dev/pts/``index`` (when /proc lets us see it)."""
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            fds = os.listdir(f"/proc/{d}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{d}/fd/{fd}") not in ("/dev/ptmx", "/dev/pts/ptmx"):
                    continue
                with open(f"/proc/{d}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith("tty-index:") and int(line.split()[1]) == index:
                            return int(d)
            except (OSError, ValueError, IndexError):
                continue
    return None


def person_check(env=None) -> None:
    """Raise ``NotAPerson`` unless this looks like a person at a real terminal."""
    env = os.environ if env is None else env
    m = agent_marker(env)
    if m:
        raise NotAPerson(f"this runs inside an agent session ({m} is set)")
    why = _agent_in(os.getppid())
    if why:
        raise NotAPerson(f"this was started from an agent session: {why}")
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
        os.close(fd)
    except OSError:
        raise NotAPerson("there is no terminal: a person types this in their own terminal") from None
    try:
        if not os.isatty(0):
            raise NotAPerson("stdin is not a terminal: a person types this in their own terminal")
    except OSError:
        raise NotAPerson("stdin is not a terminal") from None
    idx = _tty_index()
    holder = pty_holder(idx) if idx is not None else None
    if holder is not None:
        makers = set(_data()["pty_makers"])
        names = _names(holder)
        if names and names[0] in makers:
            raise NotAPerson(f"the terminal is made by a program ({names[0]}, pid {holder}), not a person's")
        why = _agent_in(holder)
        if why:
            raise NotAPerson(f"the terminal belongs to an agent session: {why}")
