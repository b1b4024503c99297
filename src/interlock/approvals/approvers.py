"""Named approvers and their secrets.

``$INTERLOCK_HOME/approvers.json`` (mode 0600) maps each name to a scrypt hash of the
approver's secret (a fresh salt per approver).  The file sits in Interlock's state
directory, which the agent may neither read nor write (rule ``interlock.approvals-store``),
so it cannot be copied out for guessing or edited to add an approver.  Secrets never
appear in any output, log or exception.

No library call adds, removes or approves by itself: ``add`` and ``remove`` need a ``Proof``
of an existing approver (``authenticate(name, secret)``; the proof is signed with a key that
lives only in this process and expires), and the *first* approver only a person at a real
terminal creates (``human.person_check``: no agent session, a terminal that is not a
program's).  ``store.approve`` takes the same proof.

In team mode (``INTERLOCK_STORE=postgresql://…``) the same records live in the shared
store's ``interlock.approvers`` table instead, so a name is one person on every machine
and the two-person rule counts people; the local file is then ignored.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import time

from . import ApprovalError

NAME = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
MIN_SECRET = 8
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


def path(env=None) -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(os.environ if env is None else env), "approvers.json")


def where(env=None) -> str:
    """Where approvers are kept, for messages: the file, or the shared store (password masked)."""
    spec = ((os.environ if env is None else env).get("INTERLOCK_STORE") or "").strip()
    if spec.split(":", 1)[0] in ("postgresql", "postgres"):
        from .store_pg import display

        return f"shared store {display(spec)}"
    return path(env)


def _hash(secret: str, salt: bytes, params=None) -> bytes:
    import hashlib

    p = dict(params or _SCRYPT)
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=p["n"], r=p["r"], p=p["p"], dklen=p["dklen"],
                          maxmem=64 * 1024 * 1024)


def _shared(env):
    """The shared store holding approvers in team mode, else None (approvers.json)."""
    spec = ((os.environ if env is None else env).get("INTERLOCK_STORE") or "").strip()
    if spec.split(":", 1)[0] not in ("postgresql", "postgres"):
        return None
    from .store import open_store

    return open_store(env)


def _load(env) -> dict:
    shared = _shared(env)
    if shared is not None:
        return shared.approvers_load()
    try:
        with open(path(env), "rb") as f:
            data = json.loads(f.read() or b"{}")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ApprovalError(f"cannot read the approvers file {path(env)}: {type(e).__name__}") from None
    return data.get("approvers", {}) if isinstance(data, dict) else {}


def _save(env, approvers: dict):
    p = path(env)
    os.makedirs(os.path.dirname(p), mode=0o700, exist_ok=True)
    tmp = f"{p}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"version": 1, "approvers": approvers}, f, indent=1, sort_keys=True)
    os.replace(tmp, p)


def names(env=None) -> list[str]:
    return sorted(_load(env))


def listing(env=None) -> list[dict]:
    return [{"name": n, "added": d.get("added")} for n, d in sorted(_load(env).items())]


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise ApprovalError("approver names are 1-32 characters: lowercase letters, digits, '.', '_' or '-', "
                            "starting with a letter")
    return name


class Proof:
    """An approver's secret, checked in this process (``authenticate``) a moment ago."""

    __slots__ = ("name", "expires", "_mac")

    def __init__(self, name, expires, mac):
        self.name, self.expires, self._mac = name, expires, mac

    def __repr__(self):
        return f"Proof({self.name})"


_PROOF_KEY = os.urandom(32)  # this process only: a proof cannot be made, read or carried elsewhere
PROOF_TTL_S = 12 * 3600


def _proof_mac(name, expires) -> bytes:
    return hmac.new(_PROOF_KEY, f"{name}\0{expires:.6f}".encode(), "sha256").digest()


def authenticate(name: str, secret: str, env=None, ttl_s: float = PROOF_TTL_S) -> Proof | None:
    """A ``Proof`` that ``name`` typed their secret, or None when it is wrong."""
    if not verify(name, secret, env):
        return None
    expires = time.time() + ttl_s
    return Proof(name, expires, _proof_mac(name, expires))


def check_proof(proof, name=None, env=None) -> str:
    """The approver a valid proof names (still an approver); ``ApprovalError`` otherwise."""
    if not isinstance(proof, Proof) or not isinstance(proof.name, str) or \
            not hmac.compare_digest(_proof_mac(proof.name, proof.expires), proof._mac or b""):
        raise ApprovalError("this needs an approver's secret, verified by Interlock (interlock approve, "
                            "or a dashboard login); nothing was changed")
    if proof.expires < time.time():
        raise ApprovalError(f"{proof.name}'s authentication has expired: authenticate again")
    if name is not None and proof.name != name:
        raise ApprovalError(f"authenticated as {proof.name}, not {name}")
    if proof.name not in _load(env):
        raise ApprovalError(f"{proof.name} is no longer an approver")
    return proof.name


def add(name: str, secret: str, env=None, *, by: Proof | None = None):
    """Add an approver: ``by`` is an existing approver's proof; without approvers yet, only a
    person at a terminal (``human.person_check``) creates the first one."""
    check_name(name)
    if not isinstance(secret, str) or len(secret) < MIN_SECRET:
        raise ApprovalError(f"an approver secret needs at least {MIN_SECRET} characters")
    exists = ApprovalError(f"approver {name!r} already exists (remove it first to change the secret)")
    shared = _shared(env)
    current = _load(env)
    if current:
        check_proof(by, env=env)
    else:
        from ..human import NotAPerson, person_check

        try:
            person_check()
        except NotAPerson as e:
            raise ApprovalError(f"the first approver is created by a person in their own terminal "
                                f"(`interlock approvers add NAME`): {e}") from None
    approvers = current if shared is None else {}
    if name in approvers:
        raise exists
    salt = os.urandom(16)
    rec = {"salt": salt.hex(), "hash": _hash(secret, salt).hex(), "kdf": "scrypt",
           "params": dict(_SCRYPT), "added": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if shared is not None:
        if not shared.approver_add(name, rec):
            raise exists
        return
    approvers[name] = rec
    _save(env, approvers)


def _write_first(name: str, secret: str, env=None):
    """The first approver, for callers that vouched for the person themselves (the system daemon:
    root, by SO_PEERCRED; the demo: its own throw-away state).  Not an API: ``add`` is."""
    check_name(name)
    if not isinstance(secret, str) or len(secret) < MIN_SECRET:
        raise ApprovalError(f"an approver secret needs at least {MIN_SECRET} characters")
    if _load(env):
        raise ApprovalError("approvers exist already")
    salt = os.urandom(16)
    _save(env, {name: {"salt": salt.hex(), "hash": _hash(secret, salt).hex(), "kdf": "scrypt",
                       "params": dict(_SCRYPT), "added": time.strftime("%Y-%m-%dT%H:%M:%S")}})


def remove(name: str, env=None, *, by: Proof | None = None) -> bool:
    check_proof(by, env=env)
    shared = _shared(env)
    if shared is not None:
        return shared.approver_remove(name)
    approvers = _load(env)
    if name not in approvers:
        return False
    del approvers[name]
    _save(env, approvers)
    return True


def verify(name: str, secret: str, env=None) -> bool:
    """True when ``secret`` is ``name``'s.  A wrong secret costs a second (slows guessing)."""
    rec = _load(env).get(name)
    ok = False
    if rec and isinstance(secret, str) and secret:
        try:
            ok = hmac.compare_digest(_hash(secret, bytes.fromhex(rec["salt"]), rec.get("params")),
                                     bytes.fromhex(rec["hash"]))
        except (KeyError, ValueError, TypeError):
            ok = False
    if not ok:
        time.sleep(1.0)
    return ok
