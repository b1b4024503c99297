"""Encryption at rest: libsodium's secretstream (XChaCha20-Poly1305) through PyNaCl.

A backup file is ``ILBK1`` + a flags byte + the stream header + chunks, each a 4-byte
length and one authenticated ciphertext.  The last chunk carries the FINAL tag, so a
truncated, reordered, spliced or altered file fails to decrypt (nothing is written
for a bad file: the output is removed).  Payloads that do not compress on their own
(SQL text, SQLite files) are zlib-compressed before they are encrypted.

The key is 32 random bytes in the backup owner's ``keys/`` directory (0400, another OS
user than the agent's): the agent can neither read the backups nor forge one.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib

MAGIC = b"ILBK1"
CHUNK = 1 << 20
F_ZLIB = 1


class CryptoError(Exception):
    pass


def _nacl():
    try:
        from nacl import bindings as b
    except ImportError:
        raise CryptoError("PyNaCl is not installed: pip install 'interlock[backups]'") from None
    return b


def new_key() -> bytes:
    return _nacl().crypto_secretstream_xchacha20poly1305_keygen()


def key_id(key: bytes) -> str:
    """A name for a key that reveals nothing about it."""
    return hashlib.sha256(b"interlock-backup-key-id\0" + key).hexdigest()[:16]


def encrypt_file(src: str, dst: str, key: bytes, compress: bool = False) -> dict:
    """Encrypt ``src`` into ``dst``; returns sizes and the SHA-256 of what was written."""
    b = _nacl()
    state = b.crypto_secretstream_xchacha20poly1305_state()
    header = b.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    h = hashlib.sha256()
    comp = zlib.compressobj(1) if compress else None
    plain = written = 0

    def pieces(f):
        nonlocal plain
        while True:
            block = f.read(CHUNK)
            plain += len(block)
            if not block:
                if comp is not None:
                    yield comp.flush()
                return
            yield comp.compress(block) if comp is not None else block

    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
        def emit(data: bytes):
            nonlocal written
            h.update(data)
            out.write(data)
            written += len(data)

        def push(piece: bytes, final: bool):
            tag = b.crypto_secretstream_xchacha20poly1305_TAG_FINAL if final else 0
            c = b.crypto_secretstream_xchacha20poly1305_push(state, piece, None, tag)
            emit(struct.pack(">I", len(c)) + c)

        emit(MAGIC + bytes([F_ZLIB if compress else 0]) + header)
        buf = bytearray()
        for p in pieces(f):
            buf += p
            while len(buf) > CHUNK:  # more follows: never the final chunk
                push(bytes(buf[:CHUNK]), False)
                del buf[:CHUNK]
        push(bytes(buf), True)
        out.flush()
        os.fsync(out.fileno())
    return {"plain_bytes": plain, "bytes": written, "sha256": h.hexdigest(), "compressed": bool(compress)}


def decrypt_file(src: str, dst: str, key: bytes) -> int:
    """Decrypt ``src`` into ``dst`` (created 0600); CryptoError for anything not intact."""
    b = _nacl()
    hlen = b.crypto_secretstream_xchacha20poly1305_HEADERBYTES
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    total = 0
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            head = f.read(len(MAGIC) + 1 + hlen)
            if len(head) != len(MAGIC) + 1 + hlen or not head.startswith(MAGIC):
                raise CryptoError("not an Interlock backup file (bad header)")
            flags = head[len(MAGIC)]
            state = b.crypto_secretstream_xchacha20poly1305_state()
            try:
                b.crypto_secretstream_xchacha20poly1305_init_pull(state, head[len(MAGIC) + 1:], key)
            except Exception:
                raise CryptoError("the stream header does not decrypt with this key") from None
            dec = zlib.decompressobj() if flags & F_ZLIB else None
            final = False
            while True:
                ln = f.read(4)
                if not ln:
                    break
                if final:
                    raise CryptoError("data after the final chunk")
                if len(ln) != 4:
                    raise CryptoError("truncated chunk length")
                (n,) = struct.unpack(">I", ln)
                if n > CHUNK + 64:
                    raise CryptoError("chunk too large")
                c = f.read(n)
                if len(c) != n:
                    raise CryptoError("truncated chunk")
                try:
                    m, tag = b.crypto_secretstream_xchacha20poly1305_pull(state, c, None)
                except Exception:
                    raise CryptoError("a chunk failed authentication: the file was altered or the key is "
                                      "wrong") from None
                if dec is not None:
                    m = dec.decompress(m)
                out.write(m)
                total += len(m)
                final = tag == b.crypto_secretstream_xchacha20poly1305_TAG_FINAL
            if not final:
                raise CryptoError("the file is truncated (no final chunk)")
            if dec is not None:
                rest = dec.flush()
                out.write(rest)
                total += len(rest)
    except BaseException:
        try:
            os.unlink(dst)
        except OSError:
            pass
        raise
    return total
