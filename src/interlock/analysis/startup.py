"""Places that run what is written into them later — systemd units, XDG autostart entries, launchd
agents, session scripts (``knowledge/startup.toml``) — and the commands a file of each format runs.

``place_of(path, home)`` says whether a path is one (its name and format); ``commands(fmt, text)`` reads
the command lines out of a file's text, or None when they cannot be read (a broken property list): then
nothing is judged harmless and the write stays asked.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

_places = None
_formats = None
_EXEC = re.compile(r"^\s*(ExecStart|ExecStartPre|ExecStartPost|ExecStop|ExecStopPost|ExecReload|ExecCondition)"
                   r"\s*=\s*(.*)$")
_DESKTOP_EXEC = re.compile(r"^\s*(?:Exec|TryExec)\s*=\s*(.*)$")
_FIELD_CODE = re.compile(r"%[fFuUdDnNickvm]")


def places():
    """[(name, format, globs, raw entry)], read once."""
    global _places
    if _places is None:
        from ..knowledge import load

        raw = load("startup.toml")
        _places = [(p["name"], p["format"], tuple(p["globs"]), p) for p in raw.get("place", [])]
    return _places


def formats():
    """{format name: [compiled line patterns]} of startup.toml's [[format]] tables, read once."""
    global _formats
    if _formats is None:
        from ..knowledge import load

        _formats = {f["name"]: [re.compile(p) for p in f.get("commands", [])] for f in load("startup.toml").get("format", [])}
    return _formats


def _pattern_commands(patterns, text):
    out = []
    for no, line in enumerate(text.split("\n")[:5000]):
        for rx in patterns:
            for m in rx.finditer(line):
                got = next((g for g in m.groups() if g), None)
                if got and got.strip():
                    out.append((no, got.strip()))
    return out


def keeps_refused_only(name: str) -> bool:
    """The place named ``name`` keeps only refused findings of the commands it runs (startup.toml keeps)."""
    return any(n == name and raw.get("keeps") == "refused" for n, _, _, raw in places())


def _expand(glob, home):
    return home.rstrip("/") + glob[1:] if glob.startswith("~/") else glob


def place_of(path: str, home: str, emptying=False):
    """(name, format) of the start-up place ``path`` is, or None (``emptying``: only places whose emptying
    breaks a login or a session)."""
    if not path or "/" not in path:
        return None
    for name, fmt, globs, raw in places():
        if emptying and not raw.get("empty_breaks", True):
            continue
        for g in globs:
            if fnmatchcase(path, _expand(g, home)):
                return name, fmt
    return None


def unit_dirs(user: bool, home: str):
    """Where systemctl looks for a unit by name (user or system manager)."""
    for name, fmt, _, raw in places():
        if fmt == "systemd":
            return [_expand(d, home) for d in raw.get("user_units" if user else "system_units", [])]
    return []


def commands(fmt: str, text: str):
    """[(line number, shell command line)] a file of this format runs, or None when it cannot be read."""
    if fmt == "shell":
        return [(0, text)]
    out = []
    if fmt == "systemd":
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            m = _EXEC.match(lines[i])
            no = i
            if m:
                value = m.group(2)
                while value.endswith("\\") and i + 1 < len(lines):  # a line continued on the next
                    i += 1
                    value = value[:-1] + " " + lines[i].strip()
                value = value.strip().lstrip("@-:+!|").strip()
                if value:
                    out.append((no, value))
            i += 1
        return out
    if fmt == "desktop":
        for no, line in enumerate(text.split("\n")):
            m = _DESKTOP_EXEC.match(line)
            if m and m.group(1).strip():
                out.append((no, _FIELD_CODE.sub("", m.group(1)).strip()))
        return out
    if fmt == "gitconfig":
        return _git_commands(text)
    if fmt == "sshconfig":
        return _ssh_commands(text)
    if fmt in formats():
        return _pattern_commands(formats()[fmt], text)
    if fmt == "ci":
        return _ci_commands(text)
    if fmt == "launchd":
        import plistlib
        import shlex

        try:
            d = plistlib.loads(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
        except Exception:
            return None
        if not isinstance(d, dict):
            return None
        argv = d.get("ProgramArguments")
        if isinstance(argv, list) and argv and all(isinstance(x, str) for x in argv):
            return [(0, " ".join(shlex.quote(x) for x in argv))]
        prog = d.get("Program")
        if isinstance(prog, str) and prog:
            return [(0, shlex.quote(prog))]
        return []
    return None


_CI_KEYS = frozenset({"run", "script", "before_script", "after_script", "command", "commands", "inlineScript",
                      "bash", "sh"})
_CI_SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_CI_ALL_SECRETS = re.compile(r"\$\{\{\s*toJSON\(\s*secrets\s*\)\s*\}\}", re.I)
_CI_EXPR = re.compile(r"\$\{\{.*?\}\}")


def _ci_commands(text):
    """[(0, command)] of a CI pipeline (GitHub Actions `run:`, GitLab `script:`, CircleCI `command:`…), with
    `${{ secrets.NAME }}` read as `$NAME`, `${{ toJSON(secrets) }}` as `$(printenv)` and any other expression as
    a plain word.  None when the text is not YAML (not judged as harmless)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - broken YAML: its commands are not known
        return None
    out = []

    def walk(node, depth):
        if depth > 40 or len(out) >= 64:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                if str(k) in _CI_KEYS:
                    for line in (v if isinstance(v, list) else [v]):
                        if isinstance(line, str) and line.strip():
                            out.append((0, _ci_expr(line)))
                walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, depth + 1)

    walk(doc, 0)
    return out


def _ci_expr(line):
    line = _CI_ALL_SECRETS.sub('"$(printenv)"', line)
    line = _CI_SECRET.sub(lambda m: "$" + m.group(1), line)
    return _CI_EXPR.sub("x", line)


_SSH_KEY = re.compile(r"^\s*(ProxyCommand|LocalCommand|KnownHostsCommand|Match)\s*(?:=\s*|\s+)(.*)$", re.I)
_SSH_MATCH_EXEC = re.compile(r'(?i)\bexec\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))')
_SSH_TOKEN = re.compile(r"%[%a-zA-Z]")


def _ssh_commands(text):
    """The local commands an ssh client configuration runs: ProxyCommand, LocalCommand, KnownHostsCommand
    (`none` runs nothing) and `Match exec` conditions; ssh's %-tokens (%h, %p, %r…) read as plain words."""
    out = []
    for no, line in enumerate(text.split("\n")):
        m = _SSH_KEY.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "match":
            for e in _SSH_MATCH_EXEC.finditer(value):
                out.append((no, _SSH_TOKEN.sub("x", e.group(1) if e.group(1) is not None else e.group(2))))
        elif value and value.lower() != "none":
            out.append((no, _SSH_TOKEN.sub("x", value)))
    return out


_GIT_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"([^"]*)")?\s*\]\s*(.*)$')
_GIT_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")
# section.key (a subsection's name left out) → "always" a command, or "bang" one when it starts with `!`
_GIT_RUNS = {"alias.*": "bang", "core.pager": "always", "core.editor": "always", "core.fsmonitor": "always",
             "core.sshcommand": "always", "sequence.editor": "always", "gpg.program": "always",
             "diff.textconv": "always", "diff.command": "always", "filter.clean": "always",
             "filter.smudge": "always", "filter.process": "always", "merge.driver": "always",
             "credential.helper": "bang", "pager.*": "always", "difftool.cmd": "always", "mergetool.cmd": "always"}


def hooks_paths(text: str) -> list:
    """The core.hooksPath values a git configuration file's text sets."""
    out, section = [], ""
    for line in text.split("\n")[:5000]:
        m = _GIT_SECTION.match(line)
        if m:
            section, line = m.group(1).lower(), m.group(3)
        k = _GIT_KEY.match(line)
        if section == "core" and k and k.group(1).lower() == "hookspath" and k.group(2):
            out.append(k.group(2).split(" #", 1)[0].split(" ;", 1)[0].strip().strip('"'))
    return out


def _git_commands(text: str):
    """[(line, command)] a git configuration file makes git run (see knowledge/startup.toml)."""
    out = []
    section = ""
    for no, line in enumerate(text.split("\n")[:5000]):
        line = line.split(" #", 1)[0].split(" ;", 1)[0] if not line.lstrip().startswith(("#", ";")) else ""
        m = _GIT_SECTION.match(line)
        if m:
            section = m.group(1).lower()
            line = m.group(3)  # `[alias] x = !cmd` on one line
            if not line.strip():
                continue
        k = _GIT_KEY.match(line)
        if not k or k.group(2) is None:
            continue
        key, value = k.group(1).lower(), k.group(2).strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if (section, key) in (("include", "path"), ("includeif", "path")):
            return None  # commands kept in another file: not known from this text (stays asked)
        if (section, key) == ("core", "hookspath"):
            continue  # a directory of hooks: judged by its caller (shell.git.planted_hooks_path, hooks_paths)
        how = _GIT_RUNS.get(f"{section}.{key}") or _GIT_RUNS.get(f"{section}.*")
        if section == "core" and key == "fsmonitor" and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            continue
        if how == "always" and value:
            out.append((no, value.lstrip("!")))
        elif how == "bang" and value.startswith("!"):
            out.append((no, value[1:]))
    return out
