"""Settings that decide what later commands run or where they fetch code from (knowledge/settings.toml).

`npm config set registry URL`, `pip config set global.index-url URL`, `git config url.X.insteadOf Y`: every
later install or clone fetches from there (``pkg.source-redirect`` unless the host is a public default);
`git config credential.helper '!cmd'`: git hands that command every credential (``git.credential-helper``
unless a known store); `git config include.path FILE`: what FILE sets applies (asked unless in the workspace);
`npm config set script-shell PROG`, `npm pkg set scripts.postinstall CMD`: judged as the commands they are.
One reader, `judge_setting`, for git (called from shell/git.py) and for the tools' own `config set`.
"""

from __future__ import annotations

import fnmatch
import os
import re

from ...knowledge import KnowledgeError, model
from .. import paths as P
from ..paths import UNKNOWN_MARK as U


class _Model:
    def __init__(self, raw):
        self.tools = {}
        for t in raw["tools"].values():
            for n in t["names"]:
                self.tools.setdefault(n, []).extend(tuple(p) for p in t["set"])
        self.keys = {kind: [re.compile(fnmatch.translate(k).replace(".*", "[^ ]+", 0)) for k in ks]
                     for kind, ks in raw["keys"].items()}
        self.public = frozenset(raw["public_sources"])
        self.helpers = tuple(raw["known_helpers"])
        self.examples = [(c, r) for c, r in raw.get("examples", [])]


def _model():
    return model("settings.toml", _Model)


def tools():
    try:
        return frozenset(_model().tools)
    except KnowledgeError:
        return frozenset()


def kind_of(key: str):
    """The kind of a setting (source, command, include, credential), or None."""
    k = key.lower()
    for kind, pats in _model().keys.items():
        if any(p.match(k) for p in pats):
            return kind
    return None


def _host(value):
    m = re.match(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^/:?#]+)", value.strip().strip("'\""), re.I)
    return m.group(1).lower() if m else None


def judge_setting(a, cmd, scope, key, value, tool="git"):
    """Report what setting ``key`` to ``value`` makes later commands do."""
    try:
        kind = kind_of(key)
        mdl = _model()
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=key, effect="unknown",
               note=f"knowledge/settings.toml does not load, so this setting is asked: {e}")
        return
    if kind is None or value is None:
        return
    value = value.strip()
    if kind == "source":
        # `url.<base>.insteadOf <prefix>`: the key names where fetches now go
        where = key[4:key.lower().rindex(".")] if key.lower().startswith("url.") else value
        host = _host(where) or (None if U in where else where.split("/")[0].lower())
        if host and host in mdl.public:
            return
        from .clis import _show

        a.emit("pkg.source-redirect", cmd, target=f"{tool} {key}", effect="redirect",
               note=f"later installs or fetches come from {_show(where)[:80]}")
    elif kind == "command":
        from . import programs

        if key.lower() in ("script-shell", "shell", "yarnpath") and value and " " not in value and U not in value:
            path = P.resolve(value, a._scope_ctx(scope))
            if not (os.path.isfile(path) and path.startswith(("/bin/", "/usr/bin/", "/usr/local/bin/"))):
                a.emit("shell.opaque-eval", cmd, effect="run",
                       note=f"{tool} runs every script through {value}, a program that is not a system shell")
            return
        programs.command_value(a, cmd, scope, key, value)
    elif kind == "include":
        ws = a.pctx.workspace
        if U in value:
            path = U
        elif not value.startswith(("/", "~")) and ws and not {"--global", "--system"} & set(cmd.args):
            path = os.path.normpath(os.path.join(ws, ".git", value))  # relative to the repository's .git/config
        else:
            path = P.resolve(value, a._scope_ctx(scope))
        if U not in path and ws and (path == ws or path.startswith(ws.rstrip("/") + "/")):
            return  # the project's own configuration file
        a.emit("shell.opaque-eval", cmd, effect="run",
               note=f"a git configuration pulled in from {P.display(path, a.pctx) if U not in path else value}: its "
                    "aliases, pager, hooks and helpers apply to every later git command")
    elif kind == "credential":
        if not value or value.startswith(mdl.helpers) or value in ("''", '""'):
            return
        from . import programs

        if value.startswith("!"):
            programs.command_value(a, cmd, scope, key, value)
        a.emit("git.credential-helper", cmd, target=value[:80], effect="configure",
               note="git hands this command every username and password it is asked for")


def judge_cli(a, cmd, scope):
    """`npm config set KEY VALUE` / `KEY=VALUE`, `pip config set KEY VALUE`, `yarn config set`, `npm pkg set`."""
    try:
        forms = _model().tools.get(cmd.name.rsplit("/", 1)[-1])
    except KnowledgeError:
        return
    if not forms:
        return
    words = [x for x in cmd.args if not x.startswith("-")]
    for form in forms:
        if tuple(words[:len(form)]) == form:
            rest = words[len(form):]
            if form == ("source", "add") and len(rest) >= 2:
                judge_setting(a, cmd, scope, "repositories." + rest[0], rest[1], tool=cmd.name)
                return
            pairs = []
            if rest and "=" in rest[0] and not (len(rest) > 1 and "=" not in rest[1] and form == ("pkg", "set")):
                pairs = [r.split("=", 1) for r in rest if "=" in r]
            elif len(rest) >= 2:
                pairs = [(rest[0], rest[1])]
            for k, v in pairs:
                judge_setting(a, cmd, scope, k, v.strip("'\""), tool=cmd.name)
            return
