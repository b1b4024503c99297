"""The PostgreSQL gateway's view of a session's ``search_path``: what unqualified table names resolve to, for
previews, snapshots and targets (which otherwise connect with the login's default).

Tracked from what the session was sent: startup parameters (``search_path``, ``options=-c search_path=…``),
``SET [SESSION|LOCAL] search_path``, ``RESET search_path`` / ``RESET ALL`` / ``DISCARD ALL``,
``set_config('search_path', '…', is_local)`` with literal arguments; a ``LOCAL`` value ends with its
transaction (``COMMIT`` / ``END`` / ``ROLLBACK`` / ``ABORT`` / ``PREPARE TRANSACTION``, or the end of the
message outside a transaction block).  And from the server's ParameterStatus when it reports the setting
(PostgreSQL 18 does).  A mention it cannot read (a ``DO`` block, a function body, ``set_config`` with a
computed value) makes it unknown: previews and snapshots then say so instead of naming the wrong table.
What it does not see: a function that sets it when called (``set_config(…, false)`` in its body) on a
server that does not report it.
"""

from __future__ import annotations

import re

#: what may move search_path: its name, RESET/DISCARD ALL — and what moves it without naming it: SET SCHEMA (its
#: other name), a name in Unicode escapes (U&"search\005fpath"), set_config() of anything but another setting
#: named by a plain literal (a computed or escaped name), and SET ROLE / SESSION AUTHORIZATION (``"$user"``)
_MENTION = re.compile(r"search_path|\b(?:reset|discard)\s+all\b|\bset\s+(?:(?:session|local)\s+)?(?:schema|role)\b|"
                      r"\breset\s+role\b|\bsession\s+authorization\b|\bu&[\"']|"
                      r"set_config\"?\s*\(\s*(?!'(?!search_path')[^'\\]*'\s*,)", re.I)
_TX_HEAD = re.compile(r"\s*(begin|start|commit|end|rollback|abort|prepare)\b", re.I)
_SET = re.compile(r"\s*set\s+(?:(session|local)\s+)?search_path\s*(?:to|=)\s*(.+?)\s*;?\s*$", re.I | re.S)
_RESET = re.compile(r"\s*(?:reset\s+search_path|reset\s+all|discard\s+all)\s*;?\s*$", re.I)
_SET_CONFIG = re.compile(r"\s*select\s+(?:pg_catalog\.)?set_config\s*\(\s*'search_path'\s*,\s*'((?:[^']|'')*)'\s*,"
                         r"\s*(true|false)\s*\)\s*;?\s*$", re.I | re.S)
_NO_EFFECT = re.compile(r"\s*(?:alter\s+(?:role|user|database|function|procedure|routine|system)\b|"
                        r"comment\b|show\s+search_path\b|select\s+current_setting\s*\(\s*'search_path')", re.I)
#: a text of words and blanks only, with semicolons only around them (``BEGIN;``, ``END;``, ``START TRANSACTION``):
#: one statement, the words — what the SQL splitter gives for it, without running it
_WORDS_ONLY = re.compile(r"[ \t\r\n\f;]*([A-Za-z_]+(?:[ \t\r\n\f]+[A-Za-z_]+)*)[ \t\r\n\f;]*")
_AND_CHAIN = re.compile(r"\band\s+chain\b")      # (AND NO CHAIN: none)
_ITEM = re.compile(r'\s*("(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|[^,\s]+)\s*(?:,|$)')


def mention(text: str):
    """``_MENTION.search(text)`` without running that regex (~7 µs on a 50-character statement) where it cannot
    match: in ASCII text, where its case-insensitive letters match only their ASCII pairs, every one of its
    alternatives needs one of these words in the lowercased text (reset and set_config contain "set")."""
    if text.isascii():
        low = text.lower()
        if "set" not in low and "session" not in low and "discard" not in low and "u&" not in low \
                and "search_path" not in low:
            return None
    return _MENTION.search(text)


def mentions_search_path(text: str) -> bool:
    """Whether :meth:`SearchPath.observe` would look at ``text`` (it names the setting, or starts or ends a
    transaction); when not, a session at the login's search_path stays there after it."""
    return bool(mention(text) or _TX_HEAD.match(text))


def _items(raw: str) -> str | None:
    """``shadow, "My Schema", public`` → the setting's value as the server would show it; None if unreadable."""
    raw = raw.strip()
    if raw.lower() == "default":
        return ""
    out, pos = [], 0
    while pos < len(raw):
        m = _ITEM.match(raw, pos)
        if not m or m.end() == pos:
            return None
        tok = m.group(1)
        if tok.startswith("'"):
            tok = tok[1:-1].replace("''", "'")
            out.append(tok)
        elif tok.startswith('"'):
            out.append(tok)
        else:
            if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", tok):
                return None
            out.append(tok.lower())
        pos = m.end()
    return ", ".join(out) if out else None


def from_options(params: dict) -> tuple[str | None, str | None]:
    """(value, why unknown) from a startup packet's parameters; (None, None) for the login's default."""
    v = params.get("search_path")
    opts = params.get("options") or ""
    m = None
    for m in re.finditer(r"(?:-c\s*|--)search[_-]path=((?:\\.|\S)*)", opts, re.I):
        pass
    if m is not None:
        v = re.sub(r"\\(.)", r"\1", m.group(1))
    elif re.search(r"search[_-]path", opts, re.I):
        return None, "the startup options set search_path in a form Interlock does not read"
    if v is None:
        return None, None
    got = _items(v)
    return (got, None) if got is not None else (None, f"the startup search_path {v[:80]!r} is not readable")


# the startup packet's own keys, which are not settings
_NOT_SETTINGS = frozenset({"user", "database", "replication", "options"})


def split_options(opts: str) -> list[str]:
    """The server's split of the ``options`` parameter (pg_split_opts): words at whitespace, a backslash
    taking the next character literally."""
    out, cur, i, have = [], [], 0, False
    while i < len(opts):
        c = opts[i]
        if c == "\\" and i + 1 < len(opts):
            cur.append(opts[i + 1])
            have = True
            i += 2
            continue
        if c.isspace():
            if have:
                out.append("".join(cur))
            cur, have = [], False
        else:
            cur.append(c)
            have = True
        i += 1
    if have:
        out.append("".join(cur))
    return out


def startup_settings(params: dict) -> list[tuple[str, str]] | str:
    """Every setting a startup packet makes: its parameters other than user/database/replication/options
    (``_pq_.`` protocol extensions aside) and the ``-c name=value`` / ``-cname=value`` / ``--name=value``
    of its options; a reason (str) when the options hold anything else (another server switch)."""
    out = [(k, v) for k, v in params.items() if k not in _NOT_SETTINGS and not k.startswith("_pq_.")]
    words = split_options(params.get("options") or "")
    i = 0
    while i < len(words):
        w = words[i]
        if w == "-c" and i + 1 < len(words):
            item, i = words[i + 1], i + 2
        elif w.startswith("-c") and len(w) > 2:
            item, i = w[2:], i + 1
        elif w.startswith("--") and len(w) > 2:
            item, i = w[2:], i + 1
        else:
            return (f"the startup options hold {w[:60]!r}, which Interlock does not read: only -c name=value "
                    "settings are served")
        name, eq, value = item.partition("=")
        if not eq or not name:
            return f"the startup option {item[:60]!r} is not name=value: Interlock does not read it"
        out.append((name.replace("-", "_"), value))
    return out


class SearchPath:
    """Only what the server was sent is observed (a refused statement never ran).  Setting changes are
    transactional: inside a transaction block they hold only if it commits, which the text cannot tell (a
    failed block's COMMIT rolls back) — so a change made in a block is unknown after COMMIT, undone by
    ROLLBACK; a change in a query string of several statements holds only if all of them succeed — unknown
    after it too.  Unknown until a plain SET / RESET (or the server's report) makes it known again."""

    __slots__ = ("session", "local", "unknown", "block", "start", "pending", "several")

    def __init__(self, params: dict | None = None):
        self.session, self.unknown = from_options(params or {})
        self.local = None
        self.block = False
        self.start = None       # (session, unknown) when the block began
        self.pending = False    # the session value changed inside the block
        self.several = False

    @property
    def value(self) -> str | None:
        """The session's search_path now (None: the login's default)."""
        return self.local if self.local is not None else self.session

    def at_login_default(self) -> bool:
        """Nothing sent has moved the setting from the login's (and nothing made it unknown)."""
        return self.local is None and self.session is None and not self.unknown

    def payload(self) -> dict:
        """What a judged statement's action carries: the search_path its names resolve in, or why not known."""
        if self.unknown:
            return {"search_path_unknown": self.unknown}
        v = self.value
        return {} if v is None else {"search_path": v}

    def reported(self, value: str):
        """ParameterStatus from the server: authoritative."""
        self.session, self.local, self.unknown = value, None, None

    def observe(self, text: str, pieces=None):
        """A statement text the session sends (a Query's, a Parse's): its effect on the setting, applied after
        it.  Cheap when it mentions neither the setting nor a transaction's start or end."""
        if not mention(text) and not _TX_HEAD.match(text):
            if self.local is not None and not self.block:
                self.local = None
            return
        if pieces is None and (words := _WORDS_ONLY.fullmatch(text)) is not None:
            pieces = [words.group(1)]
        if pieces is None:
            from ..analysis import sql as S

            try:
                pieces = [p.raw for p in S.split(text, "postgres") if p.kind == "sql" and p.raw.strip(" \t\r\n;")]
            except Exception:  # noqa: BLE001 - unreadable: so is the setting
                self.unknown = "a statement that mentions search_path could not be split into statements"
                return
        self.several = len(pieces) > 1
        before = (self.session, self.unknown)
        for raw in pieces:
            self._one(raw)
        if self.several and not self.block and (self.session, self.unknown) != before and not self.unknown:
            self.unknown = ("search_path was changed in a query string of several statements: it holds only if "
                            "all of them succeeded")
        if self.local is not None and not self.block:
            self.local = None          # SET LOCAL outside a transaction block: only the message's own

    def observe_transaction(self, words: str):
        """:meth:`observe` for a text that is one statement of words only (:data:`_WORDS_ONLY`'s group, e.g.
        ``BEGIN``, ``END``) naming nothing that moves the setting: only the block it opens or closes."""
        self.several = False
        self._transaction(words)
        if self.local is not None and not self.block:
            self.local = None

    def _one(self, raw: str):
        self._transaction(raw)
        if not mention(raw):
            return
        self._setting(raw)

    def _transaction(self, raw: str):
        head = _TX_HEAD.match(raw)
        if head:
            w = head.group(1).lower()
            rest = raw[head.end():].lstrip().lower()
            if w in ("begin", "start") and (w == "begin" or rest.startswith("transaction")):
                if not self.block:
                    self.block, self.start, self.pending = True, (self.session, self.unknown), False
            elif w in ("rollback", "abort") and not rest.startswith(("to", "prepared")):
                was = self.block
                if self.block and self.start is not None:
                    self.session, self.unknown = self.start      # undone with the block
                self.block, self.local, self.start, self.pending = False, None, None, False
                self._chain(was, rest)
            elif w in ("commit", "end") or (w == "prepare" and rest.startswith("transaction")):
                was = self.block
                if self.block and self.pending and not self.unknown:
                    self.unknown = ("search_path was changed in a transaction block: whether it holds depends on "
                                    "the block having committed")
                self.block, self.local, self.start, self.pending = False, None, None, False
                if w != "prepare":
                    self._chain(was, rest)
            elif w == "rollback" and rest.startswith("to") and self.pending and not self.unknown:
                self.unknown = "search_path was changed in a transaction block rolled back to a savepoint"

    def _chain(self, was_block: bool, rest: str):
        """``COMMIT AND CHAIN`` / ``ROLLBACK AND CHAIN`` (END, ABORT) in a block: a new block begins at once, whose
        changes its own ROLLBACK undoes (outside a block the server refuses them: nothing begins)."""
        if was_block and _AND_CHAIN.search(rest):
            self.block, self.start, self.pending = True, (self.session, self.unknown), False

    def _setting(self, raw: str):
        if _RESET.match(raw):
            self.session, self.local, self.unknown = None, None, None
            self.pending = self.block
            return
        m = _SET.match(raw)
        if m:
            v = _items(m.group(2))
            if v is None:
                self.unknown = f"`{raw.strip()[:80]}`: a search_path Interlock does not read"
            elif (m.group(1) or "").lower() == "local":
                self.local = v or None
            else:
                self.session, self.local, self.unknown = (v or None), None, None
                self.pending = self.block
            return
        m = _SET_CONFIG.match(raw)
        if m:
            v = _items(m.group(1).replace("''", "'"))
            if v is None:
                self.unknown = f"`{raw.strip()[:80]}`: a search_path Interlock does not read"
            elif m.group(2).lower() == "true":
                self.local = v or None
            else:
                self.session, self.local, self.unknown = (v or None), None, None
                self.pending = self.block
            return
        if _NO_EFFECT.match(raw):
            return
        self.unknown = (f"`{raw.strip()[:80]}` may change search_path in a way Interlock does not follow "
                        "(a function, a DO block, a computed value)")
