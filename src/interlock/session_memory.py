"""Session memory: what Interlock learned about the files an agent wrote in one session.

When an agent writes or edits a file (Write/Edit tools, a here-document, ``cat > f``, ``tee``), Interlock
analyses the content as the program it would be (its language from the name or the shebang) and
remembers the facts — it holds a literal token, it calls a destructive API operation, it deletes the
home directory — per (agent, session id, path).  Running, sourcing, importing or copying that file later
in the same session is judged with that knowledge too, even when the content on disk has since changed
by another route (a denied Write whose file arrived anyway, a second write, a checkout).

Kept in ``<state dir>/sessions/<digest>.json`` (mode 0600 in a 0700 directory); facts only, redacted —
never the content or a secret; bounded and expiring (chain.toml [session]).  Pure helpers for the engine:
``load`` gives the analyzer its facts, ``learn`` records what an action wrote.
"""

from __future__ import annotations

import json
import os
import time

from .actions import sha256_hex

_LIMITS = None


def limits() -> dict:
    global _LIMITS
    if _LIMITS is None:
        from .analysis.hunt import data

        d = data().get("session", {})
        _LIMITS = {"ttl": float(d.get("ttl_hours", 24)) * 3600, "max_files": int(d.get("max_files", 256)),
                   "max_sessions": int(d.get("max_sessions", 64)), "max_facts": int(d.get("max_facts", 8)),
                   "max_content": int(d.get("max_content", 1 << 20))}
    return _LIMITS


def _dir(env) -> str:
    from .policy import state_dir

    return os.path.join(state_dir(env), "sessions")


def _path(env, agent, session) -> str:
    return os.path.join(_dir(env), sha256_hex(f"{agent}\0{session}".encode())[:32] + ".json")


def load(env, agent, session) -> dict:
    """{path: {"facts": [...], "t": time}} for this session (empty when none, expired or unreadable)."""
    if not session:
        return {}
    p = _path(env, agent, session)
    try:
        st = os.stat(p)
        if time.time() - st.st_mtime > limits()["ttl"]:
            return {}
        with open(p, encoding="utf-8") as f:
            got = json.load(f)
        files = got.get("files")
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _save(env, agent, session, files: dict):
    d = _dir(env)
    os.makedirs(d, mode=0o700, exist_ok=True)
    try:
        os.chmod(d, 0o700)
    except OSError:
        pass
    lim = limits()
    if len(files) > lim["max_files"]:
        keep = sorted(files.items(), key=lambda kv: kv[1].get("t", 0))[-lim["max_files"]:]
        files = dict(keep)
    p = _path(env, agent, session)
    tmp = f"{p}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"agent": agent, "files": files}, f)
    os.replace(tmp, p)
    _prune(d, lim)


def _prune(d, lim):
    try:
        entries = []
        now = time.time()
        for n in os.listdir(d):
            if not n.endswith(".json"):
                continue
            fp = os.path.join(d, n)
            try:
                mt = os.stat(fp).st_mtime
            except OSError:
                continue
            if now - mt > lim["ttl"]:
                os.unlink(fp)
            else:
                entries.append((mt, fp))
        entries.sort()
        for _mt, fp in entries[:max(0, len(entries) - lim["max_sessions"])]:
            os.unlink(fp)
    except OSError:
        pass


def facts_of(findings, lim) -> list:
    """The findings worth remembering (what is not ordinary), redacted."""
    from .redact import redact

    out = []
    for f in findings:
        if f.severity in ("read", "write"):
            continue
        fact = {"rule": f.rule, "severity": f.severity,
                "evidence": redact(str(f.evidence or ""))[:200], "target": redact(str(f.target))[:200] if f.target else None}
        if fact not in out:
            out.append(fact)
        if len(out) >= lim["max_facts"]:
            break
    return out


_RUN_AS = {"python": "python3", "node": "node", "ruby": "ruby", "perl": "perl", "php": "php", "shell": "sh",
           "deno": "deno run"}


def analyse_content(path: str, text: str, ctx) -> list:
    """What running ``text`` written at ``path`` would do: the findings of analysing it as a program."""
    from .analysis.literal_secrets import find_secrets
    from .analysis.shell.analyzer import ShellAnalyzer
    from .analysis.shell.programs import script_language
    from .analysis.shell.runners_any import runners

    lim = limits()
    out = []
    if len(text) > lim["max_content"]:
        from .actions import Finding
        from .rules import RULES

        r = RULES["shell.opaque-eval"]
        return [Finding(r.id, r.severity, "run", path, "a file too large to analyse", r.why)]
    lang = script_language(path, text)
    runner = _RUN_AS.get(lang) if lang else None
    if runner is None:
        ext = os.path.splitext(path)[1]
        for name, spec in runners().items():
            if ext and ext in spec.get("ext", []):
                sub = (spec.get("sub") or "").split("|")[0]
                runner = f"{name} {sub}".strip()
                break
    from .selfprotect import secret_globs as _secret_globs

    extra, exempt = _secret_globs(ctx)
    a = ShellAnalyzer(ctx.pctx, env=ctx.env, user=ctx.user, protected_branches=tuple(ctx.policy.protected_branches),
                      resolve_environment=ctx.policy.environment_for, secret_extra=tuple(extra),
                      secret_exempt=tuple(exempt))
    a.written_text[path] = text
    if runner:
        from shlex import quote

        try:
            out += a.analyze(f"{runner} {quote(path)}", ctx.cwd)
        except Exception:
            pass
    else:  # a file of no language we run: the floor scan still reads what it can send
        from .analysis.shell.analyzer import Cmd
        from .analysis.shell.runners_any import scan_and_emit

        try:
            scan_and_emit(a, Cmd(["cat", path], text=f"cat {path}"), text)
            out += a.findings
        except Exception:
            pass
    hits = find_secrets(text[:200_000])
    if hits:
        from .actions import Finding
        from .rules import RULES

        r = RULES["secrets.file-token"]
        out.append(Finding(r.id, r.severity, "read-secret", path, f"{hits[0].kind} {hits[0].masked}", r.why))
    return out


def learn(action, ctx, analyzer=None) -> None:
    """Remember what this action wrote (a file tool's content, text a command wrote, files it copied)."""
    session = getattr(action, "session", None)
    if not session:
        return
    from .actions import FILE_WRITE, SHELL
    from .analysis.paths import resolve

    lim = limits()
    writes = {}
    copies = {}
    partial = set()
    if action.kind == FILE_WRITE and action.payload.get("paths") is not None and isinstance(
            action.payload.get("content"), str):  # a Codex apply_patch: each file's added lines
        cwd = action.cwd or ctx.cwd
        for op, path, body in _patch_files(action.payload["content"]):
            full = resolve(path if path.startswith("/") else os.path.join(cwd, path), ctx.pctx)
            writes[full] = body
            if op != "Add File":
                partial.add(full)
    elif action.kind == FILE_WRITE:
        p = action.payload
        path = p.get("path")
        if isinstance(path, str) and path and isinstance(p.get("content"), str):
            writes[resolve(path, ctx.pctx)] = p["content"]
    elif action.kind == SHELL and analyzer is not None:
        writes.update(getattr(analyzer, "written_text", {}) or {})
        copies.update(getattr(analyzer, "aliases", None) or {})
    exported = (getattr(analyzer, "exported_lifts", None) or {}) if analyzer is not None else {}
    if not writes and not copies and not exported:
        return
    files = load(ctx.env, action.agent, session)
    now = time.time()
    changed = False
    for name, src in list(exported.items())[:8]:
        # `export T=$(grep -o … scripts/add_domain.sh)`: later commands of the session that send $T send that token
        files["$env:" + name] = {"facts": [], "t": now, "lift_src": str(src)[:200]}
        changed = True
    whole = action.kind == SHELL or (action.tool or "Write") in ("Write", "write", "create", "NotebookEdit",
                                                                  "apply_patch")
    for path, text in list(writes.items())[:16]:
        if not isinstance(text, str):
            continue
        facts = facts_of(analyse_content(path, text, ctx), lim)
        old = files.get(path)
        whole_file = whole and path not in partial
        if not whole_file and old:  # an edit: a fragment of the file; what the file held before still counts
            facts = (old.get("facts", []) + [f for f in facts if f not in old.get("facts", [])])[:lim["max_facts"]]
        if facts:
            files[path] = {"facts": facts, "t": now,
                           "sha": sha256_hex(text.encode("utf-8", "replace")) if whole_file else None}
            changed = True
        elif old is not None:  # the agent replaced it, and Interlock saw the new content: nothing to remember
            del files[path]
            changed = True
    for dest, src in list(copies.items())[:16]:
        if src in files:
            files[dest] = dict(files[src], t=now, origin=src)
            changed = True
        elif _holds_secrets(src, ctx):
            # `cp ~/.aws/credentials ./c.txt`, `cp -r ~/.ssh ./keys`: the copy is the secret (reading it later in the
            # session is reading the store); the fact says where it came from, never what it holds
            from .analysis.paths import display

            files[dest] = {"facts": [{"rule": "secrets.read-file", "severity": "credential",
                                      "evidence": f"a copy of {display(src, ctx.pctx)}"[:200],
                                      "target": display(src, ctx.pctx)[:200]}],
                           "t": now, "sha": None, "origin": src, "copy_of_secret": True}
            changed = True
    if changed:
        try:
            _save(ctx.env, action.agent, session, files)
        except OSError:
            pass


def _holds_secrets(src: str, ctx) -> bool:
    """A file that holds secrets by its name, or a directory with one in it (bounded)."""
    from .analysis.secrets import is_secret_path, tree_secret
    from .selfprotect import secret_globs as _secret_globs

    extra, exempt = _secret_globs(ctx)
    if is_secret_path(src, ctx.pctx.home, tuple(extra), tuple(exempt)):
        return True
    return os.path.isdir(src) and tree_secret(src, ctx.pctx.home, tuple(extra), tuple(exempt), limit=500) is not None


def secret_copy(files, path: str, pctx):
    """Where ``path`` (or a directory above it) was copied from in this session, shown, when that copy took a file
    that holds secrets (``files``: the session's memory, see ``learn``); else None."""
    from .analysis.paths import display
    from .analysis.secrets import is_secret_path

    if not files or not path:
        return None
    p, rest = path.rstrip("/"), ""
    for _ in range(8):
        e = files.get(p)
        if isinstance(e, dict) and e.get("copy_of_secret") and isinstance(e.get("origin"), str):
            src = e["origin"] + rest
            if not rest or is_secret_path(src, pctx.home):
                return display(src, pctx)
            return None
        p, sep, tail = p.rpartition("/")
        if not sep or not p:
            return None
        rest = "/" + tail + rest
    return None


def _patch_files(patch: str):
    """(operation, path, added text) for each file of a Codex apply_patch."""
    import re

    out = []
    cur = None
    for line in patch.splitlines():
        m = re.match(r"^\*\*\* (Add File|Update File|Delete File|Move to): (.+?)\s*$", line)
        if m:
            cur = [m.group(1), m.group(2), []]
            if m.group(1) in ("Add File", "Update File"):
                out.append(cur)
            continue
        if cur is not None and line.startswith("+") and not line.startswith("+++"):
            cur[2].append(line[1:])
    return [(op, path, "\n".join(lines) + "\n") for op, path, lines in out if lines]


def applies(entry: dict, disk_text) -> bool:
    """Whether remembered facts add anything: not when the file on disk is exactly what Interlock saw
    written (its analysis of the disk says it all)."""
    sha = entry.get("sha")
    if sha and disk_text is not None:
        return sha256_hex(disk_text.encode("utf-8", "replace")) != sha
    return True
