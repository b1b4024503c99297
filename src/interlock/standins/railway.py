"""A local stand-in for Railway's public GraphQL API (v2), faithful in its request and response shapes.

What it copies from https://docs.railway.com/reference/api:

* one endpoint, ``POST /graphql/v2`` (and ``GET /graphql/v2?query=...``), JSON bodies
  ``{"query", "variables", "operationName"}``;
* ``Authorization: Bearer <token>`` (account/workspace tokens) or ``Project-Access-Token``;
  a missing or wrong token answers ``{"errors":[{"message":"Not Authorized",...}],"data":null}``
  with HTTP 200, as Railway does;
* errors always in GraphQL's shape, ``{"errors":[{"message": ..., "locations", "path",
  "extensions": {"code"}}]}``;
* a subset of the real schema: ``me``, ``project(id)`` with its ``volumes`` connection
  (edges/node), ``volume``-level instances and their backups
  (``volumeInstanceBackupList``), and the mutations ``volumeDelete(volumeId: String!): Boolean!``,
  ``volumeInstanceBackupRestore``, ``volumeInstanceBackupDelete`` and ``serviceInstanceRedeploy``.

Queries are executed with graphql-core against that schema, so variables, aliases, fragments,
operation names and validation errors behave as a GraphQL server's do.  Every request received
is kept in ``calls`` (method, path, headers, body) so tests can say what reached "production".
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SDL = """
type Query {
  me: User!
  project(id: String!): Project!
  volumeInstanceBackupList(volumeInstanceId: String!): [VolumeInstanceBackup!]!
}
type Mutation {
  volumeDelete(volumeId: String!): Boolean!
  volumeInstanceBackupDelete(volumeInstanceBackupId: String!, volumeInstanceId: String!): Boolean!
  volumeInstanceBackupRestore(volumeInstanceBackupId: String!, volumeInstanceId: String!): Boolean!
  serviceInstanceRedeploy(serviceId: String!, environmentId: String!): Boolean!
}
type User { id: String! name: String email: String! }
type Project { id: String! name: String! volumes: ProjectVolumesConnection! }
type ProjectVolumesConnection { edges: [ProjectVolumesConnectionEdge!]! }
type ProjectVolumesConnectionEdge { node: Volume! }
type Volume {
  id: String!
  name: String!
  projectId: String!
  createdAt: String!
  volumeInstances: VolumeVolumeInstancesConnection!
}
type VolumeVolumeInstancesConnection { edges: [VolumeVolumeInstancesConnectionEdge!]! }
type VolumeVolumeInstancesConnectionEdge { node: VolumeInstance! }
type VolumeInstance {
  id: String!
  volumeId: String!
  mountPath: String!
  state: String
  sizeMB: Int!
  currentSizeMB: Float!
  environmentId: String!
}
type VolumeInstanceBackup { id: String! name: String createdAt: String! usedMB: Int }
"""

PROJECT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ENVIRONMENT_ID = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"  # "production"
VOLUME_ID = "3d2c42fb-1b2a-4c5d-9e8f-0a1b2c3d4e5f"
VOLUME_INSTANCE_ID = "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c"


class _NotAuthorized(Exception):
    pass


class RailwayStandIn:
    """Serve the stand-in on ``127.0.0.1`` (a free port); ``url`` is its ``/graphql/v2`` endpoint.

    ``token``: the one bearer token it accepts (None: any request is authorised, as the demo's
    unauthenticated look-ups are).  ``lenient``: a mutation on an id it does not hold succeeds as if the
    object existed (``interlock sandbox`` when reads come from the real API: the agent names real ids,
    which this stand-in cannot know; the mutation is still validated against the schema).
    """

    def __init__(self, token: str | None = None, host: str = "127.0.0.1", port: int = 0, lenient: bool = False):
        self.token = token
        self.lenient = lenient
        self.calls: list[dict] = []
        self.volumes = {VOLUME_ID: {
            "id": VOLUME_ID, "name": "carrental-pg-data", "projectId": PROJECT_ID,
            "createdAt": "2025-03-02T09:14:00.000Z", "sizeMB": 48213,
            "instance": {"id": VOLUME_INSTANCE_ID, "volumeId": VOLUME_ID, "mountPath": "/var/lib/postgresql/data",
                         "state": "READY", "sizeMB": 50000, "currentSizeMB": 48213.0,
                         "environmentId": ENVIRONMENT_ID},
            "backups": ["daily-2026-11-24", "daily-2026-11-25", "weekly-2026-11-22"]}}
        self._lock = threading.Lock()
        self._schema = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self, status, obj):
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
                with outer._lock:
                    outer.calls.append({"method": method, "path": self.path, "body": body,
                                        "headers": {k.lower(): v for k, v in self.headers.items()}})
                status, obj = outer.respond(method, self.path, dict(self.headers.items()), body)
                self._answer(status, obj)

            def do_POST(self):
                self._handle("POST")

            def do_GET(self):
                self._handle("GET")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.url = self.base + "/graphql/v2"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # --- the API ------------------------------------------------------------------------------
    def schema(self):
        if self._schema is None:
            from graphql import build_schema

            self._schema = build_schema(SDL)
        return self._schema

    def respond(self, method, path, headers, body):
        """(HTTP status, JSON answer) for one request, as Railway would answer it."""
        parts = urlsplit(path)
        if parts.path.rstrip("/") != "/graphql/v2":
            return 404, {"errors": [{"message": f"Cannot {method} {parts.path}",
                                     "extensions": {"code": "NOT_FOUND"}}]}
        if method == "GET":
            qs = parse_qs(parts.query)
            req = {"query": (qs.get("query") or [""])[0]}
        else:
            try:
                req = json.loads(body or "null")
            except ValueError:
                return 400, {"errors": [{"message": "Unexpected token in JSON body",
                                         "extensions": {"code": "BAD_REQUEST"}}]}
        if not isinstance(req, dict) or not isinstance(req.get("query"), str):
            return 400, {"errors": [{"message": "Must provide query string.", "extensions": {"code": "BAD_REQUEST"}}]}
        if method == "GET" and req["query"].lstrip().startswith("mutation"):
            return 405, {"errors": [{"message": "Can only perform a mutation operation from a POST request.",
                                     "extensions": {"code": "BAD_REQUEST"}}]}
        authorised = self._authorised(headers)
        from graphql import graphql_sync

        result = graphql_sync(self.schema(), req["query"], root_value=_Root(self, authorised),
                              variable_values=req.get("variables") if isinstance(req.get("variables"), dict) else None,
                              operation_name=req.get("operationName"))
        out = {}
        if result.errors:
            errs = []
            for e in result.errors:
                d = e.formatted
                code = "UNAUTHENTICATED" if isinstance(e.original_error, _NotAuthorized) else \
                    ("GRAPHQL_VALIDATION_FAILED" if e.original_error is None else "INTERNAL_SERVER_ERROR")
                d.setdefault("extensions", {})["code"] = code
                errs.append(d)
            out["errors"] = errs
        out["data"] = result.data
        return 200, out

    def _authorised(self, headers):
        if self.token is None:
            return True
        h = {k.lower(): v for k, v in headers.items()}
        auth = h.get("authorization") or ""
        return auth == f"Bearer {self.token}" or h.get("project-access-token") == self.token

    # --- helpers for the demo and tests ---------------------------------------------------------
    def received(self, needle: str) -> list[dict]:
        """The requests whose body contains ``needle``."""
        with self._lock:
            return [c for c in self.calls if needle in c["body"] or needle in c["path"]]

    def query_volumes(self):
        """The project's volumes as the API lists them (id, name, sizeMB, backups)."""
        status, obj = self.respond("POST", "/graphql/v2", {"Authorization": f"Bearer {self.token}"}, json.dumps(
            {"query": "query($id: String!) { project(id: $id) { volumes { edges { node { id name "
                      "volumeInstances { edges { node { id currentSizeMB } } } } } } } }",
             "variables": {"id": PROJECT_ID}}))
        out = []
        for e in obj["data"]["project"]["volumes"]["edges"]:
            v = e["node"]
            out.append({"id": v["id"], "name": v["name"], "sizeMB": self.volumes[v["id"]]["sizeMB"],
                        "backups": list(self.volumes[v["id"]]["backups"])})
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Root:
    """Root resolvers (graphql-core calls attributes of the root value)."""

    def __init__(self, api: RailwayStandIn, authorised: bool):
        self.api = api
        self.authorised = authorised

    def _auth(self):
        if not self.authorised:
            raise _NotAuthorized("Not Authorized")

    def me(self, info):
        self._auth()
        return {"id": "u-1f2e3d", "name": "Rental Ops", "email": "ops@carrental.example"}

    def project(self, info, id):
        self._auth()
        if id != PROJECT_ID:
            raise LookupError("Project not found")
        vols = [{**{k: v[k] for k in ("id", "name", "projectId", "createdAt")},
                 "volumeInstances": {"edges": [{"node": v["instance"]}]}} for v in self.api.volumes.values()]
        return {"id": PROJECT_ID, "name": "carrental", "volumes": {"edges": [{"node": v} for v in vols]}}

    def volumeInstanceBackupList(self, info, volumeInstanceId):
        self._auth()
        for v in self.api.volumes.values():
            if v["instance"]["id"] == volumeInstanceId:
                return [{"id": b, "name": b, "createdAt": "2026-11-25T03:00:00.000Z", "usedMB": v["sizeMB"]}
                        for b in v["backups"]]
        raise LookupError("Volume instance not found")

    def volumeDelete(self, info, volumeId):
        self._auth()
        with self.api._lock:
            if self.api.volumes.pop(volumeId, None) is None and not self.api.lenient:
                raise LookupError("Volume not found")
        return True  # the volume and every backup stored with it are gone

    def volumeInstanceBackupDelete(self, info, volumeInstanceBackupId, volumeInstanceId):
        self._auth()
        for v in self.api.volumes.values():
            if v["instance"]["id"] == volumeInstanceId and volumeInstanceBackupId in v["backups"]:
                v["backups"].remove(volumeInstanceBackupId)
                return True
        if self.api.lenient:
            return True
        raise LookupError("Backup not found")

    def volumeInstanceBackupRestore(self, info, volumeInstanceBackupId, volumeInstanceId):
        self._auth()
        for v in self.api.volumes.values():
            if v["instance"]["id"] == volumeInstanceId and volumeInstanceBackupId in v["backups"]:
                v.setdefault("restores", []).append(volumeInstanceBackupId)
                return True
        if self.api.lenient:
            return True
        raise LookupError("Backup not found")

    def serviceInstanceRedeploy(self, info, serviceId, environmentId):
        self._auth()
        return True
