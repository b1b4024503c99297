"""Access widened or a safeguard turned off: one reader for the cloud CLIs and the host firewalls.

No data is deleted now, but the next mistake or attacker meets nothing: a security group, firewall rule,
database or bucket opened to the internet or to every account (``net.exposure``), who may act on a resource
changed — IAM policies, role bindings, resource policies and ACLs (``infra.access-change``) — or backups,
point-in-time recovery, versioning, deletion protection, retention or audit logging turned off
(``infra.safeguard-off``).  What counts is data: ``knowledge/exposure.toml`` (its examples are tested); the
host firewalls (ufw, iptables, nft) are read here by their own grammar.  A command whose verb only looks
(``describe-…``, ``list``, ``get-iam-policy``) is never one of these.
"""

from __future__ import annotations

import re

from ...knowledge import KnowledgeError, model

_VALUE_OPTS = frozenset({"-o", "-h", "-u", "--project", "--profile", "--region", "--output", "-p", "--subscription",
                         "--account", "--configuration", "--endpoint-url", "--context", "-c", "-t", "--access-token"})


class _Model:
    def __init__(self, raw):
        self.programs = frozenset(raw["programs"])
        self.read_words = frozenset(raw["read_words"])
        self.world = [re.compile(x) for x in raw["world"]]
        self.source_options = frozenset(raw["source_options"])
        self.source_world = frozenset(raw["source_world"])
        self.open_settings = re.compile("|".join(f"(?:{x})" for x in raw["open_settings"]), re.I)
        self.access_ops = re.compile("|".join(f"(?:{x})" for x in raw["access_ops"]))
        self.backups_off = re.compile("|".join(f"(?:{x})" for x in raw["backups_off_settings"]), re.I)
        self.safeguard_settings = re.compile("|".join(f"(?:{x})" for x in raw["safeguard_settings"]), re.I)
        self.safeguard_ops = re.compile("|".join(f"(?:{x})" for x in raw["safeguard_ops"]))
        self.examples = [(c, r) for c, r in raw.get("examples", [])]


def _model():
    return model("exposure.toml", _Model)


def programs():
    try:
        return _model().programs
    except KnowledgeError:
        return frozenset()


def _words(name, args):
    """The command's words: aws's service and operation, az's path (every word before the first option), else
    the operands with the values of common global options skipped."""
    if name == "aws":
        from .infra import _aws_split

        return list(_aws_split(args)[1])
    if name == "az":
        k = next((j for j, x in enumerate(args) if x.startswith("-")), len(args))
        return list(args[:k])
    out, i = [], 0
    while i < len(args):
        x = args[i]
        if x.startswith("-"):
            if x in _VALUE_OPTS:
                i += 1
        else:
            out.append(x)
        i += 1
    return out


def _reads(mdl, words) -> bool:
    for w in words[:5]:
        lw = w.lower()
        if lw in mdl.read_words or "-" in lw and lw.split("-", 1)[0] in mdl.read_words:
            return True
    return False


def judge(a, cmd, scope, env=None):
    """Report what ``cmd`` (a cloud CLI of the model's) opens, grants or turns off; nothing for a read."""
    try:
        mdl = _model()
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown",
               note=f"knowledge/exposure.toml does not load, so this command is asked: {e}")
        return
    if cmd.name not in mdl.programs:
        return
    args = [x for x in cmd.args if isinstance(x, str)]
    if any(x in ("--help", "-h", "help", "--dry-run", "--dryrun") for x in args):
        return
    words = _words(cmd.name, args)
    if not words or _reads(mdl, words[1:] if cmd.name == "aws" else words):  # (aws: the operation, not `logs`)
        return
    said = " ".join(words)
    line = " ".join(args)
    shown = " ".join([cmd.name] + words[:4])
    world = next((x for x in args if any(r.search(x) for r in mdl.world)), None)
    if world is None:
        for i, x in enumerate(args):
            name, eq, val = x.partition("=")
            if name in mdl.source_options:
                vals = [val] if eq else args[i + 1:i + 2]
                if any(v.strip("'\"").lower() in mdl.source_world for v in vals):
                    world = f"{name} {vals[0]}"
                    break
    m = mdl.open_settings.search(line)
    if world or m:
        a.emit("net.exposure", cmd, target=shown, effect="expose", environment=env,
               note=f"opened to everyone ({(world or m.group(0)).strip()[:60]})")
        return
    m = mdl.access_ops.search(said)
    if m:
        a.emit("infra.access-change", cmd, target=shown, effect="grant", environment=env,
               note=f"changes who may act on it ({m.group(0).strip()})")
        return
    m = mdl.backups_off.search(line)
    if m:
        a.emit("infra.backups-off", cmd, target=shown, effect="disable", environment=env,
               note=f"backups or point-in-time recovery turned off ({m.group(0).strip()[:60]})")
        return
    m = mdl.safeguard_settings.search(line) or mdl.safeguard_ops.search(said)
    if m:
        a.emit("infra.safeguard-off", cmd, target=shown, effect="disable", environment=env,
               note=f"a safeguard is turned off or shortened ({m.group(0).strip()[:60]})")


# --- host firewalls ------------------------------------------------------------------------------

_ANY_SOURCE = frozenset({"0.0.0.0/0", "::/0", "any", "0/0", "anywhere"})


def _here(a):
    """A host firewall is this machine's (``local``), or the host a remote shell runs it on (resolved from that)."""
    return None if a.remote else "local"


def ufw(a, cmd):
    """`ufw allow 5432`, `ufw allow from any to any port 22`, `ufw default allow incoming`: opened to every
    address (a rule `from` a named network is not)."""
    ops = [x for x in cmd.args if not x.startswith("-")]
    if not ops:
        return
    if ops[0] == "default" and len(ops) > 1 and ops[1] == "allow" and (len(ops) < 3 or ops[2] in ("incoming",
                                                                                                    "routed")):
        a.emit("net.exposure", cmd, target="ufw default policy", effect="expose",
               note="every incoming connection is allowed", environment=_here(a))
        return
    k = next((i for i, x in enumerate(ops[:3]) if x in ("allow", "limit")), None)
    if k is None or (k and ops[0] not in ("insert", "prepend", "route") and not ops[0].isdigit()):
        return
    rest = ops[k + 1:]
    if "out" in rest[:1]:
        return
    if "from" in rest:
        src = rest[rest.index("from") + 1] if rest.index("from") + 1 < len(rest) else "any"
        if src.lower() not in _ANY_SOURCE:
            return
    a.emit("net.exposure", cmd, target="ufw allow " + " ".join(rest[:6]), effect="expose",
           note="the port is opened to every address", environment=_here(a))


def iptables(a, cmd):
    """An ACCEPT rule appended or inserted into INPUT with no source (or 0.0.0.0/0, ::/0), or INPUT's policy set
    to ACCEPT: opened to every address."""
    args = list(cmd.args)
    for i, x in enumerate(args):
        if x in ("-P", "--policy") and i + 2 < len(args) and args[i + 1] == "INPUT" and args[i + 2] == "ACCEPT":
            a.emit("net.exposure", cmd, target="INPUT policy", effect="expose",
                   note="every incoming connection is accepted", environment=_here(a))
            return
    chain = next((args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-A", "--append", "-I", "--insert")), None)
    target = next((args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-j", "--jump")), None)
    if chain != "INPUT" or target != "ACCEPT":
        return
    src = next((args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-s", "--source", "--src")), None)
    if src is not None and src.lower() not in _ANY_SOURCE:
        return
    if any(x in ("-i", "--in-interface") and i + 1 < len(args) and args[i + 1] == "lo" for i, x in enumerate(args)):
        return  # the loopback interface: this machine only
    port = next((args[i + 1] for i, x in enumerate(args[:-1]) if x in ("--dport", "--dports", "--destination-port")),
                None)
    a.emit("net.exposure", cmd, target="INPUT " + (f"port {port}" if port else "every port"), effect="expose",
           note="accepted from every address", environment=_here(a))


def nft(a, cmd):
    """`nft add rule inet filter input tcp dport 27017 accept` with no source address: opened to every address."""
    words = list(cmd.args)
    if not words or words[0] not in ("add", "insert") or "rule" not in words[:2] or "accept" not in words:
        return
    if not any(w.lower() == "input" for w in words[:6]):
        return
    if any(w in ("saddr",) for w in words) and not any(w in _ANY_SOURCE for w in words):
        return
    if "iif" in words and "lo" in words or "iifname" in words and any(w.strip('"') == "lo" for w in words):
        return
    a.emit("net.exposure", cmd, target="nft input rule", effect="expose", note="accepted from every address")
