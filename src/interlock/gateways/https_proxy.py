"""The HTTPS_PROXY mode of the HTTP gateway: for tools that cannot be pointed at a base URL.

``interlock gateway https-proxy --listen 127.0.0.1:8789`` is an HTTP(S) forward proxy (mitmproxy,
embedded in-process, the ``proxy`` extra) that intercepts TLS with a local CA.  A tool whose
``HTTPS_PROXY``/``HTTP_PROXY`` point at it and that trusts the CA has every request judged:

1. requests to the upstream of a ``[gateways.http.routes.NAME]`` (same scheme, host, port, path
   under the upstream's path) lose every credential the agent supplied (``http.strip_request``)
   and get the route's credential from the vault (``header``/``format``), as the route gateway
   does — so the agent's environment holds no token at all;
2. every request — routed or not — is judged by the HTTP/GraphQL analysis and the policy
   (``http.build_action`` / ``http.judge``: an approval is bound to the hash of method + URL +
   body + resolved target), recorded in the audit log before it is sent (no record, no request),
   and refused with the route gateway's ``403`` JSON (GraphQL-shaped for GraphQL endpoints);
   exactly the judged request is sent (one canonical path, content-encoding decoded), once;
3. requests to hosts no route names are judged and audited too, then passed **with the agent's
   own headers unchanged** (only ``Proxy-Authorization`` is dropped): the proxy adds no
   credential there and takes none away;
4. what it cannot judge it refuses: WebSocket upgrades (``403``), a tunnel that carries neither
   TLS nor HTTP (an SSH greeting, binary garbage: the connection is closed and the proxy says why on
   stderr; text that looks like a broken HTTP request is answered ``400``), bodies over
   ``max_body_mb`` (``413``).  A client that does not trust the CA fails its TLS handshake — nothing is
   passed through unintercepted.

Upstream TLS is always verified, against the system's CAs plus ``[gateways.http]
proxy_upstream_ca`` (or ``--upstream-ca FILE``).  An unreachable upstream is a ``502`` from the
proxy naming the upstream and the error.

The CA lives in ``$INTERLOCK_HOME/https-proxy/`` (directory 0700, private key files 0600),
created on first start; ``interlock gateway https-proxy --print-ca`` prints the CA certificate's
path.  ``ca-bundle.pem`` next to it is the system's CAs plus Interlock's: ``interlock run`` points
``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``GIT_SSL_CAINFO`` at it and
``NODE_EXTRA_CA_CERTS`` at the CA certificate when the policy says ``[gateways.http] proxy_listen``.

mitmproxy is imported only when the command runs (never by the hook).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from urllib.parse import unquote_to_bytes, urlsplit

from ..policy import HTTPS_PROXY_LISTEN
from . import http as H

KIND = "https-proxy"
DEFAULT_LISTEN = HTTPS_PROXY_LISTEN
_BASENAME = "mitmproxy"  # mitmproxy's file names in its confdir
_KEY_FILES = (f"{_BASENAME}-ca.pem", f"{_BASENAME}-ca.p12")
_SYSTEM_CAS = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
               "/etc/ssl/cert.pem")


# --- the CA and the trust bundles (stdlib paths; mitmproxy only to create the CA) ------------------

def ca_dir(env) -> str:
    from ..policy import state_dir

    return os.path.join(state_dir(env), "https-proxy")


def ca_cert_path(env) -> str:
    return os.path.join(ca_dir(env), f"{_BASENAME}-ca-cert.pem")


def trust_bundle_path(env) -> str:
    """The system's CAs plus Interlock's: what the agent's clients trust."""
    return os.path.join(ca_dir(env), "ca-bundle.pem")


def agent_env(proxy_url: str, env, bundle=None, ca=None) -> dict:
    """The variables that send an agent's HTTP(S) through the proxy and make it trust the CA
    (``bundle``/``ca``: where the agent reads them, when not in the proxy's own directory)."""
    bundle, ca = bundle or trust_bundle_path(env), ca or ca_cert_path(env)
    out = {k: proxy_url for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")}
    out.update({k: bundle for k in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO")})
    out["NODE_EXTRA_CA_CERTS"] = ca  # node adds these to its own roots
    return out


def system_ca_file() -> str | None:
    """The system's CA bundle (not ``SSL_CERT_FILE``: that may be our own bundle); certifi's else."""
    import ssl

    for p in _SYSTEM_CAS + (ssl.get_default_verify_paths().openssl_cafile,):
        if p and os.path.isfile(p):
            return p
    try:
        import certifi

        return certifi.where()
    except ImportError:
        return None


def _write_private(path, data: bytes, mode=0o644):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _bundle(path, *sources: str | None):
    parts = []
    for s in sources:
        if s:
            with open(s, "rb") as f:
                parts.append(f.read().strip() + b"\n")
    _write_private(path, b"".join(parts))
    return path


def ensure_ca(env) -> str:
    """Create the CA on first use (mitmproxy's store), keep its directory 0700 and its keys 0600,
    write the agents' trust bundle; the CA certificate's path."""
    from mitmproxy import certs

    d = ca_dir(env)
    os.makedirs(d, mode=0o700, exist_ok=True)
    os.chmod(d, 0o700)
    certs.CertStore.from_store(d, _BASENAME, 2048)
    for name in _KEY_FILES:
        p = os.path.join(d, name)
        if os.path.exists(p):
            os.chmod(p, 0o600)
    _bundle(trust_bundle_path(env), system_ca_file(), ca_cert_path(env))
    return ca_cert_path(env)


def publish_trust(cfg, env) -> tuple[str, str]:
    """System mode: the CA (its key in the service's 0700 state) and, beside the published gateways
    (``<run>/gateways/``, the service's directory, 0644 files), the two public files agents' clients
    trust — the bundle and the CA certificate.  (bundle, certificate) as the agents read them."""
    ensure_ca(env)
    out = []
    for src, name in ((trust_bundle_path(env), f"{KIND}-ca-bundle.pem"), (ca_cert_path(env), f"{KIND}-ca-cert.pem")):
        with open(src, "rb") as f:
            out.append(H.publish(cfg, name, f.read()))
    return out[0], out[1]


def upstream_bundle(env, extra: str | None) -> str:
    """What upstream certificates are verified against: the system's CAs plus ``extra``."""
    if extra and not os.path.isfile(extra):
        raise H.GatewayError(f"the upstream CA file {extra!r} does not exist")
    return _bundle(os.path.join(ca_dir(env), "upstream-ca.pem"), system_ca_file(), extra)


# --- which route a request belongs to --------------------------------------------------------------

def _default_port(scheme):
    return 443 if scheme == "https" else 80


def _authority(scheme, host, port) -> str:
    h = f"[{host}]" if ":" in host else host
    return h if port == _default_port(scheme) else f"{h}:{port}"


def match_route(config, scheme, host, port, path):
    """(route, the path after the route's upstream path) for a request, or (None, None).  Same
    scheme, host and port, path under the upstream's: a route's credential never goes over plain
    HTTP to an HTTPS route, nor to another port or path."""
    for r in config.routes.values():
        u = urlsplit(r.upstream)
        if u.scheme != scheme or (u.hostname or "").lower() != host.lower() or \
                (u.port or _default_port(u.scheme)) != port:
            continue
        prefix = u.path.rstrip("/")
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            continue
        return r, path[len(prefix):]
    return None, None


# --- the addon: every request judged ---------------------------------------------------------------

class Interlock:
    """mitmproxy addon: strip, judge, audit, inject, or refuse — for each request."""

    def __init__(self, config, env, cwd, upstream_ca):
        from concurrent.futures import ThreadPoolExecutor

        self.config, self.env, self.cwd = config, env, cwd
        self.upstream_ca = upstream_ca
        self.pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="interlock-judge")
        self.secrets: set[str] = set()  # values never to appear in a log line
        self.state = None
        self.system = None  # system mode: (configuration, trust bundle, CA certificate) as the agents read them
        self.published = None

    # lifecycle
    def running(self):
        from mitmproxy import ctx

        addrs = ctx.master.addons.get("proxyserver").listen_addrs()
        if not addrs:
            _log("not listening: see the error above")
            ctx.master.shutdown()
            return
        host, port = addrs[0][0], addrs[0][1]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}"
        routes = {n: r.upstream for n, r in self.config.routes.items()}
        self.state = H._write_state(self.env, {"kind": KIND, "pid": os.getpid(), "listen": f"{shown}:{port}",
                                               "url": url, "ca": ca_cert_path(self.env),
                                               "routes": {n: {"url": url, "upstream": u} for n, u in routes.items()},
                                               "started": time.time()}, kind=KIND)
        if self.system is not None:  # where agents' `interlock run` finds it: an address and public files
            cfg, bundle, ca = self.system
            self.published = H.publish(cfg, KIND, {"kind": KIND, "pid": os.getpid(), "url": url,
                                                   "point": agent_env(url, self.env, bundle, ca)})
        print(f"interlock https proxy: {url}  CA: {ca_cert_path(self.env)}  routes: " +
              (", ".join(f"{n} -> {u}" for n, u in routes.items()) or "none (every request judged, none "
                                                                       "given a credential)"), flush=True)

    def done(self):
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in (self.state, self.published):
            try:
                if p:
                    os.unlink(p)
            except OSError:
                pass

    # what cannot be judged is refused
    def tcp_start(self, flow):
        flow.kill()  # first: nothing below may keep a raw relay alive
        _log(f"refused a tunnel to {_addr(flow)} that carries neither HTTP nor TLS: only HTTP(S) is judged; "
             "the connection is closed")

    def tcp_message(self, flow):
        flow.kill()

    def udp_start(self, flow):
        flow.kill()
        _log(f"refused UDP to {_addr(flow)}: only HTTP(S) is judged")

    def udp_message(self, flow):
        flow.kill()

    def tls_failed_client(self, data):
        sni = getattr(data.conn, "sni", None) or _addr(data)
        why = getattr(data.conn, "error", None) or "the handshake failed"
        _log(f"TLS with a client for {sni} failed ({why}); nothing was passed through. A client that does not "
             "trust Interlock's CA fails here: interlock gateway https-proxy --print-ca")

    def error(self, flow):
        if flow.error and flow.request:
            _log(f"{flow.request.method} {_masked(flow.request.pretty_url)}: {flow.error.msg}", self.secrets)

    def responseheaders(self, flow):
        flow.response.stream = True  # answers are passed on as they come (not judged, not buffered)
        flow.response.headers["X-Interlock-Decision"] = "allow"
        if flow.metadata.get("interlock_route"):  # cookies a provider sets for the vault's credential
            for h in ("set-cookie", "set-cookie2"):
                flow.response.headers.pop(h, None)

    async def request(self, flow):
        try:
            await self._request(flow)
        except Exception as e:  # noqa: BLE001 - fail closed: an unjudged request is never sent
            from ..redact import redact

            self._answer(flow, H.failure(f"the request could not be judged ({type(e).__name__}: "
                                         f"{redact(str(e))[:200]})", False, 403, "INTERLOCK_DENIED",
                                         who="HTTPS proxy"))

    async def _request(self, flow):
        from ..actions import Decision

        req = flow.request
        scheme, host, port = req.scheme, req.host, req.port
        raw_path, _, raw_query = req.path.partition("?")
        path = H.canonical_path(unquote_to_bytes(raw_path or "/"))
        route, rest = match_route(self.config, scheme, host, port, path)
        graphql = route.is_graphql(rest) if route else "graphql" in path.lower()

        def refuse(msg, status, code):
            self._answer(flow, H.failure(msg, graphql, status, code, who="HTTPS proxy"))

        if (req.headers.get("upgrade") or "").lower() not in ("", "h2c"):
            return refuse(f"{req.headers.get('upgrade')} upgrades are not judged message by message: refused",
                          403, "INTERLOCK_NOT_JUDGED")
        try:
            req.decode(strict=True)  # judged and sent as plain bytes: a gzip body cannot hide a mutation
        except ValueError:
            return refuse("a request body in an encoding Interlock cannot read: not judged, not sent", 400,
                          "INTERLOCK_BAD_REQUEST")
        body = req.raw_content or b""
        if len(body) > self.config.max_body:
            return refuse(f"request body over {self.config.max_body // (1024 * 1024)} MB: not judged, not sent",
                          413, "INTERLOCK_TOO_LARGE")
        pairs = list(req.headers.items(multi=True))
        try:
            if route is not None:
                headers, query, removed = H.strip_request(pairs, raw_query)
                url = H.upstream_url(route.upstream, rest, query)
                judged = H.upstream_url(route.judge_as, rest, query) if route.judge_as else None
            else:
                headers = [(k, v) for k, v in pairs if k.lower() != "proxy-authorization"]
                removed = []
                url = H.upstream_url(f"{scheme}://{_authority(scheme, host, port)}", path, raw_query)
                judged = None
            action = H.build_action(req.method, url, body, headers, self.cwd, judged)
        except ValueError as e:
            return refuse(str(e), 400, "INTERLOCK_BAD_REQUEST")
        loop = asyncio.get_running_loop()
        decision = await loop.run_in_executor(self.pool, H.judge, action, self.env, self.config.wait_seconds)
        name = route.name if route else _authority(scheme, host, port)
        try:
            await loop.run_in_executor(self.pool, lambda: H.audit(self.env, action, decision, name, removed,
                                                                 gateway=KIND))
        except Exception as e:  # noqa: BLE001 - no record, no request
            decision = Decision.failure(f"the audit log could not be written ({type(e).__name__})")
        if decision.decision != "allow":
            return self._answer(flow, H.denial(decision, action, graphql))
        # exactly the judged request: its path, its query, its body; the route's credential in
        from mitmproxy.http import Headers

        if route is not None and route.credential:
            try:
                secret = await loop.run_in_executor(self.pool, H.credential_value, route, self.env)
            except Exception as e:  # noqa: BLE001
                msg = str(e) if isinstance(e, LookupError) else f"the vault could not be read ({type(e).__name__})"
                return refuse(msg, 503, "INTERLOCK_NO_CREDENTIAL")
            self.secrets.add(secret)
            headers.append((route.header, route.format.replace("{credential}", secret)))
        sent = urlsplit(url)
        req.path = (sent.path or "/") + (f"?{sent.query}" if sent.query else "")
        if route is not None:
            h = Headers()
            for k, v in headers:
                h.add(k, v)
            req.headers = h
            flow.metadata["interlock_route"] = route.name
        else:
            req.headers.pop("proxy-authorization", None)
        req.content = body  # sets Content-Length for what is sent
        req.host_header = _authority(scheme, host, port)

    @staticmethod
    def _answer(flow, triple):
        from mitmproxy import http

        status, obj, headers = triple
        flow.response = http.Response.make(status, json.dumps(obj).encode(),
                                           {"Content-Type": "application/json", **headers})


def _addr(obj) -> str:
    try:
        conn = getattr(obj, "server_conn", None) or getattr(obj, "context", None).server
        host, port = conn.address[:2]
        return f"{host}:{port}"
    except Exception:  # noqa: BLE001
        return "?"


def _masked(url):
    from ..analysis.http import mask_url

    return mask_url(url)


def _log(msg, secrets=()):
    from ..redact import redact

    text = redact(msg)
    for s in secrets:
        text = text.replace(s, "[vault credential]")
    print(f"interlock https proxy: {text[:500]}", file=sys.stderr, flush=True)


class _Redact:
    """A logging filter: mitmproxy's own log lines, redacted and without the vault's values."""

    def __init__(self, secrets):
        self.secrets = secrets

    def filter(self, record):
        from ..redact import redact

        text = redact(record.getMessage())
        for s in self.secrets:
            text = text.replace(s, "[vault credential]")
        record.msg, record.args = text, None
        return True


# --- the command ----------------------------------------------------------------------------------

def add_parser(gsub):
    """``interlock gateway https-proxy`` on the ``gateway`` sub-parsers."""
    g = gsub.add_parser("https-proxy", help="the HTTP gateway as an HTTPS_PROXY with TLS interception (a local CA): "
                                            "every request judged, routes' credentials injected")
    g.add_argument("--listen", default=None, help=f"HOST:PORT (default: [gateways.http] proxy_listen, else "
                                                  f"{DEFAULT_LISTEN}; port 0 picks a free one)")
    g.add_argument("--allow-remote", action="store_true", help="bind a non-loopback address")
    g.add_argument("--upstream-ca", default=None, metavar="FILE",
                   help="PEM file of extra CAs trusted for upstreams (default: [gateways.http] proxy_upstream_ca)")
    g.add_argument("--print-ca", action="store_true", help="create the CA if needed, print its certificate's path")
    g.add_argument("--system", action="store_true",
                   help="system mode: run as the service user (started as root it drops to it), with the system "
                        "policy's routes, the service's vault and a CA whose key only the service reads; agents' "
                        "`interlock run` points at it")
    g.set_defaults(func=cmd_https_proxy)


def cmd_https_proxy(args) -> int:
    try:
        import mitmproxy  # noqa: F401
    except ImportError:
        print("interlock gateway https-proxy needs the proxy extra (mitmproxy is missing): "
              "pip install 'interlock[proxy]'", file=sys.stderr)
        return 1
    env = dict(os.environ)
    syscfg = None
    if getattr(args, "system", False):
        from ..system import SystemError_

        try:
            env, syscfg = H.system_env(KIND)
        except (OSError, SystemError_, H.GatewayError) as e:
            print(f"interlock: system mode: {e}", file=sys.stderr)
            return 1
    if args.print_ca:
        try:
            print(publish_trust(syscfg, env)[1] if syscfg is not None else ensure_ca(env))
        except OSError as e:
            print(f"interlock: cannot create the CA in {ca_dir(env)}: {e.strerror or e}", file=sys.stderr)
            return 1
        return 0
    try:
        config = H.load_config(env, require_routes=False)
        host, port = H.split_listen(args.listen or config.proxy_listen or DEFAULT_LISTEN)
        ensure_ca(env)
        upstream_ca = upstream_bundle(env, args.upstream_ca or config.proxy_upstream_ca)
    except H.GatewayError as e:
        print(f"interlock: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"interlock: cannot prepare the CA in {ca_dir(env)}: {e.strerror or e}", file=sys.stderr)
        return 1
    if H.remote_refused(host, args.allow_remote, "proxy"):
        return 1
    addon = Interlock(config, env, os.getcwd(), upstream_ca)
    if syscfg is not None:
        try:
            addon.system = (syscfg, *publish_trust(syscfg, env))
        except OSError as e:
            print(f"interlock: cannot publish the CA certificate in {syscfg.run}: {e.strerror or e}", file=sys.stderr)
            return 1
    try:
        return asyncio.run(_serve(addon, host, port))
    except KeyboardInterrupt:
        return 0


async def _serve(addon, host, port) -> int:
    import logging
    import signal

    from mitmproxy import master, options
    from mitmproxy.addons import core, disable_h2c, errorcheck, next_layer, proxyserver, tlsconfig

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("interlock https proxy (mitmproxy): %(message)s"))
    handler.addFilter(_Redact(addon.secrets))
    log = logging.getLogger("mitmproxy")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING)  # (records still reach the root: errorcheck exits on a startup error)

    m = master.Master(options.Options(), with_termlog=False)
    m.addons.add(core.Core(), disable_h2c.DisableH2C(), proxyserver.Proxyserver(), next_layer.NextLayer(),
                 tlsconfig.TlsConfig(), errorcheck.ErrorCheck(repeat_errors_on_stderr=True), addon)
    m.options.update(
        mode=["regular"], listen_host=host, listen_port=port,
        confdir=ca_dir(addon.env),
        ssl_insecure=False,                            # upstream certificates are verified...
        ssl_verify_upstream_trusted_ca=addon.upstream_ca,  # ...against the system's CAs + the extra ones
        connection_strategy="lazy",                    # nothing reaches an upstream before it is judged
        upstream_cert=False,
        # a tunnel that is not HTTP(S) becomes a raw-TCP flow that tcp_start kills (with rawtcp off it
        # would wait for an HTTP request that never comes)
        rawtcp=True,
        ignore_hosts=[], allow_hosts=[], tcp_hosts=[], udp_hosts=[],
    )
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(s, m.shutdown)
    await m.run()
    return 0
