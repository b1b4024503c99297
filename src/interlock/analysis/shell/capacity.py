"""Capacity set to zero: one effect, one reader.

A tool's knowledge says which option or operand is a capacity (``knowledge/clis/<tool>.toml``:
``capacity = ["--replicas", "$last"]``; for the CLIs whose options are many and regular, aws, az and gcloud,
``knowledge/capacity.toml`` says which option names are capacities); this module decides whether such a value
is zero, in any spelling (``0``, ``00``, ``-0``, ``+0``, ``web=0``, ``web=0:standard-1x``, a key=value list, JSON,
YAML, a JSON patch).  What serves then stops serving: the handlers report ``infra.outage`` (scale to zero).

A minimum alone is not a capacity (``--min-size 0 --max-size 4`` still serves); a minimum and a maximum both
zero is, through the maximum.
"""

from __future__ import annotations

import json
import re

from ...knowledge import KnowledgeError, model

_ZERO = re.compile(r"^[+-]?0+(?:\.0*)?$")
#: ``NAME=N`` / ``NAME=N:size`` (heroku, dokku, fly, docker service scale) and ``N:size``
_MINIMUM = re.compile(r"[Mm]in(?:[A-Z_-]|imum)")  # (`minReplicas`, `min_size`, `min-count`, `minimum`; not `admin`)
_ASSIGN = re.compile(r"^(?:[A-Za-z0-9_.\-/]+=)?([+-]?\d+(?:\.\d*)?)(?::[\w.-]+)?$")


class _Model:
    def __init__(self, raw):
        self.option_words = tuple(raw["option_words"])
        self.option_not = tuple(raw["option_not"])
        self.keys = frozenset(raw["keys"])
        self.lower_keys = frozenset(k.lower() for k in raw["keys"])
        alt = "|".join(sorted((re.escape(k) for k in raw["keys"]), key=len, reverse=True))
        # a capacity key given a zero in JSON, YAML or a key=value list (`"replicas": 0`, `replicas: 0`,
        # `maxSize=0`), the key whole (not `minReplicas`: the key must not be preceded by a word character)
        self.keyed = re.compile(r"""(?<![\w])["']?(?:""" + alt + r""")["']?\s*[:=]\s*["']?[+-]?0+(?:\.0*)?(?![\w.])""")
        self.examples = [(str(v), bool(z)) for v, z in raw.get("examples", [])]
        self.large_count = int(raw["large_count"])
        self.big_types = [re.compile(x, re.I) for x in raw["big_machine_types"]]
        # a capacity key given a number (`"replicas": 5000`, `maxReplicas=2000`, `InstanceCount=300`), whole
        self.keyed_number = re.compile(r"""(?<![\w])["']?(""" + alt + r""")["']?\s*[:=]\s*["']?(\d+)(?![\w.])""")
        self.large_examples = [(str(v), bool(z)) for v, z in raw.get("large_examples", [])]


def _model():
    return model("capacity.toml", _Model)


def is_zero_number(value) -> bool:
    """A number that is zero however written: 0, 00, -0, +0, 0.0."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0 or \
        isinstance(value, str) and bool(_ZERO.match(value.strip()))


def is_zero(value) -> bool:
    """``value`` sets a capacity to zero: a zero number, ``NAME=0[:size]``, or a key=value list, JSON, YAML or
    JSON patch whose capacity keys are zero.  A knowledge file that does not load counts a bare digit string of
    zeros only (the reader of numbers needs no data)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 0
    if not isinstance(value, str):
        return False
    v = value.strip()
    if not v:
        return False
    m = _ASSIGN.match(v)
    if m:
        name = v.split("=", 1)[0].rsplit(".", 1)[-1] if "=" in v else ""
        return bool(_ZERO.match(m.group(1))) and not _MINIMUM.match(name)  # not `minReplicas=0`: a minimum
    try:
        mdl = _model()
    except KnowledgeError:
        return False
    if v[:1] == "[" and _patch_zero(v, mdl):
        return True
    return bool(mdl.keyed.search(v))


def _keyed_zero(text) -> bool:
    """A capacity key given zero inside a value (``siteConfig.numberOfWorkers=0``, ``InstanceCount=0``, JSON)."""
    try:
        mdl = _model()
    except KnowledgeError:
        return False
    return bool(mdl.keyed.search(text)) or text.lstrip()[:1] == "[" and _patch_zero(text, mdl)


def _patch_zero(text, mdl) -> bool:
    """A JSON patch (RFC 6902) that replaces or adds a capacity with zero: ``[{"op":"replace","path":
    "/spec/replicas","value":0}]``."""
    try:
        ops = json.loads(text)
    except ValueError:
        return False
    if not isinstance(ops, list):
        return False
    for op in ops:
        if isinstance(op, dict) and op.get("op") in ("replace", "add") and isinstance(op.get("path"), str):
            last = op["path"].rstrip("/").rsplit("/", 1)[-1]
            if last.lower() in mdl.lower_keys and (is_zero_number(op.get("value")) or
                                                   isinstance(op.get("value"), str) and is_zero_number(op["value"])):
                return True
    return False


def is_capacity_option(name: str) -> bool:
    """An option of aws, az or gcloud that sizes what serves (``--desired-count``, ``--node-count``,
    ``--new-capacity``, ``--max-num-replicas``), not a minimum or a size of something else."""
    n = name.lstrip("-").lower()
    try:
        mdl = _model()
    except KnowledgeError:
        return "replica" in n or "count" in n  # fail closed on the commonest spellings
    return any(w in n for w in mdl.option_words) and not any(w in n for w in mdl.option_not)


def zero_option(opts: dict):
    """The first ``(option, value)`` of ``opts`` ({--name: value}) that sets a capacity to zero: a capacity
    option given zero, or any option whose value is a key=value list / JSON whose capacity keys are zero
    (``--scaling-config minSize=0,maxSize=0,desiredSize=0``, ``--instance-groups …,InstanceCount=0``)."""
    for k, v in opts.items():
        if not isinstance(k, str) or not k.startswith("-") or not isinstance(v, str):
            continue
        if is_capacity_option(k) and is_zero(v):
            return k, v
        if _keyed_zero(v):
            return k, v
    return None


def zero_argument(args, depth=0):
    """The first ``(key, value)`` of a tool's arguments (a mapping, nested ones too) that sets a capacity to zero:
    a capacity key (``replicas``, ``desiredCount``) or capacity-named option (``node_count``) given zero."""
    if depth > 6:
        return None
    try:
        mdl = _model()
    except KnowledgeError:
        mdl = None
    items = args.items() if isinstance(args, dict) else enumerate(args) if isinstance(args, list) else ()
    for k, v in items:
        if isinstance(v, (dict, list)):
            hit = zero_argument(v, depth + 1)
            if hit:
                return hit
        elif isinstance(k, str) and (mdl and k.lower() in mdl.lower_keys or is_capacity_option(k.replace("_", "-"))) \
                and (is_zero_number(v)):
            return k, v
    return None


# --- capacity set high: a large count or a GPU / very large machine type ----------------------------------------

def big_machine(value):
    """The GPU or very large machine type ``value`` names (knowledge/capacity.toml big_machine_types), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        mdl = _model()
    except KnowledgeError:
        return None
    for rx in mdl.big_types:
        m = rx.search(value)
        if m:
            return m.group(0)
    return None


def large_count(value):
    """The count ``value`` sets a capacity to when it is at least ``large_count`` (a number, ``NAME=N[:size]``, or a
    capacity key inside a key=value list, JSON or YAML; a minimum is no capacity), else None."""
    try:
        mdl = _model()
    except KnowledgeError:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if value >= mdl.large_count else None
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    m = _ASSIGN.match(v)
    if m:
        name = v.split("=", 1)[0].rsplit(".", 1)[-1] if "=" in v else ""
        n = float(m.group(1))
        return int(n) if n >= mdl.large_count and not _MINIMUM.match(name) else None
    for k in mdl.keyed_number.finditer(v):
        if not _MINIMUM.match(k.group(1)) and int(k.group(2)) >= mdl.large_count:
            return int(k.group(2))
    return None


def is_large(value) -> bool:
    """``value`` sets a capacity high: a large count or a GPU / very large machine type."""
    return large_count(value) is not None or big_machine(value) is not None


def cost_option(opts: dict):
    """The first ``(option, value, what)`` of ``opts`` ({--name: value}) that makes what is created or sized cost a
    lot: a capacity option given a large count, a key=value / JSON value whose capacity keys are large, or any
    value naming a GPU or very large machine type; else None."""
    for k, v in opts.items():
        if not isinstance(k, str) or not k.startswith("-") or not isinstance(v, str):
            continue
        n = large_count(v) if is_capacity_option(k) or k in ("--size", "--new-capacity", "--max") else None
        if n is None:
            try:
                m = _model().keyed_number.search(v)
            except KnowledgeError:
                m = None
            n = large_count(v) if m else None
        if n is not None:
            return k, v, f"{k} {n}"
        t = big_machine(v)
        if t:
            return k, v, f"{k} {t}"
    return None


def cost_note(what: str) -> str:
    return f"{what}: a large count or a GPU / very large machine type, billed by the hour"
