"""Which files hold secrets.  Defaults live here as data; policy adds and exempts."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase, translate

from ..memo import FileMemo, remember, table

# Matched against the file's basename.
SECRET_NAMES = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "*_rsa", "*_ed25519",
    ".netrc", "_netrc", ".npmrc", ".pypirc", ".git-credentials", ".vault-token", ".pgpass", ".my.cnf",
    "credentials.json", "service-account*.json", "*-service-account.json", "*credentials*.json",
    "client_secret*.json", "secrets.yaml", "secrets.yml", "secrets.json", "secret.yaml",
    "terraform.tfstate", "terraform.tfstate.backup", "*.tfstate", "*.tfvars", "*.tfvars.json",
    ".bash_history", ".zsh_history", ".python_history", ".psql_history", ".mysql_history",
    ".node_repl_history", ".sh_history", ".histfile", "*.kdbx", "*.keychain", "*.keychain-db",
    "htpasswd", ".htpasswd", "shadow", "gshadow",
)
# Look-alikes that are documentation, not secrets.
NOT_SECRET_NAMES = (
    ".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", ".env.schema",
    "*.example", "*.sample", "*.template", "*.pub", "*.dist",
    # certificates are public (keys stay secret: key.pem, privkey.pem, *-key.pem)
    "*cert*.pem", "*chain*.pem", "ca.pem", "ca-*.pem", "*-ca.pem", "*_ca.pem", "*bundle*.pem", "*.crt.pem",
    "cacert.pem", "*public*.pem", "*pubkey*.pem", "*.pub.pem",
)
# Matched against the path relative to $HOME (everything below these is secret).
SECRET_HOME_TREES = (
    ".aws/credentials", ".aws/config", ".config/gcloud", ".azure", ".kube/config", ".kube/configs",
    ".docker/config.json", ".config/gh/hosts.yml", ".railway/config.json", ".fly/config.yml",
    ".config/fly", ".vercel/auth.json", ".local/share/com.vercel.cli", ".supabase/access-token",
    ".config/netlify", ".netlify/config.json", ".doppler", ".config/op", ".op", ".password-store",
    ".gnupg", ".gem/credentials", ".config/hub", ".terraform.d/credentials.tfrc.json",
    ".config/heroku", ".ssh/id_", ".mozilla/firefox", ".config/google-chrome",
    ".config/chromium", ".local/share/keyrings", ".cargo/credentials", ".cargo/credentials.toml",
    ".config/pip/pip.conf", ".config/rclone/rclone.conf", ".s3cfg", ".boto", ".oci/config",
    ".config/doctl/config.yaml", ".wrangler", ".config/configstore",
    # coding agents' own credentials: Codex's API key or ChatGPT tokens, Gemini CLI's OAuth tokens, Copilot's
    # GitHub token (Claude Code's ~/.claude/.credentials.json is a *credentials*.json by name)
    ".codex/auth.json", ".gemini/oauth_creds.json", ".config/github-copilot/hosts.json",
    ".config/github-copilot/apps.json",
    # other tools' own credential stores: build tools' repository passwords (Maven, Gradle, Composer, NuGet,
    # Bundler, Yarn), container registries, cloud and platform CLIs' tokens (Hetzner, Scaleway, Linode, Vultr,
    # Turso, Railway's newer path, GitLab, Stripe, MongoDB Atlas, ngrok, CircleCI, Cloudflare tunnels), data
    # tools' connection passwords (dbt, Databricks, SnowSQL), model hubs' tokens, SOPS' age keys
    ".m2/settings.xml", ".m2/settings-security.xml", ".gradle/gradle.properties", ".composer/auth.json",
    ".config/composer/auth.json", ".nuget/NuGet/NuGet.Config", ".config/NuGet/NuGet.Config", ".bundle/config",
    ".yarnrc.yml", ".terraformrc", ".config/containers/auth.json", ".config/helm/repositories.yaml",
    ".config/hcloud/cli.toml", ".config/scw/config.yaml", ".config/linode-cli", ".vultr-cli.yaml",
    ".config/vultr-cli.yaml", ".config/turso", ".config/railway", ".config/glab-cli/config.yml",
    ".config/stripe/config.toml", ".config/atlascli", ".config/ngrok/ngrok.yml", ".ngrok2/ngrok.yml",
    ".circleci/cli.yml", ".cloudflared", ".dbt/profiles.yml", ".databrickscfg", ".snowsql/config",
    ".kaggle/kaggle.json", ".cache/huggingface/token", ".huggingface/token", ".config/sops/age/keys.txt",
)
# Configuration files where tokens are commonly written in clear beside ordinary settings — MCP servers'
# `env` and `headers` (`{"mcpServers": {"github": {"env": {"GITHUB_TOKEN": "..."}}}}`): printing one is
# asked (secrets.read-token-config), whatever it holds today; a literal token found in it is denied as such.
TOKEN_CONFIG_HOME = (
    ".claude.json", ".config/Claude/claude_desktop_config.json",
    "Library/Application Support/Claude/claude_desktop_config.json", ".cursor/mcp.json",
    ".codeium/windsurf/mcp_config.json",
    # the same servers' env in Codex's config.toml ([mcp_servers.x.env]), Continue's config (model API keys)
    ".codex/config.toml", ".continue/config.json", ".continue/config.yaml",
    # and Gemini CLI's settings.json (mcpServers' env and headers, as ~/.claude.json)
    ".gemini/settings.json",
)
SECRET_HOME_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".config/gcloud", ".azure", ".kube", ".docker",
                              ".password-store", ".config/gh", ".config/op", ".doppler", ".railway", ".fly"})
SSH_PUBLIC = frozenset({"known_hosts", "known_hosts.old", "config", "authorized_keys", "authorized_keys2",
                        "environment", "rc"})
SECRET_ABS_TREES = ("/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_", "/var/run/secrets",
                    "/run/secrets", "/proc/self/environ", "/proc/1/environ")


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
    if _NAME_RE is None:
        _NAME_RE, _NOT_NAME_RE = _compile(SECRET_NAMES), _compile(NOT_SECRET_NAMES)
    base = path.rsplit("/", 1)[-1]
    if _NOT_NAME_RE.match(base):
        return False
    if _NAME_RE.match(base):
        return True
    for h in _homes(path, home):
        rel = path[len(h) + 1:]
        if rel.startswith(SECRET_HOME_TREES):
            return True
        if rel in SECRET_HOME_DIRS:
            return True  # the whole directory of credentials (tar, zip, cp -r of it)
        if rel.startswith(".ssh/") and "/" not in rel[5:] and base not in SSH_PUBLIC:
            return True  # any key in ~/.ssh (deploy_key, github, ...) but not the public files
        if rel.startswith(".kube/") and not rel.startswith((".kube/cache", ".kube/http-cache")):
            return True  # kubeconfigs: ~/.kube/config, ~/.kube/prod.yaml
    if path.startswith(SECRET_ABS_TREES):
        return True
    if "/proc/" in path and path.endswith("/environ"):
        return True
    return False


def is_token_config(path: str, home: str) -> bool:
    """True when ``path`` is a configuration file where tokens are commonly kept in clear (TOKEN_CONFIG_HOME),
    or a copy of one beside it (`~/.claude.json.backup`)."""
    for h in _homes(path, home):
        rel = path[len(h) + 1:]
        if any(rel == c or rel.startswith(c + ".") for c in TOKEN_CONFIG_HOME):
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

#: Ordinary file and directory names.  A name pattern that matches one of these is a broad listing
#: (`find / -iname '*python*'`, `find ~ -name '.*'`), not a search aimed at credential files, even when
#: a secret's name fits it too (.python_history, .env).
ORDINARY_NAMES = (
    "README.md", "main.py", "app.py", "setup.py", "index.js", "package.json", "config.json", "config.yml",
    "settings.py", "Makefile", "Dockerfile", "docker-compose.yml", "docker-compose.yaml", "config.yaml",
    "values.yaml", "deployment.yaml", "requirements.txt", "notes.txt", "data.csv",
    "image.png", "report.pdf", "python", "python3", "python3.12", "node", "lib", "src", "bin", "test", "tests",
    "docs", "build", "x", "a.out", "main.go", "Main.java", "index.html", "style.css", ".gitignore", ".bashrc",
    ".profile", ".vimrc", ".config", ".cache", ".local", ".git", ".github", ".vscode", ".idea", ".npm", ".venv",
    "node_modules", "__pycache__", "history.txt", "environment.yml", "keys.txt", "key.txt", "token.go",
    "secrets.go", "passwords.md", "id", "log.txt", "server.log", "app.log", "core", "tmp", "backup.tar.gz",
)


def glob_aims_at_secrets(name_glob: str, home: str, icase=False, extra=(), exempt=()) -> bool:
    """A name pattern (find -name) aimed at credential files: it fits a secret's name and no ordinary
    name (`.env*`, `*.pem`, `id_rsa*`, `credentials`), unlike a broad one (`*python*`, `.*`, `*`)."""
    if not name_glob:
        return False
    pat = name_glob.lower() if icase else name_glob
    names = [n.lower() for n in ORDINARY_NAMES] if icase else ORDINARY_NAMES
    if any(fnmatchcase(n, pat) for n in names):
        return False
    return glob_may_name_secret("/x/" + pat, home, extra, exempt) or glob_may_name_secret(
        "/x/." + pat.lstrip("."), home, extra, exempt) and pat.startswith(".")


def glob_may_name_secret(path_glob: str, home: str, extra=(), exempt=()) -> bool:
    """A glob such as ``.env*``, ``~/.*history`` or ``id_*`` that could match a secret file."""
    global _LITERAL_NAMES
    if _LITERAL_NAMES is None:
        # a literal name for every secret-name pattern (`*.pem` → `x.pem`): a glob that matches one may
        # select a secret file (`find / -name '*.pem'`, `cat *.kdbx`)
        _LITERAL_NAMES = [n if not any(c in n for c in "*?[") else n.replace("*", "x").replace("?", "x")
                          for n in SECRET_NAMES if "[" not in n] + [
            ".env.production", ".env.local", "id_rsa", "id_ed25519", "credentials", "server.key", "cert.key"]
    d, _, base = path_glob.rpartition("/")
    if d.endswith("/**") and home:
        # `ROOT/**/NAME` (what `find ROOT -name NAME` selects): a secret file of the home directory whose name
        # NAME fits, below ROOT (`find ~ -name hosts.yml` reaches ~/.config/gh/hosts.yml)
        root = d[:-3].rstrip("/") or "/"
        for t in SECRET_HOME_TREES:
            full = home.rstrip("/") + "/" + t
            last = t.rsplit("/", 1)[-1]
            if (root == "/" or full.startswith(root + "/")) and \
                    (fnmatchcase(last, base) or last.endswith("_") and fnmatchcase(last + "rsa", base)):
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


def tree_token_line(root: str, pattern: str, icase: bool = False, exempt=(), hidden: bool = True, limit: int = 2000,
                    budget: int = 8 << 20, included=()):
    """``path:line`` of the first literal credential on a line that ``pattern`` matches in a file under ``root``
    (or ``root`` itself), or None: what a content search (``grep -rn TOKEN scripts``, a Grep tool printing
    lines) would show.  The pattern is read as a Python regex (a plain string when it is not one).  Bounded
    (``limit`` files, ``budget`` bytes read), skips dependency and VCS dirs, and hidden ones unless ``hidden``."""
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
            if not hits:
                continue
            try:
                from ..fsread import read_regular

                lines = read_regular(p, CONTENT_SCAN_BYTES).decode("utf-8", "replace").splitlines()
            except (OSError, ValueError):
                continue
            for h in hits:
                if 0 < h.line <= len(lines) and rx.search(lines[h.line - 1]):
                    return f"{p}:{h.line}"
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
