"""Commands that print, export or hand over secrets without naming a secret file:
environment dumps, `echo $TOKEN`, and the token-printing sub-commands of CLIs.

Data first: ``TOOLS`` maps a program to the sub-command words that reveal secrets.
``check`` runs for every simple command whose program appears in ``PROGRAMS``.
"""

from __future__ import annotations

import re

from ..paths import UNKNOWN_MARK as U

SECRET_VAR = re.compile(r"(?i)(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|"
                        r"AUTH|SESSION_KEY|CLIENT_SECRET|DATABASE_URL|DB_URL|_DSN$|CONNECTION_STRING|WEBHOOK_URL)")
NOT_SECRET_VAR = re.compile(r"(?i)^(PATH|HOME|USER|SHELL|PWD|LANG|TERM|EDITOR|.*_(FILE|PATH|DIR|URL_PUBLIC|ID|NAME))$")

# program → list of (sub-command word sequence, extra condition or None, what is revealed)
TOOLS = {
    "gh": [(("auth", "token"), None, "the GitHub CLI token"),
           (("auth", "status"), ("-t", "--show-token"), "the GitHub CLI token")],
    "aws": [(("configure", "get"), None, "an AWS credential setting"),
            (("configure", "export-credentials"), None, "AWS credentials"),
            (("sts", "get-session-token"), None, "AWS session credentials"),
            (("ecr", "get-login-password"), None, "a registry password"),
            (("secretsmanager", "get-secret-value"), None, "a stored secret"),
            (("ssm", "get-parameter"), ("--with-decryption",), "a decrypted parameter"),
            (("ssm", "get-parameters"), ("--with-decryption",), "decrypted parameters")],
    "gcloud": [(("auth", "print-access-token"), None, "a Google access token"),
               (("auth", "print-identity-token"), None, "a Google identity token"),
               (("auth", "application-default", "print-access-token"), None, "a Google access token"),
               (("secrets", "versions", "access"), None, "a stored secret")],
    "az": [(("account", "get-access-token"), None, "an Azure access token"),
           (("keyvault", "secret", "show"), None, "a Key Vault secret")],
    "kubectl": [(("get", "secret"), ("-o", "--output"), "Kubernetes secret values"),
                (("get", "secrets"), ("-o", "--output"), "Kubernetes secret values"),
                (("describe", "secret"), None, "a Kubernetes secret"),
                (("describe", "secrets"), None, "Kubernetes secrets"),
                (("config", "view"), ("--raw", "--flatten"), "kubeconfig credentials")],
    "oc": [(("get", "secret"), ("-o", "--output"), "OpenShift secret values"),
           (("whoami",), ("-t", "--show-token"), "the OpenShift token")],
    "docker": [(("inspect",), None, "container environment variables")],
    "podman": [(("inspect",), None, "container environment variables")],
    "heroku": [(("config",), None, "app config vars"), (("auth:token",), None, "the Heroku token"),
               (("config:get",), None, "an app config var")],
    "railway": [(("variables",), None, "service variables"), (("variable", "list"), None, "service variables")],
    "vercel": [(("env", "pull"), None, "environment variables"), (("env", "ls"), None, "environment variables")],
    "netlify": [(("env:list",), None, "environment variables"), (("env:get",), None, "an environment variable")],
    "fly": [(("auth", "token"), None, "the Fly token")], "flyctl": [(("auth", "token"), None, "the Fly token")],
    "op": [(("read",), None, "a 1Password secret"), (("item", "get"), None, "a 1Password item"),
           (("inject",), None, "1Password secrets")],
    "vault": [(("kv", "get"), None, "a Vault secret"), (("read",), None, "a Vault secret"),
              (("token", "lookup"), None, "the Vault token"), (("print", "token"), None, "the Vault token")],
    "doppler": [(("secrets",), None, "Doppler secrets"), (("configs", "tokens"), None, "Doppler tokens")],
    "supabase": [(("secrets", "list"), None, "project secrets")],
    "git": [(("credential", "fill"), None, "stored git credentials"),
            (("config", "--get", "credential.helper"), None, None)],
    "security": [(("find-generic-password",), ("-w", "-g"), "a keychain password"),
                 (("find-internet-password",), ("-w", "-g"), "a keychain password"),
                 (("dump-keychain",), None, "the keychain")],
    "secret-tool": [(("lookup",), None, "a keyring secret")],
    "pass": [(("show",), None, "a pass secret")],
    "npm": [(("token", "list"), None, "npm tokens")],
}
ENV_DUMPERS = {"env", "printenv", "export", "declare", "typeset", "set", "compgen"}
PRINTERS = {"echo", "printf", "print"}
PROGRAMS = frozenset(TOOLS) | ENV_DUMPERS | PRINTERS


def _words(args):
    return [a for a in args if not a.startswith("-")]


def check(a, cmd, scope):
    name = cmd.name
    args = cmd.args
    if name in ENV_DUMPERS:
        _env_dump(a, cmd, name, args)
        return
    if name in PRINTERS:
        _printer(a, cmd)
        return
    if name in ("docker", "podman") and _words(args)[:1] == ["inspect"]:
        fmt = _format_arg(args)
        if fmt is not None and "Env" not in fmt and "json" not in fmt:
            return  # --format '{{.State.Status}}' prints what it names, not the environment
    for seq, cond, what in TOOLS.get(name, ()):
        if what is None:
            continue
        words = _words(args)
        if tuple(words[:len(seq)]) == seq or (name == "kubectl" and _kubectl_match(args, seq)):
            if cond is None or any(x in args or any(x2.startswith(c + "=") for x2 in args) or
                                   (c == "-o" and any(x2.startswith("-o") and len(x2) > 2 for x2 in args))
                                   for c in cond for x in (c,) for x2 in (args or [""])):
                a.emit("secrets.tool-output", cmd, target=what, effect="reveal-secret")
                return


def _kubectl_match(args, seq):
    ops = _words([x for i, x in enumerate(args) if not (i and args[i - 1] in ("-n", "--namespace", "--context"))])
    return tuple(ops[:len(seq)]) == seq


def _env_dump(a, cmd, name, args):
    if name == "env":
        # `env CMD ...` runs a command (handled as a wrapper); bare `env` / `env -0` prints everything
        if any(not x.startswith("-") and "=" not in x for x in args):
            return
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


_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _printer(a, cmd):
    text = cmd.text or ""
    if "$" not in text:
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
