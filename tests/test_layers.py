"""Layers: analysis reports facts and imports nothing above it; every module imports on its own.

docs/architecture.md ("Layers") names the order.  Two checks: every module of the package imported
alone in a fresh interpreter (an import cycle shows as a partially initialised module), and a
static walk of every import statement under ``analysis/`` — function-local ones included — and of
the modules outside ``analysis/`` those reach.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import interlock

PKG = os.path.dirname(os.path.abspath(interlock.__file__))
FORBIDDEN = ("engine", "adapters", "approvals", "gateways", "hookd", "cli", "sandbox", "backups", "safeguards",
             "standins", "demo", "doctor", "install", "system_cli")


#: Modules that import a computed name, known to be a third-party package (tree-sitter grammars).
DYNAMIC_THIRD_PARTY = {"interlock.analysis.anylang", "interlock.analysis.shell.parser"}


def _modules():
    out = []
    for root, dirs, files in os.walk(PKG):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        if "__init__.py" not in files:
            continue
        rel = os.path.relpath(root, PKG)
        base = "interlock" if rel == "." else "interlock." + rel.replace(os.sep, ".")
        for f in sorted(files):
            if f.endswith(".py"):
                out.append(base if f == "__init__.py" else f"{base}.{f[:-3]}")
    return sorted(out)


def _file(module):
    parts = module.split(".")[1:]
    path = os.path.join(PKG, *parts)
    return os.path.join(path, "__init__.py") if os.path.isdir(path) else path + ".py"


def _imports(module, source=None, strict=True):
    """Every interlock module ``module`` imports, anywhere in its file (absolute names)."""
    path = _file(module)
    if source is None:
        with open(path) as f:
            source = f.read()
    tree = ast.parse(source, path)
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "interlock"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.split(".")[0] != "interlock":
                continue
            out.add(name)
            for a in node.names:  # `from .. import engine` names a module
                if os.path.exists(_file(f"{name}.{a.name}")) if a.name != "*" else False:
                    out.add(f"{name}.{a.name}")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                arg = arg.values[0]  # f"interlock.analysis.shell.{name}": its constant prefix
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                name = arg.value.rstrip(".")
                if name.split(".")[0] == "interlock":
                    out.add(name)
            elif strict and module not in DYNAMIC_THIRD_PARTY:
                raise AssertionError(f"{module}: a dynamic import the static check cannot follow")
    return {m for m in out if m != "interlock"}


def _forbidden(name):
    parts = name.split(".")
    return len(parts) > 1 and parts[1] in FORBIDDEN


#: Run in one fresh interpreter that never imported interlock: it loads the standard library and
#: third-party packages once, then forks a child per module, which imports that module alone (a
#: fresh interpreter per module, as far as interlock is concerned, in a fraction of the time).
_FORK_EACH = r"""
import os, sys
for m in ("json", "re", "ast", "hashlib", "sqlite3", "subprocess", "threading", "socket", "ssl", "http.server",
          "urllib.parse", "urllib.request", "tomllib", "typing", "dataclasses", "pydantic", "asyncio", "email",
          "concurrent.futures", "argparse", "logging", "fnmatch", "shlex", "base64", "hmac", "secrets",
          "tempfile", "shutil", "selectors", "uuid", "datetime"):
    try:
        __import__(m)
    except ImportError:
        pass
assert not any(k == "interlock" or k.startswith("interlock.") for k in sys.modules)
bad = []
for m in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        sys.argv = ["interlock", "--version"]  # interlock.__main__ runs the CLI when imported
        try:
            __import__(m)
            os._exit(0)
        except SystemExit as e:
            os._exit(0 if e.code in (0, None) else 1)
        except BaseException as e:
            os.write(w, f"{type(e).__name__}: {e}".encode()[:500])
            os._exit(1)
    os.close(w)
    msg = os.read(r, 600).decode(errors="replace")
    os.close(r)
    if os.waitpid(pid, 0)[1]:
        bad.append(f"{m}: {msg}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"""


def test_every_module_imports_on_its_own():
    mods = _modules()
    assert len(mods) > 100 and "interlock.rules_infra" in mods and "interlock.analysis.shell.infra" in mods
    p = subprocess.run([sys.executable, "-c", _FORK_EACH, *mods], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]


def test_the_import_check_catches_a_cycle(tmp_path):
    """The check fails on the shape it guards against: rules_infra imported first, back when it took
    Rule from rules.py (which imports rules_infra at its end)."""
    pkg = tmp_path / "cyc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "rules.py").write_text("class Rule: pass\nfrom . import infra\nALL = list(infra.RULES)\n")
    (pkg / "infra.py").write_text("from .rules import Rule\nRULES = [Rule()]\n")
    p = subprocess.run([sys.executable, "-c", _FORK_EACH, "cyc.rules", "cyc.infra"], capture_output=True, text=True,
                       timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert p.returncode == 1 and "cyc.infra: AttributeError" in p.stdout and "cyc.rules:" not in p.stdout, p.stdout


def test_analysis_imports_nothing_above_it():
    """Nothing under analysis/ imports the engine, adapters, approvals, gateways...; nor does any
    module outside analysis/ that analysis imports (the catalogues, policy, selfprotect...), all the way down."""
    analysis = [m for m in _modules() if m.startswith("interlock.analysis")]
    bad = []
    seen = set()
    todo = [(m, m) for m in analysis]
    while todo:
        mod, via = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        if not os.path.exists(_file(mod)):
            continue  # a name imported from a module (`from ..x import y`), checked as x
        for imp in _imports(mod):
            if _forbidden(imp):
                bad.append(f"{mod} imports {imp}" + (f" (reached from {via})" if via != mod else ""))
            elif imp not in seen:
                todo.append((imp, via))
    assert not bad, bad
    # what analysis may stand on, outside analysis/: the catalogues, actions, policy, self-protection, helpers
    below = sorted(m for m in seen if not m.startswith("interlock.analysis") and os.path.exists(_file(m)))
    assert "interlock.selfprotect" in below and "interlock.engine" not in below, below


def test_the_static_check_sees_function_local_and_relative_imports():
    """The walker catches what the old layering had: a function-local `from ...engine import x` and a
    module-level `from ... import engine` (run on that source as if it were programs.py)."""
    src = "def f():\n    from ...engine import approval_store_paths\n\nfrom ... import engine as _e\nimport json\n"
    got = _imports("interlock.analysis.shell.programs", src)
    assert got == {"interlock.engine"}, got
    assert _imports("interlock.analysis.files", "def g():\n    from ..gateways import http\n") == {
        "interlock.gateways", "interlock.gateways.http"}


def test_only_the_engine_reaches_the_analyses():
    """Every entry point gets its findings through engine.analyze, which weighs them (the one
    severity path): outside analysis/, only the engine imports the dispatcher or a per-kind analysis."""
    per_kind = {"interlock.analysis.dispatch", "interlock.analysis.files", "interlock.analysis.mcp",
                "interlock.analysis.sql_action", "interlock.analysis.mcp_cloud"}
    bad = []
    for mod in _modules():
        if mod.startswith("interlock.analysis") or mod == "interlock.engine":
            continue
        path = _file(mod)
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        got = _imports(mod, strict=False) & per_kind
        for node in ast.walk(tree):  # `from ..analysis.http import analyze_payload` judges outside the engine
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("analysis.http") and any(
                    a.name in ("analyze_payload", "judge", "emit_request") for a in node.names):
                got.add("interlock.analysis.http." + ",".join(a.name for a in node.names))
        bad += [f"{mod} imports {g}" for g in sorted(got)]
    assert not bad, bad
