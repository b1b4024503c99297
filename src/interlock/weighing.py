"""The one place a finding gets its weight: severity from the rule catalogue, then the environment.

Analysis reports facts — which rule, what effect, which target, and the target's environment when it
could resolve one (``None`` when it could not).  ``interlock.engine.analyze`` calls ``weigh`` once on
everything an action's analysis found, whichever module emitted it (the shell walk, a cloud CLI's
handler, a file tool, an MCP tool's arguments, an HTTP request a gateway saw), so the same rule in the
same environment always carries the same severity, and the policy decides on it.

The weighing is data in the catalogues (``rules.py``, ``rules_infra.py``, ``rules_db.py``):

* **severity** is the catalogue's severity for the rule;
* **unresolved environment** — a rule whose target lives in a deployment environment
  (``rules.IN_AN_ENVIRONMENT``, every ``rules_infra`` rule outside ``NOT_IN_AN_ENVIRONMENT``) whose
  environment analysis could not resolve, when destructive or catastrophic, is treated as production:
  its environment becomes ``prod`` (so ``[environments.prod]`` decisions apply) and its note says
  "environment not resolved: treated as prod".  It is not escalated (below): that needs a resolved
  production environment;
* **production** (``policy.is_production``: prod, production, prd, live, eu-prod...) — a rule listed in
  an ``IN_PROD`` table becomes the rule named there (``infra.delete-prod``, ``db.wipe-table-prod``,
  ``infra.kube-disrupt-prod``...), with that rule's severity and why, and a note naming the original;
* **outside production** — ``rules_db.OUTSIDE_PROD`` (heavy maintenance locks only production traffic),
  ``rules_infra.OUTSIDE_PROD`` (a deploy to a named staging or preview environment);
* **local** — a catastrophic ``rules_db.LOCAL_DESTRUCTIVE`` finding on this machine's database, or a
  ``rules_infra.LOCAL_DESTRUCTIVE`` one on its container engine or local cluster, weighs ``destructive``.
"""

from __future__ import annotations

_TABLES = None
UNRESOLVED_NOTE = "environment not resolved: treated as prod"
_SEVERE = ("destructive", "catastrophic")


def _tables():
    global _TABLES
    if _TABLES is None:
        from . import rules, rules_db, rules_infra
        from .policy import is_production

        scoped = set(rules.IN_AN_ENVIRONMENT)
        scoped |= {r.id for r in rules_infra.RULES if r.id not in rules_infra.NOT_IN_AN_ENVIRONMENT}
        in_prod = {**rules.IN_PROD, **rules_infra.IN_PROD, **rules_db.IN_PROD}
        _TABLES = (rules.RULES, frozenset(scoped), in_prod, {**rules_db.OUTSIDE_PROD, **rules_infra.OUTSIDE_PROD},
                   rules_db.LOCAL_DESTRUCTIVE | rules_infra.LOCAL_DESTRUCTIVE, is_production)
    return _TABLES


def weighs_less_locally(rule_id: str) -> bool:
    """Whether ``rule_id``, catastrophic, weighs ``destructive`` when its target is on this machine."""
    return rule_id in _tables()[4]


def in_an_environment(rule_id: str) -> bool:
    """Whether ``rule_id``'s target lives in a deployment environment (unresolved means prod)."""
    return rule_id in _tables()[1]


def _note(f, text):
    f.note = text + (f"; {f.note}" if f.note else "")


def _become(f, new, catalogue, note):
    r = catalogue[new]
    _note(f, note)
    f.rule, f.severity, f.why = new, r.severity, r.why


def weigh(findings):
    """Weigh every finding once, in place; returns ``findings``."""
    if not findings:
        return findings
    catalogue, scoped, in_prod, outside_prod, local_destructive, is_production = _tables()
    for f in findings:
        if f.weighed:
            continue
        f.weighed = True
        rule = catalogue.get(f.rule)
        if rule is None:
            continue  # not a catalogue rule: as analysis reported it
        f.severity = rule.severity
        env = f.environment
        if env is None:
            if f.rule in scoped and f.severity in _SEVERE:
                f.environment = "prod"
                _note(f, UNRESOLVED_NOTE)
            elif f.rule in outside_prod:
                _become(f, outside_prod[f.rule], catalogue, f"{f.rule} outside production")
        elif is_production(env):
            if f.rule in in_prod:
                _become(f, in_prod[f.rule], catalogue, f"{f.rule} in {env}")
        else:
            if f.rule in outside_prod:
                _become(f, outside_prod[f.rule], catalogue, f"{f.rule} outside production")
            if env == "local" and f.rule in local_destructive and f.severity == "catastrophic":
                f.severity = "destructive"
                _note(f, "on this machine: weighed as destructive")
    return findings
