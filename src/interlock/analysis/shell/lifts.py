"""Token lifts: a value extracted from a file or a command's output (``$(grep -oP …)``, ``jq -r .token``,
``awk -F=``, ``cut``, ``sed -n``, ``python -c 'json.load(open(F))…'``) into a variable or a pipe, then used
as a credential (an Authorization header, ``-u``, ``--token``, a CLI's token variable).

Whichever file it was, the extraction is a credential read of that file and the request uses a
credential the agent was not given: ``secrets.lift`` (credential).  The same value used anywhere else
(``curl https://registry.npmjs.org/$NAME``) is ordinary.
"""

from __future__ import annotations

import os
import re
import shlex

_EXTRACTORS = frozenset({"grep", "egrep", "fgrep", "rg", "jq", "yq", "awk", "gawk", "mawk", "cut", "sed", "head",
                         "tail", "cat", "tr", "sort", "uniq", "xargs", "python", "python3", "node", "perl", "ruby",
                         "base64", "strings", "dotenv", "sops"})
_PATTERN_FIRST = frozenset({"grep", "egrep", "fgrep", "rg", "jq", "yq", "awk", "gawk", "mawk", "sed"})
_OPT_WITH_ARG = {"cut": "dfcb", "awk": "Fvf", "gawk": "Fvf", "mawk": "Fvf", "grep": "efABCm", "egrep": "efABCm",
                 "rg": "efABCmg", "head": "nc", "tail": "nc", "sed": "ef", "jq": "", "yq": "", "tr": "",
                 "sort": "tk", "xargs": "IdnLPs"}
_CODE_FILE = re.compile(r"""(?:open|readFileSync|readFile|File\.read|IO\.read|load_file|Path)\(\s*['"]([^'"]+)['"]""")
_CRED_NAME = re.compile(r"(?i)(token|secret|passw|api_?key|apikey|auth|credential|bearer|private_?key|access_?key)")
_CRED_BEFORE = re.compile(r"""(?i)(authorization|bearer\s*$|token\s*[:= ]\s*["']?$|\btoken\s*$|api[-_]?key\s*[:=]\s*["']?$|"""
                          r"""private-token\s*:\s*$|x-[\w-]*(?:token|key|auth|secret)[\w-]*\s*:\s*["']?$|"""
                          r"""(?:^|\s)(?:--user|--token|--auth|--password|--api-key|--oauth2-bearer)\s*[= ]?\s*["']?$|"""
                          r"""\b\w*(?:TOKEN|SECRET|PASSWORD|API_KEY|APIKEY|AUTH)\w*=["']?$|bearer_auth\(\s*$|basic\s+$)""")


def _substitutions(text: str):
    """(start, inner text) of every $(...) (nesting and quotes followed) and `...` in a command."""
    i = 0
    n = len(text)
    while i < n:
        if text.startswith("$(", i) and not text.startswith("$((", i):
            depth, j, q = 1, i + 2, None
            while j < n and depth:
                c = text[j]
                if q:
                    if c == "\\" and q == '"':
                        j += 1
                    elif c == q:
                        q = None
                elif c in "'\"":
                    q = c
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                j += 1
            if depth == 0:
                yield i, text[i + 2:j - 1]
            i = j if depth == 0 else i + 2
            continue
        if text[i] == "`":
            j = text.find("`", i + 1)
            if j > 0:
                yield i, text[i + 1:j]
                i = j + 1
                continue
        i += 1


def _split_stages(inner: str):
    try:
        lex = shlex.shlex(inner, posix=True, punctuation_chars="|;&<>")
        lex.whitespace_split = True
        toks = list(lex)
    except ValueError:
        return None
    stages, cur = [], []
    for t in toks:
        if t in ("|", "||", "&&", ";", "|&"):
            if cur:
                stages.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        stages.append(cur)
    return stages


def _file_operand(prog, args):
    if prog in ("python", "python3", "node", "perl", "ruby"):
        for x in args:
            m = _CODE_FILE.search(x)
            if m:
                return m.group(1)
        return None
    with_arg = _OPT_WITH_ARG.get(prog, "")
    ops = []
    i = 0
    while i < len(args):
        x = args[i]
        if x == "<" and i + 1 < len(args):
            return args[i + 1]
        if x.startswith("-") and len(x) > 1:
            if len(x) == 2 and x[1] in with_arg:
                i += 1
            elif x.startswith("--") and "=" not in x and x[2:] in ("arg", "argjson", "regexp", "file", "delimiter",
                                                                      "fields", "field-separator"):
                i += 1 if x[2:] not in ("arg", "argjson") else 2
            i += 1
            continue
        ops.append(x)
        i += 1
    if prog in _PATTERN_FIRST and ops:
        ops = ops[1:]
    return ops[-1] if ops else None


def extraction_source(inner: str):
    """``grep -oP 'X=\\K.*' f`` → 'f'; ``railway variables | grep TOKEN | cut -d= -f2`` → 'the output of
    railway variables'; anything that is not an extraction → None."""
    inner = inner.strip()
    if inner.startswith("<") and "|" not in inner:
        return inner[1:].strip().strip("'\"") or None
    stages = _split_stages(inner)
    if not stages:
        return None
    first = stages[0]
    prog = os.path.basename(first[0]) if first else ""
    if prog in _EXTRACTORS:
        f = _file_operand(prog, first[1:])
        if f:
            return f
        return None
    if len(stages) > 1 and any(os.path.basename(s[0]) in _EXTRACTORS for s in stages[1:] if s):
        return "the output of " + " ".join(first[:3])
    return None


def _lifts(a):
    got = getattr(a, "lifts", None)
    if got is None:
        got = a.lifts = {}
    return got


def note(a, cmd, name: str, value_text: str, export=False):
    """A variable assignment: remember where an extracted value came from."""
    lifts = _lifts(a)
    src = None
    for _start, inner in _substitutions(value_text or ""):
        src = extraction_source(inner) or token_file_in(a, inner)
        if src:
            break
    if src is None:
        ref = re.search(r"\$\{?([A-Za-z_]\w*)", value_text or "")
        if ref and ref.group(1) in lifts:
            src = lifts[ref.group(1)]
    if src is None:
        lifts.pop(name, None)
        return
    lifts[name] = src
    if export:
        a.exported_lifts = dict(getattr(a, "exported_lifts", None) or {}, **{name: src})  # (session memory)
    if _CRED_NAME.search(name):  # export RAILWAY_TOKEN=$(awk -F= '/TOKEN/{print $2}' other/.env): a CLI's token
        _emit(a, cmd, name, src)


def _emit(a, cmd, name, src):
    a.emit("secrets.lift", cmd, target=src, effect="send-secret",
           note=f"{'$' + name if name else 'the value'} is taken from {src}, which the agent was not given as a credential")


def check_use(a, cmd):
    """A command using a lifted value (a variable, a substitution, xargs' {}) where a credential goes."""
    text = cmd.text or ""
    if not text:
        return
    lifts = getattr(a, "lifts", None) or {}
    prog = (cmd.argv or [""])[0] if getattr(cmd, "argv", None) else ""
    for m in re.finditer(r"\$\{?([A-Za-z_]\w*)\}?", text):
        nm = m.group(1)
        src = lifts.get(nm) or (_session_lift(a, nm) if nm not in lifts else None)
        if src and _credential_position(text, m.start(), prog):
            _emit(a, cmd, nm, src)
            return
    for start, inner in _substitutions(text):
        src = extraction_source(inner) or token_file_in(a, inner)
        if src and _credential_position(text, start, prog):
            _emit(a, cmd, None, src)
            return
    if cmd.stdin is not None and cmd.stdin[0] in ("unknown", "file") and re.search(
            r"--(?:with-token|password-stdin|token-stdin)\b", text):  # … | gh auth login --with-token
        src = cmd.stdin[1] if cmd.stdin[0] == "file" else extraction_source(_pipeline_before(cmd))
        if src:
            _emit(a, cmd, None, src)
            return
    if "{}" in text and cmd.stdin is not None and cmd.stdin[0] == "unknown":
        prev = _pipeline_before(cmd)
        if prev:
            src = extraction_source(prev)
            if src:
                if any(_credential_position(text, m.start(), prog) for m in re.finditer(r"\{\}", text)):
                    _emit(a, cmd, None, src)


def token_file_in(a, inner: str):
    """Any program's extraction from a file that holds a literal credential (``node -p "require('./deploy/x.json')
    .token"``, ``pwsh -c "(Select-String -Path scripts/a.sh …)"``, ``php -r '…file_get_contents("f")…'``): a word or
    a string literal in its code that names such a file in the project, shown; else None.  What is extracted is then
    judged where it goes (a credential position makes it a lift)."""
    from ..anylang import literals
    from ..secrets import file_tokens

    stages = _split_stages(inner or "")
    if not stages or not stages[0] or getattr(a, "remote", None):
        return None
    words = [w for w in stages[0][1:] if w and not w.startswith("-")]
    cands = []
    for w in words[:16]:
        cands.append(w)
        if any(c in w for c in "('\" "):
            cands += literals(w, limit=32)
            cands += [t for t in re.findall(r"[\w.~/-]+", w) if "/" in t][:16]  # a bare path in code (PowerShell)
    base = getattr(a.pctx, "cwd", None) or ""
    for c in cands[:64]:
        c = c.strip()
        if not c or len(c) > 512 or "\n" in c or c.startswith(("http://", "https://")):
            continue
        path = os.path.expanduser(c) if c.startswith("~") else os.path.join(base, c)
        try:
            if os.path.isfile(path) and file_tokens(path, getattr(a, "secret_exempt", ())):
                return c
        except (OSError, ValueError):
            continue
    return None


def _session_lift(a, name):
    """Where ``$name`` was lifted from, when an earlier command of this session exported it so (session memory)."""
    sf = getattr(a, "session_files", None)
    e = sf.get("$env:" + name) if sf else None
    return e.get("lift_src") if isinstance(e, dict) and isinstance(e.get("lift_src"), str) else None


def _pipeline_before(cmd) -> str:
    node = cmd.node
    try:
        for _ in range(3):
            if node is None:
                return ""
            parent = node.parent
            if parent is not None and parent.type == "pipeline":
                src = parent.text.decode("utf-8", "replace")
                off = node.start_byte - parent.start_byte
                return src[:off].rstrip().rstrip("|").strip()
            node = parent
    except Exception:
        return ""
    return ""


#: ``-u`` / ``-p`` are where curl, mysql, sshpass, 7z… take a credential; for these programs they are a
#: user name, a PID, a port or "parents" instead (``top -p $(pgrep x)``, ``ps -u $(whoami)``,
#: ``ssh -p $PORT``, ``docker run -p``), so a value extracted into them is no lifted credential.
_NOT_CRED_FLAG = {"top": "up", "htop": "up", "atop": "p", "ps": "up", "pgrep": "u", "pkill": "u", "pidof": "",
                  "kill": "p", "lsof": "up", "strace": "p", "ltrace": "p", "gdb": "p", "perf": "p", "pidstat": "pu",
                  "renice": "pu", "taskset": "p", "prlimit": "p", "ionice": "p", "watch": "p", "pmap": "p",
                  "ssh": "p", "mkdir": "p", "docker": "pu", "podman": "pu", "sort": "u", "uniq": "u", "date": "u",
                  "crontab": "u", "sudo": "pu", "nc": "p", "ncat": "p", "psql": "pU", "pg_dump": "p", "pg_isready": "p",
                  "redis-cli": "p", "git": "pu", "tar": "p", "cp": "pu", "mv": "u", "rsync": "pu", "install": "p",
                  "diff": "pu", "patch": "p", "netstat": "pu", "ss": "pu", "journalctl": "pu", "systemctl": "p",
                  "gunicorn": "p", "npx": "p", "pytest": "p", "make": "p", "xargs": "p", "screen": "p", "iotop": "pu",
                  "python": "u", "python3": "u", "sysctl": "p", "chage": "", "id": "u", "who": "u", "w": "u", "last": "p"}
_SHORT_FLAG_BEFORE = re.compile(r"""(?:^|\s)-([up])\s*["']?$""")


def _credential_position(text, pos, prog: str = "") -> bool:
    before = text[max(0, pos - 60):pos]
    if _CRED_BEFORE.search(before):
        return True
    m = _SHORT_FLAG_BEFORE.search(before)
    return bool(m) and m.group(1) not in _NOT_CRED_FLAG.get(os.path.basename(prog or ""), "")


def note_read(a, cmd):
    """``read -r T < file`` / ``mapfile -t L < file``: the variables hold the file's content."""
    src = cmd.stdin[1]
    names = [x for x in cmd.args if re.match(r"^[A-Za-z_]\w*$", x)]
    lifts = _lifts(a)
    for n in names or ["REPLY"]:
        lifts[n] = src
        if _CRED_NAME.search(n) and cmd.argv[0] == "read":
            _emit(a, cmd, n, src)
