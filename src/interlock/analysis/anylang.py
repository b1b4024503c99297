"""A language-agnostic floor under every program: what HTTP requests its text can make.

``scan(text)`` reads string literals in any common quoting (escapes resolved, constant concatenations
joined), finds URLs, GraphQL documents (parsed with graphql-core through http.py) and the catalogued
operation names, and returns the requests a program of that text may send: every URL × every document,
with the method its text suggests.  The caller judges them with the HTTP/GraphQL catalogue, so a
catalogued destructive operation against a catalogued host gets the catalogue's decision in Go, Java,
Kotlin, C#, PHP, Perl, Ruby, PowerShell, Lua, R... alike.  Pure: no I/O beyond chain.toml.
"""

from __future__ import annotations

import json
import re

_LIT = re.compile(
    r'"""(?P<t3>.*?)"""|\'\'\'(?P<t3s>.*?)\'\'\''
    r'|r(?P<hash>#+)"(?P<raw>.*?)"(?P=hash)'           # Rust r#"…"#
    r'|@"(?P<verb>(?:[^"]|"")*)"'                       # C# verbatim
    r'|`(?P<bt>[^`]*)`'                                 # Go raw, JS template, Kotlin/Scala no
    r'|"(?P<dq>(?:[^"\\\n]|\\.)*)"'
    r"|'(?P<sq>(?:[^'\\\n]|\\.)*)'", re.S)
_CONCAT = re.compile(r"\s*(?:\+|\.\.|\.|<>|&|~|\|\|)\s*\Z")
_ESC = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b", "a": "\a"}


def _unescape(s: str) -> str:
    def rep(m):
        x = m.group(1)
        if x.startswith("u{"):
            return chr(int(x[2:-1], 16))
        if x[0] in "ux" and len(x) > 1:
            return chr(int(x[1:], 16))
        return _SIMPLE.get(x, x)
    return _ESC.sub(rep, s) if "\\" in s else s


def literals(text: str, limit=4000) -> list:
    """String literals of a program in any common syntax, escapes resolved, constant concatenations joined."""
    out = []
    prev_end = None
    for m in _LIT.finditer(text):
        g = m.lastgroup
        v = m.group(g)
        if g in ("dq", "sq", "t3", "t3s", "bt"):
            v = _unescape(v)
        elif g == "verb":
            v = v.replace('""', '"')
        if prev_end is not None and out and _CONCAT.match(text[prev_end:m.start()]) and \
                text[prev_end:m.start()].strip():
            out[-1] = out[-1] + v
        else:
            out.append(v)
        prev_end = m.end()
        if len(out) >= limit:
            break
    return out


# Real parses where a grammar is installed (tree-sitter-go, -java, -rust, -ruby, -php, -lua, -c-sharp, -kotlin):
# string literals exactly, comments left out, constant concatenations joined.  Else the regex above.
_GRAMMARS = {"go": ("tree_sitter_go", "language"), "java": ("tree_sitter_java", "language"),
             "rust": ("tree_sitter_rust", "language"), "ruby": ("tree_sitter_ruby", "language"),
             "php": ("tree_sitter_php", "language_php"), "lua": ("tree_sitter_lua", "language"),
             "csharp": ("tree_sitter_c_sharp", "language"), "kotlin": ("tree_sitter_kotlin", "language")}
EXT_LANG = {".go": "go", ".java": "java", ".jsh": "java", ".rs": "rust", ".rb": "ruby", ".php": "php", ".lua": "lua",
            ".cs": "csharp", ".csx": "csharp", ".kt": "kotlin", ".kts": "kotlin"}
_PARSERS = {}
_CONCAT_OPS = frozenset({"+", ".", "..", "<>", "&", "~"})


def _ts_parser(lang):
    if lang not in _PARSERS:
        try:
            import importlib

            import tree_sitter as ts

            mod, fn = _GRAMMARS[lang]
            _PARSERS[lang] = ts.Parser(ts.Language(getattr(importlib.import_module(mod), fn)()))
        except Exception:  # the grammar is not installed: the regex reads the program
            _PARSERS[lang] = None
    return _PARSERS[lang]


def _ts_value(node):
    """The value of a string literal node, or of a constant concatenation of them; None otherwise."""
    t = node.type
    if "string" in t and "content" not in t and "fragment" not in t:
        kids = node.children
        if not kids:
            raw = node.text.decode("utf-8", "replace")
            if raw.startswith('@"'):
                return raw[2:-1].replace('""', '"')
            return _unescape(raw.strip("\"'`"))
        out = []
        for c in kids:
            ct = c.type
            if "content" in ct or "fragment" in ct:
                out.append(c.text.decode("utf-8", "replace"))
            elif "escape" in ct:
                out.append(_unescape(c.text.decode("utf-8", "replace")))
            elif ct == "interpolation":
                out.append("")
        return "".join(out)
    if t in ("binary_expression", "binary", "additive_expression") and len(node.children) == 3 and \
            node.children[1].type in _CONCAT_OPS:
        left, right = _ts_value(node.children[0]), _ts_value(node.children[2])
        if left is not None and right is not None:
            return left + right
    if t in ("parenthesized_expression",) and len(node.named_children) == 1:
        return _ts_value(node.named_children[0])
    return None


def ts_literals(text: str, lang: str, limit=4000):
    """String literals by a real parse, or None (no grammar, or the program does not parse)."""
    p = _ts_parser(lang) if lang in _GRAMMARS else None
    if p is None:
        return None
    if lang == "php" and "<?php" not in text[:200]:
        text = "<?php " + text  # php -r CODE: the grammar reads text outside <?php … ?> as HTML
    try:
        tree = p.parse(text.encode("utf-8", "replace"))
    except Exception:
        return None
    root = tree.root_node
    if root.has_error:
        return None
    out = []
    stack = [root]
    while stack and len(out) < limit:
        n = stack.pop()
        v = _ts_value(n)
        if v is not None:
            out.append((n.start_byte, v))
            continue
        stack.extend(n.children)
    return [v for _, v in sorted(out, key=lambda x: x[0])]


_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'`<>\\)]*)?")
_GQL_START = re.compile(r"\b(mutation|query|subscription)\b[^{}]{0,200}\{", re.S)
_DATA = None


def _data():
    global _DATA
    if _DATA is None:
        from .hunt import data

        _DATA = data()["languages"]
    return _DATA


def _documents(lits) -> list:
    docs = []
    for s in lits:
        t = s.strip()
        if not t:
            continue
        if t[:1] in "{[":
            try:
                obj = json.loads(t)
            except ValueError:
                obj = None
            got = [o["query"] for o in (obj if isinstance(obj, list) else [obj])
                   if isinstance(o, dict) and isinstance(o.get("query"), str)]
            if got:
                docs += got
                continue
        m = _GQL_START.search(t)
        if m:
            docs.append(t[m.start():])
    return docs


_HOSTNAME = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")


def _catalogued_host(host):
    from .http import catalogue

    rest, gql = catalogue()
    for p in gql:
        if p.host.search(host):
            return "graphql"
    for e in rest:
        if e.host.pattern != "." and e.host.search(host):
            return "rest"
    return None


def _mutation_names():
    from .http import catalogue

    names = {}
    for p in catalogue()[1]:
        for k, (sev, _why) in p.mutations.items():
            if sev in ("destructive", "catastrophic"):
                names.setdefault(k, p.provider)
    return names


def scan(text: str, lang: str | None = None):
    """[(method, url, body)] the program text may send, for the catalogue to judge; and a note.
    ``lang``: the program's language when known (a real parse then reads its literals)."""
    d = _data()
    text = text[:int(d.get("max_bytes", 1 << 20))]
    lits = (ts_literals(text, lang) if lang else None)
    if not lits:  # no grammar, no parse, or nothing found by it: the regex reads the text
        lits = literals(text)
    joined = "\n".join(lits)
    urls = []
    for s in lits + [text]:  # in literals, and bare (PowerShell's -Uri https://…, heredoc bodies)
        for u in _URL.findall(s):
            u = u.rstrip(".,;")
            if u not in urls:
                urls.append(u)
    if len(urls) < 4:  # a catalogued host in a literal of its own ("backboard." + "railway.app"), joined to a path later
        for s in lits:
            h = s.strip().lower()
            if _HOSTNAME.match(h) and _catalogued_host(h):
                u = f"https://{h}/graphql/v2" if _catalogued_host(h) == "graphql" else f"https://{h}/"
                if u not in urls:
                    urls.append(u)
    docs = _documents(lits)
    # a catalogued destructive operation named in a literal that did not parse as a document
    for name in _mutation_names():
        if name in joined and not any(name in doc for doc in docs):
            if re.search(rf"\b{re.escape(name)}\b", joined):
                docs.append(f"mutation {{ {name} }}")
    method = "GET"
    if any(k in text for k in d["delete_markers"]):
        method = "DELETE"
    elif any(k in text for k in d["post_markers"]) or docs:
        method = "POST"
    reqs = []
    limit = int(d.get("max_requests", 24))
    for u in urls:
        if docs:
            for doc in docs:
                reqs.append(("POST", u, json.dumps({"query": doc})))
        if method == "DELETE" or not docs:
            reqs.append((method, u, None))
        if len(reqs) >= limit:
            break
    unplaced = [doc for doc in docs if not urls]
    return reqs[:limit], unplaced
