"""Package removal, one model (``knowledge/packages.toml``): a system package is asked, a package of the
user's own passes, orphans pass, every package at once weighs more, data and forced removals are named.

``judge(a, cmd, scope)`` is called by the handlers of the managers the file names (programs.py registers
it; brew's and pip's handlers call it for their removal verbs).  It returns True when the line was a
removal (judged), False otherwise.
"""

from __future__ import annotations

import re

from ..paths import UNKNOWN_MARK as U
from . import flows

_managers = None


def managers():
    """program name → its manager entry, read once."""
    global _managers
    if _managers is None:
        from ...knowledge import load

        raw = load("packages.toml")
        out = {}
        for m in raw.get("manager", []):
            spec = dict(m)
            for k in ("remove_flags", "skip_flags"):
                if spec.get(k):
                    spec[k] = re.compile(spec[k])
            for n in m["names"]:
                out[n] = spec
        _managers = out
    return _managers


def _operands(args, value_options):
    out, skip = [], False
    for x in args:
        if skip:
            skip = False
            continue
        if x.startswith("-") and x != "-":
            if x in value_options:
                skip = True
            continue
        out.append(x)
    return out


def judge(a, cmd, scope) -> bool:
    m = managers().get(cmd.name)
    if m is None:
        return False
    args = list(cmd.args)
    flags = {x.split("=", 1)[0] for x in args if x.startswith("-")}
    if flags & set(m.get("skip", ["--help", "-h", "--dry-run", "--simulate", "-s"] if m.get("verbs") else [])):
        return False
    ops = _operands(args, set(m.get("value_options", ())))
    names = ops
    every = False
    if m.get("remove_flags") is not None:
        if not any(m["remove_flags"].match(x) for x in args):
            return False
        if m.get("skip_flags") is not None and any(m["skip_flags"].match(x) for x in args):
            return False
    else:
        if not ops:
            return False
        verb = ops[0]
        if verb in m.get("all_verbs", ()):
            every = True
        elif verb in m.get("orphan_verbs", ()) and len(ops) == 1:
            return True  # orphans only: packages nothing installed depends on
        elif verb not in m.get("verbs", ()) and verb not in m.get("orphan_verbs", ()):
            # (`apt-get autoremove PKG` removes PKG too)
            return False
        names = ops[1:]
    if flags & set(m.get("orphan_flags", ())) and not names:
        return True
    if names and all(x in m.get("orphan_operands", ()) for x in names):
        return True
    coll = flows.stdin_collection(cmd.stdin) if "-" in names else None
    listed = coll or next((c for c in (flows.every(x) for x in names) if c), None)
    if listed and not listed.startswith("pkg:"):
        listed = None
    every = every or bool(listed) or bool(flags & set(m.get("all_flags", ()))) or any(
        x in m.get("all_operands", ()) for x in names)
    system = m.get("scope") == "system" and not (flags & set(m.get("user_flags", ())))
    system = system or cmd.sudo or bool(flags & set(m.get("system_flags", ())))
    shown = " ".join(flows.show(x).replace(U, "$?") for x in names if x != "-") or None
    label = "system packages" if system else "packages"
    if every:
        rule = m.get("all_rule", "pkg.remove-all-user") if system else "pkg.remove-all-user"
        why = ("fed the list of every installed package by the same command line" if listed else
               "every package it manages")
        a.emit(rule, cmd, target=f"every {label[:-1]} ({cmd.name})", effect="remove", note=why)
        return True
    data = flags & set(m.get("data_flags", ()))
    if data:
        a.emit("pkg.remove-data", cmd, target=shown, effect="remove",
               note=f"{', '.join(sorted(data))}: the data it kept for the user goes too")
    force = flags & set(m.get("force_flags", ()))
    if force and m.get("force_rule"):
        a.emit(m["force_rule"], cmd, target=shown, effect="uninstall", note=", ".join(sorted(force)))
    if system:
        a.emit("pkg.remove-system", cmd, target=shown, effect="remove")
    return True
