"""``interlock secrets scan``: find stray credentials in a project (and, with --home, in the
user's config files) before an agent does.

For every file it reports the literal secrets inside (file, line, kind, masked value) and lists
the files that are secret by name (``.env``, ``*.pem``, ``~/.aws/credentials``...), saying for
each whether Interlock's hook blocks an agent from reading it.  A token in a file the hook does
*not* block (a deploy script, a settings module) is the incident's shape: an agent that goes
looking finds it.

It lists files the way git does (tracked and untracked files, honouring .gitignore) and, by
default, also scans the files git ignores — that is where tokens hide — unless ``--no-ignored``.
It never prints a secret: only masked values.

    interlock secrets scan [PATH...] [--home] [--json | --sarif] [--no-ignored] [--all]

Exit status: 0 nothing found, 1 something found, 2 usage error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from . import gitsafe

MAX_BYTES = 2 * 1024 * 1024
# Directories never worth reading: VCS internals.  The second set is skipped unless --all.
ALWAYS_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
HEAVY_DIRS = frozenset({"node_modules", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox",
                        ".nox", ".gradle", "bower_components", ".terraform", ".next", ".nuxt", ".parcel-cache",
                        ".cache"})
# Binary by name: not worth opening.
BINARY_EXT = frozenset(
    "png jpg jpeg gif bmp ico tif tiff webp avif heic psd svgz pdf zip gz tgz bz2 xz zst 7z rar jar war ear "
    "whl egg so dylib dll exe bin o a lib obj class pyc pyo pyd wasm ttf otf woff woff2 eot mp3 mp4 m4a wav "
    "flac ogg webm mov avi mkv sqlite sqlite3 db parquet feather npy npz pkl pickle pt pth onnx h5 tflite "
    "iso img dmg deb rpm apk ipa".split())
# --home: the user's configuration files and directories (relative to $HOME).
HOME_TARGETS = (
    ".aws", ".config", ".docker", ".kube", ".ssh", ".azure", ".railway", ".fly", ".vercel", ".netlify",
    ".supabase", ".doppler", ".terraform.d", ".gem", ".cargo/credentials", ".cargo/credentials.toml",
    ".npmrc", ".yarnrc", ".yarnrc.yml", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".gitconfig",
    ".vault-token", ".pgpass", ".my.cnf", ".s3cfg", ".boto", ".oci", ".env",
    ".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin",
    ".kshrc", ".cshrc", ".tcshrc", ".envrc", ".bash_aliases", ".bash_history", ".zsh_history", ".sh_history",
    ".histfile", ".python_history", ".psql_history", ".mysql_history", ".node_repl_history", ".irb_history",
)
# Under ~/.config: application state that is large, binary, or a browser profile (a secret by
# path already, listed without being read).
HOME_CONFIG_SKIP = frozenset({"google-chrome", "chromium", "BraveSoftware", "Code", "Cursor", "VSCodium",
                              "Slack", "discord", "Microsoft", "microsoft-edge", "JetBrains", "libreoffice",
                              "pulse", "Signal", "obsidian", "spotify", "zoomus"})

DESCRIPTION = """Find stray credentials: literal tokens in files and files that are secret by name, and what
Interlock's hook answers an agent that reads each (computed by the hook's own code)."""
EPILOG = "exit status: 0 nothing found, 1 something found, 2 usage error"


class UsageError(Exception):
    pass


def add_arguments(p):
    """The scan's options on an argparse parser (``interlock secrets scan`` and ``python -m``)."""
    p.description = DESCRIPTION
    p.epilog = EPILOG
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or directories to scan (default: the current directory)")
    p.add_argument("--home", action="store_true", help="also scan your config files (~/.aws, ~/.config, "
                                                       "~/.docker, ~/.npmrc, ~/.netrc, shell rc...)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json", help="print one JSON object")
    fmt.add_argument("--sarif", dest="format", action="store_const", const="sarif",
                     help="print SARIF 2.1.0 (for code-scanning in CI)")
    p.add_argument("--no-ignored", dest="ignored", action="store_false",
                   help="skip files git ignores (scanned by default: that is where tokens hide)")
    p.add_argument("--all", action="store_true", help="also scan node_modules, caches and virtualenvs")
    return p


def _parser():
    import argparse

    return add_arguments(argparse.ArgumentParser(prog="interlock secrets scan"))


def opts_from(args) -> dict:
    return {"paths": list(args.paths), "home": args.home, "format": args.format or "text",
            "ignored": args.ignored, "all": args.all}


def parse_args(argv):
    """``argv`` (what follows ``scan``) → options; raises UsageError (``""`` for --help)."""
    args = list(argv)
    # accept being handed the whole command line tail ("secrets scan ...") or just the options
    if args[:2] == ["secrets", "scan"]:
        args = args[2:]
    elif args[:1] == ["scan"] and not os.path.exists("scan"):
        args = args[1:]
    import contextlib
    import io

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            ns = _parser().parse_args(args)
    except SystemExit as e:
        if e.code == 0:
            raise UsageError("") from None
        raise UsageError(err.getvalue().strip().splitlines()[-1].split(": error: ", 1)[-1]) from None
    return opts_from(ns)


def check_paths(opts):
    for p in opts["paths"]:
        if not os.path.exists(p):
            raise UsageError(f"no such file or directory: {p}")


# --- listing files ------------------------------------------------------------------------------

def _git_lines(root, *args):
    try:
        r = gitsafe.run(root, *args, timeout=120)  # the repository's configured commands don't run
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return [p for p in r.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _git_ignored(root):
    try:
        r = gitsafe.run(root, "check-ignore", "-q", ".", timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def _is_venv(path):
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _walk(top, include_all, skip_names=frozenset()):
    """Every regular file below ``top`` (no symlinks followed), skipping VCS and heavy dirs."""
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.name in ALWAYS_SKIP_DIRS or e.name in skip_names:
                            continue
                        if not include_all and (e.name in HEAVY_DIRS or _is_venv(e.path)):
                            continue
                        stack.append(e.path)
                    elif e.is_file(follow_symlinks=False):
                        yield e.path
                except OSError:
                    continue


def list_files(root, include_ignored=True, include_all=False):
    """(path, ignored) for the files under directory ``root``: git's view when it is a repository."""
    if _git_ignored(root):  # the whole directory is git-ignored (a build dir, a virtualenv...)
        if include_ignored:
            for p in _walk(root, include_all):
                yield p, True
        return
    tracked = _git_lines(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if tracked is None:  # not a git work tree (or no git): every file, none known to be ignored
        for p in _walk(root, include_all):
            yield p, False
        return
    seen = set()
    for rel in tracked:
        p = os.path.join(root, rel)
        if p in seen:
            continue
        seen.add(p)
        parts = rel.split("/")
        if not include_all and any(x in HEAVY_DIRS for x in parts[:-1]):
            continue
        if os.path.isfile(p) and not os.path.islink(p):
            yield p, False
        elif os.path.isdir(p) and not os.path.islink(p):  # a submodule
            for q in _walk(p, include_all):
                yield q, False
    if not include_ignored:
        return
    ignored = _git_lines(root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    for rel in ignored or ():
        p = os.path.join(root, rel.rstrip("/"))
        name = os.path.basename(p)
        if os.path.islink(p):
            continue
        if os.path.isdir(p):
            if name in ALWAYS_SKIP_DIRS or (not include_all and (name in HEAVY_DIRS or _is_venv(p))):
                continue
            for q in _walk(p, include_all):
                yield q, True
        elif os.path.isfile(p):
            if not include_all and any(x in HEAVY_DIRS for x in rel.split("/")[:-1]):
                continue
            yield p, True


def home_files(home, include_all=False):
    for t in HOME_TARGETS:
        p = os.path.join(home, t)
        if os.path.islink(p):
            continue
        if os.path.isdir(p):
            skip = HOME_CONFIG_SKIP if t == ".config" and not include_all else frozenset()
            for q in _walk(p, include_all, skip):
                yield q, False
        elif os.path.isfile(p):
            yield p, False


# --- scanning -----------------------------------------------------------------------------------

def read_text(path):
    """The file's text, or None when it is binary, too large or unreadable."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in os.path.basename(path) else ""
    if ext in BINARY_EXT:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES or b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class Scanner:
    def __init__(self, home, include_ignored=True, include_all=False):
        self.home = home
        self.include_ignored = include_ignored
        self.include_all = include_all
        self.findings = []      # dicts
        self.secret_files = []  # dicts
        self.files_scanned = 0
        self.files_skipped = 0
        self.bytes_scanned = 0
        self._seen = set()
        self._contexts = {}
        self._workspaces = {}

    def _context(self, path):
        """The hook's Context for a read of ``path`` (one per workspace; None if it cannot be built)."""
        from .analysis.paths import find_workspace

        d = os.path.dirname(path)
        ws = self._workspaces.get(d)
        if ws is None:
            ws = self._workspaces[d] = find_workspace(d) or ""
        if ws not in self._contexts:
            from .engine import Context, failure

            try:
                self._contexts[ws] = Context(ws or d, home=self.home, workspace=ws or None)
            except Exception as e:  # an invalid policy: the hook denies every read, and says why
                self._contexts[ws] = failure(e)
        return self._contexts[ws]

    def _secret_by_name(self, path, ctx) -> bool:
        from .analysis.secrets import is_secret_path
        from .engine import Context, _secret_globs

        if not isinstance(ctx, Context):
            return is_secret_path(path, self.home)
        extra, exempt = _secret_globs(ctx)
        return is_secret_path(path, self.home, extra, exempt)

    def hook_answer(self, path, ctx=None):
        """What the agent hook answers an agent that reads ``path`` (Claude Code's Read tool):
        the engine's own verdict, computed by the code the hook runs, never a second opinion."""
        from .actions import FILE_READ, Action
        from .engine import Context, evaluate

        ctx = ctx or self._context(path)
        if not isinstance(ctx, Context):
            d = ctx
        else:
            d = evaluate(Action(FILE_READ, {"path": path}, agent="secrets-scan", cwd=ctx.cwd,
                                workspace=ctx.workspace, tool="Read"), ctx)
        return {"hook": d.decision, "hook_rules": [r for r in d.rules], "blocked": d.decision != "allow"}

    def scan_file(self, path, ignored, display):
        from .analysis.literal_secrets import find_secrets

        ap = os.path.abspath(path)
        if ap in self._seen:
            return
        self._seen.add(ap)
        ctx = self._context(ap)
        answer = None
        if self._secret_by_name(ap, ctx):
            answer = self.hook_answer(ap, ctx)
            self.secret_files.append({"file": display, **answer, "ignored": ignored})
        text = read_text(ap)
        if text is None:
            self.files_skipped += 1
            return
        self.files_scanned += 1
        self.bytes_scanned += len(text)
        hits = find_secrets(text)
        if hits and answer is None:
            answer = self.hook_answer(ap, ctx)
        for h in hits:
            col = h.start - (text.rfind("\n", 0, h.start) + 1) + 1
            self.findings.append({"file": display, "line": h.line, "column": col, "kind": h.kind, "rule": h.rule,
                                  "masked": h.masked, **answer, "ignored": ignored})

    def scan_path(self, path, base):
        ap = os.path.abspath(path)
        if os.path.isdir(ap):
            for p, ignored in list_files(ap, self.include_ignored, self.include_all):
                self.scan_file(p, ignored, self.display(p, base))
        else:
            self.scan_file(ap, False, self.display(ap, base))

    def scan_home(self):
        for p, ignored in home_files(self.home, self.include_all):
            self.scan_file(p, ignored, self.display(p, None))

    def display(self, path, base):
        ap = os.path.abspath(path)
        if base and (ap == base or ap.startswith(base.rstrip("/") + "/")):
            return os.path.relpath(ap, base)
        if self.home and ap.startswith(self.home.rstrip("/") + "/"):
            return "~/" + ap[len(self.home.rstrip("/")) + 1:]
        return ap


def run(opts, home=None, cwd=None):
    home = home or os.environ.get("HOME") or os.path.expanduser("~")
    home = os.path.abspath(home)
    cwd = os.path.abspath(cwd or os.getcwd())
    sc = Scanner(home, opts["ignored"], opts["all"])
    t0 = time.perf_counter()
    paths = opts["paths"] or ["."]
    for p in paths:
        ap = os.path.abspath(os.path.join(cwd, p))
        sc.scan_path(ap, cwd)
    if opts["home"]:
        sc.scan_home()
    sc.elapsed = time.perf_counter() - t0
    sc.findings.sort(key=lambda f: (f["file"], f["line"], f["column"]))
    sc.secret_files.sort(key=lambda f: f["file"])
    return sc


# --- output -----------------------------------------------------------------------------------

def _stats(sc):
    el = max(sc.elapsed, 1e-9)
    return {"files_scanned": sc.files_scanned, "files_skipped": sc.files_skipped, "bytes": sc.bytes_scanned,
            "seconds": round(sc.elapsed, 4), "files_per_second": round(sc.files_scanned / el, 1)}


def to_json(sc):
    return {"findings": sc.findings, "secret_files": sc.secret_files, "stats": _stats(sc)}


def _uri(display, home):
    from urllib.parse import quote

    if display.startswith("~/"):
        return "file://" + quote(os.path.join(home, display[2:]))
    if display.startswith("/"):
        return "file://" + quote(display)
    return quote(display)


def to_sarif(sc):
    from . import __version__

    rules = {}
    results = []
    for f in sc.findings:
        rid = f["rule"]
        rules.setdefault(rid, {"id": rid, "name": f["kind"],
                               "shortDescription": {"text": f"Literal secret: {f['kind']}"},
                               "defaultConfiguration": {"level": "error"}})
        where = _hook_words(f)
        results.append({
            "ruleId": rid, "level": "error",
            "message": {"text": f"{f['kind']} {f['masked']} ({where})"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f["file"], sc.home)},
                                                "region": {"startLine": f["line"], "startColumn": f["column"]}}}],
            "properties": {"kind": f["kind"], "masked": f["masked"], "blocked": f["blocked"],
                           "hook": f["hook"], "ignored": f["ignored"]},
        })
    if sc.secret_files:
        rules["secret-file"] = {"id": "secret-file", "name": "secret-file",
                                "shortDescription": {"text": "A file that holds secrets by its name"},
                                "defaultConfiguration": {"level": "warning"}}
    for f in sc.secret_files:
        results.append({
            "ruleId": "secret-file", "level": "warning",
            "message": {"text": f"secret file ({_hook_words(f)})"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f["file"], sc.home)}}}],
            "properties": {"blocked": f["blocked"], "hook": f["hook"], "ignored": f["ignored"]},
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "interlock-secrets-scan", "version": __version__,
                                "rules": list(rules.values())}},
            "results": results,
        }],
    }


def _hook_words(f) -> str:
    """What the hook answers an agent reading the file, in words (SARIF messages)."""
    rules = f" ({', '.join(f['hook_rules'])})" if f.get("hook_rules") else ""
    return {"deny": f"the hook denies agents reading this file{rules}",
            "ask": f"the hook asks a human before an agent reads this file{rules}"}.get(
        f["hook"], "agents can read this file: move the secret into the vault")


def _hook_short(f) -> str:
    rules = f" [{', '.join(f['hook_rules'])}]" if f.get("hook_rules") else ""
    return {"deny": f"hook: deny{rules}", "ask": f"hook: ask{rules}"}.get(
        f["hook"], "hook: allow  ← agents can read this")


def to_text(sc):
    out = []
    if sc.findings:
        w_file = max(len(f"{f['file']}:{f['line']}") for f in sc.findings)
        w_kind = max(len(f["kind"]) for f in sc.findings)
        w_mask = max(len(f["masked"]) for f in sc.findings)
        out.append("Literal secrets:")
        for f in sc.findings:
            loc = f"{f['file']}:{f['line']}"
            who = _hook_short(f)
            ign = "  (git-ignored)" if f["ignored"] else ""
            out.append(f"  {loc:<{w_file}}  {f['kind']:<{w_kind}}  {f['masked']:<{w_mask}}  {who}{ign}")
    if sc.secret_files:
        if out:
            out.append("")
        out.append("Secret files (by name):")
        for f in sc.secret_files:
            ign = "  (git-ignored)" if f["ignored"] else ""
            out.append(f"  {f['file']}  {_hook_short(f)}{ign}")
    if out:
        out.append("")
    n_files = len({f["file"] for f in sc.findings})
    readable = sum(1 for f in sc.findings if not f["blocked"])
    st = _stats(sc)
    if sc.findings or sc.secret_files:
        out.append(f"{len(sc.findings)} secret(s) in {n_files} file(s), {readable} readable by agents; "
                   f"{len(sc.secret_files)} secret file(s).")
        if readable:
            out.append("Move readable secrets out of the tree (interlock secrets move FILE) or rotate them.")
        elif sc.findings:
            out.append("The hook keeps agents from reading these files; any process outside it still can: move "
                       "the secrets into the vault (interlock secrets move FILE) or rotate them.")
    else:
        out.append("No secrets found.")
    out.append(f"{st['files_scanned']} files scanned ({st['files_skipped']} skipped: binary or > 2 MB) in "
               f"{st['seconds']:.2f} s — {st['files_per_second']:.0f} files/s")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``interlock secrets scan``; ``argv`` is what follows ``scan`` on the command line."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts = parse_args(argv)
    except UsageError as e:
        msg = str(e)
        if not msg:  # --help
            _parser().print_help()
            return 0
        sys.stderr.write(f"interlock secrets scan: {msg}\n{_parser().format_usage()}")
        return 2
    return run_opts(opts)


def run_opts(opts) -> int:
    try:
        check_paths(opts)
    except UsageError as e:
        sys.stderr.write(f"interlock secrets scan: {e}\n")
        return 2
    sc = run(opts)
    if opts["format"] == "json":
        import json

        sys.stdout.write(json.dumps(to_json(sc), ensure_ascii=False, indent=2) + "\n")
    elif opts["format"] == "sarif":
        import json

        sys.stdout.write(json.dumps(to_sarif(sc), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(to_text(sc))
    return 1 if (sc.findings or sc.secret_files) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
