"""Policy: which decision each finding gets.

Two files, both optional (the defaults in docs/architecture.md need no file):

* user: ``$XDG_CONFIG_HOME/interlock/policy.toml`` (``~/.config/interlock/policy.toml``)
* project: ``<workspace>/.interlock/policy.toml``

The project file may only *tighten* what the user file allows, unless the user file
trusts the project (``[trust] projects = [...]``): a repository cannot ship a policy
that waves its own commands through.  Validation (pydantic, in ``schema.py``) runs
only when a file changed; the compiled result is cached under ``$INTERLOCK_HOME``
so the hook's import path stays small.
"""

from __future__ import annotations

import json
import os
from fnmatch import fnmatchcase

from ..actions import DECISION_RANK, DEFAULT_DECISIONS, stricter
from ..lazyre import LazyRe

DEFAULT_PROTECTED_BRANCHES = ("main", "master", "production", "release*")
# Where the gateways listen unless ``--listen`` or the policy says otherwise (defined once here;
# the schema, the gateways, ``interlock run`` and the docs' examples all mean these).
HTTP_GATEWAY_LISTEN = "127.0.0.1:8788"
HTTPS_PROXY_LISTEN = "127.0.0.1:8789"
POSTGRES_GATEWAY_LISTEN = "127.0.0.1:6432"
# (`non-prod`, `pre-prod`, `not_prod` name what is not production)
_PROD_NAME = LazyRe(r"(?i)(^|[^a-z])(?<!non-)(?<!non_)(?<!pre-)(?<!pre_)(?<!not-)(?<!not_)(prod|production|prd)([^a-z]|$)")
_NONPROD_NAME = LazyRe(r"(?i)(^|[^a-z])(dev|development|staging|stage|stg|test|testing|qa|"
                       r"sandbox|preview|ci|demo|non-?prod|pre-?prod|pre-?production)([^a-z]|$)")
_NONPROD_CANON = {"development": "dev", "stage": "staging", "stg": "staging", "testing": "test"}


class PolicyError(Exception):
    """The policy files are invalid; every hook call denies until they are fixed."""


def config_dir(env=os.environ) -> str:
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return os.path.join(base, "interlock")


def state_dir(env=os.environ) -> str:
    d = env.get("INTERLOCK_HOME")
    if d:
        return d
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "interlock")


class Override:
    __slots__ = ("decision", "id", "command", "path", "environment", "reason", "origin")

    def __init__(self, d, origin):
        self.decision = d["decision"]
        self.id = d.get("id")
        self.command = d.get("command")
        self.path = d.get("path")
        self.environment = d.get("environment")
        self.reason = d.get("reason")
        self.origin = origin

    def describe(self) -> str:
        """Where the override is and what it matches: ``~/.config/interlock/policy.toml [[rules]] #1
        (id = "git.push-protected")``."""
        keys = ", ".join(f"{k} = {json.dumps(v)}" for k in ("id", "command", "path", "environment")
                         if (v := getattr(self, k)))
        return f"{self.origin} ({keys})"

    def matches(self, finding, home) -> bool:
        if self.id and not fnmatchcase(finding.rule, self.id):
            return False
        if self.environment and finding.environment != self.environment:
            return False
        if self.command and not fnmatchcase(finding.evidence or "", self.command):
            return False
        if self.path:
            pat = home + self.path[1:] if self.path.startswith("~") else self.path
            tgt = finding.target or ""
            if tgt.startswith("~"):
                tgt = home + tgt[1:]
            if not (fnmatchcase(tgt, pat) or fnmatchcase(tgt, pat.rstrip("/*") + "/*")
                    or (pat.endswith("/**") and (tgt == pat[:-3] or tgt.startswith(pat[:-2])))):
                return False
        return bool(self.id or self.command or self.path or self.environment)


class Layer:
    """One policy file, compiled."""

    __slots__ = ("decisions", "overrides", "env_decisions", "environments", "protect_paths", "branches",
                 "secrets_extra", "secrets_exempt", "hook", "trust", "approvals", "source", "databases", "snapshots",
                 "gateways", "sandbox")

    def __init__(self, d: dict, source: str):
        self.source = source
        self.decisions = dict(d.get("decisions") or {})
        self.overrides = [Override(r, f"{source} [[rules]] #{i + 1}") for i, r in enumerate(d.get("rules") or [])]
        envs = d.get("environments") or {}
        self.environments = {k: v for k, v in envs.items()}
        self.env_decisions = {k: dict(v.get("decisions") or {}) for k, v in envs.items()}
        prot = d.get("protect") or {}
        self.protect_paths = list(prot.get("paths") or [])
        self.branches = prot.get("branches")
        sec = d.get("secrets") or {}
        self.secrets_extra = list(sec.get("extra") or [])
        self.secrets_exempt = list(sec.get("exempt") or [])
        self.hook = dict(d.get("hook") or {})
        self.trust = list((d.get("trust") or {}).get("projects") or [])
        self.databases = dict(d.get("databases") or {})   # safeguards: connections for previews/snapshots
        self.snapshots = dict(d.get("snapshots") or {})
        self.approvals = dict(d.get("approvals") or {})
        self.gateways = dict(d.get("gateways") or {})  # read from the user layer only (routes hold credentials)
        self.sandbox = dict(d.get("sandbox") or {})  # interlock sandbox: read from the user layer only


class Policy:
    """The effective policy for one workspace: user layer plus project layer."""

    def __init__(self, user: Layer | None = None, project: Layer | None = None, trusted: bool = False,
                 home: str = "/"):
        self.user = user or Layer({}, "defaults")
        self.project = project
        self.trusted = trusted
        self.home = home

    # --- aggregated settings (tightening ones union) ---------------------------------
    @property
    def protected_branches(self):
        out = list(self.user.branches if self.user.branches is not None else DEFAULT_PROTECTED_BRANCHES)
        if self.project and self.project.branches:
            out += [b for b in self.project.branches if b not in out]
        return out

    def protected_paths(self, workspace):
        out = []
        for layer in (self.user, self.project):
            if layer is None:
                continue
            for p in layer.protect_paths:
                out.append(_abs_glob(p, self.home, workspace))
        for key in ("path", "copy_to"):  # a snapshot store set in the user policy is Interlock's own
            d = self.user.snapshots.get(key)
            if d:
                d = _abs_glob(d, self.home, None).rstrip("/")
                out += [d, d + "/**"]
        return out

    def secret_globs(self, workspace):
        extra = []
        exempt = []
        for layer in (self.user, self.project):
            if layer is None:
                continue
            extra += [_abs_glob(p, self.home, workspace) for p in layer.secrets_extra]
        exempt += [_abs_glob(p, self.home, workspace) for p in self.user.secrets_exempt]
        if self.project and self.trusted:
            exempt += [_abs_glob(p, self.home, workspace) for p in self.project.secrets_exempt]
        return extra, exempt

    def hook_setting(self, key, default=None):
        v = self.user.hook.get(key, default)
        if self.project and self.trusted:
            v = self.project.hook.get(key, v)
        return v

    def environment_for(self, kind, value):
        """Which environment (prod, staging, ...) a host / database / context belongs to."""
        key = {"host": "hosts", "database": "databases", "kube_context": "kube_contexts",
               "cloud_project": "cloud_projects", "cloud_account": "cloud_accounts",
               "railway_environment": "railway_environments", "url": "urls", "namespace": "namespaces"}.get(kind, kind)
        if self.project is not None:
            named = _declared(self.project, key, value)
            # An untrusted project may only say "this is production": anything else it
            # declares would take a target out of production (or out of the remote-means-prod
            # default), which is loosening.
            if named and (self.trusted or is_production(named)):
                return named
        named = _declared(self.user, key, value)
        if named:
            return named
        # Without a declaration, a name that says production is production (and one that
        # says staging, dev or test is that).
        if kind != "url" and (_PROD_NAME.search(value) or value.strip().lower() == "live"):
            return "prod"  # (`live` alone: as a part of a path, `live/dev/vpc`, it is where live infrastructure lies)
        if kind in ("namespace", "cloud_project", "cloud_account", "railway_environment"):
            m = _NONPROD_NAME.search(value)
            if m:
                return _NONPROD_CANON.get(m.group(2).lower(), m.group(2).lower())
        if kind == "url":
            from urllib.parse import urlsplit

            try:
                host = urlsplit(value).hostname or ""
            except ValueError:
                host = ""
            if _PROD_NAME.search(host):
                return "prod"
        return None

    # --- deciding ------------------------------------------------------------------------
    def _decide_layers(self, finding, layers):
        for layer in layers:
            for o in layer.overrides:
                if o.matches(finding, self.home):
                    return o.decision, o
        sev = finding.severity
        env = finding.environment
        for layer in layers:
            if env and sev in layer.env_decisions.get(env, {}):
                return layer.env_decisions[env][sev], None
        for layer in layers:
            if sev in layer.decisions:
                return layer.decisions[sev], None
        return DEFAULT_DECISIONS[sev], None

    def decide(self, finding):
        """(decision, the override that set it or None) for one finding."""
        user_only = self._decide_layers(finding, [self.user])
        if finding.rule.startswith("interlock.") and finding.rule != "interlock.error":
            # Interlock protects itself whatever a policy says.
            d = stricter(user_only[0], DEFAULT_DECISIONS[finding.severity])
            return d, None
        if self.project is None:
            return user_only
        merged = self._decide_layers(finding, [self.project, self.user])
        if self.trusted:
            return merged
        return (merged if DECISION_RANK[merged[0]] >= DECISION_RANK[user_only[0]] else user_only)


def is_production(name) -> bool:
    """An environment name that means production (prod, production, prd, live, eu-prod, ...)."""
    return bool(name) and (name.lower() == "live" or bool(_PROD_NAME.search(name)))


def _declared(layer, key, value):
    for name, spec in layer.environments.items():
        for pat in spec.get(key) or ():
            if fnmatchcase(value, pat):
                return name
    return None


def _abs_glob(p, home, workspace):
    if p.startswith("~"):
        return home + p[1:]
    if p.startswith("/"):
        return p
    base = workspace or "/"
    return base.rstrip("/") + "/" + (p[2:] if p.startswith("./") else p)


# --- loading -----------------------------------------------------------------------------------

def _read(path):
    from ..fsread import read_regular

    try:
        return read_regular(path, 8 << 20)
    except FileNotFoundError:
        return None
    except OSError as e:  # unreadable, or a FIFO / device in its place: never "no policy"
        raise PolicyError(f"cannot read {path}: {e}") from e


def policy_paths(workspace, env=os.environ):
    user = os.path.join(config_dir(env), "policy.toml")
    project = os.path.join(workspace, ".interlock", "policy.toml") if workspace else None
    return user, project


def load(workspace: str | None, env=os.environ, home: str | None = None, use_cache=True) -> Policy:
    """Load, validate (cached) and combine the user and project policy files."""
    home = home or env.get("HOME") or os.path.expanduser("~")
    user_path, project_path = policy_paths(workspace, env)
    user_raw = _read(user_path)
    project_raw = _read(project_path) if project_path else None
    if user_raw is None and project_raw is None:
        return Policy(home=home)
    user_d = _compiled(user_path, user_raw, env, use_cache) if user_raw is not None else {}
    project_d = _compiled(project_path, project_raw, env, use_cache) if project_raw is not None else None
    user = Layer(user_d, user_path)
    project = Layer(project_d, project_path) if project_d is not None else None
    trusted = False
    if project is not None and workspace:
        for pat in user.trust:
            g = _abs_glob(pat, home, None)
            if fnmatchcase(workspace, g) or workspace == g.rstrip("/"):
                trusted = True
    return Policy(user, project, trusted, home)


def _compiled(path, raw: bytes, env, use_cache):
    from ..actions import sha256_hex

    digest = sha256_hex(path.encode() + b"\0" + raw)[:32]
    cache = os.path.join(state_dir(env), "cache", f"policy-{digest}.json")
    if use_cache:
        try:
            with open(cache, "rb") as f:
                d = json.loads(f.read())
            if "error" in d:
                raise PolicyError(d["error"])
            return d
        except (OSError, ValueError):
            pass
    from .schema import validate

    try:
        d = validate(raw, path)
        result = d
    except PolicyError as e:
        result = {"error": str(e)}
        d = None
    if use_cache:
        try:
            for sub in (os.path.dirname(os.path.dirname(cache)), os.path.dirname(cache)):
                os.makedirs(sub, mode=0o700, exist_ok=True)  # the state dir is private: create it so
            tmp = cache + f".{os.getpid()}.tmp"
            with open(tmp, "w") as f:
                json.dump(result, f)
            os.replace(tmp, cache)
        except OSError:
            pass
    if d is None:
        raise PolicyError(result["error"])
    return d
