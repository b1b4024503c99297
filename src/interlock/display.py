"""One safe rendering of agent-controlled text, for every place a human reads it.

An agent writes the commands, paths, arguments and file contents a human is asked to approve.
Printed as they are, they can forge what the human sees: ``\\r`` and cursor-movement escapes
overwrite a line, ``ESC[8m`` hides everything after it, OSC 52 writes the clipboard, a bidi
override reverses text, a zero-width space or U+2215 DIVISION SLASH make a path read as another,
3,000 spaces push ``; rm -rf lib`` past the end of a preview.  Every channel — the terminal
(``interlock approvals``/``approve``), the dashboard, webhooks, the agent-facing messages and the
audit viewer — shows such text through ``render`` (or ``line``/``block``):

* control characters (C0, DEL, C1, so every ESC/CSI/OSC sequence and a bare ``\\r``), format
  characters (bidi controls, zero-width ones), line/paragraph separators, non-ASCII spaces,
  unassigned and private-use code points, combining marks on ASCII, and characters that look
  like ASCII but are not (``display.toml``; anything NFKC folds to ASCII) are shown as
  ``⟨ESC⟩``, ``⟨CR⟩``, ``⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩``, ``⟨U+2215 DIVISION SLASH, looks like /⟩``.
  The marker brackets themselves are always escaped, so every ``⟨…⟩`` on screen is Interlock's;
* runs of whitespace are collapsed with their length shown (``⟨3000 spaces⟩``), and so are runs
  of blank lines;
* nothing is cut silently: a bounded view keeps the head and the tail and says, where it cut,
  how many characters are not shown and where the whole text is.

Pure and dependency-free (``unicodedata`` and the TOML data file, loaded on first use).
"""

from __future__ import annotations

import re

OPEN, CLOSE = "\u27e8", "\u27e9"  # ⟨ ⟩
C0_NAMES = {0: "NUL", 7: "BEL", 8: "BS", 9: "TAB", 10: "LF", 11: "VT", 12: "FF", 13: "CR", 27: "ESC", 127: "DEL"}
#: A run of spaces longer than this is collapsed on one line; in a block, inside a line / as indentation.
LINE_RUN, BLOCK_RUN, BLOCK_INDENT = 8, 24, 80
#: More blank lines than this in a row are collapsed.
BLANK_LINES = 3

_BLANKS = re.compile(r"\n(?:[ \t]*\n)+")
_WORD = re.compile(r"\w+")
_TABLE = None


def _table():
    global _TABLE
    if _TABLE is None:
        import os
        import tomllib

        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "display.toml"), "rb") as f:
            d = tomllib.load(f)
        _TABLE = (d.get("punctuation") or {}, d.get("letters") or {}, frozenset(d.get("invisible") or {}),
                  tuple((d.get("mixed") or {}).get("scripts") or ()))
    return _TABLE



class Shown:
    """A rendering: ``text`` to print, how many characters were ``marked``, how many were ``cut``."""

    __slots__ = ("text", "marked", "cut")

    def __init__(self, text, marked, cut):
        self.text, self.marked, self.cut = text, marked, cut

    def __str__(self):
        return self.text


def _name(c, o) -> str:
    import unicodedata

    n = unicodedata.name(c, "")
    return f"U+{o:04X} {n}" if n else f"U+{o:04X}"


def _mixed_letters(s: str) -> set:
    """Indices of look-alike letters inside words that also have ASCII letters."""
    if s.isascii():
        return set()
    import unicodedata

    _, letters, _, scripts = _table()
    out = set()
    for m in _WORD.finditer(s):
        w = m.group()
        if w.isascii() or not any("a" <= ch.lower() <= "z" for ch in w):
            continue
        for k, ch in enumerate(w):
            if ch in letters or (not ch.isascii() and unicodedata.name(ch, "").startswith(scripts)):
                out.add(m.start() + k)
    return out


def marker(c: str, mixed_letter=False, prev="") -> str | None:
    """How one character is shown when it is not shown as itself; None when it is."""
    o = ord(c)
    if o < 0x20 or o == 0x7F:
        return f"{OPEN}{C0_NAMES.get(o) or f'U+{o:04X}'}{CLOSE}"
    if o < 0x7F:
        return None
    if 0x80 <= o < 0xA0:
        return f"{OPEN}U+{o:04X} C1 control{CLOSE}"
    if c in (OPEN, CLOSE):
        return f"{OPEN}{_name(c, o)}{CLOSE}"
    import unicodedata

    cat = unicodedata.category(c)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs") or (cat in ("Mn", "Me") and prev and prev.isascii()):
        return f"{OPEN}{_name(c, o)}{CLOSE}"
    punct, letters, invisible, _ = _table()
    if c in invisible:
        return f"{OPEN}{_name(c, o)}{CLOSE}"
    look = punct.get(c) or (letters.get(c) if mixed_letter else None)
    if look is None and mixed_letter:
        return f"{OPEN}{_name(c, o)}, in a word of Latin letters{CLOSE}"
    if look is None:
        nf = unicodedata.normalize("NFKC", c)
        if nf != c and len(nf) == 1 and nf.isascii() and nf.isprintable():  # fullwidth ／, ｒ ...
            look = nf
    if look is not None:
        return f"{OPEN}{_name(c, o)}, looks like {look}{CLOSE}"
    return None


def render(text, *, multiline=False, limit=None, full=None) -> Shown:
    """``text`` as a person may safely see it.  ``multiline``: newlines stay line breaks (file
    contents, diffs), else they are shown as ⟨LF⟩.  ``limit``: at most about that many characters,
    head and tail kept, the cut said where it is, with ``full`` (e.g. "interlock approvals show
    apr-… --full") naming where the whole text is."""
    s = "" if text is None else str(text)
    mixed = _mixed_letters(s)
    pieces = []  # (text, characters of the original it stands for, may be sliced)
    marked = 0
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        o = ord(c)
        if 0x20 < o < 0x7F:
            j = i + 1
            while j < n and 0x20 < ord(s[j]) < 0x7F:
                j += 1
            pieces.append((s[i:j], j - i, True))
            i = j
            continue
        if c == " " or (c == "\t" and multiline):
            j = i + 1
            while j < n and (s[j] == " " or (multiline and s[j] == "\t")):
                j += 1
            run = j - i
            lead = multiline and (i == 0 or s[i - 1] == "\n")
            cap = (BLOCK_INDENT if lead else BLOCK_RUN) if multiline else LINE_RUN
            if run > cap:
                what = "spaces" if "\t" not in s[i:j] else "spaces and tabs"
                pieces.append((f"{OPEN}{run} {what}{CLOSE}", run, False))
                marked += 1
            else:
                pieces.append((s[i:j], run, True))
            i = j
            continue
        if c == "\n" and multiline:
            m = _BLANKS.match(s, i)
            if m is not None and m.group().count("\n") - 1 > BLANK_LINES:
                k = m.group().count("\n") - 1
                pieces.append((f"\n{OPEN}{k} blank lines{CLOSE}\n", m.end() - i, False))
                marked += 1
                i = m.end()
                continue
            pieces.append(("\n", 1, False))
            i += 1
            continue
        m = marker(c, i in mixed, s[i - 1] if i else "")
        if m is None:
            pieces.append((c, 1, False))
            i += 1
            continue
        j = i + 1
        while j < n and s[j] == c:
            j += 1
        if j - i > 3:  # 3,000 zero-width spaces or tabs are one marker, with the count
            m = m[:-1] + f" ×{j - i}{CLOSE}"
        else:
            m, j = m * (j - i), j
        pieces.append((m, j - i, False))
        marked += j - i
        i = j
    total = sum(len(p[0]) for p in pieces)
    if limit is None or total <= limit:
        return Shown("".join(p[0] for p in pieces), marked, 0)
    head_room = max(1, limit * 2 // 3)
    tail_room = max(1, limit - head_room)
    head, used_h = _take(pieces, head_room)
    tail, used_t = _take([(p[0][::-1], p[1], p[2]) for p in reversed(pieces)], tail_room)
    tail = "".join(t[::-1] for t in reversed(tail))
    cut = n - used_h - used_t
    where = f"; the whole text: {full}" if full else ""
    sep = "\n" if multiline else " "
    mark = f"{sep}{OPEN}… {cut:,} characters not shown here{where}{CLOSE}{sep}"
    return Shown("".join(head) + mark + tail, marked, cut)


def _take(pieces, room):
    """Whole pieces (sliceable ones in part) from the front until ``room`` is used: (texts, originals used)."""
    out, used_orig, used = [], 0, 0
    for text, orig, sliceable in pieces:
        if used + len(text) <= room:
            out.append(text)
            used += len(text)
            used_orig += orig
            continue
        if sliceable and room - used > 0:
            k = room - used
            out.append(text[:k])
            used_orig += k
        break
    return out, used_orig


def line(text, limit=None, full=None) -> str:
    """One line of agent-controlled text (a command, a path, a target)."""
    return render(text, limit=limit, full=full).text


def block(text, limit=None, full=None) -> str:
    """Multi-line agent-controlled text (file contents, a diff), line breaks kept."""
    return render(text, multiline=True, limit=limit, full=full).text


def gutter(text: str, first: str, rest: str) -> str:
    """A rendered block under a label, every line after the first behind ``rest`` (e.g. "  │ "), so
    a line of the agent's text can never pass for a line of Interlock's own layout."""
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [rest + ln for ln in lines[1:]])


def note(*shown: Shown) -> str | None:
    """A sentence saying what the markers mean, when any text was marked."""
    n = sum(s.marked for s in shown)
    if not n:
        return None
    return (f"{n} character(s) or run(s) an agent could use to hide or disguise text are shown as "
            f"{OPEN}…{CLOSE} (escapes, invisible or look-alike characters, long whitespace)")


# --- Slack mrkdwn -------------------------------------------------------------------------------------

def _slack_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "`", f"{OPEN}backtick{CLOSE}")


def slack_code(text, limit=200, full=None) -> str:
    """Agent text inside a Slack mrkdwn inline code span: rendered, ``& < >`` escaped, backticks
    marked — so ``*``, ``_``, ``~``, links and mentions in it are shown literally, never applied."""
    s = _slack_escape(line(text, limit=limit, full=full))
    return f"`{s}`" if s else "`-`"


def slack_pre(text, limit=2500, full=None) -> str:
    """Multi-line agent text as a Slack mrkdwn code block (same guarantees as ``slack_code``)."""
    s = _slack_escape(block(text, limit=limit, full=full))
    return f"```{s or '-'}```"
