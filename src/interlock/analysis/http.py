"""HTTP requests: method, URL, body — and what the request would do to a provider.

The incident was one request carrying a Railway ``volumeDelete`` GraphQL mutation; the
request is judged, not the command text.  Requests come from curl/wget/httpie command
lines (parsed here), from inline code (``inline.py`` emits ``http`` effects) and from
cloud MCP tools (``mcp_cloud.py``).

Provider knowledge is data: ``http_catalogue.toml`` (REST host + method + path/action
patterns, GraphQL mutations per provider), loaded on the first request judged.
GraphQL bodies are parsed with graphql-core, imported only when a body looks like GraphQL.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qs, urlsplit

from .paths import UNKNOWN_MARK as U
from ..lazyre import LazyRe as _LazyRe
from ..memo import recall, table


_CATALOGUE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "http_catalogue.toml")
_CAT = None
#: The analysis' limits.  A request that reaches one is never judged on the part that was read:
#: it gets an ``http.request-unread`` finding naming the limit (opaque: asked, never allowed).
MAX_BODY = 64 * 1024 * 1024      # bytes of body read (the gateways refuse more: max_body_mb <= this)
MAX_GRAPHQL_DOCUMENT = 1_000_000  # characters of one GraphQL document
MAX_GRAPHQL_TOKENS = 50_000       # graphql-core's max_tokens
MAX_BATCH = 100                   # operations in one batched GraphQL request
MAX_DEPTH = 20                    # nested fragments / selections followed
_MAX_PARSE = MAX_BODY             # (old name)
_PROD = _LazyRe(r"(?i)(^|[^a-z0-9])(prod|production|live|prd)([^a-z0-9]|$)")


class _Entry:
    __slots__ = ("id", "provider", "host", "ports", "methods", "path", "action", "body", "severity", "why", "hits",
                 "misses")


class _Provider:
    __slots__ = ("provider", "host", "mutations", "hits", "misses")


def catalogue():
    """(REST entries, GraphQL providers), compiled once from ``http_catalogue.toml``."""
    global _CAT
    if _CAT is None:
        import tomllib

        with open(_CATALOGUE_PATH, "rb") as f:
            raw = tomllib.load(f)
        rest = []
        for d in raw.get("rest", ()):
            e = _Entry()
            e.id = d["id"]
            e.provider = d.get("provider", e.id.split("-")[0])
            e.host = re.compile(d["host"], re.I)
            e.ports = frozenset(int(x) for x in d.get("port", ()))
            e.methods = {m.upper() for m in d.get("method", ())}
            e.path = re.compile(d["path"], re.I) if "path" in d else None
            e.action = re.compile(d["action"], re.I) if "action" in d else None
            e.body = re.compile(d["body"], re.I) if "body" in d else None
            e.severity, e.why = d["severity"], d["why"]
            e.hits, e.misses = tuple(d.get("hits", ())), tuple(d.get("misses", ()))
            rest.append(e)
        gql = []
        for d in raw.get("graphql", ()):
            p = _Provider()
            p.provider = d["provider"]
            p.host = re.compile(d["host"], re.I)
            p.mutations = {k: (v[0], v[1]) for k, v in d.get("mutations", {}).items()}
            p.hits, p.misses = tuple(d.get("hits", ())), tuple(d.get("misses", ()))
            gql.append(p)
        _CAT = (rest, gql)
    return _CAT


def __getattr__(name):  # GRAPHQL_CATALOGUE kept for callers of the old module constant
    if name == "GRAPHQL_CATALOGUE":
        return {p.provider: (p.host, dict(p.mutations)) for p in catalogue()[1]}
    raise AttributeError(name)


_DESTRUCTIVE_NAME = _LazyRe(r"(^|[a-z])(delete|destroy|remove|drop|purge|wipe|erase|terminate|reset|revoke|"
                               r"truncate)|^(delete|destroy|remove|drop|purge|wipe|erase|terminate|reset|revoke)",
                               re.IGNORECASE)
_DATA_STORE_NAME = _LazyRe(r"(?i)volume|database|(^|[a-z])db($|[A-Z])|postgres|mysql|mariadb|redis|mongo|disk|bucket|"
                           r"backup|snapshot|keyspace|datastore|storage")
_WHOLE_RESOURCE_DELETE = _LazyRe(
    r"^(?:delete|destroy|remove)(?:App|Application|Project|Site|Repository|Repo|Cluster|Environment|Organization|Stack|"
    r"Workspace|Account)(?:V\d+)?$|^(?:app|application|project|site|repository|repo|cluster|environment|organization|"
    r"stack|workspace|account)(?:Delete|Destroy|Remove)$")
_GENERIC_DESTROY_PATH = _LazyRe(r"(?i)/(delete|destroy|purge|wipe|reset|terminate|remove|drop)/?$")
_LOCAL = _LazyRe(r"^(localhost|127(\.\d+){3}|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal|"
                    r"[a-z0-9.-]+\.(localhost|local|test|internal\.test))$", re.I)


def mask_url(url):
    """A URL with its password and secret-looking query values replaced by ***."""
    if not url:
        return url
    url = re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s]*):[^/@\s]*@", r"\1:***@", url)
    return re.sub(r"(?i)([?&](?:[a-z_]*token|key|api[_-]?key|secret|password|passwd|sig|signature|"
                  r"x-amz-signature|x-amz-credential|x-amz-security-token|auth)=)[^&#\s]+", r"\1***", url)


class Request:
    __slots__ = ("method", "url", "body", "headers", "client")

    def __init__(self, method, url, body=None, headers=(), client="curl"):
        self.method, self.url, self.body, self.headers, self.client = method, url, body, list(headers), client

    def _split(self):
        try:
            return urlsplit(self.url if "://" in self.url else "https://" + self.url)
        except ValueError:
            return None

    @property
    def host(self):
        s = self._split()
        try:
            return (s.hostname or "").lower().rstrip(".") if s else ""  # `host.` is the same host (a rooted name)
        except ValueError:
            return ""

    @property
    def port(self):
        s = self._split()
        try:
            return (s.port or (80 if s.scheme == "http" else 443)) if s else None
        except ValueError:
            return None

    @property
    def path(self):
        s = self._split()
        return (s.path or "/") if s else "/"

    @property
    def query(self):
        s = self._split()
        return s.query if s else ""

    def header(self, name):
        name = name.lower()
        for h in self.headers:
            k, _, v = str(h).partition(":")
            if k.strip().lower() == name:
                return v.strip()
        return None

    def actions(self):
        """Operation names carried outside the path: AWS query ``Action=``, ``X-Amz-Target``, ``aws://svc/Op``."""
        out = []
        try:
            out += parse_qs(self.query).get("Action", [])
        except ValueError:
            pass
        body = self.body
        if body and U not in body and len(body) < _MAX_PARSE and "Action=" in body:
            try:
                out += parse_qs(body.strip()).get("Action", [])
            except ValueError:
                pass
        elif body and "Action=" in body:
            out += re.findall(r"(?:^|&)Action=([A-Za-z]+)", body[:_MAX_PARSE])
        t = self.header("X-Amz-Target")
        if t:
            out.append(t.rsplit(".", 1)[-1])
        if self.url.startswith("aws://"):
            out.append(self.path.strip("/").rsplit("/", 1)[-1])
        return out

    def __repr__(self):
        return f"Request({self.method} {mask_url(self.url)} body={str(self.body)[:60]!r})"


class Verdict(tuple):
    """(rule id, target, note) — a 3-tuple for old callers — plus severity, why, entry and environment."""

    def __new__(cls, rule, target, note, severity=None, why=None, entry=None, environment=None):
        t = super().__new__(cls, (rule, target, note))
        t.severity, t.why, t.entry, t.environment = severity, why, entry, environment
        return t

    rule = property(lambda self: self[0])
    target = property(lambda self: self[1])
    note = property(lambda self: self[2])
# --- command line → Request -------------------------------------------------------------------

_CURL_WITH_ARG = {
    "-X", "--request", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json",
    "-F", "--form", "--form-string", "-H", "--header", "-u", "--user", "-o", "--output", "-A", "--user-agent",
    "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-K", "--config", "-T", "--upload-file", "--url",
    "-w", "--write-out", "-m", "--max-time", "--connect-timeout", "--retry", "-x", "--proxy", "--cacert", "--cert",
    "-E", "--key", "--resolve", "-r", "--range", "-z", "--time-cond", "--limit-rate", "-Y", "-y", "--oauth2-bearer",
    "--aws-sigv4", "--variable", "--expand-data", "--expand-url", "--retry-delay", "--retry-max-time", "-D",
    "--dump-header", "--stderr", "--trace", "--trace-ascii", "--interface", "--dns-servers", "-Q", "--quote",
    "--create-file-mode", "--output-dir", "--unix-socket", "--abstract-unix-socket", "-P", "--ftp-port",
}
_DATA_OPTS = {"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "--json"}


_CURLRC_ESC = {"\\": "\\", '"': '"', "t": "\t", "n": "\n", "r": "\r", "v": "\v"}


def curl_config_args(text):
    """A curl config file (``-K FILE``, ``.curlrc``) → the argv it stands for, as curl reads it: one
    option a line, ``--name value``, ``name = value`` or ``name: value``, a value quoted with ``"``
    (backslash escapes) or bare up to white space; ``#`` lines are comments; a bare word is a URL."""
    out = []
    for line in (text or "").splitlines()[:2000]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(-{0,2}[A-Za-z0-9][\w-]*)\s*(?:[=:]\s*|\s+|$)(.*)$", line)
        if not m:
            out.append(U)
            continue
        name, rest = m.group(1), m.group(2).strip()
        if not name.startswith("-"):
            name = ("-" if len(name) == 1 else "--") + name
        out.append(name)
        if not rest:
            continue
        if rest.startswith('"'):
            val, i = [], 1
            while i < len(rest) and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < len(rest):
                    i += 1
                    val.append(_CURLRC_ESC.get(rest[i], rest[i]))
                else:
                    val.append(rest[i])
                i += 1
            out.append("".join(val))
        else:
            out.append(rest.split()[0])
    return out


def parse_curl(args, read_at, stdin_text=None, default_config=None):
    """curl argv (without 'curl') → (Request, files it reads, files it writes).  ``-K FILE`` and the
    default ``.curlrc`` (``default_config``: its path, unless ``-q`` comes first) are read and their
    options taken as if on the line: a config file carries URLs, bodies and headers like the line does."""
    args = list(args)
    spliced = 0
    if default_config and not (args and args[0] in ("-q", "--disable")):
        text = read_at(default_config) if U not in default_config else U
        if text == U:
            args = [U] + args
        elif text:
            args = curl_config_args(text) + args
    method = None
    urls = []
    data = []
    headers = []
    reads = []
    writes = []
    get = False
    head = False
    upload = None
    i = 0
    n = len(args)
    while i < n:
        x = args[i]
        name, val = x, None
        if (x[:1] == "-" and x[1:2] not in ("-", "") and len(x) > 2 and x[:2] not in _CURL_WITH_ARG
                and x[1:2].isalnum()):
            split = []  # `-sK file`, `-sd BODY`: short flags bundled, the last may take the rest as its value
            for j, ch in enumerate(x[1:], 1):
                split.append("-" + ch)
                if "-" + ch in _CURL_WITH_ARG:
                    if x[j + 1:]:
                        split.append(x[j + 1:])
                    break
            args[i:i + 1] = split
            n = len(args)
            continue
        if x.startswith("--") and "=" in x and x.split("=", 1)[0] in _CURL_WITH_ARG:
            name, val = x.split("=", 1)
        elif x.startswith("-") and not x.startswith("--") and len(x) > 2 and x[:2] in _CURL_WITH_ARG:
            name, val = x[:2], x[2:]
        if name in _CURL_WITH_ARG:
            if val is None:
                val = args[i + 1] if i + 1 < n else ""
                i += 1
            if name in ("-X", "--request"):
                method = val.upper()
            elif name in _DATA_OPTS:
                if name == "--json":
                    headers.append("Content-Type: application/json")
                if val.startswith("@") and name != "--data-raw":
                    src = val[1:]
                    if src == "-":
                        data.append(stdin_text if stdin_text is not None else U)
                    else:
                        reads.append(src)
                        data.append(read_at(src) or U)
                else:
                    data.append(val)
            elif name in ("-F", "--form"):
                if "=@" in val or "=<" in val:
                    reads.append(re.split(r"=[@<]", val, 1)[1].split(";", 1)[0])
                data.append(val)
            elif name in ("-H", "--header"):
                headers.append(val)
            elif name in ("-T", "--upload-file"):
                upload = val
                reads.append(val)
            elif name in ("-o", "--output"):
                writes.append(val)
            elif name == "--url":
                urls.append(val)
            elif name in ("-K", "--config"):
                reads.append(val)
                text = read_at(val) if val != "-" else stdin_text
                spliced += 1
                if text is None or spliced > 4:
                    data.append(U)  # options that can't be read (or nest too deep): the request is unknown
                else:
                    args[i + 1:i + 1] = curl_config_args(text)
                    n = len(args)
        elif x in ("-G", "--get"):
            get = True
        elif x in ("-I", "--head"):
            head = True
        elif x.startswith("-") and len(x) > 1:
            if not x.startswith("--") and "G" in x[1:]:
                get = True
        else:
            urls.append(x)
        i += 1
    body = "&".join(d for d in data) if data else None
    if method is None:
        method = "HEAD" if head else "GET" if get else "POST" if data else "PUT" if upload else "GET"
    return [Request(method, u, body, headers) for u in urls] or [Request(method, "", body, headers)], reads, writes


def parse_wget(args, read_at):
    method, body, urls, reads, writes = None, None, [], [], []
    i = 0
    while i < len(args):
        x = args[i]
        key, _, val = x.partition("=")
        takes = key in ("--method", "--body-data", "--body-file", "--post-data", "--post-file", "-O",
                        "--output-document", "--header")
        if takes and not _:
            val = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        if key == "--method":
            method = val.upper()
        elif key in ("--body-data", "--post-data"):
            body = val
        elif key in ("--body-file", "--post-file"):
            reads.append(val)
            body = read_at(val) or U
        elif key in ("-O", "--output-document"):
            writes.append(val)
        elif not x.startswith("-"):
            urls.append(x)
        i += 1
    if method is None:
        method = "POST" if body is not None else "GET"
    return [Request(method, u, body, client="wget") for u in urls], reads, writes


_HTTPIE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


#: httpie/xh/curlie options that take a value (the next word), so that the value is not read as a request item
#: (short options curl reads otherwise, such as -s and -p, are left out: curlie takes curl's options too)
_HTTPIE_VALUE_OPTIONS = frozenset({
    "-A", "--auth-type", "-a", "--auth", "-o", "--output", "--session", "--session-read-only", "--verify", "--cert",
    "--cert-key", "--cert-key-pass", "--timeout", "--proxy", "--print", "--pretty", "--style",
    "--max-redirects", "--format-options", "--response-charset", "--response-mime", "--boundary", "--ssl",
    "--ciphers", "--default-scheme", "--unix-socket", "--max-headers", "--http-version", "--bearer", "--resolve",
    "--interface", "--history-print", "--chunk-size"})


def parse_httpie(args, read_at=None):
    """httpie/xh/curlie's request items: `k=v` (string), `k:=json`, and `k=@FILE` / `k:=@FILE` (the value is
    the file's text or JSON, read with ``read_at``; unknown when it cannot be read)."""
    ops, raw, i = [], None, 0
    while i < len(args):
        x = args[i]
        name, eq, val = x.partition("=")
        if name == "--raw":  # the request body as written (httpie 3.2+, xh)
            raw = val if eq else (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if eq else 2
            continue
        if x in _HTTPIE_VALUE_OPTIONS and not eq:
            i += 2  # an option's value is no request item (`-A bearer -a TOKEN`, `-o out.json`)
            continue
        if not x.startswith("-"):
            ops.append(x)
        i += 1
    method = None
    if ops and ops[0].upper() in _HTTPIE_METHODS and ops[0].isalpha():
        method = ops[0].upper()
        ops = ops[1:]
    if not ops:
        return []
    url, items = ops[0], ops[1:]
    if re.match(r"^:(\d+)?(/|$)", url):  # httpie's and xh's shorthand for localhost: `:8080/todos`, `:/api`
        url = "localhost" + url
    body = {}
    for it in items:
        m = re.match(r"^([^:=@]+)(:=|==|=|:|@)(.*)$", it, re.S)
        if not m:
            continue
        k, op, v = m.groups()
        if op in ("=", ":=") and v.startswith("@") and len(v) > 1:  # k=@file: the value is what the file holds
            text = read_at(v[1:]) if read_at is not None else None
            v = text if text is not None else U
            if op == "=" or v == U:
                body[k] = v
                continue
        if op == ":=":
            try:
                body[k] = json.loads(v)
            except ValueError:
                body[k] = v
        elif op == "=":
            body[k] = v
    if method is None:
        method = "POST" if body or raw else "GET"
    text = raw if raw is not None else (json.dumps(body, ensure_ascii=False) if body else None)
    return [Request(method, url, text, client="httpie")]


# --- Request → findings ----------------------------------------------------------------------

def _looks_graphql(text):
    return bool(re.match(r"^\s*(mutation|query|subscription|fragment|\{)", text))


def graphql_documents(req, limits=None):
    """[(GraphQL document, variables)] carried by a request (JSON body, batch, form field, raw body, GET query).

    ``limits``: a list that receives one line per limit reached (what was not read, and why)."""
    limits = [] if limits is None else limits
    body = req.body
    out = []
    if body and U not in body:
        text = body.strip()
        if len(text) > MAX_BODY:
            limits.append(f"the body is over the analysis limit ({MAX_BODY // (1024 * 1024)} MB): not read")
        elif text[:1] == "[" or (text[:1] == "{" and text[1:].lstrip()[:1] in ('"', "}", "'")):
            dup = []
            try:
                obj = json.loads(text, object_pairs_hook=lambda pairs: _no_dup(pairs, dup))
            except RecursionError:
                obj = None
                limits.append("the JSON body nests deeper than the parser's depth limit: not read")
            except ValueError:
                obj = None
                if re.search(r"\bmutation\b", text):
                    out.append((text + U, {}))            # malformed JSON: read names only
            if dup:
                limits.append(f"the JSON body names {', '.join(sorted(set(dup))[:3])} twice: servers differ on "
                              "which one they use")
            items = obj if isinstance(obj, list) else [obj]
            if len(items) > MAX_BATCH:
                limits.append(f"a batch of {len(items)} operations is over the batch limit ({MAX_BATCH}): "
                              "not read")
                items = []
            for it in items:
                if isinstance(it, dict) and isinstance(it.get("query"), str):
                    v = it.get("variables")
                    if isinstance(v, str):
                        try:
                            v = json.loads(v)
                        except (ValueError, RecursionError):
                            v = {}
                    out.append((it["query"], v if isinstance(v, dict) else {}))
                elif obj is not None and _graphql_request(req) and (isinstance(obj, list) or (
                        isinstance(it, dict) and ("query" in it or "extensions" in it or "id" in it or
                                                  "documentId" in it or "operationName" in it))):
                    limits.append("a GraphQL operation without a document Interlock can read (a persisted query "
                                  "runs whatever the server stored under its hash): not readable")
        elif text.startswith("query=") or "&query=" in text:
            try:
                qs = parse_qs(text)
            except ValueError:
                qs = {}
            for q in qs.get("query", []):
                v = {}
                try:
                    v = json.loads(qs.get("variables", ["{}"])[0])
                except (ValueError, RecursionError):
                    pass
                out.append((q, v if isinstance(v, dict) else {}))
        elif re.match(r"^\s*(mutation|subscription|fragment)\b", text) or (
                _looks_graphql(text) and ("graphql" in req.path.lower() or "graphql" in str(req.headers).lower())):
            out.append((text, {}))
        elif text and _graphql_request(req):
            limits.append("a GraphQL endpoint's body in a form Interlock does not read (content type "
                          f"{req.header('content-type') or 'unknown'}): not judged")
    elif body and U in body and re.search(r"\bmutation\b", body):
        out.append((body, {}))
    if req.method == "GET" and "graphql" in req.path:
        try:
            qs = parse_qs(req.query)
        except ValueError:
            qs = {}
        out.extend((x, {}) for x in qs.get("query", []))
    kept = []
    for q, v in out:
        if len(q) > MAX_GRAPHQL_DOCUMENT:
            limits.append(f"a GraphQL document of {len(q)} characters is over the document limit "
                          f"({MAX_GRAPHQL_DOCUMENT}): not read")
        else:
            kept.append((q, v))
    return kept


def _no_dup(pairs, dup):
    """``json.loads`` object hook: records keys that appear twice in one object."""
    seen = {}
    for k, v in pairs:
        if k in seen and seen[k] != v:
            dup.append(k)
        seen[k] = v
    return seen


def _graphql_request(req) -> bool:
    """A request to a GraphQL endpoint: the path, the content type, or a GraphQL provider's host."""
    if "graphql" in req.path.lower() or "graphql" in (req.header("content-type") or "").lower():
        return True
    host = req.host
    return bool(host) and any(p.host.search(host) for p in catalogue()[1])


_NAME_CALL = _LazyRe(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _regex_fields(query):
    """Field calls read from GraphQL text that cannot be parsed (unknown parts, malformed, huge)."""
    if not re.search(r"\bmutation\b", query):
        return []
    return [(m.group(1), query[m.end():m.end() + 200].split(")", 1)[0]) for m in _NAME_CALL.finditer(query)
            if m.group(1) not in ("mutation", "query")]


def _resolve_vars(args, variables):
    if not variables or "$" not in args:
        return args

    def sub(m):
        if m.group(1) in variables:
            return json.dumps(variables[m.group(1)])[:200]
        return m.group(0)
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", sub, args)


def mutation_fields(query, variables=None):
    """[(field name, arguments as text with variables resolved)] of every mutation in a GraphQL document."""
    if U in query:
        # part of the document is only known at run time: read names where we can
        return [(n, _resolve_vars(a, variables)) for n, a in _regex_fields(query.replace(U, " "))]
    # a document that does not parse raises (and is not kept); a huge one is not kept either
    fields = recall(_GQL_MEMO, query, lambda: _mutation_fields(query), 256) if len(query) <= 65536 \
        else _mutation_fields(query)
    return [(n, _resolve_vars(a, variables)) for n, a in fields]


_GQL_MEMO = table()


class GraphQLLimit(Exception):
    """A GraphQL document reached one of the analysis' limits."""


def _mutation_fields(query) -> tuple:
    from graphql.language import parse
    from graphql.language.ast import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode
    from graphql.language.printer import print_ast

    doc = parse(query, max_tokens=MAX_GRAPHQL_TOKENS)
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    out = []

    def walk(selset, depth=0):
        if selset is None:
            return
        if depth > MAX_DEPTH:
            raise GraphQLLimit(f"fragments nest deeper than the depth limit ({MAX_DEPTH})")
        for sel in selset.selections:
            if isinstance(sel, FieldNode):
                out.append((sel.name.value, ", ".join(print_ast(a) for a in sel.arguments or ())))
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, depth + 1)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in frags:
                walk(frags[sel.name.value].selection_set, depth + 1)

    for d in doc.definitions:
        op = getattr(d, "operation", None)
        if op is not None and op.value == "mutation":
            walk(d.selection_set)
    return tuple(out)


def _is_local(host):
    return bool(host) and bool(_LOCAL.match(host))


def _env_from_text(text):
    """'prod' when a Railway/Fly/... environment name or id in the arguments says production."""
    if text and _PROD.search(text):
        return "prod"
    return None


def _unread(req, note):
    return Verdict("http.request-unread", mask_url(req.url)[:200], note, "opaque",
                   "Interlock could not read the whole request (a limit was reached), so it cannot say what it does.")


def _graphql_verdicts(req, docs):
    found = []
    host = req.host
    providers = catalogue()[1]
    for query, variables in docs:
        try:
            fields = mutation_fields(query, variables)
        except (GraphQLLimit, RecursionError) as e:
            found.append(_unread(req, f"GraphQL document not read: {str(e)[:120] or 'nested too deeply'}"))
            fields = _regex_fields(query)
        except Exception as e:  # a GraphQL syntax error: judge what can be seen
            if "tokens" in str(e) and "more than" in str(e):
                found.append(_unread(req, f"GraphQL document not read: over the token limit "
                                          f"({MAX_GRAPHQL_TOKENS})"))
            fields = _regex_fields(query)
            if not fields:
                if re.search(r"\bmutation\b", query) or not re.match(r"^\s*(query\b|\{)", query):
                    found.append(Verdict("http.graphql-unparsed", mask_url(host or req.url),
                                         f"GraphQL body did not parse: {str(e)[:120]}", "opaque"))
                continue
        for name, args in fields:
            sev = why = prov = None
            for p in providers:
                if name in p.mutations and (p.host.search(host) or not host):
                    sev, why = p.mutations[name]
                    prov = p.provider
                    if name == "variableCollectionUpsert" and not re.search(r"replace\s*:\s*true", args):
                        sev = "write"
                    if name == "volumeInstanceBackupScheduleUpdate" and re.search(r"kinds\s*:\s*\[\s*\]", args):
                        sev, why = "catastrophic", "disables every backup schedule of a Railway volume"
                    break
            if sev is None and _DESTRUCTIVE_NAME.search(name):
                sev, why = "destructive", "a mutation whose name says it deletes or destroys"
                if _DATA_STORE_NAME.search(name) and not re.search(r"(?i)restore|reset[A-Z]?password", name):
                    # `deleteVolume`, `deletePostgres`, `dropDatabase`, `bucketDestroy` on a host nobody catalogued:
                    # what goes is a store of data (and, on most platforms, its backups)
                    sev, why = "catastrophic", "a mutation whose name says it deletes a volume, database or other data store"
                elif _WHOLE_RESOURCE_DELETE.search(name):
                    # `deleteApp`, `projectDelete`, `destroySite` on a host nobody catalogued: a whole hosting app,
                    # project, site, repository or cluster goes, with everything in it
                    sev, why = "catastrophic", "a mutation whose name says it deletes a whole app, project, site, repository or cluster"
            if sev not in ("catastrophic", "destructive"):
                continue
            env = _env_from_text(args)
            target = f"{host}: {name}({args})"[:200]
            note = f"{prov + ' ' if prov else ''}GraphQL mutation {name}: {why}"
            if env:
                note += f"; environment {env} (named in the arguments)"
            found.append(Verdict(f"http.graphql-{sev}", target, note, sev, _sentence(why), prov, env))
    return found


def _sentence(text):
    text = (text or "").strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".") if text else text


#: The dashboard's approval endpoints (``POST /api/approvals/{id}/approve`` and ``/reject``), on any host
#: or port: an agent calling them would be approving its own request.
_APPROVAL_ENDPOINT = _LazyRe(r"(?i)/api/approvals?/[^/?#\s]+/(approve|reject)\b")


def approval_endpoint(url: str):
    """A Verdict when ``url`` is a dashboard approval endpoint, else None."""
    m = _APPROVAL_ENDPOINT.search(url or "")
    if m is None:
        return None
    return Verdict("interlock.approve-endpoint", mask_url(url)[:200], "only a human may approve: in the dashboard "
                   "or `interlock approve` in their own terminal", "catastrophic")


#: Hosts that are not public names (an IP literal, a single label, ``*.internal``): where instance metadata
#: services answer.  Only requests to such a host consult the catalogue's ``credential`` entries before the
#: plain-read shortcut (a GET is the whole of a metadata credential theft).
_NOT_A_PUBLIC_NAME = _LazyRe(r"^(\[?[0-9a-f:.]+\]?|[a-z0-9-]+|[a-z0-9.-]+\.internal)$", re.I)


def instance_credentials(req):
    """A Verdict when ``req`` asks an instance metadata service for the machine's credentials, else None."""
    host, path = req.host or "", req.path or ""
    if U in host:  # http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: what follows may be the path
        host, path = host.split(U, 1)[0].rstrip(":"), U
    if not host or not _NOT_A_PUBLIC_NAME.match(host):
        return None
    for e in _entries_for(host):
        if e.severity == "credential" and (e.path is None or e.path.search(path) or U in path):
            return Verdict("http.instance-credentials", f"{(req.method or 'GET').upper()} {mask_url(req.url)}"[:200],
                           f"{e.provider} metadata: {e.why}", "credential", _sentence(e.why), e.id)
    return None


def judge(req):
    """[Verdict(rule id, target, note)] for one request."""
    v = approval_endpoint(req.url) or instance_credentials(req)
    if v is not None:  # whatever the method or host (the dashboard and the metadata services are local)
        return [v]
    if (req.method or "GET").upper() in ("GET", "HEAD", "OPTIONS") and not req.body and \
            "graphql" not in req.path.lower() and not req.actions():
        return []  # a plain read: no catalogue (or GraphQL parser) to load
    found = []
    host = req.host
    local = _is_local(host)
    limits = []
    enc = (req.header("content-encoding") or "").strip().lower()
    if req.body and enc not in ("", "identity") and (_graphql_request(req) or _body_decides(req)):
        limits.append(f"the body is encoded ({enc}): Interlock judges bodies it can read")
    docs = graphql_documents(req, limits)
    found += [_unread(req, why) for why in limits]
    if docs:
        found += _graphql_verdicts(req, docs)
    rest, providers = catalogue()
    if not docs and req.body is not None and U in req.body and req.method in ("POST", "PUT", "PATCH") \
            and "graphql" in req.path and any(p.host.search(host) for p in providers) and \
            not re.search(r"\b(query|mutation)\b", req.body):
        found.append(Verdict("http.graphql-unparsed", mask_url(req.url)[:200],
                             "the GraphQL body is only known when the command runs", "opaque"))
    if local:
        found = [v for v in found if v.severity in ("opaque",) and v[0] != "http.request-unread"] if found else []
        if found or not any(e.ports for e in _entries_for(host)):
            return found
        # a data store's own API on this machine (Elasticsearch on :9200, InfluxDB on :8086...): entries with a port
    elif found:
        return found
    method = (req.method or "GET").upper()
    actions = req.actions()
    body = req.body or ""
    for e in _entries_for(host):
        if e.ports and req.port not in e.ports or local and not e.ports:
            continue
        if e.methods and method not in e.methods:
            continue
        if e.path is not None and not e.path.search(req.path):
            continue
        if e.action is not None and not any(e.action.fullmatch(a) for a in actions):
            continue
        if e.body is not None and not e.body.search(body[:_MAX_PARSE] + " " + req.query):
            continue
        if e.severity in ("read", "write", "credential"):  # credential entries: instance_credentials, above
            return found
        rule = "http.delete-critical" if e.severity == "catastrophic" else "http.api-destructive"
        shown = f"{method} {mask_url(req.url)}" + (f" {'/'.join(actions)}" if actions and e.action else "")
        env = _env_from_text(req.path) if e.provider in ("fly", "heroku", "vercel", "render", "railway") else None
        found.append(Verdict(rule, shown[:200], f"{e.provider} API: {e.why}", e.severity, _sentence(e.why), e.id, env))
        return found
    if method in ("GET", "HEAD", "OPTIONS") or local:
        return found
    if method == "DELETE" or (method in ("POST", "PUT", "PATCH") and _GENERIC_DESTROY_PATH.search(req.path)):
        found.append(Verdict("http.delete", f"{method} {mask_url(req.url)}"[:200], None, "destructive"))
    elif actions and any(re.match(r"(?i)(delete|terminate|remove|purge|destroy)", a) for a in actions):
        found.append(Verdict("http.api-destructive", f"{method} {mask_url(req.url)} {'/'.join(actions)}"[:200],
                             "an API action whose name says it deletes", "destructive"))
    return found


def _body_decides(req) -> bool:
    """Some catalogue entry for this host, method and path is decided by the body (or an action in it)."""
    method = (req.method or "GET").upper()
    for e in _entries_for(req.host):
        if e.methods and method not in e.methods:
            continue
        if e.path is not None and not e.path.search(req.path):
            continue
        if e.body is not None or e.action is not None:
            return True
    return False


def _entries_for(host: str) -> tuple:
    """The REST catalogue's entries whose host pattern matches ``host``, in catalogue order."""
    return recall(_HOST_MEMO, host, lambda: tuple(e for e in catalogue()[0] if e.host.search(host)), 1024)


_HOST_MEMO = table()


def emit_request(a, cmd, req):
    """Judge one request and emit its findings on the shell analyzer ``a``."""
    try:
        verdicts = judge(req)
    except Exception as e:  # never crash the hook: an unreadable request is asked about
        a.emit("http.graphql-unparsed", cmd, target=mask_url(req.url)[:200], effect="http",
               note=f"could not analyse the request: {str(e)[:160]}")
        return
    for v in verdicts:
        env = None
        m = re.search(r'environment(?:Id)?\s*:\s*"([^"]+)"', str(v[1]))
        if m:   # a Railway environment id/name the policy maps (environments.<name>.railway_environments)
            env = a.environment_of("railway_environment", m.group(1))
        env = env or getattr(v, "environment", None) or a.environment_of("url", req.url) or \
            a.environment_of("host", req.host)
        a.emit(v[0], cmd, target=v[1], effect="http", note=v[2], environment=env,
               why=getattr(v, "why", None) if getattr(v, "why", None) and v[0] != "http.delete" else None)


def judge_http_effect(a, cmd, scope, effect):
    """Turn an inline-code ``http`` effect (python requests, node fetch, boto3, ...) into findings."""
    h = getattr(effect, "http", None)
    if not h:
        return
    method, url, body, headers = h
    emit_request(a, cmd, Request(method or "GET", url or "", body, headers or (), client="code"))


class _Emitter:
    """The two methods ``emit_request`` needs, for a request that is not a command line."""

    def __init__(self, resolve_environment):
        self.findings = []
        self._resolve = resolve_environment

    def environment_of(self, kind, value):
        if not value or U in value or self._resolve is None:
            return None
        return self._resolve(kind, value)

    def emit(self, rule_id, cmd, target=None, effect="", note=None, why=None, environment=None):
        from .. import rules as R
        from ..actions import Finding

        rule = R.RULES[rule_id]
        self.findings.append(Finding(rule_id, rule.severity, effect, target, str(cmd)[:300], why or rule.why,
                                     note=note, environment=environment))


def analyze_payload(payload, resolve_environment=None):
    """Findings for an ``http`` Action's payload ``{method, url, body, headers}`` — what a gateway saw.

    The same verdicts (rules, targets, environments) as the equivalent curl command gets from
    the shell analysis; the evidence is the request line.
    """
    method = str(payload.get("method") or "GET").upper()
    url = str(payload.get("url") or "")
    body = payload.get("body")
    headers = payload.get("headers") or ()
    if isinstance(headers, dict):
        headers = [f"{k}: {v}" for k, v in headers.items()]
    req = Request(method, url, body if isinstance(body, str) else None, headers, client="gateway")
    a = _Emitter(resolve_environment)
    shown = f"{method} {mask_url(url)}"
    if isinstance(body, str) and body:
        shown += " " + re.sub(r"\s+", " ", body)[:200]
    emit_request(a, shown, req)
    return a.findings
