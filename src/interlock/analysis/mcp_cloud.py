"""Cloud MCP tools (Railway, Fly, Vercel, Render, Supabase, Neon, AWS, ...): what a tool call would do.

Wired from ``analysis/mcp.py``.  Two sources of knowledge:

* the tool's name: a verb that deletes (delete/destroy/remove/drop/purge/wipe/reset) next to a
  resource noun.  Volumes, databases, backups, services, environments, projects, clusters,
  buckets and apps are ``catastrophic``; variables, domains, deployments, branches are
  ``destructive``.  ``railway/volume_delete``, ``delete-environment`` and ``fly-volumes-destroy``
  all read the same way;
* the arguments: a GraphQL ``query``, or ``url`` + ``method`` + ``body``, is judged as the HTTP
  request it is (analysis/http.py), so a generic "call the Railway API" tool carrying
  ``volumeDelete`` is caught like the incident's curl.

Findings name the resource (ids from the arguments) and the environment where the arguments
name one (an environment called production/prod/live is prod).
"""

from __future__ import annotations

import json
import re

from ..actions import Finding

_VERB = re.compile(r"(delete|destroy|remove|rm|drop|purge|wipe|erase|reset|terminate|teardown|nuke|uninstall|"
                   r"unlink|detach|restore|rollback|transfer|disable)")
_CATASTROPHIC = ("volume", "database", "db", "backup", "snapshot", "service", "environment", "env", "project",
                 "cluster", "bucket", "app", "instance", "plugin", "postgres", "redis", "mysql", "mongo", "disk",
                 "machine", "site", "team", "organization", "org", "account", "namespace", "stack",
                 "store", "branch_db", "repository", "repo", "zone")
_DESTRUCTIVE = ("variable", "var", "secret", "domain", "deployment", "deploy", "branch", "token", "key", "webhook",
                "record", "dns", "route", "function", "worker", "cron", "schedule", "member", "user", "file",
                "object", "release", "tag", "alias", "certificate", "cert")
_CLOUD_SERVERS = re.compile(r"(?i)railway|fly|vercel|render|netlify|heroku|supabase|neon|planetscale|digitalocean|"
                            r"cloudflare|aws|gcp|google|azure|kubernetes|k8s|github|gitlab|stripe|mongodb|atlas|"
                            r"upstash|turso|convex|firebase")
_PROD = re.compile(r"(?i)(^|[^a-z0-9])(prod|production|live|prd)([^a-z0-9]|$)")
_SAFE_VERB = re.compile(r"^(list|get|show|describe|info|status|logs?|read|search|find|view|fetch|query|create|"
                        r"new|add|deploy|link|set|update|upsert|restart|redeploy|open|whoami|check|generate)$")


def _words(tool):
    t = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", tool or "")
    return [w for w in re.split(r"[^a-z0-9]+", t.lower()) if w]


def _resource(words):
    for w in words:
        for n in _CATASTROPHIC:
            if w == n or w == n + "s" or (len(n) > 3 and w.startswith(n)):
                return n, "catastrophic"
    for w in words:
        for n in _DESTRUCTIVE:
            if w == n or w == n + "s" or (len(n) > 3 and w.startswith(n)):
                return n, "destructive"
    return None, None


def _ids(args):
    if not isinstance(args, dict):
        return ""
    parts = []
    for k, v in args.items():
        if isinstance(v, (str, int)) and re.search(r"(?i)id$|name$|^volume|^service|^environment|^project|^app",
                                                    str(k)):
            parts.append(f"{k}={v}")
    return ", ".join(parts)[:160]


def _environment(args, ctx):
    if not isinstance(args, dict):
        return None
    text = json.dumps(args, default=str)[:20_000]
    resolve = getattr(getattr(ctx, "policy", None), "environment_for", None)
    found = []
    for k, v in args.items():
        if isinstance(v, str) and re.search(r"(?i)environment|env", str(k)) and resolve:
            try:
                env = resolve("railway_environment", v)
            except Exception:
                env = None
            if env:
                found.append(env)
    if _PROD.search(text):
        found.append("prod")
    return _gravest(found)


def _gravest(envs):
    """Of the environments the arguments name, production if any is (an added `"environment":
    "staging"` does not take a production target out of production), else the first."""
    from ..policy import is_production

    envs = [e for e in envs if e]
    return next((e for e in envs if is_production(e)), envs[0] if envs else None)


def analyze(action, ctx):
    """Findings for one MCP tool call against a cloud provider's server."""
    payload = action.payload or {}
    server = str(payload.get("server") or "")
    tool = str(payload.get("tool") or "")
    args = payload.get("arguments")
    out = []
    words = _words(tool)
    env = _environment(args, ctx)
    label = f"{server}/{tool}"
    verb = next((w for w in words if _VERB.fullmatch(w)), None)
    verb = {"rm": "remove", "nuke": "destroy", "teardown": "tear down"}.get(verb, verb)
    cloudy = _CLOUD_SERVERS.search(server) or _CLOUD_SERVERS.search(tool)
    if verb and not (words and _SAFE_VERB.match(words[0]) and words[0] != verb):
        noun, sev = _resource(words)
        if noun and cloudy:
            if verb in ("restore", "rollback") and sev == "catastrophic":
                sev = "destructive"     # overwrites live data but keeps the resource
            if verb in ("unlink", "detach", "disable") and noun not in ("backup", "snapshot"):
                sev = "destructive"
            ids = _ids(args)
            why = f"The MCP tool {label} {verb}s a {noun}" + (f" ({ids})" if ids else "") + "."
            out.append(Finding(f"mcp.cloud-{sev}", sev, "delete", f"{label}" + (f" {ids}" if ids else ""),
                               f"mcp {label}", why, environment=env))
    if isinstance(args, dict):
        out.extend(_requests_in(args, label, ctx, env))
    return out


def _requests_in(args, label, ctx, env):
    """A tool that sends raw GraphQL or HTTP (``query``/``url``/``method``/``body``): judge the request."""
    from . import http as H

    url = args.get("url") or args.get("endpoint") or ""
    query = args.get("query") or args.get("mutation") or args.get("graphql")
    body = args.get("body") if args.get("body") is not None else args.get("data")
    if not isinstance(url, str):
        url = ""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(query, str) and re.search(r"\b(mutation|query)\b|\{", query):
        variables = args.get("variables") if isinstance(args.get("variables"), dict) else {}
        body = json.dumps({"query": query, "variables": variables})
        if not url and re.search(r"(?i)railway", label):
            url = "https://backboard.railway.app/graphql/v2"
        elif not url:
            url = "graphql"
    if not url and body is None:
        return []
    method = args.get("method") if isinstance(args.get("method"), str) else ("POST" if body else "GET")
    headers = args.get("headers") if isinstance(args.get("headers"), dict) else {}
    req = H.Request(method.upper(), url, body if isinstance(body, str) else None,
                    [f"{k}: {v}" for k, v in headers.items()], client="mcp")
    try:
        verdicts = H.judge(req)
    except Exception as e:
        return [Finding("http.graphql-unparsed", "opaque", "http", H.mask_url(url), f"mcp {label}",
                        f"Interlock could not read the request this tool sends: {str(e)[:120]}.")]
    out = []
    from .. import rules as R

    resolve = getattr(getattr(ctx, "policy", None), "environment_for", None)
    where = None
    if resolve is not None:  # the request's URL or host, as the policy sees it (as a curl's would be)
        where = (req.url and resolve("url", req.url)) or (req.host and resolve("host", req.host)) or None
    for v in verdicts:
        rule = R.RULES.get(v.rule)
        sev = getattr(v, "severity", None) or (rule.severity if rule else "destructive")
        out.append(Finding(v.rule, rule.severity if rule else sev, "http", v.target, f"mcp {label}",
                           (v.why or (rule.why if rule else "")) or "", environment=_gravest([v.environment, env, where]),
                           note=v.note))
    return out
