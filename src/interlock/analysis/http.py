"""HTTP requests inside commands (curl, wget, httpie/xh): method, URL, body — and what
a GraphQL body would do.  The incident was one ``curl`` carrying a ``volumeDelete``
mutation; the request is judged, not the command text.

GraphQL bodies are parsed with graphql-core, imported only when a body looks like
GraphQL.  Provider knowledge lives in ``GRAPHQL_CATALOGUE`` as data.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from .paths import UNKNOWN_MARK as U

# provider host pattern → {mutation name: (severity, why)}
GRAPHQL_CATALOGUE = {
    "railway": (re.compile(r"(^|\.)backboard\.railway\.(app|com)$"), {
        "volumeDelete": ("catastrophic", "deletes a Railway volume and the backups stored in it"),
        "volumeInstanceBackupDelete": ("catastrophic", "deletes a Railway volume backup"),
        "volumeInstanceBackupRestore": ("destructive", "restores a backup over the live volume"),
        "volumeInstanceBackupScheduleUpdate": ("destructive", "changes or disables a volume's backup schedule"),
        "serviceDelete": ("catastrophic", "deletes a Railway service"),
        "environmentDelete": ("catastrophic", "deletes a Railway environment and its services"),
        "projectDelete": ("catastrophic", "deletes a Railway project"),
        "projectTransferInitiate": ("catastrophic", "transfers a Railway project to another owner"),
        "projectTransferConfirm": ("catastrophic", "transfers a Railway project to another owner"),
        "projectTransferToTeam": ("catastrophic", "transfers a Railway project to another team"),
        "pluginDelete": ("catastrophic", "deletes a Railway database plugin"),
        "deploymentRemove": ("destructive", "removes a Railway deployment"),
        "variableDelete": ("destructive", "deletes an environment variable"),
        "variableCollectionUpsert": ("destructive", "replaces environment variables"),
        "customDomainDelete": ("destructive", "deletes a custom domain"),
        "serviceInstanceRedeploy": ("write", "redeploys a service"),
    }),
    "github": (re.compile(r"(^|\.)api\.github\.com$"), {
        "deleteRef": ("destructive", "deletes a git ref"),
        "deleteBranchProtectionRule": ("destructive", "removes branch protection"),
        "updateBranchProtectionRule": ("destructive", "changes branch protection"),
        "deleteProjectV2": ("destructive", "deletes a project"),
        "archiveRepository": ("destructive", "archives a repository"),
        "transferRepository": ("catastrophic", "transfers a repository"),
        "deleteEnvironment": ("destructive", "deletes a deployment environment"),
    }),
}
_DESTRUCTIVE_NAME = re.compile(r"(^|[a-z])(delete|destroy|remove|drop|purge|wipe|erase|terminate|reset|revoke|"
                               r"truncate)|^(delete|destroy|remove|drop|purge|wipe|erase|terminate|reset|revoke)",
                               re.IGNORECASE)
# REST paths whose DELETE loses a whole repository, project, database or volume.
_CRITICAL_DELETE = [
    (re.compile(r"(^|\.)api\.github\.com$"), re.compile(r"^/repos/[^/]+/[^/]+/?$")),
    (re.compile(r"(^|\.)gitlab\.com$"), re.compile(r"^/api/v4/projects/[^/]+/?$")),
    (re.compile(r"(^|\.)api\.heroku\.com$"), re.compile(r"^/apps/[^/]+/?$")),
    (re.compile(r"(^|\.)api\.vercel\.com$"), re.compile(r"^/v\d+/projects/[^/]+/?$")),
    (re.compile(r"(^|\.)api\.digitalocean\.com$"), re.compile(r"^/v2/(databases|volumes|droplets)/[^/]+/?$")),
    (re.compile(r"(^|\.)api\.supabase\.(com|io)$"), re.compile(r"^/v1/projects/[^/]+/?$")),
    (re.compile(r"(^|\.)api\.neon\.tech$"), re.compile(r"^/api/v2/projects/[^/]+/?$")),
    (re.compile(r".*"), re.compile(r"/(volumes?|databases?|backups?|snapshots?|clusters?|buckets?)(/[^/]+)?/?$")),
]


class Request:
    __slots__ = ("method", "url", "body", "headers", "client")

    def __init__(self, method, url, body=None, headers=(), client="curl"):
        self.method, self.url, self.body, self.headers, self.client = method, url, body, list(headers), client

    @property
    def host(self):
        try:
            return (urlsplit(self.url if "://" in self.url else "https://" + self.url).hostname or "").lower()
        except ValueError:
            return ""

    @property
    def path(self):
        try:
            return urlsplit(self.url if "://" in self.url else "https://" + self.url).path or "/"
        except ValueError:
            return "/"

    def __repr__(self):
        return f"Request({self.method} {self.url} body={str(self.body)[:60]!r})"


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


def parse_curl(args, read_at, stdin_text=None):
    """curl argv (without 'curl') → (Request, files it reads, files it writes)."""
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


def parse_httpie(args):
    ops = [x for x in args if not x.startswith("-")]
    method = None
    if ops and ops[0].upper() in _HTTPIE_METHODS and ops[0].isalpha():
        method = ops[0].upper()
        ops = ops[1:]
    if not ops:
        return []
    url, items = ops[0], ops[1:]
    body = {}
    for it in items:
        m = re.match(r"^([^:=@]+)(:=|==|=|:|@)(.*)$", it, re.S)
        if not m:
            continue
        k, op, v = m.groups()
        if op == ":=":
            try:
                body[k] = json.loads(v)
            except ValueError:
                body[k] = v
        elif op == "=":
            body[k] = v
    if method is None:
        method = "POST" if body else "GET"
    return [Request(method, url, json.dumps(body) if body else None, client="httpie")]


# --- Request → findings ----------------------------------------------------------------------

def graphql_documents(req):
    """GraphQL query strings carried by a request (JSON body, batch, form field, raw body)."""
    body = req.body
    out = []
    if body and U not in body:
        text = body.strip()
        if text[:1] in "[{":
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            items = obj if isinstance(obj, list) else [obj]
            for it in items:
                if isinstance(it, dict) and isinstance(it.get("query"), str):
                    out.append((it["query"], it.get("variables") if isinstance(it.get("variables"), dict) else {}))
        elif text.startswith(("query=", "mutation")) or re.match(r"^(mutation|query|\{)", text):
            if text.startswith("query="):
                q = parse_qs(text).get("query", [""])[0]
                out.append((q, {}))
            else:
                out.append((text, {}))
    elif body and U in body and re.search(r"\bmutation\b", body):
        out.append((body, {}))
    if req.method == "GET" and "graphql" in req.path:
        try:
            q = parse_qs(urlsplit(req.url).query).get("query", [])
        except ValueError:
            q = []
        out.extend((x, {}) for x in q)
    return out


def mutation_fields(query):
    """[(field name, arguments as text)] of every mutation in a GraphQL document."""
    if U in query:
        # part of the document is only known at run time: read names where we can
        return [(m.group(1), "") for m in re.finditer(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", query)
                if "mutation" in query]
    from graphql.language import parse
    from graphql.language.ast import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode
    from graphql.language.printer import print_ast

    doc = parse(query)
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    out = []

    def walk(selset, depth=0):
        if selset is None or depth > 20:
            return
        for sel in selset.selections:
            if isinstance(sel, FieldNode):
                args = ", ".join(print_ast(a) for a in sel.arguments or ())
                out.append((sel.name.value, args))
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, depth + 1)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in frags:
                walk(frags[sel.name.value].selection_set, depth + 1)

    for d in doc.definitions:
        op = getattr(d, "operation", None)
        if op is not None and op.value == "mutation":
            walk(d.selection_set)
    return out


def judge(req):
    """[(rule id, target, note)] for one request."""
    found = []
    host = req.host
    docs = graphql_documents(req)
    for query, variables in docs:
        try:
            fields = mutation_fields(query)
        except Exception as e:  # a GraphQL syntax error: judge what can be seen
            fields = [(m.group(1), "") for m in re.finditer(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", query)]
            if not fields:
                found.append(("http.graphql-unparsed", host or req.url, f"GraphQL body did not parse: {e}"))
                continue
        for name, args in fields:
            sev = None
            why = None
            for provider, (host_re, cat) in GRAPHQL_CATALOGUE.items():
                if name in cat and (host_re.search(host) or not host):
                    sev, why = cat[name]
                    if name == "variableCollectionUpsert" and "replace: true" not in args:
                        sev = "write"
                    break
            if sev is None and _DESTRUCTIVE_NAME.search(name):
                sev, why = "destructive", "a mutation whose name says it deletes or destroys"
            if sev == "catastrophic":
                found.append(("http.graphql-catastrophic", f"{host}: {name}({args})"[:200], why))
            elif sev == "destructive":
                found.append(("http.graphql-destructive", f"{host}: {name}({args})"[:200], why))
    if not docs and req.method == "DELETE":
        critical = any(h.search(host) and p.search(req.path) for h, p in _CRITICAL_DELETE)
        found.append(("http.delete-critical" if critical else "http.delete", f"DELETE {req.url}"[:200], None))
    return found
