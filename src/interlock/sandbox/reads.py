"""Reads in a sandbox: which requests are reads, and what the agent's recorded mutations hide from them.

In a sandbox the HTTP gateway forwards **reads** to the real API — only with the route's separate read-only
token (``read_credential``), never with ``credential`` — and records everything else (``record.py``).  A
request is a read only when every test says so; anything unclear is a change (recorded, not sent):

* the method and body (``gateways.http.is_mutation``): GET/HEAD/OPTIONS, or a GraphQL POST whose every
  operation is a query;
* a GraphQL document in a ``query`` parameter holds no mutation or subscription, whatever the route's path;
* a read method carries no body on a GraphQL route (a server may read it; Interlock would not have judged it);
* the analysis (the HTTP catalogue, GraphQL mutation names, the policy's rules) finds nothing in it but reads:
  any finding — destructive, write, credential, opaque — makes it a change.

So the agent's view stays consistent after a recorded mutation, what it deleted is taken out of forwarded
answers: ``DELETE /things/7`` recorded → ``GET /things/7`` (or below it) answers 404 from Interlock; a GraphQL
deletion the stand-in catalogue names (``standins.toml`` ``[NAME.deletes]``, e.g. Railway's ``volumeDelete``)
→ the object is dropped from every forwarded answer.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


#: Headers and parameters by which many servers take another method than the request line's (a "GET" that
#: deletes): a request carrying one is not a read.
_OVERRIDES = ("x-http-method-override", "x-http-method", "x-method-override")
_OVERRIDE_PARAMS = ("_method", "x-http-method-override")


def classify(method: str, body: bytes, graphql: bool, query: str, action, env, headers=()) -> str | None:
    """None when the request is a read; otherwise why it counts as a change.  Never raises (an error is a change)."""
    try:
        from ..gateways.http import is_mutation

        if is_mutation(method, body, graphql, query):
            return "it changes something (its method, or a GraphQL mutation)"
        if any(k.lower() in _OVERRIDES for k, _ in headers):
            return "it asks the server to take another method (a method-override header)"
        params = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _OVERRIDE_PARAMS for k, _ in params):
            return "it asks the server to take another method (a _method parameter)"
        for k, v in params:
            if k.lower() == "query" and _graphql_changes(v):
                return "its query parameter holds a GraphQL mutation"
        if method in _READ_METHODS and body and graphql:
            return "a GraphQL request with a body on a read method: not classified, so not sent"
        if graphql and method == "GET" and not any(k == "query" for k, _ in params):
            return "a GraphQL GET without a query document (a persisted or stored operation): not classified"
        from ..engine import Context
        from ..gateways.budget import evaluate

        d = evaluate(action, Context(action.cwd, env=env), env)
        if d.error:
            return f"it could not be judged ({d.error[:200]})"
        changes = [f.rule for f in d.findings if f.severity != "read"]
        if changes:
            return "the analysis finds more than a read in it: " + ", ".join(sorted(set(changes)))
        return None
    except Exception as e:  # noqa: BLE001 - fail closed: unclear is a change
        return f"it could not be classified ({type(e).__name__})"


def _graphql_changes(text: str) -> bool:
    """A GraphQL document holding a mutation or subscription (or one that only looks like it)."""
    if not re.search(r"\b(mutation|subscription)\b\s*[A-Za-z0-9_]*\s*[({@$]", text):
        return False  # the word alone (a search for "mutation testing") is no GraphQL operation
    try:
        from graphql import OperationDefinitionNode, OperationType, parse

        return any(isinstance(d, OperationDefinitionNode) and d.operation != OperationType.QUERY
                   for d in parse(text).definitions)
    except Exception:  # noqa: BLE001 - names a mutation but cannot be read: a change
        return True


def _recorded(record_path: str, route: str) -> list[dict]:
    out = []
    try:
        with open(record_path, encoding="utf-8") as f:
            for line in f:
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if m.get("route") == route:
                    out.append(m)
    except OSError:
        pass
    return out


def deleted_paths(record_path: str, route: str) -> list[str]:
    """Paths (after the route's name) the sandbox recorded a DELETE of."""
    return ["/" + (m.get("path") or "").strip("/") for m in _recorded(record_path, route)
            if (m.get("method") or "").upper() == "DELETE"]


def under_deleted(path: str, deleted: list[str]) -> str | None:
    p = "/" + path.strip("/")
    for d in deleted:
        if d != "/" and (p == d or p.startswith(d + "/")):
            return d
    return None


def deleted_ids(record_path: str, route: str, deletes: dict) -> set[str]:
    """The ids the recorded GraphQL mutations of ``route`` delete (``deletes``: field -> id argument)."""
    if not deletes:
        return set()
    from graphql import FieldNode, OperationDefinitionNode, StringValueNode, VariableNode, parse

    ids = set()
    for m in _recorded(record_path, route):
        try:
            obj = json.loads(m.get("body") or "null")
        except ValueError:
            continue
        for op in obj if isinstance(obj, list) else [obj]:
            if not isinstance(op, dict) or not isinstance(op.get("query"), str):
                continue
            variables = op.get("variables") if isinstance(op.get("variables"), dict) else {}
            try:
                doc = parse(op["query"])
            except Exception:  # noqa: BLE001
                continue
            for d in doc.definitions:
                if not isinstance(d, OperationDefinitionNode):
                    continue
                for sel in d.selection_set.selections:
                    if not isinstance(sel, FieldNode) or sel.name.value not in deletes:
                        continue
                    for arg in sel.arguments or ():
                        if arg.name.value != deletes[sel.name.value]:
                            continue
                        v = arg.value
                        if isinstance(v, StringValueNode):
                            ids.add(v.value)
                        elif isinstance(v, VariableNode) and isinstance(variables.get(v.name.value), str):
                            ids.add(variables[v.name.value])
    return ids


def hide(obj, ids: set[str], fields: list[str]) -> int:
    """Take every object whose ``fields`` value is in ``ids`` out of ``obj`` (in place); how many."""
    if not ids:
        return 0
    n = 0

    def gone(x) -> bool:
        if not isinstance(x, dict):
            return False
        if any(isinstance(x.get(f), str) and x.get(f) in ids for f in fields):
            return True
        return isinstance(x.get("node"), dict) and gone(x["node"])

    def walk(x):
        nonlocal n
        if isinstance(x, list):
            keep = [e for e in x if not gone(e)]
            n += len(x) - len(keep)
            x[:] = keep
            for e in x:
                walk(e)
        elif isinstance(x, dict):
            for k, v in list(x.items()):
                if isinstance(v, dict) and gone(v):
                    x[k] = None
                    n += 1
                else:
                    walk(v)
    walk(obj)
    return n


def secret_fields(method: str, body: bytes, query: str, names) -> list[str]:
    """The fields of ``names`` (``standins.toml`` ``secret_reads``: queries that answer with secrets, such as
    Railway's ``variables``) a GraphQL read selects, at any depth and through fragments.  A document that cannot
    be read is taken to select them (fail closed)."""
    names = set(names or ())
    if not names:
        return []
    docs = []
    if method == "GET":
        docs = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "query"]
    else:
        try:
            obj = json.loads(body or b"null")
        except ValueError:
            return sorted(names)
        for op in obj if isinstance(obj, list) else [obj]:
            if isinstance(op, dict) and isinstance(op.get("query"), str):
                docs.append(op["query"])
    found = set()
    from graphql import FieldNode, parse, visit
    from graphql.language import Visitor

    class V(Visitor):
        def enter_field(self, node: FieldNode, *_):
            if node.name.value in names:
                found.add(node.name.value)

    for d in docs:
        try:
            visit(parse(d), V())
        except Exception:  # noqa: BLE001
            return sorted(names)
    return sorted(found)
