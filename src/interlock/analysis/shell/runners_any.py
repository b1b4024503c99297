"""Programs in any language, run by an interpreter or a compiler-runner (go run, cargo run, java X.java,
kotlinc -script, dotnet run/script, pwsh, lua, Rscript, swift, ...): their source is read and scanned by
``analysis.anylang`` (the floor under every language); each request it can send is judged by the HTTP
catalogue.  The runner's own handler, when it has one, still runs afterwards."""

from __future__ import annotations

import glob as _glob
import os

from .. import paths as P
from ..paths import UNKNOWN_MARK as U

_RUNNERS = None


def runners() -> dict:
    global _RUNNERS
    if _RUNNERS is None:
        from ..hunt import data

        _RUNNERS = data()["languages"]["runners"]
    return _RUNNERS


def scan_and_emit(a, cmd, text, where=None, lang=None) -> int:
    """Judge what the program text can send; the number of findings added."""
    from .. import anylang
    from ..http import Request, emit_request

    n = len(a.findings)
    try:
        reqs, unplaced = anylang.scan(text, lang)
    except Exception as e:  # never crash the hook
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"could not scan the program: {type(e).__name__}")
        return len(a.findings) - n
    sub = cmd.derive(cmd.argv) if where is None else cmd
    _secret_paths(a, cmd, text)
    from ..anyeffects import store_calls

    for rule, env in store_calls(text)[:4]:  # `$r->flushAll()`, `client.drop_database("app")`: the store's data
        a.emit(rule, cmd, target="the store the program connects to", effect="delete", environment=env,
               note="a client library call in the program")
    for method, url, body in reqs:
        emit_request(a, sub, Request(method, url, body, (), client="code"))
    for doc in unplaced[:3]:
        names = [k for k in anylang._mutation_names() if k in doc]
        if names:
            a.emit("http.graphql-unparsed", cmd, target=names[0], effect="http",
                   note=f"the program names the destructive operation {names[0]} but not where it is sent")
    return len(a.findings) - n


def act_and_emit(a, cmd, scope, name, text):
    """What the program does to files and processes (analysis.anyeffects): shell lines, trees deleted."""
    from .. import anyeffects
    from .programs import apply_effects

    try:
        found = anyeffects.effects(text, name)
    except Exception as e:  # never crash the hook: a program that could not be read could do anything
        a.emit("shell.opaque-eval", cmd, effect="run", note=f"could not read the program: {type(e).__name__}")
        return
    apply_effects(a, name, found, cmd, scope)
    from . import netshell

    netshell.code(a, name, text, cmd)  # a connection handed to a shell (Go, Java, Lua, C#…)
    store = anyeffects.secret_store(text)
    if store:
        a.emit("secrets.tool-output", cmd, target="a secret from the OS keyring or a password store",
               effect="reveal-secret", note=f"the program calls {store}")
    dump = anyeffects.environment_dump(text, name)
    if dump:
        a.emit("secrets.env-dump", cmd, target="the environment", effect="reveal-secret",
               note=f"the program reads every environment variable ({dump})")


def _secret_paths(a, cmd, text):
    """Credential use: a literal path of a secret file in the program (~/.railway/config.json, .env,
    ~/.aws/credentials), in any language."""
    from .. import anylang
    from ..secrets import glob_may_name_secret, is_secret_path

    for lit in anylang.literals(text, limit=2000):
        s = lit.strip()
        if not (2 < len(s) < 300) or "\n" in s or " " in s or not (s.startswith(("~/", "/", "./", ".")) or "/." in s):
            continue
        if s.startswith("//") or "://" in s:
            continue
        # "/.railway/config.json" joined to the home directory (os.Getenv("HOME") + …, Path.home() / …)
        for cand in ([s, "~" + s] if s.startswith("/.") else [s]):
            try:
                path = P.resolve(cand, a.pctx)
            except Exception:
                continue
            if is_secret_path(path, a.pctx.home, a.secret_extra, a.secret_exempt) or (
                "*" in path and glob_may_name_secret(path, a.pctx.home, a.secret_extra, a.secret_exempt)):
                a.emit("secrets.read-file", cmd, target=P.display(path, a.pctx), effect="read-secret",
                       note="the program reads this file")
                return


def _project_text(a, base, globs, limit_files, limit_bytes):
    parts = []
    total = 0
    seen = 0
    for g in globs:
        for path in sorted(_glob.glob(os.path.join(base, g), recursive=True)):
            if seen >= limit_files or total >= limit_bytes:
                break
            if path.endswith("_test.go"):
                continue
            t = a.read_file(path) if path not in a.written_text else a.written_text[path]
            if a.session_files:
                a.remembered(path, _CMD[0]) if _CMD else None
            if t is None:
                continue
            seen += 1
            total += len(t)
            parts.append(t)
    return "\n".join(parts)


_CMD = []  # the command whose project is being read (for session memory's findings)


#: names a runner reads its standard input by (`go run /dev/stdin <<'EOF'`)
_STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def program_text(a, cmd, scope, spec):
    """The source a runner would run (files named, the project's sources, -e code), or None."""
    from ..hunt import data

    _CMD[:] = [cmd]

    lim = data()["languages"]
    max_files, max_bytes = int(lim.get("max_files", 40)), int(lim.get("max_bytes", 1 << 20))
    args = list(cmd.args)
    sub = spec.get("sub")
    if sub is not None:
        subs = sub.split("|")
        if args and args[0] in subs:
            args = args[1:]
        elif "" not in subs:
            return None
    texts = []
    code_flags = spec.get("code", [])
    exts = tuple(spec.get("ext", []))
    operands = []
    i = 0
    while i < len(args):
        x = args[i]
        if x == "--":
            break  # the program's own arguments
        if x in code_flags and i + 1 < len(args):
            texts.append(args[i + 1])
            i += 2
            continue
        if x in ("-File", "-file", "-f", "--manifest-path", "--project", "-script") and i + 1 < len(args):
            operands.append(args[i + 1])
            i += 2
            continue
        if x.startswith(("--manifest-path=", "--project=")):
            operands.append(x.split("=", 1)[1])
        elif not x.startswith("-"):
            operands.append(x)
        i += 1
    ctx = a._scope_ctx(scope)
    for flag, globs in (spec.get("targets") or {}).items():
        name = next((args[k + 1] for k, x in enumerate(args[:-1]) if x == flag), None) or next(
            (x.split("=", 1)[1] for x in args if x.startswith(flag + "=")), None)
        if name and U not in name and "/" not in name:
            base = scope.cwd if U not in scope.cwd else a.pctx.cwd
            text = _project_text(a, base, [g.replace("{}", name) for g in globs] + spec.get("shared", []),
                                 max_files, max_bytes)
            return text[:max_bytes] if text else None
    for x in operands:
        if U in x:
            continue
        path = P.resolve(x, ctx)
        if exts and path.endswith(exts):
            if a.session_files:
                a.remembered(path, cmd)
            t = a.written_text.get(path) or a.read_file(path)
            if t is not None:
                texts.append(t)
            continue
        if spec.get("project") and spec.get("manifests") and path.endswith(tuple(spec["manifests"])):
            # the manifest names the project: its directory's sources are what runs
            texts.append(_project_text(a, os.path.dirname(path), spec["project"], max_files, max_bytes))
            continue
        if spec.get("project") and os.path.isdir(path):
            texts.append(_project_text(a, path, spec["project"], max_files, max_bytes))
    if not texts and spec.get("project") and (not operands or operands[0] in (".", "./") or all(
            # `cargo run --bin scan`, `cargo run -q --example x`: words that are no path of this machine are the
            # runner's option values or the program's arguments: the project's own sources are what runs
            U not in x and "@" not in x and "://" not in x and not os.path.exists(P.resolve(x, ctx))
            for x in operands)):
        base = scope.cwd if U not in scope.cwd else a.pctx.cwd
        texts.append(_project_text(a, base, spec["project"], max_files, max_bytes))
    if not texts and cmd.stdin and cmd.stdin[0] == "text" and all(x in _STDIN_NAMES for x in operands):
        texts.append(cmd.stdin[1])  # `julia <<'EOF'`, `jshell <<< '…'`, `lua - <<EOF`: the program is what stdin holds
    text = "\n".join(t for t in texts if t)
    return text[:max_bytes] if text else None


def wrap(name, orig):
    def handler(a, cmd, scope):
        spec = runners().get(name) or runners().get(cmd.name)
        if spec:
            try:
                text = program_text(a, cmd, scope, spec)
            except Exception as e:
                text = None
                a.emit("shell.opaque-eval", cmd, effect="run", note=f"could not read the program: {type(e).__name__}")
            if text:
                from .. import anylang
                from .hunting import inline as _hunt

                _hunt(a, name, text, cmd)
                exts = spec.get("ext") or []
                scan_and_emit(a, cmd, text, lang=anylang.EXT_LANG.get(exts[0]) if exts else
                              ("rust" if name == "cargo" else None))
                act_and_emit(a, cmd, scope, name, text)
        if orig is not None:
            orig(a, cmd, scope)
    handler.__name__ = f"runner_{name}"
    return handler


def register(handlers, fallback):
    import tomllib  # noqa: F401  (data is read lazily; the names are needed now)

    from ..hunt import data

    for name in data()["languages"]["runners"]:
        h = wrap(name, handlers.get(name) or fallback)
        h.judges_args = name in handlers  # False: only the fallback judges its words (`cargo publish`: clis)
        handlers[name] = h
