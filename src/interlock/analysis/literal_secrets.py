"""Literal secrets in text: provider tokens, keys in auth headers, passwords in URLs and assignments.

``find_secrets(text)`` returns one :class:`Hit` per secret found in a command, a file being
written, an MCP argument, a URL or a whole file (``interlock secrets scan``).  It runs on every
shell command on the hook's path, so it is built to cost almost nothing when there is nothing:

* The provider patterns are data (``secret_patterns.toml``, most copied from gitleaks' MIT
  rule set).  Each rule names lowercase *keywords*; a rule's regex only runs on text that
  contains one of them (gitleaks' own prefilter), and is compiled the first time it is needed.
* The TOML is parsed once and kept, compiled to plain values, in Interlock's state directory
  (``$INTERLOCK_HOME/cache``), so a hook process loads it with ``marshal`` instead of importing
  ``tomllib``.  Nothing at all is loaded until the first call.
* Header, URL and assignment heuristics run only when their own keywords are present.

detect-secrets (Yelp) was measured as the alternative: ~90 ms to import and ~0.5 ms per
200-character command with its default plugins and filters, no spans, and false alarms on
package-lock integrity hashes — too slow for a hook and too coarse to mask; see docs/secrets.md.

A :class:`Hit` never holds the secret: only its span in the text and a masked form that keeps a
short recognisable prefix (``ghp_ab…[masked]``).
"""

from __future__ import annotations

import os
import re

from ..memo import remember, table

__all__ = ["Hit", "find_secrets", "mask_secrets", "rules", "PATTERNS_FILE"]

PATTERNS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "secret_patterns.toml")
_FORMAT = 3  # bump when the compiled (cached) form changes
MASK = "…[masked]"


# Regexes of the heuristics, compiled on first use (compiling them all at import would cost the
# hook ~5 ms on every call, most of which never reach a heuristic).
_PATTERNS = {}
_COMPILED = {}


def _rx(name):
    rx = _COMPILED.get(name)
    if rx is None:
        p = _PATTERNS[name]
        rx = _COMPILED[name] = re.compile(*p) if isinstance(p, tuple) else re.compile(p)
    return rx


class Hit:
    """One secret: what it is, where it is (``text[start:end]``, 1-based ``line``), masked."""

    __slots__ = ("kind", "rule", "start", "end", "masked", "line")

    def __init__(self, kind, rule, start, end, masked, line):
        self.kind = kind
        self.rule = rule
        self.start = start
        self.end = end
        self.masked = masked
        self.line = line

    def as_dict(self):
        return {"kind": self.kind, "rule": self.rule, "start": self.start, "end": self.end,
                "masked": self.masked, "line": self.line}

    def __eq__(self, other):
        return isinstance(other, Hit) and self.as_dict() == other.as_dict()

    def __hash__(self):
        return hash((self.kind, self.rule, self.start, self.end))

    def __repr__(self):
        return f"Hit({self.kind!r}, rule={self.rule!r}, {self.start}:{self.end}, line={self.line}, {self.masked!r})"


# --- loading the pattern data -------------------------------------------------------------------

class _Rule:
    __slots__ = ("id", "kind", "source", "regex", "entropy", "allow", "keep", "priority", "group", "multiline",
                 "_rx", "_allow")

    def __init__(self, t):
        (self.id, self.kind, self.source, self.regex, self.entropy, self.allow, self.keep,
         self.priority, self.group) = t
        self.multiline = "\\s\\S" in self.regex or "\\r\\n" in self.regex
        self._rx = None
        self._allow = None

    def rx(self):
        if self._rx is None:
            self._rx = re.compile(self.regex, re.ASCII)
            self._allow = [re.compile(a, re.ASCII) for a in self.allow]
        return self._rx


class _Db:
    __slots__ = ("rules", "keywords", "stopwords", "h", "header_rx", "header_names", "_keep_rx")

    def __init__(self, data):
        self.rules = [_Rule(t) for t in data["rules"]]
        self.keywords = [(k, tuple(v)) for k, v in data["keywords"]]
        self.stopwords = tuple(data["stopwords"])
        h = data["heuristics"]
        self.h = {k: (frozenset(v) if k.endswith(("words", "values", "suffixes", "qualifiers", "names"))
                      else tuple(v)) for k, v in h.items()}
        self.header_names = h.get("header_names", [])
        self.header_rx = None
        self._keep_rx = {}


_DB = None


def _cache_dir():
    # interlock.policy.state_dir(), without importing the policy machinery for it
    env = os.environ
    d = env.get("INTERLOCK_HOME")
    if not d:
        home = env.get("HOME") or os.path.expanduser("~")
        d = os.path.join(env.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state"), "interlock")
    return os.path.join(d, "cache")


def _load(path=None):
    """The compiled pattern data: from the marshal cache when it is current, else from the TOML."""
    global _DB
    import marshal

    path = path or PATTERNS_FILE
    st = os.stat(path)
    import sys

    tag = f"secret-patterns-{_FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}-"
    name = f"{tag}{st.st_size}-{st.st_mtime_ns}.marshal"
    cdir = _cache_dir() if path == PATTERNS_FILE else None
    data = None
    if cdir:
        try:
            with open(os.path.join(cdir, name), "rb") as f:
                data = marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            data = None
    if data is None:
        data = compile_patterns(path)
        if cdir:
            try:
                os.makedirs(cdir, mode=0o700, exist_ok=True)
                tmp = os.path.join(cdir, f".{name}.{os.getpid()}")
                with open(tmp, "wb") as f:
                    marshal.dump(data, f)
                os.replace(tmp, os.path.join(cdir, name))
                for old in os.listdir(cdir):  # earlier versions of the patterns
                    if old.startswith(tag) and old != name:
                        os.unlink(os.path.join(cdir, old))
            except OSError:
                pass
    try:
        db = _Db(data)
    except (KeyError, TypeError, ValueError):  # a damaged cache: rebuild from the TOML
        db = _Db(compile_patterns(path))
    if path == PATTERNS_FILE:
        _DB = db
    return db


def compile_patterns(path=None) -> dict:
    """Parse and validate the TOML; return plain values (marshal-able), regexes in Python syntax."""
    import tomllib

    with open(path or PATTERNS_FILE, "rb") as f:
        d = tomllib.load(f)
    rules = []
    index = {}
    seen = set()
    for i, r in enumerate(d["rules"]):
        rid = r["id"]
        if rid in seen:
            raise ValueError(f"secret_patterns.toml: duplicate rule id {rid}")
        seen.add(rid)
        regex = go_to_python(r["regex"])
        re.compile(regex, re.ASCII)  # fail at load time, not on some later command
        for a in r.get("allow", ()):
            re.compile(a, re.ASCII)
        keep = r.get("keep", -1)
        if isinstance(keep, str):
            re.compile(keep)
        kws = [k.lower() for k in r.get("keywords", ())]
        if not kws:
            raise ValueError(f"secret_patterns.toml: rule {rid} has no keywords")
        rules.append((rid, r["kind"], r.get("source", ""), regex, float(r.get("entropy", 0)),
                      list(r.get("allow", ())), keep, int(r.get("priority", 3)), int(r.get("group", -1))))
        for k in kws:
            index.setdefault(k, []).append(i)
    h = {k: [str(x).lower() for x in v] for k, v in d.get("heuristics", {}).items()}
    return {"rules": rules, "keywords": sorted(index.items()), "stopwords": [s.lower() for s in d.get("stopwords", ())],
            "heuristics": h}


def go_to_python(rx: str) -> str:
    """Translate gitleaks' RE2 syntax to Python's ``re``.

    * ``(?i)`` in mid-pattern (RE2: the flag holds to the end of the enclosing group, across
      ``|``) becomes scoped ``(?i:…)`` groups, closed and reopened around each ``|``;
    * ``\\z`` becomes ``\\Z``;
    * the leading ``[\\w.-]{0,50}?`` of context rules is dropped: it only widens the match, never
      the captured secret, and makes Python try 50 characters at every position.
    """
    rx = rx.replace(r"[\w.-]{0,50}?", "")
    out = []
    depth = 0
    pending = []  # depths at which an implicit (?i: group is open
    in_class = False
    i, n = 0, len(rx)
    while i < n:
        c = rx[i]
        if c == "\\":
            nxt = rx[i + 1:i + 2]
            out.append("\\Z" if nxt == "z" else rx[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if rx[i:i + 1] == "^":
                out.append("^")
                i += 1
            if rx[i:i + 1] == "]":
                out.append("]")
                i += 1
            continue
        if rx.startswith("(?i)", i) and i > 0:
            out.append("(?i:")
            pending.append(depth)
            i += 4
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            while pending and pending[-1] == depth:
                out.append(")")
                pending.pop()
            depth -= 1
        elif c == "|":
            k = 0
            while pending and pending[-1] == depth:
                out.append(")")
                pending.pop()
                k += 1
            out.append("|" + "(?i:" * k)
            pending.extend([depth] * k)
            i += 1
            continue
        out.append(c)
        i += 1
    out.append(")" * len(pending))
    return "".join(out)


def rules():
    """(id, kind, source) of every provider rule, in file order."""
    db = _DB or _load()
    return [(r.id, r.kind, r.source) for r in db.rules]


# --- helpers ----------------------------------------------------------------------------------

def _entropy(s: str) -> float:
    from math import log2

    n = len(s)
    if not n:
        return 0.0
    counts = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / n * log2(c / n) for c in counts.values())


# A provider prefix: a short first word, then known sub-prefix words (sk-ant-api03-, sk_live_,
# dop_v1_, github_pat_, dp.pt.), each ended by _ - or .
_PATTERNS["_PREFIX_RX"] = (
    r"[A-Za-z][A-Za-z0-9]{0,11}(?:[_.-](?:v\d|pat|api\d\d|admin\d\d|oat\d\d|ort\d\d|test|live|prod|proj|svcacct|"
    r"admin|ant|org|tkn|oauth|pw|pt|st|sa|ct|scim|audit|secret|us|u))*[_.-]", re.ASCII)


def _mask(value: str, keep) -> str:
    if isinstance(keep, str):  # a regex: show what it matches at the start
        m = re.match(keep, value)
        k = m.end() if m else 0
    elif keep is None or keep < 0:
        m = _rx("_PREFIX_RX").match(value)
        k = min(m.end() + 2, 16) if m and m.end() <= 14 else 4
    else:
        k = keep
    if k > len(value) - 8:
        k = max(0, min(k, len(value) // 4))
    return value[:k] + MASK


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


_PATTERNS["_UUID_RX"] = (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _placeholder(value: str, h) -> bool:
    """Values that stand for a secret rather than being one: $X, ${X}, <your-token>, changeme, xxx..."""
    v = value.strip().strip("\"'`")
    if not v:
        return True
    low = v.lower()
    if low in h["placeholder_values"]:
        return True
    if v[0] == "%":  # a format (%s, %(pw)s, %-8d) or a Windows variable (%DB_PASSWORD%), not a password
        if _rx("_FORMAT_RX").fullmatch(v):
            return True
    elif v[0] in "$%{<[(@!&*#~/\\.:=":
        return True
    if any(s in low for s in h["placeholder_substrings"] if s not in _CASED_PLACEHOLDERS) or \
            any(s in v for s in _CASED_PLACEHOLDERS):
        return True
    if len(set(low)) <= 2:  # xxxx, ****, aaaa, 0000, abab
        return True
    return False


# printf-style placeholders are lower-case conversions: "%S" in a random password is not one
_CASED_PLACEHOLDERS = frozenset({"%s", "%("})
_PATTERNS["_FORMAT_RX"] = (r"%[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]|%\w+%|%\(\w+\)[a-z]|%[0-9a-fA-F]{2}.*", re.ASCII)


def _looks_random(v: str, min_len=16, min_entropy=3.0) -> bool:
    if len(v) < min_len:
        return False
    has_digit = any(c.isdigit() for c in v)
    has_alpha = any(c.isalpha() for c in v)
    if not (has_digit and has_alpha):
        return False
    return _entropy(v) >= min_entropy


# --- the heuristic detectors ---------------------------------------------------------------------

_SCHEMES = ("bearer", "token", "basic", "bot", "apikey", "sso-key", "key", "jwt", "gitlab-ci-token", "digest")


def _header_rx(db):
    if db.header_rx is None:
        names = sorted((re.escape(n) for n in db.header_names), key=len, reverse=True)
        schemes = "|".join(re.escape(s) for s in _SCHEMES)
        db.header_rx = re.compile(
            r"(?i)(?<![\w-])(" + "|".join(names) + r")[\"']?[ \t]*[:=][ \t]*[\"']?"
            r"(?:(" + schemes + r")[ \t]+)?([^\s\"'`;,)\]}]+)", re.ASCII)
    return db.header_rx


def _headers(text, low, db, out, spans):
    h = db.h
    rx = _header_rx(db)
    for m in (m for a, b in spans for m in rx.finditer(text, a, b)):
        name = m.group(1).lower()
        scheme = (m.group(2) or "").lower()
        value = m.group(3)
        s, e = m.span(3)
        if _placeholder(value, h):
            continue
        if scheme == "basic":
            try:
                import binascii

                raw = binascii.a2b_base64(value + "=" * (-len(value) % 4)).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raw = ""
            if ":" not in raw or not raw.isprintable():
                continue
            user, _, pw = raw.partition(":")
            if _placeholder(pw, h) or pw == user or len(pw) < 4:
                continue
            out.append((1, s, e, "basic-auth", "auth-header-basic", MASK))
            continue
        if name in ("authorization", "proxy-authorization") and not scheme and value.lower() in _SCHEMES:
            continue
        if _rx("_UUID_RX").match(value) and ("railway" in low or name in ("project-access-token", "team-access-token")):
            out.append((2, s, e, "railway-token", "railway-auth-header", _mask(value, 4)))
            continue
        if not _looks_random(value):
            continue
        out.append((1, s, e, "high-entropy-auth-header", "auth-header", _mask(value, 2 if len(value) >= 20 else 0)))


_PATTERNS["_URL_RX"] = (r"(?i)\b([a-z][a-z0-9+.-]{1,20})://([^\s:/?#@'\"`<>\[\]{}]{1,128}):([^\s/?#@:'\"`<>]{1,256})@"
                     r"(?=[A-Za-z0-9_\[\]-])", re.ASCII)


def _urls(text, db, out, spans):
    h = db.h
    for m in (m for a, b in spans for m in _rx("_URL_RX").finditer(text, a, b)):
        user, pw = m.group(2), m.group(3)
        if _placeholder(pw, h) or pw.lower() == user.lower() or len(pw) < 3:
            continue
        if pw.isdigit() and len(pw) <= 5:  # host:port written with a stray @
            continue
        if _placeholder(user, h) and user.lower() not in ("admin", "root", "postgres", "user", "mysql"):
            # <user>:<password>@, ${USER}:${PASS}@ ...
            if user[:1] in "$%{<[":
                continue
        s, e = m.span(3)
        out.append((1, s, e, "basic-auth-url", "url-credentials", f"{user}:{MASK}"))


_PATTERNS["_ASSIGN_CORE"] = (r"(?i)passw|pwd|passphrase|secret|token|credential|creds|api[_-]?key|apikey|key|pass|pw",
                          re.ASCII)
_NAME_CH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_PATTERNS["_SEP_RX"] = (r"""(["'`]?)\]?[ \t]*(=>|:=|\?=|\|\|=|=|:(?!:))[ \t]*""", re.ASCII)
_PATTERNS["_FLAG_SEP_RX"] = (r"""(?:=|[ \t]+)""", re.ASCII)
_PATTERNS["_BARE_RX"] = (r"""[^\s"'`;,&|)\]}<>]+""", re.ASCII)
_PATTERNS["_SEG_RX"] = (r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", re.ASCII)
_PATTERNS["_CODE_RX"] = (r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\Z|.*[(\[]", re.ASCII)


def _name_class(name: str, h):
    """'password', 'secret' or None for an assignment's name (DB_PASSWORD, apiKey, --auth-token)."""
    segs = [s.lower() for s in _rx("_SEG_RX").findall(name)]
    if not segs:
        return None
    if segs[-1] in h["name_stop_suffixes"] or any(s in h["name_stop_words"] for s in segs):
        return None
    if any(s in h["password_words"] for s in segs):
        return "password"
    for i, s in enumerate(segs):
        if s in h["secret_words"]:
            return "secret"
        if s == "key" and i > 0 and segs[i - 1] in h["key_qualifiers"]:
            return "secret"
        if s.endswith("key") and s[:-3] in h["key_qualifiers"]:  # apikey, secretkey
            return "secret"
        if "passw" in s or s.endswith(("pass", "pwd", "passphrase")):  # PGPASSWORD, dbpwd
            return "password"
        if s.endswith(("token", "secret")):  # authtoken, clientsecret
            return "secret"
    return None


def _assignments(text, db, out, spans):
    h = db.h
    done_upto = -1
    n = len(text)
    for m in (m for a, b in spans for m in _rx("_ASSIGN_CORE").finditer(text, a, b)):
        a, b = m.span()
        if a < done_upto:
            continue
        while a > 0 and text[a - 1] in _NAME_CH:
            a -= 1
        while b < n and text[b] in _NAME_CH:
            b += 1
        done_upto = b
        raw_name = text[a:b]
        is_flag = raw_name.startswith("-")
        name = raw_name.lstrip("-").rstrip(".-")
        if not name or (a > 0 and text[a - 1] in "$"):
            continue
        cls = _name_class(name, h)
        if cls is None:
            continue
        if is_flag:
            sm = _rx("_FLAG_SEP_RX").match(text, b)
        else:
            sm = _rx("_SEP_RX").match(text, b)
        if not sm:
            continue
        p = sm.end()
        if p >= n:
            continue
        q = text[p]
        if q in "\"'`":
            close = text.find(q, p + 1)
            nl = text.find("\n", p + 1)
            if close < 0 or (0 <= nl < close):
                continue
            vs, ve = p + 1, close
            quoted = True
        else:
            vm = _rx("_BARE_RX").match(text, p)
            if not vm:
                continue
            vs, ve = vm.span()
            quoted = False
        value = text[vs:ve]
        if not _plausible(value, cls, quoted, is_flag, sm, h):
            continue
        kind = "password-assignment" if cls == "password" else "secret-assignment"
        keep = 0 if cls == "password" else (2 if len(value) >= 20 else 0)
        out.append((0, vs, ve, kind, "assignment", _mask(value, keep)))


def _plausible(value, cls, quoted, is_flag, sm, h) -> bool:
    if _placeholder(value, h):
        return False
    if "://" in value or any(c.isspace() for c in value):
        return False
    if not quoted:
        if _rx("_CODE_RX").match(value):  # settings.DB_PASSWORD, get_password(), env["X"]
            return False
        if sm is not None and not is_flag and sm.group(2) in ("=", ":=") and " " in sm.group(0) \
                and value.replace("_", "").isalpha():
            return False  # password = other_name (code)
    if value.replace("_", "").replace("-", "").replace(".", "").isalpha():
        return False  # words, identifiers, command names
    if cls == "password":
        if len(value) < 6:
            return False
        if value.isdigit() and len(value) < 8:
            return False
        return _entropy(value) >= 2.0
    return _looks_random(value)


_PATTERNS["_MYSQL_RX"] = (r"""\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?\s-p(["']?)([^\s"'\-$][^\s"']{3,})\1(?=\s|$)""",
                       re.ASCII)
# `docker login -u u -p PASS registry`: for registry logins -p is the password (elsewhere often a port)
_PATTERNS["_LOGIN_P_RX"] = (r"""\b(?:docker|podman|buildah|skopeo|nerdctl|oras|crane|helm\s+registry)\s+login\b"""
                            r"""[^\n|;&]*?\s-p[ \t]+(["']?)([^\s"'\-$][^\s"']{3,})\1(?=\s|$)""", re.ASCII)


def _password_flag(text, db, out, spans, rx="_MYSQL_RX", rule="mysql-password-flag"):
    """`mysql -pPASS`, `docker login -p PASS`: a password given as a client's -p option."""
    for m in (m for a, b in spans for m in _rx(rx).finditer(text, a, b)):
        v = m.group(2)
        if _placeholder(v, db.h) or v.isalpha():
            continue
        s, e = m.span(2)
        out.append((0, s, e, "password-assignment", rule, MASK))


# --- the entry points -------------------------------------------------------------------------

# Texts longer than this are searched only in windows around keyword occurrences (whole lines,
# plus the next one; 8 KB onwards for multi-line rules such as key blocks).
_WINDOWED = 4096
_MAX_POSITIONS = 4000


def _positions(low, kw, limit):
    out = []
    i = low.find(kw)
    while i >= 0:
        out.append(i)
        if len(out) > limit:
            return None
        i = low.find(kw, i + 1)
    return out


def _spans(text, positions, multiline=False):
    """Merged (start, end) windows around ``positions``: the enclosing line and the next one."""
    n = len(text)
    spans = []
    for p in sorted(positions):
        if spans and p < spans[-1][1]:
            continue
        a = text.rfind("\n", 0, p) + 1
        if multiline:
            b = min(n, p + 8192)
        else:
            b = text.find("\n", p)
            b = n if b < 0 else text.find("\n", b + 1)
            b = n if b < 0 else b + 1
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return spans


_MAYBE = None


def _maybe_secret(text: str) -> bool:
    """Cheap superset test run before the pattern database is loaded (~1 ms per process):
    most commands have no long token-like run, no credential word and no user:pass@ URL."""
    global _MAYBE
    low = text.lower()
    for w in _MAYBE_WORDS:  # plain substring tests first: ~3× cheaper than one case-folding alternation
        if w in low:
            return True
    if _MAYBE is None:
        _MAYBE = (re.compile(r"://[^\s/@]*:[^\s/@]*@"), re.compile(r"[A-Za-z0-9_+=-]{20,}"),
                  re.compile(r"\s-p\S"), re.compile(r"\s(-u|--user)[\s=]*\S+:"))
    url, run, p, u = _MAYBE
    # each pattern only where its literal part occurs (the -p / -u ones on the lower-cased text:
    # as case-insensitive as before); ~3× cheaper than one alternation over the whole text
    return bool(("://" in text and url.search(text)) or ("-p" in low and (p.search(low) or "login" in low))
                or ("-u" in low and u.search(low)) or run.search(text))


_MAYBE_WORDS = ("pass", "secret", "token", "key", "auth", "pwd", "bearer", "credential", "cookie", "session",
                "signature", "sig=", "-----begin")


_MEMO = table()  # text -> hits: a command is scanned for its literal tokens, then again when redacted


def find_secrets(text: str) -> list:
    """Every literal secret in ``text``, in order of position (see :class:`Hit`)."""
    if not text:
        return []
    if len(text) > 4096:
        return _find_secrets(text) if _maybe_secret(text) else []
    hits = _MEMO.get(text)
    if hits is None:
        hits = remember(_MEMO, text, tuple(_find_secrets(text)) if _maybe_secret(text) else (), 512)
    return list(hits)


def _find_secrets(text: str) -> list:
    db = _DB or _load()
    low = text.lower()
    n = len(text)
    windowed = n > _WINDOWED and len(low) == n
    whole = [(0, n)]
    if windowed:
        pos_by_rule = {}
        for kw, rs in db.keywords:
            if kw in low:
                ps = _positions(low, kw, _MAX_POSITIONS)
                for i in rs:
                    if ps is None or pos_by_rule.get(i, 0) is None:
                        pos_by_rule[i] = None
                    else:
                        pos_by_rule.setdefault(i, []).extend(ps)
        idxs = pos_by_rule
    else:
        idxs = set()
        for kw, rs in db.keywords:
            if kw in low:
                idxs.update(rs)
    cands = []
    if idxs:
        stop = db.stopwords
        for i in sorted(idxs):
            r = db.rules[i]
            rx = r.rx()
            if windowed and idxs[i] is not None:
                spans = _spans(text, idxs[i], multiline=r.multiline)
            else:
                spans = whole
            for a, b in spans:
                for m in rx.finditer(text, a, b):
                    g = r.group
                    if g < 0:
                        g = 0
                        for gi in range(1, rx.groups + 1):
                            if m.group(gi):
                                g = gi
                                break
                    s, e = m.span(g)
                    secret = text[s:e]
                    if r.entropy and _entropy(secret) <= r.entropy:
                        continue
                    sl = secret.lower()
                    if any(w in sl for w in stop):
                        continue
                    if r._allow and any(al.search(secret) for al in r._allow):
                        continue
                    keep = r.keep
                    if r.kind == "basic-auth" and ":" in secret:
                        keep = secret.index(":") + 1
                    cands.append((r.priority, s, e, r.kind, r.id, _mask(secret, keep)))
    h = db.h
    for kws, fn in ((h["header_keywords"], _headers), (h["assignment_keywords"], _assignments)):
        present = [k for k in kws if k in low]
        if not present:
            continue
        spans = whole
        if windowed:
            ps = []
            for k in present:
                more = _positions(low, k, _MAX_POSITIONS)
                if more is None:
                    ps = None
                    break
                ps.extend(more)
            if ps is not None:
                spans = _spans(text, ps)
        if fn is _headers:
            _headers(text, low, db, cands, spans)
        else:
            _assignments(text, db, cands, spans)
    if "@" in text and "://" in text:
        ps = _positions(low, "://", _MAX_POSITIONS) if windowed else None
        _urls(text, db, cands, _spans(text, ps) if ps else whole)
    if "-p" in text and ("mysql" in low or "mariadb" in low):
        _password_flag(text, db, cands, whole)
    if "-p" in text and "login" in low:
        _password_flag(text, db, cands, whole, "_LOGIN_P_RX", "registry-login-password-flag")
    if not cands:
        return []
    stop = db.stopwords
    cands = [c for c in cands if not any(w in text[c[1]:c[2]].lower() for w in stop)]
    # overlapping claims: the higher priority wins, then the longer, then the earlier
    cands.sort(key=lambda c: (-c[0], -(c[2] - c[1]), c[1]))
    kept = []
    for c in cands:
        if all(c[2] <= k[1] or c[1] >= k[2] for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c[1])
    return [Hit(kind, rule, s, e, masked, _line(text, s)) for _p, s, e, kind, rule, masked in kept]


def mask_secrets(text: str) -> str:
    """``text`` with every secret replaced by its masked form."""
    hits = find_secrets(text)
    if not hits:
        return text
    parts = []
    pos = 0
    for h in hits:
        parts.append(text[pos:h.start])
        parts.append(h.masked)
        pos = h.end
    parts.append(text[pos:])
    return "".join(parts)
