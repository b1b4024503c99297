"""Local stand-ins for the providers' APIs Interlock guards: for the demo and the tests, never for production."""

STANDINS = {"railway": "Railway's public GraphQL API (/graphql/v2) with one production volume and its backups"}


def add_parser(sub):
    """``interlock standin railway``: run a stand-in in the foreground, for trying the gateways by hand
    (stdlib only until it runs)."""
    p = sub.add_parser("standin", help="run a local stand-in for a provider's API (railway), to try the "
                                       "gateways against something that is not production",
                       description="Serve a local stand-in for a provider's API on 127.0.0.1 until Ctrl-C: "
                                   + "; ".join(f"{k}: {v}" for k, v in STANDINS.items()) + ".")
    p.add_argument("name", choices=sorted(STANDINS), help="which API")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--token-env", metavar="VAR", help="accept only the bearer token in this environment "
                                                      "variable (default: any request is authorised)")
    p.set_defaults(func=_cmd_standin)


def _cmd_standin(args) -> int:
    import os
    import signal
    import sys
    import threading

    from .railway import VOLUME_ID, RailwayStandIn

    token = None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if not token:
            print(f"interlock standin: ${args.token_env} is empty", file=sys.stderr)
            return 2
    try:
        api = RailwayStandIn(token=token, port=args.port)
    except OSError as e:
        print(f"interlock standin: cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    vol = api.volumes[VOLUME_ID]
    print(f"Railway stand-in at {api.url} — volume {VOLUME_ID} ({vol['name']}) with {len(vol['backups'])} "
          f"backups; {'one bearer token accepted' if token else 'any request authorised'}. Ctrl-C stops it.\n"
          "Route the HTTP gateway to it (~/.config/interlock/policy.toml), then `interlock gateway http`:\n"
          "  [gateways.http.routes.railway]\n"
          f"  upstream = \"{api.base}\"\n"
          "  judge_as = \"https://backboard.railway.com\"   # judged as the real API\n"
          "  credential = \"railway\"                       # interlock secrets vault add railway", flush=True)
    try:
        stop.wait()
    finally:
        api.close()
    deletes = len(api.received("volumeDelete"))
    print(f"stopped: {len(api.calls)} request(s) received, volumeDelete calls: {deletes}; the volume "
          + ("was deleted" if VOLUME_ID not in api.volumes else "is still there"), flush=True)
    return 0
