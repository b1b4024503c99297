"""``interlock gateway postgres``: the command line of the PostgreSQL wire gateway (``pgwire``).

Kept import-light: the CLI registers it on every ``interlock`` call; asyncio, ssl and the
protocol load only when the gateway runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..policy import POSTGRES_GATEWAY_LISTEN


def add_parser(gsub):
    """``interlock gateway postgres`` on the ``gateway`` sub-parsers."""
    g = gsub.add_parser("postgres", help="the PostgreSQL wire gateway: agents connect to it, every statement "
                                         "judged; the upstream login comes from the vault (docs/gateways.md)")
    g.add_argument("--listen", default=None,
                   help=f"HOST:PORT (default: [gateways.postgres.UPSTREAM] listen, else {POSTGRES_GATEWAY_LISTEN}; "
                        "port 0 picks one)")
    g.add_argument("--upstream", required=True, help="the policy's [databases.NAME] to log in to")
    g.add_argument("--cwd", default=None, help="judge as if in this directory (its project policy applies)")
    g.add_argument("--branch", default=None, help=argparse.SUPPRESS)   # interlock sandbox: serve this branch
    g.add_argument("--record", default=None, help=argparse.SUPPRESS)   # interlock sandbox: its statement log
    g.add_argument("--branch-user", default=None, help=argparse.SUPPRESS)            # and the branch's own role,
    g.add_argument("--branch-password-vault", default=None, help=argparse.SUPPRESS)  # its password's vault entry
    g.add_argument("--system", action="store_true",
                   help="system mode: run as the service user (started as root it drops to it), with the system "
                        "policy and the service's vault; agents' `interlock run` points at it")
    g.set_defaults(func=main)


def _listen(spec: str):
    host, _, port = spec.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(args) -> int:
    from ..redact import redact

    env = dict(os.environ)
    syscfg = None
    if getattr(args, "system", False):
        from ..system import SystemError_
        from .http import GatewayError, system_env

        try:
            env, syscfg = system_env("postgres")
        except (OSError, SystemError_, GatewayError) as e:
            print(f"interlock gateway postgres: system mode: {e}", file=sys.stderr)
            return 1
    listen = args.listen
    if listen is None:  # the policy's [gateways.postgres.UPSTREAM] listen (a unit gives no --listen)
        try:
            from .. import policy as P

            spec = ((P.load(None, env).user.gateways or {}).get("postgres") or {}).get(args.upstream) or {}
            listen = spec.get("listen")
        except Exception:  # noqa: BLE001 - the policy error is reported below, where it is loaded again
            listen = None
        listen = listen or POSTGRES_GATEWAY_LISTEN
    try:
        host, port = _listen(listen)
    except ValueError:
        print(f"interlock gateway postgres: --listen wants HOST:PORT, got {listen!r}", file=sys.stderr)
        return 64
    try:
        import asyncio

        from ..engine import Context
        from . import pgwire

        cwd = os.path.abspath(args.cwd) if getattr(args, "cwd", None) else os.getcwd()
        ctx = Context(cwd, env=env)
        up = pgwire.Upstream.from_policy(args.upstream, ctx.policy, env)
        if host not in ("127.0.0.1", "::1", "localhost") and not (up.gateway_password and up.gateway_tls):
            raise pgwire.GatewayConfigError(f"listening on {host} (beyond the loopback) needs a gateway password "
                                            f"and TLS: [databases.{up.name}] gateway_password_vault, "
                                            f"gateway_tls_cert and gateway_tls_key")
        if getattr(args, "branch", None):  # interlock sandbox: the agent's database is a branch of this one
            from ..sandbox.dbbranch import Rehearsal

            up.aliases = (up.database,)
            up.database = args.branch
            if not (args.branch_user and args.branch_password_vault):
                raise pgwire.GatewayConfigError("a sandbox branch is served only with its own role")
            up.user = args.branch_user
            up.password = pgwire._vault_get(args.branch_password_vault, env, "the sandbox branch's role")
        judge = pgwire.Judge(up, cwd, env)
        if getattr(args, "branch", None):
            judge.rehearse = Rehearsal(args.record, args.branch, args.upstream)
    except Exception as e:  # noqa: BLE001
        print(f"interlock gateway postgres: {redact(str(e))}", file=sys.stderr)
        return 2
    try:
        runner = asyncio.run
        if env.get("INTERLOCK_GATEWAY_LOOP", "uvloop") != "asyncio":
            try:  # libuv's event loop (the `gateway` extra): the relay's reads and writes stay in C
                import uvloop

                runner = uvloop.run
            except ImportError:
                pass
        state = []

        def ready(gw):  # `interlock status` lists it (removed when the gateway exits)
            import time

            from .http import _write_state

            if syscfg is not None:  # where agents' `interlock run` finds it (no value: the password stays here)
                from .http import publish
                from .run import _pg_url, _pg_vars

                url = _pg_url(f"tcp://{host}:{gw.port}", (ctx.policy.user.databases or {}).get(up.name) or {})
                spec = ((ctx.policy.user.gateways or {}).get("postgres") or {}).get(up.name) or {}
                point = _pg_vars(url) if spec.get("database_url", True) else {}
                point.update({str(v): url for v in spec.get("env") or ()})
                state.append(publish(syscfg, f"postgres-{up.name}", {"kind": "postgres", "pid": os.getpid(),
                                                                     "url": url, "point": point}))
            try:
                state.append(_write_state(env, {"kind": "postgres", "pid": os.getpid(), "upstream": up.name,
                                                "listen": f"{host}:{gw.port}", "url": f"postgresql://{host}:{gw.port}/"
                                                f"{up.database}", "started": time.time()}, kind="postgres"))
            except OSError:
                pass
        try:
            runner(pgwire.serve(up, judge, host, port, ready))
        finally:
            for p in state:
                try:
                    os.unlink(p)
                except OSError:
                    pass
    except OSError as e:
        print(f"interlock gateway postgres: cannot listen on {host}:{port}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
