"""``interlock init --system``, ``interlock daemon --system`` and the human's commands in system mode.

See ``system.py`` for the model and docs/system-mode.md for the setup.
"""

from __future__ import annotations

import json
import os
import shlex
import sys

from . import system as S

UNIT = """[Unit]
Description=Interlock: judges what AI coding agents do (system mode)
After=network.target

[Service]
Type=simple
User={user}
Group={group}
ExecStart={cmd} daemon --system
Environment=INTERLOCK_SYSTEM_CONFIG={config}
RuntimeDirectory=interlock
RuntimeDirectoryMode=0755
StateDirectory=interlock
StateDirectoryMode=0700
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths={state}
PrivateTmp=yes
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
"""

# The gateways as the service user: they alone read the vault; `interlock run` points agents at them
# (templates: interlock-gateway-postgres@NAME serves [databases.NAME], interlock-gateway-mcp@NAME
# [gateways.mcp.NAME]).
GATEWAY_UNITS = {"http": ("HTTP gateway", "http --system"),
                 "https-proxy": ("HTTPS proxy", "https-proxy --system"),
                 "postgres@": ("PostgreSQL gateway %i", "postgres --system --upstream %i"),
                 "mcp@": ("MCP gateway %i", "mcp --system --name %i")}
UNIT_GATEWAY = """[Unit]
Description=Interlock {title} (system mode: the vault's credentials, as the service user)
After=network.target interlock.service

[Service]
Type=simple
User={user}
Group={group}
ExecStart={cmd} gateway {args}
Environment=INTERLOCK_SYSTEM_CONFIG={config}
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths={state} {run}
PrivateTmp=yes
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
"""

def managed() -> dict:
    """{agent: (path under the root, what holds there)}: where each agent reads settings its users
    cannot change (Linux paths) — each agent module's ``MANAGED``, for the agents that have one."""
    from . import agents

    return {n: agents.module(n).MANAGED for n in agents.AGENTS if getattr(agents.module(n), "MANAGED", None)}


def add_parsers(sub):
    d = sub.add_parser("daemon", help="system mode: run Interlock's daemon as the service user "
                                      "(systemd runs it; use it directly in a container)")
    d.add_argument("--system", action="store_true", required=True,
                   help="serve the system socket (started as root, it drops to the service user)")
    d.set_defaults(func=cmd_daemon)


def _err(msg) -> int:
    print(f"interlock: {msg}", file=sys.stderr)
    return 1


def cmd_daemon(args) -> int:
    try:
        cfg = S.load_config()
    except S.SystemError_ as e:
        return _err(str(e))
    if cfg is None:
        return _err(f"no system configuration ({S.DEFAULT_CONFIG}): run `sudo interlock init --system` first")
    try:
        return S.serve(cfg) or 0
    except (OSError, S.SystemError_) as e:
        return _err(f"{type(e).__name__}: {e}")


# --- init --system ----------------------------------------------------------------------------------------

def _write_root_file(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(tmp, 0, 0)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _user_exists(name) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _hook_base() -> str:
    """The hook command: this interpreter's interlock, which must not be writable by agents."""
    return f"{shlex.quote(sys.executable)} -I -m interlock"


def code_writable_by_others() -> list[str]:
    """Places of Interlock's code (or its interpreter) a non-root user could change."""
    import interlock

    bad = []
    pkg = os.path.dirname(os.path.abspath(interlock.__file__))
    for p in (pkg, os.path.dirname(pkg), os.path.realpath(sys.executable), sys.prefix):
        try:
            st = os.stat(p)
        except OSError:
            continue
        if st.st_uid != 0 or st.st_mode & 0o022:
            bad.append(p)
    return bad


def managed_hooks(root="/", base=None) -> dict:
    """{agent: (path, text)} of the managed settings with Interlock's hooks merged in (each agent
    module's ``managed_settings``)."""
    from . import agents

    base = base or _hook_base()
    out = {}
    for agent, (rel, _) in managed().items():
        path = os.path.join(root, rel)
        try:
            with open(path) as f:
                existing = json.load(f)
        except FileNotFoundError:
            existing = {}
        s = agents.module(agent).managed_settings(existing, base)
        out[agent] = (path, json.dumps(s, indent=2) + "\n")
    return out


def cmd_init_system(args) -> int:
    """As root: the service user, its state, the configuration, the unit and the pinned hooks."""
    import subprocess

    if os.geteuid() != 0:
        return _err("system mode is set up by root: sudo interlock init --system")
    root = os.environ.get("INTERLOCK_SYSTEM_ROOT", "/")
    user = os.environ.get("INTERLOCK_SERVICE_USER", "interlock")
    config = os.environ.get("INTERLOCK_SYSTEM_CONFIG") or os.path.join(root, "etc/interlock/system.toml")
    state = os.path.join(root, "var/lib/interlock")
    run = os.path.join(root, "run/interlock")
    policy_dir = os.path.dirname(config)
    dry = getattr(args, "dry_run", False)
    if not _user_exists(user) and not dry:
        subprocess.run(["useradd", "--system", "--home-dir", state, "--no-create-home", "--shell",
                        "/usr/sbin/nologin", "--user-group", user], check=True)
    text = (f'# Interlock system mode (interlock init --system)\nuser = "{user}"\nstate = "{state}"\n'
            f'run = "{run}"\npolicy_dir = "{policy_dir}"\n'
            f'# calls judged at once; over it the hook denies "busy"\n'
            f'max_children = {int(os.environ.get("INTERLOCK_SYSTEM_MAX_CHILDREN") or S.DEFAULT_MAX_CHILDREN)}\n')
    anchor = os.environ.get("INTERLOCK_AUDIT_ANCHOR")  # e.g. https://audit.example.com/anchor
    if anchor:
        text += f'anchor_url = "{anchor}"\nanchor_every = {float(os.environ.get("INTERLOCK_AUDIT_ANCHOR_EVERY", "60"))}\n'
    files = {config: text}
    cmd = _hook_base()
    import grp
    import pwd

    group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name if _user_exists(user) else user
    files[os.path.join(root, "etc/systemd/system/interlock.service")] = UNIT.format(
        user=user, group=group, cmd=cmd, config=config, state=state)
    for kind, (title, gargs) in GATEWAY_UNITS.items():
        files[os.path.join(root, f"etc/systemd/system/interlock-gateway-{kind}.service")] = UNIT_GATEWAY.format(
            title=title, args=gargs, user=user, group=group, cmd=cmd, config=config, state=state, run=run)
    for agent, (path, t) in managed_hooks(root, cmd).items():
        files[path] = t
    if dry:
        for p, t in files.items():
            print(f"--- {p}\n{t}")
        return 0
    for p, t in files.items():
        _write_root_file(p, t)
        print(f"wrote {p}")
    cfg = S.load_config({"INTERLOCK_SYSTEM_CONFIG": config})
    S._prepare_dirs(cfg)
    print(f"state {state} (0700, {user}); socket {cfg.socket}")
    bad = code_writable_by_others()
    if bad:
        print("WARNING: Interlock's code or interpreter can be changed by a non-root user: "
              + ", ".join(bad) + "\n  install it into a root-owned venv (sudo python3 -m venv /opt/interlock; "
              "sudo /opt/interlock/bin/pip install interlock) and run init --system from there", file=sys.stderr)
    print("next: sudo systemctl daemon-reload && sudo systemctl enable --now interlock\n"
          "      sudo interlock approvers add NAME   (the first approver is added by root)\n"
          "      interlock doctor")
    return 0


# --- the human's side, through the daemon -------------------------------------------------------------

def active():
    """The system configuration when system mode is on (None otherwise); raises when it is broken."""
    return S.load_config()


def _secret(prompt, fd):
    from .approvals.cli import read_secret

    return read_secret(prompt, fd, allow_env_file=True)[0]


def approve(cfg, args, verb) -> int:
    name = getattr(args, "approver", None)
    try:
        secret = _secret(f"secret for approver {name or '(the only approver)'} (not echoed): ", args.secret_fd)
        header = {"op": verb, "id": args.id, "approver": name, "secret": secret}
        if verb == "reject":
            header["reason"] = args.reason
        elif getattr(args, "minutes", None):
            header.update(scope="window", minutes=args.minutes)
        elif getattr(args, "session", False):
            header.update(scope="session", minutes=None)
        out = S.cli_request(cfg, header)
    except Exception as e:
        return _err(f"{type(e).__name__}: {e}")
    if not out.get("ok"):
        return _err(out.get("error") or "refused")
    req = out["request"]
    print(f"{verb}d {req['id']}: now {req['state']}"
          + (f" (approvers: {', '.join(v['approver'] for v in req['votes'] if v['verdict'] == 'approve')})"
             if verb == "approve" else ""))
    return 0


def approvals(cfg, args) -> int:
    try:
        out = S.cli_request(cfg, {"op": "approvals", "all": bool(getattr(args, "all", False))})
    except Exception as e:
        return _err(f"{type(e).__name__}: {e}")
    reqs = out.get("requests") or []
    if getattr(args, "json", False):
        print(json.dumps(reqs, indent=2, ensure_ascii=False))
        return 0
    if not reqs:
        print("no pending approval requests")
    for r in reqs:
        print(f"{r['id']}  {r['state']}  {r['severity']}  {r['action']}")
    return 0


def approvers(cfg, args) -> int:
    try:
        if args.action == "list":
            out = S.cli_request(cfg, {"op": "approvers"})
            for r in out.get("approvers") or []:
                print(f"{r['name']:24} added {r['added']}")
            return 0
        if args.action != "add" or not args.name:
            return _err("in system mode: interlock approvers add NAME | list")
        from .approvals.cli import _new_secret

        header = {"op": "approvers-add", "name": args.name, "secret": _new_secret(args.name, args.secret_fd)}
        if S.cli_request(cfg, {"op": "approvers"}).get("approvers"):  # an existing approver authorises it
            header["by"] = args.by
            header["by_secret"] = _secret(f"secret of the approver who authorises this ({args.by or 'the only one'}): ",
                                          None)
        out = S.cli_request(cfg, header)
    except Exception as e:
        return _err(f"{type(e).__name__}: {e}")
    if not out.get("ok"):
        return _err(out.get("error") or "refused")
    print(f"approver {out['added']} added (by {out['by']})")
    return 0


def _gemini_disables_interlock(paths) -> str | None:
    for p in paths:
        try:
            with open(p) as f:
                d = json.load(f)
        except (OSError, ValueError):
            continue
        dis = ((d.get("hooksConfig") or {}).get("disabled") or []) if isinstance(d, dict) else []
        if any("interlock" in str(x) for x in dis):
            return p
    return None


def doctor_checks(add, root="/", home=None, cwd=None):
    """System mode and pinned hooks, for `interlock doctor`."""
    home = home or os.path.expanduser("~")
    cwd = cwd or os.getcwd()
    bad = _gemini_disables_interlock([os.path.join(home, ".gemini", "settings.json"),
                                      os.path.join(cwd, ".gemini", "settings.json")])
    if bad:
        add("FAIL", f"gemini: {bad} disables Interlock's hook (hooksConfig.disabled)", "",
            f"remove it from hooksConfig.disabled in {bad}")
    try:
        cfg = S.load_config()
    except S.SystemError_ as e:
        add("FAIL", "system mode configuration is broken: every hook call denies", str(e),
            "sudo interlock init --system")
        return
    if cfg is None:
        add("info", "single-user mode: Interlock's state and code belong to the agent's user",
            "self-protection rests on the command analysis alone",
            "on a machine with production access: sudo interlock init --system (docs/system-mode.md)")
        return
    try:
        S.request(cfg, {"op": "approvers"}, timeout_s=5)
        add("ok", f"system daemon answers as {cfg.user}", cfg.socket)
    except OSError as e:
        add("FAIL", "system daemon not answering: every hook call denies", f"{type(e).__name__}: {e}",
            "sudo systemctl start interlock")
    st = None
    try:
        st = os.stat(cfg.state)
    except OSError:
        pass
    if st is not None and (st.st_uid != cfg.uid or st.st_mode & 0o077):
        add("FAIL", f"{cfg.state} is not private to {cfg.user}", oct(st.st_mode & 0o777), "sudo interlock init --system")
    for agent, (rel, what) in managed().items():
        path = os.path.join(root, rel)
        try:
            st = os.stat(path)
            with open(path) as f:
                text = f.read()
        except OSError:
            add("warn", f"{agent}: no managed settings with Interlock's hook ({path})", what,
                "sudo interlock init --system")
            continue
        if st.st_uid != 0 or st.st_mode & 0o022:
            add("FAIL", f"{agent}: {path} can be changed by a non-root user", oct(st.st_mode & 0o777),
                f"sudo chown root: {path}; sudo chmod 644 {path}")
        elif f"hook {agent}" not in text:
            add("FAIL", f"{agent}: Interlock's hook is missing from {path}", "", "sudo interlock init --system")
        else:
            add("ok", f"{agent}: hook pinned in {path}", what)
    bad = code_writable_by_others()
    if bad:
        add("FAIL", "Interlock's code can be changed by a non-root user", ", ".join(bad),
            "install into a root-owned venv (docs/system-mode.md)")
