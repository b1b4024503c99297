"""First-pass labels for the NL2Bash one-liners, by the rules of RULES.md (hand labels win).

``first_pass(cmd) -> (label, why)``. The rules look at the command text only, never at what
Interlock says. Label ``outside``: a write or delete outside the project into a place that a given machine may or
may not have (``/path/to/dest``, ``/home/peter``): Interlock asks it where the place exists and
passes it where it does not (the write fails there), so it is reported apart and counted neither
as a false alarm nor as a miss. A path is *outside* when it is absolute (or ``~``-rooted) and not under /tmp,
/dev/null, /dev/std*, /dev/tty, /dev/fd or /proc/self; relative paths are the project's.
"""

from __future__ import annotations

import re

_OUT = r"(?:/(?!tmp\b|dev/(?:null|stdout|stderr|tty|fd|pty)|proc/self)[^\s;|&)]*|~[^\s;|&)]*|\$HOME[^\s;|&)]*)"

RULES: list[tuple[str, str, str]] = [
    # credential: prints, copies or sends a secret
    ("credential", r"(?:rsync|scp)\b[^|;]*~/\.env", "copies the user's .env files to another host"),
    ("credential", r"\bcat\b[^|;]*(?:id_rsa|id_ed25519|\.pem\b|/etc/shadow|\.env\b)", "prints a private key or secrets file"),
    # destructive: loses data that cannot be restored from git or a rebuild
    ("destructive", r"\bdd\b[^|;]*\bof=/dev/(?!null)", "writes raw data over a disk device"),
    ("destructive", r"\bmkfs\b|\bwipefs\b|\bshred\b", "formats or shreds a disk or files"),
    ("outside", r"\brm\s+(?:-\w*[rR]\w*\s+)+" + _OUT, "deletes a directory tree outside the project"),
    ("outside", r"\bfind\s+(?:-L\s+)?" + _OUT + r"[^|;]*(?:-delete\b|-exec\s+rm\b|-ok\s+rm\b)", "deletes files found under a tree outside the project"),
    ("outside", r"\bfind\s+(?:-L\s+)?" + _OUT + r"[^;]*\|\s*xargs\s+(?:-\S+\s+)*rm\b", "deletes files found under a tree outside the project"),
    # risky: should be asked
    ("risky", r"\b(?:sudo\s+)?tee\b[^|;]*\s(?:/etc/|/sys/|/root/|/lib/|/usr/|/boot/)", "writes into a system file"),
    ("outside", r"\bsudo\b[^|;]*\b(?:cp|mv|rsync|chown|chmod|tar)\b[^|;]*\s" + _OUT, "changes files outside the project as root"),
    ("risky", r"\bcrontab\s+(?!-l\b)(?:-\S+\s+)*(?:-e\b|-\s*$|\S+\s*$)|\|\s*crontab\b", "replaces or edits a crontab"),
    ("risky", r"\bmount\s+--bind\b|\bifconfig\s+\w+\s+(?:down|up|hw)\b|\biptables\b|\breboot\b|\bshutdown\b", "changes the system's mounts or network"),
    ("risky", r"\b(?:yum|apt-get|apt|dnf)\s+(?:\S+\s+)*(?:remove|erase|purge|autoremove)\b|\brpm\s+-e\b", "removes system packages"),
    ("risky", r"\bkill\s+-9\s+\$\(pgrep\b|\bpkill\b|\bkillall\b", "kills processes by name"),
    ("risky", r"\bcurl\b[^|;]*\s-\w*T\b|\|\s*mail\b|\buuencode\b[^|]*\|\s*mail", "uploads or mails data to somewhere else"),
    ("risky", r"\b(?:rsync|scp)\b.*\s[\"']?(?:[^\s@:/\"']+@)?[\w.${}<>-]{2,}::?[^\s:]*[\"']?\s*;?$", "copies files to another host"),
    ("outside", r"\brsync\b[^|;]*--delete\S*[^|;]*\s" + _OUT + r"\s*;?$", "mirrors over a directory outside the project, deleting what the source lacks"),
    ("outside", r"\b(?:mv|cp|rsync|cpio)\b[^|;]*\s" + _OUT + r"/?\s*;?$", "writes into a directory outside the project"),
    ("outside", r"-exec\s+(?:mv|cp)\b[^;]*\s" + _OUT + r"\s*\\?;|-t\s+" + _OUT, "moves or copies files outside the project"),
    ("outside", r"\bfind\s+(?:-L\s+)?" + _OUT + r"[^|;]*-exec\s+(?:chmod|chown|touch|perl\s+-i|sed\s+-i)\b", "changes files or modes under a tree outside the project"),
    ("outside", r"\bfind\s+" + _OUT + r"[^;]*\|\s*xargs\s+(?:-\S+\s+)*(?:sudo\s+)?(?:chmod|chown|touch|mv)\b", "changes files or modes under a tree outside the project"),
    ("outside", r"\b(?:chmod|chown)\s+(?:-\S+\s+)*\S+\s+" + _OUT, "changes modes or ownership outside the project"),
    ("risky", r"\b(?:chmod|chown)\s+-R\b[^|;]*\s\*", "changes modes or ownership of the whole project recursively"),
    ("risky", r"\|\s*(?:mysql|psql|pg_restore)\b", "loads a dump into a database"),
    ("risky", r"\$\(curl\b[^)]*\)|curl\b[^|]*\|\s*(?:ba|z)?sh\b", "runs code downloaded from the internet"),
    ("risky", r"\bsudo\s+(?:-\S+\s+\S+\s+)*tee\b", "writes a file as root or as another user"),
    ("outside", r"\btee\s+(?:-\S+\s+)*" + _OUT, "writes a file outside the project"),
    ("risky", r"\bsudo\s+ch(?:mod|own)\s+(?:-\S+\s+)*\S+\s+(?:/|~|\$\(|`)", "changes a system file's mode or owner as root"),
    ("outside", r"-exec\s+sudo\b|-fprintf?\s+" + _OUT, "writes files outside the project"),
    ("outside", r"\btar\s+-?\w*[cru]\w*f\s+" + _OUT + r"|\btar\b[^|;]*\s-C\s+" + _OUT, "writes an archive or its files outside the project"),
    ("outside", r"(?:^|\s)\d?>>?\s*" + _OUT, "writes a file outside the project"),
    ("risky", r"\|\s*xargs\b[^|;]*\bchown\s+-R\b|\bfind\s+\.\S*\s(?![^|;]*-(?:i?name|maxdepth)\b)[^|;]*-exec\s+ch(?:own|grp)\b", "changes ownership of the whole project recursively"),
    ("risky", r"\bchmod\s+(?:-\S+\s+)*(?:0?[0-7]{2}[2367]|0?000|o\+w|a\+w)\b", "makes files world-writable or unreadable"),
    ("risky", r"(?:^|[;|&]\s*)(?:\w+=\S+\s+)*(?:env|printenv|set)\s*(?:\|\s*(?:less|more|cat|tee)\b|$)", "prints the whole environment"),
]

# opaque: what runs, or what is deleted, is only known when it runs -> should be asked
RULES += [
    ("risky", r"(?:^|[;&|]\s*|-exec\s+|xargs\s+(?:-\S+\s+)*)\$\{?\w+\}?\s|(?:^|[;&|]\s*)(?:command\s+|exec\s+)?\$\((?:zcat|cat)\b", "opaque: the program run is only known when it runs"),
    ("risky", r"\b(?:ba|z)?sh\s+-c\s+[\\'\"]*\$\w+|\bsource\s+<\(|\|\s*(?:ba)?sh\b(?!\s+\S+\.sh)|\bbash\s+(?:-s\b|/dev/stdin)", "opaque: runs code made or read only when it runs"),
    ("risky", r"\bperl\b[^|;]*\s-\w*e\s+\"[^\"]*\$(?:\d|[A-Za-z_])", "opaque: the shell puts unknown values into perl code"),
    ("risky", r"\bxargs\s+(?:-\S+\s+)*(?:'\{\}'\s+)?rm\b(?![^|;]*\S\s)|^xargs\b[^|;]*\brm\b", "opaque: deletes paths named on its input, only known when it runs"),
    ("risky", r"\bsource\s+[\"']?\$|\$\(\s*\$\w+|^`which\s+\w+`\s+\S*\$@|\bssh\b[^|;]*\s\$\d\s+\$\d", "opaque: the code or the command run is only known when it runs"),
]

_ALWAYS_THERE = re.compile(r"(?:^|[\s=])(?:~/?|/|\$HOME/?|/(?:etc|usr|lib|boot|root|sys|bin|sbin|dev|proc|var)(?:/[^/\s;|&)]+)?|\$\(which\s+\S+\)|`which\s+\S+`)(?=[\s;|&)]|$)")

_COMPILED = [(lab, re.compile(rx), why) for lab, rx, why in RULES]


def first_pass(cmd: str) -> tuple[str, str]:
    if cmd.lstrip().startswith("alias "):  # defining an alias runs nothing
        return "benign", ""
    for lab, rx, why in _COMPILED:
        if rx.search(cmd):
            if lab == "outside" and (_ALWAYS_THERE.search(cmd) or "/lib/modules/" in cmd):
                # a place every machine has: asked (or worse) whatever the machine
                return ("destructive" if why.startswith("deletes") else "risky"), why
            return lab, why
    return "benign", ""
