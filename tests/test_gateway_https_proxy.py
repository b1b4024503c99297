"""The HTTPS_PROXY mode of the HTTP gateway (issue 8, item 2) against the Railway stand-in behind TLS.

Real processes: ``interlock gateway https-proxy`` (mitmproxy in-process), curl / a Python script /
node as the agent's clients going through it with ``HTTPS_PROXY``, ``interlock approve`` as the
human, ``interlock run`` as the launcher.  The stand-in serves HTTPS on 127.0.0.2 (outside the
loopback ``NO_PROXY`` that ``interlock run`` sets) with a certificate from a CA made here; the proxy
trusts that CA through ``proxy_upstream_ca``.  What reached "production" is asserted from the
stand-in's own record of the requests it received.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time

import pytest

from conftest import RAILWAY_VAULT_TOKEN, interlock_exe
from helpers import GatewayProcess, assert_token_nowhere, cli, railway_policy, vault_env
from test_gateway_http import _assert_denied_graphql

from interlock.standins.railway import VOLUME_ID, VOLUME_INSTANCE_ID, RailwayStandIn

pytest.importorskip("mitmproxy", reason="the proxy extra (mitmproxy) is not installed")

VAULT_TOKEN = RAILWAY_VAULT_TOKEN
AGENT_TOKEN = "7c1e9a42-55b1-4d0e-9f3a-2b6c8d1e4f70"
LEAKED = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # a GitHub token the agent found
HOST = "127.0.0.2"  # loopback, but not the 127.0.0.1 that NO_PROXY names
DELETE = {"query": "mutation volumeDelete($volumeId: String!) { volumeDelete(volumeId: $volumeId) }",
          "variables": {"volumeId": VOLUME_ID}}
READ = {"query": "query { me { name email } }"}
RESTORE = {"query": "mutation { volumeInstanceBackupRestore(volumeInstanceBackupId: \"daily-2026-11-25\", "
                    f"volumeInstanceId: \"{VOLUME_INSTANCE_ID}\") }}"}


# --- the stand-in behind TLS -----------------------------------------------------------------------

def _make_certs(d):
    """A CA and a server certificate for ``HOST`` signed by it: (CA file, cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Railway stand-in test CA")])
    usage = dict(content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False,
                 encipher_only=False, decipher_only=False)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage), True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(d, n) for n in ("upstream-ca.pem", "server.pem", "server.key")]
    pem = serialization.Encoding.PEM
    for p, data in zip(paths, (ca.public_bytes(pem), leaf.public_bytes(pem),
                               key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))):
        with open(p, "wb") as f:
            f.write(data)
    return paths


@pytest.fixture
def upstream_certs(tmp_path):
    d = tmp_path / "upstream-certs"
    d.mkdir()
    return _make_certs(str(d))


@pytest.fixture
def railway(upstream_certs):
    """The Railway stand-in serving HTTPS on ``HOST`` (``https`` is its base URL)."""
    _, cert, key = upstream_certs
    s = RailwayStandIn(token=VAULT_TOKEN, host=HOST)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s.server.socket = ctx.wrap_socket(s.server.socket, server_side=True)  # same fd: serve_forever goes on
    s.https = f"https://{HOST}:{s.server.server_address[1]}"
    yield s
    s.close()


@pytest.fixture
def penv(env):
    e = vault_env(env, VAULT_TOKEN)
    for k in list(e):
        if k.upper() in ("NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
            del e[k]
    return e


def proxy_policy(env, upstream, upstream_ca, extra=""):
    railway_policy(env, upstream, extra, listen=f'listen = "127.0.0.1:0"\nproxy_listen = "127.0.0.1:0"\n'
                                                f'proxy_upstream_ca = "{upstream_ca}"',
                   route_env="")


class Proxy(GatewayProcess):
    """``interlock gateway https-proxy`` in its own process; ``url`` from the line it prints."""

    def __init__(self, env):
        super().__init__(["gateway", "https-proxy"], env, r"(http://127\.0\.0\.1:\d+)\s+CA: (\S+)", "proxy")
        self.url, self.ca = self.match.group(1), self.match.group(2)
        from interlock.gateways.https_proxy import agent_env

        self.client_env = dict(env, **agent_env(self.url, env))  # what `interlock run` gives an agent


@pytest.fixture
def proxy(penv, railway, upstream_certs):
    proxy_policy(penv, railway.https, upstream_certs[0])
    p = Proxy(penv)
    yield p
    out, err = p.stop()
    assert p.proc.returncode == 0, err
    assert VAULT_TOKEN not in out + err


def _curl(args, env, timeout=30):
    p = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}"] + args, env=env, capture_output=True, text=True,
                       timeout=timeout)
    body, _, code = p.stdout.rpartition("\n")
    return p.returncode, int(code or 0), body, p.stderr


def _log(env):
    return subprocess.run(interlock_exe() + ["log", "--json", "--limit", "20"], env=env, capture_output=True,
                          text=True, timeout=60).stdout


def _no_token_anywhere(env, *texts):
    assert_token_nowhere(env, VAULT_TOKEN, *texts)


# --- the incident's volumeDelete: denied whatever client sends it, never reaches the stand-in -------

def test_volume_delete_by_curl_is_denied_and_never_sent(proxy, railway, penv):
    rc, code, body, err = _curl([railway.https + "/graphql/v2", "-H", f"Authorization: Bearer {AGENT_TOKEN}",
                                 "-H", "Content-Type: application/json", "-d", json.dumps(DELETE)],
                                proxy.client_env)
    assert rc == 0, err
    _assert_denied_graphql(code, json.loads(body))
    assert railway.calls == [] and VOLUME_ID in railway.volumes
    log = _log(penv)
    assert "https-proxy" in log and "volumeDelete" in log and '"deny"' in log
    _no_token_anywhere(penv, body, log)


AGENT_SCRIPT = r"""
import json, os, sys, urllib.request, urllib.error
url = sys.argv[1]
def post(obj, token):
    req = urllib.request.Request(url + "?access_token=" + token + "&x=1", data=json.dumps(obj).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token,
                                          "Cookie": "session=" + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:   # HTTPS_PROXY and SSL_CERT_FILE from the env
            return [r.status, json.loads(r.read()), r.headers.get("X-Interlock-Decision")]
    except urllib.error.HTTPError as e:
        return [e.code, json.loads(e.read()), e.headers.get("X-Interlock-Decision")]
    except Exception as e:
        return ["ERR", type(e).__name__ + ": " + str(e), None]
print(json.dumps({"read": post(%s, "%s"), "delete": post(%s, "%s"), "proxy": os.environ.get("HTTPS_PROXY")}))
""" % (json.dumps(READ), AGENT_TOKEN, json.dumps(DELETE), AGENT_TOKEN)


def test_a_python_script_reads_with_the_vaults_token_and_its_delete_is_denied(proxy, railway, penv, tmp_path):
    script = tmp_path / "fix_domain.py"
    script.write_text(AGENT_SCRIPT)
    p = subprocess.run([sys.executable, str(script), railway.https + "/graphql/v2"], env=proxy.client_env,
                       capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout)
    assert out["read"] == [200, {"data": {"me": {"name": "Rental Ops", "email": "ops@carrental.example"}}}, "allow"]
    _assert_denied_graphql(out["delete"][0], out["delete"][1])
    # the stand-in saw one request: the read, with the vault's token and nothing of the agent's
    assert len(railway.calls) == 1
    call = railway.calls[0]
    assert call["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}" and "cookie" not in call["headers"]
    assert AGENT_TOKEN not in json.dumps(call) and call["path"] == "/graphql/v2?x=1"
    assert VOLUME_ID in railway.volumes
    log = _log(penv)
    assert "header authorization" in log.lower() and "query access_token" in log and AGENT_TOKEN not in log
    _no_token_anywhere(penv, p.stdout, p.stderr, log)


NODE = r"""
// node's fetch ignores HTTPS_PROXY: a CONNECT tunnel by hand, TLS over it (NODE_EXTRA_CA_CERTS trusted)
const http = require('http'), https = require('https'), tls = require('tls');
// node -e: argv[1] is the first argument
const proxy = new URL(process.env.HTTPS_PROXY), target = new URL(process.argv[1]), body = process.argv[2];
const c = http.request({host: proxy.hostname, port: proxy.port, method: 'CONNECT',
                        path: `${target.hostname}:${target.port}`});
c.on('connect', (res, socket) => {
  if (res.statusCode !== 200) { console.log('ERR', 'CONNECT ' + res.statusCode); return; }
  const r = https.request({host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      createConnection: () => tls.connect({socket, host: target.hostname}),  // no agent: this socket
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + process.argv[3],
                'Content-Length': Buffer.byteLength(body)}},
    res2 => { let d = ''; res2.on('data', x => d += x);
              res2.on('end', () => { console.log(res2.statusCode, d); socket.destroy(); }); });
  r.on('error', e => console.log('ERR', e.message));
  r.end(body);
});
c.on('error', e => console.log('ERR', e.message));
c.end();
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_through_a_connect_tunnel(proxy, railway):
    def node(obj):
        p = subprocess.run(["node", "-e", NODE, railway.https + "/graphql/v2", json.dumps(obj), AGENT_TOKEN],
                           env=proxy.client_env, capture_output=True, text=True, timeout=60)
        code, _, body = p.stdout.strip().partition(" ")
        assert code != "ERR", p.stdout + p.stderr
        return int(code), json.loads(body)

    _assert_denied_graphql(*node(DELETE))
    assert railway.calls == []
    assert node(READ) == (200, {"data": {"me": {"name": "Rental Ops", "email": "ops@carrental.example"}}})
    assert len(railway.calls) == 1 and railway.calls[0]["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"


# --- approvals: exactly the approved request, exactly once ------------------------------------------

def test_an_approved_request_is_performed_exactly_once(proxy, railway, penv):
    url = railway.https + "/graphql/v2"

    def post(obj):
        rc, code, body, err = _curl([url, "-H", "Content-Type: application/json", "-d", json.dumps(obj)],
                                    proxy.client_env)
        assert rc == 0, err
        return code, json.loads(body)

    code, body = post(RESTORE)
    assert code == 403 and body["errors"][0]["extensions"]["code"] == "INTERLOCK_APPROVAL_REQUIRED"
    rid = body["errors"][0]["extensions"]["approval"]
    assert "send the identical request again" in body["errors"][0]["message"] and railway.calls == []
    assert cli(["approvers", "add", "alice"], penv, fd_secret="approver-secret-1", terminal=True).returncode == 0
    p = cli(["approve", rid, "--as", "alice"], penv, fd_secret="approver-secret-1")
    assert p.returncode == 0, p.stdout + p.stderr
    variant = {"query": RESTORE["query"].replace("daily-2026-11-25", "daily-2026-11-24")}
    assert post(variant)[0] == 403 and railway.calls == []          # not what was approved
    assert post(RESTORE) == (200, {"data": {"volumeInstanceBackupRestore": True}})
    assert post(RESTORE)[0] == 403                                  # single use
    assert len(railway.calls) == 1 and railway.calls[0]["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"
    assert railway.volumes[VOLUME_ID]["restores"] == ["daily-2026-11-25"]
    assert "approved by alice" in _log(penv)


# --- no silent downgrade; the CA's files ------------------------------------------------------------

def test_a_client_that_does_not_trust_the_ca_fails_and_nothing_is_sent(proxy, railway, penv):
    env = dict(proxy.client_env)
    for k in ("CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        del env[k]
    rc, code, body, err = _curl([railway.https + "/graphql/v2", "-H", "Content-Type: application/json",
                                 "-d", json.dumps(READ)], env)
    assert rc == 60 and "certificate" in err.lower(), (rc, err)  # curl: peer certificate cannot be verified
    script = ("import urllib.request,sys\ntry:\n urllib.request.urlopen(sys.argv[1], timeout=20)\n"
              "except Exception as e: print(type(e).__name__, e)")
    p = subprocess.run([sys.executable, "-c", script, railway.https + "/graphql/v2"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert "CERTIFICATE_VERIFY_FAILED" in p.stdout, p.stdout + p.stderr
    assert railway.calls == []
    _, err = proxy.stop()
    assert "does not trust" in err and "--print-ca" in err


def test_the_ca_is_private_and_print_ca_names_it(proxy, penv):
    d = os.path.dirname(proxy.ca)
    assert d == os.path.join(penv["INTERLOCK_HOME"], "https-proxy")
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    key = os.path.join(d, "mitmproxy-ca.pem")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and b"PRIVATE KEY" in open(key, "rb").read()
    assert b"PRIVATE KEY" not in open(proxy.ca, "rb").read()
    p = subprocess.run(interlock_exe() + ["gateway", "https-proxy", "--print-ca"], env=penv, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == proxy.ca
    bundle = open(proxy.client_env["SSL_CERT_FILE"], "rb").read()
    assert open(proxy.ca, "rb").read().strip() in bundle and bundle.count(b"BEGIN CERTIFICATE") > 1


# --- what cannot be judged is refused -------------------------------------------------------------------

def _tunnel(proxy_url, target, payload):
    """CONNECT to ``target`` through the proxy, then send ``payload`` raw: (CONNECT reply, what came back)."""
    host, port = proxy_url.rsplit("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        reply = s.recv(4096)
        s.sendall(payload)
        got = b""
        try:
            while chunk := s.recv(4096):
                got += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return reply, got


def test_a_tunnel_that_is_not_http_or_tls_is_refused(proxy, railway):
    target = railway.https.split("//")[1]
    for payload in (b"SSH-2.0-OpenSSH_9.6\r\n", b"\x00\x01\x02garbage\xff\xfe\r\n\r\n"):
        started = time.monotonic()
        reply, got = _tunnel(proxy.url, target, payload)
        assert reply.startswith(b"HTTP/1.1 200") and got == b""    # closed: nothing relayed, nothing answered
        assert time.monotonic() - started < 10                      # at once, not after a timeout
    reply, got = _tunnel(proxy.url, target, b"NOT AN HTTP REQUEST\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 400")                          # text that is not HTTP: a bad request
    assert railway.calls == []
    _, err = proxy.stop()
    assert "carries neither HTTP nor TLS" in err


def test_a_host_without_a_route_is_judged_and_keeps_the_agents_headers(penv, upstream_certs, railway):
    """Plain HTTP through HTTP_PROXY to a host no route names: judged, audited, no credential added or removed."""
    other = RailwayStandIn(token=AGENT_TOKEN, host="127.0.0.3")  # a service the agent holds its own token for
    try:
        proxy_policy(penv, railway.https, upstream_certs[0])
        p = Proxy(penv)
        try:
            url = f"http://127.0.0.3:{other.server.server_address[1]}/graphql/v2"
            auth = ["-H", f"Authorization: Bearer {AGENT_TOKEN}", "-H", "Content-Type: application/json"]
            rc, code, body, err = _curl([url] + auth + ["-d", json.dumps(READ)], p.client_env)
            assert (rc, code) == (0, 200) and json.loads(body)["data"]["me"]["name"] == "Rental Ops", err
            assert other.calls[0]["headers"]["authorization"] == f"Bearer {AGENT_TOKEN}"
            assert VAULT_TOKEN not in json.dumps(other.calls)
            # judged all the same: a literal token sent off (volumeDelete on a 127.x host counts as local)
            rc, code, body, err = _curl([url.replace("/graphql/v2", "/upload"), "-d", f"key={LEAKED}"],
                                        p.client_env)
            assert code == 403 and json.loads(body)["error"] == "interlock_denied", body
            assert "secrets.literal-token" in json.loads(body)["rules"] and LEAKED not in body
            rc, code, body, err = _curl([url.replace("/graphql/v2", "/ws"), "-H", "Upgrade: websocket",
                                         "-H", "Connection: Upgrade"], p.client_env)
            assert code == 403 and json.loads(body)["error"] == "interlock_not_judged", body
            assert len(other.calls) == 1 and VOLUME_ID in other.volumes
            assert f"127.0.0.3:{other.server.server_address[1]}" in _log(penv)
        finally:
            p.stop()
    finally:
        other.close()
    assert railway.calls == []


def test_upstream_down_is_a_clear_502_and_the_proxy_keeps_serving(penv, upstream_certs):
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    proxy_policy(penv, f"https://{HOST}:{port}", upstream_certs[0])
    p = Proxy(penv)
    try:
        for _ in range(2):
            rc, code, body, err = _curl([f"https://{HOST}:{port}/graphql/v2", "-H", "Content-Type: application/json",
                                         "-d", json.dumps(READ)], p.client_env)
            assert code == 502 and f"{HOST}" in body and str(port) in body, (rc, code, body, err)
            assert p.proc.poll() is None
    finally:
        out, err = p.stop()
    assert p.proc.returncode == 0
    _no_token_anywhere(penv, out, err)


# --- interlock run: the agent holds no token and goes through the proxy ------------------------------

RUN_AGENT = r"""
import json, os, urllib.request, urllib.error
url = os.environ["TARGET"]
def post(obj):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return [r.status, json.loads(r.read())]
    except urllib.error.HTTPError as e:
        return [e.code, json.loads(e.read())]
print(json.dumps({"env": dict(os.environ), "read": post(%s), "delete": post(%s)}))
""" % (json.dumps({"query": "{ me { name } }"}), json.dumps(DELETE))


def test_interlock_run_points_the_agent_at_the_proxy(penv, railway, upstream_certs, tmp_path, workspace):
    proxy_policy(penv, railway.https, upstream_certs[0])
    agent = tmp_path / "agent.py"
    agent.write_text(RUN_AGENT)
    p = subprocess.run(interlock_exe() + ["run", "--", sys.executable, str(agent)],
                       env=dict(penv, TARGET=railway.https + "/graphql/v2", RAILWAY_TOKEN=AGENT_TOKEN),
                       cwd=workspace, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    env = out["env"]
    assert "RAILWAY_TOKEN" not in env and AGENT_TOKEN not in p.stdout and VAULT_TOKEN not in p.stdout + p.stderr
    assert env["HTTPS_PROXY"] == env["https_proxy"] == env["HTTP_PROXY"] == env["http_proxy"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", env["HTTPS_PROXY"])
    assert env["NO_PROXY"] == "127.0.0.1,localhost,::1"
    bundle = os.path.join(penv["INTERLOCK_HOME"], "https-proxy", "ca-bundle.pem")
    assert env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == env["CURL_CA_BUNDLE"] == env["GIT_SSL_CAINFO"] == bundle
    assert env["NODE_EXTRA_CA_CERTS"].endswith("https-proxy/mitmproxy-ca-cert.pem")
    assert out["read"] == [200, {"data": {"me": {"name": "Rental Ops"}}}]
    _assert_denied_graphql(*out["delete"])
    assert len(railway.calls) == 1 and railway.calls[0]["headers"]["authorization"] == f"Bearer {VAULT_TOKEN}"
    assert os.listdir(os.path.join(penv["INTERLOCK_HOME"], "run")) == []  # the proxy stopped with the agent


# --- limits fail closed through the proxy (issue 16) -----------------------------------------------------------

def _post_file(proxy, railway, tmp_path, data: bytes, *headers):
    f = tmp_path / "body.bin"
    f.write_bytes(data)
    args = [railway.https + "/graphql/v2", "-H", "Content-Type: application/json", "--data-binary", f"@{f}"]
    for h in headers:
        args += ["-H", h]
    rc, code, body, err = _curl(args, proxy.client_env, timeout=120)
    assert rc == 0, err
    return code, json.loads(body)


def test_limits_fail_closed_through_the_proxy(proxy, railway, tmp_path):
    import gzip

    mutation = 'mutation { volumeDelete(volumeId: "%s") }' % VOLUME_ID
    cases = [
        ('{"query": "' + " " * 1_000_000 + mutation + '"}').encode(),           # past the old 1 MB scan
        json.dumps([READ] * 100 + [{"query": mutation}]).encode(),              # past the batch limit
        json.dumps({"query": mutation + " " * 1_100_000}).encode(),             # past the document limit
    ]
    for data in cases:
        code, obj = _post_file(proxy, railway, tmp_path, data)
        assert code == 403 and obj["errors"][0]["extensions"]["decision"] in ("ask", "deny"), obj
    code, obj = _post_file(proxy, railway, tmp_path, gzip.compress(json.dumps({"query": mutation}).encode()),
                           "Content-Encoding: gzip")
    assert code == 403 and "http.graphql-catastrophic" in obj["errors"][0]["extensions"]["rules"], obj
    code, obj = _post_file(proxy, railway, tmp_path, b"(\xb5/\xfd\x00\x00", "Content-Encoding: zstd")
    assert code in (400, 403, 415), obj
    assert railway.calls == [] and VOLUME_ID in railway.volumes
