"""Impact previews for infrastructure tools: what ``terraform destroy`` or ``kubectl delete``
would remove, asked of the tools themselves without changing anything.

* terraform / OpenTofu: ``plan`` (``-destroy`` for a destroy) for the same directory,
  workspace and ``-target``s, from the state only (``-refresh=false``: no provider API call,
  fast), ``-lock=false`` (a preview must not block a real run), summarised as the resources
  to destroy or replace.
* kubectl: the same ``delete`` with ``--dry-run=server -o name``: the API server lists the
  objects that would go, nothing is deleted.

A preview that cannot run says "impact unknown" and why — never zero.
"""

from __future__ import annotations

import os
import re
import subprocess

from .model import Impact

TIMEOUT_S = 20.0
_ADDR = re.compile(r"^\s*# (\S+) (will be destroyed|must be replaced|will be replaced)", re.M)
_PLAN = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")
_NO_CHANGES = re.compile(r"No changes\.|Your infrastructure matches the configuration")
_TF_VALUE_FLAGS = ("-var", "-var-file", "-target", "-replace", "-state", "-parallelism")


class InfraTarget:
    """An infrastructure command a preview can ask its tool about."""

    __slots__ = ("tool", "cwd", "args", "evidence")

    def __init__(self, tool, cwd, args, evidence=""):
        self.tool, self.cwd, self.args, self.evidence = tool, cwd, list(args), evidence

    def __repr__(self):
        return f"InfraTarget({self.tool}, {self.args})"


def target_for(name, args, cwd, evidence):
    """An InfraTarget when ``name args`` destroys infrastructure we can preview, else None."""
    if name in ("terraform", "tofu"):
        words = [a for a in args if not a.startswith("-")]
        sub = words[0] if words else ""
        destroys = sub == "destroy" or (sub == "apply" and any(a in ("-destroy", "--destroy") for a in args)) \
            or (sub == "apply" and any(a.startswith(("-replace=", "--replace=")) for a in args))
        return InfraTarget(name, cwd, args, evidence) if destroys else None
    if name in ("kubectl", "oc"):
        if "delete" in args[:3]:
            return InfraTarget(name, cwd, args, evidence)
    return None


def preview_infra(t: InfraTarget, env=None) -> Impact:
    """Ask the tool; ``env`` is the agent's (KUBECONFIG, TF_WORKSPACE, cloud profiles...)."""
    env = dict(os.environ if env is None else env)
    try:
        if t.tool in ("terraform", "tofu"):
            return _terraform(t, env)
        return _kubectl(t, env)
    except FileNotFoundError:
        return Impact([f"{t.evidence or t.tool}: impact unknown: {t.tool} is not installed here"], [],
                      known=False, error=f"{t.tool} not found")
    except subprocess.TimeoutExpired:
        return Impact([f"{t.evidence or t.tool}: impact unknown: {t.tool} did not answer within "
                       f"{TIMEOUT_S:.0f} s"], [], known=False, error="timeout")


def _terraform(t, env):
    chdir = t.cwd
    keep = []
    args = list(t.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-chdir="):
            chdir = os.path.normpath(os.path.join(t.cwd, a.split("=", 1)[1]))
        elif a.startswith(("-target=", "--target=", "-var=", "--var=", "-var-file=", "--var-file=", "-state=",
                           "-replace=", "--replace=")):
            keep.append("-" + a.lstrip("-"))
        elif a in _TF_VALUE_FLAGS and i + 1 < len(args):
            keep += [a, args[i + 1]]
            i += 1
        i += 1
    words = [a for a in args if not a.startswith("-")]
    destroy = words[:1] == ["destroy"] or any(a in ("-destroy", "--destroy") for a in args)
    argv = [t.tool, f"-chdir={chdir}", "plan", "-input=false", "-lock=false", "-refresh=false", "-no-color"]
    if destroy:
        argv.append("-destroy")
    argv += keep
    env.update(TF_IN_AUTOMATION="1", TF_INPUT="0")
    p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=chdir, env=env)
    label = f"{t.tool} {'destroy' if destroy else 'apply'} in {chdir}"
    if p.returncode != 0:
        err = (p.stderr or p.stdout).strip().splitlines()
        why = next((ln.strip("│ ").strip() for ln in err if "Error" in ln), err[-1] if err else "plan failed")
        from ..redact import redact

        return Impact([f"{label}: impact unknown: `{t.tool} plan` failed: {redact(why)[:200]}"], [],
                      known=False, error=redact(why)[:200])
    out = p.stdout
    addrs = _ADDR.findall(out)
    m = _PLAN.search(out)
    if m is None and _NO_CHANGES.search(out):
        return Impact([f"{label}: nothing to destroy or replace (per the plan)"], [{"tool": t.tool, "destroy": 0,
                                                                                  "replace": 0}])
    if m is None:
        return Impact([f"{label}: impact unknown: no plan summary in {t.tool}'s output"], [], known=False,
                      error="unrecognised plan output")
    gone = [a for a, how in addrs if how == "will be destroyed"]
    replaced = [a for a, how in addrs if how != "will be destroyed"]
    n_destroy = int(m.group(3))
    lines = [f"{label}: {n_destroy} to destroy" + (f" ({len(replaced)} of them replaced)" if replaced else "")
             + (": " + ", ".join(gone[:8] + replaced[:8]) + (" …" if len(gone) + len(replaced) > 16 else "")
                if addrs else "")]
    return Impact(lines, [{"tool": t.tool, "dir": chdir, "destroy": n_destroy, "add": int(m.group(1)),
                           "change": int(m.group(2)), "destroyed": gone, "replaced": replaced}])


def _kubectl(t, env):
    args = [a for a in t.args if not a.startswith(("--dry-run", "-o=", "--output"))]
    argv = [t.tool] + args + ["--dry-run=server", "-o", "name"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=t.cwd, env=env)
    label = " ".join([t.tool] + t.args)[:120]
    if p.returncode != 0:
        from ..redact import redact

        why = redact((p.stderr or p.stdout).strip().splitlines()[-1] if (p.stderr or p.stdout).strip()
                     else f"exit {p.returncode}")[:200]
        return Impact([f"{label}: impact unknown: the API server's dry run failed: {why}"], [], known=False,
                      error=why)
    names = [ln.strip() for ln in p.stdout.splitlines() if ln.strip()]
    return Impact([f"{label}: {len(names)} object(s) would be deleted: " + ", ".join(names[:10])
                   + (" …" if len(names) > 10 else "")], [{"tool": t.tool, "objects": names}])
