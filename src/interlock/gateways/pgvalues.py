"""The values an extended-protocol client binds to a statement's ``$n`` parameters, as SQL literals.

The PostgreSQL gateway judges a parameterized statement whose reach depends on its values (``DELETE …
WHERE id <> $1``) when the client binds them: the statement with each ``$n`` replaced by its value, cast
to the parameter's type, is what is judged, previewed, shown to the approver and approved — and the
approval then holds for those values only.

Values come in the text format (``'42'`` — any type: quoted and cast) or the binary format, decoded here
for the types clients send in binary (asyncpg sends everything it knows in binary): booleans, integers,
floats, numeric, text types, json/jsonb, uuid, bytea, date, timestamp(tz) and arrays of these.  A value
that can't be read (another binary type, bad bytes, a text value that is not UTF-8) makes the whole
statement unreadable: :func:`literal` returns None and the gateway judges the statement by its text
alone, saying so.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import struct
import uuid

_EPOCH_DATE = _dt.date(2000, 1, 1)
_EPOCH_TS = _dt.datetime(2000, 1, 1)


class Unreadable(ValueError):
    pass


def quote(s: str) -> str:
    """A standard string literal (``standard_conforming_strings`` on, as on every connection the gateway
    opens itself): quotes doubled, nothing else special."""
    if "\x00" in s:
        raise Unreadable("a NUL character in a text value")
    return "'" + s.replace("'", "''") + "'"


def _signed(num: str) -> str:
    """A negative number quoted: ``-9223372036854775808::bigint`` is ``-(9223372036854775808::bigint)``."""
    return quote(num) if num.startswith("-") else num


def _int(fmt):
    def dec(b):
        if len(b) != struct.calcsize(fmt):
            raise Unreadable("bad length")
        return _signed(str(struct.unpack(fmt, b)[0]))
    return dec


def _float(fmt):
    def dec(b):
        if len(b) != struct.calcsize(fmt):
            raise Unreadable("bad length")
        v = struct.unpack(fmt, b)[0]
        if math.isnan(v):
            return "'NaN'"
        if math.isinf(v):
            return "'Infinity'" if v > 0 else "'-Infinity'"
        return _signed(repr(v))
    return dec


def _bool(b):
    if b not in (b"\x00", b"\x01"):
        raise Unreadable("bad boolean")
    return "true" if b == b"\x01" else "false"


def _text(b):
    try:
        return quote(b.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable("text that is not UTF-8") from None


def _jsonb(b):
    if not b or b[0] != 1:
        raise Unreadable("unknown jsonb version")
    return _text(b[1:])


def _uuid(b):
    if len(b) != 16:
        raise Unreadable("bad length")
    return quote(str(uuid.UUID(bytes=b)))


def _bytea(b):
    return quote("\\x" + b.hex())


def _date(b):
    if len(b) != 4:
        raise Unreadable("bad length")
    d = struct.unpack("!i", b)[0]
    if d == 0x7FFFFFFF:
        return "'infinity'"
    if d == -0x80000000:
        return "'-infinity'"
    try:
        return quote((_EPOCH_DATE + _dt.timedelta(days=d)).isoformat())
    except OverflowError:
        raise Unreadable("a date out of range") from None


def _timestamp(tz):
    def dec(b):
        if len(b) != 8:
            raise Unreadable("bad length")
        us = struct.unpack("!q", b)[0]
        if us == 0x7FFFFFFFFFFFFFFF:
            return "'infinity'"
        if us == -0x8000000000000000:
            return "'-infinity'"
        try:
            t = _EPOCH_TS + _dt.timedelta(microseconds=us)
        except OverflowError:
            raise Unreadable("a timestamp out of range") from None
        return quote(t.isoformat(sep=" ") + ("+00" if tz else ""))
    return dec


def _numeric(b):
    if len(b) < 8:
        raise Unreadable("bad length")
    ndigits, weight, sign, dscale = struct.unpack("!hhHh", b[:8])
    if len(b) != 8 + 2 * ndigits or ndigits < 0 or dscale < 0:
        raise Unreadable("bad numeric")
    special = {0xC000: "'NaN'", 0xD000: "'Infinity'", 0xF000: "'-Infinity'"}
    if sign in special:
        return special[sign]
    if sign not in (0x0000, 0x4000):
        raise Unreadable("bad numeric sign")
    digits = struct.unpack(f"!{ndigits}h", b[8:])
    if any(not 0 <= d < 10000 for d in digits):
        raise Unreadable("bad numeric digit")
    # digits are base-10000 groups; group i has weight (weight - i)
    whole = "".join(f"{d:04d}" for d in digits)
    point = 4 * (weight + 1)           # position of the decimal point in ``whole``
    if point <= 0:
        whole = "0" * (-point) + whole
        point = 0
    elif point > len(whole):
        whole = whole + "0" * (point - len(whole))
    ip, fp = whole[:point].lstrip("0") or "0", whole[point:]
    fp = (fp + "0" * dscale)[:dscale]
    return _signed(("-" if sign == 0x4000 else "") + ip + ("." + fp if dscale else ""))


#: type oid → decoder of the binary format
BINARY = {
    16: _bool, 20: _int("!q"), 21: _int("!h"), 23: _int("!i"), 26: _int("!I"),
    700: _float("!f"), 701: _float("!d"), 1700: _numeric,
    25: _text, 1043: _text, 1042: _text, 19: _text, 114: _text, 3802: _jsonb, 142: _text,
    2950: _uuid, 17: _bytea, 1082: _date, 1114: _timestamp(False), 1184: _timestamp(True),
}
MAX_ELEMENTS = 100_000


def _array(b, depth=0):
    """A binary array (self-describing: dimensions, element type, elements) as ``ARRAY[...]``."""
    if len(b) < 12:
        raise Unreadable("bad array")
    ndim, _flags, elem = struct.unpack("!iiI", b[:12])
    if ndim == 0:
        return "'{}'"
    if not 0 < ndim <= 6 or len(b) < 12 + 8 * ndim:
        raise Unreadable("bad array dimensions")
    dims = [struct.unpack("!ii", b[12 + 8 * i:20 + 8 * i])[0] for i in range(ndim)]
    total = 1
    for d in dims:
        if d < 0:
            raise Unreadable("bad array dimension")
        total *= d
    if total > MAX_ELEMENTS:
        raise Unreadable(f"an array of more than {MAX_ELEMENTS:,} elements")
    dec = BINARY.get(elem)
    if dec is None:
        raise Unreadable(f"array elements of type oid {elem}")
    p, items = 12 + 8 * ndim, []
    for _ in range(total):
        if p + 4 > len(b):
            raise Unreadable("truncated array")
        n = struct.unpack("!i", b[p:p + 4])[0]
        p += 4
        if n < 0:
            items.append("NULL")
            continue
        if p + n > len(b):
            raise Unreadable("truncated array")
        items.append(dec(b[p:p + n]))
        p += n
    if p != len(b):
        raise Unreadable("trailing bytes in an array")

    def nest(level, flat):
        if level == ndim - 1:
            return "ARRAY[" + ", ".join(flat) + "]"
        step = len(flat) // dims[level] if dims[level] else 0
        return "ARRAY[" + ", ".join(nest(level + 1, flat[i * step:(i + 1) * step]) for i in range(dims[level])) + "]"
    return nest(0, items)


_IDENT_TYPE = re.compile(r"^[\w .,()\[\]\"]+$")


def literal(value: bytes | None, fmt: int, oid: int, type_name: str | None) -> str:
    """One bound value as a literal cast to its type; raises :class:`Unreadable`."""
    cast = f"::{type_name}" if type_name and _IDENT_TYPE.match(type_name) else ""
    if type_name and not cast:
        raise Unreadable(f"an unusual type name {type_name[:40]!r}")
    if value is None:
        return "NULL" + cast
    if fmt == 0:
        try:
            return quote(value.decode("utf-8")) + cast
        except UnicodeDecodeError:
            raise Unreadable("a text-format value that is not UTF-8") from None
    if fmt != 1:
        raise Unreadable(f"parameter format {fmt}")
    if type_name and type_name.endswith("[]"):
        return _array(value) + cast
    dec = BINARY.get(oid)
    if dec is None:
        raise Unreadable(f"binary values of type {type_name or oid}")
    return dec(value) + cast


_PARAM_RE = re.compile(r"""'[^']*'|"[^"]*"|--[^\n]*|/\*.*?\*/|\$([A-Za-z_]\w*)?\$.*?\$\1\$|\$(\d+)""", re.S)


def substitute(text: str, literals: list[str]) -> str:
    """``text`` with every ``$n`` outside strings, identifiers, comments and dollar quotes replaced by
    ``literals[n-1]`` (parenthesised); raises :class:`Unreadable` for a ``$n`` with no value."""
    def sub(m):
        if m.group(2) is None:
            return m.group(0)
        i = int(m.group(2))
        if not 1 <= i <= len(literals):
            raise Unreadable(f"${i} has no bound value")
        return "(" + literals[i - 1] + ")"
    if "\\" in text:  # E'' strings, or standard_conforming_strings off: quotes this scan can't follow
        raise Unreadable("a backslash in the statement")
    return _PARAM_RE.sub(sub, text)


def parse_bind(msg: bytes):
    """(portal, statement, formats per parameter, values) of a whole Bind message (type byte included)."""
    def cstr(p):
        j = msg.index(b"\x00", p)
        return msg[p:j], j + 1
    portal, p = cstr(5)
    stmt, p = cstr(p)
    nf = struct.unpack("!H", msg[p:p + 2])[0]
    fcodes = list(struct.unpack(f"!{nf}h", msg[p + 2:p + 2 + 2 * nf]))
    p += 2 + 2 * nf
    nv = struct.unpack("!H", msg[p:p + 2])[0]
    p += 2
    values = []
    for _ in range(nv):
        n = struct.unpack("!i", msg[p:p + 4])[0]
        p += 4
        if n < 0:
            values.append(None)
        else:
            if p + n > len(msg):
                raise ValueError("truncated Bind")
            values.append(msg[p:p + n])
            p += n
    if nf == 0:
        formats = [0] * nv
    elif nf == 1:
        formats = fcodes * nv
    elif nf == nv:
        formats = fcodes
    else:
        raise ValueError("Bind format codes do not match its values")
    return portal, stmt, formats, values


def parse_oids(body: bytes, p: int) -> list[int]:
    """The parameter type oids a Parse message names (after its query string, at ``p``)."""
    n = struct.unpack("!H", body[p:p + 2])[0]
    return list(struct.unpack(f"!{n}I", body[p + 2:p + 2 + 4 * n]))
