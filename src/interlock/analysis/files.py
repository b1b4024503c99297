"""File tools (Read, Write, Edit, Grep, Glob...): secrets, Interlock's own files, protected paths."""

from __future__ import annotations

from ..actions import FILE_READ, Finding
from .. import rules as _rules
from . import paths as P
from .secrets import is_secret_path


def _finding(rule_id, action, target, effect):
    r = _rules.RULES[rule_id]
    return Finding(rule_id, r.severity, effect, target, f"{action.tool or action.kind} {target}", r.why)


def analyze(action, ctx):
    paths = action.payload.get("paths")
    deletes = action.payload.get("deletes")
    if paths is not None or deletes is not None:
        # several files in one action (a Codex apply_patch): judge each
        from ..actions import Action

        out = []
        for p in paths or ():
            out += analyze(Action(action.kind, {"path": p}, cwd=action.cwd, tool=action.tool), ctx)
        for p in deletes or ():
            out += analyze(Action(action.kind, {"path": p, "op": "delete"}, cwd=action.cwd, tool=action.tool), ctx)
        return out
    path = action.payload.get("path") or ""
    if not path:
        return []
    pctx = ctx.pctx
    findings = []
    if action.kind == FILE_READ:
        raw = path
        if "*" in raw or "?" in raw:
            # Glob/Grep over a tree: only flag patterns that name secret files
            raw = raw.replace("**/", "").replace("*", "")
        abs_path = P.resolve(raw, pctx)
        from ..engine import _secret_globs, is_approval_store

        if is_approval_store(abs_path, pctx.home, ctx.env) or is_approval_store(
                P.resolve(path, pctx), pctx.home, ctx.env, glob=True):
            findings.append(_finding("interlock.approvals-store", action, P.display(abs_path, pctx), "read"))
            return findings

        extra, exempt = _secret_globs(ctx)
        if is_secret_path(abs_path, pctx.home, extra, exempt):
            findings.append(_finding("secrets.read-file", action, P.display(abs_path, pctx), "read-secret"))
        elif raw == path:
            from .secrets import file_tokens

            hits = file_tokens(abs_path, exempt)
            if hits:
                f = _finding("secrets.file-token", action, f"{P.display(abs_path, pctx)}:{hits[0].line}", "read-secret")
                f.note = f"{hits[0].kind.replace('-', ' ')} {hits[0].masked}" + (
                    f" and {len(hits) - 1} more" if len(hits) > 1 else "")
                findings.append(f)
        return findings
    place = P.classify(path, pctx, glob=False)
    target = P.display(place.path, pctx)
    if action.payload.get("op") == "delete":
        from .shell.programs import _DELETE_RULES

        rule = _DELETE_RULES.get(place.kind)
        if rule:
            findings.append(_finding(rule, action, target, "delete"))
        return findings
    if place.kind == P.SELF:
        from ..engine import is_approval_store

        rule = "interlock.approvals-store" if is_approval_store(place.path, pctx.home, ctx.env) else \
            "interlock.self-protect"
        findings.append(_finding(rule, action, target, "modify"))
    elif place.kind == P.PROTECTED:
        findings.append(_finding("fs.delete-protected", action, target, "overwrite"))
    elif place.kind in (P.SYSTEM, P.ROOT):
        findings.append(_finding("fs.overwrite-system", action, target, "overwrite"))
    elif place.kind == P.DEVICE:
        findings.append(_finding("disk.write-device", action, target, "overwrite"))
    text = action.payload.get("content")
    if isinstance(text, str) and path.endswith((".py", ".pth", ".pyw")):
        from .shell.programs import _USES_INTERLOCK

        if _USES_INTERLOCK.search(text):  # a conftest.py or .pth that drives Interlock's own library
            findings.append(_finding("interlock.self-command", action, target, "run"))
    return findings
