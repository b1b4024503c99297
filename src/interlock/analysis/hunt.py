"""Credential hunting: does a search pattern look for credentials?

A search (grep/rg/ag/ack/git grep, ``git log -S/-G``, Claude Code's Grep tool, code that walks a tree)
is a credential hunt when one of its patterns can match a credential and does not match ordinary text.
"Can match a credential" is tested, not guessed from words: the pattern (translated from its regex
dialect to Python's) is run against

- samples of every token shape of ``secret_patterns.toml``, generated from each rule's own regex
  (exrex: the first strings it enumerates and a few random ones, kept only when the rule matches them);
- lines that name a credential (``password=``, ``RAILWAY_TOKEN=``, ``Authorization: Bearer``...), built
  from the words and provider names of ``chain.toml``;

and the literal prefixes of the pattern are intersected with the catalogue's keywords (``(sk|rk)_live_``
shares ``sk_live`` with the Stripe rule).  Each top-level alternative is judged on its own, so
``RAILWAY_TOKEN|def`` is still a hunt, while ``.`` (which matches ordinary lines too) is not.

Pure analysis: no I/O but the data files and a cache of the generated samples.
"""

from __future__ import annotations

import os
import re

HERE = os.path.dirname(__file__)
DATA_FILE = os.path.join(HERE, "chain.toml")

_DATA = None
_SAMPLES = None  # [(label, text)]
_KEYWORDS = None  # [(keyword, kind)]
_ORDINARY = None


def data() -> dict:
    global _DATA
    if _DATA is None:
        import tomllib

        with open(DATA_FILE, "rb") as f:
            _DATA = tomllib.load(f)
    return _DATA


def _name_variants(word: str):
    parts = word.split()
    for sep in ("_", "-", "", " "):
        w = sep.join(parts)
        yield w
        yield w.upper()
        if sep == "" and len(parts) > 1:
            yield parts[0] + "".join(p.title() for p in parts[1:])  # apiKey


def _catalogue_samples():
    """(kind, sample) for every rule of secret_patterns.toml: cached on disk, generation takes ~1 s."""
    from . import literal_secrets as L

    db = L._DB or L._load()
    st = os.stat(L.PATTERNS_FILE)
    name = f"hunt-samples-1-{st.st_size}-{st.st_mtime_ns}.marshal"
    cdir = L._cache_dir()
    import marshal

    try:
        with open(os.path.join(cdir, name), "rb") as f:
            got = marshal.load(f)
        if isinstance(got, list):
            return got
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import itertools
    import random

    import exrex

    rng_state = random.getstate()
    random.seed(23)
    out = []
    try:
        for r in db.rules:
            rx = r.rx()
            seen = set()
            try:
                cand = list(itertools.islice(exrex.generate(r.regex, limit=40), 2))
                for _ in range(12):
                    cand.append(exrex.getone(r.regex, limit=40))
            except Exception:  # a regex exrex cannot walk: the keyword intersection still covers it
                continue
            for s in cand:
                if s.isascii() and s not in seen and rx.search(s):
                    seen.add(s)
                    out.append((r.kind, s))
    finally:
        random.setstate(rng_state)
    try:
        os.makedirs(cdir, mode=0o700, exist_ok=True)
        tmp = os.path.join(cdir, f".{name}.{os.getpid()}")
        with open(tmp, "wb") as f:
            marshal.dump(out, f)
        os.replace(tmp, os.path.join(cdir, name))
    except OSError:
        pass
    return out


def samples():
    global _SAMPLES, _KEYWORDS, _ORDINARY
    if _SAMPLES is None:
        d = data()["hunt"]
        out = []
        for w in d["words"]:
            for v in _name_variants(w):
                out.append((f"settings named {w!r}", v))
                out.append((f"settings named {w!r}", f"{v}=x8Kd2"))
                out.append((f"settings named {w!r}", f"{v}: x8Kd2"))
                out.append((f"settings named {w!r}", f'"{v}": "x8Kd2"'))
        out.append(("bearer tokens", "Authorization: Bearer x8Kd2"))
        out.append(("private keys", "-----BEGIN RSA PRIVATE KEY-----"))
        out.append(("private keys", "-----BEGIN OPENSSH PRIVATE KEY-----"))
        out.append(("private keys", "-----BEGIN PRIVATE KEY-----"))
        from . import literal_secrets as L

        providers = list(d["providers"])
        for rid, kind, _src in L.rules():
            p = rid.split("-", 1)[0]
            if p not in providers and len(p) > 2:
                providers.append(p)
        for p in providers:
            for suf in d["name_suffixes"]:
                n = f"{p}_{suf}"
                label = f"{p.upper()}_{suf.upper()} values"
                for v in (n.upper(), n, n.replace("_", "-"), n.replace("_", "")):
                    out.append((label, f"{v}=x8Kd2"))
                    out.append((label, f"{v}: x8Kd2"))
        out += [(f"{kind.replace('-', ' ')}s", s) for kind, s in _catalogue_samples()]
        _SAMPLES = out
        db = L._DB or L._load()
        _KEYWORDS = [(k, L_kind(db, idx)) for k, idx in db.keywords]
        _ORDINARY = list(d["ordinary"])
    return _SAMPLES


def L_kind(db, idx):
    return db.rules[idx[0]].kind if idx else "token"


# --- regex dialects --------------------------------------------------------------------------------

_POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
          "space": r"\s", "xdigit": "0-9A-Fa-f", "punct": r"!-/:-@\[-`{-~", "word": r"\w", "blank": r" \t",
          "print": r" -~", "graph": r"!-~", "cntrl": r"\x00-\x1f"}


def to_python(pattern: str, flavor: str = "ere") -> str:
    """A grep-family pattern in Python syntax.  flavor: bre (grep, git grep, sed), ere (grep -E, awk),
    pcre (grep -P, ag, ack, perl), rust (rg), fixed (grep -F), glob."""
    if flavor == "fixed":
        return re.escape(pattern)
    p = re.sub(r"\[:(\w+):\]", lambda m: _POSIX.get(m.group(1), m.group(0)), pattern)
    if flavor == "bre":
        out = []
        i = 0
        while i < len(p):
            c = p[i]
            if c == "\\" and i + 1 < len(p):
                n = p[i + 1]
                out.append(n if n in "|(){}+?" else c + n)
                i += 2
                continue
            out.append("\\" + c if c in "|(){}+?" else c)
            i += 1
        p = "".join(out)
    p = p.replace(r"\K", "").replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
    p = p.replace(r"\Q", "").replace(r"\E", "").replace("(?P<P", "(?P")
    return p


def _alternatives(p: str) -> list:
    """Top-level `|` alternatives of a Python regex."""
    out, depth, cls, start, i = [], 0, False, 0, 0
    while i < len(p):
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if cls:
            if c == "]":
                cls = False
        elif c == "[":
            cls = True
            if p[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(p[start:i])
            start = i + 1
        i += 1
    out.append(p[start:])
    return [x for x in out if x]


def _literal_prefixes(p: str, limit=8) -> list:
    """Literal strings a regex must start with (`(sk|rk)_live_` → sk_live_, rk_live_)."""
    try:
        import re._parser as sp  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_parse as sp
    try:
        tree = sp.parse(p)
    except Exception:
        return []
    from re._constants import BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN, AT

    def walk(items, prefixes):
        for op, av in items:
            if op == LITERAL:
                prefixes = [x + chr(av) for x in prefixes]
            elif op == AT:
                continue
            elif op == SUBPATTERN:
                prefixes = walk(list(av[-1]), prefixes)
                if prefixes is None:
                    return None
            elif op == BRANCH:
                nxt = []
                for br in av[1]:
                    got = walk(list(br), prefixes)
                    if got is None:
                        return [x for x in prefixes]
                    nxt += got
                if len(nxt) > limit:
                    return prefixes
                prefixes = nxt
            elif op == IN and len(av) <= 4 and all(o == LITERAL for o, _ in av):
                nxt = [x + chr(v) for x in prefixes for _, v in av]
                if len(nxt) > limit:
                    return prefixes
                prefixes = nxt
            elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1 and av[1] == 1:
                prefixes = walk(list(av[2]), prefixes)
            else:
                return prefixes
        return prefixes

    try:
        return [x for x in (walk(list(tree), [""]) or []) if x]
    except Exception:
        return []


def describe(patterns, flavor: str = "ere", icase: bool = False, word: bool = False, strength: str = "any"):
    """What a search for these patterns would find, when it looks for credentials; else None.

    ``strength="shape"``: only a provider token shape or a provider's credential name counts (not a
    generic word like ``password``).  Never raises: an unreadable pattern is judged by its words.
    """
    if not patterns:
        return None
    sams = samples()
    flags = re.IGNORECASE if icase else 0
    for raw in patterns:
        if not isinstance(raw, str) or not raw or len(raw) > 2000:
            continue
        try:
            py = to_python(raw, flavor)
            alts = _alternatives(py)
            compiled = []
            for alt in alts:
                src = rf"\b(?:{alt})\b" if word else alt
                compiled.append((alt, re.compile(src, flags)))
        except (re.error, RecursionError, OverflowError):
            hit = _by_words(raw)
            if hit and (strength != "shape" or hit[1]):
                return hit[0]
            continue
        for alt, rx in compiled:
            if any(rx.search(o) for o in _ORDINARY):
                continue
            if strength == "shape" and any(rx.search(s) for label, s in sams if label.startswith("settings named")):
                continue  # a generic word (password, token): only a provider's shape or name counts here
            for label, s in sams:
                if rx.search(s):
                    return label
            for pre in _literal_prefixes(alt):
                low = pre.lower()
                if len(low) < 3:
                    continue
                for kw, kind in _KEYWORDS:
                    if len(kw) >= 3 and (low.startswith(kw) or (len(low) >= 4 and kw.startswith(low))):
                        return f"{kind.replace('-', ' ')}s"
    return None


def _by_words(raw: str):
    low = raw.lower()
    d = data()["hunt"]
    for kw, kind in _KEYWORDS or ():
        if len(kw) >= 4 and kw in low:
            return (f"{kind.replace('-', ' ')}s", True)
    for w in d["words"]:
        for v in _name_variants(w):
            if v.lower() in low:
                return (f"settings named {w!r}", False)
    return None


def path_glob_hunt(glob: str):
    """A path glob (Glob tool, find -name/-path) whose name says credentials: the word, else None."""
    low = (glob or "").lower()
    for w in data()["hunt"]["path_words"]:
        if w in low:
            return w
    return None


def code_walks_tree(code: str) -> bool:
    d = data()["hunt"]
    return any(w in code for w in d["tree_walkers"]) and any(r in code for r in d["home_roots"])


_STR = re.compile(r'''r?b?(?:"((?:[^"\\\n]|\\.){2,300})"|'((?:[^'\\\n]|\\.){2,300})'|/((?:[^/\\\n]|\\.){3,200})/[a-z]*)''')


def code_hunt(code: str):
    """Code that walks the home directory or a system tree looking for credentials: what it looks for."""
    if not code_walks_tree(code):
        return None
    pats = []
    for m in _STR.finditer(code[:100_000]):
        s = m.group(1) or m.group(2) or m.group(3)
        if s and not s.startswith(("/", "~", "http")):
            pats.append(s)
        if len(pats) > 200:
            break
    return describe(pats, "pcre", icase=True)
