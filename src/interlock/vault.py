"""The vault: secrets kept out of every workspace, where agents are denied.

Values go to the OS keyring when a real backend exists (macOS Keychain, Windows
Credential Locker, Secret Service), else to an encrypted file under
``$INTERLOCK_HOME/vault/`` (Fernet; the key in a 0600 file beside it).

Threat model, honestly: the vault protects secrets from the *agent*, whose every
file read and command goes through Interlock's hook, which denies any access to
``$INTERLOCK_HOME`` and to vault commands.  It does not protect against another
process running as the same user, which can read the key file (or ask the keyring)
as easily as Interlock can; the file encryption only keeps values out of backups,
greps and copies of the vault file alone.  Values never pass through argv.
"""

from __future__ import annotations

import json
import os
import re
import time

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,127}$")
REF_PREFIX = "interlock-vault://"
SERVICE = "interlock"


class VaultError(Exception):
    pass


def vault_dir(env=os.environ) -> str:
    from .policy import state_dir

    return os.path.join(state_dir(env), "vault")


class Vault:
    def __init__(self, env=os.environ, backend: str | None = None):
        self.dir = vault_dir(env)
        self.backend = backend or env.get("INTERLOCK_VAULT_BACKEND") or "auto"
        if self.backend == "auto":
            self.backend = "keyring" if _real_keyring() else "file"
        if self.backend not in ("keyring", "file"):
            raise VaultError(f"unknown vault backend {self.backend!r} (use keyring or file)")

    # --- index (names, times; never values) ------------------------------------------
    def _index_path(self):
        return os.path.join(self.dir, "index.json")

    def _read_index(self) -> dict:
        try:
            with open(self._index_path()) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}
        except ValueError as e:
            raise VaultError(f"vault index is damaged: {e}") from None

    def _write(self, path, data: bytes):
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def _write_index(self, idx):
        self._write(self._index_path(), json.dumps(idx, indent=2, sort_keys=True).encode())

    # --- file backend ------------------------------------------------------------------
    def _fernet(self):
        from cryptography.fernet import Fernet

        key_path = os.path.join(self.dir, "key")
        try:
            with open(key_path, "rb") as f:
                key = f.read().strip()
        except FileNotFoundError:
            key = Fernet.generate_key()
            self._write(key_path, key)
        return Fernet(key)

    def _store_path(self):
        return os.path.join(self.dir, "store.enc")

    def _read_store(self) -> dict:
        try:
            with open(self._store_path(), "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            return {}
        from cryptography.fernet import InvalidToken

        try:
            return json.loads(self._fernet().decrypt(blob))
        except InvalidToken:
            raise VaultError("the vault cannot be decrypted with its key file") from None

    def _write_store(self, store):
        self._write(self._store_path(), self._fernet().encrypt(json.dumps(store).encode()))

    # --- API ----------------------------------------------------------------------------
    def add(self, name: str, value: str, source: str | None = None):
        if not NAME_RE.match(name or ""):
            raise VaultError(f"invalid name {name!r}: letters, digits, _ . - / (up to 128), starting alphanumeric")
        if not value:
            raise VaultError("empty value: nothing stored")
        if self.backend == "keyring":
            import keyring

            keyring.set_password(SERVICE, name, value)
        else:
            store = self._read_store()
            store[name] = value
            self._write_store(store)
        idx = self._read_index()
        idx[name] = {"added": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "backend": self.backend,
                     **({"source": source} if source else {})}
        self._write_index(idx)

    def get(self, name: str) -> str | None:
        if self.backend == "keyring":
            import keyring

            return keyring.get_password(SERVICE, name)
        return self._read_store().get(name)

    def list(self) -> dict:
        return self._read_index()

    def remove(self, name: str) -> bool:
        idx = self._read_index()
        if name not in idx:
            return False
        if self.backend == "keyring":
            import keyring

            try:
                keyring.delete_password(SERVICE, name)
            except Exception:
                pass
        else:
            store = self._read_store()
            store.pop(name, None)
            self._write_store(store)
        del idx[name]
        self._write_index(idx)
        return True


def _real_keyring() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        kr = keyring.get_keyring()
        return not isinstance(kr, fail.Keyring) and "fail" not in type(kr).__module__ and \
            "null" not in type(kr).__module__.lower() and "chainer" not in type(kr).__module__.lower()
    except Exception:
        return False


# --- moving secrets out of files ---------------------------------------------------------------

_ENV_LINE = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)\s*$")


def move_file(path: str, vault: Vault, prefix: str | None = None) -> list[dict]:
    """Store the secrets found in ``path`` in the vault and rewrite the file with
    ``interlock-vault://NAME`` references.  Returns [{name, line, kind}] (no values)."""
    from .analysis.literal_secrets import find_secrets
    from .analysis.shell.credentials import SECRET_VAR

    with open(path, encoding="utf-8") as f:
        text = f.read()
    stem = prefix or re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(path).lstrip(".")) or "file"
    lines = text.split("\n")
    moved = []
    hits_by_line = {}
    for h in find_secrets(text):
        hits_by_line.setdefault(h.line, []).append(h)
    offset = 0
    for i, line in enumerate(lines, 1):
        m = _ENV_LINE.match(line)
        new_line = line
        if m and (SECRET_VAR.search(m.group(2)) or i in hits_by_line):
            raw = m.group(4)
            quote = raw[:1] if raw[:1] in "'\"" and raw.endswith(raw[:1]) and len(raw) >= 2 else ""
            value = raw[1:-1] if quote else raw
            if value and not value.startswith(REF_PREFIX) and not value.startswith("$"):
                name = f"{stem}/{m.group(2)}"
                vault.add(name, value, source=f"{os.path.abspath(path)}:{i}")
                new_line = f"{m.group(1)}{m.group(2)}{m.group(3)}{quote}{REF_PREFIX}{name}{quote}"
                moved.append({"name": name, "line": i, "kind": "assignment"})
        elif i in hits_by_line:
            # a token in other text: replace each occurrence by a reference
            line_start = offset
            out = line
            for n, h in enumerate(sorted(hits_by_line[i], key=lambda h: -h.start)):
                s0, e0 = h.start - line_start, h.end - line_start
                if 0 <= s0 < e0 <= len(line):
                    name = f"{stem}/{h.kind}-{i}-{n + 1}"
                    vault.add(name, line[s0:e0], source=f"{os.path.abspath(path)}:{i}")
                    out = out[:s0] + REF_PREFIX + name + out[e0:]
                    moved.append({"name": name, "line": i, "kind": h.kind})
            new_line = out
        lines[i - 1] = new_line
        offset += len(line) + 1
    if moved:
        tmp = f"{path}.interlock.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    return moved
