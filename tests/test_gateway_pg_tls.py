"""The PostgreSQL gateway's two logins, for real: SCRAM-SHA-256 and TLS between the client and the
gateway, and TLS (verified against a CA) between the gateway and the upstream.

A real PostgreSQL is started with TLS on; certificates are made here by a throwaway CA
(``cryptography``); clients are psql and psycopg.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import struct
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from servers import PostgresServer, free_port  # noqa: E402
from test_gateway_pg import EXE, ROOT, _wait_port  # noqa: E402

PW = "upstream-Tls-7d1e"
GW_PW = "gateway-Local-4b2a"


def _ca(tmp, name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: str(tmp / f"{name}-{k}.pem") for k in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(paths["key"], 0o600)
    return paths


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    t = tmp_path_factory.mktemp("certs")
    return {"server": _ca(t, "server"), "other": _ca(t, "other")}


@pytest.fixture(scope="module")
def pg(certs):
    s = PostgresServer(PW).start()
    st = os.stat(s.data)
    for k in ("cert", "key"):  # the server reads them as its own user; the key must be 0600 and its own
        dst = os.path.join(s.base, f"server.{k}")
        with open(certs["server"][k], "rb") as f, open(dst, "wb") as g:
            g.write(f.read())
        os.chown(dst, st.st_uid, st.st_gid)
        os.chmod(dst, 0o600 if k == "key" else 0o644)
    with s.connect(autocommit=True) as c:
        c.execute(f"ALTER SYSTEM SET ssl_cert_file = '{s.base}/server.cert'")
        c.execute(f"ALTER SYSTEM SET ssl_key_file = '{s.base}/server.key'")
        c.execute("ALTER SYSTEM SET ssl = on")
        c.execute("SELECT pg_reload_conf()")
    s.create_db("app")
    yield s
    s.stop()


def _env(tmp, databases: str, vault: dict):
    home = tmp / "home"
    (home / ".config" / "interlock").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG", "XDG_"))}
    env.update(HOME=str(home), INTERLOCK_HOME=str(tmp / "state"), XDG_CONFIG_HOME=str(home / ".config"),
               INTERLOCK_VAULT_BACKEND="file", INTERLOCK_DAEMON="0", PYTHONPATH=os.path.join(ROOT, "src"))
    (home / ".config" / "interlock" / "policy.toml").write_text(databases)
    from interlock.vault import Vault

    for k, v in vault.items():
        Vault(env).add(k, v)
    return env


def _gateway(env, cwd, upstream="app", host="127.0.0.1"):
    port = free_port()
    p = subprocess.Popen(EXE + ["gateway", "postgres", "--listen", f"{host}:{port}", "--upstream", upstream],
                         env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p, port


def _stop(p):
    p.terminate()
    p.wait(10)
    return p.stderr.read().decode()


def _psql(env, port, sql, **kw):
    e = dict(env, PGHOST="127.0.0.1", PGPORT=str(port), PGDATABASE="app", PGUSER="agent")
    e.update(kw)
    return subprocess.run(["psql", "-X", "-Atc", sql], env=e, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_scram_and_tls_between_client_and_gateway(pg, certs, tmp_path, loop):
    s = certs["server"]
    env = _env(tmp_path, f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\n'
                         f'password_vault = "app-db"\ngateway_user = "agent"\ngateway_password_vault = "app-gw"\n'
                         f'gateway_tls_cert = "{s["cert"]}"\ngateway_tls_key = "{s["key"]}"\n',
               {"app-db": PW, "app-gw": GW_PW})
    env["INTERLOCK_GATEWAY_LOOP"] = loop
    p, port = _gateway(env, str(tmp_path))
    try:
        _wait_port(port, p)
        # the gateway asks for SCRAM-SHA-256: the password never crosses the wire
        with socket.create_connection(("127.0.0.1", port)) as c:
            body = b"user\x00agent\x00database\x00app\x00\x00"
            c.sendall(struct.pack("!II", len(body) + 8, 196608) + body)
            head = c.recv(5)
            rest = c.recv(struct.unpack("!I", head[1:5])[0] - 4)
            assert head[:1] == b"R" and struct.unpack("!I", rest[:4])[0] == 10 and b"SCRAM-SHA-256" in rest
        ok = _psql(env, port, "SELECT 1 + 1", PGPASSWORD=GW_PW, PGSSLMODE="verify-full", PGSSLROOTCERT=s["ca"])
        assert ok.returncode == 0 and ok.stdout.strip() == "2", ok.stderr
        bad = _psql(env, port, "SELECT 1", PGPASSWORD="wrong-" + GW_PW, PGSSLMODE="require")
        assert bad.returncode != 0 and 'password authentication failed for user "agent"' in bad.stderr
        other = _psql(env, port, "SELECT 1", PGUSER="postgres", PGPASSWORD=GW_PW, PGSSLMODE="require")
        assert other.returncode != 0 and "password authentication failed" in other.stderr
        # a client that does not trust the gateway's CA refuses it
        wrong_ca = _psql(env, port, "SELECT 1", PGPASSWORD=GW_PW, PGSSLMODE="verify-full",
                         PGSSLROOTCERT=certs["other"]["ca"])
        assert wrong_ca.returncode != 0 and "certificate verify failed" in wrong_ca.stderr
        import psycopg

        with psycopg.connect(host="localhost", port=port, dbname="app", user="agent", password=GW_PW,
                             sslmode="verify-full", sslrootcert=s["ca"], autocommit=True) as c:
            assert c.pgconn.ssl_in_use
            assert c.execute("SELECT current_user").fetchone() == ("postgres",)  # the upstream's login
            r = _psql(env, port, "DROP DATABASE app", PGPASSWORD=GW_PW, PGSSLMODE="require")
            assert r.returncode != 0 and "[interlock" in r.stderr
        import asyncio
        import ssl

        import asyncpg

        async def via_asyncpg():
            ctx = ssl.create_default_context(cafile=s["ca"])
            c = await asyncpg.connect(host="localhost", port=port, user="agent", password=GW_PW, database="app",
                                      ssl=ctx)
            try:
                return await c.fetchval("SELECT 40 + $1::int", 2)
            finally:
                await c.close()
        assert asyncio.run(via_asyncpg()) == 42
    finally:
        err = _stop(p)
    assert GW_PW not in err and PW not in err
    assert f"event loop: {loop}" in err


def test_tls_to_the_upstream_is_verified(pg, certs, tmp_path):
    s = certs["server"]
    env = _env(tmp_path, f'[databases.app]\nurl = "postgresql://postgres@localhost:{pg.port}/app"\n'
                         f'password_vault = "app-db"\nsslmode = "verify-full"\nsslrootcert = "{s["ca"]}"\n'
                         f'[databases.impostor]\nurl = "postgresql://postgres@localhost:{pg.port}/app"\n'
                         f'password_vault = "app-db"\nsslmode = "verify-full"\n'
                         f'sslrootcert = "{certs["other"]["ca"]}"\n',
               {"app-db": PW})
    p, port = _gateway(env, str(tmp_path))
    try:
        _wait_port(port, p)
        r = _psql(env, port, "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert r.returncode == 0, r.stderr
        ssl_on, version = r.stdout.strip().split("|")
        assert ssl_on == "t" and version.startswith("TLSv1.")
    finally:
        _stop(p)
    # an upstream whose certificate the configured CA did not sign: no login, a clear error
    p, port = _gateway(env, str(tmp_path), upstream="impostor")
    try:
        _wait_port(port, p)
        r = _psql(env, port, "SELECT 1", PGDATABASE="app")
        assert r.returncode != 0
        assert "upstream impostor" in r.stderr and "unavailable" in r.stderr and "CERTIFICATE_VERIFY_FAILED" in r.stderr
    finally:
        err = _stop(p)
    assert PW not in err


def test_beyond_the_loopback_needs_a_password_and_tls(pg, certs, tmp_path):
    env = _env(tmp_path, f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\n'
                         f'password_vault = "app-db"\ngateway_password_vault = "app-gw"\n',
               {"app-db": PW, "app-gw": GW_PW})
    r = subprocess.run(EXE + ["gateway", "postgres", "--listen", f"0.0.0.0:{free_port()}", "--upstream", "app"],
                       env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "gateway_tls_cert" in r.stderr and "beyond the loopback" in r.stderr
    bad = tmp_path / "policy-bad.toml"
    bad.write_text(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/app"\n'
                   f'password_vault = "app-db"\ngateway_tls_cert = "{certs["server"]["cert"]}"\n')
    os.replace(bad, os.path.join(env["XDG_CONFIG_HOME"], "interlock", "policy.toml"))
    r = subprocess.run(EXE + ["gateway", "postgres", "--listen", f"127.0.0.1:{free_port()}", "--upstream", "app"],
                       env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "needs both gateway_tls_cert and gateway_tls_key" in r.stderr
