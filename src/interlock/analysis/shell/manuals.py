"""What an installed program's own manual says its options do — read from the man page file, no process run.

For a program Interlock has no knowledge of, the generic verb model reads verbs in its words and long options.
A short flag (`-D`) or an option with an unremarkable name says nothing by itself; the program's manual does:

    .TP
    .BR \\-D ", " \\-\\-purge\\-all
    Delete every entry of the store.

``options(name)`` finds ``name``'s page (``man1``/``man8`` under the usual man directories; English pages
only), decompresses it (gzip, bounded), and reads the roff source for option tags (``.TP``, ``.IP "tag"``,
mdoc's ``.It Fl x``) and the first sentence after each.  ``clis.generic`` applies the verb model to that
sentence (``Delete every entry`` → a delete).  Parsed manuals are cached per process by path, size and mtime
(the hook daemon keeps them warm); a missing manual is cached as missing.

Failure is reported, never silent: an unreadable, corrupt or oversized manual raises ``ManualError`` and the
caller asks (the command uses an option the manual was needed for).
"""

from __future__ import annotations

import gzip
import os
import re
import zlib

#: Man page trees, most specific first (MANPATH is not read: it is the agent's environment, not the system's).
MAN_DIRS = ("/usr/local/share/man", "/usr/local/man", "/usr/share/man", "/opt/homebrew/share/man",
            "/opt/local/share/man")
SECTIONS = ("1", "8")
#: Bounds: a manual larger than this (compressed or not) is not read (bash's is ~0.35 MB, zshall ~0.9 MB).
MAX_BYTES = 2_000_000
_CACHE: dict = {}
_CACHE_MAX = 256


class ManualError(Exception):
    """The manual exists but could not be read within bounds."""


_FOUND: dict = {}


def find(name: str):
    """The path of ``name``'s manual page, or None.  Only plain program names (no path, no glob).  Remembered
    per process (a daemon restarts after its idle time, so a program installed meanwhile is read then)."""
    if name in _FOUND:
        return _FOUND[name]
    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,80}", name):
        return None
    found = None
    for d in MAN_DIRS:
        for s in SECTIONS:
            for ext in (".gz", ""):
                p = f"{d}/man{s}/{name}.{s}{ext}"
                if os.path.isfile(p):
                    found = p
                    break
            if found:
                break
        if found:
            break
    if len(_FOUND) >= 4096:
        _FOUND.clear()
    _FOUND[name] = found
    return found


def options(name: str):
    """``{option: (tag, description)}`` from ``name``'s manual, {} when there is none; ``ManualError`` when it
    exists and cannot be read."""
    path = find(name)
    if path is None:
        return {}
    try:
        st = os.stat(path)
    except OSError as e:
        raise ManualError(f"{path}: {e.strerror or e}") from None
    key = (path, st.st_size, st.st_mtime_ns)
    hit = _CACHE.get(key)
    if hit is not None:
        if isinstance(hit, ManualError):
            raise hit
        return hit
    try:
        result = parse(_read(path, st.st_size))
    except ManualError as e:
        result = e
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[key] = result
    if isinstance(result, ManualError):
        raise result
    return result


def _read(path, size, hops=0):
    if size > MAX_BYTES:
        raise ManualError(f"{path} is larger than {MAX_BYTES} bytes")
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise ManualError(f"{path} could not be read: {type(e).__name__}") from None
    if len(data) > MAX_BYTES:
        raise ManualError(f"{path} is larger than {MAX_BYTES} bytes uncompressed")
    if data.lstrip().startswith(b".so "):  # a page that only sources another (`.so man8/other.8`)
        target = data.split(None, 1)[1].split(b"\n", 1)[0].decode("latin-1").strip()
        base = os.path.dirname(os.path.dirname(path))
        other = os.path.normpath(os.path.join(base, target))
        if hops >= 3:
            raise ManualError(f"{path}: more than 3 `.so` redirections")
        if other.startswith(base + "/") and other != path:
            for p in (other, other + ".gz"):
                if os.path.isfile(p):
                    return _read(p, os.stat(p).st_size, hops + 1)
        return ""
    return data.decode("utf-8", "replace")


# --- roff, as much as option lists need -------------------------------------------------------------

_ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),       # font changes \fB \fI \fR \fP \f(CW \f[B]
    (re.compile(r"\\s[+-]?\d+"), ""),                  # size changes
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),       # strings \*(lq
    (re.compile(r"\\\((em|en|hy)"), "-"),
    (re.compile(r"\\\((lq|rq|dq|oq|cq)"), "\""),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), ""),           # other special characters
    (re.compile(r"\\[-]"), "-"),
    (re.compile(r"\\[&|^%:]"), ""),
    (re.compile(r"\\[ ~0]"), " "),
    (re.compile(r"\\e"), "\\\\"),
    (re.compile(r"\\c$"), ""),
]
_FONT_MACROS = re.compile(r"^\.(B|I|BR|RB|BI|IB|IR|RI|SM|SB|Nm|Ar|Op|Oo|Oc|Xo|Xc|Pa|Em|Sy|Li|Cm|Dq|Sq|Ql|Qo|Qc)\b\s*")
_BREAKS = {"TP", "IP", "SH", "SS", "HP", "It", "Sh", "Ss", "El", "Bl", "RE", "TQ"}
#: Paragraph macros: a paragraph whose first line is an option list is an option's entry (DocBook's output:
#: `.PP` / `\fB\-r\fR, \fB\-\-remove\fR` / `.RS 4` / description / `.RE`).
_PARAGRAPHS = {"PP", "P", "LP", "Pp"}
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z0-9?][A-Za-z0-9_-]*)")
#: Control characters (an escape sequence in a planted page must not reach a terminal or the dashboard).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ARGS = re.compile(r'"([^"]*)"|(\S+)')


def _text(s: str) -> str:
    for pat, rep in _ESCAPES:
        s = pat.sub(rep, s)
    return s.replace("\\", "")


def _macro_args(rest: str, joined: bool) -> str:
    parts = [a or b for a, b in _ARGS.findall(rest)]
    return ("" if joined else " ").join(parts)


def _mdoc_tag(rest: str) -> str:
    """`.It Fl d Ar name` -> `-d name`; `.It Fl \\-delete` -> `--delete`; `.It Fl d , Fl \\-delete`."""
    out = []
    words = rest.split()
    k = 0
    while k < len(words):
        w = words[k]
        if w == "Fl" and k + 1 < len(words):
            out.append("-" + _text(words[k + 1]))
            k += 2
            continue
        if w in ("Ar", "Op", "Oo", "Oc", "Cm", "Ns", "Pa", "Xo", "Xc", "Li", "Ic"):
            k += 1
            continue
        out.append(_text(w))
        k += 1
    return " ".join(out)


def _line_text(line: str) -> str:
    if line.startswith((".", "'")):
        m = _FONT_MACROS.match(line)
        if not m:
            return ""
        macro = m.group(1)
        joined = macro in ("BR", "RB", "BI", "IB", "IR", "RI")
        return _text(_macro_args(line[m.end():], joined))
    return _text(line)


def parse(src: str) -> dict:
    """Option -> (tag text, description's first sentence) from a roff manual's source."""
    lines = src.splitlines()
    found: dict = {}
    tag = None
    desc: list = []

    def flush():
        if tag is None:
            return
        text = _CONTROL.sub("", " ".join(x for x in desc if x)).strip()
        sentence = re.split(r"(?<=[.;:])\s", text, 1)[0][:240]
        for opt in _OPTION.findall(tag.split("  ")[0]):
            opt = opt.rstrip("-")
            if len(opt) > 1 and opt not in found:
                found[opt] = (_CONTROL.sub("", tag).strip()[:120], sentence)

    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if line.startswith((".", "'")):
            name = line[1:].split(None, 1)
            macro = name[0] if name else ""
            rest = name[1] if len(name) > 1 else ""
            if macro in ("TP", "TQ"):
                if macro == "TP":
                    flush()
                    tag, desc = "", []
                # the tag is the next text line (skipping comments)
                i += 1
                while i < n and lines[i].startswith(('.\\"', "'\\\"")):
                    i += 1
                if i < n:
                    t = _line_text(lines[i])
                    tag = (tag + ", " + t) if tag else t
                i += 1
                continue
            if macro == "IP" and rest:
                flush()
                tag, desc = _text(_macro_args(rest, False).rsplit(" ", 1)[0] if re.search(r'"\s+\d+\s*$', rest)
                                  else _macro_args(rest, False)), []
                i += 1
                continue
            if macro == "It":
                flush()
                tag, desc = _mdoc_tag(rest), []
                i += 1
                continue
            if macro in _PARAGRAPHS:
                flush()
                tag, desc = None, []
                j = i + 1
                while j < n and lines[j].startswith(('.\\"', "'\\\"")):
                    j += 1
                if j < n:
                    t = _line_text(lines[j]).strip()
                    if t.startswith("-") and (j + 1 >= n or not lines[j + 1].startswith(".") or
                                              lines[j + 1].startswith((".RS", ".sp", ".br"))):
                        tag, i = t, j + 1
                        continue
                i += 1
                continue
            if macro in _BREAKS:
                flush()
                tag, desc = None, []
                i += 1
                continue
            if tag is not None:
                t = _line_text(line)
                if t and tag == "" and not desc:
                    tag = t
                elif t:
                    desc.append(t)
            i += 1
            continue
        if tag is not None:
            t = _text(line).strip()
            if t:
                if tag == "" and not desc:
                    tag = t
                else:
                    desc.append(t)
        i += 1
    flush()
    return {k: v for k, v in found.items() if v[1]}
