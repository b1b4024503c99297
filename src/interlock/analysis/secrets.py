"""Which files hold secrets.  The defaults are data (knowledge/secret_paths.toml); policy adds and exempts."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase, translate

from ..memo import FileMemo, remember, table


class SecretPaths:
    """knowledge/secret_paths.toml: which files hold secrets, by name, below a home directory, absolutely; and
    the ordinary names a broad name pattern fits."""

    def __init__(self, raw):
        self.names = tuple(raw["names"])
        self.not_names = tuple(raw["not_names"])
        self.home_trees = tuple(raw["home_trees"])
        self.home_dirs = frozenset(raw["home_dirs"])
        self.ssh_public = frozenset(raw["ssh_public"])
        self.abs_trees = tuple(raw["abs_trees"])
        self.ordinary_names = tuple(raw["ordinary_names"])
        self.examples = raw["examples"]
        self.name_examples = raw["name_examples"]


def secret_paths() -> SecretPaths:
    from ..knowledge import model

    return model("secret_paths.toml", SecretPaths)


_NAME_RE = None
_NOT_NAME_RE = None


def _compile(globs):
    return re.compile("|".join(f"(?:{translate(g)})" for g in globs))


_SECRET_MEMO = table()


def is_secret_path(path: str, home: str, extra=(), exempt=()) -> bool:
    """True when ``path`` (absolute, normalised) names a file that holds secrets."""
    try:  # a pure function of its arguments (names and globs, no file system): remembered
        key = (path, home, tuple(extra), tuple(exempt))
    except TypeError:
        return _is_secret_path(path, home, extra, exempt)
    hit = _SECRET_MEMO.get(key)  # inline rather than memo.recall: this runs for most path arguments
    if hit is None:
        hit = remember(_SECRET_MEMO, key, _is_secret_path(path, home, extra, exempt), 4096)
    return hit


def _is_secret_path(path: str, home: str, extra=(), exempt=()) -> bool:
    global _NAME_RE, _NOT_NAME_RE
    if exempt and any(fnmatchcase(path, g) for g in exempt):
        return False
    if extra and any(fnmatchcase(path, g) for g in extra):
        return True
    known = secret_paths()
    if _NAME_RE is None:
        _NAME_RE, _NOT_NAME_RE = _compile(known.names), _compile(known.not_names)
    base = path.rsplit("/", 1)[-1]
    if _NOT_NAME_RE.match(base):
        return False
    if _NAME_RE.match(base):
        return True
    for h in _homes(path, home):
        rel = path[len(h) + 1:]
        if rel.startswith(known.home_trees):
            return True
        if rel in known.home_dirs:
            return True  # the whole directory of credentials (tar, zip, cp -r of it)
        if rel.startswith(".ssh/") and "/" not in rel[5:] and base not in known.ssh_public:
            return True  # any key in ~/.ssh (deploy_key, github, ...) but not the public files
        if rel.startswith(".kube/") and not rel.startswith((".kube/cache", ".kube/http-cache")):
            return True  # kubeconfigs: ~/.kube/config, ~/.kube/prod.yaml
    if path.startswith(known.abs_trees):
        return True
    if "/proc/" in path and path.endswith("/environ"):
        return True
    return False


def is_token_config(path: str, home: str) -> bool:
    """True when ``path`` is a configuration file where tokens are commonly kept in clear (knowledge/
    agent_config.toml: token_files — MCP servers' env and headers in ~/.claude.json, ~/.cursor/mcp.json…), or a
    copy of one beside it (`~/.claude.json.backup`)."""
    from .paths import agent_configuration

    token_files = agent_configuration().token_files
    for h in _homes(path, home):
        rel = path[len(h) + 1:]
        if any(rel == c or rel.startswith(c + ".") for c in token_files):
            return True
    return False


def _homes(path, home):
    """Home directories ``path`` may be under: the user's, /root, /home/*, /Users/*."""
    out = []
    if home and path.startswith(home + "/"):
        out.append(home)
    for base in ("/root", ):
        if path.startswith(base + "/") and base != home:
            out.append(base)
    for base in ("/home/", "/Users/"):
        if path.startswith(base):
            h = base + path[len(base):].split("/", 1)[0]
            if h != home and path.startswith(h + "/"):
                out.append(h)
    return out


_LITERAL_NAMES = None
#: what a secret-name pattern's wildcard becomes in its literal stand-in (glob_may_name_secret)
_FILLER = "\x01"


def glob_aims_at_secrets(name_glob: str, home: str, icase=False, extra=(), exempt=()) -> bool:
    """A name pattern (find -name) aimed at credential files: it fits a secret's name and no ordinary
    name (`.env*`, `*.pem`, `id_rsa*`, `credentials`), unlike a broad one (`*python*`, `.*`, `*`)."""
    if not name_glob:
        return False
    pat = name_glob.lower() if icase else name_glob
    ordinary = secret_paths().ordinary_names
    names = [n.lower() for n in ordinary] if icase else ordinary
    if any(fnmatchcase(n, pat) for n in names):
        return False
    return glob_may_name_secret("/x/" + pat, home, extra, exempt) or glob_may_name_secret(
        "/x/." + pat.lstrip("."), home, extra, exempt) and pat.startswith(".")


def glob_may_name_secret(path_glob: str, home: str, extra=(), exempt=()) -> bool:
    """A glob such as ``.env*``, ``~/.*history`` or ``id_*`` that could match a secret file."""
    global _LITERAL_NAMES
    if _LITERAL_NAMES is None:
        # a literal name for every secret-name pattern (`*.pem` → `\x01.pem`): a glob that matches one may
        # select a secret file (`find / -name '*.pem'`, `cat *.kdbx`).  The wildcard stands for a character
        # no name is typed with: a letter would make a pattern that merely begins with it (`x*`) look aimed
        # at `*.pem` when `y*` is not (_FILLER)
        _LITERAL_NAMES = [n if not any(c in n for c in "*?[") else n.replace("*", _FILLER).replace("?", _FILLER)
                          for n in secret_paths().names if "[" not in n] + [
            ".env.production", ".env.local", "id_rsa", "id_ed25519", "credentials", "server.key", "cert.key"]
    d, _, base = path_glob.rpartition("/")
    if d.endswith("/**") and home:
        # `ROOT/**/NAME` (what `find ROOT -name NAME` selects): a secret file of the home directory whose name
        # NAME fits, below ROOT (`find ~ -name hosts.yml` reaches ~/.config/gh/hosts.yml)
        import os

        root = d[:-3].rstrip("/") or "/"
        wild = any(c in base for c in "*?[")
        for t in secret_paths().home_trees:
            full = home.rstrip("/") + "/" + t
            last = t.rsplit("/", 1)[-1]
            if (root == "/" or full.startswith(root + "/")) and \
                    (fnmatchcase(last, base) or last.endswith("_") and fnmatchcase(last + "rsa", base)) and \
                    (not wild or os.path.lexists(full)):
                # a broad pattern (`*.txt`, `*.yml`) selects a store by its name only when the store is there
                # (`~/.config/sops/age/keys.txt`); a name given whole (`hosts.yml`) aims at it either way
                return True
    if not any(c in base for c in "*?["):
        return is_secret_path(path_glob, home, extra, exempt)
    for name in _LITERAL_NAMES:
        if fnmatchcase(name, base) and is_secret_path((d or "") + "/" + name, home, extra, exempt):
            return True
    return False


# --- what a file holds ------------------------------------------------------------------------------

CONTENT_SCAN_BYTES = 256 * 1024
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
                        ".pytest_cache", "dist", "build", "target", ".next", ".cache"})


def file_tokens(path: str, exempt=()) -> list:
    """Literal credentials in a regular text file (its first 256 KB): ``literal_secrets.Hit``s.

    What an agent would see by reading the file: the incident's token sat in a script that
    had nothing to do with the task.  Binary files, devices, FIFOs and unreadable files
    hold nothing here."""
    import os
    import stat

    if exempt and any(fnmatchcase(path, g) for g in exempt):
        return []  # the policy says this file's secrets are the agent's to read
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return []
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return []
    return list(_FILE_TOKENS.get(path, st, _scan_file))


def _scan_file(path: str) -> tuple:
    from ..fsread import read_regular

    try:
        data = read_regular(path, CONTENT_SCAN_BYTES)
    except (OSError, ValueError):
        return ()
    if b"\0" in data[:8192]:
        return ()
    from .literal_secrets import find_secrets

    return tuple(find_secrets(data.decode("utf-8", "replace")))


_FILE_TOKENS = FileMemo(256)


_KEY_BLOCK = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")


def holds_private_key(path: str) -> bool:
    """The regular file at ``path`` holds a private key (a PEM or OpenSSH key block in its first 64 KiB):
    overwriting it loses the key as surely as deleting it.  Unreadable or not a file: no."""
    try:
        from ..fsread import read_regular

        return bool(_KEY_BLOCK.search(read_regular(path, 65536)))
    except (OSError, ValueError):
        return False


def holds_credentials(path: str, home: str) -> bool:
    """A credential store by its place (knowledge/secret_paths.toml: ~/.aws/credentials, ~/.netrc…) that holds a
    literal credential now: overwriting or emptying it loses them as surely as deleting it."""
    try:
        return is_secret_path(path, home) and bool(file_tokens(path))
    except Exception:  # noqa: BLE001 - could not tell: the overwrite stays asked (fs.overwrite-config)
        return False


def git_ignored(path: str) -> bool:
    """``path`` is a file git ignores (`git check-ignore`, none of the repository's commands run).  Any doubt —
    no repository, git failing or slow — is no: the file counts as one a search reads."""
    import os
    import subprocess

    from .. import gitsafe

    try:
        r = gitsafe.run(os.path.dirname(path) or "/", "check-ignore", "-q", "--", path, timeout=3)
    except (subprocess.SubprocessError, OSError):
        return False
    return r.returncode == 0


def tree_token_line(root: str, pattern: str, icase: bool = False, exempt=(), hidden: bool = True, limit: int = 2000,
                    budget: int = 8 << 20, included=(), only_matching: bool = False, skip=None):
    """``path:line`` of the first literal credential on a line that ``pattern`` matches in a file under ``root``
    (or ``root`` itself), or None: what a content search (``grep -rn TOKEN scripts``, a Grep tool printing
    lines) would show.  The pattern is read as a Python regex (a plain string when it is not one).  Bounded
    (``limit`` files, ``budget`` bytes read), skips dependency and VCS dirs, and hidden ones unless ``hidden``;
    ``skip(path)`` says which files the walk passes over that the search does not read (a file named as
    ``root`` is always read)."""
    import os

    try:
        rx = re.compile(pattern, re.I if icase else 0)
    except (re.error, TypeError):
        rx = re.compile(re.escape(str(pattern)), re.I if icase else 0)
    if os.path.isfile(root):
        walk = [(os.path.dirname(root), [], [os.path.basename(root)])]
    else:
        walk = os.walk(root)
    seen = spent = 0
    for dirpath, dirs, files in walk:
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and (hidden or not d.startswith("."))]
        for name in files:
            if not hidden and name.startswith(".") or included and not any(fnmatchcase(name, g) for g in included):
                continue
            seen += 1
            p = os.path.join(dirpath, name)
            try:
                spent += min(os.path.getsize(p), CONTENT_SCAN_BYTES)
            except OSError:
                continue
            if seen > limit or spent > budget:
                return None
            hits = file_tokens(p, exempt)
            if not hits or skip is not None and p != root and skip(p):
                continue
            try:
                from ..fsread import read_regular

                lines = read_regular(p, CONTENT_SCAN_BYTES).decode("utf-8", "replace").splitlines()
            except (OSError, ValueError):
                continue
            for h in hits:
                if not 0 < h.line <= len(lines):
                    continue
                line = lines[h.line - 1]
                if only_matching:  # `grep -o`: only the matches are printed — one must take in part of the token
                    start = h.start - sum(len(x) + 1 for x in lines[:h.line - 1])
                    if any(m.start() < start + (h.end - h.start) and m.end() > start and m.end() > m.start()
                           for m in rx.finditer(line)):
                        return f"{p}:{h.line}"
                elif rx.search(line):
                    return f"{p}:{h.line}"
    return None


def tree_printed_token(root: str, pattern: str, icase: bool = False, exempt=(), hidden: bool = True,
                       only_matching: bool = False, included=(), limit: int = 2000, budget: int = 8 << 20,
                       max_lines: int = 4000):
    """``path:line`` of the first line a content search over ``root`` prints (with ``only_matching``, the first
    match) that holds a literal credential, or None.  Each file's text is searched first, and only the lines the
    pattern matches are scanned for credentials — a search that matches nothing costs a read.  Bounded (files,
    bytes, lines scanned); skips dependency and VCS dirs, and hidden ones unless ``hidden``."""
    import os

    from ..fsread import read_regular
    from .literal_secrets import find_secrets

    try:
        rx = re.compile(pattern, re.I if icase else 0)
    except (re.error, TypeError):
        rx = re.compile(re.escape(str(pattern)), re.I if icase else 0)
    walk = [(os.path.dirname(root), [], [os.path.basename(root)])] if os.path.isfile(root) else os.walk(root)
    seen = spent = lines = 0
    for dirpath, dirs, files in walk:
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and (hidden or not d.startswith("."))]
        for name in files:
            if not hidden and name.startswith(".") or included and not any(fnmatchcase(name, g) for g in included):
                continue
            p = os.path.join(dirpath, name)
            if exempt and any(fnmatchcase(p, g) for g in exempt):
                continue
            seen += 1
            try:
                data = read_regular(p, CONTENT_SCAN_BYTES)
            except (OSError, ValueError):
                continue
            spent += len(data)
            if seen > limit or spent > budget or lines > max_lines:
                return None
            if b"\0" in data[:8192]:
                continue
            text = data.decode("utf-8", "replace")
            last = -1
            for m in rx.finditer(text):
                if m.end() == m.start() and not only_matching:
                    pass
                a = text.rfind("\n", 0, m.start()) + 1
                if a == last and not only_matching:
                    continue
                last = a
                b = text.find("\n", m.end())
                line = text[a:b if b >= 0 else len(text)]
                lines += 1
                if lines > max_lines:
                    return None
                for h in find_secrets(line):
                    if not only_matching or h.start < m.end() - a and h.end > m.start() - a:
                        return f"{p}:{text.count(chr(10), 0, a) + 1}"
    return None


def tree_secret(root: str, home: str, extra=(), exempt=(), excluded=(), limit=4000, included=()) -> str | None:
    """The first file under ``root`` that holds secrets (by name), or None: what a recursive
    ``grep -r`` would read (only files whose name fits one of ``included``, when given: its
    ``--include`` globs).  Bounded (``limit`` entries), skips dependency and VCS dirs."""
    import os

    seen = 0
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not any(fnmatchcase(d, g) for g in excluded)]
        for name in files:
            seen += 1
            if seen > limit:
                return None
            if excluded and any(fnmatchcase(name, g) for g in excluded):
                continue
            if included and not any(fnmatchcase(name, g) for g in included):
                continue
            p = os.path.join(dirpath, name)
            if is_secret_path(p, home, extra, exempt):
                return p
    return None
