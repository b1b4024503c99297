"""Policy file schema and validation (pydantic), with errors that name line and field.

Imported only when a policy file changed since it was last validated.
"""

from __future__ import annotations

import re
import tomllib
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..agents import AGENTS
from . import HTTP_GATEWAY_LISTEN, POSTGRES_GATEWAY_LISTEN, PolicyError

DecisionName = Literal["allow", "ask", "deny"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Decisions(_Strict):
    read: Optional[DecisionName] = None
    write: Optional[DecisionName] = None
    destructive: Optional[DecisionName] = None
    catastrophic: Optional[DecisionName] = None
    credential: Optional[DecisionName] = None
    opaque: Optional[DecisionName] = None


class RuleOverride(_Strict):
    decision: DecisionName
    id: Optional[str] = Field(None, description="rule id or glob, e.g. 'git.push-protected' or 'git.*'")
    command: Optional[str] = Field(None, description="glob over the exact sub-command, e.g. 'terraform destroy *'")
    path: Optional[str] = Field(None, description="glob over the target path, e.g. '~/scratch/**'")
    environment: Optional[str] = None
    reason: Optional[str] = None

    @model_validator(mode="after")
    def _needs_a_match(self):
        if not (self.id or self.command or self.path or self.environment):
            raise ValueError("a rule needs at least one of: id, command, path, environment")
        return self


class Environment(_Strict):
    hosts: list[str] = []
    databases: list[str] = []
    urls: list[str] = []
    kube_contexts: list[str] = []
    cloud_accounts: list[str] = []
    cloud_projects: list[str] = []
    railway_environments: list[str] = []
    namespaces: list[str] = []
    decisions: Decisions = Decisions()


class Protect(_Strict):
    paths: list[str] = []
    branches: Optional[list[str]] = None


class Secrets(_Strict):
    extra: list[str] = []
    exempt: list[str] = []


class Hook(_Strict):
    allow_output: Literal["silent", "explicit"] = "silent"
    timeout_ms: int = Field(2000, ge=100, le=60000)


class Trust(_Strict):
    projects: list[str] = []


Agent = Literal[AGENTS]  # the registry's (interlock.agents.REGISTRY)
ApprovableSeverity = Literal["destructive", "catastrophic", "credential", "opaque"]


class ApproverRule(_Strict):
    """Two-person rule: how many distinct approvers an action needs."""
    approvers: int = Field(2, ge=1, le=5)
    severity: Optional[Literal["read", "write", "destructive", "catastrophic", "credential", "opaque"]] = None
    environment: Optional[str] = None
    rule: Optional[str] = Field(None, description="rule id or glob")


class Webhook(_Strict):
    """``[[approvals.webhooks]]``: where a new approval request is announced (never blocking the hook)."""
    url: str = Field(..., pattern=r"^https?://", description="Slack incoming-webhook URL or any HTTP(S) endpoint")
    format: Literal["slack", "json"] = "json"
    retries: int = Field(4, ge=0, le=10)
    backoff_seconds: float = Field(2.0, ge=0, le=300, description="first retry delay; doubles each retry")
    timeout_seconds: float = Field(10.0, gt=0, le=120)


class Approvals(_Strict):
    webhooks: list[Webhook] = []
    dashboard_url: Optional[str] = Field(None, pattern=r"^https?://", description="link sent in webhooks")
    expiry_minutes: float = Field(10, gt=0, le=1440)
    wait_seconds: float = Field(0, ge=0, le=300)
    approvable: list[ApprovableSeverity] = []
    out_of_band: list[Agent] = []
    max_window_minutes: float = Field(60, ge=0, le=1440)
    session_hours: float = Field(12, ge=0, le=168)
    require: list[ApproverRule] = []


class Database(_Strict):
    """A database Interlock may reach to preview and snapshot (``[databases.NAME]``)."""
    url: Optional[str] = Field(None, description="postgresql://user@host:5432/db, mysql://..., sqlite:///path")
    password_env: Optional[str] = Field(None, description="environment variable holding the password")
    preview_url: Optional[str] = Field(None, description="separate (read-mostly) credentials for previews")
    preview_password_env: Optional[str] = None
    match: list[str] = Field([], description="globs over 'host/database', 'database' or a SQLite path")
    scope: Optional[Literal["database", "tables"]] = None
    password_vault: Optional[str] = Field(None, description="vault entry holding the password (gateways, snapshots)")
    sslmode: Optional[Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]] = None
    sslrootcert: Optional[str] = None
    gateway_user: Optional[str] = Field(None, description="user agents log in as at `interlock gateway postgres`")
    gateway_password_vault: Optional[str] = Field(None, description="vault entry: the gateway-local password "
                                                  "(checked with SCRAM-SHA-256: it never crosses the wire)")
    gateway_tls_cert: Optional[str] = Field(None, description="PEM certificate the gateway offers its clients (TLS)")
    gateway_tls_key: Optional[str] = Field(None, description="PEM private key of gateway_tls_cert")
    guard_url: Optional[str] = Field(None, description="privileged login that writes the in-database guard's "
                                     "single-use grants for approved statements (interlock protect postgres)")
    guard_password_vault: Optional[str] = Field(None, description="vault entry: guard_url's password")


class Snapshots(_Strict):
    """``[snapshots]``: the store, retention and what a failed snapshot means."""
    path: Optional[str] = None
    keep: Optional[int] = Field(None, ge=1)
    days: Optional[float] = Field(None, ge=0)
    max_size_mb: Optional[int] = Field(None, ge=0)
    copy_to: Optional[str] = None            # another path, or s3://bucket/prefix (boto3: interlock[s3])
    copy_to_endpoint: Optional[str] = None   # an S3-compatible endpoint (MinIO, R2, Ceph...)
    copy_to_lock_days: Optional[float] = Field(None, gt=0)  # object lock retention where the bucket has it
    timeout_s: Optional[float] = Field(None, gt=0, le=86400)
    scope: Optional[Literal["database", "tables"]] = None
    on_failure: Optional[DecisionName] = None
    on_failure_environments: dict[str, DecisionName] = {}


class HttpRoute(_Strict):
    """``[gateways.http.routes.NAME]``: ``http://LISTEN/NAME/...`` is forwarded to ``upstream/...``."""
    upstream: str = Field(..., pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
                          description="base URL, e.g. https://backboard.railway.com")
    credential: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,127}$",
                                      description="vault key whose value the gateway injects")
    read_credential: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,127}$",
                                           description="vault key of a separate read-only token: in `interlock "
                                                       "sandbox`, reads are forwarded with it (never `credential`)")
    header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]+$", description="header carrying the credential")
    format: str = Field("Bearer {credential}", description="header value; {credential} is the vault value")
    env: dict[str, str] = Field({}, description="variables `interlock run` points at this route: "
                                                "NAME = path appended to the route's URL (\"\" for the base)")
    judge_as: Optional[str] = Field(None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
                                    description="judge requests as if sent to this base URL: the provider a "
                                                "local mirror, egress proxy or stand-in answers for")
    graphql: Optional[bool] = Field(None, description="answer denials in GraphQL's error shape "
                                                      "(default: when the path says graphql)")


class HttpGateway(_Strict):
    """``[gateways.http]``: the HTTP gateway with credential injection (``interlock gateway http``)."""
    listen: str = Field(HTTP_GATEWAY_LISTEN, pattern=r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
    routes: dict[str, HttpRoute] = {}
    wait_seconds: Optional[float] = Field(None, ge=0, le=3600, description="how long a request waits for a "
                                          "human's approval (default: [approvals] wait_seconds)")
    upstream_timeout_seconds: float = Field(60, gt=0, le=3600)
    max_body_mb: float = Field(32, gt=0, le=1024)
    proxy_listen: Optional[str] = Field(None, pattern=r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$",
                                        description="`interlock run` also starts the HTTPS proxy here (`interlock "
                                                    "gateway https-proxy`) and sets the agent's HTTPS_PROXY to it")
    proxy_upstream_ca: Optional[str] = Field(None, description="a PEM file of extra CAs the HTTPS proxy trusts "
                                                               "for upstreams (besides the system's)")

    @model_validator(mode="after")
    def _route_names(self):
        for name in self.routes:
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", name):
                raise ValueError(f"route name {name!r}: letters, digits, _ . - (it is the first path segment)")
        return self


class PostgresGateway(_Strict):
    """``[gateways.postgres.NAME]``: ``interlock run`` starts ``interlock gateway postgres --upstream NAME``."""
    listen: str = Field(POSTGRES_GATEWAY_LISTEN, pattern=r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
    upstream: Optional[str] = Field(None, description="the [databases.X] it logs in to (default: NAME)")
    database_url: bool = Field(True, description="point the agent's DATABASE_URL and PG* at this gateway")
    env: list[str] = Field([], description="more variables set to this gateway's postgresql:// URL")


class McpGateway(_Strict):
    """``[gateways.mcp.NAME]`` (system mode): ``interlock gateway mcp --system --name NAME`` runs this
    stdio MCP server as the service user, its secrets from the service's vault; agents reach it
    with ``interlock mcp-proxy --system --name NAME`` (docs/system-mode.md)."""
    command: list[str] = Field(..., min_length=1, description="the MCP server's command line")
    env: dict[str, str] = Field({}, description="variables the server gets (no secrets: see vault_env)")
    vault_env: dict[str, str] = Field({}, description="variables the server gets from the service's vault: "
                                                      "NAME = vault entry")
    cwd: Optional[str] = Field(None, description="the server's working directory (default: the service's state)")


class Gateways(_Strict):
    """``[gateways]``: runtime gateways ``interlock run`` starts (user policy only)."""
    http: Optional[HttpGateway] = None
    postgres: dict[str, PostgresGateway] = {}
    mcp: dict[str, McpGateway] = {}


class SandboxPolicy(_Strict):
    """``[sandbox]``: what ``interlock sandbox`` opens (user policy only)."""
    registries: list[str] = Field([], description="package registries reachable from inside through the "
                                                  "sandbox's CONNECT-only proxy: presets (pypi, npm, crates, go, "
                                                  "…) or host[:port] (src/interlock/sandbox/registries.toml)")


class PolicyFile(_Strict):
    version: Literal[1] = 1
    decisions: Decisions = Decisions()
    rules: list[RuleOverride] = []
    protect: Protect = Protect()
    secrets: Secrets = Secrets()
    environments: dict[str, Environment] = {}
    hook: Hook = Hook()
    trust: Trust = Trust()
    databases: dict[str, Database] = {}
    snapshots: Snapshots = Snapshots()
    approvals: Approvals = Approvals()
    gateways: Gateways = Gateways()
    sandbox: SandboxPolicy = SandboxPolicy()


def _line_of(text: str, loc) -> int | None:
    """Best-effort line number of a field given pydantic's error location."""
    lines = text.splitlines()
    start = 0
    keys = [k for k in loc if isinstance(k, str)]
    # [[rules]] #n: jump to the n-th table header
    if len(loc) >= 2 and isinstance(loc[1], int):
        header = re.compile(r"^\s*\[\[\s*" + re.escape(str(loc[0])) + r"\s*\]\]")
        n = -1
        for i, ln in enumerate(lines):
            if header.match(ln):
                n += 1
                if n == loc[1]:
                    start = i
                    break
    elif len(keys) >= 2:
        header = re.compile(r"^\s*\[\s*" + re.escape(".".join(keys[:-1])) + r"\s*\]")
        for i, ln in enumerate(lines):
            if header.match(ln):
                start = i
                break
    if keys:
        key = re.compile(r"^\s*" + re.escape(keys[-1]) + r"\s*=")
        for i in range(start, len(lines)):
            if key.match(lines[i]):
                return i + 1
        if start:
            return start + 1
        hdr = re.compile(r"^\s*\[+\s*" + re.escape(keys[0]))
        for i, ln in enumerate(lines):
            if hdr.match(ln):
                return i + 1
    return start + 1 if start else None


def _model_in(ann):
    """(the model a field's annotation holds, whether it is a mapping of names to it)."""
    import typing

    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann, False
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is dict and len(args) == 2:
        return _model_in(args[1])[0], True
    for a in args:  # Optional[X], list[X]
        m, mapping = _model_in(a)
        if m is not None:
            return m, mapping
    return None, False


def _keys_at(loc) -> list[str]:
    """The keys a table at pydantic location ``loc`` may hold (for did-you-mean)."""
    model, skip = PolicyFile, False
    for part in loc:
        if isinstance(part, int):
            continue
        if skip:  # a name under a mapping ([environments.prod], [databases.app])
            skip = False
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        model, skip = _model_in(field.annotation)
    return list(model.model_fields) if model is not None and not skip else []


def _did_you_mean(key, keys) -> str:
    import difflib

    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (expected one of: {', '.join(keys)})" if keys else ""


def validate(raw: bytes, path: str) -> dict:
    """Parse and validate one policy file; return plain data or raise PolicyError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError(f"{path}: not UTF-8 text ({e})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path}: invalid TOML: {e}") from None
    try:
        model = PolicyFile.model_validate(data)
    except ValidationError as e:
        msgs = []
        for err in e.errors()[:5]:
            loc = err.get("loc", ())
            field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                            for i, p in enumerate(loc)) or "(top level)"
            line = _line_of(text, loc)
            where = f"line {line}, " if line else ""
            msg = err.get("msg")
            if err.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
                msg = f"unknown key {loc[-1]!r}" + _did_you_mean(loc[-1], _keys_at(loc[:-1]))
            msgs.append(f"{where}field {field}: {msg}")
        raise PolicyError(f"{path}: invalid policy: " + "; ".join(msgs)) from None
    return model.model_dump(exclude_none=True)
